/*
 * worker.c -- the worker service (qe-worker).
 *
 * A worker runs a dist_node on the calling thread.  Its tick (every 50 ms) keeps the
 * control connection to the coordinator up (a new attempt every ~200 ms while it is
 * down) and sends HEARTBEATs at the period the coordinator acknowledged.  Peers
 * connect to its listener to send DATA.  It keeps its own catalog: CREATE_TABLE and
 * DROP_TABLE change it and are answered with a REPLY.
 *
 * Each SUBMIT_TASK runs on its own thread: deserialize the plan, compile the stage
 * when asked (one cg_jit per process, created lazily), run rt_task_run with the
 * network exchange, and report TASK_DONE or TASK_FAILED.  CANCEL_QUERY and
 * RELEASE_QUERY close the query (its tasks see the cancel flag, blocked receives wake
 * up, buffers are freed); losing the coordinator closes every query.  Finished task
 * threads are joined by the loop; at stop every task is cancelled and joined, so the
 * worker always returns to zero running tasks.
 *
 * dist_worker_stop is async-signal-safe: it bumps a generation counter and wakes each
 * running worker's loop with uv_async_send.
 */
#include "dist_int.h"
#include "opt.h"

#include <stdlib.h>
#include <string.h>

#define WORKER_TICK_MS 50
#define RECONNECT_MS 200
#define MAX_WORKERS 16

typedef struct dist_worker dist_worker;

/* One task and its thread. */
typedef struct wk_task {
    struct wk_task *next;    /* list link */
    dist_worker *wk;         /* the worker */
    pthread_t thread;        /* runs task_main */
    bool finished;           /* the thread is done (node.mu) */
    uint64_t conn_id;        /* control connection to report on */
    uint64_t query_id;       /* query the task belongs to */
    uint32_t stage_id;       /* stage to run */
    uint32_t task_idx;       /* task index (its partition) */
    uint32_t n_tasks;        /* tasks of the stage */
    bool jit;                /* compile the stage */
    uint32_t n_threads;      /* threads for rt_task_run */
    uint32_t debug_delay_ms; /* sleep per source batch (fault tests) */
    int64_t memory_limit;    /* bytes the task may use; <= 0: unlimited */
    uint8_t *plan;           /* serialized plan (malloc'd copy) */
    uint32_t plan_len;       /* bytes of plan */
    rt_arena *arena;         /* routes and the deserialized plan */
    uint32_t n_routes;       /* entries of routes */
    dist_route *routes;      /* one per exchange, in arena */
    uint32_t n_pipes;        /* pipelines of the stage (reported in TASK_DONE) */
    dist_pipe_report *pipes; /* their figures, in arena (NULL: out of memory) */
} wk_task;

struct dist_worker {
    dist_node node;             /* node.role points here */
    dist_worker_opts opts;      /* copy of the caller's options, defaults filled */
    rt_catalog *catalog;        /* this worker's partitions */
    uint64_t control_id;        /* control connection, 0 while down */
    bool registered;            /* REGISTER_ACK received */
    uint32_t worker_id;         /* id given by the coordinator */
    uint64_t session_id;        /* coordinator session the catalog belongs to (0: none) */
    uint32_t heartbeat_ms;      /* heartbeat period in ms (acknowledged) */
    uint64_t next_connect_ms;   /* loop time of the next connection attempt */
    uint64_t last_heartbeat_ms; /* loop time of the last HEARTBEAT */
    uint32_t connect_failures;  /* in a row, for quieter logs */
    wk_task *tasks;             /* node.mu */
    pthread_mutex_t jit_mu;     /* guards jit creation */
    cg_jit *jit;                /* created on first use */
    unsigned stop_gen;          /* g_stop_gen when started */
    int slot;                   /* index in g_workers */
};

static _Atomic(dist_worker *) g_workers[MAX_WORKERS];
static _Atomic unsigned g_stop_gen;

/* Only atomics and uv_async_send (both async-signal-safe).  A worker clears its slot
 * before closing its handle; a signal landing exactly between a load of the slot and
 * the send can still touch a handle being closed -- a window of a few instructions at
 * worker exit, accepted here. */
void dist_worker_stop(void) {
    atomic_fetch_add(&g_stop_gen, 1);
    for (int i = 0; i < MAX_WORKERS; i++) {
        dist_worker *wk = atomic_load(&g_workers[i]);
        if (wk)
            uv_async_send(&wk->node.async);
    }
}

/* ---- tasks -------------------------------------------------------------------------- */

static void task_free(wk_task *t) {
    free(t->plan);
    rt_arena_destroy(t->arena);
    free(t);
}

static cg_jit *get_jit(dist_worker *wk, rt_error *err) {
    pthread_mutex_lock(&wk->jit_mu);
    if (!wk->jit && cg_jit_create(&wk->jit, err) != QE_OK)
        wk->jit = NULL;
    cg_jit *jit = wk->jit;
    pthread_mutex_unlock(&wk->jit_mu);
    return jit;
}

/* Prepares t->pipes for stage's pipelines (op_rows included); NULL on out of memory,
 * which only loses the figures. */
static void prepare_pipes(wk_task *t, const plan_stage *stage) {
    uint32_t n = stage->n_pipelines;
    dist_pipe_report *r = n ? rt_arena_calloc(t->arena, sizeof *r * n) : NULL;
    for (uint32_t p = 0; r && p < n; p++) {
        r[p].n_ops = stage->pipelines[p]->n_ops;
        if ((r[p].stats.op_rows = rt_arena_calloc(t->arena, sizeof(uint64_t) * r[p].n_ops)) == NULL)
            r = NULL;
    }
    t->pipes = r;
    t->n_pipes = r ? n : 0;
}

/* Records in t->pipes which pipelines code compiled (fallback reasons copied). */
static void note_code(wk_task *t, const cg_stage_code *code) {
    const rt_pipeline_fn *fns = cg_stage_functions(code);
    for (uint32_t p = 0; t->pipes && p < t->n_pipes; p++) {
        t->pipes[p].compiled = fns && fns[p];
        const char *why = cg_stage_fallback(code, p);
        t->pipes[p].fallback = why ? rt_arena_strdup(t->arena, why) : NULL;
    }
}

static qe_status run_plan(wk_task *t, const plan_query *plan, dist_query *dq, rt_task_stats *stats,
                          rt_error *err) {
    dist_worker *wk = t->wk;
    cg_stage_code *code = NULL;
    dist_xctx *x = NULL;
    qe_status st = QE_OK;
    uint64_t compile_ns = 0;
    if (t->jit) {
        uint64_t t0 = uv_hrtime();
        cg_jit *jit = get_jit(wk, err);
        st = jit ? cg_compile_stage(jit, plan, t->stage_id, CG_TIER_OPTIMIZED, &code, err)
                 : err->status;
        compile_ns = uv_hrtime() - t0;
    }
    prepare_pipes(t, plan->stages[t->stage_id]);
    if (st == QE_OK && code)
        note_code(t, code);
    if (st == QE_OK)
        st = dist_xctx_create(&wk->node, dq, t->query_id, plan, t->task_idx, t->n_routes, t->routes,
                              &x, err);
    rt_mem_tracker mem = {.limit = t->memory_limit};
    if (st == QE_OK) {
        rt_task task = {
            .query = plan,
            .stage = plan->stages[t->stage_id],
            .task_idx = t->task_idx,
            .n_tasks = t->n_tasks,
            .catalog = wk->catalog,
            .exchange = &dist_exchange_ops,
            .exchange_ctx = x,
            .compiled = code ? cg_stage_functions(code) : NULL,
            .n_threads = t->n_threads,
            .cancel = dist_query_cancel_flag(dq),
            .debug_delay_ms = t->debug_delay_ms,
            .mem = &mem,
        };
        rt_pipeline_stats *ps =
            t->pipes ? rt_arena_calloc(t->arena, sizeof *ps * t->n_pipes) : NULL;
        for (uint32_t p = 0; ps && p < t->n_pipes; p++)
            ps[p].op_rows = t->pipes[p].stats.op_rows;
        task.pipe_stats = ps;
        if (ps == NULL)
            t->n_pipes = 0; /* out of memory: no figures */
        st = rt_task_run(&task, stats, err);
        stats->compile_ns = compile_ns;
        for (uint32_t p = 0; ps && p < t->n_pipes; p++)
            t->pipes[p].stats = ps[p];
    }
    dist_xctx_destroy(x);
    cg_stage_code_destroy(code);
    return st;
}

static qe_status run_task(wk_task *t, rt_task_stats *stats, rt_error *err) {
    plan_query *plan = NULL;
    qe_status st = opt_plan_deserialize(t->arena, t->plan, t->plan_len, &plan, err);
    if (st != QE_OK)
        return st;
    if (t->stage_id >= plan->n_stages)
        return rt_error_set(err, QE_NETWORK, "08P01", -1, "task for stage %u of a plan with %u",
                            t->stage_id, plan->n_stages);
    dist_query *dq = dist_query_acquire(&t->wk->node, t->query_id);
    if (!dq)
        return rt_error_set(err, QE_CANCELLED, "57014", -1,
                            "canceling statement due to user request");
    st = run_plan(t, plan, dq, stats, err);
    dist_query_release(&t->wk->node, dq);
    return st;
}

static void report(wk_task *t, qe_status st, const rt_task_stats *stats, const rt_error *err) {
    dist_msg m = {.type = st == QE_OK ? DIST_MSG_TASK_DONE : DIST_MSG_TASK_FAILED};
    if (st == QE_OK) {
        m.u.done.query_id = t->query_id;
        m.u.done.stage_id = t->stage_id;
        m.u.done.task_idx = t->task_idx;
        m.u.done.stats = *stats;
        m.u.done.n_pipes = t->n_pipes;
        m.u.done.pipes = t->pipes;
    } else {
        m.u.failed.query_id = t->query_id;
        m.u.failed.stage_id = t->stage_id;
        m.u.failed.task_idx = t->task_idx;
        rt_error_copy(&m.u.failed.error, err);
        if (m.u.failed.error.status == QE_OK)
            m.u.failed.error.status = QE_ERROR;
        if (st != QE_CANCELLED)
            dist_log("task %016llx/%u/%u failed: %s", (unsigned long long)t->query_id, t->stage_id,
                     t->task_idx, err->message);
    }
    dist_wbuf w;
    dist_wbuf_init(&w);
    rt_error e2;
    size_t len;
    uint8_t *frame = dist_msg_encode(&m, &w, &e2) == QE_OK ? dist_wbuf_take(&w, &len) : NULL;
    dist_wbuf_free(&w);
    if (frame)
        dist_node_post(&t->wk->node, t->conn_id, NULL, 0, frame, len);
}

static void *task_main(void *arg) {
    wk_task *t = arg;
    rt_error err;
    rt_error_clear(&err);
    rt_task_stats stats = {0};
    qe_status st = run_task(t, &stats, &err);
    report(t, st, &stats, &err);
    pthread_mutex_lock(&t->wk->node.mu);
    t->finished = true;
    pthread_mutex_unlock(&t->wk->node.mu);
    dist_node_wake(&t->wk->node);
    return NULL;
}

static qe_status copy_routes(wk_task *t, const dist_msg *m, rt_error *err) {
    t->n_routes = m->u.submit.n_routes;
    t->routes = t->n_routes ? rt_arena_calloc(t->arena, t->n_routes * sizeof(dist_route)) : NULL;
    bool ok = !t->n_routes || t->routes;
    for (uint32_t e = 0; ok && e < t->n_routes; e++) {
        const dist_route *src = &m->u.submit.routes[e];
        dist_route *dst = &t->routes[e];
        dst->n_producers = src->n_producers;
        dst->n_consumers = src->n_consumers;
        dst->endpoints = rt_arena_calloc(t->arena, src->n_consumers * sizeof(char *));
        ok = dst->endpoints != NULL;
        for (uint32_t p = 0; ok && p < src->n_consumers; p++)
            ok = (dst->endpoints[p] = rt_arena_strdup(t->arena, src->endpoints[p])) != NULL;
    }
    return ok ? QE_OK : rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory starting a task");
}

static qe_status prepare_task(dist_worker *wk, dist_conn *c, const dist_msg *m, wk_task *t,
                              rt_error *err) {
    t->wk = wk;
    t->conn_id = c->id;
    t->query_id = m->u.submit.query_id;
    t->stage_id = m->u.submit.stage_id;
    t->task_idx = m->u.submit.task_idx;
    t->n_tasks = m->u.submit.n_tasks;
    t->jit = m->u.submit.jit;
    t->n_threads = m->u.submit.n_threads;
    t->debug_delay_ms = m->u.submit.debug_delay_ms;
    t->memory_limit = m->u.submit.memory_limit;
    t->arena = rt_arena_create(NULL);
    t->plan = malloc(m->u.submit.plan_len ? m->u.submit.plan_len : 1);
    if (!t->arena || !t->plan)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory starting a task");
    memcpy(t->plan, m->u.submit.plan, m->u.submit.plan_len);
    t->plan_len = m->u.submit.plan_len;
    return copy_routes(t, m, err);
}

static void start_task(dist_worker *wk, dist_conn *c, const dist_msg *m) {
    rt_error err;
    wk_task *t = calloc(1, sizeof *t);
    qe_status st = t ? prepare_task(wk, c, m, t, &err)
                     : rt_error_set(&err, QE_NOMEM, "53200", -1, "out of memory starting a task");
    if (st == QE_OK) {
        pthread_mutex_lock(&wk->node.mu);
        if (pthread_create(&t->thread, NULL, task_main, t) == 0) {
            t->next = wk->tasks;
            wk->tasks = t;
        } else {
            st = rt_error_set(&err, QE_INTERNAL, "XX000", -1, "could not start a task thread");
        }
        pthread_mutex_unlock(&wk->node.mu);
    }
    if (st == QE_OK)
        return;
    dist_msg f = {.type = DIST_MSG_TASK_FAILED};
    f.u.failed.query_id = m->u.submit.query_id;
    f.u.failed.stage_id = m->u.submit.stage_id;
    f.u.failed.task_idx = m->u.submit.task_idx;
    rt_error_copy(&f.u.failed.error, &err);
    dist_conn_send_msg(c, &f, &err);
    if (t)
        task_free(t);
}

/* Joins and frees finished task threads (all of them when `all`). */
static void reap_tasks(dist_worker *wk, bool all) {
    wk_task *done = NULL;
    pthread_mutex_lock(&wk->node.mu);
    for (wk_task **p = &wk->tasks; *p;) {
        wk_task *t = *p;
        if (t->finished || all) {
            *p = t->next;
            t->next = done;
            done = t;
        } else {
            p = &t->next;
        }
    }
    pthread_mutex_unlock(&wk->node.mu);
    while (done) {
        wk_task *next = done->next;
        pthread_join(done->thread, NULL);
        task_free(done);
        done = next;
    }
}

static uint32_t running_tasks(dist_worker *wk) {
    uint32_t n = 0;
    pthread_mutex_lock(&wk->node.mu);
    for (wk_task *t = wk->tasks; t; t = t->next)
        n += !t->finished;
    pthread_mutex_unlock(&wk->node.mu);
    return n;
}

/* ---- control messages --------------------------------------------------------------- */

static void reply(dist_conn *c, uint64_t request_id, qe_status st, const rt_error *err) {
    dist_msg m = {.type = DIST_MSG_REPLY};
    m.u.reply.request_id = request_id;
    if (st == QE_OK)
        rt_error_clear(&m.u.reply.error);
    else
        rt_error_copy(&m.u.reply.error, err);
    rt_error e;
    dist_conn_send_msg(c, &m, &e);
}

static void on_ddl(dist_worker *wk, dist_conn *c, const dist_msg *m) {
    rt_error err;
    rt_error_clear(&err);
    qe_status st;
    if (m->type == DIST_MSG_CREATE_TABLE) {
        rt_table *t;
        st = rt_catalog_create_table(wk->catalog, m->u.create.name, m->u.create.n_cols,
                                     m->u.create.col_names, m->u.create.col_types, &t, &err);
        reply(c, m->u.create.request_id, st, &err);
    } else {
        st = rt_catalog_drop_table(wk->catalog, m->u.drop.name, &err);
        reply(c, m->u.drop.request_id, st, &err);
    }
}

static void on_query_end(dist_worker *wk, const dist_msg *m) {
    rt_error reason;
    bool cancel = m->type == DIST_MSG_CANCEL_QUERY;
    rt_error_set(&reason, QE_CANCELLED, "57014", -1, "canceling statement due to %s",
                 cancel ? "a failure elsewhere in the cluster" : "the end of the query");
    dist_query_close(&wk->node, m->u.query.query_id, &reason);
    if (cancel)
        dist_log("query %016llx cancelled by the coordinator",
                 (unsigned long long)m->u.query.query_id);
}

/*
 * The tables belong to the coordinator session that created them: registering with a
 * different session (a restarted coordinator) drops them, so its CREATE TABLEs do not
 * meet stale partitions.  Re-registering with the same session keeps them.  Tasks of
 * the old session have been cancelled; the drop waits for none, so it is skipped (and
 * logged) while one is still finishing.
 */
static void new_session(dist_worker *wk, uint64_t session_id) {
    uint64_t old = wk->session_id;
    wk->session_id = session_id;
    if (old == 0 || old == session_id)
        return;
    if (running_tasks(wk) != 0) {
        dist_log("new coordinator session, but tasks of the old one still run: keeping its "
                 "tables");
        return;
    }
    const char *names[256];
    uint32_t n;
    rt_error err;
    while ((n = rt_catalog_table_names(wk->catalog, names, 256)) > 0) {
        char name[256];
        snprintf(name, sizeof name, "%s", names[0]); /* names[] dies with the table */
        if (rt_catalog_drop_table(wk->catalog, name, &err) != QE_OK)
            break;
    }
    dist_log("new coordinator session: dropped the previous session's tables");
}

static qe_status wk_on_frame(dist_node *node, dist_conn *c, const dist_msg *m, rt_error *err) {
    dist_worker *wk = node->role;
    if (c->kind != DIST_CONN_CONTROL_OUT || c->id != wk->control_id)
        return rt_error_set(err, QE_NETWORK, "08P01", -1, "unexpected %s message from a peer",
                            dist_msg_name(m->type));
    switch ((dist_msg_type)m->type) {
    case DIST_MSG_REGISTER_ACK:
        new_session(wk, m->u.ack.session_id);
        wk->registered = true;
        wk->worker_id = m->u.ack.worker_id;
        wk->heartbeat_ms = m->u.ack.heartbeat_ms;
        dist_log("registered with coordinator %s as worker %u", c->endpoint, wk->worker_id);
        return QE_OK;
    case DIST_MSG_CREATE_TABLE:
    case DIST_MSG_DROP_TABLE: on_ddl(wk, c, m); return QE_OK;
    case DIST_MSG_SUBMIT_TASK: start_task(wk, c, m); return QE_OK;
    case DIST_MSG_CANCEL_QUERY:
    case DIST_MSG_RELEASE_QUERY: on_query_end(wk, m); return QE_OK;
    default:
        return rt_error_set(err, QE_NETWORK, "08P01", -1, "unexpected %s message",
                            dist_msg_name(m->type));
    }
}

/* ---- the control connection --------------------------------------------------------- */

static void cpu_features(char *buf, size_t cap) {
    buf[0] = '\0';
#if defined(__x86_64__) || defined(__i386__)
    static const char *names[] = {"sse4.2", "avx", "avx2", "bmi2", "fma", "avx512f", "avx512bw"};
    static const int present_count = (int)(sizeof names / sizeof names[0]);
    __builtin_cpu_init();
    int has[7] = {__builtin_cpu_supports("sse4.2"),  __builtin_cpu_supports("avx"),
                  __builtin_cpu_supports("avx2"),    __builtin_cpu_supports("bmi2"),
                  __builtin_cpu_supports("fma"),     __builtin_cpu_supports("avx512f"),
                  __builtin_cpu_supports("avx512bw")};
    for (int i = 0; i < present_count; i++)
        if (has[i])
            snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", buf[0] ? "," : "", names[i]);
#else
    snprintf(buf, cap, "generic");
#endif
}

static void wk_on_connect(dist_node *node, dist_conn *c, int status) {
    dist_worker *wk = node->role;
    if (c->id != wk->control_id)
        return;
    if (status < 0) {
        if (wk->connect_failures++ == 0)
            dist_log("waiting for the coordinator at %s (%s)", c->endpoint, uv_strerror(status));
        return;
    }
    wk->connect_failures = 0;
    dist_msg m = {.type = DIST_MSG_REGISTER};
    snprintf(m.u.reg.listen, sizeof m.u.reg.listen, "%s", node->listen_addr);
    m.u.reg.n_threads = wk->opts.n_threads;
    m.u.reg.heartbeat_ms = wk->opts.heartbeat_interval_ms;
    cpu_features(m.u.reg.cpu, sizeof m.u.reg.cpu);
    rt_error err;
    if (dist_conn_send_msg(c, &m, &err) != QE_OK)
        dist_conn_close(c, err.message);
}

static void wk_on_close(dist_node *node, dist_conn *c, const char *reason) {
    dist_worker *wk = node->role;
    if (c->id != wk->control_id)
        return;
    bool was_registered = wk->registered;
    wk->control_id = 0;
    wk->registered = false;
    wk->next_connect_ms = uv_now(&node->loop) + RECONNECT_MS;
    if (!was_registered || wk->slot < 0) /* not up yet, or we are stopping */
        return;
    dist_log("lost the coordinator at %s (%s); cancelling %u running tasks", c->endpoint, reason,
             running_tasks(wk));
    rt_error err;
    dist_error_unreachable(&err, "coordinator", c->endpoint, "Connection lost.");
    dist_query_close_all(node, &err);
}

static void maybe_connect(dist_worker *wk, uint64_t now) {
    if (wk->control_id || now < wk->next_connect_ms)
        return;
    dist_conn *c = NULL;
    rt_error err;
    wk->next_connect_ms = now + RECONNECT_MS;
    if (dist_node_connect(&wk->node, wk->opts.coordinator, DIST_CONN_CONTROL_OUT, &c, &err) ==
        QE_OK)
        wk->control_id = c->id;
    else if (wk->connect_failures++ == 0)
        dist_log("%s", err.message);
}

static void maybe_heartbeat(dist_worker *wk, uint64_t now) {
    if (!wk->registered || now - wk->last_heartbeat_ms < wk->heartbeat_ms)
        return;
    dist_conn *c = dist_node_find_conn(&wk->node, wk->control_id);
    dist_msg m = {.type = DIST_MSG_HEARTBEAT};
    rt_error err;
    if (c)
        dist_conn_send_msg(c, &m, &err);
    wk->last_heartbeat_ms = now;
}

/* Starts the shutdown once dist_worker_stop was called. */
static void check_stop(dist_worker *wk) {
    if (atomic_load(&g_stop_gen) == wk->stop_gen || wk->slot < 0)
        return;
    atomic_store(&g_workers[wk->slot], NULL);
    wk->slot = -1;
    dist_log("stopping (%u running tasks)", running_tasks(wk));
    rt_error err;
    rt_error_set(&err, QE_CANCELLED, "57P01", -1,
                 "terminating task because the worker is stopping");
    pthread_mutex_lock(&wk->node.mu);
    dist_query_fail_all_locked(&wk->node, &err);
    pthread_mutex_unlock(&wk->node.mu);
    dist_node_request_stop(&wk->node);
}

static void wk_on_tick(dist_node *node) {
    dist_worker *wk = node->role;
    uint64_t now = uv_now(&node->loop);
    check_stop(wk);
    if (wk->slot < 0)
        return;
    maybe_connect(wk, now);
    maybe_heartbeat(wk, now);
}

static void wk_on_wake(dist_node *node) {
    dist_worker *wk = node->role;
    reap_tasks(wk, false);
    check_stop(wk);
}

static const dist_node_ops wk_ops = {
    .on_frame = wk_on_frame,
    .on_connect = wk_on_connect,
    .on_close = wk_on_close,
    .on_tick = wk_on_tick,
    .on_wake = wk_on_wake,
};

/* ---- entry point -------------------------------------------------------------------- */

static int claim_slot(dist_worker *wk) {
    for (int i = 0; i < MAX_WORKERS; i++) {
        dist_worker *expected = NULL;
        if (atomic_compare_exchange_strong(&g_workers[i], &expected, wk))
            return i;
    }
    return -1;
}

static qe_status worker_setup(dist_worker *wk, const dist_worker_opts *opts, rt_error *err) {
    wk->opts = *opts;
    if (!wk->opts.listen[0])
        snprintf(wk->opts.listen, sizeof wk->opts.listen, "127.0.0.1:0");
    if (!wk->opts.n_threads)
        wk->opts.n_threads = 1;
    if (!wk->opts.heartbeat_interval_ms)
        wk->opts.heartbeat_interval_ms = 500;
    wk->heartbeat_ms = wk->opts.heartbeat_interval_ms;
    wk->slot = -1;
    pthread_mutex_init(&wk->jit_mu, NULL);
    struct sockaddr_storage sa;
    if (!wk->opts.coordinator[0])
        return rt_error_set(err, QE_MISUSE, "08001", -1, "no coordinator address given");
    qe_status st = dist_resolve(wk->opts.coordinator, &sa, err);
    if (st != QE_OK)
        return st;
    wk->catalog = rt_catalog_create();
    if (!wk->catalog)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory starting the worker");
    return dist_node_init(&wk->node, wk->opts.listen, &wk_ops, wk, WORKER_TICK_MS, err);
}

static void worker_teardown(dist_worker *wk) {
    if (wk->slot >= 0)
        atomic_store(&g_workers[wk->slot], NULL);
    dist_node_destroy(&wk->node);
    rt_catalog_destroy(wk->catalog);
    cg_jit_destroy(wk->jit);
    pthread_mutex_destroy(&wk->jit_mu);
    free(wk);
}

qe_status dist_worker_run(const dist_worker_opts *opts, rt_error *err) {
    dist_worker *wk = calloc(1, sizeof *wk);
    if (!wk)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory starting the worker");
    wk->stop_gen = atomic_load(&g_stop_gen);
    qe_status st = worker_setup(wk, opts, err);
    if (st == QE_OK && (wk->slot = claim_slot(wk)) < 0)
        st = rt_error_set(err, QE_MISUSE, "55000", -1, "too many workers in one process");
    if (st != QE_OK) {
        worker_teardown(wk);
        return st;
    }
    dist_log("worker listening on %s, coordinator %s", wk->node.listen_addr, wk->opts.coordinator);
    dist_node_run(&wk->node);
    rt_error reason;
    rt_error_set(&reason, QE_CANCELLED, "57P01", -1,
                 "terminating task because the worker is stopping");
    dist_query_close_all(&wk->node, &reason);
    reap_tasks(wk, true);
    dist_log("worker stopped");
    worker_teardown(wk);
    return QE_OK;
}
