/*
 * test_main_codegen_tpch.c -- codegen coverage of TPC-H pipelines through the public
 * API: the pipelines of Q1 and Q6 (DATE filters, DECIMAL arithmetic, SUM/AVG over
 * DECIMAL, VARCHAR group keys) must compile (qe_emit_text's IR names a function for
 * each; the only pipelines left to the interpreter are those with nothing to compile),
 * and both queries run in jit mode on generated data.  It is named test_main_* because
 * it needs the whole library (frontend, optimizer, codegen); the codegen-layer unit
 * tests are in test_codegen.c.  A regression in type support fails here instead of
 * silently interpreting TPC-H.
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

static const char q01[] =
    "SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty,\n"
    "    sum(l_extendedprice) AS sum_base_price,\n"
    "    sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,\n"
    "    sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,\n"
    "    avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price,\n"
    "    avg(l_discount) AS avg_disc, count(*) AS count_order\n"
    "FROM lineitem WHERE l_shipdate <= CAST('1998-09-02' AS date)\n"
    "GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus";

static const char q06[] = "SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem\n"
                          "WHERE l_shipdate >= CAST('1994-01-01' AS date)\n"
                          "    AND l_shipdate < CAST('1995-01-01' AS date)\n"
                          "    AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24";

typedef struct fixture {
    qe_engine *engine;
    qe_session *session;
} fixture;

static int setup(void **state) {
    fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL || qe_engine_open(":memory:", NULL, &fx->engine, NULL) != QE_OK ||
        qe_session_open(fx->engine, &fx->session) != QE_OK)
        return -1;
    if (qe_query(fx->session, qe_builtin_schema("tpch"), NULL) != QE_OK)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    qe_session_close(fx->session);
    qe_engine_close(fx->engine);
    free(fx);
    return 0;
}

/* Every pipeline of sql's IR is compiled or has nothing to compile; returns how many
 * were compiled. */
static int compiled_pipelines(fixture *fx, const char *sql) {
    char *text = NULL;
    if (qe_emit_text(fx->session, sql, QE_EMIT_IR, &text) != QE_OK)
        fail_msg("emit failed: %s", qe_error_message(qe_session_error(fx->session)));
    int n = 0;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len > 14 && strncmp(line, ";   compiled: ", 14) == 0)
            n++;
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)len, line);
        if (strncmp(buf, ";   interpreted: ", 17) == 0 && strstr(buf, "nothing to compile") == NULL)
            fail_msg("pipeline %s", buf);
        line = nl ? nl + 1 : NULL;
    }
    qe_free(text);
    return n;
}

static void test_q1_q6_compile(void **state) {
    fixture *fx = *state;
    assert_int_equal(compiled_pipelines(fx, q01), 1); /* scan -> filter -> project -> agg */
    assert_int_equal(compiled_pipelines(fx, q06), 1);
}

static uint64_t run_rows(fixture *fx, const char *sql) {
    qe_result *res = NULL;
    if (qe_query(fx->session, sql, &res) != QE_OK)
        fail_msg("query failed: %s", qe_error_message(qe_session_error(fx->session)));
    uint64_t n = qe_result_row_count(res);
    qe_result_destroy(res);
    return n;
}

/* Both queries run compiled on generated data (tests/sql/types/tpch_q1_q6.test and
 * tpch_answers --mode jit check the values). */
static void test_q1_q6_run_jit(void **state) {
    fixture *fx = *state;
    assert_int_equal(qe_session_set(fx->session, "execution_mode", "jit"), QE_OK);
    assert_int_equal(qe_query(fx->session, "CALL dbgen(sf = 0.01)", NULL), QE_OK);
    assert_int_equal(run_rows(fx, q01), 4);
    assert_int_equal(run_rows(fx, q06), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q1_q6_compile),
        cmocka_unit_test(test_q1_q6_run_jit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
