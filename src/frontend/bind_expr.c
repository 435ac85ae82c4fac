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

static const char *const aggregate_names[] = {"count", "sum", "min", "max", "avg"};

bool fe_is_aggregate_call(const fe_ast *e) {
    if (!e || e->kind != FE_AST_FUNC)
        return false;
    for (size_t i = 0; i < sizeof aggregate_names / sizeof aggregate_names[0]; i++)
        if (strcmp(e->u.func.name, aggregate_names[i]) == 0)
            return true;
    return false;
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
    case FE_AST_FUNC: return fe_is_aggregate_call(e) || list_contains_aggregate(&e->u.func.args);
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
        return fe_contains_aggregate(e->u.like.arg) || fe_contains_aggregate(e->u.like.pattern);
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

/* Result and state types of an aggregate over an argument of type t. */
static bool aggregate_types(fe_binder *b, const fe_ast *e, plan_agg_fn fn, qe_type t,
                            plan_agg *agg) {
    bool integer = t == QE_TYPE_INTEGER || t == QE_TYPE_BIGINT;
    agg->fn = fn;
    if (fn == PLAN_AGG_COUNT || fn == PLAN_AGG_COUNT_STAR) {
        agg->type = agg->state_type = QE_TYPE_BIGINT;
        return true;
    }
    if (fn == PLAN_AGG_SUM && (integer || t == QE_TYPE_DOUBLE)) {
        agg->type = agg->state_type = integer ? QE_TYPE_BIGINT : QE_TYPE_DOUBLE;
        return true;
    }
    if (fn == PLAN_AGG_AVG && (integer || t == QE_TYPE_DOUBLE)) {
        agg->type = agg->state_type = QE_TYPE_DOUBLE;
        return true;
    }
    if ((fn == PLAN_AGG_MIN || fn == PLAN_AGG_MAX) && (integer || t == QE_TYPE_DOUBLE)) {
        agg->type = t;
        agg->state_type = integer ? QE_TYPE_BIGINT : QE_TYPE_DOUBLE;
        return true;
    }
    if ((fn == PLAN_AGG_MIN || fn == PLAN_AGG_MAX) &&
        (t == QE_TYPE_VARCHAR || t == QE_TYPE_BOOLEAN)) {
        fe_bind_error(b, QE_UNSUPPORTED, "0A000", e->pos, "%s(%s) is not supported yet",
                      e->u.func.name, fe_type_msg_name(t));
        return false;
    }
    fe_bind_error_hint(b, QE_BIND, "42883", e->pos, NO_FUNCTION_HINT,
                       "function %s(%s) does not exist", e->u.func.name, fe_type_msg_name(t));
    return false;
}

static plan_agg_fn aggregate_fn(const fe_ast *e) {
    const char *n = e->u.func.name;
    if (strcmp(n, "count") == 0)
        return e->u.func.star ? PLAN_AGG_COUNT_STAR : PLAN_AGG_COUNT;
    if (strcmp(n, "sum") == 0)
        return PLAN_AGG_SUM;
    if (strcmp(n, "min") == 0)
        return PLAN_AGG_MIN;
    if (strcmp(n, "max") == 0)
        return PLAN_AGG_MAX;
    return PLAN_AGG_AVG;
}

/* Index of agg in b->aggs, adding it if new; UINT32_MAX on out-of-memory. */
static uint32_t add_aggregate(fe_binder *b, const plan_agg *agg, char *name) {
    for (uint32_t i = 0; i < b->n_aggs; i++)
        if (b->aggs[i].fn == agg->fn && opt_expr_equal(b->aggs[i].arg, agg->arg))
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

static plan_expr *bind_aggregate(fe_binder *b, const fe_ast *e) {
    if (e->u.func.distinct)
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", e->u.func.distinct_pos,
                             "DISTINCT aggregates are not supported yet");
    plan_agg agg = {0};
    plan_agg_fn fn = aggregate_fn(e);
    if (e->u.func.star && fn != PLAN_AGG_COUNT_STAR)
        return fe_bind_error_hint(b, QE_BIND, "42883", e->pos, NO_FUNCTION_HINT,
                                  "function %s(*) does not exist", e->u.func.name);
    if (!e->u.func.star && e->u.func.args.n != 1)
        return no_function(b, e, true);
    if (!e->u.func.star && !(agg.arg = bind_aggregate_arg(b, e->u.func.args.items[0])))
        return NULL;
    if (!aggregate_types(b, e, fn, agg.arg ? agg.arg->type : QE_TYPE_BIGINT, &agg))
        return NULL;
    uint32_t idx = add_aggregate(b, &agg, e->u.func.display);
    if (idx == UINT32_MAX)
        return fe_bind_oom(b);
    plan_expr *col = checked(b, opt_expr_column(b->arena, b->n_groups + idx, agg.type));
    if (col)
        col->position = e->pos;
    return col;
}

/* A function call: aggregates (where allowed); no scalar functions exist yet. */
static plan_expr *bind_func(fe_binder *b, const fe_ast *e) {
    if (!fe_is_aggregate_call(e))
        return no_function(b, e, false);
    if (b->in_agg_arg)
        return fe_bind_error(b, QE_BIND, "42803", e->pos,
                             "aggregate function calls cannot be nested");
    if (b->mode == FE_BIND_BASE)
        return fe_bind_error(b, QE_BIND, "42803", e->pos,
                             "aggregate functions are not allowed in %s",
                             b->clause ? b->clause : "this context");
    return bind_aggregate(b, e);
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

static plan_expr *bind_literal(fe_binder *b, const fe_ast *e) {
    rt_value v = {.type = QE_TYPE_NULL};
    switch (e->u.literal.kind) {
    case FE_LIT_INTEGER: return bind_integer_literal(b, e);
    case FE_LIT_DECIMAL:
        v.type = QE_TYPE_DOUBLE;
        v.u.d = strtod(e->u.literal.text, NULL);
        if (isinf(v.u.d))
            return fe_bind_error(b, QE_DATA, "22003", e->pos,
                                 "\"%s\" is out of range for type double precision",
                                 e->u.literal.text);
        break;
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

/* 42703 with PostgreSQL's "Perhaps you meant ..." hint over the scope's columns. */
static plan_expr *missing_column(fe_binder *b, const fe_ast *e) {
    const rt_table *t = b->scope.table;
    const char *q = e->u.column_ref.qualifier, *name = e->u.column_ref.name;
    const char *best = NULL;
    uint32_t best_dist = UINT32_MAX;
    for (uint32_t i = 0; t && i < t->n_cols; i++) {
        uint32_t d = fe_levenshtein(name, t->col_names[i]);
        if (d < best_dist && d <= strlen(t->col_names[i]) / 2)
            best = t->col_names[i], best_dist = d;
    }
    char hint[600] = "";
    if (best)
        snprintf(hint, sizeof hint, "Perhaps you meant to reference the column \"%s.%s\".",
                 b->scope.alias, best);
    if (q)
        return fe_bind_error_hint(b, QE_BIND, "42703", e->pos, best ? hint : NULL,
                                  "column %s.%s does not exist", q, name);
    return fe_bind_error_hint(b, QE_BIND, "42703", e->pos, best ? hint : NULL,
                              "column \"%s\" does not exist", name);
}

static plan_expr *bind_column(fe_binder *b, const fe_ast *e) {
    const rt_table *t = b->scope.table;
    const char *q = e->u.column_ref.qualifier;
    if (q && (!t || strcmp(q, b->scope.alias) != 0))
        return fe_bind_error(b, QE_BIND, "42P01", e->pos,
                             "missing FROM-clause entry for table \"%s\"", q);
    for (uint32_t i = 0; t && i < t->n_cols; i++) {
        if (strcmp(t->col_names[i], e->u.column_ref.name) != 0)
            continue;
        b->scope.used[i] = true;
        plan_expr *c = checked(b, opt_expr_column(b->arena, i, t->col_types[i]));
        if (c)
            c->position = e->pos;
        return c;
    }
    return missing_column(b, e);
}

/* ---- operators ---------------------------------------------------------------------- */

/* Rank for numeric widening: INTEGER < BIGINT < DOUBLE; 0 = not a number we run. */
static int numeric_rank(qe_type t) {
    switch (t) {
    case QE_TYPE_INTEGER: return 1;
    case QE_TYPE_BIGINT: return 2;
    case QE_TYPE_DOUBLE: return 3;
    default: return 0;
    }
}

/* Gives untyped operands (NULL, string literals) the type of the other operand. */
static bool resolve_unknowns(fe_binder *b, const fe_ast *la, plan_expr **l, const fe_ast *ra,
                             plan_expr **r) {
    if ((*l)->type == QE_TYPE_NULL && (*r)->type == QE_TYPE_NULL) {
        *l = fe_resolve_null(b, *l);
        *r = fe_resolve_null(b, *r);
    } else if ((*l)->type == QE_TYPE_NULL) {
        *l = fe_cast_implicit(b, *l, (*r)->type);
    } else if ((*r)->type == QE_TYPE_NULL) {
        *r = fe_cast_implicit(b, *r, (*l)->type);
    } else if (fe_is_string_literal(la, *l) && (*r)->type != QE_TYPE_VARCHAR) {
        *l = fe_convert_literal(b, *l, (*r)->type, la->pos);
    } else if (fe_is_string_literal(ra, *r) && (*l)->type != QE_TYPE_VARCHAR) {
        *r = fe_convert_literal(b, *r, (*l)->type, ra->pos);
    }
    return *l && *r;
}

static plan_expr *no_operator(fe_binder *b, plan_op_kind op, const plan_expr *l, const plan_expr *r,
                              int pos) {
    if (!r)
        return fe_bind_error_hint(b, QE_BIND, "42883", pos, NO_OPERATOR_HINT,
                                  "operator does not exist: %s %s", plan_op_sql(op),
                                  fe_type_msg_name(l->type));
    return fe_bind_error_hint(b, QE_BIND, "42883", pos, NO_OPERATOR_HINT,
                              "operator does not exist: %s %s %s", fe_type_msg_name(l->type),
                              plan_op_sql(op), fe_type_msg_name(r->type));
}

/* Arithmetic: both numeric, cast to the wider type (no % on DOUBLE, as PostgreSQL). */
static plan_expr *bind_arith(fe_binder *b, plan_op_kind op, plan_expr *l, plan_expr *r, int pos) {
    int lr = numeric_rank(l->type), rr = numeric_rank(r->type);
    qe_type t = lr >= rr ? l->type : r->type;
    if (!lr || !rr || (op == PLAN_OP_MOD && t == QE_TYPE_DOUBLE))
        return no_operator(b, op, l, r, pos);
    l = fe_cast_implicit(b, l, t);
    r = fe_cast_implicit(b, r, t);
    return l && r ? make_op(b, op, t, l, r, pos) : NULL;
}

/* Comparison: numbers widen to a common type; other types must be equal. */
static plan_expr *bind_compare(fe_binder *b, plan_op_kind op, const fe_ast *la, plan_expr *l,
                               const fe_ast *ra, plan_expr *r, int pos) {
    if (!resolve_unknowns(b, la, &l, ra, &r))
        return NULL;
    int lr = numeric_rank(l->type), rr = numeric_rank(r->type);
    if (lr && rr) {
        qe_type t = lr >= rr ? l->type : r->type;
        l = fe_cast_implicit(b, l, t);
        r = fe_cast_implicit(b, r, t);
    } else if (l->type != r->type) {
        return no_operator(b, op, l, r, pos);
    }
    return l && r ? make_op(b, op, QE_TYPE_BOOLEAN, l, r, pos) : NULL;
}

/* a || b: text concatenation; a non-text operand is cast to VARCHAR. */
static plan_expr *bind_concat(fe_binder *b, plan_expr *l, plan_expr *r, int pos) {
    if (l->type != QE_TYPE_VARCHAR && r->type != QE_TYPE_VARCHAR &&
        !(l->type == QE_TYPE_NULL || r->type == QE_TYPE_NULL))
        return no_operator(b, PLAN_OP_CONCAT, l, r, pos);
    l = fe_cast_explicit(b, l, QE_TYPE_VARCHAR, pos);
    r = fe_cast_explicit(b, r, QE_TYPE_VARCHAR, pos);
    return l && r ? make_op(b, PLAN_OP_CONCAT, QE_TYPE_VARCHAR, l, r, pos) : NULL;
}

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
    case PLAN_OP_CONCAT: return bind_concat(b, l, r, e->pos);
    case PLAN_OP_ADD:
    case PLAN_OP_SUB:
    case PLAN_OP_MUL:
    case PLAN_OP_DIV:
    case PLAN_OP_MOD:
        if (!resolve_unknowns(b, la, &l, ra, &r))
            return NULL;
        return bind_arith(b, op, l, r, e->pos);
    default: return bind_compare(b, op, la, l, ra, r, e->pos);
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
    a = fe_resolve_null(b, a);
    if (!a)
        return NULL;
    if (!numeric_rank(a->type))
        return no_operator(b, e->u.unary.op == PLAN_OP_ADD ? PLAN_OP_ADD : PLAN_OP_NEG, a, NULL,
                           e->pos);
    if (e->u.unary.op == PLAN_OP_ADD)
        return a;
    return make_op(b, PLAN_OP_NEG, a->type, a, NULL, e->pos);
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
static plan_expr *bind_between(fe_binder *b, const fe_ast *e) {
    const fe_ast *xa = e->u.between.arg;
    bool neg = e->u.between.negated;
    plan_expr *x = fe_bind_expr(b, xa);
    plan_expr *lo = x ? fe_bind_expr(b, e->u.between.low) : NULL;
    plan_expr *hi = lo ? fe_bind_expr(b, e->u.between.high) : NULL;
    if (!hi)
        return NULL;
    plan_expr *c1 =
        bind_compare(b, neg ? PLAN_OP_LT : PLAN_OP_GE, xa, x, e->u.between.low, lo, e->pos);
    plan_expr *c2 =
        c1 ? bind_compare(b, neg ? PLAN_OP_GT : PLAN_OP_LE, xa, x, e->u.between.high, hi, e->pos)
           : NULL;
    return c2 ? make_op(b, neg ? PLAN_OP_OR : PLAN_OP_AND, QE_TYPE_BOOLEAN, c1, c2, e->pos) : NULL;
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
            item ? bind_compare(b, neg ? PLAN_OP_NE : PLAN_OP_EQ, xa, x, ia, item, e->pos) : NULL;
        if (!terms[i])
            return NULL;
    }
    return combine_balanced(b, neg ? PLAN_OP_AND : PLAN_OP_OR, terms, n, e->pos);
}

static plan_expr *bind_cast(fe_binder *b, const fe_ast *e) {
    qe_type to;
    plan_expr *a = fe_bind_expr(b, e->u.cast.arg);
    if (!a || !fe_resolve_type(b, e->u.cast.type, &to))
        return NULL;
    return fe_cast_explicit(b, a, to, e->pos);
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
    case FE_AST_LIKE:
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", e->pos, "%s is not supported yet",
                             e->u.like.case_insensitive ? "ILIKE" : "LIKE");
    case FE_AST_CASE:
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", e->pos,
                             "CASE expressions are not supported yet");
    case FE_AST_SUBQUERY:
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", e->pos,
                             "subqueries are not supported yet");
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
            if (c)
                c->position = e->pos;
            return c;
        }
    }
    if (is_constant_expr(base))
        return base;
    if (e->kind == FE_AST_COLUMN_REF)
        return fe_bind_error(b, QE_BIND, "42803", e->pos,
                             "column \"%s.%s\" must appear in the GROUP BY clause or be used in "
                             "an aggregate function",
                             b->scope.alias, e->u.column_ref.name);
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
