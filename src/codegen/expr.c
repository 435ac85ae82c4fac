/*
 * expr.c -- scalar expressions in registers: each expression becomes a value and an
 * i1 null flag (cg_val), computed for the current row of the pipeline's row loop.
 *
 * The semantics are the interpreter's (plan.h): NULL propagates through arithmetic
 * and comparisons, AND/OR/NOT use three-valued logic, IS [NOT] NULL is never NULL.
 * Integer + - * and unary minus are checked (llvm.s*.with.overflow); / and % check
 * for a zero divisor and INT_MIN / -1.  Errors carry the failing expression's
 * position and result type, as the interpreter's do (rt_jit_error_at).  Errors are raised only for
 * non-NULL rows: the operands of a NULL row are arbitrary bytes, so every operation is written to
 * be defined (no trap, no poison that matters) whatever they hold.  As in the interpreter, the
 * right side of AND/OR runs only on rows the left side does not decide, so `b <> 0 AND a / b > 1`
 * never divides by zero.  In block.c's fast predicate loop (f->err_var set) both sides
 * run, without branches, and cg_raise_if only records the error (block.c's exact loop
 * then redoes the block with the rules above).
 */
#include "cg_int.h"

#include <math.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static LLVMValueRef not1(cg_module *m, LLVMValueRef v) { return LLVMBuildNot(m->b, v, ""); }
static LLVMValueRef or1(cg_module *m, LLVMValueRef a, LLVMValueRef b) { return cg_or1(m, a, b); }
static LLVMValueRef and1(cg_module *m, LLVMValueRef a, LLVMValueRef b) { return cg_and1(m, a, b); }

static LLVMValueRef int_const(cg_module *m, qe_type t, int64_t v) {
    return LLVMConstInt(cg_reg_type(m, t), (unsigned long long)v, true);
}

static int64_t int_min(qe_type t) { return t == QE_TYPE_INTEGER ? INT32_MIN : INT64_MIN; }

/* A constant, converted to the expression's type as the interpreter does (check.c has
 * verified that the conversion succeeds). */
static cg_val gen_const(cg_module *m, const plan_expr *e) {
    rt_value val;
    if (!cg_const_convert(e, &val))
        val.is_null = true; /* not reached: check.c */
    LLVMTypeRef t = cg_reg_type(m, e->type);
    cg_val out = {.null = cg_i1(m, val.is_null)};
    out.v = val.is_null ? LLVMConstNull(t) : cg_typed_const(m, e, &val);
    if ((e->type == QE_TYPE_DECIMAL || e->type == QE_TYPE_HUGEINT) &&
        (val.is_null || (val.u.h >= INT64_MIN && val.u.h <= INT64_MAX)))
        out.v64 = cg_i64(m, val.is_null ? 0 : (int64_t)val.u.h);
    return out;
}

/* A two-way phi; see cg_int.h. */
LLVMValueRef cg_phi2(cg_module *m, LLVMTypeRef t, const char *name, LLVMValueRef v0,
                     LLVMBasicBlockRef b0, LLVMValueRef v1, LLVMBasicBlockRef b1) {
    LLVMValueRef phi = LLVMBuildPhi(m->b, t, name);
    LLVMValueRef vals[2] = {v0, v1};
    LLVMBasicBlockRef blocks[2] = {b0, b1};
    LLVMAddIncoming(phi, vals, blocks, 2);
    return phi;
}

/* llvm.fabs of a float or double. */
LLVMValueRef cg_fabs(cg_module *m, LLVMValueRef v) {
    unsigned id = LLVMLookupIntrinsicID("llvm.fabs", 9);
    LLVMTypeRef t = LLVMTypeOf(v);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(m->mod, id, &t, 1);
    LLVMTypeRef fn_type = LLVMIntrinsicGetType(m->ctx, id, &t, 1);
    return LLVMBuildCall2(m->b, fn_type, fn, &v, 1, "");
}

/* llvm.prefetch of p; see cg_int.h. */
void cg_prefetch(cg_module *m, LLVMValueRef p) {
    if (m->cheap)
        return;
    unsigned id = LLVMLookupIntrinsicID("llvm.prefetch", 13);
    LLVMTypeRef pt = m->t_ptr;
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(m->mod, id, &pt, 1);
    LLVMTypeRef ft = LLVMIntrinsicGetType(m->ctx, id, &pt, 1);
    LLVMValueRef args[4] = {p, cg_i32(m, 0), cg_i32(m, 3), cg_i32(m, 1)};
    LLVMBuildCall2(m->b, ft, fn, args, 4, "");
}

/* Calls llvm.<name>.with.overflow on a and b; see cg_int.h. */
LLVMValueRef cg_with_overflow(cg_module *m, const char *name, LLVMValueRef a, LLVMValueRef b,
                              LLVMValueRef *ovf) {
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(m->mod, id, &t, 1);
    LLVMTypeRef fn_type = LLVMIntrinsicGetType(m->ctx, id, &t, 1);
    LLVMValueRef args[2] = {a, b};
    LLVMValueRef pair = LLVMBuildCall2(m->b, fn_type, fn, args, 2, "");
    *ovf = LLVMBuildExtractValue(m->b, pair, 1, "ovf");
    return LLVMBuildExtractValue(m->b, pair, 0, "");
}

/* a <op> b, raising "<type> out of range" at e's position on overflow. */
static LLVMValueRef checked(cg_fn *f, const plan_expr *e, const char *name, LLVMValueRef a,
                            LLVMValueRef b, LLVMValueRef null) {
    LLVMValueRef ovf;
    LLVMValueRef r = cg_with_overflow(f->m, name, a, b, &ovf);
    cg_raise_if(f, and1(f->m, ovf, not1(f->m, null)), cg_overflow_code(e->type), e->position);
    return r;
}

/* Integer / and %: zero divisor and INT_MIN / -1 raise; INT_MIN % -1 is 0. */
static LLVMValueRef int_divmod(cg_fn *f, const plan_expr *e, bool is_mod, LLVMValueRef a,
                               LLVMValueRef d, LLVMValueRef null) {
    cg_module *m = f->m;
    qe_type t = e->type;
    LLVMValueRef valid = not1(m, null);
    LLVMValueRef zero = LLVMBuildICmp(m->b, LLVMIntEQ, d, int_const(m, t, 0), "");
    cg_raise_if(f, and1(m, zero, valid), RT_JIT_ERR_DIV_ZERO, e->position);
    LLVMValueRef minus1 = LLVMBuildICmp(m->b, LLVMIntEQ, d, int_const(m, t, -1), "");
    if (!is_mod) {
        LLVMValueRef is_min = LLVMBuildICmp(m->b, LLVMIntEQ, a, int_const(m, t, int_min(t)), "");
        cg_raise_if(f, and1(m, and1(m, minus1, is_min), valid), cg_overflow_code(t), e->position);
    }
    LLVMValueRef safe = LLVMBuildSelect(m->b, or1(m, zero, minus1), int_const(m, t, 1), d, "");
    if (is_mod) {
        LLVMValueRef r = LLVMBuildSRem(m->b, a, safe, "");
        return LLVMBuildSelect(m->b, minus1, int_const(m, t, 0), r, "");
    }
    LLVMValueRef q = LLVMBuildSDiv(m->b, a, safe, "");
    LLVMValueRef neg = LLVMBuildSub(m->b, int_const(m, t, 0), a, "");
    return LLVMBuildSelect(m->b, minus1, neg, q, "");
}

static LLVMValueRef int_arith(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                              LLVMValueRef null) {
    switch (e->u.op.op) {
    case PLAN_OP_ADD: return checked(f, e, "llvm.sadd.with.overflow", a, b, null);
    case PLAN_OP_SUB: return checked(f, e, "llvm.ssub.with.overflow", a, b, null);
    case PLAN_OP_MUL: return checked(f, e, "llvm.smul.with.overflow", a, b, null);
    case PLAN_OP_DIV: return int_divmod(f, e, false, a, b, null);
    default: return int_divmod(f, e, true, a, b, null);
    }
}

/* True if v is +/-infinity. */
static LLVMValueRef is_inf(cg_module *m, LLVMValueRef v) {
    LLVMValueRef pos = LLVMBuildFCmp(m->b, LLVMRealOEQ, v, LLVMConstReal(m->t_f64, INFINITY), "");
    LLVMValueRef neg = LLVMBuildFCmp(m->b, LLVMRealOEQ, v, LLVMConstReal(m->t_f64, -INFINITY), "");
    return or1(m, pos, neg);
}

/* DOUBLE arithmetic: IEEE, except (as PostgreSQL, and as the interpreter) that division
 * by zero raises 22012 and an infinity from finite operands raises 22003. */
static LLVMValueRef double_arith(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                                 LLVMValueRef null) {
    cg_module *m = f->m;
    plan_op_kind op = e->u.op.op;
    LLVMValueRef valid = not1(m, null), r;
    if (op == PLAN_OP_DIV || op == PLAN_OP_MOD) {
        LLVMValueRef zero = LLVMBuildFCmp(m->b, LLVMRealOEQ, b, LLVMConstReal(m->t_f64, 0.0), "");
        cg_raise_if(f, and1(m, zero, valid), RT_JIT_ERR_DIV_ZERO, e->position);
    }
    switch (op) {
    case PLAN_OP_ADD: r = LLVMBuildFAdd(m->b, a, b, ""); break;
    case PLAN_OP_SUB: r = LLVMBuildFSub(m->b, a, b, ""); break;
    case PLAN_OP_MUL: r = LLVMBuildFMul(m->b, a, b, ""); break;
    case PLAN_OP_DIV: r = LLVMBuildFDiv(m->b, a, b, ""); break;
    default: return LLVMBuildFRem(m->b, a, b, ""); /* never overflows */
    }
    LLVMValueRef finite_in = not1(m, or1(m, is_inf(m, a), is_inf(m, b)));
    LLVMValueRef ovf = and1(m, and1(m, is_inf(m, r), finite_in), valid);
    cg_raise_if(f, ovf, RT_JIT_ERR_OVERFLOW_DOUBLE, e->position);
    return r;
}

static LLVMValueRef compare(cg_module *m, plan_op_kind op, qe_type t, LLVMValueRef a,
                            LLVMValueRef b) {
    static const LLVMIntPredicate sint[] = {LLVMIntEQ,  LLVMIntNE,  LLVMIntSLT,
                                            LLVMIntSLE, LLVMIntSGT, LLVMIntSGE};
    static const LLVMIntPredicate uint[] = {LLVMIntEQ,  LLVMIntNE,  LLVMIntULT,
                                            LLVMIntULE, LLVMIntUGT, LLVMIntUGE};
    static const LLVMRealPredicate real[] = {LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT,
                                             LLVMRealOLE, LLVMRealOGT, LLVMRealOGE};
    unsigned i = (unsigned)(op - PLAN_OP_EQ);
    if (t == QE_TYPE_DOUBLE)
        return LLVMBuildFCmp(m->b, real[i], a, b, "");
    if (t == QE_TYPE_BOOLEAN) { /* as bytes: fast instruction selection compares no i1 */
        a = LLVMBuildZExt(m->b, a, m->t_i8, "");
        b = LLVMBuildZExt(m->b, b, m->t_i8, "");
    }
    return LLVMBuildICmp(m->b, t == QE_TYPE_BOOLEAN ? uint[i] : sint[i], a, b, "");
}

/* Three-valued AND (is_or false) / OR (is_or true). */
static cg_val logic(cg_module *m, bool is_or, cg_val a, cg_val b) {
    /* the dominant value: FALSE for AND, TRUE for OR */
    LLVMValueRef a_dom = and1(m, not1(m, a.null), is_or ? a.v : not1(m, a.v));
    LLVMValueRef b_dom = and1(m, not1(m, b.null), is_or ? b.v : not1(m, b.v));
    LLVMValueRef dom = or1(m, a_dom, b_dom);
    cg_val out = {0};
    out.null = and1(m, not1(m, dom), or1(m, a.null, b.null));
    out.v = is_or ? dom : and1(m, not1(m, dom), not1(m, out.null));
    return out;
}

/* Columns of the morsel loaded so far: a copy, for branches that load more. */
static bool *save_loaded(cg_fn *f) {
    if (f->row_loaded == NULL)
        return NULL;
    bool *saved = malloc(f->n_cols + 1);
    if (saved)
        memcpy(saved, f->row_loaded, f->n_cols);
    return saved;
}

/* Forgets loads made inside a branch: they do not dominate the code after it. */
static void restore_loaded(cg_fn *f, bool *saved) {
    if (saved)
        memcpy(f->row_loaded, saved, f->n_cols);
    free(saved);
}

/* Whether e never raises an error; see cg_int.h. */
bool cg_expr_error_free(const plan_expr *e, bool fixed_width) {
    if (e == NULL || (fixed_width && e->type == QE_TYPE_VARCHAR))
        return false;
    switch (e->kind) {
    case PLAN_EXPR_CONST:
    case PLAN_EXPR_COLUMN: return !fixed_width || e->type != QE_TYPE_INTERVAL;
    case PLAN_EXPR_OP: break;
    default: return false;
    }
    plan_op_kind op = e->u.op.op;
    bool logic = op == PLAN_OP_AND || op == PLAN_OP_OR || op == PLAN_OP_NOT ||
                 op == PLAN_OP_IS_NULL || op == PLAN_OP_IS_NOT_NULL;
    if (!logic && !(op >= PLAN_OP_EQ && op <= PLAN_OP_GE))
        return false;
    return cg_expr_error_free(e->u.op.args[0], fixed_width) &&
           (e->u.op.args[1] == NULL || cg_expr_error_free(e->u.op.args[1], fixed_width));
}

/* A fixed-width type whose values cg_expr_deferrable may compute and cast from. */
static bool defer_type(qe_type t, bool cast_from) {
    switch (t) {
    case QE_TYPE_NULL:
    case QE_TYPE_BOOLEAN:
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT:
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_DATE: return true;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: return !cast_from; /* float -> integer casts: no poison to mind */
    default: return false;
    }
}

/* Whether e's raise checks may be gathered; see cg_int.h. */
bool cg_expr_deferrable(const plan_expr *e) {
    if (e == NULL || e->kind == PLAN_EXPR_CONST || e->kind == PLAN_EXPR_COLUMN)
        return true; /* of any type: loads, no check */
    if (!defer_type(e->type, false))
        return false;
    if (e->kind == PLAN_EXPR_CAST) /* (not through rt_jit_func, which may fail) */
        return cg_cast_native(e) && defer_type(e->u.cast->type, true) &&
               cg_expr_deferrable(e->u.cast);
    if (e->kind != PLAN_EXPR_OP)
        return false; /* CASE's branches, functions' calls, subqueries */
    const plan_expr *a = e->u.op.args[0], *b = e->u.op.args[1];
    plan_op_kind op = e->u.op.op;
    if (op == PLAN_OP_CONCAT || !defer_type(a->type, false) || (b && !defer_type(b->type, false)))
        return false;
    if ((op == PLAN_OP_AND || op == PLAN_OP_OR) && !cg_expr_error_free(b, true))
        return false; /* its right side would run in a block of its own (gen_and_or) */
    return cg_expr_deferrable(a) && cg_expr_deferrable(b);
}

/* AND/OR: the right side is evaluated only when the left side does not decide (the
 * cheap tier: always, when it is error-free and fixed-width). */
static qe_status gen_and_or(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in,
                            cg_val *out, rt_error *err) {
    cg_module *m = f->m;
    bool is_or = e->u.op.op == PLAN_OP_OR, handled = false;
    cg_val a, b;
    qe_status st = is_or ? cg_in_list(f, e, in, n_in, out, &handled, err) : QE_OK;
    if (st != QE_OK || handled)
        return st;
    st = cg_expr(f, e->u.op.args[0], in, n_in, &a, err);
    if (st != QE_OK)
        return st;
    if (f->err_var || (m->cheap && cg_expr_error_free(e->u.op.args[1], true))) {
        /* a block loop (block.c): both sides, branch-free, errors recorded */
        st = cg_expr(f, e->u.op.args[1], in, n_in, &b, err);
        if (st == QE_OK)
            *out = logic(m, is_or, a, b);
        return st;
    }
    LLVMValueRef decided = and1(m, not1(m, a.null), is_or ? a.v : not1(m, a.v));
    LLVMBasicBlockRef from = LLVMGetInsertBlock(m->b);
    LLVMBasicBlockRef rhs =
        LLVMAppendBasicBlockInContext(m->ctx, f->fn, is_or ? "or_rhs" : "and_rhs");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(m->ctx, f->fn, is_or ? "or" : "and");
    LLVMBuildCondBr(m->b, decided, join, rhs);
    LLVMPositionBuilderAtEnd(m->b, rhs);
    bool *saved = save_loaded(f);
    if (f->row_loaded && saved == NULL)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    st = cg_expr(f, e->u.op.args[1], in, n_in, &b, err);
    restore_loaded(f, saved);
    if (st != QE_OK)
        return st;
    cg_val r = logic(m, is_or, a, b);
    LLVMBasicBlockRef rhs_end = LLVMGetInsertBlock(m->b);
    LLVMBuildBr(m->b, join);
    LLVMMoveBasicBlockAfter(join, rhs_end);
    LLVMPositionBuilderAtEnd(m->b, join);
    out->v = cg_phi2(m, m->t_i1, "", cg_i1(m, is_or), from, r.v, rhs_end);
    out->null = cg_phi2(m, m->t_i1, "", cg_i1(m, false), from, r.null, rhs_end);
    return QE_OK;
}

static qe_status gen_op(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                        rt_error *err) {
    cg_module *m = f->m;
    plan_op_kind op = e->u.op.op;
    if (op == PLAN_OP_AND || op == PLAN_OP_OR)
        return gen_and_or(f, e, in, n_in, out, err);
    cg_val a, b = {0};
    qe_status st = cg_expr(f, e->u.op.args[0], in, n_in, &a, err);
    if (st == QE_OK && e->u.op.args[1] != NULL)
        st = cg_expr(f, e->u.op.args[1], in, n_in, &b, err);
    if (st != QE_OK)
        return st;
    qe_type t = e->u.op.args[0]->type;
    if (op == PLAN_OP_CONCAT)
        return cg_str_concat(f, e, a, b, out);
    if (t == QE_TYPE_VARCHAR && op >= PLAN_OP_EQ && op <= PLAN_OP_GE)
        return cg_str_compare(f, e, a, b, out);
    if (cg_typed_op(t, e->u.op.args[1] ? e->u.op.args[1]->type : t)) {
        out->null = b.null ? or1(m, a.null, b.null) : a.null;
        if (cg_typed_op64(f, e, &a, &b, out) || cg_typed_op_words(f, e, &a, &b, out))
            return QE_OK;
        if (op >= PLAN_OP_EQ && op <= PLAN_OP_GE)
            out->v = cg_typed_compare(m, e, a.v, b.v);
        else if (op != PLAN_OP_IS_NULL && op != PLAN_OP_IS_NOT_NULL)
            out->v = cg_typed_arith(f, e, a.v, b.v, out->null);
        else
            *out = (cg_val){.v = op == PLAN_OP_IS_NULL ? a.null : not1(m, a.null),
                            .null = cg_i1(m, false)};
        return QE_OK;
    }
    switch (op) {
    case PLAN_OP_ADD:
    case PLAN_OP_SUB:
    case PLAN_OP_MUL:
    case PLAN_OP_DIV:
    case PLAN_OP_MOD:
        out->null = or1(m, a.null, b.null);
        out->v = t == QE_TYPE_DOUBLE ? double_arith(f, e, a.v, b.v, out->null)
                                     : int_arith(f, e, a.v, b.v, out->null);
        return QE_OK;
    case PLAN_OP_NEG:
        out->null = a.null;
        out->v = t == QE_TYPE_DOUBLE
                     ? LLVMBuildFNeg(m->b, a.v, "")
                     : checked(f, e, "llvm.ssub.with.overflow", int_const(m, t, 0), a.v, a.null);
        return QE_OK;
    case PLAN_OP_EQ:
    case PLAN_OP_NE:
    case PLAN_OP_LT:
    case PLAN_OP_LE:
    case PLAN_OP_GT:
    case PLAN_OP_GE:
        out->null = or1(m, a.null, b.null);
        out->v = compare(m, op, t, a.v, b.v);
        return QE_OK;
    case PLAN_OP_NOT: *out = (cg_val){.v = not1(m, a.v), .null = a.null}; return QE_OK;
    case PLAN_OP_IS_NULL:
    case PLAN_OP_IS_NOT_NULL:
        *out = (cg_val){.v = op == PLAN_OP_IS_NULL ? a.null : not1(m, a.null),
                        .null = cg_i1(m, false)};
        return QE_OK;
    default:
        return rt_error_set(err, QE_INTERNAL, "XX000", e->position,
                            "codegen: unexpected operator %s", plan_op_sql(op));
    }
}

/* DOUBLE -> integer: round half away from zero (llvm.round, the interpreter's round()),
 * then range-check (NaN fails the check). */
static LLVMValueRef double_to_int(cg_fn *f, const plan_expr *e, LLVMValueRef d, LLVMValueRef null) {
    qe_type to = e->type;
    cg_module *m = f->m;
    unsigned id = LLVMLookupIntrinsicID("llvm.round", 10);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(m->mod, id, &m->t_f64, 1);
    LLVMTypeRef fn_type = LLVMIntrinsicGetType(m->ctx, id, &m->t_f64, 1);
    LLVMValueRef r = LLVMBuildCall2(m->b, fn_type, fn, &d, 1, "");
    double lo = to == QE_TYPE_INTEGER ? -2147483648.0 : -9223372036854775808.0;
    LLVMValueRef ge = LLVMBuildFCmp(m->b, LLVMRealOGE, r, LLVMConstReal(m->t_f64, lo), "");
    LLVMValueRef lt = LLVMBuildFCmp(m->b, LLVMRealOLT, r, LLVMConstReal(m->t_f64, -lo), "");
    LLVMValueRef ok = and1(m, ge, lt);
    cg_raise_if(f, and1(m, not1(m, ok), not1(m, null)), cg_overflow_code(to), e->position);
    LLVMValueRef safe = LLVMBuildSelect(m->b, ok, r, LLVMConstReal(m->t_f64, 0.0), "");
    return LLVMBuildFPToSI(m->b, safe, cg_reg_type(m, to), "");
}

/* CAST between BOOLEAN, INTEGER, BIGINT and DOUBLE with the interpreter's rules
 * (cast.c): numbers to BOOLEAN are "<> 0", narrowing is checked. */
static LLVMValueRef gen_cast_value(cg_fn *f, const plan_expr *e, cg_val a) {
    cg_module *m = f->m;
    qe_type from = e->u.cast->type, to = e->type;
    if (cg_typed_op(from, to))
        return cg_typed_cast(f, e, a);
    if (from == to)
        return a.v;
    if (to == QE_TYPE_BOOLEAN && from == QE_TYPE_DOUBLE)
        return LLVMBuildFCmp(m->b, LLVMRealUNE, a.v, LLVMConstReal(m->t_f64, 0.0), "");
    if (to == QE_TYPE_BOOLEAN)
        return LLVMBuildICmp(m->b, LLVMIntNE, a.v, LLVMConstNull(LLVMTypeOf(a.v)), "");
    if (from == QE_TYPE_BOOLEAN)
        return to == QE_TYPE_DOUBLE ? LLVMBuildUIToFP(m->b, a.v, m->t_f64, "")
                                    : LLVMBuildZExt(m->b, a.v, cg_reg_type(m, to), "");
    if (to == QE_TYPE_DOUBLE)
        return LLVMBuildSIToFP(m->b, a.v, m->t_f64, "");
    if (from == QE_TYPE_DOUBLE)
        return double_to_int(f, e, a.v, a.null);
    if (to == QE_TYPE_BIGINT)
        return LLVMBuildSExt(m->b, a.v, m->t_i64, "");
    /* BIGINT -> INTEGER */
    LLVMValueRef lo = LLVMBuildICmp(m->b, LLVMIntSLT, a.v, cg_i64(m, INT32_MIN), "");
    LLVMValueRef hi = LLVMBuildICmp(m->b, LLVMIntSGT, a.v, cg_i64(m, INT32_MAX), "");
    cg_raise_if(f, and1(m, or1(m, lo, hi), not1(m, a.null)), RT_JIT_ERR_OVERFLOW, e->position);
    return LLVMBuildTrunc(m->b, a.v, m->t_i32, "");
}

/* The incoming values of the result phis of a CASE or COALESCE. */
typedef struct case_arms {
    LLVMValueRef *vals, *nulls, *strs; /* strs: VARCHAR results' byte addresses */
    LLVMBasicBlockRef *blocks;
    unsigned n;
} case_arms;

static bool arms_alloc(case_arms *arms, unsigned n) {
    arms->vals = calloc(n, sizeof(LLVMValueRef));
    arms->nulls = calloc(n, sizeof(LLVMValueRef));
    arms->strs = calloc(n, sizeof(LLVMValueRef));
    arms->blocks = calloc(n, sizeof(LLVMBasicBlockRef));
    arms->n = 0;
    return arms->vals && arms->nulls && arms->strs && arms->blocks;
}

static void arms_free(case_arms *arms) {
    free(arms->vals);
    free(arms->nulls);
    free(arms->strs);
    free(arms->blocks);
}

/* Whether CASE results of type t meet as two i64 words (the cheap tier's DECIMAL and
 * HUGEINT: fast instruction selection takes no i128 phi). */
static bool arms_in_words(const cg_module *m, qe_type t) {
    return m->cheap && (t == QE_TYPE_DECIMAL || t == QE_TYPE_HUGEINT);
}

/* Records value v of type t (in the current block) as an incoming value of the
 * result: a VARCHAR's bytes are addressed explicitly (cg_str_ptr) and its view reduced
 * to the length, so arms of any origin meet in phis. */
static void arms_add(cg_fn *f, case_arms *arms, qe_type t, cg_val v) {
    cg_module *m = f->m;
    if (arms_in_words(m, t)) { /* the low words in vals, the high words in strs */
        LLVMValueRef lo, hi;
        if (!cg_val_words(m, &v, &lo, &hi)) {
            lo = LLVMBuildTrunc(m->b, v.v, m->t_i64, "");
            LLVMValueRef sh = LLVMBuildLShr(m->b, v.v, LLVMConstInt(m->t_i128, 64, false), "");
            hi = LLVMBuildTrunc(m->b, sh, m->t_i64, "");
        }
        v.v = lo;
        arms->strs[arms->n] = hi;
    } else if (t == QE_TYPE_VARCHAR) {
        arms->strs[arms->n] = cg_str_ptr(f, v);
        v.v = LLVMBuildZExt(m->b, cg_str_len(f, v), m->t_i64, "");
    }
    arms->vals[arms->n] = v.v;
    arms->nulls[arms->n] = v.null;
    arms->blocks[arms->n++] = LLVMGetInsertBlock(m->b);
}

/* The result phis at the join block (the builder's position). */
static cg_val arms_join(cg_fn *f, case_arms *arms, qe_type t) {
    cg_module *m = f->m;
    cg_val out = {0};
    if (arms_in_words(m, t)) {
        LLVMValueRef lo = LLVMBuildPhi(m->b, m->t_i64, "case_lo");
        LLVMAddIncoming(lo, arms->vals, arms->blocks, arms->n);
        LLVMValueRef hi = LLVMBuildPhi(m->b, m->t_i64, "case_hi");
        LLVMAddIncoming(hi, arms->strs, arms->blocks, arms->n);
        LLVMValueRef null = LLVMBuildPhi(m->b, m->t_i1, "case_null");
        LLVMAddIncoming(null, arms->nulls, arms->blocks, arms->n);
        return cg_val_from_words(m, lo, hi, null);
    }
    out.v = LLVMBuildPhi(m->b, cg_reg_type(m, t), "case");
    LLVMAddIncoming(out.v, arms->vals, arms->blocks, arms->n);
    out.null = LLVMBuildPhi(m->b, m->t_i1, "case_null");
    LLVMAddIncoming(out.null, arms->nulls, arms->blocks, arms->n);
    if (t == QE_TYPE_VARCHAR) {
        out.str = LLVMBuildPhi(m->b, m->t_ptr, "case_str");
        LLVMAddIncoming(out.str, arms->strs, arms->blocks, arms->n);
    }
    return out;
}

/* Evaluates a CASE arm in the current block and branches to join. */
static qe_status case_arm(cg_fn *f, const plan_expr *x, qe_type t, const cg_val *in, uint32_t n_in,
                          LLVMBasicBlockRef join, case_arms *arms, rt_error *err) {
    cg_val v;
    qe_status st = cg_expr(f, x, in, n_in, &v, err);
    if (st != QE_OK)
        return st;
    arms_add(f, arms, t, v);
    LLVMBuildBr(f->m->b, join);
    return QE_OK;
}

/* The WHEN/THEN chain of a CASE: each WHEN runs only on rows no earlier WHEN took,
 * each THEN only on the rows its WHEN takes (TRUE, not NULL), as rt_func_eval's
 * eval_case; ELSE on the rest. */
static qe_status case_chain(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in,
                            LLVMBasicBlockRef join, case_arms *arms, rt_error *err) {
    cg_module *m = f->m;
    for (uint32_t w = 0; w < e->u.case_.n_whens; w++) {
        cg_val c;
        qe_status st = cg_expr(f, e->u.case_.whens[w], in, n_in, &c, err);
        if (st != QE_OK)
            return st;
        LLVMBasicBlockRef then = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "case_then");
        LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "case_next");
        LLVMBuildCondBr(m->b, and1(m, c.v, not1(m, c.null)), then, next);
        LLVMPositionBuilderAtEnd(m->b, then);
        bool *saved = save_loaded(f);
        if (f->row_loaded && saved == NULL)
            return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
        st = case_arm(f, e->u.case_.thens[w], e->type, in, n_in, join, arms, err);
        restore_loaded(f, saved);
        if (st != QE_OK)
            return st;
        LLVMPositionBuilderAtEnd(m->b, next);
    }
    return case_arm(f, e->u.case_.else_expr, e->type, in, n_in, join, arms, err);
}

/* CASE: control flow joining in phis (loads inside the CASE do not dominate what
 * follows, so they are forgotten afterwards). */
static qe_status gen_case(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in,
                          cg_val *out, rt_error *err) {
    cg_module *m = f->m;
    case_arms arms;
    bool *saved = save_loaded(f);
    qe_status st = QE_OK;
    if (!arms_alloc(&arms, e->u.case_.n_whens + 1) || (f->row_loaded && saved == NULL))
        st = rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "case_end");
    if (st == QE_OK)
        st = case_chain(f, e, in, n_in, join, &arms, err);
    restore_loaded(f, saved);
    if (st == QE_OK) {
        LLVMMoveBasicBlockAfter(join, arms.blocks[arms.n - 1]);
        LLVMPositionBuilderAtEnd(m->b, join);
        *out = arms_join(f, &arms, e->type);
    }
    arms_free(&arms);
    return st;
}

/* COALESCE (natively: the interpreter evaluates it lazily, without a kernel):
 * argument j runs only on the rows every earlier argument left NULL, as func.c's
 * eval_coalesce; the result is the first non-NULL one (NULL if none). */
qe_status cg_coalesce(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                      rt_error *err) {
    cg_module *m = f->m;
    uint32_t n = e->u.func.n_args;
    case_arms arms;
    bool *saved = save_loaded(f);
    qe_status st = QE_OK;
    if (n == 0 || !arms_alloc(&arms, n) || (f->row_loaded && saved == NULL))
        st = rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "coalesce_end");
    for (uint32_t j = 0; j < n && st == QE_OK; j++) {
        cg_val v;
        if ((st = cg_expr(f, e->u.func.args[j], in, n_in, &v, err)) != QE_OK)
            break;
        arms_add(f, &arms, e->type, v);
        if (j + 1 == n) {
            LLVMBuildBr(m->b, join);
            break;
        }
        LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "coalesce_next");
        LLVMBuildCondBr(m->b, v.null, next, join);
        LLVMPositionBuilderAtEnd(m->b, next);
    }
    restore_loaded(f, saved);
    if (st == QE_OK) {
        LLVMMoveBasicBlockAfter(join, arms.blocks[arms.n - 1]);
        LLVMPositionBuilderAtEnd(m->b, join);
        *out = arms_join(f, &arms, e->type);
    }
    if (n > 0)
        arms_free(&arms);
    return st;
}

/* A DECIMAL to DECIMAL cast of the same scale to at least the same precision (the
 * binder's operands of + and -): the value is unchanged. */
static bool decimal_widening(const plan_expr *e) {
    const plan_expr *x = e->u.cast;
    return e->type == QE_TYPE_DECIMAL && x->type == QE_TYPE_DECIMAL && e->typmod != 0 &&
           x->typmod != 0 && PLAN_DECIMAL_SCALE(e->typmod) == PLAN_DECIMAL_SCALE(x->typmod) &&
           PLAN_DECIMAL_PRECISION(e->typmod) >= PLAN_DECIMAL_PRECISION(x->typmod);
}

/* Generates an expression; see cg_int.h. */
qe_status cg_expr(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                  rt_error *err) {
    *out = (cg_val){0}; /* fields a kind does not set (v64, str, at) are unset */
    switch (e->kind) {
    case PLAN_EXPR_CONST:
        *out = e->type == QE_TYPE_VARCHAR ? cg_str_const(f, e) : gen_const(f->m, e);
        return QE_OK;
    case PLAN_EXPR_COLUMN:
        if (in == NULL) {
            /* DECIMAL(p <= 18) values fit in 64 bits: load only those */
            bool narrow = e->type == QE_TYPE_DECIMAL && e->typmod != 0 &&
                          PLAN_DECIMAL_PRECISION(e->typmod) <= 18;
            *out = cg_morsel_column_narrow(f, e->u.column, narrow);
            return QE_OK;
        }
        if (e->u.column >= n_in)
            break;
        *out = in[e->u.column];
        return QE_OK;
    case PLAN_EXPR_OP: return gen_op(f, e, in, n_in, out, err);
    case PLAN_EXPR_CASE: return gen_case(f, e, in, n_in, out, err);
    case PLAN_EXPR_CAST: {
        if (!cg_cast_native(e))
            return cg_cast_generic(f, e, in, n_in, out, err);
        cg_val a;
        qe_status st = cg_expr(f, e->u.cast, in, n_in, &a, err);
        if (st != QE_OK)
            return st;
        *out = a; /* VARCHAR to VARCHAR keeps where the bytes are */
        if ((a.v64 != NULL || a.lo64 != NULL) && decimal_widening(e))
            return QE_OK; /* the same value: it keeps its 64-bit form or words */
        if (e->type == QE_TYPE_DECIMAL && cg_cast_decimal64(f, e, &a, out))
            return QE_OK;
        out->v = gen_cast_value(f, e, a);
        out->v64 = out->lo64 = out->hi64 = NULL;
        return QE_OK;
    }
    case PLAN_EXPR_FUNC: return cg_func(f, e, in, n_in, out, err);
    default: break;
    }
    return rt_error_set(err, QE_INTERNAL, "XX000", e->position, "codegen: unexpected expression");
}
