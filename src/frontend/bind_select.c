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
#include "bind_scope.h"

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
    int64_t limit;      /* -1: none */
    int64_t offset;     /* 0: none */
    plan_expr *qualify; /* QUALIFY condition, NULL if none */
    uint32_t n_on;      /* DISTINCT ON expressions: Project columns */
    uint32_t *on_cols;
} sel_state;

plan_node *fe_plan_node(fe_binder *b, plan_logical_kind kind, plan_node *child, uint32_t n_cols) {
    plan_node *n = rt_arena_calloc(b->arena, sizeof *n);
    if (!n)
        return fe_bind_oom(b);
    n->kind = kind;
    n->child = child;
    n->n_cols = n_cols;
    /* Never NULL, even without columns (SELECT without FROM): schema copies are memcpy's
     * of n_cols elements, and a NULL source is undefined behaviour even for 0 bytes. */
    n->types = rt_arena_calloc(b->arena, (n_cols + 1) * sizeof *n->types);
    n->names = rt_arena_calloc(b->arena, (n_cols + 1) * sizeof *n->names);
    if (!n->types || !n->names)
        return fe_bind_oom(b);
    return n;
}

plan_expr *fe_remap_columns(fe_binder *b, const plan_expr *e, const uint32_t *map) {
    return fe_remap_expr(b, e, map, FE_WINDOW_BASE);
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

/* ---- select list -------------------------------------------------------------------- */

/* Appends a column ref AST for every scope column (SELECT * / t.*). */
/* Columns `*` must not list again (merged columns already listed by a join). */
typedef struct star_skip {
    uint32_t n;
    const uint32_t *cols[8]; /* arrays of FROM-row columns, one per enclosing join */
    uint32_t lens[8];
} star_skip;

static bool skipped(const star_skip *sk, uint32_t col) {
    for (uint32_t i = 0; sk && i < sk->n; i++)
        for (uint32_t k = 0; k < sk->lens[i]; k++)
            if (sk->cols[i][k] == col)
                return true;
    return false;
}

/* Appends a column-reference AST bound to FROM-row column col. */
static bool add_star_ref(fe_binder *b, const fe_range *r, uint32_t c, const fe_ast *star,
                         sel_item *items, uint32_t *n) {
    fe_ast *ref = rt_arena_calloc(b->arena, sizeof *ref);
    if (!ref)
        return fe_bind_oom(b), false;
    ref->kind = FE_AST_COLUMN_REF;
    ref->pos = ref->start = star->pos;
    ref->end = star->end;
    ref->height = 1;
    ref->u.column_ref.qualifier = (char *)r->alias;
    ref->u.column_ref.name = r->names[c];
    ref->u.column_ref.vcol = r->base + c + 1;
    items[*n].expr = ref;
    items[*n].name = r->names[c];
    (*n)++;
    return true;
}

/* Appends the columns of range r (those not merged away when unqualified). */
static bool expand_range(fe_binder *b, const fe_range *r, bool qualified, const star_skip *sk,
                         const fe_ast *star, sel_item *items, uint32_t *n) {
    for (uint32_t c = 0; c < r->n_cols; c++) {
        if (!qualified && ((r->merged && r->merged[c]) || skipped(sk, r->base + c)))
            continue;
        if (!add_star_ref(b, r, c, star, items, n))
            return false;
    }
    return true;
}

/* The range holding FROM-row column col. */
static const fe_range *range_of(const struct fe_from *f, uint32_t col) {
    for (uint32_t i = 0; i < f->n_ranges; i++)
        if (col >= f->ranges[i].base && col < f->ranges[i].base + f->ranges[i].n_cols)
            return &f->ranges[i];
    return NULL;
}

/* Unqualified `*` over a FROM item: for a USING/NATURAL join its merged columns first,
 * then the other columns of both sides (PostgreSQL's order). */
static bool expand_item(fe_binder *b, const fe_item *it, star_skip *sk, const fe_ast *star,
                        sel_item *items, uint32_t *n) {
    const struct fe_from *f = b->scope.from;
    if (it->kind != FE_ITEM_JOIN) {
        for (uint32_t i = it->range0; i < it->range1; i++)
            if (!expand_range(b, &f->ranges[i], false, sk, star, items, n))
                return false;
        return true;
    }
    bool pushed = it->n_merged && sk->n < 8;
    for (uint32_t k = 0; pushed && k < it->n_merged; k++) {
        const fe_range *r = range_of(f, it->merged[k]);
        if (!skipped(sk, it->merged[k]) &&
            !add_star_ref(b, r, it->merged[k] - r->base, star, items, n))
            return false;
    }
    if (pushed) {
        sk->cols[sk->n] = it->merged;
        sk->lens[sk->n++] = it->n_merged;
    }
    bool ok = expand_item(b, it->left, sk, star, items, n) &&
              expand_item(b, it->right, sk, star, items, n);
    if (pushed)
        sk->n--;
    return ok;
}

/* Appends a column ref AST for every scope column (SELECT * / t.*). */
static bool expand_star(fe_binder *b, const fe_ast *star, sel_item *items, uint32_t *n) {
    const struct fe_from *f = b->scope.from;
    const char *q = star->u.star.qualifier;
    if (!f->root && !q)
        return fe_bind_error(b, QE_SYNTAX, "42601", star->pos,
                             "SELECT * with no tables specified is not valid"),
               false;
    if (!q) {
        star_skip sk = {0};
        return expand_item(b, f->root, &sk, star, items, n);
    }
    bool found = false;
    for (uint32_t i = 0; i < f->n_ranges; i++) {
        const fe_range *r = &f->ranges[i];
        if (!r->alias || strcmp(q, r->alias) != 0)
            continue;
        found = true;
        if (!expand_range(b, r, true, NULL, star, items, n))
            return false;
    }
    if (!found)
        return fe_bind_error(b, QE_BIND, "42P01", star->pos,
                             "missing FROM-clause entry for table \"%s\"", q),
               false;
    return true;
}

static bool expand_items(fe_binder *b, const fe_list *list, sel_state *st) {
    uint32_t n = 0, width = b->scope.from->n_cols;
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
    const struct fe_from *f = b->scope.from;
    for (uint32_t i = 0; f && i < f->n_ranges; i++)
        for (uint32_t c = 0; c < f->ranges[i].n_cols; c++)
            if (strcmp(f->ranges[i].names[c], name) == 0)
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

/* Most grouping sets a GROUP BY may expand to (PostgreSQL's limit). */
#define MAX_GROUPING_SETS 4096

/* A set of grouping sets under construction: bitmasks over b->groups. */
typedef struct set_list {
    uint32_t n;
    uint64_t *sets;
} set_list;

/* Index of a GROUP BY expression in b->groups (added if new); UINT32_MAX on error. */
static uint32_t group_index(fe_binder *b, const sel_state *st, const fe_ast *item, uint32_t cap) {
    const fe_ast *g = resolve_group_item(b, st, item);
    plan_expr *e = g ? fe_resolve_null(b, fe_bind_expr(b, g)) : NULL;
    if (!e)
        return UINT32_MAX;
    for (uint32_t j = 0; j < b->n_groups; j++)
        if (opt_expr_equal(b->groups[j], e))
            return j;
    if (b->n_groups == cap || b->n_groups == 64)
        return fe_bind_error(b, QE_BIND, "54000", item->pos,
                             "more than 64 grouping expressions are not supported"),
               UINT32_MAX;
    b->groups[b->n_groups] = e;
    return b->n_groups++;
}

static bool set_list_alloc(fe_binder *b, set_list *out, uint64_t n, int pos) {
    if (n > MAX_GROUPING_SETS)
        return fe_bind_error(b, QE_BIND, "54001", pos,
                             "too many grouping sets present (maximum %d)", MAX_GROUPING_SETS),
               false;
    out->n = (uint32_t)n;
    out->sets = rt_arena_calloc(b->arena, (n ? n : 1) * sizeof *out->sets);
    return out->sets ? true : (fe_bind_oom(b), false);
}

static bool element_sets(fe_binder *b, const sel_state *st, const fe_ast *el, uint32_t cap,
                         set_list *out);

/* The single set of a plain expression or a (a, b) list. */
static bool unit_mask(fe_binder *b, const sel_state *st, const fe_ast *el, uint32_t cap,
                      uint64_t *mask) {
    *mask = 0;
    if (el->kind != FE_AST_GROUPING_SET) {
        uint32_t g = group_index(b, st, el, cap);
        *mask = g == UINT32_MAX ? 0 : (uint64_t)1 << g;
        return g != UINT32_MAX;
    }
    for (uint32_t i = 0; i < el->u.grouping_set.items.n; i++) {
        uint64_t m;
        if (!unit_mask(b, st, el->u.grouping_set.items.items[i], cap, &m))
            return false;
        *mask |= m;
    }
    return true;
}

/* ROLLUP (prefixes) and CUBE (all subsets) over units. */
static bool rollup_cube_sets(fe_binder *b, const sel_state *st, const fe_ast *el, uint32_t cap,
                             set_list *out) {
    const fe_list *items = &el->u.grouping_set.items;
    uint64_t units[64];
    if (items->n > (el->u.grouping_set.kind == FE_GSET_CUBE ? 12u : 63u))
        return fe_bind_error(b, QE_BIND, "54001", el->pos,
                             "too many grouping sets present (maximum %d)", MAX_GROUPING_SETS),
               false;
    for (uint32_t i = 0; i < items->n; i++)
        if (!unit_mask(b, st, items->items[i], cap, &units[i]))
            return false;
    if (el->u.grouping_set.kind == FE_GSET_ROLLUP) {
        if (!set_list_alloc(b, out, items->n + 1, el->pos))
            return false;
        for (uint32_t k = 0; k <= items->n; k++) /* (a, b), (a), () */
            for (uint32_t i = 0; i < items->n - k; i++)
                out->sets[k] |= units[i];
        return true;
    }
    uint64_t n = (uint64_t)1 << items->n;
    if (!set_list_alloc(b, out, n, el->pos))
        return false;
    for (uint64_t s = 0; s < n; s++) /* largest sets first */
        for (uint32_t i = 0; i < items->n; i++)
            if ((n - 1 - s) >> i & 1)
                out->sets[s] |= units[i];
    return true;
}

/* GROUPING SETS (e1, e2, ...): the union of the elements' sets. */
static bool grouping_sets_sets(fe_binder *b, const sel_state *st, const fe_ast *el, uint32_t cap,
                               set_list *out) {
    const fe_list *items = &el->u.grouping_set.items;
    set_list parts[64];
    uint64_t total = 0;
    if (items->n > 64)
        return fe_bind_error(b, QE_BIND, "54001", el->pos,
                             "too many grouping sets present (maximum %d)", MAX_GROUPING_SETS),
               false;
    for (uint32_t i = 0; i < items->n; i++) {
        if (!element_sets(b, st, items->items[i], cap, &parts[i]))
            return false;
        total += parts[i].n;
    }
    if (!set_list_alloc(b, out, total, el->pos))
        return false;
    uint32_t k = 0;
    for (uint32_t i = 0; i < items->n; i++)
        for (uint32_t j = 0; j < parts[i].n; j++)
            out->sets[k++] = parts[i].sets[j];
    return true;
}

/* The sets one GROUP BY element stands for. */
static bool element_sets(fe_binder *b, const sel_state *st, const fe_ast *el, uint32_t cap,
                         set_list *out) {
    if (el->kind == FE_AST_GROUPING_SET && el->u.grouping_set.kind != FE_GSET_LIST) {
        if (el->u.grouping_set.kind == FE_GSET_SETS)
            return grouping_sets_sets(b, st, el, cap, out);
        return rollup_cube_sets(b, st, el, cap, out);
    }
    if (!set_list_alloc(b, out, 1, el->pos))
        return false;
    return unit_mask(b, st, el, cap, &out->sets[0]);
}

/* Cross product of two set lists (GROUP BY a, ROLLUP (b) = {a, b}, {a}). */
static bool cross_sets(fe_binder *b, set_list *acc, const set_list *next, int pos) {
    set_list out;
    if (!set_list_alloc(b, &out, (uint64_t)acc->n * next->n, pos))
        return false;
    for (uint32_t i = 0; i < acc->n; i++)
        for (uint32_t j = 0; j < next->n; j++)
            out.sets[(size_t)i * next->n + j] = acc->sets[i] | next->sets[j];
    *acc = out;
    return true;
}

/* Number of expressions a GROUP BY list may bind (bounds b->groups). */
static uint32_t count_group_exprs(const fe_list *list) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < list->n; i++) {
        const fe_ast *g = list->items[i];
        n += g->kind == FE_AST_GROUPING_SET ? count_group_exprs(&g->u.grouping_set.items) : 1;
    }
    return n;
}

static bool has_grouping_sets(const fe_list *list) {
    for (uint32_t i = 0; i < list->n; i++)
        if (list->items[i]->kind == FE_AST_GROUPING_SET &&
            list->items[i]->u.grouping_set.kind != FE_GSET_LIST)
            return true;
    return false;
}

static bool bind_groups(fe_binder *b, const fe_list *list, const sel_state *st) {
    uint32_t cap = count_group_exprs(list);
    b->groups = rt_arena_alloc(b->arena, (cap ? cap : 1) * sizeof *b->groups);
    if (!b->groups)
        return fe_bind_oom(b), false;
    b->clause = "GROUP BY";
    set_list acc = {0};
    if (!set_list_alloc(b, &acc, 1, 0))
        return false;
    for (uint32_t i = 0; i < list->n; i++) {
        set_list next;
        if (!element_sets(b, st, list->items[i], cap, &next) ||
            !cross_sets(b, &acc, &next, list->items[i]->pos))
            return false;
    }
    if (has_grouping_sets(list)) {
        b->sel->n_sets = acc.n;
        b->sel->sets = acc.sets;
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

/* ---- DISTINCT ON ------------------------------------------------------------------- */

/* DISTINCT ON expressions become Project columns; ORDER BY must start with them. */
static bool bind_distinct_on(fe_binder *b, const fe_list *list, sel_state *st) {
    st->on_cols = rt_arena_alloc(b->arena, (list->n ? list->n : 1) * sizeof *st->on_cols);
    if (!st->on_cols)
        return fe_bind_oom(b), false;
    b->clause = "DISTINCT ON";
    for (uint32_t i = 0; i < list->n; i++) {
        uint32_t col = order_column(b, st, list->items[i], false);
        if (col == UINT32_MAX)
            return false;
        st->on_cols[st->n_on++] = col;
    }
    return true;
}

/* PostgreSQL: the leading ORDER BY keys must be the DISTINCT ON expressions. */
static bool check_distinct_on_order(fe_binder *b, const sel_state *st, const fe_list *order) {
    uint32_t n = st->n_keys < st->n_on ? st->n_keys : st->n_on;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t col = st->keys[i].expr->u.column;
        bool found = false;
        for (uint32_t j = 0; j < st->n_on && !found; j++)
            found = st->on_cols[j] == col;
        if (!found)
            return fe_bind_error(b, QE_BIND, "42P10", order->items[i]->pos,
                                 "SELECT DISTINCT ON expressions must match initial ORDER BY "
                                 "expressions"),
                   false;
    }
    return true;
}

/* ---- building the plan -------------------------------------------------------------- */

/* Renumbers n expressions in place in the array (see fe_remap_expr). */
static bool remap_all(fe_binder *b, plan_expr **exprs, uint32_t n, const uint32_t *map,
                      uint32_t win_base) {
    for (uint32_t i = 0; i < n; i++)
        if (exprs[i] && !(exprs[i] = fe_remap_expr(b, exprs[i], map, win_base)))
            return false;
    return true;
}

/* Renumbers the window functions' expressions (bound over the FROM row when the SELECT
 * does not aggregate). */
static bool remap_windows(fe_binder *b, const uint32_t *map) {
    struct fe_select_ctx *sel = b->sel;
    for (uint32_t i = 0; i < sel->n_funcs; i++) {
        plan_window_func *w = &sel->funcs[i];
        if (!remap_all(b, w->args, w->n_args, map, 0) ||
            !remap_all(b, w->partition, w->n_partition, map, 0))
            return false;
        for (uint32_t k = 0; k < w->n_order; k++)
            if (!(w->order[k].expr = fe_remap_expr(b, w->order[k].expr, map, 0)))
                return false;
    }
    return true;
}

/* The FROM plan with every FROM-level expression renumbered to its columns. */
static plan_node *build_source(fe_binder *b, sel_state *st) {
    struct fe_from *f = b->scope.from;
    plan_node *src = fe_build_from(b, f);
    if (!src)
        return NULL;
    const uint32_t *map = f->map;
    if ((st->where && !(st->where = fe_remap_expr(b, st->where, map, 0))) ||
        !remap_all(b, b->groups, b->n_groups, map, 0))
        return NULL;
    for (uint32_t i = 0; i < b->n_aggs; i++) {
        plan_agg *a = &b->aggs[i];
        if ((a->arg && !(a->arg = fe_remap_expr(b, a->arg, map, 0))) ||
            (a->arg2 && !(a->arg2 = fe_remap_expr(b, a->arg2, map, 0))) ||
            (a->filter && !(a->filter = fe_remap_expr(b, a->filter, map, 0))))
            return NULL;
    }
    if (!st->has_agg && !remap_windows(b, map))
        return NULL;
    return src;
}

static plan_node *build_filter(fe_binder *b, plan_node *child, plan_expr *pred) {
    if (!pred)
        return child;
    plan_node *f = fe_plan_node(b, PLAN_LOGICAL_FILTER, child, child->n_cols);
    if (!f)
        return NULL;
    if (child->n_cols) { /* a FROM-less SELECT has no columns (and NULL arrays) */
        memcpy(f->types, child->types, child->n_cols * sizeof *f->types);
        memcpy(f->names, child->names, child->n_cols * sizeof *f->names);
    }
    f->u.filter.pred = pred;
    return f;
}

static plan_node *build_aggregate(fe_binder *b, plan_node *child) {
    uint32_t n_sets = b->sel->n_sets;
    plan_node *a =
        fe_plan_node(b, PLAN_LOGICAL_AGGREGATE, child, b->n_groups + b->n_aggs + (n_sets ? 1 : 0));
    if (!a)
        return NULL;
    a->u.aggregate.n_groups = b->n_groups;
    a->u.aggregate.groups = b->groups;
    a->u.aggregate.n_aggs = b->n_aggs;
    a->u.aggregate.aggs = b->aggs;
    a->u.aggregate.n_sets = n_sets;
    a->u.aggregate.sets = b->sel->sets;
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
    if (n_sets) {
        a->types[a->n_cols - 1] = QE_TYPE_BIGINT;
        a->names[a->n_cols - 1] = "grouping_id";
    }
    return a;
}

/* The Window node: child columns, then one column per window function. */
static plan_node *build_window(fe_binder *b, plan_node *child) {
    struct fe_select_ctx *sel = b->sel;
    if (!sel->n_funcs)
        return child;
    plan_node *w = fe_plan_node(b, PLAN_LOGICAL_WINDOW, child, child->n_cols + sel->n_funcs);
    if (!w)
        return NULL;
    memcpy(w->types, child->types, child->n_cols * sizeof *w->types);
    memcpy(w->names, child->names, child->n_cols * sizeof *w->names);
    if (!(w->typmods = rt_arena_alloc(b->arena, w->n_cols * sizeof *w->typmods))) {
        fe_bind_oom(b);
        return NULL;
    }
    for (uint32_t i = 0; i < child->n_cols; i++)
        w->typmods[i] = opt_column_typmod(child, i);
    for (uint32_t i = 0; i < sel->n_funcs; i++) {
        w->typmods[child->n_cols + i] = sel->funcs[i].typmod;
        w->types[child->n_cols + i] = sel->funcs[i].type;
        w->names[child->n_cols + i] = sel->func_names[i];
    }
    w->u.window.n_funcs = sel->n_funcs;
    w->u.window.funcs = sel->funcs;
    return w;
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
        groups[i]->typmod = opt_column_typmod(child, i);
        a->types[i] = child->types[i];
        a->names[i] = child->names[i];
    }
    a->u.aggregate.n_groups = child->n_cols;
    a->u.aggregate.groups = groups;
    return a;
}

/* A node passing its child's schema through. */
static plan_node *pass_node(fe_binder *b, plan_logical_kind kind, plan_node *child) {
    plan_node *n = fe_plan_node(b, kind, child, child->n_cols);
    if (!n)
        return NULL;
    memcpy(n->types, child->types, child->n_cols * sizeof *n->types);
    memcpy(n->names, child->names, child->n_cols * sizeof *n->names);
    return n;
}

/* DISTINCT ON: keeps the first row per key, after the ORDER BY. */
static plan_node *build_distinct_on(fe_binder *b, plan_node *child, const sel_state *st) {
    plan_node *d = pass_node(b, PLAN_LOGICAL_DISTINCT_ON, child);
    plan_expr **keys = d ? rt_arena_alloc(b->arena, st->n_on * sizeof *keys) : NULL;
    if (!keys)
        return b->failed ? NULL : fe_bind_oom(b);
    for (uint32_t i = 0; i < st->n_on; i++)
        if (!(keys[i] = opt_expr_column(b->arena, st->on_cols[i], child->types[st->on_cols[i]])))
            return fe_bind_oom(b);
    d->u.distinct_on.n_keys = st->n_on;
    d->u.distinct_on.keys = keys;
    return d;
}

static plan_node *build_order_limit(fe_binder *b, plan_node *child, const sel_state *st) {
    plan_node *n = child;
    if (st->n_keys) {
        if (!(n = pass_node(b, PLAN_LOGICAL_ORDER, child)))
            return NULL;
        n->u.order.n_keys = st->n_keys;
        n->u.order.keys = st->keys;
    }
    if (st->n_on && !(n = build_distinct_on(b, n, st)))
        return NULL;
    if (st->limit >= 0 || st->offset > 0) {
        plan_node *l = pass_node(b, PLAN_LOGICAL_LIMIT, n);
        if (!l)
            return NULL;
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
    for (uint32_t i = 0; i < st->n_items; i++) {
        if (!(exprs[i] = opt_expr_column(b->arena, i, child->types[i])))
            return fe_bind_oom(b);
        exprs[i]->typmod = opt_column_typmod(child, i);
    }
    return build_project(b, child, exprs, child->names, st->n_items);
}

/* Renumbers the expressions evaluated above the Window node. */
static bool remap_upper(fe_binder *b, sel_state *st, uint32_t win_base) {
    const uint32_t *map = st->has_agg ? NULL : b->scope.from->map;
    if (!remap_all(b, st->exprs, st->n_items + st->n_hidden, map, win_base))
        return false;
    /* hidden columns are named by their text: print it with the final numbering */
    for (uint32_t i = st->n_items; i < st->n_items + st->n_hidden; i++)
        if (!(st->names[i] = fe_expr_text(b, st->exprs[i])))
            return false;
    if (st->having && !(st->having = fe_remap_expr(b, st->having, NULL, win_base)))
        return false;
    if (st->has_agg && !remap_windows(b, NULL)) /* grouping() in window specifications */
        return false;
    return !st->qualify || (st->qualify = fe_remap_expr(b, st->qualify, map, win_base)) != NULL;
}

static plan_node *build_select(fe_binder *b, sel_state *st, bool distinct) {
    plan_node *n = build_source(b, st);
    if (!n || !(n = build_filter(b, n, st->where)))
        return NULL;
    if (st->has_agg && !(n = build_aggregate(b, n)))
        return NULL;
    if (!remap_upper(b, st, n->n_cols) || !(n = build_filter(b, n, st->having)) ||
        !(n = build_window(b, n)) || !(n = build_filter(b, n, st->qualify)))
        return NULL;
    if (!(n = build_project(b, n, st->exprs, st->names, st->n_items + st->n_hidden)))
        return NULL;
    if (distinct && !st->n_on && !(n = build_distinct(b, n)))
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
    return fe_contains_aggregate(s->u.select.qualify);
}

/* Binds the clauses evaluated after aggregation (or over the FROM row without it). */
static bool bind_upper(fe_binder *b, const fe_ast *s, sel_state *st) {
    const fe_list *order = &s->u.select.order_by;
    b->mode = st->has_agg ? FE_BIND_AGG : FE_BIND_BASE;
    b->sel->post_agg = true;
    b->sel->win_clause = NULL;
    if (!bind_items(b, st, order->n + s->u.select.distinct_on.n))
        return false;
    b->clause = "HAVING";
    b->sel->win_clause = "HAVING";
    if (s->u.select.having && !(st->having = fe_bind_condition(b, s->u.select.having, "HAVING")))
        return false;
    b->sel->win_clause = NULL;
    b->clause = "QUALIFY";
    if (s->u.select.qualify &&
        !(st->qualify = fe_bind_condition(b, s->u.select.qualify, "QUALIFY")))
        return false;
    if (s->u.select.distinct_on.n && !bind_distinct_on(b, &s->u.select.distinct_on, st))
        return false;
    bool plain_distinct = s->u.select.distinct && !s->u.select.distinct_on.n;
    if (!bind_order(b, order, st, plain_distinct))
        return false;
    if (st->n_on && !check_distinct_on_order(b, st, order))
        return false;
    b->sel->post_agg = false;
    return true;
}

static plan_node *bind_select(fe_binder *b, const fe_ast *s) {
    sel_state st = {.limit = -1};
    if (!fe_bind_from(b, s->u.select.from) || !expand_items(b, &s->u.select.items, &st))
        return NULL;
    b->mode = FE_BIND_BASE;
    b->clause = "WHERE";
    b->sel->win_clause = "WHERE";
    if (s->u.select.where && !(st.where = fe_bind_condition(b, s->u.select.where, "WHERE")))
        return NULL;
    b->sel->win_clause = "GROUP BY";
    if (!bind_groups(b, &s->u.select.group_by, &st))
        return NULL;
    st.has_agg = b->sel->has_agg = select_has_agg(s);
    if (!bind_upper(b, s, &st))
        return NULL;
    b->mode = FE_BIND_BASE;
    if (!bind_limit_value(b, s->u.select.limit, "LIMIT", &st.limit) ||
        !bind_limit_value(b, s->u.select.offset, "OFFSET", &st.offset))
        return NULL;
    return build_select(b, &st, s->u.select.distinct);
}

/* 42P20 if the WINDOW clause defines a name twice (at the second definition). */
static bool check_window_names(fe_binder *b, const fe_list *windows) {
    for (uint32_t j = 1; j < windows->n; j++)
        for (uint32_t i = 0; i < j; i++)
            if (strcmp(windows->items[i]->u.window_spec.name,
                       windows->items[j]->u.window_spec.name) == 0) {
                fe_bind_error(b, QE_BIND, "42P20", windows->items[j]->start,
                              "window \"%s\" is already defined",
                              windows->items[j]->u.window_spec.name);
                return false;
            }
    return true;
}

/* Binds a SELECT with fresh per-query state, restoring the outer state afterwards. */
static plan_node *bind_select_scoped(fe_binder *b, const fe_ast *s) {
    if (!check_window_names(b, &s->u.select.windows))
        return NULL;
    fe_binder saved = *b;
    struct fe_select_ctx sel = {.windows = &s->u.select.windows};
    b->scope.from = fe_from_create(b);
    if (!b->scope.from)
        return NULL;
    b->sel = &sel;
    b->mode = FE_BIND_BASE;
    b->clause = NULL;
    b->in_agg_arg = false;
    b->n_groups = b->n_aggs = b->aggs_cap = 0;
    b->groups = NULL;
    b->aggs = NULL;
    b->agg_names = NULL;
    plan_node *n = bind_select(b, s);
    bool failed = b->failed;
    uint32_t min_ref = b->min_ref_level, n_ctes = b->n_ctes_bound, n_exp = b->n_expansions;
    *b = saved;
    b->failed = failed;
    b->min_ref_level = min_ref;
    b->n_ctes_bound = n_ctes;
    b->n_expansions = n_exp;
    return n;
}

plan_node *fe_bind_select(fe_binder *b, const fe_ast *s) { return bind_select_scoped(b, s); }
