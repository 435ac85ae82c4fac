/*
 * qe.h -- the one public header of QE, an analytical SQL engine that compiles queries.
 *
 * Everything a program (the CLIs included) may use is declared here: configuration,
 * engines, sessions, statements, columnar results and errors.  Handles are opaque.
 * Fallible functions return qe_status (QE_OK == 0) and pass results through
 * out-parameters; details of a failure are in a qe_error.
 *
 * Ownership is in the verb: _create/_open return objects the caller releases with
 * _destroy/_close (which accept NULL); _get_ borrows.
 */
#ifndef QE_H
#define QE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(QE_BUILDING_LIBRARY)
#define QE_API __attribute__((visibility("default")))
#else
#define QE_API
#endif

/* ---- status codes ------------------------------------------------------------------ */

/* X(name, text) -- every status code of the engine. */
#define QE_STATUS_LIST(X)                                                                          \
    X(OK, "ok")                                                                                    \
    X(ERROR, "error")                                                                              \
    X(NOMEM, "out of memory")                                                                      \
    X(SYNTAX, "syntax error")                                                                      \
    X(BIND, "semantic error")                                                                      \
    X(UNSUPPORTED, "feature not supported")                                                        \
    X(CONSTRAINT, "constraint violation")                                                          \
    X(DATA, "data exception")                                                                      \
    X(IO, "i/o error")                                                                             \
    X(NETWORK, "network error")                                                                    \
    X(CANCELLED, "query cancelled")                                                                \
    X(INTERNAL, "internal error")                                                                  \
    X(MISUSE, "api misuse")

typedef enum qe_status {
#define QE_X_STATUS_ENUM(name, text) QE_##name,
    QE_STATUS_LIST(QE_X_STATUS_ENUM)
#undef QE_X_STATUS_ENUM
} qe_status;

/* Returns a static, lower-case description of a status code. */
QE_API const char *qe_status_text(qe_status status);

/* ---- types ------------------------------------------------------------------------- */

/*
 * X(name, sql_name, byte_width) -- the value types.  byte_width is the width of one
 * value in a column's values buffer (0 for no buffer).  BOOLEAN is one byte per value
 * in memory (0/1); VARCHAR values are 16-byte string views (qe_string_view).  HUGEINT
 * and DECIMAL values are little-endian signed 128-bit integers (Arrow's Decimal128
 * layout); a DECIMAL(p, s) value v means v / 10^s.  DATE is int32 days since
 * 1970-01-01, TIMESTAMP int64 microseconds since 1970-01-01 00:00:00, INTERVAL is
 * {int32 months, int32 days, int64 microseconds} (16 bytes).  CHAR(n) is VARCHAR
 * (values padded with blanks to n).
 */
#define QE_TYPE_LIST(X)                                                                            \
    X(NULL, "NULL", 0)                                                                             \
    X(BOOLEAN, "BOOLEAN", 1)                                                                       \
    X(SMALLINT, "SMALLINT", 2)                                                                     \
    X(INTEGER, "INTEGER", 4)                                                                       \
    X(BIGINT, "BIGINT", 8)                                                                         \
    X(HUGEINT, "HUGEINT", 16)                                                                      \
    X(DECIMAL, "DECIMAL", 16)                                                                      \
    X(REAL, "REAL", 4)                                                                             \
    X(DOUBLE, "DOUBLE", 8)                                                                         \
    X(DATE, "DATE", 4)                                                                             \
    X(TIMESTAMP, "TIMESTAMP", 8)                                                                   \
    X(INTERVAL, "INTERVAL", 16)                                                                    \
    X(VARCHAR, "VARCHAR", 16)

typedef enum qe_type {
#define QE_X_TYPE_ENUM(name, sql, width) QE_TYPE_##name,
    QE_TYPE_LIST(QE_X_TYPE_ENUM)
#undef QE_X_TYPE_ENUM
        QE_TYPE_COUNT
} qe_type;

/* Returns the SQL name of a type ("INTEGER"), or "?" for an invalid value. */
QE_API const char *qe_type_name(qe_type type);

/*
 * A string value: Arrow's Utf8View layout.  Strings of up to 12 bytes are inline
 * (after len); longer ones keep a 4-byte prefix and point into one of the column's
 * data buffers by (buffer_index, offset).
 */
typedef struct qe_string_view {
    uint32_t len; /* length in bytes */
    union {
        char inlined[12]; /* len <= 12: the bytes themselves, zero padded */
        struct {
            char prefix[4];        /* first 4 bytes of the string */
            uint32_t buffer_index; /* index into qe_column_view.buffers */
            uint32_t offset;       /* byte offset in that buffer */
        } ref;
    } u;
} qe_string_view;

/* ---- errors ------------------------------------------------------------------------ */

/* A failure: message, optional detail and hint, SQLSTATE and byte position. */
typedef struct qe_error qe_error;

/* One-line, lower-case message (PostgreSQL style); never NULL. */
QE_API const char *qe_error_message(const qe_error *err);
/* Detail sentence, or NULL. */
QE_API const char *qe_error_detail(const qe_error *err);
/* Hint sentence, or NULL. */
QE_API const char *qe_error_hint(const qe_error *err);
/* Five-character SQLSTATE ("42601"); never NULL. */
QE_API const char *qe_error_sqlstate(const qe_error *err);
/* Byte offset of the error in the SQL text given to qe_prepare/qe_query, or -1. */
QE_API int qe_error_position(const qe_error *err);
/* Status code of the failure. */
QE_API qe_status qe_error_status(const qe_error *err);
/*
 * Renders the error as PostgreSQL's psql does:
 *   ERROR:  syntax error at or near "FORM"
 *   LINE 1: SELECT a FORM t
 *                    ^
 *   HINT:  ...
 * sql (may be NULL) is the text the position refers to.  Writes at most cap bytes
 * (NUL-terminated) and returns the length the full text needs.
 */
QE_API size_t qe_error_format(const qe_error *err, const char *sql, char *buf, size_t cap);
/* Releases an error returned by qe_engine_open or qe_worker_run.  Accepts NULL. */
QE_API void qe_error_destroy(qe_error *err);

/* ---- configuration ----------------------------------------------------------------- */

typedef struct qe_config qe_config;

QE_API qe_status qe_config_create(qe_config **out);
QE_API void qe_config_destroy(qe_config *cfg);
/*
 * Sets an option by name; the value is copied.  Options:
 *   threads                 worker threads per process (default: number of cores)
 *   execution_mode          'interpret' | 'jit' | 'adaptive' (default 'adaptive': start
 *                           interpreted, compile a stage in the background when its
 *                           measured progress says it pays, at the tier it picks, and
 *                           switch at the next morsel; embedded only, a cluster
 *                           interprets in adaptive mode)
 *   jit_tier                'cheap' | 'optimized' (default 'optimized'): how jit mode
 *                           compiles (cheap: mem2reg + fast instruction selection);
 *                           embedded only, a cluster always compiles 'optimized'
 *   cluster                 HOST:PORT: act as coordinator listening there
 *   min_workers             queries wait for this many registered workers (default 1)
 *   worker_wait_ms          how long a query waits for min_workers (default 10000)
 *   heartbeat_interval_ms   worker heartbeat period (default 500)
 *   heartbeat_timeout_ms    a worker silent this long is dead (default 3000)
 *   listen                  (worker) HOST:PORT for peers and the coordinator
 *   coordinator             (worker) HOST:PORT of the coordinator
 * Returns QE_MISUSE for an unknown name or an invalid value.
 */
QE_API qe_status qe_config_set(qe_config *cfg, const char *name, const char *value);

/* ---- engine and session ------------------------------------------------------------ */

typedef struct qe_engine qe_engine;
typedef struct qe_session qe_session;
typedef struct qe_stmt qe_stmt;
typedef struct qe_result qe_result;

/*
 * Opens an engine on a database: ":memory:" (or NULL) for an in-memory database, else
 * the path of a database directory, created if missing and locked for this process
 * (55006 if another holds it; a corrupt file is XX001).  Every statement's changes are
 * durable when it returns.  A cluster coordinator (option cluster) opens only
 * in-memory databases (0A000).  cfg may be NULL (defaults) and is not retained.  On failure
 * *err_out (if not NULL) receives an error the caller destroys.
 */
QE_API qe_status qe_engine_open(const char *path, const qe_config *cfg, qe_engine **out,
                                qe_error **err_out);
/* Closes the engine; all its sessions must be closed first.  Accepts NULL. */
QE_API void qe_engine_close(qe_engine *engine);

QE_API qe_status qe_session_open(qe_engine *engine, qe_session **out);
QE_API void qe_session_close(qe_session *session);
/* The last error of the session; borrowed until the next call on the session. */
QE_API const qe_error *qe_session_error(const qe_session *session);
/* Same as the SQL statement SET name = value.  Session settings: threads,
 * execution_mode, jit_tier, memory_limit (as for qe_config_set), debug_task_delay_ms,
 * emit_cpu ('host' or an LLVM CPU name: the target of qe_emit_text's assembly),
 * jit_cache_size (compiled stages the process's code cache keeps, default 256, 0 = no
 * cache; process-wide: it applies to every session and engine of the process), and
 * debug_adaptive ('off' | 'wait': adaptive mode compiles every stage with a compilable
 * pipeline at once at jit_tier, and each thread waits for the code after its first
 * morsel, so small test data exercises the switch). */
QE_API qe_status qe_session_set(qe_session *session, const char *name, const char *value);

/*
 * Parses and binds the first statement of sql[0..len).  *out is NULL when the text
 * holds no statement (only blanks/comments).  *tail receives the offset just past the
 * statement (and its ';'), so a script runs as a loop of prepare/execute.  Error
 * positions are offsets into sql.
 */
QE_API qe_status qe_prepare(qe_session *session, const char *sql, size_t len, qe_stmt **out,
                            size_t *tail);
QE_API qe_status qe_stmt_execute(qe_stmt *stmt, qe_result **out);
QE_API void qe_stmt_destroy(qe_stmt *stmt);
/* Runs every statement of sql; *out (may be NULL) receives the last one's result. */
QE_API qe_status qe_query(qe_session *session, const char *sql, qe_result **out);

/* ---- artifacts (qec, EXPLAIN) ------------------------------------------------------ */

/* X(name, text) -- what the compiler can emit for a statement. */
#define QE_EMIT_LIST(X)                                                                            \
    X(AST, "ast")                                                                                  \
    X(LOGICAL, "logical")                                                                          \
    X(PHYSICAL, "physical")                                                                        \
    X(IR, "ir")                                                                                    \
    X(ASM, "asm")                                                                                  \
    X(CLUSTER, "cluster")                                                                          \
    X(OBJ, "obj")

/* PHYSICAL is the plan as this session runs it (embedded: one task per stage, no
 * re-partitioning exchanges); CLUSTER is the plan a cluster runs (one task per worker).
 * IR and ASM are text per stage (after jit_tier's passes, for emit_cpu); OBJ is binary:
 * the relocatable object file (ELF on Linux) of every stage's compiled pipelines, one
 * global function qe_s<stage>_p<pipeline> each (qe_emit_bytes only). */

typedef enum qe_emit {
#define QE_X_EMIT_ENUM(name, text) QE_EMIT_##name,
    QE_EMIT_LIST(QE_X_EMIT_ENUM)
#undef QE_X_EMIT_ENUM
} qe_emit;

/* Parses "ast", "logical", ...; returns QE_MISUSE for an unknown name. */
QE_API qe_status qe_emit_parse(const char *name, qe_emit *out);
/*
 * Compiles the first statement of sql up to the artifact `what` and returns its text
 * in *text_out (NUL-terminated, released with qe_free).  Errors as for qe_prepare.
 */
QE_API qe_status qe_emit_text(qe_session *session, const char *sql, qe_emit what, char **text_out);
/*
 * The same for any artifact, binary ones (OBJ) included: *data_out (released with
 * qe_free) holds *len_out bytes (a text artifact without its terminating NUL).
 * qe_emit_text refuses OBJ with 22023.
 */
QE_API qe_status qe_emit_bytes(qe_session *session, const char *sql, qe_emit what, void **data_out,
                               size_t *len_out);
/* Releases memory the library returned to the caller.  Accepts NULL. */
QE_API void qe_free(void *ptr);

/* ---- built-in schemas -------------------------------------------------------------- */

/*
 * Returns the DDL (CREATE TABLE statements, a NUL-terminated script for qe_query) of a
 * schema built into the library: "tpch" (TPC-H's 8 tables) or "tpcds" (TPC-DS's 24
 * tables).  The text is static.  Returns NULL for an unknown name.
 */
QE_API const char *qe_builtin_schema(const char *name);
/* Returns the name of built-in schema idx (0, 1, ...), or NULL past the last one. */
QE_API const char *qe_builtin_schema_name(size_t idx);

/* ---- results ----------------------------------------------------------------------- */

/* One column of a result batch (Arrow-compatible buffers, borrowed from the result). */
typedef struct qe_column_view {
    qe_type type;
    const uint8_t *validity;    /* LSB-first bitmap, 1 = valid; NULL = no NULLs */
    const void *values;         /* n_rows values of the type's width */
    size_t n_buffers;           /* VARCHAR: number of data buffers */
    const char *const *buffers; /* VARCHAR: data buffers referenced by string views */
    int32_t precision;          /* DECIMAL: precision (1..38), else 0 */
    int32_t scale;              /* DECIMAL: scale (0..precision), else 0 */
} qe_column_view;

typedef struct qe_batch_view {
    size_t n_rows;
    size_t n_columns;
    const qe_column_view *columns; /* n_columns entries */
} qe_batch_view;

QE_API size_t qe_result_column_count(const qe_result *res);
QE_API const char *qe_result_column_name(const qe_result *res, size_t col);
QE_API qe_type qe_result_column_type(const qe_result *res, size_t col);
/* Precision and scale of a DECIMAL column (0 for other types and bad arguments). */
QE_API int qe_result_column_precision(const qe_result *res, size_t col);
QE_API int qe_result_column_scale(const qe_result *res, size_t col);
QE_API uint64_t qe_result_row_count(const qe_result *res);
/* Rows inserted/changed by a DML statement; -1 for a query. */
QE_API int64_t qe_result_rows_changed(const qe_result *res);
/*
 * Milliseconds the statement that made res spent compiling (code generation + LLVM,
 * cg_compile_stage of every stage, on the monotonic clock): 0 when it ran interpreted or
 * for statements that run no plan; on a cluster only the coordinator's own (SINGLE)
 * stages count (the workers compile theirs concurrently, not included).  0 for NULL.
 */
QE_API double qe_result_compile_ms(const qe_result *res);
/*
 * Milliseconds of the rest of the qe_stmt_execute call that made res (planning the
 * physical plan, running it, copying the result, committing): its wall time minus
 * qe_result_compile_ms.  qe_prepare is not included.  0 for NULL.
 */
QE_API double qe_result_execute_ms(const qe_result *res);
QE_API size_t qe_result_batch_count(const qe_result *res);
/* Borrows batch batch_idx; its buffers live until qe_result_destroy. */
QE_API qe_status qe_result_batch(const qe_result *res, size_t batch_idx, qe_batch_view *out);
QE_API void qe_result_destroy(qe_result *res);

/*
 * Formats value `row` of a column as text (integers in decimal, DECIMAL with exactly
 * `scale` fraction digits (1234.50), DOUBLE with shortest round-trip digits, BOOLEAN
 * as true/false, DATE as YYYY-MM-DD, TIMESTAMP as YYYY-MM-DD HH:MM:SS[.ffffff],
 * INTERVAL as PostgreSQL does: 1 year 2 mons 3 days 04:05:06).  Returns the
 * length needed (like snprintf), or -1 if the value is NULL (buf gets "").
 */
QE_API int qe_value_format(const qe_column_view *col, size_t row, char *buf, size_t cap);

/* ---- TPC-H data generator ----------------------------------------------------------- */

/*
 * Options of qe_dbgen_write (TPC-H dbgen 2.17.3, byte-identical output).  Tables are
 * numbered 0 part, 1 partsupp, 2 supplier, 3 customer, 4 orders, 5 lineitem, 6 nation,
 * 7 region (qe_dbgen_table_name).
 */
typedef struct qe_dbgen_options {
    double scale_factor; /* SF: 0 < SF < 1 in thousandths, or an integer 1..29999 */
    uint32_t chunks;     /* dbgen -C: split the data into this many chunks (0, 1: none) */
    uint32_t chunk;      /* dbgen -S: which chunk, 1..chunks */
    uint32_t threads;    /* generator threads; 0 = number of cores */
    uint32_t tables;     /* bit i set = generate table i; 0 = all eight */
    const char *dir;     /* output directory (must exist); NULL = "." */
} qe_dbgen_options;

/* Name of TPC-H table i ("lineitem"), or NULL if i >= 8. */
QE_API const char *qe_dbgen_table_name(uint32_t i);
/*
 * Writes DIR/<table>.tbl for the chosen tables, as dbgen does (with chunks:
 * <table>.tbl.<chunk>; nation and region are not chunked and come with chunk 1 only).
 * The output does not depend on threads.  On failure *err_out (if not NULL) receives
 * an error the caller destroys (22023 for invalid options, 58030 for i/o errors).
 */
QE_API qe_status qe_dbgen_write(const qe_dbgen_options *opts, qe_error **err_out);

/* ---- cluster ----------------------------------------------------------------------- */

/*
 * Runs a worker daemon (options listen, coordinator, threads, heartbeat_interval_ms):
 * registers with the coordinator (retrying until it is up), heartbeats, and runs
 * stage tasks until qe_worker_stop is called from a signal handler or another
 * thread.  Returns QE_OK after a stop; on failure *err_out receives an error.
 */
QE_API qe_status qe_worker_run(const qe_config *cfg, qe_error **err_out);
/* Asks running workers of this process to stop; async-signal-safe. */
QE_API void qe_worker_stop(void);

#ifdef __cplusplus
}
#endif
#endif /* QE_H */
