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
