/*
 * check.c -- which pipelines the code generator supports, and why not.
 *
 * Codegen compiles a pipeline only if every operator between source and sink, every
 * expression and the sink are in the supported subset (README.md); otherwise the
 * pipeline falls back to the interpreter with a one-line reason.  The check also
 * validates the plan's internal consistency (column indexes, types) so that the
 * generators in expr.c, pipeline.c and sink.c can rely on it: a malformed plan is an
 * XX000 error rather than wrong code.
 */
#include "cg_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_MAX_DEPTH 512 /* deeper expressions fall back (bounds recursion) */

/* The state of one check: the first unsupported feature wins. */
typedef struct chk {
    bool supported; /* false once a reason was recorded */
    char *reason;   /* caller's buffer */
    size_t cap;     /* its size */
    rt_error *err;  /* for malformed plans */
} chk;

static qe_status unsupported(chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static qe_status unsupported(chk *c, const char *fmt, ...) {
    if (c->supported) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->reason, c->cap, fmt, ap);
        va_end(ap);
        c->supported = false;
    }
    return QE_OK;
}

static qe_status malformed(chk *c, const char *what) {
    return rt_error_set(c->err, QE_INTERNAL, "XX000", -1, "invalid physical plan: %s", what);
}

#define CHECK_TRY(c, call)                                                                         \
    do {                                                                                           \
        qe_status st_ = (call);                                                                    \
        if (st_ != QE_OK || !(c)->supported)                                                       \
            return st_;                                                                            \
    } while (0)

/* SQL name of a type (qe_type_name lives in the public API layer above codegen). */
static const char *type_name(qe_type t) {
    static const char *const names[] = {
#define CG_X_TYPE_NAME(name, sql, width) sql,
        QE_TYPE_LIST(CG_X_TYPE_NAME)
#undef CG_X_TYPE_NAME
    };
    return (unsigned)t < QE_TYPE_COUNT ? names[t] : "?";
}

/* How generated code holds an aggregate's v; see cg_int.h. */
cg_state_repr cg_agg_state_repr(qe_type state_type) {
    switch (state_type) {
    case QE_TYPE_BIGINT:
    case QE_TYPE_DATE:
    case QE_TYPE_TIMESTAMP: return CG_STATE_I64;
    case QE_TYPE_DOUBLE: return CG_STATE_F64;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: return CG_STATE_I128;
    case QE_TYPE_INTERVAL: return CG_STATE_IV;
    default: return CG_STATE_NONE;
    }
}

/* The state type of a SINGLE/PARTIAL SUM/AVG/MIN/MAX over t (plan.h); see cg_int.h. */
qe_type cg_agg_state_type(plan_agg_fn fn, qe_type t) {
    bool minmax = fn == PLAN_AGG_MIN || fn == PLAN_AGG_MAX;
    switch (t) {
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT: return fn == PLAN_AGG_AVG ? QE_TYPE_DOUBLE : QE_TYPE_BIGINT;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: return QE_TYPE_DOUBLE;
    case QE_TYPE_DECIMAL: return QE_TYPE_DECIMAL;
    case QE_TYPE_HUGEINT: return fn == PLAN_AGG_AVG ? QE_TYPE_DOUBLE : QE_TYPE_HUGEINT;
    case QE_TYPE_DATE:
    case QE_TYPE_TIMESTAMP: return minmax ? t : QE_TYPE_NULL;
    case QE_TYPE_INTERVAL: return QE_TYPE_INTERVAL; /* SUM/AVG: the field-wise sum */
    default: return QE_TYPE_NULL;
    }
}

/* Supported value types; see cg_int.h. */
bool cg_type_supported(qe_type type) {
    switch (type) {
    case QE_TYPE_BOOLEAN:
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT:
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE:
    case QE_TYPE_DATE:
    case QE_TYPE_TIMESTAMP:
    case QE_TYPE_INTERVAL:
    case QE_TYPE_VARCHAR: return true;
    default: return false;
    }
}

static bool is_numeric(qe_type t) {
    return t == QE_TYPE_INTEGER || t == QE_TYPE_BIGINT || t == QE_TYPE_DOUBLE;
}

static bool is_comparable(qe_type t) {
    return is_numeric(t) || t == QE_TYPE_BOOLEAN || t == QE_TYPE_VARCHAR;
}

static qe_status check_expr(chk *c, const plan_expr *e, const qe_type *in, uint32_t n_in,
                            int depth);

static qe_status check_op_args(chk *c, const plan_expr *e, const qe_type *in, uint32_t n_in,
                               int arity, int depth) {
    for (int i = 0; i < arity; i++) {
        if (e->u.op.args[i] == NULL)
            return malformed(c, "operator without its argument");
        CHECK_TRY(c, check_expr(c, e->u.op.args[i], in, n_in, depth + 1));
    }
    if (arity == 2 && e->u.op.args[0]->type != e->u.op.args[1]->type &&
        !cg_typed_op(e->u.op.args[0]->type, e->u.op.args[1]->type))
        return malformed(c, "binary operator with arguments of different types");
    return QE_OK;
}

/* An operator on SMALLINT, REAL, DATE, TIMESTAMP, HUGEINT or DECIMAL (expr_types.c). */
static qe_status check_typed_op(chk *c, const plan_expr *e) {
    plan_op_kind op = e->u.op.op;
    qe_type ta = e->u.op.args[0]->type;
    qe_type tb = e->u.op.args[1] ? e->u.op.args[1]->type : ta;
    if (op == PLAN_OP_IS_NULL || op == PLAN_OP_IS_NOT_NULL)
        return e->type == QE_TYPE_BOOLEAN ? QE_OK : malformed(c, "IS NULL of non-BOOLEAN type");
    bool cmp = op >= PLAN_OP_EQ && op <= PLAN_OP_GE;
    if (cmp && e->type != QE_TYPE_BOOLEAN)
        return malformed(c, "comparison of non-BOOLEAN type");
    if (op == PLAN_OP_AND || op == PLAN_OP_OR || op == PLAN_OP_NOT)
        return malformed(c, "logical operator on non-BOOLEAN values");
    if (!cg_typed_op_supported(op, e->type, ta, tb))
        return unsupported(c, "operator %s on %s and %s is not supported by codegen yet",
                           plan_op_sql(op), type_name(ta), type_name(tb));
    if (!cmp && ta == tb && ta != QE_TYPE_DATE && ta != QE_TYPE_TIMESTAMP && e->type != ta)
        return unsupported(c, "operator %s on %s giving %s is not supported by codegen yet",
                           plan_op_sql(op), type_name(ta), type_name(e->type));
    return QE_OK;
}

static qe_status check_arith(chk *c, const plan_expr *e) {
    if (!is_numeric(e->type) || e->u.op.args[0]->type != e->type)
        return malformed(c, "arithmetic on non-numeric types");
    return QE_OK;
}

static qe_status check_op(chk *c, const plan_expr *e, const qe_type *in, uint32_t n_in, int depth) {
    plan_op_kind op = e->u.op.op;
    if ((unsigned)op > PLAN_OP_CONCAT)
        return malformed(c, "unknown scalar operator");
    if (op == PLAN_OP_CONCAT) {
        CHECK_TRY(c, check_op_args(c, e, in, n_in, 2, depth));
        if (e->type != QE_TYPE_VARCHAR || e->u.op.args[0]->type != QE_TYPE_VARCHAR)
            return unsupported(c, "operator || on type %s is not supported by codegen yet",
                               type_name(e->u.op.args[0]->type));
        return QE_OK;
    }
    bool unary = op == PLAN_OP_NEG || op == PLAN_OP_NOT || op == PLAN_OP_IS_NULL ||
                 op == PLAN_OP_IS_NOT_NULL;
    CHECK_TRY(c, check_op_args(c, e, in, n_in, unary ? 1 : 2, depth));
    qe_type arg = e->u.op.args[0]->type;
    if (cg_typed_op(arg, unary ? arg : e->u.op.args[1]->type))
        return check_typed_op(c, e);
    switch (op) {
    case PLAN_OP_ADD:
    case PLAN_OP_SUB:
    case PLAN_OP_MUL:
    case PLAN_OP_DIV:
    case PLAN_OP_MOD:
    case PLAN_OP_NEG: return check_arith(c, e);
    case PLAN_OP_EQ:
    case PLAN_OP_NE:
    case PLAN_OP_LT:
    case PLAN_OP_LE:
    case PLAN_OP_GT:
    case PLAN_OP_GE:
        if (e->type != QE_TYPE_BOOLEAN)
            return malformed(c, "comparison of non-BOOLEAN type");
        if (!is_comparable(arg))
            return unsupported(c, "comparison of type %s is not supported by codegen yet",
                               type_name(arg));
        return QE_OK;
    case PLAN_OP_AND:
    case PLAN_OP_OR:
    case PLAN_OP_NOT:
        if (e->type != QE_TYPE_BOOLEAN || arg != QE_TYPE_BOOLEAN)
            return malformed(c, "logical operator on non-BOOLEAN values");
        return QE_OK;
    case PLAN_OP_IS_NULL:
    case PLAN_OP_IS_NOT_NULL:
        if (e->type != QE_TYPE_BOOLEAN)
            return malformed(c, "IS NULL of non-BOOLEAN type");
        return QE_OK;
    default: return malformed(c, "unknown scalar operator");
    }
}

static qe_status check_cast(chk *c, const plan_expr *e, const qe_type *in, uint32_t n_in,
                            int depth) {
    if (e->u.cast == NULL)
        return malformed(c, "CAST without its argument");
    CHECK_TRY(c, check_expr(c, e->u.cast, in, n_in, depth + 1));
    return QE_OK; /* natively (cg_cast_native) or through rt_jit_func (cg_cast_generic) */
}

/* A constant whose value has another type than the expression: converted at compile
 * time as the interpreter converts it, unless that raises an error. */
static qe_status check_const(chk *c, const plan_expr *e) {
    const rt_value *v = &e->u.value;
    rt_value out;
    if (v->is_null || v->type == e->type || cg_const_convert(e, &out))
        return QE_OK;
    return unsupported(c, "a constant of type %s used as %s is not supported by codegen yet",
                       type_name(v->type), type_name(e->type));
}

/* CASE: BOOLEAN conditions; results and ELSE of the CASE's type (copied as they are;
 * VARCHAR too: expr.c joins their byte addresses). */
static qe_status check_case(chk *c, const plan_expr *e, const qe_type *in, uint32_t n_in,
                            int depth) {
    if (e->u.case_.n_whens == 0 || e->u.case_.whens == NULL || e->u.case_.thens == NULL ||
        e->u.case_.else_expr == NULL)
        return malformed(c, "CASE without its branches");
    for (uint32_t w = 0; w <= e->u.case_.n_whens; w++) {
        bool is_else = w == e->u.case_.n_whens;
        const plan_expr *r = is_else ? e->u.case_.else_expr : e->u.case_.thens[w];
        if (!is_else) {
            CHECK_TRY(c, check_expr(c, e->u.case_.whens[w], in, n_in, depth + 1));
            if (e->u.case_.whens[w]->type != QE_TYPE_BOOLEAN)
                return unsupported(c,
                                   "a CASE condition of type %s is not supported by codegen "
                                   "yet",
                                   type_name(e->u.case_.whens[w]->type));
        }
        CHECK_TRY(c, check_expr(c, r, in, n_in, depth + 1));
        if (r->type != e->type)
            return unsupported(c,
                               "a CASE result of type %s for a %s CASE is not supported by "
                               "codegen yet",
                               type_name(r->type), type_name(e->type));
    }
    return QE_OK;
}

/* A function call: natively compiled (expr_str.c, expr_func.c, COALESCE in expr.c) or
 * through the generic call of the interpreter's kernel (expr_func.c), with checked
 * arguments. */
static qe_status check_func(chk *c, const plan_expr *e, const qe_type *in, uint32_t n_in,
                            int depth) {
    if ((unsigned)e->u.func.fn >= PLAN_FUNC_N || (e->u.func.n_args > 0 && e->u.func.args == NULL))
        return malformed(c, "unknown function or missing arguments");
    for (uint32_t i = 0; i < e->u.func.n_args; i++) {
        if (e->u.func.args[i] == NULL)
            return malformed(c, "function without its argument");
        CHECK_TRY(c, check_expr(c, e->u.func.args[i], in, n_in, depth + 1));
    }
    char reason[160];
    if (!cg_func_supported(e, reason, sizeof reason))
        return unsupported(c, "%s", reason);
    return QE_OK;
}

static qe_status check_expr(chk *c, const plan_expr *e, const qe_type *in, uint32_t n_in,
                            int depth) {
    if (e == NULL)
        return malformed(c, "missing expression");
    if (depth > CHECK_MAX_DEPTH)
        return unsupported(c,
                           "expression nesting deeper than %d is not supported by "
                           "codegen yet",
                           CHECK_MAX_DEPTH);
    if (!cg_type_supported(e->type))
        return unsupported(c, "type %s is not supported by codegen yet", type_name(e->type));
    if (e->type == QE_TYPE_VARCHAR && e->kind != PLAN_EXPR_COLUMN && e->kind != PLAN_EXPR_CONST &&
        e->kind != PLAN_EXPR_FUNC && e->kind != PLAN_EXPR_CASE && e->kind != PLAN_EXPR_CAST &&
        !(e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_CONCAT))
        return unsupported(c, "this VARCHAR expression is not supported by codegen yet");
    switch (e->kind) {
    case PLAN_EXPR_CONST: return check_const(c, e);
    case PLAN_EXPR_COLUMN:
        if (e->u.column >= n_in)
            return malformed(c, "column reference out of range");
        if (in[e->u.column] != e->type)
            return unsupported(c,
                               "a column reference #%u typed %s for a %s column is not "
                               "supported by codegen yet",
                               e->u.column, type_name(e->type), type_name(in[e->u.column]));
        return QE_OK;
    case PLAN_EXPR_OP: return check_op(c, e, in, n_in, depth);
    case PLAN_EXPR_CAST: return check_cast(c, e, in, n_in, depth);
    case PLAN_EXPR_FUNC: return check_func(c, e, in, n_in, depth);
    case PLAN_EXPR_CASE: return check_case(c, e, in, n_in, depth);
    case PLAN_EXPR_PARAM: return unsupported(c, "parameters are not supported by codegen yet");
    default: break;
    }
    return malformed(c, "unknown expression kind");
}

/* Calls visit on every COLUMN node of e; see cg_int.h. */
void cg_expr_columns(const plan_expr *e, void (*visit)(const plan_expr *column, void *ctx),
                     void *ctx) {
    if (e == NULL)
        return;
    switch (e->kind) {
    case PLAN_EXPR_COLUMN: visit(e, ctx); return;
    case PLAN_EXPR_OP:
        cg_expr_columns(e->u.op.args[0], visit, ctx);
        cg_expr_columns(e->u.op.args[1], visit, ctx);
        return;
    case PLAN_EXPR_CAST: cg_expr_columns(e->u.cast, visit, ctx); return;
    case PLAN_EXPR_FUNC:
        for (uint32_t i = 0; i < e->u.func.n_args; i++)
            cg_expr_columns(e->u.func.args[i], visit, ctx);
        return;
    case PLAN_EXPR_CASE:
        for (uint32_t i = 0; i < e->u.case_.n_whens; i++) {
            cg_expr_columns(e->u.case_.whens[i], visit, ctx);
            cg_expr_columns(e->u.case_.thens[i], visit, ctx);
        }
        cg_expr_columns(e->u.case_.else_expr, visit, ctx);
        return;
    default: return; /* constants; subqueries and parameters fall back (check_expr) */
    }
}

/* The build columns of a probe with n_in input columns: their types, as the residual's
 * COLUMN nodes give them. */
typedef struct build_cols {
    uint32_t n_in, n_build;
    qe_type *types;
} build_cols;

static void record_build_type(const plan_expr *col, void *ctx) {
    build_cols *bc = ctx;
    if (col->u.column >= bc->n_in && col->u.column - bc->n_in < bc->n_build)
        bc->types[col->u.column - bc->n_in] = col->type;
}

/* The build column types of a probe; see cg_int.h. */
void cg_probe_build_types(const plan_op *op, uint32_t n_in, const qe_type *in_types, qe_type *out) {
    uint32_t nb = op->u.join.n_build_cols;
    plan_join_kind k = op->u.join.kind;
    for (uint32_t b = 0; b < nb; b++)
        out[b] = QE_TYPE_BIGINT;
    for (uint32_t j = 0; j < op->u.join.n_keys; j++)
        if (op->u.join.build_keys[j] < nb)
            out[op->u.join.build_keys[j]] = in_types[op->u.join.probe_keys[j]];
    if (op->u.join.filter_build) {
        memcpy(out, op->types, sizeof(qe_type) * nb);
    } else if (k != PLAN_JOIN_SEMI && k != PLAN_JOIN_ANTI && k != PLAN_JOIN_MARK) {
        memcpy(out, op->types + n_in, sizeof(qe_type) * nb);
    }
    build_cols bc = {.n_in = n_in, .n_build = nb, .types = out};
    cg_expr_columns(op->u.join.residual, record_build_type, &bc);
}

/* Key types generated code hashes and compares inline. */
static bool key_type_supported(qe_type t) {
    return t == QE_TYPE_BOOLEAN || t == QE_TYPE_SMALLINT || t == QE_TYPE_INTEGER ||
           t == QE_TYPE_DATE || t == QE_TYPE_BIGINT || t == QE_TYPE_TIMESTAMP ||
           t == QE_TYPE_DOUBLE || t == QE_TYPE_DECIMAL || t == QE_TYPE_HUGEINT ||
           t == QE_TYPE_INTERVAL || t == QE_TYPE_VARCHAR;
}

/* The probe's output schema for its kind; *out_types/out_n are the build types' home. */
static qe_status check_probe_schema(chk *c, const plan_op *op, const qe_type *types, uint32_t n) {
    uint32_t nb = op->u.join.n_build_cols;
    plan_join_kind k = op->u.join.kind;
    if (op->u.join.filter_build) {
        if (op->n_cols != nb)
            return malformed(c, "filter_build probe whose schema is not the build input's");
        return QE_OK;
    }
    uint32_t want = k == PLAN_JOIN_SEMI || k == PLAN_JOIN_ANTI ? n
                    : k == PLAN_JOIN_MARK                      ? n + 1
                                                               : n + nb;
    if (op->n_cols != want || (n > 0 && memcmp(op->types, types, sizeof(qe_type) * n)))
        return unsupported(c, "a join probe whose schema differs from its input is not "
                              "supported by codegen");
    if (k == PLAN_JOIN_MARK && op->types[n] != QE_TYPE_BOOLEAN)
        return malformed(c, "MARK join without a BOOLEAN mark");
    return QE_OK;
}

static qe_status check_probe(chk *c, const plan_op *op, const qe_type *types, uint32_t n) {
    plan_join_kind k = op->u.join.kind;
    if ((unsigned)k > PLAN_JOIN_SINGLE)
        return malformed(c, "unknown join kind");
    if (op->u.join.n_keys > 0 && (op->u.join.probe_keys == NULL || op->u.join.build_keys == NULL))
        return malformed(c, "join without its key columns");
    uint32_t nb = op->u.join.n_build_cols;
    for (uint32_t j = 0; j < op->u.join.n_keys; j++) {
        if (op->u.join.probe_keys[j] >= n || op->u.join.build_keys[j] >= nb)
            return malformed(c, "join key out of range");
        qe_type t = types[op->u.join.probe_keys[j]];
        if (!key_type_supported(t))
            return unsupported(c, "join keys of type %s are not supported by codegen yet",
                               type_name(t));
    }
    if (k == PLAN_JOIN_MARK && op->u.join.n_keys > RT_JIT_MARK_MAX_KEYS)
        return unsupported(c, "MARK joins on more than %d keys are not supported by codegen",
                           RT_JIT_MARK_MAX_KEYS);
    CHECK_TRY(c, check_probe_schema(c, op, types, n));
    qe_type *all = calloc(n + nb + 1, sizeof *all);
    if (all == NULL)
        return rt_error_set(c->err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    memcpy(all, types, sizeof(qe_type) * n);
    cg_probe_build_types(op, n, types, all + n);
    qe_status st = QE_OK;
    for (uint32_t j = 0; j < op->u.join.n_keys && st == QE_OK; j++)
        if (all[n + op->u.join.build_keys[j]] != types[op->u.join.probe_keys[j]])
            st = malformed(c, "join key has different types on both sides");
    if (st == QE_OK && c->supported && op->u.join.residual != NULL) {
        st = check_expr(c, op->u.join.residual, all, n + nb, 0);
        if (st == QE_OK && c->supported && op->u.join.residual->type != QE_TYPE_BOOLEAN)
            st = unsupported(c, "a join residual of type %s is not supported by codegen",
                             type_name(op->u.join.residual->type));
    }
    free(all);
    return st;
}

static qe_status check_operator(chk *c, const plan_op *op, const qe_type **types, uint32_t *n) {
    if (op->kind == PLAN_PHYS_LIMIT) {
        if (op->n_cols != *n || (*n > 0 && memcmp(op->types, *types, sizeof(qe_type) * *n)))
            return unsupported(c, "a limit whose schema differs from its input is not "
                                  "supported by codegen");
        return QE_OK;
    }
    if (op->kind == PLAN_PHYS_DISTINCT_ON) { /* (its keys: check_distinct_on) */
        if (op->n_cols != *n || (*n > 0 && memcmp(op->types, *types, sizeof(qe_type) * *n)))
            return malformed(c, "distinct on input width differs from its output");
        return QE_OK;
    }
    if (op->kind == PLAN_PHYS_HASH_JOIN_PROBE) {
        CHECK_TRY(c, check_probe(c, op, *types, *n));
        *types = op->types;
        *n = op->n_cols;
        return QE_OK;
    }
    if (op->kind == PLAN_PHYS_REPLICATE) { /* the input's columns but its last, a count */
        if (*n != op->n_cols + 1 || (*types)[op->n_cols] != QE_TYPE_BIGINT ||
            (op->n_cols > 0 && memcmp(op->types, *types, sizeof(qe_type) * op->n_cols)))
            return malformed(c, "replicate input is not its columns and a BIGINT count");
        *types = op->types;
        *n = op->n_cols;
        return QE_OK;
    }
    if (op->kind == PLAN_PHYS_FILTER) {
        if (op->n_cols != *n || (*n > 0 && memcmp(op->types, *types, sizeof(qe_type) * *n)))
            return unsupported(c, "a filter whose schema differs from its input is not "
                                  "supported by codegen");
        CHECK_TRY(c, check_expr(c, op->u.filter.pred, *types, *n, 0));
        if (op->u.filter.pred->type != QE_TYPE_BOOLEAN)
            return malformed(c, "filter predicate is not BOOLEAN");
        return QE_OK;
    }
    if (op->kind == PLAN_PHYS_PROJECT) {
        if (op->n_cols > 0 && (op->u.project.exprs == NULL || op->types == NULL))
            return malformed(c, "projection without expressions");
        for (uint32_t i = 0; i < op->n_cols; i++) {
            CHECK_TRY(c, check_expr(c, op->u.project.exprs[i], *types, *n, 0));
            if (op->u.project.exprs[i]->type != op->types[i])
                return unsupported(c, "a projection whose type differs from its expression "
                                      "is not supported by codegen");
        }
        *types = op->types;
        *n = op->n_cols;
        return QE_OK;
    }
    if (plan_phys_role(op->kind) != 1)
        return malformed(c, "a source or sink in the middle of a pipeline");
    return unsupported(c, "operator %s is not supported by codegen yet", plan_phys_name(op->kind));
}

/* DISTINCT_ON ops[k]: compiled code compares its keys as morsel columns (the runtime's
 * comparison, rt_jit_distinct_on_row), so each must be one, and every morsel row
 * reaches the op at most once (no probe or replicate before it). */
static qe_status check_distinct_on(chk *c, const plan_pipeline *p, uint32_t k) {
    const plan_op *op = p->ops[k];
    if (op->u.distinct_on.n_keys == 0 || op->u.distinct_on.cols == NULL)
        return malformed(c, "distinct on without keys");
    for (uint32_t i = 1; i < k; i++)
        if (p->ops[i]->kind == PLAN_PHYS_HASH_JOIN_PROBE || p->ops[i]->kind == PLAN_PHYS_REPLICATE)
            return unsupported(c, "DISTINCT ON after a join is not supported by codegen yet");
    for (uint32_t j = 0; j < op->u.distinct_on.n_keys; j++) {
        uint32_t col = op->u.distinct_on.cols[j];
        if (col >= op->n_cols)
            return malformed(c, "distinct on key out of range");
        int64_t src = cg_source_column(p, k, col);
        if (src < 0 || (uint64_t)src >= p->ops[0]->n_cols ||
            p->ops[0]->types[src] != op->types[col])
            return unsupported(c, "a DISTINCT ON key that is computed is not supported by "
                                  "codegen yet");
    }
    return QE_OK;
}

static qe_status check_column_ref(chk *c, const plan_expr *e, uint32_t n) {
    if (e == NULL || e->kind != PLAN_EXPR_COLUMN || e->u.column >= n)
        return malformed(c, "aggregate input is not a column of the sink's input");
    return QE_OK;
}

static qe_status check_agg(chk *c, const plan_op *sink, const plan_agg *a, const qe_type *types,
                           uint32_t n) {
    if ((unsigned)a->fn > PLAN_AGG_LAST)
        return malformed(c, "unknown aggregate function");
    if ((unsigned)a->fn > PLAN_AGG_AVG)
        return unsupported(c, "aggregate %s is not supported by codegen yet", plan_agg_name(a->fn));
    if (a->distinct)
        return unsupported(c, "DISTINCT aggregates are not supported by codegen yet");
    bool counts = a->fn == PLAN_AGG_COUNT || a->fn == PLAN_AGG_COUNT_STAR;
    bool has_state = cg_agg_state_repr(a->state_type) != CG_STATE_NONE;
    if (sink->u.agg.phase == PLAN_AGG_FINAL) {
        if (a->n_column >= n || types[a->n_column] != QE_TYPE_BIGINT)
            return malformed(c, "FINAL aggregate without a BIGINT count column");
        if (counts)
            return QE_OK;
        CHECK_TRY(c, check_column_ref(c, a->arg, n));
        if (!has_state || types[a->arg->u.column] != a->state_type)
            return unsupported(c,
                               "a FINAL %s state column of type %s is not supported by "
                               "codegen yet",
                               plan_agg_name(a->fn), type_name(types[a->arg->u.column]));
        return QE_OK;
    }
    if (a->fn == PLAN_AGG_COUNT_STAR)
        return QE_OK;
    CHECK_TRY(c, check_column_ref(c, a->arg, n));
    qe_type t = types[a->arg->u.column];
    if (!cg_type_supported(t))
        return unsupported(c, "aggregates over type %s are not supported by codegen yet",
                           type_name(t));
    if (a->fn == PLAN_AGG_COUNT)
        return QE_OK;
    qe_type want = cg_agg_state_type(a->fn, t);
    if (want == QE_TYPE_NULL)
        return unsupported(c, "aggregate %s over type %s is not supported by codegen yet",
                           plan_agg_name(a->fn), type_name(t));
    if (!has_state || a->state_type != want)
        return unsupported(c,
                           "aggregate %s over %s with state type %s is not supported by "
                           "codegen yet",
                           plan_agg_name(a->fn), type_name(t), type_name(a->state_type));
    return QE_OK;
}

/* The group keys and aggregates of an AGG_SINK: whether compiled code can update its
 * states itself (else c is left unsupported with the reason). */
static qe_status check_agg_fused(chk *c, const plan_op *sink, const qe_type *types, uint32_t n) {
    for (uint32_t i = 0; i < sink->u.agg.n_groups; i++)
        if (!cg_type_supported(types[sink->u.agg.groups[i]->u.column]))
            return unsupported(c, "group keys of type %s are not supported by codegen yet",
                               type_name(types[sink->u.agg.groups[i]->u.column]));
    for (uint32_t i = 0; i < sink->u.agg.n_aggs; i++)
        CHECK_TRY(c, check_agg(c, sink, &sink->u.agg.aggs[i], types, n));
    return QE_OK;
}

/* An AGG_SINK compiles fused (check_agg_fused) or, failing that, as a push sink whose
 * rows the interpreter's aggregation takes: then only its input's types matter. */
static qe_status check_agg_sink(chk *c, const plan_op *sink, const qe_type *types, uint32_t n) {
    if ((unsigned)sink->u.agg.phase > PLAN_AGG_FINAL)
        return malformed(c, "unknown aggregation phase");
    if ((sink->u.agg.n_groups > 0 && sink->u.agg.groups == NULL) ||
        (sink->u.agg.n_aggs > 0 && sink->u.agg.aggs == NULL))
        return malformed(c, "aggregation without its groups or aggregates");
    for (uint32_t i = 0; i < sink->u.agg.n_groups; i++) {
        const plan_expr *g = sink->u.agg.groups[i];
        if (g == NULL || g->kind != PLAN_EXPR_COLUMN || g->u.column >= n)
            return malformed(c, "group key is not a column of the sink's input");
    }
    char reason[8];
    chk fused = {.supported = true, .reason = reason, .cap = sizeof reason, .err = c->err};
    qe_status st = check_agg_fused(&fused, sink, types, n);
    if (st != QE_OK || fused.supported)
        return st;
    for (uint32_t i = 0; i < n; i++)
        if (!cg_type_supported(types[i]))
            return unsupported(c, "type %s is not supported by codegen yet", type_name(types[i]));
    return QE_OK;
}

/* Whether compiled code updates an AGG_SINK's states; see cg_int.h. */
bool cg_agg_fused(const plan_op *sink, const qe_type *in_types, uint32_t n_in) {
    char reason[8];
    rt_error err = {0};
    chk c = {.supported = true, .reason = reason, .cap = sizeof reason, .err = &err};
    return check_agg_fused(&c, sink, in_types, n_in) == QE_OK && c.supported;
}

static qe_status check_sink(chk *c, const plan_op *sink, const qe_type *types, uint32_t n) {
    if (plan_phys_role(sink->kind) != 2)
        return malformed(c, "pipeline does not end in a sink");
    if (sink->kind == PLAN_PHYS_AGG_SINK)
        return check_agg_sink(c, sink, types, n);
    for (uint32_t i = 0; i < n; i++)
        if (!cg_type_supported(types[i]))
            return unsupported(c, "type %s is not supported by codegen yet", type_name(types[i]));
    return QE_OK;
}

/* The operator kinds codegen compiles (a whitelist: new kinds are interpreted). */
static bool compilable_kind(plan_phys_kind kind) {
    switch (kind) {
    case PLAN_PHYS_SCAN:
    case PLAN_PHYS_VALUES:
    case PLAN_PHYS_EXCHANGE_SOURCE:
    case PLAN_PHYS_AGG_SOURCE:
    case PLAN_PHYS_SORT_SOURCE:
    case PLAN_PHYS_JOIN_UNMATCHED:
    case PLAN_PHYS_CSV_SCAN:
    case PLAN_PHYS_RANGE:
    case PLAN_PHYS_WINDOW_SOURCE:
    case PLAN_PHYS_FILTER:
    case PLAN_PHYS_PROJECT:
    case PLAN_PHYS_LIMIT:
    case PLAN_PHYS_DISTINCT_ON:
    case PLAN_PHYS_HASH_JOIN_PROBE:
    case PLAN_PHYS_REPLICATE:
    case PLAN_PHYS_HASH_JOIN_BUILD:
    case PLAN_PHYS_AGG_SINK:
    case PLAN_PHYS_SORT_SINK:
    case PLAN_PHYS_EXCHANGE_SINK:
    case PLAN_PHYS_INSERT_SINK:
    case PLAN_PHYS_RESULT_SINK:
    case PLAN_PHYS_WINDOW_SINK: return true;
    default: return false;
    }
}

/* True if every operator between source and sink is a PROJECT of column references
 * (a reordering: the interpreter's projection shares the vectors). */
static bool only_column_projects(const plan_pipeline *p) {
    for (uint32_t i = 1; i + 1 < p->n_ops; i++) {
        if (p->ops[i]->kind != PLAN_PHYS_PROJECT)
            return false;
        for (uint32_t c = 0; c < p->ops[i]->n_cols; c++)
            if (p->ops[i]->u.project.exprs[c]->kind != PLAN_EXPR_COLUMN)
                return false;
    }
    return true;
}

/* Checks a pipeline; see cg_int.h. */
qe_status cg_check_pipeline(const plan_pipeline *p, bool *supported, char *reason, size_t cap,
                            rt_error *err) {
    chk c = {.supported = true, .reason = reason, .cap = cap, .err = err};
    *supported = false;
    if (cap > 0)
        reason[0] = '\0';
    if (p == NULL || p->n_ops < 2 || p->ops == NULL)
        return malformed(&c, "pipeline without source and sink");
    for (uint32_t i = 0; i < p->n_ops; i++)
        if (p->ops[i] == NULL || (p->ops[i]->n_cols > 0 && p->ops[i]->types == NULL))
            return malformed(&c, "missing operator");
    const plan_op *src = p->ops[0];
    if (plan_phys_role(src->kind) != 0)
        return malformed(&c, "pipeline does not start with a source");
    for (uint32_t i = 0; i < p->n_ops; i++)
        if (!compilable_kind(p->ops[i]->kind))
            return unsupported(&c, "operator %s is not supported by codegen yet",
                               plan_phys_name(p->ops[i]->kind));
    const qe_type *types = src->types;
    uint32_t n = src->n_cols;
    for (uint32_t i = 1; i + 1 < p->n_ops; i++) {
        CHECK_TRY(&c, check_operator(&c, p->ops[i], &types, &n));
        if (p->ops[i]->kind == PLAN_PHYS_DISTINCT_ON)
            CHECK_TRY(&c, check_distinct_on(&c, p, i));
    }
    const plan_op *sink = p->ops[p->n_ops - 1];
    if (sink->kind != PLAN_PHYS_AGG_SINK && sink->n_cols != n)
        return unsupported(&c, "a sink whose schema differs from its input is not "
                               "supported by codegen");
    CHECK_TRY(&c, check_sink(&c, sink, types, n));
    /* Without operators (or only column-reference PROJECTs) the interpreter hands each
     * morsel to the sink as it is; compiled code could only copy it or hand it on (an
     * aggregation still gains a fused update, except one by a VARCHAR key, which
     * compiled code hands on as it is too: sink.c agg_pass, and one whose aggregates
     * only the interpreter updates). */
    if (only_column_projects(p) && (sink->kind != PLAN_PHYS_AGG_SINK ||
                                    cg_agg_by_string(sink, types) || !cg_agg_fused(sink, types, n)))
        return unsupported(&c, "nothing to compile: the source feeds the sink directly");
    *supported = true;
    return QE_OK;
}

bool cg_pipeline_supported(const plan_pipeline *p) {
    bool supported = false;
    char reason[8];
    rt_error err;
    rt_error_clear(&err);
    return cg_check_pipeline(p, &supported, reason, sizeof reason, &err) == QE_OK && supported;
}

/* Traces a column back to a probe's build column; see cg_int.h. */
bool cg_trace_build_column(const plan_pipeline *p, uint32_t op_idx, uint32_t col,
                           uint32_t *probe_op, uint32_t *build_col) {
    for (uint32_t i = op_idx; i-- > 1;) {
        const plan_op *op = p->ops[i];
        if (op->kind == PLAN_PHYS_HASH_JOIN_PROBE) {
            uint32_t n_in = p->ops[i - 1]->n_cols;
            if (op->u.join.filter_build) /* emits nothing; its schema is the build's */
                return false;
            if (col < n_in)
                continue;
            plan_join_kind k = op->u.join.kind;
            if (k == PLAN_JOIN_SEMI || k == PLAN_JOIN_ANTI || k == PLAN_JOIN_MARK ||
                col - n_in >= op->u.join.n_build_cols)
                return false;
            *probe_op = i;
            *build_col = col - n_in;
            return true;
        }
        if (op->kind != PLAN_PHYS_PROJECT)
            continue;
        const plan_expr *e = op->u.project.exprs[col];
        while (e->kind == PLAN_EXPR_CAST && e->u.cast->type == e->type && cg_cast_native(e))
            e = e->u.cast; /* keeps the value (a generic cast computes a new string) */
        if (e->kind != PLAN_EXPR_COLUMN)
            return false;
        col = e->u.column;
    }
    return false;
}

/* Traces a column back to the source; see cg_int.h. */
int64_t cg_trace_column(const plan_pipeline *p, uint32_t op_idx, uint32_t col) {
    for (uint32_t i = op_idx; i-- > 1;) {
        const plan_op *op = p->ops[i];
        if (op->kind == PLAN_PHYS_HASH_JOIN_PROBE) {
            /* probe columns come first (none with filter_build); the rest are computed */
            if (op->u.join.filter_build || col >= p->ops[i - 1]->n_cols)
                return -1;
            continue;
        }
        if (op->kind != PLAN_PHYS_PROJECT)
            continue;
        const plan_expr *e = op->u.project.exprs[col];
        while (e->kind == PLAN_EXPR_CAST && e->u.cast->type == e->type && cg_cast_native(e))
            e = e->u.cast; /* keeps the value (a generic cast computes a new string) */
        if (e->kind != PLAN_EXPR_COLUMN)
            return -1;
        col = e->u.column;
    }
    return col;
}
