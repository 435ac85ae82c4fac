/*
 * exec_check.c -- refuses, before physical planning, the expressions, functions,
 * aggregates and types the executor (interpreter and codegen) cannot run yet.
 *
 * The binder accepts the whole analytical dialect (DECIMAL, DATE, INTERVAL, CASE,
 * scalar functions, DISTINCT/FILTER aggregates, ...); the runtime still runs the
 * skeleton's subset.  This check walks the logical plan once and fails with a clear
 * 0A000 ("type date is not supported by the executor yet") at the offending
 * expression, so nothing unsupported ever reaches the runtime or codegen.  Node kinds
 * the physical planner does not know are left to it (it refuses them itself).
 */
#include "opt.h"

#include <string.h>

typedef struct exec_check {
    rt_error *err;
    bool failed;
} exec_check;

/* Types the interpreter runs end to end (codegen falls back for the others): all. */
static bool type_runs(qe_type t, int32_t typmod) {
    (void)typmod;
    return (unsigned)t < QE_TYPE_COUNT;
}

/* PostgreSQL's name of a type, for messages (VARCHAR as QE spells it elsewhere). */
static const char *pg_name(qe_type t, int32_t typmod) {
    if (t == QE_TYPE_VARCHAR)
        return PLAN_TYPMOD_IS_CHAR(typmod) ? "character" : "varchar";
    return rt_type_pg_name(t);
}

/* 0A000 "<what><name> is|are not supported by the executor yet" (plural subjects end
 * in 's' and take "are"). */
static bool refuse(exec_check *c, int pos, const char *what, const char *name) {
    size_t n = strlen(what);
    bool plural = !*name && n > 0 && what[n - 1] == 's';
    if (!c->failed)
        rt_error_set(c->err, QE_UNSUPPORTED, "0A000", pos,
                     "%s%s %s not supported by the executor yet", what, name,
                     plural ? "are" : "is");
    c->failed = true;
    return false;
}

static bool check_type(exec_check *c, qe_type t, int32_t typmod, int pos) {
    return type_runs(t, typmod) || refuse(c, pos, "type ", pg_name(t, typmod));
}

/* Expression callback: kinds and types the runtime lacks. */
static bool check_expr(const plan_expr *e, void *ctx) {
    exec_check *c = ctx;
    switch (e->kind) {
    case PLAN_EXPR_FUNC:
        if (!rt_func_runs(e->u.func.fn))
            return refuse(c, e->position, "function ", plan_func_name(e->u.func.fn));
        break;
    case PLAN_EXPR_PARAM: return refuse(c, e->position, "statement parameters", "");
    default: break;
    }
    return check_type(c, e->type, e->typmod, e->position);
}

/* Aggregates: the runtime runs count/sum/min/max/avg (sum/avg over numbers, min/max
 * over every type), bool_and/bool_or and any_value, without DISTINCT or FILTER. */
static bool check_aggs(exec_check *c, const plan_node *n) {
    for (uint32_t i = 0; i < n->u.aggregate.n_aggs; i++) {
        const plan_agg *a = &n->u.aggregate.aggs[i];
        int pos = a->arg ? a->arg->position : -1;
        bool runs = (unsigned)a->fn <= PLAN_AGG_AVG || a->fn == PLAN_AGG_BOOL_AND ||
                    a->fn == PLAN_AGG_BOOL_OR || a->fn == PLAN_AGG_ANY_VALUE;
        if (!runs)
            return refuse(c, pos, "aggregate function ", plan_agg_name(a->fn));
        if (a->distinct)
            return refuse(c, pos, "DISTINCT aggregates", "");
        if (a->filter)
            return refuse(c, a->filter->position, "aggregate FILTER", "");
    }
    return true;
}

/* One node: output schema, expressions, aggregates; then its inputs. */
static bool check_node(exec_check *c, const plan_node *n, int depth) {
    if (!n || depth > 10000)
        return true;
    if (!opt_node_exprs_walk(n, check_expr, c))
        return false;
    if (n->kind == PLAN_LOGICAL_AGGREGATE && !check_aggs(c, n))
        return false;
    for (uint32_t i = 0; i < n->n_cols; i++)
        if (!check_type(c, n->types[i], n->typmods ? n->typmods[i] : 0, -1))
            return false;
    return check_node(c, n->child, depth + 1) && check_node(c, n->right, depth + 1);
}

qe_status opt_check_executable(const plan_node *logical, rt_error *err) {
    exec_check c = {.err = err};
    check_node(&c, logical, 0);
    return c.failed ? err->status : QE_OK;
}
