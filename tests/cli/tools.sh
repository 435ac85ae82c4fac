#!/usr/bin/env bash
# tools.sh -- command-line behaviour of the QE tools: qe-sql's output modes, column names,
# error rendering and exit codes, scripts and dot commands; qec's artifacts; qe-worker's
# start and clean stop; qe-bench's report; and the skeleton query on a 2-worker cluster.
#
#   tests/cli/tools.sh QE-SQL QEC QE-WORKER QE-BENCH
set -u

QE_SQL=$1 QEC=$2 QE_WORKER=$3 QE_BENCH=$4
tmp=$(mktemp -d)
worker_pids=()
failures=0
checks=0

cleanup() {
    for pid in "${worker_pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

. "$(dirname "$0")/lib.sh" # fail, expect, expect_rc, expect_has, free_port

setup="CREATE TABLE t (a INTEGER, b BIGINT, c VARCHAR);
INSERT INTO t VALUES (1, 5, 'x'), (1, 20, 'y'), (2, 30, NULL), (3, 40, 'a,\"b\"');"
query="SELECT a, count(*), sum(b) FROM t WHERE b > 10 GROUP BY a ORDER BY a;"

# ---- qe-sql output modes -----------------------------------------------------------------

out=$("$QE_SQL" -csv -c "$setup $query")
expect_rc "qe-sql -csv exit" 0 $?
expect "qe-sql -csv" 'a,count_star(),sum(b)
1,1,20
2,1,30
3,1,40' "$out"

out=$("$QE_SQL" -c "$setup $query")
expect "qe-sql box (default)" '┌───────┬──────────────┬────────┐
│   a   │ count_star() │ sum(b) │
│ int32 │    int64     │ int64  │
├───────┼──────────────┼────────┤
│     1 │            1 │     20 │
│     2 │            1 │     30 │
│     3 │            1 │     40 │
└───────┴──────────────┴────────┘' "$out"

out=$("$QE_SQL" -json -c "$setup $query")
expect "qe-sql -json" '[{"a":1,"count_star()":1,"sum(b)":20},
{"a":2,"count_star()":1,"sum(b)":30},
{"a":3,"count_star()":1,"sum(b)":40}]' "$out"

out=$("$QE_SQL" -markdown -c "$setup $query")
expect "qe-sql -markdown" '| a | count_star() | sum(b) |
|--:|-------------:|-------:|
| 1 |            1 |     20 |
| 2 |            1 |     30 |
| 3 |            1 |     40 |' "$out"

out=$("$QE_SQL" -list -c "$setup $query")
expect "qe-sql -list" 'a|count_star()|sum(b)
1|1|20
2|1|30
3|1|40' "$out"

# Strings: CSV quoting (RFC 4180), NULL as an empty field; JSON escapes and null.
out=$("$QE_SQL" -csv -c "$setup SELECT c FROM t ORDER BY b;")
expect "qe-sql -csv strings" 'c
x
y

"a,""b"""' "$out"

out=$("$QE_SQL" -json -c "$setup SELECT b, c FROM t WHERE b >= 30 ORDER BY b;")
expect "qe-sql -json strings" '[{"b":30,"c":null},
{"b":40,"c":"a,\"b\""}]' "$out"

out=$("$QE_SQL" -c "$setup SELECT a, c FROM t WHERE a > 100;")
expect "qe-sql box, no rows" '┌───────┬─────────┐
│   a   │    c    │
│ int32 │ varchar │
├───────┴─────────┤
│     0 rows      │
└─────────────────┘' "$out"

# Output column names (DuckDB's): alias, column name, aggregate, expression text.
out=$("$QE_SQL" -csv -c "$setup SELECT a, a + 1, a AS z, 42, count(c), count(*), sum(b), avg(b) FROM t GROUP BY a ORDER BY a LIMIT 1;")
expect "qe-sql column names" 'a,a + 1,z,42,count(c),count_star(),sum(b),avg(b)
1,2,1,42,2,2,25,12.5' "$out"

# DDL and DML print nothing.
out=$("$QE_SQL" -c "$setup DROP TABLE t;")
expect "qe-sql DDL/DML silent" '' "$out"

# ---- qe-sql errors, scripts, exit status -------------------------------------------------

err=$("$QE_SQL" -c "SELECT * FORM t" 2>&1 >/dev/null)
expect_rc "qe-sql error exit" 1 $?
expect "qe-sql error rendering" 'ERROR:  syntax error at or near "FORM"
LINE 1: SELECT * FORM t
                 ^
SQLSTATE: 42601' "$err"

script='SELECT 1 AS x;
SELECT * FROM nosuch;
SELECT 2 AS y;'
out=$(printf '%s\n' "$script" | "$QE_SQL" -csv 2>"$tmp/err")
expect_rc "qe-sql script with an error: exit" 1 $?
expect "qe-sql script continues after an error" 'x
1
y
2' "$out"
expect_has "qe-sql script error" 'relation "nosuch" does not exist' "$(cat "$tmp/err")"

out=$(printf '%s\n' "$script" | "$QE_SQL" -csv -bail 2>/dev/null)
expect_rc "qe-sql -bail exit" 1 $?
expect "qe-sql -bail stops" 'x
1' "$out"

# Statements across lines, several per line, and dot commands in a script file.
printf '%s\n' "SELECT 1 AS one;" ".mode list" "SELECT 2 AS two," "  3 AS three; SELECT 'q' AS q;" \
    ".mode csv" "SELECT 4 AS four" >"$tmp/script.sql"
out=$("$QE_SQL" -f "$tmp/script.sql")
expect_rc "qe-sql -f exit" 0 $?
expect "qe-sql -f with dot commands" '┌───────┐
│  one  │
│ int32 │
├───────┤
│     1 │
└───────┘
two|three
2|3
q
q
four
4' "$out"

out=$("$QE_SQL" -c ".mode csv" 2>&1)
expect_rc "qe-sql -c is SQL, not a dot command" 1 $?

"$QE_SQL" --bogus >/dev/null 2>&1
expect_rc "qe-sql bad option" 1 $?
"$QE_SQL" --mode bogus -c "SELECT 1" >/dev/null 2>&1
expect_rc "qe-sql bad --mode" 1 $?

for mode in interpret jit; do
    out=$("$QE_SQL" --mode $mode --threads 2 -csv -c "$setup $query")
    expect "qe-sql --mode $mode" 'a,count_star(),sum(b)
1,1,20
2,1,30
3,1,40' "$out"
done

# Interactive use on a pseudo-terminal (util-linux `script`): prompts, continuation lines,
# dot commands, and the history file.
if command -v script >/dev/null; then
    out=$(printf '%s\n' "SELECT 1" "  + 2 AS x;" ".mode csv" "SELECT 3 AS y;" ".quit" |
        HOME="$tmp" timeout 20 script -qec "$QE_SQL" /dev/null | tr -d '\r')
    expect_rc "qe-sql interactive exit" 0 $?
    expect_has "qe-sql interactive prompt" "qe> SELECT 1" "$out"
    expect_has "qe-sql interactive continuation" "...>   + 2 AS x;" "$out"
    expect_has "qe-sql interactive box result" "│     3 │" "$out"
    expect_has "qe-sql interactive .mode csv" "y
3" "$out"
    expect_has "qe-sql history file" "SELECT\\0403\\040AS\\040y;" "$(cat "$tmp/.qe_history")"
fi

# ---- qec ---------------------------------------------------------------------------------

printf '%s\n' "$setup" >"$tmp/schema.sql"
out=$("$QEC" --schema "$tmp/schema.sql" --emit=physical -c "$query")
expect_rc "qec physical exit" 0 $?
for word in HashAggregate Sort Result Scan; do
    expect_has "qec --emit=physical" "$word" "$out"
done
out=$("$QEC" --schema "$tmp/schema.sql" --emit=cluster -c "$query")
expect_rc "qec cluster exit" 0 $?
for word in "HashAggregate(PARTIAL" "HashAggregate(FINAL" ExchangeSink ExchangeSource Sort Result; do
    expect_has "qec --emit=cluster" "$word" "$out"
done
printf '%s\n' "$query" >"$tmp/query.sql"
for what in ast logical ir asm; do
    out=$("$QEC" --schema "$tmp/schema.sql" --emit=$what "$tmp/query.sql")
    expect_rc "qec --emit=$what exit" 0 $?
    [ -n "$out" ] || fail "qec --emit=$what printed nothing"
done
out=$("$QEC" --schema "$tmp/schema.sql" --emit=ir -c "$query")
expect_has "qec --emit=ir" "define" "$out"
err=$("$QEC" -c "SELECT * FROM nosuch" 2>&1 >/dev/null)
expect_rc "qec error exit" 1 $?
expect_has "qec error" "SQLSTATE: 42P01" "$err"
"$QEC" --emit=bogus -c "SELECT 1" >/dev/null 2>&1
expect_rc "qec bad --emit" 1 $?
# JIT tiers: --tier picks the IR passes and codegen level, --cpu the target of asm.
for tier in cheap optimized; do
    out=$("$QEC" --schema "$tmp/schema.sql" --tier $tier --emit=ir "$tmp/query.sql")
    expect_rc "qec --tier $tier --emit=ir exit" 0 $?
    expect_has "qec --tier $tier --emit=ir" "; tier $tier, cpu " "$out"
    expect_has "qec --tier $tier --emit=ir define" "define" "$out"
done
cpu=host
case "$(uname -m)" in x86_64) cpu=x86-64-v2 ;; aarch64) cpu=generic ;; esac
out=$("$QEC" --schema "$tmp/schema.sql" --tier=cheap --cpu=$cpu --emit=asm "$tmp/query.sql")
expect_rc "qec --cpu $cpu --emit=asm exit" 0 $?
expect_has "qec --cpu $cpu --emit=asm" "tier cheap, cpu $cpu" "$out"
err=$("$QEC" --tier fast -c "SELECT 1" 2>&1 >/dev/null)
expect_rc "qec bad --tier exit" 1 $?
expect_has "qec bad --tier" 'invalid value for parameter "jit_tier": "fast"' "$err"
expect_has "qec bad --tier hint" "HINT:  Available values: cheap, optimized." "$err"
expect_has "qec bad --tier sqlstate" "SQLSTATE: 22023" "$err"
err=$("$QEC" --cpu 'no such cpu' --emit=asm -c "SELECT 1" 2>&1 >/dev/null)
expect_rc "qec bad --cpu exit" 1 $?
expect_has "qec bad --cpu sqlstate" "SQLSTATE: 22023" "$err"

# ---- qe-bench ----------------------------------------------------------------------------

printf '%s\n' "$setup" >"$tmp/setup.sql"
out=$("$QE_BENCH" --setup "$tmp/setup.sql" -n 2 --modes interpret,jit --csv "$tmp/bench.csv" \
    "$tmp/query.sql")
expect_rc "qe-bench exit" 0 $?
expect_has "qe-bench geomean" "geomean interpret" "$out"
expect "qe-bench csv rows" 3 "$(wc -l <"$tmp/bench.csv" | tr -d ' ')"
expect_has "qe-bench csv" "query,interpret,3,2," "$(cat "$tmp/bench.csv")"

# ---- qe-worker and a 2-worker cluster ------------------------------------------------------

"$QE_WORKER" >/dev/null 2>&1
expect_rc "qe-worker without options" 1 $?

coord=$(free_port)
for i in 1 2; do
    "$QE_WORKER" --listen "127.0.0.1:$(free_port)" --coordinator "127.0.0.1:$coord" \
        --threads 2 2>>"$tmp/workers.log" &
    worker_pids+=($!)
done
out=$(timeout 60 "$QE_SQL" --cluster "127.0.0.1:$coord" --min-workers 2 -csv -c "$setup $query")
expect_rc "qe-sql --cluster exit" 0 $?
expect "qe-sql --cluster" 'a,count_star(),sum(b)
1,1,20
2,1,30
3,1,40' "$out"
for pid in "${worker_pids[@]}"; do
    kill -TERM "$pid"
done
for pid in "${worker_pids[@]}"; do
    for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        fail "qe-worker $pid still running 2 s after SIGTERM"
    fi
    wait "$pid"
    expect_rc "qe-worker exit after SIGTERM" 0 $?
done
worker_pids=()
expect_has "qe-worker start line" "listening on 127.0.0.1:" "$(cat "$tmp/workers.log")"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
