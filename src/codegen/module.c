/*
 * module.c -- one LLVM module per stage: its pipeline functions, verification and
 * optimization, the textual artifacts of cg_emit (IR or host assembly), and the
 * object file of a whole query (cg_emit_object: every stage in one module).
 *
 * cg_build_stage is shared by the JIT (jit.c) and cg_emit, so what `qec --emit=ir`
 * prints is exactly what the JIT compiles.  Pipelines codegen does not support are
 * recorded with their reason and left to the interpreter.  The IR passes depend on
 * the tier (cg.h): mem2reg only for CHEAP, a hand-picked pipeline (tier_passes) for
 * OPTIMIZED.
 */
#include "cg_int.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* IR passes per tier (cg_tier order).  The cheap tier only promotes the few allocas
 * to registers, so that codegen at level None gets SSA values.  The optimized tier
 * runs a hand-picked pipeline instead of default<O2> (4-5x less time in the passes,
 * execution unchanged within the noise, see README.md "Compile time"): inline the linked
 * bitcode helpers, then per function: scalar replacement, CSE, one round of
 * instcombine, CFG cleanup, LICM (the morsel's column pointers and constants leave
 * the loops), the loop vectorizer (only the fast block loop may vectorize: the other
 * loops carry llvm.loop metadata disabling it), and a final cleanup.  No unrolling,
 * no SLP, no GVN, no jump threading: their compile time bought nothing measurable. */
static const char *const tier_passes[CG_TIER_COUNT] = {
    "function(mem2reg,dce)",
    "cgscc(inline),function(sroa,early-cse<memssa>,"
    "instcombine<max-iterations=1;no-verify-fixpoint>,simplifycfg,loop-mssa(licm),"
    "loop-vectorize,instcombine<max-iterations=1;no-verify-fixpoint>,simplifycfg)"};

/* The IR pass pipeline of a tier; see cg_int.h. */
const char *cg_tier_passes(cg_tier tier) {
    return (unsigned)tier < CG_TIER_COUNT ? tier_passes[tier] : NULL;
}

static qe_status nomem(rt_error *err) {
    return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory in code generation");
}

static qe_status build_one(cg_module *m, const plan_pipeline *p, const char *prefix,
                           uint32_t stage_id, uint32_t idx, cg_stage_build *out, rt_error *err) {
    char reason[256];
    bool supported;
    qe_status st = cg_check_pipeline(p, &supported, reason, sizeof reason, err);
    if (st != QE_OK)
        return st;
    if (!supported) {
        out->reasons[idx] = strdup(reason);
        return out->reasons[idx] ? QE_OK : nomem(err);
    }
    char name[128];
    snprintf(name, sizeof name, "%s_s%u_p%u", prefix, stage_id, idx);
    out->fn_names[idx] = strdup(name);
    if (out->fn_names[idx] == NULL)
        return nomem(err);
    if (m == NULL) { /* cg_plan_stage: names and reasons only */
        out->n_compiled++;
        return QE_OK;
    }
    st = cg_build_pipeline(m, p, name, err);
    if (st == QE_OK)
        out->n_compiled++;
    return st;
}

static qe_status verify(cg_module *m, rt_error *err) {
    char *msg = NULL;
    if (LLVMVerifyModule(m->mod, LLVMReturnStatusAction, &msg)) {
        rt_error_set(err, QE_INTERNAL, "XX000", -1, "generated code failed verification");
        rt_error_detail(err, "%.500s", msg ? msg : "");
        LLVMDisposeMessage(msg);
        return QE_INTERNAL;
    }
    LLVMDisposeMessage(msg);
    return QE_OK;
}

static qe_status optimize(cg_module *m, LLVMTargetMachineRef tm, cg_tier tier, rt_error *err) {
    bool full = tier == CG_TIER_OPTIMIZED;
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    const char *passes = cg_tier_passes(full ? CG_TIER_OPTIMIZED : CG_TIER_CHEAP);
    LLVMErrorRef lerr = LLVMRunPasses(m->mod, passes, tm, opts);
    LLVMDisposePassBuilderOptions(opts);
    return cg_llvm_error(lerr, "could not optimize generated code", err);
}

/* Generates the functions of a stage into m, without verification or passes; with m
 * NULL, only names the supported pipelines and records the others' reasons. */
static qe_status build_functions(cg_module *m, cg_tier tier, const plan_query *q, uint32_t stage_id,
                                 const char *prefix, cg_stage_build *out, rt_error *err) {
    memset(out, 0, sizeof *out);
    if (q == NULL || stage_id >= q->n_stages || q->stages == NULL || !q->stages[stage_id])
        return rt_error_set(err, QE_INTERNAL, "XX000", -1, "invalid physical plan: no stage %u",
                            stage_id);
    const plan_stage *stage = q->stages[stage_id];
    if (stage->n_pipelines > 0 && stage->pipelines == NULL)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "invalid physical plan: stage %u without pipelines", stage_id);
    uint32_t n = stage->n_pipelines;
    if (m != NULL) {
        m->blocked = tier == CG_TIER_OPTIMIZED;
        m->cheap = tier == CG_TIER_CHEAP;
    }
    out->n_pipelines = n;
    out->fn_names = calloc(n + 1, sizeof *out->fn_names);
    out->reasons = calloc(n + 1, sizeof *out->reasons);
    if (out->fn_names == NULL || out->reasons == NULL)
        return nomem(err);
    qe_status st = QE_OK;
    for (uint32_t i = 0; i < n && st == QE_OK; i++)
        st = build_one(m, stage->pipelines[i], prefix, stage_id, i, out, err);
    return st;
}

/* Plans the pipelines of a stage without building them; see cg_int.h. */
qe_status cg_plan_stage(const plan_query *q, uint32_t stage_id, const char *prefix,
                        cg_stage_build *out, rt_error *err) {
    return build_functions(NULL, CG_TIER_CHEAP, q, stage_id, prefix, out, err);
}

/* Whether the JIT verifies a pipeline's module at tier: always, except at the cheap
 * tier of a Release build (QE_CG_NO_CHEAP_VERIFY, CMakeLists.txt), where verification
 * is ~5% of the compile.  The IR is the same at every build type, so the tests' builds
 * (RelWithDebInfo, every tests/sql/jit file at the cheap tier too) and cg_emit
 * (qec, always verified) check what Release compiles unverified. */
static bool verify_one(cg_tier tier) {
#ifdef QE_CG_NO_CHEAP_VERIFY
    return tier != CG_TIER_CHEAP;
#else
    (void)tier;
    return true;
#endif
}

/* Builds one pipeline alone; see cg_int.h. */
qe_status cg_build_one(cg_module *m, cg_tier tier, const plan_pipeline *p, const char *name,
                       uint64_t *phase_ns, rt_error *err) {
    m->blocked = tier == CG_TIER_OPTIMIZED;
    m->cheap = tier == CG_TIER_CHEAP;
    uint64_t t0 = cg_cpu_ns();
    qe_status st = cg_build_pipeline(m, p, name, err);
    uint64_t t1 = cg_cpu_ns();
    if (st == QE_OK && tier == CG_TIER_OPTIMIZED)
        st = cg_link_inline(m, err); /* the cheap tier calls the helpers in libqe */
    uint64_t t2 = cg_cpu_ns();
    if (st == QE_OK && verify_one(tier))
        st = verify(m, err);
    uint64_t t3 = cg_cpu_ns();
    phase_ns[CG_PHASE_BUILD] += t1 - t0;
    phase_ns[CG_PHASE_LINK] += t2 - t1;
    phase_ns[CG_PHASE_VERIFY] += t3 - t2;
    return st;
}

/* Runs the tier's IR passes on a module cg_build_one built; see cg_int.h. */
qe_status cg_optimize_one(cg_module *m, LLVMTargetMachineRef tm, cg_tier tier, uint64_t *phase_ns,
                          rt_error *err) {
    uint64_t t0 = cg_cpu_ns();
    qe_status st = optimize(m, tm, tier, err);
    phase_ns[CG_PHASE_PASSES] += cg_cpu_ns() - t0;
    return st;
}

/* The instructions of m's defined functions; see cg_int.h. */
uint64_t cg_module_size(const cg_module *m) {
    uint64_t n = 0;
    for (LLVMValueRef fn = LLVMGetFirstFunction(m->mod); fn; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
                n++;
    return n;
}

/* The object file of m; see cg_int.h. */
qe_status cg_emit_object_buffer(cg_module *m, LLVMTargetMachineRef tm, LLVMMemoryBufferRef *out,
                                rt_error *err) {
    char *msg = NULL;
    *out = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, m->mod, LLVMObjectFile, &msg, out)) {
        rt_error_set(err, QE_INTERNAL, "XX000", -1, "could not emit an object file: %s",
                     msg ? msg : "unknown error");
        LLVMDisposeMessage(msg);
        *out = NULL;
        return QE_INTERNAL;
    }
    return QE_OK;
}

/* Builds the functions of a stage; see cg_int.h. */
qe_status cg_build_stage(cg_module *m, LLVMTargetMachineRef tm, cg_tier tier, const plan_query *q,
                         uint32_t stage_id, const char *prefix, cg_stage_build *out,
                         rt_error *err) {
    uint64_t t0 = cg_cpu_ns();
    qe_status st = build_functions(m, tier, q, stage_id, prefix, out, err);
    uint64_t t1 = cg_cpu_ns();
    if (st == QE_OK && out->n_compiled > 0 && tier == CG_TIER_OPTIMIZED)
        st = cg_link_inline(m, err); /* the cheap tier calls the helpers in libqe */
    uint64_t t2 = cg_cpu_ns();
    if (st == QE_OK && out->n_compiled > 0)
        st = verify(m, err);
    uint64_t t3 = cg_cpu_ns();
    if (st == QE_OK && out->n_compiled > 0)
        st = optimize(m, tm, tier, err);
    uint64_t t4 = cg_cpu_ns();
    out->phase_ns[CG_PHASE_BUILD] = t1 - t0;
    out->phase_ns[CG_PHASE_LINK] = t2 - t1;
    out->phase_ns[CG_PHASE_VERIFY] = t3 - t2;
    out->phase_ns[CG_PHASE_PASSES] = t4 - t3;
    return st;
}

/* Thread CPU time; see cg_int.h. */
uint64_t cg_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Releases a stage build; see cg_int.h. */
void cg_stage_build_free(cg_stage_build *sb) {
    for (uint32_t i = 0; i < sb->n_pipelines; i++) {
        if (sb->fn_names)
            free(sb->fn_names[i]);
        if (sb->reasons)
            free(sb->reasons[i]);
    }
    free(sb->fn_names);
    free(sb->reasons);
    memset(sb, 0, sizeof *sb);
}

/* ---- cg_emit ---------------------------------------------------------------------- */

static const char *dist_name(plan_dist d) {
    return d == PLAN_DIST_SINGLE ? "SINGLE" : "PARTITIONED";
}

static void print_pipeline_note(rt_strbuf *sb, const char *cmt, const plan_query *q, uint32_t s,
                                uint32_t p, const cg_stage_build *b) {
    const plan_pipeline *pipe = q->stages[s]->pipelines[p];
    rt_strbuf_printf(sb, "%s stage %u pipeline %u:", cmt, s, p);
    for (uint32_t i = 0; pipe && i < pipe->n_ops; i++)
        if (pipe->ops[i])
            rt_strbuf_printf(sb, "%s%s", i ? " -> " : " ", plan_phys_name(pipe->ops[i]->kind));
    if (b->reasons[p])
        rt_strbuf_printf(sb, "\n%s   interpreted: %s\n", cmt, b->reasons[p]);
    else
        rt_strbuf_printf(sb, "\n%s   compiled: %s\n", cmt, b->fn_names[p]);
}

static qe_status print_module(rt_strbuf *sb, cg_module *m, LLVMTargetMachineRef tm, qe_emit what,
                              rt_error *err) {
    if (what == QE_EMIT_IR) {
        char *text = LLVMPrintModuleToString(m->mod);
        rt_strbuf_puts(sb, text);
        LLVMDisposeMessage(text);
        return QE_OK;
    }
    char *msg = NULL;
    LLVMMemoryBufferRef buf = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, m->mod, LLVMAssemblyFile, &msg, &buf)) {
        rt_error_set(err, QE_INTERNAL, "XX000", -1, "could not emit assembly: %s",
                     msg ? msg : "unknown error");
        LLVMDisposeMessage(msg);
        return QE_INTERNAL;
    }
    rt_strbuf_append(sb, LLVMGetBufferStart(buf), LLVMGetBufferSize(buf));
    LLVMDisposeMemoryBuffer(buf);
    return QE_OK;
}

static const char *comment_marker(qe_emit what, const cg_host *host) {
    return what == QE_EMIT_IR ? ";" : strncmp(host->triple, "x86", 3) ? "//" : "#";
}

/* Builds, optimizes (at tier) and prints the module of one stage into sb. */
static qe_status emit_stage(rt_strbuf *sb, const plan_query *q, uint32_t s, qe_emit what,
                            cg_tier tier, const cg_host *host, LLVMTargetMachineRef tm,
                            rt_error *err) {
    const char *cmt = comment_marker(what, host);
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    char *layout = LLVMCopyStringRepOfTargetData(td);
    LLVMDisposeTargetData(td);
    LLVMContextRef ctx = LLVMContextCreate();
    char name[64];
    snprintf(name, sizeof name, "qe_stage%u", s);
    cg_module m;
    cg_stage_build b = {0};
    qe_status st =
        cg_module_init(&m, ctx, name, host->triple, layout, host->cpu, host->features, err);
    if (st == QE_OK) {
        st = cg_build_stage(&m, tm, tier, q, s, "qe", &b, err);
        rt_strbuf_printf(sb, "%s ==== stage %u (%s) ====\n", cmt, s, dist_name(q->stages[s]->dist));
        for (uint32_t p = 0; st == QE_OK && p < b.n_pipelines; p++)
            print_pipeline_note(sb, cmt, q, s, p, &b);
        if (st == QE_OK && b.n_compiled > 0)
            st = print_module(sb, &m, tm, what, err);
        rt_strbuf_puts(sb, "\n");
        cg_module_dispose(&m);
    }
    cg_stage_build_free(&b);
    LLVMContextDispose(ctx);
    LLVMDisposeMessage(layout);
    return st;
}

/* Replaces the host CPU by `cpu` (with that CPU's default features) unless it is NULL
 * or "host"; 22023 for a malformed name. */
static qe_status set_cpu(cg_host *host, const char *cpu, rt_error *err) {
    if (cpu == NULL || strcmp(cpu, "host") == 0)
        return QE_OK;
    size_t n = strlen(cpu);
    bool ok = n > 0 && n < 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)cpu[i]) || cpu[i] == '-' || cpu[i] == '_' || cpu[i] == '.';
    if (!ok) {
        rt_error_set(err, QE_MISUSE, "22023", -1, "invalid target CPU name \"%.64s\"", cpu);
        rt_error_hint(err, "Use \"host\" or an LLVM CPU name such as x86-64-v3 or znver3.");
        return QE_MISUSE;
    }
    LLVMDisposeMessage(host->cpu);
    LLVMDisposeMessage(host->features);
    host->cpu = LLVMCreateMessage(cpu);
    host->features = cg_features_tuned("");
    return host->cpu && host->features ? QE_OK : nomem(err);
}

/* Checks cg_emit's plan and tier, and makes the host description (cpu as set_cpu)
 * and its target machine at tier; on failure nothing is left to release. */
static qe_status emit_target(const plan_query *q, cg_tier tier, const char *cpu, cg_host *host,
                             LLVMTargetMachineRef *tm, rt_error *err) {
    *tm = NULL;
    if (q == NULL || (q->n_stages > 0 && q->stages == NULL))
        return rt_error_set(err, QE_INTERNAL, "XX000", -1, "invalid physical plan");
    if ((unsigned)tier >= CG_TIER_COUNT)
        return rt_error_set(err, QE_MISUSE, "22023", -1, "invalid JIT tier %d", (int)tier);
    qe_status st = cg_host_get(host, err);
    if (st != QE_OK)
        return st;
    st = set_cpu(host, cpu, err);
    if (st == QE_OK)
        st = cg_host_target_machine(host, tier, tm, err);
    if (st != QE_OK)
        cg_host_release(host);
    return st;
}

/* IR or assembly of every stage; see cg.h. */
qe_status cg_emit(const plan_query *q, qe_emit what, cg_tier tier, const char *cpu, char **text_out,
                  rt_error *err) {
    *text_out = NULL;
    if (what != QE_EMIT_IR && what != QE_EMIT_ASM)
        return rt_error_set(err, QE_MISUSE, "22023", -1, "codegen emits only IR and assembly");
    cg_host host;
    LLVMTargetMachineRef tm = NULL;
    qe_status st = emit_target(q, tier, cpu, &host, &tm, err);
    if (st != QE_OK)
        return st;
    rt_strbuf sb;
    rt_strbuf_init(&sb);
    if (st == QE_OK)
        rt_strbuf_printf(&sb, "%s tier %s, cpu %s\n", comment_marker(what, &host),
                         cg_tier_name(tier), host.cpu);
    for (uint32_t s = 0; st == QE_OK && s < q->n_stages; s++)
        st = emit_stage(&sb, q, s, what, tier, &host, tm, err);
    LLVMDisposeTargetMachine(tm);
    cg_host_release(&host);
    if (st == QE_OK) {
        *text_out = rt_strbuf_take(&sb);
        if (*text_out == NULL)
            st = nomem(err);
    }
    rt_strbuf_free(&sb);
    return st;
}

/* ---- cg_emit_object ------------------------------------------------------------------ */

/* Generates every stage's functions into m (names qe_s<stage>_p<pipeline>), then
 * verifies and optimizes the module once. */
static qe_status build_all_stages(cg_module *m, LLVMTargetMachineRef tm, cg_tier tier,
                                  const plan_query *q, rt_error *err) {
    uint32_t n_compiled = 0;
    qe_status st = QE_OK;
    for (uint32_t s = 0; st == QE_OK && s < q->n_stages; s++) {
        cg_stage_build b = {0};
        st = build_functions(m, tier, q, s, "qe", &b, err);
        n_compiled += b.n_compiled;
        cg_stage_build_free(&b);
    }
    if (st == QE_OK && n_compiled > 0 && tier == CG_TIER_OPTIMIZED)
        st = cg_link_inline(m, err); /* the cheap tier's object calls the helpers */
    if (st == QE_OK && n_compiled > 0)
        st = verify(m, err);
    if (st == QE_OK && n_compiled > 0)
        st = optimize(m, tm, tier, err);
    return st;
}

static qe_status emit_object_file(cg_module *m, LLVMTargetMachineRef tm, uint8_t **bytes_out,
                                  size_t *len_out, rt_error *err) {
    char *msg = NULL;
    LLVMMemoryBufferRef buf = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, m->mod, LLVMObjectFile, &msg, &buf)) {
        rt_error_set(err, QE_INTERNAL, "XX000", -1, "could not emit an object file: %s",
                     msg ? msg : "unknown error");
        LLVMDisposeMessage(msg);
        return QE_INTERNAL;
    }
    size_t len = LLVMGetBufferSize(buf);
    *bytes_out = malloc(len ? len : 1);
    if (*bytes_out)
        memcpy(*bytes_out, LLVMGetBufferStart(buf), len);
    *len_out = len;
    LLVMDisposeMemoryBuffer(buf);
    return *bytes_out ? QE_OK : nomem(err);
}

/* The object file of every stage's pipelines; see cg.h. */
qe_status cg_emit_object(const plan_query *q, cg_tier tier, const char *cpu, uint8_t **bytes_out,
                         size_t *len_out, rt_error *err) {
    *bytes_out = NULL;
    *len_out = 0;
    cg_host host;
    LLVMTargetMachineRef tm = NULL;
    qe_status st = emit_target(q, tier, cpu, &host, &tm, err);
    if (st != QE_OK)
        return st;
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    char *layout = LLVMCopyStringRepOfTargetData(td);
    LLVMDisposeTargetData(td);
    LLVMContextRef ctx = LLVMContextCreate();
    cg_module m;
    st = cg_module_init(&m, ctx, "qe_query", host.triple, layout, host.cpu, host.features, err);
    if (st == QE_OK) {
        st = build_all_stages(&m, tm, tier, q, err);
        if (st == QE_OK)
            st = emit_object_file(&m, tm, bytes_out, len_out, err);
        cg_module_dispose(&m);
    }
    LLVMContextDispose(ctx);
    LLVMDisposeMessage(layout);
    LLVMDisposeTargetMachine(tm);
    cg_host_release(&host);
    return st;
}
