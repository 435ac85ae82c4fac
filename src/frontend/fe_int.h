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
    X(QUALIFY, 1)                                                                                  \
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
    X(DEFAULT, "Default")                                                                          \
    X(WINDOW_SPEC, "WindowSpec")                                                                   \
    X(GROUPING_SET, "GroupingSet")                                                                 \
    X(CREATE_VIEW, "CreateView")                                                                   \
    X(DELETE, "Delete")                                                                            \
    X(UPDATE, "Update")                                                                            \
    X(COPY, "Copy")                                                                                \
    X(SHOW, "Show")                                                                                \
    X(TRANSACTION, "Transaction")                                                                  \
    X(CALL, "Call")

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
    X(NULL, "null")                                                                                \
    X(PARAM, "parameter") /* $n or ?; text "$n" (? are numbered in order) */

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

/* X(name, text) -- GROUP BY elements that make grouping sets. */
#define FE_GSET_LIST(X)                                                                            \
    X(ROLLUP, "ROLLUP")                                                                            \
    X(CUBE, "CUBE")                                                                                \
    X(SETS, "GROUPING SETS") X(LIST, "list") /* (a, b) inside one of the above: one set element */
typedef enum fe_gset_kind {
#define FE_X_ENUM(name, text) FE_GSET_##name,
    FE_GSET_LIST(FE_X_ENUM)
#undef FE_X_ENUM
} fe_gset_kind;

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
            fe_list with;           /* CTE nodes */
            fe_list distinct_on;    /* DISTINCT ON expressions (distinct is set) */
            struct fe_ast *qualify; /* QUALIFY condition, NULL if absent */
            fe_list windows;        /* WINDOW clause: named WINDOW_SPEC nodes */
            bool recursive;         /* WITH RECURSIVE */
        } select;
        struct {
            fe_setop_kind op;
            bool all;                    /* UNION ALL */
            struct fe_ast *left, *right; /* SELECT/SETOP/VALUES */
            fe_list order_by;
            struct fe_ast *limit, *offset;
            fe_list with;
            bool recursive; /* WITH RECURSIVE */
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
            fe_list columns;      /* COLUMN_DEF nodes */
            fe_list primary_key;  /* PRIMARY KEY (...) table constraint: COLUMN_REFs */
            struct fe_ast *query; /* CREATE TABLE ... AS query, else NULL */
        } create_table;
        struct {
            char *table;
            int table_pos; /* offset of the table name */
            bool if_exists;
            bool view; /* DROP VIEW */
        } drop_table;
        struct {
            char *name;  /* folded */
            char *value; /* literal or word text; NULL for RESET / DEFAULT */
        } set;
        struct {
            struct fe_ast *stmt; /* the explained statement */
            bool analyze;
            bool json;      /* (FORMAT JSON) */
            bool no_timing; /* (TIMING OFF): EXPLAIN ANALYZE without times */
        } explain;
        struct {
            char *name;          /* table name */
            char *alias;         /* NULL if none */
            fe_list col_aliases; /* t(x, y): COLUMN_REF nodes */
            struct fe_ast *func; /* name(args): a table function call (FUNC), else NULL */
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
            fe_list col_aliases; /* (...) AS t(x, y): COLUMN_REF nodes */
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
            struct fe_ast *type;         /* TYPE_NAME */
            bool not_null;               /* NOT NULL */
            bool primary_key;            /* PRIMARY KEY (implies NOT NULL) */
            bool unique;                 /* UNIQUE */
            struct fe_ast *default_expr; /* DEFAULT expression, NULL if none */
        } column_def;
        struct {
            char *name;        /* folded, multi-word names joined by one space */
            uint32_t n_params; /* (n) or (p, s) */
            int64_t params[2];
            uint32_t interval_fields; /* INTERVAL qualifier: FE_IVF_* bits of the first
                                         and last unit ('3' MONTH, DAY TO SECOND); 0 */
        } type_name;
        struct {
            char *name;
            struct fe_ast *query;
            fe_list col_names; /* name(x, y): COLUMN_REF nodes */
        } cte;
        struct {
            fe_lit_kind kind;
            char *text;   /* INTEGER/DECIMAL text, STRING bytes (NUL-terminated) */
            uint32_t len; /* bytes of text */
        } literal;
        struct {
            char *qualifier; /* table or alias, NULL if unqualified */
            char *name;
            uint32_t vcol; /* binder-made references (* expansion, USING): 1 + the
                              column of the current FROM row; 0 for written ones */
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
            bool symmetric; /* BETWEEN SYMMETRIC: the bounds in either order */
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
            struct fe_ast *escape; /* ESCAPE character expression, NULL if absent */
        } like;
        struct {
            char *name; /* folded */
            fe_list args;
            bool star; /* count(*) */
            bool distinct;
            int distinct_pos;      /* offset of DISTINCT, -1 if absent */
            char *display;         /* output name: "count_star()", "sum(b)" */
            struct fe_ast *over;   /* OVER (...) / OVER w: WINDOW_SPEC, NULL if absent */
            struct fe_ast *filter; /* FILTER (WHERE cond), NULL if absent */
            int filter_pos;        /* offset of FILTER, -1 if absent */
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
        struct {
            char *name;        /* WINDOW name AS (...): the name, else NULL */
            char *ref;         /* OVER (w ...) / OVER w: the named window, else NULL */
            int ref_pos;       /* offset of ref */
            fe_list partition; /* expressions */
            fe_list order;     /* SORT_ITEM nodes */
            bool has_frame;    /* ROWS/RANGE written */
            bool rows;         /* ROWS (else RANGE) */
            int frame_pos;     /* offset of ROWS/RANGE */
            plan_frame_bound start, end;
            struct fe_ast *start_offset, *end_offset; /* n PRECEDING/FOLLOWING */
        } window_spec;
        struct {
            fe_gset_kind kind;
            fe_list items; /* expressions or nested GROUPING_SETs (LIST, or ROLLUP/CUBE
                              inside GROUPING SETS); an empty LIST is () */
        } grouping_set;
        struct {
            char *name;
            int name_pos;
            bool or_replace;
            fe_list col_names;    /* COLUMN_REF nodes */
            struct fe_ast *query; /* the view's query */
            char *sql;            /* its text */
        } create_view;
        struct {
            char *table;
            int table_pos;
            char *alias;          /* NULL if none */
            fe_list set_cols;     /* UPDATE: COLUMN_REF targets */
            fe_list set_exprs;    /* UPDATE: values (DEFAULT nodes allowed) */
            struct fe_ast *where; /* NULL if none */
        } dml;                    /* DELETE, UPDATE */
        struct {
            char *table; /* NULL with a query */
            int table_pos;
            fe_list columns;      /* COLUMN_REF nodes (empty: all) */
            struct fe_ast *query; /* COPY (query) TO */
            char *path;           /* file name, or "STDIN"/"STDOUT" */
            bool to;              /* TO (export) */
            uint32_t n_options;
            char **option_names;  /* folded */
            char **option_values; /* literal or word text, NULL for a bare option */
        } copy;
        struct {
            char *name; /* folded; "all" for SHOW ALL */
        } show;
        struct {
            plan_txn_kind kind;
        } transaction;
        struct {
            struct fe_ast *func; /* FUNC node */
        } call;
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
    rt_arena *arena;    /* where the AST goes */
    const char *sql;    /* borrowed text */
    size_t len;         /* bytes of text */
    fe_lexer lex;       /* cursor after the buffered tokens */
    fe_token la[3];     /* lookahead tokens */
    uint32_t n_la;      /* buffered tokens in la[] */
    int prev_end;       /* offset just past the last consumed token */
    rt_error *err;      /* first error */
    bool failed;        /* an error has been recorded */
    int depth;          /* current recursion depth */
    uint32_t n_qmark;   /* `?` parameters numbered so far */
    bool dollar_params; /* a $n parameter was seen (it cannot mix with `?`) */
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
/* A configuration parameter name for SET/RESET/SHOW, or "all" for ALL; NULL after a
 * syntax error or out-of-memory (recorded). */
char *fe_parse_setting_name(fe_parser *p);

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

/* The FROM clause of one SELECT as names see it (bind_scope.c). */
struct fe_from;

/* The names visible to expressions of the SELECT being bound: its FROM clause, and
 * through fe_from.parent the FROM clauses of the enclosing queries (correlation). */
typedef struct fe_scope {
    struct fe_from *from; /* NULL: no columns visible (VALUES, LIMIT, DEFAULT) */
} fe_scope;

/* The SELECT being bound, for window functions and grouping() (bind_window.c). */
struct fe_select_ctx;
/* A CTE visible to the query being bound (bind_query.c). */
struct fe_cte;

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
    char **agg_names;          /* output names of the aggregates ("sum(b)") */
    struct fe_from *outer;     /* the scope a SELECT bound next sees as its parent */
    uint32_t level;            /* subquery-expression nesting level (0: top) */
    uint32_t min_ref_level;    /* lowest scope level an outer reference reached while
                                  binding the current subquery (UINT32_MAX: none) */
    struct fe_cte *ctes;       /* innermost visible CTE (a linked list outwards) */
    uint32_t n_ctes_bound;     /* ids for recursive CTEs */
    struct fe_select_ctx *sel; /* the SELECT whose clauses are being bound, or NULL */
    uint32_t view_depth;       /* views being expanded (guards against recursion) */
    uint32_t n_expansions;     /* CTE and view bodies bound so far (bounds the work of
                                  CTEs that reference each other several times) */
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
/* INTERVAL field bits (fe_ast.u.type_name.interval_fields). */
#define FE_IVF_LIST(X) X(YEAR) X(MONTH) X(DAY) X(HOUR) X(MINUTE) X(SECOND)
enum {
#define FE_X_ENUM(name) FE_IVF_BIT_##name,
    FE_IVF_LIST(FE_X_ENUM)
#undef FE_X_ENUM
};
#define FE_IVF(name) (1u << FE_IVF_BIT_##name)

/* Function calls (bind_func.c). */
/*
 * Resolves catalog function fn (any kind) for the bound arguments args[0..n_args)
 * (asts: their AST nodes, for unknown-literal detection; may be NULL) by PostgreSQL's
 * rules: exact match, then implicit casts (most exact matches, then preferred types),
 * unknown literals adapt to the chosen signature.  Casts the arguments in place and
 * sets the result type and type modifier.  Errors: 42883 (no match, with PostgreSQL's
 * hint), 42725 (ambiguous), at pos.
 */
bool fe_func_resolve(fe_binder *b, uint32_t fn, const fe_ast *const *asts, plan_expr **args,
                     uint32_t n_args, int pos, qe_type *type, int32_t *typmod);
/*
 * PostgreSQL's select_common_type for CASE, COALESCE, UNION, VALUES, IN ...: the type
 * all of exprs[0..n) implicitly convert to (unknown literals and NULLs adopt it; all
 * unknown: VARCHAR).  Casts exprs in place.  Error 42804 "`context` types %s and %s
 * cannot be matched" at the offending expression (asts may be NULL).
 */
bool fe_common_type(fe_binder *b, const char *context, const fe_ast *const *asts, plan_expr **exprs,
                    uint32_t n, qe_type *type, int32_t *typmod);
/* True if a value of type `from` converts implicitly to `to` (PostgreSQL's implicit
 * casts: numeric widening, DATE -> TIMESTAMP). */
bool fe_implicit_castable(qe_type from, qe_type to);

/* Scalar calls, LIKE and CASE (bind_call.c). */
/* A FUNC expression of catalog function fn over args (already cast); NULL on OOM. */
plan_expr *fe_make_func(fe_binder *b, uint32_t fn, plan_expr **args, uint32_t n_args, qe_type type,
                        int32_t typmod, int pos);
/* A call of the SCALAR catalog entry fn (42809 for DISTINCT, FILTER or `*`). */
plan_expr *fe_bind_scalar_call(fe_binder *b, const fe_ast *call, uint32_t fn);
/* [NOT] [I]LIKE [ESCAPE]: like/ilike FUNC, under NOT when negated. */
plan_expr *fe_bind_like(fe_binder *b, const fe_ast *e);
/* CASE (both forms): a CASE expression of the results' common type (42804 errors). */
plan_expr *fe_bind_case(fe_binder *b, const fe_ast *e);

/* Operators (bind_oper.c).  la/ra are the operands' AST nodes (for unknown-literal
 * detection; may be NULL). */
/* Gives unknown operands (NULL, string literals, parameters) the other side's type. */
bool fe_resolve_unknowns(fe_binder *b, const fe_ast *la, plan_expr **l, const fe_ast *ra,
                         plan_expr **r);
/* + - * / % over numbers, dates, timestamps and intervals (42883 otherwise). */
plan_expr *fe_bind_arith(fe_binder *b, plan_op_kind op, const fe_ast *la, plan_expr *l,
                         const fe_ast *ra, plan_expr *r, int pos);
/* = <> < <= > >=: operands cast to their common type (42883 if none). */
plan_expr *fe_bind_comparison(fe_binder *b, plan_op_kind op, const fe_ast *la, plan_expr *l,
                              const fe_ast *ra, plan_expr *r, int pos);
/* Unary minus (op NEG) or plus (op ADD) of a number (or interval, for minus). */
plan_expr *fe_bind_negate(fe_binder *b, plan_op_kind op, plan_expr *a, int pos);
/* a || b: text concatenation; non-text operands are cast to VARCHAR. */
plan_expr *fe_bind_concat(fe_binder *b, plan_expr *l, plan_expr *r, int pos);
/* 42883 "operator does not exist: integer + boolean" with PostgreSQL's hint. */
plan_expr *fe_no_operator(fe_binder *b, plan_op_kind op, const plan_expr *l, const plan_expr *r,
                          int pos);

/* A display name for an internal column computed by e (opt_print_expr text). */
char *fe_expr_text(fe_binder *b, const plan_expr *e);

/* Types and casts (bind_types.c). */
/* Lower-case type name for messages ("integer", "double precision"). */
const char *fe_type_msg_name(qe_type type);
/* Resolves a TYPE_NAME node: supported types only (0A000/42704 otherwise). */
bool fe_resolve_type(fe_binder *b, const fe_ast *type_name, qe_type *out);
/* Same, with the type modifier (PLAN_TYPMOD_*: DECIMAL(p, s), VARCHAR(n), CHAR(n));
 * 22023 for an invalid modifier (NUMERIC precision 0 must be between 1 and 38). */
bool fe_resolve_type_mod(fe_binder *b, const fe_ast *type_name, qe_type *out, int32_t *typmod);
/* Explicit cast to (to, typmod); fe_cast_explicit is this with typmod 0. */
plan_expr *fe_cast_explicit_mod(fe_binder *b, plan_expr *e, qe_type to, int32_t typmod, int pos);
/* Implicit cast to (to, typmod) (DECIMAL widening needs the modifier). */
plan_expr *fe_cast_implicit_mod(fe_binder *b, plan_expr *e, qe_type to, int32_t typmod);
/* Converts a string literal to (to, typmod) at bind time; interval_fields qualify an
 * INTERVAL literal ('3' MONTH).  22P02/22007/22008/22003/22015 errors at pos. */
plan_expr *fe_convert_literal_mod(fe_binder *b, const plan_expr *lit, qe_type to, int32_t typmod,
                                  uint32_t interval_fields, int pos);
/* Text input of DATE/TIMESTAMP/INTERVAL/DECIMAL (bind_convert.c); errors at pos. */
bool fe_string_to_date(fe_binder *b, const rt_value *in, int pos, int64_t *days);
bool fe_string_to_timestamp(fe_binder *b, const rt_value *in, int pos, int64_t *micros);
bool fe_string_to_interval(fe_binder *b, const rt_value *in, uint32_t fields, int pos,
                           rt_value *out);
bool fe_string_to_decimal(fe_binder *b, const rt_value *in, int32_t typmod, int pos, int64_t *out);
/* [sign] digits [. digits] scaled by 10^scale (rounded half away from zero); false on
 * bad syntax (*int_digits = 0) or overflow of 64 bits (*int_digits > 18). */
bool fe_parse_decimal(const char *s, const char *end, int scale, int64_t *out, int *int_digits);
/* "DECIMAL(15,2)", "CHAR(1)", "VARCHAR(25)", "DATE": the type as typeof() and plans
 * show it, written into buf (returned). */
const char *fe_type_text(qe_type t, int32_t typmod, char *buf, size_t cap);
/* DECIMAL(p, s) modifier of a value of type t (integers: DECIMAL(5|10|19|38, 0)). */
int32_t fe_decimal_typmod_of(qe_type t, int32_t typmod);
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
/* fe_cast_assign to (to, typmod): DECIMAL(p, s) rescales, VARCHAR(n)/CHAR(n) check
 * lengths and pad at run time. */
plan_expr *fe_cast_assign_mod(fe_binder *b, const fe_ast *ast, plan_expr *e, qe_type to,
                              int32_t typmod, const char *col_name, int pos);
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

/* ---- scopes, FROM, queries (bind_scope.c, bind_from.c, bind_query.c) ----------------- */

/* Resolves a COLUMN_REF against the scope and the enclosing scopes: a COLUMN of the
 * current FROM row, or an OUTER_COLUMN.  42703 (with a "Perhaps you meant" hint over all
 * visible columns), 42702 (ambiguous), 42P01 (unknown qualifier). */
plan_expr *fe_scope_resolve(fe_binder *b, const fe_ast *ref);
/* The qualifier to show for a column of the current scope in messages ("t"). */
const char *fe_scope_qualifier(fe_binder *b, const fe_ast *ref);
/* A subquery expression (scalar, EXISTS, IN, ANY/ALL). */
plan_expr *fe_bind_subquery(fe_binder *b, const fe_ast *e);
/* grouping(...) of the current SELECT's grouping sets (42803 elsewhere). */
plan_expr *fe_bind_grouping(fe_binder *b, const fe_ast *e);
/* f(...) OVER (...): a reference to the Window node's output column. */
plan_expr *fe_bind_window_call(fe_binder *b, const fe_ast *e);
/* True if the window spec holds an aggregate call (partition/order expressions). */
bool fe_window_contains_aggregate(const fe_ast *spec);
/* Parses OVER (...) / OVER name after a function call (the OVER keyword is next). */
fe_ast *fe_parse_over(fe_parser *p);
/* True if token k is the unreserved word w (lower case; any case in the text). */
bool fe_at_word(fe_parser *p, uint32_t k, const char *w);
/* ( name {, name} ) as COLUMN_REF nodes. */
bool fe_parse_name_list(fe_parser *p, fe_list *out);
/* CREATE [OR REPLACE] VIEW (after CREATE; start is the offset of CREATE). */
fe_ast *fe_parse_create_view(fe_parser *p, int start);
/* SHOW name | SHOW ALL (SHOW is next). */
fe_ast *fe_parse_show(fe_parser *p);
/* DELETE, UPDATE, COPY, BEGIN/START TRANSACTION, COMMIT/END, ROLLBACK/ABORT, CALL when
 * the next word starts one; NULL otherwise (without an error unless one occurred). */
fe_ast *fe_parse_other_statement(fe_parser *p);
/* True if ANY/SOME/ALL ( query ) follows (after a comparison operator). */
bool fe_at_quantified_subquery(fe_parser *p);
/* left op ANY|SOME|ALL ( query ): a SUBQUERY node; pos is the operator's offset. */
fe_ast *fe_parse_quantified(fe_parser *p, fe_ast *left, plan_op_kind op, int pos);

/* Levenshtein distance of two NUL-terminated strings (for hints). */
uint32_t fe_levenshtein(const char *a, const char *b);

#endif /* QE_FE_INT_H */
