/*
 * test_dist_cluster.c -- an in-process cluster: a coordinator and worker services on
 * threads of this process, talking TCP on 127.0.0.1 with the real runtime.
 *
 * Plans are built by hand: a shuffle (VALUES -> HASH exchange -> worker stage ->
 * GATHER -> SINGLE stage -> result), an INSERT distributed round-robin and a SCAN of
 * the workers' partitions.  Failure tests use a fake worker written with plain
 * sockets: it registers and heartbeats like a real one, then goes silent or hangs up
 * when it receives a task, so the coordinator must fail the query with 08006 "worker
 * ... is unreachable" within the heartbeat timeout, and the surviving real worker
 * must still serve the next query.  Garbage sent to the coordinator closes only that
 * connection; user cancellation and worker-side errors reach the caller whole.
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

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define MAX_WORKERS 4

static uint64_t now_ms(void) { return uv_hrtime() / 1000000; }

static void ok(qe_status st, const rt_error *err) {
    if (st != QE_OK)
        print_error("unexpected error %d: %s (%s)\n", (int)st, err->message, err->detail);
    assert_int_equal(st, QE_OK);
}

/* ---- the cluster -------------------------------------------------------------------- */

typedef struct cluster {
    dist_coordinator *co;
    int n_workers;
    pthread_t threads[MAX_WORKERS];
    dist_worker_opts opts[MAX_WORKERS];
} cluster;

static void *worker_main(void *arg) {
    rt_error err;
    if (dist_worker_run(arg, &err) != QE_OK)
        print_error("worker failed: %s\n", err.message);
    return NULL;
}

static void cluster_start(cluster *c, int n_workers, uint32_t heartbeat_timeout_ms) {
    rt_error err;
    memset(c, 0, sizeof *c);
    ok(dist_coordinator_start("127.0.0.1:0", heartbeat_timeout_ms, &c->co, &err), &err);
    c->n_workers = n_workers;
    for (int i = 0; i < n_workers; i++) {
        snprintf(c->opts[i].listen, sizeof c->opts[i].listen, "127.0.0.1:0");
        snprintf(c->opts[i].coordinator, sizeof c->opts[i].coordinator, "%s",
                 dist_coordinator_address(c->co));
        c->opts[i].n_threads = 2;
        c->opts[i].heartbeat_interval_ms = 100;
        assert_int_equal(pthread_create(&c->threads[i], NULL, worker_main, &c->opts[i]), 0);
    }
    ok(dist_coordinator_wait(c->co, (uint32_t)n_workers, 5000, &err), &err);
}

static void cluster_stop(cluster *c) {
    dist_worker_stop();
    for (int i = 0; i < c->n_workers; i++)
        pthread_join(c->threads[i], NULL);
    dist_coordinator_stop(c->co);
}

/* ---- collected result rows: (INTEGER, VARCHAR) formatted "a|s" ---------------------- */

typedef struct rows {
    int n;
    char text[512][64];
} rows;

static qe_status collect(void *ctx, const rt_batch *b, rt_error *err) {
    rows *r = ctx;
    for (uint32_t i = 0; i < rt_batch_active(b); i++) {
        uint32_t row = b->sel ? b->sel[i] : i;
        rt_value a, s;
        rt_vector_get_value(&b->cols[0], row, &a);
        rt_vector_get_value(&b->cols[1], row, &s);
        if (r->n == 512)
            return rt_error_set(err, QE_ERROR, "XX000", -1, "too many rows");
        snprintf(r->text[r->n++], 64, "%lld|%.*s", a.is_null ? -1ll : (long long)a.u.i,
                 s.is_null ? 4 : (int)s.u.s.len, s.is_null ? "NULL" : s.u.s.ptr);
    }
    return QE_OK;
}

static int cmp_text(const void *a, const void *b) { return strcmp(a, b); }

static void assert_rows(rows *r, int n, const char *const *expected) {
    qsort(r->text, (size_t)r->n, sizeof r->text[0], cmp_text);
    if (r->n != n)
        print_error("got %d rows, expected %d\n", r->n, n);
    assert_int_equal(r->n, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(r->text[i], expected[i]);
}

/* ---- plans -------------------------------------------------------------------------- */

static const qe_type row_types[2] = {QE_TYPE_INTEGER, QE_TYPE_VARCHAR};

typedef struct pb {
    rt_arena *arena;
} pb;

static void *pb_alloc(pb *p, size_t n) {
    void *m = rt_arena_calloc(p->arena, n ? n : 1);
    assert_non_null(m);
    return m;
}

static plan_op *pop(pb *p, plan_phys_kind kind) {
    plan_op *op = pb_alloc(p, sizeof *op);
    op->kind = kind;
    op->n_cols = 2;
    op->types = (qe_type *)row_types;
    return op;
}

static plan_expr *pconst(pb *p, qe_type t, int64_t i, const char *s) {
    plan_expr *e = pb_alloc(p, sizeof *e);
    e->kind = PLAN_EXPR_CONST;
    e->type = t;
    e->position = -1;
    e->u.value.type = t;
    e->u.value.is_null = t == QE_TYPE_VARCHAR && !s;
    if (t == QE_TYPE_VARCHAR && s) {
        e->u.value.u.s.ptr = s;
        e->u.value.u.s.len = (uint32_t)strlen(s);
    } else {
        e->u.value.u.i = i;
    }
    return e;
}

/* VALUES (i, s_i) for the given rows. */
static plan_op *pvalues(pb *p, uint32_t n, const int64_t *ints, const char *const *strs) {
    plan_op *op = pop(p, PLAN_PHYS_VALUES);
    op->u.values.n_rows = n;
    op->u.values.rows = pb_alloc(p, 2 * n * sizeof(plan_expr *));
    for (uint32_t r = 0; r < n; r++) {
        op->u.values.rows[2 * r] = pconst(p, QE_TYPE_INTEGER, ints[r], NULL);
        op->u.values.rows[2 * r + 1] = pconst(p, QE_TYPE_VARCHAR, 0, strs[r]);
    }
    return op;
}

static plan_stage *pstage(pb *p, uint32_t id, plan_dist dist, plan_op *source, plan_op *sink) {
    plan_stage *s = pb_alloc(p, sizeof *s);
    s->id = id;
    s->dist = dist;
    s->n_pipelines = 1;
    s->pipelines = pb_alloc(p, sizeof(plan_pipeline *));
    plan_pipeline *pl = s->pipelines[0] = pb_alloc(p, sizeof *pl);
    pl->n_ops = 2;
    pl->ops = pb_alloc(p, 2 * sizeof(plan_op *));
    pl->ops[0] = source;
    pl->ops[1] = sink;
    return s;
}

static plan_op *pxsink(pb *p, uint32_t ex) {
    plan_op *op = pop(p, PLAN_PHYS_EXCHANGE_SINK);
    op->u.exchange_sink.exchange_id = ex;
    return op;
}

static plan_op *pxsource(pb *p, uint32_t ex) {
    plan_op *op = pop(p, PLAN_PHYS_EXCHANGE_SOURCE);
    op->u.exchange_source.exchange_id = ex;
    return op;
}

static plan_op *presult(pb *p) {
    plan_op *op = pop(p, PLAN_PHYS_RESULT_SINK);
    op->u.result.names = pb_alloc(p, 2 * sizeof(char *));
    op->u.result.names[0] = "a";
    op->u.result.names[1] = "s";
    return op;
}

static plan_query *pquery(pb *p, uint32_t n_stages, uint32_t n_exchanges) {
    plan_query *q = pb_alloc(p, sizeof *q);
    q->n_stages = n_stages;
    q->stages = pb_alloc(p, n_stages * sizeof(plan_stage *));
    q->n_exchanges = n_exchanges;
    q->exchanges = pb_alloc(p, n_exchanges * sizeof(plan_exchange));
    for (uint32_t e = 0; e < n_exchanges; e++) {
        q->exchanges[e].id = e;
        q->exchanges[e].n_cols = 2;
        q->exchanges[e].types = (qe_type *)row_types;
        q->exchanges[e].producer_stage = e;
        q->exchanges[e].consumer_stage = e + 1;
    }
    return q;
}

static const int64_t vals_i[] = {1, 2, 3, 4, 5};
static const char *const vals_s[] = {"x", "a string longer than twelve bytes", NULL, "y", "z"};

/* Every worker: VALUES -> HASH -> workers -> GATHER -> coordinator -> result. */
static plan_query *shuffle_plan(pb *p, uint32_t n_values) {
    plan_query *q = pquery(p, 3, 2);
    q->exchanges[0].kind = PLAN_EXCHANGE_HASH;
    q->exchanges[0].n_keys = 1;
    q->exchanges[0].key_cols = pb_alloc(p, sizeof(uint32_t));
    q->exchanges[1].kind = PLAN_EXCHANGE_GATHER;
    q->stages[0] =
        pstage(p, 0, PLAN_DIST_PARTITIONED, pvalues(p, n_values, vals_i, vals_s), pxsink(p, 0));
    q->stages[1] = pstage(p, 1, PLAN_DIST_PARTITIONED, pxsource(p, 0), pxsink(p, 1));
    q->stages[2] = pstage(p, 2, PLAN_DIST_SINGLE, pxsource(p, 1), presult(p));
    q->n_cols = 2;
    q->types = (qe_type *)row_types;
    q->names = q->stages[2]->pipelines[0]->ops[1]->u.result.names;
    return q;
}

/* INSERT INTO t VALUES (5 rows): coordinator -> ROUND_ROBIN -> workers' Insert. */
static plan_query *insert_plan(pb *p) {
    plan_query *q = pquery(p, 2, 1);
    q->exchanges[0].kind = PLAN_EXCHANGE_ROUND_ROBIN;
    plan_op *ins = pop(p, PLAN_PHYS_INSERT_SINK);
    ins->u.insert.table = "t";
    q->stages[0] = pstage(p, 0, PLAN_DIST_SINGLE, pvalues(p, 5, vals_i, vals_s), pxsink(p, 0));
    q->stages[1] = pstage(p, 1, PLAN_DIST_PARTITIONED, pxsource(p, 0), ins);
    q->is_insert = true;
    return q;
}

/* INSERT INTO t SELECT * FROM t: the scan must not see the rows being inserted. */
static plan_query *self_insert_plan(pb *p) {
    plan_query *q = pquery(p, 2, 1);
    q->exchanges[0].kind = PLAN_EXCHANGE_ROUND_ROBIN;
    plan_op *scan = pop(p, PLAN_PHYS_SCAN);
    scan->u.scan.table = "t";
    scan->u.scan.col_idx = pb_alloc(p, 2 * sizeof(uint32_t));
    scan->u.scan.col_idx[1] = 1;
    plan_op *ins = pop(p, PLAN_PHYS_INSERT_SINK);
    ins->u.insert.table = "t";
    q->stages[0] = pstage(p, 0, PLAN_DIST_PARTITIONED, scan, pxsink(p, 0));
    q->stages[1] = pstage(p, 1, PLAN_DIST_PARTITIONED, pxsource(p, 0), ins);
    q->is_insert = true;
    return q;
}

/* SELECT a, s FROM t: workers' scans -> GATHER -> result. */
static plan_query *scan_plan(pb *p) {
    plan_query *q = pquery(p, 2, 1);
    q->exchanges[0].kind = PLAN_EXCHANGE_GATHER;
    plan_op *scan = pop(p, PLAN_PHYS_SCAN);
    scan->u.scan.table = "t";
    scan->u.scan.col_idx = pb_alloc(p, 2 * sizeof(uint32_t));
    scan->u.scan.col_idx[1] = 1;
    q->stages[0] = pstage(p, 0, PLAN_DIST_PARTITIONED, scan, pxsink(p, 0));
    q->stages[1] = pstage(p, 1, PLAN_DIST_SINGLE, pxsource(p, 0), presult(p));
    q->n_cols = 2;
    q->types = (qe_type *)row_types;
    return q;
}

static qe_status run(cluster *c, const plan_query *q, rows *r, const _Atomic bool *cancel,
                     uint32_t delay_ms, rt_task_stats *stats, rt_error *err) {
    rt_result_sink sink = {collect, r};
    rt_catalog *cat = rt_catalog_create();
    dist_run_opts o = {.catalog = cat,
                       .result = &sink,
                       .n_threads = 2,
                       .cancel = cancel,
                       .debug_delay_ms = delay_ms};
    rt_task_stats st = {0};
    rt_error_clear(err);
    qe_status s = dist_run_query(c->co, q, &o, stats ? stats : &st, err);
    rt_catalog_destroy(cat);
    return s;
}

/* ---- happy paths -------------------------------------------------------------------- */

static void test_cluster_shuffle(void **state) {
    cluster c;
    cluster_start(&c, 2, 3000);
    pb p = {rt_arena_create(NULL)};
    rows *r = calloc(1, sizeof *r);
    rt_error err;
    ok(run(&c, shuffle_plan(&p, 3), r, NULL, 0, NULL, &err), &err);
    const char *want[] = {"1|x",
                          "1|x",
                          "2|a string longer than twelve bytes",
                          "2|a string longer than twelve bytes",
                          "3|NULL",
                          "3|NULL"};
    assert_rows(r, 6, want);
    memset(r, 0, sizeof *r); /* the same plan again: no state left from the first run */
    ok(run(&c, shuffle_plan(&p, 3), r, NULL, 0, NULL, &err), &err);
    assert_rows(r, 6, want);
    free(r);
    rt_arena_destroy(p.arena);
    cluster_stop(&c);
}

static void test_cluster_insert_scan(void **state) {
    cluster c;
    cluster_start(&c, 2, 3000);
    pb p = {rt_arena_create(NULL)};
    rt_error err;
    char *names[] = {"a", "s"};
    rt_table schema = {
        .name = "t", .n_cols = 2, .col_names = names, .col_types = (qe_type *)row_types};
    ok(dist_create_table(c.co, &schema, &err), &err);
    assert_int_not_equal(dist_create_table(c.co, &schema, &err), QE_OK); /* exists */
    rows *r = calloc(1, sizeof *r);
    rt_task_stats stats;
    ok(run(&c, insert_plan(&p), r, NULL, 0, &stats, &err), &err);
    assert_int_equal(stats.rows_written, 5);
    ok(run(&c, scan_plan(&p), r, NULL, 0, NULL, &err), &err);
    const char *want[] = {"1|x", "2|a string longer than twelve bytes", "3|NULL", "4|y", "5|z"};
    assert_rows(r, 5, want);
    for (int round = 1; round <= 3; round++) { /* doubles the table each time */
        ok(run(&c, self_insert_plan(&p), r, NULL, 0, &stats, &err), &err);
        assert_int_equal(stats.rows_written, 5u << (round - 1));
    }
    memset(r, 0, sizeof *r);
    ok(run(&c, scan_plan(&p), r, NULL, 0, NULL, &err), &err);
    assert_int_equal(r->n, 40);
    ok(dist_drop_table(c.co, "t", &err), &err);
    memset(r, 0, sizeof *r);
    assert_int_not_equal(run(&c, scan_plan(&p), r, NULL, 0, NULL, &err), QE_OK);
    assert_true(err.message[0] != '\0'); /* the worker's error, copied whole */
    free(r);
    rt_arena_destroy(p.arena);
    cluster_stop(&c);
}

static void test_cluster_task_error(void **state) {
    cluster c;
    cluster_start(&c, 2, 3000);
    pb p = {rt_arena_create(NULL)};
    plan_query *q = shuffle_plan(&p, 1);
    plan_expr *div = pb_alloc(&p, sizeof *div);
    div->kind = PLAN_EXPR_OP;
    div->type = QE_TYPE_INTEGER;
    div->position = 33;
    div->u.op.op = PLAN_OP_DIV;
    div->u.op.args[0] = pconst(&p, QE_TYPE_INTEGER, 1, NULL);
    div->u.op.args[1] = pconst(&p, QE_TYPE_INTEGER, 0, NULL);
    q->stages[0]->pipelines[0]->ops[0]->u.values.rows[0] = div;
    rows *r = calloc(1, sizeof *r);
    rt_error err;
    assert_int_equal(run(&c, q, r, NULL, 0, NULL, &err), QE_DATA);
    assert_string_equal(err.sqlstate, "22012");
    assert_int_equal(err.position, 33);
    /* The cluster is fine afterwards. */
    ok(run(&c, shuffle_plan(&p, 1), r, NULL, 0, NULL, &err), &err);
    free(r);
    rt_arena_destroy(p.arena);
    cluster_stop(&c);
}

/* ---- a fake worker ------------------------------------------------------------------ */

typedef enum fake_mode { FAKE_SILENT, FAKE_HANG_UP } fake_mode;

typedef struct fake {
    fake_mode mode;
    char coordinator[DIST_ADDR_MAX];
    int listen_fd; /* accepts nothing: the kernel queues peers' data */
    char addr[DIST_ADDR_MAX];
    pthread_t thread;
    _Atomic bool quit;
    _Atomic uint64_t dark_ms; /* when it got a task and went silent (0: not yet) */
} fake;

static int connect_to(const char *addr) {
    struct sockaddr_storage sa;
    rt_error err;
    ok(dist_resolve(addr, &sa, &err), &err);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(struct sockaddr_in)), 0);
    return fd;
}

static void send_msg(int fd, const dist_msg *m) {
    dist_wbuf w;
    dist_wbuf_init(&w);
    rt_error err;
    ok(dist_msg_encode(m, &w, &err), &err);
    assert_int_equal(write(fd, w.data, w.len), (ssize_t)w.len);
    dist_wbuf_free(&w);
}

/* Consumes whole frames from buf; true when a SUBMIT_TASK was among them. */
static bool saw_submit(uint8_t *buf, size_t *len) {
    bool submit = false;
    for (;;) {
        dist_frame f;
        size_t used, need;
        rt_error err;
        if (dist_frame_parse(buf, *len, &f, &used, &need, &err) != QE_OK || used == 0)
            return submit;
        submit |= f.type == DIST_MSG_SUBMIT_TASK;
        memmove(buf, buf + used, *len - used);
        *len -= used;
    }
}

static void *fake_main(void *arg) {
    fake *f = arg;
    int fd = connect_to(f->coordinator);
    dist_msg reg = {.type = DIST_MSG_REGISTER};
    snprintf(reg.u.reg.listen, sizeof reg.u.reg.listen, "%s", f->addr);
    reg.u.reg.n_threads = 1;
    reg.u.reg.heartbeat_ms = 100;
    send_msg(fd, &reg);
    static uint8_t buf[1 << 20];
    size_t len = 0;
    uint64_t last_hb = 0;
    while (!atomic_load(&f->quit)) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, 20) > 0) {
            ssize_t n = read(fd, buf + len, sizeof buf - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            if (saw_submit(buf, &len) && !atomic_load(&f->dark_ms)) {
                atomic_store(&f->dark_ms, now_ms());
                if (f->mode == FAKE_HANG_UP)
                    break;
            }
        }
        if (!atomic_load(&f->dark_ms) && now_ms() - last_hb >= 100) {
            dist_msg hb = {.type = DIST_MSG_HEARTBEAT};
            send_msg(fd, &hb);
            last_hb = now_ms();
        }
    }
    close(fd);
    return NULL;
}

static void fake_start(fake *f, fake_mode mode, const char *coordinator) {
    memset(f, 0, sizeof *f);
    f->mode = mode;
    snprintf(f->coordinator, sizeof f->coordinator, "%s", coordinator);
    f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(f->listen_fd, 64), 0);
    socklen_t len = sizeof sa;
    getsockname(f->listen_fd, (struct sockaddr *)&sa, &len);
    snprintf(f->addr, sizeof f->addr, "127.0.0.1:%d", ntohs(sa.sin_port));
    assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(fake *f) {
    atomic_store(&f->quit, true);
    pthread_join(f->thread, NULL);
    close(f->listen_fd);
}

/* A query on a real worker + a fake that fails as `mode` says. */
static void run_with_failing_worker(fake_mode mode, uint32_t timeout_ms, const char *detail,
                                    uint64_t max_ms) {
    cluster c;
    cluster_start(&c, 1, timeout_ms);
    fake f;
    fake_start(&f, mode, dist_coordinator_address(c.co));
    rt_error err;
    ok(dist_coordinator_wait(c.co, 2, 5000, &err), &err);
    pb p = {rt_arena_create(NULL)};
    rows *r = calloc(1, sizeof *r);
    assert_int_equal(run(&c, shuffle_plan(&p, 3), r, NULL, 0, NULL, &err), QE_NETWORK);
    uint64_t took = now_ms() - atomic_load(&f.dark_ms);
    char want[160];
    snprintf(want, sizeof want, "worker %s is unreachable", f.addr);
    assert_string_equal(err.message, want);
    assert_string_equal(err.sqlstate, "08006");
    assert_string_equal(err.detail, detail);
    assert_true(err.hint[0] != '\0');
    if (took > max_ms)
        print_error("failure took %llu ms\n", (unsigned long long)took);
    assert_true(took <= max_ms);
    /* The dead worker is gone; the real one serves the next query. */
    assert_int_equal(dist_coordinator_n_workers(c.co), 1);
    memset(r, 0, sizeof *r);
    ok(run(&c, shuffle_plan(&p, 3), r, NULL, 0, NULL, &err), &err);
    const char *want_rows[] = {"1|x", "2|a string longer than twelve bytes", "3|NULL"};
    assert_rows(r, 3, want_rows);
    free(r);
    rt_arena_destroy(p.arena);
    fake_stop(&f);
    cluster_stop(&c);
}

static void test_cluster_worker_silent(void **state) {
    run_with_failing_worker(FAKE_SILENT, 600, "No heartbeat for 600 ms.", 600 + 1000);
}

static void test_cluster_worker_hangs_up(void **state) {
    run_with_failing_worker(FAKE_HANG_UP, 3000, "Connection lost.", 1000);
}

/* ---- misbehaving peers and cancellation --------------------------------------------- */

static void test_cluster_garbage_frame(void **state) {
    cluster c;
    cluster_start(&c, 1, 3000);
    int fd = connect_to(dist_coordinator_address(c.co));
    const char junk[] = "GET / HTTP/1.0\r\n\r\n";
    assert_int_equal(write(fd, junk, sizeof junk - 1), (ssize_t)(sizeof junk - 1));
    struct pollfd pfd = {fd, POLLIN, 0};
    assert_int_equal(poll(&pfd, 1, 2000), 1);
    char b[16];
    assert_int_equal(read(fd, b, sizeof b), 0); /* closed by the coordinator */
    close(fd);
    /* A valid frame with a payload that does not decode: also closed. */
    fd = connect_to(dist_coordinator_address(c.co));
    dist_wbuf w;
    dist_wbuf_init(&w);
    dist_frame_begin(&w);
    dist_put_u32(&w, 12345);
    rt_error err;
    ok(dist_frame_end(&w, DIST_MSG_REGISTER, &err), &err);
    assert_int_equal(write(fd, w.data, w.len), (ssize_t)w.len);
    dist_wbuf_free(&w);
    assert_int_equal(poll(&pfd, 1, 2000), 1);
    assert_int_equal(read(fd, b, sizeof b), 0);
    close(fd);
    assert_int_equal(dist_coordinator_n_workers(c.co), 1);
    pb p = {rt_arena_create(NULL)};
    rows *r = calloc(1, sizeof *r);
    ok(run(&c, shuffle_plan(&p, 2), r, NULL, 0, NULL, &err), &err);
    assert_int_equal(r->n, 2);
    free(r);
    rt_arena_destroy(p.arena);
    cluster_stop(&c);
}

static _Atomic bool cancel_flag;

static void *cancel_later(void *arg) {
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(&cancel_flag, true);
    return NULL;
}

static void test_cluster_cancel(void **state) {
    cluster c;
    cluster_start(&c, 2, 3000);
    pb p = {rt_arena_create(NULL)};
    rows *r = calloc(1, sizeof *r);
    rt_error err;
    atomic_store(&cancel_flag, false);
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, NULL);
    uint64_t start = now_ms();
    assert_int_equal(run(&c, shuffle_plan(&p, 3), r, &cancel_flag, 1500, NULL, &err), QE_CANCELLED);
    assert_string_equal(err.sqlstate, "57014");
    assert_true(now_ms() - start < 1200);
    pthread_join(t, NULL);
    free(r);
    rt_arena_destroy(p.arena);
    cluster_stop(&c);
}

static void test_coordinator_wait_timeout(void **state) {
    dist_coordinator *co;
    rt_error err;
    ok(dist_coordinator_start("127.0.0.1:0", 3000, &co, &err), &err);
    uint64_t start = now_ms();
    assert_int_equal(dist_coordinator_wait(co, 1, 300, &err), QE_NETWORK);
    assert_true(now_ms() - start >= 290);
    assert_string_equal(err.message, "timed out waiting for workers");
    pb p = {rt_arena_create(NULL)};
    cluster c = {.co = co};
    rows *r = calloc(1, sizeof *r);
    assert_int_equal(run(&c, shuffle_plan(&p, 1), r, NULL, 0, NULL, &err), QE_NETWORK);
    assert_string_equal(err.message, "no workers are available");
    free(r);
    rt_arena_destroy(p.arena);
    dist_coordinator_stop(co);
    assert_int_equal(dist_coordinator_start("nonsense", 3000, &co, &err), QE_NETWORK);
    assert_string_equal(err.message, "invalid address \"nonsense\"");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cluster_shuffle),
        cmocka_unit_test(test_cluster_insert_scan),
        cmocka_unit_test(test_cluster_task_error),
        cmocka_unit_test(test_cluster_worker_silent),
        cmocka_unit_test(test_cluster_worker_hangs_up),
        cmocka_unit_test(test_cluster_garbage_frame),
        cmocka_unit_test(test_cluster_cancel),
        cmocka_unit_test(test_coordinator_wait_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
