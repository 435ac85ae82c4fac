/*
 * date_inline.h -- DATE/TIMESTAMP field kernels shared by the interpreter and compiled
 * code.
 *
 * The interpreter's extract/date_part and its shortcuts (func_date.c) and the helper
 * compiled to bitcode for generated code (jit_inline.c rt_jit_date_part) run these
 * same functions, so a field cannot differ between the execution modes.  DATE is
 * int32 days since 1970-01-01, TIMESTAMP int64 microseconds since 1970-01-01
 * 00:00:00, proleptic Gregorian; fields follow PostgreSQL (see func_date.c).
 * Everything is static inline and calls nothing (the file is compiled to bitcode).
 */
#ifndef QE_DATE_INLINE_H
#define QE_DATE_INLINE_H

#include <stdbool.h>
#include <stdint.h>

#define RT_US_PER_SEC 1000000LL
#define RT_US_PER_DAY 86400000000LL

/* X(name, sql, time_only): the fields of extract/date_part/date_trunc/date_diff. */
#define RT_DATE_UNIT_LIST(X)                                                                       \
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

typedef enum rt_date_unit {
#define RT_DATE_X_ENUM(name, sql, t) RT_UNIT_##name,
    RT_DATE_UNIT_LIST(RT_DATE_X_ENUM)
#undef RT_DATE_X_ENUM
        RT_UNIT_N
} rt_date_unit;

/* The unit named by s[0..n) (ASCII case-insensitive), or RT_UNIT_N. */
static inline rt_date_unit rt_date_unit_parse(const char *s, uint32_t n) {
    static const char *const names[] = {
#define RT_DATE_X_NAME(name, sql, t) sql,
        RT_DATE_UNIT_LIST(RT_DATE_X_NAME)
#undef RT_DATE_X_NAME
    };
    for (int u = 0; u < RT_UNIT_N; u++) {
        const char *w = names[u];
        uint32_t i = 0;
        for (; i < n && w[i] != '\0'; i++) {
            char ch = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
            if (ch != w[i])
                break;
        }
        if (i == n && w[i] == '\0')
            return (rt_date_unit)u;
    }
    return RT_UNIT_N;
}

/* True for the units a DATE lacks (hour, minute, ...). */
static inline bool rt_date_unit_time_only(rt_date_unit u) {
    static const bool time_only[] = {
#define RT_DATE_X_TIME(name, sql, t) t,
        RT_DATE_UNIT_LIST(RT_DATE_X_TIME)
#undef RT_DATE_X_TIME
    };
    return u < RT_UNIT_N && time_only[u];
}

/* The broken-down form of a DATE or TIMESTAMP. */
typedef struct rt_civil {
    int64_t days;   /* days since 1970-01-01 */
    int64_t year;   /* astronomical year (0 = 1 BC) */
    int month;      /* 1..12 */
    int day;        /* 1..31 */
    int64_t us_day; /* microseconds since midnight */
} rt_civil;

/* Hinnant's days_from_civil / civil_from_days (proleptic Gregorian). */
static inline int64_t rt_date_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static inline void rt_date_to_civil(int64_t z, rt_civil *c) {
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

static inline int64_t rt_floor_div(int64_t a, int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Breaks a DATE (is_ts false: v days) or TIMESTAMP (v microseconds) down. */
static inline void rt_civil_of(int64_t v, bool is_ts, rt_civil *c) {
    int64_t days = v, us = 0;
    if (is_ts) {
        days = rt_floor_div(v, RT_US_PER_DAY);
        us = v - days * RT_US_PER_DAY;
    }
    rt_date_to_civil(days, c);
    c->us_day = us;
}

static inline int64_t rt_pg_year(int64_t y) { return y > 0 ? y : y - 1; } /* no year 0 */
/* ISO day of the week, 1 = Monday (1970-01-01 was a Thursday). */
static inline int rt_isodow(const rt_civil *c) {
    return (int)(c->days + 3 - rt_floor_div(c->days + 3, 7) * 7) + 1;
}
static inline int64_t rt_doy(const rt_civil *c) {
    return c->days - rt_date_from_civil(c->year, 1, 1) + 1;
}

/* ISO 8601 week number and week-numbering year. */
static inline void rt_iso_week(const rt_civil *c, int64_t *week, int64_t *year) {
    rt_civil th;
    rt_date_to_civil(c->days + 4 - rt_isodow(c), &th); /* the Thursday of this week */
    *year = th.year;
    *week = (th.days - rt_date_from_civil(th.year, 1, 1)) / 7 + 1;
}

/* Field u of c as a double (exact for the integer fields). */
static inline double rt_date_field(const rt_civil *c, rt_date_unit u, bool is_ts) {
    int64_t y = rt_pg_year(c->year), w, iy;
    switch (u) {
    case RT_UNIT_YEAR: return (double)y;
    case RT_UNIT_MONTH: return c->month;
    case RT_UNIT_DAY: return c->day;
    case RT_UNIT_QUARTER: return (c->month - 1) / 3 + 1;
    case RT_UNIT_WEEK: rt_iso_week(c, &w, &iy); return (double)w;
    case RT_UNIT_ISOYEAR: rt_iso_week(c, &w, &iy); return (double)rt_pg_year(iy);
    case RT_UNIT_DOW: return rt_isodow(c) % 7;
    case RT_UNIT_ISODOW: return rt_isodow(c);
    case RT_UNIT_DOY: return (double)rt_doy(c);
    case RT_UNIT_DECADE: return (double)rt_floor_div(c->year, 10);
    case RT_UNIT_CENTURY: return (double)(y > 0 ? (y + 99) / 100 : -((99 - (y + 1)) / 100));
    case RT_UNIT_MILLENNIUM: return (double)(y > 0 ? (y + 999) / 1000 : -((999 - (y + 1)) / 1000));
    case RT_UNIT_EPOCH:
        return is_ts ? (double)(c->days * RT_US_PER_DAY + c->us_day) / 1e6
                     : (double)c->days * 86400;
    case RT_UNIT_JULIAN: return (double)(c->days + 2440588);
    case RT_UNIT_HOUR: return (double)(c->us_day / (3600 * RT_US_PER_SEC));
    case RT_UNIT_MINUTE: return (double)(c->us_day / (60 * RT_US_PER_SEC) % 60);
    case RT_UNIT_SECOND: return (double)(c->us_day % (60 * RT_US_PER_SEC)) / 1e6;
    case RT_UNIT_MILLISECONDS: return (double)(c->us_day % (60 * RT_US_PER_SEC)) / 1e3;
    case RT_UNIT_MICROSECONDS: return (double)(c->us_day % (60 * RT_US_PER_SEC));
    default: return 0;
    }
}

#endif /* QE_DATE_INLINE_H */
