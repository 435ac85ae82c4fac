/*
 * build_side.c -- which input of a join builds the hash table (opt_choose_build_sides,
 * the last logical rewrite of opt_optimize_in).
 *
 * The physical planner builds on the right input; the join rewrites put the smaller
 * input of an INNER join there, but LEFT, SEMI and ANTI joins keep their inputs where
 * the query put them: `orders WHERE EXISTS (lineitem ...)` would build a hash table of
 * 6M lineitem rows to filter 57K orders.  A big hash table costs far more per row than
 * a small one (every access misses the caches), so when the left input is estimated
 * at less than a quarter of the right one, the join is marked build_left: the physical
 * planner then builds on the left input and probes with the right one, marking the
 * build rows that match (physical_join.inc: RIGHT joins, filter_build SEMI/ANTI).
 * Only a hint: the logical meaning of the join does not change.
 */
#include "opt.h"

/* Left input estimated below right / BUILD_LEFT_RATIO: build on the left. */
#define BUILD_LEFT_RATIO 4.0

static bool flippable(plan_join_kind k) {
    return k == PLAN_JOIN_LEFT || k == PLAN_JOIN_SEMI || k == PLAN_JOIN_ANTI;
}

void opt_choose_build_sides(plan_node *n, rt_catalog *catalog) {
    for (; n != NULL; n = n->child) {
        if (n->right)
            opt_choose_build_sides(n->right, catalog);
        if (n->kind != PLAN_LOGICAL_JOIN || !n->child || !n->right || !n->u.join.cond ||
            !flippable(n->u.join.kind))
            continue;
        double l = opt_est_rows(catalog, n->child), r = opt_est_rows(catalog, n->right);
        n->u.join.build_left = l * BUILD_LEFT_RATIO < r;
    }
}
