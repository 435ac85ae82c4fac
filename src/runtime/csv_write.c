/*
 * csv_write.c -- CSV dialect options (COPY ... WITH (...), read_csv(name = value))
 * and the CSV writer of COPY ... TO.
 *
 * Option names are PostgreSQL's (DELIMITER, HEADER, QUOTE, ESCAPE, NULL, FORMAT) plus
 * DuckDB's spellings (delim, sep, nullstr, all_varchar; auto_detect and sample_size
 * are accepted and ignored); FORMAT must be
 * csv (QE's default, as in DuckDB; PostgreSQL's default text format is not
 * supported).  The writer quotes a value when it holds the delimiter, the quote,
 * a newline or a carriage return, starts or ends with a blank, or equals the NULL
 * string; quotes inside are escaped with the escape byte.
 */
#include "rt_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void rt_csv_defaults(plan_csv *csv) {
    csv->delim = ',';
    csv->quote = '"';
    csv->escape = '"';
    csv->header = false;
    csv->null_str = "";
}

/* ---- options ---------------------------------------------------------------------------- */

static qe_status bad_value(rt_error *err, const char *name, const char *value, const char *why) {
    rt_error_set(err, QE_BIND, "22023", -1, "invalid value for option \"%s\": \"%s\"", name,
                 value ? value : "");
    if (why)
        rt_error_detail(err, "%s", why);
    return QE_BIND;
}

/* One byte (DELIMITER, QUOTE, ESCAPE); \t and "tab" spell a tab. */
static qe_status one_byte(const char *name, const char *value, bool allow_empty, char *out,
                          rt_error *err) {
    if (!value)
        return bad_value(err, name, value, "The option needs a value.");
    if (strcmp(value, "\\t") == 0 || strcasecmp(value, "tab") == 0)
        value = "\t";
    if (value[0] == '\0' && allow_empty) {
        *out = '\0';
        return QE_OK;
    }
    if (strlen(value) != 1 || value[0] == '\n' || value[0] == '\r')
        return bad_value(err, name, value, "The value must be a single one-byte character.");
    *out = value[0];
    return QE_OK;
}

/* A boolean option: a bare option is true; true/false/on/off/1/0/yes/no. */
static qe_status bool_value(const char *name, const char *value, bool *out, rt_error *err) {
    static const char *const yes[] = {"true", "on", "1", "yes", "t"};
    static const char *const no[] = {"false", "off", "0", "no", "f"};
    if (!value) {
        *out = true;
        return QE_OK;
    }
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(value, yes[i]) == 0)
            return *out = true, QE_OK;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(value, no[i]) == 0)
            return *out = false, QE_OK;
    return bad_value(err, name, value, "The option takes a Boolean value.");
}

/* Options accepted and ignored (their only supported value is the default). */
static bool option_ignored(const char *name, const char *value) {
    if (strcmp(name, "encoding") == 0)
        return value && (strcasecmp(value, "utf8") == 0 || strcasecmp(value, "utf-8") == 0);
    return strcmp(name, "auto_detect") == 0 || strcmp(name, "sample_size") == 0;
}

qe_status rt_csv_set_option(plan_csv *csv, rt_arena *arena, const char *name, const char *value,
                            uint32_t *given, rt_error *err) {
    if (strcmp(name, "delimiter") == 0 || strcmp(name, "delim") == 0 || strcmp(name, "sep") == 0) {
        *given |= RT_CSV_GIVEN_DELIM;
        return one_byte(name, value, false, &csv->delim, err);
    }
    if (strcmp(name, "quote") == 0) {
        *given |= RT_CSV_GIVEN_QUOTE;
        qe_status st = one_byte(name, value, true, &csv->quote, err);
        if (st == QE_OK && !(*given & RT_CSV_GIVEN_ESCAPE))
            csv->escape = csv->quote;
        return st;
    }
    if (strcmp(name, "escape") == 0) {
        *given |= RT_CSV_GIVEN_ESCAPE;
        return one_byte(name, value, true, &csv->escape, err);
    }
    if (strcmp(name, "header") == 0) {
        *given |= RT_CSV_GIVEN_HEADER;
        return bool_value(name, value, &csv->header, err);
    }
    if (strcmp(name, "all_varchar") == 0) {
        bool on = false;
        qe_status st = bool_value(name, value, &on, err);
        *given = on ? *given | RT_CSV_ALL_VARCHAR : *given & ~RT_CSV_ALL_VARCHAR;
        return st;
    }
    if (strcmp(name, "null") == 0 || strcmp(name, "nullstr") == 0) {
        if (!value)
            return bad_value(err, name, value, "The option needs a value.");
        return (csv->null_str = rt_arena_strdup(arena, value)) ? QE_OK : rt_error_nomem(err, NULL);
    }
    if (strcmp(name, "format") == 0) {
        if (value && strcasecmp(value, "csv") == 0)
            return QE_OK;
        return rt_error_set(err, QE_UNSUPPORTED, "0A000", -1, "COPY format \"%s\" is not supported",
                            value ? value : "");
    }
    if (option_ignored(name, value))
        return QE_OK;
    return rt_error_set(err, QE_UNSUPPORTED, "0A000", -1, "option \"%s\" is not supported yet",
                        name);
}

/* ---- writer ----------------------------------------------------------------------------- */

struct rt_csv_writer {
    FILE *f;
    const plan_csv *csv; /* dialect (borrowed) */
    uint32_t n_cols;
    const int32_t *typmods; /* n_cols type modifiers (borrowed), NULL: all 0 */
};

static void write_text(rt_csv_writer *w, const char *s, size_t n);

/* The header line: column names, quoted like values. */
static void write_header(rt_csv_writer *w, char *const *names) {
    for (uint32_t c = 0; c < w->n_cols; c++) {
        const char *name = names && names[c] ? names[c] : "";
        if (c)
            fputc(w->csv->delim, w->f);
        write_text(w, name, strlen(name));
    }
    fputc('\n', w->f);
}

qe_status rt_csv_writer_open(const plan_csv *csv, uint32_t n_cols, char *const *names,
                             const int32_t *typmods, rt_csv_writer **out, rt_error *err) {
    *out = NULL;
    rt_csv_writer *w = rt_malloc(NULL, sizeof *w);
    if (!w)
        return rt_error_nomem(err, NULL);
    *w = (rt_csv_writer){.csv = csv, .n_cols = n_cols, .typmods = typmods};
    if (!(w->f = fopen(csv->path, "wb"))) {
        rt_error_set(err, QE_IO, errno == ENOENT ? "58P01" : "58030", -1,
                     "could not open file \"%s\" for writing: %s", csv->path, strerror(errno));
        rt_free(NULL, w, sizeof *w);
        return QE_IO;
    }
    *out = w;
    if (csv->header)
        write_header(w, names);
    return QE_OK;
}

/* Does text need quotes to read back as itself? */
static bool needs_quotes(const plan_csv *csv, const char *s, size_t n) {
    const char *ns = csv->null_str ? csv->null_str : "";
    if (n == strlen(ns) && memcmp(s, ns, n) == 0)
        return true;
    if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        return true;
    for (size_t i = 0; i < n; i++)
        if (s[i] == csv->delim || s[i] == '\n' || s[i] == '\r' ||
            (csv->quote && (s[i] == csv->quote || s[i] == csv->escape)))
            return true;
    return false;
}

static void write_text(rt_csv_writer *w, const char *s, size_t n) {
    const plan_csv *csv = w->csv;
    if (!csv->quote || !needs_quotes(csv, s, n)) {
        fwrite(s, 1, n, w->f);
        return;
    }
    fputc(csv->quote, w->f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == csv->quote || s[i] == csv->escape)
            fputc(csv->escape, w->f);
        fputc(s[i], w->f);
    }
    fputc(csv->quote, w->f);
}

static void write_value(rt_csv_writer *w, const rt_vector *v, uint32_t c, uint32_t row) {
    rt_value val;
    rt_vector_get_value(v, row, &val);
    if (val.is_null) {
        fputs(w->csv->null_str ? w->csv->null_str : "", w->f);
        return;
    }
    if (val.type == QE_TYPE_VARCHAR) {
        write_text(w, val.u.s.ptr, val.u.s.len);
        return;
    }
    char buf[128];
    int n = rt_value_format_mod(&val, w->typmods ? w->typmods[c] : 0, buf, sizeof buf);
    write_text(w, buf, n > 0 ? strlen(buf) : 0);
}

qe_status rt_csv_writer_write(rt_csv_writer *w, const rt_batch *b, rt_error *err) {
    uint32_t n = rt_batch_active(b);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t row = b->sel ? b->sel[k] : k;
        for (uint32_t c = 0; c < w->n_cols && c < b->n_cols; c++) {
            if (c)
                fputc(w->csv->delim, w->f);
            write_value(w, &b->cols[c], c, row);
        }
        fputc('\n', w->f);
    }
    if (ferror(w->f))
        return rt_error_set(err, QE_IO, "58030", -1, "could not write to file \"%s\": %s",
                            w->csv->path, strerror(errno));
    return QE_OK;
}

qe_status rt_csv_writer_close(rt_csv_writer *w, rt_error *err) {
    if (!w)
        return QE_OK;
    bool failed = ferror(w->f) != 0;
    failed |= fclose(w->f) != 0;
    qe_status st = failed ? QE_IO : QE_OK;
    if (failed && err)
        st = rt_error_set(err, QE_IO, "58030", -1, "could not write to file \"%s\": %s",
                          w->csv->path, strerror(errno));
    rt_free(NULL, w, sizeof *w);
    return st;
}
