/*
 * value_format.c -- values as text: rt_value_format and the public qe_value_format.
 *
 * Integers in decimal; DOUBLE with the shortest of %.15g/%.16g/%.17g that reads back
 * to the same bits, integral values with a trailing ".0" as DuckDB prints them
 * (2.0, -0.0), and inf/-inf/nan; BOOLEAN as true/false; DATE as YYYY-MM-DD and
 * TIMESTAMP as YYYY-MM-DD HH:MM:SS[.ffffff] (proleptic Gregorian); HUGEINT in decimal,
 * DECIMAL with exactly its scale's fraction digits (-0.50), INTERVAL as PostgreSQL's
 * default style (1 year 2 mons 3 days 04:05:06).  Both functions
 * behave like snprintf: they return the length the full text needs.
 */
#include "rt_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies text into buf (truncating, NUL-terminated) and returns its length. */
static int put_text(char *buf, size_t cap, const char *text, size_t len) {
    if (cap > 0) {
        size_t n = len < cap - 1 ? len : cap - 1;
        memcpy(buf, text, n);
        buf[n] = '\0';
    }
    return (int)len;
}

/* Shortest round-trip text of a double into out (at least 32 bytes). */
static void format_double(double d, char *out, size_t cap) {
    if (isnan(d)) {
        snprintf(out, cap, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(out, cap, d < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, d);
        if (prec == 17 || strtod(out, NULL) == d)
            break;
    }
    /* Integral values print with ".0" (DuckDB): only digits and a sign so far. */
    if (strspn(out, "-0123456789") == strlen(out)) {
        size_t n = strlen(out);
        if (n + 2 < cap)
            memcpy(out + n, ".0", 3);
    }
}

/* Shortest text of a REAL that reads back to the same float. */
static void format_real(float f, char *out, size_t cap) {
    if (isnan(f) || isinf(f)) {
        format_double(f, out, cap);
        return;
    }
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(out, cap, "%.*g", prec, (double)f);
        if (prec == 9 || strtof(out, NULL) == f)
            break;
    }
    if (strspn(out, "-0123456789") == strlen(out)) {
        size_t n = strlen(out);
        if (n + 2 < cap)
            memcpy(out + n, ".0", 3);
    }
}

static void format_date(int64_t days, char *out, size_t cap) {
    int64_t y;
    unsigned m, d;
    rt_civil_from_days(days, &y, &m, &d);
    snprintf(out, cap, "%04" PRId64 "-%02u-%02u", y, m, d);
}

static void format_timestamp(int64_t us, char *out, size_t cap) {
    int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
    if (rem < 0) {
        rem += 86400000000LL;
        days -= 1;
    }
    format_date(days, out, cap);
    size_t n = strlen(out);
    int64_t secs = rem / 1000000, frac = rem % 1000000;
    snprintf(out + n, cap - n, " %02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60),
             (int)(secs % 60));
    if (frac != 0) {
        n = strlen(out);
        snprintf(out + n, cap - n, ".%06d", (int)frac);
        n = strlen(out);
        while (out[n - 1] == '0')
            out[--n] = '\0';
    }
}

/* Decimal digits of a 128-bit integer with `scale` digits after the point (at least
 * one digit before it), into out (at least 48 bytes). */
void rt_format_i128(rt_i128 v, int scale, char *out) {
    char digits[48];
    int n = 0;
    unsigned __int128 mag = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    do {
        digits[n++] = (char)('0' + (int)(mag % 10));
        mag /= 10;
    } while (mag != 0 || n <= scale);
    char *p = out;
    if (v < 0)
        *p++ = '-';
    for (int i = n - 1; i >= 0; i--) {
        *p++ = digits[i];
        if (i == scale && scale > 0)
            *p++ = '.';
    }
    *p = '\0';
}

/* PostgreSQL's interval output (IntervalStyle postgres): "1 year 2 mons 3 days
 * 04:05:06.5", "-1 days +02:00:00", "00:00:00"; a part after a negative one shows
 * its sign. */
static void format_interval(const rt_value *val, char *out, size_t cap) {
    int32_t months = val->u.iv.months, days = val->u.iv.days;
    int64_t us = val->u.iv.micros;
    int32_t parts[3] = {months / 12, months % 12, days};
    static const char *const units[3] = {"year", "mon", "day"};
    size_t n = 0;
    bool before = false; /* a negative part was printed */
    out[0] = '\0';
    for (int k = 0; k < 3; k++) {
        int32_t x = parts[k];
        if (x == 0)
            continue;
        n += (size_t)snprintf(out + n, cap - n, "%s%s%d %s%s", n ? " " : "",
                              before && x > 0 ? "+" : "", (int)x, units[k], x == 1 ? "" : "s");
        before |= x < 0;
    }
    if (us != 0 || n == 0) {
        uint64_t mag = us < 0 ? 0 - (uint64_t)us : (uint64_t)us;
        uint64_t secs = mag / 1000000, frac = mag % 1000000;
        n += (size_t)snprintf(out + n, cap - n, "%s%s%02" PRIu64 ":%02u:%02u", n ? " " : "",
                              us < 0   ? "-"
                              : before ? "+"
                                       : "",
                              secs / 3600, (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
        if (frac != 0 && n < cap) {
            n += (size_t)snprintf(out + n, cap - n, ".%06u", (unsigned)frac);
            while (n > 0 && out[n - 1] == '0')
                out[--n] = '\0';
        }
    }
}

int rt_value_format(const rt_value *val, char *buf, size_t cap) {
    return rt_value_format_mod(val, 0, buf, cap);
}

int rt_value_format_mod(const rt_value *val, int32_t typmod, char *buf, size_t cap) {
    char tmp[96];
    if (val->is_null || val->type == QE_TYPE_NULL) {
        put_text(buf, cap, "", 0);
        return -1;
    }
    switch (val->type) {
    case QE_TYPE_BOOLEAN:
        return val->u.b ? put_text(buf, cap, "true", 4) : put_text(buf, cap, "false", 5);
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT: snprintf(tmp, sizeof tmp, "%" PRId64, val->u.i); break;
    case QE_TYPE_REAL: format_real((float)val->u.d, tmp, sizeof tmp); break;
    case QE_TYPE_DOUBLE: format_double(val->u.d, tmp, sizeof tmp); break;
    case QE_TYPE_DATE: format_date(val->u.i, tmp, sizeof tmp); break;
    case QE_TYPE_TIMESTAMP: format_timestamp(val->u.i, tmp, sizeof tmp); break;
    case QE_TYPE_HUGEINT: rt_format_i128(val->u.h, 0, tmp); break;
    case QE_TYPE_DECIMAL: rt_format_i128(val->u.h, PLAN_DECIMAL_SCALE(typmod), tmp); break;
    case QE_TYPE_INTERVAL: format_interval(val, tmp, sizeof tmp); break;
    case QE_TYPE_VARCHAR: return put_text(buf, cap, val->u.s.ptr, val->u.s.len);
    default: snprintf(tmp, sizeof tmp, "<%s>", rt_type_pg_name(val->type)); break;
    }
    return put_text(buf, cap, tmp, strlen(tmp));
}

int qe_value_format(const qe_column_view *col, size_t row, char *buf, size_t cap) {
    if (col == NULL || (col->validity != NULL && !((col->validity[row >> 3] >> (row & 7)) & 1)) ||
        col->values == NULL) {
        put_text(buf, cap, "", 0);
        return -1;
    }
    /* A column view has the layout of an rt_vector: read it through one. */
    rt_vector v = {
        .type = col->type,
        .validity = NULL,
        .values = (void *)col->values,
        .n_buffers = (uint32_t)col->n_buffers,
        .buffers = (const char **)col->buffers,
    };
    rt_value val;
    rt_vector_get_value(&v, (uint32_t)row, &val);
    int32_t typmod = col->type == QE_TYPE_DECIMAL && col->precision > 0
                         ? PLAN_TYPMOD_DECIMAL(col->precision, col->scale)
                         : 0;
    return rt_value_format_mod(&val, typmod, buf, cap);
}
