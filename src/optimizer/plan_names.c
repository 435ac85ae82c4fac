/*
 * plan_names.c -- text of the plan's enumerations, generated from the X-macro lists
 * in plan.h so names and values cannot drift.  Out-of-range values give "?" (or -1
 * for a role) rather than reading past a table.
 */
#include "plan.h"

static const char *const op_sql[] = {
#define PLAN_X_TEXT(name, sql, arity) sql,
    PLAN_OP_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
};

static const char *const agg_names[] = {
#define PLAN_X_TEXT(name, sql) sql,
    PLAN_AGG_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
};

static const char *const phys_names[] = {
#define PLAN_X_TEXT(name, text, role) text,
    PLAN_PHYS_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
};

static const int phys_roles[] = {
#define PLAN_X_ROLE(name, text, role) role,
    PLAN_PHYS_LIST(PLAN_X_ROLE)
#undef PLAN_X_ROLE
};

static const char *const logical_names[] = {
#define PLAN_X_TEXT(name, text) text,
    PLAN_LOGICAL_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
};

static const char *const exchange_names[] = {
#define PLAN_X_TEXT(name, text) text,
    PLAN_EXCHANGE_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
};

static const char *const join_names[] = {
#define PLAN_X_TEXT(name, text) text,
    PLAN_JOIN_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
};

static const char *const setop_names[] = {
#define PLAN_X_TEXT(name, text) text,
    PLAN_SETOP_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
};

static const char *const subquery_names[] = {
#define PLAN_X_TEXT(name, text) text,
    PLAN_SUBQUERY_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
};

static const char *const frame_bound_names[] = {
#define PLAN_X_TEXT(name, text) text,
    PLAN_FRAME_BOUND_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
};

static const char *const txn_names[] = {
#define PLAN_X_TEXT(name, text) text,
    PLAN_TXN_LIST(PLAN_X_TEXT)
#undef PLAN_X_TEXT
};

#define LOOKUP(table, idx) ((unsigned)(idx) < sizeof(table) / sizeof(table)[0] ? (table)[idx] : "?")

const char *plan_op_sql(plan_op_kind op) { return LOOKUP(op_sql, op); }
const char *plan_agg_name(plan_agg_fn fn) { return LOOKUP(agg_names, fn); }
const char *plan_phys_name(plan_phys_kind kind) { return LOOKUP(phys_names, kind); }
const char *plan_logical_name(plan_logical_kind kind) { return LOOKUP(logical_names, kind); }
const char *plan_exchange_name(plan_exchange_kind kind) { return LOOKUP(exchange_names, kind); }
const char *plan_join_name(plan_join_kind kind) { return LOOKUP(join_names, kind); }
const char *plan_setop_name(plan_setop_kind kind) { return LOOKUP(setop_names, kind); }
const char *plan_subquery_name(plan_subquery_kind kind) { return LOOKUP(subquery_names, kind); }
const char *plan_frame_bound_name(plan_frame_bound b) { return LOOKUP(frame_bound_names, b); }
const char *plan_txn_name(plan_txn_kind kind) { return LOOKUP(txn_names, kind); }

int plan_phys_role(plan_phys_kind kind) {
    return (unsigned)kind < sizeof phys_roles / sizeof phys_roles[0] ? phys_roles[kind] : -1;
}
