/*
 * unnest_util.c -- plan-building helpers of subquery unnesting (unnest.c): new nodes
 * with their schema, joins, expression lists, conjunct splitting, and the expression
 * mapper that renumbers columns and resolves outer references.
 *
 * Everything is allocated in the statement's arena; input nodes and expressions are
 * never modified (plans are immutable): a changed node is a copy.
 */
#include "unnest.h"

#include <string.h>

qe_status un_nomem(un_ctx *c) {
    return c->status = rt_error_set(c->err, QE_NOMEM, "53200", -1, "out of memory");
}

qe_status un_refuse(un_ctx *c, int position, const char *what) {
    return c->status =
               rt_error_set(c->err, QE_UNSUPPORTED, "0A000", position >= 0 ? position : c->position,
                            "%s is not supported yet", what);
}

void *un_alloc(un_ctx *c, size_t size) {
    void *p = rt_arena_calloc(c->arena, size ? size : 1);
    if (!p)
        un_nomem(c);
    return p;
}

plan_node *un_node(un_ctx *c, plan_logical_kind kind, uint32_t n_cols) {
    plan_node *n = un_alloc(c, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->n_cols = n_cols;
    n->types = un_alloc(c, n_cols * sizeof *n->types);
    n->names = un_alloc(c, n_cols * sizeof *n->names);
    n->typmods = un_alloc(c, n_cols * sizeof *n->typmods);
    return n->types && n->names && n->typmods ? n : NULL;
}

int32_t un_typmod(const plan_node *n, uint32_t i) {
    while (n && !n->typmods) {
        switch (n->kind) {
        case PLAN_LOGICAL_PROJECT: return n->u.project.exprs[i]->typmod;
        case PLAN_LOGICAL_AGGREGATE:
            if (i < n->u.aggregate.n_groups)
                return n->u.aggregate.groups[i]->typmod;
            i -= n->u.aggregate.n_groups;
            return i < n->u.aggregate.n_aggs ? n->u.aggregate.aggs[i].typmod : 0;
        case PLAN_LOGICAL_FILTER:
        case PLAN_LOGICAL_ORDER:
        case PLAN_LOGICAL_LIMIT:
        case PLAN_LOGICAL_DISTINCT_ON:
        case PLAN_LOGICAL_WINDOW:
            if (!n->child || i >= n->child->n_cols)
                return 0;
            n = n->child;
            break;
        case PLAN_LOGICAL_JOIN:
            if (!n->child)
                return 0;
            if (i < n->child->n_cols) {
                n = n->child;
            } else if (n->right && n->u.join.kind != PLAN_JOIN_MARK &&
                       n->u.join.kind != PLAN_JOIN_SEMI && n->u.join.kind != PLAN_JOIN_ANTI) {
                i -= n->child->n_cols;
                n = n->right;
            } else {
                return 0;
            }
            break;
        default: return 0;
        }
    }
    return n ? n->typmods[i] : 0;
}

void un_copy_schema(plan_node *dst, uint32_t at, const plan_node *src, uint32_t from,
                    uint32_t count) {
    for (uint32_t i = 0; i < count; i++) {
        dst->types[at + i] = src->types[from + i];
        dst->names[at + i] = src->names[from + i];
        dst->typmods[at + i] = un_typmod(src, from + i);
    }
}

plan_node *un_copy_node(un_ctx *c, const plan_node *in) {
    plan_node *n = un_alloc(c, sizeof *n);
    if (n)
        *n = *in;
    return n;
}

plan_node *un_join(un_ctx *c, plan_join_kind kind, plan_node *left, plan_node *right,
                   plan_expr *cond) {
    bool keeps_right = kind != PLAN_JOIN_SEMI && kind != PLAN_JOIN_ANTI && kind != PLAN_JOIN_MARK;
    uint32_t n_cols = left->n_cols + (keeps_right ? right->n_cols : kind == PLAN_JOIN_MARK);
    plan_node *j = un_node(c, PLAN_LOGICAL_JOIN, n_cols);
    if (!j)
        return NULL;
    j->child = left;
    j->right = right;
    j->u.join.kind = kind;
    j->u.join.cond = cond;
    un_copy_schema(j, 0, left, 0, left->n_cols);
    if (keeps_right) {
        un_copy_schema(j, left->n_cols, right, 0, right->n_cols);
    } else if (kind == PLAN_JOIN_MARK) {
        j->types[left->n_cols] = QE_TYPE_BOOLEAN;
        j->names[left->n_cols] = "mark";
    }
    return j;
}

plan_node *un_filter(un_ctx *c, plan_node *input, plan_expr *pred) {
    if (!pred)
        return input;
    plan_node *f = un_node(c, PLAN_LOGICAL_FILTER, input->n_cols);
    if (!f)
        return NULL;
    f->child = input;
    f->u.filter.pred = pred;
    un_copy_schema(f, 0, input, 0, input->n_cols);
    return f;
}

plan_expr *un_column(un_ctx *c, const plan_node *input, uint32_t i) {
    plan_expr *e = opt_expr_column(c->arena, i, input->types[i]);
    if (!e)
        return un_nomem(c), NULL;
    e->typmod = un_typmod(input, i);
    return e;
}

plan_node *un_project_prefix(un_ctx *c, plan_node *input, uint32_t n) {
    if (input->n_cols == n)
        return input;
    plan_node *p = un_node(c, PLAN_LOGICAL_PROJECT, n);
    if (!p || !(p->u.project.exprs = un_alloc(c, n * sizeof(plan_expr *))))
        return NULL;
    p->child = input;
    un_copy_schema(p, 0, input, 0, n);
    for (uint32_t i = 0; i < n; i++)
        if (!(p->u.project.exprs[i] = un_column(c, input, i)))
            return NULL;
    return p;
}

plan_expr *un_op(un_ctx *c, plan_op_kind op, plan_expr *a, plan_expr *b) {
    plan_expr *e = opt_expr_op(c->arena, op, QE_TYPE_BOOLEAN, a, b, -1);
    if (!e)
        un_nomem(c);
    return e;
}

plan_expr *un_and(un_ctx *c, plan_expr *a, plan_expr *b) {
    if (!a)
        return b;
    if (!b)
        return a;
    return un_op(c, PLAN_OP_AND, a, b);
}

bool un_list_add(un_ctx *c, un_list *l, plan_expr *e) {
    if (!opt_expr_list_push(c->arena, &l->items, &l->n, &l->cap, e)) {
        un_nomem(c);
        return false;
    }
    return true;
}

bool un_conjuncts(un_ctx *c, plan_expr *e, un_list *out) {
    if (e && e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_AND)
        return un_conjuncts(c, e->u.op.args[0], out) && un_conjuncts(c, e->u.op.args[1], out);
    return !e || un_list_add(c, out, e);
}

plan_expr *un_and_list(un_ctx *c, const un_list *l) {
    plan_expr *r = NULL;
    for (uint32_t i = 0; i < l->n; i++)
        if (!(r = un_and(c, r, l->items[i])))
            return NULL;
    return r;
}

/* ---- finding outer references ------------------------------------------------------- */

typedef struct find_ctx {
    bool subquery;     /* looking for SUBQUERY expressions */
    uint32_t min, max; /* else: OUTER_COLUMNs of depth in [min, max] */
    bool column;       /* also COLUMN references */
    bool found;
} find_ctx;

static bool find_fn(const plan_expr *e, void *ctx) {
    find_ctx *f = ctx;
    if (f->subquery ? e->kind == PLAN_EXPR_SUBQUERY
                    : e->kind == PLAN_EXPR_OUTER_COLUMN && e->u.outer.depth >= f->min &&
                          e->u.outer.depth <= f->max)
        f->found = true;
    if (f->column && e->kind == PLAN_EXPR_COLUMN)
        f->found = true;
    return !f->found;
}

bool un_expr_has_outer(const plan_expr *e, uint32_t depth) {
    find_ctx f = {.min = depth, .max = UINT32_MAX};
    opt_expr_walk(e, find_fn, &f);
    return f.found;
}

bool un_expr_has_column(const plan_expr *e) {
    find_ctx f = {.min = 1, .max = 0, .column = true};
    opt_expr_walk(e, find_fn, &f);
    return f.found;
}

bool un_expr_has_subquery(const plan_expr *e) {
    find_ctx f = {.subquery = true};
    opt_expr_walk(e, find_fn, &f);
    return f.found;
}

bool un_node_has_subquery(const plan_node *n) {
    find_ctx f = {.subquery = true};
    opt_node_exprs_walk(n, find_fn, &f);
    return f.found;
}

static bool plan_has(const plan_node *n, find_ctx *f) {
    for (; n; n = n->child) {
        opt_node_exprs_walk(n, find_fn, f);
        if (f->found || (n->right && plan_has(n->right, f)))
            return true;
    }
    return false;
}

bool un_plan_has_subquery(const plan_node *n) {
    find_ctx f = {.subquery = true};
    return plan_has(n, &f);
}

bool un_plan_has_any_outer(const plan_node *n) {
    find_ctx f = {.min = 1, .max = UINT32_MAX};
    return plan_has(n, &f);
}

bool un_plan_has_outer(const plan_node *n, uint32_t depth) {
    find_ctx f = {.min = depth, .max = UINT32_MAX};
    return plan_has(n, &f);
}

/* ---- mapping expressions ------------------------------------------------------------ */

static plan_expr *map_array(un_map *m, plan_expr **in, uint32_t n, plan_expr ***out) {
    *out = un_alloc(m->ctx, n * sizeof **out);
    if (!*out)
        return NULL;
    for (uint32_t i = 0; i < n; i++)
        if (!((*out)[i] = un_map_expr(m, in[i])))
            return NULL;
    return (plan_expr *)1;
}

static plan_expr *copy_expr(un_map *m, const plan_expr *e) {
    plan_expr *r = un_alloc(m->ctx, sizeof *r);
    if (r)
        *r = *e;
    return r;
}

static plan_expr *map_outer(un_map *m, const plan_expr *e) {
    plan_expr *r;
    if (e->u.outer.depth == 1 && m->resolve) {
        uint32_t col;
        if (!m->resolve(m, e->u.outer.column, &col)) {
            if (m->ctx->status == QE_OK)
                un_refuse(m->ctx, e->position, "this reference to an outer query column");
            return NULL;
        }
        if (!(r = copy_expr(m, e)))
            return NULL;
        r->kind = PLAN_EXPR_COLUMN;
        r->u.column = col;
        return r;
    }
    if (e->u.outer.depth < 2 || !m->lift)
        return (plan_expr *)e;
    if ((r = copy_expr(m, e)))
        r->u.outer.depth--;
    return r;
}

static plan_expr *map_column(un_map *m, const plan_expr *e) {
    if (m->subst)
        return m->subst[e->u.column];
    plan_expr *r = copy_expr(m, e);
    if (r)
        r->u.column = m->col_map ? m->col_map[e->u.column] : e->u.column + m->col_shift;
    return r;
}

plan_expr *un_map_expr(un_map *m, const plan_expr *e) {
    plan_expr *r;
    if (!e)
        return NULL;
    switch (e->kind) {
    case PLAN_EXPR_COLUMN: return map_column(m, e);
    case PLAN_EXPR_OUTER_COLUMN: return map_outer(m, e);
    case PLAN_EXPR_SUBQUERY:
        if (m->subquery)
            return m->subquery(m, e);
        un_refuse(m->ctx, e->position, "a subquery here");
        return NULL;
    case PLAN_EXPR_OP:
        if (!(r = copy_expr(m, e)) || !(r->u.op.args[0] = un_map_expr(m, e->u.op.args[0])))
            return NULL;
        if (e->u.op.args[1] && !(r->u.op.args[1] = un_map_expr(m, e->u.op.args[1])))
            return NULL;
        return r;
    case PLAN_EXPR_CAST:
        return (r = copy_expr(m, e)) && (r->u.cast = un_map_expr(m, e->u.cast)) ? r : NULL;
    case PLAN_EXPR_FUNC:
        return (r = copy_expr(m, e)) &&
                       map_array(m, e->u.func.args, e->u.func.n_args, &r->u.func.args)
                   ? r
                   : NULL;
    case PLAN_EXPR_CASE:
        if (!(r = copy_expr(m, e)) ||
            !map_array(m, e->u.case_.whens, e->u.case_.n_whens, &r->u.case_.whens) ||
            !map_array(m, e->u.case_.thens, e->u.case_.n_whens, &r->u.case_.thens))
            return NULL;
        return (r->u.case_.else_expr = un_map_expr(m, e->u.case_.else_expr)) ? r : NULL;
    case PLAN_EXPR_GROUPING:
        if ((r = copy_expr(m, e)))
            r->u.grouping.column =
                m->col_map ? m->col_map[e->u.grouping.column] : e->u.grouping.column + m->col_shift;
        return r;
    default: return (plan_expr *)e; /* CONST, PARAM */
    }
}

/* ---- lifting a whole subtree one level up ------------------------------------------- */

static bool map_keys(un_map *m, plan_sort_key *in, uint32_t n, plan_sort_key **out) {
    *out = un_alloc(m->ctx, n * sizeof **out);
    if (!*out)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        (*out)[i] = in[i];
        if (!((*out)[i].expr = un_map_expr(m, in[i].expr)))
            return false;
    }
    return true;
}

static bool map_opt(un_map *m, plan_expr **e) { return !*e || (*e = un_map_expr(m, *e)); }

static bool map_aggs(un_map *m, plan_node *n) {
    plan_agg *aggs = un_alloc(m->ctx, n->u.aggregate.n_aggs * sizeof *aggs);
    if (!aggs)
        return false;
    for (uint32_t i = 0; i < n->u.aggregate.n_aggs; i++) {
        aggs[i] = n->u.aggregate.aggs[i];
        if (!map_opt(m, &aggs[i].arg) || !map_opt(m, &aggs[i].arg2) || !map_opt(m, &aggs[i].filter))
            return false;
    }
    n->u.aggregate.aggs = aggs;
    return map_array(m, n->u.aggregate.groups, n->u.aggregate.n_groups, &n->u.aggregate.groups);
}

static bool map_window(un_map *m, plan_node *n) {
    plan_window_func *f = un_alloc(m->ctx, n->u.window.n_funcs * sizeof *f);
    if (!f)
        return false;
    for (uint32_t i = 0; i < n->u.window.n_funcs; i++) {
        f[i] = n->u.window.funcs[i];
        if (!map_array(m, f[i].args, f[i].n_args, &f[i].args) ||
            !map_array(m, f[i].partition, f[i].n_partition, &f[i].partition) ||
            !map_keys(m, f[i].order, f[i].n_order, &f[i].order) ||
            !map_opt(m, &f[i].frame.start_offset) || !map_opt(m, &f[i].frame.end_offset))
            return false;
    }
    n->u.window.funcs = f;
    return true;
}

/* Maps the expressions of the (copied) node n in place. */
static bool map_node_exprs(un_map *m, plan_node *n) {
    switch (n->kind) {
    case PLAN_LOGICAL_FILTER: return map_opt(m, &n->u.filter.pred);
    case PLAN_LOGICAL_PROJECT:
        return map_array(m, n->u.project.exprs, n->n_cols, &n->u.project.exprs);
    case PLAN_LOGICAL_VALUES:
        return map_array(m, n->u.values.rows, n->u.values.n_rows * n->n_cols, &n->u.values.rows);
    case PLAN_LOGICAL_AGGREGATE: return map_aggs(m, n);
    case PLAN_LOGICAL_ORDER:
        return map_keys(m, n->u.order.keys, n->u.order.n_keys, &n->u.order.keys);
    case PLAN_LOGICAL_JOIN: return map_opt(m, &n->u.join.cond);
    case PLAN_LOGICAL_WINDOW: return map_window(m, n);
    case PLAN_LOGICAL_DISTINCT_ON:
        return map_array(m, n->u.distinct_on.keys, n->u.distinct_on.n_keys, &n->u.distinct_on.keys);
    default: return true;
    }
}

plan_node *un_lift_plan(un_ctx *c, plan_node *n) {
    find_ctx f = {.min = 2, .max = UINT32_MAX};
    if (!n || !plan_has(n, &f))
        return n;
    un_map m = {.ctx = c, .lift = true};
    plan_node *r = un_copy_node(c, n);
    if (!r || (n->child && !(r->child = un_lift_plan(c, n->child))) ||
        (n->right && !(r->right = un_lift_plan(c, n->right))))
        return NULL;
    return map_node_exprs(&m, r) ? r : NULL;
}
