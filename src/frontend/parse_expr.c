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

#include <stdio.h>
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

/* True if tok is the unquoted word w (lower case). */
static bool is_word(fe_parser *p, const fe_token *tok, const char *w) {
    size_t n = strlen(w);
    return tok->kind == FE_TOK_IDENT && (size_t)tok->len == n &&
           strncasecmp(p->sql + tok->start, w, n) == 0;
}

/* SIMILAR followed by TO (SIMILAR is not a keyword of ours, so columns may use it). */
static bool is_similar(fe_parser *p, const fe_token *t) {
    if (!is_word(p, t, "similar"))
        return false;
    const fe_token *n = t == fe_peek(p, 0) ? fe_peek(p, 1) : fe_peek(p, 2);
    return n->kind == FE_TOK_IDENT && n->kw == FE_KW_TO;
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
        bool follows = n->kind == FE_TOK_IDENT &&
                       (n->kw == FE_KW_BETWEEN || n->kw == FE_KW_IN || n->kw == FE_KW_LIKE ||
                        n->kw == FE_KW_ILIKE || is_similar(p, n));
        return follows ? PREC_LIKE : PREC_NONE;
    }
    default: return is_similar(p, t) ? PREC_LIKE : PREC_NONE;
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
    if (prec == PREC_CMP && fe_at_quantified_subquery(p))
        return fe_parse_quantified(p, left, op, op_tok.start);
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

static char *func_display(fe_parser *p, const fe_ast *f);

/* Fills call node n as name(args[0..n_args)); display is the call's source text. */
static fe_ast *finish_call(fe_parser *p, fe_ast *n, const char *name, fe_ast **args,
                           uint32_t n_args) {
    fe_list_builder lb = {0};
    for (uint32_t i = 0; i < n_args; i++)
        if (!fe_list_push(p, &lb, args[i]))
            return NULL;
    n->u.func.name = (char *)name;
    n->u.func.args = lb.list;
    n->u.func.distinct_pos = -1;
    n->u.func.filter_pos = -1;
    n->end = p->prev_end;
    n->u.func.display = rt_arena_strndup(p->arena, p->sql + n->start, (size_t)(n->end - n->start));
    return n->u.func.display ? n : fe_oom(p);
}

/* x IS [NOT] DISTINCT FROM y: the catalog's is_[not_]distinct_from(x, y) (n is the IS
 * node, reused as the call). */
static fe_ast *parse_is_distinct(fe_parser *p, fe_ast *n, fe_ast *left) {
    bool negated = n->u.is.negated;
    fe_advance(p); /* DISTINCT */
    if (!fe_expect_kw(p, FE_KW_FROM))
        return NULL;
    fe_ast *right = parse_prec(p, PREC_IS + 1);
    if (!right)
        return NULL;
    memset(&n->u, 0, sizeof n->u);
    n->kind = FE_AST_FUNC;
    if (right->height >= n->height)
        n->height = right->height + 1;
    fe_ast *args[2] = {left, right};
    return finish_call(p, n, negated ? "is_not_distinct_from" : "is_distinct_from", args, 2);
}

/* IS [NOT] NULL | TRUE | FALSE | UNKNOWN | DISTINCT FROM */
static fe_ast *parse_is(fe_parser *p, fe_ast *left) {
    fe_token is = fe_advance(p);
    fe_ast *n = span_node(p, FE_AST_IS, is.start, left);
    if (!n)
        return NULL;
    n->u.is.arg = left;
    n->u.is.negated = fe_accept_kw(p, FE_KW_NOT);
    const fe_token *t = fe_peek(p, 0);
    if (t->kind == FE_TOK_IDENT && t->kw == FE_KW_DISTINCT)
        return parse_is_distinct(p, n, left);
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
        bool symmetric = is_word(p, fe_peek(p, 0), "symmetric");
        if (symmetric || is_word(p, fe_peek(p, 0), "asymmetric"))
            fe_advance(p);
        if (n)
            n->u.between.symmetric = symmetric;
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
    } else if (kw.kw != FE_KW_LIKE && kw.kw != FE_KW_ILIKE) { /* SIMILAR TO */
        fe_parse_error(p, QE_UNSUPPORTED, "0A000", kw.start, "SIMILAR TO is not supported yet");
        rt_error_hint(p->err, "Use regexp_matches(string, pattern) instead.");
        return NULL;
    } else {
        n = span_node(p, FE_AST_LIKE, kw.start, left);
        if (!n || !(n->u.like.pattern = parse_prec(p, PREC_LIKE + 1)))
            return NULL;
        if (is_word(p, fe_peek(p, 0), "escape")) {
            fe_advance(p);
            if (!(n->u.like.escape = parse_prec(p, PREC_LIKE + 1)))
                return NULL;
        }
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

/* Value of hex digit c, or -1. */
static int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Appends code point cp as UTF-8; false if it is not a valid code point. */
static bool put_utf8(char *out, uint32_t *len, uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return false;
    if (cp < 0x80) {
        out[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*len)++] = (char)(0xC0 | (cp >> 6));
        out[(*len)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*len)++] = (char)(0xE0 | (cp >> 12));
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*len)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*len)++] = (char)(0xF0 | (cp >> 18));
        out[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*len)++] = (char)(0x80 | (cp & 0x3F));
    }
    return true;
}

/* Decodes the escape at s[*i] (just after a backslash) into out; false on an invalid
 * Unicode escape or a NUL byte. */
static bool decode_escape(const char *s, int end, int *i, char *out, uint32_t *len) {
    static const char simple[] = "b\bf\fn\nr\rt\t";
    char c = s[*i];
    for (int k = 0; simple[k]; k += 2)
        if (c == simple[k])
            return out[(*len)++] = simple[k + 1], true;
    if (c >= '0' && c <= '7') {
        int v = 0;
        for (int n = 0; n < 3 && *i < end && s[*i] >= '0' && s[*i] <= '7'; n++, (*i)++)
            v = v * 8 + (s[*i] - '0');
        (*i)--;
        return v != 0 && (out[(*len)++] = (char)v, true);
    }
    if (c == 'x' && *i + 1 < end && hex_value(s[*i + 1]) >= 0) {
        int v = 0;
        for (int n = 0; n < 2 && *i + 1 < end && hex_value(s[*i + 1]) >= 0; n++, (*i)++)
            v = v * 16 + hex_value(s[*i + 1]);
        return v != 0 && (out[(*len)++] = (char)v, true);
    }
    if (c == 'u' || c == 'U') {
        int digits = c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int n = 0; n < digits; n++) {
            int h = *i + 1 < end ? hex_value(s[*i + 1]) : -1;
            if (h < 0)
                return false;
            cp = cp * 16 + (uint32_t)h;
            (*i)++;
        }
        return put_utf8(out, len, cp);
    }
    out[(*len)++] = c; /* \\, \', and any other character stands for itself */
    return true;
}

/* E'text' with backslash escapes -> bytes (42601/22021 on a bad escape). */
static fe_ast *parse_escape_string(fe_parser *p, fe_token t, fe_ast *n) {
    char *text = rt_arena_alloc(p->arena, (size_t)t.len + 8);
    if (!text)
        return fe_oom(p);
    const char *s = p->sql + t.start;
    uint32_t len = 0;
    for (int i = 2; i < t.len - 1; i++) {
        if (s[i] == '\\') {
            i++;
            if (!decode_escape(s, t.len - 1, &i, text, &len))
                return fe_parse_error(p, QE_SYNTAX, "22021", t.start + i,
                                      "invalid Unicode escape value or NUL in string");
        } else {
            text[len++] = s[i];
            if (s[i] == '\'')
                i++;
        }
    }
    text[len] = '\0';
    n->u.literal.text = text;
    n->u.literal.len = len;
    return n;
}

/* 'text' with '' escapes -> bytes (E'...' strings: backslash escapes too). */
static fe_ast *parse_string(fe_parser *p) {
    fe_token t = fe_advance(p);
    fe_ast *n = literal_node(p, FE_LIT_STRING, &t);
    if (n && p->sql[t.start] != '\'')
        return parse_escape_string(p, t, n);
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

/* FILTER (WHERE cond) after an aggregate call. */
static bool parse_filter(fe_parser *p, fe_ast *call) {
    call->u.func.filter_pos = fe_advance(p).start;
    fe_advance(p); /* ( */
    return fe_expect_kw(p, FE_KW_WHERE) && (call->u.func.filter = fe_parse_expr(p)) &&
           fe_expect(p, FE_TOK_RPAREN);
}

/* Clauses after a call that later issues implement. */
static bool reject_call_suffix(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
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
    if (!fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    n->u.func.filter_pos = -1;
    if (fe_at_kw(p, FE_KW_FILTER) && fe_peek(p, 1)->kind == FE_TOK_LPAREN && !parse_filter(p, n))
        return NULL;
    if (!reject_call_suffix(p))
        return NULL;
    if (fe_at_kw(p, FE_KW_OVER) && !(n->u.func.over = fe_parse_over(p)))
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

/* INTERVAL field word (singular or plural) at the next token: its FE_IVF bit, or 0. */
static uint32_t interval_field(fe_parser *p) {
    static const char *const names[] = {"year", "month", "day", "hour", "minute", "second"};
    const fe_token *t = fe_peek(p, 0);
    for (uint32_t i = 0; i < 6; i++) {
        size_t n = strlen(names[i]);
        if (t->kind == FE_TOK_IDENT && ((size_t)t->len == n || (size_t)t->len == n + 1) &&
            strncasecmp(p->sql + t->start, names[i], n) == 0 &&
            ((size_t)t->len == n || (p->sql[t->start + n] | 0x20) == 's'))
            return 1u << i;
    }
    return 0;
}

/* Skips an optional "(precision)" after an interval field. */
static bool skip_field_precision(fe_parser *p) {
    if (fe_peek(p, 0)->kind != FE_TOK_LPAREN)
        return true;
    fe_advance(p);
    if (fe_peek(p, 0)->kind != FE_TOK_INTEGER)
        return fe_syntax_error(p, fe_peek(p, 0)), false;
    fe_advance(p);
    return fe_expect(p, FE_TOK_RPAREN);
}

/* field [(p)] [TO field [(p)]] after an interval literal: the FE_IVF bits of the first
 * and last field (0 when absent). */
static bool parse_interval_fields(fe_parser *p, uint32_t *fields) {
    uint32_t first = interval_field(p);
    *fields = first;
    if (!first)
        return true;
    fe_advance(p);
    if (!skip_field_precision(p))
        return false;
    if (!fe_accept_kw(p, FE_KW_TO))
        return true;
    uint32_t last = interval_field(p);
    if (!last || last <= first)
        return fe_syntax_error(p, fe_peek(p, 0)), false;
    fe_advance(p);
    *fields = first | last;
    return skip_field_precision(p);
}

/* The number of INTERVAL 3 DAY (DuckDB's form) as a string literal node. */
static fe_ast *number_as_string(fe_parser *p) {
    fe_token t = fe_advance(p);
    fe_ast *n = literal_node(p, FE_LIT_STRING, &t);
    if (n && !(n->u.literal.text = rt_arena_strndup(p->arena, p->sql + t.start, (size_t)t.len)))
        return fe_oom(p);
    if (n)
        n->u.literal.len = (uint32_t)t.len;
    return n;
}

/* DATE '...', TIMESTAMP '...', INTERVAL '...' [fields], INTERVAL 3 DAY: a cast of a
 * string literal (the fields qualify how the interval text reads). */
static fe_ast *parse_typed_literal(fe_parser *p) {
    fe_token tn = fe_advance(p);
    fe_ast *type = fe_node(p, FE_AST_TYPE_NAME, tn.start);
    if (!type || !(type->u.type_name.name = fe_token_name(p, &tn)))
        return NULL;
    bool interval = strcmp(type->u.type_name.name, "interval") == 0;
    bool number = fe_peek(p, 0)->kind != FE_TOK_STRING;
    fe_ast *lit = number ? number_as_string(p) : parse_string(p);
    fe_ast *n = lit ? fe_node(p, FE_AST_CAST, tn.start) : NULL;
    if (!n)
        return NULL;
    if (interval && !parse_interval_fields(p, &type->u.type_name.interval_fields))
        return NULL;
    if (number && type->u.type_name.interval_fields == 0)
        return fe_syntax_error(p, fe_peek(p, 0)); /* INTERVAL 3 needs a unit */
    type->end = p->prev_end;
    n->u.cast.arg = lit;
    n->u.cast.type = type;
    n->end = p->prev_end;
    return n;
}

/* ---- SQL-syntax function calls ------------------------------------------------------ */

/* The rest of an ordinary argument list after its first argument, then ")". */
static fe_ast *finish_plain_call(fe_parser *p, fe_ast *n, const char *name, fe_ast *first) {
    fe_ast *args[64];
    uint32_t n_args = 0;
    args[n_args++] = first;
    while (fe_accept(p, FE_TOK_COMMA)) {
        if (n_args == 64)
            return fe_unsupported(p, fe_peek(p, 0)->start, "too many arguments");
        if (!(args[n_args++] = fe_parse_expr(p)))
            return NULL;
    }
    if (!fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    fe_ast *call = finish_call(p, n, name, args, n_args);
    if (call && !(call->u.func.display = func_display(p, call)))
        return fe_oom(p);
    return call;
}

/* EXTRACT(field FROM x) -> extract('field', x). */
static fe_ast *parse_extract(fe_parser *p, fe_ast *n) {
    fe_ast *field;
    if (fe_peek(p, 0)->kind == FE_TOK_STRING) {
        field = parse_string(p);
    } else {
        fe_token f = fe_advance(p);
        field = literal_node(p, FE_LIT_STRING, &f);
        if (field && !(field->u.literal.text = fe_token_name(p, &f)))
            return NULL;
    }
    if (!field)
        return NULL;
    field->u.literal.len = (uint32_t)strlen(field->u.literal.text);
    fe_ast *args[2] = {field, NULL};
    if (!fe_expect_kw(p, FE_KW_FROM) || !(args[1] = fe_parse_expr(p)) ||
        !fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    return finish_call(p, n, "extract", args, 2);
}

/* SUBSTRING(x FROM a [FOR b]) | SUBSTRING(x FOR b [FROM a]) | substring(x, a, b). */
static fe_ast *parse_substring(fe_parser *p, fe_ast *n) {
    fe_ast *x = fe_parse_expr(p), *from = NULL, *len = NULL;
    if (!x)
        return NULL;
    if (!fe_at_kw(p, FE_KW_FROM) && !fe_at_kw(p, FE_KW_FOR))
        return finish_plain_call(p, n, "substring", x);
    for (int i = 0; i < 2; i++) {
        if (!from && fe_accept_kw(p, FE_KW_FROM) && !(from = fe_parse_expr(p)))
            return NULL;
        if (!len && fe_accept_kw(p, FE_KW_FOR) && !(len = fe_parse_expr(p)))
            return NULL;
    }
    if (!fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    if (!from) { /* SUBSTRING(x FOR b): from 1 */
        fe_token one = {.kind = FE_TOK_INTEGER, .start = n->start};
        if (!(from = literal_node(p, FE_LIT_INTEGER, &one)) ||
            !(from->u.literal.text = rt_arena_strdup(p->arena, "1")))
            return from ? fe_oom(p) : NULL;
        from->u.literal.len = 1;
    }
    fe_ast *args[3] = {x, from, len};
    return finish_call(p, n, "substring", args, len ? 3 : 2);
}

/* POSITION(a IN b) -> position(a, b). */
static fe_ast *parse_position(fe_parser *p, fe_ast *n) {
    fe_ast *needle = parse_prec(p, PREC_LIKE + 1);
    if (!needle)
        return NULL;
    if (!fe_accept_kw(p, FE_KW_IN))
        return finish_plain_call(p, n, "position", needle);
    fe_ast *args[2] = {needle, fe_parse_expr(p)};
    if (!args[1] || !fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    return finish_call(p, n, "position", args, 2);
}

/* TRIM([LEADING|TRAILING|BOTH] [chars] FROM x) | TRIM(x [, chars]) -> btrim/ltrim/rtrim. */
static fe_ast *parse_trim(fe_parser *p, fe_ast *n) {
    const char *fn = "btrim";
    if (is_word(p, fe_peek(p, 0), "leading"))
        fn = "ltrim";
    else if (is_word(p, fe_peek(p, 0), "trailing"))
        fn = "rtrim";
    if (is_word(p, fe_peek(p, 0), "leading") || is_word(p, fe_peek(p, 0), "trailing") ||
        is_word(p, fe_peek(p, 0), "both"))
        fe_advance(p);
    fe_ast *chars = NULL, *x = NULL;
    if (fe_accept_kw(p, FE_KW_FROM)) {
        x = fe_parse_expr(p);
    } else if ((x = fe_parse_expr(p)) && fe_accept_kw(p, FE_KW_FROM)) {
        chars = x;
        x = fe_parse_expr(p);
    } else if (x && fe_accept(p, FE_TOK_COMMA)) {
        chars = fe_parse_expr(p);
        if (!chars)
            return NULL;
    }
    if (!x || !fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    fe_ast *args[2] = {x, chars};
    return finish_call(p, n, fn, args, chars ? 2 : 1);
}

/* OVERLAY(x PLACING y FROM a [FOR b]) -> overlay(x, y, a [, b]). */
static fe_ast *parse_overlay(fe_parser *p, fe_ast *n) {
    fe_ast *args[4] = {fe_parse_expr(p), NULL, NULL, NULL};
    if (!args[0])
        return NULL;
    if (!is_word(p, fe_peek(p, 0), "placing"))
        return finish_plain_call(p, n, "overlay", args[0]);
    fe_advance(p);
    if (!(args[1] = fe_parse_expr(p)) || !fe_expect_kw(p, FE_KW_FROM) ||
        !(args[2] = fe_parse_expr(p)))
        return NULL;
    if (fe_accept_kw(p, FE_KW_FOR) && !(args[3] = fe_parse_expr(p)))
        return NULL;
    if (!fe_expect(p, FE_TOK_RPAREN))
        return NULL;
    return finish_call(p, n, "overlay", args, args[3] ? 4 : 3);
}

/* A call with SQL's keyword syntax (EXTRACT, SUBSTRING, POSITION, TRIM, OVERLAY) at
 * name "(": the call node, or NULL with *handled false for an ordinary name. */
static fe_ast *parse_special_call(fe_parser *p, const char *name, int pos, bool *handled) {
    static const char *const names[] = {"extract", "substring", "position", "trim", "overlay"};
    size_t k = 0;
    while (k < 5 && strcmp(name, names[k]) != 0)
        k++;
    const fe_token *t1 = fe_peek(p, 1), *t2 = fe_peek(p, 2);
    bool extract_form = (t1->kind == FE_TOK_IDENT || t1->kind == FE_TOK_STRING) &&
                        t2->kind == FE_TOK_IDENT && t2->kw == FE_KW_FROM;
    *handled = k < 5 && (k != 0 || extract_form);
    if (!*handled)
        return NULL;
    fe_advance(p); /* ( */
    fe_ast *n = fe_node(p, FE_AST_FUNC, pos);
    if (!n)
        return NULL;
    n->start = pos;
    switch (k) {
    case 0: return parse_extract(p, n);
    case 1: return parse_substring(p, n);
    case 2: return parse_position(p, n);
    case 3: return parse_trim(p, n);
    default: return parse_overlay(p, n);
    }
}

/* CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIMESTAMP without parentheses: calls. */
static fe_ast *parse_datetime_keyword(fe_parser *p, const fe_token *t) {
    static const char *const words[] = {"current_date", "current_timestamp", "localtimestamp"};
    for (size_t i = 0; i < 3; i++) {
        if (!is_word(p, t, words[i]) || fe_peek(p, 1)->kind == FE_TOK_LPAREN ||
            fe_peek(p, 1)->kind == FE_TOK_DOT)
            continue;
        fe_token w = fe_advance(p);
        fe_ast *n = fe_node(p, FE_AST_FUNC, w.start);
        return n ? finish_call(p, n, i == 0 ? "current_date" : "current_timestamp", NULL, 0) : NULL;
    }
    return NULL;
}

/* name | name.name | name(args) */
static fe_ast *parse_name_expr(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    static const char *const typed[] = {"date", "time", "timestamp", "interval"};
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++)
        if (is_word(p, t, typed[i]) && (fe_peek(p, 1)->kind == FE_TOK_STRING ||
                                        (i == 3 && (fe_peek(p, 1)->kind == FE_TOK_INTEGER ||
                                                    fe_peek(p, 1)->kind == FE_TOK_DECIMAL))))
            return parse_typed_literal(p);
    fe_ast *kw_call = parse_datetime_keyword(p, t);
    if (kw_call || p->failed)
        return kw_call;
    int pos = t->start;
    bool quoted = t->kind == FE_TOK_QIDENT;
    char *name = fe_parse_name(p, NULL);
    if (!name)
        return NULL;
    if (fe_peek(p, 0)->kind == FE_TOK_LPAREN && !quoted) {
        bool handled;
        fe_ast *special = parse_special_call(p, name, pos, &handled);
        if (handled || p->failed)
            return special;
    }
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

/* $n, or ? numbered in order of appearance: a PARAM literal with text "$n". */
static fe_ast *parse_param(fe_parser *p) {
    fe_token t = fe_advance(p);
    fe_ast *n = literal_node(p, FE_LIT_PARAM, &t);
    if (!n)
        return NULL;
    char buf[24];
    bool qmark = p->sql[t.start] == '?';
    if (qmark ? p->dollar_params : p->n_qmark > 0)
        return fe_parse_error(p, QE_SYNTAX, "42601", t.start,
                              "mixing positional ($n) and anonymous (?) parameters is not "
                              "supported");
    p->dollar_params |= !qmark;
    if (qmark)
        snprintf(buf, sizeof buf, "$%u", ++p->n_qmark);
    else if (t.len > 12)
        return fe_parse_error(p, QE_BIND, "42P02", t.start, "there is no parameter %.*s", t.len,
                              p->sql + t.start);
    else
        snprintf(buf, sizeof buf, "%.*s", t.len, p->sql + t.start);
    if (!(n->u.literal.text = rt_arena_strdup(p->arena, buf)))
        return fe_oom(p);
    n->u.literal.len = (uint32_t)strlen(buf);
    return n;
}

static fe_ast *parse_primary(fe_parser *p) {
    const fe_token *t = fe_peek(p, 0);
    switch (t->kind) {
    case FE_TOK_STRING: return parse_string(p);
    case FE_TOK_INTEGER:
    case FE_TOK_DECIMAL: return parse_number(p);
    case FE_TOK_LPAREN: return parse_paren(p);
    case FE_TOK_PARAM: return parse_param(p);
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
    case FE_KW_LEFT:
    case FE_KW_RIGHT: /* the string functions left(s, n) and right(s, n) */
        if (fe_peek(p, 1)->kind == FE_TOK_LPAREN) {
            fe_token kw = fe_advance(p);
            char *name = fe_token_name(p, &kw);
            return name ? parse_call(p, name, kw.start) : NULL;
        }
        return fe_syntax_error(p, t);
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
