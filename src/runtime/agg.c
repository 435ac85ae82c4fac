/*
 * agg.c -- hash aggregation: the AGG_SINK (thread-local hash tables merged at the
 * pipeline end) and the AGG_SOURCE (the merged groups as output batches).
 *
 * Phases and state rules are plan.h's: SINGLE/PARTIAL update states from input
 * values with typed loops (one per function and input type), FINAL merges (v, n)
 * state columns, and thread-local tables merge with the same rule.  Generated code
 * finds groups in the same tables (rt_jit_agg_table, agg_ht.c) and updates their states
 * itself, or pushes blocks of rows here as the interpreter does.  Without GROUP BY there is always
 * exactly one group, even on empty input.
 */
#include "rt_int.h"

#include <math.h>
#include <string.h>

/* Updates agg `a` of the groups states[k] from the selected rows of v; true on
 * integer overflow. */
typedef bool (*agg_update_fn)(rt_agg_state *const *states, uint32_t a, const rt_vector *v,
                              const uint32_t *sel, uint32_t n, rt_arena *arena);

/* X(name, member) -- how an aggregate's v state is held (rt_agg_state's union member):
 * I64 integers, BOOLEAN, DATE, TIMESTAMP; F64 doubles; I128 HUGEINT and scaled DECIMAL;
 * IV INTERVAL; STR VARCHAR (bytes in the hash table's arena). */
#define AGG_KIND_LIST(X) X(I64, "i") X(F64, "d") X(I128, "h") X(IV, "iv") X(STR, "s")

typedef enum agg_kind {
#define AGG_X_ENUM(name, member) AGG_K_##name,
    AGG_KIND_LIST(AGG_X_ENUM)
#undef AGG_X_ENUM
} agg_kind;

typedef struct agg_exec {
    const plan_agg *agg;
    plan_agg_fn fn;
    uint32_t arg_col;     /* input column (FINAL: the v column); unused for COUNT_STAR */
    uint32_t n_col;       /* FINAL: the n column */
    bool is_double;       /* v holds a double */
    agg_kind kind;        /* the union member v uses */
    int scale;            /* AVG over DECIMAL: the scale of the summed values */
    agg_update_fn update; /* SINGLE/PARTIAL */
} agg_exec;

/* The shared definition of an AGG_SINK (or the state an AGG_SOURCE reads). */
typedef struct agg_def {
    plan_agg_phase phase;
    uint32_t n_keys;
    uint32_t *key_cols; /* input columns of the group keys */
    qe_type *key_types;
    uint32_t n_aggs;
    agg_exec *aggs;
    bool ordered; /* one key, a sorted column of the scan: rt_agg_ht_find_ordered */
} agg_def;

/* The stage state built by an AGG_SINK: its groups, in tables read one after the other
 * (their dead groups skipped): the one table that absorbed the others, or every
 * thread's table when they were merged a part at a time. */
typedef struct agg_result {
    rt_mem_tracker *mem; /* charged for this struct and the arrays below */
    rt_agg_ht **tables;  /* n_tables; tables[0] gives the layout */
    rt_arena **arenas;   /* n_tables: the part merge's string states (else NULL) */
    uint32_t n_tables;
    uint64_t n_rows; /* groups of all tables, dead ones included */
    agg_def def;     /* copied into the tables' lifetime: arrays in `arena` */
    rt_arena *arena;
} agg_result;

/* Thread-local sink state. */
typedef struct agg_local {
    rt_agg_ht *ht;
    uint64_t *hashes;      /* scratch, cap rows */
    rt_agg_state **states; /* scratch, cap rows */
    const rt_vector **key_vecs;
    uint32_t cap;
    rt_agg_state *pending; /* ordered, compiled morsels: the morsel's last group so far,
                              not yet indexed (rt_agg_thread_insert_ordered) */
} agg_local;

/* ---- typed update loops ---------------------------------------------------------------- */

#define AGG_ARGS                                                                                   \
    rt_agg_state *const *states, uint32_t a, const rt_vector *v, const uint32_t *sel, uint32_t n,  \
        rt_arena *arena

/* Runs body for each selected valid row r of v, with s = the row's state. */
#define FOR_VALID(...)                                                                             \
    do {                                                                                           \
        for (uint32_t k_ = 0; k_ < n; k_++) {                                                      \
            uint32_t r = sel ? sel[k_] : k_;                                                       \
            if (v->validity != NULL && !rt_bit_get(v->validity, r))                                \
                continue;                                                                          \
            rt_agg_state *s = &states[k_][a];                                                      \
            __VA_ARGS__;                                                                           \
        }                                                                                          \
    } while (0)

static bool count_star(AGG_ARGS) {
    (void)v, (void)sel, (void)arena;
    for (uint32_t k = 0; k < n; k++)
        states[k][a].n++;
    return false;
}

static bool count_valid(AGG_ARGS) {
    (void)arena;
    if (v->type == QE_TYPE_NULL)
        return false;
    FOR_VALID(s->n++);
    return false;
}

#define DEF_SUM_INT(NAME, T)                                                                       \
    static bool NAME(AGG_ARGS) {                                                                   \
        const T *x = v->values;                                                                    \
        bool bad = false;                                                                          \
        (void)arena;                                                                               \
        FOR_VALID(bad |= __builtin_add_overflow(s->v.i, (int64_t)x[r], &s->v.i); s->n++);          \
        return bad;                                                                                \
    }
#define DEF_SUM_DBL(NAME, T)                                                                       \
    static bool NAME(AGG_ARGS) {                                                                   \
        const T *x = v->values;                                                                    \
        (void)arena;                                                                               \
        FOR_VALID(s->v.d += (double)x[r]; s->n++);                                                 \
        return false;                                                                              \
    }
#define DEF_MINMAX(NAME, T, FIELD, CMP)                                                            \
    static bool NAME(AGG_ARGS) {                                                                   \
        const T *x = v->values;                                                                    \
        (void)arena;                                                                               \
        FOR_VALID({                                                                                \
            if (s->n == 0 || x[r] CMP s->v.FIELD)                                                  \
                s->v.FIELD = x[r];                                                                 \
            s->n++;                                                                                \
        });                                                                                        \
        return false;                                                                              \
    }

DEF_SUM_INT(sum_i16, int16_t)
DEF_SUM_INT(sum_i32, int32_t)
DEF_SUM_INT(sum_i64, int64_t)
DEF_SUM_DBL(sum_f32, float)
DEF_SUM_DBL(sum_f64, double)
DEF_SUM_DBL(avg_i16, int16_t)
DEF_SUM_DBL(avg_i32, int32_t)
DEF_SUM_DBL(avg_i64, int64_t)
DEF_MINMAX(min_u8, uint8_t, i, <)
DEF_MINMAX(max_u8, uint8_t, i, >)
DEF_MINMAX(min_i16, int16_t, i, <)
DEF_MINMAX(max_i16, int16_t, i, >)
DEF_MINMAX(min_i32, int32_t, i, <)
DEF_MINMAX(max_i32, int32_t, i, >)
DEF_MINMAX(min_i64, int64_t, i, <)
DEF_MINMAX(max_i64, int64_t, i, >)
DEF_MINMAX(min_f32, float, d, <)
DEF_MINMAX(max_f32, float, d, >)
DEF_MINMAX(min_f64, double, d, <)
DEF_MINMAX(max_f64, double, d, >)

/* 128-bit loops (HUGEINT, DECIMAL): values read with memcpy (16-byte slots). */
static inline rt_i128 get_i128(const rt_vector *v, uint32_t r) {
    rt_i128 x;
    memcpy(&x, (const char *)v->values + (size_t)r * 16, 16);
    return x;
}

static bool sum_i128(AGG_ARGS) {
    bool bad = false;
    (void)arena;
    FOR_VALID(bad |= __builtin_add_overflow(s->v.h, get_i128(v, r), &s->v.h); s->n++);
    return bad;
}

static bool avg_h128(AGG_ARGS) {
    (void)arena;
    FOR_VALID(s->v.d += (double)get_i128(v, r); s->n++);
    return false;
}

#define DEF_MINMAX_I128(NAME, CMP)                                                                 \
    static bool NAME(AGG_ARGS) {                                                                   \
        (void)arena;                                                                               \
        FOR_VALID({                                                                                \
            rt_i128 x = get_i128(v, r);                                                            \
            if (s->n == 0 || x CMP s->v.h)                                                         \
                s->v.h = x;                                                                        \
            s->n++;                                                                                \
        });                                                                                        \
        return false;                                                                              \
    }
DEF_MINMAX_I128(min_i128, <)
DEF_MINMAX_I128(max_i128, >)

#define DEF_MINMAX_IV(NAME, CMP)                                                                   \
    static bool NAME(AGG_ARGS) {                                                                   \
        (void)arena;                                                                               \
        FOR_VALID({                                                                                \
            rt_interval x;                                                                         \
            memcpy(&x, (const char *)v->values + (size_t)r * 16, 16);                              \
            if (s->n == 0 || rt_interval_cmp(&x, &s->v.iv) CMP 0)                                  \
                s->v.iv = x;                                                                       \
            s->n++;                                                                                \
        });                                                                                        \
        return false;                                                                              \
    }
DEF_MINMAX_IV(min_iv, <)
DEF_MINMAX_IV(max_iv, >)

static bool sum_iv(AGG_ARGS) {
    bool bad = false;
    (void)arena;
    FOR_VALID({
        rt_interval x;
        memcpy(&x, (const char *)v->values + (size_t)r * 16, 16);
        bad |= !rt_interval_add(&s->v.iv, &x, &s->v.iv);
        s->n++;
    });
    return bad;
}

/* Three-way comparison of string bytes (bytewise, shorter first). */
static int cmp_bytes(const char *a, uint32_t la, const char *b, uint32_t lb) {
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* Sets a string state to a copy of p[0..len) in arena; false on out-of-memory. */
static bool set_str_state(rt_agg_state *s, const char *p, uint32_t len, rt_arena *arena) {
    char *copy = len ? rt_arena_alloc(arena, len) : (char *)"";
    if (copy == NULL)
        return false;
    memcpy(copy, p, len);
    s->v.s.ptr = copy;
    s->v.s.len = len;
    return true;
}

/* MIN/MAX of strings; "true" here means out of memory (reported as such). */
#define DEF_MINMAX_STR(NAME, CMP)                                                                  \
    static bool NAME(AGG_ARGS) {                                                                   \
        bool oom = false;                                                                          \
        FOR_VALID({                                                                                \
            const rt_string *x = &((const rt_string *)v->values)[r];                               \
            const char *p = rt_string_ptr(v, x);                                                   \
            if (s->n == 0 || cmp_bytes(p, x->len, s->v.s.ptr, s->v.s.len) CMP 0)                   \
                oom |= !set_str_state(s, p, x->len, arena);                                        \
            s->n++;                                                                                \
        });                                                                                        \
        return oom;                                                                                \
    }
DEF_MINMAX_STR(min_str, <)
DEF_MINMAX_STR(max_str, >)

/* BOOL_AND / BOOL_OR over BOOLEAN (v.i is 0/1). */
#define DEF_BOOL(NAME, OP)                                                                         \
    static bool NAME(AGG_ARGS) {                                                                   \
        const uint8_t *x = v->values;                                                              \
        (void)arena;                                                                               \
        FOR_VALID(s->v.i = s->n == 0 ? (x[r] != 0) : (s->v.i OP(x[r] != 0)); s->n++);              \
        return false;                                                                              \
    }
DEF_BOOL(bool_and, &)
DEF_BOOL(bool_or, |)

/* Index of a type in the loop tables: bool, i16, i32, i64, f32, f64; -1 otherwise. */
static int num_slot(qe_type t) {
    switch (t) {
    case QE_TYPE_BOOLEAN: return 0;
    case QE_TYPE_SMALLINT: return 1;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: return 2;
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP: return 3;
    case QE_TYPE_REAL: return 4;
    case QE_TYPE_DOUBLE: return 5;
    default: return -1;
    }
}

static const agg_update_fn sum_fns[6] = {NULL, sum_i16, sum_i32, sum_i64, sum_f32, sum_f64};
static const agg_update_fn avg_fns[6] = {NULL, avg_i16, avg_i32, avg_i64, sum_f32, sum_f64};
static const agg_update_fn min_fns[6] = {min_u8, min_i16, min_i32, min_i64, min_f32, min_f64};
static const agg_update_fn max_fns[6] = {max_u8, max_i16, max_i32, max_i64, max_f32, max_f64};

/* ---- state merge (FINAL input rows and thread-local tables) ---------------------------- */

/* Three-way comparison of two states of kind k. */
static int cmp_states(agg_kind k, const rt_agg_state *a, const rt_agg_state *b) {
    switch (k) {
    case AGG_K_F64: return (a->v.d > b->v.d) - (a->v.d < b->v.d);
    case AGG_K_I128: return (a->v.h > b->v.h) - (a->v.h < b->v.h);
    case AGG_K_IV: return rt_interval_cmp(&a->v.iv, &b->v.iv);
    case AGG_K_STR: return cmp_bytes(a->v.s.ptr, a->v.s.len, b->v.s.ptr, b->v.s.len);
    default: return (a->v.i > b->v.i) - (a->v.i < b->v.i);
    }
}

/* Merges state src into dst by plan.h's rule (strings copied into arena); 1 on
 * overflow, 2 on out-of-memory. */
static int merge_state(const agg_exec *e, rt_agg_state *dst, const rt_agg_state *src,
                       rt_arena *arena) {
    switch (e->fn) {
    case PLAN_AGG_COUNT_STAR:
    case PLAN_AGG_COUNT: dst->n += src->n; return 0;
    case PLAN_AGG_SUM:
    case PLAN_AGG_AVG: {
        bool bad = false;
        if (e->kind == AGG_K_F64)
            dst->v.d += src->v.d;
        else if (e->kind == AGG_K_IV)
            bad = !rt_interval_add(&dst->v.iv, &src->v.iv, &dst->v.iv);
        else if (e->kind == AGG_K_I128)
            bad = __builtin_add_overflow(dst->v.h, src->v.h, &dst->v.h);
        else
            bad = __builtin_add_overflow(dst->v.i, src->v.i, &dst->v.i);
        dst->n += src->n;
        return bad;
    }
    case PLAN_AGG_BOOL_AND:
    case PLAN_AGG_BOOL_OR:
        if (src->n > 0)
            dst->v.i = dst->n == 0                  ? src->v.i
                       : e->fn == PLAN_AGG_BOOL_AND ? (dst->v.i & src->v.i)
                                                    : (dst->v.i | src->v.i);
        dst->n += src->n;
        return 0;
    case PLAN_AGG_ANY_VALUE: /* the smallest value: see update_of */
    case PLAN_AGG_MIN:
    case PLAN_AGG_MAX: {
        if (src->n == 0)
            return 0;
        int c = dst->n == 0 ? 0 : cmp_states(e->kind, src, dst);
        bool take = dst->n == 0 || (e->fn == PLAN_AGG_MAX ? c > 0 : c < 0);
        dst->n += src->n;
        if (!take)
            return 0;
        if (e->kind == AGG_K_STR)
            return set_str_state(dst, src->v.s.ptr, src->v.s.len, arena) ? 0 : 2;
        dst->v = src->v;
        return 0;
    }
    default: break; /* aggregates the planner refuses (opt_check_executable) */
    }
    return 0;
}

/* Reads row r of a state column into out->v (kind k; strings borrowed). */
static void read_state(const rt_vector *v, uint32_t r, agg_kind k, rt_agg_state *out) {
    rt_value val;
    rt_vector_get_value(v, r, &val);
    bool is_dbl = v->type == QE_TYPE_DOUBLE || v->type == QE_TYPE_REAL;
    switch (k) {
    case AGG_K_F64: out->v.d = is_dbl ? val.u.d : (double)val.u.i; break;
    case AGG_K_I128: out->v.h = val.u.h; break;
    case AGG_K_IV: memcpy(&out->v.iv, &val.u.iv, sizeof out->v.iv); break;
    case AGG_K_STR:
        out->v.s.ptr = val.u.s.ptr;
        out->v.s.len = val.u.s.len;
        break;
    default: out->v.i = val.type == QE_TYPE_BOOLEAN ? val.u.b : is_dbl ? (int64_t)val.u.d : val.u.i;
    }
}

/* Runs body for each selected row r whose count (nv) is valid, with s = the row's
 * state and cnt = the count. */
#define FOR_COUNTED(...)                                                                           \
    do {                                                                                           \
        const int64_t *cnts = nv->values;                                                          \
        for (uint32_t k = 0; k < n; k++) {                                                         \
            uint32_t r = b->sel ? b->sel[k] : k;                                                   \
            if (nv->validity != NULL && !rt_bit_get(nv->validity, r))                              \
                continue;                                                                          \
            rt_agg_state *s = &states[k][a];                                                       \
            int64_t cnt = cnts[r];                                                                 \
            __VA_ARGS__;                                                                           \
        }                                                                                          \
    } while (0)

/* The typed FINAL loops of COUNT and of SUM/AVG over BIGINT, DOUBLE and DECIMAL/HUGEINT
 * states; -1 when e has none (final_update's row loop handles it). */
static int final_update_fast(const agg_exec *e, rt_agg_state *const *states, uint32_t a,
                             const rt_batch *b, uint32_t n) {
    const rt_vector *vv = &b->cols[e->arg_col], *nv = &b->cols[e->n_col];
    if (nv->type != QE_TYPE_BIGINT)
        return -1;
    if (e->fn == PLAN_AGG_COUNT || e->fn == PLAN_AGG_COUNT_STAR) {
        FOR_COUNTED(s->n += cnt);
        return 0;
    }
    if (e->fn != PLAN_AGG_SUM && e->fn != PLAN_AGG_AVG)
        return -1;
    bool bad = false;
    const uint8_t *vvalid = vv->validity;
    if (e->kind == AGG_K_I128 && (vv->type == QE_TYPE_DECIMAL || vv->type == QE_TYPE_HUGEINT)) {
        FOR_COUNTED({
            if (vvalid == NULL || rt_bit_get(vvalid, r))
                bad |= __builtin_add_overflow(s->v.h, get_i128(vv, r), &s->v.h);
            s->n += cnt;
        });
        return bad;
    }
    if (e->kind == AGG_K_F64 && vv->type == QE_TYPE_DOUBLE) {
        const double *x = vv->values;
        FOR_COUNTED({
            if (vvalid == NULL || rt_bit_get(vvalid, r))
                s->v.d += x[r];
            s->n += cnt;
        });
        return 0;
    }
    if (e->kind == AGG_K_I64 && vv->type == QE_TYPE_BIGINT) {
        const int64_t *x = vv->values;
        FOR_COUNTED({
            if (vvalid == NULL || rt_bit_get(vvalid, r))
                bad |= __builtin_add_overflow(s->v.i, x[r], &s->v.i);
            s->n += cnt;
        });
        return bad;
    }
    return -1;
}

/* FINAL: merges the (v, n) columns of the selected rows into their groups; 1 on
 * overflow, 2 on out-of-memory. */
static int final_update(const agg_exec *e, rt_agg_state *const *states, uint32_t a,
                        const rt_batch *b, uint32_t n, rt_arena *arena) {
    const rt_vector *vv = &b->cols[e->arg_col], *nv = &b->cols[e->n_col];
    int bad = final_update_fast(e, states, a, b, n);
    if (bad >= 0)
        return bad;
    bad = 0;
    for (uint32_t k = 0; k < n && bad == 0; k++) {
        uint32_t r = b->sel ? b->sel[k] : k;
        if (!rt_vector_is_valid(nv, r))
            continue;
        rt_agg_state src;
        memset(&src, 0, sizeof src);
        src.n = ((const int64_t *)nv->values)[r];
        if (rt_vector_is_valid(vv, r))
            read_state(vv, r, e->kind, &src);
        bad = merge_state(e, &states[k][a], &src, arena);
    }
    return bad;
}

/* ---- AGG_SINK -------------------------------------------------------------------------- */

static qe_status overflow_error(rt_error *err, const agg_exec *e) {
    int pos = e->agg->arg ? e->agg->arg->position : -1;
    if (e->kind == AGG_K_I128)
        return rt_error_set(err, QE_DATA, "22003", pos, "numeric field overflow");
    if (e->kind == AGG_K_IV)
        return rt_error_set(err, QE_DATA, "22008", pos, "interval out of range");
    return rt_error_out_of_range(err, QE_TYPE_BIGINT, pos);
}

/* The state kind of aggregate fn over input type t (SINGLE/PARTIAL) or over a state
 * column of type t (FINAL). */
static agg_kind kind_of(plan_agg_fn fn, qe_type t, bool final) {
    if (fn == PLAN_AGG_COUNT || fn == PLAN_AGG_COUNT_STAR)
        return AGG_K_I64;
    switch (t) {
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: return AGG_K_F64;
    case QE_TYPE_DECIMAL: return AGG_K_I128;
    case QE_TYPE_HUGEINT: return fn == PLAN_AGG_AVG ? AGG_K_F64 : AGG_K_I128;
    case QE_TYPE_INTERVAL: return AGG_K_IV;
    case QE_TYPE_VARCHAR: return AGG_K_STR;
    default: return fn == PLAN_AGG_AVG && !final ? AGG_K_F64 : AGG_K_I64;
    }
}

/* The update loop of a SINGLE/PARTIAL aggregate over input type t, or NULL.
 * ANY_VALUE keeps the smallest value, so results never depend on the thread count. */
static agg_update_fn update_of(plan_agg_fn fn, qe_type t) {
    if (fn == PLAN_AGG_BOOL_AND || fn == PLAN_AGG_BOOL_OR)
        return t != QE_TYPE_BOOLEAN ? NULL : fn == PLAN_AGG_BOOL_AND ? bool_and : bool_or;
    if (fn == PLAN_AGG_ANY_VALUE)
        fn = PLAN_AGG_MIN;
    int slot = num_slot(t);
    bool min = fn == PLAN_AGG_MIN;
    switch (t) {
    case QE_TYPE_DECIMAL:
        return fn == PLAN_AGG_SUM || fn == PLAN_AGG_AVG ? sum_i128
               : min                                    ? min_i128
               : fn == PLAN_AGG_MAX                     ? max_i128
                                                        : NULL;
    case QE_TYPE_HUGEINT:
        return fn == PLAN_AGG_SUM   ? sum_i128
               : fn == PLAN_AGG_AVG ? avg_h128
               : min                ? min_i128
               : fn == PLAN_AGG_MAX ? max_i128
                                    : NULL;
    case QE_TYPE_INTERVAL:
        return fn == PLAN_AGG_SUM || fn == PLAN_AGG_AVG ? sum_iv
               : min                                    ? min_iv
               : fn == PLAN_AGG_MAX                     ? max_iv
                                                        : NULL;
    case QE_TYPE_VARCHAR: return min ? min_str : fn == PLAN_AGG_MAX ? max_str : NULL;
    default: break;
    }
    if (slot < 0)
        return NULL;
    switch (fn) {
    case PLAN_AGG_SUM: return t == QE_TYPE_DATE || t == QE_TYPE_TIMESTAMP ? NULL : sum_fns[slot];
    case PLAN_AGG_AVG: return t == QE_TYPE_DATE || t == QE_TYPE_TIMESTAMP ? NULL : avg_fns[slot];
    case PLAN_AGG_MIN: return min_fns[slot];
    case PLAN_AGG_MAX: return max_fns[slot];
    default: return NULL;
    }
}

/* Fills an agg_exec from the plan for an input schema of n_in columns. */
static qe_status prepare_agg(const plan_agg *pa, plan_agg_phase phase, uint32_t n_in,
                             const qe_type *in_types, agg_exec *e, rt_error *err) {
    memset(e, 0, sizeof *e);
    e->agg = pa;
    e->fn = pa->fn;
    if (pa->fn == PLAN_AGG_COUNT_STAR && phase != PLAN_AGG_FINAL) {
        e->update = count_star;
        return QE_OK;
    }
    if (pa->arg == NULL || pa->arg->kind != PLAN_EXPR_COLUMN || pa->arg->u.column >= n_in)
        return rt_plan_error(err, "aggregate %d needs a column argument", (int)pa->fn);
    if (pa->distinct)
        return rt_error_set(err, QE_UNSUPPORTED, "0A000", pa->arg->position,
                            "DISTINCT aggregates are not supported yet");
    e->arg_col = pa->arg->u.column;
    qe_type t = in_types[e->arg_col];
    if (phase == PLAN_AGG_FINAL) {
        if (pa->n_column >= n_in)
            return rt_plan_error(err, "final aggregate: state column %u does not exist",
                                 pa->n_column);
        e->n_col = pa->n_column;
        e->kind = kind_of(pa->fn, t, true);
        e->is_double = e->kind == AGG_K_F64;
        e->scale = PLAN_DECIMAL_SCALE(pa->arg->typmod);
        return QE_OK;
    }
    e->kind = kind_of(pa->fn, t, false);
    e->is_double = e->kind == AGG_K_F64;
    e->scale = PLAN_DECIMAL_SCALE(pa->arg->typmod);
    e->update = pa->fn == PLAN_AGG_COUNT ? count_valid : update_of(pa->fn, t);
    if (e->update == NULL) {
        static const char *const names[] = {
#define X(name, sql) sql,
            PLAN_AGG_LIST(X)
#undef X
        };
        return rt_error_set(err, QE_UNSUPPORTED, "0A000", pa->arg->position,
                            "aggregate %s(%s) is not supported yet", names[pa->fn],
                            rt_type_pg_name(t));
    }
    return QE_OK;
}

/* The column of the pipeline's source that sink input column c is, unchanged through
 * FILTERs and column projections (which keep the rows' order), or -1. */
static int64_t source_column(const plan_pipeline *p, uint32_t c) {
    for (uint32_t i = p->n_ops - 1; i-- > 1;) {
        const plan_op *op = p->ops[i];
        if (op->kind == PLAN_PHYS_FILTER)
            continue;
        const plan_expr *e =
            op->kind == PLAN_PHYS_PROJECT && c < op->n_cols ? op->u.project.exprs[c] : NULL;
        if (e == NULL || e->kind != PLAN_EXPR_COLUMN)
            return -1;
        c = e->u.column;
    }
    return c;
}

/* Whether the sink's groups can be found as rt_agg_ht_find_ordered does: one integer,
 * DATE or TIMESTAMP key that is a column of a scan, sorted over its snapshot (TPC-H
 * Q18's lineitem by l_orderkey: 1.5M groups, most of them never in the index). */
static bool ordered_input(const rt_pipeline_state *ps, const agg_def *d) {
    if (d->n_keys != 1 || d->phase == PLAN_AGG_FINAL || !rt_agg_orderable(d->key_types[0]))
        return false;
    int64_t c = source_column(ps->pipe, d->key_cols[0]);
    return c >= 0 && ps->source->types[c] == d->key_types[0] &&
           rt_scan_column_sorted(ps, (uint32_t)c);
}

static qe_status agg_sink_init(rt_pipeline_state *ps, rt_error *err) {
    const plan_op *op = ps->sink;
    agg_def *d = rt_arena_calloc(ps->arena, sizeof *d);
    if (d == NULL)
        return rt_error_nomem(err, ps->task->mem);
    d->phase = op->u.agg.phase;
    d->n_keys = op->u.agg.n_groups;
    d->n_aggs = op->u.agg.n_aggs;
    d->key_cols = rt_arena_alloc(ps->arena, sizeof(uint32_t) * (d->n_keys + 1));
    d->key_types = rt_arena_alloc(ps->arena, sizeof(qe_type) * (d->n_keys + 1));
    d->aggs = rt_arena_alloc(ps->arena, sizeof(agg_exec) * (d->n_aggs + 1));
    if (d->key_cols == NULL || d->key_types == NULL || d->aggs == NULL)
        return rt_error_nomem(err, ps->task->mem);
    if (op->state_id >= ps->stage->n_states)
        return rt_plan_error(err, "aggregate state %u does not exist", op->state_id);
    for (uint32_t c = 0; c < d->n_keys; c++) {
        const plan_expr *g = op->u.agg.groups[c];
        if (g == NULL || g->kind != PLAN_EXPR_COLUMN || g->u.column >= ps->n_sink_in)
            return rt_plan_error(err, "group key %u is not a column of the input", c);
        d->key_cols[c] = g->u.column;
        d->key_types[c] = ps->sink_in_types[g->u.column];
    }
    for (uint32_t a = 0; a < d->n_aggs; a++) {
        qe_status st = prepare_agg(&op->u.agg.aggs[a], d->phase, ps->n_sink_in, ps->sink_in_types,
                                   &d->aggs[a], err);
        if (st != QE_OK)
            return st;
    }
    d->ordered = ordered_input(ps, d);
    ps->snk = d;
    return QE_OK;
}

static bool ensure_local(agg_local *l, rt_arena *arena, uint32_t n) {
    if (n <= l->cap && l->states != NULL)
        return true;
    uint32_t cap = l->cap ? l->cap : RT_VECTOR_SIZE;
    while (cap < n)
        cap *= 2;
    l->hashes = rt_arena_alloc(arena, sizeof(uint64_t) * cap);
    l->states = rt_arena_alloc(arena, sizeof(rt_agg_state *) * cap);
    l->cap = cap;
    return l->hashes != NULL && l->states != NULL;
}

static qe_status agg_thread_init(rt_pipeline_state *ps, rt_thread_state *ts) {
    agg_def *d = ps->snk;
    agg_local *l = rt_arena_calloc(ts->arena, sizeof *l);
    if (l == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    ts->sink = l;
    l->key_vecs = rt_arena_calloc(ts->arena, sizeof(rt_vector *) * (d->n_keys + 1));
    l->ht = rt_agg_ht_create(ps->task->mem, d->n_keys, d->key_types, d->n_aggs);
    if (l->key_vecs == NULL || l->ht == NULL || !ensure_local(l, ts->arena, RT_VECTOR_SIZE))
        return rt_error_nomem(&ts->err, ps->task->mem);
    return QE_OK;
}

static qe_status agg_push(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *b) {
    agg_def *d = ps->snk;
    agg_local *l = ts->sink;
    uint32_t n = rt_batch_active(b);
    if (!ensure_local(l, ts->arena, n))
        return rt_error_nomem(&ts->err, ps->task->mem);
    for (uint32_t c = 0; c < d->n_keys; c++)
        l->key_vecs[c] = &b->cols[d->key_cols[c]];
    if (!(d->ordered
              ? rt_agg_ht_find_ordered(l->ht, l->key_vecs[0], b->sel, n, l->hashes, l->states)
              : rt_agg_ht_find(l->ht, l->key_vecs, b->sel, n, l->hashes, l->states)))
        return rt_error_nomem(&ts->err, ps->task->mem);
    rt_arena *arena = rt_agg_ht_arena(l->ht);
    for (uint32_t a = 0; a < d->n_aggs; a++) {
        const agg_exec *e = &d->aggs[a];
        int bad = d->phase == PLAN_AGG_FINAL
                      ? final_update(e, l->states, a, b, n, arena)
                      : e->update(l->states, a, &b->cols[e->arg_col], b->sel, n, arena);
        if (bad == 2 || (bad && e->kind == AGG_K_STR))
            return rt_error_nomem(&ts->err, ps->task->mem);
        if (bad)
            return overflow_error(&ts->err, e);
    }
    return QE_OK;
}

/* How many groups ahead merge_tables prefetches the destination slot. */
#define MERGE_PREFETCH 8

/* Merges every group of src into dst. */
static qe_status merge_tables(const agg_def *d, rt_agg_ht *dst, const rt_agg_ht *src, rt_error *err,
                              rt_mem_tracker *mem) {
    uint64_t n = rt_agg_ht_count(src);
    if (!rt_agg_ht_reserve(dst, n)) /* one growth instead of many */
        return rt_error_nomem(err, mem);
    for (uint64_t g = 0; g < n; g++) {
        const rt_agg_state *sg = rt_agg_ht_group(src, g);
        if (g + MERGE_PREFETCH < n)
            rt_agg_ht_prefetch(dst, src, rt_agg_ht_group(src, g + MERGE_PREFETCH));
        rt_agg_state *dg = rt_agg_ht_find_row(dst, src, sg);
        if (dg == NULL)
            return rt_error_nomem(err, mem);
        for (uint32_t a = 0; a < d->n_aggs; a++) {
            int bad = merge_state(&d->aggs[a], &dg[a], &sg[a], rt_agg_ht_arena(dst));
            if (bad == 2)
                return rt_error_nomem(err, mem);
            if (bad)
                return overflow_error(err, &d->aggs[a]);
        }
    }
    return QE_OK;
}

static void agg_result_destroy(void *p) {
    agg_result *r = p;
    for (uint32_t t = 0; t < r->n_tables; t++) {
        rt_agg_ht_destroy(r->tables[t]);
        rt_arena_destroy(r->arenas[t]);
    }
    rt_free(r->mem, r->tables, sizeof(rt_agg_ht *) * r->n_tables);
    rt_free(r->mem, r->arenas, sizeof(rt_arena *) * r->n_tables);
    rt_arena_destroy(r->arena);
    rt_free(r->mem, r, sizeof *r);
}

/* ---- merging the threads' tables a part at a time, on every thread ------------------ */

/* Groups to merge from other tables from which the threads share the work. */
#define PART_MERGE_MIN 16384
/* Parts (2^PART_BITS): enough for the threads to share them evenly. */
#define PART_BITS 6

typedef struct part_merge {
    const agg_def *d;
    rt_agg_ht **tables;
    uint32_t n_tables;
    rt_mem_tracker *mem;
    _Atomic uint32_t next; /* the next part to merge */
    _Atomic bool failed;   /* some part failed: the others stop */
} part_merge;

typedef struct part_worker {
    part_merge *m;
    rt_arena *arena;  /* merged string states */
    int status;       /* 0, or the first failure: -1 out-of-memory, else merge_state's */
    uint32_t bad_agg; /* the aggregate that overflowed */
} part_worker;

static int merge_groups(void *ctx, rt_agg_state *dst, const rt_agg_state *src) {
    part_worker *w = ctx;
    const agg_def *d = w->m->d;
    for (uint32_t a = 0; a < d->n_aggs; a++) {
        int bad = merge_state(&d->aggs[a], &dst[a], &src[a], w->arena);
        if (bad) {
            w->bad_agg = a;
            return bad == 2 ? -1 : bad;
        }
    }
    return 0;
}

/* A thread's share: parts until none is left. */
static void part_worker_run(void *arg) {
    part_worker *w = arg;
    part_merge *m = w->m;
    if (w->arena == NULL) {
        w->status = -1;
        atomic_store(&m->failed, true);
        return;
    }
    for (;;) {
        uint32_t p = atomic_fetch_add(&m->next, 1);
        if (p >= (1u << PART_BITS) || atomic_load(&m->failed))
            return;
        int st =
            rt_agg_ht_merge_part(m->tables, m->n_tables, p, PART_BITS, merge_groups, w, m->mem);
        if (st != 0) {
            w->status = st;
            atomic_store(&m->failed, true);
            return;
        }
    }
}

/* Merges the threads' tables part by part on r's n_tables threads (the pool's and this
 * one); r has taken the tables. */
static qe_status merge_parts(rt_pipeline_state *ps, const agg_def *d, agg_result *r,
                             rt_error *err) {
    rt_mem_tracker *mem = ps->task->mem;
    uint32_t n = r->n_tables;
    part_merge *m = rt_arena_calloc(ps->arena, sizeof *m);
    part_worker *w = rt_arena_calloc(ps->arena, sizeof *w * n);
    rt_pool_job *jobs = rt_arena_calloc(ps->arena, sizeof *jobs * n);
    if (m == NULL || w == NULL || jobs == NULL)
        return rt_error_nomem(err, mem);
    *m = (part_merge){.d = d, .tables = r->tables, .n_tables = n, .mem = mem};
    for (uint32_t t = 0; t < n; t++) {
        r->arenas[t] = rt_arena_create(mem);
        w[t] = (part_worker){.m = m, .arena = r->arenas[t]};
        jobs[t] = (rt_pool_job){.fn = part_worker_run, .arg = &w[t]};
    }
    rt_pool_run(jobs, n);
    for (uint32_t t = 0; t < n; t++) {
        if (w[t].status == -1)
            return rt_error_nomem(err, mem);
        if (w[t].status != 0)
            return overflow_error(err, &d->aggs[w[t].bad_agg]);
    }
    return QE_OK;
}

/* Copies the definition into the result's own arena (the pipeline's goes away). */
static qe_status keep_definition(agg_result *r, const agg_def *d, rt_mem_tracker *mem,
                                 rt_error *err) {
    r->def = *d;
    r->arena = rt_arena_create(mem);
    if (r->arena == NULL)
        return rt_error_nomem(err, mem);
    r->def.key_types = rt_arena_alloc(r->arena, sizeof(qe_type) * (d->n_keys + 1));
    r->def.aggs = rt_arena_alloc(r->arena, sizeof(agg_exec) * (d->n_aggs + 1));
    r->def.key_cols = NULL;
    if (r->def.key_types == NULL || r->def.aggs == NULL)
        return rt_error_nomem(err, mem);
    memcpy(r->def.key_types, d->key_types, sizeof(qe_type) * d->n_keys);
    memcpy(r->def.aggs, d->aggs, sizeof(agg_exec) * d->n_aggs);
    return QE_OK;
}

static qe_status agg_finish(rt_pipeline_state *ps, rt_error *err) {
    agg_def *d = ps->snk;
    rt_mem_tracker *mem = ps->task->mem;
    agg_result *r = rt_malloc(mem, sizeof *r);
    if (r == NULL)
        return rt_error_nomem(err, mem);
    memset(r, 0, sizeof *r);
    r->mem = mem;
    rt_stage_put(ps->stage, ps->sink->state_id, r, agg_result_destroy);
    qe_status st = keep_definition(r, d, mem, err);
    if (st != QE_OK)
        return st;
    /* The largest thread table absorbs the others, unless they are big enough for the
     * threads to share the work: then every thread merges parts. */
    uint32_t best = 0;
    uint64_t total = 0;
    for (uint32_t t = 0; t < ps->n_threads; t++) {
        uint64_t c = rt_agg_ht_count(((agg_local *)ps->threads[t]->sink)->ht);
        total += c;
        if (c > rt_agg_ht_count(((agg_local *)ps->threads[best]->sink)->ht))
            best = t;
    }
    bool parts =
        d->n_keys > 0 && ps->n_threads > 1 &&
        total - rt_agg_ht_count(((agg_local *)ps->threads[best]->sink)->ht) >= PART_MERGE_MIN;
    uint32_t n = parts ? ps->n_threads : 1;
    r->tables = rt_malloc(mem, sizeof(rt_agg_ht *) * n);
    r->arenas = rt_malloc(mem, sizeof(rt_arena *) * n);
    if (r->tables == NULL || r->arenas == NULL) {
        rt_free(mem, r->tables, sizeof(rt_agg_ht *) * n);
        rt_free(mem, r->arenas, sizeof(rt_arena *) * n);
        r->tables = NULL;
        r->arenas = NULL;
        return rt_error_nomem(err, mem);
    }
    memset(r->tables, 0, sizeof(rt_agg_ht *) * n);
    memset(r->arenas, 0, sizeof(rt_arena *) * n);
    r->n_tables = n;
    if (parts) {
        for (uint32_t t = 0; t < n; t++) { /* the result frees them now */
            agg_local *l = ps->threads[t]->sink;
            r->tables[t] = l->ht;
            l->ht = NULL;
        }
        st = merge_parts(ps, d, r, err);
    } else {
        agg_local *keep = ps->threads[best]->sink;
        for (uint32_t t = 0; t < ps->n_threads && st == QE_OK; t++) {
            agg_local *l = ps->threads[t]->sink;
            if (t == best)
                continue;
            st = merge_tables(d, keep->ht, l->ht, err, mem);
            rt_agg_ht_destroy(l->ht);
            l->ht = NULL;
        }
        r->tables[0] = keep->ht;
        keep->ht = NULL;
        if (st == QE_OK && d->n_keys == 0 && rt_agg_ht_single(r->tables[0]) == NULL)
            st = rt_error_nomem(err, mem);
    }
    for (uint32_t t = 0; t < n; t++)
        r->n_rows += rt_agg_ht_count(r->tables[t]);
    return st;
}

static void agg_sink_destroy(rt_pipeline_state *ps) {
    for (uint32_t t = 0; ps->threads != NULL && t < ps->n_threads; t++) {
        agg_local *l = ps->threads[t] ? ps->threads[t]->sink : NULL;
        if (l != NULL) {
            rt_agg_ht_destroy(l->ht);
            l->ht = NULL;
        }
    }
}

const rt_sink_ops rt_agg_sink = {agg_sink_init, agg_thread_init, agg_push,
                                 NULL,          agg_finish,      agg_sink_destroy};

rt_agg_ht *rt_agg_thread_table(rt_thread_state *ts) { return ((agg_local *)ts->sink)->ht; }

bool rt_agg_orderable(qe_type t) {
    switch (t) {
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE:
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP: return true;
    default: return false;
    }
}

bool rt_agg_sink_ordered(const rt_pipeline_state *ps) {
    return ((const agg_def *)ps->snk)->ordered;
}

rt_agg_state *rt_agg_thread_insert_ordered(rt_thread_state *ts, uint64_t h, const void *keys,
                                           const uint8_t *nulls) {
    agg_local *l = ts->sink;
    l->pending = rt_agg_ht_insert_unindexed(l->ht, h, keys, nulls);
    return l->pending;
}

bool rt_agg_thread_ordered_end(rt_thread_state *ts) {
    agg_local *l = ts->sink;
    rt_agg_state *row = l->pending;
    l->pending = NULL;
    return row == NULL || rt_agg_ht_index(l->ht, row);
}

/* ---- AGG_SOURCE ------------------------------------------------------------------------ */

typedef struct agg_src {
    const agg_result *res;
    _Atomic uint64_t next; /* first group of the next morsel */
} agg_src;

static qe_status agg_source_init(rt_pipeline_state *ps, rt_error *err) {
    const plan_op *op = ps->source;
    agg_result *res = rt_stage_get(ps->stage, op->state_id, err);
    if (res == NULL)
        return QE_INTERNAL;
    uint32_t per_agg = op->u.agg.phase == PLAN_AGG_PARTIAL ? 2 : 1;
    if (op->n_cols != res->def.n_keys + per_agg * res->def.n_aggs)
        return rt_plan_error(err, "aggregate source of %u columns for %u keys and %u aggregates",
                             op->n_cols, res->def.n_keys, res->def.n_aggs);
    agg_src *s = rt_arena_calloc(ps->arena, sizeof *s);
    if (s == NULL)
        return rt_error_nomem(err, ps->task->mem);
    s->res = res;
    ps->src = s;
    return QE_OK;
}

/* Stores a number into row r of v, converting to v's type. */
static void put_num(rt_vector *v, uint32_t r, bool is_double, int64_t i, double d) {
    switch (v->type) {
    case QE_TYPE_BOOLEAN: ((uint8_t *)v->values)[r] = is_double ? d != 0 : i != 0; break;
    case QE_TYPE_SMALLINT: ((int16_t *)v->values)[r] = (int16_t)(is_double ? (int64_t)d : i); break;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: ((int32_t *)v->values)[r] = (int32_t)(is_double ? (int64_t)d : i); break;
    case QE_TYPE_REAL: ((float *)v->values)[r] = (float)(is_double ? d : (double)i); break;
    case QE_TYPE_DOUBLE: ((double *)v->values)[r] = is_double ? d : (double)i; break;
    default: ((int64_t *)v->values)[r] = is_double ? (int64_t)d : i; break;
    }
}

/* Stores the v state of kind k into row r of v (v's type is the state's or final
 * type); false on out-of-memory. */
static bool put_state(rt_vector *v, uint32_t r, agg_kind k, const rt_agg_state *s,
                      rt_arena *arena) {
    switch (k) {
    case AGG_K_I128:
        if (v->type == QE_TYPE_DECIMAL || v->type == QE_TYPE_HUGEINT)
            memcpy((char *)v->values + (size_t)r * 16, &s->v.h, 16);
        else
            put_num(v, r, true, 0, (double)s->v.h);
        return true;
    case AGG_K_IV: memcpy((char *)v->values + (size_t)r * 16, &s->v.iv, 16); return true;
    case AGG_K_STR: return rt_vector_set_string(v, arena, r, s->v.s.ptr, s->v.s.len);
    default: put_num(v, r, k == AGG_K_F64, s->v.i, s->v.d); return true;
    }
}

/* Writes the output columns of aggregate a for group row r. */
static bool put_agg(const agg_exec *e, plan_agg_phase phase, const rt_agg_state *s, rt_batch *b,
                    uint32_t col, uint32_t r, rt_arena *arena) {
    bool counts = e->fn == PLAN_AGG_COUNT || e->fn == PLAN_AGG_COUNT_STAR;
    rt_vector *v = &b->cols[col];
    if (phase == PLAN_AGG_PARTIAL) {
        if (counts)
            put_num(v, r, false, s->n, 0);
        else if (!put_state(v, r, e->kind, s, arena))
            return false;
        put_num(&b->cols[col + 1], r, false, s->n, 0);
        return true;
    }
    if (counts) {
        put_num(v, r, false, s->n, 0);
        return true;
    }
    if (s->n == 0)
        return rt_vector_set_null(v, arena, r, b->capacity);
    if (e->fn == PLAN_AGG_AVG && e->kind == AGG_K_IV) { /* interval sum / n */
        rt_agg_state q;
        memset(&q, 0, sizeof q);
        if (!rt_interval_scale(&s->v.iv, 1.0 / (double)s->n, &q.v.iv))
            return rt_vector_set_null(v, arena, r, b->capacity); /* cannot overflow */
        return put_state(v, r, AGG_K_IV, &q, arena);
    }
    if (e->fn == PLAN_AGG_AVG && e->kind == AGG_K_I128) /* exact DECIMAL sum */
        put_num(v, r, true, 0, (double)s->v.h / ((double)rt_pow10(e->scale) * (double)s->n));
    else if (e->fn == PLAN_AGG_AVG)
        put_num(v, r, true, 0, (e->kind == AGG_K_F64 ? s->v.d : (double)s->v.i) / (double)s->n);
    else
        return put_state(v, r, e->kind, s, arena);
    return true;
}

static qe_status agg_source_next(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch **out) {
    agg_src *s = ps->src;
    const agg_def *d = &s->res->def;
    const plan_op *op = ps->source;
    const agg_result *res = s->res;
    uint64_t total = res->n_rows;
    uint64_t start = atomic_fetch_add(&s->next, RT_VECTOR_SIZE);
    *out = NULL;
    if (start >= total)
        return QE_OK;
    uint32_t n = (uint32_t)(total - start < RT_VECTOR_SIZE ? total - start : RT_VECTOR_SIZE);
    rt_arena *arena = ts->morsel_arena;
    rt_batch *b = rt_batch_create(arena, op->n_cols, op->types, n);
    if (b == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    uint32_t per_agg = op->u.agg.phase == PLAN_AGG_PARTIAL ? 2 : 1;
    uint8_t **rows = rt_arena_alloc(arena, sizeof(uint8_t *) * n);
    if (rows == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    uint32_t live = 0; /* the live groups of the tables' span [start, start + n) */
    for (uint32_t t = 0, got = 0; t < res->n_tables && got < n; t++) {
        uint64_t c = rt_agg_ht_count(res->tables[t]);
        if (start >= c) {
            start -= c;
            continue;
        }
        uint32_t take = (uint32_t)(c - start < n - got ? c - start : n - got);
        live += rt_agg_ht_live_groups(res->tables[t], start, take, rows + live);
        got += take;
        start = 0;
    }
    n = live;
    for (uint32_t c = 0; c < d->n_keys; c++)
        if (!rt_agg_ht_keys_out(res->tables[0], rows, n, c, &b->cols[c], arena, n))
            return rt_error_nomem(&ts->err, ps->task->mem);
    for (uint32_t r = 0; r < n; r++) {
        const rt_agg_state *g = (const rt_agg_state *)rows[r];
        for (uint32_t a = 0; a < d->n_aggs; a++)
            if (!put_agg(&d->aggs[a], op->u.agg.phase, &g[a], b, d->n_keys + per_agg * a, r, arena))
                return rt_error_nomem(&ts->err, ps->task->mem);
    }
    b->n_rows = n;
    *out = b;
    return QE_OK;
}

const rt_source_ops rt_agg_source = {agg_source_init, agg_source_next, NULL};
