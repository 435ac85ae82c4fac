#!/usr/bin/env bash
# bench.sh -- qe-bench's report: compile, execute and total ms per query and mode (the
# engine's qe_result_compile_ms / qe_result_execute_ms), the CSV columns, the SVG chart
# (well-formed, one <rect> per bar) and modes the engine refuses (reported as unsupported,
# the other modes go on).
#
#   tests/cli/bench.sh QE-SQL QEC QE-WORKER QE-BENCH
set -u

QE_BENCH=$4
tmp=$(mktemp -d)
failures=0
checks=0
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/lib.sh" # fail, expect, expect_rc, expect_has

printf '%s\n' "CREATE TABLE t (a INT, b INT);" \
    "INSERT INTO t VALUES (1, 10), (2, 20), (3, 30), (1, 5);" >"$tmp/setup.sql"
echo "SELECT a, count(*), sum(b) FROM t GROUP BY a ORDER BY a;" >"$tmp/q1.sql"
echo "SELECT sum(b) FROM t WHERE a > 1;" >"$tmp/q2.sql"

# Two modes that run and one the engine refuses: it is reported, the others go on.
out=$("$QE_BENCH" --setup "$tmp/setup.sql" -n 3 --modes interpret,bogus,jit \
    --csv "$tmp/bench.csv" --svg "$tmp/bench.svg" "$tmp/q1.sql" "$tmp/q2.sql" 2>"$tmp/err")
expect_rc "qe-bench exit with an unsupported mode" 0 $?
expect_has "report header" "compile_ms  execute_ms    total_ms" "$out"
expect_has "unsupported row" "bogus                  - unsupported" "$out"
expect_has "unsupported message" 'mode "bogus" unsupported: execution_mode = '"'bogus'"': invalid value' \
    "$(cat "$tmp/err")"
expect_has "geomean interpret" "geomean interpret      total " "$out"
expect_has "geomean jit" "geomean jit            total " "$out"
expect_has "ratio" "ratio jit / interpret: total " "$out"
# Every mode runs on the one engine loaded once (one "load:" line), side by side: each
# later mode has a paired ratio to the first one per query and in the summary.
expect_has "paired column" "first_cmp_ms  paired" "$out"
expect_has "paired summary" "paired jit / interpret per query (median over rounds): median " "$out"
expect "paired per query" 2 "$(printf '%s\n' "$out" | grep -cE '^q[12] +jit +[0-9]+ .* [0-9]+\.[0-9]{3}$')"
echo "SELECT sum(a) FROM t;" >"$tmp/q3.sql"
out=$("$QE_BENCH" --load "CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2)" -n 2 \
    --modes interpret,jit "$tmp/q3.sql" 2>&1)
expect_rc "qe-bench --load exit" 0 $?
expect "one load for every mode" 1 "$(printf '%s\n' "$out" | grep -c '^load: ')"

# CSV: the old columns first, then the new ones; unsupported modes have no rows.
csv=$(cat "$tmp/bench.csv")
expect "csv header" "query,mode,rows,runs,median_ms,min_ms,max_ms,compile_ms,execute_ms,first_ms,first_compile_ms" \
    "$(head -1 "$tmp/bench.csv")"
expect "csv rows" 5 "$(wc -l <"$tmp/bench.csv" | tr -d ' ')"
expect_has "csv q1 interpret" "q1,interpret,3,3," "$csv"
expect_has "csv q2 jit" "q2,jit,1,3," "$csv"
expect "csv columns" "11 11 11 11 11" "$(awk -F, '{printf "%s%d", (NR > 1 ? " " : ""), NF}' "$tmp/bench.csv")"
# Interpreted runs compile nothing; jit runs compile every time (no code cache yet: a
# cache would make the hot compile 0, so only the first run's compile is checked).
expect "interpret compile_ms" "0.000 0.000" \
    "$(awk -F, '$2 == "interpret" {printf "%s%s", n++ ? " " : "", $8}' "$tmp/bench.csv")"
expect "jit first_compile_ms > 0" "yes yes" \
    "$(awk -F, '$2 == "jit" {printf "%s%s", n++ ? " " : "", ($11 > 0 ? "yes" : "no")}' "$tmp/bench.csv")"
expect "execute <= total" "ok ok ok ok" \
    "$(awk -F, 'NR > 1 {printf "%s%s", n++ ? " " : "", ($9 + 0 <= $5 + 0.001 ? "ok" : "bad")}' "$tmp/bench.csv")"

# SVG: well-formed, one <rect> per bar: 2 queries + the geomean group, 2 modes that ran.
expect "svg start" "<svg" "$(head -c 4 "$tmp/bench.svg")"
expect "svg end" "</svg>" "$(tail -1 "$tmp/bench.svg")"
expect "svg bars" 6 "$(grep -c '<rect' "$tmp/bench.svg")"
expect_has "svg geomean group" ">geomean</text>" "$(cat "$tmp/bench.svg")"
expect_has "svg legend" ">bogus (unsupported)</text>" "$(cat "$tmp/bench.svg")"
if command -v python3 >/dev/null; then
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$tmp/bench.svg"
    expect_rc "svg parses as XML" 0 $?
fi
"$QE_BENCH" --setup "$tmp/setup.sql" -n 1 --modes interpret --svg "$tmp/lin.svg" \
    --svg-scale linear "$tmp/q1.sql" >/dev/null
expect_rc "svg linear exit" 0 $?
expect_has "svg linear axis" "ms (linear scale)" "$(cat "$tmp/lin.svg")"
expect "svg linear bars" 2 "$(grep -c '<rect' "$tmp/lin.svg")"

# --duckdb: a peer that cannot run is reported (duckdb rows failed), not a failure.
out=$("$QE_BENCH" --setup "$tmp/setup.sql" -n 1 --modes interpret --duckdb "$tmp/nodata" \
    --duckdb-script "$tmp/missing.mjs" "$tmp/q1.sql" 2>"$tmp/err")
expect_rc "qe-bench --duckdb peer failing" 0 $?
expect_has "duckdb failed row" "duckdb                 -      failed" "$out"
expect_has "duckdb failure message" "the DuckDB peer" "$(cat "$tmp/err")"

# Only unsupported modes: nothing ran, exit 1; a bad --svg-scale is a usage error.
"$QE_BENCH" --setup "$tmp/setup.sql" -n 1 --modes bogus "$tmp/q1.sql" >/dev/null 2>&1
expect_rc "qe-bench only unsupported modes" 1 $?
"$QE_BENCH" --svg-scale cubic "$tmp/q1.sql" >/dev/null 2>&1
expect_rc "qe-bench bad --svg-scale" 1 $?

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
