#!/usr/bin/env bash
# emit_obj.sh -- qec --emit=obj: the object file of a query's compiled pipelines, written
# with -o FILE (or to a redirected stdout, never to a terminal), is an x86-64/host ELF
# relocatable with one global function qe_s<stage>_p<pipeline> per compiled pipeline
# (readelf -s) whose code disassembles (objdump -d); --tier and --cpu apply; -o works
# for the text artifacts too; the help names the cheap tier's IR as the unoptimized one.
# QE_PERF_MAP=1 makes the JIT name its functions in /tmp/perf-<pid>.map (for perf).
#
#   tests/cli/emit_obj.sh QE-SQL QEC QE-WORKER QE-BENCH
set -u

QE_SQL=$1 QEC=$2
tmp=$(mktemp -d)
failures=0
checks=0
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/lib.sh" # fail, expect, expect_rc, expect_has

if ! command -v readelf >/dev/null || ! command -v objdump >/dev/null; then
    echo "SKIP: readelf/objdump not installed"
    exit 0
fi

echo "CREATE TABLE t (a INTEGER, b BIGINT, d DOUBLE);" >"$tmp/schema.sql"
query="SELECT a, sum(b * 2), avg(d) FROM t WHERE d > 1.5 GROUP BY a ORDER BY a"

# one compiled pipeline (scan -> filter -> project -> aggregate) in stage 0
"$QEC" --schema "$tmp/schema.sql" --emit=obj -o "$tmp/q.o" -c "$query"
expect_rc "qec --emit=obj -o exit" 0 $?
hdr=$(readelf -h "$tmp/q.o" 2>&1)
expect_has "obj is ELF" "ELF64" "$hdr"
expect_has "obj is relocatable" "REL (Relocatable file)" "$hdr"
syms=$(readelf -sW "$tmp/q.o" 2>&1)
expect_has "obj defines the pipeline function" "FUNC    GLOBAL DEFAULT" "$syms"
expect_has "obj pipeline name" " qe_s0_p0" "$syms"
dis=$(objdump -d "$tmp/q.o" 2>&1)
expect_has "obj disassembles" "<qe_s0_p0>:" "$dis"
expect_has "obj has code" "ret" "$dis"

# the pipelines qec --emit=ir says are compiled are exactly the object's functions
ir=$("$QEC" --schema "$tmp/schema.sql" --emit=ir -c "$query")
want=$(printf '%s\n' "$ir" | sed -n 's/^;   compiled: //p' | sort)
got=$(printf '%s\n' "$syms" | awk '$4 == "FUNC" && $5 == "GLOBAL" {print $8}' | sort)
expect "obj functions = compiled pipelines" "$want" "$got"

# a redirected stdout gets the same bytes; a terminal is refused
"$QEC" --schema "$tmp/schema.sql" --emit=obj -c "$query" >"$tmp/stdout.o"
expect_rc "qec --emit=obj >file exit" 0 $?
cmp -s "$tmp/q.o" "$tmp/stdout.o" || fail "obj on stdout differs from -o FILE"
checks=$((checks + 1))
if command -v script >/dev/null; then
    out=$(timeout 20 script -qec "$QEC --emit=obj -c 'SELECT 1'" /dev/null 2>&1 | tr -d '\r')
    expect_has "obj to a terminal refused" "use -o FILE or redirect stdout" "$out"
    case "$out" in *ELF*) fail "obj bytes went to the terminal" ;; esac
fi

# tier and cpu: the cheap tier's code differs; a named CPU still gives an object
"$QEC" --schema "$tmp/schema.sql" --tier cheap --emit=obj -o "$tmp/cheap.o" -c "$query"
expect_rc "qec --tier cheap --emit=obj exit" 0 $?
cmp -s "$tmp/q.o" "$tmp/cheap.o" && fail "cheap and optimized objects are identical"
checks=$((checks + 1))
if [ "$(uname -m)" = x86_64 ]; then
    "$QEC" --schema "$tmp/schema.sql" --cpu x86-64 --emit=obj -o "$tmp/generic.o" -c "$query"
    expect_rc "qec --cpu x86-64 --emit=obj exit" 0 $?
    expect_has "generic obj" " qe_s0_p0" "$(readelf -sW "$tmp/generic.o")"
fi

# a query with nothing compiled: a valid object without functions
"$QEC" --schema "$tmp/schema.sql" --emit=obj -o "$tmp/none.o" -c "SELECT * FROM t"
expect_rc "qec --emit=obj nothing compiled exit" 0 $?
expect_has "empty obj is ELF" "ELF64" "$(readelf -h "$tmp/none.o" 2>&1)"
expect "empty obj has no functions" "" \
    "$(readelf -sW "$tmp/none.o" | awk '$4 == "FUNC" {print $8}')"

# errors: no object file is left behind; -o for a text artifact
"$QEC" --emit=obj -o "$tmp/err.o" -c "SELECT * FROM nosuch" 2>"$tmp/err.txt"
expect_rc "qec --emit=obj error exit" 1 $?
expect_has "qec --emit=obj error" "SQLSTATE: 42P01" "$(cat "$tmp/err.txt")"
[ -e "$tmp/err.o" ] && fail "an object file was written for a failing query"
checks=$((checks + 1))
"$QEC" --schema "$tmp/schema.sql" --emit=physical -o "$tmp/plan.txt" -c "$query"
expect_rc "qec -o text exit" 0 $?
expect "qec -o text = stdout" "$("$QEC" --schema "$tmp/schema.sql" --emit=physical -c "$query")" \
    "$(cat "$tmp/plan.txt")"

# --emit=ir --tier cheap is the unoptimized module (only mem2reg); the help says so
cheap=$("$QEC" --schema "$tmp/schema.sql" --tier cheap --emit=ir -c "$query")
expect_has "cheap ir" "; tier cheap" "$cheap"
help=$("$QEC" --help)
expect_has "qec --help obj" "obj" "$help"
expect_has "qec --help unoptimized" "unoptimized IR" "$help"

# QE_PERF_MAP=1: the JIT appends "START SIZE NAME" lines (hex) for its functions
"$QE_SQL" -c "CREATE TABLE t (a INTEGER, b BIGINT, d DOUBLE)" -c "INSERT INTO t VALUES (1, 2, 3.5)" \
    -c "SET execution_mode = 'jit'" -c "$query" >/dev/null 2>&1 &
plain=$!
wait $plain
expect "no map without QE_PERF_MAP" "absent" "$([ -e /tmp/perf-$plain.map ] && echo present || echo absent)"
QE_PERF_MAP=1 "$QE_SQL" -c "CREATE TABLE t (a INTEGER, b BIGINT, d DOUBLE)" \
    -c "INSERT INTO t VALUES (1, 2, 3.5)" -c "SET execution_mode = 'jit'" -c "$query" \
    >"$tmp/perf.out" 2>&1 &
pid=$!
wait $pid
expect_rc "QE_PERF_MAP run exit" 0 $?
map=$(cat /tmp/perf-$pid.map 2>/dev/null)
rm -f /tmp/perf-$pid.map
expect_has "perf map names the pipeline" "_s0_p0" "$map"
line=$(echo "$map" | grep -m1 '_s0_p0$')
if ! [[ "$line" =~ ^[0-9a-f]+\ [0-9a-f]+\ [a-z0-9_]+$ ]] || [ "$(echo "$line" | cut -d' ' -f2)" = 1000 ]; then
    fail "perf map line is not START SIZE NAME with the function's size: $line"
fi
checks=$((checks + 1))
# QE_PERF_MAP=obj also writes the JIT's object files (for objdump of the hot code)
QE_PERF_MAP=obj "$QE_SQL" -c "CREATE TABLE t (a INTEGER, b BIGINT, d DOUBLE)" \
    -c "INSERT INTO t VALUES (1, 2, 3.5)" -c "SET execution_mode = 'jit'" -c "$query" \
    >"$tmp/perf.out" 2>&1 &
pid=$!
wait $pid
expect_rc "QE_PERF_MAP=obj run exit" 0 $?
objs=$(ls /tmp/perf-$pid-*.o 2>/dev/null | head -1)
expect_has "QE_PERF_MAP=obj object is ELF" "REL (Relocatable file)" "$(readelf -h "${objs:-/dev/null}" 2>&1)"
rm -f /tmp/perf-$pid.map /tmp/perf-$pid-*.o

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
