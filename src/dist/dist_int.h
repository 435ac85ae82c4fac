/*
 * dist_int.h -- private interface of src/dist.
 *
 * Four pieces, one file each:
 *   wire.c       frames (header + XXH32-checked payload) and the codecs of every
 *                message type (one X-macro list), on bounds-checked byte buffers;
 *   arrow_ipc.c  Arrow IPC encapsulated messages (Schema, RecordBatch with ZSTD
 *                buffer compression) <-> rt_batch, with a hand-written FlatBuffers
 *                builder and verifier-reader;
 *   node.c       the libuv event loop shared by coordinator and worker: listener,
 *                connections, framed reads, a thread-safe outbound queue;
 *   exchange.c   per-query state of a process (error, cancel flag, inbound data
 *                queues) and the network rt_exchange_ops used by tasks.
 * coordinator.c and worker.c build the two roles on top of them.
 */
#ifndef QE_DIST_INT_H
#define QE_DIST_INT_H

#include "dist.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include <zstd.h>

/* ---- wire frames -------------------------------------------------------------------- */

#define DIST_FRAME_MAGIC 0x31574551u /* "QEW1" read as a little-endian u32 */
#define DIST_WIRE_VERSION 3          /* 3: TASK_DONE carries wall time and pipeline figures */
#define DIST_FRAME_HEADER                                                                          \
    16                              /* magic u32, version u16, type u16, length u32,               \
                                       XXH32(payload, seed 0) u32 */
#define DIST_FRAME_MAX (256u << 20) /* largest payload accepted */
#define DIST_ADDR_MAX 128           /* "host:port" buffers, NUL included */

/*
 * X(name, code, text) -- every message type of the protocol.  Direction and payload:
 *   REGISTER       w->c  listen address, threads, heartbeat ms, CPU features
 *   REGISTER_ACK   c->w  worker id, heartbeat interval to use (ms), coordinator session
 *   HEARTBEAT      w->c  empty
 *   CREATE_TABLE   c->w  request id, table name, column names and types
 *   DROP_TABLE     c->w  request id, table name
 *   REPLY          w->c  request id, error (status QE_OK = success)
 *   SUBMIT_TASK    c->w  query, stage, task, n_tasks, jit, threads, delay, plan, routes
 *   TASK_DONE      w->c  query, stage, task, rt_task_stats, per pipeline dist_pipe_report
 *   TASK_FAILED    w->c  query, stage, task, the whole error
 *   CANCEL_QUERY   c->w  query id: stop its tasks, free its buffers
 *   RELEASE_QUERY  c->w  query id: the query is over (success), free its buffers
 *   DATA           any   query, exchange, consumer partition, producer task, one Arrow
 *                        IPC encapsulated message
 *   DATA_END       any   query, exchange, consumer partition, producer task
 */
#define DIST_MSG_LIST(X)                                                                           \
    X(REGISTER, 1, "register")                                                                     \
    X(REGISTER_ACK, 2, "register_ack")                                                             \
    X(HEARTBEAT, 3, "heartbeat")                                                                   \
    X(CREATE_TABLE, 4, "create_table")                                                             \
    X(DROP_TABLE, 5, "drop_table")                                                                 \
    X(REPLY, 6, "reply")                                                                           \
    X(SUBMIT_TASK, 7, "submit_task")                                                               \
    X(TASK_DONE, 8, "task_done")                                                                   \
    X(TASK_FAILED, 9, "task_failed")                                                               \
    X(CANCEL_QUERY, 10, "cancel_query")                                                            \
    X(RELEASE_QUERY, 11, "release_query")                                                          \
    X(DATA, 12, "data")                                                                            \
    X(DATA_END, 13, "data_end")

typedef enum dist_msg_type {
    DIST_MSG_NONE = 0,
#define DIST_X_ENUM(name, code, text) DIST_MSG_##name = code,
    DIST_MSG_LIST(DIST_X_ENUM)
#undef DIST_X_ENUM
} dist_msg_type;

/* Text of a message type ("submit_task"), "?" if unknown. */
const char *dist_msg_name(uint32_t type);
/* True if type is in DIST_MSG_LIST. */
bool dist_msg_known(uint32_t type);

/* ---- byte buffers ------------------------------------------------------------------- */

/* A growable little-endian output buffer.  On out-of-memory `oom` is set and further
 * writes are ignored; the owner checks it once at the end. */
typedef struct dist_wbuf {
    uint8_t *data; /* malloc'd; owned until dist_wbuf_take */
    size_t len;    /* bytes written */
    size_t cap;    /* bytes allocated */
    bool oom;      /* an allocation failed */
} dist_wbuf;

void dist_wbuf_init(dist_wbuf *w);
void dist_wbuf_free(dist_wbuf *w);
/* Makes room for n more bytes; false (and oom) on failure. */
bool dist_wbuf_reserve(dist_wbuf *w, size_t n);
/* Appends n zero bytes and returns where they start (NULL on oom). */
uint8_t *dist_wbuf_grow(dist_wbuf *w, size_t n);
void dist_put_bytes(dist_wbuf *w, const void *p, size_t n);
void dist_put_u8(dist_wbuf *w, uint8_t v);
void dist_put_u16(dist_wbuf *w, uint16_t v);
void dist_put_u32(dist_wbuf *w, uint32_t v);
void dist_put_u64(dist_wbuf *w, uint64_t v);
/* u32 length + bytes (no NUL). */
void dist_put_str(dist_wbuf *w, const char *s);
/* Returns the buffer (caller frees with free()) and resets w; NULL after oom. */
uint8_t *dist_wbuf_take(dist_wbuf *w, size_t *len);

/* A bounds-checked reader.  A read past the end sets `bad` and yields zeros; callers
 * check `bad` (and that everything was consumed) once at the end. */
typedef struct dist_rbuf {
    const uint8_t *p; /* the bytes (borrowed) */
    size_t len;       /* their count */
    size_t pos;       /* next byte to read */
    bool bad;         /* a read failed */
} dist_rbuf;

void dist_rbuf_init(dist_rbuf *r, const void *p, size_t len);
uint8_t dist_get_u8(dist_rbuf *r);
uint16_t dist_get_u16(dist_rbuf *r);
uint32_t dist_get_u32(dist_rbuf *r);
uint64_t dist_get_u64(dist_rbuf *r);
/* Borrows n bytes (NULL and bad if they are not there). */
const uint8_t *dist_get_bytes(dist_rbuf *r, size_t n);
/* Reads a string into dst[cap] (NUL-terminated); bad if longer than cap - 1 or if it
 * holds a NUL byte. */
void dist_get_str_buf(dist_rbuf *r, char *dst, size_t cap);
/* Reads a string into the arena (NUL-terminated); bad on failure. */
char *dist_get_str_arena(dist_rbuf *r, rt_arena *arena);

/* Little-endian loads and stores on unaligned memory. */
uint32_t dist_load_u32(const uint8_t *p);
uint64_t dist_load_u64(const uint8_t *p);
void dist_store_u32(uint8_t *p, uint32_t v);
void dist_store_u64(uint8_t *p, uint64_t v);

/* ---- frames ------------------------------------------------------------------------- */

/* Starts a frame in w: reserves the header; the payload is appended after it. */
void dist_frame_begin(dist_wbuf *w);
/* Completes the frame begun in w (fills the header for type, length and checksum).
 * Fails on out-of-memory or a payload over DIST_FRAME_MAX. */
qe_status dist_frame_end(dist_wbuf *w, uint32_t type, rt_error *err);

/* A parsed frame: points into the caller's buffer. */
typedef struct dist_frame {
    uint32_t type;          /* a known dist_msg_type */
    const uint8_t *payload; /* borrowed */
    uint32_t length;        /* payload bytes */
} dist_frame;

/*
 * Parses the frame at the start of buf[0..len).  Returns QE_OK with *consumed = the
 * frame's size, or with *consumed = 0 when more bytes are needed (*need then says how
 * many the whole frame takes, as far as known).  A bad magic, version, type, length
 * or checksum is QE_NETWORK with SQLSTATE 08P01 (protocol violation).
 */
qe_status dist_frame_parse(const uint8_t *buf, size_t len, dist_frame *out, size_t *consumed,
                           size_t *need, rt_error *err);

/* ---- messages ----------------------------------------------------------------------- */

/* Where the rows of one exchange go: its consumer endpoints and producer count. */
typedef struct dist_route {
    uint32_t n_producers; /* tasks of the producer stage (DATA_END count to expect) */
    uint32_t n_consumers; /* consumer partitions */
    char **endpoints;     /* n_consumers "host:port", consumer partition i at [i] */
} dist_route;

/* One decoded message.  Pointers borrow the frame payload or the decoding arena. */
typedef struct dist_msg {
    uint32_t type; /* dist_msg_type */
    union {
        struct {
            char listen[DIST_ADDR_MAX]; /* the worker's address for peers */
            uint32_t n_threads;         /* threads per task */
            uint32_t heartbeat_ms;      /* the worker's configured heartbeat period */
            char cpu[256];              /* CPU features, comma-separated */
        } reg;                          /* REGISTER */
        struct {
            uint32_t worker_id;    /* assigned by the coordinator */
            uint32_t heartbeat_ms; /* period the worker must use */
            uint64_t session_id;   /* the coordinator's lifetime: a new value means a new
                                      catalog, so the worker drops the old one's tables */
        } ack;                     /* REGISTER_ACK */
        struct {
            uint64_t request_id; /* echoed in the REPLY */
            char *name;          /* table name */
            uint32_t n_cols;     /* columns */
            char **col_names;    /* n_cols */
            qe_type *col_types;  /* n_cols */
        } create;                /* CREATE_TABLE */
        struct {
            uint64_t request_id; /* echoed in the REPLY */
            char *name;          /* table name */
        } drop;                  /* DROP_TABLE */
        struct {
            uint64_t request_id; /* echoed in the REPLY */
            rt_error error;      /* status QE_OK: success */
        } reply;                 /* REPLY */
        struct {
            uint64_t query_id;       /* query the task belongs to */
            uint32_t stage_id;       /* stage to run */
            uint32_t task_idx;       /* this task's index (its partition) */
            uint32_t n_tasks;        /* tasks of the stage */
            bool jit;                /* compile the stage */
            uint32_t n_threads;      /* threads for the task */
            uint32_t debug_delay_ms; /* sleep per source batch (fault tests) */
            int64_t memory_limit;    /* bytes the task may use; <= 0: unlimited */
            const uint8_t *plan;     /* opt_plan_serialize bytes (borrowed) */
            uint32_t plan_len;       /* bytes of plan */
            uint32_t n_routes;       /* one per exchange of the plan */
            dist_route *routes;      /* n_routes entries */
        } submit;                    /* SUBMIT_TASK */
        struct {
            uint64_t query_id;       /* query the task belongs to */
            uint32_t stage_id;       /* stage of the task */
            uint32_t task_idx;       /* task index */
            rt_task_stats stats;     /* figures of the task */
            uint32_t n_pipes;        /* pipelines reported (those of the stage) */
            dist_pipe_report *pipes; /* their figures (EXPLAIN ANALYZE) */
        } done;                      /* TASK_DONE */
        struct {
            uint64_t query_id; /* query the task belongs to */
            uint32_t stage_id; /* stage of the task */
            uint32_t task_idx; /* task index */
            rt_error error;    /* the task's error, whole */
        } failed;              /* TASK_FAILED */
        struct {
            uint64_t query_id; /* the query concerned */
        } query;               /* CANCEL_QUERY, RELEASE_QUERY */
        struct {
            uint64_t query_id;    /* query the data belongs to */
            uint32_t exchange_id; /* exchange of the plan */
            uint32_t partition;   /* consumer partition */
            uint32_t producer;    /* producer task index */
            const uint8_t *ipc;   /* DATA: one IPC message (borrowed) */
            uint32_t ipc_len;     /* bytes of ipc */
        } data;                   /* DATA, DATA_END */
    } u;
} dist_msg;

/* Encodes m as a whole frame into w (which must be empty). */
qe_status dist_msg_encode(const dist_msg *m, dist_wbuf *w, rt_error *err);
/* Decodes a frame's payload.  Variable parts (names, routes) go to arena.  Undecodable
 * payloads are QE_NETWORK / 08P01. */
qe_status dist_msg_decode(const dist_frame *f, rt_arena *arena, dist_msg *out, rt_error *err);
/* Begins a DATA frame in w (empty): header fields; the IPC message is appended next,
 * then dist_frame_end(w, DIST_MSG_DATA). */
void dist_data_frame_begin(dist_wbuf *w, uint64_t query_id, uint32_t exchange_id,
                           uint32_t partition, uint32_t producer);

/* ---- Arrow IPC ---------------------------------------------------------------------- */

/* X(name, code) -- message header kinds of Arrow's Message.fbs that QE handles. */
typedef enum dist_ipc_kind {
    DIST_IPC_SCHEMA = 1,
    DIST_IPC_RECORD_BATCH = 3,
} dist_ipc_kind;

/* Appends an encapsulated Schema message for columns of the given types (named c0,
 * c1, ...) to out.  Only BOOLEAN, INTEGER, BIGINT, DOUBLE and VARCHAR are supported. */
qe_status dist_ipc_encode_schema(uint32_t n_cols, const qe_type *types, dist_wbuf *out,
                                 rt_error *err);
/*
 * Appends an encapsulated RecordBatch message holding rows [row_start, row_start +
 * n_rows) of a compact batch (no selection; row_start a multiple of 8).  Buffers are
 * ZSTD-compressed with cctx (NULL: no compression, no BodyCompression table).
 */
qe_status dist_ipc_encode_batch(const rt_batch *batch, uint32_t row_start, uint32_t n_rows,
                                ZSTD_CCtx *cctx, dist_wbuf *out, rt_error *err);
/* The header kind of an encapsulated message (validated enough to know it). */
qe_status dist_ipc_peek_kind(const uint8_t *buf, size_t len, dist_ipc_kind *kind, rt_error *err);
/* Decodes a Schema message; fails unless it has exactly n_cols fields of these types. */
qe_status dist_ipc_check_schema(const uint8_t *buf, size_t len, uint32_t n_cols,
                                const qe_type *types, rt_error *err);
/*
 * Decodes a RecordBatch message of columns with the given types into a new compact
 * batch in arena (at most RT_VECTOR_SIZE rows).  Every offset, length and string view
 * is validated; dctx (may be NULL: one is made per call) decompresses.
 */
qe_status dist_ipc_decode_batch(const uint8_t *buf, size_t len, uint32_t n_cols,
                                const qe_type *types, ZSTD_DCtx *dctx, rt_arena *arena,
                                rt_batch **out, rt_error *err);

/* ---- the event-loop node ------------------------------------------------------------ */

typedef struct dist_node dist_node;
typedef struct dist_conn dist_conn;
typedef struct dist_xstate dist_xstate;

/* X(name) -- what a connection is for. */
typedef enum dist_conn_kind {
    DIST_CONN_INBOUND,     /* accepted on the listener */
    DIST_CONN_DATA_OUT,    /* opened to a peer endpoint to send DATA */
    DIST_CONN_CONTROL_OUT, /* a worker's connection to its coordinator */
} dist_conn_kind;

/* A frame waiting in the outbound queue or for a connection to open. */
typedef struct dist_out {
    struct dist_out *next;        /* queue link */
    uint64_t conn_id;             /* target connection, or 0: endpoint */
    char endpoint[DIST_ADDR_MAX]; /* target endpoint when conn_id == 0 */
    uint64_t query_id;            /* query a send failure is charged to (0: none) */
    uint8_t *frame;               /* malloc'd header + payload; owned */
    size_t len;                   /* bytes of frame */
} dist_out;

struct dist_conn {
    uv_tcp_t tcp;                 /* tcp.data == this */
    dist_node *node;              /* owner */
    uint64_t id;                  /* unique within the node, never 0 */
    dist_conn_kind kind;          /* what the connection is for */
    char endpoint[DIST_ADDR_MAX]; /* outbound: target; inbound: peer address */
    bool connected;               /* writes may go out */
    bool closing;                 /* uv_close called; freed in the close callback */
    uint8_t *rbuf;                /* unparsed input (malloc'd) */
    size_t rlen;                  /* bytes in rbuf */
    size_t rcap;                  /* capacity of rbuf */
    dist_out *pending;            /* frames waiting for the connection to open */
    dist_out *pending_tail;       /* last of pending */
    uv_connect_t connect_req;     /* outbound connect in flight */
    void *role_data;              /* the role's record (coordinator: its worker) */
    struct dist_conn *next;       /* node's list of connections */
};

/* Callbacks of a role, all run on the loop thread. */
typedef struct dist_node_ops {
    /* A control message arrived on conn (DATA and DATA_END are handled by the node).
     * An error closes the connection with a logged message. */
    qe_status (*on_frame)(dist_node *node, dist_conn *conn, const dist_msg *msg, rt_error *err);
    /* An outbound connection opened (status 0) or failed (status < 0). */
    void (*on_connect)(dist_node *node, dist_conn *conn, int status);
    /* conn is being closed (reason: text for logs). */
    void (*on_close)(dist_node *node, dist_conn *conn, const char *reason);
    /* Every tick_ms. */
    void (*on_tick)(dist_node *node);
    /* The loop was woken by dist_node_wake or a posted frame. */
    void (*on_wake)(dist_node *node);
} dist_node_ops;

struct dist_node {
    uv_loop_t loop;                  /* the node's event loop (loop thread only) */
    uv_tcp_t listener;               /* accepts peers and workers */
    uv_async_t async;                /* wakes the loop from other threads */
    uv_timer_t timer;                /* ticks every tick_ms */
    bool handles_open;               /* loop and handles initialized */
    char listen_addr[DIST_ADDR_MAX]; /* bound "host:port" (port resolved when 0 asked) */
    const dist_node_ops *ops;        /* role callbacks */
    void *role;                      /* the coordinator or worker */
    uint64_t next_conn_id;           /* loop thread */
    dist_conn *conns;                /* loop thread: every open connection */
    rt_arena *scratch;               /* loop thread: decoding arena, reset per frame */
    pthread_mutex_t mu;              /* guards everything below and the xstate */
    dist_out *out_head;              /* frames posted by other threads */
    dist_out *out_tail;              /* last of out_head */
    bool stop;                       /* shut the loop down */
    bool stopped;                    /* the loop has closed its handles */
    dist_xstate *xs;                 /* queries and inbound data (exchange.c) */
};

/* Logs one line to stderr ("qe: <role>: ..."). */
void dist_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Splits "host:port" and resolves it to a socket address (numeric hosts, or names
 * through getaddrinfo).  Errors are QE_NETWORK / 08001 with the address quoted. */
qe_status dist_resolve(const char *addr, struct sockaddr_storage *out, rt_error *err);

/* Initializes the loop, the wake-up handle, the tick timer and the listener bound to
 * listen_addr (port 0 picks one; node->listen_addr gets the real address). */
qe_status dist_node_init(dist_node *node, const char *listen_addr, const dist_node_ops *ops,
                         void *role, uint32_t tick_ms, rt_error *err);
/* Runs the loop until dist_node_request_stop; closes every handle before returning. */
void dist_node_run(dist_node *node);
/* Frees what dist_node_init made (after dist_node_run returned, or if it never ran). */
void dist_node_destroy(dist_node *node);
/* Thread-safe: asks the loop to shut down. */
void dist_node_request_stop(dist_node *node);
/* Thread-safe: wakes the loop (on_wake runs). */
void dist_node_wake(dist_node *node);
/* Thread-safe: queues a frame (taking ownership) for connection conn_id, or for the
 * endpoint when conn_id is 0 (a DATA connection is opened on demand).  Dropped
 * silently once the node is stopping. */
void dist_node_post(dist_node *node, uint64_t conn_id, const char *endpoint, uint64_t query_id,
                    uint8_t *frame, size_t len);

/* Loop thread: opens an outbound connection (connect runs asynchronously). */
qe_status dist_node_connect(dist_node *node, const char *endpoint, dist_conn_kind kind,
                            dist_conn **out, rt_error *err);
/* Loop thread: writes a frame (taking ownership) on conn, or queues it until the
 * connection opens.  Write failures close conn and fail query_id's local state. */
void dist_conn_send(dist_conn *conn, uint8_t *frame, size_t len, uint64_t query_id);
/* Loop thread: encodes and sends a control message. */
qe_status dist_conn_send_msg(dist_conn *conn, const dist_msg *m, rt_error *err);
/* Loop thread: closes conn (idempotent); on_close runs first. */
void dist_conn_close(dist_conn *conn, const char *reason);
/* Loop thread: the connection with this id, NULL if gone or closing. */
dist_conn *dist_node_find_conn(dist_node *node, uint64_t id);

/* ---- per-query state and the network exchange (exchange.c) ------------------------- */

typedef struct dist_query dist_query;

/* Creates / destroys the node's query registry (destroy frees every query). */
dist_xstate *dist_xstate_create(void);
void dist_xstate_destroy(dist_xstate *xs);

/* Takes a reference on query_id's state, creating it (NULL if the query was closed or on
 * out-of-memory).  Locks node->mu itself. */
dist_query *dist_query_acquire(dist_node *node, uint64_t query_id);
/* Drops a reference; a closed query with no references is freed. */
void dist_query_release(dist_node *node, dist_query *q);
/* The query's cancel flag (for rt_task.cancel). */
const _Atomic bool *dist_query_cancel_flag(dist_query *q);
/* Records the query's first failure, raises its cancel flag and wakes every waiter.
 * Locks node->mu itself; unknown queries are ignored. */
void dist_query_fail(dist_node *node, uint64_t query_id, const rt_error *error);
/* The same, with node->mu held. */
void dist_query_fail_locked(dist_node *node, uint64_t query_id, const rt_error *error);
/* Fails every open query (e.g. a worker lost its coordinator); mu held. */
void dist_query_fail_all_locked(dist_node *node, const rt_error *error);
/* Ends the query in this process: cancels, frees its buffered data (now or when the last
 * reference goes) and ignores later data for it.  Locks node->mu itself. */
void dist_query_close(dist_node *node, uint64_t query_id, const rt_error *reason);
/* Closes every query of this process (a worker lost its coordinator).  Locks mu. */
void dist_query_close_all(dist_node *node, const rt_error *reason);
/* Number of query states (tests, logs).  mu held. */
uint32_t dist_query_count_locked(dist_node *node);

/* Loop thread: buffers a DATA message (copying the IPC bytes) / records a DATA_END. */
qe_status dist_inbound_data(dist_node *node, const dist_msg *m, rt_error *err);
qe_status dist_inbound_end(dist_node *node, const dist_msg *m, rt_error *err);

/* The network exchange of one task: rt_exchange_ops context. */
typedef struct dist_xctx dist_xctx;

/* Creates the exchange context of task task_idx of a query (routes: one per exchange
 * of the plan, borrowed until destroy; q: acquired by the caller, borrowed). */
qe_status dist_xctx_create(dist_node *node, dist_query *q, uint64_t query_id,
                           const plan_query *plan, uint32_t task_idx, uint32_t n_routes,
                           const dist_route *routes, dist_xctx **out, rt_error *err);
void dist_xctx_destroy(dist_xctx *x); /* accepts NULL */
extern const rt_exchange_ops dist_exchange_ops;

/* Builds the "worker ... is unreachable" error (08006) with detail and hint. */
void dist_error_unreachable(rt_error *err, const char *what, const char *addr, const char *detail);

#endif /* QE_DIST_INT_H */
