/*
 * print.c -- text renderings of plans: expressions, the logical plan (an indented
 * tree, one operator per line with its output schema) and the staged physical plan
 * (stages with their distribution, one line per pipeline, then the exchanges).
 * qec --emit=logical|physical and EXPLAIN print these; tests compare them, so the
 * format is stable.
 */
#include "opt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
#define PRINT_X_TYPE(name, sql, width) sql,
    QE_TYPE_LIST(PRINT_X_TYPE)
#undef PRINT_X_TYPE
};

static const char *type_name(qe_type t) {
    return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "?";
}

/* A type with its modifier: DECIMAL(15,2), VARCHAR(25), CHAR(1); else type_name. */
static void print_type(rt_strbuf *sb, qe_type t, int32_t typmod) {
    if (t == QE_TYPE_DECIMAL)
        rt_strbuf_printf(sb, "DECIMAL(%d,%d)", PLAN_DECIMAL_PRECISION(typmod),
                         PLAN_DECIMAL_SCALE(typmod));
    else if (t == QE_TYPE_VARCHAR && PLAN_TYPMOD_IS_CHAR(typmod))
        rt_strbuf_printf(sb, "CHAR(%d)", (int)PLAN_TYPMOD_LENGTH(typmod));
    else if (t == QE_TYPE_VARCHAR && typmod > 0)
        rt_strbuf_printf(sb, "VARCHAR(%d)", (int)typmod);
    else
        rt_strbuf_puts(sb, type_name(t));
}

/* ---- expressions -------------------------------------------------------------------- */

/* Year, month, day of a day number (days since 1970-01-01), proleptic Gregorian. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static void print_date(rt_strbuf *sb, int64_t days) {
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    rt_strbuf_printf(sb, "%04" PRId64 "-%02d-%02d", y, m, d);
}

/* HH:MM:SS[.ffffff] of a microsecond count within a day (or an interval's time). */
static void print_time(rt_strbuf *sb, int64_t us) {
    if (us < 0) {
        rt_strbuf_puts(sb, "-");
        us = -us;
    }
    int64_t secs = us / 1000000, frac = us % 1000000;
    rt_strbuf_printf(sb, "%02" PRId64 ":%02d:%02d", secs / 3600, (int)(secs / 60 % 60),
                     (int)(secs % 60));
    if (frac)
        rt_strbuf_printf(sb, ".%06d", (int)frac);
}

/* PostgreSQL's interval output: 1 year 2 mons 3 days 04:05:06. */
static void print_interval_text(rt_strbuf *sb, const rt_value *v) {
    int32_t years = v->u.iv.months / 12, mons = v->u.iv.months % 12;
    bool any = false;
    if (years)
        rt_strbuf_printf(sb, "%d year%s", years, years == 1 || years == -1 ? "" : "s"), any = true;
    if (mons)
        rt_strbuf_printf(sb, "%s%d mon%s", any ? " " : "", mons,
                         mons == 1 || mons == -1 ? "" : "s"),
            any = true;
    if (v->u.iv.days)
        rt_strbuf_printf(sb, "%s%d day%s", any ? " " : "", v->u.iv.days,
                         v->u.iv.days == 1 || v->u.iv.days == -1 ? "" : "s"),
            any = true;
    if (v->u.iv.micros || !any) {
        if (any)
            rt_strbuf_puts(sb, " ");
        print_time(sb, v->u.iv.micros);
    }
}

/* Constants of the types with a modifier or a literal syntax of their own. */
static bool print_typed_const(rt_strbuf *sb, const plan_expr *e) {
    const rt_value *v = &e->u.value;
    if (v->is_null)
        return false;
    switch (e->type) {
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: {
        char buf[64];
        int n = rt_value_format_mod(v, e->typmod, buf, sizeof buf);
        rt_strbuf_append(sb, buf, n > 0 ? (size_t)n : 0);
        return true;
    }
    case QE_TYPE_DATE:
        rt_strbuf_puts(sb, "DATE '");
        print_date(sb, v->u.i);
        rt_strbuf_puts(sb, "'");
        return true;
    case QE_TYPE_TIMESTAMP: {
        int64_t days = v->u.i / 86400000000LL, us = v->u.i % 86400000000LL;
        if (us < 0)
            days--, us += 86400000000LL;
        rt_strbuf_puts(sb, "TIMESTAMP '");
        print_date(sb, days);
        rt_strbuf_puts(sb, " ");
        print_time(sb, us);
        rt_strbuf_puts(sb, "'");
        return true;
    }
    case QE_TYPE_INTERVAL:
        rt_strbuf_puts(sb, "INTERVAL '");
        print_interval_text(sb, v);
        rt_strbuf_puts(sb, "'");
        return true;
    default: return false;
    }
}

/* Shortest text that reads back as the same double; integral values get ".0". */
static void print_double(rt_strbuf *sb, double d) {
    char buf[40];
    if (isnan(d)) {
        rt_strbuf_puts(sb, "'NaN'");
        return;
    }
    if (isinf(d)) {
        rt_strbuf_puts(sb, d > 0 ? "'Infinity'" : "'-Infinity'");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    rt_strbuf_puts(sb, buf);
    if (!strpbrk(buf, ".e"))
        rt_strbuf_puts(sb, ".0");
}

static void print_string(rt_strbuf *sb, const char *s, uint32_t len) {
    rt_strbuf_puts(sb, "'");
    for (uint32_t i = 0; i < len; i++) {
        if (s[i] == '\'')
            rt_strbuf_puts(sb, "''");
        else
            rt_strbuf_append(sb, &s[i], 1);
    }
    rt_strbuf_puts(sb, "'");
}

static void print_value(rt_strbuf *sb, const rt_value *v) {
    if (v->is_null) {
        rt_strbuf_puts(sb, "NULL");
        return;
    }
    switch (v->type) {
    case QE_TYPE_BOOLEAN: rt_strbuf_puts(sb, v->u.b ? "true" : "false"); break;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: print_double(sb, v->u.d); break;
    case QE_TYPE_VARCHAR: print_string(sb, v->u.s.ptr, v->u.s.len); break;
    default: rt_strbuf_printf(sb, "%" PRId64, v->u.i); break;
    }
}

/* An operand: parenthesized when it is itself an operator. */
static void print_operand(rt_strbuf *sb, const plan_expr *e) {
    uint32_t fn = e && e->kind == PLAN_EXPR_FUNC ? e->u.func.fn : PLAN_FUNC_N;
    bool infix = fn == PLAN_FUNC_ID_LIKE || fn == PLAN_FUNC_ID_ILIKE ||
                 fn == PLAN_FUNC_ID_IS_DISTINCT_FROM || fn == PLAN_FUNC_ID_IS_NOT_DISTINCT_FROM;
    bool parens = e && (e->kind == PLAN_EXPR_OP || infix);
    if (parens)
        rt_strbuf_puts(sb, "(");
    opt_print_expr(sb, e);
    if (parens)
        rt_strbuf_puts(sb, ")");
}

static bool is_negative_const(const plan_expr *e) {
    if (!e || e->kind != PLAN_EXPR_CONST || e->u.value.is_null)
        return false;
    if (e->type == QE_TYPE_DOUBLE || e->type == QE_TYPE_REAL)
        return signbit(e->u.value.u.d);
    return rt_type_is_integer(e->type) && e->u.value.u.i < 0;
}

static void print_op(rt_strbuf *sb, const plan_expr *e) {
    plan_op_kind op = e->u.op.op;
    const plan_expr *a = e->u.op.args[0], *b = e->u.op.args[1];
    switch (op) {
    case PLAN_OP_NEG:
        rt_strbuf_puts(sb, "-");
        if (is_negative_const(a)) { /* "--1" would read as a comment */
            rt_strbuf_puts(sb, "(");
            opt_print_expr(sb, a);
            rt_strbuf_puts(sb, ")");
        } else {
            print_operand(sb, a);
        }
        break;
    case PLAN_OP_NOT:
        rt_strbuf_puts(sb, "NOT ");
        print_operand(sb, a);
        break;
    case PLAN_OP_IS_NULL:
    case PLAN_OP_IS_NOT_NULL:
        print_operand(sb, a);
        rt_strbuf_printf(sb, " %s", plan_op_sql(op));
        break;
    default:
        print_operand(sb, a);
        rt_strbuf_printf(sb, " %s ", plan_op_sql(op));
        print_operand(sb, b);
        break;
    }
}

/* EXISTS(subquery), #0 = ANY(subquery), (subquery); the plan is printed under the
 * node that holds the expression. */
static void print_subquery_expr(rt_strbuf *sb, const plan_expr *e) {
    switch (e->u.subquery.kind) {
    case PLAN_SUBQUERY_SCALAR: rt_strbuf_puts(sb, "(subquery)"); break;
    case PLAN_SUBQUERY_EXISTS: rt_strbuf_puts(sb, "EXISTS(subquery)"); break;
    default:
        print_operand(sb, e->u.subquery.left);
        rt_strbuf_printf(sb, " %s %s(subquery)", plan_op_sql(e->u.subquery.op),
                         plan_subquery_name(e->u.subquery.kind));
        break;
    }
}

static void print_expr_list(rt_strbuf *sb, plan_expr *const *exprs, uint32_t n);

/* a LIKE b [ESCAPE c], a IS [NOT] DISTINCT FROM b; other functions as name(args). */
static void print_func(rt_strbuf *sb, const plan_expr *e) {
    uint32_t fn = e->u.func.fn, n = e->u.func.n_args;
    plan_expr *const *a = e->u.func.args;
    const char *infix = fn == PLAN_FUNC_ID_LIKE                   ? "LIKE"
                        : fn == PLAN_FUNC_ID_ILIKE                ? "ILIKE"
                        : fn == PLAN_FUNC_ID_IS_DISTINCT_FROM     ? "IS DISTINCT FROM"
                        : fn == PLAN_FUNC_ID_IS_NOT_DISTINCT_FROM ? "IS NOT DISTINCT FROM"
                                                                  : NULL;
    if (infix && n >= 2) {
        print_operand(sb, a[0]);
        rt_strbuf_printf(sb, " %s ", infix);
        print_operand(sb, a[1]);
        if (n == 3) {
            rt_strbuf_puts(sb, " ESCAPE ");
            print_operand(sb, a[2]);
        }
        return;
    }
    rt_strbuf_printf(sb, "%s(", plan_func_name(fn));
    print_expr_list(sb, a, n);
    rt_strbuf_puts(sb, ")");
}

static void print_case(rt_strbuf *sb, const plan_expr *e) {
    rt_strbuf_puts(sb, "CASE");
    for (uint32_t i = 0; i < e->u.case_.n_whens; i++) {
        rt_strbuf_puts(sb, " WHEN ");
        opt_print_expr(sb, e->u.case_.whens[i]);
        rt_strbuf_puts(sb, " THEN ");
        opt_print_expr(sb, e->u.case_.thens[i]);
    }
    const plan_expr *el = e->u.case_.else_expr;
    if (el && !(el->kind == PLAN_EXPR_CONST && el->u.value.is_null)) {
        rt_strbuf_puts(sb, " ELSE ");
        opt_print_expr(sb, el);
    }
    rt_strbuf_puts(sb, " END");
}

void opt_print_expr(rt_strbuf *sb, const plan_expr *e) {
    if (!e) {
        rt_strbuf_puts(sb, "?");
        return;
    }
    switch (e->kind) {
    case PLAN_EXPR_CONST:
        if (!print_typed_const(sb, e))
            print_value(sb, &e->u.value);
        break;
    case PLAN_EXPR_FUNC: print_func(sb, e); break;
    case PLAN_EXPR_CASE: print_case(sb, e); break;
    case PLAN_EXPR_PARAM: rt_strbuf_printf(sb, "$%u", e->u.param.index); break;
    case PLAN_EXPR_COLUMN: rt_strbuf_printf(sb, "#%u", e->u.column); break;
    case PLAN_EXPR_OP: print_op(sb, e); break;
    case PLAN_EXPR_CAST:
        rt_strbuf_puts(sb, "CAST(");
        opt_print_expr(sb, e->u.cast);
        rt_strbuf_puts(sb, " AS ");
        print_type(sb, e->type, e->typmod);
        rt_strbuf_puts(sb, ")");
        break;
    case PLAN_EXPR_SUBQUERY: print_subquery_expr(sb, e); break;
    case PLAN_EXPR_OUTER_COLUMN:
        if (e->u.outer.depth == 1)
            rt_strbuf_printf(sb, "outer(#%u)", e->u.outer.column);
        else
            rt_strbuf_printf(sb, "outer%u(#%u)", e->u.outer.depth, e->u.outer.column);
        break;
    case PLAN_EXPR_GROUPING:
        rt_strbuf_printf(sb, "GROUPING(#%u:", e->u.grouping.column);
        for (uint32_t i = 0; i < e->u.grouping.n_args; i++)
            rt_strbuf_printf(sb, "%s%u", i ? ", " : " ", e->u.grouping.groups[i]);
        rt_strbuf_puts(sb, ")");
        break;
    default: rt_strbuf_puts(sb, "?"); break;
    }
}

static void print_expr_list(rt_strbuf *sb, plan_expr *const *exprs, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            rt_strbuf_puts(sb, ", ");
        opt_print_expr(sb, exprs[i]);
    }
}

/* count_star(), sum(#1); FINAL aggregates show their state columns: sum(v=#3, n=#4). */
static void print_aggs(rt_strbuf *sb, const plan_agg *aggs, uint32_t n, bool final) {
    for (uint32_t i = 0; i < n; i++) {
        const plan_agg *a = &aggs[i];
        rt_strbuf_printf(sb, "%s%s(", i ? ", " : "", plan_agg_name(a->fn));
        if (final) {
            rt_strbuf_puts(sb, "v=");
            opt_print_expr(sb, a->arg);
            rt_strbuf_printf(sb, ", n=#%u", a->n_column);
        } else if (a->arg) {
            if (a->distinct)
                rt_strbuf_puts(sb, "DISTINCT ");
            opt_print_expr(sb, a->arg);
            if (a->arg2) {
                rt_strbuf_puts(sb, ", ");
                opt_print_expr(sb, a->arg2);
            }
        }
        rt_strbuf_puts(sb, ")");
        if (a->filter) {
            rt_strbuf_puts(sb, " FILTER (WHERE ");
            opt_print_expr(sb, a->filter);
            rt_strbuf_puts(sb, ")");
        }
    }
}

static void print_sort_keys(rt_strbuf *sb, const plan_sort_key *keys, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        const plan_sort_key *k = &keys[i];
        if (i)
            rt_strbuf_puts(sb, ", ");
        opt_print_expr(sb, k->expr);
        if (k->descending)
            rt_strbuf_puts(sb, " DESC");
        if (k->nulls_first != k->descending)
            rt_strbuf_puts(sb, k->nulls_first ? " NULLS FIRST" : " NULLS LAST");
    }
}

static void print_limit(rt_strbuf *sb, int64_t limit, int64_t offset) {
    if (limit >= 0)
        rt_strbuf_printf(sb, "%" PRId64, limit);
    else
        rt_strbuf_puts(sb, "ALL");
    if (offset > 0)
        rt_strbuf_printf(sb, " OFFSET %" PRId64, offset);
}

/* Rows of a VALUES list, the first few only. */
static void print_rows(rt_strbuf *sb, plan_expr *const *rows, uint32_t n_rows, uint32_t n_cols) {
    rt_strbuf_printf(sb, "%u row%s", n_rows, n_rows == 1 ? "" : "s");
    if (n_cols == 0)
        return;
    rt_strbuf_puts(sb, ":");
    for (uint32_t r = 0; r < n_rows && r < 3; r++) {
        rt_strbuf_puts(sb, r ? ", (" : " (");
        print_expr_list(sb, rows + (size_t)r * n_cols, n_cols);
        rt_strbuf_puts(sb, ")");
    }
    if (n_rows > 3)
        rt_strbuf_puts(sb, ", ...");
}

/* ---- logical plan ------------------------------------------------------------------- */

static void print_frame(rt_strbuf *sb, const plan_frame *f) {
    rt_strbuf_printf(sb, " %s BETWEEN ", f->rows ? "ROWS" : "RANGE");
    if (f->start_offset) {
        opt_print_expr(sb, f->start_offset);
        rt_strbuf_puts(sb, " ");
    }
    rt_strbuf_printf(sb, "%s AND ", plan_frame_bound_name(f->start));
    if (f->end_offset) {
        opt_print_expr(sb, f->end_offset);
        rt_strbuf_puts(sb, " ");
    }
    rt_strbuf_puts(sb, plan_frame_bound_name(f->end));
}

/* rank() OVER (PARTITION BY #0 ORDER BY #1 DESC RANGE BETWEEN ...) */
static void print_window_list(rt_strbuf *sb, const plan_window_func *funcs, uint32_t n_funcs) {
    for (uint32_t i = 0; i < n_funcs; i++) {
        const plan_window_func *w = &funcs[i];
        rt_strbuf_printf(sb, "%s%s(%s", i ? ", " : "", w->name, w->distinct ? "DISTINCT " : "");
        print_expr_list(sb, w->args, w->n_args);
        rt_strbuf_puts(sb, ") OVER (");
        if (w->n_partition) {
            rt_strbuf_puts(sb, "PARTITION BY ");
            print_expr_list(sb, w->partition, w->n_partition);
        }
        if (w->n_order) {
            rt_strbuf_puts(sb, w->n_partition ? " ORDER BY " : "ORDER BY ");
            print_sort_keys(sb, w->order, w->n_order);
        }
        print_frame(sb, &w->frame);
        rt_strbuf_puts(sb, ")");
    }
}

static void print_grouping_sets(rt_strbuf *sb, const plan_node *n) {
    rt_strbuf_puts(sb, "; sets: ");
    for (uint32_t i = 0; i < n->u.aggregate.n_sets; i++) {
        rt_strbuf_puts(sb, i ? ", (" : "(");
        bool first = true;
        for (uint32_t g = 0; g < n->u.aggregate.n_groups && g < 64; g++) {
            if (!(n->u.aggregate.sets[i] >> g & 1))
                continue;
            rt_strbuf_printf(sb, "%s#%u", first ? "" : ", ", g);
            first = false;
        }
        rt_strbuf_puts(sb, ")");
    }
}

static void print_copy(rt_strbuf *sb, const plan_node *n) {
    rt_strbuf_printf(sb, "%s %s ", n->u.copy.table ? n->u.copy.table : "(query)",
                     n->u.copy.to ? "TO" : "FROM");
    print_string(sb, n->u.copy.path, (uint32_t)strlen(n->u.copy.path));
    for (uint32_t i = 0; i < n->u.copy.n_options; i++) {
        rt_strbuf_printf(sb, "%s%s", i ? ", " : "; ", n->u.copy.option_names[i]);
        const char *v = n->u.copy.option_values[i];
        if (v) {
            rt_strbuf_puts(sb, " ");
            print_string(sb, v, (uint32_t)strlen(v));
        }
    }
}

/* A CSV file and its dialect: 'path'; delim '|', header, ... */
static void print_csv(rt_strbuf *sb, const plan_csv *csv) {
    print_string(sb, csv->path, (uint32_t)strlen(csv->path));
    char d[2] = {csv->delim, 0}, q[2] = {csv->quote, 0}, e[2] = {csv->escape, 0};
    rt_strbuf_puts(sb, "; delim ");
    print_string(sb, d, 1);
    rt_strbuf_puts(sb, ", quote ");
    print_string(sb, q, csv->quote ? 1 : 0);
    rt_strbuf_puts(sb, ", escape ");
    print_string(sb, e, csv->escape ? 1 : 0);
    rt_strbuf_puts(sb, csv->header ? ", header" : "");
    if (csv->null_str && *csv->null_str) {
        rt_strbuf_puts(sb, ", null ");
        print_string(sb, csv->null_str, (uint32_t)strlen(csv->null_str));
    }
}

static void print_range(rt_strbuf *sb, const plan_range *r) {
    rt_strbuf_printf(sb, "start %lld, step %lld, count %llu", (long long)r->start,
                     (long long)r->step, (unsigned long long)r->count);
}

static void print_dml(rt_strbuf *sb, const plan_node *n) {
    rt_strbuf_puts(sb, n->u.dml.table);
    for (uint32_t i = 0; i < n->u.dml.n_set; i++) {
        rt_strbuf_printf(sb, "%s#%u = ", i ? ", " : "; set ", n->u.dml.set_cols[i]);
        opt_print_expr(sb, n->u.dml.set_exprs[i]);
    }
}

/* Parameters of the node kinds added for joins, subqueries and statements. */
static void print_relational_params(rt_strbuf *sb, const plan_node *n) {
    switch (n->kind) {
    case PLAN_LOGICAL_JOIN:
        rt_strbuf_puts(sb, plan_join_name(n->u.join.kind));
        if (n->u.join.cond) {
            rt_strbuf_puts(sb, "; ");
            opt_print_expr(sb, n->u.join.cond);
        }
        break;
    case PLAN_LOGICAL_SETOP:
        rt_strbuf_printf(sb, "%s%s", plan_setop_name(n->u.setop.op), n->u.setop.all ? " ALL" : "");
        break;
    case PLAN_LOGICAL_WINDOW: print_window_list(sb, n->u.window.funcs, n->u.window.n_funcs); break;
    case PLAN_LOGICAL_DISTINCT_ON:
        print_expr_list(sb, n->u.distinct_on.keys, n->u.distinct_on.n_keys);
        break;
    case PLAN_LOGICAL_RECURSIVE_CTE:
        rt_strbuf_printf(sb, "%s, UNION%s", n->u.cte.name, n->u.cte.all ? " ALL" : "");
        break;
    case PLAN_LOGICAL_WORKTABLE_SCAN: rt_strbuf_puts(sb, n->u.cte.name); break;
    case PLAN_LOGICAL_CREATE_VIEW:
        rt_strbuf_printf(sb, "%s%s", n->u.create_view.or_replace ? "OR REPLACE " : "",
                         n->u.create_view.name);
        break;
    case PLAN_LOGICAL_DROP_VIEW:
        rt_strbuf_printf(sb, "%s%s", n->u.drop_table.table,
                         n->u.drop_table.if_exists ? " IF EXISTS" : "");
        break;
    case PLAN_LOGICAL_DELETE:
    case PLAN_LOGICAL_UPDATE: print_dml(sb, n); break;
    case PLAN_LOGICAL_COPY: print_copy(sb, n); break;
    case PLAN_LOGICAL_SHOW: rt_strbuf_puts(sb, n->u.set.name); break;
    case PLAN_LOGICAL_TRANSACTION: rt_strbuf_puts(sb, plan_txn_name(n->u.transaction.kind)); break;
    case PLAN_LOGICAL_TABLE_FUNCTION:
        rt_strbuf_printf(sb, "%s: ", n->u.table_func.name);
        if (n->u.table_func.csv)
            print_csv(sb, n->u.table_func.csv);
        else
            print_range(sb, &n->u.table_func.range);
        break;
    case PLAN_LOGICAL_CALL:
        rt_strbuf_printf(sb, "%s(", n->u.call.name);
        print_expr_list(sb, n->u.call.args, n->u.call.n_args);
        rt_strbuf_puts(sb, ")");
        break;
    default: break;
    }
}

static void print_logical_params(rt_strbuf *sb, const plan_node *n) {
    switch (n->kind) {
    case PLAN_LOGICAL_GET:
        rt_strbuf_printf(sb, "%s:", n->u.get.table);
        for (uint32_t i = 0; i < n->n_cols; i++)
            rt_strbuf_printf(sb, "%s %s", i ? "," : "", n->names[i]);
        break;
    case PLAN_LOGICAL_VALUES:
        print_rows(sb, n->u.values.rows, n->u.values.n_rows, n->n_cols);
        break;
    case PLAN_LOGICAL_FILTER: opt_print_expr(sb, n->u.filter.pred); break;
    case PLAN_LOGICAL_PROJECT: print_expr_list(sb, n->u.project.exprs, n->n_cols); break;
    case PLAN_LOGICAL_AGGREGATE:
        rt_strbuf_puts(sb, "groups: ");
        print_expr_list(sb, n->u.aggregate.groups, n->u.aggregate.n_groups);
        rt_strbuf_puts(sb, "; aggs: ");
        print_aggs(sb, n->u.aggregate.aggs, n->u.aggregate.n_aggs, false);
        if (n->u.aggregate.n_sets)
            print_grouping_sets(sb, n);
        break;
    case PLAN_LOGICAL_ORDER: print_sort_keys(sb, n->u.order.keys, n->u.order.n_keys); break;
    case PLAN_LOGICAL_LIMIT: print_limit(sb, n->u.limit.limit, n->u.limit.offset); break;
    case PLAN_LOGICAL_INSERT: rt_strbuf_puts(sb, n->u.insert.table); break;
    case PLAN_LOGICAL_CREATE_TABLE:
        rt_strbuf_printf(sb, "%s%s:", n->u.create_table.table,
                         n->u.create_table.if_not_exists ? " IF NOT EXISTS" : "");
        for (uint32_t i = 0; i < n->u.create_table.n_cols; i++) {
            rt_strbuf_printf(sb, "%s %s ", i ? "," : "", n->u.create_table.col_names[i]);
            print_type(sb, n->u.create_table.col_types[i],
                       n->u.create_table.col_typmods ? n->u.create_table.col_typmods[i] : 0);
            if (n->u.create_table.not_null && n->u.create_table.not_null[i])
                rt_strbuf_puts(sb, " NOT NULL");
        }
        for (uint32_t i = 0; i < n->u.create_table.n_key; i++)
            rt_strbuf_printf(sb, "%s%s", i ? ", " : "; PRIMARY KEY ",
                             n->u.create_table.col_names[n->u.create_table.key_cols[i]]);
        break;
    case PLAN_LOGICAL_DROP_TABLE:
        rt_strbuf_printf(sb, "%s%s", n->u.drop_table.table,
                         n->u.drop_table.if_exists ? " IF EXISTS" : "");
        break;
    case PLAN_LOGICAL_SET:
        if (n->u.set.value) {
            rt_strbuf_printf(sb, "%s = ", n->u.set.name);
            print_string(sb, n->u.set.value, (uint32_t)strlen(n->u.set.value));
        } else {
            rt_strbuf_printf(sb, "%s RESET", n->u.set.name);
        }
        break;
    case PLAN_LOGICAL_EXPLAIN:
        rt_strbuf_puts(sb, n->u.explain.analyze ? "analyze" : "plan");
        if (n->u.explain.json)
            rt_strbuf_puts(sb, ", json");
        break;
    default: print_relational_params(sb, n); break;
    }
}

/* The modifier of output column i: the node's typmods, else (a Project without them)
 * the modifier of the column's expression. */
int32_t opt_column_typmod(const plan_node *n, uint32_t i) {
    for (int depth = 0; n && depth < 10000; depth++) {
        if (n->typmods)
            return n->typmods[i];
        switch (n->kind) {
        case PLAN_LOGICAL_PROJECT:
            return n->u.project.exprs && n->u.project.exprs[i] ? n->u.project.exprs[i]->typmod : 0;
        case PLAN_LOGICAL_AGGREGATE:
            if (i < n->u.aggregate.n_groups)
                return n->u.aggregate.groups[i] ? n->u.aggregate.groups[i]->typmod : 0;
            i -= n->u.aggregate.n_groups;
            return i < n->u.aggregate.n_aggs ? n->u.aggregate.aggs[i].typmod : 0;
        case PLAN_LOGICAL_FILTER:
        case PLAN_LOGICAL_ORDER:
        case PLAN_LOGICAL_LIMIT:
        case PLAN_LOGICAL_DISTINCT_ON:
        case PLAN_LOGICAL_WINDOW: /* input columns, then the functions' (no modifier) */
            if (!n->child || i >= n->child->n_cols)
                return 0;
            n = n->child; /* passes its input's columns through */
            break;
        case PLAN_LOGICAL_JOIN: /* left columns, then right ones (SEMI/ANTI/MARK: left) */
            if (!n->child)
                return 0;
            if (i >= n->child->n_cols) {
                if (!n->right || n->u.join.kind == PLAN_JOIN_MARK)
                    return 0;
                i -= n->child->n_cols;
                n = n->right;
            } else {
                n = n->child;
            }
            break;
        default: return 0;
        }
    }
    return 0;
}

static void print_schema(rt_strbuf *sb, const plan_node *node) {
    rt_strbuf_puts(sb, " -> (");
    for (uint32_t i = 0; i < node->n_cols; i++) {
        rt_strbuf_printf(sb, "%s%s ", i ? ", " : "",
                         node->names && node->names[i] ? node->names[i] : "?");
        print_type(sb, node->types[i], opt_column_typmod(node, i));
    }
    rt_strbuf_puts(sb, ")");
}

/* Estimates shown by opt_print_logical_est. */
typedef struct est_opts {
    rt_catalog *cat; /* statistics (NULL: default estimates) */
} est_opts;

static void print_logical_node(rt_strbuf *sb, const plan_node *n, int depth, const est_opts *est);

/* Walk state: prints the plan of every subquery expression found in a node. */
typedef struct subplan_printer {
    rt_strbuf *sb;
    int depth;           /* indentation of the "Subquery(...)" lines */
    const est_opts *est; /* NULL: no estimates */
} subplan_printer;

static bool print_subplan(const plan_expr *e, void *ctx) {
    const subplan_printer *sp = ctx;
    if (e->kind != PLAN_EXPR_SUBQUERY)
        return true;
    for (int i = 0; i < sp->depth; i++)
        rt_strbuf_puts(sp->sb, "  ");
    rt_strbuf_printf(sp->sb, "Subquery(%s%s)\n", plan_subquery_name(e->u.subquery.kind),
                     e->u.subquery.correlated ? ", correlated" : "");
    print_logical_node(sp->sb, e->u.subquery.plan, sp->depth + 1, sp->est);
    return true;
}

/* True for the relational nodes whose estimated rows opt_print_logical_est shows. */
static bool shows_estimate(const plan_node *n) {
    switch (n->kind) {
    case PLAN_LOGICAL_GET:
    case PLAN_LOGICAL_FILTER:
    case PLAN_LOGICAL_JOIN:
    case PLAN_LOGICAL_AGGREGATE:
    case PLAN_LOGICAL_LIMIT: return true;
    default: return false;
    }
}

/* One node per line, inputs indented below it: a binary node's left input, then its
 * right input; subquery plans right below the node whose expressions hold them. */
static void print_logical_node(rt_strbuf *sb, const plan_node *n, int depth, const est_opts *est) {
    for (; n; n = n->child, depth++) {
        for (int i = 0; i < depth; i++)
            rt_strbuf_puts(sb, "  ");
        rt_strbuf_printf(sb, "%s(", plan_logical_name(n->kind));
        print_logical_params(sb, n);
        rt_strbuf_puts(sb, ")");
        if (est && shows_estimate(n))
            rt_strbuf_printf(sb, " ~%.0f rows", opt_est_rows(est->cat, n));
        if (n->n_cols)
            print_schema(sb, n);
        rt_strbuf_puts(sb, "\n");
        subplan_printer sp = {sb, depth + 1, est};
        opt_node_exprs_walk(n, print_subplan, &sp);
        if (n->right) {
            print_logical_node(sb, n->child, depth + 1, est);
            print_logical_node(sb, n->right, depth + 1, est);
            return;
        }
    }
}

char *opt_print_logical(const plan_node *node) {
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    print_logical_node(&sb, node, 0, NULL);
    return rt_strbuf_take(&sb);
}

char *opt_print_logical_est(const plan_node *node, rt_catalog *cat) {
    rt_strbuf sb;
    est_opts est = {cat};
    rt_strbuf_init(&sb);
    print_logical_node(&sb, node, 0, &est);
    return rt_strbuf_take(&sb);
}

/* ---- physical plan ------------------------------------------------------------------ */

static const char *phase_name(plan_agg_phase phase) {
    return phase == PLAN_AGG_PARTIAL ? "PARTIAL" : phase == PLAN_AGG_FINAL ? "FINAL" : "SINGLE";
}

/* Exchange kind in capitals: HASH, GATHER, ... */
static void print_exchange_kind(rt_strbuf *sb, const plan_query *q, uint32_t id) {
    if (id >= q->n_exchanges) {
        rt_strbuf_puts(sb, "?");
        return;
    }
    const plan_exchange *x = &q->exchanges[id];
    for (const char *s = plan_exchange_name(x->kind); *s; s++) {
        char c = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
        rt_strbuf_append(sb, &c, 1);
    }
    for (uint32_t k = 0; k < x->n_keys; k++)
        rt_strbuf_printf(sb, "%s#%u", k ? ", " : " on ", x->key_cols[k]);
}

static void print_scan(rt_strbuf *sb, const plan_op *op) {
    rt_strbuf_printf(sb, "%s:", op->u.scan.table);
    for (uint32_t i = 0; i < op->n_cols; i++) {
        if (op->u.scan.col_names)
            rt_strbuf_printf(sb, "%s %s", i ? "," : "", op->u.scan.col_names[i]);
        else
            rt_strbuf_printf(sb, "%s #%u", i ? "," : "", op->u.scan.col_idx[i]);
    }
    static const char *const cmp_text[] = {
#define PLAN_X_TEXT(name, text) text,
        PLAN_SCAN_CMP_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
    };
    for (uint32_t i = 0; i < op->u.scan.n_filters; i++) {
        const plan_scan_filter *f = &op->u.scan.filters[i];
        rt_strbuf_printf(sb, "%s #%u %s", i ? " AND" : "; filter:", f->column, cmp_text[f->op]);
        if (f->value != NULL) {
            rt_strbuf_append(sb, " ", 1);
            opt_print_expr(sb, f->value);
        }
    }
}

static void print_agg_op(rt_strbuf *sb, const plan_op *op) {
    rt_strbuf_puts(sb, phase_name(op->u.agg.phase));
    if (op->kind == PLAN_PHYS_AGG_SOURCE)
        return;
    rt_strbuf_puts(sb, "; groups: ");
    print_expr_list(sb, op->u.agg.groups, op->u.agg.n_groups);
    rt_strbuf_puts(sb, "; aggs: ");
    print_aggs(sb, op->u.agg.aggs, op->u.agg.n_aggs, op->u.agg.phase == PLAN_AGG_FINAL);
}

/* "INNER; keys: #0 = #1, ...; residual: ..." (probe keys = build keys). */
static void print_join_op(rt_strbuf *sb, const plan_op *op) {
    rt_strbuf_printf(sb, "%s%s, state %u", plan_join_name(op->u.join.kind),
                     op->u.join.filter_build ? " of the build rows" : "", op->state_id);
    if (op->kind == PLAN_PHYS_JOIN_UNMATCHED)
        return;
    for (uint32_t k = 0; k < op->u.join.n_keys; k++) {
        if (op->kind == PLAN_PHYS_HASH_JOIN_PROBE)
            rt_strbuf_printf(sb, "%s#%u = build #%u",
                             k ? ", " : "; keys: ", op->u.join.probe_keys[k],
                             op->u.join.build_keys[k]);
        else
            rt_strbuf_printf(sb, "%s#%u", k ? ", " : "; keys: ", op->u.join.build_keys[k]);
    }
    if (op->u.join.residual) {
        rt_strbuf_puts(sb, "; residual: ");
        opt_print_expr(sb, op->u.join.residual);
    }
}

static void print_phys_params(rt_strbuf *sb, const plan_query *q, const plan_op *op) {
    switch (op->kind) {
    case PLAN_PHYS_SCAN: print_scan(sb, op); break;
    case PLAN_PHYS_VALUES:
        print_rows(sb, op->u.values.rows, op->u.values.n_rows, op->n_cols);
        break;
    case PLAN_PHYS_EXCHANGE_SOURCE:
        rt_strbuf_printf(sb, "ex%u", op->u.exchange_source.exchange_id);
        break;
    case PLAN_PHYS_AGG_SOURCE:
    case PLAN_PHYS_AGG_SINK: print_agg_op(sb, op); break;
    case PLAN_PHYS_SORT_SOURCE:
    case PLAN_PHYS_SORT_SINK:
        print_sort_keys(sb, op->u.sort.keys, op->u.sort.n_keys);
        if (op->u.sort.top_n > 0)
            rt_strbuf_printf(sb, "; top %" PRIu64, op->u.sort.top_n);
        break;
    case PLAN_PHYS_FILTER: opt_print_expr(sb, op->u.filter.pred); break;
    case PLAN_PHYS_PROJECT: print_expr_list(sb, op->u.project.exprs, op->n_cols); break;
    case PLAN_PHYS_LIMIT: print_limit(sb, op->u.limit.limit, op->u.limit.offset); break;
    case PLAN_PHYS_EXCHANGE_SINK:
        rt_strbuf_printf(sb, "ex%u, ", op->u.exchange_sink.exchange_id);
        print_exchange_kind(sb, q, op->u.exchange_sink.exchange_id);
        if (op->u.exchange_sink.keep_open)
            rt_strbuf_puts(sb, ", kept open");
        break;
    case PLAN_PHYS_JOIN_UNMATCHED:
    case PLAN_PHYS_HASH_JOIN_PROBE:
    case PLAN_PHYS_HASH_JOIN_BUILD: print_join_op(sb, op); break;
    case PLAN_PHYS_INSERT_SINK: rt_strbuf_puts(sb, op->u.insert.table); break;
    case PLAN_PHYS_CSV_SCAN: print_csv(sb, op->u.csv_scan.csv); break;
    case PLAN_PHYS_RANGE: print_range(sb, &op->u.range); break;
    case PLAN_PHYS_WINDOW_SOURCE:
    case PLAN_PHYS_WINDOW_SINK:
        print_window_list(sb, op->u.window.funcs, op->u.window.n_funcs);
        break;
    case PLAN_PHYS_REPLICATE: rt_strbuf_puts(sb, "times: last column"); break;
    case PLAN_PHYS_DISTINCT_ON:
        for (uint32_t i = 0; i < op->u.distinct_on.n_keys; i++)
            rt_strbuf_printf(sb, "%s#%u", i ? ", " : "", op->u.distinct_on.cols[i]);
        break;
    case PLAN_PHYS_RESULT_SINK:
        for (uint32_t i = 0; i < op->n_cols; i++)
            rt_strbuf_printf(sb, "%s%s", i ? ", " : "",
                             op->u.result.names && op->u.result.names[i] ? op->u.result.names[i]
                                                                         : "?");
        break;
    }
}

/* Pipeline number `idx` of stage `stage`, with notes (may be NULL). */
static void print_pipeline(rt_strbuf *sb, const plan_query *q, const plan_pipeline *p,
                           uint32_t stage, uint32_t idx, const opt_print_notes *notes) {
    rt_strbuf_printf(sb, "  p%u%s: ", p->id, p->ordered ? " (ordered)" : "");
    for (uint32_t i = 0; i < p->n_ops; i++) {
        const plan_op *op = p->ops[i];
        rt_strbuf_printf(sb, "%s%s(", i ? " -> " : "", plan_phys_name(op->kind));
        print_phys_params(sb, q, op);
        rt_strbuf_puts(sb, ")");
        if (notes && notes->op)
            notes->op(notes->ctx, sb, stage, idx, i);
    }
    rt_strbuf_puts(sb, "\n");
    if (notes && notes->pipeline)
        notes->pipeline(notes->ctx, sb, stage, idx);
}

static void print_exchanges(rt_strbuf *sb, const plan_query *q) {
    if (q->n_exchanges)
        rt_strbuf_puts(sb, "exchanges:\n");
    for (uint32_t i = 0; i < q->n_exchanges; i++) {
        const plan_exchange *x = &q->exchanges[i];
        rt_strbuf_printf(sb, "  ex%u: ", x->id);
        print_exchange_kind(sb, q, i);
        rt_strbuf_printf(sb, ", stage %u -> stage %u, (", x->producer_stage, x->consumer_stage);
        for (uint32_t c = 0; c < x->n_cols; c++)
            rt_strbuf_printf(sb, "%s%s", c ? ", " : "", type_name(x->types[c]));
        rt_strbuf_puts(sb, ")\n");
    }
}

char *opt_print_physical(const plan_query *q) { return opt_print_physical_notes(q, NULL); }

char *opt_print_physical_notes(const plan_query *q, const opt_print_notes *notes) {
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    for (uint32_t s = 0; q && s < q->n_stages; s++) {
        const plan_stage *st = q->stages[s];
        rt_strbuf_printf(&sb, "stage %u %s", st->id,
                         st->dist == PLAN_DIST_SINGLE ? "SINGLE" : "PARTITIONED");
        if (notes && notes->stage)
            notes->stage(notes->ctx, &sb, s);
        rt_strbuf_puts(&sb, "\n");
        for (uint32_t p = 0; p < st->n_pipelines; p++)
            print_pipeline(&sb, q, st->pipelines[p], s, p, notes);
    }
    if (q)
        print_exchanges(&sb, q);
    if (q && notes && notes->end)
        notes->end(notes->ctx, &sb);
    return rt_strbuf_take(&sb);
}

/* ---- JSON rendering of the physical plan (EXPLAIN (FORMAT JSON)): one line ----------- */

void opt_print_json_string(rt_strbuf *sb, const char *s) {
    rt_strbuf_puts(sb, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rt_strbuf_printf(sb, "\\%c", c);
        else if (c < 0x20)
            rt_strbuf_printf(sb, "\\u%04x", c);
        else
            rt_strbuf_append(sb, s, 1);
    }
    rt_strbuf_puts(sb, "\"");
}

/* Where a JSON object of the plan is (for its notes). */
typedef struct json_at {
    const opt_print_notes *notes; /* may be NULL */
    uint32_t stage, pipeline;     /* indexes in q->stages, stage->pipelines */
} json_at;

/* {"operator": "Scan", "detail": "t: a, b"}: the detail is the text form's argument. */
static void json_op(rt_strbuf *sb, const plan_query *q, const plan_op *op, const json_at *at,
                    uint32_t idx) {
    rt_strbuf detail;
    rt_strbuf_init(&detail);
    print_phys_params(&detail, q, op);
    rt_strbuf_puts(sb, "{\"operator\": ");
    opt_print_json_string(sb, plan_phys_name(op->kind));
    rt_strbuf_puts(sb, ", \"detail\": ");
    opt_print_json_string(sb, detail.oom || !detail.data ? "" : detail.data);
    if (at->notes && at->notes->op)
        at->notes->op(at->notes->ctx, sb, at->stage, at->pipeline, idx);
    rt_strbuf_puts(sb, "}");
    if (detail.oom)
        sb->oom = true;
    rt_strbuf_free(&detail);
}

static void json_pipeline(rt_strbuf *sb, const plan_query *q, const plan_pipeline *p,
                          const json_at *at) {
    rt_strbuf_printf(sb, "{\"id\": %u, \"ordered\": %s, \"operators\": [", p->id,
                     p->ordered ? "true" : "false");
    for (uint32_t i = 0; i < p->n_ops; i++) {
        rt_strbuf_puts(sb, i ? ", " : "");
        json_op(sb, q, p->ops[i], at, i);
    }
    rt_strbuf_puts(sb, "]");
    if (at->notes && at->notes->pipeline)
        at->notes->pipeline(at->notes->ctx, sb, at->stage, at->pipeline);
    rt_strbuf_puts(sb, "}");
}

static void json_exchange(rt_strbuf *sb, const plan_query *q, const plan_exchange *x) {
    rt_strbuf_printf(sb, "{\"id\": %u, \"kind\": ", x->id);
    opt_print_json_string(sb, plan_exchange_name(x->kind));
    rt_strbuf_puts(sb, ", \"keys\": [");
    for (uint32_t k = 0; k < x->n_keys; k++)
        rt_strbuf_printf(sb, "%s%u", k ? ", " : "", x->key_cols[k]);
    rt_strbuf_printf(sb, "], \"producer_stage\": %u, \"consumer_stage\": %u, \"types\": [",
                     x->producer_stage, x->consumer_stage);
    for (uint32_t c = 0; c < x->n_cols; c++) {
        rt_strbuf_puts(sb, c ? ", " : "");
        opt_print_json_string(sb, type_name(x->types[c]));
    }
    rt_strbuf_puts(sb, "]}");
}

char *opt_print_physical_json(const plan_query *q) {
    return opt_print_physical_json_notes(q, NULL);
}

char *opt_print_physical_json_notes(const plan_query *q, const opt_print_notes *notes) {
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    rt_strbuf_puts(&sb, "{\"stages\": [");
    for (uint32_t s = 0; s < q->n_stages; s++) {
        const plan_stage *st = q->stages[s];
        rt_strbuf_printf(&sb, "%s{\"id\": %u, \"distribution\": \"%s\"", s ? ", " : "", st->id,
                         st->dist == PLAN_DIST_SINGLE ? "SINGLE" : "PARTITIONED");
        if (notes && notes->stage)
            notes->stage(notes->ctx, &sb, s);
        rt_strbuf_puts(&sb, ", \"pipelines\": [");
        for (uint32_t p = 0; p < st->n_pipelines; p++) {
            rt_strbuf_puts(&sb, p ? ", " : "");
            json_at at = {notes, s, p};
            json_pipeline(&sb, q, st->pipelines[p], &at);
        }
        rt_strbuf_puts(&sb, "]}");
    }
    rt_strbuf_puts(&sb, "], \"exchanges\": [");
    for (uint32_t i = 0; i < q->n_exchanges; i++) {
        rt_strbuf_puts(&sb, i ? ", " : "");
        json_exchange(&sb, q, &q->exchanges[i]);
    }
    rt_strbuf_puts(&sb, "]");
    if (notes && notes->end)
        notes->end(notes->ctx, &sb);
    rt_strbuf_puts(&sb, "}");
    return rt_strbuf_take(&sb);
}
