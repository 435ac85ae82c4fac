/*
 * rt.h -- the runtime's cross-module interface (prefix rt_).
 *
 * Types and values, errors, arenas and memory accounting, vectors and batches
 * (DESIGN.md §4), the in-memory catalog, and task execution: the vectorized
 * interpreter's morsel loop that also calls JIT-compiled pipeline functions.
 * The runtime never sees SQL text or AST; it runs the physical plan of plan.h.
 */
#ifndef QE_RT_H
#define QE_RT_H

#include "qe.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct plan_query;
struct plan_stage;
struct plan_pipeline;
struct plan_expr;

/* ---- errors: the definition of the public qe_error ---------------------------------- */

struct qe_error {
    qe_status status;  /* QE_OK when no error is set */
    char sqlstate[6];  /* five characters + NUL, "00000" when clear */
    int position;      /* byte offset into the statement's SQL text, -1 if none */
    char message[512]; /* one line, lower case, no trailing period */
    char detail[512];  /* "" if none */
    char hint[256];    /* "" if none */
};
typedef struct qe_error rt_error;

/* Sets status, SQLSTATE, position and message (printf format); clears detail and
 * hint.  Returns status so callers can write `return rt_error_set(...)`. */
qe_status rt_error_set(rt_error *err, qe_status status, const char *sqlstate, int position,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
qe_status rt_error_vset(rt_error *err, qe_status status, const char *sqlstate, int position,
                        const char *fmt, va_list ap);
void rt_error_detail(rt_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_error_hint(rt_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_error_clear(rt_error *err);
/* Copies src into dst (both may be the same object). */
void rt_error_copy(rt_error *dst, const rt_error *src);

/* ---- memory ------------------------------------------------------------------------- */

/* Per-query memory accounting: every arena of a query charges one tracker. */
typedef struct rt_mem_tracker {
    _Atomic int64_t used; /* bytes currently charged */
    _Atomic int64_t peak; /* highest value of used */
    int64_t limit;        /* bytes; <= 0 means unlimited */
} rt_mem_tracker;

/* Charges n bytes (false if that would pass the limit; nothing is charged then). */
bool rt_mem_charge(rt_mem_tracker *t, int64_t n);
void rt_mem_release(rt_mem_tracker *t, int64_t n);

/* The one allocation hook: malloc/free charged to a tracker (which may be NULL). */
void *rt_malloc(rt_mem_tracker *t, size_t n);
void *rt_realloc(rt_mem_tracker *t, void *p, size_t old_n, size_t new_n);
void rt_free(rt_mem_tracker *t, void *p, size_t n);
/* Bytes of freed big blocks mem.c keeps mapped for reuse (0 when it keeps none, as under
 * AddressSanitizer). */
size_t rt_mem_cached(void);

/* Sets the 53200 "out of memory" error (with a detail naming the memory limit when
 * tracker has one; tracker may be NULL) and returns QE_NOMEM. */
qe_status rt_error_nomem(rt_error *err, const rt_mem_tracker *tracker);

/* Debug hook for out-of-memory sweeps: the allocation n allocations from now (0 = the
 * next one) fails, once; n < 0 turns the hook off.  Process-wide; tests only. */
void rt_mem_debug_fail_after(int64_t n);

/* A region allocator; not thread-safe.  Allocations are 16-byte aligned. */
typedef struct rt_arena rt_arena;

rt_arena *rt_arena_create(rt_mem_tracker *tracker); /* NULL on out-of-memory */
void rt_arena_destroy(rt_arena *arena);             /* accepts NULL */
void rt_arena_reset(rt_arena *arena);               /* frees all but the first block */
void *rt_arena_alloc(rt_arena *arena, size_t n);    /* NULL on out-of-memory/limit */
void *rt_arena_calloc(rt_arena *arena, size_t n);
/* rt_arena_calloc of n bytes at a multiple of align (a power of two, at most 4096): the
 * head block skips to the next such address when it has room, else the request takes
 * align - 16 bytes more. */
void *rt_arena_calloc_aligned(rt_arena *arena, size_t n, size_t align);
char *rt_arena_strdup(rt_arena *arena, const char *s);
char *rt_arena_strndup(rt_arena *arena, const char *s, size_t n);
/* Bytes this arena has allocated from the system. */
size_t rt_arena_size(const rt_arena *arena);

/* A growable text buffer for printers (EXPLAIN, qec).  On out-of-memory `oom` is set
 * and further appends are ignored. */
typedef struct rt_strbuf {
    char *data; /* NUL-terminated; malloc'd; owned until taken */
    size_t len;
    size_t cap;
    bool oom;
} rt_strbuf;

void rt_strbuf_init(rt_strbuf *sb);
void rt_strbuf_append(rt_strbuf *sb, const char *s, size_t n);
void rt_strbuf_puts(rt_strbuf *sb, const char *s);
void rt_strbuf_printf(rt_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the text (caller frees with free()) and resets sb; NULL after oom. */
char *rt_strbuf_take(rt_strbuf *sb);
void rt_strbuf_free(rt_strbuf *sb);

/* ---- types and values --------------------------------------------------------------- */

/* Width in bytes of one value of `type` in a values buffer. */
uint32_t rt_type_width(qe_type type);
bool rt_type_is_integer(qe_type type); /* SMALLINT, INTEGER, BIGINT */
bool rt_type_is_numeric(qe_type type); /* integers, REAL, DOUBLE */
/* PostgreSQL's lower-case name of a type, for messages ("integer", "double precision",
 * "character varying"; "unknown" for NULL). */
const char *rt_type_pg_name(qe_type type);

typedef qe_string_view rt_string;

/* HUGEINT and DECIMAL values (DECIMAL: scaled by 10^scale, whatever the precision). */
__extension__ typedef __int128 rt_i128;

/* 10^n for 0 <= n <= 38. */
rt_i128 rt_pow10(int n);
/* v / 10^scale as the nearest double (or nearly: one rounding per step). */
double rt_decimal_to_double(rt_i128 v, int scale);
/* Text of v / 10^scale with exactly `scale` fraction digits ("-0.50"); out holds at
 * least 48 bytes. */
void rt_format_i128(rt_i128 v, int scale, char *out);

/* INTERVAL: months, days and microseconds, kept apart (PostgreSQL's interval). */
typedef struct rt_interval {
    int32_t months;
    int32_t days;
    int64_t micros;
} rt_interval;

/* A single scalar (constants, VALUES rows).  Strings point into an arena. */
typedef struct rt_value {
    qe_type type;
    bool is_null;
    union {
        bool b;    /* BOOLEAN */
        int64_t i; /* SMALLINT, INTEGER, BIGINT, DATE (days), TIMESTAMP (µs) */
        rt_i128 h; /* HUGEINT, DECIMAL (scaled by 10^scale of the holder's typmod) */
        double d;  /* REAL, DOUBLE */
        struct {
            const char *ptr;
            uint32_t len;
        } s; /* VARCHAR */
        struct {
            int32_t months;
            int32_t days;
            int64_t micros;
        } iv; /* INTERVAL (the layout of rt_interval) */
    } u;
} rt_value;

/* Civil dates <-> days since 1970-01-01 (proleptic Gregorian, any year). */
void rt_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
int64_t rt_days_from_civil(int64_t y, unsigned m, unsigned d);
/* ts + sign * iv as PostgreSQL: months (day clamped to the month's end), then days,
 * then microseconds.  False on overflow. */
bool rt_timestamp_add_interval(int64_t ts, const rt_interval *iv, int sign, int64_t *out);

/* Orders intervals as PostgreSQL does: by months * 30 days + days + microseconds (so
 * '1 mon' = '30 days'). */
int rt_interval_cmp(const rt_interval *a, const rt_interval *b);

/* ---- vectors and batches ------------------------------------------------------------ */

#define RT_VECTOR_SIZE 2048 /* rows per interpreter vector / batch */

/*
 * A column of up to RT_VECTOR_SIZE values (or more, for table chunks).  Layout is
 * Arrow-compatible: validity is an LSB-first bitmap (1 = valid, NULL = no NULLs),
 * values holds one fixed-width value per row, VARCHAR values are rt_string views
 * whose long strings point into buffers[].  The memory belongs to the arena that
 * built the vector; heap_* track the tail of the last buffer for appends.
 */
typedef struct rt_vector {
    qe_type type;
    uint8_t *validity;    /* NULL = all valid */
    void *values;         /* capacity * width bytes */
    uint32_t n_buffers;   /* VARCHAR: data buffers in use */
    uint32_t buffers_cap; /* capacity of buffers[] */
    const char **buffers; /* VARCHAR: string data buffers */
    char *heap_tail;      /* VARCHAR: next free byte of buffers[n_buffers-1] */
    uint32_t heap_left;   /* VARCHAR: bytes left there */
} rt_vector;

/*
 * A batch: n_cols vectors of n_rows rows, plus an optional selection vector (the
 * active rows are sel[0..n_sel) in increasing order; sel == NULL means all rows).
 */
typedef struct rt_batch {
    uint32_t n_rows;
    uint32_t n_cols;
    rt_vector *cols;   /* n_cols vectors */
    uint32_t *sel;     /* NULL = all rows active */
    uint32_t n_sel;    /* active rows when sel != NULL */
    uint32_t capacity; /* rows the values buffers can hold */
} rt_batch;

static inline bool rt_vector_is_valid(const rt_vector *v, uint32_t row) {
    return v->validity == NULL || ((v->validity[row >> 3] >> (row & 7)) & 1);
}
/* Rows a batch really has active. */
static inline uint32_t rt_batch_active(const rt_batch *b) { return b->sel ? b->n_sel : b->n_rows; }
/* Bytes of a string value (inline strings point into the view itself). */
static inline const char *rt_string_ptr(const rt_vector *v, const rt_string *s) {
    return s->len <= 12 ? s->u.inlined : v->buffers[s->u.ref.buffer_index] + s->u.ref.offset;
}

/* Allocates a batch with the given column types and room for `capacity` rows (values
 * buffers allocated, no validity bitmaps, n_rows = 0).  NULL on out-of-memory. */
rt_batch *rt_batch_create(rt_arena *arena, uint32_t n_cols, const qe_type *types,
                          uint32_t capacity);
/* Marks row NULL (allocating the bitmap on first use).  False on out-of-memory. */
bool rt_vector_set_null(rt_vector *v, rt_arena *arena, uint32_t row, uint32_t capacity);
/* Stores a string into row: inline if short, else copied into the vector's heap. */
bool rt_vector_set_string(rt_vector *v, rt_arena *arena, uint32_t row, const char *s, uint32_t len);
/* Stores a scalar into row (types must match; NULL sets the validity bit). */
bool rt_vector_set_value(rt_vector *v, rt_arena *arena, uint32_t row, uint32_t capacity,
                         const rt_value *val);
/* Reads row of a vector as a scalar (strings borrowed from the vector). */
void rt_vector_get_value(const rt_vector *v, uint32_t row, rt_value *out);
/* Copies the active rows of src into a new compact batch (no selection) in arena;
 * strings are copied.  NULL on out-of-memory. */
rt_batch *rt_batch_compact(rt_arena *arena, const rt_batch *src);
/* Appends the active rows of src to dst (same types), copying strings; dst must
 * have room.  False on out-of-memory. */
bool rt_batch_append(rt_batch *dst, rt_arena *arena, const rt_batch *src);

/* Formats one value as text (the rules of qe_value_format); typmod (plan.h
 * PLAN_TYPMOD_*) gives a DECIMAL's scale (0: DECIMAL(18, 3)). */
int rt_value_format(const rt_value *val, char *buf, size_t cap);
int rt_value_format_mod(const rt_value *val, int32_t typmod, char *buf, size_t cap);

/* Converts a value to (to, to_typmod) with the interpreter's exact semantics (typmods:
 * plan.h PLAN_TYPMOD_*; in_typmod gives a DECIMAL input's scale): rounding, 22003,
 * 22P02, 22007, 22008, 22001 errors as at run time.  Strings go to arena. */
qe_status rt_value_cast_mod(const rt_value *in, int32_t in_typmod, qe_type to, int32_t to_typmod,
                            rt_value *out, rt_arena *arena, rt_error *err, int position);

/* Evaluates an expression without column references (constant folding, VALUES) with
 * the interpreter's exact semantics: errors (22003, 22012, 22P02, ...) as at run time.
 * Strings of the result are allocated in arena. */
qe_status rt_eval_const(rt_arena *arena, const struct plan_expr *e, rt_value *out, rt_error *err);
/* Whether a and b are the same computation of a row (structurally: kinds whose value
 * depends on the row alone, random() excluded); false when unsure.  Shared by the
 * interpreter's and codegen's common-subexpression and IN-list detection. */
bool rt_expr_same(const struct plan_expr *a, const struct plan_expr *b);
/* True if the interpreter implements scalar function fn (a PLAN_FUNC_* id). */
bool rt_func_runs(uint32_t fn);

/* ---- catalog: in-memory tables ------------------------------------------------------ */

typedef struct rt_table {
    char *name; /* lower-case unless quoted */
    uint32_t n_cols;
    char **col_names;
    qe_type *col_types;
    int32_t *col_typmods; /* n_cols type modifiers (plan.h PLAN_TYPMOD_*: DECIMAL(p, s),
                             VARCHAR(n), CHAR(n)) for the binder; NULL: none */
    uint32_t n_chunks;    /* chunks of up to RT_VECTOR_SIZE rows, compact, no sel */
    uint32_t chunks_cap;
    rt_batch **chunks;
    uint64_t n_rows;
    struct rt_col_zone **chunk_zones; /* chunks_cap entries: the zone map of each full
                                         chunk (n_cols entries, computed when it fills;
                                         never changes), NULL if none (zone.c) */
    rt_arena *arena;                  /* owns the schema and the chunks */
    uint32_t n_zones;                 /* zone maps of the persisted row groups (storage.c) */
    uint32_t zones_cap;               /* capacity of zones[] */
    struct rt_zone *zones;            /* in row order, in the table's arena; append-only:
                                         entries never change, old arrays stay valid */
    struct rt_table_store *store;     /* storage.c's state of a persisted table (its segment
                                         files, rows persisted); NULL until first persisted */
    struct rt_col_stats *stats;       /* n_cols column statistics (stats.c), in the table's
                                         arena, guarded by the catalog mutex */
    uint64_t *sorted_rows;            /* n_cols: the leading rows over which the column (an integer,
                                         DATE or TIMESTAMP) has no NULL and never decreases (0 for
                                         other types); guarded by the catalog mutex */
} rt_table;

typedef struct rt_catalog rt_catalog;

/* A snapshot of one column's statistics (rt_table_column_stats). */
typedef struct rt_column_summary {
    uint64_t n_rows;  /* rows of the table */
    double ndv;       /* estimated distinct non-NULL values (HyperLogLog, ~3% error) */
    uint64_t n_nulls; /* NULL values */
    bool has_range;   /* min/max hold (fixed-width types with a non-NULL value) */
    double min, max;  /* smallest/largest value as a double (DECIMAL: scaled integer,
                         DATE: days since 1970-01-01, TIMESTAMP: microseconds) */
} rt_column_summary;

/* The statistics of column col of t as of now (appends so far).  False if col is out
 * of range. */
bool rt_table_column_stats(rt_catalog *cat, rt_table *t, uint32_t col, rt_column_summary *out);

rt_catalog *rt_catalog_create(void);
void rt_catalog_destroy(rt_catalog *cat);
/* Records the type modifiers of t's columns (n_cols values, copied into the table's
 * arena; typmods NULL clears them).  Call before the table is used. */
qe_status rt_table_set_typmods(rt_table *t, const int32_t *typmods, rt_error *err);
/* Borrowed until the table is dropped; NULL if absent.  Names compare exactly. */
rt_table *rt_catalog_find(rt_catalog *cat, const char *name);
/* Creates an empty table (copies names and types). */
qe_status rt_catalog_create_table(rt_catalog *cat, const char *name, uint32_t n_cols,
                                  char *const *col_names, const qe_type *col_types, rt_table **out,
                                  rt_error *err);
qe_status rt_catalog_drop_table(rt_catalog *cat, const char *name, rt_error *err);
/* A view: its query text, bound again wherever the view is referenced. */
typedef struct rt_view {
    char *name;
    char *sql;        /* the view's query */
    uint32_t n_names; /* column aliases (0: the query's own names) */
    char **names;
} rt_view;
/* Creates (or, with replace, replaces) a view; name, sql and names are copied.  42P07
 * if a table, or without replace a view, has the name. */
qe_status rt_catalog_create_view(rt_catalog *cat, const char *name, const char *sql,
                                 uint32_t n_names, char *const *names, bool replace, rt_error *err);
/* A copy of view `name` allocated in arena; NULL if there is none (or out of memory). */
rt_view *rt_catalog_find_view(rt_catalog *cat, const char *name, rt_arena *arena);
/* Drops view `name`; 42P01 if there is none. */
qe_status rt_catalog_drop_view(rt_catalog *cat, const char *name, rt_error *err);
/* Names of all tables, for hints ("perhaps you meant").  Borrowed. */
uint32_t rt_catalog_table_names(rt_catalog *cat, const char **names, uint32_t cap);
/* Appends the active rows of b (types equal to the table's) to the table.  Thread-safe
 * with respect to other appends (tables have a lock). */
qe_status rt_table_append(rt_catalog *cat, rt_table *t, const rt_batch *b, rt_error *err);
/* Appends the active rows of batches[0..n) (types equal to the table's) all or nothing:
 * on failure (53200) the table is as before and no scan saw any of the rows. */
qe_status rt_table_append_all(rt_catalog *cat, rt_table *t, rt_batch *const *batches, uint32_t n,
                              rt_error *err);

/* ---- CSV files (csv_*.c) -------------------------------------------------------------- */

struct plan_csv;

/* The default dialect: ',' quote '"' escape '"', no header, NULL as the empty
 * unquoted field.  path and the rest are left as they are. */
void rt_csv_defaults(struct plan_csv *csv);

/* Bits of rt_csv_set_option's *given: options written explicitly. */
#define RT_CSV_GIVEN_DELIM 1u
#define RT_CSV_GIVEN_QUOTE 2u
#define RT_CSV_GIVEN_HEADER 4u
#define RT_CSV_GIVEN_ESCAPE 8u
#define RT_CSV_ALL_VARCHAR 16u /* all_varchar = true: the sniffer types every column VARCHAR */

/* Applies one COPY/read_csv option (name lower case; value as text, NULL for a bare
 * option) to csv; strings are copied into arena; *given collects RT_CSV_GIVEN_*.
 * Errors: 42601 unknown option, 22023 bad value, 0A000 options not supported yet. */
qe_status rt_csv_set_option(struct plan_csv *csv, rt_arena *arena, const char *name,
                            const char *value, uint32_t *given, rt_error *err);

/* read_csv's sniffer: reads a sample of csv->path and decides what `given` leaves
 * open (delimiter, quote, header), then the columns: names (from the header or
 * column0, column1, ...) and types (BOOLEAN, BIGINT, DOUBLE, VARCHAR and whatever
 * else VARCHAR casts to that the candidates list names).  Results in arena. */
qe_status rt_csv_sniff(struct plan_csv *csv, uint32_t given, rt_arena *arena, uint32_t *n_cols,
                       char ***names, qe_type **types, rt_error *err);

/* A CSV file being written (COPY TO). */
typedef struct rt_csv_writer rt_csv_writer;
/* Creates/truncates csv->path and writes the header line if csv->header (names:
 * n_cols column names; typmods: their type modifiers for DECIMAL scales, may be NULL;
 * both borrowed until close).  58P01/58030 if the file cannot be opened. */
qe_status rt_csv_writer_open(const struct plan_csv *csv, uint32_t n_cols, char *const *names,
                             const int32_t *typmods, rt_csv_writer **out, rt_error *err);
/* Appends the active rows of b (n_cols columns), quoting where needed. */
qe_status rt_csv_writer_write(rt_csv_writer *w, const rt_batch *b, rt_error *err);
/* Flushes and closes (58030 on a write error); accepts NULL.  Frees w. */
qe_status rt_csv_writer_close(rt_csv_writer *w, rt_error *err);

/* Changes to the catalog's set of tables and views (create/drop/replace); storage
 * compares it to know whether the manifest must be written again. */
uint64_t rt_catalog_version(rt_catalog *cat);
/* Copies of every view (in creation order) in arena; NULL on out-of-memory (*n = 0
 * then; a catalog without views gives a non-NULL empty array). */
rt_view **rt_catalog_views(rt_catalog *cat, rt_arena *arena, uint32_t *n);

/* ---- storage: persistent databases (storage*.c; format in README.md) ---------------- */

/* Per-column facts of one persisted row group: the zone map a scan prunes with. */
typedef struct rt_col_zone {
    uint32_t null_count; /* NULL rows of the column in the row group */
    bool has_minmax;     /* min/max hold (some non-NULL value; an ordered fixed-width type:
                            integers, BOOLEAN, DECIMAL, DATE, TIMESTAMP as .i; REAL/DOUBLE
                            as .d without NaN); false: nothing is known */
    union {
        int64_t i; /* BOOLEAN, SMALLINT, INTEGER, BIGINT, DECIMAL (scaled), DATE, TIMESTAMP */
        double d;  /* REAL, DOUBLE */
    } min, max;    /* smallest and largest non-NULL value */
} rt_col_zone;

/* One persisted row group of a table: rows [first_row, first_row + n_rows). */
typedef struct rt_zone {
    uint64_t first_row; /* the group's first row in the table's row order */
    uint32_t n_rows;    /* rows of the group */
    rt_col_zone *cols;  /* n_cols entries, in the table's arena */
} rt_zone;

/* The comparisons a zone map can decide, `column op constant`. */
#define RT_ZONE_CMP_LIST(X)                                                                        \
    X(EQ, "=")                                                                                     \
    X(NE, "<>")                                                                                    \
    X(LT, "<")                                                                                     \
    X(LE, "<=")                                                                                    \
    X(GT, ">")                                                                                     \
    X(GE, ">=")
typedef enum rt_zone_cmp {
#define RT_X_ZONE_CMP(name, text) RT_ZONE_##name,
    RT_ZONE_CMP_LIST(RT_X_ZONE_CMP)
#undef RT_X_ZONE_CMP
} rt_zone_cmp;

/* False only if no row of the zone can satisfy `column op c` (c non-NULL, of the
 * column's type, or an integer rt_value for an integer-like column): the scan may then
 * skip the zone's rows.  True whenever unsure. */
bool rt_zone_may_match(const rt_col_zone *z, qe_type type, rt_zone_cmp op, const rt_value *c);
/* False only if every row of [first_row, first_row + n_rows) lies in zones (sorted by
 * first_row, as rt_table_zones gives them) whose column `col` cannot satisfy
 * `column op c`: the scan of a chunk covering those rows may skip it.  Rows outside
 * every zone (not persisted yet) make it true. */
bool rt_zones_range_may_match(const rt_zone *zones, uint32_t n_zones, uint64_t first_row,
                              uint32_t n_rows, uint32_t col, qe_type type, rt_zone_cmp op,
                              const rt_value *c);
/* The zone maps of t as of now: *zones borrowed until the table is dropped (entries
 * never change), *n_zones of them.  Rows past the last zone are not persisted yet:
 * a scan must read them. */
void rt_table_zones(rt_catalog *cat, rt_table *t, uint32_t *n_zones, const rt_zone **zones);

/* A database directory bound to one catalog. */
typedef struct rt_storage rt_storage;

/* Opens the database directory `dir` (created if missing) for cat, which must be empty:
 * takes the directory's lock (55006 if another process holds it), reads the manifest
 * and loads every table's rows and views into cat (eagerly), removes files a crash
 * left behind.  XX001 (naming the file) for a corrupt or truncated file, 58030 for
 * I/O errors.  *out is the storage (close with rt_storage_close). */
qe_status rt_storage_open(const char *dir, rt_catalog *cat, rt_storage **out, rt_error *err);
/* Makes the catalog's current state durable: new rows of every table go to new
 * segment files, then a new manifest replaces the old one atomically.  Nothing is
 * written when nothing changed.  The caller keeps tables from being dropped meanwhile
 * (the engine's DDL lock).  On failure the previous state stays on disk. */
qe_status rt_storage_commit(rt_storage *st, rt_error *err);
/* Releases the lock and the storage; accepts NULL.  Does not commit. */
void rt_storage_close(rt_storage *st);

/* ---- exchanges ---------------------------------------------------------------------- */

/*
 * How a task's exchange operators move batches.  The embedded engine provides
 * in-memory queues (rt_local_exchange_*); the cluster provides TCP streams (dist).
 * All functions are thread-safe.
 */
typedef struct rt_exchange_ops {
    /* Sends a compact batch (no selection) to consumer partition `partition` of
     * exchange `exchange_id`.  The callee copies or serializes it before returning. */
    qe_status (*send)(void *ctx, uint32_t exchange_id, uint32_t partition, const rt_batch *batch,
                      rt_error *err);
    /* This task has sent everything for exchange_id (called once per task). */
    qe_status (*finish)(void *ctx, uint32_t exchange_id, rt_error *err);
    /* Next batch for this task's partition, allocated in arena; *out = NULL at the
     * end (every producer task finished).  Blocks; fails on cancellation. */
    qe_status (*recv)(void *ctx, uint32_t exchange_id, rt_arena *arena, rt_batch **out,
                      rt_error *err);
    /* Number of consumer partitions (consumer tasks) of exchange_id. */
    uint32_t (*n_partitions)(void *ctx, uint32_t exchange_id);
    /* Optional (NULL: senders use `send`): like send, but takes over `arena`, which
     * owns the compact batch and nothing the sender still uses, instead of copying;
     * the arena must charge the tracker the exchange charges.  The arena is the
     * callee's whatever the outcome (destroyed on failure). */
    qe_status (*send_owned)(void *ctx, uint32_t exchange_id, uint32_t partition, rt_batch *batch,
                            rt_arena *arena, rt_error *err);
} rt_exchange_ops;

/* In-memory exchanges for running all stages of a query in one process, one task
 * per stage.  Each queue buffers every batch (stages run one after the other). */
typedef struct rt_local_exchange rt_local_exchange;
rt_local_exchange *rt_local_exchange_create(const struct plan_query *q);
void rt_local_exchange_destroy(rt_local_exchange *lx);
/* Charges the queued batches to mem (may be NULL); call before the first send. */
void rt_local_exchange_set_mem(rt_local_exchange *lx, rt_mem_tracker *mem);
/* Frees the queued batches of exchange_id once its consumer stage has run (batches
 * handed out by recv are views of them: the consumer's sinks have copied what they keep). */
void rt_local_exchange_release(rt_local_exchange *lx, uint32_t exchange_id);
extern const rt_exchange_ops rt_local_exchange_ops;

/* ---- task execution ----------------------------------------------------------------- */

typedef struct rt_pipeline_state rt_pipeline_state; /* shared by a pipeline's threads */
typedef struct rt_thread_state rt_thread_state;     /* one per thread per pipeline */

/*
 * The ABI of a compiled pipeline: processes one morsel (a batch from the pipeline's
 * source, maybe with a selection) through the pipeline's operators into its sink.
 * Returns QE_OK, or an error status after setting the error with rt_jit_error.
 */
typedef qe_status (*rt_pipeline_fn)(rt_pipeline_state *ps, rt_thread_state *ts,
                                    const rt_batch *morsel);

/* Receives the result rows of a query (the RESULT sink).  Called from one thread at a
 * time, in order; the callee copies what it keeps. */
typedef struct rt_result_sink {
    qe_status (*push)(void *ctx, const rt_batch *batch, rt_error *err);
    void *ctx;
} rt_result_sink;

/* Figures of one task, reported to the coordinator. */
typedef struct rt_task_stats {
    uint64_t rows_written;        /* rows appended by INSERT sinks */
    uint64_t rows_out;            /* rows passed to result/exchange sinks */
    uint64_t peak_memory;         /* bytes */
    uint64_t wall_ns;             /* rt_task_run's elapsed time (monotonic) */
    uint64_t compile_ns;          /* cg_compile_stage's time for the task: set by the caller
                                     after rt_task_run (which zeroes it), 0 if interpreted */
    uint64_t morsels_interpreted; /* morsels run by the interpreter's operators */
    uint64_t morsels_compiled;    /* morsels run by a compiled pipeline function */
} rt_task_stats;

/* Rows of a pipeline operator no one counted (inside a compiled function). */
#define RT_ROWS_UNKNOWN UINT64_MAX

/* Figures of one pipeline run, summed over its threads (EXPLAIN ANALYZE); rt_task_run
 * fills them when rt_task.pipe_stats is set. */
typedef struct rt_pipeline_stats {
    uint64_t *op_rows;            /* the caller's n_ops entries, or NULL: rows out of each operator
                                     (the sink: rows into it); RT_ROWS_UNKNOWN for the operators
                                     between source and sink once a morsel ran compiled */
    uint64_t wall_ns;             /* set-up to the sink's finish */
    uint64_t morsels_interpreted; /* morsels run through the interpreter's operators */
    uint64_t morsels_compiled;    /* morsels run by the pipeline's compiled function */
    uint32_t n_threads;           /* threads it ran on */
    bool ran;                     /* it ran (pipelines after a failure do not) */
} rt_pipeline_stats;

/*
 * Adaptive execution of one task (rt_task.adaptive): the stage is compiled in the
 * background while its pipelines run interpreted, and every thread switches to a
 * pipeline's function at its next morsel once the function is published.  A thread
 * whose compiled morsels take more than RT_ADAPTIVE_SLOWER times the CPU time per input
 * row of the pipeline's interpreted morsels so far goes back to the interpreter.  Owned by
 * the caller (src/main/adaptive.c), which keeps it and the code alive until
 * rt_task_run returns.
 */
#define RT_ADAPTIVE_SLOWER 1.15    /* compiled/interpreted time per row to go back */
#define RT_ADAPTIVE_MIN_COMPILED 3 /* ... judged after this many compiled morsels */
#define RT_ADAPTIVE_WARMUP_NS                                                                      \
    1000000 /* a pipeline's first ms is neither measured nor                                       \
               considered for a compile */
#define RT_ADAPTIVE_SAMPLE                                                                         \
    16 /* after it, a thread measures one morsel in this                                           \
          many (reading the thread-CPU clock is a system                                           \
          call, ~1.5 us on a VM) and offers its time left                                          \
          to consider after it */
typedef struct rt_adaptive {
    _Atomic(rt_pipeline_fn) *fns; /* per pipeline: its function once published (release
                                     store; NULL until then, or for good) */
    const bool *compilable;       /* per pipeline: codegen supports it (else not measured) */
    _Atomic bool started;         /* a compile was started: no more consider calls */
    _Atomic bool settled;         /* the compile has ended (functions published or not) */
    bool wait;                    /* debug: after its first morsel of a compilable
                                     pipeline a thread waits until settled, and never
                                     goes back to the interpreter */
    /* Called by a thread after a measured interpreted morsel (one in RT_ADAPTIVE_SAMPLE
     * after the warm-up) of compilable pipeline `pipeline` while nothing is started:
     * remaining_ms is the estimated interpreted wall time the pipeline has left on
     * n_threads threads, op_share the share (0..1) of the measured morsels' thread CPU
     * time spent in the operators and sink (what compiled code replaces; the rest is the
     * source).
     * Starts the background compile if it pays off; thread-safe; never fails (a failed
     * compile leaves the pipelines interpreted). */
    void (*consider)(void *ctx, uint32_t pipeline, double remaining_ms, double op_share,
                     uint32_t n_threads);
    /* Called when compilable pipeline `pipeline` has ended (on the task's thread): the
     * thread CPU time its operators and sink took over all threads, interpreted and
     * compiled, and the input rows of those morsels (the compiled code's speed). */
    void (*report)(void *ctx, uint32_t pipeline, uint64_t interp_ns, uint64_t interp_rows,
                   uint64_t comp_ns, uint64_t comp_rows);
    void *ctx; /* consider's and report's */
} rt_adaptive;

typedef struct rt_task {
    const struct plan_query *query;  /* the whole plan (exchange descriptions) */
    const struct plan_stage *stage;  /* the stage this task runs */
    uint32_t task_idx;               /* this task's partition, 0..n_tasks-1 */
    uint32_t n_tasks;                /* tasks of this stage */
    rt_catalog *catalog;             /* tables for SCAN and INSERT */
    const rt_exchange_ops *exchange; /* may be NULL for a stage without exchanges */
    void *exchange_ctx;
    const rt_result_sink *result;   /* for a RESULT sink; may be NULL otherwise */
    const rt_pipeline_fn *compiled; /* per pipeline of the stage: fn or NULL (interpret);
                                       the array itself may be NULL */
    uint32_t n_threads;             /* >= 1 */
    rt_mem_tracker *mem;            /* may be NULL */
    const _Atomic bool *cancel;     /* may be NULL; true makes the task stop */
    uint32_t debug_delay_ms;        /* sleep this long per source batch (fault tests) */
    rt_pipeline_stats *pipe_stats;  /* may be NULL: per pipeline of the stage, filled */
    const rt_adaptive *adaptive;    /* may be NULL: compiled stays as given */
} rt_task;

/* Runs every pipeline of the task's stage in order, each on n_threads threads with
 * thread-local sink state merged at the pipeline end.  Fills *stats (may be NULL). */
qe_status rt_task_run(const rt_task *task, rt_task_stats *stats, rt_error *err);

/* ---- helpers called by JIT-compiled pipelines (resolved by name by codegen) -------- */

/*
 * The scratch batch of pipeline pipeline-local slot `slot` for this thread: compact,
 * capacity RT_VECTOR_SIZE, column types = the input schema of the pipeline's sink
 * (slot 0, the only one), every vector with a validity bitmap.  n_rows is reset to 0.
 * Made when the thread is set up: never fails for slot 0 (NULL for any other), and
 * every call returns the same batch (generated code keeps the pointer of its first
 * call; the buffers of the batch's vectors may change across rt_jit_push).
 */
rt_batch *rt_jit_scratch(rt_thread_state *ts, uint32_t slot);
/* Pushes a compact batch into the pipeline's sink, as the interpreter does. */
qe_status rt_jit_push(rt_pipeline_state *ps, rt_thread_state *ts, rt_batch *batch);

/* The state of one aggregate for one group: value and count of non-NULL inputs.
 * 32 bytes, 16-byte aligned (generated code mirrors it as {i64, i64, i64, i64}). */
typedef struct rt_agg_state {
    union {
        int64_t i;      /* integer (and DATE/TIMESTAMP/BOOLEAN) SUM/MIN/MAX */
        double d;       /* DOUBLE/REAL SUM/MIN/MAX, AVG of non-DECIMAL inputs */
        rt_i128 h;      /* DECIMAL/HUGEINT SUM/MIN/MAX and AVG of DECIMAL (the sum) */
        rt_interval iv; /* INTERVAL MIN/MAX */
        struct {
            const char *ptr; /* string bytes, in the hash table's arena */
            uint32_t len;
        } s; /* VARCHAR MIN/MAX */
    } v;
    int64_t n; /* inputs counted (COUNT) / non-NULL inputs seen */
    int64_t x; /* spare word for future aggregates; zero */
} rt_agg_state;
_Static_assert(sizeof(rt_agg_state) == 32, "generated code assumes 32-byte agg states");

/* One slot of a thread's aggregation hash table index (agg_ht.c): the group's hash
 * and row (the pointer to its first rt_agg_state), row NULL when the slot is empty. */
typedef struct rt_jit_agg_slot {
    uint64_t hash; /* rt_hash_vectors' hash of the group's keys */
    uint8_t *row;  /* the group row, or NULL */
} rt_jit_agg_slot;

/*
 * What compiled group lookup reads of the thread's aggregation hash table (agg_ht.c
 * keeps it up to date as the table grows; generated code mirrors it, types.c asserts
 * the offsets).  A key's slot is probed from (hash * 0x9e3779b97f4a7c15) >> shift,
 * linearly (pos + 1) & mask until an empty slot.  A group row is
 * [rt_agg_state x n_aggs][16-byte key slot x n_keys][u64 hash][u8 NULL flag x n_keys]:
 * a key slot holds the int64 of an integer/BOOLEAN/DATE/TIMESTAMP (sign-extended),
 * the normalized bits of a REAL/DOUBLE (-0.0 as 0.0, one NaN), the 16 bytes of a
 * HUGEINT/DECIMAL, or a VARCHAR's (pointer at byte 0, u32 length at byte 8).
 */
typedef struct rt_jit_agg {
    const rt_jit_agg_slot *slots; /* mask + 1 slots */
    uint64_t mask;                /* slots - 1 */
    uint64_t shift;               /* 64 - log2(slots) */
} rt_jit_agg;

/* The index of the calling thread's hash table of the pipeline's AGG_SINK (valid for
 * the thread's whole run; its fields change when a group is added). */
const rt_jit_agg *rt_jit_agg_table(rt_thread_state *ts);
/* The one group of the calling thread's AGG_SINK without GROUP BY (its first
 * rt_agg_state; created on first use, valid for the thread's whole run), or NULL when
 * out of memory. */
rt_agg_state *rt_jit_agg_single(rt_thread_state *ts);
/* rt_hash_vectors' step for a normalized 8-byte value x chained onto h: murmur3's
 * 64-bit finalizer of x ^ h (a bijection of x for a given h).  Generated code repeats
 * it inline (src/codegen/join.c, cg_hash_mix8): change both together. */
#define RT_HASH_MIX_M1 0xff51afd7ed558ccdULL
#define RT_HASH_MIX_M2 0xc4ceb9fe1a85ec53ULL
static inline uint64_t rt_hash_mix8(uint64_t x, uint64_t h) {
    uint64_t t = x ^ h;
    t ^= t >> 33;
    t *= RT_HASH_MIX_M1;
    t ^= t >> 33;
    t *= RT_HASH_MIX_M2;
    return t ^ (t >> 33);
}

/* Adds a group not in the thread's table: hash as rt_hash_vectors computes it, keys
 * n_keys 16-byte slots as the table stores them (a VARCHAR's bytes are copied), nulls
 * n_keys flags (a NULL key's slot is ignored).  Sets *row to the new group row.  QE_OK,
 * or 53200 when out of memory. */
qe_status rt_jit_agg_insert(rt_thread_state *ts, uint64_t hash, const void *keys,
                            const uint8_t *nulls, rt_agg_state **row);
/* 1 if the thread's aggregation gets its one key in non-decreasing order across all
 * morsels (rt_agg_ht_find_ordered, agg.c): then a morsel's groups after its first are
 * added by rt_jit_agg_insert_ordered, unlooked-up, and the morsel ends with
 * rt_jit_agg_ordered_end; else 0. */
int32_t rt_jit_agg_ordered(rt_pipeline_state *ps);
/* Whether a group key of type t can be an ordered aggregation's (the types whose
 * sorted prefix tables track: integers, DATE, TIMESTAMP). */
bool rt_agg_orderable(qe_type t);
/* Adds a group whose key no other morsel has (its morsel's keys but the first, in
 * order), as rt_jit_agg_insert but left out of the index (until rt_jit_agg_ordered_end
 * indexes the morsel's last one). */
qe_status rt_jit_agg_insert_ordered(rt_thread_state *ts, uint64_t hash, const void *keys,
                                    const uint8_t *nulls, rt_agg_state **row);
/* The end of a morsel of an ordered aggregation: its last group, whose key the next
 * morsel may continue, goes into the index.  QE_OK, or 53200. */
qe_status rt_jit_agg_ordered_end(rt_thread_state *ts);
/* Counts n rows into the pipeline's sink (EXPLAIN ANALYZE), for compiled group lookup. */
void rt_jit_sink_rows(rt_pipeline_state *ps, rt_thread_state *ts, uint64_t n);
/* Records an error raised by generated code: code is one of RT_JIT_ERR_*. */
/* n bytes (n > 0) for a string computed by generated code, valid until the next
 * morsel (the thread's morsel arena); NULL when out of memory. */
char *rt_jit_str_alloc(rt_thread_state *ts, uint32_t n);
/* Stores s[0..len) into row `row` of scratch vector v: inline up to 12 bytes, else
 * copied into v's string heap in the thread's morsel arena (generated code empties the
 * heap when it fetches the scratch batch).  QE_OK, or 53200 when out of memory. */
qe_status rt_jit_str_store(rt_thread_state *ts, rt_vector *v, uint32_t row, const char *s,
                           uint32_t len);
qe_status rt_jit_error(rt_thread_state *ts, int32_t code);
/* The high 64 bits of the signed 128-bit product a * b: the cheap tier multiplies two
 * 64-bit DECIMAL values with llvm.smul.with.overflow.i64 and calls this only when the
 * product does not fit in 64 bits. */
int64_t rt_jit_mul_hi(int64_t a, int64_t b);
/* ts + sign * interval (sign 1 or -1) as the interpreter's rt_timestamp_add_interval,
 * the interval given as its two 8-byte words (lo: months, then days; micros), into
 * *out: 0, or RT_JIT_ERR_OVERFLOW when the result is out of range. */
int32_t rt_jit_ts_add_interval(int64_t ts, int64_t iv_lo, int64_t iv_micros, int32_t sign,
                               int64_t *out);
/* The same with the byte position of the failing expression (plan_expr.position), so
 * compiled and interpreted runs report identical errors. */
qe_status rt_jit_error_at(rt_thread_state *ts, int32_t code, int32_t position);
#define RT_JIT_ERR_OVERFLOW 1          /* 22003 integer out of range */
#define RT_JIT_ERR_DIV_ZERO 2          /* 22012 division by zero */
#define RT_JIT_ERR_OVERFLOW_SMALLINT 3 /* 22003 smallint out of range */
#define RT_JIT_ERR_OVERFLOW_BIGINT 4   /* 22003 bigint out of range */
#define RT_JIT_ERR_NOMEM 5             /* 53200 out of memory */
#define RT_JIT_ERR_OVERFLOW_DOUBLE 6   /* 22003 value out of range: overflow */
#define RT_JIT_ERR_STRING_TOO_LONG 20  /* 54000 string is too long */
#define RT_JIT_ERR_NEGATIVE_SUBSTR 21  /* 22011 negative substring length not allowed */
/* rt_error_out_of_range for type t (e.g. 22008 "date out of range", 22003 "numeric field
 * overflow" for DECIMAL, "hugeint out of range"). */
#define RT_JIT_ERR_RANGE(t) (0x100 + (int32_t)(t))
/* 22003 "numeric field overflow": an arithmetic result does not fit DECIMAL(typmod)
 * (detail "The result does not fit DECIMAL(p,s).") / a cast to DECIMAL(typmod) does
 * not (detail "A field with precision p, scale s must round to ..."). */
#define RT_JIT_ERR_DECIMAL_RESULT(typmod) (0x10000 + (int32_t)(typmod))
#define RT_JIT_ERR_DECIMAL_CAST(typmod) (0x20000 + (int32_t)(typmod))
#define RT_JIT_ERR_SUBQUERY_ROWS 7 /* 21000 more than one row returned by a subquery */
#define RT_JIT_ERR_INTERVAL_SUM 8  /* 22008 interval out of range (agg.c's interval SUM/AVG) */

/*
 * Calls scalar function kernel (func.h) for one row of compiled code: desc is the call
 * site's constant descriptor (src/runtime/jit_func.c: site index, function id, result
 * type/typmod/position, per argument type/typmod/constant-ness); vals holds 3 words
 * per argument (value low, value high, is-NULL) then 3 for the result, which it sets.
 * Values: integers/DATE/TIMESTAMP sign-extended, BOOLEAN 0/1, REAL/DOUBLE as double
 * bits, HUGEINT/DECIMAL in two words, VARCHAR (pointer, length; a result is copied into
 * the morsel arena).  Returns the kernel's error (the interpreter's, in ts->err).
 */
qe_status rt_jit_func(rt_thread_state *ts, const int32_t *desc, uint64_t *vals);

/* A hash-join build row's place in its chain (join.c's layout, _Static_asserted
 * there): generated code reads hash at byte 0 and next at byte 8 of 16-byte links. */
typedef struct rt_jit_join_link {
    uint64_t hash; /* hash of the row's keys (rt_hash_vectors) */
    uint32_t next; /* next row of the chain, UINT32_MAX at the end (with a key index:
                      the next row with the same key) */
    uint32_t pad;  /* keeps links 16 bytes */
} rt_jit_join_link;

/* A word of a join's key index: the 64 key values from the index's lowest plus 64 times
 * the word's position, bit i set if value i has build rows; rank: how many values of
 * the earlier words have (the value's place in the index's heads). */
typedef struct rt_key_word {
    uint64_t bits;
    uint64_t rank;
} rt_key_word;

/* The set bits of x (the POPCNT instruction where the compiler may use it: a baseline
 * x86-64 build would call libgcc for __builtin_popcountll). */
static inline uint64_t rt_popcount64(uint64_t x) {
#ifdef __POPCNT__
    return (uint64_t)__builtin_popcountll(x);
#else
    x -= (x >> 1) & 0x5555555555555555ULL;
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (x * 0x0101010101010101ULL) >> 56;
#endif
}

/* Whether a join whose one key has type t may get a key index (join.c index_keys; codegen
 * asks too, to generate the lookup). */
static inline bool rt_key_index_type(qe_type t) {
    return t == QE_TYPE_SMALLINT || t == QE_TYPE_INTEGER || t == QE_TYPE_DATE ||
           t == QE_TYPE_BIGINT || t == QE_TYPE_TIMESTAMP;
}

/* The rank of the value at offset off of a key index's span (its place in the heads;
 * meaningful when the value has rows). */
static inline uint64_t rt_key_rank(const rt_key_word *words, uint64_t off) {
    const rt_key_word *w = &words[off >> 6];
    return w->rank + rt_popcount64(w->bits & ((1ULL << (off & 63)) - 1));
}

/* The first build row with key value key in a key index (words, lowest value kmin,
 * kspan = 64 * words, heads per value with rows), or UINT32_MAX. */
static inline uint32_t rt_key_index_head(const rt_key_word *words, int64_t kmin, uint64_t kspan,
                                         const uint32_t *heads, int64_t key) {
    uint64_t off = (uint64_t)key - (uint64_t)kmin;
    if (off >= kspan)
        return UINT32_MAX;
    if (!(words[off >> 6].bits >> (off & 63) & 1))
        return UINT32_MAX;
    return heads[rt_key_rank(words, off)];
}

/* What a compiled HASH_JOIN_PROBE reads of the join's table (read-only except
 * matched).  Generated code mirrors it field by field (codegen's types.c asserts the
 * offsets). */
typedef struct rt_jit_join {
    const uint64_t *buckets;       /* mask + 1 chain heads: first row (low 32 bits,
                                      UINT32_MAX: empty) | salt bits << 32 (bit 32 +
                                      hash >> 59 set for every row of the chain) */
    uint64_t mask;                 /* buckets - 1: a hash's bucket is hash & mask */
    const rt_jit_join_link *links; /* per build row: hash and next row of its chain */
    const rt_vector *cols;         /* the build rows' columns (n_build_cols) */
    uint8_t *matched;              /* per build row: set to 1 (relaxed atomic byte store)
                                      by a RIGHT/FULL/filter_build match */
    uint32_t n_rows;               /* build rows */
    uint32_t n_null_rows;          /* build rows with a NULL key (never chained) */
    const rt_key_word *kwords;     /* the key index (one integer key whose values span
                                      little), or NULL: none (then the fields below
                                      are 0) */
    int64_t kmin;                  /* its lowest value */
    uint64_t kspan;                /* 64 * its words: values kmin .. kmin + kspan - 1 */
    const uint32_t *kheads;        /* per value with rows (rank): its first row, from
                                      which links[].next goes on; then buckets is
                                      one empty bucket: every head comes from here */
} rt_jit_join;

/* Fills *out with the table of the HASH_JOIN_PROBE at op index op_idx of ts's
 * pipeline (prepared when the thread was set up, so it cannot fail). */
void rt_jit_join_table(rt_thread_state *ts, uint32_t op_idx, rt_jit_join *out);
/* Keys a compiled MARK probe with several keys passes to rt_jit_mark_maybe at most
 * (codegen compiles no MARK probe with more). */
#define RT_JIT_MARK_MAX_KEYS 16
/* A compiled MARK probe (op index op_idx, several keys) whose row matched no build row:
 * 1 if its mark is NULL, as the interpreter decides it (some build row compares to NULL
 * on the keys: one side NULL, every other key equal or NULL; a NULL probe key looks
 * at every build row, else only the rows with a NULL key), else 0.  keys: the row's
 * key values, 16 bytes each (the value in its vector layout; a VARCHAR's bytes pointer
 * then its uint32_t length); nulls: a byte per key, non-zero for NULL. */
int32_t rt_jit_mark_maybe(rt_thread_state *ts, uint32_t op_idx, const uint8_t *keys,
                          const uint8_t *nulls);
/* A compiled pipeline declining morsel (a column its plan said has no NULL has a bitmap):
 * runs it through the interpreter's operators, counted as interpreted; returns what they
 * return (rt_pipeline_fn's contract). */
qe_status rt_jit_interpret(rt_pipeline_state *ps, rt_thread_state *ts, const rt_batch *morsel);
/* A row reaching the LIMIT at op index op_idx: counts it (shared by the pipeline's
 * threads, as the interpreter counts its batches' rows) and returns 1 if its position
 * is in [offset, offset + limit), else 0; sets limit_done once the window is full. */
int32_t rt_jit_limit_row(rt_pipeline_state *ps, uint32_t op_idx);
/* A row of morsel reaching the DISTINCT_ON at op index op_idx, whose key k is morsel
 * column map[k] at row: 1 if its keys differ (NULLs equal) from those of morsel row
 * last, or, when last is UINT64_MAX (the morsel's first row there), from the previous
 * morsel's last row's (kept by the interpreter or rt_jit_distinct_on_keep; none: 1),
 * else 0. */
int32_t rt_jit_distinct_on_row(rt_thread_state *ts, uint32_t op_idx, const rt_batch *morsel,
                               uint64_t row, uint64_t last, const uint32_t *map);
/* Keeps the keys of morsel row `row` (the last that reached the DISTINCT_ON at op_idx)
 * for the thread's next morsel, in the interpreter's state (one row per morsel in the
 * thread's arena, as the interpreter keeps one per batch).  0, or RT_JIT_ERR_NOMEM. */
int32_t rt_jit_distinct_on_keep(rt_thread_state *ts, uint32_t op_idx, const rt_batch *morsel,
                                uint64_t row, const uint32_t *map);

/* The generic parts of a compiled probe's prefetching and of a filter block (jit_join.c:
 * precompiled, called by generated code instead of being generated per pipeline). */
/* The probe's next prefetch round over morsel's active entries: skips those from
 * *cursor whose row is below want, then for the next 256 hashes the fixed-width key
 * columns keys[0..n_keys) of the morsel (as rt_hash_vectors; BOOLEAN to DOUBLE), prefetches
 * their buckets, then the first link and build key keys[n_keys] of each chain the salt
 * lets through.  Advances *cursor past them; returns the row of the next entry
 * (UINT64_MAX at the end).  Only reads. */
uint64_t rt_jit_join_prefetch(const rt_batch *morsel, const rt_jit_join *j, uint64_t *cursor,
                              uint64_t want, const uint32_t *keys, uint32_t n_keys);
/* Row columns the pre-pass prefetches at most (more are left out: only prefetching). */
#define RT_JIT_CHAINS_MAX_ROW_COLS 32
/* The pre-pass's chain heads of a chunk of n <= 1024 active entries from start (rows
 * sel[start + x], or start + x): heads[x] = the first row of the chain of hashes[x] in
 * j (salt tested), UINT32_MAX if none; prefetches each head's link and first build key,
 * the morsel's row columns at rows with a chain, then walks the chains a hop per round,
 * prefetching the next links and the build columns at rows whose hash is the entry's.
 * desc: build key column, rounds (0: none), n_build build columns, n_row morsel
 * columns, then the n_build then the n_row column indexes (at most 8 and 32 used),
 * then the morsel column of the first probe key (a table with a key index looks the
 * heads up by its values instead of hashes). */
void rt_jit_join_chains(const rt_jit_join *j, const rt_batch *morsel, const uint32_t *sel,
                        uint64_t start, uint64_t n, const uint64_t *hashes, uint32_t *heads,
                        const uint32_t *desc);
/* A filter block's compaction: pass[j] (0/1) for rows start + j, j < n, is ANDed with
 * the validity bit of the row in each non-NULL bitmaps[c] (c < n_bitmaps), then out[k]
 * = the rows that pass, in order; returns their count. */
uint64_t rt_jit_block_compact(uint8_t *pass, uint64_t n, uint64_t start, uint32_t *out,
                              const uint8_t *const *bitmaps, uint32_t n_bitmaps);
/* CHAR(n) = constant (trailing blanks ignored): 1 if the string whose view is *view
 * (its bytes in vec's buffers if longer than 12) equals the n bytes at c (no trailing
 * blank), else 0; 0 if is_null (then view and vec may be anything that is readable:
 * a NULL-extended row's empty view with vec NULL). */
int32_t rt_jit_char_eq_const(const rt_vector *vec, const rt_string *view, const char *c, uint32_t n,
                             int32_t is_null);

/* ---- TPC-H data generator (dbgen_*.c) ---------------------------------------------- */

/* Name of TPC-H table t (qe_dbgen_table_name numbering), NULL if t >= 8. */
const char *rt_dbgen_table_name(uint32_t t);
/* The generated column types of table t (INTEGER, BIGINT order keys, DECIMAL as cents,
 * DATE, VARCHAR for all text); returns the column count (0 if t >= 8). */
uint32_t rt_dbgen_table_types(uint32_t t, const qe_type **types);
/* Validates options: 22023 for a bad scale factor, chunk or table set. */
qe_status rt_dbgen_check(const qe_dbgen_options *o, rt_error *err);
/* Writes the .tbl files (qe_dbgen_write). */
qe_status rt_dbgen_write_files(const qe_dbgen_options *o, rt_error *err);
/* Receives generated batches (compact, n_rows <= RT_VECTOR_SIZE, types of
 * rt_dbgen_table_types), in row order, on the thread that called rt_dbgen_generate;
 * the batch is valid during the call only. */
typedef qe_status (*rt_dbgen_sink)(void *ctx, uint32_t table, const rt_batch *b, rt_error *err);
/* Generates the chosen tables (o->dir ignored) as batches, multi-threaded; the batches
 * are charged to mem (may be NULL) while in flight. */
qe_status rt_dbgen_generate(const qe_dbgen_options *o, rt_mem_tracker *mem, rt_dbgen_sink sink,
                            void *ctx, rt_error *err);

#endif /* QE_RT_H */
