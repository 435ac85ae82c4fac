/*
 * operator.c -- the streaming operators between a pipeline's source and sink:
 * FILTER (a new selection vector), PROJECT (expression results as the new columns,
 * same selection), LIMIT (a counter shared by the pipeline's threads) and REPLICATE
 * (INTERSECT/EXCEPT ALL: each row repeated as often as its last column says).  A
 * HASH_JOIN_PROBE (join.c) may turn one input batch into many output batches: it runs
 * each through the rest of the pipeline itself (rt_operators_run_from).
 *
 * Each operator has a per-thread state prepared before the morsel loop; an operator
 * turns its input batch into an output batch that lives until the morsel ends
 * (vectors are views: no values are copied here).
 */
#include "rt_int.h"

#include <string.h>

typedef struct filter_state {
    rt_expr *pred; /* BOOLEAN predicate */
    uint32_t *sel; /* selection output (cap rows) */
    uint32_t cap;
    rt_batch out; /* the input's columns with the new selection */
} filter_state;

typedef struct project_state {
    rt_expr **exprs;          /* n_cols prepared expressions */
    const qe_type *out_types; /* the plan's output types */
    rt_batch out;             /* out.cols: n_cols vector headers */
} project_state;

typedef struct replicate_state {
    uint32_t *sel; /* RT_VECTOR_SIZE row indexes (repeated) */
    rt_batch out;  /* the input's columns but the count, with sel */
} replicate_state;

typedef struct limit_state {
    uint32_t *sel; /* selection output (cap rows) */
    uint32_t cap;
    rt_batch out;
} limit_state;

/* Grows a selection buffer to hold n rows. */
static bool ensure_sel(rt_arena *arena, uint32_t **sel, uint32_t *cap, uint32_t n) {
    if (n <= *cap && *sel != NULL)
        return true;
    uint32_t c = *cap ? *cap : RT_VECTOR_SIZE;
    while (c < n)
        c *= 2;
    *sel = rt_arena_alloc(arena, sizeof(uint32_t) * c);
    *cap = c;
    return *sel != NULL;
}

qe_status rt_operator_prepare(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx) {
    const plan_op *op = ps->pipe->ops[op_idx];
    const plan_op *in = ps->pipe->ops[op_idx - 1];
    rt_error *err = &ts->err;
    qe_status st = QE_OK;
    switch (op->kind) {
    case PLAN_PHYS_FILTER: {
        filter_state *f = rt_arena_calloc(ts->arena, sizeof *f);
        if (f == NULL)
            return rt_error_nomem(err, ps->task->mem);
        if (op->u.filter.pred == NULL)
            return rt_plan_error(err, "filter without predicate");
        st = rt_expr_prepare(ts->arena, op->u.filter.pred, in->n_cols, in->types, &f->pred, err);
        if (st == QE_OK && rt_expr_type(f->pred) != QE_TYPE_BOOLEAN &&
            rt_expr_type(f->pred) != QE_TYPE_NULL)
            return rt_plan_error(err, "filter predicate of type %s",
                                 rt_type_pg_name(rt_expr_type(f->pred)));
        ts->ops[op_idx] = f;
        return st;
    }
    case PLAN_PHYS_PROJECT: {
        project_state *p = rt_arena_calloc(ts->arena, sizeof *p);
        if (p == NULL ||
            (op->n_cols > 0 &&
             ((p->exprs = rt_arena_calloc(ts->arena, sizeof(rt_expr *) * op->n_cols)) == NULL ||
              (p->out.cols = rt_arena_calloc(ts->arena, sizeof(rt_vector) * op->n_cols)) == NULL)))
            return rt_error_nomem(err, ps->task->mem);
        p->out.n_cols = op->n_cols;
        p->out_types = op->types;
        for (uint32_t c = 0; c < op->n_cols && st == QE_OK; c++) {
            if (op->u.project.exprs[c] == NULL)
                return rt_plan_error(err, "projection without expression");
            st = rt_expr_prepare(ts->arena, op->u.project.exprs[c], in->n_cols, in->types,
                                 &p->exprs[c], err);
            qe_type t = st == QE_OK ? rt_expr_type(p->exprs[c]) : op->types[c];
            if (t != op->types[c] && t != QE_TYPE_NULL)
                return rt_plan_error(err, "projection %u yields %s, the plan says %s", c,
                                     rt_type_pg_name(t), rt_type_pg_name(op->types[c]));
        }
        if (st == QE_OK)
            rt_expr_share(p->exprs, op->n_cols);
        ts->ops[op_idx] = p;
        return st;
    }
    case PLAN_PHYS_LIMIT: {
        limit_state *l = rt_arena_calloc(ts->arena, sizeof *l);
        if (l == NULL)
            return rt_error_nomem(err, ps->task->mem);
        ts->ops[op_idx] = l;
        return QE_OK;
    }
    case PLAN_PHYS_HASH_JOIN_PROBE: return rt_join_probe_prepare(ps, ts, op_idx);
    case PLAN_PHYS_DISTINCT_ON: return rt_distinct_on_prepare(ps, ts, op_idx);
    case PLAN_PHYS_REPLICATE: {
        if (in->n_cols != op->n_cols + 1 || in->types[op->n_cols] != QE_TYPE_BIGINT)
            return rt_plan_error(err, "replicate input must end in a BIGINT count");
        replicate_state *r = rt_arena_calloc(ts->arena, sizeof *r);
        if (r == NULL ||
            (r->sel = rt_arena_alloc(ts->arena, sizeof(uint32_t) * RT_VECTOR_SIZE)) == NULL)
            return rt_error_nomem(err, ps->task->mem);
        ts->ops[op_idx] = r;
        return QE_OK;
    }
    default:
        return rt_plan_error(err, "operator %d cannot appear inside a pipeline", (int)op->kind);
    }
}

static qe_status run_filter(rt_thread_state *ts, filter_state *f, const rt_batch *in,
                            const rt_batch **out) {
    rt_eval_ctx ctx = {ts->morsel_arena, &ts->err};
    if (!ensure_sel(ts->arena, &f->sel, &f->cap, in->n_rows))
        return rt_error_nomem(&ts->err, ts->ps->task->mem);
    uint32_t m;
    qe_status st = rt_expr_select(f->pred, &ctx, in, in->sel, rt_batch_active(in), f->sel, &m);
    if (st != QE_OK)
        return st;
    f->out = *in;
    f->out.sel = f->sel;
    f->out.n_sel = m;
    *out = &f->out;
    return QE_OK;
}

static qe_status run_project(rt_thread_state *ts, project_state *p, const rt_batch *in,
                             const rt_batch **out) {
    rt_eval_ctx ctx = {ts->morsel_arena, &ts->err};
    uint32_t n = rt_batch_active(in);
    for (uint32_t c = 0; c < p->out.n_cols; c++) {
        const rt_vector *v;
        qe_status st = rt_expr_eval(p->exprs[c], &ctx, in, in->sel, n, &v);
        if (st != QE_OK)
            return st;
        p->out.cols[c] = *v;
        /* An untyped NULL takes the column's type: its buffer is wide enough and all
         * its rows are NULL. */
        p->out.cols[c].type = p->out_types[c];
    }
    p->out.n_rows = in->n_rows;
    p->out.sel = in->sel;
    p->out.n_sel = in->n_sel;
    p->out.capacity = in->n_rows;
    *out = &p->out;
    return QE_OK;
}

/* Keeps the rows whose position in the pipeline's row stream is in
 * [offset, offset + limit); marks the pipeline done once the window is passed. */
static qe_status run_limit(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                           limit_state *l, const rt_batch *in, const rt_batch **out) {
    const plan_op *op = ps->pipe->ops[op_idx];
    int64_t n = rt_batch_active(in);
    int64_t lo = op->u.limit.offset > 0 ? op->u.limit.offset : 0;
    int64_t hi = op->u.limit.limit < 0 ? INT64_MAX : lo + op->u.limit.limit;
    int64_t seen = atomic_fetch_add(&ps->limit_seen[op_idx], n);
    if (seen + n >= hi)
        atomic_store(&ps->limit_done, true);
    int64_t from = lo > seen ? lo - seen : 0;
    int64_t to = hi - seen < n ? hi - seen : n;
    l->out = *in;
    *out = &l->out;
    if (from == 0 && to == n)
        return QE_OK;
    if (from >= to) {
        l->out.n_rows = 0; /* nothing of this batch is in the window */
        l->out.sel = NULL;
        return QE_OK;
    }
    if (!ensure_sel(ts->arena, &l->sel, &l->cap, (uint32_t)(to - from)))
        return rt_error_nomem(&ts->err, ps->task->mem);
    for (int64_t k = from; k < to; k++)
        l->sel[k - from] = in->sel ? in->sel[k] : (uint32_t)k;
    l->out.sel = l->sel;
    l->out.n_sel = (uint32_t)(to - from);
    return QE_OK;
}

/* Runs the rest of the pipeline on each input row repeated `count` times (the last
 * column; NULL or <= 0: none), in chunks of RT_VECTOR_SIZE rows. */
static qe_status run_replicate(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                               replicate_state *r, const rt_batch *in) {
    const rt_vector *cnt = &in->cols[in->n_cols - 1];
    const int64_t *counts = cnt->values;
    uint32_t n = rt_batch_active(in), m = 0;
    r->out = *in;
    r->out.n_cols = in->n_cols - 1;
    r->out.sel = r->sel;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t row = in->sel ? in->sel[k] : k;
        int64_t times = rt_vector_is_valid(cnt, row) ? counts[row] : 0;
        for (int64_t t = 0; t < times; t++) {
            r->sel[m++] = row;
            if (m < RT_VECTOR_SIZE)
                continue;
            r->out.n_sel = m;
            m = 0;
            qe_status st = rt_operators_run_from(ps, ts, op_idx + 1, &r->out);
            if (st != QE_OK)
                return st;
            if (atomic_load(&ps->limit_done))
                return QE_OK;
        }
    }
    r->out.n_sel = m;
    return m ? rt_operators_run_from(ps, ts, op_idx + 1, &r->out) : QE_OK;
}

qe_status rt_operators_run(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *morsel) {
    return rt_operators_run_from(ps, ts, 1, morsel);
}

qe_status rt_operators_run_from(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t first_op,
                                const rt_batch *b) {
    uint32_t last = ps->pipe->n_ops - 1;
    for (uint32_t i = first_op; i < last; i++) {
        if (i > 1) /* rows out of op i-1 (the source's: the morsel loop counts them) */
            ts->op_rows[i - 1] += rt_batch_active(b);
        void *state = ts->ops[i];
        qe_status st;
        switch (ps->pipe->ops[i]->kind) {
        case PLAN_PHYS_FILTER: st = run_filter(ts, state, b, &b); break;
        case PLAN_PHYS_PROJECT: st = run_project(ts, state, b, &b); break;
        case PLAN_PHYS_LIMIT: st = run_limit(ps, ts, i, state, b, &b); break;
        case PLAN_PHYS_HASH_JOIN_PROBE: return rt_join_probe_run(ps, ts, i, b);
        case PLAN_PHYS_REPLICATE: return run_replicate(ps, ts, i, state, b);
        case PLAN_PHYS_DISTINCT_ON: return rt_distinct_on_run(ps, ts, i, b);
        default: st = rt_plan_error(&ts->err, "unexpected operator in a pipeline"); break;
        }
        if (st != QE_OK)
            return st;
        if (rt_batch_active(b) == 0)
            return QE_OK;
    }
    return rt_sink_push(ps, ts, b);
}
