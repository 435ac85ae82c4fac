/*
 * bind_expr.c -- AST expressions -> typed plan expressions.
 *
 * Two modes (fe_binder.mode).  BASE: column references resolve against the FROM
 * scope (to table column indexes; the SELECT binder renumbers them to the Get's
 * columns) and aggregates are errors.  AGG (after GROUP BY): an expression that
 * contains no aggregate is bound as in BASE and must equal a GROUP BY expression (it
 * then becomes a reference to that group column), or be built from such expressions
 * and constants; aggregate calls are collected into fe_binder.aggs and become
 * references to the aggregate's output column.  BETWEEN, IN lists and IS TRUE/FALSE
 * are rewritten into comparisons and AND/OR here; the rewritten trees may share the
 * bound operand (plans are immutable, so sharing is safe).
 */
#include "fe_int.h"

#include "opt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_OPERATOR_HINT                                                                           \
    "No operator matches the given name and argument types. You might need to add "                \
    "explicit type casts."
#define NO_FUNCTION_HINT                                                                           \
    "No function matches the given name and argument types. You might need to add "                \
    "explicit type casts."

static plan_expr *bind_node(fe_binder *b, const fe_ast *e);

static plan_expr *checked(fe_binder *b, plan_expr *e) { return e ? e : fe_bind_oom(b); }

static plan_expr *make_op(fe_binder *b, plan_op_kind op, qe_type type, plan_expr *l, plan_expr *r,
                          int pos) {
    return checked(b, opt_expr_op(b->arena, op, type, l, r, pos));
}

/* ---- aggregates --------------------------------------------------------------------- */

bool fe_is_aggregate_call(const fe_ast *e) {
    if (!e || e->kind != FE_AST_FUNC || e->u.func.over) /* f() OVER is a window call */
        return false;
    int fn = plan_func_lookup(e->u.func.name);
    return fn >= 0 && plan_func_kind_of((uint32_t)fn) == PLAN_FUNC_AGGREGATE;
}

static bool list_contains_aggregate(const fe_list *l) {
    for (uint32_t i = 0; i < l->n; i++)
        if (fe_contains_aggregate(l->items[i]))
            return true;
    return false;
}

bool fe_contains_aggregate(const fe_ast *e) {
    if (!e)
        return false;
    switch (e->kind) {
    case FE_AST_FUNC:
        if (e->u.func.over) /* a window call: aggregates may hide in its arguments/spec */
            return list_contains_aggregate(&e->u.func.args) ||
                   fe_window_contains_aggregate(e->u.func.over);
        return fe_is_aggregate_call(e) || strcmp(e->u.func.name, "grouping") == 0 ||
               list_contains_aggregate(&e->u.func.args);
    case FE_AST_UNARY: return fe_contains_aggregate(e->u.unary.arg);
    case FE_AST_BINARY:
        return fe_contains_aggregate(e->u.binary.left) || fe_contains_aggregate(e->u.binary.right);
    case FE_AST_IS: return fe_contains_aggregate(e->u.is.arg);
    case FE_AST_BETWEEN:
        return fe_contains_aggregate(e->u.between.arg) || fe_contains_aggregate(e->u.between.low) ||
               fe_contains_aggregate(e->u.between.high);
    case FE_AST_IN_LIST:
        return fe_contains_aggregate(e->u.in_list.arg) ||
               list_contains_aggregate(&e->u.in_list.list);
    case FE_AST_LIKE:
        return fe_contains_aggregate(e->u.like.arg) || fe_contains_aggregate(e->u.like.pattern) ||
               fe_contains_aggregate(e->u.like.escape);
    case FE_AST_CAST: return fe_contains_aggregate(e->u.cast.arg);
    case FE_AST_CASE:
        return fe_contains_aggregate(e->u.case_.operand) ||
               list_contains_aggregate(&e->u.case_.conds) ||
               list_contains_aggregate(&e->u.case_.results) ||
               fe_contains_aggregate(e->u.case_.else_expr);
    case FE_AST_SUBQUERY: return fe_contains_aggregate(e->u.subquery.arg);
    default: return false;
    }
}

/* The runtime's v state column type (plan.h): BIGINT for COUNT and integer
 * SUM/MIN/MAX, DOUBLE for AVG and DOUBLE inputs, DECIMAL for AVG over DECIMAL; others
 * keep their result type. */
static qe_type state_type(plan_agg_fn fn, const plan_expr *arg, qe_type result) {
    qe_type t = arg ? arg->type : QE_TYPE_BIGINT;
    if (fn == PLAN_AGG_COUNT || fn == PLAN_AGG_COUNT_STAR)
        return QE_TYPE_BIGINT;
    if (fn == PLAN_AGG_AVG) /* DECIMAL, INTERVAL: the exact sum */
        return t == QE_TYPE_DECIMAL || t == QE_TYPE_INTERVAL ? t : QE_TYPE_DOUBLE;
    if (fn == PLAN_AGG_SUM || fn == PLAN_AGG_MIN || fn == PLAN_AGG_MAX) {
        if (rt_type_is_integer(t))
            return QE_TYPE_BIGINT;
        if (t == QE_TYPE_DOUBLE || t == QE_TYPE_REAL)
            return QE_TYPE_DOUBLE;
    }
    return result;
}

/* Index of agg in b->aggs, adding it if new; UINT32_MAX on out-of-memory. */
static uint32_t add_aggregate(fe_binder *b, const plan_agg *agg, char *name) {
    for (uint32_t i = 0; i < b->n_aggs; i++)
        if (b->aggs[i].fn == agg->fn && b->aggs[i].distinct == agg->distinct &&
            opt_expr_equal(b->aggs[i].arg, agg->arg) &&
            opt_expr_equal(b->aggs[i].arg2, agg->arg2) &&
            opt_expr_equal(b->aggs[i].filter, agg->filter))
            return i;
    if (b->n_aggs == b->aggs_cap) {
        uint32_t cap = b->aggs_cap ? b->aggs_cap * 2 : 8;
        plan_agg *aggs = rt_arena_alloc(b->arena, cap * sizeof *aggs);
        char **names = rt_arena_alloc(b->arena, cap * sizeof *names);
        if (!aggs || !names)
            return UINT32_MAX;
        if (b->n_aggs) {
            memcpy(aggs, b->aggs, b->n_aggs * sizeof *aggs);
            memcpy(names, b->agg_names, b->n_aggs * sizeof *names);
        }
        b->aggs = aggs;
        b->agg_names = names;
        b->aggs_cap = cap;
    }
    b->aggs[b->n_aggs] = *agg;
    b->agg_names[b->n_aggs] = name;
    return b->n_aggs++;
}

static plan_expr *bind_aggregate_arg(fe_binder *b, const fe_ast *arg);

/* 42883 "function f(integer, varchar) does not exist", binding the arguments for their
 * types (as aggregate arguments when `aggregate`). */
static plan_expr *no_function(fe_binder *b, const fe_ast *e, bool aggregate) {
    char types[256] = "";
    size_t used = 0;
    for (uint32_t i = 0; i < e->u.func.args.n; i++) {
        const fe_ast *arg = e->u.func.args.items[i];
        plan_expr *a = aggregate ? bind_aggregate_arg(b, arg) : fe_bind_expr(b, arg);
        if (!a)
            return NULL;
        int n = snprintf(types + used, sizeof types - used, "%s%s", i ? ", " : "",
                         fe_type_msg_name(a->type));
        used = n > 0 && used + (size_t)n < sizeof types ? used + (size_t)n : used;
    }
    return fe_bind_error_hint(b, QE_BIND, "42883", e->pos, NO_FUNCTION_HINT,
                              "function %s(%s) does not exist", e->u.func.name,
                              e->u.func.star ? "*" : types);
}

/* The argument of an aggregate, bound over the FROM scope. */
static plan_expr *bind_aggregate_arg(fe_binder *b, const fe_ast *arg) {
    fe_bind_mode mode = b->mode;
    const char *clause = b->clause;
    b->mode = FE_BIND_BASE;
    b->clause = NULL;
    b->in_agg_arg = true;
    plan_expr *e = fe_resolve_null(b, bind_node(b, arg));
    b->in_agg_arg = false;
    b->mode = mode;
    b->clause = clause;
    return e;
}

/* FILTER (WHERE cond) of an aggregate: a BOOLEAN over the FROM scope. */
static plan_expr *bind_agg_filter(fe_binder *b, const fe_ast *cond) {
    fe_bind_mode mode = b->mode;
    const char *clause = b->clause;
    b->mode = FE_BIND_BASE;
    b->clause = "FILTER";
    plan_expr *e = fe_bind_condition(b, cond, "FILTER");
    b->mode = mode;
    b->clause = clause;
    return e;
}

/* Arguments and result of a non-star aggregate call, resolved over the catalog. */
static bool bind_agg_args(fe_binder *b, const fe_ast *e, uint32_t fn, plan_agg *agg) {
    const fe_list *l = &e->u.func.args;
    if (l->n == 0 || l->n > 2)
        return no_function(b, e, true), false;
    plan_expr *args[2] = {NULL, NULL};
    for (uint32_t i = 0; i < l->n; i++)
        if (!(args[i] = bind_aggregate_arg(b, l->items[i])))
            return false;
    if (!fe_func_resolve(b, fn, (const fe_ast *const *)l->items, args, l->n, e->pos, &agg->type,
                         &agg->typmod))
        return false;
    agg->fn = (plan_agg_fn)plan_func_agg(fn);
    agg->arg = args[0];
    agg->arg2 = args[1];
    return true;
}

static plan_expr *bind_aggregate(fe_binder *b, const fe_ast *e, uint32_t fn) {
    plan_agg agg = {0};
    if (e->u.func.star && fn != PLAN_FUNC_ID_COUNT)
        return fe_bind_error_hint(b, QE_BIND, "42883", e->pos, NO_FUNCTION_HINT,
                                  "function %s(*) does not exist", e->u.func.name);
    if (e->u.func.star) {
        agg.fn = PLAN_AGG_COUNT_STAR;
        agg.type = QE_TYPE_BIGINT;
    } else if (!bind_agg_args(b, e, fn, &agg)) {
        return NULL;
    }
    agg.distinct = e->u.func.distinct;
    agg.state_type = state_type(agg.fn, agg.arg, agg.type);
    if (e->u.func.filter && !(agg.filter = bind_agg_filter(b, e->u.func.filter)))
        return NULL;
    uint32_t idx = add_aggregate(b, &agg, e->u.func.display);
    if (idx == UINT32_MAX)
        return fe_bind_oom(b);
    plan_expr *col = checked(b, opt_expr_column(b->arena, b->n_groups + idx, agg.type));
    if (col) {
        col->position = e->pos;
        col->typmod = agg.typmod;
    }
    return col;
}

/* A function call: window calls and grouping() (bind_window.c, bind_grouping.c),
 * scalar functions, and aggregates (where allowed), by the catalog. */
static plan_expr *bind_func(fe_binder *b, const fe_ast *e) {
    if (e->u.func.over)
        return fe_bind_window_call(b, e);
    if (strcmp(e->u.func.name, "grouping") == 0)
        return fe_bind_grouping(b, e);
    int fn = plan_func_lookup(e->u.func.name);
    if (fn < 0)
        return no_function(b, e, false);
    if (plan_func_kind_of((uint32_t)fn) == PLAN_FUNC_SCALAR)
        return fe_bind_scalar_call(b, e, (uint32_t)fn);
    if (plan_func_kind_of((uint32_t)fn) == PLAN_FUNC_WINDOW)
        return fe_bind_error(b, QE_BIND, "42809", e->pos,
                             "window function %s requires an OVER clause", e->u.func.name);
    if (b->in_agg_arg)
        return fe_bind_error(b, QE_BIND, "42803", e->pos,
                             "aggregate function calls cannot be nested");
    if (b->mode == FE_BIND_BASE)
        return fe_bind_error(b, QE_BIND, "42803", e->pos,
                             "aggregate functions are not allowed in %s",
                             b->clause ? b->clause : "this context");
    return bind_aggregate(b, e, (uint32_t)fn);
}

/* ---- literals and columns ----------------------------------------------------------- */

static plan_expr *bind_integer_literal(fe_binder *b, const fe_ast *e) {
    const char *s = e->u.literal.text;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return fe_bind_error(b, QE_DATA, "22003", e->pos,
                             "value \"%s\" is out of range for type bigint", s);
    rt_value val = {.type = v >= INT32_MIN && v <= INT32_MAX ? QE_TYPE_INTEGER : QE_TYPE_BIGINT};
    val.u.i = v;
    return checked(b, opt_expr_const(b->arena, &val, e->pos));
}

/* 1.25 is DECIMAL(3, 2) (DuckDB's rule); exponent forms and literals of more than
 * 18 digits are DOUBLE. */
static plan_expr *bind_decimal_literal(fe_binder *b, const fe_ast *e) {
    const char *s = e->u.literal.text, *end = s + e->u.literal.len;
    const char *dot = strchr(s, '.');
    if (!strpbrk(s, "eE")) {
        int scale = dot ? (int)(end - dot - 1) : 0, int_digits = 0;
        int64_t v;
        if (scale <= 18 && fe_parse_decimal(s, end, scale, &v, &int_digits) &&
            int_digits + scale <= 18) {
            int p = int_digits + scale > 0 ? int_digits + scale : 1;
            rt_value val = {.type = QE_TYPE_DECIMAL};
            val.u.h = v;
            plan_expr *c = checked(b, opt_expr_const(b->arena, &val, e->pos));
            if (c)
                c->typmod = PLAN_TYPMOD_DECIMAL(p, scale);
            return c;
        }
    }
    rt_value val = {.type = QE_TYPE_DOUBLE};
    val.u.d = strtod(s, NULL);
    if (isinf(val.u.d))
        return fe_bind_error(b, QE_DATA, "22003", e->pos,
                             "\"%s\" is out of range for type double precision", s);
    return checked(b, opt_expr_const(b->arena, &val, e->pos));
}

/* $n (the parser numbers `?` too): a PARAM whose type the context decides. */
static plan_expr *bind_param(fe_binder *b, const fe_ast *e) {
    long n = strtol(e->u.literal.text + 1, NULL, 10);
    if (n < 1 || n > 65535)
        return fe_bind_error(b, QE_BIND, "42P02", e->pos, "there is no parameter %s",
                             e->u.literal.text);
    plan_expr *p = rt_arena_calloc(b->arena, sizeof *p);
    if (!p)
        return fe_bind_oom(b);
    p->kind = PLAN_EXPR_PARAM;
    p->type = QE_TYPE_NULL;
    p->position = e->pos;
    p->u.param.index = (uint32_t)n;
    return p;
}

static plan_expr *bind_literal(fe_binder *b, const fe_ast *e) {
    rt_value v = {.type = QE_TYPE_NULL};
    switch (e->u.literal.kind) {
    case FE_LIT_INTEGER: return bind_integer_literal(b, e);
    case FE_LIT_DECIMAL: return bind_decimal_literal(b, e);
    case FE_LIT_PARAM: return bind_param(b, e);
    case FE_LIT_STRING:
        v.type = QE_TYPE_VARCHAR;
        v.u.s.ptr = e->u.literal.text;
        v.u.s.len = e->u.literal.len;
        break;
    case FE_LIT_TRUE:
    case FE_LIT_FALSE:
        v.type = QE_TYPE_BOOLEAN;
        v.u.b = e->u.literal.kind == FE_LIT_TRUE;
        break;
    case FE_LIT_NULL: v.is_null = true; break;
    }
    return checked(b, opt_expr_const(b->arena, &v, e->pos));
}

uint32_t fe_levenshtein(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    if (n > 255 || m > 255)
        return UINT32_MAX;
    uint32_t prev[256], cur[256];
    for (size_t j = 0; j <= m; j++)
        prev[j] = (uint32_t)j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = (uint32_t)i;
        for (size_t j = 1; j <= m; j++) {
            uint32_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            uint32_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (m + 1) * sizeof prev[0]);
    }
    return prev[m];
}

/* Column references resolve through the scopes (bind_scope.c). */
static plan_expr *bind_column(fe_binder *b, const fe_ast *e) { return fe_scope_resolve(b, e); }

/* ---- operators ---------------------------------------------------------------------- */

/* Makes a bound operand BOOLEAN for AND/OR/NOT/WHERE (42804 otherwise). */
static plan_expr *require_boolean(fe_binder *b, const fe_ast *ast, plan_expr *e, const char *what) {
    if (!e)
        return NULL;
    if (e->type == QE_TYPE_NULL)
        return fe_cast_implicit(b, e, QE_TYPE_BOOLEAN);
    if (fe_is_string_literal(ast, e))
        return fe_convert_literal(b, e, QE_TYPE_BOOLEAN, ast->pos);
    if (e->type != QE_TYPE_BOOLEAN)
        return fe_bind_error(b, QE_BIND, "42804", ast->pos,
                             "argument of %s must be type boolean, not type %s", what,
                             fe_type_msg_name(e->type));
    return e;
}

static plan_expr *bind_binary(fe_binder *b, const fe_ast *e) {
    const fe_ast *la = e->u.binary.left, *ra = e->u.binary.right;
    plan_op_kind op = e->u.binary.op;
    plan_expr *l = fe_bind_expr(b, la);
    plan_expr *r = l ? fe_bind_expr(b, ra) : NULL;
    if (!r)
        return NULL;
    switch (op) {
    case PLAN_OP_AND:
    case PLAN_OP_OR:
        l = require_boolean(b, la, l, plan_op_sql(op));
        r = l ? require_boolean(b, ra, r, plan_op_sql(op)) : NULL;
        return r ? make_op(b, op, QE_TYPE_BOOLEAN, l, r, e->pos) : NULL;
    case PLAN_OP_CONCAT: return fe_bind_concat(b, l, r, e->pos);
    case PLAN_OP_ADD:
    case PLAN_OP_SUB:
    case PLAN_OP_MUL:
    case PLAN_OP_DIV:
    case PLAN_OP_MOD: return fe_bind_arith(b, op, la, l, ra, r, e->pos);
    default: return fe_bind_comparison(b, op, la, l, ra, r, e->pos);
    }
}

static plan_expr *bind_unary(fe_binder *b, const fe_ast *e) {
    plan_expr *a = fe_bind_expr(b, e->u.unary.arg);
    if (!a)
        return NULL;
    if (e->u.unary.op == PLAN_OP_NOT) {
        a = require_boolean(b, e->u.unary.arg, a, "NOT");
        return a ? make_op(b, PLAN_OP_NOT, QE_TYPE_BOOLEAN, a, NULL, e->pos) : NULL;
    }
    return fe_bind_negate(b, e->u.unary.op, a, e->pos);
}

/* x IS [NOT] NULL | TRUE | FALSE | UNKNOWN (TRUE/FALSE become AND/OR of NULL tests). */
static plan_expr *bind_is(fe_binder *b, const fe_ast *e) {
    plan_expr *a = fe_bind_expr(b, e->u.is.arg);
    bool neg = e->u.is.negated;
    int pos = e->pos;
    if (!a)
        return NULL;
    if (e->u.is.test == FE_IS_NULL || e->u.is.test == FE_IS_UNKNOWN) {
        if (e->u.is.test == FE_IS_UNKNOWN &&
            !(a = require_boolean(b, e->u.is.arg, a, "IS UNKNOWN")))
            return NULL;
        a = fe_resolve_null(b, a);
        return a ? make_op(b, neg ? PLAN_OP_IS_NOT_NULL : PLAN_OP_IS_NULL, QE_TYPE_BOOLEAN, a, NULL,
                           pos)
                 : NULL;
    }
    if (!(a = require_boolean(b, e->u.is.arg, a,
                              e->u.is.test == FE_IS_TRUE ? "IS TRUE" : "IS FALSE")))
        return NULL;
    /* IS TRUE: x IS NOT NULL AND x      IS NOT TRUE: x IS NULL OR NOT x
     * IS FALSE: x IS NOT NULL AND NOT x IS NOT FALSE: x IS NULL OR x */
    plan_expr *value = a;
    if ((e->u.is.test == FE_IS_TRUE) == neg &&
        !(value = make_op(b, PLAN_OP_NOT, QE_TYPE_BOOLEAN, a, NULL, pos)))
        return NULL;
    plan_expr *known =
        make_op(b, neg ? PLAN_OP_IS_NULL : PLAN_OP_IS_NOT_NULL, QE_TYPE_BOOLEAN, a, NULL, pos);
    return known ? make_op(b, neg ? PLAN_OP_OR : PLAN_OP_AND, QE_TYPE_BOOLEAN, known, value, pos)
                 : NULL;
}

/* x BETWEEN lo AND hi -> x >= lo AND x <= hi; NOT BETWEEN -> x < lo OR x > hi. */
static plan_expr *between_terms(fe_binder *b, const fe_ast *e, bool neg, plan_expr *x,
                                const fe_ast *loa, plan_expr *lo, const fe_ast *hia,
                                plan_expr *hi) {
    const fe_ast *xa = e->u.between.arg;
    plan_expr *c1 = fe_bind_comparison(b, neg ? PLAN_OP_LT : PLAN_OP_GE, xa, x, loa, lo, e->pos);
    plan_expr *c2 =
        c1 ? fe_bind_comparison(b, neg ? PLAN_OP_GT : PLAN_OP_LE, xa, x, hia, hi, e->pos) : NULL;
    return c2 ? make_op(b, neg ? PLAN_OP_OR : PLAN_OP_AND, QE_TYPE_BOOLEAN, c1, c2, e->pos) : NULL;
}

/* BETWEEN SYMMETRIC tries both orders of the bounds (OR; NOT: AND of the negations). */
static plan_expr *bind_between(fe_binder *b, const fe_ast *e) {
    bool neg = e->u.between.negated;
    const fe_ast *loa = e->u.between.low, *hia = e->u.between.high;
    plan_expr *x = fe_bind_expr(b, e->u.between.arg);
    plan_expr *lo = x ? fe_bind_expr(b, loa) : NULL;
    plan_expr *hi = lo ? fe_bind_expr(b, hia) : NULL;
    plan_expr *t1 = hi ? between_terms(b, e, neg, x, loa, lo, hia, hi) : NULL;
    if (!t1 || !e->u.between.symmetric)
        return t1;
    plan_expr *t2 = between_terms(b, e, neg, x, hia, hi, loa, lo);
    return t2 ? make_op(b, neg ? PLAN_OP_AND : PLAN_OP_OR, QE_TYPE_BOOLEAN, t1, t2, e->pos) : NULL;
}

/* Combines terms[0..n) with op as a balanced tree, so a long IN list stays shallow for
 * the passes that recurse over expressions. */
static plan_expr *combine_balanced(fe_binder *b, plan_op_kind op, plan_expr **terms, uint32_t n,
                                   int pos) {
    if (n == 1)
        return terms[0];
    plan_expr *l = combine_balanced(b, op, terms, n / 2, pos);
    plan_expr *r = l ? combine_balanced(b, op, terms + n / 2, n - n / 2, pos) : NULL;
    return r ? make_op(b, op, QE_TYPE_BOOLEAN, l, r, pos) : NULL;
}

/* x IN (a, b) -> x = a OR x = b; NOT IN -> x <> a AND x <> b. */
static plan_expr *bind_in_list(fe_binder *b, const fe_ast *e) {
    const fe_ast *xa = e->u.in_list.arg;
    bool neg = e->u.in_list.negated;
    uint32_t n = e->u.in_list.list.n;
    plan_expr *x = fe_bind_expr(b, xa);
    if (!x)
        return NULL;
    plan_expr **terms = rt_arena_alloc(b->arena, sizeof *terms * (n ? n : 1));
    if (!terms || n == 0) /* the parser never yields an empty list */
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < n; i++) {
        const fe_ast *ia = e->u.in_list.list.items[i];
        plan_expr *item = fe_bind_expr(b, ia);
        terms[i] =
            item ? fe_bind_comparison(b, neg ? PLAN_OP_NE : PLAN_OP_EQ, xa, x, ia, item, e->pos)
                 : NULL;
        if (!terms[i])
            return NULL;
    }
    return combine_balanced(b, neg ? PLAN_OP_AND : PLAN_OP_OR, terms, n, e->pos);
}

/* CAST(x AS t), x::t and typed literals (DATE '...', INTERVAL '3' MONTH). */
static plan_expr *bind_cast(fe_binder *b, const fe_ast *e) {
    qe_type to;
    int32_t typmod;
    const fe_ast *tn = e->u.cast.type;
    plan_expr *a = fe_bind_expr(b, e->u.cast.arg);
    if (!a || !fe_resolve_type_mod(b, tn, &to, &typmod))
        return NULL;
    if (to == QE_TYPE_INTERVAL && tn->u.type_name.interval_fields &&
        fe_is_string_literal(e->u.cast.arg, a))
        return fe_convert_literal_mod(b, a, to, 0, tn->u.type_name.interval_fields,
                                      e->u.cast.arg->pos);
    return fe_cast_explicit_mod(b, a, to, typmod, e->pos);
}

/* ---- dispatch ----------------------------------------------------------------------- */

static plan_expr *bind_node(fe_binder *b, const fe_ast *e) {
    if (b->failed)
        return NULL;
    switch (e->kind) {
    case FE_AST_LITERAL: return bind_literal(b, e);
    case FE_AST_COLUMN_REF: return bind_column(b, e);
    case FE_AST_UNARY: return bind_unary(b, e);
    case FE_AST_BINARY: return bind_binary(b, e);
    case FE_AST_IS: return bind_is(b, e);
    case FE_AST_BETWEEN: return bind_between(b, e);
    case FE_AST_IN_LIST: return bind_in_list(b, e);
    case FE_AST_FUNC: return bind_func(b, e);
    case FE_AST_CAST: return bind_cast(b, e);
    case FE_AST_LIKE: return fe_bind_like(b, e);
    case FE_AST_CASE: return fe_bind_case(b, e);
    case FE_AST_SUBQUERY: return fe_bind_subquery(b, e);
    case FE_AST_DEFAULT:
        return fe_bind_error(b, QE_SYNTAX, "42601", e->pos,
                             "DEFAULT is not allowed in this context");
    case FE_AST_STAR:
        return fe_bind_error(b, QE_SYNTAX, "42601", e->pos, "\"*\" is not allowed here");
    default:
        return fe_bind_error(b, QE_INTERNAL, "XX000", e->pos, "unexpected %s node in an expression",
                             fe_ast_kind_name(e->kind));
    }
}

/* True if a bound expression reads no column (a constant expression). */
static bool is_constant_expr(const plan_expr *e) {
    switch (e->kind) {
    case PLAN_EXPR_CONST: return true;
    case PLAN_EXPR_COLUMN: return false;
    case PLAN_EXPR_CAST: return is_constant_expr(e->u.cast);
    case PLAN_EXPR_OP:
        return is_constant_expr(e->u.op.args[0]) &&
               (!e->u.op.args[1] || is_constant_expr(e->u.op.args[1]));
    case PLAN_EXPR_OUTER_COLUMN: return true; /* fixed for one row of this query */
    case PLAN_EXPR_PARAM: return true;
    case PLAN_EXPR_FUNC:
        for (uint32_t i = 0; i < e->u.func.n_args; i++)
            if (!is_constant_expr(e->u.func.args[i]))
                return false;
        return true;
    case PLAN_EXPR_CASE:
        for (uint32_t i = 0; i < e->u.case_.n_whens; i++)
            if (!is_constant_expr(e->u.case_.whens[i]) || !is_constant_expr(e->u.case_.thens[i]))
                return false;
        return is_constant_expr(e->u.case_.else_expr);
    case PLAN_EXPR_SUBQUERY: return !e->u.subquery.left || is_constant_expr(e->u.subquery.left);
    default: return false;
    }
    return false;
}

/* AGG mode, aggregate-free expression: a GROUP BY expression, a constant, or built
 * from those. */
static plan_expr *bind_grouped(fe_binder *b, const fe_ast *e) {
    fe_bind_mode mode = b->mode;
    b->mode = FE_BIND_BASE;
    plan_expr *base = bind_node(b, e);
    b->mode = mode;
    if (!base)
        return NULL;
    for (uint32_t g = 0; g < b->n_groups; g++) {
        if (opt_expr_equal(base, b->groups[g])) {
            plan_expr *c = checked(b, opt_expr_column(b->arena, g, base->type));
            if (c) {
                c->position = e->pos;
                c->typmod = base->typmod;
            }
            return c;
        }
    }
    if (is_constant_expr(base))
        return base;
    if (e->kind == FE_AST_COLUMN_REF)
        return fe_bind_error(b, QE_BIND, "42803", e->pos,
                             "column \"%s.%s\" must appear in the GROUP BY clause or be used in "
                             "an aggregate function",
                             fe_scope_qualifier(b, e), e->u.column_ref.name);
    return bind_node(b, e);
}

plan_expr *fe_bind_expr(fe_binder *b, const fe_ast *e) {
    if (b->failed)
        return NULL;
    if (b->mode == FE_BIND_AGG && !fe_contains_aggregate(e))
        return bind_grouped(b, e);
    return bind_node(b, e);
}

plan_expr *fe_bind_condition(fe_binder *b, const fe_ast *e, const char *what) {
    return require_boolean(b, e, fe_bind_expr(b, e), what);
}
