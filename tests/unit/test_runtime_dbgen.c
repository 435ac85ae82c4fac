/*
 * test_runtime_dbgen.c -- unit tests of the TPC-H generator (src/runtime/dbgen_*.c).
 *
 * The columnar output (rt_dbgen_generate), formatted here independently as dbgen's
 * text, equals the .tbl files (rt_dbgen_write_files, whose md5 tests/tpch/dbgen.sh
 * checks against dbgen's) byte for byte at SF0.01; chunks of the columnar output add
 * up to the whole whatever the thread count; bad options and a failing sink give
 * errors.
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

#include "rt.h"

#define N_TABLES 8

/* Text of every table, as a growing buffer per table. */
typedef struct text_out {
    char *buf[N_TABLES];
    size_t len[N_TABLES];
    size_t cap[N_TABLES];
    uint32_t fail_after; /* sink fails after this many batches (0: never) */
    uint32_t n_batches;
} text_out;

static void out_append(text_out *o, uint32_t t, const char *s, size_t n) {
    if (o->len[t] + n + 1 > o->cap[t]) {
        o->cap[t] = (o->len[t] + n + 1) * 2;
        o->buf[t] = realloc(o->buf[t], o->cap[t]);
        assert_non_null(o->buf[t]);
    }
    memcpy(o->buf[t] + o->len[t], s, n);
    o->len[t] += n;
}

/* Formats one value as dbgen prints it (DECIMAL with 2 digits, DATE as YYYY-MM-DD). */
static size_t format_value(const rt_vector *v, uint32_t r, char *buf) {
    switch (v->type) {
    case QE_TYPE_INTEGER: return (size_t)sprintf(buf, "%d", ((const int32_t *)v->values)[r]);
    case QE_TYPE_BIGINT:
        return (size_t)sprintf(buf, "%lld", (long long)((const int64_t *)v->values)[r]);
    case QE_TYPE_DECIMAL: {
        int64_t c = (int64_t)((const rt_i128 *)v->values)[r]; /* 128-bit DECIMALs */
        return (size_t)sprintf(buf, "%s%lld.%02lld", c < 0 ? "-" : "",
                               (long long)(c < 0 ? -c : c) / 100,
                               (long long)(c < 0 ? -c : c) % 100);
    }
    case QE_TYPE_DATE: {
        rt_value val = {.type = QE_TYPE_DATE, .u.i = ((const int32_t *)v->values)[r]};
        return (size_t)rt_value_format(&val, buf, 64);
    }
    case QE_TYPE_VARCHAR: {
        const rt_string *s = &((const rt_string *)v->values)[r];
        memcpy(buf, rt_string_ptr(v, s), s->len);
        return s->len;
    }
    default: fail_msg("unexpected type %d", v->type); return 0;
    }
}

static qe_status text_sink(void *ctx, uint32_t table, const rt_batch *b, rt_error *err) {
    text_out *o = ctx;
    if (o->fail_after && ++o->n_batches >= o->fail_after)
        return rt_error_set(err, QE_IO, "58030", -1, "sink failed");
    const qe_type *types;
    uint32_t n_cols = rt_dbgen_table_types(table, &types);
    assert_int_equal(b->n_cols, n_cols);
    assert_null(b->sel);
    char buf[512];
    for (uint32_t r = 0; r < b->n_rows; r++) {
        for (uint32_t c = 0; c < b->n_cols; c++) {
            assert_int_equal(b->cols[c].type, types[c]);
            size_t n;
            if (table == 5 && c == 4) /* l_quantity: DECIMAL(15,2), dbgen prints "17" */
                n = (size_t)sprintf(buf, "%lld",
                                    (long long)((const rt_i128 *)b->cols[c].values)[r] / 100);
            else
                n = format_value(&b->cols[c], r, buf);
            if (c + 1 < b->n_cols)
                buf[n++] = '|';
            out_append(o, table, buf, n);
        }
        out_append(o, table, "\n", 1);
    }
    return QE_OK;
}

static void out_free(text_out *o) {
    for (int t = 0; t < N_TABLES; t++)
        free(o->buf[t]);
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void test_columnar_equals_text(void **state) {
    (void)state;
    char dir[] = "/tmp/qe_dbgen_XXXXXX";
    assert_non_null(mkdtemp(dir));
    qe_dbgen_options o = {.scale_factor = 0.01, .threads = 1, .dir = dir};
    rt_error err;
    rt_error_clear(&err);
    assert_int_equal(rt_dbgen_write_files(&o, &err), QE_OK);
    text_out col = {0};
    o.threads = 2;
    assert_int_equal(rt_dbgen_generate(&o, NULL, text_sink, &col, &err), QE_OK);
    for (uint32_t t = 0; t < N_TABLES; t++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s.tbl", dir, rt_dbgen_table_name(t));
        size_t len;
        char *text = read_all(path, &len);
        assert_true(len > 0);
        assert_int_equal(col.len[t], len);
        assert_memory_equal(col.buf[t], text, len);
        free(text);
        unlink(path);
    }
    rmdir(dir);
    out_free(&col);
}

static void test_chunks(void **state) {
    (void)state;
    rt_error err;
    rt_error_clear(&err);
    text_out whole = {0}, parts = {0};
    qe_dbgen_options o = {.scale_factor = 0.01, .threads = 3, .tables = 0x3f}; /* no n/r */
    assert_int_equal(rt_dbgen_generate(&o, NULL, text_sink, &whole, &err), QE_OK);
    o.chunks = 3;
    for (uint32_t i = 1; i <= 3; i++) {
        o.chunk = i;
        o.threads = i; /* the thread count changes nothing */
        assert_int_equal(rt_dbgen_generate(&o, NULL, text_sink, &parts, &err), QE_OK);
    }
    for (uint32_t t = 0; t < N_TABLES; t++) {
        assert_int_equal(parts.len[t], whole.len[t]);
        if (whole.len[t])
            assert_memory_equal(parts.buf[t], whole.buf[t], whole.len[t]);
    }
    assert_int_equal(whole.len[6], 0); /* nation was not asked for */
    out_free(&whole);
    out_free(&parts);
}

static void test_errors(void **state) {
    (void)state;
    rt_error err;
    static const struct {
        double sf;
        uint32_t chunks, chunk, tables;
    } bad[] = {{0, 0, 0, 0},   {-1, 0, 0, 0}, {0.0001, 0, 0, 0}, {2.5, 0, 0, 0},
               {1e6, 0, 0, 0}, {1, 3, 4, 0},  {1, 3, 0, 0},      {1, 0, 0, 0x100}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        qe_dbgen_options o = {.scale_factor = bad[i].sf,
                              .chunks = bad[i].chunks,
                              .chunk = bad[i].chunk,
                              .tables = bad[i].tables};
        rt_error_clear(&err);
        assert_int_equal(rt_dbgen_check(&o, &err), QE_DATA);
        assert_string_equal(err.sqlstate, "22023");
    }
    qe_dbgen_options o = {.scale_factor = 0.01, .tables = 1u << 7, .dir = "/nonexistent/dir"};
    rt_error_clear(&err);
    assert_int_equal(rt_dbgen_write_files(&o, &err), QE_IO);
    assert_string_equal(err.sqlstate, "58030");
    /* a failing sink stops the generation with its error */
    text_out out = {.fail_after = 3};
    o.tables = 0;
    o.threads = 2;
    rt_error_clear(&err);
    assert_int_equal(rt_dbgen_generate(&o, NULL, text_sink, &out, &err), QE_IO);
    assert_string_equal(err.message, "sink failed");
    out_free(&out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columnar_equals_text),
        cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
