/*
 * expr_types.c -- scalar expressions over SMALLINT, REAL, DATE, TIMESTAMP, HUGEINT and
 * DECIMAL (expr.c handles BOOLEAN, INTEGER, BIGINT, DOUBLE and dispatches here; INTERVAL
 * operators are expr_interval.c's).
 *
 * Registers: SMALLINT i16, DATE i32 (days), TIMESTAMP i64 (microseconds), REAL float,
 * HUGEINT and DECIMAL i128 (DECIMAL scaled by 10^scale of its typmod, whatever the
 * precision, as the runtime stores it); values known to fit also as an i64 (v64), and
 * at the cheap tier wider ones as two i64 words (lo64/hi64: fast instruction selection
 * takes no i128).  The semantics are the interpreter's
 * (prim.c, prim_wide.c, cast.c, cast_wide.c):
 *   - integer + - * / % and unary minus checked per result type (22003 "smallint out of
 *     range", "hugeint out of range", "numeric field overflow" for DECIMAL);
 *   - DECIMAL + - % share their scale and * adds the scales (the binder arranges it);
 *     a result of precision p < 38 must satisfy |r| < 10^p (22003 with the detail
 *     "The result does not fit DECIMAL(p,s)."); operands of precision <= 18 fit in 64
 *     bits, so their product is one widening multiply and cannot overflow;
 *   - REAL arithmetic as DOUBLE's (22012 on division by zero, 22003 on an infinity
 *     from finite operands); DATE +/- INTEGER and DATE - DATE in 64 bits, then
 *     range-checked (22008 "date out of range" / 22003 "integer out of range");
 *   - casts: integer widths (narrowing checked), integers/REAL/DOUBLE (float -> integer
 *     rounds half away from zero, checked; DOUBLE -> REAL checks the range), exact
 *     numbers -> DECIMAL(p, s) (rescaled, rounding half away from zero, bound-checked:
 *     22003 with PostgreSQL's detail), DECIMAL -> integers (rounded), DECIMAL -> DOUBLE
 *     and REAL ((double)(long double)v / 10^s, as rt_decimal_to_double), DATE <->
 *     TIMESTAMP, anything numeric -> BOOLEAN (<> 0).
 * 128-bit division and the overflow-checked 128-bit multiply become calls to
 * __divti3/__modti3/__muloti4, which jit.c defines (cg_i128_*).
 */
#include "cg_int.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define US_PER_DAY 86400000000LL

static LLVMValueRef not1(cg_module *m, LLVMValueRef v) { return LLVMBuildNot(m->b, v, ""); }
static LLVMValueRef and1(cg_module *m, LLVMValueRef a, LLVMValueRef b) { return cg_and1(m, a, b); }
static LLVMValueRef or1(cg_module *m, LLVMValueRef a, LLVMValueRef b) { return cg_or1(m, a, b); }

/* 10^n (n <= 38). */
static __int128 pow10_i128(int n) {
    __int128 p = 1;
    for (int i = 0; i < n && i < 38; i++)
        p *= 10;
    return p;
}

/* 10^n as a 128-bit constant (n <= 38). */
static LLVMValueRef pow10_const(cg_module *m, int n) {
    __int128 p = pow10_i128(n);
    uint64_t words[2] = {(uint64_t)p, (uint64_t)(p >> 64)};
    return LLVMConstIntOfArbitraryPrecision(m->t_i128, 2, words);
}

static LLVMValueRef i128_const(cg_module *m, __int128 v) {
    uint64_t words[2] = {(uint64_t)v, (uint64_t)(v >> 64)};
    return LLVMConstIntOfArbitraryPrecision(m->t_i128, 2, words);
}

static int precision_of(const plan_expr *e) {
    return e->type == QE_TYPE_DECIMAL ? PLAN_DECIMAL_PRECISION(e->typmod) : 38;
}
/* A DECIMAL whose typmod gives a precision <= 18: its values fit in 64 bits (a zero
 * typmod, DECIMAL(18, 3) by convention, is not trusted for that). */
static bool fits64_known(const plan_expr *e) {
    return e->type == QE_TYPE_DECIMAL && e->typmod != 0 && PLAN_DECIMAL_PRECISION(e->typmod) <= 18;
}
static int scale_of(const plan_expr *e) {
    return e->type == QE_TYPE_DECIMAL ? PLAN_DECIMAL_SCALE(e->typmod) : 0;
}

/* A value of the 128-bit expression e known to fit in 64 bits (DECIMAL(p <= 18)) made
 * visibly sign-extended, so LLVM multiplies and compares it in 64 bits. */
static LLVMValueRef narrow_known(cg_module *m, const plan_expr *e, LLVMValueRef v) {
    if (!fits64_known(e))
        return v;
    return LLVMBuildSExt(m->b, LLVMBuildTrunc(m->b, v, m->t_i64, ""), m->t_i128, "");
}

/* The register constant of a non-NULL value of e's type (check.c has verified that
 * the constant converts without error). */
LLVMValueRef cg_typed_const(cg_module *m, const plan_expr *e, const rt_value *v) {
    LLVMTypeRef t = cg_reg_type(m, e->type);
    switch (e->type) {
    case QE_TYPE_REAL: return LLVMConstReal(t, (double)(float)v->u.d);
    case QE_TYPE_DOUBLE: return LLVMConstReal(t, v->u.d);
    case QE_TYPE_BOOLEAN: return cg_i1(m, v->u.b);
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: return i128_const(m, v->u.h);
    case QE_TYPE_INTERVAL: { /* its 16 bytes: months, days, micros */
        uint64_t words[2];
        memcpy(words, &v->u.iv, sizeof words);
        return LLVMConstIntOfArbitraryPrecision(m->t_i128, 2, words);
    }
    default: return LLVMConstInt(t, (unsigned long long)v->u.i, true);
    }
}

/* Converts a constant to its expression's type as the interpreter does (fill_const);
 * false if that raises an error (the pipeline is then interpreted). */
bool cg_const_convert(const plan_expr *e, rt_value *out) {
    const rt_value *v = &e->u.value;
    if (v->is_null || (v->type == e->type && e->type != QE_TYPE_DECIMAL)) {
        *out = *v;
        return true;
    }
    if (v->type == e->type) { /* a DECIMAL constant holds its expression's scaling */
        *out = *v;
        return true;
    }
    if (e->type == QE_TYPE_VARCHAR || v->type == QE_TYPE_VARCHAR || e->type == QE_TYPE_INTERVAL)
        return false;
    rt_error err;
    memset(&err, 0, sizeof err);
    qe_status st = rt_value_cast_mod(v, 0, e->type, e->typmod, out, NULL, &err, e->position);
    rt_error_clear(&err);
    return st == QE_OK;
}

/* ---- arithmetic ----------------------------------------------------------------- */

/* llvm.<name>.with.overflow on values of one integer type; see expr.c. */
static LLVMValueRef ovf_op(cg_fn *f, const char *name, LLVMValueRef a, LLVMValueRef b,
                           LLVMValueRef null, int32_t code, int32_t pos) {
    LLVMValueRef ovf;
    LLVMValueRef r = cg_with_overflow(f->m, name, a, b, &ovf);
    cg_raise_if(f, and1(f->m, ovf, not1(f->m, null)), code, pos);
    return r;
}

/* The same in a side block while f->defer gathers checks: *bad gets the check's i1
 * (ovf_check raises it after the side block's join, where it dominates the flush). */
static LLVMValueRef ovf_side(cg_fn *f, const char *name, LLVMValueRef a, LLVMValueRef b,
                             LLVMValueRef null, int32_t code, int32_t pos, LLVMValueRef *bad) {
    if (!f->defer)
        return ovf_op(f, name, a, b, null, code, pos);
    LLVMValueRef ovf;
    LLVMValueRef r = cg_with_overflow(f->m, name, a, b, &ovf);
    *bad = and1(f->m, ovf, not1(f->m, null));
    return r;
}

/* At the join of ovf_side's block (slow_end) with the fast path's (from): its check. */
static void ovf_check(cg_fn *f, LLVMValueRef bad, LLVMBasicBlockRef from,
                      LLVMBasicBlockRef slow_end, int32_t code, int32_t pos) {
    if (bad != NULL)
        cg_raise_if(f, cg_phi2(f->m, f->m->t_i1, "", cg_i1(f->m, false), from, bad, slow_end), code,
                    pos);
}

/* Expressions whose DECIMAL values are known to keep their typmod's bound: columns,
 * constants, casts and operators (each bound-checked where it is produced). */
static bool bounded_kind(const plan_expr *e) {
    return e->kind == PLAN_EXPR_COLUMN || e->kind == PLAN_EXPR_CONST || e->kind == PLAN_EXPR_CAST ||
           e->kind == PLAN_EXPR_OP;
}

/* Whether DECIMAL operator e (+ - *) cannot exceed its result's bound: operands of
 * trusted typmods with |a| < 10^pa and |b| < 10^pb give |a * b| < 10^(pa + pb) and
 * |a +- b| < 10^(max(pa, pb) + 1); the interpreter's check then never fails. */
static bool bound_known(const plan_expr *e) {
    const plan_expr *ea = e->u.op.args[0], *eb = e->u.op.args[1];
    if (e->type != QE_TYPE_DECIMAL || e->typmod == 0 || eb == NULL || ea->type != e->type ||
        eb->type != e->type || ea->typmod == 0 || eb->typmod == 0 || !bounded_kind(ea) ||
        !bounded_kind(eb))
        return false;
    int pa = precision_of(ea), pb = precision_of(eb);
    int need = e->u.op.op == PLAN_OP_MUL ? pa + pb : (pa > pb ? pa : pb) + 1;
    bool arith =
        e->u.op.op == PLAN_OP_MUL || e->u.op.op == PLAN_OP_ADD || e->u.op.op == PLAN_OP_SUB;
    return arith && precision_of(e) >= need;
}

/* |r| < 10^p for a DECIMAL result of precision p < 38, else 22003 with the detail. */
static void decimal_bound(cg_fn *f, const plan_expr *e, LLVMValueRef r, LLVMValueRef null) {
    cg_module *m = f->m;
    int p = precision_of(e);
    if (e->type != QE_TYPE_DECIMAL || p >= PLAN_DECIMAL_MAX_PRECISION || bound_known(e))
        return;
    /* |x| < lim  <=>  (unsigned)(x + lim - 1) < 2 * lim - 1 */
    __int128 lim = pow10_i128(p);
    LLVMValueRef off = LLVMBuildAdd(m->b, r, i128_const(m, lim - 1), "");
    LLVMValueRef out = LLVMBuildICmp(m->b, LLVMIntUGE, off, i128_const(m, 2 * lim - 1), "");
    cg_raise_if(f, and1(m, out, not1(m, null)), RT_JIT_ERR_DECIMAL_RESULT(e->typmod), e->position);
}

/* A 128-bit product: one widening multiply when both operands fit in 64 bits (known
 * from their precision, else tested per row), the checked 128-bit multiply otherwise. */
static LLVMValueRef i128_mul(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                             LLVMValueRef null) {
    cg_module *m = f->m;
    const plan_expr *ea = e->u.op.args[0], *eb = e->u.op.args[1];
    int32_t code = RT_JIT_ERR_RANGE(e->type);
    if (fits64_known(ea) && fits64_known(eb))
        return LLVMBuildMul(m->b, narrow_known(m, ea, a), narrow_known(m, eb, b), "");
    LLVMValueRef a64 = LLVMBuildSExt(m->b, LLVMBuildTrunc(m->b, a, m->t_i64, ""), m->t_i128, "");
    LLVMValueRef b64 = LLVMBuildSExt(m->b, LLVMBuildTrunc(m->b, b, m->t_i64, ""), m->t_i128, "");
    LLVMValueRef fits = and1(m, LLVMBuildICmp(m->b, LLVMIntEQ, a64, a, ""),
                             LLVMBuildICmp(m->b, LLVMIntEQ, b64, b, ""));
    LLVMBasicBlockRef from = LLVMGetInsertBlock(m->b);
    LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "mul128");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "mul");
    LLVMValueRef fast = LLVMBuildMul(m->b, a64, b64, "");
    LLVMBuildCondBr(m->b, fits, join, slow);
    LLVMPositionBuilderAtEnd(m->b, slow);
    LLVMValueRef bad = NULL;
    LLVMValueRef r = ovf_side(f, "llvm.smul.with.overflow", a, b, null, code, e->position, &bad);
    LLVMBasicBlockRef slow_end = LLVMGetInsertBlock(m->b);
    LLVMBuildBr(m->b, join);
    LLVMMoveBasicBlockAfter(join, slow_end);
    LLVMPositionBuilderAtEnd(m->b, join);
    LLVMValueRef out = cg_phi2(m, m->t_i128, "", fast, from, r, slow_end);
    ovf_check(f, bad, from, slow_end, code, e->position);
    return out;
}

/* Integer / and % of any width: zero divisors raise 22012, MIN / -1 overflows, MIN % -1
 * is 0 (prim.c, prim_wide.c). */
static LLVMValueRef int_divmod(cg_fn *f, const plan_expr *e, bool is_mod, LLVMValueRef a,
                               LLVMValueRef d, LLVMValueRef null) {
    cg_module *m = f->m;
    LLVMTypeRef t = LLVMTypeOf(a);
    unsigned bits = LLVMGetIntTypeWidth(t);
    LLVMValueRef zero_c = LLVMConstNull(t), one = LLVMConstInt(t, 1, false);
    LLVMValueRef minus1_c = LLVMConstAllOnes(t);
    uint64_t min_words[2] = {bits > 64 ? 0 : 1ULL << (bits - 1), bits > 64 ? 1ULL << 63 : 0};
    LLVMValueRef min_c = LLVMConstIntOfArbitraryPrecision(t, bits > 64 ? 2 : 1, min_words);
    LLVMValueRef valid = not1(m, null);
    LLVMValueRef zero = LLVMBuildICmp(m->b, LLVMIntEQ, d, zero_c, "");
    cg_raise_if(f, and1(m, zero, valid), RT_JIT_ERR_DIV_ZERO, e->position);
    LLVMValueRef minus1 = LLVMBuildICmp(m->b, LLVMIntEQ, d, minus1_c, "");
    if (!is_mod) {
        LLVMValueRef is_min = LLVMBuildICmp(m->b, LLVMIntEQ, a, min_c, "");
        cg_raise_if(f, and1(m, and1(m, minus1, is_min), valid), RT_JIT_ERR_RANGE(e->type),
                    e->position);
    }
    LLVMValueRef safe = LLVMBuildSelect(m->b, or1(m, zero, minus1), one, d, "");
    if (is_mod)
        return LLVMBuildSelect(m->b, minus1, zero_c, LLVMBuildSRem(m->b, a, safe, ""), "");
    LLVMValueRef q = LLVMBuildSDiv(m->b, a, safe, "");
    return LLVMBuildSelect(m->b, minus1, LLVMBuildSub(m->b, zero_c, a, ""), q, "");
}

/* REAL arithmetic (as DOUBLE's in expr.c, in float). */
static LLVMValueRef real_arith(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                               LLVMValueRef null) {
    cg_module *m = f->m;
    plan_op_kind op = e->u.op.op;
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef valid = not1(m, null), r;
    if (op == PLAN_OP_DIV || op == PLAN_OP_MOD) {
        LLVMValueRef zero = LLVMBuildFCmp(m->b, LLVMRealOEQ, b, LLVMConstReal(t, 0.0), "");
        cg_raise_if(f, and1(m, zero, valid), RT_JIT_ERR_DIV_ZERO, e->position);
    }
    switch (op) {
    case PLAN_OP_ADD: r = LLVMBuildFAdd(m->b, a, b, ""); break;
    case PLAN_OP_SUB: r = LLVMBuildFSub(m->b, a, b, ""); break;
    case PLAN_OP_MUL: r = LLVMBuildFMul(m->b, a, b, ""); break;
    case PLAN_OP_DIV: r = LLVMBuildFDiv(m->b, a, b, ""); break;
    default: return LLVMBuildFRem(m->b, a, b, "");
    }
    LLVMValueRef inf = LLVMConstReal(t, INFINITY);
    LLVMValueRef fa = LLVMBuildFCmp(m->b, LLVMRealONE, cg_fabs(m, a), inf, "");
    LLVMValueRef fb = LLVMBuildFCmp(m->b, LLVMRealONE, cg_fabs(m, b), inf, "");
    LLVMValueRef ri = LLVMBuildFCmp(m->b, LLVMRealOEQ, cg_fabs(m, r), inf, "");
    cg_raise_if(f, and1(m, and1(m, ri, and1(m, fa, fb)), valid), RT_JIT_ERR_OVERFLOW_DOUBLE,
                e->position);
    return r;
}

/* DATE +/- INTEGER, INTEGER + DATE, DATE - DATE: in 64 bits, then the int32 range. */
static LLVMValueRef date_arith(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                               LLVMValueRef null) {
    cg_module *m = f->m;
    LLVMValueRef x = LLVMBuildSExt(m->b, a, m->t_i64, "");
    LLVMValueRef y = LLVMBuildSExt(m->b, b, m->t_i64, "");
    LLVMValueRef r =
        e->u.op.op == PLAN_OP_ADD ? LLVMBuildAdd(m->b, x, y, "") : LLVMBuildSub(m->b, x, y, "");
    LLVMValueRef lo = LLVMBuildICmp(m->b, LLVMIntSLT, r, cg_i64(m, INT32_MIN), "");
    LLVMValueRef hi = LLVMBuildICmp(m->b, LLVMIntSGT, r, cg_i64(m, INT32_MAX), "");
    cg_raise_if(f, and1(m, or1(m, lo, hi), not1(m, null)), RT_JIT_ERR_RANGE(e->type), e->position);
    return LLVMBuildTrunc(m->b, r, m->t_i32, "");
}

/* Whether expr_types.c generates operator e (check.c's rule). */
bool cg_typed_op_supported(plan_op_kind op, qe_type result, qe_type ta, qe_type tb) {
    bool arith = op >= PLAN_OP_ADD && op <= PLAN_OP_MOD;
    if (ta == QE_TYPE_INTERVAL || tb == QE_TYPE_INTERVAL || result == QE_TYPE_INTERVAL)
        return cg_interval_op_supported(op, result, ta, tb);
    if (ta == QE_TYPE_DATE || tb == QE_TYPE_DATE) {
        if (ta == QE_TYPE_DATE && tb == QE_TYPE_INTEGER)
            return (op == PLAN_OP_ADD || op == PLAN_OP_SUB) && result == QE_TYPE_DATE;
        if (ta == QE_TYPE_INTEGER && tb == QE_TYPE_DATE)
            return op == PLAN_OP_ADD && result == QE_TYPE_DATE;
        if (ta == QE_TYPE_DATE && tb == QE_TYPE_DATE && op == PLAN_OP_SUB)
            return result == QE_TYPE_INTEGER;
        return ta == tb && !arith && op != PLAN_OP_NEG;
    }
    if (ta == QE_TYPE_TIMESTAMP)
        return tb == ta && !arith && op != PLAN_OP_NEG;
    if (ta != tb && op != PLAN_OP_NEG)
        return false;
    if (ta == QE_TYPE_DECIMAL && op == PLAN_OP_DIV)
        return false; /* the binder makes DECIMAL / DOUBLE */
    return ta == QE_TYPE_SMALLINT || ta == QE_TYPE_REAL || ta == QE_TYPE_HUGEINT ||
           ta == QE_TYPE_DECIMAL;
}

/* Arithmetic of the types here: + - * / % (both operands present) and unary minus. */
LLVMValueRef cg_typed_arith(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                            LLVMValueRef null) {
    cg_module *m = f->m;
    plan_op_kind op = e->u.op.op;
    qe_type ta = e->u.op.args[0]->type;
    qe_type tb = e->u.op.args[1] ? e->u.op.args[1]->type : ta;
    int32_t code = RT_JIT_ERR_RANGE(e->type);
    if (ta == QE_TYPE_INTERVAL || tb == QE_TYPE_INTERVAL || e->type == QE_TYPE_INTERVAL)
        return cg_interval_arith(f, e, a, b, null);
    if (ta == QE_TYPE_DATE || tb == QE_TYPE_DATE)
        return date_arith(f, e, a, b, null);
    if (ta == QE_TYPE_REAL)
        return op == PLAN_OP_NEG ? LLVMBuildFNeg(m->b, a, "") : real_arith(f, e, a, b, null);
    LLVMValueRef r;
    switch (op) {
    case PLAN_OP_NEG:
        r = ovf_op(f, "llvm.ssub.with.overflow", LLVMConstNull(LLVMTypeOf(a)), a, null, code,
                   e->position);
        return r; /* |-x| = |x|: the bound holds */
    case PLAN_OP_ADD:
        r = ovf_op(f, "llvm.sadd.with.overflow", a, b, null, code, e->position);
        break;
    case PLAN_OP_SUB:
        r = ovf_op(f, "llvm.ssub.with.overflow", a, b, null, code, e->position);
        break;
    case PLAN_OP_MUL:
        r = ta == QE_TYPE_SMALLINT
                ? ovf_op(f, "llvm.smul.with.overflow", a, b, null, code, e->position)
                : i128_mul(f, e, a, b, null);
        break;
    default: r = int_divmod(f, e, op == PLAN_OP_MOD, a, b, null); break;
    }
    decimal_bound(f, e, r, null);
    return r;
}

/* |r| < 10^p in 64 bits (p <= 18) and no overflow, for a DECIMAL result of precision
 * p, else 22003 with the detail (decimal_bound's error). */
static void decimal_bound64(cg_fn *f, const plan_expr *e, LLVMValueRef r, LLVMValueRef ovf,
                            LLVMValueRef null) {
    cg_module *m = f->m;
    int64_t lim = (int64_t)pow10_i128(precision_of(e));
    LLVMValueRef off = LLVMBuildAdd(m->b, r, cg_i64(m, lim - 1), "");
    LLVMValueRef out = LLVMBuildICmp(m->b, LLVMIntUGE, off, cg_i64(m, 2 * lim - 1), "");
    cg_raise_if(f, and1(m, or1(m, out, ovf), not1(m, null)), RT_JIT_ERR_DECIMAL_RESULT(e->typmod),
                e->position);
}

/* Operators in 64 bits; see cg_int.h. */
bool cg_typed_op64(cg_fn *f, const plan_expr *e, const cg_val *a, const cg_val *b, cg_val *out) {
    cg_module *m = f->m;
    plan_op_kind op = e->u.op.op;
    const plan_expr *ea = e->u.op.args[0];
    static const LLVMIntPredicate sint[] = {LLVMIntEQ,  LLVMIntNE,  LLVMIntSLT,
                                            LLVMIntSLE, LLVMIntSGT, LLVMIntSGE};
    if ((ea->type != QE_TYPE_DECIMAL && ea->type != QE_TYPE_HUGEINT) || a->v64 == NULL)
        return false;
    if (op == PLAN_OP_NEG) { /* |a| < 10^18: no overflow, and |-a| = |a| */
        if (!fits64_known(ea) || !fits64_known(e))
            return false;
        out->v64 = LLVMBuildSub(m->b, cg_i64(m, 0), a->v64, "");
    } else if (b->v64 == NULL) {
        return false;
    } else if (op >= PLAN_OP_EQ && op <= PLAN_OP_GE) {
        out->v = LLVMBuildICmp(m->b, sint[op - PLAN_OP_EQ], a->v64, b->v64, "");
        return true;
    } else if ((op == PLAN_OP_ADD || op == PLAN_OP_SUB || op == PLAN_OP_MUL) && fits64_known(e)) {
        const char *name = op == PLAN_OP_ADD   ? "llvm.sadd.with.overflow"
                           : op == PLAN_OP_SUB ? "llvm.ssub.with.overflow"
                                               : "llvm.smul.with.overflow";
        LLVMValueRef ovf;
        out->v64 = cg_with_overflow(m, name, a->v64, b->v64, &ovf);
        decimal_bound64(f, e, out->v64, ovf, out->null);
    } else {
        return false;
    }
    out->v = LLVMBuildSExt(m->b, out->v64, m->t_i128, "");
    return true;
}

/* ---- the cheap tier's 128-bit values as two 64-bit words ----------------------- */

/* The words of a value; see cg_int.h. */
bool cg_val_words(cg_module *m, const cg_val *v, LLVMValueRef *lo, LLVMValueRef *hi) {
    if (v->lo64 != NULL) {
        *lo = v->lo64;
        *hi = v->hi64;
        return true;
    }
    if (v->v64 == NULL)
        return false;
    *lo = v->v64;
    *hi = LLVMBuildAShr(m->b, v->v64, cg_i64(m, 63), "");
    return true;
}

/* The i128 of two words (zext, shl, or). */
static LLVMValueRef words_i128(cg_module *m, LLVMValueRef lo, LLVMValueRef hi) {
    LLVMValueRef h = LLVMBuildShl(m->b, LLVMBuildZExt(m->b, hi, m->t_i128, ""),
                                  LLVMConstInt(m->t_i128, 64, false), "");
    return LLVMBuildOr(m->b, h, LLVMBuildZExt(m->b, lo, m->t_i128, ""), "");
}

/* A value from its words; see cg_int.h. */
cg_val cg_val_from_words(cg_module *m, LLVMValueRef lo, LLVMValueRef hi, LLVMValueRef null) {
    cg_val v = {.v = words_i128(m, lo, hi), .null = null, .lo64 = lo, .hi64 = hi};
    return v;
}

/* a + b (or a - b) of 128-bit values in words, wrapping, with the signed overflow of
 * the high word (carry or borrow included) in *ovf when it is not NULL. */
static void words_add(cg_module *m, bool sub, LLVMValueRef alo, LLVMValueRef ahi, LLVMValueRef blo,
                      LLVMValueRef bhi, LLVMValueRef *lo, LLVMValueRef *hi, LLVMValueRef *ovf) {
    LLVMBuilderRef b = m->b;
    LLVMValueRef c;
    if (sub) {
        *lo = LLVMBuildSub(b, alo, blo, "");
        c = LLVMBuildZExt(b, LLVMBuildICmp(b, LLVMIntULT, alo, blo, ""), m->t_i64, "");
        *hi = LLVMBuildSub(b, LLVMBuildSub(b, ahi, bhi, ""), c, "");
    } else {
        *lo = LLVMBuildAdd(b, alo, blo, "");
        c = LLVMBuildZExt(b, LLVMBuildICmp(b, LLVMIntULT, *lo, alo, ""), m->t_i64, "");
        *hi = LLVMBuildAdd(b, LLVMBuildAdd(b, ahi, bhi, ""), c, "");
    }
    if (ovf == NULL)
        return;
    /* a + b + c overflows iff a, b have one sign and the result the other; a - b - c
     * iff a, b have different signs and the result has b's */
    LLVMValueRef x = LLVMBuildXor(b, ahi, *hi, "");
    LLVMValueRef y = LLVMBuildXor(b, sub ? ahi : bhi, sub ? bhi : *hi, "");
    *ovf = LLVMBuildICmp(b, LLVMIntSLT, LLVMBuildAnd(b, x, y, ""), cg_i64(m, 0), "");
}

/* The words of the signed 128-bit product of two i64 (it never overflows): the 64-bit
 * product (llvm.smul.with.overflow, which FastISel selects) and its sign as the high
 * word, or where the product does not fit in 64 bits the high word from rt_jit_mul_hi,
 * called in a block of its own; the high words meet in a phi. */
static void words_mul64(cg_fn *f, LLVMValueRef a, LLVMValueRef b, LLVMValueRef *lo,
                        LLVMValueRef *hi) {
    cg_module *m = f->m;
    LLVMValueRef ovf;
    *lo = cg_with_overflow(m, "llvm.smul.with.overflow", a, b, &ovf);
    LLVMValueRef sign = LLVMBuildAShr(m->b, *lo, cg_i64(m, 63), "");
    LLVMBasicBlockRef from = LLVMGetInsertBlock(m->b);
    LLVMBasicBlockRef wide = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "mul_hi");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "mul");
    LLVMBuildCondBr(m->b, ovf, wide, join);
    LLVMPositionBuilderAtEnd(m->b, wide);
    LLVMValueRef args[2] = {a, b};
    LLVMValueRef whi = cg_call_helper(m, CG_HELPER_MUL_HI, args, 2);
    LLVMBuildBr(m->b, join);
    LLVMPositionBuilderAtEnd(m->b, join);
    *hi = cg_phi2(m, m->t_i64, "", sign, from, whi, wide);
}

/* The product of two values in words where one may not fit in 64 bits: the 64-bit
 * product (llvm.smul.with.overflow) when both fit and it does not overflow (tested per
 * row), else the checked 128-bit multiply (i128: built, multiplied and split in its own
 * block, so only that block leaves fast instruction selection); the words meet in phis. */
static void words_mul(cg_fn *f, const plan_expr *e, const cg_val *a, const cg_val *b,
                      LLVMValueRef alo, LLVMValueRef ahi, LLVMValueRef blo, LLVMValueRef bhi,
                      LLVMValueRef null, LLVMValueRef *lo, LLVMValueRef *hi) {
    cg_module *m = f->m;
    LLVMValueRef sign = cg_i64(m, 63);
    LLVMValueRef fa = a->v64 != NULL ? cg_i1(m, true) /* known to fit */
                                     : LLVMBuildICmp(m->b, LLVMIntEQ,
                                                     LLVMBuildAShr(m->b, alo, sign, ""), ahi, "");
    LLVMValueRef fb = b->v64 != NULL ? cg_i1(m, true)
                                     : LLVMBuildICmp(m->b, LLVMIntEQ,
                                                     LLVMBuildAShr(m->b, blo, sign, ""), bhi, "");
    LLVMValueRef ovf, flo = cg_with_overflow(m, "llvm.smul.with.overflow", alo, blo, &ovf);
    LLVMValueRef fhi = LLVMBuildAShr(m->b, flo, sign, "");
    LLVMBasicBlockRef from = LLVMGetInsertBlock(m->b);
    LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "mul128");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "mul");
    LLVMBuildCondBr(m->b, and1(m, and1(m, fa, fb), not1(m, ovf)), join, slow);
    LLVMPositionBuilderAtEnd(m->b, slow);
    LLVMValueRef bad = NULL;
    LLVMValueRef r =
        ovf_side(f, "llvm.smul.with.overflow", words_i128(m, alo, ahi), words_i128(m, blo, bhi),
                 null, RT_JIT_ERR_RANGE(e->type), e->position, &bad);
    LLVMValueRef slo = LLVMBuildTrunc(m->b, r, m->t_i64, "");
    LLVMValueRef shi = LLVMBuildTrunc(
        m->b, LLVMBuildLShr(m->b, r, LLVMConstInt(m->t_i128, 64, false), ""), m->t_i64, "");
    LLVMBasicBlockRef slow_end = LLVMGetInsertBlock(m->b);
    LLVMBuildBr(m->b, join);
    LLVMMoveBasicBlockAfter(join, slow_end);
    LLVMPositionBuilderAtEnd(m->b, join);
    *lo = cg_phi2(m, m->t_i64, "", flo, from, slo, slow_end);
    *hi = cg_phi2(m, m->t_i64, "", fhi, from, shi, slow_end);
    ovf_check(f, bad, from, slow_end, RT_JIT_ERR_RANGE(e->type), e->position);
}

/* decimal_bound on a value in words: |x| < lim <=> (unsigned)(x + lim - 1) < 2 lim - 1,
 * the sum and the compare in two words. */
static void decimal_bound_words(cg_fn *f, const plan_expr *e, LLVMValueRef lo, LLVMValueRef hi,
                                LLVMValueRef null) {
    cg_module *m = f->m;
    int p = precision_of(e);
    if (e->type != QE_TYPE_DECIMAL || p >= PLAN_DECIMAL_MAX_PRECISION || bound_known(e))
        return;
    __int128 lim = pow10_i128(p);
    __int128 off = lim - 1, top = 2 * lim - 1;
    LLVMValueRef olo, ohi;
    words_add(m, false, lo, hi, cg_i64(m, (int64_t)(uint64_t)off),
              cg_i64(m, (int64_t)(uint64_t)(off >> 64)), &olo, &ohi, NULL);
    LLVMValueRef tlo = cg_i64(m, (int64_t)(uint64_t)top);
    LLVMValueRef thi = cg_i64(m, (int64_t)(uint64_t)(top >> 64));
    LLVMValueRef above = LLVMBuildICmp(m->b, LLVMIntUGT, ohi, thi, "");
    LLVMValueRef at = and1(m, LLVMBuildICmp(m->b, LLVMIntEQ, ohi, thi, ""),
                           LLVMBuildICmp(m->b, LLVMIntUGE, olo, tlo, ""));
    cg_raise_if(f, and1(m, or1(m, above, at), not1(m, null)), RT_JIT_ERR_DECIMAL_RESULT(e->typmod),
                e->position);
}

/* A comparison of two values in words: the high words signed, then (if equal) the
 * low words unsigned. */
static LLVMValueRef words_compare(cg_module *m, plan_op_kind op, LLVMValueRef alo, LLVMValueRef ahi,
                                  LLVMValueRef blo, LLVMValueRef bhi) {
    static const LLVMIntPredicate hi_strict[] = {LLVMIntEQ,  LLVMIntNE,  LLVMIntSLT,
                                                 LLVMIntSLT, LLVMIntSGT, LLVMIntSGT};
    static const LLVMIntPredicate lo_pred[] = {LLVMIntEQ,  LLVMIntNE,  LLVMIntULT,
                                               LLVMIntULE, LLVMIntUGT, LLVMIntUGE};
    unsigned i = (unsigned)(op - PLAN_OP_EQ);
    LLVMValueRef hc = LLVMBuildICmp(m->b, hi_strict[i], ahi, bhi, "");
    LLVMValueRef lc = LLVMBuildICmp(m->b, lo_pred[i], alo, blo, "");
    if (op == PLAN_OP_EQ)
        return and1(m, hc, lc);
    if (op == PLAN_OP_NE)
        return or1(m, hc, lc);
    LLVMValueRef same = LLVMBuildICmp(m->b, LLVMIntEQ, ahi, bhi, "");
    return or1(m, hc, and1(m, same, lc));
}

/* + - * and comparisons in words at the cheap tier; see cg_int.h. */
bool cg_typed_op_words(cg_fn *f, const plan_expr *e, const cg_val *a, const cg_val *b,
                       cg_val *out) {
    cg_module *m = f->m;
    plan_op_kind op = e->u.op.op;
    const plan_expr *ea = e->u.op.args[0], *eb = e->u.op.args[1];
    if (!m->cheap || eb == NULL || (ea->type != QE_TYPE_DECIMAL && ea->type != QE_TYPE_HUGEINT) ||
        eb->type != ea->type)
        return false;
    LLVMValueRef alo, ahi, blo, bhi, lo, hi, ovf;
    if (op >= PLAN_OP_EQ && op <= PLAN_OP_GE) {
        if (!cg_val_words(m, a, &alo, &ahi) || !cg_val_words(m, b, &blo, &bhi))
            return false;
        out->v = words_compare(m, op, alo, ahi, blo, bhi);
        return true;
    }
    if ((op != PLAN_OP_ADD && op != PLAN_OP_SUB && op != PLAN_OP_MUL) || e->type != ea->type)
        return false;
    if (op == PLAN_OP_MUL && a->v64 != NULL && b->v64 != NULL) {
        words_mul64(f, a->v64, b->v64, &lo, &hi); /* |a b| < 2^126: no overflow */
    } else {
        if (!cg_val_words(m, a, &alo, &ahi) || !cg_val_words(m, b, &blo, &bhi))
            return false;
        if (op == PLAN_OP_MUL) {
            words_mul(f, e, a, b, alo, ahi, blo, bhi, out->null, &lo, &hi);
        } else {
            words_add(m, op == PLAN_OP_SUB, alo, ahi, blo, bhi, &lo, &hi, &ovf);
            cg_raise_if(f, and1(m, ovf, not1(m, out->null)), RT_JIT_ERR_RANGE(e->type),
                        e->position);
        }
    }
    decimal_bound_words(f, e, lo, hi, out->null);
    *out = cg_val_from_words(m, lo, hi, out->null);
    return true;
}

/* Comparison of two values of type t (any type here). */
LLVMValueRef cg_typed_compare(cg_module *m, const plan_expr *e, LLVMValueRef a, LLVMValueRef b) {
    static const LLVMIntPredicate sint[] = {LLVMIntEQ,  LLVMIntNE,  LLVMIntSLT,
                                            LLVMIntSLE, LLVMIntSGT, LLVMIntSGE};
    static const LLVMRealPredicate real[] = {LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT,
                                             LLVMRealOLE, LLVMRealOGT, LLVMRealOGE};
    unsigned i = (unsigned)(e->u.op.op - PLAN_OP_EQ);
    const plan_expr *ea = e->u.op.args[0], *eb = e->u.op.args[1];
    if (ea->type == QE_TYPE_INTERVAL)
        return cg_interval_compare(m, e, a, b);
    if (ea->type == QE_TYPE_REAL)
        return LLVMBuildFCmp(m->b, real[i], a, b, "");
    if (fits64_known(ea) && fits64_known(eb)) {
        a = LLVMBuildTrunc(m->b, a, m->t_i64, "");
        b = LLVMBuildTrunc(m->b, b, m->t_i64, "");
    }
    return LLVMBuildICmp(m->b, sint[i], a, b, "");
}

/* ---- casts ---------------------------------------------------------------------- */

static bool is_int(qe_type t) {
    return t == QE_TYPE_SMALLINT || t == QE_TYPE_INTEGER || t == QE_TYPE_BIGINT;
}
static bool is_float(qe_type t) { return t == QE_TYPE_REAL || t == QE_TYPE_DOUBLE; }
static bool is_exact(qe_type t) {
    return is_int(t) || t == QE_TYPE_BOOLEAN || t == QE_TYPE_HUGEINT || t == QE_TYPE_DECIMAL;
}

/* Whether cg_typed_cast handles CAST(from AS to). */
bool cg_typed_cast_supported(qe_type from, qe_type to) {
    if (from == to)
        return true;
    if ((from == QE_TYPE_DATE || from == QE_TYPE_TIMESTAMP) &&
        (to == QE_TYPE_DATE || to == QE_TYPE_TIMESTAMP))
        return true;
    if (to == QE_TYPE_BOOLEAN)
        return is_exact(from) || is_float(from);
    if (to == QE_TYPE_DECIMAL)
        return is_exact(from);
    if (from == QE_TYPE_DECIMAL || from == QE_TYPE_HUGEINT)
        return is_int(to) || to == QE_TYPE_HUGEINT || (is_float(to) && LDBL_MANT_DIG == 64);
    if (to == QE_TYPE_HUGEINT)
        return is_exact(from) || is_float(from);
    return (is_int(from) || is_float(from) || from == QE_TYPE_BOOLEAN) &&
           (is_int(to) || is_float(to));
}

/* Integer value range check and truncation to `to`. */
static LLVMValueRef narrow_int(cg_fn *f, const plan_expr *e, LLVMValueRef v, LLVMValueRef null) {
    cg_module *m = f->m;
    qe_type to = e->type;
    LLVMTypeRef t = LLVMTypeOf(v);
    unsigned from_bits = LLVMGetIntTypeWidth(t), to_bits = to == QE_TYPE_SMALLINT  ? 16
                                                           : to == QE_TYPE_INTEGER ? 32
                                                                                   : 64;
    LLVMTypeRef tt = cg_reg_type(m, to);
    if (from_bits <= to_bits)
        return from_bits == to_bits ? v : LLVMBuildSExt(m->b, v, tt, "");
    LLVMValueRef r = LLVMBuildTrunc(m->b, v, tt, "");
    LLVMValueRef back = LLVMBuildSExt(m->b, r, t, "");
    cg_raise_if(f, and1(m, LLVMBuildICmp(m->b, LLVMIntNE, back, v, ""), not1(m, null)),
                RT_JIT_ERR_RANGE(to), e->position);
    return r;
}

/* A float (in double) to an integer type: round half away from zero, range-checked. */
static LLVMValueRef float_to_int(cg_fn *f, const plan_expr *e, LLVMValueRef d, LLVMValueRef null) {
    cg_module *m = f->m;
    qe_type to = e->type;
    unsigned id = LLVMLookupIntrinsicID("llvm.round", 10);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(m->mod, id, &m->t_f64, 1);
    LLVMTypeRef fn_type = LLVMIntrinsicGetType(m->ctx, id, &m->t_f64, 1);
    LLVMValueRef r = LLVMBuildCall2(m->b, fn_type, fn, &d, 1, "");
    double lo = to == QE_TYPE_SMALLINT  ? -32768.0
                : to == QE_TYPE_INTEGER ? -2147483648.0
                                        : -9223372036854775808.0;
    LLVMValueRef ge = LLVMBuildFCmp(m->b, LLVMRealOGE, r, LLVMConstReal(m->t_f64, lo), "");
    LLVMValueRef lt = LLVMBuildFCmp(m->b, LLVMRealOLT, r, LLVMConstReal(m->t_f64, -lo), "");
    LLVMValueRef ok = and1(m, ge, lt);
    cg_raise_if(f, and1(m, not1(m, ok), not1(m, null)), RT_JIT_ERR_RANGE(to), e->position);
    LLVMValueRef safe = LLVMBuildSelect(m->b, ok, r, LLVMConstReal(m->t_f64, 0.0), "");
    return LLVMBuildFPToSI(m->b, safe, cg_reg_type(m, to), "");
}

/* x (scale from) rescaled to scale `to` in 128 bits, rounding half away from zero;
 * *ovf is set when scaling up overflows 128 bits (never when x fits in 64 bits and
 * the factor too). */
static LLVMValueRef rescale(cg_fn *f, LLVMValueRef x, bool x_fits64, int from, int to,
                            LLVMValueRef *ovf) {
    cg_module *m = f->m;
    *ovf = cg_i1(m, false);
    if (to == from)
        return x;
    if (to > from && x_fits64 && to - from <= 18)
        return LLVMBuildMul(m->b, x, pow10_const(m, to - from), "");
    if (to > from)
        return cg_with_overflow(m, "llvm.smul.with.overflow", x, pow10_const(m, to - from), ovf);
    /* q = x / 10^k, r = x % 10^k; |r| * 2 >= 10^k rounds away from zero (in 64 bits
     * when x and 10^k fit: LLVM divides 128-bit values only through a libcall) */
    bool narrow = x_fits64 && from - to <= 18;
    LLVMTypeRef t = narrow ? m->t_i64 : m->t_i128;
    if (narrow)
        x = LLVMBuildTrunc(m->b, x, t, "");
    LLVMValueRef p =
        narrow ? LLVMBuildTrunc(m->b, pow10_const(m, from - to), t, "") : pow10_const(m, from - to);
    LLVMValueRef q = LLVMBuildSDiv(m->b, x, p, "");
    LLVMValueRef r = LLVMBuildSRem(m->b, x, p, "");
    LLVMValueRef zero = LLVMConstNull(t);
    LLVMValueRef neg_r = LLVMBuildICmp(m->b, LLVMIntSLT, r, zero, "");
    LLVMValueRef abs_r = LLVMBuildSelect(m->b, neg_r, LLVMBuildSub(m->b, zero, r, ""), r, "");
    LLVMValueRef twice = LLVMBuildShl(m->b, abs_r, LLVMConstInt(t, 1, false), "");
    LLVMValueRef up = LLVMBuildICmp(m->b, LLVMIntSGE, twice, p, "");
    LLVMValueRef step = LLVMBuildSelect(m->b, LLVMBuildICmp(m->b, LLVMIntSLT, x, zero, ""),
                                        LLVMConstAllOnes(t), LLVMConstInt(t, 1, false), "");
    LLVMValueRef v = LLVMBuildAdd(m->b, q, LLVMBuildSelect(m->b, up, step, zero, ""), "");
    return narrow ? LLVMBuildSExt(m->b, v, m->t_i128, "") : v;
}

/* An exact value (integer, BOOLEAN, HUGEINT, DECIMAL) as i128. */
static LLVMValueRef exact128(cg_module *m, qe_type from, LLVMValueRef v) {
    if (from == QE_TYPE_BOOLEAN)
        return LLVMBuildZExt(m->b, v, m->t_i128, "");
    return LLVMGetIntTypeWidth(LLVMTypeOf(v)) == 128 ? v : LLVMBuildSExt(m->b, v, m->t_i128, "");
}

/* Exact number -> DECIMAL(p, s): rescale and bound (22003 with the cast's detail). */
static LLVMValueRef to_decimal(cg_fn *f, const plan_expr *e, cg_val a) {
    cg_module *m = f->m;
    const plan_expr *in = e->u.cast;
    int32_t tm = e->typmod ? e->typmod : PLAN_TYPMOD_DECIMAL(18, 3);
    int p = PLAN_DECIMAL_PRECISION(tm), s = PLAN_DECIMAL_SCALE(tm);
    int from = scale_of(in);
    if (in->type == QE_TYPE_DECIMAL && from == s && precision_of(in) <= p)
        return a.v; /* the interpreter does not even look at it */
    LLVMValueRef ovf;
    LLVMValueRef x = exact128(m, in->type, a.v);
    bool fits64 = in->type != QE_TYPE_HUGEINT && (in->type != QE_TYPE_DECIMAL || fits64_known(in));
    if (in->type == QE_TYPE_DECIMAL)
        x = narrow_known(m, in, x);
    LLVMValueRef v = rescale(f, x, fits64, from, s, &ovf);
    LLVMValueRef lim = pow10_const(m, p);
    LLVMValueRef neg_lim = LLVMBuildSub(m->b, LLVMConstNull(m->t_i128), lim, "");
    LLVMValueRef out = or1(m, ovf,
                           or1(m, LLVMBuildICmp(m->b, LLVMIntSGE, v, lim, ""),
                               LLVMBuildICmp(m->b, LLVMIntSLE, v, neg_lim, "")));
    cg_raise_if(f, and1(m, out, not1(m, a.null)), RT_JIT_ERR_DECIMAL_CAST(tm), e->position);
    return LLVMBuildSelect(m->b, out, LLVMConstNull(m->t_i128), v, "");
}

/* Cast to DECIMAL in 64 bits; see cg_int.h. */
bool cg_cast_decimal64(cg_fn *f, const plan_expr *e, const cg_val *a, cg_val *out) {
    cg_module *m = f->m;
    const plan_expr *in = e->u.cast;
    if (!m->cheap || e->typmod == 0)
        return false;
    int p = precision_of(e), s = scale_of(e), from = scale_of(in), digits;
    LLVMValueRef x;
    if (in->type == QE_TYPE_DECIMAL && a->v64 != NULL) {
        x = a->v64;
        digits = in->typmod != 0 ? precision_of(in) : 19;
    } else if (in->type == QE_TYPE_SMALLINT || in->type == QE_TYPE_INTEGER) {
        x = LLVMBuildSExt(m->b, a->v, m->t_i64, "");
        digits = in->type == QE_TYPE_SMALLINT ? 5 : 10;
    } else if (in->type == QE_TYPE_BIGINT) {
        x = a->v;
        digits = 19;
    } else {
        return false;
    }
    /* the result fits in 64 bits by its precision, or by the operand's and the scaling */
    if (s < from || (p > 18 && digits + s - from > 18))
        return false; /* rounding, or 128 bits: to_decimal */
    LLVMValueRef ovf = cg_i1(m, false), v = x;
    if (s > from)
        v = cg_with_overflow(m, "llvm.smul.with.overflow", x,
                             LLVMBuildTrunc(m->b, pow10_const(m, s - from), m->t_i64, ""), &ovf);
    int64_t lim = (int64_t)pow10_i128(p < 18 ? p : 18);
    LLVMValueRef bad = ovf; /* p > 18: |v| < 10^18 < 10^p */
    if (p <= 18) {
        LLVMValueRef off = LLVMBuildAdd(m->b, v, cg_i64(m, lim - 1), "");
        bad = or1(m, ovf, LLVMBuildICmp(m->b, LLVMIntUGE, off, cg_i64(m, 2 * lim - 1), ""));
    }
    int32_t tm = e->typmod;
    cg_raise_if(f, and1(m, bad, not1(m, a->null)), RT_JIT_ERR_DECIMAL_CAST(tm), e->position);
    *out = (cg_val){.null = a->null};
    out->v64 = LLVMBuildSelect(m->b, bad, cg_i64(m, 0), v, "");
    out->v = LLVMBuildSExt(m->b, out->v64, m->t_i128, "");
    return true;
}

/* A value in words (the cheap tier) as a double, (double)(long double)v: the low word's
 * conversion where the value fits in 64 bits (tested per row), else the long double's
 * in a block of its own (i128 and x86_fp80: fast instruction selection hands only that
 * block to SelectionDAG); they meet in a phi. */
static LLVMValueRef words_to_double(cg_fn *f, cg_val a) {
    cg_module *m = f->m;
    LLVMValueRef fits =
        LLVMBuildICmp(m->b, LLVMIntEQ, LLVMBuildAShr(m->b, a.lo64, cg_i64(m, 63), ""), a.hi64, "");
    LLVMValueRef d = LLVMBuildSIToFP(m->b, a.lo64, m->t_f64, "");
    LLVMBasicBlockRef from = LLVMGetInsertBlock(m->b);
    LLVMBasicBlockRef wide = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "to_double128");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "to_double");
    LLVMBuildCondBr(m->b, fits, join, wide);
    LLVMPositionBuilderAtEnd(m->b, wide);
    LLVMValueRef w = LLVMBuildFPTrunc(
        m->b, LLVMBuildSIToFP(m->b, words_i128(m, a.lo64, a.hi64), m->t_f80, ""), m->t_f64, "");
    LLVMBuildBr(m->b, join);
    LLVMPositionBuilderAtEnd(m->b, join);
    return cg_phi2(m, m->t_f64, "", d, from, w, wide);
}

/* DECIMAL -> DOUBLE: (double)(long double)v / 10^s (rt_decimal_to_double). */
static LLVMValueRef decimal_to_double(cg_fn *f, const plan_expr *in, cg_val a) {
    cg_module *m = f->m;
    LLVMValueRef d, v = a.v;
    if (a.v64 != NULL) /* exact in a long double: one rounding either way */
        d = LLVMBuildSIToFP(m->b, a.v64, m->t_f64, "");
    else if (fits64_known(in))
        d = LLVMBuildSIToFP(m->b, a.lo64 ? a.lo64 : LLVMBuildTrunc(m->b, v, m->t_i64, ""), m->t_f64,
                            "");
    else if (a.lo64 != NULL)
        d = words_to_double(f, a);
    else
        d = LLVMBuildFPTrunc(m->b, LLVMBuildSIToFP(m->b, v, m->t_f80, ""), m->t_f64, "");
    double p = 1;
    for (int i = 0; i < scale_of(in); i++)
        p *= 10;
    return LLVMBuildFDiv(m->b, d, LLVMConstReal(m->t_f64, p), "");
}

/* DOUBLE -> REAL: a finite value beyond FLT_MAX is 22003. */
static LLVMValueRef double_to_real(cg_fn *f, const plan_expr *e, LLVMValueRef d,
                                   LLVMValueRef null) {
    cg_module *m = f->m;
    LLVMValueRef ad = cg_fabs(m, d);
    LLVMValueRef big =
        and1(m, LLVMBuildFCmp(m->b, LLVMRealOGT, ad, LLVMConstReal(m->t_f64, FLT_MAX), ""),
             LLVMBuildFCmp(m->b, LLVMRealONE, ad, LLVMConstReal(m->t_f64, INFINITY), ""));
    cg_raise_if(f, and1(m, big, not1(m, null)), RT_JIT_ERR_RANGE(QE_TYPE_REAL), e->position);
    return LLVMBuildFPTrunc(m->b, d, m->t_f32, "");
}

/* Floor division of a timestamp by a day. */
static LLVMValueRef timestamp_to_date(cg_module *m, LLVMValueRef ts) {
    LLVMValueRef day = cg_i64(m, US_PER_DAY);
    LLVMValueRef q = LLVMBuildSDiv(m->b, ts, day, "");
    LLVMValueRef neg =
        LLVMBuildICmp(m->b, LLVMIntSLT, LLVMBuildSRem(m->b, ts, day, ""), cg_i64(m, 0), "");
    q = LLVMBuildSub(m->b, q, LLVMBuildZExt(m->b, neg, m->t_i64, ""), "");
    return LLVMBuildTrunc(m->b, q, m->t_i32, "");
}

/* A value of a numeric type (not DECIMAL/HUGEINT) as a double. */
static LLVMValueRef as_double(cg_module *m, qe_type from, LLVMValueRef v) {
    if (from == QE_TYPE_DOUBLE)
        return v;
    if (from == QE_TYPE_REAL)
        return LLVMBuildFPExt(m->b, v, m->t_f64, "");
    if (from == QE_TYPE_BOOLEAN)
        return LLVMBuildUIToFP(m->b, v, m->t_f64, "");
    return LLVMBuildSIToFP(m->b, v, m->t_f64, "");
}

/* DOUBLE -> HUGEINT: rounded half away from zero, 22003 beyond +-1.7e38 (cast_wide.c). */
static LLVMValueRef float_to_hugeint(cg_fn *f, const plan_expr *e, LLVMValueRef d,
                                     LLVMValueRef null) {
    cg_module *m = f->m;
    unsigned id = LLVMLookupIntrinsicID("llvm.round", 10);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(m->mod, id, &m->t_f64, 1);
    LLVMTypeRef fn_type = LLVMIntrinsicGetType(m->ctx, id, &m->t_f64, 1);
    LLVMValueRef r = LLVMBuildCall2(m->b, fn_type, fn, &d, 1, "");
    LLVMValueRef ok =
        and1(m, LLVMBuildFCmp(m->b, LLVMRealOGT, r, LLVMConstReal(m->t_f64, -1.7e38), ""),
             LLVMBuildFCmp(m->b, LLVMRealOLT, r, LLVMConstReal(m->t_f64, 1.7e38), ""));
    cg_raise_if(f, and1(m, not1(m, ok), not1(m, null)), RT_JIT_ERR_RANGE(QE_TYPE_HUGEINT),
                e->position);
    LLVMValueRef safe = LLVMBuildSelect(m->b, ok, r, LLVMConstReal(m->t_f64, 0.0), "");
    return LLVMBuildFPToSI(m->b, safe, m->t_i128, "");
}

/* CAST of the types here (cg_typed_cast_supported). */
LLVMValueRef cg_typed_cast(cg_fn *f, const plan_expr *e, cg_val a) {
    cg_module *m = f->m;
    qe_type from = e->u.cast->type, to = e->type;
    if (to == QE_TYPE_DECIMAL)
        return to_decimal(f, e, a);
    if (from == to)
        return a.v;
    if (from == QE_TYPE_DATE && to == QE_TYPE_TIMESTAMP)
        return LLVMBuildMul(m->b, LLVMBuildSExt(m->b, a.v, m->t_i64, ""), cg_i64(m, US_PER_DAY),
                            "");
    if (from == QE_TYPE_TIMESTAMP && to == QE_TYPE_DATE)
        return timestamp_to_date(m, a.v);
    if (to == QE_TYPE_BOOLEAN) {
        if (is_float(from))
            return LLVMBuildFCmp(m->b, LLVMRealUNE, a.v, LLVMConstNull(LLVMTypeOf(a.v)), "");
        return LLVMBuildICmp(m->b, LLVMIntNE, a.v, LLVMConstNull(LLVMTypeOf(a.v)), "");
    }
    if (to == QE_TYPE_HUGEINT && from == QE_TYPE_DECIMAL) { /* rounded, never out of range */
        LLVMValueRef ovf;
        return rescale(f, narrow_known(m, e->u.cast, a.v), fits64_known(e->u.cast),
                       scale_of(e->u.cast), 0, &ovf);
    }
    if (to == QE_TYPE_HUGEINT)
        return is_float(from) ? float_to_hugeint(f, e, as_double(m, from, a.v), a.null)
                              : exact128(m, from, a.v);
    if (from == QE_TYPE_HUGEINT && is_int(to))
        return narrow_int(f, e, a.v, a.null);
    if (from == QE_TYPE_DECIMAL || from == QE_TYPE_HUGEINT) {
        if (is_int(to)) {
            LLVMValueRef ovf;
            LLVMValueRef v = rescale(f, narrow_known(m, e->u.cast, a.v), fits64_known(e->u.cast),
                                     scale_of(e->u.cast), 0, &ovf);
            return narrow_int(f, e, v, a.null);
        }
        LLVMValueRef d = decimal_to_double(f, e->u.cast, a);
        if (to == QE_TYPE_DOUBLE)
            return d;
        /* rt_cast_vector_decimal narrows DECIMAL without a range check */
        return from == QE_TYPE_DECIMAL ? LLVMBuildFPTrunc(m->b, d, m->t_f32, "")
                                       : double_to_real(f, e, d, a.null);
    }
    if (from == QE_TYPE_BOOLEAN && is_int(to))
        return LLVMBuildZExt(m->b, a.v, cg_reg_type(m, to), "");
    if (is_int(from) && is_int(to))
        return narrow_int(f, e, a.v, a.null);
    LLVMValueRef d = as_double(m, from, a.v);
    if (to == QE_TYPE_DOUBLE)
        return d;
    if (to == QE_TYPE_REAL)
        return from == QE_TYPE_DOUBLE ? double_to_real(f, e, d, a.null)
                                      : LLVMBuildFPTrunc(m->b, d, m->t_f32, "");
    return float_to_int(f, e, d, a.null);
}
