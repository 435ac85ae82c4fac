/*
 * local_exchange.c -- in-memory exchanges for the embedded engine.
 *
 * One queue per exchange (the embedded engine has one consumer task, so one
 * partition).  send copies the batch into the queue's arena, send_owned keeps the
 * sender's arena (no copy: the exchange sink hands over each full buffer); recv hands out a
 * zero-copy view of the next queued batch (valid until the exchange object is
 * destroyed) and blocks until a batch arrives or the producer task has called
 * finish.  Stages run one after the other, so a queue holds a whole stage's output,
 * until the consumer stage has run (rt_local_exchange_release).
 */
#include "rt_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct lx_queue {
    rt_arena *arena;    /* owns the batches queued by send; created on first send */
    rt_arena **owned;   /* malloc'd: arenas handed over by send_owned (n_owned) */
    uint32_t n_owned;   /* entries of owned */
    uint32_t owned_cap; /* capacity of owned[] */
    rt_batch **batches; /* malloc'd array of queued batches */
    uint32_t n;         /* batches queued */
    uint32_t cap;       /* capacity of batches[] */
    uint32_t next;      /* next batch recv returns */
    uint32_t finished;  /* producer tasks that called finish */
} lx_queue;

struct rt_local_exchange {
    pthread_mutex_t mu; /* guards every queue */
    pthread_cond_t cv;  /* signalled on send and finish */
    uint32_t n_exchanges;
    lx_queue *queues;    /* one per exchange */
    rt_mem_tracker *mem; /* charged for queued batches; may be NULL */
};

rt_local_exchange *rt_local_exchange_create(const plan_query *q) {
    rt_local_exchange *lx = calloc(1, sizeof *lx);
    if (lx == NULL)
        return NULL;
    lx->n_exchanges = q ? q->n_exchanges : 0;
    lx->queues = calloc(lx->n_exchanges ? lx->n_exchanges : 1, sizeof(lx_queue));
    if (lx->queues == NULL) {
        free(lx);
        return NULL;
    }
    pthread_mutex_init(&lx->mu, NULL);
    pthread_cond_init(&lx->cv, NULL);
    return lx;
}

void rt_local_exchange_set_mem(rt_local_exchange *lx, rt_mem_tracker *mem) { lx->mem = mem; }

/* Frees every batch of q (both kinds of arenas) and empties it. */
static void queue_free(lx_queue *q) {
    rt_arena_destroy(q->arena);
    for (uint32_t k = 0; k < q->n_owned; k++)
        rt_arena_destroy(q->owned[k]);
    free(q->owned);
    free(q->batches);
    uint32_t finished = q->finished;
    *q = (lx_queue){.finished = finished};
}

void rt_local_exchange_release(rt_local_exchange *lx, uint32_t exchange_id) {
    if (exchange_id >= lx->n_exchanges)
        return;
    pthread_mutex_lock(&lx->mu);
    queue_free(&lx->queues[exchange_id]);
    pthread_mutex_unlock(&lx->mu);
}

void rt_local_exchange_destroy(rt_local_exchange *lx) {
    if (lx == NULL)
        return;
    for (uint32_t i = 0; i < lx->n_exchanges; i++)
        queue_free(&lx->queues[i]);
    free(lx->queues);
    pthread_mutex_destroy(&lx->mu);
    pthread_cond_destroy(&lx->cv);
    free(lx);
}

/* The queue of exchange_id/partition, or NULL after setting an internal error. */
static lx_queue *queue_of(rt_local_exchange *lx, uint32_t exchange_id, uint32_t partition,
                          rt_error *err) {
    if (exchange_id >= lx->n_exchanges || partition != 0) {
        rt_error_set(err, QE_INTERNAL, "XX000", -1, "local exchange %u partition %u does not exist",
                     exchange_id, partition);
        return NULL;
    }
    return &lx->queues[exchange_id];
}

/* Makes room for one more queued batch; false on out-of-memory. */
static bool reserve_batch(lx_queue *q) {
    if (q->n < q->cap)
        return true;
    uint32_t cap = q->cap ? q->cap * 2 : 16;
    rt_batch **b = realloc(q->batches, sizeof(rt_batch *) * cap);
    if (b == NULL)
        return false;
    q->batches = b;
    q->cap = cap;
    return true;
}

static qe_status lx_send(void *ctx, uint32_t exchange_id, uint32_t partition, const rt_batch *batch,
                         rt_error *err) {
    rt_local_exchange *lx = ctx;
    pthread_mutex_lock(&lx->mu);
    qe_status st = QE_OK;
    lx_queue *q = queue_of(lx, exchange_id, partition, err);
    if (q == NULL) {
        st = QE_INTERNAL;
        goto out;
    }
    if (q->arena == NULL && (q->arena = rt_arena_create(lx->mem)) == NULL)
        goto nomem;
    if (!reserve_batch(q))
        goto nomem;
    rt_batch *copy = rt_batch_compact(q->arena, batch);
    if (copy == NULL)
        goto nomem;
    q->batches[q->n++] = copy;
    pthread_cond_broadcast(&lx->cv);
    goto out;
nomem:
    st = rt_error_nomem(err, lx->mem);
out:
    pthread_mutex_unlock(&lx->mu);
    return st;
}

static qe_status lx_send_owned(void *ctx, uint32_t exchange_id, uint32_t partition, rt_batch *batch,
                               rt_arena *arena, rt_error *err) {
    rt_local_exchange *lx = ctx;
    pthread_mutex_lock(&lx->mu);
    qe_status st = QE_OK;
    lx_queue *q = queue_of(lx, exchange_id, partition, err);
    if (q == NULL) {
        st = QE_INTERNAL;
        goto fail;
    }
    if (q->n_owned == q->owned_cap) {
        uint32_t cap = q->owned_cap ? q->owned_cap * 2 : 16;
        rt_arena **o = realloc(q->owned, sizeof(rt_arena *) * cap);
        if (o == NULL)
            goto nomem;
        q->owned = o;
        q->owned_cap = cap;
    }
    if (!reserve_batch(q))
        goto nomem;
    q->owned[q->n_owned++] = arena;
    q->batches[q->n++] = batch;
    pthread_cond_broadcast(&lx->cv);
    pthread_mutex_unlock(&lx->mu);
    return QE_OK;
nomem:
    st = rt_error_nomem(err, lx->mem);
fail:
    pthread_mutex_unlock(&lx->mu);
    rt_arena_destroy(arena);
    return st;
}

static qe_status lx_finish(void *ctx, uint32_t exchange_id, rt_error *err) {
    rt_local_exchange *lx = ctx;
    pthread_mutex_lock(&lx->mu);
    lx_queue *q = queue_of(lx, exchange_id, 0, err);
    if (q != NULL)
        q->finished++;
    pthread_cond_broadcast(&lx->cv);
    pthread_mutex_unlock(&lx->mu);
    return q ? QE_OK : QE_INTERNAL;
}

/* A view of b in arena: new batch and vector headers, shared buffers. */
static rt_batch *batch_view(rt_arena *arena, const rt_batch *b) {
    rt_batch *v = rt_arena_alloc(arena, sizeof *v);
    if (v == NULL)
        return NULL;
    *v = *b;
    if (b->n_cols > 0) {
        v->cols = rt_arena_alloc(arena, sizeof(rt_vector) * b->n_cols);
        if (v->cols == NULL)
            return NULL;
        memcpy(v->cols, b->cols, sizeof(rt_vector) * b->n_cols);
    }
    return v;
}

static qe_status lx_recv(void *ctx, uint32_t exchange_id, rt_arena *arena, rt_batch **out,
                         rt_error *err) {
    rt_local_exchange *lx = ctx;
    *out = NULL;
    pthread_mutex_lock(&lx->mu);
    qe_status st = QE_OK;
    lx_queue *q = queue_of(lx, exchange_id, 0, err);
    if (q == NULL) {
        st = QE_INTERNAL;
        goto out;
    }
    while (q->next == q->n && q->finished == 0)
        pthread_cond_wait(&lx->cv, &lx->mu);
    if (q->next < q->n) {
        *out = batch_view(arena, q->batches[q->next]);
        if (*out == NULL)
            st = rt_error_nomem(err, NULL);
        else
            q->next++;
    }
out:
    pthread_mutex_unlock(&lx->mu);
    return st;
}

static uint32_t lx_n_partitions(void *ctx, uint32_t exchange_id) {
    (void)ctx;
    (void)exchange_id;
    return 1;
}

const rt_exchange_ops rt_local_exchange_ops = {
    .send = lx_send,
    .finish = lx_finish,
    .recv = lx_recv,
    .n_partitions = lx_n_partitions,
    .send_owned = lx_send_owned,
};
