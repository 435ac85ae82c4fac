/*
 * block.c -- blocked execution of the FILTERs right after a pipeline's source.
 *
 * At the optimized tier a pipeline whose ops[1..k] are FILTERs with block-safe
 * predicates (below) does not test them row by row.  Per block of up to
 * RT_VECTOR_SIZE active rows of the morsel:
 *
 *   fast (no morsel sel, and no bitmap on a column the predicates read unless they
 *        all reject NULLs: null_rejecting):
 *           pass[j] = p1(row) & ... & pk(row)       row = start + j, branch-free, every
 *                                                   column read as not NULL: LLVM
 *                                                   vectorizes it (vpcmp*, masks)
 *           sel[n] = row; n += pass[j]              branch-free compaction (& the
 *                                                   rows' validity bits if bitmaps)
 *   exact (a morsel sel, bitmaps, or a fast block that may raise an error):
 *           sel[n++] = row for the rows passing the FILTERs, tested one after the
 *           other with branches and real errors (cg_gen_filter, as the row loop);
 *           a FILTER only pre-filtered (partial_preds, inexact leaves) is left to
 *           the row loop, which runs it whole anyway
 *   then:   the row loop (pipeline.c) over sel[0..n) with ops[k+1..] and the sink.
 *
 * A predicate is TRUE only when it is not NULL (NULL = not selected).  In the fast
 * loop AND/OR do not short-circuit (expr.c evaluates both sides when f->err_var is
 * set), so a term may be computed on rows the interpreter would never evaluate it on;
 * every operation is defined whatever the operands hold, and each possible runtime
 * error (overflow, division by zero: cg_raise_if) is ORed into a block flag instead of
 * raised.  If the flag is set, nothing is lost but time: the exact loop redoes the
 * block, raising the errors the interpreter raises.  As in the interpreter (a vector
 * at a time), a block's FILTERs run before its later operators; as before, when rows
 * fail with different errors, which one is reported may differ.
 *
 * Block-safe predicates use only COLUMN, CONST, CAST and the operators of plan.h up to
 * IS NOT NULL over BOOLEAN/INTEGER/BIGINT/DOUBLE/DATE/DECIMAL values, and VARCHAR
 * columns only under IS [NOT] NULL: string expressions call runtime helpers, which
 * would make the loop scalar and run on rows a short-circuit would skip.  (Should a
 * helper be called in the fast loop anyway, cg_return_if_error records its failure
 * like cg_raise_if, and the exact loop calls it again.)
 *
 * String leaves: a predicate may also be an AND/OR tree whose leaves are block-safe or
 * compare a VARCHAR column with a constant (= or <>).  The fast loop tests such a leaf
 * on the column's 16-byte views alone, two 64-bit compares (vectorized like the rest):
 *   exact    VARCHAR = / <> a constant of at most 12 bytes: views of short strings are
 *            the length and the zero-padded bytes, so equal strings have equal views;
 *   inexact  VARCHAR = a longer constant (equal length and 4-byte prefix), and CHAR(n)
 *            = a constant c (trailing blanks ignored: the value is at least as long as
 *            c without its trailing blanks and starts with its first 4 bytes): a
 *            condition every matching row meets, not only those.
 * A FILTER with an inexact leaf is only pre-filtered (as partial_preds): the row loop
 * runs the whole FILTER again on the rows the block kept.
 */
#include "cg_int.h"

#include <llvm-c/DebugInfo.h>

#include <stdlib.h>
#include <string.h>

/* Rows per block: the selection and pass arrays are entry allocas of this size. */
#define BLOCK_ROWS RT_VECTOR_SIZE

static bool block_type(qe_type t) {
    return t == QE_TYPE_BOOLEAN || t == QE_TYPE_INTEGER || t == QE_TYPE_BIGINT ||
           t == QE_TYPE_DOUBLE || t == QE_TYPE_DATE || t == QE_TYPE_DECIMAL;
}

/* Whether e can be evaluated branch-free for every row of a block (see above);
 * marks the morsel columns it reads in used. */
static bool block_safe(const plan_expr *e, uint32_t n_cols, bool *used) {
    if (e == NULL)
        return false;
    switch (e->kind) {
    case PLAN_EXPR_CONST: return block_type(e->type);
    case PLAN_EXPR_COLUMN:
        if (e->u.column >= n_cols || !block_type(e->type))
            return false;
        used[e->u.column] = true;
        return true;
    case PLAN_EXPR_CAST:
        return block_type(e->type) && block_type(e->u.cast->type) &&
               block_safe(e->u.cast, n_cols, used);
    case PLAN_EXPR_OP: break;
    default: return false;
    }
    plan_op_kind op = e->u.op.op;
    const plan_expr *a = e->u.op.args[0];
    if (op == PLAN_OP_IS_NULL || op == PLAN_OP_IS_NOT_NULL) {
        if (a && a->kind == PLAN_EXPR_COLUMN && a->type == QE_TYPE_VARCHAR &&
            a->u.column < n_cols) {
            used[a->u.column] = true;
            return true;
        }
        return block_safe(a, n_cols, used);
    }
    if (op > PLAN_OP_IS_NOT_NULL || !block_type(e->type) || !block_safe(a, n_cols, used))
        return false;
    return e->u.op.args[1] == NULL || block_safe(e->u.op.args[1], n_cols, used);
}

/* Longest VARCHAR constant whose view is the string itself (qe_string_view). */
#define INLINE_STR 12

/* Whether e compares a VARCHAR column with a non-NULL VARCHAR constant by = or <> (a
 * string leaf, see the file comment): its column and constant in *col, *c (NULL out:
 * just the test). */
static bool str_leaf(const plan_expr *e, uint32_t n_cols, const plan_expr **col,
                     const plan_expr **c) {
    if (e == NULL || e->kind != PLAN_EXPR_OP ||
        (e->u.op.op != PLAN_OP_EQ && e->u.op.op != PLAN_OP_NE) || e->u.op.args[1] == NULL)
        return false;
    for (int i = 0; i < 2; i++) {
        const plan_expr *a = e->u.op.args[i], *b = e->u.op.args[1 - i];
        if (a->kind == PLAN_EXPR_COLUMN && a->type == QE_TYPE_VARCHAR && a->u.column < n_cols &&
            b->kind == PLAN_EXPR_CONST && !b->u.value.is_null &&
            b->u.value.type == QE_TYPE_VARCHAR) {
            if (col != NULL)
                *col = a, *c = b;
            return true;
        }
    }
    return false;
}

/* Whether string leaf e compares with CHAR(n) semantics (trailing blanks ignored). */
static bool str_leaf_char(const plan_expr *e) {
    return PLAN_TYPMOD_IS_CHAR(e->u.op.args[0]->typmod) ||
           PLAN_TYPMOD_IS_CHAR(e->u.op.args[1]->typmod);
}

/* Whether the views of string leaf e decide it exactly (else: a necessary condition,
 * and only for =). */
static bool str_leaf_exact(const plan_expr *e) {
    const plan_expr *col = NULL, *c = NULL;
    str_leaf(e, UINT32_MAX, &col, &c);
    return !str_leaf_char(e) && c->u.value.u.s.len <= INLINE_STR;
}

/* Whether predicate e is block-safe with string leaves (an AND/OR tree over string
 * leaves, exact or for = inexact, and block-safe expressions); marks its columns in
 * used.  *inexact (may be NULL) is set when a leaf only pre-filters. */
static bool block_safe_pred(const plan_expr *e, uint32_t n_cols, bool *used, bool *inexact) {
    if (e != NULL && e->kind == PLAN_EXPR_OP && e->u.op.args[1] != NULL &&
        (e->u.op.op == PLAN_OP_AND || e->u.op.op == PLAN_OP_OR))
        return block_safe_pred(e->u.op.args[0], n_cols, used, inexact) &&
               block_safe_pred(e->u.op.args[1], n_cols, used, inexact);
    const plan_expr *col = NULL, *c = NULL;
    if (!str_leaf(e, n_cols, &col, &c))
        return block_safe(e, n_cols, used);
    if (!str_leaf_exact(e)) {
        if (e->u.op.op != PLAN_OP_EQ)
            return false;
        if (inexact != NULL)
            *inexact = true;
    }
    used[col->u.column] = true;
    return true;
}

/* Whether e is NULL whenever a column it reads is NULL (NULL propagates through
 * arithmetic, comparisons, casts and NOT, not through AND/OR/IS NULL). */
static bool null_propagating(const plan_expr *e) {
    switch (e->kind) {
    case PLAN_EXPR_CONST:
    case PLAN_EXPR_COLUMN: return true;
    case PLAN_EXPR_CAST: return null_propagating(e->u.cast);
    case PLAN_EXPR_OP: break;
    default: return false;
    }
    plan_op_kind op = e->u.op.op;
    if (op == PLAN_OP_AND || op == PLAN_OP_OR || op == PLAN_OP_IS_NULL || op == PLAN_OP_IS_NOT_NULL)
        return false;
    return null_propagating(e->u.op.args[0]) &&
           (e->u.op.args[1] == NULL || null_propagating(e->u.op.args[1]));
}

/* Whether predicate e is never TRUE on a row where a column it reads is NULL: such a
 * row can be dropped by its validity bits alone, whatever e computes from the bytes
 * of the NULL value. */
static bool null_rejecting(const plan_expr *e) {
    if (e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_AND)
        return null_rejecting(e->u.op.args[0]) && null_rejecting(e->u.op.args[1]);
    return null_propagating(e);
}

/* Appends the conjuncts of e (an AND tree, left to right) to list (cap entries). */
static uint32_t conjuncts(const plan_expr *e, const plan_expr **list, uint32_t n, uint32_t cap) {
    if (e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_AND && e->u.op.args[1] != NULL) {
        n = conjuncts(e->u.op.args[0], list, n, cap);
        return conjuncts(e->u.op.args[1], list, n, cap);
    }
    if (n < cap)
        list[n] = e;
    return n + 1;
}

/*
 * The conjuncts of a FILTER that is not block-safe as a whole which the block loop can
 * pre-filter with: a block-safe conjunct is taken if it cannot raise an error or every
 * conjunct before it was taken; an unsafe conjunct that cannot raise an error is left
 * to the row loop; the first one that may raise an error ends the scan (a later
 * conjunct must not hide its errors by rejecting rows first).  The row loop then runs
 * the whole FILTER on the rows that pass, so results and errors are the interpreter's.
 */
static uint32_t partial_preds(const cg_fn *f, const plan_expr *pred, const plan_expr **out,
                              uint32_t cap, bool *used) {
    uint32_t n_all = conjuncts(pred, NULL, 0, 0);
    const plan_expr **all = calloc(n_all ? n_all : 1, sizeof *all);
    if (all == NULL)
        return 0;
    conjuncts(pred, all, 0, n_all);
    uint32_t n = 0;
    bool all_taken = true;
    for (uint32_t i = 0; i < n_all && n < cap; i++) {
        bool safe = block_safe_pred(all[i], f->n_cols, used, NULL); /* (used: scratch) */
        if (safe && (all_taken || cg_expr_error_free(all[i], false))) {
            out[n++] = all[i];
        } else if (cg_expr_error_free(all[i], false)) {
            all_taken = false;
        } else {
            break;
        }
    }
    free(all);
    return n;
}

/* What the block loops evaluate; see cg_int.h. */
qe_status cg_block_plan_make(const cg_fn *f, cg_block_plan *bp, rt_error *err) {
    const plan_pipeline *p = f->pipe;
    memset(bp, 0, sizeof *bp);
    if (!f->m->blocked)
        return QE_OK;
    bool *used = calloc(f->n_cols + 1, 1);
    uint32_t cap = 0;
    for (uint32_t k = 1; k + 1 < p->n_ops && p->ops[k]->kind == PLAN_PHYS_FILTER; k++)
        cap += conjuncts(p->ops[k]->u.filter.pred, NULL, 0, 0);
    bp->preds = calloc(cap ? cap : 1, sizeof *bp->preds);
    if (used == NULL || bp->preds == NULL) {
        free(used);
        free(bp->preds);
        bp->preds = NULL;
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    }
    uint32_t k = 0;
    bool inexact = false; /* a FILTER with an inexact string leaf is only pre-filtered */
    while (k + 2 < p->n_ops && p->ops[k + 1]->kind == PLAN_PHYS_FILTER &&
           block_safe_pred(p->ops[k + 1]->u.filter.pred, f->n_cols, used, &inexact) && !inexact)
        bp->preds[bp->n_preds++] = p->ops[++k]->u.filter.pred;
    bp->first_op = k + 1;
    bp->n_whole = bp->n_preds;
    if (k + 2 < p->n_ops && p->ops[k + 1]->kind == PLAN_PHYS_FILTER)
        bp->n_preds += partial_preds(f, p->ops[k + 1]->u.filter.pred, bp->preds + bp->n_preds,
                                     cap - bp->n_preds, used);
    free(used);
    return QE_OK;
}

void cg_block_plan_free(cg_block_plan *bp) {
    free(bp->preds);
    bp->preds = NULL;
    bp->n_preds = 0;
}

/* A counted loop j = 0 .. n over entry-block allocas (mem2reg makes them phis). */
typedef struct block_loop {
    LLVMValueRef j_var;      /* alloca i64 */
    LLVMValueRef j;          /* i64: the index in the body */
    LLVMBasicBlockRef head;  /* j < n ? body : exit */
    LLVMBasicBlockRef latch; /* j + 1, back to head: the body's `continue` */
    LLVMBasicBlockRef exit;  /* after the loop */
} block_loop;

/* Starts the loop; the builder is left in its body. */
static void loop_begin(cg_fn *f, block_loop *l, LLVMValueRef n, const char *name) {
    cg_module *m = f->m;
    l->j_var = cg_alloca(f, m->t_i64, name);
    LLVMBuildStore(m->b, cg_i64(m, 0), l->j_var);
    l->head = LLVMAppendBasicBlockInContext(m->ctx, f->fn, name);
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block_body");
    l->latch = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block_next");
    l->exit = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block_end");
    LLVMBuildBr(m->b, l->head);
    LLVMPositionBuilderAtEnd(m->b, l->head);
    l->j = LLVMBuildLoad2(m->b, m->t_i64, l->j_var, "j");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntULT, l->j, n, ""), body, l->exit);
    LLVMPositionBuilderAtEnd(m->b, body);
}

/* Attaches a self-referential llvm.loop ID to a loop's back edge: no unrolling, and
 * either (scalar) no vectorization -- loops the vectorizer cannot take would only cost
 * compile time (its analysis, unrolled copies of branchy bodies) -- or vectorization
 * without interleaving (one vector per iteration: a block is short, and compile time
 * counts). */
static void loop_scalar(cg_module *m, LLVMValueRef back_edge, bool scalar) {
    static const char *const props[3] = {"llvm.loop.unroll.disable", "llvm.loop.vectorize.enable",
                                         "llvm.loop.interleave.count"};
    LLVMMetadataRef self = LLVMTemporaryMDNode(m->ctx, NULL, 0);
    LLVMMetadataRef unroll = LLVMMDStringInContext2(m->ctx, props[0], strlen(props[0]));
    LLVMMetadataRef vec[2] = {LLVMMDStringInContext2(m->ctx, props[1], strlen(props[1])),
                              LLVMValueAsMetadata(cg_i1(m, !scalar))};
    LLVMMetadataRef ilv[2] = {LLVMMDStringInContext2(m->ctx, props[2], strlen(props[2])),
                              LLVMValueAsMetadata(cg_i32(m, 1))};
    LLVMMetadataRef ops[3] = {self, LLVMMDNodeInContext2(m->ctx, &unroll, 1),
                              LLVMMDNodeInContext2(m->ctx, scalar ? vec : ilv, 2)};
    LLVMMetadataRef id = LLVMMDNodeInContext2(m->ctx, ops, 3);
    LLVMMetadataReplaceAllUsesWith(self, id);
    unsigned kind = LLVMGetMDKindIDInContext(m->ctx, "llvm.loop", 9);
    LLVMSetMetadata(back_edge, kind, LLVMMetadataAsValue(m->ctx, id));
}

/* llvm.loop metadata on a back edge; see cg_int.h. */
void cg_loop_scalar(cg_module *m, LLVMValueRef back_edge) { loop_scalar(m, back_edge, true); }

/* Marks a vectorized loop's back edge; see cg_int.h. */
void cg_loop_vector(cg_module *m, LLVMValueRef back_edge) { loop_scalar(m, back_edge, false); }

/* Ends the body (j + 1, back to the head; `scalar`: see loop_scalar); the builder is
 * left after the loop. */
static void loop_end(cg_fn *f, block_loop *l, bool scalar) {
    cg_module *m = f->m;
    LLVMBuildBr(m->b, l->latch);
    LLVMMoveBasicBlockAfter(l->latch, LLVMGetInsertBlock(m->b));
    LLVMMoveBasicBlockAfter(l->exit, l->latch);
    LLVMPositionBuilderAtEnd(m->b, l->latch);
    LLVMBuildStore(m->b, LLVMBuildAdd(m->b, l->j, cg_i64(m, 1), ""), l->j_var);
    LLVMValueRef br = LLVMBuildBr(m->b, l->head);
    loop_scalar(m, br, scalar);
    LLVMPositionBuilderAtEnd(m->b, l->exit);
}

/* i1 of string leaf e for row f->row: exact, or the necessary condition (file
 * comment); the column's views read as two i64. */
static LLVMValueRef str_leaf_test(cg_fn *f, const plan_expr *e) {
    cg_module *m = f->m;
    const plan_expr *col = NULL, *c = NULL;
    str_leaf(e, f->n_cols, &col, &c);
    const char *cp = c->u.value.u.s.ptr;
    uint32_t clen = c->u.value.u.s.len;
    LLVMValueRef idx = LLVMBuildShl(m->b, f->row, cg_i64(m, 1), "");
    LLVMValueRef at = LLVMBuildGEP2(m->b, m->t_i64, f->cols[col->u.column].values, &idx, 1, "");
    LLVMValueRef lo = LLVMBuildLoad2(m->b, m->t_i64, at, "view_lo");
    LLVMSetAlignment(lo, 4);
    while (str_leaf_char(e) && clen > 0 && cp[clen - 1] == ' ')
        clen--;
    uint64_t view_lo, view_hi;
    cg_str_view_words(cp, clen, '\0', &view_lo, &view_hi);
    if (str_leaf_char(e)) { /* len >= |c'| and the first min(4, |c'|) bytes of c' */
        uint32_t k = clen < 4 ? clen : 4;
        uint64_t mask = k == 0 ? 0 : (~0ull >> (64 - 8 * k)) << 32;
        uint64_t want = view_lo & mask;
        LLVMValueRef len = LLVMBuildAnd(m->b, lo, cg_i64(m, 0xffffffffu), "");
        LLVMValueRef long_enough = LLVMBuildICmp(m->b, LLVMIntUGE, len, cg_i64(m, clen), "");
        LLVMValueRef pre = LLVMBuildICmp(
            m->b, LLVMIntEQ, LLVMBuildAnd(m->b, lo, cg_i64(m, mask), ""), cg_i64(m, want), "");
        return LLVMBuildAnd(m->b, long_enough, pre, "char_pre");
    }
    LLVMValueRef eq = LLVMBuildICmp(m->b, LLVMIntEQ, lo, cg_i64(m, view_lo), "");
    if (clen <= INLINE_STR) {
        LLVMValueRef one = cg_i64(m, 1);
        LLVMValueRef hp = LLVMBuildGEP2(m->b, m->t_i64, at, &one, 1, "");
        LLVMValueRef hi = LLVMBuildLoad2(m->b, m->t_i64, hp, "view_hi");
        LLVMSetAlignment(hi, 4);
        LLVMValueRef eq_hi = LLVMBuildICmp(m->b, LLVMIntEQ, hi, cg_i64(m, view_hi), "");
        eq = LLVMBuildAnd(m->b, eq, eq_hi, "");
    }
    return e->u.op.op == PLAN_OP_NE ? LLVMBuildNot(m->b, eq, "") : eq;
}

/* i1: predicate e (block_safe_pred) is TRUE for row f->row, errors into f->err_var;
 * AND/OR over string leaves evaluate both sides (TRUE-ness is all the block needs). */
static qe_status pred_true(cg_fn *f, const plan_expr *e, LLVMValueRef *out, rt_error *err) {
    cg_module *m = f->m;
    if (e->kind == PLAN_EXPR_OP && e->u.op.args[1] != NULL &&
        (e->u.op.op == PLAN_OP_AND || e->u.op.op == PLAN_OP_OR)) {
        LLVMValueRef a, b;
        qe_status st = pred_true(f, e->u.op.args[0], &a, err);
        if (st == QE_OK)
            st = pred_true(f, e->u.op.args[1], &b, err);
        if (st != QE_OK)
            return st;
        *out =
            e->u.op.op == PLAN_OP_AND ? LLVMBuildAnd(m->b, a, b, "") : LLVMBuildOr(m->b, a, b, "");
        return QE_OK;
    }
    if (str_leaf(e, f->n_cols, NULL, NULL)) {
        *out = str_leaf_test(f, e);
        return QE_OK;
    }
    cg_val v;
    qe_status st = cg_expr(f, e, NULL, f->n_cols, &v, err);
    if (st == QE_OK)
        *out = LLVMBuildAnd(m->b, v.v, LLVMBuildNot(m->b, v.null, ""), "");
    return st;
}

/* i1: all predicates of bp TRUE for row f->row, errors into f->err_var. */
static qe_status eval_pass(cg_fn *f, const cg_block_plan *bp, LLVMValueRef *pass, rt_error *err) {
    cg_module *m = f->m;
    memset(f->row_loaded, 0, f->n_cols);
    *pass = cg_i1(m, true);
    for (uint32_t k = 0; k < bp->n_preds; k++) {
        LLVMValueRef t;
        qe_status st = pred_true(f, bp->preds[k], &t, err);
        if (st != QE_OK)
            return st;
        *pass = LLVMBuildAnd(m->b, *pass, t, "pass");
    }
    return QE_OK;
}

/* The state of one block while it is generated. */
typedef struct block_gen {
    LLVMValueRef sel;     /* the morsel's sel (ptr, may be null) */
    LLVMValueRef has_sel; /* i1 */
    LLVMValueRef start;   /* i64: first active index of the block */
    LLVMValueRef len;     /* i64: active rows in the block */
    LLVMValueRef out;     /* alloca [BLOCK_ROWS x i32]: the block's selection */
    LLVMValueRef pass;    /* alloca [BLOCK_ROWS x i8]: fast path predicate results */
    LLVMValueRef n_var;   /* alloca i64: rows in out */
    bool *used;           /* n_cols: morsel columns the block predicates read */
    bool rejecting;       /* every predicate is null_rejecting */
    LLVMValueRef bitmaps; /* i1: some used column has a validity bitmap */
} block_gen;

/* out[n] = row; n += pass (branch-free). */
static void append_row(cg_fn *f, block_gen *g, LLVMValueRef row, LLVMValueRef pass) {
    cg_module *m = f->m;
    LLVMValueRef n = LLVMBuildLoad2(m->b, m->t_i64, g->n_var, "n");
    LLVMValueRef p = LLVMBuildGEP2(m->b, m->t_i32, g->out, &n, 1, "");
    LLVMBuildStore(m->b, LLVMBuildTrunc(m->b, row, m->t_i32, ""), p);
    LLVMValueRef add = LLVMBuildZExt(m->b, pass, m->t_i64, "");
    LLVMBuildStore(m->b, LLVMBuildAdd(m->b, n, add, ""), g->n_var);
}

/* The compaction of pass[] into out (rt_jit_block_compact, precompiled); `validity`: a
 * row also needs every used column valid (null-rejecting predicates evaluated as if
 * nothing were NULL): the used columns' bitmaps (NULL: none) are passed. */
static void gen_compact(cg_fn *f, block_gen *g, bool validity) {
    cg_module *m = f->m;
    uint32_t n_used = 0;
    for (uint32_t c = 0; validity && c < f->n_cols; c++)
        n_used += g->used[c];
    LLVMValueRef bitmaps = LLVMConstNull(m->t_ptr);
    if (n_used > 0) {
        bitmaps = cg_alloca(f, LLVMArrayType2(m->t_ptr, n_used), "block_bitmaps");
        uint32_t k = 0;
        for (uint32_t c = 0; c < f->n_cols; c++) {
            if (!g->used[c])
                continue;
            const cg_col *col = &f->cols[c];
            LLVMValueRef bm =
                LLVMBuildSelect(m->b, col->has_bitmap, col->validity, LLVMConstNull(m->t_ptr), "");
            LLVMValueRef at = cg_i64(m, k++);
            LLVMBuildStore(m->b, bm, LLVMBuildGEP2(m->b, m->t_ptr, bitmaps, &at, 1, ""));
        }
    }
    LLVMValueRef args[6] = {g->pass, g->len, g->start, g->out, bitmaps, cg_i32(m, n_used)};
    LLVMBuildStore(m->b, cg_call_helper(m, CG_HELPER_BLOCK_COMPACT, args, 6), g->n_var);
}

/* Fast path: a vectorizable predicate loop into pass[], then the compaction. */
static qe_status gen_fast(cg_fn *f, block_gen *g, const cg_block_plan *bp, rt_error *err) {
    cg_module *m = f->m;
    block_loop l;
    loop_begin(f, &l, g->len, "block_pred");
    f->row = LLVMBuildAdd(m->b, g->start, l.j, "row");
    f->no_nulls = true;
    LLVMValueRef pass;
    qe_status st = eval_pass(f, bp, &pass, err);
    f->no_nulls = false;
    if (st != QE_OK)
        return st;
    LLVMValueRef p = LLVMBuildGEP2(m->b, m->t_i8, g->pass, &l.j, 1, "");
    LLVMBuildStore(m->b, LLVMBuildZExt(m->b, pass, m->t_i8, ""), p);
    loop_end(f, &l, false);
    gen_compact(f, g, g->rejecting);
    return QE_OK;
}

/* Exact path: the FILTERs before bp->first_op row by row, with branches and real
 * errors.  The pre-filtering conjuncts of ops[first_op] are not tested: the row loop
 * runs that FILTER whole on every row kept (with no whole FILTER, this loop copies
 * the active rows), so its results and errors are the row loop's alone. */
static qe_status gen_exact(cg_fn *f, block_gen *g, const cg_block_plan *bp, rt_error *err) {
    cg_module *m = f->m;
    LLVMBuildStore(m->b, cg_i64(m, 0), g->n_var);
    block_loop l;
    loop_begin(f, &l, g->len, "block_exact");
    LLVMValueRef i = LLVMBuildAdd(m->b, g->start, l.j, "");
    LLVMValueRef row = cg_row_index(f, g->sel, g->has_sel, i);
    f->row = row;
    f->skip = l.latch;
    memset(f->row_loaded, 0, f->n_cols);
    qe_status st = QE_OK;
    for (uint32_t k = 0; k < bp->n_whole && st == QE_OK; k++)
        st = cg_gen_filter(f, bp->preds[k], NULL, f->n_cols, err);
    if (st != QE_OK)
        return st;
    append_row(f, g, row, cg_i1(m, true));
    loop_end(f, &l, true);
    return QE_OK;
}

/* Fills g->used and g->rejecting; returns i1: the block can take the fast path (no
 * morsel sel, and no bitmap on a used column unless the predicates reject NULLs). */
static LLVMValueRef fast_cond(cg_fn *f, block_gen *g, const cg_block_plan *bp) {
    cg_module *m = f->m;
    g->rejecting = true;
    for (uint32_t k = 0; k < bp->n_preds; k++) {
        const plan_expr *pred = bp->preds[k];
        block_safe_pred(pred, f->n_cols, g->used, NULL);
        g->rejecting = g->rejecting && null_rejecting(pred);
    }
    g->bitmaps = cg_i1(m, false);
    for (uint32_t c = 0; c < f->n_cols; c++)
        if (g->used[c])
            g->bitmaps = LLVMBuildOr(m->b, g->bitmaps, f->cols[c].has_bitmap, "");
    LLVMValueRef fast = LLVMBuildNot(m->b, g->has_sel, "");
    return g->rejecting ? fast : LLVMBuildAnd(m->b, fast, LLVMBuildNot(m->b, g->bitmaps, ""), "");
}

/*
 * A block whose predicates kept few rows (at most 1 in SPARSE_SHARE): before the row
 * loop reads the kept rows' other columns, one prefetch per row and column the
 * predicates did not read.  Those rows lie far apart (TPC-H Q15's three months of
 * lineitem: ~1 row in 27, each DECIMAL 16 bytes), which the hardware prefetcher does not
 * follow, so the row loop would wait on every load in turn.  Not before a probe whose
 * pre-pass prefetches the rows' columns itself (cg_prepass_probe).
 */
#define SPARSE_SHARE 4

static void prefetch_sparse(cg_fn *f, block_gen *g, LLVMValueRef n, uint32_t first_op) {
    cg_module *m = f->m;
    if (cg_prepass_probe(f, first_op) != 0)
        return;
    uint32_t n_cols = 0;
    for (uint32_t c = 0; c < f->n_cols; c++)
        n_cols += !g->used[c] && f->cols[c].values != NULL &&
                  rt_type_width(f->pipe->ops[0]->types[c]) > 0;
    if (n_cols == 0)
        return;
    LLVMValueRef sparse = LLVMBuildICmp(
        m->b, LLVMIntULE, LLVMBuildMul(m->b, n, cg_i64(m, SPARSE_SHARE), ""), g->len, "sparse");
    LLVMBasicBlockRef pf = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block_prefetch");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block_prefetched");
    LLVMBuildCondBr(m->b, sparse, pf, done);
    LLVMPositionBuilderAtEnd(m->b, pf);
    block_loop l;
    loop_begin(f, &l, n, "block_pf");
    LLVMValueRef at = LLVMBuildGEP2(m->b, m->t_i32, g->out, &l.j, 1, "");
    LLVMValueRef row = LLVMBuildZExt(m->b, LLVMBuildLoad2(m->b, m->t_i32, at, ""), m->t_i64, "");
    for (uint32_t c = 0; c < f->n_cols; c++) {
        uint32_t w = rt_type_width(f->pipe->ops[0]->types[c]);
        if (g->used[c] || f->cols[c].values == NULL || w == 0)
            continue;
        LLVMValueRef off = LLVMBuildMul(m->b, row, cg_i64(m, w), "");
        cg_prefetch(m, LLVMBuildGEP2(m->b, m->t_i8, f->cols[c].values, &off, 1, ""));
    }
    loop_end(f, &l, true);
    LLVMBuildBr(m->b, done);
    LLVMMoveBasicBlockAfter(done, LLVMGetInsertBlock(m->b));
    LLVMPositionBuilderAtEnd(m->b, done);
}

/* The predicate loops of one block, then its row loop. */
static qe_status gen_block(cg_fn *f, block_gen *g, LLVMValueRef fast, const cg_block_plan *bp,
                           rt_error *err) {
    cg_module *m = f->m;
    LLVMValueRef err_var = cg_alloca(f, m->t_i1, "block_err");
    LLVMBuildStore(m->b, cg_i1(m, false), err_var);
    LLVMBasicBlockRef b_fast = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block_fast");
    LLVMBasicBlockRef b_check = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block_check");
    LLVMBasicBlockRef b_exact = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block_exact");
    LLVMBasicBlockRef b_rows = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block_rows");
    LLVMBuildCondBr(m->b, fast, b_fast, b_exact);
    LLVMPositionBuilderAtEnd(m->b, b_fast);
    f->err_var = err_var;
    qe_status st = gen_fast(f, g, bp, err);
    f->err_var = NULL;
    if (st != QE_OK)
        return st;
    LLVMBuildBr(m->b, b_check);
    LLVMMoveBasicBlockAfter(b_check, LLVMGetInsertBlock(m->b));
    LLVMPositionBuilderAtEnd(m->b, b_check);
    LLVMBuildCondBr(m->b, LLVMBuildLoad2(m->b, m->t_i1, err_var, "may_fail"), b_exact, b_rows);
    LLVMMoveBasicBlockAfter(b_exact, b_check);
    LLVMPositionBuilderAtEnd(m->b, b_exact);
    st = gen_exact(f, g, bp, err);
    if (st != QE_OK)
        return st;
    LLVMBuildBr(m->b, b_rows);
    LLVMMoveBasicBlockAfter(b_rows, LLVMGetInsertBlock(m->b));
    LLVMPositionBuilderAtEnd(m->b, b_rows);
    LLVMValueRef n = LLVMBuildLoad2(m->b, m->t_i64, g->n_var, "n_selected");
    prefetch_sparse(f, g, n, bp->first_op);
    return cg_row_loop(f, g->out, cg_i1(m, true), n, bp->first_op, err);
}

/* The blocked body; see cg_int.h. */
qe_status cg_block_body(cg_fn *f, LLVMValueRef sel, LLVMValueRef n_active, const cg_block_plan *bp,
                        rt_error *err) {
    cg_module *m = f->m;
    block_gen g = {.sel = sel};
    g.has_sel = LLVMBuildIsNotNull(m->b, sel, "has_sel");
    g.out = cg_alloca(f, LLVMArrayType2(m->t_i32, BLOCK_ROWS), "block_out");
    g.pass = cg_alloca(f, LLVMArrayType2(m->t_i8, BLOCK_ROWS), "block_pass");
    g.n_var = cg_alloca(f, m->t_i64, "block_n");
    g.used = calloc(f->n_cols + 1, 1);
    if (g.used == NULL)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    LLVMValueRef fast = fast_cond(f, &g, bp);
    LLVMValueRef start_var = cg_alloca(f, m->t_i64, "block_start");
    LLVMBuildStore(m->b, cg_i64(m, 0), start_var);
    LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block");
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "block_begin");
    LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "blocks_done");
    LLVMBuildBr(m->b, head);
    LLVMPositionBuilderAtEnd(m->b, head);
    g.start = LLVMBuildLoad2(m->b, m->t_i64, start_var, "start");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntULT, g.start, n_active, ""), body, exit);
    LLVMPositionBuilderAtEnd(m->b, body);
    LLVMValueRef next = LLVMBuildAdd(m->b, g.start, cg_i64(m, BLOCK_ROWS), "");
    LLVMValueRef end = LLVMBuildSelect(m->b, LLVMBuildICmp(m->b, LLVMIntULT, next, n_active, ""),
                                       next, n_active, "");
    g.len = LLVMBuildSub(m->b, end, g.start, "len");
    qe_status st = gen_block(f, &g, fast, bp, err);
    free(g.used);
    if (st != QE_OK)
        return st;
    LLVMBuildStore(m->b, next, start_var);
    LLVMBuildBr(m->b, head);
    LLVMMoveBasicBlockAfter(exit, LLVMGetInsertBlock(m->b));
    LLVMPositionBuilderAtEnd(m->b, exit);
    return QE_OK;
}
