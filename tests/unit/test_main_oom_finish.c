/*
 * test_main_oom_finish.c -- out-of-memory anywhere in the pipeline finishes that run work
 * on every thread: the part merge of a big aggregation (agg.c merge_parts) and the
 * clustering of a join build (join.c cluster_rows); and the ordered aggregation's
 * groups created without the index (agg_ht.c rt_agg_ht_find_ordered).  Each query runs with the Nth
 * allocation failing, for every N until it succeeds: every failure must be 53200, and
 * the session must go on giving the right answer (ASan in CI: no leak, no use after
 * free).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "qe.h"
#include "rt.h"
#include "sql_session.h"

static int setup(void **state) {
    sql_fixture *fx = sql_fixture_open();
    if (fx == NULL)
        return -1;
    sql_exec(fx->session, "SET threads = 2");
    /* 50K keys, each in both threads' tables: the part merge (>= 16384 groups) */
    sql_exec(fx->session, "CREATE TABLE g AS SELECT i % 50000 AS k, i AS v, 'w' || (i % 977) AS w "
                          "FROM range(0, 200000) r(i)");
    /* 8000 build rows, 8 a key far apart: the clustered build (>= 4096 rows) */
    sql_exec(fx->session, "CREATE TABLE b AS SELECT i % 1000 AS k, i AS v, "
                          "'a-long-payload-string-' || i AS s FROM range(0, 8000) r(i)");
    sql_exec(fx->session, "CREATE TABLE p AS SELECT i % 1500 AS k FROM range(0, 30000) r(i)");
    /* sorted by k (ORDER BY): the ordered aggregation (agg.c ordered_input) */
    sql_exec(fx->session, "CREATE TABLE o AS SELECT i / 3 AS k, i AS v FROM range(0, 30000) r(i) "
                          "ORDER BY i");
    *state = fx;
    return 0;
}

/* Runs sql with the Nth allocation failing for N = 0, 1, ... until it succeeds; each
 * failure must be 53200.  Returns the number of failures. */
static int sweep(qe_session *s, const char *sql, const char *want) {
    int n_failed = 0;
    for (int64_t n = 0;; n++) {
        qe_result *res = NULL;
        rt_mem_debug_fail_after(n);
        qe_status st = qe_query(s, sql, &res);
        rt_mem_debug_fail_after(-1);
        qe_result_destroy(res);
        if (st == QE_OK)
            break;
        assert_int_equal(st, QE_NOMEM);
        assert_string_equal(qe_error_sqlstate(qe_session_error(s)), "53200");
        n_failed++;
    }
    char *rows = sql_rows_text(s, sql);
    assert_string_equal(rows, want);
    free(rows);
    return n_failed;
}

static void test_part_merge_oom(void **state) {
    sql_fixture *fx = *state;
    int n = sweep(fx->session,
                  "SELECT count(*), sum(c), sum(sv), max(mx) FROM (SELECT k, count(*) AS c, "
                  "sum(v) AS sv, max(w) AS mx FROM g GROUP BY k) q",
                  "50000|200000|19999900000|w99|\n");
    assert_true(n > 10);
}

static void test_cluster_oom(void **state) {
    sql_fixture *fx = *state;
    int n = sweep(fx->session, "SELECT count(*), sum(b.v), max(b.s) FROM p JOIN b ON p.k = b.k",
                  "160000|639920000|a-long-payload-string-999|\n");
    assert_true(n > 10);
}

/* The ordered aggregation, interpreted and compiled (its code cached by a first run,
 * so that the sweep reaches the groups' allocations, not the compiler's). */
static void test_ordered_agg_oom(void **state) {
    sql_fixture *fx = *state;
    const char *sql = "SELECT count(*), sum(c), sum(s) FROM (SELECT k, count(*) AS c, sum(v) AS s "
                      "FROM o GROUP BY k) q";
    const char *want = "10000|30000|449985000|\n";
    sql_exec(fx->session, "SET execution_mode = 'interpret'");
    assert_true(sweep(fx->session, sql, want) > 10);
    sql_exec(fx->session, "SET execution_mode = 'jit'");
    free(sql_rows_text(fx->session, sql));
    assert_true(sweep(fx->session, sql, want) > 10);
    sql_exec(fx->session, "RESET execution_mode");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_part_merge_oom),
        cmocka_unit_test(test_cluster_oom),
        cmocka_unit_test(test_ordered_agg_oom),
    };
    return cmocka_run_group_tests(tests, setup, sql_fixture_teardown);
}
