/*
 * cg.h -- the code generator's cross-module interface (prefix cg_).
 *
 * Compiles the pipelines of a physical stage to LLVM IR (one function per pipeline,
 * with the rt_pipeline_fn ABI) and JIT-compiles them with ORC LLJIT.  LLVM types
 * never leave src/codegen.  A pipeline codegen cannot handle is left to the
 * interpreter (its function is NULL and a reason is recorded).
 */
#ifndef QE_CG_H
#define QE_CG_H

#include "plan.h"
#include "rt.h"

/* One JIT per process (thread-safe: compilation is serialized internally). */
typedef struct cg_jit cg_jit;

qe_status cg_jit_create(cg_jit **out, rt_error *err);
void cg_jit_destroy(cg_jit *jit); /* accepts NULL; all stage code must be destroyed first */

/* X(name, text) -- JIT tiers (SET jit_tier).  CHEAP: only mem2reg on the IR, then
 * codegen at opt level None (fast instruction selection, fast register allocation);
 * OPTIMIZED: default<O2> with vectorization, then codegen at the default level. */
#define CG_TIER_LIST(X)                                                                            \
    X(CHEAP, "cheap")                                                                              \
    X(OPTIMIZED, "optimized")

typedef enum cg_tier {
#define CG_X_TIER_ENUM(name, text) CG_TIER_##name,
    CG_TIER_LIST(CG_X_TIER_ENUM)
#undef CG_X_TIER_ENUM
        CG_TIER_COUNT
} cg_tier;

/* "cheap" / "optimized"; "?" for a value out of range. */
const char *cg_tier_name(cg_tier tier);
/* Parses a tier name (case-insensitive); false for an unknown name. */
bool cg_tier_parse(const char *name, cg_tier *out);

/* The machine code of one stage (owns an LLJIT ResourceTracker; reference-counted and
 * shared through the code cache). */
typedef struct cg_stage_code cg_stage_code;

/* Compiles every pipeline of q->stages[stage_id] that codegen supports, at `tier`
 * (each tier has its own LLJIT in the process, created with the JIT) -- or, when
 * the code cache holds a stage with the same fingerprint (the serialized stage and
 * q->exchanges, stage number, tier, host CPU and features, LLVM version), returns a
 * new reference to that code without running LLVM.  Thread-safe.  Generated code may
 * therefore depend only on that stage and q->exchanges, in their serialized form (no
 * addresses of plan memory: cached code outlives the plan). */
qe_status cg_compile_stage(cg_jit *jit, const plan_query *q, uint32_t stage_id, cg_tier tier,
                           cg_stage_code **out, rt_error *err);
/* cg_compile_stage for every stage of q (outs and ns: q->n_stages entries), in one
 * compile: the pipelines of all the stages the cache does not hold are compiled
 * together, on the same threads, so a query's later stages do not wait for its first
 * one's run to be compiled.  ns[s]: stage s's share of the wall time (split between
 * the compiled stages by their thread CPU).  On failure every outs[s] is NULL. */
qe_status cg_compile_query(cg_jit *jit, const plan_query *q, cg_tier tier, cg_stage_code **outs,
                           uint64_t *ns, rt_error *err);
/* The code cache's entry for q->stages[stage_id] at tier as a new reference (a hit, as
 * cg_compile_stage would return it), or NULL without compiling anything (not cached,
 * caching off, or jit NULL).  Costs serializing the stage (tens of microseconds). */
cg_stage_code *cg_cache_lookup(cg_jit *jit, const plan_query *q, uint32_t stage_id, cg_tier tier);
/* True if codegen supports pipeline p (cg_compile_stage would compile it; a malformed
 * pipeline is not supported).  Cheap: walks the plan, no LLVM. */
bool cg_pipeline_supported(const plan_pipeline *p);
/* n_pipelines entries: the compiled function, or NULL to interpret.  Borrowed until
 * cg_stage_code_destroy. */
const rt_pipeline_fn *cg_stage_functions(const cg_stage_code *code);
/* Why pipeline `pipeline` was not compiled, or NULL if it was. */
const char *cg_stage_fallback(const cg_stage_code *code, uint32_t pipeline);
/* Releases the caller's reference (accepts NULL); the code is freed when neither a
 * caller nor the cache holds it.  Functions must not run after the caller's release. */
void cg_stage_code_destroy(cg_stage_code *code);

/* ---- the code cache (process-wide, LRU by entries) ----------------------------------- */

/* Counters of the code cache (cg_cache_get_stats). */
typedef struct cg_cache_stats {
    uint64_t hits;      /* cg_compile_stage calls answered from the cache */
    uint64_t misses;    /* cg_compile_stage calls that compiled */
    uint64_t evictions; /* entries dropped to keep the bound */
    uint32_t entries;   /* stages in the cache now */
    uint32_t live;      /* compiled stages alive (cached or referenced by a query) */
    uint32_t limit;     /* the bound, in entries (cg_cache_set_limit) */
} cg_cache_stats;

/* Bounds the cache to `entries` stages (default 256; 0 turns caching off), evicting
 * the least recently used now if needed.  Evicted code still referenced stays alive
 * until released. */
void cg_cache_set_limit(uint32_t entries);
uint32_t cg_cache_limit(void);
/* The cache's counters for jit (zeros but limit for NULL). */
void cg_cache_get_stats(cg_jit *jit, cg_cache_stats *out);

/* Text of the IR (QE_EMIT_IR: after the tier's IR passes, so unoptimized but for
 * mem2reg at CHEAP) or assembly (QE_EMIT_ASM, the tier's codegen level) of every
 * pipeline of every stage; malloc'd into *text_out.  cpu names the target CPU of the
 * host's architecture (NULL or "host": the host CPU and its features; another name:
 * that CPU's default features; 22023 unless it is 1-63 of [A-Za-z0-9._-]; a name LLVM
 * does not know makes LLVM warn on stderr and use its generic CPU). */
qe_status cg_emit(const plan_query *q, qe_emit what, cg_tier tier, const char *cpu, char **text_out,
                  rt_error *err);
/* The relocatable object file (ELF on Linux) of every compiled pipeline of every stage
 * of q, in one module (functions qe_s<stage>_p<pipeline>, global symbols), after the
 * tier's IR passes and at its codegen level, for cpu as in cg_emit; malloc'd
 * *bytes_out of *len_out bytes.  A query with nothing compiled gives an object
 * without functions. */
qe_status cg_emit_object(const plan_query *q, cg_tier tier, const char *cpu, uint8_t **bytes_out,
                         size_t *len_out, rt_error *err);

#endif /* QE_CG_H */
