/*
 * test_main_codegen_tpch.c -- codegen coverage of TPC-H pipelines through the public
 * API: the pipelines of Q1 and Q6 (DATE filters, DECIMAL arithmetic, SUM/AVG over
 * DECIMAL, VARCHAR group keys), Q7-Q9 (extract of a DATE's year) and a query of
 * functions without a native version must compile (qe_emit_text's IR names a function
 * for each; the only pipelines left to the interpreter are those with nothing to
 * compile), every pipeline of Q2 and Q15 (hash joins on DECIMAL keys) compiles, and the
 * TPC-H queries run in jit mode on generated data; VARCHAR hash keys call the string
 * hash and comparison helpers instead of inlining them, and group and join as the
 * interpreter does.  It is named test_main_* because
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

/* The queries keep their SQL layout, one line per string. */
/* clang-format off */
/* Q7, Q8, Q9: extract(year FROM date) in a PROJECT (src/codegen/expr_func.c). */
static const char q07[] =
    "SELECT\n"
    "    supp_nation,\n"
    "    cust_nation,\n"
    "    l_year,\n"
    "    sum(volume) AS revenue\n"
    "FROM (\n"
    "    SELECT\n"
    "        n1.n_name AS supp_nation,\n"
    "        n2.n_name AS cust_nation,\n"
    "        extract(year FROM l_shipdate) AS l_year,\n"
    "        l_extendedprice * (1 - l_discount) AS volume\n"
    "    FROM\n"
    "        supplier,\n"
    "        lineitem,\n"
    "        orders,\n"
    "        customer,\n"
    "        nation n1,\n"
    "        nation n2\n"
    "    WHERE\n"
    "        s_suppkey = l_suppkey\n"
    "        AND o_orderkey = l_orderkey\n"
    "        AND c_custkey = o_custkey\n"
    "        AND s_nationkey = n1.n_nationkey\n"
    "        AND c_nationkey = n2.n_nationkey\n"
    "        AND ((n1.n_name = 'FRANCE'\n"
    "                AND n2.n_name = 'GERMANY')\n"
    "            OR (n1.n_name = 'GERMANY'\n"
    "                AND n2.n_name = 'FRANCE'))\n"
    "        AND l_shipdate BETWEEN CAST('1995-01-01' AS date)\n"
    "        AND CAST('1996-12-31' AS date)) AS shipping\n"
    "GROUP BY\n"
    "    supp_nation,\n"
    "    cust_nation,\n"
    "    l_year\n"
    "ORDER BY\n"
    "    supp_nation,\n"
    "    cust_nation,\n"
    "    l_year;";
static const char q08[] =
    "SELECT\n"
    "    o_year,\n"
    "    sum(\n"
    "        CASE WHEN nation = 'BRAZIL' THEN\n"
    "            volume\n"
    "        ELSE\n"
    "            0\n"
    "        END) / sum(volume) AS mkt_share\n"
    "FROM (\n"
    "    SELECT\n"
    "        extract(year FROM o_orderdate) AS o_year,\n"
    "        l_extendedprice * (1 - l_discount) AS volume,\n"
    "        n2.n_name AS nation\n"
    "    FROM\n"
    "        part,\n"
    "        supplier,\n"
    "        lineitem,\n"
    "        orders,\n"
    "        customer,\n"
    "        nation n1,\n"
    "        nation n2,\n"
    "        region\n"
    "    WHERE\n"
    "        p_partkey = l_partkey\n"
    "        AND s_suppkey = l_suppkey\n"
    "        AND l_orderkey = o_orderkey\n"
    "        AND o_custkey = c_custkey\n"
    "        AND c_nationkey = n1.n_nationkey\n"
    "        AND n1.n_regionkey = r_regionkey\n"
    "        AND r_name = 'AMERICA'\n"
    "        AND s_nationkey = n2.n_nationkey\n"
    "        AND o_orderdate BETWEEN CAST('1995-01-01' AS date)\n"
    "        AND CAST('1996-12-31' AS date)\n"
    "        AND p_type = 'ECONOMY ANODIZED STEEL') AS all_nations\n"
    "GROUP BY\n"
    "    o_year\n"
    "ORDER BY\n"
    "    o_year;";
static const char q09[] =
    "SELECT\n"
    "    nation,\n"
    "    o_year,\n"
    "    sum(amount) AS sum_profit\n"
    "FROM (\n"
    "    SELECT\n"
    "        n_name AS nation,\n"
    "        extract(year FROM o_orderdate) AS o_year,\n"
    "        l_extendedprice * (1 - l_discount) - ps_supplycost * l_quantity AS amount\n"
    "    FROM\n"
    "        part,\n"
    "        supplier,\n"
    "        lineitem,\n"
    "        partsupp,\n"
    "        orders,\n"
    "        nation\n"
    "    WHERE\n"
    "        s_suppkey = l_suppkey\n"
    "        AND ps_suppkey = l_suppkey\n"
    "        AND ps_partkey = l_partkey\n"
    "        AND p_partkey = l_partkey\n"
    "        AND o_orderkey = l_orderkey\n"
    "        AND s_nationkey = n_nationkey\n"
    "        AND p_name LIKE '%green%') AS profit\n"
    "GROUP BY\n"
    "    nation,\n"
    "    o_year\n"
    "ORDER BY\n"
    "    nation,\n"
    "    o_year DESC;";

/* Q2 and Q15 join on DECIMAL and VARCHAR keys (tests/tpch/queries). */
static const char q02[] =
    "SELECT\n"
    "    s_acctbal,\n"
    "    s_name,\n"
    "    n_name,\n"
    "    p_partkey,\n"
    "    p_mfgr,\n"
    "    s_address,\n"
    "    s_phone,\n"
    "    s_comment\n"
    "FROM\n"
    "    part,\n"
    "    supplier,\n"
    "    partsupp,\n"
    "    nation,\n"
    "    region\n"
    "WHERE\n"
    "    p_partkey = ps_partkey\n"
    "    AND s_suppkey = ps_suppkey\n"
    "    AND p_size = 15\n"
    "    AND p_type LIKE '%BRASS'\n"
    "    AND s_nationkey = n_nationkey\n"
    "    AND n_regionkey = r_regionkey\n"
    "    AND r_name = 'EUROPE'\n"
    "    AND ps_supplycost = (\n"
    "        SELECT\n"
    "            min(ps_supplycost)\n"
    "        FROM\n"
    "            partsupp,\n"
    "            supplier,\n"
    "            nation,\n"
    "            region\n"
    "        WHERE\n"
    "            p_partkey = ps_partkey\n"
    "            AND s_suppkey = ps_suppkey\n"
    "            AND s_nationkey = n_nationkey\n"
    "            AND n_regionkey = r_regionkey\n"
    "            AND r_name = 'EUROPE')\n"
    "ORDER BY\n"
    "    s_acctbal DESC,\n"
    "    n_name,\n"
    "    s_name,\n"
    "    p_partkey\n"
    "LIMIT 100";

static const char q15[] =
    "WITH revenue AS (\n"
    "    SELECT\n"
    "        l_suppkey AS supplier_no,\n"
    "        sum(l_extendedprice * (1 - l_discount)) AS total_revenue\n"
    "    FROM\n"
    "        lineitem\n"
    "    WHERE\n"
    "        l_shipdate >= CAST('1996-01-01' AS date)\n"
    "      AND l_shipdate < CAST('1996-04-01' AS date)\n"
    "    GROUP BY\n"
    "        supplier_no\n"
    ")\n"
    "SELECT\n"
    "    s_suppkey,\n"
    "    s_name,\n"
    "    s_address,\n"
    "    s_phone,\n"
    "    total_revenue\n"
    "FROM\n"
    "    supplier,\n"
    "    revenue\n"
    "WHERE\n"
    "    s_suppkey = supplier_no\n"
    "    AND total_revenue = (\n"
    "        SELECT\n"
    "            max(total_revenue)\n"
    "        FROM revenue)\n"
    "ORDER BY\n"
    "    s_suppkey";

static const char q03[] =
    "SELECT\n"
    "    l_orderkey,\n"
    "    sum(l_extendedprice * (1 - l_discount)) AS revenue,\n"
    "    o_orderdate,\n"
    "    o_shippriority\n"
    "FROM\n"
    "    customer,\n"
    "    orders,\n"
    "    lineitem\n"
    "WHERE\n"
    "    c_mktsegment = 'BUILDING'\n"
    "    AND c_custkey = o_custkey\n"
    "    AND l_orderkey = o_orderkey\n"
    "    AND o_orderdate < CAST('1995-03-15' AS date)\n"
    "    AND l_shipdate > CAST('1995-03-15' AS date)\n"
    "GROUP BY\n"
    "    l_orderkey,\n"
    "    o_orderdate,\n"
    "    o_shippriority\n"
    "ORDER BY\n"
    "    revenue DESC,\n"
    "    o_orderdate\n"
    "LIMIT 10";

#include "sql_session.h"

typedef sql_fixture fixture;

/* clang-format on */
static int setup(void **state) {
    fixture *fx = sql_fixture_open();
    if (fx == NULL)
        return -1;
    if (qe_query(fx->session, qe_builtin_schema("tpch"), NULL) != QE_OK)
        return -1;
    *state = fx;
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

/* No pipeline of Q7-Q9 falls back because of extract (their year-of-date PROJECTs). */
static void test_q7_q8_q9_compile(void **state) {
    fixture *fx = *state;
    assert_int_equal(compiled_pipelines(fx, q07), 4);
    assert_int_equal(compiled_pipelines(fx, q08), 5);
    assert_int_equal(compiled_pipelines(fx, q09), 2);
}

/* Functions without a native version (the generic call), CASE with VARCHAR results,
 * COALESCE and date fields of a non-constant unit compile too. */
static void test_functions_compile(void **state) {
    fixture *fx = *state;
    assert_int_equal(compiled_pipelines(fx, "SELECT lpad(o_clerk, 20, '*'), md5(o_comment), "
                                            "CASE WHEN o_totalprice > 1000 THEN o_orderpriority "
                                            "ELSE o_clerk END, coalesce(o_comment, o_clerk), "
                                            "greatest(o_orderdate, DATE '1995-01-01'), "
                                            "date_part(o_orderstatus, o_orderdate), "
                                            "date_trunc('month', CAST(o_orderdate AS TIMESTAMP)) "
                                            "FROM orders WHERE o_orderkey > 5"),
                     1);
}

/* Hash joins on DECIMAL keys (Q2's min(ps_supplycost) = ps_supplycost) and on the
 * other key types compile: no pipeline of Q2 or Q15 falls back. */
static void test_q2_q15_compile(void **state) {
    fixture *fx = *state;
    assert_true(compiled_pipelines(fx, q02) >= 6);
    assert_true(compiled_pipelines(fx, q15) >= 4);
}

/* A probe right after the scan's filters (Q3's lineitem JOIN orders on l_orderkey)
 * hashes its keys in the row loop's pre-pass (join.c): the IR has the pre-pass's fill
 * block, and (an INNER join after column PROJECTs) the test that sends a row without a
 * chain straight to the next one.  A later probe on morsel columns (Q9's partsupp
 * probe) prefetches through the precompiled rt_jit_join_prefetch. */
static void test_probe_prepass(void **state) {
    fixture *fx = *state;
    char *text = NULL;
    if (qe_emit_text(fx->session, q03, QE_EMIT_IR, &text) != QE_OK)
        fail_msg("emit failed: %s", qe_error_message(qe_session_error(fx->session)));
    assert_non_null(strstr(text, "pre_fill"));
    assert_non_null(strstr(text, "%pre_head = load"));
    qe_free(text);
    text = NULL;
    if (qe_emit_text(fx->session, q09, QE_EMIT_IR, &text) != QE_OK)
        fail_msg("emit failed: %s", qe_error_message(qe_session_error(fx->session)));
    assert_non_null(strstr(text, "call i64 @rt_jit_join_prefetch("));
    qe_free(text);
}

/* String comparisons with constants run in the vectorized block loop on the views
 * (block.c string leaves): exactly for a short VARCHAR constant (both halves of the
 * view compared), as a length/prefix pre-filter for CHAR(n) (Q3's c_mktsegment); the
 * block's results are compacted by the precompiled rt_jit_block_compact. */
static void test_string_leaves(void **state) {
    fixture *fx = *state;
    char *text = NULL;
    if (qe_emit_text(fx->session, q03, QE_EMIT_IR, &text) != QE_OK)
        fail_msg("emit failed: %s", qe_error_message(qe_session_error(fx->session)));
    assert_non_null(strstr(text, "char_pre"));
    assert_non_null(strstr(text, "call i64 @rt_jit_block_compact("));
    qe_free(text);
    text = NULL;
    if (qe_emit_text(fx->session, "SELECT count(*) FROM lineitem WHERE l_comment IN ('a', 'bc')",
                     QE_EMIT_IR, &text) != QE_OK)
        fail_msg("emit failed: %s", qe_error_message(qe_session_error(fx->session)));
    assert_non_null(strstr(text, "view_hi"));
    assert_non_null(strstr(text, "vector.body"));
    qe_free(text);
}

/* A FILTER the block loops only pre-filter (here by its conjunct l_quantity < 10) runs
 * whole in the row loop, so the exact block loop (a morsel sel, bitmaps, or a fast
 * block that may fail) does not test the pre-filtering conjunct again: it copies the
 * block's rows (block.c gen_exact). */
static void test_exact_loop_skips_partial(void **state) {
    fixture *fx = *state;
    char *text = NULL;
    const char *sql = "SELECT count(*) FROM lineitem WHERE l_quantity < 10 "
                      "AND upper(l_comment) = 'X'";
    if (qe_emit_text(fx->session, sql, QE_EMIT_IR, &text) != QE_OK)
        fail_msg("emit failed: %s", qe_error_message(qe_session_error(fx->session)));
    const char *exact = strstr(text, "\nblock_exact");
    assert_non_null(exact);
    const char *rows = strstr(exact, "\nblock_rows");
    assert_non_null(rows);
    const char *c = strstr(exact, ", 1000"); /* 10.00 as DECIMAL(15,2) */
    assert_true(c == NULL || c > rows);
    assert_non_null(strstr(rows, ", 1000")); /* the row loop's test */
    qe_free(text);
}

/* VARCHAR join and group keys at the optimized tier: XXH3 of the key bytes and the
 * group lookup's byte comparison stay calls of libqe's helpers (bitcode.c call_only:
 * inlined, they made Q10's group lookup twice the IR), while the other string helpers
 * are still linked and inlined; a 16-byte key's XXH64 is generated IR (no call). */
static const char str_keys[] =
    "SELECT c_comment, c_name, count(*) AS n FROM customer JOIN orders ON c_custkey = o_custkey\n"
    "    JOIN nation ON c_nationkey = n_nationkey JOIN region ON n_name = r_name || 'X'\n"
    "GROUP BY c_comment, c_name";

static void test_string_helpers_called(void **state) {
    fixture *fx = *state;
    char *text = NULL;
    if (qe_emit_text(fx->session, str_keys, QE_EMIT_IR, &text) != QE_OK)
        fail_msg("emit failed: %s", qe_error_message(qe_session_error(fx->session)));
    assert_non_null(strstr(text, "call i64 @rt_jit_hash_string("));
    assert_non_null(strstr(text, "call i32 @rt_jit_bytes_eq("));
    assert_null(strstr(text, "define internal i64 @rt_jit_hash_string"));
    assert_null(strstr(text, "define internal i32 @rt_jit_bytes_eq"));
    qe_free(text);
    /* a DECIMAL group key hashes 16 bytes: XXH64 in IR (cg_xxh64_lanes), no call */
    text = NULL;
    if (qe_emit_text(fx->session, "SELECT o_totalprice, count(*) FROM orders GROUP BY 1",
                     QE_EMIT_IR, &text) != QE_OK)
        fail_msg("emit failed: %s", qe_error_message(qe_session_error(fx->session)));
    assert_null(strstr(text, "rt_jit_hash_string"));
    qe_free(text);
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
    assert_int_equal(run_rows(fx, q07), 4);
    assert_int_equal(run_rows(fx, q08), 2);
    assert_int_equal(run_rows(fx, q09), 173);
}

/* Long VARCHAR keys (c_comment: up to 117 bytes, XXH64's 32-byte stripes) group and
 * join compiled as interpreted: the same number of groups and of join rows (on the
 * data test_q1_q6_run_jit generated). */
static void test_string_keys_run_jit(void **state) {
    fixture *fx = *state;
    const char *groups = "SELECT c_comment, c_name, count(*) FROM customer JOIN orders\n"
                         "    ON c_custkey = o_custkey GROUP BY c_comment, c_name";
    const char *join = "SELECT a.c_custkey FROM customer a JOIN customer b\n"
                       "    ON a.c_comment = b.c_comment AND a.c_name = b.c_name";
    assert_int_equal(qe_session_set(fx->session, "execution_mode", "interpret"), QE_OK);
    uint64_t n_groups = run_rows(fx, groups), n_join = run_rows(fx, join);
    assert_true(n_groups > 900);
    assert_true(n_join >= 1500); /* every customer matches itself */
    assert_int_equal(qe_session_set(fx->session, "execution_mode", "jit"), QE_OK);
    assert_int_equal(run_rows(fx, groups), n_groups);
    assert_int_equal(run_rows(fx, join), n_join);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q1_q6_compile),
        cmocka_unit_test(test_q7_q8_q9_compile),
        cmocka_unit_test(test_functions_compile),
        cmocka_unit_test(test_q2_q15_compile),
        cmocka_unit_test(test_probe_prepass),
        cmocka_unit_test(test_string_leaves),
        cmocka_unit_test(test_exact_loop_skips_partial),
        cmocka_unit_test(test_string_helpers_called),
        cmocka_unit_test(test_q1_q6_run_jit),
        cmocka_unit_test(test_string_keys_run_jit),
    };
    return cmocka_run_group_tests(tests, setup, sql_fixture_teardown);
}
