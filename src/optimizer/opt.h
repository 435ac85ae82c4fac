/*
 * opt.h -- the optimizer's cross-module interface (prefix opt_).
 *
 * Logical rewrites, physical + distributed planning (logical plan -> stages of
 * pipelines joined by exchanges), plan printing, and the versioned binary plan
 * format shipped to workers.
 */
#ifndef QE_OPT_H
#define QE_OPT_H

#include "plan.h"
#include "rt.h"

/* Applies rewrites (subquery unnesting, constant folding, ...) to a logical plan; may
 * return `in`. */
qe_status opt_optimize(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err);
/* The same with the catalog's row counts for join ordering (catalog may be NULL:
 * default estimates). */
qe_status opt_optimize_in(rt_arena *arena, plan_node *in, rt_catalog *catalog, plan_node **out,
                          rt_error *err);
/* Projection pruning: every node keeps only the columns used above it (prune.c). */
qe_status opt_prune_columns(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err);
/* Predicate pushdown, equi-join extraction from WHERE and greedy inner-join order, the
 * smaller input of each inner join on the right (join_rewrite.c); catalog may be NULL. */
qe_status opt_rewrite_joins(rt_arena *arena, plan_node *in, rt_catalog *catalog, plan_node **out,
                            rt_error *err);

/* Semi-join reduction (semijoin_reduce.c): an Aggregate joined (INNER/SEMI) on one of
 * its group keys gets a SEMI join below it with a copy of the cheapest sub-expression of
 * the other input bounding that key's values, when the estimates say it pays; catalog
 * may be NULL (default estimates).  `in` is unchanged. */
qe_status opt_semijoin_reduce(rt_arena *arena, plan_node *in, rt_catalog *catalog, plan_node **out,
                              rt_error *err);
/* Eager aggregation (eager_agg.c): an Aggregate over an INNER/LEFT equi-join whose
 * groups are the left input's columns and whose COUNT/SUM/MIN/MAX read the right
 * input's gets a partial Aggregate of the right input on its join keys below the join,
 * when the estimates say the right input has many rows a key; catalog may be NULL
 * (default estimates).  `in` is unchanged. */
qe_status opt_eager_aggregate(rt_arena *arena, plan_node *in, rt_catalog *catalog, plan_node **out,
                              rt_error *err);

/* Marks LEFT/SEMI/ANTI joins whose left input is estimated much smaller than the right
 * one `build_left` (build_side.c), in place; catalog may be NULL (default estimates). */
void opt_choose_build_sides(plan_node *n, rt_catalog *catalog);

/* ---- cardinality estimates (estimate.c) ---- */

/* The distinct values of column col of some input (-1: unknown). */
typedef double (*opt_ndv_fn)(void *ctx, uint32_t col);
/* Estimated rows of n from the catalog's statistics (cat may be NULL: defaults); >= 1. */
double opt_est_rows(rt_catalog *cat, const plan_node *n);
/* Estimated distinct values of column col of n (at most its rows); -1 if unknown. */
double opt_est_ndv(rt_catalog *cat, const plan_node *n, uint32_t col);
/* Estimated fraction of rows for which predicate e holds, in (0, 1]; ndv gives the
 * distinct values of the columns e references. */
double opt_est_selectivity(const plan_expr *e, opt_ndv_fn ndv, void *ctx);
/* Selectivity of the conjuncts of an inner join over the cross product: the most
 * selective column = column key only (1/max(ndv); unknown_key_sel when neither column has
 * statistics), times the other conjuncts' selectivities. */
double opt_est_join_sel(const plan_expr *const *conds, uint32_t n_conds, opt_ndv_fn ndv, void *ctx,
                        double unknown_key_sel);
/* Sets plan_op.u.scan.no_nulls of every SCAN of q (allocated in arena) from the catalog's
 * statistics as of now: the columns of a table with rows in which no NULL has been seen.
 * A hint for code generation, which checks it per morsel; false on out-of-memory (no
 * flags then). */
bool opt_mark_no_nulls(rt_arena *arena, plan_query *q, rt_catalog *cat);

/*
 * Subquery unnesting (unnest.c, run first by opt_optimize): returns the plan with every
 * SUBQUERY expression turned into SEMI/ANTI/MARK/LEFT/SINGLE/CROSS joins (no SUBQUERY
 * or depth-1 OUTER_COLUMN left); 0A000 for forms it cannot unnest.  `in` is unchanged.
 */
qe_status opt_unnest(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err);

/*
 * Aggregate rewrites (agg_rewrite.c, run by opt_optimize after unnesting): FILTER
 * (WHERE c) becomes a CASE in the argument, DISTINCT aggregates become an aggregate
 * over a deduplicating aggregate (several DISTINCT arguments or DISTINCT mixed with
 * plain aggregates: one aggregate per argument, joined on the groups).  Aggregates
 * with grouping sets are left unchanged.
 */
qe_status opt_rewrite_aggs(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err);

/*
 * Set-operation rewrites (setop_rewrite.c, run by opt_optimize after the aggregate
 * rewrites): INTERSECT / EXCEPT (without ALL) become a SEMI / ANTI join on "rows equal,
 * NULLs equal" (as hashable equi-conditions) under a deduplicating Aggregate.  UNION and
 * the ALL forms are left unchanged.
 */
qe_status opt_rewrite_setops(rt_arena *arena, plan_node *in, plan_node **out, rt_error *err);

/*
 * Plans a query (SELECT/VALUES/INSERT logical plan) into stages, pipelines and
 * exchanges, allocated in arena.  The plan does not depend on the number of workers:
 * PARTITIONED stages run one task per worker (one in the embedded engine).
 */
qe_status opt_physical(rt_arena *arena, const plan_node *logical, plan_query **out, rt_error *err);

/*
 * opt_physical for the embedded engine, where every stage runs as exactly one task
 * (n_tasks = 1): rows never need to move between tasks, so the plan leaves out the
 * exchanges that only re-partition.  Joins BROADCAST their build side into the probe
 * side's stage (the probe rows stay in their pipeline; FULL joins keep the HASH plan),
 * aggregations run as one SINGLE phase in the input's stage (no PARTIAL/FINAL split) and
 * windows collect their rows where they are.  Such a plan is only correct with one task
 * per stage: never send it to workers.  plan_query.local records it.
 */
qe_status opt_physical_local(rt_arena *arena, const plan_node *logical, plan_query **out,
                             rt_error *err);

/*
 * Refuses (0A000 "type date is not supported by the executor yet", at the offending
 * expression) what the interpreter and codegen cannot run yet: types other than
 * BOOLEAN/INTEGER/BIGINT/DOUBLE/VARCHAR, FUNC/CASE/PARAM expressions, operators over
 * mixed types, aggregates other than count/sum/min/max/avg over numbers, DISTINCT and
 * FILTER aggregates (exec_check.c).  Called once by opt_physical.
 */
qe_status opt_check_executable(const plan_node *logical, rt_error *err);

/* Text renderings (qec --emit=logical|physical, EXPLAIN); malloc'd, NULL on OOM. */
char *opt_print_logical(const plan_node *node);
/* The same with the estimated rows (estimate.c, from cat's statistics; cat may be NULL)
 * of every Get, Filter, Join, Aggregate and Limit: "Join(INNER; ...) ~48000 rows". */
char *opt_print_logical_est(const plan_node *node, rt_catalog *cat);
char *opt_print_physical(const plan_query *q);
/* The physical plan as one JSON document (EXPLAIN (FORMAT JSON)): stages with their
 * pipelines and operators (name and the text form's detail), and the exchanges. */
char *opt_print_physical_json(const plan_query *q);

/* Annotations EXPLAIN ANALYZE adds to the physical plan's renderings: each callback
 * (any may be NULL) appends to sb.  Text: `stage` after "stage N KIND" on its line,
 * `op` after an operator's "Name(...)", `pipeline` whole lines after a pipeline's line,
 * `end` lines after the exchanges.  JSON: each appends members (", \"k\": v") to the
 * stage, operator, pipeline and top-level objects. */
typedef struct opt_print_notes {
    void *ctx; /* passed to every callback */
    /* after stage `stage`'s header */
    void (*stage)(void *ctx, rt_strbuf *sb, uint32_t stage);
    /* after operator `op` (index in the pipeline) of pipeline `pipeline` of `stage` */
    void (*op)(void *ctx, rt_strbuf *sb, uint32_t stage, uint32_t pipeline, uint32_t op);
    /* after the pipeline (its operators) */
    void (*pipeline)(void *ctx, rt_strbuf *sb, uint32_t stage, uint32_t pipeline);
    /* at the end of the plan */
    void (*end)(void *ctx, rt_strbuf *sb);
} opt_print_notes;
/* opt_print_physical / opt_print_physical_json with notes (NULL: none). */
char *opt_print_physical_notes(const plan_query *q, const opt_print_notes *notes);
char *opt_print_physical_json_notes(const plan_query *q, const opt_print_notes *notes);
/* Appends s as a JSON string literal (quotes and escapes). */
void opt_print_json_string(rt_strbuf *sb, const char *s);
/* Appends an expression in SQL-like text ("#0 > 10") to sb. */
void opt_print_expr(rt_strbuf *sb, const plan_expr *e);

/*
 * Serializes a whole physical plan to a versioned, self-checking binary form
 * (malloc'd *buf of *len bytes).  Deserialization validates everything (bad input is
 * an error, never a crash) and allocates the plan in arena.
 */
qe_status opt_plan_serialize(const plan_query *q, uint8_t **buf, size_t *len, rt_error *err);
qe_status opt_plan_deserialize(rt_arena *arena, const uint8_t *buf, size_t len, plan_query **out,
                               rt_error *err);

/* ---- plan expression helpers (plan_expr.c), shared with the binder ----------------- */

/* New expressions in arena; NULL on out-of-memory.  A constant's string is copied. */
plan_expr *opt_expr_const(rt_arena *arena, const rt_value *value, int position);
plan_expr *opt_expr_column(rt_arena *arena, uint32_t column, qe_type type);
/* Appends e to an expression array grown in arena (*items of *n entries, room for *cap;
 * doubling from 8); false on out-of-memory (the array is unchanged). */
bool opt_expr_list_push(rt_arena *arena, plan_expr ***items, uint32_t *n, uint32_t *cap,
                        plan_expr *e);
/* An operator node of result type `type` (right is NULL for unary operators). */
plan_expr *opt_expr_op(rt_arena *arena, plan_op_kind op, qe_type type, plan_expr *left,
                       plan_expr *right, int position);
plan_expr *opt_expr_cast(rt_arena *arena, plan_expr *arg, qe_type to, int position);
/* CASE WHEN cond THEN then ELSE else_expr END of the given type (NULL when an argument
 * is NULL or on out-of-memory). */
plan_expr *opt_expr_case1(rt_arena *arena, plan_expr *cond, plan_expr *then, plan_expr *else_expr,
                          qe_type type);
/* Structural equality (positions ignored): same kind, type, constants, columns, ops. */
bool opt_expr_equal(const plan_expr *a, const plan_expr *b);
/* The typmod of a's v state column (plan.h's aggregation rules): DECIMAL states keep
 * the final typmod, AVG over DECIMAL(p, s) sums into DECIMAL(38, s); else 0.  a->arg
 * is the logical (or SINGLE/PARTIAL) argument. */
int32_t opt_agg_state_typmod(const plan_agg *a);
/* The type modifier of output column i of n: n->typmods, else derived from the
 * expressions producing it (a Project's, an Aggregate's, a pass-through's input). */
int32_t opt_column_typmod(const plan_node *n, uint32_t i);
/*
 * Converts a constant to type `to` when that is exact and cannot fail: NULL to any
 * type, integer widening and narrowing in range, integers/booleans to VARCHAR,
 * BOOLEAN <-> INTEGER, integers to DOUBLE.  Returns false (*out then unspecified) for
 * anything else (DOUBLE to integer rounding, string parsing): the cast is then left
 * to run time.  Strings are allocated in arena.
 */
bool opt_const_cast(rt_arena *arena, const rt_value *in, qe_type to, rt_value *out);
/* Callback of the expression walks: return false to stop the walk. */
typedef bool (*opt_expr_fn)(const plan_expr *e, void *ctx);
/* Visits e and its subexpressions in pre-order (not the plans of subqueries); returns
 * false if fn stopped the walk.  e may be NULL. */
bool opt_expr_walk(const plan_expr *e, opt_expr_fn fn, void *ctx);
/* Walks every expression held by one logical node (not its inputs'). */
bool opt_node_exprs_walk(const plan_node *n, opt_expr_fn fn, void *ctx);
/* Folds constant subexpressions of e (see opt_optimize); returns e if nothing changed,
 * NULL on out-of-memory. */
plan_expr *opt_fold_expr(rt_arena *arena, plan_expr *e);

/* Copies the conjuncts `column op constant` of pred (a Filter directly above scan,
 * over its columns) into scan's filters (scan_filter.c); leaves a scan that has some
 * unchanged.  False on out-of-memory. */
bool opt_scan_filters(rt_arena *arena, plan_op *scan, const plan_expr *pred);

#endif /* QE_OPT_H */
