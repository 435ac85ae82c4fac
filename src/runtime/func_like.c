/*
 * func_like.c -- LIKE / ILIKE (with ESCAPE) and the POSIX regular expression functions.
 *
 * LIKE compiles its pattern into tokens (a literal byte, `_` = one UTF-8 character,
 * `%` = any sequence) and matches with the classic greedy algorithm that backtracks
 * only to the last `%`: linear for the usual patterns ('%BRASS', 'PROMO%',
 * '%special%requests%').  The compiled pattern is cached per node and recompiled only
 * when the pattern or escape text changes (constant patterns compile once).  NOT LIKE
 * is NOT over LIKE (the binder's representation).  ILIKE folds ASCII letters.
 * Errors: PostgreSQL's 22025 for a bad escape string or a pattern ending in the
 * escape character; 2201B for a bad regular expression.
 */
#include "func.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

#define TOK_ANY1 RT_LIKE_ANY1     /* `_`: one character */
#define TOK_ANYSEQ RT_LIKE_ANYSEQ /* `%`: any sequence of characters */

/* The compiled pattern cached in rt_fcall.cache. */
typedef struct like_cache {
    char *pattern;     /* the pattern text it was compiled from (state arena) */
    uint32_t pat_len;  /* its bytes */
    uint32_t pat_cap;  /* bytes at pattern */
    int escape;        /* escape byte, -1 for none, -2 before the first compile */
    uint16_t *toks;    /* n_toks tokens: a byte 0..255, TOK_ANY1 or TOK_ANYSEQ */
    uint32_t n_toks;   /* tokens in use */
    uint32_t toks_cap; /* room at toks */
    bool simple;       /* only literals and `%` (case-sensitive): matched by segments */
    char *lits;        /* simple: the literal bytes of all segments, in order */
    uint32_t *seg_len; /* simple: n_segs segment lengths (a `%` between each two) */
    uint32_t n_segs;   /* simple: segments (n_toks + 1 at most) */
    bool open_start;   /* simple: the pattern starts with `%` */
    bool open_end;     /* simple: the pattern ends with `%` */
} like_cache;

/* The escape byte of an ESCAPE argument: -1 for '', 22025 for more than one char. */
static qe_status escape_of(rt_fcall *c, const rt_value *a, uint32_t n_args, int *out) {
    *out = '\\';
    if (n_args < 3)
        return QE_OK;
    const char *s = a[2].u.s.ptr;
    uint32_t n = a[2].u.s.len;
    if (n == 0) {
        *out = -1;
        return QE_OK;
    }
    if (rt_utf8_count(s, n) != 1 || n != 1) {
        if (rt_utf8_count(s, n) == 1)
            return rt_error_set(c->err, QE_UNSUPPORTED, "0A000", c->e->position,
                                "non-ASCII escape characters are not supported yet");
        rt_error_set(c->err, QE_DATA, "22025", c->e->position, "invalid escape string");
        rt_error_hint(c->err, "Escape string must be empty or one character.");
        return QE_DATA;
    }
    *out = (unsigned char)s[0];
    return QE_OK;
}

/* Splits the tokens into literal segments separated by `%` when there is no `_` (and
 * no case folding): such patterns match by prefix, suffix and a substring search. */
static void split_segments(like_cache *lc, bool ci) {
    lc->simple = rt_like_split(lc->toks, lc->n_toks, ci, lc->lits, lc->seg_len, &lc->n_segs);
    lc->open_start = lc->n_toks > 0 && lc->toks[0] == TOK_ANYSEQ;
    lc->open_end = lc->n_toks > 0 && lc->toks[lc->n_toks - 1] == TOK_ANYSEQ;
}

/* Compiles the pattern into the cache's tokens. */
static qe_status compile(rt_fcall *c, like_cache *lc, const char *p, uint32_t n, int esc, bool ci) {
    if (n + 1 > lc->toks_cap || n > lc->pat_cap) {
        uint32_t cap = n + 16;
        lc->toks = rt_arena_alloc(c->arena, sizeof *lc->toks * cap);
        lc->pattern = rt_arena_alloc(c->arena, cap);
        lc->lits = rt_arena_alloc(c->arena, cap);
        lc->seg_len = rt_arena_alloc(c->arena, sizeof *lc->seg_len * cap);
        if (lc->toks == NULL || lc->pattern == NULL || lc->lits == NULL || lc->seg_len == NULL) {
            lc->toks_cap = lc->pat_cap = 0;
            return rt_error_nomem(c->err, NULL);
        }
        lc->toks_cap = lc->pat_cap = cap;
    }
    int64_t t = rt_like_tokenize(p, n, esc, ci, lc->toks);
    if (t < 0) {
        lc->escape = -2; /* not a valid cache */
        return rt_error_set(c->err, QE_DATA, "22025", c->e->position,
                            "LIKE pattern must not end with escape character");
    }
    lc->n_toks = (uint32_t)t;
    split_segments(lc, ci);
    memcpy(lc->pattern, p, n);
    lc->pat_len = n;
    lc->escape = esc;
    return QE_OK;
}

/* The cache compiled for pattern a[1] and escape a[2] (recompiled when they change). */
static qe_status cached_pattern(rt_fcall *c, const rt_value *a, uint32_t n_args, bool ci,
                                like_cache **out) {
    like_cache *lc = c->cache;
    if (lc == NULL) {
        if ((lc = rt_arena_calloc(c->arena, sizeof *lc)) == NULL)
            return rt_error_nomem(c->err, NULL);
        lc->escape = -2;
        c->cache = lc;
    }
    int esc;
    qe_status st = escape_of(c, a, n_args, &esc);
    if (st != QE_OK)
        return st;
    const char *p = a[1].u.s.ptr;
    uint32_t np = a[1].u.s.len;
    if (lc->escape != esc || lc->pat_len != np || (np && memcmp(lc->pattern, p, np) != 0))
        if ((st = compile(c, lc, p, np, esc, ci)) != QE_OK)
            return st;
    *out = lc;
    return QE_OK;
}

static bool like_match(const like_cache *lc, const char *s, uint32_t n, bool ci) {
    return lc->simple ? rt_like_match_segments(lc->lits, lc->seg_len, lc->n_segs, s, n)
                      : rt_like_match_tokens(lc->toks, lc->n_toks, s, n, ci);
}

static qe_status like(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out, bool ci) {
    like_cache *lc;
    qe_status st = cached_pattern(c, a, n_args, ci, &lc);
    if (st == QE_OK)
        out->u.b = like_match(lc, a[0].u.s.ptr, a[0].u.s.len, ci);
    return st;
}

qe_status rt_fn_like(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    return like(c, a, n_args, out, false);
}

qe_status rt_fn_ilike(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    return like(c, a, n_args, out, true);
}

/* The vector form for a constant pattern (and escape): compiled once, then a loop over
 * the string views without building rt_values.  *handled false: use the row form. */
static qe_status like_vector(rt_fcall *c, const rt_vector *const *args, uint32_t n_args,
                             const uint32_t *sel, uint32_t n, rt_vector *res, bool ci,
                             bool *handled) {
    *handled = false;
    for (uint32_t j = 1; j < n_args; j++)
        if (c->e->u.func.args[j]->kind != PLAN_EXPR_CONST)
            return QE_OK;
    if (args[0]->type != QE_TYPE_VARCHAR)
        return QE_OK;
    uint32_t n_valid = 0;
    for (uint32_t k = 0; k < n && n_valid == 0; k++)
        n_valid += rt_vector_is_valid(args[0], sel ? sel[k] : k);
    if (n_valid == 0) { /* every row NULL: no pattern to check (the row form's rule) */
        *handled = true;
        return QE_OK;
    }
    rt_value a[3];
    uint32_t first = sel ? sel[0] : 0;
    for (uint32_t j = 0; j < n_args && j < 3; j++) {
        rt_vector_get_value(args[j], first, &a[j]);
        if (j > 0 && a[j].is_null)
            return QE_OK; /* a NULL pattern: the row form makes every row NULL */
    }
    like_cache *lc;
    qe_status st = cached_pattern(c, a, n_args, ci, &lc);
    if (st != QE_OK)
        return st;
    const rt_vector *v = args[0];
    const rt_string *views = v->values;
    uint8_t *out = res->values;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        if (!rt_vector_is_valid(v, i))
            continue; /* the result bit stays 0: NULL */
        rt_bit_set(res->validity, i);
        out[i] = like_match(lc, rt_string_ptr(v, &views[i]), views[i].len, ci);
    }
    *handled = true;
    return QE_OK;
}

qe_status rt_vfn_like(rt_fcall *c, const rt_vector *const *args, uint32_t n_args,
                      const uint32_t *sel, uint32_t n, rt_vector *res, bool *handled) {
    return like_vector(c, args, n_args, sel, n, res, false, handled);
}

qe_status rt_vfn_ilike(rt_fcall *c, const rt_vector *const *args, uint32_t n_args,
                       const uint32_t *sel, uint32_t n, rt_vector *res, bool *handled) {
    return like_vector(c, args, n_args, sel, n, res, true, handled);
}

/* ---- regular expressions (POSIX extended, libc) ---------------------------------------- */

/* NUL-terminated copy of a string value in the call's scratch at offset `at`. */
static char *cstr(rt_fcall *c, const rt_value *v, size_t at) {
    char *buf = rt_fcall_buf(c, at + v->u.s.len + 1);
    if (buf == NULL)
        return NULL;
    memcpy(buf + at, v->u.s.ptr, v->u.s.len);
    buf[at + v->u.s.len] = '\0';
    return buf + at;
}

/* Compiles pattern with flag letters (i: ignore case; g: global, reported in *global). */
static qe_status regex_compile(rt_fcall *c, const rt_value *pat, const rt_value *flags, regex_t *re,
                               bool *global) {
    int cflags = REG_EXTENDED;
    *global = false;
    for (uint32_t i = 0; flags && i < flags->u.s.len; i++) {
        char f = flags->u.s.ptr[i];
        if (f == 'i')
            cflags |= REG_ICASE;
        else if (f == 'g')
            *global = true;
        else if (f != 'c')
            return rt_error_set(c->err, QE_DATA, "22023", c->e->position,
                                "invalid regular expression option: \"%c\"", f);
    }
    if (memchr(pat->u.s.ptr, '\0', pat->u.s.len) != NULL)
        return rt_error_set(c->err, QE_DATA, "2201B", c->e->position,
                            "invalid regular expression: NUL character");
    char *p = cstr(c, pat, 0);
    if (p == NULL)
        return c->err->status;
    int rc = regcomp(re, p, cflags);
    if (rc != 0) {
        char msg[128];
        regerror(rc, re, msg, sizeof msg);
        return rt_error_set(c->err, QE_DATA, "2201B", c->e->position,
                            "invalid regular expression: %s", msg);
    }
    return QE_OK;
}

/* regexp_matches(s, pattern [, flags]): true if the pattern matches anywhere in s. */
qe_status rt_fn_regexp_matches(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    regex_t re;
    bool global;
    qe_status st = regex_compile(c, &a[1], n_args > 2 ? &a[2] : NULL, &re, &global);
    if (st != QE_OK)
        return st;
    char *s = cstr(c, &a[0], 0);
    if (s == NULL) {
        regfree(&re);
        return c->err->status;
    }
    out->u.b = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return QE_OK;
}

/* Appends src[0..n) to the result being built at *len (after the subject copy). */
static bool emit(rt_fcall *c, size_t base, size_t *len, const char *src, size_t n) {
    char *buf = rt_fcall_buf(c, base + *len + n + 1);
    if (buf == NULL)
        return false;
    memmove(buf + base + *len, src, n);
    *len += n;
    return true;
}

/* Appends the replacement with \1..\9 (groups) and \& (whole match) substituted. */
static bool emit_replacement(rt_fcall *c, size_t base, size_t *len, const rt_value *rep,
                             size_t subj_at, const regmatch_t *m) {
    for (uint32_t i = 0; i < rep->u.s.len; i++) {
        char ch = rep->u.s.ptr[i];
        if (ch == '\\' && i + 1 < rep->u.s.len) {
            char d = rep->u.s.ptr[++i];
            int g = d == '&' ? 0 : (d >= '0' && d <= '9') ? d - '0' : -1;
            if (g >= 0) {
                if (m[g].rm_so >= 0 && !emit(c, base, len, c->buf + subj_at + m[g].rm_so,
                                             (size_t)(m[g].rm_eo - m[g].rm_so)))
                    return false;
                continue;
            }
            ch = d;
        }
        if (!emit(c, base, len, &ch, 1))
            return false;
    }
    return true;
}

/* regexp_replace(s, pattern, replacement [, flags]): first match, all with 'g'. */
qe_status rt_fn_regexp_replace(rt_fcall *c, const rt_value *a, uint32_t n_args, rt_value *out) {
    regex_t re;
    bool global;
    qe_status st = regex_compile(c, &a[1], n_args > 3 ? &a[3] : NULL, &re, &global);
    if (st != QE_OK)
        return st;
    uint32_t n = a[0].u.s.len;
    size_t base = (size_t)n + 1, len = 0, at = 0; /* subject at buf[0..n], result after */
    if (cstr(c, &a[0], 0) == NULL) {
        regfree(&re);
        return c->err->status;
    }
    regmatch_t m[10];
    size_t prev_end = SIZE_MAX; /* end of the last non-empty match */
    while (at <= n) {
        int eflags = at > 0 ? REG_NOTBOL : 0;
        if (regexec(&re, c->buf + at, 10, m, eflags) != 0)
            break;
        for (int g = 0; g < 10; g++)
            if (m[g].rm_so >= 0) {
                m[g].rm_so += (regoff_t)at;
                m[g].rm_eo += (regoff_t)at;
            }
        if (m[0].rm_so == m[0].rm_eo && (size_t)m[0].rm_so == prev_end) {
            /* no empty match right after a match (PostgreSQL, RE2): move on */
            if (at < n && !emit(c, base, &len, c->buf + at, 1)) {
                regfree(&re);
                return c->err->status;
            }
            at++;
            continue;
        }
        if (!emit(c, base, &len, c->buf + at, (size_t)m[0].rm_so - at) ||
            !emit_replacement(c, base, &len, &a[2], 0, m)) {
            regfree(&re);
            return c->err->status;
        }
        at = (size_t)m[0].rm_eo;
        prev_end = m[0].rm_eo > m[0].rm_so ? at : SIZE_MAX;
        if (m[0].rm_eo == m[0].rm_so) { /* empty match: copy one byte and move on */
            if (at < n && !emit(c, base, &len, c->buf + at, 1)) {
                regfree(&re);
                return c->err->status;
            }
            at++;
        }
        if (!global)
            break;
    }
    regfree(&re);
    if (at < n && !emit(c, base, &len, c->buf + at, n - at))
        return c->err->status;
    out->u.s.ptr = c->buf + base;
    out->u.s.len = (uint32_t)len;
    return QE_OK;
}
