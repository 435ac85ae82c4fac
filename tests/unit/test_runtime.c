/*
 * test_runtime.c -- unit tests of src/runtime (cmocka).
 *
 * Memory (arena, tracker, limit), vectors and strings, value formatting, the catalog,
 * the expression interpreter (through rt_eval_const and small plans), and whole
 * stage tasks through rt_task_run on hand-built plan_query structs: the skeleton
 * query's three stages over in-memory exchanges, INSERT, sort, limit, aggregation
 * without groups, errors, cancellation, the memory limit, HASH routing, and a
 * hand-written "compiled" pipeline that uses the rt_jit_* helpers.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "plan.h"
#include "rt.h"

/* ---- plan builders (allocations in one test arena) ------------------------------------ */

static rt_arena *A; /* the current test's plan arena */

static void *zalloc(size_t n) {
    void *p = rt_arena_calloc(A, n);
    assert_non_null(p);
    return p;
}

static qe_type *types_of(uint32_t n, ...) {
    qe_type *t = zalloc(sizeof(qe_type) * (n ? n : 1));
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++)
        t[i] = (qe_type)va_arg(ap, int);
    va_end(ap);
    return t;
}

static plan_expr *col(uint32_t idx, qe_type type) {
    plan_expr *e = zalloc(sizeof *e);
    e->kind = PLAN_EXPR_COLUMN;
    e->type = type;
    e->position = -1;
    e->u.column = idx;
    return e;
}

static plan_expr *cint(int64_t v, qe_type type) {
    plan_expr *e = zalloc(sizeof *e);
    e->kind = PLAN_EXPR_CONST;
    e->type = type;
    e->position = -1;
    e->u.value.type = type;
    if (type == QE_TYPE_DOUBLE)
        e->u.value.u.d = (double)v;
    else if (type == QE_TYPE_BOOLEAN)
        e->u.value.u.b = v != 0;
    else
        e->u.value.u.i = v;
    return e;
}

static plan_expr *cnull(qe_type type) {
    plan_expr *e = cint(0, type);
    e->u.value.is_null = true;
    return e;
}

static plan_expr *cdbl(double d) {
    plan_expr *e = cint(0, QE_TYPE_DOUBLE);
    e->u.value.u.d = d;
    return e;
}

static plan_expr *cstr(const char *s) {
    plan_expr *e = cint(0, QE_TYPE_VARCHAR);
    e->u.value.u.s.ptr = s;
    e->u.value.u.s.len = (uint32_t)strlen(s);
    return e;
}

static plan_expr *op2(plan_op_kind op, qe_type type, plan_expr *a, plan_expr *b) {
    plan_expr *e = zalloc(sizeof *e);
    e->kind = PLAN_EXPR_OP;
    e->type = type;
    e->position = 7;
    e->u.op.op = op;
    e->u.op.args[0] = a;
    e->u.op.args[1] = b;
    return e;
}

static plan_expr *cast(plan_expr *a, qe_type type) {
    plan_expr *e = zalloc(sizeof *e);
    e->kind = PLAN_EXPR_CAST;
    e->type = type;
    e->position = 3;
    e->u.cast = a;
    return e;
}

static plan_op *mkop(plan_phys_kind kind, uint32_t n_cols, qe_type *types) {
    plan_op *op = zalloc(sizeof *op);
    op->kind = kind;
    op->n_cols = n_cols;
    op->types = types;
    return op;
}

static plan_op *scan_op(const char *table, uint32_t n_cols, qe_type *types, ...) {
    plan_op *op = mkop(PLAN_PHYS_SCAN, n_cols, types);
    op->u.scan.table = (char *)table;
    op->u.scan.col_idx = zalloc(sizeof(uint32_t) * (n_cols ? n_cols : 1));
    va_list ap;
    va_start(ap, types);
    for (uint32_t i = 0; i < n_cols; i++)
        op->u.scan.col_idx[i] = va_arg(ap, uint32_t);
    va_end(ap);
    return op;
}

static plan_op *filter_op(uint32_t n_cols, qe_type *types, plan_expr *pred) {
    plan_op *op = mkop(PLAN_PHYS_FILTER, n_cols, types);
    op->u.filter.pred = pred;
    return op;
}

static plan_op *project_op(uint32_t n_cols, qe_type *types, ...) {
    plan_op *op = mkop(PLAN_PHYS_PROJECT, n_cols, types);
    op->u.project.exprs = zalloc(sizeof(plan_expr *) * (n_cols ? n_cols : 1));
    va_list ap;
    va_start(ap, types);
    for (uint32_t i = 0; i < n_cols; i++)
        op->u.project.exprs[i] = va_arg(ap, plan_expr *);
    va_end(ap);
    return op;
}

static plan_agg agg(plan_agg_fn fn, qe_type type, qe_type state_type, plan_expr *arg) {
    plan_agg a = {.fn = fn, .type = type, .state_type = state_type, .arg = arg};
    return a;
}

/* AGG_SINK/AGG_SOURCE pair content. */
static void set_agg(plan_op *op, plan_agg_phase phase, uint32_t n_groups, plan_expr **groups,
                    uint32_t n_aggs, plan_agg *aggs, uint32_t state_id) {
    op->u.agg.phase = phase;
    op->u.agg.n_groups = n_groups;
    op->u.agg.groups = groups;
    op->u.agg.n_aggs = n_aggs;
    op->u.agg.aggs = aggs;
    op->state_id = state_id;
}

static plan_pipeline *pipe_of(uint32_t id, bool ordered, uint32_t n_ops, ...) {
    plan_pipeline *p = zalloc(sizeof *p);
    p->id = id;
    p->ordered = ordered;
    p->n_ops = n_ops;
    p->ops = zalloc(sizeof(plan_op *) * n_ops);
    va_list ap;
    va_start(ap, n_ops);
    for (uint32_t i = 0; i < n_ops; i++)
        p->ops[i] = va_arg(ap, plan_op *);
    va_end(ap);
    return p;
}

static plan_stage *stage_of(uint32_t id, plan_dist dist, uint32_t n_states, uint32_t n_pipes, ...) {
    plan_stage *s = zalloc(sizeof *s);
    s->id = id;
    s->dist = dist;
    s->n_states = n_states;
    s->n_pipelines = n_pipes;
    s->pipelines = zalloc(sizeof(plan_pipeline *) * n_pipes);
    va_list ap;
    va_start(ap, n_pipes);
    for (uint32_t i = 0; i < n_pipes; i++)
        s->pipelines[i] = va_arg(ap, plan_pipeline *);
    va_end(ap);
    return s;
}

/* ---- result collection ------------------------------------------------------------------ */

/* Rows as "v1|v2|..." lines ("NULL" for NULL), appended to one text buffer. */
typedef struct collector {
    rt_strbuf text;
    uint64_t n_rows;
    uint64_t n_batches;
} collector;

static qe_status collect_push(void *ctx, const rt_batch *b, rt_error *err) {
    (void)err;
    collector *c = ctx;
    assert_null(b->sel);
    c->n_batches++;
    for (uint32_t r = 0; r < b->n_rows; r++) {
        for (uint32_t k = 0; k < b->n_cols; k++) {
            rt_value v;
            char buf[256];
            rt_vector_get_value(&b->cols[k], r, &v);
            if (rt_value_format(&v, buf, sizeof buf) < 0)
                strcpy(buf, "NULL");
            rt_strbuf_printf(&c->text, "%s%s", k ? "|" : "", buf);
        }
        rt_strbuf_puts(&c->text, "\n");
        c->n_rows++;
    }
    return QE_OK;
}

static const char *collected(collector *c) { return c->text.data ? c->text.data : ""; }

/* Runs every stage of q in order, embedded style, with n_threads threads. */
static qe_status run_query(const plan_query *q, rt_catalog *cat, uint32_t n_threads, collector *out,
                           rt_mem_tracker *mem, const _Atomic bool *cancel, rt_task_stats *total,
                           rt_error *err) {
    rt_local_exchange *lx = rt_local_exchange_create(q);
    assert_non_null(lx);
    rt_result_sink sink = {collect_push, out};
    qe_status st = QE_OK;
    if (total)
        memset(total, 0, sizeof *total);
    for (uint32_t s = 0; s < q->n_stages && st == QE_OK; s++) {
        rt_task task = {
            .query = q,
            .stage = q->stages[s],
            .task_idx = 0,
            .n_tasks = 1,
            .catalog = cat,
            .exchange = &rt_local_exchange_ops,
            .exchange_ctx = lx,
            .result = &sink,
            .n_threads = n_threads,
            .mem = mem,
            .cancel = cancel,
        };
        rt_task_stats stats;
        st = rt_task_run(&task, &stats, err);
        if (total) {
            total->rows_written += stats.rows_written;
            total->rows_out += stats.rows_out;
        }
    }
    rt_local_exchange_destroy(lx);
    return st;
}

static int setup(void **state) {
    (void)state;
    A = rt_arena_create(NULL);
    return A ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    rt_arena_destroy(A);
    A = NULL;
    return 0;
}

/* ---- memory ----------------------------------------------------------------------------- */

static void test_arena(void **state) {
    (void)state;
    rt_mem_tracker t = {0};
    rt_arena *a = rt_arena_create(&t);
    assert_non_null(a);
    char *p = rt_arena_alloc(a, 3);
    char *q = rt_arena_alloc(a, 5);
    assert_int_equal((uintptr_t)p % 16, 0);
    assert_int_equal((uintptr_t)q % 16, 0);
    assert_true(q >= p + 3);
    void *big = rt_arena_alloc(a, 1 << 20);
    assert_non_null(big);
    memset(big, 1, 1 << 20);
    for (int i = 0; i < 1000; i++)
        assert_non_null(rt_arena_alloc(a, 100));
    assert_true(rt_arena_size(a) > (1 << 20));
    assert_true(atomic_load(&t.used) >= (int64_t)rt_arena_size(a));
    size_t before = rt_arena_size(a);
    rt_arena_reset(a);
    assert_true(rt_arena_size(a) < before);
    assert_string_equal(rt_arena_strdup(a, "hello"), "hello");
    assert_string_equal(rt_arena_strndup(a, "hello", 2), "he");
    int *z = rt_arena_calloc(a, 64 * sizeof(int));
    for (int i = 0; i < 64; i++)
        assert_int_equal(z[i], 0);
    rt_arena_destroy(a);
    assert_int_equal(atomic_load(&t.used), 0);
    assert_true(atomic_load(&t.peak) > (1 << 20));
    rt_arena_destroy(NULL);
}

/* Big blocks (mem.c): contents survive rt_realloc into, within and out of them, rt_free
 * recognizes one by its address whatever size it is told, and (outside AddressSanitizer)
 * a freed one is kept and handed out again for the same size, at a huge-page boundary. */
static void test_big_blocks(void **state) {
    (void)state;
    const size_t big = (size_t)10 << 20;
    rt_mem_tracker t = {0};
    unsigned char *p = rt_malloc(&t, big);
    assert_non_null(p);
    memset(p, 0xab, big);
    p = rt_realloc(&t, p, big, 2 * big);
    assert_non_null(p);
    assert_true(p[0] == 0xab && p[big - 1] == 0xab);
    p = rt_realloc(&t, p, 2 * big, 1000);
    assert_non_null(p);
    assert_true(p[0] == 0xab && p[999] == 0xab);
    p = rt_realloc(&t, p, 1000, big);
    assert_non_null(p);
    assert_true(p[0] == 0xab && p[999] == 0xab);
    assert_int_equal(atomic_load(&t.used), big);
    size_t cached = rt_mem_cached();
    rt_free(&t, p, 1); /* the wrong size: still recognized (only the charge follows it) */
    rt_mem_release(&t, (int64_t)big - 1);
    assert_int_equal(atomic_load(&t.used), 0);
    if (rt_mem_cached() == 0)
        return; /* no big blocks kept (AddressSanitizer) */
    size_t kept = rt_mem_cached();
    assert_true(kept >= cached + big);
    unsigned char *q = rt_malloc(&t, big);
    assert_non_null(q);
    assert_int_equal((uintptr_t)q % ((size_t)2 << 20), 0);
    assert_int_equal(rt_mem_cached(), kept - big); /* taken from the cache */
    rt_free(&t, q, big);
    assert_int_equal(atomic_load(&t.used), 0);
}

static void test_memory_limit(void **state) {
    (void)state;
    rt_mem_tracker t = {.limit = 100000};
    void *p = rt_malloc(&t, 60000);
    assert_non_null(p);
    assert_null(rt_malloc(&t, 60000)); /* would pass the limit */
    assert_int_equal(atomic_load(&t.used), 60000);
    p = rt_realloc(&t, p, 60000, 90000);
    assert_non_null(p);
    assert_int_equal(atomic_load(&t.used), 90000);
    rt_free(&t, p, 90000);
    assert_int_equal(atomic_load(&t.used), 0);
    rt_arena *a = rt_arena_create(&t);
    assert_non_null(a);
    assert_null(rt_arena_alloc(a, 200000));
    rt_arena_destroy(a);
    assert_int_equal(atomic_load(&t.used), 0);
    /* the debug hook fails exactly the chosen allocation */
    rt_mem_debug_fail_after(1);
    void *x = rt_malloc(NULL, 8);
    void *y = rt_malloc(NULL, 8);
    void *z = rt_malloc(NULL, 8);
    rt_mem_debug_fail_after(-1);
    assert_non_null(x);
    assert_null(y);
    assert_non_null(z);
    free(x);
    free(z);
    rt_error err;
    rt_error_nomem(&err, &t);
    assert_string_equal(err.sqlstate, "53200");
    assert_string_equal(err.message, "out of memory");
    assert_non_null(strstr(err.detail, "100000"));
}

static void test_strbuf_and_errors(void **state) {
    (void)state;
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    rt_strbuf_puts(&sb, "a");
    rt_strbuf_printf(&sb, "%d-%s", 42, "x");
    rt_strbuf_append(&sb, "yz", 1);
    char *s = rt_strbuf_take(&sb);
    assert_string_equal(s, "a42-xy");
    free(s);
    rt_strbuf_init(&sb);
    s = rt_strbuf_take(&sb);
    assert_string_equal(s, "");
    free(s);
    rt_error err;
    rt_error_clear(&err);
    assert_int_equal(err.status, QE_OK);
    assert_string_equal(err.sqlstate, "00000");
    assert_int_equal(rt_error_set(&err, QE_DATA, "22012", 5, "division by %s", "zero"), QE_DATA);
    rt_error_hint(&err, "Try %d.", 1);
    rt_error copy;
    rt_error_copy(&copy, &err);
    assert_string_equal(copy.message, "division by zero");
    assert_string_equal(copy.hint, "Try 1.");
    assert_int_equal(copy.position, 5);
}

/* ---- vectors and formatting ------------------------------------------------------------ */

static void test_vectors(void **state) {
    (void)state;
    qe_type *t = types_of(3, QE_TYPE_INTEGER, QE_TYPE_VARCHAR, QE_TYPE_DOUBLE);
    rt_batch *b = rt_batch_create(A, 3, t, 10);
    assert_non_null(b);
    const char *long_s = "a string longer than twelve bytes";
    for (uint32_t r = 0; r < 10; r++) {
        rt_value v = {.type = QE_TYPE_INTEGER, .u.i = r};
        assert_true(rt_vector_set_value(&b->cols[0], A, r, 10, &v));
        assert_true(rt_vector_set_string(&b->cols[1], A, r, r % 2 ? long_s : "short",
                                         r % 2 ? (uint32_t)strlen(long_s) : 5));
        ((double *)b->cols[2].values)[r] = r * 0.5;
    }
    b->n_rows = 10;
    assert_true(rt_vector_set_null(&b->cols[2], A, 3, 10));
    rt_value v;
    rt_vector_get_value(&b->cols[1], 1, &v);
    assert_int_equal(v.u.s.len, strlen(long_s));
    assert_memory_equal(v.u.s.ptr, long_s, v.u.s.len);
    rt_vector_get_value(&b->cols[1], 2, &v);
    assert_memory_equal(v.u.s.ptr, "short", 5);
    rt_vector_get_value(&b->cols[2], 3, &v);
    assert_true(v.is_null);
    assert_true(rt_vector_is_valid(&b->cols[2], 4));
    /* compact keeps only the selected rows and re-homes long strings */
    uint32_t sel[3] = {1, 3, 8};
    b->sel = sel;
    b->n_sel = 3;
    rt_batch *c = rt_batch_compact(A, b);
    assert_non_null(c);
    assert_int_equal(c->n_rows, 3);
    assert_null(c->sel);
    rt_vector_get_value(&c->cols[0], 1, &v);
    assert_int_equal(v.u.i, 3);
    rt_vector_get_value(&c->cols[1], 0, &v);
    assert_memory_equal(v.u.s.ptr, long_s, v.u.s.len);
    assert_true(v.u.s.ptr < (const char *)b->cols[1].buffers[0] ||
                v.u.s.ptr >= (const char *)b->cols[1].buffers[0] + 16384);
    rt_vector_get_value(&c->cols[2], 1, &v);
    assert_true(v.is_null);
    rt_vector_get_value(&c->cols[2], 2, &v);
    assert_true(v.u.d == 4.0);
    /* append onto a batch with room */
    rt_batch *d = rt_batch_create(A, 3, t, 20);
    assert_true(rt_batch_append(d, A, c));
    assert_true(rt_batch_append(d, A, c));
    assert_int_equal(d->n_rows, 6);
    rt_vector_get_value(&d->cols[2], 4, &v);
    assert_true(v.is_null);
    rt_vector_get_value(&d->cols[1], 3, &v);
    assert_memory_equal(v.u.s.ptr, long_s, v.u.s.len);
    assert_int_equal(rt_type_width(QE_TYPE_VARCHAR), 16);
    assert_int_equal(rt_type_width(QE_TYPE_BOOLEAN), 1);
    assert_true(rt_type_is_integer(QE_TYPE_BIGINT));
    assert_false(rt_type_is_integer(QE_TYPE_DOUBLE));
    assert_true(rt_type_is_numeric(QE_TYPE_DOUBLE));
}

static void check_fmt(rt_value v, const char *want) {
    char buf[64];
    int n = rt_value_format(&v, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void check_dbl(double d, const char *want) {
    rt_value v = {.type = QE_TYPE_DOUBLE, .u.d = d};
    check_fmt(v, want);
}

static void test_format(void **state) {
    (void)state;
    check_fmt((rt_value){.type = QE_TYPE_INTEGER, .u.i = -42}, "-42");
    check_fmt((rt_value){.type = QE_TYPE_BIGINT, .u.i = INT64_MIN}, "-9223372036854775808");
    check_fmt((rt_value){.type = QE_TYPE_BOOLEAN, .u.b = true}, "true");
    check_fmt((rt_value){.type = QE_TYPE_BOOLEAN, .u.b = false}, "false");
    check_fmt((rt_value){.type = QE_TYPE_VARCHAR, .u.s = {"abc", 2}}, "ab");
    check_fmt((rt_value){.type = QE_TYPE_DATE, .u.i = 0}, "1970-01-01");
    check_fmt((rt_value){.type = QE_TYPE_DATE, .u.i = 10957}, "2000-01-01");
    check_fmt((rt_value){.type = QE_TYPE_DATE, .u.i = -1}, "1969-12-31");
    check_dbl(2.0, "2.0");
    check_dbl(-0.0, "-0.0");
    check_dbl(0.1, "0.1");
    check_dbl(0.1 + 0.2, "0.30000000000000004");
    check_dbl(2.5, "2.5");
    check_dbl(1.0 / 3.0, "0.3333333333333333");
    check_dbl(1e20, "1e+20");
    check_dbl(123456.75, "123456.75");
    check_dbl(1.0 / 0.0, "inf");
    check_dbl(-1.0 / 0.0, "-inf");
    check_dbl(0.0 / 0.0, "nan");
    char buf[4];
    rt_value v = {.type = QE_TYPE_BIGINT, .u.i = 123456};
    assert_int_equal(rt_value_format(&v, buf, sizeof buf), 6); /* truncated like snprintf */
    assert_string_equal(buf, "123");
    v.is_null = true;
    assert_int_equal(rt_value_format(&v, buf, sizeof buf), -1);
    assert_string_equal(buf, "");
    /* the public function reads a column view */
    qe_type *t = types_of(2, QE_TYPE_VARCHAR, QE_TYPE_DOUBLE);
    rt_batch *b = rt_batch_create(A, 2, t, 4);
    const char *s = "a long string for the view test";
    assert_true(rt_vector_set_string(&b->cols[0], A, 0, s, (uint32_t)strlen(s)));
    assert_true(rt_vector_set_string(&b->cols[0], A, 1, "tiny", 4));
    ((double *)b->cols[1].values)[0] = 7;
    assert_true(rt_vector_set_null(&b->cols[1], A, 1, 4));
    qe_column_view cv = {QE_TYPE_VARCHAR,
                         b->cols[0].validity,
                         b->cols[0].values,
                         b->cols[0].n_buffers,
                         b->cols[0].buffers,
                         0,
                         0};
    char out[64];
    assert_int_equal(qe_value_format(&cv, 0, out, sizeof out), (int)strlen(s));
    assert_string_equal(out, s);
    qe_value_format(&cv, 1, out, sizeof out);
    assert_string_equal(out, "tiny");
    qe_column_view dv = {QE_TYPE_DOUBLE, b->cols[1].validity, b->cols[1].values, 0, NULL, 0, 0};
    qe_value_format(&dv, 0, out, sizeof out);
    assert_string_equal(out, "7.0");
    assert_int_equal(qe_value_format(&dv, 1, out, sizeof out), -1);
}

/* ---- catalog ---------------------------------------------------------------------------- */

static void test_catalog(void **state) {
    (void)state;
    rt_catalog *cat = rt_catalog_create();
    rt_error err;
    char *names[] = {"a", "b"};
    qe_type *t = types_of(2, QE_TYPE_INTEGER, QE_TYPE_VARCHAR);
    rt_table *tab;
    assert_int_equal(rt_catalog_create_table(cat, "t", 2, names, t, &tab, &err), QE_OK);
    assert_int_equal(rt_catalog_create_table(cat, "t", 2, names, t, NULL, &err), QE_BIND);
    assert_string_equal(err.sqlstate, "42P07");
    assert_string_equal(err.message, "relation \"t\" already exists");
    assert_ptr_equal(rt_catalog_find(cat, "t"), tab);
    assert_null(rt_catalog_find(cat, "T"));
    assert_string_equal(tab->col_names[1], "b");
    /* 5000 rows over three chunks */
    rt_batch *b = rt_batch_create(A, 2, t, 5000);
    for (uint32_t r = 0; r < 5000; r++) {
        ((int32_t *)b->cols[0].values)[r] = (int32_t)r;
        assert_true(rt_vector_set_string(&b->cols[1], A, r,
                                         r % 3 ? "some longer string value" : "x", r % 3 ? 24 : 1));
    }
    assert_true(rt_vector_set_null(&b->cols[0], A, 4999, 5000));
    b->n_rows = 5000;
    assert_int_equal(rt_table_append(cat, tab, b, &err), QE_OK);
    assert_int_equal(tab->n_rows, 5000);
    assert_int_equal(tab->n_chunks, 3);
    assert_int_equal(tab->chunks[0]->n_rows, RT_VECTOR_SIZE);
    rt_value v;
    rt_vector_get_value(&tab->chunks[1]->cols[1], 4000 - RT_VECTOR_SIZE, &v);
    assert_memory_equal(v.u.s.ptr, "some longer string value", 24);
    rt_vector_get_value(&tab->chunks[2]->cols[0], 4999 - 2 * RT_VECTOR_SIZE, &v);
    assert_true(v.is_null);
    /* type mismatch is refused */
    qe_type *bad = types_of(2, QE_TYPE_BIGINT, QE_TYPE_VARCHAR);
    rt_batch *wrong = rt_batch_create(A, 2, bad, 1);
    wrong->n_rows = 1;
    assert_int_equal(rt_table_append(cat, tab, wrong, &err), QE_INTERNAL);
    const char *list[4];
    assert_int_equal(rt_catalog_table_names(cat, list, 4), 1);
    assert_string_equal(list[0], "t");
    assert_int_equal(rt_catalog_drop_table(cat, "t", &err), QE_OK);
    assert_int_equal(rt_catalog_drop_table(cat, "t", &err), QE_BIND);
    assert_string_equal(err.sqlstate, "42P01");
    assert_string_equal(err.message, "table \"t\" does not exist");
    rt_catalog_destroy(cat);
}

/* ---- expressions ------------------------------------------------------------------------ */

static rt_value eval_ok(plan_expr *e) {
    rt_value v;
    rt_error err;
    rt_error_clear(&err);
    qe_status st = rt_eval_const(A, e, &v, &err);
    if (st != QE_OK)
        fail_msg("unexpected error: %s", err.message);
    return v;
}

static void eval_fails(plan_expr *e, const char *sqlstate, const char *message) {
    rt_value v;
    rt_error err;
    rt_error_clear(&err);
    assert_int_not_equal(rt_eval_const(A, e, &v, &err), QE_OK);
    assert_string_equal(err.sqlstate, sqlstate);
    assert_string_equal(err.message, message);
}

static void test_expressions(void **state) {
    (void)state;
    const qe_type I = QE_TYPE_INTEGER, B = QE_TYPE_BIGINT, D = QE_TYPE_DOUBLE, V = QE_TYPE_VARCHAR,
                  BO = QE_TYPE_BOOLEAN;
    assert_int_equal(eval_ok(op2(PLAN_OP_ADD, I, cint(2, I), cint(3, I))).u.i, 5);
    assert_int_equal(eval_ok(op2(PLAN_OP_DIV, I, cint(-7, I), cint(2, I))).u.i, -3);
    assert_int_equal(eval_ok(op2(PLAN_OP_MOD, I, cint(-7, I), cint(2, I))).u.i, -1);
    assert_int_equal(eval_ok(op2(PLAN_OP_NEG, I, cint(5, I), NULL)).u.i, -5);
    assert_true(eval_ok(op2(PLAN_OP_DIV, D, cdbl(1), cdbl(4))).u.d == 0.25);
    assert_true(eval_ok(op2(PLAN_OP_ADD, I, cint(2, I), cnull(I))).is_null);
    eval_fails(op2(PLAN_OP_ADD, I, cint(INT32_MAX, I), cint(1, I)), "22003",
               "integer out of range");
    eval_fails(op2(PLAN_OP_MUL, B, cint(INT64_MAX, B), cint(2, B)), "22003", "bigint out of range");
    eval_fails(op2(PLAN_OP_DIV, I, cint(INT32_MIN, I), cint(-1, I)), "22003",
               "integer out of range");
    eval_fails(op2(PLAN_OP_NEG, B, cint(INT64_MIN, B), NULL), "22003", "bigint out of range");
    eval_fails(op2(PLAN_OP_DIV, I, cint(1, I), cint(0, I)), "22012", "division by zero");
    eval_fails(op2(PLAN_OP_MOD, B, cint(1, B), cint(0, B)), "22012", "division by zero");
    eval_fails(op2(PLAN_OP_DIV, D, cdbl(1), cdbl(0)), "22012", "division by zero");
    /* a NULL divisor is not an error */
    assert_true(eval_ok(op2(PLAN_OP_DIV, I, cint(1, I), cnull(I))).is_null);
    /* comparisons */
    assert_true(eval_ok(op2(PLAN_OP_LT, BO, cint(1, I), cint(2, I))).u.b);
    assert_false(eval_ok(op2(PLAN_OP_GE, BO, cdbl(1.5), cdbl(2))).u.b);
    assert_true(eval_ok(op2(PLAN_OP_LT, BO, cstr("abc"), cstr("abd"))).u.b);
    assert_true(eval_ok(op2(PLAN_OP_LT, BO, cstr("abc"), cstr("abcd"))).u.b);
    assert_true(
        eval_ok(op2(PLAN_OP_EQ, BO, cstr("a rather long string"), cstr("a rather long string")))
            .u.b);
    assert_false(
        eval_ok(op2(PLAN_OP_EQ, BO, cstr("a rather long string"), cstr("a rather long strinG")))
            .u.b);
    assert_true(eval_ok(op2(PLAN_OP_EQ, BO, cint(1, I), cnull(I))).is_null);
    /* three-valued logic */
    plan_expr *T = cint(1, BO), *F = cint(0, BO), *N = cnull(BO);
    assert_false(eval_ok(op2(PLAN_OP_AND, BO, N, F)).u.b);
    assert_false(eval_ok(op2(PLAN_OP_AND, BO, N, F)).is_null);
    assert_true(eval_ok(op2(PLAN_OP_AND, BO, N, T)).is_null);
    assert_true(eval_ok(op2(PLAN_OP_AND, BO, T, T)).u.b);
    assert_true(eval_ok(op2(PLAN_OP_OR, BO, N, T)).u.b);
    assert_true(eval_ok(op2(PLAN_OP_OR, BO, N, F)).is_null);
    assert_false(eval_ok(op2(PLAN_OP_OR, BO, F, F)).u.b);
    assert_true(eval_ok(op2(PLAN_OP_NOT, BO, N, NULL)).is_null);
    assert_true(eval_ok(op2(PLAN_OP_NOT, BO, F, NULL)).u.b);
    /* the right side of AND is not evaluated where the left side is FALSE */
    assert_false(
        eval_ok(op2(PLAN_OP_AND, BO, F,
                    op2(PLAN_OP_EQ, BO, op2(PLAN_OP_DIV, I, cint(1, I), cint(0, I)), cint(1, I))))
            .u.b);
    assert_true(
        eval_ok(op2(PLAN_OP_OR, BO, T,
                    op2(PLAN_OP_EQ, BO, op2(PLAN_OP_DIV, I, cint(1, I), cint(0, I)), cint(1, I))))
            .u.b);
    assert_true(eval_ok(op2(PLAN_OP_IS_NULL, BO, cnull(I), NULL)).u.b);
    assert_false(eval_ok(op2(PLAN_OP_IS_NULL, BO, cint(1, I), NULL)).u.b);
    assert_true(eval_ok(op2(PLAN_OP_IS_NOT_NULL, BO, cstr(""), NULL)).u.b);
    /* concatenation */
    rt_value s = eval_ok(op2(PLAN_OP_CONCAT, V, cstr("hello, "), cstr("world of strings")));
    assert_int_equal(s.u.s.len, 23);
    assert_memory_equal(s.u.s.ptr, "hello, world of strings", 23);
    assert_true(eval_ok(op2(PLAN_OP_CONCAT, V, cstr("a"), cnull(V))).is_null);
    /* casts */
    assert_int_equal(eval_ok(cast(cstr(" 12 "), I)).u.i, 12);
    assert_int_equal(eval_ok(cast(cstr("-9223372036854775808"), B)).u.i, INT64_MIN);
    assert_true(eval_ok(cast(cstr("2.5e1"), D)).u.d == 25.0);
    assert_true(eval_ok(cast(cstr("yes"), BO)).u.b);
    assert_int_equal(eval_ok(cast(cdbl(2.5), I)).u.i, 3);
    assert_int_equal(eval_ok(cast(cdbl(-2.5), I)).u.i, -3);
    assert_int_equal(eval_ok(cast(cint(5000000000LL, B), D)).u.d, 5000000000.0);
    assert_int_equal(eval_ok(cast(cint(7, BO), I)).u.i, 1);
    s = eval_ok(cast(cdbl(2), V));
    assert_memory_equal(s.u.s.ptr, "2.0", 3);
    s = eval_ok(cast(cint(-12, I), V));
    assert_memory_equal(s.u.s.ptr, "-12", 3);
    assert_true(eval_ok(cast(cnull(I), V)).is_null);
    eval_fails(cast(cstr("x"), I), "22P02", "invalid input syntax for type integer: \"x\"");
    eval_fails(cast(cstr("1.5"), B), "22P02", "invalid input syntax for type bigint: \"1.5\"");
    eval_fails(cast(cstr("abc"), D), "22P02",
               "invalid input syntax for type double precision: \"abc\"");
    eval_fails(cast(cstr("maybe"), BO), "22P02",
               "invalid input syntax for type boolean: \"maybe\"");
    eval_fails(cast(cstr("99999999999"), I), "22003",
               "value \"99999999999\" is out of range for type integer");
    eval_fails(cast(cint(5000000000LL, B), I), "22003", "integer out of range");
    eval_fails(cast(cdbl(1e30), B), "22003", "bigint out of range");
    /* positions travel with errors */
    rt_value v;
    rt_error err;
    assert_int_not_equal(rt_eval_const(A, op2(PLAN_OP_DIV, I, cint(1, I), cint(0, I)), &v, &err),
                         QE_OK);
    assert_int_equal(err.position, 7);
    /* deep trees: 4000 levels evaluate, deeper ones are refused */
    plan_expr *chain = cint(1, B);
    for (int i = 0; i < 4000; i++)
        chain = op2(PLAN_OP_ADD, B, chain, cint(1, B));
    assert_int_equal(eval_ok(chain).u.i, 4001);
    plan_expr *ors = cint(0, BO);
    for (int i = 0; i < 4000; i++)
        ors = op2(PLAN_OP_OR, BO, ors, cint(0, BO));
    assert_false(eval_ok(ors).u.b);
    for (int i = 0; i < 100; i++)
        chain = op2(PLAN_OP_ADD, B, chain, cint(1, B));
    eval_fails(chain, "54001", "expression nesting exceeds the limit of 4096 levels");
    /* unsupported combinations fail cleanly */
    eval_fails(op2(PLAN_OP_ADD, V, cstr("a"), cstr("b")), "0A000",
               "operator + is not supported for type character varying yet");
}

/* ---- tasks: the skeleton query ---------------------------------------------------------- */

#define N_ROWS 10000

/* Creates t(a INTEGER, b BIGINT, c VARCHAR) with n rows: a = i % 7 (NULL every 50th),
 * b = i (NULL every 13th), c = "s<i>". */
static rt_table *load_table(rt_catalog *cat, uint32_t n) {
    char *names[] = {"a", "b", "c"};
    qe_type *t = types_of(3, QE_TYPE_INTEGER, QE_TYPE_BIGINT, QE_TYPE_VARCHAR);
    rt_table *tab;
    rt_error err;
    assert_int_equal(rt_catalog_create_table(cat, "t", 3, names, t, &tab, &err), QE_OK);
    rt_arena *a = rt_arena_create(NULL);
    for (uint32_t start = 0; start < n; start += 3000) {
        uint32_t m = n - start < 3000 ? n - start : 3000;
        rt_batch *b = rt_batch_create(a, 3, t, m);
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = start + k;
            ((int32_t *)b->cols[0].values)[k] = (int32_t)(i % 7);
            ((int64_t *)b->cols[1].values)[k] = i;
            if (i % 50 == 0)
                rt_vector_set_null(&b->cols[0], a, k, m);
            if (i % 13 == 0)
                rt_vector_set_null(&b->cols[1], a, k, m);
            char buf[32];
            snprintf(buf, sizeof buf, "s%u", i);
            rt_vector_set_string(&b->cols[2], a, k, buf, (uint32_t)strlen(buf));
        }
        b->n_rows = m;
        assert_int_equal(rt_table_append(cat, tab, b, &err), QE_OK);
    }
    rt_arena_destroy(a);
    return tab;
}

/* The expected answer of the skeleton query over load_table(n), NULL group last. */
static char *skeleton_answer(uint32_t n) {
    int64_t cnt[8] = {0}, sum[8] = {0};
    for (uint32_t i = 0; i < n; i++) {
        if (i % 13 == 0 || i <= 10)
            continue;
        int g = i % 50 == 0 ? 7 : (int)(i % 7);
        cnt[g]++;
        sum[g] += i;
    }
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    for (int g = 0; g < 8; g++)
        if (cnt[g] > 0) {
            if (g == 7)
                rt_strbuf_printf(&sb, "NULL|%lld|%lld\n", (long long)cnt[g], (long long)sum[g]);
            else
                rt_strbuf_printf(&sb, "%d|%lld|%lld\n", g, (long long)cnt[g], (long long)sum[g]);
        }
    return rt_strbuf_take(&sb);
}

/* SELECT a, count(*), sum(b) FROM t WHERE b > 10 GROUP BY a ORDER BY a, as opt_physical
 * plans it (three stages, two exchanges). */
static plan_query *skeleton_plan(void) {
    const qe_type I = QE_TYPE_INTEGER, B = QE_TYPE_BIGINT;
    qe_type *ib = types_of(2, I, B);
    qe_type *partial = types_of(5, I, B, B, B, B);
    qe_type *final = types_of(3, I, B, B);
    plan_expr **g0 = zalloc(sizeof(plan_expr *));
    g0[0] = col(0, I);
    plan_agg *pa = zalloc(sizeof(plan_agg) * 2);
    pa[0] = agg(PLAN_AGG_COUNT_STAR, B, B, NULL);
    pa[1] = agg(PLAN_AGG_SUM, B, B, col(1, B));
    plan_agg *fa = zalloc(sizeof(plan_agg) * 2);
    fa[0] = agg(PLAN_AGG_COUNT_STAR, B, B, col(1, B));
    fa[0].n_column = 2;
    fa[1] = agg(PLAN_AGG_SUM, B, B, col(3, B));
    fa[1].n_column = 4;

    plan_op *sink0 = mkop(PLAN_PHYS_AGG_SINK, 2, ib);
    set_agg(sink0, PLAN_AGG_PARTIAL, 1, g0, 2, pa, 0);
    plan_op *src0 = mkop(PLAN_PHYS_AGG_SOURCE, 5, partial);
    set_agg(src0, PLAN_AGG_PARTIAL, 1, g0, 2, pa, 0);
    plan_op *xs0 = mkop(PLAN_PHYS_EXCHANGE_SINK, 5, partial);
    xs0->u.exchange_sink.exchange_id = 0;
    plan_stage *s0 =
        stage_of(0, PLAN_DIST_PARTITIONED, 1, 2,
                 pipe_of(0, false, 4, scan_op("t", 2, ib, 0u, 1u),
                         filter_op(2, ib, op2(PLAN_OP_GT, QE_TYPE_BOOLEAN, col(1, B), cint(10, B))),
                         project_op(2, ib, col(0, I), col(1, B)), sink0),
                 pipe_of(1, false, 2, src0, xs0));

    plan_op *xr0 = mkop(PLAN_PHYS_EXCHANGE_SOURCE, 5, partial);
    xr0->u.exchange_source.exchange_id = 0;
    plan_op *sink1 = mkop(PLAN_PHYS_AGG_SINK, 5, partial);
    set_agg(sink1, PLAN_AGG_FINAL, 1, g0, 2, fa, 0);
    plan_op *src1 = mkop(PLAN_PHYS_AGG_SOURCE, 3, final);
    set_agg(src1, PLAN_AGG_FINAL, 1, g0, 2, fa, 0);
    plan_op *xs1 = mkop(PLAN_PHYS_EXCHANGE_SINK, 3, final);
    xs1->u.exchange_sink.exchange_id = 1;
    plan_stage *s1 = stage_of(1, PLAN_DIST_PARTITIONED, 1, 2, pipe_of(0, false, 2, xr0, sink1),
                              pipe_of(1, false, 2, src1, xs1));

    plan_op *xr1 = mkop(PLAN_PHYS_EXCHANGE_SOURCE, 3, final);
    xr1->u.exchange_source.exchange_id = 1;
    plan_op *sort = mkop(PLAN_PHYS_SORT_SINK, 3, final);
    sort->u.sort.n_keys = 1;
    sort->u.sort.keys = zalloc(sizeof(plan_sort_key));
    sort->u.sort.keys[0].expr = col(0, I);
    plan_op *sorted = mkop(PLAN_PHYS_SORT_SOURCE, 3, final);
    sorted->u.sort = sort->u.sort;
    plan_op *result = mkop(PLAN_PHYS_RESULT_SINK, 3, final);
    plan_stage *s2 = stage_of(2, PLAN_DIST_SINGLE, 1, 2, pipe_of(0, false, 2, xr1, sort),
                              pipe_of(1, true, 2, sorted, result));

    plan_query *q = zalloc(sizeof *q);
    q->n_stages = 3;
    q->stages = zalloc(sizeof(plan_stage *) * 3);
    q->stages[0] = s0;
    q->stages[1] = s1;
    q->stages[2] = s2;
    q->n_exchanges = 2;
    q->exchanges = zalloc(sizeof(plan_exchange) * 2);
    q->exchanges[0] =
        (plan_exchange){0, PLAN_EXCHANGE_HASH, 0, 1, 1, zalloc(sizeof(uint32_t)), 5, partial};
    q->exchanges[1] = (plan_exchange){1, PLAN_EXCHANGE_GATHER, 1, 2, 0, NULL, 3, final};
    q->n_cols = 3;
    q->types = final;
    return q;
}

static void test_skeleton_query(void **state) {
    (void)state;
    rt_catalog *cat = rt_catalog_create();
    load_table(cat, N_ROWS);
    plan_query *q = skeleton_plan();
    char *want = skeleton_answer(N_ROWS);
    for (uint32_t threads = 1; threads <= 4; threads += 3) {
        collector c = {0};
        rt_strbuf_init(&c.text);
        rt_error err;
        rt_task_stats stats;
        rt_mem_tracker mem = {0};
        qe_status st = run_query(q, cat, threads, &c, &mem, NULL, &stats, &err);
        if (st != QE_OK)
            fail_msg("%s", err.message);
        assert_string_equal(collected(&c), want);
        assert_int_equal(c.n_rows, 8);
        assert_int_equal(atomic_load(&mem.used), 0); /* everything released */
        rt_strbuf_free(&c.text);
    }
    free(want);
    /* an empty table gives no groups */
    rt_error err;
    assert_int_equal(rt_catalog_drop_table(cat, "t", &err), QE_OK);
    load_table(cat, 0);
    collector c = {0};
    assert_int_equal(run_query(q, cat, 2, &c, NULL, NULL, NULL, &err), QE_OK);
    assert_string_equal(collected(&c), "");
    rt_strbuf_free(&c.text);
    rt_catalog_destroy(cat);
}

/* INSERT INTO t VALUES (1, 5, 'x'), (1, 20, 'y'), (2, 30, NULL): VALUES -> Project ->
 * ExchangeSink(ROUND_ROBIN); ExchangeSource -> Insert. */
static plan_query *insert_plan(void) {
    const qe_type I = QE_TYPE_INTEGER, B = QE_TYPE_BIGINT, V = QE_TYPE_VARCHAR;
    qe_type *t3 = types_of(3, I, B, V);
    plan_op *values = mkop(PLAN_PHYS_VALUES, 3, t3);
    values->u.values.n_rows = 3;
    plan_expr **rows = zalloc(sizeof(plan_expr *) * 9);
    rows[0] = cint(1, I), rows[1] = cast(cint(5, I), B), rows[2] = cstr("x");
    rows[3] = cint(1, I), rows[4] = cint(20, B), rows[5] = cstr("a longer string value");
    rows[6] = op2(PLAN_OP_ADD, I, cint(1, I), cint(1, I)), rows[7] = cint(30, B),
    rows[8] = cnull(V);
    values->u.values.rows = rows;
    plan_op *xs = mkop(PLAN_PHYS_EXCHANGE_SINK, 3, t3);
    plan_stage *s0 = stage_of(
        0, PLAN_DIST_SINGLE, 0, 1,
        pipe_of(0, false, 3, values, project_op(3, t3, col(0, I), col(1, B), col(2, V)), xs));
    plan_op *xr = mkop(PLAN_PHYS_EXCHANGE_SOURCE, 3, t3);
    plan_op *ins = mkop(PLAN_PHYS_INSERT_SINK, 3, t3);
    ins->u.insert.table = "t";
    plan_stage *s1 = stage_of(1, PLAN_DIST_PARTITIONED, 0, 1, pipe_of(0, false, 2, xr, ins));
    plan_query *q = zalloc(sizeof *q);
    q->n_stages = 2;
    q->stages = zalloc(sizeof(plan_stage *) * 2);
    q->stages[0] = s0;
    q->stages[1] = s1;
    q->n_exchanges = 1;
    q->exchanges = zalloc(sizeof(plan_exchange));
    q->exchanges[0] = (plan_exchange){0, PLAN_EXCHANGE_ROUND_ROBIN, 0, 1, 0, NULL, 3, t3};
    q->is_insert = true;
    return q;
}

/* SELECT * FROM t: Scan -> Result. */
static plan_query *select_all_plan(void) {
    qe_type *t3 = types_of(3, QE_TYPE_INTEGER, QE_TYPE_BIGINT, QE_TYPE_VARCHAR);
    plan_stage *s = stage_of(
        0, PLAN_DIST_SINGLE, 0, 1,
        pipe_of(0, true, 2, scan_op("t", 3, t3, 0u, 1u, 2u), mkop(PLAN_PHYS_RESULT_SINK, 3, t3)));
    plan_query *q = zalloc(sizeof *q);
    q->n_stages = 1;
    q->stages = zalloc(sizeof(plan_stage *));
    q->stages[0] = s;
    q->n_cols = 3;
    q->types = t3;
    return q;
}

static void test_insert(void **state) {
    (void)state;
    rt_catalog *cat = rt_catalog_create();
    load_table(cat, 0);
    rt_error err;
    rt_task_stats stats;
    collector c = {0};
    assert_int_equal(run_query(insert_plan(), cat, 2, &c, NULL, NULL, &stats, &err), QE_OK);
    assert_int_equal(stats.rows_written, 3);
    assert_int_equal(rt_catalog_find(cat, "t")->n_rows, 3);
    assert_int_equal(run_query(select_all_plan(), cat, 1, &c, NULL, NULL, NULL, &err), QE_OK);
    assert_string_equal(collected(&c), "1|5|x\n1|20|a longer string value\n2|30|NULL\n");
    rt_strbuf_free(&c.text);
    /* and the skeleton query over it */
    collector d = {0};
    assert_int_equal(run_query(skeleton_plan(), cat, 3, &d, NULL, NULL, NULL, &err), QE_OK);
    assert_string_equal(collected(&d), "1|1|20\n2|1|30\n");
    rt_strbuf_free(&d.text);
    /* an unknown table */
    rt_catalog_drop_table(cat, "t", &err);
    assert_int_equal(run_query(insert_plan(), cat, 1, &d, NULL, NULL, NULL, &err), QE_BIND);
    assert_string_equal(err.sqlstate, "42P01");
    assert_string_equal(err.message, "relation \"t\" does not exist");
    rt_catalog_destroy(cat);
}

/* ---- sort and limit --------------------------------------------------------------------- */

/* VALUES rows (k, s) -> Sort(keys) ; SortSource -> Limit -> Result. */
static plan_query *sort_plan(uint32_t n_rows, plan_expr **rows, uint32_t n_keys,
                             plan_sort_key *keys, int64_t limit, int64_t offset) {
    qe_type *t2 = types_of(2, QE_TYPE_INTEGER, QE_TYPE_VARCHAR);
    plan_op *values = mkop(PLAN_PHYS_VALUES, 2, t2);
    values->u.values.n_rows = n_rows;
    values->u.values.rows = rows;
    plan_op *sort = mkop(PLAN_PHYS_SORT_SINK, 2, t2);
    sort->u.sort.n_keys = n_keys;
    sort->u.sort.keys = keys;
    plan_op *sorted = mkop(PLAN_PHYS_SORT_SOURCE, 2, t2);
    sorted->u.sort = sort->u.sort;
    plan_op *lim = mkop(PLAN_PHYS_LIMIT, 2, t2);
    lim->u.limit.limit = limit;
    lim->u.limit.offset = offset;
    plan_stage *s = stage_of(0, PLAN_DIST_SINGLE, 1, 2, pipe_of(0, false, 2, values, sort),
                             pipe_of(1, true, 3, sorted, lim, mkop(PLAN_PHYS_RESULT_SINK, 2, t2)));
    plan_query *q = zalloc(sizeof *q);
    q->n_stages = 1;
    q->stages = zalloc(sizeof(plan_stage *));
    q->stages[0] = s;
    return q;
}

static void test_sort_and_limit(void **state) {
    (void)state;
    const qe_type I = QE_TYPE_INTEGER;
    /* (k, s): k has ties and NULLs; s tells rows apart */
    int ks[] = {3, -1, 1, 3, 2, -1, 1, 3};
    const char *ss[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    plan_expr **rows = zalloc(sizeof(plan_expr *) * 16);
    for (int r = 0; r < 8; r++) {
        rows[2 * r] = ks[r] < 0 ? cnull(I) : cint(ks[r], I);
        rows[2 * r + 1] = cstr(ss[r]);
    }
    plan_sort_key *asc = zalloc(sizeof(plan_sort_key));
    asc->expr = col(0, I);
    collector c = {0};
    rt_error err;
    /* ASC NULLS LAST, stable among ties */
    assert_int_equal(
        run_query(sort_plan(8, rows, 1, asc, -1, 0), NULL, 1, &c, NULL, NULL, NULL, &err), QE_OK);
    assert_string_equal(collected(&c), "1|c\n1|g\n2|e\n3|a\n3|d\n3|h\nNULL|b\nNULL|f\n");
    rt_strbuf_free(&c.text);
    /* DESC NULLS FIRST, then s DESC */
    plan_sort_key *two = zalloc(sizeof(plan_sort_key) * 2);
    two[0] = (plan_sort_key){col(0, I), true, true};
    two[1] = (plan_sort_key){col(1, QE_TYPE_VARCHAR), true, false};
    assert_int_equal(
        run_query(sort_plan(8, rows, 2, two, -1, 0), NULL, 2, &c, NULL, NULL, NULL, &err), QE_OK);
    assert_string_equal(collected(&c), "NULL|f\nNULL|b\n3|h\n3|d\n3|a\n2|e\n1|g\n1|c\n");
    rt_strbuf_free(&c.text);
    /* LIMIT 3 OFFSET 2 */
    assert_int_equal(
        run_query(sort_plan(8, rows, 1, asc, 3, 2), NULL, 2, &c, NULL, NULL, NULL, &err), QE_OK);
    assert_string_equal(collected(&c), "2|e\n3|a\n3|d\n");
    rt_strbuf_free(&c.text);
    /* LIMIT 0, OFFSET past the end */
    assert_int_equal(
        run_query(sort_plan(8, rows, 1, asc, 0, 0), NULL, 2, &c, NULL, NULL, NULL, &err), QE_OK);
    assert_int_equal(
        run_query(sort_plan(8, rows, 1, asc, -1, 100), NULL, 2, &c, NULL, NULL, NULL, &err), QE_OK);
    assert_string_equal(collected(&c), "");
    rt_strbuf_free(&c.text);
}

/* A big sort over several batches, multi-threaded: the rows come out ordered. */
static void test_big_sort(void **state) {
    (void)state;
    rt_catalog *cat = rt_catalog_create();
    load_table(cat, N_ROWS);
    const qe_type I = QE_TYPE_INTEGER, B = QE_TYPE_BIGINT, V = QE_TYPE_VARCHAR;
    qe_type *t3 = types_of(3, I, B, V);
    plan_op *sort = mkop(PLAN_PHYS_SORT_SINK, 3, t3);
    sort->u.sort.n_keys = 2;
    sort->u.sort.keys = zalloc(sizeof(plan_sort_key) * 2);
    sort->u.sort.keys[0] = (plan_sort_key){col(2, V), true, false};
    sort->u.sort.keys[1] = (plan_sort_key){col(1, B), false, false};
    plan_op *sorted = mkop(PLAN_PHYS_SORT_SOURCE, 3, t3);
    sorted->u.sort = sort->u.sort;
    plan_stage *s = stage_of(0, PLAN_DIST_SINGLE, 1, 2,
                             pipe_of(0, false, 2, scan_op("t", 3, t3, 0u, 1u, 2u), sort),
                             pipe_of(1, true, 2, sorted, mkop(PLAN_PHYS_RESULT_SINK, 3, t3)));
    plan_query *q = zalloc(sizeof *q);
    q->n_stages = 1;
    q->stages = zalloc(sizeof(plan_stage *));
    q->stages[0] = s;
    collector c1 = {0}, c4 = {0};
    rt_error err;
    assert_int_equal(run_query(q, cat, 1, &c1, NULL, NULL, NULL, &err), QE_OK);
    assert_int_equal(run_query(q, cat, 4, &c4, NULL, NULL, NULL, &err), QE_OK);
    assert_int_equal(c1.n_rows, N_ROWS);
    assert_string_equal(collected(&c1), collected(&c4));
    assert_true(strncmp(collected(&c1), "3|9999|s9999\n", 13) == 0); /* "s9999" sorts first DESC */
    /* the memory limit stops the same sort */
    rt_mem_tracker mem = {.limit = 256 * 1024};
    collector c = {0};
    assert_int_equal(run_query(q, cat, 2, &c, &mem, NULL, NULL, &err), QE_NOMEM);
    assert_string_equal(err.sqlstate, "53200");
    assert_int_equal(atomic_load(&mem.used), 0);
    rt_strbuf_free(&c.text);
    rt_strbuf_free(&c1.text);
    rt_strbuf_free(&c4.text);
    rt_catalog_destroy(cat);
}

/* ---- aggregation without GROUP BY --------------------------------------------------- */

/* SELECT count(*), sum(b), min(a), max(c?), avg(b) FROM t [WHERE ...], SINGLE phase. */
static plan_query *global_agg_plan(plan_expr *pred) {
    const qe_type I = QE_TYPE_INTEGER, B = QE_TYPE_BIGINT, D = QE_TYPE_DOUBLE;
    qe_type *ib = types_of(2, I, B);
    qe_type *out = types_of(5, B, B, I, B, D);
    plan_agg *aggs = zalloc(sizeof(plan_agg) * 5);
    aggs[0] = agg(PLAN_AGG_COUNT_STAR, B, B, NULL);
    aggs[1] = agg(PLAN_AGG_SUM, B, B, col(1, B));
    aggs[2] = agg(PLAN_AGG_MIN, I, B, col(0, I));
    aggs[3] = agg(PLAN_AGG_COUNT, B, B, col(0, I));
    aggs[4] = agg(PLAN_AGG_AVG, D, D, col(1, B));
    plan_op *sink = mkop(PLAN_PHYS_AGG_SINK, 2, ib);
    set_agg(sink, PLAN_AGG_SINGLE, 0, NULL, 5, aggs, 0);
    plan_op *src = mkop(PLAN_PHYS_AGG_SOURCE, 5, out);
    set_agg(src, PLAN_AGG_SINGLE, 0, NULL, 5, aggs, 0);
    plan_op *scan = scan_op("t", 2, ib, 0u, 1u);
    plan_pipeline *p0 = pred ? pipe_of(0, false, 3, scan, filter_op(2, ib, pred), sink)
                             : pipe_of(0, false, 2, scan, sink);
    plan_stage *s = stage_of(0, PLAN_DIST_SINGLE, 1, 2, p0,
                             pipe_of(1, false, 2, src, mkop(PLAN_PHYS_RESULT_SINK, 5, out)));
    plan_query *q = zalloc(sizeof *q);
    q->n_stages = 1;
    q->stages = zalloc(sizeof(plan_stage *));
    q->stages[0] = s;
    return q;
}

static void test_global_aggregates(void **state) {
    (void)state;
    rt_catalog *cat = rt_catalog_create();
    load_table(cat, 100);
    rt_error err;
    collector c = {0};
    /* rows 0..99: b NULL for multiples of 13 (8 rows), a NULL for 0 and 50 */
    assert_int_equal(run_query(global_agg_plan(NULL), cat, 3, &c, NULL, NULL, NULL, &err), QE_OK);
    int64_t sum = 0, n = 0;
    for (int i = 0; i < 100; i++)
        if (i % 13 != 0)
            sum += i, n++;
    char avg[64], want[128];
    rt_value_format(&(rt_value){.type = QE_TYPE_DOUBLE, .u.d = (double)sum / (double)n}, avg,
                    sizeof avg);
    snprintf(want, sizeof want, "100|%lld|0|98|%s\n", (long long)sum, avg);
    assert_string_equal(collected(&c), want);
    rt_strbuf_free(&c.text);
    /* nothing passes the filter: one row, count 0 and NULLs */
    plan_expr *never =
        op2(PLAN_OP_LT, QE_TYPE_BOOLEAN, col(1, QE_TYPE_BIGINT), cint(0, QE_TYPE_BIGINT));
    assert_int_equal(run_query(global_agg_plan(never), cat, 2, &c, NULL, NULL, NULL, &err), QE_OK);
    assert_string_equal(collected(&c), "0|NULL|NULL|0|NULL\n");
    rt_strbuf_free(&c.text);
    rt_catalog_destroy(cat);
}

/* The PARTIAL -> GATHER -> FINAL form of count(*), sum(b) on an empty table. */
static void test_partial_final_empty(void **state) {
    (void)state;
    rt_catalog *cat = rt_catalog_create();
    load_table(cat, 0);
    const qe_type B = QE_TYPE_BIGINT;
    qe_type *b1 = types_of(1, B);
    qe_type *partial = types_of(4, B, B, B, B);
    qe_type *final = types_of(2, B, B);
    plan_agg *pa = zalloc(sizeof(plan_agg) * 2);
    pa[0] = agg(PLAN_AGG_COUNT_STAR, B, B, NULL);
    pa[1] = agg(PLAN_AGG_SUM, B, B, col(0, B));
    plan_agg *fa = zalloc(sizeof(plan_agg) * 2);
    fa[0] = agg(PLAN_AGG_COUNT_STAR, B, B, col(0, B));
    fa[0].n_column = 1;
    fa[1] = agg(PLAN_AGG_SUM, B, B, col(2, B));
    fa[1].n_column = 3;
    plan_op *sink0 = mkop(PLAN_PHYS_AGG_SINK, 1, b1);
    set_agg(sink0, PLAN_AGG_PARTIAL, 0, NULL, 2, pa, 0);
    plan_op *src0 = mkop(PLAN_PHYS_AGG_SOURCE, 4, partial);
    set_agg(src0, PLAN_AGG_PARTIAL, 0, NULL, 2, pa, 0);
    plan_stage *s0 = stage_of(
        0, PLAN_DIST_PARTITIONED, 1, 2, pipe_of(0, false, 2, scan_op("t", 1, b1, 1u), sink0),
        pipe_of(1, false, 2, src0, mkop(PLAN_PHYS_EXCHANGE_SINK, 4, partial)));
    plan_op *sink1 = mkop(PLAN_PHYS_AGG_SINK, 4, partial);
    set_agg(sink1, PLAN_AGG_FINAL, 0, NULL, 2, fa, 0);
    plan_op *src1 = mkop(PLAN_PHYS_AGG_SOURCE, 2, final);
    set_agg(src1, PLAN_AGG_FINAL, 0, NULL, 2, fa, 0);
    plan_stage *s1 =
        stage_of(1, PLAN_DIST_SINGLE, 1, 2,
                 pipe_of(0, false, 2, mkop(PLAN_PHYS_EXCHANGE_SOURCE, 4, partial), sink1),
                 pipe_of(1, false, 2, src1, mkop(PLAN_PHYS_RESULT_SINK, 2, final)));
    plan_query *q = zalloc(sizeof *q);
    q->n_stages = 2;
    q->stages = zalloc(sizeof(plan_stage *) * 2);
    q->stages[0] = s0;
    q->stages[1] = s1;
    q->n_exchanges = 1;
    q->exchanges = zalloc(sizeof(plan_exchange));
    q->exchanges[0] = (plan_exchange){0, PLAN_EXCHANGE_GATHER, 0, 1, 0, NULL, 4, partial};
    collector c = {0};
    rt_error err;
    assert_int_equal(run_query(q, cat, 2, &c, NULL, NULL, NULL, &err), QE_OK);
    assert_string_equal(collected(&c), "0|NULL\n");
    rt_strbuf_free(&c.text);
    rt_catalog_destroy(cat);
}

/* ---- errors and cancellation ------------------------------------------------------------ */

/* SELECT <expr> FROM t WHERE <pred>: Scan(a, b) -> [Filter] -> Project -> Result. */
static plan_query *project_plan(plan_expr *e, plan_expr *pred) {
    qe_type *ib = types_of(2, QE_TYPE_INTEGER, QE_TYPE_BIGINT);
    qe_type *out = types_of(1, e->type);
    plan_op *scan = scan_op("t", 2, ib, 0u, 1u);
    plan_op *proj = project_op(1, out, e);
    plan_op *res = mkop(PLAN_PHYS_RESULT_SINK, 1, out);
    plan_pipeline *p = pred ? pipe_of(0, false, 4, scan, filter_op(2, ib, pred), proj, res)
                            : pipe_of(0, false, 3, scan, proj, res);
    plan_query *q = zalloc(sizeof *q);
    q->n_stages = 1;
    q->stages = zalloc(sizeof(plan_stage *));
    q->stages[0] = stage_of(0, PLAN_DIST_SINGLE, 0, 1, p);
    return q;
}

static void test_runtime_errors(void **state) {
    (void)state;
    const qe_type I = QE_TYPE_INTEGER, B = QE_TYPE_BIGINT, BO = QE_TYPE_BOOLEAN;
    rt_catalog *cat = rt_catalog_create();
    load_table(cat, N_ROWS);
    rt_error err;
    collector c = {0};
    /* a * 1000000000 overflows INTEGER for a >= 3 */
    plan_expr *big = op2(PLAN_OP_MUL, I, col(0, I), cint(1000000000, I));
    assert_int_equal(run_query(project_plan(big, NULL), cat, 4, &c, NULL, NULL, NULL, &err),
                     QE_DATA);
    assert_string_equal(err.sqlstate, "22003");
    assert_string_equal(err.message, "integer out of range");
    assert_int_equal(err.position, 7);
    /* ... but not where a filter removed those rows, nor on NULL rows */
    plan_expr *small = op2(PLAN_OP_LT, BO, col(0, I), cint(3, I));
    rt_strbuf_free(&c.text);
    c = (collector){0};
    assert_int_equal(run_query(project_plan(big, small), cat, 4, &c, NULL, NULL, NULL, &err),
                     QE_OK);
    /* rows with a in {0, 1, 2}: a = i % 7 < 3 and i % 50 != 0 */
    uint64_t want = 0;
    for (uint32_t i = 0; i < N_ROWS; i++)
        want += i % 50 != 0 && i % 7 < 3;
    assert_int_equal(c.n_rows, want);
    rt_strbuf_free(&c.text);
    /* b <> 0 AND 100 / b > 1: the division never sees b = 0 */
    plan_expr *guard =
        op2(PLAN_OP_AND, BO, op2(PLAN_OP_NE, BO, col(1, B), cint(0, B)),
            op2(PLAN_OP_GT, BO, op2(PLAN_OP_DIV, B, cint(100, B), col(1, B)), cint(1, B)));
    c = (collector){0};
    assert_int_equal(run_query(project_plan(col(1, B), guard), cat, 2, &c, NULL, NULL, NULL, &err),
                     QE_OK);
    rt_strbuf_free(&c.text);
    /* cancellation */
    _Atomic bool cancel = true;
    c = (collector){0};
    assert_int_equal(
        run_query(project_plan(col(1, B), NULL), cat, 2, &c, NULL, &cancel, NULL, &err),
        QE_CANCELLED);
    assert_string_equal(err.sqlstate, "57014");
    assert_string_equal(err.message, "canceling statement due to user request");
    /* an unknown table */
    rt_catalog_drop_table(cat, "t", &err);
    assert_int_equal(run_query(project_plan(col(1, B), NULL), cat, 2, &c, NULL, NULL, NULL, &err),
                     QE_BIND);
    assert_string_equal(err.message, "relation \"t\" does not exist");
    /* malformed plans are internal errors, not crashes */
    plan_query *q = project_plan(col(5, B), NULL);
    load_table(cat, 10);
    assert_int_equal(run_query(q, cat, 1, &c, NULL, NULL, NULL, &err), QE_INTERNAL);
    q->stages[0]->pipelines[0]->n_ops = 1;
    assert_int_equal(run_query(q, cat, 1, &c, NULL, NULL, NULL, &err), QE_INTERNAL);
    rt_strbuf_free(&c.text);
    rt_catalog_destroy(cat);
}

/* ---- exchanges -------------------------------------------------------------------------- */

/* A test exchange with 3 partitions that records which keys reach which partition. */
#define N_PARTS 3
typedef struct part_ex {
    uint64_t rows[N_PARTS];
    int key_part[64]; /* partition of each key value (-1 unseen) */
    bool conflict;    /* a key reached two partitions */
    uint32_t finishes;
    uint32_t max_batch;
} part_ex;

static qe_status pex_send(void *ctx, uint32_t id, uint32_t p, const rt_batch *b, rt_error *err) {
    (void)id, (void)err;
    part_ex *x = ctx;
    assert_null(b->sel);
    assert_true(p < N_PARTS);
    x->rows[p] += b->n_rows;
    if (b->n_rows > x->max_batch)
        x->max_batch = b->n_rows;
    for (uint32_t r = 0; r < b->n_rows; r++) {
        rt_value v;
        rt_vector_get_value(&b->cols[0], r, &v);
        int key = v.is_null ? 63 : (int)v.u.i;
        if (x->key_part[key] >= 0 && x->key_part[key] != (int)p)
            x->conflict = true;
        x->key_part[key] = (int)p;
    }
    return QE_OK;
}

static qe_status pex_finish(void *ctx, uint32_t id, rt_error *err) {
    (void)id, (void)err;
    ((part_ex *)ctx)->finishes++;
    return QE_OK;
}

static qe_status pex_recv(void *ctx, uint32_t id, rt_arena *a, rt_batch **out, rt_error *err) {
    (void)ctx, (void)id, (void)a, (void)err;
    *out = NULL;
    return QE_OK;
}

static uint32_t pex_parts(void *ctx, uint32_t id) {
    (void)ctx, (void)id;
    return N_PARTS;
}

static void test_hash_exchange(void **state) {
    (void)state;
    rt_catalog *cat = rt_catalog_create();
    load_table(cat, N_ROWS);
    const qe_type I = QE_TYPE_INTEGER, B = QE_TYPE_BIGINT;
    qe_type *ib = types_of(2, I, B);
    plan_query *q = zalloc(sizeof *q);
    q->n_stages = 1;
    q->stages = zalloc(sizeof(plan_stage *));
    plan_op *xs = mkop(PLAN_PHYS_EXCHANGE_SINK, 2, ib);
    q->stages[0] = stage_of(0, PLAN_DIST_PARTITIONED, 0, 1,
                            pipe_of(0, false, 2, scan_op("t", 2, ib, 0u, 1u), xs));
    q->n_exchanges = 1;
    q->exchanges = zalloc(sizeof(plan_exchange));
    q->exchanges[0] =
        (plan_exchange){0, PLAN_EXCHANGE_HASH, 0, 1, 1, zalloc(sizeof(uint32_t)), 2, ib};
    static const rt_exchange_ops ops = {pex_send, pex_finish, pex_recv, pex_parts, NULL};
    for (int kind = 0; kind < 4; kind++) {
        q->exchanges[0].kind = (plan_exchange_kind)kind;
        part_ex x;
        memset(&x, 0, sizeof x);
        memset(x.key_part, -1, sizeof x.key_part);
        rt_task task = {.query = q,
                        .stage = q->stages[0],
                        .n_tasks = 1,
                        .catalog = cat,
                        .exchange = &ops,
                        .exchange_ctx = &x,
                        .n_threads = 4};
        rt_error err;
        rt_task_stats stats;
        assert_int_equal(rt_task_run(&task, &stats, &err), QE_OK);
        assert_int_equal(x.finishes, 1);
        assert_true(x.max_batch <= RT_VECTOR_SIZE);
        uint64_t total = x.rows[0] + x.rows[1] + x.rows[2];
        switch ((plan_exchange_kind)kind) {
        case PLAN_EXCHANGE_HASH:
            assert_int_equal(total, N_ROWS);
            assert_false(x.conflict);
            assert_true(x.rows[0] > 0 && x.rows[1] > 0 && x.rows[2] > 0);
            break;
        case PLAN_EXCHANGE_GATHER: assert_int_equal(x.rows[0], N_ROWS); break;
        case PLAN_EXCHANGE_BROADCAST:
            assert_int_equal(total, 3 * N_ROWS);
            assert_int_equal(x.rows[1], N_ROWS);
            break;
        case PLAN_EXCHANGE_ROUND_ROBIN:
            assert_int_equal(total, N_ROWS);
            assert_true(x.rows[0] > 0 && x.rows[1] > 0 && x.rows[2] > 0);
            break;
        }
        assert_int_equal(stats.rows_out, N_ROWS);
    }
    rt_catalog_destroy(cat);
}

static void test_local_exchange(void **state) {
    (void)state;
    qe_type *t1 = types_of(1, QE_TYPE_VARCHAR);
    plan_query q = {.n_exchanges = 2};
    rt_local_exchange *lx = rt_local_exchange_create(&q);
    rt_error err;
    rt_batch *b = rt_batch_create(A, 1, t1, 2);
    rt_vector_set_string(&b->cols[0], A, 0, "a string that is not inlined", 28);
    rt_vector_set_string(&b->cols[0], A, 1, "short", 5);
    b->n_rows = 2;
    const rt_exchange_ops *ops = &rt_local_exchange_ops;
    assert_int_equal(ops->n_partitions(lx, 0), 1);
    assert_int_equal(ops->send(lx, 1, 0, b, &err), QE_OK);
    memset(b->cols[0].values, 0, 32); /* the queue holds a copy */
    assert_int_equal(ops->finish(lx, 1, &err), QE_OK);
    rt_batch *got;
    assert_int_equal(ops->recv(lx, 1, A, &got, &err), QE_OK);
    assert_non_null(got);
    rt_value v;
    rt_vector_get_value(&got->cols[0], 0, &v);
    assert_memory_equal(v.u.s.ptr, "a string that is not inlined", 28);
    assert_int_equal(ops->recv(lx, 1, A, &got, &err), QE_OK);
    assert_null(got);
    assert_int_equal(ops->send(lx, 5, 0, b, &err), QE_INTERNAL);
    rt_local_exchange_destroy(lx);
}

/* ---- compiled pipelines through the rt_jit_* helpers ----------------------------------- */

/* A hand-written stand-in for the code codegen generates for
 * Scan(t: a, b) -> Filter(#1 > 10) -> Project(#0, #1) -> HashAggregate(PARTIAL, #0;
 * count_star, sum(#1)) at the cheap tier: the rows go to scratch slot 0, pushed to the
 * interpreter's aggregation. */
static qe_status fake_agg_pipeline(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *m) {
    rt_batch *vals = rt_jit_scratch(ts, 0);
    assert_non_null(vals);
    assert_null(rt_jit_scratch(ts, 1)); /* one slot */
    assert_int_equal(vals->n_cols, 2);
    assert_non_null(vals->cols[0].validity);
    const rt_vector *a = &m->cols[0], *b = &m->cols[1];
    uint32_t n = 0, active = rt_batch_active(m);
    for (uint32_t k = 0; k < active; k++) {
        uint32_t r = m->sel ? m->sel[k] : k;
        int64_t bv = ((const int64_t *)b->values)[r];
        if (!rt_vector_is_valid(b, r) || bv <= 10)
            continue;
        ((int32_t *)vals->cols[0].values)[n] = ((const int32_t *)a->values)[r];
        uint8_t bit = (uint8_t)(1u << (n & 7));
        if (rt_vector_is_valid(a, r))
            vals->cols[0].validity[n >> 3] |= bit;
        else
            vals->cols[0].validity[n >> 3] &= (uint8_t)~bit;
        ((int64_t *)vals->cols[1].values)[n] = bv;
        vals->cols[1].validity[n >> 3] |= bit;
        n++;
    }
    vals->n_rows = n;
    return n ? rt_jit_push(ps, ts, vals) : QE_OK;
}

/* A stand-in for Scan(t: a, b) -> Project(#1) -> Result through rt_jit_push. */
static qe_status fake_push_pipeline(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *m) {
    rt_batch *out = rt_jit_scratch(ts, 0);
    const rt_vector *b = &m->cols[1];
    uint32_t active = rt_batch_active(m);
    for (uint32_t k = 0; k < active; k++) {
        uint32_t r = m->sel ? m->sel[k] : k;
        ((int64_t *)out->cols[0].values)[out->n_rows] = ((const int64_t *)b->values)[r];
        uint8_t bit = (uint8_t)(1u << (out->n_rows & 7));
        if (rt_vector_is_valid(b, r))
            out->cols[0].validity[out->n_rows >> 3] |= bit;
        else
            out->cols[0].validity[out->n_rows >> 3] &= (uint8_t)~bit;
        if (++out->n_rows == RT_VECTOR_SIZE) {
            qe_status st = rt_jit_push(ps, ts, out);
            if (st != QE_OK)
                return st;
            out = rt_jit_scratch(ts, 0);
        }
    }
    return out->n_rows ? rt_jit_push(ps, ts, out) : QE_OK;
}

static void test_compiled_pipelines(void **state) {
    (void)state;
    rt_catalog *cat = rt_catalog_create();
    load_table(cat, N_ROWS);
    plan_query *q = skeleton_plan();
    char *want = skeleton_answer(N_ROWS);
    rt_local_exchange *lx = rt_local_exchange_create(q);
    collector c = {0};
    rt_result_sink sink = {collect_push, &c};
    const rt_pipeline_fn stage0_fns[2] = {fake_agg_pipeline, NULL};
    for (uint32_t s = 0; s < q->n_stages; s++) {
        rt_task task = {.query = q,
                        .stage = q->stages[s],
                        .n_tasks = 1,
                        .catalog = cat,
                        .exchange = &rt_local_exchange_ops,
                        .exchange_ctx = lx,
                        .result = &sink,
                        .n_threads = 3,
                        .compiled = s == 0 ? stage0_fns : NULL};
        rt_error err;
        if (rt_task_run(&task, NULL, &err) != QE_OK)
            fail_msg("%s", err.message);
    }
    assert_string_equal(collected(&c), want);
    rt_local_exchange_destroy(lx);
    rt_strbuf_free(&c.text);
    free(want);
    /* the push path, compared with the interpreter on the same plan */
    plan_query *p = project_plan(col(1, QE_TYPE_BIGINT), NULL);
    p->stages[0]->pipelines[0]->ordered = true;
    collector interp = {0}, compiled = {0};
    rt_error err;
    assert_int_equal(run_query(p, cat, 1, &interp, NULL, NULL, NULL, &err), QE_OK);
    rt_result_sink sink2 = {collect_push, &compiled};
    const rt_pipeline_fn fns[1] = {fake_push_pipeline};
    rt_task task = {.query = p,
                    .stage = p->stages[0],
                    .n_tasks = 1,
                    .catalog = cat,
                    .result = &sink2,
                    .n_threads = 1,
                    .compiled = fns};
    assert_int_equal(rt_task_run(&task, NULL, &err), QE_OK);
    assert_int_equal(compiled.n_rows, N_ROWS);
    assert_string_equal(collected(&interp), collected(&compiled));
    rt_strbuf_free(&interp.text);
    rt_strbuf_free(&compiled.text);
    rt_catalog_destroy(cat);
}

/* ---- failure injection ----------------------------------------------------------------- */

/* Fails the Nth allocation for every N until the query gets through: every run ends
 * in success or a clean out-of-memory error that released everything. */
static void test_out_of_memory_sweep(void **state) {
    (void)state;
    rt_catalog *cat = rt_catalog_create();
    load_table(cat, 3000);
    plan_query *q = skeleton_plan();
    char *want = skeleton_answer(3000);
    int n_failed = 0;
    for (int64_t n = 0; n < 2000; n++) {
        rt_mem_tracker mem = {0};
        collector c = {0};
        rt_error err;
        rt_mem_debug_fail_after(n);
        qe_status st = run_query(q, cat, 2, &c, &mem, NULL, NULL, &err);
        rt_mem_debug_fail_after(-1);
        if (st == QE_OK) {
            assert_string_equal(collected(&c), want);
            rt_strbuf_free(&c.text);
            break;
        }
        assert_int_equal(st, QE_NOMEM);
        assert_string_equal(err.sqlstate, "53200");
        assert_int_equal(atomic_load(&mem.used), 0);
        rt_strbuf_free(&c.text);
        n_failed++;
    }
    assert_true(n_failed > 20); /* the sweep did reach deep into the query */
    free(want);
    rt_catalog_destroy(cat);
}

typedef struct canceller {
    _Atomic bool *flag;
    unsigned ms;
} canceller;

static void *cancel_later(void *arg) {
    canceller *c = arg;
    struct timespec ts = {0, (long)c->ms * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(c->flag, true);
    return NULL;
}

/* A slow scan (debug delay per morsel) is cancelled from another thread; a long delay
 * does not hold the cancellation back. */
static void test_cancel_running(void **state) {
    (void)state;
    rt_catalog *cat = rt_catalog_create();
    load_table(cat, 200 * RT_VECTOR_SIZE);
    plan_query *q = project_plan(col(1, QE_TYPE_BIGINT), NULL);
    for (int round = 0; round < 2; round++) {
        _Atomic bool flag = false;
        canceller c = {&flag, 30};
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, cancel_later, &c), 0);
        collector out = {0};
        rt_result_sink sink = {collect_push, &out};
        rt_task task = {.query = q,
                        .stage = q->stages[0],
                        .n_tasks = 1,
                        .catalog = cat,
                        .result = &sink,
                        .n_threads = 2,
                        .cancel = &flag,
                        .debug_delay_ms = round == 0 ? 5 : 60000};
        rt_error err;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(rt_task_run(&task, NULL, &err), QE_CANCELLED);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        pthread_join(th, NULL);
        assert_string_equal(err.sqlstate, "57014");
        assert_true(out.n_rows < 200 * RT_VECTOR_SIZE);
        if (round == 0)
            assert_true(out.n_rows > 0);
        assert_true(t1.tv_sec - t0.tv_sec < 5); /* not the 60 s delay */
        rt_strbuf_free(&out.text);
    }
    rt_catalog_destroy(cat);
}

/* rt_arena_calloc_aligned: aligned, zeroed, and apart from the arena's other memory,
 * across block boundaries and between unaligned requests. */
static void test_arena_aligned(void **state) {
    (void)state;
    rt_arena *a = rt_arena_create(NULL);
    assert_non_null(a);
    enum { N = 3000 };
    static unsigned char *rows[N];
    for (int i = 0; i < N; i++) {
        if (i % 7 == 0)
            memset(rt_arena_alloc(a, 16 + (size_t)i % 40), 0xAB, 16 + (size_t)i % 40);
        size_t n = i % 3 ? 64 : 192;
        rows[i] = rt_arena_calloc_aligned(a, n, 64);
        assert_non_null(rows[i]);
        assert_int_equal((uintptr_t)rows[i] % 64, 0);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(rows[i][k], 0);
        memset(rows[i], i & 0xff, n);
    }
    for (int i = 0; i < N; i++) /* nothing later overwrote a row */
        for (size_t k = 0; k < (i % 3 ? 64u : 192u); k++)
            assert_int_equal(rows[i][k], i & 0xff);
    rt_arena_destroy(a);
}

/* rt_jit_block_compact against the obvious loop: block sizes around the 16-row steps,
 * random and all-pass/none-pass bytes, with and without validity bitmaps, and a
 * guard after out[n) that must stay untouched. */
static void test_block_compact(void **state) {
    (void)state;
    enum { MAX = 1040 };
    static const uint64_t sizes[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 100, 1023, 1024, MAX};
    uint8_t pass[MAX], copy[MAX], bm[(MAX + 64) / 8];
    uint32_t out[MAX + 1], want[MAX];
    uint64_t seed = 12345;
    for (uint32_t t = 0; t < sizeof sizes / sizeof sizes[0] * 6; t++) {
        uint64_t n = sizes[t / 6], start = t % 3 ? 37 * t : 0;
        uint32_t kind = t % 6;
        for (uint64_t j = 0; j < n; j++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            pass[j] = kind == 0 ? 1 : kind == 1 ? 0 : (uint8_t)(seed >> 60 & 1);
        }
        for (size_t b = 0; b < sizeof bm; b++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            bm[b] = (uint8_t)(seed >> 50);
        }
        bool with_bm = kind >= 4 && start + n <= 8 * sizeof bm;
        uint64_t k_want = 0;
        for (uint64_t j = 0; j < n; j++) {
            uint64_t row = start + j;
            bool valid = !with_bm || (bm[row >> 3] >> (row & 7) & 1);
            if (pass[j] && valid)
                want[k_want++] = (uint32_t)row;
        }
        memcpy(copy, pass, n);
        out[n] = 0xdeadbeef;
        const uint8_t *bitmaps[2] = {NULL, with_bm ? bm : NULL};
        uint64_t k = rt_jit_block_compact(copy, n, start, out, bitmaps, 2);
        assert_int_equal(k, k_want);
        assert_memory_equal(out, want, k * sizeof *out);
        assert_int_equal(out[n], 0xdeadbeef);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_compact),
        cmocka_unit_test(test_arena_aligned),
        cmocka_unit_test_setup_teardown(test_arena, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_limit, setup, teardown),
        cmocka_unit_test(test_big_blocks),
        cmocka_unit_test_setup_teardown(test_strbuf_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expressions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skeleton_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_and_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_sort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_aggregates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_final_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compiled_pipelines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_running, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
