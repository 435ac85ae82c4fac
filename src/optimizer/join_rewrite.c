/*
 * join_rewrite.c -- predicate pushdown, equi-join extraction and join ordering
 * (opt_rewrite_joins, called by opt_optimize).
 *
 * One top-down walk carries a list of conjuncts (over the current node's output
 * columns) that must hold above the node, and places each as low as it can:
 *   Filter: its conjuncts join the list (conjuncts with subqueries stay where they are);
 *   Project, Order: conjuncts go through (Project: column references replaced by the
 *     projected expressions);
 *   Aggregate: conjuncts over group columns only go below (group expressions
 *     substituted), the rest stay above;
 *   outer joins: first simplified when a conjunct above rejects the NULLs of the
 *     null-supplying side (LEFT/RIGHT -> INNER, FULL -> LEFT/RIGHT/INNER); then
 *     conjuncts over the preserved side go into it, the rest stay above;
 *     ON conjuncts over the null-supplying side alone go into that side only (never
 *     into the preserved side); FULL joins keep everything;
 *   SEMI/ANTI: first, when estimated to keep less than half its rows, moved onto the
 *     input of the inner join / Filter / SEMI / ANTI below it whose columns its
 *     condition reads (sink_semi); then conjuncts go into the left input; ON conjuncts
 *     over the right input alone go into it (MARK keeps its ON condition whole: NULLs
 *     matter for the mark);
 *   a tree of INNER/CROSS joins is flattened into its inputs (leaves) and conjuncts
 *     (the list plus every ON condition): conjuncts over one leaf go into it, the
 *     others become join conditions, with the key equalities they imply added
 *     (key_classes); the leaves are joined in the cheapest order found by dynamic
 *     programming over connected subsets (dp_order, up to MAX_DP_LEAVES leaves), else
 *     greedily (GOO): repeatedly the connected pair of components with the smallest
 *     estimated result (a cross product only when no conjunct connects any pair); the
 *     smaller input on the right (the build side of the hash join).  A Project
 *     restores the original column order on top.
 * Anything else stops the walk: the list becomes a Filter above it.
 *
 * Estimates (estimate.c): rows and distinct values from the catalog's column
 * statistics; a pair of components joins into |a| * |b| * selectivity of the conjuncts
 * connecting them (an equi-join key: 1/max(ndv), the ndv of a column at most its
 * component's rows).
 */
#include "opt.h"

#include <string.h>

#define MAX_LEAVES 64

typedef struct rw {
    rt_arena *arena;
    rt_catalog *cat; /* may be NULL: default estimates */
    bool oom;
} rw;

/* A growable list of conjuncts. */
typedef struct conj_list {
    uint32_t n;
    uint32_t cap;
    plan_expr **items;
} conj_list;

static bool list_add(rw *w, conj_list *l, plan_expr *e) {
    if (!opt_expr_list_push(w->arena, &l->items, &l->n, &l->cap, e))
        return w->oom = true, false;
    return true;
}

static bool list_add_conjuncts(rw *w, conj_list *l, plan_expr *e);

static bool is_op(const plan_expr *e, plan_op_kind op) {
    return e->kind == PLAN_EXPR_OP && e->u.op.op == op;
}

/* True if conjunct c is one of the conjuncts of e. */
static bool has_conjunct(const plan_expr *e, const plan_expr *c) {
    if (is_op(e, PLAN_OP_AND))
        return has_conjunct(e->u.op.args[0], c) || has_conjunct(e->u.op.args[1], c);
    return opt_expr_equal(e, c);
}

/* True if conjunct c is a conjunct of every disjunct of e. */
static bool in_every_disjunct(const plan_expr *e, const plan_expr *c) {
    if (is_op(e, PLAN_OP_OR))
        return in_every_disjunct(e->u.op.args[0], c) && in_every_disjunct(e->u.op.args[1], c);
    return has_conjunct(e, c);
}

/* The first disjunct of an OR tree. */
static const plan_expr *first_disjunct(const plan_expr *e) {
    while (is_op(e, PLAN_OP_OR))
        e = e->u.op.args[0];
    return e;
}

typedef struct factor_ctx {
    rw *w;
    const plan_expr *or_expr;
    conj_list *l;
    bool ok;
} factor_ctx;

/* Adds the conjuncts of the first disjunct that every disjunct has. */
static void add_common(factor_ctx *f, const plan_expr *c) {
    if (is_op(c, PLAN_OP_AND)) {
        add_common(f, c->u.op.args[0]);
        add_common(f, c->u.op.args[1]);
    } else if (f->ok && in_every_disjunct(f->or_expr, c)) {
        f->ok = list_add(f->w, f->l, (plan_expr *)c);
    }
}

/* The AND tree e without its conjuncts equal to one of common[0..n); NULL when none is
 * left (TRUE) or on out-of-memory (w->oom). */
static plan_expr *strip_conjuncts(rw *w, plan_expr *e, plan_expr *const *common, uint32_t n) {
    if (is_op(e, PLAN_OP_AND)) {
        plan_expr *a = strip_conjuncts(w, e->u.op.args[0], common, n);
        plan_expr *b = w->oom ? NULL : strip_conjuncts(w, e->u.op.args[1], common, n);
        if (w->oom || a == NULL || b == NULL)
            return a ? a : b;
        if (a == e->u.op.args[0] && b == e->u.op.args[1])
            return e;
        plan_expr *and = opt_expr_op(w->arena, PLAN_OP_AND, QE_TYPE_BOOLEAN, a, b, -1);
        return and ? and : (w->oom = true, NULL);
    }
    for (uint32_t i = 0; i < n; i++)
        if (opt_expr_equal(e, common[i]))
            return NULL;
    return e;
}

/* The OR tree e with common[0..n) stripped from every disjunct; NULL with *implied set
 * when a disjunct had nothing else (the OR is then TRUE wherever the common conjuncts
 * are), NULL with w->oom on out-of-memory. */
static plan_expr *strip_disjuncts(rw *w, plan_expr *e, plan_expr *const *common, uint32_t n,
                                  bool *implied) {
    if (!is_op(e, PLAN_OP_OR)) {
        plan_expr *s = strip_conjuncts(w, e, common, n);
        if (s == NULL && !w->oom)
            *implied = true;
        return s;
    }
    plan_expr *a = strip_disjuncts(w, e->u.op.args[0], common, n, implied);
    if (a == NULL)
        return NULL;
    plan_expr *b = strip_disjuncts(w, e->u.op.args[1], common, n, implied);
    if (b == NULL)
        return NULL;
    if (a == e->u.op.args[0] && b == e->u.op.args[1])
        return e;
    plan_expr *or = opt_expr_op(w->arena, PLAN_OP_OR, QE_TYPE_BOOLEAN, a, b, e->position);
    return or ? or : (w->oom = true, NULL);
}

/* (a AND b) OR (a AND c) -> a, b OR c (AND and OR distribute over each other in SQL's
 * three-valued logic); (a AND b) OR a -> a. */
static bool add_or(rw *w, conj_list *l, plan_expr *e) {
    uint32_t n0 = l->n;
    factor_ctx f = {w, e, l, true};
    add_common(&f, first_disjunct(e));
    if (!f.ok)
        return false;
    bool implied = false;
    plan_expr *rest = l->n > n0 ? strip_disjuncts(w, e, l->items + n0, l->n - n0, &implied) : e;
    if (w->oom)
        return false;
    return implied || list_add(w, l, rest);
}

/* Adds the conjuncts of e (split at AND; an OR adds the conjuncts common to all its
 * disjuncts too, so `(p = l AND x) OR (p = l AND y)` gives the join key p = l). */
static bool list_add_conjuncts(rw *w, conj_list *l, plan_expr *e) {
    if (is_op(e, PLAN_OP_AND))
        return list_add_conjuncts(w, l, e->u.op.args[0]) &&
               list_add_conjuncts(w, l, e->u.op.args[1]);
    if (is_op(e, PLAN_OP_OR))
        return add_or(w, l, e);
    return list_add(w, l, e);
}

/* AND of the list (NULL if empty). */
static plan_expr *list_and(rw *w, const conj_list *l) {
    plan_expr *e = NULL;
    for (uint32_t i = 0; i < l->n; i++) {
        e = e ? opt_expr_op(w->arena, PLAN_OP_AND, QE_TYPE_BOOLEAN, e, l->items[i], -1)
              : l->items[i];
        if (!e)
            return w->oom = true, NULL;
    }
    return e;
}

/* ---- expression helpers -------------------------------------------------------------- */

/* Column range and opacity of an expression. */
typedef struct cols_info {
    uint32_t min, max; /* column range (min > max: no columns) */
    bool opaque;       /* subquery, outer column, grouping: never moved */
} cols_info;

static bool info_visit(const plan_expr *e, void *ctx) {
    cols_info *c = ctx;
    if (e->kind == PLAN_EXPR_COLUMN) {
        if (e->u.column < c->min)
            c->min = e->u.column;
        if (e->u.column > c->max || c->max == UINT32_MAX)
            c->max = e->u.column;
    } else if (e->kind == PLAN_EXPR_SUBQUERY || e->kind == PLAN_EXPR_OUTER_COLUMN ||
               e->kind == PLAN_EXPR_GROUPING || e->kind == PLAN_EXPR_PARAM) {
        c->opaque = true;
    }
    return true;
}

static cols_info expr_info(const plan_expr *e) {
    cols_info c = {.min = UINT32_MAX, .max = UINT32_MAX};
    opt_expr_walk(e, info_visit, &c);
    return c;
}

static bool has_cols(cols_info c) { return c.min != UINT32_MAX; }

/* A copy of e with COLUMN c replaced by map[c] (map_exprs NULL) or by a copy of
 * map_exprs[c]; NULL on out-of-memory. */
static plan_expr *subst(rw *w, const plan_expr *e, const uint32_t *map, plan_expr **map_exprs) {
    if (e->kind == PLAN_EXPR_COLUMN && map_exprs)
        return map_exprs[e->u.column];
    plan_expr *c = rt_arena_alloc(w->arena, sizeof *c);
    if (!c)
        return w->oom = true, NULL;
    *c = *e;
    switch (e->kind) {
    case PLAN_EXPR_COLUMN: c->u.column = map[e->u.column]; break;
    case PLAN_EXPR_OP:
        for (int i = 0; i < 2; i++)
            if (e->u.op.args[i] && !(c->u.op.args[i] = subst(w, e->u.op.args[i], map, map_exprs)))
                return NULL;
        break;
    case PLAN_EXPR_CAST:
        if (!(c->u.cast = subst(w, e->u.cast, map, map_exprs)))
            return NULL;
        break;
    case PLAN_EXPR_FUNC:
        c->u.func.args = rt_arena_alloc(w->arena, (e->u.func.n_args + 1) * sizeof(plan_expr *));
        if (!c->u.func.args)
            return w->oom = true, NULL;
        for (uint32_t i = 0; i < e->u.func.n_args; i++)
            if (!(c->u.func.args[i] = subst(w, e->u.func.args[i], map, map_exprs)))
                return NULL;
        break;
    case PLAN_EXPR_CASE: {
        uint32_t n = e->u.case_.n_whens;
        c->u.case_.whens = rt_arena_alloc(w->arena, n * sizeof(plan_expr *));
        c->u.case_.thens = rt_arena_alloc(w->arena, n * sizeof(plan_expr *));
        if (!c->u.case_.whens || !c->u.case_.thens)
            return w->oom = true, NULL;
        for (uint32_t i = 0; i < n; i++)
            if (!(c->u.case_.whens[i] = subst(w, e->u.case_.whens[i], map, map_exprs)) ||
                !(c->u.case_.thens[i] = subst(w, e->u.case_.thens[i], map, map_exprs)))
                return NULL;
        if (!(c->u.case_.else_expr = subst(w, e->u.case_.else_expr, map, map_exprs)))
            return NULL;
        break;
    }
    default: break;
    }
    return c;
}

/* e with every column shifted down by `by` (columns >= by). */
static plan_expr *shift_cols(rw *w, const plan_expr *e, uint32_t by, uint32_t n_cols) {
    if (by == 0)
        return (plan_expr *)e;
    uint32_t *map = rt_arena_alloc(w->arena, (by + n_cols + 1) * sizeof *map);
    if (!map)
        return w->oom = true, NULL;
    for (uint32_t c = 0; c < by + n_cols; c++)
        map[c] = c >= by ? c - by : 0;
    return subst(w, e, map, NULL);
}

/* ---- nodes --------------------------------------------------------------------------- */

static plan_node *copy_node(rw *w, const plan_node *n) {
    plan_node *c = rt_arena_alloc(w->arena, sizeof *c);
    if (!c)
        return w->oom = true, NULL;
    *c = *n;
    return c;
}

/* A Filter of the list's conjuncts over child (child itself when the list is empty). */
static plan_node *make_filter(rw *w, plan_node *child, const conj_list *l) {
    if (!child || l->n == 0)
        return child;
    plan_node *f = rt_arena_calloc(w->arena, sizeof *f);
    if (!f)
        return w->oom = true, NULL;
    f->kind = PLAN_LOGICAL_FILTER;
    f->n_cols = child->n_cols;
    f->types = child->types;
    f->names = child->names;
    f->typmods = child->typmods;
    f->child = child;
    f->u.filter.pred = list_and(w, l);
    return f->u.filter.pred ? f : NULL;
}

static plan_node *push(rw *w, const plan_node *n, conj_list *preds);

/* Recurses into the inputs of n with no conjuncts and puts preds above it. */
static plan_node *stop(rw *w, const plan_node *n, conj_list *preds) {
    plan_node *c = copy_node(w, n);
    conj_list none = {0};
    if (!c)
        return NULL;
    if (n->child && !(c->child = push(w, n->child, &none)))
        return NULL;
    if (n->right && !(c->right = push(w, n->right, &none)))
        return NULL;
    return make_filter(w, c, preds);
}

static plan_node *push_filter(rw *w, const plan_node *n, conj_list *preds) {
    conj_list mine = {0}, kept = {0};
    if (!list_add_conjuncts(w, &mine, n->u.filter.pred))
        return NULL;
    for (uint32_t i = 0; i < mine.n; i++)
        if (!list_add(w, expr_info(mine.items[i]).opaque ? &kept : preds, mine.items[i]))
            return NULL;
    plan_node *c = push(w, n->child, preds);
    return kept.n ? make_filter(w, c, &kept) : c;
}

static plan_node *push_project(rw *w, const plan_node *n, conj_list *preds) {
    conj_list down = {0}, kept = {0};
    for (uint32_t i = 0; i < preds->n; i++) {
        plan_expr *e = preds->items[i];
        cols_info ci = expr_info(e);
        bool ok = true;
        for (uint32_t c = ci.min; has_cols(ci) && c <= ci.max && ok; c++)
            ok = !expr_info(n->u.project.exprs[c]).opaque;
        plan_expr *s = ok ? subst(w, e, NULL, n->u.project.exprs) : NULL;
        if (w->oom || !list_add(w, s ? &down : &kept, s ? s : e))
            return NULL;
    }
    plan_node *c = copy_node(w, n);
    if (!c || !(c->child = push(w, n->child, &down)))
        return NULL;
    return make_filter(w, c, &kept);
}

static plan_node *push_aggregate(rw *w, const plan_node *n, conj_list *preds) {
    if (n->u.aggregate.n_sets)
        return stop(w, n, preds);
    conj_list down = {0}, kept = {0};
    uint32_t ng = n->u.aggregate.n_groups;
    for (uint32_t i = 0; i < preds->n; i++) {
        plan_expr *e = preds->items[i];
        cols_info ci = expr_info(e);
        bool ok = has_cols(ci) && ci.max < ng;
        for (uint32_t c = 0; ok && c < ng; c++)
            ok = !expr_info(n->u.aggregate.groups[c]).opaque;
        plan_expr *s = ok ? subst(w, e, NULL, n->u.aggregate.groups) : NULL;
        if (w->oom || !list_add(w, s ? &down : &kept, s ? s : e))
            return NULL;
    }
    plan_node *c = copy_node(w, n);
    if (!c || !(c->child = push(w, n->child, &down)))
        return NULL;
    return make_filter(w, c, &kept);
}

/* Sorts conjuncts of a join: to the left input, the right input (shifted), or kept. */
static bool route(rw *w, plan_expr *e, uint32_t nl, uint32_t nr, bool to_left, bool to_right,
                  conj_list *left, conj_list *right, conj_list *kept) {
    cols_info ci = expr_info(e);
    if (!ci.opaque && has_cols(ci) && ci.max < nl && to_left)
        return list_add(w, left, e);
    if (!ci.opaque && has_cols(ci) && ci.min >= nl && to_right) {
        plan_expr *s = shift_cols(w, e, nl, nr);
        return s && list_add(w, right, s);
    }
    return list_add(w, kept, e);
}

/* True if e is NULL whenever a column in [lo, hi) it depends on is NULL (strictly). */
static bool strict_ref(const plan_expr *e, uint32_t lo, uint32_t hi) {
    switch (e->kind) {
    case PLAN_EXPR_COLUMN: return e->u.column >= lo && e->u.column < hi;
    case PLAN_EXPR_CAST: return strict_ref(e->u.cast, lo, hi);
    case PLAN_EXPR_OP:
        switch (e->u.op.op) {
        case PLAN_OP_AND:
        case PLAN_OP_OR:
        case PLAN_OP_NOT:
        case PLAN_OP_IS_NULL:
        case PLAN_OP_IS_NOT_NULL: return false;
        default:
            return strict_ref(e->u.op.args[0], lo, hi) ||
                   (e->u.op.args[1] && strict_ref(e->u.op.args[1], lo, hi));
        }
    default: return false;
    }
}

/* True if conjunct e cannot be TRUE when the columns [lo, hi) are all NULL. */
static bool null_rejecting(const plan_expr *e, uint32_t lo, uint32_t hi) {
    if (e->kind != PLAN_EXPR_OP)
        return false;
    switch (e->u.op.op) {
    case PLAN_OP_EQ:
    case PLAN_OP_NE:
    case PLAN_OP_LT:
    case PLAN_OP_LE:
    case PLAN_OP_GT:
    case PLAN_OP_GE:
        return strict_ref(e->u.op.args[0], lo, hi) || strict_ref(e->u.op.args[1], lo, hi);
    case PLAN_OP_IS_NOT_NULL: return strict_ref(e->u.op.args[0], lo, hi);
    default: return false;
    }
}

/* Outer-join simplification: a conjunct above the join that rejects NULLs of the
 * null-supplying side turns LEFT/RIGHT into INNER, FULL into LEFT/RIGHT/INNER. */
static plan_join_kind simplify_outer(const plan_node *n, const conj_list *preds) {
    plan_join_kind k = n->u.join.kind;
    if (k != PLAN_JOIN_LEFT && k != PLAN_JOIN_RIGHT && k != PLAN_JOIN_FULL)
        return k;
    uint32_t nl = n->child->n_cols, nt = nl + n->right->n_cols;
    bool rej_left = false, rej_right = false;
    for (uint32_t i = 0; i < preds->n; i++) {
        if (expr_info(preds->items[i]).opaque)
            continue;
        rej_left = rej_left || null_rejecting(preds->items[i], 0, nl);
        rej_right = rej_right || null_rejecting(preds->items[i], nl, nt);
    }
    /* unmatched left rows carry NULL right columns, and the other way round */
    bool keep_left = k != PLAN_JOIN_RIGHT && !rej_right;
    bool keep_right = k != PLAN_JOIN_LEFT && !rej_left;
    return keep_left && keep_right ? PLAN_JOIN_FULL
           : keep_left             ? PLAN_JOIN_LEFT
           : keep_right            ? PLAN_JOIN_RIGHT
                                   : PLAN_JOIN_INNER;
}

static plan_node *push_inner(rw *w, const plan_node *n, conj_list *preds);

/* True for an INNER or CROSS join. */
static bool is_inner(const plan_node *n) {
    return n->kind == PLAN_LOGICAL_JOIN &&
           (n->u.join.kind == PLAN_JOIN_INNER || n->u.join.kind == PLAN_JOIN_CROSS);
}

/* ---- semi/anti joins sunk into inner joins ------------------------------------------- */

/* The range of left-input columns (< nl) an expression reads. */
typedef struct left_cols {
    uint32_t nl;       /* the join's left columns: [0, nl) */
    uint32_t min, max; /* min > max: none */
    bool opaque;       /* subquery, outer column, ...: never moved */
} left_cols;

static bool left_visit(const plan_expr *e, void *ctx) {
    left_cols *c = ctx;
    if (e->kind == PLAN_EXPR_COLUMN && e->u.column < c->nl) {
        c->min = e->u.column < c->min ? e->u.column : c->min;
        c->max = c->max == UINT32_MAX || e->u.column > c->max ? e->u.column : c->max;
    } else if (e->kind == PLAN_EXPR_SUBQUERY || e->kind == PLAN_EXPR_OUTER_COLUMN ||
               e->kind == PLAN_EXPR_GROUPING || e->kind == PLAN_EXPR_PARAM) {
        c->opaque = true;
    }
    return true;
}

/* cond of a semi join over a left input of nl columns renumbered for a left input of
 * sub_n columns starting at left column `off` (right columns follow the left ones). */
static plan_expr *renumber_semi(rw *w, const plan_expr *cond, uint32_t nl, uint32_t nr,
                                uint32_t off, uint32_t sub_n) {
    uint32_t *map = rt_arena_alloc(w->arena, (nl + nr + 1) * sizeof *map);
    if (!map)
        return w->oom = true, NULL;
    for (uint32_t c = 0; c < nl + nr; c++)
        map[c] = c < nl ? (c >= off && c < off + sub_n ? c - off : 0) : c - nl + sub_n;
    return subst(w, cond, map, NULL);
}

/*
 * A SEMI/ANTI join whose condition reads left columns of one input of the inner join
 * (or Filter) below it, moved onto that input: SEMI(A x B, R) = SEMI(A, R) x B when the
 * condition reads only A's columns (whether a left row qualifies depends on its own
 * columns only, and an inner join keeps each row's pairs as they are).  Repeated as
 * deep as it goes, so the semi join filters its base relation before the other joins
 * (TPC-H Q18's IN subquery on orders).  Returns n itself when it cannot move.
 */
static plan_node *sink_semi(rw *w, const plan_node *n) {
    const plan_node *l = n->child;
    uint32_t nl = l->n_cols, nr = n->right->n_cols;
    if (!n->u.join.cond || (n->u.join.kind != PLAN_JOIN_SEMI && n->u.join.kind != PLAN_JOIN_ANTI))
        return (plan_node *)n;
    left_cols lc = {.nl = nl, .min = UINT32_MAX, .max = UINT32_MAX};
    opt_expr_walk(n->u.join.cond, left_visit, &lc);
    if (lc.opaque || lc.min == UINT32_MAX)
        return (plan_node *)n;
    const plan_node *into; /* the input of l the semi join moves onto */
    uint32_t off = 0;
    if (l->kind == PLAN_LOGICAL_FILTER ||
        (l->kind == PLAN_LOGICAL_JOIN &&
         (l->u.join.kind == PLAN_JOIN_SEMI || l->u.join.kind == PLAN_JOIN_ANTI))) {
        into = l->child;
    } else if (is_inner(l) && lc.max < l->child->n_cols) {
        into = l->child;
    } else if (is_inner(l) && lc.min >= l->child->n_cols) {
        into = l->right;
        off = l->child->n_cols;
    } else {
        return (plan_node *)n;
    }
    plan_node *s = copy_node(w, n), *top = copy_node(w, l);
    if (!s || !top)
        return NULL;
    s->child = (plan_node *)into;
    s->n_cols = into->n_cols;
    s->types = into->types;
    s->names = into->names;
    s->typmods = into->typmods;
    if (!(s->u.join.cond = renumber_semi(w, n->u.join.cond, nl, nr, off, into->n_cols)))
        return NULL;
    plan_node *moved = s;
    if (!(s = sink_semi(w, s)))
        return NULL;
    if (s == moved && l->kind == PLAN_LOGICAL_JOIN && !is_inner(l))
        return (plan_node *)n; /* only worth passing a SEMI/ANTI join to go below more */
    if (into == l->right)
        top->right = s;
    else
        top->child = s;
    return top;
}

/* True if SEMI/ANTI join n is estimated to keep less than half its left rows: then
 * it is worth sinking onto its base relation (otherwise it stays where it is: after
 * the inner joins, it probes fewer rows). */
static bool selective_semi(rw *w, const plan_node *n) {
    if (n->u.join.kind != PLAN_JOIN_SEMI && n->u.join.kind != PLAN_JOIN_ANTI)
        return false;
    return opt_est_rows(w->cat, n) < 0.5 * opt_est_rows(w->cat, n->child);
}

/* Outer, semi, anti and mark joins. */
static plan_node *push_other_join(rw *w, const plan_node *n, conj_list *preds) {
    plan_node *sunk = selective_semi(w, n) ? sink_semi(w, n) : (plan_node *)n;
    if (sunk != n)
        return sunk ? push(w, sunk, preds) : NULL;
    plan_join_kind simple = simplify_outer(n, preds);
    if (simple != n->u.join.kind) {
        plan_node *c = copy_node(w, n);
        if (!c)
            return NULL;
        c->u.join.kind = simple;
        return simple == PLAN_JOIN_INNER ? push_inner(w, c, preds) : push_other_join(w, c, preds);
    }
    plan_join_kind k = n->u.join.kind;
    uint32_t nl = n->child->n_cols, nr = n->right->n_cols;
    conj_list left = {0}, right = {0}, above = {0}, cond = {0}, on = {0};
    bool semi = k == PLAN_JOIN_SEMI || k == PLAN_JOIN_ANTI;
    bool left_outer = k == PLAN_JOIN_LEFT || k == PLAN_JOIN_SINGLE; /* SINGLE: a LEFT join */
    for (uint32_t i = 0; i < preds->n; i++)
        if (!route(w, preds->items[i], nl, nr, left_outer || semi || k == PLAN_JOIN_MARK,
                   k == PLAN_JOIN_RIGHT, &left, &right, &above))
            return NULL;
    if (n->u.join.cond && !list_add_conjuncts(w, &on, n->u.join.cond))
        return NULL;
    for (uint32_t i = 0; i < on.n; i++)
        if (!route(w, on.items[i], nl, nr, k == PLAN_JOIN_RIGHT, left_outer || semi, &left, &right,
                   &cond))
            return NULL;
    plan_node *c = copy_node(w, n);
    if (!c || !(c->child = push(w, n->child, &left)) || !(c->right = push(w, n->right, &right)))
        return NULL;
    c->u.join.cond = list_and(w, &cond);
    if (w->oom)
        return NULL;
    return make_filter(w, c, &above);
}

/* ---- inner join trees ---------------------------------------------------------------- */

/* A flattened tree of inner joins. */
typedef struct join_graph {
    uint32_t n_leaves;
    const plan_node *leaves[MAX_LEAVES];
    uint32_t offsets[MAX_LEAVES];  /* first column of each leaf in the tree's output */
    plan_node *pushed[MAX_LEAVES]; /* each leaf with its own conjuncts pushed in */
    uint32_t n_cols;               /* the tree's output columns */
    conj_list conds;               /* every conjunct, over the tree's output */
    int32_t *class_of;             /* per conjunct: its key equivalence class, or -1 */
    uint32_t n_classes;            /* key equivalence classes */
} join_graph;

static uint32_t count_leaves(const plan_node *n) {
    return is_inner(n) ? count_leaves(n->child) + count_leaves(n->right) : 1;
}

/* Collects leaves and ON conditions (shifted to the tree's numbering). */
static bool flatten(rw *w, const plan_node *n, join_graph *g, uint32_t offset) {
    if (!is_inner(n)) {
        g->offsets[g->n_leaves] = offset;
        g->leaves[g->n_leaves++] = n;
        return true;
    }
    if (!flatten(w, n->child, g, offset) || !flatten(w, n->right, g, offset + n->child->n_cols))
        return false;
    if (!n->u.join.cond)
        return true;
    plan_expr *cond = n->u.join.cond;
    if (offset) {
        uint32_t *map = rt_arena_alloc(w->arena, (n->n_cols + 1) * sizeof *map);
        if (!map)
            return w->oom = true, false;
        for (uint32_t c = 0; c < n->n_cols; c++)
            map[c] = c + offset;
        if (!(cond = subst(w, cond, map, NULL)))
            return false;
    }
    return list_add_conjuncts(w, &g->conds, cond);
}

/* The leaf holding tree column c. */
static uint32_t leaf_of(const join_graph *g, uint32_t c) {
    uint32_t l = 0;
    while (l + 1 < g->n_leaves && g->offsets[l + 1] <= c)
        l++;
    return l;
}

typedef struct leaf_mask_ctx {
    const join_graph *g;
    uint64_t mask;
} leaf_mask_ctx;

static bool mask_visit(const plan_expr *e, void *ctx) {
    leaf_mask_ctx *m = ctx;
    if (e->kind == PLAN_EXPR_COLUMN)
        m->mask |= 1ull << leaf_of(m->g, e->u.column);
    return true;
}

static uint64_t leaf_mask(const join_graph *g, const plan_expr *e) {
    leaf_mask_ctx m = {g, 0};
    opt_expr_walk(e, mask_visit, &m);
    return m.mask;
}

/* The part of OR tree e that leaf l alone decides: the OR over e's disjuncts of the
 * AND of each disjunct's conjuncts over leaf l's columns only; NULL if some disjunct
 * has none (nothing is implied for l) or on out-of-memory (w->oom). */
static plan_expr *leaf_part(rw *w, const join_graph *g, plan_expr *e, uint32_t l) {
    if (is_op(e, PLAN_OP_OR)) {
        plan_expr *a = leaf_part(w, g, e->u.op.args[0], l);
        plan_expr *b = a ? leaf_part(w, g, e->u.op.args[1], l) : NULL;
        if (b == NULL)
            return NULL;
        plan_expr *or = opt_expr_op(w->arena, PLAN_OP_OR, QE_TYPE_BOOLEAN, a, b, -1);
        return or ? or : (w->oom = true, NULL);
    }
    if (is_op(e, PLAN_OP_AND)) {
        plan_expr *a = leaf_part(w, g, e->u.op.args[0], l);
        plan_expr *b = w->oom ? NULL : leaf_part(w, g, e->u.op.args[1], l);
        if (w->oom || a == NULL || b == NULL)
            return a ? a : b;
        plan_expr *and = opt_expr_op(w->arena, PLAN_OP_AND, QE_TYPE_BOOLEAN, a, b, -1);
        return and ? and : (w->oom = true, NULL);
    }
    return !expr_info(e).opaque && leaf_mask(g, e) == 1ull << l ? e : NULL;
}

/* For every OR conjunct over several leaves, adds what it implies for each of those
 * leaves alone (leaf_part), so that the leaf is filtered before the joins; the OR stays.
 * TPC-H Q19: part gets (p_brand = 'Brand#12' AND p_container IN (...) AND p_size <= 5)
 * OR ..., lineitem the OR of the l_quantity ranges; Q7: each nation gets n_name IN
 * ('FRANCE', 'GERMANY'). */
static bool add_leaf_ors(rw *w, join_graph *g) {
    uint32_t n = g->conds.n;
    for (uint32_t i = 0; i < n; i++) {
        plan_expr *e = g->conds.items[i];
        if (!is_op(e, PLAN_OP_OR) || expr_info(e).opaque)
            continue;
        uint64_t mask = leaf_mask(g, e);
        if (__builtin_popcountll(mask) < 2)
            continue;
        for (uint32_t l = 0; l < g->n_leaves; l++) {
            if (!((mask >> l) & 1))
                continue;
            plan_expr *part = leaf_part(w, g, e, l);
            if (w->oom || (part != NULL && !list_add(w, &g->conds, part)))
                return false;
        }
    }
    return true;
}

/* A component of the greedy join: a plan and where the tree's columns are in it. */
typedef struct component {
    plan_node *node;
    double rows;
    uint64_t mask; /* leaves joined in */
    uint32_t *pos; /* per tree column: its column in node (UINT32_MAX: not here) */
} component;

/* Concatenated schema arrays of a join of a and b. */
static bool join_schema(rw *w, plan_node *j, const plan_node *a, const plan_node *b) {
    uint32_t n = a->n_cols + b->n_cols;
    j->n_cols = n;
    j->types = rt_arena_alloc(w->arena, (n + 1) * sizeof *j->types);
    j->names = rt_arena_alloc(w->arena, (n + 1) * sizeof *j->names);
    j->typmods = rt_arena_calloc(w->arena, (n + 1) * sizeof *j->typmods);
    if (!j->types || !j->names || !j->typmods)
        return w->oom = true, false;
    for (uint32_t c = 0; c < n; c++) {
        const plan_node *s = c < a->n_cols ? a : b;
        uint32_t sc = c < a->n_cols ? c : c - a->n_cols;
        j->types[c] = s->types[sc];
        j->names[c] = s->names ? s->names[sc] : NULL;
        j->typmods[c] = s->typmods ? s->typmods[sc] : 0;
    }
    return true;
}

/* Joins components a (left) and b (right, build) with the conjuncts they now cover. */
static bool join_components(rw *w, join_graph *g, uint64_t *cmask, bool *used, component *a,
                            component *b, double rows) {
    plan_node *j = rt_arena_calloc(w->arena, sizeof *j);
    uint32_t *pos = rt_arena_alloc(w->arena, (g->n_cols + 1) * sizeof *pos);
    if (!j || !pos)
        return w->oom = true, false;
    j->kind = PLAN_LOGICAL_JOIN;
    j->child = a->node;
    j->right = b->node;
    if (!join_schema(w, j, a->node, b->node))
        return false;
    for (uint32_t c = 0; c < g->n_cols; c++)
        pos[c] = a->pos[c] != UINT32_MAX   ? a->pos[c]
                 : b->pos[c] != UINT32_MAX ? a->node->n_cols + b->pos[c]
                                           : UINT32_MAX;
    uint64_t m = a->mask | b->mask;
    conj_list cond = {0};
    bool *class_done = rt_arena_calloc(w->arena, g->n_classes + 1);
    if (!class_done)
        return w->oom = true, false;
    for (uint32_t i = 0; i < g->conds.n; i++) {
        if (used[i] || (cmask[i] & ~m) || (cmask[i] & a->mask) == cmask[i] ||
            (cmask[i] & b->mask) == cmask[i])
            continue;
        int32_t k = g->class_of ? g->class_of[i] : -1;
        if (k >= 0 && class_done[k]) { /* implied: a and b each hold their members equal */
            used[i] = true;
            continue;
        }
        if (k >= 0)
            class_done[k] = true;
        plan_expr *e = subst(w, g->conds.items[i], pos, NULL);
        if (!e || !list_add(w, &cond, e))
            return false;
        used[i] = true;
    }
    j->u.join.kind = cond.n ? PLAN_JOIN_INNER : PLAN_JOIN_CROSS;
    if (cond.n && !(j->u.join.cond = list_and(w, &cond)))
        return false;
    a->node = j;
    a->rows = rows;
    a->mask = m;
    a->pos = pos;
    return true;
}

/* Where pair_rows finds the ndv of a tree column: the pushed leaf holding it, at most
 * the rows of the component holding it. */
typedef struct pair_ctx {
    rw *w;
    const join_graph *g;
    const component *a, *b;
} pair_ctx;

static double pair_ndv(void *ctx, uint32_t col) {
    pair_ctx *p = ctx;
    uint32_t l = leaf_of(p->g, col);
    double d = opt_est_ndv(p->w->cat, p->g->pushed[l], col - p->g->offsets[l]);
    double cap = (p->a->mask >> l) & 1 ? p->a->rows : p->b->rows;
    return d > cap ? cap : d;
}

/* The estimated rows of joining a and b (|a| * |b| * selectivity of the conjuncts that
 * connect them, opt_est_join_sel); *connected: some conjunct links them. */
static double pair_rows(rw *w, const join_graph *g, const uint64_t *cmask, const bool *used,
                        const component *a, const component *b, bool *connected) {
    const plan_expr *conds[64];
    uint32_t n = 0;
    uint64_t m = a->mask | b->mask;
    *connected = false;
    for (uint32_t i = 0; i < g->conds.n; i++) {
        if (used[i] || (cmask[i] & ~m) || (cmask[i] & a->mask) == cmask[i] ||
            (cmask[i] & b->mask) == cmask[i])
            continue;
        *connected = true;
        if (n < 64)
            conds[n++] = g->conds.items[i];
    }
    pair_ctx p = {w, g, a, b};
    double smaller = a->rows < b->rows ? a->rows : b->rows; /* a key without statistics:
                                                               one of the smaller input */
    double r = a->rows * b->rows * opt_est_join_sel(conds, n, pair_ndv, &p, 1 / smaller);
    return r < 1 ? 1 : r;
}

/* Greedy join of the components (GOO); the result is comps[0]. */
static bool greedy(rw *w, join_graph *g, component *comps, uint32_t n, uint64_t *cmask,
                   bool *used) {
    while (n > 1) {
        uint32_t bi = 0, bj = 1;
        double best = -1;
        bool best_conn = false;
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = i + 1; j < n; j++) {
                bool conn;
                double r = pair_rows(w, g, cmask, used, &comps[i], &comps[j], &conn);
                if (best < 0 || (conn && !best_conn) || (conn == best_conn && r < best)) {
                    best = r;
                    best_conn = conn;
                    bi = i;
                    bj = j;
                }
            }
        component a = comps[bi], b = comps[bj];
        if (b.rows > a.rows) { /* the smaller input is the build (right) side */
            component t = a;
            a = b;
            b = t;
        }
        if (!join_components(w, g, cmask, used, &a, &b, best))
            return false;
        comps[bi] = a; /* bi < bj: the last component fills bj's slot */
        comps[bj] = comps[--n];
    }
    return true;
}

/* ---- key equivalence classes ------------------------------------------------------- */

#define MAX_CLASS_MEMBERS 8 /* larger classes derive nothing (pairs grow quadratically) */

static uint32_t uf_find(uint32_t *parent, uint32_t c) {
    while (parent[c] != c)
        c = parent[c] = parent[parent[c]];
    return c;
}

/* True if e is `column = column` over two columns of the same type and typmod. */
static bool plain_eq(const plan_expr *e) {
    if (!is_op(e, PLAN_OP_EQ))
        return false;
    const plan_expr *a = e->u.op.args[0], *b = e->u.op.args[1];
    return a->kind == PLAN_EXPR_COLUMN && b->kind == PLAN_EXPR_COLUMN && a->type == b->type &&
           a->typmod == b->typmod && a->u.column != b->u.column;
}

/* True if the conjuncts already hold p = q (either way round). */
static bool has_eq(const join_graph *g, uint32_t p, uint32_t q) {
    for (uint32_t i = 0; i < g->conds.n; i++) {
        const plan_expr *e = g->conds.items[i];
        if (plain_eq(e) && ((e->u.op.args[0]->u.column == p && e->u.op.args[1]->u.column == q) ||
                            (e->u.op.args[0]->u.column == q && e->u.op.args[1]->u.column == p)))
            return true;
    }
    return false;
}

/* Adds p = q for the class members p < q (in different leaves) no conjunct equates. */
static bool derive_pairs(rw *w, join_graph *g, const uint32_t *members, uint32_t n,
                         const plan_expr *like) {
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++) {
            if (has_eq(g, members[i], members[j]))
                continue;
            plan_expr *a = opt_expr_column(w->arena, members[i], like->type);
            plan_expr *b = opt_expr_column(w->arena, members[j], like->type);
            plan_expr *e =
                a && b ? opt_expr_op(w->arena, PLAN_OP_EQ, QE_TYPE_BOOLEAN, a, b, -1) : NULL;
            if (!e)
                return w->oom = true, false;
            a->typmod = b->typmod = like->typmod;
            if (!list_add(w, &g->conds, e))
                return false;
        }
    return true;
}

/*
 * Key equivalence classes: the columns `column = column` conjuncts make equal.  A class
 * with at most one column per leaf (and at most MAX_CLASS_MEMBERS) gets the implied
 * conjuncts it lacks (a = b AND b = c: a = c), so the join order may join any two of
 * its leaves (TPC-H Q5: customer with nation through c_nationkey = s_nationkey =
 * n_nationkey), and its conjuncts are numbered in class_of: inside a component all its
 * members are then equal, so one conjunct per class joins two components.
 */
static bool key_classes(rw *w, join_graph *g) {
    uint32_t nc = g->conds.n;
    uint32_t *parent = rt_arena_alloc(w->arena, (g->n_cols + 1) * sizeof *parent);
    uint32_t *members = rt_arena_alloc(w->arena, (g->n_cols + 1) * sizeof *members);
    int32_t *id = rt_arena_alloc(w->arena, (g->n_cols + 1) * sizeof *id);
    const plan_expr **like = rt_arena_calloc(w->arena, (g->n_cols + 1) * sizeof *like);
    if (!parent || !members || !id || !like)
        return w->oom = true, false;
    for (uint32_t c = 0; c < g->n_cols; c++)
        parent[c] = c, id[c] = -1;
    for (uint32_t i = 0; i < nc; i++)
        if (plain_eq(g->conds.items[i])) {
            const plan_expr *e = g->conds.items[i];
            uint32_t a = uf_find(parent, e->u.op.args[0]->u.column);
            uint32_t b = uf_find(parent, e->u.op.args[1]->u.column);
            parent[a] = b;
            like[b] = like[a] ? like[a] : e->u.op.args[0];
        }
    for (uint32_t r = 0; r < g->n_cols; r++) {
        if (uf_find(parent, r) != r || !like[r])
            continue;
        uint32_t n = 0;
        uint64_t seen = 0;
        bool ok = true;
        for (uint32_t c = 0; c < g->n_cols && ok; c++) {
            if (uf_find(parent, c) != r)
                continue;
            uint64_t bit = 1ull << leaf_of(g, c);
            ok = !(seen & bit) && n < MAX_CLASS_MEMBERS;
            seen |= bit;
            members[n++] = c;
        }
        if (!ok)
            continue;
        id[r] = (int32_t)g->n_classes++;
        if (!derive_pairs(w, g, members, n, like[r]))
            return false;
    }
    if (!(g->class_of = rt_arena_alloc(w->arena, (g->conds.n + 1) * sizeof *g->class_of)))
        return w->oom = true, false;
    for (uint32_t i = 0; i < g->conds.n; i++) {
        const plan_expr *e = g->conds.items[i];
        g->class_of[i] = plain_eq(e) ? id[uf_find(parent, e->u.op.args[0]->u.column)] : -1;
    }
    return true;
}

/* ---- join order by dynamic programming ------------------------------------------------ */

#define MAX_DP_LEAVES 10 /* more leaves: the greedy order */

/* Best plans of the subsets of the leaves. */
typedef struct dp_table {
    double *rows;   /* per subset: estimated rows (< 0: not estimated yet) */
    double *cost;   /* per subset: cost of its best plan (< 0: none, not connected) */
    uint32_t *left; /* per subset: one side of its best plan's top join */
} dp_table;

/* True if some conjunct not yet placed joins the leaf sets a and b. */
static bool sets_connected(const join_graph *g, const uint64_t *cmask, const bool *used, uint64_t a,
                           uint64_t b) {
    for (uint32_t i = 0; i < g->conds.n; i++)
        if (!used[i] && !(cmask[i] & ~(a | b)) && (cmask[i] & a) && (cmask[i] & b))
            return true;
    return false;
}

/* Fills the table for subset s from its splits into two connected subsets with plans:
 * cost = the inputs' costs + the join's rows + the smaller input's rows (the hash
 * table built). */
static void dp_subset(rw *w, join_graph *g, const uint64_t *cmask, const bool *used, dp_table *t,
                      uint32_t s) {
    uint32_t low = s & -s;
    t->cost[s] = -1;
    for (uint32_t a = (s - 1) & s; a; a = (a - 1) & s) {
        uint32_t b = s ^ a;
        if (!(a & low) || t->cost[a] < 0 || t->cost[b] < 0 || !sets_connected(g, cmask, used, a, b))
            continue;
        if (t->rows[s] < 0) {
            component ca = {.rows = t->rows[a], .mask = a}, cb = {.rows = t->rows[b], .mask = b};
            bool conn;
            t->rows[s] = pair_rows(w, g, cmask, used, &ca, &cb, &conn);
        }
        double small = t->rows[a] < t->rows[b] ? t->rows[a] : t->rows[b];
        double c = t->cost[a] + t->cost[b] + t->rows[s] + small;
        if (t->cost[s] < 0 || c < t->cost[s]) {
            t->cost[s] = c;
            t->left[s] = a;
        }
    }
}

/* Builds the best plan of subset s into comps[first leaf of s]. */
static bool dp_build(rw *w, join_graph *g, component *comps, uint64_t *cmask, bool *used,
                     const dp_table *t, uint32_t s) {
    uint32_t a = t->left[s], b = s ^ a;
    if (!a)
        return true; /* one leaf */
    if (!dp_build(w, g, comps, cmask, used, t, a) || !dp_build(w, g, comps, cmask, used, t, b))
        return false;
    component *ca = &comps[__builtin_ctz(a)], *cb = &comps[__builtin_ctz(b)];
    component x = *ca, y = *cb;
    if (y.rows > x.rows) { /* the smaller input is the build (right) side */
        component tmp = x;
        x = y;
        y = tmp;
    }
    if (!join_components(w, g, cmask, used, &x, &y, t->rows[s]))
        return false;
    comps[__builtin_ctz(s)] = x;
    return true;
}

/*
 * The join order of the fewest estimated rows: dynamic programming over the connected
 * subsets of the leaves (bushy plans, no cross products), each subset's rows estimated
 * once.  The result is comps[0]; false with w->oom clear if the leaves are not all
 * connected (the caller then joins greedily).
 */
static bool dp_order(rw *w, join_graph *g, component *comps, uint32_t n, uint64_t *cmask,
                     bool *used, bool *done) {
    uint32_t full = (1u << n) - 1;
    dp_table t = {rt_arena_alloc(w->arena, (full + 1) * sizeof(double)),
                  rt_arena_alloc(w->arena, (full + 1) * sizeof(double)),
                  rt_arena_calloc(w->arena, (full + 1) * sizeof(uint32_t))};
    *done = false;
    if (!t.rows || !t.cost || !t.left)
        return w->oom = true, false;
    for (uint32_t s = 1; s <= full; s++) {
        t.rows[s] = -1;
        if (!(s & (s - 1))) {
            t.rows[s] = comps[__builtin_ctz(s)].rows;
            t.cost[s] = 0;
        } else {
            dp_subset(w, g, cmask, used, &t, s);
        }
    }
    if (t.cost[full] < 0)
        return true;
    *done = true;
    return dp_build(w, g, comps, cmask, used, &t, full);
}

/* A Project of the tree's columns in their original order over the final component. */
static plan_node *restore_order(rw *w, const plan_node *tree, const component *c) {
    bool identity = true;
    for (uint32_t i = 0; i < tree->n_cols; i++)
        identity = identity && c->pos[i] == i;
    if (identity && c->node->n_cols == tree->n_cols)
        return c->node;
    plan_node *p = rt_arena_calloc(w->arena, sizeof *p);
    plan_expr **exprs = rt_arena_alloc(w->arena, (tree->n_cols + 1) * sizeof *exprs);
    int32_t *typmods = rt_arena_calloc(w->arena, (tree->n_cols + 1) * sizeof *typmods);
    if (!p || !exprs || !typmods)
        return w->oom = true, NULL;
    for (uint32_t i = 0; i < tree->n_cols; i++) {
        if (!(exprs[i] = opt_expr_column(w->arena, c->pos[i], tree->types[i])))
            return w->oom = true, NULL;
        typmods[i] = c->node->typmods ? c->node->typmods[c->pos[i]] : 0;
        exprs[i]->typmod = typmods[i];
    }
    p->kind = PLAN_LOGICAL_PROJECT;
    p->n_cols = tree->n_cols;
    p->types = tree->types;
    p->names = tree->names;
    p->typmods = typmods;
    p->child = c->node;
    p->u.project.exprs = exprs;
    return p;
}

static plan_node *push_inner(rw *w, const plan_node *n, conj_list *preds) {
    if (count_leaves(n) > MAX_LEAVES)
        return stop(w, n, preds);
    join_graph *g = rt_arena_calloc(w->arena, sizeof *g);
    if (!g)
        return w->oom = true, NULL;
    g->n_cols = n->n_cols;
    for (uint32_t i = 0; i < preds->n; i++)
        if (!list_add(w, &g->conds, preds->items[i]))
            return NULL;
    if (!flatten(w, n, g, 0) || !add_leaf_ors(w, g) || !key_classes(w, g))
        return NULL;
    uint32_t nc = g->conds.n, nl = g->n_leaves;
    uint64_t *cmask = rt_arena_alloc(w->arena, (nc + 1) * sizeof *cmask);
    bool *used = rt_arena_calloc(w->arena, nc + 1);
    component *comps = rt_arena_calloc(w->arena, nl * sizeof *comps);
    conj_list *leaf_preds = rt_arena_calloc(w->arena, nl * sizeof *leaf_preds);
    conj_list above = {0};
    if (!cmask || !used || !comps || !leaf_preds)
        return w->oom = true, NULL;
    for (uint32_t i = 0; i < nc; i++) {
        plan_expr *e = g->conds.items[i];
        cols_info ci = expr_info(e);
        cmask[i] = leaf_mask(g, e);
        if (ci.opaque || !has_cols(ci)) {
            used[i] = true;
            if (!list_add(w, &above, e))
                return NULL;
        } else if (__builtin_popcountll(cmask[i]) == 1) {
            used[i] = true;
            uint32_t l = (uint32_t)__builtin_ctzll(cmask[i]);
            plan_expr *s = shift_cols(w, e, g->offsets[l], g->leaves[l]->n_cols);
            if (!s || !list_add(w, &leaf_preds[l], s))
                return NULL;
        }
    }
    for (uint32_t l = 0; l < nl; l++) {
        component *c = &comps[l];
        if (!(c->node = push(w, g->leaves[l], &leaf_preds[l])))
            return NULL;
        g->pushed[l] = c->node;
        c->rows = opt_est_rows(w->cat, c->node);
        c->mask = 1ull << l;
        if (!(c->pos = rt_arena_alloc(w->arena, (g->n_cols + 1) * sizeof *c->pos)))
            return w->oom = true, NULL;
        for (uint32_t col = 0; col < g->n_cols; col++) {
            uint32_t off = g->offsets[l];
            c->pos[col] = col >= off && col < off + g->leaves[l]->n_cols ? col - off : UINT32_MAX;
        }
    }
    bool done = false;
    if (nl <= MAX_DP_LEAVES && !dp_order(w, g, comps, nl, cmask, used, &done))
        return NULL;
    if (!done && !greedy(w, g, comps, nl, cmask, used))
        return NULL;
    for (uint32_t i = 0; i < nc; i++) /* conjuncts over columns no join covered */
        if (!used[i] && !list_add(w, &above, g->conds.items[i]))
            return NULL;
    plan_node *top = restore_order(w, n, &comps[0]);
    return top ? make_filter(w, top, &above) : NULL;
}

static plan_node *push(rw *w, const plan_node *n, conj_list *preds) {
    if (w->oom)
        return NULL;
    switch (n->kind) {
    case PLAN_LOGICAL_FILTER: return push_filter(w, n, preds);
    case PLAN_LOGICAL_PROJECT: return push_project(w, n, preds);
    case PLAN_LOGICAL_AGGREGATE: return push_aggregate(w, n, preds);
    case PLAN_LOGICAL_ORDER: {
        plan_node *c = copy_node(w, n);
        return c && (c->child = push(w, n->child, preds)) ? c : NULL;
    }
    case PLAN_LOGICAL_JOIN:
        if (is_inner(n))
            return push_inner(w, n, preds);
        return push_other_join(w, n, preds);
    default: return stop(w, n, preds);
    }
}

qe_status opt_rewrite_joins(rt_arena *arena, plan_node *in, rt_catalog *catalog, plan_node **out,
                            rt_error *err) {
    rw w = {.arena = arena, .cat = catalog};
    conj_list none = {0};
    *out = push(&w, in, &none);
    if (!*out || w.oom)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    return QE_OK;
}
