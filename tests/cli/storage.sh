#!/usr/bin/env bash
# storage.sh -- persistent databases through qe-sql: a directory is created, tables,
# rows and views survive close/reopen (CREATE TABLE, INSERT, CREATE TABLE AS, DROP,
# CREATE/DROP VIEW), DROP removes the files, ":memory:" writes nothing, a second
# process gets 55006, and a flipped byte or a truncation in a segment file or the
# manifest gives a clear XX001 naming the file, never a crash.
#
#   tests/cli/storage.sh QE-SQL QEC QE-WORKER QE-BENCH
set -u

QE_SQL=$(readlink -f "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/db
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# q SQL...: runs the statements on $db in list mode, stdout without the header line.
q() {
    local args=()
    for s in "$@"; do args+=(-c "$s"); done
    timeout 60 "$QE_SQL" "$db" -list "${args[@]}" 2>"$tmp/err" | tail -n +2
}

# expect NAME WANT SQL...: the output of the statements must be WANT.
expect() {
    local name=$1 want=$2
    shift 2
    local got
    got=$(q "$@")
    [ "$got" = "$want" ] || fail "$name: got \"$got\", expected \"$want\" ($(head -c 300 "$tmp/err"))"
}

# expect_error NAME SQLSTATE PATTERN SQL: must fail cleanly with SQLSTATE and a message
# matching PATTERN.
expect_error() {
    local name=$1 state=$2 pattern=$3 rc
    shift 3
    timeout 60 "$QE_SQL" "$db" -list -c "$1" >/dev/null 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 1 ]; then
        fail "$name: exit status $rc, expected 1"
    elif ! grep -q "^SQLSTATE: $state" "$tmp/err" || ! grep -q -- "$pattern" "$tmp/err"; then
        fail "$name: expected $state /$pattern/, got: $(head -c 300 "$tmp/err")"
    fi
}

# ---- create, fill, reopen ------------------------------------------------------------
q "CREATE TABLE t (a INTEGER, b VARCHAR, c DOUBLE, d BIGINT, e BOOLEAN)" \
  "INSERT INTO t VALUES (1, 'x', 1.5, 10, true), (2, NULL, NULL, NULL, NULL),
          (3, 'a string longer than twelve bytes', -2.25, 1099511627776, false)" \
  "CREATE VIEW v (k, s) AS SELECT a, b FROM t WHERE a > 1" >/dev/null
[ -d "$db" ] && [ -f "$db/MANIFEST" ] || fail "qe-sql DBPATH did not create the database"
expect "reopen rows" "1|x|1.5|10|true
2|NULL|NULL|NULL|NULL
3|a string longer than twelve bytes|-2.25|1099511627776|false" "SELECT * FROM t ORDER BY a"
expect "reopen view" "2|NULL
3|a string longer than twelve bytes" "SELECT k, s FROM v ORDER BY k"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
    q "INSERT INTO t SELECT a + 3, b, c, d, e FROM t" >/dev/null
done
expect "appends" "196608|5111808|131072|131072" \
    "SELECT count(*), sum(a), count(b), count(e) FROM t"
q "CREATE TABLE t2 AS SELECT a, b FROM t WHERE a < 3" "DROP VIEW v" \
  "CREATE VIEW w AS SELECT count(*) AS n FROM t2" >/dev/null
expect "ctas" "2" "SELECT count(*) FROM t2"
expect "view over ctas" "2" "SELECT n FROM w"
expect_error "dropped view" "42P01" "does not exist" "SELECT * FROM v"

# ---- drop removes the files ------------------------------------------------------------
segs_before=$(ls "$db" | grep -c '^seg-')
q "DROP TABLE t2" >/dev/null
segs_after=$(ls "$db" | grep -c '^seg-')
[ "$segs_after" -lt "$segs_before" ] || fail "DROP TABLE left its segment files"
expect_error "dropped table" "42P01" "does not exist" "SELECT * FROM t2"
expect "survivor" "196608" "SELECT count(*) FROM t"

# ---- in-memory databases write nothing -------------------------------------------------
(cd "$tmp" && timeout 60 "$QE_SQL" :memory: -list -c "CREATE TABLE m (a INTEGER)" >/dev/null &&
    timeout 60 "$QE_SQL" -list -c "CREATE TABLE m (a INTEGER)" >/dev/null) ||
    fail ":memory: failed"
[ ! -e "$tmp/:memory:" ] || fail ":memory: created a directory"

# ---- one process at a time --------------------------------------------------------------
(sleep 2 | timeout 60 "$QE_SQL" "$db" -list >/dev/null 2>&1) &
holder=$!
sleep 0.5
expect_error "locked" "55006" "in use by another process" "SELECT 1"
wait $holder

# ---- not a directory ---------------------------------------------------------------------
touch "$tmp/file"
timeout 60 "$QE_SQL" "$tmp/file" -c "SELECT 1" >/dev/null 2>"$tmp/err"
grep -q "^SQLSTATE: 58030" "$tmp/err" || fail "a file as DBPATH: $(cat "$tmp/err")"

# ---- corruption --------------------------------------------------------------------------
# flip FILE OFFSET: xors one byte of FILE.
flip() {
    local byte
    byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((byte ^ 0x41)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
seg=$(ls "$db" | grep '^seg-' | tail -n 1)
size=$(stat -c %s "$db/$seg")
cp -r "$db" "$tmp/backup"
for off in 0 20 40 70 $((size / 2)) $((size - 20)) $((size - 1)); do
    flip "$db/$seg" "$off"
    expect_error "flipped byte $off of a segment" "XX001" "$seg" "SELECT count(*) FROM t"
    flip "$db/$seg" "$off"
done
expect "restored" "196608" "SELECT count(*) FROM t"
truncate -s $((size - 100)) "$db/$seg"
expect_error "truncated segment" "XX001" "$seg" "SELECT count(*) FROM t"
rm "$db/$seg"
expect_error "missing segment" "XX001" "$seg" "SELECT count(*) FROM t"
rm -rf "$db" && cp -r "$tmp/backup" "$db"
msize=$(stat -c %s "$db/MANIFEST")
for off in 0 5 12 30 $((msize - 3)); do
    flip "$db/MANIFEST" "$off"
    expect_error "flipped byte $off of the manifest" "XX001" "MANIFEST" "SELECT 1"
    flip "$db/MANIFEST" "$off"
done
truncate -s $((msize / 2)) "$db/MANIFEST"
expect_error "truncated manifest" "XX001" "MANIFEST" "SELECT 1"
: >"$db/MANIFEST"
expect_error "empty manifest" "XX001" "MANIFEST" "SELECT 1"
rm -rf "$db" && cp -r "$tmp/backup" "$db"
expect "backup readable" "196608" "SELECT count(*) FROM t"

if [ $failures -ne 0 ]; then
    echo "storage.sh: $failures failure(s)" >&2
    exit 1
fi
echo "storage.sh: all checks passed"
