/*
 * expr_func.c -- date fields natively, and the generic call of any other function.
 *
 * extract/date_part with a constant unit on DATE or TIMESTAMP, and the shortcuts
 * year(), month(), day(), quarter(), week(), dayofweek(), dayofyear(), hour(),
 * minute(), second(), call rt_jit_date_part (jit_inline.h), which runs the
 * interpreter's field kernels (date_inline.h) and is inlined at the optimized tier:
 * with the unit a constant, the field's switch folds away.
 *
 * Every other scalar function the interpreter implements (a row kernel in func.h:
 * not the lazy COALESCE, which expr.c compiles natively) is called through
 * rt_jit_func, one row at a time: the arguments go into an entry-block array of
 * 3 words each (low, high, is-NULL), the call site is a constant int32 descriptor
 * (no plan address: cached code outlives the query), and the kernel's status is
 * returned as the pipeline's.  The results and errors are the interpreter's by
 * construction; a unit that is not a constant or not valid for the type takes this
 * path too, so the kernel raises the interpreter's 22023 on the rows it would.  Casts
 * codegen does not generate (to and from VARCHAR, to VARCHAR(n)/CHAR(n), DOUBLE to
 * DECIMAL, ...) take the same call, converted by the interpreter's rt_value_cast_mod.
 */
#include "cg_int.h"
#include "date_inline.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- date fields -------------------------------------------------------------------- */

static bool is_datetime(qe_type t) { return t == QE_TYPE_DATE || t == QE_TYPE_TIMESTAMP; }

/* The field a shortcut function extracts, or RT_UNIT_N. */
static rt_date_unit shortcut_unit(uint32_t fn) {
    switch (fn) {
    case PLAN_FUNC_ID_YEAR: return RT_UNIT_YEAR;
    case PLAN_FUNC_ID_MONTH: return RT_UNIT_MONTH;
    case PLAN_FUNC_ID_DAY: return RT_UNIT_DAY;
    case PLAN_FUNC_ID_QUARTER: return RT_UNIT_QUARTER;
    case PLAN_FUNC_ID_WEEK: return RT_UNIT_WEEK;
    case PLAN_FUNC_ID_DAYOFWEEK: return RT_UNIT_DOW;
    case PLAN_FUNC_ID_DAYOFYEAR: return RT_UNIT_DOY;
    case PLAN_FUNC_ID_HOUR: return RT_UNIT_HOUR;
    case PLAN_FUNC_ID_MINUTE: return RT_UNIT_MINUTE;
    case PLAN_FUNC_ID_SECOND: return RT_UNIT_SECOND; /* whole seconds: the field truncated */
    default: return RT_UNIT_N;
    }
}

/* The unit of a natively compiled date field call, or -1: extract/date_part with a
 * non-NULL constant unit valid for its DATE/TIMESTAMP argument, or a shortcut. */
static int date_unit_of(const plan_expr *e) {
    uint32_t n = e->u.func.n_args, fn = e->u.func.fn;
    if (fn == PLAN_FUNC_ID_EXTRACT || fn == PLAN_FUNC_ID_DATE_PART) {
        if (n != 2 || !is_datetime(e->u.func.args[1]->type) ||
            (e->type != QE_TYPE_BIGINT && e->type != QE_TYPE_DOUBLE))
            return -1;
        const plan_expr *u = e->u.func.args[0];
        if (u->kind != PLAN_EXPR_CONST || u->u.value.is_null || u->u.value.type != QE_TYPE_VARCHAR)
            return -1;
        rt_date_unit unit = rt_date_unit_parse(u->u.value.u.s.ptr, u->u.value.u.s.len);
        if (unit == RT_UNIT_N ||
            (rt_date_unit_time_only(unit) && e->u.func.args[1]->type == QE_TYPE_DATE))
            return -1;
        return (int)unit;
    }
    rt_date_unit unit = shortcut_unit(fn);
    if (unit == RT_UNIT_N || n != 1 || !is_datetime(e->u.func.args[0]->type) ||
        e->type != QE_TYPE_BIGINT)
        return -1;
    return (int)unit;
}

/* Whether e is a date field compiled natively; see cg_int.h. */
bool cg_func_date_supported(const plan_expr *e) { return date_unit_of(e) >= 0; }

/* A date field; see cg_int.h. */
qe_status cg_func_date(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                       rt_error *err) {
    cg_module *m = f->m;
    int unit = date_unit_of(e);
    const plan_expr *x = e->u.func.args[e->u.func.n_args - 1];
    cg_val a;
    qe_status st = unit < 0 ? rt_error_set(err, QE_INTERNAL, "XX000", e->position,
                                           "codegen: unexpected date field")
                            : cg_expr(f, x, in, n_in, &a, err);
    if (st != QE_OK)
        return st;
    bool is_ts = x->type == QE_TYPE_TIMESTAMP;
    LLVMValueRef v = is_ts ? a.v : LLVMBuildSExt(m->b, a.v, m->t_i64, "");
    v = LLVMBuildSelect(m->b, a.null, cg_i64(m, 0), v, ""); /* defined for NULL rows */
    LLVMValueRef args[3] = {v, cg_i32(m, is_ts), cg_i32(m, unit)};
    LLVMValueRef d = cg_call_inline(m, CG_INLINE_DATE_PART, args, 3);
    out->null = a.null;
    out->v = e->type == QE_TYPE_DOUBLE ? d : LLVMBuildFPToSI(m->b, d, m->t_i64, "field");
    return QE_OK;
}

/* ---- the generic call --------------------------------------------------------------- */

#define GENERIC_MAX_ARGS 64 /* func.c's CHAR(n) argument mask has 64 bits */

/* Whether FUNC node e is called through rt_jit_func; see cg_int.h. */
bool cg_func_generic_supported(const plan_expr *e, char *reason, size_t cap) {
    const char *name = plan_func_name(e->u.func.fn);
    if (e->u.func.fn == PLAN_FUNC_ID_COALESCE || !rt_func_runs(e->u.func.fn)) {
        snprintf(reason, cap, "function %s is not supported by codegen yet", name);
        return false;
    }
    if (e->u.func.n_args > GENERIC_MAX_ARGS) {
        snprintf(reason, cap,
                 "function %s with more than %d arguments is not supported by "
                 "codegen yet",
                 name, GENERIC_MAX_ARGS);
        return false;
    }
    return true; /* argument and result types: check.c's cg_type_supported; a CHAR(n)
                    result (GREATEST of CHARs) is the kernel's value, as interpreted */
}

/* The argument words (low, high) of value a of type t. */
static void arg_words(cg_fn *f, qe_type t, cg_val a, LLVMValueRef *lo, LLVMValueRef *hi) {
    cg_module *m = f->m;
    *hi = cg_i64(m, 0);
    switch (t) {
    case QE_TYPE_BOOLEAN: *lo = LLVMBuildZExt(m->b, a.v, m->t_i64, ""); return;
    case QE_TYPE_REAL:
        *lo = LLVMBuildBitCast(m->b, LLVMBuildFPExt(m->b, a.v, m->t_f64, ""), m->t_i64, "");
        return;
    case QE_TYPE_DOUBLE: *lo = LLVMBuildBitCast(m->b, a.v, m->t_i64, ""); return;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_INTERVAL: {
        LLVMValueRef v = a.v;
        if (LLVMGetIntTypeWidth(LLVMTypeOf(v)) < 128)
            v = LLVMBuildSExt(m->b, v, m->t_i128, "");
        *lo = LLVMBuildTrunc(m->b, v, m->t_i64, "");
        *hi = LLVMBuildTrunc(m->b, LLVMBuildLShr(m->b, v, LLVMConstInt(m->t_i128, 64, false), ""),
                             m->t_i64, "");
        return;
    }
    case QE_TYPE_VARCHAR:
        *lo = LLVMBuildPtrToInt(m->b, cg_str_ptr(f, a), m->t_i64, "");
        *hi = LLVMBuildZExt(m->b, cg_str_len(f, a), m->t_i64, "");
        return;
    default:
        *lo = LLVMGetIntTypeWidth(LLVMTypeOf(a.v)) < 64 ? LLVMBuildSExt(m->b, a.v, m->t_i64, "")
                                                        : a.v;
        return;
    }
}

/* The result of type t from its words (lo, hi). */
static cg_val result_value(cg_fn *f, qe_type t, LLVMValueRef lo, LLVMValueRef hi,
                           LLVMValueRef null) {
    cg_module *m = f->m;
    cg_val r = {.null = null};
    switch (t) {
    case QE_TYPE_BOOLEAN: r.v = LLVMBuildICmp(m->b, LLVMIntNE, lo, cg_i64(m, 0), ""); break;
    case QE_TYPE_REAL:
        r.v = LLVMBuildFPTrunc(m->b, LLVMBuildBitCast(m->b, lo, m->t_f64, ""), m->t_f32, "");
        break;
    case QE_TYPE_DOUBLE: r.v = LLVMBuildBitCast(m->b, lo, m->t_f64, ""); break;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_INTERVAL: {
        LLVMValueRef h = LLVMBuildShl(m->b, LLVMBuildZExt(m->b, hi, m->t_i128, ""),
                                      LLVMConstInt(m->t_i128, 64, false), "");
        r.v = LLVMBuildOr(m->b, h, LLVMBuildZExt(m->b, lo, m->t_i128, ""), "");
        break;
    }
    case QE_TYPE_VARCHAR:
        r.str = LLVMBuildIntToPtr(m->b, lo, m->t_ptr, "");
        r.v = LLVMBuildAnd(m->b, hi, cg_i64(m, 0xFFFFFFFF), ""); /* the length */
        break;
    default: {
        LLVMTypeRef rt = cg_reg_type(m, t);
        r.v = LLVMGetIntTypeWidth(rt) < 64 ? LLVMBuildTrunc(m->b, lo, rt, "") : lo;
        break;
    }
    }
    return r;
}

/* The call site's constant descriptor (jit_func.c's layout) of node e calling fn (a
 * PLAN_FUNC_* id, or -1 for a CAST) on args[0..n). */
static LLVMValueRef descriptor(cg_module *m, const plan_expr *e, int32_t fn,
                               const plan_expr *const *args, uint32_t n) {
    LLVMValueRef *w = malloc(sizeof *w * (6 + 3 * n));
    if (w == NULL)
        return NULL;
    int32_t head[6] = {
        (int32_t)m->n_func_sites++, fn, (int32_t)e->type, e->typmod, e->position, (int32_t)n};
    for (int i = 0; i < 6; i++)
        w[i] = cg_i32(m, head[i]);
    for (uint32_t i = 0; i < n; i++) {
        const plan_expr *a = args[i];
        w[6 + 3 * i] = cg_i32(m, a->type);
        w[7 + 3 * i] = cg_i32(m, a->typmod);
        w[8 + 3 * i] = cg_i32(m, a->kind == PLAN_EXPR_CONST);
    }
    LLVMValueRef init = LLVMConstArray(m->t_i32, w, 6 + 3 * n);
    free(w);
    return cg_const_global(m, init, "qe_func_site");
}

/* A call of rt_jit_func for node e: function fn (-1: CAST) on args[0..n). */
static qe_status generic_call(cg_fn *f, const plan_expr *e, int32_t fn,
                              const plan_expr *const *args, uint32_t n, const cg_val *in,
                              uint32_t n_in, cg_val *out, rt_error *err) {
    cg_module *m = f->m;
    if (f->err_var != NULL) {
        /* block.c's fast loop (a DOUBLE -> DECIMAL cast is block-safe by its types):
         * no call there; flag the block, so the exact loop makes the calls */
        cg_raise_if(f, cg_i1(m, true), RT_JIT_ERR_NOMEM, -1);
        *out = (cg_val){.v = LLVMConstNull(cg_reg_type(m, e->type)), .null = cg_i1(m, true)};
        if (e->type == QE_TYPE_VARCHAR)
            out->str = m->null_slot;
        return QE_OK;
    }
    LLVMTypeRef arr = LLVMArrayType(m->t_i64, 3 * (n + 1));
    LLVMValueRef vals = cg_alloca(f, arr, "func_vals");
    for (uint32_t i = 0; i < n; i++) {
        cg_val a;
        qe_status st = cg_expr(f, args[i], in, n_in, &a, err);
        if (st != QE_OK)
            return st;
        LLVMValueRef w[3];
        arg_words(f, args[i]->type, a, &w[0], &w[1]);
        w[2] = LLVMBuildZExt(m->b, a.null, m->t_i64, "");
        for (int k = 0; k < 3; k++) {
            LLVMValueRef idx = cg_i64(m, 3 * i + k);
            LLVMBuildStore(m->b, w[k], LLVMBuildGEP2(m->b, m->t_i64, vals, &idx, 1, ""));
        }
    }
    LLVMValueRef desc = descriptor(m, e, fn, args, n);
    if (desc == NULL)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    LLVMValueRef call[3] = {f->ts, desc, vals};
    if (f->defer) /* checks gathered before the call raise first (cg_expr_deferrable
                     keeps such calls out: a safeguard) */
        cg_raise_flush(f);
    cg_return_if_error(f, cg_call_helper(m, CG_HELPER_FUNC, call, 3));
    LLVMValueRef w[3];
    for (int k = 0; k < 3; k++) {
        LLVMValueRef idx = cg_i64(m, 3 * n + k);
        w[k] = LLVMBuildLoad2(m->b, m->t_i64, LLVMBuildGEP2(m->b, m->t_i64, vals, &idx, 1, ""), "");
    }
    *out = result_value(f, e->type, w[0], w[1], LLVMBuildTrunc(m->b, w[2], m->t_i1, ""));
    return QE_OK;
}

/* A generic call; see cg_int.h. */
qe_status cg_func_generic(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in,
                          cg_val *out, rt_error *err) {
    return generic_call(f, e, (int32_t)e->u.func.fn, (const plan_expr *const *)e->u.func.args,
                        e->u.func.n_args, in, n_in, out, err);
}

/* ---- casts -------------------------------------------------------------------------- */

/* Whether CAST e is generated natively (expr.c, expr_types.c); see cg_int.h. */
bool cg_cast_native(const plan_expr *e) {
    qe_type from = e->u.cast->type;
    if (from == QE_TYPE_VARCHAR || e->type == QE_TYPE_VARCHAR)
        return from == e->type && (e->typmod == 0 || e->typmod == e->u.cast->typmod);
    return !cg_typed_op(from, e->type) || cg_typed_cast_supported(from, e->type);
}

/* A CAST through rt_jit_func; see cg_int.h. */
qe_status cg_cast_generic(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in,
                          cg_val *out, rt_error *err) {
    const plan_expr *arg = e->u.cast;
    return generic_call(f, e, -1, &arg, 1, in, n_in, out, err);
}
