/*
 * test_codegen.c -- unit tests of the code generator (src/codegen).
 *
 * Plans are built by hand (the optimizer is not needed): a stage whose first pipeline
 * scans an in-memory table through FILTER/PROJECT into a sink, and whose second
 * pipeline (for aggregations) reads the aggregate state into a RESULT sink.  Each
 * stage runs through rt_task_run twice, interpreted and with the compiled functions
 * of cg_compile_stage, and the result rows (formatted, sorted) must be identical, as
 * must errors (SQLSTATE).  Other tests cover fallbacks, cg_emit and code lifetime.
 */
#include "cg.h"
#include "plan.h"
#include "rt.h"

#include <pthread.h>
#include <setjmp.h> /* cmocka needs it; QE code itself never uses setjmp */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

/* ---- plan construction (all allocations in one arena per test) ---------------------- */

typedef struct fixture {
    rt_arena *arena;     /* plans and test data */
    rt_catalog *catalog; /* tables scanned by the plans */
    cg_jit *jit;         /* the process's JIT */
    int next_position;   /* distinct positions make error positions comparable */
    bool any_error;      /* compare only that both modes fail, not which error */
} fixture;

static void *alloc(fixture *fx, size_t n) {
    void *p = rt_arena_calloc(fx->arena, n ? n : 1);
    assert_non_null(p);
    return p;
}

static plan_expr *expr_new(fixture *fx, plan_expr_kind kind, qe_type type) {
    plan_expr *e = alloc(fx, sizeof *e);
    e->kind = kind;
    e->type = type;
    e->position = fx->next_position++;
    return e;
}

static plan_expr *col(fixture *fx, uint32_t i, qe_type t) {
    plan_expr *e = expr_new(fx, PLAN_EXPR_COLUMN, t);
    e->u.column = i;
    return e;
}

static plan_expr *cint(fixture *fx, int64_t v, qe_type t) {
    plan_expr *e = expr_new(fx, PLAN_EXPR_CONST, t);
    e->u.value.type = t;
    e->u.value.u.i = v;
    return e;
}

static plan_expr *cdouble(fixture *fx, double v) {
    plan_expr *e = expr_new(fx, PLAN_EXPR_CONST, QE_TYPE_DOUBLE);
    e->u.value.type = QE_TYPE_DOUBLE;
    e->u.value.u.d = v;
    return e;
}

static plan_expr *cnull(fixture *fx, qe_type t) {
    plan_expr *e = expr_new(fx, PLAN_EXPR_CONST, t);
    e->u.value.type = t;
    e->u.value.is_null = true;
    return e;
}

static plan_expr *op(fixture *fx, plan_op_kind k, qe_type t, plan_expr *a, plan_expr *b) {
    plan_expr *e = expr_new(fx, PLAN_EXPR_OP, t);
    e->u.op.op = k;
    e->u.op.args[0] = a;
    e->u.op.args[1] = b;
    return e;
}

static plan_expr *cast(fixture *fx, plan_expr *a, qe_type t) {
    plan_expr *e = expr_new(fx, PLAN_EXPR_CAST, t);
    e->u.cast = a;
    return e;
}

static plan_op *phys(fixture *fx, plan_phys_kind kind, uint32_t n, const qe_type *types) {
    plan_op *o = alloc(fx, sizeof *o);
    o->kind = kind;
    o->n_cols = n;
    o->types = alloc(fx, sizeof(qe_type) * (n + 1));
    memcpy(o->types, types, sizeof(qe_type) * n);
    return o;
}

static plan_op *scan(fixture *fx, const char *table, uint32_t n, const qe_type *types) {
    plan_op *o = phys(fx, PLAN_PHYS_SCAN, n, types);
    o->u.scan.table = rt_arena_strdup(fx->arena, table);
    o->u.scan.col_idx = alloc(fx, sizeof(uint32_t) * n);
    for (uint32_t i = 0; i < n; i++)
        o->u.scan.col_idx[i] = i;
    return o;
}

static plan_op *filter(fixture *fx, uint32_t n, const qe_type *types, plan_expr *pred) {
    plan_op *o = phys(fx, PLAN_PHYS_FILTER, n, types);
    o->u.filter.pred = pred;
    return o;
}

static plan_op *project(fixture *fx, uint32_t n, plan_expr **exprs) {
    qe_type types[16];
    for (uint32_t i = 0; i < n; i++)
        types[i] = exprs[i]->type;
    plan_op *o = phys(fx, PLAN_PHYS_PROJECT, n, types);
    o->u.project.exprs = alloc(fx, sizeof(plan_expr *) * n);
    memcpy(o->u.project.exprs, exprs, sizeof(plan_expr *) * n);
    return o;
}

static plan_op *result(fixture *fx, uint32_t n, const qe_type *types) {
    plan_op *o = phys(fx, PLAN_PHYS_RESULT_SINK, n, types);
    o->u.result.names = alloc(fx, sizeof(char *) * (n + 1));
    for (uint32_t i = 0; i < n; i++)
        o->u.result.names[i] = rt_arena_strdup(fx->arena, "c");
    return o;
}

static plan_agg agg(plan_agg_fn fn, qe_type type, qe_type state, plan_expr *arg) {
    plan_agg a = {.fn = fn, .type = type, .state_type = state, .arg = arg};
    return a;
}

/* AGG_SINK (input schema n_in/in_types) and its AGG_SOURCE (output schema). */
static void agg_pair(fixture *fx, plan_agg_phase phase, uint32_t n_in, const qe_type *in_types,
                     uint32_t n_groups, plan_expr **groups, uint32_t n_aggs, const plan_agg *aggs,
                     plan_op **sink, plan_op **source) {
    qe_type out[16];
    uint32_t n_out = 0;
    for (uint32_t g = 0; g < n_groups; g++)
        out[n_out++] = groups[g]->type;
    for (uint32_t a = 0; a < n_aggs; a++) {
        if (phase == PLAN_AGG_PARTIAL) {
            out[n_out++] = aggs[a].state_type;
            out[n_out++] = QE_TYPE_BIGINT;
        } else {
            out[n_out++] = aggs[a].type;
        }
    }
    *sink = phys(fx, PLAN_PHYS_AGG_SINK, n_in, in_types);
    *source = phys(fx, PLAN_PHYS_AGG_SOURCE, n_out, out);
    plan_expr **gs = alloc(fx, sizeof(plan_expr *) * (n_groups + 1));
    if (n_groups > 0)
        memcpy(gs, groups, sizeof(plan_expr *) * n_groups);
    plan_agg *as = alloc(fx, sizeof(plan_agg) * (n_aggs + 1));
    memcpy(as, aggs, sizeof(plan_agg) * n_aggs);
    plan_op *both[2] = {*sink, *source};
    for (int i = 0; i < 2; i++) {
        both[i]->u.agg.phase = phase;
        both[i]->u.agg.n_groups = n_groups;
        both[i]->u.agg.groups = gs;
        both[i]->u.agg.n_aggs = n_aggs;
        both[i]->u.agg.aggs = as;
    }
}

static plan_pipeline *pipeline(fixture *fx, uint32_t id, uint32_t n_ops, plan_op **ops) {
    plan_pipeline *p = alloc(fx, sizeof *p);
    p->id = id;
    p->n_ops = n_ops;
    p->ops = alloc(fx, sizeof(plan_op *) * n_ops);
    memcpy(p->ops, ops, sizeof(plan_op *) * n_ops);
    return p;
}

/* A one-stage SINGLE query of 1 or 2 pipelines. */
static plan_query *query(fixture *fx, plan_pipeline *p0, plan_pipeline *p1) {
    plan_stage *s = alloc(fx, sizeof *s);
    s->dist = PLAN_DIST_SINGLE;
    s->n_pipelines = p1 ? 2 : 1;
    s->pipelines = alloc(fx, sizeof(plan_pipeline *) * 2);
    s->pipelines[0] = p0;
    s->pipelines[1] = p1;
    s->n_states = 1;
    plan_query *q = alloc(fx, sizeof *q);
    q->n_stages = 1;
    q->stages = alloc(fx, sizeof(plan_stage *));
    q->stages[0] = s;
    const plan_op *last = (p1 ? p1 : p0)->ops[(p1 ? p1 : p0)->n_ops - 1];
    q->n_cols = last->n_cols;
    q->types = last->types;
    return q;
}

/* ---- test data ---------------------------------------------------------------------- */

#define T_ROWS 6000 /* three table chunks: morsels of RT_VECTOR_SIZE rows and a short one */

static const qe_type t_types[5] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT, QE_TYPE_VARCHAR, QE_TYPE_DOUBLE,
                                   QE_TYPE_BOOLEAN};

/* Table t(a INTEGER, b BIGINT, c VARCHAR, d DOUBLE, e BOOLEAN) with NULLs sprinkled in
 * (column b has none, so its chunks have no validity bitmap). */
static void make_table(fixture *fx, const char *name, int32_t a_max) {
    char *names[5] = {"a", "b", "c", "d", "e"};
    rt_table *t;
    rt_error err;
    assert_int_equal(rt_catalog_create_table(fx->catalog, name, 5, names, t_types, &t, &err),
                     QE_OK);
    rt_arena *tmp = rt_arena_create(NULL);
    rt_batch *b = rt_batch_create(tmp, 5, t_types, T_ROWS);
    assert_non_null(b);
    for (uint32_t r = 0; r < T_ROWS; r++) {
        rt_value v = {.type = QE_TYPE_INTEGER, .is_null = r % 11 == 0, .u.i = (int64_t)(r % 7) - 3};
        if (a_max)
            v.u.i = r % 97 == 5 ? a_max : (int64_t)(r % 5);
        assert_true(rt_vector_set_value(&b->cols[0], tmp, r, T_ROWS, &v));
        v = (rt_value){.type = QE_TYPE_BIGINT, .u.i = (int64_t)r * 37 % 1000 - 100};
        assert_true(rt_vector_set_value(&b->cols[1], tmp, r, T_ROWS, &v));
        char s[40];
        snprintf(s, sizeof s, r % 3 ? "s%u" : "a rather long string %u", r % 50);
        if (r % 13 == 0)
            assert_true(rt_vector_set_null(&b->cols[2], tmp, r, T_ROWS));
        else
            assert_true(rt_vector_set_string(&b->cols[2], tmp, r, s, (uint32_t)strlen(s)));
        v = (rt_value){.type = QE_TYPE_DOUBLE, .is_null = r % 17 == 0, .u.d = r * 0.5 - 700.25};
        assert_true(rt_vector_set_value(&b->cols[3], tmp, r, T_ROWS, &v));
        v = (rt_value){.type = QE_TYPE_BOOLEAN, .is_null = r % 19 == 0, .u.b = r % 4 == 1};
        assert_true(rt_vector_set_value(&b->cols[4], tmp, r, T_ROWS, &v));
    }
    b->n_rows = T_ROWS;
    assert_int_equal(rt_table_append(fx->catalog, t, b, &err), QE_OK);
    rt_arena_destroy(tmp);
}

/* Table mix(a INTEGER, b BIGINT), T_ROWS rows: only a's second chunk has NULLs (so
 * only that chunk has a validity bitmap), b has none. */
static void make_mix_table(fixture *fx) {
    char *names[2] = {"a", "b"};
    rt_table *t;
    rt_error err;
    assert_int_equal(rt_catalog_create_table(fx->catalog, "mix", 2, names, t_types, &t, &err),
                     QE_OK);
    rt_arena *tmp = rt_arena_create(NULL);
    rt_batch *b = rt_batch_create(tmp, 2, t_types, T_ROWS);
    assert_non_null(b);
    for (uint32_t r = 0; r < T_ROWS; r++) {
        bool null = r >= RT_VECTOR_SIZE && r < 2 * RT_VECTOR_SIZE && r % 3 == 0;
        rt_value v = {.type = QE_TYPE_INTEGER, .is_null = null, .u.i = (int64_t)(r % 9) - 4};
        assert_true(rt_vector_set_value(&b->cols[0], tmp, r, T_ROWS, &v));
        v = (rt_value){.type = QE_TYPE_BIGINT, .u.i = (int64_t)r * 13 % 500 - 50};
        assert_true(rt_vector_set_value(&b->cols[1], tmp, r, T_ROWS, &v));
    }
    b->n_rows = T_ROWS;
    assert_int_equal(rt_table_append(fx->catalog, t, b, &err), QE_OK);
    rt_arena_destroy(tmp);
}

static int setup(void **state) {
    fixture *fx = calloc(1, sizeof *fx);
    fx->arena = rt_arena_create(NULL);
    fx->catalog = rt_catalog_create();
    rt_error err;
    if (fx->arena == NULL || fx->catalog == NULL || cg_jit_create(&fx->jit, &err) != QE_OK)
        return -1;
    make_table(fx, "t", 0);
    make_table(fx, "big", INT32_MAX);
    make_mix_table(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    cg_jit_destroy(fx->jit);
    rt_catalog_destroy(fx->catalog);
    rt_arena_destroy(fx->arena);
    free(fx);
    return 0;
}

/* ---- running a stage: interpreted vs compiled --------------------------------------- */

/* Result rows as text lines. */
typedef struct rows {
    char **lines;
    size_t n;
    size_t cap;
} rows;

static qe_status collect(void *ctx, const rt_batch *batch, rt_error *err) {
    rows *r = ctx;
    (void)err;
    for (uint32_t k = 0; k < rt_batch_active(batch); k++) {
        uint32_t row = batch->sel ? batch->sel[k] : k;
        char line[512] = "";
        size_t len = 0;
        for (uint32_t c = 0; c < batch->n_cols; c++) {
            rt_value v;
            char buf[128];
            rt_vector_get_value(&batch->cols[c], row, &v);
            if (v.is_null)
                snprintf(buf, sizeof buf, "NULL");
            else
                rt_value_format(&v, buf, sizeof buf);
            len += (size_t)snprintf(line + len, sizeof line - len, "%s|", buf);
        }
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 256;
            r->lines = realloc(r->lines, r->cap * sizeof *r->lines);
        }
        r->lines[r->n++] = strdup(line);
    }
    return QE_OK;
}

static int cmp_lines(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void rows_free(rows *r) {
    for (size_t i = 0; i < r->n; i++)
        free(r->lines[i]);
    free(r->lines);
}

/* Runs stage 0 of q with `compiled` functions (NULL: interpreted). */
static qe_status run(fixture *fx, const plan_query *q, const rt_pipeline_fn *compiled,
                     uint32_t n_threads, rows *out, rt_error *err) {
    rt_result_sink sink = {.push = collect, .ctx = out};
    rt_task task = {
        .query = q,
        .stage = q->stages[0],
        .n_tasks = 1,
        .catalog = fx->catalog,
        .result = &sink,
        .compiled = compiled,
        .n_threads = n_threads,
    };
    rt_error_clear(err);
    qe_status st = rt_task_run(&task, NULL, err);
    if (out->n > 1)
        qsort(out->lines, out->n, sizeof *out->lines, cmp_lines);
    return st;
}

/* Compiles q's stage at tier, checks which pipelines compiled, and compares both modes
 * on 1 and 3 threads.  Returns the number of result rows. */
static size_t compare_tier(fixture *fx, const plan_query *q, uint32_t expect_compiled,
                           cg_tier tier) {
    cg_stage_code *code = NULL;
    rt_error err;
    assert_int_equal(cg_compile_stage(fx->jit, q, 0, tier, &code, &err), QE_OK);
    const rt_pipeline_fn *fns = cg_stage_functions(code);
    for (uint32_t p = 0; p < q->stages[0]->n_pipelines; p++) {
        bool want = (expect_compiled >> p) & 1;
        if (want && cg_stage_fallback(code, p))
            fail_msg("pipeline %u fell back: %s", p, cg_stage_fallback(code, p));
        assert_true(want == (fns[p] != NULL));
    }
    size_t n_rows = 0;
    for (uint32_t threads = 1; threads <= 3; threads += 2) {
        rows interp = {0}, jit = {0};
        rt_error err_i, err_j;
        qe_status st_i = run(fx, q, NULL, threads, &interp, &err_i);
        qe_status st_j = run(fx, q, fns, threads, &jit, &err_j);
        assert_int_equal(st_i, st_j);
        if (st_i != QE_OK && !fx->any_error) { /* the same message, SQLSTATE, position */
            assert_string_equal(err_i.message, err_j.message);
            assert_string_equal(err_i.sqlstate, err_j.sqlstate);
            assert_int_equal(err_i.position, err_j.position);
        } else if (st_i == QE_OK) {
            assert_int_equal(interp.n, jit.n);
            for (size_t i = 0; i < interp.n; i++)
                assert_string_equal(interp.lines[i], jit.lines[i]);
        }
        n_rows = st_i == QE_OK ? interp.n : 0;
        rows_free(&interp);
        rows_free(&jit);
    }
    cg_stage_code_destroy(code);
    return n_rows;
}

/* compare_tier at every JIT tier; the row counts agree.  Returns the number of rows. */
static size_t compare_modes(fixture *fx, const plan_query *q, uint32_t expect_compiled) {
    size_t n_rows = compare_tier(fx, q, expect_compiled, CG_TIER_OPTIMIZED);
    assert_int_equal(compare_tier(fx, q, expect_compiled, CG_TIER_CHEAP), n_rows);
    return n_rows;
}

/* Scan(t) -> Filter(pred) -> Project(exprs) -> Result. */
static plan_query *push_query(fixture *fx, const char *table, plan_expr *pred, uint32_t n,
                              plan_expr **exprs) {
    plan_op *ops[4];
    uint32_t k = 0;
    ops[k++] = scan(fx, table, 5, t_types);
    if (pred)
        ops[k++] = filter(fx, 5, t_types, pred);
    plan_op *proj = project(fx, n, exprs);
    ops[k++] = proj;
    ops[k++] = result(fx, n, proj->types);
    return query(fx, pipeline(fx, 0, k, ops), NULL);
}

/* ---- tests -------------------------------------------------------------------------- */

/* ops[0..2] = Scan(table: a INTEGER, b BIGINT) -> Filter(#1 > 10) -> Project(#0, #1). */
static void scan_b_gt_10(fixture *fx, const char *table, plan_op **ops) {
    static const qe_type ab[2] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT};
    ops[0] = scan(fx, table, 2, ab);
    ops[1] = filter(fx, 2, ab,
                    op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN, col(fx, 1, QE_TYPE_BIGINT),
                       cint(fx, 10, QE_TYPE_BIGINT)));
    plan_expr *pe[2] = {col(fx, 0, QE_TYPE_INTEGER), col(fx, 1, QE_TYPE_BIGINT)};
    ops[2] = project(fx, 2, pe);
}

/* The skeleton's partial aggregation: Scan -> Filter(#1 > 10) -> Project(#0, #1) ->
 * HashAggregate(PARTIAL; count(*), sum(#1)), then HashAggregateSource -> Result. */
static plan_query *skeleton_partial_query(fixture *fx) {
    qe_type ab[2] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT};
    plan_op *ops[4];
    scan_b_gt_10(fx, "t", ops);
    plan_expr *groups[1] = {col(fx, 0, QE_TYPE_INTEGER)};
    plan_agg aggs[2] = {
        agg(PLAN_AGG_COUNT_STAR, QE_TYPE_BIGINT, QE_TYPE_BIGINT, NULL),
        agg(PLAN_AGG_SUM, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT))};
    plan_op *source;
    agg_pair(fx, PLAN_AGG_PARTIAL, 2, ab, 1, groups, 2, aggs, &ops[3], &source);
    plan_op *fin[2] = {source, result(fx, source->n_cols, source->types)};
    return query(fx, pipeline(fx, 0, 4, ops), pipeline(fx, 1, 2, fin));
}

/* The skeleton's partial aggregation (skeleton_partial_query) in both modes. */
static void test_skeleton_partial(void **state) {
    fixture *fx = *state;
    plan_query *q = skeleton_partial_query(fx);
    /* groups -3..3 and NULL; the second pipeline has nothing to compile */
    assert_int_equal(compare_modes(fx, q, 0x1), 8);
}

/* Occurrences of `what` in the text of function `fn` (from "define ... @fn(" to its
 * closing brace) in ir. */
static int fn_count(const char *ir, const char *fn, const char *what) {
    char head[128];
    snprintf(head, sizeof head, " @%s(", fn);
    const char *at = strstr(ir, "\ndefine ");
    while (at != NULL && (strstr(at, head) == NULL || strstr(at, head) > strchr(at + 1, '\n')))
        at = strstr(at + 1, "\ndefine ");
    assert_non_null(at);
    const char *end = strstr(at, "\n}\n");
    assert_non_null(end);
    int n = 0;
    for (const char *p = strstr(at, what); p != NULL && p < end; p = strstr(p + 1, what))
        n++;
    return n;
}

/* The optimized tier's compiled group lookup tests the overflow of all a row's SUMs
 * once (cg_raise_flush): one branch to the raise block for the updates, with the same
 * results as the interpreter (sums of the skeleton's table; tests/sql/jit/cheap_raise.test
 * and agg_global.test have the overflows); the cheap tier pushes the rows to the
 * interpreter's aggregation (no update code of its own). */
static void test_agg_raise_once(void **state) {
    fixture *fx = *state;
    qe_type ab[2] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT};
    plan_op *ops[3];
    ops[0] = scan(fx, "t", 2, ab);
    plan_expr *pe[2] = {col(fx, 0, QE_TYPE_INTEGER), col(fx, 1, QE_TYPE_BIGINT)};
    ops[1] = project(fx, 2, pe);
    plan_expr *groups[1] = {col(fx, 0, QE_TYPE_INTEGER)};
    plan_agg aggs[4] = {
        agg(PLAN_AGG_SUM, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT)),
        agg(PLAN_AGG_COUNT_STAR, QE_TYPE_BIGINT, QE_TYPE_BIGINT, NULL),
        agg(PLAN_AGG_SUM, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT)),
        agg(PLAN_AGG_SUM, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT))};
    aggs[0].arg->position = 3;
    aggs[2].arg->position = 8;
    aggs[3].arg->position = 12;
    plan_op *source;
    agg_pair(fx, PLAN_AGG_PARTIAL, 2, ab, 1, groups, 4, aggs, &ops[2], &source);
    plan_op *fin[2] = {source, result(fx, source->n_cols, source->types)};
    plan_query *q = query(fx, pipeline(fx, 0, 3, ops), pipeline(fx, 1, 2, fin));
    assert_int_equal(compare_modes(fx, q, 0x1), 8);
    char *ir = NULL;
    rt_error err;
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_CHEAP, NULL, &ir, &err), QE_OK);
    assert_int_equal(fn_count(ir, "qe_s0_p0", "call i32 @rt_jit_push("), 2); /* full, last */
    assert_int_equal(fn_count(ir, "qe_s0_p0", "sadd.with.overflow"), 0);
    free(ir);
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_OPTIMIZED, NULL, &ir, &err), QE_OK);
    assert_int_equal(fn_count(ir, "qe_s0_p0", "call { i64, i1 } @llvm.sadd.with.overflow"), 3);
    assert_int_equal(fn_count(ir, "qe_s0_p0", "label %raise"), 1); /* (3 without defer) */
    free(ir);
}

/* A projection's raise checks at the cheap tier: #1 + #1, #1 * #1 and #0 / #0 (an
 * overflow and a division by zero in some rows of t, either failing first) branch to
 * the raise block once per row (cg_expr_deferrable, begin_defer), each with its own
 * branch at the optimized tier; results and errors as the interpreter's. */
static void test_project_raise_once(void **state) {
    fixture *fx = *state;
    plan_expr *exprs[3] = {
        op(fx, PLAN_OP_ADD, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT), col(fx, 1, QE_TYPE_BIGINT)),
        op(fx, PLAN_OP_MUL, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT), col(fx, 1, QE_TYPE_BIGINT)),
        op(fx, PLAN_OP_DIV, QE_TYPE_INTEGER, col(fx, 0, QE_TYPE_INTEGER),
           col(fx, 0, QE_TYPE_INTEGER))};
    exprs[0]->position = 3;
    exprs[1]->position = 9;
    exprs[2]->position = 15;
    plan_query *q = push_query(fx, "t", NULL, 3, exprs);
    compare_modes(fx, q, 0x1);
    char *ir = NULL;
    rt_error err;
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_CHEAP, NULL, &ir, &err), QE_OK);
    assert_int_equal(fn_count(ir, "qe_s0_p0", "label %raise"), 1);
    free(ir);
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_OPTIMIZED, NULL, &ir, &err), QE_OK);
    assert_true(fn_count(ir, "qe_s0_p0", "label %raise") > 1);
    free(ir);
}

/* True if q's IR at the tier contains `with`; asserts it contains `without` exactly
 * when it does not contain `with` (the path taken instead). */
static bool ir_has(const plan_query *q, cg_tier tier, const char *with, const char *without) {
    char *ir = NULL;
    rt_error err;
    assert_int_equal(cg_emit(q, QE_EMIT_IR, tier, NULL, &ir, &err), QE_OK);
    bool has = strstr(ir, with) != NULL;
    assert_true(has == (strstr(ir, without) == NULL));
    free(ir);
    return has;
}

/* True if q's IR at the tier has the lookahead of a big table's group lookup (and no
 * block path). */
static bool takes_lookahead(const plan_query *q, cg_tier tier) {
    return ir_has(q, tier, "\nahead:", "call i32 @rt_jit_push(");
}

/* A group key that is a morsel column unchanged gets the lookahead at the optimized
 * tier (sink.c; tests/sql/jit/agg_lookahead.test runs it on big tables); the cheap tier
 * (no prefetching) and a computed key keep the block path for big tables. */
static void test_agg_lookahead(void **state) {
    fixture *fx = *state;
    plan_query *q = skeleton_partial_query(fx);
    assert_true(takes_lookahead(q, CG_TIER_OPTIMIZED));
    assert_false(takes_lookahead(q, CG_TIER_CHEAP));
    plan_op *proj = q->stages[0]->pipelines[0]->ops[2];
    proj->u.project.exprs[0] = op(fx, PLAN_OP_ADD, QE_TYPE_INTEGER, col(fx, 0, QE_TYPE_INTEGER),
                                  cint(fx, 1, QE_TYPE_INTEGER));
    assert_false(takes_lookahead(q, CG_TIER_OPTIMIZED));
    assert_int_equal(compare_modes(fx, q, 0x1), 8);
}

/* count(*), sum(#1 BIGINT), count(#0 of type key). */
static void count_sum_count(plan_agg *aggs, fixture *fx, qe_type key) {
    aggs[0] = agg(PLAN_AGG_COUNT_STAR, QE_TYPE_BIGINT, QE_TYPE_BIGINT, NULL);
    aggs[1] = agg(PLAN_AGG_SUM, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT));
    aggs[2] = agg(PLAN_AGG_COUNT, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 0, key));
}

/* An aggregation by a VARCHAR key whose columns are morsel columns unchanged hands the
 * morsel's vectors with a selection to the interpreter's aggregation (sink.c agg_pass):
 * after a FILTER it is compiled that way; with only column PROJECTs before it there is
 * nothing to compile. */
static void test_agg_pass(void **state) {
    fixture *fx = *state;
    qe_type vt[2] = {QE_TYPE_VARCHAR, QE_TYPE_BIGINT};
    plan_expr *pe[2] = {col(fx, 2, QE_TYPE_VARCHAR), col(fx, 1, QE_TYPE_BIGINT)};
    plan_expr *groups[1] = {col(fx, 0, QE_TYPE_VARCHAR)};
    plan_agg aggs[3];
    count_sum_count(aggs, fx, QE_TYPE_VARCHAR);
    for (int filtered = 1; filtered >= 0; filtered--) {
        plan_op *ops[4];
        uint32_t k = 0;
        ops[k++] = scan(fx, "t", 5, t_types);
        if (filtered)
            ops[k++] = filter(fx, 5, t_types,
                              op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN, col(fx, 1, QE_TYPE_BIGINT),
                                 cint(fx, 20, QE_TYPE_BIGINT)));
        ops[k++] = project(fx, 2, pe);
        plan_op *source;
        agg_pair(fx, PLAN_AGG_SINGLE, 2, vt, 1, groups, 3, aggs, &ops[k++], &source);
        plan_op *fin[2] = {source, result(fx, source->n_cols, source->types)};
        plan_query *q = query(fx, pipeline(fx, 0, k, ops), pipeline(fx, 1, 2, fin));
        assert_true(compare_modes(fx, q, filtered ? 0x1 : 0x0) > 10);
        if (filtered) /* the selection pushed (rt_jit_push), no compiled group lookup */
            assert_true(
                ir_has(q, CG_TIER_OPTIMIZED, "%pass_sel = alloca", "call i32 @rt_jit_agg_insert("));
    }
}

/* Every aggregate function in SINGLE phase, over INTEGER, BIGINT, DOUBLE and VARCHAR
 * inputs, grouped by a VARCHAR key (views into the morsel's string buffers).  One
 * input is computed, so the aggregation is compiled (with only morsel columns, a
 * VARCHAR key hands the rows to the interpreter's aggregation: test_agg_pass). */
static void test_single_all_aggregates(void **state) {
    fixture *fx = *state;
    plan_expr *pe[5] = {col(fx, 2, QE_TYPE_VARCHAR),
                        op(fx, PLAN_OP_ADD, QE_TYPE_INTEGER, col(fx, 0, QE_TYPE_INTEGER),
                           cint(fx, 0, QE_TYPE_INTEGER)),
                        col(fx, 1, QE_TYPE_BIGINT), col(fx, 3, QE_TYPE_DOUBLE),
                        col(fx, 4, QE_TYPE_BOOLEAN)};
    plan_op *ops[4];
    ops[0] = scan(fx, "t", 5, t_types);
    ops[1] = project(fx, 5, pe);
    plan_expr *groups[1] = {col(fx, 0, QE_TYPE_VARCHAR)};
    plan_expr *a = col(fx, 1, QE_TYPE_INTEGER), *b = col(fx, 2, QE_TYPE_BIGINT);
    plan_expr *d = col(fx, 3, QE_TYPE_DOUBLE);
    plan_agg aggs[12] = {
        agg(PLAN_AGG_COUNT_STAR, QE_TYPE_BIGINT, QE_TYPE_BIGINT, NULL),
        agg(PLAN_AGG_COUNT, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 4, QE_TYPE_BOOLEAN)),
        agg(PLAN_AGG_SUM, QE_TYPE_BIGINT, QE_TYPE_BIGINT, a),
        agg(PLAN_AGG_SUM, QE_TYPE_BIGINT, QE_TYPE_BIGINT, b),
        agg(PLAN_AGG_SUM, QE_TYPE_DOUBLE, QE_TYPE_DOUBLE, d),
        agg(PLAN_AGG_MIN, QE_TYPE_INTEGER, QE_TYPE_BIGINT, a),
        agg(PLAN_AGG_MAX, QE_TYPE_BIGINT, QE_TYPE_BIGINT, b),
        agg(PLAN_AGG_MIN, QE_TYPE_DOUBLE, QE_TYPE_DOUBLE, d),
        agg(PLAN_AGG_MAX, QE_TYPE_DOUBLE, QE_TYPE_DOUBLE, d),
        agg(PLAN_AGG_AVG, QE_TYPE_DOUBLE, QE_TYPE_DOUBLE, a),
        agg(PLAN_AGG_AVG, QE_TYPE_DOUBLE, QE_TYPE_DOUBLE, d),
        agg(PLAN_AGG_COUNT, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 0, QE_TYPE_VARCHAR)),
    };
    plan_op *source;
    agg_pair(fx, PLAN_AGG_SINGLE, 5, ops[1]->types, 1, groups, 12, aggs, &ops[2], &source);
    plan_op *ops1[2] = {source, result(fx, source->n_cols, source->types)};
    plan_query *q = query(fx, pipeline(fx, 0, 3, ops), pipeline(fx, 1, 2, ops1));
    assert_true(compare_modes(fx, q, 0x1) > 50);
    /* the VARCHAR key (a morsel column): the group cache has several entries, two of
       them tried per row */
    char *ir = NULL;
    rt_error err;
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_OPTIMIZED, NULL, &ir, &err), QE_OK);
    assert_non_null(strstr(ir, "%cache_way"));
    assert_non_null(strstr(ir, "%store_way = select"));
    free(ir);
}

/* FINAL merge of (v, n) state columns, and an aggregation without GROUP BY. */
static void test_final_and_global(void **state) {
    fixture *fx = *state;
    /* states: k = a, v = b (sum/min/max), n = a + 4 (counts; NULL when a is NULL) */
    plan_expr *pe[4] = {col(fx, 0, QE_TYPE_INTEGER), col(fx, 1, QE_TYPE_BIGINT),
                        cast(fx,
                             op(fx, PLAN_OP_ADD, QE_TYPE_INTEGER, col(fx, 0, QE_TYPE_INTEGER),
                                cint(fx, 4, QE_TYPE_INTEGER)),
                             QE_TYPE_BIGINT),
                        col(fx, 3, QE_TYPE_DOUBLE)};
    plan_op *ops[4];
    ops[0] = scan(fx, "t", 5, t_types);
    ops[1] = project(fx, 4, pe);
    plan_expr *groups[1] = {col(fx, 0, QE_TYPE_INTEGER)};
    plan_agg aggs[5] = {
        agg(PLAN_AGG_COUNT_STAR, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 2, QE_TYPE_BIGINT)),
        agg(PLAN_AGG_SUM, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT)),
        agg(PLAN_AGG_MIN, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT)),
        agg(PLAN_AGG_MAX, QE_TYPE_DOUBLE, QE_TYPE_DOUBLE, col(fx, 3, QE_TYPE_DOUBLE)),
        agg(PLAN_AGG_AVG, QE_TYPE_DOUBLE, QE_TYPE_DOUBLE, col(fx, 3, QE_TYPE_DOUBLE)),
    };
    for (int i = 0; i < 5; i++)
        aggs[i].n_column = 2;
    plan_op *source;
    agg_pair(fx, PLAN_AGG_FINAL, 4, ops[1]->types, 1, groups, 5, aggs, &ops[2], &source);
    plan_op *ops1[2] = {source, result(fx, source->n_cols, source->types)};
    plan_query *q = query(fx, pipeline(fx, 0, 3, ops), pipeline(fx, 1, 2, ops1));
    assert_int_equal(compare_modes(fx, q, 0x1), 8);

    /* no GROUP BY: one row, also when the filter rejects everything */
    for (int empty = 0; empty < 2; empty++) {
        plan_op *g[4];
        g[0] = scan(fx, "t", 5, t_types);
        g[1] = filter(fx, 5, t_types,
                      op(fx, PLAN_OP_LT, QE_TYPE_BOOLEAN, col(fx, 1, QE_TYPE_BIGINT),
                         cint(fx, empty ? -1000 : 500, QE_TYPE_BIGINT)));
        plan_agg gaggs[3] = {
            agg(PLAN_AGG_COUNT_STAR, QE_TYPE_BIGINT, QE_TYPE_BIGINT, NULL),
            agg(PLAN_AGG_SUM, QE_TYPE_DOUBLE, QE_TYPE_DOUBLE, col(fx, 3, QE_TYPE_DOUBLE)),
            agg(PLAN_AGG_MIN, QE_TYPE_INTEGER, QE_TYPE_BIGINT, col(fx, 0, QE_TYPE_INTEGER)),
        };
        agg_pair(fx, PLAN_AGG_SINGLE, 5, t_types, 0, NULL, 3, gaggs, &g[2], &source);
        plan_op *g1[2] = {source, result(fx, source->n_cols, source->types)};
        q = query(fx, pipeline(fx, 0, 3, g), pipeline(fx, 1, 2, g1));
        assert_int_equal(compare_modes(fx, q, 0x1), 1);
    }
}

/* A push pipeline with arithmetic, comparisons, three-valued logic, casts, IS NULL and a
 * VARCHAR column passed through; more than RT_VECTOR_SIZE rows per morsel reach the
 * sink, so the scratch batch is pushed mid-morsel. */
static void test_push_expressions(void **state) {
    fixture *fx = *state;
    plan_expr *a = col(fx, 0, QE_TYPE_INTEGER), *b = col(fx, 1, QE_TYPE_BIGINT);
    plan_expr *d = col(fx, 3, QE_TYPE_DOUBLE), *e = col(fx, 4, QE_TYPE_BOOLEAN);
    /* (a <> 0 AND b / a > 2) OR c IS NULL OR NOT e */
    plan_expr *pred =
        op(fx, PLAN_OP_OR, QE_TYPE_BOOLEAN,
           op(fx, PLAN_OP_OR, QE_TYPE_BOOLEAN,
              op(fx, PLAN_OP_AND, QE_TYPE_BOOLEAN,
                 op(fx, PLAN_OP_NE, QE_TYPE_BOOLEAN, a, cint(fx, 0, QE_TYPE_INTEGER)),
                 op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN,
                    op(fx, PLAN_OP_DIV, QE_TYPE_BIGINT, b, cast(fx, a, QE_TYPE_BIGINT)),
                    cint(fx, 2, QE_TYPE_BIGINT))),
              op(fx, PLAN_OP_IS_NULL, QE_TYPE_BOOLEAN, col(fx, 2, QE_TYPE_VARCHAR), NULL)),
           op(fx, PLAN_OP_NOT, QE_TYPE_BOOLEAN, e, NULL));
    plan_expr *exprs[12] = {
        op(fx, PLAN_OP_ADD, QE_TYPE_INTEGER, a, cint(fx, 1, QE_TYPE_INTEGER)),
        op(fx, PLAN_OP_MUL, QE_TYPE_BIGINT, b, cint(fx, -3, QE_TYPE_BIGINT)),
        col(fx, 2, QE_TYPE_VARCHAR),
        cast(fx, d, QE_TYPE_INTEGER),
        op(fx, PLAN_OP_MOD, QE_TYPE_BIGINT, b, cint(fx, 7, QE_TYPE_BIGINT)),
        op(fx, PLAN_OP_DIV, QE_TYPE_DOUBLE, d, cdouble(fx, 3.0)),
        op(fx, PLAN_OP_OR, QE_TYPE_BOOLEAN, e,
           op(fx, PLAN_OP_LE, QE_TYPE_BOOLEAN, d, cdouble(fx, 0))),
        op(fx, PLAN_OP_IS_NOT_NULL, QE_TYPE_BOOLEAN, a, NULL),
        op(fx, PLAN_OP_NEG, QE_TYPE_DOUBLE, d, NULL),
        op(fx, PLAN_OP_SUB, QE_TYPE_BIGINT, cnull(fx, QE_TYPE_BIGINT), b),
        cast(fx, e, QE_TYPE_INTEGER),
        cast(fx, op(fx, PLAN_OP_MOD, QE_TYPE_DOUBLE, d, cdouble(fx, 2.5)), QE_TYPE_BOOLEAN),
    };
    plan_query *q = push_query(fx, "t", pred, 12, exprs);
    assert_true(compare_modes(fx, q, 0x1) > 1000);
    /* no filter: every row reaches the sink (three scratch pushes per chunk) */
    q = push_query(fx, "t", NULL, 12, exprs);
    assert_int_equal(compare_modes(fx, q, 0x1), T_ROWS);
}

/* True if the optimized IR of q's pipeline pushes the morsel's vectors (pass-through;
 * no copied rows). */
static bool takes_pass(const plan_query *q) {
    return ir_has(q, CG_TIER_OPTIMIZED, "%pass_sel = alloca", "call ptr @rt_jit_scratch(");
}

/* A push sink fed with morsel columns unchanged (FILTERs and column-reference PROJECTs,
 * reordered, dropped, repeated, VARCHAR and NULLs included) gets the morsel's vectors
 * with a selection instead of copied rows; a computed column (even a same-type cast)
 * keeps the scratch batch. */
static void test_push_pass(void **state) {
    fixture *fx = *state;
    plan_expr *a = col(fx, 0, QE_TYPE_INTEGER), *b = col(fx, 1, QE_TYPE_BIGINT);
    plan_expr *pred = op(fx, PLAN_OP_OR, QE_TYPE_BOOLEAN,
                         op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN, b, cint(fx, 20, QE_TYPE_BIGINT)),
                         op(fx, PLAN_OP_IS_NULL, QE_TYPE_BOOLEAN, a, NULL));
    plan_expr *exprs[5] = {col(fx, 2, QE_TYPE_VARCHAR), col(fx, 0, QE_TYPE_INTEGER),
                           col(fx, 4, QE_TYPE_BOOLEAN), col(fx, 0, QE_TYPE_INTEGER),
                           col(fx, 3, QE_TYPE_DOUBLE)};
    plan_query *q = push_query(fx, "t", pred, 5, exprs);
    size_t n = compare_modes(fx, q, 0x1);
    assert_true(n > 1000 && n < T_ROWS);
    assert_true(takes_pass(q));
    /* no filter: the interpreter hands the morsels on as they are; nothing to compile */
    q = push_query(fx, "t", NULL, 5, exprs);
    assert_int_equal(compare_modes(fx, q, 0x0), T_ROWS);
    /* no row passes */
    plan_expr *none = op(fx, PLAN_OP_LT, QE_TYPE_BOOLEAN, b, cint(fx, -1000, QE_TYPE_BIGINT));
    q = push_query(fx, "t", none, 5, exprs);
    assert_int_equal(compare_modes(fx, q, 0x1), 0);
    assert_true(takes_pass(q));
    /* a computed column: copied into the scratch batch */
    exprs[4] = op(fx, PLAN_OP_ADD, QE_TYPE_INTEGER, a, cint(fx, 1, QE_TYPE_INTEGER));
    q = push_query(fx, "t", pred, 5, exprs);
    assert_int_equal(compare_modes(fx, q, 0x1), n);
    assert_false(takes_pass(q));
}

/* Runtime errors: 22003 for overflow (arithmetic, negation, casts), 22012 for division
 * by zero, identical in both modes; NULL rows never raise. */
static void test_errors(void **state) {
    fixture *fx = *state;
    plan_expr *a = col(fx, 0, QE_TYPE_INTEGER);
    plan_expr *cases[6] = {
        op(fx, PLAN_OP_ADD, QE_TYPE_INTEGER, a, cint(fx, 1, QE_TYPE_INTEGER)),
        op(fx, PLAN_OP_MUL, QE_TYPE_INTEGER, a, cint(fx, 2, QE_TYPE_INTEGER)),
        op(fx, PLAN_OP_DIV, QE_TYPE_INTEGER, cint(fx, 1, QE_TYPE_INTEGER),
           op(fx, PLAN_OP_SUB, QE_TYPE_INTEGER, a, cint(fx, 4, QE_TYPE_INTEGER))),
        op(fx, PLAN_OP_MOD, QE_TYPE_INTEGER, a, op(fx, PLAN_OP_SUB, QE_TYPE_INTEGER, a, a)),
        cast(fx, op(fx, PLAN_OP_MUL, QE_TYPE_DOUBLE, cast(fx, a, QE_TYPE_DOUBLE), cdouble(fx, 2)),
             QE_TYPE_INTEGER),
        op(fx, PLAN_OP_NEG, QE_TYPE_INTEGER,
           op(fx, PLAN_OP_SUB, QE_TYPE_INTEGER, op(fx, PLAN_OP_NEG, QE_TYPE_INTEGER, a, NULL),
              cint(fx, 1, QE_TYPE_INTEGER)),
           NULL),
    };
    const char *states[6] = {"22003", "22003", "22012", "22012", "22003", "22003"};
    for (int i = 0; i < 6; i++) {
        plan_query *q = push_query(fx, "big", NULL, 1, &cases[i]);
        cg_stage_code *code;
        rt_error err;
        assert_int_equal(cg_compile_stage(fx->jit, q, 0, CG_TIER_OPTIMIZED, &code, &err), QE_OK);
        rows r = {0};
        assert_int_not_equal(run(fx, q, cg_stage_functions(code), 1, &r, &err), QE_OK);
        assert_string_equal(err.sqlstate, states[i]);
        rows_free(&r);
        cg_stage_code_destroy(code);
        compare_modes(fx, q, 0x1);
    }
    /* guarded by AND: never divides by zero */
    plan_expr *guarded =
        op(fx, PLAN_OP_AND, QE_TYPE_BOOLEAN,
           op(fx, PLAN_OP_NE, QE_TYPE_BOOLEAN, a, cint(fx, 0, QE_TYPE_INTEGER)),
           op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN,
              op(fx, PLAN_OP_DIV, QE_TYPE_INTEGER, cint(fx, 100, QE_TYPE_INTEGER), a),
              cint(fx, 30, QE_TYPE_INTEGER)));
    plan_expr *one = col(fx, 1, QE_TYPE_BIGINT);
    assert_true(compare_modes(fx, push_query(fx, "big", guarded, 1, &one), 0x1) > 0);
}

/* ---- random expressions: differential test against the interpreter ----------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33) % n;
}

static plan_expr *random_expr(fixture *fx, qe_type t, int depth);

static plan_expr *random_leaf(fixture *fx, qe_type t) {
    static const int64_t ints[] = {0, 1, -1, 2, 3, 7, -100, 1000, INT32_MAX, INT32_MIN};
    static const double dbls[] = {0.0, -0.0, 0.5, -2.25, 3.0, 1e300, -1e300, 2.5};
    static const uint32_t cols[] = {
        [QE_TYPE_INTEGER] = 0, [QE_TYPE_BIGINT] = 1, [QE_TYPE_DOUBLE] = 3, [QE_TYPE_BOOLEAN] = 4};
    uint32_t r = rnd(10);
    if (r < 5)
        return col(fx, cols[t], t);
    if (r == 5)
        return cnull(fx, t);
    if (t == QE_TYPE_DOUBLE)
        return cdouble(fx, dbls[rnd(8)]);
    if (t == QE_TYPE_BOOLEAN) {
        plan_expr *e = cint(fx, 0, t);
        e->u.value.u.b = rnd(2);
        return e;
    }
    int64_t v = ints[rnd(10) < 8 ? rnd(8) : rnd(10)]; /* extremes now and then */
    if (t == QE_TYPE_BIGINT && rnd(10) == 0)
        v = rnd(2) ? INT64_MAX : INT64_MIN;
    return cint(fx, v, t);
}

static qe_type random_type(void) {
    static const qe_type types[] = {QE_TYPE_BOOLEAN, QE_TYPE_INTEGER, QE_TYPE_BIGINT,
                                    QE_TYPE_DOUBLE};
    return types[rnd(4)];
}

static plan_expr *random_bool(fixture *fx, int depth) {
    switch (rnd(7)) {
    case 0:
    case 1: {
        qe_type t = random_type();
        plan_op_kind k = (plan_op_kind)(PLAN_OP_EQ + rnd(6));
        return op(fx, k, QE_TYPE_BOOLEAN, random_expr(fx, t, depth - 1),
                  random_expr(fx, t, depth - 1));
    }
    case 2:
    case 3:
        return op(fx, rnd(2) ? PLAN_OP_AND : PLAN_OP_OR, QE_TYPE_BOOLEAN,
                  random_expr(fx, QE_TYPE_BOOLEAN, depth - 1),
                  random_expr(fx, QE_TYPE_BOOLEAN, depth - 1));
    case 4:
        return op(fx, PLAN_OP_NOT, QE_TYPE_BOOLEAN, random_expr(fx, QE_TYPE_BOOLEAN, depth - 1),
                  NULL);
    case 5:
        return op(fx, rnd(2) ? PLAN_OP_IS_NULL : PLAN_OP_IS_NOT_NULL, QE_TYPE_BOOLEAN,
                  random_expr(fx, random_type(), depth - 1), NULL);
    default: return cast(fx, random_expr(fx, random_type(), depth - 1), QE_TYPE_BOOLEAN);
    }
}

static plan_expr *random_expr(fixture *fx, qe_type t, int depth) {
    if (depth <= 0 || rnd(4) == 0)
        return random_leaf(fx, t);
    if (t == QE_TYPE_BOOLEAN)
        return random_bool(fx, depth);
    uint32_t r = rnd(8);
    if (r < 5)
        return op(fx, (plan_op_kind)(PLAN_OP_ADD + r), t, random_expr(fx, t, depth - 1),
                  random_expr(fx, t, depth - 1));
    if (r == 5)
        return op(fx, PLAN_OP_NEG, t, random_expr(fx, t, depth - 1), NULL);
    return cast(fx, random_expr(fx, random_type(), depth - 1), t);
}

/* Random filters and projections over every supported type: both modes must return
 * the same rows, or both fail (which error may differ when rows fail differently). */
static void test_random_expressions(void **state) {
    fixture *fx = *state;
    rng_state = 42;
    fx->any_error = true;
    size_t n_ok = 0;
    for (int i = 0; i < 200; i++) {
        plan_expr *exprs[3];
        for (int k = 0; k < 3; k++)
            exprs[k] = random_expr(fx, random_type(), 4);
        plan_expr *pred = rnd(3) ? random_expr(fx, QE_TYPE_BOOLEAN, 3) : NULL;
        n_ok += compare_modes(fx, push_query(fx, "t", pred, 3, exprs), 0x1) > 0;
    }
    fx->any_error = false;
    print_message("%zu of 200 random cases returned rows\n", n_ok);
    assert_true(n_ok > 50); /* enough cases got past errors and filters */
}

static plan_expr *cinterval(fixture *fx, int32_t months, int32_t days, int64_t micros) {
    plan_expr *e = expr_new(fx, PLAN_EXPR_CONST, QE_TYPE_INTERVAL);
    e->u.value.type = QE_TYPE_INTERVAL;
    e->u.value.u.iv.months = months;
    e->u.value.u.iv.days = days;
    e->u.value.u.iv.micros = micros;
    return e;
}

/* INTERVAL values compile (expr_interval.c): interval * / DOUBLE (NULLs from d), +, unary
 * minus, TIMESTAMP +- INTERVAL, TIMESTAMP - TIMESTAMP, comparisons in a FILTER and a
 * PROJECT, an interval group key (fused, bitwise) with SUM/MIN/MAX of intervals, and an
 * overflow's error and position. */
static void test_interval(void **state) {
    fixture *fx = *state;
    const int64_t ts2000 = 946684800LL * 1000000; /* 2000-01-01 00:00:00 */
    plan_expr *iv_d = op(fx, PLAN_OP_MUL, QE_TYPE_INTERVAL, cinterval(fx, 1, 2, 3600000000LL),
                         col(fx, 3, QE_TYPE_DOUBLE));
    plan_expr *ts =
        op(fx, PLAN_OP_ADD, QE_TYPE_TIMESTAMP, cint(fx, ts2000, QE_TYPE_TIMESTAMP), iv_d);
    plan_expr *exprs[6] = {
        iv_d,
        ts,
        op(fx, PLAN_OP_SUB, QE_TYPE_INTERVAL, ts, cint(fx, ts2000 / 3, QE_TYPE_TIMESTAMP)),
        op(fx, PLAN_OP_ADD, QE_TYPE_INTERVAL, op(fx, PLAN_OP_NEG, QE_TYPE_INTERVAL, iv_d, NULL),
           cinterval(fx, 0, 31, 0)),
        op(fx, PLAN_OP_DIV, QE_TYPE_INTERVAL, iv_d, col(fx, 3, QE_TYPE_DOUBLE)),
        op(fx, PLAN_OP_GE, QE_TYPE_BOOLEAN, iv_d, cinterval(fx, 0, 30 * 50, 0)),
    };
    plan_expr *pred = op(fx, PLAN_OP_LT, QE_TYPE_BOOLEAN,
                         op(fx, PLAN_OP_SUB, QE_TYPE_TIMESTAMP, ts, cinterval(fx, 12, 0, 0)),
                         cint(fx, ts2000 + 86400000000LL * 3000, QE_TYPE_TIMESTAMP));
    assert_true(compare_modes(fx, push_query(fx, "t", pred, 6, exprs), 0x1) > 100);

    /* an interval group key computed in a PROJECT (the fused lookup, two words) and
     * fused interval states: SUM (field by field), MIN and MAX (by span) */
    qe_type in[2] = {QE_TYPE_INTERVAL, QE_TYPE_INTERVAL};
    plan_op *ops[4];
    ops[0] = scan(fx, "t", 5, t_types);
    plan_expr *kv[2] = {op(fx, PLAN_OP_MUL, QE_TYPE_INTERVAL, cinterval(fx, 1, 1, 1),
                           cast(fx, col(fx, 0, QE_TYPE_INTEGER), QE_TYPE_DOUBLE)),
                        op(fx, PLAN_OP_MUL, QE_TYPE_INTERVAL, cinterval(fx, 1, -29, 7),
                           col(fx, 3, QE_TYPE_DOUBLE))};
    ops[1] = project(fx, 2, kv);
    plan_expr *groups[1] = {col(fx, 0, QE_TYPE_INTERVAL)};
    const qe_type iv = QE_TYPE_INTERVAL;
    plan_agg aggs[4] = {agg(PLAN_AGG_COUNT_STAR, QE_TYPE_BIGINT, QE_TYPE_BIGINT, NULL),
                        agg(PLAN_AGG_SUM, iv, iv, col(fx, 1, iv)),
                        agg(PLAN_AGG_MIN, iv, iv, col(fx, 1, iv)),
                        agg(PLAN_AGG_MAX, iv, iv, col(fx, 1, iv))};
    plan_op *source;
    agg_pair(fx, PLAN_AGG_SINGLE, 2, in, 1, groups, 4, aggs, &ops[2], &source);
    plan_op *fin[2] = {source, result(fx, source->n_cols, source->types)};
    assert_int_equal(
        compare_modes(fx, query(fx, pipeline(fx, 0, 3, ops), pipeline(fx, 1, 2, fin)), 0x1),
        8); /* a in -3..3 and NULL */

    /* 2^30 months * |d| > 2: 22003 "interval out of range" at the product's position */
    plan_expr *big = op(fx, PLAN_OP_MUL, QE_TYPE_INTERVAL, cinterval(fx, 1 << 30, 0, 0),
                        col(fx, 3, QE_TYPE_DOUBLE));
    compare_modes(fx, push_query(fx, "t", NULL, 1, &big), 0x1);
}

/* Unsupported operators and types fall back with a reason; the rest still compiles. */
/* Scan(t) -> [Project(a + 1, c)] -> [Filter(b > 0)] -> DistinctOn(keys) -> Result, on
 * one thread (an ordered pipeline, as after a SortSource). */
static plan_query *distinct_on_query(fixture *fx, bool computed, bool filtered, uint32_t n_keys,
                                     const uint32_t *keys) {
    plan_op *ops[5];
    uint32_t k = 0;
    const qe_type *types = t_types;
    uint32_t n = 5;
    ops[k++] = scan(fx, "t", 5, t_types);
    if (computed) {
        plan_expr *pe[2] = {op(fx, PLAN_OP_ADD, QE_TYPE_INTEGER, col(fx, 0, QE_TYPE_INTEGER),
                               cint(fx, 1, QE_TYPE_INTEGER)),
                            col(fx, 2, QE_TYPE_VARCHAR)};
        ops[k] = project(fx, 2, pe);
        types = ops[k++]->types;
        n = 2;
    }
    if (filtered)
        ops[k++] = filter(fx, 5, t_types,
                          op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN, col(fx, 1, QE_TYPE_BIGINT),
                             cint(fx, 0, QE_TYPE_BIGINT)));
    plan_op *d = phys(fx, PLAN_PHYS_DISTINCT_ON, n, types);
    d->u.distinct_on.n_keys = n_keys;
    d->u.distinct_on.cols = alloc(fx, sizeof(uint32_t) * n_keys);
    memcpy(d->u.distinct_on.cols, keys, sizeof(uint32_t) * n_keys);
    ops[k++] = d;
    ops[k++] = result(fx, n, types);
    plan_pipeline *p = pipeline(fx, 0, k, ops);
    p->ordered = true;
    return query(fx, p, NULL);
}

/* DISTINCT ON compiles when its keys are morsel columns (fixed-width keys of up to 8
 * bytes compared in IR, others by rt_jit_distinct_on_row): a BOOLEAN key whose value
 * repeats across the morsels' boundaries (rows 2047/2048 and 4095/4096: the previous
 * morsel's last row is kept by rt_jit_distinct_on_keep), an INTEGER and a VARCHAR key
 * with NULLs, rows a FILTER drops in between; the same rows as the interpreter. */
static void test_distinct_on(void **state) {
    fixture *fx = *state;
    uint32_t e_key[1] = {4}, ac_keys[2] = {0, 2}, b_key[1] = {1}, be_keys[2] = {1, 4};
    size_t n_e = compare_modes(fx, distinct_on_query(fx, false, false, 1, e_key), 0x1);
    assert_true(n_e > 100 && n_e < T_ROWS);
    assert_true(compare_modes(fx, distinct_on_query(fx, false, true, 2, ac_keys), 0x1) > 100);
    assert_true(compare_modes(fx, distinct_on_query(fx, false, false, 2, ac_keys), 0x1) > 100);
    /* column b has no validity bitmap: compared in IR, its rows read as never NULL */
    assert_true(compare_modes(fx, distinct_on_query(fx, false, false, 1, b_key), 0x1) > 100);
    assert_true(compare_modes(fx, distinct_on_query(fx, false, true, 2, be_keys), 0x1) > 100);
}

static void test_fallback(void **state) {
    fixture *fx = *state;
    uint32_t key0[1] = {0};
    plan_query *q = distinct_on_query(fx, true, false, 1, key0);
    cg_stage_code *code;
    rt_error err;
    assert_int_equal(cg_compile_stage(fx->jit, q, 0, CG_TIER_OPTIMIZED, &code, &err), QE_OK);
    assert_null(cg_stage_functions(code)[0]);
    assert_string_equal(cg_stage_fallback(code, 0),
                        "a DISTINCT ON key that is computed is not supported by codegen yet");
    cg_stage_code_destroy(code);

    /* source straight into a push sink: nothing to compile */
    plan_op *direct[2] = {scan(fx, "t", 5, t_types), result(fx, 5, t_types)};
    q = query(fx, pipeline(fx, 0, 2, direct), NULL);
    assert_int_equal(cg_compile_stage(fx->jit, q, 0, CG_TIER_OPTIMIZED, &code, &err), QE_OK);
    assert_null(cg_stage_functions(code)[0]);
    assert_string_equal(cg_stage_fallback(code, 0),
                        "nothing to compile: the source feeds the sink directly");
    cg_stage_code_destroy(code);

    plan_expr *concat = op(fx, PLAN_OP_CONCAT, QE_TYPE_VARCHAR, col(fx, 2, QE_TYPE_VARCHAR),
                           col(fx, 2, QE_TYPE_VARCHAR));
    q = push_query(fx, "t", NULL, 1, &concat);
    /* || compiles now (expr_str.c), its computed strings stored through the scratch
     * vector's heap */
    assert_int_equal(cg_compile_stage(fx->jit, q, 0, CG_TIER_OPTIMIZED, &code, &err), QE_OK);
    assert_non_null(cg_stage_functions(code)[0]);
    cg_stage_code_destroy(code);
    compare_modes(fx, q, 0x1);

    /* a malformed plan is an internal error, not a crash */
    plan_expr *bad = col(fx, 9, QE_TYPE_INTEGER);
    q = push_query(fx, "t", NULL, 1, &bad);
    assert_int_equal(cg_compile_stage(fx->jit, q, 0, CG_TIER_OPTIMIZED, &code, &err), QE_INTERNAL);
    assert_string_equal(err.sqlstate, "XX000");
    assert_null(code);
}

/* A hash join of t with t: Scan -> Filter(b < build_below) -> HashJoinBuild (every
 * column of t), then Scan -> Filter(b < 0) -> HashJoinProbe(kind, keys, residual) ->
 * Project (probe a, b; build b, d or the mark) -> Result. */
static plan_query *join_query(fixture *fx, plan_join_kind kind, uint32_t n_keys,
                              const uint32_t *keys, bool residual, int64_t build_below) {
    plan_op *b_ops[3];
    b_ops[0] = scan(fx, "t", 5, t_types);
    b_ops[1] = filter(fx, 5, t_types,
                      op(fx, PLAN_OP_LT, QE_TYPE_BOOLEAN, col(fx, 1, QE_TYPE_BIGINT),
                         cint(fx, build_below, QE_TYPE_BIGINT)));
    b_ops[2] = phys(fx, PLAN_PHYS_HASH_JOIN_BUILD, 5, t_types);
    bool pairs = kind != PLAN_JOIN_SEMI && kind != PLAN_JOIN_ANTI && kind != PLAN_JOIN_MARK;
    qe_type out[11];
    memcpy(out, t_types, sizeof t_types);
    memcpy(out + 5, t_types, sizeof t_types);
    out[5] = kind == PLAN_JOIN_MARK ? QE_TYPE_BOOLEAN : out[5];
    uint32_t n_out = pairs ? 10 : kind == PLAN_JOIN_MARK ? 6 : 5;
    plan_op *probe = phys(fx, PLAN_PHYS_HASH_JOIN_PROBE, n_out, out);
    plan_op *both[2] = {b_ops[2], probe};
    for (int i = 0; i < 2; i++) {
        both[i]->u.join.kind = kind;
        both[i]->u.join.n_keys = n_keys;
        both[i]->u.join.probe_keys = alloc(fx, sizeof(uint32_t) * (n_keys + 1));
        both[i]->u.join.build_keys = alloc(fx, sizeof(uint32_t) * (n_keys + 1));
        if (n_keys > 0) { /* a CROSS join has no keys (keys may be NULL) */
            memcpy(both[i]->u.join.probe_keys, keys, sizeof(uint32_t) * n_keys);
            memcpy(both[i]->u.join.build_keys, keys, sizeof(uint32_t) * n_keys);
        }
        both[i]->u.join.n_build_cols = 5;
    }
    if (residual) /* probe b + build b > -150 */
        probe->u.join.residual = op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN,
                                    op(fx, PLAN_OP_ADD, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT),
                                       col(fx, 6, QE_TYPE_BIGINT)),
                                    cint(fx, -150, QE_TYPE_BIGINT));
    plan_op *p_ops[5];
    p_ops[0] = scan(fx, "t", 5, t_types);
    p_ops[1] = filter(fx, 5, t_types,
                      op(fx, PLAN_OP_LT, QE_TYPE_BOOLEAN, col(fx, 1, QE_TYPE_BIGINT),
                         cint(fx, 0, QE_TYPE_BIGINT)));
    p_ops[2] = probe;
    plan_expr *pe[4] = {col(fx, 0, QE_TYPE_INTEGER), col(fx, 1, QE_TYPE_BIGINT)};
    uint32_t n_pe = 2;
    if (pairs) {
        pe[n_pe++] = col(fx, 6, QE_TYPE_BIGINT);
        pe[n_pe++] = col(fx, 8, QE_TYPE_DOUBLE);
    } else if (kind == PLAN_JOIN_MARK) {
        pe[n_pe++] = col(fx, 5, QE_TYPE_BOOLEAN);
    }
    p_ops[3] = project(fx, n_pe, pe);
    p_ops[4] = result(fx, n_pe, p_ops[3]->types);
    return query(fx, pipeline(fx, 0, 3, b_ops), pipeline(fx, 1, 5, p_ops));
}

/* join_query's rows in every mode; both pipelines compile. */
static size_t join_case(fixture *fx, plan_join_kind kind, uint32_t n_keys, const uint32_t *keys,
                        bool residual, int64_t build_below) {
    return compare_modes(fx, join_query(fx, kind, n_keys, keys, residual, build_below), 0x3);
}

/* The probe pre-pass (join.c) at the optimized tier: an INNER probe after a FILTER
 * passes over rows without a chain in a tight loop (pre_scan), and after hashing a
 * chunk calls rt_jit_join_chains (the heads, then for a big table the chain rounds
 * prefetching the candidates' build columns, described by the constant @pre_chains);
 * the cheap tier reads the heads itself, without the call. */
static void test_join_prepass(void **state) {
    fixture *fx = *state;
    const uint32_t k_a[1] = {0};
    plan_query *q = join_query(fx, PLAN_JOIN_INNER, 1, k_a, false, -50);
    char *ir = NULL;
    rt_error err;
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_OPTIMIZED, NULL, &ir, &err), QE_OK);
    assert_non_null(strstr(ir, "\npre_scan:"));
    assert_non_null(strstr(ir, "call void @rt_jit_join_chains("));
    assert_non_null(strstr(ir, "@pre_chains = private unnamed_addr constant"));
    assert_non_null(strstr(ir, "@llvm.prefetch"));
    free(ir);
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_CHEAP, NULL, &ir, &err), QE_OK);
    assert_null(strstr(ir, "call void @rt_jit_join_chains("));
    free(ir);
}

/* Compiled hash joins (build sink and probe) give the interpreter's rows: every
 * probe-side join kind, INTEGER/DOUBLE/multi-column keys with NULLs (MARK's too:
 * INTEGER and BOOLEAN, INTEGER and VARCHAR), duplicates,
 * a residual, an empty build side, and SINGLE's 21000 error. */
static void test_join(void **state) {
    fixture *fx = *state;
    const uint32_t k_a[1] = {0}, k_d[1] = {3}, k_ae[2] = {0, 4}, k_ac[2] = {0, 2};
    const plan_join_kind kinds[] = {PLAN_JOIN_INNER, PLAN_JOIN_LEFT, PLAN_JOIN_SEMI, PLAN_JOIN_ANTI,
                                    PLAN_JOIN_MARK};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t n = join_case(fx, kinds[i], 1, k_a, false, -50);
        assert_true(n > 0);
        join_case(fx, kinds[i], 1, k_a, true, -50);
        join_case(fx, kinds[i], 1, k_d, false, 500);
        join_case(fx, kinds[i], 2, k_ae, true, -50);
        if (kinds[i] == PLAN_JOIN_MARK) { /* several keys: NULL marks by rt_jit_mark_maybe */
            join_case(fx, kinds[i], 2, k_ae, false, -50);
            join_case(fx, kinds[i], 2, k_ac, false, 300);
        }
        join_case(fx, kinds[i], 1, k_a, false, -1000); /* empty build side */
    }
    assert_true(join_case(fx, PLAN_JOIN_CROSS, 0, NULL, true, -95) > 0);
    /* SINGLE: at most one build row per key (one row with b < -99: b = -100) */
    join_case(fx, PLAN_JOIN_SINGLE, 1, k_d, false, -99);
    join_case(fx, PLAN_JOIN_SINGLE, 1, k_a, false, -50); /* 21000 */
}

/* cg_emit: the skeleton pipeline's IR is a real loop (phi + back-edge) with compiled group
 * lookup (an INTEGER key: rt_jit_push only in the big-table block path); assembly
 * too. */
static void test_emit(void **state) {
    fixture *fx = *state;
    qe_type ab[2] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT};
    plan_op *ops[4];
    ops[0] = scan(fx, "t", 2, ab);
    ops[1] = filter(fx, 2, ab,
                    op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN, col(fx, 1, QE_TYPE_BIGINT),
                       cint(fx, 10, QE_TYPE_BIGINT)));
    plan_expr *pe[2] = {col(fx, 0, QE_TYPE_INTEGER), col(fx, 1, QE_TYPE_BIGINT)};
    ops[2] = project(fx, 2, pe);
    plan_expr *groups[1] = {col(fx, 0, QE_TYPE_INTEGER)};
    plan_agg aggs[2] = {
        agg(PLAN_AGG_COUNT_STAR, QE_TYPE_BIGINT, QE_TYPE_BIGINT, NULL),
        agg(PLAN_AGG_SUM, QE_TYPE_BIGINT, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT))};
    plan_op *source;
    agg_pair(fx, PLAN_AGG_PARTIAL, 2, ab, 1, groups, 2, aggs, &ops[3], &source);
    plan_op *lim[3] = {source, phys(fx, PLAN_PHYS_LIMIT, source->n_cols, source->types),
                       result(fx, source->n_cols, source->types)};
    plan_query *q = query(fx, pipeline(fx, 0, 4, ops), pipeline(fx, 1, 3, lim));
    char *ir = NULL;
    rt_error err;
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_OPTIMIZED, NULL, &ir, &err), QE_OK);
    assert_non_null(strstr(ir, "; stage 0 pipeline 0: Scan -> Filter -> Project -> HashAggregate"));
    assert_non_null(strstr(ir, "compiled: qe_s0_p0"));
    assert_non_null(strstr(ir, "compiled: qe_s0_p1")); /* AGG_SOURCE -> Limit -> Result */
    assert_non_null(strstr(ir, "call i32 @rt_jit_limit_row"));
    assert_non_null(strstr(ir, "define i32 @qe_s0_p0(ptr"));
    assert_non_null(strstr(ir, " = phi i64 ")); /* the row loop's induction variable */
    /* compiled group lookup: the table is probed in IR, only new groups call out; the
     * key is a morsel column, so a big table is probed in IR too, with the lookahead
     * (no blocks pushed: test_agg_lookahead) */
    assert_non_null(strstr(ir, "call ptr @rt_jit_agg_table"));
    assert_non_null(strstr(ir, "call i32 @rt_jit_agg_insert"));
    assert_non_null(strstr(ir, "\nahead:"));
    const char *p0 = strstr(ir, "define i32 @qe_s0_p0("), *p1 = strstr(ir, "define i32 @qe_s0_p1(");
    assert_true(p0 != NULL && p1 != NULL && p0 < p1);
    const char *push = strstr(p0, "call i32 @rt_jit_push");
    assert_true(push == NULL || push > p1); /* pipeline 1 pushes its rows to the result */
    assert_non_null(strstr(ir, "llvm.sadd.with.overflow.i64"));
    free(ir);
    char *asm_text = NULL;
    assert_int_equal(cg_emit(q, QE_EMIT_ASM, CG_TIER_OPTIMIZED, "host", &asm_text, &err), QE_OK);
    assert_non_null(strstr(asm_text, "qe_s0_p0:"));
    free(asm_text);
    assert_int_equal(cg_emit(q, QE_EMIT_PHYSICAL, CG_TIER_OPTIMIZED, NULL, &asm_text, &err),
                     QE_MISUSE);
}

/* Leading FILTERs as block loops (block.c): filters over columns with NULLs (an OR:
 * exact path; null-rejecting: fast path plus validity bits) and over b only (no
 * bitmap: the fast path), a division the fast loop only records (the AND guards it),
 * and a real division by zero, raised as the row loop raises it.
 * The optimized IR has the block arrays and a vectorized loop, the cheap tier's none. */
static void test_block_filters(void **state) {
    fixture *fx = *state;
    plan_expr *a = col(fx, 0, QE_TYPE_INTEGER), *b = col(fx, 1, QE_TYPE_BIGINT);
    plan_expr *d = col(fx, 3, QE_TYPE_DOUBLE);
    plan_expr *b_pred =
        op(fx, PLAN_OP_AND, QE_TYPE_BOOLEAN,
           op(fx, PLAN_OP_NE, QE_TYPE_BOOLEAN, b, cint(fx, 0, QE_TYPE_BIGINT)),
           op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN,
              op(fx, PLAN_OP_DIV, QE_TYPE_BIGINT, cint(fx, 1000, QE_TYPE_BIGINT), b),
              cint(fx, 2, QE_TYPE_BIGINT)));
    plan_expr *ad_pred = op(fx, PLAN_OP_OR, QE_TYPE_BOOLEAN,
                            op(fx, PLAN_OP_LT, QE_TYPE_BOOLEAN, a, cint(fx, 1, QE_TYPE_INTEGER)),
                            op(fx, PLAN_OP_GE, QE_TYPE_BOOLEAN, d, cdouble(fx, 100.5)));
    plan_expr *exprs[3] = {a, op(fx, PLAN_OP_MUL, QE_TYPE_BIGINT, b, cint(fx, 3, QE_TYPE_BIGINT)),
                           d};
    plan_op *ops[5];
    ops[0] = scan(fx, "t", 5, t_types);
    ops[1] = filter(fx, 5, t_types, b_pred);
    ops[2] = filter(fx, 5, t_types, ad_pred);
    ops[3] = project(fx, 3, exprs);
    ops[4] = result(fx, 3, ops[3]->types);
    plan_query *q = query(fx, pipeline(fx, 0, 5, ops), NULL);
    size_t n = compare_modes(fx, q, 0x1);
    assert_true(n > 100 && n < T_ROWS / 2);
    /* NOT (a > 1) AND d < 500 rejects NULLs: the fast path despite a's and d's bitmaps,
     * the validity bits dropping the NULL rows */
    ops[1] = filter(fx, 5, t_types,
                    op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN, b, cint(fx, -50, QE_TYPE_BIGINT)));
    ops[2] =
        filter(fx, 5, t_types,
               op(fx, PLAN_OP_AND, QE_TYPE_BOOLEAN,
                  op(fx, PLAN_OP_NOT, QE_TYPE_BOOLEAN,
                     op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN, a, cint(fx, 1, QE_TYPE_INTEGER)), NULL),
                  op(fx, PLAN_OP_LT, QE_TYPE_BOOLEAN, d, cdouble(fx, 500))));
    q = query(fx, pipeline(fx, 0, 5, ops), NULL);
    n = compare_modes(fx, q, 0x1);
    assert_true(n > 100 && n < T_ROWS / 2);
    ops[1] = filter(fx, 5, t_types, b_pred);
    /* both filters over b only: the fast path */
    plan_expr *b_mod = op(fx, PLAN_OP_NE, QE_TYPE_BOOLEAN,
                          op(fx, PLAN_OP_MOD, QE_TYPE_BIGINT, b, cint(fx, 3, QE_TYPE_BIGINT)),
                          cint(fx, 1, QE_TYPE_BIGINT));
    ops[2] = filter(fx, 5, t_types, b_mod);
    q = query(fx, pipeline(fx, 0, 5, ops), NULL);
    n = compare_modes(fx, q, 0x1);
    assert_true(n > 100 && n < T_ROWS / 2);
    char *ir = NULL;
    rt_error err;
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_OPTIMIZED, NULL, &ir, &err), QE_OK);
    assert_non_null(strstr(ir, "%block_pass = alloca"));
    free(ir);
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_CHEAP, NULL, &ir, &err), QE_OK);
    assert_null(strstr(ir, "block_pass"));
    free(ir);
    /* 1000 / (b + 100) divides by zero where b = -100 (row 0 of every 1000) */
    plan_expr *bad = op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN,
                        op(fx, PLAN_OP_DIV, QE_TYPE_BIGINT, cint(fx, 1000, QE_TYPE_BIGINT),
                           op(fx, PLAN_OP_ADD, QE_TYPE_BIGINT, b, cint(fx, 100, QE_TYPE_BIGINT))),
                        cint(fx, 2, QE_TYPE_BIGINT));
    bad->u.op.args[0]->position = 17;
    ops[1] = filter(fx, 5, t_types, bad);
    q = query(fx, pipeline(fx, 0, 5, ops), NULL);
    compare_modes(fx, q, 0x1);
    cg_stage_code *code;
    assert_int_equal(cg_compile_stage(fx->jit, q, 0, CG_TIER_OPTIMIZED, &code, &err), QE_OK);
    rows r = {0};
    assert_int_equal(run(fx, q, cg_stage_functions(code), 2, &r, &err), QE_DATA);
    assert_string_equal(err.sqlstate, "22012");
    assert_int_equal(err.position, 17);
    rows_free(&r);
    cg_stage_code_destroy(code);
    /* range predicates over b: the optimized tier's pass pipeline (module.c) keeps the
     * loop vectorizer for the fast block loop; the cheap tier has no block loops */
    ops[1] = filter(fx, 5, t_types,
                    op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN, b, cint(fx, -50, QE_TYPE_BIGINT)));
    ops[2] = filter(fx, 5, t_types,
                    op(fx, PLAN_OP_LE, QE_TYPE_BOOLEAN, b, cint(fx, 400, QE_TYPE_BIGINT)));
    q = query(fx, pipeline(fx, 0, 5, ops), NULL);
    n = compare_modes(fx, q, 0x1);
    assert_true(n > 100);
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_OPTIMIZED, NULL, &ir, &err), QE_OK);
    assert_non_null(strstr(ir, "llvm.loop.isvectorized"));
    free(ir);
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_CHEAP, NULL, &ir, &err), QE_OK);
    assert_null(strstr(ir, "llvm.loop.isvectorized"));
    free(ir);
}

/* The compiled function sel_wrapper calls, with a selection vector added. */
static rt_pipeline_fn sel_inner;

/* Hands the compiled function each morsel with a selection vector of the rows where
 * column 1 (b, BIGINT, no NULLs) is > 10: the same rows a `b > 10` filter keeps. */
static qe_status sel_wrapper(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *m) {
    uint32_t *sel = malloc(sizeof *sel * (m->n_rows + 1));
    if (sel == NULL || m->sel != NULL)
        return QE_INTERNAL;
    const int64_t *b = m->cols[1].values;
    uint32_t n = 0;
    for (uint32_t r = 0; r < m->n_rows; r++)
        if (b[r] > 10)
            sel[n++] = r;
    rt_batch c = *m;
    c.sel = sel;
    c.n_sel = n;
    qe_status st = sel_inner(ps, ts, &c);
    free(sel);
    return st;
}

/* Morsels with a selection vector take block.c's exact path: the compiled pipeline fed
 * the rows b > 10 as a sel returns what the interpreter returns for a `b > 10 AND`
 * filter over the whole morsels. */
static void test_block_sel_morsels(void **state) {
    fixture *fx = *state;
    plan_expr *a = col(fx, 0, QE_TYPE_INTEGER), *b = col(fx, 1, QE_TYPE_BIGINT);
    plan_expr *d = col(fx, 3, QE_TYPE_DOUBLE);
    plan_expr *b_gt = op(fx, PLAN_OP_GT, QE_TYPE_BOOLEAN, b, cint(fx, 10, QE_TYPE_BIGINT));
    plan_expr *rest = op(fx, PLAN_OP_OR, QE_TYPE_BOOLEAN,
                         op(fx, PLAN_OP_LT, QE_TYPE_BOOLEAN, a, cint(fx, 1, QE_TYPE_INTEGER)),
                         op(fx, PLAN_OP_GE, QE_TYPE_BOOLEAN, d, cdouble(fx, 100.5)));
    plan_expr *exprs[3] = {a, b, d};
    plan_query *with_b =
        push_query(fx, "t", op(fx, PLAN_OP_AND, QE_TYPE_BOOLEAN, b_gt, rest), 3, exprs);
    plan_query *without_b = push_query(fx, "t", rest, 3, exprs);
    cg_stage_code *code;
    rt_error err;
    assert_int_equal(cg_compile_stage(fx->jit, without_b, 0, CG_TIER_OPTIMIZED, &code, &err),
                     QE_OK);
    sel_inner = cg_stage_functions(code)[0];
    assert_non_null(sel_inner);
    rt_pipeline_fn wrapped[1] = {sel_wrapper};
    for (uint32_t threads = 1; threads <= 3; threads += 2) {
        rows interp = {0}, jit = {0};
        assert_int_equal(run(fx, with_b, NULL, threads, &interp, &err), QE_OK);
        assert_int_equal(run(fx, without_b, wrapped, threads, &jit, &err), QE_OK);
        assert_true(interp.n > 100);
        assert_int_equal(interp.n, jit.n);
        for (size_t i = 0; i < interp.n; i++)
            assert_string_equal(interp.lines[i], jit.lines[i]);
        rows_free(&interp);
        rows_free(&jit);
    }
    cg_stage_code_destroy(code);
}

/* Morsels of pipeline `pipe` of q's stage run interpreted and compiled with fns. */
static void morsel_counts(fixture *fx, const plan_query *q, const rt_pipeline_fn *fns,
                          uint32_t pipe, uint64_t *interpreted, uint64_t *compiled) {
    rows out = {0};
    rt_result_sink sink = {.push = collect, .ctx = &out};
    rt_pipeline_stats stats[2] = {0};
    rt_task task = {.query = q,
                    .stage = q->stages[0],
                    .n_tasks = 1,
                    .catalog = fx->catalog,
                    .result = &sink,
                    .compiled = fns,
                    .n_threads = 1,
                    .pipe_stats = stats};
    rt_error err;
    assert_int_equal(rt_task_run(&task, NULL, &err), QE_OK);
    rows_free(&out);
    *interpreted = stats[pipe].morsels_interpreted;
    *compiled = stats[pipe].morsels_compiled;
}

/* Scan columns marked NULL-free (plan_op.u.scan.no_nulls) are read without validity
 * checks; a morsel where such a column has a bitmap after all runs interpreted
 * (rt_jit_interpret), between compiled morsels of the same thread, into the same
 * aggregation, and gives what the interpreter gives. */
static void test_no_nulls(void **state) {
    fixture *fx = *state;
    qe_type ab[2] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT};
    bool both[2] = {true, true}, only_b[2] = {false, true};
    for (int variant = 0; variant < 2; variant++) {
        plan_op *ops[4];
        scan_b_gt_10(fx, "mix", ops);
        ops[0]->u.scan.no_nulls = variant == 0 ? both : only_b;
        plan_expr *pe[2] = {col(fx, 0, QE_TYPE_INTEGER), col(fx, 1, QE_TYPE_BIGINT)};
        plan_expr *groups[1] = {col(fx, 0, QE_TYPE_INTEGER)};
        plan_agg aggs[3];
        count_sum_count(aggs, fx, QE_TYPE_INTEGER);
        plan_op *source;
        agg_pair(fx, PLAN_AGG_SINGLE, 2, ab, 1, groups, 3, aggs, &ops[3], &source);
        plan_op *fin[2] = {source, result(fx, source->n_cols, source->types)};
        plan_query *q = query(fx, pipeline(fx, 0, 4, ops), pipeline(fx, 1, 2, fin));
        assert_int_equal(compare_modes(fx, q, 0x1), 10); /* a: -4..4 and NULL */

        plan_expr *a_pos = op(fx, PLAN_OP_GE, QE_TYPE_BOOLEAN, col(fx, 0, QE_TYPE_INTEGER),
                              cint(fx, 0, QE_TYPE_INTEGER));
        plan_op *sops[4] = {scan(fx, "mix", 2, ab), filter(fx, 2, ab, a_pos), project(fx, 2, pe),
                            NULL};
        sops[0]->u.scan.no_nulls = ops[0]->u.scan.no_nulls;
        sops[3] = result(fx, 2, ab);
        plan_query *blocked = query(fx, pipeline(fx, 0, 4, sops), NULL);
        assert_true(compare_modes(fx, blocked, 0x1) > 1000);

        for (int t = 0; t < CG_TIER_COUNT; t++) {
            cg_tier tier = (cg_tier)t;
            cg_stage_code *code;
            rt_error err;
            assert_int_equal(cg_compile_stage(fx->jit, q, 0, tier, &code, &err), QE_OK);
            uint64_t interp, comp;
            morsel_counts(fx, q, cg_stage_functions(code), 0, &interp, &comp);
            /* a marked NULL-free: its second chunk's morsels decline */
            assert_int_equal(interp, variant == 0 ? 1 : 0);
            assert_int_equal(comp, variant == 0 ? 2 : 3);
            cg_stage_code_destroy(code);
        }
    }
}

/* A probe reading build columns as NULL-free (plan_op.u.join.build_no_nulls): with b only
 * (no NULLs in t.b) every morsel runs compiled; with d too (t.d has NULLs, so the table's
 * d has a bitmap) every morsel declines to the interpreter; both give the interpreter's
 * rows. */
static void test_build_no_nulls(void **state) {
    fixture *fx = *state;
    uint32_t key[1] = {0};
    bool b_only[5] = {false, true, false, false, false}, b_and_d[5] = {false, true, false, true};
    for (int variant = 0; variant < 2; variant++) {
        plan_query *q = join_query(fx, PLAN_JOIN_INNER, 1, key, false, 500);
        q->stages[0]->pipelines[1]->ops[2]->u.join.build_no_nulls = variant ? b_and_d : b_only;
        assert_true(compare_modes(fx, q, 0x3) > 100);
        for (int t = 0; t < CG_TIER_COUNT; t++) {
            cg_stage_code *code;
            rt_error err;
            assert_int_equal(cg_compile_stage(fx->jit, q, 0, (cg_tier)t, &code, &err), QE_OK);
            uint64_t interp, comp;
            morsel_counts(fx, q, cg_stage_functions(code), 1, &interp, &comp);
            assert_int_equal(interp, variant ? 3 : 0);
            assert_int_equal(comp, variant ? 0 : 3);
            cg_stage_code_destroy(code);
        }
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median wall time (ms) of 20 compiles of q's stage 0 at tier. */
static double median_compile_ms(fixture *fx, const plan_query *q, cg_tier tier) {
    double ms[20];
    uint32_t limit = cg_cache_limit();
    cg_cache_set_limit(0); /* measure LLVM, not the code cache */
    for (int i = 0; i < 20; i++) {
        struct timespec t0, t1;
        cg_stage_code *code = NULL;
        rt_error err;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(cg_compile_stage(fx->jit, q, 0, tier, &code, &err), QE_OK);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        cg_stage_code_destroy(code);
        ms[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    }
    cg_cache_set_limit(limit);
    qsort(ms, 20, sizeof ms[0], cmp_double);
    return (ms[9] + ms[10]) / 2;
}

/* Tiers: names, the cheap tier's artifacts (IR without the O2 passes, assembly for a
 * named CPU), a malformed CPU name, an invalid tier, and the compile time per tier
 * (printed, not asserted: the machine is shared). */
static void test_tiers(void **state) {
    fixture *fx = *state;
    cg_tier t = CG_TIER_OPTIMIZED;
    assert_true(cg_tier_parse("CHEAP", &t) && t == CG_TIER_CHEAP);
    assert_true(cg_tier_parse("optimized", &t) && t == CG_TIER_OPTIMIZED);
    assert_false(cg_tier_parse("fast", &t));
    assert_string_equal(cg_tier_name(CG_TIER_CHEAP), "cheap");
    assert_string_equal(cg_tier_name((cg_tier)7), "?");

    plan_query *q = skeleton_partial_query(fx);
    compare_modes(fx, q, 0x1);

    char *text = NULL;
    rt_error err;
    assert_int_equal(cg_emit(q, QE_EMIT_IR, CG_TIER_CHEAP, NULL, &text, &err), QE_OK);
    assert_non_null(strstr(text, "; tier cheap, cpu "));
    assert_non_null(strstr(text, "define i32 @qe_s0_p0(ptr"));
    free(text);
#if defined(__x86_64__)
    const char *cpu = "x86-64"; /* a CPU of the host's architecture other than the host's */
#else
    const char *cpu = "host";
#endif
    assert_int_equal(cg_emit(q, QE_EMIT_ASM, CG_TIER_CHEAP, cpu, &text, &err), QE_OK);
    assert_non_null(strstr(text, "tier cheap, cpu "));
    assert_non_null(strstr(text, "qe_s0_p0:"));
    free(text);
    assert_int_equal(cg_emit(q, QE_EMIT_ASM, CG_TIER_OPTIMIZED, "bad cpu", &text, &err), QE_MISUSE);
    assert_string_equal(err.sqlstate, "22023");
    assert_null(text);
    cg_stage_code *code = NULL;
    assert_int_equal(cg_compile_stage(fx->jit, q, 0, (cg_tier)9, &code, &err), QE_MISUSE);
    assert_null(code);

    double cheap = median_compile_ms(fx, q, CG_TIER_CHEAP);
    double optimized = median_compile_ms(fx, q, CG_TIER_OPTIMIZED);
    print_message("compile median of 20 (scan-filter-project-aggregate stage): cheap %.2f ms, "
                  "optimized %.2f ms\n",
                  cheap, optimized);
}

/* Code lifetime: the JIT is one per process, and stage code can be compiled and removed
 * many times (ResourceTracker removal). */
static void test_code_lifetime(void **state) {
    fixture *fx = *state;
    cg_jit *again;
    rt_error err;
    assert_int_equal(cg_jit_create(&again, &err), QE_OK);
    assert_ptr_equal(again, fx->jit);
    plan_expr *e = op(fx, PLAN_OP_ADD, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT),
                      cint(fx, 1, QE_TYPE_BIGINT));
    plan_query *q = push_query(fx, "t", NULL, 1, &e);
    for (int i = 0; i < 40; i++) {
        cg_stage_code *code;
        cg_tier tier = (cg_tier)(i % CG_TIER_COUNT);
        assert_int_equal(cg_compile_stage(again, q, 0, tier, &code, &err), QE_OK);
        assert_non_null(cg_stage_functions(code)[0]);
        cg_stage_code_destroy(code);
    }
    cg_jit_destroy(again);
    cg_stage_code_destroy(NULL);
    cg_jit_destroy(NULL);
}

/* The code cache: the same plan shares its code (a hit, no LLVM), another constant or
 * tier compiles; the LRU bound evicts, and evicted code a holder still references stays
 * callable until released; limit 0 turns caching off. */
static void test_code_cache(void **state) {
    fixture *fx = *state;
    rt_error err;
    uint32_t limit = cg_cache_limit();
    cg_cache_set_limit(2);
    plan_query *q[3];
    for (int i = 0; i < 3; i++) {
        plan_expr *e = op(fx, PLAN_OP_ADD, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT),
                          cint(fx, 100 + i, QE_TYPE_BIGINT));
        q[i] = push_query(fx, "t", NULL, 1, &e);
    }
    cg_cache_stats s0, s;
    cg_cache_get_stats(fx->jit, &s0);
    assert_int_equal(s0.limit, 2);
    assert_true(s0.entries <= 2);
    cg_stage_code *a, *b, *c, *d;
    assert_int_equal(cg_compile_stage(fx->jit, q[0], 0, CG_TIER_CHEAP, &a, &err), QE_OK);
    assert_int_equal(cg_compile_stage(fx->jit, q[0], 0, CG_TIER_CHEAP, &b, &err), QE_OK);
    assert_ptr_equal(a, b); /* a hit: the same code */
    cg_stage_code_destroy(b);
    plan_query other = *q[0]; /* another query sharing the stage: a hit too */
    other.n_cols = 0;
    other.is_insert = true;
    assert_int_equal(cg_compile_stage(fx->jit, &other, 0, CG_TIER_CHEAP, &b, &err), QE_OK);
    assert_ptr_equal(a, b);
    cg_cache_get_stats(fx->jit, &s);
    assert_int_equal(s.hits, s0.hits + 2);
    assert_int_equal(s.misses, s0.misses + 1);
    cg_stage_code_destroy(b);
    /* another tier and other constants compile */
    assert_int_equal(cg_compile_stage(fx->jit, q[0], 0, CG_TIER_OPTIMIZED, &c, &err), QE_OK);
    assert_ptr_not_equal(a, c);
    cg_stage_code_destroy(c);
    assert_int_equal(cg_compile_stage(fx->jit, q[1], 0, CG_TIER_CHEAP, &c, &err), QE_OK);
    cg_stage_code_destroy(c);
    /* q[1] evicted q[0] cheap (still held by `a`), q[2] evicts q[0] optimized */
    assert_int_equal(cg_compile_stage(fx->jit, q[2], 0, CG_TIER_CHEAP, &d, &err), QE_OK);
    cg_cache_get_stats(fx->jit, &s);
    assert_int_equal(s.entries, 2);
    assert_true(s.evictions >= s0.evictions + 2);
    rows r = {0};
    assert_int_equal(run(fx, q[0], cg_stage_functions(a), 1, &r, &err), QE_OK); /* alive */
    assert_true(r.n > 0);
    rows_free(&r);
    cg_stage_code_destroy(a);
    assert_int_equal(cg_compile_stage(fx->jit, q[0], 0, CG_TIER_CHEAP, &a, &err), QE_OK);
    cg_cache_get_stats(fx->jit, &s0);
    assert_int_equal(s0.misses, s.misses + 1); /* evicted: compiled again */
    cg_stage_code_destroy(a);
    cg_stage_code_destroy(d);
    /* off: every compile is a miss and nothing stays cached */
    cg_cache_set_limit(0);
    cg_cache_get_stats(fx->jit, &s);
    assert_int_equal(s.entries, 0);
    assert_int_equal(cg_compile_stage(fx->jit, q[0], 0, CG_TIER_CHEAP, &a, &err), QE_OK);
    assert_int_equal(cg_compile_stage(fx->jit, q[0], 0, CG_TIER_CHEAP, &b, &err), QE_OK);
    assert_ptr_not_equal(a, b);
    cg_stage_code_destroy(a);
    cg_stage_code_destroy(b);
    cg_cache_get_stats(fx->jit, &s0);
    assert_int_equal(s0.hits, s.hits);
    assert_int_equal(s0.live, 0);
    cg_cache_set_limit(limit);
}

/* cg_compile_query compiles a query's stages together, each under its own cache entry,
 * and pipelines of a stage whose IR is the same (here one pipeline listed twice, as a
 * repeated subquery plans it) share one function; a pipeline with another constant
 * does not. */
static void test_compile_query_shared(void **state) {
    fixture *fx = *state;
    rt_error err;
    plan_expr *e0 = op(fx, PLAN_OP_ADD, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT),
                       cint(fx, 7001, QE_TYPE_BIGINT));
    plan_expr *e1 = op(fx, PLAN_OP_ADD, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT),
                       cint(fx, 7002, QE_TYPE_BIGINT));
    plan_query *a = push_query(fx, "t", NULL, 1, &e0);
    plan_query *b = push_query(fx, "t", NULL, 1, &e1);
    plan_stage *s0 = alloc(fx, sizeof *s0); /* p0, p0 again, and b's pipeline */
    *s0 = *a->stages[0];
    s0->n_pipelines = 3;
    s0->pipelines = alloc(fx, sizeof(plan_pipeline *) * 3);
    s0->pipelines[0] = s0->pipelines[1] = a->stages[0]->pipelines[0];
    s0->pipelines[2] = b->stages[0]->pipelines[0];
    plan_query q = *a;
    plan_stage *stages[2] = {s0, b->stages[0]};
    q.n_stages = 2;
    q.stages = stages;
    uint32_t limit = cg_cache_limit();
    cg_cache_set_limit(8);
    for (int tier = 0; tier < CG_TIER_COUNT; tier++) {
        cg_stage_code *codes[2] = {NULL, NULL};
        uint64_t ns[2] = {0, 0};
        assert_int_equal(cg_compile_query(fx->jit, &q, (cg_tier)tier, codes, ns, &err), QE_OK);
        assert_non_null(codes[0]);
        assert_non_null(codes[1]);
        const rt_pipeline_fn *f0 = cg_stage_functions(codes[0]);
        assert_non_null(f0[0]);
        assert_ptr_equal(f0[0], f0[1]);     /* the same IR: one function */
        assert_ptr_not_equal(f0[0], f0[2]); /* another constant */
        assert_non_null(cg_stage_functions(codes[1])[0]);
        assert_true(ns[0] > 0 && ns[1] > 0);
        /* each stage is its own cache entry */
        cg_stage_code *hit = cg_cache_lookup(fx->jit, &q, 1, (cg_tier)tier);
        assert_ptr_equal(hit, codes[1]);
        cg_stage_code_destroy(hit);
        /* and the shared function computes what the interpreter does */
        rows r = {0}, ri = {0};
        assert_int_equal(run(fx, a, cg_stage_functions(codes[0]) + 1, 1, &r, &err), QE_OK);
        assert_int_equal(run(fx, a, NULL, 1, &ri, &err), QE_OK);
        assert_int_equal(r.n, ri.n);
        for (size_t i = 0; i < r.n; i++) /* one thread: the same order */
            assert_string_equal(r.lines[i], ri.lines[i]);
        rows_free(&r);
        rows_free(&ri);
        cg_stage_code_destroy(codes[0]);
        cg_stage_code_destroy(codes[1]);
    }
    cg_cache_set_limit(limit);
}

/* Threads compiling and releasing three stages through a cache of two entries: hits,
 * evictions of referenced code and concurrent misses of one stage. */
typedef struct cache_worker {
    cg_jit *jit;
    plan_query **q; /* 3 plans */
    int seed;
    int failures;
} cache_worker;

static void *cache_worker_main(void *arg) {
    cache_worker *w = arg;
    for (int i = 0; i < 30; i++) {
        cg_stage_code *code = NULL;
        rt_error err;
        const plan_query *q = w->q[(i + w->seed) % 3];
        if (cg_compile_stage(w->jit, q, 0, CG_TIER_CHEAP, &code, &err) != QE_OK ||
            cg_stage_functions(code)[0] == NULL)
            w->failures++;
        cg_stage_code_destroy(code);
    }
    return NULL;
}

static void test_code_cache_threads(void **state) {
    fixture *fx = *state;
    uint32_t limit = cg_cache_limit();
    cg_cache_set_limit(2);
    plan_query *q[3];
    for (int i = 0; i < 3; i++) {
        plan_expr *e = op(fx, PLAN_OP_MUL, QE_TYPE_BIGINT, col(fx, 1, QE_TYPE_BIGINT),
                          cint(fx, 7 + i, QE_TYPE_BIGINT));
        q[i] = push_query(fx, "t", NULL, 1, &e);
    }
    pthread_t th[4];
    cache_worker w[4];
    for (int t = 0; t < 4; t++) {
        w[t] = (cache_worker){fx->jit, q, t, 0};
        assert_int_equal(pthread_create(&th[t], NULL, cache_worker_main, &w[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(w[t].failures, 0);
    }
    cg_cache_stats s;
    cg_cache_get_stats(fx->jit, &s);
    assert_true(s.entries <= 2);
    assert_int_equal(s.live, s.entries); /* nothing but the cache holds code */
    cg_cache_set_limit(limit);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skeleton_partial),
        cmocka_unit_test(test_single_all_aggregates),
        cmocka_unit_test(test_final_and_global),
        cmocka_unit_test(test_push_expressions),
        cmocka_unit_test(test_push_pass),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_interval),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_distinct_on),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_join_prepass),
        cmocka_unit_test(test_emit),
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_code_lifetime),
        cmocka_unit_test(test_code_cache),
        cmocka_unit_test(test_compile_query_shared),
        cmocka_unit_test(test_code_cache_threads),
        cmocka_unit_test(test_random_expressions),
        cmocka_unit_test(test_block_filters),
        cmocka_unit_test(test_agg_lookahead),
        cmocka_unit_test(test_agg_raise_once),
        cmocka_unit_test(test_project_raise_once),
        cmocka_unit_test(test_agg_pass),
        cmocka_unit_test(test_block_sel_morsels),
        cmocka_unit_test(test_no_nulls),
        cmocka_unit_test(test_build_no_nulls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
