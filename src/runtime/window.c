/*
 * window.c -- WINDOW_SINK (collects rows, computes window functions) and WINDOW_SOURCE
 * (emits the rows with the functions' results).
 *
 * Each thread copies its input rows into a run (an rt_rowbuf).  At the pipeline end,
 * for each function, the rows are sorted (stable merge sort of sort.c) by the
 * function's PARTITION BY keys, its ORDER BY keys, then every input column (ties never
 * depend on the order rows arrived in, so neither do results); each partition is
 * walked in that order: peers (rows equal on the ORDER BY keys; the whole partition
 * without ORDER BY) give rank/dense_rank/percent_rank/cume_dist and the RANGE frame
 * bounds, frames give first/last/nth_value and the aggregates.  An aggregate's state
 * is kept while the frame only grows at its end (running sums: linear); sliding
 * frames take rows out of exact states (counts, integer/DECIMAL/INTERVAL sums),
 * MIN/MAX keep a monotonic queue of candidates (frames only move forward), the rest
 * (DOUBLE sums) is recomputed over the frame.  Results go into one vector per function
 * beside each input batch; the source emits every input batch (its first n_pass
 * columns) with those vectors.
 * Semantics are PostgreSQL's (NULL ordering, frames, offsets, error SQLSTATEs).
 */
#include "rt_int.h"

#include <math.h>
#include <string.h>

/* X(name, sql) -- the window functions the runtime computes. */
#define WIN_FN_LIST(X)                                                                             \
    X(ROW_NUMBER, "row_number")                                                                    \
    X(RANK, "rank")                                                                                \
    X(DENSE_RANK, "dense_rank")                                                                    \
    X(PERCENT_RANK, "percent_rank")                                                                \
    X(CUME_DIST, "cume_dist")                                                                      \
    X(NTILE, "ntile")                                                                              \
    X(LAG, "lag")                                                                                  \
    X(LEAD, "lead")                                                                                \
    X(FIRST_VALUE, "first_value")                                                                  \
    X(LAST_VALUE, "last_value")                                                                    \
    X(NTH_VALUE, "nth_value")                                                                      \
    X(COUNT_STAR, "count_star")                                                                    \
    X(COUNT, "count")                                                                              \
    X(SUM, "sum")                                                                                  \
    X(MIN, "min")                                                                                  \
    X(MAX, "max")                                                                                  \
    X(AVG, "avg")                                                                                  \
    X(BOOL_AND, "bool_and")                                                                        \
    X(BOOL_OR, "bool_or")                                                                          \
    X(EVERY, "every")

typedef enum win_fn {
#define WIN_X_ENUM(name, sql) WIN_##name,
    WIN_FN_LIST(WIN_X_ENUM)
#undef WIN_X_ENUM
        WIN_N_FNS
} win_fn;

static const char *const win_fn_names[] = {
#define WIN_X_NAME(name, sql) sql,
    WIN_FN_LIST(WIN_X_NAME)
#undef WIN_X_NAME
};

/* The stage state: every row with the functions' results. */
typedef struct win_result {
    rt_mem_tracker *mem;
    rt_runs in;      /* every thread's input rows */
    uint32_t n_in;   /* columns of the input rows */
    rt_arena *arena; /* output batches and result vectors */
    rt_batch **out;  /* n_batches output batches (in arena) */
} win_result;

/* An ORDER BY key value or a RANGE bound: integers and DECIMALs (scaled) as h, DATE and
 * TIMESTAMP as microseconds in h, REAL/DOUBLE as d; inf -1/+1: below/above every
 * value (a bound that overflowed). */
typedef struct win_key {
    rt_i128 h;
    double d;
    int inf;
    rt_interval iv; /* an offset for DATE/TIMESTAMP keys */
} win_key;

/* One function being computed. */
typedef struct win_calc {
    const plan_window_func *f;
    win_fn fn;
    const rt_task *task; /* checked for cancellation every RT_VECTOR_SIZE rows */
    uint32_t col;        /* result column in the output batches */
    uint32_t arg[3];     /* input columns of the arguments */
    int arg_scale;       /* DECIMAL scale of args[0] */
    int64_t start_off;   /* ROWS frame offsets (evaluated) */
    int64_t end_off;
    win_key start_key; /* RANGE frame offsets, in the ORDER BY key's units */
    win_key end_key;
    uint64_t nn_lo; /* RANGE offsets: the partition's rows with a non-NULL key */
    uint64_t nn_hi;
    uint32_t n_keys;     /* partition keys then order keys */
    plan_sort_key *keys; /* sort directions */
    uint32_t *cols;      /* their columns */
    uint64_t *refs;      /* the rows in (partition, order) order */
    uint64_t *peer_lo;   /* per sorted position: first and end of its peer group */
    uint64_t *peer_hi;
    uint64_t *dq; /* MIN/MAX: positions of the frame's candidate extremes, in
                     position order, values strictly improving towards the front */
} win_calc;

/* An aggregate's running state over frame positions [lo, hi). */
typedef struct win_agg {
    uint64_t lo, hi; /* the frame aggregated so far (hi == 0 with lo == 0: none) */
    bool valid;      /* lo/hi mean something */
    int64_t n;       /* rows counted */
    int64_t i;       /* integer SUM */
    double d;        /* REAL/DOUBLE SUM, AVG of non-DECIMALs */
    rt_i128 h;       /* DECIMAL/HUGEINT SUM and AVG; integer AVG */
    rt_interval iv;  /* INTERVAL SUM/AVG */
    uint64_t best;   /* MIN/MAX: the ref of the best row so far */
    uint64_t head;   /* MIN/MAX: the live part [head, tail) of win_calc.dq */
    uint64_t tail;
} win_agg;

static void win_result_destroy(void *p) {
    win_result *res = p;
    rt_runs_free(&res->in, res->mem);
    rt_arena_destroy(res->arena);
    rt_free(res->mem, res, sizeof *res);
}

/* ---- WINDOW_SINK: set-up and collection ------------------------------------------------ */

static int win_fn_of(const char *name) {
    for (int i = 0; i < WIN_N_FNS; i++)
        if (name && strcmp(name, win_fn_names[i]) == 0)
            return i;
    return -1;
}

static bool is_column(const plan_expr *e, uint32_t n) {
    return e != NULL && e->kind == PLAN_EXPR_COLUMN && e->u.column < n;
}

/* Validates the plan: columns in range, known functions. */
static qe_status window_sink_init(rt_pipeline_state *ps, rt_error *err) {
    const plan_op *op = ps->sink;
    if (op->state_id >= ps->stage->n_states)
        return rt_plan_error(err, "window state %u does not exist", op->state_id);
    for (uint32_t f = 0; f < op->u.window.n_funcs; f++) {
        const plan_window_func *w = &op->u.window.funcs[f];
        if (win_fn_of(w->name) < 0)
            return rt_error_set(err, QE_UNSUPPORTED, "0A000", -1,
                                "window function %s is not supported by the executor yet",
                                w->name ? w->name : "?");
        bool ok = w->n_args <= 3;
        for (uint32_t a = 0; ok && a < w->n_args; a++)
            ok = is_column(w->args[a], ps->n_sink_in);
        for (uint32_t k = 0; ok && k < w->n_partition; k++)
            ok = is_column(w->partition[k], ps->n_sink_in);
        for (uint32_t k = 0; ok && k < w->n_order; k++)
            ok = is_column(w->order[k].expr, ps->n_sink_in);
        if (!ok)
            return rt_plan_error(err, "window function %u refers to a missing column", f);
    }
    if (op->u.window.n_pass > ps->n_sink_in)
        return rt_plan_error(err, "window passes more columns than it has");
    return QE_OK;
}

static qe_status window_thread_init(rt_pipeline_state *ps, rt_thread_state *ts) {
    rt_rowbuf *r = rt_arena_calloc(ts->arena, sizeof *r);
    if (r == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    rt_rowbuf_init(r, ps->task->mem, ps->n_sink_in, ps->sink_in_types);
    ts->sink = r;
    return QE_OK;
}

static qe_status window_push(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *b) {
    return rt_rowbuf_append(ts->sink, b) ? QE_OK : rt_error_nomem(&ts->err, ps->task->mem);
}

/* Output batches: the first n_pass input columns (shared) and empty result vectors. */
static qe_status make_outputs(rt_pipeline_state *ps, win_result *res, rt_error *err) {
    const plan_op *op = ps->sink;
    uint32_t n_pass = op->u.window.n_pass, n_funcs = op->u.window.n_funcs;
    qe_type *types = rt_arena_alloc(res->arena, sizeof(qe_type) * (n_funcs ? n_funcs : 1));
    res->out = rt_arena_calloc(res->arena, sizeof(rt_batch *) * (res->in.n_batches + 1));
    if (types == NULL || res->out == NULL)
        return rt_error_nomem(err, res->mem);
    for (uint32_t f = 0; f < n_funcs; f++)
        types[f] = op->u.window.funcs[f].type;
    for (uint32_t b = 0; b < res->in.n_batches; b++) {
        const rt_batch *in = res->in.batches[b];
        rt_batch *fr = rt_batch_create(res->arena, n_funcs, types, in->n_rows ? in->n_rows : 1);
        rt_batch *o = rt_arena_calloc(res->arena, sizeof *o);
        rt_vector *cols = rt_arena_alloc(res->arena, sizeof(rt_vector) * (n_pass + n_funcs + 1));
        if (fr == NULL || o == NULL || cols == NULL)
            return rt_error_nomem(err, res->mem);
        memcpy(cols, in->cols, sizeof(rt_vector) * n_pass);
        memcpy(cols + n_pass, fr->cols, sizeof(rt_vector) * n_funcs);
        *o = (rt_batch){.n_rows = in->n_rows,
                        .n_cols = n_pass + n_funcs,
                        .cols = cols,
                        .capacity = fr->capacity};
        res->out[b] = o;
    }
    return QE_OK;
}

/* ---- helpers over sorted rows ---------------------------------------------------------- */

static const rt_vector *vec_at(const win_result *res, uint64_t ref, uint32_t col) {
    return &res->in.batches[ref >> 32]->cols[col];
}

static void value_at(const win_result *res, uint64_t ref, uint32_t col, rt_value *out) {
    rt_vector_get_value(vec_at(res, ref, col), (uint32_t)ref, out);
}

/* True if rows x and y are equal on columns cols[first..first+n) (NULLs equal). */
static bool rows_equal(const win_result *res, uint64_t x, uint64_t y, const uint32_t *cols,
                       uint32_t n) {
    for (uint32_t k = 0; k < n; k++) {
        const rt_vector *vx = vec_at(res, x, cols[k]), *vy = vec_at(res, y, cols[k]);
        bool nx = vx->type == QE_TYPE_NULL || !rt_vector_is_valid(vx, (uint32_t)x);
        bool ny = vy->type == QE_TYPE_NULL || !rt_vector_is_valid(vy, (uint32_t)y);
        if (nx || ny) {
            if (nx != ny)
                return false;
            continue;
        }
        if (rt_sort_cmp_values(vx, (uint32_t)x, vy, (uint32_t)y) != 0)
            return false;
    }
    return true;
}

/* Stores val (of the function's type) as the function's result for row ref. */
static qe_status put_result(win_result *res, const win_calc *c, uint64_t ref, const rt_value *val,
                            rt_error *err) {
    rt_batch *o = res->out[ref >> 32];
    rt_value v = *val;
    v.type = c->f->type;
    if (!rt_vector_set_value(&o->cols[c->col], res->arena, (uint32_t)ref, o->capacity, &v))
        return rt_error_nomem(err, res->mem);
    return QE_OK;
}

static qe_status put_null(win_result *res, const win_calc *c, uint64_t ref, rt_error *err) {
    rt_value v = {.type = c->f->type, .is_null = true};
    return put_result(res, c, ref, &v, err);
}

/* Stores the value of column col at row src (a DECIMAL rescaled to the result's scale). */
static qe_status put_copy(win_result *res, const win_calc *c, uint64_t ref, uint64_t src,
                          uint32_t col, int scale, rt_error *err) {
    rt_value v;
    value_at(res, src, col, &v);
    if (!v.is_null && v.type == QE_TYPE_DECIMAL && c->f->type == QE_TYPE_DECIMAL &&
        PLAN_DECIMAL_SCALE(c->f->typmod) != scale) {
        rt_value o;
        qe_status st = rt_value_cast_mod(&v, PLAN_TYPMOD_DECIMAL(38, scale), QE_TYPE_DECIMAL,
                                         c->f->typmod, &o, res->arena, err, -1);
        if (st != QE_OK)
            return st;
        v = o;
    }
    return put_result(res, c, ref, &v, err);
}

/* ---- frames ---------------------------------------------------------------------------- */

/* Evaluates a ROWS frame offset: a non-negative BIGINT (22004 NULL, 22013 negative). */
static qe_status eval_offset(win_result *res, const plan_expr *e, const char *which, int64_t *out,
                             rt_error *err) {
    *out = 0;
    if (e == NULL)
        return QE_OK;
    rt_value v, b;
    qe_status st = rt_eval_const(res->arena, e, &v, err);
    if (st != QE_OK)
        return st;
    if (v.is_null)
        return rt_error_set(err, QE_DATA, "22004", e->position, "frame %s offset must not be null",
                            which);
    if ((st = rt_value_cast_mod(&v, e->typmod, QE_TYPE_BIGINT, 0, &b, res->arena, err,
                                e->position)) != QE_OK)
        return st;
    if (b.u.i < 0)
        return rt_error_set(err, QE_DATA, "22013", e->position,
                            "frame %s offset must not be negative", which);
    *out = b.u.i;
    return QE_OK;
}

/* The ORDER BY key of RANGE frames with offsets: its value at row ref. */
static win_key key_at(const win_result *res, const win_calc *c, uint64_t ref) {
    rt_value v;
    value_at(res, ref, c->cols[c->f->n_partition], &v);
    win_key k = {0};
    switch (v.type) {
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: k.d = v.u.d; break;
    case QE_TYPE_DECIMAL:
    case QE_TYPE_HUGEINT: k.h = v.u.h; break;
    case QE_TYPE_DATE: k.h = (rt_i128)v.u.i * 86400000000LL; break;
    default: k.h = v.u.i; break;
    }
    return k;
}

/* Key k moved by offset o: sign +1 adds, -1 subtracts (saturating to inf). */
static win_key key_move(qe_type t, win_key k, const win_key *o, int sign) {
    if (t == QE_TYPE_REAL || t == QE_TYPE_DOUBLE) {
        k.d = sign > 0 ? k.d + o->d : k.d - o->d;
    } else if (t == QE_TYPE_DATE || t == QE_TYPE_TIMESTAMP) {
        int64_t out;
        if (!rt_timestamp_add_interval((int64_t)k.h, &o->iv, sign, &out))
            k.inf = sign;
        k.h = out;
    } else if (sign > 0 ? __builtin_add_overflow(k.h, o->h, &k.h)
                        : __builtin_sub_overflow(k.h, o->h, &k.h)) {
        k.inf = sign;
    }
    return k;
}

/* Compares key a with bound b in sort direction (descending flips). */
static int key_cmp(qe_type t, const win_key *a, const win_key *b, bool desc) {
    int r;
    if (b->inf)
        r = -b->inf;
    else if (t == QE_TYPE_REAL || t == QE_TYPE_DOUBLE)
        r = isnan(a->d) || isnan(b->d) ? isnan(a->d) - isnan(b->d) : (a->d > b->d) - (a->d < b->d);
    else
        r = (a->h > b->h) - (a->h < b->h);
    return desc ? -r : r;
}

/* First position j of the partition's non-NULL keys whose key is at or after (strict:
 * after) bound in sort order; nn_hi if none. */
static uint64_t key_search(const win_result *res, const win_calc *c, const win_key *bound,
                           bool strict) {
    const plan_sort_key *key = &c->keys[c->f->n_partition];
    qe_type t = vec_at(res, c->refs[c->nn_lo], c->cols[c->f->n_partition])->type;
    uint64_t lo = c->nn_lo, hi = c->nn_hi;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        win_key k = key_at(res, c, c->refs[mid]);
        int r = key_cmp(t, &k, bound, key->descending);
        if (strict ? r > 0 : r >= 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* A RANGE bound with an offset at position i: start (first row in range) or end (one
 * past the last).  NULL keys: the NULL peers. */
static uint64_t range_bound(const win_result *res, const win_calc *c, uint64_t i,
                            plan_frame_bound b, bool start) {
    const rt_vector *v = vec_at(res, c->refs[i], c->cols[c->f->n_partition]);
    if (v->type == QE_TYPE_NULL || !rt_vector_is_valid(v, (uint32_t)c->refs[i]))
        return start ? c->peer_lo[i] : c->peer_hi[i];
    bool desc = c->keys[c->f->n_partition].descending;
    int dir = (b == PLAN_FRAME_FOLLOWING ? 1 : -1) * (desc ? -1 : 1);
    win_key k = key_at(res, c, c->refs[i]);
    win_key bound = key_move(v->type, k, start ? &c->start_key : &c->end_key, dir);
    return key_search(res, c, &bound, !start);
}

/* Evaluates a RANGE offset for an ORDER BY key of type t (typmod tm) into *out:
 * 22004 NULL, 22013 negative, 0A000 for key types without offsets. */
static qe_status eval_range_offset(win_result *res, const plan_expr *e, qe_type t, int32_t tm,
                                   const char *which, win_key *out, rt_error *err) {
    *out = (win_key){0};
    if (e == NULL)
        return QE_OK;
    rt_value v, o;
    qe_status st = rt_eval_const(res->arena, e, &v, err);
    if (st != QE_OK)
        return st;
    if (v.is_null)
        return rt_error_set(err, QE_DATA, "22004", e->position, "frame %s offset must not be null",
                            which);
    bool time = t == QE_TYPE_DATE || t == QE_TYPE_TIMESTAMP;
    bool numeric = rt_type_is_numeric(t) || t == QE_TYPE_DECIMAL || t == QE_TYPE_HUGEINT;
    if ((!time && !numeric) || (time != (v.type == QE_TYPE_INTERVAL)))
        return rt_error_set(err, QE_UNSUPPORTED, "0A000", e->position,
                            "RANGE with offset PRECEDING/FOLLOWING is not supported for column "
                            "type %s and offset type %s",
                            rt_type_pg_name(t), rt_type_pg_name(v.type));
    if (time) {
        out->iv = (rt_interval){v.u.iv.months, v.u.iv.days, v.u.iv.micros};
        rt_interval zero = {0, 0, 0};
        if (rt_interval_cmp(&out->iv, &zero) < 0)
            goto negative;
        return QE_OK;
    }
    qe_type to = t == QE_TYPE_REAL ? QE_TYPE_DOUBLE : rt_type_is_integer(t) ? QE_TYPE_BIGINT : t;
    if ((st = rt_value_cast_mod(&v, e->typmod, to, to == QE_TYPE_DECIMAL ? tm : 0, &o, res->arena,
                                err, e->position)) != QE_OK)
        return st;
    if (to == QE_TYPE_DOUBLE)
        out->d = o.u.d;
    else if (to == QE_TYPE_BIGINT)
        out->h = o.u.i;
    else
        out->h = o.u.h;
    if (out->d < 0 || out->h < 0)
        goto negative;
    return QE_OK;
negative:
    return rt_error_set(err, QE_DATA, "22013", e->position,
                        "invalid preceding or following size in window function");
}

/* The frame [*lo, *hi) of sorted position i in partition [ps, pe). */
static void frame_of(const win_result *res, const win_calc *c, uint64_t ps, uint64_t pe, uint64_t i,
                     uint64_t *lo, uint64_t *hi) {
    const plan_frame *fr = &c->f->frame;
    int64_t s = (int64_t)ps, e = (int64_t)pe;
    if (!fr->rows && fr->start_offset) {
        *lo = range_bound(res, c, i, fr->start, true);
        s = (int64_t)*lo;
    }
    if (!fr->rows && fr->end_offset) {
        *hi = range_bound(res, c, i, fr->end, false);
        e = (int64_t)*hi;
    }
    switch (fr->start) {
    case PLAN_FRAME_UNBOUNDED_PRECEDING: s = (int64_t)ps; break;
    case PLAN_FRAME_PRECEDING:
        if (fr->rows)
            s = (int64_t)i - c->start_off;
        break;
    case PLAN_FRAME_CURRENT_ROW: s = fr->rows ? (int64_t)i : (int64_t)c->peer_lo[i]; break;
    case PLAN_FRAME_FOLLOWING:
        if (fr->rows)
            s = c->start_off > (int64_t)(pe - i) ? (int64_t)pe : (int64_t)i + c->start_off;
        break;
    default: s = (int64_t)pe; break;
    }
    switch (fr->end) {
    case PLAN_FRAME_PRECEDING:
        if (fr->rows)
            e = (int64_t)i - c->end_off + 1;
        break;
    case PLAN_FRAME_CURRENT_ROW: e = fr->rows ? (int64_t)i + 1 : (int64_t)c->peer_hi[i]; break;
    case PLAN_FRAME_FOLLOWING:
        if (fr->rows)
            e = c->end_off >= (int64_t)(pe - i) ? (int64_t)pe : (int64_t)i + c->end_off + 1;
        break;
    default: e = (int64_t)pe; break;
    }
    if (s < (int64_t)ps)
        s = (int64_t)ps;
    if (e > (int64_t)pe)
        e = (int64_t)pe;
    if (e < s)
        e = s;
    *lo = (uint64_t)s;
    *hi = (uint64_t)e;
}

/* ---- aggregates ------------------------------------------------------------------------ */

static qe_status agg_add(const win_result *res, const win_calc *c, win_agg *a, uint64_t ref,
                         rt_error *err) {
    if (c->fn == WIN_COUNT_STAR) {
        a->n++;
        return QE_OK;
    }
    rt_value v;
    value_at(res, ref, c->arg[0], &v);
    if (v.is_null)
        return QE_OK;
    if (c->fn == WIN_MIN || c->fn == WIN_MAX) {
        if (a->n > 0) {
            const rt_vector *vb = vec_at(res, a->best, c->arg[0]);
            int r = rt_sort_cmp_values(vec_at(res, ref, c->arg[0]), (uint32_t)ref, vb,
                                       (uint32_t)a->best);
            if ((c->fn == WIN_MIN && r < 0) || (c->fn == WIN_MAX && r > 0))
                a->best = ref;
        } else {
            a->best = ref;
        }
        a->n++;
        return QE_OK;
    }
    a->n++;
    if (c->fn == WIN_COUNT)
        return QE_OK;
    if (v.type == QE_TYPE_BOOLEAN) { /* BOOL_AND/BOOL_OR/EVERY: count the TRUEs */
        a->i += v.u.b;
        return QE_OK;
    }
    switch (v.type) {
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT:
        if (c->fn == WIN_AVG)
            a->h += v.u.i;
        else if (__builtin_add_overflow(a->i, v.u.i, &a->i))
            return rt_error_set(err, QE_DATA, "22003", -1, "bigint out of range");
        return QE_OK;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: a->d += v.u.d; return QE_OK;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
        if (__builtin_add_overflow(a->h, v.u.h, &a->h))
            return rt_error_set(err, QE_DATA, "22003", -1, "numeric field overflow");
        return QE_OK;
    case QE_TYPE_INTERVAL: {
        rt_interval x = {v.u.iv.months, v.u.iv.days, v.u.iv.micros};
        if (!rt_interval_add(&a->iv, &x, &a->iv))
            return rt_error_set(err, QE_DATA, "22008", -1, "interval out of range");
        return QE_OK;
    }
    default:
        return rt_error_set(err, QE_UNSUPPORTED, "0A000", -1,
                            "window %s over type %s is not supported by the executor yet",
                            c->f->name, rt_type_pg_name(v.type));
    }
}

/* Takes row ref out of the state (inverse of agg_add; only for agg_invertible). */
static qe_status agg_remove(const win_result *res, const win_calc *c, win_agg *a, uint64_t ref,
                            rt_error *err) {
    if (c->fn == WIN_COUNT_STAR) {
        a->n--;
        return QE_OK;
    }
    rt_value v;
    value_at(res, ref, c->arg[0], &v);
    if (v.is_null)
        return QE_OK;
    a->n--;
    if (c->fn == WIN_COUNT)
        return QE_OK;
    if (v.type == QE_TYPE_BOOLEAN) {
        a->i -= v.u.b;
        return QE_OK;
    }
    switch (v.type) {
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT:
        if (c->fn == WIN_AVG)
            a->h -= v.u.i;
        else if (__builtin_sub_overflow(a->i, v.u.i, &a->i))
            return rt_error_set(err, QE_DATA, "22003", -1, "bigint out of range");
        return QE_OK;
    case QE_TYPE_INTERVAL: {
        rt_interval x = {-v.u.iv.months, -v.u.iv.days, -v.u.iv.micros};
        if (!rt_interval_add(&a->iv, &x, &a->iv))
            return rt_error_set(err, QE_DATA, "22008", -1, "interval out of range");
        return QE_OK;
    }
    default:
        if (__builtin_sub_overflow(a->h, v.u.h, &a->h))
            return rt_error_set(err, QE_DATA, "22003", -1, "numeric field overflow");
        return QE_OK;
    }
}

/* True if rows can be taken out of the function's state exactly (counts, and SUM/AVG
 * of integers, DECIMAL, HUGEINT, INTERVAL): sliding frames then cost O(1) a row. */
static bool agg_invertible(const win_calc *c) {
    if (c->fn == WIN_COUNT || c->fn == WIN_COUNT_STAR || c->fn >= WIN_BOOL_AND)
        return true;
    if ((c->fn != WIN_SUM && c->fn != WIN_AVG) || c->f->n_args == 0)
        return false;
    qe_type t = c->f->args[0]->type;
    return rt_type_is_integer(t) || t == QE_TYPE_DECIMAL || t == QE_TYPE_HUGEINT ||
           t == QE_TYPE_INTERVAL;
}

/* The aggregate's value over the state (NULL when no row counted, but COUNT). */
static qe_status agg_put(win_result *res, const win_calc *c, const win_agg *a, uint64_t ref,
                         rt_error *err) {
    rt_value v = {.type = c->f->type};
    if (c->fn == WIN_COUNT || c->fn == WIN_COUNT_STAR) {
        v.u.i = a->n;
        return put_result(res, c, ref, &v, err);
    }
    if (a->n == 0)
        return put_null(res, c, ref, err);
    if (c->fn == WIN_MIN || c->fn == WIN_MAX)
        return put_copy(res, c, ref, a->best, c->arg[0], c->arg_scale, err);
    if (c->fn >= WIN_BOOL_AND) {
        v.u.b = c->fn == WIN_BOOL_OR ? a->i > 0 : a->i == a->n;
        return put_result(res, c, ref, &v, err);
    }
    qe_type in = vec_at(res, ref, c->arg[0])->type;
    if (c->fn == WIN_AVG) {
        if (in == QE_TYPE_INTERVAL) {
            rt_interval r;
            if (!rt_interval_scale(&a->iv, 1.0 / (double)a->n, &r))
                return rt_error_set(err, QE_DATA, "22008", -1, "interval out of range");
            v.u.iv.months = r.months, v.u.iv.days = r.days, v.u.iv.micros = r.micros;
        } else if (in == QE_TYPE_REAL || in == QE_TYPE_DOUBLE) {
            v.u.d = a->d / (double)a->n;
        } else {
            int scale = in == QE_TYPE_DECIMAL ? c->arg_scale : 0;
            v.u.d = rt_decimal_to_double(a->h, scale) / (double)a->n;
        }
        return put_result(res, c, ref, &v, err);
    }
    switch (in) {
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT: v.u.i = a->i; break;
    case QE_TYPE_REAL: v.u.d = (float)a->d; break;
    case QE_TYPE_DOUBLE: v.u.d = a->d; break;
    case QE_TYPE_INTERVAL:
        v.u.iv.months = a->iv.months, v.u.iv.days = a->iv.days, v.u.iv.micros = a->iv.micros;
        break;
    default: v.u.h = a->h; break;
    }
    if (in == QE_TYPE_DECIMAL && PLAN_DECIMAL_SCALE(c->f->typmod) != c->arg_scale) {
        rt_value o, d = v;
        qe_status st = rt_value_cast_mod(&d, PLAN_TYPMOD_DECIMAL(38, c->arg_scale), QE_TYPE_DECIMAL,
                                         c->f->typmod, &o, res->arena, err, -1);
        if (st != QE_OK)
            return st;
        v = o;
    }
    return put_result(res, c, ref, &v, err);
}

/* MIN/MAX over frame [lo, hi) with a monotonic queue: frames only move forward, so
 * each row enters and leaves once (sliding extremes in O(1) amortized per row). */
static void minmax_frame(const win_result *res, const win_calc *c, win_agg *a, uint64_t lo,
                         uint64_t hi) {
    uint64_t from = lo;
    if (a->valid && a->lo <= lo && a->hi <= hi)
        from = a->hi > lo ? a->hi : lo;
    else
        *a = (win_agg){0};
    uint32_t col = c->arg[0];
    for (uint64_t j = from; j < hi; j++) {
        const rt_vector *v = vec_at(res, c->refs[j], col);
        uint32_t r = (uint32_t)c->refs[j];
        if (v->type == QE_TYPE_NULL || !rt_vector_is_valid(v, r))
            continue;
        while (a->tail > a->head) {
            uint64_t back = c->refs[c->dq[a->tail - 1]];
            int cmp = rt_sort_cmp_values(v, r, vec_at(res, back, col), (uint32_t)back);
            if (c->fn == WIN_MIN ? cmp > 0 : cmp < 0)
                break;
            a->tail--;
        }
        c->dq[a->tail++] = j;
    }
    while (a->head < a->tail && c->dq[a->head] < lo)
        a->head++;
    a->n = (int64_t)(a->tail - a->head);
    a->best = a->n ? c->refs[c->dq[a->head]] : 0;
    a->valid = true;
    a->lo = lo;
    a->hi = hi;
}

/* Aggregates frame [lo, hi) into a (incrementally when the frame only grew at its end). */
static qe_status agg_frame(const win_result *res, const win_calc *c, win_agg *a, uint64_t lo,
                           uint64_t hi, rt_error *err) {
    if (c->dq != NULL) {
        minmax_frame(res, c, a, lo, hi);
        return QE_OK;
    }
    uint64_t from = lo;
    if (a->valid && a->lo == lo && a->hi <= hi) {
        from = a->hi;
    } else if (a->valid && a->lo <= lo && lo <= a->hi && a->hi <= hi && agg_invertible(c)) {
        for (uint64_t j = a->lo; j < lo; j++) {
            qe_status st = agg_remove(res, c, a, c->refs[j], err);
            if (st != QE_OK)
                return st;
        }
        from = a->hi;
    } else {
        *a = (win_agg){0};
    }
    for (uint64_t j = from; j < hi; j++) {
        qe_status st = agg_add(res, c, a, c->refs[j], err);
        if (st != QE_OK)
            return st;
    }
    a->valid = true;
    a->lo = lo;
    a->hi = hi;
    return QE_OK;
}

/* ---- the functions over one partition ---------------------------------------------------- */

/* The INTEGER argument `a` at row ref: *null when NULL. */
static int64_t int_arg(const win_result *res, const win_calc *c, uint32_t a, uint64_t ref,
                       bool *null) {
    rt_value v;
    value_at(res, ref, c->arg[a], &v);
    *null = v.is_null;
    return v.is_null ? 0 : v.u.i;
}

/* ntile(k): the bucket of the j-th row (0-based) of a partition of n rows. */
static int64_t ntile_bucket(uint64_t j, uint64_t n, int64_t k) {
    uint64_t q = n / (uint64_t)k, r = n % (uint64_t)k;
    if (j < r * (q + 1))
        return (int64_t)(j / (q + 1)) + 1;
    return (int64_t)(r + (j - r * (q + 1)) / q) + 1;
}

static qe_status lag_lead(win_result *res, const win_calc *c, uint64_t ps, uint64_t pe, uint64_t i,
                          rt_error *err) {
    uint64_t ref = c->refs[i];
    int64_t off = 1;
    bool null = false;
    if (c->f->n_args > 1)
        off = int_arg(res, c, 1, ref, &null);
    if (null)
        return put_null(res, c, ref, err);
    int64_t j = c->fn == WIN_LAG ? (int64_t)i - off : (int64_t)i + off;
    if (j >= (int64_t)ps && j < (int64_t)pe)
        return put_copy(res, c, ref, c->refs[j], c->arg[0], c->arg_scale, err);
    if (c->f->n_args > 2)
        return put_copy(res, c, ref, ref, c->arg[2], c->arg_scale, err);
    return put_null(res, c, ref, err);
}

/* A ranking or navigation function at sorted position i. */
static qe_status rank_like(win_result *res, const win_calc *c, uint64_t ps, uint64_t pe, uint64_t i,
                           int64_t dense, rt_error *err) {
    uint64_t ref = c->refs[i], n = pe - ps;
    rt_value v = {.type = c->f->type};
    bool null = false;
    switch (c->fn) {
    case WIN_ROW_NUMBER: v.u.i = (int64_t)(i - ps + 1); break;
    case WIN_RANK: v.u.i = (int64_t)(c->peer_lo[i] - ps + 1); break;
    case WIN_DENSE_RANK: v.u.i = dense; break;
    case WIN_PERCENT_RANK:
        v.u.d = n > 1 ? (double)(c->peer_lo[i] - ps) / (double)(n - 1) : 0.0;
        break;
    case WIN_CUME_DIST: v.u.d = (double)(c->peer_hi[i] - ps) / (double)n; break;
    case WIN_NTILE: {
        int64_t k = int_arg(res, c, 0, ref, &null);
        if (null)
            return put_null(res, c, ref, err);
        if (k <= 0)
            return rt_error_set(err, QE_DATA, "22014", c->f->args[0]->position,
                                "argument of ntile must be greater than zero");
        v.u.i = ntile_bucket(i - ps, n, k);
        break;
    }
    default: return lag_lead(res, c, ps, pe, i, err);
    }
    return put_result(res, c, ref, &v, err);
}

/* A frame function (values, aggregates) at sorted position i. */
static qe_status framed(win_result *res, const win_calc *c, win_agg *a, uint64_t ps, uint64_t pe,
                        uint64_t i, rt_error *err) {
    uint64_t lo, hi, ref = c->refs[i];
    frame_of(res, c, ps, pe, i, &lo, &hi);
    switch (c->fn) {
    case WIN_FIRST_VALUE:
        return lo < hi ? put_copy(res, c, ref, c->refs[lo], c->arg[0], c->arg_scale, err)
                       : put_null(res, c, ref, err);
    case WIN_LAST_VALUE:
        return lo < hi ? put_copy(res, c, ref, c->refs[hi - 1], c->arg[0], c->arg_scale, err)
                       : put_null(res, c, ref, err);
    case WIN_NTH_VALUE: {
        bool null;
        int64_t k = int_arg(res, c, 1, ref, &null);
        if (null)
            return put_null(res, c, ref, err);
        if (k <= 0)
            return rt_error_set(err, QE_DATA, "22016", c->f->args[1]->position,
                                "argument of nth_value must be greater than zero");
        return (uint64_t)k <= hi - lo ? put_copy(res, c, ref, c->refs[lo + (uint64_t)k - 1],
                                                 c->arg[0], c->arg_scale, err)
                                      : put_null(res, c, ref, err);
    }
    default: {
        qe_status st = agg_frame(res, c, a, lo, hi, err);
        return st != QE_OK ? st : agg_put(res, c, a, ref, err);
    }
    }
}

/* Peer groups of the partition [ps, pe), then the function for each row. */
static qe_status do_partition(win_result *res, win_calc *c, uint64_t ps, uint64_t pe,
                              rt_error *err) {
    uint32_t np = c->f->n_partition, no = c->f->n_order;
    for (uint64_t i = ps; i < pe; i++)
        c->peer_lo[i] = i > ps && rows_equal(res, c->refs[i - 1], c->refs[i], c->cols + np, no)
                            ? c->peer_lo[i - 1]
                            : i;
    for (uint64_t i = pe; i-- > ps;)
        c->peer_hi[i] =
            i + 1 < pe && c->peer_lo[i + 1] == c->peer_lo[i] ? c->peer_hi[i + 1] : i + 1;
    if (!c->f->frame.rows && c->f->n_order == 1) { /* RANGE offsets: the non-NULL keys */
        uint32_t col = c->cols[np];
        c->nn_lo = ps;
        c->nn_hi = pe;
        while (c->nn_lo < pe && !rt_vector_is_valid(vec_at(res, c->refs[c->nn_lo], col),
                                                    (uint32_t)c->refs[c->nn_lo]))
            c->nn_lo++;
        while (c->nn_hi > c->nn_lo && !rt_vector_is_valid(vec_at(res, c->refs[c->nn_hi - 1], col),
                                                          (uint32_t)c->refs[c->nn_hi - 1]))
            c->nn_hi--;
    }
    win_agg a = {0};
    int64_t dense = 0;
    for (uint64_t i = ps; i < pe; i++) {
        if (c->peer_lo[i] == i)
            dense++;
        qe_status st = c->fn <= WIN_LEAD ? rank_like(res, c, ps, pe, i, dense, err)
                                         : framed(res, c, &a, ps, pe, i, err);
        if (st != QE_OK)
            return st;
        if ((i - ps) % RT_VECTOR_SIZE == RT_VECTOR_SIZE - 1 && rt_task_cancelled(c->task, err))
            return err->status;
    }
    return QE_OK;
}

/* Sets up c for function f (result column col) of the sink. */
static qe_status calc_init(win_result *res, win_calc *c, const plan_window_func *f, uint32_t col,
                           const rt_task *task, rt_error *err) {
    *c = (win_calc){.f = f, .fn = (win_fn)win_fn_of(f->name), .task = task, .col = col};
    for (uint32_t a = 0; a < f->n_args; a++)
        c->arg[a] = f->args[a]->u.column;
    c->arg_scale = f->n_args ? PLAN_DECIMAL_SCALE(f->args[0]->typmod) : 0;
    qe_status st;
    if (!f->frame.rows && (f->frame.start_offset || f->frame.end_offset)) {
        if (f->n_order != 1)
            return rt_plan_error(err, "RANGE with offsets needs one ORDER BY key");
        qe_type t = f->order[0].expr->type;
        int32_t tm = f->order[0].expr->typmod;
        if ((st = eval_range_offset(res, f->frame.start_offset, t, tm, "starting", &c->start_key,
                                    err)) != QE_OK ||
            (st = eval_range_offset(res, f->frame.end_offset, t, tm, "ending", &c->end_key, err)))
            return st;
    } else if ((st = eval_offset(res, f->frame.start_offset, "starting", &c->start_off, err)) !=
                   QE_OK ||
               (st = eval_offset(res, f->frame.end_offset, "ending", &c->end_off, err))) {
        return st;
    }
    /* After the PARTITION BY and ORDER BY keys every input column breaks ties (ascending):
     * rows equal on the keys get positions that do not depend on the order rows came
     * in (threads, workers), so results do not either. */
    c->n_keys = f->n_partition + f->n_order;
    uint32_t n_sort = c->n_keys + res->n_in;
    uint64_t n = res->in.n_rows ? res->in.n_rows : 1;
    c->keys = rt_arena_calloc(res->arena, sizeof(plan_sort_key) * (n_sort + 1));
    c->cols = rt_arena_alloc(res->arena, sizeof(uint32_t) * (n_sort + 1));
    c->refs = rt_malloc(res->mem, sizeof(uint64_t) * n);
    c->peer_lo = rt_malloc(res->mem, sizeof(uint64_t) * n);
    c->peer_hi = rt_malloc(res->mem, sizeof(uint64_t) * n);
    if (!c->keys || !c->cols || !c->refs || !c->peer_lo || !c->peer_hi)
        return rt_error_nomem(err, res->mem);
    if ((c->fn == WIN_MIN || c->fn == WIN_MAX) &&
        (c->dq = rt_malloc(res->mem, sizeof(uint64_t) * n)) == NULL)
        return rt_error_nomem(err, res->mem);
    for (uint32_t k = 0; k < f->n_partition; k++)
        c->cols[k] = f->partition[k]->u.column;
    for (uint32_t k = 0; k < f->n_order; k++) {
        c->keys[f->n_partition + k] = f->order[k];
        c->cols[f->n_partition + k] = f->order[k].expr->u.column;
    }
    for (uint32_t k = 0; k < res->n_in; k++)
        c->cols[c->n_keys + k] = k;
    uint64_t k = 0;
    for (uint32_t b = 0; b < res->in.n_batches; b++)
        for (uint32_t r = 0; r < res->in.batches[b]->n_rows; r++)
            c->refs[k++] = (uint64_t)b << 32 | r;
    if (!rt_sort_refs(res->in.batches, n_sort, c->keys, c->cols, c->refs, res->in.n_rows, res->mem))
        return rt_error_nomem(err, res->mem);
    return QE_OK;
}

static void calc_free(win_result *res, win_calc *c) {
    uint64_t n = res->in.n_rows ? res->in.n_rows : 1;
    rt_free(res->mem, c->refs, c->refs ? sizeof(uint64_t) * n : 0);
    rt_free(res->mem, c->peer_lo, c->peer_lo ? sizeof(uint64_t) * n : 0);
    rt_free(res->mem, c->peer_hi, c->peer_hi ? sizeof(uint64_t) * n : 0);
    rt_free(res->mem, c->dq, c->dq ? sizeof(uint64_t) * n : 0);
}

/* Computes function f into result column col for every row. */
static qe_status compute(win_result *res, const plan_window_func *f, uint32_t col,
                         const rt_task *task, rt_error *err) {
    win_calc c;
    qe_status st = calc_init(res, &c, f, col, task, err);
    for (uint64_t ps = 0; st == QE_OK && ps < res->in.n_rows;) {
        uint64_t pe = ps + 1;
        while (pe < res->in.n_rows &&
               rows_equal(res, c.refs[ps], c.refs[pe], c.cols, f->n_partition))
            pe++;
        st = rt_task_cancelled(task, err) ? err->status : do_partition(res, &c, ps, pe, err);
        ps = pe;
    }
    calc_free(res, &c);
    return st;
}

static qe_status window_finish(rt_pipeline_state *ps, rt_error *err) {
    rt_mem_tracker *mem = ps->task->mem;
    win_result *res = rt_malloc(mem, sizeof *res);
    if (res == NULL)
        return rt_error_nomem(err, mem);
    memset(res, 0, sizeof *res);
    res->mem = mem;
    rt_stage_put(ps->stage, ps->sink->state_id, res, win_result_destroy);
    if ((res->arena = rt_arena_create(mem)) == NULL)
        return rt_error_nomem(err, mem);
    res->n_in = ps->n_sink_in;
    qe_status st = rt_runs_collect(ps, &res->in, err);
    if (st == QE_OK)
        st = make_outputs(ps, res, err);
    const plan_op *op = ps->sink;
    for (uint32_t f = 0; st == QE_OK && f < op->u.window.n_funcs; f++)
        st = compute(res, &op->u.window.funcs[f], op->u.window.n_pass + f, ps->task, err);
    return st;
}

static void window_sink_destroy(rt_pipeline_state *ps) {
    for (uint32_t t = 0; ps->threads != NULL && t < ps->n_threads; t++) {
        rt_rowbuf *r = ps->threads[t] ? ps->threads[t]->sink : NULL;
        if (r != NULL)
            rt_rowbuf_free(r);
    }
}

const rt_sink_ops rt_window_sink = {window_sink_init, window_thread_init, window_push, NULL,
                                    window_finish,    window_sink_destroy};

/* ---- WINDOW_SOURCE ------------------------------------------------------------------------ */

typedef struct win_src {
    const win_result *res;
    _Atomic uint32_t next; /* next output batch */
} win_src;

static qe_status window_source_init(rt_pipeline_state *ps, rt_error *err) {
    win_result *res = rt_stage_get(ps->stage, ps->source->state_id, err);
    if (res == NULL)
        return QE_INTERNAL;
    if (res->in.n_batches > 0 &&
        !rt_batch_has_schema(res->out[0], ps->source->n_cols, ps->source->types))
        return rt_plan_error(err, "window source schema differs from its window's output");
    win_src *s = rt_arena_calloc(ps->arena, sizeof *s);
    if (s == NULL)
        return rt_error_nomem(err, ps->task->mem);
    s->res = res;
    ps->src = s;
    return QE_OK;
}

static qe_status window_source_next(rt_pipeline_state *ps, rt_thread_state *ts,
                                    const rt_batch **out) {
    (void)ts;
    win_src *s = ps->src;
    uint32_t b = atomic_fetch_add(&s->next, 1);
    *out = b < s->res->in.n_batches ? s->res->out[b] : NULL;
    return QE_OK;
}

const rt_source_ops rt_window_source = {window_source_init, window_source_next, NULL};
