/*
 * parse_stmt.c -- statements beyond queries, INSERT and tables: CREATE VIEW, DELETE,
 * UPDATE, COPY, SHOW, transaction control and CALL.
 *
 * Same conventions as parser.c: sticky errors, AST in the parse arena, positions of
 * the offending tokens.  These statements are words that stay usable as names
 * (`delete`, `copy`, `begin` are not reserved), so the dispatcher recognizes them by
 * spelling before falling back to "not supported yet".
 */
#include "fe_int.h"

#include <string.h>

/* ---- CREATE VIEW -------------------------------------------------------------------- */

fe_ast *fe_parse_create_view(fe_parser *p, int start) {
    fe_ast *n = fe_node(p, FE_AST_CREATE_VIEW, start);
    if (!n)
        return NULL;
    if (fe_at_word(p, 0, "or")) {
        fe_advance(p); /* OR */
        fe_advance(p); /* REPLACE */
        n->u.create_view.or_replace = true;
    }
    fe_advance(p); /* VIEW */
    if (!(n->u.create_view.name = fe_parse_name(p, &n->u.create_view.name_pos)))
        return NULL;
    if (fe_peek(p, 0)->kind == FE_TOK_DOT)
        return fe_unsupported(p, n->u.create_view.name_pos,
                              "schema-qualified names are not supported yet");
    if (fe_peek(p, 0)->kind == FE_TOK_LPAREN && !fe_parse_name_list(p, &n->u.create_view.col_names))
        return NULL;
    if (!fe_expect_kw(p, FE_KW_AS))
        return NULL;
    int qstart = fe_peek(p, 0)->start;
    if (!(n->u.create_view.query = fe_parse_query(p)))
        return NULL;
    n->u.create_view.sql =
        rt_arena_strndup(p->arena, p->sql + qstart, (size_t)(p->prev_end - qstart));
    if (!n->u.create_view.sql)
        return fe_oom(p);
    n->end = p->prev_end;
    return n;
}

/* ---- DELETE / UPDATE ---------------------------------------------------------------- */

/* table [[AS] alias] of DELETE/UPDATE. */
static bool parse_dml_target(fe_parser *p, fe_ast *n) {
    if (!(n->u.dml.table = fe_parse_name(p, &n->u.dml.table_pos)))
        return false;
    if (fe_peek(p, 0)->kind == FE_TOK_DOT) {
        fe_unsupported(p, n->u.dml.table_pos, "schema-qualified names are not supported yet");
        return false;
    }
    if (fe_accept_kw(p, FE_KW_AS))
        return (n->u.dml.alias = fe_parse_name(p, NULL)) != NULL;
    if (fe_token_is_name(fe_peek(p, 0)) && !fe_at_kw(p, FE_KW_SET))
        return (n->u.dml.alias = fe_parse_name(p, NULL)) != NULL;
    return true;
}

/* [WHERE cond] [RETURNING ...] */
static fe_ast *parse_dml_tail(fe_parser *p, fe_ast *n) {
    if (fe_at_kw(p, FE_KW_FROM) || fe_at_kw(p, FE_KW_USING))
        return fe_unsupported(p, fe_peek(p, 0)->start,
                              "joins in UPDATE and DELETE are not supported yet");
    if (fe_accept_kw(p, FE_KW_WHERE) && !(n->u.dml.where = fe_parse_expr(p)))
        return NULL;
    if (fe_at_kw(p, FE_KW_RETURNING))
        return fe_unsupported(p, fe_peek(p, 0)->start, "RETURNING is not supported yet");
    n->end = p->prev_end;
    return n;
}

static fe_ast *parse_delete(fe_parser *p) {
    fe_token kw = fe_advance(p); /* DELETE */
    fe_ast *n = fe_node(p, FE_AST_DELETE, kw.start);
    if (!n || !fe_expect_kw(p, FE_KW_FROM) || !parse_dml_target(p, n))
        return NULL;
    return parse_dml_tail(p, n);
}

/* SET col = expr {, col = expr} */
static bool parse_assignments(fe_parser *p, fe_ast *n) {
    fe_list_builder cols = {0}, exprs = {0};
    do {
        int pos;
        char *name = fe_parse_name(p, &pos);
        fe_ast *c = name ? fe_node(p, FE_AST_COLUMN_REF, pos) : NULL;
        if (!c)
            return false;
        c->u.column_ref.name = name;
        if (fe_peek(p, 0)->kind == FE_TOK_DOT) {
            fe_unsupported(p, fe_peek(p, 0)->start,
                           "qualified UPDATE target columns are not supported yet");
            return false;
        }
        if (!fe_list_push(p, &cols, c) || !fe_expect(p, FE_TOK_EQ) ||
            !fe_list_push(p, &exprs, fe_parse_expr(p)))
            return false;
    } while (fe_accept(p, FE_TOK_COMMA));
    n->u.dml.set_cols = cols.list;
    n->u.dml.set_exprs = exprs.list;
    return true;
}

static fe_ast *parse_update(fe_parser *p) {
    fe_token kw = fe_advance(p); /* UPDATE */
    fe_ast *n = fe_node(p, FE_AST_UPDATE, kw.start);
    if (!n || !parse_dml_target(p, n) || !fe_expect_kw(p, FE_KW_SET) || !parse_assignments(p, n))
        return NULL;
    return parse_dml_tail(p, n);
}

/* ---- COPY --------------------------------------------------------------------------- */

/* An option value: string, number, word, or nothing before ',' / ')'. */
static bool parse_option_value(fe_parser *p, char **value) {
    const fe_token *t = fe_peek(p, 0);
    *value = NULL;
    if (t->kind == FE_TOK_COMMA || t->kind == FE_TOK_RPAREN)
        return true;
    if (t->kind == FE_TOK_STRING || t->kind == FE_TOK_INTEGER || t->kind == FE_TOK_DECIMAL) {
        fe_ast *e = fe_parse_expr(p);
        if (!e)
            return false;
        if (e->kind != FE_AST_LITERAL)
            return fe_syntax_error(p, t), false;
        *value = e->u.literal.text;
        return true;
    }
    if (t->kind == FE_TOK_IDENT || t->kind == FE_TOK_QIDENT) {
        fe_token w = fe_advance(p);
        return (*value = fe_token_name(p, &w)) != NULL;
    }
    return fe_syntax_error(p, t), false;
}

/* ( name [value] {, ...} ) or the old-style WITH-less words (HEADER, DELIMITER 'x'). */
static bool parse_copy_options(fe_parser *p, fe_ast *n) {
    uint32_t cap = 16;
    char **names = rt_arena_alloc(p->arena, cap * sizeof *names);
    char **values = rt_arena_alloc(p->arena, cap * sizeof *values);
    if (!names || !values)
        return fe_oom(p), false;
    bool paren = fe_accept(p, FE_TOK_LPAREN);
    while (fe_peek(p, 0)->kind == FE_TOK_IDENT || fe_peek(p, 0)->kind == FE_TOK_QIDENT) {
        if (n->u.copy.n_options == cap)
            return fe_parse_error(p, QE_SYNTAX, "42601", fe_peek(p, 0)->start,
                                  "too many COPY options"),
                   false;
        fe_token name = fe_advance(p);
        uint32_t i = n->u.copy.n_options++;
        if (!(names[i] = fe_token_name(p, &name)) || !parse_option_value(p, &values[i]))
            return false;
        if (!fe_accept(p, FE_TOK_COMMA) && paren)
            break;
    }
    n->u.copy.option_names = names;
    n->u.copy.option_values = values;
    return !paren || fe_expect(p, FE_TOK_RPAREN);
}

static fe_ast *parse_copy(fe_parser *p) {
    fe_token kw = fe_advance(p); /* COPY */
    fe_ast *n = fe_node(p, FE_AST_COPY, kw.start);
    if (!n)
        return NULL;
    if (fe_accept(p, FE_TOK_LPAREN)) {
        if (!(n->u.copy.query = fe_parse_query(p)) || !fe_expect(p, FE_TOK_RPAREN))
            return NULL;
    } else {
        if (!(n->u.copy.table = fe_parse_name(p, &n->u.copy.table_pos)))
            return NULL;
        if (fe_peek(p, 0)->kind == FE_TOK_LPAREN && !fe_parse_name_list(p, &n->u.copy.columns))
            return NULL;
    }
    if (fe_accept_kw(p, FE_KW_TO))
        n->u.copy.to = true;
    else if (!fe_expect_kw(p, FE_KW_FROM))
        return NULL;
    if (n->u.copy.query && !n->u.copy.to)
        return fe_syntax_error(p, &(fe_token){FE_TOK_IDENT, FE_KW_FROM, p->prev_end - 4, 4});
    const fe_token *t = fe_peek(p, 0);
    if (t->kind == FE_TOK_STRING) {
        fe_ast *e = fe_parse_expr(p);
        if (!e || e->kind != FE_AST_LITERAL)
            return e ? fe_syntax_error(p, t) : NULL;
        n->u.copy.path = e->u.literal.text;
    } else if (fe_at_word(p, 0, "stdin") || fe_at_word(p, 0, "stdout")) {
        fe_token w = fe_advance(p);
        n->u.copy.path = rt_arena_strndup(p->arena, p->sql + w.start, (size_t)w.len);
        if (!n->u.copy.path)
            return fe_oom(p);
    } else {
        return fe_syntax_error(p, t);
    }
    fe_accept_kw(p, FE_KW_WITH);
    if (!parse_copy_options(p, n))
        return NULL;
    n->end = p->prev_end;
    return n;
}

/* ---- SHOW, transactions, CALL ------------------------------------------------------- */

fe_ast *fe_parse_show(fe_parser *p) {
    fe_token kw = fe_advance(p); /* SHOW */
    fe_ast *n = fe_node(p, FE_AST_SHOW, kw.start);
    if (!n || !(n->u.show.name = fe_parse_setting_name(p)))
        return NULL;
    n->end = p->prev_end;
    return n;
}

/* BEGIN [WORK|TRANSACTION] | START TRANSACTION | COMMIT|END [WORK|TRANSACTION] |
 * ROLLBACK|ABORT [WORK|TRANSACTION] */
static fe_ast *parse_transaction(fe_parser *p, plan_txn_kind kind) {
    bool start = fe_at_word(p, 0, "start");
    fe_token kw = fe_advance(p);
    fe_ast *n = fe_node(p, FE_AST_TRANSACTION, kw.start);
    if (!n)
        return NULL;
    n->u.transaction.kind = kind;
    if (start && !fe_at_word(p, 0, "transaction"))
        return fe_syntax_error(p, fe_peek(p, 0));
    if (fe_at_word(p, 0, "work") || fe_at_word(p, 0, "transaction"))
        fe_advance(p);
    if (kind != PLAN_TXN_BEGIN && fe_at_kw(p, FE_KW_AND))
        return fe_unsupported(p, fe_peek(p, 0)->start, "AND CHAIN is not supported yet");
    n->end = p->prev_end;
    return n;
}

static fe_ast *parse_call_stmt(fe_parser *p) {
    fe_token kw = fe_advance(p); /* CALL */
    fe_ast *n = fe_node(p, FE_AST_CALL, kw.start);
    if (!n)
        return NULL;
    const fe_token *t = fe_peek(p, 0);
    if (!fe_token_is_name(t) || fe_peek(p, 1)->kind != FE_TOK_LPAREN)
        return fe_syntax_error(p, fe_token_is_name(t) ? fe_peek(p, 1) : t);
    fe_ast *f = fe_parse_expr(p);
    if (!f)
        return NULL;
    if (f->kind != FE_AST_FUNC)
        return fe_syntax_error(p, t);
    n->u.call.func = f;
    n->end = p->prev_end;
    return n;
}

fe_ast *fe_parse_other_statement(fe_parser *p) {
    if (fe_at_word(p, 0, "delete"))
        return parse_delete(p);
    if (fe_at_word(p, 0, "update"))
        return parse_update(p);
    if (fe_at_word(p, 0, "copy"))
        return parse_copy(p);
    if (fe_at_word(p, 0, "begin") || fe_at_word(p, 0, "start"))
        return parse_transaction(p, PLAN_TXN_BEGIN);
    if (fe_at_word(p, 0, "commit") || fe_at_kw(p, FE_KW_END))
        return parse_transaction(p, PLAN_TXN_COMMIT);
    if (fe_at_word(p, 0, "rollback") || fe_at_word(p, 0, "abort"))
        return parse_transaction(p, PLAN_TXN_ROLLBACK);
    if (fe_at_word(p, 0, "call"))
        return parse_call_stmt(p);
    return NULL;
}
