/*
 * plan_funcs.c -- lookups over the function catalog (plan_funcs.h): names, kinds,
 * signatures, aggregate ids, and binary search by name.  Tables are generated from
 * PLAN_FUNC_LIST, so they cannot drift from the ids.
 */
#include "plan.h"

#include <string.h>

typedef struct func_entry {
    const char *name; /* SQL name */
    plan_func_kind kind;
    int agg;          /* plan_agg_fn or -1 */
    const char *sigs; /* overloads */
} func_entry;

static const func_entry entries[] = {
#define PLAN_X_ENTRY(id, name, kind, agg, sigs) {name, PLAN_FUNC_##kind, agg, sigs},
    PLAN_FUNC_LIST(PLAN_X_ENTRY)
#undef PLAN_X_ENTRY
};

const char *plan_func_name(uint32_t fn) { return fn < PLAN_FUNC_N ? entries[fn].name : "?"; }

plan_func_kind plan_func_kind_of(uint32_t fn) {
    return fn < PLAN_FUNC_N ? entries[fn].kind : PLAN_FUNC_SCALAR;
}

const char *plan_func_signatures(uint32_t fn) { return fn < PLAN_FUNC_N ? entries[fn].sigs : ""; }

int plan_func_agg(uint32_t fn) { return fn < PLAN_FUNC_N ? entries[fn].agg : -1; }

int plan_func_lookup(const char *name) {
    uint32_t lo = 0, hi = PLAN_FUNC_N;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, entries[mid].name);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}
