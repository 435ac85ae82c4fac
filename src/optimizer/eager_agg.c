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
#include "unnest.h" /* the plan-building helpers (un_node, un_join, un_column, ...) */

#define MIN_ROWS_PER_KEY 4.0 /* R's rows per distinct join key, at least */
#define MAX_KEYS 16          /* join keys looked at */

typedef struct ea {
    un_ctx c;        /* arena and error (53200) */
    rt_catalog *cat; /* may be NULL: default estimates */
} ea;

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
    plan_expr *c = opt_expr_case1(x->c.arena, un_op(&x->c, PLAN_OP_IS_NULL, e, NULL),
                                  opt_expr_const(x->c.arena, &zero, -1), e, QE_TYPE_BIGINT);
    if (c == NULL)
        un_nomem(&x->c);
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
    uint32_t *gcol = un_alloc(&x->c, sizeof(uint32_t) * n_groups);
    uint32_t *xcol = un_alloc(&x->c, sizeof(uint32_t) * n_aggs);
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
    un_ctx *c = &x->c;
    plan_node *p = un_node(c, PLAN_LOGICAL_AGGREGATE, m + n_aggs);
    plan_expr **pg = un_alloc(c, sizeof *pg * m);
    plan_agg *pa = un_alloc(c, sizeof *pa * n_aggs);
    if (!p || !pg || !pa)
        return NULL;
    for (uint32_t k = 0; k < m; k++) {
        if (!(pg[k] = un_column(c, right, rk[k])))
            return NULL;
        un_copy_schema(p, k, right, rk[k], 1);
    }
    for (uint32_t i = 0; i < n_aggs; i++) {
        pa[i] = a->u.aggregate.aggs[i];
        if (!(pa[i].arg = un_column(c, right, xcol[i])))
            return NULL;
    }
    un_copy_schema(p, m, a, n_groups, n_aggs);
    p->child = (plan_node *)right;
    p->u.aggregate.n_groups = m;
    p->u.aggregate.groups = pg;
    p->u.aggregate.n_aggs = n_aggs;
    p->u.aggregate.aggs = pa;

    /* J': Join(L, P) on l = P.r */
    plan_node *nj = un_join(c, j->u.join.kind, j->child, p, NULL);
    if (!nj)
        return NULL;
    for (uint32_t k = 0; k < m; k++)
        if (!(nj->u.join.cond = un_and(
                  c, nj->u.join.cond,
                  un_op(c, PLAN_OP_EQ, un_column(c, left, lk[k]), un_column(c, nj, n_left + k)))))
            return NULL;

    /* A': Aggregate(groups: G; F(partials)) over J' */
    plan_node *na = un_copy_node(c, a);
    plan_expr **ng = un_alloc(c, sizeof *ng * n_groups);
    plan_agg *naggs = un_alloc(c, sizeof *naggs * n_aggs);
    if (!na || !ng || !naggs)
        return NULL;
    for (uint32_t g = 0; g < n_groups; g++)
        if (!(ng[g] = un_column(c, left, gcol[g])))
            return NULL;
    bool counts = false;
    for (uint32_t i = 0; i < n_aggs; i++) {
        plan_expr *arg = un_column(c, nj, n_left + m + i);
        if (arg == NULL)
            return NULL;
        naggs[i] = final_agg(&a->u.aggregate.aggs[i], arg);
        counts |= a->u.aggregate.aggs[i].fn == PLAN_AGG_COUNT;
    }
    na->child = nj;
    na->u.aggregate.groups = ng;
    na->u.aggregate.aggs = naggs;
    if (!counts)
        return na;

    /* Project: a COUNT's NULL is 0 */
    plan_node *top = un_node(c, PLAN_LOGICAL_PROJECT, a->n_cols);
    plan_expr **exprs = un_alloc(c, sizeof *exprs * a->n_cols);
    if (!top || !exprs)
        return NULL;
    for (uint32_t k = 0; k < a->n_cols; k++) {
        if (!(exprs[k] = un_column(c, na, k)))
            return NULL;
        if (k >= n_groups && a->u.aggregate.aggs[k - n_groups].fn == PLAN_AGG_COUNT &&
            !(exprs[k] = zero_if_null(x, exprs[k])))
            return NULL;
    }
    un_copy_schema(top, 0, a, 0, a->n_cols);
    top->child = na;
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
        if (!(n = un_copy_node(&x->c, n)))
            return NULL;
        n->child = c;
        n->right = r;
    }
    return n->kind == PLAN_LOGICAL_AGGREGATE ? eager(x, n) : n;
}

qe_status opt_eager_aggregate(rt_arena *arena, plan_node *in, rt_catalog *catalog, plan_node **out,
                              rt_error *err) {
    ea x = {.c = {.arena = arena, .err = err, .status = QE_OK, .position = -1}, .cat = catalog};
    *out = rewrite(&x, in);
    if (!*out && x.c.status == QE_OK)
        un_nomem(&x.c);
    return x.c.status;
}
