/*
 * source.c -- pipeline sources that read outside the stage: SCAN (table chunks),
 * VALUES (constant rows), RANGE (range/generate_series) and EXCHANGE_SOURCE (batches
 * from producer tasks).
 *
 * Every source is a shared cursor the pipeline's threads pull morsels from.  A scan
 * morsel is a zero-copy view of one table chunk restricted to the scanned columns.
 * In a multi-task stage each task scans its own local table (a worker's
 * partition): task_idx/n_tasks never split a table here.
 */
#include "rt_int.h"

#include <string.h>

/* ---- SCAN ------------------------------------------------------------------------------ */

typedef struct scan_src {
    rt_table_snap snap;    /* chunks as of the pipeline start */
    _Atomic uint32_t next; /* next chunk to hand out */
} scan_src;

static qe_status scan_init(rt_pipeline_state *ps, rt_error *err) {
    const plan_op *op = ps->source;
    if (ps->task->catalog == NULL || op->u.scan.table == NULL)
        return rt_plan_error(err, "scan without a catalog or table");
    rt_table *t = rt_catalog_find(ps->task->catalog, op->u.scan.table);
    if (t == NULL)
        return rt_error_set(err, QE_BIND, "42P01", -1, "relation \"%s\" does not exist",
                            op->u.scan.table);
    for (uint32_t c = 0; c < op->n_cols; c++) {
        uint32_t idx = op->u.scan.col_idx[c];
        if (idx >= t->n_cols || t->col_types[idx] != op->types[c])
            return rt_plan_error(err, "scan of \"%s\": column %u does not match the table", t->name,
                                 c);
    }
    scan_src *s = rt_arena_calloc(ps->arena, sizeof *s);
    if (s == NULL)
        return rt_error_nomem(err, ps->task->mem);
    ps->src = s;
    return rt_table_snapshot(ps->task->catalog, t, ps->arena, &s->snap, err);
}

static qe_status scan_next(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch **out) {
    scan_src *s = ps->src;
    const plan_op *op = ps->source;
    uint32_t i = atomic_fetch_add(&s->next, 1);
    *out = NULL;
    if (i >= s->snap.n_chunks)
        return QE_OK;
    const rt_batch *chunk = &s->snap.chunks[i];
    rt_batch *b = rt_arena_calloc(ts->morsel_arena, sizeof *b);
    if (b == NULL ||
        (op->n_cols > 0 &&
         (b->cols = rt_arena_alloc(ts->morsel_arena, sizeof(rt_vector) * op->n_cols)) == NULL))
        return rt_error_nomem(&ts->err, ps->task->mem);
    b->n_rows = chunk->n_rows;
    b->n_cols = op->n_cols;
    b->capacity = chunk->capacity;
    for (uint32_t c = 0; c < op->n_cols; c++)
        b->cols[c] = chunk->cols[op->u.scan.col_idx[c]];
    *out = b;
    return QE_OK;
}

const rt_source_ops rt_scan_source = {scan_init, scan_next, NULL};

/* ---- VALUES ---------------------------------------------------------------------------- */

typedef struct values_src {
    _Atomic uint64_t next; /* first row of the next morsel */
} values_src;

static qe_status values_init(rt_pipeline_state *ps, rt_error *err) {
    const plan_op *op = ps->source;
    if (op->u.values.n_rows > 0 && op->n_cols > 0 && op->u.values.rows == NULL)
        return rt_plan_error(err, "VALUES without rows");
    ps->src = rt_arena_calloc(ps->arena, sizeof(values_src));
    return ps->src ? QE_OK : rt_error_nomem(err, ps->task->mem);
}

/* Evaluates the row's expression for column c into b's row. */
static qe_status values_cell(rt_thread_state *ts, const plan_op *op, uint64_t row, uint32_t c,
                             rt_batch *b, uint32_t at) {
    const plan_expr *e = op->u.values.rows[row * op->n_cols + c];
    if (e == NULL)
        return rt_plan_error(&ts->err, "VALUES row %llu has no expression for column %u",
                             (unsigned long long)row, c);
    rt_value v;
    qe_status st = rt_eval_const(ts->morsel_arena, e, &v, &ts->err);
    if (st == QE_OK && !v.is_null && v.type != op->types[c])
        st = rt_value_cast(&v, op->types[c], &v, ts->morsel_arena, &ts->err, e->position);
    if (st == QE_OK && !rt_vector_set_value(&b->cols[c], ts->morsel_arena, at, b->capacity, &v))
        st = rt_error_nomem(&ts->err, ts->ps->task->mem);
    return st;
}

static qe_status values_next(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch **out) {
    values_src *s = ps->src;
    const plan_op *op = ps->source;
    uint64_t n_rows = op->u.values.n_rows;
    uint64_t start = atomic_fetch_add(&s->next, RT_VECTOR_SIZE);
    *out = NULL;
    if (start >= n_rows)
        return QE_OK;
    uint32_t n = (uint32_t)(n_rows - start < RT_VECTOR_SIZE ? n_rows - start : RT_VECTOR_SIZE);
    rt_batch *b = rt_batch_create(ts->morsel_arena, op->n_cols, op->types, n);
    if (b == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    for (uint32_t r = 0; r < n; r++)
        for (uint32_t c = 0; c < op->n_cols; c++) {
            qe_status st = values_cell(ts, op, start + r, c, b, r);
            if (st != QE_OK)
                return st;
        }
    b->n_rows = n;
    *out = b;
    return QE_OK;
}

const rt_source_ops rt_values_source = {values_init, values_next, NULL};

/* ---- RANGE ----------------------------------------------------------------------------- */

static qe_status range_init(rt_pipeline_state *ps, rt_error *err) {
    if (ps->source->n_cols != 1 || ps->source->types[0] != QE_TYPE_BIGINT)
        return rt_plan_error(err, "range with a schema other than one BIGINT column");
    ps->src = rt_arena_calloc(ps->arena, sizeof(values_src));
    return ps->src ? QE_OK : rt_error_nomem(err, ps->task->mem);
}

static qe_status range_next(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch **out) {
    values_src *s = ps->src;
    const plan_range *r = &ps->source->u.range;
    uint64_t start = atomic_fetch_add(&s->next, RT_VECTOR_SIZE);
    *out = NULL;
    if (start >= r->count)
        return QE_OK;
    uint32_t n = (uint32_t)(r->count - start < RT_VECTOR_SIZE ? r->count - start : RT_VECTOR_SIZE);
    rt_batch *b = rt_batch_create(ts->morsel_arena, 1, ps->source->types, n);
    if (b == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    int64_t *v = b->cols[0].values;
    uint64_t first = (uint64_t)r->start + start * (uint64_t)r->step; /* wraps like int64 */
    for (uint32_t i = 0; i < n; i++)
        v[i] = (int64_t)(first + (uint64_t)i * (uint64_t)r->step);
    b->n_rows = n;
    *out = b;
    return QE_OK;
}

const rt_source_ops rt_range_source = {range_init, range_next, NULL};

/* ---- EXCHANGE_SOURCE ------------------------------------------------------------------- */

typedef struct exchange_src {
    pthread_mutex_t mu; /* one receiver at a time; guards done */
    bool done;          /* recv returned the end: never call it again */
} exchange_src;

static qe_status exchange_src_init(rt_pipeline_state *ps, rt_error *err) {
    const rt_task *task = ps->task;
    uint32_t id = ps->source->u.exchange_source.exchange_id;
    if (task->exchange == NULL || task->query == NULL || id >= task->query->n_exchanges)
        return rt_plan_error(err, "exchange source %u has no exchange", id);
    exchange_src *s = rt_arena_calloc(ps->arena, sizeof *s);
    if (s == NULL)
        return rt_error_nomem(err, task->mem);
    pthread_mutex_init(&s->mu, NULL);
    ps->src = s;
    return QE_OK;
}

static qe_status exchange_src_next(rt_pipeline_state *ps, rt_thread_state *ts,
                                   const rt_batch **out) {
    exchange_src *s = ps->src;
    const rt_task *task = ps->task;
    const plan_op *op = ps->source;
    rt_batch *b = NULL;
    qe_status st = QE_OK;
    pthread_mutex_lock(&s->mu);
    if (!s->done) {
        st = task->exchange->recv(task->exchange_ctx, op->u.exchange_source.exchange_id,
                                  ts->morsel_arena, &b, &ts->err);
        if (st != QE_OK || b == NULL)
            s->done = true;
    }
    pthread_mutex_unlock(&s->mu);
    *out = b;
    if (st != QE_OK || b == NULL)
        return st;
    bool same = b->n_cols == op->n_cols;
    for (uint32_t c = 0; same && c < b->n_cols; c++)
        same = b->cols[c].type == op->types[c];
    if (!same)
        return rt_plan_error(&ts->err, "exchange %u delivered batches of another schema",
                             op->u.exchange_source.exchange_id);
    return QE_OK;
}

static void exchange_src_destroy(rt_pipeline_state *ps) {
    exchange_src *s = ps->src;
    if (s != NULL)
        pthread_mutex_destroy(&s->mu);
}

const rt_source_ops rt_exchange_source = {exchange_src_init, exchange_src_next,
                                          exchange_src_destroy};
