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
#include "func.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#define US_PER_SEC 1000000LL
#define US_PER_DAY 86400000000LL

/* X(name, sql, time_only): the fields of extract/date_part/date_trunc/date_diff. */
#define DATE_UNIT_LIST(X)                                                                          \
    X(YEAR, "year", 0)                                                                             \
    X(MONTH, "month", 0)                                                                           \
    X(DAY, "day", 0)                                                                               \
    X(QUARTER, "quarter", 0)                                                                       \
    X(WEEK, "week", 0)                                                                             \
    X(DOW, "dow", 0)                                                                               \
    X(ISODOW, "isodow", 0)                                                                         \
    X(DOY, "doy", 0)                                                                               \
    X(DECADE, "decade", 0)                                                                         \
    X(CENTURY, "century", 0)                                                                       \
    X(MILLENNIUM, "millennium", 0)                                                                 \
    X(EPOCH, "epoch", 0)                                                                           \
    X(ISOYEAR, "isoyear", 0)                                                                       \
    X(JULIAN, "julian", 0)                                                                         \
    X(HOUR, "hour", 1)                                                                             \
    X(MINUTE, "minute", 1)                                                                         \
    X(SECOND, "second", 1)                                                                         \
    X(MILLISECONDS, "milliseconds", 1)                                                             \
    X(MICROSECONDS, "microseconds", 1)

typedef enum date_unit {
#define DATE_X_ENUM(name, sql, t) UNIT_##name,
    DATE_UNIT_LIST(DATE_X_ENUM)
#undef DATE_X_ENUM
        UNIT_N
} date_unit;

static const char *const unit_names[] = {
#define DATE_X_NAME(name, sql, t) sql,
    DATE_UNIT_LIST(DATE_X_NAME)
#undef DATE_X_NAME
};

static const bool unit_time_only[] = {
#define DATE_X_TIME(name, sql, t) t,
    DATE_UNIT_LIST(DATE_X_TIME)
#undef DATE_X_TIME
};

/* The broken-down form of a DATE or TIMESTAMP. */
typedef struct civil {
    int64_t days;   /* days since 1970-01-01 */
    int64_t year;   /* astronomical year (0 = 1 BC) */
    int month;      /* 1..12 */
    int day;        /* 1..31 */
    int64_t us_day; /* microseconds since midnight */
} civil;

/* Hinnant's days_from_civil / civil_from_days (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, civil *c) {
    c->days = z;
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->year = yoe + era * 400 + (c->month <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Breaks a DATE or TIMESTAMP value down. */
static void to_civil(const rt_value *v, civil *c) {
    int64_t days = v->u.i, us = 0;
    if (v->type == QE_TYPE_TIMESTAMP) {
        days = floor_div(v->u.i, US_PER_DAY);
        us = v->u.i - days * US_PER_DAY;
    }
    civil_from_days(days, c);
    c->us_day = us;
}

static int64_t pg_year(int64_t y) { return y > 0 ? y : y - 1; } /* no year 0 */
/* ISO day of the week, 1 = Monday (1970-01-01 was a Thursday). */
static int isodow(const civil *c) { return (int)(c->days + 3 - floor_div(c->days + 3, 7) * 7) + 1; }
static int64_t doy(const civil *c) { return c->days - days_from_civil(c->year, 1, 1) + 1; }

/* ISO 8601 week number and week-numbering year. */
static void iso_week(const civil *c, int64_t *week, int64_t *year) {
    civil th;
    civil_from_days(c->days + 4 - isodow(c), &th); /* the Thursday of this week */
    *year = th.year;
    *week = (th.days - days_from_civil(th.year, 1, 1)) / 7 + 1;
}

/* The unit named by v (case-insensitive), or UNIT_N. */
static date_unit parse_unit(const rt_value *v) {
    for (int u = 0; u < UNIT_N; u++)
        if (strlen(unit_names[u]) == v->u.s.len &&
            strncasecmp(unit_names[u], v->u.s.ptr, v->u.s.len) == 0)
            return (date_unit)u;
    return UNIT_N;
}

static qe_status bad_unit(rt_fcall *c, const rt_value *unit, qe_type t) {
    return rt_error_set(
        c->err, QE_DATA, "22023", c->e->position, "unit \"%.*s\" not recognized for type %s",
        (int)(unit->u.s.len < 100 ? unit->u.s.len : 100), unit->u.s.ptr, rt_type_pg_name(t));
}

/* Field u of c as a double (exact for the integer fields). */
static double field(const civil *c, date_unit u, bool is_ts) {
    int64_t y = pg_year(c->year), w, iy;
    switch (u) {
    case UNIT_YEAR: return (double)y;
    case UNIT_MONTH: return c->month;
    case UNIT_DAY: return c->day;
    case UNIT_QUARTER: return (c->month - 1) / 3 + 1;
    case UNIT_WEEK: iso_week(c, &w, &iy); return (double)w;
    case UNIT_ISOYEAR: iso_week(c, &w, &iy); return (double)pg_year(iy);
    case UNIT_DOW: return isodow(c) % 7;
    case UNIT_ISODOW: return isodow(c);
    case UNIT_DOY: return (double)doy(c);
    case UNIT_DECADE: return (double)floor_div(c->year, 10);
    case UNIT_CENTURY: return (double)(y > 0 ? (y + 99) / 100 : -((99 - (y + 1)) / 100));
    case UNIT_MILLENNIUM: return (double)(y > 0 ? (y + 999) / 1000 : -((999 - (y + 1)) / 1000));
    case UNIT_EPOCH:
        return is_ts ? (double)(c->days * US_PER_DAY + c->us_day) / 1e6 : (double)c->days * 86400;
    case UNIT_JULIAN: return (double)(c->days + 2440588);
    case UNIT_HOUR: return (double)(c->us_day / (3600 * US_PER_SEC));
    case UNIT_MINUTE: return (double)(c->us_day / (60 * US_PER_SEC) % 60);
    case UNIT_SECOND: return (double)(c->us_day % (60 * US_PER_SEC)) / 1e6;
    case UNIT_MILLISECONDS: return (double)(c->us_day % (60 * US_PER_SEC)) / 1e3;
    case UNIT_MICROSECONDS: return (double)(c->us_day % (60 * US_PER_SEC));
    default: return 0;
    }
}

/* Stores field u of date/timestamp v into out (BIGINT or DOUBLE by the node's type). */
static qe_status extract(rt_fcall *c, date_unit u, const rt_value *v, rt_value *out) {
    civil cv;
    to_civil(v, &cv);
    double d = field(&cv, u, v->type == QE_TYPE_TIMESTAMP);
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
    case UNIT_YEAR: *out = (double)(m / 12); return true;
    case UNIT_MONTH: *out = (double)(m % 12); return true;
    case UNIT_QUARTER: *out = (double)((m % 12) / 3 + 1); return true;
    case UNIT_DECADE: *out = (double)(m / 120); return true;
    case UNIT_CENTURY: *out = (double)(m / 1200); return true;
    case UNIT_MILLENNIUM: *out = (double)(m / 12000); return true;
    case UNIT_DAY: *out = v->u.iv.days; return true;
    case UNIT_HOUR: *out = (double)(us / (3600 * US_PER_SEC)); return true;
    case UNIT_MINUTE: *out = (double)(us / (60 * US_PER_SEC) % 60); return true;
    case UNIT_SECOND: *out = (double)(us % (60 * US_PER_SEC)) / 1e6; return true;
    case UNIT_MILLISECONDS: *out = (double)(us % (60 * US_PER_SEC)) / 1e3; return true;
    case UNIT_MICROSECONDS: *out = (double)(us % (60 * US_PER_SEC)); return true;
    case UNIT_EPOCH: /* PostgreSQL: a year is 365.25 days, a month 30 days */
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
    if (u == UNIT_N || (unit_time_only[u] && a[1].type == QE_TYPE_DATE))
        return bad_unit(c, &a[0], a[1].type);
    return extract(c, u, &a[1], out);
}

#define SHORTCUT(fn, unit)                                                                         \
    qe_status fn(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {                 \
        (void)n_args;                                                                              \
        return extract(c, unit, &a[0], out);                                                       \
    }
SHORTCUT(rt_fn_year, UNIT_YEAR)
SHORTCUT(rt_fn_month, UNIT_MONTH)
SHORTCUT(rt_fn_day, UNIT_DAY)
SHORTCUT(rt_fn_quarter, UNIT_QUARTER)
SHORTCUT(rt_fn_week, UNIT_WEEK)
SHORTCUT(rt_fn_dayofweek, UNIT_DOW)
SHORTCUT(rt_fn_dayofyear, UNIT_DOY)
SHORTCUT(rt_fn_hour, UNIT_HOUR)
SHORTCUT(rt_fn_minute, UNIT_MINUTE)
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
    case UNIT_MICROSECONDS: *out = ts; return true;
    case UNIT_MILLISECONDS: *out = floor_div(ts, 1000) * 1000; return true;
    case UNIT_SECOND: *out = floor_div(ts, US_PER_SEC) * US_PER_SEC; return true;
    case UNIT_MINUTE: *out = floor_div(ts, 60 * US_PER_SEC) * 60 * US_PER_SEC; return true;
    case UNIT_HOUR: *out = floor_div(ts, 3600 * US_PER_SEC) * 3600 * US_PER_SEC; return true;
    case UNIT_DAY: *out = day0; return true;
    case UNIT_WEEK: *out = (c.days - (isodow(&c) - 1)) * US_PER_DAY; return true;
    case UNIT_MONTH: *out = days_from_civil(y, c.month, 1) * US_PER_DAY; return true;
    case UNIT_QUARTER:
        *out = days_from_civil(y, (c.month - 1) / 3 * 3 + 1, 1) * US_PER_DAY;
        return true;
    case UNIT_YEAR: *out = days_from_civil(y, 1, 1) * US_PER_DAY; return true;
    case UNIT_DECADE: *out = days_from_civil(floor_div(y, 10) * 10, 1, 1) * US_PER_DAY; return true;
    case UNIT_CENTURY:
        *out = days_from_civil(floor_div(y - 1, 100) * 100 + 1, 1, 1) * US_PER_DAY;
        return true;
    case UNIT_MILLENNIUM:
        *out = days_from_civil(floor_div(y - 1, 1000) * 1000 + 1, 1, 1) * US_PER_DAY;
        return true;
    default: return false;
    }
}

/* An interval with the fields below unit u zeroed; false for units intervals lack. */
static bool trunc_interval(const rt_value *v, date_unit u, rt_value *out) {
    int64_t m = v->u.iv.months, us = v->u.iv.micros;
    int64_t unit_us = u == UNIT_HOUR           ? 3600 * US_PER_SEC
                      : u == UNIT_MINUTE       ? 60 * US_PER_SEC
                      : u == UNIT_SECOND       ? US_PER_SEC
                      : u == UNIT_MILLISECONDS ? 1000
                                               : 1;
    out->u.iv = v->u.iv;
    switch (u) {
    case UNIT_MILLENNIUM: out->u.iv.months = (int32_t)(m / 12000 * 12000); break;
    case UNIT_CENTURY: out->u.iv.months = (int32_t)(m / 1200 * 1200); break;
    case UNIT_DECADE: out->u.iv.months = (int32_t)(m / 120 * 120); break;
    case UNIT_YEAR: out->u.iv.months = (int32_t)(m / 12 * 12); break;
    case UNIT_QUARTER: out->u.iv.months = (int32_t)(m / 3 * 3); break;
    case UNIT_MONTH: break;
    case UNIT_DAY: out->u.iv.micros = 0; return true;
    case UNIT_HOUR:
    case UNIT_MINUTE:
    case UNIT_SECOND:
    case UNIT_MILLISECONDS:
    case UNIT_MICROSECONDS: out->u.iv.micros = us / unit_us * unit_us; return true;
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
    case UNIT_YEAR: *out = c.year; return true;
    case UNIT_QUARTER: *out = c.year * 4 + (c.month - 1) / 3; return true;
    case UNIT_MONTH: *out = c.year * 12 + c.month - 1; return true;
    case UNIT_DECADE: *out = floor_div(c.year, 10); return true;
    case UNIT_CENTURY: *out = floor_div(c.year - 1, 100); return true;
    case UNIT_MILLENNIUM: *out = floor_div(c.year - 1, 1000); return true;
    case UNIT_WEEK: *out = floor_div(c.days - (isodow(&c) - 1), 7); return true;
    case UNIT_DAY:
    case UNIT_DOW:
    case UNIT_ISODOW:
    case UNIT_DOY: *out = c.days; return true;
    case UNIT_HOUR: *out = floor_div(ts, 3600 * US_PER_SEC); return true;
    case UNIT_MINUTE: *out = floor_div(ts, 60 * US_PER_SEC); return true;
    case UNIT_SECOND: *out = floor_div(ts, US_PER_SEC); return true;
    case UNIT_MILLISECONDS: *out = floor_div(ts, 1000); return true;
    case UNIT_MICROSECONDS: *out = ts; return true;
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
    out->u.i = floor_div(now_us(c), US_PER_DAY);
    return QE_OK;
}
