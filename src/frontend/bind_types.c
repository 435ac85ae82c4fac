/*
 * bind_types.c -- type names, casts and literal conversion for the binder.
 *
 * Type names resolve to the types the skeleton runs end to end (BOOLEAN, INTEGER,
 * BIGINT, DOUBLE, VARCHAR); other known names are 0A000, unknown ones 42704.  Casts
 * follow PostgreSQL: explicit casts between numbers, to and from strings, BOOLEAN <->
 * INTEGER; implicit numeric widening for operators; assignment casts for INSERT.  A
 * string literal has PostgreSQL's "unknown" type: next to a typed operand it is
 * converted at bind time, so `a = 'abc'` fails with 22P02 before the query runs.
 */
#include "fe_int.h"

#include "opt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *fe_type_msg_name(qe_type type) {
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
    case QE_TYPE_VARCHAR: return "varchar";
    default: return "?";
    }
}

/* A type name known to the engine; `supported`: runs end to end today. */
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
    {"smallint", QE_TYPE_SMALLINT, false, 0},
    {"int2", QE_TYPE_SMALLINT, false, 0},
    {"short", QE_TYPE_SMALLINT, false, 0},
    {"tinyint", QE_TYPE_SMALLINT, false, 0},
    {"decimal", QE_TYPE_DECIMAL, false, 2},
    {"numeric", QE_TYPE_DECIMAL, false, 2},
    {"real", QE_TYPE_REAL, false, 0},
    {"float4", QE_TYPE_REAL, false, 0},
    {"date", QE_TYPE_DATE, false, 0},
    {"timestamp", QE_TYPE_TIMESTAMP, false, 1},
    {"timestamptz", QE_TYPE_TIMESTAMP, false, 1},
    {"datetime", QE_TYPE_TIMESTAMP, false, 0},
    {"time", QE_TYPE_TIMESTAMP, false, 1},
    {"timetz", QE_TYPE_TIMESTAMP, false, 1},
    {"interval", QE_TYPE_INTERVAL, false, 0},
    {"hugeint", QE_TYPE_HUGEINT, false, 0},
    {"int128", QE_TYPE_HUGEINT, false, 0},
    {"char", QE_TYPE_VARCHAR, false, 1},
    {"character", QE_TYPE_VARCHAR, false, 1},
    {"bpchar", QE_TYPE_VARCHAR, false, 1},
    {"blob", QE_TYPE_VARCHAR, false, 0},
    {"bytea", QE_TYPE_VARCHAR, false, 0},
    {"uuid", QE_TYPE_VARCHAR, false, 0},
    {"json", QE_TYPE_VARCHAR, false, 0},
};

bool fe_resolve_type(fe_binder *b, const fe_ast *tn, qe_type *out) {
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
        return true;
    }
    fe_bind_error(b, QE_BIND, "42704", tn->pos, "type \"%s\" does not exist", name);
    return false;
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
    if (r < 0 || (to == QE_TYPE_INTEGER && (*out < INT32_MIN || *out > INT32_MAX))) {
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

plan_expr *fe_convert_literal(fe_binder *b, const plan_expr *lit, qe_type to, int pos) {
    rt_value v = {.type = to};
    const rt_value *in = &lit->u.value;
    if (in->is_null || to == QE_TYPE_VARCHAR) {
        v = *in;
        v.type = to;
    } else if (to == QE_TYPE_INTEGER || to == QE_TYPE_BIGINT) {
        if (!string_to_integer(b, in, to, pos, &v.u.i))
            return NULL;
    } else if (to == QE_TYPE_DOUBLE) {
        if (!string_to_double(b, in, pos, &v.u.d))
            return NULL;
    } else if (to == QE_TYPE_BOOLEAN) {
        if (!string_to_bool(b, in, pos, &v.u.b))
            return NULL;
    } else {
        return fe_bind_error(b, QE_UNSUPPORTED, "0A000", pos, "type %s is not supported yet",
                             fe_type_msg_name(to));
    }
    plan_expr *e = opt_expr_const(b->arena, &v, lit->position);
    return e ? e : fe_bind_oom(b);
}

/* ---- casts -------------------------------------------------------------------------- */

bool fe_is_string_literal(const fe_ast *ast, const plan_expr *e) {
    return ast && ast->kind == FE_AST_LITERAL && ast->u.literal.kind == FE_LIT_STRING && e &&
           e->kind == PLAN_EXPR_CONST && e->type == QE_TYPE_VARCHAR;
}

/* Constant NULL of type `to`. */
static plan_expr *typed_null(fe_binder *b, qe_type to, int pos) {
    rt_value v = {.type = to, .is_null = true};
    plan_expr *e = opt_expr_const(b->arena, &v, pos);
    return e ? e : fe_bind_oom(b);
}

plan_expr *fe_resolve_null(fe_binder *b, plan_expr *e) {
    if (!e || e->type != QE_TYPE_NULL)
        return e;
    return typed_null(b, QE_TYPE_INTEGER, e->position);
}

plan_expr *fe_cast_implicit(fe_binder *b, plan_expr *e, qe_type to) {
    if (!e || e->type == to)
        return e;
    if (e->kind == PLAN_EXPR_CONST) {
        rt_value v;
        if (opt_const_cast(b->arena, &e->u.value, to, &v)) {
            plan_expr *c = opt_expr_const(b->arena, &v, e->position);
            return c ? c : fe_bind_oom(b);
        }
    }
    plan_expr *c = opt_expr_cast(b->arena, e, to, e->position);
    return c ? c : fe_bind_oom(b);
}

/* Which explicit casts exist between the supported types. */
static bool cast_allowed(qe_type from, qe_type to) {
    if (from == to || from == QE_TYPE_NULL || to == QE_TYPE_VARCHAR || from == QE_TYPE_VARCHAR)
        return true;
    if (rt_type_is_numeric(from) && rt_type_is_numeric(to))
        return true;
    return (from == QE_TYPE_BOOLEAN && to == QE_TYPE_INTEGER) ||
           (from == QE_TYPE_INTEGER && to == QE_TYPE_BOOLEAN);
}

plan_expr *fe_cast_explicit(fe_binder *b, plan_expr *e, qe_type to, int pos) {
    if (!e || e->type == to)
        return e;
    if (e->type == QE_TYPE_NULL)
        return typed_null(b, to, e->position);
    if (!cast_allowed(e->type, to))
        return fe_bind_error(b, QE_BIND, "42846", pos, "cannot cast type %s to %s",
                             fe_type_msg_name(e->type), fe_type_msg_name(to));
    if (e->kind == PLAN_EXPR_CONST && e->type == QE_TYPE_VARCHAR)
        return fe_convert_literal(b, e, to, e->position >= 0 ? e->position : pos);
    if (e->kind == PLAN_EXPR_CONST) {
        rt_value v;
        if (opt_const_cast(b->arena, &e->u.value, to, &v)) {
            plan_expr *c = opt_expr_const(b->arena, &v, e->position);
            return c ? c : fe_bind_oom(b);
        }
    }
    plan_expr *c = opt_expr_cast(b->arena, e, to, pos);
    return c ? c : fe_bind_oom(b);
}

plan_expr *fe_cast_assign(fe_binder *b, const fe_ast *ast, plan_expr *e, qe_type to,
                          const char *col_name, int pos) {
    if (!e || e->type == to)
        return e;
    if (e->type == QE_TYPE_NULL)
        return typed_null(b, to, e->position);
    if (fe_is_string_literal(ast, e))
        return fe_convert_literal(b, e, to, pos);
    if ((rt_type_is_numeric(e->type) && rt_type_is_numeric(to)) || to == QE_TYPE_VARCHAR)
        return fe_cast_implicit(b, e, to);
    return fe_bind_error_hint(b, QE_BIND, "42804", pos,
                              "You will need to rewrite or cast the expression.",
                              "column \"%s\" is of type %s but expression is of type %s", col_name,
                              fe_type_msg_name(to), fe_type_msg_name(e->type));
}
