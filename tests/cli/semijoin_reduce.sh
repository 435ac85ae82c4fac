#!/usr/bin/env bash
# semijoin_reduce.sh -- the semi-join reduction of aggregates (src/optimizer/
# semijoin_reduce.c) applies to TPC-H Q2, Q17 and Q20 with real statistics (SF 0.01):
# each optimized logical plan (qec --emit=logical) holds one more SEMI join than the
# query itself has (Q2 and Q17 none, Q20 two: its IN subqueries), the one below the
# aggregate of the correlated subquery.  Results are checked by the acceptance tests.
#
#   tests/cli/semijoin_reduce.sh QE-SQL QEC QE-WORKER QE-BENCH
set -u

QEC=$2
dir=$(cd "$(dirname "$0")/../tpch/queries" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "CALL dbgen(sf = 0.01);" >"$tmp/schema.sql"
failures=0
for want in q02:1 q17:1 q20:3; do
    q=${want%%:*}
    n=${want##*:}
    if ! out=$("$QEC" --schema "$tmp/schema.sql" --emit=logical "$dir/$q.sql" 2>&1); then
        echo "FAIL: $q: qec failed: ${out:0:200}" >&2
        failures=$((failures + 1))
        continue
    fi
    got=$(grep -c 'Join(SEMI' <<<"$out")
    if [ "$got" -ne "$n" ]; then
        echo "FAIL: $q: $got SEMI joins in the plan, expected $n" >&2
        failures=$((failures + 1))
    fi
done
[ $failures -eq 0 ] && echo "semijoin_reduce: Q2, Q17 and Q20 reduced"
exit $((failures > 0))
