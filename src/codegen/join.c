/*
 * join.c -- HASH_JOIN_PROBE and LIMIT inside a pipeline function's row loop.
 *
 * Probe, per row (the build side's table is read through rt_jit_join, fetched once per
 * morsel in the entry block by rt_jit_join_table):
 *   any key NULL   -> no match (MARK: the mark may be NULL)
 *   h = hash(keys)    (runtime/hash.c's chain, inlined for 8- and 16-byte values)
 *   e = buckets[h & mask]; b = salt bit of h set in e ? first row of e : end
 *   for b along links[b].next: links[b].hash == h, keys equal, residual TRUE ->
 *     a match: RIGHT/FULL/filter_build mark the build row, SINGLE raises 21000 on
 *     the second one, pair-emitting joins run the rest of the pipeline with the build
 *     columns loaded from row b (then continue the chain), SEMI/ANTI/MARK without a
 *     residual stop at the first match
 *   after the chain: LEFT/FULL/SINGLE run the rest with NULL build columns if no pair
 *     matched, SEMI/ANTI with the probe row if it did (not), MARK with the mark
 *     (several keys: rt_jit_mark_maybe says whether an unmatched row's is NULL)
 * The rest of the pipeline is generated once: the matched and the NULL-extended paths
 * store the build columns into allocas and meet in one block; where the rest ends
 * (or a later filter rejects the row) a flag says whether to continue the chain.
 * The pre-pass (cg_prepass_*): the row loop hashes and looks up the first probe's keys
 * a chunk at a time; rows without a chain are passed over in a tight loop when the
 * probe would emit nothing for them (pre_skip), and the columns of the rows with one
 * are prefetched; at the optimized tier chain rounds then walk the chunk's chains a hop
 * at a time, prefetching each next link and the build columns of the candidates.
 * LIMIT: rt_jit_limit_row counts each row reaching it and says whether it is in the
 * window.
 */
#include "cg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_ROW 0xFFFFFFFFu
#define HASH_SEED 0x51ed2701a3c5f3e9ULL /* runtime/hash.c */
#define XXH_P1 0x9E3779B185EBCA87ULL
#define XXH_P2 0xC2B2AE3D27D4EB4FULL
#define XXH_P3 0x165667B19E3779F9ULL
#define XXH_P4 0x85EBCA77C2B2AE63ULL
#define XXH_P5 0x27D4EB2F165667C5ULL

/* The generation state of one probe. */
typedef struct probe_gen {
    const plan_op *op;
    uint32_t op_idx;
    uint32_t n_in;        /* probe input columns */
    uint32_t n_build;     /* build columns */
    qe_type *build_types; /* n_build (malloc'd) */
    LLVMValueRef buckets; /* entry-block loads of the rt_jit_join */
    LLVMValueRef mask;
    LLVMValueRef links;
    LLVMValueRef matched;
    LLVMValueRef n_rows;
    LLVMValueRef n_null_rows;
    LLVMValueRef kfld[4];    /* kwords, kmin, kspan, kheads (key index: keyed_type) */
    LLVMValueRef indexed;    /* i1: the table has a key index (keyed_type), else NULL */
    cg_col *bcols;           /* n_build build columns (values/validity loaded in entry) */
    bool *bused;             /* n_build: loaded per pair (output or residual) */
    LLVMValueRef pf_keys;    /* rt_jit_join_prefetch's keys (constant i32 array), or NULL */
    uint32_t pf_nk;          /* its n_keys */
    LLVMValueRef pf_view;    /* the rt_jit_join alloca */
    LLVMValueRef pf_cursor;  /* alloca i64: next active entry to prefetch */
    LLVMValueRef pf_bound;   /* alloca i64: rows below it are prefetched */
    LLVMValueRef pf_probed;  /* alloca i64: rows that reached the probe in this morsel */
    LLVMValueRef *bval_var;  /* n_build allocas: build values of the pair to emit (a wide
                                one at the cheap tier: its low word) */
    LLVMValueRef *bhi_var;   /* n_build allocas (DECIMAL/HUGEINT at the cheap tier only):
                                the high words, so no i128 value (wide_build) */
    LLVMValueRef *bnull_var; /* n_build allocas: their null flags */
    LLVMValueRef *bat_var;   /* n_build allocas (VARCHAR only): the view's address in the
                                build column (NULL for a NULL-extended row: length 0) */
    const qe_type *in_types; /* n_in: the probe input's column types */
} probe_gen;

static qe_status nomem(rt_error *err) {
    return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
}

static LLVMValueRef c64(cg_module *m, uint64_t v) { return LLVMConstInt(m->t_i64, v, false); }

static LLVMValueRef rotl(cg_module *m, LLVMValueRef x, unsigned r) {
    LLVMValueRef hi = LLVMBuildShl(m->b, x, c64(m, r), "");
    return LLVMBuildOr(m->b, hi, LLVMBuildLShr(m->b, x, c64(m, 64 - r), ""), "");
}

/* x ^= x >> s[0]; x *= m1; x ^= x >> s[1]; x *= m2; x ^= x >> s[2]: the final mix
 * of xxhash64 and of murmur3's finalizer (rt_hash_mix8), by their constants. */
static LLVMValueRef avalanche(cg_module *m, LLVMValueRef x, uint64_t m1, uint64_t m2,
                              const unsigned s[3]) {
    LLVMBuilderRef b = m->b;
    x = LLVMBuildXor(b, x, LLVMBuildLShr(b, x, c64(m, s[0]), ""), "");
    x = LLVMBuildMul(b, x, c64(m, m1), "");
    x = LLVMBuildXor(b, x, LLVMBuildLShr(b, x, c64(m, s[1]), ""), "");
    x = LLVMBuildMul(b, x, c64(m, m2), "");
    return LLVMBuildXor(b, x, LLVMBuildLShr(b, x, c64(m, s[2]), ""), "h");
}

/* XXH64 of n 8-byte lanes (little-endian: an input of 8 * n < 32 bytes) with seed h
 * (xxhash's algorithm for such inputs: no stripes, one round per lane, avalanche). */
LLVMValueRef cg_xxh64_lanes(cg_module *m, const LLVMValueRef *lanes, unsigned n, LLVMValueRef h) {
    LLVMBuilderRef b = m->b;
    LLVMValueRef acc = LLVMBuildAdd(b, h, c64(m, XXH_P5 + 8 * n), "");
    for (unsigned i = 0; i < n; i++) {
        LLVMValueRef k1 = rotl(m, LLVMBuildMul(b, lanes[i], c64(m, XXH_P2), ""), 31);
        k1 = LLVMBuildMul(b, k1, c64(m, XXH_P1), "");
        acc = LLVMBuildXor(b, acc, k1, "");
        acc = LLVMBuildAdd(b, LLVMBuildMul(b, rotl(m, acc, 27), c64(m, XXH_P1), ""), c64(m, XXH_P4),
                           "");
    }
    return avalanche(m, acc, XXH_P2, XXH_P3, (const unsigned[3]){33, 29, 32});
}

/* rt_hash_mix8 (runtime/rt.h) of x onto h: murmur3's finalizer of x ^ h. */
static LLVMValueRef hash_mix8(cg_module *m, LLVMValueRef x, LLVMValueRef h) {
    LLVMValueRef t = LLVMBuildXor(m->b, x, h, "");
    return avalanche(m, t, RT_HASH_MIX_M1, RT_HASH_MIX_M2, (const unsigned[3]){33, 33, 33});
}

/* A key value as the 8 bytes the runtime hashes and compares: integers (DATE too)
 * sign-extended, BOOLEAN zero-extended, DOUBLE with -0.0 folded into 0.0 and one
 * canonical NaN (rt_hash_double_bits). */
static LLVMValueRef key_bits(cg_module *m, qe_type type, LLVMValueRef v) {
    switch (type) {
    case QE_TYPE_BOOLEAN: return LLVMBuildZExt(m->b, v, m->t_i64, "");
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: return LLVMBuildSExt(m->b, v, m->t_i64, "");
    case QE_TYPE_DOUBLE: {
        LLVMValueRef zero = LLVMBuildFCmp(m->b, LLVMRealOEQ, v, LLVMConstReal(m->t_f64, 0), "");
        LLVMValueRef nan = LLVMBuildFCmp(m->b, LLVMRealUNO, v, v, "");
        LLVMValueRef bits = LLVMBuildBitCast(m->b, v, m->t_i64, "");
        bits = LLVMBuildSelect(m->b, zero, c64(m, 0), bits, "");
        return LLVMBuildSelect(m->b, nan, c64(m, 0x7FF8000000000000ULL), bits, "");
    }
    default: return v;
    }
}

/* Whether a key type is hashed as 16 bytes (HUGEINT, DECIMAL, INTERVAL: i128 in
 * registers; intervals bitwise, as hash.c and join.c compare them). */
static bool wide_key(qe_type type) {
    return type == QE_TYPE_DECIMAL || type == QE_TYPE_HUGEINT || type == QE_TYPE_INTERVAL;
}

/* h chained with one non-NULL key value v, as rt_hash_vectors: 8 normalized bytes,
 * the 16 bytes of a wide value, or a VARCHAR's bytes (rt_jit_hash_string). */
/* The low word of a wide key's value; *hi its high word (from the cheap tier's words or
 * a 64-bit DECIMAL's i64 without an i128 value where v has them). */
static LLVMValueRef key_words(cg_module *m, cg_val v, LLVMValueRef *hi) {
    if (v.lo64 != NULL) {
        *hi = v.hi64;
        return v.lo64;
    }
    if (v.v64 != NULL) {
        *hi = LLVMBuildAShr(m->b, v.v64, c64(m, 63), "");
        return v.v64;
    }
    LLVMValueRef lo = LLVMBuildTrunc(m->b, v.v, m->t_i64, "");
    *hi = LLVMBuildTrunc(m->b, LLVMBuildLShr(m->b, v.v, LLVMConstInt(m->t_i128, 64, false), ""),
                         m->t_i64, "");
    return lo;
}

static LLVMValueRef key_hash(cg_fn *f, qe_type type, cg_val v, LLVMValueRef h) {
    cg_module *m = f->m;
    if (type == QE_TYPE_VARCHAR) {
        /* v.null: a NULL row's view may be stale (a producer's vector reused, its
         * buffers gone) and is read as the empty string; the probe hashes only
         * non-NULL keys (v.null false) */
        LLVMValueRef args[3] = {cg_str_ptr(f, v), cg_str_len(f, v), h};
        return cg_call_inline(m, CG_INLINE_HASH_STRING, args, 3);
    }
    if (wide_key(type)) {
        LLVMValueRef lanes[2];
        lanes[0] = key_words(m, v, &lanes[1]);
        return cg_xxh64_lanes(m, lanes, 2, h);
    }
    LLVMValueRef x = key_bits(m, type, v.v);
    return hash_mix8(m, x, h);
}

/* A morsel column's key value at row (pre-pass: read as not NULL, except that a
 * VARCHAR's NULL rows hash as the empty string: their views are not to be followed). */
static cg_val morsel_key(cg_fn *f, uint32_t col, LLVMValueRef row) {
    cg_module *m = f->m;
    qe_type type = f->pipe->ops[0]->types[col];
    cg_val v = {.null = cg_i1(m, false)};
    if (m->cheap && wide_key(type)) { /* in words: no i128 value */
        LLVMValueRef hi, lo = cg_load_words(m, f->cols[col].values, row, &hi);
        v = cg_val_from_words(m, lo, hi, v.null);
    } else {
        v.v = cg_load_value(m, type, f->cols[col].values, row);
    }
    if (type == QE_TYPE_VARCHAR) {
        v.at = LLVMBuildGEP2(m->b, m->t_i128, f->cols[col].values, &row, 1, "");
        v.vec = f->cols[col].vec;
        v.null = cg_morsel_null_at(f, col, row);
    }
    return v;
}

static bool emits_pairs(const plan_op *op) {
    plan_join_kind k = op->u.join.kind;
    return !op->u.join.filter_build &&
           (k == PLAN_JOIN_INNER || k == PLAN_JOIN_CROSS || k == PLAN_JOIN_LEFT ||
            k == PLAN_JOIN_FULL || k == PLAN_JOIN_SINGLE || k == PLAN_JOIN_RIGHT);
}

/* Marks a build column the residual reads (their types come from the residual too:
 * cg_probe_build_types). */
static void mark_residual(const plan_expr *col, void *ctx) {
    probe_gen *g = ctx;
    if (col->u.column >= g->n_in && col->u.column - g->n_in < g->n_build)
        g->bused[col->u.column - g->n_in] = true;
}

/* Allocates the per-probe arrays and works out the build columns' types and use. */
static qe_status init_probe(cg_fn *f, probe_gen *g, uint32_t k, const qe_type *in_types,
                            rt_error *err) {
    const plan_op *op = f->pipe->ops[k];
    g->op = op;
    g->op_idx = k;
    g->in_types = in_types;
    g->n_build = op->u.join.n_build_cols;
    size_t n = g->n_build ? g->n_build : 1;
    g->build_types = calloc(n, sizeof *g->build_types);
    g->bcols = calloc(n, sizeof *g->bcols);
    g->bval_var = calloc(n, sizeof *g->bval_var);
    g->bhi_var = calloc(n, sizeof *g->bhi_var);
    g->bnull_var = calloc(n, sizeof *g->bnull_var);
    g->bat_var = calloc(n, sizeof *g->bat_var);
    g->bused = calloc(n, sizeof *g->bused);
    if (!g->build_types || !g->bcols || !g->bval_var || !g->bhi_var || !g->bnull_var ||
        !g->bat_var || !g->bused)
        return nomem(err);
    cg_probe_build_types(op, g->n_in, in_types, g->build_types);
    bool all = emits_pairs(op);
    for (uint32_t c = 0; c < g->n_build; c++)
        g->bused[c] = all && cg_type_supported(g->build_types[c]);
    cg_expr_columns(op->u.join.residual, mark_residual, g);
    return QE_OK;
}

static void free_probe(probe_gen *g) {
    free(g->build_types);
    free(g->bcols);
    free(g->bval_var);
    free(g->bhi_var);
    free(g->bnull_var);
    free(g->bat_var);
    free(g->bused);
}

static LLVMBasicBlockRef block(cg_fn *f, const char *name) {
    return LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, name);
}

#define PF_CHUNK 256 /* rows per prefetch round: their buckets, then their first links */
#define PF_MAX_KEYS 16
#define PF_MIN_ROWS 32768 /* smaller build sides stay in the cache: no prefetching */
#define PF_MIN_SHARE 16   /* stop when fewer than 1 in 16 prefetched rows are probed */
#define PRE_HOPS 8        /* chain rounds of the pre-pass: hops prefetched per chain */
#define PRE_MAX_COLS 8    /* build columns the chain rounds prefetch at a candidate row */

/* A counted loop i = from .. to over an i64 alloca: begin leaves the builder in the
 * body (i is l->i), end closes the body and continues after the loop. */
typedef struct pf_loop {
    LLVMValueRef i_var;
    LLVMValueRef i;
    LLVMBasicBlockRef head, exit;
} pf_loop;

static void pf_loop_begin(cg_fn *g, pf_loop *l, LLVMValueRef from, LLVMValueRef to,
                          LLVMValueRef i_var) {
    cg_module *m = g->m;
    l->i_var = i_var;
    LLVMBuildStore(m->b, from, i_var);
    l->head = block(g, "pf_loop");
    LLVMBasicBlockRef body = block(g, "pf_body");
    l->exit = block(g, "pf_done");
    LLVMBuildBr(m->b, l->head);
    LLVMPositionBuilderAtEnd(m->b, l->head);
    l->i = LLVMBuildLoad2(m->b, m->t_i64, i_var, "");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntULT, l->i, to, ""), body, l->exit);
    LLVMPositionBuilderAtEnd(m->b, body);
}

/* Ends the loop (i + 1, back to the head): scalar, or vectorized with `vector`. */
static void pf_loop_end_as(cg_fn *g, pf_loop *l, bool vector) {
    cg_module *m = g->m;
    LLVMBuildStore(m->b, LLVMBuildAdd(m->b, l->i, cg_i64(m, 1), ""), l->i_var);
    LLVMValueRef back = LLVMBuildBr(m->b, l->head);
    if (vector)
        cg_loop_vector(m, back);
    else
        cg_loop_scalar(m, back);
    LLVMPositionBuilderAtEnd(m->b, l->exit);
}

static void pf_loop_end(cg_fn *g, pf_loop *l) { pf_loop_end_as(g, l, false); }

/* The row of active entry x: sel[x] or x (row_var: an i64 alloca). */
static LLVMValueRef row_at(cg_fn *g, LLVMValueRef has_sel, LLVMValueRef sel, LLVMValueRef x,
                           LLVMValueRef row_var) {
    cg_module *m = g->m;
    LLVMBasicBlockRef with_sel = block(g, "pf_sel"), done = block(g, "pf_row");
    LLVMBuildStore(m->b, x, row_var);
    LLVMBuildCondBr(m->b, has_sel, with_sel, done);
    LLVMPositionBuilderAtEnd(m->b, with_sel);
    LLVMValueRef sp = LLVMBuildGEP2(m->b, m->t_i32, sel, &x, 1, "");
    LLVMBuildStore(m->b, LLVMBuildZExt(m->b, LLVMBuildLoad2(m->b, m->t_i32, sp, ""), m->t_i64, ""),
                   row_var);
    LLVMBuildBr(m->b, done);
    LLVMPositionBuilderAtEnd(m->b, done);
    return LLVMBuildLoad2(m->b, m->t_i64, row_var, "");
}

/* The morsel column whose values column col of the input of ops[k] holds unchanged
 * (only PROJECT column references and probe columns in between: cg_trace_column also
 * looks through same-type casts, which may rescale a DECIMAL), or -1. */
static int64_t key_source(const plan_pipeline *p, uint32_t k, uint32_t col) {
    return cg_source_column(p, k, col);
}

/* The morsel column behind column col of the input of ops[k]; see cg_int.h. */
int64_t cg_source_column(const plan_pipeline *p, uint32_t k, uint32_t col) {
    for (uint32_t i = k; i-- > 1;) {
        const plan_op *op = p->ops[i];
        if (op->kind == PLAN_PHYS_HASH_JOIN_PROBE) {
            if (op->u.join.filter_build || col >= p->ops[i - 1]->n_cols)
                return -1;
        } else if (op->kind == PLAN_PHYS_PROJECT) {
            const plan_expr *e = op->u.project.exprs[col];
            if (e->kind != PLAN_EXPR_COLUMN)
                return -1;
            col = e->u.column;
        } else if (op->kind != PLAN_PHYS_FILTER && op->kind != PLAN_PHYS_LIMIT) {
            return -1;
        }
    }
    return col;
}

/* The first row of h's chain in buckets (i32), or NO_ROW if the salt bit of h is clear. */
static LLVMValueRef bucket_head(cg_module *m, LLVMValueRef buckets, LLVMValueRef mask,
                                LLVMValueRef h) {
    LLVMValueRef slot = LLVMBuildAnd(m->b, h, mask, "");
    LLVMValueRef e =
        LLVMBuildLoad2(m->b, m->t_i64, LLVMBuildGEP2(m->b, m->t_i64, buckets, &slot, 1, ""), "");
    LLVMValueRef salt = LLVMBuildShl(
        m->b, c64(m, 1), LLVMBuildAdd(m->b, LLVMBuildLShr(m->b, h, c64(m, 59), ""), c64(m, 32), ""),
        "");
    LLVMValueRef hit =
        LLVMBuildICmp(m->b, LLVMIntNE, LLVMBuildAnd(m->b, e, salt, ""), c64(m, 0), "");
    LLVMValueRef first = LLVMBuildTrunc(m->b, e, m->t_i32, "");
    return LLVMBuildSelect(m->b, hit, first, cg_i32(m, NO_ROW), "");
}

/* Positions the builder at the end of the entry block (before its terminator, if it
 * has one): values computed once per morsel. */
static void at_entry(cg_fn *f) {
    LLVMValueRef term = LLVMGetBasicBlockTerminator(f->entry);
    if (term)
        LLVMPositionBuilderBefore(f->m->b, term);
    else
        LLVMPositionBuilderAtEnd(f->m->b, f->entry);
}

/* Whether a probe of op may find a key index on its table (join.c's index_keys: one
 * integer key). */
static bool keyed_type(const plan_op *op, const qe_type *in_types) {
    return op->u.join.n_keys == 1 && rt_key_index_type(in_types[op->u.join.probe_keys[0]]);
}

/* The set bits of x (i64): llvm.ctpop, or at the cheap tier (whose fast instruction
 * selection has no ctpop) rt_popcount64's bit arithmetic. */
static LLVMValueRef popcount64(cg_module *m, LLVMValueRef x) {
    if (!m->cheap) {
        unsigned id = LLVMLookupIntrinsicID("llvm.ctpop", 10);
        LLVMTypeRef t = m->t_i64;
        return LLVMBuildCall2(m->b, LLVMIntrinsicGetType(m->ctx, id, &t, 1),
                              LLVMGetIntrinsicDeclaration(m->mod, id, &t, 1), &x, 1, "");
    }
    LLVMBuilderRef b = m->b;
    x = LLVMBuildSub(
        b, x,
        LLVMBuildAnd(b, LLVMBuildLShr(b, x, c64(m, 1), ""), c64(m, 0x5555555555555555ULL), ""), "");
    x = LLVMBuildAdd(
        b, LLVMBuildAnd(b, x, c64(m, 0x3333333333333333ULL), ""),
        LLVMBuildAnd(b, LLVMBuildLShr(b, x, c64(m, 2), ""), c64(m, 0x3333333333333333ULL), ""), "");
    x = LLVMBuildAnd(b, LLVMBuildAdd(b, x, LLVMBuildLShr(b, x, c64(m, 4), ""), ""),
                     c64(m, 0x0F0F0F0F0F0F0F0FULL), "");
    return LLVMBuildLShr(b, LLVMBuildMul(b, x, c64(m, 0x0101010101010101ULL), ""), c64(m, 56), "");
}

/* The first row of a chain (i32, NO_ROW for none): with a key index (k: its fields,
 * CG_JOIN_KWORDS order; kwords not NULL) the first row with key value key (i64,
 * sign-extended: rt_key_index_head), else the bucket's of hash h. */
static LLVMValueRef table_head(cg_fn *f, const LLVMValueRef k[4], LLVMValueRef buckets,
                               LLVMValueRef mask, LLVMValueRef key, LLVMValueRef h) {
    cg_module *m = f->m;
    LLVMBasicBlockRef idx = block(f, "kidx"), look = block(f, "kidx_word");
    LLVMBasicBlockRef hit = block(f, "kidx_hit"), bkt = block(f, "bucket");
    LLVMBasicBlockRef join = block(f, "head");
    LLVMBuildCondBr(m->b, LLVMBuildIsNotNull(m->b, k[0], ""), idx, bkt);
    LLVMPositionBuilderAtEnd(m->b, idx);
    LLVMValueRef off = LLVMBuildSub(m->b, key, k[1], "koff");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntULT, off, k[2], ""), look, join);
    LLVMPositionBuilderAtEnd(m->b, look);
    LLVMValueRef wi = LLVMBuildLShr(m->b, off, c64(m, 6), "");
    LLVMValueRef w = LLVMBuildGEP2(m->b, LLVMArrayType2(m->t_i64, 2), k[0], &wi, 1, "kword");
    LLVMValueRef bits = LLVMBuildLoad2(m->b, m->t_i64, w, "kbits");
    LLVMValueRef one = c64(m, 1);
    LLVMValueRef rank =
        LLVMBuildLoad2(m->b, m->t_i64, LLVMBuildGEP2(m->b, m->t_i64, w, &one, 1, ""), "krank");
    LLVMValueRef bit = LLVMBuildAnd(m->b, off, c64(m, 63), "");
    LLVMValueRef set = LLVMBuildTrunc(m->b, LLVMBuildLShr(m->b, bits, bit, ""), m->t_i1, "");
    LLVMBuildCondBr(m->b, set, hit, join);
    LLVMPositionBuilderAtEnd(m->b, hit);
    LLVMValueRef below =
        LLVMBuildAnd(m->b, bits, LLVMBuildSub(m->b, LLVMBuildShl(m->b, one, bit, ""), one, ""), "");
    LLVMValueRef r = LLVMBuildAdd(m->b, rank, popcount64(m, below), "");
    LLVMValueRef first =
        LLVMBuildLoad2(m->b, m->t_i32, LLVMBuildGEP2(m->b, m->t_i32, k[3], &r, 1, ""), "khead");
    LLVMBuildBr(m->b, join);
    LLVMPositionBuilderAtEnd(m->b, bkt);
    LLVMValueRef bfirst = bucket_head(m, buckets, mask, h);
    LLVMBasicBlockRef bkt_end = LLVMGetInsertBlock(m->b);
    LLVMBuildBr(m->b, join);
    LLVMPositionBuilderAtEnd(m->b, join);
    LLVMValueRef phi = LLVMBuildPhi(m->b, m->t_i32, "first");
    LLVMValueRef vals[4] = {cg_i32(m, NO_ROW), cg_i32(m, NO_ROW), first, bfirst};
    LLVMBasicBlockRef froms[4] = {idx, look, hit, bkt_end};
    LLVMAddIncoming(phi, vals, froms, 4);
    return phi;
}

/* The %rt_jit_join alloca of the probe at op_idx, filled by rt_jit_join_table: one call
 * per function, at the end of the entry block (the table does not change while the
 * pipeline runs), shared through f->join_views; the builder stays where it was (in the
 * entry block, or at the end of another block). */
static LLVMValueRef join_view(cg_fn *f, uint32_t op_idx) {
    cg_module *m = f->m;
    if (f->join_views != NULL && f->join_views[op_idx] != NULL)
        return f->join_views[op_idx];
    LLVMBasicBlockRef at = LLVMGetInsertBlock(m->b);
    if (at != f->entry)
        at_entry(f);
    LLVMValueRef view = cg_alloca(f, m->t_join, "join");
    LLVMValueRef args[3] = {f->ts, cg_i32(m, op_idx), view};
    cg_call_helper(m, CG_HELPER_JOIN_TABLE, args, 3);
    if (at != f->entry)
        LLVMPositionBuilderAtEnd(m->b, at);
    if (f->join_views != NULL)
        f->join_views[op_idx] = view;
    return view;
}

/* At the builder's position: the fields of the %rt_jit_join of the probe at op_idx
 * (join_view; CG_JOIN_* order) into fld; returns the %rt_jit_join alloca. */
static LLVMValueRef table_fields(cg_fn *f, uint32_t op_idx, LLVMValueRef fld[CG_JOIN_N_FIELDS]) {
    cg_module *m = f->m;
    LLVMValueRef view = join_view(f, op_idx);
    LLVMTypeRef ft[CG_JOIN_N_FIELDS] = {m->t_ptr, m->t_i64, m->t_ptr, m->t_ptr, m->t_ptr, m->t_i32,
                                        m->t_i32, m->t_ptr, m->t_i64, m->t_i64, m->t_ptr};
    for (unsigned i = 0; i < CG_JOIN_N_FIELDS; i++)
        fld[i] = LLVMBuildLoad2(m->b, ft[i], LLVMBuildStructGEP2(m->b, m->t_join, view, i, ""), "");
    return view;
}

#define DESC_MAX (5 + PRE_MAX_COLS + RT_JIT_CHAINS_MAX_ROW_COLS) /* i32s of a descriptor */

/* A private constant [n x i32] global holding v (n <= DESC_MAX): the descriptor of an
 * rt_jit_* call. */
static LLVMValueRef const_u32s(cg_module *m, const uint32_t *v, uint32_t n, const char *name) {
    LLVMValueRef elems[DESC_MAX];
    for (uint32_t i = 0; i < n; i++)
        elems[i] = cg_i32(m, v[i]);
    LLVMValueRef g = cg_const_global(m, LLVMConstArray2(m->t_i32, elems, n), name);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    return g;
}

/* Whether rt_jit_join_prefetch hashes a morsel key column of this type. */
static bool prefetch_type(qe_type t) {
    switch (t) {
    case QE_TYPE_BOOLEAN:
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE:
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP:
    case QE_TYPE_DOUBLE: return true;
    default: return false;
    }
}

/*
 * The probe's prefetch rounds (rt_jit_join_prefetch, precompiled), set up when every
 * probe key is a fixed-width morsel column.  The probe calls it when the row reaches
 * the bound: it skips the active entries before `row` (an earlier filter dropped them),
 * then for the next 256 active rows hashes the keys and prefetches their buckets, then
 * reads the buckets and prefetches the first link of each chain the salt lets through
 * and that row's first key value -- so the chain walks of the next rows mostly hit the
 * cache, and morsels of any size keep the prefetched lines close to their use.  It
 * returns the row of the next unprefetched entry (UINT64_MAX at the end).  Rows with
 * NULL keys prefetch harmlessly.  Build sides of fewer than PF_MIN_ROWS rows are not
 * prefetched, and a morsel stops prefetching when fewer than 1 in PF_MIN_SHARE of its
 * prefetched rows reached the probe.
 */
static void gen_prefetch(cg_fn *f, probe_gen *g, LLVMValueRef view) {
    cg_module *m = f->m;
    const plan_op *op = g->op;
    uint32_t nk = op->u.join.n_keys;
    uint32_t keys[DESC_MAX];
    if (nk == 0 || nk > PF_MAX_KEYS)
        return;
    for (uint32_t j = 0; j < nk; j++) {
        int64_t src = key_source(f->pipe, g->op_idx, op->u.join.probe_keys[j]);
        if (src < 0 || !prefetch_type(f->pipe->ops[0]->types[src]))
            return; /* the pre-pass hashes VARCHAR and wide keys */
        keys[j] = (uint32_t)src;
    }
    keys[nk] = op->u.join.build_keys[0];
    LLVMBasicBlockRef at = LLVMGetInsertBlock(m->b);
    g->pf_keys = const_u32s(m, keys, nk + 1, "pf_keys");
    g->pf_nk = nk;
    /* per morsel: the cursor and bound start at 0 (entry block) */
    at_entry(f);
    g->pf_cursor = cg_alloca(f, m->t_i64, "pf_cursor");
    g->pf_bound = cg_alloca(f, m->t_i64, "pf_bound");
    g->pf_probed = cg_alloca(f, m->t_i64, "pf_probed");
    LLVMBuildStore(m->b, cg_i64(m, 0), g->pf_cursor);
    LLVMBuildStore(m->b, cg_i64(m, 0), g->pf_probed);
    /* a table this small stays in the cache: no prefetching (bound: no row reaches it) */
    LLVMValueRef small = LLVMBuildICmp(m->b, LLVMIntULT, g->n_rows, cg_i32(m, PF_MIN_ROWS), "");
    LLVMBuildStore(m->b, LLVMBuildSelect(m->b, small, c64(m, UINT64_MAX), cg_i64(m, 0), ""),
                   g->pf_bound);
    g->pf_view = view;
    LLVMPositionBuilderAtEnd(m->b, at);
}

/* At the probe of row f->row: the next prefetch round once the row reaches the bound,
 * unless too few of the rows prefetched so far reached the probe. */
static void call_prefetch(cg_fn *f, probe_gen *g) {
    cg_module *m = f->m;
    if (g->pf_keys == NULL)
        return;
    LLVMValueRef probed = LLVMBuildAdd(m->b, LLVMBuildLoad2(m->b, m->t_i64, g->pf_probed, ""),
                                       cg_i64(m, 1), "probed");
    LLVMBuildStore(m->b, probed, g->pf_probed);
    LLVMValueRef bound = LLVMBuildLoad2(m->b, m->t_i64, g->pf_bound, "pf_bound");
    LLVMBasicBlockRef check = block(f, "prefetch_check"), call = block(f, "prefetch");
    LLVMBasicBlockRef stop = block(f, "prefetch_stop"), cont = block(f, "prefetched");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntUGE, f->row, bound, ""), check, cont);
    /* fewer than 1 in PF_MIN_SHARE prefetched rows reached the probe (a selective
     * filter before it): stop prefetching for this morsel */
    LLVMPositionBuilderAtEnd(m->b, check);
    LLVMValueRef done = LLVMBuildLoad2(m->b, m->t_i64, g->pf_cursor, "");
    LLVMValueRef few = LLVMBuildICmp(
        m->b, LLVMIntULT, LLVMBuildMul(m->b, probed, cg_i64(m, PF_MIN_SHARE), ""), done, "");
    LLVMBuildCondBr(m->b, few, stop, call);
    LLVMPositionBuilderAtEnd(m->b, stop);
    LLVMBuildStore(m->b, c64(m, UINT64_MAX), g->pf_bound);
    LLVMBuildBr(m->b, cont);
    LLVMPositionBuilderAtEnd(m->b, call);
    LLVMValueRef args[6] = {f->morsel, g->pf_view, g->pf_cursor,
                            f->row,    g->pf_keys, cg_i32(m, g->pf_nk)};
    LLVMBuildStore(m->b, cg_call_helper(m, CG_HELPER_JOIN_PREFETCH, args, 6), g->pf_bound);
    LLVMBuildBr(m->b, cont);
    LLVMPositionBuilderAtEnd(m->b, cont);
}

/* Entry block (before its terminator): the table of this probe and its columns. */
static void load_table(cg_fn *f, probe_gen *g) {
    cg_module *m = f->m;
    LLVMBasicBlockRef at = LLVMGetInsertBlock(m->b);
    at_entry(f);
    LLVMValueRef fld[CG_JOIN_N_FIELDS];
    LLVMValueRef view = table_fields(f, g->op_idx, fld);
    g->buckets = fld[CG_JOIN_BUCKETS];
    g->mask = fld[CG_JOIN_MASK];
    g->links = fld[CG_JOIN_LINKS];
    g->matched = fld[CG_JOIN_MATCHED];
    g->n_rows = fld[CG_JOIN_N_ROWS];
    g->n_null_rows = fld[CG_JOIN_N_NULL_ROWS];
    if (keyed_type(g->op, g->in_types)) {
        for (uint32_t i = 0; i < 4; i++)
            g->kfld[i] = fld[CG_JOIN_KWORDS + i];
        g->indexed = LLVMBuildIsNotNull(m->b, g->kfld[0], "indexed");
    }
    for (uint32_t c = 0; c < g->n_build; c++) {
        cg_col *bc = &g->bcols[c];
        bc->vec = cg_vector_at(m, fld[CG_JOIN_COLS], cg_i64(m, c));
        bool key = false;
        for (uint32_t j = 0; j < g->op->u.join.n_keys; j++)
            key |= g->op->u.join.build_keys[j] == c;
        if (!g->bused[c] && !key)
            continue;
        bc->values = cg_load_vector_field(m, bc->vec, CG_VEC_VALUES);
        LLVMValueRef bitmap = cg_load_vector_field(m, bc->vec, CG_VEC_VALIDITY);
        bc->has_bitmap = LLVMBuildIsNotNull(m->b, bitmap, "");
        const bool *no_nulls = g->op->u.join.build_no_nulls;
        if (no_nulls != NULL && no_nulls[c] && f->decline_br != NULL) {
            /* a scan's NULL-free column (opt_mark_no_nulls): read without its bitmap, the
             * morsel declined if the table has one after all */
            cg_decline_if(f, bc->has_bitmap);
            bc->has_bitmap = cg_i1(m, false);
            bitmap = LLVMConstNull(m->t_ptr);
        }
        bc->validity = /* cheap tier: as the morsel's columns (cg_col) */
            m->cheap ? bitmap : LLVMBuildSelect(m->b, bc->has_bitmap, bitmap, m->all_valid, "");
    }
    LLVMPositionBuilderAtEnd(m->b, at);
    if (f->pre_op != g->op_idx && !m->cheap)
        gen_prefetch(f, g, view);
}

/* Whether build column c is held in two i64 words (the cheap tier's DECIMAL/HUGEINT, as
 * a morsel column's: fast instruction selection selects no i128 load, store or phi). */
static bool wide_build(const cg_module *m, const probe_gen *g, uint32_t c) {
    return m->cheap &&
           (g->build_types[c] == QE_TYPE_DECIMAL || g->build_types[c] == QE_TYPE_HUGEINT);
}

/* Value of build column c at build row bi (i64); in words when wide_build. */
static cg_val build_value(cg_fn *f, const probe_gen *g, uint32_t c, LLVMValueRef bi) {
    cg_module *m = f->m;
    const cg_col *bc = &g->bcols[c];
    qe_type t = g->build_types[c];
    cg_val v = {0};
    if (wide_build(m, g, c)) {
        LLVMValueRef hi, lo = cg_load_words(m, bc->values, bi, &hi);
        v = cg_val_from_words(m, lo, hi, NULL);
    } else {
        v.v = cg_load_value(m, t, bc->values, bi);
    }
    if (g->build_types[c] == QE_TYPE_VARCHAR) { /* where cg_str_ptr finds the bytes */
        v.at = LLVMBuildGEP2(m->b, m->t_i128, bc->values, &bi, 1, "bview");
        v.vec = bc->vec;
    }
    LLVMValueRef byte_idx, mask = cg_row_bit(m, bi, &byte_idx);
    LLVMValueRef p;
    if (m->cheap) {
        p = LLVMBuildGEP2(m->b, m->t_i8, bc->validity, &byte_idx, 1, "");
        p = LLVMBuildSelect(m->b, bc->has_bitmap, p, m->all_valid, "");
    } else {
        LLVMValueRef idx = LLVMBuildSelect(m->b, bc->has_bitmap, byte_idx, cg_i64(m, 0), "");
        p = LLVMBuildGEP2(m->b, m->t_i8, bc->validity, &idx, 1, "");
    }
    LLVMValueRef byte = LLVMBuildAnd(m->b, LLVMBuildLoad2(m->b, m->t_i8, p, ""), mask, "");
    v.null = LLVMBuildICmp(m->b, LLVMIntEQ, byte, LLVMConstInt(m->t_i8, 0, false), "bnull");
    return v;
}

static bool marks_build(const plan_op *op) {
    return op->u.join.filter_build || op->u.join.kind == PLAN_JOIN_FULL ||
           op->u.join.kind == PLAN_JOIN_RIGHT;
}

/* h = the hash of the (non-NULL) probe keys, as rt_hash_vectors computes it. */
static LLVMValueRef probe_hash(cg_fn *f, const probe_gen *g, const cg_val *in,
                               const qe_type *in_types) {
    cg_module *m = f->m;
    LLVMValueRef h = c64(m, HASH_SEED);
    for (uint32_t j = 0; j < g->op->u.join.n_keys; j++) {
        uint32_t c = g->op->u.join.probe_keys[j];
        cg_val k = in[c];
        k.null = cg_i1(m, false); /* the row's keys are not NULL here */
        h = key_hash(f, in_types[c], k, h);
    }
    return h;
}

/* Branches to `equal` if the probe keys equal build row bi's, else to `differ`. */
static void compare_keys(cg_fn *f, const probe_gen *g, const cg_val *in, const qe_type *in_types,
                         LLVMValueRef bi, LLVMBasicBlockRef equal, LLVMBasicBlockRef differ) {
    cg_module *m = f->m;
    for (uint32_t j = 0; j < g->op->u.join.n_keys; j++) {
        uint32_t pc = g->op->u.join.probe_keys[j], bc = g->op->u.join.build_keys[j];
        qe_type t = in_types[pc];
        LLVMValueRef eq;
        if (m->cheap && wide_key(t)) { /* in words: no i128 value */
            LLVMValueRef bhi, blo = cg_load_words(m, g->bcols[bc].values, bi, &bhi);
            LLVMValueRef ahi, alo = key_words(m, in[pc], &ahi);
            eq = LLVMBuildAnd(m->b, LLVMBuildICmp(m->b, LLVMIntEQ, alo, blo, ""),
                              LLVMBuildICmp(m->b, LLVMIntEQ, ahi, bhi, ""), "");
        } else if (t == QE_TYPE_DOUBLE) {
            LLVMValueRef bv = cg_load_value(m, t, g->bcols[bc].values, bi);
            eq = LLVMBuildICmp(m->b, LLVMIntEQ, key_bits(m, t, in[pc].v), key_bits(m, t, bv), "");
        } else if (t == QE_TYPE_VARCHAR) {
            LLVMValueRef bv = cg_load_value(m, t, g->bcols[bc].values, bi);
            /* length and prefix (a computed string's view holds only its length), then
             * the bytes */
            LLVMTypeRef ht = in[pc].str != NULL ? m->t_i32 : m->t_i64;
            LLVMValueRef head =
                LLVMBuildICmp(m->b, LLVMIntEQ, LLVMBuildTrunc(m->b, in[pc].v, ht, ""),
                              LLVMBuildTrunc(m->b, bv, ht, ""), "");
            LLVMBasicBlockRef bytes = block(f, "key_bytes");
            LLVMBuildCondBr(m->b, head, bytes, differ);
            LLVMPositionBuilderAtEnd(m->b, bytes);
            cg_val a = in[pc], b = {.v = bv, .null = cg_i1(m, false), .vec = g->bcols[bc].vec};
            a.null = b.null;
            b.at = LLVMBuildGEP2(m->b, m->t_i128, g->bcols[bc].values, &bi, 1, "");
            LLVMValueRef args[4] = {cg_str_ptr(f, a), cg_str_len(f, a), cg_str_ptr(f, b),
                                    cg_str_len(f, b)};
            eq = LLVMBuildICmp(m->b, LLVMIntNE, cg_call_inline(m, CG_INLINE_STR_EQ, args, 4),
                               cg_i32(m, 0), "");
        } else {
            LLVMValueRef bv = cg_load_value(m, t, g->bcols[bc].values, bi);
            eq = LLVMBuildICmp(m->b, LLVMIntEQ, in[pc].v, bv, "");
        }
        if (j + 1 == g->op->u.join.n_keys) { /* the last key decides */
            LLVMBuildCondBr(m->b, eq, equal, differ);
            return;
        }
        LLVMBasicBlockRef next = block(f, "key_eq");
        LLVMBuildCondBr(m->b, eq, next, differ);
        LLVMPositionBuilderAtEnd(m->b, next);
    }
    LLVMBuildBr(m->b, equal);
}

/* Sets matched[bi] (relaxed atomic byte store; filter_build without a residual loads
 * first, as the interpreter does, to keep the cache line shared). */
static void mark_build_row(cg_fn *f, const probe_gen *g, LLVMValueRef bi) {
    cg_module *m = f->m;
    LLVMValueRef p = LLVMBuildGEP2(m->b, m->t_i8, g->matched, &bi, 1, "");
    LLVMValueRef old = LLVMBuildLoad2(m->b, m->t_i8, p, "");
    LLVMSetOrdering(old, LLVMAtomicOrderingMonotonic);
    LLVMSetAlignment(old, 1);
    LLVMBasicBlockRef set = block(f, "mark_build");
    LLVMBasicBlockRef cont = block(f, "marked");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntEQ, old, LLVMConstInt(m->t_i8, 0, false), ""),
                    set, cont);
    LLVMPositionBuilderAtEnd(m->b, set);
    LLVMValueRef st = LLVMBuildStore(m->b, LLVMConstInt(m->t_i8, 1, false), p);
    LLVMSetOrdering(st, LLVMAtomicOrderingMonotonic);
    LLVMSetAlignment(st, 1);
    LLVMBuildBr(m->b, cont);
    LLVMPositionBuilderAtEnd(m->b, cont);
}

/* Runs the rest of the pipeline (ops after the probe) on out; continues with `cont`. */
static qe_status rest(cg_fn *f, const probe_gen *g, const cg_val *out, uint32_t n_out,
                      LLVMBasicBlockRef cont, rt_error *err) {
    LLVMBasicBlockRef saved = f->skip;
    f->skip = cont;
    qe_status st = cg_gen_ops_from(f, g->op_idx + 1, out, n_out, err);
    if (st == QE_OK)
        LLVMBuildBr(f->m->b, cont);
    f->skip = saved;
    return st;
}

/* The emit block of pair-emitting joins: probe values plus the build values stored in
 * the allocas by the matched or the NULL-extended path. */
static qe_status gen_emit(cg_fn *f, probe_gen *g, const cg_val *in, LLVMBasicBlockRef emit,
                          LLVMBasicBlockRef resume, rt_error *err) {
    cg_module *m = f->m;
    uint32_t n_out = g->n_in + g->n_build;
    cg_val *out = calloc(n_out ? n_out : 1, sizeof *out);
    if (out == NULL)
        return nomem(err);
    memcpy(out, in, sizeof *out * g->n_in);
    LLVMPositionBuilderAtEnd(m->b, emit);
    for (uint32_t c = 0; c < g->n_build; c++) {
        if (g->bval_var[c] == NULL)
            continue;
        LLVMValueRef null = LLVMBuildLoad2(m->b, m->t_i1, g->bnull_var[c], "");
        if (g->bhi_var[c] != NULL)
            out[g->n_in + c] =
                cg_val_from_words(m, LLVMBuildLoad2(m->b, m->t_i64, g->bval_var[c], ""),
                                  LLVMBuildLoad2(m->b, m->t_i64, g->bhi_var[c], ""), null);
        else
            out[g->n_in + c].v =
                LLVMBuildLoad2(m->b, cg_reg_type(m, g->build_types[c]), g->bval_var[c], "");
        out[g->n_in + c].null = null;
        if (g->bat_var[c] != NULL) {
            out[g->n_in + c].at = LLVMBuildLoad2(m->b, m->t_ptr, g->bat_var[c], "");
            out[g->n_in + c].vec = g->bcols[c].vec;
        }
    }
    qe_status st = rest(f, g, out, n_out, resume, err);
    free(out);
    return st;
}

/* Stores the build values of a pair (bi) or NULLs (bi == NULL) for the emit block. */
static void store_build(cg_fn *f, const probe_gen *g, const cg_val *bvals) {
    cg_module *m = f->m;
    for (uint32_t c = 0; c < g->n_build; c++) {
        if (g->bval_var[c] == NULL)
            continue;
        LLVMTypeRef t = cg_reg_type(m, g->build_types[c]);
        if (g->bhi_var[c] != NULL) {
            LLVMBuildStore(m->b, bvals ? bvals[c].lo64 : cg_i64(m, 0), g->bval_var[c]);
            LLVMBuildStore(m->b, bvals ? bvals[c].hi64 : cg_i64(m, 0), g->bhi_var[c]);
        } else {
            LLVMBuildStore(m->b, bvals ? bvals[c].v : LLVMConstNull(t), g->bval_var[c]);
        }
        LLVMBuildStore(m->b, bvals ? bvals[c].null : cg_i1(m, true), g->bnull_var[c]);
        if (g->bat_var[c] != NULL)
            LLVMBuildStore(m->b, bvals ? bvals[c].at : m->null_view, g->bat_var[c]);
    }
}

/* A MARK probe with several keys, after the chain: maybe, or, for a row that matched
 * nothing with a NULL key or a build side with NULL-key rows, rt_jit_mark_maybe's
 * answer on the row's keys (16-byte slots: the value as in a vector, a VARCHAR's bytes
 * pointer and length) and NULL flags. */
static LLVMValueRef mark_maybe(cg_fn *f, const probe_gen *g, const cg_val *in, LLVMValueRef matched,
                               LLVMValueRef maybe) {
    cg_module *m = f->m;
    const plan_op *op = g->op;
    uint32_t nk = op->u.join.n_keys;
    LLVMValueRef any_null = cg_i1(m, false);
    for (uint32_t j = 0; j < nk; j++)
        any_null = cg_or1(m, any_null, in[op->u.join.probe_keys[j]].null);
    LLVMValueRef ask = LLVMBuildOr(
        m->b, any_null, LLVMBuildICmp(m->b, LLVMIntNE, g->n_null_rows, cg_i32(m, 0), ""), "");
    ask =
        LLVMBuildAnd(m->b, ask, LLVMBuildNot(m->b, LLVMBuildOr(m->b, matched, maybe, ""), ""), "");
    LLVMBasicBlockRef from = LLVMGetInsertBlock(m->b);
    LLVMBasicBlockRef call = block(f, "mark_maybe"), known = block(f, "mark_known");
    LLVMBuildCondBr(m->b, ask, call, known);
    LLVMPositionBuilderAtEnd(m->b, call);
    LLVMValueRef slots = cg_alloca(f, LLVMArrayType2(m->t_i128, nk), "mark_keys");
    LLVMSetAlignment(slots, 16);
    LLVMValueRef nulls = cg_alloca(f, LLVMArrayType2(m->t_i8, nk), "mark_nulls");
    for (uint32_t j = 0; j < nk; j++) {
        uint32_t c = op->u.join.probe_keys[j];
        cg_val v = in[c];
        LLVMValueRef jj = cg_i64(m, j);
        LLVMValueRef slot = LLVMBuildGEP2(m->b, m->t_i128, slots, &jj, 1, "");
        LLVMBuildStore(m->b, LLVMBuildZExt(m->b, v.null, m->t_i8, ""),
                       LLVMBuildGEP2(m->b, m->t_i8, nulls, &jj, 1, ""));
        if (g->in_types[c] != QE_TYPE_VARCHAR) {
            cg_store_value(m, g->in_types[c], slot, cg_i64(m, 0), v);
            continue;
        }
        /* a NULL's view may be anything: read as the empty string */
        v.v = LLVMBuildSelect(m->b, v.null, LLVMConstNull(LLVMTypeOf(v.v)), v.v, "");
        v.null = cg_i1(m, false);
        LLVMBuildStore(m->b, cg_str_ptr(f, v), slot);
        LLVMValueRef eight = cg_i64(m, 8);
        LLVMBuildStore(m->b, cg_str_len(f, v), LLVMBuildGEP2(m->b, m->t_i8, slot, &eight, 1, ""));
    }
    LLVMValueRef args[4] = {f->ts, cg_i32(m, g->op_idx), slots, nulls};
    LLVMValueRef r = cg_call_helper(m, CG_HELPER_MARK_MAYBE, args, 4);
    LLVMValueRef asked = LLVMBuildICmp(m->b, LLVMIntNE, r, cg_i32(m, 0), "");
    LLVMBasicBlockRef call_end = LLVMGetInsertBlock(m->b);
    LLVMBuildBr(m->b, known);
    LLVMPositionBuilderAtEnd(m->b, known);
    return cg_phi2(m, m->t_i1, "maybe", maybe, from, asked, call_end);
}

/* After the chain: the NULL-extended row, the SEMI/ANTI row or the MARK row. */
static qe_status gen_after(cg_fn *f, probe_gen *g, const cg_val *in, LLVMValueRef matched_var,
                           LLVMValueRef maybe_var, LLVMValueRef in_chain_var,
                           LLVMBasicBlockRef emit, LLVMBasicBlockRef done, rt_error *err) {
    cg_module *m = f->m;
    const plan_op *op = g->op;
    LLVMValueRef matched = LLVMBuildLoad2(m->b, m->t_i1, matched_var, "matched");
    if (op->u.join.filter_build) {
        LLVMBuildBr(m->b, done);
        return QE_OK;
    }
    switch (op->u.join.kind) {
    case PLAN_JOIN_LEFT:
    case PLAN_JOIN_FULL:
    case PLAN_JOIN_SINGLE: {
        LLVMBasicBlockRef pad = block(f, "null_extend");
        LLVMBuildCondBr(m->b, matched, done, pad);
        LLVMPositionBuilderAtEnd(m->b, pad);
        store_build(f, g, NULL);
        LLVMBuildStore(m->b, cg_i1(m, false), in_chain_var);
        LLVMBuildBr(m->b, emit);
        return QE_OK;
    }
    case PLAN_JOIN_SEMI:
    case PLAN_JOIN_ANTI: {
        LLVMBasicBlockRef pass = block(f, "semi_pass");
        bool semi = op->u.join.kind == PLAN_JOIN_SEMI;
        LLVMBuildCondBr(m->b, matched, semi ? pass : done, semi ? done : pass);
        LLVMPositionBuilderAtEnd(m->b, pass);
        return rest(f, g, in, g->n_in, done, err);
    }
    case PLAN_JOIN_MARK: {
        cg_val *out = calloc(g->n_in + 1, sizeof *out);
        if (out == NULL)
            return nomem(err);
        memcpy(out, in, sizeof *out * g->n_in);
        /* one key: a build row with a NULL key makes every unmatched mark NULL; several:
           rt_jit_mark_maybe looks for a build row comparing to NULL */
        LLVMValueRef maybe = LLVMBuildLoad2(m->b, m->t_i1, maybe_var, "");
        if (op->u.join.n_keys == 1)
            maybe = LLVMBuildOr(
                m->b, maybe, LLVMBuildICmp(m->b, LLVMIntNE, g->n_null_rows, cg_i32(m, 0), ""), "");
        else
            maybe = mark_maybe(f, g, in, matched, maybe);
        out[g->n_in].v = matched;
        out[g->n_in].null = LLVMBuildAnd(m->b, LLVMBuildNot(m->b, matched, ""), maybe, "");
        qe_status st = rest(f, g, out, g->n_in + 1, done, err);
        free(out);
        return st;
    }
    default: LLVMBuildBr(m->b, done); return QE_OK;
    }
}

/* One candidate pair (keys equal): load the build columns the residual or the output
 * need, test the residual, then act on a match (a pair-emitting join with emit NULL
 * leaves the builder where the emit code follows). */
static qe_status gen_pair(cg_fn *f, probe_gen *g, const cg_val *in, LLVMValueRef bi,
                          LLVMValueRef matched_var, LLVMValueRef maybe_var,
                          LLVMValueRef in_chain_var, LLVMBasicBlockRef head,
                          LLVMBasicBlockRef after, LLVMBasicBlockRef emit, rt_error *err) {
    cg_module *m = f->m;
    const plan_op *op = g->op;
    uint32_t n_all = g->n_in + g->n_build;
    cg_val *all = calloc(n_all ? n_all : 1, sizeof *all);
    if (all == NULL)
        return nomem(err);
    memcpy(all, in, sizeof *all * g->n_in);
    for (uint32_t c = 0; c < g->n_build; c++)
        if (g->bused[c])
            all[g->n_in + c] = build_value(f, g, c, bi);
    qe_status st = QE_OK;
    if (op->u.join.residual != NULL) {
        cg_val r;
        st = cg_expr(f, op->u.join.residual, all, n_all, &r, err);
        if (st != QE_OK) {
            free(all);
            return st;
        }
        LLVMBasicBlockRef not_true = block(f, "residual_not_true");
        LLVMBasicBlockRef pass = block(f, "residual_true");
        LLVMValueRef ok = LLVMBuildAnd(m->b, r.v, LLVMBuildNot(m->b, r.null, ""), "");
        LLVMBuildCondBr(m->b, ok, pass, not_true);
        LLVMPositionBuilderAtEnd(m->b, not_true); /* NULL: the MARK may be NULL */
        LLVMValueRef maybe = LLVMBuildLoad2(m->b, m->t_i1, maybe_var, "");
        LLVMBuildStore(m->b, LLVMBuildOr(m->b, maybe, r.null, ""), maybe_var);
        LLVMBuildBr(m->b, head);
        LLVMPositionBuilderAtEnd(m->b, pass);
    }
    if (marks_build(op))
        mark_build_row(f, g, bi);
    if (op->u.join.kind == PLAN_JOIN_SINGLE && !op->u.join.filter_build)
        cg_raise_if(f, LLVMBuildLoad2(m->b, m->t_i1, matched_var, ""), RT_JIT_ERR_SUBQUERY_ROWS,
                    -1);
    LLVMBuildStore(m->b, cg_i1(m, true), matched_var);
    if (emits_pairs(op)) {
        store_build(f, g, all + g->n_in);
        LLVMBuildStore(m->b, cg_i1(m, true), in_chain_var);
        if (emit != NULL) /* else the emit code follows in this block */
            LLVMBuildBr(m->b, emit);
    } else if (op->u.join.residual == NULL && !op->u.join.filter_build) {
        LLVMBuildBr(m->b, after); /* SEMI/ANTI/MARK: the first match decides */
    } else {
        LLVMBuildBr(m->b, head);
    }
    free(all);
    return st;
}

/* The probe of op k on the row `in`; see cg_int.h. */
qe_status cg_gen_probe(cg_fn *f, uint32_t k, const cg_val *in, const qe_type *in_types,
                       uint32_t n_in, rt_error *err) {
    cg_module *m = f->m;
    probe_gen g = {.n_in = n_in};
    qe_status st = init_probe(f, &g, k, in_types, err);
    if (st != QE_OK) {
        free_probe(&g);
        return st;
    }
    const plan_op *op = g.op;
    load_table(f, &g);
    LLVMValueRef b_var = cg_alloca(f, m->t_i32, "chain");
    LLVMValueRef matched_var = cg_alloca(f, m->t_i1, "matched");
    LLVMValueRef maybe_var = cg_alloca(f, m->t_i1, "maybe");
    LLVMValueRef in_chain_var = cg_alloca(f, m->t_i1, "in_chain");
    LLVMValueRef h_var = cg_alloca(f, m->t_i64, "hash");
    if (emits_pairs(op))
        for (uint32_t c = 0; c < g.n_build; c++)
            if (g.bused[c]) {
                bool wide = wide_build(m, &g, c);
                g.bval_var[c] =
                    cg_alloca(f, wide ? m->t_i64 : cg_reg_type(m, g.build_types[c]), "bval");
                if (wide)
                    g.bhi_var[c] = cg_alloca(f, m->t_i64, "bhi");
                g.bnull_var[c] = cg_alloca(f, m->t_i1, "bnull");
                if (g.build_types[c] == QE_TYPE_VARCHAR)
                    g.bat_var[c] = cg_alloca(f, m->t_ptr, "bat");
            }
    /* fewer blocks: without a row after the chain (gen_after: inner joins and
     * filter_build) the chain ends in `done`; without NULL-extended rows an emitted
     * pair's rest continues the chain; only MARK needs the NULL key's own block */
    bool pads = !op->u.join.filter_build &&
                (op->u.join.kind == PLAN_JOIN_LEFT || op->u.join.kind == PLAN_JOIN_FULL ||
                 op->u.join.kind == PLAN_JOIN_SINGLE);
    bool after_rows = !op->u.join.filter_build &&
                      (pads || op->u.join.kind == PLAN_JOIN_SEMI ||
                       op->u.join.kind == PLAN_JOIN_ANTI || op->u.join.kind == PLAN_JOIN_MARK);
    bool mark = op->u.join.kind == PLAN_JOIN_MARK && op->u.join.n_keys == 1;
    LLVMBasicBlockRef null_key = mark ? block(f, "null_key") : NULL;
    LLVMBasicBlockRef hashed = block(f, "probe_hash");
    LLVMBasicBlockRef head = block(f, "chain");
    LLVMBasicBlockRef body = block(f, "chain_row");
    LLVMBasicBlockRef cand = block(f, "candidate");
    LLVMBasicBlockRef pair = block(f, "pair");
    LLVMBasicBlockRef done = block(f, "probed");
    LLVMBasicBlockRef after = after_rows ? block(f, "chain_end") : done;
    LLVMBasicBlockRef emit = pads ? block(f, "emit_pair") : NULL; /* else: in the pair's */
    LLVMBasicBlockRef resume = pads ? block(f, "resume") : head;
    call_prefetch(f, &g);
    LLVMBuildStore(m->b, cg_i1(m, false), matched_var);
    LLVMBuildStore(m->b, cg_i1(m, false), maybe_var);
    LLVMBuildStore(m->b, cg_i1(m, false), in_chain_var);
    LLVMValueRef any_null = cg_i1(m, false);
    for (uint32_t j = 0; j < op->u.join.n_keys; j++)
        any_null = cg_or1(m, any_null, in[op->u.join.probe_keys[j]].null);
    if (null_key != NULL) {
        LLVMBuildCondBr(m->b, any_null, null_key, hashed);
        /* a NULL key matches nothing; MARK (one key): NULL unless the build side is empty */
        LLVMPositionBuilderAtEnd(m->b, null_key);
        LLVMBuildStore(m->b, LLVMBuildICmp(m->b, LLVMIntNE, g.n_rows, cg_i32(m, 0), ""), maybe_var);
        LLVMBuildBr(m->b, after);
    } else if (LLVMIsConstant(any_null)) { /* no probe key may be NULL */
        LLVMBuildBr(m->b, hashed);
    } else {
        LLVMBuildCondBr(m->b, any_null, after, hashed); /* a NULL key matches nothing */
    }
    /* the bucket: its first row if the salt bit of h is set */
    LLVMPositionBuilderAtEnd(m->b, hashed);
    LLVMValueRef h, first;
    if (f->pre_op == k) { /* hashed and looked up by the row loop's pre-pass */
        LLVMValueRef idx[2] = {cg_i64(m, 0), f->pre_idx};
        h = LLVMBuildLoad2(
            m->b, m->t_i64,
            LLVMBuildGEP2(m->b, LLVMArrayType2(m->t_i64, CG_PRE_ROWS), f->pre_hashes, idx, 2, ""),
            "h");
        first = LLVMBuildLoad2(
            m->b, m->t_i32,
            LLVMBuildGEP2(m->b, LLVMArrayType2(m->t_i32, CG_PRE_ROWS), f->pre_heads, idx, 2, ""),
            "head");
    } else {
        h = probe_hash(f, &g, in, in_types);
        if (g.indexed != NULL) {
            uint32_t pk = op->u.join.probe_keys[0];
            first =
                table_head(f, g.kfld, g.buckets, g.mask, key_bits(m, in_types[pk], in[pk].v), h);
        } else {
            first = bucket_head(m, g.buckets, g.mask, h);
        }
    }
    LLVMBuildStore(m->b, first, b_var);
    LLVMBuildStore(m->b, h, h_var); /* the NULL-extended path reaches the chain's blocks too */
    LLVMBuildBr(m->b, head);
    /* the chain */
    LLVMPositionBuilderAtEnd(m->b, head);
    LLVMValueRef b = LLVMBuildLoad2(m->b, m->t_i32, b_var, "b");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntEQ, b, cg_i32(m, NO_ROW), ""), after, body);
    LLVMPositionBuilderAtEnd(m->b, body);
    LLVMValueRef bi = LLVMBuildZExt(m->b, b, m->t_i64, "bi");
    h = LLVMBuildLoad2(m->b, m->t_i64, h_var, "h");
    LLVMValueRef link = LLVMBuildGEP2(m->b, m->t_link, g.links, &bi, 1, "");
    LLVMValueRef lh = LLVMBuildLoad2(
        m->b, m->t_i64, LLVMBuildStructGEP2(m->b, m->t_link, link, CG_LINK_HASH, ""), "");
    LLVMValueRef nx = LLVMBuildLoad2(
        m->b, m->t_i32, LLVMBuildStructGEP2(m->b, m->t_link, link, CG_LINK_NEXT, ""), "");
    LLVMBuildStore(m->b, nx, b_var);
    LLVMValueRef same = LLVMBuildICmp(m->b, LLVMIntEQ, lh, h, "");
    if (g.indexed != NULL) /* a key index's chain has the key's rows only */
        /* (the optimized pre-pass leaves h unset: a select, not an or, of it; the
         * cheap tier, whose FastISel has no i1 select, sets it) */
        same = m->cheap ? LLVMBuildOr(m->b, same, g.indexed, "")
                        : LLVMBuildSelect(m->b, g.indexed, cg_i1(m, true), same, "");
    LLVMBuildCondBr(m->b, same, cand, head);
    LLVMPositionBuilderAtEnd(m->b, cand);
    if (g.indexed != NULL) {
        LLVMBasicBlockRef cmp = block(f, "compare");
        LLVMBuildCondBr(m->b, g.indexed, pair, cmp);
        LLVMPositionBuilderAtEnd(m->b, cmp);
    }
    compare_keys(f, &g, in, in_types, bi, pair, head);
    LLVMPositionBuilderAtEnd(m->b, pair);
    st = gen_pair(f, &g, in, bi, matched_var, maybe_var, in_chain_var, head, after, emit, err);
    if (emit == NULL) /* the pair's block goes on with the emit code */
        emit = LLVMGetInsertBlock(m->b);
    if (st == QE_OK && after_rows) {
        LLVMPositionBuilderAtEnd(m->b, after);
        st = gen_after(f, &g, in, matched_var, maybe_var, in_chain_var, emit, done, err);
    }
    if (st == QE_OK && emits_pairs(op)) {
        st = gen_emit(f, &g, in, emit, resume, err);
        if (pads) { /* a NULL-extended row's rest ends the probe */
            LLVMPositionBuilderAtEnd(m->b, resume);
            LLVMValueRef again = LLVMBuildLoad2(m->b, m->t_i1, in_chain_var, "");
            LLVMBuildCondBr(m->b, again, head, done);
        }
    }
    if (st == QE_OK && !emits_pairs(op) && pads) { /* unused blocks */
        LLVMDeleteBasicBlock(emit);
        LLVMDeleteBasicBlock(resume);
    }
    LLVMMoveBasicBlockAfter(done, LLVMGetLastBasicBlock(f->fn));
    LLVMPositionBuilderAtEnd(m->b, done);
    free_probe(&g);
    return st;
}

/* Whether the keys of probe op can be hashed by the pre-pass from morsel columns. */
static bool prepass_keys(const cg_fn *f, uint32_t k) {
    const plan_op *op = f->pipe->ops[k];
    uint32_t nk = op->u.join.n_keys;
    if (nk == 0 || nk > PF_MAX_KEYS)
        return false;
    for (uint32_t j = 0; j < nk; j++) {
        uint32_t c = op->u.join.probe_keys[j];
        int64_t src = key_source(f->pipe, k, c);
        if (src < 0 || (uint64_t)src >= f->n_cols ||
            f->pipe->ops[0]->types[src] != f->pipe->ops[k - 1]->types[c])
            return false;
    }
    return true;
}

/* The probe the row loop pre-hashes; see cg_int.h. */
uint32_t cg_prepass_probe(const cg_fn *f, uint32_t first_op) {
    const plan_pipeline *p = f->pipe;
    uint32_t k = first_op;
    while (k + 1 < p->n_ops && p->ops[k]->kind == PLAN_PHYS_PROJECT)
        k++;
    if (k + 1 >= p->n_ops || p->ops[k]->kind != PLAN_PHYS_HASH_JOIN_PROBE || !prepass_keys(f, k))
        return 0;
    return k;
}

/* Whether probe op emits nothing for a probe row whose chain is empty (INNER, SEMI,
 * RIGHT, filter_build): such rows need not run the probe at all. */
static bool miss_emits_nothing(const plan_op *op) {
    plan_join_kind k = op->u.join.kind;
    return op->u.join.filter_build || k == PLAN_JOIN_INNER || k == PLAN_JOIN_SEMI ||
           k == PLAN_JOIN_RIGHT;
}

/* Whether the PROJECTs right before probe ops[k] only pass columns and constants on
 * (nothing that could raise an error on a row the probe would drop). */
static bool projects_error_free(const plan_pipeline *p, uint32_t k) {
    for (uint32_t i = k; i-- > 1 && p->ops[i]->kind == PLAN_PHYS_PROJECT;)
        for (uint32_t c = 0; c < p->ops[i]->n_cols; c++) {
            plan_expr_kind ek = p->ops[i]->u.project.exprs[c]->kind;
            if (ek != PLAN_EXPR_COLUMN && ek != PLAN_EXPR_CONST)
                return false;
        }
    return true;
}

/* Before the row loop; see cg_int.h. */
void cg_prepass_begin(cg_fn *f, uint32_t k) {
    cg_module *m = f->m;
    f->pre_op = k;
    f->pre_hashes = cg_alloca(f, LLVMArrayType2(m->t_i64, CG_PRE_ROWS), "pre_hashes");
    f->pre_heads = cg_alloca(f, LLVMArrayType2(m->t_i32, CG_PRE_ROWS), "pre_heads");
    f->pre_start = cg_alloca(f, m->t_i64, "pre_start");
    f->pre_end = cg_alloca(f, m->t_i64, "pre_end");
    LLVMBuildStore(m->b, cg_i64(m, 0), f->pre_start);
    LLVMBuildStore(m->b, cg_i64(m, 0), f->pre_end);
    f->pre_skip = miss_emits_nothing(f->pipe->ops[k]) && projects_error_free(f->pipe, k);
}

/* Whether rt_jit_join_chains prefetches morsel column c at a row with a chain: loaded,
 * and not a key of the pre-passed probe (pass 1 has just read those). */
static bool row_column(const cg_fn *f, uint32_t c) {
    const plan_op *op = f->pipe->ops[f->pre_op];
    if (f->cols[c].values == NULL)
        return false;
    for (uint32_t j = 0; j < op->u.join.n_keys; j++)
        if (key_source(f->pipe, f->pre_op, op->u.join.probe_keys[j]) == (int64_t)c)
            return false;
    return true;
}

/* Whether rt_jit_join_chains prefetches row columns at all (only with pre_skip: the
 * rows with a chain are sparse, the loop after the pre-pass reads them). */
static bool fetch_rows(const cg_fn *f) {
    bool any = false;
    for (uint32_t c = 0; c < f->n_cols; c++)
        any |= row_column(f, c);
    return f->pre_skip && any;
}

/* The descriptor of rt_jit_join_chains for the pre-passed probe: its first build key,
 * the chain rounds (PRE_HOPS, or none for a probe that only marks build rows,
 * filter_build: its walk is cheap, the rounds cost more than they save, TPC-H Q22's
 * orders probe), the build columns the rounds prefetch at a candidate row (every
 * build column a pair-emitting probe loads, else the keys; at most PRE_MAX_COLS),
 * and the morsel columns prefetched at a row with a chain (fetch_rows): a private
 * constant global. */
static LLVMValueRef chains_desc(cg_fn *f) {
    cg_module *m = f->m;
    const plan_op *op = f->pipe->ops[f->pre_op];
    const plan_op *in = f->pipe->ops[f->pre_op - 1];
    uint32_t nb = op->u.join.n_build_cols, n_build = 0, n_row = 0;
    uint32_t desc[DESC_MAX];
    qe_type *bt = calloc(nb ? nb : 1, sizeof *bt);
    if (bt != NULL) { /* (else no build columns: prefetching is optional) */
        cg_probe_build_types(op, in->n_cols, in->types, bt);
        bool pairs = emits_pairs(op);
        for (uint32_t c = 0; c < nb && n_build < PRE_MAX_COLS; c++) {
            bool key = false;
            for (uint32_t j = 0; j < op->u.join.n_keys; j++)
                key |= op->u.join.build_keys[j] == c;
            if ((pairs || key) && cg_type_supported(bt[c]))
                desc[4 + n_build++] = c;
        }
        free(bt);
    }
    for (uint32_t c = 0; fetch_rows(f) && c < f->n_cols; c++)
        if (row_column(f, c) && n_row < RT_JIT_CHAINS_MAX_ROW_COLS)
            desc[4 + n_build + n_row++] = c;
    desc[0] = op->u.join.build_keys[0];
    desc[1] = op->u.join.filter_build ? 0 : PRE_HOPS;
    desc[2] = n_build;
    desc[3] = n_row;
    /* the first probe key's morsel column (a table with a key index looks it up) */
    desc[4 + n_build + n_row] = (uint32_t)key_source(f->pipe, f->pre_op, op->u.join.probe_keys[0]);
    return const_u32s(m, desc, 5 + n_build + n_row, "pre_chains");
}

/* The hash of the pre-passed probe's keys (morsel columns src[0..nk)) at row, stored as
 * entry x - start of f->pre_hashes (that index in *at, may be NULL); returns it. */
static LLVMValueRef prepass_hash(cg_fn *f, const uint32_t *src, uint32_t nk, LLVMValueRef row,
                                 LLVMValueRef x, LLVMValueRef start, LLVMValueRef *at) {
    cg_module *m = f->m;
    LLVMValueRef h = c64(m, HASH_SEED);
    for (uint32_t j = 0; j < nk; j++)
        h = key_hash(f, f->pipe->ops[0]->types[src[j]], morsel_key(f, src[j], row), h);
    LLVMValueRef idx[2] = {cg_i64(m, 0), LLVMBuildSub(m->b, x, start, "")};
    LLVMTypeRef h_arr = LLVMArrayType2(m->t_i64, CG_PRE_ROWS);
    LLVMBuildStore(m->b, h, LLVMBuildGEP2(m->b, h_arr, f->pre_hashes, idx, 2, ""));
    if (at != NULL)
        *at = idx[1];
    return h;
}

/* Fills the chunk of rows [i, min(i + CG_PRE_ROWS, n)): pass 1 hashes every row's keys
 * (as rt_hash_vectors; a NULL key's bytes hash harmlessly, the probe tests the flags)
 * and prefetches its bucket, then rt_jit_join_chains reads the buckets into chain
 * heads (salt tested) and prefetches (a table of at least PF_MIN_ROWS rows: each head's
 * link and first build key, then the chain rounds; with pre_skip, the columns of the
 * rows with a chain).  The cheap tier (no prefetching) has pass 1 read the heads
 * itself: no call. */
static void prepass_fill(cg_fn *f, LLVMValueRef sel, LLVMValueRef has_sel, LLVMValueRef i,
                         LLVMValueRef n) {
    cg_module *m = f->m;
    const plan_op *op = f->pipe->ops[f->pre_op];
    uint32_t nk = op->u.join.n_keys;
    /* the table and the key columns (entry block, once per morsel) */
    LLVMBasicBlockRef at = LLVMGetInsertBlock(m->b);
    at_entry(f);
    LLVMValueRef fld[CG_JOIN_N_FIELDS];
    LLVMValueRef view = table_fields(f, f->pre_op, fld);
    uint32_t src[PF_MAX_KEYS];
    for (uint32_t j = 0; j < nk; j++)
        src[j] = (uint32_t)key_source(f->pipe, f->pre_op, op->u.join.probe_keys[j]);
    LLVMValueRef x_var = cg_alloca(f, m->t_i64, "pre_x");
    LLVMValueRef row_var = cg_alloca(f, m->t_i64, "pre_row");
    LLVMPositionBuilderAtEnd(m->b, at);
    LLVMValueRef end = LLVMBuildAdd(m->b, i, cg_i64(m, CG_PRE_ROWS), "");
    end = LLVMBuildSelect(m->b, LLVMBuildICmp(m->b, LLVMIntULT, end, n, ""), end, n, "pre_end");
    LLVMBuildStore(m->b, i, f->pre_start);
    LLVMBuildStore(m->b, end, f->pre_end);
    LLVMTypeRef h_arr = LLVMArrayType2(m->t_i64, CG_PRE_ROWS);
    LLVMTypeRef b_arr = LLVMArrayType2(m->t_i32, CG_PRE_ROWS);
    /* optimized, a table with a key index: no hashes (the walk compares none), the
     * heads come from the index's values */
    LLVMBasicBlockRef chains = NULL;
    if (!m->cheap && keyed_type(op, f->pipe->ops[f->pre_op - 1]->types)) {
        LLVMBasicBlockRef hashing = block(f, "pre_hashing");
        chains = block(f, "pre_chains");
        LLVMBuildCondBr(m->b, LLVMBuildIsNotNull(m->b, fld[CG_JOIN_KWORDS], ""), chains, hashing);
        LLVMPositionBuilderAtEnd(m->b, hashing);
    }
    /* pass 1, optimized, fixed-width keys of at most 8 bytes and a morsel without a
     * selection: the hashes come from a vectorized loop, then (a table too big for the
     * cache) a scalar loop over them prefetches the buckets */
    LLVMBasicBlockRef after = NULL;
    bool narrow = !m->cheap;
    for (uint32_t j = 0; j < nk; j++) {
        qe_type t = f->pipe->ops[0]->types[src[j]];
        narrow = narrow && t != QE_TYPE_VARCHAR && !wide_key(t);
    }
    if (narrow) {
        LLVMBasicBlockRef vec = block(f, "pre_vec"), scalar = block(f, "pre_scalar");
        after = block(f, "pre_hashed");
        LLVMValueRef small =
            LLVMBuildICmp(m->b, LLVMIntULT, fld[CG_JOIN_N_ROWS], cg_i32(m, PF_MIN_ROWS), "");
        LLVMBuildCondBr(m->b, LLVMBuildNot(m->b, has_sel, ""), vec, scalar);
        LLVMPositionBuilderAtEnd(m->b, vec);
        LLVMValueRef vx_var = cg_alloca(f, m->t_i64, "pre_vx");
        pf_loop vl;
        pf_loop_begin(f, &vl, i, end, vx_var);
        prepass_hash(f, src, nk, vl.i, vl.i, i, NULL);
        pf_loop_end_as(f, &vl, true);
        LLVMBasicBlockRef pf = block(f, "pre_vec_pf");
        LLVMBuildCondBr(m->b, small, after, pf);
        LLVMPositionBuilderAtEnd(m->b, pf);
        pf_loop pl;
        pf_loop_begin(f, &pl, i, end, vx_var);
        LLVMValueRef pidx[2] = {cg_i64(m, 0), LLVMBuildSub(m->b, pl.i, i, "")};
        LLVMValueRef ph = LLVMBuildLoad2(
            m->b, m->t_i64, LLVMBuildGEP2(m->b, h_arr, f->pre_hashes, pidx, 2, ""), "");
        LLVMValueRef pbk = LLVMBuildAnd(m->b, ph, fld[CG_JOIN_MASK], "");
        cg_prefetch(m, LLVMBuildGEP2(m->b, m->t_i64, fld[CG_JOIN_BUCKETS], &pbk, 1, ""));
        pf_loop_end(f, &pl);
        LLVMBuildBr(m->b, after);
        LLVMPositionBuilderAtEnd(m->b, scalar);
    }
    /* pass 1: hash (optimized: prefetch the bucket; cheap: read the head) */
    pf_loop l;
    pf_loop_begin(f, &l, i, end, x_var);
    LLVMValueRef row = row_at(f, has_sel, sel, l.i, row_var);
    LLVMValueRef idx[2] = {cg_i64(m, 0), NULL};
    LLVMValueRef h = prepass_hash(f, src, nk, row, l.i, i, &idx[1]);
    if (m->cheap) {
        LLVMValueRef head;
        if (keyed_type(op, f->pipe->ops[f->pre_op - 1]->types)) {
            qe_type kt = f->pipe->ops[0]->types[src[0]];
            LLVMValueRef key = key_bits(m, kt, morsel_key(f, src[0], row).v);
            head = table_head(f, &fld[CG_JOIN_KWORDS], fld[CG_JOIN_BUCKETS], fld[CG_JOIN_MASK], key,
                              h);
        } else {
            head = bucket_head(m, fld[CG_JOIN_BUCKETS], fld[CG_JOIN_MASK], h);
        }
        LLVMBuildStore(m->b, head, LLVMBuildGEP2(m->b, b_arr, f->pre_heads, idx, 2, ""));
        pf_loop_end(f, &l);
        return;
    }
    LLVMValueRef bk = LLVMBuildAnd(m->b, h, fld[CG_JOIN_MASK], "");
    cg_prefetch(m, LLVMBuildGEP2(m->b, m->t_i64, fld[CG_JOIN_BUCKETS], &bk, 1, ""));
    pf_loop_end(f, &l);
    if (after != NULL) {
        LLVMBuildBr(m->b, after);
        LLVMPositionBuilderAtEnd(m->b, after);
    }
    if (chains != NULL) {
        LLVMBuildBr(m->b, chains);
        LLVMPositionBuilderAtEnd(m->b, chains);
    }
    /* the chain heads, their prefetches and the chain rounds (precompiled) */
    LLVMValueRef args[8] = {view,
                            f->morsel,
                            LLVMBuildSelect(m->b, has_sel, sel, LLVMConstNull(m->t_ptr), ""),
                            i,
                            LLVMBuildSub(m->b, end, i, ""),
                            f->pre_hashes,
                            f->pre_heads,
                            chains_desc(f)};
    cg_call_helper(m, CG_HELPER_JOIN_CHAINS, args, 8);
}

/* In the row loop's body; see cg_int.h. */
LLVMValueRef cg_prepass_row(cg_fn *f, LLVMValueRef sel, LLVMValueRef has_sel, LLVMValueRef i,
                            LLVMValueRef n_active, LLVMBasicBlockRef exit) {
    cg_module *m = f->m;
    if (!f->pre_skip) {
        LLVMBasicBlockRef fill = block(f, "pre_fill"), go = block(f, "pre_done");
        LLVMValueRef end = LLVMBuildLoad2(m->b, m->t_i64, f->pre_end, "");
        LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntUGE, i, end, ""), fill, go);
        LLVMPositionBuilderAtEnd(m->b, fill);
        prepass_fill(f, sel, has_sel, i, n_active);
        LLVMBuildBr(m->b, go);
        LLVMPositionBuilderAtEnd(m->b, go);
        f->pre_idx =
            LLVMBuildSub(m->b, i, LLVMBuildLoad2(m->b, m->t_i64, f->pre_start, ""), "pre_idx");
        return i;
    }
    /* pre_skip: a tight loop passes over the rows without a chain (the probe would emit
     * nothing for them), refilling the chunk at its end, and leaves the row loop at
     * n_active; the body continues with the next row that has one */
    LLVMBasicBlockRef scan = block(f, "pre_scan"), at_end = block(f, "pre_chunk_end");
    LLVMBasicBlockRef fill = block(f, "pre_fill"), look = block(f, "pre_look");
    LLVMBasicBlockRef adv = block(f, "pre_miss"), hit = block(f, "pre_hit");
    LLVMValueRef x_var = cg_alloca(f, m->t_i64, "pre_x");
    LLVMBuildStore(m->b, i, x_var);
    LLVMBuildBr(m->b, scan);
    LLVMPositionBuilderAtEnd(m->b, scan);
    LLVMValueRef x = LLVMBuildLoad2(m->b, m->t_i64, x_var, "pre_x");
    LLVMValueRef end = LLVMBuildLoad2(m->b, m->t_i64, f->pre_end, "");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntUGE, x, end, ""), at_end, look);
    LLVMPositionBuilderAtEnd(m->b, at_end);
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntUGE, x, n_active, ""), exit, fill);
    LLVMPositionBuilderAtEnd(m->b, fill);
    prepass_fill(f, sel, has_sel, x, n_active);
    LLVMBuildBr(m->b, look);
    LLVMPositionBuilderAtEnd(m->b, look);
    LLVMValueRef idx =
        LLVMBuildSub(m->b, x, LLVMBuildLoad2(m->b, m->t_i64, f->pre_start, ""), "pre_idx");
    LLVMValueRef gi[2] = {cg_i64(m, 0), idx};
    LLVMValueRef head = LLVMBuildLoad2(
        m->b, m->t_i32,
        LLVMBuildGEP2(m->b, LLVMArrayType2(m->t_i32, CG_PRE_ROWS), f->pre_heads, gi, 2, ""),
        "pre_head");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntEQ, head, cg_i32(m, NO_ROW), ""), adv, hit);
    LLVMPositionBuilderAtEnd(m->b, adv);
    LLVMBuildStore(m->b, LLVMBuildAdd(m->b, x, cg_i64(m, 1), ""), x_var);
    cg_loop_scalar(m, LLVMBuildBr(m->b, scan));
    LLVMPositionBuilderAtEnd(m->b, hit);
    f->pre_idx = idx;
    return x;
}

/* A probe's build column vector; see cg_int.h. */
LLVMValueRef cg_join_build_vector(cg_fn *f, uint32_t k, uint32_t c) {
    cg_module *m = f->m;
    LLVMValueRef view = join_view(f, k);
    LLVMValueRef cols = LLVMBuildLoad2(
        m->b, m->t_ptr, LLVMBuildStructGEP2(m->b, m->t_join, view, CG_JOIN_COLS, ""), "");
    return cg_vector_at(m, cols, cg_i64(m, c));
}

/* LIMIT: the row continues only inside the window; see cg_int.h. */
void cg_gen_limit(cg_fn *f, uint32_t k) {
    cg_module *m = f->m;
    LLVMValueRef args[2] = {f->ps, cg_i32(m, k)};
    LLVMValueRef keep = cg_call_helper(m, CG_HELPER_LIMIT_ROW, args, 2);
    LLVMBasicBlockRef next = block(f, "in_limit");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntNE, keep, cg_i32(m, 0), ""), next, f->skip);
    LLVMPositionBuilderAtEnd(m->b, next);
}

/* Whether DISTINCT_ON op compares a row with the morsel's previous one in IR: every
 * key a fixed-width value of at most 8 bytes (equal as rt_sort_cmp_values says: a
 * DOUBLE/REAL equal, or both NaN).  Else (VARCHAR, 16-byte values, INTERVAL: '1 mon'
 * equals '30 days') rt_jit_distinct_on_row compares every row. */
static bool distinct_inline(const plan_op *op) {
    for (uint32_t j = 0; j < op->u.distinct_on.n_keys; j++) {
        qe_type t = op->types[op->u.distinct_on.cols[j]];
        if (t == QE_TYPE_VARCHAR || t == QE_TYPE_NULL || rt_type_width(t) > 8 ||
            !cg_type_supported(t))
            return false;
    }
    return true;
}

/* i1: morsel column c has the same value (NULLs equal) at the current row and at
 * row `last` (loaded here: the block runs for some rows only, so nothing is cached). */
static LLVMValueRef row_key_same(cg_fn *f, uint32_t c, LLVMValueRef last) {
    cg_module *m = f->m;
    qe_type t = f->pipe->ops[0]->types[c];
    LLVMValueRef a = cg_load_value(m, t, f->cols[c].values, f->row);
    LLVMValueRef b = cg_load_value(m, t, f->cols[c].values, last);
    LLVMValueRef na = cg_morsel_null_at(f, c, f->row);
    LLVMValueRef nb = cg_morsel_null_at(f, c, last);
    LLVMValueRef eq;
    if (t == QE_TYPE_DOUBLE || t == QE_TYPE_REAL) /* -0.0 = 0.0; NaN = NaN */
        eq = LLVMBuildOr(m->b, LLVMBuildFCmp(m->b, LLVMRealOEQ, a, b, ""),
                         LLVMBuildAnd(m->b, LLVMBuildFCmp(m->b, LLVMRealUNO, a, a, ""),
                                      LLVMBuildFCmp(m->b, LLVMRealUNO, b, b, ""), ""),
                         "");
    else
        eq = LLVMBuildICmp(m->b, LLVMIntEQ, a, b, "");
    LLVMValueRef same_null = LLVMBuildICmp(m->b, LLVMIntEQ, na, nb, "");
    return LLVMBuildAnd(m->b, same_null, LLVMBuildOr(m->b, na, eq, ""), "");
}

/* DISTINCT_ON: the row continues only if its keys are new; see cg_int.h. */
qe_status cg_gen_distinct_on(cg_fn *f, uint32_t k, rt_error *err) {
    cg_module *m = f->m;
    const plan_op *op = f->pipe->ops[k];
    if (f->dist_last == NULL) {
        f->dist_last = calloc(f->pipe->n_ops, sizeof *f->dist_last);
        f->dist_map = calloc(f->pipe->n_ops, sizeof *f->dist_map);
        if (f->dist_last == NULL || f->dist_map == NULL)
            return nomem(err);
    }
    if (f->dist_last[k] == NULL) { /* the first time (code for one op may be made twice) */
        uint32_t n = op->u.distinct_on.n_keys, *map = calloc(n ? n : 1, sizeof *map);
        if (map == NULL)
            return nomem(err);
        for (uint32_t j = 0; j < n; j++)
            map[j] = (uint32_t)cg_source_column(f->pipe, k, op->u.distinct_on.cols[j]);
        f->dist_map[k] = const_u32s(m, map, n, "distinct_keys");
        free(map);
        LLVMBasicBlockRef at = LLVMGetInsertBlock(m->b);
        f->dist_last[k] = cg_alloca(f, m->t_i64, "distinct_last");
        at_entry(f);
        LLVMBuildStore(m->b, cg_i64(m, -1), f->dist_last[k]);
        LLVMPositionBuilderAtEnd(m->b, at);
    }
    LLVMValueRef last = LLVMBuildLoad2(m->b, m->t_i64, f->dist_last[k], "distinct_last");
    LLVMValueRef args[6] = {f->ts, cg_i32(m, k), f->morsel, f->row, last, f->dist_map[k]};
    LLVMValueRef is_new;
    if (distinct_inline(op)) { /* the helper for a morsel's first row only */
        LLVMBasicBlockRef call = block(f, "distinct_first"), cmp = block(f, "distinct_cmp");
        LLVMBasicBlockRef known = block(f, "distinct_known");
        LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntEQ, last, cg_i64(m, -1), ""), call, cmp);
        LLVMPositionBuilderAtEnd(m->b, call);
        LLVMValueRef called = cg_call_helper(m, CG_HELPER_DISTINCT_ON_ROW, args, 6);
        LLVMBuildBr(m->b, known);
        LLVMPositionBuilderAtEnd(m->b, cmp);
        LLVMValueRef same = cg_i1(m, true);
        for (uint32_t j = 0; j < op->u.distinct_on.n_keys; j++)
            same = LLVMBuildAnd(
                m->b, same,
                row_key_same(f, (uint32_t)cg_source_column(f->pipe, k, op->u.distinct_on.cols[j]),
                             last),
                "");
        LLVMValueRef compared = LLVMBuildZExt(m->b, LLVMBuildNot(m->b, same, ""), m->t_i32, "");
        LLVMBasicBlockRef cmp_end = LLVMGetInsertBlock(m->b);
        LLVMBuildBr(m->b, known);
        LLVMPositionBuilderAtEnd(m->b, known);
        is_new = cg_phi2(m, m->t_i32, "distinct_new", called, call, compared, cmp_end);
    } else {
        is_new = cg_call_helper(m, CG_HELPER_DISTINCT_ON_ROW, args, 6);
    }
    LLVMBuildStore(m->b, f->row, f->dist_last[k]);
    LLVMBasicBlockRef next = block(f, "distinct_new");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntNE, is_new, cg_i32(m, 0), ""), next, f->skip);
    LLVMPositionBuilderAtEnd(m->b, next);
    return QE_OK;
}

/* After the row loop: the DISTINCT_ONs' last rows; see cg_int.h. */
void cg_distinct_on_finish(cg_fn *f) {
    cg_module *m = f->m;
    for (uint32_t k = 0; f->dist_last != NULL && k < f->pipe->n_ops; k++) {
        if (f->dist_last[k] == NULL)
            continue;
        LLVMValueRef last = LLVMBuildLoad2(m->b, m->t_i64, f->dist_last[k], "distinct_last");
        LLVMBasicBlockRef keep = block(f, "distinct_keep"), done = block(f, "distinct_kept");
        LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntNE, last, cg_i64(m, -1), ""), keep, done);
        LLVMPositionBuilderAtEnd(m->b, keep);
        LLVMValueRef args[5] = {f->ts, cg_i32(m, k), f->morsel, last, f->dist_map[k]};
        LLVMValueRef st = cg_call_helper(m, CG_HELPER_DISTINCT_ON_KEEP, args, 5);
        cg_raise_if(f, LLVMBuildICmp(m->b, LLVMIntNE, st, cg_i32(m, 0), ""), RT_JIT_ERR_NOMEM, -1);
        LLVMBuildBr(m->b, done);
        LLVMPositionBuilderAtEnd(m->b, done);
    }
}

/* rt_hash_mix8 of an 8-byte value; see cg_int.h. */
LLVMValueRef cg_hash_mix8(cg_module *m, LLVMValueRef x, LLVMValueRef h) {
    return hash_mix8(m, x, h);
}
