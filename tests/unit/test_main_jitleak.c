/*
 * test_main_jitleak.c -- a daemon-style loop of compiled queries keeps flat memory.
 *
 * Through the public API only (qe.h): one in-memory engine and session in jit mode run
 * N queries whose constants differ, so every one compiles (and the code cache fills
 * and then evicts), with every tenth query a repeat (a cache hit).  The resident set
 * (/proc/self/statm) after query WARMUP and after query N may differ by at most
 * QE_LEAK_MAX_KIB (default 2048 KiB): per-query JIT memory (machine code, modules,
 * contexts, symbol names) that is never released would show as growth.
 *
 * Environment: QE_LEAK_QUERIES (N, default 1500), QE_LEAK_TIER (cheap | optimized,
 * default cheap), QE_LEAK_MAX_KIB, QE_LEAK_CACHE_SIZE (SET jit_cache_size, default 256;
 * with 0 the repeats compile too and the hit check is skipped).  Under AddressSanitizer (its
 * quarantine makes RSS meaningless) the loop runs 200 queries and checks only that they succeed.
 * Prints the RSS at every 1000th query, and the compile ms of compiling and repeated queries (a
 * repeat must not run LLVM: under a quarter of a compile).
 */
#include "qe.h"

#include <setjmp.h> /* cmocka needs it; QE code itself never uses setjmp */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define WARMUP 1000 /* queries before the baseline: the code cache is full by then */

/* Resident set size in KiB (0 if /proc is unavailable). */
static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long env_long(const char *name, long dflt) {
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}

/* Runs sql, checks its row count; returns its compile ms. */
static double run(qe_session *s, const char *sql, uint64_t expect_rows) {
    qe_result *res = NULL;
    qe_status st = qe_query(s, sql, &res);
    if (st != QE_OK)
        fail_msg("%s: %s", sql, qe_error_message(qe_session_error(s)));
    assert_int_equal(qe_result_row_count(res), expect_rows);
    double ms = qe_result_compile_ms(res);
    qe_result_destroy(res);
    return ms;
}

static void test_flat_memory(void **state) {
    (void)state;
    long n = UNDER_ASAN ? 200 : env_long("QE_LEAK_QUERIES", 1500);
    long max_kib = env_long("QE_LEAK_MAX_KIB", 2048);
    const char *tier = getenv("QE_LEAK_TIER");
    qe_engine *engine = NULL;
    qe_session *s = NULL;
    qe_error *err = NULL;
    assert_int_equal(qe_engine_open(":memory:", NULL, &engine, &err), QE_OK);
    assert_int_equal(qe_session_open(engine, &s), QE_OK);
    assert_int_equal(qe_session_set(s, "execution_mode", "jit"), QE_OK);
    assert_int_equal(qe_session_set(s, "jit_tier", tier && *tier ? tier : "cheap"), QE_OK);
    assert_int_equal(qe_session_set(s, "threads", "1"), QE_OK);
    const char *cache = getenv("QE_LEAK_CACHE_SIZE");
    bool cached = !(cache && *cache) || strtol(cache, NULL, 10) > 0;
    if (cache && *cache)
        assert_int_equal(qe_session_set(s, "jit_cache_size", cache), QE_OK);
    run(s, "CREATE TABLE t (a INTEGER, b BIGINT, c DOUBLE)", 0);
    run(s, "INSERT INTO t SELECT i % 100, i, i * 0.5 FROM range(0, 2000) AS r(i)", 0);
    long base = 0, last = 0;
    double ms[2] = {0, 0}; /* compile ms summed over [0] compiling, [1] repeated queries */
    char sql[256];
    for (long i = 1; i <= n; i++) {
        long k = i % 10 == 0 ? 7 : i; /* every tenth query repeats one: a cache hit */
        snprintf(sql, sizeof sql,
                 "SELECT a, sum(b + %ld), count(*), max(c * %ld.5) FROM t WHERE b > %ld "
                 "GROUP BY a",
                 k, k % 97, k % 50);
        ms[i % 10 == 0 && i > 10] += run(s, sql, 100);
        if (i == WARMUP || (i < WARMUP && i == n))
            base = rss_kib();
        if (i % 1000 == 0 || i == n) {
            last = rss_kib();
            print_message("query %ld: RSS %ld KiB\n", i, last);
        }
    }
    qe_session_close(s);
    qe_engine_close(engine);
    double n_hit = (double)(n / 10 - 1), n_miss = (double)n - n_hit;
    print_message("compile ms per query: %.3f compiling, %.3f repeated (code cache)\n",
                  ms[0] / n_miss, ms[1] / n_hit);
    assert_true(ms[0] > 0);
    assert_true(!cached || ms[1] / n_hit < ms[0] / n_miss / 4); /* a hit skips LLVM */
    if (UNDER_ASAN || n <= WARMUP || base == 0)
        return;
    print_message("RSS growth from query %d to %ld: %ld KiB (bound %ld KiB)\n", WARMUP, n,
                  last - base, max_kib);
    assert_true(last - base <= max_kib);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
