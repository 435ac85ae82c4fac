/*
 * tools_answers.h -- reference answers: loading `|`-separated answer files and comparing
 * a query result with them (qe-bench --answers, tests/acceptance/tpch_answers.c).
 *
 * An answer file has a header line of column names and one line per row, `|`-separated,
 * NULL as an empty field (the format of ../shared/tpch/answers).  A result matches when it
 * has the same number of columns and rows and, row by row in order, the same values as
 * text (qe_value_format), except that trailing blanks are ignored (CHAR(n) columns may be
 * blank-padded) and DOUBLE/REAL columns are compared as numbers with a relative
 * tolerance of 1e-9 (their last digits depend on the summation order, which depends on
 * the thread count).  Static inline like tools_int.h.
 */
#ifndef QE_TOOLS_ANSWERS_H
#define QE_TOOLS_ANSWERS_H

#include "tools_int.h"

#include <math.h>

/* The reference answer of one query, split into fields. */
typedef struct tools_answer {
    char *text;    /* the file's bytes, NUL-separated in place */
    int n_cols;    /* fields in the header */
    int n_rows;    /* data lines */
    char **fields; /* n_rows * n_cols field pointers into text, row-major */
} tools_answer;

static inline void tools_answer_free(tools_answer *a) {
    free(a->text);
    free(a->fields);
}

/* Splits line into at most cap '|'-separated fields in place; returns the count. */
static inline int tools_split_fields(char *line, char **out, int cap) {
    int n = 0;
    for (char *p = line;;) {
        char *bar = strchr(p, '|');
        if (n < cap)
            out[n] = p;
        n++;
        if (!bar)
            return n;
        *bar = '\0';
        p = bar + 1;
    }
}

/* Reads and splits DIR/<name>.csv.  False (with a message) on failure. */
static inline bool tools_answer_load(const char *dir, const char *name, tools_answer *a, char *msg,
                                     size_t cap) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    size_t len;
    *a = (tools_answer){0};
    a->text = tools_read_file(path, &len);
    if (!a->text) {
        snprintf(msg, cap, "cannot read %.300s", path);
        return false;
    }
    if (len > 0 && a->text[len - 1] == '\n')
        a->text[--len] = '\0';
    char *lines_end = a->text + len;
    char *header_end = strchr(a->text, '\n');
    if (header_end)
        *header_end = '\0';
    a->n_cols = tools_split_fields(a->text, NULL, 0);
    a->n_rows = 0;
    for (char *p = header_end; p; p = strchr(p + 1, '\n'))
        a->n_rows++;
    a->fields = calloc((size_t)(a->n_rows * a->n_cols) + 1, sizeof *a->fields);
    if (!a->fields) {
        snprintf(msg, cap, "out of memory");
        return false;
    }
    char *p = header_end ? header_end + 1 : lines_end;
    for (int r = 0; r < a->n_rows; r++) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (tools_split_fields(p, a->fields + (size_t)r * a->n_cols, a->n_cols) != a->n_cols) {
            snprintf(msg, cap, "%.300s line %d: wrong number of fields", path, r + 2);
            return false;
        }
        p = nl ? nl + 1 : lines_end;
    }
    return true;
}

/* Length of s without trailing blanks. */
static inline size_t tools_rtrim_len(const char *s, size_t n) {
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return n;
}

/* Whether two DOUBLE texts agree within the tolerance. */
static inline bool tools_doubles_agree(const char *a, const char *b) {
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    if (*ea || *eb || ea == a || eb == b)
        return strcmp(a, b) == 0;
    double scale = fmax(1.0, fmax(fabs(x), fabs(y)));
    return fabs(x - y) <= 1e-9 * scale;
}

/* Compares a result with the answer; false with the first difference in msg. */
static inline bool tools_answer_compare(const qe_result *res, const tools_answer *a, char *msg,
                                        size_t cap) {
    size_t n_cols = qe_result_column_count(res);
    if ((int)n_cols != a->n_cols) {
        snprintf(msg, cap, "%zu columns, expected %d", n_cols, a->n_cols);
        return false;
    }
    uint64_t n_rows = qe_result_row_count(res);
    if (n_rows != (uint64_t)a->n_rows) {
        snprintf(msg, cap, "%llu rows, expected %d", (unsigned long long)n_rows, a->n_rows);
        return false;
    }
    tools_buf buf = {0};
    bool ok = true;
    size_t row = 0;
    for (size_t bi = 0; ok && bi < qe_result_batch_count(res); bi++) {
        qe_batch_view bv;
        if (qe_result_batch(res, bi, &bv) != QE_OK) {
            snprintf(msg, cap, "cannot read result batch %zu", bi);
            ok = false;
            break;
        }
        for (size_t r = 0; ok && r < bv.n_rows; r++, row++) {
            for (size_t c = 0; ok && c < n_cols; c++) {
                tools_format_value(&bv.columns[c], r, &buf); /* NULL: "" */
                const char *got = buf.text ? buf.text : "";
                const char *want = a->fields[row * n_cols + c];
                qe_type t = qe_result_column_type(res, c);
                bool same;
                if (t == QE_TYPE_DOUBLE || t == QE_TYPE_REAL)
                    same = tools_doubles_agree(got, want);
                else {
                    size_t gl = tools_rtrim_len(got, strlen(got)),
                           wl = tools_rtrim_len(want, strlen(want));
                    same = gl == wl && memcmp(got, want, gl) == 0;
                }
                if (!same) {
                    snprintf(msg, cap, "row %zu column %s: got '%s', expected '%s'", row + 1,
                             qe_result_column_name(res, c), got, want);
                    ok = false;
                }
            }
        }
    }
    free(buf.text);
    return ok;
}

#endif /* QE_TOOLS_ANSWERS_H */
