/*
 * test_runtime_funcs.c -- unit tests of the interpreter's date/time functions
 * (src/runtime/func_date.c) through rt_eval_const on DATE/TIMESTAMP constants:
 * civil-date conversion both ways (leap years, dates before 1970 and near year 1),
 * ISO weeks and years, PostgreSQL's extract fields, date_trunc and date_diff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "rt.h"
#include "str_inline.h"

static rt_arena *A; /* the current test's arena */

static void *zalloc(size_t n) {
    void *p = rt_arena_calloc(A, n);
    assert_non_null(p);
    return p;
}

static plan_expr *cval(qe_type type, int64_t v) {
    plan_expr *e = zalloc(sizeof *e);
    e->kind = PLAN_EXPR_CONST;
    e->type = type;
    e->position = -1;
    e->u.value.type = type;
    e->u.value.u.i = v;
    return e;
}

static plan_expr *cstr(const char *s) {
    plan_expr *e = cval(QE_TYPE_VARCHAR, 0);
    e->u.value.u.s.ptr = s;
    e->u.value.u.s.len = (uint32_t)strlen(s);
    return e;
}

static plan_expr *call(plan_func_id fn, qe_type type, uint32_t n, plan_expr *a, plan_expr *b,
                       plan_expr *c) {
    plan_expr *e = zalloc(sizeof *e);
    e->kind = PLAN_EXPR_FUNC;
    e->type = type;
    e->position = 7;
    e->u.func.fn = fn;
    e->u.func.n_args = n;
    e->u.func.args = zalloc(sizeof(plan_expr *) * 3);
    e->u.func.args[0] = a;
    e->u.func.args[1] = b;
    e->u.func.args[2] = c;
    return e;
}

static rt_value eval_ok(plan_expr *e) {
    rt_value v;
    rt_error err;
    rt_error_clear(&err);
    if (rt_eval_const(A, e, &v, &err) != QE_OK)
        fail_msg("unexpected error: %s", err.message);
    return v;
}

/* extract(unit FROM DATE days) as BIGINT. */
static int64_t part(const char *unit, int64_t days) {
    return eval_ok(call(PLAN_FUNC_ID_EXTRACT, QE_TYPE_BIGINT, 2, cstr(unit),
                        cval(QE_TYPE_DATE, days), NULL))
        .u.i;
}

static int setup(void **state) {
    (void)state;
    A = rt_arena_create(NULL);
    return A ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    rt_arena_destroy(A);
    return 0;
}

/* Days since 1970-01-01 and their fields (from Python's datetime). */
static void test_extract_date(void **state) {
    (void)state;
    static const struct {
        int64_t days;
        int year, month, day, doy, isodow, week, isoyear;
    } cases[] = {
        {10561, 1998, 12, 1, 335, 2, 49, 1998}, {11016, 2000, 2, 29, 60, 2, 9, 2000},
        {-25508, 1900, 3, 1, 60, 4, 9, 1900},   {-1, 1969, 12, 31, 365, 3, 1, 1970},
        {20087, 2024, 12, 30, 365, 1, 1, 2025}, {18630, 2021, 1, 3, 3, 7, 53, 2020},
        {-719162, 1, 1, 1, 1, 1, 1, 1},         {9298, 1995, 6, 17, 168, 6, 24, 1995},
        {0, 1970, 1, 1, 1, 4, 1, 1970},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t d = cases[i].days;
        assert_int_equal(part("year", d), cases[i].year);
        assert_int_equal(part("YEAR", d), cases[i].year);
        assert_int_equal(part("month", d), cases[i].month);
        assert_int_equal(part("day", d), cases[i].day);
        assert_int_equal(part("doy", d), cases[i].doy);
        assert_int_equal(part("isodow", d), cases[i].isodow);
        assert_int_equal(part("dow", d), cases[i].isodow % 7);
        assert_int_equal(part("week", d), cases[i].week);
        assert_int_equal(part("isoyear", d), cases[i].isoyear);
        assert_int_equal(part("quarter", d), (cases[i].month - 1) / 3 + 1);
        assert_int_equal(part("julian", d), d + 2440588);
    }
    assert_int_equal(part("century", 11016), 20);       /* 2000 */
    assert_int_equal(part("century", 11017 + 366), 21); /* 2001 */
    assert_int_equal(part("millennium", 11016), 2);
    assert_int_equal(part("decade", 10561), 199);
    assert_int_equal(part("year", -719163), -1); /* 1 BC: there is no year 0 */
    /* The shortcut functions. */
    assert_int_equal(
        eval_ok(call(PLAN_FUNC_ID_YEAR, QE_TYPE_BIGINT, 1, cval(QE_TYPE_DATE, 10561), NULL, NULL))
            .u.i,
        1998);
    assert_int_equal(eval_ok(call(PLAN_FUNC_ID_DAYOFWEEK, QE_TYPE_BIGINT, 1,
                                  cval(QE_TYPE_DATE, 18630), NULL, NULL))
                         .u.i,
                     0);
}

static void test_timestamps(void **state) {
    (void)state;
    const int64_t us = 1000000, day = 86400 * us;
    int64_t ts = 10561 * day + 13 * 3600 * us + 45 * 60 * us + 30 * us + 250000; /* 13:45:30.25 */
    plan_expr *t = cval(QE_TYPE_TIMESTAMP, ts);
    assert_int_equal(eval_ok(call(PLAN_FUNC_ID_HOUR, QE_TYPE_BIGINT, 1, t, NULL, NULL)).u.i, 13);
    assert_int_equal(eval_ok(call(PLAN_FUNC_ID_MINUTE, QE_TYPE_BIGINT, 1, t, NULL, NULL)).u.i, 45);
    assert_int_equal(eval_ok(call(PLAN_FUNC_ID_SECOND, QE_TYPE_BIGINT, 1, t, NULL, NULL)).u.i, 30);
    rt_value v = eval_ok(call(PLAN_FUNC_ID_DATE_PART, QE_TYPE_DOUBLE, 2, cstr("second"), t, NULL));
    assert_true(v.u.d == 30.25);
    v = eval_ok(call(PLAN_FUNC_ID_EXTRACT, QE_TYPE_DOUBLE, 2, cstr("epoch"), t, NULL));
    assert_true(v.u.d == (double)ts / 1e6);
    /* Before 1970, the time of day is still positive. */
    plan_expr *early = cval(QE_TYPE_TIMESTAMP, -1 * us); /* 1969-12-31 23:59:59 */
    assert_int_equal(eval_ok(call(PLAN_FUNC_ID_HOUR, QE_TYPE_BIGINT, 1, early, NULL, NULL)).u.i,
                     23);
    assert_int_equal(eval_ok(call(PLAN_FUNC_ID_YEAR, QE_TYPE_BIGINT, 1, early, NULL, NULL)).u.i,
                     1969);
    /* date_trunc */
    struct {
        const char *unit;
        int64_t want;
    } tr[] = {{"day", 10561 * day},
              {"month", 10561 * day},
              {"year", 10227 * day},
              {"hour", 10561 * day + 13 * 3600 * us},
              {"quarter", (10561 - 61) * day},
              {"week", (10561 - 1) * day},
              {"second", ts - 250000}};
    for (size_t i = 0; i < sizeof tr / sizeof tr[0]; i++)
        assert_int_equal(
            eval_ok(call(PLAN_FUNC_ID_DATE_TRUNC, QE_TYPE_TIMESTAMP, 2, cstr(tr[i].unit), t, NULL))
                .u.i,
            tr[i].want);
    /* date_diff counts boundaries. */
    plan_expr *d1 = cval(QE_TYPE_DATE, 10561), *d2 = cval(QE_TYPE_DATE, 11016);
    assert_int_equal(
        eval_ok(call(PLAN_FUNC_ID_DATE_DIFF, QE_TYPE_BIGINT, 3, cstr("year"), d1, d2)).u.i, 2);
    assert_int_equal(
        eval_ok(call(PLAN_FUNC_ID_DATE_DIFF, QE_TYPE_BIGINT, 3, cstr("month"), d1, d2)).u.i, 14);
    assert_int_equal(
        eval_ok(call(PLAN_FUNC_ID_DATE_DIFF, QE_TYPE_BIGINT, 3, cstr("day"), d2, d1)).u.i, -455);
}

static void test_date_errors(void **state) {
    (void)state;
    rt_value v;
    rt_error err;
    rt_error_clear(&err);
    plan_expr *e =
        call(PLAN_FUNC_ID_DATE_PART, QE_TYPE_BIGINT, 2, cstr("hour"), cval(QE_TYPE_DATE, 1), NULL);
    assert_int_not_equal(rt_eval_const(A, e, &v, &err), QE_OK);
    assert_string_equal(err.sqlstate, "22023");
    assert_string_equal(err.message, "unit \"hour\" not recognized for type date");
    assert_int_equal(err.position, 7);
    e = call(PLAN_FUNC_ID_DATE_TRUNC, QE_TYPE_TIMESTAMP, 2, cstr("fortnight"),
             cval(QE_TYPE_TIMESTAMP, 1), NULL);
    assert_int_not_equal(rt_eval_const(A, e, &v, &err), QE_OK);
    assert_string_equal(err.sqlstate, "22023");
    /* NULL propagates */
    plan_expr *n = cval(QE_TYPE_DATE, 0);
    n->u.value.is_null = true;
    assert_true(eval_ok(call(PLAN_FUNC_ID_YEAR, QE_TYPE_BIGINT, 1, n, NULL, NULL)).is_null);
}

static plan_expr *cdec(int64_t v, int p, int sc) {
    plan_expr *e = cval(QE_TYPE_DECIMAL, 0);
    e->u.value.u.h = v;
    e->typmod = PLAN_TYPMOD_DECIMAL(p, sc);
    return e;
}

/* fn over DECIMAL(p, s) value v with result typmod rt (and optional digits). */
static int64_t dec_call(plan_func_id fn, int64_t v, int p, int sc, int32_t rt, plan_expr *digits) {
    plan_expr *e = call(fn, QE_TYPE_DECIMAL, digits ? 2 : 1, cdec(v, p, sc), digits, NULL);
    e->typmod = rt;
    return (int64_t)eval_ok(e).u.h;
}

/* DECIMAL math is exact on the 128-bit scaled value. */
static void test_decimal_math(void **state) {
    (void)state;
    const int32_t s0 = PLAN_TYPMOD_DECIMAL(4, 0), s2 = PLAN_TYPMOD_DECIMAL(5, 2);
    plan_expr *one = cval(QE_TYPE_INTEGER, 1), *minus1 = cval(QE_TYPE_INTEGER, -1);
    assert_int_equal(dec_call(PLAN_FUNC_ID_ROUND, 12345, 5, 2, s0, NULL), 123);   /* 123.45 */
    assert_int_equal(dec_call(PLAN_FUNC_ID_ROUND, 12350, 5, 2, s0, NULL), 124);   /* half up */
    assert_int_equal(dec_call(PLAN_FUNC_ID_ROUND, -12350, 5, 2, s0, NULL), -124); /* away */
    assert_int_equal(dec_call(PLAN_FUNC_ID_FLOOR, -12301, 5, 2, s0, NULL), -124);
    assert_int_equal(dec_call(PLAN_FUNC_ID_CEIL, 12301, 5, 2, s0, NULL), 124);
    assert_int_equal(dec_call(PLAN_FUNC_ID_TRUNC, -12399, 5, 2, s0, NULL), -123);
    assert_int_equal(dec_call(PLAN_FUNC_ID_ROUND, 12345, 5, 2, s2, one), 12350);
    assert_int_equal(dec_call(PLAN_FUNC_ID_ROUND, 12345, 5, 2, s2, minus1), 12000);
    assert_int_equal(dec_call(PLAN_FUNC_ID_TRUNC, 12399, 5, 2, s2, one), 12390);
    assert_int_equal(dec_call(PLAN_FUNC_ID_ABS, -12345, 5, 2, s2, NULL), 12345);
    assert_int_equal(dec_call(PLAN_FUNC_ID_SIGN, -12345, 5, 2, s2, NULL), -100);
    /* round(999.99) = 1000 does not fit DECIMAL(3, 0): 22003 */
    rt_value v;
    rt_error err;
    rt_error_clear(&err);
    plan_expr *e = call(PLAN_FUNC_ID_ROUND, QE_TYPE_DECIMAL, 1, cdec(99999, 5, 2), NULL, NULL);
    e->typmod = PLAN_TYPMOD_DECIMAL(3, 0);
    assert_int_not_equal(rt_eval_const(A, e, &v, &err), QE_OK);
    assert_string_equal(err.sqlstate, "22003");
    /* greatest over decimals of one scale */
    plan_expr *g = call(PLAN_FUNC_ID_GREATEST, QE_TYPE_DECIMAL, 3, cdec(150, 5, 2),
                        cdec(-300, 5, 2), cdec(149, 5, 2));
    g->typmod = s2;
    assert_int_equal((int64_t)eval_ok(g).u.h, 150);
    /* concat formats with the argument's scale */
    rt_value t =
        eval_ok(call(PLAN_FUNC_ID_CONCAT, QE_TYPE_VARCHAR, 2, cstr("x="), cdec(-5, 5, 2), NULL));
    assert_int_equal(t.u.s.len, 7);
    assert_memory_equal(t.u.s.ptr, "x=-0.05", 7);
}

static plan_expr *civ(int32_t months, int32_t days, int64_t micros) {
    plan_expr *e = cval(QE_TYPE_INTERVAL, 0);
    e->u.value.u.iv.months = months;
    e->u.value.u.iv.days = days;
    e->u.value.u.iv.micros = micros;
    return e;
}

static void test_intervals(void **state) {
    (void)state;
    const int64_t us = 1000000;
    plan_expr *iv = civ(14, 3, (4 * 3600 + 5 * 60 + 6) * us); /* 1 year 2 mons 3 days 04:05:06 */
    static const struct {
        const char *unit;
        int64_t want;
    } cases[] = {{"year", 1}, {"month", 2}, {"day", 3}, {"hour", 4}, {"minute", 5}, {"quarter", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(
            eval_ok(call(PLAN_FUNC_ID_EXTRACT, QE_TYPE_BIGINT, 2, cstr(cases[i].unit), iv, NULL))
                .u.i,
            cases[i].want);
    rt_value v =
        eval_ok(call(PLAN_FUNC_ID_DATE_TRUNC, QE_TYPE_INTERVAL, 2, cstr("year"), iv, NULL));
    assert_int_equal(v.u.iv.months, 12);
    assert_int_equal(v.u.iv.days, 0);
    assert_int_equal(v.u.iv.micros, 0);
    v = eval_ok(call(PLAN_FUNC_ID_DATE_TRUNC, QE_TYPE_INTERVAL, 2, cstr("hour"), iv, NULL));
    assert_int_equal(v.u.iv.days, 3);
    assert_int_equal(v.u.iv.micros, 4 * 3600 * us);
}

/* rt_like_find (str_inline.h), SIMD first/last-byte candidates and the scalar rest,
 * against a plain search: every needle length from 1 to 20 over haystacks of 0..80
 * bytes of a small alphabet (many candidates whose middle differs, matches at the first
 * and last positions, in the 16-byte blocks and in the tail after them). */
static const char *naive_find(const char *h, size_t n, const char *nd, size_t m) {
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(h + i, nd, m) == 0)
            return h + i;
    return NULL;
}

static void test_like_find(void **state) {
    (void)state;
    char hay[96], needle[24];
    uint32_t x = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = (size_t)(iter % 81), m = 1 + (size_t)(iter / 81 % 20);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            hay[i] = "aab"[(x >> 16) % 3];
        }
        for (size_t i = 0; i < m; i++) {
            x = x * 1103515245u + 12345u;
            needle[i] = "ab"[(x >> 16) % 2];
        }
        if (iter % 7 == 0 && n >= m) /* plant it: at the end, or anywhere */
            memcpy(hay + (iter % 2 ? n - m : (x >> 8) % (n - m + 1)), needle, m);
        assert_ptr_equal(rt_like_find(hay, n, needle, m), naive_find(hay, n, needle, m));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_extract_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timestamps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_date_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decimal_math, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intervals, setup, teardown),
        cmocka_unit_test(test_like_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
