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
 * query file (--mode adaptive-wait: execution_mode adaptive with debug_adaptive 'wait',
 * so compiled pipelines switch after each thread's first morsel) and compares its
 * result with DIR/<query>.csv: a header line of column names
 * and one line per row, `|`-separated, NULL as an empty field, exact decimals.
 *
 * Comparison: tools/tools_answers.h (rows in order: every TPC-H query orders its
 * result; trailing blanks ignored; DOUBLE columns within a relative 1e-9).  Reports one line per
 * query and thread count
 * (`ok` with rows and milliseconds, or `FAIL` with the first difference) and a summary;
 * the exit status is 0 only if every query passes.
 */
#include "../../tools/tools_answers.h"
#include "qe.h"

/* Parsed command line. */
typedef struct options {
    const char *sf;      /* --sf: scale factor text for CALL dbgen */
    const char *answers; /* --answers: directory of <query>.csv */
    const char *threads; /* --threads: comma-separated thread counts */
    const char *mode;    /* --mode: execution_mode setting */
    const char *load;    /* --load: script that loads the data instead of dbgen */
    bool quiet;          /* -q: only failures and the summary */
    char **queries;      /* query files */
    int n_queries;       /* entries used in queries */
} options;

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
    tools_answer a;
    bool ok = false;
    double ms = 0;
    uint64_t rows = 0;
    if (!sql)
        snprintf(msg, sizeof msg, "cannot read %s", path);
    else if (tools_answer_load(o->answers, name, &a, msg, sizeof msg)) {
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
            ok = tools_answer_compare(res, &a, msg, sizeof msg);
        }
        qe_result_destroy(res);
        tools_answer_free(&a);
    }
    free(sql);
    if (!ok)
        printf("%s threads=%s FAIL: %s\n", name, threads, msg);
    else if (!o->quiet)
        printf("%s threads=%s ok (%llu rows, %.1f ms)\n", name, threads, (unsigned long long)rows,
               ms);
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
    if (qe_engine_open(NULL, NULL, &engine, &err) != QE_OK ||
        qe_session_open(engine, &s) != QE_OK) {
        fprintf(stderr, "tpch_answers: cannot open the engine: %s\n",
                err ? qe_error_message(err) : "session");
        qe_error_destroy(err);
        qe_engine_close(engine);
        return 1;
    }
    int passed = 0, failed = 0;
    bool wait = strcmp(o.mode, "adaptive-wait") == 0;
    if (qe_session_set(s, "execution_mode", wait ? "adaptive" : o.mode) != QE_OK ||
        (wait && qe_session_set(s, "debug_adaptive", "wait") != QE_OK)) {
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
