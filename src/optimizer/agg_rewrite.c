/*
 * agg_rewrite.c -- aggregate FILTER and DISTINCT aggregates as plain aggregation
 * (opt_rewrite_aggs, run by opt_optimize after unnesting).
 *
 *   agg(x) FILTER (WHERE c)  ->  agg(CASE WHEN c THEN x END)
 *     (count(*) FILTER (WHERE c) -> count(CASE WHEN c THEN 1 END))
 *   min/max(DISTINCT x)       ->  min/max(x)
 *   Aggregate(groups g; f1(DISTINCT x), f2(DISTINCT x))
 *                             ->  Aggregate(groups g; f1(x), f2(x))
 *                                   over Aggregate(groups g, x)      (x deduplicated)
 *   several DISTINCT arguments, or DISTINCT mixed with plain aggregates: one aggregate
 *   per argument class (plain ones together), joined on the group columns (IS NOT
 *   DISTINCT FROM; CROSS without GROUP BY), then a Project restoring the order.
 * Aggregates with grouping sets are left as they are (the executor refuses them).
 */
#include "unnest.h"

#include <string.h>

/* CASE WHEN cond THEN then END (ELSE NULL) of then's type. */
static plan_expr *case_when(un_ctx *c, plan_expr *cond, plan_expr *then) {
    plan_expr *e = un_alloc(c, sizeof *e);
    plan_expr **whens = un_alloc(c, sizeof *whens), **thens = un_alloc(c, sizeof *thens);
    rt_value null = {.type = then->type, .is_null = true};
    if (!e || !whens || !thens || !(e->u.case_.else_expr = opt_expr_const(c->arena, &null, -1)))
        return un_nomem(c), NULL;
    e->u.case_.else_expr->typmod = then->typmod;
    e->kind = PLAN_EXPR_CASE;
    e->type = then->type;
    e->typmod = then->typmod;
    e->position = -1;
    e->u.case_.n_whens = 1;
    e->u.case_.whens = whens;
    e->u.case_.thens = thens;
    whens[0] = cond;
    thens[0] = then;
    return e;
}

/* FILTER -> CASE in the argument; MIN/MAX lose DISTINCT. */
static bool rewrite_filter_agg(un_ctx *c, plan_agg *a) {
    if (a->fn == PLAN_AGG_MIN || a->fn == PLAN_AGG_MAX)
        a->distinct = false;
    if (!a->filter)
        return true;
    if (a->fn == PLAN_AGG_COUNT_STAR) {
        rt_value one = {.type = QE_TYPE_INTEGER, .u.i = 1};
        if (!(a->arg = opt_expr_const(c->arena, &one, -1)))
            return un_nomem(c), false;
        a->fn = PLAN_AGG_COUNT;
    }
    if (!(a->arg = case_when(c, a->filter, a->arg)))
        return false;
    a->filter = NULL;
    return true;
}

/* The class of aggregate i: 0 for plain ones, else 1 + the first DISTINCT aggregate
 * with an equal argument. */
static uint32_t agg_class(const plan_agg *aggs, uint32_t i) {
    if (!aggs[i].distinct)
        return 0;
    for (uint32_t j = 0; j < i; j++)
        if (aggs[j].distinct && opt_expr_equal(aggs[j].arg, aggs[i].arg))
            return 1 + j;
    return 1 + i;
}

/* Aggregate(groups; the aggregates of class k) over child; DISTINCT classes aggregate
 * over Aggregate(groups, arg) with plain aggregates of COLUMN(n_groups). */
static plan_node *class_aggregate(un_ctx *c, const plan_node *n, plan_node *child, uint32_t k) {
    const plan_agg *aggs = n->u.aggregate.aggs;
    uint32_t ng = n->u.aggregate.n_groups, na = 0;
    for (uint32_t i = 0; i < n->u.aggregate.n_aggs; i++)
        na += agg_class(aggs, i) == k;
    plan_node *g = un_node(c, PLAN_LOGICAL_AGGREGATE, ng + na);
    plan_agg *mine = un_alloc(c, (na ? na : 1) * sizeof *mine);
    if (!g || !mine)
        return NULL;
    g->u.aggregate = n->u.aggregate;
    g->u.aggregate.aggs = mine;
    g->u.aggregate.n_aggs = na;
    g->child = child;
    un_copy_schema(g, 0, n, 0, ng);
    plan_node *dedup = NULL;
    if (k) { /* Aggregate(groups g, x) */
        if (!(dedup = un_node(c, PLAN_LOGICAL_AGGREGATE, ng + 1)) ||
            !(dedup->u.aggregate.groups = un_alloc(c, (ng + 1) * sizeof(plan_expr *))))
            return NULL;
        dedup->child = child;
        dedup->u.aggregate.n_groups = ng + 1;
        memcpy(dedup->u.aggregate.groups, n->u.aggregate.groups, ng * sizeof(plan_expr *));
        plan_expr *x = aggs[k - 1].arg;
        dedup->u.aggregate.groups[ng] = x;
        un_copy_schema(dedup, 0, n, 0, ng);
        dedup->types[ng] = x->type;
        dedup->typmods[ng] = x->typmod;
        dedup->names[ng] = "distinct";
        g->child = dedup;
        if (!(g->u.aggregate.groups = un_alloc(c, (ng ? ng : 1) * sizeof(plan_expr *))))
            return NULL;
        for (uint32_t i = 0; i < ng; i++)
            if (!(g->u.aggregate.groups[i] = un_column(c, dedup, i)))
                return NULL;
    }
    for (uint32_t i = 0, o = 0; i < n->u.aggregate.n_aggs; i++) {
        if (agg_class(aggs, i) != k)
            continue;
        mine[o] = aggs[i];
        if (k) {
            mine[o].distinct = false;
            if (!(mine[o].arg = un_column(c, dedup, ng)))
                return NULL;
        }
        un_copy_schema(g, ng + o, n, ng + i, 1);
        o++;
    }
    return g;
}

/* The aggregate n (FILTERs already rewritten) without DISTINCT aggregates. */
static plan_node *split_distinct(un_ctx *c, plan_node *n) {
    uint32_t ng = n->u.aggregate.n_groups, na = n->u.aggregate.n_aggs;
    const plan_agg *aggs = n->u.aggregate.aggs;
    uint32_t *cls_at = un_alloc(c, (na + 1) * sizeof *cls_at); /* class -> first column */
    plan_node *out = NULL;
    if (!cls_at)
        return NULL;
    for (uint32_t k = 0; k <= na; k++) {
        bool used = false;
        for (uint32_t i = 0; i < na && !used; i++)
            used = agg_class(aggs, i) == k;
        if (!used)
            continue;
        plan_node *g = class_aggregate(c, n, n->child, k);
        if (!g)
            return NULL;
        if (!out) {
            cls_at[k] = ng;
            out = g;
            continue;
        }
        plan_expr *cond = NULL;
        for (uint32_t i = 0; i < ng; i++) {
            plan_expr *a = un_column(c, out, i), *b = un_column(c, g, i);
            if (!a || !b)
                return NULL;
            b->u.column += out->n_cols;
            plan_expr *args[2] = {a, b}, *f = un_alloc(c, sizeof *f), **fa;
            if (!f || !(fa = un_alloc(c, 2 * sizeof *fa)))
                return un_nomem(c), NULL;
            memcpy(fa, args, sizeof args);
            *f = (plan_expr){.kind = PLAN_EXPR_FUNC, .type = QE_TYPE_BOOLEAN, .position = -1};
            f->u.func.fn = PLAN_FUNC_ID_IS_NOT_DISTINCT_FROM;
            f->u.func.n_args = 2;
            f->u.func.args = fa;
            if (!(cond = un_and(c, cond, f)))
                return NULL;
        }
        cls_at[k] = out->n_cols + ng;
        if (!(out = un_join(c, cond ? PLAN_JOIN_INNER : PLAN_JOIN_CROSS, out, g, cond)))
            return NULL;
    }
    if (out->kind == PLAN_LOGICAL_AGGREGATE) /* one class: already in order */
        return out;
    /* Project: groups, then each aggregate from its class's columns */
    plan_node *p = un_node(c, PLAN_LOGICAL_PROJECT, n->n_cols);
    uint32_t *seen = un_alloc(c, (na + 1) * sizeof *seen);
    if (!p || !seen || !(p->u.project.exprs = un_alloc(c, n->n_cols * sizeof(plan_expr *))))
        return NULL;
    p->child = out;
    un_copy_schema(p, 0, n, 0, n->n_cols);
    for (uint32_t i = 0; i < n->n_cols; i++) {
        uint32_t from = i;
        if (i >= ng) {
            uint32_t k = agg_class(aggs, i - ng);
            from = cls_at[k] + seen[k]++;
        }
        if (!(p->u.project.exprs[i] = un_column(c, out, from)))
            return NULL;
    }
    return p;
}

static plan_node *rewrite_aggregate(un_ctx *c, plan_node *n) {
    bool distinct = false;
    if (n->u.aggregate.n_sets)
        return n;
    plan_agg *aggs = un_alloc(c, (n->u.aggregate.n_aggs + 1) * sizeof *aggs);
    if (!aggs)
        return NULL;
    for (uint32_t i = 0; i < n->u.aggregate.n_aggs; i++) {
        aggs[i] = n->u.aggregate.aggs[i];
        if (!rewrite_filter_agg(c, &aggs[i]))
            return NULL;
        distinct |= aggs[i].distinct;
    }
    n->u.aggregate.aggs = aggs;
    return distinct ? split_distinct(c, n) : n;
}

static bool needs_rewrite(const plan_node *n) {
    for (uint32_t i = 0; i < n->u.aggregate.n_aggs; i++)
        if (n->u.aggregate.aggs[i].distinct || n->u.aggregate.aggs[i].filter)
            return !n->u.aggregate.n_sets;
    return false;
}

static plan_node *rewrite_plan(un_ctx *c, plan_node *n) {
    if (!n)
        return NULL;
    plan_node *child = n->child ? rewrite_plan(c, n->child) : NULL;
    plan_node *right = n->right ? rewrite_plan(c, n->right) : NULL;
    if ((n->child && !child) || (n->right && !right))
        return NULL;
    bool agg = n->kind == PLAN_LOGICAL_AGGREGATE && needs_rewrite(n);
    if (child == n->child && right == n->right && !agg)
        return n;
    plan_node *r = un_copy_node(c, n);
    if (!r)
        return NULL;
    r->child = child;
    r->right = right;
    return agg ? rewrite_aggregate(c, r) : r;
}

qe_status opt_rewrite_aggs(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err) {
    un_ctx c = {arena, err, QE_OK, -1, NULL};
    *out = rewrite_plan(&c, in);
    if (!*out && c.status == QE_OK)
        un_nomem(&c);
    return *out ? QE_OK : c.status;
}
