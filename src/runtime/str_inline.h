/*
 * str_inline.h -- string kernels shared by the interpreter and compiled code.
 *
 * The interpreter (func_like.c, func_string.c, func.c) and the helpers compiled to
 * bitcode for generated code (jit_inline.c) run these same functions, so LIKE
 * matching, character counting, case mapping and substrings cannot drift apart
 * between the two execution modes.  Everything here is static inline over plain byte
 * ranges and uses only libc's mem* functions: the file is compiled to LLVM bitcode
 * and linked into JIT modules, whose only external symbols are the JIT's.
 */
#ifndef QE_STR_INLINE_H
#define QE_STR_INLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Bytes of the UTF-8 character starting with byte b (1 for invalid lead bytes). */
static inline uint32_t rt_utf8_len(unsigned char b) {
    return b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
}

/* Characters of s[0..n): bytes that are not UTF-8 continuation bytes. */
static inline uint32_t rt_str_char_count(const char *s, uint32_t n) {
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

/* memcmp order of two byte strings, shorter first on a common prefix: <0, 0, >0. */
static inline int rt_str_compare(const char *a, uint32_t la, const char *b, uint32_t lb) {
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* Length of s[0..n) without its trailing blanks (CHAR(n) comparisons). */
static inline uint32_t rt_str_unpad_len(const char *s, uint32_t n) {
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return n;
}

/* CHAR(n) equality: a and b without their trailing blanks are equal, i.e. the shorter
 * is a prefix of the longer and the longer's rest is blanks (no trimming pass). */
static inline bool rt_str_char_equal(const char *a, uint32_t la, const char *b, uint32_t lb) {
    /* two branches, so that a constant b gives a memcmp of constant length (expanded
     * inline by LLVM) on the usual path: a blank-padded column value at least as long */
    if (la >= lb) {
        if (memcmp(a, b, lb) != 0)
            return false;
        for (uint32_t i = lb; i < la; i++)
            if (a[i] != ' ')
                return false;
        return true;
    }
    if (memcmp(a, b, la) != 0)
        return false;
    for (uint32_t i = la; i < lb; i++)
        if (b[i] != ' ')
            return false;
    return true;
}

/* ---- LIKE ------------------------------------------------------------------------------ */

#define RT_LIKE_ANY1 256u   /* `_`: one character */
#define RT_LIKE_ANYSEQ 257u /* `%`: any sequence of characters */

static inline unsigned char rt_like_fold(unsigned char ch, bool ci) {
    return ci && ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
}

/* Tokenizes pattern p[0..n) with escape byte esc (-1: none) into toks (room for n):
 * a byte 0..255 (folded when ci), RT_LIKE_ANY1 or RT_LIKE_ANYSEQ (`%%` is one `%`).
 * Returns the number of tokens, or -1 if the pattern ends with the escape byte. */
static inline int64_t rt_like_tokenize(const char *p, uint32_t n, int esc, bool ci,
                                       uint16_t *toks) {
    uint32_t t = 0;
    for (uint32_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (esc >= 0 && ch == (unsigned)esc) {
            if (++i == n)
                return -1;
            toks[t++] = rt_like_fold((unsigned char)p[i], ci);
        } else if (ch == '%') {
            if (t == 0 || toks[t - 1] != RT_LIKE_ANYSEQ)
                toks[t++] = RT_LIKE_ANYSEQ;
        } else if (ch == '_') {
            toks[t++] = RT_LIKE_ANY1;
        } else {
            toks[t++] = rt_like_fold(ch, ci);
        }
    }
    return t;
}

/* Splits tokens into literal segments separated by `%` (lits: room for nt bytes,
 * seg_len: room for nt + 1).  Returns false (a "complex" pattern, matched by
 * rt_like_match_tokens) if there is a `_` or the match folds case. */
static inline bool rt_like_split(const uint16_t *toks, uint32_t nt, bool ci, char *lits,
                                 uint32_t *seg_len, uint32_t *n_segs) {
    uint32_t n_lits = 0, cur = 0, segs = 0;
    *n_segs = 0;
    if (ci)
        return false;
    for (uint32_t i = 0; i < nt; i++) {
        if (toks[i] == RT_LIKE_ANY1)
            return false;
        if (toks[i] == RT_LIKE_ANYSEQ) {
            seg_len[segs++] = cur;
            cur = 0;
        } else {
            lits[n_lits++] = (char)toks[i];
            cur++;
        }
    }
    seg_len[segs++] = cur;
    *n_segs = segs;
    return true;
}

/* Whether a[0..n) equals b[0..n): 8 bytes a load, inline (a candidate of the search
 * below is a few bytes; a memcmp call cost more than the comparison). */
static inline bool rt_like_bytes_eq(const char *a, const char *b, size_t n) {
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return false;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

#if defined(QE_JIT_BITCODE) && defined(__clang__)
/* The bitcode copy (compiled again for the host CPU in each JIT module) also compares
 * 32-byte blocks: generic vectors, one or two instructions with AVX2/AVX-512. */
typedef char rt_like_v32 __attribute__((ext_vector_type(32)));
typedef bool rt_like_m32 __attribute__((ext_vector_type(32)));

/* Bit i set where p[i] == f and q[i] == l, for i < 32. */
static inline uint32_t rt_like_block32(const char *p, const char *q, char f, char l) {
    rt_like_v32 a, b;
    memcpy(&a, p, sizeof a);
    memcpy(&b, q, sizeof b);
    rt_like_m32 hits = __builtin_convertvector((a == f) & (b == l), rt_like_m32);
    uint32_t mask;
    memcpy(&mask, &hits, sizeof mask);
    return mask;
}
#endif

#if defined(__SSE2__)
/* Bit i set where p[i] == f and q[i] == l, for i < 16. */
static inline uint32_t rt_like_block16(const char *p, const char *q, char f, char l) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)q);
    return (uint32_t)_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8(f)), _mm_cmpeq_epi8(b, _mm_set1_epi8(l))));
}
#endif

/* rt_like_find's block search, `width` (16 or 32) positions a time by block (inlined
 * with its constant block function); n >= m + width - 1, m >= 2. */
static inline const char *
rt_like_blocks(const char *hay, size_t n, const char *needle, size_t m, size_t width,
               uint32_t (*block)(const char *, const char *, char, char)) {
    size_t stop = n - m - (width - 1); /* the last block's first position */
    for (size_t i = 0;; i += width) {
        size_t at = i < stop ? i : stop;
        uint32_t mask = block(hay + at, hay + at + m - 1, needle[0], needle[m - 1]);
        mask &= ~0u << (i - at); /* positions below i: the block before had them */
        while (mask != 0) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (rt_like_bytes_eq(hay + at + bit + 1, needle + 1, m - 2))
                return hay + at + bit;
            mask &= mask - 1;
        }
        if (at == stop)
            return NULL;
    }
}

/* First occurrence of needle[0..m) (m > 0) in hay[0..n).  With SSE2 and m >= 2, 16
 * positions at a time: the bytes equal to the needle's first byte ANDed with those 16
 * on equal to its last, each candidate then compared (W. Mula's SIMD substring search):
 * a frequent first letter ('s' of TPC-H Q13's '%special%requests%') no longer stops
 * the scan at every occurrence.  The last block overlaps the one before (its positions
 * already looked at masked off), so no position is left to a byte loop; haystacks
 * shorter than a block compare first and last bytes one position at a time (a memchr
 * call per candidate cost more than Q13's whole search); m == 1 is memchr.  Compiled code's
 * copy takes 32 positions at a time when the haystack has room (o_comment NOT LIKE
 * '%special%requests%' counted over orders: 18.4 -> 15.1 ms compiled). */
static inline const char *rt_like_find(const char *hay, size_t n, const char *needle, size_t m) {
    if (m > n)
        return NULL;
    if (m == 1)
        return memchr(hay, needle[0], n);
#if defined(QE_JIT_BITCODE) && defined(__clang__)
    if (n >= m + 31)
        return rt_like_blocks(hay, n, needle, m, 32, rt_like_block32);
#endif
#if defined(__SSE2__)
    if (n >= m + 15)
        return rt_like_blocks(hay, n, needle, m, 16, rt_like_block16);
#endif
    for (size_t p = 0; p + m <= n; p++)
        if (hay[p] == needle[0] && hay[p + m - 1] == needle[m - 1] &&
            rt_like_bytes_eq(hay + p + 1, needle + 1, m - 2))
            return hay + p;
    return NULL;
}

/* Matches s[0..n) against a split pattern: the first segment a prefix, the last a
 * suffix (empty when the pattern starts/ends with `%`), the middle ones found left to
 * right (leftmost is optimal). */
static inline bool rt_like_match_segments(const char *lits, const uint32_t *seg_len,
                                          uint32_t n_segs, const char *s, uint32_t n) {
    const char *lit = lits;
    uint32_t first = seg_len[0], last = seg_len[n_segs - 1];
    if (n_segs == 1) /* no `%` */
        return n == first && memcmp(s, lit, n) == 0;
    if (first + last > n || (first > 0 && memcmp(s, lit, first) != 0))
        return false;
    const char *last_lit = lits;
    for (uint32_t k = 0; k + 1 < n_segs; k++)
        last_lit += seg_len[k];
    if (last > 0 && memcmp(s + n - last, last_lit, last) != 0)
        return false;
    uint32_t at = first, end = n - last;
    lit += first;
    for (uint32_t k = 1; k + 1 < n_segs; k++) {
        uint32_t len = seg_len[k];
        const char *hit = len ? rt_like_find(s + at, end - at, lit, len) : s + at;
        if (hit == NULL)
            return false;
        at = (uint32_t)(hit - s) + len;
        lit += len;
    }
    return true;
}

/* Greedy wildcard match of s[0..n) against tokens, backtracking to the last `%`. */
static inline bool rt_like_match_tokens(const uint16_t *tok, uint32_t nt, const char *s, uint32_t n,
                                        bool ci) {
    uint32_t ti = 0, si = 0, star_t = UINT32_MAX, star_s = 0;
    while (si < n) {
        if (ti < nt && tok[ti] == RT_LIKE_ANYSEQ) {
            star_t = ti++;
            star_s = si;
        } else if (ti < nt && tok[ti] == RT_LIKE_ANY1) {
            si += rt_utf8_len((unsigned char)s[si]);
            ti++;
        } else if (ti < nt && tok[ti] == rt_like_fold((unsigned char)s[si], ci)) {
            si++;
            ti++;
        } else if (star_t != UINT32_MAX) {
            ti = star_t + 1;
            star_s += rt_utf8_len((unsigned char)s[star_s]);
            si = star_s;
        } else {
            return false;
        }
    }
    if (si > n) /* a `_` ran past the end inside a truncated character */
        return false;
    while (ti < nt && tok[ti] == RT_LIKE_ANYSEQ)
        ti++;
    return ti == nt;
}

/* ---- case mapping and substrings ------------------------------------------------------- */

/* Case of a two-byte UTF-8 letter in Latin-1 (U+00C0..U+00DE <-> U+00E0..U+00FE, without
 * the multiplication/division signs) and basic Cyrillic (U+0400..U+042F <->
 * U+0430..U+045F).  b points at a lead byte. */
static inline void rt_str_case2(unsigned char *b, bool up) {
    unsigned cp = ((b[0] & 0x1Fu) << 6) | (b[1] & 0x3Fu);
    if (up && ((cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) || (cp >= 0x430 && cp <= 0x44F)))
        cp -= 0x20;
    else if (up && cp >= 0x450 && cp <= 0x45F)
        cp -= 0x50;
    else if (!up && ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x410 && cp <= 0x42F)))
        cp += 0x20;
    else if (!up && cp >= 0x400 && cp <= 0x40F)
        cp += 0x50;
    b[0] = (unsigned char)(0xC0 | (cp >> 6));
    b[1] = (unsigned char)(0x80 | (cp & 0x3F));
}

/* Maps the case of b[0..n) in place; mode 'u' upper, 'l' lower, 'i' initcap. */
static inline void rt_str_change_case(unsigned char *b, uint32_t n, char mode) {
    bool in_word = false;
    for (uint32_t i = 0; i < n; i++) {
        unsigned char ch = b[i];
        bool up = mode == 'u' || (mode == 'i' && !in_word);
        if (up && ch >= 'a' && ch <= 'z')
            b[i] = (unsigned char)(ch - 32);
        else if (!up && ch >= 'A' && ch <= 'Z')
            b[i] = (unsigned char)(ch + 32);
        else if ((ch == 0xC3 || ch == 0xD0 || ch == 0xD1) && i + 1 < n && (b[i + 1] & 0xC0) == 0x80)
            rt_str_case2(b + i++, up);
        in_word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch >= 0x80;
    }
}

/* Byte offset of character k (0-based) of s[0..n), or n if s is shorter. */
static inline uint32_t rt_str_char_offset(const char *s, uint32_t n, int64_t k) {
    uint32_t i = 0;
    while (k > 0 && i < n) {
        i += rt_utf8_len((unsigned char)s[i]);
        k--;
    }
    return i < n ? i : n;
}

/* The characters [from, from + count) (0-based, clipped) of s[0..n): sets *start and
 * returns the byte length. */
static inline uint32_t rt_str_char_slice(const char *s, uint32_t n, int64_t from, int64_t count,
                                         uint32_t *start) {
    if (from < 0) {
        count += from;
        from = 0;
    }
    *start = 0;
    if (count <= 0)
        return 0;
    uint32_t a = rt_str_char_offset(s, n, from);
    *start = a;
    return rt_str_char_offset(s + a, n - a, count);
}

/* Byte offset of the first occurrence of needle[0..m) in hay[0..n) at or after `from`,
 * or -1 (an empty needle is found at `from` if from <= n). */
static inline int64_t rt_str_find(const char *hay, uint32_t n, const char *needle, uint32_t m,
                                  uint32_t from) {
    if (m == 0)
        return from <= n ? (int64_t)from : -1;
    for (uint32_t i = from; i + m <= n; i++) {
        const char *p = memchr(hay + i, needle[0], n - m + 1 - i);
        if (p == NULL)
            return -1;
        i = (uint32_t)(p - hay);
        if (memcmp(p, needle, m) == 0)
            return i;
    }
    return -1;
}

/* Character position (1-based) of needle in hay; 0 if absent (strpos, position). */
static inline int64_t rt_str_position(const char *hay, uint32_t n, const char *needle, uint32_t m) {
    int64_t at = rt_str_find(hay, n, needle, m, 0);
    return at < 0 ? 0 : (int64_t)rt_str_char_count(hay, (uint32_t)at) + 1;
}

/* left(s, k) (is_right false: the first k characters; k < 0: all but the last -k) or
 * right(s, k) (the last k; k < 0: all but the first -k): sets *start, returns the byte
 * length. */
static inline uint32_t rt_str_left_right(const char *s, uint32_t n, int64_t k, bool is_right,
                                         uint32_t *start) {
    int64_t len = rt_str_char_count(s, n);
    if (!is_right)
        return rt_str_char_slice(s, n, 0, k < 0 ? k + len : k, start);
    int64_t from = k < 0 ? -k : len - k;
    return rt_str_char_slice(s, n, from < 0 ? 0 : from, len, start);
}

/* Is the character s[0..w) one of the characters of set[0..n)? */
static inline bool rt_str_in_set(const char *s, uint32_t w, const char *set, uint32_t n) {
    for (uint32_t i = 0; i < n;) {
        uint32_t sw = rt_utf8_len((unsigned char)set[i]);
        if (sw == w && i + sw <= n && memcmp(set + i, s, w) == 0)
            return true;
        i += sw;
    }
    return false;
}

/* Byte length of the last character of s[0..n) (n > 0). */
static inline uint32_t rt_str_last_char_len(const char *s, uint32_t n) {
    uint32_t i = n - 1;
    while (i > 0 && n - i < 4 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return n - i;
}

/* btrim/ltrim/rtrim of s[0..n) by the characters of set[0..ns): which 1 = leading,
 * 2 = trailing, 3 = both.  Sets *start and returns the byte length. */
static inline uint32_t rt_str_trim(const char *s, uint32_t n, const char *set, uint32_t ns,
                                   int which, uint32_t *start) {
    uint32_t b = 0, e = n;
    while ((which & 1) && b < e) {
        uint32_t w = rt_utf8_len((unsigned char)s[b]);
        if (w > e - b || !rt_str_in_set(s + b, w, set, ns))
            break;
        b += w;
    }
    while ((which & 2) && b < e) {
        uint32_t w = rt_str_last_char_len(s + b, e - b);
        if (!rt_str_in_set(s + e - w, w, set, ns))
            break;
        e -= w;
    }
    *start = b;
    return e - b;
}

#endif /* QE_STR_INLINE_H */
