/*
 * bind_stmt.c -- statements beyond queries, INSERT and plain CREATE/DROP TABLE:
 * table constraints and CREATE TABLE AS, CREATE VIEW / DROP VIEW (and expanding views
 * where they are referenced), DELETE, UPDATE, COPY, SHOW, transaction control, CALL.
 *
 * These bind fully (names, types, PostgreSQL's errors); which of them the engine runs
 * is decided later: the physical planner refuses what the executor cannot run yet
 * with 0A000.
 */
#include "bind_scope.h"

#include "opt.h"

#include <string.h>

static char *copy_str(fe_binder *b, const char *s) {
    char *c = rt_arena_strdup(b->arena, s);
    return c ? c : fe_bind_oom(b);
}

/* ---- CREATE TABLE constraints, CREATE TABLE AS -------------------------------------- */

/* Column index of `name` among names[0..n), UINT32_MAX if absent. */
static uint32_t name_index(char *const *names, uint32_t n, const char *name) {
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return UINT32_MAX;
}

/* A column DEFAULT: a constant expression assignable to the column. */
static bool bind_default(fe_binder *b, const fe_ast *c, qe_type type) {
    const fe_ast *d = c->u.column_def.default_expr;
    fe_scope scope = b->scope;
    b->scope = (fe_scope){0};
    b->mode = FE_BIND_BASE;
    b->clause = "DEFAULT expressions";
    plan_expr *e = fe_bind_expr(b, d);
    b->scope = scope;
    if (!e || !fe_cast_assign(b, d, e, type, c->u.column_def.name, d->pos))
        return false;
    return fe_bind_error(b, QE_UNSUPPORTED, "0A000", d->pos,
                         "column defaults are not supported yet"),
           false;
}

bool fe_bind_table_constraints(fe_binder *b, const fe_ast *n, plan_node *p) {
    const fe_list *cols = &n->u.create_table.columns, *key = &n->u.create_table.primary_key;
    uint32_t n_cols = p->u.create_table.n_cols, n_pk = 0;
    bool *not_null = rt_arena_calloc(b->arena, (n_cols ? n_cols : 1) * sizeof *not_null);
    uint32_t *keys = rt_arena_alloc(b->arena, (n_cols ? n_cols : 1) * sizeof *keys);
    if (!not_null || !keys)
        return fe_bind_oom(b), false;
    for (uint32_t i = 0; i < cols->n && i < n_cols; i++) {
        const fe_ast *c = cols->items[i];
        not_null[i] = c->u.column_def.not_null;
        if (c->u.column_def.primary_key) {
            if (n_pk || key->n)
                return fe_bind_error(b, QE_BIND, "42P16", c->pos,
                                     "multiple primary keys for table \"%s\" are not allowed",
                                     n->u.create_table.table),
                       false;
            keys[n_pk++] = i;
        }
        if (c->u.column_def.default_expr && !bind_default(b, c, p->u.create_table.col_types[i]))
            return false;
    }
    for (uint32_t i = 0; i < key->n; i++) {
        const fe_ast *k = key->items[i];
        uint32_t c = name_index(p->u.create_table.col_names, n_cols, k->u.column_ref.name);
        if (c == UINT32_MAX)
            return fe_bind_error(b, QE_BIND, "42703", k->pos,
                                 "column \"%s\" named in key does not exist", k->u.column_ref.name),
                   false;
        for (uint32_t j = 0; j < n_pk; j++)
            if (keys[j] == c)
                return fe_bind_error(b, QE_BIND, "42701", k->pos,
                                     "column \"%s\" appears twice in primary key constraint",
                                     k->u.column_ref.name),
                       false;
        not_null[c] = true;
        keys[n_pk++] = c;
    }
    p->u.create_table.not_null = not_null;
    p->u.create_table.n_key = n_pk;
    p->u.create_table.key_cols = keys;
    return true;
}

plan_node *fe_bind_create_table_as(fe_binder *b, const fe_ast *n) {
    const char *name = n->u.create_table.table;
    bool exists = rt_catalog_find(b->cat, name) != NULL;
    if (exists && !n->u.create_table.if_not_exists)
        return fe_bind_error(b, QE_BIND, "42P07", n->u.create_table.table_pos,
                             "relation \"%s\" already exists", name);
    plan_node *q = fe_bind_query(b, n->u.create_table.query);
    if (!q)
        return NULL;
    for (uint32_t i = 0; i < q->n_cols; i++)
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(q->names[i], q->names[j]) == 0)
                return fe_bind_error(b, QE_BIND, "42701", n->u.create_table.query->pos,
                                     "column \"%s\" specified more than once", q->names[i]);
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_CREATE_TABLE, q, 0);
    if (!p || !(p->u.create_table.table = copy_str(b, name)))
        return NULL;
    p->u.create_table.n_cols = q->n_cols;
    p->u.create_table.col_names = q->names;
    p->u.create_table.col_types = q->types;
    int32_t *tm = rt_arena_calloc(b->arena, (q->n_cols ? q->n_cols : 1) * sizeof *tm);
    if (!tm)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < q->n_cols; i++)
        tm[i] = opt_column_typmod(q, i); /* DECIMAL scales, CHAR(n) of the query's columns */
    p->u.create_table.col_typmods = tm;
    p->u.create_table.if_not_exists = n->u.create_table.if_not_exists;
    return p;
}

/* ---- views -------------------------------------------------------------------------- */

plan_node *fe_bind_create_view(fe_binder *b, const fe_ast *n) {
    const char *name = n->u.create_view.name;
    int pos = n->u.create_view.name_pos;
    rt_view *old = rt_catalog_find_view(b->cat, name, b->arena);
    if (rt_catalog_find(b->cat, name) || (old && !n->u.create_view.or_replace))
        return fe_bind_error(b, QE_BIND, "42P07", pos, "relation \"%s\" already exists", name);
    plan_node *q = fe_bind_query(b, n->u.create_view.query);
    if (!q)
        return NULL;
    const fe_list *cols = &n->u.create_view.col_names;
    if (cols->n > q->n_cols)
        return fe_bind_error(b, QE_SYNTAX, "42601", cols->items[q->n_cols]->pos,
                             "CREATE VIEW specifies more column names than columns");
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_CREATE_VIEW, q, 0);
    char **names = rt_arena_alloc(b->arena, (cols->n ? cols->n : 1) * sizeof *names);
    if (!p || !names)
        return b->failed ? NULL : fe_bind_oom(b);
    for (uint32_t i = 0; i < cols->n; i++)
        names[i] = cols->items[i]->u.column_ref.name;
    for (uint32_t i = 0; i < q->n_cols; i++) {
        const char *ci = i < cols->n ? names[i] : q->names[i];
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(ci, j < cols->n ? names[j] : q->names[j]) == 0)
                return fe_bind_error(b, QE_BIND, "42701", pos,
                                     "column \"%s\" specified more than once", ci);
    }
    if (!(p->u.create_view.name = copy_str(b, name)) ||
        !(p->u.create_view.sql = copy_str(b, n->u.create_view.sql)))
        return NULL;
    p->u.create_view.n_names = cols->n;
    p->u.create_view.col_names = names;
    p->u.create_view.or_replace = n->u.create_view.or_replace;
    return p;
}

plan_node *fe_bind_drop_view(fe_binder *b, const fe_ast *n) {
    const char *name = n->u.drop_table.table;
    if (!rt_catalog_find_view(b->cat, name, b->arena) && !n->u.drop_table.if_exists) {
        if (rt_catalog_find(b->cat, name))
            return fe_bind_error_hint(b, QE_BIND, "42809", n->u.drop_table.table_pos,
                                      "Use DROP TABLE to remove a table.", "\"%s\" is not a view",
                                      name);
        return fe_bind_error(b, QE_BIND, "42P01", n->u.drop_table.table_pos,
                             "view \"%s\" does not exist", name);
    }
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_DROP_VIEW, NULL, 0);
    if (!p || !(p->u.drop_table.table = copy_str(b, name)))
        return NULL;
    p->u.drop_table.if_exists = n->u.drop_table.if_exists;
    return p;
}

fe_item *fe_bind_view_ref(fe_binder *b, const fe_ast *ref, bool *found) {
    rt_view *v = rt_catalog_find_view(b->cat, ref->u.table_ref.name, b->arena);
    *found = v != NULL;
    if (!v)
        return NULL;
    if (b->view_depth >= 64)
        return fe_bind_error(b, QE_BIND, "54001", ref->pos,
                             "CTE and view references are nested too deeply");
    if (++b->n_expansions > 10000)
        return fe_bind_error(b, QE_BIND, "54001", ref->pos,
                             "CTE and view references expand to more than %d queries", 10000);
    fe_ast *q = NULL;
    size_t tail = 0;
    rt_error perr;
    rt_error_clear(&perr);
    if (fe_parse(b->arena, v->sql, strlen(v->sql), &q, &tail, &perr) != QE_OK || !q)
        return fe_bind_error(b, QE_INTERNAL, "XX000", ref->pos,
                             "definition of view \"%s\" does not parse: %s", v->name, perr.message);
    b->view_depth++;
    struct fe_cte *ctes = b->ctes;
    b->ctes = NULL; /* the view sees the catalog, not the query's CTEs */
    struct fe_from *outer = b->outer;
    b->outer = NULL;
    plan_node *p = fe_bind_query(b, q);
    b->outer = outer;
    b->ctes = ctes;
    b->view_depth--;
    if (!p) { /* positions inside the view's text mean nothing here: point at the use */
        if (b->err->position >= 0)
            b->err->position = ref->pos;
        return NULL;
    }
    fe_list names = {0};
    if (v->n_names) {
        fe_ast **items = rt_arena_calloc(b->arena, v->n_names * sizeof *items);
        if (!items)
            return fe_bind_oom(b);
        for (uint32_t i = 0; i < v->n_names; i++) {
            if (!(items[i] = rt_arena_calloc(b->arena, sizeof **items)))
                return fe_bind_oom(b);
            items[i]->kind = FE_AST_COLUMN_REF;
            items[i]->u.column_ref.name = v->names[i];
        }
        names = (fe_list){v->n_names, items};
    }
    const char *alias = ref->u.table_ref.alias ? ref->u.table_ref.alias : v->name;
    if (v->n_names && ref->u.table_ref.col_aliases.n) {
        for (uint32_t i = 0; i < ref->u.table_ref.col_aliases.n && i < v->n_names; i++)
            names.items[i] = ref->u.table_ref.col_aliases.items[i];
        return fe_plan_item(b, p, alias, &names, ref->pos);
    }
    return fe_plan_item(b, p, alias, v->n_names ? &names : &ref->u.table_ref.col_aliases, ref->pos);
}

/* ---- DELETE / UPDATE ---------------------------------------------------------------- */

/* The target table as the only FROM item; its Get reads every column. */
static rt_table *bind_dml_target(fe_binder *b, const fe_ast *n) {
    rt_table *t = fe_find_table(b, n->u.dml.table);
    if (!t)
        return b->failed ? NULL
                         : fe_bind_error(b, QE_BIND, "42P01", n->u.dml.table_pos,
                                         "relation \"%s\" does not exist", n->u.dml.table);
    b->outer = NULL;
    if (!(b->scope.from = fe_from_create(b)))
        return NULL;
    const char *alias = n->u.dml.alias ? n->u.dml.alias : t->name;
    if (fe_add_range(b, alias, t->n_cols, t->col_names, t->col_types, n->u.dml.table_pos) ==
        UINT32_MAX)
        return NULL;
    fe_item *it = rt_arena_calloc(b->arena, sizeof *it);
    if (!it)
        return fe_bind_oom(b);
    it->kind = FE_ITEM_TABLE;
    it->table = t->name;
    it->width = t->n_cols;
    it->range1 = 1;
    b->scope.from->root = it;
    for (uint32_t c = 0; c < t->n_cols; c++)
        b->scope.from->used[c] = true;
    return t;
}

/* Filter(WHERE) over the Get of every column. */
static plan_node *dml_rows(fe_binder *b, const fe_ast *n) {
    plan_expr *where = NULL;
    b->mode = FE_BIND_BASE;
    b->clause = "WHERE";
    if (n->u.dml.where && !(where = fe_bind_condition(b, n->u.dml.where, "WHERE")))
        return NULL;
    plan_node *get = fe_build_from(b, b->scope.from);
    if (!get || !where)
        return get;
    plan_node *f = fe_plan_node(b, PLAN_LOGICAL_FILTER, get, get->n_cols);
    if (!f)
        return NULL;
    memcpy(f->types, get->types, get->n_cols * sizeof *f->types);
    memcpy(f->names, get->names, get->n_cols * sizeof *f->names);
    f->u.filter.pred = where;
    return f;
}

/* SET col = expr: table column indexes and assignment-cast values. */
static bool bind_assignments(fe_binder *b, const fe_ast *n, const rt_table *t, plan_node *p) {
    const fe_list *cols = &n->u.dml.set_cols, *exprs = &n->u.dml.set_exprs;
    uint32_t *idx = rt_arena_alloc(b->arena, (cols->n ? cols->n : 1) * sizeof *idx);
    plan_expr **vals = rt_arena_alloc(b->arena, (cols->n ? cols->n : 1) * sizeof *vals);
    if (!idx || !vals)
        return fe_bind_oom(b), false;
    b->clause = "UPDATE";
    for (uint32_t i = 0; i < cols->n; i++) {
        const fe_ast *c = cols->items[i], *x = exprs->items[i];
        uint32_t k = name_index(t->col_names, t->n_cols, c->u.column_ref.name);
        if (k == UINT32_MAX)
            return fe_bind_error(b, QE_BIND, "42703", c->pos,
                                 "column \"%s\" of relation \"%s\" does not exist",
                                 c->u.column_ref.name, t->name),
                   false;
        for (uint32_t j = 0; j < i; j++)
            if (idx[j] == k)
                return fe_bind_error(b, QE_SYNTAX, "42601", c->pos,
                                     "multiple assignments to same column \"%s\"",
                                     c->u.column_ref.name),
                       false;
        rt_value null = {.type = t->col_types[k], .is_null = true};
        plan_expr *e = x->kind == FE_AST_DEFAULT ? opt_expr_const(b->arena, &null, x->pos)
                                                 : fe_bind_expr(b, x);
        if (!e || !(e = fe_cast_assign_mod(b, x, e, t->col_types[k],
                                           t->col_typmods ? t->col_typmods[k] : 0, t->col_names[k],
                                           x->pos)))
            return b->failed ? false : (fe_bind_oom(b), false);
        idx[i] = k;
        vals[i] = e;
    }
    p->u.dml.n_set = cols->n;
    p->u.dml.set_cols = idx;
    p->u.dml.set_exprs = vals;
    return true;
}

plan_node *fe_bind_dml(fe_binder *b, const fe_ast *n) {
    fe_binder saved = *b;
    struct fe_select_ctx sel = {0};
    b->sel = &sel;
    rt_table *t = bind_dml_target(b, n);
    plan_node *rows = t ? dml_rows(b, n) : NULL;
    plan_node *p =
        rows ? fe_plan_node(b, n->kind == FE_AST_DELETE ? PLAN_LOGICAL_DELETE : PLAN_LOGICAL_UPDATE,
                            rows, 0)
             : NULL;
    bool ok = p && (p->u.dml.table = copy_str(b, t->name)) &&
              (n->kind == FE_AST_DELETE || bind_assignments(b, n, t, p));
    /* assignments were bound over the table columns, which the Get reads in order */
    bool failed = b->failed;
    *b = saved;
    b->failed = failed;
    return ok ? p : NULL;
}

/* ---- COPY --------------------------------------------------------------------------- */

static bool copy_option_known(const char *name) {
    static const char *const known[] = {
        "auto_detect",   "compression",    "dateformat", "delim",       "delimiter",   "encoding",
        "escape",        "force_not_null", "force_null", "force_quote", "format",      "header",
        "ignore_errors", "new_line",       "null",       "quote",       "sample_size", "sep",
        "skip",          "timestampformat"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i], name) == 0)
            return true;
    return false;
}

/* The rows COPY ... TO writes: the table (listed columns) or the query. */
static plan_node *copy_source(fe_binder *b, const fe_ast *n, const rt_table *t) {
    if (n->u.copy.query)
        return fe_bind_query(b, n->u.copy.query);
    if (!n->u.copy.to && !n->u.copy.columns.n)
        return NULL;
    const fe_list *cols = &n->u.copy.columns;
    uint32_t k = cols->n ? cols->n : t->n_cols;
    plan_node *get = fe_plan_node(b, PLAN_LOGICAL_GET, NULL, k);
    uint32_t *idx = get ? rt_arena_alloc(b->arena, (k ? k : 1) * sizeof *idx) : NULL;
    if (!idx || !(get->u.get.table = copy_str(b, t->name)))
        return b->failed ? NULL : fe_bind_oom(b);
    for (uint32_t i = 0; i < k; i++) {
        uint32_t c = i;
        if (cols->n) {
            const fe_ast *x = cols->items[i];
            c = name_index(t->col_names, t->n_cols, x->u.column_ref.name);
            if (c == UINT32_MAX)
                return fe_bind_error(b, QE_BIND, "42703", x->pos,
                                     "column \"%s\" of relation \"%s\" does not exist",
                                     x->u.column_ref.name, t->name);
        }
        idx[i] = c;
        get->types[i] = t->col_types[c];
        get->names[i] = t->col_names[c];
    }
    get->u.get.col_idx = idx;
    return n->u.copy.to ? get : NULL;
}

plan_node *fe_bind_copy(fe_binder *b, const fe_ast *n) {
    rt_table *t = NULL;
    if (n->u.copy.table && !(t = fe_find_table(b, n->u.copy.table)))
        return b->failed ? NULL
                         : fe_bind_error(b, QE_BIND, "42P01", n->u.copy.table_pos,
                                         "relation \"%s\" does not exist", n->u.copy.table);
    for (uint32_t i = 0; i < n->u.copy.n_options; i++)
        if (!copy_option_known(n->u.copy.option_names[i]))
            return fe_bind_error(b, QE_SYNTAX, "42601", n->pos, "option \"%s\" not recognized",
                                 n->u.copy.option_names[i]);
    plan_node *src = copy_source(b, n, t);
    if (b->failed)
        return NULL;
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_COPY, src, 0);
    if (!p || !(p->u.copy.path = copy_str(b, n->u.copy.path)))
        return NULL;
    if (t && !(p->u.copy.table = copy_str(b, t->name)))
        return NULL;
    p->u.copy.to = n->u.copy.to;
    p->u.copy.n_options = n->u.copy.n_options;
    p->u.copy.option_names = n->u.copy.option_names;
    p->u.copy.option_values = n->u.copy.option_values;
    return p;
}

/* ---- SHOW, transactions, CALL ------------------------------------------------------- */

plan_node *fe_bind_show(fe_binder *b, const fe_ast *n) {
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_SHOW, NULL, 1);
    if (!p || !(p->u.set.name = copy_str(b, n->u.show.name)))
        return NULL;
    p->types[0] = QE_TYPE_VARCHAR;
    p->names[0] = p->u.set.name;
    return p;
}

plan_node *fe_bind_transaction(fe_binder *b, const fe_ast *n) {
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_TRANSACTION, NULL, 0);
    if (p)
        p->u.transaction.kind = n->u.transaction.kind;
    return p;
}

/* CALL name(args): constant arguments; name = value arguments keep the value. */
plan_node *fe_bind_call(fe_binder *b, const fe_ast *n) {
    const fe_ast *f = n->u.call.func;
    const fe_list *args = &f->u.func.args;
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_CALL, NULL, 0);
    plan_expr **vals = p ? rt_arena_alloc(b->arena, (args->n ? args->n : 1) * sizeof *vals) : NULL;
    if (!vals || !(p->u.call.name = copy_str(b, f->u.func.name)))
        return b->failed ? NULL : fe_bind_oom(b);
    fe_scope scope = b->scope;
    b->scope = (fe_scope){0};
    b->mode = FE_BIND_BASE;
    b->clause = "CALL";
    for (uint32_t i = 0; i < args->n; i++) {
        const fe_ast *a = args->items[i];
        if (a->kind == FE_AST_BINARY && a->u.binary.op == PLAN_OP_EQ &&
            a->u.binary.left->kind == FE_AST_COLUMN_REF)
            a = a->u.binary.right; /* name = value */
        if (!(vals[i] = fe_resolve_null(b, fe_bind_expr(b, a))))
            break;
    }
    b->scope = scope;
    if (b->failed)
        return NULL;
    p->u.call.n_args = args->n;
    p->u.call.args = vals;
    return p;
}
