/*
 * cast.c -- conversions between BOOLEAN, SMALLINT, INTEGER, BIGINT, REAL, DOUBLE and
 * VARCHAR, and the vector cast loops; cast_wide.c adds HUGEINT, DECIMAL, DATE,
 * TIMESTAMP, INTERVAL and type modifiers (rt_value_cast_mod).
 *
 * Numeric casts have typed vector loops; everything else goes row by row through
 * rt_value_cast.  Semantics: narrowing integer casts are checked (22003 "integer out
 * of range"); floating-point to integer rounds half away from zero (DuckDB) and is
 * checked; number to BOOLEAN is "<> 0"; text to a number or BOOLEAN accepts
 * surrounding blanks and fails with PostgreSQL's 22P02 `invalid input syntax for type
 * integer: "x"`, or 22003 `value "x" is out of range for type integer`.
 */
#include "rt_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Is t one of the types casts handle as a source or target? */
static bool castable(qe_type t) {
    switch (t) {
    case QE_TYPE_BOOLEAN:
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT:
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE:
    case QE_TYPE_VARCHAR: return true;
    default: return false;
    }
}

bool rt_cast_supported(qe_type from, qe_type to) {
    if (from == to || from == QE_TYPE_NULL || from == QE_TYPE_VARCHAR || to == QE_TYPE_VARCHAR)
        return true;
    if (castable(from) && castable(to))
        return true;
    return rt_cast_wide_supported(from, to);
}

/* Range of an integer type. */
static void int_range(qe_type t, int64_t *lo, int64_t *hi) {
    switch (t) {
    case QE_TYPE_SMALLINT: *lo = INT16_MIN, *hi = INT16_MAX; break;
    case QE_TYPE_INTEGER: *lo = INT32_MIN, *hi = INT32_MAX; break;
    default: *lo = INT64_MIN, *hi = INT64_MAX; break;
    }
}

/* ---- text to values -------------------------------------------------------------------- */

static qe_status bad_syntax(rt_error *err, qe_type to, const char *s, uint32_t len, int pos) {
    return rt_error_set(err, QE_DATA, "22P02", pos, "invalid input syntax for type %s: \"%.*s\"",
                        rt_type_pg_name(to), (int)(len > 200 ? 200 : len), s);
}

static qe_status text_out_of_range(rt_error *err, qe_type to, const char *s, uint32_t len,
                                   int pos) {
    return rt_error_set(err, QE_DATA, "22003", pos, "value \"%.*s\" is out of range for type %s",
                        (int)(len > 200 ? 200 : len), s, rt_type_pg_name(to));
}

/* Strips leading and trailing blanks of s[0..*len). */
static const char *trim(const char *s, uint32_t *len) {
    uint32_t n = *len;
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

static qe_status parse_int(const char *s0, uint32_t len0, qe_type to, int64_t *out, rt_error *err,
                           int pos) {
    uint32_t len = len0;
    const char *s = trim(s0, &len);
    uint32_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == len)
        return bad_syntax(err, to, s0, len0, pos);
    uint64_t mag = 0;
    bool overflow = false;
    for (; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return bad_syntax(err, to, s0, len0, pos);
        if (mag > (UINT64_MAX - 9) / 10)
            overflow = true;
        else
            mag = mag * 10 + (uint64_t)(s[i] - '0');
    }
    int64_t lo, hi;
    int_range(to, &lo, &hi);
    if (overflow || (neg ? mag > (uint64_t)hi + 1 : mag > (uint64_t)hi))
        return text_out_of_range(err, to, s0, len0, pos);
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag; /* -(hi + 1) is lo */
    return QE_OK;
}

static qe_status parse_double(const char *s0, uint32_t len0, qe_type to, double *out, rt_error *err,
                              int pos) {
    uint32_t len = len0;
    const char *s = trim(s0, &len);
    char small[64];
    char *buf = len < sizeof small ? small : malloc(len + 1);
    if (buf == NULL)
        return rt_error_nomem(err, NULL);
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    bool ok = len > 0 && end == buf + len;
    bool range = errno == ERANGE && isinf(d);
    if (buf != small)
        free(buf);
    if (!ok)
        return bad_syntax(err, to, s0, len0, pos);
    if (range || (to == QE_TYPE_REAL && isfinite(d) && fabs(d) > 3.4028234663852886e38))
        return text_out_of_range(err, to, s0, len0, pos);
    *out = d;
    return QE_OK;
}

/* Is s[0..len) a non-empty, case-insensitive prefix of word (at least min bytes)? */
static bool prefix_of(const char *s, uint32_t len, const char *word, uint32_t min) {
    return len >= min && len <= strlen(word) && strncasecmp(s, word, len) == 0;
}

static qe_status parse_bool(const char *s0, uint32_t len0, bool *out, rt_error *err, int pos) {
    uint32_t len = len0;
    const char *s = trim(s0, &len);
    if (prefix_of(s, len, "true", 1) || prefix_of(s, len, "yes", 1) || prefix_of(s, len, "on", 2) ||
        (len == 1 && s[0] == '1')) {
        *out = true;
        return QE_OK;
    }
    if (prefix_of(s, len, "false", 1) || prefix_of(s, len, "no", 1) ||
        prefix_of(s, len, "off", 2) || (len == 1 && s[0] == '0')) {
        *out = false;
        return QE_OK;
    }
    return bad_syntax(err, QE_TYPE_BOOLEAN, s0, len0, pos);
}

/* ---- scalar casts ---------------------------------------------------------------------- */

/* Double (already rounded or not) to an integer type, checked. */
static qe_status double_to_int(double d, qe_type to, int64_t *out, rt_error *err, int pos) {
    double r = round(d);
    int64_t lo, hi;
    int_range(to, &lo, &hi);
    /* (double)hi may round up to 2^63: compare with < against the power of two. */
    if (!(r >= (double)lo && r < -(double)lo))
        return rt_error_out_of_range(err, to, pos);
    if (r > (double)hi && to != QE_TYPE_BIGINT)
        return rt_error_out_of_range(err, to, pos);
    *out = (int64_t)r;
    return QE_OK;
}

static qe_status to_integer(const rt_value *in, qe_type to, rt_value *out, rt_error *err, int pos) {
    int64_t lo, hi;
    int_range(to, &lo, &hi);
    switch (in->type) {
    case QE_TYPE_BOOLEAN: out->u.i = in->u.b; return QE_OK;
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT:
        if (in->u.i < lo || in->u.i > hi)
            return rt_error_out_of_range(err, to, pos);
        out->u.i = in->u.i;
        return QE_OK;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: return double_to_int(in->u.d, to, &out->u.i, err, pos);
    case QE_TYPE_VARCHAR: return parse_int(in->u.s.ptr, in->u.s.len, to, &out->u.i, err, pos);
    default: return QE_UNSUPPORTED;
    }
}

static qe_status to_double(const rt_value *in, qe_type to, rt_value *out, rt_error *err, int pos) {
    switch (in->type) {
    case QE_TYPE_BOOLEAN: out->u.d = in->u.b; return QE_OK;
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT: out->u.d = (double)in->u.i; break;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: out->u.d = in->u.d; break;
    case QE_TYPE_VARCHAR: return parse_double(in->u.s.ptr, in->u.s.len, to, &out->u.d, err, pos);
    default: return QE_UNSUPPORTED;
    }
    if (to == QE_TYPE_REAL && isfinite(out->u.d) && fabs(out->u.d) > 3.4028234663852886e38)
        return rt_error_set(err, QE_DATA, "22003", pos, "value out of range: overflow");
    return QE_OK;
}

static qe_status to_boolean(const rt_value *in, rt_value *out, rt_error *err, int pos) {
    switch (in->type) {
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT: out->u.b = in->u.i != 0; return QE_OK;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: out->u.b = in->u.d != 0; return QE_OK;
    case QE_TYPE_VARCHAR: return parse_bool(in->u.s.ptr, in->u.s.len, &out->u.b, err, pos);
    default: return QE_UNSUPPORTED;
    }
}

qe_status rt_value_cast(const rt_value *in, qe_type to, rt_value *out, rt_arena *arena,
                        rt_error *err, int position) {
    return rt_value_cast_mod(in, 0, to, 0, out, arena, err, position);
}

qe_status rt_cast_basic(const rt_value *in, qe_type to, rt_value *out, rt_arena *arena,
                        rt_error *err, int position) {
    rt_value res;
    memset(&res, 0, sizeof res);
    res.type = to;
    if (in->is_null || in->type == QE_TYPE_NULL) {
        res.is_null = true;
        *out = res;
        return QE_OK;
    }
    if (in->type == to) {
        *out = *in;
        return QE_OK;
    }
    qe_status st;
    switch (to) {
    case QE_TYPE_BOOLEAN: st = to_boolean(in, &res, err, position); break;
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT: st = to_integer(in, to, &res, err, position); break;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: st = to_double(in, to, &res, err, position); break;
    case QE_TYPE_VARCHAR: {
        char buf[64];
        int n = rt_value_format(in, buf, sizeof buf);
        char *copy = rt_arena_strndup(arena, buf, n < 0 ? 0 : (size_t)n);
        if (copy == NULL)
            return rt_error_nomem(err, NULL);
        res.u.s.ptr = copy;
        res.u.s.len = n < 0 ? 0 : (uint32_t)n;
        st = QE_OK;
        break;
    }
    default: st = QE_UNSUPPORTED; break;
    }
    if (st == QE_UNSUPPORTED)
        return rt_error_set(err, QE_UNSUPPORTED, "0A000", position,
                            "cast from %s to %s is not supported yet", rt_type_pg_name(in->type),
                            rt_type_pg_name(to));
    if (st == QE_OK)
        *out = res;
    return st;
}

/* ---- vector casts ---------------------------------------------------------------------- */

#define CAST_ARGS                                                                                  \
    const rt_vector *in, rt_vector *out, const uint32_t *sel, uint32_t n, rt_error *err,           \
        int position
typedef qe_status (*cast_fn)(CAST_ARGS);

/* Widening: every value fits. */
#define DEF_WIDEN(NAME, FROM_T, TO_T)                                                              \
    static qe_status NAME(CAST_ARGS) {                                                             \
        const FROM_T *a = in->values;                                                              \
        TO_T *r = out->values;                                                                     \
        (void)err, (void)position;                                                                 \
        FOR_ROWS(r[i] = (TO_T)a[i]);                                                               \
        return QE_OK;                                                                              \
    }

/* Narrowing between integer types, checked on valid rows. */
#define DEF_NARROW(NAME, FROM_T, TO_T, LO, HI)                                                     \
    static qe_status NAME(CAST_ARGS) {                                                             \
        const FROM_T *a = in->values;                                                              \
        TO_T *r = out->values;                                                                     \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            bad |= a[i] < (LO) || a[i] > (HI);                                                     \
            r[i] = (TO_T)a[i];                                                                     \
        });                                                                                        \
        if (bad)                                                                                   \
            FOR_ROWS(if (rt_vector_is_valid(in, i) &&                                              \
                         (a[i] < (LO) ||                                                           \
                          a[i] > (HI))) return rt_error_out_of_range(err, out->type, position));   \
        return QE_OK;                                                                              \
    }

/* Floating point to integer: round half away from zero, checked on valid rows.
 * HI_EXCL is the power of two just above the type's maximum. */
#define DEF_F2I(NAME, FROM_T, TO_T, LO, HI_EXCL)                                                   \
    static qe_status NAME(CAST_ARGS) {                                                             \
        const FROM_T *a = in->values;                                                              \
        TO_T *r = out->values;                                                                     \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            double d = round((double)a[i]);                                                        \
            bool ok = d >= (LO) && d < (HI_EXCL);                                                  \
            bad |= !ok;                                                                            \
            r[i] = ok ? (TO_T)d : 0;                                                               \
        });                                                                                        \
        if (bad)                                                                                   \
            FOR_ROWS({                                                                             \
                double d = round((double)a[i]);                                                    \
                if (rt_vector_is_valid(in, i) && !(d >= (LO) && d < (HI_EXCL)))                    \
                    return rt_error_out_of_range(err, out->type, position);                        \
            });                                                                                    \
        return QE_OK;                                                                              \
    }

DEF_WIDEN(i16_i32, int16_t, int32_t)
DEF_WIDEN(i16_i64, int16_t, int64_t)
DEF_WIDEN(i32_i64, int32_t, int64_t)
DEF_WIDEN(i16_f64, int16_t, double)
DEF_WIDEN(i32_f64, int32_t, double)
DEF_WIDEN(i64_f64, int64_t, double)
DEF_WIDEN(f32_f64, float, double)
DEF_NARROW(i32_i16, int32_t, int16_t, INT16_MIN, INT16_MAX)
DEF_NARROW(i64_i16, int64_t, int16_t, INT16_MIN, INT16_MAX)
DEF_NARROW(i64_i32, int64_t, int32_t, INT32_MIN, INT32_MAX)
DEF_F2I(f64_i16, double, int16_t, -32768.0, 32768.0)
DEF_F2I(f64_i32, double, int32_t, -2147483648.0, 2147483648.0)
DEF_F2I(f64_i64, double, int64_t, -9223372036854775808.0, 9223372036854775808.0)

/* The typed loop for a pair of types, or NULL. */
static cast_fn fast_cast(qe_type from, qe_type to) {
#define PAIR(f, t) ((unsigned)(f) * QE_TYPE_COUNT + (unsigned)(t))
    switch (PAIR(from, to)) {
    case PAIR(QE_TYPE_SMALLINT, QE_TYPE_INTEGER): return i16_i32;
    case PAIR(QE_TYPE_SMALLINT, QE_TYPE_BIGINT): return i16_i64;
    case PAIR(QE_TYPE_INTEGER, QE_TYPE_BIGINT): return i32_i64;
    case PAIR(QE_TYPE_SMALLINT, QE_TYPE_DOUBLE): return i16_f64;
    case PAIR(QE_TYPE_INTEGER, QE_TYPE_DOUBLE): return i32_f64;
    case PAIR(QE_TYPE_BIGINT, QE_TYPE_DOUBLE): return i64_f64;
    case PAIR(QE_TYPE_REAL, QE_TYPE_DOUBLE): return f32_f64;
    case PAIR(QE_TYPE_INTEGER, QE_TYPE_SMALLINT): return i32_i16;
    case PAIR(QE_TYPE_BIGINT, QE_TYPE_SMALLINT): return i64_i16;
    case PAIR(QE_TYPE_BIGINT, QE_TYPE_INTEGER): return i64_i32;
    case PAIR(QE_TYPE_DOUBLE, QE_TYPE_SMALLINT): return f64_i16;
    case PAIR(QE_TYPE_DOUBLE, QE_TYPE_INTEGER): return f64_i32;
    case PAIR(QE_TYPE_DOUBLE, QE_TYPE_BIGINT): return f64_i64;
    default: return NULL;
    }
#undef PAIR
}

/* Row-by-row cast through rt_value for the less common pairs. */
static qe_status generic_cast(const rt_vector *in, int32_t in_typmod, rt_vector *out,
                              int32_t out_typmod, const uint32_t *sel, uint32_t n, rt_error *err,
                              int position, rt_arena *arena) {
    /* out's validity may be in's bitmap: keep rt_vector_set_value away from it. */
    uint8_t *validity = out->validity;
    out->validity = NULL;
    qe_status st = QE_OK;
    FOR_ROWS({
        if (st != QE_OK)
            break;
        if (!rt_vector_is_valid(in, i)) {
            if (out->type == QE_TYPE_VARCHAR)
                memset(&((rt_string *)out->values)[i], 0, sizeof(rt_string));
            continue;
        }
        rt_value a, r;
        rt_vector_get_value(in, i, &a);
        st = rt_value_cast_mod(&a, in_typmod, out->type, out_typmod, &r, arena, err, position);
        if (st == QE_OK && !rt_vector_set_value(out, arena, i, 0, &r))
            st = rt_error_nomem(err, NULL);
    });
    out->validity = validity;
    return st;
}

qe_status rt_cast_vector(const rt_vector *in, rt_vector *out, const uint32_t *sel, uint32_t n,
                         rt_arena *arena, rt_error *err, int position) {
    return rt_cast_vector_mod(in, 0, out, 0, sel, n, arena, err, position);
}

qe_status rt_cast_vector_mod(const rt_vector *in, int32_t in_typmod, rt_vector *out,
                             int32_t out_typmod, const uint32_t *sel, uint32_t n, rt_arena *arena,
                             rt_error *err, int position) {
    cast_fn fn = fast_cast(in->type, out->type);
    if (fn != NULL)
        return fn(in, out, sel, n, err, position);
    qe_status st = rt_cast_vector_decimal(in, in_typmod, out, out_typmod, sel, n, err, position);
    if (st != QE_UNSUPPORTED)
        return st;
    return generic_cast(in, in_typmod, out, out_typmod, sel, n, err, position, arena);
}
