/*
 * expr.c -- the vectorized expression interpreter.
 *
 * A plan_expr tree is prepared once per thread into an rt_expr tree that owns one
 * result vector per node and the typed primitive (prim.c) chosen for its operator
 * and argument types.  Evaluation then walks the tree once per vector, not per row:
 * each node runs its primitive over the selected rows of the whole vector.  COLUMN
 * nodes return the input vector itself (zero copy); CONST nodes return a vector
 * filled once at preparation.
 *
 * NULLs: validity bitmaps are combined word-wise, separately from the values; the
 * primitives compute garbage for NULL rows, which is never read.  AND/OR follow SQL's
 * three-valued logic and evaluate their right side only on the rows the left side
 * does not decide, so `b <> 0 AND a / b > 1` never divides by zero.
 *
 * Specializations chosen at preparation: comparisons with constants and IN lists run
 * as prepared tests (prim_const.c), a filter runs error-free conjuncts cheapest and
 * most selective first (adapting to what it sees), a projection computes a subtree
 * shared with an earlier expression once (rt_expr_share), DECIMAL + - * run fused with
 * their precision check.
 *
 * Preparation and evaluation recurse over the tree, so trees deeper than
 * RT_EXPR_MAX_DEPTH are refused (54001) instead of overflowing a thread's stack.
 */
#include "func.h"

#include <stdio.h>
#include <string.h>

#define NULL_TYPE_WIDTH 16 /* values buffer width of a NULL-typed result (reads are safe) */

#define REORDER_EVERY 16 /* selections between two reorders of a filter's conjuncts */

/* What a filter has seen of one of its conjuncts (conjuncts that cannot fail run in
 * the order of their cost per row divided by the fraction of rows they remove). */
typedef struct conj_stats {
    uint32_t cost;    /* cost() of the conjunct */
    uint64_t rows_in; /* rows it was run on (decayed at each reorder) */
    uint64_t kept;    /* rows it kept */
} conj_stats;

struct rt_expr {
    const plan_expr *e;    /* the plan node (borrowed from the plan) */
    qe_type type;          /* result type */
    rt_arena *arena;       /* state arena: buffers are reallocated here on growth */
    rt_expr *args[2];      /* prepared arguments (OP, CAST) */
    uint32_t capacity;     /* rows the buffers below hold */
    rt_vector res;         /* the result vector handed out by rt_expr_eval */
    void *values;          /* owned values buffer (capacity values) */
    uint8_t *valid;        /* owned validity bitmap (capacity bits) */
    uint32_t *sel_buf;     /* AND/OR and select: a sub-selection (capacity rows) */
    rt_prim2 prim2;        /* binary arithmetic/comparison primitive */
    rt_prim2_check check2; /* its per-row checker, or NULL */
    rt_prim1 prim1;        /* NEG/NOT primitive */
    rt_prim1_check check1; /* its per-row checker, or NULL */
    bool all_null;         /* the result is NULL on every row (a NULL-typed argument) */
    rt_func_state *fs;     /* FUNC/CASE: the function driver's state (func.c) */
    rt_const_test *ctest;  /* comparison with constants / IN list (prim_const.c), or NULL */
    rt_expr *ctest_arg;    /* the operand ctest tests (a subtree of this node) */
    rt_expr *ctest_const;  /* a single comparison's CONST operand */
    bool ctest_char;       /* ctest follows CHAR(n) rules */
    rt_expr **conj;        /* AND: the conjuncts of the AND tree, in the order filters run
                              them (cheapest first when none can raise an error) */
    uint32_t n_conj;       /* conjuncts at conj (0: not flattened) */
    conj_stats *stats;     /* n_conj statistics when the order adapts, else NULL */
    uint32_t n_selects;    /* rt_expr_select calls on this AND since its last reorder */
    rt_expr *alias;        /* rt_expr_share: a node of an earlier expression computing the
                              same value, whose result this node returns, or NULL */
    const rt_vector *last; /* the result of this node's latest evaluation */
    bool dec_fused;        /* DECIMAL + - * checked in one pass (rt_decimal_arith) */
};

/* SQL text of each operator, from PLAN_OP_LIST. */
static const char *const op_sql[] = {
#define X(name, sql, arity) sql,
    PLAN_OP_LIST(X)
#undef X
};

static const char *op_text(plan_op_kind op) {
    return (unsigned)op < sizeof op_sql / sizeof op_sql[0] ? op_sql[op] : "?";
}

qe_status rt_error_out_of_range(rt_error *err, qe_type type, int position) {
    if (type == QE_TYPE_DOUBLE || type == QE_TYPE_REAL)
        return rt_error_set(err, QE_DATA, "22003", position, "value out of range: overflow");
    if (type == QE_TYPE_DECIMAL)
        return rt_error_set(err, QE_DATA, "22003", position, "numeric field overflow");
    if (type == QE_TYPE_HUGEINT || type == QE_TYPE_INTERVAL)
        return rt_error_set(err, QE_DATA, "22003", position, "%s out of range",
                            rt_type_pg_name(type));
    if (type == QE_TYPE_DATE || type == QE_TYPE_TIMESTAMP)
        return rt_error_set(err, QE_DATA, "22008", position, "%s out of range",
                            rt_type_pg_name(type));
    return rt_error_set(err, QE_DATA, "22003", position, "%s out of range",
                        type == QE_TYPE_SMALLINT || type == QE_TYPE_INTEGER ||
                                type == QE_TYPE_BIGINT
                            ? rt_type_pg_name(type)
                            : "value");
}

qe_status rt_error_prim(rt_error *err, int code, qe_type type, int position) {
    if (code == RT_JIT_ERR_DIV_ZERO)
        return rt_error_set(err, QE_DATA, "22012", position, "division by zero");
    return rt_error_out_of_range(err, type, position);
}

static qe_status unsupported(rt_error *err, const plan_expr *e, const char *what, qe_type t) {
    return rt_error_set(err, QE_UNSUPPORTED, "0A000", e->position,
                        "%s is not supported for type %s yet", what, rt_type_pg_name(t));
}

static uint32_t result_width(qe_type t) {
    uint32_t w = rt_type_width(t);
    return w ? w : NULL_TYPE_WIDTH;
}

/* Fills the CONST node's result vector with its value on every row. */
static qe_status fill_const(rt_expr *x, rt_error *err) {
    const rt_value *val = &x->e->u.value;
    rt_value cast_val;
    x->res.validity = NULL;
    if (val->is_null || val->type == QE_TYPE_NULL || x->type == QE_TYPE_NULL) {
        memset(x->valid, 0, rt_bitmap_bytes(x->capacity));
        x->res.validity = x->valid;
        return QE_OK;
    }
    if (val->type != x->type) {
        qe_status st = rt_value_cast_mod(val, 0, x->type, x->e->typmod, &cast_val, x->arena, err,
                                         x->e->position);
        if (st != QE_OK)
            return st;
        val = &cast_val;
    }
    if (!rt_vector_set_value(&x->res, x->arena, 0, x->capacity, val))
        return rt_error_nomem(err, NULL);
    uint32_t w = result_width(x->type);
    for (uint32_t i = 1; i < x->capacity; i++)
        memcpy((char *)x->values + (size_t)i * w, x->values, w);
    return QE_OK;
}

/* Makes the node's buffers hold at least n_rows rows. */
static qe_status ensure_capacity(rt_expr *x, uint32_t n_rows, rt_error *err) {
    if (n_rows <= x->capacity && x->values != NULL)
        return QE_OK;
    uint32_t cap = x->capacity ? x->capacity : RT_VECTOR_SIZE;
    while (cap < n_rows)
        cap *= 2;
    x->values = rt_arena_calloc(x->arena, (size_t)result_width(x->type) * cap);
    x->valid = rt_arena_alloc(x->arena, rt_bitmap_bytes(cap));
    x->sel_buf = rt_arena_alloc(x->arena, sizeof(uint32_t) * cap);
    if (x->values == NULL || x->valid == NULL || x->sel_buf == NULL)
        return rt_error_nomem(err, NULL);
    x->capacity = cap;
    memset(&x->res, 0, sizeof x->res);
    x->res.type = x->type;
    x->res.values = x->values;
    if (x->e->kind == PLAN_EXPR_CONST)
        return fill_const(x, err);
    return QE_OK;
}

/* Chooses the primitive of an OP node whose arguments are prepared. */
static qe_status choose_op(rt_expr *x, rt_error *err) {
    const plan_expr *e = x->e;
    plan_op_kind op = e->u.op.op;
    qe_type ta = x->args[0]->type;
    qe_type tb = x->args[1] ? x->args[1]->type : ta;
    switch (op) {
    case PLAN_OP_IS_NULL:
    case PLAN_OP_IS_NOT_NULL: return QE_OK;
    case PLAN_OP_AND:
    case PLAN_OP_OR:
        if ((ta != QE_TYPE_BOOLEAN && ta != QE_TYPE_NULL) ||
            (tb != QE_TYPE_BOOLEAN && tb != QE_TYPE_NULL))
            return unsupported(err, e, op == PLAN_OP_AND ? "operator AND" : "operator OR",
                               ta == QE_TYPE_BOOLEAN ? tb : ta);
        return QE_OK;
    default: break;
    }
    if (ta == QE_TYPE_NULL || tb == QE_TYPE_NULL) {
        x->all_null = true;
        return QE_OK;
    }
    bool is_char = PLAN_TYPMOD_IS_CHAR(x->args[0]->e->typmod) ||
                   (x->args[1] && PLAN_TYPMOD_IS_CHAR(x->args[1]->e->typmod));
    if (op == PLAN_OP_NEG)
        x->prim1 = rt_prim1_lookup_wide(op, ta, &x->check1);
    else if (op != PLAN_OP_NOT && op != PLAN_OP_CONCAT)
        x->prim2 = rt_prim2_lookup_wide(op, ta, tb, is_char, &x->check2);
    x->dec_fused = x->prim2 != NULL && x->type == QE_TYPE_DECIMAL && ta == QE_TYPE_DECIMAL &&
                   tb == QE_TYPE_DECIMAL &&
                   (op == PLAN_OP_ADD || op == PLAN_OP_SUB || op == PLAN_OP_MUL) &&
                   PLAN_DECIMAL_PRECISION(e->typmod) <= PLAN_DECIMAL_MAX_PRECISION;
    if (x->prim1 != NULL || x->prim2 != NULL)
        return QE_OK;
    if (ta != tb)
        return rt_error_set(err, QE_INTERNAL, "XX000", e->position,
                            "operator %s has arguments of different types %s and %s", op_text(op),
                            rt_type_pg_name(ta), rt_type_pg_name(tb));
    if (op == PLAN_OP_CONCAT)
        return ta == QE_TYPE_VARCHAR ? QE_OK : unsupported(err, e, "operator ||", ta);
    if (op == PLAN_OP_NEG || op == PLAN_OP_NOT)
        x->prim1 = rt_prim1_lookup(op, ta, &x->check1);
    else
        x->prim2 = rt_prim2_lookup(op, ta, &x->check2);
    if (x->prim1 == NULL && x->prim2 == NULL) {
        char what[32];
        snprintf(what, sizeof what, "operator %s", op_text(op));
        return unsupported(err, e, what, ta);
    }
    return QE_OK;
}

static qe_status prepare(rt_arena *arena, const plan_expr *e, uint32_t n_input,
                         const qe_type *input_types, uint32_t depth, rt_expr **out, rt_error *err);

/* ---- specializations: comparisons with constants, IN lists, conjunct order ----------- */

#define MAX_IN_LEAVES 256 /* OR trees with more equalities keep the general path */

static bool is_comparison(plan_op_kind op) { return op >= PLAN_OP_EQ && op <= PLAN_OP_GE; }

/* c op x  <=>  x flip(op) c */
static plan_op_kind flip_op(plan_op_kind op) {
    switch (op) {
    case PLAN_OP_LT: return PLAN_OP_GT;
    case PLAN_OP_LE: return PLAN_OP_GE;
    case PLAN_OP_GT: return PLAN_OP_LT;
    case PLAN_OP_GE: return PLAN_OP_LE;
    default: return op;
    }
}

/* Are a and b the same computation?  See rt.h. */
bool rt_expr_same(const struct plan_expr *a, const struct plan_expr *b) {
    if (a == b)
        return true;
    if (a == NULL || b == NULL || a->kind != b->kind || a->type != b->type ||
        a->typmod != b->typmod)
        return false;
    switch (a->kind) {
    case PLAN_EXPR_COLUMN: return a->u.column == b->u.column;
    case PLAN_EXPR_CONST: {
        const rt_value *x = &a->u.value, *y = &b->u.value;
        if (x->type != y->type || x->is_null || y->is_null)
            return false;
        switch (x->type) {
        case QE_TYPE_SMALLINT:
        case QE_TYPE_INTEGER:
        case QE_TYPE_BIGINT:
        case QE_TYPE_DATE:
        case QE_TYPE_TIMESTAMP: return x->u.i == y->u.i;
        case QE_TYPE_BOOLEAN: return x->u.b == y->u.b;
        case QE_TYPE_HUGEINT:
        case QE_TYPE_DECIMAL: return x->u.h == y->u.h;
        case QE_TYPE_REAL:
        case QE_TYPE_DOUBLE: return memcmp(&x->u.d, &y->u.d, sizeof x->u.d) == 0;
        case QE_TYPE_VARCHAR:
            return x->u.s.len == y->u.s.len && memcmp(x->u.s.ptr, y->u.s.ptr, x->u.s.len) == 0;
        default: return false;
        }
    }
    case PLAN_EXPR_OP:
        return a->u.op.op == b->u.op.op && rt_expr_same(a->u.op.args[0], b->u.op.args[0]) &&
               rt_expr_same(a->u.op.args[1], b->u.op.args[1]);
    case PLAN_EXPR_CAST: return rt_expr_same(a->u.cast, b->u.cast);
    case PLAN_EXPR_FUNC:
        if (a->u.func.fn != b->u.func.fn || a->u.func.fn == PLAN_FUNC_ID_RANDOM ||
            a->u.func.n_args != b->u.func.n_args)
            return false;
        for (uint32_t i = 0; i < a->u.func.n_args; i++)
            if (!rt_expr_same(a->u.func.args[i], b->u.func.args[i]))
                return false;
        return true;
    default: return false;
    }
}

/* Collects the leaves of an OR tree; false if there are more than `cap`. */
static bool or_leaves(rt_expr *x, rt_expr **leaves, uint32_t cap, uint32_t *n) {
    if (x->e->kind == PLAN_EXPR_OP && x->e->u.op.op == PLAN_OP_OR)
        return or_leaves(x->args[0], leaves, cap, n) && or_leaves(x->args[1], leaves, cap, n);
    if (*n == cap)
        return false;
    leaves[(*n)++] = x;
    return true;
}

/* OR of equalities of one expression with constants: the IN test of them all. */
static qe_status specialize_in(rt_expr *x, rt_error *err) {
    rt_expr *small[16], **leaves = small;
    uint32_t n = 0;
    if (!or_leaves(x, leaves, 16, &n)) {
        leaves = rt_arena_alloc(x->arena, sizeof *leaves * MAX_IN_LEAVES);
        if (leaves == NULL)
            return rt_error_nomem(err, NULL);
        n = 0;
        if (!or_leaves(x, leaves, MAX_IN_LEAVES, &n))
            return QE_OK;
    }
    const rt_vector *small_c[16], **consts = small_c;
    if (n > 16 && (consts = rt_arena_alloc(x->arena, sizeof *consts * n)) == NULL)
        return rt_error_nomem(err, NULL);
    const rt_expr *first = leaves[0];
    for (uint32_t j = 0; j < n; j++) {
        const rt_expr *l = leaves[j];
        if (l->ctest == NULL || l->ctest_const == NULL || l->e->u.op.op != PLAN_OP_EQ ||
            l->ctest_char != first->ctest_char || l->ctest_arg->type != first->ctest_arg->type ||
            !rt_expr_same(l->ctest_arg->e, first->ctest_arg->e))
            return QE_OK;
        consts[j] = &l->ctest_const->res;
    }
    x->ctest = rt_const_test_make(x->arena, PLAN_OP_EQ, first->ctest_arg->type, first->ctest_char,
                                  consts, n);
    x->ctest_arg = first->ctest_arg;
    x->ctest_char = first->ctest_char;
    return QE_OK;
}

/* Comparisons of an expression with a constant get a prepared test. */
static void specialize_cmp(rt_expr *x) {
    plan_op_kind op = x->e->u.op.op;
    rt_expr *a = x->args[0], *c = x->args[1];
    if (x->all_null || c == NULL)
        return;
    bool a_const = a->e->kind == PLAN_EXPR_CONST, c_const = c->e->kind == PLAN_EXPR_CONST;
    if (a_const == c_const)
        return;
    if (a_const) {
        rt_expr *t = a;
        a = c;
        c = t;
        op = flip_op(op);
    }
    bool is_char = PLAN_TYPMOD_IS_CHAR(a->e->typmod) || PLAN_TYPMOD_IS_CHAR(c->e->typmod);
    const rt_vector *cv = &c->res;
    x->ctest = rt_const_test_make(x->arena, op, a->type, is_char, &cv, 1);
    x->ctest_arg = a;
    x->ctest_const = c;
    x->ctest_char = is_char;
}

/* Can evaluating x raise an error?  (Comparisons and logic over columns and constants
 * cannot.) */
static bool never_fails(const rt_expr *x) {
    switch (x->e->kind) {
    case PLAN_EXPR_COLUMN:
    case PLAN_EXPR_CONST: return true;
    case PLAN_EXPR_OP: {
        plan_op_kind op = x->e->u.op.op;
        if (!is_comparison(op) && op != PLAN_OP_AND && op != PLAN_OP_OR && op != PLAN_OP_NOT &&
            op != PLAN_OP_IS_NULL && op != PLAN_OP_IS_NOT_NULL)
            return false;
        return never_fails(x->args[0]) && (x->args[1] == NULL || never_fails(x->args[1]));
    }
    default: return false;
    }
}

/* Estimated work per row (1: an integer comparison). */
static uint32_t cost(const rt_expr *x) {
    if (x->ctest != NULL)
        return rt_const_test_cost(x->ctest) + cost(x->ctest_arg);
    switch (x->e->kind) {
    case PLAN_EXPR_COLUMN:
    case PLAN_EXPR_CONST: return 0;
    case PLAN_EXPR_OP: {
        uint32_t c =
            x->args[0]->type == QE_TYPE_VARCHAR || x->args[0]->type == QE_TYPE_INTERVAL ? 4 : 1;
        for (int i = 0; i < 2; i++)
            if (x->args[i] != NULL)
                c += cost(x->args[i]);
        return c;
    }
    default: return 64;
    }
}

/* Rank of a conjunct: cost per row over the fraction of rows it removes (before any
 * statistics: its cost alone); lower runs first. */
static double conj_rank(const conj_stats *st) {
    if (st->rows_in < 256)
        return st->cost;
    double removed = 1.0 - (double)st->kept / (double)st->rows_in;
    return (st->cost + 0.25) / (removed > 0.01 ? removed : 0.01);
}

/* Sorts x's conjuncts by rank (stable: ties keep their order) and decays the counts. */
static void reorder_conjuncts(rt_expr *x) {
    for (uint32_t i = 1; i < x->n_conj; i++) { /* insertion sort: n is small */
        rt_expr *k = x->conj[i];
        conj_stats ks = x->stats[i];
        double rk = conj_rank(&ks);
        uint32_t j = i;
        while (j > 0 && conj_rank(&x->stats[j - 1]) > rk) {
            x->conj[j] = x->conj[j - 1];
            x->stats[j] = x->stats[j - 1];
            j--;
        }
        x->conj[j] = k;
        x->stats[j] = ks;
    }
    for (uint32_t i = 0; i < x->n_conj; i++) {
        x->stats[i].rows_in /= 2;
        x->stats[i].kept /= 2;
    }
    x->n_selects = 0;
}

/* Flattens an AND tree into its conjuncts. */
static void and_leaves(rt_expr *x, rt_expr **out, uint32_t *n) {
    if (x->e->kind == PLAN_EXPR_OP && x->e->u.op.op == PLAN_OP_AND) {
        and_leaves(x->args[0], out, n);
        and_leaves(x->args[1], out, n);
        return;
    }
    out[(*n)++] = x;
}

static uint32_t count_and_leaves(const rt_expr *x) {
    if (x->e->kind == PLAN_EXPR_OP && x->e->u.op.op == PLAN_OP_AND)
        return count_and_leaves(x->args[0]) + count_and_leaves(x->args[1]);
    return 1;
}

/* AND: the conjuncts in the order a filter runs them.  When no conjunct can fail, the
 * cheapest run first (stable: ties keep the plan's order), then every REORDER_EVERY
 * selections by cost over the fraction of rows each removed (conj_rank); otherwise the
 * plan's order is kept, so `b <> 0 AND a / b > 1` never divides by zero.  The order
 * changes the work, never the rows selected. */
static qe_status specialize_and(rt_expr *x, rt_error *err) {
    uint32_t n = count_and_leaves(x);
    x->conj = rt_arena_alloc(x->arena, sizeof *x->conj * n);
    if (x->conj == NULL)
        return rt_error_nomem(err, NULL);
    x->n_conj = 0;
    and_leaves(x, x->conj, &x->n_conj);
    for (uint32_t i = 0; i < n; i++)
        if (!never_fails(x->conj[i]))
            return QE_OK;
    x->stats = rt_arena_calloc(x->arena, sizeof *x->stats * n);
    if (x->stats == NULL)
        return rt_error_nomem(err, NULL);
    for (uint32_t i = 0; i < n; i++)
        x->stats[i].cost = cost(x->conj[i]);
    reorder_conjuncts(x);
    return QE_OK;
}

static qe_status specialize_op(rt_expr *x, rt_error *err) {
    plan_op_kind op = x->e->u.op.op;
    if (is_comparison(op)) {
        specialize_cmp(x);
        return QE_OK;
    }
    if (op == PLAN_OP_OR)
        return specialize_in(x, err);
    if (op == PLAN_OP_AND)
        return specialize_and(x, err);
    return QE_OK;
}

/* FUNC/CASE: prepares the children, then hands the node to func.c. */
static qe_status prepare_func(rt_expr *x, uint32_t n_input, const qe_type *input_types,
                              uint32_t depth, rt_error *err) {
    uint32_t n = rt_func_n_children(x->e);
    rt_expr **kids = rt_arena_calloc(x->arena, sizeof *kids * (n ? n : 1));
    if (kids == NULL)
        return rt_error_nomem(err, NULL);
    for (uint32_t i = 0; i < n; i++) {
        const plan_expr *k = rt_func_child(x->e, i);
        if (k == NULL)
            return rt_error_set(err, QE_INTERNAL, "XX000", x->e->position, "missing argument");
        qe_status st = prepare(x->arena, k, n_input, input_types, depth + 1, &kids[i], err);
        if (st != QE_OK)
            return st;
    }
    return rt_func_prepare(x->arena, x->e, kids, &x->fs, err);
}

/* Prepares e at nesting level `depth` (see RT_EXPR_MAX_DEPTH). */
static qe_status prepare(rt_arena *arena, const plan_expr *e, uint32_t n_input,
                         const qe_type *input_types, uint32_t depth, rt_expr **out, rt_error *err) {
    if (depth >= RT_EXPR_MAX_DEPTH) {
        rt_error_set(err, QE_UNSUPPORTED, "54001", e->position,
                     "expression nesting exceeds the limit of %d levels", RT_EXPR_MAX_DEPTH);
        rt_error_hint(err, "Split the expression into smaller ones.");
        return QE_UNSUPPORTED;
    }
    rt_expr *x = rt_arena_calloc(arena, sizeof *x);
    if (x == NULL)
        return rt_error_nomem(err, NULL);
    x->e = e;
    x->type = e->type;
    x->arena = arena;
    qe_status st = QE_OK;
    switch (e->kind) {
    case PLAN_EXPR_CONST: break;
    case PLAN_EXPR_COLUMN:
        if (e->u.column >= n_input)
            return rt_error_set(err, QE_INTERNAL, "XX000", e->position,
                                "column #%u does not exist in an input of %u columns", e->u.column,
                                n_input);
        x->type = input_types[e->u.column];
        *out = x;
        return QE_OK; /* no buffers */
    case PLAN_EXPR_OP:
        if (e->u.op.args[0] == NULL)
            return rt_error_set(err, QE_INTERNAL, "XX000", e->position,
                                "operator without argument");
        for (int i = 0; i < 2 && st == QE_OK; i++)
            if (e->u.op.args[i] != NULL)
                st = prepare(arena, e->u.op.args[i], n_input, input_types, depth + 1, &x->args[i],
                             err);
        if (st == QE_OK)
            st = choose_op(x, err);
        if (st == QE_OK)
            st = specialize_op(x, err);
        break;
    case PLAN_EXPR_CAST:
        st = prepare(arena, e->u.cast, n_input, input_types, depth + 1, &x->args[0], err);
        if (st == QE_OK && x->args[0]->type != QE_TYPE_NULL && x->args[0]->type != x->type &&
            !rt_cast_supported(x->args[0]->type, x->type))
            st = rt_error_set(err, QE_UNSUPPORTED, "0A000", e->position,
                              "cast from %s to %s is not supported yet",
                              rt_type_pg_name(x->args[0]->type), rt_type_pg_name(x->type));
        break;
    case PLAN_EXPR_FUNC:
    case PLAN_EXPR_CASE: st = prepare_func(x, n_input, input_types, depth, err); break;
    default:
        return rt_error_set(err, QE_INTERNAL, "XX000", e->position, "unknown expression kind %d",
                            (int)e->kind);
    }
    if (st == QE_OK)
        st = ensure_capacity(x, RT_VECTOR_SIZE, err);
    if (st == QE_OK)
        *out = x;
    return st;
}

qe_status rt_expr_prepare(rt_arena *arena, const plan_expr *e, uint32_t n_input,
                          const qe_type *input_types, rt_expr **out, rt_error *err) {
    return prepare(arena, e, n_input, input_types, 0, out, err);
}

qe_type rt_expr_type(const rt_expr *x) { return x->type; }

/* ---- evaluation ------------------------------------------------------------------------ */

/* Result validity = a AND b over n_rows rows (NULL bitmap when both are all-valid). */
static void combine_validity(rt_expr *x, const rt_vector *a, const rt_vector *b, uint32_t n_rows) {
    const uint8_t *va = a->validity, *vb = b ? b->validity : NULL;
    if (va == NULL && vb == NULL) {
        x->res.validity = NULL;
        return;
    }
    size_t bytes = rt_bitmap_bytes(n_rows);
    if (va == NULL)
        memcpy(x->valid, vb, bytes);
    else if (vb == NULL)
        memcpy(x->valid, va, bytes);
    else
        for (size_t j = 0; j < bytes; j++)
            x->valid[j] = va[j] & vb[j];
    x->res.validity = x->valid;
}

static void set_all_null(rt_expr *x, uint32_t n_rows) {
    memset(x->valid, 0, rt_bitmap_bytes(n_rows));
    x->res.validity = x->valid;
}

/* Forgets the string heap of the previous evaluation (it lived in a morsel arena). */
static void reset_heap(rt_vector *v) {
    v->n_buffers = 0;
    v->buffers_cap = 0;
    v->buffers = NULL;
    v->heap_tail = NULL;
    v->heap_left = 0;
}

/* Finds the first selected valid row a checker rejects and raises its error. */
static qe_status confirm_failure(rt_expr *x, const rt_vector *a, const rt_vector *b,
                                 const uint32_t *sel, uint32_t n, rt_error *err) {
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        if (!rt_vector_is_valid(&x->res, i))
            continue;
        int code = b ? x->check2(a, b, i) : x->check1(a, i);
        if (code != 0)
            return rt_error_prim(err, code, x->type, x->e->position);
    }
    return QE_OK;
}

/* DECIMAL results must fit their precision (22003 "numeric field overflow"). */
static qe_status check_decimal(rt_expr *x, const uint32_t *sel, uint32_t n, rt_error *err) {
    if (x->type != QE_TYPE_DECIMAL)
        return QE_OK;
    int p = PLAN_DECIMAL_PRECISION(x->e->typmod);
    if (p >= PLAN_DECIMAL_MAX_PRECISION || rt_decimal_check_bound(&x->res, sel, n, p) < 0)
        return QE_OK; /* 38 digits: the 128-bit checks above suffice */
    rt_error_set(err, QE_DATA, "22003", x->e->position, "numeric field overflow");
    rt_error_detail(err, "The result does not fit DECIMAL(%d,%d).", p,
                    PLAN_DECIMAL_SCALE(x->e->typmod));
    return QE_DATA;
}

static qe_status eval_binary(rt_expr *x, const rt_vector *a, const rt_vector *b, const rt_batch *in,
                             const uint32_t *sel, uint32_t n, rt_error *err) {
    if (x->all_null) {
        set_all_null(x, in->n_rows);
        return QE_OK;
    }
    combine_validity(x, a, b, in->n_rows);
    if (x->dec_fused && !rt_decimal_arith(x->e->u.op.op, a, x->args[0]->e->kind == PLAN_EXPR_CONST,
                                          b, x->args[1]->e->kind == PLAN_EXPR_CONST, &x->res, sel,
                                          n, PLAN_DECIMAL_PRECISION(x->e->typmod)))
        return QE_OK;
    if (x->prim2(a, b, &x->res, sel, n) && x->check2 != NULL) {
        qe_status st = confirm_failure(x, a, b, sel, n, err);
        if (st != QE_OK)
            return st;
    }
    return check_decimal(x, sel, n, err);
}

static qe_status eval_unary(rt_expr *x, const rt_vector *a, const rt_batch *in, const uint32_t *sel,
                            uint32_t n, rt_error *err) {
    if (x->all_null) {
        set_all_null(x, in->n_rows);
        return QE_OK;
    }
    x->res.validity = a->validity;
    if (x->prim1(a, &x->res, sel, n) && x->check1 != NULL) {
        qe_status st = confirm_failure(x, a, NULL, sel, n, err);
        if (st != QE_OK)
            return st;
    }
    return check_decimal(x, sel, n, err);
}

static void eval_is_null(rt_expr *x, const rt_vector *a, const uint32_t *sel, uint32_t n,
                         bool want_null) {
    uint8_t *r = x->values;
    x->res.validity = NULL;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        r[i] = rt_vector_is_valid(a, i) != want_null;
    }
}

static qe_status eval_concat(rt_expr *x, rt_eval_ctx *ctx, const rt_vector *a, const rt_vector *b,
                             const rt_batch *in, const uint32_t *sel, uint32_t n) {
    reset_heap(&x->res);
    if (x->all_null) {
        set_all_null(x, in->n_rows);
        return QE_OK;
    }
    combine_validity(x, a, b, in->n_rows);
    const rt_string *sa = a->values, *sb = b->values;
    rt_string *r = x->values;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        if (!rt_vector_is_valid(&x->res, i)) {
            memset(&r[i], 0, sizeof r[i]);
            continue;
        }
        uint32_t la = sa[i].len, lb = sb[i].len;
        if ((uint64_t)la + lb > UINT32_MAX / 2)
            return rt_error_set(ctx->err, QE_DATA, "54000", x->e->position, "string is too long");
        char small[12];
        char *dst = la + lb <= 12 ? small : rt_arena_alloc(ctx->arena, la + lb);
        if (dst == NULL)
            return rt_error_nomem(ctx->err, NULL);
        memcpy(dst, rt_string_ptr(a, &sa[i]), la);
        memcpy(dst + la, rt_string_ptr(b, &sb[i]), lb);
        if (!rt_vector_set_string(&x->res, ctx->arena, i, dst, la + lb))
            return rt_error_nomem(ctx->err, NULL);
    }
    return QE_OK;
}

/* AND/OR with three-valued logic; the right side runs only on undecided rows. */
static qe_status eval_and_or(rt_expr *x, rt_eval_ctx *ctx, const rt_batch *in, const uint32_t *sel,
                             uint32_t n) {
    bool is_and = x->e->u.op.op == PLAN_OP_AND;
    uint8_t decide = is_and ? 0 : 1; /* the value that decides: FALSE for AND, TRUE for OR */
    const rt_vector *l, *r = NULL;
    qe_status st = rt_expr_eval(x->args[0], ctx, in, sel, n, &l);
    if (st != QE_OK)
        return st;
    const uint8_t *lv = l->values;
    uint32_t m = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        if (!(rt_vector_is_valid(l, i) && lv[i] == decide))
            x->sel_buf[m++] = i;
    }
    if (m > 0 && (st = rt_expr_eval(x->args[1], ctx, in, x->sel_buf, m, &r)) != QE_OK)
        return st;
    uint8_t *out = x->values;
    memset(x->valid, 0xff, rt_bitmap_bytes(in->n_rows));
    x->res.validity = x->valid;
    const uint8_t *rv = r ? r->values : NULL;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        bool l_ok = rt_vector_is_valid(l, i);
        if (l_ok && lv[i] == decide) {
            out[i] = decide;
            continue;
        }
        bool r_ok = rt_vector_is_valid(r, i);
        if (r_ok && rv[i] == decide)
            out[i] = decide;
        else if (l_ok && r_ok)
            out[i] = !decide;
        else
            rt_bit_clear(x->valid, i);
    }
    return QE_OK;
}

/* Does a cast from (type, from) to (type, to) change values?  DECIMAL rescales and
 * bounds, VARCHAR(n) checks lengths, CHAR(n) pads. */
static bool same_type_cast_needed(qe_type t, int32_t from, int32_t to) {
    if (t == QE_TYPE_DECIMAL)
        return PLAN_DECIMAL_SCALE(from) != PLAN_DECIMAL_SCALE(to) ||
               PLAN_DECIMAL_PRECISION(from) > PLAN_DECIMAL_PRECISION(to);
    return t == QE_TYPE_VARCHAR && to != 0 && from != to;
}

static qe_status eval_cast(rt_expr *x, rt_eval_ctx *ctx, const rt_vector *a, const rt_batch *in,
                           const uint32_t *sel, uint32_t n, const rt_vector **out) {
    int32_t from_tm = x->args[0]->e->typmod;
    if (a->type == x->type && !same_type_cast_needed(a->type, from_tm, x->e->typmod)) {
        *out = a;
        return QE_OK;
    }
    *out = &x->res;
    reset_heap(&x->res);
    if (a->type == QE_TYPE_NULL) {
        set_all_null(x, in->n_rows);
        return QE_OK;
    }
    x->res.validity = a->validity;
    return rt_cast_vector_mod(a, from_tm, &x->res, x->e->typmod, sel, n, ctx->arena, ctx->err,
                              x->e->position);
}

static qe_status eval_op(rt_expr *x, rt_eval_ctx *ctx, const rt_batch *in, const uint32_t *sel,
                         uint32_t n) {
    plan_op_kind op = x->e->u.op.op;
    if (x->ctest != NULL) {
        const rt_vector *a;
        qe_status st = rt_expr_eval(x->ctest_arg, ctx, in, sel, n, &a);
        if (st != QE_OK)
            return st;
        x->res.validity = a->validity;
        rt_const_test_eval(x->ctest, a, x->values, sel, n);
        return QE_OK;
    }
    if (op == PLAN_OP_AND || op == PLAN_OP_OR)
        return eval_and_or(x, ctx, in, sel, n);
    const rt_vector *a, *b = NULL;
    qe_status st = rt_expr_eval(x->args[0], ctx, in, sel, n, &a);
    if (st == QE_OK && x->args[1] != NULL)
        st = rt_expr_eval(x->args[1], ctx, in, sel, n, &b);
    if (st != QE_OK)
        return st;
    switch (op) {
    case PLAN_OP_IS_NULL: eval_is_null(x, a, sel, n, true); return QE_OK;
    case PLAN_OP_IS_NOT_NULL: eval_is_null(x, a, sel, n, false); return QE_OK;
    case PLAN_OP_CONCAT: return eval_concat(x, ctx, a, b, in, sel, n);
    case PLAN_OP_NEG:
    case PLAN_OP_NOT: return eval_unary(x, a, in, sel, n, ctx->err);
    default: return eval_binary(x, a, b, in, sel, n, ctx->err);
    }
}

static qe_status eval_node(rt_expr *x, rt_eval_ctx *ctx, const rt_batch *in, const uint32_t *sel,
                           uint32_t n, const rt_vector **out);

qe_status rt_expr_eval(rt_expr *x, rt_eval_ctx *ctx, const rt_batch *in, const uint32_t *sel,
                       uint32_t n, const rt_vector **out) {
    if (x->e->kind == PLAN_EXPR_COLUMN) {
        if (x->e->u.column >= in->n_cols)
            return rt_error_set(ctx->err, QE_INTERNAL, "XX000", x->e->position,
                                "column #%u does not exist in a batch of %u columns",
                                x->e->u.column, in->n_cols);
        *out = &in->cols[x->e->u.column];
        return QE_OK;
    }
    if (x->alias != NULL) {
        *out = x->alias->last;
        return QE_OK;
    }
    qe_status st = eval_node(x, ctx, in, sel, n, out);
    x->last = st == QE_OK ? *out : NULL;
    return st;
}

static qe_status eval_node(rt_expr *x, rt_eval_ctx *ctx, const rt_batch *in, const uint32_t *sel,
                           uint32_t n, const rt_vector **out) {
    qe_status st = ensure_capacity(x, in->n_rows, ctx->err);
    if (st != QE_OK)
        return st;
    *out = &x->res;
    switch (x->e->kind) {
    case PLAN_EXPR_CONST: return QE_OK;
    case PLAN_EXPR_OP: return eval_op(x, ctx, in, sel, n);
    case PLAN_EXPR_CAST: {
        const rt_vector *a;
        st = rt_expr_eval(x->args[0], ctx, in, sel, n, &a);
        return st != QE_OK ? st : eval_cast(x, ctx, a, in, sel, n, out);
    }
    case PLAN_EXPR_FUNC:
    case PLAN_EXPR_CASE:
        reset_heap(&x->res);
        x->res.validity = x->valid;
        return rt_func_eval(x->fs, ctx, in, sel, n, &x->res);
    default: return QE_INTERNAL;
    }
}

qe_status rt_expr_select(rt_expr *x, rt_eval_ctx *ctx, const rt_batch *in, const uint32_t *sel,
                         uint32_t n, uint32_t *out_sel, uint32_t *out_n) {
    if (x->n_conj > 0) {
        /* Conjunctions narrow the selection term by term (x->conj's order). */
        qe_status st = ensure_capacity(x, in->n_rows, ctx->err);
        for (uint32_t j = 0; j < x->n_conj && st == QE_OK; j++) {
            uint32_t *dst = j + 1 == x->n_conj ? out_sel : x->sel_buf, before = n;
            st = rt_expr_select(x->conj[j], ctx, in, sel, n, dst, &n);
            sel = dst;
            if (x->stats != NULL) {
                x->stats[j].rows_in += before;
                x->stats[j].kept += n;
            }
            if (n == 0)
                break;
        }
        *out_n = n;
        if (x->stats != NULL && ++x->n_selects == REORDER_EVERY)
            reorder_conjuncts(x);
        return st;
    }
    if (x->ctest != NULL) {
        const rt_vector *a;
        qe_status st = rt_expr_eval(x->ctest_arg, ctx, in, sel, n, &a);
        if (st == QE_OK)
            *out_n = rt_const_test_select(x->ctest, a, sel, n, out_sel);
        return st;
    }
    const rt_vector *p;
    qe_status st = rt_expr_eval(x, ctx, in, sel, n, &p);
    if (st != QE_OK)
        return st;
    if (p->type != QE_TYPE_BOOLEAN && p->type != QE_TYPE_NULL)
        return rt_error_set(ctx->err, QE_INTERNAL, "XX000", x->e->position,
                            "filter predicate is of type %s", rt_type_pg_name(p->type));
    const uint8_t *v = p->values;
    uint32_t m = 0;
    if (p->validity == NULL) {
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = sel ? sel[k] : k;
            out_sel[m] = i;
            m += v[i] != 0;
        }
    } else {
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = sel ? sel[k] : k;
            out_sel[m] = i;
            m += (v[i] != 0) & rt_bit_get(p->validity, i);
        }
    }
    *out_n = m;
    return QE_OK;
}

qe_status rt_eval_const(rt_arena *arena, const plan_expr *e, rt_value *out, rt_error *err) {
    if (e->kind == PLAN_EXPR_CONST) {
        *out = e->u.value;
        if (out->type != e->type)
            return rt_value_cast_mod(&e->u.value, 0, e->type, e->typmod, out, arena, err,
                                     e->position);
        return QE_OK;
    }
    rt_expr *x;
    qe_status st = rt_expr_prepare(arena, e, 0, NULL, &x, err);
    if (st != QE_OK)
        return st;
    rt_batch one = {.n_rows = 1, .capacity = 1};
    rt_eval_ctx ctx = {arena, err};
    const rt_vector *v;
    if ((st = rt_expr_eval(x, &ctx, &one, NULL, 1, &v)) != QE_OK)
        return st;
    rt_vector_get_value(v, 0, out);
    return QE_OK;
}

/* ---- sharing among the expressions of one projection ------------------------------------ */

/* The node of x's tree computing e that every evaluation of x evaluates on all its rows
 * (not below AND/OR, CASE or a function), or NULL. */
static rt_expr *find_unconditional(rt_expr *x, const plan_expr *e) {
    plan_expr_kind k = x->e->kind;
    if (k == PLAN_EXPR_COLUMN || k == PLAN_EXPR_CONST)
        return NULL;
    if (x->alias != NULL) /* not evaluated itself: its target is */
        return find_unconditional(x->alias, e);
    if (rt_expr_same(x->e, e))
        return x;
    if (k == PLAN_EXPR_OP && (x->e->u.op.op == PLAN_OP_AND || x->e->u.op.op == PLAN_OP_OR))
        return NULL;
    if (k != PLAN_EXPR_OP && k != PLAN_EXPR_CAST)
        return NULL;
    for (int i = 0; i < 2; i++) {
        rt_expr *r = x->args[i] ? find_unconditional(x->args[i], e) : NULL;
        if (r != NULL)
            return r;
    }
    return NULL;
}

/* Points the largest subtrees of x that earlier[0..n) compute unconditionally at them. */
static void share_with(rt_expr *x, rt_expr *const *earlier, uint32_t n) {
    plan_expr_kind k = x->e->kind;
    if (k == PLAN_EXPR_COLUMN || k == PLAN_EXPR_CONST)
        return;
    for (uint32_t i = 0; i < n; i++) {
        rt_expr *t = find_unconditional(earlier[i], x->e);
        if (t != NULL && t->type == x->type) {
            x->alias = t;
            return;
        }
    }
    if (k == PLAN_EXPR_OP || k == PLAN_EXPR_CAST)
        for (int i = 0; i < 2; i++)
            if (x->args[i] != NULL)
                share_with(x->args[i], earlier, n);
}

void rt_expr_share(rt_expr *const *exprs, uint32_t n) {
    for (uint32_t j = 1; j < n; j++)
        share_with(exprs[j], exprs, j);
}
