/*
 * tools_int.h -- helpers shared by the thin command-line programs (qe-sql, qec, qe-bench)
 * and the SQL test runner: reading files, formatting values, rendering errors, and
 * running a script statement by statement.
 *
 * Everything here is built on the public API (qe.h) only, so the programs stay thin and
 * the engine stays embeddable.  The functions are `static inline` because each program is
 * a single translation unit (CMake builds every tool from one .c file); unused ones cost
 * nothing and raise no warnings.
 */
#ifndef QE_TOOLS_INT_H
#define QE_TOOLS_INT_H

#include "qe.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Reads a whole file (or stdin when path is "-") into a malloc'd, NUL-terminated buffer
 * and stores its length in *len.  Returns NULL with errno set on failure.
 */
static inline char *tools_read_file(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        cap *= 2;
        char *grown = realloc(buf, cap);
        if (!grown)
            free(buf);
        buf = grown;
    }
    int failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || failed) {
        int code = buf ? EIO : ENOMEM;
        free(buf);
        errno = code;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* A growable text buffer owned by its user (free(text) when done). */
typedef struct tools_buf {
    char *text; /* NUL-terminated once anything was written; malloc'd */
    size_t cap; /* bytes allocated for text */
} tools_buf;

/* Makes sure b can hold n bytes plus a NUL; false on out-of-memory. */
static inline bool tools_buf_reserve(tools_buf *b, size_t n) {
    if (n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < n + 1)
        cap *= 2;
    char *grown = realloc(b->text, cap);
    if (!grown)
        return false;
    b->text = grown;
    b->cap = cap;
    return true;
}

/*
 * Formats value `row` of col into b (qe_value_format's rules).  Returns the length, or
 * -1 for NULL (b holds "").  Out-of-memory yields an empty string of length 0.
 */
static inline int tools_format_value(const qe_column_view *col, size_t row, tools_buf *b) {
    if (!tools_buf_reserve(b, 63))
        return 0;
    int n = qe_value_format(col, row, b->text, b->cap);
    if (n >= 0 && (size_t)n >= b->cap) {
        if (!tools_buf_reserve(b, (size_t)n)) {
            b->text[0] = '\0';
            return 0;
        }
        n = qe_value_format(col, row, b->text, b->cap);
    }
    return n;
}

/*
 * Renders err as psql does (qe_error_format: ERROR line, LINE excerpt and caret, DETAIL,
 * HINT, SQLSTATE line).  sql is the text the position refers to (may be NULL).  Returns a
 * malloc'd string, or NULL on out-of-memory.
 */
static inline char *tools_error_text(const qe_error *err, const char *sql) {
    size_t need = qe_error_format(err, sql, NULL, 0);
    char *text = malloc(need + 1);
    if (text)
        qe_error_format(err, sql, text, need + 1);
    return text;
}

/* Prints the rendering of err to f (stderr for the tools). */
static inline void tools_print_error(FILE *f, const qe_error *err, const char *sql) {
    char *text = tools_error_text(err, sql);
    if (text) {
        fputs(text, f);
        free(text);
    } else {
        fprintf(f, "ERROR:  %s\n", qe_error_message(err));
    }
    fflush(f);
}

/* Where a scan of SQL text stopped (see tools_scan_sql). */
typedef enum tools_scan_state {
    TOOLS_SCAN_CODE,          /* outside quotes and comments */
    TOOLS_SCAN_STRING,        /* inside '...' */
    TOOLS_SCAN_IDENT,         /* inside "..." */
    TOOLS_SCAN_LINE_COMMENT,  /* after -- */
    TOOLS_SCAN_BLOCK_COMMENT, /* inside a block comment */
} tools_scan_state;

/*
 * Scans sql[from..len) for the end of the current statement: a ';' outside quotes and
 * comments.  Returns the offset just past that ';', or len if there is none; *state (may
 * be NULL) receives the lexical state at the returned offset.  This only splits text (for
 * the shell's continuation prompt and to step past a statement that failed to parse);
 * the engine's lexer remains the authority on what the text means.
 */
static inline size_t tools_scan_sql(const char *sql, size_t len, size_t from,
                                    tools_scan_state *state) {
    tools_scan_state st = TOOLS_SCAN_CODE;
    size_t i = from;
    for (; i < len; i++) {
        char c = sql[i], next = i + 1 < len ? sql[i + 1] : '\0';
        switch (st) {
        case TOOLS_SCAN_CODE:
            if (c == ';') {
                i++;
                goto done;
            }
            if (c == '\'')
                st = TOOLS_SCAN_STRING;
            else if (c == '"')
                st = TOOLS_SCAN_IDENT;
            else if (c == '-' && next == '-')
                st = TOOLS_SCAN_LINE_COMMENT;
            else if (c == '/' && next == '*')
                st = TOOLS_SCAN_BLOCK_COMMENT;
            i += st == TOOLS_SCAN_LINE_COMMENT || st == TOOLS_SCAN_BLOCK_COMMENT;
            break;
        case TOOLS_SCAN_STRING: /* '' inside a string is an escaped quote: two toggles */
            if (c == '\'')
                st = TOOLS_SCAN_CODE;
            break;
        case TOOLS_SCAN_IDENT:
            if (c == '"')
                st = TOOLS_SCAN_CODE;
            break;
        case TOOLS_SCAN_LINE_COMMENT:
            if (c == '\n')
                st = TOOLS_SCAN_CODE;
            break;
        case TOOLS_SCAN_BLOCK_COMMENT:
            if (c == '*' && next == '/') {
                st = TOOLS_SCAN_CODE;
                i++;
            }
            break;
        }
    }
done:
    if (state)
        *state = st;
    return i;
}

static inline bool tools_is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* True if sql[from..len) holds only white space. */
static inline bool tools_is_blank(const char *sql, size_t len, size_t from) {
    for (size_t i = from; i < len; i++)
        if (!tools_is_space(sql[i]))
            return false;
    return true;
}

/* Callbacks of tools_run_script. */
typedef struct tools_script_ops {
    /* Receives the result of each statement that ran (borrowed: the runner destroys it
     * afterwards); sql is the statement's text (NUL-terminated copy); may be NULL. */
    void (*on_result)(void *ctx, const char *sql, const qe_result *res);
    /* Receives each failure; the error's position refers to sql.  May be NULL. */
    void (*on_error)(void *ctx, const char *sql, const qe_error *err);
    void *ctx; /* passed to the callbacks */
    bool bail; /* stop at the first failed statement */
} tools_script_ops;

/*
 * Runs every statement of text[0..len) in order with qe_prepare/qe_stmt_execute, walking
 * the text with the tail offset.  A statement that fails to parse is skipped up to its
 * ';' (found with tools_scan_sql) unless ops->bail.  Returns the number of failed
 * statements (out-of-memory in the runner itself counts as one and stops).
 */
static inline int tools_run_script(qe_session *session, const char *text, size_t len,
                                   const tools_script_ops *ops) {
    int failures = 0;
    size_t off = 0;
    while (off < len && !tools_is_blank(text, len, off)) {
        while (tools_is_space(text[off])) /* stops before len: the rest is not blank */
            off++;
        size_t rest = len - off, tail = 0;
        qe_stmt *stmt = NULL;
        qe_status st = qe_prepare(session, text + off, rest, &stmt, &tail);
        if (st == QE_OK && tail == 0)
            tail = rest; /* defensive: never loop on the same text */
        if (st != QE_OK && tail == 0)
            tail = tools_scan_sql(text + off, rest, 0, NULL);
        qe_result *res = NULL;
        if (st == QE_OK && stmt)
            st = qe_stmt_execute(stmt, &res);
        /* The statement alone, NUL-terminated, for the callbacks: error positions are
         * offsets from its first byte, so they render the same against this copy. */
        char *stmt_sql = strndup(text + off, tail);
        bool oom = stmt_sql == NULL;
        if (oom) {
            failures++;
        } else if (st != QE_OK) {
            failures++;
            if (ops->on_error)
                ops->on_error(ops->ctx, stmt_sql, qe_session_error(session));
        } else if (stmt && ops->on_result) {
            ops->on_result(ops->ctx, stmt_sql, res);
        }
        qe_result_destroy(res);
        qe_stmt_destroy(stmt);
        free(stmt_sql);
        off += tail;
        if (oom || (st != QE_OK && ops->bail))
            break;
    }
    return failures;
}

/*
 * The DDL of --schema SPEC: a built-in schema's text (qe_builtin_schema: "tpch", "tpcds")
 * or else the contents of the file SPEC.  Returns a malloc'd NUL-terminated copy and its
 * length in *len, or NULL after printing "prog: ..." to stderr.
 */
static inline char *tools_schema_text(const char *prog, const char *spec, size_t *len) {
    const char *builtin = qe_builtin_schema(spec);
    if (builtin) {
        *len = strlen(builtin);
        char *copy = strdup(builtin);
        if (!copy)
            fprintf(stderr, "%s: out of memory\n", prog);
        return copy;
    }
    char *text = tools_read_file(spec, len);
    if (!text) {
        fprintf(stderr, "%s: cannot read schema \"%s\": %s (built-in schemas:", prog, spec,
                strerror(errno));
        for (size_t i = 0; qe_builtin_schema_name(i); i++)
            fprintf(stderr, " %s", qe_builtin_schema_name(i));
        fputs(")\n", stderr);
    }
    return text;
}

/* Seconds on the monotonic clock. */
static inline double tools_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sets a configuration option, printing "prog: invalid value ..." on failure. */
static inline bool tools_config_set(const char *prog, qe_config *cfg, const char *name,
                                    const char *value) {
    if (qe_config_set(cfg, name, value) == QE_OK)
        return true;
    fprintf(stderr, "%s: invalid value for %s: \"%s\"\n", prog, name, value);
    return false;
}

#endif /* QE_TOOLS_INT_H */
