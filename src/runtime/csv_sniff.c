/*
 * csv_sniff.c -- read_csv's dialect and type detection over a sample of the file.
 *
 * Dialect: every candidate delimiter (',', '|', ';', tab; or the given one) reads the
 * first SNIFF_ROWS records (fewer past SNIFF_BYTES of the file); the winner has the most records
 * with the field count of the first one, then the most columns.  A last column empty on every
 * sampled record is dbgen's trailing delimiter and is dropped.  Types: per column the first
 * candidate (BOOLEAN, BIGINT, DOUBLE, DATE, TIMESTAMP, VARCHAR -- those the runtime
 * can cast VARCHAR to) that every non-NULL sampled value converts to; BOOLEAN only
 * from true/false.  Header: unless given, the first record is a header when some
 * column's type is not VARCHAR and the first record's value there does not convert.
 */
#include "rt_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SNIFF_ROWS 2048        /* records sampled */
#define SNIFF_BYTES (8u << 20) /* ... or fewer once this much has been read */

/* The sampled records: fields as arena strings (NULL = the NULL string). */
typedef struct sample {
    uint32_t n_rows;
    uint32_t *n_fields;  /* per record */
    char ***fields;      /* per record, n_fields strings */
    bool last_all_empty; /* the last field of every record is empty and unquoted */
} sample;

/* Reads up to SNIFF_ROWS non-blank records with the dialect of csv. */
static qe_status read_sample(const plan_csv *csv, rt_arena *arena, sample *s, rt_error *err) {
    rt_csv_reader r;
    qe_status st = rt_csv_reader_open(&r, csv, NULL, err);
    if (st != QE_OK)
        return st;
    *s = (sample){.last_all_empty = true};
    s->n_fields = rt_arena_alloc(arena, SNIFF_ROWS * sizeof *s->n_fields);
    s->fields = rt_arena_alloc(arena, SNIFF_ROWS * sizeof *s->fields);
    bool got = true;
    while (st == QE_OK && s->n_fields && s->fields && s->n_rows < SNIFF_ROWS &&
           (s->n_rows == 0 || r.bytes_read <= SNIFF_BYTES)) {
        if ((st = rt_csv_read_record(&r, &got, err)) != QE_OK || !got)
            break;
        if (r.n_fields == 1 && r.fields[0].len == 0 && !r.fields[0].quoted)
            continue;
        char **f = rt_arena_alloc(arena, r.n_fields * sizeof *f);
        for (uint32_t i = 0; f && i < r.n_fields; i++) {
            const rt_csv_field *x = &r.fields[i];
            f[i] = rt_csv_field_is_null(&r, x) ? NULL
                                               : rt_arena_strndup(arena, r.text + x->off, x->len);
            if (!rt_csv_field_is_null(&r, x) && !f[i])
                f = NULL;
        }
        if (!f) {
            st = rt_error_nomem(err, NULL);
            break;
        }
        const rt_csv_field *last = &r.fields[r.n_fields - 1];
        s->last_all_empty &= r.n_fields > 1 && last->len == 0 && !last->quoted;
        s->n_fields[s->n_rows] = r.n_fields;
        s->fields[s->n_rows++] = f;
    }
    if (st == QE_OK && (!s->n_fields || !s->fields))
        st = rt_error_nomem(err, NULL);
    rt_csv_reader_close(&r);
    s->last_all_empty &= s->n_rows > 0;
    return st;
}

/* Records with the first record's field count (the dialect's consistency). */
static uint32_t consistent_rows(const sample *s) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_rows; i++)
        n += s->n_fields[i] == s->n_fields[0];
    return n;
}

/* Chooses the delimiter; *best gets the sample read with it. */
static qe_status sniff_delim(plan_csv *csv, uint32_t given, rt_arena *arena, sample *best,
                             rt_error *err) {
    static const char cands[] = {',', '|', ';', '\t'};
    uint32_t n_cands = (given & RT_CSV_GIVEN_DELIM) ? 1 : (uint32_t)sizeof cands;
    char chosen = csv->delim;
    uint32_t best_rows = 0, best_cols = 0;
    for (uint32_t i = 0; i < n_cands; i++) {
        if (!(given & RT_CSV_GIVEN_DELIM))
            csv->delim = cands[i];
        if (csv->delim == csv->quote)
            continue;
        sample s;
        qe_status st = read_sample(csv, arena, &s, err);
        if (st != QE_OK)
            return st;
        uint32_t rows = consistent_rows(&s), cols = s.n_rows ? s.n_fields[0] : 0;
        bool better = i == 0 || (cols > 1 && (best_cols <= 1 || rows > best_rows ||
                                              (rows == best_rows && cols > best_cols)));
        if (better) {
            chosen = csv->delim;
            best_rows = rows;
            best_cols = cols;
            *best = s;
        }
    }
    csv->delim = chosen;
    return QE_OK;
}

/* Does text convert to type t (as the scan will convert it)? */
static bool converts(const char *text, qe_type t, rt_arena *arena) {
    if (t == QE_TYPE_VARCHAR)
        return true;
    if (t == QE_TYPE_BOOLEAN)
        return strcasecmp(text, "true") == 0 || strcasecmp(text, "false") == 0;
    rt_value in = {.type = QE_TYPE_VARCHAR, .u.s = {text, (uint32_t)strlen(text)}}, out;
    rt_error scratch;
    return rt_value_cast(&in, t, &out, arena, &scratch, -1) == QE_OK;
}

static const qe_type type_cands[] = {QE_TYPE_BOOLEAN, QE_TYPE_BIGINT,    QE_TYPE_DOUBLE,
                                     QE_TYPE_DATE,    QE_TYPE_TIMESTAMP, QE_TYPE_VARCHAR};
#define N_TYPE_CANDS (sizeof type_cands / sizeof type_cands[0])

/* The type of column c over records [first, n_rows). */
static qe_type column_type(const sample *s, uint32_t c, uint32_t first, rt_arena *arena) {
    bool seen = false;
    for (size_t k = 0; k < N_TYPE_CANDS; k++) {
        qe_type t = type_cands[k];
        if (!rt_cast_supported(QE_TYPE_VARCHAR, t))
            continue;
        bool ok = true;
        for (uint32_t i = first; ok && i < s->n_rows; i++) {
            const char *v = c < s->n_fields[i] ? s->fields[i][c] : NULL;
            if (v) {
                seen = true;
                ok = converts(v, t, arena);
            }
        }
        if (ok)
            return seen ? t : QE_TYPE_VARCHAR;
    }
    return QE_TYPE_VARCHAR;
}

/* Column names: the header's fields (empty ones column<i>), made unique. */
static char **column_names(const sample *s, bool header, uint32_t n, rt_arena *arena) {
    char **names = rt_arena_alloc(arena, (n ? n : 1) * sizeof *names);
    for (uint32_t c = 0; names && c < n; c++) {
        const char *h = header && c < s->n_fields[0] ? s->fields[0][c] : NULL;
        char buf[64];
        if (!h || !*h) {
            snprintf(buf, sizeof buf, "column%u", c);
            h = buf;
        }
        char name[300];
        snprintf(name, sizeof name, "%s", h);
        for (uint32_t k = 1;; k++) {
            bool dup = false;
            for (uint32_t j = 0; j < c && !dup; j++)
                dup = strcmp(names[j], name) == 0;
            if (!dup)
                break;
            snprintf(name, sizeof name, "%s_%u", h, k);
        }
        if (!(names[c] = rt_arena_strdup(arena, name)))
            return NULL;
    }
    return names;
}

/* Is the first record a header, given the types of the rest? */
static bool first_is_header(const sample *s, const qe_type *types, uint32_t n, rt_arena *arena) {
    if (s->n_rows < 2)
        return false;
    for (uint32_t c = 0; c < n && c < s->n_fields[0]; c++) {
        const char *v = s->fields[0][c];
        if (types[c] != QE_TYPE_VARCHAR && v && !converts(v, types[c], arena))
            return true;
    }
    return false;
}

qe_status rt_csv_sniff(plan_csv *csv, uint32_t given, rt_arena *arena, uint32_t *n_cols,
                       char ***names, qe_type **types, rt_error *err) {
    sample s = {0};
    qe_status st = sniff_delim(csv, given, arena, &s, err);
    if (st != QE_OK)
        return st;
    if (s.n_rows == 0)
        return rt_error_set(err, QE_DATA, "22P04", -1,
                            "file \"%s\" has no data to detect its "
                            "columns from",
                            csv->path);
    uint32_t n = s.n_fields[0] - (s.last_all_empty ? 1 : 0);
    qe_type *t = rt_arena_alloc(arena, (n ? n : 1) * sizeof *t);
    if (!t)
        return rt_error_nomem(err, NULL);
    bool header = csv->header;
    uint32_t first = (given & RT_CSV_GIVEN_HEADER) ? (header ? 1 : 0) : 1;
    bool text = (given & RT_CSV_ALL_VARCHAR) != 0;
    for (uint32_t c = 0; c < n; c++)
        t[c] = column_type(&s, c, s.n_rows > 1 ? first : 0, arena);
    if (!(given & RT_CSV_GIVEN_HEADER)) {
        header = first_is_header(&s, t, n, arena);
        for (uint32_t c = 0; !header && c < n; c++)
            t[c] = column_type(&s, c, 0, arena);
    }
    csv->header = header;
    for (uint32_t c = 0; text && c < n; c++)
        t[c] = QE_TYPE_VARCHAR;
    if (!(*names = column_names(&s, header, n, arena)))
        return rt_error_nomem(err, NULL);
    *n_cols = n;
    *types = t;
    return QE_OK;
}
