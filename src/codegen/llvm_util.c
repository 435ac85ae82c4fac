/*
 * llvm_util.c -- LLVM initialization, host target machines and error conversion.
 *
 * LLVM's target registry must be initialized once per process before any target
 * machine exists; pthread_once makes that thread-safe.  Every LLVMBool/LLVMErrorRef
 * of the code generator is turned into a qe_status + rt_error (SQLSTATE XX000) by
 * the helpers here.  Tier names (cg.h) live here too.
 */
#include "cg_int.h"

#include <llvm-c/Error.h>
#include <llvm-c/Support.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;
static bool llvm_ok; /* written once under llvm_once */

/* LLVM's process-wide codegen options, parsed once before the first target machine.
 * -disable-lsr: no Loop Strength Reduction at the optimized tier (the cheap tier's
 * level None never runs it): 10-20% of the optimized tier's codegen CPU on the blocked
 * filter loops (README.md "Compile time"). */
static const char *const llvm_options[] = {"qe", "-disable-lsr"};

static void llvm_init_once(void) {
    llvm_ok = !LLVMInitializeNativeTarget() && !LLVMInitializeNativeAsmPrinter() &&
              !LLVMInitializeNativeAsmParser();
    if (llvm_ok)
        LLVMParseCommandLineOptions((int)(sizeof llvm_options / sizeof *llvm_options), llvm_options,
                                    NULL);
}

/* Initializes the native target once; see cg_int.h. */
qe_status cg_llvm_init(rt_error *err) {
    pthread_once(&llvm_once, llvm_init_once);
    if (!llvm_ok)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "could not initialize the LLVM native target");
    return QE_OK;
}

/* features with CG_TUNING_FEATURES; see cg_int.h. */
char *cg_features_tuned(const char *features) {
    size_t len = strlen(features);
    char *both = malloc(len + sizeof "," CG_TUNING_FEATURES);
    if (both == NULL)
        return NULL;
    memcpy(both, features, len);
    if (len > 0)
        both[len++] = ',';
    memcpy(both + len, CG_TUNING_FEATURES, sizeof CG_TUNING_FEATURES);
    char *out = LLVMCreateMessage(both);
    free(both);
    return out;
}

/* Fills the host triple, CPU and features; see cg_int.h. */
qe_status cg_host_get(cg_host *host, rt_error *err) {
    memset(host, 0, sizeof *host);
    qe_status st = cg_llvm_init(err);
    if (st != QE_OK)
        return st;
    host->triple = LLVMGetDefaultTargetTriple();
    host->cpu = LLVMGetHostCPUName();
    char *features = LLVMGetHostCPUFeatures();
    host->features = features ? cg_features_tuned(features) : NULL;
    LLVMDisposeMessage(features);
    if (!host->triple || !host->cpu || !host->features) {
        cg_host_release(host);
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "could not determine the host CPU for code generation");
    }
    return QE_OK;
}

/* Releases the strings of a cg_host; see cg_int.h. */
void cg_host_release(cg_host *host) {
    LLVMDisposeMessage(host->triple);
    LLVMDisposeMessage(host->cpu);
    LLVMDisposeMessage(host->features);
    memset(host, 0, sizeof *host);
}

/* Creates a host target machine at the tier's codegen level; see cg_int.h. */
qe_status cg_host_target_machine(const cg_host *host, cg_tier tier, LLVMTargetMachineRef *out,
                                 rt_error *err) {
    LLVMTargetRef target = NULL;
    char *msg = NULL;
    *out = NULL;
    if (LLVMGetTargetFromTriple(host->triple, &target, &msg)) {
        rt_error_set(err, QE_INTERNAL, "XX000", -1, "no LLVM target for \"%s\": %s", host->triple,
                     msg ? msg : "unknown error");
        LLVMDisposeMessage(msg);
        return QE_INTERNAL;
    }
    LLVMDisposeMessage(msg);
    bool cheap = tier == CG_TIER_CHEAP;
    *out = LLVMCreateTargetMachine(target, host->triple, host->cpu, host->features,
                                   cheap ? LLVMCodeGenLevelNone : LLVMCodeGenLevelLess,
                                   LLVMRelocPIC, LLVMCodeModelSmall);
    if (*out == NULL)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "could not create an LLVM target machine for \"%s\"", host->triple);
    if (cheap)
        LLVMSetTargetMachineFastISel(*out, 1);
    return QE_OK;
}

/* Name of a tier; see cg.h. */
const char *cg_tier_name(cg_tier tier) {
    static const char *const names[] = {
#define CG_X_TIER_NAME(name, text) text,
        CG_TIER_LIST(CG_X_TIER_NAME)
#undef CG_X_TIER_NAME
    };
    return (unsigned)tier < CG_TIER_COUNT ? names[tier] : "?";
}

/* Parses a tier name; see cg.h. */
bool cg_tier_parse(const char *name, cg_tier *out) {
    for (int t = 0; name && t < CG_TIER_COUNT; t++) {
        if (strcasecmp(name, cg_tier_name((cg_tier)t)) == 0) {
            *out = (cg_tier)t;
            return true;
        }
    }
    return false;
}

/* Converts and consumes an LLVM error; see cg_int.h. */
qe_status cg_llvm_error(LLVMErrorRef lerr, const char *what, rt_error *err) {
    if (lerr == NULL)
        return QE_OK;
    char *msg = LLVMGetErrorMessage(lerr);
    rt_error_set(err, QE_INTERNAL, "XX000", -1, "%s: %s", what, msg ? msg : "unknown error");
    LLVMDisposeErrorMessage(msg);
    return QE_INTERNAL;
}
