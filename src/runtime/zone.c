/*
 * zone.c -- zone maps of in-memory table chunks and zone-map pruning of scans.
 *
 * A chunk's zone map (rt_col_zone per column, as storage keeps per row group) is
 * computed once, when the chunk is full (catalog.c), in one pass over each column of
 * an ordered fixed-width type of at most 8 bytes; other columns get only their NULL
 * count.  A scan with filters (plan_scan_filter) asks rt_scan_chunk_may_match whether
 * a chunk can hold a matching row: from the chunk's own zone map if it has one, else
 * from the persisted row groups covering its rows.
 */
#include "rt_int.h"

#include <math.h>
#include <string.h>

/* Folds the non-NULL values of v's rows [0, n) into z (min/max of integers or floats). */
static void fold_minmax(const rt_vector *v, uint32_t n, uint32_t w, bool fl, rt_col_zone *z) {
    bool seen = false, nan = false;
    const uint8_t *vals = v->values;
    for (uint32_t r = 0; r < n; r++) {
        if (v->validity && !rt_bit_get(v->validity, r))
            continue;
        if (fl) {
            double d;
            if (w == 4) {
                float f;
                memcpy(&f, vals + (size_t)r * 4, 4);
                d = f;
            } else {
                memcpy(&d, vals + (size_t)r * 8, 8);
            }
            nan |= isnan(d);
            if (!seen || d < z->min.d)
                z->min.d = d;
            if (!seen || d > z->max.d)
                z->max.d = d;
        } else {
            int64_t x = rt_load_int(vals + (size_t)r * w, w);
            if (!seen || x < z->min.i)
                z->min.i = x;
            if (!seen || x > z->max.i)
                z->max.i = x;
        }
        seen = true;
    }
    z->has_minmax = seen && !nan;
}

void rt_chunk_zone(const rt_vector *v, uint32_t n_rows, rt_col_zone *z) {
    memset(z, 0, sizeof *z);
    if (v->validity)
        for (uint32_t r = 0; r < n_rows; r++)
            z->null_count += !rt_bit_get(v->validity, r);
    uint32_t w = rt_type_width(v->type);
    bool fl = v->type == QE_TYPE_REAL || v->type == QE_TYPE_DOUBLE;
    if (v->type == QE_TYPE_VARCHAR || w == 0 || w > 8 || z->null_count == n_rows)
        return;
    fold_minmax(v, n_rows, w, fl, z);
}

/* The zone-map comparison of a scan filter (IS NULL is decided by the NULL count). */
static rt_zone_cmp zone_cmp_of(plan_scan_cmp op) {
    switch (op) {
    case PLAN_SCAN_CMP_LT: return RT_ZONE_LT;
    case PLAN_SCAN_CMP_LE: return RT_ZONE_LE;
    case PLAN_SCAN_CMP_GT: return RT_ZONE_GT;
    case PLAN_SCAN_CMP_GE: return RT_ZONE_GE;
    default: return RT_ZONE_EQ;
    }
}

/* False only if no row described by z (n rows) can satisfy f. */
static bool col_zone_may_match(const rt_col_zone *z, uint32_t n, qe_type type,
                               const plan_scan_filter *f) {
    if (f->op == PLAN_SCAN_CMP_IS_NULL)
        return z->null_count > 0;
    if (z->null_count >= n)
        return false; /* all NULL: no comparison holds */
    return rt_zone_may_match(z, type, zone_cmp_of(f->op), &f->value->u.value);
}

bool rt_scan_chunk_may_match(const rt_scan_prune *p, uint32_t chunk, uint64_t first_row,
                             uint32_t n_rows) {
    const rt_col_zone *cz = p->chunk_zones ? p->chunk_zones[chunk] : NULL;
    for (uint32_t i = 0; i < p->n_filters; i++) {
        const plan_scan_filter *f = &p->filters[i];
        uint32_t col = p->table_cols[f->column];
        qe_type type = p->types[f->column];
        if (cz != NULL) {
            if (!col_zone_may_match(&cz[col], n_rows, type, f))
                return false;
        } else if (f->op != PLAN_SCAN_CMP_IS_NULL && p->n_zones > 0 &&
                   !rt_zones_range_may_match(p->zones, p->n_zones, first_row, n_rows, col, type,
                                             zone_cmp_of(f->op), &f->value->u.value)) {
            return false;
        }
    }
    return true;
}
