/*
 * jit_join.c -- the generic machinery compiled pipelines call instead of generating it:
 * the probe's prefetch rounds (rt_jit_join_prefetch), the pre-pass's chain heads and
 * chain rounds (rt_jit_join_chains), the compaction of a filter block's results
 * (rt_jit_block_compact), and CHAR(n) = constant (rt_jit_char_eq_const).
 *
 * Nothing here changes a result: the prefetching helpers only read the join table and
 * the morsel and touch cache lines (a hash that differs from the runtime's would only
 * prefetch the wrong lines); rt_jit_join_chains fills the chain heads the probe walks
 * from (the same heads the probe's own bucket read gives).  Their code gains nothing
 * from being specialized per query, so it is compiled once, here, instead of being
 * generated (and compiled) for every pipeline.
 */
#include "rt_int.h"
#include "str_inline.h"

#include <pthread.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define NO_ROW 0xFFFFFFFFu
#define HASH_SEED 0x51ed2701a3c5f3e9ULL /* hash.c */
#define PF_CHUNK 256                    /* rows per prefetch round */
#define PRE_MAX_ROWS 1024               /* codegen's CG_PRE_ROWS */
#define PRE_MAX_COLS 8                  /* build columns prefetched at a candidate row */
#define PF_MIN_ROWS 32768               /* codegen's: smaller build sides stay in the cache */

_Static_assert(sizeof(rt_jit_join_link) == 16, "links are 16 bytes");

/* Row of active entry x: sel[x] or x. */
static inline uint64_t row_of(const uint32_t *sel, uint64_t x) { return sel ? sel[x] : x; }

/* Mixes fixed-width column v of the active entries [from, from + n) into h[0..n), as
 * rt_hash_vectors does for valid values (a NULL's bytes mix in harmlessly): rt_hash_values
 * over that window of the selection or the values. */
static void mix_column(const rt_vector *v, const uint32_t *sel, uint64_t from, uint64_t n,
                       uint64_t *h) {
    rt_vector window = *v;
    if (sel != NULL)
        sel += from;
    else
        window.values = (char *)v->values + from * rt_type_width(v->type);
    rt_hash_values(&window, sel, (uint32_t)n, h);
}

/* The first row of h's chain, or NO_ROW (the salt bit of h clear: no row has it). */
static inline uint32_t chain_head(const rt_jit_join *j, uint64_t h) {
    uint64_t e = j->buckets[h & j->mask];
    return (e >> (32 + (h >> 59)) & 1) ? (uint32_t)e : NO_ROW;
}

static inline const char *value_at(const rt_vector *v, uint32_t width, uint64_t row) {
    return (const char *)v->values + (size_t)row * width;
}

/* A probe's next prefetch round; see rt.h. */
uint64_t rt_jit_join_prefetch(const rt_batch *morsel, const rt_jit_join *j, uint64_t *cursor,
                              uint64_t want, const uint32_t *keys, uint32_t n_keys) {
    const uint32_t *sel = morsel->sel;
    uint64_t n = sel ? morsel->n_sel : morsel->n_rows;
    uint64_t c = *cursor;
    while (c < n && row_of(sel, c) < want) /* entries an earlier filter dropped */
        c++;
    uint64_t end = c + PF_CHUNK < n ? c + PF_CHUNK : n;
    const rt_vector *key0 = &j->cols[keys[n_keys]];
    uint32_t width = rt_type_width(key0->type);
    if (j->kwords != NULL) { /* the key index: each key's first row, its link and key */
        for (uint64_t k = c; k < end; k++) {
            uint32_t b = rt_key_index_head(j->kwords, j->kmin, j->kspan, j->kheads,
                                           rt_key_value(&morsel->cols[keys[0]], row_of(sel, k)));
            if (b != NO_ROW) {
                __builtin_prefetch(&j->links[b], 0, 3);
                __builtin_prefetch(value_at(key0, width, b), 0, 3);
            }
        }
        *cursor = end;
        return end < n ? row_of(sel, end) : UINT64_MAX;
    }
    uint64_t h[PF_CHUNK];
    for (uint64_t k = 0; k < end - c; k++)
        h[k] = HASH_SEED;
    for (uint32_t k = 0; k < n_keys; k++)
        mix_column(&morsel->cols[keys[k]], sel, c, end - c, h);
    for (uint64_t k = 0; k < end - c; k++)
        __builtin_prefetch(&j->buckets[h[k] & j->mask], 0, 3);
    for (uint64_t k = 0; k < end - c; k++) {
        uint32_t b = chain_head(j, h[k]);
        if (b != NO_ROW) {
            __builtin_prefetch(&j->links[b], 0, 3);
            __builtin_prefetch(value_at(key0, width, b), 0, 3);
        }
    }
    *cursor = end;
    return end < n ? row_of(sel, end) : UINT64_MAX;
}

/* The chain rounds over the n_act chains with a head (act_x: their entries, act_b:
 * their current rows): each round reads every chain's current link (prefetched the
 * round before), prefetches the build columns of cols (values and widths, nc) at a
 * row whose hash is the entry's, and moves to the next link, prefetching it. */
static void chain_rounds(const rt_jit_join *j, const uint64_t *hashes, uint32_t *act_x,
                         uint32_t *act_b, uint64_t n_act, const char *const *vals,
                         const uint32_t *widths, uint32_t nc, uint32_t hops) {
    for (uint32_t r = 0; r < hops && n_act > 0; r++) {
        uint64_t w = 0;
        for (uint64_t a = 0; a < n_act; a++) {
            uint32_t x = act_x[a], b = act_b[a];
            const rt_jit_join_link *link = &j->links[b];
            if (link->hash == hashes[x])
                for (uint32_t c = 0; c < nc; c++)
                    __builtin_prefetch(vals[c] + (size_t)b * widths[c], 0, 3);
            uint32_t nx = link->next;
            if (nx != NO_ROW) {
                __builtin_prefetch(&j->links[nx], 0, 3);
                act_x[w] = x;
                act_b[w++] = nx;
            }
        }
        n_act = w;
    }
}

/* Chain head of active entry x: from the key index (the key's value in morsel column
 * kv; a NULL's value finds any head, the probe tests the flags first), else from the
 * bucket of its hash. */
static inline uint32_t head_of(const rt_jit_join *j, const rt_vector *kv, const uint32_t *sel,
                               uint64_t start, uint64_t x, const uint64_t *hashes) {
    if (kv != NULL)
        return rt_key_index_head(j->kwords, j->kmin, j->kspan, j->kheads,
                                 rt_key_value(kv, row_of(sel, start + x)));
    return chain_head(j, hashes[x]);
}

/* Prefetches the n columns (values, widths) of row. */
static inline void prefetch_row(const char *const *vals, const uint32_t *widths, uint32_t n,
                                uint64_t row) {
    for (uint32_t c = 0; c < n; c++)
        __builtin_prefetch(vals[c] + (size_t)row * widths[c], 0, 3);
}

/* The pre-pass's chain heads and chain rounds; see rt.h. */
void rt_jit_join_chains(const rt_jit_join *j, const rt_batch *morsel, const uint32_t *sel,
                        uint64_t start, uint64_t n, const uint64_t *hashes, uint32_t *heads,
                        const uint32_t *desc) {
    uint32_t act_x[PRE_MAX_ROWS], act_b[PRE_MAX_ROWS];
    const char *vals[PRE_MAX_COLS], *rvals[RT_JIT_CHAINS_MAX_ROW_COLS];
    uint32_t widths[PRE_MAX_COLS], rwidths[RT_JIT_CHAINS_MAX_ROW_COLS];
    uint32_t nc = desc[2] < PRE_MAX_COLS ? desc[2] : PRE_MAX_COLS;
    uint32_t nr = desc[3] < RT_JIT_CHAINS_MAX_ROW_COLS ? desc[3] : RT_JIT_CHAINS_MAX_ROW_COLS;
    for (uint32_t c = 0; c < nc; c++) {
        const rt_vector *v = &j->cols[desc[4 + c]];
        vals[c] = v->values;
        widths[c] = rt_type_width(v->type);
    }
    for (uint32_t c = 0; c < nr; c++) {
        const rt_vector *v = &morsel->cols[desc[4 + desc[2] + c]];
        rvals[c] = v->values;
        rwidths[c] = rt_type_width(v->type);
    }
    const rt_vector *key0 = &j->cols[desc[0]];
    const char *k0 = key0->values;
    uint32_t k0w = rt_type_width(key0->type);
    uint64_t n_act = 0;
    if (n > PRE_MAX_ROWS)
        n = PRE_MAX_ROWS;
    /* the key index: the probe key's morsel column follows the others in desc */
    const rt_vector *kv = j->kwords ? &morsel->cols[desc[4 + desc[2] + desc[3]]] : NULL;
    if (j->n_rows < PF_MIN_ROWS) { /* in the cache: the heads, the sparse rows' columns */
        for (uint64_t x = 0; x < n; x++) {
            uint32_t b = head_of(j, kv, sel, start, x, hashes);
            heads[x] = b;
            if (b != NO_ROW && nr > 0)
                prefetch_row(rvals, rwidths, nr, row_of(sel, start + x));
        }
        return;
    }
    for (uint64_t x = 0; x < n; x++) {
        uint32_t b = head_of(j, kv, sel, start, x, hashes);
        heads[x] = b;
        if (b == NO_ROW)
            continue;
        __builtin_prefetch(&j->links[b], 0, 3);
        __builtin_prefetch(k0 + (size_t)b * k0w, 0, 3);
        if (nr > 0) /* the sparse rows the probe will see: their columns */
            prefetch_row(rvals, rwidths, nr, row_of(sel, start + x));
        act_x[n_act] = (uint32_t)x;
        act_b[n_act++] = b;
    }
    chain_rounds(j, hashes, act_x, act_b, n_act, vals, widths, nc, desc[1]);
}

#ifdef __SSE2__
/* For each 8-bit mask: the positions of its set bits, in order (then zeros), and
 * their count. */
static _Alignas(16) uint32_t compact_offsets[256][8];
static uint8_t compact_counts[256];
static pthread_once_t compact_once = PTHREAD_ONCE_INIT;

static void compact_init(void) {
    for (uint32_t m = 0; m < 256; m++) {
        uint32_t c = 0;
        for (uint32_t b = 0; b < 8; b++)
            if (m >> b & 1)
                compact_offsets[m][c++] = b;
        compact_counts[m] = (uint8_t)c;
    }
}
#endif

/* A filter block's compaction; see rt.h. */
uint64_t rt_jit_block_compact(uint8_t *pass, uint64_t n, uint64_t start, uint32_t *out,
                              const uint8_t *const *bitmaps, uint32_t n_bitmaps) {
    for (uint32_t c = 0; c < n_bitmaps; c++) {
        const uint8_t *bm = bitmaps[c];
        if (bm == NULL)
            continue;
        for (uint64_t j = 0; j < n; j++) {
            uint64_t row = start + j;
            pass[j] &= (uint8_t)(bm[row >> 3] >> (row & 7));
        }
    }
    uint64_t k = 0, j = 0;
#ifdef __SSE2__
    /* 16 rows at a time: their pass bits as a mask, each 8 of them written as 8 indexes
     * (the mask's entry of compact_offsets plus the first row) of which the set ones
     * stay.  out[k..k+8) is written whole: k <= j, so it stays within out[0, n). */
    pthread_once(&compact_once, compact_init);
    for (; j + 16 <= n; j += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(pass + j));
        uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_slli_epi16(v, 7));
        for (uint32_t h = 0; h < 2; h++, m >>= 8) {
            const __m128i *o = (const __m128i *)compact_offsets[m & 0xff];
            __m128i base = _mm_set1_epi32((int32_t)(start + j + 8 * h));
            _mm_storeu_si128((__m128i *)(out + k), _mm_add_epi32(_mm_load_si128(o), base));
            _mm_storeu_si128((__m128i *)(out + k + 4), _mm_add_epi32(_mm_load_si128(o + 1), base));
            k += compact_counts[m & 0xff];
        }
    }
#endif
    for (; j < n; j++) {
        out[k] = (uint32_t)(start + j);
        k += (pass[j] & 1) != 0;
    }
    return k;
}

/* CHAR(n) = constant; see rt.h. */
int32_t rt_jit_char_eq_const(const rt_vector *vec, const rt_string *view, const char *c, uint32_t n,
                             int32_t is_null) {
    if (is_null)
        return 0;
    if (view->len <= 12) /* (a NULL-extended row's empty view too: vec may be NULL) */
        return rt_str_char_equal(view->u.inlined, view->len, c, n);
    return rt_str_char_equal(rt_string_ptr(vec, view), view->len, c, n);
}
