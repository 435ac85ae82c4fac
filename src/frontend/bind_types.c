/*
 * bind_types.c -- type names, casts and literal conversion for the binder.
 *
 * Type names resolve to the engine's types with their modifiers (DECIMAL(p, s),
 * VARCHAR(n), CHAR(n)); names of types the engine lacks (TIME, UUID, ...) are 0A000,
 * unknown ones 42704.  Casts follow PostgreSQL: explicit casts between numbers, to and
 * from strings, BOOLEAN <-> INTEGER, DATE <-> TIMESTAMP; implicit casts along the
 * numeric widening chain (SMALLINT < INTEGER < BIGINT < HUGEINT < DECIMAL < REAL <
 * DOUBLE) and DATE -> TIMESTAMP; assignment casts for INSERT.  A
 * string literal has PostgreSQL's "unknown" type: next to a typed operand it is
 * converted at bind time, so `a = 'abc'` fails with 22P02 before the query runs.
 */
#include "fe_int.h"

#include "opt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *fe_type_msg_name(qe_type type) {
    return type == QE_TYPE_VARCHAR ? "varchar" : rt_type_pg_name(type);
}

/* A type name known to the engine; `supported`: the binder handles it (whether the
 * executor runs it is the physical planner's business). */
typedef struct type_alias {
    const char *name;    /* folded spelling */
    qe_type type;        /* what it names */
    bool supported;      /* false: 0A000 at bind time */
    uint32_t max_params; /* type modifiers accepted: varchar(n), numeric(p, s) */
} type_alias;

static const type_alias type_aliases[] = {
    {"boolean", QE_TYPE_BOOLEAN, true, 0},
    {"bool", QE_TYPE_BOOLEAN, true, 0},
    {"integer", QE_TYPE_INTEGER, true, 0},
    {"int", QE_TYPE_INTEGER, true, 0},
    {"int4", QE_TYPE_INTEGER, true, 0},
    {"signed", QE_TYPE_INTEGER, true, 0},
    {"bigint", QE_TYPE_BIGINT, true, 0},
    {"int8", QE_TYPE_BIGINT, true, 0},
    {"long", QE_TYPE_BIGINT, true, 0},
    {"double", QE_TYPE_DOUBLE, true, 0},
    {"double precision", QE_TYPE_DOUBLE, true, 0},
    {"float8", QE_TYPE_DOUBLE, true, 0},
    {"float", QE_TYPE_DOUBLE, true, 1},
    {"varchar", QE_TYPE_VARCHAR, true, 1},
    {"text", QE_TYPE_VARCHAR, true, 0},
    {"string", QE_TYPE_VARCHAR, true, 0},
    {"smallint", QE_TYPE_SMALLINT, true, 0},
    {"int2", QE_TYPE_SMALLINT, true, 0},
    {"short", QE_TYPE_SMALLINT, true, 0},
    {"tinyint", QE_TYPE_SMALLINT, true, 0},
    {"decimal", QE_TYPE_DECIMAL, true, 2},
    {"numeric", QE_TYPE_DECIMAL, true, 2},
    {"dec", QE_TYPE_DECIMAL, true, 2},
    {"real", QE_TYPE_REAL, true, 0},
    {"float4", QE_TYPE_REAL, true, 0},
    {"date", QE_TYPE_DATE, true, 0},
    {"timestamp", QE_TYPE_TIMESTAMP, true, 1},
    {"datetime", QE_TYPE_TIMESTAMP, true, 0},
    {"interval", QE_TYPE_INTERVAL, true, 0},
    {"hugeint", QE_TYPE_HUGEINT, true, 0},
    {"int128", QE_TYPE_HUGEINT, true, 0},
    {"char", QE_TYPE_VARCHAR, true, 1},
    {"character", QE_TYPE_VARCHAR, true, 1},
    {"bpchar", QE_TYPE_VARCHAR, true, 1},
    {"timestamptz", QE_TYPE_TIMESTAMP, false, 1},
    {"time", QE_TYPE_TIMESTAMP, false, 1},
    {"timetz", QE_TYPE_TIMESTAMP, false, 1},
    {"blob", QE_TYPE_VARCHAR, false, 0},
    {"bytea", QE_TYPE_VARCHAR, false, 0},
    {"uuid", QE_TYPE_VARCHAR, false, 0},
    {"json", QE_TYPE_VARCHAR, false, 0},
};

/* The modifier of DECIMAL(p [, s]): 22023 unless 1 <= p <= 38 and 0 <= s <= p. */
static bool decimal_modifier(fe_binder *b, const fe_ast *tn, int32_t *typmod) {
    if (tn->u.type_name.n_params == 0) {
        *typmod = PLAN_TYPMOD_DECIMAL(18, 3);
        return true;
    }
    int64_t p = tn->u.type_name.params[0];
    int64_t s = tn->u.type_name.n_params > 1 ? tn->u.type_name.params[1] : 0;
    if (p < 1 || p > PLAN_DECIMAL_MAX_PRECISION)
        return fe_bind_error(b, QE_DATA, "22023", tn->pos,
                             "NUMERIC precision %lld must be between 1 and %d", (long long)p,
                             PLAN_DECIMAL_MAX_PRECISION),
               false;
    if (s < 0 || s > p)
        return fe_bind_error(b, QE_DATA, "22023", tn->pos,
                             "NUMERIC scale %lld must be between 0 and precision %lld",
                             (long long)s, (long long)p),
               false;
    *typmod = PLAN_TYPMOD_DECIMAL((int32_t)p, (int32_t)s);
    return true;
}

/* The modifier of VARCHAR(n) / CHAR(n) (CHAR without a length is CHAR(1)). */
static bool length_modifier(fe_binder *b, const fe_ast *tn, bool is_char, int32_t *typmod) {
    const char *shown = is_char ? "character" : "varchar";
    if (tn->u.type_name.n_params == 0) {
        *typmod = is_char ? 1 | PLAN_TYPMOD_CHAR : 0;
        return true;
    }
    int64_t n = tn->u.type_name.params[0];
    if (n < 1)
        return fe_bind_error(b, QE_DATA, "22023", tn->pos, "length for type %s must be at least 1",
                             shown),
               false;
    if (n > 10485760)
        return fe_bind_error(b, QE_DATA, "22023", tn->pos,
                             "length for type %s cannot exceed 10485760", shown),
               false;
    *typmod = (int32_t)n | (is_char ? PLAN_TYPMOD_CHAR : 0);
    return true;
}

/* The type modifier of a resolved type name. */
static bool type_modifier(fe_binder *b, const fe_ast *tn, const type_alias *a, qe_type *out,
                          int32_t *typmod) {
    const char *name = tn->u.type_name.name;
    *typmod = 0;
    if (a->type == QE_TYPE_DECIMAL)
        return decimal_modifier(b, tn, typmod);
    if (a->type == QE_TYPE_VARCHAR)
        return length_modifier(b, tn,
                               strcmp(name, "char") == 0 || strcmp(name, "character") == 0 ||
                                   strcmp(name, "bpchar") == 0,
                               typmod);
    if (strcmp(name, "float") == 0 && tn->u.type_name.n_params == 1) {
        int64_t p = tn->u.type_name.params[0];
        if (p < 1 || p > 53)
            return fe_bind_error(b, QE_DATA, "22023", tn->pos,
                                 "precision for type float must be %s",
                                 p < 1 ? "at least 1 bit" : "less than 54 bits"),
                   false;
        *out = p <= 24 ? QE_TYPE_REAL : QE_TYPE_DOUBLE;
    }
    return true; /* timestamp(p): fractional-second precision, not recorded */
}

bool fe_resolve_type_mod(fe_binder *b, const fe_ast *tn, qe_type *out, int32_t *typmod) {
    const char *name = tn->u.type_name.name;
    for (size_t i = 0; i < sizeof type_aliases / sizeof type_aliases[0]; i++) {
        const type_alias *a = &type_aliases[i];
        if (strcmp(a->name, name) != 0)
            continue;
        if (!a->supported)
            return fe_bind_error(b, QE_UNSUPPORTED, "0A000", tn->pos,
                                 "type \"%s\" is not supported yet", name),
                   false;
        if (tn->u.type_name.n_params > a->max_params)
            return fe_bind_error(b, QE_SYNTAX, "42601", tn->pos,
                                 "type modifier is not allowed for type \"%s\"", name),
                   false;
        *out = a->type;
        return type_modifier(b, tn, a, out, typmod);
    }
    fe_bind_error(b, QE_BIND, "42704", tn->pos, "type \"%s\" does not exist", name);
    return false;
}

bool fe_resolve_type(fe_binder *b, const fe_ast *tn, qe_type *out) {
    int32_t typmod;
    return fe_resolve_type_mod(b, tn, out, &typmod);
}

static const char *const type_sql_names[] = {
#define FE_X_TYPE(name, sql, width) sql,
    QE_TYPE_LIST(FE_X_TYPE)
#undef FE_X_TYPE
};

const char *fe_type_text(qe_type t, int32_t typmod, char *buf, size_t cap) {
    if (t == QE_TYPE_DECIMAL)
        snprintf(buf, cap, "DECIMAL(%d,%d)", PLAN_DECIMAL_PRECISION(typmod),
                 PLAN_DECIMAL_SCALE(typmod));
    else if (t == QE_TYPE_VARCHAR && PLAN_TYPMOD_IS_CHAR(typmod))
        snprintf(buf, cap, "CHAR(%d)", (int)PLAN_TYPMOD_LENGTH(typmod));
    else if (t == QE_TYPE_VARCHAR && typmod > 0)
        snprintf(buf, cap, "VARCHAR(%d)", (int)typmod);
    else
        snprintf(buf, cap, "%s", (unsigned)t < QE_TYPE_COUNT ? type_sql_names[t] : "?");
    return buf;
}

int32_t fe_decimal_typmod_of(qe_type t, int32_t typmod) {
    switch (t) {
    case QE_TYPE_BOOLEAN: return PLAN_TYPMOD_DECIMAL(1, 0);
    case QE_TYPE_SMALLINT: return PLAN_TYPMOD_DECIMAL(5, 0);
    case QE_TYPE_INTEGER: return PLAN_TYPMOD_DECIMAL(10, 0);
    case QE_TYPE_BIGINT: return PLAN_TYPMOD_DECIMAL(19, 0);
    case QE_TYPE_HUGEINT: return PLAN_TYPMOD_DECIMAL(38, 0);
    case QE_TYPE_DECIMAL: return typmod ? typmod : PLAN_TYPMOD_DECIMAL(18, 3);
    default: return PLAN_TYPMOD_DECIMAL(18, 3);
    }
}

/* ---- literal conversion ------------------------------------------------------------- */

/* Shows at most 200 bytes of a value in a message. */
static int shown_len(uint32_t len) { return len < 200 ? (int)len : 200; }

static void trim(const char **s, const char **end) {
    while (*s < *end && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r'))
        (*s)++;
    while (*end > *s &&
           ((*end)[-1] == ' ' || (*end)[-1] == '\t' || (*end)[-1] == '\n' || (*end)[-1] == '\r'))
        (*end)--;
}

/* Parses [sign] digits; 1 = ok, 0 = bad syntax, -1 = out of int64 range. */
static int parse_int64(const char *s, const char *end, int64_t *out) {
    bool neg = false;
    if (s < end && (*s == '+' || *s == '-'))
        neg = *s++ == '-';
    if (s == end)
        return 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (limit - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 1;
}

static bool string_to_integer(fe_binder *b, const rt_value *in, qe_type to, int pos, int64_t *out) {
    const char *s = in->u.s.ptr, *end = s + in->u.s.len;
    trim(&s, &end);
    int r = parse_int64(s, end, out);
    if (r == 0) {
        fe_bind_error(b, QE_DATA, "22P02", pos, "invalid input syntax for type %s: \"%.*s\"",
                      fe_type_msg_name(to), shown_len(in->u.s.len), in->u.s.ptr);
        return false;
    }
    if (r < 0 || (to == QE_TYPE_INTEGER && (*out < INT32_MIN || *out > INT32_MAX)) ||
        (to == QE_TYPE_SMALLINT && (*out < INT16_MIN || *out > INT16_MAX))) {
        fe_bind_error(b, QE_DATA, "22003", pos, "value \"%.*s\" is out of range for type %s",
                      shown_len(in->u.s.len), in->u.s.ptr, fe_type_msg_name(to));
        return false;
    }
    return true;
}

static bool string_to_double(fe_binder *b, const rt_value *in, int pos, double *out) {
    char buf[128];
    const char *s = in->u.s.ptr, *end = s + in->u.s.len;
    trim(&s, &end);
    size_t n = (size_t)(end - s);
    if (n == 0 || n >= sizeof buf || memchr(s, '\0', n)) {
        fe_bind_error(b, QE_DATA, "22P02", pos,
                      "invalid input syntax for type double precision: \"%.*s\"",
                      shown_len(in->u.s.len), in->u.s.ptr);
        return false;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *stop;
    errno = 0;
    *out = strtod(buf, &stop);
    bool hex = strchr(buf, 'x') || strchr(buf, 'X');
    if (*stop != '\0' || hex) {
        fe_bind_error(b, QE_DATA, "22P02", pos,
                      "invalid input syntax for type double precision: \"%.*s\"",
                      shown_len(in->u.s.len), in->u.s.ptr);
        return false;
    }
    if (errno == ERANGE && isinf(*out)) {
        fe_bind_error(b, QE_DATA, "22003", pos, "\"%s\" is out of range for type double precision",
                      buf);
        return false;
    }
    return true;
}

/* PostgreSQL's boolean input: unique prefixes of true/false/yes/no, on/off, 1/0. */
static bool string_to_bool(fe_binder *b, const rt_value *in, int pos, bool *out) {
    static const struct {
        const char *word;
        size_t min_len;
        bool value;
    } words[] = {{"true", 1, true}, {"false", 1, false}, {"yes", 1, true}, {"no", 1, false},
                 {"on", 2, true},   {"off", 2, false},   {"1", 1, true},   {"0", 1, false}};
    const char *s = in->u.s.ptr, *end = s + in->u.s.len;
    trim(&s, &end);
    size_t n = (size_t)(end - s);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (n >= words[i].min_len && n <= strlen(words[i].word) &&
            strncasecmp(s, words[i].word, n) == 0) {
            *out = words[i].value;
            return true;
        }
    }
    fe_bind_error(b, QE_DATA, "22P02", pos, "invalid input syntax for type boolean: \"%.*s\"",
                  shown_len(in->u.s.len), in->u.s.ptr);
    return false;
}

/* CHAR(n)/VARCHAR(n) input: longer values are an error unless the excess is blanks
 * (PostgreSQL's rule); CHAR(n) values are padded to n bytes. */
static bool string_to_length(fe_binder *b, const rt_value *in, int32_t typmod, int pos,
                             rt_value *out) {
    *out = *in;
    out->type = QE_TYPE_VARCHAR;
    uint32_t n = (uint32_t)PLAN_TYPMOD_LENGTH(typmod);
    if (typmod == 0)
        return true;
    uint32_t len = in->u.s.len;
    if (len > n) {
        for (uint32_t i = n; i < len; i++)
            if (in->u.s.ptr[i] != ' ') {
                fe_bind_error(b, QE_DATA, "22001", pos, "value too long for type %s(%u)",
                              PLAN_TYPMOD_IS_CHAR(typmod) ? "character" : "character varying", n);
                return false;
            }
        out->u.s.len = n;
        return true;
    }
    if (PLAN_TYPMOD_IS_CHAR(typmod) && len < n) {
        char *padded = rt_arena_alloc(b->arena, n + 1);
        if (!padded)
            return fe_bind_oom(b), false;
        memcpy(padded, in->u.s.ptr, len);
        memset(padded + len, ' ', n - len);
        padded[n] = '\0';
        out->u.s.ptr = padded;
        out->u.s.len = n;
    }
    return true;
}

/* Converts a string constant's value to (to, typmod); false after an error. */
static bool convert_value(fe_binder *b, const rt_value *in, qe_type to, int32_t typmod,
                          uint32_t fields, int pos, rt_value *v) {
    v->type = to;
    v->is_null = false;
    switch (to) {
    case QE_TYPE_VARCHAR: return string_to_length(b, in, typmod, pos, v);
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT: return string_to_integer(b, in, to, pos, &v->u.i);
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: return string_to_double(b, in, pos, &v->u.d);
    case QE_TYPE_BOOLEAN: return string_to_bool(b, in, pos, &v->u.b);
    case QE_TYPE_HUGEINT: /* the runtime's exact 128-bit parsers (same errors) */
    case QE_TYPE_DECIMAL: {
        rt_error e;
        rt_error_clear(&e);
        if (rt_value_cast_mod(in, 0, to, typmod, v, b->arena, &e, pos) == QE_OK)
            return true;
        if (!b->failed)
            rt_error_copy(b->err, &e);
        b->failed = true;
        return false;
    }
    case QE_TYPE_DATE: return fe_string_to_date(b, in, pos, &v->u.i);
    case QE_TYPE_TIMESTAMP: return fe_string_to_timestamp(b, in, pos, &v->u.i);
    case QE_TYPE_INTERVAL: return fe_string_to_interval(b, in, fields, pos, v);
    default:
        fe_bind_error(b, QE_UNSUPPORTED, "0A000", pos, "type %s is not supported yet",
                      fe_type_msg_name(to));
        return false;
    }
}

plan_expr *fe_convert_literal_mod(fe_binder *b, const plan_expr *lit, qe_type to, int32_t typmod,
                                  uint32_t fields, int pos) {
    rt_value v = {.type = to};
    const rt_value *in = &lit->u.value;
    if (to == QE_TYPE_DECIMAL && typmod == 0)
        typmod = PLAN_TYPMOD_DECIMAL(18, 3);
    if (in->is_null) {
        v = *in;
        v.type = to;
    } else if (!convert_value(b, in, to, typmod, fields, pos, &v)) {
        return NULL;
    }
    plan_expr *e = opt_expr_const(b->arena, &v, lit->position);
    if (!e)
        return fe_bind_oom(b);
    e->typmod = to == QE_TYPE_DECIMAL || to == QE_TYPE_VARCHAR ? typmod : 0;
    return e;
}

plan_expr *fe_convert_literal(fe_binder *b, const plan_expr *lit, qe_type to, int pos) {
    return fe_convert_literal_mod(b, lit, to, 0, 0, pos);
}

/* ---- casts -------------------------------------------------------------------------- */

bool fe_is_string_literal(const fe_ast *ast, const plan_expr *e) {
    return ast && ast->kind == FE_AST_LITERAL && ast->u.literal.kind == FE_LIT_STRING && e &&
           e->kind == PLAN_EXPR_CONST && e->type == QE_TYPE_VARCHAR;
}

/* Constant NULL of type `to`. */
static plan_expr *typed_null(fe_binder *b, qe_type to, int32_t typmod, int pos) {
    rt_value v = {.type = to, .is_null = true};
    plan_expr *e = opt_expr_const(b->arena, &v, pos);
    if (!e)
        return fe_bind_oom(b);
    e->typmod = typmod;
    return e;
}

plan_expr *fe_resolve_null(fe_binder *b, plan_expr *e) {
    if (!e || e->type != QE_TYPE_NULL)
        return e;
    if (e->kind == PLAN_EXPR_PARAM)
        return fe_bind_error(b, QE_BIND, "42P18", e->position,
                             "could not determine data type of parameter $%u", e->u.param.index);
    return typed_null(b, QE_TYPE_INTEGER, 0, e->position);
}

/* Rank in PostgreSQL's implicit numeric widening chain; 0 for other types. */
static int numeric_chain(qe_type t) {
    switch (t) {
    case QE_TYPE_SMALLINT: return 1;
    case QE_TYPE_INTEGER: return 2;
    case QE_TYPE_BIGINT: return 3;
    case QE_TYPE_HUGEINT: return 4;
    case QE_TYPE_DECIMAL: return 5;
    case QE_TYPE_REAL: return 6;
    case QE_TYPE_DOUBLE: return 7;
    default: return 0;
    }
}

bool fe_implicit_castable(qe_type from, qe_type to) {
    if (from == to || from == QE_TYPE_NULL)
        return true;
    int f = numeric_chain(from), t = numeric_chain(to);
    if (f && t)
        return f < t;
    return from == QE_TYPE_DATE && to == QE_TYPE_TIMESTAMP;
}

static int64_t pow10_i64(int n) {
    int64_t p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

/* 22003 "numeric field overflow" as PostgreSQL words it for DECIMAL(p, s). */
static void numeric_overflow(fe_binder *b, int32_t typmod, int pos) {
    int p = PLAN_DECIMAL_PRECISION(typmod), s = PLAN_DECIMAL_SCALE(typmod);
    fe_bind_error(b, QE_DATA, "22003", pos, "numeric field overflow");
    rt_error_detail(b->err,
                    "A field with precision %d, scale %d must round to an absolute value less "
                    "than %s%d.",
                    p, s, p - s == 0 ? "" : "10^", p - s == 0 ? 1 : p - s);
}

/* Rescales DECIMAL/integer constant value v (scale from_scale) to DECIMAL(typmod),
 * rounding half away from zero.  0: done, 1: leave to run time (64-bit overflow),
 * -1: the value does not fit the precision (error recorded). */
static int rescale_const(fe_binder *b, int64_t v, int from_scale, int32_t typmod, int pos,
                         int64_t *out) {
    int scale = PLAN_DECIMAL_SCALE(typmod), p = PLAN_DECIMAL_PRECISION(typmod);
    __int128 x = v;
    for (int i = from_scale; i < scale; i++)
        if (__builtin_mul_overflow(x, 10, &x)) /* past 1.7e38: beyond any precision <= 38 */
            return numeric_overflow(b, typmod, pos), -1;
    for (int i = scale; i < from_scale; i++) {
        __int128 q = x / 10, r = x % 10;
        x = q + (r >= 5 ? 1 : r <= -5 ? -1 : 0);
    }
    __int128 limit = 1;
    for (int i = 0; i < p; i++)
        limit *= 10;
    if (x >= limit || x <= -limit)
        return numeric_overflow(b, typmod, pos), -1;
    if (x > INT64_MAX || x < INT64_MIN)
        return 1;
    *out = (int64_t)x;
    return 0;
}

/* Exact constant casts the optimizer's opt_const_cast does not know: to and from
 * DECIMAL, DATE -> TIMESTAMP.  False: leave a CAST for run time. */
static bool const_cast_mod(const rt_value *in, int32_t in_typmod, qe_type to, int32_t typmod,
                           rt_value *out) {
    *out = *in;
    out->type = to;
    if (in->is_null)
        return true;
    if (in->type == QE_TYPE_DATE && to == QE_TYPE_TIMESTAMP) {
        out->u.i = in->u.i * 86400000000LL;
        return true;
    }
    if (in->type == QE_TYPE_DECIMAL && (to == QE_TYPE_DOUBLE || to == QE_TYPE_REAL)) {
        out->u.d = (double)in->u.h / (double)pow10_i64(PLAN_DECIMAL_SCALE(in_typmod));
        return true;
    }
    return false;
}

/* A constant of the cast's result, if the cast of constant e is exact; else NULL
 * (without error). */
/* A DECIMAL constant as an integer (rounded half away from zero; NULL when out of
 * range, left to run time) or as text. */
static plan_expr *fold_decimal_out(fe_binder *b, const plan_expr *e, qe_type to) {
    int scale = PLAN_DECIMAL_SCALE(e->typmod);
    if (e->u.value.u.h > INT64_MAX || e->u.value.u.h < INT64_MIN || scale > 18)
        return NULL; /* left to run time */
    int64_t v = (int64_t)e->u.value.u.h, p = pow10_i64(scale), q = v / p, r = v % p;
    rt_value out = {.type = to};
    char buf[320];
    if (to == QE_TYPE_VARCHAR) {
        uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        int n = snprintf(buf, sizeof buf, "%s%llu", v < 0 ? "-" : "",
                         (unsigned long long)(mag / (uint64_t)p));
        if (scale > 0)
            snprintf(buf + n, sizeof buf - (size_t)n, ".%0*llu", scale,
                     (unsigned long long)(mag % (uint64_t)p));
        out.u.s.ptr = buf;
        out.u.s.len = (uint32_t)strlen(buf);
    } else {
        if (r != 0 && (r > 0 ? r : -r) * 2 >= p)
            q += v < 0 ? -1 : 1;
        int64_t lo = to == QE_TYPE_SMALLINT  ? INT16_MIN
                     : to == QE_TYPE_INTEGER ? INT32_MIN
                                             : INT64_MIN;
        int64_t hi = to == QE_TYPE_SMALLINT  ? INT16_MAX
                     : to == QE_TYPE_INTEGER ? INT32_MAX
                                             : INT64_MAX;
        if (q < lo || q > hi)
            return NULL;
        out.u.i = q;
    }
    plan_expr *c = opt_expr_const(b->arena, &out, e->position);
    return c ? c : fe_bind_oom(b);
}

static plan_expr *fold_cast(fe_binder *b, const plan_expr *e, qe_type to, int32_t typmod) {
    rt_value v = e->u.value;
    qe_type from = e->type;
    if (from == QE_TYPE_DECIMAL && !v.is_null &&
        (to == QE_TYPE_SMALLINT || to == QE_TYPE_INTEGER || to == QE_TYPE_BIGINT ||
         (to == QE_TYPE_VARCHAR && typmod == 0)))
        return fold_decimal_out(b, e, to);
    if (to == QE_TYPE_DECIMAL && !v.is_null &&
        (rt_type_is_integer(from) || from == QE_TYPE_HUGEINT || from == QE_TYPE_DECIMAL)) {
        int from_scale = from == QE_TYPE_DECIMAL ? PLAN_DECIMAL_SCALE(e->typmod) : 0;
        bool wide = from == QE_TYPE_DECIMAL || from == QE_TYPE_HUGEINT;
        rt_i128 in = wide ? e->u.value.u.h : e->u.value.u.i;
        if (in > INT64_MAX || in < INT64_MIN)
            return NULL; /* run time */
        int64_t x = 0;
        int r = rescale_const(b, (int64_t)in, from_scale, typmod, e->position, &x);
        if (r != 0)
            return NULL; /* error recorded, or run time */
        v.type = QE_TYPE_DECIMAL;
        v.u.h = x;
        plan_expr *c = opt_expr_const(b->arena, &v, e->position);
        if (c)
            c->typmod = typmod;
        return c ? c : fe_bind_oom(b);
    }
    bool exact = to == QE_TYPE_DECIMAL || e->type == QE_TYPE_DECIMAL ||
                         (e->type == QE_TYPE_DATE && to == QE_TYPE_TIMESTAMP)
                     ? const_cast_mod(&e->u.value, e->typmod, to, typmod, &v)
                     : opt_const_cast(b->arena, &e->u.value, to, &v);
    if (!exact || (to == QE_TYPE_VARCHAR && typmod != 0))
        return NULL;
    plan_expr *c = opt_expr_const(b->arena, &v, e->position);
    if (c)
        c->typmod = typmod;
    return c;
}

/* A new CAST node (typmod set). */
static plan_expr *make_cast(fe_binder *b, plan_expr *e, qe_type to, int32_t typmod, int pos) {
    plan_expr *c = opt_expr_cast(b->arena, e, to, pos);
    if (!c)
        return fe_bind_oom(b);
    c->typmod = typmod;
    return c;
}

/* Normalizes the modifier of a cast target: DECIMAL always has one. */
static int32_t target_typmod(qe_type to, int32_t typmod) {
    return to == QE_TYPE_DECIMAL && typmod == 0 ? PLAN_TYPMOD_DECIMAL(18, 3) : typmod;
}

/* True if e already is of (to, typmod) (a DECIMAL without modifier is (18, 3)). */
static bool same_type(const plan_expr *e, qe_type to, int32_t typmod) {
    if (e->type != to)
        return false;
    if (to == QE_TYPE_DECIMAL)
        return fe_decimal_typmod_of(e->type, e->typmod) == typmod;
    return e->typmod == typmod || (to == QE_TYPE_VARCHAR && typmod == 0);
}

plan_expr *fe_cast_implicit_mod(fe_binder *b, plan_expr *e, qe_type to, int32_t typmod) {
    typmod = target_typmod(to, typmod);
    if (!e || (e->type == to && (to != QE_TYPE_DECIMAL || same_type(e, to, typmod))))
        return e;
    if (e->kind == PLAN_EXPR_PARAM && e->type == QE_TYPE_NULL) {
        plan_expr *p = rt_arena_alloc(b->arena, sizeof *p);
        if (!p)
            return fe_bind_oom(b);
        *p = *e;
        p->type = to;
        p->typmod = typmod;
        return p;
    }
    if (e->kind == PLAN_EXPR_CONST) {
        plan_expr *c = fold_cast(b, e, to, typmod);
        if (c)
            return c;
        if (b->failed)
            return NULL;
    }
    return make_cast(b, e, to, typmod, e->position);
}

plan_expr *fe_cast_implicit(fe_binder *b, plan_expr *e, qe_type to) {
    return fe_cast_implicit_mod(b, e, to, to == QE_TYPE_DECIMAL && e ? e->typmod : 0);
}

/* Which explicit casts exist (PostgreSQL's pg_cast for these types, plus anything
 * to and from text). */
static bool cast_allowed(qe_type from, qe_type to) {
    if (from == to || from == QE_TYPE_NULL || to == QE_TYPE_VARCHAR || from == QE_TYPE_VARCHAR)
        return true;
    if (numeric_chain(from) && numeric_chain(to))
        return true;
    if ((from == QE_TYPE_DATE && to == QE_TYPE_TIMESTAMP) ||
        (from == QE_TYPE_TIMESTAMP && to == QE_TYPE_DATE))
        return true;
    return (from == QE_TYPE_BOOLEAN && to == QE_TYPE_INTEGER) ||
           (from == QE_TYPE_INTEGER && to == QE_TYPE_BOOLEAN);
}

plan_expr *fe_cast_explicit_mod(fe_binder *b, plan_expr *e, qe_type to, int32_t typmod, int pos) {
    typmod = target_typmod(to, typmod);
    if (!e || same_type(e, to, typmod))
        return e;
    if (e->type == QE_TYPE_NULL && e->kind != PLAN_EXPR_PARAM)
        return typed_null(b, to, typmod, e->position);
    if (e->type == QE_TYPE_NULL)
        return fe_cast_implicit_mod(b, e, to, typmod);
    if (!cast_allowed(e->type, to))
        return fe_bind_error(b, QE_BIND, "42846", pos, "cannot cast type %s to %s",
                             fe_type_msg_name(e->type), fe_type_msg_name(to));
    if (e->kind == PLAN_EXPR_CONST && e->type == QE_TYPE_VARCHAR)
        return fe_convert_literal_mod(b, e, to, typmod, 0, e->position >= 0 ? e->position : pos);
    if (e->kind == PLAN_EXPR_CONST) {
        plan_expr *c = fold_cast(b, e, to, typmod);
        if (c || b->failed)
            return c;
    }
    return make_cast(b, e, to, typmod, pos);
}

plan_expr *fe_cast_explicit(fe_binder *b, plan_expr *e, qe_type to, int pos) {
    return fe_cast_explicit_mod(b, e, to, 0, pos);
}

plan_expr *fe_cast_assign(fe_binder *b, const fe_ast *ast, plan_expr *e, qe_type to,
                          const char *col_name, int pos) {
    return fe_cast_assign_mod(b, ast, e, to, 0, col_name, pos);
}

plan_expr *fe_cast_assign_mod(fe_binder *b, const fe_ast *ast, plan_expr *e, qe_type to,
                              int32_t typmod, const char *col_name, int pos) {
    if (!e)
        return e;
    if (e->type == to && to == QE_TYPE_DECIMAL && typmod != 0)
        return same_type(e, to, typmod) ? e : fe_cast_implicit_mod(b, e, to, typmod);
    if (e->type == to && to == QE_TYPE_VARCHAR && typmod != 0 && e->typmod != typmod) {
        if (fe_is_string_literal(ast, e) || e->kind == PLAN_EXPR_CONST)
            return fe_convert_literal_mod(b, e, to, typmod, 0, pos);
        return make_cast(b, e, to, typmod, pos); /* lengths and padding at run time */
    }
    if (e->type == to)
        return e;
    if (e->type == QE_TYPE_NULL)
        return e->kind == PLAN_EXPR_PARAM ? fe_cast_implicit_mod(b, e, to, typmod)
                                          : typed_null(b, to, typmod, e->position);
    if (fe_is_string_literal(ast, e))
        return fe_convert_literal_mod(b, e, to, typmod, 0, pos);
    if ((numeric_chain(e->type) && numeric_chain(to)) || to == QE_TYPE_VARCHAR ||
        fe_implicit_castable(e->type, to) || (e->type == QE_TYPE_TIMESTAMP && to == QE_TYPE_DATE)) {
        if (typmod == 0 || (to != QE_TYPE_DECIMAL && to != QE_TYPE_VARCHAR))
            return fe_cast_implicit(b, e, to);
        if (to == QE_TYPE_DECIMAL)
            return fe_cast_implicit_mod(b, e, to, typmod);
        return make_cast(b, e, to, typmod, pos);
    }
    return fe_bind_error_hint(b, QE_BIND, "42804", pos,
                              "You will need to rewrite or cast the expression.",
                              "column \"%s\" is of type %s but expression is of type %s", col_name,
                              fe_type_msg_name(to), fe_type_msg_name(e->type));
}
