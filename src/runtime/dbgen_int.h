/*
 * dbgen_int.h -- the TPC-H data generator (private to src/runtime/dbgen_*.c).
 *
 * The generator reproduces TPC-H dbgen 2.17.3 byte for byte: the same Park-Miller
 * random streams (one per column, 48 in all, each with its own seed), the same number
 * of draws per row (a stream is advanced to a fixed per-row boundary after each row,
 * which is what makes skip-ahead possible), the same distributions and the same
 * 300 MiB pseudo-text pool that comments are cut from.
 *
 *   dbgen_gen.c    random streams, text pool, distributions, one row of each table
 *   dbgen_out.c    row ranges, threads, .tbl text and rt_batch output, qe_dbgen_write
 *
 * Rows are numbered from 1 like dbgen.  A "job" generates one driving table and its
 * dependent table together (part + partsupp, orders + lineitem) because they share
 * one loop; the others generate alone.
 */
#ifndef QE_RUNTIME_DBGEN_INT_H
#define QE_RUNTIME_DBGEN_INT_H

#include "rt_int.h"

#include <stdint.h>

/* X(name, tbl) -- the eight TPC-H tables in dbgen's output order of qe_dbgen_table. */
#define DBG_TABLE_LIST(X)                                                                          \
    X(PART, "part")                                                                                \
    X(PARTSUPP, "partsupp")                                                                        \
    X(SUPPLIER, "supplier")                                                                        \
    X(CUSTOMER, "customer")                                                                        \
    X(ORDERS, "orders")                                                                            \
    X(LINEITEM, "lineitem")                                                                        \
    X(NATION, "nation")                                                                            \
    X(REGION, "region")

typedef enum dbg_table {
#define DBG_X_TABLE_ENUM(name, tbl) DBG_##name,
    DBG_TABLE_LIST(DBG_X_TABLE_ENUM)
#undef DBG_X_TABLE_ENUM
        DBG_TABLE_COUNT
} dbg_table;

/* Lower-case table name ("lineitem"). */
const char *dbg_table_name(dbg_table t);

/* X(name, table) -- the generator jobs: one loop over the driving table's rows. */
#define DBG_JOB_LIST(X)                                                                            \
    X(PART_PSUPP, DBG_PART)                                                                        \
    X(SUPP, DBG_SUPPLIER)                                                                          \
    X(CUST, DBG_CUSTOMER)                                                                          \
    X(ORDER_LINE, DBG_ORDERS)                                                                      \
    X(NATION, DBG_NATION)                                                                          \
    X(REGION, DBG_REGION)

typedef enum dbg_job {
#define DBG_X_JOB_ENUM(name, table) DBG_JOB_##name,
    DBG_JOB_LIST(DBG_X_JOB_ENUM)
#undef DBG_X_JOB_ENUM
        DBG_JOB_COUNT
} dbg_job;

#define DBG_N_STREAMS 48 /* dbgen's MAX_STREAM + 1 */
#define DBG_TEXT_MAX 200 /* longest generated comment + 1 (partsupp: 198) */
#define DBG_LINES_MAX 7  /* lineitems per order */

/* Sizes of one generation: derived from the scale factor exactly as dbgen does. */
typedef struct dbg_scale {
    int64_t scale;    /* dbgen's integer `scale` (1 for fractional factors) */
    int64_t n_part;   /* part rows (partsupp has 4 per part) */
    int64_t n_supp;   /* supplier rows */
    int64_t n_cust;   /* customer rows */
    int64_t n_orders; /* orders rows (lineitem has 1..7 per order) */
} dbg_scale;

/* Computes the sizes for scale factor sf; false if sf is not a valid dbgen scale
 * (0 < sf < 1 with at least a thousandth, or an integer from 1 to 29999: from 30000 on
 * dbgen switches two columns to its 64-bit generator, which is not implemented). */
bool dbg_scale_init(double sf, dbg_scale *out);
/* Rows of the driving table of a job. */
int64_t dbg_job_rows(const dbg_scale *sc, dbg_job job);

/* The random streams of one generator thread, positioned at a row of one job. */
typedef struct dbg_rng {
    int64_t seed[DBG_N_STREAMS];     /* current value of each stream */
    int64_t row_seed[DBG_N_STREAMS]; /* value of each stream at the current row's start */
} dbg_rng;

/* Positions the job's streams at the start of row `row` (1-based) by skip-ahead. */
void dbg_rng_seek(dbg_rng *rng, dbg_job job, int64_t row);
/* Moves the job's streams to the start of the next row (dbgen's row_stop). */
void dbg_rng_next_row(dbg_rng *rng, dbg_job job);

/* The shared 300 MiB text pool; built once per process (thread-safe; with up to
 * `threads` threads), NULL on out-of-memory.  Plain malloc: a process-wide cache, not
 * query memory. */
const char *dbg_text_pool(uint32_t threads);

/* "YYYY-MM-DD" of a generated date (days since 1970-01-01, 1992-01-01 .. 1998-12-31). */
const char *dbg_date_text(int32_t days_since_epoch);

/* A string cut out of the text pool or built in a row buffer. */
typedef struct dbg_str {
    const char *ptr;
    uint32_t len;
} dbg_str;

typedef struct dbg_part_row {
    int64_t partkey;
    char name[64]; /* five colours */
    uint32_t name_len;
    int64_t mfgr;  /* 1..5: "Manufacturer#<mfgr>" */
    int64_t brand; /* 11..55: "Brand#<brand>" */
    dbg_str type;  /* from p_types */
    int64_t size;
    dbg_str container;   /* from p_cntr */
    int64_t retailprice; /* cents */
    dbg_str comment;
    /* the four partsupp rows */
    int64_t ps_suppkey[4];
    int64_t ps_availqty[4];
    int64_t ps_supplycost[4]; /* cents */
    dbg_str ps_comment[4];
} dbg_part_row;

typedef struct dbg_supp_row {
    int64_t suppkey;
    char address[48];
    uint32_t address_len;
    int64_t nationkey;
    char phone[16];             /* 15 characters */
    int64_t acctbal;            /* cents */
    char comment[DBG_TEXT_MAX]; /* copied: the BBB comments patch it */
    uint32_t comment_len;
} dbg_supp_row;

typedef struct dbg_cust_row {
    int64_t custkey;
    char address[48];
    uint32_t address_len;
    int64_t nationkey;
    char phone[16];
    int64_t acctbal; /* cents */
    dbg_str mktsegment;
    dbg_str comment;
} dbg_cust_row;

typedef struct dbg_line_row {
    int64_t partkey;
    int64_t suppkey;
    int64_t quantity;
    int64_t extendedprice; /* cents */
    int64_t discount;      /* hundredths */
    int64_t tax;           /* hundredths */
    char returnflag;
    char linestatus;
    int32_t shipdate; /* days since 1970-01-01 */
    int32_t commitdate;
    int32_t receiptdate;
    dbg_str shipinstruct;
    dbg_str shipmode;
    dbg_str comment;
} dbg_line_row;

typedef struct dbg_order_row {
    int64_t orderkey;
    int64_t custkey;
    char orderstatus;
    int64_t totalprice; /* cents */
    int32_t orderdate;  /* days since 1970-01-01 */
    dbg_str orderpriority;
    int64_t clerk; /* "Clerk#%09d" */
    dbg_str comment;
    int n_lines;
    dbg_line_row lines[DBG_LINES_MAX];
} dbg_order_row;

typedef struct dbg_code_row { /* nation and region */
    int64_t key;
    dbg_str name;
    int64_t regionkey; /* nation only */
    dbg_str comment;
} dbg_code_row;

/* Row generators: fill one row of the driving table from the streams (positioned at
 * the row by dbg_rng_seek / dbg_rng_next_row).  The pool must be built. */
void dbg_make_part(const dbg_scale *sc, dbg_rng *rng, const char *pool, int64_t row,
                   dbg_part_row *out);
void dbg_make_supp(const dbg_scale *sc, dbg_rng *rng, const char *pool, int64_t row,
                   dbg_supp_row *out);
void dbg_make_cust(const dbg_scale *sc, dbg_rng *rng, const char *pool, int64_t row,
                   dbg_cust_row *out);
void dbg_make_order(const dbg_scale *sc, dbg_rng *rng, const char *pool, int64_t row,
                    dbg_order_row *out);
void dbg_make_nation(dbg_rng *rng, const char *pool, int64_t row, dbg_code_row *out);
void dbg_make_region(dbg_rng *rng, const char *pool, int64_t row, dbg_code_row *out);

#endif /* QE_RUNTIME_DBGEN_INT_H */
