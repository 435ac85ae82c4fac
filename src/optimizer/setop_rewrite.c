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
 * INTERSECT ALL and EXCEPT ALL are left as they are (the executor refuses them).
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

static plan_node *rewrite_setop(un_ctx *c, plan_node *n) {
    plan_node *l = cast_input(c, n->child, n), *r = l ? cast_input(c, n->right, n) : NULL;
    plan_expr *cond = r ? rows_equal(c, l, r) : NULL;
    plan_join_kind kind = n->u.setop.op == PLAN_SETOP_INTERSECT ? PLAN_JOIN_SEMI : PLAN_JOIN_ANTI;
    plan_node *j = cond || n->n_cols == 0 ? un_join(c, kind, l, r, cond) : NULL;
    plan_node *g = j ? un_node(c, PLAN_LOGICAL_AGGREGATE, n->n_cols) : NULL;
    if (!g || !(g->u.aggregate.groups = un_alloc(c, n->n_cols * sizeof(plan_expr *))))
        return NULL;
    g->child = j;
    g->u.aggregate.n_groups = n->n_cols;
    un_copy_schema(g, 0, n, 0, n->n_cols);
    for (uint32_t i = 0; i < n->n_cols; i++)
        if (!(g->u.aggregate.groups[i] = un_column(c, j, i)))
            return NULL;
    return g;
}

/* UNION [ALL]: inputs cast to the output types; UNION deduplicates with an Aggregate. */
static plan_node *rewrite_union(un_ctx *c, plan_node *n) {
    n->child = cast_input(c, n->child, n);
    n->right = n->child ? cast_input(c, n->right, n) : NULL;
    if (!n->right || n->u.setop.all)
        return n->right ? n : NULL;
    n->u.setop.all = true;
    plan_node *g = un_node(c, PLAN_LOGICAL_AGGREGATE, n->n_cols);
    if (!g || !(g->u.aggregate.groups = un_alloc(c, (n->n_cols + 1) * sizeof(plan_expr *))))
        return NULL;
    g->child = n;
    g->u.aggregate.n_groups = n->n_cols;
    un_copy_schema(g, 0, n, 0, n->n_cols);
    for (uint32_t i = 0; i < n->n_cols; i++)
        if (!(g->u.aggregate.groups[i] = un_column(c, n, i)))
            return NULL;
    return g;
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
    bool setop = shape && !n->u.setop.all && n->u.setop.op != PLAN_SETOP_UNION;
    bool is_union = shape && n->u.setop.op == PLAN_SETOP_UNION;
    if (child == n->child && right == n->right && !setop && !is_union)
        return n;
    plan_node *r = un_copy_node(c, n);
    if (!r)
        return NULL;
    r->child = child;
    r->right = right;
    return setop ? rewrite_setop(c, r) : is_union ? rewrite_union(c, r) : r;
}

qe_status opt_rewrite_setops(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err) {
    un_ctx c = {arena, err, QE_OK, -1, NULL};
    *out = rewrite_plan(&c, in);
    if (!*out && c.status == QE_OK)
        un_nomem(&c);
    return *out ? QE_OK : c.status;
}
