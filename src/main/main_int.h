/*
 * main_int.h -- private structures of src/main, the layer that implements qe.h.
 *
 * src/main sits above every other layer (like DuckDB's src/main): it owns engines,
 * sessions, statements and results, and drives a statement through
 * frontend -> optimizer -> codegen/runtime, locally or through the coordinator (dist).
 */
#ifndef QE_MAIN_INT_H
#define QE_MAIN_INT_H

#include "cg.h"
#include "dist.h"
#include "plan.h"
#include "rt.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* How pipelines run (SET execution_mode). */
typedef enum main_mode { MAIN_MODE_INTERPRET, MAIN_MODE_JIT, MAIN_MODE_ADAPTIVE } main_mode;

/* Engine-wide options (qe_config_set); plain values, copied into the engine. */
struct qe_config {
    uint32_t threads;               /* threads per task; 0 = number of cores */
    main_mode mode;                 /* default execution mode of new sessions */
    cg_tier tier;                   /* default JIT tier of new sessions (jit_tier) */
    char cluster[128];              /* coordinator listen address, "" = embedded */
    uint32_t min_workers;           /* queries wait for this many workers */
    uint32_t worker_wait_ms;        /* ... at most this long */
    uint32_t heartbeat_interval_ms; /* worker heartbeat period */
    uint32_t heartbeat_timeout_ms;  /* silence after which a worker is dead */
    char listen[128];               /* worker: address for peers and coordinator */
    char coordinator[128];          /* worker: coordinator address */
    int64_t memory_limit;           /* bytes per query, <= 0 = none */
};

/* Entries of qe_engine.adaptive_shapes (a power of two: direct-mapped by key). */
#define MAIN_ADAPTIVE_SHAPES 256

/* What adaptive execution learned about one kind of pipeline (adaptive.c). */
typedef struct main_adaptive_shape {
    uint64_t key;                     /* main_adaptive_shape_key of the pipeline; 0: free */
    double ratio[CG_TIER_COUNT];      /* measured compiled/interpreted time per row of each
                                         tier (running average; 0 = none yet) */
    uint32_t declined[CG_TIER_COUNT]; /* lookups since the tier's ratio reached 1 (it
                                         stops compiling): at MAIN_ADAPTIVE_RETRY the
                                         ratio is forgotten and the tier tried again */
} main_adaptive_shape;

/* Lookups of a shape whose learned ratio rules a tier out before that tier is tried
 * again (main_adaptive_ratios). */
#define MAIN_ADAPTIVE_RETRY 16

struct qe_engine {
    qe_config cfg;            /* options the engine was opened with */
    rt_catalog *catalog;      /* tables (schemas only when a coordinator) */
    rt_storage *storage;      /* the database directory; NULL for :memory: */
    dist_coordinator *coord;  /* NULL for the embedded engine */
    cg_jit *jit;              /* created on first JIT use, under jit_lock */
    pthread_mutex_t jit_lock; /* guards jit creation and the adaptive_ figures */
    main_adaptive_shape adaptive_shapes[MAIN_ADAPTIVE_SHAPES]; /* adaptive.c: learned
                                       ratios per pipeline shape, at key % entries (a
                                       new shape replaces the one in its slot) */
    double adaptive_compile_scale[CG_TIER_COUNT];              /* adaptive.c: measured / modelled
                                                    compile time per tier (running average; 0 = none) */
    pthread_mutex_t ddl_lock;                                  /* serializes catalog changes */
};

struct qe_session {
    qe_engine *engine;            /* borrowed; outlives the session */
    rt_error err;                 /* last error */
    main_mode mode;               /* SET execution_mode */
    cg_tier tier;                 /* SET jit_tier: how jit mode compiles (embedded) */
    char emit_cpu[64];            /* SET emit_cpu: target CPU of emitted asm, "host" */
    uint32_t threads;             /* SET threads */
    uint32_t debug_delay_ms;      /* SET debug_task_delay_ms (fault tests) */
    bool debug_adaptive_wait;     /* SET debug_adaptive = 'wait': compile every stage, threads
                                     wait for the code after their first morsel */
    int64_t memory_limit;         /* SET memory_limit, bytes, <= 0 = none */
    uint64_t compile_ns;          /* time in cg_compile_stage by the running statement
                                     (adaptive: waiting for a background compile) */
    uint64_t morsels_interpreted; /* morsels the running statement interpreted (embedded) */
    uint64_t morsels_compiled;    /* ... and ran compiled */
};

struct qe_stmt {
    qe_session *session; /* borrowed */
    rt_arena *arena;     /* AST and plans */
    plan_node *logical;  /* bound, optimized logical plan */
};

struct qe_result {
    rt_arena *arena; /* owns everything below */
    uint32_t n_cols;
    char **names;
    qe_type *types;
    int32_t *typmods; /* n_cols type modifiers (plan.h PLAN_TYPMOD_*) */
    uint32_t n_batches;
    uint32_t batches_cap;
    rt_batch **batches;     /* compact copies of the result rows */
    qe_column_view **views; /* per batch, n_cols views of batches[i] */
    uint64_t n_rows;
    int64_t rows_changed; /* INSERT count, -1 for queries */
    double compile_ms;    /* qe_result_compile_ms: codegen + LLVM time */
    double execute_ms;    /* qe_result_execute_ms: the rest of qe_stmt_execute */
};

/* Applies one option by name to cfg (shared by qe_config_set and SET); QE_MISUSE with
 * a message in err for an unknown name or a bad value. */
qe_status main_config_apply(qe_config *cfg, const char *name, const char *value, rt_error *err);
void main_config_defaults(qe_config *cfg);

/* Creates an empty result with the given schema (copied). NULL on out-of-memory. */
qe_result *main_result_create(uint32_t n_cols, char *const *names, const qe_type *types);
/* Records the type modifiers of the result's columns (typmods may be NULL: all 0);
 * call before the first push. */
void main_result_set_typmods(qe_result *res, const int32_t *typmods);
/* Result sink pushing into a qe_result (ctx = the result). */
qe_status main_result_push(void *ctx, const rt_batch *batch, rt_error *err);
/* A one-column VARCHAR result with a row per line of text (split_lines) or the whole
 * text in one row (EXPLAIN). */
qe_result *main_result_from_text(const char *column, const char *text, bool split_lines);

/* Runs q (embedded or on the cluster) delivering result rows to sink; ob (may be NULL)
 * receives its figures (EXPLAIN ANALYZE), embedded runs included. */
qe_status main_run_observed(qe_session *s, const plan_query *q, const rt_result_sink *sink,
                            const dist_observer *ob, rt_task_stats *stats, rt_error *err);

/* True if EXPLAIN ANALYZE may run the statement `logical` (a query: no DDL, DML, SET...). */
bool main_explain_is_query(const plan_node *logical);
/* EXPLAIN ANALYZE (explain.c): runs q discarding its rows and renders the physical plan
 * annotated with what ran (text, or JSON with json; without timing no times, memory,
 * threads or morsel counts); malloc'd into *text.  Errors in s->err. */
qe_status main_explain_analyze(qe_session *s, const plan_query *q, bool json, bool timing,
                               char **text);

/* SET name = value (value NULL: RESET) on a session; errors in s->err. */
qe_status main_session_set(qe_session *s, const char *name, const char *value);

/* SHOW name | SHOW ALL: the session's settings as a result. */
qe_status main_session_show(qe_session *s, const char *name, qe_result **out);

/* The engine's JIT, created on first use. */
qe_status main_engine_jit(qe_engine *engine, cg_jit **out, rt_error *err);

/* CALL dbgen(sf = SF [, chunk = i, chunks = n]): creates the TPC-H tables that are
 * absent and appends the generated rows (src/main/dbgen.c).  *out: an empty result. */
qe_status main_exec_dbgen(qe_session *s, const plan_node *call, rt_arena *arena, qe_result **out);

/* Runs a physical plan in this process (embedded engine) or on the cluster. */
/* ---- adaptive execution (adaptive.c) ---------------------------------------------------- */

/* The background compile of one stage in adaptive mode. */
typedef struct main_adaptive main_adaptive;

/* The inputs of adaptive execution's cost model for one stage (adaptive.c). */
typedef struct main_adaptive_model {
    double n_compilable;         /* pipelines codegen supports */
    double ops;                  /* their operators */
    bool jit_exists;             /* the JIT exists (else its creation is added) */
    double ratio[CG_TIER_COUNT]; /* compiled/interpreted time per row, per tier */
    double scale[CG_TIER_COUNT]; /* measured / modelled compile time, per tier */
} main_adaptive_model;

/* The model of a stage with n_compilable pipelines of `ops` operators in all, with e's
 * learned figures (or the priors when e is NULL or has none; call under jit_lock). */
void main_adaptive_model_init(main_adaptive_model *m, const qe_engine *e, uint32_t n_compilable,
                              uint32_t ops);
/* The shape of a pipeline, as a non-zero hash: its operators' kinds and column types,
 * the scanned table, the operators, functions and types of its expressions and its
 * aggregates and join kinds -- not its constants, so that the same query with other
 * constants has the same shape. */
uint64_t main_adaptive_shape_key(const plan_pipeline *pipe);
/* The compiled/interpreted time ratios per tier learned for shape `key` in e, or the
 * priors for a shape e has not measured (call under jit_lock).  A lookup counts: at the
 * MAIN_ADAPTIVE_RETRY-th lookup of a shape whose ratio at a tier is 1 or more (which
 * stops compiling it there), that ratio is forgotten and the prior returned, so one
 * noisy measurement or a changed workload does not rule the tier out for the engine's
 * lifetime. */
void main_adaptive_ratios(qe_engine *e, uint64_t key, double ratio[CG_TIER_COUNT]);
/* Folds one measured compiled/interpreted ratio of shape `key` at tier into e's figures
 * (call under jit_lock). */
void main_adaptive_learn(qe_engine *e, uint64_t key, cg_tier tier, double observed);
/* The tier to compile at (a cg_tier), or -1 for none: remaining_ms of interpreted wall
 * time left, op_share of it in the operators and sink, on n_threads threads. */
int main_adaptive_pick(const main_adaptive_model *m, double remaining_ms, double op_share,
                       uint32_t n_threads);

/* Sets up adaptive execution of q->stages[stage] for session s: NULL in *out when no
 * pipeline of the stage is compilable (the task then simply interprets).  In the debug
 * wait mode the compile starts at once at the session's tier.  Errors: 53200. */
qe_status main_adaptive_create(qe_session *s, const plan_query *q, uint32_t stage,
                               main_adaptive **out, rt_error *err);
/* What the task runs with (rt_task.adaptive); valid until main_adaptive_finish. */
const rt_adaptive *main_adaptive_rt(const main_adaptive *a);
/* After the task: waits for a compile still running (LLVM cannot be interrupted), tells
 * ob (may be NULL) about the code of `stage` as jit mode does, frees the code and a;
 * adds the time waited here to s->compile_ns.  Returns the background compile's
 * duration (0: none).  Accepts NULL. */
uint64_t main_adaptive_finish(qe_session *s, main_adaptive *a, const dist_observer *ob,
                              uint32_t stage);
/* The name of a mode ("interpret", "jit", "adaptive"). */
const char *main_mode_name(main_mode mode);

qe_status main_run_plan(qe_session *s, const plan_query *q, qe_result *res, rt_error *err);

#endif /* QE_MAIN_INT_H */
