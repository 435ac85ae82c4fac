/*
 * types.c -- the LLVM mirrors of the runtime structures generated code touches, and
 * the declarations of the runtime helpers it calls.
 *
 * Generated code reads rt_batch/rt_vector fields and writes rt_agg_state fields by
 * field index in LLVM struct types that mirror the C structs.  The C offsets are
 * _Static_asserted here (a change in rt.h that moves a field fails the build), and
 * cg_module_init checks LLVM's layout of the mirrors against offsetof at run time
 * (a different data layout fails compilation instead of corrupting memory).
 */
#include "cg_int.h"

#include <stddef.h>
#include <string.h>

/* %rt_vector = { i32 type, ptr validity, ptr values, i32 n_buffers, i32 buffers_cap,
 *                ptr buffers, ptr heap_tail, i32 heap_left } */
_Static_assert(sizeof(qe_type) == 4, "qe_type is mirrored as i32");
_Static_assert(offsetof(rt_vector, type) == 0, "rt_vector layout");
_Static_assert(offsetof(rt_vector, validity) == 8, "rt_vector layout");
_Static_assert(offsetof(rt_vector, values) == 16, "rt_vector layout");
_Static_assert(offsetof(rt_vector, n_buffers) == 24, "rt_vector layout");
_Static_assert(offsetof(rt_vector, buffers_cap) == 28, "rt_vector layout");
_Static_assert(offsetof(rt_vector, buffers) == 32, "rt_vector layout");
_Static_assert(offsetof(rt_vector, heap_tail) == 40, "rt_vector layout");
_Static_assert(offsetof(rt_vector, heap_left) == 48, "rt_vector layout");
_Static_assert(sizeof(rt_vector) == 56, "rt_vector layout");

/* %rt_batch = { i32 n_rows, i32 n_cols, ptr cols, ptr sel, i32 n_sel, i32 capacity } */
_Static_assert(offsetof(rt_batch, n_rows) == 0, "rt_batch layout");
_Static_assert(offsetof(rt_batch, n_cols) == 4, "rt_batch layout");
_Static_assert(offsetof(rt_batch, cols) == 8, "rt_batch layout");
_Static_assert(offsetof(rt_batch, sel) == 16, "rt_batch layout");
_Static_assert(offsetof(rt_batch, n_sel) == 24, "rt_batch layout");
_Static_assert(offsetof(rt_batch, capacity) == 28, "rt_batch layout");
_Static_assert(sizeof(rt_batch) == 32, "rt_batch layout");

/* %rt_agg_state = { i64 v, i64 v_hi, i64 n, i64 x }: v is read as i64 or double. */
_Static_assert(offsetof(rt_agg_state, v) == 0, "rt_agg_state layout");
_Static_assert(offsetof(rt_agg_state, n) == 16, "rt_agg_state layout");
_Static_assert(offsetof(rt_agg_state, x) == 24, "rt_agg_state layout");
_Static_assert(sizeof(((rt_agg_state *)0)->v) == 16, "rt_agg_state layout");
_Static_assert(sizeof(rt_agg_state) == 32, "rt_agg_state layout");

/* %rt_jit_join = { ptr buckets, i64 mask, ptr links, ptr cols, ptr matched, i32 n_rows,
 *                  i32 n_null_rows, ptr kwords, i64 kmin, i64 kspan, ptr kheads };
 * %rt_jit_join_link = { i64 hash, i32 next, i32 pad } */
_Static_assert(offsetof(rt_jit_join, buckets) == 0, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join, mask) == 8, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join, links) == 16, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join, cols) == 24, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join, matched) == 32, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join, n_rows) == 40, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join, n_null_rows) == 44, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join, kwords) == 48, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join, kmin) == 56, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join, kspan) == 64, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join, kheads) == 72, "rt_jit_join layout");
_Static_assert(sizeof(rt_jit_join) == 80, "rt_jit_join layout");
_Static_assert(offsetof(rt_jit_join_link, hash) == 0, "rt_jit_join_link layout");
_Static_assert(offsetof(rt_jit_join_link, next) == 8, "rt_jit_join_link layout");
_Static_assert(sizeof(rt_jit_join_link) == 16, "rt_jit_join_link layout");

/* %rt_jit_agg = { ptr slots, i64 mask, i64 shift }; %rt_jit_agg_slot = { i64 hash, ptr row } */
_Static_assert(offsetof(rt_jit_agg, slots) == 0, "rt_jit_agg layout");
_Static_assert(offsetof(rt_jit_agg, mask) == 8, "rt_jit_agg layout");
_Static_assert(offsetof(rt_jit_agg, shift) == 16, "rt_jit_agg layout");
_Static_assert(sizeof(rt_jit_agg) == 24, "rt_jit_agg layout");
_Static_assert(offsetof(rt_jit_agg_slot, hash) == 0, "rt_jit_agg_slot layout");
_Static_assert(offsetof(rt_jit_agg_slot, row) == 8, "rt_jit_agg_slot layout");
_Static_assert(sizeof(rt_jit_agg_slot) == 16, "rt_jit_agg_slot layout");

/* VARCHAR views are 16 bytes (align 4), read as two i64, HUGEINT/DECIMAL values are
 * i128 (align 8), BOOLEAN values are one byte. */
_Static_assert(sizeof(qe_string_view) == 16 && _Alignof(qe_string_view) == 4,
               "string views are 16 bytes, 4-byte aligned");
_Static_assert(sizeof(bool) == 1, "BOOLEAN values are one byte");
_Static_assert(sizeof(qe_status) == 4, "qe_status is returned as i32");

static const size_t vector_offsets[CG_VEC_N_FIELDS] = {
    offsetof(rt_vector, type),      offsetof(rt_vector, validity),    offsetof(rt_vector, values),
    offsetof(rt_vector, n_buffers), offsetof(rt_vector, buffers_cap), offsetof(rt_vector, buffers),
    offsetof(rt_vector, heap_tail), offsetof(rt_vector, heap_left),
};
static const size_t batch_offsets[CG_BATCH_N_FIELDS] = {
    offsetof(rt_batch, n_rows), offsetof(rt_batch, n_cols), offsetof(rt_batch, cols),
    offsetof(rt_batch, sel),    offsetof(rt_batch, n_sel),  offsetof(rt_batch, capacity),
};

static const size_t join_offsets[CG_JOIN_N_FIELDS] = {
    offsetof(rt_jit_join, buckets),     offsetof(rt_jit_join, mask),
    offsetof(rt_jit_join, links),       offsetof(rt_jit_join, cols),
    offsetof(rt_jit_join, matched),     offsetof(rt_jit_join, n_rows),
    offsetof(rt_jit_join, n_null_rows), offsetof(rt_jit_join, kwords),
    offsetof(rt_jit_join, kmin),        offsetof(rt_jit_join, kspan),
    offsetof(rt_jit_join, kheads),
};

static const char *const helper_names[CG_HELPER_COUNT] = {
#define CG_X_NAME(name, sym) sym,
    CG_HELPER_LIST(CG_X_NAME)
#undef CG_X_NAME
};

/* Names of the runtime helpers; see cg_int.h. */
const char *cg_helper_name(cg_helper h) { return helper_names[h]; }

/* Addresses of the runtime helpers in this process; see cg_int.h. */
uint64_t cg_helper_address(cg_helper h) {
    switch (h) {
    case CG_HELPER_SCRATCH: return (uint64_t)(uintptr_t)&rt_jit_scratch;
    case CG_HELPER_PUSH: return (uint64_t)(uintptr_t)&rt_jit_push;
    case CG_HELPER_ERROR: return (uint64_t)(uintptr_t)&rt_jit_error;
    case CG_HELPER_ERROR_AT: return (uint64_t)(uintptr_t)&rt_jit_error_at;
    case CG_HELPER_STR_ALLOC: return (uint64_t)(uintptr_t)&rt_jit_str_alloc;
    case CG_HELPER_STR_STORE: return (uint64_t)(uintptr_t)&rt_jit_str_store;
    case CG_HELPER_JOIN_TABLE: return (uint64_t)(uintptr_t)&rt_jit_join_table;
    case CG_HELPER_LIMIT_ROW: return (uint64_t)(uintptr_t)&rt_jit_limit_row;
    case CG_HELPER_DISTINCT_ON_ROW: return (uint64_t)(uintptr_t)&rt_jit_distinct_on_row;
    case CG_HELPER_DISTINCT_ON_KEEP: return (uint64_t)(uintptr_t)&rt_jit_distinct_on_keep;
    case CG_HELPER_MARK_MAYBE: return (uint64_t)(uintptr_t)&rt_jit_mark_maybe;
    case CG_HELPER_INTERPRET: return (uint64_t)(uintptr_t)&rt_jit_interpret;
    case CG_HELPER_FUNC: return (uint64_t)(uintptr_t)&rt_jit_func;
    case CG_HELPER_AGG_TABLE: return (uint64_t)(uintptr_t)&rt_jit_agg_table;
    case CG_HELPER_AGG_SINGLE: return (uint64_t)(uintptr_t)&rt_jit_agg_single;
    case CG_HELPER_AGG_INSERT: return (uint64_t)(uintptr_t)&rt_jit_agg_insert;
    case CG_HELPER_AGG_ORDERED: return (uint64_t)(uintptr_t)&rt_jit_agg_ordered;
    case CG_HELPER_AGG_INSERT_ORDERED: return (uint64_t)(uintptr_t)&rt_jit_agg_insert_ordered;
    case CG_HELPER_AGG_ORDERED_END: return (uint64_t)(uintptr_t)&rt_jit_agg_ordered_end;
    case CG_HELPER_SINK_ROWS: return (uint64_t)(uintptr_t)&rt_jit_sink_rows;
    case CG_HELPER_JOIN_PREFETCH: return (uint64_t)(uintptr_t)&rt_jit_join_prefetch;
    case CG_HELPER_JOIN_CHAINS: return (uint64_t)(uintptr_t)&rt_jit_join_chains;
    case CG_HELPER_BLOCK_COMPACT: return (uint64_t)(uintptr_t)&rt_jit_block_compact;
    case CG_HELPER_CHAR_EQ_CONST: return (uint64_t)(uintptr_t)&rt_jit_char_eq_const;
    case CG_HELPER_MUL_HI: return (uint64_t)(uintptr_t)&rt_jit_mul_hi;
    case CG_HELPER_TS_ADD_IV: return (uint64_t)(uintptr_t)&rt_jit_ts_add_interval;
    case CG_HELPER_COUNT: break;
    }
    return 0;
}

static void init_scalar_types(cg_module *m) {
    m->t_void = LLVMVoidTypeInContext(m->ctx);
    m->t_i1 = LLVMInt1TypeInContext(m->ctx);
    m->t_i8 = LLVMInt8TypeInContext(m->ctx);
    m->t_i16 = LLVMInt16TypeInContext(m->ctx);
    m->t_f32 = LLVMFloatTypeInContext(m->ctx);
    m->t_f80 = LLVMX86FP80TypeInContext(m->ctx);
    m->t_i32 = LLVMInt32TypeInContext(m->ctx);
    m->t_i64 = LLVMInt64TypeInContext(m->ctx);
    m->t_i128 = LLVMInt128TypeInContext(m->ctx);
    m->t_f64 = LLVMDoubleTypeInContext(m->ctx);
    m->t_ptr = LLVMPointerTypeInContext(m->ctx, 0);
}

static void init_struct_types(cg_module *m) {
    LLVMTypeRef vec_fields[CG_VEC_N_FIELDS] = {m->t_i32, m->t_ptr, m->t_ptr, m->t_i32,
                                               m->t_i32, m->t_ptr, m->t_ptr, m->t_i32};
    m->t_vector = LLVMStructCreateNamed(m->ctx, "rt_vector");
    LLVMStructSetBody(m->t_vector, vec_fields, CG_VEC_N_FIELDS, false);
    LLVMTypeRef batch_fields[CG_BATCH_N_FIELDS] = {m->t_i32, m->t_i32, m->t_ptr,
                                                   m->t_ptr, m->t_i32, m->t_i32};
    m->t_batch = LLVMStructCreateNamed(m->ctx, "rt_batch");
    LLVMStructSetBody(m->t_batch, batch_fields, CG_BATCH_N_FIELDS, false);
    LLVMTypeRef agg_fields[CG_AGG_N_FIELDS] = {m->t_i64, m->t_i64, m->t_i64, m->t_i64};
    m->t_agg = LLVMStructCreateNamed(m->ctx, "rt_agg_state");
    LLVMStructSetBody(m->t_agg, agg_fields, CG_AGG_N_FIELDS, false);
    LLVMTypeRef join_fields[CG_JOIN_N_FIELDS] = {m->t_ptr, m->t_i64, m->t_ptr, m->t_ptr,
                                                 m->t_ptr, m->t_i32, m->t_i32, m->t_ptr,
                                                 m->t_i64, m->t_i64, m->t_ptr};
    m->t_join = LLVMStructCreateNamed(m->ctx, "rt_jit_join");
    LLVMStructSetBody(m->t_join, join_fields, CG_JOIN_N_FIELDS, false);
    LLVMTypeRef link_fields[CG_LINK_N_FIELDS] = {m->t_i64, m->t_i32, m->t_i32};
    m->t_link = LLVMStructCreateNamed(m->ctx, "rt_jit_join_link");
    LLVMStructSetBody(m->t_link, link_fields, CG_LINK_N_FIELDS, false);
    LLVMTypeRef aggt_fields[CG_AGGT_N_FIELDS] = {m->t_ptr, m->t_i64, m->t_i64};
    m->t_agg_table = LLVMStructCreateNamed(m->ctx, "rt_jit_agg");
    LLVMStructSetBody(m->t_agg_table, aggt_fields, CG_AGGT_N_FIELDS, false);
    LLVMTypeRef aggs_fields[CG_AGGS_N_FIELDS] = {m->t_i64, m->t_ptr};
    m->t_agg_slot = LLVMStructCreateNamed(m->ctx, "rt_jit_agg_slot");
    LLVMStructSetBody(m->t_agg_slot, aggs_fields, CG_AGGS_N_FIELDS, false);
}

static void declare_helpers(cg_module *m) {
    LLVMTypeRef p = m->t_ptr;
    LLVMTypeRef scratch_args[] = {p, m->t_i32};
    LLVMTypeRef push_args[] = {p, p, p};
    LLVMTypeRef error_args[] = {p, m->t_i32, m->t_i32};
    m->helper_type[CG_HELPER_SCRATCH] = LLVMFunctionType(p, scratch_args, 2, false);
    m->helper_type[CG_HELPER_PUSH] = LLVMFunctionType(m->t_i32, push_args, 3, false);
    m->helper_type[CG_HELPER_ERROR] = LLVMFunctionType(m->t_i32, error_args, 2, false);
    m->helper_type[CG_HELPER_ERROR_AT] = LLVMFunctionType(m->t_i32, error_args, 3, false);
    LLVMTypeRef alloc_args[] = {p, m->t_i32};
    m->helper_type[CG_HELPER_STR_ALLOC] = LLVMFunctionType(p, alloc_args, 2, false);
    LLVMTypeRef store_args[] = {p, p, m->t_i32, p, m->t_i32};
    m->helper_type[CG_HELPER_STR_STORE] = LLVMFunctionType(m->t_i32, store_args, 5, false);
    LLVMTypeRef join_args[] = {p, m->t_i32, p};
    LLVMTypeRef limit_args[] = {p, m->t_i32};
    m->helper_type[CG_HELPER_JOIN_TABLE] = LLVMFunctionType(m->t_void, join_args, 3, false);
    m->helper_type[CG_HELPER_LIMIT_ROW] = LLVMFunctionType(m->t_i32, limit_args, 2, false);
    LLVMTypeRef dist_args[] = {p, m->t_i32, p, m->t_i64, m->t_i64, p};
    m->helper_type[CG_HELPER_DISTINCT_ON_ROW] = LLVMFunctionType(m->t_i32, dist_args, 6, false);
    LLVMTypeRef keep_args[] = {p, m->t_i32, p, m->t_i64, p};
    m->helper_type[CG_HELPER_DISTINCT_ON_KEEP] = LLVMFunctionType(m->t_i32, keep_args, 5, false);
    LLVMTypeRef mark_args[] = {p, m->t_i32, p, p};
    m->helper_type[CG_HELPER_MARK_MAYBE] = LLVMFunctionType(m->t_i32, mark_args, 4, false);
    m->helper_type[CG_HELPER_INTERPRET] = LLVMFunctionType(m->t_i32, push_args, 3, false);
    m->helper_type[CG_HELPER_FUNC] = LLVMFunctionType(m->t_i32, push_args, 3, false);
    LLVMTypeRef table_args[] = {p};
    LLVMTypeRef insert_args[] = {p, m->t_i64, p, p, p};
    LLVMTypeRef rows_args[] = {p, p, m->t_i64};
    m->helper_type[CG_HELPER_AGG_TABLE] = LLVMFunctionType(p, table_args, 1, false);
    m->helper_type[CG_HELPER_AGG_SINGLE] = LLVMFunctionType(p, table_args, 1, false);
    m->helper_type[CG_HELPER_AGG_INSERT] = LLVMFunctionType(m->t_i32, insert_args, 5, false);
    m->helper_type[CG_HELPER_AGG_ORDERED] = LLVMFunctionType(m->t_i32, table_args, 1, false);
    m->helper_type[CG_HELPER_AGG_INSERT_ORDERED] =
        LLVMFunctionType(m->t_i32, insert_args, 5, false);
    m->helper_type[CG_HELPER_AGG_ORDERED_END] = LLVMFunctionType(m->t_i32, table_args, 1, false);
    m->helper_type[CG_HELPER_SINK_ROWS] = LLVMFunctionType(m->t_void, rows_args, 3, false);
    LLVMTypeRef pf_args[] = {p, p, p, m->t_i64, p, m->t_i32};
    m->helper_type[CG_HELPER_JOIN_PREFETCH] = LLVMFunctionType(m->t_i64, pf_args, 6, false);
    LLVMTypeRef chains_args[] = {p, p, p, m->t_i64, m->t_i64, p, p, p};
    m->helper_type[CG_HELPER_JOIN_CHAINS] = LLVMFunctionType(m->t_void, chains_args, 8, false);
    LLVMTypeRef compact_args[] = {p, m->t_i64, m->t_i64, p, p, m->t_i32};
    m->helper_type[CG_HELPER_BLOCK_COMPACT] = LLVMFunctionType(m->t_i64, compact_args, 6, false);
    LLVMTypeRef char_args[] = {p, p, p, m->t_i32, m->t_i32};
    m->helper_type[CG_HELPER_CHAR_EQ_CONST] = LLVMFunctionType(m->t_i32, char_args, 5, false);
    LLVMTypeRef mul_args[] = {m->t_i64, m->t_i64};
    m->helper_type[CG_HELPER_MUL_HI] = LLVMFunctionType(m->t_i64, mul_args, 2, false);
    LLVMTypeRef ts_iv_args[] = {m->t_i64, m->t_i64, m->t_i64, m->t_i32, p};
    m->helper_type[CG_HELPER_TS_ADD_IV] = LLVMFunctionType(m->t_i32, ts_iv_args, 5, false);
    for (int h = 0; h < CG_HELPER_COUNT; h++) {
        m->helper[h] = LLVMAddFunction(m->mod, helper_names[h], m->helper_type[h]);
        LLVMSetLinkage(m->helper[h], LLVMExternalLinkage);
    }
    unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
    unsigned cold = LLVMGetEnumAttributeKindForName("cold", 4);
    for (int h = 0; h < CG_HELPER_COUNT; h++)
        LLVMAddAttributeAtIndex(m->helper[h], LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(m->ctx, nounwind, 0));
    LLVMAddAttributeAtIndex(m->helper[CG_HELPER_ERROR], LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(m->ctx, cold, 0));
    LLVMAddAttributeAtIndex(m->helper[CG_HELPER_ERROR_AT], LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(m->ctx, cold, 0));
    /* the precompiled helpers keep no pointer: allocas passed to them stay unescaped
     * (no alias checks in the vectorized loops that fill them) */
    unsigned nocapture = LLVMGetEnumAttributeKindForName("nocapture", 9);
    static const struct {
        cg_helper h;
        unsigned n; /* pointer parameters 1..n */
    } keep_none[] = {{CG_HELPER_JOIN_PREFETCH, 5},
                     {CG_HELPER_JOIN_CHAINS, 8},
                     {CG_HELPER_BLOCK_COMPACT, 5},
                     {CG_HELPER_CHAR_EQ_CONST, 3},
                     {CG_HELPER_TS_ADD_IV, 5}};
    for (size_t i = 0; i < sizeof keep_none / sizeof keep_none[0]; i++)
        for (unsigned a = 1; a <= keep_none[i].n; a++)
            if (LLVMGetTypeKind(LLVMTypeOf(LLVMGetParam(m->helper[keep_none[i].h], a - 1))) ==
                LLVMPointerTypeKind)
                LLVMAddAttributeAtIndex(m->helper[keep_none[i].h], a,
                                        LLVMCreateEnumAttribute(m->ctx, nocapture, 0));
    LLVMTypeRef pipe_args[] = {p, p, p};
    m->t_pipe_fn = LLVMFunctionType(m->t_i32, pipe_args, 3, false);
}

/* A private constant global of m holding init; see cg_int.h. */
LLVMValueRef cg_const_global(cg_module *m, LLVMValueRef init, const char *name) {
    LLVMValueRef g = LLVMAddGlobal(m->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, true);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    return g;
}

static void define_all_valid(cg_module *m) {
    m->all_valid = cg_const_global(m, LLVMConstInt(m->t_i8, 0xFF, false), "qe_all_valid");
    LLVMSetUnnamedAddress(m->all_valid, LLVMGlobalUnnamedAddr);
    m->null_slot = cg_const_global(m, LLVMConstNull(m->t_ptr), "qe_null_slot");
    m->null_view = cg_const_global(m, LLVMConstNull(m->t_i128), "qe_null_view");
    LLVMSetAlignment(m->null_view, 16);
}

/* Checks LLVM's layout of a mirror struct against the C offsets. */
static bool layout_matches(LLVMTargetDataRef td, LLVMTypeRef t, const size_t *offsets, unsigned n,
                           size_t size) {
    for (unsigned i = 0; i < n; i++)
        if (LLVMOffsetOfElement(td, t, i) != offsets[i])
            return false;
    return LLVMABISizeOfType(td, t) == size;
}

static qe_status check_layouts(cg_module *m, rt_error *err) {
    LLVMTargetDataRef td = LLVMGetModuleDataLayout(m->mod);
    bool ok =
        layout_matches(td, m->t_vector, vector_offsets, CG_VEC_N_FIELDS, sizeof(rt_vector)) &&
        layout_matches(td, m->t_batch, batch_offsets, CG_BATCH_N_FIELDS, sizeof(rt_batch)) &&
        LLVMABISizeOfType(td, m->t_agg) == sizeof(rt_agg_state) &&
        layout_matches(td, m->t_join, join_offsets, CG_JOIN_N_FIELDS, sizeof(rt_jit_join)) &&
        LLVMABISizeOfType(td, m->t_link) == sizeof(rt_jit_join_link) &&
        LLVMOffsetOfElement(td, m->t_agg_table, CG_AGGT_SHIFT) == offsetof(rt_jit_agg, shift) &&
        LLVMABISizeOfType(td, m->t_agg_table) == sizeof(rt_jit_agg) &&
        LLVMOffsetOfElement(td, m->t_agg_slot, CG_AGGS_ROW) == offsetof(rt_jit_agg_slot, row) &&
        LLVMABISizeOfType(td, m->t_agg_slot) == sizeof(rt_jit_agg_slot);
    if (!ok)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "LLVM data layout does not match the runtime's struct layout");
    return QE_OK;
}

/* Creates a module with types and helper declarations; see cg_int.h. */
qe_status cg_module_init(cg_module *m, LLVMContextRef ctx, const char *name, const char *triple,
                         const char *data_layout, const char *cpu, const char *features,
                         rt_error *err) {
    memset(m, 0, sizeof *m);
    m->ctx = ctx;
    m->cpu = cpu;
    m->features = features;
    m->mod = LLVMModuleCreateWithNameInContext(name, ctx);
    m->b = LLVMCreateBuilderInContext(ctx);
    if (m->mod == NULL || m->b == NULL) {
        cg_module_dispose(m);
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory creating an LLVM module");
    }
    LLVMSetTarget(m->mod, triple);
    LLVMSetDataLayout(m->mod, data_layout);
    init_scalar_types(m);
    init_struct_types(m);
    declare_helpers(m);
    define_all_valid(m);
    qe_status st = check_layouts(m, err);
    if (st != QE_OK)
        cg_module_dispose(m);
    return st;
}

/* Releases builder and module; see cg_int.h. */
void cg_module_dispose(cg_module *m) {
    if (m->b)
        LLVMDisposeBuilder(m->b);
    if (m->mod)
        LLVMDisposeModule(m->mod);
    m->b = NULL;
    m->mod = NULL;
}

/* Adds the host attributes to fn; see cg_int.h. */
void cg_set_fn_attrs(cg_module *m, LLVMValueRef fn) {
    unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(m->ctx, nounwind, 0));
    LLVMAddAttributeAtIndex(
        fn, LLVMAttributeFunctionIndex,
        LLVMCreateStringAttribute(m->ctx, "target-cpu", 10, m->cpu, (unsigned)strlen(m->cpu)));
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(m->ctx, "target-features", 15, m->features,
                                                      (unsigned)strlen(m->features)));
    if (strstr(m->features, "+avx512f")) /* full-width vector loops (block.c) */
        LLVMAddAttributeAtIndex(
            fn, LLVMAttributeFunctionIndex,
            LLVMCreateStringAttribute(m->ctx, "prefer-vector-width", 19, "512", 3));
}

/* Emits a call to a runtime helper; see cg_int.h. */
LLVMValueRef cg_call_helper(cg_module *m, cg_helper h, LLVMValueRef *args, unsigned n_args) {
    return LLVMBuildCall2(m->b, m->helper_type[h], m->helper[h], args, n_args, "");
}

static LLVMTypeRef batch_field_type(cg_module *m, unsigned field) {
    return LLVMStructGetTypeAtIndex(m->t_batch, field);
}

static LLVMTypeRef vector_field_type(cg_module *m, unsigned field) {
    return LLVMStructGetTypeAtIndex(m->t_vector, field);
}

/* Loads a field of an rt_batch; see cg_int.h. */
LLVMValueRef cg_load_batch_field(cg_module *m, LLVMValueRef batch, unsigned field) {
    LLVMValueRef p = LLVMBuildStructGEP2(m->b, m->t_batch, batch, field, "");
    return LLVMBuildLoad2(m->b, batch_field_type(m, field), p, "");
}

/* The address of a field of an rt_vector: of a vector cg_vector_at addressed, one GEP
 * from the cols array (cols[i].field), so the vector's own address, unused otherwise,
 * is dropped by dce (one instruction less per field at the cheap tier). */
static LLVMValueRef vector_field_ptr(cg_module *m, LLVMValueRef vec, unsigned field) {
    if (LLVMIsAGetElementPtrInst(vec) && LLVMGetNumOperands(vec) == 2 &&
        LLVMGetGEPSourceElementType(vec) == m->t_vector) {
        LLVMValueRef idx[2] = {LLVMGetOperand(vec, 1), cg_i32(m, field)};
        return LLVMBuildGEP2(m->b, m->t_vector, LLVMGetOperand(vec, 0), idx, 2, "");
    }
    return LLVMBuildStructGEP2(m->b, m->t_vector, vec, field, "");
}

/* Loads a field of an rt_vector; see cg_int.h. */
LLVMValueRef cg_load_vector_field(cg_module *m, LLVMValueRef vec, unsigned field) {
    LLVMValueRef p = vector_field_ptr(m, vec, field);
    return LLVMBuildLoad2(m->b, vector_field_type(m, field), p, "");
}

/* Stores a field of an rt_batch; see cg_int.h. */
void cg_store_batch_field(cg_module *m, LLVMValueRef batch, unsigned field, LLVMValueRef v) {
    LLVMBuildStore(m->b, v, LLVMBuildStructGEP2(m->b, m->t_batch, batch, field, ""));
}

/* Stores a field of an rt_vector; see cg_int.h. */
void cg_store_vector_field(cg_module *m, LLVMValueRef vec, unsigned field, LLVMValueRef v) {
    LLVMBuildStore(m->b, v, vector_field_ptr(m, vec, field));
}

/* Address of a vector in a cols array; see cg_int.h. */
LLVMValueRef cg_vector_at(cg_module *m, LLVMValueRef cols, LLVMValueRef col) {
    return LLVMBuildGEP2(m->b, m->t_vector, cols, &col, 1, "");
}

/* Constants; see cg_int.h. */
LLVMValueRef cg_i1(cg_module *m, bool v) { return LLVMConstInt(m->t_i1, v, false); }
LLVMValueRef cg_i32(cg_module *m, int64_t v) {
    return LLVMConstInt(m->t_i32, (unsigned long long)v, true);
}
LLVMValueRef cg_i64(cg_module *m, int64_t v) {
    return LLVMConstInt(m->t_i64, (unsigned long long)v, true);
}

/* Register type of a value; see cg_int.h. */
LLVMTypeRef cg_reg_type(cg_module *m, qe_type type) {
    switch (type) {
    case QE_TYPE_BOOLEAN: return m->t_i1;
    case QE_TYPE_SMALLINT: return m->t_i16;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: return m->t_i32;
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP:
    case QE_TYPE_VARCHAR: return m->t_i64; /* VARCHAR: the view's first 8 bytes */
    case QE_TYPE_REAL: return m->t_f32;
    case QE_TYPE_DOUBLE: return m->t_f64;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_INTERVAL: return m->t_i128; /* INTERVAL: months | days << 32 | micros << 64 */
    default: return NULL;
    }
}

/* Memory type of a value; see cg_int.h. */
LLVMTypeRef cg_mem_type(cg_module *m, qe_type type) {
    return type == QE_TYPE_BOOLEAN   ? m->t_i8
           : type == QE_TYPE_VARCHAR ? m->t_i128
                                     : cg_reg_type(m, type);
}

/* Alignment of a value in a values buffer; see cg_int.h. */
unsigned cg_mem_align(qe_type type) {
    switch (type) {
    case QE_TYPE_BOOLEAN: return 1;
    case QE_TYPE_SMALLINT: return 2;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE:
    case QE_TYPE_REAL:
    case QE_TYPE_VARCHAR: return 4;
    default: return 8; /* HUGEINT/DECIMAL buffers may be only 8-aligned */
    }
}
