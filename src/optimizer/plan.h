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

/* X(name, text) */
#define PLAN_EXPR_LIST(X)                                                      \
    X(CONST, "const")   /* u.value */                                          \
    X(COLUMN, "column") /* u.column: index into the input row */               \
    X(OP, "op")         /* u.op: operator applied to 1 or 2 args */            \
    X(CAST, "cast")     /* u.cast: arg converted to type */

typedef enum plan_expr_kind {
#define PLAN_X_ENUM(name, text) PLAN_EXPR_##name,
    PLAN_EXPR_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_expr_kind;

/*
 * X(name, sql, arity) -- scalar operators.  The binder makes both arguments of a
 * binary operator the same type (casting), except AND/OR/NOT (BOOLEAN).  Arithmetic
 * on integers is checked (overflow: 22003); division by zero: 22012; integer
 * division truncates.  Comparisons and arithmetic propagate NULL; AND/OR use SQL's
 * three-valued logic; IS [NOT] NULL never returns NULL.
 */
#define PLAN_OP_LIST(X)                                                        \
    X(ADD, "+", 2)                                                             \
    X(SUB, "-", 2)                                                             \
    X(MUL, "*", 2)                                                             \
    X(DIV, "/", 2)                                                             \
    X(MOD, "%", 2)                                                             \
    X(NEG, "-", 1)                                                             \
    X(EQ, "=", 2)                                                              \
    X(NE, "<>", 2)                                                             \
    X(LT, "<", 2)                                                              \
    X(LE, "<=", 2)                                                             \
    X(GT, ">", 2)                                                              \
    X(GE, ">=", 2)                                                             \
    X(AND, "AND", 2)                                                           \
    X(OR, "OR", 2)                                                             \
    X(NOT, "NOT", 1)                                                           \
    X(IS_NULL, "IS NULL", 1)                                                   \
    X(IS_NOT_NULL, "IS NOT NULL", 1)                                           \
    X(CONCAT, "||", 2)

typedef enum plan_op_kind {
#define PLAN_X_ENUM(name, sql, arity) PLAN_OP_##name,
    PLAN_OP_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_op_kind;

typedef struct plan_expr {
    plan_expr_kind kind;
    qe_type type;    /* result type */
    int position;    /* byte offset in the SQL text (for runtime errors), -1 if none */
    union {
        rt_value value;          /* CONST (type equals expr type; strings in plan arena) */
        uint32_t column;         /* COLUMN */
        struct {
            plan_op_kind op;
            struct plan_expr *args[2]; /* args[1] NULL for unary ops */
        } op;                    /* OP */
        struct plan_expr *cast;  /* CAST: the argument */
    } u;
} plan_expr;

/* X(name, sql) -- aggregate functions. */
#define PLAN_AGG_LIST(X)                                                       \
    X(COUNT_STAR, "count_star")                                                \
    X(COUNT, "count")                                                          \
    X(SUM, "sum")                                                              \
    X(MIN, "min")                                                              \
    X(MAX, "max")                                                              \
    X(AVG, "avg")

typedef enum plan_agg_fn {
#define PLAN_X_ENUM(name, sql) PLAN_AGG_##name,
    PLAN_AGG_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_agg_fn;

/*
 * Aggregation phases.  SINGLE: input values -> final values.  PARTIAL: input values
 * -> two state columns per aggregate, v (BIGINT for integer SUM/MIN/MAX and COUNT,
 * DOUBLE for DOUBLE inputs and AVG) and n (BIGINT, non-NULL inputs counted).  FINAL:
 * (v, n) columns -> final values.  Final values: COUNT/COUNT_STAR -> n;
 * SUM/MIN/MAX -> v, NULL if n == 0; AVG -> v / n as DOUBLE, NULL if n == 0.
 *
 * State updates (rt_agg_state, shared by the interpreter and generated code), starting
 * from v = 0, n = 0.  Input x (SINGLE/PARTIAL), NULL inputs skipped except COUNT_STAR:
 *   COUNT_STAR: n += 1            COUNT: n += 1
 *   SUM: v += x (checked), n += 1 AVG: v += (double)x, n += 1
 *   MIN/MAX: v = n == 0 ? x : min/max(v, x), n += 1
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
} plan_agg;

typedef struct plan_sort_key {
    plan_expr *expr;    /* logical: any expression; physical: a COLUMN */
    bool descending;
    bool nulls_first;   /* default: NULLS LAST for ASC, NULLS FIRST for DESC (PostgreSQL) */
} plan_sort_key;

/* ---- logical plan ------------------------------------------------------------------- */

/* X(name, text) */
#define PLAN_LOGICAL_LIST(X)                                                   \
    X(GET, "Get")                                                              \
    X(VALUES, "Values")                                                        \
    X(FILTER, "Filter")                                                        \
    X(PROJECT, "Project")                                                      \
    X(AGGREGATE, "Aggregate")                                                  \
    X(ORDER, "Order")                                                          \
    X(LIMIT, "Limit")                                                          \
    X(INSERT, "Insert")                                                        \
    X(CREATE_TABLE, "CreateTable")                                             \
    X(DROP_TABLE, "DropTable")                                                 \
    X(SET, "Set")                                                              \
    X(EXPLAIN, "Explain")

typedef enum plan_logical_kind {
#define PLAN_X_ENUM(name, text) PLAN_LOGICAL_##name,
    PLAN_LOGICAL_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_logical_kind;

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
    struct plan_node *child; /* NULL for leaves */
    union {
        struct {
            char *table;
            uint32_t *col_idx;     /* n_cols indexes of table columns read */
        } get;
        struct {
            uint32_t n_rows;
            plan_expr **rows;      /* n_rows * n_cols expressions, row-major */
        } values;
        struct {
            plan_expr *pred;       /* BOOLEAN */
        } filter;
        struct {
            plan_expr **exprs;     /* n_cols */
        } project;
        struct {
            uint32_t n_groups;     /* output: groups, then aggregates */
            plan_expr **groups;
            uint32_t n_aggs;
            plan_agg *aggs;
        } aggregate;
        struct {
            uint32_t n_keys;
            plan_sort_key *keys;
        } order;
        struct {
            int64_t limit;         /* -1: none */
            int64_t offset;
        } limit;
        struct {
            char *table;           /* child yields every table column, in table order,
                                      with the table's types */
        } insert;
        struct {
            char *table;
            uint32_t n_cols;
            char **col_names;
            qe_type *col_types;
            bool if_not_exists;
        } create_table;
        struct {
            char *table;
            bool if_exists;
        } drop_table;
        struct {
            char *name;            /* lower case */
            char *value;           /* NULL: RESET */
        } set;
        struct {
            qe_emit what;          /* LOGICAL or PHYSICAL (EXPLAIN), IR, ... */
            bool analyze;
        } explain;                 /* child: the explained statement */
    } u;
} plan_node;

/* ---- physical plan ------------------------------------------------------------------ */

/* X(name, text, role) -- role: 0 source, 1 operator, 2 sink. */
#define PLAN_PHYS_LIST(X)                                                      \
    X(SCAN, "Scan", 0)                                                         \
    X(VALUES, "Values", 0)                                                     \
    X(EXCHANGE_SOURCE, "ExchangeSource", 0)                                    \
    X(AGG_SOURCE, "HashAggregateSource", 0)                                    \
    X(SORT_SOURCE, "SortSource", 0)                                            \
    X(FILTER, "Filter", 1)                                                     \
    X(PROJECT, "Project", 1)                                                   \
    X(LIMIT, "Limit", 1)                                                       \
    X(AGG_SINK, "HashAggregate", 2)                                            \
    X(SORT_SINK, "Sort", 2)                                                    \
    X(EXCHANGE_SINK, "ExchangeSink", 2)                                        \
    X(INSERT_SINK, "Insert", 2)                                                \
    X(RESULT_SINK, "Result", 2)

typedef enum plan_phys_kind {
#define PLAN_X_ENUM(name, text, role) PLAN_PHYS_##name,
    PLAN_PHYS_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_phys_kind;

/* X(name, text) -- how an exchange routes rows from producer to consumer tasks. */
#define PLAN_EXCHANGE_LIST(X)                                                  \
    X(HASH, "hash")               /* by hash of key columns */                \
    X(GATHER, "gather")           /* all rows to the single consumer */       \
    X(BROADCAST, "broadcast")     /* every row to every consumer */           \
    X(ROUND_ROBIN, "round_robin") /* batches spread over consumers */

typedef enum plan_exchange_kind {
#define PLAN_X_ENUM(name, text) PLAN_EXCHANGE_##name,
    PLAN_EXCHANGE_LIST(PLAN_X_ENUM)
#undef PLAN_X_ENUM
} plan_exchange_kind;

/*
 * A physical operator.  n_cols/types is the operator's output schema; for a sink it
 * is the schema of the rows it consumes.  Stateful pairs (AGG_SINK/AGG_SOURCE,
 * SORT_SINK/SORT_SOURCE) in consecutive pipelines of one stage share state_id.
 */
typedef struct plan_op {
    plan_phys_kind kind;
    uint32_t n_cols;
    qe_type *types;
    uint32_t state_id;             /* index of the operator state within the stage */
    union {
        struct {
            char *table;
            uint32_t *col_idx;     /* n_cols table columns read */
            char **col_names;      /* n_cols names of those columns, for printing;
                                      may be NULL (e.g. after deserialization) */
        } scan;
        struct {
            uint32_t n_rows;
            plan_expr **rows;      /* n_rows * n_cols expressions without COLUMN refs,
                                      row-major (n_cols may be 0: SELECT without FROM) */
        } values;
        struct {
            uint32_t exchange_id;
        } exchange_source;
        struct {
            plan_agg_phase phase;
            uint32_t n_groups;     /* AGG_SINK: group keys, COLUMN exprs of its input */
            plan_expr **groups;
            uint32_t n_aggs;
            plan_agg *aggs;        /* args are COLUMN exprs of the sink's input */
        } agg;                     /* AGG_SINK and AGG_SOURCE (same content);
                                      AGG_SOURCE output: groups, then per aggregate
                                      one final value (SINGLE/FINAL) or v, n (PARTIAL) */
        struct {
            uint32_t n_keys;
            plan_sort_key *keys;   /* COLUMN exprs; sorts rows of n_cols columns */
        } sort;                    /* SORT_SINK and SORT_SOURCE */
        struct {
            plan_expr *pred;
        } filter;
        struct {
            plan_expr **exprs;     /* n_cols */
        } project;
        struct {
            int64_t limit;         /* -1: none */
            int64_t offset;
        } limit;
        struct {
            uint32_t exchange_id;
        } exchange_sink;           /* routing: query->exchanges[exchange_id] */
        struct {
            char *table;
        } insert;
        struct {
            char **names;          /* n_cols output column names */
        } result;
    } u;
} plan_op;

/* source = ops[0], sink = ops[n_ops-1], operators between.  `ordered`: the source
 * yields rows in an order the sink must keep (run on one thread). */
typedef struct plan_pipeline {
    uint32_t id;                   /* index within the stage */
    uint32_t n_ops;
    plan_op **ops;
    bool ordered;
} plan_pipeline;

/* SINGLE: one task, on the coordinator (or the embedded engine).  PARTITIONED: one
 * task per worker (one task in the embedded engine). */
typedef enum plan_dist { PLAN_DIST_SINGLE, PLAN_DIST_PARTITIONED } plan_dist;

typedef struct plan_stage {
    uint32_t id;                   /* index in plan_query.stages */
    plan_dist dist;
    uint32_t n_pipelines;          /* run in order */
    plan_pipeline **pipelines;
    uint32_t n_states;             /* operator states (state_id < n_states) */
} plan_stage;

typedef struct plan_exchange {
    uint32_t id;                   /* index in plan_query.exchanges */
    plan_exchange_kind kind;
    uint32_t producer_stage;
    uint32_t consumer_stage;
    uint32_t n_keys;               /* HASH: key columns */
    uint32_t *key_cols;
    uint32_t n_cols;               /* schema of the rows carried */
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
    uint32_t n_cols;               /* result schema (0 for INSERT) */
    qe_type *types;
    char **names;
    bool is_insert;                /* result is a count of inserted rows */
} plan_query;

/* Text of enum values (from the X-macro lists). */
const char *plan_op_sql(plan_op_kind op);
const char *plan_agg_name(plan_agg_fn fn);
const char *plan_phys_name(plan_phys_kind kind);
const char *plan_logical_name(plan_logical_kind kind);
const char *plan_exchange_name(plan_exchange_kind kind);
int plan_phys_role(plan_phys_kind kind); /* 0 source, 1 operator, 2 sink */

#endif /* QE_PLAN_H */
