/*
 * source.c -- pipeline sources that read outside the stage: SCAN (table chunks),
 * VALUES (constant rows), RANGE (range/generate_series) and EXCHANGE_SOURCE (batches
 * from producer tasks).
 *
 * Every source is a shared cursor the pipeline's threads pull morsels from.  A scan
 * thread claims runs of up to SCAN_MORSEL_CHUNKS chunks and hands them out one at a
 * time as zero-copy views restricted to the scanned columns, skipping chunks whose
 * zone maps rule out the scan's filters (zone.c).
 * In a multi-task stage each task scans its own local table (a worker's
 * partition): task_idx/n_tasks never split a table here.
 */
#include "rt_int.h"

#include <string.h>

/* ---- SCAN ------------------------------------------------------------------------------ */

/* Chunks a thread claims at a time: one morsel of up to 64K rows, still handed to the
 * operators as 2048-row vectors (one chunk each), so threads meet at the shared
 * cursor once per 32 chunks. */
#define SCAN_MORSEL_CHUNKS 32

/* A thread's claimed run of chunks [next, end). */
typedef struct scan_cursor {
    uint32_t next; /* next chunk of the run to hand out */
    uint32_t end;  /* one past the run's last chunk */
} scan_cursor;

typedef struct scan_src {
    rt_table_snap snap;    /* chunks as of the pipeline start */
    _Atomic uint32_t next; /* first chunk of the next unclaimed run */
    uint64_t *first_row;   /* n_chunks: each chunk's first row in the table (pruning) */
    rt_scan_prune prune;   /* the scan's filters and zone maps; n_filters 0: none */
    scan_cursor *cursors;  /* per thread index (n_threads) */
} scan_src;

/* Sets up zone-map pruning for op's filters (none if it has none). */
static bool scan_prune_init(rt_pipeline_state *ps, scan_src *s) {
    const plan_op *op = ps->source;
    if (op->u.scan.n_filters == 0 || s->snap.n_chunks == 0)
        return true;
    s->first_row = rt_arena_alloc(ps->arena, sizeof(uint64_t) * s->snap.n_chunks);
    if (s->first_row == NULL)
        return false;
    uint64_t row = 0;
    for (uint32_t i = 0; i < s->snap.n_chunks; i++) {
        s->first_row[i] = row;
        row += s->snap.chunks[i].n_rows;
    }
    s->prune = (rt_scan_prune){.n_filters = op->u.scan.n_filters,
                               .filters = op->u.scan.filters,
                               .table_cols = op->u.scan.col_idx,
                               .types = op->types,
                               .chunk_zones = s->snap.chunk_zones,
                               .n_zones = s->snap.n_zones,
                               .zones = s->snap.zones};
    return true;
}

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
    if (s == NULL ||
        (s->cursors = rt_arena_calloc(ps->arena, sizeof *s->cursors * ps->n_threads)) == NULL)
        return rt_error_nomem(err, ps->task->mem);
    ps->src = s;
    qe_status st = rt_table_snapshot(ps->task->catalog, t, ps->arena, &s->snap, err);
    if (st == QE_OK && !scan_prune_init(ps, s))
        st = rt_error_nomem(err, ps->task->mem);
    return st;
}

/* The next chunk for ts that may hold matching rows, or UINT32_MAX at the end. */
static uint32_t scan_next_chunk(scan_src *s, scan_cursor *c) {
    for (;;) {
        if (c->next == c->end) {
            uint32_t first = atomic_fetch_add(&s->next, SCAN_MORSEL_CHUNKS);
            if (first >= s->snap.n_chunks)
                return UINT32_MAX;
            c->next = first;
            c->end = s->snap.n_chunks - first < SCAN_MORSEL_CHUNKS ? s->snap.n_chunks
                                                                   : first + SCAN_MORSEL_CHUNKS;
        }
        uint32_t i = c->next++;
        if (s->prune.n_filters == 0 ||
            rt_scan_chunk_may_match(&s->prune, i, s->first_row[i], s->snap.chunks[i].n_rows))
            return i;
    }
}

static qe_status scan_next(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch **out) {
    scan_src *s = ps->src;
    const plan_op *op = ps->source;
    *out = NULL;
    uint32_t i = scan_next_chunk(s, &s->cursors[ts->idx]);
    if (i == UINT32_MAX)
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

bool rt_scan_column_sorted(const rt_pipeline_state *ps, uint32_t col) {
    const scan_src *s = ps->src;
    if (ps->src_ops != &rt_scan_source || s == NULL || s->snap.sorted == NULL ||
        col >= ps->source->n_cols)
        return false;
    return s->snap.sorted[ps->source->u.scan.col_idx[col]] != 0;
}

double rt_scan_progress(rt_pipeline_state *ps) {
    const scan_src *s = ps->src;
    if (s == NULL || s->snap.n_chunks == 0)
        return 1.0;
    uint32_t next = atomic_load_explicit(&s->next, memory_order_relaxed);
    return next >= s->snap.n_chunks ? 1.0 : (double)next / (double)s->snap.n_chunks;
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
