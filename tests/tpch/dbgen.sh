#!/usr/bin/env bash
# dbgen.sh -- qe-dbgen's output equals dbgen 2.17.3's (md5 of every .tbl in
# tests/tpch/checksums.md5), whatever the thread count; chunks (-C n -S i) concatenate
# to the whole; bad options fail with exit status 1; CALL dbgen loads the same rows.
#
#   tests/tpch/dbgen.sh QE-DBGEN QE-SQL CHECKSUMS SF [quick]
#
# With "quick" (the default ctest) the thread, chunk, -T, error and CALL variants run too;
# without it (the slow ctest) just the md5 at SF.
set -u

QE_DBGEN=$1 QE_SQL=$2 SUMS=$3 SF=$4 MODE=${5:-full}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0
tables="customer lineitem nation orders part partsupp region supplier"

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# check_md5 NAME DIR: every table in DIR has the md5 of checksums.md5 at SF.
check_md5() {
    local t want got
    for t in $tables; do
        checks=$((checks + 1))
        want=$(awk -v f="sf$SF/$t.tbl" '$2 == f { print $1 }' "$SUMS")
        got=$(md5sum <"$2/$t.tbl" | cut -d' ' -f1)
        [ -n "$want" ] || { fail "$1: no checksum for sf$SF/$t.tbl"; continue; }
        [ "$want" = "$got" ] || fail "$1: $t.tbl md5 $got, expected $want"
    done
}

mkdir -p "$tmp/j2"
"$QE_DBGEN" -s "$SF" -o "$tmp/j2" -j 2 || fail "qe-dbgen -s $SF -j 2 failed"
check_md5 "-j 2" "$tmp/j2"

if [ "$MODE" = quick ]; then
    # three chunks, concatenated, with 1, 2 and 3 threads; nation and region come with
    # chunk 1 only
    mkdir -p "$tmp/c3"
    for i in 1 2 3; do
        "$QE_DBGEN" -s "$SF" -C 3 -S $i -o "$tmp/c3" -j$i || fail "qe-dbgen -C 3 -S $i failed"
    done
    checks=$((checks + 1))
    [ "$(ls "$tmp/c3" | sort | tr '\n' ' ')" = \
      "customer.tbl.1 customer.tbl.2 customer.tbl.3 lineitem.tbl.1 lineitem.tbl.2 lineitem.tbl.3 nation.tbl orders.tbl.1 orders.tbl.2 orders.tbl.3 part.tbl.1 part.tbl.2 part.tbl.3 partsupp.tbl.1 partsupp.tbl.2 partsupp.tbl.3 region.tbl supplier.tbl.1 supplier.tbl.2 supplier.tbl.3 " ] ||
        fail "chunk files: $(ls "$tmp/c3" | tr '\n' ' ')"
    mkdir -p "$tmp/cat"
    for t in $tables; do
        if [ -e "$tmp/c3/$t.tbl" ]; then
            cp "$tmp/c3/$t.tbl" "$tmp/cat/$t.tbl"
        else
            cat "$tmp/c3/$t.tbl.1" "$tmp/c3/$t.tbl.2" "$tmp/c3/$t.tbl.3" >"$tmp/cat/$t.tbl"
        fi
    done
    check_md5 "-C 3" "$tmp/cat"

    # -T: one table, by name and by dbgen letter
    mkdir -p "$tmp/t"
    "$QE_DBGEN" -s "$SF" -T L -T region -o "$tmp/t" || fail "qe-dbgen -T failed"
    checks=$((checks + 1))
    [ "$(ls "$tmp/t" | tr '\n' ' ')" = "lineitem.tbl region.tbl " ] ||
        fail "-T L -T region wrote $(ls "$tmp/t" | tr '\n' ' ')"
    cmp -s "$tmp/t/lineitem.tbl" "$tmp/j2/lineitem.tbl" || fail "-T L lineitem differs"

    # bad options
    for args in "-s 0" "-s 2.5" "-s x" "-C 3 -S 4" "-C 3" "-T q" "-j 0" "-o $tmp/nonexistent"; do
        checks=$((checks + 1))
        # shellcheck disable=SC2086
        if "$QE_DBGEN" -T r -o "$tmp/t" $args 2>"$tmp/err"; then
            fail "qe-dbgen $args succeeded"
        fi
        [ -s "$tmp/err" ] || fail "qe-dbgen $args printed no error"
    done

    # CALL dbgen: the same row counts and keys as the text
    checks=$((checks + 1))
    want=""
    for t in customer lineitem nation orders part partsupp region supplier; do
        want="$want$(wc -l <"$tmp/j2/$t.tbl")
"
    done
    want="$want$(cut -d'|' -f2 "$tmp/j2/lineitem.tbl" | paste -sd+ | bc)"
    got=$("$QE_SQL" :memory: -list -c "CALL dbgen(sf = $SF)" \
        -c "SELECT count(*) FROM customer" -c "SELECT count(*) FROM lineitem" \
        -c "SELECT count(*) FROM nation" -c "SELECT count(*) FROM orders" \
        -c "SELECT count(*) FROM part" -c "SELECT count(*) FROM partsupp" \
        -c "SELECT count(*) FROM region" -c "SELECT count(*) FROM supplier" \
        -c "SELECT sum(l_partkey) FROM lineitem" 2>&1 | grep -Ev '^(count_star|sum)')
    [ "$got" = "$want" ] || {
        fail "CALL dbgen row counts"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2
    }
fi

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
