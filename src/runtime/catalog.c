/*
 * catalog.c -- the in-memory catalog: tables of compact column chunks.
 *
 * A table is a list of chunks (rt_batch, compact, capacity RT_VECTOR_SIZE) owned by
 * the table's arena.  One mutex per catalog guards the table list and every append;
 * scans take a snapshot of the chunk list under the same mutex (rt_table_snapshot),
 * so a scan running while rows are appended sees a consistent prefix: chunks, chunk
 * arrays and string buffers are never moved or freed while the table exists, and
 * only the last chunk (whose vector headers the snapshot copies) still changes.
 */
#include "rt_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rt_catalog {
    pthread_mutex_t mu; /* guards tables[] and every table's chunks */
    uint32_t n_tables;
    uint32_t cap;
    rt_table **tables; /* malloc'd array of tables (each owns its arena) */
    uint32_t n_views;
    uint32_t views_cap;
    rt_view **views;  /* malloc'd array of malloc'd views (strings malloc'd) */
    uint64_t version; /* bumped by every create/drop of a table or view */
};

rt_catalog *rt_catalog_create(void) {
    rt_catalog *cat = calloc(1, sizeof *cat);
    if (cat == NULL)
        return NULL;
    if (pthread_mutex_init(&cat->mu, NULL) != 0) {
        free(cat);
        return NULL;
    }
    return cat;
}

static void rt_view_free(rt_view *v);

static void table_destroy(rt_table *t) {
    if (t != NULL)
        rt_arena_destroy(t->arena); /* the table struct lives in its own arena */
}

void rt_catalog_destroy(rt_catalog *cat) {
    if (cat == NULL)
        return;
    for (uint32_t i = 0; i < cat->n_tables; i++)
        table_destroy(cat->tables[i]);
    free(cat->tables);
    for (uint32_t i = 0; i < cat->n_views; i++)
        rt_view_free(cat->views[i]);
    free(cat->views);
    pthread_mutex_destroy(&cat->mu);
    free(cat);
}

/* Index of the table called name, or -1.  Caller holds the mutex. */
static int find_locked(const rt_catalog *cat, const char *name) {
    for (uint32_t i = 0; i < cat->n_tables; i++)
        if (strcmp(cat->tables[i]->name, name) == 0)
            return (int)i;
    return -1;
}

rt_table *rt_catalog_find(rt_catalog *cat, const char *name) {
    pthread_mutex_lock(&cat->mu);
    int i = find_locked(cat, name);
    rt_table *t = i < 0 ? NULL : cat->tables[i];
    pthread_mutex_unlock(&cat->mu);
    return t;
}

/* Builds a table object (schema copied) in a fresh arena; NULL on out-of-memory. */
static rt_table *table_new(const char *name, uint32_t n_cols, char *const *col_names,
                           const qe_type *col_types) {
    rt_arena *arena = rt_arena_create(NULL);
    if (arena == NULL)
        return NULL;
    rt_table *t = rt_arena_calloc(arena, sizeof *t);
    if (t == NULL)
        goto fail;
    t->arena = arena;
    t->name = rt_arena_strdup(arena, name);
    t->n_cols = n_cols;
    t->col_names = rt_arena_calloc(arena, sizeof(char *) * (n_cols ? n_cols : 1));
    t->col_types = rt_arena_calloc(arena, sizeof(qe_type) * (n_cols ? n_cols : 1));
    t->stats = rt_arena_calloc(arena, sizeof(rt_col_stats) * (n_cols ? n_cols : 1));
    t->sorted_rows = rt_arena_calloc(arena, sizeof(uint64_t) * (n_cols ? n_cols : 1));
    if (t->name == NULL || t->col_names == NULL || t->col_types == NULL || t->stats == NULL ||
        t->sorted_rows == NULL)
        goto fail;
    for (uint32_t c = 0; c < n_cols; c++) {
        t->col_names[c] = rt_arena_strdup(arena, col_names[c]);
        if (t->col_names[c] == NULL)
            goto fail;
        t->col_types[c] = col_types[c];
    }
    return t;
fail:
    rt_arena_destroy(arena);
    return NULL;
}

qe_status rt_table_set_typmods(rt_table *t, const int32_t *typmods, rt_error *err) {
    if (typmods == NULL) {
        t->col_typmods = NULL;
        return QE_OK;
    }
    int32_t *copy = rt_arena_alloc(t->arena, sizeof *copy * (t->n_cols ? t->n_cols : 1));
    if (copy == NULL)
        return rt_error_nomem(err, NULL);
    for (uint32_t c = 0; c < t->n_cols; c++)
        copy[c] = typmods[c];
    t->col_typmods = copy;
    return QE_OK;
}

qe_status rt_catalog_create_table(rt_catalog *cat, const char *name, uint32_t n_cols,
                                  char *const *col_names, const qe_type *col_types, rt_table **out,
                                  rt_error *err) {
    rt_table *t = table_new(name, n_cols, col_names, col_types);
    if (t == NULL)
        return rt_error_nomem(err, NULL);
    pthread_mutex_lock(&cat->mu);
    qe_status st = QE_OK;
    if (find_locked(cat, name) >= 0) {
        st = rt_error_set(err, QE_BIND, "42P07", -1, "relation \"%s\" already exists", name);
    } else if (cat->n_tables == cat->cap) {
        uint32_t cap = cat->cap ? cat->cap * 2 : 8;
        rt_table **tables = realloc(cat->tables, sizeof(rt_table *) * cap);
        if (tables == NULL) {
            st = rt_error_nomem(err, NULL);
        } else {
            cat->tables = tables;
            cat->cap = cap;
        }
    }
    if (st == QE_OK) {
        cat->tables[cat->n_tables++] = t;
        cat->version++;
    }
    pthread_mutex_unlock(&cat->mu);
    if (st != QE_OK) {
        table_destroy(t);
        return st;
    }
    if (out != NULL)
        *out = t;
    return QE_OK;
}

qe_status rt_catalog_drop_table(rt_catalog *cat, const char *name, rt_error *err) {
    pthread_mutex_lock(&cat->mu);
    int i = find_locked(cat, name);
    rt_table *t = NULL;
    if (i >= 0) {
        t = cat->tables[i];
        memmove(&cat->tables[i], &cat->tables[i + 1],
                sizeof(rt_table *) * (cat->n_tables - (uint32_t)i - 1));
        cat->n_tables--;
        cat->version++;
    }
    pthread_mutex_unlock(&cat->mu);
    if (t == NULL)
        return rt_error_set(err, QE_BIND, "42P01", -1, "table \"%s\" does not exist", name);
    table_destroy(t);
    return QE_OK;
}

uint32_t rt_catalog_table_names(rt_catalog *cat, const char **names, uint32_t cap) {
    pthread_mutex_lock(&cat->mu);
    uint32_t n = cat->n_tables < cap ? cat->n_tables : cap;
    for (uint32_t i = 0; i < n; i++)
        names[i] = cat->tables[i]->name;
    pthread_mutex_unlock(&cat->mu);
    return n;
}

/* Appends a new empty chunk to t; NULL on out-of-memory.  Caller holds the mutex. */
static rt_batch *table_new_chunk(rt_table *t) {
    if (t->n_chunks == t->chunks_cap) {
        uint32_t cap = t->chunks_cap ? t->chunks_cap * 2 : 16;
        rt_batch **chunks = rt_arena_alloc(t->arena, sizeof(rt_batch *) * cap);
        rt_col_zone **zones = rt_arena_alloc(t->arena, sizeof(rt_col_zone *) * cap);
        if (chunks == NULL || zones == NULL)
            return NULL;
        if (t->n_chunks > 0) {
            memcpy(chunks, t->chunks, sizeof(rt_batch *) * t->n_chunks);
            memcpy(zones, t->chunk_zones, sizeof(rt_col_zone *) * t->n_chunks);
        }
        t->chunks = chunks; /* the old arrays stay valid for snapshots */
        t->chunk_zones = zones;
        t->chunks_cap = cap;
    }
    rt_batch *c = rt_batch_create(t->arena, t->n_cols, t->col_types, RT_VECTOR_SIZE);
    if (c == NULL)
        return NULL;
    t->chunk_zones[t->n_chunks] = NULL;
    t->chunks[t->n_chunks++] = c;
    return c;
}

/* Records the zone map of the last chunk once it is full (none on out-of-memory:
 * scans then read it).  Caller holds the mutex. */
static void zone_full_chunk(rt_table *t) {
    const rt_batch *c = t->chunks[t->n_chunks - 1];
    if (c->n_rows != c->capacity || t->n_cols == 0)
        return;
    rt_col_zone *z = rt_arena_alloc(t->arena, sizeof *z * t->n_cols);
    for (uint32_t col = 0; z != NULL && col < t->n_cols; col++)
        rt_chunk_zone(&c->cols[col], c->n_rows, &z[col]);
    t->chunk_zones[t->n_chunks - 1] = z;
}

/* Value r of an integer, DATE or TIMESTAMP vector as int64; false for other types. */
static bool sortable_value(const rt_vector *v, uint32_t r, int64_t *out) {
    switch (v->type) {
    case QE_TYPE_SMALLINT: *out = ((const int16_t *)v->values)[r]; return true;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: *out = ((const int32_t *)v->values)[r]; return true;
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP: *out = ((const int64_t *)v->values)[r]; return true;
    default: return false;
    }
}

/* Extends the sorted prefix of each column (rt_table.sorted_rows) over rows [from,
 * from + n) of chunk c (the table's last), the rows after t->n_rows; caller holds the
 * mutex.  A column whose prefix ended before keeps it: the prefix only ever grows at
 * the table's end.  The value it must not go below is the table's last row's. */
static void extend_sorted(rt_table *t, const rt_batch *c, uint32_t from, uint32_t n) {
    const rt_batch *pc = from > 0 || t->n_rows == 0 ? c : t->chunks[t->n_chunks - 2];
    uint32_t pr = from > 0 ? from - 1 : pc->n_rows - 1; /* (unused for an empty table) */
    for (uint32_t col = 0; col < t->n_cols; col++) {
        if (t->sorted_rows[col] != t->n_rows)
            continue;
        const rt_vector *v = &c->cols[col];
        int64_t last = INT64_MIN, x;
        if (t->n_rows > 0 && !sortable_value(&pc->cols[col], pr, &last))
            continue;
        uint32_t k = 0;
        for (; k < n; k++) {
            if (!rt_vector_is_valid(v, from + k) || !sortable_value(v, from + k, &x) || x < last)
                break;
            last = x;
        }
        t->sorted_rows[col] += k;
    }
}

/* Appends rows of b; caller holds the mutex.  On failure the table keeps the rows
 * of the chunks completed so far (n_rows stays exact). */
static qe_status append_locked(rt_table *t, const rt_batch *b, rt_error *err) {
    uint32_t n = rt_batch_active(b), done = 0;
    while (done < n) {
        rt_batch *c = t->n_chunks ? t->chunks[t->n_chunks - 1] : NULL;
        if (c == NULL || c->n_rows == c->capacity)
            c = table_new_chunk(t);
        if (c == NULL)
            return rt_error_nomem(err, NULL);
        uint32_t room = c->capacity - c->n_rows, take = n - done < room ? n - done : room;
        uint32_t before = c->n_rows;
        if (!rt_batch_append_rows(c, t->arena, b, b->sel, done, take)) {
            c->n_rows = before;
            return rt_error_nomem(err, NULL);
        }
        done += take;
        extend_sorted(t, c, before, take);
        t->n_rows += take;
        zone_full_chunk(t);
    }
    return QE_OK;
}

/* Empty statistics for t's columns (rt_free'd by the caller, stats_size(t) bytes); NULL
 * on out-of-memory.  Appenders summarize their rows into one outside the mutex (they
 * hash in parallel) and merge it into the table's under it. */
static size_t stats_size(const rt_table *t) {
    return sizeof(rt_col_stats) * (t->n_cols ? t->n_cols : 1);
}

static rt_col_stats *stats_new(const rt_table *t) {
    rt_col_stats *stats = rt_malloc(NULL, stats_size(t));
    if (stats != NULL)
        memset(stats, 0, stats_size(t));
    return stats;
}

qe_status rt_table_append(rt_catalog *cat, rt_table *t, const rt_batch *b, rt_error *err) {
    if (b->n_cols != t->n_cols)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "batch of %u columns appended to table \"%s\" of %u columns", b->n_cols,
                            t->name, t->n_cols);
    for (uint32_t c = 0; c < t->n_cols; c++)
        if (b->cols[c].type != t->col_types[c])
            return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                                "column %u of table \"%s\" has type %s, not %s", c, t->name,
                                rt_type_pg_name(t->col_types[c]), rt_type_pg_name(b->cols[c].type));
    rt_col_stats *stats = stats_new(t);
    if (stats == NULL)
        return rt_error_nomem(err, NULL);
    rt_stats_add_batch(stats, b);
    pthread_mutex_lock(&cat->mu);
    qe_status st = append_locked(t, b, err);
    if (st == QE_OK) /* a failed append's rows are left out (estimates only) */
        rt_stats_merge(t->stats, stats, t->n_cols);
    pthread_mutex_unlock(&cat->mu);
    rt_free(NULL, stats, stats_size(t));
    return st;
}

qe_status rt_table_append_all(rt_catalog *cat, rt_table *t, rt_batch *const *batches, uint32_t n,
                              rt_error *err) {
    for (uint32_t i = 0; i < n; i++)
        if (batches[i]->n_cols != t->n_cols)
            return rt_table_append(cat, t, batches[i], err); /* reports the mismatch */
    rt_col_stats *stats = stats_new(t);
    if (stats == NULL)
        return rt_error_nomem(err, NULL);
    for (uint32_t i = 0; i < n; i++)
        rt_stats_add_batch(stats, batches[i]);
    pthread_mutex_lock(&cat->mu);
    uint32_t n_chunks = t->n_chunks;
    uint32_t last_rows = n_chunks ? t->chunks[n_chunks - 1]->n_rows : 0;
    uint64_t n_rows = t->n_rows;
    qe_status st = QE_OK;
    for (uint32_t i = 0; st == QE_OK && i < n; i++)
        st = append_locked(t, batches[i], err);
    if (st != QE_OK) { /* roll back: scans never saw the rows (the mutex was held) */
        for (uint32_t c = 0; c < t->n_cols; c++) /* the prefix over the rows kept */
            if (t->sorted_rows[c] > n_rows)
                t->sorted_rows[c] = n_rows;
        t->n_chunks = n_chunks;
        if (n_chunks) {
            t->chunks[n_chunks - 1]->n_rows = last_rows;
            if (last_rows < t->chunks[n_chunks - 1]->capacity)
                t->chunk_zones[n_chunks - 1] = NULL; /* it filled meanwhile */
        }
        t->n_rows = n_rows;
    } else {
        rt_stats_merge(t->stats, stats, t->n_cols);
    }
    pthread_mutex_unlock(&cat->mu);
    rt_free(NULL, stats, stats_size(t));
    return st;
}

bool rt_table_column_stats(rt_catalog *cat, rt_table *t, uint32_t col, rt_column_summary *out) {
    if (col >= t->n_cols)
        return false;
    pthread_mutex_lock(&cat->mu);
    const rt_col_stats *s = &t->stats[col];
    out->n_rows = t->n_rows;
    out->ndv = rt_hll_estimate(s->hll);
    out->n_nulls = s->n_nulls;
    out->has_range = s->has_range;
    out->min = s->min;
    out->max = s->max;
    pthread_mutex_unlock(&cat->mu);
    if (out->ndv > (double)(out->n_rows - out->n_nulls))
        out->ndv = (double)(out->n_rows - out->n_nulls);
    return true;
}

qe_status rt_table_snapshot(rt_catalog *cat, rt_table *t, rt_arena *arena, rt_table_snap *out,
                            rt_error *err) {
    pthread_mutex_lock(&cat->mu);
    uint32_t n = t->n_chunks;
    out->n_chunks = n;
    out->chunks = rt_arena_alloc(arena, sizeof(rt_batch) * (n ? n : 1));
    out->chunk_zones = rt_arena_alloc(arena, sizeof(rt_col_zone *) * (n ? n : 1));
    out->n_zones = t->n_zones;
    out->zones = t->zones;
    out->sorted = rt_arena_alloc(arena, t->n_cols ? t->n_cols : 1);
    bool ok = out->chunks != NULL && out->chunk_zones != NULL && out->sorted != NULL;
    for (uint32_t c = 0; ok && c < t->n_cols; c++)
        out->sorted[c] = t->sorted_rows[c] == t->n_rows;
    for (uint32_t i = 0; ok && i < n; i++) {
        out->chunks[i] = *t->chunks[i];
        out->chunk_zones[i] = t->chunk_zones[i];
    }
    if (ok && n > 0 && t->n_cols > 0) {
        /* Only the last chunk can still change: copy its vector headers too. */
        rt_batch *last = &out->chunks[n - 1];
        rt_vector *cols = rt_arena_alloc(arena, sizeof(rt_vector) * t->n_cols);
        ok = cols != NULL;
        if (ok) {
            memcpy(cols, last->cols, sizeof(rt_vector) * t->n_cols);
            last->cols = cols;
        }
    }
    pthread_mutex_unlock(&cat->mu);
    return ok ? QE_OK : rt_error_nomem(err, NULL);
}

/* ---- views -------------------------------------------------------------------------- */

/* Frees a malloc'd view (NULL is fine). */
static void rt_view_free(rt_view *v) {
    if (v == NULL)
        return;
    for (uint32_t i = 0; i < v->n_names; i++)
        free(v->names[i]);
    free(v->names);
    free(v->name);
    free(v->sql);
    free(v);
}

/* A malloc'd copy of the view's definition; NULL on out-of-memory. */
static rt_view *view_new(const char *name, const char *sql, uint32_t n_names, char *const *names) {
    rt_view *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    v->name = strdup(name);
    v->sql = strdup(sql);
    v->names = calloc(n_names ? n_names : 1, sizeof *v->names);
    bool ok = v->name && v->sql && v->names;
    for (uint32_t i = 0; ok && i < n_names; i++, v->n_names++)
        ok = (v->names[i] = strdup(names[i])) != NULL;
    if (!ok) {
        rt_view_free(v);
        return NULL;
    }
    return v;
}

/* Index of the view called name, or -1.  Caller holds the mutex. */
static int find_view_locked(const rt_catalog *cat, const char *name) {
    for (uint32_t i = 0; i < cat->n_views; i++)
        if (strcmp(cat->views[i]->name, name) == 0)
            return (int)i;
    return -1;
}

qe_status rt_catalog_create_view(rt_catalog *cat, const char *name, const char *sql,
                                 uint32_t n_names, char *const *names, bool replace,
                                 rt_error *err) {
    rt_view *v = view_new(name, sql, n_names, names);
    if (v == NULL)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    pthread_mutex_lock(&cat->mu);
    int i = find_view_locked(cat, name);
    qe_status st = QE_OK;
    if (find_locked(cat, name) >= 0 || (i >= 0 && !replace)) {
        st = rt_error_set(err, QE_BIND, "42P07", -1, "relation \"%s\" already exists", name);
    } else if (i >= 0) {
        rt_view_free(cat->views[i]);
        cat->views[i] = v;
        v = NULL;
    } else if (cat->n_views == cat->views_cap) {
        uint32_t cap = cat->views_cap ? cat->views_cap * 2 : 8;
        rt_view **views = realloc(cat->views, cap * sizeof *views);
        if (views == NULL) {
            st = rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
        } else {
            cat->views = views;
            cat->views_cap = cap;
        }
    }
    if (st == QE_OK && v != NULL) {
        cat->views[cat->n_views++] = v;
        v = NULL;
    }
    if (st == QE_OK)
        cat->version++;
    pthread_mutex_unlock(&cat->mu);
    rt_view_free(v);
    return st;
}

/* A copy of v in arena; NULL on out-of-memory. */
static rt_view *view_copy(const rt_view *v, rt_arena *arena) {
    rt_view *copy = rt_arena_calloc(arena, sizeof *copy);
    char **names = rt_arena_calloc(arena, (v->n_names ? v->n_names : 1) * sizeof *names);
    bool ok = copy && names && (copy->name = rt_arena_strdup(arena, v->name)) &&
              (copy->sql = rt_arena_strdup(arena, v->sql));
    for (uint32_t k = 0; ok && k < v->n_names; k++)
        ok = (names[k] = rt_arena_strdup(arena, v->names[k])) != NULL;
    if (!ok)
        return NULL;
    copy->names = names;
    copy->n_names = v->n_names;
    return copy;
}

rt_view *rt_catalog_find_view(rt_catalog *cat, const char *name, rt_arena *arena) {
    pthread_mutex_lock(&cat->mu);
    int i = find_view_locked(cat, name);
    rt_view *copy = i >= 0 ? view_copy(cat->views[i], arena) : NULL;
    pthread_mutex_unlock(&cat->mu);
    return copy;
}

rt_view **rt_catalog_views(rt_catalog *cat, rt_arena *arena, uint32_t *n) {
    pthread_mutex_lock(&cat->mu);
    uint32_t count = cat->n_views;
    rt_view **out = rt_arena_calloc(arena, sizeof *out * (count ? count : 1));
    for (uint32_t i = 0; out && i < count; i++)
        if ((out[i] = view_copy(cat->views[i], arena)) == NULL)
            out = NULL;
    pthread_mutex_unlock(&cat->mu);
    *n = out ? count : 0;
    return out;
}

uint64_t rt_catalog_version(rt_catalog *cat) {
    pthread_mutex_lock(&cat->mu);
    uint64_t v = cat->version;
    pthread_mutex_unlock(&cat->mu);
    return v;
}

/* ---- zone maps and storage state ----------------------------------------------------- */

void rt_table_zones(rt_catalog *cat, rt_table *t, uint32_t *n_zones, const rt_zone **zones) {
    pthread_mutex_lock(&cat->mu);
    *n_zones = t->n_zones;
    *zones = t->zones;
    pthread_mutex_unlock(&cat->mu);
}

uint64_t rt_table_rows(rt_catalog *cat, rt_table *t) {
    pthread_mutex_lock(&cat->mu);
    uint64_t n = t->n_rows;
    pthread_mutex_unlock(&cat->mu);
    return n;
}

void *rt_table_alloc(rt_catalog *cat, rt_table *t, size_t n) {
    pthread_mutex_lock(&cat->mu);
    void *p = rt_arena_calloc(t->arena, n);
    pthread_mutex_unlock(&cat->mu);
    return p;
}

/* Makes room for one more zone; false on out-of-memory.  Caller holds the mutex. */
static bool zones_grow_locked(rt_table *t) {
    if (t->n_zones < t->zones_cap)
        return true;
    uint32_t cap = t->zones_cap ? t->zones_cap * 2 : 8;
    rt_zone *zones = rt_arena_alloc(t->arena, sizeof *zones * cap);
    if (zones == NULL)
        return false;
    if (t->n_zones > 0)
        memcpy(zones, t->zones, sizeof *zones * t->n_zones);
    t->zones = zones; /* the old array stays valid for readers */
    t->zones_cap = cap;
    return true;
}

qe_status rt_table_add_zones(rt_catalog *cat, rt_table *t, const rt_zone *zones, uint32_t n,
                             rt_error *err) {
    pthread_mutex_lock(&cat->mu);
    bool ok = true;
    for (uint32_t z = 0; ok && z < n; z++) {
        rt_col_zone *cols = rt_arena_alloc(t->arena, sizeof *cols * (t->n_cols ? t->n_cols : 1));
        ok = cols != NULL && zones_grow_locked(t);
        if (!ok)
            break;
        memcpy(cols, zones[z].cols, sizeof *cols * t->n_cols);
        t->zones[t->n_zones] = zones[z];
        t->zones[t->n_zones].cols = cols;
        t->n_zones++;
    }
    pthread_mutex_unlock(&cat->mu);
    return ok ? QE_OK : rt_error_nomem(err, NULL);
}

qe_status rt_catalog_drop_view(rt_catalog *cat, const char *name, rt_error *err) {
    pthread_mutex_lock(&cat->mu);
    int i = find_view_locked(cat, name);
    if (i >= 0) {
        rt_view_free(cat->views[i]);
        memmove(&cat->views[i], &cat->views[i + 1],
                sizeof(rt_view *) * (cat->n_views - (uint32_t)i - 1));
        cat->n_views--;
        cat->version++;
    }
    pthread_mutex_unlock(&cat->mu);
    if (i < 0)
        return rt_error_set(err, QE_BIND, "42P01", -1, "view \"%s\" does not exist", name);
    return QE_OK;
}
