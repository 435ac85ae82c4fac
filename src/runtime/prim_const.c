/*
 * prim_const.c -- comparisons of a vector with constants: `x op c` and `x IN (c1..ck)`.
 *
 * Filters compare a column with literals far more often than two columns, and prim.c's
 * primitives read the literal from a CONST node's vector on every row.  A test prepared
 * here holds the constants in their native form instead: integers and DECIMALs as
 * registers, strings with their first 12 bytes as two words (so a short string view is
 * compared with two masked XORs) and CHAR(n) literals with their trailing blanks
 * trimmed and re-padded (so a blank-padded value compares with one memcmp, never
 * trimming).  `x IN (...)` (an OR of equalities of one expression with literals, as the
 * binder writes it) tests every literal in one pass over the rows instead of one
 * pass and one selection vector per literal.
 *
 * Each test has two forms: a BOOLEAN vector (values only: the result is NULL exactly
 * where x is, the constants being non-NULL) and a selection (the selected valid rows
 * that pass), which a FILTER uses without materializing booleans.  Semantics are
 * prim.c's and prim_wide.c's: C comparisons of numbers (NaN included), memcmp order of
 * strings, CHAR comparisons ignore trailing blanks.
 */
#include "rt_int.h"

#include <stdlib.h>
#include <string.h>

#define PAD_MIN 64    /* blank-padded copy of a CHAR literal: at least this many bytes */
#define LINEAR_MAX 16 /* IN lists of integers up to this size are scanned, larger bisected */

/* The value class a test works on. */
typedef enum { K_U8, K_I16, K_I32, K_I64, K_F32, K_F64, K_I128, K_STR, K_CHAR } kind;

/* A string literal (CHAR: without its trailing blanks). */
typedef struct str_const {
    const char *s;    /* the bytes (in the test's arena) */
    uint32_t len;     /* bytes at s */
    char *pad;        /* s followed by blanks, pad_len bytes (CHAR), else s */
    uint32_t pad_len; /* bytes at pad */
    uint64_t w0;      /* bytes 0..7 of pad (zero filled past its end) */
    uint32_t w1;      /* bytes 8..11 of pad (zero filled past its end) */
} str_const;

struct rt_const_test {
    kind k;          /* value class of x and the constants */
    plan_op_kind op; /* EQ (also IN), NE, LT, LE, GT, GE */
    uint32_t n;      /* constants (1 unless IN) */
    int64_t *ints;   /* K_U8..K_I64: the constants (sorted when n > LINEAR_MAX) */
    double *dbls;    /* K_F32, K_F64 */
    rt_i128 *wides;  /* K_I128 */
    str_const *strs; /* K_STR, K_CHAR */
};

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Masks of the first len bytes of a 12-byte inline string: word 0 and word 1. */
static inline uint64_t mask0(uint32_t len) { return len >= 8 ? ~0ull : (1ull << (8 * len)) - 1; }
static inline uint32_t mask1(uint32_t len) {
    return len <= 8 ? 0u : len >= 12 ? ~0u : (1u << (8 * (len - 8))) - 1;
}

/* Do the first len (<= 12) bytes of an inline view equal those of (w0, w1)? */
static ALWAYS_INLINE bool inline_eq(const rt_string *v, uint32_t len, uint64_t w0, uint32_t w1) {
    uint64_t a0;
    uint32_t a1;
    memcpy(&a0, v->u.inlined, 8);
    memcpy(&a1, v->u.inlined + 8, 4);
    return (((a0 ^ w0) & mask0(len)) | ((a1 ^ w1) & mask1(len))) == 0;
}

static ALWAYS_INLINE bool str_eq(const rt_vector *va, const rt_string *v, const str_const *c) {
    if (v->len != c->len)
        return false;
    if (c->len <= 12)
        return inline_eq(v, c->len, c->w0, c->w1);
    if (memcmp(v->u.ref.prefix, c->s, 4) != 0)
        return false;
    return memcmp(rt_string_ptr(va, v), c->s, c->len) == 0;
}

/* CHAR: v equals c when its bytes are c's followed by blanks only. */
static ALWAYS_INLINE bool char_eq(const rt_vector *va, const rt_string *v, const str_const *c) {
    uint32_t lv = v->len;
    if (lv < c->len)
        return false;
    if (lv <= 12)
        return inline_eq(v, lv, c->w0, c->w1);
    if (memcmp(v->u.ref.prefix, c->pad, 4) != 0)
        return false;
    const char *p = rt_string_ptr(va, v);
    if (lv <= c->pad_len)
        return memcmp(p, c->pad, lv) == 0;
    if (memcmp(p, c->pad, c->pad_len) != 0)
        return false;
    for (uint32_t j = c->pad_len; j < lv; j++)
        if (p[j] != ' ')
            return false;
    return true;
}

/* memcmp order of v and c (CHAR: both without trailing blanks). */
static int str_cmp(const rt_vector *va, const rt_string *v, const str_const *c, bool is_char) {
    const char *p = rt_string_ptr(va, v);
    uint32_t lv = v->len;
    if (is_char)
        while (lv > 0 && p[lv - 1] == ' ')
            lv--;
    int r = memcmp(p, c->s, lv < c->len ? lv : c->len);
    return r ? r : (lv > c->len) - (lv < c->len);
}

/* ---- preparation ----------------------------------------------------------------------- */

static int kind_of(qe_type t, bool is_char) {
    switch (t) {
    case QE_TYPE_BOOLEAN: return K_U8;
    case QE_TYPE_SMALLINT: return K_I16;
    case QE_TYPE_INTEGER:
    case QE_TYPE_DATE: return K_I32;
    case QE_TYPE_BIGINT:
    case QE_TYPE_TIMESTAMP: return K_I64;
    case QE_TYPE_REAL: return K_F32;
    case QE_TYPE_DOUBLE: return K_F64;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: return K_I128;
    case QE_TYPE_VARCHAR: return is_char ? K_CHAR : K_STR;
    default: return -1;
    }
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Copies row 0 of the constant vector c into slot j of t. */
static bool load_const(rt_const_test *t, rt_arena *arena, const rt_vector *c, uint32_t j) {
    const void *v = c->values;
    switch (t->k) {
    case K_U8: t->ints[j] = *(const uint8_t *)v; return true;
    case K_I16: t->ints[j] = *(const int16_t *)v; return true;
    case K_I32: t->ints[j] = *(const int32_t *)v; return true;
    case K_I64: t->ints[j] = *(const int64_t *)v; return true;
    case K_F32: t->dbls[j] = *(const float *)v; return true;
    case K_F64: t->dbls[j] = *(const double *)v; return true;
    case K_I128: memcpy(&t->wides[j], v, 16); return true;
    case K_STR:
    case K_CHAR: break;
    }
    const rt_string *view = v;
    const char *p = rt_string_ptr(c, view);
    uint32_t len = view->len;
    if (t->k == K_CHAR)
        while (len > 0 && p[len - 1] == ' ')
            len--;
    str_const *s = &t->strs[j];
    s->len = len;
    s->pad_len = t->k == K_CHAR ? (len > PAD_MIN ? len : PAD_MIN) : len;
    s->pad = rt_arena_alloc(arena, s->pad_len + 12);
    if (s->pad == NULL)
        return false;
    memset(s->pad, 0, s->pad_len + 12);
    memcpy(s->pad, p, len);
    if (t->k == K_CHAR)
        memset(s->pad + len, ' ', s->pad_len - len);
    s->s = s->pad;
    memcpy(&s->w0, s->pad, 8);
    memcpy(&s->w1, s->pad + 8, 4);
    return true;
}

rt_const_test *rt_const_test_make(rt_arena *arena, plan_op_kind op, qe_type type, bool is_char,
                                  const rt_vector *const *consts, uint32_t n) {
    int k = kind_of(type, is_char);
    if (k < 0 || n == 0 || op < PLAN_OP_EQ || op > PLAN_OP_GE || (n > 1 && op != PLAN_OP_EQ))
        return NULL;
    for (uint32_t j = 0; j < n; j++)
        if (consts[j]->type != type || !rt_vector_is_valid(consts[j], 0))
            return NULL;
    rt_const_test *t = rt_arena_calloc(arena, sizeof *t);
    if (t == NULL)
        return NULL;
    t->k = (kind)k;
    t->op = op;
    t->n = n;
    if (k <= K_I64)
        t->ints = rt_arena_alloc(arena, sizeof *t->ints * n);
    else if (k <= K_F64)
        t->dbls = rt_arena_alloc(arena, sizeof *t->dbls * n);
    else if (k == K_I128)
        t->wides = rt_arena_alloc(arena, sizeof *t->wides * n);
    else
        t->strs = rt_arena_calloc(arena, sizeof *t->strs * n);
    if (t->ints == NULL && t->dbls == NULL && t->wides == NULL && t->strs == NULL)
        return NULL;
    for (uint32_t j = 0; j < n; j++)
        if (!load_const(t, arena, consts[j], j))
            return NULL;
    if (k <= K_I64 && n > LINEAR_MAX)
        qsort(t->ints, n, sizeof *t->ints, cmp_i64);
    return t;
}

/* ---- evaluation ------------------------------------------------------------------------ */

/* Membership of x in a sorted list. */
static inline bool in_sorted(const int64_t *v, uint32_t n, int64_t x) {
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == x;
}

/* Runs TEST(i) (a bool) over the selected rows: into out[i] (BOOLEAN form) or as the
 * selection of the valid rows that pass (sel_out != NULL). */
#define RUN(TEST)                                                                                  \
    do {                                                                                           \
        if (sel_out == NULL) {                                                                     \
            FOR_ROWS(out[i] = (TEST));                                                             \
            return 0;                                                                              \
        }                                                                                          \
        uint32_t m_ = 0;                                                                           \
        if (a->validity == NULL) {                                                                 \
            FOR_ROWS({                                                                             \
                sel_out[m_] = i;                                                                   \
                m_ += (TEST);                                                                      \
            });                                                                                    \
        } else {                                                                                   \
            const uint8_t *vb_ = a->validity;                                                      \
            FOR_ROWS({                                                                             \
                sel_out[m_] = i;                                                                   \
                m_ += (TEST) & ((vb_[i >> 3] >> (i & 7)) & 1);                                     \
            });                                                                                    \
        }                                                                                          \
        return m_;                                                                                 \
    } while (0)

/* One comparison operator over values v[i] of type T against the constant c. */
#define RUN_CMP(T, C)                                                                              \
    do {                                                                                           \
        const T *v_ = a->values;                                                                   \
        const T c_ = (T)(C);                                                                       \
        switch (t->op) {                                                                           \
        case PLAN_OP_EQ: RUN(v_[i] == c_);                                                         \
        case PLAN_OP_NE: RUN(v_[i] != c_);                                                         \
        case PLAN_OP_LT: RUN(v_[i] < c_);                                                          \
        case PLAN_OP_LE: RUN(v_[i] <= c_);                                                         \
        case PLAN_OP_GT: RUN(v_[i] > c_);                                                          \
        default: RUN(v_[i] >= c_);                                                                 \
        }                                                                                          \
    } while (0)

/* IN over a list of n integer constants of an integer vector of type T. */
#define RUN_IN_INT(T)                                                                              \
    do {                                                                                           \
        const T *v_ = a->values;                                                                   \
        const int64_t *c_ = t->ints;                                                               \
        uint32_t nc_ = t->n;                                                                       \
        if (nc_ > LINEAR_MAX)                                                                      \
            RUN(in_sorted(c_, nc_, v_[i]));                                                        \
        RUN(in_linear_i64(c_, nc_, v_[i]));                                                        \
    } while (0)

static inline bool in_linear_i64(const int64_t *c, uint32_t n, int64_t x) {
    bool hit = false;
    for (uint32_t j = 0; j < n; j++)
        hit |= c[j] == x;
    return hit;
}
static inline bool in_linear_f64(const double *c, uint32_t n, double x) {
    bool hit = false;
    for (uint32_t j = 0; j < n; j++)
        hit |= c[j] == x;
    return hit;
}
static inline bool in_linear_i128(const rt_i128 *c, uint32_t n, rt_i128 x) {
    bool hit = false;
    for (uint32_t j = 0; j < n; j++)
        hit |= c[j] == x;
    return hit;
}
static inline rt_i128 ld128(const rt_vector *v, uint32_t i) {
    rt_i128 x;
    memcpy(&x, (const char *)v->values + (size_t)i * 16, 16);
    return x;
}
static bool in_str(const rt_vector *a, const rt_string *v, const str_const *c, uint32_t n) {
    for (uint32_t j = 0; j < n; j++)
        if (str_eq(a, v, &c[j]))
            return true;
    return false;
}
static bool in_char(const rt_vector *a, const rt_string *v, const str_const *c, uint32_t n) {
    for (uint32_t j = 0; j < n; j++)
        if (char_eq(a, v, &c[j]))
            return true;
    return false;
}

/* The numeric tests. */
static uint32_t run_num(const rt_const_test *t, const rt_vector *a, uint8_t *out,
                        const uint32_t *sel, uint32_t n, uint32_t *sel_out) {
    bool in = t->n > 1;
    switch (t->k) {
    case K_U8:
        if (in)
            RUN_IN_INT(uint8_t);
        RUN_CMP(uint8_t, t->ints[0]);
    case K_I16:
        if (in)
            RUN_IN_INT(int16_t);
        RUN_CMP(int16_t, t->ints[0]);
    case K_I32:
        if (in)
            RUN_IN_INT(int32_t);
        RUN_CMP(int32_t, t->ints[0]);
    case K_I64:
        if (in)
            RUN_IN_INT(int64_t);
        RUN_CMP(int64_t, t->ints[0]);
    case K_F32:
        if (in) {
            const float *v_ = a->values;
            RUN(in_linear_f64(t->dbls, t->n, v_[i]));
        }
        RUN_CMP(float, t->dbls[0]);
    case K_F64:
        if (in) {
            const double *v_ = a->values;
            RUN(in_linear_f64(t->dbls, t->n, v_[i]));
        }
        RUN_CMP(double, t->dbls[0]);
    default: break;
    }
    /* K_I128 */
    if (in)
        RUN(in_linear_i128(t->wides, t->n, ld128(a, i)));
    rt_i128 c = t->wides[0];
    switch (t->op) {
    case PLAN_OP_EQ: RUN(ld128(a, i) == c);
    case PLAN_OP_NE: RUN(ld128(a, i) != c);
    case PLAN_OP_LT: RUN(ld128(a, i) < c);
    case PLAN_OP_LE: RUN(ld128(a, i) <= c);
    case PLAN_OP_GT: RUN(ld128(a, i) > c);
    default: RUN(ld128(a, i) >= c);
    }
}

/* The string tests. */
static uint32_t run_str(const rt_const_test *t, const rt_vector *a, uint8_t *out,
                        const uint32_t *sel, uint32_t n, uint32_t *sel_out) {
    const rt_string *v = a->values;
    const str_const *c = t->strs;
    bool ch = t->k == K_CHAR;
    if (t->n > 1) {
        if (ch)
            RUN(in_char(a, &v[i], c, t->n));
        RUN(in_str(a, &v[i], c, t->n));
    }
    switch (t->op) {
    case PLAN_OP_EQ:
        if (ch)
            RUN(char_eq(a, &v[i], c));
        RUN(str_eq(a, &v[i], c));
    case PLAN_OP_NE:
        if (ch)
            RUN(!char_eq(a, &v[i], c));
        RUN(!str_eq(a, &v[i], c));
    case PLAN_OP_LT: RUN(str_cmp(a, &v[i], c, ch) < 0);
    case PLAN_OP_LE: RUN(str_cmp(a, &v[i], c, ch) <= 0);
    case PLAN_OP_GT: RUN(str_cmp(a, &v[i], c, ch) > 0);
    default: RUN(str_cmp(a, &v[i], c, ch) >= 0);
    }
}

static uint32_t run(const rt_const_test *t, const rt_vector *a, uint8_t *out, const uint32_t *sel,
                    uint32_t n, uint32_t *sel_out) {
    return t->k >= K_STR ? run_str(t, a, out, sel, n, sel_out)
                         : run_num(t, a, out, sel, n, sel_out);
}

void rt_const_test_eval(const rt_const_test *t, const rt_vector *a, uint8_t *out,
                        const uint32_t *sel, uint32_t n) {
    run(t, a, out, sel, n, NULL);
}

uint32_t rt_const_test_select(const rt_const_test *t, const rt_vector *a, const uint32_t *sel,
                              uint32_t n, uint32_t *out_sel) {
    return run(t, a, NULL, sel, n, out_sel);
}

uint32_t rt_const_test_cost(const rt_const_test *t) {
    return (t->k >= K_STR ? 4 : 1) * (t->n > LINEAR_MAX && t->k <= K_I64 ? 4 : t->n);
}
