/*
 * test_dist.c -- unit tests of the wire format, Arrow IPC and plan serialization.
 *
 * Frames: every message type round-trips; bad magic, version, type, length and
 * checksum are errors; partial input asks for more bytes; a flip of any byte of a
 * frame is caught.  Arrow IPC: batches with all five exchange types, NULLs, short and
 * long strings round-trip compressed and uncompressed; every flipped byte and every
 * truncation of a message decodes to an error or to a valid batch, never a crash.
 * Plans: a hand-built staged plan (the skeleton query's) round-trips byte-identically;
 * flipped bytes, truncations and forged fields (with a recomputed checksum) fail
 * cleanly.  Run it under ASan (make asan) to turn any out-of-bounds read into a failure.
 */
#include "dist_int.h"
#include "opt.h"

#include <setjmp.h> /* cmocka needs it; QE code itself never uses setjmp */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include <cmocka.h>

/* ---- helpers ------------------------------------------------------------------------ */

/* Asserts st == QE_OK, printing the error message first if not. */
static void ok(qe_status st, const rt_error *err) {
    if (st != QE_OK)
        print_error("unexpected error %d: %s\n", (int)st, err->message);
    assert_int_equal(st, QE_OK);
}

static uint8_t *encode_msg(const dist_msg *m, size_t *len) {
    dist_wbuf w;
    dist_wbuf_init(&w);
    rt_error err;
    assert_int_equal(dist_msg_encode(m, &w, &err), QE_OK);
    uint8_t *frame = dist_wbuf_take(&w, len);
    assert_non_null(frame);
    return frame;
}

/* Parses one whole frame and decodes it into out (arena for variable parts). */
static qe_status parse_and_decode(const uint8_t *buf, size_t len, rt_arena *arena, dist_msg *out,
                                  rt_error *err) {
    dist_frame f;
    size_t used, need;
    qe_status st = dist_frame_parse(buf, len, &f, &used, &need, err);
    if (st != QE_OK)
        return st;
    if (used == 0)
        return rt_error_set(err, QE_NETWORK, "08P01", -1, "incomplete");
    return dist_msg_decode(&f, arena, out, err);
}

/* ---- frames and messages ------------------------------------------------------------ */

static void test_frame_register_roundtrip(void **state) {
    dist_msg m = {.type = DIST_MSG_REGISTER};
    strcpy(m.u.reg.listen, "127.0.0.1:7001");
    m.u.reg.n_threads = 8;
    m.u.reg.heartbeat_ms = 250;
    strcpy(m.u.reg.cpu, "avx2,bmi2");
    size_t len;
    uint8_t *frame = encode_msg(&m, &len);
    assert_int_equal(len, DIST_FRAME_HEADER + 4 + 14 + 4 + 4 + 4 + 9);
    assert_memory_equal(frame, "QEW1", 4);
    rt_arena *arena = rt_arena_create(NULL);
    dist_msg out;
    rt_error err;
    assert_int_equal(parse_and_decode(frame, len, arena, &out, &err), QE_OK);
    assert_int_equal(out.type, DIST_MSG_REGISTER);
    assert_string_equal(out.u.reg.listen, "127.0.0.1:7001");
    assert_int_equal(out.u.reg.n_threads, 8);
    assert_int_equal(out.u.reg.heartbeat_ms, 250);
    assert_string_equal(out.u.reg.cpu, "avx2,bmi2");
    free(frame);
    rt_arena_destroy(arena);
}

static void test_frame_submit_roundtrip(void **state) {
    char *eps0[] = {"127.0.0.1:7001", "127.0.0.1:7002"};
    char *eps1[] = {"127.0.0.1:7000"};
    dist_route routes[2] = {{2, 2, eps0}, {2, 1, eps1}};
    const uint8_t plan[] = {1, 2, 3, 4, 5};
    dist_msg m = {.type = DIST_MSG_SUBMIT_TASK};
    m.u.submit.query_id = 0x1234567890abcdefull;
    m.u.submit.stage_id = 1;
    m.u.submit.task_idx = 1;
    m.u.submit.n_tasks = 2;
    m.u.submit.jit = true;
    m.u.submit.n_threads = 4;
    m.u.submit.debug_delay_ms = 100;
    m.u.submit.memory_limit = 3000000000LL;
    m.u.submit.plan = plan;
    m.u.submit.plan_len = sizeof plan;
    m.u.submit.n_routes = 2;
    m.u.submit.routes = routes;
    size_t len;
    uint8_t *frame = encode_msg(&m, &len);
    rt_arena *arena = rt_arena_create(NULL);
    dist_msg out;
    rt_error err;
    assert_int_equal(parse_and_decode(frame, len, arena, &out, &err), QE_OK);
    assert_true(out.u.submit.query_id == 0x1234567890abcdefull);
    assert_int_equal(out.u.submit.stage_id, 1);
    assert_int_equal(out.u.submit.task_idx, 1);
    assert_int_equal(out.u.submit.n_tasks, 2);
    assert_true(out.u.submit.jit);
    assert_int_equal(out.u.submit.n_threads, 4);
    assert_int_equal(out.u.submit.debug_delay_ms, 100);
    assert_true(out.u.submit.memory_limit == 3000000000LL);
    assert_int_equal(out.u.submit.plan_len, 5);
    assert_memory_equal(out.u.submit.plan, plan, 5);
    assert_int_equal(out.u.submit.n_routes, 2);
    assert_int_equal(out.u.submit.routes[0].n_consumers, 2);
    assert_string_equal(out.u.submit.routes[0].endpoints[1], "127.0.0.1:7002");
    assert_int_equal(out.u.submit.routes[1].n_producers, 2);
    assert_string_equal(out.u.submit.routes[1].endpoints[0], "127.0.0.1:7000");
    free(frame);
    rt_arena_destroy(arena);
}

static void test_frame_error_roundtrip(void **state) {
    dist_msg m = {.type = DIST_MSG_TASK_FAILED};
    m.u.failed.query_id = 42;
    m.u.failed.stage_id = 0;
    m.u.failed.task_idx = 1;
    rt_error_set(&m.u.failed.error, QE_DATA, "22012", 17, "division by zero");
    rt_error_detail(&m.u.failed.error, "Some detail.");
    rt_error_hint(&m.u.failed.error, "Some hint.");
    size_t len;
    uint8_t *frame = encode_msg(&m, &len);
    dist_msg out;
    rt_error err;
    assert_int_equal(parse_and_decode(frame, len, NULL, &out, &err), QE_OK);
    assert_int_equal(out.u.failed.error.status, QE_DATA);
    assert_string_equal(out.u.failed.error.sqlstate, "22012");
    assert_int_equal(out.u.failed.error.position, 17);
    assert_string_equal(out.u.failed.error.message, "division by zero");
    assert_string_equal(out.u.failed.error.detail, "Some detail.");
    assert_string_equal(out.u.failed.error.hint, "Some hint.");
    free(frame);
}

/* TASK_DONE carries the task's figures and its pipelines' (EXPLAIN ANALYZE); every
 * shorter payload is refused. */
static void test_frame_task_done_roundtrip(void **state) {
    uint64_t rows0[3] = {20000, RT_ROWS_UNKNOWN, 19899}, rows1[2] = {7, 7};
    dist_pipe_report pipes[2] = {
        {.stats = {.op_rows = rows0,
                   .wall_ns = 5000000,
                   .morsels_compiled = 10,
                   .n_threads = 2,
                   .ran = true},
         .n_ops = 3,
         .compiled = true},
        {.stats = {.op_rows = rows1,
                   .wall_ns = 1000,
                   .morsels_interpreted = 1,
                   .n_threads = 2,
                   .ran = true},
         .n_ops = 2,
         .fallback = "nothing to compile: the source feeds the sink directly"},
    };
    dist_msg m = {.type = DIST_MSG_TASK_DONE};
    m.u.done.query_id = 5;
    m.u.done.stage_id = 1;
    m.u.done.task_idx = 1;
    m.u.done.stats =
        (rt_task_stats){.rows_out = 7, .peak_memory = 4096, .wall_ns = 6000000, .compile_ns = 9};
    m.u.done.n_pipes = 2;
    m.u.done.pipes = pipes;
    size_t len;
    uint8_t *frame = encode_msg(&m, &len);
    rt_arena *arena = rt_arena_create(NULL);
    dist_msg out;
    rt_error err;
    assert_int_equal(parse_and_decode(frame, len, arena, &out, &err), QE_OK);
    assert_int_equal(out.u.done.task_idx, 1);
    assert_true(out.u.done.stats.wall_ns == 6000000 && out.u.done.stats.rows_out == 7 &&
                out.u.done.stats.compile_ns == 9);
    assert_int_equal(out.u.done.n_pipes, 2);
    const dist_pipe_report *p0 = &out.u.done.pipes[0], *p1 = &out.u.done.pipes[1];
    assert_true(p0->compiled && p0->stats.ran && p0->fallback == NULL);
    assert_int_equal(p0->n_ops, 3);
    assert_true(p0->stats.op_rows[0] == 20000 && p0->stats.op_rows[1] == RT_ROWS_UNKNOWN &&
                p0->stats.op_rows[2] == 19899);
    assert_true(p0->stats.wall_ns == 5000000 && p0->stats.morsels_compiled == 10);
    assert_int_equal(p0->stats.n_threads, 2);
    assert_true(!p1->compiled && p1->stats.morsels_interpreted == 1);
    assert_string_equal(p1->fallback, pipes[1].fallback);
    assert_true(p1->n_ops == 2 && p1->stats.op_rows[1] == 7);
    /* the same payload cut short anywhere: 08P01 */
    dist_frame f;
    size_t used, need;
    assert_int_equal(dist_frame_parse(frame, len, &f, &used, &need, &err), QE_OK);
    for (size_t n = 0; n < f.length; n++) {
        dist_wbuf w;
        dist_wbuf_init(&w);
        dist_frame_begin(&w);
        dist_put_bytes(&w, f.payload, n);
        assert_int_equal(dist_frame_end(&w, DIST_MSG_TASK_DONE, &err), QE_OK);
        qe_status st = parse_and_decode(w.data, w.len, arena, &out, &err);
        assert_int_not_equal(st, QE_OK);
        assert_string_equal(err.sqlstate, "08P01");
        dist_wbuf_free(&w);
    }
    free(frame);
    rt_arena_destroy(arena);
}

static void test_frame_small_messages(void **state) {
    dist_msg msgs[6] = {{.type = DIST_MSG_HEARTBEAT},    {.type = DIST_MSG_REGISTER_ACK},
                        {.type = DIST_MSG_CANCEL_QUERY}, {.type = DIST_MSG_TASK_DONE},
                        {.type = DIST_MSG_DATA_END},     {.type = DIST_MSG_REPLY}};
    msgs[1].u.ack.worker_id = 3;
    msgs[1].u.ack.heartbeat_ms = 500;
    msgs[2].u.query.query_id = 99;
    msgs[3].u.done.stats.rows_written = 12345;
    msgs[4].u.data.exchange_id = 2;
    msgs[4].u.data.producer = 7;
    rt_error_clear(&msgs[5].u.reply.error);
    for (int i = 0; i < 6; i++) {
        size_t len;
        uint8_t *frame = encode_msg(&msgs[i], &len);
        dist_msg out;
        rt_error err;
        assert_int_equal(parse_and_decode(frame, len, NULL, &out, &err), QE_OK);
        assert_int_equal(out.type, msgs[i].type);
        free(frame);
    }
}

static void test_frame_partial_input(void **state) {
    dist_msg m = {.type = DIST_MSG_CANCEL_QUERY};
    m.u.query.query_id = 5;
    size_t len;
    uint8_t *frame = encode_msg(&m, &len);
    for (size_t cut = 0; cut < len; cut++) {
        dist_frame f;
        size_t used = 99, need = 0;
        rt_error err;
        assert_int_equal(dist_frame_parse(frame, cut, &f, &used, &need, &err), QE_OK);
        assert_int_equal(used, 0);
        assert_true(need > cut);
    }
    free(frame);
}

static void expect_frame_error(uint8_t *frame, size_t len, const char *needle) {
    dist_frame f;
    size_t used, need;
    rt_error err;
    rt_error_clear(&err);
    assert_int_equal(dist_frame_parse(frame, len, &f, &used, &need, &err), QE_NETWORK);
    assert_string_equal(err.sqlstate, "08P01");
    assert_non_null(strstr(err.message, needle));
}

static void test_frame_corrupt_header(void **state) {
    dist_msg m = {.type = DIST_MSG_CANCEL_QUERY};
    m.u.query.query_id = 5;
    size_t len;
    uint8_t *frame = encode_msg(&m, &len);
    uint8_t *copy = malloc(len);
    memcpy(copy, frame, len);
    copy[0] = 'X';
    expect_frame_error(copy, len, "bad magic");
    memcpy(copy, frame, len);
    copy[4] = DIST_WIRE_VERSION + 1;
    char version_msg[64];
    snprintf(version_msg, sizeof version_msg, "unsupported protocol version %d",
             DIST_WIRE_VERSION + 1);
    expect_frame_error(copy, len, version_msg);
    memcpy(copy, frame, len);
    copy[6] = 200;
    expect_frame_error(copy, len, "unknown message type 200");
    memcpy(copy, frame, len);
    dist_store_u32(copy + 8, DIST_FRAME_MAX + 1);
    expect_frame_error(copy, len, "exceeds the limit");
    memcpy(copy, frame, len);
    copy[len - 1] ^= 0x40;
    expect_frame_error(copy, len, "checksum mismatch");
    free(copy);
    free(frame);
}

/* A frame with a valid header and checksum around a payload that does not decode. */
static void test_frame_malformed_payload(void **state) {
    uint32_t types[] = {DIST_MSG_REGISTER,  DIST_MSG_SUBMIT_TASK,  DIST_MSG_TASK_FAILED,
                        DIST_MSG_DATA,      DIST_MSG_CREATE_TABLE, DIST_MSG_REGISTER_ACK,
                        DIST_MSG_HEARTBEAT, DIST_MSG_REPLY,        DIST_MSG_DATA_END};
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0x7f, 1, 2, 3};
    rt_arena *arena = rt_arena_create(NULL);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        for (size_t n = 0; n <= sizeof junk; n++) {
            dist_wbuf w;
            dist_wbuf_init(&w);
            dist_frame_begin(&w);
            dist_put_bytes(&w, junk, n);
            rt_error err;
            assert_int_equal(dist_frame_end(&w, types[t], &err), QE_OK);
            dist_msg out;
            qe_status st = parse_and_decode(w.data, w.len, arena, &out, &err);
            /* A heartbeat has no payload: only the empty one decodes. */
            if (types[t] == DIST_MSG_HEARTBEAT && n == 0)
                assert_int_equal(st, QE_OK);
            else if (st != QE_OK)
                assert_string_equal(err.sqlstate, "08P01");
            dist_wbuf_free(&w);
            rt_arena_reset(arena);
        }
    }
    rt_arena_destroy(arena);
}

/* Flipping any bit of any byte of a frame is detected (header checks or checksum). */
static void test_frame_flip_every_byte(void **state) {
    char *eps[] = {"127.0.0.1:7001"};
    dist_route route = {1, 1, eps};
    const uint8_t plan[] = {9, 9, 9};
    dist_msg m = {.type = DIST_MSG_SUBMIT_TASK};
    m.u.submit.query_id = 7;
    m.u.submit.n_tasks = 1;
    m.u.submit.n_threads = 1;
    m.u.submit.plan = plan;
    m.u.submit.plan_len = 3;
    m.u.submit.n_routes = 1;
    m.u.submit.routes = &route;
    size_t len;
    uint8_t *frame = encode_msg(&m, &len);
    rt_arena *arena = rt_arena_create(NULL);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            frame[i] ^= (uint8_t)(1u << bit);
            dist_msg out;
            rt_error err;
            qe_status st = parse_and_decode(frame, len, arena, &out, &err);
            /* Length changes may leave the frame incomplete; everything else fails. */
            assert_int_not_equal(st, QE_OK);
            frame[i] ^= (uint8_t)(1u << bit);
            rt_arena_reset(arena);
        }
    }
    free(frame);
    rt_arena_destroy(arena);
}

/* ---- Arrow IPC ---------------------------------------------------------------------- */

static const qe_type all_types[5] = {QE_TYPE_BOOLEAN, QE_TYPE_INTEGER, QE_TYPE_BIGINT,
                                     QE_TYPE_DOUBLE, QE_TYPE_VARCHAR};

/* n rows: row r has NULLs in column (r % 7) when r % 7 < 5; strings alternate short and
 * long (long ones repeat so zstd has something to compress). */
static rt_batch *make_batch(rt_arena *arena, uint32_t n) {
    rt_batch *b = rt_batch_create(arena, 5, all_types, n ? n : 1);
    assert_non_null(b);
    for (uint32_t r = 0; r < n; r++) {
        for (uint32_t c = 0; c < 5; c++) {
            rt_value v = {.type = all_types[c]};
            char s[96];
            v.is_null = r % 7 == c;
            if (c == 0)
                v.u.b = r % 3 == 0;
            else if (c == 1)
                v.u.i = (int32_t)(r * 2654435761u);
            else if (c == 2)
                v.u.i = (int64_t)r * -1000000007ll;
            else if (c == 3)
                v.u.d = r * 0.25 - 3.5;
            if (c == 4) {
                int len = r % 2 ? snprintf(s, sizeof s, "s%u", r)
                                : snprintf(s, sizeof s,
                                           "a long string value number %u, "
                                           "repeated for compression",
                                           r % 5);
                v.u.s.ptr = s;
                v.u.s.len = (uint32_t)len;
            }
            assert_true(rt_vector_set_value(&b->cols[c], arena, r, b->capacity, &v));
        }
    }
    b->n_rows = n;
    return b;
}

static void assert_same_value(const rt_vector *a, uint32_t ra, const rt_vector *b, uint32_t rb) {
    rt_value va, vb;
    rt_vector_get_value(a, ra, &va);
    rt_vector_get_value(b, rb, &vb);
    assert_int_equal(va.is_null, vb.is_null);
    if (va.is_null)
        return;
    switch (a->type) {
    case QE_TYPE_BOOLEAN: assert_int_equal(va.u.b, vb.u.b); break;
    case QE_TYPE_DOUBLE: assert_true(va.u.d == vb.u.d); break;
    case QE_TYPE_VARCHAR:
        assert_int_equal(va.u.s.len, vb.u.s.len);
        assert_memory_equal(va.u.s.ptr, vb.u.s.ptr, va.u.s.len);
        break;
    default: assert_true(va.u.i == vb.u.i);
    }
}

static void roundtrip_rows(rt_batch *src, uint32_t start, uint32_t n, bool compress) {
    ZSTD_CCtx *cctx = compress ? ZSTD_createCCtx() : NULL;
    dist_wbuf w;
    dist_wbuf_init(&w);
    rt_error err;
    ok(dist_ipc_encode_batch(src, start, n, cctx, &w, &err), &err);
    ZSTD_freeCCtx(cctx);
    assert_int_equal(dist_load_u32(w.data), 0xFFFFFFFFu);
    assert_int_equal((8 + dist_load_u32(w.data + 4)) % 8, 0);
    dist_ipc_kind kind;
    ok(dist_ipc_peek_kind(w.data, w.len, &kind, &err), &err);
    assert_int_equal(kind, DIST_IPC_RECORD_BATCH);
    rt_arena *arena = rt_arena_create(NULL);
    rt_batch *out = NULL;
    assert_int_equal(dist_ipc_decode_batch(w.data, w.len, 5, all_types, NULL, arena, &out, &err),
                     QE_OK);
    dist_wbuf_free(&w);
    assert_int_equal(out->n_rows, n);
    assert_null(out->sel);
    for (uint32_t c = 0; c < 5; c++)
        for (uint32_t r = 0; r < n; r++)
            assert_same_value(&src->cols[c], start + r, &out->cols[c], r);
    rt_arena_destroy(arena);
}

static void test_ipc_roundtrip(void **state) {
    rt_arena *arena = rt_arena_create(NULL);
    rt_batch *b = make_batch(arena, 1000);
    roundtrip_rows(b, 0, 1000, true);
    roundtrip_rows(b, 0, 1000, false);
    roundtrip_rows(b, 8, 13, true); /* a slice */
    roundtrip_rows(b, 992, 8, false);
    roundtrip_rows(b, 0, 0, true); /* empty */
    rt_batch *one = make_batch(arena, 1);
    roundtrip_rows(one, 0, 1, true);
    rt_arena_destroy(arena);
}

static void test_ipc_compresses(void **state) {
    rt_arena *arena = rt_arena_create(NULL);
    qe_type t = QE_TYPE_BIGINT;
    rt_batch *b = rt_batch_create(arena, 1, &t, RT_VECTOR_SIZE);
    memset(b->cols[0].values, 0, RT_VECTOR_SIZE * 8);
    b->n_rows = RT_VECTOR_SIZE;
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    dist_wbuf w;
    dist_wbuf_init(&w);
    rt_error err;
    ok(dist_ipc_encode_batch(b, 0, b->n_rows, cctx, &w, &err), &err);
    assert_true(w.len < RT_VECTOR_SIZE * 8 / 10);
    rt_batch *out;
    ok(dist_ipc_decode_batch(w.data, w.len, 1, &t, NULL, arena, &out, &err), &err);
    assert_int_equal(out->n_rows, RT_VECTOR_SIZE);
    dist_wbuf_free(&w);
    ZSTD_freeCCtx(cctx);
    rt_arena_destroy(arena);
}

static void test_ipc_schema(void **state) {
    dist_wbuf w;
    dist_wbuf_init(&w);
    rt_error err;
    ok(dist_ipc_encode_schema(5, all_types, &w, &err), &err);
    dist_ipc_kind kind;
    ok(dist_ipc_peek_kind(w.data, w.len, &kind, &err), &err);
    assert_int_equal(kind, DIST_IPC_SCHEMA);
    ok(dist_ipc_check_schema(w.data, w.len, 5, all_types, &err), &err);
    qe_type wrong[5] = {QE_TYPE_BOOLEAN, QE_TYPE_BIGINT, QE_TYPE_BIGINT, QE_TYPE_DOUBLE,
                        QE_TYPE_VARCHAR};
    assert_int_equal(dist_ipc_check_schema(w.data, w.len, 5, wrong, &err), QE_NETWORK);
    assert_non_null(strstr(err.message, "column 1 is not BIGINT"));
    assert_int_equal(dist_ipc_check_schema(w.data, w.len, 4, all_types, &err), QE_NETWORK);
    dist_wbuf_free(&w);
    /* every value type maps to an Arrow type and back */
    qe_type wide[] = {QE_TYPE_SMALLINT, QE_TYPE_HUGEINT,   QE_TYPE_DECIMAL, QE_TYPE_REAL,
                      QE_TYPE_DATE,     QE_TYPE_TIMESTAMP, QE_TYPE_INTERVAL};
    ok(dist_ipc_encode_schema(7, wide, &w, &err), &err);
    ok(dist_ipc_check_schema(w.data, w.len, 7, wide, &err), &err);
    dist_wbuf_free(&w);
    qe_type null_type = QE_TYPE_NULL;
    assert_int_equal(dist_ipc_encode_schema(1, &null_type, &w, &err), QE_UNSUPPORTED);
    assert_string_equal(err.sqlstate, "0A000");
    dist_wbuf_free(&w);
}

/* DECIMAL (128-bit), INTERVAL (micros <-> Arrow's nanos) and DATE values survive a
 * round trip. */
static void test_ipc_wide_values(void **state) {
    (void)state;
    rt_arena *arena = rt_arena_create(NULL);
    qe_type t[3] = {QE_TYPE_DECIMAL, QE_TYPE_INTERVAL, QE_TYPE_DATE};
    rt_batch *b = rt_batch_create(arena, 3, t, 4);
    for (uint32_t r = 0; r < 4; r++) {
        rt_value d = {.type = QE_TYPE_DECIMAL}, iv = {.type = QE_TYPE_INTERVAL};
        rt_value dt = {.type = QE_TYPE_DATE};
        d.u.h = ((rt_i128)1 << 100) * (r % 2 ? -1 : 1) + r;
        iv.u.iv.months = (int32_t)r;
        iv.u.iv.days = -3;
        iv.u.iv.micros = 86399999999LL - r;
        dt.u.i = -719162 + r;
        assert_true(rt_vector_set_value(&b->cols[0], arena, r, 4, &d));
        assert_true(rt_vector_set_value(&b->cols[1], arena, r, 4, &iv));
        assert_true(rt_vector_set_value(&b->cols[2], arena, r, 4, &dt));
    }
    b->n_rows = 4;
    dist_wbuf w;
    dist_wbuf_init(&w);
    rt_error err;
    ok(dist_ipc_encode_batch(b, 0, 4, NULL, &w, &err), &err);
    rt_batch *out;
    ok(dist_ipc_decode_batch(w.data, w.len, 3, t, NULL, arena, &out, &err), &err);
    assert_int_equal(out->n_rows, 4);
    for (uint32_t c = 0; c < 3; c++)
        assert_memory_equal(out->cols[c].values, b->cols[c].values, 4 * rt_type_width(t[c]));
    dist_wbuf_free(&w);
    rt_arena_destroy(arena);
}

/* Decoding a damaged message must fail cleanly or yield a well-formed batch. */
static void decode_damaged(const uint8_t *buf, size_t len, rt_arena *arena) {
    rt_batch *out = NULL;
    rt_error err;
    qe_status st = dist_ipc_decode_batch(buf, len, 5, all_types, NULL, arena, &out, &err);
    if (st != QE_OK) {
        assert_null(out);
        assert_true(err.message[0] != '\0');
        return;
    }
    /* Touch every value: ASan would catch a bad view. */
    for (uint32_t c = 0; c < 5; c++)
        for (uint32_t r = 0; r < out->n_rows; r++) {
            rt_value v;
            rt_vector_get_value(&out->cols[c], r, &v);
            volatile unsigned sum = 0;
            for (uint32_t k = 0; !v.is_null && v.type == QE_TYPE_VARCHAR && k < v.u.s.len; k++)
                sum += (unsigned char)v.u.s.ptr[k];
        }
    rt_arena_reset(arena);
}

static void damage_every_byte(bool compress) {
    rt_arena *arena = rt_arena_create(NULL);
    rt_batch *b = make_batch(arena, 40);
    ZSTD_CCtx *cctx = compress ? ZSTD_createCCtx() : NULL;
    dist_wbuf w;
    dist_wbuf_init(&w);
    rt_error err;
    ok(dist_ipc_encode_batch(b, 0, 40, cctx, &w, &err), &err);
    ZSTD_freeCCtx(cctx);
    rt_arena *scratch = rt_arena_create(NULL);
    uint8_t *copy = malloc(w.len);
    for (size_t i = 0; i < w.len; i++) {
        static const uint8_t flips[] = {0x01, 0x80, 0xff};
        for (int f = 0; f < 3; f++) {
            memcpy(copy, w.data, w.len);
            copy[i] ^= flips[f];
            decode_damaged(copy, w.len, scratch);
        }
    }
    for (size_t cut = 0; cut < w.len; cut++) {
        uint8_t *trunc = malloc(cut ? cut : 1);
        memcpy(trunc, w.data, cut);
        decode_damaged(trunc, cut, scratch);
        free(trunc);
    }
    free(copy);
    dist_wbuf_free(&w);
    rt_arena_destroy(scratch);
    rt_arena_destroy(arena);
}

static void test_ipc_corrupt_uncompressed(void **state) { damage_every_byte(false); }
static void test_ipc_corrupt_compressed(void **state) { damage_every_byte(true); }

static void test_ipc_wrong_kind(void **state) {
    dist_wbuf w;
    dist_wbuf_init(&w);
    rt_error err;
    ok(dist_ipc_encode_schema(5, all_types, &w, &err), &err);
    rt_arena *arena = rt_arena_create(NULL);
    rt_batch *out;
    assert_int_equal(dist_ipc_decode_batch(w.data, w.len, 5, all_types, NULL, arena, &out, &err),
                     QE_NETWORK);
    assert_non_null(strstr(err.message, "expected a RecordBatch"));
    const uint8_t garbage[16] = {1, 2, 3};
    assert_int_equal(dist_ipc_decode_batch(garbage, 16, 5, all_types, NULL, arena, &out, &err),
                     QE_NETWORK);
    assert_non_null(strstr(err.message, "continuation"));
    dist_wbuf_free(&w);
    rt_arena_destroy(arena);
}

/* ---- plan serialization ------------------------------------------------------------- */

typedef struct pb {
    rt_arena *arena;
} pb;

static void *pb_alloc(pb *p, size_t n) {
    void *m = rt_arena_calloc(p->arena, n ? n : 1);
    assert_non_null(m);
    return m;
}

static plan_expr *pcol(pb *p, uint32_t i, qe_type t) {
    plan_expr *e = pb_alloc(p, sizeof *e);
    e->kind = PLAN_EXPR_COLUMN;
    e->type = t;
    e->position = -1;
    e->u.column = i;
    return e;
}

static plan_expr *pconst(pb *p, int64_t v, qe_type t, int pos) {
    plan_expr *e = pb_alloc(p, sizeof *e);
    e->kind = PLAN_EXPR_CONST;
    e->type = t;
    e->position = pos;
    e->u.value.type = t;
    e->u.value.u.i = v;
    return e;
}

static plan_op *pop(pb *p, plan_phys_kind kind, uint32_t n_cols, const qe_type *types) {
    plan_op *op = pb_alloc(p, sizeof *op);
    op->kind = kind;
    op->n_cols = n_cols;
    op->types = pb_alloc(p, n_cols * sizeof(qe_type));
    memcpy(op->types, types, n_cols * sizeof(qe_type));
    return op;
}

static plan_pipeline *ppipe(pb *p, uint32_t id, uint32_t n, plan_op **ops, bool ordered) {
    plan_pipeline *pl = pb_alloc(p, sizeof *pl);
    pl->id = id;
    pl->n_ops = n;
    pl->ops = pb_alloc(p, n * sizeof(plan_op *));
    memcpy(pl->ops, ops, n * sizeof(plan_op *));
    pl->ordered = ordered;
    return pl;
}

static plan_stage *pstage(pb *p, uint32_t id, plan_dist dist, uint32_t n_states, plan_pipeline *a,
                          plan_pipeline *b) {
    plan_stage *s = pb_alloc(p, sizeof *s);
    s->id = id;
    s->dist = dist;
    s->n_states = n_states;
    s->n_pipelines = 2;
    s->pipelines = pb_alloc(p, 2 * sizeof(plan_pipeline *));
    s->pipelines[0] = a;
    s->pipelines[1] = b;
    return s;
}

/* Aggregation operator (sink or source) of the skeleton query. */
static plan_op *pagg(pb *p, plan_phys_kind kind, plan_agg_phase phase, uint32_t n_cols,
                     const qe_type *types) {
    plan_op *op = pop(p, kind, n_cols, types);
    op->u.agg.phase = phase;
    op->u.agg.n_groups = 1;
    op->u.agg.groups = pb_alloc(p, sizeof(plan_expr *));
    op->u.agg.groups[0] = pcol(p, 0, QE_TYPE_INTEGER);
    op->u.agg.n_aggs = 2;
    op->u.agg.aggs = pb_alloc(p, 2 * sizeof(plan_agg));
    op->u.agg.aggs[0] =
        (plan_agg){.fn = PLAN_AGG_COUNT_STAR, .type = QE_TYPE_BIGINT, .state_type = QE_TYPE_BIGINT};
    op->u.agg.aggs[1] = (plan_agg){.fn = PLAN_AGG_SUM,
                                   .type = QE_TYPE_BIGINT,
                                   .state_type = QE_TYPE_BIGINT,
                                   .arg = pcol(p, 1, QE_TYPE_BIGINT)};
    if (phase == PLAN_AGG_FINAL) {
        op->u.agg.aggs[0].arg = pcol(p, 1, QE_TYPE_BIGINT);
        op->u.agg.aggs[0].n_column = 2;
        op->u.agg.aggs[1].arg = pcol(p, 3, QE_TYPE_BIGINT);
        op->u.agg.aggs[1].n_column = 4;
    }
    return op;
}

/* The skeleton query's staged plan (common brief), built by hand. */
static plan_query *skeleton_plan(pb *p) {
    static const qe_type ab[] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT};
    static const qe_type partial[] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT, QE_TYPE_BIGINT,
                                      QE_TYPE_BIGINT, QE_TYPE_BIGINT};
    static const qe_type final[] = {QE_TYPE_INTEGER, QE_TYPE_BIGINT, QE_TYPE_BIGINT};
    plan_op *scan = pop(p, PLAN_PHYS_SCAN, 2, ab);
    scan->u.scan.table = "t";
    scan->u.scan.col_idx = pb_alloc(p, 2 * sizeof(uint32_t));
    scan->u.scan.col_idx[1] = 1;
    scan->u.scan.col_names = pb_alloc(p, 2 * sizeof(char *));
    scan->u.scan.col_names[0] = "a";
    scan->u.scan.col_names[1] = "b";
    plan_op *filter = pop(p, PLAN_PHYS_FILTER, 2, ab);
    plan_expr *gt = pb_alloc(p, sizeof *gt);
    gt->kind = PLAN_EXPR_OP;
    gt->type = QE_TYPE_BOOLEAN;
    gt->position = 44;
    gt->u.op.op = PLAN_OP_GT;
    gt->u.op.args[0] = pcol(p, 1, QE_TYPE_BIGINT);
    gt->u.op.args[1] = pconst(p, 10, QE_TYPE_BIGINT, 48);
    filter->u.filter.pred = gt;
    scan->u.scan.n_filters = 2;
    scan->u.scan.filters = pb_alloc(p, 2 * sizeof(plan_scan_filter));
    scan->u.scan.filters[0] = (plan_scan_filter){1, PLAN_SCAN_CMP_GT, gt->u.op.args[1]};
    scan->u.scan.filters[1] = (plan_scan_filter){0, PLAN_SCAN_CMP_IS_NULL, NULL};
    plan_op *proj = pop(p, PLAN_PHYS_PROJECT, 2, ab);
    proj->u.project.exprs = pb_alloc(p, 2 * sizeof(plan_expr *));
    proj->u.project.exprs[0] = pcol(p, 0, QE_TYPE_INTEGER);
    proj->u.project.exprs[1] = pcol(p, 1, QE_TYPE_BIGINT);
    plan_op *s0p0[] = {scan, filter, proj, pagg(p, PLAN_PHYS_AGG_SINK, PLAN_AGG_PARTIAL, 2, ab)};
    plan_op *x0 = pop(p, PLAN_PHYS_EXCHANGE_SINK, 5, partial);
    plan_op *s0p1[] = {pagg(p, PLAN_PHYS_AGG_SOURCE, PLAN_AGG_PARTIAL, 5, partial), x0};
    plan_op *src0 = pop(p, PLAN_PHYS_EXCHANGE_SOURCE, 5, partial);
    plan_op *s1p0[] = {src0, pagg(p, PLAN_PHYS_AGG_SINK, PLAN_AGG_FINAL, 5, partial)};
    plan_op *x1 = pop(p, PLAN_PHYS_EXCHANGE_SINK, 3, final);
    x1->u.exchange_sink.exchange_id = 1;
    plan_op *s1p1[] = {pagg(p, PLAN_PHYS_AGG_SOURCE, PLAN_AGG_FINAL, 3, final), x1};
    plan_op *src1 = pop(p, PLAN_PHYS_EXCHANGE_SOURCE, 3, final);
    src1->u.exchange_source.exchange_id = 1;
    plan_op *sort = pop(p, PLAN_PHYS_SORT_SINK, 3, final);
    sort->u.sort.n_keys = 1;
    sort->u.sort.keys = pb_alloc(p, sizeof(plan_sort_key));
    sort->u.sort.keys[0].expr = pcol(p, 0, QE_TYPE_INTEGER);
    plan_op *s2p0[] = {src1, sort};
    plan_op *ssrc = pop(p, PLAN_PHYS_SORT_SOURCE, 3, final);
    ssrc->u.sort = sort->u.sort;
    plan_op *res = pop(p, PLAN_PHYS_RESULT_SINK, 3, final);
    res->u.result.names = pb_alloc(p, 3 * sizeof(char *));
    res->u.result.names[0] = "a";
    res->u.result.names[1] = "count_star()";
    res->u.result.names[2] = "sum(b)";
    plan_op *s2p1[] = {ssrc, res};
    plan_query *q = pb_alloc(p, sizeof *q);
    q->n_stages = 3;
    q->stages = pb_alloc(p, 3 * sizeof(plan_stage *));
    q->stages[0] = pstage(p, 0, PLAN_DIST_PARTITIONED, 1, ppipe(p, 0, 4, s0p0, false),
                          ppipe(p, 1, 2, s0p1, false));
    q->stages[1] = pstage(p, 1, PLAN_DIST_PARTITIONED, 1, ppipe(p, 0, 2, s1p0, false),
                          ppipe(p, 1, 2, s1p1, false));
    q->stages[2] =
        pstage(p, 2, PLAN_DIST_SINGLE, 1, ppipe(p, 0, 2, s2p0, false), ppipe(p, 1, 2, s2p1, true));
    q->n_exchanges = 2;
    q->exchanges = pb_alloc(p, 2 * sizeof(plan_exchange));
    uint32_t *key = pb_alloc(p, sizeof(uint32_t));
    q->exchanges[0] = (plan_exchange){0, PLAN_EXCHANGE_HASH, 0, 1, 1, key, 5, (qe_type *)partial};
    q->exchanges[1] = (plan_exchange){1, PLAN_EXCHANGE_GATHER, 1, 2, 0, NULL, 3, (qe_type *) final};
    q->n_cols = 3;
    q->types = (qe_type *) final;
    q->names = res->u.result.names;
    return q;
}

static void test_plan_roundtrip(void **state) {
    pb p = {rt_arena_create(NULL)};
    plan_query *q = skeleton_plan(&p);
    uint8_t *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0;
    rt_error err;
    ok(opt_plan_serialize(q, &buf, &len, &err), &err);
    assert_memory_equal(buf, "QEPL", 4);
    rt_arena *arena = rt_arena_create(NULL);
    plan_query *out = NULL;
    ok(opt_plan_deserialize(arena, buf, len, &out, &err), &err);
    assert_int_equal(out->n_stages, 3);
    assert_int_equal(out->n_exchanges, 2);
    assert_int_equal(out->exchanges[0].kind, PLAN_EXCHANGE_HASH);
    assert_int_equal(out->stages[2]->dist, PLAN_DIST_SINGLE);
    assert_true(out->stages[2]->pipelines[1]->ordered);
    const plan_op *f = out->stages[0]->pipelines[0]->ops[1];
    assert_int_equal(f->kind, PLAN_PHYS_FILTER);
    assert_int_equal(f->u.filter.pred->u.op.op, PLAN_OP_GT);
    assert_int_equal(f->u.filter.pred->position, 44);
    assert_true(f->u.filter.pred->u.op.args[1]->u.value.u.i == 10);
    assert_string_equal(out->stages[0]->pipelines[0]->ops[0]->u.scan.table, "t");
    const plan_op *scan = out->stages[0]->pipelines[0]->ops[0];
    assert_int_equal(scan->u.scan.n_filters, 2);
    assert_int_equal(scan->u.scan.filters[0].column, 1);
    assert_int_equal(scan->u.scan.filters[0].op, PLAN_SCAN_CMP_GT);
    assert_true(scan->u.scan.filters[0].value->u.value.u.i == 10);
    assert_int_equal(scan->u.scan.filters[1].op, PLAN_SCAN_CMP_IS_NULL);
    assert_null(scan->u.scan.filters[1].value);
    assert_string_equal(out->stages[0]->pipelines[0]->ops[0]->u.scan.col_names[1], "b");
    assert_string_equal(out->names[2], "sum(b)");
    assert_null(out->stages[0]->pipelines[0]->ops[3]->u.agg.aggs[0].arg);
    ok(opt_plan_serialize(out, &buf2, &len2, &err), &err);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    free(buf);
    free(buf2);
    rt_arena_destroy(arena);
    rt_arena_destroy(p.arena);
}

static void test_plan_values_and_strings(void **state) {
    pb p = {rt_arena_create(NULL)};
    static const qe_type tv[] = {QE_TYPE_VARCHAR, QE_TYPE_DOUBLE, QE_TYPE_BOOLEAN};
    plan_op *values = pop(&p, PLAN_PHYS_VALUES, 3, tv);
    values->u.values.n_rows = 2;
    values->u.values.rows = pb_alloc(&p, 6 * sizeof(plan_expr *));
    for (int i = 0; i < 6; i++) {
        plan_expr *e = pconst(&p, 0, tv[i % 3], i);
        if (tv[i % 3] == QE_TYPE_VARCHAR) {
            e->u.value.u.s.ptr = i ? "a much longer string with\0 a NUL" : "x";
            e->u.value.u.s.len = i ? 32 : 1;
        } else if (tv[i % 3] == QE_TYPE_DOUBLE) {
            e->u.value.u.d = -0.125;
        } else {
            e->u.value.is_null = i == 5;
            e->u.value.u.b = true;
        }
        values->u.values.rows[i] = e;
    }
    plan_op *res = pop(&p, PLAN_PHYS_RESULT_SINK, 3, tv);
    plan_op *ops[] = {values, res};
    plan_query *q = pb_alloc(&p, sizeof *q);
    plan_pipeline *pl = ppipe(&p, 0, 2, ops, false);
    plan_stage *s = pb_alloc(&p, sizeof *s);
    s->dist = PLAN_DIST_SINGLE;
    s->n_pipelines = 1;
    s->pipelines = &pl;
    q->n_stages = 1;
    q->stages = &s;
    uint8_t *buf;
    size_t len;
    rt_error err;
    ok(opt_plan_serialize(q, &buf, &len, &err), &err);
    rt_arena *arena = rt_arena_create(NULL);
    plan_query *out;
    ok(opt_plan_deserialize(arena, buf, len, &out, &err), &err);
    const plan_op *v = out->stages[0]->pipelines[0]->ops[0];
    assert_int_equal(v->u.values.rows[3]->u.value.u.s.len, 32);
    assert_memory_equal(v->u.values.rows[3]->u.value.u.s.ptr, "a much longer string with\0 a NUL",
                        32);
    assert_true(v->u.values.rows[4]->u.value.u.d == -0.125);
    assert_true(v->u.values.rows[5]->u.value.is_null);
    assert_null(out->stages[0]->pipelines[0]->ops[1]->u.result.names[0]);
    free(buf);
    rt_arena_destroy(arena);
    rt_arena_destroy(p.arena);
}

/* Rewrites the header checksum so damage reaches the body decoder. */
static void fix_checksum(uint8_t *buf, size_t len) {
    dist_store_u64(buf + 16, XXH64(buf + 24, len - 24, 0));
}

static void test_plan_corrupt(void **state) {
    pb p = {rt_arena_create(NULL)};
    uint8_t *buf;
    size_t len;
    rt_error err;
    ok(opt_plan_serialize(skeleton_plan(&p), &buf, &len, &err), &err);
    rt_arena *arena = rt_arena_create(NULL);
    uint8_t *copy = malloc(len);
    plan_query *out;
    for (size_t i = 0; i < len; i++) { /* any flip: an error (checksum or header) */
        memcpy(copy, buf, len);
        copy[i] ^= 0x10;
        assert_int_not_equal(opt_plan_deserialize(arena, copy, len, &out, &err), QE_OK);
        assert_null(out);
        assert_true(strcmp(err.sqlstate, "XX001") == 0);
        rt_arena_reset(arena);
    }
    for (size_t cut = 0; cut < len; cut++) { /* truncation */
        assert_int_not_equal(opt_plan_deserialize(arena, buf, cut, &out, &err), QE_OK);
        rt_arena_reset(arena);
    }
    for (size_t i = 24; i < len; i++) { /* forged bodies: never a crash */
        static const uint8_t flips[] = {0x01, 0x80, 0xff};
        for (int f = 0; f < 3; f++) {
            memcpy(copy, buf, len);
            copy[i] ^= flips[f];
            fix_checksum(copy, len);
            if (opt_plan_deserialize(arena, copy, len, &out, &err) != QE_OK)
                assert_string_equal(err.sqlstate, "XX001");
            rt_arena_reset(arena);
        }
    }
    free(copy);
    free(buf);
    rt_arena_destroy(arena);
    rt_arena_destroy(p.arena);
}

/* FUNC and CASE expressions round-trip; forged bodies never crash the decoder. */
static void test_plan_func_case(void **state) {
    pb p = {rt_arena_create(NULL)};
    static const qe_type tv[] = {QE_TYPE_VARCHAR, QE_TYPE_INTEGER};
    plan_op *values = pop(&p, PLAN_PHYS_VALUES, 2, tv);
    values->u.values.n_rows = 1;
    values->u.values.rows = pb_alloc(&p, 2 * sizeof(plan_expr *));
    values->u.values.rows[0] = pconst(&p, 0, QE_TYPE_VARCHAR, 1);
    values->u.values.rows[0]->u.value.u.s.ptr = "abc";
    values->u.values.rows[0]->u.value.u.s.len = 3;
    values->u.values.rows[1] = pconst(&p, 5, QE_TYPE_INTEGER, 2);
    plan_expr *up = pb_alloc(&p, sizeof *up);
    up->kind = PLAN_EXPR_FUNC;
    up->type = QE_TYPE_VARCHAR;
    up->position = 7;
    up->u.func.fn = PLAN_FUNC_ID_UPPER;
    up->u.func.n_args = 1;
    up->u.func.args = pb_alloc(&p, sizeof(plan_expr *));
    up->u.func.args[0] = pcol(&p, 0, QE_TYPE_VARCHAR);
    plan_expr *gt = pb_alloc(&p, sizeof *gt);
    gt->kind = PLAN_EXPR_OP;
    gt->type = QE_TYPE_BOOLEAN;
    gt->u.op.op = PLAN_OP_GT;
    gt->u.op.args[0] = pcol(&p, 1, QE_TYPE_INTEGER);
    gt->u.op.args[1] = pconst(&p, 3, QE_TYPE_INTEGER, 9);
    plan_expr *cs = pb_alloc(&p, sizeof *cs);
    cs->kind = PLAN_EXPR_CASE;
    cs->type = QE_TYPE_INTEGER;
    cs->position = 11;
    cs->u.case_.n_whens = 1;
    cs->u.case_.whens = pb_alloc(&p, sizeof(plan_expr *));
    cs->u.case_.thens = pb_alloc(&p, sizeof(plan_expr *));
    cs->u.case_.whens[0] = gt;
    cs->u.case_.thens[0] = pcol(&p, 1, QE_TYPE_INTEGER);
    cs->u.case_.else_expr = pconst(&p, 0, QE_TYPE_INTEGER, 12);
    plan_op *proj = pop(&p, PLAN_PHYS_PROJECT, 2, tv);
    proj->u.project.exprs = pb_alloc(&p, 2 * sizeof(plan_expr *));
    proj->u.project.exprs[0] = up;
    proj->u.project.exprs[1] = cs;
    plan_op *res = pop(&p, PLAN_PHYS_RESULT_SINK, 2, tv);
    plan_op *ops[] = {values, proj, res};
    plan_query *q = pb_alloc(&p, sizeof *q);
    plan_pipeline *pl = ppipe(&p, 0, 3, ops, false);
    plan_stage *st = pb_alloc(&p, sizeof *st);
    st->dist = PLAN_DIST_SINGLE;
    st->n_pipelines = 1;
    st->pipelines = &pl;
    q->n_stages = 1;
    q->stages = &st;
    uint8_t *buf, *buf2;
    size_t len, len2;
    rt_error err;
    ok(opt_plan_serialize(q, &buf, &len, &err), &err);
    rt_arena *arena = rt_arena_create(NULL);
    plan_query *out;
    ok(opt_plan_deserialize(arena, buf, len, &out, &err), &err);
    const plan_op *pr = out->stages[0]->pipelines[0]->ops[1];
    assert_int_equal(pr->u.project.exprs[0]->kind, PLAN_EXPR_FUNC);
    assert_int_equal(pr->u.project.exprs[0]->u.func.fn, PLAN_FUNC_ID_UPPER);
    assert_int_equal(pr->u.project.exprs[0]->u.func.n_args, 1);
    assert_int_equal(pr->u.project.exprs[1]->kind, PLAN_EXPR_CASE);
    assert_int_equal(pr->u.project.exprs[1]->u.case_.whens[0]->u.op.op, PLAN_OP_GT);
    assert_int_equal(pr->u.project.exprs[1]->u.case_.else_expr->position, 12);
    ok(opt_plan_serialize(out, &buf2, &len2, &err), &err);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    free(buf2);
    uint8_t *copy = malloc(len);
    for (size_t i = 24; i < len; i++) { /* forged bodies: an error or a plan, no crash */
        static const uint8_t flips[] = {0x01, 0x80, 0xff};
        for (int f = 0; f < 3; f++) {
            memcpy(copy, buf, len);
            copy[i] ^= flips[f];
            fix_checksum(copy, len);
            rt_arena_reset(arena);
            if (opt_plan_deserialize(arena, copy, len, &out, &err) != QE_OK)
                assert_true(strcmp(err.sqlstate, "XX001") == 0 ||
                            strcmp(err.sqlstate, "XX000") == 0);
        }
    }
    free(copy);
    free(buf);
    rt_arena_destroy(arena);
    rt_arena_destroy(p.arena);
}

static void test_plan_forged_references(void **state) {
    pb p = {rt_arena_create(NULL)};
    plan_query *q = skeleton_plan(&p);
    q->stages[0]->pipelines[1]->ops[1]->u.exchange_sink.exchange_id = 9;
    uint8_t *buf;
    size_t len;
    rt_error err;
    ok(opt_plan_serialize(q, &buf, &len, &err), &err);
    rt_arena *arena = rt_arena_create(NULL);
    plan_query *out;
    assert_int_equal(opt_plan_deserialize(arena, buf, len, &out, &err), QE_INTERNAL);
    assert_non_null(strstr(err.message, "exchange sink"));
    free(buf);
    q->stages[0]->pipelines[1]->ops[1]->u.exchange_sink.exchange_id = 0;
    q->stages[0]->pipelines[0]->ops[1]->u.filter.pred->u.op.args[0]->u.column = 2;
    ok(opt_plan_serialize(q, &buf, &len, &err), &err);
    assert_int_equal(opt_plan_deserialize(arena, buf, len, &out, &err), QE_INTERNAL);
    assert_non_null(strstr(err.message, "column reference out of range"));
    free(buf);
    q->stages[0]->pipelines[0]->ops[1]->u.filter.pred->u.op.args[0]->u.column = 1;
    plan_scan_filter *sf = q->stages[0]->pipelines[0]->ops[0]->u.scan.filters;
    sf[0].column = 2; /* no such scan column */
    ok(opt_plan_serialize(q, &buf, &len, &err), &err);
    assert_int_equal(opt_plan_deserialize(arena, buf, len, &out, &err), QE_INTERNAL);
    assert_non_null(strstr(err.message, "invalid scan filter"));
    free(buf);
    sf[0].column = 0; /* a BIGINT constant for the INTEGER column */
    ok(opt_plan_serialize(q, &buf, &len, &err), &err);
    assert_int_equal(opt_plan_deserialize(arena, buf, len, &out, &err), QE_INTERNAL);
    assert_non_null(strstr(err.message, "invalid scan filter"));
    free(buf);
    sf[0].column = 1;
    sf[1].value = sf[0].value; /* IS NULL with a constant */
    ok(opt_plan_serialize(q, &buf, &len, &err), &err);
    assert_int_equal(opt_plan_deserialize(arena, buf, len, &out, &err), QE_INTERNAL);
    assert_non_null(strstr(err.message, "invalid scan filter"));
    free(buf);
    sf[1].value = NULL;
    plan_pipeline *pl = q->stages[1]->pipelines[0];
    plan_op *tmp = pl->ops[0];
    pl->ops[0] = pl->ops[1];
    pl->ops[1] = tmp;
    ok(opt_plan_serialize(q, &buf, &len, &err), &err);
    assert_int_equal(opt_plan_deserialize(arena, buf, len, &out, &err), QE_INTERNAL);
    assert_non_null(strstr(err.message, "wrong place"));
    free(buf);
    rt_arena_destroy(arena);
    rt_arena_destroy(p.arena);
}

/* A deeply nested expression is refused on both sides instead of exhausting the stack. */
static void test_plan_deep_expression(void **state) {
    pb p = {rt_arena_create(NULL)};
    plan_query *q = skeleton_plan(&p);
    plan_expr *e = pcol(&p, 0, QE_TYPE_INTEGER);
    for (int i = 0; i < 5000; i++) {
        plan_expr *n = pb_alloc(&p, sizeof *n);
        n->kind = PLAN_EXPR_OP;
        n->type = QE_TYPE_INTEGER;
        n->u.op.op = PLAN_OP_NEG;
        n->u.op.args[0] = e;
        e = n;
    }
    q->stages[0]->pipelines[0]->ops[2]->u.project.exprs[0] = e;
    uint8_t *buf;
    size_t len;
    rt_error err;
    assert_int_equal(opt_plan_serialize(q, &buf, &len, &err), QE_UNSUPPORTED);
    assert_non_null(strstr(err.message, "nested too deeply"));
    rt_arena_destroy(p.arena);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_register_roundtrip),
        cmocka_unit_test(test_frame_submit_roundtrip),
        cmocka_unit_test(test_frame_error_roundtrip),
        cmocka_unit_test(test_frame_task_done_roundtrip),
        cmocka_unit_test(test_frame_small_messages),
        cmocka_unit_test(test_frame_partial_input),
        cmocka_unit_test(test_frame_corrupt_header),
        cmocka_unit_test(test_frame_malformed_payload),
        cmocka_unit_test(test_frame_flip_every_byte),
        cmocka_unit_test(test_ipc_roundtrip),
        cmocka_unit_test(test_ipc_compresses),
        cmocka_unit_test(test_ipc_schema),
        cmocka_unit_test(test_ipc_wide_values),
        cmocka_unit_test(test_ipc_corrupt_uncompressed),
        cmocka_unit_test(test_ipc_corrupt_compressed),
        cmocka_unit_test(test_ipc_wrong_kind),
        cmocka_unit_test(test_plan_roundtrip),
        cmocka_unit_test(test_plan_values_and_strings),
        cmocka_unit_test(test_plan_corrupt),
        cmocka_unit_test(test_plan_func_case),
        cmocka_unit_test(test_plan_forged_references),
        cmocka_unit_test(test_plan_deep_expression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
