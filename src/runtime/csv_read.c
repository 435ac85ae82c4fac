/*
 * csv_read.c -- reading CSV files: the streaming record reader, the CSV_SCAN pipeline
 * source (read_csv, COPY FROM) and field conversion to the column types.
 *
 * Only regular files are read (a FIFO or device could block the binder's sniffing).
 * The reader pulls the file in blocks of CSV_BLOCK bytes (never the whole file) and
 * splits it into records with one byte-at-a-time state machine: fields separated by
 * the delimiter, records by \n, \r\n or \r, quoted fields (the quote only opens at
 * the start of a field) may hold delimiters and newlines, a doubled quote or the
 * escape byte before a quote stands for the quote.  A record of exactly one field
 * more than expected whose last field is empty and unquoted is accepted (dbgen's
 * trailing '|', as DuckDB does).  Blank lines are skipped unless the file has a
 * single column (where a blank line is a NULL or an empty string).
 *
 * The source is one shared cursor: a mutex serializes the file; each call parses up
 * to RT_VECTOR_SIZE records into a batch.  Field text goes to the column type by the
 * runtime's casts from VARCHAR; an error names the line and column in its detail.
 */
#include "rt_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CSV_BLOCK (1u << 20)       /* bytes read from the file at a time */
#define CSV_MAX_RECORD (64u << 20) /* longest record (bytes of field text) */

/* ---- the record reader ------------------------------------------------------------- */

/* Opens path for reading if it is a regular file (never blocks: a FIFO or device is
 * refused before anything is read from it). */
static qe_status open_regular(const char *path, FILE **out, rt_error *err) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return rt_error_set(err, QE_IO, e == ENOENT ? "58P01" : "58030", -1,
                            "could not open file \"%s\" for reading: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        if (S_ISDIR(sb.st_mode))
            return rt_error_set(err, QE_BIND, "42809", -1, "\"%s\" is a directory", path);
        return rt_error_set(err, QE_UNSUPPORTED, "0A000", -1,
                            "could not read \"%s\": only regular files are supported", path);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (!(*out = fdopen(fd, "rb"))) {
        close(fd);
        return rt_error_nomem(err, NULL);
    }
    return QE_OK;
}

qe_status rt_csv_reader_open(rt_csv_reader *r, const plan_csv *csv, rt_mem_tracker *mem,
                             rt_error *err) {
    memset(r, 0, sizeof *r);
    r->csv = csv;
    r->mem = mem;
    r->line = 1;
    qe_status st = open_regular(csv->path, &r->f, err);
    if (st != QE_OK)
        return st;
    r->text_cap = 4096; /* text is never NULL: fields of length 0 point into it */
    if (!(r->buf = rt_malloc(mem, CSV_BLOCK)) || !(r->text = rt_malloc(mem, r->text_cap))) {
        if (!r->text)
            r->text_cap = 0;
        rt_csv_reader_close(r);
        return rt_error_nomem(err, mem);
    }
    return QE_OK;
}

void rt_csv_reader_close(rt_csv_reader *r) {
    if (r->f)
        fclose(r->f);
    rt_free(r->mem, r->buf, CSV_BLOCK);
    rt_free(r->mem, r->text, r->text_cap);
    rt_free(r->mem, r->fields, r->fields_cap * sizeof *r->fields);
    memset(r, 0, sizeof *r);
}

/* Refills the block buffer; false at the end of the file (or on a read error). */
static bool refill(rt_csv_reader *r) {
    if (r->eof)
        return false;
    r->buf_len = fread(r->buf, 1, CSV_BLOCK, r->f);
    r->buf_pos = 0;
    r->bytes_read += r->buf_len;
    if (r->buf_len < CSV_BLOCK) {
        r->eof = true;
        r->io_error = ferror(r->f) ? (errno ? errno : EIO) : 0;
    }
    return r->buf_len > 0;
}

static inline int rd_getc(rt_csv_reader *r) {
    if (r->buf_pos == r->buf_len && !refill(r))
        return EOF;
    return (unsigned char)r->buf[r->buf_pos++];
}

static inline int rd_peek(rt_csv_reader *r) {
    if (r->buf_pos == r->buf_len && !refill(r))
        return EOF;
    return (unsigned char)r->buf[r->buf_pos];
}

/* Appends one byte to the record text; false on out-of-memory or a record over
 * CSV_MAX_RECORD (r->too_long). */
static inline bool put_byte(rt_csv_reader *r, int ch) {
    if (r->text_len == r->text_cap) {
        if (r->text_cap >= CSV_MAX_RECORD)
            return r->too_long = true, false;
        size_t cap = r->text_cap ? r->text_cap * 2 : 4096;
        char *p = rt_realloc(r->mem, r->text, r->text_cap, cap);
        if (!p)
            return false;
        r->text = p;
        r->text_cap = cap;
    }
    r->text[r->text_len++] = (char)ch;
    return true;
}

/* Starts a new field at the end of the record text; false on out-of-memory. */
static bool field_begin(rt_csv_reader *r) {
    if (r->n_fields == r->fields_cap) {
        uint32_t cap = r->fields_cap ? r->fields_cap * 2 : 16;
        rt_csv_field *p = rt_realloc(r->mem, r->fields, r->fields_cap * sizeof *p, cap * sizeof *p);
        if (!p)
            return false;
        r->fields = p;
        r->fields_cap = cap;
    }
    r->fields[r->n_fields++] = (rt_csv_field){.off = r->text_len};
    return true;
}

static void field_end(rt_csv_reader *r) {
    rt_csv_field *f = &r->fields[r->n_fields - 1];
    f->len = (uint32_t)(r->text_len - f->off);
}

/* The detail of a bad field or record: "COPY t, line 3" plus, for read_csv, the file. */
static void detail_prefix(const rt_csv_reader *r, char *out, size_t cap) {
    if (r->csv->context)
        snprintf(out, cap, "%s, line %llu", r->csv->context, (unsigned long long)r->rec_line);
    else
        snprintf(out, cap, "read_csv file \"%s\", line %llu", r->csv->path,
                 (unsigned long long)r->rec_line);
}

static qe_status read_failed(rt_csv_reader *r, rt_error *err) {
    rt_error_set(err, QE_IO, "58030", -1, "could not read from file \"%s\": %s", r->csv->path,
                 strerror(r->io_error));
    return QE_IO;
}

/* One byte inside a quoted field; *in_quotes becomes false at the closing quote. */
static bool quoted_byte(rt_csv_reader *r, int ch, bool *in_quotes) {
    const plan_csv *c = r->csv;
    int q = (unsigned char)c->quote, e = (unsigned char)c->escape;
    if (ch == e && e != q) {
        int next = rd_peek(r);
        if (next == q || next == e)
            ch = rd_getc(r);
        return put_byte(r, ch);
    }
    if (ch == q) {
        if (e == q && rd_peek(r) == q)
            return put_byte(r, rd_getc(r));
        *in_quotes = false;
        return true;
    }
    if (ch == '\n')
        r->line++;
    return put_byte(r, ch);
}

/* 54000 for a record over CSV_MAX_RECORD, else out of memory. */
static qe_status record_failed(rt_csv_reader *r, rt_error *err) {
    if (!r->too_long)
        return rt_error_nomem(err, r->mem);
    char where[600];
    detail_prefix(r, where, sizeof where);
    rt_error_set(err, QE_DATA, "54000", -1, "CSV record is longer than %u MB",
                 CSV_MAX_RECORD >> 20);
    rt_error_detail(err, "%s", where);
    return QE_DATA;
}

qe_status rt_csv_read_record(rt_csv_reader *r, bool *got, rt_error *err) {
    const plan_csv *c = r->csv;
    int q = c->quote ? (unsigned char)c->quote : -2, d = (unsigned char)c->delim;
    *got = false;
    r->text_len = 0;
    r->n_fields = 0;
    r->rec_line = r->line;
    int ch = rd_getc(r);
    if (ch == EOF)
        return r->io_error ? read_failed(r, err) : QE_OK;
    if (!field_begin(r))
        return record_failed(r, err);
    bool in_quotes = false, ok = true;
    for (;; ch = rd_getc(r)) {
        if (ch == EOF) {
            if (r->io_error)
                return read_failed(r, err);
            if (in_quotes) {
                rt_error_set(err, QE_DATA, "22P04", -1, "unterminated CSV quoted field");
                char where[600];
                detail_prefix(r, where, sizeof where);
                rt_error_detail(err, "%s", where);
                return QE_DATA;
            }
            break;
        }
        if (in_quotes) {
            ok = quoted_byte(r, ch, &in_quotes);
        } else if (ch == d) {
            field_end(r);
            ok = field_begin(r);
        } else if (ch == '\n' || ch == '\r') {
            if (ch == '\r' && rd_peek(r) == '\n')
                rd_getc(r);
            r->line++;
            break;
        } else if (ch == q && r->text_len == r->fields[r->n_fields - 1].off &&
                   !r->fields[r->n_fields - 1].quoted) {
            in_quotes = r->fields[r->n_fields - 1].quoted = true;
        } else {
            ok = put_byte(r, ch);
        }
        if (!ok)
            return record_failed(r, err);
    }
    field_end(r);
    *got = true;
    return QE_OK;
}

/* ---- fields to values ---------------------------------------------------------------- */

/* A blank line: one empty unquoted field. */
static bool record_blank(const rt_csv_reader *r) {
    return r->n_fields == 1 && r->fields[0].len == 0 && !r->fields[0].quoted;
}

bool rt_csv_field_is_null(const rt_csv_reader *r, const rt_csv_field *f) {
    const char *ns = r->csv->null_str ? r->csv->null_str : "";
    size_t n = strlen(ns);
    return !f->quoted && f->len == n && memcmp(r->text + f->off, ns, n) == 0;
}

static const char *col_name(const plan_csv *csv, uint32_t c, char *buf, size_t cap) {
    if (csv->col_names && csv->col_names[c])
        return csv->col_names[c];
    snprintf(buf, cap, "column%u", c);
    return buf;
}

/* The record's fields joined by the delimiter (cut at cap - 1 bytes), for messages. */
static void record_text(const rt_csv_reader *r, char *out, size_t cap) {
    size_t n = 0;
    for (uint32_t i = 0; i < r->n_fields && n + 1 < cap; i++) {
        if (i)
            out[n++] = r->csv->delim;
        const rt_csv_field *f = &r->fields[i];
        for (uint32_t k = 0; k < f->len && n + 1 < cap; k++)
            out[n++] = r->text[f->off + k];
    }
    out[n] = '\0';
}

/* 22P04 for a record with the wrong number of fields. */
static qe_status bad_count(const rt_csv_reader *r, uint32_t n_cols, rt_error *err) {
    const plan_csv *c = r->csv;
    char buf[32], line[101];
    if (r->n_fields < n_cols)
        rt_error_set(err, QE_DATA, "22P04", -1, "missing data for column \"%s\"",
                     col_name(c, r->n_fields, buf, sizeof buf));
    else
        rt_error_set(err, QE_DATA, "22P04", -1, "extra data after last expected column");
    char where[600];
    record_text(r, line, sizeof line);
    detail_prefix(r, where, sizeof where);
    rt_error_detail(err, "%s: \"%s\"", where, line);
    return QE_DATA;
}

/* Fast path for INTEGER/BIGINT: plain [-]digits in range into *out; false for anything
 * else (blanks, '+', overflow, ...), which the cast then handles or reports. */
static bool plain_int(const char *s, uint32_t len, qe_type type, int64_t *out) {
    bool neg = len > 0 && s[0] == '-';
    uint32_t i = neg ? 1 : 0;
    if (len == i || len - i > 18)
        return false;
    int64_t v = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return false;
        v = v * 10 + d;
    }
    v = neg ? -v : v;
    if (type == QE_TYPE_INTEGER && (v < INT32_MIN || v > INT32_MAX))
        return false;
    *out = v;
    return true;
}

/* Stores a field without a cast when that is exact: integers, VARCHAR(n) within n
 * bytes.  *done false: take the cast. */
static bool put_fast(rt_vector *v, int32_t typmod, const char *s, uint32_t len, uint32_t row,
                     rt_arena *arena, bool *done) {
    int64_t x;
    *done = false;
    if (v->type == QE_TYPE_VARCHAR && !PLAN_TYPMOD_IS_CHAR(typmod) &&
        len <= (uint32_t)PLAN_TYPMOD_LENGTH(typmod)) {
        *done = true;
        return rt_vector_set_string(v, arena, row, s, len);
    }
    if ((v->type == QE_TYPE_INTEGER || v->type == QE_TYPE_BIGINT) &&
        plain_int(s, len, v->type, &x)) {
        *done = true;
        if (v->type == QE_TYPE_INTEGER)
            ((int32_t *)v->values)[row] = (int32_t)x;
        else
            ((int64_t *)v->values)[row] = x;
    }
    return true;
}

/* Stores field f as column c (type) of row `row` of b. */
static qe_status put_field(const rt_csv_reader *r, const rt_csv_field *f, uint32_t c, rt_batch *b,
                           uint32_t row, rt_arena *arena, rt_error *err) {
    rt_vector *v = &b->cols[c];
    const char *s = r->text + f->off;
    int32_t typmod = r->csv->col_typmods ? r->csv->col_typmods[c] : 0;
    if (rt_csv_field_is_null(r, f))
        return rt_vector_set_null(v, arena, row, b->capacity) ? QE_OK : rt_error_nomem(err, NULL);
    if (v->type == QE_TYPE_VARCHAR && typmod == 0)
        return rt_vector_set_string(v, arena, row, s, f->len) ? QE_OK : rt_error_nomem(err, NULL);
    bool done;
    if (!put_fast(v, typmod, s, f->len, row, arena, &done))
        return rt_error_nomem(err, NULL);
    if (done)
        return QE_OK;
    rt_value in = {.type = QE_TYPE_VARCHAR, .u.s = {s, f->len}}, out;
    qe_status st = rt_value_cast_mod(&in, 0, v->type, typmod, &out, arena, err, -1);
    if (st != QE_OK) {
        char buf[32], where[600];
        detail_prefix(r, where, sizeof where);
        rt_error_detail(err, "%s, column %s: \"%.*s\"", where, col_name(r->csv, c, buf, sizeof buf),
                        (int)(f->len > 100 ? 100 : f->len), s);
        return st;
    }
    return rt_vector_set_value(v, arena, row, b->capacity, &out) ? QE_OK
                                                                 : rt_error_nomem(err, NULL);
}

qe_status rt_csv_record_to_row(const rt_csv_reader *r, rt_batch *b, uint32_t row, rt_arena *arena,
                               rt_error *err) {
    uint32_t n = r->n_fields;
    if (n == b->n_cols + 1 && r->fields[n - 1].len == 0 && !r->fields[n - 1].quoted)
        n--; /* a trailing delimiter */
    if (n != b->n_cols)
        return bad_count(r, b->n_cols, err);
    for (uint32_t c = 0; c < n; c++) {
        qe_status st = put_field(r, &r->fields[c], c, b, row, arena, err);
        if (st != QE_OK)
            return st;
    }
    return QE_OK;
}

/* ---- CSV_SCAN source ------------------------------------------------------------------ */

typedef struct csv_src {
    pthread_mutex_t mu; /* one reader at a time; guards everything below */
    rt_csv_reader rd;   /* the open file */
    bool started;       /* the header line (if any) was skipped */
    bool done;          /* end of file or an error: no more batches */
} csv_src;

static qe_status csv_init(rt_pipeline_state *ps, rt_error *err) {
    const plan_op *op = ps->source;
    if (!op->u.csv_scan.csv || !op->u.csv_scan.csv->path)
        return rt_plan_error(err, "CSV scan without a file");
    csv_src *s = rt_arena_calloc(ps->arena, sizeof *s);
    if (!s)
        return rt_error_nomem(err, ps->task->mem);
    qe_status st = rt_csv_reader_open(&s->rd, op->u.csv_scan.csv, ps->task->mem, err);
    if (st != QE_OK)
        return st;
    pthread_mutex_init(&s->mu, NULL);
    ps->src = s;
    return QE_OK;
}

/* Parses records into b until it is full or the file ends (s->mu held). */
static qe_status fill_batch(csv_src *s, rt_batch *b, rt_arena *arena, rt_error *err) {
    bool got = true;
    qe_status st = QE_OK;
    if (!s->started && s->rd.csv->header)
        st = rt_csv_read_record(&s->rd, &got, err);
    s->started = true;
    while (st == QE_OK && b->n_rows < b->capacity) {
        if ((st = rt_csv_read_record(&s->rd, &got, err)) != QE_OK || !got)
            break;
        if (b->n_cols != 1 && record_blank(&s->rd))
            continue;
        if ((st = rt_csv_record_to_row(&s->rd, b, b->n_rows, arena, err)) == QE_OK)
            b->n_rows++;
    }
    if (st != QE_OK || !got)
        s->done = true;
    return st;
}

static qe_status csv_next(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch **out) {
    csv_src *s = ps->src;
    const plan_op *op = ps->source;
    *out = NULL;
    rt_batch *b = rt_batch_create(ts->morsel_arena, op->n_cols, op->types, RT_VECTOR_SIZE);
    if (!b)
        return rt_error_nomem(&ts->err, ps->task->mem);
    pthread_mutex_lock(&s->mu);
    qe_status st = s->done ? QE_OK : fill_batch(s, b, ts->morsel_arena, &ts->err);
    pthread_mutex_unlock(&s->mu);
    if (st == QE_OK && b->n_rows > 0)
        *out = b;
    return st;
}

static void csv_destroy(rt_pipeline_state *ps) {
    csv_src *s = ps->src;
    if (!s)
        return;
    rt_csv_reader_close(&s->rd);
    pthread_mutex_destroy(&s->mu);
}

const rt_source_ops rt_csv_source = {csv_init, csv_next, csv_destroy};
