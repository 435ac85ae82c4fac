/*
 * dist.h -- distribution's cross-module interface (prefix dist_).
 *
 * The coordinator (inside libqe: accepts worker registrations, tracks heartbeats,
 * dispatches stage tasks, runs SINGLE stages locally, fails queries on worker loss)
 * and the worker service (qe-worker).  One TCP protocol on libuv: framed messages,
 * Arrow IPC data with zstd-compressed bodies.
 */
#ifndef QE_DIST_H
#define QE_DIST_H

#include "cg.h"
#include "plan.h"
#include "rt.h"

typedef struct dist_coordinator dist_coordinator;

/* Starts listening on "HOST:PORT" (own event-loop thread). */
qe_status dist_coordinator_start(const char *listen_addr, uint32_t heartbeat_timeout_ms,
                                 dist_coordinator **out, rt_error *err);
void dist_coordinator_stop(dist_coordinator *co); /* accepts NULL; closes connections */
/* Waits until at least min_workers workers are registered and alive. */
qe_status dist_coordinator_wait(dist_coordinator *co, uint32_t min_workers, uint32_t timeout_ms,
                                rt_error *err);
uint32_t dist_coordinator_n_workers(dist_coordinator *co);
/* The address the coordinator listens on ("127.0.0.1:7000"; the real port when 0 was
 * asked).  Borrowed until dist_coordinator_stop. */
const char *dist_coordinator_address(dist_coordinator *co);

/* DDL broadcast to every live worker (each keeps its partition of every table). */
qe_status dist_create_table(dist_coordinator *co, const rt_table *schema, rt_error *err);
qe_status dist_drop_table(dist_coordinator *co, const char *name, rt_error *err);

/* One pipeline of a finished worker task (TASK_DONE), for EXPLAIN ANALYZE. */
typedef struct dist_pipe_report {
    rt_pipeline_stats stats; /* its figures; stats.op_rows has n_ops entries (or NULL) */
    uint32_t n_ops;          /* operators of the pipeline */
    bool compiled;           /* the task had a compiled function for it */
    const char *fallback;    /* jit task: why it was not compiled, else NULL */
} dist_pipe_report;

/* Receives a query's figures as it runs (EXPLAIN ANALYZE); every callback may be NULL. */
typedef struct dist_observer {
    void *ctx; /* passed to every callback */
    /* Per pipeline of SINGLE stage `stage` (run here), the array rt_task_run fills
     * (rt_task.pipe_stats), or NULL; asked before the stage runs. */
    rt_pipeline_stats *(*pipe_stats)(void *ctx, uint32_t stage);
    /* SINGLE stage `stage` was compiled (code: borrowed during the call) in ns. */
    void (*compiled)(void *ctx, uint32_t stage, const cg_stage_code *code, uint64_t ns);
    /* Task `task` of `stage` finished (remote tasks: on the coordinator's loop thread,
     * under its lock, with their n_pipes pipelines (borrowed during the call); SINGLE
     * stages: on the calling thread, pipes NULL: their figures went to pipe_stats). */
    void (*task_done)(void *ctx, uint32_t stage, uint32_t task, const rt_task_stats *stats,
                      const dist_pipe_report *pipes, uint32_t n_pipes);
} dist_observer;

typedef struct dist_run_opts {
    rt_catalog *catalog;           /* the coordinator's catalog (SINGLE stages) */
    const rt_result_sink *result;  /* receives the root stage's rows */
    uint32_t n_threads;            /* threads per task */
    bool jit;                      /* compile pipelines (workers compile their own) */
    cg_jit *jit_engine;            /* for SINGLE stages when jit */
    uint64_t *compile_ns;          /* may be NULL: += ns compiling SINGLE stages here */
    const _Atomic bool *cancel;    /* may be NULL */
    uint32_t debug_delay_ms;       /* passed to every task (fault tests) */
    int64_t memory_limit;          /* bytes per task (SET memory_limit); <= 0: none */
    const dist_observer *observer; /* may be NULL */
} dist_run_opts;

/*
 * Runs a physical plan: one task per live worker for each PARTITIONED stage, SINGLE
 * stages on this process; exchanges are TCP streams.  Worker loss (connection closed
 * or heartbeat timeout) fails the query with a clear error and cancels its tasks.
 * stats->rows_written sums INSERT sinks over all tasks.
 */
qe_status dist_run_query(dist_coordinator *co, const plan_query *q, const dist_run_opts *opts,
                         rt_task_stats *stats, rt_error *err);

typedef struct dist_worker_opts {
    char listen[128];      /* HOST:PORT for the coordinator and peers */
    char coordinator[128]; /* HOST:PORT */
    uint32_t n_threads;
    uint32_t heartbeat_interval_ms;
} dist_worker_opts;

/* Runs a worker until dist_worker_stop. */
qe_status dist_worker_run(const dist_worker_opts *opts, rt_error *err);
void dist_worker_stop(void); /* async-signal-safe */

#endif /* QE_DIST_H */
