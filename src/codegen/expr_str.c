/*
 * expr_str.c -- VARCHAR expressions and function calls in registers.
 *
 * A VARCHAR value is its 16-byte view (the length in the low 32 bits) plus where its
 * bytes are (cg_val.str, or the view's address in a morsel vector).  String constants
 * are private globals; strings computed per row (||, upper, lower) live in the
 * thread's morsel arena (rt_jit_str_alloc), valid until the next morsel, which is as
 * long as the row's registers; substring returns a slice of its argument.  A computed
 * string reaching a sink is copied into the scratch vector's heap (sink.c).
 *
 * Comparisons, LIKE, character counts, substrings and case mapping call the helpers of
 * src/runtime/jit_inline.h, which wrap the interpreter's kernels (str_inline.h) and are
 * linked from bitcode at the optimized tier, so they inline (and fold against constant
 * operands: `x = 'abc'` becomes a length test and a few loads).  LIKE patterns must be
 * constants: they are compiled at code generation time, with the interpreter's
 * tokenizer, into a constant rt_jit_like_pat.
 *
 * Native: VARCHAR = <> < <= > >= (CHAR(n): trailing blanks ignored), ||, LIKE/ILIKE with
 * a constant pattern and escape, length/char_length/character_length, octet_length,
 * upper, lower, substring/substr, left, right, btrim/ltrim/rtrim, starts_with, contains,
 * strpos/position; abs of INTEGER/BIGINT/DOUBLE; round (one
 * argument), floor, ceil of DOUBLE.  CHAR(n) arguments lose their trailing blanks except
 * for LIKE, as in the interpreter.  COALESCE is expr.c's; date fields and every other
 * function are expr_func.c's (cg_func_supported).
 */
#include "cg_int.h"
#include "str_inline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static LLVMValueRef not1(cg_module *m, LLVMValueRef v) { return LLVMBuildNot(m->b, v, ""); }
static LLVMValueRef or1(cg_module *m, LLVMValueRef a, LLVMValueRef b) { return cg_or1(m, a, b); }
static LLVMValueRef and1(cg_module *m, LLVMValueRef a, LLVMValueRef b) { return cg_and1(m, a, b); }

/* ---- values ------------------------------------------------------------------------- */

/* Length of a VARCHAR value; see cg_int.h. */
LLVMValueRef cg_str_len(cg_fn *f, cg_val v) {
    cg_module *m = f->m;
    LLVMValueRef len = LLVMBuildTrunc(m->b, v.v, m->t_i32, "len");
    return LLVMBuildSelect(m->b, v.null, cg_i32(m, 0), len, "");
}

/* Bytes of a VARCHAR value; see cg_int.h.  A view of more than 12 bytes points into
 * vec->buffers[buffer_index] + offset, a shorter one holds its bytes at offset 4.  The
 * buffer slot read is always valid: NULL rows and inline strings read @qe_null_slot. */
LLVMValueRef cg_str_ptr(cg_fn *f, cg_val v) {
    cg_module *m = f->m;
    if (v.str != NULL)
        return v.str;
    LLVMValueRef four = cg_i64(m, 4);
    LLVMValueRef inline_p = LLVMBuildGEP2(m->b, m->t_i8, v.at, &four, 1, "");
    LLVMValueRef len = cg_str_len(f, v);
    LLVMValueRef is_long = LLVMBuildICmp(m->b, LLVMIntUGT, len, cg_i32(m, 12), "long");
    /* buffer index and offset: the view's last 8 bytes */
    LLVMValueRef hi = cg_str_view_hi(m, v);
    LLVMValueRef idx = LLVMBuildTrunc(m->b, hi, m->t_i32, "buffer_index");
    LLVMValueRef off =
        LLVMBuildTrunc(m->b, LLVMBuildLShr(m->b, hi, cg_i64(m, 32), ""), m->t_i32, "offset");
    LLVMValueRef buffers = cg_load_vector_field(m, v.vec, CG_VEC_BUFFERS);
    LLVMValueRef idx64 = LLVMBuildZExt(m->b, idx, m->t_i64, "");
    LLVMValueRef slot = LLVMBuildGEP2(m->b, m->t_ptr, buffers, &idx64, 1, "");
    slot = LLVMBuildSelect(m->b, is_long, slot, m->null_slot, "");
    LLVMValueRef base = LLVMBuildLoad2(m->b, m->t_ptr, slot, "buffer");
    LLVMValueRef off64 = LLVMBuildZExt(m->b, off, m->t_i64, "");
    LLVMValueRef long_p = LLVMBuildGEP2(m->b, m->t_i8, base, &off64, 1, "");
    return LLVMBuildSelect(m->b, is_long, long_p, inline_p, "bytes");
}

/* The view's bytes 8..15; see cg_int.h.  at always points to a view (a NULL-extended
 * build row's to @qe_null_view). */
LLVMValueRef cg_str_view_hi(cg_module *m, cg_val v) {
    if (v.str != NULL || v.at == NULL)
        return cg_i64(m, 0);
    LLVMValueRef eight = cg_i64(m, 8);
    LLVMValueRef p = LLVMBuildGEP2(m->b, m->t_i8, v.at, &eight, 1, "");
    LLVMValueRef hi = LLVMBuildLoad2(m->b, m->t_i64, p, "view_hi");
    LLVMSetAlignment(hi, 4);
    return hi;
}

/* A private constant global holding bytes[0..n) (plus a NUL). */
static LLVMValueRef const_bytes(cg_module *m, const char *bytes, uint32_t n, const char *name) {
    LLVMValueRef g = cg_const_global(m, LLVMConstStringInContext(m->ctx, bytes, n, false), name);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    return g;
}

/* The first 8 bytes of a string's view: its length, and for up to 12 bytes the first
 * 4 of them. */
/* The 16-byte view of string s (n bytes) as two words; see cg_int.h. */
void cg_str_view_words(const char *s, uint32_t n, char pad, uint64_t *lo, uint64_t *hi) {
    unsigned char b[12];
    memset(b, (unsigned char)pad, sizeof b);
    memcpy(b, s, n < 12 ? n : 12);
    uint32_t first4;
    memcpy(&first4, b, 4);
    *lo = (uint64_t)n | (uint64_t)first4 << 32;
    memcpy(hi, b + 4, 8);
}

static LLVMValueRef const_view(cg_module *m, const char *s, uint32_t n) {
    uint64_t lo, hi;
    cg_str_view_words(s, n, '\0', &lo, &hi);
    return LLVMConstInt(m->t_i64, n <= 12 ? lo : n, false); /* (a long one: the length) */
}

/* A VARCHAR constant; see cg_int.h. */
cg_val cg_str_const(cg_fn *f, const plan_expr *e) {
    cg_module *m = f->m;
    const rt_value *val = &e->u.value;
    cg_val out = {.null = cg_i1(m, val->is_null)};
    if (val->is_null || val->type != QE_TYPE_VARCHAR) {
        out.v = LLVMConstNull(m->t_i64);
        out.str = const_bytes(m, "", 0, "qe_str");
        return out;
    }
    out.v = const_view(m, val->u.s.ptr, val->u.s.len);
    out.str = const_bytes(m, val->u.s.ptr, val->u.s.len, "qe_str");
    return out;
}

/* A computed string of len bytes at p. */
static cg_val computed(cg_module *m, LLVMValueRef p, LLVMValueRef len, LLVMValueRef null) {
    return (cg_val){.v = LLVMBuildZExt(m->b, len, m->t_i64, ""), .null = null, .str = p};
}

/* ---- operators ---------------------------------------------------------------------- */

/* i1: rt_jit_char_eq_const of x (its view at x.at) and the n bytes s. */
static LLVMValueRef char_eq_call(cg_fn *f, cg_val x, const char *s, uint32_t n) {
    cg_module *m = f->m;
    LLVMValueRef args[5] = {x.vec ? x.vec : LLVMConstNull(m->t_ptr), x.at,
                            const_bytes(m, s, n, "qe_char"), cg_i32(m, n),
                            LLVMBuildZExt(m->b, x.null, m->t_i32, "")};
    LLVMValueRef r = cg_call_helper(m, CG_HELPER_CHAR_EQ_CONST, args, 5);
    return LLVMBuildICmp(m->b, LLVMIntNE, r, cg_i32(m, 0), "");
}

/* i1: column value x (its view at x.at) equals constant c of at most 12 bytes (CHAR:
 * without trailing blanks), decided on the view: equal views (the length, and the
 * zero-padded inline bytes).  CHAR (trailing blanks ignored): a value of c's length
 * equals it iff the views are equal, a shorter one never does, and a longer one (c
 * and blanks?) is decided by rt_jit_char_eq_const, precompiled, when its 4-byte prefix
 * is c's (c of 4 bytes or more: a blank-padded CHAR(15) value of TPC-H Q12's
 * o_orderpriority calls it one time in five instead of always).  A CHAR(x_len) of at
 * most 12 bytes is stored blank-padded to x_len: a value of that length is decided by
 * its view against c padded so (Q12's l_shipmode = 'MAIL' calls nothing); any other
 * length still takes the tests above (the masked compare of
 * the inline bytes and the branch to the long-value helper were ~30 lines of IR per
 * comparison, Q19's residual has 24).  At the cheap tier, when x is a CHAR(x_len)
 * longer than c (its values are stored blank-padded to x_len characters, so longer
 * than c: the helper decides every row anyway), only the call, without the view test
 * and its branch.  NULL when the shortcut does not apply. */
static LLVMValueRef view_eq_const(cg_fn *f, cg_val x, const rt_value *c, bool is_char,
                                  uint32_t x_len) {
    cg_module *m = f->m;
    uint32_t n = c->u.s.len;
    const char *s = c->u.s.ptr;
    while (is_char && n > 0 && s[n - 1] == ' ')
        n--;
    if (x.at == NULL || x.str != NULL || n > 12)
        return NULL;
    if (is_char && m->cheap && x_len > n)
        return char_eq_call(f, x, s, n);
    uint64_t w_lo, w8;
    cg_str_view_words(s, n, '\0', &w_lo, &w8);
    LLVMValueRef hi = cg_str_view_hi(m, x);
    LLVMValueRef lo_eq = LLVMBuildICmp(m->b, LLVMIntEQ, x.v, cg_i64(m, w_lo), "");
    LLVMValueRef eq = and1(m, lo_eq, LLVMBuildICmp(m->b, LLVMIntEQ, hi, cg_i64(m, w8), ""));
    if (!is_char)
        return eq;
    LLVMValueRef len = LLVMBuildTrunc(m->b, x.v, m->t_i32, "len");
    LLVMValueRef longer = LLVMBuildICmp(m->b, LLVMIntUGT, len, cg_i32(m, n), "");
    if (x_len > n && x_len <= 12) { /* c blank-padded to x_len: the views of its values */
        char padded[12];
        memset(padded, ' ', sizeof padded);
        memcpy(padded, s, n);
        uint64_t p_lo, p8;
        cg_str_view_words(padded, x_len, '\0', &p_lo, &p8);
        LLVMValueRef p_eq =
            and1(m, LLVMBuildICmp(m->b, LLVMIntEQ, x.v, cg_i64(m, (int64_t)p_lo), ""),
                 LLVMBuildICmp(m->b, LLVMIntEQ, hi, cg_i64(m, (int64_t)p8), ""));
        eq = LLVMBuildOr(m->b, eq, p_eq, "");
        longer = and1(m, longer, LLVMBuildICmp(m->b, LLVMIntNE, len, cg_i32(m, x_len), ""));
    }
    if (n >= 4) /* a longer value equal to c starts with c's first 4 bytes: its prefix */
        longer = and1(m, longer,
                      LLVMBuildICmp(m->b, LLVMIntEQ, LLVMBuildLShr(m->b, x.v, cg_i64(m, 32), ""),
                                    cg_i64(m, (int64_t)(w_lo >> 32)), "prefix_eq"));
    LLVMBasicBlockRef from = LLVMGetInsertBlock(m->b);
    LLVMBasicBlockRef call = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "char_long");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "char_eq");
    LLVMBuildCondBr(m->b, longer, call, done);
    LLVMPositionBuilderAtEnd(m->b, call);
    LLVMValueRef call_eq = char_eq_call(f, x, s, n);
    LLVMBuildBr(m->b, done);
    LLVMPositionBuilderAtEnd(m->b, done);
    return cg_phi2(m, m->t_i1, "char_eq", eq, from, call_eq, call);
}

/* i1: string x (any: computed or a view) equals the n bytes s (n <= 16), VARCHAR
 * semantics, optimized tier: the length, then the bytes as one n-byte integer (LLVM
 * splits it into loads of 8, 4, 2, 1 bytes) -- a memcmp call of the value's length
 * per comparison was most of TPC-H Q22's `substring(c_phone, 1, 2) IN (7 codes)`. */
static LLVMValueRef short_eq_const(cg_fn *f, cg_val x, const char *s, uint32_t n) {
    cg_module *m = f->m;
    LLVMValueRef len_eq = LLVMBuildICmp(m->b, LLVMIntEQ, cg_str_len(f, x), cg_i32(m, n), "");
    if (n == 0)
        return len_eq;
    uint64_t words[2] = {0, 0};
    memcpy(words, s, n);
    LLVMTypeRef t = LLVMIntTypeInContext(m->ctx, 8 * n);
    LLVMValueRef want = LLVMConstIntOfArbitraryPrecision(t, n > 8 ? 2 : 1, words);
    LLVMBasicBlockRef from = LLVMGetInsertBlock(m->b);
    LLVMBasicBlockRef bytes = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "str_bytes");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "str_eq");
    LLVMBuildCondBr(m->b, len_eq, bytes, done);
    LLVMPositionBuilderAtEnd(m->b, bytes);
    LLVMValueRef v = LLVMBuildLoad2(m->b, t, cg_str_ptr(f, x), "");
    LLVMSetAlignment(v, 1);
    LLVMValueRef eq = LLVMBuildICmp(m->b, LLVMIntEQ, v, want, "");
    LLVMBasicBlockRef bytes_end = LLVMGetInsertBlock(m->b);
    LLVMBuildBr(m->b, done);
    LLVMPositionBuilderAtEnd(m->b, done);
    return cg_phi2(m, m->t_i1, "str_eq", cg_i1(m, false), from, eq, bytes_end);
}

/* VARCHAR comparison; see cg_int.h. */
qe_status cg_str_compare(cg_fn *f, const plan_expr *e, cg_val a, cg_val b, cg_val *out) {
    cg_module *m = f->m;
    plan_op_kind op = e->u.op.op;
    bool is_char = PLAN_TYPMOD_IS_CHAR(e->u.op.args[0]->typmod) ||
                   PLAN_TYPMOD_IS_CHAR(e->u.op.args[1]->typmod);
    out->null = or1(m, a.null, b.null);
    for (int i = 0; (op == PLAN_OP_EQ || op == PLAN_OP_NE) && i < 2; i++) {
        const plan_expr *k = e->u.op.args[i];
        if (k->kind != PLAN_EXPR_CONST || k->u.value.is_null || k->u.value.type != QE_TYPE_VARCHAR)
            continue;
        int32_t x_tm = e->u.op.args[1 - i]->typmod;
        uint32_t x_len = PLAN_TYPMOD_IS_CHAR(x_tm) ? (uint32_t)PLAN_TYPMOD_LENGTH(x_tm) : 0;
        LLVMValueRef eq = view_eq_const(f, i ? a : b, &k->u.value, is_char, x_len);
        if (eq == NULL && !is_char && !m->cheap && k->u.value.u.s.len <= 16)
            eq = short_eq_const(f, i ? a : b, k->u.value.u.s.ptr, k->u.value.u.s.len);
        if (eq != NULL) {
            out->v = op == PLAN_OP_EQ ? eq : not1(m, eq);
            return QE_OK;
        }
    }
    LLVMValueRef args[4] = {cg_str_ptr(f, a), cg_str_len(f, a), cg_str_ptr(f, b), cg_str_len(f, b)};
    if (op == PLAN_OP_EQ || op == PLAN_OP_NE) {
        LLVMValueRef eq =
            cg_call_inline(m, is_char ? CG_INLINE_CHAR_EQ : CG_INLINE_STR_EQ, args, 4);
        out->v =
            LLVMBuildICmp(m->b, op == PLAN_OP_EQ ? LLVMIntNE : LLVMIntEQ, eq, cg_i32(m, 0), "");
        return QE_OK;
    }
    static const LLVMIntPredicate pred[] = {LLVMIntEQ,  LLVMIntNE,  LLVMIntSLT,
                                            LLVMIntSLE, LLVMIntSGT, LLVMIntSGE};
    LLVMValueRef c = cg_call_inline(m, is_char ? CG_INLINE_CHAR_CMP : CG_INLINE_STR_CMP, args, 4);
    out->v = LLVMBuildICmp(m->b, pred[op - PLAN_OP_EQ], c, cg_i32(m, 0), "");
    return QE_OK;
}

/* n bytes of the morsel arena (raising 53200 when out of memory). */
static LLVMValueRef str_alloc(cg_fn *f, LLVMValueRef n) {
    cg_module *m = f->m;
    LLVMValueRef args[2] = {f->ts, n};
    LLVMValueRef p = cg_call_helper(m, CG_HELPER_STR_ALLOC, args, 2);
    cg_raise_if(f, LLVMBuildIsNull(m->b, p, ""), RT_JIT_ERR_NOMEM, -1);
    return p;
}

/* a || b; see cg_int.h.  54000 past UINT32_MAX / 2 bytes, as the interpreter. */
qe_status cg_str_concat(cg_fn *f, const plan_expr *e, cg_val a, cg_val b, cg_val *out) {
    cg_module *m = f->m;
    LLVMValueRef null = or1(m, a.null, b.null);
    LLVMValueRef la = cg_str_len(f, a), lb = cg_str_len(f, b);
    LLVMValueRef total = LLVMBuildAdd(m->b, LLVMBuildZExt(m->b, la, m->t_i64, ""),
                                      LLVMBuildZExt(m->b, lb, m->t_i64, ""), "");
    LLVMValueRef big = LLVMBuildICmp(m->b, LLVMIntUGT, total, cg_i64(m, UINT32_MAX / 2), "");
    cg_raise_if(f, and1(m, big, not1(m, null)), RT_JIT_ERR_STRING_TOO_LONG, e->position);
    total = LLVMBuildSelect(m->b, null, cg_i64(m, 0), total, "");
    LLVMValueRef n = LLVMBuildTrunc(m->b, total, m->t_i32, "");
    LLVMValueRef p = str_alloc(f, n);
    LLVMBuildMemCpy(m->b, p, 1, cg_str_ptr(f, a), 1, LLVMBuildZExt(m->b, la, m->t_i64, ""));
    LLVMValueRef la64 = LLVMBuildZExt(m->b, la, m->t_i64, "");
    LLVMValueRef tail = LLVMBuildGEP2(m->b, m->t_i8, p, &la64, 1, "");
    LLVMBuildMemCpy(m->b, tail, 1, cg_str_ptr(f, b), 1, LLVMBuildZExt(m->b, lb, m->t_i64, ""));
    *out = computed(m, p, n, null);
    return QE_OK;
}

/* ---- functions ---------------------------------------------------------------------- */

/* The escape byte of LIKE's optional third argument (a non-NULL constant): -1 for '',
 * -2 for anything the interpreter rejects or does not support (then interpreted). */
static int like_escape(const plan_expr *e) {
    if (e->u.func.n_args < 3)
        return '\\';
    const rt_value *v = &e->u.func.args[2]->u.value;
    if (v->u.s.len == 0)
        return -1;
    return v->u.s.len == 1 && (unsigned char)v->u.s.ptr[0] < 0x80 ? (unsigned char)v->u.s.ptr[0]
                                                                  : -2;
}

static bool is_string_const(const plan_expr *a) {
    return a->kind == PLAN_EXPR_CONST && !a->u.value.is_null && a->u.value.type == QE_TYPE_VARCHAR;
}

/* The pattern of a LIKE node tokenized (toks: room for the pattern's length + 1); -1 if
 * the pattern is not supported (not a constant, a bad escape, ending with it). */
static int64_t like_tokens(const plan_expr *e, uint16_t *toks) {
    const plan_expr *pat = e->u.func.args[1];
    if (!is_string_const(pat) || (e->u.func.n_args > 2 && !is_string_const(e->u.func.args[2])))
        return -1;
    int esc = like_escape(e);
    if (esc == -2)
        return -1;
    return rt_like_tokenize(pat->u.value.u.s.ptr, pat->u.value.u.s.len, esc,
                            e->u.func.fn == PLAN_FUNC_ID_ILIKE, toks);
}

/* Argument i of e is CHAR(n) whose padding the function drops: every string function
 * but pattern matching, as the interpreter's func.c (char_args). */
static bool unpads(const plan_expr *e, uint32_t i) {
    const plan_expr *a = e->u.func.args[i];
    return a->type == QE_TYPE_VARCHAR && PLAN_TYPMOD_IS_CHAR(a->typmod) &&
           e->u.func.fn != PLAN_FUNC_ID_LIKE && e->u.func.fn != PLAN_FUNC_ID_ILIKE;
}

static bool is_int_or_double(qe_type t) {
    return t == QE_TYPE_INTEGER || t == QE_TYPE_BIGINT || t == QE_TYPE_DOUBLE;
}

/* Whether a FUNC node is compiled natively by cg_func's switch. */
static bool native_supported(const plan_expr *e) {
    uint32_t n = e->u.func.n_args;
    qe_type a0 = n > 0 ? e->u.func.args[0]->type : QE_TYPE_NULL;
    bool ok = false;
    switch (e->u.func.fn) {
    case PLAN_FUNC_ID_LIKE:
    case PLAN_FUNC_ID_ILIKE: {
        if (n < 2 || n > 3 || a0 != QE_TYPE_VARCHAR)
            break;
        const plan_expr *pat = e->u.func.args[1];
        uint16_t *toks = is_string_const(pat) ? malloc(2 * (pat->u.value.u.s.len + 1)) : NULL;
        ok = toks != NULL && like_tokens(e, toks) >= 0;
        free(toks);
        break;
    }
    case PLAN_FUNC_ID_LENGTH:
    case PLAN_FUNC_ID_CHAR_LENGTH:
    case PLAN_FUNC_ID_CHARACTER_LENGTH:
    case PLAN_FUNC_ID_OCTET_LENGTH:
        ok = n == 1 && a0 == QE_TYPE_VARCHAR && e->type == QE_TYPE_INTEGER;
        break;
    case PLAN_FUNC_ID_UPPER:
    case PLAN_FUNC_ID_LOWER: ok = n == 1 && a0 == QE_TYPE_VARCHAR; break;
    case PLAN_FUNC_ID_STARTS_WITH:
        ok = n == 2 && a0 == QE_TYPE_VARCHAR && e->u.func.args[1]->type == QE_TYPE_VARCHAR;
        break;
    case PLAN_FUNC_ID_SUBSTR:
    case PLAN_FUNC_ID_SUBSTRING:
        ok = (n == 2 || n == 3) && a0 == QE_TYPE_VARCHAR && e->type == QE_TYPE_VARCHAR;
        for (uint32_t i = 1; ok && i < n; i++)
            ok = e->u.func.args[i]->type == QE_TYPE_INTEGER ||
                 e->u.func.args[i]->type == QE_TYPE_BIGINT;
        break;
    case PLAN_FUNC_ID_BTRIM:
    case PLAN_FUNC_ID_LTRIM:
    case PLAN_FUNC_ID_RTRIM:
        ok = (n == 1 || n == 2) && a0 == QE_TYPE_VARCHAR && e->type == QE_TYPE_VARCHAR &&
             (n == 1 || e->u.func.args[1]->type == QE_TYPE_VARCHAR);
        break;
    case PLAN_FUNC_ID_CONTAINS:
    case PLAN_FUNC_ID_STRPOS:
    case PLAN_FUNC_ID_POSITION:
        ok = n == 2 && a0 == QE_TYPE_VARCHAR && e->u.func.args[1]->type == QE_TYPE_VARCHAR &&
             e->type == (e->u.func.fn == PLAN_FUNC_ID_CONTAINS ? QE_TYPE_BOOLEAN : QE_TYPE_INTEGER);
        break;
    case PLAN_FUNC_ID_LEFT:
    case PLAN_FUNC_ID_RIGHT:
        ok = n == 2 && a0 == QE_TYPE_VARCHAR && e->type == QE_TYPE_VARCHAR &&
             (e->u.func.args[1]->type == QE_TYPE_INTEGER ||
              e->u.func.args[1]->type == QE_TYPE_BIGINT);
        break;
    case PLAN_FUNC_ID_ABS: ok = n == 1 && is_int_or_double(a0) && e->type == a0; break;
    case PLAN_FUNC_ID_ROUND:
    case PLAN_FUNC_ID_FLOOR:
    case PLAN_FUNC_ID_CEIL:
    case PLAN_FUNC_ID_CEILING:
        ok = n == 1 && a0 == QE_TYPE_DOUBLE && e->type == QE_TYPE_DOUBLE;
        break;
    default: break;
    }
    if (ok && e->type == QE_TYPE_VARCHAR && PLAN_TYPMOD_IS_CHAR(e->typmod))
        ok = false; /* a CHAR(n) result */
    return ok;
}

/* COALESCE: arguments of the result's type (expr.c's cg_coalesce). */
static bool coalesce_supported(const plan_expr *e) {
    if (e->u.func.fn != PLAN_FUNC_ID_COALESCE || e->u.func.n_args == 0)
        return false;
    for (uint32_t i = 0; i < e->u.func.n_args; i++)
        if (e->u.func.args[i]->type != e->type)
            return false;
    return true;
}

/* Whether a FUNC node is compiled; see cg_int.h. */
bool cg_func_supported(const plan_expr *e, char *reason, size_t cap) {
    return native_supported(e) || coalesce_supported(e) || cg_func_date_supported(e) ||
           cg_func_generic_supported(e, reason, cap);
}

/* A constant rt_jit_like_pat for LIKE node e (supported per cg_func_supported). */
static LLVMValueRef like_pattern(cg_module *m, const plan_expr *e, rt_error *err) {
    uint32_t np = e->u.func.args[1]->u.value.u.s.len;
    uint16_t *toks = malloc(2 * (np + 1));
    char *lits = malloc(np + 1);
    uint32_t *seg_len = malloc(4 * (np + 2));
    LLVMValueRef *tv = malloc(sizeof *tv * (np + 1)), *sv = malloc(sizeof *sv * (np + 2));
    LLVMValueRef g = NULL;
    int64_t nt = toks && lits && seg_len && tv && sv ? like_tokens(e, toks) : -1;
    if (nt < 0) {
        rt_error_set(err, QE_INTERNAL, "XX000", e->position, "codegen: LIKE pattern not compiled");
        goto done;
    }
    uint32_t n_segs = 0, n_lits = 0;
    bool simple = rt_like_split(toks, (uint32_t)nt, e->u.func.fn == PLAN_FUNC_ID_ILIKE, lits,
                                seg_len, &n_segs);
    for (uint32_t k = 0; simple && k < n_segs; k++)
        n_lits += seg_len[k];
    for (int64_t i = 0; i < nt; i++)
        tv[i] = LLVMConstInt(LLVMInt16TypeInContext(m->ctx), toks[i], false);
    for (uint32_t k = 0; k < n_segs; k++)
        sv[k] = cg_i32(m, seg_len[k]);
    LLVMValueRef ta = LLVMConstArray(LLVMInt16TypeInContext(m->ctx), tv, (unsigned)nt);
    LLVMValueRef sa = LLVMConstArray(m->t_i32, sv, n_segs);
    LLVMValueRef globals[2];
    LLVMValueRef inits[2] = {ta, sa};
    for (int i = 0; i < 2; i++)
        globals[i] = cg_const_global(m, inits[i], "qe_like");
    LLVMValueRef fields[7] = {globals[0],
                              const_bytes(m, lits, n_lits, "qe_like_lits"),
                              globals[1],
                              cg_i32(m, nt),
                              cg_i32(m, n_segs),
                              cg_i32(m, simple),
                              cg_i32(m, e->u.func.fn == PLAN_FUNC_ID_ILIKE)};
    g = cg_const_global(m, LLVMConstStructInContext(m->ctx, fields, 7, false), "qe_like_pat");
done:
    free(tv);
    free(sv);
    free(toks);
    free(lits);
    free(seg_len);
    return g;
}

static LLVMValueRef intrinsic1(cg_module *m, const char *name, LLVMValueRef x) {
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMTypeRef t = LLVMTypeOf(x);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(m->mod, id, &t, 1);
    return LLVMBuildCall2(m->b, LLVMIntrinsicGetType(m->ctx, id, &t, 1), fn, &x, 1, "");
}

static LLVMValueRef to_i64(cg_module *m, cg_val v, qe_type t) {
    return t == QE_TYPE_BIGINT ? v.v : LLVMBuildSExt(m->b, v.v, m->t_i64, "");
}

static void gen_substring(cg_fn *f, const plan_expr *e, const cg_val *a, LLVMValueRef null,
                          cg_val *out) {
    cg_module *m = f->m;
    LLVMValueRef from = to_i64(m, a[1], e->u.func.args[1]->type);
    LLVMValueRef count = cg_i64(m, -1);
    if (e->u.func.n_args > 2) {
        count = to_i64(m, a[2], e->u.func.args[2]->type);
        LLVMValueRef neg = LLVMBuildICmp(m->b, LLVMIntSLT, count, cg_i64(m, 0), "");
        cg_raise_if(f, and1(m, neg, not1(m, null)), RT_JIT_ERR_NEGATIVE_SUBSTR, e->position);
        count = LLVMBuildSelect(m->b, neg, cg_i64(m, 0), count, "");
    }
    LLVMValueRef start = cg_alloca(f, m->t_i32, "substr_start");
    LLVMValueRef p = cg_str_ptr(f, a[0]);
    LLVMValueRef args[5] = {p, cg_str_len(f, a[0]), from, count, start};
    LLVMValueRef len = cg_call_inline(m, CG_INLINE_SUBSTRING, args, 5);
    LLVMValueRef off = LLVMBuildZExt(m->b, LLVMBuildLoad2(m->b, m->t_i32, start, ""), m->t_i64, "");
    *out = computed(m, LLVMBuildGEP2(m->b, m->t_i8, p, &off, 1, ""), len, null);
}

/* btrim/ltrim/rtrim(s [, characters]): a slice of s. */
static void gen_trim(cg_fn *f, const plan_expr *e, const cg_val *a, LLVMValueRef null,
                     cg_val *out) {
    cg_module *m = f->m;
    int which = e->u.func.fn == PLAN_FUNC_ID_BTRIM ? 3 : e->u.func.fn == PLAN_FUNC_ID_LTRIM ? 1 : 2;
    LLVMValueRef set, n_set;
    if (e->u.func.n_args > 1) {
        set = cg_str_ptr(f, a[1]);
        n_set = cg_str_len(f, a[1]);
    } else {
        set = const_bytes(m, " ", 1, "qe_blank");
        n_set = cg_i32(m, 1);
    }
    LLVMValueRef start = cg_alloca(f, m->t_i32, "trim_start");
    LLVMValueRef p = cg_str_ptr(f, a[0]);
    LLVMValueRef args[6] = {p, cg_str_len(f, a[0]), set, n_set, cg_i32(m, which), start};
    LLVMValueRef len = cg_call_inline(m, CG_INLINE_TRIM, args, 6);
    LLVMValueRef off = LLVMBuildZExt(m->b, LLVMBuildLoad2(m->b, m->t_i32, start, ""), m->t_i64, "");
    *out = computed(m, LLVMBuildGEP2(m->b, m->t_i8, p, &off, 1, ""), len, null);
}

static void gen_case(cg_fn *f, const plan_expr *e, cg_val a, cg_val *out) {
    cg_module *m = f->m;
    LLVMValueRef len = cg_str_len(f, a);
    LLVMValueRef p = str_alloc(f, len);
    char mode = e->u.func.fn == PLAN_FUNC_ID_UPPER ? 'u' : 'l';
    LLVMValueRef args[4] = {p, cg_str_ptr(f, a), len, cg_i32(m, mode)};
    cg_call_inline(m, CG_INLINE_CHANGE_CASE, args, 4);
    *out = computed(m, p, len, a.null);
}

static void gen_abs(cg_fn *f, const plan_expr *e, cg_val a, cg_val *out) {
    cg_module *m = f->m;
    out->null = a.null;
    if (e->type == QE_TYPE_DOUBLE) {
        out->v = intrinsic1(m, "llvm.fabs", a.v);
        return;
    }
    LLVMTypeRef t = LLVMTypeOf(a.v);
    int64_t min = e->type == QE_TYPE_INTEGER ? INT32_MIN : INT64_MIN;
    LLVMValueRef is_min =
        LLVMBuildICmp(m->b, LLVMIntEQ, a.v, LLVMConstInt(t, (uint64_t)min, true), "");
    cg_raise_if(f, and1(m, is_min, not1(m, a.null)), cg_overflow_code(e->type), e->position);
    LLVMValueRef neg = LLVMBuildICmp(m->b, LLVMIntSLT, a.v, LLVMConstNull(t), "");
    out->v = LLVMBuildSelect(m->b, neg, LLVMBuildNeg(m->b, a.v, ""), a.v, "");
}

/* A FUNC node; see cg_int.h. */
qe_status cg_func(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                  rt_error *err) {
    cg_module *m = f->m;
    if (coalesce_supported(e))
        return cg_coalesce(f, e, in, n_in, out, err);
    if (!native_supported(e))
        return cg_func_date_supported(e) ? cg_func_date(f, e, in, n_in, out, err)
                                         : cg_func_generic(f, e, in, n_in, out, err);
    uint32_t n = e->u.func.n_args;
    cg_val a[3];
    bool is_like = e->u.func.fn == PLAN_FUNC_ID_LIKE || e->u.func.fn == PLAN_FUNC_ID_ILIKE;
    if (n > 3)
        return rt_error_set(err, QE_INTERNAL, "XX000", e->position, "codegen: too many arguments");
    for (uint32_t i = 0; i < (is_like ? 1 : n); i++) {
        qe_status st = cg_expr(f, e->u.func.args[i], in, n_in, &a[i], err);
        if (st != QE_OK)
            return st;
    }
    for (uint32_t i = 0; i < (is_like ? 1 : n); i++) {
        if (!unpads(e, i))
            continue;
        LLVMValueRef p = cg_str_ptr(f, a[i]);
        LLVMValueRef args[2] = {p, cg_str_len(f, a[i])};
        a[i] = computed(m, p, cg_call_inline(m, CG_INLINE_UNPAD_LEN, args, 2), a[i].null);
    }
    LLVMValueRef null = a[0].null;
    for (uint32_t i = 1; i < (is_like ? 1 : n); i++)
        null = or1(m, null, a[i].null);
    *out = (cg_val){.null = null};
    switch (e->u.func.fn) {
    case PLAN_FUNC_ID_LIKE:
    case PLAN_FUNC_ID_ILIKE: {
        LLVMValueRef pat = like_pattern(m, e, err);
        if (pat == NULL)
            return err->status;
        LLVMValueRef args[3] = {pat, cg_str_ptr(f, a[0]), cg_str_len(f, a[0])};
        LLVMValueRef r = cg_call_inline(m, CG_INLINE_LIKE, args, 3);
        out->v = LLVMBuildICmp(m->b, LLVMIntNE, r, cg_i32(m, 0), "like");
        return QE_OK;
    }
    case PLAN_FUNC_ID_LENGTH:
    case PLAN_FUNC_ID_CHAR_LENGTH:
    case PLAN_FUNC_ID_CHARACTER_LENGTH: {
        LLVMValueRef args[2] = {cg_str_ptr(f, a[0]), cg_str_len(f, a[0])};
        out->v = cg_call_inline(m, CG_INLINE_CHAR_COUNT, args, 2);
        return QE_OK;
    }
    case PLAN_FUNC_ID_OCTET_LENGTH: out->v = cg_str_len(f, a[0]); return QE_OK;
    case PLAN_FUNC_ID_UPPER:
    case PLAN_FUNC_ID_LOWER: gen_case(f, e, a[0], out); return QE_OK;
    case PLAN_FUNC_ID_STARTS_WITH: {
        /* starts_with(s, p): |p| <= |s| and s[0..|p|) = p */
        LLVMValueRef ls = cg_str_len(f, a[0]), lp = cg_str_len(f, a[1]);
        LLVMValueRef fits = LLVMBuildICmp(m->b, LLVMIntULE, lp, ls, "");
        LLVMValueRef args[4] = {cg_str_ptr(f, a[0]), LLVMBuildSelect(m->b, fits, lp, ls, ""),
                                cg_str_ptr(f, a[1]), lp};
        LLVMValueRef eq = cg_call_inline(m, CG_INLINE_STR_EQ, args, 4);
        out->v = LLVMBuildICmp(m->b, LLVMIntNE, eq, cg_i32(m, 0), "");
        return QE_OK;
    }
    case PLAN_FUNC_ID_SUBSTR:
    case PLAN_FUNC_ID_SUBSTRING: gen_substring(f, e, a, null, out); return QE_OK;
    case PLAN_FUNC_ID_BTRIM:
    case PLAN_FUNC_ID_LTRIM:
    case PLAN_FUNC_ID_RTRIM: gen_trim(f, e, a, null, out); return QE_OK;
    case PLAN_FUNC_ID_CONTAINS: {
        LLVMValueRef args[4] = {cg_str_ptr(f, a[0]), cg_str_len(f, a[0]), cg_str_ptr(f, a[1]),
                                cg_str_len(f, a[1])};
        LLVMValueRef at = cg_call_inline(m, CG_INLINE_FIND, args, 4);
        out->v = LLVMBuildICmp(m->b, LLVMIntSGE, at, cg_i64(m, 0), "");
        return QE_OK;
    }
    case PLAN_FUNC_ID_STRPOS:
    case PLAN_FUNC_ID_POSITION: {
        /* position(needle IN hay) binds as position(needle, hay) */
        int h = e->u.func.fn == PLAN_FUNC_ID_POSITION ? 1 : 0;
        LLVMValueRef args[4] = {cg_str_ptr(f, a[h]), cg_str_len(f, a[h]), cg_str_ptr(f, a[1 - h]),
                                cg_str_len(f, a[1 - h])};
        out->v = cg_call_inline(m, CG_INLINE_POSITION, args, 4);
        return QE_OK;
    }
    case PLAN_FUNC_ID_LEFT:
    case PLAN_FUNC_ID_RIGHT: {
        LLVMValueRef start = cg_alloca(f, m->t_i32, "slice_start");
        LLVMValueRef p = cg_str_ptr(f, a[0]);
        LLVMValueRef args[5] = {p, cg_str_len(f, a[0]), to_i64(m, a[1], e->u.func.args[1]->type),
                                cg_i32(m, e->u.func.fn == PLAN_FUNC_ID_RIGHT), start};
        LLVMValueRef len = cg_call_inline(m, CG_INLINE_LEFT_RIGHT, args, 5);
        LLVMValueRef off =
            LLVMBuildZExt(m->b, LLVMBuildLoad2(m->b, m->t_i32, start, ""), m->t_i64, "");
        *out = computed(m, LLVMBuildGEP2(m->b, m->t_i8, p, &off, 1, ""), len, null);
        return QE_OK;
    }
    case PLAN_FUNC_ID_ABS: gen_abs(f, e, a[0], out); return QE_OK;
    case PLAN_FUNC_ID_ROUND: out->v = intrinsic1(m, "llvm.rint", a[0].v); return QE_OK;
    case PLAN_FUNC_ID_FLOOR: out->v = intrinsic1(m, "llvm.floor", a[0].v); return QE_OK;
    case PLAN_FUNC_ID_CEIL:
    case PLAN_FUNC_ID_CEILING: out->v = intrinsic1(m, "llvm.ceil", a[0].v); return QE_OK;
    default: break;
    }
    return rt_error_set(err, QE_INTERNAL, "XX000", e->position, "codegen: unexpected function %s",
                        plan_func_name(e->u.func.fn));
}

/* ---- IN lists ----------------------------------------------------------------------- */

#define IN_MAX 64 /* OR trees with more leaves keep the general path */

/* Collects the leaves of an OR tree; false if there are more than IN_MAX. */
static bool or_leaves(const plan_expr *e, const plan_expr **leaves, uint32_t *n) {
    if (e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_OR)
        return or_leaves(e->u.op.args[0], leaves, n) && or_leaves(e->u.op.args[1], leaves, n);
    if (*n == IN_MAX)
        return false;
    leaves[(*n)++] = e;
    return true;
}

/* Leaf `x = c` (or `c = x`) with a non-NULL constant c: sets *x and *c. */
static bool eq_const(const plan_expr *l, const plan_expr **x, const plan_expr **c) {
    if (l->kind != PLAN_EXPR_OP || l->u.op.op != PLAN_OP_EQ)
        return false;
    const plan_expr *a = l->u.op.args[0], *b = l->u.op.args[1];
    if (b->kind != PLAN_EXPR_CONST)
        a = l->u.op.args[1], b = l->u.op.args[0];
    if (b->kind != PLAN_EXPR_CONST || b->u.value.is_null || a->kind == PLAN_EXPR_CONST)
        return false;
    *x = a;
    *c = b;
    return true;
}

/* An IN list; see cg_int.h. */
qe_status cg_in_list(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                     bool *handled, rt_error *err) {
    cg_module *m = f->m;
    const plan_expr *leaves[IN_MAX], *x = NULL, *c;
    uint32_t n = 0;
    *handled = false;
    if (!or_leaves(e, leaves, &n) || n < 3)
        return QE_OK;
    for (uint32_t j = 0; j < n; j++) {
        const plan_expr *xj;
        if (!eq_const(leaves[j], &xj, &c) || (x != NULL && !rt_expr_same(x, xj)))
            return QE_OK;
        x = xj;
    }
    cg_val xv;
    qe_status st = cg_expr(f, x, in, n_in, &xv, err);
    if (st != QE_OK)
        return st;
    LLVMValueRef any = cg_i1(m, false);
    for (uint32_t j = 0; j < n; j++) {
        const plan_expr *xj;
        eq_const(leaves[j], &xj, &c);
        cg_val cv, r;
        if ((st = cg_expr(f, c, in, n_in, &cv, err)) != QE_OK)
            return st;
        if (x->type == QE_TYPE_VARCHAR) {
            const plan_expr *l = leaves[j];
            if ((st = cg_str_compare(f, l, l->u.op.args[0] == c ? cv : xv,
                                     l->u.op.args[0] == c ? xv : cv, &r)) != QE_OK)
                return st;
        } else if (x->type == QE_TYPE_DOUBLE || x->type == QE_TYPE_REAL) {
            r.v = LLVMBuildFCmp(m->b, LLVMRealOEQ, xv.v, cv.v, "");
        } else if (x->type == QE_TYPE_INTERVAL) { /* '1 mon' = '30 days' */
            r.v = cg_interval_compare(m, leaves[j], xv.v, cv.v);
        } else {
            r.v = LLVMBuildICmp(m->b, LLVMIntEQ, xv.v, cv.v, "");
        }
        any = or1(m, any, r.v);
    }
    *out = (cg_val){.v = any, .null = xv.null};
    *handled = true;
    return QE_OK;
}
