/*
 * test_main_join_order.c -- the cardinality-based join order (src/optimizer/estimate.c,
 * join_rewrite.c) on real statistics: TPC-H SF0.1 is generated into an in-memory
 * engine (CALL dbgen: column statistics maintained on append), the join-heavy queries
 * Q5, Q7, Q8, Q9, Q18 and Q21 are prepared, and the join tree of the optimized
 * logical plan is compared, printed as nested (left right) pairs of table names.  Also checks the
 * catalog's column statistics themselves (NDV within the HyperLogLog error, NULLs,
 * min/max) after dbgen, INSERT, and reopening a database directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "main_int.h"

static qe_engine *engine;
static qe_session *session;

static int setup(void **state) {
    (void)state;
    if (qe_engine_open(":memory:", NULL, &engine, NULL) != QE_OK ||
        qe_session_open(engine, &session) != QE_OK)
        return -1;
    return qe_query(session, "CALL dbgen(sf = 0.1)", NULL) == QE_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    qe_session_close(session);
    qe_engine_close(engine);
    return 0;
}

/* Appends the join tree of n to buf: "(left right)" per inner join ("KIND(left right)"
 * for other kinds), table names at the leaves. */
static void join_tree(const plan_node *n, char *buf, size_t cap) {
    size_t len = strlen(buf);
    if (n->kind == PLAN_LOGICAL_GET) {
        snprintf(buf + len, cap - len, "%s", n->u.get.table);
    } else if (n->kind == PLAN_LOGICAL_JOIN) {
        snprintf(buf + len, cap - len, "%s(",
                 n->u.join.kind == PLAN_JOIN_INNER ? "" : plan_join_name(n->u.join.kind));
        join_tree(n->child, buf, cap);
        len = strlen(buf);
        snprintf(buf + len, cap - len, " ");
        join_tree(n->right, buf, cap);
        len = strlen(buf);
        snprintf(buf + len, cap - len, ")");
    } else if (n->child) {
        join_tree(n->child, buf, cap);
    } else {
        snprintf(buf + len, cap - len, "?");
    }
}

static void expect_order(const char *sql, const char *want) {
    qe_stmt *stmt = NULL;
    size_t tail = 0;
    if (qe_prepare(session, sql, strlen(sql), &stmt, &tail) != QE_OK)
        fail_msg("prepare fails: %s", session->err.message);
    char got[1024] = "";
    join_tree(stmt->logical, got, sizeof got);
    qe_stmt_destroy(stmt);
    if (strcmp(got, want) != 0)
        fail_msg("got:  %s\nwant: %s", got, want);
}

static const char *Q05 = "SELECT\n"
                         "    n_name,\n"
                         "    sum(l_extendedprice * (1 - l_discount)) AS revenue\n"
                         "FROM\n"
                         "    customer,\n"
                         "    orders,\n"
                         "    lineitem,\n"
                         "    supplier,\n"
                         "    nation,\n"
                         "    region\n"
                         "WHERE\n"
                         "    c_custkey = o_custkey\n"
                         "    AND l_orderkey = o_orderkey\n"
                         "    AND l_suppkey = s_suppkey\n"
                         "    AND c_nationkey = s_nationkey\n"
                         "    AND s_nationkey = n_nationkey\n"
                         "    AND n_regionkey = r_regionkey\n"
                         "    AND r_name = 'ASIA'\n"
                         "    AND o_orderdate >= CAST('1994-01-01' AS date)\n"
                         "    AND o_orderdate < CAST('1995-01-01' AS date)\n"
                         "GROUP BY\n"
                         "    n_name\n"
                         "ORDER BY\n"
                         "    revenue DESC;\n";

static const char *Q07 = "SELECT\n"
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
                         "    l_year;\n";

static const char *Q08 = "SELECT\n"
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
                         "    o_year;\n";

static const char *Q09 =
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
    "    o_year DESC;\n";

/* Q5: the region's nations filter the customers (c_nationkey = n_nationkey, implied by
 * c_nationkey = s_nationkey = n_nationkey), then the date-filtered orders, lineitem,
 * and the suppliers last on both keys (the key c_nationkey = s_nationkey must not pair
 * customers with suppliers early). */
static void test_q05(void **state) {
    (void)state;
    expect_order(Q05, "((lineitem (orders (customer (nation region)))) supplier)");
}

/* Q7: each nation is filtered by what the OR of name pairs implies for it alone
 * (n_name IN ('FRANCE', 'GERMANY')); the suppliers of the one, then the
 * shipdate-filtered lineitem, orders, and last the customers of the other (the OR
 * itself checked there) -- not customer joined with suppliers early on a nation key,
 * a supplier x customer blow-up (SF0.1: 23 s instead of 0.1 s). */
static void test_q07(void **state) {
    (void)state;
    expect_order(Q07, "((orders (lineitem (supplier nation))) (customer nation))");
}

/* Q8: lineitem with the filtered part first, then the orders of the region's customers
 * (customer filtered by nation and region first), suppliers, their nation last. */
static void test_q08(void **state) {
    (void)state;
    expect_order(Q08, "((supplier ((lineitem part) (orders (customer (nation region))))) nation)");
}

/* Q18: the IN subquery (a SEMI join on o_orderkey) filters orders before customer and
 * lineitem are joined, not after the three-way join. */
static void test_q18(void **state) {
    (void)state;
    expect_order("SELECT c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, "
                 "sum(l_quantity) FROM customer, orders, lineitem WHERE o_orderkey IN "
                 "(SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING "
                 "sum(l_quantity) > 300) AND c_custkey = o_custkey AND o_orderkey = "
                 "l_orderkey GROUP BY c_name, c_custkey, o_orderkey, o_orderdate, "
                 "o_totalprice ORDER BY o_totalprice DESC, o_orderdate LIMIT 100",
                 "(lineitem (SEMI(orders lineitem) customer))");
}

/* Q21's EXISTS keeps nearly every row: it stays after the joins (fewer rows probe it),
 * and so does the NOT EXISTS (a residual: an unknown share). */
static void test_q21(void **state) {
    (void)state;
    expect_order("SELECT s_name, count(*) AS numwait FROM supplier, lineitem l1, orders, "
                 "nation WHERE s_suppkey = l1.l_suppkey AND o_orderkey = l1.l_orderkey AND "
                 "o_orderstatus = 'F' AND l1.l_receiptdate > l1.l_commitdate AND EXISTS ("
                 "SELECT * FROM lineitem l2 WHERE l2.l_orderkey = l1.l_orderkey AND "
                 "l2.l_suppkey <> l1.l_suppkey) AND NOT EXISTS (SELECT * FROM lineitem l3 "
                 "WHERE l3.l_orderkey = l1.l_orderkey AND l3.l_suppkey <> l1.l_suppkey AND "
                 "l3.l_receiptdate > l3.l_commitdate) AND s_nationkey = n_nationkey AND "
                 "n_name = 'SAUDI ARABIA' GROUP BY s_name ORDER BY numwait DESC, s_name "
                 "LIMIT 100",
                 "ANTI(SEMI((orders (lineitem (supplier nation))) lineitem) lineitem)");
}

/* Q9: lineitem x the LIKE-filtered part, suppliers, orders, and partsupp (two correlated
 * keys: not underestimated) last. */
static void test_q09(void **state) {
    (void)state;
    expect_order(Q09, "(partsupp (orders ((lineitem part) (supplier nation))))");
}

static rt_column_summary column_stats(const char *table, uint32_t col) {
    rt_catalog *cat = engine->catalog;
    rt_table *t = rt_catalog_find(cat, table);
    assert_non_null(t);
    rt_column_summary s;
    assert_true(rt_table_column_stats(cat, t, col, &s));
    return s;
}

static void expect_ndv(const char *table, uint32_t col, double want) {
    rt_column_summary s = column_stats(table, col);
    if (s.ndv < want * 0.9 || s.ndv > want * 1.1)
        fail_msg("%s column %u: ndv %.0f, want %.0f +- 10%%", table, col, s.ndv, want);
}

/* Column statistics after CALL dbgen (SF0.1) and after INSERT. */
static void test_column_stats(void **state) {
    (void)state;
    expect_ndv("nation", 0, 25);
    expect_ndv("orders", 0, 150000);                   /* o_orderkey */
    expect_ndv("orders", 2, 3);                        /* o_orderstatus */
    expect_ndv("lineitem", 2, 1000);                   /* l_suppkey */
    expect_ndv("customer", 3, 25);                     /* c_nationkey */
    rt_column_summary q = column_stats("lineitem", 4); /* l_quantity: DECIMAL(15,2) */
    assert_int_equal(q.n_rows, 600572);
    assert_int_equal(q.n_nulls, 0);
    assert_true(q.has_range);
    assert_true(q.min == 100 && q.max == 5000); /* scaled: 1.00 .. 50.00 */
    assert_int_equal(qe_query(session,
                              "CREATE TABLE st(a INTEGER, b VARCHAR); "
                              "INSERT INTO st VALUES (1, 'x'), (2, NULL), (2, 'y'), (NULL, 'x')",
                              NULL),
                     QE_OK);
    rt_column_summary a = column_stats("st", 0), b = column_stats("st", 1);
    assert_int_equal(a.n_rows, 4);
    assert_int_equal(a.n_nulls, 1);
    assert_true(a.ndv > 1.9 && a.ndv < 2.1);
    assert_true(a.has_range && a.min == 1 && a.max == 2);
    assert_int_equal(b.n_nulls, 1);
    assert_true(b.ndv > 1.9 && b.ndv < 2.1);
    assert_false(b.has_range);
}

/* Statistics are not persisted: opening a database directory recomputes them while
 * loading the rows. */
static void test_stats_after_reopen(void **state) {
    (void)state;
    char dir[] = "/tmp/qe_stats_XXXXXX";
    assert_non_null(mkdtemp(dir));
    for (int round = 0; round < 2; round++) {
        qe_engine *e;
        qe_session *s;
        assert_int_equal(qe_engine_open(dir, NULL, &e, NULL), QE_OK);
        assert_int_equal(qe_session_open(e, &s), QE_OK);
        if (round == 0)
            assert_int_equal(qe_query(s,
                                      "CREATE TABLE r AS SELECT i % 7 AS k, NULL::INTEGER AS z "
                                      "FROM range(1000) t(i)",
                                      NULL),
                             QE_OK);
        rt_table *t = rt_catalog_find(e->catalog, "r");
        assert_non_null(t);
        rt_column_summary k, z;
        assert_true(rt_table_column_stats(e->catalog, t, 0, &k));
        assert_true(rt_table_column_stats(e->catalog, t, 1, &z));
        assert_int_equal(k.n_rows, 1000);
        assert_true(k.ndv > 6.5 && k.ndv < 7.5);
        assert_true(k.has_range && k.min == 0 && k.max == 6);
        assert_int_equal(z.n_nulls, 1000);
        assert_false(z.has_range);
        qe_session_close(s);
        qe_engine_close(e);
    }
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q05),          cmocka_unit_test(test_q07),
        cmocka_unit_test(test_q08),          cmocka_unit_test(test_q09),
        cmocka_unit_test(test_q18),          cmocka_unit_test(test_q21),
        cmocka_unit_test(test_column_stats), cmocka_unit_test(test_stats_after_reopen),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
