/*
 * unnest.c -- subquery unnesting: every SUBQUERY expression becomes a join
 * (opt_unnest, the first rewrite of opt_optimize).  See README.md "Subquery
 * unnesting" for the forms and the plans they become.
 *
 * The plan is rewritten bottom-up, so a subquery's own subqueries are joins before
 * the subquery itself is unnested; an OUTER_COLUMN of depth d >= 2 that moves up with
 * its subtree becomes depth d - 1, and depth 1 (this query's FROM row) becomes a
 * column of the join's left input.  A node holding subqueries (Filter or Project)
 * gets its input joined with each subquery:
 *   WHERE [NOT] EXISTS / IN / op ANY / op ALL conjuncts -> SEMI / ANTI joins (NOT IN,
 *     uncorrelated: MARK join and `NOT mark`, keeping SQL's NULL semantics);
 *   the same forms elsewhere (OR, CASE, select list) -> MARK joins;
 *   scalar subqueries -> CROSS (one row: an aggregate without GROUP BY), LEFT, or
 *     SINGLE joins (21000 when a left row meets two rows); correlated aggregates are
 *     grouped by the correlation columns and LEFT-joined (count: coalesce(.., 0)).
 * Correlation is decorrelated by pulling correlated conjuncts of Filters (and inner
 * joins) up to the join condition, through Projects and through GROUP BY (equality
 * correlations become grouping columns).  Other forms are 0A000, never a wrong
 * result.
 */
#include "unnest.h"

#include <stdio.h>
#include <string.h>

static plan_node *unnest_plan(un_ctx *c, plan_node *n);

/* ---- the FROM row of the query holding a subquery ----------------------------------- */

/*
 * Column k of the FROM row (what OUTER_COLUMN numbers) as a column of `in`, the input
 * of the node holding the subquery: the same column below WHERE, Window, ...; the
 * grouping column for k above GROUP BY.  False if the column is not available there.
 */
static bool from_column(const plan_node *in, uint32_t k, uint32_t *col) {
    const plan_node *n = in;
    for (;;) {
        switch (n->kind) {
        case PLAN_LOGICAL_FILTER:
        case PLAN_LOGICAL_WINDOW:
        case PLAN_LOGICAL_ORDER:
        case PLAN_LOGICAL_LIMIT:
        case PLAN_LOGICAL_DISTINCT_ON: n = n->child; continue;
        case PLAN_LOGICAL_AGGREGATE:
            if (n->u.aggregate.n_sets)
                return false;
            for (uint32_t g = 0; g < n->u.aggregate.n_groups; g++) {
                const plan_expr *e = n->u.aggregate.groups[g];
                if (e->kind == PLAN_EXPR_COLUMN && e->u.column == k)
                    return *col = g, true;
            }
            return false;
        default:
            if (k >= n->n_cols)
                return false;
            return *col = k, true;
        }
    }
}

/* The node holding subqueries being rewritten: its input grows by joins. */
typedef struct holder {
    un_ctx *c;
    const plan_node *input; /* the holding node's input: the FROM row's columns */
    plan_node *cur;         /* input with the joins added so far (input's columns first) */
} holder;

static bool resolve_from(un_map *m, uint32_t k, uint32_t *col) {
    const holder *h = m->data;
    return from_column(h->input, k, col);
}

/* e of the subquery's level placed on the right of a join whose left has `shift`
 * columns: columns shifted, depth-1 outer references resolved, deeper ones lifted. */
static plan_expr *map_right(holder *h, const plan_expr *e, uint32_t shift) {
    un_map m = {.ctx = h->c, .col_shift = shift, .lift = true, .resolve = resolve_from, .data = h};
    return e ? un_map_expr(&m, e) : NULL;
}

/* ---- the domain of a correlation (Neumann & Kemper's magic set) -------------------- */

#define UN_MAX_DOMAIN 64

/* The distinct values of the outer columns a correlation uses: where a correlated
 * predicate cannot be pulled up (the condition of a semi/outer join, a non-equality
 * under an aggregate), the subtree is computed for each domain row instead, and the
 * correlation becomes `domain column IS NOT DISTINCT FROM outer column`. */
typedef struct domain {
    plan_node *plan;  /* Aggregate(groups: the columns) over the holder's input */
    uint32_t n;       /* columns */
    uint32_t *outer;  /* n FROM-row columns (OUTER_COLUMN numbers) */
    uint32_t offset;  /* first domain column in the node being built */
    bool overflow;    /* more than UN_MAX_DOMAIN columns */
} domain;

static bool collect_outer(const plan_expr *e, void *ctx) {
    domain *dm = ctx;
    if (e->kind != PLAN_EXPR_OUTER_COLUMN || e->u.outer.depth != 1)
        return true;
    for (uint32_t j = 0; j < dm->n; j++)
        if (dm->outer[j] == e->u.outer.column)
            return true;
    if (dm->n == UN_MAX_DOMAIN)
        return !(dm->overflow = true);
    dm->outer[dm->n++] = e->u.outer.column;
    return true;
}

static bool make_domain(un_ctx *c, const plan_expr *e, domain *dm) {
    const holder *h = c->holder;
    memset(dm, 0, sizeof *dm);
    /* the domain joins the subquery's side, already at the holder's level: references
     * further out than the holder's own outer query would be lowered by mistake */
    if (!h || un_plan_has_outer(h->input, 2))
        return un_refuse(c, -1, "this correlated subquery (its outer query is itself "
                                "correlated)"),
               false;
    if (!(dm->outer = un_alloc(c, UN_MAX_DOMAIN * sizeof *dm->outer)))
        return false;
    opt_expr_walk(e, collect_outer, dm);
    plan_node *g = un_node(c, PLAN_LOGICAL_AGGREGATE, dm->n);
    if (dm->overflow || !g || !(g->u.aggregate.groups = un_alloc(c, dm->n * sizeof(plan_expr *))))
        return dm->overflow ? un_refuse(c, -1, "a correlation over this many columns"), false
                            : false;
    g->child = (plan_node *)h->input;
    g->u.aggregate.n_groups = dm->n;
    for (uint32_t j = 0; j < dm->n; j++) {
        uint32_t col;
        if (!from_column(h->input, dm->outer[j], &col))
            return un_refuse(c, -1, "this reference to an outer query column"), false;
        if (!(g->u.aggregate.groups[j] = un_column(c, h->input, col)))
            return false;
        un_copy_schema(g, j, h->input, col, 1);
    }
    dm->plan = g;
    return true;
}

static bool resolve_domain(un_map *m, uint32_t k, uint32_t *col) {
    const domain *dm = m->data;
    for (uint32_t j = 0; j < dm->n; j++)
        if (dm->outer[j] == k)
            return *col = dm->offset + j, true;
    return false;
}

/* `a IS NOT DISTINCT FROM b` */
static plan_expr *not_distinct(un_ctx *c, plan_expr *a, plan_expr *b) {
    plan_expr *e = un_alloc(c, sizeof *e), **args = un_alloc(c, 2 * sizeof *args);
    if (!e || !args)
        return NULL;
    e->kind = PLAN_EXPR_FUNC;
    e->type = QE_TYPE_BOOLEAN;
    e->position = -1;
    e->u.func.fn = PLAN_FUNC_ID_IS_NOT_DISTINCT_FROM;
    e->u.func.n_args = 2;
    e->u.func.args = args;
    args[0] = a;
    args[1] = b;
    return e;
}

/* Adds `plan column (at + j) IS NOT DISTINCT FROM outer(k_j)` for each domain column. */
static bool domain_preds(un_ctx *c, const domain *dm, const plan_node *plan, uint32_t at,
                         un_list *preds) {
    for (uint32_t j = 0; j < dm->n; j++) {
        plan_expr *key = un_column(c, plan, at + j), *o = un_alloc(c, sizeof *o), *eq;
        if (!key || !o)
            return false;
        *o = *key;
        o->kind = PLAN_EXPR_OUTER_COLUMN;
        o->u.outer.depth = 1;
        o->u.outer.column = dm->outer[j];
        if (!(eq = not_distinct(c, key, o)) || !un_list_add(c, preds, eq))
            return false;
    }
    return true;
}

/* ---- decorrelation: pulling correlated predicates up -------------------------------- */

/* A decorrelated subtree: `plan` has no outer references and yields the
 * original node's columns first (possibly more after them); `preds` are conjuncts over
 * plan's columns holding the outer references (the correlation, to this query or further out). */
typedef struct decor {
    plan_node *plan;
    un_list preds;
} decor;

static bool decorrelate(un_ctx *c, plan_node *n, decor *d);

static bool refuse_correlated(un_ctx *c, const char *what) {
    un_refuse(c, -1, what);
    return false;
}

static bool decor_filter(un_ctx *c, plan_node *n, decor *d) {
    un_list conj = {0}, local = {0};
    if (!decorrelate(c, n->child, d) || !un_conjuncts(c, n->u.filter.pred, &conj))
        return false;
    for (uint32_t i = 0; i < conj.n; i++)
        if (!un_list_add(c, un_expr_has_outer(conj.items[i], 1) ? &d->preds : &local,
                         conj.items[i]))
            return false;
    plan_expr *pred = un_and_list(c, &local);
    if (local.n && !pred)
        return false;
    return (d->plan = un_filter(c, d->plan, pred)) != NULL;
}

/* Maps every expression of a list in place. */
static bool map_list(un_map *m, un_list *l) {
    for (uint32_t i = 0; i < l->n; i++)
        if (!(l->items[i] = un_map_expr(m, l->items[i])))
            return false;
    return true;
}

static bool decor_project(un_ctx *c, plan_node *n, decor *d) {
    for (uint32_t i = 0; i < n->n_cols; i++)
        if (un_expr_has_outer(n->u.project.exprs[i], 1))
            return refuse_correlated(c, "an outer reference in a derived table's select list");
    if (!decorrelate(c, n->child, d))
        return false;
    plan_node *below = d->plan;
    uint32_t extra = d->preds.n ? below->n_cols : 0; /* pass the input through for preds */
    plan_node *p = un_node(c, PLAN_LOGICAL_PROJECT, n->n_cols + extra);
    if (!p || !(p->u.project.exprs = un_alloc(c, p->n_cols * sizeof(plan_expr *))))
        return false;
    p->child = below;
    un_copy_schema(p, 0, n, 0, n->n_cols);
    un_copy_schema(p, n->n_cols, below, 0, extra);
    memcpy(p->u.project.exprs, n->u.project.exprs, n->n_cols * sizeof(plan_expr *));
    for (uint32_t i = 0; i < extra; i++)
        if (!(p->u.project.exprs[n->n_cols + i] = un_column(c, below, i)))
            return false;
    un_map m = {.ctx = c, .col_shift = n->n_cols};
    d->plan = p;
    return map_list(&m, &d->preds);
}

/* The two operands of `a = b` or `a IS NOT DISTINCT FROM b`, else NULL. */
static plan_expr **equality_args(const plan_expr *p) {
    if (p->kind == PLAN_EXPR_OP && p->u.op.op == PLAN_OP_EQ)
        return (plan_expr **)p->u.op.args;
    if (p->kind == PLAN_EXPR_FUNC && p->u.func.fn == PLAN_FUNC_ID_IS_NOT_DISTINCT_FROM &&
        p->u.func.n_args == 2)
        return p->u.func.args;
    return NULL;
}

/* pred is `inner = outer` or `inner IS NOT DISTINCT FROM outer` (either order) where
 * outer has only outer references and inner has none. */
static bool split_equality(const plan_expr *p, plan_expr **inner, plan_expr **outer) {
    plan_expr **args = equality_args(p);
    for (int side = 0; args && side < 2; side++) {
        plan_expr *i = args[side], *o = args[1 - side];
        if (!un_expr_has_outer(i, 1) && !un_expr_has_column(o)) {
            *inner = i;
            *outer = o;
            return true;
        }
    }
    return false;
}

/* The equality p (see equality_args) over new operands a and b. */
static plan_expr *same_equality(un_ctx *c, const plan_expr *p, plan_expr *a, plan_expr *b) {
    plan_expr *r = un_alloc(c, sizeof *r), **args = un_alloc(c, 2 * sizeof *args);
    if (!r || !args)
        return NULL;
    *r = *p;
    args[0] = a;
    args[1] = b;
    if (r->kind == PLAN_EXPR_OP) {
        r->u.op.args[0] = a;
        r->u.op.args[1] = b;
    } else {
        r->u.func.args = args;
    }
    return r;
}

/*
 * Aggregate(groups g; aggs a) over correlated input with `inner_i = outer_i`
 * predicates -> Aggregate(groups g, inner...; aggs a), then a Project restoring (g, a)
 * with the inner keys appended; the predicates become `key_i = outer_i`.  Only with
 * GROUP BY: a global aggregate yields a row even for an empty input.
 */
/*
 * GROUP BY over an input with a non-equality correlation: Aggregate(groups g, domain;
 * aggs) over Filter(correlation on the domain) over CROSS(input, domain), then a
 * Project to (g, aggs, domain); the correlation becomes domain = outer columns.
 */
static bool decor_aggregate_domain(un_ctx *c, plan_node *n, decor *d) {
    domain dm;
    plan_expr *corr = un_and_list(c, &d->preds);
    if (!corr || !make_domain(c, corr, &dm))
        return false;
    uint32_t nr = d->plan->n_cols, nd = dm.n;
    uint32_t ng = n->u.aggregate.n_groups, na = n->u.aggregate.n_aggs;
    dm.offset = nr;
    un_map m = {.ctx = c, .resolve = resolve_domain, .data = &dm};
    plan_node *x = un_join(c, PLAN_JOIN_CROSS, d->plan, dm.plan, NULL);
    plan_expr *pred = x ? un_map_expr(&m, corr) : NULL;
    if (pred && un_expr_has_outer(pred, 1))
        return refuse_correlated(c, "a non-equality correlation to two queries below GROUP BY");
    plan_node *f = pred ? un_filter(c, x, pred) : NULL;
    plan_node *g = f ? un_node(c, PLAN_LOGICAL_AGGREGATE, ng + nd + na) : NULL;
    plan_node *p = g ? un_node(c, PLAN_LOGICAL_PROJECT, ng + na + nd) : NULL;
    plan_expr **groups = un_alloc(c, (ng + nd) * sizeof *groups);
    if (!p || !groups || !(p->u.project.exprs = un_alloc(c, p->n_cols * sizeof(plan_expr *))))
        return false;
    g->child = f;
    g->u.aggregate = n->u.aggregate;
    g->u.aggregate.groups = groups;
    g->u.aggregate.n_groups = ng + nd;
    memcpy(groups, n->u.aggregate.groups, ng * sizeof *groups);
    for (uint32_t j = 0; j < nd; j++)
        if (!(groups[ng + j] = un_column(c, f, nr + j)))
            return false;
    un_copy_schema(g, 0, n, 0, ng);
    un_copy_schema(g, ng, f, nr, nd);
    un_copy_schema(g, ng + nd, n, ng, na);
    p->child = g;
    for (uint32_t i = 0; i < p->n_cols; i++) {
        uint32_t from = i < ng ? i : i < ng + na ? i + nd : i - na;
        if (!(p->u.project.exprs[i] = un_column(c, g, from)))
            return false;
        un_copy_schema(p, i, g, from, 1);
    }
    memset(&d->preds, 0, sizeof d->preds);
    d->plan = p;
    return domain_preds(c, &dm, p, ng + na, &d->preds);
}

static bool decor_aggregate(un_ctx *c, plan_node *n, decor *d) {
    if (!decorrelate(c, n->child, d))
        return false;
    uint32_t nk = d->preds.n, ng = n->u.aggregate.n_groups, na = n->u.aggregate.n_aggs;
    plan_node *g = nk ? un_node(c, PLAN_LOGICAL_AGGREGATE, ng + nk + na) : un_copy_node(c, n);
    if (!g)
        return false;
    g->child = d->plan;
    if (nk == 0)
        return (d->plan = g), true;
    if (ng == 0 || n->u.aggregate.n_sets)
        return refuse_correlated(c, "a correlated aggregate inside a subquery");
    plan_node *p = un_node(c, PLAN_LOGICAL_PROJECT, ng + na + nk);
    plan_expr **groups = un_alloc(c, (ng + nk) * sizeof *groups);
    if (!p || !groups || !(p->u.project.exprs = un_alloc(c, p->n_cols * sizeof(plan_expr *))))
        return false;
    g->u.aggregate = n->u.aggregate;
    g->u.aggregate.groups = groups;
    g->u.aggregate.n_groups = ng + nk;
    memcpy(groups, n->u.aggregate.groups, ng * sizeof *groups);
    un_copy_schema(g, 0, n, 0, ng);
    un_copy_schema(g, ng + nk, n, ng, na);
    plan_expr **outer = un_alloc(c, nk * sizeof *outer);
    const plan_expr **eq = un_alloc(c, nk * sizeof *eq);
    if (!outer || !eq)
        return false;
    for (uint32_t i = 0; i < nk; i++) {
        if (!split_equality(eq[i] = d->preds.items[i], &groups[ng + i], &outer[i]))
            return decor_aggregate_domain(c, n, d);
        g->types[ng + i] = groups[ng + i]->type;
        g->typmods[ng + i] = groups[ng + i]->typmod;
        g->names[ng + i] = "key";
    }
    p->child = g;
    for (uint32_t i = 0; i < p->n_cols; i++) {
        uint32_t from = i < ng ? i : i < ng + na ? i + nk : i - na;
        if (!(p->u.project.exprs[i] = un_column(c, g, from)))
            return false;
        un_copy_schema(p, i, g, from, 1);
    }
    for (uint32_t i = 0; i < nk; i++) {
        plan_expr *key = un_column(c, p, ng + na + i);
        if (!key || !(d->preds.items[i] = same_equality(c, eq[i], key, outer[i])))
            return false;
    }
    d->plan = p;
    return true;
}

/*
 * A semi/anti/mark/left/single join with a correlated condition or right input, over
 * an uncorrelated left input: Join(CROSS(left, domain), right') where right' is the
 * decorrelated right input, its correlation moved into the condition, and the outer
 * columns read from the domain; output reordered to (join's columns, domain columns).
 */
static bool decor_join_domain(un_ctx *c, plan_node *n, decor *d) {
    domain dm;
    decor r, l;
    plan_join_kind kind = n->u.join.kind;
    if (kind == PLAN_JOIN_MARK && un_plan_has_outer(n->right, 1))
        return refuse_correlated(c, "a correlation inside an outer or semi join of a subquery");
    if (!decorrelate(c, n->right, &r) || !decorrelate(c, n->child, &l))
        return false;
    if (l.plan->n_cols != n->child->n_cols)
        return refuse_correlated(c, "a correlated derived table inside a subquery");
    uint32_t nl = n->child->n_cols, nr = r.plan->n_cols;
    un_map shift = {.ctx = c, .col_shift = nl};
    plan_expr *rp = un_and_list(c, &r.preds);
    plan_expr *all = rp ? un_map_expr(&shift, rp) : NULL;
    if ((r.preds.n && !all) || (n->u.join.cond && !(all = un_and(c, n->u.join.cond, all))))
        return false;
    if (!make_domain(c, all, &dm))
        return false;
    uint32_t nd = dm.n;
    uint32_t *map = un_alloc(c, (nl + nr) * sizeof *map);
    plan_node *ld = un_join(c, PLAN_JOIN_CROSS, l.plan, dm.plan, NULL);
    if (!map || !ld)
        return false;
    for (uint32_t i = 0; i < nl + nr; i++)
        map[i] = i < nl ? i : i + nd;
    dm.offset = nl;
    un_map m = {.ctx = c, .col_map = map, .resolve = resolve_domain, .data = &dm};
    plan_expr *cond = all ? un_map_expr(&m, all) : NULL;
    plan_node *j = cond || !all ? un_join(c, kind, ld, r.plan, cond) : NULL;
    if (!j)
        return false;
    /* the join's own columns after the domain: the right input's or the mark */
    uint32_t rest = kind == PLAN_JOIN_MARK ? 1 : j->n_cols > nl + nd ? n->right->n_cols : 0;
    uint32_t width = nl + rest + nd;
    plan_node *p = rest ? un_node(c, PLAN_LOGICAL_PROJECT, width) : j;
    if (!p || (rest && !(p->u.project.exprs = un_alloc(c, width * sizeof(plan_expr *)))))
        return false;
    for (uint32_t i = 0; rest && i < width; i++) {
        uint32_t from = i < nl ? i : i < nl + rest ? i + nd : i - rest;
        if (!(p->u.project.exprs[i] = un_column(c, j, from)))
            return false;
        un_copy_schema(p, i, j, from, 1);
        p->child = j;
    }
    *d = l; /* the left input's correlation stays valid above the join */
    d->plan = p;
    return domain_preds(c, &dm, p, nl + rest, &d->preds);
}

/* Maps column i of a decorrelated input (original columns, then extras) to the
 * reordered join output (left, right, left extras, right extras). */
static uint32_t *extras_map(un_ctx *c, uint32_t n, uint32_t width, uint32_t at, uint32_t extra_at) {
    uint32_t *map = un_alloc(c, width * sizeof *map);
    for (uint32_t i = 0; map && i < width; i++)
        map[i] = i < n ? at + i : extra_at + (i - n);
    return map;
}

/* Pulls the correlated conjuncts of an inner join's condition (original numbering). */
static bool pull_join_cond(un_ctx *c, const plan_node *n, plan_node *j, un_list *preds) {
    un_list conj = {0}, local = {0};
    if (!un_conjuncts(c, n->u.join.cond, &conj))
        return false;
    for (uint32_t i = 0; i < conj.n; i++)
        if (!un_list_add(c, un_expr_has_outer(conj.items[i], 1) ? preds : &local, conj.items[i]))
            return false;
    j->u.join.cond = un_and_list(c, &local);
    if (!j->u.join.cond && local.n)
        return false;
    if (!j->u.join.cond)
        j->u.join.kind = PLAN_JOIN_CROSS;
    return true;
}

/*
 * Inner/cross join: both inputs decorrelated, their correlations (and the correlated
 * conjuncts of the condition) pulled above.  Inputs with extra columns: the join is
 * followed by a Project ordering (left, right, left extras, right extras).
 */
static bool decor_join(un_ctx *c, plan_node *n, decor *d) {
    plan_join_kind kind = n->u.join.kind;
    if (kind == PLAN_JOIN_RIGHT || kind == PLAN_JOIN_FULL)
        return refuse_correlated(c, "a correlation inside a RIGHT or FULL join of a subquery");
    if (kind != PLAN_JOIN_INNER && kind != PLAN_JOIN_CROSS)
        return decor_join_domain(c, n, d);
    decor l, r;
    plan_node *j = un_copy_node(c, n);
    if (!j || !decorrelate(c, n->child, &l) || !decorrelate(c, n->right, &r))
        return false;
    uint32_t nl = n->child->n_cols, nr = n->right->n_cols;
    uint32_t wl = l.plan->n_cols, wr = r.plan->n_cols, el = wl - nl;
    j->child = l.plan;
    j->right = r.plan;
    plan_node *out = j;
    if (wl + wr != nl + nr) { /* extras: renumber the condition, reorder the output */
        uint32_t *cmap = un_alloc(c, (nl + nr) * sizeof *cmap);
        out = un_node(c, PLAN_LOGICAL_PROJECT, wl + wr);
        if (!cmap || !out || !(out->u.project.exprs = un_alloc(c, (wl + wr) * sizeof(plan_expr *))))
            return false;
        for (uint32_t i = 0; i < nl + nr; i++)
            cmap[i] = i < nl ? i : i - nl + wl;
        un_map m = {.ctx = c, .col_map = cmap};
        if (n->u.join.cond && !(j->u.join.cond = un_map_expr(&m, n->u.join.cond)))
            return false;
        j->n_cols = wl + wr;
        if (!(j->types = un_alloc(c, j->n_cols * sizeof *j->types)) ||
            !(j->names = un_alloc(c, j->n_cols * sizeof *j->names)) ||
            !(j->typmods = un_alloc(c, j->n_cols * sizeof *j->typmods)))
            return false;
        un_copy_schema(j, 0, l.plan, 0, wl);
        un_copy_schema(j, wl, r.plan, 0, wr);
        out->child = j;
        for (uint32_t i = 0; i < wl + wr; i++) {
            uint32_t from = i < nl ? i : i < nl + nr ? i - nl + wl : i < nl + nr + el ? i - nr : i;
            if (!(out->u.project.exprs[i] = un_column(c, j, from)))
                return false;
            un_copy_schema(out, i, j, from, 1);
        }
        /* the condition's correlated conjuncts, in original numbering, then mapped */
        un_list pulled = {0};
        if (!pull_join_cond(c, j, j, &pulled))
            return false;
        uint32_t *back = un_alloc(c, (wl + wr) * sizeof *back);
        if (!back)
            return false;
        for (uint32_t i = 0; i < wl + wr; i++) /* join numbering -> output numbering */
            back[i] = i < nl ? i : i < wl ? nl + nr + (i - nl) : i < wl + nr ? i - wl + nl : i;
        un_map mb = {.ctx = c, .col_map = back};
        if (!map_list(&mb, &pulled))
            return false;
        un_map ml = {.ctx = c, .col_map = extras_map(c, nl, wl, 0, nl + nr)};
        un_map mr = {.ctx = c, .col_map = extras_map(c, nr, wr, nl, nl + nr + el)};
        if (!ml.col_map || !mr.col_map || !map_list(&ml, &l.preds) || !map_list(&mr, &r.preds))
            return false;
        *d = l;
        for (uint32_t i = 0; i < pulled.n; i++)
            if (!un_list_add(c, &d->preds, pulled.items[i]))
                return false;
    } else {
        un_map m = {.ctx = c, .col_shift = nl};
        if (!map_list(&m, &r.preds) ||
            (un_expr_has_outer(n->u.join.cond, 1) && !pull_join_cond(c, n, j, &l.preds)))
            return false;
        *d = l;
    }
    for (uint32_t i = 0; i < r.preds.n; i++)
        if (!un_list_add(c, &d->preds, r.preds.items[i]))
            return false;
    d->plan = out;
    return true;
}

static bool decorrelate(un_ctx *c, plan_node *n, decor *d) {
    memset(d, 0, sizeof *d);
    if (!un_plan_has_outer(n, 1))
        return (d->plan = n), true;
    switch (n->kind) {
    case PLAN_LOGICAL_FILTER: return decor_filter(c, n, d);
    case PLAN_LOGICAL_PROJECT: return decor_project(c, n, d);
    case PLAN_LOGICAL_AGGREGATE:
        for (uint32_t i = 0; i < n->u.aggregate.n_groups; i++)
            if (un_expr_has_outer(n->u.aggregate.groups[i], 1))
                return refuse_correlated(c, "an outer reference in GROUP BY of a subquery");
        for (uint32_t i = 0; i < n->u.aggregate.n_aggs; i++) {
            const plan_agg *a = &n->u.aggregate.aggs[i];
            if (un_expr_has_outer(a->arg, 1) || un_expr_has_outer(a->arg2, 1) ||
                un_expr_has_outer(a->filter, 1))
                return refuse_correlated(c, "an outer reference in an aggregate of a subquery");
        }
        return decor_aggregate(c, n, d);
    case PLAN_LOGICAL_JOIN: return decor_join(c, n, d);
    case PLAN_LOGICAL_ORDER: /* order is meaningless without LIMIT (refused below) */
        for (uint32_t i = 0; i < n->u.order.n_keys; i++)
            if (un_expr_has_outer(n->u.order.keys[i].expr, 1))
                return refuse_correlated(c, "ORDER BY with an outer reference in a subquery");
        return decorrelate(c, n->child, d);
    default: {
        char what[96];
        snprintf(what, sizeof what, "a correlated subquery with %s below the correlation",
                 plan_logical_name(n->kind));
        return refuse_correlated(c, what);
    }
    }
}

/* ---- joining one subquery to the holding node's input ------------------------------- */

/* Adds a join of `kind` with `right` (a subquery's subtree, lifted one level) to the
 * holder's input; returns the index of the first column the join appends. */
static bool add_join(holder *h, plan_join_kind kind, plan_node *right, plan_expr *cond,
                     uint32_t *at) {
    *at = h->cur->n_cols;
    plan_node *r = un_lift_plan(h->c, right);
    return r && (h->cur = un_join(h->c, kind, h->cur, r, cond)) != NULL;
}

/* The decorrelated subquery body and its correlation as a join condition for a
 * right side placed after h->cur's columns (NULL pred list: *cond = NULL). */
static bool body_cond(holder *h, const decor *d, plan_expr **cond) {
    *cond = NULL;
    if (d->preds.n == 0)
        return true;
    plan_expr *p = un_and_list(h->c, &d->preds);
    return p && (*cond = map_right(h, p, h->cur->n_cols)) != NULL;
}

/* The value column of a subquery: its top Project's expression (over the Project's
 * input, returned as the body), or column 0. */
static plan_node *split_value(un_ctx *c, plan_node *sub, plan_expr **v) {
    if (sub->kind == PLAN_LOGICAL_PROJECT) {
        *v = sub->u.project.exprs[0];
        return sub->child;
    }
    *v = un_column(c, sub, 0);
    return *v ? sub : NULL;
}

/* Strips what does not matter to EXISTS: the select list and ORDER BY. */
static plan_node *exists_body(plan_node *sub) {
    while ((sub->kind == PLAN_LOGICAL_PROJECT || sub->kind == PLAN_LOGICAL_ORDER) &&
           !un_node_has_subquery(sub))
        sub = sub->child;
    return sub;
}

static plan_op_kind negate_cmp(plan_op_kind op) {
    switch (op) {
    case PLAN_OP_EQ: return PLAN_OP_NE;
    case PLAN_OP_NE: return PLAN_OP_EQ;
    case PLAN_OP_LT: return PLAN_OP_GE;
    case PLAN_OP_GE: return PLAN_OP_LT;
    case PLAN_OP_GT: return PLAN_OP_LE;
    default: return PLAN_OP_GT; /* LE */
    }
}

/* A prepared ANY comparison: `x op v`, x over h->cur, v over the body. */
typedef struct any_form {
    plan_op_kind op;
    plan_expr *x;  /* left operand, over the holder's input */
    plan_expr *v;  /* the subquery's value, over body's columns */
    decor d;       /* decorrelated body */
} any_form;

/* The comparison of an ANY form for a right side placed after h->cur's columns. */
static plan_expr *any_cmp(holder *h, const any_form *f) {
    plan_expr *v = map_right(h, f->v, h->cur->n_cols);
    return v ? un_op(h->c, f->op, f->x, v) : NULL;
}

/* x op ANY (sub) as a value: a MARK join (two when correlated: TRUE, then NULL). */
static plan_expr *any_value(holder *h, any_form *f) {
    un_ctx *c = h->c;
    uint32_t at1, at2;
    plan_expr *cmp = any_cmp(h, f), *corr;
    if (!cmp || !body_cond(h, &f->d, &corr))
        return NULL;
    if (!corr)
        return add_join(h, PLAN_JOIN_MARK, f->d.plan, cmp, &at1) ? un_column(c, h->cur, at1)
                                                                  : NULL;
    plan_expr *c1 = un_and(c, cmp, corr);
    if (!c1 || !add_join(h, PLAN_JOIN_MARK, f->d.plan, c1, &at1))
        return NULL;
    plan_expr *cmp2 = any_cmp(h, f), *corr2;
    if (!cmp2 || !body_cond(h, &f->d, &corr2))
        return NULL;
    plan_expr *isnull = un_op(c, PLAN_OP_IS_NULL, cmp2, NULL);
    plan_expr *c2 = isnull ? un_and(c, isnull, corr2) : NULL;
    if (!c2 || !add_join(h, PLAN_JOIN_MARK, f->d.plan, c2, &at2))
        return NULL;
    /* CASE WHEN m1 THEN TRUE WHEN m2 THEN NULL ELSE FALSE END */
    plan_expr *e = un_alloc(c, sizeof *e);
    plan_expr **whens = un_alloc(c, 2 * sizeof *whens), **thens = un_alloc(c, 2 * sizeof *thens);
    rt_value t = {.type = QE_TYPE_BOOLEAN, .u.b = true}, n = {.type = QE_TYPE_BOOLEAN, .is_null = true},
             f0 = {.type = QE_TYPE_BOOLEAN};
    if (!e || !whens || !thens || !(whens[0] = un_column(c, h->cur, at1)) ||
        !(whens[1] = un_column(c, h->cur, at2)) || !(thens[0] = opt_expr_const(c->arena, &t, -1)) ||
        !(thens[1] = opt_expr_const(c->arena, &n, -1)) ||
        !(e->u.case_.else_expr = opt_expr_const(c->arena, &f0, -1)))
        return un_nomem(c), NULL;
    e->kind = PLAN_EXPR_CASE;
    e->type = QE_TYPE_BOOLEAN;
    e->position = -1;
    e->u.case_.n_whens = 2;
    e->u.case_.whens = whens;
    e->u.case_.thens = thens;
    return e;
}

static plan_expr *value_hook(un_map *m, const plan_expr *e);

/* Unnests the subquery's own subqueries and prepares an ANY/ALL form (ALL: the
 * negated comparison, the caller negates the result). */
static bool prepare_any(holder *h, const plan_expr *sq, any_form *f) {
    un_map m = {.ctx = h->c, .subquery = value_hook, .data = h};
    plan_node *sub = unnest_plan(h->c, sq->u.subquery.plan);
    plan_node *body = sub ? split_value(h->c, sub, &f->v) : NULL;
    f->op = sq->u.subquery.kind == PLAN_SUBQUERY_ALL ? negate_cmp(sq->u.subquery.op)
                                                     : sq->u.subquery.op;
    return body && (f->x = un_map_expr(&m, sq->u.subquery.left)) && decorrelate(h->c, body, &f->d);
}

/* Global aggregate (no GROUP BY) of a correlated scalar subquery; v is the value over
 * the aggregate's output.  Equality correlations: LEFT join with the aggregate grouped
 * by the inner columns; count becomes coalesce(count, 0) for missing groups. */
/* The keyed aggregate of a correlated global aggregate when every correlation is an
 * equality: Aggregate(groups: inner sides; aggs) and *cond `key_i = outer_i`. */
static plan_node *keyed_aggregate(holder *h, plan_node *agg, decor *d, plan_expr **cond) {
    un_ctx *c = h->c;
    uint32_t nk = d->preds.n, na = agg->u.aggregate.n_aggs, shift = h->cur->n_cols;
    plan_node *g = un_node(c, PLAN_LOGICAL_AGGREGATE, nk + na);
    plan_expr **groups = un_alloc(c, (nk ? nk : 1) * sizeof *groups);
    if (!g || !groups)
        return NULL;
    g->child = d->plan;
    g->u.aggregate = agg->u.aggregate;
    g->u.aggregate.groups = groups;
    g->u.aggregate.n_groups = nk;
    un_copy_schema(g, nk, agg, 0, na);
    *cond = NULL;
    for (uint32_t i = 0; i < nk; i++) {
        plan_expr *outer;
        if (!split_equality(d->preds.items[i], &groups[i], &outer))
            return NULL; /* not an error: the caller uses the domain */
        g->types[i] = groups[i]->type;
        g->typmods[i] = groups[i]->typmod;
        g->names[i] = "key";
        plan_expr *key = un_column(c, g, i), *o = map_right(h, outer, shift);
        if (!key || !o)
            return NULL;
        key->u.column += shift;
        if (!(*cond = un_and(c, *cond, same_equality(c, d->preds.items[i], key, o))))
            return NULL;
    }
    return g;
}

/* The domain form: Aggregate(groups: domain; aggs) over Filter(correlation) over
 * CROSS(input, domain), and *cond `domain column IS NOT DISTINCT FROM outer column`. */
static plan_node *domain_aggregate(holder *h, plan_node *agg, decor *d, plan_expr **cond) {
    un_ctx *c = h->c;
    domain dm;
    plan_expr *corr = un_and_list(c, &d->preds);
    if (!corr || !make_domain(c, corr, &dm))
        return NULL;
    uint32_t nr = d->plan->n_cols, nd = dm.n, na = agg->u.aggregate.n_aggs;
    uint32_t shift = h->cur->n_cols;
    dm.offset = nr;
    un_map m = {.ctx = c, .resolve = resolve_domain, .data = &dm};
    plan_node *x = un_join(c, PLAN_JOIN_CROSS, d->plan, dm.plan, NULL);
    plan_expr *pred = un_map_expr(&m, corr);
    plan_node *f = x && pred ? un_filter(c, x, pred) : NULL;
    plan_node *g = f ? un_node(c, PLAN_LOGICAL_AGGREGATE, nd + na) : NULL;
    if (!g || !(g->u.aggregate.groups = un_alloc(c, nd * sizeof(plan_expr *))))
        return NULL;
    g->child = f;
    plan_expr **groups = g->u.aggregate.groups;
    g->u.aggregate = agg->u.aggregate;
    g->u.aggregate.groups = groups;
    g->u.aggregate.n_groups = nd;
    un_copy_schema(g, 0, f, nr, nd);
    un_copy_schema(g, nd, agg, 0, na);
    *cond = NULL;
    for (uint32_t j = 0; j < nd; j++) {
        uint32_t col;
        if (!(groups[j] = un_column(c, f, nr + j)) || !from_column(h->input, dm.outer[j], &col))
            return NULL;
        plan_expr *key = un_column(c, g, j), *left = un_column(c, h->input, col);
        if (!key || !left)
            return NULL;
        key->u.column += shift;
        if (!(*cond = un_and(c, *cond, not_distinct(c, key, left))))
            return NULL;
    }
    return g;
}

/* Global aggregate (no GROUP BY) of a correlated scalar subquery; v is the value over
 * the aggregate's output.  Grouped by the correlation (equality keys, else the domain)
 * and LEFT-joined; count becomes coalesce(count, 0) for the missing groups. */
static plan_expr *scalar_aggregate(holder *h, plan_expr *v, plan_node *agg) {
    un_ctx *c = h->c;
    decor d;
    uint32_t at;
    plan_expr *cond;
    if (!decorrelate(c, agg->child, &d))
        return NULL;
    plan_node *g = keyed_aggregate(h, agg, &d, &cond);
    if (!g && c->status == QE_OK)
        g = domain_aggregate(h, agg, &d, &cond);
    if (!g)
        return NULL;
    uint32_t na = agg->u.aggregate.n_aggs, nk = g->n_cols - na;
    if (!add_join(h, nk ? PLAN_JOIN_LEFT : PLAN_JOIN_CROSS, g, cond, &at))
        return NULL;
    /* v over the aggregate's columns -> over the join's */
    plan_expr **cols = un_alloc(c, (na ? na : 1) * sizeof *cols);
    if (!cols)
        return NULL;
    for (uint32_t i = 0; i < na; i++) {
        if (!(cols[i] = un_column(c, h->cur, at + nk + i)))
            return NULL;
        plan_agg_fn fn = agg->u.aggregate.aggs[i].fn;
        if (nk && (fn == PLAN_AGG_COUNT || fn == PLAN_AGG_COUNT_STAR)) {
            plan_expr *e = un_alloc(c, sizeof *e), **args = un_alloc(c, 2 * sizeof *args);
            rt_value zero = {.type = cols[i]->type};
            if (!e || !args || !(args[1] = opt_expr_const(c->arena, &zero, -1)))
                return un_nomem(c), NULL;
            args[0] = cols[i];
            *e = *cols[i];
            e->kind = PLAN_EXPR_FUNC;
            e->u.func.fn = PLAN_FUNC_ID_COALESCE;
            e->u.func.n_args = 2;
            e->u.func.args = args;
            cols[i] = e;
        }
    }
    un_map m = {.ctx = c, .lift = true, .resolve = resolve_from, .subst = cols, .data = h};
    return un_map_expr(&m, v);
}

static bool exactly_one_row(const plan_node *n) {
    while (n->kind == PLAN_LOGICAL_PROJECT)
        n = n->child;
    return n->kind == PLAN_LOGICAL_AGGREGATE && n->u.aggregate.n_groups == 0 &&
           n->u.aggregate.n_sets == 0;
}

static bool at_most_one_row(const plan_node *n) {
    while (n->kind == PLAN_LOGICAL_PROJECT || n->kind == PLAN_LOGICAL_FILTER ||
           n->kind == PLAN_LOGICAL_ORDER)
        n = n->child;
    return exactly_one_row(n) ||
           (n->kind == PLAN_LOGICAL_LIMIT && n->u.limit.limit >= 0 && n->u.limit.limit <= 1);
}

/* A scalar subquery as a value. */
static plan_expr *scalar_value(holder *h, plan_node *sub) {
    un_ctx *c = h->c;
    uint32_t at;
    if (!un_plan_has_outer(sub, 1)) {
        plan_join_kind kind = exactly_one_row(sub)   ? PLAN_JOIN_CROSS
                              : at_most_one_row(sub) ? PLAN_JOIN_LEFT
                                                     : PLAN_JOIN_SINGLE;
        return add_join(h, kind, sub, NULL, &at) ? un_column(c, h->cur, at) : NULL;
    }
    /* the value through the top Projects */
    plan_expr *v = un_column(c, sub, 0);
    plan_node *n = sub;
    while (v && n->kind == PLAN_LOGICAL_PROJECT && !un_node_has_subquery(n)) {
        un_map m = {.ctx = c, .subst = n->u.project.exprs};
        v = un_map_expr(&m, v);
        n = n->child;
    }
    if (!v)
        return NULL;
    if (n->kind == PLAN_LOGICAL_AGGREGATE && n->u.aggregate.n_groups == 0 &&
        n->u.aggregate.n_sets == 0) {
        for (uint32_t i = 0; i < n->u.aggregate.n_aggs; i++) {
            const plan_agg *a = &n->u.aggregate.aggs[i];
            if (un_expr_has_outer(a->arg, 1) || un_expr_has_outer(a->arg2, 1) ||
                un_expr_has_outer(a->filter, 1))
                return un_refuse(c, -1, "an outer reference in an aggregate of a subquery"), NULL;
        }
        return scalar_aggregate(h, v, n);
    }
    decor d;
    plan_expr *cond;
    if (!decorrelate(c, n, &d) || !body_cond(h, &d, &cond) ||
        !add_join(h, PLAN_JOIN_SINGLE, d.plan, cond, &at))
        return NULL;
    return map_right(h, v, at);
}

/* EXISTS (sub) as a value: a MARK join; correlated, `mark IS NOT NULL AND mark`
 * (a NULL correlation predicate means "no row", not "unknown"). */
static plan_expr *exists_value(holder *h, plan_node *sub) {
    un_ctx *c = h->c;
    decor d;
    plan_expr *cond;
    uint32_t at;
    if (!decorrelate(c, exists_body(sub), &d) || !body_cond(h, &d, &cond) ||
        !add_join(h, PLAN_JOIN_MARK, d.plan, cond, &at))
        return NULL;
    plan_expr *mark = un_column(c, h->cur, at);
    if (!mark || !cond)
        return mark;
    plan_expr *nn = un_op(c, PLAN_OP_IS_NOT_NULL, mark, NULL);
    return nn ? un_and(c, nn, mark) : NULL;
}

/* un_map hook: a SUBQUERY expression of the holding node -> an expression over the
 * holder's input joined with the subquery. */
static plan_expr *subquery_value(holder *h, const plan_expr *e) {
    un_ctx *c = h->c;
    if (e->u.subquery.kind == PLAN_SUBQUERY_ANY || e->u.subquery.kind == PLAN_SUBQUERY_ALL) {
        any_form f;
        plan_expr *r = prepare_any(h, e, &f) ? any_value(h, &f) : NULL;
        if (r && e->u.subquery.kind == PLAN_SUBQUERY_ALL)
            r = un_op(c, PLAN_OP_NOT, r, NULL);
        return r;
    }
    plan_node *sub = unnest_plan(c, e->u.subquery.plan);
    if (!sub)
        return NULL;
    return e->u.subquery.kind == PLAN_SUBQUERY_SCALAR ? scalar_value(h, sub) : exists_value(h, sub);
}

/* un_map hook: a SUBQUERY expression of the holding node -> an expression over the
 * holder's input joined with the subquery. */
static plan_expr *value_hook(un_map *m, const plan_expr *e) {
    holder *h = m->data;
    un_ctx *c = h->c;
    void *holder_saved = c->holder;
    int position_saved = c->position;
    c->holder = h;
    c->position = e->position;
    plan_expr *r = subquery_value(h, e);
    c->holder = holder_saved;
    c->position = position_saved;
    return r;
}

/* A WHERE conjunct [NOT] EXISTS / ANY / ALL: a SEMI or ANTI join (uncorrelated NOT IN:
 * MARK join and the conjunct `NOT mark`, added to rest). */
static bool conjunct_join(holder *h, const plan_expr *sq, bool negated, un_list *rest) {
    un_ctx *c = h->c;
    uint32_t at;
    plan_expr *cond;
    if (sq->u.subquery.kind == PLAN_SUBQUERY_EXISTS) {
        decor d;
        plan_node *sub = unnest_plan(c, sq->u.subquery.plan);
        return sub && decorrelate(c, exists_body(sub), &d) && body_cond(h, &d, &cond) &&
               add_join(h, negated ? PLAN_JOIN_ANTI : PLAN_JOIN_SEMI, d.plan, cond, &at);
    }
    any_form f;
    if (!prepare_any(h, sq, &f))
        return false;
    bool any = (sq->u.subquery.kind == PLAN_SUBQUERY_ANY) != negated; /* else: NOT ANY */
    plan_expr *cmp = any_cmp(h, &f);
    if (!cmp || !body_cond(h, &f.d, &cond))
        return false;
    if (any) {
        plan_expr *both = un_and(c, cmp, cond);
        return both && add_join(h, PLAN_JOIN_SEMI, f.d.plan, both, &at);
    }
    if (!cond) { /* NULL semantics: keep the rows whose mark is FALSE */
        plan_expr *mark, *not_mark;
        return add_join(h, PLAN_JOIN_MARK, f.d.plan, cmp, &at) &&
               (mark = un_column(c, h->cur, at)) &&
               (not_mark = un_op(c, PLAN_OP_NOT, mark, NULL)) && un_list_add(c, rest, not_mark);
    }
    /* correlated NOT ANY: no row where the comparison is TRUE or NULL */
    plan_expr *isnull = un_op(c, PLAN_OP_IS_NULL, cmp, NULL);
    plan_expr *hit = isnull ? un_op(c, PLAN_OP_OR, cmp, isnull) : NULL;
    plan_expr *all = hit ? un_and(c, hit, cond) : NULL;
    return all && add_join(h, PLAN_JOIN_ANTI, f.d.plan, all, &at);
}

static bool subquery_conjunct(holder *h, const plan_expr *sq, bool negated, un_list *rest) {
    un_ctx *c = h->c;
    void *holder_saved = c->holder;
    int position_saved = c->position;
    c->holder = h;
    c->position = sq->position;
    bool ok = conjunct_join(h, sq, negated, rest);
    c->holder = holder_saved;
    c->position = position_saved;
    return ok;
}

/* ---- rewriting the nodes holding subqueries ----------------------------------------- */

static plan_node *rewrite_filter(un_ctx *c, plan_node *n) {
    holder h = {c, n->child, n->child};
    un_list conj = {0}, rest = {0};
    if (!un_conjuncts(c, n->u.filter.pred, &conj))
        return NULL;
    for (uint32_t i = 0; i < conj.n; i++) {
        const plan_expr *e = conj.items[i];
        bool negated = e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_NOT &&
                       e->u.op.args[0]->kind == PLAN_EXPR_SUBQUERY;
        const plan_expr *sq = negated ? e->u.op.args[0] : e;
        if (sq->kind == PLAN_EXPR_SUBQUERY && sq->u.subquery.kind != PLAN_SUBQUERY_SCALAR) {
            if (!subquery_conjunct(&h, sq, negated, &rest))
                return NULL;
        } else if (!un_list_add(c, &rest, conj.items[i])) {
            return NULL;
        }
    }
    un_map m = {.ctx = c, .subquery = value_hook, .data = &h};
    if (!map_list(&m, &rest))
        return NULL;
    plan_expr *pred = un_and_list(c, &rest);
    if (rest.n && !pred)
        return NULL;
    plan_node *f = un_filter(c, h.cur, pred);
    return f ? un_project_prefix(c, f, n->n_cols) : NULL;
}

static plan_node *rewrite_project(un_ctx *c, plan_node *n) {
    holder h = {c, n->child, n->child};
    un_map m = {.ctx = c, .subquery = value_hook, .data = &h};
    plan_expr **exprs = un_alloc(c, n->n_cols * sizeof *exprs);
    if (!exprs)
        return NULL;
    for (uint32_t i = 0; i < n->n_cols; i++)
        if (!(exprs[i] = un_map_expr(&m, n->u.project.exprs[i])))
            return NULL;
    n->child = h.cur;
    n->u.project.exprs = exprs;
    return n;
}

/* First SUBQUERY expression of a node (for the error position). */
static bool first_subquery(const plan_expr *e, void *ctx) {
    if (e->kind != PLAN_EXPR_SUBQUERY)
        return true;
    *(int *)ctx = e->position;
    return false;
}

static plan_node *unnest_plan(un_ctx *c, plan_node *n) {
    if (!n || n->kind == PLAN_LOGICAL_CREATE_VIEW || !un_plan_has_subquery(n))
        return n;
    plan_node *r = un_copy_node(c, n);
    if (!r || (n->child && !(r->child = unnest_plan(c, n->child))) ||
        (n->right && !(r->right = unnest_plan(c, n->right))))
        return NULL;
    if (!un_node_has_subquery(n))
        return r;
    switch (n->kind) {
    case PLAN_LOGICAL_FILTER: return rewrite_filter(c, r);
    case PLAN_LOGICAL_PROJECT: return rewrite_project(c, r);
    default: {
        int position = -1;
        char what[96];
        opt_node_exprs_walk(n, first_subquery, &position);
        snprintf(what, sizeof what, "a subquery in %s", plan_logical_name(n->kind));
        un_refuse(c, position, what);
        return NULL;
    }
    }
}

qe_status opt_unnest(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err) {
    un_ctx c = {arena, err, QE_OK, -1, NULL};
    *out = unnest_plan(&c, in);
    if (!*out && c.status == QE_OK)
        un_nomem(&c);
    return *out ? QE_OK : c.status;
}
