/*
 * error.c -- the public error API: accessors and psql-style rendering.
 */
#include "main_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *qe_error_message(const qe_error *err) { return err ? err->message : ""; }

const char *qe_error_detail(const qe_error *err) {
    return err && err->detail[0] ? err->detail : NULL;
}

const char *qe_error_hint(const qe_error *err) { return err && err->hint[0] ? err->hint : NULL; }

const char *qe_error_sqlstate(const qe_error *err) { return err ? err->sqlstate : "00000"; }

int qe_error_position(const qe_error *err) { return err ? err->position : -1; }

qe_status qe_error_status(const qe_error *err) { return err ? err->status : QE_OK; }

void qe_error_destroy(qe_error *err) { free(err); }

/* Output cursor over a caller's buffer that counts what would not fit. */
typedef struct out_buf {
    char *buf;
    size_t cap;
    size_t len; /* length of the full text so far */
} out_buf;

static void out_append(out_buf *o, const char *s, size_t n) {
    if (o->len < o->cap) {
        size_t room = o->cap - o->len - 1;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void out_printf(out_buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(out_buf *o, const char *fmt, ...) {
    char tmp[1200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        out_append(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Byte offset of the character `n` characters after byte `from` of sql (UTF-8). */
static size_t skip_chars(const char *sql, size_t from, size_t n) {
    while (n > 0 && sql[from]) {
        from++;
        while (((unsigned char)sql[from] & 0xC0) == 0x80)
            from++;
        n--;
    }
    return from;
}

/* Characters (not UTF-8 continuation bytes) in sql[from, to). */
static size_t count_chars(const char *sql, size_t from, size_t to) {
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        n += ((unsigned char)sql[i] & 0xC0) != 0x80;
    return n;
}

#define LINE_DISPLAY 60   /* psql's DISPLAY_SIZE: longest excerpt, in characters */
#define LINE_RIGHT_CUT 10 /* psql's MIN_RIGHT_CUT: keep this much text after the caret */

/* Appends "LINE n: <line>" and a caret line under byte `pos` of sql. Lines longer than
 * 60 characters are cut around the position and marked with "...", exactly as psql's
 * reportErrorPosition does (one column per character, tabs shown as blanks). */
static void out_position(out_buf *o, const char *sql, size_t pos) {
    size_t len = strlen(sql);
    if (pos > len)
        pos = len;
    size_t line_start = pos, line_no = 1;
    while (line_start > 0 && sql[line_start - 1] != '\n')
        line_start--;
    for (size_t i = 0; i < line_start; i++)
        line_no += sql[i] == '\n';
    size_t line_end = pos;
    while (line_end < len && sql[line_end] != '\n')
        line_end++;
    /* Character indexes within the line: [beg, end) is shown, loc gets the caret. */
    size_t loc = count_chars(sql, line_start, pos), beg = 0;
    size_t end = loc + count_chars(sql, pos, line_end);
    bool cut_front = false, cut_back = false;
    if (end - beg > LINE_DISPLAY) {
        if (beg + LINE_DISPLAY >= loc + LINE_RIGHT_CUT) {
            end = beg + LINE_DISPLAY;
            cut_back = true;
        } else {
            if (loc + LINE_RIGHT_CUT < end) {
                end = loc + LINE_RIGHT_CUT;
                cut_back = true;
            }
            if (end - beg > LINE_DISPLAY) {
                beg = end - LINE_DISPLAY;
                cut_front = true;
            }
        }
    }
    size_t from = skip_chars(sql, line_start, beg), to = skip_chars(sql, from, end - beg);
    char prefix[32];
    int plen = snprintf(prefix, sizeof prefix, "LINE %zu: ", line_no);
    out_append(o, prefix, (size_t)plen);
    if (cut_front)
        out_append(o, "...", 3);
    for (size_t i = from; i < to; i++)
        out_append(o, sql[i] == '\t' ? " " : &sql[i], 1);
    if (cut_back)
        out_append(o, "...", 3);
    out_append(o, "\n", 1);
    size_t col = (size_t)plen + (cut_front ? 3 : 0) + (loc - beg);
    for (size_t i = 0; i < col; i++)
        out_append(o, " ", 1);
    out_append(o, "^\n", 2);
}

size_t qe_error_format(const qe_error *err, const char *sql, char *buf, size_t cap) {
    out_buf o = {buf, cap, 0};
    if (cap > 0)
        buf[0] = '\0';
    if (!err)
        return 0;
    out_printf(&o, "ERROR:  %s\n", err->message);
    if (sql && err->position >= 0)
        out_position(&o, sql, (size_t)err->position);
    if (err->detail[0])
        out_printf(&o, "DETAIL:  %s\n", err->detail);
    if (err->hint[0])
        out_printf(&o, "HINT:  %s\n", err->hint);
    out_printf(&o, "SQLSTATE: %s\n", err->sqlstate);
    if (cap > 0)
        buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}
