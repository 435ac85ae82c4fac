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

/* ---- expressions -------------------------------------------------------------------- */

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
    bool parens = e && e->kind == PLAN_EXPR_OP;
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

void opt_print_expr(rt_strbuf *sb, const plan_expr *e) {
    if (!e) {
        rt_strbuf_puts(sb, "?");
        return;
    }
    switch (e->kind) {
    case PLAN_EXPR_CONST: print_value(sb, &e->u.value); break;
    case PLAN_EXPR_COLUMN: rt_strbuf_printf(sb, "#%u", e->u.column); break;
    case PLAN_EXPR_OP: print_op(sb, e); break;
    case PLAN_EXPR_CAST:
        rt_strbuf_puts(sb, "CAST(");
        opt_print_expr(sb, e->u.cast);
        rt_strbuf_printf(sb, " AS %s)", type_name(e->type));
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
        }
        rt_strbuf_puts(sb, ")");
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
        break;
    case PLAN_LOGICAL_ORDER: print_sort_keys(sb, n->u.order.keys, n->u.order.n_keys); break;
    case PLAN_LOGICAL_LIMIT: print_limit(sb, n->u.limit.limit, n->u.limit.offset); break;
    case PLAN_LOGICAL_INSERT: rt_strbuf_puts(sb, n->u.insert.table); break;
    case PLAN_LOGICAL_CREATE_TABLE:
        rt_strbuf_printf(sb, "%s%s:", n->u.create_table.table,
                         n->u.create_table.if_not_exists ? " IF NOT EXISTS" : "");
        for (uint32_t i = 0; i < n->u.create_table.n_cols; i++)
            rt_strbuf_printf(sb, "%s %s %s", i ? "," : "", n->u.create_table.col_names[i],
                             type_name(n->u.create_table.col_types[i]));
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
    case PLAN_LOGICAL_EXPLAIN: rt_strbuf_puts(sb, n->u.explain.analyze ? "analyze" : "plan"); break;
    }
}

static void print_schema(rt_strbuf *sb, uint32_t n, const qe_type *types, char *const *names) {
    rt_strbuf_puts(sb, " -> (");
    for (uint32_t i = 0; i < n; i++)
        rt_strbuf_printf(sb, "%s%s %s", i ? ", " : "", names && names[i] ? names[i] : "?",
                         type_name(types[i]));
    rt_strbuf_puts(sb, ")");
}

static void print_logical_node(rt_strbuf *sb, const plan_node *n, int depth) {
    for (; n; n = n->child, depth++) {
        for (int i = 0; i < depth; i++)
            rt_strbuf_puts(sb, "  ");
        rt_strbuf_printf(sb, "%s(", plan_logical_name(n->kind));
        print_logical_params(sb, n);
        rt_strbuf_puts(sb, ")");
        if (n->n_cols)
            print_schema(sb, n->n_cols, n->types, n->names);
        rt_strbuf_puts(sb, "\n");
    }
}

char *opt_print_logical(const plan_node *node) {
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    print_logical_node(&sb, node, 0);
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
    case PLAN_PHYS_SORT_SINK: print_sort_keys(sb, op->u.sort.keys, op->u.sort.n_keys); break;
    case PLAN_PHYS_FILTER: opt_print_expr(sb, op->u.filter.pred); break;
    case PLAN_PHYS_PROJECT: print_expr_list(sb, op->u.project.exprs, op->n_cols); break;
    case PLAN_PHYS_LIMIT: print_limit(sb, op->u.limit.limit, op->u.limit.offset); break;
    case PLAN_PHYS_EXCHANGE_SINK:
        rt_strbuf_printf(sb, "ex%u, ", op->u.exchange_sink.exchange_id);
        print_exchange_kind(sb, q, op->u.exchange_sink.exchange_id);
        break;
    case PLAN_PHYS_INSERT_SINK: rt_strbuf_puts(sb, op->u.insert.table); break;
    case PLAN_PHYS_RESULT_SINK:
        for (uint32_t i = 0; i < op->n_cols; i++)
            rt_strbuf_printf(sb, "%s%s", i ? ", " : "",
                             op->u.result.names && op->u.result.names[i] ? op->u.result.names[i]
                                                                         : "?");
        break;
    }
}

static void print_pipeline(rt_strbuf *sb, const plan_query *q, const plan_pipeline *p) {
    rt_strbuf_printf(sb, "  p%u%s: ", p->id, p->ordered ? " (ordered)" : "");
    for (uint32_t i = 0; i < p->n_ops; i++) {
        const plan_op *op = p->ops[i];
        rt_strbuf_printf(sb, "%s%s(", i ? " -> " : "", plan_phys_name(op->kind));
        print_phys_params(sb, q, op);
        rt_strbuf_puts(sb, ")");
    }
    rt_strbuf_puts(sb, "\n");
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

char *opt_print_physical(const plan_query *q) {
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    for (uint32_t s = 0; q && s < q->n_stages; s++) {
        const plan_stage *st = q->stages[s];
        rt_strbuf_printf(&sb, "stage %u %s\n", st->id,
                         st->dist == PLAN_DIST_SINGLE ? "SINGLE" : "PARTITIONED");
        for (uint32_t p = 0; p < st->n_pipelines; p++)
            print_pipeline(&sb, q, st->pipelines[p]);
    }
    if (q)
        print_exchanges(&sb, q);
    return rt_strbuf_take(&sb);
}
