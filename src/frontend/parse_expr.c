/*
 * parse_expr.c -- expressions and type names: precedence climbing over PostgreSQL's
 * operator precedence.
 *
 * Levels, loosest first: OR, AND, NOT, IS, comparisons (non-associative), BETWEEN/IN/
 * LIKE, other operators (||), + -, * / %, ^, unary minus, ::.  Every node records the
 * position errors should point at (an operator's offset for binary expressions) and
 * its source span (for output column names).  A minus sign directly before a numeric
 * literal folds into the literal, so -2147483648 is one INTEGER literal.
 */
#include "fe_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Binding strength of infix operators; 0 = not an infix operator. */
enum {
    PREC_NONE = 0,
    PREC_OR,
    PREC_AND,
    PREC_NOT,
    PREC_IS,
    PREC_CMP,
    PREC_LIKE, /* BETWEEN, IN, LIKE, ILIKE */
    PREC_OTHER,
    PREC_ADD,
    PREC_MUL,
    PREC_EXP,
    PREC_UNARY,
    PREC_CAST
};

static fe_ast *parse_prec(fe_parser *p, int min_prec);

fe_ast *fe_parse_expr(fe_parser *p) { return parse_prec(p, PREC_OR); }

bool fe_parse_expr_list(fe_parser *p, fe_list *out) {
    fe_list_builder lb = {0};
    do {
        if (!fe_list_push(p, &lb, fe_parse_expr(p)))
            return false;
    } while (fe_accept(p, FE_TOK_COMMA));
    *out = lb.list;
    return true;
}

/* Operator of a binary token, or false. */
static bool binary_token_op(fe_token_kind kind, plan_op_kind *op, int *prec) {
    switch (kind) {
    case FE_TOK_PLUS: *op = PLAN_OP_ADD, *prec = PREC_ADD; return true;
    case FE_TOK_MINUS: *op = PLAN_OP_SUB, *prec = PREC_ADD; return true;
    case FE_TOK_STAR: *op = PLAN_OP_MUL, *prec = PREC_MUL; return true;
    case FE_TOK_SLASH: *op = PLAN_OP_DIV, *prec = PREC_MUL; return true;
    case FE_TOK_PERCENT: *op = PLAN_OP_MOD, *prec = PREC_MUL; return true;
    case FE_TOK_EQ: *op = PLAN_OP_EQ, *prec = PREC_CMP; return true;
    case FE_TOK_NE:
    case FE_TOK_NE2: *op = PLAN_OP_NE, *prec = PREC_CMP; return true;
    case FE_TOK_LT: *op = PLAN_OP_LT, *prec = PREC_CMP; return true;
    case FE_TOK_LE: *op = PLAN_OP_LE, *prec = PREC_CMP; return true;
    case FE_TOK_GT: *op = PLAN_OP_GT, *prec = PREC_CMP; return true;
    case FE_TOK_GE: *op = PLAN_OP_GE, *prec = PREC_CMP; return true;
    case FE_TOK_CONCAT: *op = PLAN_OP_CONCAT, *prec = PREC_OTHER; return true;
    default: return false;
    }
}

/* Precedence of the infix construct at the next token (0 if none). */
static int infix_prec(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    plan_op_kind op;
    int prec;
    if (binary_token_op(t->kind, &op, &prec))
        return prec;
    if (t->kind == FE_TOK_CARET)
        return PREC_EXP;
    if (t->kind == FE_TOK_DCOLON)
        return PREC_CAST;
    if (t->kind != FE_TOK_IDENT)
        return PREC_NONE;
    switch (t->kw) {
    case FE_KW_OR: return PREC_OR;
    case FE_KW_AND: return PREC_AND;
    case FE_KW_IS: return PREC_IS;
    case FE_KW_BETWEEN:
    case FE_KW_IN:
    case FE_KW_LIKE:
    case FE_KW_ILIKE: return PREC_LIKE;
    case FE_KW_NOT: {
        const fe_token *n = fe_peek(p, 1);
        bool follows = n->kind == FE_TOK_IDENT && (n->kw == FE_KW_BETWEEN || n->kw == FE_KW_IN ||
                                                   n->kw == FE_KW_LIKE || n->kw == FE_KW_ILIKE);
        return follows ? PREC_LIKE : PREC_NONE;
    }
    default: return PREC_NONE;
    }
}

/* A node spanning from left's start to the last consumed token. */
static fe_ast *span_node(fe_parser *p, fe_ast_kind kind, int pos, const fe_ast *left) {
    fe_ast *n = fe_node(p, kind, pos);
    if (n && left) {
        n->start = left->start;
        n->height = left->height + 1;
    }
    return n;
}

/* Fails when an operator chain makes the tree taller than later passes may recurse
 * (binder, interpreter, codegen and the plan format all walk expressions recursively). */
static fe_ast *check_height(fe_parser *p, fe_ast *n) {
    if (!n || n->height <= FE_MAX_DEPTH)
        return n;
    fe_parse_error(p, QE_SYNTAX, "54001", n->pos, "stack depth limit exceeded");
    rt_error_detail(p->err, "The expression nests more than %d operators.", FE_MAX_DEPTH);
    rt_error_hint(p->err, "Split the expression, or use IN (...) instead of long OR chains.");
    return NULL;
}

static fe_ast *parse_binary(fe_parser *p, fe_ast *left, int prec) {
    fe_token op_tok = fe_advance(p);
    plan_op_kind op = PLAN_OP_AND;
    int ignored;
    if (op_tok.kind == FE_TOK_IDENT)
        op = op_tok.kw == FE_KW_OR ? PLAN_OP_OR : PLAN_OP_AND;
    else
        binary_token_op(op_tok.kind, &op, &ignored);
    fe_ast *right = parse_prec(p, prec + 1);
    fe_ast *n = right ? span_node(p, FE_AST_BINARY, op_tok.start, left) : NULL;
    if (!n)
        return NULL;
    n->u.binary.op = op;
    n->u.binary.left = left;
    n->u.binary.right = right;
    if (right->height >= n->height)
        n->height = right->height + 1;
    if (!check_height(p, n))
        return NULL;
    if (prec == PREC_CMP && infix_prec(p) == PREC_CMP)
        return fe_syntax_error(p, fe_peek(p, 0)); /* comparisons do not associate */
    return n;
}

/* IS [NOT] NULL | TRUE | FALSE | UNKNOWN */
static fe_ast *parse_is(fe_parser *p, fe_ast *left) {
    fe_token is = fe_advance(p);
    fe_ast *n = span_node(p, FE_AST_IS, is.start, left);
    if (!n)
        return NULL;
    n->u.is.arg = left;
    n->u.is.negated = fe_accept_kw(p, FE_KW_NOT);
    const fe_token *t = fe_peek(p, 0);
    if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_DISTINCT)
        return fe_unsupported(p, t->start, "IS DISTINCT FROM is not supported yet");
    if (fe_accept_kw(p, FE_KW_NULL))
        n->u.is.test = FE_IS_NULL;
    else if (fe_accept_kw(p, FE_KW_TRUE))
        n->u.is.test = FE_IS_TRUE;
    else if (fe_accept_kw(p, FE_KW_FALSE))
        n->u.is.test = FE_IS_FALSE;
    else if (fe_accept_kw(p, FE_KW_UNKNOWN))
        n->u.is.test = FE_IS_UNKNOWN;
    else
        return fe_syntax_error(p, t);
    n->end = p->prev_end;
    return n;
}

/* Does token k start a query inside parentheses? */
static bool at_subquery(fe_parser *p, uint32_t k) {
    const fe_token *t = fe_peek(p, k);
    return t->kind == FE_TOK_IDENT &&
           (t->kw == FE_KW_SELECT || t->kw == FE_KW_WITH || t->kw == FE_KW_VALUES);
}

/* [NOT] BETWEEN low AND high | [NOT] IN (...) | [NOT] [I]LIKE pattern */
static fe_ast *parse_predicate(fe_parser *p, fe_ast *left) {
    bool negated = fe_accept_kw(p, FE_KW_NOT);
    fe_token kw = fe_advance(p);
    fe_ast *n;
    if (kw.kw == FE_KW_BETWEEN) {
        n = span_node(p, FE_AST_BETWEEN, kw.start, left);
        if (!n || !(n->u.between.low = parse_prec(p, PREC_LIKE + 1)) ||
            !fe_expect_kw(p, FE_KW_AND) || !(n->u.between.high = parse_prec(p, PREC_LIKE + 1)))
            return NULL;
        n->u.between.arg = left;
        n->u.between.negated = negated;
    } else if (kw.kw == FE_KW_IN) {
        if (!fe_expect(p, FE_TOK_LPAREN))
            return NULL;
        if (at_subquery(p, 0)) {
            n = span_node(p, FE_AST_SUBQUERY, kw.start, left);
            if (!n || !(n->u.subquery.query = fe_parse_query(p)))
                return NULL;
            n->u.subquery.kind = FE_SUBQ_IN;
            n->u.subquery.arg = left;
            n->u.subquery.negated = negated;
        } else {
            n = span_node(p, FE_AST_IN_LIST, kw.start, left);
            if (!n || !fe_parse_expr_list(p, &n->u.in_list.list))
                return NULL;
            n->u.in_list.arg = left;
            n->u.in_list.negated = negated;
        }
        if (!fe_expect(p, FE_TOK_RPAREN))
            return NULL;
    } else {
        n = span_node(p, FE_AST_LIKE, kw.start, left);
        if (!n || !(n->u.like.pattern = parse_prec(p, PREC_LIKE + 1)))
            return NULL;
        if (fe_peek(p, 0)->kind == FE_TOK_IDENT && fe_peek(p, 0)->len == 6 &&
            strncasecmp(p->sql + fe_peek(p, 0)->start, "escape", 6) == 0)
            return fe_unsupported(p, fe_peek(p, 0)->start, "LIKE ... ESCAPE is not supported yet");
        n->u.like.arg = left;
        n->u.like.negated = negated;
        n->u.like.case_insensitive = kw.kw == FE_KW_ILIKE;
    }
    n->end = p->prev_end;
    return n;
}

/* expr :: type */
static fe_ast *parse_postfix_cast(fe_parser *p, fe_ast *left) {
    fe_token op = fe_advance(p);
    fe_ast *type = fe_parse_type(p);
    fe_ast *n = type ? span_node(p, FE_AST_CAST, op.start, left) : NULL;
    if (!n)
        return NULL;
    n->u.cast.arg = left;
    n->u.cast.type = type;
    return n;
}

static fe_ast *parse_prefix(fe_parser *p);
static fe_ast *parse_primary(fe_parser *p);

static fe_ast *parse_prec(fe_parser *p, int min_prec) {
    if (++p->depth > FE_MAX_DEPTH)
        return fe_parse_error(p, QE_SYNTAX, "54001", fe_peek(p, 0)->start,
                              "stack depth limit exceeded");
    fe_ast *left = parse_prefix(p);
    while (left) {
        int prec = infix_prec(p);
        if (prec == PREC_NONE || prec < min_prec)
            break;
        if (prec == PREC_IS)
            left = parse_is(p, left);
        else if (prec == PREC_LIKE)
            left = parse_predicate(p, left);
        else if (prec == PREC_CAST)
            left = parse_postfix_cast(p, left);
        else if (prec == PREC_EXP)
            return fe_unsupported(p, fe_peek(p, 0)->start, "operator ^ is not supported yet");
        else
            left = parse_binary(p, left, prec);
        left = check_height(p, left);
    }
    p->depth--;
    return p->failed ? NULL : left;
}

/* Folds a minus sign into a numeric literal: "-" + text. */
static fe_ast *negate_literal(fe_parser *p, fe_ast *lit, int pos) {
    const char *text = lit->u.literal.text;
    size_t n = lit->u.literal.len;
    char *neg = rt_arena_alloc(p->arena, n + 2);
    if (!neg)
        return fe_oom(p);
    if (text[0] == '-') { /* - -5 */
        memcpy(neg, text + 1, n);
        lit->u.literal.len = (uint32_t)(n - 1);
    } else {
        neg[0] = '-';
        memcpy(neg + 1, text, n + 1);
        lit->u.literal.len = (uint32_t)(n + 1);
    }
    lit->u.literal.text = neg;
    lit->pos = lit->start = pos;
    return lit;
}

/* NOT expr | - expr | + expr | primary */
static fe_ast *parse_prefix(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    if ((t->kind == FE_TOK_IDENT && t->kw == FE_KW_NOT) || t->kind == FE_TOK_MINUS ||
        t->kind == FE_TOK_PLUS) {
        fe_token op = fe_advance(p);
        bool is_not = op.kind == FE_TOK_IDENT;
        fe_ast *arg = parse_prec(p, is_not ? PREC_NOT : PREC_UNARY);
        if (!arg)
            return NULL;
        if (op.kind == FE_TOK_PLUS && arg->kind == FE_AST_LITERAL &&
            (arg->u.literal.kind == FE_LIT_INTEGER || arg->u.literal.kind == FE_LIT_DECIMAL))
            return arg;
        if (!is_not && arg->kind == FE_AST_LITERAL &&
            (arg->u.literal.kind == FE_LIT_INTEGER || arg->u.literal.kind == FE_LIT_DECIMAL))
            return negate_literal(p, arg, op.start);
        fe_ast *n = fe_node(p, FE_AST_UNARY, op.start);
        if (!n)
            return NULL;
        /* unary plus is ADD with one argument: the binder checks it is numeric */
        n->u.unary.op = is_not ? PLAN_OP_NOT : op.kind == FE_TOK_PLUS ? PLAN_OP_ADD : PLAN_OP_NEG;
        n->u.unary.arg = arg;
        return n;
    }
    return parse_primary(p);
}

/* ---- primary expressions ------------------------------------------------------------ */

static fe_ast *literal_node(fe_parser *p, fe_lit_kind kind, const fe_token *t) {
    fe_ast *n = fe_node(p, FE_AST_LITERAL, t->start);
    if (n)
        n->u.literal.kind = kind;
    return n;
}

/* 'text' with '' escapes -> bytes. */
static fe_ast *parse_string(fe_parser *p) {
    fe_token t = fe_advance(p);
    fe_ast *n = literal_node(p, FE_LIT_STRING, &t);
    char *text = n ? rt_arena_alloc(p->arena, (size_t)t.len) : NULL;
    if (!text)
        return n ? fe_oom(p) : NULL;
    const char *s = p->sql + t.start;
    uint32_t len = 0;
    for (int i = 1; i < t.len - 1; i++) {
        text[len++] = s[i];
        if (s[i] == '\'')
            i++;
    }
    text[len] = '\0';
    n->u.literal.text = text;
    n->u.literal.len = len;
    return n;
}

static fe_ast *parse_number(fe_parser *p) {
    fe_token t = fe_advance(p);
    fe_ast *n = literal_node(p, t.kind == FE_TOK_INTEGER ? FE_LIT_INTEGER : FE_LIT_DECIMAL, &t);
    if (!n)
        return NULL;
    if (!(n->u.literal.text = rt_arena_strndup(p->arena, p->sql + t.start, (size_t)t.len)))
        return fe_oom(p);
    n->u.literal.len = (uint32_t)t.len;
    return n;
}

/* ( expr ) or ( query ); the span of a parenthesized expression includes the parens. */
static fe_ast *parse_paren(fe_parser *p) {
    fe_token lp = fe_advance(p);
    if (at_subquery(p, 0)) {
        fe_ast *n = fe_node(p, FE_AST_SUBQUERY, lp.start);
        if (!n || !(n->u.subquery.query = fe_parse_query(p)) || !fe_expect(p, FE_TOK_RPAREN))
            return NULL;
        n->u.subquery.kind = FE_SUBQ_SCALAR;
        n->end = p->prev_end;
        return n;
    }
    fe_ast *e = fe_parse_expr(p);
    if (!e)
        return NULL;
    if (fe_peek(p, 0)->kind == FE_TOK_COMMA)
        return fe_unsupported(p, lp.start, "row constructors are not supported yet");
    if (!fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    e->start = lp.start;
    e->end = p->prev_end;
    return e;
}

/* The output name of an aggregate-style call: count_star(), sum(b), count(DISTINCT c). */
static char *func_display(fe_parser *p, const fe_ast *f) {
    if (f->u.func.star)
        return rt_arena_strdup(p->arena,
                               strcmp(f->u.func.name, "count") == 0 ? "count_star()" : "*()");
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    rt_strbuf_printf(&sb, "%s(%s", f->u.func.name, f->u.func.distinct ? "DISTINCT " : "");
    for (uint32_t i = 0; i < f->u.func.args.n; i++) {
        const fe_ast *a = f->u.func.args.items[i];
        if (i)
            rt_strbuf_puts(&sb, ", ");
        rt_strbuf_append(&sb, p->sql + a->start, (size_t)(a->end - a->start));
    }
    rt_strbuf_puts(&sb, ")");
    char *text = rt_strbuf_take(&sb);
    char *out = text ? rt_arena_strdup(p->arena, text) : NULL;
    free(text);
    return out;
}

/* Clauses after a call that later issues implement. */
static bool reject_call_suffix(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_FILTER && fe_peek(p, 1)->kind == FE_TOK_LPAREN)
        return fe_unsupported(p, t->start, "aggregate FILTER clauses are not supported yet"), false;
    if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_OVER)
        return fe_unsupported(p, t->start, "window functions are not supported yet"), false;
    if (t->kind == FE_TOK_IDENT && t->len == 6 && strncasecmp(p->sql + t->start, "within", 6) == 0)
        return fe_unsupported(p, t->start, "WITHIN GROUP is not supported yet"), false;
    return true;
}

/* name ( [* | [DISTINCT|ALL] args] ) */
static fe_ast *parse_call(fe_parser *p, char *name, int pos) {
    fe_advance(p); /* ( */
    fe_ast *n = fe_node(p, FE_AST_FUNC, pos);
    if (!n)
        return NULL;
    n->u.func.name = name;
    n->u.func.distinct_pos = -1;
    if (fe_accept(p, FE_TOK_STAR)) {
        n->u.func.star = true;
    } else if (fe_peek(p, 0)->kind != FE_TOK_RPAREN) {
        if (fe_at_kw(p, FE_KW_DISTINCT)) {
            n->u.func.distinct = true;
            n->u.func.distinct_pos = fe_advance(p).start;
        } else {
            fe_accept_kw(p, FE_KW_ALL);
        }
        if (!fe_parse_expr_list(p, &n->u.func.args))
            return NULL;
        if (fe_at_kw(p, FE_KW_ORDER))
            return fe_unsupported(p, fe_peek(p, 0)->start,
                                  "ORDER BY in aggregate arguments is not supported yet");
    }
    if (!fe_expect(p, FE_TOK_RPAREN) || !reject_call_suffix(p))
        return NULL;
    n->end = p->prev_end;
    if (!(n->u.func.display = func_display(p, n)))
        return fe_oom(p);
    return n;
}

/* CAST ( expr AS type ) */
static fe_ast *parse_cast(fe_parser *p) {
    fe_token kw = fe_advance(p);
    fe_ast *n = fe_node(p, FE_AST_CAST, kw.start);
    if (!n || !fe_expect(p, FE_TOK_LPAREN) || !(n->u.cast.arg = fe_parse_expr(p)) ||
        !fe_expect_kw(p, FE_KW_AS) || !(n->u.cast.type = fe_parse_type(p)) ||
        !fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    n->end = p->prev_end;
    return n;
}

/* CASE [operand] WHEN c THEN r ... [ELSE e] END */
static fe_ast *parse_case(fe_parser *p) {
    fe_token kw = fe_advance(p);
    fe_ast *n = fe_node(p, FE_AST_CASE, kw.start);
    if (!n)
        return NULL;
    if (!fe_at_kw(p, FE_KW_WHEN) && !(n->u.case_.operand = fe_parse_expr(p)))
        return NULL;
    fe_list_builder conds = {0}, results = {0};
    if (!fe_at_kw(p, FE_KW_WHEN))
        return fe_syntax_error(p, fe_peek(p, 0));
    while (fe_accept_kw(p, FE_KW_WHEN)) {
        if (!fe_list_push(p, &conds, fe_parse_expr(p)) || !fe_expect_kw(p, FE_KW_THEN) ||
            !fe_list_push(p, &results, fe_parse_expr(p)))
            return NULL;
    }
    if (fe_accept_kw(p, FE_KW_ELSE) && !(n->u.case_.else_expr = fe_parse_expr(p)))
        return NULL;
    if (!fe_expect_kw(p, FE_KW_END))
        return NULL;
    n->u.case_.conds = conds.list;
    n->u.case_.results = results.list;
    n->end = p->prev_end;
    return n;
}

/* EXISTS ( query ) */
static fe_ast *parse_exists(fe_parser *p) {
    fe_token kw = fe_advance(p);
    fe_ast *n = fe_node(p, FE_AST_SUBQUERY, kw.start);
    if (!n || !fe_expect(p, FE_TOK_LPAREN))
        return NULL;
    if (!at_subquery(p, 0))
        return fe_syntax_error(p, fe_peek(p, 0));
    if (!(n->u.subquery.query = fe_parse_query(p)) || !fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    n->u.subquery.kind = FE_SUBQ_EXISTS;
    n->end = p->prev_end;
    return n;
}

/* True if tok is the unquoted word w (lower case). */
static bool is_word(fe_parser *p, const fe_token *tok, const char *w) {
    size_t n = strlen(w);
    return tok->kind == FE_TOK_IDENT && (size_t)tok->len == n &&
           strncasecmp(p->sql + tok->start, w, n) == 0;
}

/* DATE '...', TIMESTAMP '...', INTERVAL '...' [unit]: a cast of a string literal. */
static fe_ast *parse_typed_literal(fe_parser *p) {
    fe_token tn = fe_advance(p);
    fe_ast *type = fe_node(p, FE_AST_TYPE_NAME, tn.start);
    if (!type || !(type->u.type_name.name = fe_token_name(p, &tn)))
        return NULL;
    fe_ast *lit = parse_string(p);
    fe_ast *n = lit ? fe_node(p, FE_AST_CAST, tn.start) : NULL;
    if (!n)
        return NULL;
    if (strcmp(type->u.type_name.name, "interval") == 0) {
        static const char *const units[] = {"year", "month", "day", "hour", "minute", "second"};
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (is_word(p, fe_peek(p, 0), units[i]))
                fe_advance(p);
    }
    n->u.cast.arg = lit;
    n->u.cast.type = type;
    n->end = p->prev_end;
    return n;
}

/* name | name.name | name(args) */
static fe_ast *parse_name_expr(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    static const char *const typed[] = {"date", "time", "timestamp", "interval"};
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++)
        if (is_word(p, t, typed[i]) && fe_peek(p, 1)->kind == FE_TOK_STRING)
            return parse_typed_literal(p);
    int pos = t->start;
    char *name = fe_parse_name(p, NULL);
    if (!name)
        return NULL;
    if (fe_peek(p, 0)->kind == FE_TOK_LPAREN)
        return parse_call(p, name, pos);
    fe_ast *n = fe_node(p, FE_AST_COLUMN_REF, pos);
    if (!n)
        return NULL;
    n->u.column_ref.name = name;
    if (fe_accept(p, FE_TOK_DOT)) {
        n->u.column_ref.qualifier = name;
        if (!(n->u.column_ref.name = fe_parse_name(p, NULL)))
            return NULL;
        if (fe_peek(p, 0)->kind == FE_TOK_DOT)
            return fe_parse_error(p, QE_SYNTAX, "42601", pos,
                                  "improper qualified name (too many dotted names)");
        if (fe_peek(p, 0)->kind == FE_TOK_LPAREN)
            return fe_unsupported(p, pos, "qualified function names are not supported yet");
    }
    n->end = p->prev_end;
    return n;
}

static fe_ast *parse_primary(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    switch (t->kind) {
    case FE_TOK_STRING: return parse_string(p);
    case FE_TOK_INTEGER:
    case FE_TOK_DECIMAL: return parse_number(p);
    case FE_TOK_LPAREN: return parse_paren(p);
    case FE_TOK_PARAM: return fe_unsupported(p, t->start, "parameters are not supported yet");
    case FE_TOK_QIDENT: return parse_name_expr(p);
    case FE_TOK_IDENT: break;
    default: return fe_syntax_error(p, t);
    }
    switch (t->kw) {
    case FE_KW_TRUE:
    case FE_KW_FALSE:
    case FE_KW_NULL: {
        fe_token kw = fe_advance(p);
        return literal_node(p,
                            kw.kw == FE_KW_TRUE    ? FE_LIT_TRUE
                            : kw.kw == FE_KW_FALSE ? FE_LIT_FALSE
                                                   : FE_LIT_NULL,
                            &kw);
    }
    case FE_KW_DEFAULT: {
        fe_token kw = fe_advance(p);
        return fe_node(p, FE_AST_DEFAULT, kw.start);
    }
    case FE_KW_CAST: return parse_cast(p);
    case FE_KW_CASE: return parse_case(p);
    case FE_KW_ANY:
    case FE_KW_SOME:
    case FE_KW_ALL:
        if (fe_peek(p, 1)->kind == FE_TOK_LPAREN)
            return fe_unsupported(p, t->start, "ANY/ALL subqueries are not supported yet");
        return fe_syntax_error(p, t);
    case FE_KW_EXISTS:
        if (fe_peek(p, 1)->kind == FE_TOK_LPAREN)
            return parse_exists(p);
        return parse_name_expr(p);
    default:
        if (fe_keyword_reserved(t->kw))
            return fe_syntax_error(p, t);
        return parse_name_expr(p);
    }
}

/* ---- type names --------------------------------------------------------------------- */

/* (n) or (p, s) after a type name. */
static bool parse_type_params(fe_parser *p, fe_ast *type) {
    fe_advance(p); /* ( */
    do {
        const fe_token *t = fe_peek(p, 0);
        if (t->kind != FE_TOK_INTEGER || type->u.type_name.n_params == 2 || t->len > 9) {
            fe_syntax_error(p, t);
            return false;
        }
        fe_token num = fe_advance(p);
        int64_t v = 0;
        for (int i = 0; i < num.len; i++)
            v = v * 10 + (p->sql[num.start + i] - '0');
        type->u.type_name.params[type->u.type_name.n_params++] = v;
    } while (fe_accept(p, FE_TOK_COMMA));
    return fe_expect(p, FE_TOK_RPAREN);
}

fe_ast *fe_parse_type(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    if (t->kind != FE_TOK_IDENT || fe_keyword_reserved(t->kw))
        return fe_syntax_error(p, t);
    fe_token tn = fe_advance(p);
    fe_ast *n = fe_node(p, FE_AST_TYPE_NAME, tn.start);
    char *name = n ? fe_token_name(p, &tn) : NULL;
    if (!name)
        return NULL;
    if (strcmp(name, "double") == 0 && is_word(p, fe_peek(p, 0), "precision")) {
        fe_advance(p);
        name = "double precision";
    } else if ((strcmp(name, "character") == 0 || strcmp(name, "char") == 0) &&
               is_word(p, fe_peek(p, 0), "varying")) {
        fe_advance(p);
        name = "varchar";
    } else if ((strcmp(name, "timestamp") == 0 || strcmp(name, "time") == 0) &&
               fe_at_kw(p, FE_KW_WITH) && is_word(p, fe_peek(p, 1), "time")) {
        fe_advance(p), fe_advance(p);
        if (!is_word(p, fe_peek(p, 0), "zone"))
            return fe_syntax_error(p, fe_peek(p, 0));
        fe_advance(p);
        name = strcmp(name, "time") == 0 ? "timetz" : "timestamptz";
    }
    n->u.type_name.name = name;
    if (fe_peek(p, 0)->kind == FE_TOK_LPAREN && !parse_type_params(p, n))
        return NULL;
    if (fe_peek(p, 0)->kind == FE_TOK_LBRACKET)
        return fe_unsupported(p, fe_peek(p, 0)->start, "array types are not supported yet");
    n->end = p->prev_end;
    return n;
}
