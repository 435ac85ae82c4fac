#!/usr/bin/env bash
# limits.sh -- oversized input never crashes the engine: it either works or fails with a
# clear error.  The statements are generated here (they are too big for test files):
# deep nesting, very long operator chains, huge literals and identifiers, wide tables,
# long VALUES lists and long scripts.
#
#   tests/cli/limits.sh QE-SQL QEC QE-WORKER QE-BENCH
set -u

QE_SQL=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

# run NAME WANT_STDOUT_TAIL SQL_FILE [MODE]: qe-sql must not crash; if it succeeds its
# last output line must be WANT; if it fails stderr must hold an ERROR with a SQLSTATE.
run() {
    local name=$1 want=$2 file=$3 mode=${4:-interpret} rc
    checks=$((checks + 1))
    timeout 120 "$QE_SQL" --mode "$mode" -list -f "$file" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ]; then
        local got
        got=$(tail -n 1 "$tmp/out")
        if [ "$got" != "$want" ]; then
            echo "FAIL: $name ($mode): last line \"${got:0:80}\", expected \"$want\"" >&2
            failures=$((failures + 1))
        fi
    elif [ $rc -eq 1 ] && grep -q '^ERROR:' "$tmp/err" && grep -q '^SQLSTATE: ' "$tmp/err"; then
        : # a clear error is fine
    else
        echo "FAIL: $name ($mode): exit status $rc (a crash or hang?)" >&2
        head -c 600 "$tmp/err" >&2
        failures=$((failures + 1))
    fi
}

# repeat N TEXT SEP: TEXT repeated N times, separated by SEP.
repeat() {
    local n=$1 text=$2 sep=$3 out="" i
    for ((i = 1; i < n; i++)); do out+="$text$sep"; done
    printf '%s%s' "$out" "$text"
}

for mode in interpret jit; do
    printf 'SELECT %s1%s;\n' "$(repeat 100000 '(' '')" "$(repeat 100000 ')' '')" >"$tmp/parens.sql"
    run "100000 nested parentheses" 1 "$tmp/parens.sql" $mode

    printf 'SELECT %s;\n' "$(repeat 100000 1 +)" >"$tmp/plus.sql"
    run "a chain of 100000 additions" 100000 "$tmp/plus.sql" $mode

    printf 'SELECT %s;\n' "$(repeat 100000 false ' OR ')" >"$tmp/or.sql"
    run "a chain of 100000 ORs" false "$tmp/or.sql" $mode

    printf 'SELECT %s1;\n' "$(repeat 100000 'NOT ' '')" | sed 's/NOT 1/NOT true/' >"$tmp/not.sql"
    run "100000 nested NOTs" true "$tmp/not.sql" $mode

    printf 'CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1); SELECT %s FROM t;\n' \
        "$(repeat 20000 a +)" >"$tmp/cols.sql"
    run "a chain of 20000 column additions" 20000 "$tmp/cols.sql" $mode
done

big=$(repeat 100000 xxxxxxxxxx '')
printf "SELECT '%s' = '%s';\n" "$big" "$big" >"$tmp/literal.sql"
run "a 1 MB string literal" true "$tmp/literal.sql"

printf 'SELECT 1 AS %s;\n' "$(repeat 1000 abcdefghij '')" >"$tmp/ident.sql"
run "a 10000-character identifier" 1 "$tmp/ident.sql"

{
    printf 'CREATE TABLE w (c0 INTEGER'
    for ((i = 1; i < 2000; i++)); do printf ', c%d INTEGER' $i; done
    printf '); INSERT INTO w (c0, c1999) VALUES (1, 2); SELECT c1999 FROM w;\n'
} >"$tmp/wide.sql"
run "a table of 2000 columns" 2 "$tmp/wide.sql"

{
    printf 'CREATE TABLE v (a INTEGER, b VARCHAR); INSERT INTO v VALUES (0, %s)' "'s'"
    for ((i = 1; i < 20000; i++)); do printf ", (%d, 's%d')" $i $i; done
    printf '; SELECT sum(a) FROM v;\n'
} >"$tmp/values.sql"
run "an INSERT of 20000 rows" 199990000 "$tmp/values.sql"

for ((i = 0; i < 5000; i++)); do echo "SELECT $i;"; done >"$tmp/script.sql"
run "a script of 5000 statements" 4999 "$tmp/script.sql"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
