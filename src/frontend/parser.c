/*
 * parser.c -- recursive-descent parser: tokens -> AST for statements and queries.
 *
 * The parser pulls tokens from the lexer through a three-token lookahead buffer.
 * Errors are sticky (fe_parser.failed): the first one is kept and every parse
 * function returns NULL up the stack.  Syntax the engine does not run yet (joins,
 * subqueries, set operations, CTEs) is parsed into AST nodes so the binder can report
 * 0A000 at the right position; rarer constructs are rejected here with 0A000.
 * Expressions live in parse_expr.c.
 */
#include "fe_int.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

/* ---- infrastructure ----------------------------------------------------------------- */

void *fe_parse_error(fe_parser *p, qe_status status, const char *sqlstate, int pos, const char *fmt,
                     ...) {
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        rt_error_vset(p->err, status, sqlstate, pos, fmt, ap);
        va_end(ap);
        p->failed = true;
    }
    return NULL;
}

void *fe_syntax_error(fe_parser *p, const fe_token *tok) {
    if (tok->kind == FE_TOK_EOF)
        return fe_parse_error(p, QE_SYNTAX, "42601", (int)p->len, "syntax error at end of input");
    int n = tok->len < 200 ? tok->len : 200;
    return fe_parse_error(p, QE_SYNTAX, "42601", tok->start, "syntax error at or near \"%.*s\"", n,
                          p->sql + tok->start);
}

void *fe_unsupported(fe_parser *p, int pos, const char *message) {
    return fe_parse_error(p, QE_UNSUPPORTED, "0A000", pos, "%s", message);
}

void *fe_oom(fe_parser *p) {
    return fe_parse_error(p, QE_NOMEM, FE_SQLSTATE_NOMEM, -1, "out of memory");
}

const fe_token *fe_peek(fe_parser *p, uint32_t k) {
    static const fe_token eof = {FE_TOK_EOF, FE_KW_NONE, 0, 0};
    while (p->n_la <= k) {
        fe_token *t = &p->la[p->n_la];
        if (p->failed)
            return &eof;
        if (fe_lexer_next(&p->lex, t, p->err) != QE_OK) {
            p->failed = true;
            return &eof;
        }
        p->n_la++;
    }
    return &p->la[k];
}

fe_token fe_advance(fe_parser *p) {
    fe_token t = *fe_peek(p, 0);
    if (p->n_la > 0) {
        memmove(&p->la[0], &p->la[1], (p->n_la - 1) * sizeof p->la[0]);
        p->n_la--;
    }
    if (t.kind != FE_TOK_EOF)
        p->prev_end = t.start + t.len;
    return t;
}

bool fe_at_kw(fe_parser *p, fe_keyword kw) {
    const fe_token *t = fe_peek(p, 0);
    return t->kind == FE_TOK_IDENT && t->kw == kw;
}

bool fe_accept_kw(fe_parser *p, fe_keyword kw) {
    if (!fe_at_kw(p, kw))
        return false;
    fe_advance(p);
    return true;
}

bool fe_accept(fe_parser *p, fe_token_kind kind) {
    if (fe_peek(p, 0)->kind != kind)
        return false;
    fe_advance(p);
    return true;
}

bool fe_expect_kw(fe_parser *p, fe_keyword kw) {
    if (fe_accept_kw(p, kw))
        return true;
    fe_syntax_error(p, fe_peek(p, 0));
    return false;
}

bool fe_expect(fe_parser *p, fe_token_kind kind) {
    if (fe_accept(p, kind))
        return true;
    fe_syntax_error(p, fe_peek(p, 0));
    return false;
}

bool fe_token_is_name(const fe_token *tok) {
    return tok->kind == FE_TOK_QIDENT ||
           (tok->kind == FE_TOK_IDENT && !fe_keyword_reserved(tok->kw));
}

char *fe_parse_name(fe_parser *p, int *pos) {
    const fe_token *t = fe_peek(p, 0);
    if (!fe_token_is_name(t))
        return fe_syntax_error(p, t);
    fe_token tok = fe_advance(p);
    if (pos)
        *pos = tok.start;
    return fe_token_name(p, &tok);
}

fe_ast *fe_node(fe_parser *p, fe_ast_kind kind, int pos) {
    fe_ast *n = rt_arena_calloc(p->arena, sizeof *n);
    if (!n)
        return fe_oom(p);
    n->kind = kind;
    n->pos = pos;
    n->start = pos;
    n->end = p->prev_end > pos ? p->prev_end : pos;
    n->height = 1;
    return n;
}

bool fe_list_push(fe_parser *p, fe_list_builder *lb, fe_ast *item) {
    if (!item || p->failed)
        return false;
    if (lb->list.n == lb->cap) {
        uint32_t cap = lb->cap ? lb->cap * 2 : 4;
        fe_ast **items = rt_arena_alloc(p->arena, cap * sizeof *items);
        if (!items) {
            fe_oom(p);
            return false;
        }
        if (lb->list.n)
            memcpy(items, lb->list.items, lb->list.n * sizeof *items);
        lb->list.items = items;
        lb->cap = cap;
    }
    lb->list.items[lb->list.n++] = item;
    return true;
}

#define at_word fe_at_word

/* A name that may be schema-qualified (schemas come later). */
static char *parse_table_name(fe_parser *p, int *pos) {
    char *name = fe_parse_name(p, pos);
    if (name && fe_peek(p, 0)->kind == FE_TOK_DOT)
        return fe_unsupported(p, *pos, "schema-qualified names are not supported yet");
    return name;
}

/* Does the next token start a query (SELECT, WITH, VALUES)? */
static bool at_query_start(fe_parser *p, uint32_t k) {
    const fe_token *t = fe_peek(p, k);
    return t->kind == FE_TOK_IDENT &&
           (t->kw == FE_KW_SELECT || t->kw == FE_KW_WITH || t->kw == FE_KW_VALUES);
}

/* One more element of a left-deep chain (joins, FROM items, set operations): later
 * passes recurse once per element, so chains count against the nesting limit; the
 * caller restores p->depth when the chain ends. */
static bool chain_step(fe_parser *p) {
    if (++p->depth <= FE_MAX_DEPTH)
        return true;
    fe_parse_error(p, QE_SYNTAX, "54001", fe_peek(p, 0)->start, "stack depth limit exceeded");
    return false;
}

/* ---- SELECT ------------------------------------------------------------------------- */

/* Output name of a select item without alias (DuckDB's rules). */
static char *derived_name(fe_parser *p, const fe_ast *e) {
    if (e->kind == FE_AST_COLUMN_REF)
        return e->u.column_ref.name;
    if (e->kind == FE_AST_FUNC && e->u.func.display)
        return e->u.func.display;
    char *s = rt_arena_strndup(p->arena, p->sql + e->start, (size_t)(e->end - e->start));
    return s ? s : fe_oom(p);
}

/* One select-list item: *, t.*, or expr [[AS] alias]. */
static fe_ast *parse_select_item(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    int pos = t->start;
    if (t->kind == FE_TOK_STAR || (fe_token_is_name(t) && fe_peek(p, 1)->kind == FE_TOK_DOT &&
                                   fe_peek(p, 2)->kind == FE_TOK_STAR)) {
        char *qualifier = NULL;
        if (t->kind != FE_TOK_STAR) {
            fe_token q = fe_advance(p);
            if (!(qualifier = fe_token_name(p, &q)))
                return NULL;
            fe_advance(p);
        }
        fe_advance(p);
        fe_ast *star = fe_node(p, FE_AST_STAR, pos);
        fe_ast *item = fe_node(p, FE_AST_SELECT_ITEM, pos);
        if (!star || !item)
            return NULL;
        star->u.star.qualifier = qualifier;
        item->u.select_item.expr = star;
        return item;
    }
    fe_ast *e = fe_parse_expr(p);
    fe_ast *item = e ? fe_node(p, FE_AST_SELECT_ITEM, e->start) : NULL;
    if (!item)
        return NULL;
    item->u.select_item.expr = e;
    if (fe_accept_kw(p, FE_KW_AS)) {
        const fe_token *a = fe_peek(p, 0);
        if (a->kind != FE_TOK_IDENT && a->kind != FE_TOK_QIDENT)
            return fe_syntax_error(p, a);
        fe_token at = fe_advance(p);
        item->u.select_item.alias = fe_token_name(p, &at);
    } else if (fe_token_is_name(fe_peek(p, 0))) {
        item->u.select_item.alias = fe_parse_name(p, NULL);
    }
    item->u.select_item.name =
        item->u.select_item.alias ? item->u.select_item.alias : derived_name(p, e);
    item->end = p->prev_end;
    return p->failed ? NULL : item;
}

static bool parse_select_list(fe_parser *p, fe_list *out) {
    fe_list_builder lb = {0};
    do {
        if (!fe_list_push(p, &lb, parse_select_item(p)))
            return false;
    } while (fe_accept(p, FE_TOK_COMMA));
    *out = lb.list;
    return true;
}

static fe_ast *parse_from_item(fe_parser *p);

bool fe_parse_name_list(fe_parser *p, fe_list *out) {
    fe_list_builder lb = {0};
    if (!fe_expect(p, FE_TOK_LPAREN))
        return false;
    do {
        int pos;
        char *name = fe_parse_name(p, &pos);
        fe_ast *c = name ? fe_node(p, FE_AST_COLUMN_REF, pos) : NULL;
        if (!c)
            return false;
        c->u.column_ref.name = name;
        if (!fe_list_push(p, &lb, c))
            return false;
    } while (fe_accept(p, FE_TOK_COMMA));
    *out = lb.list;
    return fe_expect(p, FE_TOK_RPAREN);
}

/* [AS] alias [(col, ...)] after a FROM item. */
static bool parse_table_alias(fe_parser *p, char **alias, fe_list *cols) {
    if (fe_accept_kw(p, FE_KW_AS)) {
        if (!(*alias = fe_parse_name(p, NULL)))
            return false;
    } else if (fe_token_is_name(fe_peek(p, 0))) {
        if (!(*alias = fe_parse_name(p, NULL)))
            return false;
    }
    if (*alias && fe_peek(p, 0)->kind == FE_TOK_LPAREN)
        return fe_parse_name_list(p, cols);
    return true;
}

/* name ( [args] ): a table function call; arguments are expressions, `name = value`
 * ones as EQ comparisons (the binder reads them as named arguments). */
static bool parse_table_func(fe_parser *p, fe_ast *ref, int pos) {
    fe_ast *f = fe_node(p, FE_AST_FUNC, pos);
    if (!f)
        return false;
    fe_advance(p); /* ( */
    f->u.func.name = ref->u.table_ref.name;
    f->u.func.distinct_pos = -1;
    f->u.func.filter_pos = -1;
    if (fe_peek(p, 0)->kind != FE_TOK_RPAREN && !fe_parse_expr_list(p, &f->u.func.args))
        return false;
    if (!fe_expect(p, FE_TOK_RPAREN))
        return false;
    f->end = p->prev_end;
    ref->u.table_ref.func = f;
    return true;
}

/* table [[AS] alias] | (query) [AS] alias | (from_item) | func(args) [[AS] alias] */
static fe_ast *parse_table_primary(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    int pos = t->start;
    if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_LATERAL)
        return fe_unsupported(p, pos, "LATERAL is not supported yet");
    if (t->kind == FE_TOK_LPAREN) {
        fe_advance(p);
        if (!at_query_start(p, 0) && fe_peek(p, 0)->kind != FE_TOK_LPAREN) {
            fe_ast *inner = parse_from_item(p);
            return inner && fe_expect(p, FE_TOK_RPAREN) ? inner : NULL;
        }
        fe_ast *n = fe_node(p, FE_AST_SUBQUERY_REF, pos);
        if (!n || !(n->u.subquery_ref.query = fe_parse_query(p)) || !fe_expect(p, FE_TOK_RPAREN))
            return NULL;
        if (!parse_table_alias(p, &n->u.subquery_ref.alias, &n->u.subquery_ref.col_aliases))
            return NULL;
        n->end = p->prev_end;
        return n;
    }
    fe_ast *n = fe_node(p, FE_AST_TABLE_REF, pos);
    if (!n || !(n->u.table_ref.name = parse_table_name(p, &pos)))
        return NULL;
    if (fe_peek(p, 0)->kind == FE_TOK_LPAREN && !parse_table_func(p, n, pos))
        return NULL;
    if (!parse_table_alias(p, &n->u.table_ref.alias, &n->u.table_ref.col_aliases))
        return NULL;
    n->end = p->prev_end;
    return n;
}

/* Join type keywords before JOIN; false if none (not a join). */
static bool parse_join_kind(fe_parser *p, fe_join_kind *kind, bool *natural, int *pos) {
    const fe_token *t = fe_peek(p, 0);
    if (t->kind != FE_TOK_IDENT)
        return false;
    *pos = t->start;
    *natural = fe_accept_kw(p, FE_KW_NATURAL);
    *kind = FE_JOIN_INNER;
    if (fe_accept_kw(p, FE_KW_INNER)) {
    } else if (fe_accept_kw(p, FE_KW_LEFT)) {
        *kind = FE_JOIN_LEFT;
    } else if (fe_accept_kw(p, FE_KW_RIGHT)) {
        *kind = FE_JOIN_RIGHT;
    } else if (fe_accept_kw(p, FE_KW_FULL)) {
        *kind = FE_JOIN_FULL;
    } else if (fe_accept_kw(p, FE_KW_CROSS)) {
        *kind = FE_JOIN_CROSS;
    } else if (!*natural && !fe_at_kw(p, FE_KW_JOIN)) {
        return false;
    }
    if (*kind >= FE_JOIN_LEFT && *kind <= FE_JOIN_FULL)
        fe_accept_kw(p, FE_KW_OUTER);
    return fe_expect_kw(p, FE_KW_JOIN);
}

/* ON cond | USING (cols) after a join. */
static bool parse_join_condition(fe_parser *p, fe_ast *j) {
    if (j->u.join.kind == FE_JOIN_CROSS || j->u.join.natural)
        return true;
    if (fe_accept_kw(p, FE_KW_ON))
        return (j->u.join.on = fe_parse_expr(p)) != NULL;
    if (!fe_expect_kw(p, FE_KW_USING))
        return false;
    return fe_parse_name_list(p, &j->u.join.using_cols);
}

/* table_primary { join } */
static fe_ast *parse_from_item(fe_parser *p) {
    if (++p->depth > FE_MAX_DEPTH)
        return fe_parse_error(p, QE_SYNTAX, "54001", fe_peek(p, 0)->start,
                              "stack depth limit exceeded");
    int depth = p->depth;
    fe_ast *left = parse_table_primary(p);
    for (;;) {
        fe_join_kind kind;
        bool natural = false;
        int pos = 0;
        if (!left || !parse_join_kind(p, &kind, &natural, &pos) || !chain_step(p))
            break;
        fe_ast *j = fe_node(p, FE_AST_JOIN, pos);
        if (!j)
            return NULL;
        j->start = left->start;
        j->u.join.kind = kind;
        j->u.join.natural = natural;
        j->u.join.left = left;
        if (!(j->u.join.right = parse_table_primary(p)) || !parse_join_condition(p, j))
            return NULL;
        j->end = p->prev_end;
        left = j;
    }
    p->depth = depth - 1;
    return p->failed ? NULL : left;
}

/* FROM item {, item}: a comma is a cross join. */
static fe_ast *parse_from(fe_parser *p) {
    int depth = p->depth;
    fe_ast *left = parse_from_item(p);
    while (left && fe_peek(p, 0)->kind == FE_TOK_COMMA && chain_step(p)) {
        fe_token comma = fe_advance(p);
        fe_ast *j = fe_node(p, FE_AST_JOIN, comma.start);
        if (!j)
            return NULL;
        j->start = left->start;
        j->u.join.kind = FE_JOIN_CROSS;
        j->u.join.left = left;
        if (!(j->u.join.right = parse_from_item(p)))
            return NULL;
        j->end = p->prev_end;
        left = j;
    }
    p->depth = depth;
    return p->failed ? NULL : left;
}

/* ---- GROUP BY, WINDOW, OVER --------------------------------------------------------- */

static fe_ast *parse_grouping_element(fe_parser *p);

/* ( [elem {, elem}] ) as a LIST grouping set (elements: expressions). */
static fe_ast *parse_paren_list(fe_parser *p) {
    fe_token lp = fe_advance(p); /* ( */
    fe_ast *n = fe_node(p, FE_AST_GROUPING_SET, lp.start);
    if (!n)
        return NULL;
    n->u.grouping_set.kind = FE_GSET_LIST;
    if (fe_peek(p, 0)->kind != FE_TOK_RPAREN && !fe_parse_expr_list(p, &n->u.grouping_set.items))
        return NULL;
    if (!fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    n->end = p->prev_end;
    return n;
}

/* Is a parenthesis at k a list "(a, b)" or "()" rather than a parenthesized expression? */
static bool at_paren_list(fe_parser *p) {
    if (fe_peek(p, 0)->kind != FE_TOK_LPAREN)
        return false;
    if (fe_peek(p, 1)->kind == FE_TOK_RPAREN)
        return true;
    /* scan to the matching parenthesis: a top-level comma makes it a list */
    fe_lexer lx = p->lex;
    fe_token t = *fe_peek(p, 1);
    uint32_t k = 1;
    int depth = 1;
    rt_error scratch = {0};
    for (uint32_t steps = 0; steps < 100000; steps++) {
        if (k < p->n_la)
            t = p->la[k];
        else if (fe_lexer_next(&lx, &t, &scratch) != QE_OK)
            return false;
        k++;
        if (t.kind == FE_TOK_EOF)
            return false;
        if (t.kind == FE_TOK_LPAREN)
            depth++;
        else if (t.kind == FE_TOK_RPAREN && --depth == 0)
            return false;
        else if (t.kind == FE_TOK_COMMA && depth == 1)
            return true;
    }
    return false;
}

/* ROLLUP (...) | CUBE (...) | GROUPING SETS (...) */
static fe_ast *parse_grouping_construct(fe_parser *p, fe_gset_kind kind) {
    fe_token kw = fe_advance(p);
    if (kind == FE_GSET_SETS)
        fe_advance(p); /* SETS */
    fe_ast *n = fe_node(p, FE_AST_GROUPING_SET, kw.start);
    if (!n || !fe_expect(p, FE_TOK_LPAREN))
        return NULL;
    n->u.grouping_set.kind = kind;
    fe_list_builder lb = {0};
    do {
        if (!fe_list_push(p, &lb, parse_grouping_element(p)))
            return NULL;
    } while (fe_accept(p, FE_TOK_COMMA));
    n->u.grouping_set.items = lb.list;
    if (!fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    n->end = p->prev_end;
    return n;
}

/* One GROUP BY element: an expression, (list), (), ROLLUP/CUBE/GROUPING SETS. */
static fe_ast *parse_grouping_element(fe_parser *p) {
    if (at_word(p, 0, "rollup") && fe_peek(p, 1)->kind == FE_TOK_LPAREN)
        return parse_grouping_construct(p, FE_GSET_ROLLUP);
    if (at_word(p, 0, "cube") && fe_peek(p, 1)->kind == FE_TOK_LPAREN)
        return parse_grouping_construct(p, FE_GSET_CUBE);
    if (at_word(p, 0, "grouping") && at_word(p, 1, "sets"))
        return parse_grouping_construct(p, FE_GSET_SETS);
    if (at_paren_list(p))
        return parse_paren_list(p);
    return fe_parse_expr(p);
}

static bool parse_group_by(fe_parser *p, fe_list *out) {
    fe_list_builder lb = {0};
    fe_accept_kw(p, FE_KW_ALL);
    do {
        if (!fe_list_push(p, &lb, parse_grouping_element(p)))
            return false;
    } while (fe_accept(p, FE_TOK_COMMA));
    *out = lb.list;
    return true;
}

static bool parse_order_by(fe_parser *p, fe_list *out);

/* UNBOUNDED PRECEDING | n PRECEDING | CURRENT ROW | n FOLLOWING | UNBOUNDED FOLLOWING */
static bool parse_frame_bound(fe_parser *p, plan_frame_bound *bound, fe_ast **offset) {
    if (at_word(p, 0, "unbounded")) {
        fe_advance(p);
        if (at_word(p, 0, "preceding"))
            *bound = PLAN_FRAME_UNBOUNDED_PRECEDING;
        else if (at_word(p, 0, "following"))
            *bound = PLAN_FRAME_UNBOUNDED_FOLLOWING;
        else
            return fe_syntax_error(p, fe_peek(p, 0)), false;
        fe_advance(p);
        return true;
    }
    if (at_word(p, 0, "current") && at_word(p, 1, "row")) {
        fe_advance(p);
        fe_advance(p);
        *bound = PLAN_FRAME_CURRENT_ROW;
        return true;
    }
    if (!(*offset = fe_parse_expr(p)))
        return false;
    if (at_word(p, 0, "preceding"))
        *bound = PLAN_FRAME_PRECEDING;
    else if (at_word(p, 0, "following"))
        *bound = PLAN_FRAME_FOLLOWING;
    else
        return fe_syntax_error(p, fe_peek(p, 0)), false;
    fe_advance(p);
    return true;
}

/* ROWS|RANGE bound | ROWS|RANGE BETWEEN bound AND bound */
static bool parse_frame(fe_parser *p, fe_ast *w) {
    w->u.window_spec.has_frame = true;
    w->u.window_spec.rows = at_word(p, 0, "rows");
    w->u.window_spec.frame_pos = fe_advance(p).start;
    w->u.window_spec.end = PLAN_FRAME_CURRENT_ROW;
    if (!fe_accept_kw(p, FE_KW_BETWEEN))
        return parse_frame_bound(p, &w->u.window_spec.start, &w->u.window_spec.start_offset);
    return parse_frame_bound(p, &w->u.window_spec.start, &w->u.window_spec.start_offset) &&
           fe_expect_kw(p, FE_KW_AND) &&
           parse_frame_bound(p, &w->u.window_spec.end, &w->u.window_spec.end_offset);
}

/* ( [name] [PARTITION BY ...] [ORDER BY ...] [frame] ) */
static fe_ast *parse_window_body(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    fe_ast *w = fe_node(p, FE_AST_WINDOW_SPEC, t->start);
    if (!w || !fe_expect(p, FE_TOK_LPAREN))
        return NULL;
    w->u.window_spec.start = PLAN_FRAME_UNBOUNDED_PRECEDING;
    w->u.window_spec.end = PLAN_FRAME_CURRENT_ROW;
    t = fe_peek(p, 0);
    if (fe_token_is_name(t) && !at_word(p, 0, "partition") && !at_word(p, 0, "rows") &&
        !at_word(p, 0, "range")) {
        w->u.window_spec.ref_pos = t->start;
        if (!(w->u.window_spec.ref = fe_parse_name(p, NULL)))
            return NULL;
    }
    if (at_word(p, 0, "partition")) {
        fe_advance(p);
        if (!fe_expect_kw(p, FE_KW_BY) || !fe_parse_expr_list(p, &w->u.window_spec.partition))
            return NULL;
    }
    if (fe_accept_kw(p, FE_KW_ORDER) && !parse_order_by(p, &w->u.window_spec.order))
        return NULL;
    if ((at_word(p, 0, "rows") || at_word(p, 0, "range")) && !parse_frame(p, w))
        return NULL;
    if (at_word(p, 0, "groups") || at_word(p, 0, "exclude"))
        return fe_unsupported(p, fe_peek(p, 0)->start,
                              "GROUPS frames and EXCLUDE are not supported yet");
    if (!fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    w->end = p->prev_end;
    return w;
}

fe_ast *fe_parse_over(fe_parser *p) {
    fe_advance(p); /* OVER */
    const fe_token *t = fe_peek(p, 0);
    if (t->kind == FE_TOK_LPAREN)
        return parse_window_body(p);
    fe_ast *w = fe_node(p, FE_AST_WINDOW_SPEC, t->start);
    if (!w)
        return NULL;
    w->u.window_spec.ref_pos = t->start;
    w->u.window_spec.start = PLAN_FRAME_UNBOUNDED_PRECEDING;
    w->u.window_spec.end = PLAN_FRAME_CURRENT_ROW;
    return (w->u.window_spec.ref = fe_parse_name(p, NULL)) ? w : NULL;
}

/* WINDOW name AS (...) {, name AS (...)} */
static bool parse_window_clause(fe_parser *p, fe_list *out) {
    fe_list_builder lb = {0};
    do {
        int pos;
        char *name = fe_parse_name(p, &pos);
        if (!name || !fe_expect_kw(p, FE_KW_AS))
            return false;
        fe_ast *w = parse_window_body(p);
        if (!w)
            return false;
        w->u.window_spec.name = name;
        w->pos = pos;
        if (!fe_list_push(p, &lb, w))
            return false;
    } while (fe_accept(p, FE_TOK_COMMA));
    *out = lb.list;
    return true;
}

bool fe_at_quantified_subquery(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    if (t->kind != FE_TOK_IDENT ||
        (t->kw != FE_KW_ANY && t->kw != FE_KW_SOME && t->kw != FE_KW_ALL))
        return false;
    return fe_peek(p, 1)->kind == FE_TOK_LPAREN && at_query_start(p, 2);
}

fe_ast *fe_parse_quantified(fe_parser *p, fe_ast *left, plan_op_kind op, int pos) {
    fe_token q = fe_advance(p); /* ANY/SOME/ALL */
    fe_ast *n = fe_node(p, FE_AST_SUBQUERY, pos);
    if (!n)
        return NULL;
    fe_advance(p); /* ( */
    n->start = left->start;
    n->u.subquery.kind = q.kw == FE_KW_ALL ? FE_SUBQ_ALL : FE_SUBQ_ANY;
    n->u.subquery.arg = left;
    n->u.subquery.op = op;
    if (!(n->u.subquery.query = fe_parse_query(p)) || !fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    n->end = p->prev_end;
    n->height = left->height + 1;
    return n;
}

static fe_ast *parse_select_core(fe_parser *p) {
    fe_token sel = fe_advance(p); /* SELECT */
    fe_ast *n = fe_node(p, FE_AST_SELECT, sel.start);
    if (!n)
        return NULL;
    if (fe_at_kw(p, FE_KW_DISTINCT)) {
        fe_advance(p);
        n->u.select.distinct = true;
        if (fe_accept_kw(p, FE_KW_ON)) {
            if (!fe_expect(p, FE_TOK_LPAREN) || !fe_parse_expr_list(p, &n->u.select.distinct_on) ||
                !fe_expect(p, FE_TOK_RPAREN))
                return NULL;
        }
    } else {
        fe_accept_kw(p, FE_KW_ALL);
    }
    if (!parse_select_list(p, &n->u.select.items))
        return NULL;
    if (fe_accept_kw(p, FE_KW_FROM) && !(n->u.select.from = parse_from(p)))
        return NULL;
    if (fe_accept_kw(p, FE_KW_WHERE) && !(n->u.select.where = fe_parse_expr(p)))
        return NULL;
    if (fe_accept_kw(p, FE_KW_GROUP)) {
        if (!fe_expect_kw(p, FE_KW_BY) || !parse_group_by(p, &n->u.select.group_by))
            return NULL;
    }
    if (fe_accept_kw(p, FE_KW_HAVING) && !(n->u.select.having = fe_parse_expr(p)))
        return NULL;
    if (fe_accept_kw(p, FE_KW_WINDOW) && !parse_window_clause(p, &n->u.select.windows))
        return NULL;
    if (fe_accept_kw(p, FE_KW_QUALIFY) && !(n->u.select.qualify = fe_parse_expr(p)))
        return NULL;
    n->end = p->prev_end;
    return n;
}

/* VALUES (e, ...), (...) */
static fe_ast *parse_values(fe_parser *p) {
    fe_token kw = fe_advance(p); /* VALUES */
    fe_ast *n = fe_node(p, FE_AST_VALUES, kw.start);
    if (!n)
        return NULL;
    uint32_t cap = 0;
    do {
        if (!fe_expect(p, FE_TOK_LPAREN))
            return NULL;
        if (n->u.values.n_rows == cap) {
            cap = cap ? cap * 2 : 8;
            fe_list *rows = rt_arena_alloc(p->arena, cap * sizeof *rows);
            if (!rows)
                return fe_oom(p);
            if (n->u.values.n_rows)
                memcpy(rows, n->u.values.rows, n->u.values.n_rows * sizeof *rows);
            n->u.values.rows = rows;
        }
        if (!fe_parse_expr_list(p, &n->u.values.rows[n->u.values.n_rows++]) ||
            !fe_expect(p, FE_TOK_RPAREN))
            return NULL;
    } while (fe_accept(p, FE_TOK_COMMA));
    n->end = p->prev_end;
    return n;
}

static fe_ast *parse_setop_expr(fe_parser *p);

/* SELECT core | VALUES | ( query ) */
static fe_ast *parse_query_primary(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_SELECT)
        return parse_select_core(p);
    if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_VALUES)
        return parse_values(p);
    if (t->kind == FE_TOK_LPAREN) {
        fe_advance(p);
        fe_ast *q = fe_parse_query(p);
        return q && fe_expect(p, FE_TOK_RPAREN) ? q : NULL;
    }
    return fe_syntax_error(p, t);
}

/* Builds a set operation node over left and the next operand parsed by next(). */
static fe_ast *parse_setop_rest(fe_parser *p, fe_ast *left, fe_setop_kind op,
                                fe_ast *(*next)(fe_parser *)) {
    fe_token kw = fe_advance(p);
    fe_ast *n = fe_node(p, FE_AST_SETOP, kw.start);
    if (!n)
        return NULL;
    n->start = left->start;
    n->u.setop.op = op;
    if (fe_accept_kw(p, FE_KW_ALL))
        n->u.setop.all = true;
    else
        fe_accept_kw(p, FE_KW_DISTINCT);
    n->u.setop.left = left;
    if (!(n->u.setop.right = next(p)))
        return NULL;
    n->end = p->prev_end;
    return n;
}

/* INTERSECT binds tighter than UNION and EXCEPT. */
static fe_ast *parse_intersect_expr(fe_parser *p) {
    int depth = p->depth;
    fe_ast *left = parse_query_primary(p);
    while (left && fe_at_kw(p, FE_KW_INTERSECT) && chain_step(p))
        left = parse_setop_rest(p, left, FE_SETOP_INTERSECT, parse_query_primary);
    p->depth = depth;
    return p->failed ? NULL : left;
}

static fe_ast *parse_setop_expr(fe_parser *p) {
    int depth = p->depth;
    fe_ast *left = parse_intersect_expr(p);
    while (left && (fe_at_kw(p, FE_KW_UNION) || fe_at_kw(p, FE_KW_EXCEPT)) && chain_step(p)) {
        fe_setop_kind op = fe_at_kw(p, FE_KW_UNION) ? FE_SETOP_UNION : FE_SETOP_EXCEPT;
        left = parse_setop_rest(p, left, op, parse_intersect_expr);
    }
    p->depth = depth;
    return p->failed ? NULL : left;
}

/* WITH name AS (query), ... */
static bool parse_with(fe_parser *p, fe_list *out, bool *recursive) {
    fe_advance(p); /* WITH */
    if (at_word(p, 0, "recursive")) {
        fe_advance(p);
        *recursive = true;
    }
    fe_list_builder lb = {0};
    do {
        int pos;
        char *name = fe_parse_name(p, &pos);
        fe_ast *cte = name ? fe_node(p, FE_AST_CTE, pos) : NULL;
        if (!cte)
            return false;
        cte->u.cte.name = name;
        if (fe_peek(p, 0)->kind == FE_TOK_LPAREN && !fe_parse_name_list(p, &cte->u.cte.col_names))
            return false;
        if (!fe_expect_kw(p, FE_KW_AS))
            return false;
        if (fe_at_kw(p, FE_KW_NOT) && at_word(p, 1, "materialized"))
            fe_advance(p);
        if (at_word(p, 0, "materialized"))
            fe_advance(p);
        if (!fe_expect(p, FE_TOK_LPAREN) || !(cte->u.cte.query = fe_parse_query(p)) ||
            !fe_expect(p, FE_TOK_RPAREN))
            return false;
        cte->end = p->prev_end;
        if (!fe_list_push(p, &lb, cte))
            return false;
    } while (fe_accept(p, FE_TOK_COMMA));
    *out = lb.list;
    return true;
}

/* ORDER BY items. */
static bool parse_order_by(fe_parser *p, fe_list *out) {
    fe_list_builder lb = {0};
    if (!fe_expect_kw(p, FE_KW_BY))
        return false;
    do {
        fe_ast *e = fe_parse_expr(p);
        fe_ast *it = e ? fe_node(p, FE_AST_SORT_ITEM, e->start) : NULL;
        if (!it)
            return false;
        it->u.sort_item.expr = e;
        if (fe_accept_kw(p, FE_KW_DESC))
            it->u.sort_item.descending = true;
        else
            fe_accept_kw(p, FE_KW_ASC);
        if (fe_accept_kw(p, FE_KW_NULLS)) {
            it->u.sort_item.nulls_given = true;
            if (fe_accept_kw(p, FE_KW_FIRST))
                it->u.sort_item.nulls_first = true;
            else if (!fe_expect_kw(p, FE_KW_LAST))
                return false;
        }
        it->end = p->prev_end;
        if (!fe_list_push(p, &lb, it))
            return false;
    } while (fe_accept(p, FE_TOK_COMMA));
    *out = lb.list;
    return true;
}

/* The trailing clauses of a query, collected before they are attached. */
typedef struct query_tail {
    fe_list order_by; /* SORT_ITEM nodes */
    fe_ast *limit;    /* NULL: none */
    fe_ast *offset;   /* NULL: none */
    int order_pos;    /* offset of ORDER, -1 if absent */
    int limit_pos;    /* offset of LIMIT/OFFSET, -1 if absent */
} query_tail;

/* FETCH {FIRST|NEXT} [n] {ROW|ROWS} ONLY (after FETCH). */
static bool parse_fetch(fe_parser *p, query_tail *qt) {
    if (!fe_accept_kw(p, FE_KW_FIRST) && !at_word(p, 0, "next"))
        return fe_syntax_error(p, fe_peek(p, 0)), false;
    if (at_word(p, 0, "next"))
        fe_advance(p);
    if (!at_word(p, 0, "row") && !at_word(p, 0, "rows")) {
        if (!(qt->limit = fe_parse_expr(p)))
            return false;
    } else {
        fe_ast *one = fe_node(p, FE_AST_LITERAL, fe_peek(p, 0)->start);
        if (!one || !(one->u.literal.text = rt_arena_strdup(p->arena, "1")))
            return fe_oom(p), false;
        one->u.literal.kind = FE_LIT_INTEGER;
        one->u.literal.len = 1;
        qt->limit = one;
    }
    if (!at_word(p, 0, "row") && !at_word(p, 0, "rows"))
        return fe_syntax_error(p, fe_peek(p, 0)), false;
    fe_advance(p);
    if (fe_accept_kw(p, FE_KW_WITH)) {
        fe_unsupported(p, p->prev_end - 4, "FETCH ... WITH TIES is not supported yet");
        return false;
    }
    if (!at_word(p, 0, "only"))
        return fe_syntax_error(p, fe_peek(p, 0)), false;
    fe_advance(p);
    return true;
}

/* LIMIT n | LIMIT ALL | OFFSET n [ROW|ROWS] | FETCH ..., in either order. */
static bool parse_limit_offset(fe_parser *p, query_tail *qt) {
    for (;;) {
        const fe_token *t = fe_peek(p, 0);
        if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_LIMIT && !qt->limit) {
            qt->limit_pos = t->start;
            fe_advance(p);
            if (fe_accept_kw(p, FE_KW_ALL))
                continue;
            if (!(qt->limit = fe_parse_expr(p)))
                return false;
        } else if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_OFFSET && !qt->offset) {
            qt->limit_pos = qt->limit_pos >= 0 ? qt->limit_pos : t->start;
            fe_advance(p);
            if (!(qt->offset = fe_parse_expr(p)))
                return false;
            const fe_token *r = fe_peek(p, 0);
            if (r->kind == FE_TOK_IDENT && r->kw == FE_KW_NONE &&
                ((r->len == 3 && strncasecmp(p->sql + r->start, "row", 3) == 0) ||
                 (r->len == 4 && strncasecmp(p->sql + r->start, "rows", 4) == 0)))
                fe_advance(p);
        } else if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_FETCH && !qt->limit) {
            qt->limit_pos = qt->limit_pos >= 0 ? qt->limit_pos : t->start;
            fe_advance(p);
            if (!parse_fetch(p, qt))
                return false;
        } else {
            return true;
        }
    }
}

/* Attaches ORDER BY/LIMIT/OFFSET/WITH to a query body. */
static fe_ast *attach_tail(fe_parser *p, fe_ast *body, const query_tail *qt, fe_list with,
                           int with_pos, bool recursive) {
    fe_list *order = NULL, *w = NULL;
    fe_ast **limit = NULL, **offset = NULL;
    if (body->kind == FE_AST_SELECT) {
        order = &body->u.select.order_by, limit = &body->u.select.limit;
        offset = &body->u.select.offset, w = &body->u.select.with;
    } else if (body->kind == FE_AST_SETOP) {
        order = &body->u.setop.order_by, limit = &body->u.setop.limit;
        offset = &body->u.setop.offset, w = &body->u.setop.with;
    }
    if (qt->order_pos >= 0 && !order)
        return fe_unsupported(p, qt->order_pos, "ORDER BY on VALUES is not supported yet");
    if (qt->limit_pos >= 0 && !limit)
        return fe_unsupported(p, qt->limit_pos, "LIMIT on VALUES is not supported yet");
    if (with.n && !w)
        return fe_unsupported(p, with_pos, "WITH on VALUES is not supported yet");
    if (qt->order_pos >= 0 && order->n)
        return fe_parse_error(p, QE_SYNTAX, "42601", qt->order_pos,
                              "multiple ORDER BY clauses not allowed");
    if (qt->limit_pos >= 0 && (*limit || *offset))
        return fe_parse_error(p, QE_SYNTAX, "42601", qt->limit_pos,
                              "multiple LIMIT clauses not allowed");
    if (with.n && w->n)
        return fe_parse_error(p, QE_SYNTAX, "42601", with_pos, "multiple WITH clauses not allowed");
    if (order && qt->order_pos >= 0)
        *order = qt->order_by;
    if (limit && qt->limit_pos >= 0)
        *limit = qt->limit, *offset = qt->offset;
    if (w && with.n) {
        *w = with;
        if (body->kind == FE_AST_SELECT)
            body->u.select.recursive = recursive;
        else
            body->u.setop.recursive = recursive;
    }
    body->end = p->prev_end;
    return body;
}

fe_ast *fe_parse_query(fe_parser *p) {
    if (++p->depth > FE_MAX_DEPTH)
        return fe_parse_error(p, QE_SYNTAX, "54001", fe_peek(p, 0)->start,
                              "stack depth limit exceeded");
    fe_list with = {0};
    bool recursive = false;
    int with_pos = fe_peek(p, 0)->start;
    if (fe_at_kw(p, FE_KW_WITH) && !parse_with(p, &with, &recursive))
        return NULL;
    fe_ast *body = parse_setop_expr(p);
    if (!body)
        return NULL;
    query_tail qt = {.order_pos = -1, .limit_pos = -1};
    if (fe_at_kw(p, FE_KW_ORDER)) {
        qt.order_pos = fe_advance(p).start;
        if (!parse_order_by(p, &qt.order_by))
            return NULL;
    }
    if (!parse_limit_offset(p, &qt))
        return NULL;
    p->depth--;
    return attach_tail(p, body, &qt, with, with_pos, recursive);
}

/* ---- INSERT ------------------------------------------------------------------------- */

static bool parse_insert_columns(fe_parser *p, fe_list *out) {
    fe_list_builder lb = {0};
    fe_advance(p); /* ( */
    do {
        int pos;
        char *name = fe_parse_name(p, &pos);
        fe_ast *c = name ? fe_node(p, FE_AST_COLUMN_REF, pos) : NULL;
        if (!c)
            return false;
        c->u.column_ref.name = name;
        if (fe_peek(p, 0)->kind == FE_TOK_DOT) {
            fe_unsupported(p, fe_peek(p, 0)->start,
                           "qualified INSERT target columns are not supported yet");
            return false;
        }
        if (!fe_list_push(p, &lb, c))
            return false;
    } while (fe_accept(p, FE_TOK_COMMA));
    *out = lb.list;
    return fe_expect(p, FE_TOK_RPAREN);
}

static fe_ast *parse_insert(fe_parser *p) {
    fe_token kw = fe_advance(p); /* INSERT */
    fe_ast *n = fe_node(p, FE_AST_INSERT, kw.start);
    if (!n || !fe_expect_kw(p, FE_KW_INTO))
        return NULL;
    if (!(n->u.insert.table = parse_table_name(p, &n->u.insert.table_pos)))
        return NULL;
    if (fe_at_kw(p, FE_KW_AS))
        return fe_unsupported(p, fe_peek(p, 0)->start,
                              "INSERT target aliases are not supported yet");
    if (fe_peek(p, 0)->kind == FE_TOK_LPAREN && !at_query_start(p, 1) &&
        fe_peek(p, 1)->kind != FE_TOK_LPAREN && !parse_insert_columns(p, &n->u.insert.columns))
        return NULL;
    if (fe_at_kw(p, FE_KW_DEFAULT))
        return fe_unsupported(p, fe_peek(p, 0)->start, "DEFAULT VALUES is not supported yet");
    if (!(n->u.insert.source = fe_parse_query(p)))
        return NULL;
    if (fe_at_kw(p, FE_KW_ON))
        return fe_unsupported(p, fe_peek(p, 0)->start, "ON CONFLICT is not supported yet");
    if (fe_at_kw(p, FE_KW_RETURNING))
        return fe_unsupported(p, fe_peek(p, 0)->start, "RETURNING is not supported yet");
    n->end = p->prev_end;
    return n;
}

/* ---- CREATE TABLE / DROP TABLE ------------------------------------------------------ */

bool fe_at_word(fe_parser *p, uint32_t k, const char *w) {
    const fe_token *t = fe_peek(p, k);
    size_t n = strlen(w);
    return t->kind == FE_TOK_IDENT && (size_t)t->len == n &&
           strncasecmp(p->sql + t->start, w, n) == 0;
}

/* Column constraints after the type: [NOT] NULL, PRIMARY KEY, UNIQUE, DEFAULT expr,
 * [CONSTRAINT name] before any of them; CHECK/REFERENCES/... are 0A000. */
static bool parse_column_constraints(fe_parser *p, fe_ast *c) {
    static const char *const words[] = {"check", "references", "collate", "generated"};
    for (;;) {
        const fe_token *t = fe_peek(p, 0);
        if (t->kind == FE_TOK_COMMA || t->kind == FE_TOK_RPAREN)
            return true;
        if (at_word(p, 0, "constraint")) {
            fe_advance(p);
            if (!fe_parse_name(p, NULL))
                return false;
            continue;
        }
        if (fe_accept_kw(p, FE_KW_NULL))
            continue;
        if (fe_at_kw(p, FE_KW_NOT) && fe_peek(p, 1)->kind == FE_TOK_IDENT &&
            fe_peek(p, 1)->kw == FE_KW_NULL) {
            fe_advance(p);
            fe_advance(p);
            c->u.column_def.not_null = true;
            continue;
        }
        if (at_word(p, 0, "primary") && at_word(p, 1, "key")) {
            fe_advance(p);
            fe_advance(p);
            c->u.column_def.primary_key = c->u.column_def.not_null = true;
            continue;
        }
        if (at_word(p, 0, "unique")) {
            fe_advance(p);
            c->u.column_def.unique = true;
            continue;
        }
        if (fe_accept_kw(p, FE_KW_DEFAULT)) {
            if (!(c->u.column_def.default_expr = fe_parse_expr(p)))
                return false;
            continue;
        }
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
            if (at_word(p, 0, words[i])) {
                fe_unsupported(p, t->start,
                               "column constraints other than NOT NULL, PRIMARY KEY, "
                               "UNIQUE and DEFAULT are not supported yet");
                return false;
            }
        }
        fe_syntax_error(p, t);
        return false;
    }
}

/* PRIMARY KEY (...), FOREIGN KEY (...), UNIQUE (...), CHECK (...), CONSTRAINT name ...
 * (these words stay usable as column names: "unique INT" is a column). */
static bool at_table_constraint(fe_parser *p) {
    if ((at_word(p, 0, "primary") || at_word(p, 0, "foreign")) && at_word(p, 1, "key"))
        return true;
    if ((at_word(p, 0, "unique") || at_word(p, 0, "check")) && fe_peek(p, 1)->kind == FE_TOK_LPAREN)
        return true;
    return at_word(p, 0, "constraint") && fe_peek(p, 2)->kind == FE_TOK_IDENT;
}

/* A table constraint: PRIMARY KEY (cols) is kept; UNIQUE (cols) is accepted and not
 * enforced; the others are 0A000. */
static bool parse_table_constraint(fe_parser *p, fe_ast *create) {
    if (at_word(p, 0, "constraint")) {
        fe_advance(p);
        if (!fe_parse_name(p, NULL))
            return false;
    }
    const fe_token *t = fe_peek(p, 0);
    if (at_word(p, 0, "primary") && at_word(p, 1, "key")) {
        int pos = t->start;
        fe_advance(p);
        fe_advance(p);
        if (create->u.create_table.primary_key.n)
            return fe_parse_error(p, QE_BIND, "42P16", pos,
                                  "multiple primary keys for table \"%s\" are not allowed",
                                  create->u.create_table.table),
                   false;
        return fe_parse_name_list(p, &create->u.create_table.primary_key);
    }
    if (at_word(p, 0, "unique") && fe_peek(p, 1)->kind == FE_TOK_LPAREN) {
        fe_list ignored;
        fe_advance(p);
        return fe_parse_name_list(p, &ignored);
    }
    if (t->kind != FE_TOK_IDENT)
        return fe_syntax_error(p, t), false;
    fe_unsupported(p, t->start, "FOREIGN KEY and CHECK constraints are not supported yet");
    return false;
}

static fe_ast *parse_column_def(fe_parser *p) {
    int pos;
    char *name = fe_parse_name(p, &pos);
    fe_ast *c = name ? fe_node(p, FE_AST_COLUMN_DEF, pos) : NULL;
    if (!c)
        return NULL;
    c->u.column_def.name = name;
    if (!(c->u.column_def.type = fe_parse_type(p)) || !parse_column_constraints(p, c))
        return NULL;
    c->end = p->prev_end;
    return c;
}

/* ( column_def | table_constraint {, ...} ) */
static bool parse_table_elements(fe_parser *p, fe_ast *n) {
    fe_list_builder lb = {0};
    if (!fe_expect(p, FE_TOK_LPAREN))
        return false;
    do {
        if (at_table_constraint(p)) {
            if (!parse_table_constraint(p, n))
                return false;
        } else if (!fe_list_push(p, &lb, parse_column_def(p))) {
            return false;
        }
    } while (fe_accept(p, FE_TOK_COMMA));
    n->u.create_table.columns = lb.list;
    return fe_expect(p, FE_TOK_RPAREN);
}

static fe_ast *parse_create(fe_parser *p) {
    fe_token kw = fe_advance(p); /* CREATE */
    const fe_token *t = fe_peek(p, 0);
    if ((at_word(p, 0, "or") && at_word(p, 1, "replace") && at_word(p, 2, "view")) ||
        at_word(p, 0, "view"))
        return fe_parse_create_view(p, kw.start);
    if (at_word(p, 0, "or") || at_word(p, 0, "temp") || at_word(p, 0, "temporary")) {
        int n = t->len < 32 ? t->len : 32;
        return fe_parse_error(p, QE_UNSUPPORTED, "0A000", t->start,
                              "CREATE %.*s is not supported yet", n, p->sql + t->start);
    }
    if (!fe_at_kw(p, FE_KW_TABLE)) {
        if (t->kind != FE_TOK_IDENT)
            return fe_syntax_error(p, t);
        int n = t->len < 32 ? t->len : 32;
        return fe_parse_error(p, QE_UNSUPPORTED, "0A000", t->start,
                              "CREATE %.*s is not supported yet", n, p->sql + t->start);
    }
    fe_advance(p);
    fe_ast *n = fe_node(p, FE_AST_CREATE_TABLE, kw.start);
    if (!n)
        return NULL;
    if (fe_at_kw(p, FE_KW_IF)) {
        fe_advance(p);
        if (!fe_expect_kw(p, FE_KW_NOT) || !fe_expect_kw(p, FE_KW_EXISTS))
            return NULL;
        n->u.create_table.if_not_exists = true;
    }
    if (!(n->u.create_table.table = parse_table_name(p, &n->u.create_table.table_pos)))
        return NULL;
    if (fe_accept_kw(p, FE_KW_AS)) {
        if (!(n->u.create_table.query = fe_parse_query(p)))
            return NULL;
        if (fe_accept_kw(p, FE_KW_WITH)) {
            if (!at_word(p, 0, "data") && !at_word(p, 0, "no"))
                return fe_syntax_error(p, fe_peek(p, 0));
            if (at_word(p, 0, "no"))
                return fe_unsupported(p, fe_peek(p, 0)->start, "WITH NO DATA is not supported yet");
            fe_advance(p);
        }
    } else if (!parse_table_elements(p, n)) {
        return NULL;
    }
    n->end = p->prev_end;
    return n;
}

static fe_ast *parse_drop(fe_parser *p) {
    fe_token kw = fe_advance(p); /* DROP */
    const fe_token *t = fe_peek(p, 0);
    bool view = at_word(p, 0, "view");
    if (!fe_at_kw(p, FE_KW_TABLE) && !view) {
        if (t->kind != FE_TOK_IDENT)
            return fe_syntax_error(p, t);
        int n = t->len < 32 ? t->len : 32;
        return fe_parse_error(p, QE_UNSUPPORTED, "0A000", t->start,
                              "DROP %.*s is not supported yet", n, p->sql + t->start);
    }
    fe_advance(p);
    fe_ast *n = fe_node(p, FE_AST_DROP_TABLE, kw.start);
    if (!n)
        return NULL;
    if (fe_at_kw(p, FE_KW_IF)) {
        fe_advance(p);
        if (!fe_expect_kw(p, FE_KW_EXISTS))
            return NULL;
        n->u.drop_table.if_exists = true;
    }
    n->u.drop_table.view = view;
    if (!(n->u.drop_table.table = parse_table_name(p, &n->u.drop_table.table_pos)))
        return NULL;
    if (fe_peek(p, 0)->kind == FE_TOK_COMMA)
        return fe_unsupported(p, fe_peek(p, 0)->start,
                              "dropping several tables at once is not supported yet");
    if (at_word(p, 0, "cascade") || at_word(p, 0, "restrict"))
        fe_advance(p);
    n->end = p->prev_end;
    return n;
}

/* ---- SET / RESET / EXPLAIN ---------------------------------------------------------- */

/* The value of SET: a string, a signed number, a word or DEFAULT (-> NULL). */
static bool parse_set_value(fe_parser *p, char **value) {
    const fe_token *t = fe_peek(p, 0);
    if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_DEFAULT) {
        fe_advance(p);
        *value = NULL;
        return true;
    }
    if (t->kind == FE_TOK_STRING || t->kind == FE_TOK_INTEGER || t->kind == FE_TOK_DECIMAL ||
        t->kind == FE_TOK_MINUS || t->kind == FE_TOK_PLUS) {
        fe_ast *e = fe_parse_expr(p);
        if (!e)
            return false;
        if (e->kind != FE_AST_LITERAL || e->u.literal.kind == FE_LIT_NULL) {
            fe_parse_error(p, QE_SYNTAX, "42601", e->pos, "SET requires a literal value or a word");
            return false;
        }
        *value = e->u.literal.text;
        return true;
    }
    if (t->kind == FE_TOK_IDENT || t->kind == FE_TOK_QIDENT) {
        fe_token w = fe_advance(p);
        return (*value = fe_token_name(p, &w)) != NULL;
    }
    fe_syntax_error(p, t);
    return false;
}

static fe_ast *parse_set(fe_parser *p) {
    fe_token kw = fe_advance(p); /* SET */
    fe_ast *n = fe_node(p, FE_AST_SET, kw.start);
    if (!n)
        return NULL;
    if (at_word(p, 0, "session") && fe_peek(p, 1)->kind == FE_TOK_IDENT)
        fe_advance(p);
    else if (at_word(p, 0, "local") && fe_peek(p, 1)->kind == FE_TOK_IDENT)
        return fe_unsupported(p, fe_peek(p, 0)->start, "SET LOCAL is not supported yet");
    const fe_token *t = fe_peek(p, 0);
    if (t->kind != FE_TOK_IDENT && t->kind != FE_TOK_QIDENT)
        return fe_syntax_error(p, t);
    fe_token name = fe_advance(p);
    if (!(n->u.set.name = fe_token_name(p, &name)))
        return NULL;
    if (!fe_accept(p, FE_TOK_EQ) && !fe_expect_kw(p, FE_KW_TO))
        return NULL;
    if (!parse_set_value(p, &n->u.set.value))
        return NULL;
    n->end = p->prev_end;
    return n;
}

char *fe_parse_setting_name(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    char *name;
    if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_ALL) {
        fe_advance(p);
        name = rt_arena_strdup(p->arena, "all");
    } else if (t->kind == FE_TOK_IDENT || t->kind == FE_TOK_QIDENT) {
        fe_token tok = fe_advance(p);
        name = fe_token_name(p, &tok);
    } else {
        return fe_syntax_error(p, t);
    }
    return name ? name : fe_oom(p);
}

static fe_ast *parse_reset(fe_parser *p) {
    fe_token kw = fe_advance(p); /* RESET */
    fe_ast *n = fe_node(p, FE_AST_SET, kw.start);
    if (!n || !(n->u.set.name = fe_parse_setting_name(p)))
        return NULL;
    n->end = p->prev_end;
    return n;
}

static fe_ast *parse_statement(fe_parser *p);

/* A boolean option value: absent, TRUE/FALSE, ON/OFF, 1/0. */
static bool parse_option_bool(fe_parser *p, bool *out) {
    const fe_token *t = fe_peek(p, 0);
    *out = true;
    if (t->kind == FE_TOK_COMMA || t->kind == FE_TOK_RPAREN)
        return true;
    if (fe_accept_kw(p, FE_KW_TRUE) || fe_accept_kw(p, FE_KW_ON))
        return true;
    if (fe_accept_kw(p, FE_KW_FALSE) || at_word(p, 0, "off")) {
        if (at_word(p, 0, "off"))
            fe_advance(p);
        *out = false;
        return true;
    }
    if (t->kind == FE_TOK_INTEGER && t->len == 1 &&
        (p->sql[t->start] == '0' || p->sql[t->start] == '1')) {
        *out = p->sql[t->start] == '1';
        fe_advance(p);
        return true;
    }
    return fe_syntax_error(p, t), false;
}

/* ( ANALYZE [bool] | VERBOSE [bool] | COSTS [bool] | FORMAT TEXT|JSON {, ...} ) */
static bool parse_explain_options(fe_parser *p, fe_ast *n) {
    fe_advance(p); /* ( */
    do {
        const fe_token *t = fe_peek(p, 0);
        bool flag;
        if (fe_accept_kw(p, FE_KW_ANALYZE)) {
            if (!parse_option_bool(p, &flag))
                return false;
            n->u.explain.analyze = flag;
        } else if (at_word(p, 0, "timing")) {
            fe_advance(p);
            if (!parse_option_bool(p, &flag))
                return false;
            n->u.explain.no_timing = !flag;
        } else if (at_word(p, 0, "verbose") || at_word(p, 0, "costs") || at_word(p, 0, "summary") ||
                   at_word(p, 0, "buffers")) {
            fe_advance(p);
            if (!parse_option_bool(p, &flag))
                return false;
        } else if (at_word(p, 0, "format")) {
            fe_advance(p);
            if (at_word(p, 0, "json"))
                n->u.explain.json = true;
            else if (!at_word(p, 0, "text")) {
                const fe_token *v = fe_peek(p, 0);
                if (v->kind != FE_TOK_IDENT)
                    return fe_syntax_error(p, v), false;
                fe_token vt = *v;
                char *word = fe_token_name(p, &vt);
                return fe_parse_error(p, QE_SYNTAX, "22023", v->start,
                                      "unrecognized value for EXPLAIN option \"format\": \"%s\"",
                                      word ? word : "?"),
                       false;
            }
            fe_advance(p);
        } else if (t->kind == FE_TOK_IDENT) {
            fe_token ot = *t;
            char *word = fe_token_name(p, &ot);
            return fe_parse_error(p, QE_SYNTAX, "42601", ot.start,
                                  "unrecognized EXPLAIN option \"%s\"", word ? word : "?"),
                   false;
        } else {
            return fe_syntax_error(p, t), false;
        }
    } while (fe_accept(p, FE_TOK_COMMA));
    return fe_expect(p, FE_TOK_RPAREN);
}

static fe_ast *parse_explain(fe_parser *p) {
    fe_token kw = fe_advance(p); /* EXPLAIN */
    fe_ast *n = fe_node(p, FE_AST_EXPLAIN, kw.start);
    if (!n)
        return NULL;
    if (fe_accept_kw(p, FE_KW_ANALYZE))
        n->u.explain.analyze = true;
    const fe_token *t = fe_peek(p, 0);
    if (t->kind == FE_TOK_LPAREN && !at_query_start(p, 1) && fe_peek(p, 1)->kind != FE_TOK_LPAREN) {
        if (!parse_explain_options(p, n))
            return NULL;
        t = fe_peek(p, 0);
    }
    bool ok = t->kind == FE_TOK_LPAREN ||
              (t->kind == FE_TOK_IDENT &&
               (t->kw == FE_KW_SELECT || t->kw == FE_KW_WITH || t->kw == FE_KW_VALUES ||
                t->kw == FE_KW_INSERT || t->kw == FE_KW_CREATE || at_word(p, 0, "update") ||
                at_word(p, 0, "delete")));
    if (!ok)
        return fe_syntax_error(p, t);
    if (!(n->u.explain.stmt = parse_statement(p)))
        return NULL;
    n->end = p->prev_end;
    return n;
}

/* Statements known from other SQL engines, reported as not supported yet. */
static fe_ast *unsupported_statement(fe_parser *p, const fe_token *t) {
    static const char *const words[] = {
        "alter",   "pragma",     "truncate",   "grant",    "revoke", "vacuum", "analyze",
        "attach",  "detach",     "load",       "install",  "export", "import", "prepare",
        "execute", "deallocate", "checkpoint", "describe", "merge",  "upsert"};
    fe_ast *stmt = fe_parse_other_statement(p);
    if (stmt || p->failed)
        return stmt;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (!at_word(p, 0, words[i]))
            continue;
        char upper[16];
        size_t n = strlen(words[i]);
        for (size_t k = 0; k <= n; k++)
            upper[k] = (char)(words[i][k] >= 'a' ? words[i][k] - 'a' + 'A' : words[i][k]);
        return fe_parse_error(p, QE_UNSUPPORTED, "0A000", t->start, "%s is not supported yet",
                              upper);
    }
    return fe_syntax_error(p, t);
}

static fe_ast *parse_statement(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    if (t->kind == FE_TOK_LPAREN)
        return fe_parse_query(p);
    if (t->kind != FE_TOK_IDENT)
        return fe_syntax_error(p, t);
    switch (t->kw) {
    case FE_KW_SELECT:
    case FE_KW_WITH:
    case FE_KW_VALUES: return fe_parse_query(p);
    case FE_KW_INSERT: return parse_insert(p);
    case FE_KW_CREATE: return parse_create(p);
    case FE_KW_DROP: return parse_drop(p);
    case FE_KW_SET: return parse_set(p);
    case FE_KW_RESET: return parse_reset(p);
    case FE_KW_SHOW: return fe_parse_show(p);
    case FE_KW_EXPLAIN: return parse_explain(p);
    default: return unsupported_statement(p, t);
    }
}

qe_status fe_parse(rt_arena *arena, const char *sql, size_t len, fe_ast **out, size_t *tail,
                   rt_error *err) {
    fe_parser p = {.arena = arena, .sql = sql, .len = len, .err = err};
    fe_lexer_init(&p.lex, sql, len);
    *out = NULL;
    *tail = len;
    while (fe_accept(&p, FE_TOK_SEMI)) {
    }
    if (p.failed)
        return err->status;
    if (fe_peek(&p, 0)->kind == FE_TOK_EOF)
        return p.failed ? err->status : QE_OK;
    fe_ast *stmt = parse_statement(&p);
    if (stmt && !p.failed) {
        const fe_token *t = fe_peek(&p, 0);
        if (t->kind == FE_TOK_SEMI) {
            fe_advance(&p);
            *tail = (size_t)p.prev_end;
        } else if (t->kind != FE_TOK_EOF) {
            fe_syntax_error(&p, t);
        }
    }
    if (p.failed) {
        *tail = len;
        return err->status;
    }
    *out = stmt;
    return QE_OK;
}
