/*
 * stats.c -- column statistics of catalog tables (DESIGN.md §6): per column a
 * HyperLogLog sketch of the distinct values, the NULL count and, for fixed-width
 * types, min/max.
 *
 * Statistics are maintained on every append (rt_table_append, rt_table_append_all:
 * INSERT/COPY sinks, CALL dbgen, storage loads all go through them): the appended
 * batch is summarized into a local rt_col_stats array outside the catalog mutex and
 * merged into the table's under it (HLL merge = register-wise max), so concurrent
 * appenders hash in parallel.  They are never persisted: rt_storage_open loads rows
 * through rt_table_append, which recomputes them.  They only grow (no deletes yet).
 *
 * Hashing: rt_hash_vectors (xxhash64 of the normalized value, as hash aggregation
 * keys), so equal values hash equally across integer widths.
 */
#include "rt_int.h"

#include <math.h>
#include <string.h>

#define SLICE RT_VECTOR_SIZE /* rows hashed per call (stack scratch) */

/* Registers: the first RT_HLL_BITS bits of the hash pick one, the rank of the first
 * 1 bit of the rest is the value kept (max). */
static void hll_add(uint8_t *regs, uint64_t h) {
    uint32_t idx = (uint32_t)(h >> (64 - RT_HLL_BITS));
    uint64_t rest = (h << RT_HLL_BITS) | (1ull << (RT_HLL_BITS - 1)); /* rank <= 55 */
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > regs[idx])
        regs[idx] = rank;
}

double rt_hll_estimate(const uint8_t *regs) {
    const double m = RT_HLL_REGS;
    double sum = 0;
    uint32_t zeros = 0;
    uint32_t count[64] = {0}; /* registers per rank (ranks are <= 55) */
    for (uint32_t i = 0; i < RT_HLL_REGS; i++)
        count[regs[i] & 63]++;
    for (uint32_t r = 0; r < 64; r++)
        sum += count[r] ? ldexp((double)count[r], -(int)r) : 0;
    zeros = count[0];
    double alpha = 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros) /* small range: linear counting */
        e = m * log(m / zeros);
    return e;
}

/* Widens min/max over the valid selected rows of a column of C type T. */
#define RANGE_LOOP(T)                                                                              \
    do {                                                                                           \
        const T *vals = v->values;                                                                 \
        for (uint32_t k = 0; k < n; k++) {                                                         \
            uint32_t r = sel ? sel[k] : k;                                                         \
            if (v->validity && !rt_vector_is_valid(v, r))                                          \
                continue;                                                                          \
            double d = (double)vals[r];                                                            \
            if (d != d) /* NaN: no order */                                                        \
                continue;                                                                          \
            lo = d < lo ? d : lo;                                                                  \
            hi = d > hi ? d : hi;                                                                  \
        }                                                                                          \
    } while (0)

/* Adds the selected rows' extremes to s (fixed-width types: DECIMAL as its scaled
 * integer, DATE as days, TIMESTAMP as microseconds; VARCHAR and INTERVAL have none). */
static void add_range(rt_col_stats *s, const rt_vector *v, const uint32_t *sel, uint32_t n) {
    double lo = INFINITY, hi = -INFINITY;
    switch (v->type) {
    case QE_TYPE_BOOLEAN: RANGE_LOOP(uint8_t); break;
    case QE_TYPE_SMALLINT: RANGE_LOOP(int16_t); break;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: RANGE_LOOP(int32_t); break;
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP: RANGE_LOOP(int64_t); break;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: RANGE_LOOP(rt_i128); break;
    case QE_TYPE_REAL: RANGE_LOOP(float); break;
    case QE_TYPE_DOUBLE: RANGE_LOOP(double); break;
    default: return;
    }
    if (lo > hi) /* no valid value */
        return;
    s->min = s->has_range && s->min < lo ? s->min : lo;
    s->max = s->has_range && s->max > hi ? s->max : hi;
    s->has_range = true;
}

/* Adds the selected rows of one column; hashes: scratch of n entries. */
static void add_column(rt_col_stats *s, const rt_vector *v, const uint32_t *sel, uint32_t n,
                       uint64_t *hashes) {
    rt_hash_vectors(&v, 1, sel, n, hashes);
    if (v->validity == NULL) {
        for (uint32_t k = 0; k < n; k++)
            hll_add(s->hll, hashes[k]);
    } else {
        for (uint32_t k = 0; k < n; k++) {
            if (rt_vector_is_valid(v, sel ? sel[k] : k))
                hll_add(s->hll, hashes[k]);
            else
                s->n_nulls++;
        }
    }
    add_range(s, v, sel, n);
}

void rt_stats_add_batch(rt_col_stats *stats, const rt_batch *b) {
    uint64_t hashes[SLICE];
    uint32_t idx[SLICE];
    uint32_t n = rt_batch_active(b);
    for (uint32_t done = 0; done < n; done += SLICE) { /* batches: one slice, chunks more */
        uint32_t take = n - done < SLICE ? n - done : SLICE;
        const uint32_t *sel = b->sel ? b->sel + done : NULL;
        if (sel == NULL && done) { /* rows [done, done + take) through a selection */
            for (uint32_t k = 0; k < take; k++)
                idx[k] = done + k;
            sel = idx;
        }
        for (uint32_t c = 0; c < b->n_cols; c++)
            add_column(&stats[c], &b->cols[c], sel, take, hashes);
    }
}

void rt_stats_merge(rt_col_stats *dst, const rt_col_stats *src, uint32_t n_cols) {
    for (uint32_t c = 0; c < n_cols; c++) {
        rt_col_stats *d = &dst[c];
        const rt_col_stats *s = &src[c];
        for (uint32_t i = 0; i < RT_HLL_REGS; i++)
            if (s->hll[i] > d->hll[i])
                d->hll[i] = s->hll[i];
        d->n_nulls += s->n_nulls;
        if (s->has_range) {
            d->min = d->has_range && d->min < s->min ? d->min : s->min;
            d->max = d->has_range && d->max > s->max ? d->max : s->max;
            d->has_range = true;
        }
    }
}
