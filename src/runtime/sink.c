/*
 * sink.c -- the sinks that leave the stage: RESULT (rows to the client), INSERT
 * (rows appended to a local table) and EXCHANGE_SINK (rows to consumer tasks).
 *
 * The exchange sink routes rows to partitions: HASH by rt_hash_vectors of the key
 * columns modulo the partition count (the same function in every process), GATHER to
 * partition 0, BROADCAST to all, ROUND_ROBIN batch by batch.  HASH and GATHER rows
 * are buffered per thread and partition up to RT_VECTOR_SIZE rows, so consumers get
 * full batches; every thread flushes at its end, and the exchange is finished once,
 * after all threads flushed.
 */
#include "rt_int.h"

#include <string.h>

/* ---- RESULT ---------------------------------------------------------------------------- */

static qe_status result_init(rt_pipeline_state *ps, rt_error *err) {
    if (ps->task->result == NULL || ps->task->result->push == NULL)
        return rt_plan_error(err, "result sink without a receiver");
    return QE_OK;
}

static qe_status no_thread_init(rt_pipeline_state *ps, rt_thread_state *ts) {
    (void)ps;
    (void)ts;
    return QE_OK;
}

static qe_status result_push(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *b) {
    if (b->sel != NULL && (b = rt_batch_compact(ts->morsel_arena, b)) == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    pthread_mutex_lock(&ps->mu);
    qe_status st = ps->task->result->push(ps->task->result->ctx, b, &ts->err);
    pthread_mutex_unlock(&ps->mu);
    atomic_fetch_add(&ps->rows_out, b->n_rows);
    return st;
}

static qe_status nothing_to_finish(rt_pipeline_state *ps, rt_error *err) {
    (void)ps;
    (void)err;
    return QE_OK;
}

const rt_sink_ops rt_result_sink_ops = {result_init, no_thread_init,    result_push,
                                        NULL,        nothing_to_finish, NULL};

/* ---- INSERT ---------------------------------------------------------------------------- */

/*
 * Rows are collected per thread and appended to the table only in `finish`, after the
 * source has ended.  In a cluster the source is an exchange that ends after every
 * producer task, including this worker's own scan of the statement's input; appending
 * earlier could let `INSERT INTO t SELECT ... FROM t` read its own output.  A failed
 * task appends nothing.
 */

static qe_status insert_init(rt_pipeline_state *ps, rt_error *err) {
    const char *name = ps->sink->u.insert.table;
    if (ps->task->catalog == NULL || name == NULL)
        return rt_plan_error(err, "insert without a catalog or table");
    rt_table *t = rt_catalog_find(ps->task->catalog, name);
    if (t == NULL)
        return rt_error_set(err, QE_BIND, "42P01", -1, "relation \"%s\" does not exist", name);
    bool same = ps->n_sink_in == t->n_cols;
    for (uint32_t c = 0; same && c < t->n_cols; c++)
        same = ps->sink_in_types[c] == t->col_types[c];
    if (!same)
        return rt_plan_error(err, "insert rows do not match the columns of table \"%s\"", name);
    ps->snk = t;
    return QE_OK;
}

static qe_status insert_thread_init(rt_pipeline_state *ps, rt_thread_state *ts) {
    rt_rowbuf *rb = rt_arena_calloc(ts->arena, sizeof *rb);
    if (rb == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    rt_rowbuf_init(rb, ps->task->mem, ps->n_sink_in, ps->sink_in_types);
    ts->sink = rb;
    return QE_OK;
}

static qe_status insert_push(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *b) {
    return rt_rowbuf_append(ts->sink, b) ? QE_OK : rt_error_nomem(&ts->err, ps->task->mem);
}

/* Appends every thread's rows in one all-or-nothing step (a failure, e.g. out of
 * memory half-way, leaves the table as it was). */
static qe_status insert_finish(rt_pipeline_state *ps, rt_error *err) {
    uint32_t n = 0, k = 0;
    uint64_t n_rows = 0;
    for (uint32_t t = 0; t < ps->n_threads; t++)
        n += ((rt_rowbuf *)ps->threads[t]->sink)->n_batches;
    rt_batch **all = rt_arena_alloc(ps->arena, (n ? n : 1) * sizeof *all);
    if (all == NULL)
        return rt_error_nomem(err, ps->task->mem);
    for (uint32_t t = 0; t < ps->n_threads; t++) {
        rt_rowbuf *rb = ps->threads[t]->sink;
        for (uint32_t i = 0; i < rb->n_batches; i++, k++) {
            all[k] = rb->batches[i];
            n_rows += rb->batches[i]->n_rows;
        }
    }
    qe_status st = rt_table_append_all(ps->task->catalog, ps->snk, all, n, err);
    if (st == QE_OK)
        atomic_fetch_add(&ps->rows_written, n_rows);
    return st;
}

static void insert_destroy(rt_pipeline_state *ps) {
    for (uint32_t t = 0; ps->threads != NULL && t < ps->n_threads; t++) {
        rt_rowbuf *rb = ps->threads[t] ? ps->threads[t]->sink : NULL;
        if (rb != NULL)
            rt_rowbuf_free(rb);
    }
}

const rt_sink_ops rt_insert_sink = {insert_init, insert_thread_init, insert_push,
                                    NULL,        insert_finish,      insert_destroy};

/* ---- EXCHANGE_SINK --------------------------------------------------------------------- */

typedef struct xsink {
    const plan_exchange *ex; /* routing description */
    uint32_t n_parts;        /* consumer partitions */
} xsink;

/* Per thread: one buffer per partition (HASH, GATHER), routing scratch. */
typedef struct xsink_local {
    rt_arena **arenas;          /* per partition: owns the buffer (reset after each send) */
    rt_batch **bufs;            /* per partition: rows waiting to be sent */
    uint64_t *hashes;           /* routing scratch, cap rows */
    uint32_t *part;             /* partition of the k-th active row */
    uint32_t *order;            /* active rows grouped by partition */
    uint32_t *count;            /* per partition: rows of the current batch (n_parts + 1) */
    const rt_vector **key_vecs; /* n_keys key columns of the current batch */
    uint32_t cap;
    uint32_t rr; /* ROUND_ROBIN: next partition */
} xsink_local;

static qe_status xsink_init(rt_pipeline_state *ps, rt_error *err) {
    const rt_task *task = ps->task;
    uint32_t id = ps->sink->u.exchange_sink.exchange_id;
    if (task->exchange == NULL || task->query == NULL || id >= task->query->n_exchanges)
        return rt_plan_error(err, "exchange sink %u has no exchange", id);
    const plan_exchange *ex = &task->query->exchanges[id];
    if (ex->n_cols != ps->n_sink_in)
        return rt_plan_error(err, "exchange %u carries %u columns, the sink gets %u", id,
                             ex->n_cols, ps->n_sink_in);
    for (uint32_t c = 0; c < ex->n_cols; c++)
        if (ex->types == NULL || ex->types[c] != ps->sink_in_types[c])
            return rt_plan_error(
                err, "exchange %u: column %u has another type than the sink's input", id, c);
    for (uint32_t k = 0; ex->kind == PLAN_EXCHANGE_HASH && k < ex->n_keys; k++)
        if (ex->key_cols[k] >= ex->n_cols)
            return rt_plan_error(err, "exchange %u: key column %u does not exist", id,
                                 ex->key_cols[k]);
    xsink *x = rt_arena_calloc(ps->arena, sizeof *x);
    if (x == NULL)
        return rt_error_nomem(err, task->mem);
    x->ex = ex;
    x->n_parts = task->exchange->n_partitions(task->exchange_ctx, id);
    if (x->n_parts == 0)
        return rt_plan_error(err, "exchange %u has no consumer", id);
    ps->snk = x;
    return QE_OK;
}

static qe_status xsink_thread_init(rt_pipeline_state *ps, rt_thread_state *ts) {
    xsink *x = ps->snk;
    rt_arena *a = ts->arena;
    xsink_local *l = rt_arena_calloc(a, sizeof *l);
    if (l == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    l->rr = (ps->task->task_idx + ts->idx) % x->n_parts;
    ts->sink = l;
    if (x->ex->kind != PLAN_EXCHANGE_HASH && x->ex->kind != PLAN_EXCHANGE_GATHER)
        return QE_OK;
    uint32_t np = x->ex->kind == PLAN_EXCHANGE_GATHER ? 1 : x->n_parts;
    l->arenas = rt_arena_calloc(a, sizeof(rt_arena *) * np);
    l->bufs = rt_arena_calloc(a, sizeof(rt_batch *) * np);
    l->count = rt_arena_calloc(a, sizeof(uint32_t) * (np + 1));
    l->key_vecs = rt_arena_calloc(a, sizeof(rt_vector *) * (x->ex->n_keys + 1));
    if (l->arenas == NULL || l->bufs == NULL || l->count == NULL || l->key_vecs == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    return QE_OK;
}

/* The buffer of partition p (created on first use). */
static rt_batch *xsink_buffer(rt_pipeline_state *ps, xsink_local *l, uint32_t p) {
    if (l->bufs[p] != NULL)
        return l->bufs[p];
    if (l->arenas[p] == NULL && (l->arenas[p] = rt_arena_create(ps->task->mem)) == NULL)
        return NULL;
    xsink *x = ps->snk;
    l->bufs[p] = rt_batch_create(l->arenas[p], x->ex->n_cols, x->ex->types, RT_VECTOR_SIZE);
    return l->bufs[p];
}

/* Sends a compact batch to partition p. */
static qe_status xsink_send(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t p,
                            const rt_batch *b) {
    const rt_task *task = ps->task;
    if (b->n_rows == 0)
        return QE_OK;
    return task->exchange->send(task->exchange_ctx, ps->sink->u.exchange_sink.exchange_id, p, b,
                                &ts->err);
}

/* Sends partition p's buffer and empties it.  An exchange that can take over arenas
 * (send_owned) gets the buffer's arena instead of a copy; the next buffer gets a new one. */
static qe_status xsink_flush(rt_pipeline_state *ps, rt_thread_state *ts, xsink_local *l,
                             uint32_t p) {
    if (l->bufs[p] == NULL || l->bufs[p]->n_rows == 0)
        return QE_OK;
    const rt_task *task = ps->task;
    if (task->exchange->send_owned != NULL) {
        rt_arena *arena = l->arenas[p];
        rt_batch *b = l->bufs[p];
        l->bufs[p] = NULL;
        l->arenas[p] = NULL;
        return task->exchange->send_owned(task->exchange_ctx, ps->sink->u.exchange_sink.exchange_id,
                                          p, b, arena, &ts->err);
    }
    qe_status st = xsink_send(ps, ts, p, l->bufs[p]);
    l->bufs[p] = NULL;
    rt_arena_reset(l->arenas[p]);
    return st;
}

/* ROUND_ROBIN/BROADCAST to a single partition of an exchange that takes over arenas: one
 * copy of the active rows in an arena of its own, handed over. */
static qe_status xsink_send_copy_owned(rt_pipeline_state *ps, rt_thread_state *ts,
                                       const rt_batch *b) {
    const rt_task *task = ps->task;
    if (rt_batch_active(b) == 0)
        return QE_OK;
    rt_arena *arena = rt_arena_create(task->mem);
    rt_batch *copy = arena ? rt_batch_compact(arena, b) : NULL;
    if (copy == NULL) {
        rt_arena_destroy(arena);
        return rt_error_nomem(&ts->err, task->mem);
    }
    return task->exchange->send_owned(task->exchange_ctx, ps->sink->u.exchange_sink.exchange_id, 0,
                                      copy, arena, &ts->err);
}

/* Appends rows (indices rows[0..n), or the range 0..n-1 when rows is NULL) of b to
 * partition p's buffer, sending it whenever it fills. */
static qe_status xsink_add(rt_pipeline_state *ps, rt_thread_state *ts, xsink_local *l, uint32_t p,
                           const rt_batch *b, const uint32_t *rows, uint32_t n) {
    uint32_t done = 0;
    while (done < n) {
        rt_batch *buf = xsink_buffer(ps, l, p);
        if (buf == NULL)
            return rt_error_nomem(&ts->err, ps->task->mem);
        uint32_t room = buf->capacity - buf->n_rows;
        uint32_t take = n - done < room ? n - done : room;
        if (!rt_batch_append_rows(buf, l->arenas[p], b, rows, done, take))
            return rt_error_nomem(&ts->err, ps->task->mem);
        done += take;
        if (buf->n_rows == buf->capacity) {
            qe_status st = xsink_flush(ps, ts, l, p);
            if (st != QE_OK)
                return st;
        }
    }
    return QE_OK;
}

static bool ensure_routing(xsink_local *l, rt_arena *arena, uint32_t n) {
    if (n <= l->cap && l->hashes != NULL)
        return true;
    uint32_t cap = l->cap ? l->cap : RT_VECTOR_SIZE;
    while (cap < n)
        cap *= 2;
    l->hashes = rt_arena_alloc(arena, sizeof(uint64_t) * cap);
    l->part = rt_arena_alloc(arena, sizeof(uint32_t) * cap);
    l->order = rt_arena_alloc(arena, sizeof(uint32_t) * cap);
    l->cap = cap;
    return l->hashes && l->part && l->order;
}

/* HASH: partition = hash of the key columns % n_parts; rows grouped by a counting sort. */
static qe_status xsink_push_hash(rt_pipeline_state *ps, rt_thread_state *ts, xsink_local *l,
                                 const rt_batch *b) {
    xsink *x = ps->snk;
    uint32_t n = rt_batch_active(b), np = x->n_parts;
    if (np == 1)
        return xsink_add(ps, ts, l, 0, b, b->sel, n);
    if (!ensure_routing(l, ts->arena, n))
        return rt_error_nomem(&ts->err, ps->task->mem);
    for (uint32_t k = 0; k < x->ex->n_keys; k++)
        l->key_vecs[k] = &b->cols[x->ex->key_cols[k]];
    rt_hash_vectors(l->key_vecs, x->ex->n_keys, b->sel, n, l->hashes);
    memset(l->count, 0, sizeof(uint32_t) * (np + 1));
    for (uint32_t k = 0; k < n; k++) {
        l->part[k] = (uint32_t)(l->hashes[k] % np);
        l->count[l->part[k] + 1]++;
    }
    for (uint32_t p = 0; p < np; p++)
        l->count[p + 1] += l->count[p]; /* count[p] = start of partition p */
    for (uint32_t k = 0; k < n; k++)
        l->order[l->count[l->part[k]]++] = b->sel ? b->sel[k] : k;
    /* count[p] is now the end of partition p */
    uint32_t start = 0;
    for (uint32_t p = 0; p < np; p++) {
        uint32_t end = l->count[p];
        if (end > start) {
            qe_status st = xsink_add(ps, ts, l, p, b, l->order + start, end - start);
            if (st != QE_OK)
                return st;
        }
        start = end;
    }
    return QE_OK;
}

static qe_status xsink_push(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *b) {
    xsink *x = ps->snk;
    xsink_local *l = ts->sink;
    atomic_fetch_add(&ps->rows_out, rt_batch_active(b));
    switch (x->ex->kind) {
    case PLAN_EXCHANGE_HASH: return xsink_push_hash(ps, ts, l, b);
    case PLAN_EXCHANGE_GATHER: return xsink_add(ps, ts, l, 0, b, b->sel, rt_batch_active(b));
    default: break;
    }
    if (x->n_parts == 1 && ps->task->exchange->send_owned != NULL)
        return xsink_send_copy_owned(ps, ts, b);
    if (b->sel != NULL && (b = rt_batch_compact(ts->morsel_arena, b)) == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    if (x->ex->kind == PLAN_EXCHANGE_ROUND_ROBIN) {
        uint32_t p = l->rr;
        l->rr = (l->rr + 1) % x->n_parts;
        return xsink_send(ps, ts, p, b);
    }
    for (uint32_t p = 0; p < x->n_parts; p++) { /* BROADCAST */
        qe_status st = xsink_send(ps, ts, p, b);
        if (st != QE_OK)
            return st;
    }
    return QE_OK;
}

static qe_status xsink_thread_finish(rt_pipeline_state *ps, rt_thread_state *ts) {
    xsink *x = ps->snk;
    xsink_local *l = ts->sink;
    if (l->bufs == NULL)
        return QE_OK;
    uint32_t np = x->ex->kind == PLAN_EXCHANGE_GATHER ? 1 : x->n_parts;
    for (uint32_t p = 0; p < np; p++) {
        qe_status st = xsink_flush(ps, ts, l, p);
        if (st != QE_OK)
            return st;
    }
    return QE_OK;
}

static qe_status xsink_finish(rt_pipeline_state *ps, rt_error *err) {
    const rt_task *task = ps->task;
    if (ps->sink->u.exchange_sink.keep_open)
        return QE_OK; /* a later pipeline sends more and finishes the exchange */
    return task->exchange->finish(task->exchange_ctx, ps->sink->u.exchange_sink.exchange_id, err);
}

static void xsink_destroy(rt_pipeline_state *ps) {
    xsink *x = ps->snk;
    if (x == NULL || ps->threads == NULL)
        return;
    uint32_t np = x->ex->kind == PLAN_EXCHANGE_GATHER ? 1 : x->n_parts;
    for (uint32_t t = 0; t < ps->n_threads; t++) {
        xsink_local *l = ps->threads[t] ? ps->threads[t]->sink : NULL;
        for (uint32_t p = 0; l != NULL && l->arenas != NULL && p < np; p++)
            rt_arena_destroy(l->arenas[p]);
    }
}

const rt_sink_ops rt_exchange_sink = {xsink_init,          xsink_thread_init, xsink_push,
                                      xsink_thread_finish, xsink_finish,      xsink_destroy};
