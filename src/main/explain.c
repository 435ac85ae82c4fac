/*
 * explain.c -- EXPLAIN ANALYZE: runs a query's physical plan (its rows discarded and
 * counted) with a dist_observer that collects per stage the compile time and fallback
 * reasons, per pipeline of the stages run here the runtime's rt_pipeline_stats (rows
 * out of each operator, wall time, threads, morsels interpreted / compiled), and per
 * task (every task of a cluster's PARTITIONED stages too) its rt_task_stats; then
 * renders the staged physical plan (opt_print_physical_notes / _json_notes) with
 * those figures as notes.  Without timing (EXPLAIN (ANALYZE, TIMING OFF)) only what
 * does not vary from run to run is printed: row counts and how each pipeline ran.
 */
#include "main_int.h"

#include "opt.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One finished task of a stage. */
typedef struct an_task {
    struct an_task *next; /* list link (report order) */
    uint32_t idx;         /* task index */
    rt_task_stats stats;  /* its figures */
} an_task;

/* What was collected about one stage. */
typedef struct an_stage {
    rt_pipeline_stats *pipes; /* per pipeline: the local run's, or summed over tasks */
    bool ran_here;            /* the runtime filled pipes (asked through pipe_stats) */
    bool remote_pipes;        /* pipes sums the workers' reports */
    bool compiled;            /* cg_compile_stage ran for it */
    uint64_t compile_ns;      /* its time */
    const char **fallback;    /* per pipeline: why it ran interpreted (copied), or NULL */
    an_task *tasks;           /* finished tasks */
    uint32_t n_tasks;         /* length of tasks */
} an_stage;

/* The collector and renderer's state. */
typedef struct analyze {
    rt_arena *arena;     /* everything below; allocations under mu */
    pthread_mutex_t mu;  /* task_done comes from the coordinator's thread */
    const plan_query *q; /* the plan run */
    an_stage *stages;    /* q->n_stages */
    cg_tier tier;        /* how stages were compiled here */
    bool cluster;        /* ran on a cluster */
    bool timing;         /* print times, memory, threads, morsels */
    uint64_t rows;       /* result rows (discarded) */
    uint64_t total_ns;   /* the run's wall time */
    rt_task_stats total; /* main_run_observed's summed figures */
} analyze;

/* Nanoseconds on the monotonic clock. */
static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool main_explain_is_query(const plan_node *logical) {
    switch (logical->kind) {
    case PLAN_LOGICAL_GET:
    case PLAN_LOGICAL_VALUES:
    case PLAN_LOGICAL_FILTER:
    case PLAN_LOGICAL_PROJECT:
    case PLAN_LOGICAL_AGGREGATE:
    case PLAN_LOGICAL_ORDER:
    case PLAN_LOGICAL_LIMIT:
    case PLAN_LOGICAL_JOIN:
    case PLAN_LOGICAL_SETOP:
    case PLAN_LOGICAL_WINDOW:
    case PLAN_LOGICAL_DISTINCT_ON:
    case PLAN_LOGICAL_RECURSIVE_CTE:
    case PLAN_LOGICAL_WORKTABLE_SCAN:
    case PLAN_LOGICAL_TABLE_FUNCTION:
    case PLAN_LOGICAL_REPLICATE: return true;
    default: return false;
    }
}

/* ---- collecting (dist_observer) ------------------------------------------------------ */

static rt_pipeline_stats *an_pipe_stats(void *ctx, uint32_t stage) {
    analyze *a = ctx;
    if (stage >= a->q->n_stages || a->stages[stage].pipes == NULL)
        return NULL;
    a->stages[stage].ran_here = true;
    return a->stages[stage].pipes;
}

static void an_compiled(void *ctx, uint32_t stage, const cg_stage_code *code, uint64_t ns) {
    analyze *a = ctx;
    if (stage >= a->q->n_stages)
        return;
    an_stage *st = &a->stages[stage];
    st->compiled = true;
    st->compile_ns = ns;
    uint32_t n = a->q->stages[stage]->n_pipelines;
    pthread_mutex_lock(&a->mu);
    st->fallback = n ? rt_arena_calloc(a->arena, sizeof(char *) * n) : NULL;
    for (uint32_t p = 0; st->fallback && p < n; p++) {
        const char *why = code ? cg_stage_fallback(code, p) : "not compiled";
        st->fallback[p] = why ? rt_arena_strdup(a->arena, why) : NULL;
        if (why && !st->fallback[p])
            st->fallback[p] = "?"; /* out of memory: still not compiled */
    }
    pthread_mutex_unlock(&a->mu);
}

/* Adds a worker's figures of pipeline p of stage st: rows and morsels summed, wall time
 * the slowest task's, threads summed; fallback reasons copied from the first report. */
static void an_merge_pipe(analyze *a, an_stage *st, uint32_t s, uint32_t p,
                          const dist_pipe_report *r) {
    rt_pipeline_stats *d = &st->pipes[p];
    uint32_t n_ops = a->q->stages[s]->pipelines[p]->n_ops;
    for (uint32_t i = 0; i < n_ops; i++) {
        uint64_t v = r->stats.op_rows && i < r->n_ops ? r->stats.op_rows[i] : RT_ROWS_UNKNOWN;
        if (d->op_rows[i] != RT_ROWS_UNKNOWN)
            d->op_rows[i] = v == RT_ROWS_UNKNOWN ? v : d->op_rows[i] + v;
    }
    d->ran |= r->stats.ran;
    if (r->stats.wall_ns > d->wall_ns)
        d->wall_ns = r->stats.wall_ns;
    d->n_threads += r->stats.n_threads;
    d->morsels_interpreted += r->stats.morsels_interpreted;
    d->morsels_compiled += r->stats.morsels_compiled;
    if (r->compiled || r->fallback)
        st->compiled = true;
    if (r->fallback && !st->fallback) {
        uint32_t n = a->q->stages[s]->n_pipelines;
        st->fallback = rt_arena_calloc(a->arena, sizeof(char *) * n);
    }
    if (r->fallback && st->fallback && !st->fallback[p])
        st->fallback[p] = rt_arena_strdup(a->arena, r->fallback);
}

static void an_task_done(void *ctx, uint32_t stage, uint32_t task, const rt_task_stats *stats,
                         const dist_pipe_report *pipes, uint32_t n_pipes) {
    analyze *a = ctx;
    if (stage >= a->q->n_stages)
        return;
    an_stage *st = &a->stages[stage];
    pthread_mutex_lock(&a->mu);
    if (pipes && n_pipes == a->q->stages[stage]->n_pipelines && !st->ran_here) {
        st->remote_pipes = true;
        for (uint32_t p = 0; p < n_pipes; p++)
            an_merge_pipe(a, st, stage, p, &pipes[p]);
    }
    an_task *t = rt_arena_calloc(a->arena, sizeof *t);
    if (t) {
        t->idx = task;
        t->stats = *stats;
        an_task **tail = &st->tasks;
        while (*tail && (*tail)->idx <= task)
            tail = &(*tail)->next;
        t->next = *tail; /* kept in task order */
        *tail = t;
        st->n_tasks++;
    }
    pthread_mutex_unlock(&a->mu);
}

/* The rows of the query are counted and dropped. */
static qe_status an_result_push(void *ctx, const rt_batch *batch, rt_error *err) {
    (void)err;
    ((analyze *)ctx)->rows += rt_batch_active(batch);
    return QE_OK;
}

/* Allocates the per stage / pipeline / operator figures of a->q. */
static bool an_prepare(analyze *a) {
    const plan_query *q = a->q;
    a->stages = rt_arena_calloc(a->arena, sizeof *a->stages * (q->n_stages ? q->n_stages : 1));
    if (a->stages == NULL)
        return false;
    for (uint32_t s = 0; s < q->n_stages; s++) {
        const plan_stage *st = q->stages[s];
        if (st->n_pipelines == 0)
            continue;
        rt_pipeline_stats *ps = rt_arena_calloc(a->arena, sizeof *ps * st->n_pipelines);
        if (ps == NULL)
            return false;
        for (uint32_t p = 0; p < st->n_pipelines; p++)
            if ((ps[p].op_rows = rt_arena_calloc(
                     a->arena, sizeof(uint64_t) * (st->pipelines[p]->n_ops + 1))) == NULL)
                return false;
        a->stages[s].pipes = ps;
    }
    return true;
}

/* ---- rendering ------------------------------------------------------------------------ */

/* "1.234 ms" */
static void put_ms(rt_strbuf *sb, uint64_t ns) {
    rt_strbuf_printf(sb, "%.3f ms", (double)ns / 1e6);
}

/* Bytes in B, KiB, MiB or GiB (one decimal). */
static void put_bytes(rt_strbuf *sb, uint64_t b) {
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 3)
        v /= 1024, u++;
    if (u == 0)
        rt_strbuf_printf(sb, "%" PRIu64 " B", b);
    else
        rt_strbuf_printf(sb, "%.1f %s", v, unit[u]);
}

/* Sum, maximum and skew (max/avg; 1 when all are 0) of one figure over the tasks. */
typedef struct an_spread {
    uint64_t sum; /* over the tasks */
    uint64_t max; /* the largest task's */
    double skew;  /* max / average */
} an_spread;

/* field: offset of a uint64_t in rt_task_stats. */
static an_spread spread(const an_stage *st, size_t field) {
    an_spread r = {0, 0, 1.0};
    for (const an_task *t = st->tasks; t; t = t->next) {
        uint64_t v;
        memcpy(&v, (const char *)&t->stats + field, sizeof v);
        r.sum += v;
        if (v > r.max)
            r.max = v;
    }
    if (st->n_tasks && r.sum)
        r.skew = (double)r.max / ((double)r.sum / st->n_tasks);
    return r;
}

/* How pipeline p of a stage ran, from its morsels and the stage's code: "not run",
 * "compiled", "interpreted, then compiled" (adaptive: the code came during the run),
 * "interpreted" with *reason = the codegen's fallback reason if it gave one; *tier:
 * the tier is worth printing.  *mode NULL when only the workers know. */
static void pipeline_mode(const an_stage *st, uint32_t p, const char **mode, const char **reason,
                          bool *tier) {
    *mode = NULL;
    *reason = NULL;
    *tier = false;
    if (!st->ran_here && !st->remote_pipes)
        return;
    const rt_pipeline_stats *ps = &st->pipes[p];
    const char *why = st->fallback ? st->fallback[p] : NULL;
    if (!ps->ran) {
        *mode = "not run";
    } else if (ps->morsels_compiled > 0) {
        *mode = ps->morsels_interpreted > 0 ? "interpreted, then compiled" : "compiled";
        *tier = true;
    } else if (why) {
        *mode = "interpreted";
        *reason = why;
    } else if (st->compiled && ps->morsels_interpreted == 0) { /* no input: had the code */
        *mode = "compiled";
        *tier = true;
    } else {
        *mode = "interpreted";
    }
}

static void text_stage(void *ctx, rt_strbuf *sb, uint32_t s) {
    const analyze *a = ctx;
    const an_stage *st = &a->stages[s];
    if (st->ran_here) {
        const rt_task_stats *t = st->tasks ? &st->tasks->stats : NULL;
        if (a->timing && t) {
            rt_strbuf_puts(sb, ": ");
            put_ms(sb, t->wall_ns);
            rt_strbuf_puts(sb, ", peak memory ");
            put_bytes(sb, t->peak_memory);
        }
        if (st->compiled && a->timing) { /* whether pipelines compiled: their lines */
            rt_strbuf_puts(sb, t ? ", compile " : ": compile ");
            put_ms(sb, st->compile_ns);
        }
        return;
    }
    /* the workers' tasks: their figures from TASK_DONE */
    an_spread rows = spread(st, offsetof(rt_task_stats, rows_out));
    rt_strbuf_printf(sb, ": %u tasks, rows out %" PRIu64, st->n_tasks, rows.sum);
    if (!a->timing)
        return;
    an_spread wall = spread(st, offsetof(rt_task_stats, wall_ns));
    an_spread mem = spread(st, offsetof(rt_task_stats, peak_memory));
    rt_strbuf_printf(sb, " (max/avg %.2f), wall max ", rows.skew);
    put_ms(sb, wall.max);
    rt_strbuf_printf(sb, " (max/avg %.2f), peak memory max ", wall.skew);
    put_bytes(sb, mem.max);
    rt_strbuf_printf(sb, " (max/avg %.2f)", mem.skew);
    if (st->compiled) {
        rt_strbuf_puts(sb, ", compile max ");
        put_ms(sb, spread(st, offsetof(rt_task_stats, compile_ns)).max);
    }
}

/* Rows out of operator i of pipeline p of stage s, or RT_ROWS_UNKNOWN. */
static uint64_t op_rows(const analyze *a, uint32_t s, uint32_t p, uint32_t i) {
    const an_stage *st = &a->stages[s];
    if ((!st->ran_here && !st->remote_pipes) || !st->pipes[p].ran || !st->pipes[p].op_rows)
        return RT_ROWS_UNKNOWN;
    return st->pipes[p].op_rows[i];
}

static void text_op(void *ctx, rt_strbuf *sb, uint32_t s, uint32_t p, uint32_t i) {
    const analyze *a = ctx;
    uint64_t n = op_rows(a, s, p, i);
    if (n == RT_ROWS_UNKNOWN)
        return;
    bool sink = i + 1 == a->q->stages[s]->pipelines[p]->n_ops;
    rt_strbuf_printf(sb, " [%" PRIu64 " row%s%s]", n, n == 1 ? "" : "s", sink ? " in" : "");
}

/* "      compiled (optimized)" / "      interpreted because <reason>", then with timing
 * a line of figures (the reason may hold any character: it ends its line). */
static void text_pipeline(void *ctx, rt_strbuf *sb, uint32_t s, uint32_t p) {
    const analyze *a = ctx;
    const an_stage *st = &a->stages[s];
    const char *mode, *reason;
    bool tier;
    pipeline_mode(st, p, &mode, &reason, &tier);
    if (mode == NULL)
        return;
    rt_strbuf_printf(sb, "      %s", mode);
    if (reason)
        rt_strbuf_printf(sb, " because %s", reason);
    else if (tier)
        rt_strbuf_printf(sb, " (%s)", cg_tier_name(a->tier));
    rt_strbuf_puts(sb, "\n");
    const rt_pipeline_stats *ps = &st->pipes[p];
    if (a->timing && ps->ran) {
        rt_strbuf_puts(sb, "      ");
        put_ms(sb, ps->wall_ns);
        if (st->remote_pipes)
            rt_strbuf_printf(sb, " (slowest of %u tasks)", st->n_tasks);
        rt_strbuf_printf(sb,
                         ", %u thread%s, morsels: %" PRIu64 " interpreted, %" PRIu64 " compiled\n",
                         ps->n_threads, ps->n_threads == 1 ? "" : "s", ps->morsels_interpreted,
                         ps->morsels_compiled);
    }
}

static void text_end(void *ctx, rt_strbuf *sb) {
    const analyze *a = ctx;
    rt_strbuf_printf(sb, "result: %" PRIu64 " row%s", a->rows, a->rows == 1 ? "" : "s");
    if (a->timing) {
        rt_strbuf_puts(sb, "; execution ");
        put_ms(sb, a->total_ns);
        rt_strbuf_puts(sb, a->cluster ? ", peak memory (sum over tasks) " : ", peak memory ");
        put_bytes(sb, a->total.peak_memory);
    }
    rt_strbuf_puts(sb, "\n");
}

/* ", \"key\": 1.234" in milliseconds. */
static void json_ms(rt_strbuf *sb, const char *key, uint64_t ns) {
    rt_strbuf_printf(sb, ", \"%s\": %.3f", key, (double)ns / 1e6);
}

static void json_stage(void *ctx, rt_strbuf *sb, uint32_t s) {
    const analyze *a = ctx;
    const an_stage *st = &a->stages[s];
    rt_strbuf_printf(sb, ", \"ran_here\": %s", st->ran_here ? "true" : "false");
    if (st->compiled) {
        rt_strbuf_puts(sb, ", \"tier\": ");
        opt_print_json_string(sb, cg_tier_name(a->tier));
        if (a->timing && st->ran_here)
            json_ms(sb, "compile_ms", st->compile_ns);
    }
    an_spread rows = spread(st, offsetof(rt_task_stats, rows_out));
    rt_strbuf_printf(sb, ", \"rows_out\": %" PRIu64, rows.sum);
    rt_strbuf_puts(sb, ", \"tasks\": [");
    for (const an_task *t = st->tasks; t; t = t->next) {
        rt_strbuf_printf(sb, "%s{\"task\": %u, \"rows_out\": %" PRIu64, t == st->tasks ? "" : ", ",
                         t->idx, t->stats.rows_out);
        if (a->timing) {
            json_ms(sb, "wall_ms", t->stats.wall_ns);
            rt_strbuf_printf(sb, ", \"peak_memory\": %" PRIu64, t->stats.peak_memory);
            if (st->compiled)
                json_ms(sb, "compile_ms", t->stats.compile_ns);
        }
        rt_strbuf_puts(sb, "}");
    }
    rt_strbuf_puts(sb, "]");
    if (a->timing && st->n_tasks) {
        an_spread wall = spread(st, offsetof(rt_task_stats, wall_ns));
        an_spread mem = spread(st, offsetof(rt_task_stats, peak_memory));
        rt_strbuf_printf(sb,
                         ", \"skew\": {\"rows_out\": %.3f, \"wall\": %.3f, \"peak_memory\": %.3f}",
                         rows.skew, wall.skew, mem.skew);
    }
}

/* "rows" out of an operator, "rows_in" of the sink. */
static void json_op_note(void *ctx, rt_strbuf *sb, uint32_t s, uint32_t p, uint32_t i) {
    const analyze *a = ctx;
    uint64_t n = op_rows(a, s, p, i);
    bool sink = i + 1 == a->q->stages[s]->pipelines[p]->n_ops;
    if (n != RT_ROWS_UNKNOWN)
        rt_strbuf_printf(sb, ", \"%s\": %" PRIu64, sink ? "rows_in" : "rows", n);
}

static void json_pipeline_note(void *ctx, rt_strbuf *sb, uint32_t s, uint32_t p) {
    const analyze *a = ctx;
    const an_stage *st = &a->stages[s];
    const char *mode, *reason;
    bool tier;
    pipeline_mode(st, p, &mode, &reason, &tier);
    if (mode == NULL)
        return;
    rt_strbuf_puts(sb, ", \"execution\": ");
    opt_print_json_string(sb, mode);
    if (reason) {
        rt_strbuf_puts(sb, ", \"fallback\": ");
        opt_print_json_string(sb, reason);
    } else if (tier) {
        rt_strbuf_puts(sb, ", \"tier\": ");
        opt_print_json_string(sb, cg_tier_name(a->tier));
    }
    const rt_pipeline_stats *ps = &st->pipes[p];
    if (a->timing && ps->ran) {
        json_ms(sb, "wall_ms", ps->wall_ns);
        rt_strbuf_printf(sb,
                         ", \"threads\": %u, \"morsels_interpreted\": %" PRIu64
                         ", \"morsels_compiled\": %" PRIu64,
                         ps->n_threads, ps->morsels_interpreted, ps->morsels_compiled);
    }
}

static void json_end(void *ctx, rt_strbuf *sb) {
    const analyze *a = ctx;
    rt_strbuf_printf(sb, ", \"rows\": %" PRIu64, a->rows);
    if (a->timing) {
        json_ms(sb, "execution_ms", a->total_ns);
        rt_strbuf_printf(sb, ", \"peak_memory\": %" PRIu64, a->total.peak_memory);
    }
}

qe_status main_explain_analyze(qe_session *s, const plan_query *q, bool json, bool timing,
                               char **text) {
    *text = NULL;
    analyze a = {
        .q = q,
        .tier = s->engine->coord ? CG_TIER_OPTIMIZED : s->tier,
        .cluster = s->engine->coord != NULL,
        .timing = timing,
    };
    if (q->is_insert)
        return rt_error_set(&s->err, QE_UNSUPPORTED, "0A000", -1,
                            "EXPLAIN ANALYZE is supported for queries only");
    if ((a.arena = rt_arena_create(NULL)) == NULL || !an_prepare(&a)) {
        rt_arena_destroy(a.arena);
        return rt_error_set(&s->err, QE_NOMEM, "53200", -1, "out of memory");
    }
    pthread_mutex_init(&a.mu, NULL);
    dist_observer ob = {
        .ctx = &a, .pipe_stats = an_pipe_stats, .compiled = an_compiled, .task_done = an_task_done};
    rt_result_sink sink = {an_result_push, &a};
    uint64_t t0 = now_ns();
    qe_status st = main_run_observed(s, q, &sink, &ob, &a.total, &s->err);
    a.total_ns = now_ns() - t0;
    if (st == QE_OK) {
        opt_print_notes notes =
            json ? (opt_print_notes){&a, json_stage, json_op_note, json_pipeline_note, json_end}
                 : (opt_print_notes){&a, text_stage, text_op, text_pipeline, text_end};
        *text =
            json ? opt_print_physical_json_notes(q, &notes) : opt_print_physical_notes(q, &notes);
        if (*text == NULL)
            st = rt_error_set(&s->err, QE_NOMEM, "53200", -1, "out of memory");
    }
    pthread_mutex_destroy(&a.mu);
    rt_arena_destroy(a.arena);
    return st;
}
