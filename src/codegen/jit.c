/*
 * jit.c -- the process-wide ORC LLJIT and the machine code of a stage (cg.h).
 *
 * One cg_jit per process: cg_jit_create returns a reference-counted singleton built
 * for the host CPU name and features.  It holds one LLJIT per tier (cg.h), both created
 * with it, because an LLJIT's codegen level is fixed by its target machine builder.  A mutex
 * serializes compilation (module building, optimization, materialization) and code removal.  The
 * library is built with -fvisibility=hidden, so a process-symbol generator would not find the
 * runtime helpers: they (and the libc/libm functions LLVM may emit calls to) are defined in the
 * main JITDylib as absolute symbols.
 *
 * The code cache: every compiled stage is a reference-counted cg_stage_code owning a
 * ResourceTracker.  Stages whose fingerprint (cache_key: LLVM version, host CPU and
 * features, tier, stage number, and the opt_plan_serialize bytes of the stage with
 * the query's exchanges) matches a cached one share its code, so a repeated query
 * skips LLVM.  The cache holds at most
 * cache_limit entries (LRU; cg_cache_set_limit); an evicted entry still referenced by
 * a running query lives until that query releases it.  Releasing the last reference
 * removes the tracker (freeing the machine code) and clears the dead names of the
 * ExecutionSession's symbol string pool, so a daemon compiling distinct queries keeps
 * flat memory.  cache_lock guards the LRU list, references and counters; it is never
 * held while compiling.
 */
#include "cg_int.h"
#include "opt.h"

#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

/* At most this many threads compile the pipelines of a stage (one module each). */
#define CG_COMPILE_THREADS 4

/* Default bound of the code cache, in entries (stages). */
#define CG_CACHE_DEFAULT_LIMIT 256

struct cg_jit {
    pthread_mutex_t lock;                   /* serializes compilation and code removal */
    LLVMOrcLLJITRef lljit[CG_TIER_COUNT];   /* owned, per tier; NULL until first used */
    LLVMTargetMachineRef tm[CG_TIER_COUNT]; /* owned, per tier: target of the IR passes */
    /* owned, per tier and compile thread (NULL until used): IR passes and object
     * emission of that thread's pipelines (a target machine is not shared by threads) */
    LLVMTargetMachineRef wtm[CG_TIER_COUNT][CG_COMPILE_THREADS];
    cg_host host;               /* owned strings: triple, CPU, features */
    uint64_t next_id;           /* makes module and function names unique */
    uint32_t refs;              /* cg_jit_create calls not yet destroyed (under jit_lock) */
    pthread_mutex_t cache_lock; /* guards the fields below and every code's refs/links */
    cg_stage_code *mru;         /* cached entries, most recently used first */
    cg_stage_code *lru;         /* ... the least recently used (evicted first) */
    cg_cache_stats stats;       /* counters (limit is filled in by cg_cache_get_stats) */
};

struct cg_stage_code {
    cg_jit *jit;                  /* the JIT holding the code */
    cg_tier tier;                 /* the LLJIT the code lives in */
    LLVMOrcResourceTrackerRef rt; /* owned; NULL if nothing was compiled */
    uint32_t n_pipelines;
    rt_pipeline_fn *fns;  /* n_pipelines entries, NULL = interpret */
    char **reasons;       /* n_pipelines entries, malloc'd or NULL */
    uint8_t *key;         /* malloc'd fingerprint (cache_key), NULL = never cached */
    size_t key_len;       /* its bytes */
    uint64_t hash;        /* XXH3 of key */
    uint32_t refs;        /* holders: callers of cg_compile_stage + 1 while cached */
    bool cached;          /* in the LRU list */
    cg_stage_code *newer; /* LRU neighbours while cached */
    cg_stage_code *older;
};

static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards jit_instance */
static cg_jit *jit_instance;                                  /* the process's JIT */
static _Atomic uint32_t cache_limit = CG_CACHE_DEFAULT_LIMIT; /* entries; 0 = no cache */

/* libc/libm functions LLVM may turn IR into calls to (memset for loops that clear,
 * fmod for frem, round for llvm.round, ...). */
typedef struct libc_symbol {
    const char *name;
    uint64_t address;
} libc_symbol;

/* 128-bit arithmetic LLVM lowers to compiler-runtime calls on x86-64 (the overflow-
 * checked multiply of DECIMAL(p > 18) operands, HUGEINT / and %, 128-bit <-> float
 * conversions): libgcc has no __muloti4, so all are defined here. */
static __int128 cg_i128_mulo(__int128 a, __int128 b, int *overflow) {
    __int128 r;
    *overflow = __builtin_mul_overflow(a, b, &r);
    return r;
}
static __int128 cg_i128_div(__int128 a, __int128 b) { return a / b; }
static __int128 cg_i128_mod(__int128 a, __int128 b) { return a % b; }
static double cg_i128_to_double(__int128 a) { return (double)a; }
static long double cg_i128_to_ldouble(__int128 a) { return (long double)a; }
static __int128 cg_double_to_i128(double d) { return (__int128)d; }

static size_t libc_symbols(libc_symbol *out) {
    size_t n = 0;
    out[n++] = (libc_symbol){"__muloti4", (uint64_t)(uintptr_t)&cg_i128_mulo};
    out[n++] = (libc_symbol){"__divti3", (uint64_t)(uintptr_t)&cg_i128_div};
    out[n++] = (libc_symbol){"__modti3", (uint64_t)(uintptr_t)&cg_i128_mod};
    out[n++] = (libc_symbol){"__floattidf", (uint64_t)(uintptr_t)&cg_i128_to_double};
    out[n++] = (libc_symbol){"__floattixf", (uint64_t)(uintptr_t)&cg_i128_to_ldouble};
    out[n++] = (libc_symbol){"__fixdfti", (uint64_t)(uintptr_t)&cg_double_to_i128};
    out[n++] = (libc_symbol){"fmodf", (uint64_t)(uintptr_t)&fmodf};
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
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, jtmb);      /* takes jtmb */
    st = cg_llvm_error(LLVMOrcCreateLLJIT(&jit->lljit[tier], builder), /* takes builder */
                       "could not create the JIT", err);
    if (st == QE_OK)
        st = define_symbols(jit->lljit[tier], err);
    if (st == QE_OK)
        cg_perf_map_attach(jit->lljit[tier]); /* QE_PERF_MAP=1: names for perf */
    if (st != QE_OK) {                        /* leave the tier unset, to be retried */
        if (jit->lljit[tier])
            LLVMConsumeError(LLVMOrcDisposeLLJIT(jit->lljit[tier]));
        LLVMDisposeTargetMachine(jit->tm[tier]);
        jit->lljit[tier] = NULL;
        jit->tm[tier] = NULL;
    }
    return st;
}

static void cache_clear(cg_jit *jit);

static void jit_free(cg_jit *jit) {
    cache_clear(jit); /* the cache's references: the code must go before its LLJIT */
    for (int t = 0; t < CG_TIER_COUNT; t++) {
        if (jit->lljit[t])
            LLVMConsumeError(LLVMOrcDisposeLLJIT(jit->lljit[t]));
        if (jit->tm[t])
            LLVMDisposeTargetMachine(jit->tm[t]);
        for (int k = 0; k < CG_COMPILE_THREADS; k++)
            if (jit->wtm[t][k])
                LLVMDisposeTargetMachine(jit->wtm[t][k]);
    }
    cg_host_release(&jit->host);
    pthread_mutex_destroy(&jit->lock);
    pthread_mutex_destroy(&jit->cache_lock);
    free(jit);
}

static qe_status jit_new(cg_jit **out, rt_error *err) {
    cg_jit *jit = calloc(1, sizeof *jit);
    if (jit == NULL)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory creating the JIT");
    pthread_mutex_init(&jit->lock, NULL);
    pthread_mutex_init(&jit->cache_lock, NULL);
    qe_status st = cg_host_get(&jit->host, err);
    if (st == QE_OK)
        st = create_tier(jit, CG_TIER_OPTIMIZED, err); /* fail early if LLVM cannot JIT */
    if (st != QE_OK) {
        jit_free(jit);
        return st;
    }
    /* the cheap tier too, so that a query's first compile does not pay for it (if it
       fails here, its first compile retries and reports the error) */
    rt_error ignored;
    (void)create_tier(jit, CG_TIER_CHEAP, &ignored);
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

static void code_free(cg_stage_code *code);

static cg_stage_code *code_new(cg_jit *jit, cg_tier tier, uint32_t n) {
    cg_stage_code *code = calloc(1, sizeof *code);
    if (code == NULL)
        return NULL;
    code->jit = jit;
    code->tier = tier;
    code->n_pipelines = n;
    code->fns = calloc(n + 1, sizeof *code->fns);
    code->reasons = calloc(n + 1, sizeof *code->reasons);
    if (code->fns == NULL || code->reasons == NULL) {
        code_free(code);
        return NULL;
    }
    return code;
}

/* Hands the object files to the JIT under a fresh tracker (they are consumed, also on
 * failure) and looks the functions up, which links them: names[p] is the function of
 * pipeline p (NULL: interpreted; two pipelines may name the same function). */
static qe_status jit_add(LLVMOrcLLJITRef lljit, LLVMMemoryBufferRef *objs, uint32_t n_objs,
                         const char *const *names, cg_stage_code *code, rt_error *err) {
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(lljit);
    code->rt = LLVMOrcJITDylibCreateResourceTracker(jd);
    qe_status st = QE_OK;
    for (uint32_t i = 0; i < n_objs; i++) {
        LLVMMemoryBufferRef obj = objs[i];
        objs[i] = NULL;
        if (st == QE_OK)
            st = cg_llvm_error(LLVMOrcLLJITAddObjectFileWithRT(lljit, code->rt, obj),
                               "could not add generated code to the JIT", err);
        else
            LLVMDisposeMemoryBuffer(obj);
    }
    for (uint32_t p = 0; st == QE_OK && p < code->n_pipelines; p++) {
        if (names[p] == NULL)
            continue;
        LLVMOrcExecutorAddress addr = 0;
        st = cg_llvm_error(LLVMOrcLLJITLookup(lljit, &addr, names[p]),
                           "could not compile generated code", err);
        if (st == QE_OK && addr == 0)
            st = rt_error_set(err, QE_INTERNAL, "XX000", -1,
                              "the JIT returned no address for \"%s\"", names[p]);
        if (st == QE_OK) {
            code->fns[p] = (rt_pipeline_fn)(uintptr_t)addr;
            cg_perf_map_add(names[p], addr);
        }
    }
    return st;
}

static void take_reasons(cg_stage_build *b, cg_stage_code *code) {
    for (uint32_t p = 0; p < b->n_pipelines; p++) {
        code->reasons[p] = b->reasons[p];
        b->reasons[p] = NULL;
    }
}

/* Removes the code from its LLJIT (no lock needed: ORC's removal is thread-safe),
 * drops the symbol names nothing refers to any more, and frees the struct. */
static void code_free(cg_stage_code *code) {
    if (code->rt) {
        LLVMConsumeError(LLVMOrcResourceTrackerRemove(code->rt));
        LLVMOrcReleaseResourceTracker(code->rt);
        LLVMOrcExecutionSessionRef es =
            LLVMOrcLLJITGetExecutionSession(code->jit->lljit[code->tier]);
        LLVMOrcSymbolStringPoolClearDeadEntries(LLVMOrcExecutionSessionGetSymbolStringPool(es));
    }
    for (uint32_t p = 0; code->reasons && p < code->n_pipelines; p++)
        free(code->reasons[p]);
    free(code->reasons);
    free(code->fns);
    free(code->key);
    free(code);
}

/* One stage of a compile: the stages a query needs compiled are compiled together, so
 * the compile threads take the pipelines of all of them. */
typedef struct stage_job {
    uint32_t stage_id;   /* the stage in the plan */
    uint8_t *key;        /* owned: its fingerprint (cache_key), NULL = not cached */
    size_t key_len;      /* its bytes */
    uint64_t hash;       /* XXH3 of key */
    cg_stage_build b;    /* its pipelines' names and fallback reasons */
    cg_stage_code *code; /* out: the code (one reference) */
    uint64_t cpu_ns;     /* out: the thread CPU its pipelines took */
} stage_job;

/* One supported pipeline of the stages being compiled: built in its own LLVM context by
 * one of the compile threads, then optimized and emitted as an object file by one of
 * them (the biggest modules first) -- unless an earlier pipeline of its stage built
 * the same IR (share_identical), whose function it then uses. */
typedef struct pipe_job {
    const plan_pipeline *pipeline;     /* the pipeline */
    const char *name;                  /* its function's name (the cg_stage_build's) */
    uint32_t stage;                    /* its stage_job (an index into the compile's) */
    uint32_t pipe;                     /* its index in that stage's pipelines */
    int32_t same_as;                   /* -1, or the job whose function it uses */
    LLVMContextRef ctx;                /* owned between the two phases, else NULL */
    cg_module m;                       /* built in ctx (valid while ctx is) */
    uint64_t size;                     /* instructions of m once built (cg_module_size) */
    LLVMMemoryBufferRef obj;           /* out: the object file, NULL until emitted */
    qe_status st;                      /* out */
    rt_error err;                      /* out, if st != QE_OK */
    uint64_t phase_ns[CG_PHASE_COUNT]; /* out: thread CPU ns per phase */
} pipe_job;

/* The jobs of one compile, shared by its threads. */
typedef struct pipe_jobs {
    cg_jit *jit;           /* the JIT (its host; its lock is held) */
    cg_tier tier;          /* the tier compiled at */
    const char *triple;    /* the LLJIT's target triple */
    const char *layout;    /* the LLJIT's data layout */
    pipe_job *jobs;        /* n entries */
    uint32_t *order;       /* n entries: the jobs by decreasing size (the emit phase) */
    uint32_t n;            /* jobs */
    bool emit;             /* the phase: false = build, true = optimize and emit */
    _Atomic uint32_t next; /* the next job to take (an index into order when emit) */
} pipe_jobs;

static void job_dispose(pipe_job *j) {
    if (j->ctx != NULL) {
        cg_module_dispose(&j->m);
        LLVMContextDispose(j->ctx);
        j->ctx = NULL;
    }
}

/* Builds job j's module in its own context (kept in j unless it failed). */
static void build_job(pipe_jobs *pj, pipe_job *j) {
    uint64_t t0 = cg_cpu_ns();
    j->ctx = LLVMContextCreate();
    j->st = cg_module_init(&j->m, j->ctx, j->name, pj->triple, pj->layout, pj->jit->host.cpu,
                           pj->jit->host.features, &j->err);
    j->phase_ns[CG_PHASE_INIT] += cg_cpu_ns() - t0;
    if (j->st == QE_OK)
        j->st = cg_build_one(&j->m, pj->tier, j->pipeline, j->name, j->phase_ns, &j->err);
    if (j->st == QE_OK)
        j->size = cg_module_size(&j->m);
    else
        job_dispose(j);
}

/* Runs the IR passes on job j's module and emits it with target machine tm. */
static void emit_job(pipe_jobs *pj, pipe_job *j, LLVMTargetMachineRef tm) {
    if (j->ctx == NULL)
        return;
    j->st = cg_optimize_one(&j->m, tm, pj->tier, j->phase_ns, &j->err);
    uint64_t t1 = cg_cpu_ns();
    if (j->st == QE_OK)
        j->st = cg_emit_object_buffer(&j->m, tm, &j->obj, &j->err);
    j->phase_ns[CG_PHASE_CODEGEN] += cg_cpu_ns() - t1;
    job_dispose(j);
}

/* A compile thread: the jobs and its own target machine. */
typedef struct pipe_worker {
    pipe_jobs *pj;           /* shared */
    LLVMTargetMachineRef tm; /* this thread's */
} pipe_worker;

static void *pipe_worker_main(void *arg) {
    pipe_worker *w = arg;
    uint32_t i;
    while ((i = atomic_fetch_add(&w->pj->next, 1)) < w->pj->n) {
        if (w->pj->emit)
            emit_job(w->pj, &w->pj->jobs[w->pj->order[i]], w->tm);
        else
            build_job(w->pj, &w->pj->jobs[i]);
    }
    return NULL;
}

/* How many threads compile n pipelines: one per online CPU (or QE_CG_THREADS, for
 * measuring), at most CG_COMPILE_THREADS and n. */
static uint32_t compile_threads(uint32_t n) {
    const char *env = getenv("QE_CG_THREADS");
    long cpus = env != NULL ? atol(env) : sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t t = cpus < 1 ? 1 : cpus > CG_COMPILE_THREADS ? CG_COMPILE_THREADS : (uint32_t)cpus;
    return n < t ? (n ? n : 1) : t;
}

/* Runs the current phase of the jobs on n_threads workers, this thread included. */
static void run_phase(pipe_jobs *pj, pipe_worker *workers, uint32_t n_threads) {
    pthread_t threads[CG_COMPILE_THREADS];
    bool started[CG_COMPILE_THREADS] = {false};
    atomic_store(&pj->next, 0);
    for (uint32_t k = 1; k < n_threads; k++)
        started[k] = pthread_create(&threads[k], NULL, pipe_worker_main, &workers[k]) == 0;
    pipe_worker_main(&workers[0]);
    for (uint32_t k = 1; k < n_threads; k++)
        if (started[k])
            pthread_join(threads[k], NULL);
}

/* Whether IR texts a and b are the same once every occurrence of the name na in a and
 * of nb in b (not followed by a digit: qe_1_s0_p1 is not qe_1_s0_p10) is taken as one
 * and the same name. */
static bool ir_same(const char *a, const char *na, const char *b, const char *nb) {
    size_t la = strlen(na), lb = strlen(nb);
    while (*a != '\0' && *b != '\0') {
        if (*a == *na && *b == *nb && strncmp(a, na, la) == 0 && strncmp(b, nb, lb) == 0 &&
            !isdigit((unsigned char)a[la]) && !isdigit((unsigned char)b[lb])) {
            a += la;
            b += lb;
        } else if (*a++ != *b++) {
            return false;
        }
    }
    return *a == *b;
}

/* Lets each job whose module is, names aside, the IR of an earlier job of the same
 * stage use that job's function, and drops its module.  Queries that repeat a subquery
 * or a view plan identical pipelines (TPC-H Q11's nation and supplier scans, Q15's
 * revenue view, Q20's part scan, Q02's region scan); their code does not depend on which
 * operator states they use (the runtime hands those over), so one function serves
 * both.  Only modules with the same instruction count are printed and compared, and
 * only within a stage: a stage's code may outlive another's (the code cache). */
static void share_identical(pipe_jobs *pj) {
    char **text = calloc(pj->n + 1, sizeof *text);
    if (text == NULL)
        return; /* compiling each is correct too */
    for (uint32_t i = 0; i < pj->n; i++) {
        pipe_job *ji = &pj->jobs[i];
        for (uint32_t k = 0; ji->ctx != NULL && k < i; k++) {
            pipe_job *jk = &pj->jobs[k];
            if (jk->ctx == NULL || jk->stage != ji->stage || jk->size != ji->size)
                continue;
            if (text[k] == NULL)
                text[k] = LLVMPrintModuleToString(jk->m.mod);
            if (text[i] == NULL)
                text[i] = LLVMPrintModuleToString(ji->m.mod);
            if (text[k] != NULL && text[i] != NULL &&
                ir_same(text[k], jk->name, text[i], ji->name)) {
                ji->same_as = (int32_t)k;
                job_dispose(ji);
            }
        }
    }
    for (uint32_t i = 0; i < pj->n; i++)
        LLVMDisposeMessage(text[i]);
    free(text);
}

/* Runs the jobs on up to compile_threads threads, this one included (fewer if a thread
 * or a target machine cannot be created); each thread has its own target machine,
 * kept in the JIT for the next compile (the JIT's lock is held).  First every module
 * is built (IR generation is cheap) and identical ones are shared, then the modules
 * are optimized and emitted biggest first: the compile's wall time is bounded by its
 * biggest pipeline, which must not start last. */
static qe_status run_jobs(pipe_jobs *pj, rt_error *err) {
    uint32_t n_threads = compile_threads(pj->n);
    pipe_worker workers[CG_COMPILE_THREADS];
    LLVMTargetMachineRef *tms = pj->jit->wtm[pj->tier];
    for (uint32_t k = 0; k < n_threads; k++) {
        if (tms[k] == NULL && cg_host_target_machine(&pj->jit->host, pj->tier, &tms[k], err)) {
            if (k == 0)
                return QE_INTERNAL;
            n_threads = k;
            break;
        }
        workers[k] = (pipe_worker){.pj = pj, .tm = tms[k]};
    }
    pj->emit = false;
    run_phase(pj, workers, n_threads);
    share_identical(pj);
    for (uint32_t i = 0; i < pj->n; i++) { /* insertion sort by decreasing size */
        uint32_t k = i;
        for (; k > 0 && pj->jobs[pj->order[k - 1]].size < pj->jobs[i].size; k--)
            pj->order[k] = pj->order[k - 1];
        pj->order[k] = i;
    }
    pj->emit = true;
    run_phase(pj, workers, n_threads);
    return QE_OK;
}

/* Whether QE_CG_TIMING is set: each compile then prints its phase times (thread CPU ms
 * summed over the compile threads, and the wall ms) to stderr, and why each pipeline
 * left to the interpreter is. */
static bool timing_enabled(void) {
    static int on = -1;
    if (on < 0)
        on = getenv("QE_CG_TIMING") != NULL;
    return on;
}

static void print_timing(cg_tier tier, const stage_job *sj, uint32_t n_sj, const uint64_t *phase_ns,
                         uint64_t biggest, uint32_t shared, uint64_t wall) {
    static const char *const names[CG_PHASE_COUNT] = {
#define CG_X_PHASE_NAME(name, text) text,
        CG_PHASE_LIST(CG_X_PHASE_NAME)
#undef CG_X_PHASE_NAME
    };
    char line[640];
    uint32_t compiled = 0, pipelines = 0;
    int n = snprintf(line, sizeof line, "qe-cg-timing tier=%s stage=", cg_tier_name(tier));
    for (uint32_t k = 0; k < n_sj && n > 0 && (size_t)n < sizeof line; k++) {
        n += snprintf(line + n, sizeof line - (size_t)n, "%s%u", k ? "," : "", sj[k].stage_id);
        compiled += sj[k].b.n_compiled;
        pipelines += sj[k].b.n_pipelines;
    }
    if (n > 0 && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, " pipelines=%u/%u shared=%u", compiled,
                      pipelines, shared);
    uint64_t total = 0;
    for (int p = 0; p < CG_PHASE_COUNT && n > 0 && (size_t)n < sizeof line; p++) {
        total += phase_ns[p];
        n += snprintf(line + n, sizeof line - (size_t)n, " %s=%.3f", names[p],
                      (double)phase_ns[p] / 1e6);
    }
    fprintf(stderr, "%s total=%.3f biggest=%.3f wall=%.3f\n", line, (double)total / 1e6,
            (double)biggest / 1e6, (double)wall / 1e6);
    for (uint32_t k = 0; k < n_sj; k++)
        for (uint32_t p = 0; p < sj[k].b.n_pipelines; p++)
            if (sj[k].b.reasons[p] != NULL)
                fprintf(stderr, "qe-cg-interpreted stage=%u pipeline=%u: %s\n", sj[k].stage_id, p,
                        sj[k].b.reasons[p]);
}

static uint64_t wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Hands the objects of stage k's jobs to the JIT under its code's tracker (each job's
 * object is consumed) and looks its functions up. */
static qe_status add_stage(LLVMOrcLLJITRef lljit, pipe_jobs *pj, uint32_t k, stage_job *s,
                           rt_error *err) {
    const char **names = calloc(s->b.n_pipelines + 1, sizeof *names);
    LLVMMemoryBufferRef *objs = calloc(pj->n + 1, sizeof *objs);
    qe_status st = QE_OK;
    uint32_t n_objs = 0;
    if (names == NULL || objs == NULL)
        st = rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    for (uint32_t i = 0; st == QE_OK && i < pj->n; i++) {
        pipe_job *j = &pj->jobs[i];
        if (j->stage != k)
            continue;
        names[j->pipe] = j->same_as >= 0 ? pj->jobs[j->same_as].name : j->name;
        if (j->obj != NULL) {
            objs[n_objs++] = j->obj;
            j->obj = NULL;
        }
    }
    if (st == QE_OK)
        st = jit_add(lljit, objs, n_objs, names, s->code, err);
    free(names);
    free(objs);
    return st;
}

/* Compiles the supported pipelines of the stages (one job each, concurrently) and hands
 * each stage's objects to the JIT under its code's tracker; adds the phase times to
 * phase_ns, each stage's thread CPU to its cpu_ns, and counts the shared pipelines. */
static qe_status compile_jobs(cg_jit *jit, const plan_query *q, cg_tier tier, stage_job *sj,
                              uint32_t n_sj, uint64_t *phase_ns, uint64_t *biggest,
                              uint32_t *shared, rt_error *err) {
    LLVMOrcLLJITRef lljit = jit->lljit[tier];
    uint32_t total = 0;
    for (uint32_t k = 0; k < n_sj; k++)
        total += sj[k].b.n_compiled;
    pipe_job *jobs = calloc(total + 1, sizeof *jobs);
    uint32_t *order = calloc(total + 1, sizeof *order);
    if (jobs == NULL || order == NULL) {
        free(jobs);
        free(order);
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    }
    pipe_jobs pj = {.jit = jit,
                    .tier = tier,
                    .triple = LLVMOrcLLJITGetTripleString(lljit),
                    .layout = LLVMOrcLLJITGetDataLayoutStr(lljit),
                    .jobs = jobs,
                    .order = order};
    atomic_init(&pj.next, 0);
    for (uint32_t k = 0; k < n_sj; k++) {
        const cg_stage_build *b = &sj[k].b;
        for (uint32_t p = 0; p < b->n_pipelines && pj.n < total; p++)
            if (b->reasons[p] == NULL && b->fn_names[p] != NULL)
                jobs[pj.n++] = (pipe_job){.pipeline = q->stages[sj[k].stage_id]->pipelines[p],
                                          .name = b->fn_names[p],
                                          .stage = k,
                                          .pipe = p,
                                          .same_as = -1};
    }
    qe_status st = pj.n > 0 ? run_jobs(&pj, err) : QE_OK;
    for (uint32_t i = 0; i < pj.n; i++) {
        job_dispose(&jobs[i]); /* built but never emitted (run_jobs failed) */
        if (st == QE_OK && jobs[i].st != QE_OK) {
            *err = jobs[i].err;
            st = jobs[i].st;
        }
        uint64_t job_ns = 0;
        for (int ph = 0; ph < CG_PHASE_COUNT; ph++) {
            phase_ns[ph] += jobs[i].phase_ns[ph];
            job_ns += jobs[i].phase_ns[ph];
        }
        sj[jobs[i].stage].cpu_ns += job_ns;
        *biggest = job_ns > *biggest ? job_ns : *biggest;
        *shared += jobs[i].same_as >= 0;
    }
    uint64_t t0 = cg_cpu_ns();
    for (uint32_t k = 0; st == QE_OK && k < n_sj; k++)
        st = add_stage(lljit, &pj, k, &sj[k], err);
    for (uint32_t i = 0; i < pj.n; i++) /* not handed over (a failure) */
        if (jobs[i].obj != NULL)
            LLVMDisposeMemoryBuffer(jobs[i].obj);
    phase_ns[CG_PHASE_JITLINK] += cg_cpu_ns() - t0;
    free(jobs);
    free(order);
    return st;
}

/* Builds and JIT-compiles the stages at tier under the JIT's lock: each supported
 * pipeline is its own module and object file, compiled on up to CG_COMPILE_THREADS
 * threads; each stage's objects are linked under its own tracker (sj[k].code). */
static qe_status compile_locked(cg_jit *jit, const plan_query *q, cg_tier tier, stage_job *sj,
                                uint32_t n_sj, rt_error *err) {
    if (jit->lljit[tier] == NULL) {
        qe_status st = create_tier(jit, tier, err);
        if (st != QE_OK)
            return st;
    }
    uint64_t w0 = wall_ns();
    char prefix[48];
    snprintf(prefix, sizeof prefix, "qe_%llu", (unsigned long long)jit->next_id++);
    uint64_t phase_ns[CG_PHASE_COUNT] = {0}, biggest = 0;
    uint32_t shared = 0;
    qe_status st = QE_OK;
    for (uint32_t k = 0; st == QE_OK && k < n_sj; k++) {
        st = cg_plan_stage(q, sj[k].stage_id, prefix, &sj[k].b, err);
        if (st == QE_OK && (sj[k].code = code_new(jit, tier, sj[k].b.n_pipelines)) == NULL)
            st = rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    }
    if (st == QE_OK)
        st = compile_jobs(jit, q, tier, sj, n_sj, phase_ns, &biggest, &shared, err);
    if (timing_enabled())
        print_timing(tier, sj, n_sj, phase_ns, biggest, shared, wall_ns() - w0);
    for (uint32_t k = 0; k < n_sj; k++) {
        if (st == QE_OK)
            take_reasons(&sj[k].b, sj[k].code);
        cg_stage_build_free(&sj[k].b);
        if (st != QE_OK && sj[k].code != NULL) {
            code_free(sj[k].code);
            sj[k].code = NULL;
        }
    }
    return st;
}

/* ---- the code cache ------------------------------------------------------------------ */

/* Whether every stage, pipeline and operator of q is present (opt_plan_serialize walks
 * them all; a plan built by hand may be malformed: it is then compiled uncached). */
static bool plan_complete(const plan_query *q) {
    if (q == NULL || (q->n_stages > 0 && q->stages == NULL))
        return false;
    for (uint32_t s = 0; s < q->n_stages; s++) {
        const plan_stage *st = q->stages[s];
        if (st == NULL || (st->n_pipelines > 0 && st->pipelines == NULL))
            return false;
        for (uint32_t p = 0; p < st->n_pipelines; p++) {
            const plan_pipeline *pl = st->pipelines[p];
            if (pl == NULL || (pl->n_ops > 0 && pl->ops == NULL))
                return false;
            for (uint32_t o = 0; o < pl->n_ops; o++)
                if (pl->ops[o] == NULL)
                    return false;
        }
    }
    return true;
}

/* The fingerprint of stage stage_id of q at tier: what the code depends on (LLVM
 * version, host CPU and features, tier, the stage's number, and the serialized form
 * of a plan holding only that stage and q's exchanges -- so queries that share a
 * stage share its code).  malloc'd; NULL if the plan cannot be serialized (then it is
 * not cached). */
static uint8_t *cache_key(const cg_jit *jit, const plan_query *q, uint32_t stage_id, cg_tier tier,
                          size_t *len) {
    if (!plan_complete(q) || stage_id >= q->n_stages)
        return NULL;
    plan_stage *stage = q->stages[stage_id];
    plan_query part = {
        .n_stages = 1, .stages = &stage, .n_exchanges = q->n_exchanges, .exchanges = q->exchanges};
    uint8_t *plan = NULL;
    size_t plan_len = 0;
    rt_error err;
    if (opt_plan_serialize(&part, &plan, &plan_len, &err) != QE_OK)
        return NULL;
    unsigned major, minor, patch;
    LLVMGetVersion(&major, &minor, &patch);
    const char *fmt = "qe-codegen|llvm %u.%u.%u|%s|%s|%s|tier %d|stage %u|";
    int n = snprintf(NULL, 0, fmt, major, minor, patch, jit->host.triple, jit->host.cpu,
                     jit->host.features, (int)tier, stage_id);
    uint8_t *key = n < 0 ? NULL : malloc((size_t)n + 1 + plan_len);
    if (key != NULL) {
        snprintf((char *)key, (size_t)n + 1, fmt, major, minor, patch, jit->host.triple,
                 jit->host.cpu, jit->host.features, (int)tier, stage_id);
        memcpy(key + n, plan, plan_len);
        *len = (size_t)n + plan_len;
    }
    free(plan);
    return key;
}

static void lru_unlink(cg_jit *jit, cg_stage_code *c) {
    *(c->newer ? &c->newer->older : &jit->mru) = c->older;
    *(c->older ? &c->older->newer : &jit->lru) = c->newer;
    c->newer = c->older = NULL;
}

static void lru_push_front(cg_jit *jit, cg_stage_code *c) {
    c->newer = NULL;
    c->older = jit->mru;
    *(jit->mru ? &jit->mru->newer : &jit->lru) = c;
    jit->mru = c;
}

/* A new reference to the cached stage with this fingerprint (a hit), or NULL.  A
 * linear scan: the cache is small and a hit saves milliseconds. */
static cg_stage_code *cache_get(cg_jit *jit, uint64_t hash, const uint8_t *key, size_t len) {
    pthread_mutex_lock(&jit->cache_lock);
    cg_stage_code *c = jit->mru;
    while (c && !(c->hash == hash && c->key_len == len && memcmp(c->key, key, len) == 0))
        c = c->older;
    if (c) {
        c->refs++;
        lru_unlink(jit, c);
        lru_push_front(jit, c);
        jit->stats.hits++;
    }
    pthread_mutex_unlock(&jit->cache_lock);
    return c;
}

/* Drops a reference (cache_lock held); true if it was the last: free c after unlocking. */
static bool unref_locked(cg_jit *jit, cg_stage_code *c) {
    if (--c->refs > 0)
        return false;
    jit->stats.live--;
    return true;
}

/* Evicts least recently used entries until at most `limit` remain (cache_lock held);
 * those no query holds are chained through `older` onto *dead, to be freed unlocked. */
static void evict_locked(cg_jit *jit, uint32_t limit, cg_stage_code **dead) {
    while (jit->stats.entries > limit && jit->lru) {
        cg_stage_code *c = jit->lru;
        lru_unlink(jit, c);
        c->cached = false;
        jit->stats.entries--;
        jit->stats.evictions++;
        if (unref_locked(jit, c)) {
            c->older = *dead;
            *dead = c;
        }
    }
}

static void free_chain(cg_stage_code *dead) {
    while (dead) {
        cg_stage_code *next = dead->older;
        code_free(dead);
        dead = next;
    }
}

/* Registers freshly compiled code (one reference for the caller) and caches it if it
 * has a fingerprint and the cache is on. */
static void cache_put(cg_jit *jit, cg_stage_code *code) {
    uint32_t limit = atomic_load(&cache_limit);
    cg_stage_code *dead = NULL;
    pthread_mutex_lock(&jit->cache_lock);
    code->refs = 1;
    jit->stats.live++;
    jit->stats.misses++;
    if (code->key && limit > 0) {
        code->refs++;
        code->cached = true;
        lru_push_front(jit, code);
        jit->stats.entries++;
        evict_locked(jit, limit, &dead);
    }
    pthread_mutex_unlock(&jit->cache_lock);
    free_chain(dead);
}

/* Drops every cache reference (the JIT is going away). */
static void cache_clear(cg_jit *jit) {
    cg_stage_code *dead = NULL;
    pthread_mutex_lock(&jit->cache_lock);
    evict_locked(jit, 0, &dead);
    pthread_mutex_unlock(&jit->cache_lock);
    free_chain(dead);
}

/* Sets the process's cache bound and evicts down to it; see cg.h. */
void cg_cache_set_limit(uint32_t entries) {
    atomic_store(&cache_limit, entries);
    pthread_mutex_lock(&jit_lock); /* keeps jit_instance alive while evicting */
    if (jit_instance) {
        cg_stage_code *dead = NULL;
        pthread_mutex_lock(&jit_instance->cache_lock);
        evict_locked(jit_instance, entries, &dead);
        pthread_mutex_unlock(&jit_instance->cache_lock);
        free_chain(dead);
    }
    pthread_mutex_unlock(&jit_lock);
}

/* The process's cache bound; see cg.h. */
uint32_t cg_cache_limit(void) { return atomic_load(&cache_limit); }

/* Counters of the cache; see cg.h. */
void cg_cache_get_stats(cg_jit *jit, cg_cache_stats *out) {
    memset(out, 0, sizeof *out);
    if (jit) {
        pthread_mutex_lock(&jit->cache_lock);
        *out = jit->stats;
        pthread_mutex_unlock(&jit->cache_lock);
    }
    out->limit = atomic_load(&cache_limit);
}

/* Takes the stages of sj[0..n) the cache holds out of it (their code into
 * outs[slot[i]]), keeping the others and their slots in order; returns how many are
 * left. */
static uint32_t take_cached(cg_jit *jit, stage_job *sj, uint32_t *slot, uint32_t n,
                            cg_stage_code **outs) {
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n; i++) {
        cg_stage_code *hit =
            sj[i].key ? cache_get(jit, sj[i].hash, sj[i].key, sj[i].key_len) : NULL;
        if (hit != NULL) {
            outs[slot[i]] = hit;
            free(sj[i].key);
            continue;
        }
        sj[kept] = sj[i];
        slot[kept++] = slot[i];
    }
    return kept;
}

/* Compiles (or shares from the cache) the n stages stage_ids of q at tier, all in one
 * compile: outs[k] and ns[k] (the wall time, split between the compiled stages by their
 * thread CPU) for stage_ids[k].  On failure every outs[k] is NULL. */
static qe_status compile_stages(cg_jit *jit, const plan_query *q, const uint32_t *stage_ids,
                                uint32_t n, cg_tier tier, cg_stage_code **outs, uint64_t *ns,
                                rt_error *err) {
    uint64_t w0 = wall_ns();
    for (uint32_t k = 0; k < n; k++) {
        outs[k] = NULL;
        ns[k] = 0;
    }
    if (jit == NULL)
        return rt_error_set(err, QE_MISUSE, "XX000", -1, "no JIT to compile with");
    if ((unsigned)tier >= CG_TIER_COUNT)
        return rt_error_set(err, QE_MISUSE, "22023", -1, "invalid JIT tier %d", (int)tier);
    stage_job *sj = calloc(n + 1, sizeof *sj);
    uint32_t *slot = calloc(n + 1, sizeof *slot); /* sj[i] is stage_ids[slot[i]] */
    if (sj == NULL || slot == NULL) {
        free(sj);
        free(slot);
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    }
    bool caching = atomic_load(&cache_limit) != 0;
    for (uint32_t k = 0; k < n; k++) {
        sj[k].stage_id = stage_ids[k];
        sj[k].key = caching ? cache_key(jit, q, stage_ids[k], tier, &sj[k].key_len) : NULL;
        sj[k].hash = sj[k].key ? XXH3_64bits(sj[k].key, sj[k].key_len) : 0;
        slot[k] = k;
    }
    qe_status st = QE_OK;
    uint32_t left = take_cached(jit, sj, slot, n, outs);
    if (left > 0) {
        pthread_mutex_lock(&jit->lock);
        /* another thread may have compiled one of them while this one waited */
        left = take_cached(jit, sj, slot, left, outs);
        if (left > 0)
            st = compile_locked(jit, q, tier, sj, left, err);
        pthread_mutex_unlock(&jit->lock);
    }
    uint64_t cpu = 0;
    for (uint32_t i = 0; i < left; i++)
        cpu += sj[i].cpu_ns;
    uint64_t wall = wall_ns() - w0;
    for (uint32_t i = 0; i < left; i++) {
        if (st == QE_OK) {
            sj[i].code->key = sj[i].key;
            sj[i].code->key_len = sj[i].key_len;
            sj[i].code->hash = sj[i].hash;
            cache_put(jit, sj[i].code);
            outs[slot[i]] = sj[i].code;
            ns[slot[i]] =
                cpu ? (uint64_t)((double)wall * (double)sj[i].cpu_ns / (double)cpu) : wall / left;
        } else {
            free(sj[i].key);
        }
    }
    if (st != QE_OK) {
        for (uint32_t k = 0; k < n; k++) {
            cg_stage_code_destroy(outs[k]);
            outs[k] = NULL;
        }
    } else if (left == 0 && n > 0) {
        ns[0] = wall; /* all from the cache */
    }
    free(sj);
    free(slot);
    return st;
}

/* Compiles the supported pipelines of a stage, or shares cached code; see cg.h. */
qe_status cg_compile_stage(cg_jit *jit, const plan_query *q, uint32_t stage_id, cg_tier tier,
                           cg_stage_code **out, rt_error *err) {
    uint64_t ns;
    return compile_stages(jit, q, &stage_id, 1, tier, out, &ns, err);
}

/* Compiles every stage of a query in one compile; see cg.h. */
qe_status cg_compile_query(cg_jit *jit, const plan_query *q, cg_tier tier, cg_stage_code **outs,
                           uint64_t *ns, rt_error *err) {
    if (q == NULL || (q->n_stages > 0 && q->stages == NULL))
        return rt_error_set(err, QE_INTERNAL, "XX000", -1, "invalid physical plan: no stages");
    uint32_t *ids = calloc(q->n_stages + 1, sizeof *ids);
    if (ids == NULL)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
    for (uint32_t s = 0; s < q->n_stages; s++)
        ids[s] = s;
    qe_status st = compile_stages(jit, q, ids, q->n_stages, tier, outs, ns, err);
    free(ids);
    return st;
}

/* The cached code of a stage, without compiling; see cg.h. */
cg_stage_code *cg_cache_lookup(cg_jit *jit, const plan_query *q, uint32_t stage_id, cg_tier tier) {
    if (jit == NULL || (unsigned)tier >= CG_TIER_COUNT || !atomic_load(&cache_limit))
        return NULL;
    size_t key_len = 0;
    uint8_t *key = cache_key(jit, q, stage_id, tier, &key_len);
    cg_stage_code *code = key ? cache_get(jit, XXH3_64bits(key, key_len), key, key_len) : NULL;
    free(key);
    return code;
}

/* Per-pipeline functions; see cg.h. */
const rt_pipeline_fn *cg_stage_functions(const cg_stage_code *code) { return code->fns; }

/* Fallback reason of a pipeline; see cg.h. */
const char *cg_stage_fallback(const cg_stage_code *code, uint32_t pipeline) {
    if (code == NULL || pipeline >= code->n_pipelines)
        return "no such pipeline";
    return code->reasons[pipeline];
}

/* Releases the caller's reference; the last one removes the code; see cg.h. */
void cg_stage_code_destroy(cg_stage_code *code) {
    if (code == NULL)
        return;
    cg_jit *jit = code->jit;
    pthread_mutex_lock(&jit->cache_lock);
    bool last = unref_locked(jit, code);
    pthread_mutex_unlock(&jit->cache_lock);
    if (last)
        code_free(code);
}
