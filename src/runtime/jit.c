/*
 * jit.c -- the helpers JIT-compiled pipelines call (resolved by name by codegen).
 *
 * A compiled pipeline receives each morsel from the runtime's source and runs the
 * pipeline's operators itself; it hands rows to the sink through scratch batches
 * (rt_jit_scratch + rt_jit_push), or, for a fused hash aggregation, probes the
 * thread's table itself (rt_jit_agg_table), adds missing groups (rt_jit_agg_insert)
 * and updates the rt_agg_state itself.
 * The sink's thread-local state, merge and finalization are the interpreter's.
 * Scratch batches are made when the thread is set up, so the helpers generated code
 * calls per morsel never allocate except to grow a hash table.
 */
#include "rt_int.h"

#include <string.h>

/* Creates the scratch batch of ts (the sink's input columns): every vector with a
 * validity bitmap, all valid. */
static rt_batch *scratch_create(rt_thread_state *ts) {
    rt_pipeline_state *ps = ts->ps;
    uint32_t n_cols = ps->n_sink_in;
    const qe_type *types = ps->sink_in_types;
    rt_batch *b = rt_batch_create(ts->arena, n_cols, types, RT_VECTOR_SIZE);
    if (b == NULL)
        return NULL;
    for (uint32_t c = 0; c < n_cols; c++) {
        rt_vector *v = &b->cols[c];
        if (v->validity == NULL)
            v->validity = rt_arena_alloc(ts->arena, rt_bitmap_bytes(RT_VECTOR_SIZE));
        if (v->validity == NULL)
            return NULL;
        memset(v->validity, 0xff, rt_bitmap_bytes(RT_VECTOR_SIZE));
        if (v->values == NULL) /* NULL-typed keys: give generated code a buffer anyway */
            v->values = rt_arena_calloc(ts->arena, 16 * RT_VECTOR_SIZE);
        if (v->values == NULL)
            return NULL;
    }
    return b;
}

qe_status rt_jit_prepare_thread(rt_thread_state *ts) {
    if ((ts->scratch = scratch_create(ts)) == NULL)
        return rt_error_nomem(&ts->err, ts->ps->task->mem);
    return QE_OK;
}

rt_batch *rt_jit_scratch(rt_thread_state *ts, uint32_t slot) {
    if (slot != 0 || ts->scratch == NULL)
        return NULL; /* not a slot of this pipeline */
    rt_batch *b = ts->scratch;
    b->n_rows = 0;
    b->sel = NULL;
    b->n_sel = 0;
    return b;
}

#define PUSH_MAX_DROPPED 64 /* columns whose all-valid bitmap a push may hide */

/* True if bits 0..n) of bitmap are all set. */
static bool all_valid(const uint8_t *bitmap, uint32_t n) {
    for (uint32_t i = 0; i < n / 8; i++)
        if (bitmap[i] != 0xff)
            return false;
    if (n % 8 == 0)
        return true;
    uint8_t tail = (uint8_t)((1u << (n % 8)) - 1);
    return (bitmap[n / 8] & tail) == tail;
}

/* Generated code writes every row's validity bit; a column without NULLs is pushed
 * without its bitmap (restored after) so the sink takes its no-NULL paths (hashing,
 * appending), as it does for the interpreter's batches. */
qe_status rt_jit_push(rt_pipeline_state *ps, rt_thread_state *ts, rt_batch *batch) {
    uint8_t *bitmaps[PUSH_MAX_DROPPED];
    uint32_t n = batch->n_cols < PUSH_MAX_DROPPED ? batch->n_cols : PUSH_MAX_DROPPED;
    for (uint32_t c = 0; c < n; c++) {
        bitmaps[c] = batch->cols[c].validity;
        if (bitmaps[c] != NULL && batch->cols[c].type != QE_TYPE_NULL &&
            all_valid(bitmaps[c], batch->n_rows))
            batch->cols[c].validity = NULL;
    }
    qe_status st = rt_sink_push(ps, ts, batch);
    for (uint32_t c = 0; c < n; c++)
        batch->cols[c].validity = bitmaps[c];
    return st;
}

const rt_jit_agg *rt_jit_agg_table(rt_thread_state *ts) {
    return rt_agg_ht_jit_view(rt_agg_thread_table(ts));
}

rt_agg_state *rt_jit_agg_single(rt_thread_state *ts) {
    rt_agg_state *row = NULL;
    uint64_t hash;
    return rt_agg_ht_find(rt_agg_thread_table(ts), NULL, NULL, 1, &hash, &row) ? row : NULL;
}

qe_status rt_jit_agg_insert(rt_thread_state *ts, uint64_t hash, const void *keys,
                            const uint8_t *nulls, rt_agg_state **row) {
    *row = rt_agg_ht_insert(rt_agg_thread_table(ts), hash, keys, nulls);
    return *row != NULL ? QE_OK : rt_error_nomem(&ts->err, ts->ps->task->mem);
}

int32_t rt_jit_agg_ordered(rt_pipeline_state *ps) { return rt_agg_sink_ordered(ps); }

qe_status rt_jit_agg_insert_ordered(rt_thread_state *ts, uint64_t hash, const void *keys,
                                    const uint8_t *nulls, rt_agg_state **row) {
    *row = rt_agg_thread_insert_ordered(ts, hash, keys, nulls);
    return *row != NULL ? QE_OK : rt_error_nomem(&ts->err, ts->ps->task->mem);
}

qe_status rt_jit_agg_ordered_end(rt_thread_state *ts) {
    return rt_agg_thread_ordered_end(ts) ? QE_OK : rt_error_nomem(&ts->err, ts->ps->task->mem);
}

void rt_jit_sink_rows(rt_pipeline_state *ps, rt_thread_state *ts, uint64_t n) {
    ts->op_rows[ps->pipe->n_ops - 1] += n; /* rows into the sink (EXPLAIN ANALYZE) */
}

char *rt_jit_str_alloc(rt_thread_state *ts, uint32_t n) {
    return rt_arena_alloc(ts->morsel_arena, n ? n : 1);
}

qe_status rt_jit_str_store(rt_thread_state *ts, rt_vector *v, uint32_t row, const char *s,
                           uint32_t len) {
    if (rt_vector_set_string(v, ts->morsel_arena, row, s, len))
        return QE_OK;
    return rt_error_nomem(&ts->err, ts->ps->task->mem);
}

int64_t rt_jit_mul_hi(int64_t a, int64_t b) { return (int64_t)(((__int128)a * (__int128)b) >> 64); }

/* The interval of the two words generated code holds it in (its 16 bytes). */
static rt_interval interval_of_words(int64_t lo, int64_t micros) {
    rt_interval iv;
    memcpy(&iv, &lo, 8);
    iv.micros = micros;
    return iv;
}

int32_t rt_jit_ts_add_interval(int64_t ts, int64_t iv_lo, int64_t iv_micros, int32_t sign,
                               int64_t *out) {
    rt_interval iv = interval_of_words(iv_lo, iv_micros);
    *out = 0; /* defined on failure too */
    return rt_timestamp_add_interval(ts, &iv, sign, out) ? 0 : RT_JIT_ERR_OVERFLOW;
}

qe_status rt_jit_error(rt_thread_state *ts, int32_t code) { return rt_jit_error_at(ts, code, -1); }

qe_status rt_jit_error_at(rt_thread_state *ts, int32_t code, int32_t position) {
    switch (code) {
    case RT_JIT_ERR_OVERFLOW: return rt_error_out_of_range(&ts->err, QE_TYPE_INTEGER, position);
    case RT_JIT_ERR_DIV_ZERO: return rt_error_prim(&ts->err, code, QE_TYPE_INTEGER, position);
    case RT_JIT_ERR_OVERFLOW_SMALLINT:
        return rt_error_out_of_range(&ts->err, QE_TYPE_SMALLINT, position);
    case RT_JIT_ERR_OVERFLOW_BIGINT:
        return rt_error_out_of_range(&ts->err, QE_TYPE_BIGINT, position);
    case RT_JIT_ERR_NOMEM: return rt_error_nomem(&ts->err, ts->ps->task->mem);
    case RT_JIT_ERR_OVERFLOW_DOUBLE:
        return rt_error_out_of_range(&ts->err, QE_TYPE_DOUBLE, position);
    default: break;
    }
    if (code >= RT_JIT_ERR_RANGE(0) && code < RT_JIT_ERR_RANGE(QE_TYPE_COUNT))
        return rt_error_out_of_range(&ts->err, (qe_type)(code - RT_JIT_ERR_RANGE(0)), position);
    int32_t tm = code & 0xffff;
    if ((code & ~0xffff) == RT_JIT_ERR_DECIMAL_CAST(0))
        return rt_error_numeric_overflow(&ts->err, tm, position);
    if ((code & ~0xffff) == RT_JIT_ERR_DECIMAL_RESULT(0)) {
        rt_error_set(&ts->err, QE_DATA, "22003", position, "numeric field overflow");
        rt_error_detail(&ts->err, "The result does not fit DECIMAL(%d,%d).",
                        PLAN_DECIMAL_PRECISION(tm), PLAN_DECIMAL_SCALE(tm));
        return QE_DATA;
    }
    switch (code) {
    case RT_JIT_ERR_INTERVAL_SUM:
        return rt_error_set(&ts->err, QE_DATA, "22008", position, "interval out of range");
    case RT_JIT_ERR_SUBQUERY_ROWS:
        return rt_error_set(&ts->err, QE_DATA, "21000", -1,
                            "more than one row returned by a subquery used as an expression");
    case RT_JIT_ERR_STRING_TOO_LONG:
        return rt_error_set(&ts->err, QE_DATA, "54000", position, "string is too long");
    case RT_JIT_ERR_NEGATIVE_SUBSTR:
        return rt_error_set(&ts->err, QE_DATA, "22011", position,
                            "negative substring length not allowed");
    default:
        return rt_error_set(&ts->err, QE_INTERNAL, "XX000", position,
                            "compiled pipeline raised unknown error %d", (int)code);
    }
}

void rt_jit_join_table(rt_thread_state *ts, uint32_t op_idx, rt_jit_join *out) {
    rt_join_jit_view(ts, op_idx, out);
}

int32_t rt_jit_limit_row(rt_pipeline_state *ps, uint32_t op_idx) {
    const plan_op *op = ps->pipe->ops[op_idx];
    int64_t lo = op->u.limit.offset > 0 ? op->u.limit.offset : 0;
    int64_t hi = op->u.limit.limit < 0 ? INT64_MAX : lo + op->u.limit.limit;
    int64_t seen = atomic_fetch_add(&ps->limit_seen[op_idx], 1);
    if (seen + 1 >= hi)
        atomic_store(&ps->limit_done, true);
    return seen >= lo && seen < hi;
}
