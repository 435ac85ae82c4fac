#!/usr/bin/env bash
# fuzz.sh -- builds and runs the libFuzzer target over QE's frontend
# (tests/fuzz/fuzz_frontend.c: lexer, parser, binder, plan printers) with clang-19,
# ASan and UBSan, and reports what it found.
#
#   tools/fuzz.sh [-t SECONDS] [-j JOBS] [--build-dir DIR] [-- LIBFUZZER_ARGS...]
#   tools/fuzz.sh --seeds        refresh the generated seeds in tests/fuzz/corpus
#
# Run:   configures DIR (default build/fuzz) with CC=clang-19, -DQE_SANITIZE=ON,
#        -DQE_FUZZ=ON and the library compiled with -fsanitize=fuzzer-no-link; builds
#        fuzz_frontend; runs it for SECONDS (default 600) on JOBS processes (default 1)
#        with -timeout=10 (an input running 10 s is a hang), -rss_limit_mb=2048,
#        -max_len=16384, the SQL dictionary tests/fuzz/sql.dict, the working corpus
#        DIR/corpus (new inputs go there) and the seed corpus tests/fuzz/corpus (read
#        only).  Crashing, leaking or hanging inputs are written to DIR/artifacts/.  The
#        log is DIR/fuzz.log (DIR/fuzz-N.log per job); the report at the end gives the
#        executions, coverage, corpus size and the artifacts.  Exit status 0 when no
#        artifact was written.  Once a crash is fixed, copy its input into
#        tests/fuzz/corpus as crash_<what>.sql so that the fuzz.replay ctest keeps it.
#
# Seeds: tests/fuzz/corpus holds every SQL text of tests/sql/**/*.test (sql_<sha1>, one
#        file per distinct statement), hand-written edge cases (edge_*) and fixed crashes
#        (crash_*); the TPC-H and TPC-DS queries are read from tests/tpch/queries and
#        tests/tpcds/queries.  --seeds rewrites the sql_ files from the tests; edge_ and
#        crash_ files are kept.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seed_dir=$root/tests/fuzz/corpus
seconds=600
jobs=1
build=$root/build/fuzz
extra=()

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

# The SQL texts of a sqllogictest file, each followed by a NUL byte.
test_statements() {
    awk '
        function flush() { if (sql != "") printf "%s%c", sql, 0; sql = ""; in_sql = 0 }
        /^(statement|query)( |$)/ { flush(); in_sql = 1; next }
        in_sql && (/^----$/ || /^$/) { flush(); next }
        in_sql { sql = sql (sql == "" ? "" : "\n") $0 }
        END { flush() }
    ' "$1"
}

write_seeds() {
    mkdir -p "$seed_dir"
    rm -f "$seed_dir"/sql_*
    local n=0
    while IFS= read -r -d '' file; do
        while IFS= read -r -d '' sql; do
            local sum
            sum=$(printf '%s' "$sql" | sha1sum | cut -c1-16)
            printf '%s' "$sql" >"$seed_dir/sql_$sum"
            n=$((n + 1))
        done < <(test_statements "$file")
    done < <(find "$root/tests/sql" -name '*.test' -print0 | sort -z)
    echo "fuzz.sh: $(ls "$seed_dir" | wc -l) seeds in $seed_dir ($n statements from tests/sql)"
}

while [ $# -gt 0 ]; do
    case $1 in
    -t) seconds=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    --seeds) write_seeds; exit 0 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "fuzz.sh: invalid argument \"$1\"" >&2; usage >&2; exit 2 ;;
    esac
done

cc=$(command -v clang-19 || command -v clang || true)
if [ -z "$cc" ]; then
    echo "fuzz.sh: clang-19 is required (tools/install-deps.sh installs it)" >&2
    exit 2
fi

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DQE_SANITIZE=ON -DQE_FUZZ=ON -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
cmake --build "$build" --target fuzz_frontend -j "$(nproc)" >/dev/null

mkdir -p "$build/corpus" "$build/artifacts"
rm -f "$build"/fuzz*.log
before=$(ls "$build/artifacts" | wc -l)
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384
      -dict="$root/tests/fuzz/sql.dict" -artifact_prefix="$build/artifacts/"
      -print_final_stats=1)
if [ "$jobs" -gt 1 ]; then
    args+=(-jobs="$jobs" -workers="$jobs")
fi
echo "fuzz.sh: fuzzing for ${seconds}s on $jobs process(es); log in $build/fuzz.log"
set +e
(cd "$build" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/tests/fuzz_frontend" "${args[@]}" "${extra[@]}" "$build/corpus" "$seed_dir" \
    "$root/tests/tpch/queries" "$root/tests/tpcds/queries" \
    >"$build/fuzz.log" 2>&1)
status=$?
set -e

# ---- report --------------------------------------------------------------------------
logs=("$build"/fuzz*.log)
after=$(ls "$build/artifacts" | wc -l)
echo "fuzz.sh: libFuzzer exit status $status"
grep -h -E '^(stat::|Done [0-9]+ runs)' "${logs[@]}" | sort | uniq | sed 's/^/  /' || true
last=$(grep -h -E '#[0-9]+.*(cov|DONE)' "${logs[@]}" | tail -1 || true)
[ -n "$last" ] && echo "  last status: $last"
echo "  corpus: $(ls "$build/corpus" | wc -l) inputs in $build/corpus"
for kind in crash leak timeout oom slow-unit; do
    echo "  $kind: $(ls "$build/artifacts" | grep -c "^$kind-" || true)"
done
if [ "$after" -gt "$before" ] || [ "$status" -ne 0 ]; then
    echo "fuzz.sh: FINDINGS -- see $build/artifacts and the log:"
    grep -h -E -A30 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' \
        "${logs[@]}" | head -80
    exit 1
fi
echo "fuzz.sh: no crashes, leaks or timeouts"
