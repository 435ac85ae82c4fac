/*
 * prim.c -- the interpreter's precompiled primitives (X100/DuckDB style).
 *
 * One small loop per (operator, type): arithmetic, division, comparison, negation.
 * A primitive computes every selected row without looking at validity (the caller
 * combines validity bitmaps separately) and never traps: checked arithmetic and
 * zero divisors only raise a "suspect" flag.  On a suspect flag the caller re-checks
 * the selected valid rows with the matching per-row checker, so a NULL row never
 * raises an error and the hot loop stays branch-light.
 */
#include "rt_int.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define PRIM2_ARGS                                                                                 \
    const rt_vector *va, const rt_vector *vb, rt_vector *vr, const uint32_t *sel, uint32_t n
#define CHECK2_ARGS const rt_vector *va, const rt_vector *vb, uint32_t i

/* ---- integer arithmetic (checked) ------------------------------------------------------ */

#define DEF_CHECKED(NAME, T, BUILTIN)                                                              \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        const T *a = va->values, *b = vb->values;                                                  \
        T *r = vr->values;                                                                         \
        bool bad = false;                                                                          \
        FOR_ROWS(bad |= BUILTIN(a[i], b[i], &r[i]));                                               \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_check(CHECK2_ARGS) {                                                         \
        T t;                                                                                       \
        return BUILTIN(((const T *)va->values)[i], ((const T *)vb->values)[i], &t)                 \
                   ? RT_JIT_ERR_OVERFLOW                                                           \
                   : 0;                                                                            \
    }

#define DEF_INT_DIV(NAME, T, MIN)                                                                  \
    static bool NAME##_div(PRIM2_ARGS) {                                                           \
        const T *a = va->values, *b = vb->values;                                                  \
        T *r = vr->values;                                                                         \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            T d = b[i];                                                                            \
            if (d == 0 || (d == -1 && a[i] == MIN)) {                                              \
                bad = true;                                                                        \
                r[i] = 0;                                                                          \
            } else {                                                                               \
                r[i] = (T)(a[i] / d);                                                              \
            }                                                                                      \
        });                                                                                        \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_div_check(CHECK2_ARGS) {                                                     \
        T x = ((const T *)va->values)[i], d = ((const T *)vb->values)[i];                          \
        return d == 0 ? RT_JIT_ERR_DIV_ZERO : (d == -1 && x == MIN) ? RT_JIT_ERR_OVERFLOW : 0;     \
    }                                                                                              \
    static bool NAME##_mod(PRIM2_ARGS) {                                                           \
        const T *a = va->values, *b = vb->values;                                                  \
        T *r = vr->values;                                                                         \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            T d = b[i];                                                                            \
            if (d == 0) {                                                                          \
                bad = true;                                                                        \
                r[i] = 0;                                                                          \
            } else {                                                                               \
                r[i] = d == -1 ? 0 : (T)(a[i] % d);                                                \
            }                                                                                      \
        });                                                                                        \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_mod_check(CHECK2_ARGS) {                                                     \
        return ((const T *)vb->values)[i] == 0 ? RT_JIT_ERR_DIV_ZERO : 0;                          \
    }

DEF_CHECKED(i16_add, int16_t, __builtin_add_overflow)
DEF_CHECKED(i16_sub, int16_t, __builtin_sub_overflow)
DEF_CHECKED(i16_mul, int16_t, __builtin_mul_overflow)
DEF_CHECKED(i32_add, int32_t, __builtin_add_overflow)
DEF_CHECKED(i32_sub, int32_t, __builtin_sub_overflow)
DEF_CHECKED(i32_mul, int32_t, __builtin_mul_overflow)
DEF_CHECKED(i64_add, int64_t, __builtin_add_overflow)
DEF_CHECKED(i64_sub, int64_t, __builtin_sub_overflow)
DEF_CHECKED(i64_mul, int64_t, __builtin_mul_overflow)
DEF_INT_DIV(i16, int16_t, INT16_MIN)
DEF_INT_DIV(i32, int32_t, INT32_MIN)
DEF_INT_DIV(i64, int64_t, INT64_MIN)

/* ---- floating-point arithmetic --------------------------------------------------------- */

/* IEEE arithmetic, except that a finite pair giving an infinity is an overflow (22003,
 * as PostgreSQL's float8 operators) and division by zero raises (22012). */
#define FLOAT_OVERFLOWED(T, r, x, y) (isinf(r) && !isinf(x) && !isinf(y))

#define DEF_FLOAT(NAME, T, EXPR)                                                                   \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        const T *a = va->values, *b = vb->values;                                                  \
        T *r = vr->values;                                                                         \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            r[i] = (EXPR);                                                                         \
            bad |= FLOAT_OVERFLOWED(T, r[i], a[i], b[i]);                                          \
        });                                                                                        \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_check(CHECK2_ARGS) {                                                         \
        const T *a = va->values, *b = vb->values;                                                  \
        T r = (EXPR);                                                                              \
        return FLOAT_OVERFLOWED(T, r, a[i], b[i]) ? RT_JIT_ERR_OVERFLOW : 0;                       \
    }

#define DEF_FLOAT_DIV(NAME, T, EXPR)                                                               \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        const T *a = va->values, *b = vb->values;                                                  \
        T *r = vr->values;                                                                         \
        bool bad = false;                                                                          \
        FOR_ROWS({                                                                                 \
            if (b[i] == 0) {                                                                       \
                bad = true;                                                                        \
                r[i] = 0;                                                                          \
            } else {                                                                               \
                r[i] = (EXPR);                                                                     \
                bad |= FLOAT_OVERFLOWED(T, r[i], a[i], b[i]);                                      \
            }                                                                                      \
        });                                                                                        \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_check(CHECK2_ARGS) {                                                         \
        const T *a = va->values, *b = vb->values;                                                  \
        if (b[i] == 0)                                                                             \
            return RT_JIT_ERR_DIV_ZERO;                                                            \
        T r = (EXPR);                                                                              \
        return FLOAT_OVERFLOWED(T, r, a[i], b[i]) ? RT_JIT_ERR_OVERFLOW : 0;                       \
    }

DEF_FLOAT(f64_add, double, a[i] + b[i])
DEF_FLOAT(f64_sub, double, a[i] - b[i])
DEF_FLOAT(f64_mul, double, a[i] * b[i])
DEF_FLOAT_DIV(f64_div, double, a[i] / b[i])
DEF_FLOAT_DIV(f64_mod, double, fmod(a[i], b[i]))
DEF_FLOAT(f32_add, float, a[i] + b[i])
DEF_FLOAT(f32_sub, float, a[i] - b[i])
DEF_FLOAT(f32_mul, float, a[i] * b[i])
DEF_FLOAT_DIV(f32_div, float, a[i] / b[i])
DEF_FLOAT_DIV(f32_mod, float, fmodf(a[i], b[i]))

/* ---- comparisons ----------------------------------------------------------------------- */

#define DEF_CMP(NAME, T, OP)                                                                       \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        const T *a = va->values, *b = vb->values;                                                  \
        uint8_t *r = vr->values;                                                                   \
        FOR_ROWS(r[i] = a[i] OP b[i]);                                                             \
        return false;                                                                              \
    }

#define DEF_CMP_ALL(PFX, T)                                                                        \
    DEF_CMP(PFX##_eq, T, ==)                                                                       \
    DEF_CMP(PFX##_ne, T, !=)                                                                       \
    DEF_CMP(PFX##_lt, T, <)                                                                        \
    DEF_CMP(PFX##_le, T, <=)                                                                       \
    DEF_CMP(PFX##_gt, T, >)                                                                        \
    DEF_CMP(PFX##_ge, T, >=)

DEF_CMP_ALL(u8, uint8_t)
DEF_CMP_ALL(i16, int16_t)
DEF_CMP_ALL(i32, int32_t)
DEF_CMP_ALL(i64, int64_t)
DEF_CMP_ALL(f32, float)
DEF_CMP_ALL(f64, double)

int rt_string_compare(const rt_vector *va, const rt_string *a, const rt_vector *vb,
                      const rt_string *b) {
    uint32_t la = a->len, lb = b->len, min = la < lb ? la : lb;
    int c = memcmp(a->u.inlined, b->u.inlined, min < 4 ? min : 4);
    if (c == 0 && min > 4)
        c = memcmp(rt_string_ptr(va, a), rt_string_ptr(vb, b), min);
    if (c != 0)
        return c;
    return (la > lb) - (la < lb);
}

bool rt_string_equal(const rt_vector *va, const rt_string *a, const rt_vector *vb,
                     const rt_string *b) {
    /* len and the 4-byte prefix are the first 8 bytes of a view */
    if (memcmp(a, b, 8) != 0)
        return false;
    if (a->len <= 12)
        return memcmp(a->u.inlined, b->u.inlined, a->len) == 0;
    return memcmp(rt_string_ptr(va, a), rt_string_ptr(vb, b), a->len) == 0;
}

#define DEF_STR_CMP(NAME, EXPR)                                                                    \
    static bool NAME(PRIM2_ARGS) {                                                                 \
        const rt_string *a = va->values, *b = vb->values;                                          \
        uint8_t *r = vr->values;                                                                   \
        FOR_ROWS(r[i] = (EXPR));                                                                   \
        return false;                                                                              \
    }

DEF_STR_CMP(str_eq, rt_string_equal(va, &a[i], vb, &b[i]))
DEF_STR_CMP(str_ne, !rt_string_equal(va, &a[i], vb, &b[i]))
DEF_STR_CMP(str_lt, rt_string_compare(va, &a[i], vb, &b[i]) < 0)
DEF_STR_CMP(str_le, rt_string_compare(va, &a[i], vb, &b[i]) <= 0)
DEF_STR_CMP(str_gt, rt_string_compare(va, &a[i], vb, &b[i]) > 0)
DEF_STR_CMP(str_ge, rt_string_compare(va, &a[i], vb, &b[i]) >= 0)

/* ---- unary ----------------------------------------------------------------------------- */

#define PRIM1_ARGS const rt_vector *va, rt_vector *vr, const uint32_t *sel, uint32_t n
#define CHECK1_ARGS const rt_vector *va, uint32_t i

#define DEF_INT_NEG(NAME, T)                                                                       \
    static bool NAME(PRIM1_ARGS) {                                                                 \
        const T *a = va->values;                                                                   \
        T *r = vr->values;                                                                         \
        bool bad = false;                                                                          \
        FOR_ROWS(bad |= __builtin_sub_overflow((T)0, a[i], &r[i]));                                \
        return bad;                                                                                \
    }                                                                                              \
    static int NAME##_check(CHECK1_ARGS) {                                                         \
        T t;                                                                                       \
        return __builtin_sub_overflow((T)0, ((const T *)va->values)[i], &t) ? RT_JIT_ERR_OVERFLOW  \
                                                                            : 0;                   \
    }

DEF_INT_NEG(i16_neg, int16_t)
DEF_INT_NEG(i32_neg, int32_t)
DEF_INT_NEG(i64_neg, int64_t)

static bool f64_neg(PRIM1_ARGS) {
    const double *a = va->values;
    double *r = vr->values;
    FOR_ROWS(r[i] = -a[i]);
    return false;
}

static bool f32_neg(PRIM1_ARGS) {
    const float *a = va->values;
    float *r = vr->values;
    FOR_ROWS(r[i] = -a[i]);
    return false;
}

static bool bool_not(PRIM1_ARGS) {
    const uint8_t *a = va->values;
    uint8_t *r = vr->values;
    FOR_ROWS(r[i] = !a[i]);
    return false;
}

/* ---- lookup ---------------------------------------------------------------------------- */

/* Index of a type in the per-type tables below, or -1. */
static int type_slot(qe_type t) {
    switch (t) {
    case QE_TYPE_BOOLEAN: return 0;
    case QE_TYPE_SMALLINT: return 1;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: return 2;
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP: return 3;
    case QE_TYPE_REAL: return 4;
    case QE_TYPE_DOUBLE: return 5;
    case QE_TYPE_VARCHAR: return 6;
    default: return -1;
    }
}

typedef struct prim2_entry {
    rt_prim2 fn;          /* NULL: unsupported */
    rt_prim2_check check; /* NULL: never suspect */
} prim2_entry;

#define P(fn) {fn, NULL}
#define PC(fn) {fn, fn##_check}
#define NONE {NULL, NULL}

/* [op][type slot] for the binary operators: bool, i16, i32, i64, f32, f64, str. */
static const prim2_entry arith_table[5][7] = {
    /* ADD */ {NONE, PC(i16_add), PC(i32_add), PC(i64_add), PC(f32_add), PC(f64_add), NONE},
    /* SUB */ {NONE, PC(i16_sub), PC(i32_sub), PC(i64_sub), PC(f32_sub), PC(f64_sub), NONE},
    /* MUL */ {NONE, PC(i16_mul), PC(i32_mul), PC(i64_mul), PC(f32_mul), PC(f64_mul), NONE},
    /* DIV */ {NONE, PC(i16_div), PC(i32_div), PC(i64_div), PC(f32_div), PC(f64_div), NONE},
    /* MOD */ {NONE, PC(i16_mod), PC(i32_mod), PC(i64_mod), PC(f32_mod), PC(f64_mod), NONE},
};

#define CMP_ROW(op)                                                                                \
    {P(u8_##op), P(i16_##op), P(i32_##op), P(i64_##op), P(f32_##op), P(f64_##op), P(str_##op)}
static const prim2_entry cmp_table[6][7] = {CMP_ROW(eq), CMP_ROW(ne), CMP_ROW(lt),
                                            CMP_ROW(le), CMP_ROW(gt), CMP_ROW(ge)};

rt_prim2 rt_prim2_lookup(plan_op_kind op, qe_type type, rt_prim2_check *check) {
    int slot = type_slot(type);
    const prim2_entry *e = NULL;
    *check = NULL;
    if (slot < 0)
        return NULL;
    if (op >= PLAN_OP_ADD && op <= PLAN_OP_MOD)
        e = &arith_table[op - PLAN_OP_ADD][slot];
    else if (op >= PLAN_OP_EQ && op <= PLAN_OP_GE)
        e = &cmp_table[op - PLAN_OP_EQ][slot];
    if (e == NULL)
        return NULL;
    *check = e->check;
    return e->fn;
}

rt_prim1 rt_prim1_lookup(plan_op_kind op, qe_type type, rt_prim1_check *check) {
    *check = NULL;
    if (op == PLAN_OP_NOT)
        return type == QE_TYPE_BOOLEAN ? bool_not : NULL;
    if (op != PLAN_OP_NEG)
        return NULL;
    switch (type) {
    case QE_TYPE_SMALLINT: *check = i16_neg_check; return i16_neg;
    case QE_TYPE_INTEGER: *check = i32_neg_check; return i32_neg;
    case QE_TYPE_BIGINT: *check = i64_neg_check; return i64_neg;
    case QE_TYPE_REAL: return f32_neg;
    case QE_TYPE_DOUBLE: return f64_neg;
    default: return NULL;
    }
}

_Static_assert(PLAN_OP_MOD - PLAN_OP_ADD == 4 && PLAN_OP_GE - PLAN_OP_EQ == 5,
               "the primitive tables assume contiguous operator ranges");
