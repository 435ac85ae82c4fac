/*
 * estimate.c -- cardinality estimation for the join order (DESIGN.md §6): rows of a
 * logical plan, distinct values of its columns, selectivity of predicates, from the
 * catalog's column statistics (rt_table_column_stats: row count, HyperLogLog NDV).
 *
 * Rules (simple on purpose, System R style):
 *   table: its row count (DEFAULT_ROWS when unknown or empty);
 *   column = constant: 1/ndv (0.1 without statistics); column = column: 1/max(ndv);
 *   <>: 1 - that; range comparisons: 1/3; LIKE and other boolean functions: 1/10;
 *   IS NULL: 1/10, IS NOT NULL: 9/10; AND: product; OR: a + b - ab; NOT: 1 - s;
 *   anything else: 0.3;
 *   SEMI join: |L| * the smallest ndv(right key) / ndv(left key) over its key pairs
 *   (at most 1; 1/2 without one), ANTI join: |L| * (1 - that) (at least 1/10; 1/2
 *   when its condition has more than key equalities);
 *   inner join: |L| * |R| * selectivity, an equi-join key pair giving 1/max(ndv(l),
 *   ndv(r)); with several key pairs only the most selective one counts (keys such as
 *   (partkey, suppkey) are correlated: a product would underestimate badly);
 *   aggregate: product of the group columns' ndv, at most the input rows.
 * The ndv of a column is at most the estimated rows of the node it belongs to; a join
 * key without statistics counts as a key of the smaller input (so such an equi-join is
 * as large as its larger input).
 */
#include "opt.h"

#define DEFAULT_ROWS 1000.0
#define DEFAULT_EQ 0.1
#define RANGE_SEL (1.0 / 3.0)
#define FUNC_SEL 0.1
#define OTHER_SEL 0.3

static const plan_expr *strip_casts(const plan_expr *e) {
    while (e->kind == PLAN_EXPR_CAST)
        e = e->u.cast;
    return e;
}

/* True if e references no column, outer column, subquery or parameter. */
static bool visit_const(const plan_expr *e, void *ctx) {
    (void)ctx;
    return e->kind != PLAN_EXPR_COLUMN && e->kind != PLAN_EXPR_OUTER_COLUMN &&
           e->kind != PLAN_EXPR_SUBQUERY && e->kind != PLAN_EXPR_PARAM &&
           e->kind != PLAN_EXPR_GROUPING;
}

static bool is_constant(const plan_expr *e) { return opt_expr_walk(e, visit_const, NULL); }

/* 1/ndv of column-ish expression e (unknown: -1). */
static double eq_sel_of(const plan_expr *e, opt_ndv_fn ndv, void *ctx) {
    e = strip_casts(e);
    if (e->kind != PLAN_EXPR_COLUMN)
        return -1;
    double d = ndv(ctx, e->u.column);
    return d >= 1 ? 1 / d : -1;
}

static double eq_sel(const plan_expr *e, opt_ndv_fn ndv, void *ctx) {
    const plan_expr *a = e->u.op.args[0], *b = e->u.op.args[1];
    double sa = eq_sel_of(a, ndv, ctx), sb = eq_sel_of(b, ndv, ctx);
    if (is_constant(b) && sa > 0)
        return sa;
    if (is_constant(a) && sb > 0)
        return sb;
    if (sa > 0 && sb > 0) /* column = column: 1/max(ndv) */
        return sa < sb ? sa : sb;
    return DEFAULT_EQ;
}

double opt_est_selectivity(const plan_expr *e, opt_ndv_fn ndv, void *ctx) {
    if (e->kind == PLAN_EXPR_FUNC)
        return FUNC_SEL;
    if (e->kind != PLAN_EXPR_OP)
        return OTHER_SEL;
    const plan_expr *a = e->u.op.args[0], *b = e->u.op.args[1];
    double s;
    switch (e->u.op.op) {
    case PLAN_OP_AND: return opt_est_selectivity(a, ndv, ctx) * opt_est_selectivity(b, ndv, ctx);
    case PLAN_OP_OR:
        s = opt_est_selectivity(a, ndv, ctx);
        return s + opt_est_selectivity(b, ndv, ctx) * (1 - s);
    case PLAN_OP_NOT: return 1 - opt_est_selectivity(a, ndv, ctx);
    case PLAN_OP_EQ: return eq_sel(e, ndv, ctx);
    case PLAN_OP_NE: return 1 - eq_sel(e, ndv, ctx);
    case PLAN_OP_LT:
    case PLAN_OP_LE:
    case PLAN_OP_GT:
    case PLAN_OP_GE: return RANGE_SEL;
    case PLAN_OP_IS_NULL: return 0.1;
    case PLAN_OP_IS_NOT_NULL: return 0.9;
    default: return OTHER_SEL;
    }
}

/* ---- rows and ndv of plan nodes --------------------------------------------------------- */

#define MEMO_SIZE 1024 /* open addressing; plans with more nodes stop memoizing */

/* One estimation: the catalog and the rows of nodes estimated so far (without the memo
 * the ndv lookups of nested joins would re-estimate their inputs exponentially often). */
typedef struct est {
    rt_catalog *cat;
    uint32_t n_memo;                       /* used slots */
    const plan_node *memo_node[MEMO_SIZE]; /* nodes whose rows are known (NULL: free) */
    double memo_rows[MEMO_SIZE];           /* their rows */
} est;

static double rows(est *x, const plan_node *n);
static double col_ndv(est *x, const plan_node *n, uint32_t col);

typedef struct node_ctx {
    est *x;
    const plan_node *node;
} node_ctx;

static double node_ndv(void *ctx, uint32_t col) {
    node_ctx *c = ctx;
    return col_ndv(c->x, c->node, col);
}

static double clamp1(double r) { return r < 1 ? 1 : r; }

/* Selectivity of an inner join's condition over the concatenated columns of n. */
static double join_sel(est *x, const plan_node *n, const plan_expr *cond);
static uint32_t split_and(const plan_expr *e, const plan_expr **list, uint32_t n, uint32_t cap);

static double aggregate_rows(est *x, const plan_node *n) {
    double in = rows(x, n->child), r = 1;
    if (n->u.aggregate.n_groups == 0)
        return 1;
    for (uint32_t g = 0; g < n->u.aggregate.n_groups && r < in; g++) {
        const plan_expr *e = strip_casts(n->u.aggregate.groups[g]);
        double d = e->kind == PLAN_EXPR_COLUMN ? col_ndv(x, n->child, e->u.column) : -1;
        r *= d >= 1 ? d : 10;
    }
    return r < in ? r : in;
}

/* The fraction of left rows a SEMI join keeps: for each key pair left = right,
 * ndv(right) / ndv(left) (at most 1), the smallest of them; 0.5 without a key pair
 * with statistics. */
static double semi_sel(est *x, const plan_node *n) {
    const plan_expr *list[64];
    uint32_t k = n->u.join.cond ? split_and(n->u.join.cond, list, 0, 64) : 0;
    uint32_t nl = n->child->n_cols;
    double s = -1;
    for (uint32_t i = 0; i < k; i++) {
        const plan_expr *e = list[i];
        if (e->kind != PLAN_EXPR_OP || e->u.op.op != PLAN_OP_EQ)
            continue;
        const plan_expr *a = strip_casts(e->u.op.args[0]), *b = strip_casts(e->u.op.args[1]);
        if (a->kind != PLAN_EXPR_COLUMN || b->kind != PLAN_EXPR_COLUMN ||
            (a->u.column < nl) == (b->u.column < nl))
            continue;
        uint32_t lc = a->u.column < nl ? a->u.column : b->u.column;
        uint32_t rc = (a->u.column < nl ? b->u.column : a->u.column) - nl;
        double dl = col_ndv(x, n->child, lc), dr = col_ndv(x, n->right, rc);
        if (dl < 1 || dr < 1)
            continue;
        double f = dr < dl ? dr / dl : 1;
        s = s < 0 || f < s ? f : s;
    }
    return s < 0 ? 0.5 : s;
}

/* The fraction of left rows an ANTI join keeps: 1 - semi_sel (at least 1/10) when its
 * condition is key pairs only, else 1/2 (a residual such as TPC-H Q21's
 * l_suppkey <> l_suppkey keeps an unknown share). */
static double anti_sel(est *x, const plan_node *n) {
    const plan_expr *list[64];
    uint32_t k = n->u.join.cond ? split_and(n->u.join.cond, list, 0, 64) : 0;
    for (uint32_t i = 0; i < k; i++)
        if (list[i]->kind != PLAN_EXPR_OP || list[i]->u.op.op != PLAN_OP_EQ)
            return 0.5;
    double s = 1 - semi_sel(x, n);
    return s > 0.1 ? s : 0.1;
}

static double join_rows(est *x, const plan_node *n) {
    double a = rows(x, n->child), b = rows(x, n->right);
    switch (n->u.join.kind) {
    case PLAN_JOIN_CROSS: return a * b;
    case PLAN_JOIN_SEMI: return a * semi_sel(x, n);
    case PLAN_JOIN_ANTI: return a * anti_sel(x, n);
    case PLAN_JOIN_MARK:
    case PLAN_JOIN_SINGLE: return a;
    default: break;
    }
    double r = n->u.join.cond ? a * b * join_sel(x, n, n->u.join.cond) : a * b;
    if (n->u.join.kind == PLAN_JOIN_LEFT || n->u.join.kind == PLAN_JOIN_FULL)
        r = r > a ? r : a;
    if (n->u.join.kind == PLAN_JOIN_RIGHT || n->u.join.kind == PLAN_JOIN_FULL)
        r = r > b ? r : b;
    return r;
}

static double rows_of(est *x, const plan_node *n) {
    double r;
    switch (n->kind) {
    case PLAN_LOGICAL_GET: {
        rt_table *t = x->cat ? rt_catalog_find(x->cat, n->u.get.table) : NULL;
        return t && t->n_rows ? (double)t->n_rows : DEFAULT_ROWS;
    }
    case PLAN_LOGICAL_VALUES: return n->u.values.n_rows ? n->u.values.n_rows : 1;
    case PLAN_LOGICAL_FILTER: {
        node_ctx c = {x, n->child};
        r = rows(x, n->child) * opt_est_selectivity(n->u.filter.pred, node_ndv, &c);
        break;
    }
    case PLAN_LOGICAL_AGGREGATE: r = aggregate_rows(x, n); break;
    case PLAN_LOGICAL_LIMIT:
        r = rows(x, n->child);
        if (n->u.limit.limit >= 0 && (double)n->u.limit.limit < r)
            r = (double)n->u.limit.limit;
        break;
    case PLAN_LOGICAL_JOIN: r = join_rows(x, n); break;
    default: return n->child ? rows(x, n->child) : DEFAULT_ROWS;
    }
    return clamp1(r);
}

/* The memo slot of n: its own or the free one where it goes. */
static uint32_t memo_slot(const est *x, const plan_node *n) {
    uint32_t i = (uint32_t)(((uintptr_t)n >> 4) * 2654435761u) % MEMO_SIZE;
    while (x->memo_node[i] && x->memo_node[i] != n)
        i = (i + 1) % MEMO_SIZE;
    return i;
}

/* rows_of, memoized. */
static double rows(est *x, const plan_node *n) {
    uint32_t i = memo_slot(x, n);
    if (x->memo_node[i])
        return x->memo_rows[i];
    double r = rows_of(x, n);
    i = memo_slot(x, n); /* the recursion filled slots */
    if (!x->memo_node[i] && x->n_memo < MEMO_SIZE / 2) {
        x->memo_node[i] = n;
        x->memo_rows[i] = r;
        x->n_memo++;
    }
    return r;
}

double opt_est_rows(rt_catalog *cat, const plan_node *n) {
    est x = {.cat = cat};
    return rows(&x, n);
}

/* The ndv of a table column (-1 without statistics). */
static double get_ndv(rt_catalog *cat, const plan_node *n, uint32_t col) {
    rt_table *t = cat ? rt_catalog_find(cat, n->u.get.table) : NULL;
    rt_column_summary s;
    uint32_t tc = n->u.get.col_idx ? n->u.get.col_idx[col] : col;
    if (!t || !rt_table_column_stats(cat, t, tc, &s) || s.ndv < 0.5) /* no values seen */
        return -1;
    return clamp1(s.ndv);
}

/* The ndv of column col of n before capping at n's rows. */
static double raw_ndv(est *x, const plan_node *n, uint32_t col) {
    switch (n->kind) {
    case PLAN_LOGICAL_GET: return get_ndv(x->cat, n, col);
    case PLAN_LOGICAL_FILTER:
    case PLAN_LOGICAL_ORDER:
    case PLAN_LOGICAL_LIMIT: return col_ndv(x, n->child, col);
    case PLAN_LOGICAL_PROJECT: {
        const plan_expr *e = strip_casts(n->u.project.exprs[col]);
        return e->kind == PLAN_EXPR_COLUMN ? col_ndv(x, n->child, e->u.column) : -1;
    }
    case PLAN_LOGICAL_AGGREGATE: {
        if (col >= n->u.aggregate.n_groups || n->u.aggregate.n_sets)
            return -1;
        const plan_expr *e = strip_casts(n->u.aggregate.groups[col]);
        return e->kind == PLAN_EXPR_COLUMN ? col_ndv(x, n->child, e->u.column) : -1;
    }
    case PLAN_LOGICAL_JOIN: {
        uint32_t nl = n->child->n_cols;
        plan_join_kind k = n->u.join.kind;
        if (col < nl)
            return col_ndv(x, n->child, col);
        if (k == PLAN_JOIN_SEMI || k == PLAN_JOIN_ANTI || k == PLAN_JOIN_MARK)
            return -1;
        return col - nl < n->right->n_cols ? col_ndv(x, n->right, col - nl) : -1;
    }
    default: return -1;
    }
}

static double col_ndv(est *x, const plan_node *n, uint32_t col) {
    if (col >= n->n_cols)
        return -1;
    double d = raw_ndv(x, n, col);
    if (d < 0)
        return -1;
    double r = rows(x, n);
    return d < r ? d : r;
}

double opt_est_ndv(rt_catalog *cat, const plan_node *n, uint32_t col) {
    est x = {.cat = cat};
    return col_ndv(&x, n, col);
}

/* ---- joins -------------------------------------------------------------------------------- */

typedef struct join_ctx {
    est *x;
    const plan_node *n; /* the join: columns are its left then right input's */
} join_ctx;

static double join_col_ndv(void *ctx, uint32_t col) {
    join_ctx *j = ctx;
    uint32_t nl = j->n->child->n_cols;
    return col < nl ? col_ndv(j->x, j->n->child, col) : col_ndv(j->x, j->n->right, col - nl);
}

/* 1/max(ndv) of the key pair a = b (columns under casts); unknown_sel when neither
 * side has statistics. */
static double key_sel(const plan_expr *a, const plan_expr *b, opt_ndv_fn ndv, void *ctx,
                      double unknown_sel) {
    double da = ndv(ctx, strip_casts(a)->u.column), db = ndv(ctx, strip_casts(b)->u.column);
    double d = da > db ? da : db;
    return d >= 1 ? 1 / d : unknown_sel;
}

double opt_est_join_sel(const plan_expr *const *conds, uint32_t n_conds, opt_ndv_fn ndv, void *ctx,
                        double unknown_key_sel) {
    double eq = 1, other = 1;
    for (uint32_t i = 0; i < n_conds; i++) {
        const plan_expr *e = conds[i];
        const plan_expr *a = e->kind == PLAN_EXPR_OP ? e->u.op.args[0] : NULL;
        const plan_expr *b = e->kind == PLAN_EXPR_OP ? e->u.op.args[1] : NULL;
        bool key = e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_EQ &&
                   strip_casts(a)->kind == PLAN_EXPR_COLUMN &&
                   strip_casts(b)->kind == PLAN_EXPR_COLUMN;
        double s =
            key ? key_sel(a, b, ndv, ctx, unknown_key_sel) : opt_est_selectivity(e, ndv, ctx);
        if (key)
            eq = s < eq ? s : eq; /* the most selective key only */
        else
            other *= s;
    }
    return eq * other;
}

/* Adds the conjuncts of e to list (at most cap). */
static uint32_t split_and(const plan_expr *e, const plan_expr **list, uint32_t n, uint32_t cap) {
    if (e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_AND)
        return split_and(e->u.op.args[1], list, split_and(e->u.op.args[0], list, n, cap), cap);
    if (n < cap)
        list[n++] = e;
    return n;
}

static double join_sel(est *x, const plan_node *n, const plan_expr *cond) {
    const plan_expr *list[64];
    uint32_t k = split_and(cond, list, 0, 64);
    join_ctx c = {x, n};
    double a = rows(x, n->child), b = rows(x, n->right);
    return opt_est_join_sel(list, k, join_col_ndv, &c, 1 / (a < b ? a : b));
}

/* ---- NULL-free columns ---- */

/* Whether column col of the input of p->ops[k] is a NULL-free scan column: followed back
 * through FILTERs, LIMITs, PROJECTs of plain column references and the probe-side
 * columns of probes (never NULL-extended: only build columns are) to the source. */
static bool traced_no_nulls(const plan_pipeline *p, uint32_t k, uint32_t col) {
    while (k > 1) {
        const plan_op *op = p->ops[--k];
        if (op->kind == PLAN_PHYS_PROJECT) {
            const plan_expr *e = col < op->n_cols ? op->u.project.exprs[col] : NULL;
            if (e == NULL || e->kind != PLAN_EXPR_COLUMN)
                return false;
            col = e->u.column;
        } else if (op->kind == PLAN_PHYS_HASH_JOIN_PROBE) {
            if (col >= p->ops[k - 1]->n_cols || op->u.join.filter_build)
                return false; /* a build column */
        } else if (op->kind != PLAN_PHYS_FILTER && op->kind != PLAN_PHYS_LIMIT) {
            return false;
        }
    }
    const plan_op *src = p->ops[0];
    return src->kind == PLAN_PHYS_SCAN && src->u.scan.no_nulls != NULL && col < src->n_cols &&
           src->u.scan.no_nulls[col];
}

/* The probes of stage st whose build pipeline (the HASH_JOIN_BUILD of the same state)
 * stores NULL-free scan columns get u.join.build_no_nulls. */
static bool mark_build_no_nulls(rt_arena *arena, plan_stage *st) {
    for (uint32_t b = 0; b < st->n_pipelines; b++) {
        const plan_pipeline *bp = st->pipelines[b];
        const plan_op *build = bp->ops[bp->n_ops - 1];
        if (build->kind != PLAN_PHYS_HASH_JOIN_BUILD || build->u.join.n_build_cols == 0)
            continue;
        uint32_t nb = build->u.join.n_build_cols;
        bool *flags = rt_arena_calloc(arena, nb * sizeof *flags), any = false;
        if (flags == NULL)
            return false;
        for (uint32_t c = 0; c < nb; c++) {
            flags[c] = traced_no_nulls(bp, bp->n_ops - 1, c);
            any |= flags[c];
        }
        for (uint32_t p = 0; any && p < st->n_pipelines; p++)
            for (uint32_t k = 1; k + 1 < st->pipelines[p]->n_ops; k++) {
                plan_op *op = st->pipelines[p]->ops[k];
                if (op->kind == PLAN_PHYS_HASH_JOIN_PROBE && op->state_id == build->state_id &&
                    op->u.join.n_build_cols == nb)
                    op->u.join.build_no_nulls = flags;
            }
    }
    return true;
}

bool opt_mark_no_nulls(rt_arena *arena, plan_query *q, rt_catalog *cat) {
    for (uint32_t s = 0; s < q->n_stages; s++)
        for (uint32_t p = 0; p < q->stages[s]->n_pipelines; p++) {
            plan_op *op = q->stages[s]->pipelines[p]->ops[0];
            rt_table *t =
                op->kind == PLAN_PHYS_SCAN && cat ? rt_catalog_find(cat, op->u.scan.table) : NULL;
            if (t == NULL || op->n_cols == 0)
                continue;
            bool *flags = rt_arena_calloc(arena, op->n_cols * sizeof *flags), any = false;
            if (flags == NULL)
                return false;
            for (uint32_t c = 0; c < op->n_cols; c++) {
                rt_column_summary sum;
                /* rows seen, none NULL (a cluster coordinator's table holds no rows:
                 * its workers' data is not known here) */
                flags[c] = rt_table_column_stats(cat, t, op->u.scan.col_idx[c], &sum) &&
                           sum.n_rows > 0 && sum.n_nulls == 0;
                any |= flags[c];
            }
            op->u.scan.no_nulls = any ? flags : NULL;
        }
    for (uint32_t s = 0; s < q->n_stages; s++)
        if (!mark_build_no_nulls(arena, q->stages[s]))
            return false;
    return true;
}
