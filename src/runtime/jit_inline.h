/*
 * jit_inline.h -- runtime helpers that generated code inlines (jit_inline.c).
 *
 * jit_inline.c is compiled twice: into libqe like every runtime file (the addresses
 * the JIT defines as absolute symbols, for the cheap tier) and, at build time, with
 * clang-19 into LLVM bitcode embedded in libqe, which codegen links into a module
 * (made internal, so O2 inlines the helpers and drops the unused ones).  The helpers
 * take and return only integers, pointers and doubles, call nothing but libc's mem*
 * functions, and run the interpreter's own kernels (str_inline.h, date_inline.h).
 */
#ifndef QE_JIT_INLINE_H
#define QE_JIT_INLINE_H

#include <stdint.h>

/* A LIKE pattern compiled at code generation time (a constant global in the module;
 * the layout is mirrored by src/codegen/expr_str.c). */
typedef struct rt_jit_like_pat {
    const uint16_t *toks;    /* n_toks tokens (str_inline.h rt_like_tokenize) */
    const char *lits;        /* simple: the literal bytes of the segments */
    const uint32_t *seg_len; /* simple: n_segs segment lengths */
    uint32_t n_toks;         /* tokens */
    uint32_t n_segs;         /* simple: segments */
    uint32_t simple;         /* 1: matched by segments (rt_like_split), 0: by tokens */
    uint32_t ci;             /* 1: ILIKE (ASCII case folded) */
} rt_jit_like_pat;

/* X(name, symbol): the helpers, in the order codegen declares them. */
#define RT_JIT_INLINE_LIST(X)                                                                      \
    X(STR_CMP, rt_jit_str_cmp)                                                                     \
    X(CHAR_CMP, rt_jit_char_cmp)                                                                   \
    X(STR_EQ, rt_jit_str_eq)                                                                       \
    X(CHAR_EQ, rt_jit_char_eq)                                                                     \
    X(LIKE, rt_jit_like)                                                                           \
    X(CHAR_COUNT, rt_jit_char_count)                                                               \
    X(SUBSTRING, rt_jit_substring)                                                                 \
    X(CHANGE_CASE, rt_jit_change_case)                                                             \
    X(UNPAD_LEN, rt_jit_unpad_len)                                                                 \
    X(TRIM, rt_jit_trim)                                                                           \
    X(FIND, rt_jit_find)                                                                           \
    X(POSITION, rt_jit_position)                                                                   \
    X(LEFT_RIGHT, rt_jit_left_right)                                                               \
    X(DATE_PART, rt_jit_date_part)                                                                 \
    X(HASH_STRING, rt_jit_hash_string)                                                             \
    X(BYTES_EQ, rt_jit_bytes_eq)

/* Three-way memcmp order of a[0..la) and b[0..lb): -1, 0 or 1. */
int32_t rt_jit_str_cmp(const char *a, uint32_t la, const char *b, uint32_t lb);
/* The same ignoring trailing blanks of both (CHAR(n) comparisons). */
int32_t rt_jit_char_cmp(const char *a, uint32_t la, const char *b, uint32_t lb);
/* 1 if a[0..la) and b[0..lb) are equal ignoring trailing blanks (CHAR(n) =: the
 * shorter is a prefix of the longer, whose rest is blanks), else 0. */
int32_t rt_jit_char_eq(const char *a, uint32_t la, const char *b, uint32_t lb);
/* 1 if a[0..la) and b[0..lb) are the same bytes, else 0. */
int32_t rt_jit_str_eq(const char *a, uint32_t la, const char *b, uint32_t lb);
/* 1 if s[0..n) matches the pattern, else 0. */
int32_t rt_jit_like(const rt_jit_like_pat *p, const char *s, uint32_t n);
/* Length of s[0..n) without its trailing blanks (a CHAR(n) argument of a function). */
int32_t rt_jit_unpad_len(const char *s, uint32_t n);
/* Characters (UTF-8) of s[0..n). */
int32_t rt_jit_char_count(const char *s, uint32_t n);
/* substring(s from `from` for count) (1-based from; count < 0: to the end, as without
 * FOR): sets *start (byte offset) and returns the byte length. */
uint32_t rt_jit_substring(const char *s, uint32_t n, int64_t from, int64_t count, uint32_t *start);
/* Copies src[0..n) to dst mapping the case: mode 'u' upper, 'l' lower. */
void rt_jit_change_case(char *dst, const char *src, uint32_t n, int32_t mode);

/* btrim (which 3), ltrim (1), rtrim (2) of s[0..n) by the characters of set[0..ns):
 * sets *start, returns the byte length. */
uint32_t rt_jit_trim(const char *s, uint32_t n, const char *set, uint32_t ns, int32_t which,
                     uint32_t *start);
/* Byte offset of needle[0..m) in hay[0..n), or -1 (contains). */
int64_t rt_jit_find(const char *hay, uint32_t n, const char *needle, uint32_t m);
/* Character position (1-based) of needle in hay, 0 if absent (strpos, position). */
int32_t rt_jit_position(const char *hay, uint32_t n, const char *needle, uint32_t m);
/* left(s, k) (is_right 0) or right(s, k) (is_right 1): sets *start, returns the byte
 * length. */
uint32_t rt_jit_left_right(const char *s, uint32_t n, int64_t k, int32_t is_right, uint32_t *start);
/* XXH3 of s[0..n) with seed h: rt_hash_vectors' hash of a VARCHAR key
 * chained onto h. */
uint64_t rt_jit_hash_string(const char *s, uint32_t n, uint64_t h);
/* 1 if a[0..n) and b[0..n) are the same bytes, else 0 (short keys: no libc call). */
int32_t rt_jit_bytes_eq(const char *a, const char *b, uint32_t n);

/* Field `unit` (rt_date_unit, date_inline.h) of a DATE (is_ts 0: v days) or TIMESTAMP
 * (is_ts 1: v microseconds) as the interpreter's extract computes it (a double; exact
 * for the integer fields). */
double rt_jit_date_part(int64_t v, int32_t is_ts, int32_t unit);

#endif /* QE_JIT_INLINE_H */
