/*
 * test_runtime_storage.c -- unit tests of the storage codec (src/runtime/storage_enc.c)
 * and of database directories (src/runtime/storage.c) through the runtime API.
 *
 * Every encoding round-trips every fixed width and strings, forced and chosen, with the
 * edge cases (all NULL, one row, INT64_MIN/MAX, NaN and -0.0, long and empty strings);
 * a flipped byte or a truncation anywhere in a chunk is XX001; zone maps and
 * rt_zone_may_match; a directory keeps tables, typmods and views across close/open,
 * drops remove files, garbage from a crash is removed, a second opener gets 55006.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "storage_int.h"

/* A column under test: values (fixed) or strings, and NULL flags. */
typedef struct col_case {
    qe_type type;
    uint32_t n;
    uint8_t *values;    /* n * width */
    uint8_t *validity;  /* bitmap or NULL */
    const char **s_ptr; /* strings */
    uint32_t *s_len;
} col_case;

static col_case make_case(qe_type type, uint32_t n) {
    col_case c = {type,
                  n,
                  calloc((size_t)n * 16 + 16, 1),
                  NULL,
                  calloc(n + 1, sizeof(char *)),
                  calloc(n + 1, sizeof(uint32_t))};
    return c;
}

static void set_null(col_case *c, uint32_t r) {
    if (c->validity == NULL) {
        c->validity = malloc(rt_bitmap_bytes(c->n));
        memset(c->validity, 0xff, rt_bitmap_bytes(c->n));
    }
    rt_bit_clear(c->validity, r);
}

static void free_case(col_case *c) {
    free(c->values);
    free(c->validity);
    free(c->s_ptr);
    free(c->s_len);
}

/* Stores x as a value of c's type (little-endian; 16-byte types sign-extended). */
static void set_i(col_case *c, uint32_t r, int64_t x) {
    uint32_t w = rt_type_width(c->type);
    if (w == 16) {
        rt_i128 wide = x;
        memcpy(c->values + (size_t)r * w, &wide, w);
    } else {
        memcpy(c->values + (size_t)r * w, &x, w);
    }
}

/* Encodes c (forced encoding or -1), decodes it, compares; returns the encoding used. */
static int roundtrip(const col_case *c, int force) {
    st_column col = {c->type, c->n, c->values, c->validity, c->s_ptr, c->s_len};
    st_buf buf = {0};
    rt_col_zone zone, back;
    assert_true(st_chunk_encode(&buf, &col, force, &zone));
    rt_arena *arena = rt_arena_create(NULL);
    qe_type type = c->type;
    rt_batch *b = rt_batch_create(arena, 1, &type, c->n);
    assert_non_null(b);
    rt_error err;
    rt_error_clear(&err);
    size_t used = 0;
    qe_status st = st_chunk_decode(buf.data, buf.len, c->type, c->n, &b->cols[0], arena, &back,
                                   &used, "f", &err);
    if (st != QE_OK)
        fail_msg("decode: %s", err.message);
    assert_int_equal(used, buf.len);
    assert_int_equal(back.null_count, zone.null_count);
    assert_int_equal(back.has_minmax, zone.has_minmax);
    uint32_t w = rt_type_width(c->type);
    const rt_vector *v = &b->cols[0];
    for (uint32_t r = 0; r < c->n; r++) {
        bool valid = c->validity == NULL || rt_bit_get(c->validity, r);
        assert_int_equal(rt_vector_is_valid(v, r), valid);
        if (!valid)
            continue;
        if (c->type == QE_TYPE_VARCHAR) {
            const rt_string *s = (const rt_string *)v->values + r;
            assert_int_equal(s->len, c->s_len[r]);
            assert_memory_equal(rt_string_ptr(v, s), c->s_ptr[r], s->len);
        } else {
            assert_memory_equal((const uint8_t *)v->values + (size_t)r * w,
                                c->values + (size_t)r * w, w);
        }
    }
    int enc = buf.data[1];
    st_buf_free(&buf);
    rt_arena_destroy(arena);
    return enc;
}

/* Round-trips c with every encoding forced and with the automatic choice. */
static int roundtrip_all(const col_case *c) {
    for (int e = 0; e < ST_ENC_COUNT; e++)
        roundtrip(c, e);
    return roundtrip(c, -1);
}

static void test_integers(void **state) {
    (void)state;
    col_case c = make_case(QE_TYPE_INTEGER, 5000);
    for (uint32_t r = 0; r < c.n; r++)
        set_i(&c, r, 1000 + 3 * (int64_t)r);
    assert_int_equal(roundtrip_all(&c), ST_ENC_DELTA);
    for (uint32_t r = 0; r < c.n; r++)
        set_i(&c, r, (int64_t)((r * 2654435761u) % 1000));
    assert_int_equal(roundtrip_all(&c), ST_ENC_FOR);
    for (uint32_t r = 0; r < c.n; r++)
        set_i(&c, r, 42);
    assert_int_equal(roundtrip_all(&c), ST_ENC_CONSTANT);
    for (uint32_t r = 0; r < c.n; r++)
        set_i(&c, r, r / 1000 * 123456789);
    assert_int_equal(roundtrip_all(&c), ST_ENC_RLE);
    for (uint32_t r = 0; r < c.n; r++)
        set_i(&c, r, (int64_t)((r * 7) % 5) * 1000000007);
    assert_int_equal(roundtrip_all(&c), ST_ENC_DICT);
    for (uint32_t r = 0; r < c.n; r += 3)
        set_null(&c, r);
    roundtrip_all(&c);
    free_case(&c);
}

/* Frame of reference at every bit width and awkward lengths (bit packing's edges). */
static void test_bit_widths(void **state) {
    (void)state;
    static const uint32_t lengths[] = {1, 2, 7, 8, 9, 63, 64, 65, 1001};
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (unsigned bits = 1; bits <= 64; bits++) {
        uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
        for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
            col_case c = make_case(QE_TYPE_BIGINT, lengths[l]);
            for (uint32_t r = 0; r < c.n; r++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                set_i(&c, r, (int64_t)(r == 0 ? 0 : r == 1 ? mask : x & mask));
            }
            roundtrip(&c, ST_ENC_FOR);
            roundtrip(&c, ST_ENC_DELTA);
            free_case(&c);
        }
    }
}

static void test_int64_extremes(void **state) {
    (void)state;
    qe_type types[] = {QE_TYPE_BIGINT, QE_TYPE_DECIMAL, QE_TYPE_TIMESTAMP};
    for (int t = 0; t < 3; t++) {
        col_case c = make_case(types[t], 300);
        for (uint32_t r = 0; r < c.n; r++)
            set_i(&c, r, r % 3 == 0 ? INT64_MIN : r % 3 == 1 ? INT64_MAX : (int64_t)r - 150);
        roundtrip_all(&c);
        set_null(&c, 7);
        roundtrip_all(&c);
        free_case(&c);
    }
    col_case s = make_case(QE_TYPE_SMALLINT, 100), b = make_case(QE_TYPE_BOOLEAN, 100);
    for (uint32_t r = 0; r < 100; r++) {
        set_i(&s, r, r % 2 ? INT16_MIN : INT16_MAX);
        set_i(&b, r, r % 3 == 0);
    }
    roundtrip_all(&s);
    roundtrip_all(&b);
    free_case(&s);
    free_case(&b);
}

static void test_floats(void **state) {
    (void)state;
    col_case d = make_case(QE_TYPE_DOUBLE, 1000), f = make_case(QE_TYPE_REAL, 1000);
    for (uint32_t r = 0; r < 1000; r++) {
        double x = r % 10 == 0 ? NAN : r % 10 == 1 ? -0.0 : r % 10 == 2 ? INFINITY : r * 0.25;
        float y = (float)x;
        memcpy(d.values + r * 8, &x, 8);
        memcpy(f.values + r * 4, &y, 4);
    }
    roundtrip_all(&d);
    roundtrip_all(&f);
    free_case(&d);
    free_case(&f);
}

static void test_wide_values(void **state) {
    (void)state;
    qe_type types[] = {QE_TYPE_HUGEINT, QE_TYPE_INTERVAL};
    for (int t = 0; t < 2; t++) {
        col_case c = make_case(types[t], 500);
        for (uint32_t r = 0; r < c.n; r++)
            for (int k = 0; k < 16; k++)
                c.values[r * 16 + k] = (uint8_t)(r / 50 * 31 + (uint32_t)k);
        assert_int_equal(roundtrip_all(&c), ST_ENC_RLE);
        for (uint32_t r = 0; r < c.n; r++)
            c.values[r * 16 + 3] = (uint8_t)r;
        roundtrip_all(&c);
        set_null(&c, 0);
        roundtrip_all(&c);
        free_case(&c);
    }
}

static void test_strings(void **state) {
    (void)state;
    static const char *words[] = {"", "a", "twelve bytes", "thirteen byte", "REG AIR"};
    col_case c = make_case(QE_TYPE_VARCHAR, 3000);
    for (uint32_t r = 0; r < c.n; r++) {
        c.s_ptr[r] = words[r % 5];
        c.s_len[r] = (uint32_t)strlen(words[r % 5]);
    }
    assert_int_equal(roundtrip_all(&c), ST_ENC_DICT);
    for (uint32_t r = 0; r < c.n; r++) {
        c.s_ptr[r] = words[2];
        c.s_len[r] = 12;
    }
    assert_int_equal(roundtrip_all(&c), ST_ENC_CONSTANT);
    char *big = malloc(200000);
    for (int i = 0; i < 200000; i++)
        big[i] = (char)('a' + (i * 7 + i / 13) % 26);
    char(*uniq)[16] = malloc(16 * c.n);
    for (uint32_t r = 0; r < c.n; r++) {
        snprintf(uniq[r], 16, "k%u", r * 7919);
        c.s_ptr[r] = r == 5 ? big : uniq[r];
        c.s_len[r] = r == 5 ? 200000 : (uint32_t)strlen(uniq[r]);
        if (r % 11 == 0)
            set_null(&c, r);
    }
    assert_int_equal(roundtrip_all(&c), ST_ENC_PLAIN);
    free(uniq);
    free(big);
    free_case(&c);
}

static void test_all_null_and_one_row(void **state) {
    (void)state;
    for (qe_type t = QE_TYPE_BOOLEAN; t < QE_TYPE_COUNT; t++) {
        col_case c = make_case(t, 77);
        for (uint32_t r = 0; r < c.n; r++)
            set_null(&c, r);
        roundtrip_all(&c);
        free_case(&c);
        col_case one = make_case(t, 1);
        memset(one.values, 0x9c, 16);
        one.s_ptr[0] = "only row, longer than twelve";
        one.s_len[0] = 28;
        roundtrip_all(&one);
        set_null(&one, 0);
        roundtrip_all(&one);
        free_case(&one);
    }
}

/* Every single-byte flip and every truncation of a chunk is XX001. */
static void test_corruption(void **state) {
    (void)state;
    col_case c = make_case(QE_TYPE_VARCHAR, 200);
    for (uint32_t r = 0; r < c.n; r++) {
        c.s_ptr[r] = r % 2 ? "abcdefghijklmnopqrstuvwxyz" : "x";
        c.s_len[r] = r % 2 ? 26 : 1;
    }
    set_null(&c, 3);
    st_column col = {c.type, c.n, c.values, c.validity, c.s_ptr, c.s_len};
    st_buf buf = {0};
    rt_col_zone zone;
    assert_true(st_chunk_encode(&buf, &col, ST_ENC_PLAIN, &zone));
    rt_arena *arena = rt_arena_create(NULL);
    qe_type type = c.type;
    rt_batch *b = rt_batch_create(arena, 1, &type, c.n);
    rt_error err;
    size_t used;
    for (size_t i = 0; i < buf.len; i++) {
        buf.data[i] ^= 0x10;
        rt_error_clear(&err);
        assert_int_not_equal(st_chunk_decode(buf.data, buf.len, type, c.n, &b->cols[0], arena,
                                             &zone, &used, "seg-x", &err),
                             QE_OK);
        assert_string_equal(err.sqlstate, "XX001");
        assert_non_null(strstr(err.message, "seg-x"));
        buf.data[i] ^= 0x10;
    }
    for (size_t len = 0; len < buf.len; len += 7) {
        rt_error_clear(&err);
        assert_int_not_equal(st_chunk_decode(buf.data, len, type, c.n, &b->cols[0], arena, &zone,
                                             &used, "seg-x", &err),
                             QE_OK);
        assert_string_equal(err.sqlstate, "XX001");
    }
    rt_arena_destroy(arena);
    st_buf_free(&buf);
    free_case(&c);
}

static void test_zone_maps(void **state) {
    (void)state;
    col_case c = make_case(QE_TYPE_DATE, 100);
    for (uint32_t r = 0; r < c.n; r++)
        set_i(&c, r, 9000 + (int64_t)r);
    set_null(&c, 0);
    st_column col = {c.type, c.n, c.values, c.validity, NULL, NULL};
    st_buf buf = {0};
    rt_col_zone z;
    assert_true(st_chunk_encode(&buf, &col, -1, &z));
    assert_true(z.has_minmax);
    assert_int_equal(z.null_count, 1);
    assert_int_equal(z.min.i, 9001);
    assert_int_equal(z.max.i, 9099);
    rt_value v = {.type = QE_TYPE_DATE, .u.i = 9100};
    assert_false(rt_zone_may_match(&z, QE_TYPE_DATE, RT_ZONE_EQ, &v));
    assert_false(rt_zone_may_match(&z, QE_TYPE_DATE, RT_ZONE_GE, &v));
    assert_true(rt_zone_may_match(&z, QE_TYPE_DATE, RT_ZONE_LT, &v));
    v.u.i = 9001;
    assert_false(rt_zone_may_match(&z, QE_TYPE_DATE, RT_ZONE_LT, &v));
    assert_true(rt_zone_may_match(&z, QE_TYPE_DATE, RT_ZONE_LE, &v));
    assert_true(rt_zone_may_match(&z, QE_TYPE_DATE, RT_ZONE_NE, &v));
    v.is_null = true;
    assert_true(rt_zone_may_match(&z, QE_TYPE_DATE, RT_ZONE_EQ, &v));
    rt_col_zone d = {.has_minmax = true, .min.d = -1.5, .max.d = 2.5};
    rt_value x = {.type = QE_TYPE_DOUBLE, .u.d = 3.0};
    assert_false(rt_zone_may_match(&d, QE_TYPE_DOUBLE, RT_ZONE_GT, &x));
    x.u.d = 2.5;
    assert_true(rt_zone_may_match(&d, QE_TYPE_DOUBLE, RT_ZONE_GE, &x));
    /* ranges over zones [0, 100) 5..9, [100, 200) all NULL, [200, 300) 50..60 */
    rt_col_zone cz[3] = {
        {0, true, {.i = 5}, {.i = 9}}, {100, false, {0}, {0}}, {0, true, {.i = 50}, {.i = 60}}};
    rt_zone zones[3] = {{0, 100, &cz[0]}, {100, 100, &cz[1]}, {200, 100, &cz[2]}};
    rt_value k = {.type = QE_TYPE_INTEGER, .u.i = 20};
    assert_false(rt_zones_range_may_match(zones, 3, 0, 300, 0, QE_TYPE_INTEGER, RT_ZONE_EQ, &k));
    assert_true(rt_zones_range_may_match(zones, 3, 0, 301, 0, QE_TYPE_INTEGER, RT_ZONE_EQ, &k));
    assert_true(rt_zones_range_may_match(zones, 3, 150, 100, 0, QE_TYPE_INTEGER, RT_ZONE_GT, &k));
    assert_false(rt_zones_range_may_match(zones, 3, 50, 100, 0, QE_TYPE_INTEGER, RT_ZONE_GT, &k));
    assert_true(rt_zones_range_may_match(zones, 0, 0, 1, 0, QE_TYPE_INTEGER, RT_ZONE_GT, &k));
    st_buf_free(&buf);
    free_case(&c);
}

/* ---- directories ------------------------------------------------------------------ */

static char dir[256];

static void make_dir(void) {
    snprintf(dir, sizeof dir, "/tmp/qe_storage_unit_%d", (int)getpid());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static int count_segments(void) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, "seg-", 4) == 0;
    if (d)
        closedir(d);
    return n;
}

/* Appends n rows (i, 'v<i>') to t. */
static void append_rows(rt_catalog *cat, rt_table *t, uint32_t from, uint32_t n) {
    rt_arena *a = rt_arena_create(NULL);
    rt_batch *b = rt_batch_create(a, 2, t->col_types, n);
    for (uint32_t r = 0; r < n; r++) {
        int32_t x = (int32_t)(from + r);
        memcpy((int32_t *)b->cols[0].values + r, &x, 4);
        char s[32];
        int len = snprintf(s, sizeof s, "v%d", x);
        assert_true(rt_vector_set_string(&b->cols[1], a, r, s, (uint32_t)len));
    }
    b->n_rows = n;
    rt_error err;
    assert_int_equal(rt_table_append(cat, t, b, &err), QE_OK);
    rt_arena_destroy(a);
}

static void test_directory(void **state) {
    (void)state;
    make_dir();
    rt_error err;
    rt_catalog *cat = rt_catalog_create();
    rt_storage *st = NULL;
    assert_int_equal(rt_storage_open(dir, cat, &st, &err), QE_OK);
    char *names[] = {"id", "name"};
    qe_type types[] = {QE_TYPE_INTEGER, QE_TYPE_VARCHAR};
    int32_t typmods[] = {-1, 20};
    rt_table *t = NULL;
    assert_int_equal(rt_catalog_create_table(cat, "t", 2, names, types, &t, &err), QE_OK);
    assert_int_equal(rt_table_set_typmods(t, typmods, &err), QE_OK);
    append_rows(cat, t, 0, 130000);
    assert_int_equal(rt_storage_commit(st, &err), QE_OK);
    append_rows(cat, t, 130000, 5);
    char *vnames[] = {"x"};
    assert_int_equal(rt_catalog_create_view(cat, "v", "SELECT id FROM t", 1, vnames, false, &err),
                     QE_OK);
    assert_int_equal(rt_storage_commit(st, &err), QE_OK);
    assert_int_equal(count_segments(), 2);
    rt_catalog *other = rt_catalog_create();
    rt_storage *st2 = NULL;
    assert_int_not_equal(rt_storage_open(dir, other, &st2, &err), QE_OK);
    assert_string_equal(err.sqlstate, "55006");
    rt_catalog_destroy(other);
    rt_storage_close(st);
    rt_catalog_destroy(cat);

    /* a crash's leftovers are removed at open */
    char junk[400];
    snprintf(junk, sizeof junk, "%s/seg-00000000000000ff.qes", dir);
    fclose(fopen(junk, "w"));
    snprintf(junk, sizeof junk, "%s/MANIFEST.tmp", dir);
    fclose(fopen(junk, "w"));
    cat = rt_catalog_create();
    assert_int_equal(rt_storage_open(dir, cat, &st, &err), QE_OK);
    struct stat sb;
    assert_int_not_equal(stat(junk, &sb), 0);
    assert_int_equal(count_segments(), 2);
    t = rt_catalog_find(cat, "t");
    assert_non_null(t);
    assert_int_equal(t->n_rows, 130005);
    assert_int_equal(t->col_typmods[1], 20);
    uint32_t n_zones;
    const rt_zone *zones;
    rt_table_zones(cat, t, &n_zones, &zones);
    assert_int_equal(n_zones, 3);
    assert_int_equal(zones[1].first_row, ST_ROW_GROUP_ROWS);
    assert_int_equal(zones[2].first_row, 130000);
    assert_int_equal(zones[2].cols[0].min.i, 130000);
    assert_int_equal(zones[2].cols[0].max.i, 130004);
    rt_arena *a = rt_arena_create(NULL);
    rt_view *v = rt_catalog_find_view(cat, "v", a);
    assert_non_null(v);
    assert_string_equal(v->sql, "SELECT id FROM t");
    assert_string_equal(v->names[0], "x");
    rt_arena_destroy(a);
    /* dropping removes the files at the next commit */
    assert_int_equal(rt_catalog_drop_table(cat, "t", &err), QE_OK);
    assert_int_equal(rt_storage_commit(st, &err), QE_OK);
    assert_int_equal(count_segments(), 0);
    rt_storage_close(st);
    rt_catalog_destroy(cat);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* Flips every byte of FILE (inside dir) in turn: opening must fail with XX001. */
static void flip_every_byte(const char *file) {
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    for (long i = 0; i < size; i++) {
        fseek(f, i, SEEK_SET);
        int c = fgetc(f);
        fseek(f, i, SEEK_SET);
        fputc(c ^ 0x5a, f);
        fflush(f);
        rt_catalog *cat = rt_catalog_create();
        rt_storage *st = NULL;
        rt_error err;
        rt_error_clear(&err);
        qe_status rc = rt_storage_open(dir, cat, &st, &err);
        if (rc == QE_OK)
            fail_msg("%s: flipping byte %ld went unnoticed", file, i);
        assert_string_equal(err.sqlstate, "XX001");
        assert_non_null(strstr(err.message, file));
        rt_catalog_destroy(cat);
        fseek(f, i, SEEK_SET);
        fputc(c, f);
        fflush(f);
    }
    fclose(f);
}

static void test_corrupt_files(void **state) {
    (void)state;
    make_dir();
    rt_error err;
    rt_catalog *cat = rt_catalog_create();
    rt_storage *st = NULL;
    assert_int_equal(rt_storage_open(dir, cat, &st, &err), QE_OK);
    char *names[] = {"id", "name"};
    qe_type types[] = {QE_TYPE_INTEGER, QE_TYPE_VARCHAR};
    rt_table *t = NULL;
    assert_int_equal(rt_catalog_create_table(cat, "t", 2, names, types, &t, &err), QE_OK);
    append_rows(cat, t, 0, 40);
    char *vnames[] = {"x"};
    assert_int_equal(rt_catalog_create_view(cat, "v", "SELECT 1", 1, vnames, false, &err), QE_OK);
    assert_int_equal(rt_storage_commit(st, &err), QE_OK);
    rt_storage_close(st);
    rt_catalog_destroy(cat);
    flip_every_byte("MANIFEST");
    flip_every_byte("seg-0000000000000000.qes");
    cat = rt_catalog_create();
    assert_int_equal(rt_storage_open(dir, cat, &st, &err), QE_OK);
    assert_int_equal(rt_catalog_find(cat, "t")->n_rows, 40);
    rt_storage_close(st);
    rt_catalog_destroy(cat);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_bit_widths),
        cmocka_unit_test(test_int64_extremes),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_wide_values),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_all_null_and_one_row),
        cmocka_unit_test(test_corruption),
        cmocka_unit_test(test_zone_maps),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_corrupt_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
