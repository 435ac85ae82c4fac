/*
 * optimize.c -- logical rewrites: subquery unnesting (unnest.c), aggregate FILTER and
 * DISTINCT (agg_rewrite.c), INTERSECT/EXCEPT (setop_rewrite.c), constant folding
 * (here), then the join rewrites of join_rewrite.c (predicate pushdown, equi-join
 * extraction, join order), the semi-join reduction of aggregates (semijoin_reduce.c)
 * and projection pruning (prune.c).
 *
 * An operator, cast or function whose arguments are all constants is evaluated now,
 * with the runtime's semantics (checked integer arithmetic, SQL three-valued logic, NULL
 * propagation).  Whenever evaluation would raise an error (overflow, division by
 * zero, a cast that can fail) the expression is left as it is, so the error is raised
 * at run time by the query that really evaluates it.  The input plan is not modified:
 * nodes whose expressions change are copied (plans are immutable once built).
 */
#include "opt.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* ---- evaluating operators over constants -------------------------------------------- */

/* Checked integer arithmetic in int64, then range-checked for INTEGER. */
static bool eval_int_arith(plan_op_kind op, qe_type type, int64_t a, int64_t b, int64_t *r) {
    bool overflow = false;
    switch (op) {
    case PLAN_OP_ADD: overflow = __builtin_add_overflow(a, b, r); break;
    case PLAN_OP_SUB: overflow = __builtin_sub_overflow(a, b, r); break;
    case PLAN_OP_MUL: overflow = __builtin_mul_overflow(a, b, r); break;
    case PLAN_OP_DIV:
        if (b == 0 || (b == -1 && a == INT64_MIN))
            return false;
        *r = a / b;
        break;
    case PLAN_OP_MOD:
        if (b == 0)
            return false;
        *r = b == -1 ? 0 : a % b;
        break;
    default: return false;
    }
    if (overflow)
        return false;
    return type != QE_TYPE_INTEGER || (*r >= INT32_MIN && *r <= INT32_MAX);
}

static bool eval_double_arith(plan_op_kind op, double a, double b, double *r) {
    switch (op) {
    case PLAN_OP_ADD: *r = a + b; break;
    case PLAN_OP_SUB: *r = a - b; break;
    case PLAN_OP_MUL: *r = a * b; break;
    case PLAN_OP_DIV:
        if (b == 0)
            return false;
        *r = a / b;
        break;
    default: return false; /* % on DOUBLE: leave to the runtime */
    }
    return isfinite(*r) || !isfinite(a) || !isfinite(b);
}

/* Three-way comparison of two non-NULL constants of one type; false if unordered. */
static bool compare_values(const rt_value *a, const rt_value *b, int *cmp) {
    switch (a->type) {
    case QE_TYPE_BOOLEAN: *cmp = (int)a->u.b - (int)b->u.b; return true;
    case QE_TYPE_DOUBLE:
        if (isnan(a->u.d) || isnan(b->u.d))
            return false;
        *cmp = a->u.d < b->u.d ? -1 : a->u.d > b->u.d;
        return true;
    case QE_TYPE_VARCHAR: {
        uint32_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
        int c = n ? memcmp(a->u.s.ptr, b->u.s.ptr, n) : 0;
        *cmp = c ? c : (a->u.s.len > b->u.s.len) - (a->u.s.len < b->u.s.len);
        return true;
    }
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT: *cmp = (a->u.i > b->u.i) - (a->u.i < b->u.i); return true;
    default: return false;
    }
}

static bool eval_compare(plan_op_kind op, const rt_value *a, const rt_value *b, bool *r) {
    int c;
    if (a->type != b->type || !compare_values(a, b, &c))
        return false;
    switch (op) {
    case PLAN_OP_EQ: *r = c == 0; return true;
    case PLAN_OP_NE: *r = c != 0; return true;
    case PLAN_OP_LT: *r = c < 0; return true;
    case PLAN_OP_LE: *r = c <= 0; return true;
    case PLAN_OP_GT: *r = c > 0; return true;
    case PLAN_OP_GE: *r = c >= 0; return true;
    default: return false;
    }
}

/* AND/OR/NOT with NULLs: returns false if the operands are not BOOLEAN. */
static bool eval_logic(plan_op_kind op, const rt_value *a, const rt_value *b, rt_value *r) {
    if (a->type != QE_TYPE_BOOLEAN || (b && b->type != QE_TYPE_BOOLEAN))
        return false;
    r->type = QE_TYPE_BOOLEAN;
    r->is_null = false;
    if (op == PLAN_OP_NOT) {
        r->is_null = a->is_null;
        r->u.b = !a->u.b;
        return true;
    }
    bool dominant = op == PLAN_OP_OR; /* TRUE decides OR, FALSE decides AND */
    if ((!a->is_null && a->u.b == dominant) || (!b->is_null && b->u.b == dominant)) {
        r->u.b = dominant;
    } else if (a->is_null || b->is_null) {
        r->is_null = true;
    } else {
        r->u.b = !dominant;
    }
    return true;
}

static bool eval_concat(rt_arena *arena, const rt_value *a, const rt_value *b, rt_value *r) {
    if (a->type != QE_TYPE_VARCHAR || b->type != QE_TYPE_VARCHAR)
        return false;
    uint64_t n = (uint64_t)a->u.s.len + b->u.s.len;
    if (n > UINT32_MAX / 2)
        return false;
    char *s = rt_arena_alloc(arena, (size_t)n + 1);
    if (!s)
        return false;
    memcpy(s, a->u.s.ptr, a->u.s.len);
    memcpy(s + a->u.s.len, b->u.s.ptr, b->u.s.len);
    s[n] = '\0';
    r->u.s.ptr = s;
    r->u.s.len = (uint32_t)n;
    return true;
}

static bool eval_arith(plan_op_kind op, const rt_value *a, const rt_value *b, rt_value *r) {
    if (a->type != r->type || (b && b->type != r->type))
        return false;
    if (op == PLAN_OP_NEG) {
        if (r->type == QE_TYPE_DOUBLE)
            return r->u.d = -a->u.d, true;
        int64_t min = r->type == QE_TYPE_INTEGER ? INT32_MIN : INT64_MIN;
        if (!rt_type_is_integer(r->type) || a->u.i == min)
            return false;
        return r->u.i = -a->u.i, true;
    }
    if (r->type == QE_TYPE_DOUBLE)
        return eval_double_arith(op, a->u.d, b->u.d, &r->u.d);
    if (r->type != QE_TYPE_INTEGER && r->type != QE_TYPE_BIGINT)
        return false;
    return eval_int_arith(op, r->type, a->u.i, b->u.i, &r->u.i);
}

/* Evaluates op over constant arguments into *r (of result type `type`). */
static bool eval_op(rt_arena *arena, plan_op_kind op, qe_type type, const rt_value *a,
                    const rt_value *b, rt_value *r) {
    memset(r, 0, sizeof *r);
    r->type = type;
    switch (op) {
    case PLAN_OP_AND:
    case PLAN_OP_OR:
    case PLAN_OP_NOT: return eval_logic(op, a, b, r);
    case PLAN_OP_IS_NULL: return r->u.b = a->is_null, true;
    case PLAN_OP_IS_NOT_NULL: return r->u.b = !a->is_null, true;
    default: break;
    }
    if (a->is_null || (b && b->is_null))
        return r->is_null = true, true;
    switch (op) {
    case PLAN_OP_EQ:
    case PLAN_OP_NE:
    case PLAN_OP_LT:
    case PLAN_OP_LE:
    case PLAN_OP_GT:
    case PLAN_OP_GE: return type == QE_TYPE_BOOLEAN && eval_compare(op, a, b, &r->u.b);
    case PLAN_OP_CONCAT: return type == QE_TYPE_VARCHAR && eval_concat(arena, a, b, r);
    default: return eval_arith(op, a, b, r);
    }
}

/* ---- folding expressions ------------------------------------------------------------ */

static bool is_const(const plan_expr *e) { return e && e->kind == PLAN_EXPR_CONST; }

/* Keeps the type modifier of the expression a fold replaces (NULL passes through). */
static plan_expr *with_typmod(plan_expr *e, int32_t typmod) {
    if (e)
        e->typmod = typmod;
    return e;
}

/* Types the evaluator above leaves to the runtime's (rt_eval_const). */
static bool wide_type(const plan_expr *e) {
    if (!e)
        return false;
    switch (e->type) {
    case QE_TYPE_SMALLINT:
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_REAL:
    case QE_TYPE_DATE:
    case QE_TYPE_TIMESTAMP:
    case QE_TYPE_INTERVAL: return true;
    case QE_TYPE_VARCHAR: return e->typmod != 0; /* VARCHAR(n), CHAR(n) */
    default: return false;
    }
}

/* Folds e (whose arguments are the constants a, b) with the interpreter's semantics;
 * NULL when evaluation fails (the error is left for run time). */
static plan_expr *fold_with_runtime(rt_arena *arena, const plan_expr *e, plan_expr *a,
                                    plan_expr *b) {
    plan_expr tmp = *e;
    if (e->kind == PLAN_EXPR_OP) {
        tmp.u.op.args[0] = a;
        tmp.u.op.args[1] = b;
    } else {
        tmp.u.cast = a;
    }
    rt_error err;
    rt_error_clear(&err);
    rt_value r;
    rt_arena *scratch = rt_arena_create(NULL); /* the evaluator's vectors */
    bool ok = scratch && rt_eval_const(scratch, &tmp, &r, &err) == QE_OK;
    if (ok && r.type == QE_TYPE_VARCHAR && !r.is_null) { /* keep the text in the plan */
        char *copy = rt_arena_strndup(arena, r.u.s.ptr, r.u.s.len);
        ok = copy != NULL;
        r.u.s.ptr = copy;
    }
    rt_arena_destroy(scratch);
    return ok ? with_typmod(opt_expr_const(arena, &r, e->position), e->typmod) : NULL;
}

static plan_expr *fold_op(rt_arena *arena, plan_expr *e) {
    plan_expr *a = opt_fold_expr(arena, e->u.op.args[0]);
    plan_expr *b = e->u.op.args[1] ? opt_fold_expr(arena, e->u.op.args[1]) : NULL;
    if (!a || (e->u.op.args[1] && !b))
        return NULL;
    if (is_const(a) && (!b || is_const(b))) {
        rt_value r;
        bool wide = wide_type(e) || wide_type(a) || wide_type(b);
        if (!wide && eval_op(arena, e->u.op.op, e->type, &a->u.value, b ? &b->u.value : NULL, &r))
            return with_typmod(opt_expr_const(arena, &r, e->position), e->typmod);
        plan_expr *c = wide ? fold_with_runtime(arena, e, a, b) : NULL;
        if (c)
            return c;
    }
    if (a == e->u.op.args[0] && b == e->u.op.args[1])
        return e;
    return with_typmod(opt_expr_op(arena, e->u.op.op, e->type, a, b, e->position), e->typmod);
}

static plan_expr *fold_cast(rt_arena *arena, plan_expr *e) {
    plan_expr *a = opt_fold_expr(arena, e->u.cast);
    if (!a)
        return NULL;
    rt_value r;
    bool wide = wide_type(e) || wide_type(a);
    if (is_const(a) && !wide && opt_const_cast(arena, &a->u.value, e->type, &r))
        return with_typmod(opt_expr_const(arena, &r, e->position), e->typmod);
    plan_expr *c = is_const(a) && wide ? fold_with_runtime(arena, e, a, NULL) : NULL;
    if (c)
        return c;
    return a == e->u.cast ? e
                          : with_typmod(opt_expr_cast(arena, a, e->type, e->position), e->typmod);
}

/* The statement's time (µs since the epoch, UTC), read once when opt_optimize starts:
 * every now()/current_timestamp/current_date of the statement folds to it, so they
 * agree with each other, across threads and on every worker.  0 outside opt_optimize
 * (the binder's folds leave those calls to run time). */
static _Thread_local int64_t stmt_now_us;

/* now()/current_timestamp/current_date as the statement's time; NULL if not known. */
static plan_expr *fold_clock(rt_arena *arena, const plan_expr *e) {
    if (stmt_now_us == 0 || e->u.func.n_args != 0)
        return NULL;
    rt_value v = {.type = e->type};
    if (e->type == QE_TYPE_TIMESTAMP)
        v.u.i = stmt_now_us;
    else if (e->type == QE_TYPE_DATE)
        v.u.i = stmt_now_us / 86400000000LL; /* after 1970: truncation is floor */
    else
        return NULL;
    return opt_expr_const(arena, &v, e->position);
}

/* Functions never folded: volatile ones, and those whose result size the arguments
 * choose (a huge repeat() is the query's memory, charged at run time). */
static bool fold_refused(uint32_t fn) {
    return fn == PLAN_FUNC_ID_RANDOM || fn == PLAN_FUNC_ID_REPEAT || fn == PLAN_FUNC_ID_LPAD ||
           fn == PLAN_FUNC_ID_RPAD;
}

/* A FUNC whose arguments fold to constants is evaluated by the runtime itself
 * (rt_eval_const: the interpreter's exact semantics); errors are left to run time.
 * now()/current_date fold to the statement's time (fold_clock). */
static plan_expr *fold_func(rt_arena *arena, plan_expr *e) {
    uint32_t fn = e->u.func.fn;
    if (fn == PLAN_FUNC_ID_NOW || fn == PLAN_FUNC_ID_CURRENT_TIMESTAMP ||
        fn == PLAN_FUNC_ID_CURRENT_DATE) {
        plan_expr *c = fold_clock(arena, e);
        return c ? c : e;
    }
    uint32_t n = e->u.func.n_args;
    plan_expr **args = e->u.func.args;
    bool all_const = true;
    for (uint32_t i = 0; i < n; i++) {
        plan_expr *a = opt_fold_expr(arena, e->u.func.args[i]);
        if (!a)
            return NULL;
        if (a != e->u.func.args[i] && args == e->u.func.args) {
            if (!(args = rt_arena_alloc(arena, n * sizeof *args)))
                return NULL;
            memcpy(args, e->u.func.args, n * sizeof *args);
        }
        args[i] = a;
        all_const &= is_const(a);
    }
    if (args != e->u.func.args) {
        plan_expr *copy = rt_arena_alloc(arena, sizeof *copy);
        if (!copy)
            return NULL;
        *copy = *e;
        copy->u.func.args = args;
        e = copy;
    }
    if (!all_const || fold_refused(e->u.func.fn))
        return e;
    rt_value r;
    rt_error err;
    rt_arena *scratch = rt_arena_create(NULL); /* the evaluator's vectors */
    bool ok = scratch && rt_eval_const(scratch, e, &r, &err) == QE_OK;
    /* opt_expr_const copies a VARCHAR result's text out of the scratch arena */
    plan_expr *c = ok ? with_typmod(opt_expr_const(arena, &r, e->position), e->typmod) : e;
    rt_arena_destroy(scratch);
    return c;
}

plan_expr *opt_fold_expr(rt_arena *arena, plan_expr *e) {
    switch (e->kind) {
    case PLAN_EXPR_OP: return fold_op(arena, e);
    case PLAN_EXPR_CAST: return fold_cast(arena, e);
    case PLAN_EXPR_FUNC: return fold_func(arena, e);
    default: return e;
    }
}

/* ---- folding a plan ----------------------------------------------------------------- */

/* Folds n expressions into a new array in *out (the input array is not changed). */
static bool fold_array(rt_arena *arena, plan_expr **in, uint32_t n, plan_expr ***out) {
    *out = in;
    if (n == 0)
        return true;
    plan_expr **folded = rt_arena_alloc(arena, n * sizeof *folded);
    if (!folded)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!(folded[i] = opt_fold_expr(arena, in[i])))
            return false;
    *out = folded;
    return true;
}

static bool fold_aggs(rt_arena *arena, plan_node *n) {
    uint32_t count = n->u.aggregate.n_aggs;
    if (count == 0)
        return true;
    plan_agg *aggs = rt_arena_alloc(arena, count * sizeof *aggs);
    if (!aggs)
        return false;
    for (uint32_t i = 0; i < count; i++) {
        aggs[i] = n->u.aggregate.aggs[i];
        if (aggs[i].arg && !(aggs[i].arg = opt_fold_expr(arena, aggs[i].arg)))
            return false;
    }
    n->u.aggregate.aggs = aggs;
    return true;
}

static bool fold_sort_keys(rt_arena *arena, plan_node *n) {
    uint32_t count = n->u.order.n_keys;
    plan_sort_key *keys = rt_arena_alloc(arena, (count ? count : 1) * sizeof *keys);
    if (!keys)
        return false;
    for (uint32_t i = 0; i < count; i++) {
        keys[i] = n->u.order.keys[i];
        if (!(keys[i].expr = opt_fold_expr(arena, keys[i].expr)))
            return false;
    }
    n->u.order.keys = keys;
    return true;
}

/* Folds the expressions of one (copied) node. */
static bool fold_node_exprs(rt_arena *arena, plan_node *n) {
    switch (n->kind) {
    case PLAN_LOGICAL_FILTER:
        return (n->u.filter.pred = opt_fold_expr(arena, n->u.filter.pred)) != NULL;
    case PLAN_LOGICAL_PROJECT:
        return fold_array(arena, n->u.project.exprs, n->n_cols, &n->u.project.exprs);
    case PLAN_LOGICAL_VALUES:
        return fold_array(arena, n->u.values.rows, n->u.values.n_rows * n->n_cols,
                          &n->u.values.rows);
    case PLAN_LOGICAL_AGGREGATE:
        return fold_array(arena, n->u.aggregate.groups, n->u.aggregate.n_groups,
                          &n->u.aggregate.groups) &&
               fold_aggs(arena, n);
    case PLAN_LOGICAL_ORDER: return fold_sort_keys(arena, n);
    default: return true;
    }
}

static plan_node *fold_plan(rt_arena *arena, const plan_node *in) {
    plan_node *n = rt_arena_alloc(arena, sizeof *n);
    if (!n)
        return NULL;
    *n = *in;
    if (in->child && !(n->child = fold_plan(arena, in->child)))
        return NULL;
    if (in->right && !(n->right = fold_plan(arena, in->right)))
        return NULL;
    return fold_node_exprs(arena, n) ? n : NULL;
}

qe_status opt_optimize(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err) {
    return opt_optimize_in(arena, in, NULL, out, err);
}

qe_status opt_optimize_in(rt_arena *arena, plan_node *in, rt_catalog *catalog, plan_node **out,
                          rt_error *err) {
    *out = NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    stmt_now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    qe_status st = opt_unnest(arena, in, &in, err);
    if (st == QE_OK)
        st = opt_rewrite_aggs(arena, in, &in, err);
    if (st == QE_OK)
        st = opt_rewrite_setops(arena, in, &in, err);
    plan_node *n = st == QE_OK ? fold_plan(arena, in) : NULL;
    stmt_now_us = 0;
    if (st != QE_OK)
        return st;
    if (!n)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    /* joins: pushdown, equi-join extraction, join order (join_rewrite.c) */
    st = opt_rewrite_joins(arena, n, catalog, &n, err);
    if (st == QE_OK) /* aggregates joined on a group key: only the groups used */
        st = opt_semijoin_reduce(arena, n, catalog, &n, err);
    if (st == QE_OK) /* aggregates of the joined-in rows: folded per join key first */
        st = opt_eager_aggregate(arena, n, catalog, &n, err);
    if (st == QE_OK) /* joins and exchanges carry only used columns (prune.c) */
        st = opt_prune_columns(arena, n, &n, err);
    if (st != QE_OK)
        return st;
    opt_choose_build_sides(n, catalog); /* hash tables on the much smaller inputs */
    *out = n;
    return QE_OK;
}
