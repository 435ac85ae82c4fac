/*
 * fuzz_frontend.c -- the libFuzzer target over QE's frontend: lexer, parser, binder and
 * the optimizer passes qe_prepare runs, plus the plan printers and the physical
 * planner's refusals.
 *
 * The input bytes are SQL text (not NUL-terminated: the buffer is exactly the input, so
 * ASan sees any read past its end).  Every statement of the input (up to MAX_STATEMENTS,
 * walking qe_prepare's tail) is prepared and then compiled by qe_emit_text to the AST,
 * the logical and the physical plan; nothing is executed, so the catalog stays the same
 * from one input to the next.  Errors are expected, and rendered (qe_error_format) against
 * the NUL-terminated text as the tools do; the contract fuzzed is that no input crashes,
 * leaks, hangs or trips a sanitizer.
 *
 * The session is created on the first input and lives until exit: an in-memory engine
 * with one thread, the TPC-H schema (qe_builtin_schema) and a few small tables of the
 * skeleton's types that the statements of tests/sql use.
 *
 * Built two ways (tests/fuzz/fuzz.cmake): with clang's -fsanitize=fuzzer for fuzzing
 * (tools/fuzz.sh), and with any compiler together with replay.c, which feeds every
 * corpus file once (the fuzz.replay ctest).
 */
#include "qe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Statements of one input that are compiled; the rest of the input is ignored. */
#define MAX_STATEMENTS 64

/* Tables besides TPC-H's, so that statements taken from tests/sql bind further. */
static const char extra_schema[] =
    "CREATE TABLE t (a INTEGER, b BIGINT, c VARCHAR, d DOUBLE, e BOOLEAN);"
    "CREATE TABLE t1 (a INTEGER, b INTEGER, c VARCHAR);"
    "CREATE TABLE t2 (a INTEGER, b BIGINT, c VARCHAR);"
    "CREATE TABLE s (x INTEGER, y VARCHAR);";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static qe_engine *fuzz_engine;
static qe_session *fuzz_session;

static void close_session(void) {
    qe_session_close(fuzz_session);
    qe_engine_close(fuzz_engine);
    fuzz_session = NULL;
    fuzz_engine = NULL;
}

/* Runs a setup script, reporting (once, on stderr) a failure: the frontend may not yet
 * accept every type of the schema, and fuzzing goes on with the tables that exist. */
static void run_setup(const char *what, const char *sql) {
    if (qe_query(fuzz_session, sql, NULL) != QE_OK)
        fprintf(stderr, "fuzz_frontend: setup \"%s\" failed: %s\n", what,
                qe_error_message(qe_session_error(fuzz_session)));
}

/* The session every input runs in; NULL if the engine cannot be opened. */
static qe_session *get_session(void) {
    if (fuzz_session)
        return fuzz_session;
    qe_config *cfg = NULL;
    qe_error *err = NULL;
    if (qe_config_create(&cfg) != QE_OK || qe_config_set(cfg, "threads", "1") != QE_OK ||
        qe_engine_open(":memory:", cfg, &fuzz_engine, &err) != QE_OK ||
        qe_session_open(fuzz_engine, &fuzz_session) != QE_OK) {
        fprintf(stderr, "fuzz_frontend: cannot open an engine\n");
        qe_error_destroy(err);
        qe_config_destroy(cfg);
        close_session();
        abort(); /* nothing can be fuzzed: make that loud */
    }
    qe_config_destroy(cfg);
    atexit(close_session);
    const char *tpch = qe_builtin_schema("tpch");
    if (tpch)
        run_setup("tpch", tpch);
    run_setup("extra tables", extra_schema);
    return fuzz_session;
}

/* Compiles one statement (NUL-terminated) to each artifact the frontend feeds. */
static void emit_all(qe_session *session, const char *sql) {
    static const qe_emit artifacts[] = {QE_EMIT_AST, QE_EMIT_LOGICAL, QE_EMIT_PHYSICAL};
    for (size_t i = 0; i < sizeof artifacts / sizeof artifacts[0]; i++) {
        char *text = NULL;
        if (qe_emit_text(session, sql, artifacts[i], &text) == QE_OK && text)
            (void)strlen(text); /* the printed plan must be a valid string */
        qe_free(text);
    }
}

/* Renders the session's error against text (NUL-terminated; positions refer to it). */
static void format_error(qe_session *session, const char *text) {
    char buf[256];
    const qe_error *err = qe_session_error(session);
    size_t need = qe_error_format(err, text, buf, sizeof buf);
    if (need >= sizeof buf) {
        char *full = malloc(need + 1);
        if (full)
            qe_error_format(err, text, full, need + 1);
        free(full);
    }
}

/*
 * Prepares sql[0..len) (text is the same bytes NUL-terminated, for the APIs that take a
 * C string); returns how far it got (the statement's tail), 0 to stop.
 */
static size_t fuzz_statement(qe_session *session, const char *sql, const char *text, size_t len) {
    qe_stmt *stmt = NULL;
    size_t tail = 0;
    qe_status st = qe_prepare(session, sql, len, &stmt, &tail);
    if (st != QE_OK)
        format_error(session, text);
    if (st == QE_OK && stmt && tail <= len) {
        char *copy = malloc(tail + 1);
        if (copy) {
            memcpy(copy, sql, tail);
            copy[tail] = '\0';
            emit_all(session, copy);
            free(copy);
        }
    }
    qe_stmt_destroy(stmt);
    if (st != QE_OK || !stmt || tail > len)
        return 0;
    return tail;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qe_session *session = get_session();
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *sql = (const char *)data;
    size_t off = 0;
    for (int i = 0; i < MAX_STATEMENTS && off < size; i++) {
        size_t tail = fuzz_statement(session, sql + off, text + off, size - off);
        if (tail == 0)
            break;
        off += tail;
    }
    free(text);
    return 0;
}
