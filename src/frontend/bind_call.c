/*
 * bind_call.c -- scalar function calls, CASE and LIKE: AST -> FUNC/CASE plan
 * expressions.
 *
 * Scalar calls resolve through the catalog (bind_func.c) and become FUNC expressions
 * whose arguments are already cast to the chosen signature.  Calls that need more than
 * a signature get a check here: EXTRACT/date_part fields must be known units, and an
 * 'epoch' field makes the result DOUBLE.  The simple CASE form is desugared into the
 * searched one (the operand is shared by the WHEN comparisons; plans are DAGs).
 */
#include "fe_int.h"

#include "opt.h"

#include <string.h>
#include <strings.h>

static plan_expr *new_expr(fe_binder *b, plan_expr_kind kind, qe_type type, int pos) {
    plan_expr *e = rt_arena_calloc(b->arena, sizeof *e);
    if (!e)
        return fe_bind_oom(b);
    e->kind = kind;
    e->type = type;
    e->position = pos;
    return e;
}

plan_expr *fe_make_func(fe_binder *b, uint32_t fn, plan_expr **args, uint32_t n_args, qe_type type,
                        int32_t typmod, int pos) {
    plan_expr *e = new_expr(b, PLAN_EXPR_FUNC, type, pos);
    if (!e)
        return NULL;
    e->typmod = typmod;
    e->u.func.fn = fn;
    e->u.func.n_args = n_args;
    e->u.func.args = args;
    return e;
}

/* Binds the arguments of a call into a new array (at least one slot). */
static plan_expr **bind_args(fe_binder *b, const fe_list *list) {
    plan_expr **args = rt_arena_alloc(b->arena, sizeof *args * (list->n ? list->n : 1));
    if (!args)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < list->n; i++)
        if (!(args[i] = fe_bind_expr(b, list->items[i])))
            return NULL;
    return args;
}

/* EXTRACT/date_part units PostgreSQL knows, and whether they apply to dates. */
static bool known_unit(const char *u, size_t n, qe_type t) {
    static const char *const date_units[] = {
        "year", "month",  "day",     "quarter",    "week",  "dow",     "isodow",
        "doy",  "decade", "century", "millennium", "epoch", "isoyear", "julian"};
    static const char *const time_units[] = {
        "hour", "minute", "second", "milliseconds", "microseconds", "milliseconds", "timezone"};
    for (size_t i = 0; i < sizeof date_units / sizeof date_units[0]; i++)
        if (strlen(date_units[i]) == n && strncasecmp(u, date_units[i], n) == 0)
            return true;
    if (t == QE_TYPE_DATE)
        return false;
    for (size_t i = 0; i < sizeof time_units / sizeof time_units[0]; i++)
        if (strlen(time_units[i]) == n && strncasecmp(u, time_units[i], n) == 0)
            return true;
    return false;
}

/* date_part/extract: a constant, known unit; 'epoch' (and seconds) are DOUBLE. */
static bool check_date_part(fe_binder *b, const fe_ast *call, plan_expr **args, qe_type *type) {
    const plan_expr *f = args[0];
    if (f->kind != PLAN_EXPR_CONST || f->u.value.is_null)
        return true; /* a computed unit is checked at run time */
    const char *u = f->u.value.u.s.ptr;
    size_t n = f->u.value.u.s.len;
    if (!known_unit(u, n, args[1]->type)) {
        fe_bind_error(b, QE_DATA, "22023", call->u.func.args.items[0]->pos,
                      "unit \"%.*s\" not recognized for type %s", (int)(n < 100 ? n : 100), u,
                      fe_type_msg_name(args[1]->type));
        return false;
    }
    if ((n == 5 && strncasecmp(u, "epoch", 5) == 0) || (n == 6 && strncasecmp(u, "second", 6) == 0))
        *type = QE_TYPE_DOUBLE;
    return true;
}

/* typeof(x): a VARCHAR constant naming x's type (an unknown literal is VARCHAR). */
static plan_expr *typeof_const(fe_binder *b, const plan_expr *arg, int pos) {
    char buf[40];
    const char *text = fe_type_text(arg->type, arg->typmod, buf, sizeof buf);
    rt_value v = {.type = QE_TYPE_VARCHAR};
    v.u.s.ptr = text;
    v.u.s.len = (uint32_t)strlen(text);
    plan_expr *c = opt_expr_const(b->arena, &v, pos); /* copies the string */
    return c ? c : fe_bind_oom(b);
}

/* x IS [NOT] DISTINCT FROM y: typed as x = y (PostgreSQL reports its "=" operator). */
static plan_expr *bind_distinct_from(fe_binder *b, const fe_ast *e, uint32_t fn) {
    const fe_ast *la = e->u.func.args.items[0], *ra = e->u.func.args.items[1];
    plan_expr *l = fe_bind_expr(b, la);
    plan_expr *r = l ? fe_bind_expr(b, ra) : NULL;
    plan_expr *eq = r ? fe_bind_comparison(b, PLAN_OP_EQ, la, l, ra, r, e->pos) : NULL;
    plan_expr **args = eq ? rt_arena_alloc(b->arena, 2 * sizeof *args) : NULL;
    if (!args)
        return eq ? fe_bind_oom(b) : NULL;
    args[0] = eq->u.op.args[0];
    args[1] = eq->u.op.args[1];
    return fe_make_func(b, fn, args, 2, QE_TYPE_BOOLEAN, 0, e->pos);
}

plan_expr *fe_bind_scalar_call(fe_binder *b, const fe_ast *e, uint32_t fn) {
    const char *name = e->u.func.name;
    if (e->u.func.star)
        return fe_bind_error(b, QE_BIND, "42809", e->pos,
                             "%s(*) specified, but %s is not an aggregate function", name, name);
    if (e->u.func.distinct)
        return fe_bind_error(b, QE_BIND, "42809", e->pos,
                             "DISTINCT specified, but %s is not an aggregate function", name);
    if (e->u.func.filter)
        return fe_bind_error(b, QE_BIND, "42809", e->pos,
                             "FILTER specified, but %s is not an aggregate function", name);
    const fe_list *l = &e->u.func.args;
    if ((fn == PLAN_FUNC_ID_IS_DISTINCT_FROM || fn == PLAN_FUNC_ID_IS_NOT_DISTINCT_FROM) &&
        l->n == 2)
        return bind_distinct_from(b, e, fn);
    plan_expr **args = bind_args(b, l);
    qe_type type;
    int32_t typmod;
    if (!args || !fe_func_resolve(b, fn, (const fe_ast *const *)l->items, args, l->n, e->pos, &type,
                                  &typmod))
        return NULL;
    if ((fn == PLAN_FUNC_ID_DATE_PART || fn == PLAN_FUNC_ID_EXTRACT) &&
        !check_date_part(b, e, args, &type))
        return NULL;
    if (fn == PLAN_FUNC_ID_TYPEOF) /* DuckDB's typeof(): the bound type, as a constant */
        return typeof_const(b, args[0], e->pos);
    return fe_make_func(b, fn, args, l->n, type, typmod, e->pos);
}

/* ---- LIKE --------------------------------------------------------------------------- */

plan_expr *fe_bind_like(fe_binder *b, const fe_ast *e) {
    const fe_ast *asts[3] = {e->u.like.arg, e->u.like.pattern, e->u.like.escape};
    uint32_t n = asts[2] ? 3 : 2;
    plan_expr **args = rt_arena_alloc(b->arena, sizeof *args * n);
    if (!args)
        return fe_bind_oom(b);
    for (uint32_t i = 0; i < n; i++)
        if (!(args[i] = fe_bind_expr(b, asts[i])))
            return NULL;
    uint32_t fn = e->u.like.case_insensitive ? PLAN_FUNC_ID_ILIKE : PLAN_FUNC_ID_LIKE;
    qe_type type;
    int32_t typmod;
    const char *op = e->u.like.case_insensitive ? "~~*" : "~~";
    bool typed_ok = true;
    for (uint32_t i = 0; i < 2; i++)
        typed_ok &= args[i]->type == QE_TYPE_VARCHAR || args[i]->type == QE_TYPE_NULL;
    if (!typed_ok) /* PostgreSQL reports LIKE as its operator */
        return fe_bind_error_hint(b, QE_BIND, "42883", e->pos,
                                  "No operator matches the given name and argument types. You "
                                  "might need to add explicit type casts.",
                                  "operator does not exist: %s %s%s %s",
                                  fe_type_msg_name(args[0]->type), e->u.like.negated ? "!" : "", op,
                                  fe_type_msg_name(args[1]->type));
    if (!fe_func_resolve(b, fn, asts, args, n, e->pos, &type, &typmod))
        return NULL;
    plan_expr *f = fe_make_func(b, fn, args, n, QE_TYPE_BOOLEAN, 0, e->pos);
    if (!f || !e->u.like.negated)
        return f;
    plan_expr *neg = opt_expr_op(b->arena, PLAN_OP_NOT, QE_TYPE_BOOLEAN, f, NULL, e->pos);
    return neg ? neg : fe_bind_oom(b);
}

/* ---- CASE --------------------------------------------------------------------------- */

/* WHEN conditions: searched form as booleans, simple form as operand = value. */
static bool bind_whens(fe_binder *b, const fe_ast *e, plan_expr **whens) {
    const fe_list *conds = &e->u.case_.conds;
    plan_expr *operand = NULL;
    if (e->u.case_.operand && !(operand = fe_bind_expr(b, e->u.case_.operand)))
        return false;
    for (uint32_t i = 0; i < conds->n; i++) {
        const fe_ast *c = conds->items[i];
        if (operand) {
            plan_expr *v = fe_bind_expr(b, c);
            whens[i] =
                v ? fe_bind_comparison(b, PLAN_OP_EQ, e->u.case_.operand, operand, c, v, c->pos)
                  : NULL;
        } else {
            plan_expr *v = fe_bind_expr(b, c);
            if (v && v->type == QE_TYPE_NULL)
                v = fe_cast_implicit(b, v, QE_TYPE_BOOLEAN);
            else if (v && fe_is_string_literal(c, v))
                v = fe_convert_literal(b, v, QE_TYPE_BOOLEAN, c->pos);
            else if (v && v->type != QE_TYPE_BOOLEAN)
                return fe_bind_error(b, QE_BIND, "42804", c->pos,
                                     "argument of CASE/WHEN must be type boolean, not type %s",
                                     fe_type_msg_name(v->type)),
                       false;
            whens[i] = v;
        }
        if (!whens[i])
            return false;
    }
    return true;
}

plan_expr *fe_bind_case(fe_binder *b, const fe_ast *e) {
    uint32_t n = e->u.case_.conds.n;
    plan_expr **whens = rt_arena_alloc(b->arena, sizeof *whens * (n ? n : 1));
    plan_expr **results = rt_arena_alloc(b->arena, sizeof *results * (n + 1));
    const fe_ast **asts = rt_arena_alloc(b->arena, sizeof *asts * (n + 1));
    if (!whens || !results || !asts)
        return fe_bind_oom(b);
    if (!bind_whens(b, e, whens))
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        asts[i] = e->u.case_.results.items[i];
        if (!(results[i] = fe_bind_expr(b, asts[i])))
            return NULL;
    }
    asts[n] = e->u.case_.else_expr;
    if (asts[n]) {
        if (!(results[n] = fe_bind_expr(b, asts[n])))
            return NULL;
    } else {
        rt_value null = {.type = QE_TYPE_NULL, .is_null = true};
        if (!(results[n] = opt_expr_const(b->arena, &null, e->pos)))
            return fe_bind_oom(b);
    }
    qe_type type;
    int32_t typmod;
    if (!fe_common_type(b, "CASE", asts, results, n + 1, &type, &typmod))
        return NULL;
    plan_expr *c = rt_arena_calloc(b->arena, sizeof *c);
    if (!c)
        return fe_bind_oom(b);
    c->kind = PLAN_EXPR_CASE;
    c->type = type;
    c->typmod = typmod;
    c->position = e->pos;
    c->u.case_.n_whens = n;
    c->u.case_.whens = whens;
    c->u.case_.thens = results;
    c->u.case_.else_expr = results[n];
    return c;
}
