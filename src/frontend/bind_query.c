/*
 * bind_query.c -- query structure above single SELECTs: WITH (CTEs, WITH RECURSIVE),
 * set operations (UNION/INTERSECT/EXCEPT [ALL] with PostgreSQL's type unification and
 * ORDER BY/LIMIT on the result), and subqueries used as expressions (scalar, EXISTS,
 * IN, op ANY/ALL), with their correlation.
 *
 * CTEs are expanded where they are referenced: every reference binds the CTE's query
 * again (inline, like an unmaterialized CTE), so each use gets its own plan.  A
 * recursive CTE becomes a RecursiveCTE node over its non-recursive term and its
 * recursive term, whose self-references are WorkTableScans.
 */
#include "bind_scope.h"

#include "opt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CTE and view expansions nested deeper than this are an error (not a stack overflow). */
#define MAX_EXPANSION_DEPTH 64
/* CTEs are bound where referenced; this bounds the total (CTEs using CTEs twice). */
#define MAX_EXPANSIONS 10000

/* ---- helpers ------------------------------------------------------------------------ */

/* A node with a given output schema (types copied, names given). */
static plan_node *schema_node(fe_binder *b, plan_logical_kind kind, plan_node *child,
                              const plan_node *like, char **names) {
    plan_node *n = fe_plan_node(b, kind, child, like->n_cols);
    if (!n)
        return NULL;
    memcpy(n->types, like->types, like->n_cols * sizeof *n->types);
    memcpy(n->names, names, like->n_cols * sizeof *n->names);
    n->typmods = like->typmods;
    return n;
}

/* The first select item of a query (for error positions), or NULL. */
static const fe_ast *first_item(const fe_ast *q, uint32_t k) {
    while (q && q->kind == FE_AST_SETOP)
        q = q->u.setop.left;
    if (!q || q->kind != FE_AST_SELECT || k >= q->u.select.items.n)
        return NULL;
    return q->u.select.items.items[k]->u.select_item.expr;
}

/* A Project casting the columns of child where cast[i] is not a plain column. */
static plan_node *cast_project(fe_binder *b, plan_node *child, plan_expr **exprs) {
    bool identity = true;
    for (uint32_t i = 0; i < child->n_cols; i++)
        identity = identity && exprs[i]->kind == PLAN_EXPR_COLUMN;
    if (identity)
        return child;
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_PROJECT, child, child->n_cols);
    if (!p)
        return NULL;
    p->u.project.exprs = exprs;
    for (uint32_t i = 0; i < child->n_cols; i++) {
        p->types[i] = exprs[i]->type;
        p->names[i] = child->names[i];
    }
    return p;
}

/* COLUMN i of a node's output. */
static plan_expr *output_column(fe_binder *b, const plan_node *n, uint32_t i) {
    plan_expr *c = opt_expr_column(b->arena, i, n->types[i]);
    if (!c)
        return fe_bind_oom(b);
    c->typmod = opt_column_typmod(n, i);
    return c;
}

/* ---- set operations ----------------------------------------------------------------- */

/* Column i of a set operation input; an untyped NULL when the select item is a bare NULL
 * (PostgreSQL resolves it from the other inputs, not as integer). */
static plan_expr *unknown_or_column(fe_binder *b, const plan_node *n, uint32_t i,
                                    const fe_ast *item) {
    if (!item || item->kind != FE_AST_LITERAL || item->u.literal.kind != FE_LIT_NULL)
        return output_column(b, n, i);
    rt_value null = {.type = QE_TYPE_NULL, .is_null = true};
    plan_expr *e = opt_expr_const(b->arena, &null, item->pos);
    return e ? e : fe_bind_oom(b);
}

static const plan_setop_kind setop_kinds[] = {
#define FE_X_KIND(name, text) PLAN_SETOP_##name,
    FE_SETOP_LIST(FE_X_KIND)
#undef FE_X_KIND
};

/* Unifies column types of both inputs (PostgreSQL's select_common_type per column). */
static bool unify_setop(fe_binder *b, const fe_ast *q, plan_node **l, plan_node **r, qe_type *types,
                        int32_t *typmods) {
    const char *what = plan_setop_name(setop_kinds[q->u.setop.op]);
    uint32_t n = (*l)->n_cols;
    plan_expr **le = rt_arena_alloc(b->arena, (n ? n : 1) * sizeof *le);
    plan_expr **re = rt_arena_alloc(b->arena, (n ? n : 1) * sizeof *re);
    if (!le || !re)
        return fe_bind_oom(b), false;
    for (uint32_t i = 0; i < n; i++) {
        const fe_ast *asts[2] = {first_item(q->u.setop.left, i), first_item(q->u.setop.right, i)};
        plan_expr *pair[2] = {unknown_or_column(b, *l, i, asts[0]),
                              unknown_or_column(b, *r, i, asts[1])};
        if (!pair[0] || !pair[1] || !fe_common_type(b, what, asts, pair, 2, &types[i], &typmods[i]))
            return false;
        le[i] = pair[0];
        re[i] = pair[1];
    }
    return (*l = cast_project(b, *l, le)) && (*r = cast_project(b, *r, re));
}

/* ORDER BY on a set operation: output names or ordinals only (PostgreSQL). */
static bool setop_sort_key(fe_binder *b, const plan_node *n, const fe_ast *it, plan_sort_key *key) {
    const fe_ast *x = it->u.sort_item.expr;
    uint32_t col = UINT32_MAX;
    if (x->kind == FE_AST_LITERAL && x->u.literal.kind == FE_LIT_INTEGER) {
        long long k = strtoll(x->u.literal.text, NULL, 10);
        if (k < 1 || k > (long long)n->n_cols)
            return fe_bind_error(b, QE_BIND, "42P10", x->pos,
                                 "ORDER BY position %s is not in select list", x->u.literal.text),
                   false;
        col = (uint32_t)(k - 1);
    } else if (x->kind == FE_AST_COLUMN_REF && !x->u.column_ref.qualifier) {
        for (uint32_t i = 0; i < n->n_cols && col == UINT32_MAX; i++)
            if (strcmp(n->names[i], x->u.column_ref.name) == 0)
                col = i;
        if (col == UINT32_MAX)
            return fe_bind_error(b, QE_BIND, "42703", x->pos, "column \"%s\" does not exist",
                                 x->u.column_ref.name),
                   false;
    } else {
        return fe_bind_error_hint(b, QE_UNSUPPORTED, "0A000", x->pos,
                                  "Only result column names can be used, not expressions or "
                                  "functions.",
                                  "invalid UNION/INTERSECT/EXCEPT ORDER BY clause"),
               false;
    }
    if (!(key->expr = output_column(b, n, col)))
        return false;
    key->descending = it->u.sort_item.descending;
    key->nulls_first = it->u.sort_item.nulls_given ? it->u.sort_item.nulls_first : key->descending;
    return true;
}

/* A constant, non-negative LIMIT/OFFSET of a set operation. */
static bool setop_limit_value(fe_binder *b, const fe_ast *ast, const char *what, int64_t *out) {
    if (!ast)
        return true;
    fe_scope scope = b->scope;
    b->scope = (fe_scope){0};
    fe_bind_mode mode = b->mode;
    b->mode = FE_BIND_BASE;
    b->clause = what;
    plan_expr *e = fe_bind_expr(b, ast);
    b->scope = scope;
    b->mode = mode;
    if (!e || !(e = opt_fold_expr(b->arena, e)))
        return b->failed ? false : (fe_bind_oom(b), false);
    if (e->kind == PLAN_EXPR_CONST && e->u.value.is_null)
        return true;
    if (e->kind != PLAN_EXPR_CONST || !rt_type_is_integer(e->type))
        return fe_bind_error(b, QE_BIND, "42804", ast->pos,
                             "argument of %s must be a constant integer", what),
               false;
    if (e->u.value.u.i < 0)
        return fe_bind_error(b, QE_DATA, strcmp(what, "LIMIT") == 0 ? "2201W" : "2201X", ast->pos,
                             "%s must not be negative", what),
               false;
    *out = e->u.value.u.i;
    return true;
}

/* ORDER BY / LIMIT / OFFSET written after a set operation. */
static plan_node *setop_tail(fe_binder *b, const fe_ast *q, plan_node *n) {
    const fe_list *order = &q->u.setop.order_by;
    if (order->n) {
        plan_node *o = schema_node(b, PLAN_LOGICAL_ORDER, n, n, n->names);
        plan_sort_key *keys = o ? rt_arena_calloc(b->arena, order->n * sizeof *keys) : NULL;
        if (!keys)
            return b->failed ? NULL : fe_bind_oom(b);
        for (uint32_t i = 0; i < order->n; i++)
            if (!setop_sort_key(b, n, order->items[i], &keys[i]))
                return NULL;
        o->u.order.n_keys = order->n;
        o->u.order.keys = keys;
        n = o;
    }
    int64_t limit = -1, offset = 0;
    if (!setop_limit_value(b, q->u.setop.limit, "LIMIT", &limit) ||
        !setop_limit_value(b, q->u.setop.offset, "OFFSET", &offset))
        return NULL;
    if (limit < 0 && offset == 0)
        return n;
    plan_node *l = schema_node(b, PLAN_LOGICAL_LIMIT, n, n, n->names);
    if (!l)
        return NULL;
    l->u.limit.limit = limit;
    l->u.limit.offset = offset;
    return l;
}

/* Column count check: 42601 at the right side's first extra/missing item. */
static bool check_setop_width(fe_binder *b, const fe_ast *q, const plan_node *l,
                              const plan_node *r) {
    if (l->n_cols == r->n_cols)
        return true;
    const fe_ast *at = first_item(q->u.setop.right, 0);
    fe_bind_error(b, QE_SYNTAX, "42601", at ? at->pos : q->u.setop.right->pos,
                  "each %s query must have the same number of columns",
                  plan_setop_name(setop_kinds[q->u.setop.op]));
    return false;
}

/* left op right over already bound inputs. */
static plan_node *make_setop(fe_binder *b, const fe_ast *q, plan_node *l, plan_node *r) {
    if (!check_setop_width(b, q, l, r))
        return NULL;
    uint32_t n = l->n_cols;
    qe_type *types = rt_arena_alloc(b->arena, (n ? n : 1) * sizeof *types);
    int32_t *typmods = rt_arena_calloc(b->arena, (n ? n : 1) * sizeof *typmods);
    if (!types || !typmods)
        return fe_bind_oom(b);
    if (!unify_setop(b, q, &l, &r, types, typmods))
        return NULL;
    plan_node *s = fe_plan_node(b, PLAN_LOGICAL_SETOP, l, n);
    if (!s)
        return NULL;
    s->right = r;
    memcpy(s->types, types, n * sizeof *types);
    memcpy(s->names, l->names, n * sizeof *s->names);
    s->typmods = typmods;
    s->u.setop.op = setop_kinds[q->u.setop.op];
    s->u.setop.all = q->u.setop.all;
    return s;
}

static plan_node *bind_setop(fe_binder *b, const fe_ast *q) {
    plan_node *l = fe_bind_query(b, q->u.setop.left);
    plan_node *r = l ? fe_bind_query(b, q->u.setop.right) : NULL;
    plan_node *s = r ? make_setop(b, q, l, r) : NULL;
    return s ? setop_tail(b, q, s) : NULL;
}

/* ---- CTEs --------------------------------------------------------------------------- */

/* Renames a plan's output columns by a CTE column list (42P10 if too many names). */
static plan_node *rename_columns(fe_binder *b, plan_node *p, const fe_ast *cte) {
    const fe_list *cols = &cte->u.cte.col_names;
    if (!cols->n)
        return p;
    if (cols->n > p->n_cols)
        return fe_bind_error(b, QE_BIND, "42P10", cte->pos,
                             "WITH query \"%s\" has %u columns available but %u columns "
                             "specified",
                             cte->u.cte.name, p->n_cols, cols->n);
    plan_node *copy = rt_arena_alloc(b->arena, sizeof *copy);
    char **names = rt_arena_alloc(b->arena, p->n_cols * sizeof *names);
    if (!copy || !names)
        return fe_bind_oom(b);
    *copy = *p;
    for (uint32_t i = 0; i < p->n_cols; i++)
        names[i] = i < cols->n ? cols->items[i]->u.column_ref.name : p->names[i];
    copy->names = names;
    return copy;
}

/* The recursive term's columns must have the anchor's types (casting where exact). */
static plan_node *match_recursive_types(fe_binder *b, const fe_ast *q, const char *name,
                                        const plan_node *anchor, plan_node *rec) {
    if (anchor->n_cols != rec->n_cols) {
        const fe_ast *at = first_item(q->u.setop.right, 0);
        return fe_bind_error(b, QE_SYNTAX, "42601", at ? at->pos : q->pos,
                             "each UNION query must have the same number of columns");
    }
    plan_expr **exprs = rt_arena_alloc(b->arena, (rec->n_cols ? rec->n_cols : 1) * sizeof *exprs);
    if (!exprs)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < rec->n_cols; i++) {
        if (!(exprs[i] = output_column(b, rec, i)))
            return NULL;
        if (rec->types[i] == anchor->types[i])
            continue;
        plan_expr *pair[2] = {output_column(b, anchor, i), exprs[i]};
        qe_type t;
        int32_t tm;
        if (!pair[0] || !fe_common_type(b, "UNION", NULL, pair, 2, &t, &tm))
            return NULL;
        if (t != anchor->types[i]) {
            const fe_ast *at = first_item(q->u.setop.left, i);
            return fe_bind_error_hint(
                b, QE_BIND, "42804", at ? at->pos : q->pos,
                "Cast the output of the non-recursive term to the correct type.",
                "recursive query \"%s\" column %u has type %s in non-recursive term but type %s "
                "overall",
                name, i + 1, fe_type_msg_name(anchor->types[i]), fe_type_msg_name(t));
        }
        exprs[i] = pair[1];
    }
    return cast_project(b, rec, exprs);
}

/* WITH RECURSIVE name AS (anchor UNION [ALL] recursive term). */
static plan_node *bind_recursive_union(fe_binder *b, struct fe_cte *c) {
    const fe_ast *q = c->ast->u.cte.query;
    const char *name = c->ast->u.cte.name;
    c->state = FE_CTE_ANCHOR;
    plan_node *anchor = fe_bind_query(b, q->u.setop.left);
    if (!anchor || !(anchor = rename_columns(b, anchor, c->ast)))
        return NULL;
    c->anchor = anchor;
    c->id = b->n_ctes_bound++;
    c->state = FE_CTE_RECURSIVE;
    c->n_self_refs = 0;
    plan_node *rec = fe_bind_query(b, q->u.setop.right);
    c->state = FE_CTE_PLAIN;
    if (!rec)
        return NULL;
    if (!c->n_self_refs) /* not actually recursive: an ordinary UNION */
        return fe_bind_query(b, q);
    if (q->u.setop.order_by.n || q->u.setop.limit || q->u.setop.offset)
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", q->pos,
                             "ORDER BY/LIMIT/OFFSET in a recursive query is not implemented");
    if (!(rec = match_recursive_types(b, q, name, anchor, rec)))
        return NULL;
    plan_node *r = schema_node(b, PLAN_LOGICAL_RECURSIVE_CTE, anchor, anchor, anchor->names);
    if (!r)
        return NULL;
    r->right = rec;
    r->u.cte.name = (char *)name;
    r->u.cte.id = c->id;
    r->u.cte.all = q->u.setop.all;
    return r;
}

/* Binds a CTE's query where it is referenced. */
static plan_node *bind_cte_body(fe_binder *b, struct fe_cte *c) {
    const fe_ast *q = c->ast->u.cte.query;
    if (b->view_depth >= MAX_EXPANSION_DEPTH)
        return fe_bind_error(b, QE_BIND, "54001", c->ast->pos,
                             "CTE and view references are nested too deeply");
    if (++b->n_expansions > MAX_EXPANSIONS)
        return fe_bind_error(b, QE_BIND, "54001", c->ast->pos,
                             "CTE and view references expand to more than %d queries",
                             MAX_EXPANSIONS);
    struct fe_cte *ctes = b->ctes;
    struct fe_from *outer = b->outer;
    b->ctes = c->visible;
    b->outer = c->outer;
    b->view_depth++;
    plan_node *p;
    if (c->recursive && q->kind == FE_AST_SETOP && q->u.setop.op == FE_SETOP_UNION) {
        p = bind_recursive_union(b, c);
    } else {
        c->state = c->recursive ? FE_CTE_SELF : FE_CTE_PLAIN;
        p = fe_bind_query(b, q);
        c->state = FE_CTE_PLAIN;
        if (p && !(c->recursive && q->kind == FE_AST_SETOP))
            p = rename_columns(b, p, c->ast);
    }
    b->view_depth--;
    b->ctes = ctes;
    b->outer = outer;
    return p;
}

/* WorkTableScan of a recursive CTE being bound (the anchor's schema). */
static plan_node *worktable_scan(fe_binder *b, struct fe_cte *c) {
    c->n_self_refs++;
    plan_node *w = schema_node(b, PLAN_LOGICAL_WORKTABLE_SCAN, NULL, c->anchor, c->anchor->names);
    if (!w)
        return NULL;
    w->u.cte.name = c->ast->u.cte.name;
    w->u.cte.id = c->id;
    return w;
}

fe_item *fe_bind_cte_ref(fe_binder *b, const fe_ast *ref, bool *found) {
    struct fe_cte *c = b->ctes;
    while (c && strcmp(c->ast->u.cte.name, ref->u.table_ref.name) != 0)
        c = c->next;
    *found = c != NULL;
    if (!c)
        return NULL;
    plan_node *p = NULL;
    switch (c->state) {
    case FE_CTE_ANCHOR:
        return fe_bind_error(b, QE_BIND, "42P19", ref->pos,
                             "recursive reference to query \"%s\" must not appear within its "
                             "non-recursive term",
                             c->ast->u.cte.name);
    case FE_CTE_SELF:
        return fe_bind_error(b, QE_BIND, "42P19", c->ast->pos,
                             "recursive query \"%s\" does not have the form non-recursive-term "
                             "UNION [ALL] recursive-term",
                             c->ast->u.cte.name);
    case FE_CTE_RECURSIVE: p = worktable_scan(b, c); break;
    case FE_CTE_PLAIN: p = bind_cte_body(b, c); break;
    }
    const char *alias = ref->u.table_ref.alias ? ref->u.table_ref.alias : c->ast->u.cte.name;
    return p ? fe_plan_item(b, p, alias, &ref->u.table_ref.col_aliases, ref->pos) : NULL;
}

/* Makes the CTEs of a WITH clause visible (b->ctes), checking duplicate names. */
static bool push_with(fe_binder *b, const fe_list *with, bool recursive) {
    struct fe_cte *first = NULL;
    for (uint32_t i = 0; i < with->n; i++) {
        const fe_ast *a = with->items[i];
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(with->items[j]->u.cte.name, a->u.cte.name) == 0)
                return fe_bind_error(b, QE_BIND, "42712", a->pos,
                                     "WITH query name \"%s\" specified more than once",
                                     a->u.cte.name),
                       false;
        struct fe_cte *c = rt_arena_calloc(b->arena, sizeof *c);
        if (!c)
            return fe_bind_oom(b), false;
        c->ast = a;
        c->next = b->ctes;
        c->visible = b->ctes; /* earlier CTEs of this WITH and the outer ones */
        c->outer = b->outer;
        c->recursive = recursive;
        b->ctes = c;
        if (!first)
            first = c;
    }
    if (recursive) /* every CTE of a WITH RECURSIVE sees them all */
        for (struct fe_cte *c = b->ctes; c && c != first->next; c = c->next)
            c->visible = b->ctes;
    return true;
}

plan_node *fe_bind_query(fe_binder *b, const fe_ast *q) {
    const fe_list *with = q->kind == FE_AST_SELECT  ? &q->u.select.with
                          : q->kind == FE_AST_SETOP ? &q->u.setop.with
                                                    : NULL;
    bool recursive = q->kind == FE_AST_SELECT  ? q->u.select.recursive
                     : q->kind == FE_AST_SETOP ? q->u.setop.recursive
                                               : false;
    struct fe_cte *saved = b->ctes;
    if (with && with->n && !push_with(b, with, recursive))
        return NULL;
    plan_node *p;
    switch (q->kind) {
    case FE_AST_SELECT: p = fe_bind_select(b, q); break;
    case FE_AST_VALUES: p = fe_bind_values_query(b, q); break;
    case FE_AST_SETOP: p = bind_setop(b, q); break;
    default:
        p = fe_bind_error(b, QE_INTERNAL, "XX000", q->pos, "unexpected %s node as a query",
                          fe_ast_kind_name(q->kind));
        break;
    }
    b->ctes = saved;
    return p;
}

/* ---- subquery expressions ----------------------------------------------------------- */

/* Binds the subquery's query one level deeper; *correlated: it refers outwards. */
static plan_node *bind_subplan(fe_binder *b, const fe_ast *query, bool *correlated) {
    struct fe_from *outer = b->outer;
    uint32_t level = b->level, min_ref = b->min_ref_level;
    b->outer = b->scope.from;
    b->level = b->scope.from ? b->scope.from->level + 1 : level + 1;
    b->min_ref_level = UINT32_MAX;
    uint32_t here = b->level - 1;
    plan_node *p = fe_bind_query(b, query);
    uint32_t inner_min = b->min_ref_level;
    b->outer = outer;
    b->level = level;
    b->min_ref_level = inner_min < min_ref ? inner_min : min_ref;
    *correlated = inner_min <= here;
    return p;
}

/* left op ANY/ALL (subquery): unifies left with the subquery's column. */
static bool bind_quantified(fe_binder *b, const fe_ast *e, plan_expr **left, plan_node **plan) {
    const char *what = e->u.subquery.kind == FE_SUBQ_ALL  ? "ALL"
                       : e->u.subquery.kind == FE_SUBQ_IN ? "IN"
                                                          : "ANY";
    if ((*plan)->n_cols != 1)
        return fe_bind_error(b, QE_SYNTAX, "42601", e->pos,
                             (*plan)->n_cols > 1 ? "subquery has too many columns"
                                                 : "subquery has too few columns"),
               false;
    plan_expr *pair[2] = {*left, output_column(b, *plan, 0)};
    const fe_ast *asts[2] = {e->u.subquery.arg, first_item(e->u.subquery.query, 0)};
    qe_type t;
    int32_t tm;
    if (!pair[1] || !fe_common_type(b, what, asts, pair, 2, &t, &tm))
        return false;
    *left = pair[0];
    plan_expr **col = rt_arena_alloc(b->arena, sizeof *col); /* the Project keeps it */
    if (!col)
        return fe_bind_oom(b), false;
    col[0] = pair[1];
    return (*plan = cast_project(b, *plan, col)) != NULL;
}

static const plan_subquery_kind subquery_kinds[] = {
    [FE_SUBQ_SCALAR] = PLAN_SUBQUERY_SCALAR, [FE_SUBQ_EXISTS] = PLAN_SUBQUERY_EXISTS,
    [FE_SUBQ_IN] = PLAN_SUBQUERY_ANY,        [FE_SUBQ_ANY] = PLAN_SUBQUERY_ANY,
    [FE_SUBQ_ALL] = PLAN_SUBQUERY_ALL,
};

plan_expr *fe_bind_subquery(fe_binder *b, const fe_ast *e) {
    fe_subq_kind kind = e->u.subquery.kind;
    plan_expr *left = NULL;
    if (e->u.subquery.arg && !(left = fe_resolve_null(b, fe_bind_expr(b, e->u.subquery.arg))))
        return NULL;
    bool correlated = false;
    plan_node *plan = bind_subplan(b, e->u.subquery.query, &correlated);
    if (!plan)
        return NULL;
    if (kind == FE_SUBQ_SCALAR && plan->n_cols != 1)
        return fe_bind_error(b, QE_SYNTAX, "42601", e->pos, "subquery must return only one column");
    if (left && !bind_quantified(b, e, &left, &plan))
        return NULL;
    plan_expr *s = rt_arena_calloc(b->arena, sizeof *s);
    if (!s)
        return fe_bind_oom(b);
    s->kind = PLAN_EXPR_SUBQUERY;
    s->position = e->pos;
    s->type = kind == FE_SUBQ_SCALAR ? plan->types[0] : QE_TYPE_BOOLEAN;
    s->typmod = kind == FE_SUBQ_SCALAR ? opt_column_typmod(plan, 0) : 0;
    s->u.subquery.kind = subquery_kinds[kind];
    s->u.subquery.op = kind == FE_SUBQ_IN ? PLAN_OP_EQ : e->u.subquery.op;
    s->u.subquery.left = left;
    s->u.subquery.plan = plan;
    s->u.subquery.correlated = correlated;
    if (!e->u.subquery.negated)
        return s;
    plan_expr *n = opt_expr_op(b->arena, PLAN_OP_NOT, QE_TYPE_BOOLEAN, s, NULL, e->pos);
    return n ? n : fe_bind_oom(b);
}
