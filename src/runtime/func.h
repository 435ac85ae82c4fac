/*
 * func.h -- the interpreter's scalar functions (FUNC and CASE expressions); private to
 * src/runtime.
 *
 * A FUNC node runs a kernel per selected row: the driver (func.c) evaluates the
 * arguments as vectors, reads each row's arguments as rt_values and calls the kernel,
 * which writes one rt_value.  Kernels live in one file per family (func_string.c,
 * func_like.c, func_math.c, func_date.c, func_cond.c) and are found through a table
 * indexed by PLAN_FUNC_* id built from the per-family X-macro lists below.  COALESCE
 * and CASE are evaluated lazily by the driver itself: each argument/branch runs only
 * on the rows that reach it, so `CASE WHEN b <> 0 THEN a / b END` never divides by
 * zero.  Semantics and errors are PostgreSQL's (see README.md).
 */
#ifndef QE_FUNC_H
#define QE_FUNC_H

#include "rt_int.h"
#include "str_inline.h"

/* The prepared state of one FUNC/CASE node (owned by the node's state arena). */
typedef struct rt_func_state rt_func_state;

/* What a kernel sees of its call: shared by the rows of one node. */
typedef struct rt_fcall {
    const plan_expr *e; /* the FUNC node: type, typmod, position, argument nodes */
    rt_arena *arena;    /* the node's state arena (caches, scratch) */
    rt_error *err;      /* errors of the current evaluation */
    char *buf;          /* scratch for string results, buf_cap bytes (state arena) */
    uint32_t buf_cap;   /* bytes at buf */
    void *cache;        /* kernel-owned per-node cache (compiled pattern, regex) */
    uint64_t rng;       /* random(): xorshift state, 0 until first use */
    bool char_cmp;      /* comparisons ignore trailing blanks (CHAR(n) arguments) */
    uint64_t char_args; /* bit i: argument i is CHAR(n) whose padding the function drops */
    rt_arena *morsel;   /* vector forms: the current evaluation's (morsel) arena */
} rt_fcall;

/* A kernel: computes *out (out->type preset to the result type, is_null false) from
 * n_args arguments.  Strict kernels never see a NULL argument.  String results may
 * point into arguments or the call's scratch (the driver copies them). */
typedef qe_status (*rt_func_kernel)(rt_fcall *c, const rt_value *args, uint32_t n_args,
                                    rt_value *out);

/* An optional vector form of a strict kernel: runs over the argument vectors' selected
 * rows at once (res->validity starts all 0: it sets the bits of non-NULL results).
 * *handled false (nothing written): the driver runs the row kernel instead. */
typedef qe_status (*rt_func_vkernel)(rt_fcall *c, const rt_vector *const *args, uint32_t n_args,
                                     const uint32_t *sel, uint32_t n, rt_vector *res,
                                     bool *handled);

#define RT_FN_STRICT 1u /* a NULL argument gives NULL without calling the kernel */
#define RT_FN_LAZY 2u   /* evaluated by the driver itself (COALESCE) */

/* X(id, kernel, flags) per family; id is the PLAN_FUNC_ID_ suffix. */
#define RT_FUNC_STRING_LIST(X)                                                                     \
    X(BTRIM, rt_fn_btrim, RT_FN_STRICT)                                                            \
    X(CHAR_LENGTH, rt_fn_length, RT_FN_STRICT)                                                     \
    X(CHARACTER_LENGTH, rt_fn_length, RT_FN_STRICT)                                                \
    X(CHR, rt_fn_chr, RT_FN_STRICT)                                                                \
    X(CONCAT, rt_fn_concat, 0)                                                                     \
    X(CONCAT_WS, rt_fn_concat_ws, 0)                                                               \
    X(CONTAINS, rt_fn_contains, RT_FN_STRICT)                                                      \
    X(INITCAP, rt_fn_initcap, RT_FN_STRICT)                                                        \
    X(LEFT, rt_fn_left, RT_FN_STRICT)                                                              \
    X(LENGTH, rt_fn_length, RT_FN_STRICT)                                                          \
    X(LOWER, rt_fn_lower, RT_FN_STRICT)                                                            \
    X(LPAD, rt_fn_lpad, RT_FN_STRICT)                                                              \
    X(LTRIM, rt_fn_ltrim, RT_FN_STRICT)                                                            \
    X(MD5, rt_fn_md5, RT_FN_STRICT)                                                                \
    X(OCTET_LENGTH, rt_fn_octet_length, RT_FN_STRICT)                                              \
    X(OVERLAY, rt_fn_overlay, RT_FN_STRICT)                                                        \
    X(POSITION, rt_fn_position, RT_FN_STRICT)                                                      \
    X(REPEAT, rt_fn_repeat, RT_FN_STRICT)                                                          \
    X(REPLACE, rt_fn_replace, RT_FN_STRICT)                                                        \
    X(REVERSE, rt_fn_reverse, RT_FN_STRICT)                                                        \
    X(RIGHT, rt_fn_right, RT_FN_STRICT)                                                            \
    X(RPAD, rt_fn_rpad, RT_FN_STRICT)                                                              \
    X(RTRIM, rt_fn_rtrim, RT_FN_STRICT)                                                            \
    X(SPLIT_PART, rt_fn_split_part, RT_FN_STRICT)                                                  \
    X(STARTS_WITH, rt_fn_starts_with, RT_FN_STRICT)                                                \
    X(STRPOS, rt_fn_strpos, RT_FN_STRICT)                                                          \
    X(SUBSTR, rt_fn_substring, RT_FN_STRICT)                                                       \
    X(SUBSTRING, rt_fn_substring, RT_FN_STRICT)                                                    \
    X(UPPER, rt_fn_upper, RT_FN_STRICT)

#define RT_FUNC_LIKE_LIST(X)                                                                       \
    X(ILIKE, rt_fn_ilike, RT_FN_STRICT)                                                            \
    X(LIKE, rt_fn_like, RT_FN_STRICT)                                                              \
    X(REGEXP_MATCHES, rt_fn_regexp_matches, RT_FN_STRICT)                                          \
    X(REGEXP_REPLACE, rt_fn_regexp_replace, RT_FN_STRICT)

#define RT_FUNC_MATH_LIST(X)                                                                       \
    X(ABS, rt_fn_abs, RT_FN_STRICT)                                                                \
    X(CEIL, rt_fn_ceil, RT_FN_STRICT)                                                              \
    X(CEILING, rt_fn_ceil, RT_FN_STRICT)                                                           \
    X(EXP, rt_fn_exp, RT_FN_STRICT)                                                                \
    X(FLOOR, rt_fn_floor, RT_FN_STRICT)                                                            \
    X(LN, rt_fn_ln, RT_FN_STRICT)                                                                  \
    X(LOG, rt_fn_log, RT_FN_STRICT)                                                                \
    X(LOG10, rt_fn_log10, RT_FN_STRICT)                                                            \
    X(LOG2, rt_fn_log2, RT_FN_STRICT)                                                              \
    X(MOD, rt_fn_mod, RT_FN_STRICT)                                                                \
    X(PI, rt_fn_pi, RT_FN_STRICT)                                                                  \
    X(POW, rt_fn_power, RT_FN_STRICT)                                                              \
    X(POWER, rt_fn_power, RT_FN_STRICT)                                                            \
    X(RANDOM, rt_fn_random, RT_FN_STRICT)                                                          \
    X(ROUND, rt_fn_round, RT_FN_STRICT)                                                            \
    X(SIGN, rt_fn_sign, RT_FN_STRICT)                                                              \
    X(SQRT, rt_fn_sqrt, RT_FN_STRICT)                                                              \
    X(TRUNC, rt_fn_trunc, RT_FN_STRICT)

#define RT_FUNC_DATE_LIST(X)                                                                       \
    X(CURRENT_DATE, rt_fn_current_date, RT_FN_STRICT)                                              \
    X(CURRENT_TIMESTAMP, rt_fn_now, RT_FN_STRICT)                                                  \
    X(DATE_DIFF, rt_fn_date_diff, RT_FN_STRICT)                                                    \
    X(DATE_PART, rt_fn_date_part, RT_FN_STRICT)                                                    \
    X(DATE_TRUNC, rt_fn_date_trunc, RT_FN_STRICT)                                                  \
    X(DAY, rt_fn_day, RT_FN_STRICT)                                                                \
    X(DAYOFWEEK, rt_fn_dayofweek, RT_FN_STRICT)                                                    \
    X(DAYOFYEAR, rt_fn_dayofyear, RT_FN_STRICT)                                                    \
    X(EXTRACT, rt_fn_date_part, RT_FN_STRICT)                                                      \
    X(HOUR, rt_fn_hour, RT_FN_STRICT)                                                              \
    X(MINUTE, rt_fn_minute, RT_FN_STRICT)                                                          \
    X(MONTH, rt_fn_month, RT_FN_STRICT)                                                            \
    X(NOW, rt_fn_now, RT_FN_STRICT)                                                                \
    X(QUARTER, rt_fn_quarter, RT_FN_STRICT)                                                        \
    X(SECOND, rt_fn_second, RT_FN_STRICT)                                                          \
    X(WEEK, rt_fn_week, RT_FN_STRICT)                                                              \
    X(YEAR, rt_fn_year, RT_FN_STRICT)

#define RT_FUNC_COND_LIST(X)                                                                       \
    X(COALESCE, NULL, RT_FN_LAZY)                                                                  \
    X(GREATEST, rt_fn_greatest, 0)                                                                 \
    X(IS_DISTINCT_FROM, rt_fn_is_distinct_from, 0)                                                 \
    X(IS_NOT_DISTINCT_FROM, rt_fn_is_not_distinct_from, 0)                                         \
    X(LEAST, rt_fn_least, 0)                                                                       \
    X(NULLIF, rt_fn_nullif, 0)

/* X(id, vkernel): the vector forms (LIKE with a constant pattern, substring with
 * constant bounds). */
#define RT_FUNC_VECTOR_LIST(X)                                                                     \
    X(ILIKE, rt_vfn_ilike)                                                                         \
    X(LIKE, rt_vfn_like)                                                                           \
    X(SUBSTR, rt_vfn_substring)                                                                    \
    X(SUBSTRING, rt_vfn_substring)

#define RT_FUNC_ALL_LISTS(X)                                                                       \
    RT_FUNC_STRING_LIST(X)                                                                         \
    RT_FUNC_LIKE_LIST(X) RT_FUNC_MATH_LIST(X) RT_FUNC_DATE_LIST(X) RT_FUNC_COND_LIST(X)

/* Declarations of every kernel (a kernel may serve several ids: duplicates are fine). */
#define RT_FN_DECLARE(id, kernel, flags)                                                           \
    qe_status kernel(rt_fcall *c, const rt_value *args, uint32_t n_args, rt_value *out);
RT_FUNC_STRING_LIST(RT_FN_DECLARE)
RT_FUNC_LIKE_LIST(RT_FN_DECLARE)
RT_FUNC_MATH_LIST(RT_FN_DECLARE)
RT_FUNC_DATE_LIST(RT_FN_DECLARE)
qe_status rt_fn_greatest(rt_fcall *c, const rt_value *args, uint32_t n_args, rt_value *out);
qe_status rt_fn_least(rt_fcall *c, const rt_value *args, uint32_t n_args, rt_value *out);
qe_status rt_fn_nullif(rt_fcall *c, const rt_value *args, uint32_t n_args, rt_value *out);
qe_status rt_fn_is_distinct_from(rt_fcall *c, const rt_value *args, uint32_t n_args, rt_value *out);
qe_status rt_fn_is_not_distinct_from(rt_fcall *c, const rt_value *args, uint32_t n_args,
                                     rt_value *out);
#undef RT_FN_DECLARE
#define RT_VFN_DECLARE(id, vkernel)                                                                \
    qe_status vkernel(rt_fcall *c, const rt_vector *const *args, uint32_t n_args,                  \
                      const uint32_t *sel, uint32_t n, rt_vector *res, bool *handled);
RT_FUNC_VECTOR_LIST(RT_VFN_DECLARE)
#undef RT_VFN_DECLARE

/* ---- helpers shared by the families (func.c) ------------------------------------------ */

/* Scratch of at least n bytes for a string result (grows in the call's arena); NULL
 * with a 53200/54000 error set.  Growing keeps the old contents (at the new address). */
char *rt_fcall_buf(rt_fcall *c, size_t n);
/* rt_utf8_len: str_inline.h (shared with compiled code). */
/* Number of characters of s[0..n) (bytes that are not UTF-8 continuation bytes). */
uint32_t rt_utf8_count(const char *s, uint32_t n);
/* Three-way comparison of two non-NULL values of one type (strings bytewise). */
int rt_value_compare(const rt_value *a, const rt_value *b);
/* The same for a kernel's arguments: CHAR(n) strings compare without trailing blanks. */
int rt_fcall_compare(const rt_fcall *c, const rt_value *a, const rt_value *b);

/* The row kernel and RT_FN_* flags of function fn; false if it has none (not
 * implemented, or LAZY: COALESCE).  For compiled code's generic calls (jit_func.c). */
bool rt_func_kernel_of(uint32_t fn, rt_func_kernel *kernel, uint32_t *flags);
/* Bit i set: argument i of FUNC node e is CHAR(n) and the function drops its trailing
 * blanks (string functions; not pattern matching nor the polymorphic comparisons). */
uint64_t rt_func_char_args(const plan_expr *e);

/* ---- the node interface (expr.c) ------------------------------------------------------- */

/* Child expressions of a FUNC (its arguments) or CASE (when0, then0, when1, then1, ...,
 * else) node, in the order rt_func_prepare expects them. */
uint32_t rt_func_n_children(const plan_expr *e);
const plan_expr *rt_func_child(const plan_expr *e, uint32_t i);
/* Prepares a FUNC/CASE node whose children are prepared (kids, borrowed for the
 * node's lifetime).  0A000 for functions or argument types the runtime lacks. */
qe_status rt_func_prepare(rt_arena *arena, const plan_expr *e, rt_expr *const *kids,
                          rt_func_state **out, rt_error *err);
/* Evaluates the node over in's rows sel[0..n) into res (values buffer of in->n_rows
 * rows; res->validity: a bitmap of in->n_rows bits the call fills; string heap empty). */
qe_status rt_func_eval(rt_func_state *fs, rt_eval_ctx *ctx, const rt_batch *in, const uint32_t *sel,
                       uint32_t n, rt_vector *res);

#endif /* QE_FUNC_H */
