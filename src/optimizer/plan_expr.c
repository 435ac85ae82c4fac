/*
 * plan_expr.c -- constructors, structural equality and exact constant casts for plan
 * expressions.  Shared by the binder (which builds expressions) and the optimizer
 * (which rewrites them); every expression lives in the statement's arena.
 */
#include "opt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static plan_expr *new_expr(rt_arena *arena, plan_expr_kind kind, qe_type type, int position) {
    plan_expr *e = rt_arena_calloc(arena, sizeof *e);
    if (e) {
        e->kind = kind;
        e->type = type;
        e->position = position;
    }
    return e;
}

plan_expr *opt_expr_const(rt_arena *arena, const rt_value *value, int position) {
    plan_expr *e = new_expr(arena, PLAN_EXPR_CONST, value->type, position);
    if (!e)
        return NULL;
    e->u.value = *value;
    if (value->type == QE_TYPE_VARCHAR && !value->is_null) {
        char *s = rt_arena_alloc(arena, value->u.s.len + 1);
        if (!s)
            return NULL;
        if (value->u.s.len)
            memcpy(s, value->u.s.ptr, value->u.s.len);
        s[value->u.s.len] = '\0';
        e->u.value.u.s.ptr = s;
    }
    return e;
}

bool opt_expr_list_push(rt_arena *arena, plan_expr ***items, uint32_t *n, uint32_t *cap,
                        plan_expr *e) {
    if (*n == *cap) {
        uint32_t new_cap = *cap ? *cap * 2 : 8;
        plan_expr **grown = rt_arena_alloc(arena, new_cap * sizeof *grown);
        if (!grown)
            return false;
        if (*n)
            memcpy(grown, *items, *n * sizeof *grown);
        *items = grown;
        *cap = new_cap;
    }
    (*items)[(*n)++] = e;
    return true;
}

plan_expr *opt_expr_column(rt_arena *arena, uint32_t column, qe_type type) {
    plan_expr *e = new_expr(arena, PLAN_EXPR_COLUMN, type, -1);
    if (e)
        e->u.column = column;
    return e;
}

plan_expr *opt_expr_op(rt_arena *arena, plan_op_kind op, qe_type type, plan_expr *left,
                       plan_expr *right, int position) {
    plan_expr *e = new_expr(arena, PLAN_EXPR_OP, type, position);
    if (e) {
        e->u.op.op = op;
        e->u.op.args[0] = left;
        e->u.op.args[1] = right;
    }
    return e;
}

plan_expr *opt_expr_case1(rt_arena *arena, plan_expr *cond, plan_expr *then, plan_expr *else_expr,
                          qe_type type) {
    plan_expr *e = new_expr(arena, PLAN_EXPR_CASE, type, -1);
    plan_expr **whens = rt_arena_alloc(arena, sizeof *whens);
    plan_expr **thens = rt_arena_alloc(arena, sizeof *thens);
    if (!e || !whens || !thens || !cond || !then || !else_expr)
        return NULL;
    whens[0] = cond;
    thens[0] = then;
    e->u.case_.n_whens = 1;
    e->u.case_.whens = whens;
    e->u.case_.thens = thens;
    e->u.case_.else_expr = else_expr;
    return e;
}

plan_expr *opt_expr_cast(rt_arena *arena, plan_expr *arg, qe_type to, int position) {
    plan_expr *e = new_expr(arena, PLAN_EXPR_CAST, to, position);
    if (e)
        e->u.cast = arg;
    return e;
}

static bool value_equal(const rt_value *a, const rt_value *b) {
    if (a->type != b->type || a->is_null != b->is_null)
        return false;
    if (a->is_null)
        return true;
    switch (a->type) {
    case QE_TYPE_BOOLEAN: return a->u.b == b->u.b;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: return memcmp(&a->u.d, &b->u.d, sizeof a->u.d) == 0;
    case QE_TYPE_VARCHAR:
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
    case QE_TYPE_DECIMAL:
    case QE_TYPE_HUGEINT: return a->u.h == b->u.h;
    case QE_TYPE_INTERVAL: return memcmp(&a->u.iv, &b->u.iv, sizeof a->u.iv) == 0;
    default: return a->u.i == b->u.i;
    }
}

/* Equality of n-element expression arrays. */
static bool exprs_equal(plan_expr *const *a, plan_expr *const *b, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (!opt_expr_equal(a[i], b[i]))
            return false;
    return true;
}

static bool case_equal(const plan_expr *a, const plan_expr *b) {
    return a->u.case_.n_whens == b->u.case_.n_whens &&
           exprs_equal(a->u.case_.whens, b->u.case_.whens, a->u.case_.n_whens) &&
           exprs_equal(a->u.case_.thens, b->u.case_.thens, a->u.case_.n_whens) &&
           opt_expr_equal(a->u.case_.else_expr, b->u.case_.else_expr);
}

bool opt_expr_equal(const plan_expr *a, const plan_expr *b) {
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->type != b->type || a->typmod != b->typmod)
        return false;
    switch (a->kind) {
    case PLAN_EXPR_CONST: return value_equal(&a->u.value, &b->u.value);
    case PLAN_EXPR_COLUMN: return a->u.column == b->u.column;
    case PLAN_EXPR_OP:
        return a->u.op.op == b->u.op.op && opt_expr_equal(a->u.op.args[0], b->u.op.args[0]) &&
               opt_expr_equal(a->u.op.args[1], b->u.op.args[1]);
    case PLAN_EXPR_CAST: return opt_expr_equal(a->u.cast, b->u.cast);
    case PLAN_EXPR_OUTER_COLUMN:
        return a->u.outer.depth == b->u.outer.depth && a->u.outer.column == b->u.outer.column;
    case PLAN_EXPR_GROUPING:
        if (a->u.grouping.column != b->u.grouping.column ||
            a->u.grouping.n_args != b->u.grouping.n_args)
            return false;
        for (uint32_t i = 0; i < a->u.grouping.n_args; i++)
            if (a->u.grouping.groups[i] != b->u.grouping.groups[i])
                return false;
        return true;
    case PLAN_EXPR_FUNC:
        return a->u.func.fn == b->u.func.fn && a->u.func.n_args == b->u.func.n_args &&
               exprs_equal(a->u.func.args, b->u.func.args, a->u.func.n_args);
    case PLAN_EXPR_CASE: return case_equal(a, b);
    case PLAN_EXPR_PARAM: return a->u.param.index == b->u.param.index;
    default: return false; /* subqueries are equal only to themselves */
    }
    return false;
}

/* A VARCHAR value holding a copy of text in arena. */
static bool string_value(rt_arena *arena, const char *text, rt_value *out) {
    char *s = rt_arena_strdup(arena, text);
    if (!s)
        return false;
    out->type = QE_TYPE_VARCHAR;
    out->is_null = false;
    out->u.s.ptr = s;
    out->u.s.len = (uint32_t)strlen(s);
    return true;
}

/* Integer (or BOOLEAN) constant -> `to`. */
static bool cast_from_integer(rt_arena *arena, int64_t v, qe_type to, rt_value *out) {
    out->type = to;
    out->is_null = false;
    switch (to) {
    case QE_TYPE_BIGINT: out->u.i = v; return true;
    case QE_TYPE_INTEGER:
        if (v < INT32_MIN || v > INT32_MAX)
            return false;
        out->u.i = v;
        return true;
    case QE_TYPE_DOUBLE: out->u.d = (double)v; return true;
    case QE_TYPE_BOOLEAN: out->u.b = v != 0; return true;
    case QE_TYPE_VARCHAR: {
        char buf[24];
        snprintf(buf, sizeof buf, "%" PRId64, v);
        return string_value(arena, buf, out);
    }
    default: return false;
    }
}

bool opt_const_cast(rt_arena *arena, const rt_value *in, qe_type to, rt_value *out) {
    if (in->is_null) {
        memset(out, 0, sizeof *out);
        out->type = to;
        out->is_null = true;
        return true;
    }
    if (in->type == to) {
        *out = *in;
        return true;
    }
    switch (in->type) {
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT: return cast_from_integer(arena, in->u.i, to, out);
    case QE_TYPE_BOOLEAN:
        if (to == QE_TYPE_VARCHAR)
            return string_value(arena, in->u.b ? "true" : "false", out);
        if (to == QE_TYPE_INTEGER)
            return cast_from_integer(arena, in->u.b ? 1 : 0, to, out);
        return false;
    default: return false; /* DOUBLE -> integer rounding, string parsing: run time */
    }
}

/* ---- walking expressions ------------------------------------------------------------ */

/* Pre-order walk of one expression tree; false once fn has returned false. */
static bool walk_expr(const plan_expr *e, opt_expr_fn fn, void *ctx, int depth) {
    if (!e)
        return true;
    if (!fn(e, ctx))
        return false;
    if (depth > 10000)
        return true; /* the parser bounds expression height far below this */
    switch (e->kind) {
    case PLAN_EXPR_OP:
        return walk_expr(e->u.op.args[0], fn, ctx, depth + 1) &&
               walk_expr(e->u.op.args[1], fn, ctx, depth + 1);
    case PLAN_EXPR_CAST: return walk_expr(e->u.cast, fn, ctx, depth + 1);
    case PLAN_EXPR_SUBQUERY: return walk_expr(e->u.subquery.left, fn, ctx, depth + 1);
    case PLAN_EXPR_FUNC:
        for (uint32_t i = 0; i < e->u.func.n_args; i++)
            if (!walk_expr(e->u.func.args[i], fn, ctx, depth + 1))
                return false;
        return true;
    case PLAN_EXPR_CASE:
        for (uint32_t i = 0; i < e->u.case_.n_whens; i++)
            if (!walk_expr(e->u.case_.whens[i], fn, ctx, depth + 1) ||
                !walk_expr(e->u.case_.thens[i], fn, ctx, depth + 1))
                return false;
        return walk_expr(e->u.case_.else_expr, fn, ctx, depth + 1);
    default: return true; /* leaves (new kinds with arguments add a case here) */
    }
}

bool opt_expr_walk(const plan_expr *e, opt_expr_fn fn, void *ctx) {
    return walk_expr(e, fn, ctx, 0);
}

static bool walk_array(plan_expr *const *exprs, uint32_t n, opt_expr_fn fn, void *ctx) {
    for (uint32_t i = 0; i < n; i++)
        if (!opt_expr_walk(exprs[i], fn, ctx))
            return false;
    return true;
}

static bool walk_keys(const plan_sort_key *keys, uint32_t n, opt_expr_fn fn, void *ctx) {
    for (uint32_t i = 0; i < n; i++)
        if (!opt_expr_walk(keys[i].expr, fn, ctx))
            return false;
    return true;
}

static bool walk_aggregate(const plan_node *n, opt_expr_fn fn, void *ctx) {
    if (!walk_array(n->u.aggregate.groups, n->u.aggregate.n_groups, fn, ctx))
        return false;
    for (uint32_t i = 0; i < n->u.aggregate.n_aggs; i++)
        if (!opt_expr_walk(n->u.aggregate.aggs[i].arg, fn, ctx) ||
            !opt_expr_walk(n->u.aggregate.aggs[i].arg2, fn, ctx) ||
            !opt_expr_walk(n->u.aggregate.aggs[i].filter, fn, ctx))
            return false;
    return true;
}

static bool walk_window(const plan_node *n, opt_expr_fn fn, void *ctx) {
    for (uint32_t i = 0; i < n->u.window.n_funcs; i++) {
        const plan_window_func *w = &n->u.window.funcs[i];
        if (!walk_array(w->args, w->n_args, fn, ctx) ||
            !walk_array(w->partition, w->n_partition, fn, ctx) ||
            !walk_keys(w->order, w->n_order, fn, ctx) ||
            !opt_expr_walk(w->frame.start_offset, fn, ctx) ||
            !opt_expr_walk(w->frame.end_offset, fn, ctx))
            return false;
    }
    return true;
}

bool opt_node_exprs_walk(const plan_node *n, opt_expr_fn fn, void *ctx) {
    switch (n->kind) {
    case PLAN_LOGICAL_VALUES:
        return walk_array(n->u.values.rows, n->u.values.n_rows * n->n_cols, fn, ctx);
    case PLAN_LOGICAL_FILTER: return opt_expr_walk(n->u.filter.pred, fn, ctx);
    case PLAN_LOGICAL_PROJECT: return walk_array(n->u.project.exprs, n->n_cols, fn, ctx);
    case PLAN_LOGICAL_AGGREGATE: return walk_aggregate(n, fn, ctx);
    case PLAN_LOGICAL_ORDER: return walk_keys(n->u.order.keys, n->u.order.n_keys, fn, ctx);
    case PLAN_LOGICAL_JOIN: return opt_expr_walk(n->u.join.cond, fn, ctx);
    case PLAN_LOGICAL_WINDOW: return walk_window(n, fn, ctx);
    case PLAN_LOGICAL_DISTINCT_ON:
        return walk_array(n->u.distinct_on.keys, n->u.distinct_on.n_keys, fn, ctx);
    case PLAN_LOGICAL_UPDATE: return walk_array(n->u.dml.set_exprs, n->u.dml.n_set, fn, ctx);
    case PLAN_LOGICAL_CALL: return walk_array(n->u.call.args, n->u.call.n_args, fn, ctx);
    default: return true;
    }
}

int32_t opt_agg_state_typmod(const plan_agg *a) {
    if (a->state_type != QE_TYPE_DECIMAL)
        return 0;
    if (a->fn == PLAN_AGG_AVG)
        return PLAN_TYPMOD_DECIMAL(PLAN_DECIMAL_MAX_PRECISION,
                                   a->arg ? PLAN_DECIMAL_SCALE(a->arg->typmod) : 0);
    return a->typmod;
}
