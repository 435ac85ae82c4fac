/*
 * test_main_codegen_str.c -- the pipelines with VARCHAR expressions and function calls
 * that codegen compiles (src/codegen/expr_str.c), checked through SQL: each query's
 * first pipeline must be compiled (qe_emit_text IR says "compiled: qe_s0_p0", no
 * fallback reason), so coverage cannot silently regress, and the JIT must return the
 * interpreter's rows.  The compile time of a LIKE pipeline per tier is printed (not
 * asserted: the machine is shared).  Lives in the main layer because it needs SQL;
 * tests/sql/jit/strings_basic.test and functions_basic.test check the results.
 */
#include "qe.h"

#include <setjmp.h> /* cmocka needs it; QE code itself never uses setjmp */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sql_session.h"

typedef sql_fixture fixture;

static void exec(fixture *fx, const char *sql) { sql_exec(fx->session, sql); }

static int setup(void **state) {
    fixture *fx = sql_fixture_open();
    assert_non_null(fx);
    exec(fx, "CREATE TABLE s (id INTEGER, v VARCHAR, c CHAR(15), d DOUBLE, b BIGINT)");
    exec(fx, "INSERT INTO s SELECT i, 'row ' || i || CASE WHEN i % 3 = 0 THEN ' special "
             "packages requests' ELSE ' green' END, '1' || (i % 7) || '-555', i / 7.0, i "
             "FROM range(0, 5000) t(i)");
    *state = fx;
    return 0;
}

/* The queries whose first pipeline must compile. */
static const char *const compiled[] = {
    "SELECT count(*) FROM s WHERE v NOT LIKE '%special%requests%'",
    "SELECT count(*) FROM s WHERE v LIKE '%green%' OR v LIKE 'row 1%' OR v ILIKE 'ROW _'",
    "SELECT count(*) FROM s WHERE v = 'row 3 special packages requests' OR v < 'row 2'",
    "SELECT count(*) FROM s WHERE v IN ('row 1 green', 'row 2 green', 'x') AND c >= '12'",
    "SELECT count(*), sum(b) FROM s WHERE substring(c FROM 1 FOR 2) IN ('13', '31', '15')",
    "SELECT count(*) FROM s WHERE v || '!' LIKE '%green!' AND upper(v) <> lower(v)",
    "SELECT sum(length(v)), sum(octet_length(v)) FROM s WHERE starts_with(v, 'row 4')",
    "SELECT sum(abs(d - 3)), sum(round(d)), sum(floor(d)) + sum(ceil(d)), sum(abs(b - 9)) "
    "FROM s",
    "SELECT v, count(*) FROM s WHERE v LIKE '%1%' GROUP BY v",
    "SELECT id, v FROM s WHERE length(v) > 20 ORDER BY id LIMIT 3",
    /* computed strings stored into sinks: push, group keys */
    "SELECT id, upper(v), v || '/' || c, 'k' FROM s WHERE id % 100 = 7",
    "SELECT substring(c FROM 1 FOR 2) AS p, lower(v) || '' AS w, count(*) FROM s GROUP BY p, w",
};

static void test_compiled(void **state) {
    fixture *fx = *state;
    for (size_t i = 0; i < sizeof compiled / sizeof compiled[0]; i++) {
        char *ir = NULL;
        assert_int_equal(qe_emit_text(fx->session, compiled[i], QE_EMIT_IR, &ir), QE_OK);
        const char *p0 = strstr(ir, "stage 0 pipeline 0:");
        assert_non_null(p0);
        const char *nl = strchr(p0, '\n');
        assert_non_null(nl);
        if (strncmp(nl + 1, ";   compiled: qe_s0_p0", 22) != 0)
            fail_msg("not compiled: %s\n%.300s", compiled[i], p0);
        qe_free(ir);
    }
}

/* Median compile time (qe_result_compile_ms) of 9 runs of sql at a tier. */
static double compile_median(fixture *fx, const char *tier, const char *sql) {
    assert_int_equal(qe_session_set(fx->session, "execution_mode", "jit"), QE_OK);
    assert_int_equal(qe_session_set(fx->session, "jit_tier", tier), QE_OK);
    double ms[9];
    for (int r = 0; r < 9; r++) {
        qe_result *res = NULL;
        assert_int_equal(qe_query(fx->session, sql, &res), QE_OK);
        ms[r] = qe_result_compile_ms(res);
        qe_result_destroy(res);
    }
    for (int a = 0; a < 9; a++) /* insertion sort */
        for (int b = a; b > 0 && ms[b] < ms[b - 1]; b--) {
            double x = ms[b];
            ms[b] = ms[b - 1];
            ms[b - 1] = x;
        }
    return ms[4];
}

/* The JIT (both tiers) returns the interpreter's rows for every query; the
 * compile time of the first query is printed per tier. */
static void test_same_rows(void **state) {
    fixture *fx = *state;
    static const char *const tiers[2] = {"cheap", "optimized"};
    for (size_t i = 0; i < sizeof compiled / sizeof compiled[0]; i++) {
        assert_int_equal(qe_session_set(fx->session, "execution_mode", "interpret"), QE_OK);
        char *want = sql_rows_text(fx->session, compiled[i]);
        for (int t = 0; t < 2; t++) {
            assert_int_equal(qe_session_set(fx->session, "execution_mode", "jit"), QE_OK);
            assert_int_equal(qe_session_set(fx->session, "jit_tier", tiers[t]), QE_OK);
            char *got = sql_rows_text(fx->session, compiled[i]);
            assert_string_equal(got, want);
            free(got);
        }
        free(want);
    }
    for (int t = 0; t < 2; t++) {
        printf("compile median (%s tier): numeric filter %.2f ms, LIKE filter %.2f ms\n", tiers[t],
               compile_median(fx, tiers[t], "SELECT count(*) FROM s WHERE b > 5"),
               compile_median(fx, tiers[t], compiled[0]));
    }
    assert_int_equal(qe_session_set(fx->session, "execution_mode", "interpret"), QE_OK);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compiled),
        cmocka_unit_test(test_same_rows),
    };
    return cmocka_run_group_tests(tests, setup, sql_fixture_teardown);
}
