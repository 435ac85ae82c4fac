/*
 * sqllogictest.c -- QE's SQL test runner: sqllogictest files (DuckDB's flavour) run
 * through the public API (qe.h) in one execution mode.
 *
 *   sqllogictest --mode interpret|jit|adaptive|cluster [--worker-bin PATH] [--threads N]
 *                [--timeout SECONDS] [--jit-tier cheap|optimized] FILE.test...
 *
 * Records (separated by blank lines; `#` starts a comment line):
 *   statement ok            SQL must succeed
 *   statement error         SQL must fail; after an optional `----`, every expected line
 *                           must appear in the error's rendering (qe_error_format); a line
 *                           starting with a blank (a caret line) must start a rendered line
 *   query <types> [nosort|rowsort|valuesort]
 *                           SQL, `----`, then the rows: values separated by tabs, NULL as
 *                           `NULL`, the empty string as `(empty)`; one value per line is
 *                           accepted too.  types: one letter per column, I integer,
 *                           R floating point, T text, B boolean (checked against the
 *                           result's column types)
 *   skipif MODE / onlyif MODE   before a record: skip it in / outside MODE
 *   halt                    stop running the file
 *
 * In SQL text, __TEST_DIR__ stands for the absolute directory of the test file (fixture
 * files next to it) and __TMP_DIR__ for a fresh directory per file, removed at the end
 * (files a test writes, e.g. with COPY ... TO).
 *
 * interpret/jit/adaptive: a fresh embedded in-memory engine per file with SET
 * execution_mode; adaptive also sets debug_adaptive = 'wait', so every stage with a
 * compilable pipeline is compiled and each thread switches after its first morsel.
 * --jit-tier sets jit_tier first (embedded modes; a file's own SET overrides it).
 * cluster: per file, a coordinator (the engine, config cluster=127.0.0.1:<port>,
 * min_workers=2) and two qe-worker processes on free local ports; at the end the workers
 * get SIGTERM, then SIGKILL after 2 s, and every process is reaped.  Each file is bounded
 * by an alarm.  Mismatches print file:line, the SQL, expected and actual; the last line
 * is `N passed, N failed`; the exit status is non-zero if anything failed.
 */
#include "../tools/tools_int.h"
#include "qe.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* X(name, text) -- the modes the runner can run a file in. */
#define RUN_MODE_LIST(X)                                                                           \
    X(INTERPRET, "interpret")                                                                      \
    X(JIT, "jit")                                                                                  \
    X(ADAPTIVE, "adaptive")                                                                        \
    X(CLUSTER, "cluster")

typedef enum run_mode {
#define RUN_X_ENUM(name, text) RUN_MODE_##name,
    RUN_MODE_LIST(RUN_X_ENUM)
#undef RUN_X_ENUM
        RUN_MODE_COUNT
} run_mode;

static const char *const run_mode_names[] = {
#define RUN_X_NAME(name, text) text,
    RUN_MODE_LIST(RUN_X_NAME)
#undef RUN_X_NAME
};

#define N_WORKERS 2
#define WORKER_STOP_MS 2000 /* SIGTERM -> SIGKILL grace period */

/* Options and totals of the whole run. */
typedef struct runner {
    run_mode mode;          /* how every file runs */
    const char *worker_bin; /* qe-worker executable (cluster mode) */
    const char *threads;    /* engine option "threads", or NULL */
    unsigned timeout_s;     /* alarm per file */
    const char *jit_tier;   /* session setting jit_tier (embedded modes), or NULL */
    int passed;             /* records that passed */
    int failed;             /* records (and setup/teardown steps) that failed */
    int skipped;            /* records skipped by skipif/onlyif/mode skip */
} runner;

/* The engine a file runs against, and the worker processes behind it. */
typedef struct test_env {
    qe_engine *engine;        /* fresh per file */
    qe_session *session;      /* the session every record runs in */
    pid_t workers[N_WORKERS]; /* 0 = not started */
    char test_dir[PATH_MAX];  /* absolute directory of the test file (__TEST_DIR__) */
    char tmp_dir[64];         /* per-file scratch directory (__TMP_DIR__), "" if none */
} test_env;

/* Worker pids for the alarm handler, which must kill them before exiting. */
static volatile pid_t alarm_workers[N_WORKERS];
static const char *volatile alarm_file;

/* ---- test files ------------------------------------------------------------------------ */

/* A test file split into lines (the text is modified in place). */
typedef struct test_file {
    const char *path; /* as given on the command line */
    char *text;       /* malloc'd file contents */
    char **lines;     /* n_lines pointers into text, without line terminators */
    size_t n_lines;   /* entries in lines */
    size_t next;      /* index of the next line to read */
} test_file;

static bool file_load(test_file *tf, const char *path) {
    size_t len = 0;
    memset(tf, 0, sizeof *tf);
    tf->path = path;
    tf->text = tools_read_file(path, &len);
    if (!tf->text)
        return false;
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += tf->text[i] == '\n';
    tf->lines = calloc(cap, sizeof *tf->lines);
    if (!tf->lines)
        return false;
    char *p = tf->text, *end = tf->text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        if (stop > p && stop[-1] == '\r')
            stop[-1] = '\0';
        tf->lines[tf->n_lines++] = p;
        p = stop + 1;
    }
    return true;
}

static void file_free(test_file *tf) {
    free(tf->lines);
    free(tf->text);
}

static bool line_blank(const char *s) { return tools_is_blank(s, strlen(s), 0); }

/* ---- records --------------------------------------------------------------------------- */

/* X(name) -- kinds of records. */
#define RECORD_KIND_LIST(X)                                                                        \
    X(STATEMENT_OK)                                                                                \
    X(STATEMENT_ERROR)                                                                             \
    X(QUERY)                                                                                       \
    X(HALT)                                                                                        \
    X(MODE_SKIP)                                                                                   \
    X(MODE_UNSKIP)                                                                                 \
    X(INVALID)

typedef enum record_kind {
#define REC_X_ENUM(name) REC_##name,
    RECORD_KIND_LIST(REC_X_ENUM)
#undef REC_X_ENUM
} record_kind;

/* X(name, text) -- how query results are ordered before comparison. */
#define SORT_MODE_LIST(X)                                                                          \
    X(NOSORT, "nosort")                                                                            \
    X(ROWSORT, "rowsort")                                                                          \
    X(VALUESORT, "valuesort")

typedef enum sort_mode {
#define SORT_X_ENUM(name, text) SORT_##name,
    SORT_MODE_LIST(SORT_X_ENUM)
#undef SORT_X_ENUM
        SORT_COUNT
} sort_mode;

static const char *const sort_mode_names[] = {
#define SORT_X_NAME(name, text) text,
    SORT_MODE_LIST(SORT_X_NAME)
#undef SORT_X_NAME
};

/* One record of a test file. */
typedef struct record {
    record_kind kind;  /* what the header line says */
    size_t line;       /* 1-based line of the record's header */
    bool skip;         /* skipif/onlyif excluded it in this mode */
    char types[64];    /* query: one letter per column */
    sort_mode sort;    /* query: result ordering */
    tools_buf sql;     /* the SQL lines joined with '\n' */
    char **expected;   /* lines after ----, pointing into the file */
    size_t n_expected; /* entries in expected */
    char invalid[160]; /* INVALID: why */
} record;

/* Appends a SQL line to the record. */
static bool record_add_sql(record *r, size_t *len, const char *line) {
    size_t n = strlen(line);
    if (!tools_buf_reserve(&r->sql, *len + n + 1))
        return false;
    if (*len)
        r->sql.text[(*len)++] = '\n';
    memcpy(r->sql.text + *len, line, n + 1);
    *len += n;
    return true;
}

/* Reads the SQL lines, then (after "----") the expected lines, up to a blank line. */
static bool record_read_body(test_file *tf, record *r) {
    size_t len = 0;
    bool ok = tools_buf_reserve(&r->sql, 0);
    if (ok)
        r->sql.text[0] = '\0';
    while (ok && tf->next < tf->n_lines && !line_blank(tf->lines[tf->next])) {
        const char *line = tf->lines[tf->next++];
        if (strcmp(line, "----") == 0) {
            r->expected = &tf->lines[tf->next];
            while (tf->next < tf->n_lines && !line_blank(tf->lines[tf->next]))
                tf->next++;
            r->n_expected = (size_t)(&tf->lines[tf->next] - r->expected);
            break;
        }
        ok = record_add_sql(r, &len, line);
    }
    return ok;
}

/* Skips to the blank line ending a record. */
static void skip_record(test_file *tf) {
    while (tf->next < tf->n_lines && !line_blank(tf->lines[tf->next]))
        tf->next++;
}

static bool parse_mode_name(const char *name, run_mode *out) {
    for (int m = 0; m < RUN_MODE_COUNT; m++) {
        if (strcmp(name, run_mode_names[m]) == 0) {
            *out = (run_mode)m;
            return true;
        }
    }
    return false;
}

/* Parses "query <types> [sort]" into r. */
static void parse_query_header(record *r, const char *types, const char *sort) {
    r->kind = REC_QUERY;
    if (!types || strlen(types) >= sizeof r->types || strspn(types, "IRTB") != strlen(types)) {
        r->kind = REC_INVALID;
        snprintf(r->invalid, sizeof r->invalid, "query needs a types string of I, R, T, B");
        return;
    }
    snprintf(r->types, sizeof r->types, "%s", types);
    r->sort = SORT_NOSORT;
    for (int s = 0; sort && s < SORT_COUNT; s++)
        if (strcmp(sort, sort_mode_names[s]) == 0)
            r->sort = (sort_mode)s;
    if (sort && strcmp(sort, sort_mode_names[r->sort]) != 0) {
        r->kind = REC_INVALID;
        snprintf(r->invalid, sizeof r->invalid, "unknown sort mode \"%s\"", sort);
    }
}

/* Applies a "skipif MODE"/"onlyif MODE" line to the pending record; false if malformed. */
static bool parse_condition(const char *word, const char *arg, run_mode mode, bool *skip) {
    run_mode m;
    if (!arg || !parse_mode_name(arg, &m))
        return false;
    if (strcmp(word, "skipif") == 0 && m == mode)
        *skip = true;
    if (strcmp(word, "onlyif") == 0 && m != mode)
        *skip = true;
    return true;
}

/* Parses a record header line (already split into up to three words) and its body. */
static void parse_header(test_file *tf, record *r, char **w, int n_words) {
    if (strcmp(w[0], "statement") == 0 && n_words == 2 && strcmp(w[1], "ok") == 0) {
        r->kind = REC_STATEMENT_OK;
    } else if (strcmp(w[0], "statement") == 0 && n_words == 2 && strcmp(w[1], "error") == 0) {
        r->kind = REC_STATEMENT_ERROR;
    } else if (strcmp(w[0], "query") == 0) {
        parse_query_header(r, n_words > 1 ? w[1] : NULL, n_words > 2 ? w[2] : NULL);
    } else if (strcmp(w[0], "halt") == 0 && n_words == 1) {
        r->kind = REC_HALT;
        return;
    } else if (strcmp(w[0], "mode") == 0 && n_words == 2 &&
               (strcmp(w[1], "skip") == 0 || strcmp(w[1], "unskip") == 0)) {
        r->kind = strcmp(w[1], "skip") == 0 ? REC_MODE_SKIP : REC_MODE_UNSKIP;
        return;
    } else {
        r->kind = REC_INVALID;
        snprintf(r->invalid, sizeof r->invalid, "unknown record \"%s\"", w[0]);
    }
    if (r->kind == REC_INVALID) {
        skip_record(tf);
        return;
    }
    if (!record_read_body(tf, r)) {
        r->kind = REC_INVALID;
        snprintf(r->invalid, sizeof r->invalid, "out of memory");
    }
}

/* Splits line (copied into buf) into up to 4 blank-separated words. */
static int split_words(const char *line, char *buf, size_t cap, char **w) {
    snprintf(buf, cap, "%s", line);
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t && n < 4;
         t = strtok_r(NULL, " \t", &save))
        w[n++] = t;
    return n;
}

/* Reads the next record; false at the end of the file. */
static bool next_record(test_file *tf, run_mode mode, record *r) {
    tools_buf sql = r->sql; /* keep the buffer across records */
    memset(r, 0, sizeof *r);
    r->sql = sql;
    while (tf->next < tf->n_lines) {
        const char *line = tf->lines[tf->next++];
        if (line_blank(line) || line[0] == '#')
            continue;
        char buf[256], *w[4];
        int n = split_words(line, buf, sizeof buf, w);
        r->line = tf->next;
        if (strcmp(w[0], "skipif") == 0 || strcmp(w[0], "onlyif") == 0) {
            if (!parse_condition(w[0], n > 1 ? w[1] : NULL, mode, &r->skip)) {
                r->kind = REC_INVALID;
                snprintf(r->invalid, sizeof r->invalid, "%s needs a mode name", w[0]);
                skip_record(tf);
                return true;
            }
            continue;
        }
        parse_header(tf, r, w, n);
        return true;
    }
    return false;
}

/* ---- results as text ------------------------------------------------------------------- */

/* Values of a result (or of the expected lines) as strings. */
typedef struct table {
    size_t n_rows;  /* rows held in cells */
    size_t n_cols;  /* values per row */
    char **cells;   /* n_rows * n_cols malloc'd strings, row-major */
    qe_type *types; /* n_cols column types (actual results only) */
} table;

static void table_free(table *t) {
    for (size_t i = 0; t->cells && i < t->n_rows * t->n_cols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->types);
    memset(t, 0, sizeof *t);
}

/* Converts a result to text cells: NULL as "NULL", '' as "(empty)". */
static bool table_from_result(table *t, const qe_result *res) {
    table_free(t);
    t->n_cols = qe_result_column_count(res);
    size_t total = (size_t)qe_result_row_count(res);
    t->cells = calloc(total * t->n_cols + 1, sizeof *t->cells);
    t->types = calloc(t->n_cols + 1, sizeof *t->types);
    if (!t->cells || !t->types)
        return false;
    for (size_t c = 0; c < t->n_cols; c++)
        t->types[c] = qe_result_column_type(res, c);
    tools_buf cell = {0};
    bool ok = true;
    for (size_t bi = 0; ok && bi < qe_result_batch_count(res); bi++) {
        qe_batch_view b;
        if (qe_result_batch(res, bi, &b) != QE_OK)
            continue;
        for (size_t r = 0; ok && r < b.n_rows && t->n_rows < total; r++, t->n_rows++) {
            for (size_t c = 0; ok && c < t->n_cols; c++) {
                int n = tools_format_value(&b.columns[c], r, &cell);
                const char *text = n < 0 ? "NULL" : n == 0 ? "(empty)" : cell.text;
                ok = (t->cells[t->n_rows * t->n_cols + c] = strdup(text)) != NULL;
            }
        }
    }
    free(cell.text);
    return ok;
}

/* Splits the expected lines into cells: one row per line with tab-separated values, or
 * (for several columns) one value per line.  False if the shape does not fit n_cols. */
static bool table_from_expected(table *t, char *const *lines, size_t n_lines, size_t n_cols) {
    table_free(t);
    t->n_cols = n_cols;
    bool per_row = true;
    for (size_t i = 0; i < n_lines && per_row; i++) {
        size_t tabs = 0;
        for (const char *p = lines[i]; *p; p++)
            tabs += *p == '\t';
        per_row = tabs + 1 == n_cols;
    }
    if (!per_row && (n_cols == 0 || n_lines % n_cols != 0))
        return false;
    t->n_rows = per_row ? n_lines : n_lines / n_cols;
    t->cells = calloc(t->n_rows * n_cols + 1, sizeof *t->cells);
    if (!t->cells)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n_lines; i++) {
        const char *p = lines[i];
        for (;;) {
            size_t n = per_row ? strcspn(p, "\t") : strlen(p);
            t->cells[k++] = strndup(p, n);
            if (p[n] != '\t' || !per_row)
                break;
            p += n + 1;
        }
    }
    return true;
}

/* Compares two rows of `*(size_t *)width` cells (qsort_r). */
static int cmp_rows(const void *a, const void *b, void *width) {
    char *const *x = a, *const *y = b;
    for (size_t c = 0; c < *(size_t *)width; c++) {
        int d = strcmp(x[c] ? x[c] : "", y[c] ? y[c] : "");
        if (d)
            return d;
    }
    return 0;
}

/* Sorts rows (rowsort) or all values (valuesort). */
static void table_sort(table *t, sort_mode sort) {
    if (sort == SORT_NOSORT || t->n_cols == 0)
        return;
    size_t width = sort == SORT_ROWSORT ? t->n_cols : 1;
    size_t n = sort == SORT_ROWSORT ? t->n_rows : t->n_rows * t->n_cols;
    qsort_r(t->cells, n, width * sizeof *t->cells, cmp_rows, &width);
}

static bool tables_equal(const table *a, const table *b) {
    if (a->n_rows != b->n_rows || a->n_cols != b->n_cols)
        return false;
    for (size_t i = 0; i < a->n_rows * a->n_cols; i++)
        if (strcmp(a->cells[i] ? a->cells[i] : "", b->cells[i] ? b->cells[i] : "") != 0)
            return false;
    return true;
}

static void table_print(FILE *out, const table *t) {
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++)
            fprintf(out, "%s%s", c ? "\t" : "", t->cells[r * t->n_cols + c]);
        fputc('\n', out);
    }
}

/* The type letter a column of `type` is written with ('?' = any letter). */
static char type_letter(qe_type type) {
    switch (type) {
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT:
    case QE_TYPE_HUGEINT: return 'I';
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE:
    case QE_TYPE_DECIMAL: return 'R';
    case QE_TYPE_BOOLEAN: return 'B';
    case QE_TYPE_NULL: return '?';
    default: return 'T';
    }
}

/* ---- running records ------------------------------------------------------------------- */

/* What running a record's SQL produced. */
typedef struct outcome {
    int failures;    /* failed statements */
    char *error;     /* rendering of the first error (malloc'd), or NULL */
    table result;    /* the last statement's result */
    bool has_result; /* a statement produced a result with columns */
} outcome;

static void on_result(void *ctx, const char *sql, const qe_result *res) {
    outcome *o = ctx;
    if (!res || qe_result_column_count(res) == 0)
        return;
    o->has_result = table_from_result(&o->result, res);
}

static void on_error(void *ctx, const char *sql, const qe_error *err) {
    outcome *o = ctx;
    if (!o->error)
        o->error = tools_error_text(err, sql);
}

static void run_sql(test_env *env, const char *sql, outcome *o) {
    memset(o, 0, sizeof *o);
    tools_script_ops ops = {on_result, on_error, o, true};
    o->failures = tools_run_script(env->session, sql, strlen(sql), &ops);
}

static void outcome_free(outcome *o) {
    free(o->error);
    table_free(&o->result);
}

/* Prints the head of a failure report: "FAIL file:line: why" and the SQL. */
static void report_failure(const test_file *tf, const record *r, const char *why) {
    fprintf(stderr, "\nFAIL %s:%zu: %s\nSQL:\n%s\n", tf->path, r->line, why, r->sql.text);
}

static void print_lines(FILE *out, const char *title, char *const *lines, size_t n) {
    fprintf(out, "%s\n", title);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s\n", lines[i]);
}

/* True if `want` appears in the error text; a want starting with a blank (a caret line)
 * must start one of its lines, so the caret's column is checked exactly. */
static bool error_has_line(const char *text, const char *want) {
    if (want[0] != ' ')
        return strstr(text, want) != NULL;
    size_t n = strlen(want);
    for (const char *line = text; *line;) {
        if (strncmp(line, want, n) == 0 && (line[n] == '\n' || line[n] == '\0'))
            return true;
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return false;
}

static bool check_statement_error(const test_file *tf, const record *r, const outcome *o) {
    if (o->failures == 0) {
        report_failure(tf, r, "statement succeeded, but an error was expected");
        return false;
    }
    for (size_t i = 0; i < r->n_expected; i++) {
        if (!error_has_line(o->error ? o->error : "", r->expected[i])) {
            char why[512];
            snprintf(why, sizeof why, "error text lacks the line \"%s\"", r->expected[i]);
            report_failure(tf, r, why);
            fprintf(stderr, "actual error:\n%s", o->error ? o->error : "(none)\n");
            return false;
        }
    }
    return true;
}

/* Checks the result's column count and types against the record's types string. */
static bool check_types(const test_file *tf, const record *r, const table *actual) {
    char why[256];
    if (strlen(r->types) != actual->n_cols) {
        snprintf(why, sizeof why, "types \"%s\" give %zu columns, the result has %zu", r->types,
                 strlen(r->types), actual->n_cols);
        report_failure(tf, r, why);
        return false;
    }
    for (size_t c = 0; c < actual->n_cols; c++) {
        char want = type_letter(actual->types[c]);
        if (want != '?' && want != r->types[c]) {
            snprintf(why, sizeof why, "column %zu has type %s (letter %c), the record says %c",
                     c + 1, qe_type_name(actual->types[c]), want, r->types[c]);
            report_failure(tf, r, why);
            return false;
        }
    }
    return true;
}

static bool check_query(const test_file *tf, const record *r, outcome *o) {
    if (o->failures) {
        report_failure(tf, r, "query failed");
        fprintf(stderr, "%s", o->error ? o->error : "(no error text)\n");
        return false;
    }
    if (!o->has_result) {
        report_failure(tf, r, "statement returned no result columns");
        return false;
    }
    if (!check_types(tf, r, &o->result))
        return false;
    table expected = {0};
    bool shaped = table_from_expected(&expected, r->expected, r->n_expected, o->result.n_cols);
    table_sort(&o->result, r->sort);
    if (shaped)
        table_sort(&expected, r->sort);
    bool ok = shaped && tables_equal(&expected, &o->result);
    if (!ok) {
        report_failure(tf, r, "wrong result");
        print_lines(stderr, "expected:", r->expected, r->n_expected);
        fprintf(stderr, "actual (%s):\n", sort_mode_names[r->sort]);
        table_print(stderr, &o->result);
    }
    table_free(&expected);
    return ok;
}

/* sql with __TEST_DIR__ and __TMP_DIR__ replaced (malloc'd; NULL on out-of-memory). */
static char *expand_dirs(const test_env *env, const char *sql) {
    static const char *const keys[] = {"__TEST_DIR__", "__TMP_DIR__"};
    const char *vals[] = {env->test_dir, env->tmp_dir};
    tools_buf out = {0};
    size_t len = 0;
    for (const char *p = sql;;) {
        size_t k = 0, n = strlen(p);
        const char *hit = NULL;
        for (size_t i = 0; i < 2; i++) {
            const char *h = strstr(p, keys[i]);
            if (h && (!hit || h < hit))
                hit = h, k = i;
        }
        size_t take = hit ? (size_t)(hit - p) : n;
        size_t add = hit ? strlen(vals[k]) : 0;
        if (!tools_buf_reserve(&out, len + take + add + 1))
            return free(out.text), NULL;
        memcpy(out.text + len, p, take);
        memcpy(out.text + len + take, hit ? vals[k] : "", add);
        len += take + add;
        out.text[len] = '\0';
        if (!hit)
            return out.text;
        p = hit + strlen(keys[k]);
    }
}

/* Runs one record; true if it passed. */
static bool run_record(test_env *env, const test_file *tf, const record *r) {
    outcome o;
    char *sql = expand_dirs(env, r->sql.text);
    run_sql(env, sql ? sql : r->sql.text, &o);
    free(sql);
    bool ok = false;
    switch (r->kind) {
    case REC_STATEMENT_OK:
        ok = o.failures == 0;
        if (!ok) {
            report_failure(tf, r, "statement failed");
            fprintf(stderr, "%s", o.error ? o.error : "(no error text)\n");
        }
        break;
    case REC_STATEMENT_ERROR: ok = check_statement_error(tf, r, &o); break;
    case REC_QUERY: ok = check_query(tf, r, &o); break;
    default: break;
    }
    outcome_free(&o);
    return ok;
}

/* ---- environments ---------------------------------------------------------------------- */

/* A TCP port on 127.0.0.1 that is free right now (0 on failure). */
static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* A free port (free_port) that is none of used[0..n): a port is taken only when its
 * process binds it, so the kernel may hand out the same port twice meanwhile (two
 * workers then fought over one port: "address already in use"). */
static int free_port_except(const int *used, int n) {
    for (int tries = 0; tries < 100; tries++) {
        int port = free_port();
        bool taken = false;
        for (int i = 0; i < n; i++)
            taken |= used[i] == port;
        if (!taken)
            return port;
    }
    return 0;
}

/* Starts a qe-worker process; returns its pid, or -1. */
static pid_t start_worker(const char *bin, int port, int coordinator_port, const char *threads) {
    char listen[32], coord[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(coord, sizeof coord, "127.0.0.1:%d", coordinator_port);
    char *argv[] = {(char *)bin,
                    "--listen",
                    listen,
                    "--coordinator",
                    coord,
                    "--threads",
                    (char *)(threads ? threads : "2"),
                    NULL};
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* Only async-signal-safe calls between fork and exec. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        execv(bin, argv);
        static const char msg[] = "sqllogictest: cannot execute the worker binary\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
        _exit(127);
    }
    return pid;
}

/* Stops the workers: SIGTERM, up to WORKER_STOP_MS, then SIGKILL; reaps all.  Returns
 * false if one had crashed, failed, or had to be killed. */
static bool stop_workers(test_env *env) {
    bool ok = true;
    for (int i = 0; i < N_WORKERS; i++)
        if (env->workers[i] > 0)
            kill(env->workers[i], SIGTERM);
    for (int waited = 0; waited <= WORKER_STOP_MS; waited += 10) {
        bool running = false;
        for (int i = 0; i < N_WORKERS; i++) {
            int status;
            if (env->workers[i] <= 0)
                continue;
            pid_t r = waitpid(env->workers[i], &status, WNOHANG);
            if (r == 0) {
                running = true;
                continue;
            }
            /* SIGTERM itself may end a worker that had not installed its handler yet. */
            bool clean = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                         (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
            if (r == env->workers[i] && !clean) {
                fprintf(stderr, "FAIL worker %d ended badly (status 0x%x)\n", (int)env->workers[i],
                        status);
                ok = false;
            }
            env->workers[i] = alarm_workers[i] = 0;
        }
        if (!running)
            return ok;
        usleep(10000);
    }
    for (int i = 0; i < N_WORKERS; i++) {
        if (env->workers[i] > 0) {
            fprintf(stderr, "FAIL worker %d did not stop within %d ms of SIGTERM\n",
                    (int)env->workers[i], WORKER_STOP_MS);
            kill(env->workers[i], SIGKILL);
            waitpid(env->workers[i], NULL, 0);
            env->workers[i] = alarm_workers[i] = 0;
            ok = false;
        }
    }
    return ok;
}

/* Opens the engine (and starts workers) for one file; prints why on failure. */
static bool env_open(test_env *env, const runner *rn) {
    memset(env, 0, sizeof *env);
    qe_config *cfg = NULL;
    qe_error *err = NULL;
    char addr[32];
    int port = rn->mode == RUN_MODE_CLUSTER ? free_port() : 0;
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    bool ok = qe_config_create(&cfg) == QE_OK &&
              (!rn->threads || tools_config_set("sqllogictest", cfg, "threads", rn->threads));
    if (ok && rn->mode == RUN_MODE_CLUSTER)
        ok = port > 0 && tools_config_set("sqllogictest", cfg, "cluster", addr) &&
             tools_config_set("sqllogictest", cfg, "min_workers", "2");
    if (ok && qe_engine_open(":memory:", cfg, &env->engine, &err) != QE_OK) {
        fputs("sqllogictest: cannot open the engine\n", stderr);
        if (err)
            tools_print_error(stderr, err, NULL);
        ok = false;
    }
    qe_error_destroy(err);
    qe_config_destroy(cfg);
    ok = ok && qe_session_open(env->engine, &env->session) == QE_OK;
    if (ok && rn->mode != RUN_MODE_CLUSTER &&
        qe_session_set(env->session, "execution_mode", run_mode_names[rn->mode]) != QE_OK) {
        tools_print_error(stderr, qe_session_error(env->session), NULL);
        ok = false;
    }
    if (ok && rn->mode != RUN_MODE_CLUSTER && rn->jit_tier != NULL &&
        qe_session_set(env->session, "jit_tier", rn->jit_tier) != QE_OK) {
        tools_print_error(stderr, qe_session_error(env->session), NULL);
        ok = false;
    }
    if (ok && rn->mode == RUN_MODE_ADAPTIVE &&
        qe_session_set(env->session, "debug_adaptive", "wait") != QE_OK) {
        tools_print_error(stderr, qe_session_error(env->session), NULL);
        ok = false;
    }
    int used[N_WORKERS + 1] = {port}; /* the coordinator's and the workers' ports */
    for (int i = 0; ok && rn->mode == RUN_MODE_CLUSTER && i < N_WORKERS; i++) {
        int wport = used[i + 1] = free_port_except(used, i + 1);
        env->workers[i] = wport ? start_worker(rn->worker_bin, wport, port, rn->threads) : -1;
        alarm_workers[i] = env->workers[i];
        ok = env->workers[i] > 0;
    }
    return ok;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Fills env->test_dir (the directory of path) and makes env->tmp_dir. */
static bool env_dirs(test_env *env, const char *path) {
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    if (!realpath(dirname(copy), env->test_dir))
        return false;
    snprintf(env->tmp_dir, sizeof env->tmp_dir, "/tmp/qe-slt-XXXXXX");
    if (!mkdtemp(env->tmp_dir)) {
        env->tmp_dir[0] = '\0';
        return false;
    }
    return true;
}

static bool env_close(test_env *env) {
    qe_session_close(env->session);
    qe_engine_close(env->engine);
    if (env->tmp_dir[0])
        nftw(env->tmp_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    return stop_workers(env);
}

/* The whole-file time bound: kill and reap the workers, then exit. */
static void on_alarm(int sig) {
    static const char msg[] = "\nFAIL timeout: the test file took too long: ";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    if (alarm_file)
        ignored = write(STDERR_FILENO, alarm_file, strlen(alarm_file));
    ignored = write(STDERR_FILENO, "\n", 1);
    (void)ignored;
    for (int i = 0; i < N_WORKERS; i++) {
        if (alarm_workers[i] > 0) {
            kill(alarm_workers[i], SIGKILL);
            waitpid(alarm_workers[i], NULL, 0);
        }
    }
    _exit(3);
}

/* ---- driver ---------------------------------------------------------------------------- */

/* Runs every record of one file. */
static void run_file(runner *rn, const char *path) {
    test_file tf;
    if (!file_load(&tf, path)) {
        fprintf(stderr, "FAIL %s: cannot read the file: %s\n", path, strerror(errno));
        rn->failed++;
        file_free(&tf);
        return;
    }
    alarm_file = path;
    alarm(rn->timeout_s);
    test_env env;
    bool env_ok = env_open(&env, rn) && env_dirs(&env, path);
    record r = {0};
    bool mode_skip = false;
    while (env_ok && next_record(&tf, rn->mode, &r)) {
        if (r.kind == REC_INVALID) {
            fprintf(stderr, "FAIL %s:%zu: %s\n", path, r.line, r.invalid);
            rn->failed++;
        } else if (r.skip || (mode_skip && r.kind != REC_MODE_UNSKIP)) {
            rn->skipped++;
        } else if (r.kind == REC_HALT) {
            break;
        } else if (r.kind == REC_MODE_SKIP || r.kind == REC_MODE_UNSKIP) {
            mode_skip = r.kind == REC_MODE_SKIP;
        } else if (run_record(&env, &tf, &r)) {
            rn->passed++;
        } else {
            rn->failed++;
        }
    }
    if (!env_ok) {
        fprintf(stderr, "FAIL %s: cannot set up the %s environment\n", path,
                run_mode_names[rn->mode]);
        rn->failed++;
    }
    if (!env_close(&env))
        rn->failed++;
    alarm(0);
    free(r.sql.text);
    file_free(&tf);
}

static void usage(FILE *out) {
    fputs("usage: sqllogictest --mode interpret|jit|adaptive|cluster [--worker-bin PATH]\n"
          "                    [--threads N] [--timeout SECONDS] [--jit-tier TIER] FILE.test...\n",
          out);
}

/* Parses options; returns the index of the first file, or -1 on a usage error. */
static int parse_args(int argc, char **argv, runner *rn) {
    bool have_mode = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--mode") == 0 && has_value) {
            have_mode = parse_mode_name(argv[++i], &rn->mode);
            if (!have_mode)
                return -1;
        } else if (strcmp(a, "--worker-bin") == 0 && has_value) {
            rn->worker_bin = argv[++i];
        } else if (strcmp(a, "--threads") == 0 && has_value) {
            rn->threads = argv[++i];
        } else if (strcmp(a, "--timeout") == 0 && has_value) {
            rn->timeout_s = (unsigned)atoi(argv[++i]);
        } else if (strcmp(a, "--jit-tier") == 0 && has_value) {
            rn->jit_tier = argv[++i];
        } else {
            return -1;
        }
    }
    if (!have_mode || i == argc || rn->timeout_s == 0)
        return -1;
    if (rn->mode == RUN_MODE_CLUSTER && !rn->worker_bin) {
        fputs("sqllogictest: cluster mode needs --worker-bin\n", stderr);
        return -1;
    }
    return i;
}

int main(int argc, char **argv) {
    runner rn = {.timeout_s = 120};
    int first = parse_args(argc, argv, &rn);
    if (first < 0) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    for (int i = first; i < argc; i++)
        run_file(&rn, argv[i]);
    if (rn.skipped)
        printf("%d skipped in mode %s\n", rn.skipped, run_mode_names[rn.mode]);
    printf("%d passed, %d failed\n", rn.passed, rn.failed);
    return rn.failed ? 1 : 0;
}
