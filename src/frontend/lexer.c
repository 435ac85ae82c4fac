/*
 * lexer.c -- SQL text -> tokens.
 *
 * A hand-written scanner over a byte buffer.  Tokens are spans of the text; the parser
 * decodes identifiers and literals when it needs them.  Keywords are recognized case-
 * insensitively by binary search over the sorted FE_KEYWORD_LIST.  Comments (-- and
 * nested slash-star) and blanks are skipped.  Errors are 42601 with the byte position of
 * the offending text.
 */
#include "fe_int.h"

#include <string.h>

static const char *const keyword_texts[] = {"",
#define FE_X_TEXT(name, reserved) #name,
                                            FE_KEYWORD_LIST(FE_X_TEXT)
#undef FE_X_TEXT
};

static const bool keyword_reserved[] = {false,
#define FE_X_RES(name, reserved) reserved,
                                        FE_KEYWORD_LIST(FE_X_RES)
#undef FE_X_RES
};

static const char *const token_texts[] = {
#define FE_X_TEXT(name, text) text,
    FE_TOKEN_LIST(FE_X_TEXT)
#undef FE_X_TEXT
};

#define N_KEYWORDS (sizeof keyword_texts / sizeof keyword_texts[0] - 1)

uint32_t fe_keyword_count(void) { return (uint32_t)N_KEYWORDS; }

const char *fe_keyword_text(fe_keyword kw) {
    return (size_t)kw <= N_KEYWORDS ? keyword_texts[kw] : "";
}

bool fe_keyword_reserved(fe_keyword kw) { return (size_t)kw <= N_KEYWORDS && keyword_reserved[kw]; }

const char *fe_token_text(fe_token_kind kind) { return token_texts[kind]; }

static char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }
static char upper_ascii(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }

/* Compares text[0..len) in any case with an upper-case keyword: <0, 0, >0. */
static int keyword_cmp(const char *text, size_t len, const char *kw) {
    size_t i = 0;
    for (; i < len && kw[i]; i++) {
        char c = upper_ascii(text[i]);
        if (c != kw[i])
            return (unsigned char)c < (unsigned char)kw[i] ? -1 : 1;
    }
    if (i < len)
        return 1;
    return kw[i] ? -1 : 0;
}

fe_keyword fe_keyword_lookup(const char *text, size_t len) {
    if (len == 0 || len > 16)
        return FE_KW_NONE;
    size_t lo = 1, hi = N_KEYWORDS + 1; /* search keyword_texts[lo..hi) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = keyword_cmp(text, len, keyword_texts[mid]);
        if (c == 0)
            return (fe_keyword)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return FE_KW_NONE;
}

void fe_lexer_init(fe_lexer *lx, const char *sql, size_t len) {
    lx->sql = sql;
    lx->len = len;
    lx->pos = 0;
}

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
/* Identifier characters: ASCII letters, '_', and every non-ASCII byte (UTF-8). */
static bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (unsigned char)c >= 0x80;
}
static bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c) || c == '$'; }

static char at(const fe_lexer *lx, size_t i) { return i < lx->len ? lx->sql[i] : '\0'; }

static qe_status lex_error(rt_error *err, size_t pos, const char *fmt, const char *arg) {
    return rt_error_set(err, QE_SYNTAX, "42601", (int)pos, fmt, arg);
}

/* 42601 "<what> at or near "<the rest of the text from pos>"" (PostgreSQL shows the
 * unterminated token, which runs to the end; at most 40 bytes here). */
static qe_status lex_error_rest(const fe_lexer *lx, rt_error *err, size_t pos, const char *what) {
    size_t n = lx->len - pos < 40 ? lx->len - pos : 40;
    return rt_error_set(err, QE_SYNTAX, "42601", (int)pos, "%s at or near \"%.*s\"", what, (int)n,
                        lx->sql + pos);
}

/* Skips blanks and comments; errors on an unterminated block comment. */
static qe_status skip_blanks(fe_lexer *lx, rt_error *err) {
    for (;;) {
        char c = at(lx, lx->pos);
        if (lx->pos < lx->len && is_space(c)) {
            lx->pos++;
        } else if (c == '-' && at(lx, lx->pos + 1) == '-') {
            while (lx->pos < lx->len && lx->sql[lx->pos] != '\n')
                lx->pos++;
        } else if (c == '/' && at(lx, lx->pos + 1) == '*') {
            size_t start = lx->pos, depth = 0;
            do {
                if (lx->pos + 1 >= lx->len)
                    return lex_error_rest(lx, err, start, "unterminated /* comment");
                if (lx->sql[lx->pos] == '/' && lx->sql[lx->pos + 1] == '*') {
                    depth++;
                    lx->pos += 2;
                } else if (lx->sql[lx->pos] == '*' && lx->sql[lx->pos + 1] == '/') {
                    depth--;
                    lx->pos += 2;
                } else {
                    lx->pos++;
                }
            } while (depth > 0);
        } else {
            return QE_OK;
        }
    }
}

/* Scans a quoted span starting at the quote q; doubled quotes are escapes. */
static qe_status scan_quoted(fe_lexer *lx, char q, fe_token *tok, rt_error *err) {
    size_t i = lx->pos + 1;
    for (;;) {
        if (i >= lx->len) {
            if (q == '"')
                return lex_error_rest(lx, err, lx->pos, "unterminated quoted identifier");
            char shown[64];
            size_t n = lx->len - lx->pos < 40 ? lx->len - lx->pos : 40;
            memcpy(shown, lx->sql + lx->pos, n);
            shown[n] = '\0';
            return lex_error(err, lx->pos, "unterminated quoted string at or near \"%s\"", shown);
        }
        if (lx->sql[i] == q) {
            if (at(lx, i + 1) == q) {
                i += 2;
                continue;
            }
            i++;
            break;
        }
        i++;
    }
    if (q == '"' && i - lx->pos == 2)
        return rt_error_set(err, QE_SYNTAX, "42601", (int)lx->pos,
                            "zero-length delimited identifier at or near \"\"\"\"");
    tok->kind = q == '"' ? FE_TOK_QIDENT : FE_TOK_STRING;
    tok->len = (int)(i - lx->pos);
    lx->pos = i;
    return QE_OK;
}

/* Scans E'...' (the E is at lx->pos): backslash escapes the next character, so \'
 * does not end the string; '' is a quote too.  Decoding is the parser's job. */
static qe_status scan_escape_string(fe_lexer *lx, fe_token *tok, rt_error *err) {
    size_t i = lx->pos + 2;
    for (;;) {
        if (i >= lx->len) {
            char shown[64];
            size_t n = lx->len - lx->pos < 40 ? lx->len - lx->pos : 40;
            memcpy(shown, lx->sql + lx->pos, n);
            shown[n] = '\0';
            return lex_error(err, lx->pos, "unterminated quoted string at or near \"%s\"", shown);
        }
        if (lx->sql[i] == '\\') {
            i += 2;
        } else if (lx->sql[i] == '\'') {
            if (at(lx, i + 1) != '\'')
                break;
            i += 2;
        } else {
            i++;
        }
    }
    tok->kind = FE_TOK_STRING;
    tok->len = (int)(i + 1 - lx->pos);
    lx->pos = i + 1;
    return QE_OK;
}

/* Scans a number: digits [. digits] [e [+-] digits], or . digits. */
static qe_status scan_number(fe_lexer *lx, fe_token *tok, rt_error *err) {
    size_t i = lx->pos;
    bool decimal = false;
    while (is_digit(at(lx, i)))
        i++;
    if (at(lx, i) == '.' && at(lx, i + 1) != '.') {
        decimal = true;
        i++;
        while (is_digit(at(lx, i)))
            i++;
    }
    if ((at(lx, i) == 'e' || at(lx, i) == 'E') &&
        (is_digit(at(lx, i + 1)) ||
         ((at(lx, i + 1) == '+' || at(lx, i + 1) == '-') && is_digit(at(lx, i + 2))))) {
        decimal = true;
        i += 2;
        while (is_digit(at(lx, i)))
            i++;
    }
    if (is_ident_start(at(lx, i))) {
        size_t j = i;
        while (is_ident_char(at(lx, j)))
            j++;
        if (j == i + 1 && (at(lx, i) == 'e' || at(lx, i) == 'E') &&
            (at(lx, j) == '+' || at(lx, j) == '-'))
            j++; /* "1.5e+": PostgreSQL's realfail token includes the sign */
        char shown[80];
        size_t n = j - lx->pos < 79 ? j - lx->pos : 79;
        memcpy(shown, lx->sql + lx->pos, n);
        shown[n] = '\0';
        return lex_error(err, lx->pos, "trailing junk after numeric literal at or near \"%s\"",
                         shown);
    }
    tok->kind = decimal ? FE_TOK_DECIMAL : FE_TOK_INTEGER;
    tok->len = (int)(i - lx->pos);
    lx->pos = i;
    return QE_OK;
}

/* Two-character operators first, then single characters. */
static bool scan_operator(fe_lexer *lx, fe_token *tok) {
    static const struct {
        char text[3];
        fe_token_kind kind;
    } ops[] = {
        {"::", FE_TOK_DCOLON},  {"<=", FE_TOK_LE},      {">=", FE_TOK_GE},     {"<>", FE_TOK_NE},
        {"!=", FE_TOK_NE2},     {"||", FE_TOK_CONCAT},  {"(", FE_TOK_LPAREN},  {")", FE_TOK_RPAREN},
        {"[", FE_TOK_LBRACKET}, {"]", FE_TOK_RBRACKET}, {",", FE_TOK_COMMA},   {";", FE_TOK_SEMI},
        {".", FE_TOK_DOT},      {":", FE_TOK_COLON},    {"*", FE_TOK_STAR},    {"+", FE_TOK_PLUS},
        {"-", FE_TOK_MINUS},    {"/", FE_TOK_SLASH},    {"%", FE_TOK_PERCENT}, {"^", FE_TOK_CARET},
        {"=", FE_TOK_EQ},       {"<", FE_TOK_LT},       {">", FE_TOK_GT},
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t n = strlen(ops[k].text);
        if (lx->pos + n <= lx->len && memcmp(lx->sql + lx->pos, ops[k].text, n) == 0) {
            tok->kind = ops[k].kind;
            tok->len = (int)n;
            lx->pos += n;
            return true;
        }
    }
    return false;
}

/* A word: identifier or keyword. */
static void scan_word(fe_lexer *lx, fe_token *tok) {
    size_t i = lx->pos;
    while (i < lx->len && is_ident_char(lx->sql[i]))
        i++;
    tok->kind = FE_TOK_IDENT;
    tok->len = (int)(i - lx->pos);
    tok->kw = fe_keyword_lookup(lx->sql + lx->pos, i - lx->pos);
    lx->pos = i;
}

/* $n parameter. */
static void scan_param(fe_lexer *lx, fe_token *tok) {
    size_t i = lx->pos + 1;
    while (is_digit(at(lx, i)))
        i++;
    tok->kind = FE_TOK_PARAM;
    tok->len = (int)(i - lx->pos);
    lx->pos = i;
}

qe_status fe_lexer_next(fe_lexer *lx, fe_token *tok, rt_error *err) {
    qe_status st = skip_blanks(lx, err);
    if (st != QE_OK)
        return st;
    if (lx->len > (size_t)INT32_MAX)
        return rt_error_set(err, QE_SYNTAX, "54000", -1, "statement text is too long");
    tok->kw = FE_KW_NONE;
    tok->start = (int)lx->pos;
    tok->len = 0;
    if (lx->pos >= lx->len) {
        tok->kind = FE_TOK_EOF;
        return QE_OK;
    }
    char c = lx->sql[lx->pos];
    if ((c == 'E' || c == 'e') && at(lx, lx->pos + 1) == '\'')
        return scan_escape_string(lx, tok, err);
    if (c == '?') { /* positional parameter (numbered by the parser) */
        tok->kind = FE_TOK_PARAM;
        tok->len = 1;
        lx->pos++;
        return QE_OK;
    }
    if (is_ident_start(c)) {
        scan_word(lx, tok);
        return QE_OK;
    }
    if (is_digit(c) || (c == '.' && is_digit(at(lx, lx->pos + 1))))
        return scan_number(lx, tok, err);
    if (c == '\'' || c == '"')
        return scan_quoted(lx, c, tok, err);
    if (c == '$' && is_digit(at(lx, lx->pos + 1))) {
        scan_param(lx, tok);
        return QE_OK;
    }
    if (scan_operator(lx, tok))
        return QE_OK;
    char shown[2] = {c, '\0'};
    if (c == '\0')
        return rt_error_set(err, QE_SYNTAX, "42601", (int)lx->pos,
                            "invalid NUL byte in statement text");
    return lex_error(err, lx->pos, "syntax error at or near \"%s\"", shown);
}

/* Kept here so the lexer owns every case-folding rule. */
char *fe_token_name(fe_parser *p, const fe_token *tok) {
    const char *s = p->sql + tok->start;
    if (tok->kind == FE_TOK_QIDENT) {
        char *out = rt_arena_alloc(p->arena, (size_t)tok->len);
        if (!out)
            return fe_oom(p);
        size_t n = 0;
        for (int i = 1; i < tok->len - 1; i++) {
            out[n++] = s[i];
            if (s[i] == '"')
                i++; /* "" -> " */
        }
        out[n] = '\0';
        return out;
    }
    char *out = rt_arena_alloc(p->arena, (size_t)tok->len + 1);
    if (!out)
        return fe_oom(p);
    for (int i = 0; i < tok->len; i++)
        out[i] = lower_ascii(s[i]);
    out[tok->len] = '\0';
    return out;
}
