/*
 * prune.c -- projection pruning (opt_prune_columns, the last logical rewrite): every
 * node keeps only the columns some node above uses, so joins, exchanges and hash tables
 * carry no dead columns (a join key used only by its join is dropped right after it).
 *
 * prune(node, need) returns a node whose output holds at least the needed columns, and
 * a map from the old output columns to the new ones (UINT32_MAX: dropped).  Get,
 * Project and Join (its inputs, with what the condition reads) shrink; Filter and Order
 * add the columns they read and pass the rest through; Limit passes through; Aggregate
 * keeps its output and asks its input for what groups and aggregates read.  Any other
 * node keeps everything (its inputs are pruned with all of their columns needed).  A
 * plan with subquery, outer-column or GROUPING expressions is left unchanged: those
 * refer to column numbers of other plans (or of a grouping-set id column).
 */
#include "opt.h"

#include <string.h>

typedef struct pr {
    rt_arena *arena;
    bool oom;
} pr;

/* The result of pruning one node. */
typedef struct pruned {
    plan_node *node;
    uint32_t *map; /* old output column -> new one, UINT32_MAX if dropped */
} pruned;

#define GONE UINT32_MAX

static bool opaque_visit(const plan_expr *e, void *ctx) {
    if (e->kind == PLAN_EXPR_SUBQUERY || e->kind == PLAN_EXPR_OUTER_COLUMN ||
        e->kind == PLAN_EXPR_GROUPING) {
        *(bool *)ctx = true;
        return false;
    }
    return true;
}

/* True if some expression of the plan refers to another plan's columns. */
static bool has_opaque(const plan_node *n) {
    bool found = false;
    for (; n && !found; n = n->child) {
        opt_node_exprs_walk(n, opaque_visit, &found);
        if (!found && n->right)
            found = has_opaque(n->right);
    }
    return found;
}

static bool mark_visit(const plan_expr *e, void *ctx) {
    bool *need = ctx;
    if (e->kind == PLAN_EXPR_COLUMN)
        need[e->u.column] = true;
    return true;
}

static void mark(bool *need, const plan_expr *e) {
    if (e)
        opt_expr_walk(e, mark_visit, need);
}

static bool *need_array(pr *p, uint32_t n, bool all) {
    bool *need = rt_arena_alloc(p->arena, n + 1);
    if (!need)
        return p->oom = true, NULL;
    memset(need, all, n + 1);
    return need;
}

/* A copy of e with columns renumbered by map (every referenced column is kept). */
static plan_expr *remap_expr(pr *p, const plan_expr *e, const uint32_t *map) {
    if (!e)
        return NULL;
    plan_expr *c = rt_arena_alloc(p->arena, sizeof *c);
    if (!c)
        return p->oom = true, NULL;
    *c = *e;
    switch (e->kind) {
    case PLAN_EXPR_COLUMN: c->u.column = map[e->u.column]; break;
    case PLAN_EXPR_OP:
        for (int i = 0; i < 2; i++)
            if (e->u.op.args[i] && !(c->u.op.args[i] = remap_expr(p, e->u.op.args[i], map)))
                return NULL;
        break;
    case PLAN_EXPR_CAST:
        if (!(c->u.cast = remap_expr(p, e->u.cast, map)))
            return NULL;
        break;
    case PLAN_EXPR_FUNC:
        c->u.func.args = rt_arena_alloc(p->arena, (e->u.func.n_args + 1) * sizeof(plan_expr *));
        if (!c->u.func.args)
            return p->oom = true, NULL;
        for (uint32_t i = 0; i < e->u.func.n_args; i++)
            if (!(c->u.func.args[i] = remap_expr(p, e->u.func.args[i], map)))
                return NULL;
        break;
    case PLAN_EXPR_CASE: {
        uint32_t n = e->u.case_.n_whens;
        c->u.case_.whens = rt_arena_alloc(p->arena, (n + 1) * sizeof(plan_expr *));
        c->u.case_.thens = rt_arena_alloc(p->arena, (n + 1) * sizeof(plan_expr *));
        if (!c->u.case_.whens || !c->u.case_.thens)
            return p->oom = true, NULL;
        for (uint32_t i = 0; i < n; i++)
            if (!(c->u.case_.whens[i] = remap_expr(p, e->u.case_.whens[i], map)) ||
                !(c->u.case_.thens[i] = remap_expr(p, e->u.case_.thens[i], map)))
                return NULL;
        if (!(c->u.case_.else_expr = remap_expr(p, e->u.case_.else_expr, map)))
            return NULL;
        break;
    }
    default: break;
    }
    return c;
}

static pruned prune(pr *p, const plan_node *n, const bool *need);

/* The identity map of n columns. */
static uint32_t *identity(pr *p, uint32_t n) {
    uint32_t *map = rt_arena_alloc(p->arena, (n + 1) * sizeof *map);
    if (!map)
        return p->oom = true, NULL;
    for (uint32_t i = 0; i < n; i++)
        map[i] = i;
    return map;
}

static plan_node *copy_node(pr *p, const plan_node *n) {
    plan_node *c = rt_arena_alloc(p->arena, sizeof *c);
    if (!c)
        return p->oom = true, NULL;
    *c = *n;
    return c;
}

/* Schema of c: the columns of src that map keeps, in order. */
static bool keep_schema(pr *p, plan_node *c, const plan_node *src, const uint32_t *map) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < src->n_cols; i++)
        k += map[i] != GONE;
    c->n_cols = k;
    c->types = rt_arena_alloc(p->arena, (k + 1) * sizeof *c->types);
    c->names = rt_arena_alloc(p->arena, (k + 1) * sizeof *c->names);
    c->typmods = src->typmods ? rt_arena_calloc(p->arena, (k + 1) * sizeof *c->typmods) : NULL;
    if (!c->types || !c->names || (src->typmods && !c->typmods))
        return p->oom = true, false;
    for (uint32_t i = 0; i < src->n_cols; i++) {
        if (map[i] == GONE)
            continue;
        c->types[map[i]] = src->types[i];
        c->names[map[i]] = src->names ? src->names[i] : NULL;
        if (c->typmods)
            c->typmods[map[i]] = src->typmods[i];
    }
    return true;
}

/* Numbers the needed columns 0.. in order (at least one column stays). */
static uint32_t *dense_map(pr *p, const bool *need, uint32_t n) {
    uint32_t *map = rt_arena_alloc(p->arena, (n + 1) * sizeof *map);
    if (!map)
        return p->oom = true, NULL;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        map[i] = need[i] ? k++ : GONE;
    if (k == 0 && n > 0)
        map[0] = 0; /* keep one column: row counts still matter */
    return map;
}

static pruned prune_get(pr *p, const plan_node *n, const bool *need) {
    pruned r = {0};
    plan_node *c = copy_node(p, n);
    if (!c || !(r.map = dense_map(p, need, n->n_cols)) || !keep_schema(p, c, n, r.map))
        return (pruned){0};
    c->u.get.col_idx = rt_arena_alloc(p->arena, (c->n_cols + 1) * sizeof(uint32_t));
    if (!c->u.get.col_idx)
        return p->oom = true, (pruned){0};
    for (uint32_t i = 0; i < n->n_cols; i++)
        if (r.map[i] != GONE)
            c->u.get.col_idx[r.map[i]] = n->u.get.col_idx[i];
    r.node = c;
    return r;
}

static pruned prune_project(pr *p, const plan_node *n, const bool *need) {
    pruned r = {0};
    bool *cneed = need_array(p, n->child->n_cols, false);
    plan_node *c = copy_node(p, n);
    if (!cneed || !c || !(r.map = dense_map(p, need, n->n_cols)))
        return (pruned){0};
    for (uint32_t i = 0; i < n->n_cols; i++)
        if (r.map[i] != GONE)
            mark(cneed, n->u.project.exprs[i]);
    pruned in = prune(p, n->child, cneed);
    if (!in.node || !keep_schema(p, c, n, r.map))
        return (pruned){0};
    c->child = in.node;
    c->u.project.exprs = rt_arena_alloc(p->arena, (c->n_cols + 1) * sizeof(plan_expr *));
    if (!c->u.project.exprs)
        return p->oom = true, (pruned){0};
    for (uint32_t i = 0; i < n->n_cols; i++)
        if (r.map[i] != GONE &&
            !(c->u.project.exprs[r.map[i]] = remap_expr(p, n->u.project.exprs[i], in.map)))
            return (pruned){0};
    r.node = c;
    return r;
}

/* A Project over r.node keeping only the needed columns of n's output, if r keeps
 * more (a join's keys after the join): exchanges after it carry no dead columns. */
static pruned narrow(pr *p, pruned r, const plan_node *n, const bool *need) {
    uint32_t k = 0, extra = 0;
    bool mark_col = n->kind == PLAN_LOGICAL_JOIN && n->u.join.kind == PLAN_JOIN_MARK;
    for (uint32_t i = 0; i < n->n_cols; i++) {
        bool want = need[i] || (mark_col && i + 1 == n->n_cols);
        if (r.map[i] != GONE)
            want ? k++ : extra++;
    }
    if (extra == 0 || k == 0)
        return r;
    plan_node *proj = rt_arena_calloc(p->arena, sizeof *proj);
    uint32_t *map = rt_arena_alloc(p->arena, (n->n_cols + 1) * sizeof *map);
    plan_expr **exprs = rt_arena_alloc(p->arena, (k + 1) * sizeof *exprs);
    if (!proj || !map || !exprs)
        return p->oom = true, (pruned){0};
    k = 0;
    for (uint32_t i = 0; i < n->n_cols; i++) {
        bool want = need[i] || (mark_col && i + 1 == n->n_cols);
        map[i] = GONE;
        if (r.map[i] == GONE || !want)
            continue;
        exprs[k] = opt_expr_column(p->arena, r.map[i], n->types[i]);
        if (!exprs[k])
            return p->oom = true, (pruned){0};
        exprs[k]->typmod = n->typmods ? n->typmods[i] : 0;
        map[i] = k++;
    }
    proj->kind = PLAN_LOGICAL_PROJECT;
    proj->child = r.node;
    proj->u.project.exprs = exprs;
    if (!keep_schema(p, proj, n, map))
        return (pruned){0};
    return (pruned){proj, map};
}

/* Filter, Order, Limit: what the node reads is added; the child's pruning is kept. */
static pruned prune_passthrough(pr *p, const plan_node *n, const bool *need) {
    bool *cneed = need_array(p, n->n_cols, false);
    plan_node *c = copy_node(p, n);
    if (!cneed || !c)
        return (pruned){0};
    memcpy(cneed, need, n->n_cols);
    if (n->kind == PLAN_LOGICAL_FILTER)
        mark(cneed, n->u.filter.pred);
    for (uint32_t k = 0; n->kind == PLAN_LOGICAL_ORDER && k < n->u.order.n_keys; k++)
        mark(cneed, n->u.order.keys[k].expr);
    pruned in = prune(p, n->child, cneed);
    if (!in.node || !keep_schema(p, c, n->child, in.map))
        return (pruned){0};
    c->child = in.node;
    if (n->kind == PLAN_LOGICAL_FILTER &&
        !(c->u.filter.pred = remap_expr(p, n->u.filter.pred, in.map)))
        return (pruned){0};
    if (n->kind == PLAN_LOGICAL_ORDER) {
        plan_sort_key *keys = rt_arena_alloc(p->arena, (n->u.order.n_keys + 1) * sizeof *keys);
        if (!keys)
            return p->oom = true, (pruned){0};
        for (uint32_t k = 0; k < n->u.order.n_keys; k++) {
            keys[k] = n->u.order.keys[k];
            if (!(keys[k].expr = remap_expr(p, keys[k].expr, in.map)))
                return (pruned){0};
        }
        c->u.order.keys = keys;
    }
    if (n->kind == PLAN_LOGICAL_FILTER) /* columns only the filter read end here */
        return narrow(p, (pruned){c, in.map}, n, need);
    return (pruned){c, in.map};
}

static pruned prune_join(pr *p, const plan_node *n, const bool *need) {
    uint32_t nl = n->child->n_cols, nr = n->right->n_cols;
    bool *all = need_array(p, nl + nr, false);
    plan_node *c = copy_node(p, n);
    if (!all || !c)
        return (pruned){0};
    plan_join_kind k = n->u.join.kind;
    bool left_only = k == PLAN_JOIN_SEMI || k == PLAN_JOIN_ANTI || k == PLAN_JOIN_MARK;
    memcpy(all, need, left_only ? nl : nl + nr);
    mark(all, n->u.join.cond);
    if (k == PLAN_JOIN_SINGLE) /* its right side's row count matters: keep it whole */
        memset(all + nl, 1, nr);
    pruned l = prune(p, n->child, all), r = prune(p, n->right, all + nl);
    uint32_t *cmap = rt_arena_alloc(p->arena, (nl + nr + 1) * sizeof *cmap);
    uint32_t *map = rt_arena_alloc(p->arena, (n->n_cols + 1) * sizeof *map);
    if (!l.node || !r.node || !cmap || !map)
        return p->oom = !cmap || !map || p->oom, (pruned){0};
    for (uint32_t i = 0; i < nl; i++)
        cmap[i] = l.map[i];
    for (uint32_t i = 0; i < nr; i++)
        cmap[nl + i] = r.map[i] == GONE ? GONE : l.node->n_cols + r.map[i];
    if (n->u.join.cond && !(c->u.join.cond = remap_expr(p, n->u.join.cond, cmap)))
        return (pruned){0};
    c->child = l.node;
    c->right = r.node;
    if (left_only) {
        memcpy(map, l.map, nl * sizeof *map);
        if (k == PLAN_JOIN_MARK)
            map[nl] = l.node->n_cols;
    } else {
        memcpy(map, cmap, (nl + nr) * sizeof *map);
    }
    if (!keep_schema(p, c, n, map))
        return (pruned){0};
    return narrow(p, (pruned){c, map}, n, need);
}

static pruned prune_aggregate(pr *p, const plan_node *n) {
    bool *cneed = need_array(p, n->child->n_cols, false);
    plan_node *c = copy_node(p, n);
    uint32_t ng = n->u.aggregate.n_groups, na = n->u.aggregate.n_aggs;
    if (!cneed || !c)
        return (pruned){0};
    for (uint32_t g = 0; g < ng; g++)
        mark(cneed, n->u.aggregate.groups[g]);
    for (uint32_t a = 0; a < na; a++) {
        mark(cneed, n->u.aggregate.aggs[a].arg);
        mark(cneed, n->u.aggregate.aggs[a].arg2);
        mark(cneed, n->u.aggregate.aggs[a].filter);
    }
    pruned in = prune(p, n->child, cneed);
    plan_expr **groups = rt_arena_alloc(p->arena, (ng + 1) * sizeof *groups);
    plan_agg *aggs = rt_arena_alloc(p->arena, (na + 1) * sizeof *aggs);
    if (!in.node || !groups || !aggs)
        return p->oom = !groups || !aggs || p->oom, (pruned){0};
    for (uint32_t g = 0; g < ng; g++)
        if (!(groups[g] = remap_expr(p, n->u.aggregate.groups[g], in.map)))
            return (pruned){0};
    for (uint32_t a = 0; a < na; a++) {
        aggs[a] = n->u.aggregate.aggs[a];
        if ((aggs[a].arg && !(aggs[a].arg = remap_expr(p, aggs[a].arg, in.map))) ||
            (aggs[a].arg2 && !(aggs[a].arg2 = remap_expr(p, aggs[a].arg2, in.map))) ||
            (aggs[a].filter && !(aggs[a].filter = remap_expr(p, aggs[a].filter, in.map))))
            return (pruned){0};
    }
    c->child = in.node;
    c->u.aggregate.groups = groups;
    c->u.aggregate.aggs = aggs;
    return (pruned){c, identity(p, n->n_cols)};
}

/* Any other node: all of its output, its inputs pruned with every column needed. */
static pruned prune_whole(pr *p, const plan_node *n) {
    plan_node *c = copy_node(p, n);
    if (!c)
        return (pruned){0};
    for (int side = 0; side < 2; side++) {
        const plan_node *in = side ? n->right : n->child;
        if (!in)
            continue;
        bool *all = need_array(p, in->n_cols, true);
        pruned r = all ? prune(p, in, all) : (pruned){0};
        if (!r.node)
            return (pruned){0};
        if (side)
            c->right = r.node;
        else
            c->child = r.node;
    }
    return (pruned){c, identity(p, n->n_cols)};
}

static pruned prune(pr *p, const plan_node *n, const bool *need) {
    if (p->oom)
        return (pruned){0};
    switch (n->kind) {
    case PLAN_LOGICAL_GET: return prune_get(p, n, need);
    case PLAN_LOGICAL_PROJECT: return prune_project(p, n, need);
    case PLAN_LOGICAL_FILTER:
    case PLAN_LOGICAL_ORDER:
    case PLAN_LOGICAL_LIMIT: return prune_passthrough(p, n, need);
    case PLAN_LOGICAL_JOIN: return prune_join(p, n, need);
    case PLAN_LOGICAL_AGGREGATE:
        if (n->u.aggregate.n_sets == 0)
            return prune_aggregate(p, n);
        return prune_whole(p, n);
    default: return prune_whole(p, n);
    }
}

qe_status opt_prune_columns(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err) {
    *out = in;
    if (has_opaque(in))
        return QE_OK;
    pr p = {.arena = arena};
    bool *all = need_array(&p, in->n_cols, true);
    pruned r = all ? prune(&p, in, all) : (pruned){0};
    if (!r.node || p.oom)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    *out = r.node;
    return QE_OK;
}
