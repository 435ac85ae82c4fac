/*
 * ast_print.c -- renders an AST as an indented tree (qec --emit=ast).
 *
 * One line per node: its kind and attributes; children follow, indented by two
 * spaces, lists under a "label:" line.  The text is stable: tests compare it.
 */
#include "fe_int.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const ast_names[] = {
#define FE_X_TEXT(name, text) text,
    FE_AST_LIST(FE_X_TEXT)
#undef FE_X_TEXT
};
static const char *const lit_names[] = {
#define FE_X_TEXT(name, text) text,
    FE_LIT_LIST(FE_X_TEXT)
#undef FE_X_TEXT
};
static const char *const setop_names[] = {
#define FE_X_TEXT(name, text) text,
    FE_SETOP_LIST(FE_X_TEXT)
#undef FE_X_TEXT
};
static const char *const join_names[] = {
#define FE_X_TEXT(name, text) text,
    FE_JOIN_LIST(FE_X_TEXT)
#undef FE_X_TEXT
};
static const char *const subq_names[] = {
#define FE_X_TEXT(name, text) text,
    FE_SUBQ_LIST(FE_X_TEXT)
#undef FE_X_TEXT
};
static const char *const is_names[] = {
#define FE_X_TEXT(name, text) text,
    FE_IS_LIST(FE_X_TEXT)
#undef FE_X_TEXT
};

const char *fe_ast_kind_name(fe_ast_kind kind) { return ast_names[kind]; }
const char *fe_lit_name(fe_lit_kind kind) { return lit_names[kind]; }

static void print_node(rt_strbuf *sb, const fe_ast *n, int depth);

static void indent(rt_strbuf *sb, int depth) {
    for (int i = 0; i < depth; i++)
        rt_strbuf_puts(sb, "  ");
}

/* "label:" then each item one level deeper; nothing for an empty list. */
static void print_list(rt_strbuf *sb, const char *label, const fe_list *l, int depth) {
    if (l->n == 0)
        return;
    indent(sb, depth);
    rt_strbuf_printf(sb, "%s:\n", label);
    for (uint32_t i = 0; i < l->n; i++)
        print_node(sb, l->items[i], depth + 1);
}

/* "label:" then the child one level deeper; nothing for NULL. */
static void print_child(rt_strbuf *sb, const char *label, const fe_ast *n, int depth) {
    if (!n)
        return;
    indent(sb, depth);
    rt_strbuf_printf(sb, "%s:\n", label);
    print_node(sb, n, depth + 1);
}

static void print_select(rt_strbuf *sb, const fe_ast *n, int depth) {
    rt_strbuf_puts(sb, n->u.select.distinct ? " DISTINCT\n" : "\n");
    print_list(sb, "with", &n->u.select.with, depth + 1);
    print_list(sb, "distinct on", &n->u.select.distinct_on, depth + 1);
    print_list(sb, "items", &n->u.select.items, depth + 1);
    print_child(sb, "from", n->u.select.from, depth + 1);
    print_child(sb, "where", n->u.select.where, depth + 1);
    print_list(sb, "group by", &n->u.select.group_by, depth + 1);
    print_child(sb, "having", n->u.select.having, depth + 1);
    print_list(sb, "window", &n->u.select.windows, depth + 1);
    print_child(sb, "qualify", n->u.select.qualify, depth + 1);
    print_list(sb, "order by", &n->u.select.order_by, depth + 1);
    print_child(sb, "limit", n->u.select.limit, depth + 1);
    print_child(sb, "offset", n->u.select.offset, depth + 1);
}

static void print_setop(rt_strbuf *sb, const fe_ast *n, int depth) {
    rt_strbuf_printf(sb, " %s%s\n", setop_names[n->u.setop.op], n->u.setop.all ? " ALL" : "");
    print_list(sb, "with", &n->u.setop.with, depth + 1);
    print_child(sb, "left", n->u.setop.left, depth + 1);
    print_child(sb, "right", n->u.setop.right, depth + 1);
    print_list(sb, "order by", &n->u.setop.order_by, depth + 1);
    print_child(sb, "limit", n->u.setop.limit, depth + 1);
    print_child(sb, "offset", n->u.setop.offset, depth + 1);
}

static void print_values(rt_strbuf *sb, const fe_ast *n, int depth) {
    rt_strbuf_printf(sb, " (%u rows)\n", n->u.values.n_rows);
    for (uint32_t r = 0; r < n->u.values.n_rows; r++) {
        char label[32];
        snprintf(label, sizeof label, "row %u", r);
        print_list(sb, label, &n->u.values.rows[r], depth + 1);
    }
}

static void print_statement(rt_strbuf *sb, const fe_ast *n, int depth) {
    switch (n->kind) {
    case FE_AST_INSERT:
        rt_strbuf_printf(sb, " %s\n", n->u.insert.table);
        print_list(sb, "columns", &n->u.insert.columns, depth + 1);
        print_child(sb, "source", n->u.insert.source, depth + 1);
        break;
    case FE_AST_CREATE_TABLE:
        rt_strbuf_printf(sb, " %s%s\n", n->u.create_table.table,
                         n->u.create_table.if_not_exists ? " IF NOT EXISTS" : "");
        print_list(sb, "columns", &n->u.create_table.columns, depth + 1);
        break;
    case FE_AST_DROP_TABLE:
        rt_strbuf_printf(sb, " %s%s\n", n->u.drop_table.table,
                         n->u.drop_table.if_exists ? " IF EXISTS" : "");
        break;
    case FE_AST_SET:
        if (n->u.set.value)
            rt_strbuf_printf(sb, " %s = '%s'\n", n->u.set.name, n->u.set.value);
        else
            rt_strbuf_printf(sb, " %s RESET\n", n->u.set.name);
        break;
    case FE_AST_EXPLAIN:
        rt_strbuf_puts(sb, n->u.explain.analyze ? " ANALYZE\n" : "\n");
        print_node(sb, n->u.explain.stmt, depth + 1);
        break;
    default: break;
    }
}

static void print_from(rt_strbuf *sb, const fe_ast *n, int depth) {
    switch (n->kind) {
    case FE_AST_TABLE_REF:
        rt_strbuf_printf(sb, " %s", n->u.table_ref.name);
        if (n->u.table_ref.func)
            rt_strbuf_puts(sb, "()");
        if (n->u.table_ref.alias)
            rt_strbuf_printf(sb, " AS %s", n->u.table_ref.alias);
        rt_strbuf_puts(sb, "\n");
        print_child(sb, "call", n->u.table_ref.func, depth + 1);
        break;
    case FE_AST_JOIN:
        rt_strbuf_printf(sb, " %s%s\n", n->u.join.natural ? "NATURAL " : "",
                         join_names[n->u.join.kind]);
        print_child(sb, "left", n->u.join.left, depth + 1);
        print_child(sb, "right", n->u.join.right, depth + 1);
        print_child(sb, "on", n->u.join.on, depth + 1);
        print_list(sb, "using", &n->u.join.using_cols, depth + 1);
        break;
    case FE_AST_SUBQUERY_REF:
        rt_strbuf_printf(sb, " AS %s\n", n->u.subquery_ref.alias ? n->u.subquery_ref.alias : "?");
        print_node(sb, n->u.subquery_ref.query, depth + 1);
        break;
    default: break;
    }
}

static void print_part(rt_strbuf *sb, const fe_ast *n, int depth) {
    switch (n->kind) {
    case FE_AST_SELECT_ITEM:
        rt_strbuf_printf(sb, " %s\n", n->u.select_item.name ? n->u.select_item.name : "*");
        print_node(sb, n->u.select_item.expr, depth + 1);
        break;
    case FE_AST_SORT_ITEM:
        rt_strbuf_printf(sb, " %s%s\n", n->u.sort_item.descending ? "DESC" : "ASC",
                         !n->u.sort_item.nulls_given  ? ""
                         : n->u.sort_item.nulls_first ? " NULLS FIRST"
                                                      : " NULLS LAST");
        print_node(sb, n->u.sort_item.expr, depth + 1);
        break;
    case FE_AST_COLUMN_DEF:
        rt_strbuf_printf(sb, " %s\n", n->u.column_def.name);
        print_node(sb, n->u.column_def.type, depth + 1);
        break;
    case FE_AST_TYPE_NAME:
        rt_strbuf_printf(sb, " %s", n->u.type_name.name);
        for (uint32_t i = 0; i < n->u.type_name.n_params; i++)
            rt_strbuf_printf(sb, "%s%lld", i ? ", " : "(", (long long)n->u.type_name.params[i]);
        if (n->u.type_name.n_params)
            rt_strbuf_puts(sb, ")");
        for (uint32_t bit = 0; bit < 6; bit++) { /* INTERVAL fields: first [TO last] */
            static const char *const fields[] = {"YEAR", "MONTH",  "DAY",
                                                 "HOUR", "MINUTE", "SECOND"};
            if (n->u.type_name.interval_fields & (1u << bit))
                rt_strbuf_printf(sb, " %s", fields[bit]);
        }
        rt_strbuf_puts(sb, "\n");
        break;
    case FE_AST_CTE:
        rt_strbuf_printf(sb, " %s\n", n->u.cte.name);
        print_node(sb, n->u.cte.query, depth + 1);
        break;
    default: break;
    }
}

static void print_literal(rt_strbuf *sb, const fe_ast *n) {
    rt_strbuf_printf(sb, " %s", lit_names[n->u.literal.kind]);
    if (n->u.literal.kind == FE_LIT_STRING) {
        rt_strbuf_puts(sb, " '");
        for (uint32_t i = 0; i < n->u.literal.len; i++) {
            char c = n->u.literal.text[i];
            rt_strbuf_append(sb, c == '\'' ? "''" : &c, c == '\'' ? 2 : 1);
        }
        rt_strbuf_puts(sb, "'");
    } else if (n->u.literal.text) {
        rt_strbuf_printf(sb, " %s", n->u.literal.text);
    }
    rt_strbuf_puts(sb, "\n");
}

static void print_operator_expr(rt_strbuf *sb, const fe_ast *n, int depth) {
    switch (n->kind) {
    case FE_AST_UNARY:
        rt_strbuf_printf(sb, " %s\n",
                         n->u.unary.op == PLAN_OP_ADD ? "+" : plan_op_sql(n->u.unary.op));
        print_node(sb, n->u.unary.arg, depth + 1);
        break;
    case FE_AST_BINARY:
        rt_strbuf_printf(sb, " %s\n", plan_op_sql(n->u.binary.op));
        print_node(sb, n->u.binary.left, depth + 1);
        print_node(sb, n->u.binary.right, depth + 1);
        break;
    case FE_AST_IS:
        rt_strbuf_printf(sb, " %s%s\n", n->u.is.negated ? "NOT " : "", is_names[n->u.is.test]);
        print_node(sb, n->u.is.arg, depth + 1);
        break;
    case FE_AST_BETWEEN:
        rt_strbuf_puts(sb, n->u.between.negated ? " NOT\n" : "\n");
        print_node(sb, n->u.between.arg, depth + 1);
        print_node(sb, n->u.between.low, depth + 1);
        print_node(sb, n->u.between.high, depth + 1);
        break;
    case FE_AST_IN_LIST:
        rt_strbuf_puts(sb, n->u.in_list.negated ? " NOT\n" : "\n");
        print_node(sb, n->u.in_list.arg, depth + 1);
        print_list(sb, "list", &n->u.in_list.list, depth + 1);
        break;
    case FE_AST_LIKE:
        rt_strbuf_printf(sb, "%s%s\n", n->u.like.negated ? " NOT" : "",
                         n->u.like.case_insensitive ? " ILIKE" : " LIKE");
        print_node(sb, n->u.like.arg, depth + 1);
        print_node(sb, n->u.like.pattern, depth + 1);
        print_child(sb, "escape", n->u.like.escape, depth + 1);
        break;
    default: break;
    }
}

static void print_other_expr(rt_strbuf *sb, const fe_ast *n, int depth) {
    switch (n->kind) {
    case FE_AST_LITERAL: print_literal(sb, n); break;
    case FE_AST_COLUMN_REF:
        if (n->u.column_ref.qualifier)
            rt_strbuf_printf(sb, " %s.%s\n", n->u.column_ref.qualifier, n->u.column_ref.name);
        else
            rt_strbuf_printf(sb, " %s\n", n->u.column_ref.name);
        break;
    case FE_AST_STAR:
        rt_strbuf_printf(sb, " %s%s*\n", n->u.star.qualifier ? n->u.star.qualifier : "",
                         n->u.star.qualifier ? "." : "");
        break;
    case FE_AST_FUNC:
        rt_strbuf_printf(sb, " %s%s%s\n", n->u.func.name, n->u.func.distinct ? " DISTINCT" : "",
                         n->u.func.star ? " *" : "");
        print_list(sb, "args", &n->u.func.args, depth + 1);
        print_child(sb, "filter", n->u.func.filter, depth + 1);
        print_child(sb, "over", n->u.func.over, depth + 1);
        break;
    case FE_AST_CAST:
        rt_strbuf_puts(sb, "\n");
        print_node(sb, n->u.cast.arg, depth + 1);
        print_node(sb, n->u.cast.type, depth + 1);
        break;
    case FE_AST_CASE:
        rt_strbuf_puts(sb, "\n");
        print_child(sb, "operand", n->u.case_.operand, depth + 1);
        print_list(sb, "when", &n->u.case_.conds, depth + 1);
        print_list(sb, "then", &n->u.case_.results, depth + 1);
        print_child(sb, "else", n->u.case_.else_expr, depth + 1);
        break;
    case FE_AST_SUBQUERY:
        rt_strbuf_printf(sb, " %s%s\n", n->u.subquery.negated ? "NOT " : "",
                         subq_names[n->u.subquery.kind]);
        print_child(sb, "arg", n->u.subquery.arg, depth + 1);
        print_node(sb, n->u.subquery.query, depth + 1);
        break;
    default: rt_strbuf_puts(sb, "\n"); break;
    }
}

/* Window specifications, grouping sets and the statements of parse_stmt.c. */
static void print_relational(rt_strbuf *sb, const fe_ast *n, int depth) {
    switch (n->kind) {
    case FE_AST_WINDOW_SPEC:
        rt_strbuf_printf(sb, "%s%s%s%s\n", n->u.window_spec.name ? " " : "",
                         n->u.window_spec.name ? n->u.window_spec.name : "",
                         n->u.window_spec.ref ? " base " : "",
                         n->u.window_spec.ref ? n->u.window_spec.ref : "");
        print_list(sb, "partition by", &n->u.window_spec.partition, depth + 1);
        print_list(sb, "order by", &n->u.window_spec.order, depth + 1);
        if (n->u.window_spec.has_frame) {
            indent(sb, depth + 1);
            rt_strbuf_printf(sb, "frame: %s %s .. %s\n", n->u.window_spec.rows ? "ROWS" : "RANGE",
                             plan_frame_bound_name(n->u.window_spec.start),
                             plan_frame_bound_name(n->u.window_spec.end));
            print_child(sb, "start", n->u.window_spec.start_offset, depth + 1);
            print_child(sb, "end", n->u.window_spec.end_offset, depth + 1);
        }
        break;
    case FE_AST_GROUPING_SET:
        rt_strbuf_printf(sb, " %s\n",
                         n->u.grouping_set.kind == FE_GSET_ROLLUP ? "ROLLUP"
                         : n->u.grouping_set.kind == FE_GSET_CUBE ? "CUBE"
                         : n->u.grouping_set.kind == FE_GSET_SETS ? "GROUPING SETS"
                         : n->u.grouping_set.items.n              ? "list"
                                                                  : "()");
        print_list(sb, "items", &n->u.grouping_set.items, depth + 1);
        break;
    case FE_AST_CREATE_VIEW:
        rt_strbuf_printf(sb, " %s%s\n", n->u.create_view.or_replace ? "OR REPLACE " : "",
                         n->u.create_view.name);
        print_list(sb, "columns", &n->u.create_view.col_names, depth + 1);
        print_node(sb, n->u.create_view.query, depth + 1);
        break;
    case FE_AST_DELETE:
    case FE_AST_UPDATE:
        rt_strbuf_printf(sb, " %s\n", n->u.dml.table);
        print_list(sb, "set", &n->u.dml.set_cols, depth + 1);
        print_list(sb, "values", &n->u.dml.set_exprs, depth + 1);
        print_child(sb, "where", n->u.dml.where, depth + 1);
        break;
    case FE_AST_COPY:
        rt_strbuf_printf(sb, " %s %s '%s'\n", n->u.copy.table ? n->u.copy.table : "(query)",
                         n->u.copy.to ? "TO" : "FROM", n->u.copy.path);
        print_child(sb, "query", n->u.copy.query, depth + 1);
        break;
    case FE_AST_SHOW: rt_strbuf_printf(sb, " %s\n", n->u.show.name); break;
    case FE_AST_TRANSACTION:
        rt_strbuf_printf(sb, " %s\n", plan_txn_name(n->u.transaction.kind));
        break;
    case FE_AST_CALL:
        rt_strbuf_puts(sb, "\n");
        print_node(sb, n->u.call.func, depth + 1);
        break;
    default: rt_strbuf_puts(sb, "\n"); break;
    }
}

static void print_node(rt_strbuf *sb, const fe_ast *n, int depth) {
    indent(sb, depth);
    rt_strbuf_puts(sb, ast_names[n->kind]);
    switch (n->kind) {
    case FE_AST_SELECT: print_select(sb, n, depth); break;
    case FE_AST_SETOP: print_setop(sb, n, depth); break;
    case FE_AST_VALUES: print_values(sb, n, depth); break;
    case FE_AST_INSERT:
    case FE_AST_CREATE_TABLE:
    case FE_AST_DROP_TABLE:
    case FE_AST_SET:
    case FE_AST_EXPLAIN: print_statement(sb, n, depth); break;
    case FE_AST_TABLE_REF:
    case FE_AST_JOIN:
    case FE_AST_SUBQUERY_REF: print_from(sb, n, depth); break;
    case FE_AST_SELECT_ITEM:
    case FE_AST_SORT_ITEM:
    case FE_AST_COLUMN_DEF:
    case FE_AST_TYPE_NAME:
    case FE_AST_CTE: print_part(sb, n, depth); break;
    case FE_AST_UNARY:
    case FE_AST_BINARY:
    case FE_AST_IS:
    case FE_AST_BETWEEN:
    case FE_AST_IN_LIST:
    case FE_AST_LIKE: print_operator_expr(sb, n, depth); break;
    case FE_AST_WINDOW_SPEC:
    case FE_AST_GROUPING_SET:
    case FE_AST_CREATE_VIEW:
    case FE_AST_DELETE:
    case FE_AST_UPDATE:
    case FE_AST_COPY:
    case FE_AST_SHOW:
    case FE_AST_TRANSACTION:
    case FE_AST_CALL: print_relational(sb, n, depth); break;
    default: print_other_expr(sb, n, depth); break;
    }
}

char *fe_ast_print(const fe_ast *ast) {
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    if (ast)
        print_node(&sb, ast, 0);
    else
        rt_strbuf_puts(&sb, "");
    return rt_strbuf_take(&sb);
}
