#!/usr/bin/env bash
# explain_analyze.sh -- EXPLAIN ANALYZE with its timings (src/main/explain.c): the text
# (times, memory, skew and morsel counts masked) in interpret and jit mode (compiled
# pipelines with their tier, a fallback reason, morsel counts that add up), FORMAT JSON
# parsed by python3 with figures that agree with the text's, and a 2-worker cluster
# whose PARTITIONED stages report their tasks, skew and the workers' pipelines.
#
#   tests/cli/explain_analyze.sh QE-SQL QEC QE-WORKER QE-BENCH
set -u

QE_SQL=$1 QE_WORKER=$3
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

# Masks what varies from run to run: times, sizes, ratios, morsel counts.
mask() {
    sed -E -e 's/[0-9]+\.[0-9]{3} ms/T ms/g' -e 's/[0-9.]+ (B|KiB|MiB|GiB)/M/g' \
        -e 's/max\/avg [0-9]+\.[0-9]{2}/max\/avg S/g' \
        -e 's/morsels: [0-9]+ interpreted, [0-9]+ compiled/morsels: N/'
}

# 20000 rows: 10 morsels of 2048 rows and more, so both threads get some.
setup="CREATE TABLE t (a INTEGER, b BIGINT);
INSERT INTO t SELECT i % 7, i FROM range(20000) r(i);"
query="SELECT a, count(*), sum(b) FROM t WHERE b > 100 GROUP BY a ORDER BY a"

# ---- interpret ---------------------------------------------------------------------------

out=$("$QE_SQL" --threads 2 --mode interpret -list -c "$setup" -c "EXPLAIN ANALYZE $query" 2>&1)
expect_rc "interpret exit" 0 $?
expect "interpret text" 'QUERY PLAN
stage 0 PARTITIONED: T ms, peak memory M
  p0: Scan(t: a, b; filter: #1 > 100) [20000 rows] -> Filter(#1 > 100) [19899 rows] -> Project(#0, #1) [19899 rows] -> HashAggregate(SINGLE; groups: #0; aggs: count_star(), sum(#1)) [19899 rows in]
      interpreted
      T ms, 2 threads, morsels: N
  p1: HashAggregateSource(SINGLE) [7 rows] -> Sort(#0) [7 rows in]
      interpreted
      T ms, 2 threads, morsels: N
  p2 (ordered): SortSource(#0) [7 rows] -> Result(a, count_star(), sum(b)) [7 rows in]
      interpreted
      T ms, 1 thread, morsels: N
result: 7 rows; execution T ms, peak memory M' "$(mask <<<"$out")"
expect_has "interpret morsels" "morsels: 10 interpreted, 0 compiled" "$out"

# ---- jit: tiers, a fallback reason, compiled morsels --------------------------------------

out=$("$QE_SQL" --threads 2 --mode jit -list -c "$setup" -c "EXPLAIN ANALYZE $query" \
    -c "SET jit_tier = 'cheap'" -c "EXPLAIN ANALYZE $query" \
    -c "EXPLAIN (ANALYZE, TIMING OFF) SELECT a, b FROM t WHERE b < 3 ORDER BY b LIMIT 2" 2>&1)
expect_rc "jit exit" 0 $?
expect_has "jit stage compile time" "stage 0 PARTITIONED: T ms, peak memory M, compile T ms" \
    "$(mask <<<"$out")"
expect_has "jit optimized" "      compiled (optimized)
      " "$out"
expect_has "jit cheap" "      compiled (cheap)
      " "$out"
expect_has "jit compiled morsels" "morsels: 0 interpreted, 10 compiled" "$out"
expect_has "jit fused operators are not counted" \
    "[20000 rows] -> Filter(#1 > 100) -> Project(#0, #1) [19899 rows]" "$out"
expect_has "jit fallback reason" "      interpreted because nothing to compile: the source feeds the sink directly" "$out"
expect_has "jit Limit pipeline (compiled)" "  p1 (ordered): SortSource(#1) [2 rows] -> Limit(2) [2 rows] -> Result(a, b) [2 rows in]
      compiled (cheap)" "$out"

# ---- FORMAT JSON ---------------------------------------------------------------------------

"$QE_SQL" --threads 2 --mode jit -list -c "$setup" \
    -c "EXPLAIN (ANALYZE, FORMAT JSON) $query" >"$tmp/plan.txt" 2>&1
expect_rc "json exit" 0 $?
check=$(tail -n 1 "$tmp/plan.txt" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
st = doc["stages"][0]
p0 = st["pipelines"][0]
ops = p0["operators"]
problems = []
def want(what, ok):
    if not ok:
        problems.append(what)
want("rows", doc["rows"] == 7)
want("execution_ms", doc["execution_ms"] > 0 and doc["peak_memory"] > 0)
want("compile_ms", st["tier"] == "optimized" and st["compile_ms"] > 0)
want("task", len(st["tasks"]) == 1 and st["tasks"][0]["rows_out"] == 7)
want("p0 compiled", p0["execution"] == "compiled" and p0["tier"] == "optimized")
want("p0 morsels", p0["morsels_compiled"] == 10 and p0["morsels_interpreted"] == 0)
want("p0 threads", p0["threads"] == 2 and p0["wall_ms"] >= 0)
want("scan rows", ops[0]["rows"] == 20000 and "rows" not in ops[1])
want("sink rows", ops[-1]["rows_in"] == 19899)
p1 = st["pipelines"][1]
want("p1 fallback", p1["execution"] == "interpreted" and p1["fallback"].startswith("nothing"))
print("ok" if not problems else "bad: " + ", ".join(problems))
' 2>&1)
expect "json figures" "ok" "$check"

# ---- a 2-worker cluster --------------------------------------------------------------------

coord=$(free_port)
for i in 1 2; do
    "$QE_WORKER" --listen "127.0.0.1:$(free_port)" --coordinator "127.0.0.1:$coord" \
        --threads 2 2>>"$tmp/workers.log" &
    worker_pids+=($!)
done
out=$(timeout 60 "$QE_SQL" --cluster "127.0.0.1:$coord" --min-workers 2 --mode jit -list \
    -c "$setup" -c "EXPLAIN ANALYZE SELECT count(*), sum(b) FROM t WHERE b > 100" \
    -c "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM t" 2>"$tmp/cluster.log")
expect_rc "cluster exit" 0 $?
expect "cluster text" 'QUERY PLAN
stage 0 PARTITIONED: 2 tasks, rows out 2 (max/avg S), wall max T ms (max/avg S), peak memory max M (max/avg S), compile max T ms
  p0: Scan(t: b; filter: #0 > 100) [20000 rows] -> Filter(#0 > 100) -> Project(#0) [19899 rows] -> HashAggregate(PARTIAL; groups: ; aggs: count_star(), sum(#0)) [19899 rows in]
      compiled (optimized)
      T ms (slowest of 2 tasks), 4 threads, morsels: N
  p1: HashAggregateSource(PARTIAL) [2 rows] -> ExchangeSink(ex0, GATHER) [2 rows in]
      interpreted because nothing to compile: the source feeds the sink directly
      T ms (slowest of 2 tasks), 4 threads, morsels: N
stage 1 SINGLE: T ms, peak memory M, compile T ms
  p0: ExchangeSource(ex0) [2 rows] -> HashAggregate(FINAL; groups: ; aggs: count_star(v=#0, n=#1), sum(v=#2, n=#3)) [2 rows in]
      compiled (optimized)
      T ms, 2 threads, morsels: N
  p1: HashAggregateSource(FINAL) [1 row] -> Result(count_star(), sum(b)) [1 row in]
      interpreted because nothing to compile: the source feeds the sink directly
      T ms, 2 threads, morsels: N
exchanges:
  ex0: GATHER, stage 0 -> stage 1, (BIGINT, BIGINT, BIGINT, BIGINT)
result: 1 row; execution T ms, peak memory (sum over tasks) M' "$(mask <<<"$(sed -n '1,/^result:/p' <<<"$out")")"
check=$(tail -n 1 <<<"$out" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
st = doc["stages"][0]
ok = (not st["ran_here"] and len(st["tasks"]) == 2 and st["rows_out"] == 2
      and sum(t["rows_out"] for t in st["tasks"]) == 2 and st["skew"]["wall"] >= 1
      and st["pipelines"][0]["operators"][0]["rows"] == 20000
      and all(t["compile_ms"] > 0 for t in st["tasks"])
      and doc["stages"][1]["ran_here"] and doc["rows"] == 1)
print("ok" if ok else "bad")
' 2>&1)
expect "cluster json" "ok" "$check"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
