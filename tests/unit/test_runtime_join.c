/*
 * test_runtime_join.c -- the hash join operators (join.c) on hand-built physical
 * plans: SEMI, ANTI and MARK joins (which only subquery unnesting produces from SQL),
 * NULL keys, residual predicates, multi-column keys, and thread-count independence.
 * The SQL-reachable kinds are covered by tests/sql/joins/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "rt.h"

static rt_arena *A; /* the current test's plan arena */

static void *zalloc(size_t n) {
    void *p = rt_arena_calloc(A, n);
    assert_non_null(p);
    return p;
}

static plan_expr *col(uint32_t idx, qe_type type) {
    plan_expr *e = zalloc(sizeof *e);
    e->kind = PLAN_EXPR_COLUMN;
    e->type = type;
    e->position = -1;
    e->u.column = idx;
    return e;
}

/* An INTEGER constant; INT64_MIN stands for NULL. */
static plan_expr *cint(int64_t v) {
    plan_expr *e = zalloc(sizeof *e);
    e->kind = PLAN_EXPR_CONST;
    e->type = QE_TYPE_INTEGER;
    e->position = -1;
    e->u.value.type = QE_TYPE_INTEGER;
    e->u.value.is_null = v == INT64_MIN;
    e->u.value.u.i = v == INT64_MIN ? 0 : v;
    return e;
}

#define NUL INT64_MIN

static plan_expr *op2(plan_op_kind op, plan_expr *a, plan_expr *b) {
    plan_expr *e = zalloc(sizeof *e);
    e->kind = PLAN_EXPR_OP;
    e->type = QE_TYPE_BOOLEAN;
    e->position = -1;
    e->u.op.op = op;
    e->u.op.args[0] = a;
    e->u.op.args[1] = b;
    return e;
}

static qe_type *int_types(uint32_t n) {
    qe_type *t = zalloc(sizeof(qe_type) * (n + 1));
    for (uint32_t i = 0; i < n; i++)
        t[i] = QE_TYPE_INTEGER;
    return t;
}

static plan_op *mkop(plan_phys_kind kind, uint32_t n_cols, qe_type *types) {
    plan_op *op = zalloc(sizeof *op);
    op->kind = kind;
    op->n_cols = n_cols;
    op->types = types;
    return op;
}

/* VALUES of n_rows rows of n_cols INTEGERs (row-major in vals). */
static plan_op *values_op(uint32_t n_cols, uint32_t n_rows, const int64_t *vals) {
    plan_op *op = mkop(PLAN_PHYS_VALUES, n_cols, int_types(n_cols));
    op->u.values.n_rows = n_rows;
    op->u.values.rows = zalloc(sizeof(plan_expr *) * (n_cols * n_rows + 1));
    for (uint32_t i = 0; i < n_cols * n_rows; i++)
        op->u.values.rows[i] = cint(vals[i]);
    return op;
}

static plan_pipeline *pipe2(uint32_t id, plan_op *a, plan_op *b, plan_op *c) {
    plan_pipeline *p = zalloc(sizeof *p);
    p->id = id;
    p->n_ops = c ? 3 : 2;
    p->ops = zalloc(sizeof(plan_op *) * 3);
    p->ops[0] = a;
    p->ops[1] = b;
    if (c)
        p->ops[2] = c;
    return p;
}

/* Rows as "v1|v2|..." lines, sorted (the join's output order is not specified). */
typedef struct collector {
    char lines[256][64];
    uint32_t n;
} collector;

static qe_status collect_push(void *ctx, const rt_batch *b, rt_error *err) {
    (void)err;
    collector *c = ctx;
    for (uint32_t k = 0; k < rt_batch_active(b); k++) {
        uint32_t r = b->sel ? b->sel[k] : k;
        char line[64] = "";
        for (uint32_t i = 0; i < b->n_cols; i++) {
            rt_value v;
            char buf[32];
            rt_vector_get_value(&b->cols[i], r, &v);
            if (rt_value_format(&v, buf, sizeof buf) < 0)
                strcpy(buf, "NULL");
            strcat(line, i ? "|" : "");
            strcat(line, buf);
        }
        assert_true(c->n < 256);
        strcpy(c->lines[c->n++], line);
    }
    return QE_OK;
}

static int cmp_lines(const void *a, const void *b) { return strcmp(a, b); }

/* The sorted lines joined by spaces. */
static const char *result_text(collector *c, char *buf, size_t cap) {
    qsort(c->lines, c->n, sizeof c->lines[0], cmp_lines);
    buf[0] = '\0';
    for (uint32_t i = 0; i < c->n; i++) {
        assert_true(strlen(buf) + strlen(c->lines[i]) + 2 < cap);
        strcat(buf, i ? " " : "");
        strcat(buf, c->lines[i]);
    }
    return buf;
}

/*
 * One stage: VALUES(build) -> HashJoinBuild ; VALUES(probe) -> HashJoinProbe -> Result.
 * Probe rows have n_probe INTEGER columns, build rows n_build; keys pair probe column
 * pk[i] with build column bk[i].
 */
static const char *run_join(plan_join_kind kind, uint32_t n_probe, uint32_t n_prows,
                            const int64_t *prows, uint32_t n_build, uint32_t n_brows,
                            const int64_t *brows, uint32_t n_keys, const uint32_t *pk,
                            const uint32_t *bk, plan_expr *residual, uint32_t threads) {
    static char buf[4096];
    plan_op *bsrc = values_op(n_build, n_brows, brows);
    plan_op *build = mkop(PLAN_PHYS_HASH_JOIN_BUILD, n_build, int_types(n_build));
    plan_op *psrc = values_op(n_probe, n_prows, prows);
    bool pairs = kind != PLAN_JOIN_SEMI && kind != PLAN_JOIN_ANTI && kind != PLAN_JOIN_MARK;
    uint32_t n_out = n_probe + (pairs ? n_build : kind == PLAN_JOIN_MARK);
    qe_type *out_types = int_types(n_out);
    if (kind == PLAN_JOIN_MARK)
        out_types[n_probe] = QE_TYPE_BOOLEAN;
    plan_op *probe = mkop(PLAN_PHYS_HASH_JOIN_PROBE, n_out, out_types);
    plan_op *result = mkop(PLAN_PHYS_RESULT_SINK, n_out, out_types);
    result->u.result.names = zalloc(sizeof(char *) * (n_out + 1));
    for (uint32_t i = 0; i < n_out; i++)
        result->u.result.names[i] = "c";
    build->u.join.kind = probe->u.join.kind = kind;
    build->u.join.n_keys = probe->u.join.n_keys = n_keys;
    build->u.join.probe_keys = probe->u.join.probe_keys = (uint32_t *)pk;
    build->u.join.build_keys = probe->u.join.build_keys = (uint32_t *)bk;
    build->u.join.n_build_cols = probe->u.join.n_build_cols = n_build;
    probe->u.join.residual = residual;
    plan_stage *s = zalloc(sizeof *s);
    s->dist = PLAN_DIST_SINGLE;
    s->n_states = 1;
    s->n_pipelines = 2;
    s->pipelines = zalloc(sizeof(plan_pipeline *) * 2);
    s->pipelines[0] = pipe2(0, bsrc, build, NULL);
    s->pipelines[1] = pipe2(1, psrc, probe, result);
    plan_query q = {.n_stages = 1, .stages = &s, .n_cols = n_out, .types = out_types};
    collector c = {0};
    rt_result_sink sink = {collect_push, &c};
    rt_mem_tracker mem = {0};
    rt_task task = {
        .query = &q, .stage = s, .n_tasks = 1, .result = &sink, .n_threads = threads, .mem = &mem};
    rt_error err;
    rt_error_clear(&err);
    qe_status st = rt_task_run(&task, NULL, &err);
    if (st != QE_OK)
        fail_msg("join failed: %s", err.message);
    assert_int_equal(atomic_load(&mem.used), 0); /* everything released */
    return result_text(&c, buf, sizeof buf);
}

/* probe (x): 1, 2, 3, NULL; build (y): 2, 2, 3, 4 */
static const int64_t P1[] = {1, 2, 3, NUL};
static const int64_t B1[] = {2, 2, 3, 4};
static const int64_t B1N[] = {2, NUL, 3};
static const uint32_t K0[] = {0}, K1[] = {1};

static void test_semi_anti(void **state) {
    (void)state;
    for (uint32_t t = 1; t <= 3; t += 2) {
        assert_string_equal(run_join(PLAN_JOIN_SEMI, 1, 4, P1, 1, 4, B1, 1, K0, K0, NULL, t),
                            "2 3");
        assert_string_equal(run_join(PLAN_JOIN_ANTI, 1, 4, P1, 1, 4, B1, 1, K0, K0, NULL, t),
                            "1 NULL");
        /* an empty build side: SEMI keeps nothing, ANTI everything */
        assert_string_equal(run_join(PLAN_JOIN_SEMI, 1, 4, P1, 1, 0, B1, 1, K0, K0, NULL, t), "");
        assert_string_equal(run_join(PLAN_JOIN_ANTI, 1, 4, P1, 1, 0, B1, 1, K0, K0, NULL, t),
                            "1 2 3 NULL");
    }
}

static void test_semi_residual(void **state) {
    (void)state;
    /* probe (k, v), build (k, w): EXISTS build row with equal k and w <> v (Q21) */
    static const int64_t p[] = {1, 10, 2, 20, 3, 30};
    static const int64_t b[] = {1, 10, 2, 20, 2, 21, 3, NUL};
    plan_expr *ne = op2(PLAN_OP_NE, col(3, QE_TYPE_INTEGER), col(1, QE_TYPE_INTEGER));
    assert_string_equal(run_join(PLAN_JOIN_SEMI, 2, 3, p, 2, 4, b, 1, K0, K0, ne, 2), "2|20");
    assert_string_equal(run_join(PLAN_JOIN_ANTI, 2, 3, p, 2, 4, b, 1, K0, K0, ne, 2), "1|10 3|30");
    /* MARK: the NULL residual of (3, NULL) makes the mark NULL */
    assert_string_equal(run_join(PLAN_JOIN_MARK, 2, 3, p, 2, 4, b, 1, K0, K0, ne, 2),
                        "1|10|false 2|20|true 3|30|NULL");
}

static void test_mark(void **state) {
    (void)state;
    /* x IN (2, 2, 3, 4): TRUE, FALSE, NULL for the NULL probe key */
    assert_string_equal(run_join(PLAN_JOIN_MARK, 1, 4, P1, 1, 4, B1, 1, K0, K0, NULL, 1),
                        "1|false 2|true 3|true NULL|NULL");
    /* x IN (2, NULL, 3): no match gives NULL */
    assert_string_equal(run_join(PLAN_JOIN_MARK, 1, 4, P1, 1, 3, B1N, 1, K0, K0, NULL, 2),
                        "1|NULL 2|true 3|true NULL|NULL");
    /* x IN (empty): FALSE, even for NULL */
    assert_string_equal(run_join(PLAN_JOIN_MARK, 1, 4, P1, 1, 0, B1, 1, K0, K0, NULL, 2),
                        "1|false 2|false 3|false NULL|false");
}

static void test_mark_two_keys(void **state) {
    (void)state;
    /* (a, b) against build (c, d): a NULL in one key counts only when the others match */
    static const int64_t p[] = {1, 1, 2, 2, NUL, 5, 3, NUL};
    static const int64_t b[] = {1, 1, 2, NUL, 4, 4};
    static const uint32_t pk[] = {0, 1}, bk[] = {0, 1};
    assert_string_equal(run_join(PLAN_JOIN_MARK, 2, 4, p, 2, 3, b, 2, pk, bk, NULL, 1),
                        "1|1|true 2|2|NULL 3|NULL|false NULL|5|NULL");
}

static void test_outer_and_cross(void **state) {
    (void)state;
    assert_string_equal(run_join(PLAN_JOIN_LEFT, 1, 4, P1, 1, 4, B1, 1, K0, K0, NULL, 3),
                        "1|NULL 2|2 2|2 3|3 NULL|NULL");
    assert_string_equal(run_join(PLAN_JOIN_INNER, 1, 4, P1, 1, 3, B1N, 1, K0, K0, NULL, 1),
                        "2|2 3|3");
    /* no keys: every pair, filtered by the residual x < y */
    plan_expr *lt = op2(PLAN_OP_LT, col(0, QE_TYPE_INTEGER), col(1, QE_TYPE_INTEGER));
    assert_string_equal(run_join(PLAN_JOIN_INNER, 1, 4, P1, 1, 4, B1, 0, K0, K1, lt, 2),
                        "1|2 1|2 1|3 1|4 2|3 2|4 3|4");
}

static int setup(void **state) {
    (void)state;
    A = rt_arena_create(NULL);
    return A ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    rt_arena_destroy(A);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_semi_anti, setup, teardown),
        cmocka_unit_test_setup_teardown(test_semi_residual, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mark_two_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outer_and_cross, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
