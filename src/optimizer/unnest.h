/*
 * unnest.h -- internal interface of subquery unnesting (unnest.c, unnest_util.c) and
 * the aggregate rewrites.  Entry points (opt_unnest, ...) are declared in opt.h.
 */
#ifndef QE_UNNEST_H
#define QE_UNNEST_H

#include "opt.h"

/* State of one unnesting run. */
typedef struct un_ctx {
    rt_arena *arena;   /* the statement's arena: every new node and expression */
    rt_error *err;     /* receives the first error */
    qe_status status;  /* QE_OK until an error was set */
    int position;      /* SQL position of the subquery being unnested (errors), -1 */
    void *holder;      /* unnest.c: the node whose subquery is being unnested (its
                          input gives the domain of outer values), NULL at the top */
} un_ctx;

/* A growable array of expressions (arena-allocated). */
typedef struct un_list {
    plan_expr **items; /* n expressions */
    uint32_t n;        /* used */
    uint32_t cap;      /* allocated */
} un_list;

struct un_map;
/* Hooks of un_map: resolve an outer column (depth 1) to a column; rewrite a SUBQUERY
 * expression.  Return false/NULL on error (set in ctx) or "cannot". */
typedef bool (*un_resolve_fn)(struct un_map *m, uint32_t outer_column, uint32_t *column);
typedef plan_expr *(*un_expr_fn)(struct un_map *m, const plan_expr *e);

/*
 * How un_map_expr rewrites an expression: COLUMN c -> col_map[c] (col_map NULL: c +
 * col_shift); OUTER_COLUMN of depth 1 -> COLUMN resolve(k) if
 * `resolve` is set (kept otherwise); depth >= 2 -> depth - 1 if `lift`; SUBQUERY ->
 * subquery(e) (an error if unset).  With `subst`, COLUMN c -> subst[c] instead.
 */
typedef struct un_map {
    un_ctx *ctx;
    const uint32_t *col_map;   /* NULL: shift */
    uint32_t col_shift;        /* added to COLUMN indexes when col_map is NULL */
    bool lift;                 /* OUTER_COLUMN depth >= 2 -> depth - 1 */
    un_resolve_fn resolve;     /* depth-1 OUTER_COLUMN -> COLUMN, or NULL: keep */
    plan_expr *const *subst;   /* non-NULL: COLUMN c -> subst[c] (shared) */
    un_expr_fn subquery;       /* SUBQUERY rewrite, or NULL: error */
    void *data;                /* for the hooks */
} un_map;

/* Errors: 53200 out of memory; 0A000 "<what> is not supported yet" (position -1: the
 * subquery's, c->position).  Both return the status and record it in c->status. */
qe_status un_nomem(un_ctx *c);
qe_status un_refuse(un_ctx *c, int position, const char *what);
/* Zeroed arena memory (size 0: 1 byte); NULL (and 53200 set) on out-of-memory. */
void *un_alloc(un_ctx *c, size_t size);
/* A node with zeroed schema arrays of n_cols columns. */
plan_node *un_node(un_ctx *c, plan_logical_kind kind, uint32_t n_cols);
/* The type modifier of output column i of n (from its typmods, else from the
 * expressions or inputs that make the column, like print.c). */
int32_t un_typmod(const plan_node *n, uint32_t i);
/* dst columns [at, at+count) = src columns [from, from+count) (type, name, typmod). */
void un_copy_schema(plan_node *dst, uint32_t at, const plan_node *src, uint32_t from,
                    uint32_t count);
/* A shallow copy of a node. */
plan_node *un_copy_node(un_ctx *c, const plan_node *in);
/* A Join of kind over left and right with its output schema (plan.h's join kinds). */
plan_node *un_join(un_ctx *c, plan_join_kind kind, plan_node *left, plan_node *right,
                   plan_expr *cond);
/* Filter(pred) over input (pred NULL: input itself). */
plan_node *un_filter(un_ctx *c, plan_node *input, plan_expr *pred);
/* Project of input's first n columns (input itself when it has exactly n). */
plan_node *un_project_prefix(un_ctx *c, plan_node *input, uint32_t n);
/* COLUMN i of input, with its type and type modifier. */
plan_expr *un_column(un_ctx *c, const plan_node *input, uint32_t i);
/* BOOLEAN operator node; un_and(NULL, b) is b. */
plan_expr *un_op(un_ctx *c, plan_op_kind op, plan_expr *a, plan_expr *b);
plan_expr *un_and(un_ctx *c, plan_expr *a, plan_expr *b);
/* List helpers: append; split e into its AND conjuncts; AND of a list (NULL if empty). */
bool un_list_add(un_ctx *c, un_list *l, plan_expr *e);
bool un_conjuncts(un_ctx *c, plan_expr *e, un_list *out);
plan_expr *un_and_list(un_ctx *c, const un_list *l);
/* Whether e has an OUTER_COLUMN of depth >= `depth`; whether e has a COLUMN. */
bool un_expr_has_outer(const plan_expr *e, uint32_t depth);
bool un_expr_has_column(const plan_expr *e);
/* Whether n's own expressions hold a SUBQUERY. */
bool un_node_has_subquery(const plan_node *n);
/* Whether any node of the subtree holds a SUBQUERY expression. */
bool un_plan_has_subquery(const plan_node *n);
/* Whether any node of the subtree has an OUTER_COLUMN of depth >= `depth`; of any. */
bool un_plan_has_outer(const plan_node *n, uint32_t depth);
bool un_plan_has_any_outer(const plan_node *n);
/* A copy of e rewritten by m; NULL on error (set in m->ctx). */
plan_expr *un_map_expr(un_map *m, const plan_expr *e);
/* The subtree with every OUTER_COLUMN of depth >= 2 lowered by one (the subtree moves
 * from a subquery into the query enclosing it); n itself when it has none. */
plan_node *un_lift_plan(un_ctx *c, plan_node *n);

#endif /* QE_UNNEST_H */
