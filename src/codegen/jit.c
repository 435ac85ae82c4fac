/*
 * jit.c -- the process-wide ORC LLJIT and the machine code of a stage (cg.h).
 *
 * One cg_jit per process: cg_jit_create returns a reference-counted singleton built
 * for the host CPU name and features.  It holds one LLJIT per tier (cg.h), created on
 * the tier's first compile, because an LLJIT's codegen level is fixed by its target
 * machine builder.  A mutex serializes compilation (module building, optimization,
 * materialization) and code removal.  The library is built
 * with -fvisibility=hidden, so a process-symbol generator would not find the runtime
 * helpers: they (and the libc/libm functions LLVM may emit calls to) are defined in
 * the main JITDylib as absolute symbols.  Every cg_stage_code owns a ResourceTracker;
 * destroying it removes the stage's code, so long-running processes do not leak.
 */
#include "cg_int.h"

#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cg_jit {
    pthread_mutex_t lock;                   /* serializes compilation and code removal */
    LLVMOrcLLJITRef lljit[CG_TIER_COUNT];   /* owned, per tier; NULL until first used */
    LLVMTargetMachineRef tm[CG_TIER_COUNT]; /* owned, per tier: target of the IR passes */
    cg_host host;                           /* owned strings: triple, CPU, features */
    uint64_t next_id;                       /* makes module and function names unique */
    uint32_t refs; /* cg_jit_create calls not yet destroyed (under jit_lock) */
};

struct cg_stage_code {
    cg_jit *jit;                  /* the JIT holding the code */
    LLVMOrcResourceTrackerRef rt; /* owned; NULL if nothing was compiled */
    uint32_t n_pipelines;
    rt_pipeline_fn *fns; /* n_pipelines entries, NULL = interpret */
    char **reasons;      /* n_pipelines entries, malloc'd or NULL */
};

static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER; /* guards jit_instance */
static cg_jit *jit_instance;                                 /* the process's JIT */

/* libc/libm functions LLVM may turn IR into calls to (memset for loops that clear,
 * fmod for frem, round for llvm.round, ...). */
typedef struct libc_symbol {
    const char *name;
    uint64_t address;
} libc_symbol;

static size_t libc_symbols(libc_symbol *out) {
    size_t n = 0;
    out[n++] = (libc_symbol){"memcpy", (uint64_t)(uintptr_t)&memcpy};
    out[n++] = (libc_symbol){"memmove", (uint64_t)(uintptr_t)&memmove};
    out[n++] = (libc_symbol){"memset", (uint64_t)(uintptr_t)&memset};
    out[n++] = (libc_symbol){"memcmp", (uint64_t)(uintptr_t)&memcmp};
    out[n++] = (libc_symbol){"bcmp", (uint64_t)(uintptr_t)&memcmp}; /* memcmp() == 0 */
    out[n++] = (libc_symbol){"memchr", (uint64_t)(uintptr_t)&memchr};
    out[n++] = (libc_symbol){"fmod", (uint64_t)(uintptr_t)&fmod};
    out[n++] = (libc_symbol){"rint", (uint64_t)(uintptr_t)&rint};
    out[n++] = (libc_symbol){"round", (uint64_t)(uintptr_t)&round};
    out[n++] = (libc_symbol){"nearbyint", (uint64_t)(uintptr_t)&nearbyint};
    out[n++] = (libc_symbol){"floor", (uint64_t)(uintptr_t)&floor};
    out[n++] = (libc_symbol){"ceil", (uint64_t)(uintptr_t)&ceil};
    out[n++] = (libc_symbol){"trunc", (uint64_t)(uintptr_t)&trunc};
    return n;
}

#define MAX_SYMBOLS (CG_HELPER_COUNT + CG_INLINE_COUNT + 24)

static LLVMOrcCSymbolMapPair symbol_pair(LLVMOrcLLJITRef j, const char *name, uint64_t addr) {
    LLVMOrcCSymbolMapPair pair;
    pair.Name = LLVMOrcLLJITMangleAndIntern(j, name);
    pair.Sym.Address = addr;
    pair.Sym.Flags.GenericFlags =
        LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable;
    pair.Sym.Flags.TargetFlags = 0;
    return pair;
}

/* Defines the runtime helpers and libc functions in the main JITDylib. */
static qe_status define_symbols(LLVMOrcLLJITRef lljit, rt_error *err) {
    LLVMOrcCSymbolMapPair pairs[MAX_SYMBOLS];
    libc_symbol libc[24];
    size_t n = 0;
    for (int h = 0; h < CG_HELPER_COUNT; h++)
        pairs[n++] = symbol_pair(lljit, cg_helper_name(h), cg_helper_address(h));
    for (int h = 0; h < CG_INLINE_COUNT; h++) /* the cheap tier calls them */
        pairs[n++] = symbol_pair(lljit, cg_inline_name(h), cg_inline_address(h));
    size_t n_libc = libc_symbols(libc);
    for (size_t i = 0; i < n_libc; i++)
        pairs[n++] = symbol_pair(lljit, libc[i].name, libc[i].address);
    LLVMOrcMaterializationUnitRef mu = LLVMOrcAbsoluteSymbols(pairs, n);
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(lljit);
    LLVMErrorRef lerr = LLVMOrcJITDylibDefine(jd, mu);
    if (lerr)
        LLVMOrcDisposeMaterializationUnit(mu);
    return cg_llvm_error(lerr, "could not define runtime symbols for the JIT", err);
}

/* Creates the LLJIT and IR target machine of a tier (the caller holds jit->lock). */
static qe_status create_tier(cg_jit *jit, cg_tier tier, rt_error *err) {
    qe_status st = cg_host_target_machine(&jit->host, tier, &jit->tm[tier], err);
    if (st != QE_OK)
        return st;
    LLVMTargetMachineRef jit_tm;
    st = cg_host_target_machine(&jit->host, tier, &jit_tm, err);
    if (st != QE_OK) {
        LLVMDisposeTargetMachine(jit->tm[tier]);
        jit->tm[tier] = NULL;
        return st;
    }
    LLVMOrcJITTargetMachineBuilderRef jtmb =
        LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(jit_tm); /* takes jit_tm */
    LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, jtmb); /* takes jtmb */
    st = cg_llvm_error(LLVMOrcCreateLLJIT(&jit->lljit[tier], builder), /* takes builder */
                       "could not create the JIT", err);
    if (st == QE_OK)
        st = define_symbols(jit->lljit[tier], err);
    if (st != QE_OK) { /* leave the tier unset, to be retried */
        if (jit->lljit[tier])
            LLVMConsumeError(LLVMOrcDisposeLLJIT(jit->lljit[tier]));
        LLVMDisposeTargetMachine(jit->tm[tier]);
        jit->lljit[tier] = NULL;
        jit->tm[tier] = NULL;
    }
    return st;
}

static void jit_free(cg_jit *jit) {
    for (int t = 0; t < CG_TIER_COUNT; t++) {
        if (jit->lljit[t])
            LLVMConsumeError(LLVMOrcDisposeLLJIT(jit->lljit[t]));
        if (jit->tm[t])
            LLVMDisposeTargetMachine(jit->tm[t]);
    }
    cg_host_release(&jit->host);
    pthread_mutex_destroy(&jit->lock);
    free(jit);
}

static qe_status jit_new(cg_jit **out, rt_error *err) {
    cg_jit *jit = calloc(1, sizeof *jit);
    if (jit == NULL)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory creating the JIT");
    pthread_mutex_init(&jit->lock, NULL);
    qe_status st = cg_host_get(&jit->host, err);
    if (st == QE_OK)
        st = create_tier(jit, CG_TIER_OPTIMIZED, err); /* fail early if LLVM cannot JIT */
    if (st != QE_OK) {
        jit_free(jit);
        return st;
    }
    *out = jit;
    return QE_OK;
}

/* Returns the process's JIT, creating it on first use; see cg.h. */
qe_status cg_jit_create(cg_jit **out, rt_error *err) {
    *out = NULL;
    pthread_mutex_lock(&jit_lock);
    qe_status st = QE_OK;
    if (jit_instance == NULL)
        st = jit_new(&jit_instance, err);
    if (st == QE_OK) {
        jit_instance->refs++;
        *out = jit_instance;
    }
    pthread_mutex_unlock(&jit_lock);
    return st;
}

/* Drops a reference; the last one disposes the LLJIT; see cg.h. */
void cg_jit_destroy(cg_jit *jit) {
    if (jit == NULL)
        return;
    pthread_mutex_lock(&jit_lock);
    if (--jit->refs == 0) {
        if (jit == jit_instance)
            jit_instance = NULL;
        jit_free(jit);
    }
    pthread_mutex_unlock(&jit_lock);
}

/* ---- stage code -------------------------------------------------------------------- */

static void code_free_locked(cg_stage_code *code);

static cg_stage_code *code_new(cg_jit *jit, uint32_t n) {
    cg_stage_code *code = calloc(1, sizeof *code);
    if (code == NULL)
        return NULL;
    code->jit = jit;
    code->n_pipelines = n;
    code->fns = calloc(n + 1, sizeof *code->fns);
    code->reasons = calloc(n + 1, sizeof *code->reasons);
    if (code->fns == NULL || code->reasons == NULL) {
        code_free_locked(code);
        return NULL;
    }
    return code;
}

/* Hands the module to the JIT under a fresh tracker and looks the functions up. */
static qe_status jit_add(LLVMOrcLLJITRef lljit, LLVMOrcThreadSafeContextRef tsctx,
                         LLVMModuleRef mod, const cg_stage_build *b, cg_stage_code *code,
                         rt_error *err) {
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(lljit);
    code->rt = LLVMOrcJITDylibCreateResourceTracker(jd);
    LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(mod, tsctx);
    qe_status st = cg_llvm_error(LLVMOrcLLJITAddLLVMIRModuleWithRT(lljit, code->rt, tsm),
                                 "could not add generated code to the JIT", err);
    for (uint32_t p = 0; st == QE_OK && p < b->n_pipelines; p++) {
        if (b->reasons[p] || b->fn_names[p] == NULL)
            continue;
        LLVMOrcExecutorAddress addr = 0;
        st = cg_llvm_error(LLVMOrcLLJITLookup(lljit, &addr, b->fn_names[p]),
                           "could not compile generated code", err);
        if (st == QE_OK && addr == 0)
            st = rt_error_set(err, QE_INTERNAL, "XX000", -1,
                              "the JIT returned no address for \"%s\"", b->fn_names[p]);
        if (st == QE_OK)
            code->fns[p] = (rt_pipeline_fn)(uintptr_t)addr;
    }
    return st;
}

static void take_reasons(cg_stage_build *b, cg_stage_code *code) {
    for (uint32_t p = 0; p < b->n_pipelines; p++) {
        code->reasons[p] = b->reasons[p];
        b->reasons[p] = NULL;
    }
}

/* Removes the code (the caller holds jit->lock) and frees the struct. */
static void code_free_locked(cg_stage_code *code) {
    if (code->rt) {
        LLVMConsumeError(LLVMOrcResourceTrackerRemove(code->rt));
        LLVMOrcReleaseResourceTracker(code->rt);
    }
    for (uint32_t p = 0; code->reasons && p < code->n_pipelines; p++)
        free(code->reasons[p]);
    free(code->reasons);
    free(code->fns);
    free(code);
}

/* Builds and JIT-compiles a stage at tier under the JIT's lock. */
static qe_status compile_locked(cg_jit *jit, const plan_query *q, uint32_t stage_id,
                                cg_tier tier, cg_stage_code **out, rt_error *err) {
    if (jit->lljit[tier] == NULL) {
        qe_status st = create_tier(jit, tier, err);
        if (st != QE_OK)
            return st;
    }
    LLVMOrcLLJITRef lljit = jit->lljit[tier];
    char prefix[48];
    snprintf(prefix, sizeof prefix, "qe_%llu", (unsigned long long)jit->next_id++);
    LLVMOrcThreadSafeContextRef tsctx = LLVMOrcCreateNewThreadSafeContext();
    cg_module m;
    cg_stage_build b = {0};
    cg_stage_code *code = NULL;
    qe_status st = cg_module_init(&m, LLVMOrcThreadSafeContextGetContext(tsctx), prefix,
                                  LLVMOrcLLJITGetTripleString(lljit),
                                  LLVMOrcLLJITGetDataLayoutStr(lljit), jit->host.cpu,
                                  jit->host.features, err);
    if (st == QE_OK) {
        st = cg_build_stage(&m, jit->tm[tier], tier, q, stage_id, prefix, &b, err);
        LLVMModuleRef mod = m.mod;
        m.mod = NULL;
        cg_module_dispose(&m); /* the builder; the module is handed on or disposed */
        if (st == QE_OK && (code = code_new(jit, b.n_pipelines)) == NULL)
            st = rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
        if (st == QE_OK && b.n_compiled > 0)
            st = jit_add(lljit, tsctx, mod, &b, code, err);
        else
            LLVMDisposeModule(mod);
        if (st == QE_OK)
            take_reasons(&b, code);
    }
    cg_stage_build_free(&b);
    LLVMOrcDisposeThreadSafeContext(tsctx);
    if (st != QE_OK && code != NULL) {
        code_free_locked(code);
        code = NULL;
    }
    *out = code;
    return st;
}

/* Compiles the supported pipelines of a stage; see cg.h. */
qe_status cg_compile_stage(cg_jit *jit, const plan_query *q, uint32_t stage_id, cg_tier tier,
                           cg_stage_code **out, rt_error *err) {
    *out = NULL;
    if (jit == NULL)
        return rt_error_set(err, QE_MISUSE, "XX000", -1, "no JIT to compile with");
    if ((unsigned)tier >= CG_TIER_COUNT)
        return rt_error_set(err, QE_MISUSE, "22023", -1, "invalid JIT tier %d", (int)tier);
    pthread_mutex_lock(&jit->lock);
    qe_status st = compile_locked(jit, q, stage_id, tier, out, err);
    pthread_mutex_unlock(&jit->lock);
    return st;
}

/* Per-pipeline functions; see cg.h. */
const rt_pipeline_fn *cg_stage_functions(const cg_stage_code *code) { return code->fns; }

/* Fallback reason of a pipeline; see cg.h. */
const char *cg_stage_fallback(const cg_stage_code *code, uint32_t pipeline) {
    if (code == NULL || pipeline >= code->n_pipelines)
        return "no such pipeline";
    return code->reasons[pipeline];
}

/* Removes the stage's code from the JIT and frees it; see cg.h. */
void cg_stage_code_destroy(cg_stage_code *code) {
    if (code == NULL)
        return;
    cg_jit *jit = code->jit;
    pthread_mutex_lock(&jit->lock);
    code_free_locked(code);
    pthread_mutex_unlock(&jit->lock);
}
