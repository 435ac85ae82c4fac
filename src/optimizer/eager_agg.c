/*
 * eager_agg.c -- eager aggregation below a join (opt_eager_aggregate, called by
 * opt_optimize_in after the semi-join reduction, before column pruning).
 *
 *   Aggregate(groups: G; f_1(x_1) .. f_n(x_n))
 *     over Join(INNER or LEFT, L, R) on l_1 = r_1 AND .. AND l_m = r_m
 * (possibly through a Project of plain columns), where the groups G are plain columns
 * of L, every f_i is COUNT, SUM, MIN or MAX of a plain column x_i of R, and the join
 * condition is only equalities of a plain column of L and one of R, becomes
 *   Project(G, g_1 .. g_n)
 *     over Aggregate(groups: G; F_1(p_1) .. F_n(p_n))
 *       over Join(same kind, L, P) on l_1 = P.r_1 AND .. AND l_m = P.r_m
 *   where P = Aggregate(groups: r_1 .. r_m; f_1(x_1) .. f_n(x_n)) over R,
 * F_i is SUM for COUNT and SUM, MIN for MIN, MAX for MAX, and g_i is F_i's value,
 * except that a COUNT's NULL (an L row no R row matched) is 0.
 *
 * R's rows with equal keys r join the same L rows, so folding them into one row before
 * the join gives every group the same result (COUNT, SUM, MIN and MAX combine their
 * partial results; a NULL key matches nothing either way).  A LEFT join's unmatched L
 * row gets NULL partials, as it got a NULL x before: SUM, MIN and MAX ignore it; COUNT
 * turns it into 0.  The join then sees one R row per key instead of many, and the
 * upper aggregate as many rows as the join yields.  TPC-H Q13: 1.35M orders fold into
 * 100K customers' counts before the LEFT join of 150K customers, instead of 1.36M join
 * rows reaching the aggregate.
 *
 * It is applied only when R is estimated to have at least MIN_ROWS_PER_KEY rows per
 * distinct key (else the extra aggregate costs more than the join saves).  Aggregates
 * with grouping sets, DISTINCT or FILTER (opt_rewrite_aggs removed those it could) are
 * left alone.
 */
#include "opt.h"

#include <string.h>

#define MIN_ROWS_PER_KEY 4.0 /* R's rows per distinct join key, at least */
#define MAX_KEYS 16          /* join keys looked at */

typedef struct ea {
    rt_arena *arena;
    rt_catalog *cat; /* may be NULL: default estimates */
    bool oom;
} ea;

static void *alloc(ea *x, size_t n) {
    void *p = rt_arena_calloc(x->arena, n ? n : 1);
    if (p == NULL)
        x->oom = true;
    return p;
}

static plan_expr *column(ea *x, const plan_node *n, uint32_t c, uint32_t as) {
    plan_expr *e = opt_expr_column(x->arena, as, n->types[c]);
    if (e == NULL)
        return x->oom = true, NULL;
    e->typmod = opt_column_typmod(n, c);
    return e;
}

/* The join column a plain column c of the aggregate's input reads (map: the Project
 * between them, or NULL), or UINT32_MAX. */
static uint32_t join_col(const plan_expr *e, const plan_node *proj) {
    if (e == NULL || e->kind != PLAN_EXPR_COLUMN)
        return UINT32_MAX;
    if (proj == NULL)
        return e->u.column;
    const plan_expr *p = proj->u.project.exprs[e->u.column];
    return p->kind == PLAN_EXPR_COLUMN ? p->u.column : UINT32_MAX;
}

/* The m equalities of j's condition as left columns l[] and right columns r[] (right
 * numbering); false if the condition has anything else. */
static bool equi_keys(const plan_node *j, uint32_t *l, uint32_t *r, uint32_t *m) {
    const plan_expr *stack[MAX_KEYS * 2];
    uint32_t n_stack = 0, n_left = j->child->n_cols;
    *m = 0;
    if (j->u.join.cond == NULL)
        return false;
    stack[n_stack++] = j->u.join.cond;
    while (n_stack > 0) {
        const plan_expr *e = stack[--n_stack];
        if (e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_AND) {
            if (n_stack + 2 > MAX_KEYS * 2)
                return false;
            stack[n_stack++] = e->u.op.args[0];
            stack[n_stack++] = e->u.op.args[1];
            continue;
        }
        if (e->kind != PLAN_EXPR_OP || e->u.op.op != PLAN_OP_EQ || *m == MAX_KEYS)
            return false;
        const plan_expr *a = e->u.op.args[0], *b = e->u.op.args[1];
        if (a->kind != PLAN_EXPR_COLUMN || b->kind != PLAN_EXPR_COLUMN || a->type != b->type)
            return false;
        uint32_t ca = a->u.column, cb = b->u.column;
        if (ca >= n_left && cb < n_left) {
            uint32_t t = ca;
            ca = cb;
            cb = t;
        }
        if (ca >= n_left || cb < n_left)
            return false;
        l[*m] = ca;
        r[(*m)++] = cb - n_left;
    }
    return *m > 0;
}

/* The final aggregate over a partial column of type t (the original's result). */
static plan_agg final_agg(const plan_agg *a, plan_expr *arg) {
    plan_agg f = *a;
    f.fn = a->fn == PLAN_AGG_COUNT ? PLAN_AGG_SUM : a->fn;
    f.arg = arg;
    f.arg2 = NULL;
    f.filter = NULL;
    f.distinct = false;
    qe_type t = arg->type;
    f.state_type = rt_type_is_integer(t)                      ? QE_TYPE_BIGINT
                   : t == QE_TYPE_DOUBLE || t == QE_TYPE_REAL ? QE_TYPE_DOUBLE
                                                              : a->type;
    return f;
}

/* CASE WHEN e IS NULL THEN 0 ELSE e END (BIGINT). */
static plan_expr *zero_if_null(ea *x, plan_expr *e) {
    rt_value zero = {.type = QE_TYPE_BIGINT, .u.i = 0};
    plan_expr *c = opt_expr_case1(
        x->arena, opt_expr_op(x->arena, PLAN_OP_IS_NULL, QE_TYPE_BOOLEAN, e, NULL, -1),
        opt_expr_const(x->arena, &zero, -1), e, QE_TYPE_BIGINT);
    if (c == NULL)
        x->oom = true;
    return c;
}

/* The rewrite of aggregate a, or a itself when it does not apply or pay. */
static plan_node *eager(ea *x, plan_node *a) {
    if (a->u.aggregate.n_sets != 0 || a->u.aggregate.n_groups == 0 || a->u.aggregate.n_aggs == 0)
        return a;
    const plan_node *proj = NULL, *j = a->child;
    if (j->kind == PLAN_LOGICAL_PROJECT) {
        proj = j;
        j = j->child;
    }
    if (j->kind != PLAN_LOGICAL_JOIN ||
        (j->u.join.kind != PLAN_JOIN_INNER && j->u.join.kind != PLAN_JOIN_LEFT))
        return a;
    const plan_node *left = j->child, *right = j->right;
    uint32_t n_left = left->n_cols, n_groups = a->u.aggregate.n_groups;
    uint32_t n_aggs = a->u.aggregate.n_aggs;
    uint32_t lk[MAX_KEYS], rk[MAX_KEYS], m;
    if (!equi_keys(j, lk, rk, &m))
        return a;
    uint32_t *gcol = alloc(x, sizeof(uint32_t) * n_groups);
    uint32_t *xcol = alloc(x, sizeof(uint32_t) * n_aggs);
    if (!gcol || !xcol)
        return NULL;
    for (uint32_t g = 0; g < n_groups; g++)
        if ((gcol[g] = join_col(a->u.aggregate.groups[g], proj)) >= n_left)
            return a;
    for (uint32_t i = 0; i < n_aggs; i++) {
        const plan_agg *ag = &a->u.aggregate.aggs[i];
        if ((ag->fn != PLAN_AGG_COUNT && ag->fn != PLAN_AGG_SUM && ag->fn != PLAN_AGG_MIN &&
             ag->fn != PLAN_AGG_MAX) ||
            ag->distinct || ag->filter || ag->arg2)
            return a;
        uint32_t c = join_col(ag->arg, proj);
        if (c == UINT32_MAX || c < n_left || c >= j->n_cols)
            return a;
        xcol[i] = c - n_left;
    }
    /* pays only with many R rows a key */
    double rows = opt_est_rows(x->cat, right), keys = 1;
    for (uint32_t k = 0; k < m; k++) {
        double d = opt_est_ndv(x->cat, right, rk[k]);
        keys *= d > 0 ? d : rows;
    }
    if (keys > rows)
        keys = rows;
    if (rows < MIN_ROWS_PER_KEY * keys)
        return a;

    /* P: Aggregate(groups: r; f(x)) over R */
    plan_node *p = alloc(x, sizeof *p);
    uint32_t np = m + n_aggs;
    plan_expr **pg = alloc(x, sizeof *pg * m);
    plan_agg *pa = alloc(x, sizeof *pa * n_aggs);
    qe_type *pt = alloc(x, sizeof *pt * np);
    char **pn = alloc(x, sizeof *pn * np);
    int32_t *pm = alloc(x, sizeof *pm * np);
    if (!p || !pg || !pa || !pt || !pn || !pm)
        return NULL;
    for (uint32_t k = 0; k < m; k++) {
        if (!(pg[k] = column(x, right, rk[k], rk[k])))
            return NULL;
        pt[k] = right->types[rk[k]];
        pn[k] = right->names ? right->names[rk[k]] : NULL;
        pm[k] = opt_column_typmod(right, rk[k]);
    }
    for (uint32_t i = 0; i < n_aggs; i++) {
        pa[i] = a->u.aggregate.aggs[i];
        if (!(pa[i].arg = column(x, right, xcol[i], xcol[i])))
            return NULL;
        pt[m + i] = a->types[n_groups + i];
        pn[m + i] = a->names ? a->names[n_groups + i] : NULL;
        pm[m + i] = opt_column_typmod(a, n_groups + i);
    }
    p->kind = PLAN_LOGICAL_AGGREGATE;
    p->n_cols = np;
    p->types = pt;
    p->names = pn;
    p->typmods = pm;
    p->child = (plan_node *)right;
    p->u.aggregate.n_groups = m;
    p->u.aggregate.groups = pg;
    p->u.aggregate.n_aggs = n_aggs;
    p->u.aggregate.aggs = pa;

    /* J': Join(L, P) on l = P.r */
    plan_node *nj = alloc(x, sizeof *nj);
    uint32_t nc = n_left + np;
    qe_type *jt = alloc(x, sizeof *jt * nc);
    char **jn = alloc(x, sizeof *jn * nc);
    int32_t *jm = alloc(x, sizeof *jm * nc);
    if (!nj || !jt || !jn || !jm)
        return NULL;
    for (uint32_t c = 0; c < nc; c++) {
        const plan_node *from = c < n_left ? left : p;
        uint32_t fc = c < n_left ? c : c - n_left;
        jt[c] = from->types[fc];
        jn[c] = from->names ? from->names[fc] : NULL;
        jm[c] = opt_column_typmod(from, fc);
    }
    plan_expr *cond = NULL;
    for (uint32_t k = 0; k < m; k++) {
        plan_expr *l = column(x, left, lk[k], lk[k]), *r = column(x, p, k, n_left + k);
        plan_expr *eq =
            l && r ? opt_expr_op(x->arena, PLAN_OP_EQ, QE_TYPE_BOOLEAN, l, r, -1) : NULL;
        cond = eq && cond ? opt_expr_op(x->arena, PLAN_OP_AND, QE_TYPE_BOOLEAN, cond, eq, -1) : eq;
        if (cond == NULL)
            return x->oom = true, NULL;
    }
    *nj = *j;
    nj->n_cols = nc;
    nj->types = jt;
    nj->names = jn;
    nj->typmods = jm;
    nj->right = p;
    nj->u.join.cond = cond;

    /* A': Aggregate(groups: G; F(partials)) over J' */
    plan_node *na = alloc(x, sizeof *na);
    plan_expr **ng = alloc(x, sizeof *ng * n_groups);
    plan_agg *naggs = alloc(x, sizeof *naggs * n_aggs);
    if (!na || !ng || !naggs)
        return NULL;
    for (uint32_t g = 0; g < n_groups; g++)
        if (!(ng[g] = column(x, left, gcol[g], gcol[g])))
            return NULL;
    bool counts = false;
    for (uint32_t i = 0; i < n_aggs; i++) {
        plan_expr *arg = column(x, nj, n_left + m + i, n_left + m + i);
        if (arg == NULL)
            return NULL;
        naggs[i] = final_agg(&a->u.aggregate.aggs[i], arg);
        counts |= a->u.aggregate.aggs[i].fn == PLAN_AGG_COUNT;
    }
    *na = *a;
    na->child = nj;
    na->u.aggregate.groups = ng;
    na->u.aggregate.aggs = naggs;
    if (!counts)
        return na;

    /* Project: a COUNT's NULL is 0 */
    plan_node *top = alloc(x, sizeof *top);
    plan_expr **exprs = alloc(x, sizeof *exprs * a->n_cols);
    if (!top || !exprs)
        return NULL;
    for (uint32_t c = 0; c < a->n_cols; c++) {
        if (!(exprs[c] = column(x, na, c, c)))
            return NULL;
        if (c >= n_groups && a->u.aggregate.aggs[c - n_groups].fn == PLAN_AGG_COUNT &&
            !(exprs[c] = zero_if_null(x, exprs[c])))
            return NULL;
    }
    *top = *a;
    top->kind = PLAN_LOGICAL_PROJECT;
    top->child = na;
    memset(&top->u, 0, sizeof top->u);
    top->u.project.exprs = exprs;
    return top;
}

/* The plan n with eager aggregation applied bottom-up (n itself if nothing changed);
 * NULL on out-of-memory. */
static plan_node *rewrite(ea *x, plan_node *n) {
    plan_node *c = n->child ? rewrite(x, n->child) : NULL;
    plan_node *r = n->right ? rewrite(x, n->right) : NULL;
    if ((n->child && !c) || (n->right && !r))
        return NULL;
    if (c != n->child || r != n->right) {
        plan_node *copy = alloc(x, sizeof *copy);
        if (!copy)
            return NULL;
        *copy = *n;
        copy->child = c;
        copy->right = r;
        n = copy;
    }
    return n->kind == PLAN_LOGICAL_AGGREGATE ? eager(x, n) : n;
}

qe_status opt_eager_aggregate(rt_arena *arena, plan_node *in, rt_catalog *catalog, plan_node **out,
                              rt_error *err) {
    ea x = {.arena = arena, .cat = catalog};
    *out = rewrite(&x, in);
    if (!*out || x.oom)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    return QE_OK;
}
