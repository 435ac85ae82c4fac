/*
 * scan_filter.c -- filter pushdown into SCAN: the conjuncts `column op constant`
 * (=, <, <=, >, >=, IS NULL; BETWEEN arrives as >= AND <=) of the Filter directly
 * above a scan become the scan's filters, hints it uses to skip chunks and row groups
 * whose zone maps cannot match.  The Filter stays and evaluates every conjunct.
 */
#include "opt.h"

/* The scan comparison for `column op const`, mirrored when the constant is on the
 * left; false if op is no comparison a zone map decides. */
static bool scan_cmp_of(plan_op_kind op, bool mirrored, plan_scan_cmp *out) {
    switch (op) {
    case PLAN_OP_EQ: *out = PLAN_SCAN_CMP_EQ; return true;
    case PLAN_OP_LT: *out = mirrored ? PLAN_SCAN_CMP_GT : PLAN_SCAN_CMP_LT; return true;
    case PLAN_OP_LE: *out = mirrored ? PLAN_SCAN_CMP_GE : PLAN_SCAN_CMP_LE; return true;
    case PLAN_OP_GT: *out = mirrored ? PLAN_SCAN_CMP_LT : PLAN_SCAN_CMP_GT; return true;
    case PLAN_OP_GE: *out = mirrored ? PLAN_SCAN_CMP_LE : PLAN_SCAN_CMP_GE; return true;
    default: return false;
    }
}

/* True if e is a non-NULL constant of type t with typmod tm (no cast needed). */
static bool is_const_of(const plan_expr *e, qe_type t, int32_t tm) {
    return e != NULL && e->kind == PLAN_EXPR_CONST && !e->u.value.is_null && e->type == t &&
           e->u.value.type == t && e->typmod == tm;
}

/* Fills *f from a conjunct if it has a scan filter's form; false otherwise. */
static bool filter_of(const plan_op *scan, const plan_expr *e, plan_scan_filter *f) {
    if (e->kind != PLAN_EXPR_OP)
        return false;
    const plan_expr *a = e->u.op.args[0], *b = e->u.op.args[1];
    if (a == NULL || a->kind != PLAN_EXPR_COLUMN || a->u.column >= scan->n_cols ||
        a->type != scan->types[a->u.column]) {
        if (b == NULL || b->kind != PLAN_EXPR_COLUMN)
            return false;
        const plan_expr *t = a; /* constant op column */
        a = b;
        b = t;
        if (a->u.column >= scan->n_cols || a->type != scan->types[a->u.column] ||
            !scan_cmp_of(e->u.op.op, true, &f->op))
            return false;
    } else if (e->u.op.op == PLAN_OP_IS_NULL) {
        f->column = a->u.column;
        f->op = PLAN_SCAN_CMP_IS_NULL;
        f->value = NULL;
        return true;
    } else if (!scan_cmp_of(e->u.op.op, false, &f->op)) {
        return false;
    }
    if (!is_const_of(b, a->type, a->typmod))
        return false;
    f->column = a->u.column;
    f->value = (plan_expr *)b;
    return true;
}

/* Counts (out == NULL) or stores the filters of the AND tree e; returns the count. */
static uint32_t collect(const plan_op *scan, const plan_expr *e, plan_scan_filter *out,
                        uint32_t n) {
    if (e->kind == PLAN_EXPR_OP && e->u.op.op == PLAN_OP_AND && e->u.op.args[1] != NULL) {
        n = collect(scan, e->u.op.args[0], out, n);
        return collect(scan, e->u.op.args[1], out, n);
    }
    plan_scan_filter f;
    if (!filter_of(scan, e, &f))
        return n;
    if (out != NULL)
        out[n] = f;
    return n + 1;
}

bool opt_scan_filters(rt_arena *arena, plan_op *scan, const plan_expr *pred) {
    if (scan->kind != PLAN_PHYS_SCAN || scan->u.scan.n_filters > 0 || pred == NULL)
        return true;
    uint32_t n = collect(scan, pred, NULL, 0);
    if (n == 0)
        return true;
    plan_scan_filter *f = rt_arena_alloc(arena, sizeof *f * n);
    if (f == NULL)
        return false;
    scan->u.scan.filters = f;
    scan->u.scan.n_filters = collect(scan, pred, f, 0);
    return true;
}
