/*
 * setop_rewrite.c -- INTERSECT and EXCEPT (without ALL) as joins (opt_rewrite_setops,
 * run by opt_optimize after the aggregate rewrites).
 *
 *   L INTERSECT R  ->  Aggregate(groups: every column) over SEMI(L, R, rows equal)
 *   L EXCEPT R     ->  Aggregate(groups: every column) over ANTI(L, R, rows equal)
 *
 * Set operations compare rows with NULLs equal (IS NOT DISTINCT FROM); to keep the join
 * a hash join, "equal" is written as equi-conditions per column:
 *   (l IS NULL) = (r IS NULL) AND coalesce(l, zero) = coalesce(r, zero).
 * Both inputs are first cast to the set operation's output types.
 *
 *   L UNION ALL R  ->  SetOperation(UNION ALL) over the cast inputs (a physical union)
 *   L UNION R      ->  Aggregate(groups: every column) over that UNION ALL
 *
 * INTERSECT ALL / EXCEPT ALL (PostgreSQL's multiset semantics: a row occurring m times
 * on the left and n times on the right occurs min(m, n) / max(m - n, 0) times):
 *
 *   Replicate over Project(columns, CASE WHEN cl < cr THEN cl ELSE cr END  |  cl - cr)
 *     over Aggregate(groups: every column; aggs: count(l), count(r))
 *       over UNION ALL(Project(L, 1, NULL), Project(R, NULL, 1))
 *
 * Replicate emits each row as many times as its last column says (none when <= 0).
 */
#include "unnest.h"

#include <string.h>

/* input with its columns cast to the types of `to` where they differ. */
static plan_node *cast_input(un_ctx *c, plan_node *input, const plan_node *to) {
    bool same = true;
    for (uint32_t i = 0; i < to->n_cols; i++)
        same &= input->types[i] == to->types[i] && un_typmod(input, i) == un_typmod(to, i);
    if (same)
        return input;
    plan_node *p = un_node(c, PLAN_LOGICAL_PROJECT, to->n_cols);
    if (!p || !(p->u.project.exprs = un_alloc(c, to->n_cols * sizeof(plan_expr *))))
        return NULL;
    p->child = input;
    un_copy_schema(p, 0, to, 0, to->n_cols);
    for (uint32_t i = 0; i < to->n_cols; i++) {
        plan_expr *e = un_column(c, input, i);
        if (e && (input->types[i] != to->types[i] || e->typmod != un_typmod(to, i))) {
            if ((e = opt_expr_cast(c->arena, e, to->types[i], -1)))
                e->typmod = un_typmod(to, i);
        }
        if (!(p->u.project.exprs[i] = e))
            return un_nomem(c), NULL;
    }
    return p;
}

/* coalesce(col, zero of its type) */
static plan_expr *coalesce_zero(un_ctx *c, plan_expr *col) {
    rt_value zero = {.type = col->type};
    plan_expr *e = un_alloc(c, sizeof *e), **args = un_alloc(c, 2 * sizeof *args);
    if (!e || !args || !(args[1] = opt_expr_const(c->arena, &zero, -1)))
        return un_nomem(c), NULL;
    args[1]->typmod = col->typmod;
    args[0] = col;
    *e = *col;
    e->kind = PLAN_EXPR_FUNC;
    e->u.func.fn = PLAN_FUNC_ID_COALESCE;
    e->u.func.n_args = 2;
    e->u.func.args = args;
    return e;
}

/* Rows equal with NULLs equal, as equi-conditions (see the file comment). */
static plan_expr *rows_equal(un_ctx *c, const plan_node *l, const plan_node *r) {
    plan_expr *cond = NULL;
    for (uint32_t i = 0; i < l->n_cols; i++) {
        plan_expr *a = un_column(c, l, i), *b = un_column(c, r, i);
        if (!a || !b)
            return NULL;
        b->u.column += l->n_cols;
        plan_expr *an = un_op(c, PLAN_OP_IS_NULL, a, NULL),
                  *bn = un_op(c, PLAN_OP_IS_NULL, b, NULL);
        plan_expr *av = coalesce_zero(c, a), *bv = coalesce_zero(c, b);
        plan_expr *nulls = an && bn ? un_op(c, PLAN_OP_EQ, an, bn) : NULL;
        plan_expr *vals = av && bv ? un_op(c, PLAN_OP_EQ, av, bv) : NULL;
        if (!nulls || !vals || !(cond = un_and(c, cond, un_and(c, nulls, vals))))
            return NULL;
    }
    return cond;
}

/* An Aggregate grouping by every column of child (its first out->n_cols columns, named
 * and typed as out's): the distinct rows. */
static plan_node *distinct_rows(un_ctx *c, plan_node *child, const plan_node *out) {
    plan_node *g = un_node(c, PLAN_LOGICAL_AGGREGATE, out->n_cols);
    if (!g || !(g->u.aggregate.groups = un_alloc(c, (out->n_cols + 1) * sizeof(plan_expr *))))
        return NULL;
    g->child = child;
    g->u.aggregate.n_groups = out->n_cols;
    un_copy_schema(g, 0, out, 0, out->n_cols);
    for (uint32_t i = 0; i < out->n_cols; i++)
        if (!(g->u.aggregate.groups[i] = un_column(c, child, i)))
            return NULL;
    return g;
}

static plan_node *rewrite_setop(un_ctx *c, plan_node *n) {
    plan_node *l = cast_input(c, n->child, n), *r = l ? cast_input(c, n->right, n) : NULL;
    plan_expr *cond = r ? rows_equal(c, l, r) : NULL;
    plan_join_kind kind = n->u.setop.op == PLAN_SETOP_INTERSECT ? PLAN_JOIN_SEMI : PLAN_JOIN_ANTI;
    plan_node *j = cond || n->n_cols == 0 ? un_join(c, kind, l, r, cond) : NULL;
    return j ? distinct_rows(c, j, n) : NULL;
}

/* UNION [ALL]: inputs cast to the output types; UNION deduplicates with an Aggregate. */
static plan_node *rewrite_union(un_ctx *c, plan_node *n) {
    n->child = cast_input(c, n->child, n);
    n->right = n->child ? cast_input(c, n->right, n) : NULL;
    if (!n->right || n->u.setop.all)
        return n->right ? n : NULL;
    n->u.setop.all = true;
    return distinct_rows(c, n, n);
}

/* A BIGINT constant (NULL when is_null). */
static plan_expr *bigint_const(un_ctx *c, int64_t v, bool is_null) {
    rt_value val = {.type = QE_TYPE_BIGINT, .is_null = is_null, .u.i = v};
    plan_expr *e = opt_expr_const(c->arena, &val, -1);
    return e ? e : (un_nomem(c), NULL);
}

/* input (cast to the types of `to`) with two BIGINT tag columns: (1, NULL) on the left,
 * (NULL, 1) on the right. */
static plan_node *tagged_input(un_ctx *c, plan_node *input, const plan_node *to, bool left) {
    uint32_t n = to->n_cols;
    plan_node *in = cast_input(c, input, to);
    plan_node *p = in ? un_node(c, PLAN_LOGICAL_PROJECT, n + 2) : NULL;
    if (!p || !(p->u.project.exprs = un_alloc(c, (n + 2) * sizeof(plan_expr *))))
        return NULL;
    p->child = in;
    un_copy_schema(p, 0, to, 0, n);
    for (uint32_t i = 0; i < n; i++)
        if (!(p->u.project.exprs[i] = un_column(c, in, i)))
            return NULL;
    for (uint32_t k = 0; k < 2; k++) {
        p->types[n + k] = QE_TYPE_BIGINT;
        p->names[n + k] = k ? "r" : "l";
        if (!(p->u.project.exprs[n + k] = bigint_const(c, 1, (k == 0) != left)))
            return NULL;
    }
    return p;
}

/* Aggregate(groups: the n columns; aggs: count(l), count(r)) over u. */
static plan_node *count_sides(un_ctx *c, plan_node *u, uint32_t n) {
    plan_node *g = un_node(c, PLAN_LOGICAL_AGGREGATE, n + 2);
    if (!g || !(g->u.aggregate.groups = un_alloc(c, (n + 1) * sizeof(plan_expr *))) ||
        !(g->u.aggregate.aggs = un_alloc(c, 2 * sizeof(plan_agg))))
        return NULL;
    g->child = u;
    g->u.aggregate.n_groups = n;
    g->u.aggregate.n_aggs = 2;
    un_copy_schema(g, 0, u, 0, n + 2);
    for (uint32_t i = 0; i < n; i++)
        if (!(g->u.aggregate.groups[i] = un_column(c, u, i)))
            return NULL;
    for (uint32_t k = 0; k < 2; k++) {
        plan_agg *a = &g->u.aggregate.aggs[k];
        a->fn = PLAN_AGG_COUNT;
        a->type = a->state_type = QE_TYPE_BIGINT;
        if (!(a->arg = un_column(c, u, n + k)))
            return NULL;
    }
    return g;
}

/* L INTERSECT ALL R / L EXCEPT ALL R (see the file comment). */
static plan_node *rewrite_setop_all(un_ctx *c, plan_node *n) {
    uint32_t nc = n->n_cols;
    plan_node *l = tagged_input(c, n->child, n, true);
    plan_node *r = l ? tagged_input(c, n->right, n, false) : NULL;
    plan_node *u = r ? un_node(c, PLAN_LOGICAL_SETOP, nc + 2) : NULL;
    if (!u)
        return NULL;
    u->child = l;
    u->right = r;
    u->u.setop.op = PLAN_SETOP_UNION;
    u->u.setop.all = true;
    un_copy_schema(u, 0, l, 0, nc + 2);
    plan_node *g = count_sides(c, u, nc);
    plan_node *p = g ? un_node(c, PLAN_LOGICAL_PROJECT, nc + 1) : NULL;
    if (!p || !(p->u.project.exprs = un_alloc(c, (nc + 1) * sizeof(plan_expr *))))
        return NULL;
    p->child = g;
    un_copy_schema(p, 0, g, 0, nc + 1);
    for (uint32_t i = 0; i < nc; i++)
        if (!(p->u.project.exprs[i] = un_column(c, g, i)))
            return NULL;
    plan_expr *cl = un_column(c, g, nc), *cr = un_column(c, g, nc + 1), *times = NULL;
    if (cl && cr && n->u.setop.op == PLAN_SETOP_EXCEPT) {
        times = opt_expr_op(c->arena, PLAN_OP_SUB, QE_TYPE_BIGINT, cl, cr, -1);
    } else if (cl && cr) { /* CASE WHEN cl < cr THEN cl ELSE cr END */
        times = opt_expr_case1(c->arena, un_op(c, PLAN_OP_LT, cl, cr), cl, cr, QE_TYPE_BIGINT);
    }
    if (!(p->u.project.exprs[nc] = times))
        return un_nomem(c), NULL;
    p->names[nc] = "times";
    plan_node *rep = un_node(c, PLAN_LOGICAL_REPLICATE, nc);
    if (!rep)
        return NULL;
    rep->child = p;
    un_copy_schema(rep, 0, n, 0, nc);
    return rep;
}

static plan_node *rewrite_plan(un_ctx *c, plan_node *n) {
    if (!n)
        return NULL;
    plan_node *child = n->child ? rewrite_plan(c, n->child) : NULL;
    plan_node *right = n->right ? rewrite_plan(c, n->right) : NULL;
    if ((n->child && !child) || (n->right && !right))
        return NULL;
    bool shape = n->kind == PLAN_LOGICAL_SETOP && child && right && child->n_cols == n->n_cols &&
                 right->n_cols == n->n_cols;
    bool is_union = shape && n->u.setop.op == PLAN_SETOP_UNION;
    bool setop = shape && !is_union && !n->u.setop.all;
    bool setop_all = shape && !is_union && n->u.setop.all;
    if (child == n->child && right == n->right && !setop && !is_union && !setop_all)
        return n;
    plan_node *r = un_copy_node(c, n);
    if (!r)
        return NULL;
    r->child = child;
    r->right = right;
    return setop       ? rewrite_setop(c, r)
           : is_union  ? rewrite_union(c, r)
           : setop_all ? rewrite_setop_all(c, r)
                       : r;
}

qe_status opt_rewrite_setops(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err) {
    un_ctx c = {arena, err, QE_OK, -1, NULL};
    *out = rewrite_plan(&c, in);
    if (!*out && c.status == QE_OK)
        un_nomem(&c);
    return *out ? QE_OK : c.status;
}
