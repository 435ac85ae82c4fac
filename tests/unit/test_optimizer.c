/*
 * test_optimizer.c -- cmocka tests of the planning half of the optimizer: enum names,
 * expression printing, constant folding (and what it must leave to run time), and the
 * staged physical plan built from hand-made logical plans (stages, pipelines, state
 * ids, exchanges, the invariants codegen and the runtime rely on).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "opt.h"

static rt_arena *arena;

static int setup(void **state) {
    (void)state;
    arena = rt_arena_create(NULL);
    return arena ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    rt_arena_destroy(arena);
    return 0;
}

/* ---- builders ----------------------------------------------------------------------- */

static plan_expr *col(uint32_t i, qe_type t) { return opt_expr_column(arena, i, t); }

static plan_expr *int_const(qe_type t, int64_t v) {
    rt_value val = {.type = t};
    val.u.i = v;
    return opt_expr_const(arena, &val, 0);
}

static plan_expr *dbl_const(double v) {
    rt_value val = {.type = QE_TYPE_DOUBLE};
    val.u.d = v;
    return opt_expr_const(arena, &val, 0);
}

static plan_expr *str_const(const char *s) {
    rt_value val = {.type = QE_TYPE_VARCHAR};
    val.u.s.ptr = s;
    val.u.s.len = (uint32_t)strlen(s);
    return opt_expr_const(arena, &val, 0);
}

static plan_expr *null_const(qe_type t) {
    rt_value val = {.type = t, .is_null = true};
    return opt_expr_const(arena, &val, 0);
}

static plan_expr *bool_const(bool b) {
    rt_value val = {.type = QE_TYPE_BOOLEAN};
    val.u.b = b;
    return opt_expr_const(arena, &val, 0);
}

static plan_expr *op(plan_op_kind k, qe_type t, plan_expr *a, plan_expr *b) {
    return opt_expr_op(arena, k, t, a, b, 0);
}

static plan_node *node(plan_logical_kind kind, plan_node *child, uint32_t n, const qe_type *types,
                       char **names) {
    plan_node *p = rt_arena_calloc(arena, sizeof *p);
    p->kind = kind;
    p->child = child;
    p->n_cols = n;
    p->types = rt_arena_calloc(arena, (n ? n : 1) * sizeof *p->types);
    p->names = rt_arena_calloc(arena, (n ? n : 1) * sizeof *p->names);
    for (uint32_t i = 0; i < n; i++) {
        p->types[i] = types[i];
        p->names[i] = names[i];
    }
    return p;
}

static char *expr_text(const plan_expr *e) {
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    opt_print_expr(&sb, e);
    return rt_strbuf_take(&sb);
}

static void expect_expr(const plan_expr *e, const char *want) {
    char *got = expr_text(e);
    if (strcmp(got, want) != 0)
        fail_msg("got %s, want %s", got, want);
    free(got);
}

static void expect_folded(plan_expr *e, const char *want) {
    expect_expr(opt_fold_expr(arena, e), want);
}

/* The skeleton query's logical plan, built by hand:
 * Order(#0) <- Project(#0,#1,#2) <- Aggregate(#0; count_star, sum(#1)) <- Filter(#1 > 10)
 * <- Get(t: a, b). */
static plan_node *skeleton_plan(void) {
    static uint32_t col_idx[] = {0, 1};
    qe_type get_types[] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT};
    char *get_names[] = {"a", "b"};
    plan_node *get = node(PLAN_LOGICAL_GET, NULL, 2, get_types, get_names);
    get->u.get.table = "t";
    get->u.get.col_idx = col_idx;
    plan_node *filter = node(PLAN_LOGICAL_FILTER, get, 2, get_types, get_names);
    filter->u.filter.pred =
        op(PLAN_OP_GT, QE_TYPE_BOOLEAN, col(1, QE_TYPE_BIGINT), int_const(QE_TYPE_BIGINT, 10));
    qe_type agg_types[] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT, QE_TYPE_BIGINT};
    char *agg_names[] = {"a", "count_star()", "sum(b)"};
    plan_node *agg = node(PLAN_LOGICAL_AGGREGATE, filter, 3, agg_types, agg_names);
    agg->u.aggregate.n_groups = 1;
    agg->u.aggregate.groups = rt_arena_alloc(arena, sizeof(plan_expr *));
    agg->u.aggregate.groups[0] = col(0, QE_TYPE_INTEGER);
    agg->u.aggregate.n_aggs = 2;
    agg->u.aggregate.aggs = rt_arena_calloc(arena, 2 * sizeof(plan_agg));
    agg->u.aggregate.aggs[0] =
        (plan_agg){.fn = PLAN_AGG_COUNT_STAR, .type = QE_TYPE_BIGINT, .state_type = QE_TYPE_BIGINT};
    agg->u.aggregate.aggs[1] = (plan_agg){.fn = PLAN_AGG_SUM,
                                          .type = QE_TYPE_BIGINT,
                                          .state_type = QE_TYPE_BIGINT,
                                          .arg = col(1, QE_TYPE_BIGINT)};
    plan_node *proj = node(PLAN_LOGICAL_PROJECT, agg, 3, agg_types, agg_names);
    proj->u.project.exprs = rt_arena_alloc(arena, 3 * sizeof(plan_expr *));
    for (uint32_t i = 0; i < 3; i++)
        proj->u.project.exprs[i] = col(i, agg_types[i]);
    plan_node *order = node(PLAN_LOGICAL_ORDER, proj, 3, agg_types, agg_names);
    order->u.order.n_keys = 1;
    order->u.order.keys = rt_arena_calloc(arena, sizeof(plan_sort_key));
    order->u.order.keys[0].expr = col(0, QE_TYPE_INTEGER);
    return order;
}

/* ---- names and printing ------------------------------------------------------------- */

static void test_plan_names(void **state) {
    (void)state;
    assert_string_equal(plan_op_sql(PLAN_OP_ADD), "+");
    assert_string_equal(plan_op_sql(PLAN_OP_IS_NOT_NULL), "IS NOT NULL");
    assert_string_equal(plan_op_sql((plan_op_kind)999), "?");
    assert_string_equal(plan_agg_name(PLAN_AGG_COUNT_STAR), "count_star");
    assert_string_equal(plan_phys_name(PLAN_PHYS_AGG_SOURCE), "HashAggregateSource");
    assert_string_equal(plan_logical_name(PLAN_LOGICAL_GET), "Get");
    assert_string_equal(plan_exchange_name(PLAN_EXCHANGE_ROUND_ROBIN), "round_robin");
    assert_int_equal(plan_phys_role(PLAN_PHYS_SCAN), 0);
    assert_int_equal(plan_phys_role(PLAN_PHYS_FILTER), 1);
    assert_int_equal(plan_phys_role(PLAN_PHYS_RESULT_SINK), 2);
    assert_int_equal(plan_phys_role((plan_phys_kind)999), -1);
}

static void test_print_expr(void **state) {
    (void)state;
    expect_expr(
        op(PLAN_OP_GT, QE_TYPE_BOOLEAN, col(1, QE_TYPE_BIGINT), int_const(QE_TYPE_BIGINT, 10)),
        "#1 > 10");
    expect_expr(op(PLAN_OP_AND, QE_TYPE_BOOLEAN,
                   op(PLAN_OP_IS_NULL, QE_TYPE_BOOLEAN, col(0, QE_TYPE_INTEGER), NULL),
                   op(PLAN_OP_NOT, QE_TYPE_BOOLEAN, bool_const(false), NULL)),
                "(#0 IS NULL) AND (NOT false)");
    expect_expr(str_const("it's"), "'it''s'");
    expect_expr(dbl_const(1.0), "1.0");
    expect_expr(dbl_const(0.1), "0.1");
    expect_expr(dbl_const(-2.5e300), "-2.5e+300");
    expect_expr(null_const(QE_TYPE_VARCHAR), "NULL");
    expect_expr(opt_expr_cast(arena, col(2, QE_TYPE_INTEGER), QE_TYPE_DOUBLE, 0),
                "CAST(#2 AS DOUBLE)");
    expect_expr(op(PLAN_OP_NEG, QE_TYPE_INTEGER, col(0, QE_TYPE_INTEGER), NULL), "-#0");
}

static void test_expr_equal(void **state) {
    (void)state;
    plan_expr *a =
        op(PLAN_OP_ADD, QE_TYPE_INTEGER, col(0, QE_TYPE_INTEGER), int_const(QE_TYPE_INTEGER, 1));
    plan_expr *b =
        op(PLAN_OP_ADD, QE_TYPE_INTEGER, col(0, QE_TYPE_INTEGER), int_const(QE_TYPE_INTEGER, 1));
    plan_expr *c =
        op(PLAN_OP_ADD, QE_TYPE_INTEGER, col(1, QE_TYPE_INTEGER), int_const(QE_TYPE_INTEGER, 1));
    b->position = 42;
    assert_true(opt_expr_equal(a, b));
    assert_false(opt_expr_equal(a, c));
    assert_true(opt_expr_equal(str_const("x"), str_const("x")));
    assert_false(opt_expr_equal(str_const("x"), str_const("xy")));
    assert_false(opt_expr_equal(int_const(QE_TYPE_INTEGER, 1), int_const(QE_TYPE_BIGINT, 1)));
}

/* ---- constant folding --------------------------------------------------------------- */

static void test_fold_arithmetic(void **state) {
    (void)state;
    qe_type I = QE_TYPE_INTEGER, B = QE_TYPE_BIGINT;
    expect_folded(
        op(PLAN_OP_MUL, I, op(PLAN_OP_ADD, I, int_const(I, 1), int_const(I, 2)), int_const(I, 3)),
        "9");
    expect_folded(op(PLAN_OP_DIV, I, int_const(I, -7), int_const(I, 2)), "-3");
    expect_folded(op(PLAN_OP_MOD, I, int_const(I, -7), int_const(I, 2)), "-1");
    /* errors are left for run time */
    expect_folded(op(PLAN_OP_ADD, I, int_const(I, INT32_MAX), int_const(I, 1)), "2147483647 + 1");
    expect_folded(op(PLAN_OP_ADD, B, int_const(B, INT64_MAX), int_const(B, 1)),
                  "9223372036854775807 + 1");
    expect_folded(op(PLAN_OP_DIV, I, int_const(I, 1), int_const(I, 0)), "1 / 0");
    expect_folded(op(PLAN_OP_MOD, B, int_const(B, 1), int_const(B, 0)), "1 % 0");
    expect_folded(op(PLAN_OP_DIV, B, int_const(B, INT64_MIN), int_const(B, -1)),
                  "-9223372036854775808 / -1");
    expect_folded(op(PLAN_OP_NEG, I, int_const(I, INT32_MIN), NULL), "-(-2147483648)");
    expect_folded(op(PLAN_OP_DIV, QE_TYPE_DOUBLE, dbl_const(1), dbl_const(0)), "1.0 / 0.0");
    expect_folded(op(PLAN_OP_MUL, QE_TYPE_DOUBLE, dbl_const(1e300), dbl_const(1e300)),
                  "1e+300 * 1e+300");
    expect_folded(op(PLAN_OP_DIV, QE_TYPE_DOUBLE, dbl_const(1), dbl_const(4)), "0.25");
    /* NULL propagates; columns stop folding */
    expect_folded(op(PLAN_OP_ADD, I, null_const(I), int_const(I, 1)), "NULL");
    expect_folded(
        op(PLAN_OP_ADD, I, col(0, I), op(PLAN_OP_ADD, I, int_const(I, 1), int_const(I, 2))),
        "#0 + 3");
}

static void test_fold_logic_and_compare(void **state) {
    (void)state;
    qe_type BO = QE_TYPE_BOOLEAN, I = QE_TYPE_INTEGER;
    expect_folded(op(PLAN_OP_AND, BO, null_const(BO), bool_const(false)), "false");
    expect_folded(op(PLAN_OP_AND, BO, null_const(BO), bool_const(true)), "NULL");
    expect_folded(op(PLAN_OP_OR, BO, null_const(BO), bool_const(true)), "true");
    expect_folded(op(PLAN_OP_OR, BO, null_const(BO), bool_const(false)), "NULL");
    expect_folded(op(PLAN_OP_NOT, BO, null_const(BO), NULL), "NULL");
    expect_folded(op(PLAN_OP_IS_NULL, BO, null_const(I), NULL), "true");
    expect_folded(op(PLAN_OP_IS_NOT_NULL, BO, int_const(I, 1), NULL), "true");
    expect_folded(op(PLAN_OP_LT, BO, int_const(I, 1), int_const(I, 2)), "true");
    expect_folded(op(PLAN_OP_EQ, BO, null_const(I), int_const(I, 2)), "NULL");
    expect_folded(op(PLAN_OP_GT, BO, str_const("b"), str_const("ab")), "true");
    expect_folded(op(PLAN_OP_LT, BO, str_const("ab"), str_const("abc")), "true");
    expect_folded(op(PLAN_OP_CONCAT, QE_TYPE_VARCHAR, str_const("a'"), str_const("b")), "'a''b'");
}

static void test_fold_casts(void **state) {
    (void)state;
    expect_folded(opt_expr_cast(arena, int_const(QE_TYPE_INTEGER, 5), QE_TYPE_BIGINT, 0), "5");
    expect_folded(opt_expr_cast(arena, int_const(QE_TYPE_BIGINT, 5), QE_TYPE_DOUBLE, 0), "5.0");
    expect_folded(opt_expr_cast(arena, int_const(QE_TYPE_INTEGER, -12), QE_TYPE_VARCHAR, 0),
                  "'-12'");
    expect_folded(opt_expr_cast(arena, bool_const(true), QE_TYPE_VARCHAR, 0), "'true'");
    expect_folded(opt_expr_cast(arena, null_const(QE_TYPE_INTEGER), QE_TYPE_VARCHAR, 0), "NULL");
    expect_folded(opt_expr_cast(arena, int_const(QE_TYPE_BIGINT, 1LL << 40), QE_TYPE_INTEGER, 0),
                  "CAST(1099511627776 AS INTEGER)");
    expect_folded(opt_expr_cast(arena, dbl_const(1.5), QE_TYPE_INTEGER, 0), "CAST(1.5 AS INTEGER)");
    expect_folded(opt_expr_cast(arena, str_const("1"), QE_TYPE_INTEGER, 0), "CAST('1' AS INTEGER)");
    plan_expr *c = opt_fold_expr(
        arena, opt_expr_cast(arena, int_const(QE_TYPE_INTEGER, 5), QE_TYPE_BIGINT, 0));
    assert_int_equal(c->kind, PLAN_EXPR_CONST);
    assert_int_equal(c->type, QE_TYPE_BIGINT);
    assert_int_equal(c->u.value.type, QE_TYPE_BIGINT);
}

static void test_optimize_plan_copies(void **state) {
    (void)state;
    qe_type I = QE_TYPE_INTEGER;
    char *names[] = {"x"};
    plan_node *values = node(PLAN_LOGICAL_VALUES, NULL, 0, NULL, NULL);
    values->u.values.n_rows = 1;
    plan_node *proj = node(PLAN_LOGICAL_PROJECT, values, 1, &I, names);
    proj->u.project.exprs = rt_arena_alloc(arena, sizeof(plan_expr *));
    proj->u.project.exprs[0] = op(PLAN_OP_ADD, I, int_const(I, 1), int_const(I, 2));
    plan_node *out = NULL;
    rt_error err;
    assert_int_equal(opt_optimize(arena, proj, &out, &err), QE_OK);
    char *text = opt_print_logical(out);
    assert_string_equal(text, "Project(3) -> (x INTEGER)\n  Values(1 row)\n");
    free(text);
    text = opt_print_logical(proj); /* the input is unchanged */
    assert_string_equal(text, "Project(1 + 2) -> (x INTEGER)\n  Values(1 row)\n");
    free(text);
}

/* ---- physical planning -------------------------------------------------------------- */

static void test_physical_skeleton_structure(void **state) {
    (void)state;
    plan_query *q = NULL;
    rt_error err;
    assert_int_equal(opt_physical(arena, skeleton_plan(), &q, &err), QE_OK);
    assert_int_equal(q->n_stages, 3);
    assert_int_equal(q->n_exchanges, 2);
    assert_false(q->is_insert);
    assert_int_equal(q->n_cols, 3);
    assert_string_equal(q->names[1], "count_star()");

    const plan_stage *s0 = q->stages[0], *s1 = q->stages[1], *s2 = q->stages[2];
    assert_int_equal(s0->dist, PLAN_DIST_PARTITIONED);
    assert_int_equal(s1->dist, PLAN_DIST_PARTITIONED);
    assert_int_equal(s2->dist, PLAN_DIST_SINGLE);
    assert_int_equal(s0->n_pipelines, 2);
    assert_int_equal(s0->n_states, 1);
    /* stage 0: Scan -> Filter -> Project -> AggSink(PARTIAL); AggSource -> ExchangeSink */
    const plan_pipeline *p0 = s0->pipelines[0], *p1 = s0->pipelines[1];
    assert_int_equal(p0->n_ops, 4);
    assert_int_equal(p0->ops[0]->kind, PLAN_PHYS_SCAN);
    assert_int_equal(p0->ops[2]->kind, PLAN_PHYS_PROJECT);
    const plan_op *sink = p0->ops[3], *source = p1->ops[0];
    assert_int_equal(sink->kind, PLAN_PHYS_AGG_SINK);
    assert_int_equal(sink->u.agg.phase, PLAN_AGG_PARTIAL);
    assert_int_equal(sink->n_cols, 2); /* consumes keys then args */
    assert_int_equal(sink->u.agg.groups[0]->kind, PLAN_EXPR_COLUMN);
    assert_null(sink->u.agg.aggs[0].arg);
    assert_int_equal(sink->u.agg.aggs[1].arg->u.column, 1);
    assert_int_equal(source->kind, PLAN_PHYS_AGG_SOURCE);
    assert_int_equal(source->state_id, sink->state_id);
    assert_int_equal(source->n_cols, 5); /* a, (v, n) x 2 */
    assert_int_equal(p1->ops[1]->kind, PLAN_PHYS_EXCHANGE_SINK);
    /* exchanges */
    const plan_exchange *x0 = &q->exchanges[0], *x1 = &q->exchanges[1];
    assert_int_equal(x0->kind, PLAN_EXCHANGE_HASH);
    assert_int_equal(x0->n_keys, 1);
    assert_int_equal(x0->key_cols[0], 0);
    assert_int_equal(x0->producer_stage, 0);
    assert_int_equal(x0->consumer_stage, 1);
    assert_int_equal(x0->n_cols, 5);
    assert_int_equal(x1->kind, PLAN_EXCHANGE_GATHER);
    assert_int_equal(x1->consumer_stage, 2);
    /* stage 1: FINAL aggregates read (v, n) pairs */
    const plan_op *fin = s1->pipelines[0]->ops[1];
    assert_int_equal(fin->u.agg.phase, PLAN_AGG_FINAL);
    assert_int_equal(fin->u.agg.aggs[1].arg->u.column, 3);
    assert_int_equal(fin->u.agg.aggs[1].n_column, 4);
    /* stage 2: Sort, then an ordered SortSource -> Result */
    assert_false(s2->pipelines[0]->ordered);
    assert_true(s2->pipelines[1]->ordered);
    assert_int_equal(s2->pipelines[1]->ops[0]->kind, PLAN_PHYS_SORT_SOURCE);
    assert_int_equal(s2->pipelines[1]->ops[1]->kind, PLAN_PHYS_RESULT_SINK);
    assert_int_equal(s2->pipelines[1]->ops[0]->state_id, s2->pipelines[0]->ops[1]->state_id);
}

static void test_physical_skeleton_text(void **state) {
    (void)state;
    plan_query *q = NULL;
    rt_error err;
    assert_int_equal(opt_physical(arena, skeleton_plan(), &q, &err), QE_OK);
    char *text = opt_print_physical(q);
    assert_string_equal(
        text,
        "stage 0 PARTITIONED\n"
        "  p0: Scan(t: a, b; filter: #1 > 10) -> Filter(#1 > 10) -> Project(#0, #1) -> "
        "HashAggregate(PARTIAL; "
        "groups: #0; aggs: count_star(), sum(#1))\n"
        "  p1: HashAggregateSource(PARTIAL) -> ExchangeSink(ex0, HASH on #0)\n"
        "stage 1 PARTITIONED\n"
        "  p0: ExchangeSource(ex0) -> HashAggregate(FINAL; groups: #0; aggs: count_star(v=#1, "
        "n=#2), sum(v=#3, n=#4))\n"
        "  p1: HashAggregateSource(FINAL) -> ExchangeSink(ex1, GATHER)\n"
        "stage 2 SINGLE\n"
        "  p0: ExchangeSource(ex1) -> Sort(#0)\n"
        "  p1 (ordered): SortSource(#0) -> Result(a, count_star(), sum(b))\n"
        "exchanges:\n"
        "  ex0: HASH on #0, stage 0 -> stage 1, (INTEGER, BIGINT, BIGINT, BIGINT, BIGINT)\n"
        "  ex1: GATHER, stage 1 -> stage 2, (INTEGER, BIGINT, BIGINT)\n");
    free(text);
    text = opt_print_logical(skeleton_plan());
    assert_string_equal(text,
                        "Order(#0) -> (a INTEGER, count_star() BIGINT, sum(b) BIGINT)\n"
                        "  Project(#0, #1, #2) -> (a INTEGER, count_star() BIGINT, sum(b) BIGINT)\n"
                        "    Aggregate(groups: #0; aggs: count_star(), sum(#1)) -> (a INTEGER, "
                        "count_star() BIGINT, sum(b) BIGINT)\n"
                        "      Filter(#1 > 10) -> (a INTEGER, b BIGINT)\n"
                        "        Get(t: a, b) -> (a INTEGER, b BIGINT)\n");
    free(text);
}

static void test_physical_insert_select(void **state) {
    (void)state;
    static uint32_t col_idx[] = {0};
    qe_type I = QE_TYPE_INTEGER;
    char *names[] = {"a"};
    plan_node *get = node(PLAN_LOGICAL_GET, NULL, 1, &I, names);
    get->u.get.table = "t";
    get->u.get.col_idx = col_idx;
    plan_node *proj = node(PLAN_LOGICAL_PROJECT, get, 1, &I, names);
    proj->u.project.exprs = rt_arena_alloc(arena, sizeof(plan_expr *));
    proj->u.project.exprs[0] = col(0, I);
    plan_node *ins = node(PLAN_LOGICAL_INSERT, proj, 0, NULL, NULL);
    ins->u.insert.table = "u";
    plan_query *q = NULL;
    rt_error err;
    assert_int_equal(opt_physical(arena, ins, &q, &err), QE_OK);
    assert_true(q->is_insert);
    assert_int_equal(q->n_cols, 0);
    char *text = opt_print_physical(q);
    assert_string_equal(text, "stage 0 PARTITIONED\n"
                              "  p0: Scan(t: a) -> Project(#0) -> ExchangeSink(ex0, ROUND_ROBIN)\n"
                              "stage 1 PARTITIONED\n"
                              "  p0: ExchangeSource(ex0) -> Insert(u)\n"
                              "exchanges:\n"
                              "  ex0: ROUND_ROBIN, stage 0 -> stage 1, (INTEGER)\n");
    free(text);
}

static void test_physical_values_and_limit(void **state) {
    (void)state;
    qe_type I = QE_TYPE_INTEGER;
    char *names[] = {"x"};
    plan_node *values = node(PLAN_LOGICAL_VALUES, NULL, 0, NULL, NULL);
    values->u.values.n_rows = 1;
    plan_node *proj = node(PLAN_LOGICAL_PROJECT, values, 1, &I, names);
    proj->u.project.exprs = rt_arena_alloc(arena, sizeof(plan_expr *));
    proj->u.project.exprs[0] = int_const(I, 7);
    plan_node *limit = node(PLAN_LOGICAL_LIMIT, proj, 1, &I, names);
    limit->u.limit.limit = -1;
    limit->u.limit.offset = 3;
    plan_query *q = NULL;
    rt_error err;
    assert_int_equal(opt_physical(arena, limit, &q, &err), QE_OK);
    assert_int_equal(q->n_stages, 1);
    assert_int_equal(q->stages[0]->n_states, 1);
    char *text = opt_print_physical(q);
    assert_string_equal(text,
                        "stage 0 SINGLE\n"
                        "  p0: Values(1 row) -> Project(7) -> Limit(ALL OFFSET 3) -> Result(x)\n");
    free(text);
}

static void test_physical_rejects_ddl(void **state) {
    (void)state;
    plan_node *ddl = node(PLAN_LOGICAL_DROP_TABLE, NULL, 0, NULL, NULL);
    ddl->u.drop_table.table = "t";
    plan_query *q = NULL;
    rt_error err;
    assert_int_equal(opt_physical(arena, ddl, &q, &err), QE_MISUSE);
    assert_null(q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_names),
        cmocka_unit_test_setup_teardown(test_print_expr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expr_equal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fold_arithmetic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fold_logic_and_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fold_casts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_optimize_plan_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physical_skeleton_structure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physical_skeleton_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physical_insert_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physical_values_and_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physical_rejects_ddl, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
