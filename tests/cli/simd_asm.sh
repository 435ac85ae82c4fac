#!/usr/bin/env bash
# simd_asm.sh -- the FILTERs right after a scan compile to SIMD vector loops at the
# optimized tier (src/codegen/block.c): `qec --emit=asm` of predicate queries over
# INTEGER, BIGINT and DOUBLE columns holds vector compares in ymm (AVX2 host) or zmm /
# mask registers (an AVX-512 host, and `--cpu znver4` on any); the cheap tier keeps the
# row loop.
# Skipped (passes) on hosts that are not x86-64 with AVX2.
#
#   tests/cli/simd_asm.sh QE-SQL QEC QE-WORKER QE-BENCH
set -u

QEC=$2
if [ "$(uname -m)" != x86_64 ] || ! grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    echo "simd_asm: skipped (not an x86-64 host with AVX2)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

. "$(dirname "$0")/lib.sh" # fail, expect, expect_rc, expect_has

printf 'CREATE TABLE t (i INTEGER, b BIGINT, d DOUBLE, n INTEGER);\n' >"$tmp/schema.sql"

# expect_vector NAME REGEX SQL [QEC OPTIONS...]: the assembly has a line matching REGEX
expect_vector() {
    local name=$1 re=$2 sql=$3
    shift 3
    local out
    out=$("$QEC" --schema "$tmp/schema.sql" --emit=asm "$@" -c "$sql" 2>&1)
    expect_rc "$name: exit" 0 $?
    checks=$((checks + 1))
    if ! printf '%s\n' "$out" | grep -Eq "$re"; then
        fail "$name: no instruction matches /$re/"
        printf '%s\n' "$out" | grep -E 'compiled|interpreted' >&2
    fi
}

# a vector compare of the host: ymm (AVX2), or zmm / into a mask register (AVX-512)
ymm_cmp='^[[:space:]]+v(p)?cmp[a-z]*[[:space:]].*%(ymm|zmm|k[0-7])'
expect_vector "INTEGER predicate, host" "$ymm_cmp" "SELECT count(*) FROM t WHERE i < 24 AND n >= 3"
expect_vector "BIGINT predicate, host" "$ymm_cmp" "SELECT sum(i) FROM t WHERE b > 1000 AND b <= 5000"
expect_vector "DOUBLE predicate, host" "$ymm_cmp" \
    "SELECT sum(d * 2) FROM t WHERE d BETWEEN 0.05 AND 0.07 OR d IS NULL"
expect_vector "mixed predicate, host" "$ymm_cmp" \
    "SELECT i, d FROM t WHERE i < 24 AND d >= 0.05 AND b <> 7"
# AVX-512 by CPU name (only emitted, never run): compares into mask registers
expect_vector "DOUBLE predicate, znver4" '^[[:space:]]+v(p)?cmp[a-z]*[[:space:]].*%k[0-7]' \
    "SELECT sum(d) FROM t WHERE d < 0.5 AND i > 3" --cpu znver4

# TPC-H Q6 (DATE and DECIMAL predicates over lineitem): its scan pipeline compiles and
# the predicate loop holds vector compares (issue 5's acceptance)
q6="$(dirname "$0")/../tpch/queries/q06.sql"
out=$("$QEC" --schema tpch --emit=asm "$q6" 2>&1)
expect_rc "Q6: exit" 0 $?
expect_has "Q6 scan pipeline compiled" "pipeline 0: Scan -> Filter -> Project -> Project -> HashAggregate
#   compiled: qe_s0_p0" "$out"
checks=$((checks + 1))
printf '%s\n' "$out" | grep -Eq "$ymm_cmp" || fail "Q6: no vector compare"
out=$("$QEC" --schema tpch --emit=asm --cpu znver4 "$q6" 2>&1)
checks=$((checks + 1))
printf '%s\n' "$out" | grep -Eq '%(zmm|ymm)[0-9]+' || fail "Q6, znver4: no vector register"

# no gathers (CG_TUNING_FEATURES): on an AVX-512 CPU the vectorizer would turn the
# string leaves' strided loads of Q12's and Q19's block loops into vpgatherqq
for q in q12 q19; do
    out=$("$QEC" --schema tpch --emit=asm --cpu znver4 "$(dirname "$0")/../tpch/queries/$q.sql" 2>&1)
    checks=$((checks + 1))
    printf '%s\n' "$out" | grep -Eq '%zmm[0-9]+' || fail "$q, znver4: no zmm register"
    checks=$((checks + 1))
    if printf '%s\n' "$out" | grep -Eq '^[[:space:]]+v(p)?gather'; then
        fail "$q, znver4: a gather instruction"
    fi
done

# the IR names the block loop's arrays at the optimized tier only
out=$("$QEC" --schema "$tmp/schema.sql" --emit=ir -c "SELECT count(*) FROM t WHERE i < 24" 2>&1)
expect_has "optimized IR has block loops" "%block_pass = alloca" "$out"
# ... and a block whose predicates kept few rows prefetches the kept rows' other columns
out=$("$QEC" --schema "$tmp/schema.sql" --emit=ir -c "SELECT sum(b) FROM t WHERE i < 24" 2>&1)
expect_has "optimized IR prefetches sparse blocks" "llvm.prefetch" "$out"
checks=$((checks + 1))
case "$out" in *block_pf*) ;; *) fail "optimized IR has no block_pf loop" ;; esac
out=$("$QEC" --schema "$tmp/schema.sql" --emit=ir --tier cheap -c "SELECT count(*) FROM t WHERE i < 24" 2>&1)
checks=$((checks + 1))
case "$out" in *block_pass*) fail "cheap IR has block loops" ;; esac

echo "simd_asm: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
