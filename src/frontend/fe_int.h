/*
 * fe_int.h -- private structures of the frontend: tokens, the lexer, the AST, the
 * parser and the binder state shared by the files of src/frontend.
 *
 * Every enumeration here is one X-macro list (tokens, keywords, AST node kinds), so
 * names, dispatch and printing cannot drift.  Nothing outside src/frontend includes
 * this header.
 */
#ifndef QE_FE_INT_H
#define QE_FE_INT_H

#include "fe.h"
#include "plan.h"
#include "rt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting of expressions/queries the parser accepts (guards the C stack). */
#define FE_MAX_DEPTH 1000

/* Out-of-memory SQLSTATE used throughout the frontend. */
#define FE_SQLSTATE_NOMEM "53200"

/* ---- tokens ------------------------------------------------------------------------- */

/* X(name, text) -- token kinds; text is what error messages and the printer show. */
#define FE_TOKEN_LIST(X)                                                                           \
    X(EOF, "end of input")                                                                         \
    X(IDENT, "identifier")         /* unquoted word (keywords too, see kw) */                      \
    X(QIDENT, "quoted identifier") /* "..." */                                                     \
    X(INTEGER, "integer literal")                                                                  \
    X(DECIMAL, "numeric literal") /* has '.' or an exponent */                                     \
    X(STRING, "string literal")                                                                    \
    X(PARAM, "parameter") /* $1 */                                                                 \
    X(LPAREN, "(")                                                                                 \
    X(RPAREN, ")")                                                                                 \
    X(LBRACKET, "[")                                                                               \
    X(RBRACKET, "]")                                                                               \
    X(COMMA, ",")                                                                                  \
    X(SEMI, ";")                                                                                   \
    X(DOT, ".")                                                                                    \
    X(COLON, ":")                                                                                  \
    X(DCOLON, "::")                                                                                \
    X(STAR, "*")                                                                                   \
    X(PLUS, "+")                                                                                   \
    X(MINUS, "-")                                                                                  \
    X(SLASH, "/")                                                                                  \
    X(PERCENT, "%")                                                                                \
    X(CARET, "^")                                                                                  \
    X(EQ, "=")                                                                                     \
    X(NE, "<>")                                                                                    \
    X(NE2, "!=")                                                                                   \
    X(LT, "<")                                                                                     \
    X(LE, "<=")                                                                                    \
    X(GT, ">")                                                                                     \
    X(GE, ">=")                                                                                    \
    X(CONCAT, "||")

typedef enum fe_token_kind {
#define FE_X_ENUM(name, text) FE_TOK_##name,
    FE_TOKEN_LIST(FE_X_ENUM)
#undef FE_X_ENUM
} fe_token_kind;

/*
 * X(name, reserved) -- keywords, in alphabetical order (binary search; a unit test
 * checks the order).  Reserved keywords cannot be column names or aliases unless
 * quoted; unreserved ones are keywords only where the grammar expects them.
 */
#define FE_KEYWORD_LIST(X)                                                                         \
    X(ALL, 1)                                                                                      \
    X(ANALYZE, 0)                                                                                  \
    X(AND, 1)                                                                                      \
    X(ANY, 1)                                                                                      \
    X(AS, 1)                                                                                       \
    X(ASC, 1)                                                                                      \
    X(BETWEEN, 1)                                                                                  \
    X(BY, 1)                                                                                       \
    X(CASE, 1)                                                                                     \
    X(CAST, 1)                                                                                     \
    X(CREATE, 1)                                                                                   \
    X(CROSS, 1)                                                                                    \
    X(DEFAULT, 1)                                                                                  \
    X(DESC, 1)                                                                                     \
    X(DISTINCT, 1)                                                                                 \
    X(DROP, 1)                                                                                     \
    X(ELSE, 1)                                                                                     \
    X(END, 1)                                                                                      \
    X(EXCEPT, 1)                                                                                   \
    X(EXISTS, 0)                                                                                   \
    X(EXPLAIN, 0)                                                                                  \
    X(FALSE, 1)                                                                                    \
    X(FETCH, 1)                                                                                    \
    X(FILTER, 0)                                                                                   \
    X(FIRST, 0)                                                                                    \
    X(FOR, 1)                                                                                      \
    X(FROM, 1)                                                                                     \
    X(FULL, 1)                                                                                     \
    X(GROUP, 1)                                                                                    \
    X(HAVING, 1)                                                                                   \
    X(IF, 0)                                                                                       \
    X(ILIKE, 1)                                                                                    \
    X(IN, 1)                                                                                       \
    X(INNER, 1)                                                                                    \
    X(INSERT, 1)                                                                                   \
    X(INTERSECT, 1)                                                                                \
    X(INTO, 1)                                                                                     \
    X(IS, 1)                                                                                       \
    X(JOIN, 1)                                                                                     \
    X(LAST, 0)                                                                                     \
    X(LATERAL, 1)                                                                                  \
    X(LEFT, 1)                                                                                     \
    X(LIKE, 1)                                                                                     \
    X(LIMIT, 1)                                                                                    \
    X(NATURAL, 1)                                                                                  \
    X(NOT, 1)                                                                                      \
    X(NULL, 1)                                                                                     \
    X(NULLS, 0)                                                                                    \
    X(OFFSET, 1)                                                                                   \
    X(ON, 1)                                                                                       \
    X(OR, 1)                                                                                       \
    X(ORDER, 1)                                                                                    \
    X(OUTER, 1)                                                                                    \
    X(OVER, 0)                                                                                     \
    X(RESET, 0)                                                                                    \
    X(RETURNING, 1)                                                                                \
    X(RIGHT, 1)                                                                                    \
    X(SELECT, 1)                                                                                   \
    X(SET, 0)                                                                                      \
    X(SHOW, 0)                                                                                     \
    X(SOME, 1)                                                                                     \
    X(TABLE, 1)                                                                                    \
    X(THEN, 1)                                                                                     \
    X(TO, 1)                                                                                       \
    X(TRUE, 1)                                                                                     \
    X(UNION, 1)                                                                                    \
    X(UNKNOWN, 0)                                                                                  \
    X(USING, 1)                                                                                    \
    X(VALUES, 1)                                                                                   \
    X(WHEN, 1)                                                                                     \
    X(WHERE, 1)                                                                                    \
    X(WINDOW, 1)                                                                                   \
    X(WITH, 1)

typedef enum fe_keyword {
    FE_KW_NONE = 0,
#define FE_X_ENUM(name, reserved) FE_KW_##name,
    FE_KEYWORD_LIST(FE_X_ENUM)
#undef FE_X_ENUM
} fe_keyword;

/* One token: a span of the SQL text.  Values are decoded by the parser on demand. */
typedef struct fe_token {
    fe_token_kind kind; /* what the span is */
    fe_keyword kw;      /* IDENT spelling a keyword (any case), else FE_KW_NONE */
    int start;          /* byte offset of the first character in the SQL text */
    int len;            /* bytes of SQL text the token covers (quotes included) */
} fe_token;

/* The lexer: a cursor over sql[0..len). */
typedef struct fe_lexer {
    const char *sql; /* borrowed text */
    size_t len;      /* bytes of text */
    size_t pos;      /* next byte to scan */
} fe_lexer;

/* Starts scanning sql[0..len) (borrowed for the lexer's lifetime). */
void fe_lexer_init(fe_lexer *lx, const char *sql, size_t len);
/* Scans the next token into *tok (FE_TOK_EOF at the end, with start = len).  Errors
 * (unterminated string/comment, bad character, junk after a number) are 42601 with
 * the position of the offending text. */
qe_status fe_lexer_next(fe_lexer *lx, fe_token *tok, rt_error *err);
/* Keyword spelled by text[0..len) in any case, or FE_KW_NONE. */
fe_keyword fe_keyword_lookup(const char *text, size_t len);
/* Upper-case spelling of a keyword ("SELECT"); "" for FE_KW_NONE. */
const char *fe_keyword_text(fe_keyword kw);
/* Reserved keywords cannot be unquoted names. */
bool fe_keyword_reserved(fe_keyword kw);
/* Text of a token kind for messages ("(", "identifier"). */
const char *fe_token_text(fe_token_kind kind);
/* Number of keywords in FE_KEYWORD_LIST (for the order test). */
uint32_t fe_keyword_count(void);

/* ---- AST ---------------------------------------------------------------------------- */

/* X(name, text) -- AST node kinds: statements, FROM items, clause parts, expressions. */
#define FE_AST_LIST(X)                                                                             \
    X(SELECT, "Select")                                                                            \
    X(SETOP, "SetOperation")                                                                       \
    X(VALUES, "Values")                                                                            \
    X(INSERT, "Insert")                                                                            \
    X(CREATE_TABLE, "CreateTable")                                                                 \
    X(DROP_TABLE, "DropTable")                                                                     \
    X(SET, "Set")                                                                                  \
    X(EXPLAIN, "Explain")                                                                          \
    X(TABLE_REF, "TableRef")                                                                       \
    X(JOIN, "Join")                                                                                \
    X(SUBQUERY_REF, "SubqueryRef")                                                                 \
    X(SELECT_ITEM, "SelectItem")                                                                   \
    X(SORT_ITEM, "SortItem")                                                                       \
    X(COLUMN_DEF, "ColumnDef")                                                                     \
    X(TYPE_NAME, "TypeName")                                                                       \
    X(CTE, "CommonTableExpr")                                                                      \
    X(LITERAL, "Literal")                                                                          \
    X(COLUMN_REF, "ColumnRef")                                                                     \
    X(STAR, "Star")                                                                                \
    X(UNARY, "Unary")                                                                              \
    X(BINARY, "Binary")                                                                            \
    X(IS, "Is")                                                                                    \
    X(BETWEEN, "Between")                                                                          \
    X(IN_LIST, "InList")                                                                           \
    X(LIKE, "Like")                                                                                \
    X(FUNC, "FuncCall")                                                                            \
    X(CAST, "Cast")                                                                                \
    X(CASE, "Case")                                                                                \
    X(SUBQUERY, "Subquery")                                                                        \
    X(DEFAULT, "Default")

typedef enum fe_ast_kind {
#define FE_X_ENUM(name, text) FE_AST_##name,
    FE_AST_LIST(FE_X_ENUM)
#undef FE_X_ENUM
} fe_ast_kind;

/* X(name, text) -- literal kinds. */
#define FE_LIT_LIST(X)                                                                             \
    X(INTEGER, "integer") /* digits, maybe with a leading '-' (folded negation) */                 \
    X(DECIMAL, "decimal") /* text with '.' or exponent */                                          \
    X(STRING, "string")   /* unescaped bytes */                                                    \
    X(TRUE, "true")                                                                                \
    X(FALSE, "false")                                                                              \
    X(NULL, "null")

typedef enum fe_lit_kind {
#define FE_X_ENUM(name, text) FE_LIT_##name,
    FE_LIT_LIST(FE_X_ENUM)
#undef FE_X_ENUM
} fe_lit_kind;

/* X(name, text) -- set operations, join kinds, subquery forms, IS tests. */
#define FE_SETOP_LIST(X) X(UNION, "UNION") X(INTERSECT, "INTERSECT") X(EXCEPT, "EXCEPT")
typedef enum fe_setop_kind {
#define FE_X_ENUM(name, text) FE_SETOP_##name,
    FE_SETOP_LIST(FE_X_ENUM)
#undef FE_X_ENUM
} fe_setop_kind;

#define FE_JOIN_LIST(X)                                                                            \
    X(INNER, "INNER") X(LEFT, "LEFT") X(RIGHT, "RIGHT") X(FULL, "FULL") X(CROSS, "CROSS")
typedef enum fe_join_kind {
#define FE_X_ENUM(name, text) FE_JOIN_##name,
    FE_JOIN_LIST(FE_X_ENUM)
#undef FE_X_ENUM
} fe_join_kind;

#define FE_SUBQ_LIST(X)                                                                            \
    X(SCALAR, "scalar") X(EXISTS, "EXISTS") X(IN, "IN") X(ANY, "ANY") X(ALL, "ALL")
typedef enum fe_subq_kind {
#define FE_X_ENUM(name, text) FE_SUBQ_##name,
    FE_SUBQ_LIST(FE_X_ENUM)
#undef FE_X_ENUM
} fe_subq_kind;

#define FE_IS_LIST(X) X(NULL, "NULL") X(TRUE, "TRUE") X(FALSE, "FALSE") X(UNKNOWN, "UNKNOWN")
typedef enum fe_is_kind {
#define FE_X_ENUM(name, text) FE_IS_##name,
    FE_IS_LIST(FE_X_ENUM)
#undef FE_X_ENUM
} fe_is_kind;

/* A list of AST nodes (arena-allocated array). */
typedef struct fe_list {
    uint32_t n;            /* number of items */
    struct fe_ast **items; /* n pointers, NULL when n == 0 */
} fe_list;

/*
 * One AST node.  pos is where errors about the node point (an operator's offset for
 * binary expressions, the first token otherwise); [start, end) is the node's source
 * text, used for output column names.  All memory is in the parse arena.
 */
struct fe_ast {
    fe_ast_kind kind; /* which member of u is valid */
    int pos;          /* byte offset for error messages */
    int start;        /* byte offset of the first character of the node's text */
    int end;          /* byte offset just past the node's text */
    int height;       /* expression nodes: height of the subtree (1 for a leaf); later
                         passes recurse this deep, so the parser bounds it */
    union {
        struct {
            bool distinct;        /* SELECT DISTINCT */
            fe_list items;        /* SELECT_ITEM nodes */
            struct fe_ast *from;  /* TABLE_REF/JOIN/SUBQUERY_REF, NULL without FROM */
            struct fe_ast *where; /* NULL if absent */
            fe_list group_by;     /* expressions (ordinals and aliases unresolved) */
            struct fe_ast *having;
            fe_list order_by;     /* SORT_ITEM nodes */
            struct fe_ast *limit; /* expression, NULL if absent (or LIMIT ALL) */
            struct fe_ast *offset;
            fe_list with; /* CTE nodes */
        } select;
        struct {
            fe_setop_kind op;
            bool all;                    /* UNION ALL */
            struct fe_ast *left, *right; /* SELECT/SETOP/VALUES */
            fe_list order_by;
            struct fe_ast *limit, *offset;
            fe_list with;
        } setop;
        struct {
            uint32_t n_rows;
            fe_list *rows; /* n_rows lists of expressions */
        } values;
        struct {
            char *table;           /* folded name */
            int table_pos;         /* offset of the table name */
            fe_list columns;       /* COLUMN_REF nodes naming target columns; empty = all */
            struct fe_ast *source; /* VALUES, SELECT or SETOP */
        } insert;
        struct {
            char *table;
            int table_pos; /* offset of the table name */
            bool if_not_exists;
            fe_list columns; /* COLUMN_DEF nodes */
        } create_table;
        struct {
            char *table;
            int table_pos; /* offset of the table name */
            bool if_exists;
        } drop_table;
        struct {
            char *name;  /* folded */
            char *value; /* literal or word text; NULL for RESET / DEFAULT */
        } set;
        struct {
            struct fe_ast *stmt; /* the explained statement */
            bool analyze;
        } explain;
        struct {
            char *name;  /* table name */
            char *alias; /* NULL if none */
        } table_ref;
        struct {
            fe_join_kind kind;
            bool natural;
            struct fe_ast *left, *right;
            struct fe_ast *on;  /* NULL for CROSS/NATURAL/USING */
            fe_list using_cols; /* COLUMN_REF nodes */
        } join;
        struct {
            struct fe_ast *query;
            char *alias;
        } subquery_ref;
        struct {
            struct fe_ast *expr;
            char *alias; /* NULL if none */
            char *name;  /* output name: the alias, else derived (DuckDB's
                            rules: column name, "sum(b)", source text) */
        } select_item;
        struct {
            struct fe_ast *expr;
            bool descending;
            bool nulls_first; /* valid when nulls_given */
            bool nulls_given; /* NULLS FIRST/LAST written */
        } sort_item;
        struct {
            char *name;
            struct fe_ast *type; /* TYPE_NAME */
        } column_def;
        struct {
            char *name;        /* folded, multi-word names joined by one space */
            uint32_t n_params; /* (n) or (p, s) */
            int64_t params[2];
        } type_name;
        struct {
            char *name;
            struct fe_ast *query;
        } cte;
        struct {
            fe_lit_kind kind;
            char *text;   /* INTEGER/DECIMAL text, STRING bytes (NUL-terminated) */
            uint32_t len; /* bytes of text */
        } literal;
        struct {
            char *qualifier; /* table or alias, NULL if unqualified */
            char *name;
        } column_ref;
        struct {
            char *qualifier; /* t.*, NULL for * */
        } star;
        struct {
            plan_op_kind op; /* NEG, NOT, or ADD for unary plus */
            struct fe_ast *arg;
        } unary;
        struct {
            plan_op_kind op; /* arithmetic, comparison, AND, OR, CONCAT */
            struct fe_ast *left, *right;
        } binary;
        struct {
            fe_is_kind test;
            bool negated; /* IS NOT */
            struct fe_ast *arg;
        } is;
        struct {
            struct fe_ast *arg, *low, *high;
            bool negated;
        } between;
        struct {
            struct fe_ast *arg;
            fe_list list;
            bool negated;
        } in_list;
        struct {
            struct fe_ast *arg, *pattern;
            bool negated;
            bool case_insensitive; /* ILIKE */
        } like;
        struct {
            char *name; /* folded */
            fe_list args;
            bool star; /* count(*) */
            bool distinct;
            int distinct_pos; /* offset of DISTINCT, -1 if absent */
            char *display;    /* output name: "count_star()", "sum(b)" */
        } func;
        struct {
            struct fe_ast *arg;
            struct fe_ast *type; /* TYPE_NAME */
        } cast;
        struct {
            struct fe_ast *operand; /* CASE x WHEN ..., NULL for searched CASE */
            fe_list conds;          /* WHEN expressions */
            fe_list results;        /* THEN expressions (same count) */
            struct fe_ast *else_expr;
        } case_;
        struct {
            fe_subq_kind kind;
            struct fe_ast *arg; /* IN/ANY/ALL: left operand */
            plan_op_kind op;    /* ANY/ALL: comparison */
            bool negated;       /* NOT IN / NOT EXISTS */
            struct fe_ast *query;
        } subquery;
    } u;
};

/* Name of an AST node kind ("Select"). */
const char *fe_ast_kind_name(fe_ast_kind kind);
const char *fe_lit_name(fe_lit_kind kind);

/* ---- parser ------------------------------------------------------------------------- */

/*
 * Parser state.  Errors are sticky: the first one is kept in *err and `failed` makes
 * every parse function return NULL up the stack (no longjmp).
 */
typedef struct fe_parser {
    rt_arena *arena; /* where the AST goes */
    const char *sql; /* borrowed text */
    size_t len;      /* bytes of text */
    fe_lexer lex;    /* cursor after the buffered tokens */
    fe_token la[3];  /* lookahead tokens */
    uint32_t n_la;   /* buffered tokens in la[] */
    int prev_end;    /* offset just past the last consumed token */
    rt_error *err;   /* first error */
    bool failed;     /* an error has been recorded */
    int depth;       /* current recursion depth */
} fe_parser;

/* Records an error unless one is already recorded.  Returns NULL (for `return`). */
void *fe_parse_error(fe_parser *p, qe_status status, const char *sqlstate, int pos, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));
/* "syntax error at or near ..." / "syntax error at end of input" for the token. */
void *fe_syntax_error(fe_parser *p, const fe_token *tok);
/* 0A000 at pos with a complete message ("window functions are not supported yet"). */
void *fe_unsupported(fe_parser *p, int pos, const char *message);
/* Records out-of-memory. */
void *fe_oom(fe_parser *p);

/* Token k positions ahead (0 = next); EOF tokens repeat at the end. */
const fe_token *fe_peek(fe_parser *p, uint32_t k);
/* Consumes the next token and returns a copy of it. */
fe_token fe_advance(fe_parser *p);
/* True if the next token is keyword kw. */
bool fe_at_kw(fe_parser *p, fe_keyword kw);
/* Consumes keyword kw if next; returns whether it did. */
bool fe_accept_kw(fe_parser *p, fe_keyword kw);
/* Consumes a token of this kind if next; returns whether it did. */
bool fe_accept(fe_parser *p, fe_token_kind kind);
/* Consumes keyword/token or records a syntax error; false on error. */
bool fe_expect_kw(fe_parser *p, fe_keyword kw);
/* Consumes a token of this kind or records a syntax error; false on error. */
bool fe_expect(fe_parser *p, fe_token_kind kind);
/* True if tok can name a column/table/alias (unreserved word or quoted). */
bool fe_token_is_name(const fe_token *tok);
/* Decodes a name token (folded to lower case unless quoted); NULL on OOM. */
char *fe_token_name(fe_parser *p, const fe_token *tok);
/* Consumes a name or records a syntax error. */
char *fe_parse_name(fe_parser *p, int *pos);

/* Allocates a zeroed node of kind at pos (start = pos, end = prev_end). */
fe_ast *fe_node(fe_parser *p, fe_ast_kind kind, int pos);
/* Growable list under construction (arena-backed). */
typedef struct fe_list_builder {
    fe_list list; /* items so far */
    uint32_t cap; /* capacity of list.items */
} fe_list_builder;
/* Appends item (NULL: a failed parse, returns false); false on out-of-memory. */
bool fe_list_push(fe_parser *p, fe_list_builder *lb, fe_ast *item);

/* An expression (parse_expr.c); NULL on error. */
fe_ast *fe_parse_expr(fe_parser *p);
/* A type name (CREATE TABLE, CAST, ::). */
fe_ast *fe_parse_type(fe_parser *p);
/* A parenthesized or bare query: SELECT/VALUES/set operations with ORDER BY/LIMIT. */
fe_ast *fe_parse_query(fe_parser *p);
/* A comma-separated, non-empty expression list. */
bool fe_parse_expr_list(fe_parser *p, fe_list *out);

/* ---- binder ------------------------------------------------------------------------- */

/* How expressions are bound: over the FROM scope, or after aggregation. */
typedef enum fe_bind_mode {
    FE_BIND_BASE, /* column refs resolve to the FROM scope; aggregates are errors */
    FE_BIND_AGG   /* column refs must match GROUP BY; aggregates are collected */
} fe_bind_mode;

/* The FROM clause as names see it: one base table today. */
typedef struct fe_scope {
    rt_table *table;   /* schema copy in the statement arena; NULL: no FROM clause */
    const char *alias; /* name that qualifies columns (alias or table name) */
    bool *used;        /* table->n_cols flags: columns referenced so far */
} fe_scope;

/*
 * Binder state for one statement.  Like the parser, errors are sticky: functions
 * return NULL once `failed` is set.
 */
typedef struct fe_binder {
    rt_arena *arena;    /* where the plan goes */
    rt_catalog *cat;    /* borrowed */
    rt_error *err;      /* first error */
    bool failed;        /* an error has been recorded */
    fe_scope scope;     /* FROM scope of the SELECT being bound */
    fe_bind_mode mode;  /* how column refs and aggregates bind */
    const char *clause; /* BASE mode: clause named by "aggregate functions are not
                           allowed in %s"; NULL where aggregates may appear */
    bool in_agg_arg;    /* binding an aggregate's argument (nesting check) */
    uint32_t n_groups;  /* GROUP BY expressions (BASE-bound) */
    plan_expr **groups;
    uint32_t n_aggs; /* aggregates collected in AGG mode */
    uint32_t aggs_cap;
    plan_agg *aggs;
    char **agg_names; /* output names of the aggregates ("sum(b)") */
} fe_binder;

/* Records an error unless one is already recorded.  Returns NULL (for `return`). */
void *fe_bind_error(fe_binder *b, qe_status status, const char *sqlstate, int pos, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));
/* Same, with a hint sentence (may be NULL). */
void *fe_bind_error_hint(fe_binder *b, qe_status status, const char *sqlstate, int pos,
                         const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Records out-of-memory (53200); returns NULL. */
void *fe_bind_oom(fe_binder *b);

/* Expressions (bind_expr.c): the bound, typed expression, NULL on error. */
plan_expr *fe_bind_expr(fe_binder *b, const fe_ast *e);
/* Binds a condition that must be BOOLEAN; `what` names it ("WHERE"). */
plan_expr *fe_bind_condition(fe_binder *b, const fe_ast *e, const char *what);
/* True if the AST contains an aggregate call (not looking into subqueries). */
bool fe_contains_aggregate(const fe_ast *e);
/* True if e is a call of an aggregate function. */
bool fe_is_aggregate_call(const fe_ast *e);
/* A display name for an internal column computed by e (opt_print_expr text). */
char *fe_expr_text(fe_binder *b, const plan_expr *e);

/* Types and casts (bind_types.c). */
/* Lower-case type name for messages ("integer", "double precision"). */
const char *fe_type_msg_name(qe_type type);
/* Resolves a TYPE_NAME node: supported types only (0A000/42704 otherwise). */
bool fe_resolve_type(fe_binder *b, const fe_ast *type_name, qe_type *out);
/* Makes e of type `to` for an explicit CAST (42846 if impossible); constant string
 * arguments are converted now (22P02/22003 at e's position). */
plan_expr *fe_cast_explicit(fe_binder *b, plan_expr *e, qe_type to, int pos);
/* Implicit cast for operators (types already checked compatible). */
plan_expr *fe_cast_implicit(fe_binder *b, plan_expr *e, qe_type to);
/* True if the bound expression came straight from a string literal (PostgreSQL's
 * "unknown" type: it adapts to the other operand). */
bool fe_is_string_literal(const fe_ast *ast, const plan_expr *e);
/* Converts a string literal to `to` at bind time (22P02/22003 errors at pos). */
plan_expr *fe_convert_literal(fe_binder *b, const plan_expr *lit, qe_type to, int pos);
/* Assignment cast for INSERT: `column "a" is of type integer but expression is of
 * type boolean` (42804) if not allowed. */
plan_expr *fe_cast_assign(fe_binder *b, const fe_ast *ast, plan_expr *e, qe_type to,
                          const char *col_name, int pos);
/* Turns an untyped NULL into an INTEGER NULL (anything else is returned as is). */
plan_expr *fe_resolve_null(fe_binder *b, plan_expr *e);

/* A query (SELECT, VALUES, set operation) -> logical plan; NULL on error.  SELECTs are
 * bound with fresh per-query state (scope, groups, aggregates), restored afterwards. */
plan_node *fe_bind_query(fe_binder *b, const fe_ast *q);
/* A VALUES query: per-column common types, columns named col0, col1, ... */
plan_node *fe_bind_values_query(fe_binder *b, const fe_ast *v);

/* A logical node with zeroed types/names arrays of n_cols entries; NULL on OOM. */
plan_node *fe_plan_node(fe_binder *b, plan_logical_kind kind, plan_node *child, uint32_t n_cols);
/* A copy of e where every COLUMN index i becomes map[i]. */
plan_expr *fe_remap_columns(fe_binder *b, const plan_expr *e, const uint32_t *map);

/* The schema of a catalog table copied into the statement arena (so the plan never
 * points into a table that may be dropped before it runs); NULL if absent or on
 * out-of-memory (then `failed` is set).  Only name, n_cols, col_names and col_types are
 * filled. */
rt_table *fe_find_table(fe_binder *b, const char *name);

/* Levenshtein distance of two NUL-terminated strings (for hints). */
uint32_t fe_levenshtein(const char *a, const char *b);

#endif /* QE_FE_INT_H */
