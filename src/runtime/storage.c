/*
 * storage.c -- persistent databases: a directory with a manifest and segment files.
 *
 * The manifest (MANIFEST) lists every table (schema, typmods, its segment files in
 * row order) and view; a segment file (seg-<16 hex id>.qes) holds the rows one commit
 * appended to one table, as row groups of column chunks (storage_enc.c).  Files are
 * never changed once written.  A commit writes the new segments, fsyncs them and the
 * directory, writes MANIFEST.tmp, fsyncs it, renames it over MANIFEST and fsyncs the
 * directory again: the rename is the commit point, so a crash anywhere leaves either
 * the old or the new manifest, and each references only complete, synced files.  Files
 * no manifest references (a crashed commit's, a dropped table's) are removed at open
 * and after each commit.  Tables are loaded eagerly at open into the in-memory catalog,
 * with the zone map of every row group (rt_table.zones).  The byte layout is in
 * README.md, "Storage".
 */
#include "storage_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define MANIFEST_MAGIC "QEMF"
#define SEGMENT_MAGIC "QESG"
#define ROW_GROUP_MAGIC "QERG"
#define SEGMENT_END_MAGIC "QEND"
#define FORMAT_VERSION 1
#define SEGMENT_HEADER_SIZE 32
#define SEGMENT_TRAILER_SIZE 16

/* One segment file of a table. */
typedef struct st_seg {
    uint64_t id;     /* file seg-<id>.qes */
    uint64_t n_rows; /* rows it holds */
    uint64_t size;   /* bytes of the file */
} st_seg;

/* The persisted state of one table (in the table's arena, changed only by commits). */
struct rt_table_store {
    uint64_t rows;     /* rows in the segments below */
    uint32_t n_segs;   /* segments in row order */
    uint32_t segs_cap; /* capacity of segs[] */
    st_seg *segs;      /* in the table's arena */
};

struct rt_storage {
    char *dir;               /* the directory's path (malloc'd) */
    int dir_fd;              /* open directory, for *at() calls and fsync */
    int lock_fd;             /* LOCK, flock'ed exclusively while open */
    rt_catalog *cat;         /* the catalog this directory persists */
    pthread_mutex_t mu;      /* serializes commits */
    uint64_t next_id;        /* next segment file id */
    uint64_t version;        /* catalog version the manifest on disk reflects */
    bool have_manifest;      /* a manifest exists on disk */
    uint64_t *live;          /* ids of the segments the manifest on disk references */
    uint32_t n_live;         /* entries of live[] */
    uint32_t debug_sleep_us; /* QE_STORAGE_DEBUG_SLEEP_US: pause between write steps */
};

/* ---- errors and small helpers ------------------------------------------------------ */

static qe_status io_error(rt_error *err, const char *verb, const rt_storage *st, const char *name) {
    int e = errno;
    rt_error_set(err, QE_INTERNAL, "58030", -1, "could not %s file \"%s/%s\": %s", verb, st->dir,
                 name, strerror(e));
    return QE_INTERNAL;
}

static qe_status corrupt(rt_error *err, const rt_storage *st, const char *name, const char *what) {
    rt_error_set(err, QE_INTERNAL, "XX001", -1, "could not read file \"%s/%s\": %s", st->dir, name,
                 what);
    rt_error_detail(err, "The database file is corrupt or truncated.");
    return QE_INTERNAL;
}

static void seg_name(char *buf, size_t cap, uint64_t id) {
    snprintf(buf, cap, "seg-%016llx.qes", (unsigned long long)id);
}

/* The test hook: crash tests kill the process between these steps. */
static void pause_step(const rt_storage *st) {
    if (st->debug_sleep_us)
        usleep(st->debug_sleep_us);
}

/* Writes all of p to fd; false with errno on failure. */
static bool write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

static qe_status sync_dir(rt_storage *st, rt_error *err) {
    if (fsync(st->dir_fd) != 0)
        return io_error(err, "fsync", st, ".");
    return QE_OK;
}

/* ---- writing segments -------------------------------------------------------------- */

/* Where each snapshot chunk starts in the table's row order. */
typedef struct row_map {
    const rt_table_snap *snap;
    uint64_t *start; /* n_chunks + 1 row offsets */
} row_map;

/* Scratch buffers for gathering one row group's column. */
typedef struct gather {
    uint8_t *values;    /* rows * 16 bytes */
    uint8_t *validity;  /* bitmap */
    const char **s_ptr; /* rows */
    uint32_t *s_len;    /* rows */
    uint32_t cap;       /* rows the buffers hold */
} gather;

static bool gather_init(gather *g, uint32_t cap) {
    g->cap = cap;
    g->values = rt_malloc(NULL, (size_t)cap * 16);
    g->validity = rt_malloc(NULL, rt_bitmap_bytes(cap));
    g->s_ptr = rt_malloc(NULL, sizeof *g->s_ptr * cap);
    g->s_len = rt_malloc(NULL, sizeof *g->s_len * cap);
    return g->values && g->validity && g->s_ptr && g->s_len;
}

static void gather_free(gather *g) {
    rt_free(NULL, g->values, (size_t)g->cap * 16);
    rt_free(NULL, g->validity, rt_bitmap_bytes(g->cap));
    rt_free(NULL, g->s_ptr, sizeof *g->s_ptr * g->cap);
    rt_free(NULL, g->s_len, sizeof *g->s_len * g->cap);
}

/* Gathers column c of rows [from, from + n) into g and describes it in *col. */
static void gather_column(gather *g, const row_map *m, uint32_t c, qe_type type, uint64_t from,
                          uint32_t n, st_column *col) {
    uint32_t w = rt_type_width(type), k = 0;
    bool any_null = false;
    memset(g->validity, 0xff, rt_bitmap_bytes(n));
    while (m->start[k + 1] <= from)
        k++;
    for (uint32_t done = 0; done < n; k++) {
        const rt_vector *v = &m->snap->chunks[k].cols[c];
        uint32_t at = (uint32_t)(from + done - m->start[k]);
        uint32_t take = (uint32_t)(m->start[k + 1] - m->start[k]) - at;
        take = take < n - done ? take : n - done;
        memcpy(g->values + (size_t)done * w, (const uint8_t *)v->values + (size_t)at * w,
               (size_t)take * w);
        for (uint32_t i = 0; i < take; i++) {
            if (!rt_vector_is_valid(v, at + i)) {
                rt_bit_clear(g->validity, done + i);
                any_null = true;
                g->s_ptr[done + i] = "";
                g->s_len[done + i] = 0;
            } else if (type == QE_TYPE_VARCHAR) {
                const rt_string *s = (const rt_string *)v->values + at + i;
                g->s_ptr[done + i] = rt_string_ptr(v, s);
                g->s_len[done + i] = s->len;
            }
        }
        done += take;
    }
    *col = (st_column){type, n, g->values, any_null ? g->validity : NULL, g->s_ptr, g->s_len};
}

/* Encodes rows [from, from + n) of the table as one row group into buf; fills zone. */
static bool encode_row_group(st_buf *buf, gather *g, const row_map *m, const rt_table *t,
                             uint64_t from, uint32_t n, rt_zone *zone) {
    st_buf_put(buf, ROW_GROUP_MAGIC, 4);
    st_buf_u32(buf, n);
    zone->n_rows = n;
    for (uint32_t c = 0; c < t->n_cols; c++) {
        st_column col;
        gather_column(g, m, c, t->col_types[c], from, n, &col);
        if (!st_chunk_encode(buf, &col, -1, &zone->cols[c]))
            return false;
    }
    return !buf->oom;
}

/* A written segment and the zone maps of its row groups. */
typedef struct new_seg {
    st_seg seg;       /* the file */
    uint32_t n_zones; /* its row groups */
    rt_zone *zones;   /* in the commit's arena */
} new_seg;

/* Appends a segment file's 32-byte header. */
static void put_segment_header(st_buf *buf, uint32_t n_cols, uint32_t n_groups, uint64_t n_rows) {
    uint8_t h[SEGMENT_HEADER_SIZE];
    memcpy(h, SEGMENT_MAGIC, 4);
    uint32_t u[3] = {FORMAT_VERSION, n_cols, n_groups};
    memcpy(h + 4, u, sizeof u);
    memcpy(h + 16, &n_rows, 8);
    uint64_t sum = XXH64(h, 24, 0);
    memcpy(h + 24, &sum, 8);
    st_buf_put(buf, h, sizeof h);
}

/* Writes rows [from, to) of t (from the snapshot) as segment file out->seg.id and
 * fsyncs it. */
static qe_status write_segment(rt_storage *st, const rt_table *t, const row_map *m, uint64_t from,
                               uint64_t to, rt_arena *arena, new_seg *out, rt_error *err) {
    char name[64];
    seg_name(name, sizeof name, out->seg.id);
    uint64_t n_rows = to - from;
    uint32_t n_groups = (uint32_t)((n_rows + ST_ROW_GROUP_ROWS - 1) / ST_ROW_GROUP_ROWS);
    out->zones = rt_arena_calloc(arena, sizeof *out->zones * n_groups);
    if (out->zones == NULL)
        return rt_error_nomem(err, NULL);
    int fd = openat(st->dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return io_error(err, "create", st, name);
    st_buf buf = {0};
    gather g;
    bool ok = gather_init(&g, n_rows < ST_ROW_GROUP_ROWS ? (uint32_t)n_rows : ST_ROW_GROUP_ROWS);
    qe_status rc = ok ? QE_OK : rt_error_nomem(err, NULL);
    put_segment_header(&buf, t->n_cols, n_groups, n_rows);
    for (uint32_t r = 0; rc == QE_OK && r < n_groups; r++) {
        rt_zone *z = &out->zones[r];
        uint64_t at = from + (uint64_t)r * ST_ROW_GROUP_ROWS;
        uint32_t n = (uint32_t)(to - at < ST_ROW_GROUP_ROWS ? to - at : ST_ROW_GROUP_ROWS);
        z->first_row = at;
        z->cols = rt_arena_calloc(arena, sizeof *z->cols * (t->n_cols ? t->n_cols : 1));
        if (z->cols == NULL || !encode_row_group(&buf, &g, m, t, at, n, z))
            rc = rt_error_nomem(err, NULL);
        else if (!write_all(fd, buf.data, buf.len))
            rc = io_error(err, "write", st, name);
        out->seg.size += buf.len;
        buf.len = 0;
        pause_step(st);
    }
    if (rc == QE_OK) {
        uint8_t tr[SEGMENT_TRAILER_SIZE];
        memcpy(tr, SEGMENT_END_MAGIC, 4);
        memcpy(tr + 4, &n_groups, 4);
        memcpy(tr + 8, &n_rows, 8);
        out->seg.size += sizeof tr;
        if (!write_all(fd, tr, sizeof tr))
            rc = io_error(err, "write", st, name);
        else if (fsync(fd) != 0)
            rc = io_error(err, "fsync", st, name);
    }
    gather_free(&g);
    st_buf_free(&buf);
    close(fd);
    out->seg.n_rows = n_rows;
    out->n_zones = n_groups;
    return rc;
}

/* ---- the manifest ------------------------------------------------------------------ */

static void put_str(st_buf *b, const char *s) {
    uint32_t n = (uint32_t)strlen(s);
    st_buf_u32(b, n);
    st_buf_put(b, s, n);
}

/* Appends table t's entry (its segments plus the new one, if any). */
static void put_table(st_buf *b, const rt_table *t, const new_seg *add) {
    put_str(b, t->name);
    st_buf_u32(b, t->n_cols);
    st_buf_u8(b, t->col_typmods != NULL);
    for (uint32_t c = 0; c < t->n_cols; c++) {
        put_str(b, t->col_names[c]);
        st_buf_u8(b, (uint8_t)t->col_types[c]);
        st_buf_u32(b, t->col_typmods ? (uint32_t)t->col_typmods[c] : 0);
    }
    const struct rt_table_store *s = t->store;
    uint32_t n_segs = (s ? s->n_segs : 0) + (add ? 1 : 0);
    st_buf_u32(b, n_segs);
    for (uint32_t k = 0; k < n_segs; k++) {
        const st_seg *g = s && k < s->n_segs ? &s->segs[k] : &add->seg;
        st_buf_u64(b, g->id);
        st_buf_u64(b, g->n_rows);
        st_buf_u64(b, g->size);
    }
}

static void put_view(st_buf *b, const rt_view *v) {
    put_str(b, v->name);
    put_str(b, v->sql);
    st_buf_u32(b, v->n_names);
    for (uint32_t i = 0; i < v->n_names; i++)
        put_str(b, v->names[i]);
}

/* Writes buf as MANIFEST.tmp, fsyncs it, renames it over MANIFEST, fsyncs the dir. */
static qe_status install_manifest(rt_storage *st, const st_buf *b, rt_error *err) {
    int fd = openat(st->dir_fd, "MANIFEST.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return io_error(err, "create", st, "MANIFEST.tmp");
    bool ok = write_all(fd, b->data, b->len);
    qe_status rc = ok ? QE_OK : io_error(err, "write", st, "MANIFEST.tmp");
    pause_step(st);
    if (rc == QE_OK && fsync(fd) != 0)
        rc = io_error(err, "fsync", st, "MANIFEST.tmp");
    close(fd);
    pause_step(st);
    if (rc == QE_OK && renameat(st->dir_fd, "MANIFEST.tmp", st->dir_fd, "MANIFEST") != 0)
        rc = io_error(err, "rename", st, "MANIFEST.tmp");
    pause_step(st);
    if (rc == QE_OK)
        rc = sync_dir(st, err);
    return rc;
}

/* ---- commit ------------------------------------------------------------------------ */

/* The tables of the catalog now (borrowed; the caller's DDL lock keeps them). */
static rt_table **list_tables(rt_catalog *cat, rt_arena *arena, uint32_t *n) {
    for (uint32_t cap = 64;; cap *= 4) {
        const char **names = rt_arena_alloc(arena, sizeof *names * cap);
        rt_table **tables = rt_arena_alloc(arena, sizeof *tables * cap);
        if (names == NULL || tables == NULL)
            return NULL;
        *n = rt_catalog_table_names(cat, names, cap);
        if (*n == cap)
            continue;
        for (uint32_t i = 0; i < *n; i++)
            tables[i] = rt_catalog_find(cat, names[i]);
        return tables;
    }
}

/* Writes the rows of t not persisted yet as a new segment; *wrote says if it did. */
static qe_status persist_rows(rt_storage *st, rt_table *t, rt_arena *arena, new_seg *out,
                              bool *wrote, rt_error *err) {
    *wrote = false;
    uint64_t done = t->store ? t->store->rows : 0;
    if (rt_table_rows(st->cat, t) <= done)
        return QE_OK;
    rt_table_snap snap;
    qe_status rc = rt_table_snapshot(st->cat, t, arena, &snap, err);
    if (rc != QE_OK)
        return rc;
    row_map m = {&snap, rt_arena_alloc(arena, sizeof(uint64_t) * (snap.n_chunks + 1))};
    if (m.start == NULL)
        return rt_error_nomem(err, NULL);
    m.start[0] = 0;
    for (uint32_t k = 0; k < snap.n_chunks; k++)
        m.start[k + 1] = m.start[k] + snap.chunks[k].n_rows;
    uint64_t total = m.start[snap.n_chunks];
    if (total <= done)
        return QE_OK;
    memset(out, 0, sizeof *out);
    out->seg.id = st->next_id++;
    *wrote = true;
    return write_segment(st, t, &m, done, total, arena, out, err);
}

/* Records a persisted segment in the table's store. */
static qe_status record_segment(rt_storage *st, rt_table *t, const st_seg *seg, rt_error *err) {
    struct rt_table_store *s = t->store;
    if (s == NULL && (s = t->store = rt_table_alloc(st->cat, t, sizeof *s)) == NULL)
        return rt_error_nomem(err, NULL);
    if (s->n_segs == s->segs_cap) {
        uint32_t cap = s->segs_cap ? s->segs_cap * 2 : 4;
        st_seg *segs = rt_table_alloc(st->cat, t, sizeof *segs * cap);
        if (segs == NULL)
            return rt_error_nomem(err, NULL);
        if (s->n_segs)
            memcpy(segs, s->segs, sizeof *segs * s->n_segs);
        s->segs = segs;
        s->segs_cap = cap;
    }
    s->segs[s->n_segs++] = *seg;
    s->rows += seg->n_rows;
    return QE_OK;
}

/* Records a committed segment and its zone maps in the table. */
static qe_status apply_segment(rt_storage *st, rt_table *t, const new_seg *ns, rt_error *err) {
    qe_status rc = record_segment(st, t, &ns->seg, err);
    return rc != QE_OK ? rc : rt_table_add_zones(st->cat, t, ns->zones, ns->n_zones, err);
}

static bool id_in(const uint64_t *ids, uint32_t n, uint64_t id) {
    for (uint32_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* After a commit: the manifest's segment ids become live; files of segments no longer
 * referenced are removed (a failure only leaves garbage that open removes). */
static void retire_segments(rt_storage *st, uint64_t *live, uint32_t n_live) {
    for (uint32_t i = 0; i < st->n_live; i++)
        if (!id_in(live, n_live, st->live[i])) {
            char name[64];
            seg_name(name, sizeof name, st->live[i]);
            unlinkat(st->dir_fd, name, 0);
        }
    free(st->live);
    st->live = live;
    st->n_live = n_live;
}

/* The manifest for the tables (with their new segments) and the catalog's views, and
 * the list of segment ids it references (malloc'd). */
static qe_status build_manifest(rt_storage *st, rt_arena *arena, rt_table **tables, uint32_t n,
                                const new_seg *added, const bool *has, st_buf *b, uint64_t **live,
                                uint32_t *n_live, rt_error *err) {
    uint32_t n_views = 0;
    rt_view **views = rt_catalog_views(st->cat, arena, &n_views);
    if (views == NULL)
        return rt_error_nomem(err, NULL);
    st_buf_put(b, MANIFEST_MAGIC, 4);
    st_buf_u32(b, FORMAT_VERSION);
    st_buf_u64(b, st->next_id);
    st_buf_u32(b, n);
    st_buf_u32(b, n_views);
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++)
        count += (tables[i]->store ? tables[i]->store->n_segs : 0) + has[i];
    *live = malloc(sizeof **live * (count ? count : 1));
    if (*live == NULL)
        return rt_error_nomem(err, NULL);
    *n_live = 0;
    for (uint32_t i = 0; i < n; i++) {
        put_table(b, tables[i], has[i] ? &added[i] : NULL);
        for (uint32_t k = 0; tables[i]->store && k < tables[i]->store->n_segs; k++)
            (*live)[(*n_live)++] = tables[i]->store->segs[k].id;
        if (has[i])
            (*live)[(*n_live)++] = added[i].seg.id;
    }
    for (uint32_t i = 0; i < n_views; i++)
        put_view(b, views[i]);
    uint64_t sum = XXH64(b->data, b->len, 0);
    st_buf_u64(b, sum);
    return b->oom ? rt_error_nomem(err, NULL) : QE_OK;
}

/* Writes segments and the manifest; on success the tables learn their new segments. */
static qe_status commit_locked(rt_storage *st, rt_arena *arena, rt_error *err) {
    uint64_t version = rt_catalog_version(st->cat);
    uint32_t n = 0;
    rt_table **tables = list_tables(st->cat, arena, &n);
    new_seg *added = rt_arena_calloc(arena, sizeof *added * (n ? n : 1));
    bool *has = rt_arena_calloc(arena, sizeof *has * (n ? n : 1)), any = false;
    if (tables == NULL || added == NULL || has == NULL)
        return rt_error_nomem(err, NULL);
    qe_status rc = QE_OK;
    for (uint32_t i = 0; rc == QE_OK && i < n; i++) {
        rc = persist_rows(st, tables[i], arena, &added[i], &has[i], err);
        any |= has[i];
    }
    if (rc != QE_OK || (!any && st->have_manifest && version == st->version))
        return rc;
    if (any && (rc = sync_dir(st, err)) != QE_OK)
        return rc;
    st_buf b = {0};
    uint64_t *live = NULL;
    uint32_t n_live = 0;
    rc = build_manifest(st, arena, tables, n, added, has, &b, &live, &n_live, err);
    if (rc == QE_OK)
        rc = install_manifest(st, &b, err);
    st_buf_free(&b);
    if (rc != QE_OK) {
        free(live);
        return rc;
    }
    st->have_manifest = true;
    st->version = version;
    for (uint32_t i = 0; i < n; i++)
        if (has[i] && (rc = apply_segment(st, tables[i], &added[i], err)) != QE_OK)
            break;
    retire_segments(st, live, n_live);
    return rc;
}

qe_status rt_storage_commit(rt_storage *st, rt_error *err) {
    if (st == NULL)
        return QE_OK;
    rt_arena *arena = rt_arena_create(NULL);
    if (arena == NULL)
        return rt_error_nomem(err, NULL);
    pthread_mutex_lock(&st->mu);
    qe_status rc = commit_locked(st, arena, err);
    pthread_mutex_unlock(&st->mu);
    rt_arena_destroy(arena);
    return rc;
}

/* ---- reading ----------------------------------------------------------------------- */

/* A bounds-checked reader over a file's bytes. */
typedef struct mreader {
    const uint8_t *p; /* the bytes */
    size_t len;       /* their count */
    size_t pos;       /* next byte */
    bool bad;         /* a read went past the end or a value was invalid */
} mreader;

static const uint8_t *m_take(mreader *r, size_t n) {
    if (r->bad || n > r->len - r->pos) {
        r->bad = true;
        return NULL;
    }
    r->pos += n;
    return r->p + r->pos - n;
}

static uint32_t m_u32(mreader *r) {
    const uint8_t *p = m_take(r, 4);
    return p ? st_get_u32(p) : 0;
}

static uint64_t m_u64(mreader *r) {
    const uint8_t *p = m_take(r, 8);
    return p ? st_get_u64(p) : 0;
}

static uint8_t m_u8(mreader *r) {
    const uint8_t *p = m_take(r, 1);
    return p ? *p : 0;
}

/* A NUL-terminated copy of the next string in arena (non-empty unless allow_empty). */
static char *m_str(mreader *r, rt_arena *arena, bool allow_empty) {
    uint32_t n = m_u32(r);
    const uint8_t *p = m_take(r, n);
    if (p == NULL || (n == 0 && !allow_empty) || memchr(p, 0, n) != NULL) {
        r->bad = true;
        return NULL;
    }
    char *s = rt_arena_strndup(arena, (const char *)p, n);
    r->bad |= s == NULL;
    return s;
}

/* Maps file `name` read-only after checking its size is `size`; *map = NULL for an
 * empty file. */
static qe_status map_file(rt_storage *st, const char *name, uint64_t size, void **map,
                          rt_error *err) {
    *map = NULL;
    int fd = openat(st->dir_fd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? corrupt(err, st, name, "the file is missing")
                               : io_error(err, "open", st, name);
    struct stat sb;
    qe_status rc = QE_OK;
    if (fstat(fd, &sb) != 0)
        rc = io_error(err, "stat", st, name);
    else if ((uint64_t)sb.st_size != size)
        rc = corrupt(err, st, name, "the file has the wrong size");
    else if (size > 0 && (*map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
        *map = NULL;
        rc = io_error(err, "map", st, name);
    }
    close(fd);
    return rc;
}

/* Decodes one row group at r into a batch and appends it to t; *zone gets its map. */
static qe_status load_row_group(rt_storage *st, rt_table *t, const char *name, mreader *r,
                                rt_arena *tmp, rt_zone *zone, rt_error *err) {
    const uint8_t *magic = m_take(r, 4);
    uint32_t n = m_u32(r);
    if (r->bad || memcmp(magic, ROW_GROUP_MAGIC, 4) != 0 || n == 0 || n > ST_ROW_GROUP_ROWS)
        return corrupt(err, st, name, "invalid row group header");
    rt_batch *b = rt_batch_create(tmp, t->n_cols, t->col_types, n);
    zone->n_rows = n;
    zone->cols = rt_arena_calloc(tmp, sizeof *zone->cols * (t->n_cols ? t->n_cols : 1));
    if (b == NULL || zone->cols == NULL)
        return rt_error_nomem(err, NULL);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", st->dir, name);
    for (uint32_t c = 0; c < t->n_cols; c++) {
        size_t used = 0;
        qe_status rc = st_chunk_decode(r->p + r->pos, r->len - r->pos, t->col_types[c], n,
                                       &b->cols[c], tmp, &zone->cols[c], &used, path, err);
        if (rc != QE_OK)
            return rc;
        r->pos += used;
    }
    b->n_rows = n;
    return rt_table_append(st->cat, t, b, err);
}

/* Loads segment seg of table t (rows appended, zone maps recorded). */
static qe_status load_segment(rt_storage *st, rt_table *t, const st_seg *seg, rt_error *err) {
    char name[64];
    seg_name(name, sizeof name, seg->id);
    void *map = NULL;
    qe_status rc = map_file(st, name, seg->size, &map, err);
    if (rc != QE_OK)
        return rc;
    mreader r = {map, seg->size, 0, false};
    const uint8_t *h = m_take(&r, SEGMENT_HEADER_SIZE);
    if (h == NULL || memcmp(h, SEGMENT_MAGIC, 4) != 0 || XXH64(h, 24, 0) != st_get_u64(h + 24) ||
        st_get_u32(h + 4) != FORMAT_VERSION || st_get_u32(h + 8) != t->n_cols ||
        st_get_u64(h + 16) != seg->n_rows || seg->size < SEGMENT_HEADER_SIZE + SEGMENT_TRAILER_SIZE)
        rc = corrupt(err, st, name, "invalid segment header");
    uint32_t n_groups = h ? st_get_u32(h + 12) : 0;
    r.len = seg->size - SEGMENT_TRAILER_SIZE;
    rt_arena *tmp = rc == QE_OK ? rt_arena_create(NULL) : NULL;
    if (rc == QE_OK && tmp == NULL)
        rc = rt_error_nomem(err, NULL);
    uint64_t rows = 0;
    for (uint32_t g = 0; rc == QE_OK && g < n_groups; g++) {
        rt_zone zone = {.first_row = t->n_rows};
        rc = load_row_group(st, t, name, &r, tmp, &zone, err);
        if (rc == QE_OK)
            rc = rt_table_add_zones(st->cat, t, &zone, 1, err);
        rows += zone.n_rows;
        rt_arena_reset(tmp);
    }
    const uint8_t *tr = (const uint8_t *)map + r.len;
    if (rc == QE_OK && (r.pos != r.len || rows != seg->n_rows || memcmp(tr, SEGMENT_END_MAGIC, 4) ||
                        st_get_u32(tr + 4) != n_groups || st_get_u64(tr + 8) != rows))
        rc = corrupt(err, st, name, "the segment does not end where it should");
    rt_arena_destroy(tmp);
    if (map)
        munmap(map, seg->size);
    return rc;
}

/* Reads one table entry of the manifest, creates the table and loads its rows. */
static qe_status load_table(rt_storage *st, mreader *r, rt_arena *arena, uint64_t **live,
                            uint32_t *n_live, uint32_t *live_cap, rt_error *err) {
    char *name = m_str(r, arena, false);
    uint32_t n_cols = m_u32(r);
    bool has_typmods = m_u8(r) != 0;
    if (r->bad || n_cols > 100000 || n_cols > r->len - r->pos)
        return corrupt(err, st, "MANIFEST", "invalid table entry");
    char **names = rt_arena_calloc(arena, sizeof *names * (n_cols ? n_cols : 1));
    qe_type *types = rt_arena_calloc(arena, sizeof *types * (n_cols ? n_cols : 1));
    int32_t *typmods = rt_arena_calloc(arena, sizeof *typmods * (n_cols ? n_cols : 1));
    if (!names || !types || !typmods)
        return rt_error_nomem(err, NULL);
    for (uint32_t c = 0; c < n_cols && !r->bad; c++) {
        names[c] = m_str(r, arena, false);
        types[c] = (qe_type)m_u8(r);
        typmods[c] = (int32_t)m_u32(r);
        r->bad |= types[c] == QE_TYPE_NULL || types[c] >= QE_TYPE_COUNT;
    }
    uint32_t n_segs = m_u32(r);
    if (r->bad || n_segs > (r->len - r->pos) / 24)
        return corrupt(err, st, "MANIFEST", "invalid table entry");
    rt_table *t = NULL;
    qe_status rc = rt_catalog_create_table(st->cat, name, n_cols, names, types, &t, err);
    if (rc == QE_OK && has_typmods)
        rc = rt_table_set_typmods(t, typmods, err);
    for (uint32_t k = 0; rc == QE_OK && k < n_segs; k++) {
        new_seg ns;
        ns.seg.id = m_u64(r);
        ns.seg.n_rows = m_u64(r);
        ns.seg.size = m_u64(r);
        if (ns.seg.id >= st->next_id || id_in(*live, *n_live, ns.seg.id))
            return corrupt(err, st, "MANIFEST", "invalid segment reference");
        if (*n_live == *live_cap) {
            *live_cap = *live_cap ? *live_cap * 2 : 64;
            uint64_t *grown = realloc(*live, sizeof **live * *live_cap);
            if (grown == NULL)
                return rt_error_nomem(err, NULL);
            *live = grown;
        }
        (*live)[(*n_live)++] = ns.seg.id;
        rc = load_segment(st, t, &ns.seg, err);
        if (rc == QE_OK)
            rc = record_segment(st, t, &ns.seg, err);
    }
    return rc;
}

static qe_status load_view(rt_storage *st, mreader *r, rt_arena *arena, rt_error *err) {
    char *name = m_str(r, arena, false), *sql = m_str(r, arena, false);
    uint32_t n_names = m_u32(r);
    if (r->bad || n_names > (r->len - r->pos) / 4)
        return corrupt(err, st, "MANIFEST", "invalid view entry");
    char **names = rt_arena_calloc(arena, sizeof *names * (n_names ? n_names : 1));
    if (names == NULL)
        return rt_error_nomem(err, NULL);
    for (uint32_t i = 0; i < n_names && !r->bad; i++)
        names[i] = m_str(r, arena, false);
    if (r->bad)
        return corrupt(err, st, "MANIFEST", "invalid view entry");
    return rt_catalog_create_view(st->cat, name, sql, n_names, names, false, err);
}

/* Reads MANIFEST (if any) and loads its tables and views into the catalog. */
static qe_status load_manifest(rt_storage *st, rt_arena *arena, rt_error *err) {
    struct stat sb;
    if (fstatat(st->dir_fd, "MANIFEST", &sb, 0) != 0)
        return errno == ENOENT ? QE_OK : io_error(err, "stat", st, "MANIFEST");
    void *map = NULL;
    qe_status rc = map_file(st, "MANIFEST", (uint64_t)sb.st_size, &map, err);
    if (rc != QE_OK)
        return rc;
    size_t size = (size_t)sb.st_size;
    mreader r = {map, size >= 8 ? size - 8 : 0, 0, size < 8};
    const uint8_t *magic = m_take(&r, 4);
    if (r.bad || memcmp(magic, MANIFEST_MAGIC, 4) != 0 ||
        XXH64(map, size - 8, 0) != st_get_u64((const uint8_t *)map + size - 8))
        rc = corrupt(err, st, "MANIFEST", "bad magic or checksum");
    else if (m_u32(&r) != FORMAT_VERSION)
        rc = corrupt(err, st, "MANIFEST", "unsupported format version");
    st->next_id = m_u64(&r);
    uint32_t n_tables = m_u32(&r), n_views = m_u32(&r), live_cap = 0;
    for (uint32_t i = 0; rc == QE_OK && i < n_tables; i++)
        rc = load_table(st, &r, arena, &st->live, &st->n_live, &live_cap, err);
    for (uint32_t i = 0; rc == QE_OK && i < n_views; i++)
        rc = load_view(st, &r, arena, err);
    if (rc == QE_OK && (r.bad || r.pos != r.len))
        rc = corrupt(err, st, "MANIFEST", "malformed manifest");
    st->have_manifest = rc == QE_OK;
    if (map)
        munmap(map, size);
    return rc;
}

/* Removes what a crashed commit left: MANIFEST.tmp and unreferenced segment files. */
static void remove_garbage(rt_storage *st) {
    int fd = dup(st->dir_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        unsigned long long id;
        char tail[8];
        if (strcmp(e->d_name, "MANIFEST.tmp") == 0)
            unlinkat(st->dir_fd, e->d_name, 0);
        else if (strlen(e->d_name) == 24 && sscanf(e->d_name, "seg-%16llx.%3s", &id, tail) == 2 &&
                 strcmp(tail, "qes") == 0 && !id_in(st->live, st->n_live, id))
            unlinkat(st->dir_fd, e->d_name, 0);
    }
    closedir(d);
}

/* Creates (if needed) and opens the directory, then takes its lock. */
static qe_status open_dir(rt_storage *st, rt_error *err) {
    if (mkdir(st->dir, 0755) != 0 && errno != EEXIST)
        return rt_error_set(err, QE_INTERNAL, "58030", -1, "could not create directory \"%s\": %s",
                            st->dir, strerror(errno));
    st->dir_fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->dir_fd < 0)
        return rt_error_set(err, QE_INTERNAL, "58030", -1, "could not open directory \"%s\": %s",
                            st->dir, strerror(errno));
    st->lock_fd = openat(st->dir_fd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (st->lock_fd < 0)
        return io_error(err, "create", st, "LOCK");
    if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK)
            return io_error(err, "lock", st, "LOCK");
        rt_error_set(err, QE_INTERNAL, "55006", -1, "database \"%s\" is in use by another process",
                     st->dir);
        rt_error_hint(err, "Close the other process first.");
        return QE_INTERNAL;
    }
    return QE_OK;
}

qe_status rt_storage_open(const char *dir, rt_catalog *cat, rt_storage **out, rt_error *err) {
    *out = NULL;
    rt_storage *st = calloc(1, sizeof *st);
    if (st == NULL || (st->dir = strdup(dir)) == NULL) {
        free(st);
        return rt_error_nomem(err, NULL);
    }
    st->cat = cat;
    st->dir_fd = st->lock_fd = -1;
    const char *sleep_us = getenv("QE_STORAGE_DEBUG_SLEEP_US");
    st->debug_sleep_us = sleep_us ? (uint32_t)strtoul(sleep_us, NULL, 10) : 0;
    pthread_mutex_init(&st->mu, NULL);
    rt_arena *arena = rt_arena_create(NULL);
    qe_status rc = arena ? open_dir(st, err) : rt_error_nomem(err, NULL);
    if (rc == QE_OK)
        rc = load_manifest(st, arena, err);
    rt_arena_destroy(arena);
    if (rc != QE_OK) {
        rt_storage_close(st);
        return rc;
    }
    st->version = rt_catalog_version(cat);
    remove_garbage(st);
    *out = st;
    return QE_OK;
}

void rt_storage_close(rt_storage *st) {
    if (st == NULL)
        return;
    if (st->lock_fd >= 0)
        close(st->lock_fd); /* releases the flock */
    if (st->dir_fd >= 0)
        close(st->dir_fd);
    pthread_mutex_destroy(&st->mu);
    free(st->live);
    free(st->dir);
    free(st);
}
