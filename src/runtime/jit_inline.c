/*
 * jit_inline.c -- the runtime helpers generated code inlines (see jit_inline.h).
 *
 * Every helper is a thin wrapper over the interpreter's kernel in str_inline.h or
 * date_inline.h (or xxhash's XXH3, as hash.c), so a compiled pipeline and the
 * interpreter compute the same results.  This file is also compiled to LLVM bitcode
 * (src/codegen/bitcode.cmake): it must not call into the rest of the runtime.
 */
#include "jit_inline.h"
#include "date_inline.h"
#include "str_inline.h"

/* The header-only build: XXH3 inlined into the helper (hash.c's algorithm). */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* A loop over a few bytes: kept small (no unrolling or vectorization) when clang
 * compiles this file to bitcode. */
#ifdef __clang__
#define SHORT_LOOP _Pragma("clang loop vectorize(disable) unroll(disable)")
#else
#define SHORT_LOOP
#endif

/* The bytes of an empty string may come as a NULL pointer (a computed empty result);
 * memcmp must not see one even for 0 bytes. */
static inline const char *bytes_or_empty(const char *p) { return p != NULL ? p : ""; }

/* rt_jit_str_cmp: see jit_inline.h. */
int32_t rt_jit_str_cmp(const char *a, uint32_t la, const char *b, uint32_t lb) {
    int c = rt_str_compare(bytes_or_empty(a), la, bytes_or_empty(b), lb);
    return (c > 0) - (c < 0);
}

/* rt_jit_char_cmp: see jit_inline.h. */
int32_t rt_jit_char_cmp(const char *a, uint32_t la, const char *b, uint32_t lb) {
    a = bytes_or_empty(a), b = bytes_or_empty(b);
    return rt_jit_str_cmp(a, rt_str_unpad_len(a, la), b, rt_str_unpad_len(b, lb));
}

/* rt_jit_str_eq: see jit_inline.h. */
int32_t rt_jit_str_eq(const char *a, uint32_t la, const char *b, uint32_t lb) {
    return la == lb && memcmp(bytes_or_empty(a), bytes_or_empty(b), la) == 0;
}

/* rt_jit_char_eq: see jit_inline.h. */
int32_t rt_jit_char_eq(const char *a, uint32_t la, const char *b, uint32_t lb) {
    return rt_str_char_equal(bytes_or_empty(a), la, bytes_or_empty(b), lb);
}

/* rt_jit_like: see jit_inline.h. */
int32_t rt_jit_like(const rt_jit_like_pat *p, const char *s, uint32_t n) {
    if (p->simple)
        return rt_like_match_segments(p->lits, p->seg_len, p->n_segs, s, n);
    return rt_like_match_tokens(p->toks, p->n_toks, s, n, p->ci != 0);
}

/* rt_jit_unpad_len: see jit_inline.h. */
int32_t rt_jit_unpad_len(const char *s, uint32_t n) { return (int32_t)rt_str_unpad_len(s, n); }

/* rt_jit_char_count: see jit_inline.h. */
int32_t rt_jit_char_count(const char *s, uint32_t n) { return (int32_t)rt_str_char_count(s, n); }

/* rt_jit_substring: see jit_inline.h. */
uint32_t rt_jit_substring(const char *s, uint32_t n, int64_t from, int64_t count, uint32_t *start) {
    if (count < 0)
        count = INT64_MAX / 4;
    if (from < -(INT64_MAX / 4))
        from = -(INT64_MAX / 4);
    return rt_str_char_slice(s, n, from - 1, count, start);
}

/* rt_jit_change_case: see jit_inline.h. */
void rt_jit_change_case(char *dst, const char *src, uint32_t n, int32_t mode) {
    memcpy(dst, src, n);
    rt_str_change_case((unsigned char *)dst, n, (char)mode);
}

/* rt_jit_trim: see jit_inline.h. */
uint32_t rt_jit_trim(const char *s, uint32_t n, const char *set, uint32_t ns, int32_t which,
                     uint32_t *start) {
    return rt_str_trim(s, n, set, ns, which, start);
}

/* rt_jit_find: see jit_inline.h. */
int64_t rt_jit_find(const char *hay, uint32_t n, const char *needle, uint32_t m) {
    return rt_str_find(hay, n, needle, m, 0);
}

/* rt_jit_position: see jit_inline.h. */
int32_t rt_jit_position(const char *hay, uint32_t n, const char *needle, uint32_t m) {
    return (int32_t)rt_str_position(hay, n, needle, m);
}

/* rt_jit_left_right: see jit_inline.h. */
uint32_t rt_jit_left_right(const char *s, uint32_t n, int64_t k, int32_t is_right,
                           uint32_t *start) {
    return rt_str_left_right(s, n, k, is_right != 0, start);
}

/* rt_jit_date_part: see jit_inline.h. */
double rt_jit_date_part(int64_t v, int32_t is_ts, int32_t unit) {
    rt_civil c;
    rt_civil_of(v, is_ts != 0, &c);
    return rt_date_field(&c, (rt_date_unit)unit, is_ts != 0);
}

/* rt_jit_hash_string: see jit_inline.h. */
uint64_t rt_jit_hash_string(const char *s, uint32_t n, uint64_t h) {
    return XXH3_64bits_withSeed(s, n, h);
}

/* rt_jit_bytes_eq: see jit_inline.h. */
int32_t rt_jit_bytes_eq(const char *a, const char *b, uint32_t n) {
    if (n > 16)
        return memcmp(a, b, n) == 0;
    unsigned char diff = 0;
    SHORT_LOOP
    for (uint32_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}
