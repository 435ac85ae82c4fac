/*
 * tpch_answers.c -- the runtime's acceptance test: the 22 TPC-H queries return the
 * reference answers.
 *
 *   tpch_answers --sf SF --answers DIR [--threads 1,2] [--mode interpret]
 *                [--load FILE.sql] [-q] QUERY.sql...
 *
 * Opens an embedded in-memory engine and loads TPC-H data: by default with
 * `CALL dbgen(sf = SF)` (qe-dbgen's generator, straight into tables), or by running the
 * script FILE.sql (e.g. CREATE TABLE + COPY ... FROM '.tbl').  Then, for every thread
 * count of --threads (SET threads = N) and the execution mode of --mode, it runs each
 * query file and compares its result with DIR/<query>.csv: a header line of column names
 * and one line per row, `|`-separated, NULL as an empty field, exact decimals.
 *
 * Comparison: the same number of columns and rows, rows in order (every TPC-H query
 * orders its result); values compared as text, except that trailing blanks are ignored
 * (CHAR(n) columns may be blank-padded) and DOUBLE/REAL columns are compared as numbers
 * with a relative tolerance of 1e-9 (their last digits depend on the summation order,
 * which depends on the thread count).  Reports one line per query and thread count
 * (`ok` with rows and milliseconds, or `FAIL` with the first difference) and a summary;
 * the exit status is 0 only if every query passes.
 */
#include "../../tools/tools_int.h"
#include "qe.h"

#include <math.h>

/* Parsed command line. */
typedef struct options {
    const char *sf;       /* --sf: scale factor text for CALL dbgen */
    const char *answers;  /* --answers: directory of <query>.csv */
    const char *threads;  /* --threads: comma-separated thread counts */
    const char *mode;     /* --mode: execution_mode setting */
    const char *load;     /* --load: script that loads the data instead of dbgen */
    bool quiet;           /* -q: only failures and the summary */
    char **queries;       /* query files */
    int n_queries;        /* entries used in queries */
} options;

/* The reference answer of one query, split into fields. */
typedef struct answer {
    char *text;      /* the file's bytes, NUL-separated in place */
    int n_cols;      /* fields in the header */
    int n_rows;      /* data lines */
    char **fields;   /* n_rows * n_cols field pointers into text, row-major */
} answer;

static void answer_free(answer *a) {
    free(a->text);
    free(a->fields);
}

/* Splits line into at most cap '|'-separated fields in place; returns the count. */
static int split_fields(char *line, char **out, int cap) {
    int n = 0;
    for (char *p = line;;) {
        char *bar = strchr(p, '|');
        if (n < cap)
            out[n] = p;
        n++;
        if (!bar)
            return n;
        *bar = '\0';
        p = bar + 1;
    }
}

/* Reads and splits DIR/<name>.csv.  False (with a message) on failure. */
static bool answer_load(const char *dir, const char *name, answer *a, char *msg, size_t cap) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    size_t len;
    *a = (answer){0};
    a->text = tools_read_file(path, &len);
    if (!a->text) {
        snprintf(msg, cap, "cannot read %.900s", path);
        return false;
    }
    if (len > 0 && a->text[len - 1] == '\n')
        a->text[--len] = '\0';
    char *lines_end = a->text + len;
    char *header_end = strchr(a->text, '\n');
    if (header_end)
        *header_end = '\0';
    a->n_cols = split_fields(a->text, NULL, 0);
    a->n_rows = 0;
    for (char *p = header_end; p; p = strchr(p + 1, '\n'))
        a->n_rows++;
    a->fields = calloc((size_t)(a->n_rows * a->n_cols) + 1, sizeof *a->fields);
    if (!a->fields) {
        snprintf(msg, cap, "out of memory");
        return false;
    }
    char *p = header_end ? header_end + 1 : lines_end;
    for (int r = 0; r < a->n_rows; r++) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (split_fields(p, a->fields + (size_t)r * a->n_cols, a->n_cols) != a->n_cols) {
            snprintf(msg, cap, "%.900s line %d: wrong number of fields", path, r + 2);
            return false;
        }
        p = nl ? nl + 1 : lines_end;
    }
    return true;
}

/* Length of s without trailing blanks. */
static size_t rtrim_len(const char *s, size_t n) {
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return n;
}

/* Whether two DOUBLE texts agree within the tolerance. */
static bool doubles_agree(const char *a, const char *b) {
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    if (*ea || *eb || ea == a || eb == b)
        return strcmp(a, b) == 0;
    double scale = fmax(1.0, fmax(fabs(x), fabs(y)));
    return fabs(x - y) <= 1e-9 * scale;
}

/* Compares a result with the answer; false with the first difference in msg. */
static bool compare(qe_result *res, const answer *a, char *msg, size_t cap) {
    size_t n_cols = qe_result_column_count(res);
    if ((int)n_cols != a->n_cols) {
        snprintf(msg, cap, "%zu columns, expected %d", n_cols, a->n_cols);
        return false;
    }
    uint64_t n_rows = qe_result_row_count(res);
    if (n_rows != (uint64_t)a->n_rows) {
        snprintf(msg, cap, "%llu rows, expected %d", (unsigned long long)n_rows, a->n_rows);
        return false;
    }
    tools_buf buf = {0};
    bool ok = true;
    size_t row = 0;
    for (size_t bi = 0; ok && bi < qe_result_batch_count(res); bi++) {
        qe_batch_view bv;
        if (qe_result_batch(res, bi, &bv) != QE_OK) {
            snprintf(msg, cap, "cannot read result batch %zu", bi);
            ok = false;
            break;
        }
        for (size_t r = 0; ok && r < bv.n_rows; r++, row++) {
            for (size_t c = 0; ok && c < n_cols; c++) {
                tools_format_value(&bv.columns[c], r, &buf); /* NULL: "" */
                const char *got = buf.text ? buf.text : "";
                const char *want = a->fields[row * n_cols + c];
                qe_type t = qe_result_column_type(res, c);
                bool same;
                if (t == QE_TYPE_DOUBLE || t == QE_TYPE_REAL)
                    same = doubles_agree(got, want);
                else {
                    size_t gl = rtrim_len(got, strlen(got)), wl = rtrim_len(want, strlen(want));
                    same = gl == wl && memcmp(got, want, gl) == 0;
                }
                if (!same) {
                    snprintf(msg, cap, "row %zu column %s: got '%s', expected '%s'", row + 1,
                             qe_result_column_name(res, c), got, want);
                    ok = false;
                }
            }
        }
    }
    free(buf.text);
    return ok;
}

/* The name a query is reported under: its file name without directory and ".sql". */
static void query_name(const char *path, char *buf, size_t cap) {
    const char *slash = strrchr(path, '/');
    snprintf(buf, cap, "%s", slash ? slash + 1 : path);
    size_t n = strlen(buf);
    if (n > 4 && strcmp(buf + n - 4, ".sql") == 0)
        buf[n - 4] = '\0';
}

/* Runs one query file and compares; prints its line.  Returns true if it passed. */
static bool run_query(qe_session *s, const options *o, const char *path, const char *threads) {
    char name[256], msg[1024] = "";
    query_name(path, name, sizeof name);
    size_t len;
    char *sql = tools_read_file(path, &len);
    answer a;
    bool ok = false;
    double ms = 0;
    uint64_t rows = 0;
    if (!sql)
        snprintf(msg, sizeof msg, "cannot read %s", path);
    else if (answer_load(o->answers, name, &a, msg, sizeof msg)) {
        qe_result *res = NULL;
        double t0 = tools_now();
        qe_status st = qe_query(s, sql, &res);
        ms = (tools_now() - t0) * 1e3;
        if (st != QE_OK) {
            char *text = tools_error_text(qe_session_error(s), sql);
            snprintf(msg, sizeof msg, "%s", text ? text : "error");
            free(text);
        } else {
            rows = qe_result_row_count(res);
            ok = compare(res, &a, msg, sizeof msg);
        }
        qe_result_destroy(res);
        answer_free(&a);
    }
    free(sql);
    if (!ok)
        printf("%s threads=%s FAIL: %s\n", name, threads, msg);
    else if (!o->quiet)
        printf("%s threads=%s ok (%llu rows, %.1f ms)\n", name, threads,
               (unsigned long long)rows, ms);
    fflush(stdout);
    return ok;
}

/* Loads the data: the --load script or CALL dbgen(sf = SF). */
static bool load_data(qe_session *s, const options *o) {
    char *sql;
    size_t len;
    if (o->load) {
        sql = tools_read_file(o->load, &len);
        if (!sql) {
            fprintf(stderr, "tpch_answers: cannot read %s\n", o->load);
            return false;
        }
    } else {
        sql = malloc(64);
        if (!sql)
            return false;
        snprintf(sql, 64, "CALL dbgen(sf = %s)", o->sf);
    }
    double t0 = tools_now();
    bool ok = qe_query(s, sql, NULL) == QE_OK;
    if (!ok)
        tools_print_error(stderr, qe_session_error(s), sql);
    else if (!o->quiet)
        printf("loaded SF%s in %.0f ms\n", o->sf, (tools_now() - t0) * 1e3);
    free(sql);
    return ok;
}

static int usage(void) {
    fprintf(stderr, "usage: tpch_answers --sf SF --answers DIR [--threads 1,2] [--mode M] "
                    "[--load FILE.sql] [-q] QUERY.sql...\n");
    return 2;
}

int main(int argc, char **argv) {
    options o = {.sf = "0.01", .threads = "1,2", .mode = "interpret"};
    o.queries = calloc((size_t)argc, sizeof *o.queries);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(arg, "--sf") == 0 && has_value)
            o.sf = argv[++i];
        else if (strcmp(arg, "--answers") == 0 && has_value)
            o.answers = argv[++i];
        else if (strcmp(arg, "--threads") == 0 && has_value)
            o.threads = argv[++i];
        else if (strcmp(arg, "--mode") == 0 && has_value)
            o.mode = argv[++i];
        else if (strcmp(arg, "--load") == 0 && has_value)
            o.load = argv[++i];
        else if (strcmp(arg, "-q") == 0)
            o.quiet = true;
        else if (arg[0] == '-')
            return usage();
        else
            o.queries[o.n_queries++] = argv[i];
    }
    if (!o.answers || o.n_queries == 0)
        return usage();

    qe_engine *engine = NULL;
    qe_session *s = NULL;
    qe_error *err = NULL;
    if (qe_engine_open(NULL, NULL, &engine, &err) != QE_OK || qe_session_open(engine, &s) != QE_OK) {
        fprintf(stderr, "tpch_answers: cannot open the engine: %s\n",
                err ? qe_error_message(err) : "session");
        qe_error_destroy(err);
        qe_engine_close(engine);
        return 1;
    }
    int passed = 0, failed = 0;
    if (qe_session_set(s, "execution_mode", o.mode) != QE_OK) {
        tools_print_error(stderr, qe_session_error(s), NULL);
        failed = 1;
    } else if (!load_data(s, &o)) {
        failed = 1;
    } else {
        char threads[64];
        snprintf(threads, sizeof threads, "%s", o.threads);
        for (char *save = NULL, *t = strtok_r(threads, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            if (qe_session_set(s, "threads", t) != QE_OK) {
                tools_print_error(stderr, qe_session_error(s), NULL);
                failed++;
                continue;
            }
            for (int q = 0; q < o.n_queries; q++) {
                if (run_query(s, &o, o.queries[q], t))
                    passed++;
                else
                    failed++;
            }
        }
    }
    printf("%d/%d query runs pass (SF%s, mode %s, threads %s)\n", passed, passed + failed, o.sf,
           o.mode, o.threads);
    qe_session_close(s);
    qe_engine_close(engine);
    free(o.queries);
    return failed == 0 ? 0 : 1;
}
