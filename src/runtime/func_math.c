/*
 * func_math.c -- numeric function kernels (PostgreSQL semantics and errors).
 *
 * Polymorphic functions (abs, ceil, floor, round, trunc, sign, mod) keep their
 * argument's type: integers stay exact (22003 on overflow, e.g. abs of the most
 * negative value), REAL/DOUBLE use libm, DECIMAL (128-bit scaled by 10^s, s from the
 * argument's typmod) is exact: ceil/floor/round/trunc(x) give DECIMAL(p - s + 1, 0)
 * (the binder's result typmod), round/trunc(x, n) keep the scale and zero the dropped
 * digits; numeric rounding is half away from zero.  round(double) rounds half to even like
 * PostgreSQL's float8 round (rint); round(x, n) and integer rounding to tens (n < 0)
 * round half away from zero like numeric round.  Errors: 2201E logarithm of zero or a
 * negative number, 2201F square root of a negative number and undefined powers,
 * 22012 division by zero, 22003 overflow/underflow.
 */
#include "func.h"

#include <math.h>
#include <time.h>

static bool is_float(qe_type t) { return t == QE_TYPE_DOUBLE || t == QE_TYPE_REAL; }
static bool is_wide(qe_type t) { return t == QE_TYPE_DECIMAL || t == QE_TYPE_HUGEINT; }

/* Scale of argument i (0 unless DECIMAL). */
static int arg_scale(const rt_fcall *c, uint32_t i) {
    const plan_expr *a = c->e->u.func.args[i];
    return a->type == QE_TYPE_DECIMAL ? PLAN_DECIMAL_SCALE(a->typmod) : 0;
}

/* 22003 unless |v| fits the result's precision (DECIMAL) or 128 bits (HUGEINT). */
static qe_status check_wide(rt_fcall *c, rt_i128 v, rt_value *out) {
    if (c->e->type == QE_TYPE_DECIMAL) {
        rt_i128 lim = rt_pow10(PLAN_DECIMAL_PRECISION(c->e->typmod));
        if (v >= lim || v <= -lim)
            return rt_error_set(c->err, QE_DATA, "22003", c->e->position, "numeric field overflow");
    }
    out->u.h = v;
    return QE_OK;
}

/* 128-bit v (scale `scale`) rounded to `digits` fraction digits: mode 'r' half away
 * from zero, 't' toward zero, 'f' floor, 'c' ceiling.  *q gets the quotient by the
 * dropped unit, *unit that unit (1 when nothing is dropped). */
static void wide_round(rt_i128 v, int scale, int64_t digits, char mode, rt_i128 *q, rt_i128 *unit) {
    *unit = 1;
    *q = v;
    if (digits >= scale)
        return;
    int64_t drop = scale - digits;
    if (drop > 38) { /* everything is dropped */
        *unit = 0;
        *q = 0;
        return;
    }
    *unit = rt_pow10((int)drop);
    rt_i128 r = v % *unit;
    *q = v / *unit;
    if (mode == 'r' && (r < 0 ? -r : r) * 2 >= *unit)
        *q += v < 0 ? -1 : 1;
    else if (mode == 'f' && r < 0)
        *q -= 1;
    else if (mode == 'c' && r > 0)
        *q += 1;
}

/* DECIMAL/HUGEINT ceil/floor/round/trunc: one argument gives scale 0, two keep it. */
static qe_status wide_places(rt_fcall *c, const rt_value *a, uint32_t n_args, char mode,
                             rt_value *out) {
    int scale = arg_scale(c, 0);
    int64_t digits = n_args > 1 ? a[1].u.i : 0;
    rt_i128 q, unit;
    wide_round(a[0].u.h, scale, digits, mode, &q, &unit);
    if (unit == 0)
        return check_wide(c, 0, out);
    if (n_args < 2 && c->e->type == QE_TYPE_DECIMAL && PLAN_DECIMAL_SCALE(c->e->typmod) == 0)
        return check_wide(c, digits >= scale ? a[0].u.h : q, out);
    if (unit > 1 && (q > ((rt_i128)1 << 120) / unit || q < -((rt_i128)1 << 120) / unit))
        return rt_error_set(c->err, QE_DATA, "22003", c->e->position, "numeric field overflow");
    return check_wide(c, q * unit, out);
}

/* Range of an integer type. */
static void int_range(qe_type t, int64_t *lo, int64_t *hi) {
    *lo = t == QE_TYPE_SMALLINT ? INT16_MIN : t == QE_TYPE_INTEGER ? INT32_MIN : INT64_MIN;
    *hi = t == QE_TYPE_SMALLINT ? INT16_MAX : t == QE_TYPE_INTEGER ? INT32_MAX : INT64_MAX;
}

static qe_status out_of_range(rt_fcall *c) {
    return rt_error_out_of_range(c->err, c->e->type, c->e->position);
}

/* A DOUBLE result: 22003 if it overflowed/underflowed from finite arguments. */
static qe_status set_double(rt_fcall *c, double r, bool check_under, rt_value *out) {
    if (isinf(r))
        return rt_error_set(c->err, QE_DATA, "22003", c->e->position,
                            "value out of range: overflow");
    if (check_under && r == 0.0)
        return rt_error_set(c->err, QE_DATA, "22003", c->e->position,
                            "value out of range: underflow");
    out->u.d = r;
    return QE_OK;
}

qe_status rt_fn_abs(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    if (is_float(a[0].type)) {
        out->u.d = fabs(a[0].u.d);
        return QE_OK;
    }
    if (is_wide(a[0].type)) {
        if (a[0].u.h == (rt_i128)((unsigned __int128)1 << 127))
            return out_of_range(c);
        return check_wide(c, a[0].u.h < 0 ? -a[0].u.h : a[0].u.h, out);
    }
    int64_t lo, hi;
    int_range(a[0].type, &lo, &hi);
    if (a[0].u.i == lo)
        return out_of_range(c);
    out->u.i = a[0].u.i < 0 ? -a[0].u.i : a[0].u.i;
    return QE_OK;
}

qe_status rt_fn_sign(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    if (is_float(a[0].type))
        out->u.d = a[0].u.d > 0 ? 1.0 : a[0].u.d < 0 ? -1.0 : a[0].u.d == 0 ? 0.0 : a[0].u.d;
    else if (is_wide(a[0].type))
        out->u.h = ((a[0].u.h > 0) - (a[0].u.h < 0)) * rt_pow10(arg_scale(c, 0));
    else
        out->u.i = (a[0].u.i > 0) - (a[0].u.i < 0);
    return QE_OK;
}

qe_status rt_fn_ceil(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    if (is_wide(a[0].type))
        return wide_places(c, a, n_args, 'c', out);
    *out = a[0];
    if (is_float(a[0].type))
        out->u.d = ceil(a[0].u.d);
    return QE_OK;
}

qe_status rt_fn_floor(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    if (is_wide(a[0].type))
        return wide_places(c, a, n_args, 'f', out);
    *out = a[0];
    if (is_float(a[0].type))
        out->u.d = floor(a[0].u.d);
    return QE_OK;
}

/* An integer rounded (or truncated) to a multiple of 10^-digits (digits < 0). */
static qe_status int_to_tens(rt_fcall *c, int64_t v, int64_t digits, bool half_up, rt_value *out) {
    if (digits >= 0) {
        out->u.i = v;
        return QE_OK;
    }
    if (digits < -18) {
        out->u.i = 0;
        return QE_OK;
    }
    int64_t unit = 1;
    for (int64_t k = 0; k < -digits; k++)
        unit *= 10;
    int64_t q = v / unit, rem = v % unit;
    if (half_up && (rem >= 0 ? rem : -rem) * 2 >= unit)
        q += v < 0 ? -1 : 1;
    int64_t lo, hi;
    int_range(c->e->type, &lo, &hi);
    if (q > hi / unit || q < lo / unit)
        return out_of_range(c);
    out->u.i = q * unit;
    return QE_OK;
}

/* x rounded/truncated at `digits` decimal places (negative: left of the point). */
static double float_places(double x, int64_t digits, bool round_half) {
    if (!isfinite(x))
        return x;
    if (digits > 300)
        return x;
    if (digits < -300)
        return 0.0;
    double scale = pow(10.0, (double)(digits < 0 ? -digits : digits));
    double y = digits >= 0 ? x * scale : x / scale;
    if (!isfinite(y))
        return x;
    y = round_half ? round(y) : trunc(y);
    return digits >= 0 ? y / scale : y * scale;
}

qe_status rt_fn_round(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    if (is_wide(a[0].type))
        return wide_places(c, a, n_args, 'r', out);
    *out = a[0];
    if (is_float(a[0].type)) {
        out->u.d = n_args > 1 ? float_places(a[0].u.d, a[1].u.i, true) : rint(a[0].u.d);
        return QE_OK;
    }
    return int_to_tens(c, a[0].u.i, n_args > 1 ? a[1].u.i : 0, true, out);
}

qe_status rt_fn_trunc(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    if (is_wide(a[0].type))
        return wide_places(c, a, n_args, 't', out);
    *out = a[0];
    if (is_float(a[0].type)) {
        out->u.d = float_places(a[0].u.d, n_args > 1 ? a[1].u.i : 0, false);
        return QE_OK;
    }
    return int_to_tens(c, a[0].u.i, n_args > 1 ? a[1].u.i : 0, false, out);
}

qe_status rt_fn_mod(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    if (is_float(a[0].type)) {
        if (a[1].u.d == 0.0)
            return rt_error_set(c->err, QE_DATA, "22012", c->e->position, "division by zero");
        out->u.d = fmod(a[0].u.d, a[1].u.d);
        return QE_OK;
    }
    if (is_wide(a[0].type)) { /* both arguments have the result's scale */
        if (a[1].u.h == 0)
            return rt_error_set(c->err, QE_DATA, "22012", c->e->position, "division by zero");
        out->u.h = a[1].u.h == -1 ? 0 : a[0].u.h % a[1].u.h;
        return QE_OK;
    }
    if (a[1].u.i == 0)
        return rt_error_set(c->err, QE_DATA, "22012", c->e->position, "division by zero");
    out->u.i = a[1].u.i == -1 ? 0 : a[0].u.i % a[1].u.i;
    return QE_OK;
}

qe_status rt_fn_sqrt(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    if (a[0].u.d < 0)
        return rt_error_set(c->err, QE_DATA, "2201F", c->e->position,
                            "cannot take square root of a negative number");
    out->u.d = sqrt(a[0].u.d);
    return QE_OK;
}

qe_status rt_fn_exp(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    double x = a[0].u.d;
    if (isnan(x) || isinf(x)) {
        out->u.d = x < 0 ? 0.0 : x;
        return QE_OK;
    }
    return set_double(c, exp(x), true, out);
}

/* The 2201E errors of logarithms. */
static qe_status check_log_arg(rt_fcall *c, double x) {
    if (x == 0.0)
        return rt_error_set(c->err, QE_DATA, "2201E", c->e->position,
                            "cannot take logarithm of zero");
    if (x < 0.0)
        return rt_error_set(c->err, QE_DATA, "2201E", c->e->position,
                            "cannot take logarithm of a negative number");
    return QE_OK;
}

qe_status rt_fn_ln(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    qe_status st = check_log_arg(c, a[0].u.d);
    out->u.d = log(a[0].u.d);
    return st;
}

qe_status rt_fn_log10(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    qe_status st = check_log_arg(c, a[0].u.d);
    out->u.d = log10(a[0].u.d);
    return st;
}

qe_status rt_fn_log2(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    qe_status st = check_log_arg(c, a[0].u.d);
    out->u.d = log2(a[0].u.d);
    return st;
}

/* log(x) is log10; log(b, x) is the logarithm of x to base b. */
qe_status rt_fn_log(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    if (n_args < 2)
        return rt_fn_log10(c, a, n_args, out);
    qe_status st = check_log_arg(c, a[0].u.d);
    if (st == QE_OK)
        st = check_log_arg(c, a[1].u.d);
    if (st != QE_OK)
        return st;
    double lb = log(a[0].u.d);
    if (lb == 0.0)
        return rt_error_set(c->err, QE_DATA, "22012", c->e->position, "division by zero");
    out->u.d = log(a[1].u.d) / lb;
    return QE_OK;
}

qe_status rt_fn_power(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    double x = a[0].u.d, y = a[1].u.d;
    if (x == 0.0 && y < 0.0)
        return rt_error_set(c->err, QE_DATA, "2201F", c->e->position,
                            "zero raised to a negative power is undefined");
    if (x < 0.0 && isfinite(y) && floor(y) != y)
        return rt_error_set(c->err, QE_DATA, "2201F", c->e->position,
                            "a negative number raised to a non-integer power yields a complex "
                            "result");
    double r = pow(x, y);
    if (isinf(x) || isinf(y) || isnan(x) || isnan(y)) {
        out->u.d = r;
        return QE_OK;
    }
    return set_double(c, r, x != 0.0, out);
}

qe_status rt_fn_pi(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    (void)a;
    (void)n_args;
    out->u.d = 3.14159265358979323846;
    return QE_OK;
}

/* random(): uniform in [0, 1) from a per-node xorshift64* generator. */
qe_status rt_fn_random(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)a;
    (void)n_args;
    if (c->rng == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        c->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)c;
        c->rng |= 1;
    }
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    uint64_t r = c->rng * 0x2545F4914F6CDD1DULL;
    out->u.d = (double)(r >> 11) * (1.0 / 9007199254740992.0);
    return QE_OK;
}
