/*
 * cg_int.h -- private interface of the code generator (src/codegen).
 *
 * The code generator turns one pipeline of a physical stage into one LLVM function
 * with the rt_pipeline_fn ABI.  The files split the work:
 *   llvm_util.c  LLVM initialization, host target machines, error conversion
 *   types.c      LLVM mirrors of rt_vector/rt_batch/rt_agg_state, helper declarations
 *   check.c      which pipelines codegen supports (fallback reasons)
 *   expr.c       scalar expressions: value + null flag in registers
 *   expr_str.c   VARCHAR expressions (constants, comparisons, LIKE, ||) and functions
 *   expr_func.c  date fields; the generic call of other functions' interpreter kernels
 *   expr_interval.c  INTERVAL comparisons and arithmetic
 *   bitcode.c    the runtime helpers inlined from bitcode (src/runtime/jit_inline.c)
 *   pipeline.c   the row loop over a morsel, FILTER and PROJECT
 *   block.c      blocked FILTERs after the source: SIMD predicate loops into a selection
 *   join.c       HASH_JOIN_PROBE (chain walk, per-match continuation) and LIMIT
 *   sink.c       the pipeline's sink: fused hash-aggregate update, or scratch + push
 *   module.c     one module per stage: functions, verification, optimization, cg_emit
 *   jit.c        the process-wide ORC LLJIT and the code of a stage (cg.h)
 * LLVM types never leave this directory: only this header and the .c files here
 * include llvm-c.
 */
#ifndef QE_CG_INT_H
#define QE_CG_INT_H

#include "cg.h"
#include "jit_inline.h"
#include "plan.h"
#include "rt.h"

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include <stdbool.h>
#include <stdint.h>

/* ---- LLVM utilities (llvm_util.c) ----------------------------------------------------- */

/* Initializes LLVM's native target, asm printer and asm parser once per process
 * (thread-safe).  Fails with XX000 if the host target is not available. */
qe_status cg_llvm_init(rt_error *err);

/* The host's target triple, CPU name and feature string, malloc'd by LLVM (release
 * with cg_host_release). */
typedef struct cg_host {
    char *triple;   /* e.g. "x86_64-pc-linux-gnu"; LLVM-allocated */
    char *cpu;      /* e.g. "znver3"; LLVM-allocated */
    char *features; /* "+avx2,+sse4.2,...", then CG_TUNING_FEATURES; LLVM-allocated */
} cg_host;

/* Features added to every target's (the host's, or a --cpu's defaults): no gathers.
 * The loop vectorizer takes an AVX-512 CPU's gathers as cheap and turns the block
 * loops' strided loads (the low word of each 16-byte VARCHAR view, a string leaf's
 * test) into vpgatherqq, which the hardware prefetcher does not follow: TPC-H Q12's
 * lineitem pipeline took 25 ms compiled against 12 ms interpreted at SF1 (AMD EPYC
 * with AVX-512), 8.8 ms with wide loads and shuffles instead. */
#define CG_TUNING_FEATURES "+prefer-no-gather"

/* LLVM-allocated "features,CG_TUNING_FEATURES" (features may be empty); NULL on
 * out-of-memory. */
char *cg_features_tuned(const char *features);

qe_status cg_host_get(cg_host *host, rt_error *err);
void cg_host_release(cg_host *host);

/* Creates a target machine for host (its cpu and features) at the codegen level of
 * `tier` (CHEAP: None, with fast instruction selection; OPTIMIZED: Less), with the
 * small code model and position-independent code: fast instruction selection gives up
 * on every global address under the large code model (the JIT default on x86-64), and
 * JITLink reaches the runtime helpers through its GOT and PLT stubs.  The caller
 * disposes it with LLVMDisposeTargetMachine. */
qe_status cg_host_target_machine(const cg_host *host, cg_tier tier, LLVMTargetMachineRef *out,
                                 rt_error *err);

/* Converts an LLVMErrorRef (consuming it) into an XX000 error "<what>: <message>".
 * Returns QE_OK for a NULL error. */
qe_status cg_llvm_error(LLVMErrorRef lerr, const char *what, rt_error *err);

/* ---- module context and types (types.c) ---------------------------------------------- */

/* The runtime helpers generated code calls (resolved by name in the JIT). */
#define CG_HELPER_LIST(X)                                                                          \
    X(SCRATCH, "rt_jit_scratch")                                                                   \
    X(PUSH, "rt_jit_push")                                                                         \
    X(ERROR, "rt_jit_error")                                                                       \
    X(ERROR_AT, "rt_jit_error_at")                                                                 \
    X(STR_ALLOC, "rt_jit_str_alloc")                                                               \
    X(STR_STORE, "rt_jit_str_store")                                                               \
    X(JOIN_TABLE, "rt_jit_join_table")                                                             \
    X(LIMIT_ROW, "rt_jit_limit_row")                                                               \
    X(DISTINCT_ON_ROW, "rt_jit_distinct_on_row")                                                   \
    X(DISTINCT_ON_KEEP, "rt_jit_distinct_on_keep")                                                 \
    X(MARK_MAYBE, "rt_jit_mark_maybe")                                                             \
    X(INTERPRET, "rt_jit_interpret")                                                               \
    X(FUNC, "rt_jit_func")                                                                         \
    X(AGG_TABLE, "rt_jit_agg_table")                                                               \
    X(AGG_SINGLE, "rt_jit_agg_single")                                                             \
    X(AGG_INSERT, "rt_jit_agg_insert")                                                             \
    X(AGG_ORDERED, "rt_jit_agg_ordered")                                                           \
    X(AGG_INSERT_ORDERED, "rt_jit_agg_insert_ordered")                                             \
    X(AGG_ORDERED_END, "rt_jit_agg_ordered_end")                                                   \
    X(SINK_ROWS, "rt_jit_sink_rows")                                                               \
    X(JOIN_PREFETCH, "rt_jit_join_prefetch")                                                       \
    X(JOIN_CHAINS, "rt_jit_join_chains")                                                           \
    X(BLOCK_COMPACT, "rt_jit_block_compact")                                                       \
    X(CHAR_EQ_CONST, "rt_jit_char_eq_const")                                                       \
    X(MUL_HI, "rt_jit_mul_hi")                                                                     \
    X(TS_ADD_IV, "rt_jit_ts_add_interval")

typedef enum cg_helper {
#define CG_X_ENUM(name, sym) CG_HELPER_##name,
    CG_HELPER_LIST(CG_X_ENUM)
#undef CG_X_ENUM
        CG_HELPER_COUNT
} cg_helper;

/* The helpers of jit_inline.h (RT_JIT_INLINE_LIST), linked from bitcode (bitcode.c). */
typedef enum cg_inline {
#define CG_X_ENUM(name, sym) CG_INLINE_##name,
    RT_JIT_INLINE_LIST(CG_X_ENUM)
#undef CG_X_ENUM
        CG_INLINE_COUNT
} cg_inline;

/* Field indexes of the LLVM mirror of rt_vector (types.c asserts the offsets). */
enum {
    CG_VEC_TYPE,
    CG_VEC_VALIDITY,
    CG_VEC_VALUES,
    CG_VEC_N_BUFFERS,
    CG_VEC_BUFFERS_CAP,
    CG_VEC_BUFFERS,
    CG_VEC_HEAP_TAIL,
    CG_VEC_HEAP_LEFT,
    CG_VEC_N_FIELDS
};
/* Field indexes of the LLVM mirror of rt_batch. */
enum {
    CG_BATCH_N_ROWS,
    CG_BATCH_N_COLS,
    CG_BATCH_COLS,
    CG_BATCH_SEL,
    CG_BATCH_N_SEL,
    CG_BATCH_CAPACITY,
    CG_BATCH_N_FIELDS
};
/* Field indexes of the LLVM mirror of rt_agg_state: {i64 v, i64 v_hi, i64 n, i64 x}
 * (v is the low word of rt_agg_state's 16-byte union, read as i64 or double). */
enum { CG_AGG_V, CG_AGG_V_HI, CG_AGG_N, CG_AGG_X, CG_AGG_N_FIELDS };
/* Field indexes of the LLVM mirror of rt_jit_join and of rt_jit_join_link. */
enum {
    CG_JOIN_BUCKETS,
    CG_JOIN_MASK,
    CG_JOIN_LINKS,
    CG_JOIN_COLS,
    CG_JOIN_MATCHED,
    CG_JOIN_N_ROWS,
    CG_JOIN_N_NULL_ROWS,
    CG_JOIN_KWORDS,
    CG_JOIN_KMIN,
    CG_JOIN_KSPAN,
    CG_JOIN_KHEADS,
    CG_JOIN_N_FIELDS
};
enum { CG_LINK_HASH, CG_LINK_NEXT, CG_LINK_PAD, CG_LINK_N_FIELDS };
/* Field indexes of the LLVM mirrors of rt_jit_agg and rt_jit_agg_slot. */
enum { CG_AGGT_SLOTS, CG_AGGT_MASK, CG_AGGT_SHIFT, CG_AGGT_N_FIELDS };
enum { CG_AGGS_HASH, CG_AGGS_ROW, CG_AGGS_N_FIELDS };

/* Rows whose bitmap positions (byte index, bit mask) a module remembers for reuse. */
#define CG_ROW_BITS 8

/*
 * Everything the generation of one module needs: the LLVM context (borrowed: owned by
 * a ThreadSafeContext in jit.c or by cg_emit), the module, one IR builder, the
 * mirrored runtime types and the declarations of the runtime helpers.
 */
typedef struct cg_module {
    LLVMContextRef ctx;   /* borrowed */
    LLVMModuleRef mod;    /* owned until handed to the JIT or disposed */
    LLVMBuilderRef b;     /* owned; disposed by cg_module_dispose */
    const char *cpu;      /* host CPU name for the "target-cpu" attribute (borrowed) */
    const char *features; /* host features for "target-features" (borrowed) */
    LLVMTypeRef t_void;
    LLVMTypeRef t_i1;
    LLVMTypeRef t_i8;
    LLVMTypeRef t_i16;
    LLVMTypeRef t_i32;
    LLVMTypeRef t_i64;
    LLVMTypeRef t_i128; /* HUGEINT, DECIMAL; the stride of a VARCHAR views buffer */
    LLVMTypeRef t_f32;
    LLVMTypeRef t_f64;
    LLVMTypeRef t_f80;       /* x86 long double: DECIMAL -> DOUBLE as the runtime converts */
    LLVMTypeRef t_ptr;       /* the opaque pointer type */
    LLVMTypeRef t_vector;    /* %rt_vector */
    LLVMTypeRef t_batch;     /* %rt_batch */
    LLVMTypeRef t_agg;       /* %rt_agg_state */
    LLVMTypeRef t_join;      /* %rt_jit_join */
    LLVMTypeRef t_link;      /* %rt_jit_join_link */
    LLVMTypeRef t_agg_table; /* %rt_jit_agg */
    LLVMTypeRef t_agg_slot;  /* %rt_jit_agg_slot */
    LLVMTypeRef t_pipe_fn;   /* i32 (ptr, ptr, ptr): rt_pipeline_fn */
    LLVMTypeRef helper_type[CG_HELPER_COUNT]; /* function types of the helpers */
    LLVMValueRef helper[CG_HELPER_COUNT];     /* their declarations in mod */
    LLVMValueRef all_valid;                   /* constant i8 0xFF: stands in for an absent bitmap */
    bool blocked; /* leading FILTERs run as block loops (block.c); set for the optimized tier */
    bool cheap;   /* the cheap tier: no prefetching (join.c), code FastISel selects whole */
    LLVMValueRef null_slot; /* constant ptr null: a safe slot to load from */
    LLVMValueRef null_view; /* constant 16 zero bytes: the view a NULL-extended build row's
                               VARCHAR `at` points to (views are read through `at`) */
    LLVMValueRef inl[CG_INLINE_COUNT];        /* inlinable helpers declared so far (or NULL) */
    uint32_t n_func_sites;                    /* generic function calls generated so far
                                                 (rt_jit_func site indexes, expr_func.c) */
    LLVMValueRef bit_row[CG_ROW_BITS];        /* rows whose bitmap position is built (pipeline.c) */
    LLVMValueRef bit_idx[CG_ROW_BITS];        /* their byte index row >> 3 */
    LLVMValueRef bit_mask[CG_ROW_BITS];       /* their bit mask 1 << (row & 7) (i8) */
    LLVMValueRef bit_not[CG_ROW_BITS];        /* and its complement */
    LLVMBasicBlockRef bit_block[CG_ROW_BITS]; /* the block it is in (reused there only), or
                                                 NULL: after the row's definition */
    uint32_t bit_next;                        /* the entry the next new row replaces */
} cg_module;

/* Creates the module `name` in ctx with the given triple and data layout, its
 * types and helper declarations. */
qe_status cg_module_init(cg_module *m, LLVMContextRef ctx, const char *name, const char *triple,
                         const char *data_layout, const char *cpu, const char *features,
                         rt_error *err);
/* Releases the builder and, if still owned, the module.  Accepts a zeroed m. */
void cg_module_dispose(cg_module *m);
/* Names of the helpers (CG_HELPER_LIST) and their addresses in this process. */
const char *cg_helper_name(cg_helper h);
uint64_t cg_helper_address(cg_helper h);

/* Names and libqe addresses of the inlinable helpers (bitcode.c). */
const char *cg_inline_name(cg_inline h);
uint64_t cg_inline_address(cg_inline h);
/* Calls inlinable helper h, declaring it in the module on first use. */
LLVMValueRef cg_call_inline(cg_module *m, cg_inline h, LLVMValueRef *args, unsigned n_args);
/* True if the module calls an inlinable helper. */
bool cg_uses_inline(const cg_module *m);

/* perfmap.c: whether QE_PERF_MAP asks for /tmp/perf-<pid>.map; installs, when it
 * does, the object transform that reads function sizes on lljit; appends the looked-up
 * function name at address (and the other functions of its object) to the map. */
bool cg_perf_map_enabled(void);
void cg_perf_map_attach(LLVMOrcLLJITRef lljit);
void cg_perf_map_add(const char *name, uint64_t address);
/* Links the helpers' bitcode into m (if it calls any), makes them internal and gives
 * them the host's attributes, so the optimizer inlines them.  XX000 if the embedded
 * bitcode cannot be parsed or linked. */
qe_status cg_link_inline(cg_module *m, rt_error *err);

/* Adds nounwind and the host "target-cpu"/"target-features" attributes to fn, and
 * "prefer-vector-width"="512" when the features include AVX-512 (block.c's loops). */
void cg_set_fn_attrs(cg_module *m, LLVMValueRef fn);
/* Calls helper h with the given arguments. */
LLVMValueRef cg_call_helper(cg_module *m, cg_helper h, LLVMValueRef *args, unsigned n_args);
/* Loads field `field` of the %rt_batch / %rt_vector at ptr. */
LLVMValueRef cg_load_batch_field(cg_module *m, LLVMValueRef batch, unsigned field);
LLVMValueRef cg_load_vector_field(cg_module *m, LLVMValueRef vec, unsigned field);
/* Stores into a field of the %rt_batch / %rt_vector at ptr. */
void cg_store_batch_field(cg_module *m, LLVMValueRef batch, unsigned field, LLVMValueRef v);
void cg_store_vector_field(cg_module *m, LLVMValueRef vec, unsigned field, LLVMValueRef v);
/* Address of column `col` (an i64/i32 value) of the cols array of a batch. */
LLVMValueRef cg_vector_at(cg_module *m, LLVMValueRef cols, LLVMValueRef col);
/* LLVM constants. */
LLVMValueRef cg_i1(cg_module *m, bool v);
LLVMValueRef cg_i32(cg_module *m, int64_t v);
LLVMValueRef cg_i64(cg_module *m, int64_t v);

/* Register type of a value of `type` (i1, i32, i64, double, i128; a VARCHAR's is i64,
 * the first 8 bytes of its view) and its type in a values buffer (i8 for BOOLEAN, i128
 * for a VARCHAR's 16-byte view).  NULL for types codegen does not handle. */
LLVMTypeRef cg_reg_type(cg_module *m, qe_type type);
LLVMTypeRef cg_mem_type(cg_module *m, qe_type type);
/* Alignment in bytes of a value of `type` in a values buffer. */
unsigned cg_mem_align(qe_type type);

/* ---- support check (check.c) -------------------------------------------------------- */

/*
 * Whether codegen supports pipeline p of a stage.  Returns QE_OK with *supported set;
 * when false, reason (cap bytes) says why in one line ("operator Limit is not
 * supported by codegen yet").  A malformed pipeline (column index out of range,
 * missing operators) is an XX000 error.
 */
qe_status cg_check_pipeline(const plan_pipeline *p, bool *supported, char *reason, size_t cap,
                            rt_error *err);
/* True for the types generated code handles (BOOLEAN, SMALLINT, INTEGER, BIGINT,
 * HUGEINT, DECIMAL, REAL, DOUBLE, DATE, TIMESTAMP, INTERVAL, VARCHAR). */
bool cg_type_supported(qe_type type);
/* How an aggregate state's v is held (agg.c's union member): int64, double, int128, an
 * interval's 16 bytes (an i128 in registers, as INTERVAL values). */
typedef enum cg_state_repr {
    CG_STATE_NONE,
    CG_STATE_I64,
    CG_STATE_F64,
    CG_STATE_I128,
    CG_STATE_IV
} cg_state_repr;
/* The representation of a v state column of type state_type (NONE: not compiled). */
cg_state_repr cg_agg_state_repr(qe_type state_type);
/* The state type of a SINGLE/PARTIAL SUM/AVG/MIN/MAX over input type t as plan.h
 * defines it, or QE_TYPE_NULL where codegen does not compile the aggregate. */
qe_type cg_agg_state_type(plan_agg_fn fn, qe_type t);
/* The source (ops[0]) output column a column of the input of ops[op_idx] copies
 * unchanged (through PROJECT column references), or -1 if it is computed. */
int64_t cg_trace_column(const plan_pipeline *p, uint32_t op_idx, uint32_t col);

/* Whether a column of the input of ops[op_idx] copies (through PROJECT column
 * references) build column *build_col of the HASH_JOIN_PROBE ops[*probe_op]. */
bool cg_trace_build_column(const plan_pipeline *p, uint32_t op_idx, uint32_t col,
                           uint32_t *probe_op, uint32_t *build_col);

/* ---- function generation (pipeline.c, block.c, expr.c, sink.c, join.c) --------------- */

/* A value in registers: the value and its null flag.  A VARCHAR value is the first 8
 * bytes of its 16-byte view (i64: the length in the low 32 bits, then the first 4
 * bytes) and where its bytes are: `str` when known (constants, computed strings: then
 * the view's other bytes do not matter), else the view's address in a morsel vector
 * (`at`, `vec`), from which cg_str_ptr finds them (the view's last 8 bytes, the buffer
 * index and offset, are read from `at` only there and by cg_str_view_hi).  No i128 in
 * registers: fast instruction selection gives up on i128 values. */
typedef struct cg_val {
    LLVMValueRef v;    /* in the register type of `type`; any value when null */
    LLVMValueRef null; /* i1: true = NULL */
    LLVMValueRef str;  /* VARCHAR: ptr to the bytes, or NULL (use at/vec) */
    LLVMValueRef at;   /* VARCHAR column value: ptr to its view in the morsel vector */
    LLVMValueRef vec;  /* VARCHAR column value: that rt_vector */
    LLVMValueRef v64;  /* DECIMAL/HUGEINT: the value as i64 when known to fit in 64 bits
                          (v is then its sign extension, left unused where v64 serves: fast
                          instruction selection skips it), else NULL */
    LLVMValueRef lo64; /* DECIMAL/HUGEINT at the cheap tier: the low and high 64-bit words */
    LLVMValueRef hi64; /* of a 128-bit value (v is built from them and left unused where they
                          serve; the tier's dce pass drops it), else NULL */
} cg_val;

/* Loop-invariant pointers of one morsel column. */
typedef struct cg_col {
    LLVMValueRef vec;        /* ptr to the morsel's rt_vector */
    LLVMValueRef values;     /* its values buffer */
    LLVMValueRef validity;   /* its bitmap, or @all_valid when absent (the cheap tier: the
                                bitmap or NULL; each row selects @all_valid's address
                                instead of its byte's: one select less per column) */
    LLVMValueRef has_bitmap; /* i1: the vector has a validity bitmap */
    bool no_nulls;           /* the scan's statistics saw no NULL (plan_op.u.scan.no_nulls):
                                read as never NULL; a morsel where it has a bitmap is
                                handed to the interpreter at entry (rt_jit_interpret) */
} cg_col;

/*
 * The generation state of one pipeline function.  The row loop's body is emitted
 * operator by operator; `skip` is the block a filtered-out row jumps to.
 */
typedef struct cg_fn {
    cg_module *m;
    const plan_pipeline *pipe;
    LLVMValueRef fn;         /* the pipeline function */
    LLVMValueRef ps;         /* rt_pipeline_state * */
    LLVMValueRef ts;         /* rt_thread_state * */
    LLVMValueRef morsel;     /* const rt_batch * */
    LLVMBasicBlockRef entry; /* allocas and loop-invariant loads */
    uint32_t n_cols;         /* columns of the morsel (source output) */
    cg_col *cols;            /* n_cols, malloc'd */
    cg_val *row_in;          /* the morsel row being processed: lazily loaded */
    bool *row_loaded;        /* n_cols flags for row_in */
    LLVMValueRef row;        /* i64 row index of the current morsel row */
    LLVMBasicBlockRef skip;  /* continue with the next row */
    void *sink;              /* sink-specific state (sink.c) */
    LLVMValueRef err_var;    /* alloca i1 or NULL: when set, cg_raise_if ORs its condition
                                into it instead of branching (block.c's predicate loops) */
    bool no_nulls;           /* morsel columns are read as never NULL (no bitmap loads) */
    LLVMValueRef decline_br; /* the entry block's branch to rt_jit_interpret, taken when a
                                column read as NULL-free has a bitmap (cg_decline_if), or
                                NULL when the pipeline reads none */
    uint32_t pre_op;         /* HASH_JOIN_PROBE ops[pre_op] takes its rows' hashes and chain
                                heads from the row loop's pre-pass (join.c); 0: none */
    LLVMValueRef pre_idx;    /* i64: the current row's slot in the pre-pass arrays */
    LLVMValueRef pre_hashes; /* alloca [CG_PRE_ROWS x i64]: key hashes of the chunk's rows */
    LLVMValueRef pre_heads;  /* alloca [CG_PRE_ROWS x i32]: their first chain rows or NO_ROW */
    LLVMValueRef pre_start;  /* alloca i64: loop index of the chunk's first row */
    LLVMValueRef pre_end;    /* alloca i64: loop index after the chunk's last row */
    bool pre_skip;           /* a row without a chain head goes straight to f->skip (the
                                probe emits nothing for it and nothing before it raises) */
    bool defer;              /* cg_raise_if gathers its checks into pend_* (cg_raise_flush) */
    LLVMValueRef pend_cond;  /* i1: a gathered check failed, or NULL: none gathered */
    LLVMValueRef pend_code;  /* i32: the first failed check's code and position */
    LLVMValueRef pend_pos;
    LLVMBasicBlockRef raise;  /* the function's one error-raising block (cg_raise_if), or NULL */
    LLVMValueRef raise_code;  /* its phi i32 of the error codes */
    LLVMValueRef raise_pos;   /* its phi i32 of the positions */
    LLVMValueRef *join_views; /* pipe->n_ops, or NULL: the %rt_jit_join alloca op k's one
                                 rt_jit_join_table call fills in the entry block (join.c) */
    LLVMBasicBlockRef fail;   /* the function's one `ret status` block (cg_return_if_error) */
    LLVMValueRef fail_status; /* its phi i32 of the statuses */
    LLVMValueRef *dist_last;  /* pipe->n_ops, or NULL: DISTINCT_ON op k's i64 alloca, the
                                 morsel row that last reached it (-1: none yet), or NULL */
    LLVMValueRef *dist_map;   /* pipe->n_ops: op k's constant map of keys to morsel columns */
} cg_fn;

/* Rows per chunk of the probe pre-pass (join.c). */
#define CG_PRE_ROWS 1024

/* Emits `ret status` if status != 0, else continues in a new block.  With f->err_var
 * set, only records the failure there (block.c's exact loop repeats the call).  All of
 * a function's failures branch to one block (a phi of the statuses): less IR. */
void cg_return_if_error(cg_fn *f, LLVMValueRef status);
/* Emits: if cond, call rt_jit_error_at(ts, code, position) and return its status.
 * With f->err_var set, only records cond there (branch-free; no error is raised).  All
 * of a function's raises branch to one block (phis of code and position). */
void cg_raise_if(cg_fn *f, LLVMValueRef cond, int32_t code, int32_t position);
/* Straight-line code may gather its raise checks (f->defer set: the code between
 * must not branch, call a helper that fails, or trap on a value a failed check
 * guards): cg_raise_if then ORs each condition into f->pend_cond and selects the
 * first failed check's code and position, and cg_raise_flush emits the one branch to
 * the raise block (nothing if none was gathered) and clears them. */
void cg_raise_flush(cg_fn *f);
/* Whether e never raises an error, whatever the row: columns, constants, comparisons,
 * AND/OR/NOT and IS [NOT] NULL over such arguments (not LIKE: a pattern may be
 * invalid).  With fixed_width, also no VARCHAR anywhere and no INTERVAL column or
 * constant: then e is cheap and calls nothing either (the cheap tier evaluates such a
 * right side of AND/OR always, without blocks). */
bool cg_expr_error_free(const plan_expr *e, bool fixed_width);
/* Whether the cheap tier may gather e's raise checks (f->defer, cg_raise_flush): e and
 * everything in it are columns, constants, operators and casts of fixed-width non-float
 * values (floats only as results), whose code is straight-line but for side blocks
 * without checks (rt_jit_mul_hi) and the wide product's (words_mul: its check is taken
 * out of the block when f->defer is set), calls no helper that fails, and guards every
 * divisor (no trap whatever a failed check left in a value): no CASE, function, VARCHAR,
 * INTERVAL or TIMESTAMP, and AND/OR only with a right side the cheap tier runs always
 * (cg_expr_error_free(.., true)). */
bool cg_expr_deferrable(const plan_expr *e);
/* RT_JIT_ERR_OVERFLOW_BIGINT for BIGINT results, else RT_JIT_ERR_OVERFLOW. */
int32_t cg_overflow_code(qe_type type);
/* a OR b, a AND b of two i1 (the cheap tier runs no instcombine): the other operand
 * when one is a constant that decides nothing, the constant when it decides. */
LLVMValueRef cg_or1(cg_module *m, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef cg_and1(cg_module *m, LLVMValueRef a, LLVMValueRef b);
/* Creates an entry-block alloca of type t. */
LLVMValueRef cg_alloca(cg_fn *f, LLVMTypeRef t, const char *name);
/* Loads value `row` (i64) of a column from a values buffer / validity bitmap. */
LLVMValueRef cg_load_value(cg_module *m, qe_type type, LLVMValueRef values, LLVMValueRef row);
LLVMValueRef cg_load_null(cg_module *m, LLVMValueRef validity, LLVMValueRef row);
/* Stores value `row` (i64) of a column (zero when null) and its validity bit; a
 * VARCHAR's whole view (its last 8 bytes: cg_str_view_hi). */
void cg_store_value(cg_module *m, qe_type type, LLVMValueRef values, LLVMValueRef row, cg_val v);
void cg_store_validity(cg_module *m, LLVMValueRef validity, LLVMValueRef row, LLVMValueRef is_null);
/* The bit mask (i8 1 << (row & 7)) of `row` (i64) in a bitmap, *idx its byte index row >> 3:
 * built at the builder's position, and shared by the bitmap accesses of that row in the
 * same block (cg_load_null, cg_store_validity and the morsel's columns build theirs once
 * per row, right after the row's definition). */
LLVMValueRef cg_row_bit(cg_module *m, LLVMValueRef row, LLVMValueRef *idx);
/* Value of morsel column col for the current row (loaded on first use). */
cg_val cg_morsel_column(cg_fn *f, uint32_t col);
/* The same; narrow: a 16-byte (DECIMAL) value known to fit in 64 bits is loaded as its
 * low 8 bytes, sign-extended (if this is the column's first load in the row). */
cg_val cg_morsel_column_narrow(cg_fn *f, uint32_t col, bool narrow);
/* i1: whether morsel column col is NULL at row (i64; no bitmap: never), built at the
 * builder's position and not cached (cg_morsel_column caches the current row's). */
LLVMValueRef cg_morsel_null_at(cg_fn *f, uint32_t col, LLVMValueRef row);
/* With the builder in the entry block before its terminator: the morsel also goes to the
 * interpreter when cond (i1) holds (f->decline_br must exist: pipeline_declines). */
void cg_decline_if(cg_fn *f, LLVMValueRef cond);
/* The low i64 word of 16-byte value `row` (i64) of a values buffer; *hi its high word
 * (two i64 loads: no i128 value, which fast instruction selection cannot select). */
LLVMValueRef cg_load_words(cg_module *m, LLVMValueRef values, LLVMValueRef row, LLVMValueRef *hi);

/* Generates a scalar expression over the input row `in` (n_in columns, types in_types;
 * in == NULL means the morsel's columns).  Supported expressions only (check.c). */
qe_status cg_expr(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                  rt_error *err);

/* Calls llvm.<name>.with.overflow (e.g. "llvm.sadd.with.overflow") on two integers of
 * one type; returns the result and sets *ovf to the overflow flag. */
LLVMValueRef cg_with_overflow(cg_module *m, const char *name, LLVMValueRef a, LLVMValueRef b,
                              LLVMValueRef *ovf);
/* A phi of type t at the builder's position: v0 from block b0, v1 from block b1. */
LLVMValueRef cg_phi2(cg_module *m, LLVMTypeRef t, const char *name, LLVMValueRef v0,
                     LLVMBasicBlockRef b0, LLVMValueRef v1, LLVMBasicBlockRef b1);
/* llvm.fabs of a float/double value. */
LLVMValueRef cg_fabs(cg_module *m, LLVMValueRef v);
/* llvm.prefetch(p, read, high locality, data cache); nothing at the cheap tier (fast
 * instruction selection does not select the intrinsic). */
void cg_prefetch(cg_module *m, LLVMValueRef p);

/* ---- SMALLINT, REAL, DATE, TIMESTAMP, HUGEINT, DECIMAL (expr_types.c) ---------------- */

/* True if an operator or cast with these argument types (a cast: from, to) is
 * generated by expr_types.c rather than expr.c. */
static inline bool cg_typed_op(qe_type a, qe_type b) {
    bool base_a = a == QE_TYPE_BOOLEAN || a == QE_TYPE_INTEGER || a == QE_TYPE_BIGINT ||
                  a == QE_TYPE_DOUBLE || a == QE_TYPE_VARCHAR;
    bool base_b = b == QE_TYPE_BOOLEAN || b == QE_TYPE_INTEGER || b == QE_TYPE_BIGINT ||
                  b == QE_TYPE_DOUBLE || b == QE_TYPE_VARCHAR;
    return !base_a || !base_b;
}
/* Whether op over (ta, tb) with that result type is supported (NEG: tb == ta). */
bool cg_typed_op_supported(plan_op_kind op, qe_type result, qe_type ta, qe_type tb);
/* Whether CAST(from AS to) is supported. */
bool cg_typed_cast_supported(qe_type from, qe_type to);
/* Converts constant e's value to e's type as the interpreter does; false if that
 * raises an error. */
bool cg_const_convert(const plan_expr *e, rt_value *out);
/* The register constant of a non-NULL value v of e's type. */
LLVMValueRef cg_typed_const(cg_module *m, const plan_expr *e, const rt_value *v);
/* Arithmetic (+ - * / %, unary minus: b unused) of operator e on non-base types,
 * raising e's errors for rows where null is false. */
LLVMValueRef cg_typed_arith(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                            LLVMValueRef null);
/* Comparison or + - * and unary minus e of DECIMAL/HUGEINT values a, b (b unused for
 * minus) in 64 bits, when both are held in 64 bits (v64) and that gives the result
 * exactly: comparisons, and DECIMAL results of precision <= 18 (64-bit overflow means
 * |r| >= 2^63 > 10^18: the bound error).  Sets out->v (and out->v64 for arithmetic;
 * out->null is the caller's) and returns true; false: nothing generated. */
bool cg_typed_op64(cg_fn *f, const plan_expr *e, const cg_val *a, const cg_val *b, cg_val *out);
/* Cheap tier: + - * and comparisons of DECIMAL/HUGEINT values a, b held in 64-bit
 * words (v64 or lo64/hi64), computed on two 64-bit words (fast instruction selection
 * takes no i128; a 128-bit multiply of operands that do not both fit in 64 bits runs
 * in a side block), with the errors of cg_typed_arith.  Sets out->v (and out->lo64,
 * out->hi64 for arithmetic; out->null is the caller's) and returns true; false:
 * nothing generated. */
bool cg_typed_op_words(cg_fn *f, const plan_expr *e, const cg_val *a, const cg_val *b, cg_val *out);
/* Cheap tier: CAST e of a (an integer, or a DECIMAL held in 64 bits, scaled up) to a
 * DECIMAL in 64 bits when the result fits (its precision <= 18, or the operand's
 * digits plus the scaling <= 18), with to_decimal's bound and error (22003 with the
 * cast's detail).  Sets *out (v64 and v) and returns true; false: nothing generated. */
bool cg_cast_decimal64(cg_fn *f, const plan_expr *e, const cg_val *a, cg_val *out);
/* The words of a DECIMAL/HUGEINT value held in 64-bit registers (v64, sign-extended,
 * or lo64/hi64) into *lo, *hi; false if it is held only as an i128. */
bool cg_val_words(cg_module *m, const cg_val *v, LLVMValueRef *lo, LLVMValueRef *hi);
/* A DECIMAL/HUGEINT value from its two words: lo64/hi64 and v built from them. */
cg_val cg_val_from_words(cg_module *m, LLVMValueRef lo, LLVMValueRef hi, LLVMValueRef null);
/* Comparison operator e of two values of a non-base type. */
LLVMValueRef cg_typed_compare(cg_module *m, const plan_expr *e, LLVMValueRef a, LLVMValueRef b);
/* CAST e of the value a, where from or to is a non-base type. */
LLVMValueRef cg_typed_cast(cg_fn *f, const plan_expr *e, cg_val a);

/* ---- INTERVAL (expr_interval.c) ------------------------------------------------------ */

/* Whether op over (ta, tb) giving result, with an INTERVAL operand or result (or a
 * TIMESTAMP - TIMESTAMP), is generated: comparisons and + - of intervals, unary minus,
 * TIMESTAMP +- INTERVAL, INTERVAL + TIMESTAMP, TIMESTAMP - TIMESTAMP, INTERVAL * / DOUBLE,
 * DOUBLE * INTERVAL. */
bool cg_interval_op_supported(plan_op_kind op, qe_type result, qe_type ta, qe_type tb);
/* Comparison e of two INTERVAL values (i128) as rt_interval_cmp orders them. */
LLVMValueRef cg_interval_compare(cg_module *m, const plan_expr *e, LLVMValueRef a, LLVMValueRef b);
/* a + b of two intervals (i128) field by field; *ovf: i1, some field overflowed. */
LLVMValueRef cg_interval_add(cg_module *m, LLVMValueRef a, LLVMValueRef b, LLVMValueRef *ovf);
/* i1: interval x orders before (is_min) or after v (rt_interval_cmp, strictly). */
LLVMValueRef cg_interval_better(cg_module *m, bool is_min, LLVMValueRef x, LLVMValueRef v);
/* Arithmetic e with an INTERVAL operand or result (cg_interval_op_supported), raising
 * the interpreter's errors (22003, 22008, 22012) for rows where null is false. */
LLVMValueRef cg_interval_arith(cg_fn *f, const plan_expr *e, LLVMValueRef a, LLVMValueRef b,
                               LLVMValueRef null);

/* The row loop over rows sel[0..n_active) (sel is an i32 array; has_sel false: rows
 * 0..n_active) running ops[first_op..n_ops-2] and the sink.  Leaves the builder after
 * the loop. */
qe_status cg_row_loop(cg_fn *f, LLVMValueRef sel, LLVMValueRef has_sel, LLVMValueRef n_active,
                      uint32_t first_op, rt_error *err);
/* The row of active index i (i64): sel[i] when has_sel (sel an i32 array), else i —
 * a small diamond at the builder's position, which it leaves at the join. */
LLVMValueRef cg_row_index(cg_fn *f, LLVMValueRef sel, LLVMValueRef has_sel, LLVMValueRef i);
/* A FILTER's predicate over the input row `in` (NULL: the morsel's columns): branches
 * to f->skip unless it is TRUE; a conjunction's terms are tested one after the other,
 * as the interpreter narrows its selection, so a later term never runs (nor raises) on
 * a row an earlier one rejected. */
qe_status cg_gen_filter(cg_fn *f, const plan_expr *pred, const cg_val *in, uint32_t n_in,
                        rt_error *err);

/* What block.c's loops evaluate per block: the predicates of the FILTERs right after
 * the source that are block-safe as a whole, then the conjuncts of the next FILTER it
 * can pre-filter with (that FILTER still runs whole in the row loop); n_preds 0: none
 * (the pipeline runs its plain row loop). */
typedef struct cg_block_plan {
    const plan_expr **preds; /* n_preds predicates (malloc'd; cg_block_plan_free) */
    uint32_t n_preds;        /* 0: no block loops */
    uint32_t n_whole;        /* preds[0..n_whole): the FILTERs before first_op; the rest
                              * pre-filter ops[first_op], which the row loop runs whole */
    uint32_t first_op;       /* the row loop's first operator */
} cg_block_plan;
/* Fills bp for f's pipeline (n_preds 0 below the optimized tier).  Errors: 53200. */
qe_status cg_block_plan_make(const cg_fn *f, cg_block_plan *bp, rt_error *err);
void cg_block_plan_free(cg_block_plan *bp);
/*
 * The blocked body (block.c): per block of up to RT_VECTOR_SIZE active rows, bp's
 * predicates over the block into a selection (branch-free and vectorizable when the
 * morsel has no sel and the columns read have no bitmaps), then cg_row_loop over it
 * from ops[bp->first_op].
 */
qe_status cg_block_body(cg_fn *f, LLVMValueRef sel, LLVMValueRef n_active, const cg_block_plan *bp,
                        rt_error *err);

/* VARCHAR expressions (expr_str.c): string constants, VARCHAR comparisons (CHAR(n)
 * ignoring trailing blanks), ||, and FUNC nodes (check.c's cg_func_supported). */
cg_val cg_str_const(cg_fn *f, const plan_expr *e);
qe_status cg_str_compare(cg_fn *f, const plan_expr *e, cg_val a, cg_val b, cg_val *out);
qe_status cg_str_concat(cg_fn *f, const plan_expr *e, cg_val a, cg_val b, cg_val *out);
qe_status cg_func(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                  rt_error *err);
/* An OR of at least 3 equalities of one expression x with non-NULL constants (the
 * binder's IN list): x evaluated once, compared with every constant, NULL iff x is.
 * *handled false (nothing generated) for any other OR. */
qe_status cg_in_list(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                     bool *handled, rt_error *err);
/* Byte length (i32, 0 for NULL) and bytes (ptr) of a VARCHAR value. */
LLVMValueRef cg_str_len(cg_fn *f, cg_val v);
LLVMValueRef cg_str_ptr(cg_fn *f, cg_val v);
/* The last 8 bytes of a VARCHAR value's view (i64: buffer index, offset; or the inline
 * bytes 8..11 and padding), read from v.at (0 when its bytes are known: v.str). */
LLVMValueRef cg_str_view_hi(cg_module *m, cg_val v);
/* The 16-byte view of string s of n bytes as two words (the constant side of a view
 * compare): *lo the length and the first 4 bytes, *hi bytes 4..11 (meaningful for n <=
 * 12); bytes past n are pad. */
void cg_str_view_words(const char *s, uint32_t n, char pad, uint64_t *lo, uint64_t *hi);
/* Whether codegen compiles FUNC node e (its arguments are checked separately): natively
 * (expr_str.c, cg_func_date_supported) or through the generic call; when not, reason
 * (cap bytes) says why. */
bool cg_func_supported(const plan_expr *e, char *reason, size_t cap);

/* COALESCE (expr.c): argument j evaluated only on rows where every earlier one is NULL;
 * arguments of e's type (any supported type, VARCHAR too). */
qe_status cg_coalesce(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                      rt_error *err);

/* Date fields and the generic function call (expr_func.c). */
/* True if e is extract/date_part with a constant unit valid for its DATE/TIMESTAMP
 * argument, or year(), month(), ... (compiled natively: rt_jit_date_part). */
bool cg_func_date_supported(const plan_expr *e);
qe_status cg_func_date(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in, cg_val *out,
                       rt_error *err);
/* True if FUNC node e can be called through rt_jit_func (the interpreter has a row
 * kernel for it: every function but COALESCE); else reason says why. */
bool cg_func_generic_supported(const plan_expr *e, char *reason, size_t cap);
/* Generates a call of the interpreter's kernel for e (one rt_jit_func call per row;
 * its error is returned as the pipeline's). */
qe_status cg_func_generic(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in,
                          cg_val *out, rt_error *err);
/* True if CAST e is generated natively (VARCHAR to VARCHAR keeping the typmod, base
 * types in expr.c, cg_typed_cast_supported pairs); every other cast of supported types
 * goes through rt_jit_func (cg_cast_generic: the interpreter's rt_value_cast_mod per
 * row, its 22P02/22001/22003/... errors). */
bool cg_cast_native(const plan_expr *e);
qe_status cg_cast_generic(cg_fn *f, const plan_expr *e, const cg_val *in, uint32_t n_in,
                          cg_val *out, rt_error *err);

/* A private constant global of m named name, holding init. */
LLVMValueRef cg_const_global(cg_module *m, LLVMValueRef init, const char *name);

/* A counted loop in f: i = 0, 1, ... while `i lt n` (lt: LLVMIntULT or LLVMIntSLT).
 * cg_loop_begin leaves the builder in the body with l->i the current index (the
 * counter, an alloca, already holds i + 1: a branch to l->head continues the loop);
 * cg_loop_end closes the body and leaves the builder after the loop. */
typedef struct cg_loop {
    LLVMValueRef var;       /* alloca i64: the next index */
    LLVMValueRef i;         /* i64: the body's index */
    LLVMBasicBlockRef head; /* the test (the continue target) */
    LLVMBasicBlockRef exit; /* after the loop */
} cg_loop;
void cg_loop_begin(cg_fn *f, cg_loop *l, LLVMValueRef n, LLVMIntPredicate lt, const char *name);
void cg_loop_end(cg_fn *f, cg_loop *l);

/* Generates ops[first..n_ops-2] of the pipeline and its sink for the current row, whose
 * values are in (n_in columns; NULL: the morsel's columns).  A filtered-out row jumps
 * to f->skip; on return the builder is where the row is done (the caller branches
 * to its continuation). */
qe_status cg_gen_ops_from(cg_fn *f, uint32_t first, const cg_val *in, uint32_t n_in, rt_error *err);
/* HASH_JOIN_PROBE ops[k] (join.c) on the row in (n_in columns of types in_types): walks
 * the chain and runs ops[k+1..] per emitted row (cg_gen_ops_from); the builder ends
 * where the probe of the row is done. */
qe_status cg_gen_probe(cg_fn *f, uint32_t k, const cg_val *in, const qe_type *in_types,
                       uint32_t n_in, rt_error *err);
/* Marks a loop's back edge (block.c): neither unrolled nor vectorized (compile time). */
void cg_loop_scalar(cg_module *m, LLVMValueRef back_edge);
/* Marks a loop's back edge (block.c): vectorized without interleaving, not unrolled. */
void cg_loop_vector(cg_module *m, LLVMValueRef back_edge);
/* The probe pre-pass (join.c): when ops[first_op..k-1] are PROJECTs and ops[k] is a
 * HASH_JOIN_PROBE whose keys are morsel columns, the row loop computes the keys' hashes
 * and chain heads a chunk of CG_PRE_ROWS rows at a time ahead of the probes (prefetching
 * the buckets, then the chains' first links), as the interpreter does per vector.
 * cg_prepass_probe returns that k, or 0; cg_prepass_begin (before the loop) prepares
 * f->pre_* (pre_skip: INNER/SEMI/RIGHT/filter_build after column-only PROJECTs);
 * cg_prepass_row (in the body, loop index i of n_active over sel/has_sel as
 * cg_row_loop's, exit the loop's exit block) fills the next chunk when i reaches it,
 * sets f->pre_idx and returns the loop index of the row to process: i, or with
 * pre_skip the first index from i on whose row has a chain (rows without one are
 * passed over in a tight loop, which branches to exit at n_active); the loop's latch
 * continues after the returned index. */
uint32_t cg_prepass_probe(const cg_fn *f, uint32_t first_op);
void cg_prepass_begin(cg_fn *f, uint32_t k);
LLVMValueRef cg_prepass_row(cg_fn *f, LLVMValueRef sel, LLVMValueRef has_sel, LLVMValueRef i,
                            LLVMValueRef n_active, LLVMBasicBlockRef exit);
/* The address of build column c's rt_vector of the probe ops[k] (join.c), loaded at
 * the builder's position from the function's one rt_jit_join_table view of ops[k]
 * (filled in the entry block). */
LLVMValueRef cg_join_build_vector(cg_fn *f, uint32_t k, uint32_t c);
/* rt_hash_mix8 (runtime/rt.h) of the 8 bytes x (i64) onto h (join.c):
 * rt_hash_vectors' step for an 8-byte key value. */
LLVMValueRef cg_hash_mix8(cg_module *m, LLVMValueRef x, LLVMValueRef h);
/* XXH64 of n 8-byte lanes (an input of 8 * n < 32 bytes) with seed h: hash.c's hash
 * of a 16-byte key value (join.c). */
LLVMValueRef cg_xxh64_lanes(cg_module *m, const LLVMValueRef *lanes, unsigned n, LLVMValueRef h);
/* LIMIT ops[k] (join.c): the row continues only if rt_jit_limit_row keeps it. */
void cg_gen_limit(cg_fn *f, uint32_t k);
/* DISTINCT_ON ops[k] (its keys are morsel columns, cg_source_column): the row continues
 * only if its keys differ from those of the last row that reached the op (this
 * morsel's, in an alloca, or the previous morsel's, in the interpreter's state:
 * rt_jit_distinct_on_row). */
qe_status cg_gen_distinct_on(cg_fn *f, uint32_t k, rt_error *err);
/* After the row loop: hands the last row each DISTINCT_ON saw to the thread's state
 * (rt_jit_distinct_on_keep) for the next morsel. */
void cg_distinct_on_finish(cg_fn *f);
/* The morsel column whose values column col of the input of ops[k] holds unchanged
 * (through PROJECT column references, FILTERs, LIMITs and probe columns), or -1. */
int64_t cg_source_column(const plan_pipeline *p, uint32_t k, uint32_t col);
/* Calls visit(column node, ctx) on every COLUMN node of e (through operators, casts,
 * function arguments and CASE arms): which columns an expression reads. */
void cg_expr_columns(const plan_expr *e, void (*visit)(const plan_expr *column, void *ctx),
                     void *ctx);
/* The build column types of HASH_JOIN_PROBE op (check.c): the probe's output types for
 * pair-emitting joins and filter_build, else those the residual's column references
 * give (BIGINT for build columns nothing reads).  out has n_build_cols entries. */
void cg_probe_build_types(const plan_op *op, uint32_t n_in, const qe_type *in_types, qe_type *out);

/* Builds the pipeline function `name` for p (supported per cg_check_pipeline) in m. */
qe_status cg_build_pipeline(cg_module *m, const plan_pipeline *p, const char *name, rt_error *err);

/* Sink generation: begin in the entry block, consume a row (n_in columns), finish
 * after the loop (then return QE_OK; a last partial block's flush returns its own
 * status, the block that follows is the one without).  A pass-through sink (cg_sink_pass: its
 * columns are morsel columns unchanged; a push sink, or an AGG_SINK with a VARCHAR group key) takes
 * the row index f->row, not the values: `in` may then be NULL. */
qe_status cg_sink_begin(cg_fn *f, rt_error *err);
bool cg_sink_pass(const cg_fn *f);
/* Whether the AGG_SINK `sink` (input column types in_types) has a VARCHAR group key:
 * its rows then go to the interpreter's aggregation as they are (sink.c agg_pass). */
bool cg_agg_by_string(const plan_op *sink, const qe_type *in_types);
/* Whether compiled code updates the AGG_SINK `sink`'s states itself (its group keys and
 * aggregates are ones codegen supports; the sink was checked by cg_check_pipeline).  If
 * not, the sink is a push sink: its input rows go to the interpreter's aggregation
 * through rt_jit_push (DISTINCT aggregates, MIN/MAX of strings, bool_and, ...). */
bool cg_agg_fused(const plan_op *sink, const qe_type *in_types, uint32_t n_in);
qe_status cg_sink_consume(cg_fn *f, const cg_val *in, uint32_t n_in, rt_error *err);
qe_status cg_sink_finish(cg_fn *f, rt_error *err);
void cg_sink_free(cg_fn *f);

/* ---- modules (module.c) ------------------------------------------------------------- */

/* Phases of a stage compile, timed in thread CPU ns summed over the compiling threads
 * (QE_CG_TIMING, jit.c): module creation, IR generation, bitcode parse + link,
 * verification, IR passes, instruction selection + register allocation + object
 * emission, and JITLink's linking of the objects (add + lookup). */
#define CG_PHASE_LIST(X)                                                                           \
    X(INIT, "init")                                                                                \
    X(BUILD, "build")                                                                              \
    X(LINK, "link")                                                                                \
    X(VERIFY, "verify")                                                                            \
    X(PASSES, "passes")                                                                            \
    X(CODEGEN, "codegen")                                                                          \
    X(JITLINK, "jitlink")

typedef enum cg_phase {
#define CG_X_PHASE(name, text) CG_PHASE_##name,
    CG_PHASE_LIST(CG_X_PHASE)
#undef CG_X_PHASE
        CG_PHASE_COUNT
} cg_phase;

/* Thread CPU time in ns (CLOCK_THREAD_CPUTIME_ID), for the phase times. */
uint64_t cg_cpu_ns(void);

/* The outcome of building the module of one stage. */
typedef struct cg_stage_build {
    uint32_t n_pipelines;
    char **fn_names; /* per pipeline: the function's name (malloc'd) or NULL */
    char **reasons;  /* per pipeline: why it falls back (malloc'd) or NULL */
    uint32_t n_compiled;
    uint64_t phase_ns[CG_PHASE_COUNT]; /* thread CPU ns per phase (cg_phase) */
} cg_stage_build;

/* The IR pass pipeline (LLVMRunPasses syntax) of a tier, NULL for an invalid tier. */
const char *cg_tier_passes(cg_tier tier);

/* Generates, verifies and optimizes (with tm, the IR passes of `tier`) the functions
 * of stage `stage_id` into m; names are "<prefix>_s<stage>_p<pipeline>".  Fills *out
 * (release with cg_stage_build_free). */
qe_status cg_build_stage(cg_module *m, LLVMTargetMachineRef tm, cg_tier tier, const plan_query *q,
                         uint32_t stage_id, const char *prefix, cg_stage_build *out, rt_error *err);
void cg_stage_build_free(cg_stage_build *sb);

/* Fills *out for stage stage_id of q as cg_build_stage would (names of the supported
 * pipelines, reasons of the others; n_compiled counts the supported ones) without
 * generating anything; XX000 for a malformed plan. */
qe_status cg_plan_stage(const plan_query *q, uint32_t stage_id, const char *prefix,
                        cg_stage_build *out, rt_error *err);

/* Generates the function `name` of pipeline p (supported per cg_check_pipeline) alone
 * into m, links the bitcode helpers (optimized tier) and verifies; adds the thread CPU
 * time of each phase to phase_ns (CG_PHASE_COUNT entries).  Touches nothing but m, so
 * pipelines build concurrently in their own contexts (jit.c). */
qe_status cg_build_one(cg_module *m, cg_tier tier, const plan_pipeline *p, const char *name,
                       uint64_t *phase_ns, rt_error *err);
/* Runs the tier's IR passes with tm on m (built by cg_build_one); adds their thread CPU
 * time to phase_ns[CG_PHASE_PASSES].  Errors: XX000. */
qe_status cg_optimize_one(cg_module *m, LLVMTargetMachineRef tm, cg_tier tier, uint64_t *phase_ns,
                          rt_error *err);
/* The number of instructions in m's function bodies (what codegen's time grows with:
 * jit.c hands the biggest modules to the compile threads first). */
uint64_t cg_module_size(const cg_module *m);

/* Emits m as a relocatable object file with tm into *out (an LLVM memory buffer the
 * caller owns); XX000 if LLVM fails. */
qe_status cg_emit_object_buffer(cg_module *m, LLVMTargetMachineRef tm, LLVMMemoryBufferRef *out,
                                rt_error *err);

#endif /* QE_CG_INT_H */
