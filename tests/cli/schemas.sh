#!/usr/bin/env bash
# schemas.sh -- the built-in schemas in the tools: `qec --schema tpch|tpcds|FILE.sql`,
# `qe-sql --schema ...` and `qe-bench --schema ... --prepare-only` (the frontend's
# micro-benchmark), on queries of tests/tpch/queries.
#
#   tests/cli/schemas.sh QE-SQL QEC QE-WORKER QE-BENCH
set -u

QE_SQL=$1 QEC=$2 QE_BENCH=$4
queries=$(cd "$(dirname "$0")/../tpch/queries" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

. "$(dirname "$0")/lib.sh" # fail, expect, expect_rc, expect_has

# ---- qec ---------------------------------------------------------------------------------

out=$("$QEC" --schema tpch --emit=logical "$queries/q01.sql" 2>&1)
expect_rc "qec --schema tpch --emit=logical q01 exit" 0 $?
expect_has "qec --schema tpch q01 plan" "Get(lineitem" "$out"
expect_has "qec --schema tpch q01 plan" "Aggregate" "$out"

out=$("$QEC" --schema tpch --emit=logical -c "SELECT n_name FROM nation WHERE n_nationkey = 1" 2>&1)
expect_rc "qec --schema tpch -c exit" 0 $?
expect_has "qec --schema tpch -c plan" "Get(nation" "$out"

out=$("$QEC" --schema tpcds --emit=logical -c "SELECT ss_item_sk FROM store_sales" 2>&1)
expect_rc "qec --schema tpcds exit" 0 $?
expect_has "qec --schema tpcds plan" "Get(store_sales" "$out"

printf 'CREATE TABLE t (a INTEGER);\n' >"$tmp/schema.sql"
out=$("$QEC" --schema "$tmp/schema.sql" --emit=logical -c "SELECT a FROM t" 2>&1)
expect_rc "qec --schema FILE exit" 0 $?
expect_has "qec --schema FILE plan" "Get(t" "$out"

err=$("$QEC" --schema nosuch --emit=logical -c "SELECT 1" 2>&1 >/dev/null)
expect_rc "qec --schema nosuch exit" 1 $?
expect_has "qec --schema nosuch" 'qec: cannot read schema "nosuch"' "$err"
expect_has "qec --schema nosuch lists the built-ins" "(built-in schemas: tpcds tpch)" "$err"

err=$("$QEC" --schema tpch --emit=logical -c "SELECT l_shipdat FROM lineitem" 2>&1 >/dev/null)
expect_rc "qec --schema tpch misspelled column exit" 1 $?
expect_has "qec misspelled column" 'column "l_shipdat" does not exist' "$err"

# qec --db DIR plans against a database's tables and statistics: the build side of
# the join is the small table, whichever side the query names it on.
"$QE_SQL" "$tmp/db" -c "CREATE TABLE big AS SELECT i AS k FROM generate_series(1, 20000) AS g(i)" \
    -c "CREATE TABLE small AS SELECT i AS k FROM generate_series(1, 3) AS g(i)" >/dev/null 2>&1
expect_rc "qe-sql creates the --db database" 0 $?
out=$("$QEC" --db "$tmp/db" --emit=physical -c "SELECT count(*) FROM small JOIN big USING (k)" 2>&1)
expect_rc "qec --db exit" 0 $?
expect_has "qec --db plan builds the small table" "Scan(small: k) -> HashJoinBuild" "$out"
out=$("$QEC" --db "$tmp/db" --emit=ir -c "SELECT count(*) FROM big WHERE k > 10" 2>&1)
expect_rc "qec --db --emit=ir exit" 0 $?
expect_has "qec --db IR" "define i32 @qe_s0_p0" "$out"
# ... and its statistics: columns without NULLs (both tables' k) are read as such, a
# morsel that has a bitmap after all going to the interpreter (rt_jit_interpret); once
# NULLs are inserted, the plan marks nothing and the IR has no such branch
join_ir='SELECT count(*), sum(small.k) FROM small JOIN big USING (k)'
out=$("$QEC" --db "$tmp/db" --emit=ir -c "$join_ir" 2>&1)
expect_has "qec --db IR reads NULL-free columns" "call i32 @rt_jit_interpret" "$out"
"$QE_SQL" "$tmp/db" -c "INSERT INTO big VALUES (NULL)" -c "INSERT INTO small VALUES (NULL)" \
    >/dev/null 2>&1
out=$("$QEC" --db "$tmp/db" --emit=ir -c "$join_ir" 2>&1)
checks=$((checks + 1))
case "$out" in *"call i32 @rt_jit_interpret"*) fail "qec --db IR after NULLs still reads NULL-free columns" ;; esac
err=$("$QEC" --emit=physical -c "SELECT k FROM big" 2>&1 >/dev/null)
expect_rc "qec without --db has no table big" 1 $?
expect_has "qec without --db" 'relation "big" does not exist' "$err"

# ---- qe-sql ------------------------------------------------------------------------------

out=$("$QE_SQL" --schema tpch -csv -c "SELECT 1 AS one" 2>&1)
expect_rc "qe-sql --schema tpch exit" 0 $?
expect_has "qe-sql --schema tpch" "one" "$out"

out=$("$QE_SQL" --schema tpch -csv -c "SELECT count(*) AS n FROM region" 2>&1)
expect_rc "qe-sql --schema tpch count exit" 0 $?
expect_has "qe-sql --schema tpch count" "n
0" "$out"

out=$("$QE_SQL" --schema tpcds -csv -c "SELECT 2 AS two" 2>&1)
expect_rc "qe-sql --schema tpcds exit" 0 $?

err=$("$QE_SQL" --schema nosuch -c "SELECT 1" 2>&1 >/dev/null)
expect_rc "qe-sql --schema nosuch exit" 1 $?
expect_has "qe-sql --schema nosuch" 'qe-sql: cannot read schema "nosuch"' "$err"

# ---- qe-bench --prepare-only ---------------------------------------------------------------

out=$("$QE_BENCH" --prepare-only --schema tpch -n 20 --csv "$tmp/prep.csv" "$queries/q01.sql" \
    "$queries/q06.sql" 2>&1)
expect_rc "qe-bench --prepare-only exit" 0 $?
expect_has "qe-bench --prepare-only header" "median_us" "$out"
expect_has "qe-bench --prepare-only q01" "q01" "$out"
expect_has "qe-bench --prepare-only csv" "query,runs,median_us,min_us,max_us" "$(cat "$tmp/prep.csv")"
expect_has "qe-bench --prepare-only csv q06" "q06,20," "$(cat "$tmp/prep.csv")"

echo "schemas.sh: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
