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
 * ratio_k is learned per pipeline shape (main_adaptive_shape_key: operators, types,
 * table, expression operators, aggregates; not constants): it starts as the design's
 * goal (tier_costs) and then follows what the engine measures: when a pipeline that ran
 * both ways ends, its compiled/interpreted time per input row updates a running average
 * per tier of its shape (qe_engine.adaptive_shapes), so a kind of pipeline whose
 * compiled code turns out slower stops compiling at that tier while other kinds still
 * compile (a pipeline is judged by its own shape's figures when it offers its time
 * left; the stage then compiles whole).  Each finished compile's duration / C_k updates
 * a running scale of C_k per tier for the whole engine (a loaded machine compiles
 * slower; a stage the code cache answered does not count).  Within a pipeline the
 * runtime already sends a thread back to the interpreter when its compiled morsels are
 * slower (RT_ADAPTIVE_SLOWER).  A shape ruled out at a tier is offered it again at every
 * MAIN_ADAPTIVE_RETRY-th lookup (main_adaptive_ratios), so a noisy measurement does
 * not stop compiling for good.
 *
 * Cached code: when the JIT exists and code that costs nothing would pay for the
 * pipeline (the pick with C_k = 0), the code cache is asked once per stage for the
 * tier that would gain most (cg_cache_lookup: serializing the stage, tens of us); if it
 * holds the stage, its functions are published at once, with no thread and no compile
 * time (a repeated long query runs compiled from its first ms on).
 *
 * A short pipeline pays nothing for this: the runtime calls consider only after
 * RT_ADAPTIVE_WARMUP_NS, and the shape is hashed and looked up (once per pipeline, under
 * jit_lock) only then.
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

#define JIT_CREATE_MS 10.0     /* creating the process's LLJIT (first compile only) */
#define MIN_GAIN_MS 1.0        /* compile only for an expected gain above this */
#define MIN_GAIN 0.05          /* ... and above this share of the time left */
#define MIN_MEASURED_ROWS 8192 /* compiled rows before a pipeline's ratio counts */
#define MIN_INTERP_ROWS                                                                            \
    1024 /* ... and interpreted rows: cached code is taken after                                   \
            the first measured morsel, so a pipeline that took it                                  \
            has only that one to compare with */

/* States of a pipeline's learned ratios in main_adaptive.shape_state. */
enum { SHAPE_NONE, SHAPE_FILLING, SHAPE_READY };

struct main_adaptive {
    rt_adaptive rt;               /* what the task sees */
    rt_arena *arena;              /* owns this and the arrays */
    qe_session *s;                /* borrowed: engine (JIT), tier */
    const plan_query *q;          /* the plan (borrowed) */
    uint32_t stage;               /* q->stages[stage] */
    uint32_t n_pipelines;         /* of the stage */
    bool *compilable;             /* n_pipelines: cg_pipeline_supported */
    main_adaptive_model m;        /* the stage's model without the engine's figures */
    _Atomic uint8_t *shape_state; /* n_pipelines: SHAPE_*; keys/models filled once */
    uint64_t *keys;               /* n_pipelines: main_adaptive_shape_key, once SHAPE_READY */
    main_adaptive_model *models;  /* n_pipelines: m with the engine's figures and the
                                     pipeline shape's ratios, once SHAPE_READY */
    pthread_mutex_t mu;           /* guards started/thread start */
    bool started;                 /* the compile thread runs (or ran) */
    bool jit_existed;             /* the JIT existed when the compile was decided */
    pthread_t thread;             /* the compile thread, if started */
    cg_tier tier;                 /* what it compiles at */
    cg_stage_code *code;          /* its result (NULL: failed or all interpreted) */
    uint64_t compile_ns;          /* its duration */
    bool cache_hit;               /* the code cache answered it (its duration is no compile's) */
    bool from_cache;              /* code came from the code cache at once: no thread ran */
    _Atomic bool probed;          /* the code cache was asked (once per stage) */
    rt_error err;                 /* its error (ignored: the pipelines stay interpreted) */
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

/* Publishes the functions of a->code for the compilable pipelines. */
static void publish(main_adaptive *a) {
    const rt_pipeline_fn *fns = cg_stage_functions(a->code);
    for (uint32_t p = 0; p < a->n_pipelines; p++)
        if (a->compilable[p] && fns[p] != NULL)
            atomic_store_explicit(&a->rt.fns[p], fns[p], memory_order_release);
}

/* The background compile: compiles the stage and publishes its functions. */
static void *compile_main(void *arg) {
    main_adaptive *a = arg;
    uint64_t t0 = now_ns();
    cg_jit *jit = NULL;
    qe_status st = main_engine_jit(a->s->engine, &jit, &a->err);
    cg_cache_stats before, after;
    if (st == QE_OK) {
        cg_cache_get_stats(jit, &before);
        st = cg_compile_stage(jit, a->q, a->stage, a->tier, &a->code, &a->err);
        cg_cache_get_stats(jit, &after);
        a->cache_hit = after.hits != before.hits; /* (or another query's hit: no harm) */
    }
    if (st == QE_OK && a->code != NULL)
        publish(a);
    a->compile_ns = now_ns() - t0;
    atomic_store(&a->rt.settled, true);
    return NULL;
}

/* Starts the compile at tier (once; later calls do nothing); jit_exists: whether the
 * JIT existed when it was decided. */
static void start(main_adaptive *a, cg_tier tier, bool jit_exists) {
    pthread_mutex_lock(&a->mu);
    if (!a->started) {
        a->started = true;
        a->tier = tier;
        a->jit_existed = jit_exists;
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
        double scale = e != NULL ? e->adaptive_compile_scale[k] : 0;
        m->ratio[k] = tier_costs[k].ratio;
        m->scale[k] = scale > 0 ? scale : 1.0;
    }
}

/* Mixes v into the running hash *h (FNV-1a over v's 8 bytes). */
static void mix(uint64_t *h, uint64_t v) {
    for (int i = 0; i < 8; i++, v >>= 8)
        *h = (*h ^ (v & 0xff)) * 0x100000001b3ull;
}

/* Mixes the shape of expression e (kinds, operators, functions, types; not constants,
 * column numbers or positions) into *h. */
static void mix_expr(uint64_t *h, const plan_expr *e) {
    if (e == NULL) {
        mix(h, 0xe0);
        return;
    }
    mix(h, ((uint64_t)e->kind << 32) | (uint64_t)e->type);
    switch (e->kind) {
    case PLAN_EXPR_OP:
        mix(h, (uint64_t)e->u.op.op);
        mix_expr(h, e->u.op.args[0]);
        if (e->u.op.args[1] != NULL)
            mix_expr(h, e->u.op.args[1]);
        break;
    case PLAN_EXPR_CAST: mix_expr(h, e->u.cast); break;
    case PLAN_EXPR_FUNC:
        mix(h, e->u.func.fn);
        for (uint32_t i = 0; i < e->u.func.n_args; i++)
            mix_expr(h, e->u.func.args[i]);
        break;
    default: break;
    }
}

/* Mixes the kind-specific parts of operator op into *h. */
static void mix_op(uint64_t *h, const plan_op *op) {
    switch (op->kind) {
    case PLAN_PHYS_SCAN:
        for (const char *c = op->u.scan.table; c != NULL && *c; c++)
            mix(h, (uint8_t)*c);
        break;
    case PLAN_PHYS_FILTER: mix_expr(h, op->u.filter.pred); break;
    case PLAN_PHYS_PROJECT:
        for (uint32_t i = 0; op->u.project.exprs != NULL && i < op->n_cols; i++)
            mix_expr(h, op->u.project.exprs[i]);
        break;
    case PLAN_PHYS_AGG_SINK:
        mix(h, ((uint64_t)op->u.agg.phase << 32) | op->u.agg.n_groups);
        for (uint32_t i = 0; op->u.agg.aggs != NULL && i < op->u.agg.n_aggs; i++)
            mix(h, ((uint64_t)op->u.agg.aggs[i].fn << 32) | (uint64_t)op->u.agg.aggs[i].type);
        break;
    case PLAN_PHYS_HASH_JOIN_PROBE:
        mix(h, ((uint64_t)op->u.join.kind << 32) | op->u.join.n_keys);
        mix_expr(h, op->u.join.residual);
        break;
    default: break;
    }
}

uint64_t main_adaptive_shape_key(const plan_pipeline *pipe) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; pipe != NULL && i < pipe->n_ops; i++) {
        const plan_op *op = pipe->ops[i];
        if (op == NULL)
            continue;
        mix(&h, ((uint64_t)op->kind << 32) | op->n_cols);
        for (uint32_t c = 0; op->types != NULL && c < op->n_cols; c++)
            mix(&h, (uint64_t)op->types[c]);
        mix_op(&h, op);
    }
    return h != 0 ? h : 1;
}

void main_adaptive_ratios(qe_engine *e, uint64_t key, double ratio[CG_TIER_COUNT]) {
    main_adaptive_shape *slot =
        e != NULL ? &e->adaptive_shapes[key & (MAIN_ADAPTIVE_SHAPES - 1)] : NULL;
    if (slot != NULL && slot->key != key)
        slot = NULL;
    for (int k = 0; k < CG_TIER_COUNT; k++) {
        if (slot != NULL && slot->ratio[k] >= 1.0 && ++slot->declined[k] >= MAIN_ADAPTIVE_RETRY) {
            slot->declined[k] = 0;
            slot->ratio[k] = 0; /* forgotten: this lookup offers the tier again */
        }
        double learned = slot != NULL ? slot->ratio[k] : 0;
        ratio[k] = learned > 0 ? learned : tier_costs[k].ratio;
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

void main_adaptive_learn(qe_engine *e, uint64_t key, cg_tier tier, double observed) {
    main_adaptive_shape *slot = &e->adaptive_shapes[key & (MAIN_ADAPTIVE_SHAPES - 1)];
    if (slot->key != key)
        *slot = (main_adaptive_shape){.key = key}; /* a new shape takes the slot */
    fold(&slot->ratio[tier], tier_costs[tier].ratio, observed);
}

/* Makes pipeline p's shape key and model with the engine's figures ready (the first
 * thread to ask hashes the shape and looks the figures up); false while another thread
 * does. */
static bool shape_ready(main_adaptive *a, uint32_t p) {
    uint8_t state = atomic_load_explicit(&a->shape_state[p], memory_order_acquire);
    if (state == SHAPE_READY)
        return true;
    uint8_t none = SHAPE_NONE;
    if (state != SHAPE_NONE ||
        !atomic_compare_exchange_strong(&a->shape_state[p], &none, SHAPE_FILLING))
        return false;
    a->keys[p] = main_adaptive_shape_key(a->q->stages[a->stage]->pipelines[p]);
    qe_engine *e = a->s->engine;
    pthread_mutex_lock(&e->jit_lock);
    main_adaptive_model_init(&a->models[p], e, (uint32_t)a->m.n_compilable, (uint32_t)a->m.ops);
    main_adaptive_ratios(e, a->keys[p], a->models[p].ratio);
    pthread_mutex_unlock(&e->jit_lock);
    atomic_store_explicit(&a->shape_state[p], SHAPE_READY, memory_order_release);
    return true;
}

/* Takes the stage's code at tier from the code cache, if it is there and nothing has
 * started: publishes it at once (no thread, no compile).  True if it did. */
static bool use_cached(main_adaptive *a, cg_tier tier) {
    cg_jit *jit = NULL;
    rt_error err;
    rt_error_clear(&err);
    if (main_engine_jit(a->s->engine, &jit, &err) != QE_OK)
        return false;
    cg_stage_code *code = cg_cache_lookup(jit, a->q, a->stage, tier);
    if (code == NULL)
        return false;
    pthread_mutex_lock(&a->mu);
    bool mine = !a->started;
    if (mine) {
        a->started = a->from_cache = true;
        a->tier = tier;
        a->code = code;
        atomic_store(&a->rt.started, true);
        publish(a);
        atomic_store(&a->rt.settled, true);
    }
    pthread_mutex_unlock(&a->mu);
    if (!mine)
        cg_stage_code_destroy(code);
    return mine;
}

/* Whether code that costs nothing to get would pay for pipeline p under model m: then
 * (once per stage) the code cache is asked for the stage at the tier that would gain
 * most, and its code used at once when it is there.  True if it was. */
static bool try_cached(main_adaptive *a, const main_adaptive_model *m, double remaining_ms,
                       double op_share, uint32_t n_threads) {
    if (!m->jit_exists || atomic_load_explicit(&a->probed, memory_order_relaxed))
        return false;
    main_adaptive_model free_code = *m;
    for (int k = 0; k < CG_TIER_COUNT; k++)
        free_code.scale[k] = 0; /* a cache hit: ~0.01 ms */
    int k = main_adaptive_pick(&free_code, remaining_ms, op_share, n_threads);
    return k >= 0 && !atomic_exchange(&a->probed, true) && use_cached(a, (cg_tier)k);
}

/* rt_adaptive.consider: takes the stage's code from the code cache when it is there and
 * free code would pay; else compiles the stage at the tier of the largest gain for
 * pipeline p, with p's shape's ratios, if any. */
static void consider(void *ctx, uint32_t pipeline, double remaining_ms, double op_share,
                     uint32_t n_threads) {
    main_adaptive *a = ctx;
    if (pipeline >= a->n_pipelines || !shape_ready(a, pipeline))
        return; /* another thread is looking the shape up: asked again next morsel */
    const main_adaptive_model *m = &a->models[pipeline];
    if (try_cached(a, m, remaining_ms, op_share, n_threads))
        return;
    int pick = main_adaptive_pick(m, remaining_ms, op_share, n_threads);
    if (pick >= 0)
        start(a, (cg_tier)pick, m->jit_exists);
}

/* rt_adaptive.report: folds a pipeline's measured compiled/interpreted time per row into
 * the engine's running average for its shape and the tier it was compiled at (the
 * task's threads have ended: shape_state is read after them). */
static void report(void *ctx, uint32_t pipeline, uint64_t interp_ns, uint64_t interp_rows,
                   uint64_t comp_ns, uint64_t comp_rows) {
    main_adaptive *a = ctx;
    if (a->rt.wait || interp_rows < MIN_INTERP_ROWS || comp_rows < MIN_MEASURED_ROWS ||
        interp_ns == 0 || pipeline >= a->n_pipelines)
        return;
    double observed =
        ((double)comp_ns / (double)comp_rows) / ((double)interp_ns / (double)interp_rows);
    if (observed < 0.05)
        observed = 0.05;
    if (observed > 8.0)
        observed = 8.0;
    uint64_t key =
        atomic_load_explicit(&a->shape_state[pipeline], memory_order_acquire) == SHAPE_READY
            ? a->keys[pipeline]
            : main_adaptive_shape_key(a->q->stages[a->stage]->pipelines[pipeline]);
    qe_engine *e = a->s->engine;
    pthread_mutex_lock(&e->jit_lock);
    main_adaptive_learn(e, key, a->tier, observed);
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
    _Atomic uint8_t *shape_state = fns ? rt_arena_calloc(arena, sizeof *shape_state * n) : NULL;
    uint64_t *keys = shape_state ? rt_arena_calloc(arena, sizeof *keys * n) : NULL;
    main_adaptive_model *models = keys ? rt_arena_calloc(arena, sizeof *models * n) : NULL;
    if (models == NULL) {
        free(ok);
        rt_arena_destroy(arena);
        return rt_error_nomem(err, NULL);
    }
    for (uint32_t p = 0; p < n; p++) {
        compilable[p] = ok[p];
        atomic_init(&fns[p], NULL);
        atomic_init(&shape_state[p], SHAPE_NONE);
    }
    free(ok);
    a->arena = arena;
    a->s = s;
    a->q = q;
    a->stage = stage;
    a->n_pipelines = n;
    a->compilable = compilable;
    a->shape_state = shape_state;
    a->keys = keys;
    a->models = models;
    main_adaptive_model_init(&a->m, NULL, n_ok, ops); /* the engine's figures: shape_ready */
    pthread_mutex_init(&a->mu, NULL);
    rt_error_clear(&a->err);
    a->rt.fns = fns;
    a->rt.compilable = compilable;
    atomic_init(&a->rt.started, false);
    atomic_init(&a->rt.settled, false);
    atomic_init(&a->probed, false);
    a->rt.wait = s->debug_adaptive_wait;
    a->rt.consider = consider;
    a->rt.report = report;
    a->rt.ctx = a;
    if (a->rt.wait) {
        pthread_mutex_lock(&s->engine->jit_lock);
        bool jit_exists = s->engine->jit != NULL;
        pthread_mutex_unlock(&s->engine->jit_lock);
        start(a, s->tier, jit_exists);
    }
    *out = a;
    return QE_OK;
}

const rt_adaptive *main_adaptive_rt(const main_adaptive *a) { return a ? &a->rt : NULL; }

uint64_t main_adaptive_finish(qe_session *s, main_adaptive *a, const dist_observer *ob,
                              uint32_t stage) {
    if (a == NULL)
        return 0;
    uint64_t compile_ns = 0;
    if (a->started && !a->from_cache) { /* only task threads start it; they have ended */
        uint64_t t0 = now_ns();
        pthread_join(a->thread, NULL);
        s->compile_ns += now_ns() - t0;
        /* A compile's time without the JIT's creation scales the model; a cache hit's
         * (~0.01 ms) would teach it that compiling is free. */
        if (a->code != NULL && a->jit_existed && !a->cache_hit) {
            double observed = (double)a->compile_ns * 1e-6 / model_ms(&a->m, a->tier);
            pthread_mutex_lock(&s->engine->jit_lock);
            fold(&s->engine->adaptive_compile_scale[a->tier], 1.0,
                 observed < 0.1  ? 0.1
                 : observed > 20 ? 20
                                 : observed);
            pthread_mutex_unlock(&s->engine->jit_lock);
        }
        compile_ns = a->compile_ns;
    }
    if (a->started && a->code != NULL && ob != NULL && ob->compiled)
        ob->compiled(ob->ctx, stage, a->code, compile_ns);
    cg_stage_code_destroy(a->code);
    pthread_mutex_destroy(&a->mu);
    rt_arena_destroy(a->arena);
    return compile_ns;
}
