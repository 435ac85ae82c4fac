/*
 * join.c -- hash joins: HASH_JOIN_BUILD (sink), HASH_JOIN_PROBE (operator) and
 * JOIN_UNMATCHED (source), sharing one stage state (state_id) in consecutive
 * pipelines of a stage.
 *
 * Build: every thread copies its input rows into an rt_rowbuf and hashes their keys
 * (so hashing runs on every thread); at the pipeline end
 * the rows of all threads (in thread order) are copied into one compact batch (so
 * every build row has one index and long strings one buffers array: the threads' row
 * buffers move into the table, their long strings are not copied) and chained into
 * a hash table on the key columns: buckets[hash & mask] -> first row and a 32-bit
 * salt (one bit per row of the chain, picked by the hash's top 5 bits), links[row] ->
 * the row's hash and the next row of the chain, rows in increasing order along a
 * chain.  A probe whose salt bit is clear skips the chain without touching it.  Rows with a NULL
 * key never match and are not chained; they are listed apart (MARK needs them).  The
 * table is read-only while probing, except the `matched` flags of FULL, RIGHT and
 * filter_build joins (relaxed atomic bytes).
 *
 * Probe: per input batch, hash the key columns, prefetch the buckets, then the first
 * links of the chains the salt lets through, then walk the chain of each active row
 * and collect candidate (probe row, build row) pairs with equal keys in chunks of up
 * to RT_VECTOR_SIZE.  A chunk is gathered into an output batch (probe columns, then
 * build columns); the residual predicate (over that layout) selects the pairs that
 * really match.  INNER/CROSS/LEFT/FULL pass the chunk downstream at once (so one
 * input batch may yield many output batches); LEFT/FULL then emit the probe rows
 * without a match padded with NULLs; SEMI/ANTI pass the input with a selection of
 * the rows with/without a match; MARK passes the input plus a BOOLEAN mark (TRUE: a
 * pair matched; NULL: no match, but some pair's condition was NULL -- a NULL key on
 * either side with the other keys equal, or a NULL residual; else FALSE).
 *
 * Clustering (cluster_rows): a big table whose keys have many rows far apart is
 * rewritten in bucket order, so a chain's rows are next to each other.
 *
 * SINGLE (a scalar subquery) is LEFT where a probe row's second match is the error
 * 21000.
 *
 * RIGHT (the build rows are the preserved side) is INNER that also marks the build rows
 * it matches; SEMI/ANTI with filter_build only mark the matched build rows (every one:
 * no first-match shortcut) and emit nothing.
 *
 * Unmatched (FULL, RIGHT, filter_build): after the probe pipeline, emits the build rows
 * no probe row matched, with NULL probe columns (filter_build: no probe columns; SEMI
 * emits the matched rows instead).  A join without keys (CROSS, theta joins) chains
 * every build row into one bucket: a nested-loop join through the same code.
 */
#include "rt_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* A build row's place in its chain. */
typedef struct join_link {
    uint64_t hash; /* hash of the row's keys */
    uint32_t next; /* next row of the chain, NO_ROW at the end (with a key index: the
                      next row with the same key) */
    uint32_t pad;  /* keeps links 16 bytes */
} join_link;

/* The stage state built by HASH_JOIN_BUILD. */
typedef struct join_table {
    rt_mem_tracker *mem;
    rt_arena *arena;          /* owns everything below */
    rt_batch *rows;           /* every build row, compact */
    uint32_t n_keys;          /* key columns of rows */
    uint32_t *key_cols;       /* n_keys column indexes */
    join_link *links;         /* per row: hash and next row of its chain */
    uint64_t *buckets;        /* mask + 1 chain heads: first row (low 32 bits, NO_ROW:
                                 empty) | salt bits of the chain's rows << 32 */
    uint64_t mask;            /* buckets - 1 */
    rt_key_word *kwords;      /* the key index, or NULL (see index_keys) */
    int64_t kmin;             /* its lowest key value */
    uint64_t kspan;           /* 64 * its words */
    uint32_t *kheads;         /* per key value with rows (rank): its first row */
    uint32_t n_kvalues;       /* key values with rows */
    uint32_t *null_rows;      /* rows with a NULL key, increasing */
    uint32_t n_null_rows;     /* entries of null_rows */
    _Atomic uint8_t *matched; /* per row: some probe row matched it (FULL, RIGHT,
                                 filter_build) */
    rt_rowbuf *kept;          /* rt_malloc'd: the threads' build rows, whose string
                                 buffers the long strings of rows still use */
    uint32_t n_kept;
    rt_arena **heaps; /* rt_malloc'd: a clustered table's long strings, per thread */
    uint32_t n_heaps;
} join_table;

#define NO_ROW UINT32_MAX

/* Compiled probes walk the chains themselves (rt_jit_join_link mirrors join_link). */
_Static_assert(sizeof(join_link) == sizeof(rt_jit_join_link) &&
                   offsetof(join_link, hash) == offsetof(rt_jit_join_link, hash) &&
                   offsetof(join_link, next) == offsetof(rt_jit_join_link, next),
               "rt_jit_join_link mirrors join_link");

/* The salt bit of a hash in a bucket entry (bucket indexes use the low bits). */
static inline uint64_t salt_of(uint64_t h) { return (uint64_t)1 << (32 + (h >> 59)); }

static void join_table_destroy(void *p) {
    join_table *jt = p;
    rt_mem_tracker *mem = jt->mem;
    rt_arena_destroy(jt->arena);
    for (uint32_t t = 0; t < jt->n_kept; t++)
        rt_rowbuf_free(&jt->kept[t]);
    rt_free(mem, jt->kept, sizeof(rt_rowbuf) * jt->n_kept);
    for (uint32_t t = 0; t < jt->n_heaps; t++)
        rt_arena_destroy(jt->heaps[t]);
    rt_free(mem, jt->heaps, sizeof(rt_arena *) * jt->n_heaps);
    rt_free(mem, jt, sizeof *jt);
}

/* ---- key comparison ------------------------------------------------------------------ */

/* True if row ra of a equals row rb of b (same type, both valid). */
static bool value_equal(const rt_vector *a, uint32_t ra, const rt_vector *b, uint32_t rb) {
    switch (a->type) {
    case QE_TYPE_VARCHAR:
        return rt_string_equal(a, &((const rt_string *)a->values)[ra], b,
                               &((const rt_string *)b->values)[rb]);
    case QE_TYPE_REAL:
        return rt_hash_double_bits(((const float *)a->values)[ra]) ==
               rt_hash_double_bits(((const float *)b->values)[rb]);
    case QE_TYPE_DOUBLE:
        return rt_hash_double_bits(((const double *)a->values)[ra]) ==
               rt_hash_double_bits(((const double *)b->values)[rb]);
    case QE_TYPE_NULL: return false;
    default: {
        uint32_t w = rt_type_width(a->type);
        return memcmp((const char *)a->values + (size_t)ra * w,
                      (const char *)b->values + (size_t)rb * w, w) == 0;
    }
    }
}

/* ---- HASH_JOIN_BUILD ----------------------------------------------------------------- */

static qe_status check_keys(const uint32_t *keys, uint32_t n_keys, uint32_t n_cols, rt_error *err) {
    if (n_keys > 0 && keys == NULL)
        return rt_plan_error(err, "join without key columns");
    for (uint32_t k = 0; k < n_keys; k++)
        if (keys[k] >= n_cols)
            return rt_plan_error(err, "join key %u is not a column of the input", k);
    return QE_OK;
}

static qe_status build_init(rt_pipeline_state *ps, rt_error *err) {
    const plan_op *op = ps->sink;
    if (op->state_id >= ps->stage->n_states)
        return rt_plan_error(err, "join state %u does not exist", op->state_id);
    if (op->u.join.n_build_cols != ps->n_sink_in)
        return rt_plan_error(err, "join build of %u columns gets %u", op->u.join.n_build_cols,
                             ps->n_sink_in);
    return check_keys(op->u.join.build_keys, op->u.join.n_keys, ps->n_sink_in, err);
}

/* One thread's build rows and their key hashes. */
typedef struct build_local {
    rt_rowbuf rows;         /* the rows, in arrival order */
    uint64_t *hashes;       /* rt_malloc'd: per row the hash of its keys */
    uint64_t cap;           /* capacity of hashes */
    const rt_vector **keys; /* scratch: the key columns of the current batch */
    rt_mem_tracker *mem;    /* charged for hashes */
} build_local;

static void build_local_free(build_local *l) {
    rt_rowbuf_free(&l->rows);
    rt_free(l->mem, l->hashes, sizeof(uint64_t) * l->cap);
    l->hashes = NULL;
    l->cap = 0;
}

static qe_status build_thread_init(rt_pipeline_state *ps, rt_thread_state *ts) {
    build_local *l = rt_arena_calloc(ts->arena, sizeof *l);
    if (l == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    rt_rowbuf_init(&l->rows, ps->task->mem, ps->n_sink_in, ps->sink_in_types);
    l->mem = ps->task->mem;
    l->keys = rt_arena_calloc(ts->arena, sizeof(rt_vector *) * (ps->sink->u.join.n_keys + 1));
    ts->sink = l;
    return l->keys ? QE_OK : rt_error_nomem(&ts->err, ps->task->mem);
}

static qe_status build_push(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *b) {
    build_local *l = ts->sink;
    uint64_t at = l->rows.n_rows, n = rt_batch_active(b);
    if (at + n > l->cap) {
        uint64_t cap = l->cap ? l->cap * 2 : RT_VECTOR_SIZE;
        while (cap < at + n)
            cap *= 2;
        uint64_t *h =
            rt_realloc(l->mem, l->hashes, sizeof(uint64_t) * l->cap, sizeof(uint64_t) * cap);
        if (h == NULL)
            return rt_error_nomem(&ts->err, ps->task->mem);
        l->hashes = h;
        l->cap = cap;
    }
    if (!rt_rowbuf_append(&l->rows, b))
        return rt_error_nomem(&ts->err, ps->task->mem);
    const plan_op *op = ps->sink;
    for (uint32_t k = 0; k < op->u.join.n_keys; k++)
        l->keys[k] = &b->cols[op->u.join.build_keys[k]];
    rt_hash_vectors(l->keys, op->u.join.n_keys, b->sel, (uint32_t)n, l->hashes + at);
    return QE_OK;
}

/* Whether some VARCHAR column of rb's batches has a long string (a buffer). */
static bool has_long_strings(const rt_rowbuf *rb) {
    for (uint32_t i = 0; i < rb->n_batches; i++)
        for (uint32_t c = 0; c < rb->batches[i]->n_cols; c++)
            if (rb->batches[i]->cols[c].n_buffers > 0)
                return true;
    return false;
}

/* Copies every thread's rows into jt->rows and their hashes into jt->links (thread
 * order).  Long strings are not copied: the threads' row buffers move into jt->kept (and
 * are freed at once when they hold none). */
static qe_status collect_rows(rt_pipeline_state *ps, join_table *jt, rt_error *err) {
    uint64_t total = 0;
    for (uint32_t t = 0; t < ps->n_threads; t++)
        total += ((build_local *)ps->threads[t]->sink)->rows.n_rows;
    if (total >= NO_ROW)
        return rt_error_set(err, QE_UNSUPPORTED, "54000", -1,
                            "the build side of a join has too many rows (%llu)",
                            (unsigned long long)total);
    jt->rows = rt_batch_create(jt->arena, ps->n_sink_in, ps->sink_in_types, (uint32_t)total);
    jt->links = rt_arena_alloc(jt->arena, sizeof(join_link) * (total ? total : 1));
    jt->kept = rt_malloc(jt->mem, sizeof(rt_rowbuf) * ps->n_threads);
    if (jt->rows == NULL || jt->links == NULL || jt->kept == NULL)
        return rt_error_nomem(err, jt->mem);
    jt->n_kept = ps->n_threads;
    for (uint32_t t = 0; t < ps->n_threads; t++)
        rt_rowbuf_init(&jt->kept[t], jt->mem, 0, NULL);
    uint64_t at = 0;
    for (uint32_t t = 0; t < ps->n_threads; t++) {
        build_local *l = ps->threads[t]->sink;
        rt_rowbuf *rb = &l->rows;
        jt->kept[t] = *rb; /* the table frees them */
        rt_rowbuf_init(rb, rb->mem, rb->n_cols, rb->types);
        rb = &jt->kept[t];
        for (uint32_t i = 0; i < rb->n_batches; i++)
            if (!rt_batch_append_rows_borrowed(jt->rows, jt->arena, rb->batches[i],
                                               rb->batches[i]->sel, 0,
                                               rt_batch_active(rb->batches[i])))
                return rt_error_nomem(err, jt->mem);
        for (uint64_t r = 0; r < rb->n_rows; r++)
            jt->links[at + r].hash = l->hashes[r];
        at += rb->n_rows;
        build_local_free(l);
        if (!has_long_strings(rb)) /* nothing of it is referred to */
            rt_rowbuf_free(rb);
    }
    jt->rows->n_rows = (uint32_t)total;
    return QE_OK;
}

/* True if row r has a NULL in some key column. */
static bool row_has_null_key(const rt_batch *rows, const uint32_t *key_cols, uint32_t n_keys,
                             uint32_t r) {
    for (uint32_t k = 0; k < n_keys; k++)
        if (!rt_vector_is_valid(&rows->cols[key_cols[k]], r))
            return true;
    return false;
}

/* Marks in is_null[r] the rows 0..n) with a NULL in some key column; returns their count. */
static uint32_t mark_null_keys(const rt_batch *rows, const uint32_t *key_cols, uint32_t n_keys,
                               uint32_t n, uint8_t *is_null) {
    memset(is_null, 0, n);
    for (uint32_t k = 0; k < n_keys; k++) {
        const rt_vector *v = &rows->cols[key_cols[k]];
        if (v->type == QE_TYPE_NULL) {
            memset(is_null, 1, n);
            break;
        }
        if (v->validity != NULL)
            for (uint32_t r = 0; r < n; r++)
                is_null[r] |= !rt_bit_get(v->validity, r);
    }
    uint32_t n_null = 0;
    for (uint32_t r = 0; r < n; r++)
        n_null += is_null[r];
    return n_null;
}

/* ---- the key index ---------------------------------------------------------------- */

/* A table's one integer key gets a key index when its values span at most this many
 * values per row with a key, plus KEY_INDEX_SLACK: 16 bytes per 64 values, so at most
 * 16 bytes a row, about what its bucket costs. */
#define KEY_INDEX_SPAN_PER_ROW 64
#define KEY_INDEX_SLACK 4096
/* Smaller tables stay in the cache, where a bucket costs no more than the index. */
#define KEY_INDEX_MIN_ROWS 1024

/* The rank of key value k in jt's key index (k has rows). */
static inline uint32_t key_rank(const join_table *jt, int64_t k) {
    return (uint32_t)rt_key_rank(jt->kwords, (uint64_t)k - (uint64_t)jt->kmin);
}

/* Gives jt a key index when it has one key, an integer, whose values (rows with a NULL
 * key, is_null[r], left out) span few values (KEY_INDEX_SPAN_PER_ROW): a bit per value
 * in the span, a rank per 64 of them, and per value with rows its first row, the others
 * following along links[].next in increasing order.  A probe then finds a key's rows
 * without hashing or a bucket, and when its keys come in order (TPC-H's lineitem
 * against orders) it reads the index, the heads and the links in order.  *apart: how
 * many rows are not followed by the next row of their key (cluster_rows' measure). */
static qe_status index_keys(join_table *jt, const uint8_t *is_null, uint32_t *apart,
                            rt_error *err) {
    jt->kwords = NULL;
    jt->kheads = NULL;
    jt->kmin = 0;
    jt->kspan = 0;
    jt->n_kvalues = 0;
    uint32_t n = jt->rows->n_rows, n_keyed = n - jt->n_null_rows;
    if (jt->n_keys != 1 || n_keyed < KEY_INDEX_MIN_ROWS)
        return QE_OK;
    const rt_vector *v = &jt->rows->cols[jt->key_cols[0]];
    if (!rt_key_index_type(v->type))
        return QE_OK;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (uint32_t r = 0; r < n; r++)
        if (!is_null[r]) {
            int64_t k = rt_key_value(v, r);
            lo = k < lo ? k : lo;
            hi = k > hi ? k : hi;
        }
    uint64_t span = (uint64_t)hi - (uint64_t)lo; /* values - 1 */
    if (span >= (uint64_t)n_keyed * KEY_INDEX_SPAN_PER_ROW + KEY_INDEX_SLACK)
        return QE_OK;
    uint64_t n_words = span / 64 + 1;
    rt_key_word *words = rt_arena_calloc(jt->arena, sizeof(rt_key_word) * n_words);
    if (words == NULL)
        return rt_error_nomem(err, jt->mem);
    for (uint32_t r = 0; r < n; r++)
        if (!is_null[r]) {
            uint64_t off = (uint64_t)rt_key_value(v, r) - (uint64_t)lo;
            words[off >> 6].bits |= 1ULL << (off & 63);
        }
    uint64_t rank = 0;
    for (uint64_t w = 0; w < n_words; w++) {
        words[w].rank = rank;
        rank += rt_popcount64(words[w].bits);
    }
    jt->kheads = rt_arena_alloc(jt->arena, sizeof(uint32_t) * rank);
    if (jt->kheads == NULL)
        return rt_error_nomem(err, jt->mem);
    for (uint64_t i = 0; i < rank; i++)
        jt->kheads[i] = NO_ROW;
    jt->kwords = words;
    jt->kmin = lo;
    jt->kspan = n_words * 64;
    jt->n_kvalues = (uint32_t)rank;
    *apart = 0;
    for (uint32_t r = n; r-- > 0;) {
        if (is_null[r])
            continue;
        uint32_t *head = &jt->kheads[key_rank(jt, rt_key_value(v, r))];
        *apart += *head != NO_ROW && *head != r + 1;
        jt->links[r].next = *head;
        *head = r;
    }
    return QE_OK;
}

/* The hash table: buckets and chains (jt->links[].next) of the rows without a NULL key
 * (is_null[r]); a table with a key index gets one empty bucket instead (its chains are
 * the index's, and every probe looks its keys up there).  *apart: see chain_rows. */
static qe_status bucket_rows(join_table *jt, const uint8_t *is_null, uint32_t *apart,
                             rt_error *err) {
    uint32_t n = jt->rows->n_rows;
    uint64_t n_buckets = jt->kwords != NULL ? 1 : 16;
    while (n_buckets > 1 && n_buckets < (uint64_t)n) /* salt bits keep longer chains cheap */
        n_buckets *= 2;
    jt->mask = n_buckets - 1;
    jt->buckets = rt_arena_alloc(jt->arena, sizeof(uint64_t) * n_buckets);
    if (jt->buckets == NULL)
        return rt_error_nomem(err, jt->mem);
    for (uint64_t b = 0; b < n_buckets; b++)
        jt->buckets[b] = NO_ROW;
    if (jt->kwords != NULL)
        return QE_OK;
    *apart = 0;
    for (uint32_t r = n; r-- > 0;) {
        if (is_null[r])
            continue;
        uint64_t h = jt->links[r].hash, *b = &jt->buckets[h & jt->mask];
        *apart += (uint32_t)*b != NO_ROW && (uint32_t)*b != r + 1;
        jt->links[r].next = (uint32_t)*b;
        *b = (*b & ~(uint64_t)NO_ROW) | salt_of(h) | r;
    }
    return QE_OK;
}

/* Chains the rows (their hashes are in jt->links); *apart: how many rows joined a chain
 * whose first row so far was not the next row (cluster_rows' measure). */
static qe_status chain_rows(join_table *jt, uint32_t *apart, rt_error *err) {
    uint32_t n = jt->rows->n_rows;
    uint8_t *is_null = rt_malloc(jt->mem, n ? n : 1);
    jt->matched = rt_arena_calloc(jt->arena, n ? n : 1);
    if (!is_null || !jt->matched) {
        rt_free(jt->mem, is_null, n ? n : 1);
        return rt_error_nomem(err, jt->mem);
    }
    uint32_t n_null = mark_null_keys(jt->rows, jt->key_cols, jt->n_keys, n, is_null);
    jt->null_rows = rt_arena_alloc(jt->arena, sizeof(uint32_t) * (n_null ? n_null : 1));
    jt->n_null_rows = n_null;
    for (uint32_t r = 0, x = 0; jt->null_rows != NULL && r < n; r++)
        if (is_null[r])
            jt->null_rows[x++] = r;
    qe_status st =
        jt->null_rows != NULL ? index_keys(jt, is_null, apart, err) : rt_error_nomem(err, jt->mem);
    if (st == QE_OK)
        st = bucket_rows(jt, is_null, apart, err);
    rt_free(jt->mem, is_null, n ? n : 1);
    return st;
}

/* ---- clustering the chains --------------------------------------------------------- */

/* Tables of at least this many rows, more than half of them chained apart from their
 * chain's next row, are clustered. */
#define CLUSTER_MIN_ROWS 4096

/* One thread's share of cluster_rows: new rows lo..hi (lo a multiple of 8, so no two
 * threads write a validity byte) from old rows perm[lo..hi). */
typedef struct cluster_job {
    const join_table *jt;
    rt_batch *dst;
    join_link *links;
    const uint32_t *perm;
    uint32_t lo, hi;
    rt_arena *arena;  /* this thread's: the long strings */
    rt_vector *heaps; /* per column, VARCHAR: views of rows lo..hi into arena's buffers */
    bool failed;      /* out of memory */
} cluster_job;

static void cluster_gather(void *arg) {
    cluster_job *j = arg;
    const rt_batch *src = j->jt->rows;
    uint32_t n = j->hi - j->lo;
    for (uint32_t i = j->lo; i < j->hi; i++)
        j->links[i].hash = j->jt->links[j->perm[i]].hash;
    for (uint32_t c = 0; c < src->n_cols; c++) {
        rt_vector *d = &j->dst->cols[c];
        const rt_vector *s = &src->cols[c];
        uint32_t w = rt_type_width(d->type);
        if (w > 0 && s->values != NULL)
            rt_copy_values(d->values, j->lo, s->values, w, j->perm, j->lo, n);
        if (s->validity != NULL)
            for (uint32_t i = j->lo; i < j->hi; i++) {
                if (rt_bit_get(s->validity, j->perm[i]))
                    rt_bit_set(d->validity, i);
                else
                    rt_bit_clear(d->validity, i);
            }
        if (d->type != QE_TYPE_VARCHAR)
            continue;
        rt_vector *h = &j->heaps[c];
        h->type = QE_TYPE_VARCHAR;
        h->values = rt_arena_alloc(j->arena, sizeof(rt_string) * (n ? n : 1));
        if (h->values == NULL) {
            j->failed = true;
            return;
        }
        const rt_string *views = (const rt_string *)d->values + j->lo;
        rt_string *hv = h->values;
        for (uint32_t k = 0; k < n; k++) {
            if (s->validity != NULL && !rt_bit_get(s->validity, j->perm[j->lo + k]))
                memset(&hv[k], 0, sizeof hv[k]);
            else if (views[k].len <= 12)
                hv[k] = views[k];
            else if (!rt_vector_set_string(h, j->arena, k, rt_string_ptr(s, &views[k]),
                                           views[k].len)) {
                j->failed = true;
                return;
            }
        }
    }
}

/* The VARCHAR column c of the new rows takes the jobs' views and buffers. */
static bool cluster_strings(rt_vector *d, rt_arena *arena, const cluster_job *jobs, uint32_t n_jobs,
                            uint32_t c) {
    uint32_t total = 0;
    for (uint32_t t = 0; t < n_jobs; t++)
        total += jobs[t].heaps[c].n_buffers;
    d->buffers = rt_arena_alloc(arena, sizeof(char *) * (total ? total : 1));
    if (d->buffers == NULL)
        return false;
    d->n_buffers = d->buffers_cap = total;
    uint32_t base = 0;
    for (uint32_t t = 0; t < n_jobs; t++) {
        const rt_vector *h = &jobs[t].heaps[c];
        if (h->n_buffers > 0)
            memcpy(d->buffers + base, h->buffers, sizeof(char *) * h->n_buffers);
        rt_string *views = (rt_string *)d->values + jobs[t].lo;
        const rt_string *hv = h->values;
        for (uint32_t k = 0; k < jobs[t].hi - jobs[t].lo; k++) {
            views[k] = hv[k];
            if (hv[k].len > 12)
                views[k].u.ref.buffer_index += base;
        }
        base += h->n_buffers;
    }
    return true;
}

/* Row r's place in cluster_rows' order: its key's rank with a key index, else its
 * bucket. */
static inline uint64_t cluster_bin(const join_table *jt, uint32_t r) {
    if (jt->kwords != NULL)
        return key_rank(jt, rt_key_value(&jt->rows->cols[jt->key_cols[0]], r));
    return jt->links[r].hash & jt->mask;
}

/* Rewrites the table with every chain's rows next to each other: the rows in bucket
 * order, or key order with a key index (a stable counting sort, so a chain keeps its
 * order and a probe row meets its matches in the same order), the rows with a NULL key
 * last.  A probe of a key with many rows (TPC-H Q09's partsupp against lineitem) then
 * walks consecutive links, values and strings instead of missing the cache at every
 * row.  The threads gather the columns (their share of the rows each); the new rows
 * replace jt's arena and row buffers. */
static qe_status cluster_rows(rt_pipeline_state *ps, join_table *jt, rt_error *err) {
    rt_mem_tracker *mem = jt->mem;
    uint32_t n = jt->rows->n_rows, n_null = jt->n_null_rows, n_jobs = ps->n_threads;
    uint64_t n_buckets = jt->kwords ? jt->n_kvalues : jt->mask + 1;
    size_t perm_bytes = sizeof(uint32_t) * n, at_bytes = sizeof(uint32_t) * n_buckets;
    uint32_t *perm = rt_malloc(mem, perm_bytes), *at = rt_malloc(mem, at_bytes);
    rt_arena *arena = rt_arena_create(mem);
    jt->heaps = rt_malloc(mem, sizeof(rt_arena *) * n_jobs);
    cluster_job *jobs = rt_arena_calloc(ps->arena, sizeof *jobs * n_jobs);
    rt_pool_job *pool = rt_arena_calloc(ps->arena, sizeof *pool * n_jobs);
    rt_batch *rows = NULL;
    join_link *links = NULL;
    bool ok = perm && at && arena && jt->heaps && jobs && pool;
    if (jt->heaps != NULL) {
        jt->n_heaps = n_jobs;
        for (uint32_t t = 0; t < n_jobs; t++)
            ok &= (jt->heaps[t] = rt_arena_create(mem)) != NULL;
    }
    if (ok) {
        memset(at, 0, at_bytes);
        for (uint32_t i = 0, x = 0; i < n; i++) {
            if (x < n_null && jt->null_rows[x] == i)
                x++;
            else
                at[cluster_bin(jt, i)]++;
        }
        uint32_t sum = 0;
        for (uint64_t b = 0; b < n_buckets; b++) {
            uint32_t c = at[b];
            at[b] = sum;
            sum += c;
        }
        for (uint32_t i = 0, x = 0; i < n; i++) {
            if (x < n_null && jt->null_rows[x] == i)
                perm[sum + x++] = i;
            else
                perm[at[cluster_bin(jt, i)]++] = i;
        }
        rows = rt_batch_create(arena, jt->rows->n_cols, ps->sink_in_types, n);
        links = rt_arena_alloc(arena, sizeof(join_link) * n);
        ok = rows != NULL && links != NULL;
    }
    for (uint32_t c = 0; ok && c < jt->rows->n_cols; c++)
        if (jt->rows->cols[c].validity != NULL && rows->cols[c].validity == NULL)
            ok = (rows->cols[c].validity = rt_arena_alloc(arena, rt_bitmap_bytes(n))) != NULL;
    rt_free(mem, at, at_bytes);
    for (uint32_t t = 0; ok && t < n_jobs; t++) {
        uint32_t lo = (uint32_t)((uint64_t)n * t / n_jobs) & ~7u;
        uint32_t hi = t + 1 == n_jobs ? n : (uint32_t)((uint64_t)n * (t + 1) / n_jobs) & ~7u;
        jobs[t] = (cluster_job){.jt = jt,
                                .dst = rows,
                                .links = links,
                                .perm = perm,
                                .lo = lo,
                                .hi = hi,
                                .arena = jt->heaps[t]};
        jobs[t].heaps = rt_arena_calloc(ps->arena, sizeof(rt_vector) * (rows->n_cols + 1));
        ok = jobs[t].heaps != NULL;
        pool[t] = (rt_pool_job){.fn = cluster_gather, .arg = &jobs[t]};
    }
    if (ok)
        rt_pool_run(pool, n_jobs);
    for (uint32_t t = 0; ok && t < n_jobs; t++)
        ok = !jobs[t].failed;
    for (uint32_t c = 0; ok && c < rows->n_cols; c++)
        if (rows->cols[c].type == QE_TYPE_VARCHAR)
            ok = cluster_strings(&rows->cols[c], arena, jobs, n_jobs, c);
    rt_free(mem, perm, perm_bytes);
    if (!ok) {
        rt_arena_destroy(arena);
        return rt_error_nomem(err, mem);
    }
    rows->n_rows = n;
    rt_arena_destroy(jt->arena);
    jt->arena = arena;
    jt->rows = rows;
    jt->links = links;
    for (uint32_t t = 0; t < jt->n_kept; t++) /* the long strings are in jt->heaps now */
        rt_rowbuf_free(&jt->kept[t]);
    uint32_t apart;
    return chain_rows(jt, &apart, err);
}

static qe_status build_finish(rt_pipeline_state *ps, rt_error *err) {
    rt_mem_tracker *mem = ps->task->mem;
    join_table *jt = rt_malloc(mem, sizeof *jt);
    if (jt == NULL)
        return rt_error_nomem(err, mem);
    memset(jt, 0, sizeof *jt);
    jt->mem = mem;
    jt->arena = rt_arena_create(mem);
    if (jt->arena == NULL) {
        rt_free(mem, jt, sizeof *jt);
        return rt_error_nomem(err, mem);
    }
    rt_stage_put(ps->stage, ps->sink->state_id, jt, join_table_destroy);
    jt->n_keys = ps->sink->u.join.n_keys;
    jt->key_cols = ps->sink->u.join.build_keys;
    qe_status st = collect_rows(ps, jt, err);
    uint32_t apart = 0;
    if (st == QE_OK)
        st = chain_rows(jt, &apart, err);
    const plan_op *op = ps->sink;
    bool marks = op->u.join.kind == PLAN_JOIN_RIGHT || op->u.join.kind == PLAN_JOIN_FULL ||
                 op->u.join.filter_build;
    if (st == QE_OK && !marks && jt->n_keys > 0 && jt->rows->n_rows >= CLUSTER_MIN_ROWS &&
        (uint64_t)apart * 2 > jt->rows->n_rows)
        st = cluster_rows(ps, jt, err);
    return st;
}

static void build_destroy(rt_pipeline_state *ps) {
    for (uint32_t t = 0; ps->threads != NULL && t < ps->n_threads; t++)
        if (ps->threads[t] != NULL && ps->threads[t]->sink != NULL)
            build_local_free(ps->threads[t]->sink);
}

const rt_sink_ops rt_join_build_sink = {build_init, build_thread_init, build_push,
                                        NULL,       build_finish,      build_destroy};

/* ---- gathering output rows ----------------------------------------------------------- */

/* Output vector v takes the values of rows[0..n) of src (rows NULL: all NULL). */
static void gather(rt_vector *v, const rt_vector *src, const uint32_t *rows, uint32_t n) {
    uint32_t w = rt_type_width(v->type);
    if (rows == NULL || src->type == QE_TYPE_NULL || w == 0) {
        memset(v->validity, 0, rt_bitmap_bytes(n));
        if (w > 0)
            memset(v->values, 0, (size_t)w * n);
        return;
    }
    rt_copy_values(v->values, 0, src->values, w, rows, 0, n);
    if (src->validity == NULL) {
        memset(v->validity, 0xff, rt_bitmap_bytes(n));
    } else {
        memset(v->validity, 0, rt_bitmap_bytes(n));
        for (uint32_t k = 0; k < n; k++)
            if (rt_bit_get(src->validity, rows[k]))
                rt_bit_set(v->validity, k);
    }
    v->buffers = src->buffers; /* string views keep referring to src's buffers */
    v->n_buffers = src->n_buffers;
    v->buffers_cap = src->buffers_cap;
}

/* ---- HASH_JOIN_PROBE ----------------------------------------------------------------- */

/* One thread's probe state. */
typedef struct probe_state {
    const join_table *jt;
    plan_join_kind kind;
    bool filter_build;    /* SEMI/ANTI of the build rows: only mark them, emit nothing */
    bool marks_build;     /* matches set jt->matched (FULL, RIGHT, filter_build) */
    uint32_t n_in;        /* probe input columns */
    const uint32_t *keys; /* n_keys probe key columns */
    uint32_t n_keys;
    const rt_vector **build_keys; /* n_keys key columns of the build rows */
    uint8_t *key_width;           /* per key: 4 or 8 to compare as integers, else 0 */
    rt_expr *residual;            /* over the pairs batch, or NULL */
    rt_batch pairs;               /* probe columns then build columns, RT_VECTOR_SIZE rows */
    uint32_t *pr, *br;            /* the pairs: probe rows, build rows */
    uint32_t n_pairs;
    uint32_t *pk;  /* per pair: index of the probe row's flag */
    uint32_t *sel; /* output selection (RT_VECTOR_SIZE) */
    const rt_vector **key_vecs;
    uint64_t *hashes; /* per input row */
    uint8_t *flags;   /* per input row: 1 matched, 2 maybe (MARK) */
    uint32_t *rows;   /* scratch: input rows */
    uint32_t *heads;  /* scratch: per input row the first build row to try */
    uint32_t in_cap;  /* capacity of hashes/flags/rows */
    rt_batch out;     /* SEMI/ANTI/MARK output: the input's columns (+ mark) */
    rt_vector mark;   /* MARK: the mark column */
    uint32_t mark_cap;
} probe_state;

static bool alloc_vector(rt_arena *a, rt_vector *v, qe_type type, uint32_t cap) {
    v->type = type;
    uint32_t w = rt_type_width(type);
    v->values = w ? rt_arena_calloc(a, (size_t)w * cap) : NULL;
    v->validity = rt_arena_calloc(a, rt_bitmap_bytes(cap));
    return (w == 0 || v->values != NULL) && v->validity != NULL;
}

static qe_status probe_alloc(rt_pipeline_state *ps, rt_thread_state *ts, probe_state *s,
                             const plan_op *in) {
    rt_arena *a = ts->arena;
    const join_table *jt = s->jt;
    uint32_t nb = jt->rows->n_cols, n = s->n_in + nb;
    s->pairs.n_cols = n;
    s->pairs.capacity = RT_VECTOR_SIZE;
    s->pairs.cols = rt_arena_calloc(a, sizeof(rt_vector) * (n ? n : 1));
    s->pr = rt_arena_alloc(a, sizeof(uint32_t) * RT_VECTOR_SIZE);
    s->br = rt_arena_alloc(a, sizeof(uint32_t) * RT_VECTOR_SIZE);
    s->pk = rt_arena_alloc(a, sizeof(uint32_t) * RT_VECTOR_SIZE);
    s->sel = rt_arena_alloc(a, sizeof(uint32_t) * RT_VECTOR_SIZE);
    s->key_vecs = rt_arena_calloc(a, sizeof(rt_vector *) * (s->n_keys + 1));
    s->build_keys = rt_arena_calloc(a, sizeof(rt_vector *) * (s->n_keys + 1));
    s->key_width = rt_arena_calloc(a, s->n_keys + 1);
    s->out.cols = rt_arena_calloc(a, sizeof(rt_vector) * (s->n_in + 1));
    if (!s->pairs.cols || !s->pr || !s->br || !s->pk || !s->sel || !s->key_vecs || !s->build_keys ||
        !s->key_width || !s->out.cols)
        return rt_error_nomem(&ts->err, ps->task->mem);
    for (uint32_t k = 0; k < s->n_keys; k++) {
        s->build_keys[k] = &jt->rows->cols[jt->key_cols[k]];
        switch (s->build_keys[k]->type) {
        case QE_TYPE_INTEGER:
        case QE_TYPE_DATE: s->key_width[k] = 4; break;
        case QE_TYPE_BIGINT:
        case QE_TYPE_TIMESTAMP: s->key_width[k] = 8; break;
        default: s->key_width[k] = 0; break;
        }
    }
    for (uint32_t c = 0; c < n; c++) {
        qe_type t = c < s->n_in ? in->types[c] : jt->rows->cols[c - s->n_in].type;
        if (!alloc_vector(a, &s->pairs.cols[c], t, RT_VECTOR_SIZE))
            return rt_error_nomem(&ts->err, ps->task->mem);
    }
    return QE_OK;
}

/* Prepares the residual over the pairs layout. */
static qe_status probe_residual(rt_pipeline_state *ps, rt_thread_state *ts, probe_state *s,
                                const plan_expr *e) {
    if (e == NULL)
        return QE_OK;
    qe_type *types = rt_arena_alloc(ts->arena, sizeof(qe_type) * (s->pairs.n_cols + 1));
    if (types == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    for (uint32_t c = 0; c < s->pairs.n_cols; c++)
        types[c] = s->pairs.cols[c].type;
    qe_status st = rt_expr_prepare(ts->arena, e, s->pairs.n_cols, types, &s->residual, &ts->err);
    if (st == QE_OK && rt_expr_type(s->residual) != QE_TYPE_BOOLEAN &&
        rt_expr_type(s->residual) != QE_TYPE_NULL)
        return rt_plan_error(&ts->err, "join residual of type %s",
                             rt_type_pg_name(rt_expr_type(s->residual)));
    return st;
}

qe_status rt_join_probe_prepare(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx) {
    const plan_op *op = ps->pipe->ops[op_idx];
    const plan_op *in = ps->pipe->ops[op_idx - 1];
    join_table *jt = rt_stage_get(ps->stage, op->state_id, &ts->err);
    if (jt == NULL)
        return QE_INTERNAL;
    probe_state *s = rt_arena_calloc(ts->arena, sizeof *s);
    if (s == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    s->jt = jt;
    s->kind = op->u.join.kind;
    s->filter_build = op->u.join.filter_build;
    s->marks_build = s->filter_build || s->kind == PLAN_JOIN_FULL || s->kind == PLAN_JOIN_RIGHT;
    s->n_in = in->n_cols;
    s->keys = op->u.join.probe_keys;
    s->n_keys = op->u.join.n_keys;
    if (s->n_keys != jt->n_keys || jt->rows->n_cols != op->u.join.n_build_cols)
        return rt_plan_error(&ts->err, "join probe does not fit its build");
    qe_status st = check_keys(s->keys, s->n_keys, in->n_cols, &ts->err);
    for (uint32_t k = 0; k < s->n_keys && st == QE_OK; k++)
        if (in->types[s->keys[k]] != jt->rows->cols[jt->key_cols[k]].type)
            st = rt_plan_error(&ts->err, "join key %u has different types on both sides", k);
    if (st == QE_OK)
        st = probe_alloc(ps, ts, s, in);
    if (st == QE_OK)
        st = probe_residual(ps, ts, s, op->u.join.residual);
    ts->ops[op_idx] = s;
    return st;
}

void rt_join_jit_view(rt_thread_state *ts, uint32_t op_idx, rt_jit_join *out) {
    const probe_state *s = ts->ops[op_idx];
    const join_table *jt = s->jt;
    out->buckets = jt->buckets;
    out->mask = jt->mask;
    out->links = (const rt_jit_join_link *)jt->links;
    out->cols = jt->rows->cols;
    out->matched = (uint8_t *)jt->matched;
    out->n_rows = jt->rows->n_rows;
    out->n_null_rows = jt->n_null_rows;
    out->kwords = jt->kwords;
    out->kmin = jt->kmin;
    out->kspan = jt->kspan;
    out->kheads = jt->kheads;
}

/* MARK: whether some build row of jt compares with row r of the probe key vectors
 * pv[0..n_keys) to NULL on the keys (one side NULL, every other key equal or NULL):
 * among all rows when a probe key is NULL (probe_null), else among the NULL-key rows. */
static bool rows_maybe(const join_table *jt, uint32_t n_keys, const rt_vector *const *pv,
                       uint32_t r, bool probe_null) {
    if (jt->rows->n_rows == 0)
        return false;
    if (n_keys == 1)
        return probe_null || jt->n_null_rows > 0;
    uint32_t n = probe_null ? jt->rows->n_rows : jt->n_null_rows;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t b = probe_null ? i : jt->null_rows[i];
        bool ok = true;
        for (uint32_t k = 0; k < n_keys && ok; k++) {
            const rt_vector *bv = &jt->rows->cols[jt->key_cols[k]];
            if (rt_vector_is_valid(pv[k], r) && rt_vector_is_valid(bv, b))
                ok = value_equal(pv[k], r, bv, b);
        }
        if (ok)
            return true;
    }
    return false;
}

static bool keys_maybe(const probe_state *s, uint32_t r, bool probe_null) {
    return rows_maybe(s->jt, s->n_keys, s->key_vecs, r, probe_null);
}

/* A compiled MARK probe's key k as a one-row vector v over its slot (16 bytes: the
 * value in its vector layout; a VARCHAR's bytes pointer and length), valid unless
 * *valid is 0 (a one-byte bitmap), view and buf holding a string's view and its one
 * buffer. */
static void slot_vector(qe_type type, const uint8_t *slot, const uint8_t *valid, rt_vector *v,
                        rt_string *view, const char **buf) {
    *v = (rt_vector){.type = type, .values = (void *)slot, .validity = (uint8_t *)valid};
    if (type != QE_TYPE_VARCHAR)
        return;
    const char *p;
    uint32_t len;
    memcpy(&p, slot, sizeof p);
    memcpy(&len, slot + 8, sizeof len);
    memset(view, 0, sizeof *view);
    view->len = len;
    if (len <= 12) {
        memcpy(view->u.inlined, p, len);
    } else {
        memcpy(view->u.ref.prefix, p, 4);
        *buf = p;
        v->buffers = buf;
        v->n_buffers = 1;
    }
    v->values = view;
}

/* A compiled MARK probe's unmatched row; see rt.h. */
int32_t rt_jit_mark_maybe(rt_thread_state *ts, uint32_t op_idx, const uint8_t *keys,
                          const uint8_t *nulls) {
    const probe_state *s = ts->ops[op_idx];
    const join_table *jt = s->jt;
    uint32_t nk = s->n_keys < RT_JIT_MARK_MAX_KEYS ? s->n_keys : RT_JIT_MARK_MAX_KEYS;
    rt_vector pv[RT_JIT_MARK_MAX_KEYS];
    const rt_vector *pvs[RT_JIT_MARK_MAX_KEYS];
    rt_string views[RT_JIT_MARK_MAX_KEYS];
    const char *bufs[RT_JIT_MARK_MAX_KEYS];
    uint8_t valid[RT_JIT_MARK_MAX_KEYS];
    bool probe_null = false;
    for (uint32_t k = 0; k < nk; k++) {
        valid[k] = nulls[k] ? 0 : 1;
        slot_vector(jt->rows->cols[jt->key_cols[k]].type, keys + 16 * k, &valid[k], &pv[k],
                    &views[k], &bufs[k]);
        pvs[k] = &pv[k];
        probe_null |= nulls[k] != 0;
    }
    return rows_maybe(jt, nk, pvs, 0, probe_null);
}

/* Grows the per-input-row scratch to n rows. */
static bool ensure_in(rt_arena *a, probe_state *s, uint32_t n) {
    if (n <= s->in_cap && s->hashes != NULL)
        return true;
    uint32_t cap = s->in_cap ? s->in_cap : RT_VECTOR_SIZE;
    while (cap < n)
        cap *= 2;
    s->hashes = rt_arena_alloc(a, sizeof(uint64_t) * cap);
    s->flags = rt_arena_alloc(a, cap);
    s->rows = rt_arena_alloc(a, sizeof(uint32_t) * cap);
    s->heads = rt_arena_alloc(a, sizeof(uint32_t) * cap);
    s->in_cap = cap;
    return s->hashes && s->flags && s->rows && s->heads;
}

/* Fills the pairs batch from pr/br (build columns NULL when null_build). */
static void fill_pairs(probe_state *s, const rt_batch *in, bool null_build) {
    for (uint32_t c = 0; c < s->n_in; c++)
        gather(&s->pairs.cols[c], &in->cols[c], s->pr, s->n_pairs);
    for (uint32_t c = 0; c < s->jt->rows->n_cols; c++)
        gather(&s->pairs.cols[s->n_in + c], &s->jt->rows->cols[c], null_build ? NULL : s->br,
               s->n_pairs);
    s->pairs.n_rows = s->n_pairs;
    s->pairs.sel = NULL;
    s->pairs.n_sel = 0;
}

static bool emits_pairs(plan_join_kind k) {
    return k == PLAN_JOIN_INNER || k == PLAN_JOIN_CROSS || k == PLAN_JOIN_LEFT ||
           k == PLAN_JOIN_FULL || k == PLAN_JOIN_SINGLE || k == PLAN_JOIN_RIGHT;
}

/* Processes the collected pairs: residual, flags, and (joins emitting pairs) the
 * matching pairs downstream. */
static qe_status flush_pairs(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                             probe_state *s, const rt_batch *in) {
    if (s->n_pairs == 0)
        return QE_OK;
    /* a big fan-out runs long within one morsel: stop when the task is cancelled, and
     * produce nothing more once a LIMIT downstream has its rows */
    if (rt_task_cancelled(ps->task, &ts->err))
        return QE_CANCELLED;
    if (atomic_load(&ps->limit_done) && emits_pairs(s->kind) && !s->marks_build) {
        s->n_pairs = 0;
        return QE_OK;
    }
    uint32_t n = s->n_pairs, m = n;
    fill_pairs(s, in, false);
    if (s->residual != NULL) {
        rt_eval_ctx ctx = {ts->morsel_arena, &ts->err};
        const rt_vector *v;
        qe_status st = rt_expr_eval(s->residual, &ctx, &s->pairs, NULL, n, &v);
        if (st != QE_OK)
            return st;
        m = 0;
        for (uint32_t k = 0; k < n; k++) {
            bool valid = v->type != QE_TYPE_NULL && rt_vector_is_valid(v, k);
            if (valid && ((const uint8_t *)v->values)[k])
                s->sel[m++] = k;
            else if (!valid)
                s->flags[s->pk[k]] |= 2;
        }
    } else {
        for (uint32_t k = 0; k < n; k++)
            s->sel[k] = k;
    }
    for (uint32_t j = 0; j < m; j++) {
        uint32_t k = s->sel[j];
        if (s->kind == PLAN_JOIN_SINGLE && (s->flags[s->pk[k]] & 1)) /* a second match */
            return rt_error_set(&ts->err, QE_DATA, "21000", -1,
                                "more than one row returned by a subquery used as an "
                                "expression");
        s->flags[s->pk[k]] |= 1;
        if (s->marks_build)
            atomic_store_explicit(&s->jt->matched[s->br[k]], 1, memory_order_relaxed);
    }
    s->n_pairs = 0;
    if (!emits_pairs(s->kind) || m == 0)
        return QE_OK;
    if (m < n) {
        s->pairs.sel = s->sel;
        s->pairs.n_sel = m;
    }
    return rt_operators_run_from(ps, ts, op_idx + 1, &s->pairs);
}

/* Adds a pair, flushing when the chunk is full. */
static qe_status add_pair(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                          probe_state *s, const rt_batch *in, uint32_t k, uint32_t r, uint32_t b) {
    s->pk[s->n_pairs] = k;
    s->pr[s->n_pairs] = r;
    s->br[s->n_pairs++] = b;
    return s->n_pairs == RT_VECTOR_SIZE ? flush_pairs(ps, ts, op_idx, s, in) : QE_OK;
}

/* True if probe row r's keys equal build row b's. */
static inline bool keys_equal(const probe_state *s, uint32_t r, uint32_t b) {
    for (uint32_t k = 0; k < s->n_keys; k++) {
        const rt_vector *pv = s->key_vecs[k], *bv = s->build_keys[k];
        switch (s->key_width[k]) {
        case 4:
            if (((const int32_t *)pv->values)[r] != ((const int32_t *)bv->values)[b])
                return false;
            break;
        case 8:
            if (((const int64_t *)pv->values)[r] != ((const int64_t *)bv->values)[b])
                return false;
            break;
        default:
            if (!value_equal(pv, r, bv, b))
                return false;
        }
    }
    return true;
}

/* heads[k] = the first build row of active row k's chain, NO_ROW when the chain is empty,
 * the salt rules it out or the row has a NULL key (flags[k] |= 4).  Prefetches buckets,
 * then the first links. */
static void find_heads(probe_state *s, const rt_batch *in, uint32_t n) {
    const join_table *jt = s->jt;
    const uint64_t *hashes = s->hashes;
    bool nullable = false;
    for (uint32_t k = 0; k < s->n_keys; k++)
        nullable |= s->key_vecs[k]->validity != NULL || s->key_vecs[k]->type == QE_TYPE_NULL;
    if (jt->kwords != NULL) { /* the key index: no bucket, the key's own rows */
        const rt_vector *kv = s->key_vecs[0];
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = s->rows[k];
            if (nullable && !rt_vector_is_valid(kv, r)) {
                s->flags[k] |= 4;
                s->heads[k] = NO_ROW;
                continue;
            }
            s->heads[k] =
                rt_key_index_head(jt->kwords, jt->kmin, jt->kspan, jt->kheads, rt_key_value(kv, r));
        }
        return;
    }
    for (uint32_t k = 0; k < n; k++)
        __builtin_prefetch(&jt->buckets[hashes[k] & jt->mask]);
    for (uint32_t k = 0; k < n; k++) {
        uint64_t h = hashes[k], e = jt->buckets[h & jt->mask];
        uint32_t head = (e & salt_of(h)) ? (uint32_t)e : NO_ROW;
        if (nullable && row_has_null_key(in, s->keys, s->n_keys, s->rows[k])) {
            s->flags[k] |= 4;
            head = NO_ROW;
        }
        if (head != NO_ROW)
            __builtin_prefetch(&jt->links[head]);
        s->heads[k] = head;
    }
}

/* Walks the chains of the active rows, collecting pairs. */
static qe_status probe_rows(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                            probe_state *s, const rt_batch *in, uint32_t n) {
    const join_table *jt = s->jt;
    bool first_only = s->residual == NULL && !emits_pairs(s->kind) && !s->filter_build;
    bool mark_only = s->residual == NULL && s->filter_build; /* no pairs needed */
    find_heads(s, in, n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = s->rows[k];
        if (s->flags[k] & 4) { /* a NULL key */
            s->flags[k] = 0;
            if (s->kind == PLAN_JOIN_MARK && keys_maybe(s, r, true))
                s->flags[k] |= 2;
            continue;
        }
        uint64_t h = s->hashes[k];
        bool exact = jt->kwords != NULL; /* a key index's chain: the key's rows only */
        for (uint32_t b = s->heads[k]; b != NO_ROW; b = jt->links[b].next) {
            if (!exact && (jt->links[b].hash != h || !keys_equal(s, r, b)))
                continue;
            if (first_only) {
                s->flags[k] |= 1;
                break;
            }
            if (mark_only) {
                if (!atomic_load_explicit(&jt->matched[b], memory_order_relaxed))
                    atomic_store_explicit(&jt->matched[b], 1, memory_order_relaxed);
                continue;
            }
            qe_status st = add_pair(ps, ts, op_idx, s, in, k, r, b);
            if (st != QE_OK)
                return st;
        }
        if (s->kind == PLAN_JOIN_MARK && !(s->flags[k] & 1) && jt->n_null_rows > 0 &&
            keys_maybe(s, r, false))
            s->flags[k] |= 2;
    }
    return flush_pairs(ps, ts, op_idx, s, in);
}

/* LEFT/FULL: the probe rows without a match, build columns NULL. */
static qe_status emit_unmatched_probe(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                                      probe_state *s, const rt_batch *in, uint32_t n) {
    for (uint32_t k = 0; k < n; k++) {
        if (s->flags[k] & 1)
            continue;
        s->pr[s->n_pairs++] = s->rows[k];
        if (s->n_pairs == RT_VECTOR_SIZE || k + 1 == n) {
            fill_pairs(s, in, true);
            s->n_pairs = 0;
            qe_status st = rt_operators_run_from(ps, ts, op_idx + 1, &s->pairs);
            if (st != QE_OK)
                return st;
        }
    }
    if (s->n_pairs > 0) {
        fill_pairs(s, in, true);
        s->n_pairs = 0;
        return rt_operators_run_from(ps, ts, op_idx + 1, &s->pairs);
    }
    return QE_OK;
}

/* SEMI/ANTI: the input with the rows that (do not) match selected. */
static qe_status emit_filtered(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                               probe_state *s, const rt_batch *in, uint32_t n) {
    bool want = s->kind == PLAN_JOIN_SEMI;
    uint32_t m = 0;
    for (uint32_t k = 0; k < n; k++)
        if (((s->flags[k] & 1) != 0) == want)
            s->rows[m++] = s->rows[k]; /* rows[k] is read before slot m <= k is written */
    if (m == 0)
        return QE_OK;
    s->out = *in;
    s->out.sel = s->rows;
    s->out.n_sel = m;
    return rt_operators_run_from(ps, ts, op_idx + 1, &s->out);
}

/* MARK: the input plus the mark column. */
static qe_status emit_marked(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                             probe_state *s, const rt_batch *in, uint32_t n) {
    if (in->n_rows > s->mark_cap) {
        if (!alloc_vector(ts->arena, &s->mark, QE_TYPE_BOOLEAN, in->n_rows))
            return rt_error_nomem(&ts->err, ps->task->mem);
        s->mark_cap = in->n_rows;
    }
    uint8_t *vals = s->mark.values;
    memset(s->mark.validity, 0xff, rt_bitmap_bytes(in->n_rows));
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = s->rows[k];
        vals[r] = (s->flags[k] & 1) != 0;
        if (!(s->flags[k] & 1) && (s->flags[k] & 2))
            rt_bit_clear(s->mark.validity, r);
    }
    memcpy(s->out.cols, in->cols, sizeof(rt_vector) * s->n_in);
    s->out.cols[s->n_in] = s->mark;
    s->out.n_cols = s->n_in + 1;
    s->out.n_rows = in->n_rows;
    s->out.capacity = in->n_rows;
    s->out.sel = in->sel;
    s->out.n_sel = in->n_sel;
    return rt_operators_run_from(ps, ts, op_idx + 1, &s->out);
}

qe_status rt_join_probe_run(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                            const rt_batch *in) {
    probe_state *s = ts->ops[op_idx];
    uint32_t n = rt_batch_active(in);
    if (!ensure_in(ts->arena, s, n))
        return rt_error_nomem(&ts->err, ps->task->mem);
    for (uint32_t k = 0; k < n; k++)
        s->rows[k] = in->sel ? in->sel[k] : k;
    memset(s->flags, 0, n);
    for (uint32_t k = 0; k < s->n_keys; k++)
        s->key_vecs[k] = &in->cols[s->keys[k]];
    if (s->jt->kwords == NULL) /* (the key index needs no hash) */
        rt_hash_vectors(s->key_vecs, s->n_keys, in->sel, n, s->hashes);
    qe_status st = probe_rows(ps, ts, op_idx, s, in, n);
    if (st != QE_OK || s->filter_build) /* the Unmatched pipeline emits the build rows */
        return st;
    switch (s->kind) {
    case PLAN_JOIN_LEFT:
    case PLAN_JOIN_SINGLE:
    case PLAN_JOIN_FULL: return emit_unmatched_probe(ps, ts, op_idx, s, in, n);
    case PLAN_JOIN_SEMI:
    case PLAN_JOIN_ANTI: return emit_filtered(ps, ts, op_idx, s, in, n);
    case PLAN_JOIN_MARK: return emit_marked(ps, ts, op_idx, s, in, n);
    default: return QE_OK;
    }
}

/* ---- JOIN_UNMATCHED ------------------------------------------------------------------ */

/* The shared cursor over the build rows. */
typedef struct unmatched_src {
    const join_table *jt;
    _Atomic uint64_t next; /* first build row of the next morsel */
    uint32_t n_probe;      /* NULL probe columns in front */
    uint8_t emit;          /* the matched flag of the rows emitted: 0, or 1 (SEMI of the
                              build rows) */
} unmatched_src;

static qe_status unmatched_init(rt_pipeline_state *ps, rt_error *err) {
    const plan_op *op = ps->source;
    join_table *jt = rt_stage_get(ps->stage, op->state_id, err);
    if (jt == NULL)
        return QE_INTERNAL;
    if (op->n_cols < jt->rows->n_cols || op->u.join.n_build_cols != jt->rows->n_cols)
        return rt_plan_error(err, "unmatched join rows of %u columns for %u build columns",
                             op->n_cols, jt->rows->n_cols);
    unmatched_src *s = rt_arena_calloc(ps->arena, sizeof *s);
    if (s == NULL)
        return rt_error_nomem(err, ps->task->mem);
    s->jt = jt;
    s->n_probe = op->n_cols - jt->rows->n_cols;
    s->emit = op->u.join.filter_build && op->u.join.kind == PLAN_JOIN_SEMI;
    for (uint32_t c = 0; c < jt->rows->n_cols; c++)
        if (op->types[s->n_probe + c] != jt->rows->cols[c].type)
            return rt_plan_error(err, "unmatched join rows: column %u has another type", c);
    ps->src = s;
    return QE_OK;
}

static qe_status unmatched_next(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch **out) {
    unmatched_src *s = ps->src;
    const join_table *jt = s->jt;
    const plan_op *op = ps->source;
    *out = NULL;
    for (;;) {
        uint64_t start = atomic_fetch_add(&s->next, RT_VECTOR_SIZE);
        if (start >= jt->rows->n_rows)
            return QE_OK;
        uint32_t end = (uint32_t)(start + RT_VECTOR_SIZE < jt->rows->n_rows ? start + RT_VECTOR_SIZE
                                                                            : jt->rows->n_rows);
        rt_arena *a = ts->morsel_arena;
        uint32_t *rows = rt_arena_alloc(a, sizeof(uint32_t) * RT_VECTOR_SIZE);
        rt_batch *b = rt_arena_calloc(a, sizeof *b);
        rt_vector *cols = rt_arena_calloc(a, sizeof(rt_vector) * (op->n_cols + 1));
        if (rows == NULL || b == NULL || cols == NULL)
            return rt_error_nomem(&ts->err, ps->task->mem);
        uint32_t n = 0;
        for (uint32_t r = (uint32_t)start; r < end; r++)
            if (atomic_load_explicit(&jt->matched[r], memory_order_relaxed) == s->emit)
                rows[n++] = r;
        if (n == 0)
            continue;
        for (uint32_t c = 0; c < op->n_cols; c++) {
            if (!alloc_vector(a, &cols[c], op->types[c], n))
                return rt_error_nomem(&ts->err, ps->task->mem);
            gather(&cols[c], c < s->n_probe ? NULL : &jt->rows->cols[c - s->n_probe],
                   c < s->n_probe ? NULL : rows, n);
        }
        b->n_cols = op->n_cols;
        b->cols = cols;
        b->n_rows = b->capacity = n;
        *out = b;
        return QE_OK;
    }
}

const rt_source_ops rt_join_unmatched_source = {unmatched_init, unmatched_next, NULL};
