/*
 * func_string.c -- string function kernels (PostgreSQL semantics).
 *
 * Lengths and positions count UTF-8 characters (length, substring, position, left,
 * right, lpad/rpad, reverse, overlay); octet_length counts bytes.  upper/lower/initcap
 * map ASCII, Latin-1 and basic Cyrillic letters (the two-byte UTF-8 ones with two-byte
 * partners); other letters are left alone.  Invalid UTF-8 is not rejected: a stray byte counts as
 * one character.  Results longer than 1 GB fail with 54000 like PostgreSQL's.
 */
#include "func.h"

#include <stdio.h>
#include <string.h>

/* ---- small helpers -------------------------------------------------------------------- */

static void set_str(rt_value *out, const char *p, size_t n) {
    out->u.s.ptr = p;
    out->u.s.len = (uint32_t)n;
}

/* The characters [from, from + count) (0-based, clipped) of s as a view
 * (str_inline.h, shared with compiled code). */
static void char_slice(const char *s, uint32_t n, int64_t from, int64_t count, rt_value *out) {
    uint32_t start;
    uint32_t len = rt_str_char_slice(s, n, from, count, &start);
    set_str(out, s + start, len);
}

static bool too_long(rt_fcall *c, uint64_t n) {
    if (n <= (1u << 30))
        return false;
    rt_error_set(c->err, QE_DATA, "54000", c->e->position, "requested length too large");
    return true;
}

/* Byte offset of the first occurrence of needle in hay at or after `from`, or -1
 * (str_inline.h, shared with compiled code). */
static int64_t find(const char *hay, uint32_t n, const char *needle, uint32_t m, uint32_t from) {
    return rt_str_find(hay, n, needle, m, from);
}

/* ---- lengths, case -------------------------------------------------------------------- */

qe_status rt_fn_length(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    (void)n_args;
    out->u.i = rt_utf8_count(a[0].u.s.ptr, a[0].u.s.len);
    return QE_OK;
}

qe_status rt_fn_octet_length(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    (void)n_args;
    out->u.i = a[0].u.s.len;
    return QE_OK;
}

/* mode: 'u' upper, 'l' lower, 'i' initcap (str_inline.h, shared with compiled code). */
static qe_status change_case(rt_fcall *c, const rt_value *a, rt_value *out, char mode) {
    uint32_t n = a[0].u.s.len;
    char *buf = rt_fcall_buf(c, n ? n : 1);
    if (buf == NULL)
        return c->err->status;
    memcpy(buf, a[0].u.s.ptr, n);
    rt_str_change_case((unsigned char *)buf, n, mode);
    set_str(out, buf, n);
    return QE_OK;
}

qe_status rt_fn_upper(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    return change_case(c, a, out, 'u');
}

qe_status rt_fn_lower(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    return change_case(c, a, out, 'l');
}

qe_status rt_fn_initcap(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    return change_case(c, a, out, 'i');
}

/* ---- substrings ----------------------------------------------------------------------- */

/* substring(s, from [, count]): characters from `from` (1-based) on. */
qe_status rt_fn_substring(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    int64_t from = a[1].u.i, count = INT64_MAX / 4;
    if (n_args > 2) {
        count = a[2].u.i;
        if (count < 0)
            return rt_error_set(c->err, QE_DATA, "22011", c->e->position,
                                "negative substring length not allowed");
    }
    if (from < -(INT64_MAX / 4))
        from = -(INT64_MAX / 4);
    char_slice(a[0].u.s.ptr, a[0].u.s.len, from - 1, count, out);
    return QE_OK;
}

/* The vector form with constant bounds: one loop over the string views (CHAR(n)
 * padding dropped when due); a NULL or negative bound is left to the row form. */
qe_status rt_vfn_substring(rt_fcall *c, const rt_vector *const *args, uint32_t n_args,
                           const uint32_t *sel, uint32_t n, rt_vector *res, bool *handled) {
    *handled = false;
    for (uint32_t j = 1; j < n_args; j++)
        if (c->e->u.func.args[j]->kind != PLAN_EXPR_CONST)
            return QE_OK;
    rt_value from, count = {.u.i = INT64_MAX / 4};
    rt_vector_get_value(args[1], sel && n ? sel[0] : 0, &from);
    if (n_args > 2)
        rt_vector_get_value(args[2], sel && n ? sel[0] : 0, &count);
    if (n == 0 || args[0]->type != QE_TYPE_VARCHAR || from.is_null || count.is_null ||
        count.u.i < 0)
        return QE_OK;
    int64_t start = (from.u.i < -(INT64_MAX / 4) ? -(INT64_MAX / 4) : from.u.i) - 1;
    bool unpad = c->char_args & 1;
    const rt_vector *v = args[0];
    const rt_string *views = v->values;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        if (!rt_vector_is_valid(v, i))
            continue; /* the result bit stays 0: NULL */
        const char *p = rt_string_ptr(v, &views[i]);
        uint32_t len = views[i].len;
        while (unpad && len > 0 && p[len - 1] == ' ')
            len--;
        rt_value out;
        char_slice(p, len, start, count.u.i, &out);
        rt_bit_set(res->validity, i);
        if (!rt_vector_set_string(res, c->morsel, i, out.u.s.ptr, out.u.s.len))
            return rt_error_nomem(c->err, NULL);
    }
    *handled = true;
    return QE_OK;
}

/* left(s, n): first n characters; n < 0: all but the last -n. */
qe_status rt_fn_left(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    (void)n_args;
    uint32_t start;
    uint32_t len = rt_str_left_right(a[0].u.s.ptr, a[0].u.s.len, a[1].u.i, false, &start);
    set_str(out, a[0].u.s.ptr + start, len);
    return QE_OK;
}

/* right(s, n): last n characters; n < 0: all but the first -n. */
qe_status rt_fn_right(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    (void)n_args;
    uint32_t start;
    uint32_t len = rt_str_left_right(a[0].u.s.ptr, a[0].u.s.len, a[1].u.i, true, &start);
    set_str(out, a[0].u.s.ptr + start, len);
    return QE_OK;
}

/* Character position (1-based) of needle in hay; 0 if absent. */
static int64_t str_position(const rt_value *hay, const rt_value *needle) {
    return rt_str_position(hay->u.s.ptr, hay->u.s.len, needle->u.s.ptr, needle->u.s.len);
}

/* position(needle IN hay) is bound as position(needle, hay). */
qe_status rt_fn_position(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    (void)n_args;
    out->u.i = str_position(&a[1], &a[0]);
    return QE_OK;
}

qe_status rt_fn_strpos(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    (void)n_args;
    out->u.i = str_position(&a[0], &a[1]);
    return QE_OK;
}

qe_status rt_fn_starts_with(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    (void)n_args;
    out->u.b =
        a[1].u.s.len <= a[0].u.s.len && memcmp(a[0].u.s.ptr, a[1].u.s.ptr, a[1].u.s.len) == 0;
    return QE_OK;
}

qe_status rt_fn_contains(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    (void)n_args;
    out->u.b = find(a[0].u.s.ptr, a[0].u.s.len, a[1].u.s.ptr, a[1].u.s.len, 0) >= 0;
    return QE_OK;
}

/* split_part(s, delimiter, n): field n (1-based; negative counts from the end). */
qe_status rt_fn_split_part(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    const char *s = a[0].u.s.ptr, *d = a[1].u.s.ptr;
    uint32_t n = a[0].u.s.len, m = a[1].u.s.len;
    int64_t field = a[2].u.i;
    if (field == 0)
        return rt_error_set(c->err, QE_DATA, "22023", c->e->position,
                            "field position must not be zero");
    set_str(out, s, 0);
    if (m == 0) { /* the whole string is the one field */
        if (field == 1 || field == -1)
            set_str(out, s, n);
        return QE_OK;
    }
    if (field < 0) { /* count the fields, then take it from the front */
        int64_t n_fields = 1;
        for (int64_t at = find(s, n, d, m, 0); at >= 0; at = find(s, n, d, m, (uint32_t)at + m))
            n_fields++;
        field += n_fields + 1;
        if (field <= 0)
            return QE_OK;
    }
    uint32_t start = 0;
    for (int64_t f = 1;; f++) {
        int64_t at = find(s, n, d, m, start);
        uint32_t end = at < 0 ? n : (uint32_t)at;
        if (f == field) {
            set_str(out, s + start, end - start);
            return QE_OK;
        }
        if (at < 0)
            return QE_OK;
        start = end + m;
    }
}

/* ---- building strings ----------------------------------------------------------------- */

qe_status rt_fn_replace(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    const char *s = a[0].u.s.ptr, *from = a[1].u.s.ptr, *to = a[2].u.s.ptr;
    uint32_t n = a[0].u.s.len, nf = a[1].u.s.len, nt = a[2].u.s.len;
    if (nf == 0 || find(s, n, from, nf, 0) < 0) {
        *out = a[0];
        return QE_OK;
    }
    uint64_t hits = 0;
    for (int64_t at = find(s, n, from, nf, 0); at >= 0;
         at = find(s, n, from, nf, (uint32_t)at + nf))
        hits++;
    uint64_t len = n + hits * nt - hits * nf;
    if (too_long(c, len))
        return c->err->status;
    char *buf = rt_fcall_buf(c, len ? len : 1);
    if (buf == NULL)
        return c->err->status;
    uint32_t i = 0, o = 0;
    for (int64_t at = find(s, n, from, nf, 0); at >= 0; at = find(s, n, from, nf, i)) {
        memcpy(buf + o, s + i, (uint32_t)at - i);
        o += (uint32_t)at - i;
        memcpy(buf + o, to, nt);
        o += nt;
        i = (uint32_t)at + nf;
    }
    memcpy(buf + o, s + i, n - i);
    set_str(out, buf, o + n - i);
    return QE_OK;
}

qe_status rt_fn_repeat(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    int64_t k = a[1].u.i;
    uint32_t n = a[0].u.s.len;
    if (k <= 0 || n == 0) {
        set_str(out, a[0].u.s.ptr, 0);
        return QE_OK;
    }
    if (k > (1 << 30) || too_long(c, (uint64_t)k * n))
        return too_long(c, UINT64_MAX), c->err->status;
    char *buf = rt_fcall_buf(c, (size_t)k * n);
    if (buf == NULL)
        return c->err->status;
    for (int64_t i = 0; i < k; i++)
        memcpy(buf + i * n, a[0].u.s.ptr, n);
    set_str(out, buf, (size_t)k * n);
    return QE_OK;
}

qe_status rt_fn_reverse(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    uint32_t n = a[0].u.s.len;
    char *buf = rt_fcall_buf(c, n ? n : 1);
    if (buf == NULL)
        return c->err->status;
    for (uint32_t i = 0; i < n;) {
        uint32_t w = rt_utf8_len((unsigned char)a[0].u.s.ptr[i]);
        if (w > n - i)
            w = n - i;
        memcpy(buf + n - i - w, a[0].u.s.ptr + i, w);
        i += w;
    }
    set_str(out, buf, n);
    return QE_OK;
}

/* lpad/rpad(s, len [, fill]): s cut or padded with fill (default ' ') to len chars. */
static qe_status pad(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out, bool left) {
    const char *s = a[0].u.s.ptr, *fill = n_args > 2 ? a[2].u.s.ptr : " ";
    uint32_t n = a[0].u.s.len, nf = n_args > 2 ? a[2].u.s.len : 1;
    int64_t len = a[1].u.i;
    if (len <= 0) {
        set_str(out, s, 0);
        return QE_OK;
    }
    int64_t have = rt_utf8_count(s, n);
    if (have >= len || nf == 0) {
        char_slice(s, n, 0, len, out);
        return QE_OK;
    }
    if (too_long(c, (uint64_t)len * 4))
        return c->err->status;
    char *buf = rt_fcall_buf(c, (size_t)len * 4 + n);
    if (buf == NULL)
        return c->err->status;
    uint32_t o = 0, fi = 0;
    if (!left) {
        memcpy(buf, s, n);
        o = n;
    }
    for (int64_t k = have; k < len; k++) {
        uint32_t w = rt_utf8_len((unsigned char)fill[fi]);
        w = w > nf - fi ? nf - fi : w;
        memcpy(buf + o, fill + fi, w);
        o += w;
        fi = fi + w >= nf ? 0 : fi + w;
    }
    if (left) {
        memcpy(buf + o, s, n);
        o += n;
    }
    set_str(out, buf, o);
    return QE_OK;
}

qe_status rt_fn_lpad(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    return pad(c, a, n_args, out, true);
}

qe_status rt_fn_rpad(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    return pad(c, a, n_args, out, false);
}

/* btrim/ltrim/rtrim(s [, characters]): which 1 = leading, 2 = trailing, 3 = both
 * (str_inline.h, shared with compiled code). */
static qe_status trim(const rt_value *a, uint32_t n_args, rt_value *out, int which) {
    const char *s = a[0].u.s.ptr, *set = n_args > 1 ? a[1].u.s.ptr : " ";
    uint32_t ns = n_args > 1 ? a[1].u.s.len : 1, start;
    uint32_t len = rt_str_trim(s, a[0].u.s.len, set, ns, which, &start);
    set_str(out, s + start, len);
    return QE_OK;
}

qe_status rt_fn_btrim(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    return trim(a, n_args, out, 3);
}

qe_status rt_fn_ltrim(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    return trim(a, n_args, out, 1);
}

qe_status rt_fn_rtrim(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    return trim(a, n_args, out, 2);
}

/* overlay(s PLACING r FROM from [FOR count]) = s[..from) || r || s[from + count..]. */
qe_status rt_fn_overlay(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    const char *s = a[0].u.s.ptr, *r = a[1].u.s.ptr;
    uint32_t n = a[0].u.s.len, nr = a[1].u.s.len;
    int64_t from = a[2].u.i;
    int64_t count = n_args > 3 ? a[3].u.i : (int64_t)rt_utf8_count(r, nr);
    if (from <= 0)
        return rt_error_set(c->err, QE_DATA, "22011", c->e->position,
                            "negative substring length not allowed");
    if (count > INT32_MAX || count < INT32_MIN || from > INT32_MAX)
        return rt_error_set(c->err, QE_DATA, "22003", c->e->position, "integer out of range");
    uint32_t head = rt_str_char_offset(s, n, from - 1);
    int64_t tail_from = from - 1 + count;
    uint32_t tail = tail_from < 0 ? 0 : rt_str_char_offset(s, n, tail_from);
    char *buf = rt_fcall_buf(c, (size_t)head + nr + (n - tail) + 1);
    if (buf == NULL)
        return c->err->status;
    memcpy(buf, s, head);
    memcpy(buf + head, r, nr);
    memcpy(buf + head + nr, s + tail, n - tail);
    set_str(out, buf, (size_t)head + nr + (n - tail));
    return QE_OK;
}

/* chr(code): the character with that Unicode code point, UTF-8 encoded. */
qe_status rt_fn_chr(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    int64_t cp = a[0].u.i;
    if (cp == 0)
        return rt_error_set(c->err, QE_DATA, "54000", c->e->position,
                            "null character not permitted");
    if (cp < 0 || cp > 0x10FFFF)
        return rt_error_set(c->err, QE_DATA, "54000", c->e->position,
                            "requested character too large for encoding: %lld", (long long)cp);
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return rt_error_set(c->err, QE_DATA, "54000", c->e->position,
                            "requested character not valid for encoding: %lld", (long long)cp);
    char *b = rt_fcall_buf(c, 4);
    if (b == NULL)
        return c->err->status;
    uint32_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    set_str(out, b, n);
    return QE_OK;
}

/* ---- concat --------------------------------------------------------------------------- */

/* Appends the text of argument i (any type; NULL adds nothing) to the scratch at *len. */
static qe_status append_text(rt_fcall *c, const rt_value *args, uint32_t i, size_t *len) {
    const rt_value *v = &args[i];
    if (v->is_null || v->type == QE_TYPE_NULL)
        return QE_OK;
    rt_value text = *v;
    if (v->type != QE_TYPE_VARCHAR) {
        char tmp[96];
        int n = rt_value_format_mod(v, c->e->u.func.args[i]->typmod, tmp, sizeof tmp);
        if (n < 0 || (size_t)n >= sizeof tmp)
            return rt_error_set(c->err, QE_INTERNAL, "XX000", c->e->position,
                                "cannot format a value of type %s", rt_type_pg_name(v->type));
        if (v->type == QE_TYPE_BOOLEAN) /* PostgreSQL's text form of booleans */
            n = snprintf(tmp, sizeof tmp, "%s", v->u.b ? "t" : "f");
        text.u.s.ptr = tmp;
        text.u.s.len = (uint32_t)n;
        if (too_long(c, *len + (size_t)n))
            return c->err->status;
        char *buf = rt_fcall_buf(c, *len + (size_t)n);
        if (buf == NULL)
            return c->err->status;
        memcpy(buf + *len, tmp, (size_t)n);
        *len += (size_t)n;
        return QE_OK;
    }
    if (too_long(c, *len + text.u.s.len))
        return c->err->status;
    char *buf = rt_fcall_buf(c, *len + text.u.s.len);
    if (buf == NULL)
        return c->err->status;
    memcpy(buf + *len, text.u.s.ptr, text.u.s.len);
    *len += text.u.s.len;
    return QE_OK;
}

qe_status rt_fn_concat(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    size_t len = 0;
    for (uint32_t i = 0; i < n_args; i++) {
        qe_status st = append_text(c, a, i, &len);
        if (st != QE_OK)
            return st;
    }
    set_str(out, len ? c->buf : "", len);
    return QE_OK;
}

qe_status rt_fn_concat_ws(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    if (a[0].is_null) {
        out->is_null = true;
        return QE_OK;
    }
    size_t len = 0;
    bool first = true;
    for (uint32_t i = 1; i < n_args; i++) {
        if (a[i].is_null)
            continue;
        qe_status st = first ? QE_OK : append_text(c, a, 0, &len);
        if (st == QE_OK)
            st = append_text(c, a, i, &len);
        if (st != QE_OK)
            return st;
        first = false;
    }
    set_str(out, len ? c->buf : "", len);
    return QE_OK;
}
