/*
 * strbuf.c -- a growable text buffer for printers (EXPLAIN, qec, error rendering).
 *
 * Plain malloc (printer output is not query memory).  Out-of-memory is sticky: the
 * buffer sets `oom`, ignores further appends, and rt_strbuf_take returns NULL.
 */
#include "rt_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rt_strbuf_init(rt_strbuf *sb) {
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->oom = false;
}

/* Makes room for `extra` more bytes plus the NUL. */
static bool strbuf_reserve(rt_strbuf *sb, size_t extra) {
    if (sb->oom)
        return false;
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(sb->data, cap);
    if (p == NULL) {
        sb->oom = true;
        return false;
    }
    sb->data = p;
    sb->cap = cap;
    return true;
}

void rt_strbuf_append(rt_strbuf *sb, const char *s, size_t n) {
    if (!strbuf_reserve(sb, n))
        return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void rt_strbuf_puts(rt_strbuf *sb, const char *s) { rt_strbuf_append(sb, s, strlen(s)); }

void rt_strbuf_printf(rt_strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !strbuf_reserve(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *rt_strbuf_take(rt_strbuf *sb) {
    if (sb->oom) {
        rt_strbuf_free(sb);
        return NULL;
    }
    if (sb->data == NULL && !strbuf_reserve(sb, 0))
        return NULL;
    char *s = sb->data;
    if (sb->len == 0)
        s[0] = '\0';
    rt_strbuf_init(sb);
    return s;
}

void rt_strbuf_free(rt_strbuf *sb) {
    free(sb->data);
    rt_strbuf_init(sb);
}
