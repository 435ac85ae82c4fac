#!/usr/bin/env bash
# demo.sh -- the walking skeleton end to end: the skeleton query in interpreted mode, in
# JIT mode, and on a local cluster of two qe-worker processes this script starts and
# stops; then qec's physical plan and LLVM IR of the same query.
#
#   tools/demo.sh [BUILD_DIR]      (default build/release; `make demo` builds it first)
set -euo pipefail

bin=${1:-build/release}
tmp=$(mktemp -d)
workers=()

stop_workers() {
    for pid in "${workers[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${workers[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    workers=()
}
trap 'stop_workers; rm -rf "$tmp"' EXIT

# A local TCP port that nothing listens on.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-)
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
}

if [ -t 1 ]; then
    section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
    section() { printf '\n== %s\n' "$*"; }
fi

schema="CREATE TABLE t (a INTEGER, b BIGINT, c VARCHAR);"
rows="INSERT INTO t VALUES (1, 5, 'x'), (1, 20, 'y'), (2, 30, NULL), (3, 7, 'z'),
  (NULL, 40, 'n'), (2, 12, 'w'), (4, 11, NULL), (1, 15, 'x');"
query="SELECT a, count(*), sum(b) FROM t WHERE b > 10 GROUP BY a ORDER BY a;"
printf '%s\n' "$schema" >"$tmp/schema.sql"

section "SQL"
printf '%s\n%s\n%s\n' "$schema" "$rows" "$query"

section "embedded engine, interpreted (qe-sql --mode interpret)"
"$bin/qe-sql" --mode interpret -c "$schema $rows $query"

section "embedded engine, JIT-compiled (qe-sql --mode jit)"
"$bin/qe-sql" --mode jit -c "$schema $rows $query"

coord=$(free_port)
section "local cluster: coordinator 127.0.0.1:$coord and two qe-worker processes"
for _ in 1 2; do
    "$bin/qe-worker" --listen "127.0.0.1:$(free_port)" --coordinator "127.0.0.1:$coord" \
        --threads 2 2>>"$tmp/workers.log" &
    workers+=($!)
done
"$bin/qe-sql" --cluster "127.0.0.1:$coord" --min-workers 2 -c "$schema $rows $query"
stop_workers
echo "the workers' log:"
sed 's/^/  | /' "$tmp/workers.log"

section "the staged physical plan (qec --emit=physical)"
"$bin/qec" --schema "$tmp/schema.sql" --emit=physical -c "$query"

section "the generated LLVM IR (qec --emit=ir)"
"$bin/qec" --schema "$tmp/schema.sql" --emit=ir -c "$query"
