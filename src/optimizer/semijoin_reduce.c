/*
 * semijoin_reduce.c -- semi-join reduction of grouped aggregates (opt_semijoin_reduce,
 * called by opt_optimize_in after the join rewrites, before column pruning).
 *
 * A decorrelated scalar subquery becomes Join(B, Aggregate(groups: k; ...) over X) on
 * B.o = k.  The aggregate then runs over all of X although the join keeps only the
 * groups whose key is among B's o values (TPC-H Q17: 200K part groups over 6M lineitem
 * rows, ~200 of them used).  For an INNER or SEMI join with an equi conjunct o = k
 * between a column of one input B and a plain-column group key k of an Aggregate A
 * on the other input (possibly under Projects, Filters and joins, along the path the
 * placement walk below follows: a filter on k commutes down it), this rewrite puts a
 * SEMI join below A:
 *   Aggregate(groups: k; ...) over X   becomes   Aggregate over X'
 * where X' is X with `SemiJoin(input, R) on x = r` around one of its inputs (x: the
 * column that becomes k), and R is a set of values bounding B's o: every non-NULL o
 * value of B is among them.  A group whose key is not in R can match no row of B, so
 * dropping it changes nothing; a SEMI join never duplicates its input rows; a NULL key
 * joins nothing either way.  The condition x = r is the original conjunct with its
 * columns replaced (same casts, same types, so CHAR keys compare as before).
 *
 * R is the sub-expression of B with the fewest estimated rows among those reached from
 * (B, o) by: Project (following a plain column), Filter and Order (their input bounds
 * their output), Aggregate (a group column: its input column), any join (the input the
 * column comes from: outside NULLs, its values are that input's), and for INNER and
 * SEMI joins an equality `o = p` of two plain columns (p's input bounds o as well).
 * Every step keeps the type and type modifier.  R must be safe to evaluate a second
 * time: only Get, Values, Filter, Project, Order and non-SINGLE joins, no volatile
 * functions, no expression that could raise an error (arithmetic, most casts).
 *
 * The semi join goes as deep into X as the column x can be followed (Project, Filter,
 * Order, the input of a join holding it; never into the NULL-supplying side of an
 * outer join), onto the input of the deepest join reached (so it filters the rows
 * before X's joins, above the Filters of that input).
 *
 * It is applied only when it pays: R's estimated rows at most a quarter of A's groups,
 * and R's work (the estimated rows of all its nodes) at most half of X's.  With
 * multi-column keys (TPC-H Q20: partkey, suppkey) only the conjunct with the smallest
 * R reduces.  LEFT/ANTI/MARK/SINGLE joins, aggregates without GROUP BY or with
 * grouping sets are left alone.
 */
#include "opt.h"

#define MAX_CONJ 64     /* conjuncts of a join condition looked at */
#define MAX_DEPTH 64    /* how far the walks follow a column */
#define MIN_GAIN 4.0    /* R's rows at most A's groups / MIN_GAIN */
#define MAX_WORK 0.5    /* R's work at most MAX_WORK * X's */
#define MAX_VISITS 4096 /* (node, column) pairs one search for R looks at */

typedef struct sr {
    rt_arena *arena;
    rt_catalog *cat; /* may be NULL: default estimates */
    uint32_t visits; /* find_bound calls left in the current search */
    bool oom;
} sr;

/* The best bound found for a column: a sub-expression of B and its column. */
typedef struct bound {
    const plan_node *node; /* NULL: none yet */
    uint32_t col;
    double rows; /* estimated rows of node */
} bound;

/* A conjunct o = k that can reduce: the aggregate side and what bounds o. */
typedef struct reduction {
    const plan_expr *conj; /* the EQ conjunct (join numbering) */
    uint32_t k_col;        /* the join column holding k (join numbering) */
    uint32_t o_col;        /* the join column holding o */
    uint32_t side_col;     /* k in the aggregate side's numbering */
    const plan_node *agg;  /* the Aggregate */
    bound r;               /* what bounds o */
} reduction;

static const plan_expr *strip_casts(const plan_expr *e) {
    while (e->kind == PLAN_EXPR_CAST)
        e = e->u.cast;
    return e;
}

/* Column c of a join's input row (left then right columns): its input and column. */
static const plan_node *join_input(const plan_node *j, uint32_t c, uint32_t *local) {
    uint32_t nl = j->child->n_cols;
    *local = c < nl ? c : c - nl;
    return c < nl ? j->child : j->right;
}

/* Column ca of a and cb of b have one type and type modifier. */
static bool same_type(const plan_node *a, uint32_t ca, const plan_node *b, uint32_t cb) {
    return ca < a->n_cols && cb < b->n_cols && a->types[ca] == b->types[cb] &&
           opt_column_typmod(a, ca) == opt_column_typmod(b, cb);
}

/* The child column a Project's output column col is (a plain column of one type). */
static bool project_column(const plan_node *n, uint32_t col, uint32_t *out) {
    const plan_expr *e = n->u.project.exprs[col];
    if (e->kind != PLAN_EXPR_COLUMN || !same_type(n, col, n->child, e->u.column))
        return false;
    *out = e->u.column;
    return true;
}

/* The input column an Aggregate's group column col is (plain GROUP BY only). */
static bool group_column(const plan_node *n, uint32_t col, uint32_t *out) {
    if (n->u.aggregate.n_sets || col >= n->u.aggregate.n_groups)
        return false;
    const plan_expr *e = n->u.aggregate.groups[col];
    if (e->kind != PLAN_EXPR_COLUMN || !same_type(n, col, n->child, e->u.column))
        return false;
    *out = e->u.column;
    return true;
}

/* Collects the conjuncts of e (at most cap). */
static uint32_t conjuncts(const plan_expr *e, const plan_expr **out, uint32_t n, uint32_t cap) {
    if (e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_AND)
        return conjuncts(e->u.op.args[1], out, conjuncts(e->u.op.args[0], out, n, cap), cap);
    if (n < cap)
        out[n++] = e;
    return n;
}

/* ---- what R may contain ------------------------------------------------------------- */

/* Casts that cannot fail: integer widening, integers to DOUBLE, DATE to TIMESTAMP. */
static bool safe_cast(const plan_expr *e) {
    qe_type from = e->u.cast->type, to = e->type;
    bool int_from = from == QE_TYPE_SMALLINT || from == QE_TYPE_INTEGER;
    if (from == to)
        return true;
    if (to == QE_TYPE_BIGINT || to == QE_TYPE_DOUBLE)
        return int_from || from == QE_TYPE_BIGINT;
    if (to == QE_TYPE_INTEGER)
        return from == QE_TYPE_SMALLINT;
    return from == QE_TYPE_DATE && to == QE_TYPE_TIMESTAMP;
}

/* False for expressions R must not hold: volatile, erroring or foreign ones. */
static bool visit_safe(const plan_expr *e, void *ctx) {
    (void)ctx;
    switch (e->kind) {
    case PLAN_EXPR_COLUMN:
    case PLAN_EXPR_CONST:
    case PLAN_EXPR_PARAM: return true;
    case PLAN_EXPR_CAST: return safe_cast(e);
    case PLAN_EXPR_FUNC: return e->u.func.fn != PLAN_FUNC_ID_RANDOM;
    case PLAN_EXPR_CASE: return true;
    case PLAN_EXPR_OP:
        switch (e->u.op.op) {
        case PLAN_OP_ADD:
        case PLAN_OP_SUB:
        case PLAN_OP_MUL:
        case PLAN_OP_DIV:
        case PLAN_OP_MOD:
        case PLAN_OP_NEG: return false;
        default: return true;
        }
    default: return false; /* subqueries, outer columns, GROUPING */
    }
}

/* True if the subtree n can be evaluated again as R (same rows, no new errors). */
static bool copyable(const plan_node *n, int depth) {
    if (depth > MAX_DEPTH)
        return false;
    switch (n->kind) {
    case PLAN_LOGICAL_GET:
    case PLAN_LOGICAL_VALUES:
    case PLAN_LOGICAL_FILTER:
    case PLAN_LOGICAL_PROJECT:
    case PLAN_LOGICAL_ORDER: break;
    case PLAN_LOGICAL_JOIN:
        if (n->u.join.kind == PLAN_JOIN_SINGLE)
            return false;
        break;
    default: return false;
    }
    if (!opt_node_exprs_walk(n, visit_safe, NULL))
        return false;
    return (!n->child || copyable(n->child, depth + 1)) &&
           (!n->right || copyable(n->right, depth + 1));
}

/* The estimated rows of every node of n: what evaluating it costs. */
static double work(sr *s, const plan_node *n) {
    double w = opt_est_rows(s->cat, n);
    if (n->child)
        w += work(s, n->child);
    if (n->right)
        w += work(s, n->right);
    return w;
}

/* ---- finding R: the smallest sub-expression of B bounding a column ------------------ */

static void find_bound(sr *s, const plan_node *n, uint32_t col, int depth, bound *best);

/* Through a join: the input holding col, and for INNER/SEMI the other column of each
 * equality `col = p` of plain columns of one type. */
static void join_bound(sr *s, const plan_node *j, uint32_t col, int depth, bound *best) {
    plan_join_kind kind = j->u.join.kind;
    uint32_t local;
    if (kind == PLAN_JOIN_MARK && col >= j->child->n_cols)
        return; /* the mark */
    const plan_node *in = join_input(j, col, &local);
    find_bound(s, in, local, depth + 1, best);
    if ((kind != PLAN_JOIN_INNER && kind != PLAN_JOIN_SEMI) || !j->u.join.cond)
        return;
    const plan_expr *cs[MAX_CONJ];
    uint32_t n = conjuncts(j->u.join.cond, cs, 0, MAX_CONJ);
    for (uint32_t i = 0; i < n; i++) {
        const plan_expr *e = cs[i];
        if (e->kind != PLAN_EXPR_OP || e->u.op.op != PLAN_OP_EQ)
            continue;
        const plan_expr *a = e->u.op.args[0], *b = e->u.op.args[1];
        if (a->kind != PLAN_EXPR_COLUMN || b->kind != PLAN_EXPR_COLUMN)
            continue;
        if (b->u.column == col) {
            const plan_expr *t = a;
            a = b;
            b = t;
        }
        if (a->u.column != col || b->u.column == col)
            continue;
        uint32_t pl;
        const plan_node *pin = join_input(j, b->u.column, &pl);
        if (same_type(in, local, pin, pl))
            find_bound(s, pin, pl, depth + 1, best);
    }
}

/* Records (n, col) if it is the smallest safe bound so far, then follows col down. */
static void find_bound(sr *s, const plan_node *n, uint32_t col, int depth, bound *best) {
    if (depth > MAX_DEPTH || col >= n->n_cols || s->visits == 0)
        return;
    s->visits--;
    if (copyable(n, 0)) {
        double r = opt_est_rows(s->cat, n);
        if (!best->node || r < best->rows)
            *best = (bound){.node = n, .col = col, .rows = r};
    }
    uint32_t c;
    switch (n->kind) {
    case PLAN_LOGICAL_PROJECT:
        if (project_column(n, col, &c))
            find_bound(s, n->child, c, depth + 1, best);
        break;
    case PLAN_LOGICAL_FILTER:
    case PLAN_LOGICAL_ORDER: find_bound(s, n->child, col, depth + 1, best); break;
    case PLAN_LOGICAL_AGGREGATE:
        if (group_column(n, col, &c))
            find_bound(s, n->child, c, depth + 1, best);
        break;
    case PLAN_LOGICAL_JOIN: join_bound(s, n, col, depth, best); break;
    default: break;
    }
}

/* ---- building -------------------------------------------------------------------------- */

static plan_node *copy_node(sr *s, const plan_node *n) {
    plan_node *c = rt_arena_alloc(s->arena, sizeof *c);
    if (!c)
        return s->oom = true, NULL;
    *c = *n;
    return c;
}

/* A copy of the subtree n (nodes copied, expressions shared). */
static plan_node *copy_tree(sr *s, const plan_node *n) {
    plan_node *c = copy_node(s, n);
    if (!c)
        return NULL;
    if (n->child && !(c->child = copy_tree(s, n->child)))
        return NULL;
    if (n->right && !(c->right = copy_tree(s, n->right)))
        return NULL;
    return c;
}

/* A copy of e (a column under casts) reading column col instead. */
static plan_expr *recolumn(sr *s, const plan_expr *e, uint32_t col) {
    plan_expr *c = rt_arena_alloc(s->arena, sizeof *c);
    if (!c)
        return s->oom = true, NULL;
    *c = *e;
    if (e->kind == PLAN_EXPR_CAST)
        return (c->u.cast = recolumn(s, e->u.cast, col)) ? c : NULL;
    c->u.column = col;
    return c;
}

/* Project(#col) over a copy of the bound's node: R's one column. */
static plan_node *make_r(sr *s, const bound *b) {
    plan_node *p = rt_arena_calloc(s->arena, sizeof *p);
    plan_expr **exprs = rt_arena_alloc(s->arena, sizeof *exprs);
    int32_t *typmods = rt_arena_alloc(s->arena, sizeof *typmods);
    if (!p || !exprs || !typmods)
        return s->oom = true, NULL;
    const plan_node *n = b->node;
    p->kind = PLAN_LOGICAL_PROJECT;
    p->n_cols = 1;
    p->types = &n->types[b->col];
    p->names = n->names ? &n->names[b->col] : NULL;
    typmods[0] = opt_column_typmod(n, b->col);
    p->typmods = typmods;
    if (!(exprs[0] = opt_expr_column(s->arena, b->col, n->types[b->col])))
        return s->oom = true, NULL;
    exprs[0]->typmod = typmods[0];
    p->u.project.exprs = exprs;
    return (p->child = copy_tree(s, n)) ? p : NULL;
}

/* SemiJoin(left, R) on the reduction's conjunct with k read from left's column x. */
static plan_node *make_semi(sr *s, plan_node *left, uint32_t x, const reduction *red) {
    plan_node *r = make_r(s, &red->r);
    plan_node *j = rt_arena_calloc(s->arena, sizeof *j);
    if (!r || !j)
        return s->oom = true, NULL;
    const plan_expr *a = red->conj->u.op.args[0], *b = red->conj->u.op.args[1];
    if (strip_casts(a)->u.column != red->k_col) {
        const plan_expr *t = a;
        a = b;
        b = t;
    }
    plan_expr *ka = recolumn(s, a, x), *ob = recolumn(s, b, left->n_cols);
    plan_expr *cond =
        ka && ob ? opt_expr_op(s->arena, PLAN_OP_EQ, QE_TYPE_BOOLEAN, ka, ob, red->conj->position)
                 : NULL;
    if (!cond)
        return s->oom = true, NULL;
    j->kind = PLAN_LOGICAL_JOIN;
    j->n_cols = left->n_cols;
    j->types = left->types;
    j->names = left->names;
    j->typmods = left->typmods;
    j->child = left;
    j->right = r;
    j->u.join.kind = PLAN_JOIN_SEMI;
    j->u.join.cond = cond;
    return j;
}

/* ---- placing the semi join in X ----------------------------------------------------- */

/* The input of n column col comes from, for the placement walk (NULL: stop there);
 * *c: its column there; *join: n is a join (its input is a placement candidate). */
static const plan_node *x_step(const plan_node *n, uint32_t col, uint32_t *c, bool *join) {
    *join = false;
    *c = col;
    switch (n->kind) {
    case PLAN_LOGICAL_PROJECT: return project_column(n, col, c) ? n->child : NULL;
    case PLAN_LOGICAL_FILTER:
    case PLAN_LOGICAL_ORDER: return n->child;
    case PLAN_LOGICAL_JOIN: break;
    default: return NULL;
    }
    plan_join_kind kind = n->u.join.kind;
    bool left = col < n->child->n_cols;
    *join = true;
    switch (kind) {
    case PLAN_JOIN_INNER:
    case PLAN_JOIN_CROSS: break;
    case PLAN_JOIN_RIGHT: /* a filter over the preserved side's columns commutes */
        if (left)
            return NULL;
        break;
    case PLAN_JOIN_FULL: return NULL;
    default: /* LEFT, SEMI, ANTI, MARK, SINGLE: the left input is preserved */
        if (!left)
            return NULL;
        break;
    }
    return join_input(n, col, c);
}

/* How many steps down from x the semi join goes (the deepest join input reached). */
static int place_depth(const plan_node *x, uint32_t col) {
    int best = 0;
    bool join;
    for (int depth = 1; depth < MAX_DEPTH; depth++) {
        if (!(x = x_step(x, col, &col, &join)))
            break;
        if (join)
            best = depth;
    }
    return best;
}

/* The Aggregate whose group column col reaches n's column col along x_step's walk
 * (a filter on that column commutes down to it), NULL if none; *x: that group's input
 * column. */
static const plan_node *find_agg(const plan_node *n, uint32_t col, uint32_t *x) {
    bool join;
    for (int depth = 0; n && depth < MAX_DEPTH; depth++) {
        if (n->kind == PLAN_LOGICAL_AGGREGATE)
            return group_column(n, col, x) ? n : NULL;
        n = x_step(n, col, &col, &join);
    }
    return NULL;
}

/* copy (a copy of n) with its input `in` (n's child or right) replaced by below. */
static plan_node *with_input(plan_node *copy, const plan_node *n, const plan_node *in,
                             plan_node *below) {
    if (in == n->child)
        copy->child = below;
    else
        copy->right = below;
    return copy;
}

/* n with the semi join put `depth` steps below it, along column col. */
static plan_node *place(sr *s, const plan_node *n, uint32_t col, int depth, const reduction *red) {
    if (depth == 0)
        return make_semi(s, (plan_node *)n, col, red);
    uint32_t c;
    bool join;
    const plan_node *in = x_step(n, col, &c, &join);
    plan_node *copy = copy_node(s, n);
    plan_node *below = copy && in ? place(s, in, c, depth - 1, red) : NULL;
    return below ? with_input(copy, n, in, below) : NULL;
}

/* The join input n (holding the aggregate along column col, see find_agg) with the
 * aggregate reduced. */
static plan_node *reduce_side(sr *s, const plan_node *n, uint32_t col, const reduction *red) {
    plan_node *copy = copy_node(s, n);
    if (!copy)
        return NULL;
    uint32_t c;
    bool join;
    if (n->kind == PLAN_LOGICAL_AGGREGATE) {
        (void)group_column(n, col, &c);
        return (copy->child = place(s, n->child, c, place_depth(n->child, c), red)) ? copy : NULL;
    }
    const plan_node *in = x_step(n, col, &c, &join);
    plan_node *below = reduce_side(s, in, c, red);
    return below ? with_input(copy, n, in, below) : NULL;
}

/* ---- the rewrite ------------------------------------------------------------------------ */

/* True if conjunct e is `o = k` with k reaching a group key of an Aggregate in the
 * join input `side` (0 left, 1 right), o a column of the other input; fills red. */
static bool match_conj(const plan_node *j, const plan_expr *e, int side, reduction *red) {
    if (e->kind != PLAN_EXPR_OP || e->u.op.op != PLAN_OP_EQ)
        return false;
    const plan_expr *a = e->u.op.args[0], *b = e->u.op.args[1];
    const plan_expr *ca = strip_casts(a), *cb = strip_casts(b);
    if (ca->kind != PLAN_EXPR_COLUMN || cb->kind != PLAN_EXPR_COLUMN || a->type != b->type ||
        a->type == QE_TYPE_NULL || a->type == QE_TYPE_INTERVAL || a->type == QE_TYPE_DECIMAL)
        return false;
    uint32_t nl = j->child->n_cols;
    bool a_left = ca->u.column < nl, b_left = cb->u.column < nl;
    if (a_left == b_left)
        return false;
    bool a_is_k = a_left == (side == 0);
    red->conj = e;
    red->k_col = a_is_k ? ca->u.column : cb->u.column;
    red->o_col = a_is_k ? cb->u.column : ca->u.column;
    uint32_t local, x;
    const plan_node *in = join_input(j, red->k_col, &local);
    red->side_col = local;
    return (red->agg = find_agg(in, local, &x)) != NULL;
}

/* The best reduction of the aggregate on `side` of join j (false: none pays). */
static bool best_reduction(sr *s, const plan_node *j, int side, reduction *best) {
    const plan_expr *cs[MAX_CONJ];
    uint32_t n = conjuncts(j->u.join.cond, cs, 0, MAX_CONJ);
    bool found = false;
    for (uint32_t i = 0; i < n; i++) {
        reduction red = {0};
        if (!match_conj(j, cs[i], side, &red))
            continue;
        uint32_t local;
        const plan_node *b = join_input(j, red.o_col, &local);
        s->visits = MAX_VISITS;
        find_bound(s, b, local, 0, &red.r);
        if (red.r.node && (!found || red.r.rows < best->r.rows)) {
            *best = red;
            found = true;
        }
    }
    if (!found)
        return false;
    double groups = opt_est_rows(s->cat, best->agg);
    return best->r.rows * MIN_GAIN <= groups &&
           work(s, best->r.node) <= MAX_WORK * work(s, best->agg->child);
}

/* Join j with the aggregates of its inputs reduced where that pays. */
static plan_node *reduce_join(sr *s, plan_node *j) {
    plan_join_kind kind = j->u.join.kind;
    if ((kind != PLAN_JOIN_INNER && kind != PLAN_JOIN_SEMI) || !j->u.join.cond)
        return j;
    for (int side = 1; side >= 0; side--) {
        reduction red;
        if (!best_reduction(s, j, side, &red))
            continue;
        const plan_node *in = side ? j->right : j->child;
        plan_node *reduced = reduce_side(s, in, red.side_col, &red);
        plan_node *copy = reduced ? copy_node(s, j) : NULL;
        if (!copy)
            return NULL;
        if (side)
            copy->right = reduced;
        else
            copy->child = reduced;
        j = copy;
    }
    return j;
}

/* The plan n with every join's aggregates reduced, bottom-up (n itself if nothing
 * changed); NULL on out-of-memory. */
static plan_node *reduce(sr *s, plan_node *n) {
    plan_node *c = n->child ? reduce(s, n->child) : NULL;
    plan_node *r = n->right ? reduce(s, n->right) : NULL;
    if ((n->child && !c) || (n->right && !r))
        return NULL;
    if (c != n->child || r != n->right) {
        if (!(n = copy_node(s, n)))
            return NULL;
        n->child = c;
        n->right = r;
    }
    return n->kind == PLAN_LOGICAL_JOIN ? reduce_join(s, n) : n;
}

qe_status opt_semijoin_reduce(rt_arena *arena, plan_node *in, rt_catalog *catalog, plan_node **out,
                              rt_error *err) {
    sr s = {.arena = arena, .cat = catalog};
    *out = reduce(&s, in);
    if (!*out || s.oom)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    return QE_OK;
}
