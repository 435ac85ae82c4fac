/*
 * storage_enc.c -- the column-chunk codec of persistent storage.
 *
 * A chunk is one column of one row group: a 48-byte header (type, encoding,
 * compression, counts, zone map, checksum) and a payload: the validity bitmap (only
 * when some but not all rows are NULL) followed by the values in one encoding --
 * constant, RLE, dictionary, frame-of-reference bit-packing, delta or plain -- the
 * smallest for this chunk, then zstd over the whole payload when that saves at least
 * an eighth.  Fixed-width values of up to 8 bytes are handled as int64 bit patterns
 * (sign-extended; stored back truncated), so every integer encoding is exact modulo
 * 2^64 for every such type, REAL/DOUBLE included; 16-byte values (HUGEINT, INTERVAL)
 * use plain, constant and RLE; strings plain, constant and dictionary.  NULL rows
 * carry the previous valid value so they do not break runs or deltas.
 *
 * Decoding trusts nothing: the checksum first, then every count and offset against the
 * bytes there are; any mismatch is XX001 with the file name.
 */
#include "storage_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#define DICT_MAX 65536 /* largest dictionary considered */

const char *st_enc_name(st_enc enc) {
    switch (enc) {
#define X(name, code)                                                                              \
    case ST_ENC_##name: return #name;
        ST_ENC_LIST(X)
#undef X
    case ST_ENC_COUNT: break;
    }
    return "?";
}

/* ---- byte buffers ------------------------------------------------------------------ */

uint8_t *st_buf_grow(st_buf *b, size_t n) {
    if (b->oom)
        return NULL;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = rt_realloc(NULL, b->data, b->cap, cap);
        if (p == NULL) {
            b->oom = true;
            return NULL;
        }
        b->data = p;
        b->cap = cap;
    }
    uint8_t *at = b->data + b->len;
    b->len += n;
    return at;
}

void st_buf_put(st_buf *b, const void *p, size_t n) {
    uint8_t *at = st_buf_grow(b, n);
    if (at != NULL && n > 0) {
        if (p != NULL)
            memcpy(at, p, n);
        else
            memset(at, 0, n);
    }
}

void st_buf_u8(st_buf *b, uint8_t v) { st_buf_put(b, &v, 1); }
void st_buf_u32(st_buf *b, uint32_t v) { st_buf_put(b, &v, 4); }
void st_buf_u64(st_buf *b, uint64_t v) { st_buf_put(b, &v, 8); }

void st_buf_free(st_buf *b) {
    rt_free(NULL, b->data, b->cap);
    memset(b, 0, sizeof *b);
}

/* ---- bit packing ------------------------------------------------------------------- */

static size_t packed_bytes(uint32_t n, unsigned bits) { return ((size_t)n * bits + 7) / 8; }

static unsigned bits_for(uint64_t max) {
    return max == 0 ? 0 : 64 - (unsigned)__builtin_clzll(max);
}

/* Appends n values of `bits` bits each, LSB-first. */
static void pack(st_buf *b, const uint64_t *v, uint32_t n, unsigned bits) {
    uint8_t *out = st_buf_grow(b, packed_bytes(n, bits));
    if (out == NULL || bits == 0)
        return;
    unsigned __int128 acc = 0;
    unsigned n_acc = 0;
    size_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        acc |= (unsigned __int128)v[i] << n_acc;
        n_acc += bits;
        while (n_acc >= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
            n_acc -= 8;
        }
    }
    if (n_acc > 0)
        out[o] = (uint8_t)acc;
}

/* Reads n values of `bits` bits from in (packed_bytes(n, bits) bytes, checked). */
static void unpack(const uint8_t *in, uint64_t *v, uint32_t n, unsigned bits) {
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    uint32_t i = 0;
    if (bits <= 56) { /* one unaligned 8-byte load per value while 8 bytes remain */
        size_t n_bytes = packed_bytes(n, bits);
        for (; i < n; i++) {
            size_t bit = (size_t)i * bits;
            if ((bit >> 3) + 8 > n_bytes)
                break;
            v[i] = (st_get_u64(in + (bit >> 3)) >> (bit & 7)) & mask;
        }
    }
    unsigned __int128 acc = 0;
    unsigned n_acc = 0;
    size_t i_in = (size_t)i * bits / 8;
    if (((size_t)i * bits) % 8 != 0) { /* start in the middle of a byte */
        acc = in[i_in++] >> (((size_t)i * bits) % 8);
        n_acc = 8 - (unsigned)(((size_t)i * bits) % 8);
    }
    for (; i < n; i++) {
        while (n_acc < bits) {
            acc |= (unsigned __int128)in[i_in++] << n_acc;
            n_acc += 8;
        }
        v[i] = (uint64_t)acc & mask;
        acc >>= bits;
        n_acc -= bits;
    }
}

/* ---- values as int64 --------------------------------------------------------------- */

static bool is_float(qe_type t) { return t == QE_TYPE_REAL || t == QE_TYPE_DOUBLE; }

static double load_d(const uint8_t *p, qe_type t) {
    if (t == QE_TYPE_REAL) {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    double d;
    memcpy(&d, p, 8);
    return d;
}

/* The zone map of a fixed-width column (min/max only for ordered types <= 8 bytes). */
static void zone_of(const st_column *c, uint32_t w, rt_col_zone *z) {
    memset(z, 0, sizeof *z);
    bool ordered = c->type != QE_TYPE_VARCHAR && w <= 8 && w > 0, seen = false, nan = false;
    for (uint32_t r = 0; r < c->n_rows; r++) {
        if (c->validity && !rt_bit_get(c->validity, r)) {
            z->null_count++;
            continue;
        }
        if (!ordered)
            continue;
        const uint8_t *p = c->values + (size_t)r * w;
        if (is_float(c->type)) {
            double d = load_d(p, c->type);
            nan |= isnan(d);
            if (!seen || d < z->min.d)
                z->min.d = d;
            if (!seen || d > z->max.d)
                z->max.d = d;
        } else {
            int64_t x = rt_load_int(p, w);
            if (!seen || x < z->min.i)
                z->min.i = x;
            if (!seen || x > z->max.i)
                z->max.i = x;
        }
        seen = true;
    }
    z->has_minmax = ordered && seen && !nan;
}

bool rt_zone_may_match(const rt_col_zone *z, qe_type type, rt_zone_cmp op, const rt_value *c) {
    if (!z->has_minmax || c->is_null)
        return true;
    int lo, hi; /* sign of min - c and max - c */
    if (is_float(type)) {
        double x = is_float(c->type) ? c->u.d : (double)c->u.i;
        if (isnan(x))
            return true;
        lo = (z->min.d > x) - (z->min.d < x);
        hi = (z->max.d > x) - (z->max.d < x);
    } else {
        if (is_float(c->type) || c->type == QE_TYPE_VARCHAR || c->type == QE_TYPE_INTERVAL ||
            c->type == QE_TYPE_HUGEINT)
            return true;
        int64_t x = c->type == QE_TYPE_BOOLEAN ? (int64_t)c->u.b : c->u.i;
        lo = (z->min.i > x) - (z->min.i < x);
        hi = (z->max.i > x) - (z->max.i < x);
    }
    switch (op) {
    case RT_ZONE_EQ: return lo <= 0 && hi >= 0;
    case RT_ZONE_NE: return !(lo == 0 && hi == 0);
    case RT_ZONE_LT: return lo < 0;
    case RT_ZONE_LE: return lo <= 0;
    case RT_ZONE_GT: return hi > 0;
    case RT_ZONE_GE: return hi >= 0;
    }
    return true;
}

/* Index of the last zone starting at or before row (zones sorted), or n if none. */
static uint32_t zone_at(const rt_zone *zones, uint32_t n, uint64_t row) {
    uint32_t lo = 0, hi = n; /* answer in [lo - 1, hi) */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (zones[mid].first_row <= row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? n : lo - 1;
}

bool rt_zones_range_may_match(const rt_zone *zones, uint32_t n_zones, uint64_t first_row,
                              uint32_t n_rows, uint32_t col, qe_type type, rt_zone_cmp op,
                              const rt_value *c) {
    uint64_t row = first_row, end = first_row + n_rows;
    while (row < end) {
        uint32_t z = zone_at(zones, n_zones, row);
        if (z == n_zones || row >= zones[z].first_row + zones[z].n_rows)
            return true; /* a row no zone covers */
        const rt_col_zone *cz = &zones[z].cols[col];
        if (cz->null_count < zones[z].n_rows && rt_zone_may_match(cz, type, op, c))
            return true; /* (an all-NULL zone never satisfies a comparison) */
        row = zones[z].first_row + zones[z].n_rows;
    }
    return false;
}

/* ---- encoding fixed-width values --------------------------------------------------- */

/* A tiny open-addressing set of int64 keys -> dictionary codes. */
typedef struct dict_set {
    uint32_t mask;  /* slots - 1 */
    int64_t *keys;  /* slot keys */
    uint32_t *code; /* slot code + 1, 0 = empty */
    uint32_t n;     /* codes handed out */
} dict_set;

static bool dict_init(dict_set *d, uint32_t max_entries) {
    uint32_t slots = 16;
    while (slots < max_entries * 2)
        slots *= 2;
    d->mask = slots - 1;
    d->n = 0;
    d->keys = rt_malloc(NULL, sizeof *d->keys * slots);
    d->code = rt_malloc(NULL, sizeof *d->code * slots);
    if (d->code)
        memset(d->code, 0, sizeof *d->code * slots);
    return d->keys && d->code;
}

static void dict_free(dict_set *d) {
    rt_free(NULL, d->keys, sizeof *d->keys * (d->mask + 1));
    rt_free(NULL, d->code, sizeof *d->code * (d->mask + 1));
}

/* The code of key (a new one if absent); UINT32_MAX when the set is full. */
static uint32_t dict_code(dict_set *d, int64_t key, uint64_t hash, uint32_t limit,
                          bool (*same)(void *, uint32_t, int64_t), void *ctx) {
    for (uint32_t s = (uint32_t)(hash * 0x9E3779B97F4A7C15ULL >> 32) & d->mask;;
         s = (s + 1) & d->mask) {
        if (d->code[s] == 0) {
            if (d->n == limit)
                return UINT32_MAX;
            d->keys[s] = key;
            d->code[s] = ++d->n;
            return d->n - 1;
        }
        if (same ? same(ctx, d->code[s] - 1, key) : d->keys[s] == key)
            return d->code[s] - 1;
    }
}

/* Sizes in bytes of each applicable encoding of the int64 view v[0..n). */
typedef struct fixed_plan {
    size_t size[ST_ENC_COUNT]; /* SIZE_MAX = not applicable */
    int64_t min, dmin;         /* FOR base, DELTA base */
    unsigned for_bits, delta_bits, dict_bits;
    uint32_t n_runs;
} fixed_plan;

static void plan_fixed(const int64_t *v, uint32_t n, uint32_t w, fixed_plan *p, uint32_t n_dict) {
    for (int e = 0; e < ST_ENC_COUNT; e++)
        p->size[e] = SIZE_MAX;
    p->size[ST_ENC_PLAIN] = (size_t)n * w;
    int64_t min = v[0], max = v[0], dmin = 0, dmax = 0;
    uint32_t runs = 1;
    for (uint32_t i = 1; i < n; i++) {
        min = v[i] < min ? v[i] : min;
        max = v[i] > max ? v[i] : max;
        int64_t d = (int64_t)((uint64_t)v[i] - (uint64_t)v[i - 1]);
        dmin = i == 1 || d < dmin ? d : dmin;
        dmax = i == 1 || d > dmax ? d : dmax;
        runs += v[i] != v[i - 1];
    }
    p->n_runs = runs;
    if (runs == 1)
        p->size[ST_ENC_CONSTANT] = w;
    p->size[ST_ENC_RLE] = 4 + (size_t)runs * (w + 4);
    if (w <= 8) {
        p->min = min;
        p->for_bits = bits_for((uint64_t)max - (uint64_t)min);
        p->size[ST_ENC_FOR] = 9 + packed_bytes(n, p->for_bits);
        p->dmin = dmin;
        p->delta_bits = bits_for((uint64_t)dmax - (uint64_t)dmin);
        p->size[ST_ENC_DELTA] = 17 + packed_bytes(n - 1, p->delta_bits);
        if (n_dict != UINT32_MAX) {
            p->dict_bits = bits_for(n_dict - 1);
            p->size[ST_ENC_DICT] = 5 + (size_t)n_dict * w + packed_bytes(n, p->dict_bits);
        }
    }
}

/* Writes the low w bytes of x. */
static void put_w(st_buf *b, int64_t x, uint32_t w) { st_buf_put(b, &x, w); }

/* Encodes the int64 view v (n values, w <= 8) as enc. */
static void encode_fixed_i(st_buf *b, const int64_t *v, uint32_t n, uint32_t w, st_enc enc,
                           const fixed_plan *p, uint64_t *tmp) {
    switch (enc) {
    case ST_ENC_CONSTANT: put_w(b, v[0], w); break;
    case ST_ENC_RLE: {
        st_buf_u32(b, p->n_runs);
        uint32_t start = 0;
        for (uint32_t i = 1; i <= n; i++)
            if (i == n || v[i] != v[start]) {
                put_w(b, v[start], w);
                st_buf_u32(b, i - start);
                start = i;
            }
        break;
    }
    case ST_ENC_FOR:
        st_buf_u64(b, (uint64_t)p->min);
        st_buf_u8(b, (uint8_t)p->for_bits);
        for (uint32_t i = 0; i < n; i++)
            tmp[i] = (uint64_t)v[i] - (uint64_t)p->min;
        pack(b, tmp, n, p->for_bits);
        break;
    case ST_ENC_DELTA:
        st_buf_u64(b, (uint64_t)v[0]);
        st_buf_u64(b, (uint64_t)p->dmin);
        st_buf_u8(b, (uint8_t)p->delta_bits);
        for (uint32_t i = 1; i < n; i++)
            tmp[i - 1] = (uint64_t)v[i] - (uint64_t)v[i - 1] - (uint64_t)p->dmin;
        pack(b, tmp, n - 1, p->delta_bits);
        break;
    default:
        for (uint32_t i = 0; i < n; i++)
            put_w(b, v[i], w);
        break;
    }
}

/* DICT of the int64 view: the distinct values in first-seen order, then codes. */
static bool encode_dict_i(st_buf *b, const int64_t *v, uint32_t n, uint32_t w, unsigned bits,
                          uint64_t *tmp) {
    dict_set d;
    if (!dict_init(&d, n < DICT_MAX ? n : DICT_MAX)) {
        dict_free(&d);
        return false;
    }
    int64_t *order = rt_malloc(NULL, sizeof *order * n);
    bool ok = order != NULL;
    for (uint32_t i = 0; ok && i < n; i++) {
        uint32_t before = d.n;
        tmp[i] = dict_code(&d, v[i], (uint64_t)v[i], UINT32_MAX, NULL, NULL);
        if (d.n > before)
            order[d.n - 1] = v[i];
    }
    if (ok) {
        st_buf_u32(b, d.n);
        for (uint32_t k = 0; k < d.n; k++)
            put_w(b, order[k], w);
        st_buf_u8(b, (uint8_t)bits);
        pack(b, tmp, n, bits);
    }
    rt_free(NULL, order, sizeof *order * n);
    dict_free(&d);
    return ok;
}

/* Distinct values of v, or UINT32_MAX past the dictionary limit / on out-of-memory. */
static uint32_t count_distinct_i(const int64_t *v, uint32_t n) {
    uint32_t limit = n / 2 < DICT_MAX ? n / 2 : DICT_MAX;
    dict_set d;
    uint32_t out = UINT32_MAX;
    if (limit > 0 && dict_init(&d, limit)) {
        out = 0;
        for (uint32_t i = 0; i < n && out != UINT32_MAX; i++)
            if (dict_code(&d, v[i], (uint64_t)v[i], limit, NULL, NULL) == UINT32_MAX)
                out = UINT32_MAX;
        if (out != UINT32_MAX)
            out = d.n;
    }
    if (limit > 0)
        dict_free(&d);
    return out;
}

/* The values of a fixed-width column with NULL rows replaced by the previous valid
 * value (the first valid one for leading NULLs), as a w-byte array in out. */
static void fill_nulls(const st_column *c, uint32_t w, uint8_t *out) {
    memcpy(out, c->values, (size_t)c->n_rows * w);
    if (c->validity == NULL)
        return;
    uint32_t first = 0;
    while (first < c->n_rows && !rt_bit_get(c->validity, first))
        first++;
    if (first == c->n_rows)
        return;
    for (uint32_t r = 0; r < c->n_rows; r++)
        if (!rt_bit_get(c->validity, r))
            memcpy(out + (size_t)r * w,
                   r < first ? out + (size_t)first * w : out + (size_t)(r - 1) * w, w);
}

/* Picks the cheapest encoding (or force when applicable). */
static st_enc choose(const size_t *size, int force) {
    if (force >= 0 && force < ST_ENC_COUNT && size[force] != SIZE_MAX)
        return (st_enc)force;
    st_enc best = ST_ENC_PLAIN;
    for (int e = 0; e < ST_ENC_COUNT; e++)
        if (size[e] < size[best])
            best = (st_enc)e;
    return best;
}

/* Encodes the values of a fixed-width column of <= 8 bytes; *enc = the choice. */
static bool encode_fixed(st_buf *b, const st_column *c, uint32_t w, const uint8_t *vals, int force,
                         st_enc *enc) {
    uint32_t n = c->n_rows;
    int64_t *v = rt_malloc(NULL, sizeof *v * n);
    uint64_t *tmp = rt_malloc(NULL, sizeof *tmp * n);
    bool ok = v && tmp;
    if (ok) {
        for (uint32_t i = 0; i < n; i++)
            v[i] = rt_load_int(vals + (size_t)i * w, w);
        fixed_plan p;
        plan_fixed(v, n, w, &p,
                   force == ST_ENC_DICT || force < 0 ? count_distinct_i(v, n) : UINT32_MAX);
        *enc = choose(p.size, force);
        if (*enc == ST_ENC_DICT)
            ok = encode_dict_i(b, v, n, w, p.dict_bits, tmp);
        else
            encode_fixed_i(b, v, n, w, *enc, &p, tmp);
    }
    rt_free(NULL, v, sizeof *v * n);
    rt_free(NULL, tmp, sizeof *tmp * n);
    return ok;
}

/* 16-byte values: plain, constant or RLE (bytewise runs). */
static void encode_wide(st_buf *b, const st_column *c, const uint8_t *vals, int force,
                        st_enc *enc) {
    uint32_t n = c->n_rows, runs = 1;
    for (uint32_t i = 1; i < n; i++)
        runs += memcmp(vals + (size_t)i * 16, vals + (size_t)(i - 1) * 16, 16) != 0;
    size_t size[ST_ENC_COUNT];
    for (int e = 0; e < ST_ENC_COUNT; e++)
        size[e] = SIZE_MAX;
    size[ST_ENC_PLAIN] = (size_t)n * 16;
    size[ST_ENC_RLE] = 4 + (size_t)runs * 20;
    if (runs == 1)
        size[ST_ENC_CONSTANT] = 16;
    *enc = choose(size, force);
    if (*enc == ST_ENC_CONSTANT) {
        st_buf_put(b, vals, 16);
    } else if (*enc == ST_ENC_RLE) {
        st_buf_u32(b, runs);
        uint32_t start = 0;
        for (uint32_t i = 1; i <= n; i++)
            if (i == n || memcmp(vals + (size_t)i * 16, vals + (size_t)start * 16, 16) != 0) {
                st_buf_put(b, vals + (size_t)start * 16, 16);
                st_buf_u32(b, i - start);
                start = i;
            }
    } else {
        st_buf_put(b, vals, (size_t)n * 16);
    }
}

/* ---- encoding strings -------------------------------------------------------------- */

typedef struct str_ctx {
    const st_column *c;
    const uint32_t *rep; /* code -> representative row */
} str_ctx;

static bool str_same(void *ctx, uint32_t code, int64_t row) {
    const str_ctx *s = ctx;
    uint32_t a = s->rep[code], r = (uint32_t)row;
    return s->c->s_len[a] == s->c->s_len[r] &&
           memcmp(s->c->s_ptr[a], s->c->s_ptr[r], s->c->s_len[r]) == 0;
}

/* Length of row r (0 for NULL rows). */
static uint32_t s_len(const st_column *c, uint32_t r) {
    return c->validity && !rt_bit_get(c->validity, r) ? 0 : c->s_len[r];
}

/* Writes the strings of rows[0..n) as u32 offsets[n + 1] and their bytes. */
static void put_strings(st_buf *b, const st_column *c, const uint32_t *rows, uint32_t n) {
    uint32_t off = 0;
    st_buf_u32(b, 0);
    for (uint32_t i = 0; i < n; i++) {
        off += s_len(c, rows ? rows[i] : i);
        st_buf_u32(b, off);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = rows ? rows[i] : i;
        st_buf_put(b, c->s_ptr[r], s_len(c, r));
    }
}

static bool encode_strings(st_buf *b, const st_column *c, int force, st_enc *enc) {
    uint32_t n = c->n_rows;
    uint32_t limit = force == ST_ENC_DICT ? (n < DICT_MAX ? n : DICT_MAX)
                                          : (n / 2 < DICT_MAX ? n / 2 : DICT_MAX);
    uint32_t *rep = rt_malloc(NULL, sizeof *rep * (limit ? limit : 1));
    uint64_t *codes = rt_malloc(NULL, sizeof *codes * n);
    dict_set d = {0};
    bool ok = rep && codes && dict_init(&d, limit ? limit : 1), fits = limit > 0;
    size_t total = 0, dict_bytes = 0;
    str_ctx ctx = {c, rep};
    for (uint32_t r = 0; ok && r < n; r++) {
        uint32_t len = s_len(c, r);
        total += len;
        if (!fits)
            continue;
        uint32_t before = d.n;
        uint64_t h = XXH3_64bits(len ? c->s_ptr[r] : "", len);
        uint32_t code = dict_code(&d, (int64_t)r, h, limit, str_same, &ctx);
        if (code == UINT32_MAX) {
            fits = false;
            continue;
        }
        if (d.n > before) {
            rep[code] = r;
            dict_bytes += 4 + len;
        }
        codes[r] = code;
    }
    size_t size[ST_ENC_COUNT];
    for (int e = 0; e < ST_ENC_COUNT; e++)
        size[e] = SIZE_MAX;
    size[ST_ENC_PLAIN] = 4 + (size_t)n * 4 + total;
    unsigned bits = fits && d.n > 0 ? bits_for(d.n - 1) : 0;
    if (fits && d.n == 1)
        size[ST_ENC_CONSTANT] = 4 + s_len(c, 0);
    if (fits)
        size[ST_ENC_DICT] = 9 + dict_bytes + packed_bytes(n, bits);
    *enc = ok ? choose(size, force) : ST_ENC_PLAIN;
    if (ok && *enc == ST_ENC_CONSTANT) {
        st_buf_u32(b, s_len(c, 0));
        st_buf_put(b, c->s_ptr[0], s_len(c, 0));
    } else if (ok && *enc == ST_ENC_DICT) {
        st_buf_u32(b, d.n);
        put_strings(b, c, rep, d.n);
        st_buf_u8(b, (uint8_t)bits);
        pack(b, codes, n, bits);
    } else if (ok) {
        put_strings(b, c, NULL, n);
    }
    rt_free(NULL, rep, sizeof *rep * (limit ? limit : 1));
    rt_free(NULL, codes, sizeof *codes * n);
    dict_free(&d);
    return ok;
}

/* ---- chunks ------------------------------------------------------------------------ */

/* Encodes the payload (validity + values) into raw; *enc = the values' encoding. */
static bool encode_payload(st_buf *raw, const st_column *c, int force, uint32_t null_count,
                           st_enc *enc) {
    uint32_t w = rt_type_width(c->type);
    *enc = ST_ENC_PLAIN;
    if (null_count == c->n_rows)
        return true; /* all NULL: no payload */
    if (null_count > 0)
        st_buf_put(raw, c->validity, rt_bitmap_bytes(c->n_rows));
    if (c->type == QE_TYPE_VARCHAR)
        return encode_strings(raw, c, force, enc);
    uint8_t *vals = rt_malloc(NULL, (size_t)c->n_rows * w);
    if (vals == NULL)
        return false;
    fill_nulls(c, w, vals);
    bool ok = true;
    if (w == 16)
        encode_wide(raw, c, vals, force, enc);
    else
        ok = encode_fixed(raw, c, w, vals, force, enc);
    rt_free(NULL, vals, (size_t)c->n_rows * w);
    return ok;
}

bool st_chunk_encode(st_buf *out, const st_column *c, int force, rt_col_zone *zone) {
    zone_of(c, rt_type_width(c->type), zone);
    st_buf raw = {0};
    st_enc enc;
    bool ok = encode_payload(&raw, c, force, zone->null_count, &enc) && !raw.oom;
    uint8_t compression = 0;
    void *z = NULL;
    size_t z_cap = 0, z_len = 0;
    if (ok && raw.len >= 64) {
        z_cap = ZSTD_compressBound(raw.len);
        z = rt_malloc(NULL, z_cap);
        ok = z != NULL;
        if (ok) {
            z_len = ZSTD_compress(z, z_cap, raw.data, raw.len, 3);
            compression = !ZSTD_isError(z_len) && z_len < raw.len - raw.len / 8;
        }
    }
    if (ok) {
        const uint8_t *payload = compression ? z : raw.data;
        uint32_t stored = (uint32_t)(compression ? z_len : raw.len);
        uint8_t h[ST_CHUNK_HEADER_SIZE] = {(uint8_t)c->type, (uint8_t)enc, compression,
                                           zone->has_minmax ? 1 : 0};
        uint32_t u[5] = {c->n_rows, zone->null_count, (uint32_t)raw.len, stored, 0};
        memcpy(h + 4, u, sizeof u);
        memcpy(h + 24, &zone->min, 8);
        memcpy(h + 32, &zone->max, 8);
        uint64_t sum = XXH64(payload, stored, XXH64(h, 40, 0));
        memcpy(h + 40, &sum, 8);
        st_buf_put(out, h, sizeof h);
        st_buf_put(out, payload, stored);
        ok = !out->oom;
    }
    rt_free(NULL, z, z_cap);
    st_buf_free(&raw);
    return ok;
}

/* ---- decoding ---------------------------------------------------------------------- */

/* A bounds-checked reader over a decoded payload. */
typedef struct reader {
    const uint8_t *p; /* payload */
    size_t len;       /* its bytes */
    size_t pos;       /* next byte */
    bool bad;         /* a read went past the end */
} reader;

static const uint8_t *take(reader *r, size_t n) {
    if (r->bad || n > r->len - r->pos) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *at = r->p + r->pos;
    r->pos += n;
    return at;
}

static uint32_t take_u32(reader *r) {
    const uint8_t *p = take(r, 4);
    return p ? st_get_u32(p) : 0;
}

static uint64_t take_u64(reader *r) {
    const uint8_t *p = take(r, 8);
    return p ? st_get_u64(p) : 0;
}

/* Reads `bits` and n packed values into out; false if malformed. */
static bool take_packed(reader *r, uint64_t *out, uint32_t n, unsigned *bits_out) {
    const uint8_t *b = take(r, 1);
    if (b == NULL || *b > 64)
        return false;
    const uint8_t *in = take(r, packed_bytes(n, *b));
    if (in == NULL)
        return false;
    unpack(in, out, n, *b);
    if (bits_out)
        *bits_out = *b;
    return true;
}

/* Decodes fixed-width (<= 8 bytes) values into dst; false if malformed. */
static bool decode_fixed(reader *r, st_enc enc, uint32_t n, uint32_t w, uint8_t *dst,
                         uint64_t *tmp) {
    switch (enc) {
    case ST_ENC_PLAIN: {
        const uint8_t *p = take(r, (size_t)n * w);
        if (p)
            memcpy(dst, p, (size_t)n * w);
        return p != NULL;
    }
    case ST_ENC_CONSTANT: {
        const uint8_t *p = take(r, w);
        for (uint32_t i = 0; p && i < n; i++)
            memcpy(dst + (size_t)i * w, p, w);
        return p != NULL;
    }
    case ST_ENC_RLE: {
        uint32_t runs = take_u32(r), row = 0;
        for (uint32_t k = 0; k < runs && !r->bad; k++) {
            const uint8_t *p = take(r, w);
            uint32_t len = take_u32(r);
            if (r->bad || len == 0 || len > n - row)
                return false;
            for (uint32_t i = 0; i < len; i++, row++)
                memcpy(dst + (size_t)row * w, p, w);
        }
        return !r->bad && row == n;
    }
    case ST_ENC_DICT: {
        uint32_t n_dict = take_u32(r);
        const uint8_t *dict =
            r->bad || n_dict == 0 || n_dict > n ? NULL : take(r, (size_t)n_dict * w);
        if (dict == NULL || !take_packed(r, tmp, n, NULL))
            return false;
        for (uint32_t i = 0; i < n; i++) {
            if (tmp[i] >= n_dict)
                return false;
            memcpy(dst + (size_t)i * w, dict + tmp[i] * w, w);
        }
        return true;
    }
    case ST_ENC_FOR: {
        uint64_t base = take_u64(r);
        if (r->bad || !take_packed(r, tmp, n, NULL))
            return false;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t x = base + tmp[i];
            memcpy(dst + (size_t)i * w, &x, w);
        }
        return true;
    }
    case ST_ENC_DELTA: {
        uint64_t x = take_u64(r), base = take_u64(r);
        if (r->bad || !take_packed(r, tmp, n - 1, NULL))
            return false;
        memcpy(dst, &x, w);
        for (uint32_t i = 1; i < n; i++) {
            x += base + tmp[i - 1];
            memcpy(dst + (size_t)i * w, &x, w);
        }
        return true;
    }
    case ST_ENC_COUNT: break;
    }
    return false;
}

/* Reads u32 offsets[n + 1] and the bytes they cover; false unless they are monotone
 * from 0 and cover exactly the bytes there. */
static bool take_strings(reader *r, uint32_t n, const uint8_t **offs, const char **bytes) {
    *offs = take(r, ((size_t)n + 1) * 4);
    if (*offs == NULL || st_get_u32(*offs) != 0)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (st_get_u32(*offs + (size_t)(i + 1) * 4) < st_get_u32(*offs + (size_t)i * 4))
            return false;
    *bytes = (const char *)take(r, st_get_u32(*offs + (size_t)n * 4));
    return *bytes != NULL;
}

static bool set_str(rt_vector *v, rt_arena *arena, uint32_t row, const uint8_t *offs,
                    const char *bytes, uint32_t k) {
    uint32_t a = st_get_u32(offs + (size_t)k * 4), b = st_get_u32(offs + (size_t)(k + 1) * 4);
    return rt_vector_set_string(v, arena, row, bytes + a, b - a);
}

/* Decodes strings into v; *nomem on allocation failure.  False if malformed. */
static bool decode_strings(reader *r, st_enc enc, uint32_t n, rt_vector *v, rt_arena *arena,
                           uint64_t *tmp, bool *nomem) {
    const uint8_t *offs;
    const char *bytes;
    if (enc == ST_ENC_CONSTANT) {
        uint32_t len = take_u32(r);
        const char *p = (const char *)take(r, len);
        for (uint32_t i = 0; p && i < n && !*nomem; i++)
            *nomem = !rt_vector_set_string(v, arena, i, p, len);
        return p != NULL;
    }
    if (enc == ST_ENC_PLAIN) {
        if (!take_strings(r, n, &offs, &bytes))
            return false;
        for (uint32_t i = 0; i < n && !*nomem; i++)
            *nomem = !set_str(v, arena, i, offs, bytes, i);
        return true;
    }
    if (enc != ST_ENC_DICT)
        return false;
    uint32_t n_dict = take_u32(r);
    if (r->bad || n_dict == 0 || n_dict > n || !take_strings(r, n_dict, &offs, &bytes) ||
        !take_packed(r, tmp, n, NULL))
        return false;
    for (uint32_t i = 0; i < n && !*nomem; i++) {
        if (tmp[i] >= n_dict)
            return false;
        *nomem = !set_str(v, arena, i, offs, bytes, (uint32_t)tmp[i]);
    }
    return true;
}

static qe_status corrupt(rt_error *err, const char *file, const char *what) {
    rt_error_set(err, QE_INTERNAL, "XX001", -1, "could not read file \"%s\": %s", file, what);
    rt_error_detail(err, "The database file is corrupt or truncated.");
    return QE_INTERNAL;
}

/* Decodes the values part of a payload into v (validity already set up). */
static qe_status decode_values(reader *r, st_enc enc, qe_type type, uint32_t n, rt_vector *v,
                               rt_arena *arena, const char *file, rt_error *err) {
    uint32_t w = rt_type_width(type);
    uint64_t *tmp = rt_malloc(NULL, sizeof *tmp * n);
    if (tmp == NULL)
        return rt_error_nomem(err, NULL);
    bool nomem = false, ok;
    if (type == QE_TYPE_VARCHAR)
        ok = decode_strings(r, enc, n, v, arena, tmp, &nomem);
    else if (w == 16)
        ok = (enc == ST_ENC_PLAIN || enc == ST_ENC_CONSTANT || enc == ST_ENC_RLE) &&
             decode_fixed(r, enc, n, w, v->values, tmp);
    else
        ok = decode_fixed(r, enc, n, w, v->values, tmp);
    rt_free(NULL, tmp, sizeof *tmp * n);
    if (nomem)
        return rt_error_nomem(err, NULL);
    if (!ok || r->bad || r->pos != r->len)
        return corrupt(err, file, "malformed column chunk");
    return QE_OK;
}

/* Sets up v's validity from the payload; all-NULL chunks get an all-zero bitmap. */
static qe_status decode_validity(reader *r, uint32_t n, uint32_t null_count, rt_vector *v,
                                 rt_arena *arena, const char *file, rt_error *err) {
    v->validity = NULL;
    if (null_count == 0)
        return QE_OK;
    size_t bytes = rt_bitmap_bytes(n);
    v->validity = rt_arena_calloc(arena, bytes);
    if (v->validity == NULL)
        return rt_error_nomem(err, NULL);
    if (null_count == n)
        return QE_OK;
    const uint8_t *bm = take(r, bytes);
    if (bm == NULL)
        return corrupt(err, file, "truncated validity bitmap");
    memcpy(v->validity, bm, bytes);
    uint32_t valid = 0;
    for (uint32_t i = 0; i < n; i++)
        valid += rt_bit_get(v->validity, i);
    if (n - valid != null_count)
        return corrupt(err, file, "NULL count does not match the validity bitmap");
    return QE_OK;
}

qe_status st_chunk_decode(const uint8_t *data, size_t len, qe_type type, uint32_t n_rows,
                          rt_vector *v, rt_arena *arena, rt_col_zone *zone, size_t *used,
                          const char *file, rt_error *err) {
    if (len < ST_CHUNK_HEADER_SIZE)
        return corrupt(err, file, "truncated column chunk");
    uint32_t n = st_get_u32(data + 4), nulls = st_get_u32(data + 8),
             raw_len = st_get_u32(data + 12), stored = st_get_u32(data + 16);
    if (stored > len - ST_CHUNK_HEADER_SIZE)
        return corrupt(err, file, "truncated column chunk");
    const uint8_t *payload = data + ST_CHUNK_HEADER_SIZE;
    if (XXH64(payload, stored, XXH64(data, 40, 0)) != st_get_u64(data + 40))
        return corrupt(err, file, "checksum mismatch in a column chunk");
    st_enc enc = data[1];
    if (data[0] != type || enc >= ST_ENC_COUNT || data[2] > 1 || n != n_rows || nulls > n ||
        (data[2] == 0 && raw_len != stored))
        return corrupt(err, file, "invalid column chunk header");
    memset(zone, 0, sizeof *zone);
    zone->null_count = nulls;
    zone->has_minmax = data[3] & 1;
    memcpy(&zone->min, data + 24, 8);
    memcpy(&zone->max, data + 32, 8);
    *used = ST_CHUNK_HEADER_SIZE + (size_t)stored;
    uint8_t *raw = NULL;
    if (data[2] == 1) {
        raw = rt_malloc(NULL, raw_len ? raw_len : 1);
        if (raw == NULL)
            return rt_error_nomem(err, NULL);
        size_t got = ZSTD_decompress(raw, raw_len, payload, stored);
        if (ZSTD_isError(got) || got != raw_len) {
            rt_free(NULL, raw, raw_len ? raw_len : 1);
            return corrupt(err, file, "bad compressed column chunk");
        }
    }
    reader r = {raw ? raw : payload, raw_len, 0, false};
    qe_status st = decode_validity(&r, n, nulls, v, arena, file, err);
    if (st == QE_OK && nulls < n)
        st = decode_values(&r, enc, type, n, v, arena, file, err);
    else if (st == QE_OK && r.len != 0)
        st = corrupt(err, file, "malformed column chunk");
    if (st == QE_OK && nulls == n)
        memset(v->values, 0, (size_t)n * rt_type_width(type));
    rt_free(NULL, raw, raw_len ? raw_len : 1);
    return st;
}
