/*
 * plan.h -- the plan: the single contract between layers (DESIGN.md §3).
 *
 * Bound expressions, the logical plan the binder produces, and the physical plan:
 * a DAG of stages joined by exchanges, each stage an ordered list of pipelines
 * (source -> operators -> sink).  Plans are tagged, immutable structs allocated in
 * one arena (the statement's, or the task's after deserialization); execution
 * state lives beside them in the runtime, never inside.
 */
#ifndef QE_PLAN_H
#define QE_PLAN_H

#include "qe.h"
#include "rt.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- expressions -------------------------------------------------------------------- */

#include "plan_funcs.h" /* PLAN_FUNC_LIST: the function catalog */

/* X(name, text) */
#define PLAN_EXPR_LIST(X)                                                                          \
    X(CONST, "const")               /* u.value */                                                  \
    X(COLUMN, "column")             /* u.column: index into the input row */                       \
    X(OP, "op")                     /* u.op: operator applied to 1 or 2 args */                    \
    X(CAST, "cast")                 /* u.cast: arg converted to type */                            \
    X(SUBQUERY, "subquery")         /* u.subquery: a bound query used as a value */                \
    X(OUTER_COLUMN, "outer_column") /* u.outer: column of an enclosing query */                    \
    X(GROUPING, "grouping")         /* u.grouping: grouping(...) over grouping sets */             \
    X(FUNC, "func")                 /* u.func: scalar function of the catalog (plan_funcs.h) */    \
    X(CASE, "case")                 /* u.case_: searched CASE (the simple form is desugared) */    \
    X(PARAM, "param")               /* u.param: statement parameter $n / ? */

typedef enum plan_expr_kind {
#define PLAN_X_ENUM(name, text) PLAN_EXPR_##name,
    PLAN_EXPR_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_expr_kind;

/*
 * X(name, sql, arity) -- scalar operators.  The binder makes both arguments of a
 * binary operator the same type (casting), except AND/OR/NOT (BOOLEAN) and date/time
 * arithmetic (date +- integer, timestamp +- interval, interval * double, ...: the
 * result type tells the operation; see src/frontend/bind_oper.c).  Arithmetic
 * on integers is checked (overflow: 22003); division by zero: 22012; integer
 * division truncates.  Comparisons and arithmetic propagate NULL; AND/OR use SQL's
 * three-valued logic; IS [NOT] NULL never returns NULL.
 */
#define PLAN_OP_LIST(X)                                                                            \
    X(ADD, "+", 2)                                                                                 \
    X(SUB, "-", 2)                                                                                 \
    X(MUL, "*", 2)                                                                                 \
    X(DIV, "/", 2)                                                                                 \
    X(MOD, "%", 2)                                                                                 \
    X(NEG, "-", 1)                                                                                 \
    X(EQ, "=", 2)                                                                                  \
    X(NE, "<>", 2)                                                                                 \
    X(LT, "<", 2)                                                                                  \
    X(LE, "<=", 2)                                                                                 \
    X(GT, ">", 2)                                                                                  \
    X(GE, ">=", 2)                                                                                 \
    X(AND, "AND", 2)                                                                               \
    X(OR, "OR", 2)                                                                                 \
    X(NOT, "NOT", 1)                                                                               \
    X(IS_NULL, "IS NULL", 1)                                                                       \
    X(IS_NOT_NULL, "IS NOT NULL", 1)                                                               \
    X(CONCAT, "||", 2)

typedef enum plan_op_kind {
#define PLAN_X_ENUM(name, sql, arity) PLAN_OP_##name,
    PLAN_OP_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_op_kind;

/* X(name, text) -- forms of subquery expressions.  IN is ANY with "="; NOT IN and NOT
 * EXISTS are NOT over the subquery expression (PostgreSQL's representation). */
#define PLAN_SUBQUERY_LIST(X)                                                                      \
    X(SCALAR, "scalar") /* one column, at most one row; NULL if empty */                           \
    X(EXISTS, "EXISTS")                                                                            \
    X(ANY, "ANY") /* left op ANY (subquery); IN */                                                 \
    X(ALL, "ALL") /* left op ALL (subquery) */

typedef enum plan_subquery_kind {
#define PLAN_X_ENUM(name, text) PLAN_SUBQUERY_##name,
    PLAN_SUBQUERY_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_subquery_kind;

struct plan_node;

/*
 * Type modifiers (plan_expr.typmod, plan_node.typmods), like PostgreSQL's typmod;
 * 0 = none.  DECIMAL: PLAN_TYPMOD_DECIMAL(p, s), 1 <= p <= 38, 0 <= s <= p (0 reads as
 * DECIMAL(18, 3), DuckDB's default).  VARCHAR: n for VARCHAR(n); n | PLAN_TYPMOD_CHAR
 * for CHAR(n) (blank-padded: values are padded to n, comparisons ignore trailing
 * blanks).  Other types: 0.
 * Runtime representation (DESIGN.md §4, rt.h): every DECIMAL value is a 128-bit
 * integer scaled by 10^s whatever p (one physical width, 16 bytes); p bounds the
 * value (|v| < 10^p, else 22003).  The runtime takes a DECIMAL's scale from the
 * typmod of the expression producing it (CONST, COLUMN, CAST, OP), of the FINAL
 * aggregate's state column, and of plan_query.typmods for results.  CHAR(n) values are
 * stored blank-padded; results print them padded, as PostgreSQL does.
 */
#define PLAN_DECIMAL_MAX_PRECISION 38
#define PLAN_TYPMOD_CHAR 0x40000000
#define PLAN_TYPMOD_DECIMAL(p, s) ((int32_t)(((p) << 8) | (s)))
#define PLAN_DECIMAL_PRECISION(tm) ((tm) ? (int)((tm) >> 8) : 18)
#define PLAN_DECIMAL_SCALE(tm) ((tm) ? (int)((tm) & 0xff) : 3)
#define PLAN_TYPMOD_IS_CHAR(tm) (((tm) & PLAN_TYPMOD_CHAR) != 0)
#define PLAN_TYPMOD_LENGTH(tm) ((tm) & ~PLAN_TYPMOD_CHAR) /* VARCHAR/CHAR length */

typedef struct plan_expr {
    plan_expr_kind kind;
    qe_type type;   /* result type */
    int position;   /* byte offset in the SQL text (for runtime errors), -1 if none */
    int32_t typmod; /* type modifier of the result (PLAN_TYPMOD_*), 0 = none */
    union {
        rt_value value;  /* CONST (type equals expr type; strings in plan arena) */
        uint32_t column; /* COLUMN */
        struct {
            plan_op_kind op;
            struct plan_expr *args[2]; /* args[1] NULL for unary ops */
        } op;                          /* OP */
        struct plan_expr *cast;        /* CAST: the argument */
        struct {
            plan_subquery_kind kind;
            plan_op_kind op;        /* ANY/ALL: comparison of left with each row */
            struct plan_expr *left; /* ANY/ALL: the left operand, else NULL */
            struct plan_node *plan; /* the bound subquery (its own column numbering) */
            bool correlated;        /* the plan contains OUTER_COLUMNs referring to
                                       this query or further out: the optimizer must
                                       unnest or evaluate it per row */
        } subquery;                 /* SUBQUERY (type: BOOLEAN, or the scalar's type) */
        struct {
            uint32_t depth;  /* 1: the query directly enclosing the subquery */
            uint32_t column; /* column of that query's FROM row (the input of
                                its WHERE), whatever clause the subquery is in */
        } outer;             /* OUTER_COLUMN */
        struct {
            uint32_t column; /* the Aggregate's grouping-set id column */
            uint32_t n_args;
            uint32_t *groups; /* n_args GROUP BY indexes; bit (n_args-1-i) of the
                                 result is 1 if groups[i] is not in the set */
        } grouping;           /* GROUPING (INTEGER) */
        struct {
            uint32_t fn; /* PLAN_FUNC_* id (a SCALAR entry of plan_funcs.h) */
            uint32_t n_args;
            struct plan_expr **args; /* n_args, already cast to the chosen signature */
        } func;                      /* FUNC */
        struct {
            uint32_t n_whens;            /* >= 1 */
            struct plan_expr **whens;    /* n_whens BOOLEAN conditions, tried in order */
            struct plan_expr **thens;    /* n_whens results (of the CASE's type) */
            struct plan_expr *else_expr; /* result when no condition holds (typed NULL
                                            when ELSE is absent), never NULL */
        } case_;                         /* CASE */
        struct {
            uint32_t index; /* 1-based: $1 is 1; `?` are numbered in order */
        } param;            /* PARAM (type inferred from context; NULL type:
                               unknown) */
    } u;
} plan_expr;

/* X(name, sql) -- aggregate functions. */
#define PLAN_AGG_LIST(X)                                                                           \
    X(COUNT_STAR, "count_star")                                                                    \
    X(COUNT, "count")                                                                              \
    X(SUM, "sum")                                                                                  \
    X(MIN, "min")                                                                                  \
    X(MAX, "max")                                                                                  \
    X(AVG, "avg")                                                                                  \
    /* bound by the frontend; the runtime does not run these yet */                                \
    X(STDDEV_SAMP, "stddev_samp")                                                                  \
    X(STDDEV_POP, "stddev_pop")                                                                    \
    X(VAR_SAMP, "var_samp")                                                                        \
    X(VAR_POP, "var_pop")                                                                          \
    X(STRING_AGG, "string_agg")                                                                    \
    X(BOOL_AND, "bool_and")                                                                        \
    X(BOOL_OR, "bool_or")                                                                          \
    X(ANY_VALUE, "any_value")                                                                      \
    X(FIRST, "first")                                                                              \
    X(LAST, "last")

typedef enum plan_agg_fn {
#define PLAN_X_ENUM(name, sql) PLAN_AGG_##name,
    PLAN_AGG_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_agg_fn;

/*
 * Aggregation phases.  SINGLE: input values -> final values.  PARTIAL: input values
 * -> two state columns per aggregate, v (state_type: BIGINT for COUNT and integer
 * SUM/MIN/MAX, DOUBLE for REAL/DOUBLE inputs and AVG of non-DECIMALs, DECIMAL for
 * DECIMAL SUM/MIN/MAX/AVG, HUGEINT for HUGEINT SUM/MIN/MAX, INTERVAL for INTERVAL
 * SUM/AVG, else the input type for MIN/MAX/ANY_VALUE (DATE, TIMESTAMP, INTERVAL, VARCHAR,
 * BOOLEAN) and BOOL_AND/BOOL_OR (BOOLEAN)) and n (BIGINT, non-NULL inputs
 * counted).  The v column of a DECIMAL state has the final value's typmod (SUM, MIN,
 * MAX) or DECIMAL(38, s) for AVG over DECIMAL(p, s) (the exact sum; physical FINAL
 * aggregates carry it as their arg's typmod).  FINAL: (v, n) columns -> final values.
 * Final values: COUNT/COUNT_STAR -> n; SUM/MIN/MAX -> v (REAL SUM: rounded to REAL),
 * NULL if n == 0; AVG -> v / n as DOUBLE (DECIMAL: v / 10^s / n), NULL if n == 0.
 *
 * State updates (rt_agg_state, shared by the interpreter and generated code), starting
 * from v = 0, n = 0.  Input x (SINGLE/PARTIAL), NULL inputs skipped except COUNT_STAR:
 *   COUNT_STAR: n += 1            COUNT: n += 1
 *   SUM: v += x (checked: integers 22003 past 64 bits, DECIMAL/HUGEINT past 128 bits,
 *        INTERVAL fields past their widths), n += 1
 *   AVG: v += (double)x (DECIMAL: exact 128-bit v += x), n += 1
 *   MIN/MAX: v = n == 0 ? x : min/max(v, x), n += 1   ANY_VALUE: as MIN (deterministic)
 *   BOOL_AND/BOOL_OR: v = n == 0 ? x : v AND/OR x, n += 1
 *   (INTERVAL AVG: v is the interval sum; the final value divides it by n)
 * Merge of an input state (vi, ni) (FINAL, and combining thread-local tables):
 *   COUNT/COUNT_STAR: n += ni     SUM/AVG: v += vi (checked for integers), n += ni
 *   MIN/MAX: if ni > 0: v = n == 0 ? vi : min/max(v, vi), n += ni
 * The PARTIAL output of COUNT/COUNT_STAR has v = n.
 */
typedef enum plan_agg_phase { PLAN_AGG_SINGLE, PLAN_AGG_PARTIAL, PLAN_AGG_FINAL } plan_agg_phase;

typedef struct plan_agg {
    plan_agg_fn fn;
    qe_type type;       /* type of the final value */
    qe_type state_type; /* type of the v state column (BIGINT or DOUBLE) */
    bool distinct;      /* DISTINCT aggregate (SINGLE phase only) */
    plan_expr *arg;     /* logical: any expression, NULL for COUNT_STAR;
                           physical SINGLE/PARTIAL: a COLUMN of the input;
                           physical FINAL: the COLUMN holding v */
    uint32_t n_column;  /* physical FINAL: input column holding n */
    int32_t typmod;     /* type modifier of the final value (PLAN_TYPMOD_*), 0 = none */
    plan_expr *arg2;    /* logical: second argument (string_agg's delimiter), else NULL */
    plan_expr *filter;  /* logical: FILTER (WHERE ...) condition (BOOLEAN), else NULL */
} plan_agg;

typedef struct plan_sort_key {
    plan_expr *expr; /* logical: any expression; physical: a COLUMN */
    bool descending;
    bool nulls_first; /* default: NULLS LAST for ASC, NULLS FIRST for DESC (PostgreSQL) */
} plan_sort_key;

/* ---- logical plan ------------------------------------------------------------------- */

/* X(name, text) */
#define PLAN_LOGICAL_LIST(X)                                                                       \
    X(GET, "Get")                                                                                  \
    X(VALUES, "Values")                                                                            \
    X(FILTER, "Filter")                                                                            \
    X(PROJECT, "Project")                                                                          \
    X(AGGREGATE, "Aggregate")                                                                      \
    X(ORDER, "Order")                                                                              \
    X(LIMIT, "Limit")                                                                              \
    X(INSERT, "Insert")                                                                            \
    X(CREATE_TABLE, "CreateTable")                                                                 \
    X(DROP_TABLE, "DropTable")                                                                     \
    X(SET, "Set")                                                                                  \
    X(EXPLAIN, "Explain")                                                                          \
    X(JOIN, "Join")          /* child: left, right: right */                                       \
    X(SETOP, "SetOperation") /* child: left, right: right */                                       \
    X(WINDOW, "Window")                                                                            \
    X(DISTINCT_ON, "DistinctOn")                                                                   \
    X(RECURSIVE_CTE, "RecursiveCTE") /* child: anchor, right: recursive term */                    \
    X(WORKTABLE_SCAN, "WorkTableScan")                                                             \
    X(CREATE_VIEW, "CreateView")                                                                   \
    X(DROP_VIEW, "DropView") /* u.drop_table */                                                    \
    X(DELETE, "Delete")                                                                            \
    X(UPDATE, "Update")                                                                            \
    X(COPY, "Copy")                                                                                \
    X(SHOW, "Show") /* u.set (value NULL) */                                                       \
    X(TRANSACTION, "Transaction")                                                                  \
    X(CALL, "Call")                                                                                \
    X(TABLE_FUNCTION, "TableFunction") /* u.table_func: read_csv, range */                         \
    X(REPLICATE, "Replicate")          /* child rows, each (last column) times */

typedef enum plan_logical_kind {
#define PLAN_X_ENUM(name, text) PLAN_LOGICAL_##name,
    PLAN_LOGICAL_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_logical_kind;

/* X(name, text) -- join kinds.  INNER/LEFT/RIGHT/FULL/CROSS/SINGLE output left then
 * right columns; SEMI and ANTI output the left columns; MARK outputs the left columns
 * and a BOOLEAN mark.  SEMI/ANTI/MARK/SINGLE come from subquery unnesting in the
 * optimizer (unnest.c); the binder makes the others.  With cond evaluated in SQL's
 * three-valued logic over each (left row, right row) pair (cond NULL: TRUE):
 *   SEMI: left rows for which cond is TRUE for some right row (each once);
 *   ANTI: left rows for which cond is TRUE for no right row;
 *   MARK: every left row once, mark = TRUE if cond is TRUE for some right row, else
 *     NULL if cond is NULL for some right row, else FALSE (no right rows: FALSE) --
 *     SQL's `x IN (...)`: with cond `x = y` the mark is NULL when x is NULL (and the
 *     right side is not empty) or some y is NULL.  The unnester only relies on the
 *     NULL-vs-FALSE distinction when cond is a single comparison (uncorrelated IN);
 *   SINGLE: LEFT join where more than one right row matching a left row is the
 *     runtime error 21000 "more than one row returned by a subquery used as an
 *     expression" (a scalar subquery that may return several rows). */
#define PLAN_JOIN_LIST(X)                                                                          \
    X(INNER, "INNER")                                                                              \
    X(LEFT, "LEFT")                                                                                \
    X(RIGHT, "RIGHT")                                                                              \
    X(FULL, "FULL")                                                                                \
    X(CROSS, "CROSS")                                                                              \
    X(SEMI, "SEMI")                                                                                \
    X(ANTI, "ANTI")                                                                                \
    X(MARK, "MARK")                                                                                \
    X(SINGLE, "SINGLE")

typedef enum plan_join_kind {
#define PLAN_X_ENUM(name, text) PLAN_JOIN_##name,
    PLAN_JOIN_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_join_kind;

/* X(name, text) -- set operations (with or without ALL). */
#define PLAN_SETOP_LIST(X) X(UNION, "UNION") X(INTERSECT, "INTERSECT") X(EXCEPT, "EXCEPT")

typedef enum plan_setop_kind {
#define PLAN_X_ENUM(name, text) PLAN_SETOP_##name,
    PLAN_SETOP_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_setop_kind;

/* X(name, text) -- window frame bounds. */
#define PLAN_FRAME_BOUND_LIST(X)                                                                   \
    X(UNBOUNDED_PRECEDING, "UNBOUNDED PRECEDING")                                                  \
    X(PRECEDING, "PRECEDING") /* offset expression PRECEDING */                                    \
    X(CURRENT_ROW, "CURRENT ROW")                                                                  \
    X(FOLLOWING, "FOLLOWING") /* offset expression FOLLOWING */                                    \
    X(UNBOUNDED_FOLLOWING, "UNBOUNDED FOLLOWING")

typedef enum plan_frame_bound {
#define PLAN_X_ENUM(name, text) PLAN_FRAME_##name,
    PLAN_FRAME_BOUND_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_frame_bound;

/* A window frame.  Default (no frame written): RANGE UNBOUNDED PRECEDING to CURRENT ROW
 * (the whole partition when there is no ORDER BY). */
typedef struct plan_frame {
    bool rows; /* ROWS; false: RANGE */
    plan_frame_bound start, end;
    plan_expr *start_offset; /* PRECEDING/FOLLOWING offsets, else NULL */
    plan_expr *end_offset;
} plan_frame;

/* One window function of a Window node.  Expressions refer to the Window's input. */
typedef struct plan_window_func {
    char *name;     /* function name (lower case): "rank", "sum" */
    qe_type type;   /* result type */
    int32_t typmod; /* type modifier of the result (PLAN_TYPMOD_*) */
    bool distinct;  /* aggregate over DISTINCT values */
    uint32_t n_args;
    plan_expr **args;
    uint32_t n_partition;
    plan_expr **partition;
    uint32_t n_order;
    plan_sort_key *order;
    plan_frame frame;
} plan_window_func;

/* X(name, text) -- transaction control statements. */
#define PLAN_TXN_LIST(X) X(BEGIN, "BEGIN") X(COMMIT, "COMMIT") X(ROLLBACK, "ROLLBACK")

typedef enum plan_txn_kind {
#define PLAN_X_ENUM(name, text) PLAN_TXN_##name,
    PLAN_TXN_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_txn_kind;

/*
 * A CSV file to read (read_csv, COPY FROM) or write (COPY TO): the path and the
 * dialect, decided at bind time (options, or sniffing for read_csv).  Strings are in
 * the plan's arena.
 */
typedef struct plan_csv {
    char *path;           /* file name as written (relative to the process's directory) */
    char delim;           /* field separator byte */
    char quote;           /* quote byte; '\0': no quoting */
    char escape;          /* byte escaping a quote inside quotes (usually the quote) */
    bool header;          /* the first line holds column names (skipped when reading) */
    char *null_str;       /* unquoted text read as NULL / written for NULL */
    char *context;        /* error context ("COPY t"); NULL: "read_csv" */
    char **col_names;     /* n_cols column names (messages, COPY TO header); may be NULL */
    int32_t *col_typmods; /* n_cols type modifiers of the columns read (DECIMAL scale,
                             VARCHAR(n)/CHAR(n)); NULL: all 0 */
} plan_csv;

/* The rows of range()/generate_series(): start + i * step for i in [0, count). */
typedef struct plan_range {
    int64_t start;
    int64_t step;   /* never 0 */
    uint64_t count; /* number of rows */
} plan_range;

/*
 * A logical operator.  Every node has an output schema (n_cols, types, names);
 * expressions refer to the child's output columns by index.  Statements without
 * output (CREATE, DROP, SET) have n_cols == 0.
 */
typedef struct plan_node {
    plan_logical_kind kind;
    uint32_t n_cols;
    qe_type *types;
    char **names;
    int32_t *typmods;        /* n_cols type modifiers (PLAN_TYPMOD_*); NULL: all 0 */
    struct plan_node *child; /* NULL for leaves */
    struct plan_node *right; /* binary nodes (JOIN, SETOP, RECURSIVE_CTE): the second
                                input, else NULL */
    union {
        struct {
            char *table;
            uint32_t *col_idx; /* n_cols indexes of table columns read */
        } get;
        struct {
            uint32_t n_rows;
            plan_expr **rows; /* n_rows * n_cols expressions, row-major */
        } values;
        struct {
            plan_expr *pred; /* BOOLEAN */
        } filter;
        struct {
            plan_expr **exprs; /* n_cols */
        } project;
        struct {
            uint32_t n_groups; /* output: groups, then aggregates */
            plan_expr **groups;
            uint32_t n_aggs;
            plan_agg *aggs;
            uint32_t n_sets; /* GROUPING SETS/ROLLUP/CUBE: sets of groups, bit g
                                of sets[i] = group g is in set i (at most 64
                                groups); 0: plain GROUP BY.  With sets the output
                                ends with a BIGINT grouping-set id column (bit
                                n_groups-1-g set when group g is not grouped) */
            uint64_t *sets;
        } aggregate;
        struct {
            uint32_t n_keys;
            plan_sort_key *keys;
        } order;
        struct {
            int64_t limit; /* -1: none */
            int64_t offset;
        } limit;
        struct {
            char *table; /* child yields every table column, in table order,
                            with the table's types */
        } insert;
        struct {
            char *table;
            uint32_t n_cols;
            char **col_names;
            qe_type *col_types;
            int32_t *col_typmods; /* n_cols type modifiers; NULL: all 0 */
            bool if_not_exists;
            bool *not_null; /* n_cols NOT NULL flags (NULL: none) */
            uint32_t n_key; /* PRIMARY KEY columns */
            uint32_t *key_cols;
        } create_table; /* child: the query of CREATE TABLE AS, else NULL */
        struct {
            char *table;
            bool if_exists;
        } drop_table;
        struct {
            char *name;  /* lower case */
            char *value; /* NULL: RESET */
        } set;
        struct {
            qe_emit what; /* LOGICAL or PHYSICAL (EXPLAIN), IR, ... */
            bool analyze;
            bool json;      /* FORMAT JSON */
            bool no_timing; /* TIMING OFF: ANALYZE prints no times */
        } explain;          /* child: the explained statement */
        struct {
            plan_join_kind kind;
            plan_expr *cond; /* over left columns then right columns; NULL: true */
            bool build_left; /* physical hint (opt_choose_build_sides): LEFT, SEMI
                                and ANTI joins with keys build the hash table on
                                the left input, the much smaller one */
        } join;
        struct {
            plan_setop_kind op;
            bool all; /* keep duplicates */
        } setop;      /* output types: unified types of both sides */
        struct {
            uint32_t n_funcs; /* output: child columns, then one per function */
            plan_window_func *funcs;
        } window;
        struct {
            uint32_t n_keys; /* keeps the first row (in child order) per key */
            plan_expr **keys;
        } distinct_on;
        struct {
            char *name;  /* CTE name */
            uint32_t id; /* pairs a WORKTABLE_SCAN with its RECURSIVE_CTE */
            bool all;    /* UNION ALL (RECURSIVE_CTE) */
        } cte;           /* RECURSIVE_CTE, WORKTABLE_SCAN */
        struct {
            char *name;
            char *sql;        /* the view's query text, bound again when used */
            uint32_t n_names; /* column aliases (0: the query's names) */
            char **col_names;
            bool or_replace;
        } create_view; /* child: the bound query (checks it and gives the
                          view's schema) */
        struct {
            char *table;
            uint32_t n_set;        /* UPDATE: assignments */
            uint32_t *set_cols;    /* n_set table column indexes */
            plan_expr **set_exprs; /* n_set values over the child's columns */
        } dml;                     /* DELETE/UPDATE: child yields the affected rows
                                      (every table column, in order) */
        struct {
            char *table; /* NULL for COPY (query) TO */
            char *path;  /* file name; "STDIN"/"STDOUT" as written */
            bool to;     /* COPY ... TO (export) */
            uint32_t n_options;
            char **option_names;  /* lower case */
            char **option_values; /* text, NULL for a bare option */
            plan_csv *csv;        /* the file and its dialect (from the options) */
        } copy;                   /* child: TO: the rows to write; FROM: the rows to
                                     insert (every table column, in order, with the
                                     table's types) read by a TableFunction */
        struct {
            plan_txn_kind kind;
        } transaction;
        struct {
            char *name;
            uint32_t n_args;
            plan_expr **args; /* constant expressions */
            char **arg_names; /* n_args names of `name = value` arguments (lower
                                 case), NULL entries for positional ones */
        } call;
        struct {
            char *name;       /* "read_csv", "range", "generate_series" */
            plan_csv *csv;    /* read_csv: the file and its dialect; the node's
                                 schema is the file's columns; else NULL */
            plan_range range; /* range/generate_series: one BIGINT column */
        } table_func;         /* leaf */
    } u;
} plan_node;

/* ---- physical plan ------------------------------------------------------------------ */

/* X(name, text, role) -- role: 0 source, 1 operator, 2 sink. */
#define PLAN_PHYS_LIST(X)                                                                          \
    X(SCAN, "Scan", 0)                                                                             \
    X(VALUES, "Values", 0)                                                                         \
    X(EXCHANGE_SOURCE, "ExchangeSource", 0)                                                        \
    X(AGG_SOURCE, "HashAggregateSource", 0)                                                        \
    X(SORT_SOURCE, "SortSource", 0)                                                                \
    X(FILTER, "Filter", 1)                                                                         \
    X(PROJECT, "Project", 1)                                                                       \
    X(LIMIT, "Limit", 1)                                                                           \
    X(AGG_SINK, "HashAggregate", 2)                                                                \
    X(SORT_SINK, "Sort", 2)                                                                        \
    X(EXCHANGE_SINK, "ExchangeSink", 2)                                                            \
    X(INSERT_SINK, "Insert", 2)                                                                    \
    X(JOIN_UNMATCHED, "HashJoinUnmatched", 0) /* FULL: build rows never matched */                 \
    X(HASH_JOIN_PROBE, "HashJoinProbe", 1)                                                         \
    X(HASH_JOIN_BUILD, "HashJoinBuild", 2)                                                         \
    X(RESULT_SINK, "Result", 2)                                                                    \
    X(CSV_SCAN, "CsvScan", 0)                                                                      \
    X(RANGE, "Range", 0)                                                                           \
    X(WINDOW_SOURCE, "WindowSource", 0)                                                            \
    X(WINDOW_SINK, "Window", 2)                                                                    \
    X(REPLICATE, "Replicate", 1)    /* input rows, each (last column) times */                     \
    X(DISTINCT_ON, "DistinctOn", 1) /* first row of each run of equal keys */

typedef enum plan_phys_kind {
#define PLAN_X_ENUM(name, text, role) PLAN_PHYS_##name,
    PLAN_PHYS_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_phys_kind;

/* X(name, text) -- how an exchange routes rows from producer to consumer tasks. */
#define PLAN_EXCHANGE_LIST(X)                                                                      \
    X(HASH, "hash")               /* by hash of key columns */                                     \
    X(GATHER, "gather")           /* all rows to the single consumer */                            \
    X(BROADCAST, "broadcast")     /* every row to every consumer */                                \
    X(ROUND_ROBIN, "round_robin") /* batches spread over consumers */

typedef enum plan_exchange_kind {
#define PLAN_X_ENUM(name, text) PLAN_EXCHANGE_##name,
    PLAN_EXCHANGE_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_exchange_kind;

/* X(name, text) -- comparisons of a scan filter, `column op constant`. */
#define PLAN_SCAN_CMP_LIST(X)                                                                      \
    X(EQ, "=")                                                                                     \
    X(LT, "<")                                                                                     \
    X(LE, "<=")                                                                                    \
    X(GT, ">")                                                                                     \
    X(GE, ">=")                                                                                    \
    X(IS_NULL, "IS NULL")

typedef enum plan_scan_cmp {
#define PLAN_X_ENUM(name, text) PLAN_SCAN_CMP_##name,
    PLAN_SCAN_CMP_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_scan_cmp;

/*
 * A conjunct `column op constant` of the Filter directly above a SCAN, copied into the
 * scan so it can skip chunks/row groups whose zone maps cannot match.  Only a hint:
 * the Filter still evaluates every conjunct, a scan may ignore its filters.
 */
typedef struct plan_scan_filter {
    uint32_t column;  /* index into the scan's output columns */
    plan_scan_cmp op; /* the comparison */
    plan_expr *value; /* a non-NULL CONST of the column's type; NULL for IS_NULL */
} plan_scan_filter;

/*
 * A physical operator.  n_cols/types is the operator's output schema; for a sink it
 * is the schema of the rows it consumes.  Stateful pairs (AGG_SINK/AGG_SOURCE,
 * SORT_SINK/SORT_SOURCE) in consecutive pipelines of one stage share state_id.
 */
typedef struct plan_op {
    plan_phys_kind kind;
    uint32_t n_cols;
    qe_type *types;
    uint32_t state_id; /* index of the operator state within the stage */
    union {
        struct {
            char *table;
            uint32_t *col_idx;         /* n_cols table columns read */
            char **col_names;          /* n_cols names of those columns, for printing;
                                          may be NULL (e.g. after deserialization) */
            uint32_t n_filters;        /* zone-map pruning hints (may be 0) */
            plan_scan_filter *filters; /* n_filters, ANDed */
            bool *no_nulls;            /* n_cols: the catalog's statistics saw no NULL in
                                          the column when the plan was made
                                          (opt_mark_no_nulls): compiled code reads it
                                          without validity checks and hands a morsel that
                                          has its bitmap to the interpreter; NULL: none */
        } scan;
        struct {
            uint32_t n_rows;
            plan_expr **rows; /* n_rows * n_cols expressions without COLUMN refs,
                                 row-major (n_cols may be 0: SELECT without FROM) */
        } values;
        struct {
            uint32_t exchange_id;
        } exchange_source;
        struct {
            plan_agg_phase phase;
            uint32_t n_groups; /* AGG_SINK: group keys, COLUMN exprs of its input */
            plan_expr **groups;
            uint32_t n_aggs;
            plan_agg *aggs; /* args are COLUMN exprs of the sink's input */
        } agg;              /* AGG_SINK and AGG_SOURCE (same content);
                               AGG_SOURCE output: groups, then per aggregate
                               one final value (SINGLE/FINAL) or v, n (PARTIAL) */
        struct {
            uint32_t n_keys;
            plan_sort_key *keys; /* COLUMN exprs; sorts rows of n_cols columns */
            uint64_t top_n;      /* SORT_SINK: > 0: only the first top_n sorted rows are
                                    needed (ORDER BY ... LIMIT: limit + offset); 0: all */
        } sort;                  /* SORT_SINK and SORT_SOURCE */
        struct {
            plan_expr *pred;
        } filter;
        struct {
            plan_expr **exprs; /* n_cols */
        } project;
        struct {
            int64_t limit; /* -1: none */
            int64_t offset;
        } limit;
        struct {
            uint32_t exchange_id;
            bool keep_open; /* a later pipeline of the stage sends to the same
                               exchange and finishes it (FULL joins) */
        } exchange_sink;    /* routing: query->exchanges[exchange_id] */
        struct {
            plan_join_kind kind;   /* RIGHT: the build rows are the preserved side
                                      (UNMATCHED emits those no probe row matched) */
            bool filter_build;     /* SEMI/ANTI: the build rows are the filtered side:
                                      the probe marks the build rows it matches and
                                      emits nothing; UNMATCHED emits the matched (SEMI)
                                      or unmatched (ANTI) build rows */
            uint32_t n_keys;       /* equi keys; 0: every pair is a candidate */
            uint32_t *probe_keys;  /* PROBE: n_keys key columns of its input */
            uint32_t *build_keys;  /* n_keys key columns of the build input (same types) */
            uint32_t n_build_cols; /* schema of the build input */
            bool *build_no_nulls;  /* PROBE: n_build_cols; the build input's column is a
                                      scan's NULL-free one (plan_op.u.scan.no_nulls,
                                      opt_mark_no_nulls), read as such; NULL: none */
            plan_expr *residual;   /* PROBE: over the probe input's columns then the build
                                      columns; the pairs where it is TRUE match; NULL:
                                      every pair with equal keys matches */
        } join;                    /* HASH_JOIN_BUILD (n_cols: the build input),
                                      HASH_JOIN_PROBE, JOIN_UNMATCHED, one state_id.
                                      PROBE output: INNER/CROSS/LEFT/FULL probe columns
                                      then build columns (NULLs when unmatched); SEMI/
                                      ANTI the probe columns; MARK the probe columns
                                      and a BOOLEAN mark (TRUE: a pair matched; NULL: no
                                      match but a pair's keys or residual were NULL;
                                      FALSE); with filter_build no rows (its schema is
                                      the build input's).  UNMATCHED output: NULL probe
                                      columns (none with filter_build), then the build
                                      rows nobody matched (filter_build SEMI: the
                                      matched ones) */
        struct {
            char *table;
        } insert;
        struct {
            char **names; /* n_cols output column names */
        } result;
        struct {
            plan_csv *csv; /* fields parsed into n_cols columns of types */
        } csv_scan;        /* SINGLE stage: reads the coordinator's file */
        plan_range range;  /* RANGE: one BIGINT column */
        struct {
            uint32_t n_pass; /* SOURCE output: the first n_pass input columns, then
                                one column per function (types[n_pass + f]) */
            uint32_t n_funcs;
            plan_window_func *funcs; /* args, partition and order keys: COLUMNs of the
                                      sink's input; frame offsets: constants */
        } window;                    /* WINDOW_SINK (n_cols: its input: collects every row,
                                        computes the functions at its end; see
                                        src/runtime/window.c) and WINDOW_SOURCE (emits
                                        them), one state_id.  Rows of one partition (equal
                                        PARTITION BY values) must reach one task */
        struct {
            uint32_t n_keys; /* DISTINCT ON keys (>= 1) */
            uint32_t *cols;  /* n_keys key columns of the input */
        } distinct_on;       /* DISTINCT_ON (one thread, input grouped by the keys):
                                keeps a row whose keys differ from the previous
                                row's (NULLs equal) */
    } u;
} plan_op;

/* source = ops[0], sink = ops[n_ops-1], operators between.  `ordered`: the source
 * yields rows in an order the sink must keep (run on one thread). */
typedef struct plan_pipeline {
    uint32_t id; /* index within the stage */
    uint32_t n_ops;
    plan_op **ops;
    bool ordered;
} plan_pipeline;

/* SINGLE: one task, on the coordinator (or the embedded engine).  PARTITIONED: one
 * task per worker (one task in the embedded engine). */
typedef enum plan_dist { PLAN_DIST_SINGLE, PLAN_DIST_PARTITIONED } plan_dist;

typedef struct plan_stage {
    uint32_t id; /* index in plan_query.stages */
    plan_dist dist;
    uint32_t n_pipelines; /* run in order */
    plan_pipeline **pipelines;
    uint32_t n_states; /* operator states (state_id < n_states) */
} plan_stage;

typedef struct plan_exchange {
    uint32_t id; /* index in plan_query.exchanges */
    plan_exchange_kind kind;
    uint32_t producer_stage;
    uint32_t consumer_stage;
    uint32_t n_keys; /* HASH: key columns */
    uint32_t *key_cols;
    uint32_t n_cols; /* schema of the rows carried */
    qe_type *types;
} plan_exchange;

/* A staged physical plan.  Stages are in dependency order (producers first); the
 * root stage is last: for a query a SINGLE stage ending in the RESULT sink, for an
 * INSERT a PARTITIONED stage ending in INSERT sinks (rows reach it through a
 * ROUND_ROBIN exchange, so in a cluster each worker stores its share). */
typedef struct plan_query {
    uint32_t n_stages;
    plan_stage **stages;
    uint32_t n_exchanges;
    plan_exchange *exchanges;
    uint32_t n_cols; /* result schema (0 for INSERT) */
    qe_type *types;
    char **names;
    int32_t *typmods; /* n_cols result type modifiers (PLAN_TYPMOD_*: the
                         scale of DECIMAL columns); NULL: all 0 */
    bool is_insert;   /* result is a count of inserted rows */
    bool local;       /* planned for one task per stage (opt_physical_local):
                         the embedded engine only; never serialized */
} plan_query;

/* Text of enum values (from the X-macro lists). */
const char *plan_op_sql(plan_op_kind op);
const char *plan_agg_name(plan_agg_fn fn);
const char *plan_phys_name(plan_phys_kind kind);
const char *plan_logical_name(plan_logical_kind kind);
const char *plan_exchange_name(plan_exchange_kind kind);
const char *plan_join_name(plan_join_kind kind);
const char *plan_setop_name(plan_setop_kind kind);
const char *plan_subquery_name(plan_subquery_kind kind);
const char *plan_frame_bound_name(plan_frame_bound bound);
const char *plan_txn_name(plan_txn_kind kind);
int plan_phys_role(plan_phys_kind kind); /* 0 source, 1 operator, 2 sink */

#endif /* QE_PLAN_H */
