/*
 * qec.c -- the QE compiler driver: SQL in, compiler artifacts out.
 *
 *   qec [--emit=ast|logical|physical|cluster|ir|asm|obj] [--format=text]
 *       [--tier cheap|optimized] [--cpu NAME] [--db DIR]
 *       [--schema tpch|tpcds|FILE.sql] [-o FILE] (-c SQL | FILE.sql)
 *
 * The schema's statements (CREATE TABLEs: a built-in schema by name, else a file) run
 * first in an embedded session, in memory or on the database --db DIR (whose tables
 * and statistics then shape the plan, as in qe-sql DIR); then the first statement of the query is
 * compiled up to the requested artifact (qe_emit_bytes) and printed, or written to
 * -o FILE.  --tier and --cpu become the session settings jit_tier and emit_cpu (IR,
 * assembly and object).  The object file is binary: qec writes it to -o FILE, or to
 * stdout only when stdout is not a terminal.  Errors are rendered like psql's on
 * stderr and the exit status is 1.
 */
#include "qe.h"
#include "tools_int.h"

#include <unistd.h>

/* Parsed command line. */
typedef struct options {
    qe_emit emit;       /* artifact to print (default: physical) */
    const char *schema; /* --schema tpch|tpcds|FILE.sql, or NULL */
    const char *db;     /* --db DIR: the database to plan against, or NULL (in memory) */
    const char *sql;    /* -c SQL, or NULL */
    const char *file;   /* FILE.sql, or NULL */
    const char *tier;   /* --tier: SET jit_tier, or NULL (optimized) */
    const char *cpu;    /* --cpu: SET emit_cpu, or NULL (host) */
    const char *output; /* -o FILE, or NULL (stdout) */
} options;

static void usage(FILE *out) {
    fputs("usage: qec [--emit=ast|logical|physical|cluster|ir|asm|obj] [--format=text]\n"
          "           [--tier cheap|optimized] [--cpu NAME] [-o FILE]\n"
          "           [--db DIR] [--schema tpch|tpcds|FILE.sql] (-c SQL | FILE.sql)\n"
          "Runs the --schema (a built-in schema, or a file of CREATE TABLE statements)\n"
          "in an in-memory session (or on the database DIR: its tables and statistics\n"
          "shape the plan, as when qe-sql DIR runs the query), then prints the requested artifact "
          "of the query's\n"
          "first statement. physical: the plan the embedded engine runs; cluster: the\n"
          "plan a cluster runs (one task per worker, re-partitioning exchanges);\n"
          "ir/asm: each stage's LLVM module; obj: one object file (ELF) of every\n"
          "stage's compiled pipelines, functions qe_s<stage>_p<pipeline>.\n"
          "--tier: the JIT tier of ir/asm/obj (default optimized: IR after the O2\n"
          "passes; cheap: the unoptimized IR, only mem2reg, and code at -O0);\n"
          "--cpu: the target CPU of asm/obj (default host); -o FILE: write the\n"
          "artifact to FILE (obj goes to stdout only when stdout is not a terminal).\n",
          out);
}

/* Returns the value of "--name=value" or "--name value" (advancing *i), else NULL. */
static const char *option_value(int argc, char **argv, int *i, const char *name) {
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

/* Parses argv; returns 0 to run, 1 on a usage error, 2 after --help. */
static int parse_args(int argc, char **argv, options *o) {
    o->emit = QE_EMIT_PHYSICAL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 2;
        } else if ((v = option_value(argc, argv, &i, "--emit")) != NULL) {
            if (qe_emit_parse(v, &o->emit) != QE_OK) {
                fprintf(stderr, "qec: unknown artifact \"%s\"\n", v);
                return 1;
            }
        } else if ((v = option_value(argc, argv, &i, "--format")) != NULL) {
            if (strcmp(v, "text") != 0) {
                fprintf(stderr, "qec: --format=%s is not supported yet (only text)\n", v);
                return 1;
            }
        } else if ((v = option_value(argc, argv, &i, "--tier")) != NULL) {
            o->tier = v;
        } else if ((v = option_value(argc, argv, &i, "--cpu")) != NULL) {
            o->cpu = v;
        } else if ((v = option_value(argc, argv, &i, "--db")) != NULL) {
            o->db = v;
        } else if ((v = option_value(argc, argv, &i, "--schema")) != NULL) {
            o->schema = v;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && !o->output) {
            o->output = argv[++i];
        } else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc && !o->sql && !o->file) {
            o->sql = argv[++i];
        } else if (argv[i][0] != '-' && !o->sql && !o->file) {
            o->file = argv[i];
        } else {
            fprintf(stderr, "qec: invalid argument \"%s\"\n", argv[i]);
            usage(stderr);
            return 1;
        }
    }
    if (!o->sql && !o->file) {
        usage(stderr);
        return 1;
    }
    return 0;
}

static void on_error(void *ctx, const char *sql, const qe_error *err) {
    fprintf(stderr, "qec: in schema \"%s\":\n", (const char *)ctx);
    tools_print_error(stderr, err, sql);
}

/* Runs the schema's statements (built-in or a file); false (after printing why) if any
 * failed. */
static bool load_schema(qe_session *session, const char *spec) {
    size_t len = 0;
    char *text = tools_schema_text("qec", spec, &len);
    if (!text)
        return false;
    tools_script_ops ops = {NULL, on_error, (void *)spec, true};
    int failed = tools_run_script(session, text, len, &ops);
    free(text);
    return failed == 0;
}

/* Applies --tier / --cpu as session settings; false (after printing why) on failure. */
static bool apply_settings(qe_session *session, const options *o) {
    const char *names[2] = {"jit_tier", "emit_cpu"};
    const char *values[2] = {o->tier, o->cpu};
    for (int i = 0; i < 2; i++) {
        if (values[i] && qe_session_set(session, names[i], values[i]) != QE_OK) {
            tools_print_error(stderr, qe_session_error(session), NULL);
            return false;
        }
    }
    return true;
}

/* Writes the artifact to path (or stdout), text ending in a newline; false (after
 * printing why) on failure. */
static bool write_artifact(const char *path, const char *data, size_t n, bool binary) {
    FILE *f = path ? fopen(path, binary ? "wb" : "w") : stdout;
    if (!f) {
        fprintf(stderr, "qec: cannot write \"%s\": %s\n", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(data, 1, n, f) == n;
    if (!binary && (n == 0 || data[n - 1] != '\n'))
        ok = fputc('\n', f) != EOF && ok;
    ok = fflush(f) == 0 && ok;
    if (path)
        ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "qec: cannot write \"%s\": %s\n", path ? path : "stdout", strerror(errno));
    return ok;
}

/* Compiles the query and prints the artifact; false (after printing why) on failure. */
static bool emit(qe_session *session, const char *sql, qe_emit what, const char *output) {
    bool binary = what == QE_EMIT_OBJ;
    if (binary && !output && isatty(STDOUT_FILENO)) {
        fputs("qec: --emit=obj writes binary: use -o FILE or redirect stdout\n", stderr);
        return false;
    }
    void *data = NULL;
    size_t n = 0;
    if (qe_emit_bytes(session, sql, what, &data, &n) != QE_OK) {
        tools_print_error(stderr, qe_session_error(session), sql);
        return false;
    }
    bool ok = write_artifact(output, data, n, binary);
    qe_free(data);
    return ok;
}

int main(int argc, char **argv) {
    options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 2 ? 0 : 1;
    char *file_sql = NULL;
    size_t len = 0;
    if (o.file && !(file_sql = tools_read_file(o.file, &len))) {
        fprintf(stderr, "qec: cannot read \"%s\": %s\n", o.file, strerror(errno));
        return 1;
    }
    qe_engine *engine = NULL;
    qe_session *session = NULL;
    qe_error *err = NULL;
    bool ok = qe_engine_open(o.db ? o.db : ":memory:", NULL, &engine, &err) == QE_OK &&
              qe_session_open(engine, &session) == QE_OK;
    if (!ok) {
        if (err)
            tools_print_error(stderr, err, NULL);
        else
            fputs("qec: cannot open an engine\n", stderr);
    }
    ok = ok && apply_settings(session, &o);
    ok = ok && (!o.schema || load_schema(session, o.schema));
    ok = ok && emit(session, o.sql ? o.sql : file_sql, o.emit, o.output);
    qe_error_destroy(err);
    qe_session_close(session);
    qe_engine_close(engine);
    free(file_sql);
    return ok ? 0 : 1;
}
