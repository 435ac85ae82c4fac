/*
 * bind_convert.c -- text input of the types without a runtime parser yet: DATE,
 * TIMESTAMP, INTERVAL and DECIMAL, as the binder needs them for literals (DATE
 * '1998-12-01', '90 days'::INTERVAL, 1.25) and for casts of string constants.
 *
 * The accepted syntax is PostgreSQL's ISO subset: dates YYYY-MM-DD (optionally
 * followed by a time for timestamps), intervals as a list of "quantity unit" pairs
 * and/or an HH:MM[:SS[.frac]] time, optionally qualified by SQL fields ('3' MONTH,
 * '1-2' YEAR TO MONTH).  Errors use PostgreSQL's wording and SQLSTATEs: 22007 invalid
 * syntax, 22008 field out of range, 22003 numeric overflow.
 */
#include "fe_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Shows at most 200 bytes of a value in a message. */
static int shown(uint32_t len) { return len < 200 ? (int)len : 200; }

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Reads 1..max_digits digits at *s (advancing); false if none. */
static bool read_uint(const char **s, const char *end, int max_digits, int64_t *out) {
    int64_t v = 0;
    int n = 0;
    while (*s < end && is_digit(**s) && n < max_digits) {
        v = v * 10 + (**s - '0');
        (*s)++, n++;
    }
    *out = v;
    return n > 0;
}

static int days_in_month(int64_t y, int64_t m) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

typedef enum { CONV_OK, CONV_SYNTAX, CONV_RANGE } conv_result;

/* YYYY-MM-DD at *s. */
static conv_result parse_ymd(const char **s, const char *end, int64_t *days) {
    int64_t y, m, d;
    if (!read_uint(s, end, 7, &y) || *s >= end || **s != '-')
        return CONV_SYNTAX;
    (*s)++;
    if (!read_uint(s, end, 2, &m) || *s >= end || **s != '-')
        return CONV_SYNTAX;
    (*s)++;
    if (!read_uint(s, end, 2, &d))
        return CONV_SYNTAX;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) || y < 1 || y > 294276)
        return CONV_RANGE;
    *days = rt_days_from_civil(y, (unsigned)m, (unsigned)d);
    return CONV_OK;
}

/* HH:MM[:SS[.ffffff]] at *s -> microseconds. */
static conv_result parse_hms(const char **s, const char *end, int64_t *micros) {
    int64_t h, mi, sec = 0, frac = 0;
    if (!read_uint(s, end, 9, &h) || *s >= end || **s != ':')
        return CONV_SYNTAX;
    (*s)++;
    if (!read_uint(s, end, 2, &mi))
        return CONV_SYNTAX;
    if (*s < end && **s == ':') {
        (*s)++;
        if (!read_uint(s, end, 2, &sec))
            return CONV_SYNTAX;
        if (*s < end && **s == '.') {
            (*s)++;
            int n = 0;
            while (*s < end && is_digit(**s)) {
                if (n < 6)
                    frac = frac * 10 + (**s - '0'), n++;
                (*s)++;
            }
            for (; n < 6; n++)
                frac *= 10;
        }
    }
    if (mi > 59 || sec > 60)
        return CONV_RANGE;
    *micros = ((h * 60 + mi) * 60 + sec) * 1000000 + frac;
    return CONV_OK;
}

static void trim_blanks(const char **s, const char **end) {
    while (*s < *end && is_blank(**s))
        (*s)++;
    while (*end > *s && is_blank((*end)[-1]))
        (*end)--;
}

static bool conv_error(fe_binder *b, conv_result r, const char *type, const rt_value *in, int pos) {
    if (r == CONV_RANGE)
        fe_bind_error_hint(
            b, QE_DATA, "22008", pos, "Perhaps you need a different \"datestyle\" setting.",
            "date/time field value out of range: \"%.*s\"", shown(in->u.s.len), in->u.s.ptr);
    else
        fe_bind_error(b, QE_DATA, "22007", pos, "invalid input syntax for type %s: \"%.*s\"", type,
                      shown(in->u.s.len), in->u.s.ptr);
    return false;
}

/* DATE input (22007/22008 at pos). */
bool fe_string_to_date(fe_binder *b, const rt_value *in, int pos, int64_t *days) {
    const char *s = in->u.s.ptr, *end = s + in->u.s.len;
    trim_blanks(&s, &end);
    conv_result r = parse_ymd(&s, end, days);
    if (r == CONV_OK && s != end)
        r = CONV_SYNTAX;
    return r == CONV_OK || conv_error(b, r, "date", in, pos);
}

/* TIMESTAMP input: a date, optionally followed by ' ' or 'T' and a time. */
bool fe_string_to_timestamp(fe_binder *b, const rt_value *in, int pos, int64_t *micros) {
    const char *s = in->u.s.ptr, *end = s + in->u.s.len;
    trim_blanks(&s, &end);
    int64_t days = 0, t = 0;
    conv_result r = parse_ymd(&s, end, &days);
    if (r == CONV_OK && s < end && (*s == ' ' || *s == 'T')) {
        s++;
        r = parse_hms(&s, end, &t);
        if (r == CONV_OK && t >= 86400000000LL + 1)
            r = CONV_RANGE;
    }
    if (r == CONV_OK && s != end)
        r = CONV_SYNTAX;
    if (r != CONV_OK)
        return conv_error(b, r, "timestamp", in, pos);
    *micros = days * 86400000000LL + t;
    return true;
}

/* ---- intervals ---------------------------------------------------------------------- */

typedef struct iv_unit {
    const char *name; /* singular spelling */
    const char *abbrev[3];
    int32_t months; /* per unit */
    int32_t days;   /* per unit */
    int64_t micros; /* per unit */
} iv_unit;

static const iv_unit iv_units[] = {
    {"microsecond", {"us", "usec", "usecs"}, 0, 0, 1},
    {"millisecond", {"ms", "msec", "msecs"}, 0, 0, 1000},
    {"second", {"s", "sec", "secs"}, 0, 0, 1000000},
    {"minute", {"m", "min", "mins"}, 0, 0, 60000000},
    {"hour", {"h", "hr", "hrs"}, 0, 0, 3600000000LL},
    {"day", {"d", NULL, NULL}, 0, 1, 0},
    {"week", {"w", NULL, NULL}, 0, 7, 0},
    {"month", {"mon", "mons", NULL}, 1, 0, 0},
    {"year", {"y", "yr", "yrs"}, 12, 0, 0},
    {"decade", {NULL, NULL, NULL}, 120, 0, 0},
    {"century", {"centuries", NULL, NULL}, 1200, 0, 0},
    {"millennium", {"millennia", NULL, NULL}, 12000, 0, 0},
};

/* The unit spelled by w[0..n) (singular, plural with 's', or abbreviation), or NULL. */
static const iv_unit *find_unit(const char *w, size_t n) {
    for (size_t i = 0; i < sizeof iv_units / sizeof iv_units[0]; i++) {
        const iv_unit *u = &iv_units[i];
        size_t len = strlen(u->name);
        if ((n == len || (n == len + 1 && (w[len] == 's' || w[len] == 'S'))) &&
            strncasecmp(w, u->name, len) == 0)
            return u;
        for (int a = 0; a < 3; a++)
            if (u->abbrev[a] && strlen(u->abbrev[a]) == n && strncasecmp(w, u->abbrev[a], n) == 0)
                return u;
    }
    return NULL;
}

/* The unit a bare number means under an SQL field qualifier (its last field). */
static const iv_unit *field_unit(uint32_t fields) {
    static const char *const names[] = {"year", "month", "day", "hour", "minute", "second"};
    for (int bit = 5; bit >= 0; bit--)
        if (fields & (1u << bit))
            return find_unit(names[bit], strlen(names[bit]));
    return find_unit("second", 6);
}

/* Adds q units (q = whole + frac/10^frac_digits) to the interval; false on overflow. */
static bool iv_add(rt_value *v, const iv_unit *u, bool neg, int64_t whole, double frac) {
    double q = (double)whole + frac;
    if (neg)
        q = -q;
    double months = (double)v->u.iv.months + q * u->months;
    double days = (double)v->u.iv.days;
    double micros = (double)v->u.iv.micros + q * (double)u->micros;
    /* fractions of months and days spill into smaller units, as PostgreSQL does */
    double m_whole = (double)(int64_t)months;
    days += (months - m_whole) * 30 + q * u->days;
    double d_whole = (double)(int64_t)days;
    micros += (days - d_whole) * 86400000000.0;
    if (m_whole > INT32_MAX || m_whole < INT32_MIN || d_whole > INT32_MAX || d_whole < INT32_MIN ||
        micros > 9.2e18 || micros < -9.2e18)
        return false;
    v->u.iv.months = (int32_t)m_whole;
    v->u.iv.days = (int32_t)d_whole;
    v->u.iv.micros = (int64_t)(micros < 0 ? micros - 0.5 : micros + 0.5);
    return true;
}

/* One "[+-]number [unit]" or "[+-]HH:MM[:SS]" item at *s. */
static conv_result iv_item(const char **s, const char *end, uint32_t fields, rt_value *v) {
    bool neg = false;
    if (**s == '+' || **s == '-')
        neg = *(*s)++ == '-';
    const char *num = *s;
    int64_t whole = 0;
    double frac = 0, scale = 0.1;
    if (!read_uint(s, end, 18, &whole) && !(*s < end && **s == '.'))
        return CONV_SYNTAX;
    if (*s < end && **s == ':') { /* a time */
        *s = num;
        int64_t t;
        conv_result r = parse_hms(s, end, &t);
        if (r == CONV_OK)
            v->u.iv.micros += neg ? -t : t;
        return r;
    }
    if (fields == (FE_IVF(YEAR) | FE_IVF(MONTH)) && *s < end && **s == '-') {
        int64_t mo;
        (*s)++;
        if (!read_uint(s, end, 2, &mo))
            return CONV_SYNTAX;
        return iv_add(v, find_unit("month", 5), neg, whole * 12 + mo, 0) ? CONV_OK : CONV_RANGE;
    }
    if (*s < end && **s == '.') {
        for ((*s)++; *s < end && is_digit(**s); (*s)++, scale /= 10)
            frac += (**s - '0') * scale;
    }
    while (*s < end && is_blank(**s))
        (*s)++;
    const char *w = *s;
    while (*s < end && ((**s >= 'a' && **s <= 'z') || (**s >= 'A' && **s <= 'Z')))
        (*s)++;
    const iv_unit *u = *s > w ? find_unit(w, (size_t)(*s - w)) : field_unit(fields);
    if (!u)
        return CONV_SYNTAX;
    return iv_add(v, u, neg, whole, frac) ? CONV_OK : CONV_RANGE;
}

/* INTERVAL input ('90 days', '1 year 2 mons', '3' with fields MONTH, '1 02:00:00'). */
bool fe_string_to_interval(fe_binder *b, const rt_value *in, uint32_t fields, int pos,
                           rt_value *out) {
    const char *s = in->u.s.ptr, *end = s + in->u.s.len;
    trim_blanks(&s, &end);
    rt_value v = {.type = QE_TYPE_INTERVAL};
    conv_result r = s == end ? CONV_SYNTAX : CONV_OK;
    while (r == CONV_OK && s < end) {
        r = iv_item(&s, end, fields, &v);
        while (s < end && is_blank(*s))
            s++;
        if (r == CONV_OK && end - s == 3 && strncasecmp(s, "ago", 3) == 0) {
            v.u.iv.months = -v.u.iv.months, v.u.iv.days = -v.u.iv.days;
            v.u.iv.micros = -v.u.iv.micros;
            s = end;
        }
    }
    if (r == CONV_RANGE) {
        fe_bind_error(b, QE_DATA, "22015", pos, "interval field value out of range: \"%.*s\"",
                      shown(in->u.s.len), in->u.s.ptr);
        return false;
    }
    if (r != CONV_OK)
        return conv_error(b, r, "interval", in, pos);
    *out = v;
    return true;
}

/* ---- decimals ----------------------------------------------------------------------- */

/*
 * Parses [sign] digits [. digits] into an integer scaled by 10^scale, rounding half
 * away from zero; *int_digits receives the significant digits before the point.
 * False on bad syntax or when the scaled value does not fit 64 bits (*int_digits is
 * then > 18).
 */
bool fe_parse_decimal(const char *s, const char *end, int scale, int64_t *out, int *int_digits) {
    bool neg = false, any = false, big = false; /* big: beyond 64 bits (v saturates) */
    if (s < end && (*s == '+' || *s == '-'))
        neg = *s++ == '-';
    const __int128 cap = (__int128)INT64_MAX;
    __int128 v = 0;
    int digits = 0;
    for (; s < end && is_digit(*s); s++, any = true) {
        digits += v > 0 || *s != '0' || big;
        if (!big)
            v = v * 10 + (*s - '0');
        big |= v > cap;
    }
    int frac_seen = 0, round_digit = 0;
    if (s < end && *s == '.') {
        for (s++; s < end && is_digit(*s); s++, any = true) {
            if (frac_seen < scale) {
                if (!big)
                    v = v * 10 + (*s - '0');
                big |= v > cap;
                frac_seen++;
            } else if (frac_seen++ == scale) {
                round_digit = *s - '0';
            }
        }
    }
    if (!any || s != end)
        return *int_digits = 0, false;
    for (; frac_seen < scale && !big; frac_seen++) {
        v *= 10;
        big |= v > cap;
    }
    if (!big && round_digit >= 5)
        v += 1;
    big |= v > cap;
    *int_digits = big && digits < 19 ? 19 : digits;
    if (big)
        return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

/* DECIMAL(p, s) input: 22P02 on bad syntax, 22003 "numeric field overflow" when the
 * value needs more than p - s integer digits. */
bool fe_string_to_decimal(fe_binder *b, const rt_value *in, int32_t typmod, int pos, int64_t *out) {
    const char *s = in->u.s.ptr, *end = s + in->u.s.len;
    trim_blanks(&s, &end);
    int p = PLAN_DECIMAL_PRECISION(typmod), sc = PLAN_DECIMAL_SCALE(typmod), int_digits = 0;
    bool ok = fe_parse_decimal(s, end, sc, out, &int_digits);
    if (!ok && int_digits == 0) {
        fe_bind_error(b, QE_DATA, "22P02", pos, "invalid input syntax for type numeric: \"%.*s\"",
                      shown(in->u.s.len), in->u.s.ptr);
        return false;
    }
    if (!ok && int_digits <= p - sc) { /* fits DECIMAL(p, s), but not a 64-bit constant */
        fe_bind_error(b, QE_UNSUPPORTED, "0A000", pos,
                      "DECIMAL constants of more than 18 digits are not supported yet");
        return false;
    }
    if (!ok || int_digits > p - sc) {
        fe_bind_error(b, QE_DATA, "22003", pos, "numeric field overflow");
        rt_error_detail(b->err,
                        "A field with precision %d, scale %d must round to an absolute value less "
                        "than %s%d.",
                        p, sc, p - sc == 0 ? "" : "10^", p - sc == 0 ? 1 : p - sc);
        return false;
    }
    return true;
}
