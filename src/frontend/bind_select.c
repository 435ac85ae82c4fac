/*
 * bind_select.c -- SELECT -> logical plan.
 *
 * Order of work: the FROM scope; the select list with * expanded; WHERE and GROUP BY
 * over the scope; then, if the query aggregates, the select list, HAVING and ORDER BY
 * in AGG mode (collecting aggregates); ORDER BY keys become select-list columns or
 * hidden columns.  Column references are bound to table column indexes first; once
 * every clause is bound the Get reads only the referenced columns (in table order)
 * and the expressions directly above it are renumbered.
 *
 * Plan shape: Get|Values -> Filter(WHERE) -> Aggregate -> Filter(HAVING) ->
 * Project(select list + hidden sort columns) -> Aggregate(DISTINCT) -> Order ->
 * Limit -> Project(drop hidden columns).
 */
#include "fe_int.h"

#include "opt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One select-list entry after * expansion. */
typedef struct sel_item {
    const fe_ast *expr; /* expression AST (synthesized column refs for *) */
    const char *name;   /* output column name */
} sel_item;

/* Everything bound for one SELECT before the plan is built. */
typedef struct sel_state {
    uint32_t n_items; /* visible select-list columns */
    sel_item *items;
    plan_expr **exprs; /* n_items + n_hidden projected expressions */
    char **names;      /* their names */
    uint32_t n_hidden; /* ORDER BY expressions not in the select list */
    plan_expr *where;  /* NULL if none */
    plan_expr *having; /* NULL if none */
    bool has_agg;      /* aggregation (GROUP BY, HAVING or aggregates) */
    uint32_t n_keys;   /* ORDER BY keys over the Project's columns */
    plan_sort_key *keys;
    int64_t limit;  /* -1: none */
    int64_t offset; /* 0: none */
} sel_state;

plan_node *fe_plan_node(fe_binder *b, plan_logical_kind kind, plan_node *child, uint32_t n_cols) {
    plan_node *n = rt_arena_calloc(b->arena, sizeof *n);
    if (!n)
        return fe_bind_oom(b);
    n->kind = kind;
    n->child = child;
    n->n_cols = n_cols;
    if (n_cols) {
        n->types = rt_arena_calloc(b->arena, n_cols * sizeof *n->types);
        n->names = rt_arena_calloc(b->arena, n_cols * sizeof *n->names);
        if (!n->types || !n->names)
            return fe_bind_oom(b);
    }
    return n;
}

plan_expr *fe_remap_columns(fe_binder *b, const plan_expr *e, const uint32_t *map) {
    plan_expr *c = rt_arena_alloc(b->arena, sizeof *c);
    if (!c)
        return fe_bind_oom(b);
    *c = *e;
    switch (e->kind) {
    case PLAN_EXPR_COLUMN: c->u.column = map[e->u.column]; break;
    case PLAN_EXPR_CAST:
        if (!(c->u.cast = fe_remap_columns(b, e->u.cast, map)))
            return NULL;
        break;
    case PLAN_EXPR_OP:
        for (int i = 0; i < 2; i++)
            if (e->u.op.args[i] && !(c->u.op.args[i] = fe_remap_columns(b, e->u.op.args[i], map)))
                return NULL;
        break;
    default: break;
    }
    return c;
}

char *fe_expr_text(fe_binder *b, const plan_expr *e) {
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    opt_print_expr(&sb, e);
    char *text = rt_strbuf_take(&sb);
    char *out = text ? rt_arena_strdup(b->arena, text) : NULL;
    free(text);
    return out ? out : fe_bind_oom(b);
}

/* ---- FROM --------------------------------------------------------------------------- */

/* 42P01 with a hint naming the closest table. */
static bool missing_table(fe_binder *b, const char *name, int pos) {
    const char *names[256];
    uint32_t n = rt_catalog_table_names(b->cat, names, 256);
    const char *best = NULL;
    uint32_t best_dist = UINT32_MAX;
    for (uint32_t i = 0; i < n && i < 256; i++) {
        uint32_t d = fe_levenshtein(name, names[i]);
        if (d < best_dist && d <= strlen(names[i]) / 2)
            best = names[i], best_dist = d;
    }
    char hint[300] = "";
    if (best)
        snprintf(hint, sizeof hint, "Perhaps you meant to reference the table \"%s\".", best);
    fe_bind_error_hint(b, QE_BIND, "42P01", pos, best ? hint : NULL,
                       "relation \"%s\" does not exist", name);
    return false;
}

static bool bind_from(fe_binder *b, const fe_ast *from) {
    b->scope = (fe_scope){0};
    if (!from)
        return true;
    if (from->kind == FE_AST_JOIN)
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", from->pos, "joins are not supported yet"),
               false;
    if (from->kind == FE_AST_SUBQUERY_REF)
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", from->pos,
                             "subqueries in FROM are not supported yet"),
               false;
    rt_table *t = fe_find_table(b, from->u.table_ref.name);
    if (!t)
        return b->failed ? false : missing_table(b, from->u.table_ref.name, from->pos);
    b->scope.table = t;
    b->scope.alias = from->u.table_ref.alias ? from->u.table_ref.alias : t->name;
    b->scope.used = rt_arena_calloc(b->arena, (t->n_cols ? t->n_cols : 1) * sizeof(bool));
    return b->scope.used ? true : (fe_bind_oom(b), false);
}

/* ---- select list -------------------------------------------------------------------- */

/* Appends a column ref AST for every scope column (SELECT * / t.*). */
static bool expand_star(fe_binder *b, const fe_ast *star, sel_item *items, uint32_t *n) {
    const rt_table *t = b->scope.table;
    const char *q = star->u.star.qualifier;
    if (!t && !q)
        return fe_bind_error(b, QE_SYNTAX, "42601", star->pos,
                             "SELECT * with no tables specified is not valid"),
               false;
    if (!t || (q && strcmp(q, b->scope.alias) != 0))
        return fe_bind_error(b, QE_BIND, "42P01", star->pos,
                             "missing FROM-clause entry for table \"%s\"", q),
               false;
    for (uint32_t i = 0; i < t->n_cols; i++) {
        fe_ast *ref = rt_arena_calloc(b->arena, sizeof *ref);
        if (!ref)
            return fe_bind_oom(b), false;
        ref->kind = FE_AST_COLUMN_REF;
        ref->pos = ref->start = star->pos;
        ref->end = star->end;
        ref->u.column_ref.qualifier = (char *)b->scope.alias;
        ref->u.column_ref.name = t->col_names[i];
        items[*n].expr = ref;
        items[*n].name = t->col_names[i];
        (*n)++;
    }
    return true;
}

static bool expand_items(fe_binder *b, const fe_list *list, sel_state *st) {
    uint32_t n = 0, width = b->scope.table ? b->scope.table->n_cols : 0;
    for (uint32_t i = 0; i < list->n; i++)
        n += list->items[i]->u.select_item.expr->kind == FE_AST_STAR ? width : 1;
    st->items = rt_arena_calloc(b->arena, (n ? n : 1) * sizeof *st->items);
    if (!st->items)
        return fe_bind_oom(b), false;
    for (uint32_t i = 0; i < list->n; i++) {
        const fe_ast *it = list->items[i];
        if (it->u.select_item.expr->kind == FE_AST_STAR) {
            if (!expand_star(b, it->u.select_item.expr, st->items, &st->n_items))
                return false;
            continue;
        }
        st->items[st->n_items].expr = it->u.select_item.expr;
        st->items[st->n_items].name = it->u.select_item.name;
        st->n_items++;
    }
    return true;
}

/* Appends a hidden projected expression (room was reserved by bind_items). */
static uint32_t add_hidden(sel_state *st, plan_expr *e, char *name) {
    uint32_t n = st->n_items + st->n_hidden++;
    st->exprs[n] = e;
    st->names[n] = name;
    return n;
}

/* Binds the select list; reserves one hidden column per ORDER BY item. */
static bool bind_items(fe_binder *b, sel_state *st, uint32_t n_order) {
    uint32_t cap = st->n_items + n_order;
    st->exprs = rt_arena_calloc(b->arena, (cap ? cap : 1) * sizeof *st->exprs);
    st->names = rt_arena_calloc(b->arena, (cap ? cap : 1) * sizeof *st->names);
    if (!st->exprs || !st->names)
        return fe_bind_oom(b), false;
    b->clause = "SELECT";
    for (uint32_t i = 0; i < st->n_items; i++) {
        if (!(st->exprs[i] = fe_resolve_null(b, fe_bind_expr(b, st->items[i].expr))))
            return false;
        st->names[i] = (char *)st->items[i].name;
    }
    return true;
}

/* ---- GROUP BY ------------------------------------------------------------------------ */

/* Does the scope have an unqualified column of this name? */
static bool scope_has_column(const fe_binder *b, const char *name) {
    const rt_table *t = b->scope.table;
    for (uint32_t i = 0; t && i < t->n_cols; i++)
        if (strcmp(t->col_names[i], name) == 0)
            return true;
    return false;
}

/* Parses an INTEGER literal used as a position; false if e is not one. */
static bool ordinal_of(const fe_ast *e, long long *k) {
    if (e->kind != FE_AST_LITERAL || e->u.literal.kind != FE_LIT_INTEGER)
        return false;
    errno = 0;
    *k = strtoll(e->u.literal.text, NULL, 10);
    if (errno == ERANGE)
        *k = -1;
    return true;
}

/* GROUP BY item -> the expression it means (ordinal, select alias, or itself). */
static const fe_ast *resolve_group_item(fe_binder *b, const sel_state *st, const fe_ast *g) {
    long long k;
    if (ordinal_of(g, &k)) {
        if (k < 1 || k > (long long)st->n_items)
            return fe_bind_error(b, QE_BIND, "42P10", g->pos,
                                 "GROUP BY position %s is not in select list", g->u.literal.text);
        return st->items[k - 1].expr;
    }
    if (g->kind == FE_AST_COLUMN_REF && !g->u.column_ref.qualifier &&
        !scope_has_column(b, g->u.column_ref.name)) {
        for (uint32_t i = 0; i < st->n_items; i++)
            if (strcmp(st->items[i].name, g->u.column_ref.name) == 0)
                return st->items[i].expr;
    }
    return g;
}

static bool bind_groups(fe_binder *b, const fe_list *list, const sel_state *st) {
    b->groups = rt_arena_alloc(b->arena, (list->n ? list->n : 1) * sizeof *b->groups);
    if (!b->groups)
        return fe_bind_oom(b), false;
    b->clause = "GROUP BY";
    for (uint32_t i = 0; i < list->n; i++) {
        const fe_ast *g = resolve_group_item(b, st, list->items[i]);
        plan_expr *e = g ? fe_resolve_null(b, fe_bind_expr(b, g)) : NULL;
        if (!e)
            return false;
        bool dup = false;
        for (uint32_t j = 0; j < b->n_groups && !dup; j++)
            dup = opt_expr_equal(b->groups[j], e);
        if (!dup)
            b->groups[b->n_groups++] = e;
    }
    return true;
}

/* ---- ORDER BY ----------------------------------------------------------------------- */

/* The Project column an ORDER BY item sorts on (adding a hidden column if needed). */
static uint32_t order_column(fe_binder *b, sel_state *st, const fe_ast *x, bool distinct) {
    long long k;
    if (ordinal_of(x, &k)) {
        if (k < 1 || k > (long long)st->n_items)
            return fe_bind_error(b, QE_BIND, "42P10", x->pos,
                                 "ORDER BY position %s is not in select list", x->u.literal.text),
                   UINT32_MAX;
        return (uint32_t)(k - 1);
    }
    if (x->kind == FE_AST_COLUMN_REF && !x->u.column_ref.qualifier) {
        for (uint32_t i = 0; i < st->n_items; i++)
            if (strcmp(st->items[i].name, x->u.column_ref.name) == 0)
                return i;
    }
    plan_expr *e = fe_resolve_null(b, fe_bind_expr(b, x));
    if (!e)
        return UINT32_MAX;
    for (uint32_t i = 0; i < st->n_items + st->n_hidden; i++)
        if (opt_expr_equal(st->exprs[i], e))
            return i;
    if (distinct)
        return fe_bind_error(
                   b, QE_BIND, "42P10", x->pos,
                   "for SELECT DISTINCT, ORDER BY expressions must appear in select list"),
               UINT32_MAX;
    char *name = fe_expr_text(b, e);
    return name ? add_hidden(st, e, name) : UINT32_MAX;
}

static bool bind_order(fe_binder *b, const fe_list *list, sel_state *st, bool distinct) {
    st->keys = rt_arena_calloc(b->arena, (list->n ? list->n : 1) * sizeof *st->keys);
    if (!st->keys)
        return fe_bind_oom(b), false;
    b->clause = "ORDER BY";
    for (uint32_t i = 0; i < list->n; i++) {
        const fe_ast *it = list->items[i];
        uint32_t col = order_column(b, st, it->u.sort_item.expr, distinct);
        if (col == UINT32_MAX)
            return false;
        plan_sort_key *key = &st->keys[st->n_keys++];
        if (!(key->expr = opt_expr_column(b->arena, col, st->exprs[col]->type)))
            return fe_bind_oom(b), false;
        key->descending = it->u.sort_item.descending;
        key->nulls_first =
            it->u.sort_item.nulls_given ? it->u.sort_item.nulls_first : key->descending;
    }
    return true;
}

/* ---- LIMIT / OFFSET ----------------------------------------------------------------- */

/* A constant, non-negative integer; *out unchanged for NULL (no limit). */
static bool bind_limit_value(fe_binder *b, const fe_ast *ast, const char *what, int64_t *out) {
    if (!ast)
        return true;
    fe_scope scope = b->scope;
    fe_bind_mode mode = b->mode;
    b->scope = (fe_scope){0}; /* LIMIT cannot reference columns */
    b->mode = FE_BIND_BASE;
    b->clause = what;
    plan_expr *e = fe_bind_expr(b, ast);
    b->scope = scope;
    b->mode = mode;
    if (!e || !(e = opt_fold_expr(b->arena, e)))
        return b->failed ? false : (fe_bind_oom(b), false);
    if (e->type == QE_TYPE_NULL || (e->kind == PLAN_EXPR_CONST && e->u.value.is_null))
        return true;
    if (e->type != QE_TYPE_INTEGER && e->type != QE_TYPE_BIGINT)
        return fe_bind_error(b, QE_BIND, "42804", ast->pos,
                             "argument of %s must be type bigint, not type %s", what,
                             fe_type_msg_name(e->type)),
               false;
    if (e->kind != PLAN_EXPR_CONST)
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", ast->pos,
                             "non-constant %s is not supported yet", what),
               false;
    if (e->u.value.u.i < 0)
        return fe_bind_error(b, QE_DATA, strcmp(what, "LIMIT") == 0 ? "2201W" : "2201X", ast->pos,
                             "%s must not be negative", what),
               false;
    *out = e->u.value.u.i;
    return true;
}

/* ---- building the plan -------------------------------------------------------------- */

/* Get over the referenced columns (at least one), and the table->Get column map. */
static plan_node *build_get(fe_binder *b, uint32_t **map_out) {
    const rt_table *t = b->scope.table;
    bool any = false;
    for (uint32_t i = 0; i < t->n_cols; i++)
        any = any || b->scope.used[i];
    if (!any && t->n_cols)
        b->scope.used[0] = true; /* count(*) still needs the row count of some column */
    uint32_t n = 0, *map = rt_arena_calloc(b->arena, (t->n_cols ? t->n_cols : 1) * sizeof *map);
    if (!map)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < t->n_cols; i++)
        if (b->scope.used[i])
            map[i] = n++;
    plan_node *get = fe_plan_node(b, PLAN_LOGICAL_GET, NULL, n);
    if (!get || !(get->u.get.col_idx = rt_arena_calloc(b->arena, (n ? n : 1) * sizeof(uint32_t))) ||
        !(get->u.get.table = rt_arena_strdup(b->arena, t->name)))
        return b->failed ? NULL : fe_bind_oom(b);
    for (uint32_t i = 0; i < t->n_cols; i++) {
        if (!b->scope.used[i])
            continue;
        uint32_t c = map[i];
        get->u.get.col_idx[c] = i;
        get->types[c] = t->col_types[i];
        get->names[c] = t->col_names[i];
    }
    *map_out = map;
    return get;
}

/* Renumbers n expressions from table columns to Get columns, in place in the array. */
static bool remap_all(fe_binder *b, plan_expr **exprs, uint32_t n, const uint32_t *map) {
    for (uint32_t i = 0; i < n; i++)
        if (exprs[i] && !(exprs[i] = fe_remap_columns(b, exprs[i], map)))
            return false;
    return true;
}

/* The leaf (Get or a one-row Values) with every scope-level expression renumbered. */
static plan_node *build_source(fe_binder *b, sel_state *st) {
    if (!b->scope.table) {
        plan_node *v = fe_plan_node(b, PLAN_LOGICAL_VALUES, NULL, 0);
        if (v)
            v->u.values.n_rows = 1;
        return v;
    }
    uint32_t *map = NULL;
    plan_node *get = build_get(b, &map);
    if (!get)
        return NULL;
    if ((st->where && !(st->where = fe_remap_columns(b, st->where, map))) ||
        !remap_all(b, b->groups, b->n_groups, map))
        return NULL;
    for (uint32_t i = 0; i < b->n_aggs; i++)
        if (b->aggs[i].arg && !(b->aggs[i].arg = fe_remap_columns(b, b->aggs[i].arg, map)))
            return NULL;
    if (!st->has_agg && !remap_all(b, st->exprs, st->n_items + st->n_hidden, map))
        return NULL;
    return get;
}

static plan_node *build_filter(fe_binder *b, plan_node *child, plan_expr *pred) {
    if (!pred)
        return child;
    plan_node *f = fe_plan_node(b, PLAN_LOGICAL_FILTER, child, child->n_cols);
    if (!f)
        return NULL;
    memcpy(f->types, child->types, child->n_cols * sizeof *f->types);
    memcpy(f->names, child->names, child->n_cols * sizeof *f->names);
    f->u.filter.pred = pred;
    return f;
}

static plan_node *build_aggregate(fe_binder *b, plan_node *child) {
    plan_node *a = fe_plan_node(b, PLAN_LOGICAL_AGGREGATE, child, b->n_groups + b->n_aggs);
    if (!a)
        return NULL;
    a->u.aggregate.n_groups = b->n_groups;
    a->u.aggregate.groups = b->groups;
    a->u.aggregate.n_aggs = b->n_aggs;
    a->u.aggregate.aggs = b->aggs;
    for (uint32_t g = 0; g < b->n_groups; g++) {
        const plan_expr *e = b->groups[g];
        a->types[g] = e->type;
        a->names[g] = e->kind == PLAN_EXPR_COLUMN ? child->names[e->u.column] : fe_expr_text(b, e);
        if (!a->names[g])
            return NULL;
    }
    for (uint32_t i = 0; i < b->n_aggs; i++) {
        a->types[b->n_groups + i] = b->aggs[i].type;
        a->names[b->n_groups + i] = b->agg_names[i];
    }
    return a;
}

static plan_node *build_project(fe_binder *b, plan_node *child, plan_expr **exprs, char **names,
                                uint32_t n) {
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_PROJECT, child, n);
    if (!p)
        return NULL;
    p->u.project.exprs = exprs;
    for (uint32_t i = 0; i < n; i++) {
        p->types[i] = exprs[i]->type;
        p->names[i] = names[i];
    }
    return p;
}

/* SELECT DISTINCT: an aggregation grouping on every column. */
static plan_node *build_distinct(fe_binder *b, plan_node *child) {
    plan_node *a = fe_plan_node(b, PLAN_LOGICAL_AGGREGATE, child, child->n_cols);
    plan_expr **groups =
        a ? rt_arena_alloc(b->arena, (child->n_cols ? child->n_cols : 1) * sizeof *groups) : NULL;
    if (!groups)
        return b->failed ? NULL : fe_bind_oom(b);
    for (uint32_t i = 0; i < child->n_cols; i++) {
        if (!(groups[i] = opt_expr_column(b->arena, i, child->types[i])))
            return fe_bind_oom(b);
        a->types[i] = child->types[i];
        a->names[i] = child->names[i];
    }
    a->u.aggregate.n_groups = child->n_cols;
    a->u.aggregate.groups = groups;
    return a;
}

static plan_node *build_order_limit(fe_binder *b, plan_node *child, const sel_state *st) {
    plan_node *n = child;
    if (st->n_keys) {
        if (!(n = fe_plan_node(b, PLAN_LOGICAL_ORDER, child, child->n_cols)))
            return NULL;
        memcpy(n->types, child->types, child->n_cols * sizeof *n->types);
        memcpy(n->names, child->names, child->n_cols * sizeof *n->names);
        n->u.order.n_keys = st->n_keys;
        n->u.order.keys = st->keys;
    }
    if (st->limit >= 0 || st->offset > 0) {
        plan_node *l = fe_plan_node(b, PLAN_LOGICAL_LIMIT, n, n->n_cols);
        if (!l)
            return NULL;
        memcpy(l->types, n->types, n->n_cols * sizeof *l->types);
        memcpy(l->names, n->names, n->n_cols * sizeof *l->names);
        l->u.limit.limit = st->limit;
        l->u.limit.offset = st->offset;
        n = l;
    }
    return n;
}

/* Final projection dropping hidden ORDER BY columns. */
static plan_node *drop_hidden(fe_binder *b, plan_node *child, const sel_state *st) {
    if (!st->n_hidden)
        return child;
    plan_expr **exprs = rt_arena_alloc(b->arena, (st->n_items ? st->n_items : 1) * sizeof *exprs);
    if (!exprs)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < st->n_items; i++)
        if (!(exprs[i] = opt_expr_column(b->arena, i, child->types[i])))
            return fe_bind_oom(b);
    return build_project(b, child, exprs, child->names, st->n_items);
}

static plan_node *build_select(fe_binder *b, sel_state *st, bool distinct) {
    plan_node *n = build_source(b, st);
    if (!n || !(n = build_filter(b, n, st->where)))
        return NULL;
    if (st->has_agg && (!(n = build_aggregate(b, n)) || !(n = build_filter(b, n, st->having))))
        return NULL;
    if (!(n = build_project(b, n, st->exprs, st->names, st->n_items + st->n_hidden)))
        return NULL;
    if (distinct && !(n = build_distinct(b, n)))
        return NULL;
    if (!(n = build_order_limit(b, n, st)))
        return NULL;
    return drop_hidden(b, n, st);
}

/* ---- SELECT ------------------------------------------------------------------------- */

static bool select_has_agg(const fe_ast *s) {
    if (s->u.select.group_by.n || s->u.select.having)
        return true;
    for (uint32_t i = 0; i < s->u.select.items.n; i++)
        if (fe_contains_aggregate(s->u.select.items.items[i]->u.select_item.expr))
            return true;
    for (uint32_t i = 0; i < s->u.select.order_by.n; i++)
        if (fe_contains_aggregate(s->u.select.order_by.items[i]->u.sort_item.expr))
            return true;
    return false;
}

static plan_node *bind_select(fe_binder *b, const fe_ast *s) {
    sel_state st = {.limit = -1};
    if (!bind_from(b, s->u.select.from) || !expand_items(b, &s->u.select.items, &st))
        return NULL;
    b->mode = FE_BIND_BASE;
    b->clause = "WHERE";
    if (s->u.select.where && !(st.where = fe_bind_condition(b, s->u.select.where, "WHERE")))
        return NULL;
    if (!bind_groups(b, &s->u.select.group_by, &st))
        return NULL;
    st.has_agg = select_has_agg(s);
    b->mode = st.has_agg ? FE_BIND_AGG : FE_BIND_BASE;
    if (!bind_items(b, &st, s->u.select.order_by.n))
        return NULL;
    b->clause = "HAVING";
    if (s->u.select.having && !(st.having = fe_bind_condition(b, s->u.select.having, "HAVING")))
        return NULL;
    if (!bind_order(b, &s->u.select.order_by, &st, s->u.select.distinct))
        return NULL;
    b->mode = FE_BIND_BASE;
    if (!bind_limit_value(b, s->u.select.limit, "LIMIT", &st.limit) ||
        !bind_limit_value(b, s->u.select.offset, "OFFSET", &st.offset))
        return NULL;
    return build_select(b, &st, s->u.select.distinct);
}

/* Binds a SELECT with fresh per-query state, restoring the outer state afterwards. */
static plan_node *bind_select_scoped(fe_binder *b, const fe_ast *s) {
    fe_binder saved = *b;
    b->scope = (fe_scope){0};
    b->mode = FE_BIND_BASE;
    b->clause = NULL;
    b->in_agg_arg = false;
    b->n_groups = b->n_aggs = b->aggs_cap = 0;
    b->groups = NULL;
    b->aggs = NULL;
    b->agg_names = NULL;
    plan_node *n = bind_select(b, s);
    bool failed = b->failed;
    *b = saved;
    b->failed = failed;
    return n;
}

plan_node *fe_bind_query(fe_binder *b, const fe_ast *q) {
    const fe_list *with = q->kind == FE_AST_SELECT  ? &q->u.select.with
                          : q->kind == FE_AST_SETOP ? &q->u.setop.with
                                                    : NULL;
    if (with && with->n)
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", with->items[0]->pos,
                             "WITH queries are not supported yet");
    switch (q->kind) {
    case FE_AST_SELECT: return bind_select_scoped(b, q);
    case FE_AST_VALUES: return fe_bind_values_query(b, q);
    case FE_AST_SETOP: {
        static const char *const names[] = {
#define FE_X_TEXT(name, text) text,
            FE_SETOP_LIST(FE_X_TEXT)
#undef FE_X_TEXT
        };
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", q->pos, "%s is not supported yet",
                             names[q->u.setop.op]);
    }
    default:
        return fe_bind_error(b, QE_INTERNAL, "XX000", q->pos, "unexpected %s node as a query",
                             fe_ast_kind_name(q->kind));
    }
}
