/*
 * dbgen_out.c -- running the TPC-H generator: row ranges for chunks, generator
 * threads, dbgen's .tbl text format and columnar rt_batch output (see dbgen_int.h).
 *
 * Control flow: for each job (part+partsupp, supplier, customer, orders+lineitem,
 * nation, region) the chunk's row range is cut into blocks; worker threads take
 * blocks in order, seek their random streams to the block's first row and generate
 * it into a slot (text buffers or batches); the calling thread consumes the slots
 * strictly in block order (writes the text, hands batches to a sink).  A window of
 * slots bounds memory.  Output therefore never depends on the thread count.
 *
 * Chunk i of n covers rows (i-1)*(N/n)+1 .. i*(N/n) of every chunked table, the last
 * chunk also the remainder N%n (dbgen -C n -S i).  nation and region are not chunked:
 * chunk 1 generates them whole, the other chunks not at all.
 */
#include "dbgen_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK_ROWS 8192 /* driving-table rows per block */

static const char *const table_names[DBG_TABLE_COUNT] = {
#define DBG_X_TABLE_NAME(name, tbl) tbl,
    DBG_TABLE_LIST(DBG_X_TABLE_NAME)
#undef DBG_X_TABLE_NAME
};

const char *dbg_table_name(dbg_table t) {
    return (unsigned)t < DBG_TABLE_COUNT ? table_names[t] : NULL;
}

const char *rt_dbgen_table_name(uint32_t t) { return dbg_table_name((dbg_table)t); }

/* The tables a job produces: [0] the driving table, [1] the dependent one or -1. */
static const int job_tables[DBG_JOB_COUNT][2] = {
    {DBG_PART, DBG_PARTSUPP},   {DBG_SUPPLIER, -1}, {DBG_CUSTOMER, -1},
    {DBG_ORDERS, DBG_LINEITEM}, {DBG_NATION, -1},   {DBG_REGION, -1}};

/* ---- column types ------------------------------------------------------------------- */

#define I QE_TYPE_INTEGER
#define B QE_TYPE_BIGINT
#define D QE_TYPE_DECIMAL
#define T QE_TYPE_DATE
#define S QE_TYPE_VARCHAR
static const qe_type part_types[] = {I, S, S, S, S, I, S, D, S};
static const qe_type partsupp_types[] = {I, I, I, D, S};
static const qe_type supplier_types[] = {I, S, S, I, S, D, S};
static const qe_type customer_types[] = {I, S, S, I, S, D, S, S};
static const qe_type orders_types[] = {B, I, S, D, T, S, S, I, S};
static const qe_type lineitem_types[] = {B, I, I, I, D, D, D, D, S, S, T, T, T, S, S, S};
static const qe_type nation_types[] = {I, S, I, S};
static const qe_type region_types[] = {I, S, S};
#undef I
#undef B
#undef D
#undef T
#undef S

static const struct {
    const qe_type *types;
    uint32_t n;
} table_types[DBG_TABLE_COUNT] = {{part_types, 9},     {partsupp_types, 5}, {supplier_types, 7},
                                  {customer_types, 8}, {orders_types, 9},   {lineitem_types, 16},
                                  {nation_types, 4},   {region_types, 3}};

uint32_t rt_dbgen_table_types(uint32_t t, const qe_type **types) {
    if (t >= DBG_TABLE_COUNT)
        return 0;
    *types = table_types[t].types;
    return table_types[t].n;
}

/* ---- text output -------------------------------------------------------------------- */

/* A growable text buffer (plain malloc: output staging, bounded by the slot window). */
typedef struct tbuf {
    char *p;
    size_t len;
    size_t cap;
    bool oom;
} tbuf;

static bool tb_reserve(tbuf *b, size_t n) {
    if (b->len + n <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap * 2 : 1 << 20;
    while (cap < b->len + n)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

/* Writes v in decimal; returns the new end. */
static inline char *put_int(char *p, int64_t v) {
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)(-v) : (uint64_t)v;
    if (v < 0)
        *p++ = '-';
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static inline char *put_zint(char *p, int64_t v, int width) {
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Cents as dbgen prints money: [-]units.cc */
static inline char *put_money(char *p, int64_t cents) {
    if (cents < 0) {
        *p++ = '-';
        cents = -cents;
    }
    p = put_int(p, cents / 100);
    *p++ = '.';
    return put_zint(p, cents % 100, 2);
}

static inline char *put_str(char *p, const char *s, size_t n) {
    memcpy(p, s, n);
    return p + n;
}

static inline char *put_date(char *p, int32_t days) { return put_str(p, dbg_date_text(days), 10); }

#define SEP(p) (*(p)++ = '|')

static char *fmt_part(char *p, const dbg_part_row *r) {
    p = put_int(p, r->partkey), SEP(p);
    p = put_str(p, r->name, r->name_len), SEP(p);
    p = put_str(p, "Manufacturer#", 13), p = put_int(p, r->mfgr), SEP(p);
    p = put_str(p, "Brand#", 6), p = put_zint(p, r->brand, 2), SEP(p);
    p = put_str(p, r->type.ptr, r->type.len), SEP(p);
    p = put_int(p, r->size), SEP(p);
    p = put_str(p, r->container.ptr, r->container.len), SEP(p);
    p = put_money(p, r->retailprice), SEP(p);
    p = put_str(p, r->comment.ptr, r->comment.len);
    *p++ = '\n';
    return p;
}

static char *fmt_partsupp(char *p, const dbg_part_row *r, int s) {
    p = put_int(p, r->partkey), SEP(p);
    p = put_int(p, r->ps_suppkey[s]), SEP(p);
    p = put_int(p, r->ps_availqty[s]), SEP(p);
    p = put_money(p, r->ps_supplycost[s]), SEP(p);
    p = put_str(p, r->ps_comment[s].ptr, r->ps_comment[s].len);
    *p++ = '\n';
    return p;
}

static char *fmt_supp(char *p, const dbg_supp_row *r) {
    p = put_int(p, r->suppkey), SEP(p);
    p = put_str(p, "Supplier#", 9), p = put_zint(p, r->suppkey, 9), SEP(p);
    p = put_str(p, r->address, r->address_len), SEP(p);
    p = put_int(p, r->nationkey), SEP(p);
    p = put_str(p, r->phone, 15), SEP(p);
    p = put_money(p, r->acctbal), SEP(p);
    p = put_str(p, r->comment, r->comment_len);
    *p++ = '\n';
    return p;
}

static char *fmt_cust(char *p, const dbg_cust_row *r) {
    p = put_int(p, r->custkey), SEP(p);
    p = put_str(p, "Customer#", 9), p = put_zint(p, r->custkey, 9), SEP(p);
    p = put_str(p, r->address, r->address_len), SEP(p);
    p = put_int(p, r->nationkey), SEP(p);
    p = put_str(p, r->phone, 15), SEP(p);
    p = put_money(p, r->acctbal), SEP(p);
    p = put_str(p, r->mktsegment.ptr, r->mktsegment.len), SEP(p);
    p = put_str(p, r->comment.ptr, r->comment.len);
    *p++ = '\n';
    return p;
}

static char *fmt_order(char *p, const dbg_order_row *o) {
    p = put_int(p, o->orderkey), SEP(p);
    p = put_int(p, o->custkey), SEP(p);
    *p++ = o->orderstatus, SEP(p);
    p = put_money(p, o->totalprice), SEP(p);
    p = put_date(p, o->orderdate), SEP(p);
    p = put_str(p, o->orderpriority.ptr, o->orderpriority.len), SEP(p);
    p = put_str(p, "Clerk#", 6), p = put_zint(p, o->clerk, 9), SEP(p);
    *p++ = '0', SEP(p);
    p = put_str(p, o->comment.ptr, o->comment.len);
    *p++ = '\n';
    return p;
}

static char *fmt_line(char *p, const dbg_order_row *o, int l) {
    const dbg_line_row *r = &o->lines[l];
    p = put_int(p, o->orderkey), SEP(p);
    p = put_int(p, r->partkey), SEP(p);
    p = put_int(p, r->suppkey), SEP(p);
    p = put_int(p, l + 1), SEP(p);
    p = put_int(p, r->quantity), SEP(p);
    p = put_money(p, r->extendedprice), SEP(p);
    p = put_money(p, r->discount), SEP(p);
    p = put_money(p, r->tax), SEP(p);
    *p++ = r->returnflag, SEP(p);
    *p++ = r->linestatus, SEP(p);
    p = put_date(p, r->shipdate), SEP(p);
    p = put_date(p, r->commitdate), SEP(p);
    p = put_date(p, r->receiptdate), SEP(p);
    p = put_str(p, r->shipinstruct.ptr, r->shipinstruct.len), SEP(p);
    p = put_str(p, r->shipmode.ptr, r->shipmode.len), SEP(p);
    p = put_str(p, r->comment.ptr, r->comment.len);
    *p++ = '\n';
    return p;
}

static char *fmt_code(char *p, const dbg_code_row *r, bool nation) {
    p = put_int(p, r->key), SEP(p);
    p = put_str(p, r->name.ptr, r->name.len), SEP(p);
    if (nation)
        p = put_int(p, r->regionkey), SEP(p);
    p = put_str(p, r->comment.ptr, r->comment.len);
    *p++ = '\n';
    return p;
}

/* ---- columnar output ---------------------------------------------------------------- */

/* The batches of one table being filled for a block. */
typedef struct bbuf {
    rt_batch **batches;
    uint32_t n;
    uint32_t cap;
    rt_batch *cur; /* last batch, not full; NULL before the first row */
} bbuf;

/* A block's output: per table of the job, text or batches. */
typedef struct slot {
    bool ready;
    bool oom;
    tbuf text[2];
    bbuf batches[2];
    rt_arena *arena; /* owns the batches */
} slot;

/* The row of the current batch to fill (a new batch when the last one is full). */
static rt_batch *next_row(slot *sl, int k, dbg_table t, uint32_t *row) {
    bbuf *bb = &sl->batches[k];
    if (!bb->cur || bb->cur->n_rows == RT_VECTOR_SIZE) {
        if (bb->n == bb->cap) {
            uint32_t cap = bb->cap ? bb->cap * 2 : 16;
            rt_batch **nb = rt_arena_alloc(sl->arena, sizeof *nb * cap);
            if (!nb)
                return NULL;
            if (bb->n)
                memcpy(nb, bb->batches, sizeof *nb * bb->n);
            bb->batches = nb;
            bb->cap = cap;
        }
        bb->cur =
            rt_batch_create(sl->arena, table_types[t].n, table_types[t].types, RT_VECTOR_SIZE);
        if (!bb->cur)
            return NULL;
        bb->batches[bb->n++] = bb->cur;
    }
    *row = bb->cur->n_rows++;
    return bb->cur;
}

static inline void set_i32(rt_batch *b, uint32_t c, uint32_t r, int64_t v) {
    ((int32_t *)b->cols[c].values)[r] = (int32_t)v;
}
static inline void set_i64(rt_batch *b, uint32_t c, uint32_t r, int64_t v) {
    ((int64_t *)b->cols[c].values)[r] = v;
}
/* A DECIMAL(15,2) value given in cents (DECIMAL values are 128-bit, rt.h). */
static inline void set_dec(rt_batch *b, uint32_t c, uint32_t r, int64_t cents) {
    ((rt_i128 *)b->cols[c].values)[r] = cents;
}
static inline bool set_str(rt_batch *b, rt_arena *a, uint32_t c, uint32_t r, const char *s,
                           size_t n) {
    return rt_vector_set_string(&b->cols[c], a, r, s, (uint32_t)n);
}

static bool put_part_batch(slot *sl, const dbg_part_row *x) {
    uint32_t r;
    rt_batch *b = next_row(sl, 0, DBG_PART, &r);
    if (!b)
        return false;
    char mfgr[16], brand[16];
    int nm = snprintf(mfgr, sizeof mfgr, "Manufacturer#%d", (int)x->mfgr);
    int nb = snprintf(brand, sizeof brand, "Brand#%02d", (int)x->brand);
    set_i32(b, 0, r, x->partkey);
    set_i32(b, 5, r, x->size);
    set_dec(b, 7, r, x->retailprice);
    return set_str(b, sl->arena, 1, r, x->name, x->name_len) &&
           set_str(b, sl->arena, 2, r, mfgr, (size_t)nm) &&
           set_str(b, sl->arena, 3, r, brand, (size_t)nb) &&
           set_str(b, sl->arena, 4, r, x->type.ptr, x->type.len) &&
           set_str(b, sl->arena, 6, r, x->container.ptr, x->container.len) &&
           set_str(b, sl->arena, 8, r, x->comment.ptr, x->comment.len);
}

static bool put_partsupp_batch(slot *sl, const dbg_part_row *x, int s) {
    uint32_t r;
    rt_batch *b = next_row(sl, 1, DBG_PARTSUPP, &r);
    if (!b)
        return false;
    set_i32(b, 0, r, x->partkey);
    set_i32(b, 1, r, x->ps_suppkey[s]);
    set_i32(b, 2, r, x->ps_availqty[s]);
    set_dec(b, 3, r, x->ps_supplycost[s]);
    return set_str(b, sl->arena, 4, r, x->ps_comment[s].ptr, x->ps_comment[s].len);
}

static bool put_supp_batch(slot *sl, const dbg_supp_row *x) {
    uint32_t r;
    rt_batch *b = next_row(sl, 0, DBG_SUPPLIER, &r);
    if (!b)
        return false;
    char name[32];
    int nn = snprintf(name, sizeof name, "Supplier#%09lld", (long long)x->suppkey);
    set_i32(b, 0, r, x->suppkey);
    set_i32(b, 3, r, x->nationkey);
    set_dec(b, 5, r, x->acctbal);
    return set_str(b, sl->arena, 1, r, name, (size_t)nn) &&
           set_str(b, sl->arena, 2, r, x->address, x->address_len) &&
           set_str(b, sl->arena, 4, r, x->phone, 15) &&
           set_str(b, sl->arena, 6, r, x->comment, x->comment_len);
}

static bool put_cust_batch(slot *sl, const dbg_cust_row *x) {
    uint32_t r;
    rt_batch *b = next_row(sl, 0, DBG_CUSTOMER, &r);
    if (!b)
        return false;
    char name[32];
    int nn = snprintf(name, sizeof name, "Customer#%09lld", (long long)x->custkey);
    set_i32(b, 0, r, x->custkey);
    set_i32(b, 3, r, x->nationkey);
    set_dec(b, 5, r, x->acctbal);
    return set_str(b, sl->arena, 1, r, name, (size_t)nn) &&
           set_str(b, sl->arena, 2, r, x->address, x->address_len) &&
           set_str(b, sl->arena, 4, r, x->phone, 15) &&
           set_str(b, sl->arena, 6, r, x->mktsegment.ptr, x->mktsegment.len) &&
           set_str(b, sl->arena, 7, r, x->comment.ptr, x->comment.len);
}

static bool put_order_batch(slot *sl, const dbg_order_row *o) {
    uint32_t r;
    rt_batch *b = next_row(sl, 0, DBG_ORDERS, &r);
    if (!b)
        return false;
    char clerk[32];
    int nc = snprintf(clerk, sizeof clerk, "Clerk#%09lld", (long long)o->clerk);
    set_i64(b, 0, r, o->orderkey);
    set_i32(b, 1, r, o->custkey);
    set_dec(b, 3, r, o->totalprice);
    set_i32(b, 4, r, o->orderdate);
    set_i32(b, 7, r, 0);
    return set_str(b, sl->arena, 2, r, &o->orderstatus, 1) &&
           set_str(b, sl->arena, 5, r, o->orderpriority.ptr, o->orderpriority.len) &&
           set_str(b, sl->arena, 6, r, clerk, (size_t)nc) &&
           set_str(b, sl->arena, 8, r, o->comment.ptr, o->comment.len);
}

static bool put_line_batch(slot *sl, const dbg_order_row *o, int l) {
    uint32_t r;
    rt_batch *b = next_row(sl, 1, DBG_LINEITEM, &r);
    if (!b)
        return false;
    const dbg_line_row *x = &o->lines[l];
    set_i64(b, 0, r, o->orderkey);
    set_i32(b, 1, r, x->partkey);
    set_i32(b, 2, r, x->suppkey);
    set_i32(b, 3, r, l + 1);
    set_dec(b, 4, r, x->quantity * 100);
    set_dec(b, 5, r, x->extendedprice);
    set_dec(b, 6, r, x->discount);
    set_dec(b, 7, r, x->tax);
    set_i32(b, 10, r, x->shipdate);
    set_i32(b, 11, r, x->commitdate);
    set_i32(b, 12, r, x->receiptdate);
    return set_str(b, sl->arena, 8, r, &x->returnflag, 1) &&
           set_str(b, sl->arena, 9, r, &x->linestatus, 1) &&
           set_str(b, sl->arena, 13, r, x->shipinstruct.ptr, x->shipinstruct.len) &&
           set_str(b, sl->arena, 14, r, x->shipmode.ptr, x->shipmode.len) &&
           set_str(b, sl->arena, 15, r, x->comment.ptr, x->comment.len);
}

static bool put_code_batch(slot *sl, const dbg_code_row *x, dbg_table t) {
    uint32_t r;
    rt_batch *b = next_row(sl, 0, t, &r);
    if (!b)
        return false;
    set_i32(b, 0, r, x->key);
    if (t == DBG_NATION) {
        set_i32(b, 2, r, x->regionkey);
        return set_str(b, sl->arena, 1, r, x->name.ptr, x->name.len) &&
               set_str(b, sl->arena, 3, r, x->comment.ptr, x->comment.len);
    }
    return set_str(b, sl->arena, 1, r, x->name.ptr, x->name.len) &&
           set_str(b, sl->arena, 2, r, x->comment.ptr, x->comment.len);
}

/* ---- blocks ------------------------------------------------------------------------- */

/* One job over one row range of one chunk. */
typedef struct run {
    const dbg_scale *sc;
    const char *pool;
    dbg_job job;
    bool want[2];        /* produce job_tables[job][k] */
    bool columnar;       /* batches instead of text */
    rt_mem_tracker *mem; /* charges the batches (columnar) */
    int64_t first_row;   /* first driving row of the chunk */
    int64_t n_rows;      /* driving rows of the chunk */
    int64_t n_blocks;
    uint32_t window; /* slots */
    slot *slots;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t next_block; /* next block a worker takes */
    int64_t next_done;  /* next block the consumer takes */
    bool failed;        /* a worker ran out of memory, or the consumer failed */
} run;

/* Generates block `blk` of the run into sl; false on out-of-memory. */
static bool gen_block(run *rn, int64_t blk, slot *sl) {
    int64_t row0 = rn->first_row + blk * BLOCK_ROWS;
    int64_t n = rn->n_rows - blk * BLOCK_ROWS;
    if (n > BLOCK_ROWS)
        n = BLOCK_ROWS;
    dbg_rng rng;
    dbg_rng_seek(&rng, rn->job, row0);
    if (rn->columnar) {
        rt_arena_destroy(sl->arena);
        memset(sl->batches, 0, sizeof sl->batches);
        sl->arena = rt_arena_create(rn->mem);
        if (!sl->arena)
            return false;
    }
    /* bytes per driving row, bounded: text never passes these */
    static const size_t row_max[DBG_JOB_COUNT][2] = {{400, 4 * 320}, {300, 0}, {300, 0},
                                                     {300, 7 * 300}, {300, 0}, {300, 0}};
    for (int k = 0; k < 2; k++) {
        if (!rn->columnar && rn->want[k]) {
            sl->text[k].len = 0;
            if (!tb_reserve(&sl->text[k], (size_t)n * row_max[rn->job][k]))
                return false;
        }
    }
    char *tp[2] = {sl->text[0].p, sl->text[1].p};
    bool ok = true;
    const dbg_scale *sc = rn->sc;
    for (int64_t i = 0; i < n && ok; i++) {
        int64_t row = row0 + i;
        switch (rn->job) {
        case DBG_JOB_PART_PSUPP: {
            dbg_part_row r;
            dbg_make_part(sc, &rng, rn->pool, row, &r);
            if (rn->columnar) {
                if (rn->want[0])
                    ok = put_part_batch(sl, &r);
                for (int s = 0; s < 4 && ok && rn->want[1]; s++)
                    ok = put_partsupp_batch(sl, &r, s);
            } else {
                if (rn->want[0])
                    tp[0] = fmt_part(tp[0], &r);
                for (int s = 0; s < 4 && rn->want[1]; s++)
                    tp[1] = fmt_partsupp(tp[1], &r, s);
            }
            break;
        }
        case DBG_JOB_SUPP: {
            dbg_supp_row r;
            dbg_make_supp(sc, &rng, rn->pool, row, &r);
            if (rn->columnar)
                ok = put_supp_batch(sl, &r);
            else
                tp[0] = fmt_supp(tp[0], &r);
            break;
        }
        case DBG_JOB_CUST: {
            dbg_cust_row r;
            dbg_make_cust(sc, &rng, rn->pool, row, &r);
            if (rn->columnar)
                ok = put_cust_batch(sl, &r);
            else
                tp[0] = fmt_cust(tp[0], &r);
            break;
        }
        case DBG_JOB_ORDER_LINE: {
            dbg_order_row o;
            dbg_make_order(sc, &rng, rn->pool, row, &o);
            if (rn->columnar) {
                if (rn->want[0])
                    ok = put_order_batch(sl, &o);
                for (int l = 0; l < o.n_lines && ok && rn->want[1]; l++)
                    ok = put_line_batch(sl, &o, l);
            } else {
                if (rn->want[0])
                    tp[0] = fmt_order(tp[0], &o);
                for (int l = 0; l < o.n_lines && rn->want[1]; l++)
                    tp[1] = fmt_line(tp[1], &o, l);
            }
            break;
        }
        case DBG_JOB_NATION:
        case DBG_JOB_REGION: {
            dbg_code_row r;
            bool nation = rn->job == DBG_JOB_NATION;
            if (nation)
                dbg_make_nation(&rng, rn->pool, row, &r);
            else
                dbg_make_region(&rng, rn->pool, row, &r);
            if (rn->columnar)
                ok = put_code_batch(sl, &r, nation ? DBG_NATION : DBG_REGION);
            else
                tp[0] = fmt_code(tp[0], &r, nation);
            break;
        }
        case DBG_JOB_COUNT: break;
        }
        dbg_rng_next_row(&rng, rn->job);
    }
    for (int k = 0; k < 2; k++)
        if (!rn->columnar && rn->want[k])
            sl->text[k].len = (size_t)(tp[k] - sl->text[k].p);
    return ok;
}

static void *worker_main(void *arg) {
    run *rn = arg;
    for (;;) {
        pthread_mutex_lock(&rn->mu);
        while (!rn->failed && rn->next_block < rn->n_blocks &&
               rn->next_block >= rn->next_done + rn->window)
            pthread_cond_wait(&rn->cv, &rn->mu);
        if (rn->failed || rn->next_block >= rn->n_blocks) {
            pthread_mutex_unlock(&rn->mu);
            return NULL;
        }
        int64_t blk = rn->next_block++;
        pthread_mutex_unlock(&rn->mu);
        slot *sl = &rn->slots[blk % rn->window];
        bool ok = gen_block(rn, blk, sl);
        pthread_mutex_lock(&rn->mu);
        if (ok)
            sl->ready = true;
        else
            rn->failed = true;
        pthread_cond_broadcast(&rn->cv);
        pthread_mutex_unlock(&rn->mu);
    }
}

/* What the consumer does with a finished block. */
typedef struct consumer {
    FILE *files[2];     /* text: one file per table of the job (NULL: not wanted) */
    rt_dbgen_sink sink; /* columnar */
    void *sink_ctx;
} consumer;

static qe_status consume(const run *rn, const consumer *cs, slot *sl, rt_error *err) {
    for (int k = 0; k < 2; k++) {
        if (!rn->want[k])
            continue;
        int t = job_tables[rn->job][k];
        if (!rn->columnar) {
            if (fwrite(sl->text[k].p, 1, sl->text[k].len, cs->files[k]) != sl->text[k].len)
                return rt_error_set(err, QE_IO, "58030", -1, "could not write \"%s.tbl\": %s",
                                    table_names[t], strerror(errno));
            continue;
        }
        for (uint32_t i = 0; i < sl->batches[k].n; i++) {
            qe_status st = cs->sink(cs->sink_ctx, (uint32_t)t, sl->batches[k].batches[i], err);
            if (st != QE_OK)
                return st;
        }
    }
    return QE_OK;
}

static uint32_t default_threads(uint32_t threads) {
    if (threads > 0)
        return threads > 64 ? 64 : threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (uint32_t)n;
}

/* Runs rn with `threads` workers, consuming on the calling thread. */
static qe_status run_job(run *rn, uint32_t threads, const consumer *cs, rt_error *err) {
    rn->n_blocks = (rn->n_rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
    if (rn->n_blocks == 0)
        return QE_OK;
    if ((int64_t)threads > rn->n_blocks)
        threads = (uint32_t)rn->n_blocks;
    rn->window = threads * 2;
    size_t slots_size = sizeof(slot) * rn->window, tids_size = sizeof(pthread_t) * threads;
    rn->slots = rt_malloc(rn->mem, slots_size);
    pthread_t *tids = rt_malloc(rn->mem, tids_size);
    if (!rn->slots || !tids) {
        rt_free(rn->mem, rn->slots, slots_size);
        rt_free(rn->mem, tids, tids_size);
        return rt_error_nomem(err, rn->mem);
    }
    memset(rn->slots, 0, slots_size);
    pthread_mutex_init(&rn->mu, NULL);
    pthread_cond_init(&rn->cv, NULL);
    uint32_t started = 0;
    for (; started < threads; started++)
        if (pthread_create(&tids[started], NULL, worker_main, rn) != 0)
            break;
    qe_status st = QE_OK;
    if (started == 0)
        st = rt_error_set(err, QE_INTERNAL, "XX000", -1, "could not start generator threads");
    for (int64_t blk = 0; st == QE_OK && blk < rn->n_blocks; blk++) {
        slot *sl = &rn->slots[blk % rn->window];
        pthread_mutex_lock(&rn->mu);
        while (!sl->ready && !rn->failed)
            pthread_cond_wait(&rn->cv, &rn->mu);
        bool failed = !sl->ready;
        pthread_mutex_unlock(&rn->mu);
        if (failed) {
            st = rt_error_nomem(err, rn->mem);
            break;
        }
        st = consume(rn, cs, sl, err);
        pthread_mutex_lock(&rn->mu);
        sl->ready = false;
        rn->next_done++;
        pthread_cond_broadcast(&rn->cv);
        pthread_mutex_unlock(&rn->mu);
    }
    pthread_mutex_lock(&rn->mu);
    if (st != QE_OK)
        rn->failed = true;
    pthread_cond_broadcast(&rn->cv);
    pthread_mutex_unlock(&rn->mu);
    for (uint32_t i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    for (uint32_t i = 0; i < rn->window; i++) {
        free(rn->slots[i].text[0].p);
        free(rn->slots[i].text[1].p);
        rt_arena_destroy(rn->slots[i].arena);
    }
    pthread_cond_destroy(&rn->cv);
    pthread_mutex_destroy(&rn->mu);
    rt_free(rn->mem, rn->slots, slots_size);
    rt_free(rn->mem, tids, tids_size);
    return st;
}

/* ---- entry points ------------------------------------------------------------------- */

qe_status rt_dbgen_check(const qe_dbgen_options *o, rt_error *err) {
    dbg_scale sc;
    if (!dbg_scale_init(o->scale_factor, &sc)) {
        rt_error_set(err, QE_DATA, "22023", -1, "invalid TPC-H scale factor %g", o->scale_factor);
        rt_error_hint(err, "Use 0.001 to 0.999 (in thousandths) or an integer from 1 to 29999.");
        return QE_DATA;
    }
    if (o->chunks > 1 && (o->chunk < 1 || o->chunk > o->chunks))
        return rt_error_set(err, QE_DATA, "22023", -1, "chunk %u is not between 1 and %u", o->chunk,
                            o->chunks);
    if (o->tables >= (1u << DBG_TABLE_COUNT))
        return rt_error_set(err, QE_DATA, "22023", -1, "invalid TPC-H table set 0x%x", o->tables);
    return QE_OK;
}

/* Runs every job that produces a wanted table; files/sink per consumer setup. */
static qe_status generate(const qe_dbgen_options *o, bool columnar, rt_mem_tracker *mem,
                          FILE *const *files, rt_dbgen_sink sink, void *ctx, rt_error *err) {
    qe_status st = rt_dbgen_check(o, err);
    if (st != QE_OK)
        return st;
    dbg_scale sc;
    dbg_scale_init(o->scale_factor, &sc);
    const char *pool = dbg_text_pool(default_threads(o->threads));
    if (!pool)
        return rt_error_nomem(err, mem);
    uint32_t tables = o->tables ? o->tables : (1u << DBG_TABLE_COUNT) - 1;
    uint32_t chunks = o->chunks > 1 ? o->chunks : 1;
    uint32_t chunk = chunks > 1 ? o->chunk : 1;
    for (int j = 0; j < DBG_JOB_COUNT && st == QE_OK; j++) {
        run rn;
        memset(&rn, 0, sizeof rn);
        rn.sc = &sc;
        rn.pool = pool;
        rn.job = (dbg_job)j;
        rn.columnar = columnar;
        rn.mem = mem;
        consumer cs = {{NULL, NULL}, sink, ctx};
        for (int k = 0; k < 2; k++) {
            int t = job_tables[j][k];
            rn.want[k] = t >= 0 && (tables & (1u << t));
            if (rn.want[k] && files)
                cs.files[k] = files[t];
        }
        if (!rn.want[0] && !rn.want[1])
            continue;
        int64_t total = dbg_job_rows(&sc, (dbg_job)j);
        if (j == DBG_JOB_NATION || j == DBG_JOB_REGION) {
            rn.first_row = 1;
            rn.n_rows = chunk == 1 ? total : 0;
        } else {
            int64_t per = total / chunks;
            rn.first_row = per * (chunk - 1) + 1;
            rn.n_rows = chunk == chunks ? per + total % chunks : per;
        }
        st = run_job(&rn, default_threads(o->threads), &cs, err);
    }
    return st;
}

qe_status rt_dbgen_generate(const qe_dbgen_options *o, rt_mem_tracker *mem, rt_dbgen_sink sink,
                            void *ctx, rt_error *err) {
    return generate(o, true, mem, NULL, sink, ctx, err);
}

qe_status rt_dbgen_write_files(const qe_dbgen_options *o, rt_error *err) {
    qe_status st = rt_dbgen_check(o, err);
    if (st != QE_OK)
        return st;
    uint32_t tables = o->tables ? o->tables : (1u << DBG_TABLE_COUNT) - 1;
    bool chunked = o->chunks > 1;
    FILE *files[DBG_TABLE_COUNT] = {0};
    const char *dir = o->dir && o->dir[0] ? o->dir : ".";
    for (int t = 0; t < DBG_TABLE_COUNT && st == QE_OK; t++) {
        if (!(tables & (1u << t)))
            continue;
        bool whole = t == DBG_NATION || t == DBG_REGION;
        if (chunked && whole && o->chunk != 1)
            continue;
        char path[4096];
        if (chunked && !whole)
            snprintf(path, sizeof path, "%s/%s.tbl.%u", dir, table_names[t], o->chunk);
        else
            snprintf(path, sizeof path, "%s/%s.tbl", dir, table_names[t]);
        files[t] = fopen(path, "wb");
        if (!files[t])
            st = rt_error_set(err, QE_IO, "58030", -1, "could not open \"%s\" for writing: %s",
                              path, strerror(errno));
        else
            setvbuf(files[t], NULL, _IOFBF, 1 << 20);
    }
    if (st == QE_OK)
        st = generate(o, false, NULL, files, NULL, NULL, err);
    for (int t = 0; t < DBG_TABLE_COUNT; t++)
        if (files[t] && fclose(files[t]) != 0 && st == QE_OK)
            st = rt_error_set(err, QE_IO, "58030", -1, "could not write \"%s.tbl\": %s",
                              table_names[t], strerror(errno));
    return st;
}
