/*
 * sql_session.h -- helpers of the SQL-level unit tests (test_main_*.c): an in-memory
 * engine and session as a cmocka fixture, statements that must succeed, and a result's
 * rows as sorted text (to compare modes whose row order may differ).  Include after
 * <cmocka.h> and "qe.h"; every function is static inline (one copy per test program).
 */
#ifndef QE_TESTS_SQL_SESSION_H
#define QE_TESTS_SQL_SESSION_H

#include <stdlib.h>
#include <string.h>

/* An in-memory engine and one session on it. */
typedef struct sql_fixture {
    qe_engine *engine;   /* ":memory:" */
    qe_session *session; /* on engine */
} sql_fixture;

/* A new fixture, or NULL if the engine or the session cannot be opened. */
static inline sql_fixture *sql_fixture_open(void) {
    sql_fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return NULL;
    if (qe_engine_open(":memory:", NULL, &fx->engine, NULL) != QE_OK ||
        qe_session_open(fx->engine, &fx->session) != QE_OK) {
        qe_engine_close(fx->engine);
        free(fx);
        return NULL;
    }
    return fx;
}

/* cmocka teardown: closes the fixture in *state. */
static inline int sql_fixture_teardown(void **state) {
    sql_fixture *fx = *state;
    qe_session_close(fx->session);
    qe_engine_close(fx->engine);
    free(fx);
    return 0;
}

/* Runs sql; fails the test with the session's error if it does not succeed. */
static inline void sql_exec(qe_session *session, const char *sql) {
    qe_result *res = NULL;
    if (qe_query(session, sql, &res) != QE_OK)
        fail_msg("%s: %s", sql, qe_error_message(qe_session_error(session)));
    qe_result_destroy(res);
}

static inline int sql_cmp_line(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every cell of sql's result rows as text, '|' after each, one row per line, the rows
 * sorted; malloc'd. */
static inline char *sql_rows_text(qe_session *session, const char *sql) {
    qe_result *res = NULL;
    if (qe_query(session, sql, &res) != QE_OK)
        fail_msg("%s: %s", sql, qe_error_message(qe_session_error(session)));
    size_t n_rows = qe_result_row_count(res), k = 0;
    char **lines = calloc(n_rows + 1, sizeof *lines);
    assert_non_null(lines);
    for (size_t b = 0; b < qe_result_batch_count(res); b++) {
        qe_batch_view bv;
        assert_int_equal(qe_result_batch(res, b, &bv), QE_OK);
        for (size_t r = 0; r < bv.n_rows; r++, k++) {
            lines[k] = calloc(1, 4096);
            assert_non_null(lines[k]);
            for (size_t c = 0; c < bv.n_columns; c++) {
                size_t len = strlen(lines[k]);
                qe_value_format(&bv.columns[c], r, lines[k] + len, 4000 - len);
                strcat(lines[k], "|");
            }
        }
    }
    assert_int_equal(k, n_rows);
    qsort(lines, n_rows, sizeof *lines, sql_cmp_line);
    size_t total = 1;
    for (size_t i = 0; i < n_rows; i++)
        total += strlen(lines[i]) + 1;
    char *out = calloc(1, total);
    assert_non_null(out);
    for (size_t i = 0; i < n_rows; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
        free(lines[i]);
    }
    free(lines);
    qe_result_destroy(res);
    return out;
}

#endif /* QE_TESTS_SQL_SESSION_H */
