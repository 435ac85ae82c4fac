/*
 * sort.c -- SORT_SINK (collects rows, then sorts) and SORT_SOURCE (emits them).
 *
 * Each thread copies its input rows into a run (an rt_rowbuf: compact batches in its
 * own arena).  At the pipeline end the runs of all threads (in thread order)
 * become one list of row references (batch, row) that a stable merge sort orders by
 * the sort keys: ASC/DESC, NULLS FIRST/LAST, strings bytewise, doubles with NaN
 * after every other value (PostgreSQL).  The SORT_SOURCE pipeline is `ordered`: it
 * gathers the referenced rows into output batches in order.
 *
 * Top-N (`top_n` > 0, ORDER BY ... LIMIT): a thread whose run reaches twice top_n rows
 * (at least SORT_TOP_MIN) sorts it and keeps only its first top_n rows.  The run stays
 * in the thread's arrival order among equal keys (the kept rows arrived before the
 * later ones), so the final merge yields the same first top_n rows as a full sort,
 * while each thread holds O(top_n) rows; the SORT_SOURCE then emits only the first
 * top_n rows.
 *
 * DISTINCT_ON (an operator of the ordered SortSource pipeline, so one thread) keeps a
 * row whose keys differ from the previous row's (NULLs equal), remembering the last row
 * of each batch.
 */
#include "rt_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The stage state: every row, sorted. */
typedef struct sort_result {
    rt_mem_tracker *mem;
    rt_runs in;     /* every thread's rows */
    uint64_t *refs; /* in.n_rows (batch << 32 | row), sorted (rt_malloc'd) */
    uint64_t n_out; /* rows the SORT_SOURCE emits: n_rows, at most the sink's top_n */
} sort_result;

/* The sort keys, resolved. */
typedef struct sort_def {
    uint32_t n_keys;
    const plan_sort_key *keys;
    uint32_t *cols; /* key column indexes */
} sort_def;

static void sort_result_destroy(void *p) {
    sort_result *res = p;
    rt_runs_free(&res->in, res->mem);
    rt_free(res->mem, res->refs, sizeof(uint64_t) * res->in.n_rows);
    rt_free(res->mem, res, sizeof *res);
}

/* ---- SORT_SINK ------------------------------------------------------------------------- */

static qe_status sort_sink_init(rt_pipeline_state *ps, rt_error *err) {
    const plan_op *op = ps->sink;
    sort_def *d = rt_arena_calloc(ps->arena, sizeof *d);
    if (d == NULL ||
        (d->cols = rt_arena_alloc(ps->arena, sizeof(uint32_t) * (op->u.sort.n_keys + 1))) == NULL)
        return rt_error_nomem(err, ps->task->mem);
    if (op->state_id >= ps->stage->n_states)
        return rt_plan_error(err, "sort state %u does not exist", op->state_id);
    d->n_keys = op->u.sort.n_keys;
    d->keys = op->u.sort.keys;
    for (uint32_t k = 0; k < d->n_keys; k++) {
        const plan_expr *e = d->keys[k].expr;
        if (e == NULL || e->kind != PLAN_EXPR_COLUMN || e->u.column >= ps->n_sink_in)
            return rt_plan_error(err, "sort key %u is not a column of the input", k);
        d->cols[k] = e->u.column;
    }
    ps->snk = d;
    return QE_OK;
}

static qe_status sort_thread_init(rt_pipeline_state *ps, rt_thread_state *ts) {
    rt_rowbuf *r = rt_arena_calloc(ts->arena, sizeof *r);
    if (r == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    rt_rowbuf_init(r, ps->task->mem, ps->n_sink_in, ps->sink_in_types);
    ts->sink = r;
    return QE_OK;
}

/* Compares two doubles: NaN after everything, equal to itself. */
static int cmp_double(double a, double b) {
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

/* Compares row ra of va with row rb of vb (same type, both valid); rt_int.h. */
int rt_sort_cmp_values(const rt_vector *va, uint32_t ra, const rt_vector *vb, uint32_t rb) {
    switch (va->type) {
    case QE_TYPE_BOOLEAN: {
        int a = ((const uint8_t *)va->values)[ra], b = ((const uint8_t *)vb->values)[rb];
        return (a > b) - (a < b);
    }
    case QE_TYPE_SMALLINT: {
        int16_t a = ((const int16_t *)va->values)[ra], b = ((const int16_t *)vb->values)[rb];
        return (a > b) - (a < b);
    }
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: {
        int32_t a = ((const int32_t *)va->values)[ra], b = ((const int32_t *)vb->values)[rb];
        return (a > b) - (a < b);
    }
    case QE_TYPE_REAL:
        return cmp_double(((const float *)va->values)[ra], ((const float *)vb->values)[rb]);
    case QE_TYPE_DOUBLE:
        return cmp_double(((const double *)va->values)[ra], ((const double *)vb->values)[rb]);
    case QE_TYPE_VARCHAR:
        return rt_string_compare(va, &((const rt_string *)va->values)[ra], vb,
                                 &((const rt_string *)vb->values)[rb]);
    case QE_TYPE_NULL: return 0;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: {
        rt_i128 a, b;
        memcpy(&a, (const char *)va->values + (size_t)ra * 16, 16);
        memcpy(&b, (const char *)vb->values + (size_t)rb * 16, 16);
        return (a > b) - (a < b);
    }
    case QE_TYPE_INTERVAL: {
        rt_interval a, b;
        memcpy(&a, (const char *)va->values + (size_t)ra * 16, 16);
        memcpy(&b, (const char *)vb->values + (size_t)rb * 16, 16);
        return rt_interval_cmp(&a, &b);
    }
    default: {
        int64_t a = ((const int64_t *)va->values)[ra], b = ((const int64_t *)vb->values)[rb];
        return (a > b) - (a < b);
    }
    }
}

typedef struct sort_ctx {
    const sort_def *def;
    rt_batch *const *batches;
} sort_ctx;

/* Orders two row references by the sort keys from key `from` on, the ones before being
 * equal (0 when equal: stability decides). */
static int cmp_refs_from(const sort_ctx *c, uint64_t x, uint64_t y, uint32_t from) {
    const rt_batch *bx = c->batches[x >> 32], *by = c->batches[y >> 32];
    uint32_t rx = (uint32_t)x, ry = (uint32_t)y;
    for (uint32_t k = from; k < c->def->n_keys; k++) {
        const plan_sort_key *key = &c->def->keys[k];
        const rt_vector *vx = &bx->cols[c->def->cols[k]], *vy = &by->cols[c->def->cols[k]];
        bool nx = vx->type == QE_TYPE_NULL || !rt_vector_is_valid(vx, rx);
        bool ny = vy->type == QE_TYPE_NULL || !rt_vector_is_valid(vy, ry);
        int r;
        if (nx || ny)
            r = nx == ny ? 0 : (nx ? -1 : 1) * (key->nulls_first ? 1 : -1);
        else
            r = rt_sort_cmp_values(vx, rx, vy, ry) * (key->descending ? -1 : 1);
        if (r != 0)
            return r;
    }
    return 0;
}

/* ---- normalized keys -------------------------------------------------------------------
 * Rows are sorted as entries: up to SORT_WORDS 64-bit words made from the leading sort
 * keys, compared as unsigned integers, and the row reference.  Each key's words are a
 * non-decreasing function of its value in the key's order, so words that differ order
 * two rows; equal words say the values are equal only where the encoding is exact, and
 * where it is not, the rows are compared from that key on (cmp_refs_from).
 *   integers, DATE, TIMESTAMP, BOOLEAN: the value with its sign bit flipped (1 word)
 *   REAL/DOUBLE: the IEEE bits made order-preserving, -0 as 0 and every NaN one value
 *     above +inf (1 word)
 *   DECIMAL/HUGEINT: the high half, sign flipped, and the low half (2 words)
 *   VARCHAR: its first 15 bytes (zero-padded, big-endian) and a last byte: the length,
 *     or 0xFF when longer (2 words; exact unless 0xFF)
 *   INTERVAL, NULL type: not encoded (the keys from it on are compared in full)
 * DESC inverts a key's words.  A NULL's words are all 0 (NULLS FIRST) or all ones
 * (NULLS LAST); a value's first word is kept within [1, ~1], so a first word of 1 or ~1
 * may stand for several values (compared in full when equal).  Sorting TPC-H Q16's
 * 18K result rows (a count, then three strings) took a third of the query with the
 * comparisons of cmp_refs_from alone. */
#define SORT_WORDS 4
#define SIGN_BIT 0x8000000000000000ULL

typedef struct sort_entry {
    uint64_t w[SORT_WORDS];
    uint64_t ref; /* batch << 32 | row */
} sort_entry;

/* What equal words of a column say. */
typedef enum word_rule {
    WORD_FIRST,  /* a key's first word: values equal unless it is 1 or ~1 */
    WORD_EXACT,  /* values equal (given the key's earlier words) */
    WORD_STRING, /* a VARCHAR's second word: equal unless its last byte says "longer" */
    WORD_CUT     /* the key goes on past the last word: not known */
} word_rule;

typedef struct norm_plan {
    uint32_t n_words;              /* words encoded (<= SORT_WORDS) */
    uint32_t n_keys;               /* keys encoded */
    bool complete;                 /* every sort key is encoded exactly by the words */
    uint8_t key_words[SORT_WORDS]; /* words of encoded key k's type (the last may be cut) */
    uint8_t word_key[SORT_WORDS];  /* the key word w encodes */
    word_rule rule[SORT_WORDS];
    uint64_t flip[SORT_WORDS]; /* ~0 for a DESC key's words */
} norm_plan;

/* Words of a key of type t (0: not encoded). */
static uint32_t type_words(qe_type t) {
    switch (t) {
    case QE_TYPE_NULL:
    case QE_TYPE_INTERVAL: return 0;
    case QE_TYPE_VARCHAR:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_HUGEINT: return 2;
    default: return 1;
    }
}

static void plan_words(norm_plan *p, const sort_def *d, rt_batch *const *batches) {
    memset(p, 0, sizeof *p);
    p->complete = true;
    for (uint32_t k = 0; k < d->n_keys && p->complete; k++) {
        qe_type t = batches[0]->cols[d->cols[k]].type;
        uint32_t nw = type_words(t);
        if (nw == 0 || p->n_words >= SORT_WORDS || p->n_keys >= SORT_WORDS) {
            p->complete = false;
            break;
        }
        p->key_words[p->n_keys++] = (uint8_t)nw;
        for (uint32_t j = 0; j < nw; j++) {
            uint32_t w = p->n_words;
            if (w >= SORT_WORDS) { /* cut: its last word present says nothing when equal */
                p->rule[w - 1] = WORD_CUT;
                p->complete = false;
                break;
            }
            p->flip[w] = d->keys[k].descending ? ~0ULL : 0;
            p->word_key[w] = (uint8_t)k;
            p->rule[w] = j == 0 ? WORD_FIRST : t == QE_TYPE_VARCHAR ? WORD_STRING : WORD_EXACT;
            p->n_words++;
        }
    }
}

static uint64_t load_be64(const uint8_t *b) {
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | b[i];
    return x;
}

/* The ascending words of the valid value at row r of v (type_words(v->type) of them). */
static void value_words(const rt_vector *v, uint32_t r, uint64_t *w) {
    const char *p = v->values;
    switch (v->type) {
    case QE_TYPE_BOOLEAN: w[0] = (uint64_t)((const uint8_t *)p)[r] ^ SIGN_BIT; return;
    case QE_TYPE_SMALLINT: w[0] = (uint64_t)(int64_t)((const int16_t *)p)[r] ^ SIGN_BIT; return;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: w[0] = (uint64_t)(int64_t)((const int32_t *)p)[r] ^ SIGN_BIT; return;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: {
        double d = v->type == QE_TYPE_REAL ? ((const float *)p)[r] : ((const double *)p)[r];
        uint64_t bits;
        if (isnan(d)) {
            bits = 0x7FF0000000000001ULL; /* every NaN: just above +inf */
        } else {
            d = d == 0 ? 0 : d; /* -0 as 0 */
            memcpy(&bits, &d, sizeof bits);
        }
        w[0] = bits & SIGN_BIT ? ~bits : bits | SIGN_BIT;
        return;
    }
    case QE_TYPE_DECIMAL:
    case QE_TYPE_HUGEINT: {
        rt_i128 x;
        memcpy(&x, p + (size_t)r * 16, 16);
        w[0] = (uint64_t)(x >> 64) ^ SIGN_BIT;
        w[1] = (uint64_t)x;
        return;
    }
    case QE_TYPE_VARCHAR: {
        const rt_string *s = &((const rt_string *)p)[r];
        uint8_t buf[16] = {0};
        memcpy(buf, rt_string_ptr(v, s), s->len < 15 ? s->len : 15);
        buf[15] = s->len <= 15 ? (uint8_t)s->len : 0xFF;
        w[0] = load_be64(buf);
        w[1] = load_be64(buf + 8);
        return;
    }
    default: w[0] = (uint64_t)((const int64_t *)p)[r] ^ SIGN_BIT; return;
    }
}

static void make_entry(const sort_ctx *c, const norm_plan *p, uint64_t ref, sort_entry *e) {
    const rt_batch *b = c->batches[ref >> 32];
    uint32_t r = (uint32_t)ref, w = 0;
    memset(e->w, 0, sizeof e->w);
    e->ref = ref;
    for (uint32_t k = 0; k < p->n_keys; k++) {
        const plan_sort_key *key = &c->def->keys[k];
        const rt_vector *v = &b->cols[c->def->cols[k]];
        uint32_t nw = p->key_words[k];
        uint64_t words[2];
        if (v->type == QE_TYPE_NULL || !rt_vector_is_valid(v, r)) {
            words[0] = words[1] = key->nulls_first ? 0 : ~0ULL;
        } else {
            value_words(v, r, words);
            for (uint32_t j = 0; j < nw; j++)
                words[j] ^= key->descending ? ~0ULL : 0;
            words[0] = words[0] == 0 ? 1 : words[0] == ~0ULL ? ~1ULL : words[0];
        }
        for (uint32_t j = 0; j < nw && w < p->n_words; j++)
            e->w[w++] = words[j];
    }
}

/* Whether equal words x of column w leave the rows' order to a full comparison. */
static inline bool word_stops(const norm_plan *p, uint32_t w, uint64_t x) {
    switch (p->rule[w]) {
    case WORD_FIRST: return x == 1 || x == ~1ULL;
    case WORD_EXACT: return false;
    case WORD_STRING: return ((x ^ p->flip[w]) & 0xFF) == 0xFF;
    default: return true;
    }
}

static inline int cmp_entries(const sort_ctx *c, const norm_plan *p, const sort_entry *a,
                              const sort_entry *b) {
    for (uint32_t w = 0; w < p->n_words; w++) {
        uint64_t x = a->w[w], y = b->w[w];
        if (x != y)
            return x < y ? -1 : 1;
        if (word_stops(p, w, x)) /* the keys before word w's are equal */
            return cmp_refs_from(c, a->ref, b->ref, p->word_key[w]);
    }
    return p->complete ? 0 : cmp_refs_from(c, a->ref, b->ref, p->n_keys);
}

/* Stable bottom-up merge sort of the entries es[0..n) using tmp (n entries); returns
 * the array the sorted entries ended in (es or tmp). */
static sort_entry *merge_entries(const sort_ctx *c, const norm_plan *p, sort_entry *es,
                                 sort_entry *tmp, uint64_t n) {
    sort_entry *src = es, *dst = tmp;
    for (uint64_t width = 1; width < n; width *= 2) {
        for (uint64_t lo = 0; lo < n; lo += 2 * width) {
            uint64_t mid = lo + width < n ? lo + width : n;
            uint64_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            uint64_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                dst[o++] = cmp_entries(c, p, &src[j], &src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        sort_entry *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

/* Sorts refs[0..n) (stable) by the sort keys; false when out of memory. */
static bool sort_refs(const sort_ctx *c, uint64_t *refs, uint64_t n, rt_mem_tracker *mem) {
    if (n < 2)
        return true;
    size_t bytes = sizeof(sort_entry) * n;
    sort_entry *es = rt_malloc(mem, bytes), *tmp = rt_malloc(mem, bytes);
    bool ok = es != NULL && tmp != NULL;
    if (ok) {
        norm_plan p;
        plan_words(&p, c->def, c->batches);
        for (uint64_t i = 0; i < n; i++)
            make_entry(c, &p, refs[i], &es[i]);
        const sort_entry *out = merge_entries(c, &p, es, tmp, n);
        for (uint64_t i = 0; i < n; i++)
            refs[i] = out[i].ref;
    }
    rt_free(mem, es, es ? bytes : 0);
    rt_free(mem, tmp, tmp ? bytes : 0);
    return ok;
}

/* Sorts row references by keys at cols (rt_int.h); window.c's sort. */
bool rt_sort_refs(rt_batch *const *batches, uint32_t n_keys, const plan_sort_key *keys,
                  const uint32_t *cols, uint64_t *refs, uint64_t n, rt_mem_tracker *mem) {
    sort_def d = {n_keys, keys, (uint32_t *)cols};
    sort_ctx c = {&d, batches};
    return sort_refs(&c, refs, n, mem);
}

/* The smallest run a top-N thread truncates. */
#define SORT_TOP_MIN RT_VECTOR_SIZE

/* Copies rows refs[0..n) of the batches into dst, in that order; false on OOM. */
static bool copy_rows(rt_rowbuf *dst, rt_batch *const *batches, const uint64_t *refs, uint64_t n,
                      rt_arena *scratch) {
    for (uint64_t start = 0; start < n; start += RT_VECTOR_SIZE) {
        uint32_t m = (uint32_t)(n - start < RT_VECTOR_SIZE ? n - start : RT_VECTOR_SIZE);
        rt_batch *b = rt_batch_create(scratch, dst->n_cols, dst->types, m);
        if (b == NULL)
            return false;
        for (uint32_t k = 0; k < m; k++) {
            uint32_t row = (uint32_t)refs[start + k];
            if (!rt_batch_append_rows(b, scratch, batches[refs[start + k] >> 32], &row, 0, 1))
                return false;
        }
        if (!rt_rowbuf_append(dst, b))
            return false;
    }
    return true;
}

/* Sorts the run r and keeps its first `keep` rows (in order). */
static qe_status truncate_run(rt_pipeline_state *ps, rt_thread_state *ts, rt_rowbuf *r,
                              uint64_t keep) {
    rt_mem_tracker *mem = ps->task->mem;
    uint64_t n = r->n_rows, k = 0;
    uint64_t *refs = rt_malloc(mem, sizeof(uint64_t) * n);
    rt_arena *scratch = rt_arena_create(mem);
    rt_rowbuf kept;
    rt_rowbuf_init(&kept, mem, r->n_cols, r->types);
    bool ok = refs != NULL && scratch != NULL;
    if (ok) {
        for (uint32_t b = 0; b < r->n_batches; b++)
            for (uint32_t row = 0; row < r->batches[b]->n_rows; row++)
                refs[k++] = (uint64_t)b << 32 | row;
        sort_ctx c = {ps->snk, r->batches};
        ok = sort_refs(&c, refs, n, mem) &&
             copy_rows(&kept, r->batches, refs, keep < n ? keep : n, scratch);
    }
    rt_free(mem, refs, refs ? sizeof(uint64_t) * n : 0);
    rt_arena_destroy(scratch);
    if (!ok) {
        rt_rowbuf_free(&kept);
        return rt_error_nomem(&ts->err, mem);
    }
    rt_rowbuf_free(r);
    *r = kept;
    return QE_OK;
}

static qe_status sort_push(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *b) {
    rt_rowbuf *r = ts->sink;
    if (!rt_rowbuf_append(r, b))
        return rt_error_nomem(&ts->err, ps->task->mem);
    uint64_t top = ps->sink->u.sort.top_n;
    if (top == 0 || r->n_rows < SORT_TOP_MIN || r->n_rows / 2 < top)
        return QE_OK;
    return truncate_run(ps, ts, r, top);
}

static qe_status sort_finish(rt_pipeline_state *ps, rt_error *err) {
    rt_mem_tracker *mem = ps->task->mem;
    sort_result *res = rt_malloc(mem, sizeof *res);
    if (res == NULL)
        return rt_error_nomem(err, mem);
    memset(res, 0, sizeof *res);
    res->mem = mem;
    rt_stage_put(ps->stage, ps->sink->state_id, res, sort_result_destroy);
    qe_status st = rt_runs_collect(ps, &res->in, err);
    if (st != QE_OK)
        return st;
    uint64_t n = res->in.n_rows;
    res->refs = rt_malloc(mem, sizeof(uint64_t) * (n ? n : 1));
    if (res->refs == NULL)
        return rt_error_nomem(err, mem);
    uint64_t k = 0;
    for (uint32_t b = 0; b < res->in.n_batches; b++)
        for (uint32_t r = 0; r < res->in.batches[b]->n_rows; r++)
            res->refs[k++] = (uint64_t)b << 32 | r;
    sort_ctx c = {ps->snk, res->in.batches};
    if (!sort_refs(&c, res->refs, n, mem))
        return rt_error_nomem(err, mem);
    uint64_t top = ps->sink->u.sort.top_n;
    res->n_out = top > 0 && top < n ? top : n;
    return QE_OK;
}

static void sort_sink_destroy(rt_pipeline_state *ps) {
    for (uint32_t t = 0; ps->threads != NULL && t < ps->n_threads; t++) {
        rt_rowbuf *r = ps->threads[t] ? ps->threads[t]->sink : NULL;
        if (r != NULL)
            rt_rowbuf_free(r);
    }
}

const rt_sink_ops rt_sort_sink = {sort_sink_init, sort_thread_init, sort_push,
                                  NULL,           sort_finish,      sort_sink_destroy};

/* ---- SORT_SOURCE ----------------------------------------------------------------------- */

typedef struct sort_src {
    const sort_result *res;
    _Atomic uint64_t next; /* first sorted row of the next morsel */
} sort_src;

static qe_status sort_source_init(rt_pipeline_state *ps, rt_error *err) {
    sort_result *res = rt_stage_get(ps->stage, ps->source->state_id, err);
    if (res == NULL)
        return QE_INTERNAL;
    if (res->in.n_batches > 0 &&
        !rt_batch_has_schema(res->in.batches[0], ps->source->n_cols, ps->source->types))
        return rt_plan_error(err, "sort source schema differs from its sort's input");
    sort_src *s = rt_arena_calloc(ps->arena, sizeof *s);
    if (s == NULL)
        return rt_error_nomem(err, ps->task->mem);
    s->res = res;
    ps->src = s;
    return QE_OK;
}

static qe_status sort_source_next(rt_pipeline_state *ps, rt_thread_state *ts,
                                  const rt_batch **out) {
    sort_src *s = ps->src;
    const sort_result *res = s->res;
    uint64_t start = atomic_fetch_add(&s->next, RT_VECTOR_SIZE);
    *out = NULL;
    if (start >= res->n_out)
        return QE_OK;
    uint32_t n =
        (uint32_t)(res->n_out - start < RT_VECTOR_SIZE ? res->n_out - start : RT_VECTOR_SIZE);
    rt_batch *b = rt_batch_create(ts->morsel_arena, ps->source->n_cols, ps->source->types, n);
    if (b == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    for (uint32_t k = 0; k < n; k++) {
        uint64_t ref = res->refs[start + k];
        uint32_t row = (uint32_t)ref;
        if (!rt_batch_append_rows(b, ts->morsel_arena, res->in.batches[ref >> 32], &row, 0, 1))
            return rt_error_nomem(&ts->err, ps->task->mem);
    }
    *out = b;
    return QE_OK;
}

const rt_source_ops rt_sort_source = {sort_source_init, sort_source_next, NULL};

/* ---- DISTINCT_ON ----------------------------------------------------------------------- */

/* Per thread (the operator runs in an ordered pipeline: one thread). */
typedef struct distinct_on_state {
    uint32_t *sel;  /* kept rows of the current batch (RT_VECTOR_SIZE or more) */
    uint32_t cap;   /* entries in sel */
    rt_batch *prev; /* the last row seen (one row, in the thread's arena), NULL before
                       the first */
    rt_batch out;   /* the input with sel */
} distinct_on_state;

qe_status rt_distinct_on_prepare(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx) {
    const plan_op *op = ps->pipe->ops[op_idx], *in = ps->pipe->ops[op_idx - 1];
    if (in->n_cols != op->n_cols)
        return rt_plan_error(&ts->err, "distinct on input width differs from its output");
    for (uint32_t k = 0; k < op->u.distinct_on.n_keys; k++)
        if (op->u.distinct_on.cols[k] >= op->n_cols)
            return rt_plan_error(&ts->err, "distinct on key %u is not an input column", k);
    distinct_on_state *d = rt_arena_calloc(ts->arena, sizeof *d);
    if (d == NULL)
        return rt_error_nomem(&ts->err, ps->task->mem);
    ts->ops[op_idx] = d;
    return QE_OK;
}

/* True if value ra of va equals value rb of vb (NULLs equal). */
static bool key_same(const rt_vector *va, uint32_t ra, const rt_vector *vb, uint32_t rb) {
    bool na = va->type == QE_TYPE_NULL || !rt_vector_is_valid(va, ra);
    bool nb = vb->type == QE_TYPE_NULL || !rt_vector_is_valid(vb, rb);
    return na == nb && (na || rt_sort_cmp_values(va, ra, vb, rb) == 0);
}

/* True if row ra of a and row rb of b have equal keys (NULLs equal). */
static bool keys_same(const plan_op *op, const rt_batch *a, uint32_t ra, const rt_batch *b,
                      uint32_t rb) {
    for (uint32_t k = 0; k < op->u.distinct_on.n_keys; k++)
        if (!key_same(&a->cols[op->u.distinct_on.cols[k]], ra, &b->cols[op->u.distinct_on.cols[k]],
                      rb))
            return false;
    return true;
}

/* Copies row `row` of b into a new one-row prev, in the thread's arena (one small row
 * per input batch). */
static bool keep_prev(rt_thread_state *ts, const plan_op *op, distinct_on_state *d,
                      const rt_batch *b, uint32_t row) {
    rt_batch *p = rt_batch_create(ts->arena, op->n_cols, op->types, 1);
    if (p == NULL || !rt_batch_append_rows(p, ts->arena, b, &row, 0, 1))
        return false;
    d->prev = p;
    return true;
}

qe_status rt_distinct_on_run(rt_pipeline_state *ps, rt_thread_state *ts, uint32_t op_idx,
                             const rt_batch *b) {
    const plan_op *op = ps->pipe->ops[op_idx];
    distinct_on_state *d = ts->ops[op_idx];
    uint32_t n = rt_batch_active(b), m = 0;
    if (n == 0)
        return QE_OK;
    if (d->cap < n) {
        uint32_t cap = n > RT_VECTOR_SIZE ? n : RT_VECTOR_SIZE;
        if ((d->sel = rt_arena_alloc(ts->arena, sizeof(uint32_t) * cap)) == NULL)
            return rt_error_nomem(&ts->err, ps->task->mem);
        d->cap = cap;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t row = b->sel ? b->sel[k] : k;
        bool same = k > 0 ? keys_same(op, b, row, b, b->sel ? b->sel[k - 1] : k - 1)
                          : d->prev != NULL && keys_same(op, b, row, d->prev, 0);
        if (!same)
            d->sel[m++] = row;
    }
    if (!keep_prev(ts, op, d, b, b->sel ? b->sel[n - 1] : n - 1))
        return rt_error_nomem(&ts->err, ps->task->mem);
    if (m == 0)
        return QE_OK;
    d->out = *b;
    d->out.sel = d->sel;
    d->out.n_sel = m;
    return rt_operators_run_from(ps, ts, op_idx + 1, &d->out);
}

/* Compiled DISTINCT_ON: the keys are morsel columns map[k], and the state is the
 * interpreter's, so that interpreted and compiled morsels of one thread (adaptive)
 * continue each other. */

/* A row reaching the DISTINCT_ON; see rt.h. */
int32_t rt_jit_distinct_on_row(rt_thread_state *ts, uint32_t op_idx, const rt_batch *morsel,
                               uint64_t row, uint64_t last, const uint32_t *map) {
    const plan_op *op = ts->ps->pipe->ops[op_idx];
    const distinct_on_state *d = ts->ops[op_idx];
    if (last == UINT64_MAX && d->prev == NULL)
        return 1;
    for (uint32_t k = 0; k < op->u.distinct_on.n_keys; k++) {
        const rt_vector *v = &morsel->cols[map[k]];
        bool same = last != UINT64_MAX
                        ? key_same(v, (uint32_t)row, v, (uint32_t)last)
                        : key_same(v, (uint32_t)row, &d->prev->cols[op->u.distinct_on.cols[k]], 0);
        if (!same)
            return 1;
    }
    return 0;
}

/* The last row a compiled morsel brought to the DISTINCT_ON; see rt.h. */
int32_t rt_jit_distinct_on_keep(rt_thread_state *ts, uint32_t op_idx, const rt_batch *morsel,
                                uint64_t row, const uint32_t *map) {
    const plan_op *op = ts->ps->pipe->ops[op_idx];
    distinct_on_state *d = ts->ops[op_idx];
    rt_batch *p = rt_batch_create(ts->arena, op->n_cols, op->types, 1);
    if (p == NULL)
        return RT_JIT_ERR_NOMEM;
    for (uint32_t c = 0; c < op->n_cols; c++) /* columns that are not keys: never read */
        if (!rt_vector_set_null(&p->cols[c], ts->arena, 0, 1))
            return RT_JIT_ERR_NOMEM;
    for (uint32_t k = 0; k < op->u.distinct_on.n_keys; k++) {
        rt_value v;
        rt_vector_get_value(&morsel->cols[map[k]], (uint32_t)row, &v);
        if (!rt_vector_set_value(&p->cols[op->u.distinct_on.cols[k]], ts->arena, 0, 1, &v))
            return RT_JIT_ERR_NOMEM;
    }
    p->n_rows = 1;
    d->prev = p;
    return 0;
}
