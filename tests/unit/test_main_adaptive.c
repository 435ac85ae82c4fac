/*
 * test_main_adaptive.c -- unit tests of adaptive execution (src/main/adaptive.c and the
 * switch in src/runtime/task.c) through the public API (cmocka).
 *
 * What SQL files cannot see: how many morsels ran interpreted and compiled (the
 * session's counters).  With debug_adaptive = 'wait' a multi-morsel pipeline really
 * switches (both counters non-zero) and computes the interpreter's answer, at 1 and 2
 * threads; without it a short query compiles nothing; the cost model's choices
 * (main_adaptive_pick); the learned ratios are per pipeline shape (a shape measured
 * slow stops compiling, other shapes do not); a query failing while its stage compiles
 * in the background reports the interpreter's error and leaves the session usable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "main_int.h"
#include "qe.h"

#include "sql_session.h"

/* One engine and session per test. */
typedef sql_fixture fixture;

static int setup(void **state) {
    fixture *f = sql_fixture_open();
    assert_non_null(f);
    *state = f;
    return 0;
}

/* Runs sql, which must succeed. */
static void exec_ok(fixture *f, const char *sql) { sql_exec(f->session, sql); }

/* The first row of sql's result as text, values separated by '|' (into buf). */
static void row_text(fixture *f, const char *sql, char *buf, size_t cap) {
    qe_result *res = NULL;
    qe_batch_view b;
    qe_status st = qe_query(f->session, sql, &res);
    if (st != QE_OK)
        fprintf(stderr, "%s: %s\n", sql, qe_error_message(qe_session_error(f->session)));
    assert_int_equal(st, QE_OK);
    assert_int_equal(qe_result_batch(res, 0, &b), QE_OK);
    assert_true(b.n_rows > 0);
    size_t len = 0;
    buf[0] = '\0';
    for (size_t c = 0; c < b.n_columns && len + 1 < cap; c++) {
        if (c > 0)
            buf[len++] = '|';
        qe_value_format(&b.columns[c], 0, buf + len, cap - len);
        len += strlen(buf + len);
    }
    qe_result_destroy(res);
}

/* 50,000 rows in 25 chunks: INTEGER a, BIGINT b, DOUBLE d with NULLs. */
static void make_table(fixture *f, const char *name, int rows) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE TABLE %s AS SELECT CAST(r AS INTEGER) AS a, CAST(r %% 7 AS BIGINT) AS b, "
             "CASE WHEN r %% 11 = 0 THEN NULL ELSE CAST(r AS DOUBLE) / 4 END AS d "
             "FROM range(%d) AS x(r)",
             name, rows);
    exec_ok(f, sql);
}

static const char *const agg_query =
    "SELECT count(*), count(d), sum(a), sum(b * 3 - a), min(d), max(d), avg(d) FROM t "
    "WHERE a % 3 <> 0";

/* debug_adaptive = 'wait': the first morsel interpreted, the rest compiled, same answer. */
static void test_wait_switches(void **state) {
    fixture *f = *state;
    make_table(f, "t", 50000);
    char want[512], got[512];
    const char *sql = agg_query;
    exec_ok(f, "SET execution_mode = 'interpret'");
    row_text(f, sql, want, sizeof want);
    exec_ok(f, "SET execution_mode = 'adaptive'");
    exec_ok(f, "SET debug_adaptive = 'wait'");
    for (int threads = 1; threads <= 2; threads++) {
        exec_ok(f, threads == 1 ? "SET threads = 1" : "SET threads = 2");
        row_text(f, sql, got, sizeof got);
        assert_string_equal(got, want);
        qe_session *s = f->session;
        assert_true(s->morsels_interpreted >= 1);
        assert_true(s->morsels_interpreted <= (uint64_t)threads + 1); /* + the result's */
        assert_true(s->morsels_compiled >= 20);
    }
}

/* Without the debug setting a short query compiles nothing. */
static void test_short_query_interprets(void **state) {
    fixture *f = *state;
    make_table(f, "t", 50000);
    char want[512], got[512];
    const char *sql = agg_query;
    exec_ok(f, "SET execution_mode = 'interpret'");
    row_text(f, sql, want, sizeof want);
    exec_ok(f, "RESET execution_mode"); /* the default: adaptive */
    row_text(f, sql, got, sizeof got);
    assert_string_equal(got, want);
    assert_int_equal(f->session->morsels_compiled, 0);
    assert_true(f->session->morsels_interpreted > 0);
    assert_int_equal(f->session->compile_ns, 0);
}

/* The cost model: nothing for short pipelines, cheap for medium ones, optimized for long
 * ones; nothing when the operators are a small share of the time, when the code would
 * come too late, or when measurements say compiled code is not faster. */
static void test_model_picks(void **state) {
    (void)state;
    main_adaptive_model m;
    main_adaptive_model_init(&m, NULL, 1, 4); /* one scan-filter-project-agg pipeline */
    m.jit_exists = true;
    assert_int_equal(main_adaptive_pick(&m, 5.0, 1.0, 2), -1);
    assert_int_equal(main_adaptive_pick(&m, 30.0, 1.0, 2), CG_TIER_CHEAP);
    assert_int_equal(main_adaptive_pick(&m, 200.0, 1.0, 2), CG_TIER_OPTIMIZED);
    assert_int_equal(main_adaptive_pick(&m, 200.0, 0.1, 2), -1); /* mostly the source */
    assert_int_equal(main_adaptive_pick(&m, 0.0, 1.0, 2), -1);
    m.jit_exists = false; /* its creation makes the cheap tier too dear at 30 ms */
    assert_int_equal(main_adaptive_pick(&m, 30.0, 1.0, 2), -1);
    m.jit_exists = true;
    m.ratio[CG_TIER_OPTIMIZED] = 0.1; /* fast code, but not ready before the end */
    m.ratio[CG_TIER_CHEAP] = 1.0;
    assert_int_equal(main_adaptive_pick(&m, 20.0, 1.0, 2), -1);
    m.ratio[CG_TIER_OPTIMIZED] = 1.2; /* measured slower: never */
    assert_int_equal(main_adaptive_pick(&m, 100000.0, 1.0, 2), -1);
    m.ratio[CG_TIER_OPTIMIZED] = 0.5;
    m.scale[CG_TIER_OPTIMIZED] = 10.0; /* a loaded machine compiles slower */
    assert_int_equal(main_adaptive_pick(&m, 200.0, 1.0, 2), -1);
    assert_int_equal(main_adaptive_pick(&m, 2000.0, 1.0, 2), CG_TIER_OPTIMIZED);
}

/* A pipeline Scan(table: INTEGER) -> Filter(#0 > constant) -> HashAggregate(sum) built
 * in *parts (the plan's structs, as the optimizer fills them). */
typedef struct shape_parts {
    qe_type types[1];
    plan_expr col, cst, gt;
    plan_agg agg;
    plan_op scan, filter, sink;
    plan_op *ops[3];
    plan_pipeline pipe;
} shape_parts;

static const plan_pipeline *make_shape(shape_parts *sp, const char *table, int32_t constant,
                                       plan_agg_fn fn) {
    memset(sp, 0, sizeof *sp);
    sp->types[0] = QE_TYPE_INTEGER;
    sp->col = (plan_expr){.kind = PLAN_EXPR_COLUMN, .type = QE_TYPE_INTEGER, .u.column = 0};
    sp->cst = (plan_expr){.kind = PLAN_EXPR_CONST, .type = QE_TYPE_INTEGER, .position = 30};
    sp->cst.u.value = (rt_value){.type = QE_TYPE_INTEGER, .u.i = constant};
    sp->gt = (plan_expr){.kind = PLAN_EXPR_OP, .type = QE_TYPE_BOOLEAN};
    sp->gt.u.op.op = PLAN_OP_GT;
    sp->gt.u.op.args[0] = &sp->col;
    sp->gt.u.op.args[1] = &sp->cst;
    sp->agg = (plan_agg){.fn = fn, .type = QE_TYPE_BIGINT, .state_type = QE_TYPE_BIGINT};
    sp->scan = (plan_op){.kind = PLAN_PHYS_SCAN, .n_cols = 1, .types = sp->types};
    sp->scan.u.scan.table = (char *)table;
    sp->filter = (plan_op){.kind = PLAN_PHYS_FILTER, .n_cols = 1, .types = sp->types};
    sp->filter.u.filter.pred = &sp->gt;
    sp->sink = (plan_op){.kind = PLAN_PHYS_AGG_SINK, .n_cols = 1, .types = sp->types};
    sp->sink.u.agg.n_aggs = 1;
    sp->sink.u.agg.aggs = &sp->agg;
    sp->ops[0] = &sp->scan;
    sp->ops[1] = &sp->filter;
    sp->ops[2] = &sp->sink;
    sp->pipe = (plan_pipeline){.n_ops = 3, .ops = sp->ops};
    return &sp->pipe;
}

/* Shape keys: the same for other constants, different for another table or aggregate. */
static void test_shape_keys(void **state) {
    (void)state;
    shape_parts a, b;
    uint64_t k = main_adaptive_shape_key(make_shape(&a, "t", 10, PLAN_AGG_SUM));
    assert_int_not_equal(k, 0);
    assert_true(main_adaptive_shape_key(make_shape(&b, "t", 99, PLAN_AGG_SUM)) == k);
    assert_true(main_adaptive_shape_key(make_shape(&b, "u", 10, PLAN_AGG_SUM)) != k);
    assert_true(main_adaptive_shape_key(make_shape(&b, "t", 10, PLAN_AGG_MIN)) != k);
    b.gt.u.op.op = PLAN_OP_LT;
    assert_true(main_adaptive_shape_key(&b.pipe) !=
                main_adaptive_shape_key(make_shape(&a, "t", 10, PLAN_AGG_MIN)));
}

/* Learned ratios are per shape: a shape measured slow at the optimized tier stops
 * compiling at it, another shape keeps the prior and still compiles; the slow shape is
 * offered the tier again at its MAIN_ADAPTIVE_RETRY-th lookup; a new shape in the same
 * slot starts from the priors again. */
static void test_ratio_per_shape(void **state) {
    fixture *f = *state;
    qe_engine *e = f->engine;
    shape_parts a, b;
    uint64_t slow = main_adaptive_shape_key(make_shape(&a, "t", 1, PLAN_AGG_SUM));
    uint64_t other = main_adaptive_shape_key(make_shape(&b, "u", 1, PLAN_AGG_SUM));
    main_adaptive_model m;
    main_adaptive_model_init(&m, e, 1, 4);
    m.jit_exists = true;
    double prior[CG_TIER_COUNT];
    main_adaptive_ratios(e, slow, prior);
    assert_true(prior[CG_TIER_OPTIMIZED] < 1.0);
    for (int i = 0; i < 4; i++)
        main_adaptive_learn(e, slow, CG_TIER_OPTIMIZED, 3.0); /* compiled 3x slower */
    main_adaptive_ratios(e, slow, m.ratio);
    assert_true(m.ratio[CG_TIER_OPTIMIZED] > 1.0);
    assert_true(m.ratio[CG_TIER_CHEAP] == prior[CG_TIER_CHEAP]);
    assert_int_not_equal(main_adaptive_pick(&m, 2000.0, 1.0, 2), CG_TIER_OPTIMIZED);
    main_adaptive_ratios(e, other, m.ratio);
    assert_true(m.ratio[CG_TIER_OPTIMIZED] == prior[CG_TIER_OPTIMIZED]);
    assert_int_equal(main_adaptive_pick(&m, 2000.0, 1.0, 2), CG_TIER_OPTIMIZED);
    for (int i = 1; i < MAIN_ADAPTIVE_RETRY - 1; i++) { /* still ruled out ... */
        main_adaptive_ratios(e, slow, m.ratio);
        assert_true(m.ratio[CG_TIER_OPTIMIZED] > 1.0);
    }
    main_adaptive_ratios(e, slow, m.ratio); /* ... until it is offered again */
    assert_true(m.ratio[CG_TIER_OPTIMIZED] == prior[CG_TIER_OPTIMIZED]);
    assert_int_equal(main_adaptive_pick(&m, 2000.0, 1.0, 2), CG_TIER_OPTIMIZED);
    main_adaptive_learn(e, slow, CG_TIER_OPTIMIZED, 0.4); /* and found faster now */
    main_adaptive_ratios(e, slow, m.ratio);
    assert_true(m.ratio[CG_TIER_OPTIMIZED] < 1.0);
    main_adaptive_learn(e, slow + MAIN_ADAPTIVE_SHAPES, CG_TIER_CHEAP, 0.5); /* same slot */
    main_adaptive_ratios(e, slow, m.ratio);
    assert_true(m.ratio[CG_TIER_OPTIMIZED] == prior[CG_TIER_OPTIMIZED]);
}

/* A stage the code cache answers is no compile: its ~0.01 ms does not teach the model
 * that compiling is free (the engine's compile scale stays unlearned). */
static void test_cache_hit_not_a_compile(void **state) {
    fixture *f = *state;
    make_table(f, "t", 50000);
    exec_ok(f, "SET debug_adaptive = 'wait'");
    exec_ok(f, "SET jit_tier = 'cheap'");
    char first[512], got[512];
    row_text(f, agg_query, first, sizeof first); /* creates the engine's JIT: not learned */
    for (int i = 0; i < 3; i++) {
        row_text(f, agg_query, got, sizeof got); /* cache hits */
        assert_string_equal(got, first);
        assert_true(f->session->morsels_compiled > 0);
    }
    assert_true(f->engine->adaptive_compile_scale[CG_TIER_CHEAP] == 0);
}

/* A long pipeline whose stage the code cache holds (jit mode compiled it) takes that code
 * at once in adaptive mode (no background compile: no compile time), where compiling it
 * (~27 ms modelled at the optimized tier) would not pay; same answer. */
static void test_cached_code_used(void **state) {
    fixture *f = *state;
    make_table(f, "t", 2000000);
    char want[512], got[512];
    exec_ok(f, "SET threads = 2");
    exec_ok(f, "SET execution_mode = 'interpret'");
    row_text(f, agg_query, want, sizeof want);
    exec_ok(f, "SET execution_mode = 'jit'");
    exec_ok(f, "SET jit_tier = 'optimized'");
    row_text(f, agg_query, got, sizeof got);
    assert_string_equal(got, want);
    exec_ok(f, "SET execution_mode = 'adaptive'");
    row_text(f, agg_query, got, sizeof got);
    assert_string_equal(got, want);
    assert_true(f->session->morsels_compiled > 0);
    assert_int_equal(f->session->compile_ns, 0);
}

/* A query failing in its first (interpreted) morsel while the stage compiles: the
 * interpreter's error; the compile is waited for and freed; the session still works. */
static void test_error_during_compile(void **state) {
    fixture *f = *state;
    make_table(f, "t", 50000);
    exec_ok(f, "SET debug_adaptive = 'wait'");
    for (int i = 0; i < 3; i++) {
        qe_result *res = NULL;
        assert_int_not_equal(qe_query(f->session, "SELECT sum(100 / a) FROM t", &res), QE_OK);
        assert_string_equal(qe_error_sqlstate(qe_session_error(f->session)), "22012");
        assert_null(res);
    }
    char got[512];
    row_text(f, "SELECT count(*) FROM t WHERE a > 10", got, sizeof got);
    assert_string_equal(got, "49989");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wait_switches, setup, sql_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_short_query_interprets, setup, sql_fixture_teardown),
        cmocka_unit_test(test_model_picks),
        cmocka_unit_test(test_shape_keys),
        cmocka_unit_test_setup_teardown(test_ratio_per_shape, setup, sql_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_cache_hit_not_a_compile, setup, sql_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_cached_code_used, setup, sql_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_error_during_compile, setup, sql_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
