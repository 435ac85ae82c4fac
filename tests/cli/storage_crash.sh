#!/usr/bin/env bash
# storage_crash.sh -- the crash test of persistent storage: a qe-sql child writing a
# table (INSERT of a new generation of rows, then CREATE TABLE AS) is killed with
# SIGKILL at a random point, 50 times.  After each kill the database must open and hold
# each table either as before or as after the statement: every generation of t complete
# (BASE_ROWS rows with the same sum), c<i> absent or complete, no MANIFEST.tmp left.
# QE_STORAGE_DEBUG_SLEEP_US slows each write step (segment row group, manifest write,
# fsync, rename) so the kills land inside commits, not only around them.
#
#   tests/cli/storage_crash.sh QE-SQL QEC QE-WORKER QE-BENCH [SEED]
set -u

QE_SQL=$(readlink -f "$1")
seed=${5:-$$}
RANDOM=$seed
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/db
failures=0
iterations=50

fail() {
    echo "FAIL (seed $seed): $*" >&2
    failures=$((failures + 1))
}

# q SQL: one statement on $db; list output without the header; status of qe-sql.
q() {
    timeout 60 "$QE_SQL" "$db" -list -c "$1" 2>"$tmp/err" >"$tmp/out"
    local rc=$?
    tail -n +2 "$tmp/out"
    return $rc
}

# base: 5 rows doubled 8 times = 1280 rows; t starts as generation 0 of it.
setup="CREATE TABLE base (a INTEGER, s VARCHAR);
INSERT INTO base VALUES (1, 'one'), (22, 'twenty-two, a longer string'), (333, NULL),
    (-4, 'four'), (5, '');"
for i in 1 2 3 4 5 6 7 8; do
    setup="$setup INSERT INTO base SELECT a + $i, s FROM base;"
done
setup="$setup CREATE TABLE t AS SELECT a, s, 0 AS g FROM base;"
timeout 60 "$QE_SQL" "$db" -list -c "$setup" >/dev/null || { echo "setup failed" >&2; exit 1; }
want=$(q "SELECT count(*), sum(a) FROM base")
base_rows=${want%%|*}
[ "$base_rows" = 1280 ] || { echo "unexpected base: $want" >&2; exit 1; }

# How long an uninterrupted child takes (on a copy), and how long until it starts
# writing (opening alone): kills land in [0.8 x start, 0.8 x full run).
cp -r "$db" "$tmp/probe"
start=$(date +%s%N)
"$QE_SQL" "$tmp/probe" -list -c "SELECT 1" >/dev/null 2>&1
middle=$(date +%s%N)
QE_STORAGE_DEBUG_SLEEP_US=2000 "$QE_SQL" "$tmp/probe" -list -c "INSERT INTO t SELECT a, s, 1 FROM base" \
    -c "CREATE TABLE c1 AS SELECT a, s FROM base" >/dev/null 2>&1
end=$(date +%s%N)
rm -rf "$tmp/probe"
low=$(((middle - start) / 1000000 * 8 / 10))
span=$(((end - middle) / 1000000 * 8 / 10 - low + 1))
[ "$span" -ge 20 ] || span=20

generations=1 # generations of t seen so far
completed=0
torn_manifests=0 # kills that left a MANIFEST.tmp
orphans=0        # kills that left unreferenced segment files (removed at open)
for i in $(seq 1 $iterations); do
    QE_STORAGE_DEBUG_SLEEP_US=2000 "$QE_SQL" "$db" -list \
        -c "INSERT INTO t SELECT a, s, $i FROM base" \
        -c "CREATE TABLE c$i AS SELECT a, s FROM base" >/dev/null 2>&1 &
    child=$!
    delay=$((low + RANDOM % span))
    sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
    kill -KILL $child 2>/dev/null
    wait $child 2>/dev/null
    [ $? -eq 0 ] && completed=$((completed + 1))
    [ -e "$db/MANIFEST.tmp" ] && torn_manifests=$((torn_manifests + 1))
    segs_before=$(ls "$db" | grep -c '^seg-')

    # One open checks both tables: t's generations (each complete, the new one present
    # or absent as a whole) and c<i> (absent or complete).
    timeout 60 "$QE_SQL" "$db" -list -c "SELECT g, count(*), sum(a) FROM t GROUP BY g ORDER BY g" \
        -c "SELECT 'c', count(*), sum(a) FROM c$i" >"$tmp/out" 2>"$tmp/err"
    if ! grep -q '^0|' "$tmp/out"; then
        fail "iteration $i: the database does not open: $(head -c 300 "$tmp/err")"
        break
    fi
    grep -v -e 'count_star()' -e '^c|' "$tmp/out" >"$tmp/groups"
    bad=$(awk -F'|' -v want="$want" '$2 "|" $3 != want' "$tmp/groups")
    [ -z "$bad" ] || fail "iteration $i: torn generation(s) in t: $bad"
    n=$(wc -l <"$tmp/groups")
    if [ "$n" -ne "$generations" ] && [ "$n" -ne $((generations + 1)) ]; then
        fail "iteration $i: $n generations, expected $generations or $((generations + 1))"
    fi
    generations=$n
    if got=$(grep '^c|' "$tmp/out"); then
        [ "$got" = "c|$want" ] || fail "iteration $i: torn table c$i: $got"
    elif ! grep -q '^SQLSTATE: 42P01' "$tmp/err"; then
        fail "iteration $i: c$i: $(head -c 300 "$tmp/err")"
    fi
    [ ! -e "$db/MANIFEST.tmp" ] || fail "iteration $i: MANIFEST.tmp left after open"
    [ "$(ls "$db" | grep -c '^seg-')" -lt "$segs_before" ] && orphans=$((orphans + 1))
done

echo "storage_crash.sh: $iterations kills in [$low, $((low + span))) ms (seed $seed), $completed children finished," \
    "$generations generations of t survive; $torn_manifests left a MANIFEST.tmp and" \
    "$orphans orphan segments, removed at open"
if [ $failures -ne 0 ]; then
    echo "storage_crash.sh: $failures failure(s)" >&2
    exit 1
fi
echo "storage_crash.sh: all checks passed"
