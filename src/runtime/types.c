/*
 * types.c -- facts about value types, from qe.h's QE_TYPE_LIST.
 *
 * The runtime keeps its own lower-case names for error messages (PostgreSQL's
 * spelling: "integer out of range", "invalid input syntax for type double
 * precision") so it does not depend on the public API layer.
 */
#include "rt_int.h"

static const uint32_t type_width[] = {
#define X(name, sql, width) width,
    QE_TYPE_LIST(X)
#undef X
};

uint32_t rt_type_width(qe_type type) {
    return (unsigned)type < QE_TYPE_COUNT ? type_width[type] : 0;
}

rt_i128 rt_pow10(int n) {
    rt_i128 p = 1;
    for (int i = 0; i < n && i < 38; i++)
        p *= 10;
    return p;
}

bool rt_type_is_integer(qe_type type) {
    return type == QE_TYPE_SMALLINT || type == QE_TYPE_INTEGER || type == QE_TYPE_BIGINT;
}

bool rt_type_is_numeric(qe_type type) {
    return rt_type_is_integer(type) || type == QE_TYPE_REAL || type == QE_TYPE_DOUBLE;
}

const char *rt_type_pg_name(qe_type type) {
    switch (type) {
    case QE_TYPE_NULL: return "unknown";
    case QE_TYPE_BOOLEAN: return "boolean";
    case QE_TYPE_SMALLINT: return "smallint";
    case QE_TYPE_INTEGER: return "integer";
    case QE_TYPE_BIGINT: return "bigint";
    case QE_TYPE_HUGEINT: return "hugeint";
    case QE_TYPE_DECIMAL: return "numeric";
    case QE_TYPE_REAL: return "real";
    case QE_TYPE_DOUBLE: return "double precision";
    case QE_TYPE_DATE: return "date";
    case QE_TYPE_TIMESTAMP: return "timestamp";
    case QE_TYPE_INTERVAL: return "interval";
    case QE_TYPE_VARCHAR: return "character varying";
    case QE_TYPE_COUNT: break;
    }
    return "?";
}

/* An interval as one number of microseconds (months of 30 days). */
static rt_i128 interval_span(const rt_interval *v) {
    return ((rt_i128)v->months * 30 + v->days) * 86400000000LL + v->micros;
}

int rt_interval_cmp(const rt_interval *a, const rt_interval *b) {
    rt_i128 x = interval_span(a), y = interval_span(b);
    return (x > y) - (x < y);
}

double rt_decimal_to_double(rt_i128 v, int scale) {
    return (double)(long double)v / (double)rt_pow10(scale);
}
