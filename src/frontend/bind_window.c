/*
 * bind_window.c -- window function calls (f(...) OVER (...), named WINDOW clauses) and
 * grouping(...) over grouping sets.
 *
 * Window functions are evaluated after aggregation (and HAVING), before QUALIFY and the
 * select list: each call is collected into the SELECT's context (fe_select_ctx) and
 * bound as a placeholder column FE_WINDOW_BASE + i, renumbered once the Window node's
 * input width is known (bind_select.c).  Their arguments, PARTITION BY and ORDER BY are
 * bound like select-list expressions (so `rank() OVER (ORDER BY sum(x))` refers to the
 * aggregate).  Function names and result types come from the function catalog
 * (plan_funcs.h): WINDOW entries and aggregates used as window functions.
 */
#include "bind_scope.h"

#include "opt.h"
#include "plan_funcs.h"

#include <string.h>

/* ---- aggregates hidden in window specifications ------------------------------------ */

bool fe_window_contains_aggregate(const fe_ast *spec) {
    if (!spec)
        return false;
    for (uint32_t i = 0; i < spec->u.window_spec.partition.n; i++)
        if (fe_contains_aggregate(spec->u.window_spec.partition.items[i]))
            return true;
    for (uint32_t i = 0; i < spec->u.window_spec.order.n; i++)
        if (fe_contains_aggregate(spec->u.window_spec.order.items[i]->u.sort_item.expr))
            return true;
    return false;
}

/* ---- window specifications ---------------------------------------------------------- */

/* The effective specification: OVER (w ...) / OVER w merged with WINDOW w AS (...). */
static bool resolve_spec(fe_binder *b, const fe_ast *over, fe_ast *out) {
    *out = *over;
    if (!over->u.window_spec.ref)
        return true;
    const fe_list *windows = b->sel ? b->sel->windows : NULL;
    const fe_ast *base = NULL;
    for (uint32_t i = 0; windows && i < windows->n && !base; i++)
        if (strcmp(windows->items[i]->u.window_spec.name, over->u.window_spec.ref) == 0)
            base = windows->items[i];
    if (!base)
        return fe_bind_error(b, QE_BIND, "42704", over->u.window_spec.ref_pos,
                             "window \"%s\" does not exist", over->u.window_spec.ref),
               false;
    if (over->u.window_spec.partition.n)
        return fe_bind_error(b, QE_BIND, "42P20", over->pos,
                             "cannot override PARTITION BY clause of window \"%s\"",
                             over->u.window_spec.ref),
               false;
    if (over->u.window_spec.order.n && base->u.window_spec.order.n)
        return fe_bind_error(b, QE_BIND, "42P20", over->pos,
                             "cannot override ORDER BY clause of window \"%s\"",
                             over->u.window_spec.ref),
               false;
    if (base->u.window_spec.has_frame)
        return fe_bind_error(b, QE_BIND, "42P20", over->pos,
                             "cannot copy window \"%s\" because it has a frame clause",
                             over->u.window_spec.ref),
               false;
    out->u.window_spec.partition = base->u.window_spec.partition;
    if (!over->u.window_spec.order.n)
        out->u.window_spec.order = base->u.window_spec.order;
    return true;
}

/* A frame offset: a constant expression (no columns). */
static plan_expr *bind_offset(fe_binder *b, const fe_ast *ast) {
    if (!ast)
        return NULL;
    fe_scope scope = b->scope;
    fe_bind_mode mode = b->mode;
    b->scope = (fe_scope){0};
    b->mode = FE_BIND_BASE;
    plan_expr *e = fe_resolve_null(b, fe_bind_expr(b, ast));
    b->scope = scope;
    b->mode = mode;
    return e;
}

static bool bind_frame(fe_binder *b, const fe_ast *spec, plan_window_func *w) {
    plan_frame *f = &w->frame;
    f->rows = spec->u.window_spec.has_frame && spec->u.window_spec.rows;
    f->start = spec->u.window_spec.start;
    f->end = spec->u.window_spec.end;
    int pos = spec->u.window_spec.frame_pos;
    if (f->start == PLAN_FRAME_UNBOUNDED_FOLLOWING)
        return fe_bind_error(b, QE_BIND, "42P20", pos, "frame start cannot be UNBOUNDED FOLLOWING"),
               false;
    if (f->end == PLAN_FRAME_UNBOUNDED_PRECEDING)
        return fe_bind_error(b, QE_BIND, "42P20", pos, "frame end cannot be UNBOUNDED PRECEDING"),
               false;
    if (f->start > f->end && !(f->start == PLAN_FRAME_FOLLOWING && f->end == PLAN_FRAME_FOLLOWING))
        return fe_bind_error(b, QE_BIND, "42P20", pos, "frame starting from %s cannot end with %s",
                             f->start == PLAN_FRAME_CURRENT_ROW ? "current row" : "following row",
                             f->end == PLAN_FRAME_CURRENT_ROW ? "current row" : "preceding row"),
               false;
    bool offsets = spec->u.window_spec.start_offset || spec->u.window_spec.end_offset;
    if (!f->rows && offsets && w->n_order != 1)
        return fe_bind_error(b, QE_BIND, "42P20", pos,
                             "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER "
                             "BY column"),
               false;
    if (spec->u.window_spec.start_offset &&
        !(f->start_offset = bind_offset(b, spec->u.window_spec.start_offset)))
        return false;
    if (spec->u.window_spec.end_offset &&
        !(f->end_offset = bind_offset(b, spec->u.window_spec.end_offset)))
        return false;
    return true;
}

static bool bind_partition_order(fe_binder *b, const fe_ast *spec, plan_window_func *w) {
    const fe_list *part = &spec->u.window_spec.partition, *order = &spec->u.window_spec.order;
    w->partition = rt_arena_alloc(b->arena, (part->n ? part->n : 1) * sizeof *w->partition);
    w->order = rt_arena_calloc(b->arena, (order->n ? order->n : 1) * sizeof *w->order);
    if (!w->partition || !w->order)
        return fe_bind_oom(b), false;
    for (uint32_t i = 0; i < part->n; i++)
        if (!(w->partition[w->n_partition++] = fe_resolve_null(b, fe_bind_expr(b, part->items[i]))))
            return false;
    for (uint32_t i = 0; i < order->n; i++) {
        const fe_ast *it = order->items[i];
        plan_sort_key *k = &w->order[w->n_order++];
        if (!(k->expr = fe_resolve_null(b, fe_bind_expr(b, it->u.sort_item.expr))))
            return false;
        k->descending = it->u.sort_item.descending;
        k->nulls_first = it->u.sort_item.nulls_given ? it->u.sort_item.nulls_first : k->descending;
    }
    return true;
}

/* ---- the call ----------------------------------------------------------------------- */

/* Arguments and result type of the function (catalog WINDOW or AGGREGATE entry). */
static bool bind_window_args(fe_binder *b, const fe_ast *e, plan_window_func *w) {
    const fe_list *l = &e->u.func.args;
    if (e->u.func.star) {
        if (strcmp(e->u.func.name, "count") != 0)
            return fe_bind_error(b, QE_BIND, "42883", e->pos, "function %s(*) does not exist",
                                 e->u.func.name),
                   false;
        w->name = "count_star";
        w->type = QE_TYPE_BIGINT;
        return true;
    }
    int fn = plan_func_lookup(e->u.func.name);
    if (fn < 0)
        return fe_bind_error_hint(b, QE_BIND, "42883", e->pos,
                                  "No function matches the given name and argument types. You "
                                  "might need to add explicit type casts.",
                                  "function %s does not exist", e->u.func.name),
               false;
    if (plan_func_kind_of((uint32_t)fn) == PLAN_FUNC_SCALAR)
        return fe_bind_error(b, QE_BIND, "42809", e->pos,
                             "OVER specified, but %s is not a window function nor an aggregate "
                             "function",
                             e->u.func.name),
               false;
    w->args = rt_arena_alloc(b->arena, (l->n ? l->n : 1) * sizeof *w->args);
    if (!w->args)
        return fe_bind_oom(b), false;
    for (uint32_t i = 0; i < l->n; i++)
        if (!(w->args[i] = fe_bind_expr(b, l->items[i])))
            return false;
    w->n_args = l->n;
    w->name = e->u.func.name;
    return fe_func_resolve(b, (uint32_t)fn, (const fe_ast *const *)l->items, w->args, l->n, e->pos,
                           &w->type, &w->typmod);
}

static bool exprs_equal(plan_expr *const *a, plan_expr *const *b, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (!opt_expr_equal(a[i], b[i]))
            return false;
    return true;
}

/* Same function, arguments, partition, order and frame: computed once. */
static bool window_equal(const plan_window_func *a, const plan_window_func *b) {
    if (strcmp(a->name, b->name) != 0 || a->type != b->type || a->n_args != b->n_args ||
        a->typmod != b->typmod || a->n_partition != b->n_partition || a->n_order != b->n_order ||
        a->frame.rows != b->frame.rows || a->frame.start != b->frame.start ||
        a->frame.end != b->frame.end ||
        !opt_expr_equal(a->frame.start_offset, b->frame.start_offset) ||
        !opt_expr_equal(a->frame.end_offset, b->frame.end_offset) ||
        !exprs_equal(a->args, b->args, a->n_args) ||
        !exprs_equal(a->partition, b->partition, a->n_partition))
        return false;
    for (uint32_t i = 0; i < a->n_order; i++)
        if (!opt_expr_equal(a->order[i].expr, b->order[i].expr) ||
            a->order[i].descending != b->order[i].descending ||
            a->order[i].nulls_first != b->order[i].nulls_first)
            return false;
    return true;
}

/* Index of the window function in the SELECT (appended if new); UINT32_MAX on
 * out-of-memory. */
static uint32_t add_window_func(fe_binder *b, const plan_window_func *w, char *name) {
    struct fe_select_ctx *sel = b->sel;
    for (uint32_t i = 0; i < sel->n_funcs; i++)
        if (window_equal(&sel->funcs[i], w))
            return i;
    if (sel->n_funcs == sel->funcs_cap) {
        uint32_t cap = sel->funcs_cap ? sel->funcs_cap * 2 : 4;
        plan_window_func *f = rt_arena_alloc(b->arena, cap * sizeof *f);
        char **names = rt_arena_alloc(b->arena, cap * sizeof *names);
        if (!f || !names)
            return UINT32_MAX;
        if (sel->n_funcs) {
            memcpy(f, sel->funcs, sel->n_funcs * sizeof *f);
            memcpy(names, sel->func_names, sel->n_funcs * sizeof *names);
        }
        sel->funcs = f;
        sel->func_names = names;
        sel->funcs_cap = cap;
    }
    sel->funcs[sel->n_funcs] = *w;
    sel->func_names[sel->n_funcs] = name;
    return sel->n_funcs++;
}

/* Where window functions are not allowed: 42P20 (42803 inside aggregates). */
static bool window_allowed(fe_binder *b, const fe_ast *e) {
    struct fe_select_ctx *sel = b->sel;
    if (b->in_agg_arg)
        return fe_bind_error(b, QE_BIND, "42803", e->pos,
                             "aggregate function calls cannot contain window function calls"),
               false;
    if (sel && sel->win_clause && strcmp(sel->win_clause, "window function arguments") == 0)
        return fe_bind_error(b, QE_BIND, "42P20", e->pos, "window function calls cannot be nested"),
               false;
    if (!sel || sel->win_clause || !b->scope.from)
        return fe_bind_error(b, QE_BIND, "42P20", e->pos, "window functions are not allowed in %s",
                             sel && sel->win_clause ? sel->win_clause
                             : b->clause            ? b->clause
                                                    : "this context"),
               false;
    if (e->u.func.distinct)
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", e->u.func.distinct_pos,
                             "DISTINCT is not implemented for window functions"),
               false;
    if (e->u.func.filter)
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", e->u.func.filter_pos,
                             "FILTER is not implemented for window functions yet"),
               false;
    return true;
}

plan_expr *fe_bind_window_call(fe_binder *b, const fe_ast *e) {
    if (!window_allowed(b, e))
        return NULL;
    struct fe_select_ctx *sel = b->sel;
    /* bind_grouped's trial binding in BASE mode after aggregation: type only */
    bool probe = sel->has_agg && sel->post_agg && b->mode == FE_BIND_BASE;
    fe_ast spec;
    plan_window_func w = {0};
    const char *win_clause = sel->win_clause;
    sel->win_clause = "window function arguments"; /* no nesting */
    bool ok = resolve_spec(b, e->u.func.over, &spec) && bind_window_args(b, e, &w) &&
              bind_partition_order(b, &spec, &w) && bind_frame(b, &spec, &w);
    sel->win_clause = win_clause;
    if (!ok)
        return NULL;
    uint32_t idx =
        probe ? UINT32_MAX - FE_WINDOW_BASE - 1 : add_window_func(b, &w, e->u.func.display);
    if (idx == UINT32_MAX)
        return fe_bind_oom(b);
    plan_expr *c = opt_expr_column(b->arena, FE_WINDOW_BASE + idx, w.type);
    if (!c)
        return fe_bind_oom(b);
    c->position = e->pos;
    c->typmod = w.typmod; /* a DECIMAL result's scale */
    return c;
}

/* ---- grouping() --------------------------------------------------------------------- */

plan_expr *fe_bind_grouping(fe_binder *b, const fe_ast *e) {
    struct fe_select_ctx *sel = b->sel;
    const fe_list *args = &e->u.func.args;
    if (!sel || !sel->post_agg || b->mode != FE_BIND_AGG)
        return fe_bind_error(b, QE_BIND, "42803", e->pos,
                             "grouping operations are not allowed in %s",
                             b->clause ? b->clause : "this context");
    if (e->u.func.star || args->n == 0 || args->n > 31)
        return fe_bind_error(b, QE_SYNTAX, "42601", e->pos,
                             "GROUPING must have between 1 and 31 arguments");
    uint32_t *groups = rt_arena_alloc(b->arena, args->n * sizeof *groups);
    if (!groups)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < args->n; i++) {
        b->mode = FE_BIND_BASE;
        plan_expr *a = fe_bind_expr(b, args->items[i]);
        b->mode = FE_BIND_AGG;
        if (!a)
            return NULL;
        uint32_t g = 0;
        while (g < b->n_groups && !opt_expr_equal(b->groups[g], a))
            g++;
        if (g == b->n_groups)
            return fe_bind_error(b, QE_BIND, "42803", args->items[i]->pos,
                                 "arguments to GROUPING must be grouping expressions of the "
                                 "associated query level");
        groups[i] = g;
    }
    if (!sel->n_sets) { /* plain GROUP BY: every expression is grouped */
        rt_value zero = {.type = QE_TYPE_INTEGER};
        plan_expr *z = opt_expr_const(b->arena, &zero, e->pos);
        return z ? z : fe_bind_oom(b);
    }
    plan_expr *x = rt_arena_calloc(b->arena, sizeof *x);
    if (!x)
        return fe_bind_oom(b);
    x->kind = PLAN_EXPR_GROUPING;
    x->type = QE_TYPE_INTEGER;
    x->position = e->pos;
    x->u.grouping.column = FE_GROUPING_ID_COLUMN;
    x->u.grouping.n_args = args->n;
    x->u.grouping.groups = groups;
    return x;
}
