/*
 * vector.c -- vectors and batches (DESIGN.md §4): Arrow-compatible columns.
 *
 * A vector is a validity bitmap (LSB-first, 1 = valid, NULL = no NULLs) plus a values
 * buffer; VARCHAR values are 16-byte string views whose long strings live in the
 * vector's data buffers (a chain of heap blocks allocated in the batch's arena).
 * Copies (append/compact) always re-home long strings into the destination's heap,
 * so a copied batch never points into its source.
 */
#include "rt_int.h"

#include <string.h>

#define STRING_HEAP_BLOCK 16384 /* bytes of a vector's string data buffer */

rt_batch *rt_batch_create(rt_arena *arena, uint32_t n_cols, const qe_type *types,
                          uint32_t capacity) {
    rt_batch *b = rt_arena_calloc(arena, sizeof *b);
    if (b == NULL)
        return NULL;
    b->n_cols = n_cols;
    b->capacity = capacity;
    if (n_cols > 0) {
        b->cols = rt_arena_calloc(arena, sizeof(rt_vector) * n_cols);
        if (b->cols == NULL)
            return NULL;
    }
    for (uint32_t c = 0; c < n_cols; c++) {
        rt_vector *v = &b->cols[c];
        v->type = types[c];
        uint32_t w = rt_type_width(types[c]);
        if (w > 0) {
            v->values = rt_arena_alloc(arena, (size_t)w * (capacity ? capacity : 1));
            if (v->values == NULL)
                return NULL;
        }
        if (types[c] == QE_TYPE_NULL) {
            /* Values of the NULL type are all NULL: an all-zero bitmap says so. */
            v->validity = rt_arena_calloc(arena, rt_bitmap_bytes(capacity));
            if (v->validity == NULL)
                return NULL;
        }
    }
    return b;
}

bool rt_vector_set_null(rt_vector *v, rt_arena *arena, uint32_t row, uint32_t capacity) {
    if (v->validity == NULL) {
        size_t bytes = rt_bitmap_bytes(capacity > row ? capacity : row + 1);
        v->validity = rt_arena_alloc(arena, bytes);
        if (v->validity == NULL)
            return false;
        memset(v->validity, 0xff, bytes);
    }
    rt_bit_clear(v->validity, row);
    return true;
}

/* Makes room for n more entries in v's buffers array; false on out-of-memory. */
static bool buffers_room(rt_vector *v, rt_arena *arena, uint32_t n) {
    if (v->n_buffers + n <= v->buffers_cap)
        return true;
    uint32_t cap = v->buffers_cap ? v->buffers_cap * 2 : 4;
    while (cap < v->n_buffers + n)
        cap *= 2;
    const char **bufs = rt_arena_alloc(arena, sizeof(char *) * cap);
    if (bufs == NULL)
        return false;
    if (v->n_buffers > 0)
        memcpy(bufs, v->buffers, sizeof(char *) * v->n_buffers);
    v->buffers = bufs;
    v->buffers_cap = cap;
    return true;
}

/* Reserves len bytes in the vector's string heap; NULL on out-of-memory. */
static char *heap_reserve(rt_vector *v, rt_arena *arena, uint32_t len) {
    if (v->heap_tail != NULL && v->heap_left >= len) {
        char *p = v->heap_tail;
        v->heap_tail += len;
        v->heap_left -= len;
        return p;
    }
    if (!buffers_room(v, arena, 1))
        return NULL;
    uint32_t size = len > STRING_HEAP_BLOCK ? len : STRING_HEAP_BLOCK;
    char *block = rt_arena_alloc(arena, size);
    if (block == NULL)
        return NULL;
    v->buffers[v->n_buffers++] = block;
    v->heap_tail = block + len;
    v->heap_left = size - len;
    return block;
}

bool rt_vector_set_string(rt_vector *v, rt_arena *arena, uint32_t row, const char *s,
                          uint32_t len) {
    rt_string *view = &((rt_string *)v->values)[row];
    if (len <= 12) {
        memset(view, 0, sizeof *view);
        view->len = len;
        if (len > 0)
            memcpy(view->u.inlined, s, len);
        return true;
    }
    char *p = heap_reserve(v, arena, len);
    if (p == NULL)
        return false;
    memcpy(p, s, len);
    view->len = len;
    memcpy(view->u.ref.prefix, s, 4);
    view->u.ref.buffer_index = v->n_buffers - 1;
    view->u.ref.offset = (uint32_t)(p - v->buffers[v->n_buffers - 1]);
    return true;
}

bool rt_vector_set_value(rt_vector *v, rt_arena *arena, uint32_t row, uint32_t capacity,
                         const rt_value *val) {
    if (val->is_null || val->type == QE_TYPE_NULL)
        return rt_vector_set_null(v, arena, row, capacity);
    if (v->validity != NULL)
        rt_bit_set(v->validity, row);
    switch (v->type) {
    case QE_TYPE_BOOLEAN:
        ((uint8_t *)v->values)[row] = val->type == QE_TYPE_BOOLEAN ? val->u.b : val->u.i != 0;
        return true;
    case QE_TYPE_SMALLINT: ((int16_t *)v->values)[row] = (int16_t)val->u.i; return true;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: ((int32_t *)v->values)[row] = (int32_t)val->u.i; return true;
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP: ((int64_t *)v->values)[row] = val->u.i; return true;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: memcpy((char *)v->values + (size_t)row * 16, &val->u.h, 16); return true;
    case QE_TYPE_INTERVAL:
        memcpy((char *)v->values + (size_t)row * 16, &val->u.iv, 16);
        return true;
    case QE_TYPE_REAL: ((float *)v->values)[row] = (float)val->u.d; return true;
    case QE_TYPE_DOUBLE: ((double *)v->values)[row] = val->u.d; return true;
    case QE_TYPE_VARCHAR: return rt_vector_set_string(v, arena, row, val->u.s.ptr, val->u.s.len);
    default: return rt_vector_set_null(v, arena, row, capacity);
    }
}

void rt_vector_get_value(const rt_vector *v, uint32_t row, rt_value *out) {
    memset(out, 0, sizeof *out);
    out->type = v->type;
    if (v->type == QE_TYPE_NULL || !rt_vector_is_valid(v, row)) {
        out->is_null = true;
        return;
    }
    switch (v->type) {
    case QE_TYPE_BOOLEAN: out->u.b = ((const uint8_t *)v->values)[row] != 0; break;
    case QE_TYPE_SMALLINT: out->u.i = ((const int16_t *)v->values)[row]; break;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: out->u.i = ((const int32_t *)v->values)[row]; break;
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP: out->u.i = ((const int64_t *)v->values)[row]; break;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: memcpy(&out->u.h, (const char *)v->values + (size_t)row * 16, 16); break;
    case QE_TYPE_INTERVAL:
        memcpy(&out->u.iv, (const char *)v->values + (size_t)row * 16, 16);
        break;
    case QE_TYPE_REAL: out->u.d = ((const float *)v->values)[row]; break;
    case QE_TYPE_DOUBLE: out->u.d = ((const double *)v->values)[row]; break;
    case QE_TYPE_VARCHAR: {
        const rt_string *s = &((const rt_string *)v->values)[row];
        out->u.s.ptr = rt_string_ptr(v, s);
        out->u.s.len = s->len;
        break;
    }
    default: out->is_null = true; break;
    }
}

bool rt_batch_has_schema(const rt_batch *b, uint32_t n_cols, const qe_type *types) {
    if (b->n_cols != n_cols)
        return false;
    for (uint32_t c = 0; c < n_cols; c++)
        if (b->cols[c].type != types[c])
            return false;
    return true;
}

void rt_copy_values(void *dst, uint32_t at, const void *src, uint32_t w, const uint32_t *rows,
                    uint32_t first, uint32_t n) {
    unsigned char *d = (unsigned char *)dst + (size_t)at * w;
    const unsigned char *s = src;
    if (rows == NULL) {
        memcpy(d, s + (size_t)first * w, (size_t)n * w);
        return;
    }
    rows += first;
    switch (w) {
    case 1:
        for (uint32_t k = 0; k < n; k++)
            d[k] = s[rows[k]];
        break;
    case 2:
        for (uint32_t k = 0; k < n; k++)
            ((uint16_t *)d)[k] = ((const uint16_t *)s)[rows[k]];
        break;
    case 4:
        for (uint32_t k = 0; k < n; k++)
            ((uint32_t *)d)[k] = ((const uint32_t *)s)[rows[k]];
        break;
    case 8:
        for (uint32_t k = 0; k < n; k++)
            ((uint64_t *)d)[k] = ((const uint64_t *)s)[rows[k]];
        break;
    case 16: /* DECIMAL, HUGEINT, INTERVAL, string views: two words, no memcpy call */
        for (uint32_t k = 0; k < n; k++) {
            uint64_t lo, hi;
            memcpy(&lo, s + (size_t)rows[k] * 16, 8);
            memcpy(&hi, s + (size_t)rows[k] * 16 + 8, 8);
            memcpy(d + (size_t)k * 16, &lo, 8);
            memcpy(d + (size_t)k * 16 + 8, &hi, 8);
        }
        break;
    default:
        for (uint32_t k = 0; k < n; k++)
            memcpy(d + (size_t)k * w, s + (size_t)rows[k] * w, w);
        break;
    }
}

/* Re-homes the long strings of dst rows at..at+n (copied views of the selected src
 * rows) into dst's heap.  Views of NULL rows may be garbage: they are zeroed. */
static bool rehome_strings(rt_vector *dst, rt_arena *arena, uint32_t at, uint32_t n,
                           const rt_vector *src, const uint32_t *rows, uint32_t first) {
    rt_string *views = dst->values;
    for (uint32_t k = 0; k < n; k++) {
        rt_string *s = &views[at + k];
        if (src->validity != NULL &&
            !rt_bit_get(src->validity, rows ? rows[first + k] : first + k)) {
            memset(s, 0, sizeof *s);
            continue;
        }
        if (s->len <= 12)
            continue;
        const char *bytes = src->buffers[s->u.ref.buffer_index] + s->u.ref.offset;
        if (!rt_vector_set_string(dst, arena, at + k, bytes, s->len))
            return false;
    }
    return true;
}

/* Copies validity of the selected src rows to dst rows at..at+n. */
static bool copy_validity(rt_vector *dst, rt_arena *arena, uint32_t at, uint32_t cap,
                          const rt_vector *src, const uint32_t *rows, uint32_t first, uint32_t n) {
    if (src->validity == NULL) {
        if (dst->validity != NULL)
            for (uint32_t k = 0; k < n; k++)
                rt_bit_set(dst->validity, at + k);
        return true;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = rows ? rows[first + k] : first + k;
        if (!rt_bit_get(src->validity, r)) {
            if (!rt_vector_set_null(dst, arena, at + k, cap))
                return false;
        } else if (dst->validity != NULL) {
            rt_bit_set(dst->validity, at + k);
        }
    }
    return true;
}

/* Lets the views of dst rows at..at+n (copied views of the selected src rows) refer
 * to src's buffers: appends those to dst's buffers array and moves the long views'
 * buffer indexes past dst's earlier buffers.  Views of NULL rows are zeroed. */
static bool borrow_strings(rt_vector *dst, rt_arena *arena, uint32_t at, uint32_t n,
                           const rt_vector *src, const uint32_t *rows, uint32_t first) {
    uint32_t base = dst->n_buffers;
    if (src->n_buffers > 0) {
        if (!buffers_room(dst, arena, src->n_buffers))
            return false;
        memcpy(dst->buffers + base, src->buffers, sizeof(char *) * src->n_buffers);
        dst->n_buffers += src->n_buffers;
    }
    rt_string *views = (rt_string *)dst->values + at;
    for (uint32_t k = 0; k < n; k++) {
        if (src->validity != NULL && !rt_bit_get(src->validity, rows ? rows[first + k] : first + k))
            memset(&views[k], 0, sizeof views[k]);
        else if (views[k].len > 12)
            views[k].u.ref.buffer_index += base;
    }
    return true;
}

/* rt_batch_append_rows (borrow: rt_batch_append_rows_borrowed). */
static bool append_rows(rt_batch *dst, rt_arena *arena, const rt_batch *src, const uint32_t *rows,
                        uint32_t first, uint32_t n, bool borrow) {
    uint32_t at = dst->n_rows;
    if (n == 0)
        return true;
    for (uint32_t c = 0; c < dst->n_cols; c++) {
        rt_vector *d = &dst->cols[c];
        const rt_vector *s = &src->cols[c];
        uint32_t w = rt_type_width(d->type);
        if (w > 0 && s->values != NULL)
            rt_copy_values(d->values, at, s->values, w, rows, first, n);
        if (d->type == QE_TYPE_VARCHAR &&
            !(borrow ? borrow_strings(d, arena, at, n, s, rows, first)
                     : rehome_strings(d, arena, at, n, s, rows, first)))
            return false;
        if (!copy_validity(d, arena, at, dst->capacity, s, rows, first, n))
            return false;
    }
    dst->n_rows = at + n;
    return true;
}

bool rt_batch_append_rows(rt_batch *dst, rt_arena *arena, const rt_batch *src, const uint32_t *rows,
                          uint32_t first, uint32_t n) {
    return append_rows(dst, arena, src, rows, first, n, false);
}

bool rt_batch_append_rows_borrowed(rt_batch *dst, rt_arena *arena, const rt_batch *src,
                                   const uint32_t *rows, uint32_t first, uint32_t n) {
    return append_rows(dst, arena, src, rows, first, n, true);
}

bool rt_batch_append(rt_batch *dst, rt_arena *arena, const rt_batch *src) {
    return rt_batch_append_rows(dst, arena, src, src->sel, 0, rt_batch_active(src));
}

rt_batch *rt_batch_compact(rt_arena *arena, const rt_batch *src) {
    uint32_t n = rt_batch_active(src);
    qe_type types_small[16];
    qe_type *types = types_small;
    if (src->n_cols > 16) {
        types = rt_arena_alloc(arena, sizeof(qe_type) * src->n_cols);
        if (types == NULL)
            return NULL;
    }
    for (uint32_t c = 0; c < src->n_cols; c++)
        types[c] = src->cols[c].type;
    rt_batch *b = rt_batch_create(arena, src->n_cols, types, n);
    if (b == NULL)
        return NULL;
    if (!rt_batch_append(b, arena, src))
        return NULL;
    b->n_rows = n; /* also for zero-column batches */
    return b;
}
