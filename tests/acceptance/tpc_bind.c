/*
 * tpc_bind.c -- the frontend's acceptance test: every TPC-H / TPC-DS query parses and
 * binds against its schema, and `qec --emit=logical` can print its plan.
 *
 *   tpc_bind --schema tpch|tpcds|FILE.sql [--emit logical|physical|ast] [-q] QUERY.sql...
 *
 * Opens an embedded in-memory engine, creates the schema's tables (a built-in schema
 * by name, qe_builtin_schema, or a file), then compiles the first statement of each
 * query file with qe_emit_text (QE_EMIT_LOGICAL by default) and checks that a non-empty
 * plan comes back.  Reports one line per query (`ok` or `FAIL` with the psql-style
 * rendering of the error, indented), then the failures grouped by error message (the
 * to-do list of the frontend), then `N/M queries pass`.  The exit status is 0 only if
 * every query passes (and the schema loaded).  -q prints only failures and the summary.
 */
#include "../../tools/tools_int.h"
#include "qe.h"

/* Parsed command line. */
typedef struct options {
    const char *schema; /* --schema: built-in name or file */
    qe_emit emit;       /* artifact that must compile (default: logical) */
    bool quiet;         /* -q: no line for passing queries */
    char **queries;     /* query files */
    int n_queries;      /* entries used in queries */
} options;

/* Failures that share one error message (first line), for the summary. */
typedef struct failure_group {
    char *message; /* "SQLSTATE: message", malloc'd */
    int count;     /* queries that failed with it */
    char *first;   /* name of the first such query, malloc'd */
} failure_group;

/* The whole run's tally. */
typedef struct tally {
    int passed;            /* queries whose plan was printed */
    int failed;            /* queries that failed */
    failure_group *groups; /* distinct failure messages, in first-seen order */
    int n_groups;          /* entries used in groups */
} tally;

/* The name a query is reported under: its file name without directory and ".sql". */
static void query_name(const char *path, char *buf, size_t cap) {
    const char *slash = strrchr(path, '/');
    snprintf(buf, cap, "%s", slash ? slash + 1 : path);
    size_t n = strlen(buf);
    if (n > 4 && strcmp(buf + n - 4, ".sql") == 0)
        buf[n - 4] = '\0';
}

/* Prints text with every line indented by four blanks. */
static void print_indented(const char *text) {
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        printf("    %.*s\n", (int)n, p);
        p += n + (nl != NULL);
    }
}

/* Counts a failure under its message; out-of-memory only loses the grouping. */
static void tally_failure(tally *t, const char *name, const qe_error *err) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s: %s", qe_error_sqlstate(err), qe_error_message(err));
    t->failed++;
    for (int i = 0; i < t->n_groups; i++) {
        if (strcmp(t->groups[i].message, msg) == 0) {
            t->groups[i].count++;
            return;
        }
    }
    failure_group *grown = realloc(t->groups, (size_t)(t->n_groups + 1) * sizeof *grown);
    if (!grown)
        return;
    t->groups = grown;
    t->groups[t->n_groups++] = (failure_group){strdup(msg), 1, strdup(name)};
}

/* Compiles one query file and reports it. */
static void check_query(qe_session *session, const options *o, const char *path, tally *t) {
    char name[256];
    query_name(path, name, sizeof name);
    size_t len = 0;
    char *sql = tools_read_file(path, &len);
    if (!sql) {
        printf("FAIL %s: cannot read \"%s\": %s\n", name, path, strerror(errno));
        t->failed++;
        return;
    }
    char *plan = NULL;
    qe_status st = qe_emit_text(session, sql, o->emit, &plan);
    if (st == QE_OK && plan && plan[0]) {
        t->passed++;
        if (!o->quiet)
            printf("ok   %s\n", name);
    } else if (st == QE_OK) {
        printf("FAIL %s: the plan is empty\n", name);
        t->failed++;
    } else {
        const qe_error *err = qe_session_error(session);
        printf("FAIL %s\n", name);
        char *text = tools_error_text(err, sql);
        print_indented(text ? text : qe_error_message(err));
        free(text);
        tally_failure(t, name, err);
    }
    qe_free(plan);
    free(sql);
}

/* Prints the failures grouped by message, most frequent first, and the pass count. */
static void print_summary(const options *o, tally *t) {
    if (t->n_groups)
        printf("\nfailures by error (count, first query, SQLSTATE: message):\n");
    for (int done = 0; done < t->n_groups; done++) {
        int best = -1;
        for (int i = 0; i < t->n_groups; i++)
            if (t->groups[i].count > 0 && (best < 0 || t->groups[i].count > t->groups[best].count))
                best = i;
        failure_group *g = &t->groups[best];
        printf("%5d  %-10s %s\n", g->count, g->first ? g->first : "?",
               g->message ? g->message : "?");
        g->count = -g->count; /* printed */
    }
    printf("\n%s: %d/%d queries pass (%s)\n", o->schema, t->passed, o->n_queries,
           o->emit == QE_EMIT_LOGICAL ? "parse and bind" : "compile");
    for (int i = 0; i < t->n_groups; i++) {
        free(t->groups[i].message);
        free(t->groups[i].first);
    }
    free(t->groups);
}

static void on_schema_error(void *ctx, const char *sql, const qe_error *err) {
    printf("FAIL schema \"%s\":\n", (const char *)ctx);
    char *text = tools_error_text(err, sql);
    print_indented(text ? text : qe_error_message(err));
    free(text);
}

/* Creates the schema's tables; false (after printing why) on failure. */
static bool load_schema(qe_session *session, const char *spec) {
    size_t len = 0;
    char *text = tools_schema_text("tpc_bind", spec, &len);
    if (!text)
        return false;
    tools_script_ops ops = {NULL, on_schema_error, (void *)spec, false};
    int failed = tools_run_script(session, text, len, &ops);
    free(text);
    if (failed)
        printf("FAIL schema \"%s\": %d failed statement%s\n", spec, failed, failed == 1 ? "" : "s");
    return failed == 0;
}

static void usage(FILE *out) {
    fputs("usage: tpc_bind --schema tpch|tpcds|FILE.sql [--emit logical|physical|ast] [-q]\n"
          "                QUERY.sql...\n",
          out);
}

/* Parses argv; returns 0 to run, 1 on a usage error. */
static int parse_args(int argc, char **argv, options *o) {
    o->emit = QE_EMIT_LOGICAL;
    for (int i = 1; i < argc; i++) {
        bool has_value = i + 1 < argc;
        if (strcmp(argv[i], "--schema") == 0 && has_value) {
            o->schema = argv[++i];
        } else if (strcmp(argv[i], "--emit") == 0 && has_value) {
            if (qe_emit_parse(argv[++i], &o->emit) != QE_OK || o->emit == QE_EMIT_IR ||
                o->emit == QE_EMIT_ASM)
                return 1;
        } else if (strcmp(argv[i], "-q") == 0) {
            o->quiet = true;
        } else if (argv[i][0] != '-') {
            o->queries[o->n_queries++] = argv[i];
        } else {
            return 1;
        }
    }
    return o->schema && o->n_queries ? 0 : 1;
}

int main(int argc, char **argv) {
    options o = {0};
    o.queries = calloc((size_t)argc, sizeof *o.queries);
    if (!o.queries)
        return 1;
    if (parse_args(argc, argv, &o)) {
        usage(stderr);
        free(o.queries);
        return 1;
    }
    qe_engine *engine = NULL;
    qe_session *session = NULL;
    qe_error *err = NULL;
    bool ok = qe_engine_open(":memory:", NULL, &engine, &err) == QE_OK &&
              qe_session_open(engine, &session) == QE_OK;
    if (!ok)
        fputs("tpc_bind: cannot open an engine\n", stderr);
    bool schema_ok = ok && load_schema(session, o.schema);
    tally t = {0};
    for (int q = 0; ok && q < o.n_queries; q++)
        check_query(session, &o, o.queries[q], &t);
    print_summary(&o, &t);
    qe_error_destroy(err);
    qe_session_close(session);
    qe_engine_close(engine);
    free(o.queries);
    return ok && schema_ok && t.passed == o.n_queries ? 0 : 1;
}
