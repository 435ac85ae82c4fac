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

/* The machine code of one stage (owns an LLJIT ResourceTracker). */
typedef struct cg_stage_code cg_stage_code;

/* Compiles every pipeline of q->stages[stage_id] that codegen supports. */
qe_status cg_compile_stage(cg_jit *jit, const plan_query *q, uint32_t stage_id,
                           cg_stage_code **out, rt_error *err);
/* n_pipelines entries: the compiled function, or NULL to interpret.  Borrowed until
 * cg_stage_code_destroy. */
const rt_pipeline_fn *cg_stage_functions(const cg_stage_code *code);
/* Why pipeline `pipeline` was not compiled, or NULL if it was. */
const char *cg_stage_fallback(const cg_stage_code *code, uint32_t pipeline);
void cg_stage_code_destroy(cg_stage_code *code); /* accepts NULL; frees the code */

/* Text of the IR (QE_EMIT_IR) or host assembly (QE_EMIT_ASM) of every pipeline of
 * every stage; malloc'd into *text_out. */
qe_status cg_emit(const plan_query *q, qe_emit what, char **text_out, rt_error *err);

#endif /* QE_CG_H */
