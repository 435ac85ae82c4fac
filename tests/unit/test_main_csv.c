/*
 * test_main_csv.c -- unit tests of CSV import through the public API (cmocka).
 *
 * What SQL files cannot reach: records whose quoted fields and CRLF line ends straddle
 * the reader's 1 MiB block boundary, failed allocations at every point of a COPY
 * (each run succeeds or fails with 53200, appends nothing and releases everything),
 * and the memory limit failing a big load while the session stays usable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "qe.h"
#include "rt.h"

/* One engine and session per test. */
typedef struct fixture {
    qe_engine *engine;
    qe_session *session;
    char path[64]; /* a scratch CSV file */
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(qe_engine_open(":memory:", NULL, &f->engine, NULL), QE_OK);
    assert_int_equal(qe_session_open(f->engine, &f->session), QE_OK);
    snprintf(f->path, sizeof f->path, "/tmp/qe-test-csv-%d.csv", (int)getpid());
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    qe_session_close(f->session);
    qe_engine_close(f->engine);
    unlink(f->path);
    free(f);
    return 0;
}

/* Runs sql, which must succeed. */
static void exec_ok(fixture *f, const char *sql) {
    qe_result *res = NULL;
    qe_status st = qe_query(f->session, sql, &res);
    if (st != QE_OK)
        fprintf(stderr, "%s: %s\n", sql, qe_error_message(qe_session_error(f->session)));
    assert_int_equal(st, QE_OK);
    qe_result_destroy(res);
}

/* The first value of the first row of sql's result, as text (static buffer). */
static const char *scalar(fixture *f, const char *sql) {
    static char buf[256];
    qe_result *res = NULL;
    qe_batch_view b;
    assert_int_equal(qe_query(f->session, sql, &res), QE_OK);
    assert_int_equal(qe_result_batch(res, 0, &b), QE_OK);
    assert_true(b.n_rows > 0);
    qe_value_format(&b.columns[0], 0, buf, sizeof buf);
    qe_result_destroy(res);
    return buf;
}

/* Writes n_rows records "i,<quoted text with a comma, a quote and a CRLF inside>\r\n". */
static void write_file(const char *path, int n_rows, size_t pad) {
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    char *filler = malloc(pad + 1);
    assert_non_null(filler);
    memset(filler, 'x', pad);
    filler[pad] = '\0';
    for (int i = 0; i < n_rows; i++)
        fprintf(out, "%d,\"%s, \"\"q\"\"\r\nend\"\r\n", i, filler);
    free(filler);
    assert_int_equal(fclose(out), 0);
}

/* Record lengths that are not powers of two make the 1 MiB block boundaries fall inside
 * quotes, on a doubled quote and between \r and \n over the file. */
static void test_block_boundaries(void **state) {
    fixture *f = *state;
    for (size_t pad = 97; pad < 100; pad++) {
        write_file(f->path, 40000, pad);
        char sql[256];
        exec_ok(f, "CREATE TABLE b (k INTEGER, v VARCHAR)");
        snprintf(sql, sizeof sql, "COPY b FROM '%s'", f->path);
        exec_ok(f, sql);
        assert_string_equal(scalar(f, "SELECT count(*) FROM b"), "40000");
        assert_string_equal(scalar(f, "SELECT sum(k) FROM b"), "799980000");
        /* every value reads back exactly: the text with its comma, quotes and CRLF */
        char *filler = malloc(pad + 1), *query = malloc(pad + 128);
        assert_true(filler && query);
        memset(filler, 'x', pad);
        filler[pad] = '\0';
        snprintf(query, pad + 128, "SELECT count(*) FROM b WHERE v = '%s, \"q\"\r\nend'", filler);
        assert_string_equal(scalar(f, query), "40000");
        free(filler);
        free(query);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM read_csv('%s') WHERE column1 <> ''",
                 f->path);
        assert_string_equal(scalar(f, sql), "40000");
        exec_ok(f, "DROP TABLE b");
    }
}

/* Every allocation of a COPY FROM fails once in turn: clean 53200 errors, nothing
 * appended, and in the end the load goes through. */
static void test_copy_out_of_memory_sweep(void **state) {
    fixture *f = *state;
    write_file(f->path, 5000, 10);
    exec_ok(f, "CREATE TABLE m (k INTEGER, v VARCHAR)");
    char sql[128];
    snprintf(sql, sizeof sql, "COPY m FROM '%s'", f->path);
    int n_failed = 0;
    for (int64_t n = 0; n < 5000; n++) {
        qe_result *res = NULL;
        rt_mem_debug_fail_after(n);
        qe_status st = qe_query(f->session, sql, &res);
        rt_mem_debug_fail_after(-1);
        qe_result_destroy(res);
        if (st == QE_OK)
            break;
        assert_int_equal(st, QE_NOMEM);
        assert_string_equal(qe_error_sqlstate(qe_session_error(f->session)), "53200");
        assert_string_equal(scalar(f, "SELECT count(*) FROM m"), "0");
        n_failed++;
    }
    assert_true(n_failed > 10);
    assert_string_equal(scalar(f, "SELECT count(*) FROM m"), "5000");
}

/* A load bigger than the memory limit fails cleanly; the next statement works. */
static void test_copy_memory_limit(void **state) {
    fixture *f = *state;
    write_file(f->path, 100000, 100);
    exec_ok(f, "CREATE TABLE l (k INTEGER, v VARCHAR)");
    exec_ok(f, "SET memory_limit = '4MB'");
    char sql[128];
    snprintf(sql, sizeof sql, "COPY l FROM '%s'", f->path);
    assert_int_equal(qe_query(f->session, sql, NULL), QE_NOMEM);
    assert_string_equal(qe_error_sqlstate(qe_session_error(f->session)), "53200");
    exec_ok(f, "RESET memory_limit");
    assert_string_equal(scalar(f, "SELECT count(*) FROM l"), "0");
    exec_ok(f, sql);
    assert_string_equal(scalar(f, "SELECT count(*) FROM l"), "100000");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_block_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_out_of_memory_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_memory_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
