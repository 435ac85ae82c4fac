/*
 * qe-bench.c -- QE's benchmark harness.
 *
 *   qe-bench [--db PATH] [--schema tpch|tpcds|FILE.sql] [--setup FILE.sql] [--load SQL]
 *            [-n N] [--modes interpret,jit] [--threads N] [--csv OUT.csv]
 *            [--answers DIR] QUERY.sql...
 *   qe-bench --prepare-only [--schema ...] [--setup ...] [-n N] [--csv OUT.csv] QUERY.sql...
 *
 * For each execution mode: opens an embedded engine (in memory, or the database
 * directory --db), creates the --schema's tables (a built-in schema or a file), runs the
 * setup script and the --load statements once (e.g. --load "CALL dbgen(sf = 1)"; their
 * time is printed as the load time), then for each
 * query file a warm-up run and N timed runs (monotonic clock; a run is prepare + execute
 * of every statement of the file).  Prints the median, min and max milliseconds and the
 * row count of the last statement per query and mode, and the geometric mean of the
 * medians per mode, and the process's peak resident memory; optionally writes the same
 * figures as CSV.  With --answers DIR the warm-up run's result of each query is checked
 * against DIR/<query>.csv (tools/tools_answers.h); a wrong answer counts as a failure
 * and is reported with its first difference.
 *
 * --prepare-only is the frontend's micro-benchmark: one engine; a run is qe_prepare
 * (parse + bind + logical optimization) of every statement of the file, nothing is
 * executed; only the qe_prepare calls are timed.  Figures are in microseconds; N
 * defaults to 1000.
 */
#include "../tools/tools_answers.h"
#include "qe.h"

#include <math.h>
#include <sys/resource.h>

#define MAX_MODES 4

/* Parsed command line. */
typedef struct options {
    const char *schema;           /* --schema tpch|tpcds|FILE.sql, or NULL */
    const char *setup;            /* --setup FILE.sql, or NULL */
    const char *load;             /* --load SQL: statements run once after setup, timed */
    const char *db;               /* --db PATH: database directory (default :memory:) */
    bool prepare_only;            /* --prepare-only: time qe_prepare alone, in us */
    int n_runs;                   /* -n: timed runs per query and mode */
    const char *modes[MAX_MODES]; /* execution modes, in order */
    int n_modes;                  /* entries used in modes */
    char modes_buf[128];          /* storage for the split --modes list */
    const char *threads;          /* --threads, or NULL (engine default) */
    const char *csv;              /* --csv OUT.csv, or NULL */
    const char *answers;          /* --answers DIR: check results against DIR/<q>.csv */
    char **queries;               /* query files */
    int n_queries;                /* entries used in queries */
} options;

/* Figures of one query in one mode. */
typedef struct measure {
    bool ok;       /* every run succeeded */
    uint64_t rows; /* rows of the last statement's result */
    double median; /* milliseconds */
    double min;    /* fastest run, ms */
    double max;    /* slowest run, ms */
} measure;

/* What the script callbacks fill: the row count of the last result, and the answer
 * check of the last result when an answer is given. */
typedef struct run_ctx {
    uint64_t rows;              /* rows of the last result */
    const tools_answer *answer; /* expected result of the last statement, or NULL */
    bool matches;               /* the last result equals answer */
    char diff[512];             /* the first difference otherwise */
} run_ctx;

static void on_result(void *ctx, const char *sql, const qe_result *res) {
    run_ctx *rc = ctx;
    rc->rows = qe_result_row_count(res);
    if (rc->answer)
        rc->matches = tools_answer_compare(res, rc->answer, rc->diff, sizeof rc->diff);
}

static void on_error(void *ctx, const char *sql, const qe_error *err) {
    tools_print_error(stderr, err, sql);
}

/* Runs a script once; returns its duration in ms, or -1 if a statement failed. */
static double run_once(qe_session *session, const char *sql, size_t len, run_ctx *rc) {
    tools_script_ops ops = {on_result, on_error, rc, true};
    double t0 = tools_now();
    int failed = tools_run_script(session, sql, len, &ops);
    double ms = (tools_now() - t0) * 1e3;
    return failed ? -1 : ms;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fills m's median, min and max from n run times (sorts them); marks m ok. */
static void summarize(double *times, int n, measure *m) {
    qsort(times, (size_t)n, sizeof *times, cmp_double);
    m->ok = true;
    m->min = times[0];
    m->max = times[n - 1];
    m->median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
}

/* A warm-up run (checked against answer when not NULL), then n timed runs of one
 * query; name is the query's report name. */
static measure bench_query(qe_session *session, const char *sql, size_t len, int n,
                           const tools_answer *answer, const char *name) {
    measure m = {0};
    run_ctx rc = {.answer = answer};
    double *times = calloc((size_t)n, sizeof *times);
    if (!times || run_once(session, sql, len, &rc) < 0) {
        free(times);
        return m;
    }
    if (answer && !rc.matches) {
        fprintf(stderr, "qe-bench: %s: wrong answer: %s\n", name, rc.diff);
        free(times);
        return m;
    }
    rc.answer = NULL;
    for (int i = 0; i < n; i++) {
        times[i] = run_once(session, sql, len, &rc);
        m.rows = rc.rows;
        if (times[i] < 0) {
            free(times);
            return m;
        }
    }
    summarize(times, n, &m);
    free(times);
    return m;
}

/* ---- --prepare-only ---------------------------------------------------------------- */

/*
 * qe_prepare of every statement of sql[0..len) (each destroyed right away, untimed).
 * Returns the microseconds spent in qe_prepare, or -1 after printing the error of a
 * statement that failed.
 */
static double prepare_once(qe_session *session, const char *sql, size_t len) {
    double us = 0;
    size_t off = 0;
    while (off < len && !tools_is_blank(sql, len, off)) {
        qe_stmt *stmt = NULL;
        size_t tail = 0;
        double t0 = tools_now();
        qe_status st = qe_prepare(session, sql + off, len - off, &stmt, &tail);
        us += (tools_now() - t0) * 1e6;
        qe_stmt_destroy(stmt);
        if (st != QE_OK) {
            tools_print_error(stderr, qe_session_error(session), sql + off);
            return -1;
        }
        if (!stmt || tail == 0)
            break;
        off += tail;
    }
    return us;
}

/* A warm-up, then n timed prepare-only runs of one query; figures in microseconds. */
static measure bench_prepare(qe_session *session, const char *sql, size_t len, int n) {
    measure m = {0};
    double *times = calloc((size_t)n, sizeof *times);
    if (!times || prepare_once(session, sql, len) < 0) {
        free(times);
        return m;
    }
    for (int i = 0; i < n; i++) {
        times[i] = prepare_once(session, sql, len);
        if (times[i] < 0) {
            free(times);
            return m;
        }
    }
    summarize(times, n, &m);
    free(times);
    return m;
}

/* Opens an embedded engine in `mode` and runs the setup script; prints errors. */
static bool open_mode(const options *o, const char *mode, qe_engine **engine,
                      qe_session **session) {
    qe_config *cfg = NULL;
    qe_error *err = NULL;
    bool ok = qe_config_create(&cfg) == QE_OK &&
              tools_config_set("qe-bench", cfg, "execution_mode", mode) &&
              (!o->threads || tools_config_set("qe-bench", cfg, "threads", o->threads));
    if (ok && qe_engine_open(o->db ? o->db : ":memory:", cfg, engine, &err) != QE_OK) {
        if (err)
            tools_print_error(stderr, err, NULL);
        ok = false;
    }
    qe_error_destroy(err);
    qe_config_destroy(cfg);
    ok = ok && qe_session_open(*engine, session) == QE_OK;
    if (ok && o->schema) {
        size_t len = 0;
        char *text = tools_schema_text("qe-bench", o->schema, &len);
        run_ctx rows = {0};
        ok = text && run_once(*session, text, len, &rows) >= 0;
        free(text);
    }
    if (ok && o->setup) {
        size_t len = 0;
        char *text = tools_read_file(o->setup, &len);
        run_ctx rows = {0};
        if (!text)
            fprintf(stderr, "qe-bench: cannot read \"%s\": %s\n", o->setup, strerror(errno));
        ok = text && run_once(*session, text, len, &rows) >= 0;
        free(text);
    }
    if (ok && o->load) {
        run_ctx rows = {0};
        double ms = run_once(*session, o->load, strlen(o->load), &rows);
        ok = ms >= 0;
        if (ok)
            printf("load (%s): %.1f ms\n", mode, ms);
    }
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

/* Runs every query in one mode, filling results[q]; false if the mode could not start. */
static bool bench_mode(const options *o, const char *mode, measure *results) {
    qe_engine *engine = NULL;
    qe_session *session = NULL;
    bool ok = open_mode(o, mode, &engine, &session);
    for (int q = 0; ok && q < o->n_queries; q++) {
        size_t len = 0;
        char *sql = tools_read_file(o->queries[q], &len);
        if (!sql) {
            fprintf(stderr, "qe-bench: cannot read \"%s\": %s\n", o->queries[q], strerror(errno));
            continue;
        }
        char name[256], msg[512];
        query_name(o->queries[q], name, sizeof name);
        tools_answer answer = {0};
        bool have_answer = false;
        if (o->answers && !o->prepare_only) {
            have_answer = tools_answer_load(o->answers, name, &answer, msg, sizeof msg);
            if (!have_answer)
                fprintf(stderr, "qe-bench: %s: %s\n", name, msg);
        }
        if (o->prepare_only)
            results[q] = bench_prepare(session, sql, len, o->n_runs);
        else if (!o->answers || have_answer)
            results[q] =
                bench_query(session, sql, len, o->n_runs, have_answer ? &answer : NULL, name);
        tools_answer_free(&answer);
        free(sql);
    }
    qe_session_close(session);
    qe_engine_close(engine);
    return ok;
}

/* --prepare-only: prints the microseconds per query; writes the CSV if asked. */
static bool report_prepare(const options *o, const measure *results) {
    FILE *csv = o->csv ? fopen(o->csv, "w") : NULL;
    if (o->csv && !csv)
        fprintf(stderr, "qe-bench: cannot write \"%s\": %s\n", o->csv, strerror(errno));
    if (csv)
        fputs("query,runs,median_us,min_us,max_us\n", csv);
    printf("%-24s %8s %12s %12s %12s\n", "query", "runs", "median_us", "min_us", "max_us");
    for (int q = 0; q < o->n_queries; q++) {
        char name[256];
        query_name(o->queries[q], name, sizeof name);
        const measure *r = &results[q];
        if (!r->ok) {
            printf("%-24s %8d %12s %12s %12s\n", name, o->n_runs, "failed", "-", "-");
            continue;
        }
        printf("%-24s %8d %12.1f %12.1f %12.1f\n", name, o->n_runs, r->median, r->min, r->max);
        if (csv)
            fprintf(csv, "%s,%d,%.1f,%.1f,%.1f\n", name, o->n_runs, r->median, r->min, r->max);
    }
    return !o->csv || (csv && fclose(csv) == 0);
}

/* Prints the table and the geomean per mode; writes the CSV if asked. */
static bool report(const options *o, measure *const *results) {
    FILE *csv = o->csv ? fopen(o->csv, "w") : NULL;
    if (o->csv && !csv)
        fprintf(stderr, "qe-bench: cannot write \"%s\": %s\n", o->csv, strerror(errno));
    if (csv)
        fputs("query,mode,rows,runs,median_ms,min_ms,max_ms\n", csv);
    printf("%-24s %-10s %10s %12s %12s %12s\n", "query", "mode", "rows", "median_ms", "min_ms",
           "max_ms");
    for (int q = 0; q < o->n_queries; q++) {
        char name[256];
        query_name(o->queries[q], name, sizeof name);
        for (int m = 0; m < o->n_modes; m++) {
            const measure *r = &results[m][q];
            if (!r->ok) {
                printf("%-24s %-10s %10s %12s %12s %12s\n", name, o->modes[m], "-", "failed", "-",
                       "-");
                continue;
            }
            printf("%-24s %-10s %10llu %12.3f %12.3f %12.3f\n", name, o->modes[m],
                   (unsigned long long)r->rows, r->median, r->min, r->max);
            if (csv)
                fprintf(csv, "%s,%s,%llu,%d,%.3f,%.3f,%.3f\n", name, o->modes[m],
                        (unsigned long long)r->rows, o->n_runs, r->median, r->min, r->max);
        }
    }
    for (int m = 0; m < o->n_modes; m++) {
        double log_sum = 0;
        int n = 0;
        for (int q = 0; q < o->n_queries; q++) {
            if (results[m][q].ok) {
                log_sum += log(results[m][q].median > 1e-6 ? results[m][q].median : 1e-6);
                n++;
            }
        }
        if (n)
            printf("geomean %-10s %.3f ms over %d queries\n", o->modes[m], exp(log_sum / n), n);
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        printf("peak memory (max RSS of the process): %.1f MiB\n", ru.ru_maxrss / 1024.0);
    bool ok = !o->csv || (csv && fclose(csv) == 0);
    return ok;
}

static void usage(FILE *out) {
    fputs("usage: qe-bench [--db PATH] [--schema tpch|tpcds|FILE.sql] [--setup FILE.sql]\n"
          "                [--load SQL] [-n N] [--modes interpret,jit] [--threads N]\n"
          "                [--csv OUT.csv] [--answers DIR] QUERY.sql...\n"
          "       qe-bench --prepare-only [--schema ...] [--setup ...] [-n N] [--csv OUT.csv]\n"
          "                QUERY.sql...     (times qe_prepare alone, in microseconds)\n",
          out);
}

/* Splits the comma-separated --modes list into o->modes. */
static bool parse_modes(options *o, const char *list) {
    snprintf(o->modes_buf, sizeof o->modes_buf, "%s", list);
    o->n_modes = 0;
    for (char *save = NULL, *m = strtok_r(o->modes_buf, ",", &save); m;
         m = strtok_r(NULL, ",", &save)) {
        if (o->n_modes == MAX_MODES)
            return false;
        o->modes[o->n_modes++] = m;
    }
    return o->n_modes > 0;
}

/* Parses argv; returns 0 to run, 1 on a usage error, 2 after --help. */
static int parse_args(int argc, char **argv, options *o) {
    o->n_runs = 0; /* default: 5, or 1000 with --prepare-only */
    parse_modes(o, "interpret,jit");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 2;
        } else if (strcmp(a, "--setup") == 0 && has_value) {
            o->setup = argv[++i];
        } else if (strcmp(a, "--load") == 0 && has_value) {
            o->load = argv[++i];
        } else if (strcmp(a, "--db") == 0 && has_value) {
            o->db = argv[++i];
        } else if (strcmp(a, "--schema") == 0 && has_value) {
            o->schema = argv[++i];
        } else if (strcmp(a, "--prepare-only") == 0) {
            o->prepare_only = true;
        } else if (strcmp(a, "-n") == 0 && has_value) {
            o->n_runs = atoi(argv[++i]);
            if (o->n_runs < 1 || o->n_runs > 100000) {
                fputs("qe-bench: -n must be between 1 and 100000\n", stderr);
                return 1;
            }
        } else if (strcmp(a, "--modes") == 0 && has_value) {
            if (!parse_modes(o, argv[++i])) {
                fprintf(stderr, "qe-bench: invalid --modes \"%s\"\n", argv[i]);
                return 1;
            }
        } else if (strcmp(a, "--threads") == 0 && has_value) {
            o->threads = argv[++i];
        } else if (strcmp(a, "--answers") == 0 && has_value) {
            o->answers = argv[++i];
        } else if (strcmp(a, "--csv") == 0 && has_value) {
            o->csv = argv[++i];
        } else if (a[0] != '-') {
            o->queries[o->n_queries++] = argv[i];
        } else {
            fprintf(stderr, "qe-bench: invalid argument \"%s\"\n", a);
            usage(stderr);
            return 1;
        }
    }
    if (o->n_queries == 0) {
        usage(stderr);
        return 1;
    }
    if (o->n_runs == 0)
        o->n_runs = o->prepare_only ? 1000 : 5;
    return 0;
}

int main(int argc, char **argv) {
    options o = {0};
    o.queries = calloc((size_t)argc, sizeof *o.queries);
    if (!o.queries)
        return 1;
    int rc = parse_args(argc, argv, &o);
    if (rc) {
        free(o.queries);
        return rc == 2 ? 0 : 1;
    }
    if (o.prepare_only)
        o.n_modes = 1; /* nothing runs: the execution mode does not matter */
    measure *results[MAX_MODES] = {0};
    bool ok = true;
    for (int m = 0; m < o.n_modes && ok; m++) {
        results[m] = calloc((size_t)o.n_queries, sizeof *results[m]);
        ok = results[m] && bench_mode(&o, o.modes[m], results[m]);
        if (!ok)
            fprintf(stderr, "qe-bench: mode \"%s\" could not be set up\n", o.modes[m]);
    }
    ok = ok && (o.prepare_only ? report_prepare(&o, results[0]) : report(&o, results));
    for (int m = 0; m < o.n_modes && ok; m++)
        for (int q = 0; q < o.n_queries; q++)
            ok = ok && results[m][q].ok;
    for (int m = 0; m < o.n_modes; m++)
        free(results[m]);
    free(o.queries);
    return ok ? 0 : 1;
}
