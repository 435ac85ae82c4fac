/*
 * bitcode.c -- the runtime helpers generated code inlines (src/runtime/jit_inline.c).
 *
 * A module declares a helper the first time an expression calls it
 * (cg_call_inline).  At the optimized tier, cg_link_inline then parses the bitcode
 * embedded in libqe (built by bitcode.cmake with clang-19 -O2), links it into the
 * module, makes its functions internal and gives them the host's target attributes,
 * so the optimized tier's inliner puts them into the row loop (module.c).  At the
 * cheap tier the declarations stay: the JIT defines the helpers as absolute symbols
 * (the same functions compiled into libqe), which costs a call per row but no parsing
 * or inlining at compile time.  A few helpers stay calls at the optimized tier too
 * (call_only): inlined, their loops cost more instruction selection and register
 * allocation than the call they save.
 */
#include "cg_int.h"

#include <llvm-c/BitReader.h>
#include <llvm-c/Linker.h>

#include <string.h>

extern const unsigned char cg_bitcode[];
extern const unsigned long cg_bitcode_size;

static const char *const inline_names[CG_INLINE_COUNT] = {
#define CG_X_NAME(name, sym) #sym,
    RT_JIT_INLINE_LIST(CG_X_NAME)
#undef CG_X_NAME
};

/* Names of the inlinable helpers; see cg_int.h. */
const char *cg_inline_name(cg_inline h) { return inline_names[h]; }

/* Addresses of the inlinable helpers in libqe; see cg_int.h. */
uint64_t cg_inline_address(cg_inline h) {
    static const void *const addrs[CG_INLINE_COUNT] = {
#define CG_X_ADDR(name, sym) (const void *)&sym,
        RT_JIT_INLINE_LIST(CG_X_ADDR)
#undef CG_X_ADDR
    };
    return (uint64_t)(uintptr_t)addrs[h];
}

/* The LLVM function type of helper h (jit_inline.h). */
static LLVMTypeRef inline_type(cg_module *m, cg_inline h) {
    LLVMTypeRef p = m->t_ptr, i32 = m->t_i32, i64 = m->t_i64;
    switch (h) {
    case CG_INLINE_STR_CMP:
    case CG_INLINE_CHAR_CMP:
    case CG_INLINE_CHAR_EQ:
    case CG_INLINE_STR_EQ: {
        LLVMTypeRef a[4] = {p, i32, p, i32};
        return LLVMFunctionType(i32, a, 4, false);
    }
    case CG_INLINE_LIKE: {
        LLVMTypeRef a[3] = {p, p, i32};
        return LLVMFunctionType(i32, a, 3, false);
    }
    case CG_INLINE_UNPAD_LEN:
    case CG_INLINE_CHAR_COUNT: {
        LLVMTypeRef a[2] = {p, i32};
        return LLVMFunctionType(i32, a, 2, false);
    }
    case CG_INLINE_SUBSTRING: {
        LLVMTypeRef a[5] = {p, i32, i64, i64, p};
        return LLVMFunctionType(i32, a, 5, false);
    }
    case CG_INLINE_CHANGE_CASE: {
        LLVMTypeRef a[4] = {p, p, i32, i32};
        return LLVMFunctionType(m->t_void, a, 4, false);
    }
    case CG_INLINE_TRIM: {
        LLVMTypeRef a[6] = {p, i32, p, i32, i32, p};
        return LLVMFunctionType(i32, a, 6, false);
    }
    case CG_INLINE_FIND:
    case CG_INLINE_POSITION: {
        LLVMTypeRef a[4] = {p, i32, p, i32};
        return LLVMFunctionType(h == CG_INLINE_FIND ? i64 : i32, a, 4, false);
    }
    case CG_INLINE_LEFT_RIGHT: {
        LLVMTypeRef a[5] = {p, i32, i64, i32, p};
        return LLVMFunctionType(i32, a, 5, false);
    }
    case CG_INLINE_DATE_PART: {
        LLVMTypeRef a[3] = {i64, i32, i32};
        return LLVMFunctionType(m->t_f64, a, 3, false);
    }
    case CG_INLINE_HASH_STRING: {
        LLVMTypeRef a[3] = {p, i32, i64};
        return LLVMFunctionType(i64, a, 3, false);
    }
    case CG_INLINE_BYTES_EQ: {
        LLVMTypeRef a[3] = {p, p, i32};
        return LLVMFunctionType(i32, a, 3, false);
    }
    case CG_INLINE_COUNT: break;
    }
    return NULL;
}

/* Calls an inlinable helper, declaring it on first use; see cg_int.h. */
LLVMValueRef cg_call_inline(cg_module *m, cg_inline h, LLVMValueRef *args, unsigned n_args) {
    LLVMTypeRef t = inline_type(m, h);
    if (m->inl[h] == NULL) {
        m->inl[h] = LLVMAddFunction(m->mod, inline_names[h], t);
        unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
        LLVMAddAttributeAtIndex(m->inl[h], LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(m->ctx, nounwind, 0));
    }
    return LLVMBuildCall2(m->b, t, m->inl[h], args, n_args, "");
}

/* Whether the module calls any inlinable helper; see cg_int.h. */
bool cg_uses_inline(const cg_module *m) {
    for (int h = 0; h < CG_INLINE_COUNT; h++)
        if (m->inl[h] != NULL)
            return true;
    return false;
}

/* Gives a helper linked into m internal linkage and the host's attributes instead of
 * the ones clang compiled it with. */
static void adopt(cg_module *m, LLVMValueRef fn) {
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    LLVMRemoveStringAttributeAtIndex(fn, LLVMAttributeFunctionIndex, "target-cpu", 10);
    LLVMRemoveStringAttributeAtIndex(fn, LLVMAttributeFunctionIndex, "target-features", 15);
    LLVMRemoveStringAttributeAtIndex(fn, LLVMAttributeFunctionIndex, "tune-cpu", 8);
    cg_set_fn_attrs(m, fn);
}

/* Gives the helpers linked into m internal linkage and the host's attributes. */
static void internalize(cg_module *m) {
    for (int h = 0; h < CG_INLINE_COUNT; h++) {
        LLVMValueRef fn = LLVMGetNamedFunction(m->mod, inline_names[h]);
        if (fn == NULL || LLVMIsDeclaration(fn))
            continue;
        adopt(m, fn);
        m->inl[h] = fn;
    }
}

/* Whether helper h stays a call at the optimized tier (its declaration is kept and the
 * JIT resolves it to libqe's function, as at the cheap tier).  XXH3 of a VARCHAR key
 * (per join key and group key) and the group lookup's key comparison loop: inlined,
 * TPC-H Q10's five VARCHAR group keys made its lookup pipeline 2740 lines of IR and
 * the stage's compile ~30% slower (README.md "Compile time"), for a call per key. */
static bool call_only(cg_inline h) { return h == CG_INLINE_HASH_STRING || h == CG_INLINE_BYTES_EQ; }

/* Deletes from lib, before linking, the helpers m does not call (the optimizer would
 * otherwise simplify every one of them before dropping the unused ones) and the
 * call-only ones. */
static void prune(cg_module *m, LLVMModuleRef lib) {
    for (int h = 0; h < CG_INLINE_COUNT; h++) {
        LLVMValueRef fn = LLVMGetNamedFunction(lib, inline_names[h]);
        if (fn != NULL && (m->inl[h] == NULL || call_only((cg_inline)h)) &&
            LLVMGetFirstUse(fn) == NULL)
            LLVMDeleteFunction(fn);
    }
}

/* Links the helpers' bitcode into m; see cg_int.h. */
qe_status cg_link_inline(cg_module *m, rt_error *err) {
    bool any = false; /* a helper to inline: else nothing to parse */
    for (int h = 0; h < CG_INLINE_COUNT; h++)
        any |= m->inl[h] != NULL && !call_only((cg_inline)h);
    if (!any)
        return QE_OK;
    LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRange(
        (const char *)cg_bitcode, (size_t)cg_bitcode_size, "jit_inline.bc", false);
    LLVMModuleRef lib = NULL;
    bool bad = buf == NULL || LLVMParseBitcodeInContext2(m->ctx, buf, &lib);
    if (buf)
        LLVMDisposeMemoryBuffer(buf);
    if (bad)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "could not parse the runtime helpers' bitcode");
    prune(m, lib);
    LLVMSetTarget(lib, LLVMGetTarget(m->mod));
    LLVMSetDataLayout(lib, LLVMGetDataLayoutStr(m->mod));
    if (LLVMLinkModules2(m->mod, lib)) /* lib is consumed */
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "could not link the runtime helpers' bitcode");
    internalize(m);
    return QE_OK;
}
