/*
 * agg_ht.c -- the aggregation hash table shared by the interpreter and JIT code.
 *
 * Groups are rows allocated in the table's arena and never moved:
 *   [rt_agg_state x n_aggs][key slot x n_keys][hash][NULL flag x n_keys][dead], 16-aligned
 * (dead: the group was folded into another table's by rt_agg_ht_merge_part).
 * The row pointer is the pointer to its first rt_agg_state, which is what
 * rt_jit_agg_insert hands to generated code; generated code
 * probes the index itself (rt_jit_agg in rt.h, kept up to date by update_view),
 * so the slot function, the row layout and the key normalization are shared with it.  A key slot is
 * 16 bytes: the 16 bytes of a HUGEINT/DECIMAL/INTERVAL, an int64 (every integer type, BOOLEAN,
 * DATE, TIMESTAMP), the normalized bits of a double (-0.0 is 0.0, one NaN), or a (pointer, length)
 * string copied into the arena.  GROUP BY treats NULLs as equal, so a NULL key is a flag, not a
 * value.
 *
 * The index is open addressing with linear probing over (hash, row) slots, kept at
 * most half full (of its indexed groups: rt_agg_ht_find_ordered leaves out the groups
 * of keys no other block can have); the slot of a hash comes from its high bits (Fibonacci hashing)
 * so that a HASH exchange (which routes on hash % n) does not leave clusters.  Rows are also listed
 * in creation order for the AGG_SOURCE and for merging.
 */
#include "rt_int.h"

#include <stddef.h>
#include <string.h>

#define HT_FIRST_SLOTS 256
/* How many rows ahead rt_agg_ht_find prefetches slots. */
#define FIND_AHEAD 16
/* Tables with fewer slots stay in cache: rt_agg_ht_find does not prefetch. */
#define FIND_PREFETCH_SLOTS (1u << 14)

typedef union key_slot {
    int64_t i;           /* integers, BOOLEAN, DATE, TIMESTAMP; normalized double bits */
    unsigned char w[16]; /* HUGEINT, DECIMAL, INTERVAL: the value's 16 bytes */
    struct {
        const char *ptr; /* VARCHAR bytes, in the table's arena */
        uint32_t len;
    } s;
} key_slot;
_Static_assert(sizeof(key_slot) == 16, "key slots are 16 bytes");

typedef struct ht_slot {
    uint64_t hash;
    uint8_t *row; /* NULL: empty slot */
} ht_slot;

struct rt_agg_ht {
    rt_mem_tracker *mem; /* charged for the arena, slots and row list */
    rt_arena *arena;     /* group rows and key strings */
    uint32_t n_keys;
    qe_type *key_types; /* n_keys, in arena */
    uint32_t n_aggs;
    uint32_t row_size;  /* bytes of a group row */
    uint32_t keys_off;  /* offset of the key slots */
    uint32_t hash_off;  /* offset of the hash */
    uint32_t nulls_off; /* offset of the NULL flags */
    uint32_t dead_off;  /* offset of the flag of a group merged into another table's */
    bool line_rows;     /* rows start at cache lines (rows of a multiple of 64 bytes,
                           no VARCHAR key bytes between them in the arena), so a
                           64-byte row is one line to miss, not two in three cases of
                           four: TPC-H Q13's 100K groups, -10% compiled */
    ht_slot *slots;     /* n_slots entries (rt_malloc) */
    uint64_t n_slots;   /* a power of two */
    uint32_t shift;     /* 64 - log2(n_slots) */
    uint8_t **rows;     /* groups in creation order (rt_malloc) */
    uint64_t n_groups;
    uint64_t n_indexed; /* groups in the index: all but those rt_agg_ht_find_ordered
                           leaves out */
    uint64_t rows_cap;
    rt_jit_agg view; /* slots, n_slots - 1, shift: what generated code probes */
};
_Static_assert(sizeof(ht_slot) == sizeof(rt_jit_agg_slot) &&
                   offsetof(ht_slot, row) == offsetof(rt_jit_agg_slot, row),
               "generated code reads ht_slot as rt_jit_agg_slot");

/* Publishes the index to generated code (after creation and growth). */
static void update_view(rt_agg_ht *ht) {
    ht->view.slots = (const rt_jit_agg_slot *)ht->slots;
    ht->view.mask = ht->n_slots - 1;
    ht->view.shift = ht->shift;
}

rt_agg_ht *rt_agg_ht_create(rt_mem_tracker *mem, uint32_t n_keys, const qe_type *key_types,
                            uint32_t n_aggs) {
    rt_arena *arena = rt_arena_create(mem);
    rt_agg_ht *ht = arena ? rt_arena_calloc(arena, sizeof *ht) : NULL;
    if (ht == NULL) {
        rt_arena_destroy(arena);
        return NULL;
    }
    ht->mem = mem;
    ht->arena = arena;
    ht->n_keys = n_keys;
    ht->n_aggs = n_aggs;
    ht->key_types = rt_arena_alloc(arena, sizeof(qe_type) * (n_keys ? n_keys : 1));
    ht->slots = rt_malloc(mem, sizeof(ht_slot) * HT_FIRST_SLOTS);
    if (ht->key_types == NULL || ht->slots == NULL) {
        rt_free(mem, ht->slots, sizeof(ht_slot) * HT_FIRST_SLOTS);
        rt_arena_destroy(arena);
        return NULL;
    }
    if (n_keys > 0)
        memcpy(ht->key_types, key_types, sizeof(qe_type) * n_keys);
    memset(ht->slots, 0, sizeof(ht_slot) * HT_FIRST_SLOTS);
    ht->n_slots = HT_FIRST_SLOTS;
    ht->shift = 64 - 8;
    update_view(ht);
    ht->keys_off = n_aggs * (uint32_t)sizeof(rt_agg_state);
    ht->hash_off = ht->keys_off + n_keys * (uint32_t)sizeof(key_slot);
    ht->nulls_off = ht->hash_off + (uint32_t)sizeof(uint64_t);
    ht->dead_off = ht->nulls_off + n_keys;
    ht->row_size = (ht->dead_off + 1 + 15) & ~15u;
    ht->line_rows = ht->row_size % 64 == 0; /* (other sizes would pad every row) */
    for (uint32_t c = 0; c < n_keys; c++)
        ht->line_rows = ht->line_rows && key_types[c] != QE_TYPE_VARCHAR;
    return ht;
}

void rt_agg_ht_destroy(rt_agg_ht *ht) {
    if (ht == NULL)
        return;
    rt_free(ht->mem, ht->slots, sizeof(ht_slot) * ht->n_slots);
    rt_free(ht->mem, ht->rows, sizeof(uint8_t *) * ht->rows_cap);
    rt_arena_destroy(ht->arena); /* ht itself lives there */
}

uint64_t rt_agg_ht_count(const rt_agg_ht *ht) { return ht->n_groups; }

rt_arena *rt_agg_ht_arena(rt_agg_ht *ht) { return ht->arena; }

rt_agg_state *rt_agg_ht_group(const rt_agg_ht *ht, uint64_t g) {
    return (rt_agg_state *)ht->rows[g];
}

/* ---- row access ------------------------------------------------------------------------ */

static inline key_slot *row_key(const rt_agg_ht *ht, const uint8_t *row, uint32_t c) {
    return (key_slot *)(row + ht->keys_off) + c;
}
static inline uint8_t *row_nulls(const rt_agg_ht *ht, const uint8_t *row) {
    return (uint8_t *)row + ht->nulls_off;
}
static inline uint64_t row_hash(const rt_agg_ht *ht, const uint8_t *row) {
    uint64_t h;
    memcpy(&h, row + ht->hash_off, sizeof h);
    return h;
}

/* The 8 key bytes of a non-string value: int64, or normalized double bits. */
static int64_t key_bits(const rt_vector *v, uint32_t r) {
    switch (v->type) {
    case QE_TYPE_BOOLEAN: return ((const uint8_t *)v->values)[r];
    case QE_TYPE_SMALLINT: return ((const int16_t *)v->values)[r];
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: return ((const int32_t *)v->values)[r];
    case QE_TYPE_REAL: return (int64_t)rt_hash_double_bits(((const float *)v->values)[r]);
    case QE_TYPE_DOUBLE: return (int64_t)rt_hash_double_bits(((const double *)v->values)[r]);
    default: return ((const int64_t *)v->values)[r];
    }
}

/* Types whose key slot holds the value's 16 bytes. */
static inline bool wide_key(qe_type t) {
    return t == QE_TYPE_HUGEINT || t == QE_TYPE_DECIMAL || t == QE_TYPE_INTERVAL;
}

bool rt_agg_ht_key(const rt_agg_ht *ht, const rt_agg_state *group, uint32_t c, rt_value *out) {
    const uint8_t *row = (const uint8_t *)group;
    memset(out, 0, sizeof *out);
    out->type = ht->key_types[c];
    if (row_nulls(ht, row)[c]) {
        out->is_null = true;
        return false;
    }
    const key_slot *k = row_key(ht, row, c);
    switch (out->type) {
    case QE_TYPE_VARCHAR:
        out->u.s.ptr = k->s.ptr;
        out->u.s.len = k->s.len;
        break;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: memcpy(&out->u.d, &k->i, sizeof(double)); break;
    case QE_TYPE_BOOLEAN: out->u.b = k->i != 0; break;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: memcpy(&out->u.h, k->w, 16); break;
    case QE_TYPE_INTERVAL: memcpy(&out->u.iv, k->w, 16); break;
    default: out->u.i = k->i; break;
    }
    return true;
}

/* Does row's key equal the key of vector row r? */
static bool row_matches(const rt_agg_ht *ht, const uint8_t *row, const rt_vector *const *keys,
                        uint32_t r) {
    const uint8_t *nulls = row_nulls(ht, row);
    for (uint32_t c = 0; c < ht->n_keys; c++) {
        const rt_vector *v = keys[c];
        bool valid = v->type != QE_TYPE_NULL && rt_vector_is_valid(v, r);
        if (nulls[c] == valid)
            return false;
        if (!valid)
            continue;
        const key_slot *k = row_key(ht, row, c);
        if (v->type == QE_TYPE_VARCHAR) {
            const rt_string *s = &((const rt_string *)v->values)[r];
            if (s->len != k->s.len || memcmp(rt_string_ptr(v, s), k->s.ptr, s->len) != 0)
                return false;
        } else if (wide_key(v->type)) {
            if (memcmp((const char *)v->values + (size_t)r * 16, k->w, 16) != 0)
                return false;
        } else if (key_bits(v, r) != k->i) {
            return false;
        }
    }
    return true;
}

/* Does row a of ht equal row b of another table with the same keys? */
static bool rows_match(const rt_agg_ht *ht, const uint8_t *a, const uint8_t *b) {
    if (memcmp(row_nulls(ht, a), row_nulls(ht, b), ht->n_keys) != 0)
        return false;
    for (uint32_t c = 0; c < ht->n_keys; c++) {
        if (row_nulls(ht, a)[c])
            continue;
        const key_slot *ka = row_key(ht, a, c), *kb = row_key(ht, b, c);
        if (ht->key_types[c] == QE_TYPE_VARCHAR) {
            if (ka->s.len != kb->s.len || memcmp(ka->s.ptr, kb->s.ptr, ka->s.len) != 0)
                return false;
        } else if (wide_key(ht->key_types[c]) ? memcmp(ka->w, kb->w, 16) != 0 : ka->i != kb->i) {
            return false;
        }
    }
    return true;
}

/* ---- growth and row creation ----------------------------------------------------------- */

static inline uint64_t slot_of(const rt_agg_ht *ht, uint64_t h) {
    return (h * 0x9e3779b97f4a7c15ULL) >> ht->shift;
}

/* Doubles the index.  A slot is the high bits of hash x phi, so a group's new slot is
 * about twice its old one: walking the old slots in order writes the new ones in
 * (nearly) increasing order, a stream instead of a cache miss per group (the groups in
 * insertion order would land anywhere). */
static bool grow_slots(rt_agg_ht *ht) {
    uint64_t n = ht->n_slots * 2, n_old = ht->n_slots;
    ht_slot *slots = rt_malloc(ht->mem, sizeof(ht_slot) * n), *old = ht->slots;
    if (slots == NULL)
        return false;
    memset(slots, 0, sizeof(ht_slot) * n);
    ht->slots = slots;
    ht->n_slots = n;
    ht->shift--;
    update_view(ht);
    for (uint64_t i = 0; i < n_old; i++) {
        if (old[i].row == NULL)
            continue;
        uint64_t pos = slot_of(ht, old[i].hash);
        while (slots[pos].row != NULL)
            pos = (pos + 1) & (n - 1);
        slots[pos] = old[i];
    }
    rt_free(ht->mem, old, sizeof(ht_slot) * n_old);
    return true;
}

/* Makes room for n_more groups, n_index_more of them indexed (slots at most half full,
 * row list). */
static bool reserve_groups_indexed(rt_agg_ht *ht, uint64_t n_more, uint64_t n_index_more) {
    while ((ht->n_indexed + n_index_more) * 2 > ht->n_slots)
        if (!grow_slots(ht))
            return false;
    if (ht->n_groups + n_more > ht->rows_cap) {
        uint64_t cap = ht->rows_cap ? ht->rows_cap * 2 : 64;
        while (cap < ht->n_groups + n_more)
            cap *= 2;
        uint8_t **rows = rt_realloc(ht->mem, ht->rows, sizeof(uint8_t *) * ht->rows_cap,
                                    sizeof(uint8_t *) * cap);
        if (rows == NULL)
            return false;
        ht->rows = rows;
        ht->rows_cap = cap;
    }
    return true;
}

static bool reserve_groups(rt_agg_ht *ht, uint64_t n_more) {
    return reserve_groups_indexed(ht, n_more, n_more);
}

/* Whether one more indexed group needs growth first. */
static inline bool full(const rt_agg_ht *ht) {
    return (ht->n_indexed + 1) * 2 > ht->n_slots || ht->n_groups == ht->rows_cap;
}

static bool reserve_group(rt_agg_ht *ht) { return reserve_groups(ht, 1); }

bool rt_agg_ht_reserve(rt_agg_ht *ht, uint64_t n_more) {
    return ht->n_keys == 0 || reserve_groups(ht, n_more);
}

void rt_agg_ht_prefetch(const rt_agg_ht *ht, const rt_agg_ht *src, const rt_agg_state *group) {
    if (ht->n_keys > 0)
        __builtin_prefetch(&ht->slots[slot_of(ht, row_hash(src, (const uint8_t *)group))]);
}

/* A new zeroed row with hash h, listed and placed in slot s (NULL: left out of the
 * index, rt_agg_ht_find_ordered). */
static uint8_t *new_row(rt_agg_ht *ht, ht_slot *s, uint64_t h) {
    uint8_t *row = ht->line_rows ? rt_arena_calloc_aligned(ht->arena, ht->row_size, 64)
                                 : rt_arena_calloc(ht->arena, ht->row_size);
    if (row == NULL)
        return NULL;
    memcpy(row + ht->hash_off, &h, sizeof h);
    ht->rows[ht->n_groups++] = row;
    if (s != NULL) {
        s->hash = h;
        s->row = row;
        ht->n_indexed++;
    }
    return row;
}

/* Copies a string key into the arena. */
static bool set_string_key(rt_agg_ht *ht, key_slot *k, const char *p, uint32_t len) {
    k->s.len = len;
    k->s.ptr = "";
    if (len == 0)
        return true;
    char *copy = rt_arena_alloc(ht->arena, len);
    if (copy == NULL)
        return false;
    memcpy(copy, p, len);
    k->s.ptr = copy;
    return true;
}

/* Creates the group of vector row r in slot s. */
static uint8_t *create_from_vectors(rt_agg_ht *ht, ht_slot *s, uint64_t h,
                                    const rt_vector *const *keys, uint32_t r) {
    uint8_t *row = new_row(ht, s, h);
    if (row == NULL)
        return NULL;
    uint8_t *nulls = row_nulls(ht, row);
    for (uint32_t c = 0; c < ht->n_keys; c++) {
        const rt_vector *v = keys[c];
        if (v->type == QE_TYPE_NULL || !rt_vector_is_valid(v, r)) {
            nulls[c] = 1;
            continue;
        }
        key_slot *k = row_key(ht, row, c);
        if (wide_key(v->type)) {
            memcpy(k->w, (const char *)v->values + (size_t)r * 16, 16);
            continue;
        }
        if (v->type != QE_TYPE_VARCHAR) {
            k->i = key_bits(v, r);
            continue;
        }
        const rt_string *str = &((const rt_string *)v->values)[r];
        if (!set_string_key(ht, k, rt_string_ptr(v, str), str->len))
            return NULL;
    }
    return row;
}

/* Creates the group of key slots `keys` and flags `nulls` (rt_agg_ht_insert). */
static uint8_t *create_from_slots(rt_agg_ht *ht, ht_slot *s, uint64_t h, const key_slot *keys,
                                  const uint8_t *nulls) {
    uint8_t *row = new_row(ht, s, h);
    if (row == NULL)
        return NULL;
    memcpy(row_nulls(ht, row), nulls, ht->n_keys);
    for (uint32_t c = 0; c < ht->n_keys; c++) {
        if (nulls[c])
            continue;
        key_slot *k = row_key(ht, row, c);
        qe_type t = ht->key_types[c];
        if (wide_key(t))
            memcpy(k->w, keys[c].w, 16);
        else if (t != QE_TYPE_VARCHAR)
            k->i = keys[c].i;
        else if (!set_string_key(ht, k, keys[c].s.ptr, keys[c].s.len))
            return NULL;
    }
    return row;
}

/* ---- lookups --------------------------------------------------------------------------- */

/* The single group of a table without keys (created on first use). */
static uint8_t *single_group(rt_agg_ht *ht) {
    if (ht->n_groups > 0)
        return ht->rows[0];
    if (!reserve_group(ht))
        return NULL;
    return new_row(ht, &ht->slots[0], 0);
}

rt_agg_state *rt_agg_ht_single(rt_agg_ht *ht) { return (rt_agg_state *)single_group(ht); }

bool rt_agg_ht_find(rt_agg_ht *ht, const rt_vector *const *keys, const uint32_t *sel, uint32_t n,
                    uint64_t *hashes, rt_agg_state **out) {
    if (ht->n_keys == 0) {
        uint8_t *row = single_group(ht);
        if (row == NULL)
            return false;
        for (uint32_t k = 0; k < n; k++)
            out[k] = (rt_agg_state *)row;
        return true;
    }
    rt_hash_vectors(keys, ht->n_keys, sel, n, hashes);
    bool big = ht->n_slots >= FIND_PREFETCH_SLOTS;
    for (uint32_t k = 0; k < n; k++) {
        /* a two-stage pipeline: the slot FIND_AHEAD rows ahead, the group row of the
         * slot FIND_AHEAD / 2 rows ahead (the slot is in cache by then) */
        if (big && k + FIND_AHEAD < n)
            __builtin_prefetch(&ht->slots[slot_of(ht, hashes[k + FIND_AHEAD])]);
        if (big && k + FIND_AHEAD / 2 < n) {
            const ht_slot *ps = &ht->slots[slot_of(ht, hashes[k + FIND_AHEAD / 2])];
            if (ps->row != NULL)
                __builtin_prefetch(ps->row + ht->keys_off);
        }
        uint32_t r = sel ? sel[k] : k;
        uint64_t h = hashes[k];
        uint64_t mask = ht->n_slots - 1, pos = slot_of(ht, h);
        ht_slot *s;
        for (;; pos = (pos + 1) & mask) {
            s = &ht->slots[pos];
            if (s->row == NULL || (s->hash == h && row_matches(ht, s->row, keys, r)))
                break;
        }
        if (s->row == NULL) {
            /* Growing moves slots: reserve first, then probe again for the free slot. */
            if (full(ht)) {
                if (!reserve_group(ht))
                    return false;
                mask = ht->n_slots - 1;
                for (pos = slot_of(ht, h); ht->slots[pos].row != NULL; pos = (pos + 1) & mask) {
                }
                s = &ht->slots[pos];
            }
            if (create_from_vectors(ht, s, h, keys, r) == NULL)
                return false;
        }
        out[k] = (rt_agg_state *)s->row;
    }
    return true;
}

/* Puts group row (created unindexed, its key in no slot) into the index. */
static bool index_row(rt_agg_ht *ht, uint8_t *row) {
    if (!reserve_groups_indexed(ht, 0, 1))
        return false;
    uint64_t h = row_hash(ht, row), mask = ht->n_slots - 1, pos = slot_of(ht, h);
    while (ht->slots[pos].row != NULL)
        pos = (pos + 1) & mask;
    ht->slots[pos] = (ht_slot){h, row};
    ht->n_indexed++;
    return true;
}

/* Room in the row list for one more group left out of the index. */
static bool unindexed_room(rt_agg_ht *ht) {
    return ht->n_groups < ht->rows_cap || reserve_groups_indexed(ht, 1, 0);
}

rt_agg_state *rt_agg_ht_insert_unindexed(rt_agg_ht *ht, uint64_t h, const void *keys,
                                         const uint8_t *nulls) {
    return unindexed_room(ht) ? (rt_agg_state *)create_from_slots(ht, NULL, h, keys, nulls) : NULL;
}

bool rt_agg_ht_index(rt_agg_ht *ht, rt_agg_state *group) { return index_row(ht, (uint8_t *)group); }

bool rt_agg_ht_find_ordered(rt_agg_ht *ht, const rt_vector *key, const uint32_t *sel, uint32_t n,
                            uint64_t *hashes, rt_agg_state **out) {
    if (n == 0)
        return true;
    /* the first run's key may have been seen before: looked up (and indexed) */
    if (!rt_agg_ht_find(ht, &key, sel, 1, hashes, out))
        return false;
    rt_hash_vectors(&key, 1, sel, n, hashes);
    uint32_t r = sel ? sel[0] : 0;
    int64_t prev = key_bits(key, r);
    uint8_t *last = NULL; /* the last run's group, when it is not the first run's */
    for (uint32_t k = 1; k < n; k++) {
        r = sel ? sel[k] : k;
        int64_t x = key_bits(key, r);
        if (x == prev) {
            out[k] = out[k - 1];
            continue;
        }
        /* a key no other block has (the column never decreases): a new group, left out
           of the index */
        last = unindexed_room(ht) ? create_from_vectors(ht, NULL, hashes[k], &key, r) : NULL;
        if (last == NULL)
            return false;
        out[k] = (rt_agg_state *)last;
        prev = x;
    }
    /* the last run's key may continue in the next block */
    return last == NULL || index_row(ht, last);
}

const rt_jit_agg *rt_agg_ht_jit_view(const rt_agg_ht *ht) { return &ht->view; }

rt_agg_state *rt_agg_ht_insert(rt_agg_ht *ht, uint64_t h, const void *keys, const uint8_t *nulls) {
    if (full(ht) && !reserve_group(ht))
        return NULL;
    uint64_t mask = ht->n_slots - 1, pos = slot_of(ht, h);
    while (ht->slots[pos].row != NULL)
        pos = (pos + 1) & mask;
    return (rt_agg_state *)create_from_slots(ht, &ht->slots[pos], h, keys, nulls);
}

rt_agg_state *rt_agg_ht_find_row(rt_agg_ht *ht, const rt_agg_ht *src, const rt_agg_state *group) {
    const uint8_t *srow = (const uint8_t *)group;
    if (ht->n_keys == 0)
        return rt_agg_ht_single(ht);
    uint64_t h = row_hash(src, srow);
    if (full(ht) && !reserve_group(ht))
        return NULL;
    uint64_t mask = ht->n_slots - 1, pos = slot_of(ht, h);
    ht_slot *s;
    for (;; pos = (pos + 1) & mask) {
        s = &ht->slots[pos];
        if (s->row == NULL)
            break;
        if (s->hash == h && rows_match(ht, s->row, srow))
            return (rt_agg_state *)s->row;
    }
    uint8_t *row = new_row(ht, s, h);
    if (row == NULL)
        return NULL;
    memcpy(row_nulls(ht, row), row_nulls(src, srow), ht->n_keys);
    for (uint32_t c = 0; c < ht->n_keys; c++) {
        key_slot *k = row_key(ht, row, c);
        const key_slot *sk = row_key(src, srow, c);
        if (ht->key_types[c] != QE_TYPE_VARCHAR || row_nulls(ht, row)[c])
            *k = *sk;
        else if (!set_string_key(ht, k, sk->s.ptr, sk->s.len))
            return NULL;
    }
    return (rt_agg_state *)row;
}

bool rt_agg_ht_keys_out(const rt_agg_ht *ht, uint8_t *const *rows, uint32_t n, uint32_t c,
                        rt_vector *v, rt_arena *arena, uint32_t capacity) {
    qe_type t = ht->key_types[c];
    for (uint32_t r = 0; r < n; r++) {
        const uint8_t *row = rows[r];
        if (row_nulls(ht, row)[c]) {
            if (!rt_vector_set_null(v, arena, r, capacity))
                return false;
            continue;
        }
        if (v->validity != NULL)
            rt_bit_set(v->validity, r);
        const key_slot *k = row_key(ht, row, c);
        switch (t) {
        case QE_TYPE_BOOLEAN: ((uint8_t *)v->values)[r] = k->i != 0; break;
        case QE_TYPE_SMALLINT: ((int16_t *)v->values)[r] = (int16_t)k->i; break;
        case QE_TYPE_INTEGER:
        case QE_TYPE_DATE: ((int32_t *)v->values)[r] = (int32_t)k->i; break;
        case QE_TYPE_BIGINT:
        case QE_TYPE_TIMESTAMP: ((int64_t *)v->values)[r] = k->i; break;
        case QE_TYPE_REAL: {
            double d;
            memcpy(&d, &k->i, sizeof d);
            ((float *)v->values)[r] = (float)d;
            break;
        }
        case QE_TYPE_DOUBLE: memcpy((double *)v->values + r, &k->i, sizeof(double)); break;
        case QE_TYPE_HUGEINT:
        case QE_TYPE_DECIMAL:
        case QE_TYPE_INTERVAL: memcpy((char *)v->values + (size_t)r * 16, k->w, 16); break;
        case QE_TYPE_VARCHAR:
            if (!rt_vector_set_string(v, arena, r, k->s.ptr, k->s.len))
                return false;
            break;
        default:
            if (!rt_vector_set_null(v, arena, r, capacity))
                return false;
            break;
        }
    }
    return true;
}

/* ---- merging the tables of several threads, a part at a time ----------------------------- */

/* Part of a hash among 2^bits: the top bits of hash x phi, which also pick its slot, so
 * that a part's groups sit in one run of every table's slots. */
static inline uint32_t part_of(uint64_t h, uint32_t bits) {
    return (uint32_t)((h * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
}

/* Appends the slots of ht whose groups are in part (of 2^bits) to *list (grown with mem):
 * the part's run of slots, then the slots its groups overflowed into past the run's end
 * (linear probing keeps those contiguous). */
static bool part_slots(const rt_agg_ht *ht, uint32_t part, uint32_t bits, ht_slot **list,
                       uint64_t *n, uint64_t *cap, rt_mem_tracker *mem) {
    uint32_t log2_slots = 64 - ht->shift;
    uint64_t lo = (uint64_t)part << (log2_slots - bits), hi = (uint64_t)(part + 1)
                                                              << (log2_slots - bits);
    uint64_t mask = ht->n_slots - 1;
    for (uint64_t i = lo; i < hi || ht->slots[i & mask].row != NULL; i++) {
        const ht_slot *sl = &ht->slots[i & mask];
        if (sl->row == NULL || part_of(sl->hash, bits) != part)
            continue;
        if (*n == *cap) {
            uint64_t c = *cap ? *cap * 2 : 1024;
            ht_slot *l = rt_realloc(mem, *list, sizeof(ht_slot) * *cap, sizeof(ht_slot) * c);
            if (l == NULL)
                return false;
            *list = l;
            *cap = c;
        }
        (*list)[(*n)++] = *sl;
    }
    return true;
}

int rt_agg_ht_merge_part(rt_agg_ht *const *tables, uint32_t n_tables, uint32_t part, uint32_t bits,
                         rt_agg_merge_fn merge, void *ctx, rt_mem_tracker *mem) {
    ht_slot *list = NULL;
    uint64_t n = 0, cap = 0;
    for (uint32_t t = 0; t < n_tables; t++)
        if (!part_slots(tables[t], part, bits, &list, &n, &cap, mem)) {
            rt_free(mem, list, sizeof(ht_slot) * cap);
            return -1;
        }
    uint64_t n_idx = 16;
    while (n_idx < 2 * n)
        n_idx *= 2;
    uint32_t idx_bits = 0;
    while (((uint64_t)1 << idx_bits) < n_idx)
        idx_bits++;
    ht_slot *idx = rt_malloc(mem, sizeof(ht_slot) * n_idx);
    int st = idx ? 0 : -1;
    if (st == 0)
        memset(idx, 0, sizeof(ht_slot) * n_idx);
    const rt_agg_ht *layout = tables[0];
    for (uint64_t k = 0; st == 0 && k < n; k++) {
        uint64_t h = list[k].hash;
        /* the part's hashes share their top bits: the index slot is the bits below */
        uint64_t pos = ((h * 0x9e3779b97f4a7c15ULL) << bits) >> (64 - idx_bits);
        for (;; pos = (pos + 1) & (n_idx - 1)) {
            ht_slot *sl = &idx[pos];
            if (sl->row == NULL) {
                *sl = list[k];
                break;
            }
            if (sl->hash == h && rows_match(layout, sl->row, list[k].row)) {
                st = merge(ctx, (rt_agg_state *)sl->row, (const rt_agg_state *)list[k].row);
                list[k].row[layout->dead_off] = 1;
                break;
            }
        }
    }
    rt_free(mem, list, sizeof(ht_slot) * cap);
    rt_free(mem, idx, sizeof(ht_slot) * n_idx);
    return st;
}

uint32_t rt_agg_ht_live_groups(const rt_agg_ht *ht, uint64_t start, uint32_t n, uint8_t **out) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *row = ht->rows[start + i];
        out[k] = row;
        k += row[ht->dead_off] == 0;
    }
    return k;
}
