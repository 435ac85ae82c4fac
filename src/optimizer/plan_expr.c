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
    default: return a->u.i == b->u.i;
    }
}

bool opt_expr_equal(const plan_expr *a, const plan_expr *b) {
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->type != b->type)
        return false;
    switch (a->kind) {
    case PLAN_EXPR_CONST: return value_equal(&a->u.value, &b->u.value);
    case PLAN_EXPR_COLUMN: return a->u.column == b->u.column;
    case PLAN_EXPR_OP:
        return a->u.op.op == b->u.op.op && opt_expr_equal(a->u.op.args[0], b->u.op.args[0]) &&
               opt_expr_equal(a->u.op.args[1], b->u.op.args[1]);
    case PLAN_EXPR_CAST: return opt_expr_equal(a->u.cast, b->u.cast);
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
