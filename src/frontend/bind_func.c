/*
 * bind_func.c -- function resolution over the catalog (plan_funcs.h) and the common
 * type of a list of expressions, by PostgreSQL's rules.
 *
 * Overload resolution (PostgreSQL's "Function Type Resolution", simplified to the
 * engine's types): candidates are the overloads of the named catalog entry with the
 * right arity whose every argument is the parameter type, converts implicitly to it,
 * or is unknown (a string literal or NULL, which adapts).  Among them the ones with
 * the most exact matches win, then the ones accepting preferred types (DOUBLE,
 * VARCHAR, TIMESTAMP, INTERVAL, BOOLEAN) at the most converted positions, then the
 * ones taking unknown arguments as VARCHAR; more than one left is ambiguous (42725).
 * Polymorphic parameters (a, N) take the common type of their arguments, computed as
 * select_common_type does for CASE and UNION.
 */
#include "fe_int.h"

#include "opt.h"

#include <stdio.h>
#include <string.h>

#define NO_FUNCTION_HINT                                                                           \
    "No function matches the given name and argument types. You might need to add "                \
    "explicit type casts."
#define AMBIGUOUS_HINT                                                                             \
    "Could not choose a best candidate function. You might need to add explicit type casts."

/* ---- common type -------------------------------------------------------------------- */

/* Unknown: PostgreSQL's type of a string literal or NULL before context decides. */
static bool is_unknown(const fe_ast *ast, const plan_expr *e) {
    return e->type == QE_TYPE_NULL || fe_is_string_literal(ast, e);
}

static int int_digits(int32_t tm) { return PLAN_DECIMAL_PRECISION(tm) - PLAN_DECIMAL_SCALE(tm); }

/* The DECIMAL modifier holding both a and b (SQL's rule for unions of decimals). */
static int32_t merge_decimal(int32_t a, int32_t b) {
    int s = PLAN_DECIMAL_SCALE(a) > PLAN_DECIMAL_SCALE(b) ? PLAN_DECIMAL_SCALE(a)
                                                          : PLAN_DECIMAL_SCALE(b);
    int d = int_digits(a) > int_digits(b) ? int_digits(a) : int_digits(b);
    int p = d + s > PLAN_DECIMAL_MAX_PRECISION ? PLAN_DECIMAL_MAX_PRECISION : d + s;
    return PLAN_TYPMOD_DECIMAL(p, s > p ? p : s);
}

/* The modifier of the common type t given one more member (type, typmod). */
static int32_t merge_typmod(qe_type t, int32_t cur, qe_type mt, int32_t mtm, bool first) {
    if (t == QE_TYPE_DECIMAL) {
        int32_t m = fe_decimal_typmod_of(mt, mtm);
        return first ? m : merge_decimal(cur, m);
    }
    if (t == QE_TYPE_VARCHAR)
        return first || cur == mtm ? mtm : 0;
    return 0;
}

typedef struct common_acc {
    qe_type type;   /* common type so far (QE_TYPE_NULL: none yet) */
    int32_t typmod; /* its modifier */
    uint32_t bad;   /* index of the member that does not fit, when failing */
} common_acc;

/* Folds member i (type t) into the accumulator; false if it cannot be matched. */
static bool common_add(common_acc *acc, qe_type t) {
    if (acc->type == QE_TYPE_NULL || t == acc->type)
        return acc->type = t, true;
    if (fe_implicit_castable(t, acc->type))
        return true;
    if (fe_implicit_castable(acc->type, t))
        return acc->type = t, true;
    return false;
}

/* Common type and modifier of the typed (non-unknown) members; false at a mismatch
 * (acc->bad is the offending member). */
static bool common_of(const fe_ast *const *asts, plan_expr *const *exprs, uint32_t n,
                      common_acc *acc) {
    acc->type = QE_TYPE_NULL;
    acc->typmod = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (is_unknown(asts ? asts[i] : NULL, exprs[i]))
            continue;
        if (!common_add(acc, exprs[i]->type)) {
            acc->bad = i;
            return false;
        }
    }
    bool first = true;
    for (uint32_t i = 0; i < n; i++) {
        if (is_unknown(asts ? asts[i] : NULL, exprs[i]))
            continue;
        acc->typmod = merge_typmod(acc->type, acc->typmod, exprs[i]->type, exprs[i]->typmod, first);
        first = false;
    }
    return true;
}

/* Casts e (its AST: ast, may be NULL) to (t, typmod): unknown literals are converted
 * now, typed values implicitly. */
static plan_expr *coerce(fe_binder *b, const fe_ast *ast, plan_expr *e, qe_type t, int32_t typmod) {
    if (fe_is_string_literal(ast, e))
        return fe_convert_literal_mod(b, e, t, t == QE_TYPE_VARCHAR ? 0 : typmod, 0, ast->pos);
    if (e->type == t && (t != QE_TYPE_DECIMAL || e->typmod == typmod))
        return e;
    return fe_cast_implicit_mod(b, e, t, typmod);
}

bool fe_common_type(fe_binder *b, const char *context, const fe_ast *const *asts, plan_expr **exprs,
                    uint32_t n, qe_type *type, int32_t *typmod) {
    common_acc acc;
    if (!common_of(asts, exprs, n, &acc)) {
        const plan_expr *bad = exprs[acc.bad];
        int pos = asts && asts[acc.bad] ? asts[acc.bad]->pos : bad->position;
        fe_bind_error(b, QE_BIND, "42804", pos, "%s types %s and %s cannot be matched", context,
                      fe_type_msg_name(acc.type), fe_type_msg_name(bad->type));
        return false;
    }
    if (acc.type == QE_TYPE_NULL) /* all unknown: text, as PostgreSQL */
        acc.type = QE_TYPE_VARCHAR;
    for (uint32_t i = 0; i < n; i++) {
        const fe_ast *ast = asts ? asts[i] : NULL;
        if (!(exprs[i] = coerce(b, ast, exprs[i], acc.type, acc.typmod)))
            return false;
    }
    *type = acc.type;
    *typmod = acc.typmod;
    return true;
}

/* ---- signatures --------------------------------------------------------------------- */

/* Type of a concrete signature code; false for polymorphic codes. */
static bool code_type(char c, qe_type *t) {
    switch (c) {
    case 'b': *t = QE_TYPE_BOOLEAN; return true;
    case 's': *t = QE_TYPE_SMALLINT; return true;
    case 'i': *t = QE_TYPE_INTEGER; return true;
    case 'l': *t = QE_TYPE_BIGINT; return true;
    case 'h': *t = QE_TYPE_HUGEINT; return true;
    case 'n': *t = QE_TYPE_DECIMAL; return true;
    case 'r': *t = QE_TYPE_REAL; return true;
    case 'd': *t = QE_TYPE_DOUBLE; return true;
    case 'D': *t = QE_TYPE_DATE; return true;
    case 'T': *t = QE_TYPE_TIMESTAMP; return true;
    case 'I': *t = QE_TYPE_INTERVAL; return true;
    case 'v': *t = QE_TYPE_VARCHAR; return true;
    default: return false;
    }
}

/* One overload: codes[0..n_codes) with an optional trailing repeated code. */
typedef struct sig {
    const char *codes; /* argument codes (points into the catalog string) */
    uint32_t n_fixed;  /* codes before the repeated one */
    char repeat;       /* code repeated zero or more times after them, or 0 */
    char result;       /* result code */
} sig;

/* Parses the overload starting at *s (advancing past it); false at the end. */
static bool next_sig(const char **s, sig *out) {
    while (**s == ' ')
        (*s)++;
    if (!**s)
        return false;
    out->codes = *s;
    out->n_fixed = 0;
    out->repeat = 0;
    while (**s && **s != '>') {
        if ((*s)[1] == '*') {
            out->repeat = **s;
            *s += 2;
        } else {
            out->n_fixed++;
            (*s)++;
        }
    }
    out->result = **s == '>' ? (*s)[1] : 'v';
    *s += **s == '>' ? 2 : 0;
    while (**s && **s != ' ')
        (*s)++;
    return true;
}

static char code_at(const sig *g, uint32_t i) { return i < g->n_fixed ? g->codes[i] : g->repeat; }

/* Score of a candidate overload for the arguments (PostgreSQL's tie-breakers). */
typedef struct cand {
    sig g;
    bool ok;
    bool unknown_poly;     /* failed only because a numeric polymorphic got only unknowns */
    uint32_t exact;        /* arguments of exactly the parameter type */
    uint32_t preferred;    /* converted arguments whose parameter is a preferred type */
    uint32_t unknown_text; /* unknown arguments taken as VARCHAR */
    qe_type poly;          /* type of the polymorphic parameters */
    int32_t poly_typmod;
} cand;

static bool is_preferred(qe_type t) {
    return t == QE_TYPE_DOUBLE || t == QE_TYPE_VARCHAR || t == QE_TYPE_TIMESTAMP ||
           t == QE_TYPE_INTERVAL || t == QE_TYPE_BOOLEAN;
}

typedef struct call_args {
    const fe_ast *const *asts; /* may be NULL */
    plan_expr **args;
    uint32_t n;
} call_args;

static const fe_ast *ast_at(const call_args *a, uint32_t i) { return a->asts ? a->asts[i] : NULL; }

/* The common type of the arguments at polymorphic positions. */
static bool poly_type(const call_args *a, cand *c) {
    common_acc acc = {.type = QE_TYPE_NULL};
    bool numeric = false, first = true;
    for (uint32_t i = 0; i < a->n; i++) {
        char code = code_at(&c->g, i);
        if (code != 'a' && code != 'N')
            continue;
        numeric |= code == 'N';
        if (!is_unknown(ast_at(a, i), a->args[i]) && !common_add(&acc, a->args[i]->type))
            return false;
    }
    for (uint32_t i = 0; i < a->n; i++) {
        char code = code_at(&c->g, i);
        if ((code == 'a' || code == 'N') && !is_unknown(ast_at(a, i), a->args[i])) {
            acc.typmod =
                merge_typmod(acc.type, acc.typmod, a->args[i]->type, a->args[i]->typmod, first);
            first = false;
        }
    }
    if (acc.type == QE_TYPE_NULL && numeric)
        return c->unknown_poly = true, false;
    if (acc.type == QE_TYPE_NULL)
        acc.type = QE_TYPE_VARCHAR;
    if (numeric && !rt_type_is_numeric(acc.type) && acc.type != QE_TYPE_DECIMAL &&
        acc.type != QE_TYPE_HUGEINT)
        return false;
    c->poly = acc.type;
    c->poly_typmod = acc.typmod;
    return true;
}

/* Parameter type of argument i under candidate c ('x': the argument's own type). */
static qe_type param_type(const cand *c, const call_args *a, uint32_t i) {
    char code = code_at(&c->g, i);
    qe_type t;
    if (code_type(code, &t))
        return t;
    if (code == 'x')
        return a->args[i]->type == QE_TYPE_NULL ? QE_TYPE_VARCHAR : a->args[i]->type;
    return c->poly;
}

/* Scores candidate c; c->ok tells whether every argument fits. */
static void score(const call_args *a, cand *c) {
    c->ok = false;
    if (a->n < c->g.n_fixed || (a->n > c->g.n_fixed && !c->g.repeat))
        return;
    if (!poly_type(a, c))
        return;
    for (uint32_t i = 0; i < a->n; i++) {
        qe_type want = param_type(c, a, i), have = a->args[i]->type;
        if (is_unknown(ast_at(a, i), a->args[i])) {
            c->unknown_text += want == QE_TYPE_VARCHAR;
        } else if (have == want) {
            c->exact++;
        } else if (fe_implicit_castable(have, want)) {
            c->preferred += is_preferred(want);
        } else {
            return;
        }
    }
    c->ok = true;
}

/* True if x beats y by PostgreSQL's tie-breakers; *tie when neither does. */
static bool better(const cand *x, const cand *y, bool *tie) {
    *tie = false;
    if (x->exact != y->exact)
        return x->exact > y->exact;
    if (x->preferred != y->preferred)
        return x->preferred > y->preferred;
    if (x->unknown_text != y->unknown_text)
        return x->unknown_text > y->unknown_text;
    *tie = true;
    return false;
}

/* "f(integer, unknown)" into buf. */
static void call_text(const char *name, const call_args *a, char *buf, size_t cap) {
    size_t used = (size_t)snprintf(buf, cap, "%s(", name);
    for (uint32_t i = 0; i < a->n && used < cap; i++) {
        const char *t =
            is_unknown(ast_at(a, i), a->args[i]) ? "unknown" : fe_type_msg_name(a->args[i]->type);
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", t);
    }
    if (used < cap)
        snprintf(buf + used, cap - used, ")");
}

/* Picks the best overload of fn; false after 42883/42725. */
static bool choose(fe_binder *b, uint32_t fn, const call_args *a, int pos, cand *best) {
    const char *s = plan_func_signatures(fn);
    cand c;
    bool found = false, ambiguous = false, unknown_poly = false, tie = false;
    memset(&c, 0, sizeof c);
    while (next_sig(&s, &c.g)) {
        score(a, &c);
        unknown_poly |= c.unknown_poly;

        if (c.ok && (!found || better(&c, best, &tie))) {
            *best = c;
            found = true;
            ambiguous = false;
        } else if (c.ok && tie) {
            ambiguous = true;
        }
        sig g = c.g;
        memset(&c, 0, sizeof c);
        c.g = g;
    }
    char text[300];
    call_text(plan_func_name(fn), a, text, sizeof text);
    if (ambiguous || (!found && unknown_poly)) {
        fe_bind_error_hint(b, QE_BIND, "42725", pos, AMBIGUOUS_HINT, "function %s is not unique",
                           text);
        return false;
    }
    if (!found)
        fe_bind_error_hint(b, QE_BIND, "42883", pos, NO_FUNCTION_HINT, "function %s does not exist",
                           text);
    return found;
}

/* Result modifier rules that depend on the function (DECIMAL precision and scale). */
static int32_t result_typmod(uint32_t fn, const cand *c, const call_args *a, qe_type result) {
    if (result != QE_TYPE_DECIMAL)
        return c->g.result == 'a' || c->g.result == 'N' ? c->poly_typmod : 0;
    int32_t in = a->n ? fe_decimal_typmod_of(a->args[0]->type, a->args[0]->typmod) : 0;
    int p = PLAN_DECIMAL_PRECISION(in), s = PLAN_DECIMAL_SCALE(in);
    switch (fn) {
    case PLAN_FUNC_ID_SUM: return PLAN_TYPMOD_DECIMAL(PLAN_DECIMAL_MAX_PRECISION, s);
    case PLAN_FUNC_ID_CEIL:
    case PLAN_FUNC_ID_CEILING:
    case PLAN_FUNC_ID_FLOOR:
    case PLAN_FUNC_ID_ROUND:
    case PLAN_FUNC_ID_TRUNC:
        if (a->n == 1) {
            int d = p - s + 1 > PLAN_DECIMAL_MAX_PRECISION ? PLAN_DECIMAL_MAX_PRECISION : p - s + 1;
            return PLAN_TYPMOD_DECIMAL(d, 0);
        }
        return in;
    default: return c->g.result == 'a' || c->g.result == 'N' ? c->poly_typmod : in;
    }
}

bool fe_func_resolve(fe_binder *b, uint32_t fn, const fe_ast *const *asts, plan_expr **args,
                     uint32_t n_args, int pos, qe_type *type, int32_t *typmod) {
    call_args a = {.asts = asts, .args = args, .n = n_args};
    cand best = {0};
    if (b->failed || !choose(b, fn, &a, pos, &best))
        return false;
    for (uint32_t i = 0; i < n_args; i++) {
        char code = code_at(&best.g, i);
        if (code == 'x') {
            if (args[i]->type == QE_TYPE_NULL && !(args[i] = fe_resolve_null(b, args[i])))
                return false;
            continue;
        }
        qe_type want = param_type(&best, &a, i);
        int32_t tm = code == 'a' || code == 'N' ? best.poly_typmod : 0;
        if (want == QE_TYPE_DECIMAL && tm == 0)
            tm = fe_decimal_typmod_of(args[i]->type, args[i]->typmod);
        if (!(args[i] = coerce(b, asts ? asts[i] : NULL, args[i], want, tm)))
            return false;
    }
    qe_type result;
    if (!code_type(best.g.result, &result))
        result = best.poly;
    *type = result;
    *typmod = result_typmod(fn, &best, &a, result);
    return true;
}
