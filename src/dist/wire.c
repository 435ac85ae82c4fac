/*
 * wire.c -- the frame format and the payload codecs of every message type.
 *
 * A frame is a 16-byte little-endian header {magic "QEW1", version 1, type, payload
 * length, XXH32 of the payload with seed 0} followed by the payload.  Payloads are
 * sequences of little-endian integers and length-prefixed strings; decoding reads
 * through a bounds-checked cursor, validates enum ranges and requires the payload to be
 * consumed exactly, so a malformed frame is an error value, never a crash.
 */
#include "dist_int.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ---- message type names ------------------------------------------------------------- */

const char *dist_msg_name(uint32_t type) {
    switch (type) {
#define DIST_X_NAME(name, code, text)                                                              \
    case code: return text;
        DIST_MSG_LIST(DIST_X_NAME)
#undef DIST_X_NAME
    default: return "?";
    }
}

bool dist_msg_known(uint32_t type) { return strcmp(dist_msg_name(type), "?") != 0; }

/* ---- little-endian helpers ---------------------------------------------------------- */

uint32_t dist_load_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t dist_load_u64(const uint8_t *p) {
    return (uint64_t)dist_load_u32(p) | (uint64_t)dist_load_u32(p + 4) << 32;
}

void dist_store_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void dist_store_u64(uint8_t *p, uint64_t v) {
    dist_store_u32(p, (uint32_t)v);
    dist_store_u32(p + 4, (uint32_t)(v >> 32));
}

/* ---- output buffer ------------------------------------------------------------------ */

void dist_wbuf_init(dist_wbuf *w) { memset(w, 0, sizeof *w); }

void dist_wbuf_free(dist_wbuf *w) {
    free(w->data);
    dist_wbuf_init(w);
}

bool dist_wbuf_reserve(dist_wbuf *w, size_t n) {
    if (w->oom)
        return false;
    if (n <= w->cap - w->len)
        return true;
    size_t cap = w->cap ? w->cap : 256;
    while (cap - w->len < n) {
        if (cap > SIZE_MAX / 2) {
            w->oom = true;
            return false;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(w->data, cap);
    if (!p) {
        w->oom = true;
        return false;
    }
    w->data = p;
    w->cap = cap;
    return true;
}

uint8_t *dist_wbuf_grow(dist_wbuf *w, size_t n) {
    if (!dist_wbuf_reserve(w, n))
        return NULL;
    uint8_t *p = w->data + w->len;
    memset(p, 0, n);
    w->len += n;
    return p;
}

void dist_put_bytes(dist_wbuf *w, const void *p, size_t n) {
    if (n == 0 || !dist_wbuf_reserve(w, n))
        return;
    memcpy(w->data + w->len, p, n);
    w->len += n;
}

void dist_put_u8(dist_wbuf *w, uint8_t v) { dist_put_bytes(w, &v, 1); }

void dist_put_u16(dist_wbuf *w, uint16_t v) {
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    dist_put_bytes(w, b, 2);
}

void dist_put_u32(dist_wbuf *w, uint32_t v) {
    uint8_t b[4];
    dist_store_u32(b, v);
    dist_put_bytes(w, b, 4);
}

void dist_put_u64(dist_wbuf *w, uint64_t v) {
    uint8_t b[8];
    dist_store_u64(b, v);
    dist_put_bytes(w, b, 8);
}

void dist_put_str(dist_wbuf *w, const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n > UINT32_MAX) {
        w->oom = true;
        return;
    }
    dist_put_u32(w, (uint32_t)n);
    dist_put_bytes(w, s, n);
}

uint8_t *dist_wbuf_take(dist_wbuf *w, size_t *len) {
    if (w->oom) {
        dist_wbuf_free(w);
        return NULL;
    }
    uint8_t *p = w->data;
    *len = w->len;
    dist_wbuf_init(w);
    return p;
}

/* ---- input cursor ------------------------------------------------------------------- */

void dist_rbuf_init(dist_rbuf *r, const void *p, size_t len) {
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->bad = false;
}

const uint8_t *dist_get_bytes(dist_rbuf *r, size_t n) {
    if (r->bad || n > r->len - r->pos) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint8_t dist_get_u8(dist_rbuf *r) {
    const uint8_t *p = dist_get_bytes(r, 1);
    return p ? p[0] : 0;
}

uint16_t dist_get_u16(dist_rbuf *r) {
    const uint8_t *p = dist_get_bytes(r, 2);
    return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t dist_get_u32(dist_rbuf *r) {
    const uint8_t *p = dist_get_bytes(r, 4);
    return p ? dist_load_u32(p) : 0;
}

uint64_t dist_get_u64(dist_rbuf *r) {
    const uint8_t *p = dist_get_bytes(r, 8);
    return p ? dist_load_u64(p) : 0;
}

void dist_get_str_buf(dist_rbuf *r, char *dst, size_t cap) {
    uint32_t n = dist_get_u32(r);
    dst[0] = '\0';
    if (n >= cap) {
        r->bad = true;
        return;
    }
    const uint8_t *p = dist_get_bytes(r, n);
    if (!p || memchr(p, '\0', n)) {
        r->bad = true;
        return;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
}

char *dist_get_str_arena(dist_rbuf *r, rt_arena *arena) {
    if (!arena) {
        r->bad = true;
        return NULL;
    }
    uint32_t n = dist_get_u32(r);
    const uint8_t *p = dist_get_bytes(r, n);
    if (!p || memchr(p, '\0', n)) {
        r->bad = true;
        return NULL;
    }
    char *s = rt_arena_strndup(arena, (const char *)p, n);
    if (!s)
        r->bad = true;
    return s;
}

/* ---- frames ------------------------------------------------------------------------- */

void dist_frame_begin(dist_wbuf *w) { dist_wbuf_grow(w, DIST_FRAME_HEADER); }

qe_status dist_frame_end(dist_wbuf *w, uint32_t type, rt_error *err) {
    if (w->oom || w->len < DIST_FRAME_HEADER)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory building a %s frame",
                            dist_msg_name(type));
    size_t payload = w->len - DIST_FRAME_HEADER;
    if (payload > DIST_FRAME_MAX)
        return rt_error_set(err, QE_NETWORK, "54000", -1,
                            "%s message of %zu bytes exceeds the frame limit of %u bytes",
                            dist_msg_name(type), payload, DIST_FRAME_MAX);
    uint8_t *h = w->data;
    dist_store_u32(h, DIST_FRAME_MAGIC);
    h[4] = DIST_WIRE_VERSION & 0xff;
    h[5] = DIST_WIRE_VERSION >> 8;
    h[6] = (uint8_t)type;
    h[7] = (uint8_t)(type >> 8);
    dist_store_u32(h + 8, (uint32_t)payload);
    dist_store_u32(h + 12, XXH32(h + DIST_FRAME_HEADER, payload, 0));
    return QE_OK;
}

static qe_status protocol_error(rt_error *err, const char *what) {
    return rt_error_set(err, QE_NETWORK, "08P01", -1, "invalid frame: %s", what);
}

qe_status dist_frame_parse(const uint8_t *buf, size_t len, dist_frame *out, size_t *consumed,
                           size_t *need, rt_error *err) {
    *consumed = 0;
    *need = DIST_FRAME_HEADER;
    if (len < 4)
        return QE_OK;
    if (dist_load_u32(buf) != DIST_FRAME_MAGIC)
        return protocol_error(err, "bad magic");
    if (len < DIST_FRAME_HEADER)
        return QE_OK;
    uint32_t version = (uint32_t)buf[4] | (uint32_t)buf[5] << 8;
    uint32_t type = (uint32_t)buf[6] | (uint32_t)buf[7] << 8;
    uint32_t length = dist_load_u32(buf + 8);
    if (version != DIST_WIRE_VERSION)
        return rt_error_set(err, QE_NETWORK, "08P01", -1,
                            "invalid frame: unsupported protocol version %u", version);
    if (!dist_msg_known(type))
        return rt_error_set(err, QE_NETWORK, "08P01", -1, "invalid frame: unknown message type %u",
                            type);
    if (length > DIST_FRAME_MAX)
        return rt_error_set(err, QE_NETWORK, "08P01", -1,
                            "invalid frame: payload of %u bytes exceeds the limit of %u", length,
                            DIST_FRAME_MAX);
    *need = DIST_FRAME_HEADER + (size_t)length;
    if (len < *need)
        return QE_OK;
    if (XXH32(buf + DIST_FRAME_HEADER, length, 0) != dist_load_u32(buf + 12))
        return protocol_error(err, "checksum mismatch");
    out->type = type;
    out->payload = buf + DIST_FRAME_HEADER;
    out->length = length;
    *consumed = *need;
    return QE_OK;
}

/* ---- error and stats fields --------------------------------------------------------- */

static bool sqlstate_valid(const char *s) {
    for (int i = 0; i < 5; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
            return false;
    return true;
}

/* Errors are sent as they are, except that a malformed SQLSTATE or position (which
 * the decoder would reject) is replaced by a valid one. */
static void put_error(dist_wbuf *w, const rt_error *e) {
    const char *state = e->status == QE_OK ? "00000" : e->sqlstate;
    dist_put_u32(w, (uint32_t)e->status);
    dist_put_bytes(w, sqlstate_valid(state) ? state : "XX000", 5);
    dist_put_u32(w, (uint32_t)(e->position < -1 ? -1 : e->position));
    dist_put_str(w, e->message);
    dist_put_str(w, e->detail);
    dist_put_str(w, e->hint);
}

static void get_error(dist_rbuf *r, rt_error *e) {
    memset(e, 0, sizeof *e);
    uint32_t status = dist_get_u32(r);
    if (status > QE_MISUSE)
        r->bad = true;
    e->status = (qe_status)status;
    const uint8_t *state = dist_get_bytes(r, 5);
    if (state) {
        memcpy(e->sqlstate, state, 5);
        if (!sqlstate_valid(e->sqlstate))
            r->bad = true;
    }
    e->position = (int)dist_get_u32(r);
    if (e->position < -1)
        r->bad = true;
    dist_get_str_buf(r, e->message, sizeof e->message);
    dist_get_str_buf(r, e->detail, sizeof e->detail);
    dist_get_str_buf(r, e->hint, sizeof e->hint);
}

/* ---- encoders ----------------------------------------------------------------------- */

static void put_routes(dist_wbuf *w, uint32_t n_routes, const dist_route *routes) {
    dist_put_u32(w, n_routes);
    for (uint32_t i = 0; i < n_routes; i++) {
        dist_put_u32(w, routes[i].n_producers);
        dist_put_u32(w, routes[i].n_consumers);
        for (uint32_t p = 0; p < routes[i].n_consumers; p++)
            dist_put_str(w, routes[i].endpoints[p]);
    }
}

static void put_submit(dist_wbuf *w, const dist_msg *m) {
    dist_put_u64(w, m->u.submit.query_id);
    dist_put_u32(w, m->u.submit.stage_id);
    dist_put_u32(w, m->u.submit.task_idx);
    dist_put_u32(w, m->u.submit.n_tasks);
    dist_put_u8(w, m->u.submit.jit ? 1 : 0);
    dist_put_u32(w, m->u.submit.n_threads);
    dist_put_u32(w, m->u.submit.debug_delay_ms);
    dist_put_u64(w, (uint64_t)m->u.submit.memory_limit);
    dist_put_u32(w, m->u.submit.plan_len);
    dist_put_bytes(w, m->u.submit.plan, m->u.submit.plan_len);
    put_routes(w, m->u.submit.n_routes, m->u.submit.routes);
}

/* TASK_DONE's pipelines: count, then per pipeline flags (1 ran, 2 compiled, 4 fallback
 * follows), threads, wall ns, morsels interpreted and compiled, [fallback,] the
 * operators' row counts (count, then u64 each). */
static void put_pipes(dist_wbuf *w, const dist_pipe_report *pipes, uint32_t n) {
    dist_put_u32(w, pipes ? n : 0);
    for (uint32_t p = 0; pipes && p < n; p++) {
        const dist_pipe_report *r = &pipes[p];
        dist_put_u8(
            w, (uint8_t)((r->stats.ran ? 1 : 0) | (r->compiled ? 2 : 0) | (r->fallback ? 4 : 0)));
        dist_put_u32(w, r->stats.n_threads);
        dist_put_u64(w, r->stats.wall_ns);
        dist_put_u64(w, r->stats.morsels_interpreted);
        dist_put_u64(w, r->stats.morsels_compiled);
        if (r->fallback)
            dist_put_str(w, r->fallback);
        uint32_t n_ops = r->stats.op_rows ? r->n_ops : 0;
        dist_put_u32(w, n_ops);
        for (uint32_t i = 0; i < n_ops; i++)
            dist_put_u64(w, r->stats.op_rows[i]);
    }
}

static void put_create(dist_wbuf *w, const dist_msg *m) {
    dist_put_u64(w, m->u.create.request_id);
    dist_put_str(w, m->u.create.name);
    dist_put_u32(w, m->u.create.n_cols);
    for (uint32_t i = 0; i < m->u.create.n_cols; i++) {
        dist_put_str(w, m->u.create.col_names[i]);
        dist_put_u8(w, (uint8_t)m->u.create.col_types[i]);
    }
}

static void put_payload(dist_wbuf *w, const dist_msg *m) {
    switch ((dist_msg_type)m->type) {
    case DIST_MSG_REGISTER:
        dist_put_str(w, m->u.reg.listen);
        dist_put_u32(w, m->u.reg.n_threads);
        dist_put_u32(w, m->u.reg.heartbeat_ms);
        dist_put_str(w, m->u.reg.cpu);
        break;
    case DIST_MSG_REGISTER_ACK:
        dist_put_u32(w, m->u.ack.worker_id);
        dist_put_u32(w, m->u.ack.heartbeat_ms);
        dist_put_u64(w, m->u.ack.session_id);
        break;
    case DIST_MSG_HEARTBEAT:
    case DIST_MSG_NONE: break;
    case DIST_MSG_CREATE_TABLE: put_create(w, m); break;
    case DIST_MSG_DROP_TABLE:
        dist_put_u64(w, m->u.drop.request_id);
        dist_put_str(w, m->u.drop.name);
        break;
    case DIST_MSG_REPLY:
        dist_put_u64(w, m->u.reply.request_id);
        put_error(w, &m->u.reply.error);
        break;
    case DIST_MSG_SUBMIT_TASK: put_submit(w, m); break;
    case DIST_MSG_TASK_DONE:
        dist_put_u64(w, m->u.done.query_id);
        dist_put_u32(w, m->u.done.stage_id);
        dist_put_u32(w, m->u.done.task_idx);
        dist_put_u64(w, m->u.done.stats.rows_written);
        dist_put_u64(w, m->u.done.stats.rows_out);
        dist_put_u64(w, m->u.done.stats.peak_memory);
        dist_put_u64(w, m->u.done.stats.wall_ns);
        dist_put_u64(w, m->u.done.stats.compile_ns);
        put_pipes(w, m->u.done.pipes, m->u.done.n_pipes);
        break;
    case DIST_MSG_TASK_FAILED:
        dist_put_u64(w, m->u.failed.query_id);
        dist_put_u32(w, m->u.failed.stage_id);
        dist_put_u32(w, m->u.failed.task_idx);
        put_error(w, &m->u.failed.error);
        break;
    case DIST_MSG_CANCEL_QUERY:
    case DIST_MSG_RELEASE_QUERY: dist_put_u64(w, m->u.query.query_id); break;
    case DIST_MSG_DATA:
    case DIST_MSG_DATA_END:
        dist_put_u64(w, m->u.data.query_id);
        dist_put_u32(w, m->u.data.exchange_id);
        dist_put_u32(w, m->u.data.partition);
        dist_put_u32(w, m->u.data.producer);
        if (m->type == DIST_MSG_DATA)
            dist_put_bytes(w, m->u.data.ipc, m->u.data.ipc_len);
        break;
    }
}

qe_status dist_msg_encode(const dist_msg *m, dist_wbuf *w, rt_error *err) {
    if (!dist_msg_known(m->type))
        return rt_error_set(err, QE_INTERNAL, "XX000", -1, "cannot encode message type %u",
                            m->type);
    dist_frame_begin(w);
    put_payload(w, m);
    return dist_frame_end(w, m->type, err);
}

void dist_data_frame_begin(dist_wbuf *w, uint64_t query_id, uint32_t exchange_id,
                           uint32_t partition, uint32_t producer) {
    dist_frame_begin(w);
    dist_put_u64(w, query_id);
    dist_put_u32(w, exchange_id);
    dist_put_u32(w, partition);
    dist_put_u32(w, producer);
}

/* ---- decoders ----------------------------------------------------------------------- */

/* A count of items each taking at least min_bytes must fit in what is left. */
static uint32_t get_count(dist_rbuf *r, size_t min_bytes) {
    uint32_t n = dist_get_u32(r);
    if (!r->bad && (size_t)n > (r->len - r->pos) / min_bytes)
        r->bad = true;
    return r->bad ? 0 : n;
}

static void *arena_array(dist_rbuf *r, rt_arena *arena, size_t n, size_t size) {
    if (r->bad || n == 0)
        return NULL;
    void *p = arena ? rt_arena_calloc(arena, n * size) : NULL;
    if (!p)
        r->bad = true;
    return p;
}

static void get_routes(dist_rbuf *r, rt_arena *arena, dist_msg *m) {
    uint32_t n = get_count(r, 8);
    m->u.submit.n_routes = n;
    m->u.submit.routes = arena_array(r, arena, n, sizeof(dist_route));
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        dist_route *rt = &m->u.submit.routes[i];
        rt->n_producers = dist_get_u32(r);
        rt->n_consumers = get_count(r, 4);
        if (rt->n_producers == 0 || rt->n_consumers == 0)
            r->bad = true;
        rt->endpoints = arena_array(r, arena, rt->n_consumers, sizeof(char *));
        for (uint32_t p = 0; p < rt->n_consumers && !r->bad; p++) {
            rt->endpoints[p] = dist_get_str_arena(r, arena);
            if (rt->endpoints[p] && strlen(rt->endpoints[p]) >= DIST_ADDR_MAX)
                r->bad = true;
        }
    }
}

static void get_submit(dist_rbuf *r, rt_arena *arena, dist_msg *m) {
    m->u.submit.query_id = dist_get_u64(r);
    m->u.submit.stage_id = dist_get_u32(r);
    m->u.submit.task_idx = dist_get_u32(r);
    m->u.submit.n_tasks = dist_get_u32(r);
    uint8_t jit = dist_get_u8(r);
    m->u.submit.jit = jit == 1;
    m->u.submit.n_threads = dist_get_u32(r);
    m->u.submit.debug_delay_ms = dist_get_u32(r);
    m->u.submit.memory_limit = (int64_t)dist_get_u64(r);
    m->u.submit.plan_len = dist_get_u32(r);
    m->u.submit.plan = dist_get_bytes(r, m->u.submit.plan_len);
    if (jit > 1 || m->u.submit.n_tasks == 0 || m->u.submit.task_idx >= m->u.submit.n_tasks ||
        m->u.submit.n_threads == 0 || m->u.submit.n_threads > 1024)
        r->bad = true;
    get_routes(r, arena, m);
}

static void get_pipes(dist_rbuf *r, rt_arena *arena, dist_msg *m) {
    uint32_t n = get_count(r, 33);
    m->u.done.n_pipes = n;
    m->u.done.pipes = arena_array(r, arena, n, sizeof(dist_pipe_report));
    for (uint32_t p = 0; p < n && !r->bad; p++) {
        dist_pipe_report *d = &m->u.done.pipes[p];
        uint8_t flags = dist_get_u8(r);
        if (flags > 7)
            r->bad = true;
        d->stats.ran = flags & 1;
        d->compiled = flags & 2;
        d->stats.n_threads = dist_get_u32(r);
        d->stats.wall_ns = dist_get_u64(r);
        d->stats.morsels_interpreted = dist_get_u64(r);
        d->stats.morsels_compiled = dist_get_u64(r);
        if (flags & 4)
            d->fallback = dist_get_str_arena(r, arena);
        d->n_ops = get_count(r, 8);
        d->stats.op_rows = arena_array(r, arena, d->n_ops, sizeof(uint64_t));
        for (uint32_t i = 0; i < d->n_ops && !r->bad; i++)
            d->stats.op_rows[i] = dist_get_u64(r);
    }
}

static void get_create(dist_rbuf *r, rt_arena *arena, dist_msg *m) {
    m->u.create.request_id = dist_get_u64(r);
    m->u.create.name = dist_get_str_arena(r, arena);
    uint32_t n = get_count(r, 5);
    m->u.create.n_cols = n;
    m->u.create.col_names = arena_array(r, arena, n, sizeof(char *));
    m->u.create.col_types = arena_array(r, arena, n, sizeof(qe_type));
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        m->u.create.col_names[i] = dist_get_str_arena(r, arena);
        uint8_t t = dist_get_u8(r);
        if (t == QE_TYPE_NULL || t >= QE_TYPE_COUNT)
            r->bad = true;
        m->u.create.col_types[i] = (qe_type)t;
    }
}

static void get_payload(dist_rbuf *r, rt_arena *arena, dist_msg *m) {
    switch ((dist_msg_type)m->type) {
    case DIST_MSG_REGISTER:
        dist_get_str_buf(r, m->u.reg.listen, sizeof m->u.reg.listen);
        m->u.reg.n_threads = dist_get_u32(r);
        m->u.reg.heartbeat_ms = dist_get_u32(r);
        dist_get_str_buf(r, m->u.reg.cpu, sizeof m->u.reg.cpu);
        break;
    case DIST_MSG_REGISTER_ACK:
        m->u.ack.worker_id = dist_get_u32(r);
        m->u.ack.heartbeat_ms = dist_get_u32(r);
        m->u.ack.session_id = dist_get_u64(r);
        if (m->u.ack.heartbeat_ms == 0)
            r->bad = true;
        break;
    case DIST_MSG_HEARTBEAT:
    case DIST_MSG_NONE: break;
    case DIST_MSG_CREATE_TABLE: get_create(r, arena, m); break;
    case DIST_MSG_DROP_TABLE:
        m->u.drop.request_id = dist_get_u64(r);
        m->u.drop.name = dist_get_str_arena(r, arena);
        break;
    case DIST_MSG_REPLY:
        m->u.reply.request_id = dist_get_u64(r);
        get_error(r, &m->u.reply.error);
        break;
    case DIST_MSG_SUBMIT_TASK: get_submit(r, arena, m); break;
    case DIST_MSG_TASK_DONE:
        m->u.done.query_id = dist_get_u64(r);
        m->u.done.stage_id = dist_get_u32(r);
        m->u.done.task_idx = dist_get_u32(r);
        m->u.done.stats.rows_written = dist_get_u64(r);
        m->u.done.stats.rows_out = dist_get_u64(r);
        m->u.done.stats.peak_memory = dist_get_u64(r);
        m->u.done.stats.wall_ns = dist_get_u64(r);
        m->u.done.stats.compile_ns = dist_get_u64(r);
        get_pipes(r, arena, m);
        break;
    case DIST_MSG_TASK_FAILED:
        m->u.failed.query_id = dist_get_u64(r);
        m->u.failed.stage_id = dist_get_u32(r);
        m->u.failed.task_idx = dist_get_u32(r);
        get_error(r, &m->u.failed.error);
        if (m->u.failed.error.status == QE_OK)
            r->bad = true;
        break;
    case DIST_MSG_CANCEL_QUERY:
    case DIST_MSG_RELEASE_QUERY: m->u.query.query_id = dist_get_u64(r); break;
    case DIST_MSG_DATA:
    case DIST_MSG_DATA_END:
        m->u.data.query_id = dist_get_u64(r);
        m->u.data.exchange_id = dist_get_u32(r);
        m->u.data.partition = dist_get_u32(r);
        m->u.data.producer = dist_get_u32(r);
        if (m->type == DIST_MSG_DATA && !r->bad) {
            m->u.data.ipc_len = (uint32_t)(r->len - r->pos);
            m->u.data.ipc = dist_get_bytes(r, m->u.data.ipc_len);
            if (m->u.data.ipc_len == 0)
                r->bad = true;
        }
        break;
    }
}

qe_status dist_msg_decode(const dist_frame *f, rt_arena *arena, dist_msg *out, rt_error *err) {
    memset(out, 0, sizeof *out);
    out->type = f->type;
    dist_rbuf r;
    dist_rbuf_init(&r, f->payload, f->length);
    get_payload(&r, arena, out);
    if (r.bad || r.pos != r.len)
        return rt_error_set(err, QE_NETWORK, "08P01", -1, "malformed %s message of %u bytes",
                            dist_msg_name(f->type), f->length);
    return QE_OK;
}
