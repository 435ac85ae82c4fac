/*
 * bind_scope.h -- the binder's FROM-clause structures, shared by bind_scope.c (FROM
 * binding, name resolution, building the FROM plan), bind_select.c, bind_query.c
 * (CTEs, set operations, subqueries) and bind_window.c.  Private to src/frontend.
 *
 * Columns of a SELECT's FROM clause are numbered "virtually" while the SELECT is
 * bound: every FROM item (range) gets a contiguous block of the FROM row, in FROM
 * order, whatever columns are used.  Once every clause is bound, the FROM plan is
 * built reading only the used columns of base tables, and a map renumbers the
 * expressions (and the OUTER_COLUMNs of subqueries that refer to this scope).
 */
#ifndef QE_BIND_SCOPE_H
#define QE_BIND_SCOPE_H

#include "fe_int.h"

/* Placeholder column numbers for window function results until the Window node's
 * input width is known (bind_window.c); COLUMN >= FE_WINDOW_BASE means function
 * (column - FE_WINDOW_BASE) of the SELECT's Window node. */
#define FE_WINDOW_BASE 0x40000000u
/* Placeholder for the Aggregate's grouping-set id column in GROUPING expressions,
 * renumbered with the window placeholders (it is n_groups + n_aggs). */
#define FE_GROUPING_ID_COLUMN 0x3fffffffu

/* One FROM item as names see it. */
typedef struct fe_range {
    const char *alias; /* qualifier (alias, table or CTE name); NULL: none */
    uint32_t n_cols;
    char **names; /* n_cols column names (after column aliases) */
    qe_type *types;
    int32_t *typmods; /* n_cols type modifiers (PLAN_TYPMOD_*), NULL: none */
    uint32_t base;    /* its first column in the FROM row */
    bool *merged;     /* NULL, or n_cols flags: merged away by USING/NATURAL (not found
                         by unqualified names or *) */
    int pos;          /* where the item is written */
} fe_range;

/* X(name) -- kinds of FROM tree nodes. */
typedef enum fe_item_kind { FE_ITEM_TABLE, FE_ITEM_PLAN, FE_ITEM_JOIN } fe_item_kind;

/* A node of the FROM tree (built into the plan after binding). */
typedef struct fe_item {
    fe_item_kind kind;
    uint32_t base, width;    /* FROM-row columns [base, base + width) */
    uint32_t range0, range1; /* ranges [range0, range1) inside this item */
    const char *table;       /* TABLE: the catalog table */
    plan_node *plan;         /* PLAN: derived table, CTE, view, worktable */
    plan_join_kind join;     /* JOIN */
    struct fe_item *left, *right;
    plan_expr *cond;               /* JOIN: FROM-row numbering; NULL: none */
    uint32_t n_merged, merged_cap; /* JOIN USING/NATURAL: the merged columns ... */
    uint32_t *merged;              /* ... (FROM-row columns of the side kept), which `*`
                                      lists first, as PostgreSQL does */
} fe_item;

/* The FROM clause of one SELECT. */
struct fe_from {
    struct fe_from *parent; /* enclosing query's scope (correlation), NULL at top */
    uint32_t level;         /* subquery-expression nesting level */
    uint32_t n_ranges, ranges_cap;
    fe_range *ranges;
    uint32_t n_cols, used_cap; /* FROM-row width; capacity of used */
    bool *used;                /* columns referenced so far */
    fe_item *root;             /* NULL: no FROM clause */
    uint32_t n_patches, patches_cap;
    plan_expr **patches; /* OUTER_COLUMNs of subqueries referring to this scope */
    uint32_t *map;       /* FROM row -> built plan columns, once built */
};

/* Per-SELECT state for window functions and grouping sets (bind_window.c). */
struct fe_select_ctx {
    bool has_agg;    /* the SELECT aggregates */
    bool post_agg;   /* binding clauses evaluated after aggregation */
    uint32_t n_sets; /* grouping sets (0: plain GROUP BY) */
    uint64_t *sets;
    uint32_t n_funcs, funcs_cap; /* window functions collected */
    plan_window_func *funcs;
    char **func_names;
    const fe_list *windows; /* the WINDOW clause */
    const char *win_clause; /* where windows are not allowed ("WHERE"); NULL: allowed */
};

/* Starts the scope of a SELECT whose parent is b->outer (level b->level). */
struct fe_from *fe_from_create(fe_binder *b);
/* Binds a FROM clause (NULL: none) into b->scope.from. */
bool fe_bind_from(fe_binder *b, const fe_ast *from);
/* Builds the FROM plan (a one-row VALUES without FROM), sets from->map and patches
 * outer references to this scope. */
plan_node *fe_build_from(fe_binder *b, struct fe_from *from);
/* A copy of e with COLUMN c -> map[c] (map NULL: unchanged) and window placeholders
 * FE_WINDOW_BASE + i -> win_base + i.  OUTER_COLUMNs are shared, not copied. */
plan_expr *fe_remap_expr(fe_binder *b, const plan_expr *e, const uint32_t *map, uint32_t win_base);
/* Adds a range (alias, columns) covering new FROM-row columns; 42712 on a duplicate
 * alias.  Returns its index or UINT32_MAX on error. */
uint32_t fe_add_range(fe_binder *b, const char *alias, uint32_t n_cols, char **names,
                      qe_type *types, int pos);
/* Binds a query (derived table, CTE body) seeing the same outer scopes as the SELECT
 * whose FROM is being bound. */
plan_node *fe_bind_derived(fe_binder *b, const fe_ast *query);
/* A FROM item for a CTE reference (TABLE_REF) if a CTE of that name is visible;
 * *found tells whether one was (NULL with *found set: an error). */
fe_item *fe_bind_cte_ref(fe_binder *b, const fe_ast *ref, bool *found);
/* A FROM item over a bound plan (derived table, CTE, view), its range named alias,
 * with column aliases. */
fe_item *fe_plan_item(fe_binder *b, plan_node *plan, const char *alias, const fe_list *aliases,
                      int pos);
/* Statements (bind_stmt.c). */
/* Constraints of CREATE TABLE (NOT NULL, PRIMARY KEY, DEFAULT) into p. */
bool fe_bind_table_constraints(fe_binder *b, const fe_ast *n, plan_node *p);
plan_node *fe_bind_create_table_as(fe_binder *b, const fe_ast *n);
plan_node *fe_bind_create_view(fe_binder *b, const fe_ast *n);
plan_node *fe_bind_drop_view(fe_binder *b, const fe_ast *n);
/* A FROM item expanding view ref->name if there is one (*found). */
fe_item *fe_bind_view_ref(fe_binder *b, const fe_ast *ref, bool *found);
plan_node *fe_bind_dml(fe_binder *b, const fe_ast *n);
plan_node *fe_bind_copy(fe_binder *b, const fe_ast *n);
/* Table functions and COPY's CSV side (bind_tablefunc.c). */
/* A FROM item for ref (a TABLE_REF with func): read_csv sniffs its file here. */
fe_item *fe_bind_table_func(fe_binder *b, const fe_ast *ref);
/* The file and dialect of COPY n from its options (table: the COPY's table for error
 * context, may be NULL).  NULL on error (recorded). */
plan_csv *fe_bind_copy_csv(fe_binder *b, const fe_ast *n, const char *table);
/* COPY t FROM: a Project yielding every column of t (NULL for those not in cols[0..k))
 * over a TABLE_FUNCTION reading columns cols[0..k) of t from csv. */
plan_node *fe_bind_copy_from(fe_binder *b, const rt_table *t, const uint32_t *cols, uint32_t k,
                             plan_csv *csv);
plan_node *fe_bind_show(fe_binder *b, const fe_ast *n);
plan_node *fe_bind_transaction(fe_binder *b, const fe_ast *n);
plan_node *fe_bind_call(fe_binder *b, const fe_ast *n);
/* A SELECT with fresh per-query state (bind_select.c). */
plan_node *fe_bind_select(fe_binder *b, const fe_ast *s);

/* How a CTE is being bound (recursive CTEs). */
typedef enum fe_cte_state {
    FE_CTE_PLAIN,     /* references bind the body */
    FE_CTE_ANCHOR,    /* binding the non-recursive term: a reference is an error */
    FE_CTE_RECURSIVE, /* binding the recursive term: references scan the work table */
    FE_CTE_SELF       /* binding a RECURSIVE body that is not a UNION */
} fe_cte_state;

/* A CTE visible to the query being bound. */
struct fe_cte {
    const fe_ast *ast;      /* the CTE node */
    struct fe_cte *next;    /* the next CTE outwards */
    struct fe_cte *visible; /* what its body sees (itself too when recursive) */
    struct fe_from *outer;  /* b->outer where the WITH is written */
    bool recursive;         /* WITH RECURSIVE */
    fe_cte_state state;
    uint32_t n_self_refs; /* references seen in its own body */
    uint32_t id;          /* RECURSIVE: work table id */
    plan_node *anchor;    /* RECURSIVE: the bound non-recursive term */
};

#endif /* QE_BIND_SCOPE_H */
