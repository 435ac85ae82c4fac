/*
 * test_optimizer_joins.c -- the join rewrites (join_rewrite.c) on hand-built logical
 * plans, compared as printed plans: equi-join extraction from WHERE, predicate pushdown
 * (into inner join inputs, not into the null-supplying side of outer joins), the
 * greedy join order from catalog row counts (no cross product where a predicate
 * connects the inputs, the smaller input on the right), OR factoring, outer-join
 * simplification, projection pruning; and the physical plan of a join (stages,
 * exchanges, build/probe pipelines, serialization), including joins that build on the
 * much smaller left input (opt_choose_build_sides).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "opt.h"

static rt_arena *arena;
static rt_catalog *cat;

/* Tables t<rows>: a(a0, a1) 1000 rows, b(b0, b1) 10 rows, c(c0, c1) 100000 rows. */
static void add_table(const char *name, uint64_t rows) {
    char n0[8], n1[8];
    snprintf(n0, sizeof n0, "%c0", name[0]);
    snprintf(n1, sizeof n1, "%c1", name[0]);
    char *names[2] = {n0, n1};
    qe_type types[2] = {QE_TYPE_INTEGER, QE_TYPE_INTEGER};
    rt_table *t;
    rt_error err;
    assert_int_equal(rt_catalog_create_table(cat, name, 2, names, types, &t, &err), QE_OK);
    t->n_rows = rows; /* the statistic the join order reads */
}

static int setup(void **state) {
    (void)state;
    arena = rt_arena_create(NULL);
    cat = rt_catalog_create();
    if (!arena || !cat)
        return -1;
    add_table("a", 1000);
    add_table("b", 10);
    add_table("c", 100000);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    rt_catalog_destroy(cat);
    rt_arena_destroy(arena);
    return 0;
}

/* ---- builders ----------------------------------------------------------------------- */

static plan_expr *col(uint32_t i) { return opt_expr_column(arena, i, QE_TYPE_INTEGER); }

static plan_expr *num(int64_t v) {
    rt_value val = {.type = QE_TYPE_INTEGER};
    val.u.i = v;
    return opt_expr_const(arena, &val, 0);
}

static plan_expr *cmp(plan_op_kind k, plan_expr *a, plan_expr *b) {
    return opt_expr_op(arena, k, QE_TYPE_BOOLEAN, a, b, 0);
}

static plan_expr *and2(plan_expr *a, plan_expr *b) { return cmp(PLAN_OP_AND, a, b); }

static plan_node *new_node(plan_logical_kind kind, uint32_t n) {
    plan_node *p = rt_arena_calloc(arena, sizeof *p);
    p->kind = kind;
    p->n_cols = n;
    p->types = rt_arena_calloc(arena, (n + 1) * sizeof *p->types);
    p->names = rt_arena_calloc(arena, (n + 1) * sizeof *p->names);
    return p;
}

/* Get(name: x0, x1). */
static plan_node *get(const char *name) {
    plan_node *p = new_node(PLAN_LOGICAL_GET, 2);
    p->u.get.table = (char *)name;
    p->u.get.col_idx = rt_arena_calloc(arena, 2 * sizeof(uint32_t));
    p->u.get.col_idx[1] = 1;
    for (uint32_t i = 0; i < 2; i++) {
        p->types[i] = QE_TYPE_INTEGER;
        p->names[i] = rt_arena_alloc(arena, 4);
        snprintf(p->names[i], 4, "%c%u", name[0], i);
    }
    return p;
}

static plan_node *join(plan_join_kind kind, plan_node *l, plan_node *r, plan_expr *cond) {
    bool left_only = kind == PLAN_JOIN_SEMI || kind == PLAN_JOIN_ANTI;
    plan_node *p = new_node(PLAN_LOGICAL_JOIN, l->n_cols + (left_only ? 0 : r->n_cols));
    for (uint32_t i = 0; i < p->n_cols; i++) {
        const plan_node *s = i < l->n_cols ? l : r;
        uint32_t c = i < l->n_cols ? i : i - l->n_cols;
        p->types[i] = s->types[c];
        p->names[i] = s->names[c];
    }
    p->child = l;
    p->right = r;
    p->u.join.kind = kind;
    p->u.join.cond = cond;
    return p;
}

static plan_node *filter(plan_node *child, plan_expr *pred) {
    plan_node *p = new_node(PLAN_LOGICAL_FILTER, child->n_cols);
    memcpy(p->types, child->types, child->n_cols * sizeof *p->types);
    memcpy(p->names, child->names, child->n_cols * sizeof *p->names);
    p->child = child;
    p->u.filter.pred = pred;
    return p;
}

/* Rewrites n (joins, then with `prune` projection pruning) and compares the printed plan
 * (schemas after " -> " cut off). */
static void expect_rewrite_with(plan_node *n, bool prune, const char *want) {
    plan_node *out;
    rt_error err;
    assert_int_equal(opt_rewrite_joins(arena, n, cat, &out, &err), QE_OK);
    if (prune)
        assert_int_equal(opt_prune_columns(arena, out, &out, &err), QE_OK);
    char *text = opt_print_logical(out);
    assert_non_null(text);
    char *buf = malloc(strlen(text) + 1), *w = buf;
    for (const char *line = text; *line;) { /* drop " -> (schema)" of every line */
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *arrow = strstr(line, " -> ");
        if (arrow && arrow < line + len)
            len = (size_t)(arrow - line);
        memcpy(w, line, len);
        w += len;
        *w++ = '\n';
        line += (end ? (size_t)(end - line) + 1 : strlen(line));
    }
    *w = '\0';
    if (strcmp(buf, want) != 0)
        fail_msg("got:\n%s\nwant:\n%s", buf, want);
    free(buf);
    free(text);
}

static void expect_rewrite(plan_node *n, const char *want) { expect_rewrite_with(n, false, want); }

/* ---- tests -------------------------------------------------------------------------- */

/* FROM a, b WHERE a0 = b0 AND a1 > 5 AND b1 = 3: the equality becomes the join
 * condition, the other conjuncts go down to the scans; b (10 rows) is the build side. */
static void test_comma_join_extraction(void **state) {
    (void)state;
    plan_node *n =
        filter(join(PLAN_JOIN_CROSS, get("a"), get("b"), NULL),
               and2(and2(cmp(PLAN_OP_EQ, col(0), col(2)), cmp(PLAN_OP_GT, col(1), num(5))),
                    cmp(PLAN_OP_EQ, col(3), num(3))));
    expect_rewrite(n, "Join(INNER; #0 = #2)\n"
                      "  Filter(#1 > 5)\n"
                      "    Get(a: a0, a1)\n"
                      "  Filter(#1 = 3)\n"
                      "    Get(b: b0, b1)\n");
}

/* FROM a, b, c WHERE a0 = c0 AND b0 = c1: a and b are not connected, so they are never
 * joined first (no cross product); the smaller input is always on the right; a Project
 * restores the FROM order. */
static void test_no_cross_product(void **state) {
    (void)state;
    plan_node *abc =
        join(PLAN_JOIN_CROSS, join(PLAN_JOIN_CROSS, get("a"), get("b"), NULL), get("c"), NULL);
    plan_node *n =
        filter(abc, and2(cmp(PLAN_OP_EQ, col(0), col(4)), cmp(PLAN_OP_EQ, col(2), col(5))));
    expect_rewrite(n, "Project(#2, #3, #4, #5, #0, #1)\n"
                      "  Join(INNER; #4 = #1)\n"
                      "    Join(INNER; #2 = #0)\n"
                      "      Get(c: c0, c1)\n"
                      "      Get(a: a0, a1)\n"
                      "    Get(b: b0, b1)\n");
}

/* LEFT JOIN: a WHERE conjunct over the preserved side goes into it, one over the
 * null-supplying side stays above the join; an ON conjunct over the null-supplying side
 * goes into it, one over the preserved side stays in the condition. */
static void test_left_join_pushdown(void **state) {
    (void)state;
    plan_expr *on = and2(and2(cmp(PLAN_OP_EQ, col(0), col(2)), cmp(PLAN_OP_LT, col(3), num(7))),
                         cmp(PLAN_OP_GT, col(1), num(1)));
    plan_node *n =
        filter(join(PLAN_JOIN_LEFT, get("a"), get("b"), on),
               and2(cmp(PLAN_OP_EQ, col(0), num(4)), cmp(PLAN_OP_IS_NULL, col(3), NULL)));
    expect_rewrite(n, "Filter(#3 IS NULL)\n"
                      "  Join(LEFT; (#0 = #2) AND (#1 > 1))\n"
                      "    Filter(#0 = 4)\n"
                      "      Get(a: a0, a1)\n"
                      "    Filter(#1 < 7)\n"
                      "      Get(b: b0, b1)\n");
}

/* FULL JOIN keeps everything in place unless a conjunct above rejects the NULLs of one
 * side (outer-join simplification): a conjunct over the left columns makes it a LEFT
 * join, one over the right columns on top of a LEFT join makes that INNER; IS NULL
 * rejects nothing.  SEMI takes WHERE conjuncts into its left input. */
static void test_full_and_semi(void **state) {
    (void)state;
    plan_expr *on = and2(cmp(PLAN_OP_EQ, col(0), col(2)), cmp(PLAN_OP_GT, col(3), num(0)));
    plan_node *full =
        filter(join(PLAN_JOIN_FULL, get("a"), get("b"), on), cmp(PLAN_OP_IS_NULL, col(1), NULL));
    expect_rewrite(full, "Filter(#1 IS NULL)\n"
                         "  Join(FULL; (#0 = #2) AND (#3 > 0))\n"
                         "    Get(a: a0, a1)\n"
                         "    Get(b: b0, b1)\n");
    plan_node *to_left =
        filter(join(PLAN_JOIN_FULL, get("a"), get("b"), on), cmp(PLAN_OP_GT, col(1), num(2)));
    expect_rewrite(to_left, "Join(LEFT; #0 = #2)\n"
                            "  Filter(#1 > 2)\n"
                            "    Get(a: a0, a1)\n"
                            "  Filter(#1 > 0)\n"
                            "    Get(b: b0, b1)\n");
    plan_node *to_inner =
        filter(join(PLAN_JOIN_LEFT, get("a"), get("b"), on), cmp(PLAN_OP_LT, col(3), num(5)));
    expect_rewrite(to_inner, "Join(INNER; #0 = #2)\n"
                             "  Get(a: a0, a1)\n"
                             "  Filter((#1 < 5) AND (#1 > 0))\n"
                             "    Get(b: b0, b1)\n");
    plan_node *semi =
        filter(join(PLAN_JOIN_SEMI, get("a"), get("b"),
                    and2(cmp(PLAN_OP_EQ, col(0), col(2)), cmp(PLAN_OP_GT, col(3), num(0)))),
               cmp(PLAN_OP_GT, col(1), num(2)));
    expect_rewrite(semi, "Join(SEMI; #0 = #2)\n"
                         "  Filter(#1 > 2)\n"
                         "    Get(a: a0, a1)\n"
                         "  Filter(#1 > 0)\n"
                         "    Get(b: b0, b1)\n");
}

/* (a0 = b0 AND a1 = 1) OR (a0 = b0 AND b1 = 2): a0 = b0 is factored out as the key. */
static void test_or_factoring(void **state) {
    (void)state;
    plan_expr *d1 = and2(cmp(PLAN_OP_EQ, col(0), col(2)), cmp(PLAN_OP_EQ, col(1), num(1)));
    plan_expr *d2 = and2(cmp(PLAN_OP_EQ, col(0), col(2)), cmp(PLAN_OP_EQ, col(3), num(2)));
    plan_node *n = filter(join(PLAN_JOIN_CROSS, get("a"), get("b"), NULL), cmp(PLAN_OP_OR, d1, d2));
    expect_rewrite(n, "Join(INNER; (#0 = #2) AND ((#1 = 1) OR (#3 = 2)))\n"
                      "  Get(a: a0, a1)\n"
                      "  Get(b: b0, b1)\n");
}

/* (a0 = b0 AND a1 = 1 AND b1 = 2) OR (a0 = b0 AND a1 = 3 AND b1 = 4): the key comes out,
 * and each side is filtered by what the OR implies for it alone before the join
 * (a1 = 1 OR a1 = 3, b1 = 2 OR b1 = 4); (a0 = b0 AND a1 = 1) OR a0 = b0 is just the
 * key. */
static void test_or_leaf_filters(void **state) {
    (void)state;
    plan_expr *d1 = and2(and2(cmp(PLAN_OP_EQ, col(0), col(2)), cmp(PLAN_OP_EQ, col(1), num(1))),
                         cmp(PLAN_OP_EQ, col(3), num(2)));
    plan_expr *d2 = and2(and2(cmp(PLAN_OP_EQ, col(0), col(2)), cmp(PLAN_OP_EQ, col(1), num(3))),
                         cmp(PLAN_OP_EQ, col(3), num(4)));
    plan_node *n = filter(join(PLAN_JOIN_CROSS, get("a"), get("b"), NULL), cmp(PLAN_OP_OR, d1, d2));
    expect_rewrite(n, "Join(INNER; (#0 = #2) AND (((#1 = 1) AND (#3 = 2)) OR ((#1 = 3) AND "
                      "(#3 = 4))))\n"
                      "  Filter((#1 = 1) OR (#1 = 3))\n"
                      "    Get(a: a0, a1)\n"
                      "  Filter((#1 = 2) OR (#1 = 4))\n"
                      "    Get(b: b0, b1)\n");
    plan_expr *key = cmp(PLAN_OP_EQ, col(0), col(2));
    n = filter(join(PLAN_JOIN_CROSS, get("a"), get("b"), NULL),
               cmp(PLAN_OP_OR, and2(key, cmp(PLAN_OP_EQ, col(1), num(1))),
                   cmp(PLAN_OP_EQ, col(0), col(2))));
    expect_rewrite(n, "Join(INNER; #0 = #2)\n"
                      "  Get(a: a0, a1)\n"
                      "  Get(b: b0, b1)\n");
}

/* SELECT a1 FROM a JOIN b ON a0 = b0 WHERE b1 > 3: the join keys and b1 end at the
 * join and the filter (a Project after each), a0/b0 are read for the condition only. */
static void test_projection_pruning(void **state) {
    (void)state;
    plan_node *j =
        filter(join(PLAN_JOIN_INNER, get("a"), get("b"), cmp(PLAN_OP_EQ, col(0), col(2))),
               cmp(PLAN_OP_GT, col(3), num(3)));
    plan_node *proj = new_node(PLAN_LOGICAL_PROJECT, 1);
    proj->types[0] = QE_TYPE_INTEGER;
    proj->names[0] = "a1";
    proj->child = j;
    proj->u.project.exprs = rt_arena_alloc(arena, sizeof(plan_expr *));
    proj->u.project.exprs[0] = col(1);
    expect_rewrite_with(proj, true,
                        "Project(#0)\n"
                        "  Project(#1)\n"
                        "    Join(INNER; #0 = #2)\n"
                        "      Get(a: a0, a1)\n"
                        "      Project(#0)\n"
                        "        Filter(#1 > 3)\n"
                        "          Get(b: b0, b1)\n");
}

/* The physical plan of an equi join: both inputs HASH-exchanged on their keys into a
 * join stage whose first pipeline builds and second probes. */
static void test_physical_join(void **state) {
    (void)state;
    plan_node *n = join(PLAN_JOIN_INNER, get("a"), get("b"), cmp(PLAN_OP_EQ, col(1), col(2)));
    plan_query *q;
    rt_error err;
    assert_int_equal(opt_physical(arena, n, &q, &err), QE_OK);
    char *text = opt_print_physical(q);
    assert_non_null(text);
    const char *want[] = {
        "Scan(b: b0, b1) -> ExchangeSink(ex0, HASH on #0)",
        "Scan(a: a0, a1) -> ExchangeSink(ex1, HASH on #1)",
        "ExchangeSource(ex0) -> HashJoinBuild(INNER, state 0; keys: #0)",
        "ExchangeSource(ex1) -> HashJoinProbe(INNER, state 0; keys: #1 = build #0)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(text, want[i]))
            fail_msg("missing %s in:\n%s", want[i], text);
    /* the plan survives serialization */
    uint8_t *buf;
    size_t len;
    plan_query *back;
    assert_int_equal(opt_plan_serialize(q, &buf, &len, &err), QE_OK);
    assert_int_equal(opt_plan_deserialize(arena, buf, len, &back, &err), QE_OK);
    char *text2 = opt_print_physical(back);
    assert_non_null(text2);
    assert_non_null(strstr(text2, "HashJoinProbe(INNER, state 0; keys: #1 = build #0)"));
    free(buf);
    free(text2);
    free(text);
}

/* Plans n for a cluster, checks each of want[] is in the printed plan, and that the
 * plan survives serialization. */
static plan_query *physical_has(plan_node *n, const char *const *want, size_t n_want) {
    plan_query *q;
    rt_error err;
    assert_int_equal(opt_physical(arena, n, &q, &err), QE_OK);
    uint8_t *buf;
    size_t len;
    plan_query *back;
    assert_int_equal(opt_plan_serialize(q, &buf, &len, &err), QE_OK);
    assert_int_equal(opt_plan_deserialize(arena, buf, len, &back, &err), QE_OK);
    free(buf);
    char *text = opt_print_physical(back);
    assert_non_null(text);
    for (size_t i = 0; i < n_want; i++)
        if (!strstr(text, want[i]))
            fail_msg("missing %s in:\n%s", want[i], text);
    free(text);
    return q;
}

/* SEMI and LEFT joins whose left input (b: 10 rows) is much smaller than the right one
 * (c: 100000 rows) build on the left input; a larger left input keeps the usual plan. A
 * forged filter_build on another join kind is refused by the deserializer. */
static void test_build_left(void **state) {
    (void)state;
    plan_node *semi = join(PLAN_JOIN_SEMI, get("b"), get("c"), cmp(PLAN_OP_EQ, col(0), col(2)));
    opt_choose_build_sides(semi, cat);
    assert_true(semi->u.join.build_left);
    const char *want_semi[] = {
        "ExchangeSource(ex0) -> HashJoinBuild(SEMI of the build rows, state 0; keys: #0)",
        "HashJoinProbe(SEMI of the build rows, state 0; keys: #0 = build #0)",
        "HashJoinUnmatched(SEMI of the build rows, state 0)",
    };
    physical_has(semi, want_semi, 3);

    plan_node *left = join(PLAN_JOIN_LEFT, get("b"), get("c"), cmp(PLAN_OP_EQ, col(0), col(2)));
    opt_choose_build_sides(left, cat);
    assert_true(left->u.join.build_left);
    const char *want_left[] = {"HashJoinBuild(RIGHT, state 0; keys: #0)",
                               "HashJoinUnmatched(RIGHT, state 0)"};
    plan_query *q = physical_has(left, want_left, 2);

    plan_node *big = join(PLAN_JOIN_SEMI, get("c"), get("b"), cmp(PLAN_OP_EQ, col(0), col(2)));
    opt_choose_build_sides(big, cat);
    assert_false(big->u.join.build_left);

    /* RIGHT's probe marked filter_build: not a valid plan */
    for (uint32_t s = 0; s < q->n_stages; s++)
        for (uint32_t p = 0; p < q->stages[s]->n_pipelines; p++)
            for (uint32_t o = 0; o < q->stages[s]->pipelines[p]->n_ops; o++) {
                plan_op *op = q->stages[s]->pipelines[p]->ops[o];
                if (op->kind == PLAN_PHYS_HASH_JOIN_PROBE)
                    op->u.join.filter_build = true;
            }
    uint8_t *buf;
    size_t len;
    plan_query *back;
    rt_error err;
    assert_int_equal(opt_plan_serialize(q, &buf, &len, &err), QE_OK);
    assert_int_not_equal(opt_plan_deserialize(arena, buf, len, &back, &err), QE_OK);
    assert_string_equal(err.sqlstate, "XX001");
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_comma_join_extraction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_cross_product, setup, teardown),
        cmocka_unit_test_setup_teardown(test_left_join_pushdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_and_semi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_or_factoring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_or_leaf_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_projection_pruning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physical_join, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_left, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
