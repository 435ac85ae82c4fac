/*
 * test_frontend_unnest.c -- cmocka tests of subquery unnesting and the aggregate
 * rewrites (src/optimizer/unnest.c, agg_rewrite.c): SQL text is parsed and bound
 * against a small catalog, opt_unnest / opt_rewrite_aggs run, and the printed logical
 * plan is compared for each form TPC-H uses (EXISTS -> SEMI, NOT EXISTS -> ANTI,
 * IN -> SEMI, NOT IN -> MARK, uncorrelated scalar -> CROSS/SINGLE, correlated
 * aggregates -> LEFT join with the aggregate grouped by the correlation, non-equality
 * correlation -> domain), plus the refusals (0A000).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fe_int.h"
#include "opt.h"

/* Per-test state: a statement arena and a catalog with t(a, b) and u(c, d). */
typedef struct fixture {
    rt_arena *arena;
    rt_catalog *cat;
    rt_error err;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    f->arena = rt_arena_create(NULL);
    f->cat = rt_catalog_create();
    rt_error_clear(&f->err);
    char *t_cols[] = {"a", "b"}, *u_cols[] = {"c", "d"};
    qe_type types[] = {QE_TYPE_INTEGER, QE_TYPE_INTEGER};
    assert_int_equal(rt_catalog_create_table(f->cat, "t", 2, t_cols, types, NULL, &f->err), QE_OK);
    assert_int_equal(rt_catalog_create_table(f->cat, "u", 2, u_cols, types, NULL, &f->err), QE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    rt_catalog_destroy(f->cat);
    rt_arena_destroy(f->arena);
    free(f);
    return 0;
}

/* Parses, binds and applies the rewrite; NULL (error in f->err) if it fails. */
static plan_node *rewrite(fixture *f, const char *sql, bool aggs) {
    fe_ast *ast = NULL;
    size_t tail = 0;
    plan_node *n = NULL, *out = NULL;
    rt_error_clear(&f->err);
    if (fe_parse(f->arena, sql, strlen(sql), &ast, &tail, &f->err) != QE_OK ||
        fe_bind(f->arena, ast, f->cat, &n, &f->err) != QE_OK)
        fail_msg("[%s] does not bind: %s", sql, f->err.message);
    qe_status st = aggs ? opt_rewrite_aggs(f->arena, n, &out, &f->err)
                        : opt_unnest(f->arena, n, &out, &f->err);
    return st == QE_OK ? out : NULL;
}

static void expect_plan(fixture *f, const char *sql, bool aggs, const char *want) {
    plan_node *n = rewrite(f, sql, aggs);
    if (!n)
        fail_msg("[%s] fails: %s", sql, f->err.message);
    char *got = opt_print_logical(n);
    if (!got || strcmp(got, want) != 0)
        fail_msg("[%s]\ngot:\n%s\nwant:\n%s", sql, got ? got : "(null)", want);
    free(got);
}

static void expect_refused(fixture *f, const char *sql, const char *message) {
    if (rewrite(f, sql, false))
        fail_msg("[%s] was unnested, expected 0A000", sql);
    if (strcmp(f->err.sqlstate, "0A000") != 0 || strcmp(f->err.message, message) != 0)
        fail_msg("[%s]: got %s \"%s\"", sql, f->err.sqlstate, f->err.message);
}

/* TPC-H Q4 / Q22: EXISTS and NOT EXISTS conjuncts become SEMI and ANTI joins. */
static void test_exists_semi_anti(void **state) {
    fixture *f = *state;
    expect_plan(f, "SELECT a FROM t WHERE a > 1 AND EXISTS (SELECT * FROM u WHERE c = t.a)", false,
                "Project(#0) -> (a INTEGER)\n"
                "  Filter(#0 > 1) -> (a INTEGER)\n"
                "    Join(SEMI; #1 = #0) -> (a INTEGER)\n"
                "      Get(t: a) -> (a INTEGER)\n"
                "      Get(u: c, d) -> (c INTEGER, d INTEGER)\n");
    expect_plan(f, "SELECT a FROM t WHERE NOT EXISTS (SELECT * FROM u WHERE c = t.a)", false,
                "Project(#0) -> (a INTEGER)\n"
                "  Join(ANTI; #1 = #0) -> (a INTEGER)\n"
                "    Get(t: a) -> (a INTEGER)\n"
                "    Get(u: c, d) -> (c INTEGER, d INTEGER)\n");
}

/* TPC-H Q21: equality plus inequality correlation stays in the join condition. */
static void test_exists_inequality(void **state) {
    fixture *f = *state;
    expect_plan(f,
                "SELECT a FROM t WHERE EXISTS (SELECT * FROM u WHERE c = t.a AND d <> t.b) "
                "AND NOT EXISTS (SELECT * FROM u WHERE c = t.a AND d > t.b)",
                false,
                "Project(#0) -> (a INTEGER)\n"
                "  Join(ANTI; (#2 = #0) AND (#3 > #1)) -> (a INTEGER, b INTEGER)\n"
                "    Join(SEMI; (#2 = #0) AND (#3 <> #1)) -> (a INTEGER, b INTEGER)\n"
                "      Get(t: a, b) -> (a INTEGER, b INTEGER)\n"
                "      Get(u: c, d) -> (c INTEGER, d INTEGER)\n"
                "    Get(u: c, d) -> (c INTEGER, d INTEGER)\n");
}

/* EXISTS as a value: a MARK join, `mark IS NOT NULL AND mark` when correlated. */
static void test_exists_mark(void **state) {
    fixture *f = *state;
    expect_plan(f, "SELECT a, EXISTS (SELECT 1 FROM u WHERE c = t.a) FROM t", false,
                "Project(#0, (#1 IS NOT NULL) AND #1) -> (a INTEGER, EXISTS (SELECT 1 FROM u "
                "WHERE c = t.a) BOOLEAN)\n"
                "  Join(MARK; #1 = #0) -> (a INTEGER, mark BOOLEAN)\n"
                "    Get(t: a) -> (a INTEGER)\n"
                "    Get(u: c) -> (c INTEGER)\n");
}

/* TPC-H Q18 / Q16: IN -> SEMI; NOT IN -> MARK and `NOT mark` (NULL semantics). */
static void test_in_not_in(void **state) {
    fixture *f = *state;
    expect_plan(f, "SELECT a FROM t WHERE a IN (SELECT c FROM u GROUP BY c HAVING count(*) > 1)",
                false,
                "Project(#0) -> (a INTEGER)\n"
                "  Join(SEMI; #0 = #1) -> (a INTEGER)\n"
                "    Get(t: a) -> (a INTEGER)\n"
                "    Filter(#1 > 1) -> (c INTEGER, count_star() BIGINT)\n"
                "      Aggregate(groups: #0; aggs: count_star()) -> (c INTEGER, count_star() BIGINT)\n"
                "        Get(u: c) -> (c INTEGER)\n");
    expect_plan(f, "SELECT a FROM t WHERE a NOT IN (SELECT c FROM u)", false,
                "Project(#0) -> (a INTEGER)\n"
                "  Project(#0) -> (a INTEGER)\n"
                "    Filter(NOT #1) -> (a INTEGER, mark BOOLEAN)\n"
                "      Join(MARK; #0 = #1) -> (a INTEGER, mark BOOLEAN)\n"
                "        Get(t: a) -> (a INTEGER)\n"
                "        Get(u: c) -> (c INTEGER)\n");
    /* correlated NOT IN: no row whose comparison is TRUE or NULL */
    expect_plan(f, "SELECT a FROM t WHERE a NOT IN (SELECT c FROM u WHERE d = t.b)", false,
                "Project(#0) -> (a INTEGER)\n"
                "  Join(ANTI; ((#0 = #2) OR ((#0 = #2) IS NULL)) AND (#3 = #1)) -> (a INTEGER, "
                "b INTEGER)\n"
                "    Get(t: a, b) -> (a INTEGER, b INTEGER)\n"
                "    Get(u: c, d) -> (c INTEGER, d INTEGER)\n");
}

/* TPC-H Q11 / Q15 / Q22: an uncorrelated global aggregate is one row: CROSS join;
 * other uncorrelated scalars: SINGLE join (21000 at run time for two rows). */
static void test_scalar_uncorrelated(void **state) {
    fixture *f = *state;
    expect_plan(f, "SELECT a FROM t WHERE b > (SELECT avg(d) FROM u)", false,
                "Project(#0) -> (a INTEGER)\n"
                "  Project(#0, #1) -> (a INTEGER, b INTEGER)\n"
                "    Filter(CAST(#1 AS DOUBLE) > #2) -> (a INTEGER, b INTEGER, avg(d) DOUBLE)\n"
                "      Join(CROSS) -> (a INTEGER, b INTEGER, avg(d) DOUBLE)\n"
                "        Get(t: a, b) -> (a INTEGER, b INTEGER)\n"
                "        Project(#0) -> (avg(d) DOUBLE)\n"
                "          Aggregate(groups: ; aggs: avg(#0)) -> (avg(d) DOUBLE)\n"
                "            Get(u: d) -> (d INTEGER)\n");
    expect_plan(f, "SELECT a, (SELECT d FROM u) FROM t", false,
                "Project(#0, #1) -> (a INTEGER, (SELECT d FROM u) INTEGER)\n"
                "  Join(SINGLE) -> (a INTEGER, d INTEGER)\n"
                "    Get(t: a) -> (a INTEGER)\n"
                "    Project(#0) -> (d INTEGER)\n"
                "      Get(u: d) -> (d INTEGER)\n");
}

/* TPC-H Q2 / Q17: a correlated global aggregate grouped by the correlation column and
 * LEFT-joined; count becomes coalesce(count, 0). */
static void test_scalar_correlated_aggregate(void **state) {
    fixture *f = *state;
    expect_plan(f, "SELECT a FROM t WHERE b < (SELECT 2 * max(d) FROM u WHERE c = t.a)", false,
                "Project(#0) -> (a INTEGER)\n"
                "  Project(#0, #1) -> (a INTEGER, b INTEGER)\n"
                "    Filter(#1 < (2 * #3)) -> (a INTEGER, b INTEGER, key INTEGER, max(d) INTEGER)\n"
                "      Join(LEFT; #2 = #0) -> (a INTEGER, b INTEGER, key INTEGER, max(d) INTEGER)\n"
                "        Get(t: a, b) -> (a INTEGER, b INTEGER)\n"
                "        Aggregate(groups: #0; aggs: max(#1)) -> (key INTEGER, max(d) INTEGER)\n"
                "          Get(u: c, d) -> (c INTEGER, d INTEGER)\n");
    expect_plan(f, "SELECT a, (SELECT count(*) FROM u WHERE c = t.a) FROM t", false,
                "Project(#0, coalesce(#2, 0)) -> (a INTEGER, (SELECT count(*) FROM u WHERE c = "
                "t.a) BIGINT)\n"
                "  Join(LEFT; #1 = #0) -> (a INTEGER, key INTEGER, count_star() BIGINT)\n"
                "    Get(t: a) -> (a INTEGER)\n"
                "    Aggregate(groups: #0; aggs: count_star()) -> (key INTEGER, count_star() BIGINT)\n"
                "      Get(u: c) -> (c INTEGER)\n");
}

/* Non-equality correlation under an aggregate: the domain of outer values. */
static void test_scalar_domain(void **state) {
    fixture *f = *state;
    expect_plan(f, "SELECT a, (SELECT sum(d) FROM u WHERE c < t.a) FROM t", false,
                "Project(#0, #2) -> (a INTEGER, (SELECT sum(d) FROM u WHERE c < t.a) BIGINT)\n"
                "  Join(LEFT; #1 IS NOT DISTINCT FROM #0) -> (a INTEGER, a INTEGER, sum(d) BIGINT)\n"
                "    Get(t: a) -> (a INTEGER)\n"
                "    Aggregate(groups: #2; aggs: sum(#1)) -> (a INTEGER, sum(d) BIGINT)\n"
                "      Filter(#0 < #2) -> (c INTEGER, d INTEGER, a INTEGER)\n"
                "        Join(CROSS) -> (c INTEGER, d INTEGER, a INTEGER)\n"
                "          Get(u: c, d) -> (c INTEGER, d INTEGER)\n"
                "          Aggregate(groups: #0; aggs: ) -> (a INTEGER)\n"
                "            Get(t: a) -> (a INTEGER)\n");
}

/* TPC-H Q20: IN over a query whose own filter holds IN and a correlated scalar. */
static void test_nested(void **state) {
    fixture *f = *state;
    expect_plan(f,
                "SELECT a FROM t WHERE a IN (SELECT c FROM u WHERE c IN (SELECT b FROM t) AND "
                "d > (SELECT sum(b) FROM t t2 WHERE t2.a = u.c))",
                false,
                "Project(#0) -> (a INTEGER)\n"
                "  Join(SEMI; #0 = #1) -> (a INTEGER)\n"
                "    Get(t: a) -> (a INTEGER)\n"
                "    Project(#0, #1) -> (c INTEGER, d INTEGER)\n"
                "      Filter(CAST(#1 AS BIGINT) > #3) -> (c INTEGER, d INTEGER, key INTEGER, "
                "sum(b) BIGINT)\n"
                "        Join(LEFT; #2 = #0) -> (c INTEGER, d INTEGER, key INTEGER, sum(b) BIGINT)\n"
                "          Join(SEMI; #0 = #2) -> (c INTEGER, d INTEGER)\n"
                "            Get(u: c, d) -> (c INTEGER, d INTEGER)\n"
                "            Get(t: b) -> (b INTEGER)\n"
                "          Aggregate(groups: #0; aggs: sum(#1)) -> (key INTEGER, sum(b) BIGINT)\n"
                "            Get(t: a, b) -> (a INTEGER, b INTEGER)\n");
}

/* Correlation at depth 2: the inner reference becomes a semi join over the domain. */
static void test_depth_two(void **state) {
    fixture *f = *state;
    expect_plan(f,
                "SELECT a FROM t WHERE EXISTS (SELECT * FROM u WHERE c = t.a AND EXISTS "
                "(SELECT * FROM t t2 WHERE t2.b = u.d AND t2.a = t.b))",
                false,
                "Project(#0) -> (a INTEGER)\n"
                "  Join(SEMI; (#4 IS NOT DISTINCT FROM #1) AND (#2 = #0)) -> (a INTEGER, b INTEGER)\n"
                "    Get(t: a, b) -> (a INTEGER, b INTEGER)\n"
                "    Join(SEMI; (#4 = #1) AND (#3 = #2)) -> (c INTEGER, d INTEGER, b INTEGER)\n"
                "      Join(CROSS) -> (c INTEGER, d INTEGER, b INTEGER)\n"
                "        Get(u: c, d) -> (c INTEGER, d INTEGER)\n"
                "        Aggregate(groups: #1; aggs: ) -> (b INTEGER)\n"
                "          Get(t: a, b) -> (a INTEGER, b INTEGER)\n"
                "      Get(t: a, b) -> (a INTEGER, b INTEGER)\n");
}

/* Forms that cannot be unnested are 0A000, never a wrong plan. */
static void test_refusals(void **state) {
    fixture *f = *state;
    expect_refused(f, "SELECT a FROM t WHERE EXISTS (SELECT * FROM u WHERE c = t.a LIMIT 1)",
                   "a correlated subquery with Limit below the correlation is not supported yet");
    expect_refused(f, "SELECT a FROM t WHERE EXISTS (SELECT count(*) FROM u WHERE c = t.a)",
                   "a correlated aggregate inside a subquery is not supported yet");
    expect_refused(f, "SELECT sum((SELECT max(c) FROM u)) FROM t",
                   "a subquery in Aggregate is not supported yet");
    expect_refused(f, "SELECT a FROM t JOIN u ON c IN (SELECT b FROM t)",
                   "a subquery in Join is not supported yet");
}

/* FILTER -> CASE argument; DISTINCT -> aggregate over a deduplicating aggregate. */
static void test_aggregate_rewrites(void **state) {
    fixture *f = *state;
    expect_plan(f, "SELECT a, count(DISTINCT b), sum(DISTINCT b) FROM t GROUP BY a", true,
                "Project(#0, #1, #2) -> (a INTEGER, count(DISTINCT b) BIGINT, sum(DISTINCT b) "
                "BIGINT)\n"
                "  Aggregate(groups: #0; aggs: count(#1), sum(#1)) -> (a INTEGER, count(DISTINCT b) "
                "BIGINT, sum(DISTINCT b) BIGINT)\n"
                "    Aggregate(groups: #0, #1; aggs: ) -> (a INTEGER, distinct INTEGER)\n"
                "      Get(t: a, b) -> (a INTEGER, b INTEGER)\n");
    expect_plan(f, "SELECT count(*) FILTER (WHERE a > 1), count(DISTINCT b) FROM t", true,
                "Project(#0, #1) -> (count_star() BIGINT, count(DISTINCT b) BIGINT)\n"
                "  Project(#0, #1) -> (count_star() BIGINT, count(DISTINCT b) BIGINT)\n"
                "    Join(CROSS) -> (count_star() BIGINT, count(DISTINCT b) BIGINT)\n"
                "      Aggregate(groups: ; aggs: count(CASE WHEN #0 > 1 THEN 1 END)) -> "
                "(count_star() BIGINT)\n"
                "        Get(t: a, b) -> (a INTEGER, b INTEGER)\n"
                "      Aggregate(groups: ; aggs: count(#0)) -> (count(DISTINCT b) BIGINT)\n"
                "        Aggregate(groups: #1; aggs: ) -> (distinct INTEGER)\n"
                "          Get(t: a, b) -> (a INTEGER, b INTEGER)\n");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exists_semi_anti, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exists_inequality, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exists_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_not_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalar_uncorrelated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalar_correlated_aggregate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalar_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_two, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aggregate_rewrites, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
