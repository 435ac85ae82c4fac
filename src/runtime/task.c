/*
 * task.c -- rt_task_run: runs the pipelines of one stage task, morsel-driven.
 *
 * Control flow: for each pipeline of the stage, in order, set up the shared
 * pipeline state (source cursor, sink), prepare one thread state per thread
 * (operator states, thread-local sink state), then run the morsel loop on
 * n_threads threads (the calling thread is thread 0, the others come from the
 * process's thread pool, pool.c; `ordered` pipelines run on it alone).  Each thread pulls morsels
 * from the shared source, runs them through the interpreter's operators or the pipeline's compiled
 * function into its thread-local sink state, and flushes at the end; after the join the sink merges
 * the thread-local states (hash tables, sort runs) into the stage's operator state
 * that the next pipeline's source reads.  The first failure stops every thread at
 * its next morsel and becomes the task's error; cancellation is checked per morsel.
 * In adaptive execution (task->adaptive) a compilable pipeline starts interpreted; after
 * its first ms, a thread measures one morsel in RT_ADAPTIVE_SAMPLE (thread CPU time of
 * its source and of its operators), estimates the interpreted time left and offers it to
 * the background compiler, and switches to the function once it is published.
 */
#include "rt_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Role of each physical operator kind (0 source, 1 operator, 2 sink). */
static const int phys_role[] = {
#define X(name, text, role) role,
    PLAN_PHYS_LIST(X)
#undef X
};

qe_status rt_plan_error(rt_error *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    rt_error_vset(err, QE_INTERNAL, "XX000", -1, fmt, ap);
    va_end(ap);
    return QE_INTERNAL;
}

bool rt_task_cancelled(const rt_task *task, rt_error *err) {
    if (task->cancel == NULL || !atomic_load(task->cancel))
        return false;
    rt_error_set(err, QE_CANCELLED, "57014", -1, "canceling statement due to user request");
    return true;
}

void rt_stage_put(rt_stage_exec *sx, uint32_t state_id, void *state, void (*destroy)(void *)) {
    if (sx->states[state_id] != NULL && sx->destroy[state_id] != NULL)
        sx->destroy[state_id](sx->states[state_id]);
    sx->states[state_id] = state;
    sx->destroy[state_id] = destroy;
}

void *rt_stage_get(rt_stage_exec *sx, uint32_t state_id, rt_error *err) {
    if (state_id >= sx->n_states || sx->states[state_id] == NULL) {
        rt_plan_error(err, "operator state %u is not built by an earlier pipeline", state_id);
        return NULL;
    }
    return sx->states[state_id];
}

qe_status rt_sink_push(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *b) {
    uint32_t n = rt_batch_active(b);
    if (n == 0)
        return QE_OK;
    ts->op_rows[ps->pipe->n_ops - 1] += n;
    return ps->sink_ops->push(ps, ts, b);
}

/* ---- set-up ---------------------------------------------------------------------------- */

static const rt_source_ops *source_ops_of(plan_phys_kind kind) {
    switch (kind) {
    case PLAN_PHYS_SCAN: return &rt_scan_source;
    case PLAN_PHYS_VALUES: return &rt_values_source;
    case PLAN_PHYS_EXCHANGE_SOURCE: return &rt_exchange_source;
    case PLAN_PHYS_AGG_SOURCE: return &rt_agg_source;
    case PLAN_PHYS_SORT_SOURCE: return &rt_sort_source;
    case PLAN_PHYS_JOIN_UNMATCHED: return &rt_join_unmatched_source;
    case PLAN_PHYS_CSV_SCAN: return &rt_csv_source;
    case PLAN_PHYS_RANGE: return &rt_range_source;
    case PLAN_PHYS_WINDOW_SOURCE: return &rt_window_source;
    default: return NULL;
    }
}

static const rt_sink_ops *sink_ops_of(plan_phys_kind kind) {
    switch (kind) {
    case PLAN_PHYS_AGG_SINK: return &rt_agg_sink;
    case PLAN_PHYS_SORT_SINK: return &rt_sort_sink;
    case PLAN_PHYS_EXCHANGE_SINK: return &rt_exchange_sink;
    case PLAN_PHYS_INSERT_SINK: return &rt_insert_sink;
    case PLAN_PHYS_RESULT_SINK: return &rt_result_sink_ops;
    case PLAN_PHYS_HASH_JOIN_BUILD: return &rt_join_build_sink;
    case PLAN_PHYS_WINDOW_SINK: return &rt_window_sink;
    default: return NULL;
    }
}

/* Checks the shape of a pipeline: source, operators, sink, each with a schema. */
static qe_status check_pipeline(const plan_pipeline *pipe, rt_error *err) {
    if (pipe == NULL || pipe->n_ops < 2 || pipe->ops == NULL)
        return rt_plan_error(err, "pipeline needs a source and a sink");
    for (uint32_t i = 0; i < pipe->n_ops; i++) {
        const plan_op *op = pipe->ops[i];
        int want = i == 0 ? 0 : i == pipe->n_ops - 1 ? 2 : 1;
        if (op == NULL || (unsigned)op->kind >= sizeof phys_role / sizeof phys_role[0] ||
            phys_role[op->kind] != want)
            return rt_plan_error(err, "pipeline %u: operator %u has the wrong role", pipe->id, i);
        if (op->n_cols > 0 && op->types == NULL)
            return rt_plan_error(err, "pipeline %u: operator %u has no column types", pipe->id, i);
    }
    return QE_OK;
}

static void thread_state_destroy(rt_thread_state *ts) {
    if (ts == NULL)
        return;
    rt_arena_destroy(ts->morsel_arena);
    rt_arena_destroy(ts->arena); /* ts itself lives there: nothing is read after */
}

/* Creates thread idx's state: arenas, operator states, thread-local sink state. */
static qe_status thread_state_create(rt_pipeline_state *ps, uint32_t idx, rt_error *err) {
    rt_arena *arena = rt_arena_create(ps->task->mem);
    rt_thread_state *ts = arena ? rt_arena_calloc(arena, sizeof *ts) : NULL;
    if (ts == NULL) {
        rt_arena_destroy(arena);
        return rt_error_nomem(err, ps->task->mem);
    }
    ts->ps = ps;
    ts->idx = idx;
    ts->arena = arena;
    rt_error_clear(&ts->err);
    ps->threads[idx] = ts;
    ts->morsel_arena = rt_arena_create(ps->task->mem);
    ts->ops = rt_arena_calloc(arena, sizeof(void *) * ps->pipe->n_ops);
    ts->op_rows = rt_arena_calloc(arena, sizeof(uint64_t) * ps->pipe->n_ops);
    if (ts->morsel_arena == NULL || ts->ops == NULL || ts->op_rows == NULL)
        return rt_error_nomem(err, ps->task->mem);
    qe_status st = QE_OK;
    for (uint32_t i = 1; i + 1 < ps->pipe->n_ops && st == QE_OK; i++)
        st = rt_operator_prepare(ps, ts, i);
    if (st == QE_OK)
        st = ps->sink_ops->thread_init(ps, ts);
    ts->fn = ps->compiled;
    if (st == QE_OK && ps->compiled != NULL)
        st = rt_jit_prepare_thread(ts);
    if (st != QE_OK)
        rt_error_copy(err, &ts->err);
    return st;
}

/* Records a thread's failure as the pipeline's error (the first one wins). */
static void pipeline_fail(rt_pipeline_state *ps, const rt_error *e) {
    pthread_mutex_lock(&ps->mu);
    if (!ps->has_error) {
        rt_error_copy(&ps->error, e);
        ps->has_error = true;
    }
    pthread_mutex_unlock(&ps->mu);
    atomic_store(&ps->failed, true);
}

/* ---- the morsel loop ------------------------------------------------------------------- */

/* Sleeps ms milliseconds (debug_delay_ms) in short slices, returning early (with the
 * 57014 error set) when the task is cancelled or false when the pipeline failed. */
static bool delay_morsel(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t ms) {
    while (ms > 0) {
        uint32_t step = ms < 10 ? ms : 10;
        struct timespec t = {0, (long)step * 1000000L};
        while (nanosleep(&t, &t) != 0) {
        }
        ms -= step;
        if (rt_task_cancelled(ps->task, &ts->err) || atomic_load(&ps->failed))
            return false;
    }
    return true;
}

/* Nanoseconds on the monotonic clock. */
static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* CPU nanoseconds of the calling thread (morsel costs, unaffected by other processes). */
static uint64_t thread_cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Adaptive execution: switches ts to the pipeline's function once it is published
 * (making the thread's scratch batches first) and the pipeline has a measured
 * interpreted morsel: code published before the pipeline started (the stage compiled
 * for an earlier pipeline, or taken from the code cache) is judged against the
 * interpreter (adaptive_judge) and teaches the cost model like code compiled for it.
 * QE_OK also when nothing changed. */
static qe_status adaptive_switch(rt_pipeline_state *ps, rt_thread_state *ts) {
    if (ts->fn != NULL || ps->adaptive_fn == NULL || ts->reverted ||
        atomic_load_explicit(&ps->interp_rows, memory_order_relaxed) == 0)
        return QE_OK;
    rt_pipeline_fn fn = atomic_load_explicit(ps->adaptive_fn, memory_order_acquire);
    if (fn == NULL)
        return QE_OK;
    qe_status st = rt_jit_prepare_thread(ts);
    if (st == QE_OK)
        ts->fn = fn;
    return st;
}

/* Waits (debug: rt_adaptive.wait) until the background compile has ended; false if
 * the task was cancelled (57014 set) or another thread failed meanwhile. */
static bool adaptive_wait(rt_pipeline_state *ps, rt_thread_state *ts) {
    const rt_adaptive *ad = ps->task->adaptive;
    ts->waited = true;
    while (!atomic_load(&ad->settled)) {
        struct timespec t = {0, 100000L};
        nanosleep(&t, NULL);
        if (rt_task_cancelled(ps->task, &ts->err) || atomic_load(&ps->failed))
            return false;
    }
    return true;
}

/* After a measured interpreted morsel of a compilable pipeline: offers the estimated
 * interpreted time left to the background compiler (the elapsed time extrapolated by the
 * scan's progress; the elapsed time itself when the source cannot tell) with the share
 * of the measured morsels' CPU time the operators and sink took (the rest: the source),
 * or, in the debug wait mode, waits for the code.  False as adaptive_wait. */
static bool adaptive_after_morsel(rt_pipeline_state *ps, rt_thread_state *ts) {
    const rt_adaptive *ad = ps->task->adaptive;
    if (ad->wait)
        return ts->waited || adaptive_wait(ps, ts);
    if (atomic_load_explicit(&ad->started, memory_order_relaxed))
        return true;
    double elapsed_ms = (double)(now_ns() - ps->t_start) * 1e-6;
    double f = ps->source->kind == PLAN_PHYS_SCAN ? rt_scan_progress(ps) : -1.0;
    double remaining_ms = f < 0 ? elapsed_ms : f >= 1.0 ? 0.0 : elapsed_ms * (1.0 - f) / f;
    double op_ns = (double)atomic_load_explicit(&ps->interp_ns, memory_order_relaxed);
    double src_ns = (double)atomic_load_explicit(&ps->src_ns, memory_order_relaxed);
    double share = op_ns + src_ns > 0 ? op_ns / (op_ns + src_ns) : 1.0;
    ad->consider(ad->ctx, ps->idx, remaining_ms, share, ps->n_threads);
    return true;
}

/* Adaptive, after a compiled morsel: sends ts back to the interpreter for good when
 * its compiled morsels run RT_ADAPTIVE_SLOWER times slower per input row than the
 * pipeline's interpreted morsels (not in the debug wait mode). */
static void adaptive_judge(rt_pipeline_state *ps, rt_thread_state *ts) {
    if (ps->task->adaptive->wait || ts->n_comp_measured < RT_ADAPTIVE_MIN_COMPILED ||
        ts->comp_rows == 0)
        return;
    uint64_t interp_ns = atomic_load_explicit(&ps->interp_ns, memory_order_relaxed);
    uint64_t interp_rows = atomic_load_explicit(&ps->interp_rows, memory_order_relaxed);
    if (interp_rows == 0)
        return;
    double comp = (double)ts->comp_ns / (double)ts->comp_rows;
    if (comp > (double)interp_ns / (double)interp_rows * RT_ADAPTIVE_SLOWER) {
        ts->fn = NULL;
        ts->reverted = true;
    }
}

/*
 * Adaptive: whether ts measures its next morsel (before its source runs).  Nothing can
 * pay for a compile in a pipeline's first RT_ADAPTIVE_WARMUP_NS, and the thread-CPU
 * clock is a system call, so: every morsel when waiting (debug); compiled morsels until
 * RT_ADAPTIVE_MIN_COMPILED were measured (they are judged against the interpreted ones);
 * otherwise, after the warm-up, one morsel in RT_ADAPTIVE_SAMPLE.
 */
static bool adaptive_sample(rt_pipeline_state *ps, rt_thread_state *ts) {
    if (ps->adaptive_fn == NULL)
        return false;
    if (ps->task->adaptive->wait ||
        (ts->fn != NULL && ts->n_comp_measured < RT_ADAPTIVE_MIN_COMPILED))
        return true;
    if (ts->skip > 0) {
        ts->skip--;
        return false;
    }
    if (now_ns() - ps->t_start < RT_ADAPTIVE_WARMUP_NS)
        return false;
    ts->skip = RT_ADAPTIVE_SAMPLE - 1;
    return true;
}

/* Runs morsel m through the operators or ts's compiled function; in adaptive execution
 * switches first, and with `measure` measures it (thread CPU time per input row; t_src:
 * the thread CPU clock before the source made m). */
static qe_status run_morsel(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *m,
                            bool measure, uint64_t t_src) {
    qe_status st = adaptive_switch(ps, ts);
    if (st != QE_OK)
        return st;
    uint64_t t0 = measure ? thread_cpu_ns() : 0, rows = measure ? rt_batch_active(m) : 0;
    if (ts->fn == NULL) {
        ts->n_interpreted++;
        st = rt_operators_run(ps, ts, m);
        if (!measure || st != QE_OK)
            return st;
        atomic_fetch_add_explicit(&ps->interp_ns, thread_cpu_ns() - t0, memory_order_relaxed);
        atomic_fetch_add_explicit(&ps->interp_rows, rows, memory_order_relaxed);
        atomic_fetch_add_explicit(&ps->src_ns, t0 - t_src, memory_order_relaxed);
        if (!ts->reverted && !adaptive_after_morsel(ps, ts))
            return ts->err.status; /* cancelled (57014), or OK when another thread failed */
        return QE_OK;
    }
    ts->n_compiled++;
    st = ts->fn(ps, ts, m);
    if (st != QE_OK && ts->err.status == QE_OK)
        rt_error_set(&ts->err, st, "XX000", -1, "compiled pipeline failed without an error");
    if (measure && st == QE_OK) {
        ts->comp_ns += thread_cpu_ns() - t0;
        ts->comp_rows += rows;
        ts->n_comp_measured++;
        adaptive_judge(ps, ts);
    }
    return st;
}

qe_status rt_jit_interpret(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *morsel) {
    ts->n_compiled--; /* run_morsel counted it compiled before the call */
    ts->n_interpreted++;
    return rt_operators_run(ps, ts, morsel);
}

static qe_status morsel_loop(rt_pipeline_state *ps, rt_thread_state *ts) {
    bool drain = ps->source->kind == PLAN_PHYS_EXCHANGE_SOURCE;
    for (;;) {
        if (atomic_load(&ps->failed))
            return QE_OK;
        if (rt_task_cancelled(ps->task, &ts->err))
            return QE_CANCELLED;
        if (atomic_load(&ps->limit_done) && !drain)
            return QE_OK;
        rt_arena_reset(ts->morsel_arena);
        const rt_batch *m = NULL;
        bool measure = adaptive_sample(ps, ts);
        uint64_t t_src = measure ? thread_cpu_ns() : 0;
        qe_status st = ps->src_ops->next(ps, ts, &m);
        if (st != QE_OK || m == NULL)
            return st;
        if (ps->task->debug_delay_ms > 0 && !delay_morsel(ps, ts, ps->task->debug_delay_ms))
            return ts->err.status; /* cancelled (57014), or OK when another thread failed */
        /* Past a LIMIT, exchange input is drained so producers never block. */
        if (atomic_load(&ps->limit_done) || rt_batch_active(m) == 0)
            continue;
        ts->op_rows[0] += rt_batch_active(m);
        if ((st = run_morsel(ps, ts, m, measure, t_src)) != QE_OK)
            return st;
    }
}

static void *thread_main(void *arg) {
    rt_thread_state *ts = arg;
    rt_pipeline_state *ps = ts->ps;
    qe_status st = morsel_loop(ps, ts);
    if (st == QE_OK && !atomic_load(&ps->failed) && ps->sink_ops->thread_finish != NULL)
        st = ps->sink_ops->thread_finish(ps, ts);
    rt_arena_reset(ts->morsel_arena);
    atomic_fetch_add(&ps->morsels_interpreted, ts->n_interpreted);
    atomic_fetch_add(&ps->morsels_compiled, ts->n_compiled);
    atomic_fetch_add(&ps->comp_ns, ts->comp_ns);
    atomic_fetch_add(&ps->comp_rows, ts->comp_rows);
    if (st != QE_OK) {
        if (ts->err.status == QE_OK)
            rt_error_set(&ts->err, st, "XX000", -1, "pipeline failed without an error");
        pipeline_fail(ps, &ts->err);
    }
    return NULL;
}

/* thread_main as a pool job. */
static void thread_job(void *arg) { thread_main(arg); }

/* Runs thread 0 on the calling thread and the others on the process's thread pool; a
 * thread no pool thread has started when thread 0 ends runs on the calling thread
 * afterwards (results do not depend on the number of threads). */
static void run_threads(rt_pipeline_state *ps) {
    uint32_t n = ps->n_threads - 1;
    rt_pool_job *jobs = n ? rt_arena_calloc(ps->arena, sizeof *jobs * n) : NULL;
    if (jobs == NULL) { /* none, or out of memory: every thread on this one */
        for (uint32_t t = 0; t < ps->n_threads; t++)
            thread_main(ps->threads[t]);
        return;
    }
    for (uint32_t t = 0; t < n; t++)
        jobs[t] = (rt_pool_job){.fn = thread_job, .arg = ps->threads[t + 1]};
    rt_pool_submit(jobs, n);
    thread_main(ps->threads[0]);
    rt_pool_join(jobs, n);
}

/* ---- one pipeline ---------------------------------------------------------------------- */

static qe_status pipeline_setup(rt_pipeline_state *ps, rt_error *err) {
    const plan_pipeline *pipe = ps->pipe;
    ps->source = pipe->ops[0];
    ps->sink = pipe->ops[pipe->n_ops - 1];
    ps->src_ops = source_ops_of(ps->source->kind);
    ps->sink_ops = sink_ops_of(ps->sink->kind);
    const plan_op *in = pipe->ops[pipe->n_ops - 2];
    ps->n_sink_in = in->n_cols;
    ps->sink_in_types = in->types;
    /* Sorted output keeps its order only on one thread, whatever the flag says. */
    bool ordered = pipe->ordered || ps->source->kind == PLAN_PHYS_SORT_SOURCE;
    ps->n_threads = ordered ? 1 : ps->task->n_threads;
    ps->limit_seen = rt_arena_calloc(ps->arena, sizeof(_Atomic int64_t) * pipe->n_ops);
    ps->threads = rt_arena_calloc(ps->arena, sizeof(rt_thread_state *) * ps->n_threads);
    if (ps->limit_seen == NULL || ps->threads == NULL)
        return rt_error_nomem(err, ps->task->mem);
    qe_status st = ps->src_ops->init(ps, err);
    if (st == QE_OK)
        st = ps->sink_ops->init(ps, err);
    for (uint32_t t = 0; t < ps->n_threads && st == QE_OK; t++)
        st = thread_state_create(ps, t, err);
    return st;
}

static void pipeline_teardown(rt_pipeline_state *ps) {
    if (ps->sink_ops != NULL && ps->sink_ops->destroy != NULL)
        ps->sink_ops->destroy(ps);
    if (ps->src_ops != NULL && ps->src_ops->destroy != NULL)
        ps->src_ops->destroy(ps);
    if (ps->threads != NULL)
        for (uint32_t t = 0; t < ps->n_threads; t++)
            thread_state_destroy(ps->threads[t]);
    rt_arena_destroy(ps->arena);
    pthread_mutex_destroy(&ps->mu);
    free(ps);
}

/* Sums the threads' counters of ps into *out (its op_rows, if any, has n_ops entries). */
static void pipeline_stats(const rt_pipeline_state *ps, uint64_t wall_ns, rt_pipeline_stats *out) {
    uint32_t n_ops = ps->pipe->n_ops;
    out->ran = true;
    out->wall_ns = wall_ns;
    out->n_threads = ps->n_threads;
    out->morsels_interpreted = out->morsels_compiled = 0;
    if (out->op_rows != NULL)
        memset(out->op_rows, 0, sizeof(uint64_t) * n_ops);
    for (uint32_t t = 0; ps->threads != NULL && t < ps->n_threads; t++) {
        const rt_thread_state *ts = ps->threads[t];
        if (ts == NULL)
            continue;
        out->morsels_interpreted += ts->n_interpreted;
        out->morsels_compiled += ts->n_compiled;
        for (uint32_t i = 0; out->op_rows != NULL && ts->op_rows != NULL && i < n_ops; i++)
            out->op_rows[i] += ts->op_rows[i];
    }
    if (out->op_rows == NULL || n_ops < 3)
        return;
    /* The last operator's output is the sink's input (rt_sink_push, rt_jit_* count it);
     * compiled code runs the operators before it fused: those are not counted. */
    out->op_rows[n_ops - 2] = out->op_rows[n_ops - 1];
    for (uint32_t i = 1; out->morsels_compiled && i + 2 < n_ops; i++)
        out->op_rows[i] = RT_ROWS_UNKNOWN;
}

static qe_status run_pipeline(const rt_task *task, rt_stage_exec *sx, uint32_t p,
                              rt_task_stats *stats, rt_error *err) {
    const plan_pipeline *pipe = task->stage->pipelines[p];
    qe_status st = check_pipeline(pipe, err);
    if (st != QE_OK)
        return st;
    rt_pipeline_state *ps = calloc(1, sizeof *ps);
    if (ps == NULL)
        return rt_error_nomem(err, task->mem);
    pthread_mutex_init(&ps->mu, NULL);
    ps->task = task;
    ps->stage = sx;
    ps->pipe = pipe;
    ps->idx = p;
    ps->compiled = task->compiled ? task->compiled[p] : NULL;
    if (task->adaptive != NULL && task->adaptive->compilable[p]) {
        /* Even when already published, each thread's first morsel is interpreted: the
         * measure the compiled morsels are judged against. */
        ps->compiled = NULL;
        ps->adaptive_fn = &task->adaptive->fns[p];
    }
    ps->arena = rt_arena_create(task->mem);
    uint64_t t0 = now_ns();
    st = ps->arena ? pipeline_setup(ps, err) : rt_error_nomem(err, task->mem);
    if (st == QE_OK) {
        ps->t_start = now_ns();
        run_threads(ps);
        if (ps->has_error) {
            rt_error_copy(err, &ps->error);
            st = ps->error.status;
        } else {
            st = ps->sink_ops->finish(ps, err);
        }
        if (ps->adaptive_fn != NULL)
            task->adaptive->report(task->adaptive->ctx, p, atomic_load(&ps->interp_ns),
                                   atomic_load(&ps->interp_rows), atomic_load(&ps->comp_ns),
                                   atomic_load(&ps->comp_rows));
    }
    stats->rows_out += atomic_load(&ps->rows_out);
    stats->rows_written += atomic_load(&ps->rows_written);
    if (task->pipe_stats != NULL)
        pipeline_stats(ps, now_ns() - t0, &task->pipe_stats[p]);
    stats->morsels_interpreted += atomic_load(&ps->morsels_interpreted);
    stats->morsels_compiled += atomic_load(&ps->morsels_compiled);
    pipeline_teardown(ps);
    return st;
}

qe_status rt_task_run(const rt_task *task, rt_task_stats *stats, rt_error *err) {
    rt_task_stats local;
    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (task == NULL || task->stage == NULL || task->n_threads == 0)
        return rt_plan_error(err, "task without a stage or threads");
    const plan_stage *stage = task->stage;
    if (stage->n_pipelines > 0 && stage->pipelines == NULL)
        return rt_plan_error(err, "stage %u has no pipeline list", stage->id);
    uint64_t t0 = now_ns();
    rt_stage_exec sx = {.stage = stage, .n_states = stage->n_states};
    sx.states = calloc(stage->n_states ? stage->n_states : 1, sizeof(void *));
    sx.destroy = calloc(stage->n_states ? stage->n_states : 1, sizeof(void (*)(void *)));
    qe_status st = QE_OK;
    if (sx.states == NULL || sx.destroy == NULL)
        st = rt_error_nomem(err, task->mem);
    for (uint32_t p = 0; p < stage->n_pipelines && st == QE_OK; p++)
        st = run_pipeline(task, &sx, p, stats, err);
    for (uint32_t i = 0; sx.states != NULL && sx.destroy != NULL && i < sx.n_states; i++)
        if (sx.states[i] != NULL && sx.destroy[i] != NULL)
            sx.destroy[i](sx.states[i]);
    free(sx.states);
    free(sx.destroy);
    if (task->mem != NULL)
        stats->peak_memory = (uint64_t)atomic_load(&task->mem->peak);
    stats->wall_ns = now_ns() - t0;
    return st;
}
