/*
 * rt_int.h -- the runtime's private interface (between the files of src/runtime).
 *
 * Bit helpers, hashing, the expression interpreter, primitives, casts, the
 * aggregation hash table, sort state, and the execution structures of a running
 * task: stage state, pipeline state (shared by a pipeline's threads) and thread
 * state.  Nothing here is visible outside src/runtime.
 */
#ifndef QE_RT_INT_H
#define QE_RT_INT_H

#include "plan.h"
#include "rt.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---- bitmaps (LSB-first, 1 = valid) ---------------------------------------------------- */

static inline size_t rt_bitmap_bytes(uint32_t n_bits) { return ((size_t)n_bits + 7) / 8; }
static inline bool rt_bit_get(const uint8_t *bm, uint32_t i) { return (bm[i >> 3] >> (i & 7)) & 1; }
/* Row r's value of integer key column v (SMALLINT, INTEGER, DATE, BIGINT, TIMESTAMP),
 * sign-extended: the join key index's values (join.c, jit_join.c). */
static inline int64_t rt_key_value(const rt_vector *v, uint64_t r) {
    switch (v->type) {
    case QE_TYPE_SMALLINT: return ((const int16_t *)v->values)[r];
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: return ((const int32_t *)v->values)[r];
    default: return ((const int64_t *)v->values)[r];
    }
}
static inline void rt_bit_set(uint8_t *bm, uint32_t i) { bm[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static inline void rt_bit_clear(uint8_t *bm, uint32_t i) {
    bm[i >> 3] &= (uint8_t)~(1u << (i & 7));
}
static inline void rt_bit_put(uint8_t *bm, uint32_t i, bool valid) {
    if (valid)
        rt_bit_set(bm, i);
    else
        rt_bit_clear(bm, i);
}

/* ---- types, vectors -------------------------------------------------------------------- */

/* Appends rows of src to dst (same types, dst has room): row indices rows[first..first+n)
 * or, when rows is NULL, the range first..first+n.  Strings are copied into dst's heap.
 * False on out-of-memory (dst->n_rows unchanged, partial values may be written). */
bool rt_batch_append_rows(rt_batch *dst, rt_arena *arena, const rt_batch *src, const uint32_t *rows,
                          uint32_t first, uint32_t n);
/* rt_batch_append_rows without copying long strings: dst's views refer to src's string
 * buffers (listed in dst's buffers arrays), so src's memory must outlive dst's. */
bool rt_batch_append_rows_borrowed(rt_batch *dst, rt_arena *arena, const rt_batch *src,
                                   const uint32_t *rows, uint32_t first, uint32_t n);

/* Three-way comparison and equality of two string views (bytewise, shorter first). */
int rt_string_compare(const rt_vector *va, const rt_string *a, const rt_vector *vb,
                      const rt_string *b);
bool rt_string_equal(const rt_vector *va, const rt_string *a, const rt_vector *vb,
                     const rt_string *b);

/* Signed value of the w-byte (1, 2, 4 or 8) little-endian integer at p (BOOLEAN's one
 * byte is 0/1); values of zone maps and storage encodings. */
static inline int64_t rt_load_int(const uint8_t *p, uint32_t w) {
    switch (w) {
    case 1: return *p;
    case 2: {
        int16_t x;
        memcpy(&x, p, 2);
        return x;
    }
    case 4: {
        int32_t x;
        memcpy(&x, p, 4);
        return x;
    }
    default: {
        int64_t x;
        memcpy(&x, p, 8);
        return x;
    }
    }
}

/* ---- row buffers ---------------------------------------------------------------------- */

/* Rows collected as compact batches of RT_VECTOR_SIZE rows in the buffer's own arena. */
typedef struct rt_rowbuf {
    rt_mem_tracker *mem; /* charged for everything below */
    uint32_t n_cols;
    const qe_type *types; /* n_cols; borrowed (must outlive the buffer's appends) */
    rt_arena *arena;      /* owns the batches; created on the first append */
    rt_batch **batches;   /* rt_malloc'd array */
    uint32_t n_batches;
    uint32_t cap; /* capacity of batches[] */
    uint64_t n_rows;
} rt_rowbuf;

void rt_rowbuf_init(rt_rowbuf *rb, rt_mem_tracker *mem, uint32_t n_cols, const qe_type *types);
/* Copies the active rows of b (same types) into the buffer; false on out-of-memory. */
bool rt_rowbuf_append(rt_rowbuf *rb, const rt_batch *b);
/* Frees every row (the buffer can be reused after rt_rowbuf_init). */
void rt_rowbuf_free(rt_rowbuf *rb);

/* The rows every thread of a collecting sink (SORT_SINK, WINDOW_SINK) buffered, moved out
 * of the thread states at the pipeline end, with all their batches listed in thread
 * order. */
typedef struct rt_runs {
    uint32_t n_runs;    /* one per thread */
    rt_rowbuf *runs;    /* rt_malloc'd: each thread's rows (they own the batches) */
    rt_batch **batches; /* all batches of all runs (rt_malloc'd, at least one entry) */
    uint32_t n_batches;
    uint64_t n_rows;
} rt_runs;

/* Moves the rt_rowbuf sink state of every thread of ps into out (zeroed by the caller);
 * 53200 on out-of-memory (out can still be freed). */
qe_status rt_runs_collect(rt_pipeline_state *ps, rt_runs *out, rt_error *err);
/* Frees the rows and arrays of runs (charged to mem). */
void rt_runs_free(rt_runs *runs, rt_mem_tracker *mem);

/* ---- catalog --------------------------------------------------------------------------- */

/* A consistent view of a table's chunks for one scan (chunk headers copied). */
typedef struct rt_table_snap {
    uint32_t n_chunks;
    rt_batch *chunks;                /* n_chunks batch headers, in the scan's arena */
    const rt_col_zone **chunk_zones; /* n_chunks: the zone map of each full chunk
                                        (n_cols entries, never change), NULL if none */
    uint32_t n_zones;                /* the table's persisted row groups (rt_table_zones) */
    const rt_zone *zones;            /* their zone maps, sorted by first_row */
    uint8_t *sorted;                 /* per table column: 1 if every row of the snapshot is
                                        within rt_table.sorted_rows (no NULL, never
                                        decreasing), else 0 */
} rt_table_snap;

/* What a scan prunes with: its filters and its table's zone maps. */
typedef struct rt_scan_prune {
    uint32_t n_filters;
    const plan_scan_filter *filters; /* the scan's filters */
    const uint32_t *table_cols;      /* scan column -> table column */
    const qe_type *types;            /* scan column types */
    const rt_col_zone **chunk_zones; /* from the snapshot; may be NULL */
    uint32_t n_zones;                /* persisted row groups */
    const rt_zone *zones;
} rt_scan_prune;

/* The zone map of rows [0, n_rows) of v into *z (zone.c): NULL count always, min/max
 * for ordered fixed-width types of at most 8 bytes (not with a NaN). */
void rt_chunk_zone(const rt_vector *v, uint32_t n_rows, rt_col_zone *z);
/* False only if no row of chunk `chunk` (rows [first_row, first_row + n_rows) of the
 * table) can satisfy every filter of p, judged by the zone maps (zone.c). */
bool rt_scan_chunk_may_match(const rt_scan_prune *p, uint32_t chunk, uint64_t first_row,
                             uint32_t n_rows);

/* Takes a snapshot of t's chunks into arena (under the catalog lock). */
qe_status rt_table_snapshot(rt_catalog *cat, rt_table *t, rt_arena *arena, rt_table_snap *out,
                            rt_error *err);

/* t->n_rows read under the catalog lock. */
uint64_t rt_table_rows(rt_catalog *cat, rt_table *t);
/* Zeroed memory in t's arena (under the catalog lock, so appends may run meanwhile);
 * lives until the table is dropped.  NULL on out-of-memory. */
void *rt_table_alloc(rt_catalog *cat, rt_table *t, size_t n);
/* Appends copies of n zone maps (each with t->n_cols column entries) to t. */
qe_status rt_table_add_zones(rt_catalog *cat, rt_table *t, const rt_zone *zones, uint32_t n,
                             rt_error *err);

/* ---- column statistics (stats.c) ------------------------------------------------------- */

#define RT_HLL_BITS 10 /* HyperLogLog: 2^10 registers, ~3% error */
#define RT_HLL_REGS (1u << RT_HLL_BITS)

/* Statistics of one table column (merged over every append). */
typedef struct rt_col_stats {
    uint8_t hll[RT_HLL_REGS]; /* HyperLogLog registers of the non-NULL values' hashes */
    uint64_t n_nulls;         /* NULL values */
    bool has_range;           /* min/max hold a value */
    double min, max;          /* fixed-width types: extremes as doubles (see rt.h
                                 rt_column_summary) */
} rt_col_stats;

/* Adds the active rows of b to stats (b->n_cols entries). */
void rt_stats_add_batch(rt_col_stats *stats, const rt_batch *b);
/* Merges src into dst (n_cols entries each). */
void rt_stats_merge(rt_col_stats *dst, const rt_col_stats *src, uint32_t n_cols);
/* The distinct values a sketch's registers estimate. */
double rt_hll_estimate(const uint8_t *regs);

/* ---- hashing --------------------------------------------------------------------------- */

/* hashes[k] = hash of the key columns at the k-th selected row (sel[k], or k). */
void rt_hash_vectors(const rt_vector *const *cols, uint32_t n_cols, const uint32_t *sel, uint32_t n,
                     uint64_t *hashes);
/* Bits of a double with -0.0 folded into 0.0 and NaNs made canonical. */
uint64_t rt_hash_double_bits(double d);
/* rt_hash_vectors' step for one column: mixes the values of rows sel[0..n) (or 0..n)
 * into hashes[0..n), whatever their validity (the caller takes care of NULLs). */
void rt_hash_values(const rt_vector *v, const uint32_t *sel, uint32_t n, uint64_t *hashes);

/* ---- primitives ------------------------------------------------------------------------ */

/* A binary primitive over the selected rows; returns true if some row may have failed
 * (overflow, zero divisor), which the caller confirms with the checker. */
typedef bool (*rt_prim2)(const rt_vector *a, const rt_vector *b, rt_vector *r, const uint32_t *sel,
                         uint32_t n);
/* 0 if row i is fine, else RT_JIT_ERR_OVERFLOW or RT_JIT_ERR_DIV_ZERO. */
typedef int (*rt_prim2_check)(const rt_vector *a, const rt_vector *b, uint32_t i);
typedef bool (*rt_prim1)(const rt_vector *a, rt_vector *r, const uint32_t *sel, uint32_t n);
typedef int (*rt_prim1_check)(const rt_vector *a, uint32_t i);

/* The primitive for a binary arithmetic/comparison op on arguments of `type`, or NULL. */
rt_prim2 rt_prim2_lookup(plan_op_kind op, qe_type type, rt_prim2_check *check);
/* The primitive for NEG/NOT on `type`, or NULL. */
rt_prim1 rt_prim1_lookup(plan_op_kind op, qe_type type, rt_prim1_check *check);

/* Primitives of prim_wide.c: HUGEINT/DECIMAL, INTERVAL, date/time operators with
 * operands of different types, CHAR(n) comparisons (is_char: an operand is CHAR). */
rt_prim2 rt_prim2_lookup_wide(plan_op_kind op, qe_type ta, qe_type tb, bool is_char,
                              rt_prim2_check *check);
rt_prim1 rt_prim1_lookup_wide(plan_op_kind op, qe_type type, rt_prim1_check *check);
/* Interval sum and interval * factor (PostgreSQL's rules); false on overflow. */
bool rt_interval_add(const rt_interval *a, const rt_interval *b, rt_interval *r);
bool rt_interval_scale(const rt_interval *a, double f, rt_interval *r);
/* DECIMAL(precision <= 38) a + b, a - b or a * b (op) into vr's values for the selected
 * rows in one pass; a_const/b_const: that operand is a constant (its row 0).  True when
 * some row (NULL rows included) may have overflowed or left |v| < 10^precision: the
 * caller then redoes the node with the primitive and its checks to name the error. */
bool rt_decimal_arith(plan_op_kind op, const rt_vector *va, bool a_const, const rt_vector *vb,
                      bool b_const, rt_vector *vr, const uint32_t *sel, uint32_t n, int precision);
/* The first selected valid row of a DECIMAL vector with |v| >= 10^precision, or -1. */
int rt_decimal_check_bound(const rt_vector *v, const uint32_t *sel, uint32_t n, int precision);
/* A comparison of a vector with constants, prepared once (prim_const.c): `x op c` or,
 * with n > 1 constants and op EQ, `x IN (c1, ..., cn)`. */
typedef struct rt_const_test rt_const_test;
/* Prepares the test of vectors of `type` (is_char: CHAR(n) rules, trailing blanks do not
 * count) against row 0 of each of the n constant vectors consts (of `type`, non-NULL).
 * NULL when no specialization applies or on out-of-memory: the caller keeps its general
 * primitive. */
rt_const_test *rt_const_test_make(rt_arena *arena, plan_op_kind op, qe_type type, bool is_char,
                                  const rt_vector *const *consts, uint32_t n);
/* out[i] = the test of a's row i, for the selected rows (garbage for NULL rows: the
 * result's validity is a's). */
void rt_const_test_eval(const rt_const_test *t, const rt_vector *a, uint8_t *out,
                        const uint32_t *sel, uint32_t n);
/* Writes the selected valid rows of a that pass to out_sel (may alias sel); their count. */
uint32_t rt_const_test_select(const rt_const_test *t, const rt_vector *a, const uint32_t *sel,
                              uint32_t n, uint32_t *out_sel);
/* Relative cost of the test per row (1: one integer comparison). */
uint32_t rt_const_test_cost(const rt_const_test *t);
/* Casts between BOOLEAN, SMALLINT, INTEGER, BIGINT, REAL, DOUBLE and VARCHAR (no
 * modifiers): cast.c's part of rt_value_cast_mod. */
qe_status rt_cast_basic(const rt_value *in, qe_type to, rt_value *out, rt_arena *arena,
                        rt_error *err, int position);
/* Pairs cast_wide.c converts (HUGEINT, DECIMAL, DATE, TIMESTAMP, INTERVAL). */
bool rt_cast_wide_supported(qe_type from, qe_type to);
/* Typed loops of cast_wide.c: integers/HUGEINT/DECIMAL -> DECIMAL(typmod) and DECIMAL
 * -> REAL/DOUBLE; QE_UNSUPPORTED for other pairs (the caller goes row by row). */
qe_status rt_cast_vector_decimal(const rt_vector *in, int32_t in_typmod, rt_vector *out,
                                 int32_t out_typmod, const uint32_t *sel, uint32_t n, rt_error *err,
                                 int position);
/* Casts with type modifiers: rt_value_cast_mod (rt.h) for vectors. */
qe_status rt_cast_vector_mod(const rt_vector *in, int32_t in_typmod, rt_vector *out,
                             int32_t out_typmod, const uint32_t *sel, uint32_t n, rt_arena *arena,
                             rt_error *err, int position);

/* The 22003 error for an integer result of `type` out of range. */
qe_status rt_error_out_of_range(rt_error *err, qe_type type, int position);
/* 22003 "numeric field overflow" of a cast to DECIMAL(typmod), with PostgreSQL's detail
 * "A field with precision p, scale s must round to an absolute value less than 10^k.". */
qe_status rt_error_numeric_overflow(rt_error *err, int32_t typmod, int position);
/* The error of a primitive checker's code (RT_JIT_ERR_*) for a result of `type`. */
qe_status rt_error_prim(rt_error *err, int code, qe_type type, int position);

/* ---- casts ----------------------------------------------------------------------------- */

/* True if values of `from` can be cast to `to` by rt_cast_vector. */
bool rt_cast_supported(qe_type from, qe_type to);
/* Casts the selected valid rows of in into out (values buffer of out's type; out's
 * validity is the caller's business; VARCHAR results go to out's heap in arena).
 * Errors (22P02 bad text, 22003 out of range) carry `position`. */
qe_status rt_cast_vector(const rt_vector *in, rt_vector *out, const uint32_t *sel, uint32_t n,
                         rt_arena *arena, rt_error *err, int position);
/* Casts one value (strings of a VARCHAR result are allocated in arena). */
qe_status rt_value_cast(const rt_value *in, qe_type to, rt_value *out, rt_arena *arena,
                        rt_error *err, int position);

/* ---- expressions ----------------------------------------------------------------------- */

/* Per-morsel evaluation context. */
typedef struct rt_eval_ctx {
    rt_arena *arena; /* the morsel arena: string results live until the morsel ends */
    rt_error *err;
} rt_eval_ctx;

/* A prepared expression: the plan_expr tree with result buffers and chosen primitives.
 * Owned by one thread (results are overwritten by each evaluation). */
typedef struct rt_expr rt_expr;

/* Deepest expression tree the interpreter prepares: evaluation recurses once per
 * level (a few hundred bytes of stack each, also on threads with small stacks). */
#define RT_EXPR_MAX_DEPTH 4096

/* Prepares e over an input of n_input columns of input_types (state in arena).
 * Unsupported operator/type combinations fail with 0A000; trees deeper than
 * RT_EXPR_MAX_DEPTH with 54001. */
qe_status rt_expr_prepare(rt_arena *arena, const plan_expr *e, uint32_t n_input,
                          const qe_type *input_types, rt_expr **out, rt_error *err);
/* The result type of a prepared expression (a COLUMN's is its input column's). */
qe_type rt_expr_type(const rt_expr *x);
/* Evaluates over in's rows sel[0..n) (sel NULL: rows 0..n-1); *out is valid for those
 * rows until the next evaluation or the end of the morsel. */
qe_status rt_expr_eval(rt_expr *x, rt_eval_ctx *ctx, const rt_batch *in, const uint32_t *sel,
                       uint32_t n, const rt_vector **out);
/* Evaluates a BOOLEAN predicate and writes the rows where it is TRUE (increasing) to
 * out_sel (room for n), their count to *out_n. */
qe_status rt_expr_select(rt_expr *x, rt_eval_ctx *ctx, const rt_batch *in, const uint32_t *sel,
                         uint32_t n, uint32_t *out_sel, uint32_t *out_n);
/* For the expressions of one projection, evaluated in order on the same rows: a
 * subtree of exprs[j] that an earlier expression computes on all its rows (Q1's
 * `price * (1 - discount)` twice) returns that result instead of computing it again. */
void rt_expr_share(rt_expr *const *exprs, uint32_t n);

/* ---- aggregation hash table ----------------------------------------------------------- */

/* Groups of one hash aggregation (agg_ht.c).  A group is a pointer to its n_aggs
 * consecutive rt_agg_state, stable for the table's lifetime.  Not thread-safe. */
typedef struct rt_agg_ht rt_agg_ht;

/* An empty table; NULL on out-of-memory. */
rt_agg_ht *rt_agg_ht_create(rt_mem_tracker *mem, uint32_t n_keys, const qe_type *key_types,
                            uint32_t n_aggs);
void rt_agg_ht_destroy(rt_agg_ht *ht); /* accepts NULL */
/* The arena of the table's group rows (string aggregate states are copied there). */
rt_arena *rt_agg_ht_arena(rt_agg_ht *ht);
uint64_t rt_agg_ht_count(const rt_agg_ht *ht);
/* Group g (0..count-1, in creation order). */
rt_agg_state *rt_agg_ht_group(const rt_agg_ht *ht, uint64_t g);
/* Key column c of a group (strings borrowed from the table); false if NULL. */
bool rt_agg_ht_key(const rt_agg_ht *ht, const rt_agg_state *group, uint32_t c, rt_value *out);
/* The one group of a table without keys (created on first use); NULL on out-of-memory. */
rt_agg_state *rt_agg_ht_single(rt_agg_ht *ht);
/* For the selected rows of the key columns (types as at creation), finds or creates
 * each row's group: out[k] for the k-th selected row.  hashes: scratch of n entries.
 * False on out-of-memory. */
bool rt_agg_ht_find(rt_agg_ht *ht, const rt_vector *const *keys, const uint32_t *sel, uint32_t n,
                    uint64_t *hashes, rt_agg_state **out);
/* rt_agg_ht_find for a table of one integer-like key (key_bits) whose rows come in
 * non-decreasing key order across all blocks of all threads, without NULLs (a scan of
 * a sorted column, rt_table.sorted_rows): a block's first and last keys may be
 * shared with other blocks and go through the index; the keys in between are no
 * other block's, and their groups are created without it (merged by nobody). */
bool rt_agg_ht_find_ordered(rt_agg_ht *ht, const rt_vector *key, const uint32_t *sel, uint32_t n,
                            uint64_t *hashes, rt_agg_state **out);
/* rt_agg_ht_insert of a group left out of the index (rt_agg_ht_find_ordered's), and
 * the indexing of such a group. */
rt_agg_state *rt_agg_ht_insert_unindexed(rt_agg_ht *ht, uint64_t h, const void *keys,
                                         const uint8_t *nulls);
bool rt_agg_ht_index(rt_agg_ht *ht, rt_agg_state *group);
/* Finds or creates in ht the group equal to `group` of src (same key types). */
rt_agg_state *rt_agg_ht_find_row(rt_agg_ht *ht, const rt_agg_ht *src, const rt_agg_state *group);
/* The index generated code probes (rt.h), kept up to date as the table grows. */
const rt_jit_agg *rt_agg_ht_jit_view(const rt_agg_ht *ht);
/* Adds the group of hash h whose keys are n_keys 16-byte key slots (VARCHAR bytes
 * copied) and NULL flags; the caller knows it is not in the table.  NULL on
 * out-of-memory. */
rt_agg_state *rt_agg_ht_insert(rt_agg_ht *ht, uint64_t h, const void *keys, const uint8_t *nulls);
/* Makes room for n_more groups without growing; false on out-of-memory. */
bool rt_agg_ht_reserve(rt_agg_ht *ht, uint64_t n_more);
/* Prefetches the slot where rt_agg_ht_find_row(ht, src, group) starts looking. */
void rt_agg_ht_prefetch(const rt_agg_ht *ht, const rt_agg_ht *src, const rt_agg_state *group);
/* Writes key column c of the n groups at rows (of ht, or of a table with the same keys
 * and aggregates) into rows 0..n-1 of v (v's type is the key's; strings copied into
 * arena; capacity: v's rows, for a validity bitmap made on the first NULL).  False on
 * out-of-memory. */
bool rt_agg_ht_keys_out(const rt_agg_ht *ht, uint8_t *const *rows, uint32_t n, uint32_t c,
                        rt_vector *v, rt_arena *arena, uint32_t capacity);
/* Folds src's states into dst's (groups with equal keys); 0, or a nonzero code that
 * stops the merge. */
typedef int (*rt_agg_merge_fn)(void *ctx, rt_agg_state *dst, const rt_agg_state *src);
/* Merges part `part` (of 2^bits, by hash) of tables[0..n_tables) (same keys and
 * aggregates, at least 2^bits slots each, none growing meanwhile): of the groups with
 * equal keys, the first table's takes in the others' states (merge) and those are
 * marked dead.  Rows of different parts never meet, so parts can be merged by different
 * threads at once.  0, -1 on out-of-memory, or merge's nonzero code. */
int rt_agg_ht_merge_part(rt_agg_ht *const *tables, uint32_t n_tables, uint32_t part, uint32_t bits,
                         rt_agg_merge_fn merge, void *ctx, rt_mem_tracker *mem);
/* The groups start..start+n-1 (creation order) that are not dead, into out; their count. */
uint32_t rt_agg_ht_live_groups(const rt_agg_ht *ht, uint64_t start, uint32_t n, uint8_t **out);

/* ---- execution: stage, pipeline and thread state --------------------------------------- */

/* The operator states of one running stage that outlive a pipeline (AGG_SINK -> AGG_SOURCE,
 * SORT_SINK -> SORT_SOURCE), indexed by plan_op.state_id. */
typedef struct rt_stage_exec {
    const plan_stage *stage;
    uint32_t n_states;
    void **states;            /* calloc'd; an rt_agg_result or rt_sort_result */
    void (**destroy)(void *); /* destructor of each non-NULL state */
} rt_stage_exec;

typedef struct rt_source_ops rt_source_ops;
typedef struct rt_sink_ops rt_sink_ops;

/* Shared by the threads of one pipeline run. */
struct rt_pipeline_state {
    const rt_task *task;
    rt_stage_exec *stage;
    const plan_pipeline *pipe;
    const plan_op *source; /* pipe->ops[0] */
    const plan_op *sink;   /* pipe->ops[n_ops-1] */
    const rt_source_ops *src_ops;
    const rt_sink_ops *sink_ops;
    rt_pipeline_fn compiled;              /* or NULL: interpret */
    uint32_t idx;                         /* this pipeline's index in the stage */
    _Atomic(rt_pipeline_fn) *adaptive_fn; /* adaptive execution: where the function is
                                             published (NULL: compiled stays) */
    uint64_t t_start;                     /* CLOCK_MONOTONIC ns when the threads started */
    _Atomic uint64_t morsels_interpreted; /* morsels run by the interpreter */
    _Atomic uint64_t morsels_compiled;    /* morsels run by compiled code */
    _Atomic uint64_t interp_ns;           /* adaptive: thread CPU time of the measured interpreted
                                             morsels' operators and sink, all threads */
    _Atomic uint64_t interp_rows;         /* ... their input rows */
    _Atomic uint64_t src_ns;              /* ... and of their source (next), for op_share */
    _Atomic uint64_t comp_ns;   /* ... time of the compiled morsels (summed at thread end) */
    _Atomic uint64_t comp_rows; /* ... their input rows */
    uint32_t n_threads;
    uint32_t n_sink_in; /* the sink's input schema: the op before it */
    const qe_type *sink_in_types;
    rt_arena *arena;             /* shared state; used only before threads start,
                                    after they end, or under mu */
    void *src;                   /* the source's shared state */
    void *snk;                   /* the sink's shared state */
    _Atomic int64_t *limit_seen; /* per op index: rows a LIMIT has seen */
    _Atomic bool failed;         /* some thread failed: everybody stops */
    _Atomic bool limit_done;     /* a LIMIT has all its rows: sources may stop */
    pthread_mutex_t mu;          /* guards error and ordered sink calls */
    bool has_error;
    rt_error error;                /* the first failure */
    _Atomic uint64_t rows_out;     /* rows given to result/exchange sinks */
    _Atomic uint64_t rows_written; /* rows appended by the insert sink */
    rt_thread_state **threads;     /* n_threads */
};

/* One thread of a pipeline run. */
struct rt_thread_state {
    rt_pipeline_state *ps;
    uint32_t idx;             /* 0..n_threads-1 */
    rt_arena *arena;          /* thread lifetime: operator states, scratch */
    rt_arena *morsel_arena;   /* reset before each morsel */
    rt_error err;             /* this thread's failure */
    void **ops;               /* per op index: the operator's thread state */
    void *sink;               /* the sink's thread-local state */
    rt_batch *scratch;        /* rt_jit_scratch's slot 0 (compiled pipelines only) */
    void **jit_calls;         /* per generic call site of compiled code: its state
                                 (jit_func.c), created on first use */
    uint32_t n_jit_calls;     /* slots at jit_calls */
    uint64_t *op_rows;        /* per op index: rows out (the sink's entry: rows in) */
    rt_pipeline_fn fn;        /* the compiled function this thread runs, or NULL */
    bool waited;              /* adaptive wait (debug): done once */
    bool reverted;            /* adaptive: went back to the interpreter for good */
    uint64_t comp_ns;         /* adaptive: time of this thread's measured compiled morsels */
    uint64_t comp_rows;       /* ... their input rows */
    uint32_t n_comp_measured; /* ... their number */
    uint32_t skip;            /* adaptive: morsels to run unmeasured before the next sample */
    uint64_t n_interpreted;   /* morsels this thread interpreted */
    uint64_t n_compiled;      /* morsels this thread ran compiled */
};

/* A job for the process's thread pool (pool.c); owned by the submitter. */
typedef struct rt_pool_job {
    void (*fn)(void *arg);    /* what to run */
    void *arg;                /* its argument */
    int state;                /* pool.c's: queued, running, done, taken back (under its mutex) */
    struct rt_pool_job *next; /* queue link */
} rt_pool_job;

/* Queues jobs[0..n) (fn and arg set) for the pool's threads, creating threads as needed;
 * the jobs must stay alive until rt_pool_join returns. */
void rt_pool_submit(rt_pool_job *jobs, uint32_t n);
/* Runs every job of jobs[0..n) no pool thread has started on the calling thread, then
 * waits until those pool threads run have finished. */
void rt_pool_join(rt_pool_job *jobs, uint32_t n);
/* Runs jobs[0] on this thread and the others on the pool, and returns when all are
 * done: the n-way parallel step of a sink's finish. */
void rt_pool_run(rt_pool_job *jobs, uint32_t n);

struct rt_source_ops {
    /* Sets up ps->src (shared cursor). */
    qe_status (*init)(rt_pipeline_state *ps, rt_error *err);
    /* The next morsel for ts (allocated in ts->morsel_arena or borrowed); NULL at end. */
    qe_status (*next)(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch **out);
    /* Releases what init set up besides arena memory; may be NULL. */
    void (*destroy)(rt_pipeline_state *ps);
};

struct rt_sink_ops {
    /* Sets up ps->snk. */
    qe_status (*init)(rt_pipeline_state *ps, rt_error *err);
    /* Sets up ts->sink (may be NULL). */
    qe_status (*thread_init)(rt_pipeline_state *ps, rt_thread_state *ts);
    /* Consumes a batch (may have a selection); errors go to ts->err. */
    qe_status (*push)(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *b);
    /* In the thread, after its last morsel (flush buffers); may be NULL. */
    qe_status (*thread_finish)(rt_pipeline_state *ps, rt_thread_state *ts);
    /* After every thread finished without error: combine thread-local state. */
    qe_status (*finish)(rt_pipeline_state *ps, rt_error *err);
    /* Frees what is left (also after a failure); may be NULL. */
    void (*destroy)(rt_pipeline_state *ps);
};

extern const rt_source_ops rt_scan_source, rt_values_source, rt_exchange_source;
extern const rt_source_ops rt_agg_source, rt_sort_source;
extern const rt_source_ops rt_csv_source;   /* CSV_SCAN (csv_read.c) */
extern const rt_source_ops rt_range_source; /* RANGE (source.c) */
/* The fraction (0..1) of a SCAN source's chunks handed out to threads so far (adaptive
 * execution's estimate of the work left; claimed runs count as done). */
double rt_scan_progress(rt_pipeline_state *ps);
/* Whether the pipeline's source is a scan whose column col has no NULL and never
 * decreases over the scan's snapshot (rt_table_snap.sorted): its morsels, chunks in
 * table order, are runs of that order. */
bool rt_scan_column_sorted(const rt_pipeline_state *ps, uint32_t col);

/* ---- CSV records (csv_read.c) ----------------------------------------------------------- */

/* One field of the current record: bytes text[off, off + len) after unquoting. */
typedef struct rt_csv_field {
    uint32_t off; /* offset into rt_csv_reader.text */
    uint32_t len; /* bytes */
    bool quoted;  /* written in quotes (never NULL then) */
} rt_csv_field;

/* A CSV file read record by record, in blocks.  Not thread-safe. */
typedef struct rt_csv_reader {
    FILE *f;                       /* the open file */
    const plan_csv *csv;           /* dialect and path (borrowed) */
    rt_mem_tracker *mem;           /* charged for the buffers; may be NULL */
    char *buf;                     /* block buffer (CSV_BLOCK bytes) */
    size_t buf_len;                /* bytes in buf */
    size_t buf_pos;                /* next byte to parse */
    bool eof;                      /* the file has no more bytes */
    int io_error;                  /* errno of a failed read, 0 if none */
    bool too_long;                 /* the current record passed the length limit */
    uint64_t bytes_read;           /* bytes read from the file so far */
    uint64_t line;                 /* 1-based line number of the next byte */
    uint64_t rec_line;             /* line where the current record starts */
    char *text;                    /* the current record's unquoted field bytes */
    size_t text_len, text_cap;     /* bytes used / allocated in text */
    rt_csv_field *fields;          /* the current record's fields */
    uint32_t n_fields, fields_cap; /* entries used / allocated in fields */
} rt_csv_reader;

/* Opens csv->path (58P01 if missing).  Close with rt_csv_reader_close. */
qe_status rt_csv_reader_open(rt_csv_reader *r, const plan_csv *csv, rt_mem_tracker *mem,
                             rt_error *err);
void rt_csv_reader_close(rt_csv_reader *r); /* accepts a zeroed or closed reader */
/* Reads the next record into r->fields/text; *got false at the end of the file.
 * Errors: 22P04 unterminated quoted field, 58030 read error, 53200. */
qe_status rt_csv_read_record(rt_csv_reader *r, bool *got, rt_error *err);
/* True if the field reads as NULL (unquoted and equal to the NULL string). */
bool rt_csv_field_is_null(const rt_csv_reader *r, const rt_csv_field *f);
/* Converts the current record into row `row` of b (b->n_cols columns of the target
 * types; strings in arena).  22P04 for a wrong field count, the cast's error (with a
 * "line, column" detail) for a bad value. */
qe_status rt_csv_record_to_row(const rt_csv_reader *r, rt_batch *b, uint32_t row, rt_arena *arena,
                               rt_error *err);
/* Sort order of row ra of va against row rb of vb (same type, both valid): ascending,
 * strings bytewise, NaN after every other double (sort.c). */
int rt_sort_cmp_values(const rt_vector *va, uint32_t ra, const rt_vector *vb, uint32_t rb);
/* Stable sort of refs[0..n) (batch << 32 | row, over batches) by keys read at columns
 * cols (n_keys each; keys' exprs are not used); false on out-of-memory. */
bool rt_sort_refs(rt_batch *const *batches, uint32_t n_keys, const plan_sort_key *keys,
                  const uint32_t *cols, uint64_t *refs, uint64_t n, rt_mem_tracker *mem);
/* WINDOW_SINK and WINDOW_SOURCE (window.c). */
extern const rt_sink_ops rt_window_sink;
extern const rt_source_ops rt_window_source;
extern const rt_sink_ops rt_agg_sink, rt_sort_sink, rt_exchange_sink, rt_insert_sink,
    rt_result_sink_ops;
/* Hash joins (join.c): HASH_JOIN_BUILD sink, JOIN_UNMATCHED source. */
extern const rt_sink_ops rt_join_build_sink;
extern const rt_source_ops rt_join_unmatched_source;
/* Prepares the thread state of a HASH_JOIN_PROBE operator (the build has finished). */
/* DISTINCT_ON (sort.c): per-thread state; keeps the rows of b whose keys differ from
 * the previous row's (across batches) and runs them through the rest of the pipeline. */
qe_status rt_distinct_on_prepare(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx);
qe_status rt_distinct_on_run(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                             const rt_batch *b);
qe_status rt_join_probe_prepare(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx);
/* The table of the prepared HASH_JOIN_PROBE at op_idx as compiled code reads it
 * (rt_jit_join_table). */
void rt_join_jit_view(rt_thread_state *ts, uint32_t op_idx, rt_jit_join *out);
/* Probes batch `in` through operator op_idx, running every output batch through the
 * rest of the pipeline (rt_operators_run_from op_idx + 1). */
qe_status rt_join_probe_run(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                            const rt_batch *in);

/* Prepares the thread state of operator op_idx (FILTER, PROJECT, LIMIT) into ts->ops. */
qe_status rt_operator_prepare(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx);
/* Runs a morsel through the operators between source and sink, then into the sink. */
qe_status rt_operators_run(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *morsel);
/* Runs a batch through the operators first_op.. (up to the sink), then into the sink. */
qe_status rt_operators_run_from(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t first_op,
                                const rt_batch *b);
/* Pushes a batch into the pipeline's sink (the interpreter's last step, rt_jit_push). */
qe_status rt_sink_push(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *b);
/* Stores a stage state (destroyed with the stage), replacing nothing. */
void rt_stage_put(rt_stage_exec *sx, uint32_t state_id, void *state, void (*destroy)(void *));
/* The state of state_id, or NULL after setting an internal error. */
void *rt_stage_get(rt_stage_exec *sx, uint32_t state_id, rt_error *err);
/* True (after setting the 57014 error) if the task was cancelled. */
bool rt_task_cancelled(const rt_task *task, rt_error *err);
/* Sets an internal (XX000) error about a malformed plan. */
qe_status rt_plan_error(rt_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Creates the rt_jit_scratch batches of a thread of a compiled pipeline. */
qe_status rt_jit_prepare_thread(rt_thread_state *ts);
/* The hash table of ts's AGG_SINK thread state (compiled group lookup). */
rt_agg_ht *rt_agg_thread_table(rt_thread_state *ts);
/* Whether the AGG_SINK finds its groups as rt_agg_ht_find_ordered (agg.c); compiled
 * morsels add the groups after their first with rt_agg_thread_insert_ordered and end
 * with rt_agg_thread_ordered_end (false on out-of-memory). */
bool rt_agg_sink_ordered(const rt_pipeline_state *ps);
rt_agg_state *rt_agg_thread_insert_ordered(rt_thread_state *ts, uint64_t h, const void *keys,
                                           const uint8_t *nulls);
bool rt_agg_thread_ordered_end(rt_thread_state *ts);

/* Whether batch b has exactly n_cols columns of these types. */
bool rt_batch_has_schema(const rt_batch *b, uint32_t n_cols, const qe_type *types);

/* Copies n fixed-width values (width w) to dst[at..]: src[rows[first + k]] for each k, or
 * the range src[first..first+n) when rows is NULL.  Strings are copied as views. */
void rt_copy_values(void *dst, uint32_t at, const void *src, uint32_t w, const uint32_t *rows,
                    uint32_t first, uint32_t n);

/* Runs the body for each selected row i of a primitive: sel[0..n) when sel != NULL,
 * else 0..n-1 (the variables `sel` and `n` must be in scope). */
#define FOR_ROWS(...)                                                                              \
    do {                                                                                           \
        if (sel != NULL) {                                                                         \
            for (uint32_t k_ = 0; k_ < n; k_++) {                                                  \
                uint32_t i = sel[k_];                                                              \
                __VA_ARGS__;                                                                       \
            }                                                                                      \
        } else {                                                                                   \
            for (uint32_t i = 0; i < n; i++) {                                                     \
                __VA_ARGS__;                                                                       \
            }                                                                                      \
        }                                                                                          \
    } while (0)

#endif /* QE_RT_INT_H */
