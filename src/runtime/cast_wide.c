/*
 * cast_wide.c -- casts involving HUGEINT, DECIMAL(p, s), DATE, TIMESTAMP, INTERVAL
 * and the type modifiers VARCHAR(n) / CHAR(n): rt_value_cast_mod.
 *
 * Semantics (PostgreSQL's, with DuckDB's rounding where they differ):
 *   - to DECIMAL(p, s): exact rescaling, rounding half away from zero; a value that
 *     needs more than p - s integer digits is 22003 "numeric field overflow"; text
 *     input accepts blanks around [sign] digits [. digits] [e exp] (22P02 otherwise).
 *   - DECIMAL / DOUBLE to integers: rounded half away from zero, checked (22003).
 *   - text to DATE / TIMESTAMP: YYYY-MM-DD [HH:MM[:SS[.ffffff]]] (a 'T' may separate
 *     them; DATE drops the time); bad syntax is 22007, impossible fields 22008.
 *   - text to INTERVAL: PostgreSQL's "1 year 2 mons 3 days 04:05:06" form (units
 *     year, month/mon, week, day, hour, minute/min, second/sec, millisecond,
 *     microsecond; singular, plural or abbreviated; "ago" negates; "@" ignored).
 *   - DATE <-> TIMESTAMP (midnight; the date of a timestamp).
 *   - VARCHAR(n): a longer value is 22001 unless the excess is blanks (dropped);
 *     CHAR(n) also pads with blanks to n characters.  Lengths count UTF-8 characters.
 *   - anything to VARCHAR: the text of rt_value_format_mod (DECIMAL with its scale).
 */
#include "rt_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define US_PER_DAY 86400000000LL
#define SHOWN(len) ((int)((len) > 200 ? 200 : (len)))

static bool is_time(qe_type t) { return t == QE_TYPE_DATE || t == QE_TYPE_TIMESTAMP; }
static bool is_int(qe_type t) { return rt_type_is_integer(t) || t == QE_TYPE_BOOLEAN; }
static bool is_exact(qe_type t) {
    return is_int(t) || t == QE_TYPE_HUGEINT || t == QE_TYPE_DECIMAL;
}
static bool is_float(qe_type t) { return t == QE_TYPE_REAL || t == QE_TYPE_DOUBLE; }

bool rt_cast_wide_supported(qe_type from, qe_type to) {
    if (from == QE_TYPE_VARCHAR || to == QE_TYPE_VARCHAR)
        return true;
    if ((is_exact(from) || is_float(from)) && (is_exact(to) || is_float(to)))
        return true;
    return is_time(from) && is_time(to);
}

static qe_status bad_syntax(rt_error *err, const char *sqlstate, const char *type,
                            const rt_value *in, int pos) {
    return rt_error_set(err, QE_DATA, sqlstate, pos, "invalid input syntax for type %s: \"%.*s\"",
                        type, SHOWN(in->u.s.len), in->u.s.ptr);
}

qe_status rt_error_numeric_overflow(rt_error *err, int32_t typmod, int pos) {
    int p = PLAN_DECIMAL_PRECISION(typmod), s = PLAN_DECIMAL_SCALE(typmod);
    rt_error_set(err, QE_DATA, "22003", pos, "numeric field overflow");
    rt_error_detail(err,
                    "A field with precision %d, scale %d must round to an absolute value less "
                    "than %s%d.",
                    p, s, p - s == 0 ? "" : "10^", p - s == 0 ? 1 : p - s);
    return QE_DATA;
}

/* Trims blanks around s[0..len). */
static const char *trim_blanks(const char *s, uint32_t *len) {
    uint32_t n = *len;
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

/* ---- exact numbers ---------------------------------------------------------------------- */

/* x (scale from) rescaled to scale to, rounding half away from zero; false on 128-bit
 * overflow. */
static bool rescale(rt_i128 x, int from, int to, rt_i128 *out) {
    if (to >= from) {
        rt_i128 f = rt_pow10(to - from);
        return !__builtin_mul_overflow(x, f, out);
    }
    rt_i128 f = rt_pow10(from - to), q = x / f, r = x % f;
    if (r != 0 && (r < 0 ? -r : r) * 2 >= f)
        q += x < 0 ? -1 : 1;
    *out = q;
    return true;
}

/* The exact value and scale of an integer/HUGEINT/DECIMAL/BOOLEAN value. */
static rt_i128 exact_of(const rt_value *in, int32_t typmod, int *scale) {
    *scale = in->type == QE_TYPE_DECIMAL ? PLAN_DECIMAL_SCALE(typmod) : 0;
    if (in->type == QE_TYPE_BOOLEAN)
        return in->u.b;
    return in->type == QE_TYPE_DECIMAL || in->type == QE_TYPE_HUGEINT ? in->u.h : in->u.i;
}

/* Parses [sign] digits [. digits] [e [sign] digits] into a value of scale `scale`
 * (rounded half away from zero).  0: ok, 1: bad syntax, 2: too large. */
static int parse_exact(const char *s, uint32_t len, int scale, rt_i128 *out) {
    uint32_t i = 0;
    bool neg = false, any = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    char digits[80];
    int nd = 0, point = -1; /* significant digits kept; digits before the point */
    int dropped_int = 0;    /* integer digits beyond what we keep (too large) */
    for (; i < len && (isdigit((unsigned char)s[i]) || s[i] == '.'); i++) {
        if (s[i] == '.') {
            if (point >= 0)
                return 1;
            point = nd;
            continue;
        }
        any = true;
        if (nd == 0 && s[i] == '0' && point < 0)
            continue; /* leading zeros */
        if (nd < 78)
            digits[nd++] = s[i];
        else if (point < 0)
            dropped_int++;
    }
    if (!any)
        return 1;
    if (point < 0)
        point = nd;
    long exp = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i == len || !isdigit((unsigned char)s[i]))
            return 1;
        for (; i < len && isdigit((unsigned char)s[i]); i++)
            if (exp < 100000)
                exp = exp * 10 + (s[i] - '0');
        exp = eneg ? -exp : exp;
    }
    if (i != len)
        return 1;
    if (dropped_int > 0)
        return 2;
    /* value = 0.digits * 10^(point + exp); we want round(value * 10^scale) */
    long int_digits = point + exp;  /* digits before the point after the exponent */
    long keep = int_digits + scale; /* digits of the result */
    if (keep > 39)
        return 2;
    rt_i128 v = 0;
    for (long k = 0; k < keep; k++) {
        int d = k < nd ? digits[k] - '0' : 0;
        if (k < 0)
            continue;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
            return 2;
    }
    long next = keep < 0 ? -1 : keep; /* the first dropped digit */
    if (keep >= 0 && next < nd && digits[next] >= '5')
        v += 1;
    *out = neg ? -v : v;
    return 0;
}

static qe_status to_decimal(const rt_value *in, int32_t in_typmod, int32_t typmod, rt_value *out,
                            rt_error *err, int pos) {
    int p = PLAN_DECIMAL_PRECISION(typmod), s = PLAN_DECIMAL_SCALE(typmod);
    rt_i128 v;
    if (is_exact(in->type)) {
        int from;
        rt_i128 x = exact_of(in, in_typmod, &from);
        if (!rescale(x, from, s, &v))
            return rt_error_numeric_overflow(err, typmod, pos);
    } else if (is_float(in->type)) {
        double d = in->u.d;
        if (isnan(d) || isinf(d))
            return rt_error_set(err, QE_DATA, "22003", pos, "cannot convert %s to numeric",
                                isnan(d) ? "NaN" : "infinity");
        long double x = roundl((long double)d * (long double)rt_pow10(s));
        if (fabsl(x) >= 1e38L)
            return rt_error_numeric_overflow(err, typmod, pos);
        v = (rt_i128)x;
    } else if (in->type == QE_TYPE_VARCHAR) {
        uint32_t len = in->u.s.len;
        const char *t = trim_blanks(in->u.s.ptr, &len);
        int r = parse_exact(t, len, s, &v);
        if (r == 1)
            return bad_syntax(err, "22P02", "numeric", in, pos);
        if (r == 2)
            return rt_error_numeric_overflow(err, typmod, pos);
    } else {
        return QE_UNSUPPORTED;
    }
    rt_i128 lim = rt_pow10(p);
    if (v >= lim || v <= -lim)
        return rt_error_numeric_overflow(err, typmod, pos);
    out->u.h = v;
    return QE_OK;
}

/* DECIMAL/HUGEINT -> integer types and HUGEINT (rounded), checked. */
static qe_status exact_to_int(const rt_value *in, int32_t in_typmod, qe_type to, rt_value *out,
                              rt_error *err, int pos) {
    int scale;
    rt_i128 x = exact_of(in, in_typmod, &scale), v;
    rescale(x, scale, 0, &v);
    if (to == QE_TYPE_HUGEINT) {
        out->u.h = v;
        return QE_OK;
    }
    int64_t lo = to == QE_TYPE_SMALLINT ? INT16_MIN : to == QE_TYPE_INTEGER ? INT32_MIN : INT64_MIN;
    int64_t hi = to == QE_TYPE_SMALLINT ? INT16_MAX : to == QE_TYPE_INTEGER ? INT32_MAX : INT64_MAX;
    if (v < lo || v > hi)
        return rt_error_out_of_range(err, to, pos);
    out->u.i = (int64_t)v;
    return QE_OK;
}

static qe_status to_hugeint(const rt_value *in, int32_t in_typmod, rt_value *out, rt_error *err,
                            int pos) {
    if (is_exact(in->type))
        return exact_to_int(in, in_typmod, QE_TYPE_HUGEINT, out, err, pos);
    if (is_float(in->type)) {
        double r = round(in->u.d);
        if (!(r > -1.7e38 && r < 1.7e38))
            return rt_error_out_of_range(err, QE_TYPE_HUGEINT, pos);
        out->u.h = (rt_i128)r;
        return QE_OK;
    }
    if (in->type == QE_TYPE_VARCHAR) {
        uint32_t len = in->u.s.len;
        const char *t = trim_blanks(in->u.s.ptr, &len);
        bool digits_only = len > 0;
        for (uint32_t i = (len && (t[0] == '-' || t[0] == '+')); i < len; i++)
            digits_only &= isdigit((unsigned char)t[i]) != 0;
        rt_i128 v;
        int r = digits_only ? parse_exact(t, len, 0, &v) : 1;
        if (r == 1)
            return bad_syntax(err, "22P02", "hugeint", in, pos);
        if (r == 2)
            return rt_error_set(err, QE_DATA, "22003", pos,
                                "value \"%.*s\" is out of range for type hugeint",
                                SHOWN(in->u.s.len), in->u.s.ptr);
        out->u.h = v;
        return QE_OK;
    }
    return QE_UNSUPPORTED;
}

/* ---- dates, timestamps, intervals -------------------------------------------------------- */

/* Reads up to max digits at s[*i]; false if there is none. */
static bool read_num(const char *s, uint32_t len, uint32_t *i, int max, int64_t *out) {
    int64_t v = 0;
    int n = 0;
    while (*i < len && isdigit((unsigned char)s[*i]) && n < max)
        v = v * 10 + (s[(*i)++] - '0'), n++;
    *out = v;
    return n > 0;
}

/* Parses YYYY-MM-DD [(' '|'T') HH:MM[:SS[.f]]]: 0 ok (*days, *us), 1 syntax,
 * 2 field out of range.  with_time: a time part is allowed. */
static int parse_datetime(const char *s, uint32_t len, int64_t *days, int64_t *us) {
    uint32_t i = 0;
    bool neg = false;
    if (i < len && s[i] == '-')
        neg = true, i++;
    int64_t y, m, d, hh = 0, mi = 0, ss = 0, frac = 0;
    if (!read_num(s, len, &i, 9, &y) || i >= len || s[i++] != '-' || !read_num(s, len, &i, 2, &m) ||
        i >= len || s[i++] != '-' || !read_num(s, len, &i, 2, &d))
        return 1;
    if (i < len && (s[i] == ' ' || s[i] == 'T')) {
        i++;
        while (i < len && s[i] == ' ')
            i++;
        if (!read_num(s, len, &i, 2, &hh) || i >= len || s[i++] != ':' ||
            !read_num(s, len, &i, 2, &mi))
            return 1;
        if (i < len && s[i] == ':') {
            i++;
            if (!read_num(s, len, &i, 2, &ss))
                return 1;
            if (i < len && s[i] == '.') {
                i++;
                int n = 0;
                while (i < len && isdigit((unsigned char)s[i])) {
                    if (n < 6)
                        frac = frac * 10 + (s[i] - '0'), n++;
                    i++;
                }
                for (; n < 6; n++)
                    frac *= 10;
            }
        }
    }
    if (i != len)
        return 1;
    if (neg)
        y = -y;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || hh > 24 || mi > 59 || ss > 60 ||
        (hh == 24 && (mi || ss || frac)))
        return 2;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap) || y > 294276 || y < -4713)
        return 2;
    *days = rt_days_from_civil(y, (unsigned)m, (unsigned)d);
    *us = ((hh * 60 + mi) * 60 + ss) * 1000000 + frac;
    return 0;
}

static qe_status text_to_time(const rt_value *in, qe_type to, rt_value *out, rt_error *err,
                              int pos) {
    uint32_t len = in->u.s.len;
    const char *t = trim_blanks(in->u.s.ptr, &len);
    int64_t days = 0, us = 0;
    int r = parse_datetime(t, len, &days, &us);
    const char *name = to == QE_TYPE_DATE ? "date" : "timestamp";
    if (r == 1)
        return bad_syntax(err, "22007", name, in, pos);
    if (r == 2)
        return rt_error_set(err, QE_DATA, "22008", pos,
                            "date/time field value out of range: \"%.*s\"", SHOWN(in->u.s.len),
                            in->u.s.ptr);
    out->u.i = to == QE_TYPE_DATE ? days : days * US_PER_DAY + us;
    return QE_OK;
}

/* The unit of an interval field: 0 months, 1 days, 2 micros; *mult its size. */
static bool interval_unit(const char *w, uint32_t n, int *field, int64_t *mult) {
    static const struct {
        const char *name;
        int field;
        int64_t mult;
    } units[] = {
        {"millennium", 0, 12000},
        {"millennia", 0, 12000},
        {"century", 0, 1200},
        {"centuries", 0, 1200},
        {"decade", 0, 120},
        {"decades", 0, 120},
        {"year", 0, 12},
        {"years", 0, 12},
        {"y", 0, 12},
        {"yr", 0, 12},
        {"yrs", 0, 12},
        {"month", 0, 1},
        {"months", 0, 1},
        {"mon", 0, 1},
        {"mons", 0, 1},
        {"week", 1, 7},
        {"weeks", 1, 7},
        {"w", 1, 7},
        {"day", 1, 1},
        {"days", 1, 1},
        {"d", 1, 1},
        {"hour", 2, 3600000000LL},
        {"hours", 2, 3600000000LL},
        {"h", 2, 3600000000LL},
        {"hr", 2, 3600000000LL},
        {"hrs", 2, 3600000000LL},
        {"minute", 2, 60000000},
        {"minutes", 2, 60000000},
        {"min", 2, 60000000},
        {"mins", 2, 60000000},
        {"m", 2, 60000000},
        {"second", 2, 1000000},
        {"seconds", 2, 1000000},
        {"sec", 2, 1000000},
        {"secs", 2, 1000000},
        {"s", 2, 1000000},
        {"millisecond", 2, 1000},
        {"milliseconds", 2, 1000},
        {"ms", 2, 1000},
        {"microsecond", 2, 1},
        {"microseconds", 2, 1},
        {"us", 2, 1},
    };
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (strlen(units[k].name) == n && strncasecmp(units[k].name, w, n) == 0) {
            *field = units[k].field;
            *mult = units[k].mult;
            return true;
        }
    return false;
}

/* Adds amount (a number with fraction) of a unit to iv, carrying fractions down as
 * PostgreSQL does (months -> 30 days -> micros).  False on overflow. */
static bool interval_add(rt_interval *iv, double amount, int field, int64_t mult) {
    if (field == 0) {
        double m = amount * (double)mult, whole = trunc(m);
        double days = (m - whole) * 30.0, wd = trunc(days);
        if (fabs(whole) + fabs((double)iv->months) > INT32_MAX)
            return false;
        iv->months += (int32_t)whole;
        iv->days += (int32_t)wd;
        iv->micros += (int64_t)rint((days - wd) * (double)US_PER_DAY);
        return true;
    }
    if (field == 1) {
        double d = amount * (double)mult, wd = trunc(d);
        if (fabs(wd) + fabs((double)iv->days) > INT32_MAX)
            return false;
        iv->days += (int32_t)wd;
        iv->micros += (int64_t)rint((d - wd) * (double)US_PER_DAY);
        return true;
    }
    double us = rint(amount * (double)mult);
    if (fabs(us) > 9.2e18)
        return false;
    iv->micros += (int64_t)us;
    return true;
}

/* Parses a time "[-]H+:MM[:SS[.f]]" at s[*i] into micros. */
static bool parse_clock(const char *s, uint32_t len, uint32_t *i, int64_t *us) {
    bool neg = false;
    if (*i < len && (s[*i] == '-' || s[*i] == '+'))
        neg = s[(*i)++] == '-';
    int64_t h, m = 0, sec = 0, frac = 0;
    if (!read_num(s, len, i, 9, &h) || *i >= len || s[(*i)++] != ':' || !read_num(s, len, i, 2, &m))
        return false;
    if (*i < len && s[*i] == ':') {
        (*i)++;
        if (!read_num(s, len, i, 2, &sec))
            return false;
        if (*i < len && s[*i] == '.') {
            (*i)++;
            int n = 0;
            while (*i < len && isdigit((unsigned char)s[*i])) {
                if (n < 6)
                    frac = frac * 10 + (s[*i] - '0'), n++;
                (*i)++;
            }
            for (; n < 6; n++)
                frac *= 10;
        }
    }
    int64_t v = ((h * 60 + m) * 60 + sec) * 1000000 + frac;
    *us = neg ? -v : v;
    return true;
}

static qe_status text_to_interval(const rt_value *in, rt_value *out, rt_error *err, int pos) {
    uint32_t len = in->u.s.len;
    const char *s = trim_blanks(in->u.s.ptr, &len);
    rt_interval iv = {0, 0, 0};
    uint32_t i = 0;
    bool any = false, ago = false;
    if (i < len && s[i] == '@')
        i++;
    while (i < len) {
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i >= len)
            break;
        uint32_t start = i;
        /* a clock "hh:mm[:ss]"? */
        uint32_t j = i + (s[i] == '-' || s[i] == '+');
        while (j < len && isdigit((unsigned char)s[j]))
            j++;
        if (j < len && s[j] == ':') {
            int64_t us;
            if (!parse_clock(s, len, &i, &us))
                return bad_syntax(err, "22007", "interval", in, pos);
            iv.micros += us;
            any = true;
            continue;
        }
        if (isalpha((unsigned char)s[i])) {
            while (i < len && isalpha((unsigned char)s[i]))
                i++;
            if (i - start == 3 && strncasecmp(s + start, "ago", 3) == 0 && any) {
                ago = true;
                continue;
            }
            return bad_syntax(err, "22007", "interval", in, pos);
        }
        /* number [unit] */
        char num[64];
        uint32_t k = 0;
        while (i < len && k < sizeof num - 1 &&
               (isdigit((unsigned char)s[i]) || s[i] == '.' ||
                ((s[i] == '-' || s[i] == '+') && i == start)))
            num[k++] = s[i++];
        num[k] = '\0';
        char *end;
        double amount = strtod(num, &end);
        if (k == 0 || *end != '\0')
            return bad_syntax(err, "22007", "interval", in, pos);
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        uint32_t ws = i;
        while (i < len && isalpha((unsigned char)s[i]))
            i++;
        int field = 2;
        int64_t mult = 1000000; /* a bare number is seconds */
        if (i > ws && !interval_unit(s + ws, i - ws, &field, &mult))
            return bad_syntax(err, "22007", "interval", in, pos);
        if (!interval_add(&iv, amount, field, mult))
            return rt_error_set(err, QE_DATA, "22015", pos,
                                "interval field value out of range: \"%.*s\"", SHOWN(in->u.s.len),
                                in->u.s.ptr);
        any = true;
    }
    if (!any)
        return bad_syntax(err, "22007", "interval", in, pos);
    if (ago) {
        iv.months = -iv.months;
        iv.days = -iv.days;
        iv.micros = -iv.micros;
    }
    memcpy(&out->u.iv, &iv, sizeof iv);
    return QE_OK;
}

/* ---- strings with a length --------------------------------------------------------------- */

/* Number of UTF-8 characters of s[0..len). */
static uint32_t utf8_chars(const char *s, uint32_t len) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n;
}

/* Byte length of the first `chars` characters of s[0..len). */
static uint32_t utf8_prefix(const char *s, uint32_t len, uint32_t chars) {
    uint32_t n = 0, i = 0;
    for (; i < len; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            if (n == chars)
                break;
            n++;
        }
    }
    return i;
}

/* Applies VARCHAR(n) / CHAR(n) to the string in out (copied into arena if changed). */
static qe_status apply_length(rt_value *out, int32_t typmod, rt_arena *arena, rt_error *err,
                              int pos) {
    uint32_t n = (uint32_t)PLAN_TYPMOD_LENGTH(typmod);
    bool is_char = PLAN_TYPMOD_IS_CHAR(typmod);
    if (n == 0)
        return QE_OK;
    const char *s = out->u.s.ptr;
    uint32_t len = out->u.s.len, chars = utf8_chars(s, len);
    if (chars > n) {
        uint32_t keep = utf8_prefix(s, len, n);
        for (uint32_t i = keep; i < len; i++)
            if (s[i] != ' ')
                return rt_error_set(err, QE_DATA, "22001", pos, "value too long for type %s(%u)",
                                    is_char ? "character" : "character varying", n);
        out->u.s.len = keep;
        return QE_OK;
    }
    if (!is_char || chars == n)
        return QE_OK;
    char *p = rt_arena_alloc(arena, len + (n - chars));
    if (p == NULL)
        return rt_error_nomem(err, NULL);
    memcpy(p, s, len);
    memset(p + len, ' ', n - chars);
    out->u.s.ptr = p;
    out->u.s.len = len + (n - chars);
    return QE_OK;
}

static qe_status to_varchar(const rt_value *in, int32_t in_typmod, int32_t typmod, rt_value *out,
                            rt_arena *arena, rt_error *err, int pos) {
    if (in->type == QE_TYPE_VARCHAR) {
        out->u.s = in->u.s;
    } else {
        char buf[128];
        int n = rt_value_format_mod(in, in_typmod, buf, sizeof buf);
        char *copy = rt_arena_strndup(arena, buf, n < 0 ? 0 : (size_t)n);
        if (copy == NULL)
            return rt_error_nomem(err, NULL);
        out->u.s.ptr = copy;
        out->u.s.len = n < 0 ? 0 : (uint32_t)n;
    }
    return apply_length(out, typmod, arena, err, pos);
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static qe_status cast_wide(const rt_value *in, int32_t in_typmod, qe_type to, int32_t typmod,
                           rt_value *res, rt_arena *arena, rt_error *err, int pos) {
    qe_type from = in->type;
    if (to == QE_TYPE_VARCHAR)
        return to_varchar(in, in_typmod, typmod, res, arena, err, pos);
    if (to == QE_TYPE_DECIMAL)
        return to_decimal(in, in_typmod, typmod, res, err, pos);
    if (to == QE_TYPE_HUGEINT)
        return to_hugeint(in, in_typmod, res, err, pos);
    if (from == QE_TYPE_DECIMAL || from == QE_TYPE_HUGEINT) {
        if (rt_type_is_integer(to))
            return exact_to_int(in, in_typmod, to, res, err, pos);
        int scale = from == QE_TYPE_DECIMAL ? PLAN_DECIMAL_SCALE(in_typmod) : 0;
        if (is_float(to)) {
            res->u.d = rt_decimal_to_double(in->u.h, scale);
            if (to == QE_TYPE_REAL && fabs(res->u.d) > 3.4028234663852886e38)
                return rt_error_out_of_range(err, QE_TYPE_REAL, pos);
            return QE_OK;
        }
        if (to == QE_TYPE_BOOLEAN) {
            res->u.b = in->u.h != 0;
            return QE_OK;
        }
        return QE_UNSUPPORTED;
    }
    if (is_time(to) && from == QE_TYPE_VARCHAR)
        return text_to_time(in, to, res, err, pos);
    if (to == QE_TYPE_INTERVAL && from == QE_TYPE_VARCHAR)
        return text_to_interval(in, res, err, pos);
    if (from == QE_TYPE_DATE && to == QE_TYPE_TIMESTAMP) {
        res->u.i = in->u.i * US_PER_DAY;
        return QE_OK;
    }
    if (from == QE_TYPE_TIMESTAMP && to == QE_TYPE_DATE) {
        int64_t d = in->u.i / US_PER_DAY;
        res->u.i = in->u.i % US_PER_DAY < 0 ? d - 1 : d;
        return QE_OK;
    }
    if (is_time(from) || is_time(to) || from == QE_TYPE_INTERVAL || to == QE_TYPE_INTERVAL)
        return QE_UNSUPPORTED;
    return rt_cast_basic(in, to, res, arena, err, pos);
}

qe_status rt_value_cast_mod(const rt_value *in, int32_t in_typmod, qe_type to, int32_t to_typmod,
                            rt_value *out, rt_arena *arena, rt_error *err, int position) {
    rt_value res;
    memset(&res, 0, sizeof res);
    res.type = to;
    if (in->is_null || in->type == QE_TYPE_NULL) {
        res.is_null = true;
        *out = res;
        return QE_OK;
    }
    if (to == QE_TYPE_DECIMAL && to_typmod == 0)
        to_typmod = PLAN_TYPMOD_DECIMAL(18, 3);
    if (in->type == to && to != QE_TYPE_DECIMAL && (to != QE_TYPE_VARCHAR || to_typmod == 0)) {
        *out = *in;
        return QE_OK;
    }
    qe_status st = cast_wide(in, in_typmod, to, to_typmod, &res, arena, err, position);
    if (st == QE_UNSUPPORTED)
        return rt_error_set(err, QE_UNSUPPORTED, "0A000", position,
                            "cast from %s to %s is not supported yet", rt_type_pg_name(in->type),
                            rt_type_pg_name(to));
    if (st == QE_OK)
        *out = res;
    return st;
}

/* ---- vector loops for the hot DECIMAL casts ---------------------------------------------- */

/* Value i of an exact-number vector as a 128-bit integer. */
static inline rt_i128 exact_at(const rt_vector *v, uint32_t i) {
    switch (v->type) {
    case QE_TYPE_SMALLINT: return ((const int16_t *)v->values)[i];
    case QE_TYPE_INTEGER: return ((const int32_t *)v->values)[i];
    case QE_TYPE_BIGINT: return ((const int64_t *)v->values)[i];
    default: {
        rt_i128 x;
        memcpy(&x, (const char *)v->values + (size_t)i * 16, 16);
        return x;
    }
    }
}

qe_status rt_cast_vector_decimal(const rt_vector *in, int32_t in_typmod, rt_vector *out,
                                 int32_t out_typmod, const uint32_t *sel, uint32_t n, rt_error *err,
                                 int position) {
    bool from_exact =
        rt_type_is_integer(in->type) || in->type == QE_TYPE_HUGEINT || in->type == QE_TYPE_DECIMAL;
    int from = in->type == QE_TYPE_DECIMAL ? PLAN_DECIMAL_SCALE(in_typmod) : 0;
    if (in->type == QE_TYPE_DECIMAL && (out->type == QE_TYPE_DOUBLE || out->type == QE_TYPE_REAL)) {
        FOR_ROWS({
            double d = rt_decimal_to_double(exact_at(in, i), from);
            if (out->type == QE_TYPE_DOUBLE)
                ((double *)out->values)[i] = d;
            else
                ((float *)out->values)[i] = (float)d;
        });
        return QE_OK;
    }
    if (out->type != QE_TYPE_DECIMAL || !from_exact)
        return QE_UNSUPPORTED;
    if (out_typmod == 0)
        out_typmod = PLAN_TYPMOD_DECIMAL(18, 3);
    int to = PLAN_DECIMAL_SCALE(out_typmod);
    rt_i128 lim = rt_pow10(PLAN_DECIMAL_PRECISION(out_typmod));
    bool bad = false;
    FOR_ROWS({
        rt_i128 v = 0;
        bool ok = rescale(exact_at(in, i), from, to, &v) && v < lim && v > -lim;
        if (!ok && rt_vector_is_valid(in, i))
            bad = true;
        v = ok ? v : 0;
        memcpy((char *)out->values + (size_t)i * 16, &v, 16);
    });
    return bad ? rt_error_numeric_overflow(err, out_typmod, position) : QE_OK;
}
