/*
 * sink.c -- what a pipeline function does with the rows that reach its sink.
 *
 * AGG_SINK with supported group keys (compiled group lookup): each row's keys are
 * hashed in registers as rt_hash_vectors does, the thread's hash table is probed
 * through its rt_jit_agg index with agg_ht.c's slot function, row layout and key
 * normalization (so interpreted and compiled morsels share one table), a missing
 * group is added by rt_jit_agg_insert, and the row's values update the group's states;
 * while the keys repeat, the last row's group is reused without hashing (with a VARCHAR
 * key, CACHE_WAYS groups found in the morsel, each row's looked for at two entries
 * picked by a mix of the key words: interleaved groups, as Q1's, hash no string; with
 * one entry per row, Q1's two biggest groups shared one and half its rows hashed).  A morsel
 * that starts with a big table (BIG_TABLE_SLOTS) takes the block path below instead,
 * unless (optimized tier) every key is a fixed-width morsel column unchanged: then the
 * row LOOKAHEAD rows on has its slot prefetched and the one LOOKAHEAD / 2 on its group
 * row, as rt_agg_ht_find does, and the lookup stays in IR.  The cheap tier always
 * takes the block path (half the IR; its fast register allocation spilled the lookup's
 * live values).
 *
 * With the lookahead, the cache and one integer-like key, the entry block asks the
 * runtime whether the table gets its key in order (rt_jit_agg_ordered: a sorted scan
 * column, runtime README, ordered aggregation); then a row that misses the cache,
 * after the morsel's first group, is a new group added without a lookup
 * (rt_jit_agg_insert_ordered), and the morsel ends with rt_jit_agg_ordered_end.
 *
 * An AGG_SINK with a VARCHAR group key whose columns are all morsel columns unchanged
 * (pass_column) gets the morsel's vectors with a selection, as a push sink below, and
 * rt_jit_push runs the interpreter's aggregation on them (agg_pass).  So does an
 * AGG_SINK whose group keys or aggregates compiled code cannot update (cg_agg_fused:
 * DISTINCT, MIN/MAX of strings, bool_and, ...): it is a push sink like the others.
 *
 * Other AGG_SINKs (and the block path above) are push sinks: rt_jit_push hands each
 * block to the interpreter's aggregation (rt_agg_ht_find with its prefetching, then
 * its typed update loops), the same tables and states as compiled lookup's.  A push sink whose
 * columns are morsel columns unchanged (pass_column) gets the morsel's vectors with a selection of
 * the rows reaching it, as the interpreter pushes them (no copy here).  Any other sink: rows are
 * written compactly into scratch slot 0, which is pushed (rt_jit_push) whenever it fills and at the
 * end of the morsel. VARCHAR columns passed through copy 16-byte views, so the scratch vector's
 * string buffers are pointed at the buffers of the morsel column the value comes from; a computed
 * VARCHAR column (constant, ||, function) is copied into the scratch vector's own string heap
 * (rt_jit_str_store, in the morsel arena), which is emptied when the scratch batch is (re)fetched.
 */
#include "cg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state of the sink while its pipeline function is generated. */
typedef struct sink_gen {
    uint32_t n_cols;      /* sink input columns */
    const qe_type *types; /* their types (the op before the sink, or the source) */
    LLVMValueRef n_var;   /* alloca i64: rows in the current block */
    /* push sinks (rows to rt_jit_push: any sink but an AGG_SINK cg_agg_fused takes):
       scratch slot 0 */
    LLVMValueRef batch;       /* the scratch batch (entry block: rt_jit_scratch returns the
                                 same batch on every call) */
    LLVMValueRef *values_var; /* optimized tier: n_cols allocas ptr: values buffers, and */
    LLVMValueRef *valid_var;  /* validity bitmaps, reloaded after each push (the cheap
                                 tier reads them per row: no phis of them in the loop) */
    /* push sinks fed with morsel columns unchanged (pass-through) */
    bool pass;               /* push the morsel's vectors with a selection, no copy */
    LLVMValueRef pass_batch; /* alloca %rt_batch: n_rows/cols/capacity of the morsel */
    LLVMValueRef pass_sel;   /* alloca [RT_VECTOR_SIZE x i32]: the rows reaching the sink */
    /* AGG_SINK with compiled group lookup (direct) */
    bool direct;            /* groups found in IR (while the table is small) */
    bool global;            /* direct without GROUP BY: every row updates one group */
    LLVMValueRef single;    /* global: that group's row (entry block) */
    LLVMValueRef big;       /* direct: i1 (entry): the table is too big for the cache:
                               this morsel pushes blocks to the interpreter's aggregation */
    const cg_val *row_vals; /* direct: the sink input row being consumed */
    LLVMValueRef table;     /* direct: the thread's rt_jit_agg (entry block) */
    LLVMValueRef key_buf;   /* direct: alloca [n_groups x i128]: a new group's keys */
    LLVMValueRef null_buf;  /* direct: alloca [n_groups x i8]: its NULL flags */
    LLVMValueRef new_row;   /* direct: alloca ptr: the inserted group row */
    LLVMValueRef rows_var;  /* direct: alloca i64: rows consumed in this morsel */
    /* direct: the groups last found in this morsel, reused while keys repeat: one entry
       (the last row's), or with a VARCHAR key CACHE_WAYS entries, the row's picked by a
       mix of its key words (each allocas below is an array of `ways` entries) */
    bool cache;              /* every key can be compared with the last one in registers */
    uint32_t ways;           /* entries: 1 or CACHE_WAYS */
    LLVMValueRef way;        /* i64: the current row's entry (row_group) */
    LLVMValueRef last_ok;    /* alloca [ways x i1]: the entry is set */
    LLVMValueRef last_row;   /* alloca [ways x ptr]: its group */
    LLVMValueRef *last_key;  /* n_groups allocas [ways x i64]: its keys' bits, wide keys'
                                low words, VARCHAR views' first 8 bytes */
    LLVMValueRef *last_hi;   /* n_groups allocas [ways x i64]: wide keys' high words,
                                VARCHAR views' last 8 bytes (NULL for the others) */
    LLVMValueRef *last_null; /* n_groups allocas [ways x i1]: its keys' NULL flags */
    /* direct, optimized tier, keys all fixed-width morsel columns: a big table is probed
       in IR too, prefetching the slots and group rows of the rows ahead (lookahead) */
    bool ahead;           /* no block path: big tables take the lookahead */
    uint32_t *ahead_cols; /* n_groups: the morsel column of each key (pass_column) */
    LLVMValueRef n_rows;  /* i64 (entry): the morsel's rows, bound of the lookahead */
    /* direct with the lookahead and the cache, one integer-like key: the table may get
       its key in order (rt_jit_agg_ordered): a morsel's groups after its first are
       added without a lookup, rt_jit_agg_insert_ordered */
    bool ordered_ok;
    LLVMValueRef ordered;  /* i1 (entry): the runtime says so */
    LLVMValueRef ord_seen; /* alloca i1: this morsel has looked up its first group */
} sink_gen;

static const plan_op *sink_op(const cg_fn *f) { return f->pipe->ops[f->pipe->n_ops - 1]; }

static qe_status nomem(rt_error *err) {
    return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
}

/* The block's row count n_var at the cheap tier stays in memory (volatile: mem2reg leaves
 * it alone), one load and store per row instead of a phi at every merge point of the
 * row loop (fast register allocation spills such a value at each block end anyway);
 * the optimized tier promotes it to a register. */
static LLVMValueRef n_load(cg_module *m, const sink_gen *s, const char *name) {
    LLVMValueRef n = LLVMBuildLoad2(m->b, m->t_i64, s->n_var, name);
    LLVMSetVolatile(n, m->cheap);
    return n;
}
static void n_store(cg_module *m, const sink_gen *s, LLVMValueRef v) {
    LLVMSetVolatile(LLVMBuildStore(m->b, v, s->n_var), m->cheap);
}

/* Points a scratch VARCHAR vector's buffers at those of the vector sink input column
 * c copies: a morsel column, or a build column of a hash join probe. */
static void share_buffers(cg_fn *f, LLVMValueRef vec, uint32_t c) {
    cg_module *m = f->m;
    const plan_pipeline *p = f->pipe;
    int64_t origin = cg_trace_column(p, p->n_ops - 1, c);
    uint32_t probe, build_col;
    LLVMValueRef src;
    if (origin >= 0 && (uint64_t)origin < f->n_cols)
        src = f->cols[origin].vec;
    else if (cg_trace_build_column(p, p->n_ops - 1, c, &probe, &build_col))
        src = cg_join_build_vector(f, probe, build_col);
    else
        return;
    LLVMValueRef n = cg_load_vector_field(m, src, CG_VEC_N_BUFFERS);
    cg_store_vector_field(m, vec, CG_VEC_BUFFERS, cg_load_vector_field(m, src, CG_VEC_BUFFERS));
    cg_store_vector_field(m, vec, CG_VEC_N_BUFFERS, n);
    cg_store_vector_field(m, vec, CG_VEC_BUFFERS_CAP, n);
    cg_store_vector_field(m, vec, CG_VEC_HEAP_TAIL, LLVMConstNull(m->t_ptr));
    cg_store_vector_field(m, vec, CG_VEC_HEAP_LEFT, cg_i32(m, 0));
}

/* True if sink input column c is a VARCHAR computed in the pipeline (not a view of a
 * morsel column or of a hash join's build column: those share the source's buffers),
 * stored through the scratch vector's own heap. */
static bool computed_str(cg_fn *f, const sink_gen *s, uint32_t c) {
    const plan_pipeline *p = f->pipe;
    uint32_t probe, build_col;
    return s->types[c] == QE_TYPE_VARCHAR && cg_trace_column(p, p->n_ops - 1, c) < 0 &&
           !cg_trace_build_column(p, p->n_ops - 1, c, &probe, &build_col);
}

/* Empties a scratch VARCHAR vector's own string heap (its bytes were in the morsel
 * arena, which is reset between morsels). */
static void reset_heap(cg_fn *f, LLVMValueRef vec) {
    cg_module *m = f->m;
    cg_store_vector_field(m, vec, CG_VEC_BUFFERS, LLVMConstNull(m->t_ptr));
    cg_store_vector_field(m, vec, CG_VEC_N_BUFFERS, cg_i32(m, 0));
    cg_store_vector_field(m, vec, CG_VEC_BUFFERS_CAP, cg_i32(m, 0));
    cg_store_vector_field(m, vec, CG_VEC_HEAP_TAIL, LLVMConstNull(m->t_ptr));
    cg_store_vector_field(m, vec, CG_VEC_HEAP_LEFT, cg_i32(m, 0));
}

/* Stores a computed string v into row n of vec (a NULL row: the empty string). */
static void store_str(cg_fn *f, LLVMValueRef vec, LLVMValueRef n, cg_val v) {
    cg_module *m = f->m;
    LLVMValueRef args[5] = {f->ts, vec, LLVMBuildTrunc(m->b, n, m->t_i32, ""), cg_str_ptr(f, v),
                            cg_str_len(f, v)};
    cg_return_if_error(f, cg_call_helper(m, CG_HELPER_STR_STORE, args, 5));
}

/* Scratch batch `slot` (0) and its cols array: rt_jit_scratch never fails for it (rt.h:
 * made when the thread is set up), so no test. */
static LLVMValueRef get_scratch(cg_fn *f, uint32_t slot, LLVMValueRef *cols) {
    LLVMValueRef args[2] = {f->ts, cg_i32(f->m, slot)};
    LLVMValueRef batch = cg_call_helper(f->m, CG_HELPER_SCRATCH, args, 2);
    *cols = cg_load_batch_field(f->m, batch, CG_BATCH_COLS);
    return batch;
}

/* Empties scratch batch `batch` as rt_jit_scratch does (no rows, no selection) without
 * calling it: the batch the entry block's call returned is every call's (rt.h), so a
 * restart after a push needs no call; returns its cols array. */
static LLVMValueRef empty_scratch(cg_module *m, LLVMValueRef batch) {
    cg_store_batch_field(m, batch, CG_BATCH_N_ROWS, cg_i32(m, 0));
    cg_store_batch_field(m, batch, CG_BATCH_SEL, LLVMConstNull(m->t_ptr));
    cg_store_batch_field(m, batch, CG_BATCH_N_SEL, cg_i32(m, 0));
    return cg_load_batch_field(m, batch, CG_BATCH_COLS);
}

/* ---- push sinks ------------------------------------------------------------------- */

/* The morsel column that sink input column col is, unchanged, or -1.  Only FILTERs,
 * LIMITs, column references of PROJECTs and the probe columns of SEMI/ANTI probes
 * (which emit each probe row at most once, in order) may lie between: then the rows
 * reaching the sink are distinct morsel rows in increasing order, a selection. */
static int64_t pass_column(const plan_pipeline *p, uint32_t col) {
    for (uint32_t i = p->n_ops - 1; i-- > 1;) {
        const plan_op *op = p->ops[i];
        switch (op->kind) {
        case PLAN_PHYS_FILTER:
        case PLAN_PHYS_LIMIT: continue;
        case PLAN_PHYS_PROJECT: {
            const plan_expr *e = op->u.project.exprs[col];
            if (e->kind != PLAN_EXPR_COLUMN) /* not even a cast: it may rescale a DECIMAL */
                return -1;
            col = e->u.column;
            continue;
        }
        case PLAN_PHYS_HASH_JOIN_PROBE:
            if (op->u.join.filter_build ||
                (op->u.join.kind != PLAN_JOIN_SEMI && op->u.join.kind != PLAN_JOIN_ANTI) ||
                col >= p->ops[i - 1]->n_cols)
                return -1;
            continue;
        default: return -1;
        }
    }
    return col < p->ops[0]->n_cols ? (int64_t)col : -1;
}

/* True if every sink input column is a morsel column unchanged (pass_column). */
static bool pass_supported(const cg_fn *f, const sink_gen *s) {
    const plan_pipeline *p = f->pipe;
    for (uint32_t c = 0; c < s->n_cols; c++) {
        int64_t origin = pass_column(p, c);
        if (origin < 0 || p->ops[0]->types[origin] != s->types[c])
            return false;
    }
    return true;
}

/* Entry block: a batch of copies of the morsel's rt_vectors in sink input order (the
 * morsel's own are not touched: rt_jit_push hides all-valid bitmaps while it pushes),
 * whose selection the rows reaching the sink fill. */
static void pass_begin(cg_fn *f, sink_gen *s) {
    cg_module *m = f->m;
    const plan_pipeline *p = f->pipe;
    LLVMValueRef cols =
        cg_alloca(f, LLVMArrayType2(m->t_vector, s->n_cols ? s->n_cols : 1), "pass_cols");
    s->pass_sel = cg_alloca(f, LLVMArrayType2(m->t_i32, RT_VECTOR_SIZE), "pass_sel");
    s->pass_batch = cg_alloca(f, m->t_batch, "pass_batch");
    for (uint32_t c = 0; c < s->n_cols; c++) {
        LLVMValueRef dst = cg_vector_at(m, cols, cg_i64(m, c));
        LLVMBuildMemCpy(m->b, dst, 8, f->cols[pass_column(p, c)].vec, 8,
                        cg_i64(m, sizeof(rt_vector)));
    }
    LLVMValueRef b = s->pass_batch;
    cg_store_batch_field(m, b, CG_BATCH_N_ROWS, cg_load_batch_field(m, f->morsel, CG_BATCH_N_ROWS));
    cg_store_batch_field(m, b, CG_BATCH_N_COLS, cg_i32(m, s->n_cols));
    cg_store_batch_field(m, b, CG_BATCH_COLS, cols);
    cg_store_batch_field(m, b, CG_BATCH_SEL, s->pass_sel);
    cg_store_batch_field(m, b, CG_BATCH_N_SEL, cg_i32(m, 0));
    cg_store_batch_field(m, b, CG_BATCH_CAPACITY,
                         cg_load_batch_field(m, f->morsel, CG_BATCH_CAPACITY));
}

/* Pushes the pass-through batch with its first n selected rows; returns the status. */
static LLVMValueRef pass_push(cg_fn *f, sink_gen *s, LLVMValueRef n) {
    cg_module *m = f->m;
    cg_store_batch_field(m, s->pass_batch, CG_BATCH_N_SEL, LLVMBuildTrunc(m->b, n, m->t_i32, ""));
    LLVMValueRef args[3] = {f->ps, f->ts, s->pass_batch};
    return cg_call_helper(m, CG_HELPER_PUSH, args, 3);
}

/* The same; returns on error. */
static void pass_flush(cg_fn *f, sink_gen *s, LLVMValueRef n) {
    cg_return_if_error(f, pass_push(f, s, n));
}

/* n + 1 rows are buffered (stored in s->n_var); when that fills a vector, flush(f, s,
 * RT_VECTOR_SIZE) runs and the count restarts at 0. */
static void count_row(cg_fn *f, sink_gen *s, LLVMValueRef n,
                      void (*flush)(cg_fn *, sink_gen *, LLVMValueRef)) {
    cg_module *m = f->m;
    LLVMValueRef n1 = LLVMBuildAdd(m->b, n, cg_i64(m, 1), "");
    n_store(m, s, n1);
    LLVMBasicBlockRef full = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "full");
    LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "counted");
    LLVMValueRef is_full = LLVMBuildICmp(m->b, LLVMIntEQ, n1, cg_i64(m, RT_VECTOR_SIZE), "");
    LLVMBuildCondBr(m->b, is_full, full, cont);
    LLVMPositionBuilderAtEnd(m->b, full);
    flush(f, s, n1);
    n_store(m, s, cg_i64(m, 0));
    LLVMBuildBr(m->b, cont);
    LLVMPositionBuilderAtEnd(m->b, cont);
}

/* The current morsel row reaches the sink: append it to the selection. */
static void pass_consume(cg_fn *f, sink_gen *s) {
    cg_module *m = f->m;
    LLVMValueRef n = n_load(m, s, "n_pass");
    LLVMBuildStore(m->b, LLVMBuildTrunc(m->b, f->row, m->t_i32, ""),
                   LLVMBuildGEP2(m->b, m->t_i32, s->pass_sel, &n, 1, ""));
    count_row(f, s, n, pass_flush);
}

static void push_scratch_begin(cg_fn *f, sink_gen *s) {
    cg_module *m = f->m;
    LLVMValueRef cols; /* the entry block's call empties the batch, a restart its stores */
    if (s->batch == NULL)
        s->batch = get_scratch(f, 0, &cols);
    else
        cols = empty_scratch(m, s->batch);
    for (uint32_t c = 0; c < s->n_cols; c++) {
        LLVMValueRef vec = cg_vector_at(m, cols, cg_i64(m, c));
        if (!m->cheap) {
            LLVMBuildStore(m->b, cg_load_vector_field(m, vec, CG_VEC_VALUES), s->values_var[c]);
            LLVMBuildStore(m->b, cg_load_vector_field(m, vec, CG_VEC_VALIDITY), s->valid_var[c]);
        }
        if (computed_str(f, s, c))
            reset_heap(f, vec);
        else if (s->types[c] == QE_TYPE_VARCHAR)
            share_buffers(f, vec, c);
    }
}

/* Sets n_rows of the scratch batch and pushes it; returns the status. */
static LLVMValueRef push_push(cg_fn *f, sink_gen *s, LLVMValueRef n) {
    cg_module *m = f->m;
    cg_store_batch_field(m, s->batch, CG_BATCH_N_ROWS, LLVMBuildTrunc(m->b, n, m->t_i32, ""));
    LLVMValueRef args[3] = {f->ps, f->ts, s->batch};
    return cg_call_helper(m, CG_HELPER_PUSH, args, 3);
}

/* The same; returns on error. */
static void push_flush(cg_fn *f, sink_gen *s, LLVMValueRef n) {
    cg_return_if_error(f, push_push(f, s, n));
}

/* Pushes the full scratch batch and starts the next one (count_row's flush). */
static void push_flush_restart(cg_fn *f, sink_gen *s, LLVMValueRef n) {
    push_flush(f, s, n);
    push_scratch_begin(f, s);
}

static qe_status push_begin(cg_fn *f, sink_gen *s, rt_error *err) {
    cg_module *m = f->m;
    if (!m->cheap) {
        s->values_var = calloc(s->n_cols + 1, sizeof *s->values_var);
        s->valid_var = calloc(s->n_cols + 1, sizeof *s->valid_var);
        if (s->values_var == NULL || s->valid_var == NULL)
            return nomem(err);
        for (uint32_t c = 0; c < s->n_cols; c++) {
            s->values_var[c] = cg_alloca(f, m->t_ptr, "out_values");
            s->valid_var[c] = cg_alloca(f, m->t_ptr, "out_validity");
        }
    }
    push_scratch_begin(f, s);
    return QE_OK;
}

static void push_consume(cg_fn *f, sink_gen *s, const cg_val *in) {
    cg_module *m = f->m;
    LLVMValueRef n = n_load(m, s, "n_out");
    LLVMValueRef cols = cg_load_batch_field(m, s->batch, CG_BATCH_COLS);
    for (uint32_t c = 0; c < s->n_cols; c++) {
        LLVMValueRef vec = cg_vector_at(m, cols, cg_i64(m, c));
        LLVMValueRef values = m->cheap ? cg_load_vector_field(m, vec, CG_VEC_VALUES)
                                       : LLVMBuildLoad2(m->b, m->t_ptr, s->values_var[c], "");
        LLVMValueRef valid = m->cheap ? cg_load_vector_field(m, vec, CG_VEC_VALIDITY)
                                      : LLVMBuildLoad2(m->b, m->t_ptr, s->valid_var[c], "");
        if (computed_str(f, s, c))
            store_str(f, vec, n, in[c]);
        else
            cg_store_value(m, s->types[c], values, n, in[c]);
        cg_store_validity(m, valid, n, in[c].null);
    }
    count_row(f, s, n, push_flush_restart);
}

/* ---- AGG_SINK: the update function ----------------------------------------------- */

/* The register type of a state's v. */
static LLVMTypeRef state_reg(cg_module *m, qe_type state) {
    cg_state_repr r = cg_agg_state_repr(state);
    return r == CG_STATE_F64                        ? m->t_f64
           : r == CG_STATE_I128 || r == CG_STATE_IV ? m->t_i128
                                                    : m->t_i64;
}

/* Converts an input value (or a FINAL v column's value) to the aggregate's state:
 * integers, DATE and TIMESTAMP to int64, numbers to double (HUGEINT as agg.c's
 * (double) cast), DECIMAL/HUGEINT kept in 128 bits. */
static LLVMValueRef to_state(cg_module *m, qe_type from, qe_type state, LLVMValueRef v) {
    LLVMTypeRef t = state_reg(m, state), vt = LLVMTypeOf(v);
    if (vt == t)
        return v;
    if (t == m->t_f64)
        return from == QE_TYPE_REAL ? LLVMBuildFPExt(m->b, v, t, "")
                                    : LLVMBuildSIToFP(m->b, v, t, "");
    return LLVMBuildSExt(m->b, v, t, "");
}

/* v + x for a state where `use` is true (checked for integers: "bigint out of range",
 * 128-bit sums "numeric field overflow", at the position of the aggregate's argument,
 * as agg.c reports it). */
static LLVMValueRef state_add(cg_fn *g, const plan_agg *a, LLVMValueRef v, LLVMValueRef x,
                              LLVMValueRef use) {
    cg_module *m = g->m;
    cg_state_repr repr = cg_agg_state_repr(a->state_type);
    if (repr == CG_STATE_F64)
        return LLVMBuildSelect(m->b, use, LLVMBuildFAdd(m->b, v, x, ""), v, "");
    LLVMValueRef x0 = LLVMBuildSelect(m->b, use, x, LLVMConstNull(LLVMTypeOf(x)), "");
    LLVMValueRef ovf;
    if (repr == CG_STATE_IV) { /* field by field; agg.c's 22008 "interval out of range" */
        LLVMValueRef r = cg_interval_add(m, v, x0, &ovf);
        cg_raise_if(g, ovf, RT_JIT_ERR_INTERVAL_SUM, a->arg ? a->arg->position : -1);
        return r;
    }
    LLVMValueRef r = cg_with_overflow(m, "llvm.sadd.with.overflow", v, x0, &ovf);
    cg_raise_if(g, ovf,
                repr == CG_STATE_I128 ? RT_JIT_ERR_RANGE(QE_TYPE_DECIMAL)
                                      : RT_JIT_ERR_OVERFLOW_BIGINT,
                a->arg ? a->arg->position : -1);
    return r;
}

/* MIN/MAX: v = n == 0 ? x : (x better than v ? x : v), where `use` is true. */
static LLVMValueRef state_minmax(cg_module *m, bool is_min, qe_type state, LLVMValueRef v,
                                 LLVMValueRef n, LLVMValueRef x, LLVMValueRef use) {
    LLVMValueRef better;
    if (cg_agg_state_repr(state) == CG_STATE_F64)
        better = LLVMBuildFCmp(m->b, is_min ? LLVMRealOLT : LLVMRealOGT, x, v, "");
    else if (cg_agg_state_repr(state) == CG_STATE_IV)
        better = cg_interval_better(m, is_min, x, v);
    else
        better = LLVMBuildICmp(m->b, is_min ? LLVMIntSLT : LLVMIntSGT, x, v, "");
    LLVMValueRef first = LLVMBuildICmp(m->b, LLVMIntEQ, n, cg_i64(m, 0), "");
    LLVMValueRef take = LLVMBuildAnd(m->b, use, LLVMBuildOr(m->b, first, better, ""), "");
    return LLVMBuildSelect(m->b, take, x, v, "");
}

/* What one input row contributes to an aggregate state. */
typedef struct agg_input {
    LLVMValueRef x;      /* value in the state's type (SUM/AVG/MIN/MAX) */
    LLVMValueRef use_v;  /* i1: x goes into v (SUM/AVG) */
    LLVMValueRef use_mm; /* i1: x competes for v (MIN/MAX) */
    LLVMValueRef add_n;  /* i64 added to n */
} agg_input;

static bool agg_counts(const plan_agg *a) {
    return a->fn == PLAN_AGG_COUNT || a->fn == PLAN_AGG_COUNT_STAR;
}

/* FINAL input: state columns (v, n).  A row with a NULL n is skipped; a NULL v merges
 * as 0 (agg.c's final_update); MIN/MAX ignore states with n == 0. */
static agg_input final_input(cg_fn *g, sink_gen *s, const plan_agg *a) {
    cg_module *m = g->m;
    cg_val ni = s->row_vals[a->n_column];
    agg_input in = {.use_v = LLVMBuildNot(m->b, ni.null, "")};
    in.add_n = LLVMBuildSelect(m->b, ni.null, cg_i64(m, 0), ni.v, "");
    in.use_mm =
        LLVMBuildAnd(m->b, in.use_v, LLVMBuildICmp(m->b, LLVMIntNE, ni.v, cg_i64(m, 0), ""), "");
    if (!agg_counts(a)) {
        qe_type t = s->types[a->arg->u.column];
        cg_val x = s->row_vals[a->arg->u.column];
        x.v = to_state(m, t, a->state_type, x.v);
        in.x = LLVMBuildSelect(m->b, x.null, LLVMConstNull(LLVMTypeOf(x.v)), x.v, "");
    }
    return in;
}

/* SINGLE/PARTIAL input: one value (NULLs skipped except by COUNT(*)). */
static agg_input update_input(cg_fn *g, sink_gen *s, const plan_agg *a) {
    cg_module *m = g->m;
    agg_input in = {.use_v = cg_i1(m, true), .add_n = cg_i64(m, 1)};
    if (a->fn != PLAN_AGG_COUNT_STAR) {
        qe_type t = s->types[a->arg->u.column];
        cg_val x = s->row_vals[a->arg->u.column];
        in.use_v = LLVMBuildNot(m->b, x.null, "");
        in.add_n = LLVMBuildZExt(m->b, in.use_v, m->t_i64, "");
        if (!agg_counts(a))
            in.x = to_state(m, t, a->state_type, x.v);
    }
    in.use_mm = in.use_v;
    return in;
}

/* The address of a field of the state at sp: of a state addressed as states[k], one GEP
 * from the states (the state's own address is then dropped by dce). */
static LLVMValueRef agg_field(cg_module *m, LLVMValueRef sp, unsigned field) {
    if (LLVMIsAGetElementPtrInst(sp) && LLVMGetNumOperands(sp) == 2 &&
        LLVMGetGEPSourceElementType(sp) == m->t_agg) {
        LLVMValueRef idx[2] = {LLVMGetOperand(sp, 1), cg_i32(m, field)};
        return LLVMBuildGEP2(m->b, m->t_agg, LLVMGetOperand(sp, 0), idx, 2, "");
    }
    return LLVMBuildStructGEP2(m->b, m->t_agg, sp, field, "");
}

/* Updates one aggregate state at sp with the sink input row s->row_vals. */
static void agg_update(cg_fn *g, sink_gen *s, const plan_agg *a, plan_agg_phase phase,
                       LLVMValueRef sp) {
    cg_module *m = g->m;
    LLVMValueRef v_ptr = agg_field(m, sp, CG_AGG_V), n_ptr = agg_field(m, sp, CG_AGG_N);
    agg_input in = phase == PLAN_AGG_FINAL ? final_input(g, s, a) : update_input(g, s, a);
    LLVMValueRef n = LLVMBuildLoad2(m->b, m->t_i64, n_ptr, "n");
    if (!agg_counts(a)) {
        LLVMTypeRef vt = state_reg(m, a->state_type);
        LLVMValueRef v = LLVMBuildLoad2(m->b, vt, v_ptr, "v");
        LLVMSetAlignment(v, 8);
        LLVMValueRef nv;
        if (a->fn == PLAN_AGG_SUM || a->fn == PLAN_AGG_AVG)
            nv = state_add(g, a, v, in.x, in.use_v);
        else
            nv = state_minmax(m, a->fn == PLAN_AGG_MIN, a->state_type, v, n, in.x, in.use_mm);
        LLVMSetAlignment(LLVMBuildStore(m->b, nv, v_ptr), 8);
    }
    LLVMBuildStore(m->b, LLVMBuildAdd(m->b, n, in.add_n, ""), n_ptr);
}

/* ---- AGG_SINK: compiled group lookup ---------------------------------------------- */

#define HASH_SEED 0x51ed2701a3c5f3e9ULL /* runtime/hash.c */
#define HASH_NULL 0x6a09e667f3bcc909ULL /* runtime/hash.c: a NULL key's mark */
#define SLOT_MUL 0x9e3779b97f4a7c15ULL  /* runtime/agg_ht.c: slot = (h * SLOT_MUL) >> shift */
/* A table with at least this many slots (agg_ht.c's FIND_PREFETCH_SLOTS) no longer
 * stays in cache: a morsel then pushes blocks to the interpreter's aggregation, whose
 * rt_agg_ht_find prefetches slots and rows ahead (a row-at-a-time probe would wait
 * for two cache misses per row). */
#define BIG_TABLE_SLOTS (1 << 14)
/* How many rows ahead the lookahead prefetches a slot (agg_ht.c's FIND_AHEAD). */
#define LOOKAHEAD 16
/* Entries of the group cache with a VARCHAR key (a power of two), and the odd constant
 * that mixes the key words into an entry. */
#define CACHE_WAYS_LOG2 3
#define CACHE_WAYS (1u << CACHE_WAYS_LOG2)
#define CACHE_MIX 0x9e3779b97f4a7c15ULL

/* How a key type sits in its 16-byte key slot (agg_ht.c). */
typedef enum key_kind { KEY_NONE, KEY_BITS, KEY_WIDE, KEY_STR } key_kind;

static key_kind key_kind_of(qe_type t) {
    switch (t) {
    case QE_TYPE_BOOLEAN:
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE:
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP:
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: return KEY_BITS;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_INTERVAL: return KEY_WIDE; /* bitwise, as agg_ht.c */
    case QE_TYPE_VARCHAR: return KEY_STR;
    default: return KEY_NONE;
    }
}

/* Whether the AGG_SINK finds its groups in IR: it has keys, all of a kind above. */
static bool direct_supported(const sink_gen *s, const plan_op *op) {
    for (uint32_t k = 0; k < op->u.agg.n_groups; k++)
        if (key_kind_of(s->types[op->u.agg.groups[k]->u.column]) == KEY_NONE)
            return false;
    return true;
}

/* A key of the row in the form the table holds it. */
typedef struct key_reg {
    key_kind kind;
    LLVMValueRef bits; /* KEY_BITS: i64 (agg_ht.c key_bits); KEY_WIDE: i64 low word */
    LLVMValueRef hi;   /* KEY_WIDE: i64 high word (two words: no i128 in registers) */
    LLVMValueRef ptr;  /* KEY_STR: the bytes */
    LLVMValueRef len;  /* KEY_STR: i32 length (0 when NULL) */
    LLVMValueRef null; /* i1 */
} key_reg;

/* The 8 bytes agg_ht.c stores and hash.c hashes for a non-wide key: integers
 * sign-extended, BOOLEAN zero-extended, REAL/DOUBLE as double bits with -0.0 folded
 * into 0.0 and one NaN (rt_hash_double_bits). */
static LLVMValueRef key_bits(cg_module *m, qe_type t, LLVMValueRef v) {
    if (t == QE_TYPE_BOOLEAN)
        return LLVMBuildZExt(m->b, v, m->t_i64, "");
    if (t != QE_TYPE_REAL && t != QE_TYPE_DOUBLE)
        return LLVMTypeOf(v) == m->t_i64 ? v : LLVMBuildSExt(m->b, v, m->t_i64, "");
    if (t == QE_TYPE_REAL)
        v = LLVMBuildFPExt(m->b, v, m->t_f64, "");
    LLVMValueRef zero = LLVMBuildFCmp(m->b, LLVMRealOEQ, v, LLVMConstReal(m->t_f64, 0), "");
    LLVMValueRef nan = LLVMBuildFCmp(m->b, LLVMRealUNO, v, v, "");
    LLVMValueRef bits = LLVMBuildBitCast(m->b, v, m->t_i64, "");
    bits = LLVMBuildSelect(m->b, zero, cg_i64(m, 0), bits, "");
    return LLVMBuildSelect(m->b, nan, cg_i64(m, 0x7FF8000000000000LL), bits, "");
}

static key_reg key_of(cg_fn *f, qe_type t, cg_val v) {
    cg_module *m = f->m;
    key_reg k = {.kind = key_kind_of(t), .null = v.null};
    if (k.kind == KEY_STR) {
        k.len = cg_str_len(f, v); /* 0 when NULL: the pointer is then never read */
        k.ptr = cg_str_ptr(f, v);
    } else if (k.kind == KEY_WIDE && cg_val_words(m, &v, &k.bits, &k.hi)) {
        /* held in 64 bits (sign-extended) or in words */
    } else if (k.kind == KEY_WIDE) {
        LLVMValueRef w =
            LLVMTypeOf(v.v) == m->t_i128 ? v.v : LLVMBuildSExt(m->b, v.v, m->t_i128, "");
        k.bits = LLVMBuildTrunc(m->b, w, m->t_i64, "");
        k.hi = LLVMBuildTrunc(m->b, LLVMBuildLShr(m->b, w, LLVMConstInt(m->t_i128, 64, false), ""),
                              m->t_i64, "");
    } else {
        k.bits = key_bits(m, t, v.v);
    }
    return k;
}

static LLVMValueRef byte_gep(cg_module *m, LLVMValueRef base, uint64_t off) {
    LLVMValueRef o = cg_i64(m, (int64_t)off);
    return LLVMBuildGEP2(m->b, m->t_i8, base, &o, 1, "");
}

/* h chained over the keys as rt_hash_vectors does: rt_hash_mix8 of each key's 8 bytes
 * or of HASH_NULL for a NULL key, XXH64 of its 16 bytes, XXH3 of its string bytes. */
static LLVMValueRef keys_hash(cg_fn *f, sink_gen *s, const key_reg *keys, uint32_t n) {
    cg_module *m = f->m;
    LLVMValueRef h = cg_i64(m, (int64_t)HASH_SEED);
    for (uint32_t k = 0; k < n; k++) {
        LLVMValueRef hv;
        if (keys[k].kind == KEY_BITS) {
            hv = cg_hash_mix8(m, keys[k].bits, h);
        } else if (keys[k].kind == KEY_WIDE) { /* hash.c: XXH64 of the value's 16 bytes */
            LLVMValueRef lanes[2] = {keys[k].bits, keys[k].hi};
            hv = cg_xxh64_lanes(m, lanes, 2, h);
        } else {
            LLVMValueRef args[3] = {keys[k].ptr, keys[k].len, h};
            hv = cg_call_inline(m, CG_INLINE_HASH_STRING, args, 3);
        }
        LLVMValueRef hn = cg_hash_mix8(m, cg_i64(m, (int64_t)HASH_NULL), h);
        h = LLVMBuildSelect(m->b, keys[k].null, hn, hv, "h");
    }
    return h;
}

static bool is_const_false(LLVMValueRef v) {
    return LLVMIsAConstantInt(v) && LLVMConstIntGetZExtValue(v) == 0;
}

/* Branches to `eq` if the keys equal those of group row `row`, else to `ne`. */
static void keys_compare(cg_fn *f, const plan_op *op, const key_reg *keys, LLVMValueRef row,
                         LLVMBasicBlockRef eq, LLVMBasicBlockRef ne) {
    cg_module *m = f->m;
    uint32_t n = op->u.agg.n_groups;
    uint64_t keys_off = (uint64_t)op->u.agg.n_aggs * sizeof(rt_agg_state);
    uint64_t nulls_off = keys_off + 16 * (uint64_t)n + 8;
    for (uint32_t k = 0; k < n; k++) {
        const key_reg *kr = &keys[k];
        LLVMValueRef slot = byte_gep(m, row, keys_off + 16 * (uint64_t)k);
        LLVMValueRef flag = LLVMBuildLoad2(m->b, m->t_i8, byte_gep(m, row, nulls_off + k), "");
        LLVMValueRef row_null =
            LLVMBuildICmp(m->b, LLVMIntNE, flag, LLVMConstInt(m->t_i8, 0, 0), "");
        LLVMValueRef same_null = LLVMBuildNot(m->b, LLVMBuildXor(m->b, row_null, kr->null, ""), "");
        LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "key_eq");
        LLVMValueRef ok;
        if (kr->kind == KEY_STR) {
            LLVMValueRef lp = byte_gep(m, slot, 8);
            LLVMValueRef klen = LLVMBuildLoad2(m->b, m->t_i32, lp, "klen");
            ok = LLVMBuildAnd(m->b, same_null, LLVMBuildICmp(m->b, LLVMIntEQ, klen, kr->len, ""),
                              "");
            LLVMBasicBlockRef bytes = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "key_bytes");
            LLVMBuildCondBr(m->b, ok, bytes, ne);
            LLVMPositionBuilderAtEnd(m->b, bytes);
            /* NULL keys (length 0) and empty strings: nothing to compare */
            LLVMValueRef empty = LLVMBuildICmp(m->b, LLVMIntEQ, kr->len, cg_i32(m, 0), "");
            LLVMBasicBlockRef cmp = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "key_cmp");
            LLVMBuildCondBr(m->b, empty, next, cmp);
            LLVMPositionBuilderAtEnd(m->b, cmp);
            LLVMValueRef kptr = LLVMBuildLoad2(m->b, m->t_ptr, slot, "kptr");
            LLVMValueRef args[3] = {kptr, kr->ptr, kr->len};
            LLVMValueRef r = cg_call_inline(m, CG_INLINE_BYTES_EQ, args, 3);
            LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntNE, r, cg_i32(m, 0), ""), next, ne);
        } else {
            LLVMValueRef kv = LLVMBuildLoad2(m->b, m->t_i64, slot, "kv");
            LLVMSetAlignment(kv, 16);
            LLVMValueRef veq = LLVMBuildICmp(m->b, LLVMIntEQ, kv, kr->bits, "");
            if (kr->kind == KEY_WIDE) { /* and the high word */
                LLVMValueRef kh = LLVMBuildLoad2(m->b, m->t_i64, byte_gep(m, slot, 8), "kh");
                LLVMSetAlignment(kh, 8);
                veq = LLVMBuildAnd(m->b, veq, LLVMBuildICmp(m->b, LLVMIntEQ, kh, kr->hi, ""), "");
            }
            if (is_const_false(kr->null))
                ok = LLVMBuildAnd(m->b, LLVMBuildNot(m->b, row_null, ""), veq, "");
            else
                ok = LLVMBuildAnd(m->b, same_null, LLVMBuildOr(m->b, kr->null, veq, ""), "");
            LLVMBuildCondBr(m->b, ok, next, ne);
        }
        LLVMPositionBuilderAtEnd(m->b, next);
    }
    LLVMBuildBr(m->b, eq);
}

/* Stores the keys as key slots and NULL flags for rt_jit_agg_insert. */
static void keys_store(cg_fn *f, sink_gen *s, const key_reg *keys, uint32_t n) {
    cg_module *m = f->m;
    for (uint32_t k = 0; k < n; k++) {
        LLVMValueRef slot = byte_gep(m, s->key_buf, 16 * (uint64_t)k);
        LLVMValueRef fl = LLVMBuildZExt(m->b, keys[k].null, m->t_i8, "");
        LLVMBuildStore(m->b, fl, byte_gep(m, s->null_buf, k));
        if (keys[k].kind == KEY_STR) {
            LLVMBuildStore(m->b, keys[k].ptr, slot);
            LLVMBuildStore(m->b, keys[k].len, byte_gep(m, slot, 8));
        } else {
            LLVMSetAlignment(LLVMBuildStore(m->b, keys[k].bits, slot), 16);
            if (keys[k].kind == KEY_WIDE)
                LLVMSetAlignment(LLVMBuildStore(m->b, keys[k].hi, byte_gep(m, slot, 8)), 8);
        }
    }
}

/* The first slot position of hash h in the thread's table, and its slots array (both
 * loaded now: an insert may grow the table). */
static LLVMValueRef slot_pos(cg_fn *f, sink_gen *s, LLVMValueRef h, LLVMValueRef *slots) {
    cg_module *m = f->m;
    *slots = LLVMBuildLoad2(m->b, m->t_ptr,
                            LLVMBuildStructGEP2(m->b, m->t_agg_table, s->table, CG_AGGT_SLOTS, ""),
                            "slots");
    LLVMValueRef shift = LLVMBuildLoad2(
        m->b, m->t_i64, LLVMBuildStructGEP2(m->b, m->t_agg_table, s->table, CG_AGGT_SHIFT, ""),
        "shift");
    return LLVMBuildLShr(m->b, LLVMBuildMul(m->b, h, cg_i64(m, (int64_t)SLOT_MUL), ""), shift, "");
}

/* The group row of the current row's keys: probes the thread's table as
 * rt_agg_ht_find does, adding the group with rt_jit_agg_insert when absent. */
static LLVMValueRef find_group(cg_fn *f, sink_gen *s, const plan_op *op, const key_reg *keys) {
    cg_module *m = f->m;
    uint32_t n = op->u.agg.n_groups;
    LLVMValueRef h = keys_hash(f, s, keys, n);
    LLVMValueRef slots;
    LLVMValueRef pos0 = slot_pos(f, s, h, &slots);
    LLVMValueRef mask = LLVMBuildLoad2(
        m->b, m->t_i64, LLVMBuildStructGEP2(m->b, m->t_agg_table, s->table, CG_AGGT_MASK, ""),
        "mask");
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(m->b);
    LLVMBasicBlockRef probe = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_probe");
    LLVMBasicBlockRef check = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_check");
    LLVMBasicBlockRef keys_bb = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_keys");
    LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_next");
    LLVMBasicBlockRef miss = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_new");
    LLVMBasicBlockRef found = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_found");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group");
    LLVMBuildBr(m->b, probe);
    LLVMPositionBuilderAtEnd(m->b, probe);
    LLVMValueRef pos = LLVMBuildPhi(m->b, m->t_i64, "pos");
    LLVMValueRef sp = LLVMBuildGEP2(m->b, m->t_agg_slot, slots, &pos, 1, "");
    LLVMValueRef row = LLVMBuildLoad2(
        m->b, m->t_ptr, LLVMBuildStructGEP2(m->b, m->t_agg_slot, sp, CG_AGGS_ROW, ""), "row");
    LLVMBuildCondBr(m->b, LLVMBuildIsNull(m->b, row, ""), miss, check);
    LLVMPositionBuilderAtEnd(m->b, check);
    LLVMValueRef sh = LLVMBuildLoad2(
        m->b, m->t_i64, LLVMBuildStructGEP2(m->b, m->t_agg_slot, sp, CG_AGGS_HASH, ""), "");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntEQ, sh, h, ""), keys_bb, next);
    LLVMPositionBuilderAtEnd(m->b, keys_bb);
    keys_compare(f, op, keys, row, found, next);
    LLVMPositionBuilderAtEnd(m->b, next);
    LLVMValueRef pos1 = LLVMBuildAnd(m->b, LLVMBuildAdd(m->b, pos, cg_i64(m, 1), ""), mask, "");
    LLVMBuildBr(m->b, probe);
    LLVMValueRef in_v[2] = {pos0, pos1};
    LLVMBasicBlockRef in_b[2] = {pre, next};
    LLVMAddIncoming(pos, in_v, in_b, 2);
    LLVMPositionBuilderAtEnd(m->b, miss);
    keys_store(f, s, keys, n);
    LLVMValueRef args[5] = {f->ts, h, s->key_buf, s->null_buf, s->new_row};
    cg_return_if_error(f, cg_call_helper(m, CG_HELPER_AGG_INSERT, args, 5));
    LLVMValueRef created = LLVMBuildLoad2(m->b, m->t_ptr, s->new_row, "new_group");
    LLVMBasicBlockRef miss_end = LLVMGetInsertBlock(m->b);
    LLVMBuildBr(m->b, done);
    LLVMPositionBuilderAtEnd(m->b, found);
    LLVMBuildBr(m->b, done);
    LLVMPositionBuilderAtEnd(m->b, done);
    return cg_phi2(m, m->t_ptr, "group", row, found, created, miss_end);
}

/* The registers a key is compared with the last row's in: the key bits, a wide key's
 * two words, or a VARCHAR view's two halves (16 bytes: equal views of one column within
 * a morsel are equal strings: the same inline bytes, or the same buffer and offset); hi
 * NULL for KEY_BITS. */
static LLVMValueRef last_key_value(cg_module *m, const key_reg *k, cg_val v, LLVMValueRef *hi) {
    *hi = k->kind == KEY_STR ? cg_str_view_hi(m, v) : k->kind == KEY_WIDE ? k->hi : NULL;
    return k->kind == KEY_STR ? v.v : k->bits;
}

/* The address of the current row's entry (s->way) of cache array arr. */
static LLVMValueRef way_at(cg_module *m, const sink_gen *s, LLVMValueRef arr, LLVMTypeRef t) {
    LLVMValueRef idx[2] = {cg_i64(m, 0), s->way};
    return LLVMBuildGEP2(m->b, LLVMArrayType2(t, s->ways), arr, idx, 2, "");
}

/* The mix of the row's keys the cache picks its entries by: a multiplicative mix of the
 * words the keys are compared in (a NULL key's words may differ from row to row: it
 * only misses); 0 with one entry. */
static LLVMValueRef cache_mix(cg_fn *f, const sink_gen *s, const plan_op *op, const key_reg *keys,
                              const cg_val *in) {
    cg_module *m = f->m;
    if (s->ways == 1)
        return cg_i64(m, 0);
    LLVMValueRef acc = cg_i64(m, 0);
    for (uint32_t k = 0; k < op->u.agg.n_groups; k++) {
        LLVMValueRef hi;
        LLVMValueRef x = last_key_value(m, &keys[k], in[op->u.agg.groups[k]->u.column], &hi);
        if (hi != NULL)
            x = LLVMBuildXor(m->b, x, LLVMBuildMul(m->b, hi, cg_i64(m, CACHE_MIX), ""), "");
        acc = LLVMBuildMul(m->b, LLVMBuildXor(m->b, acc, x, ""), cg_i64(m, CACHE_MIX), "");
    }
    return acc;
}

/* Entry `choice` (0 or 1) of mix: its top CACHE_WAYS_LOG2 bits, or the bits below. */
static LLVMValueRef cache_way(cg_module *m, LLVMValueRef mix, unsigned choice) {
    LLVMValueRef w = LLVMBuildLShr(m->b, mix, cg_i64(m, 64 - CACHE_WAYS_LOG2 * (choice + 1)), "");
    return LLVMBuildAnd(m->b, w, cg_i64(m, CACHE_WAYS - 1), "cache_way");
}

/* i1: the keys equal the row's cache entry's (NULLs equal; NULL values are not
 * compared). */
static LLVMValueRef last_keys_equal(cg_fn *f, sink_gen *s, const plan_op *op, const key_reg *keys,
                                    const cg_val *in) {
    cg_module *m = f->m;
    LLVMValueRef eq = LLVMBuildLoad2(m->b, m->t_i1, way_at(m, s, s->last_ok, m->t_i1), "");
    for (uint32_t k = 0; k < op->u.agg.n_groups; k++) {
        LLVMValueRef hi;
        LLVMValueRef x = last_key_value(m, &keys[k], in[op->u.agg.groups[k]->u.column], &hi);
        LLVMValueRef lx =
            LLVMBuildLoad2(m->b, LLVMTypeOf(x), way_at(m, s, s->last_key[k], m->t_i64), "");
        LLVMValueRef ln = LLVMBuildLoad2(m->b, m->t_i1, way_at(m, s, s->last_null[k], m->t_i1), "");
        LLVMValueRef same = LLVMBuildICmp(m->b, LLVMIntEQ, x, lx, "");
        if (hi != NULL) {
            LLVMValueRef lh =
                LLVMBuildLoad2(m->b, m->t_i64, way_at(m, s, s->last_hi[k], m->t_i64), "");
            same = LLVMBuildAnd(m->b, same, LLVMBuildICmp(m->b, LLVMIntEQ, hi, lh, ""), "");
        }
        LLVMValueRef same_null = LLVMBuildNot(m->b, LLVMBuildXor(m->b, keys[k].null, ln, ""), "");
        same = LLVMBuildAnd(m->b, same_null, LLVMBuildOr(m->b, keys[k].null, same, ""), "");
        eq = LLVMBuildAnd(m->b, eq, same, "");
    }
    return eq;
}

/* Remembers the keys and group row of this row in its cache entry. */
static void last_store(cg_fn *f, sink_gen *s, const plan_op *op, const key_reg *keys,
                       const cg_val *in, LLVMValueRef row) {
    cg_module *m = f->m;
    for (uint32_t k = 0; k < op->u.agg.n_groups; k++) {
        LLVMValueRef hi;
        LLVMBuildStore(m->b, last_key_value(m, &keys[k], in[op->u.agg.groups[k]->u.column], &hi),
                       way_at(m, s, s->last_key[k], m->t_i64));
        if (hi != NULL)
            LLVMBuildStore(m->b, hi, way_at(m, s, s->last_hi[k], m->t_i64));
        LLVMBuildStore(m->b, keys[k].null, way_at(m, s, s->last_null[k], m->t_i1));
    }
    LLVMBuildStore(m->b, row, way_at(m, s, s->last_row, m->t_ptr));
    LLVMBuildStore(m->b, cg_i1(m, true), way_at(m, s, s->last_ok, m->t_i1));
}

/* A cache array alloca of `ways` entries of type t, zeroed (compared entries are
 * never undefined). */
static LLVMValueRef cache_array(cg_fn *f, const sink_gen *s, LLVMTypeRef t, const char *name) {
    cg_module *m = f->m;
    LLVMValueRef arr = cg_alloca(f, LLVMArrayType2(t, s->ways), name);
    LLVMValueRef zero = LLVMConstNull(LLVMArrayType2(t, s->ways));
    LLVMBuildStore(m->b, zero, arr);
    return arr;
}

/* Whether the keys can be compared with the last row's in registers: no VARCHAR key
 * is computed (its bytes would be wherever the expression put them). */
static bool cache_supported(cg_fn *f, const sink_gen *s, const plan_op *op) {
    for (uint32_t k = 0; k < op->u.agg.n_groups; k++)
        if (computed_str(f, s, op->u.agg.groups[k]->u.column))
            return false;
    return true;
}

/* Whether the lookahead can read every key of a row LOOKAHEAD rows on: a fixed-width
 * morsel column unchanged (sets s->ahead_cols); not at the cheap tier (no prefetch). */
static bool ahead_supported(cg_fn *f, sink_gen *s, const plan_op *op) {
    if (f->m->cheap)
        return false;
    uint32_t n = op->u.agg.n_groups;
    s->ahead_cols = calloc(n, sizeof *s->ahead_cols);
    if (s->ahead_cols == NULL)
        return false;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t c = op->u.agg.groups[k]->u.column;
        int64_t origin = pass_column(f->pipe, c);
        if (origin < 0 || f->pipe->ops[0]->types[origin] != s->types[c] ||
            key_kind_of(s->types[c]) == KEY_STR || f->cols[origin].values == NULL)
            return false;
        s->ahead_cols[k] = (uint32_t)origin;
    }
    return true;
}

static qe_status direct_begin(cg_fn *f, sink_gen *s, rt_error *err) {
    cg_module *m = f->m;
    const plan_op *op = sink_op(f);
    uint32_t n = op->u.agg.n_groups;
    s->rows_var = cg_alloca(f, m->t_i64, "sink_rows");
    LLVMBuildStore(m->b, cg_i64(m, 0), s->rows_var);
    if (n == 0) { /* no GROUP BY: the one group, found once */
        s->direct = s->global = true;
        LLVMValueRef args[1] = {f->ts};
        s->single = cg_call_helper(m, CG_HELPER_AGG_SINGLE, args, 1);
        cg_raise_if(f, LLVMBuildIsNull(m->b, s->single, ""), RT_JIT_ERR_NOMEM, -1);
        return QE_OK;
    }
    s->ahead = ahead_supported(f, s, op);
    /* big tables without the lookahead push blocks to the interpreter's aggregation */
    qe_status st = s->ahead ? QE_OK : push_begin(f, s, err);
    if (st != QE_OK)
        return st;
    s->direct = true;
    s->key_buf = cg_alloca(f, LLVMArrayType2(m->t_i128, n), "group_keys");
    LLVMSetAlignment(s->key_buf, 16);
    s->null_buf = cg_alloca(f, LLVMArrayType2(m->t_i8, n), "group_nulls");
    s->new_row = cg_alloca(f, m->t_ptr, "new_group");
    s->cache = cache_supported(f, s, op);
    if (s->cache) {
        /* a VARCHAR key: a miss hashes strings with calls, and a few groups interleaved
           (Q1's) would miss the last row's entry every other row */
        s->ways = cg_agg_by_string(op, s->types) ? CACHE_WAYS : 1;
        s->last_key = calloc(n, sizeof *s->last_key);
        s->last_hi = calloc(n, sizeof *s->last_hi);
        s->last_null = calloc(n, sizeof *s->last_null);
        if (!s->last_key || !s->last_hi || !s->last_null)
            return nomem(err);
        s->last_ok = cache_array(f, s, m->t_i1, "last_ok");
        s->last_row = cache_array(f, s, m->t_ptr, "last_group");
        for (uint32_t k = 0; k < n; k++) {
            qe_type t = s->types[op->u.agg.groups[k]->u.column];
            s->last_key[k] = cache_array(f, s, m->t_i64, "last_key");
            if (key_kind_of(t) != KEY_BITS)
                s->last_hi[k] = cache_array(f, s, m->t_i64, "last_hi");
            s->last_null[k] = cache_array(f, s, m->t_i1, "last_null");
        }
    }
    LLVMValueRef args[1] = {f->ts};
    s->table = cg_call_helper(m, CG_HELPER_AGG_TABLE, args, 1);
    LLVMValueRef mask = LLVMBuildLoad2(
        m->b, m->t_i64, LLVMBuildStructGEP2(m->b, m->t_agg_table, s->table, CG_AGGT_MASK, ""), "");
    s->big = LLVMBuildICmp(m->b, LLVMIntUGE, mask, cg_i64(m, BIG_TABLE_SLOTS - 1), "big_table");
    if (s->ahead)
        s->n_rows = LLVMBuildZExt(m->b, cg_load_batch_field(m, f->morsel, CG_BATCH_N_ROWS),
                                  m->t_i64, "morsel_rows");
    s->ordered_ok =
        s->ahead && s->cache && n == 1 && rt_agg_orderable(s->types[op->u.agg.groups[0]->u.column]);
    if (s->ordered_ok) {
        LLVMValueRef ps_arg[1] = {f->ps};
        s->ordered =
            LLVMBuildICmp(m->b, LLVMIntNE, cg_call_helper(m, CG_HELPER_AGG_ORDERED, ps_arg, 1),
                          cg_i32(m, 0), "ordered");
        s->ord_seen = cg_alloca(f, m->t_i1, "ordered_seen");
        LLVMBuildStore(m->b, cg_i1(m, false), s->ord_seen);
    }
    return QE_OK;
}

/* The group of a row whose key the last row's is not, in a morsel of an ordered
 * aggregation that has looked up its first group: a new one, added without a lookup. */
static LLVMValueRef ordered_group(cg_fn *f, sink_gen *s, const key_reg *keys) {
    cg_module *m = f->m;
    LLVMValueRef h = keys_hash(f, s, keys, 1);
    keys_store(f, s, keys, 1);
    LLVMValueRef args[5] = {f->ts, h, s->key_buf, s->null_buf, s->new_row};
    cg_return_if_error(f, cg_call_helper(m, CG_HELPER_AGG_INSERT_ORDERED, args, 5));
    return LLVMBuildLoad2(m->b, m->t_ptr, s->new_row, "new_group");
}

/* The slot of hash h in the thread's table (loaded now: an insert may grow it). */
static LLVMValueRef slot_of(cg_fn *f, sink_gen *s, LLVMValueRef h) {
    LLVMValueRef slots;
    LLVMValueRef pos = slot_pos(f, s, h, &slots);
    return LLVMBuildGEP2(f->m->b, f->m->t_agg_slot, slots, &pos, 1, "slot");
}

/* The hash of the keys of morsel row min(row + d, n_rows - 1), their NULL flags
 * ignored (a NULL key's slot is only prefetched in vain). */
static LLVMValueRef ahead_hash(cg_fn *f, sink_gen *s, const plan_op *op, uint64_t d,
                               key_reg *keys) {
    cg_module *m = f->m;
    uint32_t n = op->u.agg.n_groups;
    LLVMValueRef r = LLVMBuildAdd(m->b, f->row, cg_i64(m, (int64_t)d), "");
    r = LLVMBuildSelect(m->b, LLVMBuildICmp(m->b, LLVMIntULT, r, s->n_rows, ""), r, f->row,
                        "ahead_row");
    for (uint32_t k = 0; k < n; k++) {
        uint32_t c = s->ahead_cols[k];
        qe_type t = f->pipe->ops[0]->types[c];
        cg_val v = {.v = cg_load_value(m, t, f->cols[c].values, r), .null = cg_i1(m, false)};
        keys[k] = key_of(f, t, v);
    }
    return keys_hash(f, s, keys, n);
}

/* Lookahead (big tables): prefetches the slot of the row LOOKAHEAD rows on, and the
 * group row (its keys) the slot of the row LOOKAHEAD / 2 on points to, as
 * rt_agg_ht_find does.  keys: n_groups scratch key_regs. */
static void lookahead(cg_fn *f, sink_gen *s, const plan_op *op, key_reg *keys) {
    cg_module *m = f->m;
    LLVMBasicBlockRef go = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "ahead");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "ahead_done");
    LLVMBuildCondBr(m->b, s->big, go, done);
    LLVMPositionBuilderAtEnd(m->b, go);
    cg_prefetch(m, slot_of(f, s, ahead_hash(f, s, op, LOOKAHEAD, keys)));
    LLVMValueRef sp = slot_of(f, s, ahead_hash(f, s, op, LOOKAHEAD / 2, keys));
    LLVMValueRef row = LLVMBuildLoad2(
        m->b, m->t_ptr, LLVMBuildStructGEP2(m->b, m->t_agg_slot, sp, CG_AGGS_ROW, ""), "");
    /* an empty slot: prefetch the slot again (in cache) rather than branch */
    LLVMValueRef at = byte_gep(m, row, (uint64_t)op->u.agg.n_aggs * sizeof(rt_agg_state));
    cg_prefetch(m, LLVMBuildSelect(m->b, LLVMBuildIsNull(m->b, row, ""), sp, at, ""));
    LLVMBuildBr(m->b, done);
    LLVMPositionBuilderAtEnd(m->b, done);
}

/* The group row of the current row: the last row's when the keys repeat, else
 * find_group's (remembered). */
static LLVMValueRef row_group(cg_fn *f, sink_gen *s, const plan_op *op, const cg_val *in) {
    cg_module *m = f->m;
    uint32_t n = op->u.agg.n_groups;
    if (s->global)
        return s->single;
    key_reg *keys = malloc(sizeof *keys * n * 2); /* the row's, then the lookahead's */
    if (keys == NULL)
        return NULL;
    if (s->ahead && !s->cache)
        lookahead(f, s, op, keys + n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t c = op->u.agg.groups[k]->u.column;
        keys[k] = key_of(f, s->types[c], in[c]);
    }
    if (!s->cache) {
        LLVMValueRef grp = find_group(f, s, op, keys);
        free(keys);
        return grp;
    }
    LLVMBasicBlockRef lookup = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_lookup");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_known");
    /* up to two entries (ways > 1): the mix's first choice, then its second */
    LLVMValueRef mix = cache_mix(f, s, op, keys, in);
    uint32_t n_choices = s->ways > 1 ? 2 : 1;
    LLVMValueRef way[2], last[2];
    LLVMBasicBlockRef same_end[2];
    for (uint32_t c = 0; c < n_choices; c++) {
        LLVMBasicBlockRef miss =
            c + 1 < n_choices ? LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_way2") : lookup;
        s->way = way[c] = s->ways > 1 ? cache_way(m, mix, c) : mix;
        LLVMBasicBlockRef same = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_same");
        LLVMBuildCondBr(m->b, last_keys_equal(f, s, op, keys, in), same, miss);
        LLVMPositionBuilderAtEnd(m->b, same);
        last[c] = LLVMBuildLoad2(m->b, m->t_ptr, way_at(m, s, s->last_row, m->t_ptr), "last_group");
        same_end[c] = same;
        LLVMBuildBr(m->b, done);
        LLVMPositionBuilderAtEnd(m->b, miss);
    }
    LLVMBasicBlockRef ord_end = NULL;
    LLVMValueRef ord_grp = NULL;
    if (s->ordered_ok) { /* after the morsel's first lookup, ordered: a new group */
        LLVMBasicBlockRef ord = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_ordered");
        LLVMBasicBlockRef look = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_look");
        LLVMValueRef seen = LLVMBuildLoad2(m->b, m->t_i1, s->ord_seen, "");
        LLVMBuildCondBr(m->b, LLVMBuildAnd(m->b, s->ordered, seen, ""), ord, look);
        LLVMPositionBuilderAtEnd(m->b, ord);
        ord_grp = ordered_group(f, s, keys);
        ord_end = LLVMGetInsertBlock(m->b);
        LLVMPositionBuilderAtEnd(m->b, look);
        LLVMBuildStore(m->b, cg_i1(m, true), s->ord_seen);
    }
    /* only rows that look their group up prefetch ahead: while the keys repeat (Q18's
       l_orderkey, four rows a key), rows ahead are a few lookups ahead, too few to hide a
       miss, and a repeat costs no hashing of the rows ahead */
    if (s->ahead)
        lookahead(f, s, op, keys + n);
    LLVMValueRef found = find_group(f, s, op, keys);
    if (s->ordered_ok) {
        LLVMBasicBlockRef look_end = LLVMGetInsertBlock(m->b);
        LLVMBasicBlockRef joined =
            LLVMAppendBasicBlockInContext(m->ctx, f->fn, "group_new_or_found");
        LLVMBuildBr(m->b, joined);
        LLVMPositionBuilderAtEnd(m->b, ord_end);
        LLVMBuildBr(m->b, joined);
        LLVMPositionBuilderAtEnd(m->b, joined);
        found = cg_phi2(m, m->t_ptr, "group", found, look_end, ord_grp, ord_end);
    }
    /* the new group takes the first choice while it is free, else the second (the
       first-comers stay: groups colliding on one entry each keep one) */
    if (n_choices == 2) {
        s->way = way[0];
        LLVMValueRef taken = LLVMBuildLoad2(m->b, m->t_i1, way_at(m, s, s->last_ok, m->t_i1), "");
        s->way = LLVMBuildSelect(m->b, taken, way[1], way[0], "store_way");
    }
    last_store(f, s, op, keys, in, found);
    LLVMBasicBlockRef lookup_end = LLVMGetInsertBlock(m->b);
    LLVMBuildBr(m->b, done);
    LLVMPositionBuilderAtEnd(m->b, done);
    LLVMValueRef grp = LLVMBuildPhi(m->b, m->t_ptr, "group");
    LLVMAddIncoming(grp, last, same_end, n_choices);
    LLVMAddIncoming(grp, &found, &lookup_end, 1);
    free(keys);
    return grp;
}

static qe_status direct_consume(cg_fn *f, sink_gen *s, rt_error *err) {
    cg_module *m = f->m;
    const plan_op *op = sink_op(f);
    const cg_val *in = s->row_vals;
    LLVMValueRef grp = row_group(f, s, op, in);
    if (grp == NULL)
        return nomem(err);
    /* straight-line updates: one overflow test per row (a failed check's state is stored
       anyway: the query fails) */
    f->defer = true;
    for (uint32_t k = 0; k < op->u.agg.n_aggs; k++) {
        LLVMValueRef idx = cg_i64(m, k);
        LLVMValueRef sk = LLVMBuildGEP2(m->b, m->t_agg, grp, &idx, 1, "");
        agg_update(f, s, &op->u.agg.aggs[k], op->u.agg.phase, sk);
    }
    cg_raise_flush(f);
    f->defer = false;
    s->row_vals = NULL;
    LLVMValueRef n = LLVMBuildLoad2(m->b, m->t_i64, s->rows_var, "");
    LLVMBuildStore(m->b, LLVMBuildAdd(m->b, n, cg_i64(m, 1), ""), s->rows_var);
    return QE_OK;
}

static void direct_finish(cg_fn *f, sink_gen *s) {
    cg_module *m = f->m;
    if (s->ordered_ok) { /* the morsel's last group into the index (none if unordered) */
        LLVMValueRef ts_arg[1] = {f->ts};
        cg_return_if_error(f, cg_call_helper(m, CG_HELPER_AGG_ORDERED_END, ts_arg, 1));
    }
    LLVMValueRef args[3] = {f->ps, f->ts, LLVMBuildLoad2(m->b, m->t_i64, s->rows_var, "")};
    cg_call_helper(m, CG_HELPER_SINK_ROWS, args, 3);
}

/* ---- the sink interface (cg_int.h) ----------------------------------------------- */

/* Whether an AGG_SINK takes its rows as the interpreter does, as the morsel's vectors
 * with a selection (pass_supported; rt_jit_push runs the interpreter's aggregation):
 * when a group key is a VARCHAR.  Hashing strings row by row (a call per key) and
 * comparing them (a call per candidate) keeps each row waiting on the last, where
 * the interpreter hashes a whole column and then probes (rt_agg_ht_find). */
static bool agg_pass(cg_fn *f, const sink_gen *s) {
    return cg_agg_by_string(sink_op(f), s->types) && pass_supported(f, s);
}

/* Whether an AGG_SINK has a VARCHAR group key; see cg_int.h. */
bool cg_agg_by_string(const plan_op *sink, const qe_type *in_types) {
    for (uint32_t k = 0; k < sink->u.agg.n_groups; k++)
        if (in_types[sink->u.agg.groups[k]->u.column] == QE_TYPE_VARCHAR)
            return true;
    return false;
}

/* Begins the sink in the entry block; see cg_int.h. */
qe_status cg_sink_begin(cg_fn *f, rt_error *err) {
    cg_module *m = f->m;
    const plan_pipeline *p = f->pipe;
    sink_gen *s = calloc(1, sizeof *s);
    if (s == NULL)
        return nomem(err);
    f->sink = s;
    const plan_op *before = p->ops[p->n_ops - 2];
    s->n_cols = before->n_cols;
    s->types = before->types;
    s->n_var = cg_alloca(f, m->t_i64, "n_block");
    n_store(m, s, cg_i64(m, 0));
    if (sink_op(f)->kind != PLAN_PHYS_AGG_SINK || !cg_agg_fused(sink_op(f), s->types, s->n_cols)) {
        s->pass = pass_supported(f, s);
        if (!s->pass)
            return push_begin(f, s, err);
        pass_begin(f, s);
        return QE_OK;
    }
    if (agg_pass(f, s)) {
        s->pass = true;
        pass_begin(f, s);
        return QE_OK;
    }
    /* the cheap tier pushes blocks to the interpreter's aggregation: half the IR */
    if (!m->cheap && direct_supported(s, sink_op(f)))
        return direct_begin(f, s, err);
    return push_begin(f, s, err);
}

/* Whether the sink pushes the morsel's vectors with a selection; see cg_int.h. */
bool cg_sink_pass(const cg_fn *f) { return f->sink != NULL && ((const sink_gen *)f->sink)->pass; }

/* Consumes the current row; see cg_int.h. */
qe_status cg_sink_consume(cg_fn *f, const cg_val *in, uint32_t n_in, rt_error *err) {
    sink_gen *s = f->sink;
    if (s->pass) {
        pass_consume(f, s);
        return QE_OK;
    }
    if (n_in != s->n_cols)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "codegen: sink input has %u columns, expected %u", n_in, s->n_cols);
    if (s->direct && (s->ahead || s->global)) { /* no block path */
        s->row_vals = in;
        qe_status st = direct_consume(f, s, err);
        s->row_vals = NULL;
        return st;
    }
    if (s->direct) {
        cg_module *m = f->m;
        LLVMBasicBlockRef gather = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "agg_gather");
        LLVMBasicBlockRef probe = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "agg_direct");
        LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "agg_done");
        LLVMBuildCondBr(m->b, s->big, gather, probe);
        LLVMPositionBuilderAtEnd(m->b, gather);
        push_consume(f, s, in);
        LLVMBuildBr(m->b, done);
        LLVMPositionBuilderAtEnd(m->b, probe);
        s->row_vals = in;
        qe_status st = direct_consume(f, s, err);
        s->row_vals = NULL;
        if (st != QE_OK)
            return st;
        LLVMBuildBr(m->b, done);
        LLVMPositionBuilderAtEnd(m->b, done);
        return QE_OK;
    }
    push_consume(f, s, in);
    return QE_OK;
}

/* Flushes the last block after the loop; see cg_int.h. */
qe_status cg_sink_finish(cg_fn *f, rt_error *err) {
    cg_module *m = f->m;
    sink_gen *s = f->sink;
    if (s->direct)
        direct_finish(f, s); /* then the last gathered block, if any */
    if (s->direct && (s->ahead || s->global))
        return QE_OK;
    LLVMValueRef n = n_load(m, s, "n_block");
    LLVMBasicBlockRef last = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "last");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(m->ctx, f->fn, "finished");
    LLVMBuildCondBr(m->b, LLVMBuildICmp(m->b, LLVMIntNE, n, cg_i64(m, 0), ""), last, done);
    LLVMPositionBuilderAtEnd(m->b, last); /* the function's last call: returns its status */
    LLVMBuildRet(m->b, s->pass ? pass_push(f, s, n) : push_push(f, s, n));
    LLVMPositionBuilderAtEnd(m->b, done);
    return QE_OK;
}

/* Releases the sink's generation state; see cg_int.h. */
void cg_sink_free(cg_fn *f) {
    sink_gen *s = f->sink;
    if (s == NULL)
        return;
    free(s->values_var);
    free(s->valid_var);
    free(s->last_key);
    free(s->last_hi);
    free(s->last_null);
    free(s->ahead_cols);
    free(s);
    f->sink = NULL;
}
