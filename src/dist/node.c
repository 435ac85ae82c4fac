/*
 * node.c -- the libuv event loop shared by the coordinator and the worker.
 *
 * A node owns one loop thread and everything on it: a TCP listener, the open
 * connections (inbound, outbound DATA connections pooled per endpoint, a worker's
 * control connection), a wake-up handle and a tick timer.  Other threads never touch
 * a handle: they post frames to a mutex-protected queue and wake the loop with
 * uv_async_send.  Input is reassembled into frames per connection; DATA and DATA_END
 * go to the exchange buffers, other messages to the role's on_frame.  Any framing or
 * decoding error closes that connection with a logged message.
 *
 * Lifetimes: a frame buffer handed to uv_write is freed in the write callback; a
 * connection is unlinked when closed and freed in its close callback.
 */
#include "dist_int.h"

#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK (64 * 1024)

/* A write in flight: the request and the frame it owns. */
typedef struct write_req {
    uv_write_t req;    /* the libuv request (first: the callback casts it back) */
    uint8_t *frame;    /* freed in the write callback */
    uint64_t query_id; /* charged with a failure */
} write_req;

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

/* ---- logging and addresses ---------------------------------------------------------- */

void dist_log(const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "qe-dist: %s\n", line);
}

/* Splits "host:port" / "[v6]:port" into host and port. */
static bool split_addr(const char *addr, char *host, size_t cap, char *port, size_t pcap) {
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || strlen(colon + 1) == 0 || strlen(colon + 1) >= pcap)
        return false;
    const char *h = addr;
    size_t n = (size_t)(colon - addr);
    if (h[0] == '[' && n >= 2 && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= cap)
        return false;
    memcpy(host, h, n);
    host[n] = '\0';
    strcpy(port, colon + 1);
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return atol(port) <= 65535;
}

qe_status dist_resolve(const char *addr, struct sockaddr_storage *out, rt_error *err) {
    char host[DIST_ADDR_MAX], port[8];
    if (!addr || !split_addr(addr, host, sizeof host, port, sizeof port)) {
        rt_error_set(err, QE_NETWORK, "08001", -1, "invalid address \"%s\"", addr ? addr : "");
        rt_error_hint(err, "Addresses are written HOST:PORT, for example 127.0.0.1:7000.");
        return QE_NETWORK;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || !res) {
        rt_error_set(err, QE_NETWORK, "08001", -1, "could not resolve address \"%s\"", addr);
        rt_error_detail(err, "%s.", gai_strerror(rc));
        return QE_NETWORK;
    }
    memset(out, 0, sizeof *out);
    memcpy(out, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return QE_OK;
}

/* "ip:port" of a socket address ("[ip]:port" for IPv6). */
static void format_addr(const struct sockaddr_storage *sa, char *out, size_t cap) {
    char ip[64] = "?";
    uv_ip_name((const struct sockaddr *)sa, ip, sizeof ip);
    int port = sa->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)sa)->sin6_port)
                                         : ntohs(((const struct sockaddr_in *)sa)->sin_port);
    snprintf(out, cap, sa->ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, port);
}

/* ---- connections -------------------------------------------------------------------- */

static dist_conn *conn_new(dist_node *node, dist_conn_kind kind, const char *endpoint) {
    dist_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (uv_tcp_init(&node->loop, &c->tcp) != 0) {
        free(c);
        return NULL;
    }
    c->tcp.data = c;
    c->node = node;
    c->id = ++node->next_conn_id;
    c->kind = kind;
    snprintf(c->endpoint, sizeof c->endpoint, "%s", endpoint);
    c->next = node->conns;
    node->conns = c;
    uv_tcp_nodelay(&c->tcp, 1);
    return c;
}

static void conn_free_cb(uv_handle_t *h) {
    dist_conn *c = h->data;
    for (dist_out *o = c->pending, *next; o; o = next) {
        next = o->next;
        free(o->frame);
        free(o);
    }
    free(c->rbuf);
    free(c);
}

static void unlink_conn(dist_conn *c) {
    for (dist_conn **p = &c->node->conns; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            return;
        }
}

/* A frame of query_id could not be delivered: fail the query in this process. */
static void fail_send(dist_node *node, uint64_t query_id, const char *endpoint,
                      const char *reason) {
    if (!query_id)
        return;
    rt_error e;
    rt_error_set(&e, QE_NETWORK, "08006", -1, "could not send data to %s", endpoint);
    rt_error_detail(&e, "%s.", reason);
    rt_error_hint(&e, "Check that the process at %s is running and reachable.", endpoint);
    dist_query_fail(node, query_id, &e);
}

void dist_conn_close(dist_conn *c, const char *reason) {
    if (c->closing)
        return;
    c->closing = true;
    if (c->node->ops->on_close)
        c->node->ops->on_close(c->node, c, reason);
    for (dist_out *o = c->pending; o; o = o->next)
        fail_send(c->node, o->query_id, c->endpoint, reason);
    unlink_conn(c);
    uv_close((uv_handle_t *)&c->tcp, conn_free_cb);
}

dist_conn *dist_node_find_conn(dist_node *node, uint64_t id) {
    for (dist_conn *c = node->conns; c; c = c->next)
        if (c->id == id && !c->closing)
            return c;
    return NULL;
}

static void write_cb(uv_write_t *req, int status) {
    write_req *w = (write_req *)req;
    dist_conn *c = req->handle->data;
    if (status < 0) {
        char reason[128];
        snprintf(reason, sizeof reason, "connection lost: %s", uv_strerror(status));
        fail_send(c->node, w->query_id, c->endpoint, reason);
        if (status != UV_ECANCELED) {
            dist_log("write to %s failed: %s", c->endpoint, uv_strerror(status));
            dist_conn_close(c, reason);
        }
    }
    free(w->frame);
    free(w);
}

void dist_conn_send(dist_conn *c, uint8_t *frame, size_t len, uint64_t query_id) {
    if (c->closing) {
        fail_send(c->node, query_id, c->endpoint, "connection closed");
        free(frame);
        return;
    }
    if (!c->connected) {
        dist_out *o = calloc(1, sizeof *o);
        if (!o) {
            fail_send(c->node, query_id, c->endpoint, "out of memory");
            free(frame);
            return;
        }
        o->frame = frame;
        o->len = len;
        o->query_id = query_id;
        if (c->pending_tail)
            c->pending_tail->next = o;
        else
            c->pending = o;
        c->pending_tail = o;
        return;
    }
    write_req *w = malloc(sizeof *w);
    uv_buf_t b = uv_buf_init((char *)frame, (unsigned)len);
    int rc = w ? uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_cb) : UV_ENOMEM;
    if (rc != 0) {
        fail_send(c->node, query_id, c->endpoint, uv_strerror(rc));
        free(frame);
        free(w);
        dist_conn_close(c, uv_strerror(rc));
        return;
    }
    w->frame = frame;
    w->query_id = query_id;
}

qe_status dist_conn_send_msg(dist_conn *c, const dist_msg *m, rt_error *err) {
    dist_wbuf w;
    dist_wbuf_init(&w);
    qe_status st = dist_msg_encode(m, &w, err);
    if (st != QE_OK) {
        dist_wbuf_free(&w);
        return st;
    }
    size_t len;
    uint8_t *frame = dist_wbuf_take(&w, &len);
    dist_conn_send(c, frame, len, 0);
    return QE_OK;
}

/* ---- reading ------------------------------------------------------------------------ */

static bool ensure_rbuf(dist_conn *c, size_t need) {
    if (c->rcap >= need)
        return true;
    size_t cap = c->rcap ? c->rcap : READ_CHUNK;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(c->rbuf, cap);
    if (!p)
        return false;
    c->rbuf = p;
    c->rcap = cap;
    return true;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    dist_conn *c = h->data;
    if (!ensure_rbuf(c, c->rlen + READ_CHUNK)) {
        *buf = uv_buf_init(NULL, 0);
        return;
    }
    *buf = uv_buf_init((char *)c->rbuf + c->rlen, (unsigned)(c->rcap - c->rlen));
}

static qe_status handle_frame(dist_conn *c, const dist_frame *f, rt_error *err) {
    dist_node *node = c->node;
    dist_msg m;
    qe_status st = dist_msg_decode(f, node->scratch, &m, err);
    if (st == QE_OK && m.type == DIST_MSG_DATA)
        st = dist_inbound_data(node, &m, err);
    else if (st == QE_OK && m.type == DIST_MSG_DATA_END)
        st = dist_inbound_end(node, &m, err);
    else if (st == QE_OK)
        st = node->ops->on_frame(node, c, &m, err);
    rt_arena_reset(node->scratch);
    return st;
}

/* Parses and dispatches every complete frame in the connection's buffer. */
static void process_input(dist_conn *c) {
    size_t off = 0;
    while (!c->closing) {
        dist_frame f;
        size_t used, need;
        rt_error err;
        qe_status st = dist_frame_parse(c->rbuf + off, c->rlen - off, &f, &used, &need, &err);
        if (st == QE_OK && used == 0) {
            if (!ensure_rbuf(c, off + need))
                st = rt_error_set(&err, QE_NOMEM, "53200", -1, "out of memory reading a frame");
            if (st == QE_OK)
                break;
        }
        if (st == QE_OK)
            st = handle_frame(c, &f, &err);
        if (st != QE_OK) {
            dist_log("closing connection with %s: %s", c->endpoint, err.message);
            dist_conn_close(c, err.message);
            return;
        }
        off += used;
    }
    if (c->closing)
        return;
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    dist_conn *c = stream->data;
    if (nread < 0) {
        dist_conn_close(c, nread == UV_EOF ? "connection closed by peer" : uv_strerror((int)nread));
        return;
    }
    c->rlen += (size_t)nread;
    process_input(c);
}

/* ---- connecting and accepting ------------------------------------------------------- */

static void connect_cb(uv_connect_t *req, int status) {
    dist_conn *c = req->handle->data;
    if (c->closing)
        return;
    if (status == 0)
        status = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
    if (c->node->ops->on_connect)
        c->node->ops->on_connect(c->node, c, status);
    if (status < 0) {
        char reason[128];
        snprintf(reason, sizeof reason, "could not connect: %s", uv_strerror(status));
        dist_conn_close(c, reason);
        return;
    }
    c->connected = true;
    dist_out *o = c->pending;
    c->pending = c->pending_tail = NULL;
    while (o) {
        dist_out *next = o->next;
        dist_conn_send(c, o->frame, o->len, o->query_id);
        free(o);
        o = next;
    }
}

qe_status dist_node_connect(dist_node *node, const char *endpoint, dist_conn_kind kind,
                            dist_conn **out, rt_error *err) {
    struct sockaddr_storage sa;
    qe_status st = dist_resolve(endpoint, &sa, err);
    if (st != QE_OK)
        return st;
    dist_conn *c = conn_new(node, kind, endpoint);
    if (!c)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory opening a connection");
    int rc = uv_tcp_connect(&c->connect_req, &c->tcp, (const struct sockaddr *)&sa, connect_cb);
    if (rc != 0) {
        dist_conn_close(c, uv_strerror(rc));
        return rt_error_set(err, QE_NETWORK, "08001", -1, "could not connect to %s: %s", endpoint,
                            uv_strerror(rc));
    }
    *out = c;
    return QE_OK;
}

static void connection_cb(uv_stream_t *server, int status) {
    dist_node *node = server->data;
    if (status < 0) {
        dist_log("accept on %s failed: %s", node->listen_addr, uv_strerror(status));
        return;
    }
    dist_conn *c = conn_new(node, DIST_CONN_INBOUND, "?");
    if (!c)
        return;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        dist_conn_close(c, "accept failed");
        return;
    }
    struct sockaddr_storage sa;
    int len = sizeof sa;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &len) == 0)
        format_addr(&sa, c->endpoint, sizeof c->endpoint);
    c->connected = true;
    if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) != 0)
        dist_conn_close(c, "read failed");
}

/* ---- the outbound queue ------------------------------------------------------------- */

static dist_conn *data_conn_for(dist_node *node, const char *endpoint, rt_error *err) {
    for (dist_conn *c = node->conns; c; c = c->next)
        if (c->kind == DIST_CONN_DATA_OUT && !c->closing && strcmp(c->endpoint, endpoint) == 0)
            return c;
    dist_conn *c = NULL;
    return dist_node_connect(node, endpoint, DIST_CONN_DATA_OUT, &c, err) == QE_OK ? c : NULL;
}

/* Sends a posted frame.  While stopping, only to open connections: libuv writes
 * right away when it can, so last words (CANCEL_QUERY, ...) usually get out. */
static void deliver(dist_node *node, dist_out *o, bool stopping) {
    dist_conn *c = NULL;
    rt_error err;
    if (o->conn_id) {
        c = dist_node_find_conn(node, o->conn_id);
        if (!c)
            fail_send(node, o->query_id, "a closed connection", "connection closed");
    } else if (!stopping) {
        c = data_conn_for(node, o->endpoint, &err);
        if (!c)
            fail_send(node, o->query_id, o->endpoint, err.message);
    }
    if (c && stopping && !c->connected)
        c = NULL;
    if (c)
        dist_conn_send(c, o->frame, o->len, o->query_id);
    else
        free(o->frame);
    free(o);
}

static void close_handles(dist_node *node) {
    while (node->conns)
        dist_conn_close(node->conns, "shutting down");
    uv_close((uv_handle_t *)&node->listener, NULL);
    uv_close((uv_handle_t *)&node->timer, NULL);
    pthread_mutex_lock(&node->mu);
    node->stopped = true;
    pthread_mutex_unlock(&node->mu);
    uv_close((uv_handle_t *)&node->async, NULL);
}

static void async_cb(uv_async_t *a) {
    dist_node *node = a->data;
    pthread_mutex_lock(&node->mu);
    dist_out *o = node->out_head;
    node->out_head = node->out_tail = NULL;
    bool stop = node->stop;
    pthread_mutex_unlock(&node->mu);
    while (o) {
        dist_out *next = o->next;
        o->next = NULL;
        if (node->stopped) {
            free(o->frame);
            free(o);
        } else {
            deliver(node, o, stop);
        }
        o = next;
    }
    if (node->ops->on_wake)
        node->ops->on_wake(node);
    if (stop && !node->stopped)
        close_handles(node);
}

static void timer_cb(uv_timer_t *t) {
    dist_node *node = t->data;
    if (node->ops->on_tick)
        node->ops->on_tick(node);
}

void dist_node_post(dist_node *node, uint64_t conn_id, const char *endpoint, uint64_t query_id,
                    uint8_t *frame, size_t len) {
    dist_out *o = calloc(1, sizeof *o);
    if (!o) {
        free(frame);
        return;
    }
    o->conn_id = conn_id;
    if (endpoint)
        snprintf(o->endpoint, sizeof o->endpoint, "%s", endpoint);
    o->query_id = query_id;
    o->frame = frame;
    o->len = len;
    pthread_mutex_lock(&node->mu);
    if (node->stop || node->stopped) {
        pthread_mutex_unlock(&node->mu);
        free(frame);
        free(o);
        return;
    }
    if (node->out_tail)
        node->out_tail->next = o;
    else
        node->out_head = o;
    node->out_tail = o;
    uv_async_send(&node->async);
    pthread_mutex_unlock(&node->mu);
}

void dist_node_wake(dist_node *node) {
    pthread_mutex_lock(&node->mu);
    if (node->handles_open && !node->stopped)
        uv_async_send(&node->async);
    pthread_mutex_unlock(&node->mu);
}

void dist_node_request_stop(dist_node *node) {
    pthread_mutex_lock(&node->mu);
    node->stop = true;
    if (node->handles_open && !node->stopped)
        uv_async_send(&node->async);
    pthread_mutex_unlock(&node->mu);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

static qe_status listen_on(dist_node *node, const char *addr, rt_error *err) {
    struct sockaddr_storage sa;
    qe_status st = dist_resolve(addr, &sa, err);
    if (st != QE_OK)
        return st;
    int rc = uv_tcp_bind(&node->listener, (const struct sockaddr *)&sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&node->listener, 128, connection_cb);
    if (rc != 0) {
        rt_error_set(err, QE_NETWORK, "08001", -1, "could not listen on %s: %s", addr,
                     uv_strerror(rc));
        if (rc == UV_EADDRINUSE)
            rt_error_hint(err, "Another process is using that port; choose another one.");
        return QE_NETWORK;
    }
    int len = sizeof sa;
    uv_tcp_getsockname(&node->listener, (struct sockaddr *)&sa, &len);
    format_addr(&sa, node->listen_addr, sizeof node->listen_addr);
    return QE_OK;
}

qe_status dist_node_init(dist_node *node, const char *listen_addr, const dist_node_ops *ops,
                         void *role, uint32_t tick_ms, rt_error *err) {
    node->ops = ops;
    node->role = role;
    pthread_mutex_init(&node->mu, NULL);
    node->xs = dist_xstate_create();
    node->scratch = rt_arena_create(NULL);
    if (!node->xs || !node->scratch || uv_loop_init(&node->loop) != 0)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory starting the network");
    uv_async_init(&node->loop, &node->async, async_cb);
    uv_timer_init(&node->loop, &node->timer);
    uv_tcp_init(&node->loop, &node->listener);
    node->async.data = node->timer.data = node->listener.data = node;
    node->handles_open = true;
    qe_status st = listen_on(node, listen_addr, err);
    if (st != QE_OK)
        return st;
    uv_timer_start(&node->timer, timer_cb, tick_ms, tick_ms);
    return QE_OK;
}

void dist_node_run(dist_node *node) {
    uv_run(&node->loop, UV_RUN_DEFAULT);
    if (!node->stopped) /* the loop ran out of work without a stop: close anyway */
        close_handles(node);
    uv_run(&node->loop, UV_RUN_DEFAULT);
}

void dist_node_destroy(dist_node *node) {
    if (node->handles_open) {
        if (!node->stopped)
            close_handles(node);
        uv_run(&node->loop, UV_RUN_DEFAULT);
        uv_loop_close(&node->loop);
        node->handles_open = false;
    }
    for (dist_out *o = node->out_head, *next; o; o = next) {
        next = o->next;
        free(o->frame);
        free(o);
    }
    node->out_head = node->out_tail = NULL;
    dist_xstate_destroy(node->xs);
    node->xs = NULL;
    rt_arena_destroy(node->scratch);
    node->scratch = NULL;
    pthread_mutex_destroy(&node->mu);
}
