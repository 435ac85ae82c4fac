/*
 * bind_tablefunc.c -- table functions in FROM (read_csv) and the CSV side of COPY.
 *
 * A table function call `name(args)` binds to a TABLE_FUNCTION leaf whose output
 * schema is decided here: read_csv sniffs the file (rt_csv_sniff) unless options fix
 * the dialect; range/generate_series compute their row count.  Arguments are constant expressions:
 * the first positional one is the path, the others are `name = value`.  COPY t FROM 'file' binds to
 * an INSERT-like COPY node over a Project (every table column, NULL for unlisted ones) over a
 * TABLE_FUNCTION reading the listed columns with the table's types; COPY ... TO keeps
 * its query as child and the dialect in u.copy.csv.
 */
#include "bind_scope.h"
#include "opt.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A bound constant argument as text (VARCHAR bytes, else its formatted value);
 * NULL on error (recorded). */
static char *const_text(fe_binder *b, const fe_ast *a) {
    fe_scope scope = b->scope;
    fe_bind_mode mode = b->mode;
    const char *clause = b->clause;
    b->scope = (fe_scope){0};
    b->mode = FE_BIND_BASE;
    b->clause = "table function arguments";
    plan_expr *e = fe_resolve_null(b, fe_bind_expr(b, a));
    b->scope = scope;
    b->mode = mode;
    b->clause = clause;
    rt_value v;
    if (!e || rt_eval_const(b->arena, e, &v, b->err) != QE_OK) {
        b->failed = true;
        return NULL;
    }
    if (v.is_null)
        return fe_bind_error(b, QE_BIND, "22023", a->pos, "table function argument is NULL");
    if (v.type == QE_TYPE_VARCHAR) {
        char *s = rt_arena_strndup(b->arena, v.u.s.ptr, v.u.s.len);
        return s ? s : fe_bind_oom(b);
    }
    char buf[128];
    rt_value_format(&v, buf, sizeof buf);
    char *s = rt_arena_strdup(b->arena, buf);
    return s ? s : fe_bind_oom(b);
}

/* Applies one option; a failure is recorded at pos. */
static bool set_option(fe_binder *b, plan_csv *csv, const char *name, const char *value,
                       uint32_t *given, int pos) {
    if (rt_csv_set_option(csv, b->arena, name, value, given, b->err) == QE_OK)
        return true;
    b->err->position = pos;
    b->failed = true;
    return false;
}

/* A CSV description with the defaults for path. */
static plan_csv *new_csv(fe_binder *b, const char *path) {
    plan_csv *csv = rt_arena_calloc(b->arena, sizeof *csv);
    if (!csv || !(csv->path = rt_arena_strdup(b->arena, path)))
        return fe_bind_oom(b);
    rt_csv_defaults(csv);
    return csv;
}

/* read_csv('path', name = value, ...): the file's dialect and the arguments given. */
static plan_csv *read_csv_args(fe_binder *b, const fe_ast *f, uint32_t *given) {
    const fe_list *args = &f->u.func.args;
    if (args->n == 0 ||
        (args->items[0]->kind == FE_AST_BINARY && args->items[0]->u.binary.op == PLAN_OP_EQ &&
         args->items[0]->u.binary.left->kind == FE_AST_COLUMN_REF))
        return fe_bind_error(b, QE_BIND, "42883", f->pos,
                             "function %s needs the file name as its first argument",
                             f->u.func.name);
    char *path = const_text(b, args->items[0]);
    plan_csv *csv = path ? new_csv(b, path) : NULL;
    for (uint32_t i = 1; csv && i < args->n; i++) {
        const fe_ast *a = args->items[i];
        if (a->kind != FE_AST_BINARY || a->u.binary.op != PLAN_OP_EQ ||
            a->u.binary.left->kind != FE_AST_COLUMN_REF)
            return fe_bind_error(b, QE_BIND, "42883", a->pos,
                                 "function %s takes one positional argument (the file name)",
                                 f->u.func.name);
        char *value = const_text(b, a->u.binary.right);
        if (!value ||
            !set_option(b, csv, a->u.binary.left->u.column_ref.name, value, given, a->pos))
            return NULL;
    }
    return csv;
}

static plan_node *bind_read_csv(fe_binder *b, const fe_ast *f) {
    uint32_t given = 0, n = 0;
    plan_csv *csv = read_csv_args(b, f, &given);
    char **names = NULL;
    qe_type *types = NULL;
    if (!csv)
        return NULL;
    if (csv->quote && csv->delim == csv->quote)
        return fe_bind_error(b, QE_BIND, "22023", f->pos,
                             "read_csv delimiter and quote must be different");
    if (rt_csv_sniff(csv, given, b->arena, &n, &names, &types, b->err) != QE_OK) {
        b->failed = true;
        return NULL;
    }
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_TABLE_FUNCTION, NULL, n);
    if (!p || !(p->u.table_func.name = rt_arena_strdup(b->arena, "read_csv")))
        return b->failed ? NULL : fe_bind_oom(b);
    memcpy(p->types, types, n * sizeof *types);
    memcpy(p->names, names, n * sizeof *names);
    csv->col_names = names;
    p->u.table_func.csv = csv;
    return p;
}

/* A constant BIGINT argument of range/generate_series; false on error (recorded). */
static bool int_arg(fe_binder *b, const fe_ast *a, int64_t *out) {
    fe_scope scope = b->scope;
    fe_bind_mode mode = b->mode;
    const char *clause = b->clause;
    b->scope = (fe_scope){0};
    b->mode = FE_BIND_BASE;
    b->clause = "table function arguments";
    plan_expr *e = fe_resolve_null(b, fe_bind_expr(b, a));
    b->scope = scope;
    b->mode = mode;
    b->clause = clause;
    if (!e)
        return false;
    if (e->type != QE_TYPE_BIGINT && e->type != QE_TYPE_NULL) {
        if (!rt_type_is_integer(e->type))
            return fe_bind_error(b, QE_BIND, "42883", a->pos,
                                 "table function arguments must be integers, not %s",
                                 rt_type_pg_name(e->type)),
                   false;
        if (!(e = opt_expr_cast(b->arena, e, QE_TYPE_BIGINT, a->pos)))
            return fe_bind_oom(b), false;
    }
    rt_value v;
    if (rt_eval_const(b->arena, e, &v, b->err) != QE_OK)
        return b->failed = true, false;
    if (v.is_null)
        return fe_bind_error(b, QE_BIND, "22004", a->pos, "table function argument is NULL"), false;
    *out = v.u.i;
    return true;
}

/* range([start,] stop [, step]) (stop excluded) and generate_series(start, stop [, step])
 * (stop included): one BIGINT column named after the function. */
static plan_node *bind_range(fe_binder *b, const fe_ast *f, bool inclusive) {
    const fe_list *args = &f->u.func.args;
    int64_t v[3] = {0, 0, 1};
    if (args->n < 1 || args->n > 3)
        return fe_bind_error(b, QE_BIND, "42883", f->pos,
                             "function %s takes one to three integer arguments", f->u.func.name);
    uint32_t first = args->n == 1 ? 1 : 0;
    for (uint32_t i = 0; i < args->n; i++)
        if (!int_arg(b, args->items[i], &v[first + i]))
            return NULL;
    if (v[2] == 0)
        return fe_bind_error(b, QE_BIND, "22023", f->pos, "step size cannot equal zero");
    __int128 span = (__int128)v[1] - v[0] + (inclusive ? (v[2] > 0 ? 1 : -1) : 0);
    __int128 n =
        (span > 0) == (v[2] > 0) && span != 0 ? (span + v[2] - (v[2] > 0 ? 1 : -1)) / v[2] : 0;
    plan_node *p = fe_plan_node(b, PLAN_LOGICAL_TABLE_FUNCTION, NULL, 1);
    if (!p || !(p->u.table_func.name = rt_arena_strdup(b->arena, f->u.func.name)))
        return b->failed ? NULL : fe_bind_oom(b);
    p->types[0] = QE_TYPE_BIGINT;
    p->names[0] = p->u.table_func.name;
    p->u.table_func.range = (plan_range){.start = v[0], .step = v[2], .count = (uint64_t)n};
    return p;
}

fe_item *fe_bind_table_func(fe_binder *b, const fe_ast *ref) {
    const fe_ast *f = ref->u.table_ref.func;
    const char *name = f->u.func.name;
    plan_node *p = NULL;
    if (strcmp(name, "read_csv") == 0 || strcmp(name, "read_csv_auto") == 0)
        p = bind_read_csv(b, f);
    else if (strcmp(name, "range") == 0 || strcmp(name, "generate_series") == 0)
        p = bind_range(b, f, name[0] == 'g');
    else
        return fe_bind_error(b, QE_BIND, "42883", ref->pos, "table function %s does not exist",
                             name);
    if (!p)
        return NULL;
    const char *alias = ref->u.table_ref.alias ? ref->u.table_ref.alias : name;
    return fe_plan_item(b, p, alias, &ref->u.table_ref.col_aliases, ref->pos);
}

/* ---- COPY ------------------------------------------------------------------------------ */

plan_csv *fe_bind_copy_csv(fe_binder *b, const fe_ast *n, const char *table) {
    const char *path = n->u.copy.path;
    if (strcasecmp(path, "stdin") == 0 || strcasecmp(path, "stdout") == 0)
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", n->pos, "COPY %s is not supported",
                             n->u.copy.to ? "TO STDOUT" : "FROM STDIN");
    plan_csv *csv = new_csv(b, path);
    uint32_t given = 0;
    for (uint32_t i = 0; csv && i < n->u.copy.n_options; i++)
        if (!set_option(b, csv, n->u.copy.option_names[i], n->u.copy.option_values[i], &given,
                        n->pos))
            return NULL;
    if (csv && csv->quote && csv->delim == csv->quote)
        return fe_bind_error(b, QE_BIND, "22023", n->pos,
                             "COPY delimiter and quote must be different");
    if (csv && table) {
        size_t len = strlen(table) + 6;
        if (!(csv->context = rt_arena_alloc(b->arena, len)))
            return fe_bind_oom(b);
        snprintf(csv->context, len, "COPY %s", table);
    }
    return csv;
}

plan_node *fe_bind_copy_from(fe_binder *b, const rt_table *t, const uint32_t *cols, uint32_t k,
                             plan_csv *csv) {
    plan_node *scan = fe_plan_node(b, PLAN_LOGICAL_TABLE_FUNCTION, NULL, k);
    plan_node *p = scan ? fe_plan_node(b, PLAN_LOGICAL_PROJECT, scan, t->n_cols) : NULL;
    plan_expr **exprs =
        p ? rt_arena_alloc(b->arena, (t->n_cols ? t->n_cols : 1) * sizeof *exprs) : NULL;
    if (!exprs || !(scan->u.table_func.name = rt_arena_strdup(b->arena, "read_csv")))
        return b->failed ? NULL : fe_bind_oom(b);
    for (uint32_t i = 0; i < k; i++) {
        scan->types[i] = t->col_types[cols[i]];
        scan->names[i] = t->col_names[cols[i]];
    }
    csv->col_names = scan->names;
    scan->u.table_func.csv = csv;
    if (t->col_typmods) {
        if (!(scan->typmods = rt_arena_alloc(b->arena, (k ? k : 1) * sizeof(int32_t))))
            return fe_bind_oom(b);
        for (uint32_t i = 0; i < k; i++)
            scan->typmods[i] = t->col_typmods[cols[i]];
        p->typmods = t->col_typmods;
        csv->col_typmods = scan->typmods;
    }
    for (uint32_t j = 0; j < t->n_cols; j++) {
        uint32_t i = 0;
        while (i < k && cols[i] != j)
            i++;
        rt_value null = {.type = t->col_types[j], .is_null = true};
        exprs[j] = i < k ? opt_expr_column(b->arena, i, t->col_types[j])
                         : opt_expr_const(b->arena, &null, -1);
        if (!exprs[j])
            return fe_bind_oom(b);
        p->types[j] = t->col_types[j];
        p->names[j] = t->col_names[j];
    }
    p->u.project.exprs = exprs;
    return p;
}
