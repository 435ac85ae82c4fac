/*
 * coordinator.c -- the coordinator: worker registry, heartbeats, DDL broadcast and
 * query execution over the cluster.
 *
 * The coordinator runs a dist_node on its own thread.  Workers connect and REGISTER;
 * each gets an id and the heartbeat period to use.  Any frame from a worker counts as
 * a sign of life; the tick marks a worker silent for heartbeat_timeout_ms dead, and a
 * closed control connection is a dead worker at once.  A death fails every running
 * query and DDL request that involves the worker with SQLSTATE 08006.
 *
 * dist_run_query (client thread): snapshot the live workers, submit one task per
 * worker for every PARTITIONED stage (all stages at once; data streams between them),
 * run SINGLE stages here with the network exchange, then wait for every TASK_DONE.
 * The first failure wins, except that an 08006 reported by a task (a peer it could
 * not reach) is held back for a short grace period: if a worker death is detected
 * meanwhile, that root cause is reported instead.  At the end every worker of the
 * snapshot gets RELEASE_QUERY (success) or CANCEL_QUERY (failure), so their tasks
 * stop and their buffers are freed.
 *
 * Locking: everything here is guarded by the node mutex; `cond` is broadcast on
 * every change a client thread may wait for.
 */
#include "dist_int.h"
#include "opt.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DDL_TIMEOUT_MS 30000
#define DEFER_MAX_MS 1000

/* A registered worker (kept while alive). */
typedef struct co_worker {
    struct co_worker *next;   /* list link */
    uint32_t id;              /* assigned at registration, never reused */
    char addr[DIST_ADDR_MAX]; /* listen address for peers */
    uint32_t n_threads;       /* threads per task it runs */
    uint64_t conn_id;         /* control connection */
    uint64_t last_seen_ms;    /* loop time of the last frame */
} co_worker;

/* A running query, as the coordinator tracks it. */
typedef struct co_query {
    struct co_query *next;           /* list link */
    uint64_t id;                     /* the query id (0 until registered) */
    uint32_t n_workers;              /* snapshot */
    uint32_t *worker_ids;            /* ids of the snapshot's workers (borrowed from it) */
    uint32_t expected;               /* remote tasks */
    uint32_t done;                   /* remote tasks finished */
    rt_task_stats stats;             /* summed over finished tasks */
    bool failed;                     /* error is final */
    rt_error error;                  /* the first failure when failed */
    bool deferred;                   /* deferred_error waits for a root cause */
    rt_error deferred_error;         /* a held-back 08006 from a task */
    uint64_t deferred_until;         /* monotonic ms */
    const _Atomic bool *user_cancel; /* may be NULL */
    const dist_observer *observer;   /* may be NULL: told of every finished task */
} co_query;

/* A DDL request waiting for every worker's REPLY. */
typedef struct co_request {
    struct co_request *next; /* list link */
    uint64_t id;             /* echoed in the replies */
    uint32_t n_workers;      /* workers asked */
    uint32_t *worker_ids;    /* their ids (borrowed from the snapshot) */
    bool *replied;           /* per worker: answered */
    uint32_t n_replies;      /* answers received */
    bool failed;             /* some worker failed it */
    rt_error error;          /* the first failure */
} co_request;

struct dist_coordinator {
    dist_node node;                /* first: node.role points back here */
    pthread_t thread;              /* runs the loop */
    bool thread_started;           /* the loop thread was started */
    uint32_t heartbeat_timeout_ms; /* a worker silent this long is dead */
    pthread_cond_t cond;           /* state changed (node.mu) */
    co_worker *workers;            /* live workers */
    uint32_t next_worker_id;       /* last id given out */
    co_query *queries;             /* running queries */
    co_request *requests;          /* DDL requests in flight */
    uint64_t query_epoch;          /* high bits of query ids: unique per coordinator; also
                                      its session id in REGISTER_ACK */
    uint32_t next_query_seq;       /* low bits of the next query id */
    uint64_t next_request_id;      /* last DDL request id */
};

/* A snapshot of live workers for one query or request. */
typedef struct snapshot {
    uint32_t n;                   /* live workers in the snapshot */
    uint32_t *ids;                /* their ids, ascending */
    uint64_t *conn_ids;           /* their control connections */
    char (*addrs)[DIST_ADDR_MAX]; /* their listen addresses */
} snapshot;

static uint64_t mono_ms(void) { return uv_hrtime() / 1000000; }

static void deadline_in(struct timespec *ts, uint64_t ms) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static bool has_worker(const uint32_t *ids, uint32_t n, uint32_t id) {
    for (uint32_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static co_worker *find_worker(dist_coordinator *co, uint32_t id) {
    for (co_worker *w = co->workers; w; w = w->next)
        if (w->id == id)
            return w;
    return NULL;
}

static co_query *find_query(dist_coordinator *co, uint64_t id) {
    for (co_query *q = co->queries; q; q = q->next)
        if (q->id == id)
            return q;
    return NULL;
}

/* ---- failures (node.mu held) -------------------------------------------------------- */

/* Makes err the query's final error (unless it already has one) and wakes its tasks. */
static void fail_query_final(dist_coordinator *co, co_query *q, const rt_error *err) {
    if (!q->failed) {
        q->failed = true;
        rt_error_copy(&q->error, err);
    }
    dist_query_fail_locked(&co->node, q->id, &q->error);
    pthread_cond_broadcast(&co->cond);
}

/* A task's failure: 08006 from a task waits for a root cause for a short while. */
static void fail_query_task(dist_coordinator *co, co_query *q, const rt_error *err) {
    if (q->failed || q->deferred)
        return;
    if (strcmp(err->sqlstate, "08006") != 0) {
        fail_query_final(co, q, err);
        return;
    }
    q->deferred = true;
    rt_error_copy(&q->deferred_error, err);
    uint64_t grace =
        co->heartbeat_timeout_ms < DEFER_MAX_MS ? co->heartbeat_timeout_ms : DEFER_MAX_MS;
    q->deferred_until = mono_ms() + grace;
}

static void fail_request(co_request *r, const rt_error *err) {
    if (!r->failed) {
        r->failed = true;
        rt_error_copy(&r->error, err);
    }
}

/* Worker w is gone: fail what depends on it and forget it. */
static void worker_died(dist_coordinator *co, co_worker *w, const char *detail) {
    rt_error err;
    dist_error_unreachable(&err, "worker", w->addr, detail);
    if (!co->node.stop) /* not when the coordinator itself shuts down */
        dist_log("worker %s (id %u) is unreachable: %s", w->addr, w->id, detail);
    for (co_query *q = co->queries; q; q = q->next)
        if (has_worker(q->worker_ids, q->n_workers, w->id))
            fail_query_final(co, q, &err);
    for (co_request *r = co->requests; r; r = r->next)
        for (uint32_t i = 0; i < r->n_workers; i++)
            if (r->worker_ids[i] == w->id && !r->replied[i])
                fail_request(r, &err);
    for (co_worker **p = &co->workers; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    free(w);
    pthread_cond_broadcast(&co->cond);
}

/* ---- loop callbacks ----------------------------------------------------------------- */

static uint32_t conn_worker_id(const dist_conn *c) { return (uint32_t)(uintptr_t)c->role_data; }

/* The address peers use: a wildcard listen host becomes the host the worker came from. */
static void peer_address(const dist_conn *c, const char *listen, char *out, size_t cap) {
    const char *colon = strrchr(listen, ':');
    bool wildcard = strncmp(listen, "0.0.0.0:", 8) == 0 || strncmp(listen, "[::]:", 5) == 0;
    const char *pc = strrchr(c->endpoint, ':');
    if (!wildcard || !colon || !pc) {
        snprintf(out, cap, "%s", listen);
        return;
    }
    snprintf(out, cap, "%.*s%s", (int)(pc - c->endpoint), c->endpoint, colon);
}

static qe_status on_register(dist_coordinator *co, dist_conn *c, const dist_msg *m, rt_error *err) {
    if (conn_worker_id(c) != 0)
        return rt_error_set(err, QE_NETWORK, "08P01", -1, "worker registered twice");
    co_worker *w = calloc(1, sizeof *w);
    if (!w)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory registering a worker");
    peer_address(c, m->u.reg.listen, w->addr, sizeof w->addr);
    w->n_threads = m->u.reg.n_threads;
    w->conn_id = c->id;
    w->last_seen_ms = uv_now(&co->node.loop);
    uint32_t hb = co->heartbeat_timeout_ms / 3 ? co->heartbeat_timeout_ms / 3 : 1;
    if (m->u.reg.heartbeat_ms && m->u.reg.heartbeat_ms < hb)
        hb = m->u.reg.heartbeat_ms;
    uint64_t stale = 0;
    pthread_mutex_lock(&co->node.mu);
    for (co_worker *o = co->workers; o; o = o->next)
        if (strcmp(o->addr, w->addr) == 0)
            stale = o->conn_id;
    w->id = ++co->next_worker_id;
    w->next = co->workers;
    co->workers = w;
    pthread_cond_broadcast(&co->cond);
    pthread_mutex_unlock(&co->node.mu);
    c->role_data = (void *)(uintptr_t)w->id;
    dist_log("worker %s registered (id %u, %u threads, cpu %s)", w->addr, w->id, w->n_threads,
             m->u.reg.cpu[0] ? m->u.reg.cpu : "?");
    dist_conn *old = stale ? dist_node_find_conn(&co->node, stale) : NULL;
    if (old)
        dist_conn_close(old, "replaced by a new registration");
    dist_msg ack = {.type = DIST_MSG_REGISTER_ACK};
    ack.u.ack.worker_id = w->id;
    ack.u.ack.heartbeat_ms = hb;
    ack.u.ack.session_id = co->query_epoch;
    return dist_conn_send_msg(c, &ack, err);
}

static void on_reply(dist_coordinator *co, uint32_t worker_id, const dist_msg *m) {
    for (co_request *r = co->requests; r; r = r->next) {
        if (r->id != m->u.reply.request_id)
            continue;
        for (uint32_t i = 0; i < r->n_workers; i++)
            if (r->worker_ids[i] == worker_id && !r->replied[i]) {
                r->replied[i] = true;
                r->n_replies++;
                if (m->u.reply.error.status != QE_OK)
                    fail_request(r, &m->u.reply.error);
            }
    }
    pthread_cond_broadcast(&co->cond);
}

static void on_task_end(dist_coordinator *co, const dist_msg *m) {
    bool done = m->type == DIST_MSG_TASK_DONE;
    co_query *q = find_query(co, done ? m->u.done.query_id : m->u.failed.query_id);
    if (!q)
        return; /* the query is over; a late report */
    if (done) {
        q->done++;
        q->stats.rows_written += m->u.done.stats.rows_written;
        q->stats.rows_out += m->u.done.stats.rows_out;
        q->stats.peak_memory += m->u.done.stats.peak_memory;
        if (q->observer && q->observer->task_done)
            q->observer->task_done(q->observer->ctx, m->u.done.stage_id, m->u.done.task_idx,
                                   &m->u.done.stats, m->u.done.pipes, m->u.done.n_pipes);
        pthread_cond_broadcast(&co->cond);
    } else {
        fail_query_task(co, q, &m->u.failed.error);
    }
}

static qe_status co_on_frame(dist_node *node, dist_conn *c, const dist_msg *m, rt_error *err) {
    dist_coordinator *co = node->role;
    if (m->type == DIST_MSG_REGISTER && c->kind == DIST_CONN_INBOUND)
        return on_register(co, c, m, err);
    uint32_t wid = conn_worker_id(c);
    pthread_mutex_lock(&node->mu);
    co_worker *w = wid ? find_worker(co, wid) : NULL;
    if (w)
        w->last_seen_ms = uv_now(&node->loop);
    if (w && m->type == DIST_MSG_REPLY)
        on_reply(co, wid, m);
    else if (w && (m->type == DIST_MSG_TASK_DONE || m->type == DIST_MSG_TASK_FAILED))
        on_task_end(co, m);
    pthread_mutex_unlock(&node->mu);
    if (!w || (m->type != DIST_MSG_HEARTBEAT && m->type != DIST_MSG_REPLY &&
               m->type != DIST_MSG_TASK_DONE && m->type != DIST_MSG_TASK_FAILED))
        return rt_error_set(err, QE_NETWORK, "08P01", -1, "unexpected %s message",
                            dist_msg_name(m->type));
    return QE_OK;
}

static void co_on_close(dist_node *node, dist_conn *c, const char *reason) {
    dist_coordinator *co = node->role;
    uint32_t wid = conn_worker_id(c);
    if (!wid)
        return;
    pthread_mutex_lock(&node->mu);
    co_worker *w = find_worker(co, wid);
    if (w && w->conn_id == c->id)
        worker_died(co, w, strncmp(reason, "No heartbeat", 12) == 0 ? reason : "Connection lost.");
    pthread_mutex_unlock(&node->mu);
}

/* Promotes due deferred errors and applies user cancellation (mu held). */
static void check_queries(dist_coordinator *co) {
    uint64_t now = mono_ms();
    for (co_query *q = co->queries; q; q = q->next) {
        if (q->failed)
            continue;
        if (q->user_cancel && atomic_load(q->user_cancel)) {
            rt_error e;
            rt_error_set(&e, QE_CANCELLED, "57014", -1, "canceling statement due to user request");
            fail_query_final(co, q, &e);
        } else if (q->deferred && (now >= q->deferred_until || q->done == q->expected)) {
            fail_query_final(co, q, &q->deferred_error);
        }
    }
}

static void co_on_tick(dist_node *node) {
    dist_coordinator *co = node->role;
    uint64_t now = uv_now(&node->loop), silent[64];
    uint32_t n_silent = 0;
    pthread_mutex_lock(&node->mu);
    for (co_worker *w = co->workers; w && n_silent < 64; w = w->next)
        if (now - w->last_seen_ms > co->heartbeat_timeout_ms)
            silent[n_silent++] = w->conn_id;
    check_queries(co);
    pthread_mutex_unlock(&node->mu);
    char reason[96];
    snprintf(reason, sizeof reason, "No heartbeat for %u ms.", co->heartbeat_timeout_ms);
    for (uint32_t i = 0; i < n_silent; i++) {
        dist_conn *c = dist_node_find_conn(node, silent[i]);
        if (c)
            dist_conn_close(c, reason);
    }
}

static const dist_node_ops co_ops = {
    .on_frame = co_on_frame,
    .on_close = co_on_close,
    .on_tick = co_on_tick,
};

/* ---- lifecycle ---------------------------------------------------------------------- */

static void *co_thread(void *arg) {
    dist_coordinator *co = arg;
    dist_node_run(&co->node);
    return NULL;
}

static void co_free(dist_coordinator *co) {
    dist_node_destroy(&co->node);
    while (co->workers) {
        co_worker *w = co->workers;
        co->workers = w->next;
        free(w);
    }
    pthread_cond_destroy(&co->cond);
    free(co);
}

qe_status dist_coordinator_start(const char *listen_addr, uint32_t heartbeat_timeout_ms,
                                 dist_coordinator **out, rt_error *err) {
    dist_coordinator *co = calloc(1, sizeof *co);
    if (!co)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory starting the coordinator");
    co->heartbeat_timeout_ms = heartbeat_timeout_ms ? heartbeat_timeout_ms : 3000;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&co->cond, &attr);
    pthread_condattr_destroy(&attr);
    co->query_epoch = ((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20) ^ uv_hrtime()) << 32;
    uint32_t tick = co->heartbeat_timeout_ms / 10;
    tick = tick < 10 ? 10 : tick > 100 ? 100 : tick;
    qe_status st = dist_node_init(&co->node, listen_addr, &co_ops, co, tick, err);
    if (st == QE_OK && pthread_create(&co->thread, NULL, co_thread, co) != 0)
        st = rt_error_set(err, QE_INTERNAL, "XX000", -1, "could not start the coordinator thread");
    if (st != QE_OK) {
        co_free(co);
        return st;
    }
    co->thread_started = true;
    *out = co;
    return QE_OK;
}

void dist_coordinator_stop(dist_coordinator *co) {
    if (!co)
        return;
    dist_node_request_stop(&co->node);
    if (co->thread_started)
        pthread_join(co->thread, NULL);
    co_free(co);
}

static uint32_t count_workers(dist_coordinator *co) {
    uint32_t n = 0;
    for (co_worker *w = co->workers; w; w = w->next)
        n++;
    return n;
}

uint32_t dist_coordinator_n_workers(dist_coordinator *co) {
    pthread_mutex_lock(&co->node.mu);
    uint32_t n = count_workers(co);
    pthread_mutex_unlock(&co->node.mu);
    return n;
}

/* The coordinator's listen address ("host:port"); borrowed for its lifetime. */
const char *dist_coordinator_address(dist_coordinator *co) { return co->node.listen_addr; }

qe_status dist_coordinator_wait(dist_coordinator *co, uint32_t min_workers, uint32_t timeout_ms,
                                rt_error *err) {
    struct timespec deadline;
    deadline_in(&deadline, timeout_ms);
    pthread_mutex_lock(&co->node.mu);
    uint32_t n = count_workers(co);
    while (n < min_workers) {
        if (pthread_cond_timedwait(&co->cond, &co->node.mu, &deadline) != 0 &&
            (n = count_workers(co)) < min_workers)
            break;
        n = count_workers(co);
    }
    pthread_mutex_unlock(&co->node.mu);
    if (n >= min_workers)
        return QE_OK;
    rt_error_set(err, QE_NETWORK, "08001", -1, "timed out waiting for workers");
    rt_error_detail(err, "%u of %u workers registered within %u ms.", n, min_workers, timeout_ms);
    rt_error_hint(err, "Start qe-worker processes with --coordinator %s.", co->node.listen_addr);
    return QE_NETWORK;
}

/* ---- snapshots ---------------------------------------------------------------------- */

static void snapshot_free(snapshot *s) {
    free(s->ids);
    free(s->conn_ids);
    free(s->addrs);
    memset(s, 0, sizeof *s);
}

/* Live workers, ordered by id (so task i lands on the same worker across queries). */
static qe_status take_snapshot(dist_coordinator *co, snapshot *s, bool allow_empty, rt_error *err) {
    memset(s, 0, sizeof *s);
    pthread_mutex_lock(&co->node.mu);
    uint32_t n = count_workers(co);
    s->ids = calloc(n ? n : 1, sizeof *s->ids);
    s->conn_ids = calloc(n ? n : 1, sizeof *s->conn_ids);
    s->addrs = calloc(n ? n : 1, sizeof *s->addrs);
    if (s->ids && s->conn_ids && s->addrs) {
        for (co_worker *w = co->workers; w; w = w->next) {
            uint32_t i = s->n++;
            while (i > 0 && s->ids[i - 1] > w->id) {
                s->ids[i] = s->ids[i - 1];
                s->conn_ids[i] = s->conn_ids[i - 1];
                memcpy(s->addrs[i], s->addrs[i - 1], DIST_ADDR_MAX);
                i--;
            }
            s->ids[i] = w->id;
            s->conn_ids[i] = w->conn_id;
            snprintf(s->addrs[i], DIST_ADDR_MAX, "%s", w->addr);
        }
    }
    pthread_mutex_unlock(&co->node.mu);
    if (!s->ids || !s->conn_ids || !s->addrs) {
        snapshot_free(s);
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    }
    if (s->n == 0 && !allow_empty) {
        snapshot_free(s);
        rt_error_set(err, QE_NETWORK, "08006", -1, "no workers are available");
        rt_error_hint(err, "Start qe-worker processes with --coordinator %s.",
                      co->node.listen_addr);
        return QE_NETWORK;
    }
    return QE_OK;
}

/* Encodes m and posts it to every worker of the snapshot. */
static qe_status post_all(dist_coordinator *co, const snapshot *s, const dist_msg *m,
                          uint64_t query_id, rt_error *err) {
    for (uint32_t i = 0; i < s->n; i++) {
        dist_wbuf w;
        dist_wbuf_init(&w);
        qe_status st = dist_msg_encode(m, &w, err);
        size_t len;
        uint8_t *frame = st == QE_OK ? dist_wbuf_take(&w, &len) : NULL;
        dist_wbuf_free(&w);
        if (!frame)
            return st != QE_OK ? st : rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
        dist_node_post(&co->node, s->conn_ids[i], NULL, query_id, frame, len);
    }
    return QE_OK;
}

/* ---- DDL ---------------------------------------------------------------------------- */

static qe_status run_request(dist_coordinator *co, dist_msg *m, rt_error *err) {
    snapshot s;
    qe_status st = take_snapshot(co, &s, false, err);
    if (st != QE_OK)
        return st;
    co_request r = {.n_workers = s.n, .worker_ids = s.ids};
    r.replied = calloc(s.n, sizeof *r.replied);
    if (!r.replied) {
        snapshot_free(&s);
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    }
    pthread_mutex_lock(&co->node.mu);
    r.id = ++co->next_request_id;
    r.next = co->requests;
    co->requests = &r;
    pthread_mutex_unlock(&co->node.mu);
    if (m->type == DIST_MSG_CREATE_TABLE)
        m->u.create.request_id = r.id;
    else
        m->u.drop.request_id = r.id;
    st = post_all(co, &s, m, 0, err);
    struct timespec deadline;
    deadline_in(&deadline, DDL_TIMEOUT_MS);
    pthread_mutex_lock(&co->node.mu);
    while (st == QE_OK && !r.failed && r.n_replies < r.n_workers)
        if (pthread_cond_timedwait(&co->cond, &co->node.mu, &deadline) != 0 &&
            r.n_replies < r.n_workers && !r.failed) {
            rt_error_set(&r.error, QE_NETWORK, "08006", -1, "workers did not answer within %u ms",
                         DDL_TIMEOUT_MS);
            r.failed = true;
        }
    for (co_request **p = &co->requests; *p; p = &(*p)->next)
        if (*p == &r) {
            *p = r.next;
            break;
        }
    pthread_mutex_unlock(&co->node.mu);
    if (st == QE_OK && r.failed) {
        rt_error_copy(err, &r.error);
        st = err->status != QE_OK ? err->status : QE_ERROR;
    }
    free(r.replied);
    snapshot_free(&s);
    return st;
}

qe_status dist_create_table(dist_coordinator *co, const rt_table *schema, rt_error *err) {
    dist_msg m = {.type = DIST_MSG_CREATE_TABLE};
    m.u.create.name = schema->name;
    m.u.create.n_cols = schema->n_cols;
    m.u.create.col_names = schema->col_names;
    m.u.create.col_types = schema->col_types;
    return run_request(co, &m, err);
}

qe_status dist_drop_table(dist_coordinator *co, const char *name, rt_error *err) {
    dist_msg m = {.type = DIST_MSG_DROP_TABLE};
    m.u.drop.name = (char *)name;
    return run_request(co, &m, err);
}

/* ---- queries ------------------------------------------------------------------------ */

/* Everything dist_run_query sets up. */
typedef struct run_state {
    dist_coordinator *co;      /* the coordinator */
    const plan_query *plan;    /* the plan being run */
    const dist_run_opts *opts; /* the caller's options */
    snapshot workers;          /* the workers the query runs on */
    co_query cq;               /* the coordinator's record of the query */
    dist_query *dq;            /* local state (inbound data of SINGLE stages) */
    dist_route *routes;        /* one per exchange */
    char **endpoint_mem;       /* backing arrays of the routes */
    uint8_t *plan_bytes;       /* opt_plan_serialize output (malloc'd) */
    size_t plan_len;           /* bytes of plan_bytes */
} run_state;

static qe_status build_routes(run_state *rs, rt_error *err) {
    const plan_query *q = rs->plan;
    uint32_t n = rs->workers.n, stride = n ? n : 1; /* a SINGLE consumer needs 1 slot */
    rs->routes = calloc(q->n_exchanges ? q->n_exchanges : 1, sizeof *rs->routes);
    rs->endpoint_mem =
        calloc((size_t)(q->n_exchanges ? q->n_exchanges : 1) * stride, sizeof(char *));
    if (!rs->routes || !rs->endpoint_mem)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    for (uint32_t e = 0; e < q->n_exchanges; e++) {
        const plan_exchange *ex = &q->exchanges[e];
        if (ex->producer_stage >= q->n_stages || ex->consumer_stage >= q->n_stages)
            return rt_error_set(err, QE_INTERNAL, "XX000", -1, "exchange %u has no stage", e);
        bool prod_part = q->stages[ex->producer_stage]->dist == PLAN_DIST_PARTITIONED;
        bool cons_part = q->stages[ex->consumer_stage]->dist == PLAN_DIST_PARTITIONED;
        dist_route *r = &rs->routes[e];
        r->n_producers = prod_part ? n : 1;
        r->n_consumers = cons_part ? n : 1;
        r->endpoints = rs->endpoint_mem + (size_t)e * stride;
        for (uint32_t p = 0; p < r->n_consumers; p++)
            r->endpoints[p] = cons_part ? rs->workers.addrs[p] : rs->co->node.listen_addr;
    }
    return QE_OK;
}

static qe_status register_query(run_state *rs, rt_error *err) {
    dist_coordinator *co = rs->co;
    co_query *cq = &rs->cq;
    cq->n_workers = rs->workers.n;
    cq->worker_ids = rs->workers.ids;
    cq->user_cancel = rs->opts->cancel;
    cq->observer = rs->opts->observer;
    for (uint32_t s = 0; s < rs->plan->n_stages; s++)
        if (rs->plan->stages[s]->dist == PLAN_DIST_PARTITIONED)
            cq->expected += rs->workers.n;
    pthread_mutex_lock(&co->node.mu);
    uint64_t id = co->query_epoch | ++co->next_query_seq;
    pthread_mutex_unlock(&co->node.mu);
    /* The local state exists before the query is visible, so that every failure of the
     * query reaches the local tasks. */
    rs->dq = dist_query_acquire(&co->node, id);
    if (!rs->dq)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    pthread_mutex_lock(&co->node.mu);
    cq->id = id;
    cq->next = co->queries;
    co->queries = cq;
    /* A worker that died between the snapshot and now must still fail the query. */
    for (uint32_t i = 0; i < rs->workers.n; i++)
        if (!find_worker(co, rs->workers.ids[i])) {
            rt_error e;
            dist_error_unreachable(&e, "worker", rs->workers.addrs[i], "Connection lost.");
            fail_query_final(co, cq, &e);
        }
    pthread_mutex_unlock(&co->node.mu);
    return QE_OK;
}

static qe_status submit_stage(run_state *rs, uint32_t stage_id, rt_error *err) {
    for (uint32_t i = 0; i < rs->workers.n; i++) {
        dist_msg m = {.type = DIST_MSG_SUBMIT_TASK};
        m.u.submit.query_id = rs->cq.id;
        m.u.submit.stage_id = stage_id;
        m.u.submit.task_idx = i;
        m.u.submit.n_tasks = rs->workers.n;
        m.u.submit.jit = rs->opts->jit;
        m.u.submit.n_threads = rs->opts->n_threads ? rs->opts->n_threads : 1;
        m.u.submit.debug_delay_ms = rs->opts->debug_delay_ms;
        m.u.submit.memory_limit = rs->opts->memory_limit;
        m.u.submit.plan = rs->plan_bytes;
        m.u.submit.plan_len = (uint32_t)rs->plan_len;
        m.u.submit.n_routes = rs->plan->n_exchanges;
        m.u.submit.routes = rs->routes;
        dist_wbuf w;
        dist_wbuf_init(&w);
        qe_status st = dist_msg_encode(&m, &w, err);
        size_t len;
        uint8_t *frame = st == QE_OK ? dist_wbuf_take(&w, &len) : NULL;
        dist_wbuf_free(&w);
        if (!frame)
            return st != QE_OK ? st : rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
        dist_node_post(&rs->co->node, rs->workers.conn_ids[i], NULL, rs->cq.id, frame, len);
    }
    return QE_OK;
}

/* Runs SINGLE stage stage_id on this process (compiled when opts->jit). */
static qe_status run_local_stage(run_state *rs, uint32_t stage_id, rt_task_stats *stats,
                                 rt_error *err) {
    const dist_run_opts *o = rs->opts;
    const dist_observer *ob = o->observer;
    cg_stage_code *code = NULL;
    dist_xctx *x = NULL;
    qe_status st = QE_OK;
    uint64_t compile_ns = 0;
    if (o->jit && o->jit_engine) { /* jit_tier does not travel: the wire has only "jit" */
        uint64_t t0 = uv_hrtime();
        st = cg_compile_stage(o->jit_engine, rs->plan, stage_id, CG_TIER_OPTIMIZED, &code, err);
        compile_ns = uv_hrtime() - t0;
        if (o->compile_ns)
            *o->compile_ns += compile_ns;
        if (st == QE_OK && ob && ob->compiled)
            ob->compiled(ob->ctx, stage_id, code, compile_ns);
    }
    if (st == QE_OK)
        st = dist_xctx_create(&rs->co->node, rs->dq, rs->cq.id, rs->plan, 0, rs->plan->n_exchanges,
                              rs->routes, &x, err);
    rt_mem_tracker mem = {.limit = o->memory_limit};
    if (st == QE_OK) {
        rt_task task = {
            .query = rs->plan,
            .stage = rs->plan->stages[stage_id],
            .task_idx = 0,
            .n_tasks = 1,
            .catalog = o->catalog,
            .exchange = &dist_exchange_ops,
            .exchange_ctx = x,
            .result = o->result,
            .compiled = code ? cg_stage_functions(code) : NULL,
            .n_threads = o->n_threads ? o->n_threads : 1,
            .cancel = dist_query_cancel_flag(rs->dq),
            .debug_delay_ms = o->debug_delay_ms,
            .mem = &mem,
            .pipe_stats = ob && ob->pipe_stats ? ob->pipe_stats(ob->ctx, stage_id) : NULL,
        };
        st = rt_task_run(&task, stats, err);
        if (code)
            stats->compile_ns = compile_ns;
        if (st == QE_OK && ob && ob->task_done)
            ob->task_done(ob->ctx, stage_id, 0, stats, NULL, 0);
    }
    dist_xctx_destroy(x);
    cg_stage_code_destroy(code);
    return st;
}

/* A local failure: recorded like a task's (the query's own error wins if it has one). */
static void local_failed(run_state *rs, const rt_error *err) {
    pthread_mutex_lock(&rs->co->node.mu);
    fail_query_task(rs->co, &rs->cq, err);
    pthread_mutex_unlock(&rs->co->node.mu);
}

/* Runs SINGLE stage s here; false (the query failed) on error. */
static bool run_local(run_state *rs, uint32_t s, rt_task_stats *total) {
    rt_task_stats st = {0};
    rt_error e;
    rt_error_clear(&e);
    if (run_local_stage(rs, s, &st, &e) != QE_OK) {
        local_failed(rs, &e);
        return false;
    }
    total->rows_written += st.rows_written;
    total->rows_out += st.rows_out;
    total->peak_memory += st.peak_memory;
    return true;
}

/*
 * Every worker task is submitted at once and data flows between running stages; SINGLE
 * stages then run here in order.  (INSERT ... SELECT from the target table is safe
 * while streaming: Insert sinks append only after their input has ended, i.e. after
 * every scan task has finished.)
 */
static qe_status run_stages(run_state *rs, rt_task_stats *total, rt_error *err) {
    const plan_query *q = rs->plan;
    qe_status st = QE_OK;
    for (uint32_t s = 0; st == QE_OK && s < q->n_stages; s++)
        if (q->stages[s]->dist == PLAN_DIST_PARTITIONED)
            st = submit_stage(rs, s, err);
    for (uint32_t s = 0; st == QE_OK && s < q->n_stages; s++) {
        if (atomic_load(dist_query_cancel_flag(rs->dq)))
            break;
        if (q->stages[s]->dist == PLAN_DIST_SINGLE && !run_local(rs, s, total))
            break;
    }
    return st;
}

/* Waits until every remote task finished or the query failed; final status. */
static qe_status wait_remote(run_state *rs, rt_task_stats *total, rt_error *err) {
    dist_coordinator *co = rs->co;
    co_query *cq = &rs->cq;
    pthread_mutex_lock(&co->node.mu);
    while (!cq->failed && (cq->done < cq->expected || cq->deferred)) {
        if (cq->deferred && cq->done == cq->expected) {
            fail_query_final(co, cq, &cq->deferred_error);
            break;
        }
        struct timespec ts;
        deadline_in(&ts, 100);
        pthread_cond_timedwait(&co->cond, &co->node.mu, &ts);
    }
    qe_status st = QE_OK;
    if (cq->failed) {
        rt_error_copy(err, &cq->error);
        st = err->status != QE_OK ? err->status : QE_ERROR;
    } else {
        total->rows_written += cq->stats.rows_written;
        total->rows_out += cq->stats.rows_out;
        total->peak_memory += cq->stats.peak_memory;
    }
    for (co_query **p = &co->queries; *p; p = &(*p)->next)
        if (*p == cq) {
            *p = cq->next;
            break;
        }
    pthread_mutex_unlock(&co->node.mu);
    return st;
}

/* Tells every worker the query is over and frees the local state. */
static void end_query(run_state *rs, bool ok) {
    dist_msg m = {.type = ok ? DIST_MSG_RELEASE_QUERY : DIST_MSG_CANCEL_QUERY};
    m.u.query.query_id = rs->cq.id;
    rt_error e;
    if (rs->cq.id)
        post_all(rs->co, &rs->workers, &m, 0, &e);
    rt_error_set(&e, QE_CANCELLED, "57014", -1, "query is over");
    if (rs->dq) {
        dist_query_close(&rs->co->node, rs->cq.id, &e);
        dist_query_release(&rs->co->node, rs->dq);
    }
    free(rs->routes);
    free(rs->endpoint_mem);
    free(rs->plan_bytes);
    snapshot_free(&rs->workers);
}

qe_status dist_run_query(dist_coordinator *co, const plan_query *q, const dist_run_opts *opts,
                         rt_task_stats *stats, rt_error *err) {
    if (q->local) /* a plan for one task per stage would drop rows between workers */
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "a plan for the embedded engine cannot run on a cluster");
    run_state rs = {.co = co, .plan = q, .opts = opts};
    rt_task_stats total = {0};
    bool needs_workers = false; /* a plan of SINGLE stages only runs here alone */
    for (uint32_t s = 0; s < q->n_stages; s++)
        needs_workers |= q->stages[s]->dist == PLAN_DIST_PARTITIONED;
    qe_status st = take_snapshot(co, &rs.workers, !needs_workers, err);
    if (st != QE_OK)
        return st;
    st = opt_plan_serialize(q, &rs.plan_bytes, &rs.plan_len, err);
    if (st == QE_OK)
        st = build_routes(&rs, err);
    if (st == QE_OK)
        st = register_query(&rs, err);
    if (st == QE_OK)
        st = run_stages(&rs, &total, err);
    if (st != QE_OK && rs.cq.id) { /* registered: unregister through the normal path */
        pthread_mutex_lock(&co->node.mu);
        fail_query_final(co, &rs.cq, err);
        pthread_mutex_unlock(&co->node.mu);
    }
    if (rs.cq.id)
        st = wait_remote(&rs, &total, err);
    end_query(&rs, st == QE_OK);
    if (stats)
        *stats = total;
    return st;
}
