/*
 * bind_scope.c -- the FROM clause: ranges (FROM items as names see them), joins
 * (ON, USING, NATURAL, comma), derived tables and CTE references; resolution of
 * column names through the current and the enclosing scopes (correlation); and the
 * FROM plan built once every clause of the SELECT is bound.
 *
 * Name lookup is a linear scan over the visible columns (a TPC-DS FROM clause has a
 * few hundred); every reference is looked up once, so binding stays linear in the
 * size of the query.
 */
#include "bind_scope.h"

#include "opt.h"

#include <stdio.h>
#include <string.h>

/* ---- scopes and ranges -------------------------------------------------------------- */

struct fe_from *fe_from_create(fe_binder *b) {
    struct fe_from *f = rt_arena_calloc(b->arena, sizeof *f);
    if (!f)
        return fe_bind_oom(b);
    f->parent = b->outer;
    f->level = b->level;
    return f;
}

/* Makes room for n more FROM-row columns in from->used. */
static bool grow_used(fe_binder *b, struct fe_from *f, uint32_t n) {
    if (f->n_cols + n <= f->used_cap)
        return true;
    uint32_t cap = f->used_cap ? f->used_cap : 16;
    while (cap < f->n_cols + n)
        cap *= 2;
    bool *used = rt_arena_calloc(b->arena, cap * sizeof *used);
    if (!used)
        return fe_bind_oom(b), false;
    if (f->n_cols)
        memcpy(used, f->used, f->n_cols * sizeof *used);
    f->used = used;
    f->used_cap = cap;
    return true;
}

uint32_t fe_add_range(fe_binder *b, const char *alias, uint32_t n_cols, char **names,
                      qe_type *types, int pos) {
    struct fe_from *f = b->scope.from;
    for (uint32_t i = 0; alias && i < f->n_ranges; i++)
        if (f->ranges[i].alias && strcmp(f->ranges[i].alias, alias) == 0)
            return fe_bind_error(b, QE_BIND, "42712", pos,
                                 "table name \"%s\" specified more than once", alias),
                   UINT32_MAX;
    if (f->n_ranges == f->ranges_cap) {
        uint32_t cap = f->ranges_cap ? f->ranges_cap * 2 : 4;
        fe_range *r = rt_arena_calloc(b->arena, cap * sizeof *r);
        if (!r)
            return fe_bind_oom(b), UINT32_MAX;
        if (f->n_ranges)
            memcpy(r, f->ranges, f->n_ranges * sizeof *r);
        f->ranges = r;
        f->ranges_cap = cap;
    }
    if (!grow_used(b, f, n_cols))
        return UINT32_MAX;
    fe_range *r = &f->ranges[f->n_ranges];
    *r = (fe_range){.alias = alias,
                    .n_cols = n_cols,
                    .names = names,
                    .types = types,
                    .base = f->n_cols,
                    .pos = pos};
    f->n_cols += n_cols;
    return f->n_ranges++;
}

/* ---- name resolution ---------------------------------------------------------------- */

/* Outcome of looking a name up in one scope. */
typedef enum lookup_result { LOOKUP_NONE, LOOKUP_FOUND, LOOKUP_FAILED } lookup_result;

/* The range called `alias` in f, or NULL. */
static fe_range *range_named(struct fe_from *f, const char *alias) {
    for (uint32_t i = 0; f && i < f->n_ranges; i++)
        if (f->ranges[i].alias && strcmp(f->ranges[i].alias, alias) == 0)
            return &f->ranges[i];
    return NULL;
}

/* Column `name` of range r (not merged away unless qualified), UINT32_MAX if none. */
static uint32_t range_column(const fe_range *r, const char *name, bool qualified) {
    for (uint32_t c = 0; c < r->n_cols; c++)
        if (strcmp(r->names[c], name) == 0 && (qualified || !r->merged || !r->merged[c]))
            return c;
    return UINT32_MAX;
}

/* Unqualified name over ranges [r0, r1) of f: LOOKUP_FAILED (42702) if ambiguous. */
static lookup_result lookup_unqualified(fe_binder *b, struct fe_from *f, uint32_t r0, uint32_t r1,
                                        const char *name, int pos, uint32_t *col) {
    lookup_result res = LOOKUP_NONE;
    for (uint32_t i = r0; i < r1; i++) {
        const fe_range *r = &f->ranges[i];
        for (uint32_t c = 0; c < r->n_cols; c++) {
            if (strcmp(r->names[c], name) != 0 || (r->merged && r->merged[c]))
                continue;
            if (res == LOOKUP_FOUND)
                return fe_bind_error(b, QE_BIND, "42702", pos,
                                     "column reference \"%s\" is ambiguous", name),
                       LOOKUP_FAILED;
            res = LOOKUP_FOUND;
            *col = r->base + c;
        }
    }
    return res;
}

/* Hint over every visible column: the closest name, PostgreSQL's wording. */
static void column_hint(fe_binder *b, const char *name, const char *only_alias, char *hint,
                        size_t size) {
    const fe_range *best = NULL;
    uint32_t best_col = 0, best_dist = UINT32_MAX;
    for (struct fe_from *f = b->scope.from; f; f = f->parent) {
        for (uint32_t i = 0; i < f->n_ranges; i++) {
            const fe_range *r = &f->ranges[i];
            if (only_alias && (!r->alias || strcmp(r->alias, only_alias) != 0))
                continue;
            for (uint32_t c = 0; c < r->n_cols; c++) {
                uint32_t d = fe_levenshtein(name, r->names[c]);
                if (d < best_dist && d <= strlen(r->names[c]) / 2)
                    best = r, best_col = c, best_dist = d;
            }
        }
    }
    hint[0] = '\0';
    if (best && best->alias)
        snprintf(hint, size, "Perhaps you meant to reference the column \"%s.%s\".", best->alias,
                 best->names[best_col]);
    else if (best)
        snprintf(hint, size, "Perhaps you meant to reference the column \"%s\".",
                 best->names[best_col]);
}

/* Type modifier of FROM-row column col of f (0 when its range has none). */
static int32_t column_typmod(const struct fe_from *f, uint32_t col) {
    for (uint32_t i = 0; i < f->n_ranges; i++) {
        const fe_range *r = &f->ranges[i];
        if (col >= r->base && col < r->base + r->n_cols)
            return r->typmods ? r->typmods[col - r->base] : 0;
    }
    return 0;
}

/* A COLUMN of the current scope, or an OUTER_COLUMN registered with scope f. */
static plan_expr *column_expr(fe_binder *b, struct fe_from *f, uint32_t col, qe_type type,
                              int pos) {
    f->used[col] = true;
    if (f == b->scope.from) {
        plan_expr *c = opt_expr_column(b->arena, col, type);
        if (!c)
            return fe_bind_oom(b);
        c->position = pos;
        c->typmod = column_typmod(f, col);
        return c;
    }
    plan_expr *e = rt_arena_calloc(b->arena, sizeof *e);
    if (!e)
        return fe_bind_oom(b);
    e->kind = PLAN_EXPR_OUTER_COLUMN;
    e->type = type;
    e->typmod = column_typmod(f, col);
    e->position = pos;
    e->u.outer.depth = b->scope.from->level - f->level;
    e->u.outer.column = col;
    if (f->level < b->min_ref_level)
        b->min_ref_level = f->level;
    if (f->n_patches == f->patches_cap) {
        uint32_t cap = f->patches_cap ? f->patches_cap * 2 : 8;
        plan_expr **p = rt_arena_alloc(b->arena, cap * sizeof *p);
        if (!p)
            return fe_bind_oom(b);
        if (f->n_patches)
            memcpy(p, f->patches, f->n_patches * sizeof *p);
        f->patches = p;
        f->patches_cap = cap;
    }
    f->patches[f->n_patches++] = e;
    return e;
}

/* Type of FROM-row column col of f. */
static qe_type column_type(const struct fe_from *f, uint32_t col) {
    for (uint32_t i = 0; i < f->n_ranges; i++) {
        const fe_range *r = &f->ranges[i];
        if (col >= r->base && col < r->base + r->n_cols)
            return r->types[col - r->base];
    }
    return QE_TYPE_NULL;
}

static plan_expr *resolve_qualified(fe_binder *b, const fe_ast *ref) {
    const char *q = ref->u.column_ref.qualifier, *name = ref->u.column_ref.name;
    for (struct fe_from *f = b->scope.from; f; f = f->parent) {
        fe_range *r = range_named(f, q);
        if (!r)
            continue;
        uint32_t c = range_column(r, name, true);
        if (c != UINT32_MAX)
            return column_expr(b, f, r->base + c, r->types[c], ref->pos);
        char hint[600];
        column_hint(b, name, q, hint, sizeof hint);
        return fe_bind_error_hint(b, QE_BIND, "42703", ref->pos, hint[0] ? hint : NULL,
                                  "column %s.%s does not exist", q, name);
    }
    return fe_bind_error(b, QE_BIND, "42P01", ref->pos,
                         "missing FROM-clause entry for table \"%s\"", q);
}

plan_expr *fe_scope_resolve(fe_binder *b, const fe_ast *ref) {
    struct fe_from *cur = b->scope.from;
    if (ref->u.column_ref.vcol && cur) {
        uint32_t col = ref->u.column_ref.vcol - 1;
        return column_expr(b, cur, col, column_type(cur, col), ref->pos);
    }
    if (ref->u.column_ref.qualifier)
        return resolve_qualified(b, ref);
    const char *name = ref->u.column_ref.name;
    for (struct fe_from *f = cur; f; f = f->parent) {
        uint32_t col;
        lookup_result r = lookup_unqualified(b, f, 0, f->n_ranges, name, ref->pos, &col);
        if (r == LOOKUP_FAILED)
            return NULL;
        if (r == LOOKUP_FOUND)
            return column_expr(b, f, col, column_type(f, col), ref->pos);
    }
    char hint[600];
    column_hint(b, name, NULL, hint, sizeof hint);
    return fe_bind_error_hint(b, QE_BIND, "42703", ref->pos, hint[0] ? hint : NULL,
                              "column \"%s\" does not exist", name);
}

const char *fe_scope_qualifier(fe_binder *b, const fe_ast *ref) {
    if (ref->u.column_ref.qualifier)
        return ref->u.column_ref.qualifier;
    struct fe_from *f = b->scope.from;
    for (uint32_t i = 0; f && i < f->n_ranges; i++)
        if (range_column(&f->ranges[i], ref->u.column_ref.name, false) != UINT32_MAX)
            return f->ranges[i].alias ? f->ranges[i].alias : "?";
    return "?";
}

/* ---- FROM items --------------------------------------------------------------------- */

static fe_item *new_item(fe_binder *b, fe_item_kind kind) {
    fe_item *it = rt_arena_calloc(b->arena, sizeof *it);
    if (!it)
        return fe_bind_oom(b);
    it->kind = kind;
    it->base = b->scope.from->n_cols;
    it->range0 = b->scope.from->n_ranges;
    return it;
}

/* Applies a column alias list t(x, y) to a range's names (42P10 if too many). */
static char **alias_names(fe_binder *b, const fe_list *aliases, uint32_t n_cols, char **names,
                          const char *what, int pos) {
    if (!aliases->n)
        return names;
    if (aliases->n > n_cols)
        return fe_bind_error(b, QE_BIND, "42P10", pos,
                             "table \"%s\" has %u columns available but %u columns specified", what,
                             n_cols, aliases->n);
    char **out = rt_arena_alloc(b->arena, (n_cols ? n_cols : 1) * sizeof *out);
    if (!out)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < n_cols; i++)
        out[i] = i < aliases->n ? aliases->items[i]->u.column_ref.name : names[i];
    return out;
}

/* Closes an item over the ranges and columns added since it was created. */
static fe_item *finish_item(fe_binder *b, fe_item *it) {
    it->width = b->scope.from->n_cols - it->base;
    it->range1 = b->scope.from->n_ranges;
    return it;
}

/* 42P01 with a hint naming the closest table. */
static fe_item *missing_table(fe_binder *b, const char *name, int pos) {
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
    return fe_bind_error_hint(b, QE_BIND, "42P01", pos, best ? hint : NULL,
                              "relation \"%s\" does not exist", name);
}

/* A plan-valued item (derived table, CTE, view) with its alias and column aliases. */
fe_item *fe_plan_item(fe_binder *b, plan_node *plan, const char *alias, const fe_list *aliases,
                      int pos) {
    fe_item *it = plan ? new_item(b, FE_ITEM_PLAN) : NULL;
    if (!it)
        return NULL;
    it->plan = plan;
    char **names = alias_names(b, aliases, plan->n_cols, plan->names, alias ? alias : "?", pos);
    uint32_t range;
    if (!names ||
        (range = fe_add_range(b, alias, plan->n_cols, names, plan->types, pos)) == UINT32_MAX)
        return NULL;
    /* the plan's column modifiers (DECIMAL scales, CHAR(n)) for references to it */
    int32_t *tm = rt_arena_calloc(b->arena, (plan->n_cols ? plan->n_cols : 1) * sizeof *tm);
    if (!tm)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < plan->n_cols; i++)
        tm[i] = opt_column_typmod(plan, i);
    b->scope.from->ranges[range].typmods = tm;
    return finish_item(b, it);
}

static fe_item *bind_table_ref(fe_binder *b, const fe_ast *n) {
    if (n->u.table_ref.func)
        return fe_bind_table_func(b, n);
    bool found = false;
    fe_item *cte = fe_bind_cte_ref(b, n, &found);
    if (found || b->failed)
        return cte;
    fe_item *view = fe_bind_view_ref(b, n, &found);
    if (found || b->failed)
        return view;
    const char *name = n->u.table_ref.name;
    rt_table *t = fe_find_table(b, name);
    if (!t)
        return b->failed ? NULL : missing_table(b, name, n->pos);
    fe_item *it = new_item(b, FE_ITEM_TABLE);
    if (!it)
        return NULL;
    it->table = t->name;
    const char *alias = n->u.table_ref.alias ? n->u.table_ref.alias : t->name;
    char **names =
        alias_names(b, &n->u.table_ref.col_aliases, t->n_cols, t->col_names, alias, n->pos);
    uint32_t range =
        names ? fe_add_range(b, alias, t->n_cols, names, t->col_types, n->pos) : UINT32_MAX;
    if (range == UINT32_MAX)
        return NULL;
    b->scope.from->ranges[range].typmods = t->col_typmods;
    return finish_item(b, it);
}

plan_node *fe_bind_derived(fe_binder *b, const fe_ast *query) {
    struct fe_from *saved = b->outer;
    b->outer = b->scope.from->parent;
    plan_node *p = fe_bind_query(b, query);
    b->outer = saved;
    return p;
}

static fe_item *bind_item(fe_binder *b, const fe_ast *n);

/* A column-reference AST bound to FROM-row column col (name for messages). */
static fe_ast *vcol_ref(fe_binder *b, uint32_t col, char *name, int pos) {
    fe_ast *ref = rt_arena_calloc(b->arena, sizeof *ref);
    if (!ref)
        return fe_bind_oom(b);
    ref->kind = FE_AST_COLUMN_REF;
    ref->pos = ref->start = ref->end = pos;
    ref->height = 1;
    ref->u.column_ref.name = name;
    ref->u.column_ref.vcol = col + 1;
    return ref;
}

/* Marks FROM-row column col as merged away (USING/NATURAL). */
static bool merge_away(fe_binder *b, uint32_t col) {
    struct fe_from *f = b->scope.from;
    for (uint32_t i = 0; i < f->n_ranges; i++) {
        fe_range *r = &f->ranges[i];
        if (col < r->base || col >= r->base + r->n_cols)
            continue;
        if (!r->merged && !(r->merged = rt_arena_calloc(b->arena, r->n_cols * sizeof(bool))))
            return fe_bind_oom(b), false;
        r->merged[col - r->base] = true;
    }
    return true;
}

/* Records the kept column of a USING pair (for the order of `*`). */
static bool note_merged(fe_binder *b, fe_item *j, uint32_t col) {
    if (j->n_merged == j->merged_cap) {
        uint32_t cap = j->merged_cap ? j->merged_cap * 2 : 4;
        uint32_t *m = rt_arena_alloc(b->arena, cap * sizeof *m);
        if (!m)
            return fe_bind_oom(b), false;
        if (j->n_merged)
            memcpy(m, j->merged, j->n_merged * sizeof *m);
        j->merged = m;
        j->merged_cap = cap;
    }
    j->merged[j->n_merged++] = col;
    return true;
}

/* l.name = r.name for one USING column, ANDed onto *cond. */
static bool using_column(fe_binder *b, fe_item *j, char *name, int pos, plan_expr **cond) {
    struct fe_from *f = b->scope.from;
    uint32_t lc = 0, rc = 0;
    lookup_result lr = lookup_unqualified(b, f, j->left->range0, j->left->range1, name, pos, &lc);
    if (lr == LOOKUP_NONE)
        return fe_bind_error(b, QE_BIND, "42703", pos,
                             "column \"%s\" specified in USING clause does not exist in left "
                             "table",
                             name),
               false;
    lookup_result rr = lr == LOOKUP_FOUND ? lookup_unqualified(b, f, j->right->range0,
                                                               j->right->range1, name, pos, &rc)
                                          : LOOKUP_FAILED;
    if (rr == LOOKUP_NONE)
        return fe_bind_error(b, QE_BIND, "42703", pos,
                             "column \"%s\" specified in USING clause does not exist in right "
                             "table",
                             name),
               false;
    if (rr == LOOKUP_FAILED)
        return false;
    fe_ast eq = {.kind = FE_AST_BINARY, .pos = pos, .start = pos, .end = pos, .height = 2};
    eq.u.binary.op = PLAN_OP_EQ;
    eq.u.binary.left = vcol_ref(b, lc, name, pos);
    eq.u.binary.right = vcol_ref(b, rc, name, pos);
    plan_expr *e = eq.u.binary.right ? fe_bind_expr(b, &eq) : NULL;
    if (!e || !merge_away(b, j->join == PLAN_JOIN_RIGHT ? lc : rc) ||
        !note_merged(b, j, j->join == PLAN_JOIN_RIGHT ? rc : lc))
        return false;
    *cond = *cond ? opt_expr_op(b->arena, PLAN_OP_AND, QE_TYPE_BOOLEAN, *cond, e, pos) : e;
    return *cond ? true : (fe_bind_oom(b), false);
}

/* NATURAL: the USING list is every name both sides have. */
static bool natural_columns(fe_binder *b, fe_item *j, int pos, plan_expr **cond) {
    struct fe_from *f = b->scope.from;
    for (uint32_t i = j->left->range0; i < j->left->range1; i++) {
        const fe_range *r = &f->ranges[i];
        for (uint32_t c = 0; c < r->n_cols; c++) {
            if (r->merged && r->merged[c])
                continue;
            uint32_t rc;
            lookup_result rr =
                lookup_unqualified(b, f, j->right->range0, j->right->range1, r->names[c], pos, &rc);
            if (rr == LOOKUP_FAILED ||
                (rr == LOOKUP_FOUND && !using_column(b, j, r->names[c], pos, cond)))
                return false;
        }
    }
    return true;
}

static const plan_join_kind join_kinds[] = {
#define FE_X_KIND(name, text) PLAN_JOIN_##name,
    FE_JOIN_LIST(FE_X_KIND)
#undef FE_X_KIND
};

static fe_item *bind_join(fe_binder *b, const fe_ast *n) {
    fe_item *j = new_item(b, FE_ITEM_JOIN);
    if (!j || !(j->left = bind_item(b, n->u.join.left)) ||
        !(j->right = bind_item(b, n->u.join.right)))
        return NULL;
    j->join = join_kinds[n->u.join.kind];
    finish_item(b, j);
    plan_expr *cond = NULL;
    if (n->u.join.on) {
        const char *clause = b->clause;
        b->clause = "JOIN conditions";
        cond = fe_bind_condition(b, n->u.join.on, "JOIN/ON");
        b->clause = clause;
        if (!cond)
            return NULL;
    } else if (n->u.join.natural) {
        if (!natural_columns(b, j, n->pos, &cond))
            return NULL;
        if (j->join == PLAN_JOIN_INNER && !cond)
            j->join = PLAN_JOIN_CROSS;
    } else {
        for (uint32_t i = 0; i < n->u.join.using_cols.n; i++) {
            const fe_ast *c = n->u.join.using_cols.items[i];
            if (!using_column(b, j, c->u.column_ref.name, c->pos, &cond))
                return NULL;
        }
    }
    j->cond = cond;
    return j;
}

static fe_item *bind_item(fe_binder *b, const fe_ast *n) {
    if (b->failed)
        return NULL;
    switch (n->kind) {
    case FE_AST_TABLE_REF: return bind_table_ref(b, n);
    case FE_AST_JOIN: return bind_join(b, n);
    case FE_AST_SUBQUERY_REF: {
        plan_node *p = fe_bind_derived(b, n->u.subquery_ref.query);
        return fe_plan_item(b, p, n->u.subquery_ref.alias, &n->u.subquery_ref.col_aliases, n->pos);
    }
    default:
        return fe_bind_error(b, QE_INTERNAL, "XX000", n->pos, "unexpected %s node in FROM",
                             fe_ast_kind_name(n->kind));
    }
}

bool fe_bind_from(fe_binder *b, const fe_ast *from) {
    if (!from)
        return true;
    fe_bind_mode mode = b->mode;
    b->mode = FE_BIND_BASE;
    fe_item *root = bind_item(b, from);
    b->mode = mode;
    b->scope.from->root = root;
    return root != NULL;
}

/* ---- building the FROM plan --------------------------------------------------------- */

/* A remapped copy of an expression array (never NULL for n == 0 unless out of memory). */
static plan_expr **remap_array(fe_binder *b, plan_expr *const *in, uint32_t n, const uint32_t *map,
                               uint32_t win_base) {
    plan_expr **out = rt_arena_alloc(b->arena, (n ? n : 1) * sizeof *out);
    if (!out)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < n; i++)
        if (!(out[i] = fe_remap_expr(b, in[i], map, win_base)))
            return NULL;
    return out;
}

plan_expr *fe_remap_expr(fe_binder *b, const plan_expr *e, const uint32_t *map, uint32_t win_base) {
    if (e->kind == PLAN_EXPR_OUTER_COLUMN || e->kind == PLAN_EXPR_CONST)
        return (plan_expr *)e; /* shared: patched in place by its own scope */
    plan_expr *c = rt_arena_alloc(b->arena, sizeof *c);
    if (!c)
        return fe_bind_oom(b);
    *c = *e;
    switch (e->kind) {
    case PLAN_EXPR_COLUMN:
        if (e->u.column >= FE_WINDOW_BASE)
            c->u.column = e->u.column - FE_WINDOW_BASE + win_base;
        else if (map)
            c->u.column = map[e->u.column];
        break;
    case PLAN_EXPR_CAST:
        if (!(c->u.cast = fe_remap_expr(b, e->u.cast, map, win_base)))
            return NULL;
        break;
    case PLAN_EXPR_OP:
        for (int i = 0; i < 2; i++)
            if (e->u.op.args[i] &&
                !(c->u.op.args[i] = fe_remap_expr(b, e->u.op.args[i], map, win_base)))
                return NULL;
        break;
    case PLAN_EXPR_SUBQUERY:
        if (e->u.subquery.left &&
            !(c->u.subquery.left = fe_remap_expr(b, e->u.subquery.left, map, win_base)))
            return NULL;
        break;
    case PLAN_EXPR_GROUPING:
        if (e->u.grouping.column == FE_GROUPING_ID_COLUMN)
            c->u.grouping.column = b->n_groups + b->n_aggs;
        break;
    case PLAN_EXPR_FUNC:
        if (!(c->u.func.args = remap_array(b, e->u.func.args, e->u.func.n_args, map, win_base)))
            return NULL;
        break;
    case PLAN_EXPR_CASE:
        if (!(c->u.case_.whens =
                  remap_array(b, e->u.case_.whens, e->u.case_.n_whens, map, win_base)) ||
            !(c->u.case_.thens =
                  remap_array(b, e->u.case_.thens, e->u.case_.n_whens, map, win_base)) ||
            !(c->u.case_.else_expr = fe_remap_expr(b, e->u.case_.else_expr, map, win_base)))
            return NULL;
        break;
    default: break;
    }
    return c;
}

/* Build state: the scope and the next plan column to assign. */
typedef struct from_builder {
    struct fe_from *from;
    uint32_t next; /* plan columns assigned so far */
} from_builder;

static plan_node *build_item(fe_binder *b, from_builder *fb, const fe_item *it);

/* Get over the used columns of a base table (its first column if none is used). */
static plan_node *build_table(fe_binder *b, from_builder *fb, const fe_item *it) {
    struct fe_from *f = fb->from;
    const fe_range *r = &f->ranges[it->range0];
    uint32_t n = 0;
    for (uint32_t c = 0; c < r->n_cols; c++)
        n += f->used[r->base + c];
    if (n == 0 && r->n_cols) {
        f->used[r->base] = true; /* count(*) still needs the row count of some column */
        n = 1;
    }
    plan_node *get = fe_plan_node(b, PLAN_LOGICAL_GET, NULL, n);
    uint32_t *idx = get ? rt_arena_calloc(b->arena, (n ? n : 1) * sizeof *idx) : NULL;
    char *table = idx ? rt_arena_strdup(b->arena, it->table) : NULL;
    if (!table)
        return b->failed ? NULL : fe_bind_oom(b);
    get->u.get.table = table;
    get->u.get.col_idx = idx;
    if (r->typmods && !(get->typmods = rt_arena_calloc(b->arena, (n ? n : 1) * sizeof(int32_t))))
        return fe_bind_oom(b);
    uint32_t k = 0;
    for (uint32_t c = 0; c < r->n_cols; c++) {
        if (!f->used[r->base + c])
            continue;
        f->map[r->base + c] = fb->next + k;
        idx[k] = c;
        if (r->typmods)
            get->typmods[k] = r->typmods[c];
        get->types[k] = r->types[c];
        get->names[k] = r->names[c];
        k++;
    }
    fb->next += n;
    return get;
}

/* Derived tables keep all their columns. */
static plan_node *build_plan_item(from_builder *fb, const fe_item *it) {
    for (uint32_t c = 0; c < it->width; c++)
        fb->from->map[it->base + c] = fb->next + c;
    fb->next += it->width;
    return it->plan;
}

static plan_node *build_join(fe_binder *b, from_builder *fb, const fe_item *it) {
    uint32_t start = fb->next;
    plan_node *l = build_item(b, fb, it->left);
    plan_node *r = l ? build_item(b, fb, it->right) : NULL;
    if (!r)
        return NULL;
    plan_node *j = fe_plan_node(b, PLAN_LOGICAL_JOIN, l, l->n_cols + r->n_cols);
    if (!j)
        return NULL;
    j->right = r;
    j->u.join.kind = it->join;
    memcpy(j->types, l->types, l->n_cols * sizeof *j->types);
    memcpy(j->names, l->names, l->n_cols * sizeof *j->names);
    memcpy(j->types + l->n_cols, r->types, r->n_cols * sizeof *j->types);
    memcpy(j->names + l->n_cols, r->names, r->n_cols * sizeof *j->names);
    if (it->cond) {
        /* the condition is numbered over the whole FROM row; shift to this join */
        uint32_t *local = rt_arena_alloc(b->arena, fb->from->n_cols * sizeof *local);
        if (!local)
            return fe_bind_oom(b);
        for (uint32_t c = 0; c < fb->from->n_cols; c++)
            local[c] = fb->from->map[c] - start;
        if (!(j->u.join.cond = fe_remap_expr(b, it->cond, local, 0)))
            return NULL;
    }
    return j;
}

static plan_node *build_item(fe_binder *b, from_builder *fb, const fe_item *it) {
    switch (it->kind) {
    case FE_ITEM_TABLE: return build_table(b, fb, it);
    case FE_ITEM_PLAN: return build_plan_item(fb, it);
    case FE_ITEM_JOIN: return build_join(b, fb, it);
    }
    return NULL;
}

plan_node *fe_build_from(fe_binder *b, struct fe_from *from) {
    plan_node *n;
    if (!(from->map =
              rt_arena_calloc(b->arena, (from->n_cols ? from->n_cols : 1) * sizeof *from->map)))
        return fe_bind_oom(b);
    if (!from->root) {
        if ((n = fe_plan_node(b, PLAN_LOGICAL_VALUES, NULL, 0)))
            n->u.values.n_rows = 1;
    } else {
        from_builder fb = {from, 0};
        n = build_item(b, &fb, from->root);
    }
    for (uint32_t i = 0; n && i < from->n_patches; i++)
        from->patches[i]->u.outer.column = from->map[from->patches[i]->u.outer.column];
    return n;
}
