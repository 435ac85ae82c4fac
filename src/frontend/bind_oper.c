/*
 * bind_oper.c -- typing of operators: arithmetic (numbers, DECIMAL precision and
 * scale, date/time/interval arithmetic), comparisons, unary minus, concatenation.
 *
 * PostgreSQL's operator resolution specialised to the engine's types: an unknown
 * operand (string literal, NULL, parameter) takes the other operand's type; numbers
 * meet at the wider type of the chain SMALLINT < INTEGER < BIGINT < HUGEINT < DECIMAL
 * < REAL < DOUBLE; DECIMAL results follow the SQL standard as DuckDB derives them
 * (+ - %: max scale, one more integer digit for + -; *: scales add; /: DOUBLE).
 * Date arithmetic follows PostgreSQL's operator table (date + integer -> date,
 * date - date -> integer, date +/- interval -> timestamp, timestamp - timestamp ->
 * interval, interval * number -> interval, ...).  Date/time operators keep operands
 * of different types (the runtime's kernels are typed per operand pair).
 */
#include "fe_int.h"

#include "opt.h"

#define NO_OPERATOR_HINT                                                                           \
    "No operator matches the given name and argument types. You might need to add "                \
    "explicit type casts."

static plan_expr *make_op(fe_binder *b, plan_op_kind op, qe_type type, int32_t typmod, plan_expr *l,
                          plan_expr *r, int pos) {
    plan_expr *e = opt_expr_op(b->arena, op, type, l, r, pos);
    if (!e)
        return fe_bind_oom(b);
    e->typmod = typmod;
    return e;
}

/* Rank in the numeric widening chain; 0 for non-numbers. */
static int chain(qe_type t) {
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

plan_expr *fe_no_operator(fe_binder *b, plan_op_kind op, const plan_expr *l, const plan_expr *r,
                          int pos) {
    if (!r)
        return fe_bind_error_hint(b, QE_BIND, "42883", pos, NO_OPERATOR_HINT,
                                  "operator does not exist: %s %s", plan_op_sql(op),
                                  fe_type_msg_name(l->type));
    return fe_bind_error_hint(b, QE_BIND, "42883", pos, NO_OPERATOR_HINT,
                              "operator does not exist: %s %s %s", fe_type_msg_name(l->type),
                              plan_op_sql(op), fe_type_msg_name(r->type));
}

bool fe_resolve_unknowns(fe_binder *b, const fe_ast *la, plan_expr **l, const fe_ast *ra,
                         plan_expr **r) {
    bool lu = (*l)->type == QE_TYPE_NULL, ru = (*r)->type == QE_TYPE_NULL;
    if (lu && ru) {
        if ((*l)->kind == PLAN_EXPR_PARAM || (*r)->kind == PLAN_EXPR_PARAM) {
            *l = fe_cast_implicit(b, *l, QE_TYPE_VARCHAR);
            *r = *l ? fe_cast_implicit(b, *r, QE_TYPE_VARCHAR) : NULL;
        } else {
            *l = fe_resolve_null(b, *l);
            *r = *l ? fe_resolve_null(b, *r) : NULL;
        }
    } else if (lu) {
        *l = fe_cast_implicit_mod(b, *l, (*r)->type, (*r)->typmod);
    } else if (ru) {
        *r = fe_cast_implicit_mod(b, *r, (*l)->type, (*l)->typmod);
    } else if (fe_is_string_literal(la, *l) && !fe_is_string_literal(ra, *r) &&
               (*r)->type != QE_TYPE_VARCHAR) {
        *l = fe_convert_literal_mod(b, *l, (*r)->type, (*r)->typmod, 0, la->pos);
    } else if (fe_is_string_literal(ra, *r) && !fe_is_string_literal(la, *l) &&
               (*l)->type != QE_TYPE_VARCHAR) {
        *r = fe_convert_literal_mod(b, *r, (*l)->type, (*l)->typmod, 0, ra->pos);
    }
    return *l && *r;
}

/* ---- numbers ------------------------------------------------------------------------ */

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

/* DECIMAL arithmetic: operand casts and the result's precision and scale. */
static plan_expr *decimal_arith(fe_binder *b, plan_op_kind op, plan_expr *l, plan_expr *r,
                                int pos) {
    int32_t lt = fe_decimal_typmod_of(l->type, l->typmod),
            rt = fe_decimal_typmod_of(r->type, r->typmod);
    int p1 = PLAN_DECIMAL_PRECISION(lt), s1 = PLAN_DECIMAL_SCALE(lt);
    int p2 = PLAN_DECIMAL_PRECISION(rt), s2 = PLAN_DECIMAL_SCALE(rt);
    if (op == PLAN_OP_DIV) { /* DuckDB divides decimals as doubles */
        l = fe_cast_implicit(b, l, QE_TYPE_DOUBLE);
        r = l ? fe_cast_implicit(b, r, QE_TYPE_DOUBLE) : NULL;
        return r ? make_op(b, op, QE_TYPE_DOUBLE, 0, l, r, pos) : NULL;
    }
    int s, p;
    if (op == PLAN_OP_MUL) {
        s = s1 + s2;
        p = imin(PLAN_DECIMAL_MAX_PRECISION, p1 + p2);
        if (s > PLAN_DECIMAL_MAX_PRECISION)
            return fe_bind_error(b, QE_DATA, "22003", pos,
                                 "DECIMAL multiplication scale %d exceeds the maximum of %d", s,
                                 PLAN_DECIMAL_MAX_PRECISION);
        l = fe_cast_implicit_mod(b, l, QE_TYPE_DECIMAL, lt);
        r = l ? fe_cast_implicit_mod(b, r, QE_TYPE_DECIMAL, rt) : NULL;
    } else {
        s = imax(s1, s2);
        int digits = imax(p1 - s1, p2 - s2) + (op == PLAN_OP_MOD ? 0 : 1);
        p = imin(PLAN_DECIMAL_MAX_PRECISION, digits + s);
        l = fe_cast_implicit_mod(b, l, QE_TYPE_DECIMAL, PLAN_TYPMOD_DECIMAL(p, s));
        r = l ? fe_cast_implicit_mod(b, r, QE_TYPE_DECIMAL, PLAN_TYPMOD_DECIMAL(p, s)) : NULL;
    }
    if (s > p)
        p = s;
    return r ? make_op(b, op, QE_TYPE_DECIMAL, PLAN_TYPMOD_DECIMAL(p, s), l, r, pos) : NULL;
}

static plan_expr *numeric_arith(fe_binder *b, plan_op_kind op, plan_expr *l, plan_expr *r,
                                int pos) {
    qe_type t = chain(l->type) >= chain(r->type) ? l->type : r->type;
    if (op == PLAN_OP_MOD && (t == QE_TYPE_DOUBLE || t == QE_TYPE_REAL))
        return fe_no_operator(b, op, l, r, pos);
    if (t == QE_TYPE_DECIMAL)
        return decimal_arith(b, op, l, r, pos);
    l = fe_cast_implicit(b, l, t);
    r = l ? fe_cast_implicit(b, r, t) : NULL;
    return r ? make_op(b, op, t, 0, l, r, pos) : NULL;
}

/* ---- dates, timestamps, intervals --------------------------------------------------- */

static bool is_small_int(qe_type t) { return t == QE_TYPE_SMALLINT || t == QE_TYPE_INTEGER; }
static bool is_time(qe_type t) { return t == QE_TYPE_DATE || t == QE_TYPE_TIMESTAMP; }

/* timestamp/date +- interval, interval + timestamp/date: TIMESTAMP. */
static plan_expr *time_interval(fe_binder *b, plan_op_kind op, plan_expr *l, plan_expr *r,
                                int pos) {
    if (l->type == QE_TYPE_DATE)
        l = fe_cast_implicit(b, l, QE_TYPE_TIMESTAMP);
    if (l && r->type == QE_TYPE_DATE)
        r = fe_cast_implicit(b, r, QE_TYPE_TIMESTAMP);
    return l && r ? make_op(b, op, QE_TYPE_TIMESTAMP, 0, l, r, pos) : NULL;
}

/* The date/time operator table; NULL without error when no entry matches. */
static plan_expr *datetime_arith(fe_binder *b, plan_op_kind op, plan_expr *l, plan_expr *r, int pos,
                                 bool *matched) {
    qe_type lt = l->type, rt = r->type;
    *matched = true;
    bool add = op == PLAN_OP_ADD, sub = op == PLAN_OP_SUB;
    if ((add || sub) && lt == QE_TYPE_DATE && is_small_int(rt))
        return make_op(b, op, QE_TYPE_DATE, 0, l, fe_cast_implicit(b, r, QE_TYPE_INTEGER), pos);
    if (add && is_small_int(lt) && rt == QE_TYPE_DATE)
        return make_op(b, op, QE_TYPE_DATE, 0, fe_cast_implicit(b, l, QE_TYPE_INTEGER), r, pos);
    if (sub && lt == QE_TYPE_DATE && rt == QE_TYPE_DATE)
        return make_op(b, op, QE_TYPE_INTEGER, 0, l, r, pos);
    if ((add || sub) && is_time(lt) && rt == QE_TYPE_INTERVAL)
        return time_interval(b, op, l, r, pos);
    if (add && lt == QE_TYPE_INTERVAL && is_time(rt))
        return time_interval(b, op, l, r, pos);
    if (sub && is_time(lt) && is_time(rt)) {
        l = fe_cast_implicit(b, l, QE_TYPE_TIMESTAMP);
        r = l ? fe_cast_implicit(b, r, QE_TYPE_TIMESTAMP) : NULL;
        return r ? make_op(b, op, QE_TYPE_INTERVAL, 0, l, r, pos) : NULL;
    }
    if ((add || sub) && lt == QE_TYPE_INTERVAL && rt == QE_TYPE_INTERVAL)
        return make_op(b, op, QE_TYPE_INTERVAL, 0, l, r, pos);
    if ((op == PLAN_OP_MUL || op == PLAN_OP_DIV) && lt == QE_TYPE_INTERVAL && chain(rt))
        return make_op(b, op, QE_TYPE_INTERVAL, 0, l, fe_cast_implicit(b, r, QE_TYPE_DOUBLE), pos);
    if (op == PLAN_OP_MUL && chain(lt) && rt == QE_TYPE_INTERVAL)
        return make_op(b, op, QE_TYPE_INTERVAL, 0, fe_cast_implicit(b, l, QE_TYPE_DOUBLE), r, pos);
    *matched = false;
    return NULL;
}

plan_expr *fe_bind_arith(fe_binder *b, plan_op_kind op, const fe_ast *la, plan_expr *l,
                         const fe_ast *ra, plan_expr *r, int pos) {
    if (!fe_resolve_unknowns(b, la, &l, ra, &r))
        return NULL;
    if (chain(l->type) && chain(r->type))
        return numeric_arith(b, op, l, r, pos);
    bool matched;
    plan_expr *e = datetime_arith(b, op, l, r, pos, &matched);
    if (matched)
        return e && !b->failed ? e : NULL;
    return fe_no_operator(b, op, l, r, pos);
}

/* ---- comparisons -------------------------------------------------------------------- */

plan_expr *fe_bind_comparison(fe_binder *b, plan_op_kind op, const fe_ast *la, plan_expr *l,
                              const fe_ast *ra, plan_expr *r, int pos) {
    if (!fe_resolve_unknowns(b, la, &l, ra, &r))
        return NULL;
    qe_type t = l->type;
    if (l->type != r->type) {
        if (fe_implicit_castable(l->type, r->type))
            t = r->type;
        else if (!fe_implicit_castable(r->type, l->type))
            return fe_no_operator(b, op, l, r, pos);
    }
    int32_t tm = 0;
    if (t == QE_TYPE_DECIMAL) {
        int32_t a = fe_decimal_typmod_of(l->type, l->typmod);
        int32_t c = fe_decimal_typmod_of(r->type, r->typmod);
        int s = imax(PLAN_DECIMAL_SCALE(a), PLAN_DECIMAL_SCALE(c));
        int d = imax(PLAN_DECIMAL_PRECISION(a) - PLAN_DECIMAL_SCALE(a),
                     PLAN_DECIMAL_PRECISION(c) - PLAN_DECIMAL_SCALE(c));
        tm = PLAN_TYPMOD_DECIMAL(imin(PLAN_DECIMAL_MAX_PRECISION, d + s), s);
        l = fe_cast_implicit_mod(b, l, t, tm);
        r = l ? fe_cast_implicit_mod(b, r, t, tm) : NULL;
    } else {
        l = fe_cast_implicit(b, l, t);
        r = l ? fe_cast_implicit(b, r, t) : NULL;
    }
    return r ? make_op(b, op, QE_TYPE_BOOLEAN, 0, l, r, pos) : NULL;
}

/* ---- unary and concatenation -------------------------------------------------------- */

plan_expr *fe_bind_negate(fe_binder *b, plan_op_kind op, plan_expr *a, int pos) {
    if (!(a = a && a->type == QE_TYPE_NULL ? fe_resolve_null(b, a) : a))
        return NULL;
    bool ok = chain(a->type) || (op == PLAN_OP_NEG && a->type == QE_TYPE_INTERVAL);
    if (!ok)
        return fe_no_operator(b, op == PLAN_OP_ADD ? PLAN_OP_ADD : PLAN_OP_NEG, a, NULL, pos);
    if (op == PLAN_OP_ADD)
        return a;
    return make_op(b, PLAN_OP_NEG, a->type, a->typmod, a, NULL, pos);
}

plan_expr *fe_bind_concat(fe_binder *b, plan_expr *l, plan_expr *r, int pos) {
    if (l->type != QE_TYPE_VARCHAR && r->type != QE_TYPE_VARCHAR &&
        !(l->type == QE_TYPE_NULL || r->type == QE_TYPE_NULL))
        return fe_no_operator(b, PLAN_OP_CONCAT, l, r, pos);
    l = fe_cast_explicit(b, l, QE_TYPE_VARCHAR, pos);
    r = l ? fe_cast_explicit(b, r, QE_TYPE_VARCHAR, pos) : NULL;
    return r ? make_op(b, PLAN_OP_CONCAT, QE_TYPE_VARCHAR, 0, l, r, pos) : NULL;
}
