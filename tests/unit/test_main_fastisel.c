/*
 * test_main_fastisel.c -- the cheap JIT tier's code is selected by fast instruction
 * selection alone: LLVM runs with -fast-isel-abort=3 (this process only), so any
 * instruction, call or terminator fast instruction selection cannot select (an i128
 * value, llvm.prefetch, a phi of an illegal type) makes LLVM stop the process instead
 * of falling back to SelectionDAG (about 3 times slower per instruction).  The stages:
 * a Q1-like scan-filter-aggregate with VARCHAR group keys, DECIMAL(15,2) filters
 * and + - held in 64 bits, DECIMAL products (llvm.smul.with.overflow.i64, the high word
 * from rt_jit_mul_hi where they do not fit) and sums in two 64-bit words, a
 * string-key hash join probe with string outputs, and
 * a DECIMAL group key; and the TPC-H queries whose every stage FastISel now selects
 * whole (tpch_fast: DECIMAL products, sums and casts in two 64-bit words, see
 * src/codegen/README.md), on dbgen's SF 0.001.  Each query's assembly is emitted at the cheap tier
 * (qe_emit_text, SET jit_tier = 'cheap'), a pipeline of it must be compiled, and the
 * JIT's rows must be the interpreter's.  Lives in the main layer because it needs SQL.
 */
#include "qe.h"

#include <llvm-c/Support.h>

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
    exec(fx, "CREATE TABLE li AS SELECT CASE WHEN r % 3 = 0 THEN 'A' WHEN r % 3 = 1 THEN 'N' "
             "ELSE 'R' END AS flag, CASE WHEN r % 5 = 0 THEN NULL WHEN r % 2 = 0 THEN 'O' "
             "ELSE 'F, a status longer than twelve bytes' END AS status, "
             "CAST(r % 50 AS DECIMAL(15,2)) AS qty, CAST(CAST(r % 977 AS DOUBLE) * 1.25 AS "
             "DECIMAL(15,2)) AS price, CAST(CAST(r % 11 AS DOUBLE) / 100 AS DECIMAL(15,2)) AS "
             "disc, CAST(r AS BIGINT) AS n, "
             "CAST(r % 13 AS DOUBLE) / 4 AS d FROM range(5000) AS x(r)");
    exec(fx, "CREATE TABLE st (status VARCHAR, name VARCHAR)");
    exec(fx, "INSERT INTO st VALUES ('O', 'open'), ('F, a status longer than twelve bytes', "
             "'finished, with a long name'), ('P', 'pending')");
    *state = fx;
    return 0;
}

static const char *const queries[] = {
    /* Q1-like: VARCHAR group keys, DECIMAL(15,2) compares, + and * in 64 bits, wider
     * products and their SUM/AVG/MIN/MAX states in two 64-bit words */
    "SELECT flag, status, count(*), sum(n), sum(d), avg(d), sum(qty), sum(price * (1 - disc)), "
    "avg(price * disc), min(price * disc), max(qty * price - disc) FROM li "
    "WHERE price < 1000.00 AND disc BETWEEN 0.02 AND 0.08 AND qty + disc > 1.00 "
    "AND qty - price < 0.00 GROUP BY flag, status",
    /* a string-key join probe with string outputs and a string-keyed aggregate */
    "SELECT st.name, li.flag, count(*) FROM li JOIN st ON li.status = st.status WHERE li.flag "
    "<> 'R' GROUP BY st.name, li.flag",
    /* a DECIMAL(15,2) group key */
    "SELECT qty, count(*), sum(n) FROM li WHERE qty < 10.00 GROUP BY qty",
};

/* Each query's pipelines compile at the cheap tier without a fallback to
 * SelectionDAG (else LLVM ends the process), and gives the interpreter's rows. */
static void test_no_fallback(void **state) {
    fixture *fx = *state;
    exec(fx, "SET jit_tier = 'cheap'");
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char *ir = NULL, *as = NULL;
        assert_int_equal(qe_emit_text(fx->session, queries[i], QE_EMIT_IR, &ir), QE_OK);
        if (strstr(ir, ";   compiled: qe_s0_p") == NULL)
            fail_msg("nothing compiled: %s\n%.600s", queries[i], ir);
        /* the Q1-like products of 64-bit values: the i64 multiply with overflow, the high
         * word from rt_jit_mul_hi only where the product does not fit */
        if (i == 0 && (strstr(ir, "call i64 @rt_jit_mul_hi(") == NULL ||
                       strstr(ir, "@llvm.smul.with.overflow.i64(") == NULL))
            fail_msg("no 64-bit product with rt_jit_mul_hi:\n%.600s", ir);
        qe_free(ir);
        assert_int_equal(qe_emit_text(fx->session, queries[i], QE_EMIT_ASM, &as), QE_OK);
        qe_free(as);
        exec(fx, "SET execution_mode = 'interpret'");
        char *want = sql_rows_text(fx->session, queries[i]);
        exec(fx, "SET execution_mode = 'jit'");
        char *got = sql_rows_text(fx->session, queries[i]);
        assert_string_equal(got, want);
        free(want);
        free(got);
    }
}

/* TPC-H queries (tests/tpch/queries) whose cheap-tier code on SF 0.001 has no
 * SelectionDAG fallback left (q03, q10, q18, q19: a join's build-side DECIMAL values
 * in two words, join.c wide_build; q02, q15: DECIMAL join keys hashed and compared in
 * words, key_words); the others still hand some blocks over: the
 * build-side marks' atomic stores (q04, q13, q21 on this data), DECIMAL -> DOUBLE
 * through long double, 128-bit products of wide operands in their side block (q01). */
static const char *const tpch_fast[] = {"q02", "q03", "q06", "q10", "q12",
                                        "q15", "q16", "q18", "q19"};

static char *read_query(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.sql", QE_TPCH_QUERIES, name);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        fail_msg("cannot open %s", path);
    char *sql = calloc(1, 65536);
    assert_non_null(sql);
    size_t n = fread(sql, 1, 65535, fp);
    fclose(fp);
    sql[n] = '\0';
    char *end = sql + n; /* one statement: drop the trailing semicolon */
    while (end > sql && (end[-1] == ';' || end[-1] == '\n' || end[-1] == ' '))
        *--end = '\0';
    return sql;
}

/* Each of tpch_fast compiles at the cheap tier without a fallback, and gives the
 * interpreter's rows. */
static void test_tpch(void **state) {
    fixture *fx = *state;
    exec(fx, "CALL dbgen(sf = 0.001)");
    exec(fx, "SET jit_tier = 'cheap'");
    for (size_t i = 0; i < sizeof tpch_fast / sizeof tpch_fast[0]; i++) {
        char *sql = read_query(tpch_fast[i]);
        char *as = NULL;
        assert_int_equal(qe_emit_text(fx->session, sql, QE_EMIT_ASM, &as), QE_OK);
        if (strstr(as, "compiled: qe_s0_p") == NULL)
            fail_msg("%s: nothing compiled", tpch_fast[i]);
        qe_free(as);
        exec(fx, "SET execution_mode = 'interpret'");
        char *want = sql_rows_text(fx->session, sql);
        exec(fx, "SET execution_mode = 'jit'");
        char *got = sql_rows_text(fx->session, sql);
        assert_string_equal(got, want);
        free(want);
        free(got);
        free(sql);
    }
}

int main(void) {
    const char *argv[] = {"test_main_fastisel", "-fast-isel-abort=3"};
    LLVMParseCommandLineOptions(2, argv, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_fallback, setup, sql_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tpch, setup, sql_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
