/*
 * rowbuf.c -- a growing collection of rows: compact batches of RT_VECTOR_SIZE rows in
 * the buffer's own arena.  Sinks that must hold their whole input before acting on it
 * (SORT runs, INSERT) collect rows here; the arena can outlive the pipeline.
 */
#include "rt_int.h"

#include <string.h>

void rt_rowbuf_init(rt_rowbuf *rb, rt_mem_tracker *mem, uint32_t n_cols, const qe_type *types) {
    memset(rb, 0, sizeof *rb);
    rb->mem = mem;
    rb->n_cols = n_cols;
    rb->types = types;
}

void rt_rowbuf_free(rt_rowbuf *rb) {
    rt_free(rb->mem, rb->batches, sizeof(rt_batch *) * rb->cap);
    rt_arena_destroy(rb->arena);
    rb->arena = NULL;
    rb->batches = NULL;
    rb->n_batches = rb->cap = 0;
    rb->n_rows = 0;
}

/* The last batch if it has room, else a new one; NULL on out-of-memory. */
static rt_batch *rowbuf_tail(rt_rowbuf *rb) {
    if (rb->n_batches > 0 && rb->batches[rb->n_batches - 1]->n_rows < RT_VECTOR_SIZE)
        return rb->batches[rb->n_batches - 1];
    if (rb->arena == NULL && (rb->arena = rt_arena_create(rb->mem)) == NULL)
        return NULL;
    if (rb->n_batches == rb->cap) {
        uint32_t cap = rb->cap ? rb->cap * 2 : 16;
        rt_batch **b = rt_realloc(rb->mem, rb->batches, sizeof(rt_batch *) * rb->cap,
                                  sizeof(rt_batch *) * cap);
        if (b == NULL)
            return NULL;
        rb->batches = b;
        rb->cap = cap;
    }
    rt_batch *b = rt_batch_create(rb->arena, rb->n_cols, rb->types, RT_VECTOR_SIZE);
    if (b != NULL)
        rb->batches[rb->n_batches++] = b;
    return b;
}

bool rt_rowbuf_append(rt_rowbuf *rb, const rt_batch *b) {
    uint32_t n = rt_batch_active(b), done = 0;
    while (done < n) {
        rt_batch *tail = rowbuf_tail(rb);
        if (tail == NULL)
            return false;
        uint32_t room = tail->capacity - tail->n_rows, take = n - done < room ? n - done : room;
        if (!rt_batch_append_rows(tail, rb->arena, b, b->sel, done, take))
            return false;
        done += take;
        rb->n_rows += take;
    }
    return true;
}

qe_status rt_runs_collect(rt_pipeline_state *ps, rt_runs *out, rt_error *err) {
    rt_mem_tracker *mem = ps->task->mem;
    out->runs = rt_malloc(mem, sizeof(rt_rowbuf) * ps->n_threads);
    if (out->runs == NULL)
        return rt_error_nomem(err, mem);
    uint32_t n_batches = 0;
    for (uint32_t t = 0; t < ps->n_threads; t++) {
        rt_rowbuf *r = ps->threads[t]->sink;
        out->runs[out->n_runs++] = *r;
        rt_rowbuf_init(r, r->mem, r->n_cols, r->types); /* the runs own the rows now */
        n_batches += out->runs[t].n_batches;
    }
    out->batches = rt_malloc(mem, sizeof(rt_batch *) * (n_batches ? n_batches : 1));
    if (out->batches == NULL)
        return rt_error_nomem(err, mem);
    for (uint32_t t = 0; t < out->n_runs; t++)
        for (uint32_t i = 0; i < out->runs[t].n_batches; i++) {
            rt_batch *b = out->runs[t].batches[i];
            out->batches[out->n_batches++] = b;
            out->n_rows += b->n_rows;
        }
    return QE_OK;
}

void rt_runs_free(rt_runs *runs, rt_mem_tracker *mem) {
    for (uint32_t i = 0; i < runs->n_runs; i++)
        rt_rowbuf_free(&runs->runs[i]);
    if (runs->runs)
        rt_free(mem, runs->runs, sizeof(rt_rowbuf) * runs->n_runs);
    if (runs->batches)
        rt_free(mem, runs->batches, sizeof(rt_batch *) * (runs->n_batches ? runs->n_batches : 1));
}
