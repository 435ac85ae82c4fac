/*
 * pipeline.c -- the function of one pipeline: a data-centric row loop over a morsel.
 *
 *   qe_status fn(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *morsel)
 *   entry:  load the morsel's column pointers (loop-invariant), begin the sink
 *   loop:   for i in 0 .. (sel ? n_sel : n_rows)   (or, with leading FILTERs at the
 *           optimized tier, per block: block.c's predicate loops, then this loop over
 *           the block's selection):
 *             row = sel ? sel[i] : i
 *             ops[1..n_ops-2]: FILTER jumps to the next row unless its predicate is
 *             TRUE; PROJECT computes the next row's values (registers, no memory)
 *             sink consumes the row (sink.c)
 *   exit:   finish the sink, return QE_OK
 * Column values are loaded when an expression first uses them, so a filter that
 * rejects a row saves the loads of the columns only later operators need.  Loop
 * state lives in entry-block allocas that mem2reg turns into phis.
 */
#include "cg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The i1 constant v is: 0, 1, or -1 when v is not a constant. */
static int const_i1(LLVMValueRef v) {
    return LLVMIsAConstantInt(v) && LLVMGetIntTypeWidth(LLVMTypeOf(v)) == 1
               ? (int)LLVMConstIntGetZExtValue(v)
               : -1;
}

/* a OR b of i1, folded when one is constant; see cg_int.h. */
LLVMValueRef cg_or1(cg_module *m, LLVMValueRef a, LLVMValueRef b) {
    int ca = const_i1(a), cb = const_i1(b);
    if (ca == 1 || cb == 0)
        return a;
    if (cb == 1 || ca == 0)
        return b;
    return LLVMBuildOr(m->b, a, b, "");
}

/* a AND b of i1, folded when one is constant; see cg_int.h. */
LLVMValueRef cg_and1(cg_module *m, LLVMValueRef a, LLVMValueRef b) {
    int ca = const_i1(a), cb = const_i1(b);
    if (ca == 0 || cb == 1)
        return a;
    if (cb == 0 || ca == 1)
        return b;
    return LLVMBuildAnd(m->b, a, b, "");
}

/* Emits a status check; see cg_int.h. */
void cg_return_if_error(cg_fn *f, LLVMValueRef status) {
    cg_module *m = f->m;
    if (f->err_var) { /* a block loop: the exact loop calls the helper again (block.c) */
        LLVMValueRef was = LLVMBuildLoad2(m->b, m->t_i1, f->err_var, "");
        LLVMValueRef bad = LLVMBuildICmp(m->b, LLVMIntNE, status, cg_i32(m, 0), "");
        LLVMBuildStore(m->b, LLVMBuildOr(m->b, was, bad, ""), f->err_var);
        return;
    }
    LLVMBasicBlockRef at = LLVMGetInsertBlock(m->b);
    if (f->fail == NULL || LLVMGetBasicBlockParent(f->fail) != f->fn) {
        f->fail = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "fail");
        LLVMPositionBuilderAtEnd(m->b, f->fail);
        f->fail_status = LLVMBuildPhi(m->b, m->t_i32, "status");
        LLVMBuildRet(m->b, f->fail_status);
        LLVMPositionBuilderAtEnd(m->b, at);
    }
    LLVMBasicBlockRef ok = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "ok");
    LLVMValueRef bad = LLVMBuildICmp(m->b, LLVMIntNE, status, cg_i32(m, 0), "");
    LLVMBuildCondBr(m->b, bad, f->fail, ok);
    LLVMAddIncoming(f->fail_status, &status, &at, 1);
    LLVMPositionBuilderAtEnd(m->b, ok);
}

/* Branches to the raise block (code and position: i32 values) if cond. */
static void raise_branch(cg_fn *f, LLVMValueRef cond, LLVMValueRef c, LLVMValueRef p) {
    cg_module *m = f->m;
    LLVMBasicBlockRef at = LLVMGetInsertBlock(m->b);
    if (f->raise == NULL || LLVMGetBasicBlockParent(f->raise) != f->fn) {
        f->raise = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "raise");
        LLVMPositionBuilderAtEnd(m->b, f->raise);
        f->raise_code = LLVMBuildPhi(m->b, m->t_i32, "code");
        f->raise_pos = LLVMBuildPhi(m->b, m->t_i32, "position");
        LLVMValueRef args[3] = {f->ts, f->raise_code, f->raise_pos};
        LLVMBuildRet(m->b, cg_call_helper(m, CG_HELPER_ERROR_AT, args, 3));
        LLVMPositionBuilderAtEnd(m->b, at);
    }
    LLVMBasicBlockRef ok = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "cont");
    LLVMBuildCondBr(m->b, cond, f->raise, ok);
    LLVMAddIncoming(f->raise_code, &c, &at, 1);
    LLVMAddIncoming(f->raise_pos, &p, &at, 1);
    LLVMPositionBuilderAtEnd(m->b, ok);
}

/* Emits a conditional runtime error; see cg_int.h. */
void cg_raise_if(cg_fn *f, LLVMValueRef cond, int32_t code, int32_t position) {
    cg_module *m = f->m;
    if (LLVMIsConstant(cond) && LLVMConstIntGetZExtValue(cond) == 0)
        return;
    if (f->err_var) { /* a block loop: remember; the exact loop raises it (block.c) */
        LLVMValueRef was = LLVMBuildLoad2(m->b, m->t_i1, f->err_var, "");
        LLVMBuildStore(m->b, LLVMBuildOr(m->b, was, cond, ""), f->err_var);
        return;
    }
    LLVMValueRef c = cg_i32(m, code), p = cg_i32(m, position);
    if (!f->defer) {
        raise_branch(f, cond, c, p);
    } else if (f->pend_cond == NULL) {
        f->pend_cond = cond;
        f->pend_code = c;
        f->pend_pos = p;
    } else { /* an earlier failed check keeps its code and position */
        if (f->pend_code != c)
            f->pend_code = LLVMBuildSelect(m->b, f->pend_cond, f->pend_code, c, "");
        if (f->pend_pos != p)
            f->pend_pos = LLVMBuildSelect(m->b, f->pend_cond, f->pend_pos, p, "");
        f->pend_cond = LLVMBuildOr(m->b, f->pend_cond, cond, "");
    }
}

/* Emits the gathered raise checks' branch; see cg_int.h. */
void cg_raise_flush(cg_fn *f) {
    if (f->pend_cond != NULL)
        raise_branch(f, f->pend_cond, f->pend_code, f->pend_pos);
    f->pend_cond = f->pend_code = f->pend_pos = NULL;
}

/* The overflow error code of a result type; see cg_int.h. */
int32_t cg_overflow_code(qe_type type) {
    return type == QE_TYPE_BIGINT    ? RT_JIT_ERR_OVERFLOW_BIGINT
           : type == QE_TYPE_INTEGER ? RT_JIT_ERR_OVERFLOW
                                     : RT_JIT_ERR_RANGE(type);
}

/* Creates an alloca at the start of the entry block; see cg_int.h. */
LLVMValueRef cg_alloca(cg_fn *f, LLVMTypeRef t, const char *name) {
    LLVMBuilderRef b = LLVMCreateBuilderInContext(f->m->ctx);
    LLVMValueRef first = LLVMGetFirstInstruction(f->entry);
    if (first)
        LLVMPositionBuilderBefore(b, first);
    else
        LLVMPositionBuilderAtEnd(b, f->entry);
    LLVMValueRef a = LLVMBuildAlloca(b, t, name);
    LLVMDisposeBuilder(b);
    return a;
}

/* Loads a value from a values buffer; see cg_int.h. */
LLVMValueRef cg_load_value(cg_module *m, qe_type type, LLVMValueRef values, LLVMValueRef row) {
    LLVMTypeRef t = cg_mem_type(m, type);
    LLVMValueRef p = LLVMBuildGEP2(m->b, t, values, &row, 1, "");
    LLVMValueRef v = LLVMBuildLoad2(m->b, type == QE_TYPE_VARCHAR ? m->t_i64 : t, p, "");
    LLVMSetAlignment(v, cg_mem_align(type));
    if (type == QE_TYPE_BOOLEAN)
        v = LLVMBuildICmp(m->b, LLVMIntNE, v, LLVMConstInt(m->t_i8, 0, false), "");
    return v;
}

/* Builds row >> 3, 1 << (row & 7) and its complement with builder b. */
static void build_row_bits(cg_module *m, LLVMBuilderRef b, LLVMValueRef row, uint32_t k) {
    m->bit_row[k] = row;
    m->bit_idx[k] = LLVMBuildLShr(b, row, cg_i64(m, 3), "");
    LLVMValueRef bit = LLVMBuildTrunc(b, LLVMBuildAnd(b, row, cg_i64(m, 7), ""), m->t_i8, "");
    m->bit_mask[k] = LLVMBuildShl(b, LLVMConstInt(m->t_i8, 1, false), bit, "");
    m->bit_not[k] = LLVMBuildNot(b, m->bit_mask[k], "");
}

/* The bitmap position of `row` (its byte index, bit mask and the mask's complement),
 * built once and reused by later bitmap accesses of the row (mem2reg,dce is all the
 * cheap tier runs: nothing else would share it; dce drops the complement when unused).
 * at_def: right after the row's definition (after its block's phis), so it dominates
 * every use of the row; else at the builder's position, reused only in its block (a
 * join's build row: its definition is in the chain walk, its bitmaps read per match). */
static uint32_t row_bits(cg_module *m, LLVMValueRef row, bool at_def) {
    LLVMBasicBlockRef here = at_def ? NULL : LLVMGetInsertBlock(m->b);
    for (uint32_t k = 0; k < CG_ROW_BITS; k++)
        if (m->bit_row[k] == row && m->bit_block[k] == here)
            return k;
    uint32_t k = m->bit_next;
    m->bit_next = (k + 1) % CG_ROW_BITS;
    m->bit_block[k] = here;
    if (!at_def || !LLVMIsAInstruction(row)) { /* here (an argument or a constant: once) */
        build_row_bits(m, m->b, row, k);
        if (at_def)
            m->bit_row[k] = NULL;
        return k;
    }
    LLVMValueRef at = LLVMGetNextInstruction(row);
    while (at != NULL && LLVMGetInstructionOpcode(at) == LLVMPHI)
        at = LLVMGetNextInstruction(at);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(m->ctx);
    if (at != NULL)
        LLVMPositionBuilderBefore(b, at);
    else
        LLVMPositionBuilderAtEnd(b, LLVMGetInstructionParent(row));
    build_row_bits(m, b, row, k);
    LLVMDisposeBuilder(b);
    return k;
}

/* The bitmap position of a row; see cg_int.h. */
LLVMValueRef cg_row_bit(cg_module *m, LLVMValueRef row, LLVMValueRef *idx) {
    uint32_t k = row_bits(m, row, false);
    *idx = m->bit_idx[k];
    return m->bit_mask[k];
}

/* The byte of a bitmap holding `row` (byte index idx) and the row's bit mask in it. */
static LLVMValueRef bitmap_byte(cg_module *m, LLVMValueRef validity, LLVMValueRef idx,
                                LLVMValueRef row, LLVMValueRef *mask) {
    *mask = m->bit_mask[row_bits(m, row, true)];
    return LLVMBuildGEP2(m->b, m->t_i8, validity, &idx, 1, "");
}

/* Null flag of row in a bitmap that is always present; see cg_int.h. */
LLVMValueRef cg_load_null(cg_module *m, LLVMValueRef validity, LLVMValueRef row) {
    LLVMValueRef mask;
    LLVMValueRef idx = m->bit_idx[row_bits(m, row, true)];
    LLVMValueRef p = bitmap_byte(m, validity, idx, row, &mask);
    LLVMValueRef byte = LLVMBuildLoad2(m->b, m->t_i8, p, "");
    LLVMValueRef set = LLVMBuildAnd(m->b, byte, mask, "");
    return LLVMBuildICmp(m->b, LLVMIntEQ, set, LLVMConstInt(m->t_i8, 0, false), "isnull");
}

/* The address of 16-byte value `row` of a values buffer (one GEP: the i128 element type
 * only scales the index; no i128 value is loaded through it). */
static LLVMValueRef wide_at(cg_module *m, LLVMValueRef values, LLVMValueRef row) {
    return LLVMBuildGEP2(m->b, m->t_i128, values, &row, 1, "");
}

/* Stores a value (zero when NULL); see cg_int.h. */
void cg_store_value(cg_module *m, qe_type type, LLVMValueRef values, LLVMValueRef row, cg_val v) {
    LLVMTypeRef t = cg_mem_type(m, type);
    if (v.v64 != NULL && t == m->t_i128) { /* a 64-bit DECIMAL: its two words */
        LLVMValueRef x = LLVMBuildSelect(m->b, v.null, cg_i64(m, 0), v.v64, "");
        LLVMValueRef p = wide_at(m, values, row);
        LLVMSetAlignment(LLVMBuildStore(m->b, x, p), 8);
        LLVMValueRef one = cg_i64(m, 1);
        p = LLVMBuildGEP2(m->b, m->t_i64, p, &one, 1, "");
        LLVMSetAlignment(LLVMBuildStore(m->b, LLVMBuildAShr(m->b, x, cg_i64(m, 63), ""), p), 8);
        return;
    }
    if (v.lo64 != NULL && t == m->t_i128) { /* a value in words (the cheap tier) */
        LLVMValueRef p = wide_at(m, values, row);
        LLVMValueRef lo = LLVMBuildSelect(m->b, v.null, cg_i64(m, 0), v.lo64, "");
        LLVMSetAlignment(LLVMBuildStore(m->b, lo, p), 8);
        LLVMValueRef one = cg_i64(m, 1);
        p = LLVMBuildGEP2(m->b, m->t_i64, p, &one, 1, "");
        LLVMValueRef hi = LLVMBuildSelect(m->b, v.null, cg_i64(m, 0), v.hi64, "");
        LLVMSetAlignment(LLVMBuildStore(m->b, hi, p), 8);
        return;
    }
    LLVMValueRef x = LLVMBuildSelect(m->b, v.null, LLVMConstNull(LLVMTypeOf(v.v)), v.v, "");
    if (type == QE_TYPE_BOOLEAN)
        x = LLVMBuildZExt(m->b, x, m->t_i8, "");
    LLVMValueRef p = LLVMBuildGEP2(m->b, t, values, &row, 1, "");
    LLVMSetAlignment(LLVMBuildStore(m->b, x, p), cg_mem_align(type));
    if (type == QE_TYPE_VARCHAR) {
        LLVMValueRef eight = cg_i64(m, 8);
        LLVMValueRef hp = LLVMBuildGEP2(m->b, m->t_i8, p, &eight, 1, "");
        LLVMSetAlignment(LLVMBuildStore(m->b, cg_str_view_hi(m, v), hp), cg_mem_align(type));
    }
}

/* Sets or clears a validity bit; see cg_int.h. */
void cg_store_validity(cg_module *m, LLVMValueRef validity, LLVMValueRef row,
                       LLVMValueRef is_null) {
    LLVMValueRef mask;
    uint32_t k = row_bits(m, row, true);
    LLVMValueRef p = bitmap_byte(m, validity, m->bit_idx[k], row, &mask);
    LLVMValueRef byte = LLVMBuildLoad2(m->b, m->t_i8, p, "");
    LLVMValueRef cleared = LLVMBuildAnd(m->b, byte, m->bit_not[k], "");
    LLVMValueRef set = LLVMBuildOr(m->b, byte, mask, "");
    LLVMBuildStore(m->b, LLVMBuildSelect(m->b, is_null, cleared, set, ""), p);
}

/* The low i64 word of 16-byte value `row`; see cg_int.h. */
LLVMValueRef cg_load_words(cg_module *m, LLVMValueRef values, LLVMValueRef row, LLVMValueRef *hi) {
    LLVMValueRef p = wide_at(m, values, row);
    LLVMValueRef lo = LLVMBuildLoad2(m->b, m->t_i64, p, "");
    LLVMValueRef one = cg_i64(m, 1);
    *hi = LLVMBuildLoad2(m->b, m->t_i64, LLVMBuildGEP2(m->b, m->t_i64, p, &one, 1, ""), "");
    LLVMSetAlignment(lo, 8);
    LLVMSetAlignment(*hi, 8);
    return lo;
}

/* Value of a morsel column in the current row; see cg_int.h. */
cg_val cg_morsel_column(cg_fn *f, uint32_t col) { return cg_morsel_column_narrow(f, col, false); }

/* The same, reading only the low 8 bytes of a 16-byte value when narrow; see cg_int.h. */
cg_val cg_morsel_column_narrow(cg_fn *f, uint32_t col, bool narrow) {
    cg_module *m = f->m;
    if (f->row_loaded[col])
        return f->row_in[col];
    const cg_col *c = &f->cols[col];
    qe_type type = f->pipe->ops[0]->types[col];
    cg_val v = {0};
    if (narrow && cg_reg_type(m, type) == m->t_i128) {
        LLVMValueRef p = wide_at(m, c->values, f->row);
        LLVMValueRef lo = LLVMBuildLoad2(m->b, m->t_i64, p, "");
        LLVMSetAlignment(lo, 8);
        v.v = LLVMBuildSExt(m->b, lo, m->t_i128, "");
        v.v64 = lo;
    } else if (m->cheap && (type == QE_TYPE_DECIMAL || type == QE_TYPE_HUGEINT)) {
        LLVMValueRef hi, lo = cg_load_words(m, c->values, f->row, &hi);
        v = cg_val_from_words(m, lo, hi, NULL);
    } else {
        v.v = cg_load_value(m, type, c->values, f->row);
    }
    if (type == QE_TYPE_VARCHAR) { /* where cg_str_ptr finds the bytes */
        v.at = LLVMBuildGEP2(m->b, m->t_i128, c->values, &f->row, 1, "view");
        v.vec = c->vec;
    }
    v.null = cg_morsel_null_at(f, col, f->row);
    f->row_in[col] = v;
    f->row_loaded[col] = true;
    return v;
}

/* Whether morsel column col is NULL at row; see cg_int.h. */
LLVMValueRef cg_morsel_null_at(cg_fn *f, uint32_t col, LLVMValueRef row) {
    cg_module *m = f->m;
    const cg_col *c = &f->cols[col];
    if (f->no_nulls || c->no_nulls) /* a block loop specialized for columns without
                                       bitmaps, or a column the entry checked has none */
        return cg_i1(m, false);
    /* absent bitmap: read byte 0 of @qe_all_valid instead (cheap tier: that address
     * selected per row, the entry block keeps the bitmap pointer as it is) */
    LLVMValueRef mask, p, idx = m->bit_idx[row_bits(m, row, true)];
    if (m->cheap) {
        p = bitmap_byte(m, c->validity, idx, row, &mask);
        p = LLVMBuildSelect(m->b, c->has_bitmap, p, m->all_valid, "");
    } else {
        idx = LLVMBuildSelect(m->b, c->has_bitmap, idx, cg_i64(m, 0), "");
        p = bitmap_byte(m, c->validity, idx, row, &mask);
    }
    LLVMValueRef byte = LLVMBuildAnd(m->b, LLVMBuildLoad2(m->b, m->t_i8, p, ""), mask, "");
    return LLVMBuildICmp(m->b, LLVMIntEQ, byte, LLVMConstInt(m->t_i8, 0, false), "isnull");
}

/* Whether a probe of p reads build columns as NULL-free (plan_op.u.join.build_no_nulls):
 * its table's columns are checked in the entry block (cg_decline_if). */
static bool probes_no_nulls(const plan_pipeline *p) {
    for (uint32_t k = 1; k + 1 < p->n_ops; k++) {
        const plan_op *op = p->ops[k];
        for (uint32_t c = 0; op->kind == PLAN_PHYS_HASH_JOIN_PROBE && op->u.join.build_no_nulls &&
                             c < op->u.join.n_build_cols;
             c++)
            if (op->u.join.build_no_nulls[c])
                return true;
    }
    return false;
}

/* ORs cond into the entry block's decline branch; see cg_int.h. */
void cg_decline_if(cg_fn *f, LLVMValueRef cond) {
    LLVMValueRef old = LLVMGetCondition(f->decline_br);
    LLVMSetCondition(f->decline_br, LLVMBuildOr(f->m->b, old, cond, "decline"));
}

/* Entry block: the morsel's column pointers.  A scan's columns its statistics saw no NULL
 * in (plan_op.u.scan.no_nulls) are read as never NULL: if one of them has a bitmap after
 * all (rows added since the plan was made), the morsel goes to the interpreter
 * (rt_jit_interpret) instead. */
static void load_morsel_columns(cg_fn *f, LLVMValueRef cols) {
    cg_module *m = f->m;
    const plan_op *src = f->pipe->ops[0];
    const bool *no_nulls = src->kind == PLAN_PHYS_SCAN ? src->u.scan.no_nulls : NULL;
    LLVMValueRef decline = NULL;
    for (uint32_t i = 0; i < f->n_cols; i++) {
        cg_col *c = &f->cols[i];
        c->vec = cg_vector_at(m, cols, cg_i64(m, i));
        if (!cg_type_supported(src->types[i]))
            continue;
        c->values = cg_load_vector_field(m, c->vec, CG_VEC_VALUES);
        LLVMValueRef bitmap = cg_load_vector_field(m, c->vec, CG_VEC_VALIDITY);
        c->has_bitmap = LLVMBuildIsNotNull(m->b, bitmap, "");
        if (no_nulls != NULL && no_nulls[i]) {
            decline = decline ? LLVMBuildOr(m->b, decline, c->has_bitmap, "") : c->has_bitmap;
            c->no_nulls = true;
            c->has_bitmap = cg_i1(m, false);
            bitmap = LLVMConstNull(m->t_ptr);
        }
        c->validity =
            m->cheap ? bitmap : LLVMBuildSelect(m->b, c->has_bitmap, bitmap, m->all_valid, "");
    }
    if (decline == NULL && !probes_no_nulls(f->pipe))
        return;
    LLVMBasicBlockRef interp = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "interpret");
    LLVMBasicBlockRef go = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "columns");
    f->decline_br = LLVMBuildCondBr(m->b, decline ? decline : cg_i1(m, false), interp, go);
    LLVMPositionBuilderAtEnd(m->b, interp);
    LLVMValueRef args[3] = {f->ps, f->ts, f->morsel};
    LLVMBuildRet(m->b, cg_call_helper(m, CG_HELPER_INTERPRET, args, 3));
    LLVMPositionBuilderAtEnd(m->b, go);
}

/* row = sel ? sel[i] : i, as a small diamond; see cg_int.h. */
LLVMValueRef cg_row_index(cg_fn *f, LLVMValueRef sel, LLVMValueRef has_sel, LLVMValueRef i) {
    cg_module *m = f->m;
    LLVMBasicBlockRef from = LLVMGetInsertBlock(m->b);
    LLVMBasicBlockRef with_sel = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "sel");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "row");
    LLVMBuildCondBr(m->b, has_sel, with_sel, join);
    LLVMPositionBuilderAtEnd(m->b, with_sel);
    LLVMValueRef p = LLVMBuildGEP2(m->b, m->t_i32, sel, &i, 1, "");
    LLVMValueRef s = LLVMBuildZExt(m->b, LLVMBuildLoad2(m->b, m->t_i32, p, ""), m->t_i64, "");
    LLVMBuildBr(m->b, join);
    LLVMPositionBuilderAtEnd(m->b, join);
    return cg_phi2(m, m->t_i64, "row", s, with_sel, i, from);
}

/* At the cheap tier, the raise checks of the n expressions es about to be generated
 * are gathered (f->defer) when all of them allow it (cg_expr_deferrable): one branch to
 * the raise block instead of a branch and a block per check.  True if it began. */
static bool begin_defer(cg_fn *f, const plan_expr *const *es, uint32_t n) {
    if (!f->m->cheap || f->defer || f->err_var != NULL)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!cg_expr_deferrable(es[i]))
            return false;
    f->defer = true;
    return true;
}

/* Ends what begin_defer began: the gathered checks' one branch. */
static void end_defer(cg_fn *f, bool began) {
    if (!began)
        return;
    cg_raise_flush(f);
    f->defer = false;
}

/* A FILTER predicate (see cg_int.h): the row continues only where it is TRUE.  A
 * conjunction is split into its terms, each tested before the next is evaluated, as the
 * interpreter narrows its selection term by term (rt_expr_select): a term after one
 * that is FALSE or NULL never runs, so it cannot raise an error for that row. */
qe_status cg_gen_filter(cg_fn *f, const plan_expr *pred, const cg_val *in, uint32_t n_in,
                        rt_error *err) {
    cg_module *m = f->m;
    if (pred->kind == PLAN_EXPR_OP && pred->u.op.op == PLAN_OP_AND) {
        qe_status st = cg_gen_filter(f, pred->u.op.args[0], in, n_in, err);
        return st != QE_OK ? st : cg_gen_filter(f, pred->u.op.args[1], in, n_in, err);
    }
    cg_val v;
    bool defer = begin_defer(f, &pred, 1);
    qe_status st = cg_expr(f, pred, in, n_in, &v, err);
    end_defer(f, defer);
    if (st != QE_OK)
        return st;
    LLVMValueRef pass = LLVMBuildAnd(m->b, v.v, LLVMBuildNot(m->b, v.null, ""), "");
    LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "pass");
    LLVMBuildCondBr(m->b, pass, next, f->skip);
    LLVMPositionBuilderAtEnd(m->b, next);
    return QE_OK;
}

/* The morsel's columns as register values (unsupported types left empty). */
static cg_val *morsel_row(cg_fn *f) {
    cg_val *row = calloc(f->n_cols ? f->n_cols : 1, sizeof *row);
    for (uint32_t i = 0; row && i < f->n_cols; i++)
        if (cg_type_supported(f->pipe->ops[0]->types[i]))
            row[i] = cg_morsel_column(f, i);
    return row;
}

/* Begins a counted loop; see cg_int.h. */
void cg_loop_begin(cg_fn *f, cg_loop *l, LLVMValueRef n, LLVMIntPredicate lt, const char *name) {
    cg_module *m = f->m;
    char buf[64];
    l->var = cg_alloca(f, m->t_i64, name);
    LLVMBuildStore(m->b, cg_i64(m, 0), l->var);
    l->head = LLVMAppendBasicBlockInContext(m->ctx, f->fn, name);
    snprintf(buf, sizeof buf, "%s_body", name);
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(m->ctx, f->fn, buf);
    snprintf(buf, sizeof buf, "%s_done", name);
    l->exit = LLVMAppendBasicBlockInContext(m->ctx, f->fn, buf);
    LLVMBuildBr(m->b, l->head);
    LLVMPositionBuilderAtEnd(m->b, l->head);
    l->i = LLVMBuildLoad2(m->b, m->t_i64, l->var, name);
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, lt, l->i, n, ""), body, l->exit);
    LLVMPositionBuilderAtEnd(m->b, body);
    LLVMBuildStore(m->b, LLVMBuildAdd(m->b, l->i, cg_i64(m, 1), ""), l->var);
}

/* Ends a counted loop's body; see cg_int.h. */
void cg_loop_end(cg_fn *f, cg_loop *l) {
    LLVMBuildBr(f->m->b, l->head);
    LLVMMoveBasicBlockAfter(l->exit, LLVMGetInsertBlock(f->m->b));
    LLVMPositionBuilderAtEnd(f->m->b, l->exit);
}

/* REPLICATE ops[k] on the row in (n_in columns, the last a BIGINT count): runs
 * ops[k+1..] on the other columns `count` times (none when NULL or < 1), each copy's
 * rejection (a later FILTER or LIMIT) moving on to the next copy, as run_replicate
 * selects the row that many times. */
static qe_status gen_replicate(cg_fn *f, uint32_t k, const cg_val *in, uint32_t n_in,
                               rt_error *err) {
    cg_module *m = f->m;
    cg_val cnt = in[n_in - 1];
    LLVMValueRef times = LLVMBuildSelect(m->b, cnt.null, cg_i64(m, 0), cnt.v, "times");
    cg_loop copies;
    cg_loop_begin(f, &copies, times, LLVMIntSLT, "replicate");
    LLVMBasicBlockRef saved = f->skip;
    f->skip = copies.head;
    qe_status st = cg_gen_ops_from(f, k + 1, in, n_in - 1, err);
    f->skip = saved;
    if (st == QE_OK)
        cg_loop_end(f, &copies);
    return st;
}

/* Operators ops[first..n_ops-2], then the sink, for the current row; see cg_int.h. */
qe_status cg_gen_ops_from(cg_fn *f, uint32_t first, const cg_val *in, uint32_t n_in,
                          rt_error *err) {
    const plan_pipeline *p = f->pipe;
    cg_val *cur = NULL; /* NULL: `in`, or the morsel's columns when in is NULL too */
    uint32_t n_cur = n_in;
    qe_status st = QE_OK;
    if (in != NULL) {
        cur = calloc(n_in ? n_in : 1, sizeof *cur);
        if (cur == NULL)
            return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
        memcpy(cur, in, sizeof *cur * n_in);
    }
    for (uint32_t k = first; k + 1 < p->n_ops && st == QE_OK; k++) {
        const plan_op *op = p->ops[k];
        if (op->kind == PLAN_PHYS_FILTER) {
            st = cg_gen_filter(f, op->u.filter.pred, cur, n_cur, err);
            continue;
        }
        if (op->kind == PLAN_PHYS_LIMIT) {
            cg_gen_limit(f, k);
            continue;
        }
        if (op->kind == PLAN_PHYS_DISTINCT_ON) {
            st = cg_gen_distinct_on(f, k, err);
            continue;
        }
        if (op->kind == PLAN_PHYS_HASH_JOIN_PROBE || op->kind == PLAN_PHYS_REPLICATE) {
            if (cur == NULL) /* the rest runs per match / per copy */
                cur = morsel_row(f);
            if (cur == NULL)
                st = rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
            else if (op->kind == PLAN_PHYS_REPLICATE)
                st = gen_replicate(f, k, cur, n_cur, err);
            else
                st = cg_gen_probe(f, k, cur, p->ops[k - 1]->types, n_cur, err);
            free(cur);
            return st;
        }
        cg_val *out = calloc(op->n_cols ? op->n_cols : 1, sizeof *out);
        if (out == NULL)
            st = rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
        bool defer = out != NULL &&
                     begin_defer(f, (const plan_expr *const *)op->u.project.exprs, op->n_cols);
        for (uint32_t i = 0; i < op->n_cols && st == QE_OK; i++)
            st = cg_expr(f, op->u.project.exprs[i], cur, n_cur, &out[i], err);
        end_defer(f, defer);
        free(cur);
        cur = out;
        n_cur = op->n_cols;
    }
    if (st == QE_OK) {
        if (cur == NULL && !cg_sink_pass(f)) /* no projection: the sink takes the morsel row */
            cur = morsel_row(f);
        st = cur || cg_sink_pass(f)
                 ? cg_sink_consume(f, cur, n_cur, err)
                 : rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    }
    free(cur);
    return st;
}

/* Operators ops[first_op..n_ops-2], then the sink, for the current row (the FILTERs
 * before first_op, if any, ran in block.c's loops: they read only morsel columns). */
static qe_status gen_operators(cg_fn *f, uint32_t first_op, rt_error *err) {
    return cg_gen_ops_from(f, first_op, NULL, f->n_cols, err);
}

/* Rows per chunk of filtered_loop: its selection is an entry alloca of this size. */
#define FILTER_ROWS RT_VECTOR_SIZE

/*
 * FILTERs ops[first_op..j-1] ahead of a probe the pre-pass takes (ops[j..] start with
 * PROJECTs and that probe; optimized tier): per chunk of up to FILTER_ROWS active rows,
 * a loop runs the FILTERs row by row (cg_gen_filter: branches, real errors) into a
 * selection, then the row loop from ops[j] runs over it, so the pre-pass hashes only
 * the rows that passed.  As in the interpreter (a vector at a time), a chunk's FILTERs
 * run before its probes.
 */
static qe_status filtered_loop(cg_fn *f, LLVMValueRef morsel_sel, LLVMValueRef has_sel,
                               LLVMValueRef n_active, uint32_t first_op, uint32_t j,
                               rt_error *err) {
    cg_module *m = f->m;
    LLVMValueRef out = cg_alloca(f, LLVMArrayType2(m->t_i32, FILTER_ROWS), "filter_out");
    LLVMValueRef n_var = cg_alloca(f, m->t_i64, "filter_n");
    LLVMValueRef start_var = cg_alloca(f, m->t_i64, "filter_start");
    LLVMValueRef x_var = cg_alloca(f, m->t_i64, "filter_x");
    LLVMBuildStore(m->b, cg_i64(m, 0), start_var);
    LLVMBasicBlockRef chead = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "filter_chunk");
    LLVMBasicBlockRef cbody = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "filter_chunk_body");
    LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "filter_loop");
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "filter_body");
    LLVMBasicBlockRef latch = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "filter_next");
    LLVMBasicBlockRef rows = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "filter_rows");
    LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "filter_done");
    LLVMBuildBr(m->b, chead);
    LLVMPositionBuilderAtEnd(m->b, chead);
    LLVMValueRef start = LLVMBuildLoad2(m->b, m->t_i64, start_var, "filter_start");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntULT, start, n_active, ""), cbody, exit);
    LLVMPositionBuilderAtEnd(m->b, cbody);
    LLVMValueRef end = LLVMBuildAdd(m->b, start, cg_i64(m, FILTER_ROWS), "");
    end = LLVMBuildSelect(m->b, LLVMBuildICmp(m->b, LLVMIntULT, end, n_active, ""), end, n_active,
                          "filter_end");
    LLVMBuildStore(m->b, cg_i64(m, 0), n_var);
    LLVMBuildStore(m->b, start, x_var);
    LLVMBuildBr(m->b, head);
    LLVMPositionBuilderAtEnd(m->b, head);
    LLVMValueRef x = LLVMBuildLoad2(m->b, m->t_i64, x_var, "");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntULT, x, end, ""), body, rows);
    LLVMPositionBuilderAtEnd(m->b, body);
    f->row = cg_row_index(f, morsel_sel, has_sel, x);
    f->skip = latch;
    memset(f->row_loaded, 0, f->n_cols);
    qe_status st = QE_OK;
    for (uint32_t k = first_op; k < j && st == QE_OK; k++)
        st = cg_gen_filter(f, f->pipe->ops[k]->u.filter.pred, NULL, f->n_cols, err);
    if (st != QE_OK)
        return st;
    LLVMValueRef n = LLVMBuildLoad2(m->b, m->t_i64, n_var, "");
    LLVMBuildStore(m->b, LLVMBuildTrunc(m->b, f->row, m->t_i32, ""),
                   LLVMBuildGEP2(m->b, m->t_i32, out, &n, 1, ""));
    LLVMBuildStore(m->b, LLVMBuildAdd(m->b, n, cg_i64(m, 1), ""), n_var);
    LLVMBuildBr(m->b, latch);
    LLVMMoveBasicBlockAfter(latch, LLVMGetInsertBlock(m->b));
    LLVMPositionBuilderAtEnd(m->b, latch);
    LLVMBuildStore(m->b, LLVMBuildAdd(m->b, x, cg_i64(m, 1), ""), x_var);
    cg_loop_scalar(m, LLVMBuildBr(m->b, head));
    LLVMMoveBasicBlockAfter(rows, latch);
    LLVMPositionBuilderAtEnd(m->b, rows);
    st = cg_row_loop(f, out, cg_i1(m, true), LLVMBuildLoad2(m->b, m->t_i64, n_var, "filter_n"), j,
                     err);
    if (st != QE_OK)
        return st;
    LLVMBuildStore(m->b, end, start_var);
    LLVMBuildBr(m->b, chead);
    LLVMMoveBasicBlockAfter(exit, LLVMGetInsertBlock(m->b));
    LLVMPositionBuilderAtEnd(m->b, exit);
    return QE_OK;
}

/* The loop: head (i < n_active), body (row index, operators, sink), latch (i + 1);
 * see cg_int.h. */
qe_status cg_row_loop(cg_fn *f, LLVMValueRef morsel_sel, LLVMValueRef has_sel,
                      LLVMValueRef n_active, uint32_t first_op, rt_error *err) {
    cg_module *m = f->m;
    uint32_t after_filters = first_op;
    while (after_filters + 1 < f->pipe->n_ops &&
           f->pipe->ops[after_filters]->kind == PLAN_PHYS_FILTER)
        after_filters++;
    if (m->blocked && after_filters > first_op && cg_prepass_probe(f, after_filters) != 0)
        return filtered_loop(f, morsel_sel, has_sel, n_active, first_op, after_filters, err);
    LLVMValueRef i_var = cg_alloca(f, m->t_i64, "i");
    LLVMBuildStore(m->b, cg_i64(m, 0), i_var);
    uint32_t pre = cg_prepass_probe(f, first_op);
    if (pre != 0)
        cg_prepass_begin(f, pre);
    LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "loop");
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "body");
    LLVMBasicBlockRef latch = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "next");
    LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "done");
    LLVMBuildBr(m->b, head);
    LLVMPositionBuilderAtEnd(m->b, head);
    LLVMValueRef i = LLVMBuildLoad2(m->b, m->t_i64, i_var, "i");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntULT, i, n_active, ""), body, exit);
    LLVMPositionBuilderAtEnd(m->b, body);
    f->skip = latch;
    if (pre != 0)
        i = cg_prepass_row(f, morsel_sel, has_sel, i, n_active, exit);
    f->row = cg_row_index(f, morsel_sel, has_sel, i);
    memset(f->row_loaded, 0, f->n_cols);
    qe_status st = gen_operators(f, first_op, err);
    if (st != QE_OK)
        return st;
    LLVMBuildBr(m->b, latch);
    LLVMMoveBasicBlockAfter(latch, LLVMGetInsertBlock(m->b));
    LLVMMoveBasicBlockAfter(exit, latch);
    LLVMPositionBuilderAtEnd(m->b, latch);
    LLVMBuildStore(m->b, LLVMBuildAdd(m->b, i, cg_i64(m, 1), ""), i_var);
    LLVMBuildBr(m->b, head);
    LLVMPositionBuilderAtEnd(m->b, exit);
    f->pre_op = 0;
    return QE_OK;
}

static qe_status gen_body(cg_fn *f, rt_error *err) {
    cg_module *m = f->m;
    LLVMValueRef n_rows = cg_load_batch_field(m, f->morsel, CG_BATCH_N_ROWS);
    LLVMValueRef cols = cg_load_batch_field(m, f->morsel, CG_BATCH_COLS);
    LLVMValueRef sel = cg_load_batch_field(m, f->morsel, CG_BATCH_SEL);
    LLVMValueRef n_sel = cg_load_batch_field(m, f->morsel, CG_BATCH_N_SEL);
    LLVMValueRef n_active =
        LLVMBuildSelect(m->b, LLVMBuildIsNotNull(m->b, sel, ""), n_sel, n_rows, "");
    n_active = LLVMBuildZExt(m->b, n_active, m->t_i64, "n_active");
    load_morsel_columns(f, cols);
    qe_status st = cg_sink_begin(f, err);
    cg_block_plan bp = {0};
    if (st == QE_OK)
        st = cg_block_plan_make(f, &bp, err);
    if (st == QE_OK && bp.n_preds > 0)
        st = cg_block_body(f, sel, n_active, &bp, err);
    else if (st == QE_OK)
        st = cg_row_loop(f, sel, LLVMBuildIsNotNull(m->b, sel, "has_sel"), n_active, 1, err);
    cg_block_plan_free(&bp);
    if (st == QE_OK)
        cg_distinct_on_finish(f);
    if (st == QE_OK)
        st = cg_sink_finish(f, err);
    if (st == QE_OK)
        LLVMBuildRet(m->b, cg_i32(m, QE_OK));
    return st;
}

/* Builds a pipeline function; see cg_int.h. */
/* The cheap tier's function without its empty blocks (only an unconditional branch,
 * left where a construct ends and the code after it merely branches on: a sink's
 * `counted`, a probe's `probed`): their predecessors branch to the target instead.
 * Level-None code generation keeps every block (its own label, jump and bookkeeping);
 * a target with phis keeps its predecessors (their incoming blocks would change). */
static void drop_empty_blocks(LLVMValueRef fn) {
    LLVMBasicBlockRef b = LLVMGetNextBasicBlock(LLVMGetEntryBasicBlock(fn));
    while (b != NULL) {
        LLVMBasicBlockRef next = LLVMGetNextBasicBlock(b);
        LLVMValueRef br = LLVMGetFirstInstruction(b);
        if (br != NULL && br == LLVMGetLastInstruction(b) &&
            LLVMGetInstructionOpcode(br) == LLVMBr && !LLVMIsConditional(br)) {
            LLVMBasicBlockRef to = LLVMGetSuccessor(br, 0);
            LLVMValueRef first = LLVMGetFirstInstruction(to);
            if (to != b && (first == NULL || LLVMGetInstructionOpcode(first) != LLVMPHI)) {
                LLVMReplaceAllUsesWith(LLVMBasicBlockAsValue(b), LLVMBasicBlockAsValue(to));
                LLVMDeleteBasicBlock(b);
            }
        }
        b = next;
    }
}

qe_status cg_build_pipeline(cg_module *m, const plan_pipeline *p, const char *name, rt_error *err) {
    cg_fn f = {.m = m, .pipe = p, .n_cols = p->ops[0]->n_cols};
    f.fn = LLVMAddFunction(m->mod, name, m->t_pipe_fn);
    cg_set_fn_attrs(m, f.fn);
    f.ps = LLVMGetParam(f.fn, 0);
    f.ts = LLVMGetParam(f.fn, 1);
    f.morsel = LLVMGetParam(f.fn, 2);
    LLVMSetValueName2(f.ps, "ps", 2);
    LLVMSetValueName2(f.ts, "ts", 2);
    LLVMSetValueName2(f.morsel, "morsel", 6);
    size_t n = f.n_cols ? f.n_cols : 1;
    f.cols = calloc(n, sizeof *f.cols);
    f.row_in = calloc(n, sizeof *f.row_in);
    f.row_loaded = calloc(n, sizeof *f.row_loaded);
    f.join_views = calloc(p->n_ops, sizeof *f.join_views);
    qe_status st;
    if (f.cols == NULL || f.row_in == NULL || f.row_loaded == NULL || f.join_views == NULL) {
        st = rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    } else {
        f.entry = LLVMAppendBasicBlockInContext(m->ctx, f.fn, "entry");
        LLVMPositionBuilderAtEnd(m->b, f.entry);
        st = gen_body(&f, err);
        if (st == QE_OK && m->cheap)
            drop_empty_blocks(f.fn);
    }
    cg_sink_free(&f);
    free(f.cols);
    free(f.row_in);
    free(f.row_loaded);
    free(f.join_views);
    free(f.dist_last);
    free(f.dist_map);
    return st;
}
