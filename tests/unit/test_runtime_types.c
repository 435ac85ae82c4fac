/*
 * test_runtime_types.c -- unit tests of the runtime's value types: civil dates both
 * ways (leap years, far dates), text to DATE/TIMESTAMP/INTERVAL/DECIMAL, exact DECIMAL
 * arithmetic and its overflow errors, 128-bit formatting, timestamp + interval.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "rt.h"

static rt_arena *A;

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

static rt_value text(const char *s) {
    rt_value v = {.type = QE_TYPE_VARCHAR};
    v.u.s.ptr = s;
    v.u.s.len = (uint32_t)strlen(s);
    return v;
}

/* Casts text s to (to, typmod) and formats the result (or returns the SQLSTATE). */
static const char *cast_text(const char *s, qe_type to, int32_t typmod, char *buf, size_t cap) {
    rt_value in = text(s), out;
    rt_error err;
    rt_error_clear(&err);
    if (rt_value_cast_mod(&in, 0, to, typmod, &out, A, &err, -1) != QE_OK) {
        snprintf(buf, cap, "%s", err.sqlstate);
        return buf;
    }
    rt_value_format_mod(&out, typmod, buf, cap);
    return buf;
}

static void test_civil_dates(void **state) {
    (void)state;
    assert_int_equal(rt_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(rt_days_from_civil(2000, 2, 29), 11016);
    assert_int_equal(rt_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(rt_days_from_civil(1900, 3, 1) - rt_days_from_civil(1900, 2, 28), 1);
    assert_int_equal(rt_days_from_civil(1, 1, 1), -719162);
    /* both ways over a wide range, including negative years */
    for (int64_t z = -2000000; z <= 2000000; z += 997) {
        int64_t y;
        unsigned m, d;
        rt_civil_from_days(z, &y, &m, &d);
        assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
        assert_int_equal(rt_days_from_civil(y, m, d), z);
    }
    int64_t y;
    unsigned m, d;
    rt_civil_from_days(-1, &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    rt_civil_from_days(rt_days_from_civil(2024, 2, 29), &y, &m, &d);
    assert_true(y == 2024 && m == 2 && d == 29);
}

static void test_text_to_dates(void **state) {
    (void)state;
    char buf[64];
    assert_string_equal(cast_text("2000-02-29", QE_TYPE_DATE, 0, buf, sizeof buf), "2000-02-29");
    assert_string_equal(cast_text(" 1998-12-01 ", QE_TYPE_DATE, 0, buf, sizeof buf), "1998-12-01");
    assert_string_equal(cast_text("1900-02-29", QE_TYPE_DATE, 0, buf, sizeof buf), "22008");
    assert_string_equal(cast_text("2001-02-29", QE_TYPE_DATE, 0, buf, sizeof buf), "22008");
    assert_string_equal(cast_text("2000-13-01", QE_TYPE_DATE, 0, buf, sizeof buf), "22008");
    assert_string_equal(cast_text("2000/01/01", QE_TYPE_DATE, 0, buf, sizeof buf), "22007");
    assert_string_equal(cast_text("", QE_TYPE_DATE, 0, buf, sizeof buf), "22007");
    assert_string_equal(cast_text("0001-01-01", QE_TYPE_DATE, 0, buf, sizeof buf), "0001-01-01");
    assert_string_equal(
        cast_text("9999-12-31 23:59:59.999999", QE_TYPE_TIMESTAMP, 0, buf, sizeof buf),
        "9999-12-31 23:59:59.999999");
    assert_string_equal(cast_text("1969-12-31 23:59:59.5", QE_TYPE_TIMESTAMP, 0, buf, sizeof buf),
                        "1969-12-31 23:59:59.5");
    assert_string_equal(cast_text("2000-01-01 25:00", QE_TYPE_TIMESTAMP, 0, buf, sizeof buf),
                        "22008");
    assert_string_equal(
        cast_text("1 year 2 mons 3 days 04:05:06", QE_TYPE_INTERVAL, 0, buf, sizeof buf),
        "1 year 2 mons 3 days 04:05:06");
    assert_string_equal(cast_text("1.5 months", QE_TYPE_INTERVAL, 0, buf, sizeof buf),
                        "1 mon 15 days");
    assert_string_equal(cast_text("-2 hours", QE_TYPE_INTERVAL, 0, buf, sizeof buf), "-02:00:00");
    assert_string_equal(cast_text("3 fortnights", QE_TYPE_INTERVAL, 0, buf, sizeof buf), "22007");
}

static void test_timestamp_plus_interval(void **state) {
    (void)state;
    int64_t ts = rt_days_from_civil(2023, 1, 31) * 86400000000LL, out;
    rt_interval one_month = {1, 0, 0}, minus_year = {-12, 0, 0}, day_hour = {0, 1, 3600000000LL};
    assert_true(rt_timestamp_add_interval(ts, &one_month, 1, &out));
    assert_int_equal(out, rt_days_from_civil(2023, 2, 28) * 86400000000LL);
    int64_t leap = rt_days_from_civil(2024, 2, 29) * 86400000000LL;
    assert_true(rt_timestamp_add_interval(leap, &minus_year, 1, &out));
    assert_int_equal(out, rt_days_from_civil(2023, 2, 28) * 86400000000LL);
    assert_true(rt_timestamp_add_interval(0, &day_hour, -1, &out));
    assert_int_equal(out, -90000000000LL);
    rt_interval huge = {0, 0, INT64_MAX};
    assert_false(rt_timestamp_add_interval(INT64_MAX - 5, &huge, 1, &out));
    rt_interval a = {1, 0, 0}, b = {0, 30, 0}, c = {0, 29, 86400000000LL + 1};
    assert_int_equal(rt_interval_cmp(&a, &b), 0);
    assert_true(rt_interval_cmp(&c, &a) > 0);
}

static void test_decimal_text(void **state) {
    (void)state;
    char buf[64];
    int32_t d52 = PLAN_TYPMOD_DECIMAL(5, 2), d3810 = PLAN_TYPMOD_DECIMAL(38, 10);
    assert_string_equal(cast_text("123.456", QE_TYPE_DECIMAL, d52, buf, sizeof buf), "123.46");
    assert_string_equal(cast_text("-0.005", QE_TYPE_DECIMAL, d52, buf, sizeof buf), "-0.01");
    assert_string_equal(cast_text("0.004", QE_TYPE_DECIMAL, d52, buf, sizeof buf), "0.00");
    assert_string_equal(cast_text("999.995", QE_TYPE_DECIMAL, d52, buf, sizeof buf), "22003");
    assert_string_equal(cast_text("1e2", QE_TYPE_DECIMAL, d52, buf, sizeof buf), "100.00");
    assert_string_equal(cast_text("5e-3", QE_TYPE_DECIMAL, d52, buf, sizeof buf), "0.01");
    assert_string_equal(cast_text("1.2.3", QE_TYPE_DECIMAL, d52, buf, sizeof buf), "22P02");
    assert_string_equal(cast_text("", QE_TYPE_DECIMAL, d52, buf, sizeof buf), "22P02");
    assert_string_equal(cast_text("9999999999999999999999999999.9999999999", QE_TYPE_DECIMAL, d3810,
                                  buf, sizeof buf),
                        "9999999999999999999999999999.9999999999");
    assert_string_equal(
        cast_text("99999999999999999999999999999", QE_TYPE_DECIMAL, d3810, buf, sizeof buf),
        "22003");
    assert_string_equal(
        cast_text("170141183460469231731687303715884105727", QE_TYPE_HUGEINT, 0, buf, sizeof buf),
        "170141183460469231731687303715884105727");
    assert_string_equal(
        cast_text("170141183460469231731687303715884105728", QE_TYPE_HUGEINT, 0, buf, sizeof buf),
        "22003");
    rt_format_i128(-((rt_i128)1 << 126) * 2, 0, buf);
    assert_string_equal(buf, "-170141183460469231731687303715884105728");
    rt_format_i128(-5, 3, buf);
    assert_string_equal(buf, "-0.005");
}

/* A CONST DECIMAL expression node. */
static plan_expr dec_const(rt_i128 v, int p, int s) {
    plan_expr e = {.kind = PLAN_EXPR_CONST, .type = QE_TYPE_DECIMAL, .position = -1};
    e.typmod = PLAN_TYPMOD_DECIMAL(p, s);
    e.u.value.type = QE_TYPE_DECIMAL;
    e.u.value.u.h = v;
    return e;
}

/* Evaluates a op b with the result typmod (p, s); returns the status. */
static qe_status eval_dec(plan_op_kind op, plan_expr *a, plan_expr *b, int p, int s, rt_value *out,
                          rt_error *err) {
    plan_expr e = {.kind = PLAN_EXPR_OP, .type = QE_TYPE_DECIMAL, .position = 7};
    e.typmod = PLAN_TYPMOD_DECIMAL(p, s);
    e.u.op.op = op;
    e.u.op.args[0] = a;
    e.u.op.args[1] = b;
    rt_error_clear(err);
    return rt_eval_const(A, &e, out, err);
}

static void test_decimal_arithmetic(void **state) {
    (void)state;
    rt_value r;
    rt_error err;
    plan_expr a = dec_const(123450, 15, 2), b = dec_const(-5, 15, 2); /* 1234.50, -0.05 */
    assert_int_equal(eval_dec(PLAN_OP_ADD, &a, &b, 16, 2, &r, &err), QE_OK);
    assert_true(r.u.h == 123445);
    assert_int_equal(eval_dec(PLAN_OP_SUB, &a, &b, 16, 2, &r, &err), QE_OK);
    assert_true(r.u.h == 123455);
    assert_int_equal(eval_dec(PLAN_OP_MUL, &a, &b, 30, 4, &r, &err), QE_OK);
    assert_true(r.u.h == -617250); /* -61.7250 */
    assert_int_equal(eval_dec(PLAN_OP_MOD, &a, &b, 16, 2, &r, &err), QE_OK);
    assert_true(r.u.h == 0);
    /* the result must fit its precision: 22003, never a wrap */
    plan_expr big = dec_const(99999, 5, 2);
    assert_int_equal(eval_dec(PLAN_OP_ADD, &big, &big, 5, 2, &r, &err), QE_DATA);
    assert_string_equal(err.sqlstate, "22003");
    assert_int_equal(err.position, 7);
    rt_i128 max38 = rt_pow10(38) - 1;
    plan_expr huge = dec_const(max38, 38, 0);
    assert_int_equal(eval_dec(PLAN_OP_MUL, &huge, &huge, 38, 0, &r, &err), QE_DATA);
    assert_string_equal(err.sqlstate, "22003");
    assert_int_equal(eval_dec(PLAN_OP_ADD, &huge, &huge, 38, 0, &r, &err), QE_DATA);
    plan_expr zero = dec_const(0, 15, 2);
    assert_int_equal(eval_dec(PLAN_OP_MOD, &a, &zero, 15, 2, &r, &err), QE_DATA);
    assert_string_equal(err.sqlstate, "22012");
    /* rescaling casts round half away from zero */
    rt_value v = {.type = QE_TYPE_DECIMAL}, out;
    v.u.h = -125; /* -1.25 */
    assert_int_equal(rt_value_cast_mod(&v, PLAN_TYPMOD_DECIMAL(5, 2), QE_TYPE_DECIMAL,
                                       PLAN_TYPMOD_DECIMAL(5, 1), &out, A, &err, -1),
                     QE_OK);
    assert_true(out.u.h == -13);
    assert_int_equal(
        rt_value_cast_mod(&v, PLAN_TYPMOD_DECIMAL(5, 2), QE_TYPE_INTEGER, 0, &out, A, &err, -1),
        QE_OK);
    assert_int_equal(out.u.i, -1);
    assert_int_equal(rt_value_cast_mod(&v, PLAN_TYPMOD_DECIMAL(5, 2), QE_TYPE_DECIMAL,
                                       PLAN_TYPMOD_DECIMAL(2, 2), &out, A, &err, -1),
                     QE_DATA);
    assert_string_equal(err.sqlstate, "22003");
    assert_true(rt_decimal_to_double(12345, 2) == 123.45);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_civil_dates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_to_dates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timestamp_plus_interval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decimal_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decimal_arithmetic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
