/*
 * test_main_join_diff.c -- differential test of joins against SQLite (libsqlite3):
 * random two- and three-way joins of every binder kind (INNER, LEFT, RIGHT, FULL,
 * CROSS, comma joins with WHERE), equi keys with residual conditions, theta joins and
 * NULL keys, over the same small tables in QE (embedded, 1 and 3 threads) and SQLite;
 * the sorted result rows must be equal.  The generator is seeded: failures reproduce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "qe.h"

#define N_ROWS 40
#define N_QUERIES 300

/* A growable list of result lines. */
typedef struct lines {
    char **items;
    size_t n, cap;
} lines;

static void lines_add(lines *l, const char *s) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        assert_non_null(l->items);
    }
    l->items[l->n] = strdup(s);
    assert_non_null(l->items[l->n++]);
}

static void lines_free(lines *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* xorshift: a small deterministic generator. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(uint32_t n) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* ---- the two engines ---------------------------------------------------------------- */

static qe_engine *engine;
static qe_session *session;
static sqlite3 *lite;

static void qe_exec(const char *sql) {
    qe_result *res = NULL;
    if (qe_query(session, sql, &res) != QE_OK)
        fail_msg("QE failed on %s: %s", sql, qe_error_message(qe_session_error(session)));
    qe_result_destroy(res);
}

static void lite_exec(const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(lite, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("SQLite failed on %s: %s", sql, msg ? msg : "?");
}

static void qe_rows(const char *sql, lines *out) {
    qe_result *res = NULL;
    if (qe_query(session, sql, &res) != QE_OK)
        fail_msg("QE failed on %s: %s", sql, qe_error_message(qe_session_error(session)));
    for (size_t bi = 0; bi < qe_result_batch_count(res); bi++) {
        qe_batch_view b;
        assert_int_equal(qe_result_batch(res, bi, &b), QE_OK);
        for (size_t r = 0; r < b.n_rows; r++) {
            char line[512] = "", buf[64];
            for (size_t c = 0; c < b.n_columns; c++) {
                if (qe_value_format(&b.columns[c], r, buf, sizeof buf) < 0)
                    strcpy(buf, "NULL");
                strcat(line, c ? "|" : "");
                strcat(line, buf);
            }
            lines_add(out, line);
        }
    }
    qe_result_destroy(res);
}

static void lite_rows(const char *sql, lines *out) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(lite, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("SQLite cannot prepare %s: %s", sql, sqlite3_errmsg(lite));
    while (sqlite3_step(st) == SQLITE_ROW) {
        char line[512] = "";
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *v = sqlite3_column_text(st, c);
            strcat(line, c ? "|" : "");
            strcat(line, v ? (const char *)v : "NULL");
        }
        lines_add(out, line);
    }
    sqlite3_finalize(st);
}

/* ---- tables and queries ------------------------------------------------------------- */

static void make_tables(void) {
    char sql[4096];
    for (int t = 1; t <= 3; t++) {
        snprintf(sql, sizeof sql, "CREATE TABLE t%d (a INTEGER, b INTEGER)", t);
        qe_exec(sql);
        lite_exec(sql);
        size_t len = (size_t)snprintf(sql, sizeof sql, "INSERT INTO t%d VALUES ", t);
        for (int r = 0; r < N_ROWS; r++) {
            char a[16], b[16];
            if (rnd(5) == 0)
                strcpy(a, "NULL");
            else
                snprintf(a, sizeof a, "%u", rnd(6));
            if (rnd(6) == 0)
                strcpy(b, "NULL");
            else
                snprintf(b, sizeof b, "%u", rnd(10));
            len += (size_t)snprintf(sql + len, sizeof sql - len, "%s(%s, %s)", r ? ", " : "", a, b);
        }
        qe_exec(sql);
        lite_exec(sql);
    }
}

/* A condition between aliases l and r: an equi key, maybe with a residual, or a theta
 * condition alone. */
static void join_cond(char *buf, size_t cap, char l, char r) {
    static const char *cols[] = {"a", "b"};
    static const char *ops[] = {"<", "<>", ">=", "="};
    const char *lc = cols[rnd(2)], *rc = cols[rnd(2)];
    switch (rnd(5)) {
    case 0: snprintf(buf, cap, "%c.%s %s %c.%s", l, lc, ops[rnd(3)], r, rc); break;
    case 1:
        snprintf(buf, cap, "%c.%s = %c.%s AND %c.b %s %c.b", l, lc, r, rc, l, ops[rnd(4)], r);
        break;
    case 2:
        snprintf(buf, cap, "%c.%s = %c.%s AND %c.b > %u", l, lc, r, rc, rnd(2) ? l : r, rnd(8));
        break;
    case 3: snprintf(buf, cap, "%c.a = %c.a AND %c.b = %c.b", l, r, l, r); break;
    default: snprintf(buf, cap, "%c.%s = %c.%s", l, lc, r, rc); break;
    }
}

static const char *join_kind(void) {
    static const char *kinds[] = {"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "JOIN"};
    return kinds[rnd(5)];
}

/* One random query over t1 x, t2 y[, t3 z]. */
static void make_query(char *sql, size_t cap) {
    char c1[128], c2[128], pred[64] = "", where[80] = "";
    bool three = rnd(2);
    join_cond(c1, sizeof c1, 'x', 'y');
    join_cond(c2, sizeof c2, rnd(2) ? 'x' : 'y', 'z');
    if (rnd(3) == 0) {
        snprintf(pred, sizeof pred, "%c.b %s %u", "xyz"[rnd(three ? 3 : 2)], rnd(2) ? "<" : ">",
                 rnd(10));
        snprintf(where, sizeof where, " WHERE %s", pred);
    }
    const char *sel = three ? "x.a, x.b, y.a, y.b, z.a, z.b" : "x.a, x.b, y.a, y.b";
    switch (rnd(4)) {
    case 0: /* comma joins: every condition in WHERE */
        snprintf(sql, cap, "SELECT %s FROM t1 x, t2 y%s WHERE %s%s%s%s%s", sel,
                 three ? ", t3 z" : "", c1, three ? " AND " : "", three ? c2 : "",
                 pred[0] ? " AND " : "", pred);
        break;
    case 1:
        snprintf(sql, cap, "SELECT %s FROM t1 x CROSS JOIN t2 y%s%s%s", sel,
                 three ? " JOIN t3 z ON " : "", three ? c2 : "", where);
        break;
    default:
        snprintf(sql, cap, "SELECT %s FROM t1 x %s t2 y ON %s%s%s%s%s%s", sel, join_kind(), c1,
                 three ? " " : "", three ? join_kind() : "", three ? " t3 z ON " : "",
                 three ? c2 : "", where);
        break;
    }
}

static void compare(const char *sql) {
    lines a = {0}, b = {0};
    qe_rows(sql, &a);
    lite_rows(sql, &b);
    if (a.n > 1) /* qsort's base must not be NULL, even for no rows */
        qsort(a.items, a.n, sizeof *a.items, cmp_str);
    if (b.n > 1)
        qsort(b.items, b.n, sizeof *b.items, cmp_str);
    if (a.n != b.n)
        fail_msg("%s\nQE: %zu rows, SQLite: %zu rows", sql, a.n, b.n);
    for (size_t i = 0; i < a.n; i++)
        if (strcmp(a.items[i], b.items[i]) != 0)
            fail_msg("%s\nrow %zu: QE %s, SQLite %s", sql, i, a.items[i], b.items[i]);
    lines_free(&a);
    lines_free(&b);
}

static void test_random_joins(void **state) {
    (void)state;
    char sql[1024];
    for (int i = 0; i < N_QUERIES; i++) {
        make_query(sql, sizeof sql);
        qe_exec(i % 2 ? "SET threads = 3" : "SET threads = 1");
        compare(sql);
    }
}

static int setup(void **state) {
    (void)state;
    qe_error *err = NULL;
    if (qe_engine_open(":memory:", NULL, &engine, &err) != QE_OK ||
        qe_session_open(engine, &session) != QE_OK)
        return -1;
    qe_exec("SET execution_mode = 'interpret'");
    if (sqlite3_open(":memory:", &lite) != SQLITE_OK)
        return -1;
    make_tables();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    sqlite3_close(lite);
    qe_session_close(session);
    qe_engine_close(engine);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_joins, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
