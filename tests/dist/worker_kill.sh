#!/usr/bin/env bash
# worker_kill.sh -- multi-process fault test of a QE cluster.
#
# usage: worker_kill.sh QE_SQL QE_WORKER
#
# Starts two qe-worker processes and a coordinator (qe-sql --cluster), loads rows,
# runs the skeleton query slowed by SET debug_task_delay_ms, and takes one worker away
# mid-query, twice:
#   1. SIGKILL: the coordinator sees the connection drop; the query must fail at
#      once with 08006 "worker HOST:PORT is unreachable" / "Connection lost.";
#   2. SIGSTOP: the worker goes silent; the query must fail within the heartbeat
#      timeout (plus a margin) with "No heartbeat for N ms.".
# After each failure the surviving worker must still be running and must serve a
# new coordinator session, and every process is stopped and reaped (SIGTERM for the
# survivors, which must exit 0).  Every step is bounded by `timeout`; the whole script
# also by the CTest TIMEOUT.
set -u

QE_SQL=${1:?usage: worker_kill.sh QE_SQL QE_WORKER}
QE_WORKER=${2:?usage: worker_kill.sh QE_SQL QE_WORKER}
HB_TIMEOUT_MS=1500
MARGIN_MS=2500
DELAY_MS=8000          # per source batch: the query cannot finish on its own in time
KILL_AFTER_S=3         # setup (register, CREATE, INSERT) takes well under a second

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qe-worker-kill.XXXXXX")
PIDS=()
FAILED=0

cleanup() {
    for p in "${PIDS[@]}"; do
        kill -CONT "$p" 2>/dev/null
        kill -KILL "$p" 2>/dev/null
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    if [ "$FAILED" -ne 0 ]; then
        for f in "$TMP"/*.log; do
            [ -f "$f" ] && { echo "---- $f"; cat "$f"; }
        done
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    FAILED=1
    exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Three consecutive free ports: coordinator, worker 1, worker 2.
pick_ports() {
    local tries=0
    while [ $tries -lt 50 ]; do
        local base=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-)
        if port_free "$base" && port_free $((base + 1)) && port_free $((base + 2)); then
            PC=$base
            P1=$((base + 1))
            P2=$((base + 2))
            return 0
        fi
        tries=$((tries + 1))
    done
    fail "no free ports found"
}

start_worker() { # port log -> sets WPID
    "$QE_WORKER" --listen "127.0.0.1:$1" --coordinator "127.0.0.1:$PC" --threads 2 \
        --heartbeat-ms 100 2>"$2" &
    WPID=$!
    PIDS+=("$WPID")
}

# Stops a surviving worker with SIGTERM; it must exit 0 within 15 s (its tasks may be
# asleep in the debug delay).
stop_worker() { # pid name
    kill -TERM "$1" 2>/dev/null || fail "$2 is not running"
    local i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 150 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -0 "$1" 2>/dev/null && fail "$2 did not stop within 15 s of SIGTERM"
    wait "$1"
    local rc=$?
    [ $rc -eq 0 ] || fail "$2 exited with status $rc after SIGTERM"
}

# A fresh coordinator session on the same port must get the survivor and run a query;
# the survivor still holds the old session's table t, which the new session creates again
# (a worker drops a previous coordinator session's tables when it registers anew).
check_survivor() { # name
    local out
    out=$(timeout 30 "$QE_SQL" --cluster "127.0.0.1:$PC" --min-workers 1 -csv \
        -c "CREATE TABLE t (x INTEGER)" \
        -c "INSERT INTO t VALUES (1), (2), (3)" \
        -c "SELECT sum(x) AS total FROM t" 2>"$TMP/survivor_$1.log")
    echo "$out" | grep -qx "6" || fail "$1: the surviving worker did not answer a new query (got: $out)"
}

# scenario NAME SIGNAL EXPECTED_DETAIL MAX_MS
scenario() {
    local name=$1 sig=$2 detail=$3 max_ms=$4
    pick_ports
    start_worker "$P1" "$TMP/${name}_w1.log"
    local w1=$WPID
    start_worker "$P2" "$TMP/${name}_w2.log"
    local w2=$WPID
    cat >"$TMP/$name.sql" <<EOF
CREATE TABLE t (a INTEGER, b BIGINT, c VARCHAR);
INSERT INTO t VALUES (1, 5, 'x'), (1, 20, 'y'), (2, 30, NULL), (3, 40, 'a string longer than twelve'), (2, 11, 'z'), (NULL, 50, 'n');
SET debug_task_delay_ms = $DELAY_MS;
SELECT a, count(*), sum(b) FROM t WHERE b > 10 GROUP BY a ORDER BY a;
EOF
    timeout 60 "$QE_SQL" --cluster "127.0.0.1:$PC" --min-workers 2 \
        --heartbeat-timeout-ms "$HB_TIMEOUT_MS" <"$TMP/$name.sql" \
        >"$TMP/${name}_sql_out.log" 2>"$TMP/${name}_sql_err.log" &
    local q=$!
    PIDS+=("$q")
    sleep "$KILL_AFTER_S"
    kill -0 "$q" 2>/dev/null || fail "$name: the query ended before the worker was taken away"
    kill "-$sig" "$w2"
    local t0
    t0=$(now_ms)
    local i=0
    while kill -0 "$q" 2>/dev/null && [ $i -lt 200 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    local took=$(($(now_ms) - t0))
    kill -0 "$q" 2>/dev/null && fail "$name: the query still runs 10 s after SIG$sig"
    wait "$q"
    local rc=$?
    local err="$TMP/${name}_sql_err.log"
    [ $rc -ne 0 ] || fail "$name: qe-sql succeeded although a worker was lost"
    [ $rc -ne 124 ] || fail "$name: qe-sql timed out"
    grep -q "ERROR:  worker 127.0.0.1:$P2 is unreachable" "$err" ||
        fail "$name: missing 'worker 127.0.0.1:$P2 is unreachable' in the error"
    grep -q "DETAIL:  $detail" "$err" || fail "$name: missing detail '$detail'"
    grep -q "08006" "$err" || fail "$name: missing SQLSTATE 08006"
    [ "$took" -le "$max_ms" ] || fail "$name: the failure took $took ms (limit $max_ms ms)"
    echo "$name: query failed after $took ms as expected"
    # The lost worker: make sure it is gone and reaped.
    kill -CONT "$w2" 2>/dev/null
    kill -KILL "$w2" 2>/dev/null
    wait "$w2" 2>/dev/null
    # The survivor is fine.
    kill -0 "$w1" 2>/dev/null || fail "$name: the surviving worker died"
    check_survivor "$name"
    stop_worker "$w1" "$name: surviving worker"
    grep -q "worker stopped" "$TMP/${name}_w1.log" || fail "$name: the survivor did not log its stop"
    PIDS=()
}

scenario kill KILL "Connection lost." 1500
scenario stop STOP "No heartbeat for $HB_TIMEOUT_MS ms." $((HB_TIMEOUT_MS + MARGIN_MS))

# Nothing of ours is left running.
[ -z "$(jobs -pr)" ] || fail "processes left running: $(jobs -pr)"
echo "worker_kill: ok"
