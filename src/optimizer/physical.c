/*
 * physical.c -- physical and distributed planning: logical plan -> stages of
 * pipelines joined by exchanges (DESIGN.md §3, §6).
 *
 * The planner walks the logical plan bottom-up, keeping one *open pipeline* (a
 * source and the operators after it, not yet closed by a sink) in the stage the rows
 * currently flow in.  Breakers close it: an aggregation ends the pipeline in a
 * HashAggregate sink and opens the next one at the matching source (same state_id);
 * a sort does the same with Sort/SortSource; a change of distribution ends it in an
 * ExchangeSink and opens a new stage at an ExchangeSource.
 *
 * Distribution rules of the skeleton: scans are PARTITIONED; VALUES is SINGLE;
 * aggregation over a PARTITIONED input is PARTIAL per task, then a HASH exchange on
 * the group columns into a PARTITIONED FINAL stage (GATHER into a SINGLE stage when
 * there are no groups); ORDER BY, LIMIT and the result need a SINGLE stage (GATHER);
 * window functions HASH their rows on the shared PARTITION BY keys into a PARTITIONED
 * stage (GATHER into a SINGLE stage without such keys) ending in a Window sink;
 * INSERT sends its rows ROUND_ROBIN into a PARTITIONED stage of Insert sinks (COPY
 * FROM too, reading the file with a CsvScan in a SINGLE stage).
 * The local variant (opt_physical_local: one task per stage) drops the exchanges that
 * only move rows between tasks: leaves start in the last stage (so a plan is usually
 * one stage whose pipelines run in the order they were closed), joins end the build
 * side's pipeline in the HashJoinBuild (BROADCAST when the sides are in different
 * stages), aggregations are one SINGLE phase, windows, ORDER BY, LIMIT and the result
 * need no GATHER.  UNION ALL and FULL joins keep their exchanges.
 * Invariants codegen and the runtime rely on: AggSink group keys and arguments are
 * COLUMN expressions of its input (a Project computing keys then arguments is put in
 * front), sort keys are COLUMNs, FINAL aggregates read (v, n) column pairs.
 */
#include "opt.h"

#include <string.h>

/* The plan under construction. */
typedef struct phys_builder {
    rt_arena *arena;   /* where the plan goes */
    rt_error *err;     /* first error */
    bool failed;       /* an error has been recorded */
    uint32_t n_stages; /* stages so far (their ids) */
    uint32_t stages_cap;
    plan_stage **stages;
    uint32_t *pipelines_cap; /* per stage: capacity of its pipelines array */
    uint32_t n_exchanges;    /* exchanges so far */
    uint32_t exchanges_cap;
    plan_exchange *exchanges;
    bool local; /* one task per stage (opt_physical_local): no re-partitioning exchanges */
} phys_builder;

/* A pipeline being built: source and operators, no sink yet. */
typedef struct open_pipe {
    plan_stage *stage; /* the stage it runs in */
    uint32_t n_ops;    /* operators so far */
    uint32_t ops_cap;
    plan_op **ops;
    bool ordered;    /* the source yields rows in an order to keep */
    uint32_t n_cols; /* schema of the rows leaving the last operator */
    qe_type *types;
} open_pipe;

static void *fail_oom(phys_builder *pb) {
    if (!pb->failed)
        rt_error_set(pb->err, QE_NOMEM, "53200", -1, "out of memory");
    pb->failed = true;
    return NULL;
}

static void *fail_internal(phys_builder *pb, const char *what) {
    if (!pb->failed)
        rt_error_set(pb->err, QE_INTERNAL, "XX000", -1, "cannot plan %s", what);
    pb->failed = true;
    return NULL;
}

/* Grows an arena array of elem-sized items to hold one more; false on OOM. */
static bool grow(phys_builder *pb, void **items, uint32_t n, uint32_t *cap, size_t elem) {
    if (n < *cap)
        return true;
    uint32_t new_cap = *cap ? *cap * 2 : 4;
    void *p = rt_arena_alloc(pb->arena, new_cap * elem);
    if (!p)
        return fail_oom(pb), false;
    if (n)
        memcpy(p, *items, n * elem);
    *items = p;
    *cap = new_cap;
    return true;
}

static qe_type *copy_types(phys_builder *pb, const qe_type *types, uint32_t n) {
    qe_type *t = rt_arena_alloc(pb->arena, (n ? n : 1) * sizeof *t);
    if (!t)
        return fail_oom(pb);
    if (n)
        memcpy(t, types, n * sizeof *t);
    return t;
}

static plan_expr *column(phys_builder *pb, uint32_t col, qe_type type) {
    plan_expr *e = opt_expr_column(pb->arena, col, type);
    return e ? e : fail_oom(pb);
}

/* ---- stages, pipelines, operators, exchanges ---------------------------------------- */

static plan_stage *new_stage(phys_builder *pb, plan_dist dist) {
    if (!grow(pb, (void **)&pb->stages, pb->n_stages, &pb->stages_cap, sizeof *pb->stages))
        return NULL;
    uint32_t cap = pb->stages_cap;
    uint32_t *caps = rt_arena_calloc(pb->arena, cap * sizeof *caps);
    plan_stage *s = rt_arena_calloc(pb->arena, sizeof *s);
    if (!caps || !s)
        return fail_oom(pb);
    if (pb->n_stages)
        memcpy(caps, pb->pipelines_cap, pb->n_stages * sizeof *caps);
    pb->pipelines_cap = caps;
    s->id = pb->n_stages;
    s->dist = dist;
    pb->stages[pb->n_stages++] = s;
    return s;
}

/* An operator with output (or, for sinks, input) schema n_cols/types. */
static plan_op *new_op(phys_builder *pb, plan_phys_kind kind, uint32_t n_cols,
                       const qe_type *types) {
    plan_op *op = rt_arena_calloc(pb->arena, sizeof *op);
    if (!op)
        return fail_oom(pb);
    op->kind = kind;
    op->n_cols = n_cols;
    if (!(op->types = copy_types(pb, types, n_cols)))
        return NULL;
    return op;
}

static bool pipe_add(phys_builder *pb, open_pipe *p, plan_op *op) {
    if (!op || !grow(pb, (void **)&p->ops, p->n_ops, &p->ops_cap, sizeof *p->ops))
        return false;
    p->ops[p->n_ops++] = op;
    if (plan_phys_role(op->kind) != 2) {
        p->n_cols = op->n_cols;
        p->types = op->types;
    }
    return true;
}

static bool pipe_start(phys_builder *pb, open_pipe *p, plan_stage *stage, plan_op *source) {
    *p = (open_pipe){.stage = stage};
    return stage && pipe_add(pb, p, source);
}

/* Ends the pipeline with sink and appends it to its stage. */
static bool pipe_close(phys_builder *pb, open_pipe *p, plan_op *sink) {
    plan_stage *s = p->stage;
    plan_pipeline *pl = rt_arena_calloc(pb->arena, sizeof *pl);
    if (!pl)
        return fail_oom(pb), false;
    if (!pipe_add(pb, p, sink) || !grow(pb, (void **)&s->pipelines, s->n_pipelines,
                                        &pb->pipelines_cap[s->id], sizeof *s->pipelines))
        return false;
    pl->id = s->n_pipelines;
    pl->n_ops = p->n_ops;
    pl->ops = p->ops;
    pl->ordered = p->ordered;
    s->pipelines[s->n_pipelines++] = pl;
    return true;
}

/* Closes p into a new exchange of `kind` and opens the consumer stage at its source. */
static bool pipe_exchange(phys_builder *pb, open_pipe *p, plan_exchange_kind kind, uint32_t n_keys,
                          plan_dist consumer_dist) {
    if (!grow(pb, (void **)&pb->exchanges, pb->n_exchanges, &pb->exchanges_cap,
              sizeof *pb->exchanges))
        return false;
    uint32_t id = pb->n_exchanges;
    plan_exchange *x = &pb->exchanges[id];
    *x = (plan_exchange){.id = id,
                         .kind = kind,
                         .producer_stage = p->stage->id,
                         .n_keys = n_keys,
                         .n_cols = p->n_cols};
    if (!(x->types = copy_types(pb, p->types, p->n_cols)) ||
        !(x->key_cols = rt_arena_calloc(pb->arena, (n_keys ? n_keys : 1) * sizeof(uint32_t))))
        return fail_oom(pb), false;
    for (uint32_t k = 0; k < n_keys; k++)
        x->key_cols[k] = k; /* hash keys are the leading (group) columns */
    pb->n_exchanges++;
    plan_op *sink = new_op(pb, PLAN_PHYS_EXCHANGE_SINK, p->n_cols, p->types);
    plan_op *source = new_op(pb, PLAN_PHYS_EXCHANGE_SOURCE, p->n_cols, p->types);
    if (!sink || !source)
        return false;
    sink->u.exchange_sink.exchange_id = id;
    source->u.exchange_source.exchange_id = id;
    if (!pipe_close(pb, p, sink))
        return false;
    plan_stage *consumer = new_stage(pb, consumer_dist);
    if (!consumer)
        return false;
    pb->exchanges[id].consumer_stage = consumer->id;
    return pipe_start(pb, p, consumer, source);
}

/* Makes the open pipeline run in a SINGLE stage (GATHER if it is PARTITIONED); a local
 * plan's only task has every row already. */
static bool ensure_single(phys_builder *pb, open_pipe *p) {
    if (p->stage->dist == PLAN_DIST_SINGLE || pb->local)
        return true;
    return pipe_exchange(pb, p, PLAN_EXCHANGE_GATHER, 0, PLAN_DIST_SINGLE);
}

/* ---- leaves and streaming operators ------------------------------------------------- */

/* The stage a leaf (scan, values, table function) starts in: a new one of `dist`; in a
 * local plan the last stage, so that pipelines run in the order they were closed and
 * joins, aggregations and sorts need no exchange. */
static plan_stage *leaf_stage(phys_builder *pb, plan_dist dist) {
    if (pb->local && pb->n_stages > 0)
        return pb->stages[pb->n_stages - 1];
    return new_stage(pb, dist);
}

static bool plan_get(phys_builder *pb, const plan_node *n, open_pipe *p) {
    plan_op *op = new_op(pb, PLAN_PHYS_SCAN, n->n_cols, n->types);
    if (!op)
        return false;
    op->u.scan.table = n->u.get.table;
    op->u.scan.col_idx = n->u.get.col_idx;
    op->u.scan.col_names = n->names;
    return pipe_start(pb, p, leaf_stage(pb, PLAN_DIST_PARTITIONED), op);
}

static bool plan_values(phys_builder *pb, const plan_node *n, open_pipe *p) {
    plan_op *op = new_op(pb, PLAN_PHYS_VALUES, n->n_cols, n->types);
    if (!op)
        return false;
    op->u.values.n_rows = n->u.values.n_rows;
    op->u.values.rows = n->u.values.rows;
    return pipe_start(pb, p, leaf_stage(pb, PLAN_DIST_SINGLE), op);
}

/* A table function: read_csv is a CsvScan in a SINGLE stage (the coordinator's file),
 * ordered so rows come in file order; range/generate_series a Range source there. */
static bool plan_table_func(phys_builder *pb, const plan_node *n, open_pipe *p) {
    bool csv = n->u.table_func.csv != NULL;
    plan_op *op = new_op(pb, csv ? PLAN_PHYS_CSV_SCAN : PLAN_PHYS_RANGE, n->n_cols, n->types);
    if (!op)
        return false;
    if (csv)
        op->u.csv_scan.csv = n->u.table_func.csv;
    else
        op->u.range = n->u.table_func.range;
    if (!pipe_start(pb, p, leaf_stage(pb, PLAN_DIST_SINGLE), op))
        return false;
    p->ordered = true;
    return true;
}

static bool plan_filter(phys_builder *pb, const plan_node *n, open_pipe *p) {
    plan_op *op = new_op(pb, PLAN_PHYS_FILTER, p->n_cols, p->types);
    if (!op)
        return false;
    op->u.filter.pred = n->u.filter.pred;
    if (p->n_ops == 1 && !opt_scan_filters(pb->arena, p->ops[0], op->u.filter.pred))
        return fail_oom(pb), false;
    return pipe_add(pb, p, op);
}

/* True if a Project only passes its input through unchanged. */
static bool is_identity(const plan_node *n, const open_pipe *p) {
    if (n->n_cols != p->n_cols)
        return false;
    for (uint32_t i = 0; i < n->n_cols; i++) {
        const plan_expr *e = n->u.project.exprs[i];
        if (e->kind != PLAN_EXPR_COLUMN || e->u.column != i || e->type != p->types[i])
            return false;
    }
    return true;
}

static bool add_project(phys_builder *pb, open_pipe *p, plan_expr **exprs, uint32_t n,
                        const qe_type *types) {
    plan_op *op = new_op(pb, PLAN_PHYS_PROJECT, n, types);
    if (!op)
        return false;
    op->u.project.exprs = exprs;
    return pipe_add(pb, p, op);
}

/* Top-N: a LIMIT right after ORDER BY (the open pipeline is just the SortSource) tells
 * the Sort that only the first limit + offset rows are needed. */
static void mark_top_n(const plan_node *n, open_pipe *p) {
    int64_t limit = n->u.limit.limit, offset = n->u.limit.offset;
    if (limit < 0 || offset < 0 || p->n_ops != 1 || p->ops[0]->kind != PLAN_PHYS_SORT_SOURCE ||
        p->stage->n_pipelines == 0)
        return;
    plan_pipeline *prev = p->stage->pipelines[p->stage->n_pipelines - 1];
    plan_op *sink = prev->ops[prev->n_ops - 1];
    if (sink->kind != PLAN_PHYS_SORT_SINK || sink->state_id != p->ops[0]->state_id)
        return;
    uint64_t top = (uint64_t)limit + (uint64_t)offset;
    sink->u.sort.top_n = top > 0 ? top : 1; /* LIMIT 0: keep one row (0 means all) */
}

static bool plan_limit(phys_builder *pb, const plan_node *n, open_pipe *p) {
    mark_top_n(n, p);
    if (!ensure_single(pb, p))
        return false;
    plan_op *op = new_op(pb, PLAN_PHYS_LIMIT, p->n_cols, p->types);
    if (!op)
        return false;
    op->state_id = p->stage->n_states++;
    op->u.limit.limit = n->u.limit.limit;
    op->u.limit.offset = n->u.limit.offset;
    return pipe_add(pb, p, op);
}

/* Closes p with a Sort (keeping the first top_n rows; 0: all) and reopens it at the
 * SortSource, in the same stage. */
static bool add_sort(phys_builder *pb, const plan_node *n, open_pipe *p, uint64_t top_n) {
    plan_op *sink = new_op(pb, PLAN_PHYS_SORT_SINK, p->n_cols, p->types);
    plan_op *source = new_op(pb, PLAN_PHYS_SORT_SOURCE, p->n_cols, p->types);
    if (!sink || !source)
        return false;
    sink->state_id = source->state_id = p->stage->n_states++;
    sink->u.sort.n_keys = source->u.sort.n_keys = n->u.order.n_keys;
    sink->u.sort.keys = source->u.sort.keys = n->u.order.keys;
    sink->u.sort.top_n = top_n;
    plan_stage *stage = p->stage;
    if (!pipe_close(pb, p, sink) || !pipe_start(pb, p, stage, source))
        return false;
    p->ordered = true;
    return true;
}

/* Sort keys must be COLUMNs of the input.  ORDER BY gathers into a SINGLE stage
 * first. */
static bool plan_order(phys_builder *pb, const plan_node *n, open_pipe *p) {
    for (uint32_t k = 0; k < n->u.order.n_keys; k++)
        if (n->u.order.keys[k].expr->kind != PLAN_EXPR_COLUMN)
            return fail_internal(pb, "ORDER BY on an expression that is not a column"), false;
    return ensure_single(pb, p) && add_sort(pb, n, p, 0);
}

/* DISTINCT ON (keys): DistinctOn (first row of each run of equal keys) in a SINGLE
 * stage's ordered pipeline.  Over an ORDER BY (which starts with the keys: the binder
 * checks) the sorted rows are used; otherwise the rows are sorted by the keys first. */
static bool plan_distinct_on(phys_builder *pb, const plan_node *n, open_pipe *p) {
    uint32_t nk = n->u.distinct_on.n_keys;
    plan_op *op = new_op(pb, PLAN_PHYS_DISTINCT_ON, n->n_cols, n->types);
    uint32_t *cols = rt_arena_alloc(pb->arena, (nk ? nk : 1) * sizeof *cols);
    plan_sort_key *keys = rt_arena_calloc(pb->arena, (nk ? nk : 1) * sizeof *keys);
    if (!op || !cols || !keys)
        return fail_oom(pb), false;
    for (uint32_t k = 0; k < nk; k++) {
        if (n->u.distinct_on.keys[k]->kind != PLAN_EXPR_COLUMN)
            return fail_internal(pb, "DISTINCT ON an expression that is not a column"), false;
        cols[k] = n->u.distinct_on.keys[k]->u.column;
        keys[k].expr = n->u.distinct_on.keys[k];
    }
    op->u.distinct_on.n_keys = nk;
    op->u.distinct_on.cols = cols;
    if (n->child->kind != PLAN_LOGICAL_ORDER) {
        plan_node sort = {.kind = PLAN_LOGICAL_ORDER};
        sort.u.order.n_keys = nk;
        sort.u.order.keys = keys;
        if (!ensure_single(pb, p) || !add_sort(pb, &sort, p, 0))
            return false;
    }
    return pipe_add(pb, p, op);
}

static bool plan_rows(phys_builder *pb, const plan_node *n, open_pipe *p, bool keep_project);

/* ORDER BY ... LIMIT n OFFSET m (top-N): over a PARTITIONED input each task first keeps
 * its own first n + m rows (a Sort with top_n, before the GATHER); the final Sort keeps
 * the first n + m of those (its top_n is set by plan_limit), then the Limit. */
static bool plan_top_n(phys_builder *pb, const plan_node *n, open_pipe *p) {
    const plan_node *order = n->child;
    for (uint32_t k = 0; k < order->u.order.n_keys; k++)
        if (order->u.order.keys[k].expr->kind != PLAN_EXPR_COLUMN)
            return fail_internal(pb, "ORDER BY on an expression that is not a column"), false;
    if (!order->child || !plan_rows(pb, order->child, p, false))
        return false;
    uint64_t top = (uint64_t)n->u.limit.limit + (uint64_t)n->u.limit.offset;
    if (!pb->local && p->stage->dist == PLAN_DIST_PARTITIONED &&
        !add_sort(pb, order, p, top ? top : 1))
        return false;
    return plan_order(pb, order, p) && plan_limit(pb, n, p);
}

/* ---- aggregation -------------------------------------------------------------------- */

/* The aggregation's input after the key/argument Project: groups, then distinct args. */
typedef struct agg_input {
    uint32_t n_cols;   /* groups + distinct arguments */
    plan_expr **exprs; /* the Project's expressions */
    qe_type *types;
    plan_agg *aggs;     /* aggregates with args rewritten to COLUMNs */
    plan_expr **groups; /* COLUMN 0..n_groups-1 */
} agg_input;

/* Index of arg among the Project's expressions, appending it if new. */
static uint32_t project_arg(agg_input *in, plan_expr *arg) {
    for (uint32_t i = 0; i < in->n_cols; i++)
        if (opt_expr_equal(in->exprs[i], arg))
            return i;
    in->types[in->n_cols] = arg->type;
    in->exprs[in->n_cols] = arg;
    return in->n_cols++;
}

static bool build_agg_input(phys_builder *pb, const plan_node *n, agg_input *in) {
    uint32_t ng = n->u.aggregate.n_groups, na = n->u.aggregate.n_aggs, max = ng + na;
    in->exprs = rt_arena_alloc(pb->arena, (max ? max : 1) * sizeof *in->exprs);
    in->types = rt_arena_alloc(pb->arena, (max ? max : 1) * sizeof *in->types);
    in->aggs = rt_arena_alloc(pb->arena, (na ? na : 1) * sizeof *in->aggs);
    in->groups = rt_arena_alloc(pb->arena, (ng ? ng : 1) * sizeof *in->groups);
    if (!in->exprs || !in->types || !in->aggs || !in->groups)
        return fail_oom(pb), false;
    in->n_cols = ng;
    for (uint32_t g = 0; g < ng; g++) {
        in->exprs[g] = n->u.aggregate.groups[g];
        in->types[g] = in->exprs[g]->type;
        if (!(in->groups[g] = column(pb, g, in->types[g])))
            return false;
        in->groups[g]->typmod = in->exprs[g]->typmod;
    }
    for (uint32_t i = 0; i < na; i++) {
        in->aggs[i] = n->u.aggregate.aggs[i];
        plan_expr *arg = in->aggs[i].arg;
        if (arg && !(in->aggs[i].arg = column(pb, project_arg(in, arg), arg->type)))
            return false;
        if (arg)
            in->aggs[i].arg->typmod = arg->typmod; /* DECIMAL scale of the input */
    }
    return true;
}

/* Adds an aggregation sink (closing p) and opens the next pipeline at its source. */
static bool add_agg_pair(phys_builder *pb, open_pipe *p, plan_agg_phase phase, uint32_t ng,
                         plan_expr **groups, uint32_t na, plan_agg *aggs, uint32_t out_cols,
                         const qe_type *out_types) {
    plan_op *sink = new_op(pb, PLAN_PHYS_AGG_SINK, p->n_cols, p->types);
    plan_op *source = new_op(pb, PLAN_PHYS_AGG_SOURCE, out_cols, out_types);
    if (!sink || !source)
        return false;
    sink->state_id = source->state_id = p->stage->n_states++;
    sink->u.agg.phase = source->u.agg.phase = phase;
    sink->u.agg.n_groups = source->u.agg.n_groups = ng;
    sink->u.agg.groups = source->u.agg.groups = groups;
    sink->u.agg.n_aggs = source->u.agg.n_aggs = na;
    sink->u.agg.aggs = source->u.agg.aggs = aggs;
    plan_stage *stage = p->stage;
    return pipe_close(pb, p, sink) && pipe_start(pb, p, stage, source);
}

/* Output schema of an aggregation phase: groups, then finals or (v, n) pairs. */
static qe_type *agg_output_types(phys_builder *pb, const agg_input *in, uint32_t ng, uint32_t na,
                                 bool partial, uint32_t *n_out) {
    *n_out = ng + na * (partial ? 2 : 1);
    qe_type *t = rt_arena_alloc(pb->arena, (*n_out ? *n_out : 1) * sizeof *t);
    if (!t)
        return fail_oom(pb);
    memcpy(t, in->types, ng * sizeof *t);
    for (uint32_t i = 0; i < na; i++) {
        if (partial) {
            t[ng + 2 * i] = in->aggs[i].state_type;
            t[ng + 2 * i + 1] = QE_TYPE_BIGINT;
        } else {
            t[ng + i] = in->aggs[i].type;
        }
    }
    return t;
}

/* FINAL aggregates over the PARTIAL output: arg = v column, n_column = n column. */
static plan_agg *final_aggs(phys_builder *pb, const agg_input *in, uint32_t ng, uint32_t na) {
    plan_agg *aggs = rt_arena_alloc(pb->arena, (na ? na : 1) * sizeof *aggs);
    if (!aggs)
        return fail_oom(pb);
    for (uint32_t i = 0; i < na; i++) {
        aggs[i] = in->aggs[i];
        if (!(aggs[i].arg = column(pb, ng + 2 * i, aggs[i].state_type)))
            return NULL;
        aggs[i].arg->typmod = opt_agg_state_typmod(&in->aggs[i]); /* plan.h's state rule */
        aggs[i].n_column = ng + 2 * i + 1;
    }
    return aggs;
}

static bool plan_aggregate(phys_builder *pb, const plan_node *n, open_pipe *p) {
    agg_input in = {0};
    uint32_t ng = n->u.aggregate.n_groups, na = n->u.aggregate.n_aggs, n_out;
    if (!build_agg_input(pb, n, &in) || !add_project(pb, p, in.exprs, in.n_cols, in.types))
        return false;
    bool partial = !pb->local && p->stage->dist == PLAN_DIST_PARTITIONED;
    qe_type *out = agg_output_types(pb, &in, ng, na, partial, &n_out);
    if (!out || !add_agg_pair(pb, p, partial ? PLAN_AGG_PARTIAL : PLAN_AGG_SINGLE, ng, in.groups,
                              na, in.aggs, n_out, out))
        return false;
    if (!partial)
        return true;
    bool hashed = ng > 0;
    if (!pipe_exchange(pb, p, hashed ? PLAN_EXCHANGE_HASH : PLAN_EXCHANGE_GATHER, ng,
                       hashed ? PLAN_DIST_PARTITIONED : PLAN_DIST_SINGLE))
        return false;
    plan_agg *fin = final_aggs(pb, &in, ng, na);
    qe_type *final_types = fin ? agg_output_types(pb, &in, ng, na, false, &n_out) : NULL;
    return final_types &&
           add_agg_pair(pb, p, PLAN_AGG_FINAL, ng, in.groups, na, fin, n_out, final_types);
}

/* ---- joins (physical_join.inc) ------------------------------------------------------- */

static bool plan_rows(phys_builder *pb, const plan_node *n, open_pipe *p, bool keep_project);

#include "physical_join.inc"
#include "physical_setop.inc"

/* ---- window functions (physical_window.inc) ----------------------------------------- */

#include "physical_window.inc"

/* ---- the walk ----------------------------------------------------------------------- */

/* Plans node into an open pipeline yielding its rows.  keep_project: do not drop an
 * identity Project (INSERT's Project is always kept). */
static bool plan_rows(phys_builder *pb, const plan_node *n, open_pipe *p, bool keep_project) {
    if (pb->failed)
        return false;
    switch (n->kind) {
    case PLAN_LOGICAL_GET: return plan_get(pb, n, p);
    case PLAN_LOGICAL_VALUES: return plan_values(pb, n, p);
    case PLAN_LOGICAL_JOIN: return plan_join(pb, n, p);
    case PLAN_LOGICAL_TABLE_FUNCTION: return plan_table_func(pb, n, p);
    case PLAN_LOGICAL_SETOP:
        if (n->u.setop.op == PLAN_SETOP_UNION && n->u.setop.all)
            return plan_union_all(pb, n, p);
        break;
    case PLAN_LOGICAL_LIMIT:
        if (n->child && n->child->kind == PLAN_LOGICAL_ORDER && n->u.limit.limit >= 0 &&
            n->u.limit.offset >= 0)
            return plan_top_n(pb, n, p);
        break;
    default: break;
    }
    if (!n->child || !plan_rows(pb, n->child, p, false))
        return n->child ? false : (fail_internal(pb, "an operator without input"), false);
    switch (n->kind) {
    case PLAN_LOGICAL_FILTER: return plan_filter(pb, n, p);
    case PLAN_LOGICAL_PROJECT:
        if (!keep_project && is_identity(n, p))
            return true;
        return add_project(pb, p, n->u.project.exprs, n->n_cols, n->types);
    case PLAN_LOGICAL_AGGREGATE: return plan_aggregate(pb, n, p);
    case PLAN_LOGICAL_ORDER: return plan_order(pb, n, p);
    case PLAN_LOGICAL_LIMIT: return plan_limit(pb, n, p);
    case PLAN_LOGICAL_WINDOW: return plan_window(pb, n, p);
    case PLAN_LOGICAL_DISTINCT_ON: return plan_distinct_on(pb, n, p);
    case PLAN_LOGICAL_REPLICATE:
        return pipe_add(pb, p, new_op(pb, PLAN_PHYS_REPLICATE, n->n_cols, n->types));
    default: return fail_internal(pb, plan_logical_name(n->kind)), false;
    }
}

/* A query: rows gathered into a SINGLE stage that ends in the Result sink. */
static bool plan_select(phys_builder *pb, const plan_node *n, plan_query *q) {
    open_pipe p;
    if (!plan_rows(pb, n, &p, false) || !ensure_single(pb, &p))
        return false;
    plan_op *result = new_op(pb, PLAN_PHYS_RESULT_SINK, p.n_cols, p.types);
    if (!result)
        return false;
    result->u.result.names = n->names;
    q->n_cols = n->n_cols;
    q->types = n->types;
    q->typmods = n->n_cols ? rt_arena_calloc(pb->arena, n->n_cols * sizeof(int32_t)) : NULL;
    for (uint32_t i = 0; q->typmods && i < n->n_cols; i++)
        q->typmods[i] = opt_column_typmod(n, i); /* the scales of DECIMAL results */
    q->names = n->names;
    return pipe_close(pb, &p, result);
}

/* INSERT: rows ROUND_ROBIN into a PARTITIONED stage of Insert sinks.  Insert sinks
 * append only when their input has ended (after every scan task), so INSERT ... SELECT
 * from the target table never reads its own rows (Halloween protection). */
static bool plan_insert(phys_builder *pb, const plan_node *n, plan_query *q) {
    open_pipe p;
    if (!n->child || !plan_rows(pb, n->child, &p, true) ||
        !pipe_exchange(pb, &p, PLAN_EXCHANGE_ROUND_ROBIN, 0, PLAN_DIST_PARTITIONED))
        return false;
    plan_op *sink = new_op(pb, PLAN_PHYS_INSERT_SINK, p.n_cols, p.types);
    if (!sink)
        return false;
    sink->u.insert.table = n->kind == PLAN_LOGICAL_COPY ? n->u.copy.table : n->u.insert.table;
    q->is_insert = true;
    return pipe_close(pb, &p, sink);
}

/* ---- what the executor cannot run yet ----------------------------------------------- */

static bool refuse_expr(const plan_expr *e, void *ctx) {
    const char **why = ctx;
    if (e->kind == PLAN_EXPR_SUBQUERY || e->kind == PLAN_EXPR_OUTER_COLUMN)
        *why = "subqueries are not supported by the executor yet";
    else if (e->kind == PLAN_EXPR_GROUPING)
        *why = "GROUPING is not supported by the executor yet";
    return *why == NULL;
}

/* Why a logical node cannot run (NULL if it can, as far as this node goes). */
static const char *refuse_node(const plan_node *n) {
    switch (n->kind) {
    case PLAN_LOGICAL_SETOP:
        if (n->u.setop.op == PLAN_SETOP_UNION && n->u.setop.all)
            break; /* UNION ALL runs (UNION is rewritten into it: setop_rewrite.c) */
        return n->u.setop.op == PLAN_SETOP_UNION ? "UNION is not supported by the executor yet"
               : n->u.setop.op == PLAN_SETOP_INTERSECT ? "INTERSECT is not supported by the "
                                                         "executor yet"
                                                       : "EXCEPT is not supported by the executor "
                                                         "yet";
    case PLAN_LOGICAL_RECURSIVE_CTE:
    case PLAN_LOGICAL_WORKTABLE_SCAN:
        return "recursive queries are not supported by the executor yet";
    case PLAN_LOGICAL_AGGREGATE:
        if (n->u.aggregate.n_sets)
            return "grouping sets are not supported by the executor yet";
        break;
    case PLAN_LOGICAL_DELETE: return "DELETE is not supported yet";
    case PLAN_LOGICAL_UPDATE: return "UPDATE is not supported yet";
    case PLAN_LOGICAL_CALL: return "CALL is not supported yet";
    case PLAN_LOGICAL_CREATE_VIEW: return "CREATE VIEW is not supported by the executor yet";
    case PLAN_LOGICAL_DROP_VIEW: return "DROP VIEW is not supported by the executor yet";
    case PLAN_LOGICAL_SHOW: return "SHOW is not supported by the executor yet";
    case PLAN_LOGICAL_TRANSACTION:
        return n->u.transaction.kind == PLAN_TXN_ROLLBACK ? "ROLLBACK is not supported yet"
                                                          : "transactions are not supported yet";
    case PLAN_LOGICAL_CREATE_TABLE:
        if (n->child)
            return "CREATE TABLE AS is not supported by the executor yet";
        break;
    default: break;
    }
    const char *why = NULL;
    opt_node_exprs_walk(n, refuse_expr, &why);
    return why;
}

/* 0A000 for the first node (pre-order, left before right) the executor cannot run. */
static bool refuse_unsupported(phys_builder *pb, const plan_node *n) {
    for (; n; n = n->child) {
        const char *why = refuse_node(n);
        if (why) {
            rt_error_set(pb->err, QE_UNSUPPORTED, "0A000", -1, "%s", why);
            pb->failed = true;
            return false;
        }
        if (n->right && !refuse_unsupported(pb, n->right))
            return false;
    }
    return true;
}

static qe_status plan_physical(rt_arena *arena, const plan_node *logical, bool local,
                               plan_query **out, rt_error *err) {
    phys_builder pb = {.arena = arena, .err = err, .local = local};
    *out = NULL;
    if (logical && !refuse_unsupported(&pb, logical))
        return err->status;
    if (logical && logical->kind != PLAN_LOGICAL_EXPLAIN && opt_check_executable(logical, err))
        return err->status;
    plan_query *q = rt_arena_calloc(arena, sizeof *q);
    if (!q)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    switch (logical ? logical->kind : PLAN_LOGICAL_EXPLAIN) {
    case PLAN_LOGICAL_INSERT: plan_insert(&pb, logical, q); break;
    case PLAN_LOGICAL_COPY: /* FROM: an insert of the file's rows; TO: the rows written */
        if (logical->u.copy.to)
            plan_select(&pb, logical->child, q);
        else
            plan_insert(&pb, logical, q);
        break;
    case PLAN_LOGICAL_CREATE_TABLE:
    case PLAN_LOGICAL_DROP_TABLE:
    case PLAN_LOGICAL_SET:
    case PLAN_LOGICAL_EXPLAIN:
        return rt_error_set(err, QE_MISUSE, "XX000", -1, "%s statements have no physical plan",
                            logical ? plan_logical_name(logical->kind) : "empty");
    default: plan_select(&pb, logical, q); break;
    }
    if (pb.failed)
        return err->status;
    q->n_stages = pb.n_stages;
    q->stages = pb.stages;
    q->n_exchanges = pb.n_exchanges;
    q->exchanges = pb.exchanges;
    q->local = local;
    *out = q;
    return QE_OK;
}

qe_status opt_physical(rt_arena *arena, const plan_node *logical, plan_query **out, rt_error *err) {
    return plan_physical(arena, logical, false, out, err);
}

qe_status opt_physical_local(rt_arena *arena, const plan_node *logical, plan_query **out,
                             rt_error *err) {
    return plan_physical(arena, logical, true, out, err);
}
