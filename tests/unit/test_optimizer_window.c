/*
 * test_optimizer_window.c -- the physical plan of window functions on hand-built
 * logical plans: the Project of the functions' expressions, the HASH exchange on the
 * shared PARTITION BY keys (GATHER into a SINGLE stage without them), the
 * Window/WindowSource pair, and the plan's serialization round trip.
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

static plan_expr *col(uint32_t i) { return opt_expr_column(arena, i, QE_TYPE_INTEGER); }

static plan_expr *num(int64_t v) {
    rt_value val = {.type = QE_TYPE_BIGINT};
    val.u.i = v;
    return opt_expr_const(arena, &val, 0);
}

/* Get(t: t0, t1) then Window(funcs): two INTEGER columns, then BIGINT results. */
static plan_node *window(plan_window_func *funcs, uint32_t n_funcs) {
    plan_node *g = rt_arena_calloc(arena, sizeof *g);
    g->kind = PLAN_LOGICAL_GET;
    g->n_cols = 2;
    g->types = rt_arena_calloc(arena, 2 * sizeof *g->types);
    g->names = rt_arena_calloc(arena, 2 * sizeof *g->names);
    g->u.get.table = "t";
    g->u.get.col_idx = rt_arena_calloc(arena, 2 * sizeof(uint32_t));
    g->u.get.col_idx[1] = 1;
    for (uint32_t i = 0; i < 2; i++) {
        g->types[i] = QE_TYPE_INTEGER;
        g->names[i] = i ? "t1" : "t0";
    }
    plan_node *w = rt_arena_calloc(arena, sizeof *w);
    w->kind = PLAN_LOGICAL_WINDOW;
    w->n_cols = 2 + n_funcs;
    w->types = rt_arena_calloc(arena, w->n_cols * sizeof *w->types);
    w->names = rt_arena_calloc(arena, w->n_cols * sizeof *w->names);
    for (uint32_t i = 0; i < w->n_cols; i++) {
        w->types[i] = i < 2 ? QE_TYPE_INTEGER : funcs[i - 2].type;
        w->names[i] = "c";
    }
    w->child = g;
    w->u.window.n_funcs = n_funcs;
    w->u.window.funcs = funcs;
    return w;
}

/* sum(t1 + 1) OVER (PARTITION BY t0 ORDER BY t1 ROWS 2 PRECEDING). */
static plan_window_func sum_func(void) {
    plan_window_func f = {.name = "sum", .type = QE_TYPE_BIGINT, .n_args = 1, .n_partition = 1};
    f.args = rt_arena_calloc(arena, sizeof *f.args);
    f.args[0] = opt_expr_op(arena, PLAN_OP_ADD, QE_TYPE_INTEGER, col(1), col(1), 0);
    f.partition = rt_arena_calloc(arena, sizeof *f.partition);
    f.partition[0] = col(0);
    f.n_order = 1;
    f.order = rt_arena_calloc(arena, sizeof *f.order);
    f.order[0].expr = col(1);
    f.frame = (plan_frame){.rows = true,
                           .start = PLAN_FRAME_PRECEDING,
                           .end = PLAN_FRAME_CURRENT_ROW,
                           .start_offset = num(2)};
    return f;
}

static char *round_trip(const plan_query *q) {
    uint8_t *buf;
    size_t len;
    plan_query *back;
    rt_error err;
    assert_int_equal(opt_plan_serialize(q, &buf, &len, &err), QE_OK);
    assert_int_equal(opt_plan_deserialize(arena, buf, len, &back, &err), QE_OK);
    free(buf);
    return opt_print_physical(back);
}

/* A shared PARTITION BY key: HASH exchange into a PARTITIONED Window stage. */
static void test_partitioned(void **state) {
    (void)state;
    plan_window_func *funcs = rt_arena_calloc(arena, sizeof *funcs);
    funcs[0] = sum_func();
    plan_query *q;
    rt_error err;
    assert_int_equal(opt_physical(arena, window(funcs, 1), &q, &err), QE_OK);
    char *text = opt_print_physical(q);
    assert_non_null(text);
    const char *want[] = {
        "Scan(t: t0, t1) -> Project(#0, #1, #1 + #1) -> ExchangeSink(ex0, HASH on #0)",
        "stage 1 PARTITIONED",
        "ExchangeSource(ex0) -> Window(sum(#2) OVER (PARTITION BY #0 ORDER BY #1 ROWS BETWEEN 2 "
        "PRECEDING AND CURRENT ROW))",
        "WindowSource(sum(#2) OVER",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(text, want[i]))
            fail_msg("missing %s in:\n%s", want[i], text);
    char *back = round_trip(q);
    assert_non_null(back);
    assert_string_equal(back, text);
    free(back);
    free(text);
}

/* Functions without a shared PARTITION BY key: GATHER into a SINGLE stage. */
static void test_gathered(void **state) {
    (void)state;
    plan_window_func *funcs = rt_arena_calloc(arena, 2 * sizeof *funcs);
    funcs[0] = sum_func();
    funcs[1] = (plan_window_func){.name = "rank", .type = QE_TYPE_BIGINT, .n_order = 1};
    funcs[1].order = rt_arena_calloc(arena, sizeof *funcs[1].order);
    funcs[1].order[0] = (plan_sort_key){.expr = col(0), .descending = true, .nulls_first = true};
    plan_query *q;
    rt_error err;
    assert_int_equal(opt_physical(arena, window(funcs, 2), &q, &err), QE_OK);
    char *text = opt_print_physical(q);
    assert_non_null(text);
    if (!strstr(text, "ExchangeSink(ex0, GATHER)") || !strstr(text, "stage 1 SINGLE") ||
        !strstr(text, "rank() OVER (ORDER BY #0 DESC"))
        fail_msg("unexpected plan:\n%s", text);
    assert_int_equal(q->stages[1]->pipelines[1]->ops[0]->kind, PLAN_PHYS_WINDOW_SOURCE);
    assert_int_equal(q->stages[1]->pipelines[1]->ops[0]->n_cols, 4);
    char *back = round_trip(q);
    assert_non_null(back);
    assert_string_equal(back, text);
    free(back);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_partitioned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gathered, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
