/*
 * bind.c -- the binder's entry point and the statements other than SELECT:
 * CREATE TABLE, DROP TABLE, SET/RESET, EXPLAIN, INSERT and VALUES.
 *
 * fe_bind resolves names against the catalog and produces the logical plan (plan.h)
 * in the statement's arena.  Errors are sticky (fe_binder.failed) and carry the byte
 * position of the offending token or expression.
 */
#include "bind_scope.h"

#include "opt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------------------- */

void *fe_bind_error(fe_binder *b, qe_status status, const char *sqlstate, int pos, const char *fmt,
                    ...) {
    if (!b->failed) {
        va_list ap;
        va_start(ap, fmt);
        rt_error_vset(b->err, status, sqlstate, pos, fmt, ap);
        va_end(ap);
        b->failed = true;
    }
    return NULL;
}

void *fe_bind_error_hint(fe_binder *b, qe_status status, const char *sqlstate, int pos,
                         const char *hint, const char *fmt, ...) {
    if (!b->failed) {
        va_list ap;
        va_start(ap, fmt);
        rt_error_vset(b->err, status, sqlstate, pos, fmt, ap);
        va_end(ap);
        if (hint)
            rt_error_hint(b->err, "%s", hint);
        b->failed = true;
    }
    return NULL;
}

void *fe_bind_oom(fe_binder *b) {
    return fe_bind_error(b, QE_NOMEM, FE_SQLSTATE_NOMEM, -1, "out of memory");
}

static char *copy_str(fe_binder *b, const char *s) {
    char *c = rt_arena_strdup(b->arena, s);
    return c ? c : fe_bind_oom(b);
}

rt_table *fe_find_table(fe_binder *b, const char *name) {
    const rt_table *t = rt_catalog_find(b->cat, name);
    if (!t)
        return NULL;
    rt_table *copy = rt_arena_calloc(b->arena, sizeof *copy);
    uint32_t n = t->n_cols ? t->n_cols : 1;
    if (!copy || !(copy->name = rt_arena_strdup(b->arena, t->name)) ||
        !(copy->col_names = rt_arena_calloc(b->arena, n * sizeof *copy->col_names)) ||
        !(copy->col_types = rt_arena_calloc(b->arena, n * sizeof *copy->col_types)))
        return fe_bind_oom(b);
    copy->n_cols = t->n_cols;
    if (t->col_typmods && !(copy->col_typmods = rt_arena_calloc(b->arena, n * sizeof(int32_t))))
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < t->n_cols; i++) {
        copy->col_types[i] = t->col_types[i];
        if (t->col_typmods)
            copy->col_typmods[i] = t->col_typmods[i];
        if (!(copy->col_names[i] = rt_arena_strdup(b->arena, t->col_names[i])))
            return fe_bind_oom(b);
    }
    return copy;
}

/* ---- DDL and SET -------------------------------------------------------------------- */

static plan_node *bind_create_table(fe_binder *b, const fe_ast *n) {
    if (n->u.create_table.query)
        return fe_bind_create_table_as(b, n);
    const char *name = n->u.create_table.table;
    if (rt_catalog_find(b->cat, name) && !n->u.create_table.if_not_exists)
        return fe_bind_error(b, QE_BIND, "42P07", n->u.create_table.table_pos,
                             "relation \"%s\" already exists", name);
    const fe_list *cols = &n->u.create_table.columns;
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_CREATE_TABLE, NULL, 0);
    char **names = rt_arena_calloc(b->arena, (cols->n ? cols->n : 1) * sizeof *names);
    qe_type *types = rt_arena_calloc(b->arena, (cols->n ? cols->n : 1) * sizeof *types);
    int32_t *typmods = rt_arena_calloc(b->arena, (cols->n ? cols->n : 1) * sizeof *typmods);
    if (!p || !names || !types || !typmods)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < cols->n; i++) {
        const fe_ast *c = cols->items[i];
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(names[j], c->u.column_def.name) == 0)
                return fe_bind_error(b, QE_BIND, "42701", c->pos,
                                     "column \"%s\" specified more than once",
                                     c->u.column_def.name);
        names[i] = c->u.column_def.name;
        if (!fe_resolve_type_mod(b, c->u.column_def.type, &types[i], &typmods[i]))
            return NULL;
    }
    p->u.create_table.table = copy_str(b, name);
    p->u.create_table.n_cols = cols->n;
    p->u.create_table.col_names = names;
    p->u.create_table.col_types = types;
    p->u.create_table.col_typmods = typmods;
    p->u.create_table.if_not_exists = n->u.create_table.if_not_exists;
    if (!fe_bind_table_constraints(b, n, p))
        return NULL;
    return p->u.create_table.table ? p : NULL;
}

static plan_node *bind_drop_table(fe_binder *b, const fe_ast *n) {
    if (n->u.drop_table.view)
        return fe_bind_drop_view(b, n);
    const char *name = n->u.drop_table.table;
    if (!rt_catalog_find(b->cat, name) && rt_catalog_find_view(b->cat, name, b->arena)) {
        fe_bind_error(b, QE_BIND, "42809", -1, "\"%s\" is not a table", name);
        rt_error_hint(b->err, "Use DROP VIEW to remove a view.");
        return NULL;
    }
    if (!rt_catalog_find(b->cat, name) && !n->u.drop_table.if_exists)
        return fe_bind_error(b, QE_BIND, "42P01", n->u.drop_table.table_pos,
                             "table \"%s\" does not exist", name);
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_DROP_TABLE, NULL, 0);
    if (!p || !(p->u.drop_table.table = copy_str(b, name)))
        return NULL;
    p->u.drop_table.if_exists = n->u.drop_table.if_exists;
    return p;
}

static plan_node *bind_set(fe_binder *b, const fe_ast *n) {
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_SET, NULL, 0);
    if (!p || !(p->u.set.name = copy_str(b, n->u.set.name)))
        return NULL;
    if (n->u.set.value && !(p->u.set.value = copy_str(b, n->u.set.value)))
        return NULL;
    return p;
}

static plan_node *bind_statement(fe_binder *b, const fe_ast *n);

static plan_node *bind_explain(fe_binder *b, const fe_ast *n) {
    plan_node *child = bind_statement(b, n->u.explain.stmt);
    plan_node *p = child ? fe_plan_node(b, PLAN_LOGICAL_EXPLAIN, child, 1) : NULL;
    if (!p || !(p->names[0] = copy_str(b, "QUERY PLAN")))
        return NULL;
    p->types[0] = QE_TYPE_VARCHAR;
    p->u.explain.what = QE_EMIT_PHYSICAL;
    p->u.explain.analyze = n->u.explain.analyze;
    p->u.explain.json = n->u.explain.json;
    p->u.explain.no_timing = n->u.explain.no_timing;
    return p;
}

/* ---- VALUES ------------------------------------------------------------------------- */

/* Binds one VALUES expression (no columns in scope, no aggregates). */
static plan_expr *bind_value(fe_binder *b, const fe_ast *e) {
    fe_scope scope = b->scope;
    b->scope = (fe_scope){0};
    b->mode = FE_BIND_BASE;
    b->clause = "VALUES";
    plan_expr *v = fe_bind_expr(b, e);
    b->scope = scope;
    return v;
}

/* Column c of a VALUES list: the rows' common type (PostgreSQL's select_common_type;
 * a column of NULLs only is INTEGER), every row cast to it. */
static bool values_column(fe_binder *b, const fe_ast *v, plan_node *p, plan_expr **rows,
                          uint32_t c) {
    uint32_t n_rows = v->u.values.n_rows, n_cols = p->n_cols;
    plan_expr **col = rt_arena_alloc(b->arena, n_rows * sizeof *col);
    const fe_ast **asts = rt_arena_alloc(b->arena, n_rows * sizeof *asts);
    if (!col || !asts)
        return fe_bind_oom(b), false;
    bool all_null = true;
    for (uint32_t r = 0; r < n_rows; r++) {
        col[r] = rows[(size_t)r * n_cols + c];
        asts[r] = v->u.values.rows[r].items[c];
        all_null &= col[r]->type == QE_TYPE_NULL && col[r]->kind == PLAN_EXPR_CONST;
    }
    if (all_null) {
        p->types[c] = QE_TYPE_INTEGER;
        for (uint32_t r = 0; r < n_rows; r++)
            if (!(col[r] = fe_resolve_null(b, col[r])))
                return false;
    } else if (!fe_common_type(b, "VALUES", asts, col, n_rows, &p->types[c], &p->typmods[c])) {
        return false;
    }
    for (uint32_t r = 0; r < n_rows; r++)
        rows[(size_t)r * n_cols + c] = col[r];
    return true;
}

plan_node *fe_bind_values_query(fe_binder *b, const fe_ast *v) {
    uint32_t n_rows = v->u.values.n_rows, n_cols = v->u.values.rows[0].n;
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_VALUES, NULL, n_cols);
    plan_expr **rows = p ? rt_arena_alloc(b->arena, (size_t)n_rows * n_cols * sizeof *rows) : NULL;
    if (!rows)
        return b->failed ? NULL : fe_bind_oom(b);
    for (uint32_t r = 0; r < n_rows; r++) {
        const fe_list *row = &v->u.values.rows[r];
        if (row->n != n_cols)
            return fe_bind_error(b, QE_SYNTAX, "42601", row->items[0]->pos,
                                 "VALUES lists must all be the same length");
        for (uint32_t c = 0; c < n_cols; c++) {
            plan_expr *e = bind_value(b, row->items[c]);
            if (!e)
                return NULL;
            rows[(size_t)r * n_cols + c] = e;
        }
    }
    if (n_cols && !(p->typmods = rt_arena_calloc(b->arena, n_cols * sizeof *p->typmods)))
        return fe_bind_oom(b);
    for (uint32_t c = 0; c < n_cols; c++) {
        char name[32];
        snprintf(name, sizeof name, "col%u", c);
        if (!values_column(b, v, p, rows, c) || !(p->names[c] = copy_str(b, name)))
            return NULL;
    }
    p->u.values.n_rows = n_rows;
    p->u.values.rows = rows;
    return p;
}

/* ---- INSERT ------------------------------------------------------------------------- */

/* Target columns of an INSERT: table column index per target. */
typedef struct insert_target {
    const rt_table *table; /* the target table */
    uint32_t n;            /* number of target columns */
    uint32_t *cols;        /* n table column indexes */
    const fe_list *names;  /* the written column list (empty: all columns) */
} insert_target;

static bool bind_targets(fe_binder *b, const fe_ast *n, insert_target *t) {
    const fe_list *names = &n->u.insert.columns;
    uint32_t count = names->n ? names->n : t->table->n_cols;
    t->names = names;
    t->n = count;
    if (!(t->cols = rt_arena_alloc(b->arena, (count ? count : 1) * sizeof *t->cols)))
        return fe_bind_oom(b), false;
    for (uint32_t i = 0; i < count; i++) {
        if (!names->n) {
            t->cols[i] = i;
            continue;
        }
        const fe_ast *c = names->items[i];
        uint32_t k = 0;
        while (k < t->table->n_cols && strcmp(t->table->col_names[k], c->u.column_ref.name) != 0)
            k++;
        if (k == t->table->n_cols)
            return fe_bind_error(b, QE_BIND, "42703", c->pos,
                                 "column \"%s\" of relation \"%s\" does not exist",
                                 c->u.column_ref.name, t->table->name),
                   false;
        for (uint32_t j = 0; j < i; j++)
            if (t->cols[j] == k)
                return fe_bind_error(b, QE_BIND, "42701", c->pos,
                                     "column \"%s\" specified more than once",
                                     c->u.column_ref.name),
                       false;
        t->cols[i] = k;
    }
    return true;
}

/* 42601 when a source row/query has a different width than the target list. */
static bool check_arity(fe_binder *b, const insert_target *t, uint32_t n_exprs, int extra_pos,
                        int fallback_pos) {
    if (n_exprs > t->n)
        return fe_bind_error(b, QE_SYNTAX, "42601", extra_pos,
                             "INSERT has more expressions than target columns"),
               false;
    if (n_exprs < t->n) {
        int pos = t->names->n ? t->names->items[n_exprs]->pos : fallback_pos;
        return fe_bind_error(b, QE_SYNTAX, "42601", pos,
                             "INSERT has more target columns than expressions"),
               false;
    }
    return true;
}

/* INSERT ... VALUES: a Values node over the target columns, cast per row. */
static plan_node *bind_insert_values(fe_binder *b, const fe_ast *v, const insert_target *t) {
    uint32_t n_rows = v->u.values.n_rows, n_cols = t->n;
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_VALUES, NULL, n_cols);
    plan_expr **rows =
        p ? rt_arena_alloc(b->arena, ((size_t)n_rows * n_cols + 1) * sizeof *rows) : NULL;
    if (!rows)
        return b->failed ? NULL : fe_bind_oom(b);
    const int32_t *tm = t->table->col_typmods;
    if (tm && n_cols && !(p->typmods = rt_arena_calloc(b->arena, n_cols * sizeof *p->typmods)))
        return fe_bind_oom(b);
    for (uint32_t c = 0; c < n_cols; c++) {
        p->types[c] = t->table->col_types[t->cols[c]];
        p->names[c] = t->table->col_names[t->cols[c]];
        if (tm)
            p->typmods[c] = tm[t->cols[c]];
    }
    for (uint32_t r = 1; r < n_rows; r++) /* PostgreSQL checks this before the targets */
        if (v->u.values.rows[r].n != v->u.values.rows[0].n)
            return fe_bind_error(b, QE_SYNTAX, "42601", v->u.values.rows[r].items[0]->pos,
                                 "VALUES lists must all be the same length");
    for (uint32_t r = 0; r < n_rows; r++) {
        const fe_list *row = &v->u.values.rows[r];
        int extra = row->n > t->n ? row->items[t->n]->pos : -1;
        if (!check_arity(b, t, row->n, extra, row->items[row->n - 1]->pos))
            return NULL;
        for (uint32_t c = 0; c < n_cols; c++) {
            const fe_ast *a = row->items[c];
            rt_value null = {.type = p->types[c], .is_null = true};
            plan_expr *e = a->kind == FE_AST_DEFAULT ? opt_expr_const(b->arena, &null, a->pos)
                                                     : bind_value(b, a);
            if (!e)
                return b->failed ? NULL : fe_bind_oom(b);
            e = fe_cast_assign_mod(b, a, e, p->types[c], p->typmods ? p->typmods[c] : 0,
                                   p->names[c], a->pos);
            if (!e)
                return NULL;
            rows[(size_t)r * n_cols + c] = e;
        }
    }
    p->u.values.n_rows = n_rows;
    p->u.values.rows = rows;
    return p;
}

/* The select item AST of output column k, when the source is a plain SELECT list. */
static const fe_ast *source_item(const fe_ast *src, uint32_t k) {
    if (src->kind != FE_AST_SELECT || k >= src->u.select.items.n)
        return NULL;
    const fe_ast *e = src->u.select.items.items[k]->u.select_item.expr;
    return e->kind == FE_AST_STAR ? NULL : e;
}

/* Project yielding every table column in order: targets from the child (cast), NULLs. */
static plan_node *insert_project(fe_binder *b, plan_node *child, const insert_target *t,
                                 const fe_ast *src) {
    const rt_table *tab = t->table;
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_PROJECT, child, tab->n_cols);
    plan_expr **exprs =
        p ? rt_arena_alloc(b->arena, (tab->n_cols ? tab->n_cols : 1) * sizeof *exprs) : NULL;
    if (!exprs)
        return b->failed ? NULL : fe_bind_oom(b);
    for (uint32_t j = 0; j < tab->n_cols; j++) {
        uint32_t k = 0;
        while (k < t->n && t->cols[k] != j)
            k++;
        plan_expr *e;
        if (k == t->n) {
            rt_value null = {.type = tab->col_types[j], .is_null = true};
            e = opt_expr_const(b->arena, &null, -1);
        } else {
            e = opt_expr_column(b->arena, k, child->types[k]);
            if (e)
                e->typmod = opt_column_typmod(child, k);
            const fe_ast *item = source_item(src, k);
            int pos = item ? item->pos : src->pos;
            e = e ? fe_cast_assign_mod(b, NULL, e, tab->col_types[j],
                                       tab->col_typmods ? tab->col_typmods[j] : 0,
                                       tab->col_names[j], pos)
                  : NULL;
        }
        if (!e)
            return b->failed ? NULL : fe_bind_oom(b);
        exprs[j] = e;
        p->types[j] = tab->col_types[j];
        p->names[j] = tab->col_names[j];
    }
    p->u.project.exprs = exprs;
    return p;
}

/* Arity check for INSERT ... SELECT against the select list. */
static bool check_query_arity(fe_binder *b, const insert_target *t, const plan_node *child,
                              const fe_ast *src) {
    const fe_ast *extra = source_item(src, t->n);
    return check_arity(b, t, child->n_cols, extra ? extra->pos : src->pos, src->pos);
}

static plan_node *bind_insert(fe_binder *b, const fe_ast *n) {
    insert_target t = {0};
    rt_table *table = fe_find_table(b, n->u.insert.table);
    if (!table)
        return b->failed ? NULL
                         : fe_bind_error(b, QE_BIND, "42P01", n->u.insert.table_pos,
                                         "relation \"%s\" does not exist", n->u.insert.table);
    t.table = table;
    if (!bind_targets(b, n, &t))
        return NULL;
    const fe_ast *src = n->u.insert.source;
    plan_node *child =
        src->kind == FE_AST_VALUES ? bind_insert_values(b, src, &t) : fe_bind_query(b, src);
    if (!child)
        return NULL;
    if (src->kind != FE_AST_VALUES && !check_query_arity(b, &t, child, src))
        return NULL;
    plan_node *project = insert_project(b, child, &t, src);
    plan_node *p = project ? fe_plan_node(b, PLAN_LOGICAL_INSERT, project, 0) : NULL;
    if (!p || !(p->u.insert.table = copy_str(b, table->name)))
        return NULL;
    return p;
}

/* ---- entry point -------------------------------------------------------------------- */

static plan_node *bind_statement(fe_binder *b, const fe_ast *n) {
    switch (n->kind) {
    case FE_AST_SELECT:
    case FE_AST_SETOP:
    case FE_AST_VALUES: return fe_bind_query(b, n);
    case FE_AST_INSERT: return bind_insert(b, n);
    case FE_AST_CREATE_TABLE: return bind_create_table(b, n);
    case FE_AST_DROP_TABLE: return bind_drop_table(b, n);
    case FE_AST_SET: return bind_set(b, n);
    case FE_AST_EXPLAIN: return bind_explain(b, n);
    case FE_AST_CREATE_VIEW: return fe_bind_create_view(b, n);
    case FE_AST_DELETE:
    case FE_AST_UPDATE: return fe_bind_dml(b, n);
    case FE_AST_COPY: return fe_bind_copy(b, n);
    case FE_AST_SHOW: return fe_bind_show(b, n);
    case FE_AST_TRANSACTION: return fe_bind_transaction(b, n);
    case FE_AST_CALL: return fe_bind_call(b, n);
    default:
        return fe_bind_error(b, QE_INTERNAL, "XX000", n->pos, "unexpected %s node as a statement",
                             fe_ast_kind_name(n->kind));
    }
}

qe_status fe_bind(rt_arena *arena, const fe_ast *ast, rt_catalog *cat, plan_node **out,
                  rt_error *err) {
    fe_binder b = {.arena = arena, .cat = cat, .err = err, .min_ref_level = UINT32_MAX};
    *out = NULL;
    if (!ast)
        return rt_error_set(err, QE_MISUSE, "XX000", -1, "no statement to bind");
    plan_node *n = bind_statement(&b, ast);
    if (b.failed)
        return err->status;
    if (!n)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1, "binder produced no plan");
    *out = n;
    return QE_OK;
}
