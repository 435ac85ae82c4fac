/*
 * adaptive.c -- adaptive execution (SET execution_mode = 'adaptive'; DESIGN.md §5,
 * Kohn/Leis/Neumann ICDE 2018): every pipeline of a stage starts interpreted; when a
 * thread's estimate of the interpreted time left makes compiling pay off, one
 * background thread compiles the stage (cg_compile_stage) at the tier the cost model
 * picks and publishes each pipeline's function; threads switch at their next morsel
 * (src/runtime/task.c).  The stage's code lives until the task has ended.
 *
 * Cost model (per stage, in wall milliseconds; T = interpreted time left on n threads,
 * s = the share of it in the operators and sink, which compiled code replaces):
 * compiling at tier k costs C_k = sum over the compilable pipelines of
 * (fixed_k + per_op_k * operators), calibrated from test_codegen's tier measurements
 * (cheap ~2 ms, optimized ~23 ms for a scan-filter-project-aggregate pipeline), plus
 * the JIT's creation on its first use; compiled code runs in ratio_k of the
 * interpreter's time.  The compile thread takes about C_k / n of the workers' CPU, and
 * the code helps only for the time left after it is ready, so the gain is
 *     G_k = (T - C_k) * s * (1 - ratio_k) - C_k / n   (none if T <= C_k or ratio_k >= 1)
 * and the tier with the largest gain above MIN_GAIN (a share of T, so that noise in
 * the measurements does not start compiles that cannot pay) is compiled: nothing for
 * short pipelines, cheap for medium ones, optimized for long ones.
 *
 * ratio_k starts as the design's goal (tier_costs) and then follows what the engine
 * measures: when a pipeline that ran both ways ends, its compiled/interpreted time per
 * input row updates a running average per tier (qe_engine.adaptive_ratio), so an
 * engine whose compiled code turns out slower stops compiling at that tier.  Likewise
 * each finished compile's duration / C_k updates a running scale of C_k per tier (a
 * loaded machine compiles slower).  Within a pipeline the runtime already sends a
 * thread back to the interpreter when its compiled morsels are slower
 * (RT_ADAPTIVE_SLOWER).  The averages are per engine, not per plan: a kind of pipeline
 * whose compiled code is slow also holds back others until the code cache or a
 * per-plan figure tells them apart.
 */
#include "main_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The cost model of one tier (see the file comment). */
typedef struct tier_cost {
    double fixed_ms;  /* compile time per compiled pipeline */
    double per_op_ms; /* ... plus this per operator of the pipeline */
    double ratio;     /* compiled time / interpreted time of the same work */
} tier_cost;

static const tier_cost tier_costs[CG_TIER_COUNT] = {
    [CG_TIER_CHEAP] = {1.0, 0.25, 0.9},
    [CG_TIER_OPTIMIZED] = {12.0, 3.0, 0.5},
};

#define JIT_CREATE_MS 10.0      /* creating the process's LLJIT (first compile only) */
#define MIN_GAIN_MS 1.0         /* compile only for an expected gain above this */
#define MIN_GAIN 0.05           /* ... and above this share of the time left */
#define MIN_MEASURED_ROWS 8192  /* rows each way before a pipeline's ratio counts */

struct main_adaptive {
    rt_adaptive rt;         /* what the task sees */
    rt_arena *arena;        /* owns this and the arrays */
    qe_session *s;          /* borrowed: engine (JIT), tier */
    const plan_query *q;    /* the plan (borrowed) */
    uint32_t stage;         /* q->stages[stage] */
    uint32_t n_pipelines;   /* of the stage */
    bool *compilable;       /* n_pipelines: cg_pipeline_supported */
    main_adaptive_model m;  /* the cost model's inputs */
    pthread_mutex_t mu;     /* guards started/thread start */
    bool started;           /* the compile thread runs (or ran) */
    pthread_t thread;       /* the compile thread, if started */
    cg_tier tier;           /* what it compiles at */
    cg_stage_code *code;    /* its result (NULL: failed or all interpreted) */
    uint64_t compile_ns;    /* its duration */
    rt_error err;           /* its error (ignored: the pipelines stay interpreted) */
};

/* Nanoseconds on the monotonic clock. */
static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

const char *main_mode_name(main_mode mode) {
    switch (mode) {
    case MAIN_MODE_INTERPRET: return "interpret";
    case MAIN_MODE_JIT: return "jit";
    case MAIN_MODE_ADAPTIVE: return "adaptive";
    }
    return "?";
}

/* The background compile: compiles the stage and publishes its functions. */
static void *compile_main(void *arg) {
    main_adaptive *a = arg;
    uint64_t t0 = now_ns();
    cg_jit *jit = NULL;
    qe_status st = main_engine_jit(a->s->engine, &jit, &a->err);
    if (st == QE_OK)
        st = cg_compile_stage(jit, a->q, a->stage, a->tier, &a->code, &a->err);
    if (st == QE_OK && a->code != NULL) {
        const rt_pipeline_fn *fns = cg_stage_functions(a->code);
        for (uint32_t p = 0; p < a->n_pipelines; p++)
            if (a->compilable[p] && fns[p] != NULL)
                atomic_store_explicit(&a->rt.fns[p], fns[p], memory_order_release);
    }
    a->compile_ns = now_ns() - t0;
    atomic_store(&a->rt.settled, true);
    return NULL;
}

/* Starts the compile at tier (once; later calls do nothing). */
static void start(main_adaptive *a, cg_tier tier) {
    pthread_mutex_lock(&a->mu);
    if (!a->started) {
        a->started = true;
        a->tier = tier;
        atomic_store(&a->rt.started, true);
        if (pthread_create(&a->thread, NULL, compile_main, a) != 0) {
            a->started = false; /* no thread: nothing to join, stay interpreted */
            atomic_store(&a->rt.settled, true);
        }
    }
    pthread_mutex_unlock(&a->mu);
}

/* C_k of the cost model (without the JIT's creation or the learned scale). */
static double model_ms(const main_adaptive_model *m, cg_tier k) {
    return m->n_compilable * tier_costs[k].fixed_ms + m->ops * tier_costs[k].per_op_ms;
}

void main_adaptive_model_init(main_adaptive_model *m, const qe_engine *e, uint32_t n_compilable,
                              uint32_t ops) {
    m->n_compilable = n_compilable;
    m->ops = ops;
    m->jit_exists = e != NULL && e->jit != NULL;
    for (int k = 0; k < CG_TIER_COUNT; k++) {
        double learned = e != NULL ? e->adaptive_ratio[k] : 0;
        double scale = e != NULL ? e->adaptive_compile_scale[k] : 0;
        m->ratio[k] = learned > 0 ? learned : tier_costs[k].ratio;
        m->scale[k] = scale > 0 ? scale : 1.0;
    }
}

int main_adaptive_pick(const main_adaptive_model *m, double remaining_ms, double op_share,
                       uint32_t n_threads) {
    double best = remaining_ms * MIN_GAIN > MIN_GAIN_MS ? remaining_ms * MIN_GAIN : MIN_GAIN_MS;
    int pick = -1;
    for (int k = 0; k < CG_TIER_COUNT; k++) {
        double compile_ms = model_ms(m, (cg_tier)k) * m->scale[k];
        if (!m->jit_exists)
            compile_ms += JIT_CREATE_MS;
        if (remaining_ms <= compile_ms || m->ratio[k] >= 1.0)
            continue; /* the code would come too late, or not be faster */
        double gain = (remaining_ms - compile_ms) * op_share * (1.0 - m->ratio[k]) -
                      compile_ms / (double)(n_threads ? n_threads : 1);
        if (gain > best) {
            best = gain;
            pick = k;
        }
    }
    return pick;
}

/* Folds observed into the running average *avg (0: none yet, start from prior). */
static void fold(double *avg, double prior, double observed) {
    *avg = 0.5 * (*avg > 0 ? *avg : prior) + 0.5 * observed;
}

/* rt_adaptive.consider: compiles at the tier of the largest gain, if any. */
static void consider(void *ctx, uint32_t pipeline, double remaining_ms, double op_share,
                     uint32_t n_threads) {
    main_adaptive *a = ctx;
    (void)pipeline; /* the stage is compiled as a whole */
    int pick = main_adaptive_pick(&a->m, remaining_ms, op_share, n_threads);
    if (pick >= 0)
        start(a, (cg_tier)pick);
}

/* rt_adaptive.report: folds a pipeline's measured compiled/interpreted time per row into
 * the engine's running average for the tier it was compiled at. */
static void report(void *ctx, uint32_t pipeline, uint64_t interp_ns, uint64_t interp_rows,
                   uint64_t comp_ns, uint64_t comp_rows) {
    main_adaptive *a = ctx;
    (void)pipeline;
    if (a->rt.wait || interp_rows < MIN_MEASURED_ROWS || comp_rows < MIN_MEASURED_ROWS ||
        interp_ns == 0)
        return;
    double observed =
        ((double)comp_ns / (double)comp_rows) / ((double)interp_ns / (double)interp_rows);
    if (observed < 0.05)
        observed = 0.05;
    if (observed > 8.0)
        observed = 8.0;
    qe_engine *e = a->s->engine;
    pthread_mutex_lock(&e->jit_lock);
    fold(&e->adaptive_ratio[a->tier], tier_costs[a->tier].ratio, observed);
    pthread_mutex_unlock(&e->jit_lock);
}

qe_status main_adaptive_create(qe_session *s, const plan_query *q, uint32_t stage,
                               main_adaptive **out, rt_error *err) {
    *out = NULL;
    const plan_stage *st = q->stages[stage];
    uint32_t n = st->n_pipelines, n_ok = 0, ops = 0;
    bool *ok = calloc(n ? n : 1, sizeof *ok);
    if (ok == NULL)
        return rt_error_nomem(err, NULL);
    for (uint32_t p = 0; p < n; p++)
        if ((ok[p] = cg_pipeline_supported(st->pipelines[p]))) {
            n_ok++;
            ops += st->pipelines[p]->n_ops;
        }
    if (n_ok == 0) {
        free(ok);
        return QE_OK;
    }
    rt_arena *arena = rt_arena_create(NULL);
    main_adaptive *a = arena ? rt_arena_calloc(arena, sizeof *a) : NULL;
    bool *compilable = a ? rt_arena_calloc(arena, sizeof(bool) * n) : NULL;
    _Atomic(rt_pipeline_fn) *fns = compilable ? rt_arena_calloc(arena, sizeof *fns * n) : NULL;
    if (fns == NULL) {
        free(ok);
        rt_arena_destroy(arena);
        return rt_error_nomem(err, NULL);
    }
    for (uint32_t p = 0; p < n; p++) {
        compilable[p] = ok[p];
        atomic_init(&fns[p], NULL);
    }
    free(ok);
    a->arena = arena;
    a->s = s;
    a->q = q;
    a->stage = stage;
    a->n_pipelines = n;
    a->compilable = compilable;
    pthread_mutex_lock(&s->engine->jit_lock);
    main_adaptive_model_init(&a->m, s->engine, n_ok, ops);
    pthread_mutex_unlock(&s->engine->jit_lock);
    pthread_mutex_init(&a->mu, NULL);
    rt_error_clear(&a->err);
    a->rt.fns = fns;
    a->rt.compilable = compilable;
    atomic_init(&a->rt.started, false);
    atomic_init(&a->rt.settled, false);
    a->rt.wait = s->debug_adaptive_wait;
    a->rt.consider = consider;
    a->rt.report = report;
    a->rt.ctx = a;
    if (a->rt.wait)
        start(a, s->tier);
    *out = a;
    return QE_OK;
}

const rt_adaptive *main_adaptive_rt(const main_adaptive *a) { return a ? &a->rt : NULL; }

uint64_t main_adaptive_finish(qe_session *s, main_adaptive *a, const dist_observer *ob,
                              uint32_t stage) {
    if (a == NULL)
        return 0;
    uint64_t compile_ns = 0;
    if (a->started) { /* only task threads start it, and they have all ended */
        uint64_t t0 = now_ns();
        pthread_join(a->thread, NULL);
        s->compile_ns += now_ns() - t0;
        if (a->code != NULL && a->m.jit_exists) { /* a time without the JIT's creation */
            double observed = (double)a->compile_ns * 1e-6 / model_ms(&a->m, a->tier);
            pthread_mutex_lock(&s->engine->jit_lock);
            fold(&s->engine->adaptive_compile_scale[a->tier], 1.0,
                 observed < 0.1 ? 0.1 : observed > 20 ? 20 : observed);
            pthread_mutex_unlock(&s->engine->jit_lock);
        }
        compile_ns = a->compile_ns;
        if (a->code != NULL && ob != NULL && ob->compiled)
            ob->compiled(ob->ctx, stage, a->code, compile_ns);
    }
    cg_stage_code_destroy(a->code);
    pthread_mutex_destroy(&a->mu);
    rt_arena_destroy(a->arena);
    return compile_ns;
}
