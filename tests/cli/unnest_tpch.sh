#!/usr/bin/env bash
# unnest_tpch.sh -- every TPC-H query's optimized logical plan (qec --emit=logical)
# is free of subqueries: the subquery forms of Q2, Q4, Q11, Q15, Q16, Q17, Q18, Q20,
# Q21 and Q22 are all unnested into joins (no `Subquery(` line, no `outer(` reference).
#
#   tests/cli/unnest_tpch.sh QE-SQL QEC QE-WORKER QE-BENCH
set -u

QEC=$2
dir=$(cd "$(dirname "$0")/../tpch/queries" && pwd)
failures=0
for q in "$dir"/q*.sql; do
    if ! out=$("$QEC" --schema tpch --emit=logical "$q" 2>&1); then
        echo "FAIL: $(basename "$q"): qec failed: ${out:0:200}" >&2
        failures=$((failures + 1))
    elif grep -q -e 'Subquery(' -e 'outer[0-9]*(' <<<"$out"; then
        echo "FAIL: $(basename "$q"): a subquery is left in the plan" >&2
        failures=$((failures + 1))
    fi
done
[ $failures -eq 0 ] && echo "unnest_tpch: all queries unnested"
exit $((failures > 0))
