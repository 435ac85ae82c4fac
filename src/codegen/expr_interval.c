/*
 * expr_interval.c -- INTERVAL operators in generated code (expr_types.c dispatches here).
 *
 * An INTERVAL value is held as the i128 of its 16 bytes (rt_interval: months in bits
 * 0..31, days in 32..63, microseconds in 64..127), as the runtime stores it, so
 * columns, constants, stores, CASE/COALESCE, group and join keys (hashed and compared
 * bitwise, as hash.c and agg_ht.c do) and the generic function call treat it like a
 * HUGEINT.  The operators are the interpreter's (prim_wide.c):
 *   - comparisons order by months * 30 days + days + microseconds (rt_interval_cmp),
 *     computed in 128 bits;
 *   - INTERVAL + - INTERVAL and unary minus field by field, each checked (22003
 *     "interval out of range"); the same sum and order serve the fused SUM/AVG and
 *     MIN/MAX states of intervals (sink.c);
 *   - TIMESTAMP - TIMESTAMP: days and microseconds of the difference (22003 "interval
 *     out of range" when the difference overflows);
 *   - TIMESTAMP +- INTERVAL, INTERVAL + TIMESTAMP (the binder casts DATE operands to
 *     TIMESTAMP): a checked add of the microseconds of a constant interval without
 *     months, else rt_jit_ts_add_interval, the interpreter's rt_timestamp_add_interval
 *     (22008 "timestamp out of range");
 *   - INTERVAL * DOUBLE, DOUBLE * INTERVAL, INTERVAL / DOUBLE: rt_interval_scale's
 *     double arithmetic in IR (22012 on division by zero, 22003).
 * Errors are raised only for rows whose result is not NULL.
 */
#include "cg_int.h"

#include <stdint.h>
#include <string.h>

#define US_PER_DAY 86400000000LL

/* Months (i32), days (i32) and microseconds (i64) of an interval value v. */
static LLVMValueRef iv_months(cg_module *m, LLVMValueRef v) {
    return LLVMBuildTrunc(m->b, v, m->t_i32, "iv_months");
}
static LLVMValueRef iv_days(cg_module *m, LLVMValueRef v) {
    LLVMValueRef sh = LLVMBuildLShr(m->b, v, LLVMConstInt(m->t_i128, 32, false), "");
    return LLVMBuildTrunc(m->b, sh, m->t_i32, "iv_days");
}
static LLVMValueRef iv_lo(cg_module *m, LLVMValueRef v) {
    return LLVMBuildTrunc(m->b, v, m->t_i64, "iv_lo");
}
static LLVMValueRef iv_micros(cg_module *m, LLVMValueRef v) {
    LLVMValueRef sh = LLVMBuildLShr(m->b, v, LLVMConstInt(m->t_i128, 64, false), "");
    return LLVMBuildTrunc(m->b, sh, m->t_i64, "iv_micros");
}

/* The interval of its two words: lo (months, then days) and micros. */
static LLVMValueRef iv_from_words(cg_module *m, LLVMValueRef lo, LLVMValueRef micros) {
    LLVMValueRef hi = LLVMBuildShl(m->b, LLVMBuildZExt(m->b, micros, m->t_i128, ""),
                                   LLVMConstInt(m->t_i128, 64, false), "");
    return LLVMBuildOr(m->b, hi, LLVMBuildZExt(m->b, lo, m->t_i128, ""), "iv");
}

/* The interval of its fields. */
static LLVMValueRef iv_pack(cg_module *m, LLVMValueRef months, LLVMValueRef days,
                            LLVMValueRef micros) {
    LLVMValueRef d = LLVMBuildShl(m->b, LLVMBuildZExt(m->b, days, m->t_i64, ""), cg_i64(m, 32), "");
    LLVMValueRef lo = LLVMBuildOr(m->b, d, LLVMBuildZExt(m->b, months, m->t_i64, ""), "");
    return iv_from_words(m, lo, micros);
}

/* Whether interval operator op over (ta, tb) giving result is generated here (the
 * binder's table, bind_oper.c datetime_arith; NEG: tb == ta). */
bool cg_interval_op_supported(plan_op_kind op, qe_type result, qe_type ta, qe_type tb) {
    const qe_type iv = QE_TYPE_INTERVAL, ts = QE_TYPE_TIMESTAMP, d = QE_TYPE_DOUBLE;
    bool add = op == PLAN_OP_ADD, sub = op == PLAN_OP_SUB;
    if (op >= PLAN_OP_EQ && op <= PLAN_OP_GE)
        return ta == iv && tb == iv && result == QE_TYPE_BOOLEAN;
    if (ta == iv && tb == iv)
        return (add || sub || op == PLAN_OP_NEG) && result == iv;
    if (ta == ts && tb == iv)
        return (add || sub) && result == ts;
    if (ta == iv && tb == ts)
        return add && result == ts;
    if (ta == ts && tb == ts)
        return sub && result == iv;
    if (ta == iv && tb == d)
        return (op == PLAN_OP_MUL || op == PLAN_OP_DIV) && result == iv;
    if (ta == d && tb == iv)
        return op == PLAN_OP_MUL && result == iv;
    return false;
}

/* The span of interval v in microseconds, months of 30 days (i128: rt_interval_cmp's). */
static LLVMValueRef iv_span(cg_module *m, LLVMValueRef v) {
    LLVMValueRef mo = LLVMBuildSExt(m->b, iv_months(m, v), m->t_i128, "");
    LLVMValueRef dd = LLVMBuildSExt(m->b, iv_days(m, v), m->t_i128, "");
    LLVMValueRef us = LLVMBuildSExt(m->b, iv_micros(m, v), m->t_i128, "");
    LLVMValueRef days =
        LLVMBuildAdd(m->b, LLVMBuildMul(m->b, mo, LLVMConstInt(m->t_i128, 30, false), ""), dd, "");
    return LLVMBuildAdd(
        m->b, LLVMBuildMul(m->b, days, LLVMConstInt(m->t_i128, US_PER_DAY, false), ""), us, "span");
}

/* Comparison e of intervals a and b: by their spans in microseconds (months of 30 days). */
LLVMValueRef cg_interval_compare(cg_module *m, const plan_expr *e, LLVMValueRef a, LLVMValueRef b) {
    static const LLVMIntPredicate sint[] = {LLVMIntEQ,  LLVMIntNE,  LLVMIntSLT,
                                            LLVMIntSLE, LLVMIntSGT, LLVMIntSGE};
    return LLVMBuildICmp(m->b, sint[e->u.op.op - PLAN_OP_EQ], iv_span(m, a), iv_span(m, b), "");
}

/* x before (is_min) or after v; see cg_int.h. */
LLVMValueRef cg_interval_better(cg_module *m, bool is_min, LLVMValueRef x, LLVMValueRef v) {
    return LLVMBuildICmp(m->b, is_min ? LLVMIntSLT : LLVMIntSGT, iv_span(m, x), iv_span(m, v), "");
}

/* a op b (llvm.s<op>.with.overflow), ORing its overflow flag into *bad. */
static LLVMValueRef checked(cg_module *m, const char *name, LLVMValueRef a, LLVMValueRef b,
                            LLVMValueRef *bad) {
    LLVMValueRef ovf;
    LLVMValueRef r = cg_with_overflow(m, name, a, b, &ovf);
    *bad = *bad ? cg_or1(m, *bad, ovf) : ovf;
    return r;
}

/* a + b, a - b (b unused for NEG: 0 - a), field by field. */
static LLVMValueRef iv_addsub(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                              LLVMValueRef null) {
    cg_module *m = f->m;
    plan_op_kind op = e->u.op.op;
    const char *name = op == PLAN_OP_ADD ? "llvm.sadd.with.overflow" : "llvm.ssub.with.overflow";
    LLVMValueRef am, ad, au;
    if (op == PLAN_OP_NEG) {
        am = LLVMConstNull(m->t_i32);
        ad = am;
        au = cg_i64(m, 0);
        b = a;
    } else {
        am = iv_months(m, a);
        ad = iv_days(m, a);
        au = iv_micros(m, a);
    }
    LLVMValueRef bad = NULL;
    LLVMValueRef rm = checked(m, name, am, iv_months(m, b), &bad);
    LLVMValueRef rd = checked(m, name, ad, iv_days(m, b), &bad);
    LLVMValueRef ru = checked(m, name, au, iv_micros(m, b), &bad);
    cg_raise_if(f, cg_and1(m, bad, LLVMBuildNot(m->b, null, "")),
                RT_JIT_ERR_RANGE(QE_TYPE_INTERVAL), e->position);
    return iv_pack(m, rm, rd, ru);
}

/* a + b field by field; see cg_int.h. */
LLVMValueRef cg_interval_add(cg_module *m, LLVMValueRef a, LLVMValueRef b, LLVMValueRef *ovf) {
    const char *name = "llvm.sadd.with.overflow";
    *ovf = NULL;
    LLVMValueRef rm = checked(m, name, iv_months(m, a), iv_months(m, b), ovf);
    LLVMValueRef rd = checked(m, name, iv_days(m, a), iv_days(m, b), ovf);
    LLVMValueRef ru = checked(m, name, iv_micros(m, a), iv_micros(m, b), ovf);
    return iv_pack(m, rm, rd, ru);
}

/* TIMESTAMP - TIMESTAMP: the difference's whole days and the remaining microseconds
 * (no months), as prim_wide.c's ts_diff. */
static LLVMValueRef ts_diff(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                            LLVMValueRef null) {
    cg_module *m = f->m;
    LLVMValueRef bad = NULL;
    LLVMValueRef d = checked(m, "llvm.ssub.with.overflow", a, b, &bad);
    cg_raise_if(f, cg_and1(m, bad, LLVMBuildNot(m->b, null, "")),
                RT_JIT_ERR_RANGE(QE_TYPE_INTERVAL), e->position);
    LLVMValueRef days = LLVMBuildSDiv(m->b, d, cg_i64(m, US_PER_DAY), "");
    LLVMValueRef us = LLVMBuildSRem(m->b, d, cg_i64(m, US_PER_DAY), "");
    return iv_pack(m, LLVMConstNull(m->t_i32), LLVMBuildTrunc(m->b, days, m->t_i32, ""), us);
}

/* sign * (days + micros) of a constant interval without months, in microseconds, when
 * it fits in 64 bits (then ts + it is rt_timestamp_add_interval's result: with no
 * months the day and time parts just add); false otherwise. */
static bool const_shift(const plan_expr *iv_e, int sign, int64_t *shift) {
    const rt_value *v = &iv_e->u.value;
    if (iv_e->kind != PLAN_EXPR_CONST || v->is_null || v->type != QE_TYPE_INTERVAL ||
        v->u.iv.months != 0)
        return false;
    __int128 x = ((__int128)v->u.iv.days * US_PER_DAY + v->u.iv.micros) * sign;
    if (x < INT64_MIN || x > INT64_MAX)
        return false;
    *shift = (int64_t)x;
    return true;
}

/* TIMESTAMP ts + sign * INTERVAL iv (the value of iv_e): a checked 64-bit add for a
 * constant without months, else rt_jit_ts_add_interval. */
static LLVMValueRef ts_add_iv(cg_fn *f, const plan_expr *e, const plan_expr *iv_e, LLVMValueRef ts,
                              LLVMValueRef iv, int sign, LLVMValueRef null) {
    cg_module *m = f->m;
    int64_t shift;
    if (const_shift(iv_e, sign, &shift)) {
        LLVMValueRef bad = NULL;
        LLVMValueRef r = checked(m, "llvm.sadd.with.overflow", ts, cg_i64(m, shift), &bad);
        cg_raise_if(f, cg_and1(m, bad, LLVMBuildNot(m->b, null, "")),
                    RT_JIT_ERR_RANGE(QE_TYPE_TIMESTAMP), e->position);
        return r;
    }
    LLVMValueRef out = cg_alloca(f, m->t_i64, "ts_iv");
    LLVMValueRef args[5] = {ts, iv_lo(m, iv), iv_micros(m, iv), cg_i32(m, sign), out};
    LLVMValueRef code = cg_call_helper(m, CG_HELPER_TS_ADD_IV, args, 5);
    LLVMValueRef bad = LLVMBuildICmp(m->b, LLVMIntNE, code, cg_i32(m, 0), "");
    cg_raise_if(f, cg_and1(m, bad, LLVMBuildNot(m->b, null, "")),
                RT_JIT_ERR_RANGE(QE_TYPE_TIMESTAMP), e->position);
    return LLVMBuildLoad2(m->b, m->t_i64, out, "");
}

/* llvm.<name> of a double. */
static LLVMValueRef f64_intrinsic(cg_module *m, const char *name, LLVMValueRef x) {
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(m->mod, id, &m->t_f64, 1);
    return LLVMBuildCall2(m->b, LLVMIntrinsicGetType(m->ctx, id, &m->t_f64, 1), fn, &x, 1, "");
}

/* i1: -lim <= x <= lim, i.e. isfinite(x) && !(fabs(x) > lim) (false for NaN and the
 * infinities; two ordered compares: fast instruction selection takes no llvm.fabs). */
static LLVMValueRef within(cg_module *m, LLVMValueRef x, double lim) {
    LLVMValueRef le = LLVMBuildFCmp(m->b, LLVMRealOLE, x, LLVMConstReal(m->t_f64, lim), "");
    LLVMValueRef ge = LLVMBuildFCmp(m->b, LLVMRealOGE, x, LLVMConstReal(m->t_f64, -lim), "");
    return cg_and1(m, le, ge);
}

/* x (a double) converted to integer type t where ok, else 0 (no poison from an
 * out-of-range conversion on rows that raise or are NULL). */
static LLVMValueRef to_int(cg_module *m, LLVMValueRef ok, LLVMValueRef x, LLVMTypeRef t) {
    LLVMValueRef safe = LLVMBuildSelect(m->b, ok, x, LLVMConstReal(m->t_f64, 0.0), "");
    return LLVMBuildFPToSI(m->b, safe, t, "");
}

/* INTERVAL iv * x or iv / x (x DOUBLE; / multiplies by 1.0 / x): prim_wide.c's iv_scale
 * in IR, operation for operation (PostgreSQL's rule: whole months, the fraction of a
 * month as 30 days, the fraction of a day as microseconds, rounded with rint), 22012
 * for a zero divisor, 22003 when a field leaves its range or is not finite. */
static LLVMValueRef iv_scale(cg_fn *f, const plan_expr *e, LLVMValueRef iv, LLVMValueRef x,
                             bool divide, LLVMValueRef null) {
    cg_module *m = f->m;
    LLVMValueRef valid = LLVMBuildNot(m->b, null, "");
    LLVMValueRef fac = x;
    if (divide) {
        LLVMValueRef z = LLVMBuildFCmp(m->b, LLVMRealOEQ, x, LLVMConstReal(m->t_f64, 0.0), "");
        cg_raise_if(f, cg_and1(m, z, valid), RT_JIT_ERR_DIV_ZERO, e->position);
        fac = LLVMBuildFDiv(m->b, LLVMConstReal(m->t_f64, 1.0), x, "");
    }
    LLVMValueRef mo =
        LLVMBuildFMul(m->b, LLVMBuildSIToFP(m->b, iv_months(m, iv), m->t_f64, ""), fac, "m");
    LLVMValueRef d =
        LLVMBuildFMul(m->b, LLVMBuildSIToFP(m->b, iv_days(m, iv), m->t_f64, ""), fac, "d");
    LLVMValueRef us =
        LLVMBuildFMul(m->b, LLVMBuildSIToFP(m->b, iv_micros(m, iv), m->t_f64, ""), fac, "us");
    LLVMValueRef ok = cg_and1(m, within(m, mo, INT32_MAX),
                              cg_and1(m, within(m, d, INT32_MAX), within(m, us, 9.2e18)));
    LLVMValueRef whole_m = f64_intrinsic(m, "llvm.trunc", mo);
    LLVMValueRef frac_days = LLVMBuildFAdd(m->b,
                                           LLVMBuildFMul(m->b, LLVMBuildFSub(m->b, mo, whole_m, ""),
                                                         LLVMConstReal(m->t_f64, 30.0), ""),
                                           d, "frac_days");
    LLVMValueRef whole_d = f64_intrinsic(m, "llvm.trunc", frac_days);
    LLVMValueRef day_us = LLVMBuildFMul(m->b, LLVMBuildFSub(m->b, frac_days, whole_d, ""),
                                        LLVMConstReal(m->t_f64, (double)US_PER_DAY), "");
    LLVMValueRef micros = f64_intrinsic(m, "llvm.rint", LLVMBuildFAdd(m->b, day_us, us, ""));
    ok = cg_and1(m, ok, cg_and1(m, within(m, whole_d, INT32_MAX), within(m, micros, 9.2e18)));
    cg_raise_if(f, cg_and1(m, LLVMBuildNot(m->b, ok, ""), valid),
                RT_JIT_ERR_RANGE(QE_TYPE_INTERVAL), e->position);
    return iv_pack(m, to_int(m, ok, whole_m, m->t_i32), to_int(m, ok, whole_d, m->t_i32),
                   to_int(m, ok, micros, m->t_i64));
}

/* Arithmetic operator e with an INTERVAL operand or result (cg_interval_op_supported). */
LLVMValueRef cg_interval_arith(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                               LLVMValueRef null) {
    qe_type ta = e->u.op.args[0]->type;
    qe_type tb = e->u.op.args[1] ? e->u.op.args[1]->type : ta;
    bool sub = e->u.op.op == PLAN_OP_SUB;
    if (ta == QE_TYPE_INTERVAL && tb == QE_TYPE_INTERVAL)
        return iv_addsub(f, e, a, b, null);
    if (ta == QE_TYPE_TIMESTAMP && tb == QE_TYPE_TIMESTAMP)
        return ts_diff(f, e, a, b, null);
    if (ta == QE_TYPE_TIMESTAMP)
        return ts_add_iv(f, e, e->u.op.args[1], a, b, sub ? -1 : 1, null);
    if (tb == QE_TYPE_TIMESTAMP)
        return ts_add_iv(f, e, e->u.op.args[0], b, a, 1, null);
    if (ta == QE_TYPE_DOUBLE)
        return iv_scale(f, e, b, a, false, null);
    return iv_scale(f, e, a, b, e->u.op.op == PLAN_OP_DIV, null);
}
