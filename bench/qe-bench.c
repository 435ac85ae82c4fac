/*
 * qe-bench.c -- QE's benchmark harness.
 *
 *   qe-bench [--db PATH] [--schema tpch|tpcds|FILE.sql] [--setup FILE.sql] [--load SQL]
 *            [-n N] [--modes interpret,jit,...] [--threads N] [--csv OUT.csv]
 *            [--svg OUT.svg] [--svg-scale log|linear] [--answers DIR]
 *            [--duckdb DIR [--duckdb-script FILE.mjs]] QUERY.sql...
 *   qe-bench --prepare-only [--schema ...] [--setup ...] [-n N] [--csv OUT.csv] QUERY.sql...
 *
 * Opens one embedded engine (in memory, or the database directory --db) and one session,
 * creates the --schema's tables (a built-in schema or a file), runs the setup script and
 * the --load statements once (e.g. --load "CALL dbgen(sf = 1)"; their time is printed as
 * the load time), and runs every mode (interpret, jit, jit-cheap, jit-optimized,
 * adaptive: settings execution_mode and jit_tier, see mode_settings, SET on the session
 * before each run; a mode whose settings the engine refuses is reported as unsupported
 * with the engine's message, and the others go on) on those same tables, side by side:
 * after one untimed query on no table in every mode (warm_up: the process's first use of
 * LLVM is not any query's compile), for each query file, the first run of every mode
 * (each on an empty code cache), then
 * a second, untimed warm-up of every mode, then N rounds of timed (hot) runs, round r
 * running every mode once in rotating order (mode r mod M first), so that no mode is
 * favoured by its place (monotonic clock; a run is prepare + execute of every statement
 * of the file).  Per query and mode it prints
 * the row count of the last statement, the medians over the hot runs of the compile ms
 * and execute ms the engine reports (qe_result_compile_ms / qe_result_execute_ms summed
 * over the file's statements) and of the total ms (the whole run as the harness sees it),
 * the min and max total, and the first run's total and compile ms; per mode the geometric
 * means of the totals and of the execute times and the median compile time; and the
 * process's peak resident memory.  --csv writes the same figures, --svg a grouped bar
 * chart of the hot totals (one group per query and a geomean group, one bar per mode).
 * --duckdb DIR runs the DuckDB peer (node bench/duckdb-tpch.mjs --data DIR, same queries,
 * threads and runs; its own output goes to stderr) after the QE modes and reports it as a
 * last mode "duckdb" (execute = total, compile and first run 0), with the ratios of each
 * mode's geomeans to DuckDB's; its failures are reported but do not fail qe-bench.
 * With --answers DIR each mode's first run of each query is checked
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
#include <sys/wait.h>
#include <unistd.h>

#define MAX_MODES 8

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
    const char *svg;              /* --svg OUT.svg, or NULL */
    bool svg_linear;              /* --svg-scale linear (default log) */
    const char *duckdb;           /* --duckdb DIR: .tbl directory for the DuckDB peer */
    const char *duckdb_script;    /* --duckdb-script: the peer (bench/duckdb-tpch.mjs) */
    const char *answers;          /* --answers DIR: check results against DIR/<q>.csv */
    char **queries;               /* query files */
    int n_queries;                /* entries used in queries */
} options;

/* Figures of one query in one mode. */
typedef struct measure {
    bool ok;              /* every run succeeded */
    bool unsupported;     /* the engine refused the mode's settings */
    uint64_t rows;        /* rows of the last statement's result */
    double median;        /* total milliseconds (prepare + execute), median of hot runs */
    double min;           /* fastest hot run, ms */
    double max;           /* slowest hot run, ms */
    double compile;       /* engine's compile ms, median of hot runs */
    double execute;       /* engine's execute ms, median of hot runs */
    double first;         /* total ms of the warm-up (first) run */
    double first_compile; /* compile ms of the warm-up run */
    double paired;        /* median over the rounds of total / the first mode's total in
                             the same round (0: first mode, or not measured) */
} measure;

/* What the script callbacks fill: the row count of the last result, and the answer
 * check of the last result when an answer is given. */
typedef struct run_ctx {
    uint64_t rows;              /* rows of the last result */
    double compile_ms;          /* sum of qe_result_compile_ms over the run's results */
    double execute_ms;          /* sum of qe_result_execute_ms over the run's results */
    const tools_answer *answer; /* expected result of the last statement, or NULL */
    bool matches;               /* the last result equals answer */
    char diff[512];             /* the first difference otherwise */
} run_ctx;

static void on_result(void *ctx, const char *sql, const qe_result *res) {
    run_ctx *rc = ctx;
    rc->rows = qe_result_row_count(res);
    rc->compile_ms += qe_result_compile_ms(res);
    rc->execute_ms += qe_result_execute_ms(res);
    if (rc->answer)
        rc->matches = tools_answer_compare(res, rc->answer, rc->diff, sizeof rc->diff);
}

static void on_error(void *ctx, const char *sql, const qe_error *err) {
    tools_print_error(stderr, err, sql);
}

/* Runs a script once; returns its duration in ms, or -1 if a statement failed.  Resets
 * rc's compile and execute sums first. */
static double run_once(qe_session *session, const char *sql, size_t len, run_ctx *rc) {
    rc->compile_ms = rc->execute_ms = 0;
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

/* The median of n values (sorts them). */
static double median_of(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Fills m's median, min and max from n run times (sorts them); marks m ok. */
static void summarize(double *times, int n, measure *m) {
    m->median = median_of(times, n);
    m->ok = true;
    m->min = times[0];
    m->max = times[n - 1];
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

/* The settings a --modes name stands for (jit_tier NULL: the session's tier after the
 * setup script, normally the engine's default). */
typedef struct mode_settings {
    const char *name;           /* --modes name */
    const char *execution_mode; /* SET execution_mode */
    const char *jit_tier;       /* SET jit_tier, or NULL */
} mode_settings;

/* The modes qe-bench knows (issue 5: interpret, jit tiers, adaptive). */
static const mode_settings known_modes[] = {
    {"interpret", "interpret", NULL}, {"jit", "jit", NULL},
    {"jit-cheap", "jit", "cheap"},    {"jit-optimized", "jit", "optimized"},
    {"adaptive", "adaptive", NULL},
};

/* The settings of mode; an unknown name is passed on as execution_mode. */
static mode_settings settings_of(const char *mode) {
    for (size_t i = 0; i < sizeof known_modes / sizeof known_modes[0]; i++)
        if (strcmp(known_modes[i].name, mode) == 0)
            return known_modes[i];
    return (mode_settings){mode, mode, NULL};
}

/* The one engine and session every mode runs on (the modes take turns on it). */
typedef struct bench_env {
    qe_engine *engine;   /* in memory, or --db */
    qe_session *session; /* schema, setup and load ran on it */
    char base_tier[32];  /* its jit_tier after the setup script: modes without a tier */
    char cache_size[32]; /* jit_cache_size after the setup script ("" if unknown) */
} bench_env;

/* SHOW name on session into buf (cap > 0); false (buf "") if it fails. */
static bool show_setting(qe_session *session, const char *name, char *buf, size_t cap) {
    char sql[96];
    snprintf(sql, sizeof sql, "SHOW %s", name);
    buf[0] = '\0';
    qe_result *res = NULL;
    qe_batch_view view;
    bool ok = qe_query(session, sql, &res) == QE_OK && res && qe_result_batch_count(res) > 0 &&
              qe_result_batch(res, 0, &view) == QE_OK && view.n_rows > 0 && view.n_columns > 0;
    tools_buf text = {0};
    ok = ok && tools_format_value(&view.columns[0], 0, &text) > 0;
    if (ok)
        snprintf(buf, cap, "%s", text.text);
    free(text.text);
    qe_result_destroy(res);
    return ok;
}

/* SETs mode's settings on env's session (a mode without a tier gets env->base_tier);
 * false with the engine's message in why (the mode is unsupported) if it refuses one. */
static bool apply_mode(bench_env *env, const char *mode, char *why, size_t cap) {
    mode_settings ms = settings_of(mode);
    const char *names[2] = {"execution_mode", "jit_tier"};
    const char *values[2] = {ms.execution_mode, ms.jit_tier ? ms.jit_tier : env->base_tier};
    for (int i = 0; i < 2; i++) {
        if (values[i][0] && qe_session_set(env->session, names[i], values[i]) != QE_OK) {
            const qe_error *err = qe_session_error(env->session);
            snprintf(why, cap, "%s = '%s': %s", names[i], values[i],
                     err ? qe_error_message(err) : "refused");
            return false;
        }
    }
    return true;
}

/* Empties the process's code cache (SET jit_cache_size = 0, then back to the value the
 * setup left), so that the next run is a first run in every mode. */
static void flush_code_cache(bench_env *env) {
    if (env->cache_size[0] && strcmp(env->cache_size, "0") != 0) {
        qe_session_set(env->session, "jit_cache_size", "0");
        qe_session_set(env->session, "jit_cache_size", env->cache_size);
    }
}

/* Runs the script file (or text) on env's session; false after printing why not. */
static bool run_setup_text(bench_env *env, char *text, size_t len) {
    run_ctx rows = {0};
    bool ok = text && run_once(env->session, text, len, &rows) >= 0;
    free(text);
    return ok;
}

/*
 * Opens the embedded engine and its session, creates the schema, runs the setup script
 * and the --load statements (printing their time) once, and notes the settings the modes
 * start from; prints errors.  False if that fails (env is then closed).
 */
static bool open_env(const options *o, bench_env *env) {
    qe_config *cfg = NULL;
    qe_error *err = NULL;
    bool ok = qe_config_create(&cfg) == QE_OK &&
              (!o->threads || tools_config_set("qe-bench", cfg, "threads", o->threads));
    if (ok && qe_engine_open(o->db ? o->db : ":memory:", cfg, &env->engine, &err) != QE_OK) {
        if (err)
            tools_print_error(stderr, err, NULL);
        ok = false;
    }
    qe_error_destroy(err);
    qe_config_destroy(cfg);
    ok = ok && qe_session_open(env->engine, &env->session) == QE_OK;
    size_t len = 0;
    if (ok && o->schema) {
        char *text = tools_schema_text("qe-bench", o->schema, &len);
        ok = run_setup_text(env, text, len);
    }
    if (ok && o->setup) {
        char *text = tools_read_file(o->setup, &len);
        if (!text)
            fprintf(stderr, "qe-bench: cannot read \"%s\": %s\n", o->setup, strerror(errno));
        ok = run_setup_text(env, text, len);
    }
    if (ok && o->load) {
        run_ctx rows = {0};
        double ms = run_once(env->session, o->load, strlen(o->load), &rows);
        ok = ms >= 0;
        if (ok)
            printf("load: %.1f ms\n", ms);
    }
    if (ok) {
        show_setting(env->session, "jit_tier", env->base_tier, sizeof env->base_tier);
        show_setting(env->session, "jit_cache_size", env->cache_size, sizeof env->cache_size);
    }
    if (!ok) {
        qe_session_close(env->session);
        qe_engine_close(env->engine);
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

/* One run of a query in mode m (settings applied first, untimed); its total ms or -1. */
static double run_in_mode(bench_env *env, const options *o, int m, const char *sql, size_t len,
                          run_ctx *rc) {
    char why[512];
    if (!apply_mode(env, o->modes[m], why, sizeof why)) {
        fprintf(stderr, "qe-bench: mode \"%s\": %s\n", o->modes[m], why);
        return -1;
    }
    return run_once(env->session, sql, len, rc);
}

/* The first run of a query in mode m, on an empty code cache (checked against answer
 * when not NULL): fills r's first figures; false if it failed. */
static bool first_run(bench_env *env, const options *o, int m, const char *sql, size_t len,
                      const tools_answer *answer, const char *name, measure *r) {
    run_ctx rc = {.answer = answer};
    flush_code_cache(env);
    if ((r->first = run_in_mode(env, o, m, sql, len, &rc)) < 0)
        return false;
    r->first_compile = rc.compile_ms;
    r->rows = rc.rows;
    if (answer && !rc.matches) {
        fprintf(stderr, "qe-bench: %s (%s): wrong answer: %s\n", name, o->modes[m], rc.diff);
        return false;
    }
    return true;
}

/*
 * One query in every mode side by side: the first run of each mode (on an empty code
 * cache), then a second untimed warm-up of each (refilling the cache for all modes),
 * then n rounds, round r running every mode once starting at mode r % n_modes (so no
 * mode always runs first or after the same one).  Fills results[m][q] for each mode
 * m with active[m]; a mode that fails stops taking part in this query.
 */
static void bench_query(bench_env *env, const options *o, const bool *active, const char *sql,
                        size_t len, const tools_answer *answer, const char *name,
                        measure *const *results, int q) {
    int n = o->n_runs, nm = o->n_modes;
    bool live[MAX_MODES] = {0};
    /* Per mode n totals, n compiles and n executes; then n paired ratios (scratch). */
    double *times = calloc((size_t)n * (3 * (size_t)nm + 1), sizeof *times);
    if (!times)
        return;
    for (int m = 0; m < nm; m++)
        live[m] = active[m] && first_run(env, o, m, sql, len, answer, name, &results[m][q]);
    for (int m = 0; m < nm; m++) {
        run_ctx rc = {0};
        live[m] = live[m] && run_in_mode(env, o, m, sql, len, &rc) >= 0;
    }
    for (int r = 0; r < n; r++)
        for (int i = 0; i < nm; i++) {
            int m = (r + i) % nm;
            if (!live[m])
                continue;
            run_ctx rc = {0};
            double *t = times + (size_t)m * 3 * (size_t)n;
            t[r] = run_in_mode(env, o, m, sql, len, &rc);
            t[n + r] = rc.compile_ms;
            t[2 * n + r] = rc.execute_ms;
            results[m][q].rows = rc.rows;
            live[m] = t[r] >= 0;
        }
    for (int m = 1; m < nm; m++) { /* before summarize sorts the totals */
        double *t = times + (size_t)m * 3 * (size_t)n, *ratios = times + (size_t)nm * 3 * n;
        if (live[m] && live[0]) {
            for (int r = 0; r < n; r++)
                ratios[r] = times[r] > 0 ? t[r] / times[r] : 1.0;
            results[m][q].paired = median_of(ratios, n);
        }
    }
    for (int m = 0; m < nm; m++) {
        if (!live[m])
            continue;
        double *t = times + (size_t)m * 3 * (size_t)n;
        results[m][q].compile = median_of(t + n, n);
        results[m][q].execute = median_of(t + 2 * n, n);
        summarize(t, n, &results[m][q]);
    }
    free(times);
}

/* A query on no table (a filter, arithmetic and a grouped aggregation) that warm_up runs
 * in every mode. */
static const char warm_up_sql[] =
    "SELECT range % 7 AS k, count(*), sum(range * 3) FROM range(100000) "
    "WHERE range % 3 = 1 GROUP BY range % 7";

/* Runs warm_up_sql once in every active mode (untimed), then empties the code cache: the
 * process's first compile at each tier pays for LLVM's code and data coming into memory
 * (a few ms), which is the process's start, not the first query's compile. */
static void warm_up(bench_env *env, const options *o, const bool *active) {
    for (int m = 0; m < o->n_modes; m++) {
        run_ctx rc = {0};
        if (active[m])
            (void)run_in_mode(env, o, m, warm_up_sql, sizeof warm_up_sql - 1, &rc);
    }
    flush_code_cache(env);
}

/* Runs every query in every mode on one engine (see bench_query; --prepare-only: the
 * prepare micro-benchmark), filling results[m][q]; false if the engine could not be set
 * up.  A mode whose settings the engine refuses is reported and marked unsupported. */
static bool bench_all(const options *o, measure *const *results) {
    bench_env env = {0};
    if (!open_env(o, &env))
        return false;
    bool active[MAX_MODES] = {0};
    for (int m = 0; m < o->n_modes; m++) {
        char why[512] = "";
        active[m] = o->prepare_only || apply_mode(&env, o->modes[m], why, sizeof why);
        if (!active[m]) {
            fprintf(stderr, "qe-bench: mode \"%s\" unsupported: %s\n", o->modes[m], why);
            printf("mode %s: unsupported: %s\n", o->modes[m], why);
            for (int q = 0; q < o->n_queries; q++)
                results[m][q].unsupported = true;
        }
    }
    if (!o->prepare_only)
        warm_up(&env, o, active);
    for (int q = 0; q < o->n_queries; q++) {
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
            results[0][q] = bench_prepare(env.session, sql, len, o->n_runs);
        else if (!o->answers || have_answer)
            bench_query(&env, o, active, sql, len, have_answer ? &answer : NULL, name, results, q);
        tools_answer_free(&answer);
        free(sql);
    }
    qe_session_close(env.session);
    qe_engine_close(env.engine);
    return true;
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

/* ---- --duckdb: the DuckDB peer ------------------------------------------------------ */

/* Runs argv (argv[0] looked up in PATH) with its stdout sent to our stderr; true if it
 * exited with status 0. */
static bool run_child(char *const *argv) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execvp(argv[0], argv);
        fprintf(stderr, "qe-bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Fills results[q] from the peer's CSV (query,mode,rows,runs,median_ms,min_ms,max_ms). */
static void read_duckdb_csv(const options *o, const char *path, measure *results) {
    FILE *f = fopen(path, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f)) {
        char name[256];
        unsigned long long rows;
        int runs;
        measure m = {.ok = true};
        if (sscanf(line, "%255[^,],duckdb,%llu,%d,%lf,%lf,%lf", name, &rows, &runs, &m.median,
                   &m.min, &m.max) != 6)
            continue; /* the header */
        m.rows = rows;
        m.execute = m.median;
        for (int q = 0; q < o->n_queries; q++) {
            char qn[256];
            query_name(o->queries[q], qn, sizeof qn);
            if (strcmp(qn, name) == 0)
                results[q] = m;
        }
    }
    if (f)
        fclose(f);
}

/* Runs the DuckDB peer on o->duckdb with the same queries, threads and runs; fills
 * results (queries it did not answer stay failed). */
static void bench_duckdb(const options *o, measure *results) {
    char csv[64], runs[16];
    snprintf(csv, sizeof csv, "/tmp/qe-bench-duckdb-%ld.csv", (long)getpid());
    snprintf(runs, sizeof runs, "%d", o->n_runs);
    char **argv = calloc((size_t)o->n_queries + 16, sizeof *argv);
    if (!argv)
        return;
    int n = 0;
    argv[n++] = "node";
    argv[n++] = (char *)(o->duckdb_script ? o->duckdb_script : "bench/duckdb-tpch.mjs");
    argv[n++] = "--data";
    argv[n++] = (char *)o->duckdb;
    argv[n++] = "-n";
    argv[n++] = runs;
    argv[n++] = "--csv";
    argv[n++] = csv;
    if (o->threads) {
        argv[n++] = "--threads";
        argv[n++] = (char *)o->threads;
    }
    for (int q = 0; q < o->n_queries; q++)
        argv[n++] = o->queries[q];
    if (!run_child(argv))
        fprintf(stderr, "qe-bench: the DuckDB peer (node %s) failed\n", argv[1]);
    read_duckdb_csv(o, csv, results);
    unlink(csv);
    free(argv);
}

/* Figures of one mode over every query that ran. */
typedef struct mode_summary {
    int n;                /* queries that ran */
    double geo_total;     /* geometric mean of the hot totals, ms */
    double geo_execute;   /* geometric mean of the hot execute times, ms */
    double compile;       /* median over the queries of the hot compile ms */
    double first_compile; /* median over the queries of the first run's compile ms */
} mode_summary;

/* log() of a time, floored so that 0 ms does not take the geomean to 0. */
static double log_ms(double ms) { return log(ms > 1e-3 ? ms : 1e-3); }

/* Summarizes results[0..n_queries) of one mode. */
static mode_summary summarize_mode(const measure *results, int n_queries) {
    mode_summary sm = {0};
    double log_total = 0, log_execute = 0;
    double *compiles = calloc((size_t)n_queries * 2 + 1, sizeof *compiles);
    for (int q = 0; q < n_queries; q++) {
        if (!results[q].ok)
            continue;
        log_total += log_ms(results[q].median);
        log_execute += log_ms(results[q].execute);
        if (compiles) {
            compiles[sm.n] = results[q].compile;
            compiles[n_queries + sm.n] = results[q].first_compile;
        }
        sm.n++;
    }
    if (sm.n) {
        sm.geo_total = exp(log_total / sm.n);
        sm.geo_execute = exp(log_execute / sm.n);
        if (compiles) {
            sm.compile = median_of(compiles, sm.n);
            sm.first_compile = median_of(compiles + n_queries, sm.n);
        }
    }
    free(compiles);
    return sm;
}

/* Writes s to f with XML's special characters escaped. */
static void xml_text(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

/* Bar colours, one per mode. */
static const char *const svg_colors[MAX_MODES] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                                  "#b07aa1", "#76b7b2", "#edc948", "#9c755f"};

/* Geometry of the SVG chart, in pixels. */
enum { SVG_LEFT = 70, SVG_TOP = 40, SVG_PLOT_H = 300, SVG_BAR_W = 12, SVG_GAP = 18 };

/* The y coordinate of value v (ms) on the chart's axis [lo, hi] (log: lo > 0). */
static double svg_y(double v, double lo, double hi, bool linear) {
    double f = linear ? (v - lo) / (hi - lo) : (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return SVG_TOP + SVG_PLOT_H * (1 - f);
}

/* The value of bar b of group g (g == n_queries: the geomean group); false: no bar. */
static bool svg_value(const options *o, measure *const *results, const mode_summary *sums, int g,
                      int m, double *v) {
    if (g == o->n_queries) {
        *v = sums[m].geo_total;
        return sums[m].n > 0;
    }
    *v = results[m][g].median;
    return results[m][g].ok;
}

/* Writes the y axis: ticks at powers of 10 (log) or five even steps (linear). */
static void svg_axis(FILE *f, double lo, double hi, bool linear, int width) {
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", SVG_LEFT,
            SVG_TOP, SVG_LEFT, SVG_TOP + SVG_PLOT_H);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", SVG_LEFT,
            SVG_TOP + SVG_PLOT_H, width - 10, SVG_TOP + SVG_PLOT_H);
    for (int i = 0; i <= 10; i++) {
        double v = linear ? lo + (hi - lo) * i / 5 : lo * pow(10, i);
        if (v > hi * 1.0001 || (linear && i > 5))
            break;
        double y = svg_y(v, lo, hi, linear);
        fprintf(f,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ccc\"/>\n"
                "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%g</text>\n",
                SVG_LEFT, y, width - 10, y, SVG_LEFT - 4, y + 3, v);
    }
    fprintf(f,
            "<text x=\"14\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 14 %d)\" "
            "text-anchor=\"middle\">ms (%s scale)</text>\n",
            SVG_TOP + SVG_PLOT_H / 2, SVG_TOP + SVG_PLOT_H / 2, linear ? "linear" : "log");
}

/*
 * Writes the SVG chart: per query (and a last "geomean" group) one bar per mode with
 * the hot total median; a query or mode that did not run has no bar.  Every bar is the
 * only kind of <rect> in the file; the legend uses circles.
 */
static bool write_svg(const options *o, measure *const *results, const mode_summary *sums) {
    FILE *f = fopen(o->svg, "w");
    if (!f) {
        fprintf(stderr, "qe-bench: cannot write \"%s\": %s\n", o->svg, strerror(errno));
        return false;
    }
    int n_groups = o->n_queries + 1;
    int group_w = o->n_modes * SVG_BAR_W + SVG_GAP;
    int width = SVG_LEFT + n_groups * group_w + 20;
    width = width < 480 ? 480 : width; /* room for the title */
    int height = SVG_TOP + SVG_PLOT_H + 70 + 16 * o->n_modes;
    double lo = INFINITY, hi = 0, v;
    for (int g = 0; g < n_groups; g++)
        for (int m = 0; m < o->n_modes; m++)
            if (svg_value(o, results, sums, g, m, &v)) {
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
    if (hi <= 0) {
        lo = 0.1;
        hi = 1;
    }
    if (o->svg_linear)
        lo = 0;
    else {
        lo = pow(10, floor(log10(lo > 1e-3 ? lo : 1e-3)));
        hi = pow(10, ceil(log10(hi > lo ? hi : lo * 10)));
    }
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
            "<text x=\"%d\" y=\"20\" font-size=\"14\">qe-bench: median of %d hot runs, total "
            "ms per query and mode</text>\n",
            width, height, width, height, SVG_LEFT, o->n_runs);
    svg_axis(f, lo, hi, o->svg_linear, width);
    for (int g = 0; g < n_groups; g++) {
        int x0 = SVG_LEFT + SVG_GAP / 2 + g * group_w;
        for (int m = 0; m < o->n_modes; m++) {
            if (!svg_value(o, results, sums, g, m, &v))
                continue;
            double y = svg_y(v, lo, hi, o->svg_linear);
            fprintf(f,
                    "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\">"
                    "<title>",
                    x0 + m * SVG_BAR_W, y, SVG_BAR_W - 1, SVG_TOP + SVG_PLOT_H - y, svg_colors[m]);
            xml_text(f, o->modes[m]);
            fprintf(f, ": %.3f ms</title></rect>\n", v);
        }
        char name[256];
        if (g == o->n_queries)
            snprintf(name, sizeof name, "geomean");
        else
            query_name(o->queries[g], name, sizeof name);
        int cx = x0 + o->n_modes * SVG_BAR_W / 2, cy = SVG_TOP + SVG_PLOT_H + 12;
        fprintf(f,
                "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\" "
                "transform=\"rotate(-45 %d %d)\">",
                cx, cy, cx, cy);
        xml_text(f, name);
        fputs("</text>\n", f);
    }
    for (int m = 0; m < o->n_modes; m++) {
        int y = SVG_TOP + SVG_PLOT_H + 70 + 16 * m;
        fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\"/>\n", SVG_LEFT + 5, y - 4,
                svg_colors[m]);
        fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">", SVG_LEFT + 15, y);
        xml_text(f, o->modes[m]);
        if (results[m][0].unsupported)
            fputs(" (unsupported)", f);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
    return fclose(f) == 0;
}

/* Prints the median and the largest of mode m's paired ratios to the first mode (the
 * per-query median over the rounds of m's total / the first mode's total). */
static void report_paired(const options *o, measure *const *results, int m) {
    double *v = calloc((size_t)o->n_queries, sizeof *v), max = 0;
    int n = 0, arg = 0;
    for (int q = 0; v && q < o->n_queries; q++)
        if (results[m][q].ok && results[m][q].paired > 0) {
            v[n++] = results[m][q].paired;
            if (results[m][q].paired > max) {
                max = results[m][q].paired;
                arg = q;
            }
        }
    if (n > 0) {
        char name[256];
        query_name(o->queries[arg], name, sizeof name);
        double med = median_of(v, n);
        printf("paired %s / %s per query (median over rounds): median %.3f, max %.3f (%s)\n",
               o->modes[m], o->modes[0], med, max, name);
    }
    free(v);
}

/* Prints the table and the summary per mode; writes the CSV and the SVG if asked. */
static bool report(const options *o, measure *const *results) {
    FILE *csv = o->csv ? fopen(o->csv, "w") : NULL;
    if (o->csv && !csv)
        fprintf(stderr, "qe-bench: cannot write \"%s\": %s\n", o->csv, strerror(errno));
    if (csv)
        fputs("query,mode,rows,runs,median_ms,min_ms,max_ms,compile_ms,execute_ms,first_ms,"
              "first_compile_ms\n",
              csv);
    printf("%-16s %-14s %9s %11s %11s %11s %10s %10s %10s %11s %7s\n", "query", "mode", "rows",
           "compile_ms", "execute_ms", "total_ms", "min_ms", "max_ms", "first_ms", "first_cmp_ms",
           "paired");
    for (int q = 0; q < o->n_queries; q++) {
        char name[256];
        query_name(o->queries[q], name, sizeof name);
        for (int m = 0; m < o->n_modes; m++) {
            const measure *r = &results[m][q];
            if (!r->ok) {
                printf("%-16s %-14s %9s %11s\n", name, o->modes[m], "-",
                       r->unsupported ? "unsupported" : "failed");
                continue;
            }
            printf("%-16s %-14s %9llu %11.3f %11.3f %11.3f %10.3f %10.3f %10.3f %11.3f", name,
                   o->modes[m], (unsigned long long)r->rows, r->compile, r->execute, r->median,
                   r->min, r->max, r->first, r->first_compile);
            if (r->paired > 0)
                printf(" %7.3f\n", r->paired);
            else
                printf(" %7s\n", "-");
            if (csv)
                fprintf(csv, "%s,%s,%llu,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n", name,
                        o->modes[m], (unsigned long long)r->rows, o->n_runs, r->median, r->min,
                        r->max, r->compile, r->execute, r->first, r->first_compile);
        }
    }
    mode_summary sums[MAX_MODES] = {0};
    for (int m = 0; m < o->n_modes; m++) {
        sums[m] = summarize_mode(results[m], o->n_queries);
        if (sums[m].n)
            printf("geomean %-14s total %.3f ms, execute %.3f ms; median compile %.3f ms "
                   "(first run %.3f ms) over %d queries\n",
                   o->modes[m], sums[m].geo_total, sums[m].geo_execute, sums[m].compile,
                   sums[m].first_compile, sums[m].n);
    }
    int duck = o->duckdb ? o->n_modes - 1 : -1; /* the DuckDB peer's mode, or -1 */
    for (int m = 0; duck >= 0 && m < duck; m++)
        if (sums[duck].n && sums[m].n)
            printf("ratio %s / duckdb: total %.3f, execute %.3f (geomeans)\n", o->modes[m],
                   sums[m].geo_total / sums[duck].geo_total,
                   sums[m].geo_execute / sums[duck].geo_execute);
    for (int m = 1; m < o->n_modes && m != duck; m++)
        if (sums[0].n && sums[m].n)
            printf("ratio %s / %s: total %.3f, execute %.3f (geomeans)\n", o->modes[m], o->modes[0],
                   sums[m].geo_total / sums[0].geo_total,
                   sums[0].geo_execute > 0 ? sums[m].geo_execute / sums[0].geo_execute : 0);
    for (int m = 1; m < o->n_modes && m != duck; m++)
        report_paired(o, results, m);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        printf("peak memory (max RSS of the process): %.1f MiB\n", ru.ru_maxrss / 1024.0);
    bool ok = !o->csv || (csv && fclose(csv) == 0);
    if (o->svg)
        ok = write_svg(o, results, sums) && ok;
    return ok;
}

static void usage(FILE *out) {
    fputs("usage: qe-bench [--db PATH] [--schema tpch|tpcds|FILE.sql] [--setup FILE.sql]\n"
          "                [--load SQL] [-n N] [--modes MODE,...] [--threads N]\n"
          "                [--csv OUT.csv] [--svg OUT.svg] [--svg-scale log|linear]\n"
          "                [--answers DIR] [--duckdb DIR [--duckdb-script FILE.mjs]]\n"
          "                QUERY.sql...\n"
          "       modes: interpret, jit, jit-cheap, jit-optimized, adaptive (default\n"
          "              interpret,jit)\n"
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
        } else if (strcmp(a, "--duckdb") == 0 && has_value) {
            o->duckdb = argv[++i];
        } else if (strcmp(a, "--duckdb-script") == 0 && has_value) {
            o->duckdb_script = argv[++i];
        } else if (strcmp(a, "--svg") == 0 && has_value) {
            o->svg = argv[++i];
        } else if (strcmp(a, "--svg-scale") == 0 && has_value) {
            const char *v = argv[++i];
            if (strcmp(v, "log") != 0 && strcmp(v, "linear") != 0) {
                fprintf(stderr, "qe-bench: --svg-scale must be log or linear\n");
                return 1;
            }
            o->svg_linear = strcmp(v, "linear") == 0;
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
    if (o->duckdb && (o->prepare_only || o->n_modes == MAX_MODES)) {
        fputs("qe-bench: --duckdb needs a free mode slot and no --prepare-only\n", stderr);
        return 1;
    }
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
    for (int m = 0; m < o.n_modes && ok; m++)
        ok = (results[m] = calloc((size_t)o.n_queries, sizeof *results[m])) != NULL;
    if (ok && !(ok = bench_all(&o, results)))
        fprintf(stderr, "qe-bench: the engine could not be set up\n");
    int n_qe_modes = o.n_modes; /* the DuckDB peer's failures do not fail qe-bench */
    if (ok && o.duckdb) {
        o.modes[o.n_modes] = "duckdb";
        results[o.n_modes] = calloc((size_t)o.n_queries, sizeof *results[o.n_modes]);
        ok = results[o.n_modes] != NULL;
        if (ok)
            bench_duckdb(&o, results[o.n_modes++]);
    }
    ok = ok && (o.prepare_only ? report_prepare(&o, results[0]) : report(&o, results));
    int n_supported = 0; /* unsupported modes are reported, not failures */
    for (int m = 0; m < n_qe_modes && ok; m++) {
        n_supported += !results[m][0].unsupported;
        for (int q = 0; q < o.n_queries; q++)
            ok = ok && (results[m][q].ok || results[m][q].unsupported);
    }
    ok = ok && n_supported > 0;
    for (int m = 0; m < o.n_modes; m++)
        free(results[m]);
    free(o.queries);
    return ok ? 0 : 1;
}
