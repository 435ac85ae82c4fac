/*
 * exchange.c -- per-query state of a process and the network exchange.
 *
 * Every process (coordinator or worker) keeps, per query it has heard of, a
 * dist_query: the first failure, a cancel flag tasks poll, and inbound queues keyed by
 * (exchange, consumer partition) holding the Arrow IPC messages that arrived (DATA)
 * and the producer tasks that finished (DATA_END).  Data may arrive before the task
 * that reads it was submitted, so queues are created by whichever side comes first.
 * A query ends with dist_query_close: its id is remembered (tombstone) so late data is
 * dropped, and its memory goes when the last task holding a reference lets go.
 *
 * The exchange ops run on task threads.  send encodes a batch (zstd on the task
 * thread) into a DATA frame and posts it to the loop; a Schema message goes first on
 * every (exchange, partition) stream of the task, and finish ends each stream with
 * DATA_END.  recv waits on its queue's condition variable until a message, the end
 * of every producer's stream, or the query's failure.  All state is guarded by the
 * node mutex.
 */
#include "dist_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOMBSTONES 4096 /* closed query ids remembered */
#define CODEC_POOL 8    /* zstd contexts kept per task */

/* One buffered IPC message. */
typedef struct inmsg {
    struct inmsg *next; /* queue link */
    uint32_t producer;  /* producer task index */
    uint8_t *ipc;       /* malloc'd copy of the message */
    uint32_t len;       /* bytes of ipc */
} inmsg;

/* The inbound stream of one (exchange, consumer partition) of a query. */
typedef struct inqueue {
    struct inqueue *next; /* query's list of queues */
    uint32_t exchange_id; /* exchange of the plan */
    uint32_t partition;   /* consumer partition */
    inmsg *head;          /* arrival order */
    inmsg *tail;          /* last message */
    uint32_t *ended;      /* producers that sent DATA_END (distinct) */
    uint32_t n_ended;     /* entries used in ended */
    uint32_t cap_ended;   /* entries allocated in ended */
    pthread_cond_t cond;  /* signalled on arrival, end and failure */
} inqueue;

struct dist_query {
    struct dist_query *next; /* registry link */
    uint64_t id;             /* the query id (never 0) */
    uint32_t refs;           /* tasks using the state */
    bool closed;             /* freed when refs drops to 0 */
    _Atomic bool cancel;     /* rt_task.cancel of this query's local tasks */
    bool failed;             /* error holds the first failure */
    rt_error error;          /* first failure when failed */
    inqueue *queues;         /* inbound streams */
};

struct dist_xstate {
    dist_query *queries;       /* open and closing queries */
    uint64_t tomb[TOMBSTONES]; /* ring of closed query ids */
    uint32_t tomb_next;        /* next slot of tomb */
};

struct dist_xctx {
    dist_node *node;             /* the process's node */
    dist_query *q;               /* borrowed reference */
    uint64_t query_id;           /* the query's id */
    const plan_query *plan;      /* the plan (borrowed) */
    uint32_t task_idx;           /* producer index and consumer partition */
    uint32_t n_routes;           /* entries of routes */
    const dist_route *routes;    /* one per exchange (borrowed) */
    pthread_mutex_t mu;          /* orders schema + batch frames; guards the pools */
    bool **schema_sent;          /* [exchange][partition] */
    ZSTD_CCtx *cctx[CODEC_POOL]; /* idle compression contexts */
    uint32_t n_cctx;             /* entries used in cctx */
    ZSTD_DCtx *dctx[CODEC_POOL]; /* idle decompression contexts */
    uint32_t n_dctx;             /* entries used in dctx */
};

void dist_error_unreachable(rt_error *err, const char *what, const char *addr, const char *detail) {
    rt_error_set(err, QE_NETWORK, "08006", -1, "%s %s is unreachable", what, addr);
    rt_error_detail(err, "%s", detail);
    rt_error_hint(err,
                  "Check that the %s process is running and reachable, then run the "
                  "query again.",
                  what);
}

/* ---- registry ----------------------------------------------------------------------- */

dist_xstate *dist_xstate_create(void) { return calloc(1, sizeof(dist_xstate)); }

static void free_queue(inqueue *iq) {
    for (inmsg *m = iq->head, *next; m; m = next) {
        next = m->next;
        free(m->ipc);
        free(m);
    }
    free(iq->ended);
    pthread_cond_destroy(&iq->cond);
    free(iq);
}

static void free_query(dist_query *q) {
    for (inqueue *iq = q->queues, *next; iq; iq = next) {
        next = iq->next;
        free_queue(iq);
    }
    free(q);
}

void dist_xstate_destroy(dist_xstate *xs) {
    if (!xs)
        return;
    for (dist_query *q = xs->queries, *next; q; q = next) {
        next = q->next;
        free_query(q);
    }
    free(xs);
}

static bool tombstoned(const dist_xstate *xs, uint64_t id) {
    for (uint32_t i = 0; i < TOMBSTONES; i++)
        if (xs->tomb[i] == id)
            return true;
    return false;
}

static dist_query *find_query(dist_xstate *xs, uint64_t id) {
    for (dist_query *q = xs->queries; q; q = q->next)
        if (q->id == id)
            return q;
    return NULL;
}

/* Finds or creates the state of an open query (NULL if closed or out of memory). */
static dist_query *get_query(dist_xstate *xs, uint64_t id) {
    dist_query *q = find_query(xs, id);
    if (q)
        return q->closed ? NULL : q;
    if (id == 0 || tombstoned(xs, id))
        return NULL;
    q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->id = id;
    rt_error_clear(&q->error);
    q->next = xs->queries;
    xs->queries = q;
    return q;
}

static void unlink_query(dist_xstate *xs, dist_query *q) {
    for (dist_query **p = &xs->queries; *p; p = &(*p)->next)
        if (*p == q) {
            *p = q->next;
            return;
        }
}

static void wake_all(dist_query *q) {
    for (inqueue *iq = q->queues; iq; iq = iq->next)
        pthread_cond_broadcast(&iq->cond);
}

dist_query *dist_query_acquire(dist_node *node, uint64_t query_id) {
    pthread_mutex_lock(&node->mu);
    dist_query *q = get_query(node->xs, query_id);
    if (q)
        q->refs++;
    pthread_mutex_unlock(&node->mu);
    return q;
}

void dist_query_release(dist_node *node, dist_query *q) {
    if (!q)
        return;
    pthread_mutex_lock(&node->mu);
    if (--q->refs == 0 && q->closed) {
        unlink_query(node->xs, q);
        free_query(q);
    }
    pthread_mutex_unlock(&node->mu);
}

const _Atomic bool *dist_query_cancel_flag(dist_query *q) { return &q->cancel; }

static void fail_query(dist_query *q, const rt_error *error) {
    if (!q->failed) {
        q->failed = true;
        rt_error_copy(&q->error, error);
    }
    atomic_store(&q->cancel, true);
    wake_all(q);
}

void dist_query_fail_locked(dist_node *node, uint64_t query_id, const rt_error *error) {
    dist_query *q = find_query(node->xs, query_id);
    if (q)
        fail_query(q, error);
}

void dist_query_fail(dist_node *node, uint64_t query_id, const rt_error *error) {
    pthread_mutex_lock(&node->mu);
    dist_query_fail_locked(node, query_id, error);
    pthread_mutex_unlock(&node->mu);
}

void dist_query_fail_all_locked(dist_node *node, const rt_error *error) {
    for (dist_query *q = node->xs->queries; q; q = q->next)
        fail_query(q, error);
}

void dist_query_close(dist_node *node, uint64_t query_id, const rt_error *reason) {
    pthread_mutex_lock(&node->mu);
    dist_xstate *xs = node->xs;
    if (!tombstoned(xs, query_id)) {
        xs->tomb[xs->tomb_next] = query_id;
        xs->tomb_next = (xs->tomb_next + 1) % TOMBSTONES;
    }
    dist_query *q = find_query(xs, query_id);
    if (q && !q->closed) {
        q->closed = true;
        fail_query(q, reason);
        if (q->refs == 0) {
            unlink_query(xs, q);
            free_query(q);
        }
    }
    pthread_mutex_unlock(&node->mu);
}

void dist_query_close_all(dist_node *node, const rt_error *reason) {
    for (;;) {
        uint64_t id = 0;
        pthread_mutex_lock(&node->mu);
        for (dist_query *q = node->xs->queries; q && !id; q = q->next)
            if (!q->closed)
                id = q->id;
        pthread_mutex_unlock(&node->mu);
        if (!id)
            return;
        dist_query_close(node, id, reason);
    }
}

uint32_t dist_query_count_locked(dist_node *node) {
    uint32_t n = 0;
    for (dist_query *q = node->xs->queries; q; q = q->next)
        n++;
    return n;
}

/* ---- inbound data (loop thread) ----------------------------------------------------- */

static inqueue *get_queue(dist_query *q, uint32_t exchange_id, uint32_t partition) {
    for (inqueue *iq = q->queues; iq; iq = iq->next)
        if (iq->exchange_id == exchange_id && iq->partition == partition)
            return iq;
    inqueue *iq = calloc(1, sizeof *iq);
    if (!iq)
        return NULL;
    iq->exchange_id = exchange_id;
    iq->partition = partition;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&iq->cond, &attr);
    pthread_condattr_destroy(&attr);
    iq->next = q->queues;
    q->queues = iq;
    return iq;
}

static qe_status inbound_oom(rt_error *err) {
    return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory buffering exchange data");
}

qe_status dist_inbound_data(dist_node *node, const dist_msg *m, rt_error *err) {
    inmsg *im = calloc(1, sizeof *im);
    uint8_t *copy = malloc(m->u.data.ipc_len);
    if (!im || !copy) {
        free(im);
        free(copy);
        return inbound_oom(err);
    }
    memcpy(copy, m->u.data.ipc, m->u.data.ipc_len);
    im->ipc = copy;
    im->len = m->u.data.ipc_len;
    im->producer = m->u.data.producer;
    pthread_mutex_lock(&node->mu);
    dist_query *q = get_query(node->xs, m->u.data.query_id);
    inqueue *iq = q ? get_queue(q, m->u.data.exchange_id, m->u.data.partition) : NULL;
    if (iq) {
        if (iq->tail)
            iq->tail->next = im;
        else
            iq->head = im;
        iq->tail = im;
        pthread_cond_broadcast(&iq->cond);
        im = NULL;
    }
    pthread_mutex_unlock(&node->mu);
    if (im) { /* a closed query: dropped */
        free(im->ipc);
        free(im);
    }
    return QE_OK;
}

qe_status dist_inbound_end(dist_node *node, const dist_msg *m, rt_error *err) {
    qe_status st = QE_OK;
    pthread_mutex_lock(&node->mu);
    dist_query *q = get_query(node->xs, m->u.data.query_id);
    inqueue *iq = q ? get_queue(q, m->u.data.exchange_id, m->u.data.partition) : NULL;
    bool seen = false;
    for (uint32_t i = 0; iq && i < iq->n_ended; i++)
        seen |= iq->ended[i] == m->u.data.producer;
    if (iq && !seen) {
        if (iq->n_ended == iq->cap_ended) {
            uint32_t cap = iq->cap_ended ? iq->cap_ended * 2 : 8;
            uint32_t *p = realloc(iq->ended, cap * sizeof *p);
            if (p) {
                iq->ended = p;
                iq->cap_ended = cap;
            }
        }
        if (iq->n_ended < iq->cap_ended)
            iq->ended[iq->n_ended++] = m->u.data.producer;
        else
            st = inbound_oom(err);
        pthread_cond_broadcast(&iq->cond);
    }
    pthread_mutex_unlock(&node->mu);
    return st;
}

/* ---- the exchange context ----------------------------------------------------------- */

qe_status dist_xctx_create(dist_node *node, dist_query *q, uint64_t query_id,
                           const plan_query *plan, uint32_t task_idx, uint32_t n_routes,
                           const dist_route *routes, dist_xctx **out, rt_error *err) {
    if (n_routes != plan->n_exchanges)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "routing table has %u exchanges, the plan %u", n_routes,
                            plan->n_exchanges);
    dist_xctx *x = calloc(1, sizeof *x);
    if (!x)
        return inbound_oom(err);
    x->node = node;
    x->q = q;
    x->query_id = query_id;
    x->plan = plan;
    x->task_idx = task_idx;
    x->n_routes = n_routes;
    x->routes = routes;
    pthread_mutex_init(&x->mu, NULL);
    x->schema_sent = calloc(n_routes ? n_routes : 1, sizeof(bool *));
    bool ok = x->schema_sent != NULL;
    for (uint32_t e = 0; ok && e < n_routes; e++) {
        x->schema_sent[e] = calloc(routes[e].n_consumers ? routes[e].n_consumers : 1, 1);
        ok = x->schema_sent[e] != NULL;
    }
    if (!ok) {
        dist_xctx_destroy(x);
        return inbound_oom(err);
    }
    *out = x;
    return QE_OK;
}

void dist_xctx_destroy(dist_xctx *x) {
    if (!x)
        return;
    for (uint32_t e = 0; x->schema_sent && e < x->n_routes; e++)
        free(x->schema_sent[e]);
    free(x->schema_sent);
    for (uint32_t i = 0; i < x->n_cctx; i++)
        ZSTD_freeCCtx(x->cctx[i]);
    for (uint32_t i = 0; i < x->n_dctx; i++)
        ZSTD_freeDCtx(x->dctx[i]);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

static ZSTD_CCtx *take_cctx(dist_xctx *x) {
    pthread_mutex_lock(&x->mu);
    ZSTD_CCtx *c = x->n_cctx ? x->cctx[--x->n_cctx] : NULL;
    pthread_mutex_unlock(&x->mu);
    return c ? c : ZSTD_createCCtx();
}

static void give_cctx(dist_xctx *x, ZSTD_CCtx *c) {
    pthread_mutex_lock(&x->mu);
    if (c && x->n_cctx < CODEC_POOL)
        x->cctx[x->n_cctx++] = c, c = NULL;
    pthread_mutex_unlock(&x->mu);
    ZSTD_freeCCtx(c);
}

static ZSTD_DCtx *take_dctx(dist_xctx *x) {
    pthread_mutex_lock(&x->mu);
    ZSTD_DCtx *d = x->n_dctx ? x->dctx[--x->n_dctx] : NULL;
    pthread_mutex_unlock(&x->mu);
    return d ? d : ZSTD_createDCtx();
}

static void give_dctx(dist_xctx *x, ZSTD_DCtx *d) {
    pthread_mutex_lock(&x->mu);
    if (d && x->n_dctx < CODEC_POOL)
        x->dctx[x->n_dctx++] = d, d = NULL;
    pthread_mutex_unlock(&x->mu);
    ZSTD_freeDCtx(d);
}

/* The query's failure, if any (copied into err). */
static qe_status query_failed(dist_xctx *x, rt_error *err) {
    if (!atomic_load(&x->q->cancel))
        return QE_OK;
    qe_status st = QE_CANCELLED;
    pthread_mutex_lock(&x->node->mu);
    if (x->q->failed) {
        rt_error_copy(err, &x->q->error);
        st = err->status;
    } else {
        rt_error_set(err, QE_CANCELLED, "57014", -1, "canceling statement due to user request");
    }
    pthread_mutex_unlock(&x->node->mu);
    return st;
}

static qe_status check_target(dist_xctx *x, uint32_t exchange_id, uint32_t partition,
                              rt_error *err) {
    if (exchange_id >= x->n_routes || partition >= x->routes[exchange_id].n_consumers)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "exchange %u has no consumer partition %u", exchange_id, partition);
    return QE_OK;
}

/* Frame for stream (exchange, partition) of this task: a Schema, DATA_END, or (batch
 * != NULL) rows [start, start+n) of batch. */
static qe_status build_frame(dist_xctx *x, uint32_t exchange_id, uint32_t partition,
                             const rt_batch *batch, uint32_t start, uint32_t n, uint32_t type,
                             dist_wbuf *w, rt_error *err) {
    const plan_exchange *ex = &x->plan->exchanges[exchange_id];
    qe_status st = QE_OK;
    dist_data_frame_begin(w, x->query_id, exchange_id, partition, x->task_idx);
    if (type == DIST_MSG_DATA && batch) {
        ZSTD_CCtx *cctx = take_cctx(x);
        st = dist_ipc_encode_batch(batch, start, n, cctx, w, err);
        give_cctx(x, cctx);
    } else if (type == DIST_MSG_DATA) {
        st = dist_ipc_encode_schema(ex->n_cols, ex->types, w, err);
    }
    return st == QE_OK ? dist_frame_end(w, type, err) : st;
}

static void post(dist_xctx *x, uint32_t exchange_id, uint32_t partition, dist_wbuf *w) {
    size_t len;
    uint8_t *frame = dist_wbuf_take(w, &len);
    if (frame)
        dist_node_post(x->node, 0, x->routes[exchange_id].endpoints[partition], x->query_id, frame,
                       len);
}

/* Posts the stream's Schema if it has not gone yet; x->mu held. */
static qe_status ensure_schema(dist_xctx *x, uint32_t exchange_id, uint32_t partition,
                               rt_error *err) {
    if (x->schema_sent[exchange_id][partition])
        return QE_OK;
    dist_wbuf w;
    dist_wbuf_init(&w);
    qe_status st = build_frame(x, exchange_id, partition, NULL, 0, 0, DIST_MSG_DATA, &w, err);
    if (st == QE_OK) {
        post(x, exchange_id, partition, &w);
        x->schema_sent[exchange_id][partition] = true;
    }
    dist_wbuf_free(&w);
    return st;
}

static qe_status send_slice(dist_xctx *x, uint32_t exchange_id, uint32_t partition,
                            const rt_batch *b, uint32_t start, uint32_t n, rt_error *err) {
    dist_wbuf w;
    dist_wbuf_init(&w);
    qe_status st = build_frame(x, exchange_id, partition, b, start, n, DIST_MSG_DATA, &w, err);
    if (st == QE_OK) {
        pthread_mutex_lock(&x->mu);
        st = ensure_schema(x, exchange_id, partition, err);
        if (st == QE_OK)
            post(x, exchange_id, partition, &w);
        pthread_mutex_unlock(&x->mu);
    }
    dist_wbuf_free(&w);
    return st;
}

static qe_status xsend(void *ctx, uint32_t exchange_id, uint32_t partition, const rt_batch *batch,
                       rt_error *err) {
    dist_xctx *x = ctx;
    qe_status st = query_failed(x, err);
    if (st == QE_OK)
        st = check_target(x, exchange_id, partition, err);
    if (st != QE_OK || rt_batch_active(batch) == 0)
        return st;
    rt_arena *tmp = NULL;
    if (batch->sel) { /* the contract promises compact batches; be lenient anyway */
        tmp = rt_arena_create(NULL);
        batch = tmp ? rt_batch_compact(tmp, batch) : NULL;
        if (!batch) {
            rt_arena_destroy(tmp);
            return inbound_oom(err);
        }
    }
    for (uint32_t start = 0; st == QE_OK && start < batch->n_rows; start += RT_VECTOR_SIZE) {
        uint32_t n =
            batch->n_rows - start < RT_VECTOR_SIZE ? batch->n_rows - start : RT_VECTOR_SIZE;
        st = send_slice(x, exchange_id, partition, batch, start, n, err);
    }
    rt_arena_destroy(tmp);
    return st;
}

static qe_status xfinish(void *ctx, uint32_t exchange_id, rt_error *err) {
    dist_xctx *x = ctx;
    qe_status st = query_failed(x, err);
    if (st == QE_OK)
        st = check_target(x, exchange_id, 0, err);
    for (uint32_t p = 0; st == QE_OK && p < x->routes[exchange_id].n_consumers; p++) {
        dist_wbuf w;
        dist_wbuf_init(&w);
        pthread_mutex_lock(&x->mu);
        st = ensure_schema(x, exchange_id, p, err);
        if (st == QE_OK)
            st = build_frame(x, exchange_id, p, NULL, 0, 0, DIST_MSG_DATA_END, &w, err);
        if (st == QE_OK)
            post(x, exchange_id, p, &w);
        pthread_mutex_unlock(&x->mu);
        dist_wbuf_free(&w);
    }
    return st;
}

/* ---- receiving ---------------------------------------------------------------------- */

static uint32_t producers_ended(const inqueue *iq, uint32_t n_producers) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < iq->n_ended; i++)
        n += iq->ended[i] < n_producers;
    return n;
}

/* Waits (mu held) for the next message of the queue; *msg NULL at the end. */
static qe_status wait_message(dist_xctx *x, inqueue *iq, uint32_t n_producers, inmsg **msg,
                              rt_error *err) {
    for (;;) {
        if (x->q->failed) {
            rt_error_copy(err, &x->q->error);
            return err->status;
        }
        if (atomic_load(&x->q->cancel))
            return rt_error_set(err, QE_CANCELLED, "57014", -1,
                                "canceling statement due to user request");
        if (iq->head) {
            *msg = iq->head;
            iq->head = iq->head->next;
            if (!iq->head)
                iq->tail = NULL;
            return QE_OK;
        }
        if (producers_ended(iq, n_producers) >= n_producers) {
            *msg = NULL;
            return QE_OK;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += 1; /* wake-ups come by signal; the timeout is a safety net */
        pthread_cond_timedwait(&iq->cond, &x->node->mu, &ts);
    }
}

/* Decodes one message: *out stays NULL for a (checked) Schema message. */
static qe_status decode_message(dist_xctx *x, uint32_t exchange_id, const inmsg *m, rt_arena *arena,
                                rt_batch **out, rt_error *err) {
    const plan_exchange *ex = &x->plan->exchanges[exchange_id];
    const dist_route *route = &x->routes[exchange_id];
    dist_ipc_kind kind;
    *out = NULL;
    if (m->producer >= route->n_producers)
        return rt_error_set(err, QE_NETWORK, "08P01", -1,
                            "exchange data from unknown producer task %u", m->producer);
    qe_status st = dist_ipc_peek_kind(m->ipc, m->len, &kind, err);
    if (st == QE_OK && kind == DIST_IPC_SCHEMA)
        return dist_ipc_check_schema(m->ipc, m->len, ex->n_cols, ex->types, err);
    if (st != QE_OK)
        return st;
    ZSTD_DCtx *d = take_dctx(x);
    st = dist_ipc_decode_batch(m->ipc, m->len, ex->n_cols, ex->types, d, arena, out, err);
    give_dctx(x, d);
    return st;
}

static qe_status xrecv(void *ctx, uint32_t exchange_id, rt_arena *arena, rt_batch **out,
                       rt_error *err) {
    dist_xctx *x = ctx;
    *out = NULL;
    qe_status st = check_target(x, exchange_id, 0, err);
    if (st != QE_OK)
        return st;
    uint32_t n_producers = x->routes[exchange_id].n_producers;
    for (;;) {
        inmsg *m = NULL;
        pthread_mutex_lock(&x->node->mu);
        inqueue *iq = get_queue(x->q, exchange_id, x->task_idx);
        st = iq ? wait_message(x, iq, n_producers, &m, err) : inbound_oom(err);
        pthread_mutex_unlock(&x->node->mu);
        if (st != QE_OK || !m)
            return st;
        st = decode_message(x, exchange_id, m, arena, out, err);
        free(m->ipc);
        free(m);
        if (st != QE_OK || *out)
            return st;
    }
}

static uint32_t xpartitions(void *ctx, uint32_t exchange_id) {
    dist_xctx *x = ctx;
    return exchange_id < x->n_routes ? x->routes[exchange_id].n_consumers : 1;
}

const rt_exchange_ops dist_exchange_ops = {
    .send = xsend,
    .finish = xfinish,
    .recv = xrecv,
    .n_partitions = xpartitions,
};
