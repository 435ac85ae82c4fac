/*
 * hash.c -- hashing of key columns, shared by hash aggregation and HASH exchanges.
 *
 * Chained column by column from a fixed seed (the hash of the previous columns is
 * the seed of the next), so every process of a cluster routes a key to the same
 * partition.  Values are normalized before hashing so that equal keys hash equally:
 * integers of any width as int64, doubles with -0.0 folded into 0.0 and one canonical
 * NaN, NULL as a fixed constant; such an 8-byte value x is mixed in by rt_hash_mix8
 * (rt_int.h: murmur3's 64-bit finalizer of x ^ h, two multiplies, which generated code
 * repeats inline -- xxhash64 of 8 bytes is a chain of five or six multiplies, which
 * compiled code, hashing a row at a time, waits out row after row).  Strings (by
 * their bytes) and HUGEINT/DECIMAL/INTERVAL (by their 16 bytes) are hashed with
 * xxhash64, seeded with h.
 */
#include "rt_int.h"

#include <math.h>
#include <string.h>
/* The header-only build inlines xxhash into the per-value loops.  VARCHAR values hash
 * with XXH3 (2-3x faster than XXH64 on strings of 6-117 bytes), chained on the
 * previous hash as its seed (jit_inline.c rt_jit_hash_string must match); 16-byte
 * values with XXH64 (codegen join.c cg_xxh64_lanes must match). */
#define XXH_INLINE_ALL
#include <xxhash.h>

#define HASH_SEED 0x51ed2701a3c5f3e9ULL
#define HASH_NULL 0x6a09e667f3bcc909ULL

uint64_t rt_hash_double_bits(double d) {
    if (d == 0)
        d = 0; /* -0.0 -> 0.0 */
    if (isnan(d))
        d = NAN;
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

/* Hashes the normalized int64 values of column rows into hashes[k]. */
#define HASH_INT_LOOP(T)                                                                           \
    do {                                                                                           \
        const T *vals = v->values;                                                                 \
        for (uint32_t k = 0; k < n; k++) {                                                         \
            int64_t x = vals[sel ? sel[k] : k];                                                    \
            hashes[k] = rt_hash_mix8((uint64_t)x, hashes[k]);                                      \
        }                                                                                          \
    } while (0)

/* Mixes one column into hashes[0..n) for the selected rows, ignoring validity; see
 * rt_int.h. */
void rt_hash_values(const rt_vector *v, const uint32_t *sel, uint32_t n, uint64_t *hashes) {
    switch (v->type) {
    case QE_TYPE_BOOLEAN: HASH_INT_LOOP(uint8_t); break;
    case QE_TYPE_SMALLINT: HASH_INT_LOOP(int16_t); break;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: HASH_INT_LOOP(int32_t); break;
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP: HASH_INT_LOOP(int64_t); break;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_INTERVAL: /* 16 bytes, bitwise */
        for (uint32_t k = 0; k < n; k++)
            hashes[k] =
                XXH64((const char *)v->values + (size_t)(sel ? sel[k] : k) * 16, 16, hashes[k]);
        break;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE:
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = sel ? sel[k] : k;
            double d = v->type == QE_TYPE_REAL ? ((const float *)v->values)[r]
                                               : ((const double *)v->values)[r];
            hashes[k] = rt_hash_mix8(rt_hash_double_bits(d), hashes[k]);
        }
        break;
    case QE_TYPE_VARCHAR:
        for (uint32_t k = 0; k < n; k++) {
            const rt_string *s = &((const rt_string *)v->values)[sel ? sel[k] : k];
            hashes[k] = XXH3_64bits_withSeed(rt_string_ptr(v, s), s->len, hashes[k]);
        }
        break;
    default: break; /* the NULL type: every row is NULL */
    }
}

/* The hash of one valid row of a column chained onto h. */
static uint64_t hash_one(const rt_vector *v, uint32_t r, uint64_t h) {
    int64_t x;
    switch (v->type) {
    case QE_TYPE_BOOLEAN: x = ((const uint8_t *)v->values)[r]; break;
    case QE_TYPE_SMALLINT: x = ((const int16_t *)v->values)[r]; break;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: x = ((const int32_t *)v->values)[r]; break;
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP: x = ((const int64_t *)v->values)[r]; break;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_INTERVAL: return XXH64((const char *)v->values + (size_t)r * 16, 16, h);
    case QE_TYPE_REAL: return rt_hash_mix8(rt_hash_double_bits(((const float *)v->values)[r]), h);
    case QE_TYPE_DOUBLE:
        return rt_hash_mix8(rt_hash_double_bits(((const double *)v->values)[r]), h);
    case QE_TYPE_VARCHAR: {
        const rt_string *s = &((const rt_string *)v->values)[r];
        return XXH3_64bits_withSeed(rt_string_ptr(v, s), s->len, h);
    }
    default: return h;
    }
    return rt_hash_mix8((uint64_t)x, h);
}

static uint64_t hash_null(uint64_t h) { return rt_hash_mix8(HASH_NULL, h); }

void rt_hash_vectors(const rt_vector *const *cols, uint32_t n_cols, const uint32_t *sel, uint32_t n,
                     uint64_t *hashes) {
    for (uint32_t k = 0; k < n; k++)
        hashes[k] = HASH_SEED;
    for (uint32_t c = 0; c < n_cols; c++) {
        const rt_vector *v = cols[c];
        if (v->validity == NULL) {
            rt_hash_values(v, sel, n, hashes);
            continue;
        }
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = sel ? sel[k] : k;
            hashes[k] =
                rt_bit_get(v->validity, r) ? hash_one(v, r, hashes[k]) : hash_null(hashes[k]);
        }
    }
}
