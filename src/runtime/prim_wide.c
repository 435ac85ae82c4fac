/*
 * prim_wide.c -- primitives of the 16-byte and date/time types: HUGEINT and DECIMAL
 * (128-bit integers; DECIMAL operands of + - % share their scale, * adds scales, as
 * the binder arranges), INTERVAL, DATE and TIMESTAMP arithmetic with operands of
 * different types (PostgreSQL's operator table), and CHAR(n) comparisons that ignore
 * trailing blanks.
 *
 * Same contract as prim.c: a primitive computes every selected row, never traps, and
 * returns "suspect" when a row may have failed; its checker then names the failing
 * valid row.  DECIMAL precision bounds (|v| < 10^p) are checked by the caller
 * (rt_decimal_check_bound), which knows the result's typmod.
 */
#include "date_inline.h"
#include "rt_int.h"
#include "str_inline.h"

#include <math.h>
#include <string.h>

#define PRIM2_ARGS                                                                                 \
    const rt_vector *va, const rt_vector *vb, rt_vector *vr, const uint32_t *sel, uint32_t n
#define CHECK2_ARGS const rt_vector *va, const rt_vector *vb, uint32_t i
#define PRIM1_ARGS const rt_vector *va, rt_vector *vr, const uint32_t *sel, uint32_t n
#define CHECK1_ARGS const rt_vector *va, uint32_t i

#define US_PER_DAY 86400000000LL

/* 16-byte values are read and written with memcpy (buffers may be 8-aligned). */
static inline rt_i128 ld128(const rt_vector *v, uint32_t i) {
    rt_i128 x;
    memcpy(&x, (const char *)v->values + (size_t)i * 16, 16);
    return x;
}
static inline void st128(rt_vector *v, uint32_t i, rt_i128 x) {
    memcpy((char *)v->values + (size_t)i * 16, &x, 16);
}
static inline rt_interval ldiv_(const rt_vector *v, uint32_t i) {
    rt_interval x;
    memcpy(&x, (const char *)v->values + (size_t)i * 16, 16);
    return x;
}
static inline void stiv(rt_vector *v, uint32_t i, rt_interval x) {
    memcpy((char *)v->values + (size_t)i * 16, &x, 16);
}

/* ---- 128-bit arithmetic and comparison ------------------------------------------------- */

#define DEF_I128(NAME, BUILTIN)                                                                    \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            rt_i128 r;                                                                             \
            bad |= BUILTIN(ld128(va, i), ld128(vb, i), &r);                                        \
            st128(vr, i, r);                                                                       \
        });                                                                                        \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_check(CHECK2_ARGS) {                                                         \
        rt_i128 r;                                                                                 \
        return BUILTIN(ld128(va, i), ld128(vb, i), &r) ? RT_JIT_ERR_OVERFLOW : 0;                  \
    }
DEF_I128(i128_add, __builtin_add_overflow)
DEF_I128(i128_sub, __builtin_sub_overflow)

/* Does x fit an int64?  (DECIMAL(p <= 18) values always do.) */
static inline bool fits64(rt_i128 x) { return x == (rt_i128)(int64_t)x; }

/* 128-bit product: operands that fit in int64 (every DECIMAL(p <= 18), so the usual
 * DECIMAL arithmetic) multiply exactly without the costly 128-bit overflow check. */
static inline bool mul128(rt_i128 a, rt_i128 b, rt_i128 *r) {
    if (fits64(a) && fits64(b)) {
        *r = (rt_i128)(int64_t)a * (int64_t)b; /* |product| <= 2^126: never overflows */
        return false;
    }
    return __builtin_mul_overflow(a, b, r);
}
DEF_I128(i128_mul, mul128)

#define I128_MIN ((rt_i128)((unsigned __int128)1 << 127))

static bool i128_div(PRIM2_ARGS) {
    bool bad = false;
    FOR_ROWS({
        rt_i128 a = ld128(va, i), d = ld128(vb, i);
        bool z = d == 0 || (d == -1 && a == I128_MIN);
        bad |= z;
        st128(vr, i, z ? 0 : a / d);
    });
    return bad;
}
static int i128_div_check(CHECK2_ARGS) {
    rt_i128 a = ld128(va, i), d = ld128(vb, i);
    return d == 0 ? RT_JIT_ERR_DIV_ZERO : (d == -1 && a == I128_MIN) ? RT_JIT_ERR_OVERFLOW : 0;
}
static bool i128_mod(PRIM2_ARGS) {
    bool bad = false;
    FOR_ROWS({
        rt_i128 a = ld128(va, i), d = ld128(vb, i);
        bad |= d == 0;
        st128(vr, i, d == 0 || d == -1 ? 0 : a % d);
    });
    return bad;
}
static int i128_mod_check(CHECK2_ARGS) { return ld128(vb, i) == 0 ? RT_JIT_ERR_DIV_ZERO : 0; }

#define DEF_CMP128(NAME, OP)                                                                       \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        uint8_t *r = vr->values;                                                                   \
        FOR_ROWS(r[i] = ld128(va, i) OP ld128(vb, i));                                             \
        return false;                                                                              \
    }
DEF_CMP128(i128_eq, ==)
DEF_CMP128(i128_ne, !=)
DEF_CMP128(i128_lt, <)
DEF_CMP128(i128_le, <=)
DEF_CMP128(i128_gt, >)
DEF_CMP128(i128_ge, >=)

static bool i128_neg(PRIM1_ARGS) {
    bool bad = false;
    FOR_ROWS({
        rt_i128 a = ld128(va, i);
        bad |= a == I128_MIN;
        st128(vr, i, a == I128_MIN ? 0 : -a);
    });
    return bad;
}
static int i128_neg_check(CHECK1_ARGS) {
    return ld128(va, i) == I128_MIN ? RT_JIT_ERR_OVERFLOW : 0;
}

/* ---- intervals ------------------------------------------------------------------------- */

#define DEF_CMPIV(NAME, OP)                                                                        \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        uint8_t *r = vr->values;                                                                   \
        FOR_ROWS({                                                                                 \
            rt_interval a = ldiv_(va, i), b = ldiv_(vb, i);                                        \
            r[i] = rt_interval_cmp(&a, &b) OP 0;                                                   \
        });                                                                                        \
        return false;                                                                              \
    }
DEF_CMPIV(iv_eq, ==)
DEF_CMPIV(iv_ne, !=)
DEF_CMPIV(iv_lt, <)
DEF_CMPIV(iv_le, <=)
DEF_CMPIV(iv_gt, >)
DEF_CMPIV(iv_ge, >=)

static bool iv_scale(rt_interval a, double f, rt_interval *r);
static bool iv_addsub(rt_interval a, rt_interval b, int sign, rt_interval *r);

bool rt_interval_add(const rt_interval *a, const rt_interval *b, rt_interval *r) {
    return iv_addsub(*a, *b, 1, r);
}

/* a + sign * b, field by field; false on overflow. */
static bool iv_addsub(rt_interval a, rt_interval b, int sign, rt_interval *r) {
    bool bad = false;
    if (sign > 0) {
        bad |= __builtin_add_overflow(a.months, b.months, &r->months);
        bad |= __builtin_add_overflow(a.days, b.days, &r->days);
        bad |= __builtin_add_overflow(a.micros, b.micros, &r->micros);
    } else {
        bad |= __builtin_sub_overflow(a.months, b.months, &r->months);
        bad |= __builtin_sub_overflow(a.days, b.days, &r->days);
        bad |= __builtin_sub_overflow(a.micros, b.micros, &r->micros);
    }
    return !bad;
}

#define DEF_IVAS(NAME, SIGN)                                                                       \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            rt_interval r = {0, 0, 0};                                                             \
            bad |= !iv_addsub(ldiv_(va, i), ldiv_(vb, i), SIGN, &r);                               \
            stiv(vr, i, r);                                                                        \
        });                                                                                        \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_check(CHECK2_ARGS) {                                                         \
        rt_interval r;                                                                             \
        return iv_addsub(ldiv_(va, i), ldiv_(vb, i), SIGN, &r) ? 0 : RT_JIT_ERR_OVERFLOW;          \
    }
DEF_IVAS(iv_add, 1)
DEF_IVAS(iv_sub, -1)

static bool iv_neg(PRIM1_ARGS) {
    bool bad = false;
    FOR_ROWS({
        rt_interval a = ldiv_(va, i), r = {0, 0, 0};
        bad |= !iv_addsub(r, a, -1, &r);
        stiv(vr, i, r);
    });
    return bad;
}
static int iv_neg_check(CHECK1_ARGS) {
    rt_interval r = {0, 0, 0};
    return iv_addsub(r, ldiv_(va, i), -1, &r) ? 0 : RT_JIT_ERR_OVERFLOW;
}

bool rt_interval_scale(const rt_interval *a, double f, rt_interval *r) {
    return iv_scale(*a, f, r);
}

/* PostgreSQL's interval * factor: whole months, the fraction of a month as 30 days,
 * the fraction of a day as microseconds.  False on overflow or a non-finite factor. */
static bool iv_scale(rt_interval a, double f, rt_interval *r) {
    double m = a.months * f, d = a.days * f, us = (double)a.micros * f;
    if (!isfinite(m) || !isfinite(d) || !isfinite(us) || fabs(m) > INT32_MAX ||
        fabs(d) > INT32_MAX || fabs(us) > 9.2e18)
        return false;
    double whole_m = trunc(m), frac_days = (m - whole_m) * 30.0 + d;
    double whole_d = trunc(frac_days);
    double micros = rint((frac_days - whole_d) * (double)US_PER_DAY + us);
    if (fabs(whole_d) > INT32_MAX || fabs(micros) > 9.2e18)
        return false;
    r->months = (int32_t)whole_m;
    r->days = (int32_t)whole_d;
    r->micros = (int64_t)micros;
    return true;
}

/* interval * double, double * interval, interval / double. */
#define DEF_IVMUL(NAME, IV, F)                                                                     \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            rt_interval r = {0, 0, 0};                                                             \
            bad |= !iv_scale(IV, F, &r);                                                           \
            stiv(vr, i, r);                                                                        \
        });                                                                                        \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_check(CHECK2_ARGS) {                                                         \
        rt_interval r;                                                                             \
        return iv_scale(IV, F, &r) ? 0 : RT_JIT_ERR_OVERFLOW;                                      \
    }
#define VA_IV ldiv_(va, i)
#define VB_IV ldiv_(vb, i)
#define VA_D (((const double *)va->values)[i])
#define VB_D (((const double *)vb->values)[i])
DEF_IVMUL(iv_mul_d, VA_IV, VB_D)
DEF_IVMUL(d_mul_iv, VB_IV, VA_D)

static bool iv_div_d(PRIM2_ARGS) {
    bool bad = false;
    FOR_ROWS({
        rt_interval r = {0, 0, 0};
        double d = VB_D;
        bad |= d == 0 || !iv_scale(VA_IV, 1.0 / d, &r);
        stiv(vr, i, r);
    });
    return bad;
}
static int iv_div_d_check(CHECK2_ARGS) {
    rt_interval r;
    double d = VB_D;
    if (d == 0)
        return RT_JIT_ERR_DIV_ZERO;
    return iv_scale(VA_IV, 1.0 / d, &r) ? 0 : RT_JIT_ERR_OVERFLOW;
}

/* ---- dates and timestamps -------------------------------------------------------------- */

/* DATE values are int32 days; results beyond int32 are overflows. */
#define DEF_DATE_INT(NAME, EXPR)                                                                   \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        const int32_t *a = va->values, *b = vb->values;                                            \
        int32_t *r = vr->values;                                                                   \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            int64_t x = (EXPR);                                                                    \
            bool out = x < INT32_MIN || x > INT32_MAX;                                             \
            bad |= out;                                                                            \
            r[i] = out ? 0 : (int32_t)x;                                                           \
        });                                                                                        \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_check(CHECK2_ARGS) {                                                         \
        const int32_t *a = va->values, *b = vb->values;                                            \
        int64_t x = (EXPR);                                                                        \
        return x < INT32_MIN || x > INT32_MAX ? RT_JIT_ERR_OVERFLOW : 0;                           \
    }
DEF_DATE_INT(date_add_int, (int64_t)a[i] + b[i])
DEF_DATE_INT(int_add_date, (int64_t)a[i] + b[i])
DEF_DATE_INT(date_sub_int, (int64_t)a[i] - b[i])
DEF_DATE_INT(date_sub_date, (int64_t)a[i] - b[i])

/* Civil date <-> days since 1970-01-01: the kernels of date_inline.h. */
void rt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    rt_civil c;
    rt_date_to_civil(z, &c);
    *y = c.year;
    *m = (unsigned)c.month;
    *d = (unsigned)c.day;
}

int64_t rt_days_from_civil(int64_t y, unsigned m, unsigned d) {
    return rt_date_from_civil(y, (int)m, (int)d);
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Timestamp + interval as PostgreSQL: months first (day clamped to the month's
 * length), then days, then microseconds.  False on overflow. */
bool rt_timestamp_add_interval(int64_t ts, const rt_interval *iv, int sign, int64_t *out) {
    int64_t days = ts / US_PER_DAY, us = ts % US_PER_DAY;
    if (us < 0)
        us += US_PER_DAY, days--;
    if (iv->months != 0) {
        int64_t y;
        unsigned m, d;
        rt_civil_from_days(days, &y, &m, &d);
        int64_t mm = (int64_t)y * 12 + (m - 1) + (int64_t)sign * iv->months;
        y = mm >= 0 ? mm / 12 : -((-mm + 11) / 12);
        m = (unsigned)(mm - y * 12) + 1;
        static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        unsigned last = mdays[m - 1] + (m == 2 && is_leap(y));
        if (d > last)
            d = last;
        if (y < -300000 || y > 300000)
            return false;
        days = rt_days_from_civil(y, m, d);
    }
    days += (int64_t)sign * iv->days;
    rt_i128 t = (rt_i128)days * US_PER_DAY + us + (rt_i128)sign * iv->micros;
    if (t > INT64_MAX || t < INT64_MIN)
        return false;
    *out = (int64_t)t;
    return true;
}

#define DEF_TS_IV(NAME, TS, IV, SIGN)                                                              \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        int64_t *r = vr->values;                                                                   \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            rt_interval iv = IV;                                                                   \
            bool ok = rt_timestamp_add_interval(TS, &iv, SIGN, &r[i]);                             \
            bad |= !ok;                                                                            \
        });                                                                                        \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_check(CHECK2_ARGS) {                                                         \
        rt_interval iv = IV;                                                                       \
        int64_t t;                                                                                 \
        return rt_timestamp_add_interval(TS, &iv, SIGN, &t) ? 0 : RT_JIT_ERR_OVERFLOW;             \
    }
#define VA_TS (((const int64_t *)va->values)[i])
#define VB_TS (((const int64_t *)vb->values)[i])
DEF_TS_IV(ts_add_iv, VA_TS, VB_IV, 1)
DEF_TS_IV(iv_add_ts, VB_TS, VA_IV, 1)
DEF_TS_IV(ts_sub_iv, VA_TS, VB_IV, -1)

/* timestamp - timestamp: days and microseconds (PostgreSQL's justify_hours). */
static bool ts_diff(int64_t a, int64_t b, rt_interval *r) {
    int64_t d;
    if (__builtin_sub_overflow(a, b, &d))
        return false;
    r->months = 0;
    r->days = (int32_t)(d / US_PER_DAY);
    r->micros = d % US_PER_DAY;
    return true;
}
static bool ts_sub_ts(PRIM2_ARGS) {
    bool bad = false;
    FOR_ROWS({
        rt_interval r = {0, 0, 0};
        bad |= !ts_diff(VA_TS, VB_TS, &r);
        stiv(vr, i, r);
    });
    return bad;
}
static int ts_sub_ts_check(CHECK2_ARGS) {
    rt_interval r;
    return ts_diff(VA_TS, VB_TS, &r) ? 0 : RT_JIT_ERR_OVERFLOW;
}

/* ---- CHAR(n) comparisons: trailing blanks do not count --------------------------------- */

static int char_cmp(const rt_vector *va, const rt_string *a, const rt_vector *vb,
                    const rt_string *b) {
    const char *pa = rt_string_ptr(va, a), *pb = rt_string_ptr(vb, b);
    return rt_str_compare(pa, rt_str_unpad_len(pa, a->len), pb, rt_str_unpad_len(pb, b->len));
}

#define DEF_CHAR_CMP(NAME, OP)                                                                     \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        const rt_string *a = va->values, *b = vb->values;                                          \
        uint8_t *r = vr->values;                                                                   \
        FOR_ROWS(r[i] = char_cmp(va, &a[i], vb, &b[i]) OP 0);                                      \
        return false;                                                                              \
    }
DEF_CHAR_CMP(char_eq, ==)
DEF_CHAR_CMP(char_ne, !=)
DEF_CHAR_CMP(char_lt, <)
DEF_CHAR_CMP(char_le, <=)
DEF_CHAR_CMP(char_gt, >)
DEF_CHAR_CMP(char_ge, >=)

/* ---- lookup ---------------------------------------------------------------------------- */

static rt_prim2 cmp_of(plan_op_kind op, const rt_prim2 fns[6]) {
    return op >= PLAN_OP_EQ && op <= PLAN_OP_GE ? fns[op - PLAN_OP_EQ] : NULL;
}

static const rt_prim2 i128_cmps[6] = {i128_eq, i128_ne, i128_lt, i128_le, i128_gt, i128_ge};
static const rt_prim2 iv_cmps[6] = {iv_eq, iv_ne, iv_lt, iv_le, iv_gt, iv_ge};
static const rt_prim2 char_cmps[6] = {char_eq, char_ne, char_lt, char_le, char_gt, char_ge};

#define RET(fn) return (*check = fn##_check, fn)

rt_prim2 rt_prim2_lookup_wide(plan_op_kind op, qe_type ta, qe_type tb, bool is_char,
                              rt_prim2_check *check) {
    *check = NULL;
    bool add = op == PLAN_OP_ADD, sub = op == PLAN_OP_SUB;
    if (ta == tb && ta == QE_TYPE_VARCHAR && is_char)
        return cmp_of(op, char_cmps);
    if (ta == tb && (ta == QE_TYPE_HUGEINT || ta == QE_TYPE_DECIMAL)) {
        switch (op) {
        case PLAN_OP_ADD: RET(i128_add);
        case PLAN_OP_SUB: RET(i128_sub);
        case PLAN_OP_MUL: RET(i128_mul);
        case PLAN_OP_DIV:
            if (ta == QE_TYPE_DECIMAL)
                return NULL; /* the binder makes DECIMAL / DOUBLE */
            RET(i128_div);
        case PLAN_OP_MOD: RET(i128_mod);
        default: return cmp_of(op, i128_cmps);
        }
    }
    if (ta == QE_TYPE_INTERVAL && tb == QE_TYPE_INTERVAL) {
        if (add)
            RET(iv_add);
        if (sub)
            RET(iv_sub);
        return cmp_of(op, iv_cmps);
    }
    if (ta == QE_TYPE_DATE && tb == QE_TYPE_INTEGER && (add || sub)) {
        if (add)
            RET(date_add_int);
        RET(date_sub_int);
    }
    if (ta == QE_TYPE_INTEGER && tb == QE_TYPE_DATE && add)
        RET(int_add_date);
    if (ta == QE_TYPE_DATE && tb == QE_TYPE_DATE && sub)
        RET(date_sub_date);
    if (ta == QE_TYPE_TIMESTAMP && tb == QE_TYPE_INTERVAL && (add || sub)) {
        if (add)
            RET(ts_add_iv);
        RET(ts_sub_iv);
    }
    if (ta == QE_TYPE_INTERVAL && tb == QE_TYPE_TIMESTAMP && add)
        RET(iv_add_ts);
    if (ta == QE_TYPE_TIMESTAMP && tb == QE_TYPE_TIMESTAMP && sub)
        RET(ts_sub_ts);
    if (ta == QE_TYPE_INTERVAL && tb == QE_TYPE_DOUBLE && op == PLAN_OP_MUL)
        RET(iv_mul_d);
    if (ta == QE_TYPE_DOUBLE && tb == QE_TYPE_INTERVAL && op == PLAN_OP_MUL)
        RET(d_mul_iv);
    if (ta == QE_TYPE_INTERVAL && tb == QE_TYPE_DOUBLE && op == PLAN_OP_DIV)
        RET(iv_div_d);
    return NULL;
}

rt_prim1 rt_prim1_lookup_wide(plan_op_kind op, qe_type type, rt_prim1_check *check) {
    *check = NULL;
    if (op != PLAN_OP_NEG)
        return NULL;
    if (type == QE_TYPE_HUGEINT || type == QE_TYPE_DECIMAL)
        RET(i128_neg);
    if (type == QE_TYPE_INTERVAL)
        RET(iv_neg);
    return NULL;
}

/* Fused DECIMAL + - *: one pass computes, checks 128-bit overflow and the precision
 * bound; A and B read a row's operand (a constant operand is read once). */
#define DEC_LOOP(A, B, OPEXPR)                                                                     \
    FOR_ROWS({                                                                                     \
        rt_i128 x_ = (A), y_ = (B), r_;                                                            \
        bad |= OPEXPR;                                                                             \
        bad |= (unsigned __int128)r_ + off >= span;                                                \
        st128(vr, i, r_);                                                                          \
    })
#define DEC_OPERANDS(OPEXPR)                                                                       \
    do {                                                                                           \
        if (a_const)                                                                               \
            DEC_LOOP(ca, ld128(vb, i), OPEXPR);                                                    \
        else if (b_const)                                                                          \
            DEC_LOOP(ld128(va, i), cb, OPEXPR);                                                    \
        else                                                                                       \
            DEC_LOOP(ld128(va, i), ld128(vb, i), OPEXPR);                                          \
    } while (0)

bool rt_decimal_arith(plan_op_kind op, const rt_vector *va, bool a_const, const rt_vector *vb,
                      bool b_const, rt_vector *vr, const uint32_t *sel, uint32_t n, int precision) {
    rt_i128 lim = rt_pow10(precision);
    unsigned __int128 off = (unsigned __int128)(lim - 1), span = 2 * (unsigned __int128)lim - 1;
    rt_i128 ca = ld128(va, 0), cb = ld128(vb, 0);
    bool bad = false;
    switch (op) {
    case PLAN_OP_ADD: DEC_OPERANDS(__builtin_add_overflow(x_, y_, &r_)); break;
    case PLAN_OP_SUB: DEC_OPERANDS(__builtin_sub_overflow(x_, y_, &r_)); break;
    case PLAN_OP_MUL: DEC_OPERANDS(mul128(x_, y_, &r_)); break;
    default: return true;
    }
    return bad;
}

int rt_decimal_check_bound(const rt_vector *v, const uint32_t *sel, uint32_t n, int precision) {
    /* |x| < lim  <=>  (unsigned)(x + lim - 1) < 2 * lim - 1: one comparison per row;
     * validity is only looked at for the rare rows out of bounds. */
    rt_i128 lim = rt_pow10(precision);
    unsigned __int128 off = (unsigned __int128)(lim - 1), span = 2 * (unsigned __int128)lim - 1;
    FOR_ROWS({
        if ((unsigned __int128)ld128(v, i) + off >= span && rt_vector_is_valid(v, i))
            return (int)i;
    });
    return -1;
}
