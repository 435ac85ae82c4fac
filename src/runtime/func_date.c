/*
 * func_date.c -- date/time function kernels over DATE (int32 days since 1970-01-01)
 * and TIMESTAMP (int64 microseconds since 1970-01-01 00:00:00), proleptic Gregorian.
 *
 * extract/date_part follow PostgreSQL: dow 0 = Sunday, isodow 1 = Monday, ISO week
 * and isoyear, year 0 does not exist (astronomical year 0 is 1 BC = -1), decade /
 * century / millennium as PostgreSQL numbers them, 'epoch' and 'second' as DOUBLE (the
 * binder's result type).  date_trunc truncates to the start of the unit (weeks start
 * on Monday); date_diff counts unit boundaries crossed (DuckDB).  The shortcuts year(),
 * month(), ... are extract of that field.  No time zones: TIMESTAMP is local time and
 * now() / current_date read the UTC clock.
 */
#include "date_inline.h"
#include "func.h"

#include <string.h>
#include <time.h>

#define US_PER_SEC RT_US_PER_SEC
#define US_PER_DAY RT_US_PER_DAY

/* The units and the field kernels are shared with compiled code (date_inline.h). */
typedef rt_date_unit date_unit;
typedef rt_civil civil;
#define UNIT_N RT_UNIT_N

/* Breaks a DATE or TIMESTAMP value down. */
static void to_civil(const rt_value *v, civil *c) {
    rt_civil_of(v->u.i, v->type == QE_TYPE_TIMESTAMP, c);
}

/* The unit named by v (case-insensitive), or UNIT_N. */
static date_unit parse_unit(const rt_value *v) {
    return rt_date_unit_parse(v->u.s.ptr, v->u.s.len);
}

static qe_status bad_unit(rt_fcall *c, const rt_value *unit, qe_type t) {
    return rt_error_set(
        c->err, QE_DATA, "22023", c->e->position, "unit \"%.*s\" not recognized for type %s",
        (int)(unit->u.s.len < 100 ? unit->u.s.len : 100), unit->u.s.ptr, rt_type_pg_name(t));
}

/* Stores field u of date/timestamp v into out (BIGINT or DOUBLE by the node's type). */
static qe_status extract(rt_fcall *c, date_unit u, const rt_value *v, rt_value *out) {
    civil cv;
    to_civil(v, &cv);
    double d = rt_date_field(&cv, u, v->type == QE_TYPE_TIMESTAMP);
    if (c->e->type == QE_TYPE_DOUBLE || c->e->type == QE_TYPE_REAL)
        out->u.d = d;
    else
        out->u.i = (int64_t)d;
    return QE_OK;
}

/* Field u of an interval (PostgreSQL: years and months from the months, the time
 * fields from the microseconds); false for fields intervals lack. */
static bool interval_field(const rt_value *v, date_unit u, double *out) {
    int64_t m = v->u.iv.months, us = v->u.iv.micros;
    switch (u) {
    case RT_UNIT_YEAR: *out = (double)(m / 12); return true;
    case RT_UNIT_MONTH: *out = (double)(m % 12); return true;
    case RT_UNIT_QUARTER: *out = (double)((m % 12) / 3 + 1); return true;
    case RT_UNIT_DECADE: *out = (double)(m / 120); return true;
    case RT_UNIT_CENTURY: *out = (double)(m / 1200); return true;
    case RT_UNIT_MILLENNIUM: *out = (double)(m / 12000); return true;
    case RT_UNIT_DAY: *out = v->u.iv.days; return true;
    case RT_UNIT_HOUR: *out = (double)(us / (3600 * US_PER_SEC)); return true;
    case RT_UNIT_MINUTE: *out = (double)(us / (60 * US_PER_SEC) % 60); return true;
    case RT_UNIT_SECOND: *out = (double)(us % (60 * US_PER_SEC)) / 1e6; return true;
    case RT_UNIT_MILLISECONDS: *out = (double)(us % (60 * US_PER_SEC)) / 1e3; return true;
    case RT_UNIT_MICROSECONDS: *out = (double)(us % (60 * US_PER_SEC)); return true;
    case RT_UNIT_EPOCH: /* PostgreSQL: a year is 365.25 days, a month 30 days */
        *out = (double)(m / 12) * 365.25 * 86400 + (double)(m % 12) * 30 * 86400 +
               (double)v->u.iv.days * 86400 + (double)us / 1e6;
        return true;
    default: return false;
    }
}

/* extract(field FROM x) / date_part('field', x). */
qe_status rt_fn_date_part(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    date_unit u = parse_unit(&a[0]);
    if (a[1].type == QE_TYPE_INTERVAL) {
        double d;
        if (u == UNIT_N || !interval_field(&a[1], u, &d))
            return bad_unit(c, &a[0], a[1].type);
        if (c->e->type == QE_TYPE_DOUBLE || c->e->type == QE_TYPE_REAL)
            out->u.d = d;
        else
            out->u.i = (int64_t)d;
        return QE_OK;
    }
    if (u == UNIT_N || (rt_date_unit_time_only(u) && a[1].type == QE_TYPE_DATE))
        return bad_unit(c, &a[0], a[1].type);
    return extract(c, u, &a[1], out);
}

#define SHORTCUT(fn, unit)                                                                         \
    qe_status fn(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {                 \
        (void)n_args;                                                                              \
        return extract(c, unit, &a[0], out);                                                       \
    }
SHORTCUT(rt_fn_year, RT_UNIT_YEAR)
SHORTCUT(rt_fn_month, RT_UNIT_MONTH)
SHORTCUT(rt_fn_day, RT_UNIT_DAY)
SHORTCUT(rt_fn_quarter, RT_UNIT_QUARTER)
SHORTCUT(rt_fn_week, RT_UNIT_WEEK)
SHORTCUT(rt_fn_dayofweek, RT_UNIT_DOW)
SHORTCUT(rt_fn_dayofyear, RT_UNIT_DOY)
SHORTCUT(rt_fn_hour, RT_UNIT_HOUR)
SHORTCUT(rt_fn_minute, RT_UNIT_MINUTE)
#undef SHORTCUT

/* second(ts): the whole seconds of the minute (BIGINT). */
qe_status rt_fn_second(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)c;
    (void)n_args;
    civil cv;
    to_civil(&a[0], &cv);
    out->u.i = cv.us_day / US_PER_SEC % 60;
    return QE_OK;
}

/* The microseconds since the epoch of ts truncated to unit u; false if u is unknown. */
static bool trunc_ts(int64_t ts, date_unit u, int64_t *out) {
    civil c;
    rt_value v = {.type = QE_TYPE_TIMESTAMP, .u.i = ts};
    to_civil(&v, &c);
    int64_t day0 = c.days * US_PER_DAY, y = c.year;
    switch (u) {
    case RT_UNIT_MICROSECONDS: *out = ts; return true;
    case RT_UNIT_MILLISECONDS: *out = rt_floor_div(ts, 1000) * 1000; return true;
    case RT_UNIT_SECOND: *out = rt_floor_div(ts, US_PER_SEC) * US_PER_SEC; return true;
    case RT_UNIT_MINUTE: *out = rt_floor_div(ts, 60 * US_PER_SEC) * 60 * US_PER_SEC; return true;
    case RT_UNIT_HOUR: *out = rt_floor_div(ts, 3600 * US_PER_SEC) * 3600 * US_PER_SEC; return true;
    case RT_UNIT_DAY: *out = day0; return true;
    case RT_UNIT_WEEK: *out = (c.days - (rt_isodow(&c) - 1)) * US_PER_DAY; return true;
    case RT_UNIT_MONTH: *out = rt_date_from_civil(y, c.month, 1) * US_PER_DAY; return true;
    case RT_UNIT_QUARTER:
        *out = rt_date_from_civil(y, (c.month - 1) / 3 * 3 + 1, 1) * US_PER_DAY;
        return true;
    case RT_UNIT_YEAR: *out = rt_date_from_civil(y, 1, 1) * US_PER_DAY; return true;
    case RT_UNIT_DECADE:
        *out = rt_date_from_civil(rt_floor_div(y, 10) * 10, 1, 1) * US_PER_DAY;
        return true;
    case RT_UNIT_CENTURY:
        *out = rt_date_from_civil(rt_floor_div(y - 1, 100) * 100 + 1, 1, 1) * US_PER_DAY;
        return true;
    case RT_UNIT_MILLENNIUM:
        *out = rt_date_from_civil(rt_floor_div(y - 1, 1000) * 1000 + 1, 1, 1) * US_PER_DAY;
        return true;
    default: return false;
    }
}

/* An interval with the fields below unit u zeroed; false for units intervals lack. */
static bool trunc_interval(const rt_value *v, date_unit u, rt_value *out) {
    int64_t m = v->u.iv.months, us = v->u.iv.micros;
    int64_t unit_us = u == RT_UNIT_HOUR           ? 3600 * US_PER_SEC
                      : u == RT_UNIT_MINUTE       ? 60 * US_PER_SEC
                      : u == RT_UNIT_SECOND       ? US_PER_SEC
                      : u == RT_UNIT_MILLISECONDS ? 1000
                                                  : 1;
    out->u.iv = v->u.iv;
    switch (u) {
    case RT_UNIT_MILLENNIUM: out->u.iv.months = (int32_t)(m / 12000 * 12000); break;
    case RT_UNIT_CENTURY: out->u.iv.months = (int32_t)(m / 1200 * 1200); break;
    case RT_UNIT_DECADE: out->u.iv.months = (int32_t)(m / 120 * 120); break;
    case RT_UNIT_YEAR: out->u.iv.months = (int32_t)(m / 12 * 12); break;
    case RT_UNIT_QUARTER: out->u.iv.months = (int32_t)(m / 3 * 3); break;
    case RT_UNIT_MONTH: break;
    case RT_UNIT_DAY: out->u.iv.micros = 0; return true;
    case RT_UNIT_HOUR:
    case RT_UNIT_MINUTE:
    case RT_UNIT_SECOND:
    case RT_UNIT_MILLISECONDS:
    case RT_UNIT_MICROSECONDS: out->u.iv.micros = us / unit_us * unit_us; return true;
    default: return false;
    }
    out->u.iv.days = 0;
    out->u.iv.micros = 0;
    return true;
}

qe_status rt_fn_date_trunc(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    date_unit u = parse_unit(&a[0]);
    if (a[1].type == QE_TYPE_INTERVAL) {
        if (u == UNIT_N || !trunc_interval(&a[1], u, out))
            return bad_unit(c, &a[0], a[1].type);
        return QE_OK;
    }
    if (a[1].type != QE_TYPE_TIMESTAMP || u == UNIT_N || !trunc_ts(a[1].u.i, u, &out->u.i))
        return bad_unit(c, &a[0], a[1].type);
    return QE_OK;
}

/* A monotone count of unit u up to ts (months since year 0, days, ...). */
static bool unit_count(int64_t ts, date_unit u, int64_t *out) {
    civil c;
    rt_value v = {.type = QE_TYPE_TIMESTAMP, .u.i = ts};
    to_civil(&v, &c);
    switch (u) {
    case RT_UNIT_YEAR: *out = c.year; return true;
    case RT_UNIT_QUARTER: *out = c.year * 4 + (c.month - 1) / 3; return true;
    case RT_UNIT_MONTH: *out = c.year * 12 + c.month - 1; return true;
    case RT_UNIT_DECADE: *out = rt_floor_div(c.year, 10); return true;
    case RT_UNIT_CENTURY: *out = rt_floor_div(c.year - 1, 100); return true;
    case RT_UNIT_MILLENNIUM: *out = rt_floor_div(c.year - 1, 1000); return true;
    case RT_UNIT_WEEK: *out = rt_floor_div(c.days - (rt_isodow(&c) - 1), 7); return true;
    case RT_UNIT_DAY:
    case RT_UNIT_DOW:
    case RT_UNIT_ISODOW:
    case RT_UNIT_DOY: *out = c.days; return true;
    case RT_UNIT_HOUR: *out = rt_floor_div(ts, 3600 * US_PER_SEC); return true;
    case RT_UNIT_MINUTE: *out = rt_floor_div(ts, 60 * US_PER_SEC); return true;
    case RT_UNIT_SECOND: *out = rt_floor_div(ts, US_PER_SEC); return true;
    case RT_UNIT_MILLISECONDS: *out = rt_floor_div(ts, 1000); return true;
    case RT_UNIT_MICROSECONDS: *out = ts; return true;
    default: return false;
    }
}

/* date_diff(unit, a, b): unit boundaries between a and b (negative if b < a). */
qe_status rt_fn_date_diff(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)n_args;
    date_unit u = parse_unit(&a[0]);
    bool is_date = a[1].type == QE_TYPE_DATE;
    int64_t t1 = is_date ? a[1].u.i * US_PER_DAY : a[1].u.i;
    int64_t t2 = is_date ? a[2].u.i * US_PER_DAY : a[2].u.i;
    int64_t c1, c2;
    if (u == UNIT_N || !unit_count(t1, u, &c1) || !unit_count(t2, u, &c2))
        return bad_unit(c, &a[0], a[1].type);
    out->u.i = c2 - c1;
    return QE_OK;
}

/* The current time (µs since the epoch, UTC), read once per node. */
static int64_t now_us(rt_fcall *c) {
    if (c->cache == NULL) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t *t = rt_arena_alloc(c->arena, sizeof *t);
        if (t == NULL)
            return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
        *t = (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
        c->cache = t;
    }
    return *(int64_t *)c->cache;
}

qe_status rt_fn_now(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)a;
    (void)n_args;
    out->u.i = now_us(c);
    return QE_OK;
}

qe_status rt_fn_current_date(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    (void)a;
    (void)n_args;
    out->u.i = rt_floor_div(now_us(c), US_PER_DAY);
    return QE_OK;
}
