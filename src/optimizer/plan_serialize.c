/*
 * plan_serialize.c -- the versioned binary form of a physical plan (opt.h).
 *
 * The coordinator ships every task the whole plan_query in this form.  Layout:
 *   header  magic "QEPL", u16 format version, u16 flags (0), u64 body length,
 *           u64 XXH64(body, seed 0)                                  (24 bytes)
 *   body    the query: result schema, is_insert, exchanges, stages -> pipelines ->
 *           operators -> expressions, in declaration order
 * Integers are little-endian; strings are a u32 length (0xFFFFFFFF for NULL) and the
 * bytes; enums are one byte; an expression is a tag byte (0 for a NULL pointer, else
 * kind + 1), its type and position, then its kind's fields.
 *
 * Deserialization trusts nothing: every read is bounds-checked, every enum range and
 * count validated (counts against the bytes left, so a forged count cannot make us
 * allocate), cross references checked (stage, exchange and state ids, column
 * references against the input schema of each operator, operator roles within a
 * pipeline), and expression nesting is bounded.  Any failure is an XX001 error.
 */
#include "opt.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define PLAN_MAGIC 0x4C504551u /* "QEPL" read as a little-endian u32 */
#define PLAN_FORMAT_VERSION 5
#define PLAN_HEADER_SIZE 24
#define PLAN_MAX_DEPTH 4096 /* expression nesting accepted */
#define NULL_STRING 0xFFFFFFFFu
#define ANY_INPUT UINT32_MAX /* column references not checkable here */

/* Operator roles and aggregate arities, from the X-macro lists. */
static const int phys_role[] = {
#define ROLE_X(name, text, role) role,
    PLAN_PHYS_LIST(ROLE_X)
#undef ROLE_X
};
#define N_PHYS ((int)(sizeof phys_role / sizeof phys_role[0]))

static const int op_arity[] = {
#define ARITY_X(name, sql, arity) arity,
    PLAN_OP_LIST(ARITY_X)
#undef ARITY_X
};
#define N_OPS ((int)(sizeof op_arity / sizeof op_arity[0]))

#define COUNT_X(...) +1
#define N_EXPR_KINDS (0 PLAN_EXPR_LIST(COUNT_X))
#define N_AGG_FNS (0 PLAN_AGG_LIST(COUNT_X))
#define N_EXCHANGE_KINDS (0 PLAN_EXCHANGE_LIST(COUNT_X))
#define N_JOIN_KINDS (0 PLAN_JOIN_LIST(COUNT_X))

/* ---- writer ------------------------------------------------------------------------- */

/* Output buffer; `fail` names the first problem (NULL: none, "oom": out of memory). */
typedef struct pw {
    uint8_t *data;    /* output (malloc'd) */
    size_t len;       /* bytes written */
    size_t cap;       /* bytes allocated */
    const char *fail; /* first problem, NULL if none; "oom" for out of memory */
} pw;

static void pw_bytes(pw *w, const void *p, size_t n) {
    if (w->fail || n == 0)
        return;
    if (n > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 1024;
        while (cap - w->len < n)
            cap *= 2;
        uint8_t *d = realloc(w->data, cap);
        if (!d) {
            w->fail = "oom";
            return;
        }
        w->data = d;
        w->cap = cap;
    }
    memcpy(w->data + w->len, p, n);
    w->len += n;
}

static void pw_u8(pw *w, uint8_t v) { pw_bytes(w, &v, 1); }

static void pw_u32(pw *w, uint32_t v) {
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    pw_bytes(w, b, 4);
}

static void pw_u64(pw *w, uint64_t v) {
    pw_u32(w, (uint32_t)v);
    pw_u32(w, (uint32_t)(v >> 32));
}

static void pw_strn(pw *w, const char *s, size_t n) {
    if (!s) {
        pw_u32(w, NULL_STRING);
        return;
    }
    if (n >= NULL_STRING) {
        w->fail = w->fail ? w->fail : "string too long";
        return;
    }
    pw_u32(w, (uint32_t)n);
    pw_bytes(w, s, n);
}

static void pw_str(pw *w, const char *s) { pw_strn(w, s, s ? strlen(s) : 0); }

static void pw_types(pw *w, uint32_t n, const qe_type *types) {
    for (uint32_t i = 0; i < n; i++)
        pw_u8(w, (uint8_t)types[i]);
}

static void write_value(pw *w, const rt_value *v) {
    pw_u8(w, (uint8_t)v->type);
    pw_u8(w, v->is_null ? 1 : 0);
    if (v->is_null || v->type == QE_TYPE_NULL)
        return;
    if (v->type == QE_TYPE_BOOLEAN) {
        pw_u8(w, v->u.b ? 1 : 0);
    } else if (v->type == QE_TYPE_REAL || v->type == QE_TYPE_DOUBLE) {
        uint64_t bits;
        memcpy(&bits, &v->u.d, sizeof bits);
        pw_u64(w, bits);
    } else if (v->type == QE_TYPE_VARCHAR) {
        pw_strn(w, v->u.s.ptr ? v->u.s.ptr : "", v->u.s.ptr ? v->u.s.len : 0);
    } else if (v->type == QE_TYPE_DECIMAL || v->type == QE_TYPE_HUGEINT ||
               v->type == QE_TYPE_INTERVAL) { /* 16 bytes, little-endian halves */
        uint64_t half[2];
        memcpy(half, v->type == QE_TYPE_INTERVAL ? (const void *)&v->u.iv : (const void *)&v->u.h,
               16);
        pw_u64(w, half[0]);
        pw_u64(w, half[1]);
    } else {
        pw_u64(w, (uint64_t)v->u.i);
    }
}

/* A type modifier; only DECIMAL and VARCHAR have one (others travel as 0). */
static void pw_typmod(pw *w, qe_type t, int32_t tm) {
    pw_u32(w, t == QE_TYPE_DECIMAL || t == QE_TYPE_VARCHAR ? (uint32_t)tm : 0);
}

static void write_expr(pw *w, const plan_expr *e, int depth) {
    if (!e) {
        pw_u8(w, 0);
        return;
    }
    if (depth > PLAN_MAX_DEPTH) {
        w->fail = w->fail ? w->fail : "expression nested too deeply";
        return;
    }
    pw_u8(w, (uint8_t)(e->kind + 1));
    pw_u8(w, (uint8_t)e->type);
    pw_u32(w, (uint32_t)e->position);
    pw_typmod(w, e->type, e->typmod);
    switch (e->kind) {
    case PLAN_EXPR_CONST: write_value(w, &e->u.value); break;
    case PLAN_EXPR_COLUMN: pw_u32(w, e->u.column); break;
    case PLAN_EXPR_OP:
        pw_u8(w, (uint8_t)e->u.op.op);
        write_expr(w, e->u.op.args[0], depth + 1);
        write_expr(w, e->u.op.args[1], depth + 1);
        break;
    case PLAN_EXPR_CAST: write_expr(w, e->u.cast, depth + 1); break;
    case PLAN_EXPR_FUNC:
        pw_u32(w, e->u.func.fn);
        pw_u32(w, e->u.func.n_args);
        for (uint32_t i = 0; i < e->u.func.n_args; i++)
            write_expr(w, e->u.func.args[i], depth + 1);
        break;
    case PLAN_EXPR_CASE:
        pw_u32(w, e->u.case_.n_whens);
        for (uint32_t i = 0; i < e->u.case_.n_whens; i++) {
            write_expr(w, e->u.case_.whens[i], depth + 1);
            write_expr(w, e->u.case_.thens[i], depth + 1);
        }
        write_expr(w, e->u.case_.else_expr, depth + 1);
        break;
    default: break; /* logical-only kinds never reach a physical plan */
    }
}

static void write_exprs(pw *w, uint32_t n, plan_expr *const *exprs) {
    for (uint32_t i = 0; i < n; i++)
        write_expr(w, exprs[i], 0);
}

static void write_agg_op(pw *w, const plan_op *op) {
    pw_u8(w, (uint8_t)op->u.agg.phase);
    pw_u32(w, op->u.agg.n_groups);
    write_exprs(w, op->u.agg.n_groups, op->u.agg.groups);
    pw_u32(w, op->u.agg.n_aggs);
    for (uint32_t i = 0; i < op->u.agg.n_aggs; i++) {
        const plan_agg *a = &op->u.agg.aggs[i];
        pw_u8(w, (uint8_t)a->fn);
        pw_u8(w, (uint8_t)a->type);
        pw_u8(w, (uint8_t)a->state_type);
        pw_u8(w, a->distinct ? 1 : 0);
        write_expr(w, a->arg, 0);
        pw_u32(w, a->n_column);
        pw_typmod(w, a->type, a->typmod);
    }
}

/* The fields of the three hash-join operators (keys the op does not use are 0s). */
static void write_join_op(pw *w, const plan_op *op) {
    pw_u8(w, (uint8_t)op->u.join.kind);
    pw_u8(w, op->u.join.filter_build);
    pw_u32(w, op->u.join.n_keys);
    for (uint32_t k = 0; k < op->u.join.n_keys; k++) {
        pw_u32(w, op->u.join.probe_keys ? op->u.join.probe_keys[k] : 0);
        pw_u32(w, op->u.join.build_keys ? op->u.join.build_keys[k] : 0);
    }
    pw_u32(w, op->u.join.n_build_cols);
    write_expr(w, op->u.join.residual, 0);
    pw_u8(w, op->u.join.build_no_nulls ? 1 : 0);
    for (uint32_t i = 0; op->u.join.build_no_nulls && i < op->u.join.n_build_cols; i++)
        pw_u8(w, op->u.join.build_no_nulls[i] ? 1 : 0);
}

/* The fields of WINDOW_SINK/WINDOW_SOURCE: the functions with their frames. */
static void write_window_op(pw *w, const plan_op *op) {
    pw_u32(w, op->u.window.n_pass);
    pw_u32(w, op->u.window.n_funcs);
    for (uint32_t f = 0; f < op->u.window.n_funcs; f++) {
        const plan_window_func *fn = &op->u.window.funcs[f];
        pw_str(w, fn->name);
        pw_u8(w, (uint8_t)fn->type);
        pw_typmod(w, fn->type, fn->typmod);
        pw_u8(w, fn->distinct ? 1 : 0);
        pw_u32(w, fn->n_args);
        write_exprs(w, fn->n_args, fn->args);
        pw_u32(w, fn->n_partition);
        write_exprs(w, fn->n_partition, fn->partition);
        pw_u32(w, fn->n_order);
        for (uint32_t i = 0; i < fn->n_order; i++) {
            write_expr(w, fn->order[i].expr, 0);
            pw_u8(w, fn->order[i].descending ? 1 : 0);
            pw_u8(w, fn->order[i].nulls_first ? 1 : 0);
        }
        pw_u8(w, fn->frame.rows ? 1 : 0);
        pw_u8(w, (uint8_t)fn->frame.start);
        pw_u8(w, (uint8_t)fn->frame.end);
        write_expr(w, fn->frame.start_offset, 0);
        write_expr(w, fn->frame.end_offset, 0);
    }
}

static void write_csv(pw *w, const plan_csv *csv, uint32_t n_cols) {
    pw_str(w, csv->path);
    pw_u8(w, (uint8_t)csv->delim);
    pw_u8(w, (uint8_t)csv->quote);
    pw_u8(w, (uint8_t)csv->escape);
    pw_u8(w, csv->header ? 1 : 0);
    pw_str(w, csv->null_str);
    pw_u8(w, csv->context ? 1 : 0);
    if (csv->context)
        pw_str(w, csv->context);
    pw_u8(w, csv->col_names ? 1 : 0);
    for (uint32_t i = 0; csv->col_names && i < n_cols; i++)
        pw_str(w, csv->col_names[i]);
    pw_u8(w, csv->col_typmods ? 1 : 0);
    for (uint32_t i = 0; csv->col_typmods && i < n_cols; i++)
        pw_u32(w, (uint32_t)csv->col_typmods[i]);
}

static void write_op_fields(pw *w, const plan_op *op) {
    switch (op->kind) {
    case PLAN_PHYS_SCAN:
        pw_str(w, op->u.scan.table);
        for (uint32_t i = 0; i < op->n_cols; i++)
            pw_u32(w, op->u.scan.col_idx[i]);
        pw_u8(w, op->u.scan.col_names ? 1 : 0);
        for (uint32_t i = 0; op->u.scan.col_names && i < op->n_cols; i++)
            pw_str(w, op->u.scan.col_names[i]);
        pw_u32(w, op->u.scan.n_filters);
        for (uint32_t i = 0; i < op->u.scan.n_filters; i++) {
            pw_u32(w, op->u.scan.filters[i].column);
            pw_u8(w, (uint8_t)op->u.scan.filters[i].op);
            write_expr(w, op->u.scan.filters[i].value, 0);
        }
        pw_u8(w, op->u.scan.no_nulls ? 1 : 0);
        for (uint32_t i = 0; op->u.scan.no_nulls && i < op->n_cols; i++)
            pw_u8(w, op->u.scan.no_nulls[i] ? 1 : 0);
        break;
    case PLAN_PHYS_VALUES:
        pw_u32(w, op->u.values.n_rows);
        write_exprs(w, op->u.values.n_rows * op->n_cols, op->u.values.rows);
        break;
    case PLAN_PHYS_EXCHANGE_SOURCE: pw_u32(w, op->u.exchange_source.exchange_id); break;
    case PLAN_PHYS_EXCHANGE_SINK:
        pw_u32(w, op->u.exchange_sink.exchange_id);
        pw_u8(w, op->u.exchange_sink.keep_open ? 1 : 0);
        break;
    case PLAN_PHYS_AGG_SOURCE:
    case PLAN_PHYS_AGG_SINK: write_agg_op(w, op); break;
    case PLAN_PHYS_JOIN_UNMATCHED:
    case PLAN_PHYS_HASH_JOIN_PROBE:
    case PLAN_PHYS_HASH_JOIN_BUILD: write_join_op(w, op); break;
    case PLAN_PHYS_SORT_SOURCE:
    case PLAN_PHYS_SORT_SINK:
        pw_u32(w, op->u.sort.n_keys);
        for (uint32_t i = 0; i < op->u.sort.n_keys; i++) {
            write_expr(w, op->u.sort.keys[i].expr, 0);
            pw_u8(w, op->u.sort.keys[i].descending ? 1 : 0);
            pw_u8(w, op->u.sort.keys[i].nulls_first ? 1 : 0);
        }
        pw_u64(w, op->u.sort.top_n);
        break;
    case PLAN_PHYS_FILTER: write_expr(w, op->u.filter.pred, 0); break;
    case PLAN_PHYS_PROJECT: write_exprs(w, op->n_cols, op->u.project.exprs); break;
    case PLAN_PHYS_LIMIT:
        pw_u64(w, (uint64_t)op->u.limit.limit);
        pw_u64(w, (uint64_t)op->u.limit.offset);
        break;
    case PLAN_PHYS_INSERT_SINK: pw_str(w, op->u.insert.table); break;
    case PLAN_PHYS_CSV_SCAN: write_csv(w, op->u.csv_scan.csv, op->n_cols); break;
    case PLAN_PHYS_RANGE:
        pw_u64(w, (uint64_t)op->u.range.start);
        pw_u64(w, (uint64_t)op->u.range.step);
        pw_u64(w, op->u.range.count);
        break;
    case PLAN_PHYS_REPLICATE: break; /* the schema says it all */
    case PLAN_PHYS_DISTINCT_ON:
        pw_u32(w, op->u.distinct_on.n_keys);
        for (uint32_t i = 0; i < op->u.distinct_on.n_keys; i++)
            pw_u32(w, op->u.distinct_on.cols[i]);
        break;
    case PLAN_PHYS_RESULT_SINK:
        for (uint32_t i = 0; i < op->n_cols; i++)
            pw_str(w, op->u.result.names ? op->u.result.names[i] : NULL);
        break;
    case PLAN_PHYS_WINDOW_SOURCE:
    case PLAN_PHYS_WINDOW_SINK: write_window_op(w, op); break;
    }
}

static void write_stage(pw *w, const plan_stage *s) {
    pw_u32(w, s->id);
    pw_u8(w, (uint8_t)s->dist);
    pw_u32(w, s->n_states);
    pw_u32(w, s->n_pipelines);
    for (uint32_t p = 0; p < s->n_pipelines; p++) {
        const plan_pipeline *pl = s->pipelines[p];
        pw_u32(w, pl->id);
        pw_u8(w, pl->ordered ? 1 : 0);
        pw_u32(w, pl->n_ops);
        for (uint32_t o = 0; o < pl->n_ops; o++) {
            const plan_op *op = pl->ops[o];
            pw_u8(w, (uint8_t)op->kind);
            pw_u32(w, op->n_cols);
            pw_types(w, op->n_cols, op->types);
            pw_u32(w, op->state_id);
            write_op_fields(w, op);
        }
    }
}

static void write_query(pw *w, const plan_query *q) {
    pw_u32(w, q->n_cols);
    pw_types(w, q->n_cols, q->types);
    for (uint32_t i = 0; i < q->n_cols; i++)
        pw_str(w, q->names ? q->names[i] : NULL);
    pw_u8(w, q->typmods ? 1 : 0);
    for (uint32_t i = 0; q->typmods && i < q->n_cols; i++)
        pw_typmod(w, q->types[i], q->typmods[i]);
    pw_u8(w, q->is_insert ? 1 : 0);
    pw_u32(w, q->n_exchanges);
    for (uint32_t e = 0; e < q->n_exchanges; e++) {
        const plan_exchange *x = &q->exchanges[e];
        pw_u32(w, x->id);
        pw_u8(w, (uint8_t)x->kind);
        pw_u32(w, x->producer_stage);
        pw_u32(w, x->consumer_stage);
        pw_u32(w, x->n_keys);
        for (uint32_t k = 0; k < x->n_keys; k++)
            pw_u32(w, x->key_cols[k]);
        pw_u32(w, x->n_cols);
        pw_types(w, x->n_cols, x->types);
    }
    pw_u32(w, q->n_stages);
    for (uint32_t s = 0; s < q->n_stages; s++)
        write_stage(w, q->stages[s]);
}

qe_status opt_plan_serialize(const plan_query *q, uint8_t **buf, size_t *len, rt_error *err) {
    pw w = {0};
    uint8_t header[PLAN_HEADER_SIZE] = {0};
    pw_bytes(&w, header, sizeof header);
    write_query(&w, q);
    if (w.fail) {
        free(w.data);
        if (strcmp(w.fail, "oom") == 0)
            return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory serializing a plan");
        return rt_error_set(err, QE_UNSUPPORTED, "54001", -1, "cannot serialize plan: %s", w.fail);
    }
    uint64_t body = w.len - PLAN_HEADER_SIZE;
    uint64_t sum = XXH64(w.data + PLAN_HEADER_SIZE, body, 0);
    uint8_t *h = w.data;
    h[0] = PLAN_MAGIC & 0xff, h[1] = (PLAN_MAGIC >> 8) & 0xff;
    h[2] = (PLAN_MAGIC >> 16) & 0xff, h[3] = PLAN_MAGIC >> 24;
    h[4] = PLAN_FORMAT_VERSION & 0xff, h[5] = PLAN_FORMAT_VERSION >> 8;
    for (int i = 0; i < 8; i++) {
        h[8 + i] = (uint8_t)(body >> (8 * i));
        h[16 + i] = (uint8_t)(sum >> (8 * i));
    }
    *buf = w.data;
    *len = w.len;
    return QE_OK;
}

/* ---- reader ------------------------------------------------------------------------- */

/* Input cursor; `why` names the first problem. */
typedef struct pr {
    const uint8_t *p; /* the bytes (borrowed) */
    size_t len;       /* their count */
    size_t pos;       /* next byte to read */
    const char *why;  /* first problem, NULL if none */
    rt_arena *arena;  /* where the plan is allocated */
} pr;

static bool pr_fail(pr *r, const char *why) {
    if (!r->why)
        r->why = why;
    return false;
}

static const uint8_t *pr_bytes(pr *r, size_t n) {
    if (r->why)
        return NULL;
    if (n > r->len - r->pos) {
        pr_fail(r, "truncated");
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

static uint8_t pr_u8(pr *r) {
    const uint8_t *p = pr_bytes(r, 1);
    return p ? p[0] : 0;
}

static uint32_t pr_u32(pr *r) {
    const uint8_t *p = pr_bytes(r, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
             : 0;
}

static uint64_t pr_u64(pr *r) {
    uint64_t lo = pr_u32(r);
    return lo | (uint64_t)pr_u32(r) << 32;
}

static bool pr_bool(pr *r) {
    uint8_t b = pr_u8(r);
    if (b > 1)
        pr_fail(r, "invalid boolean");
    return b == 1;
}

/* A count of items of at least min_bytes each: must fit in what is left. */
static uint32_t pr_count(pr *r, size_t min_bytes) {
    uint32_t n = pr_u32(r);
    if (!r->why && (size_t)n > (r->len - r->pos) / min_bytes)
        pr_fail(r, "count exceeds the data");
    return r->why ? 0 : n;
}

static void *pr_alloc(pr *r, size_t n, size_t size) {
    if (r->why || n == 0)
        return NULL;
    void *p = rt_arena_calloc(r->arena, n * size);
    if (!p)
        pr_fail(r, "oom");
    return p;
}

/* A string (NULL allowed when nullable), NUL-terminated in the arena; *n its length. */
static char *pr_strn(pr *r, bool nullable, uint32_t *n_out) {
    uint32_t n = pr_u32(r);
    if (n == NULL_STRING) {
        if (!nullable)
            pr_fail(r, "missing string");
        return NULL;
    }
    const uint8_t *p = pr_bytes(r, n);
    if (!p)
        return NULL;
    char *s = rt_arena_alloc(r->arena, (size_t)n + 1);
    if (!s) {
        pr_fail(r, "oom");
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    if (n_out)
        *n_out = n;
    return s;
}

static char *pr_str(pr *r, bool nullable) {
    uint32_t n = 0;
    char *s = pr_strn(r, nullable, &n);
    if (s && strlen(s) != n)
        pr_fail(r, "NUL byte in a name");
    return s;
}

static qe_type pr_type(pr *r) {
    uint8_t t = pr_u8(r);
    if (t >= QE_TYPE_COUNT)
        pr_fail(r, "invalid type");
    return (qe_type)t;
}

static qe_type *pr_types(pr *r, uint32_t n) {
    qe_type *types = pr_alloc(r, n, sizeof *types);
    for (uint32_t i = 0; i < n && !r->why; i++)
        types[i] = pr_type(r);
    return types;
}

static void read_value(pr *r, rt_value *v) {
    v->type = pr_type(r);
    v->is_null = pr_bool(r);
    if (v->is_null || v->type == QE_TYPE_NULL) {
        v->is_null = true;
        return;
    }
    if (v->type == QE_TYPE_BOOLEAN) {
        v->u.b = pr_bool(r);
    } else if (v->type == QE_TYPE_REAL || v->type == QE_TYPE_DOUBLE) {
        uint64_t bits = pr_u64(r);
        memcpy(&v->u.d, &bits, sizeof bits);
    } else if (v->type == QE_TYPE_VARCHAR) {
        uint32_t n = 0;
        v->u.s.ptr = pr_strn(r, false, &n);
        v->u.s.len = n;
    } else if (v->type == QE_TYPE_DECIMAL || v->type == QE_TYPE_HUGEINT ||
               v->type == QE_TYPE_INTERVAL) {
        uint64_t half[2];
        half[0] = pr_u64(r);
        half[1] = pr_u64(r);
        memcpy(v->type == QE_TYPE_INTERVAL ? (void *)&v->u.iv : (void *)&v->u.h, half, 16);
    } else {
        v->u.i = (int64_t)pr_u64(r);
    }
}

static plan_expr *read_expr(pr *r, uint32_t n_input, bool nullable, int depth);

/* A type modifier valid for type t (plan.h PLAN_TYPMOD_*). */
static int32_t pr_typmod(pr *r, qe_type t) {
    int32_t tm = (int32_t)pr_u32(r);
    bool ok = tm == 0;
    if (t == QE_TYPE_DECIMAL && tm != 0) {
        int p = PLAN_DECIMAL_PRECISION(tm), s = PLAN_DECIMAL_SCALE(tm);
        ok = tm > 0 && p >= 1 && p <= PLAN_DECIMAL_MAX_PRECISION && s <= p;
    } else if (t == QE_TYPE_VARCHAR) {
        ok = tm >= 0;
    }
    if (!ok && !r->why)
        pr_fail(r, "invalid type modifier");
    return ok ? tm : 0;
}

/* FUNC: a SCALAR catalog entry and its arguments. */
static void read_func(pr *r, plan_expr *e, uint32_t n_input, int depth) {
    e->u.func.fn = pr_u32(r);
    if (!r->why &&
        (e->u.func.fn >= PLAN_FUNC_N || plan_func_kind_of(e->u.func.fn) != PLAN_FUNC_SCALAR)) {
        pr_fail(r, "invalid function");
        return;
    }
    e->u.func.n_args = pr_count(r, 1);
    e->u.func.args = pr_alloc(r, e->u.func.n_args ? e->u.func.n_args : 1, sizeof *e->u.func.args);
    for (uint32_t i = 0; i < e->u.func.n_args && !r->why; i++)
        e->u.func.args[i] = read_expr(r, n_input, false, depth + 1);
}

/* CASE: n_whens >= 1 (condition, result) pairs and the ELSE result. */
static void read_case(pr *r, plan_expr *e, uint32_t n_input, int depth) {
    uint32_t n = e->u.case_.n_whens = pr_count(r, 2);
    if (!r->why && n == 0) {
        pr_fail(r, "CASE without WHEN");
        return;
    }
    e->u.case_.whens = pr_alloc(r, n, sizeof *e->u.case_.whens);
    e->u.case_.thens = pr_alloc(r, n, sizeof *e->u.case_.thens);
    for (uint32_t i = 0; i < n && !r->why; i++) {
        e->u.case_.whens[i] = read_expr(r, n_input, false, depth + 1);
        e->u.case_.thens[i] = read_expr(r, n_input, false, depth + 1);
    }
    e->u.case_.else_expr = read_expr(r, n_input, false, depth + 1);
}

static void read_expr_fields(pr *r, plan_expr *e, uint32_t n_input, int depth) {
    switch (e->kind) {
    case PLAN_EXPR_CONST: read_value(r, &e->u.value); break;
    case PLAN_EXPR_COLUMN:
        e->u.column = pr_u32(r);
        if (e->u.column >= n_input)
            pr_fail(r, "column reference out of range");
        break;
    case PLAN_EXPR_OP: {
        uint8_t op = pr_u8(r);
        if (op >= N_OPS) {
            pr_fail(r, "invalid operator");
            return;
        }
        e->u.op.op = (plan_op_kind)op;
        e->u.op.args[0] = read_expr(r, n_input, false, depth + 1);
        e->u.op.args[1] = read_expr(r, n_input, op_arity[op] == 1, depth + 1);
        if (op_arity[op] == 1 && e->u.op.args[1])
            pr_fail(r, "unary operator with two arguments");
        break;
    }
    case PLAN_EXPR_CAST: e->u.cast = read_expr(r, n_input, false, depth + 1); break;
    case PLAN_EXPR_FUNC: read_func(r, e, n_input, depth); break;
    case PLAN_EXPR_CASE: read_case(r, e, n_input, depth); break;
    default: pr_fail(r, "expression kind not allowed in a physical plan"); break;
    }
}

static plan_expr *read_expr(pr *r, uint32_t n_input, bool nullable, int depth) {
    uint8_t tag = pr_u8(r);
    if (r->why)
        return NULL;
    if (tag == 0) {
        if (!nullable)
            pr_fail(r, "missing expression");
        return NULL;
    }
    if (tag > N_EXPR_KINDS) {
        pr_fail(r, "invalid expression kind");
        return NULL;
    }
    if (depth > PLAN_MAX_DEPTH) {
        pr_fail(r, "expression nested too deeply");
        return NULL;
    }
    plan_expr *e = pr_alloc(r, 1, sizeof *e);
    if (!e)
        return NULL;
    e->kind = (plan_expr_kind)(tag - 1);
    e->type = pr_type(r);
    e->position = (int)pr_u32(r);
    if (e->position < -1)
        pr_fail(r, "invalid position");
    e->typmod = pr_typmod(r, e->type);
    read_expr_fields(r, e, n_input, depth);
    return r->why ? NULL : e;
}

static plan_expr **read_exprs(pr *r, uint32_t n, uint32_t n_input) {
    if (!r->why && (size_t)n > r->len - r->pos)
        pr_fail(r, "count exceeds the data");
    plan_expr **exprs = pr_alloc(r, n, sizeof *exprs);
    for (uint32_t i = 0; i < n && !r->why; i++)
        exprs[i] = read_expr(r, n_input, false, 0);
    return exprs;
}

static void read_aggs(pr *r, plan_op *op, uint32_t n_input) {
    op->u.agg.n_aggs = pr_count(r, 9);
    op->u.agg.aggs = pr_alloc(r, op->u.agg.n_aggs, sizeof(plan_agg));
    for (uint32_t i = 0; i < op->u.agg.n_aggs && !r->why; i++) {
        plan_agg *a = &op->u.agg.aggs[i];
        uint8_t fn = pr_u8(r);
        if (fn >= N_AGG_FNS)
            pr_fail(r, "invalid aggregate function");
        a->fn = (plan_agg_fn)fn;
        a->type = pr_type(r);
        a->state_type = pr_type(r);
        a->distinct = pr_bool(r);
        a->arg = read_expr(r, n_input, true, 0);
        a->n_column = pr_u32(r);
        a->typmod = pr_typmod(r, a->type);
        if (op->u.agg.phase == PLAN_AGG_FINAL && op->kind == PLAN_PHYS_AGG_SINK &&
            a->n_column >= n_input)
            pr_fail(r, "aggregate state column out of range");
    }
}

static void read_agg_op(pr *r, plan_op *op, uint32_t n_input) {
    uint8_t phase = pr_u8(r);
    if (phase > PLAN_AGG_FINAL)
        pr_fail(r, "invalid aggregation phase");
    op->u.agg.phase = (plan_agg_phase)phase;
    op->u.agg.n_groups = pr_count(r, 1);
    op->u.agg.groups = read_exprs(r, op->u.agg.n_groups, n_input);
    read_aggs(r, op, n_input);
}

static void read_sort_op(pr *r, plan_op *op, uint32_t n_input) {
    op->u.sort.n_keys = pr_count(r, 3);
    op->u.sort.keys = pr_alloc(r, op->u.sort.n_keys, sizeof(plan_sort_key));
    for (uint32_t i = 0; i < op->u.sort.n_keys && !r->why; i++) {
        op->u.sort.keys[i].expr = read_expr(r, n_input, false, 0);
        op->u.sort.keys[i].descending = pr_bool(r);
        op->u.sort.keys[i].nulls_first = pr_bool(r);
    }
    op->u.sort.top_n = pr_u64(r);
}

/* One window function over n_input columns (frame offsets: constants). */
static void read_window_func(pr *r, plan_window_func *fn, uint32_t n_input) {
    fn->name = pr_str(r, false);
    fn->type = pr_type(r);
    fn->typmod = pr_typmod(r, fn->type);
    fn->distinct = pr_bool(r);
    fn->n_args = pr_count(r, 1);
    if (!r->why && fn->n_args > 3)
        pr_fail(r, "too many window function arguments");
    fn->args = read_exprs(r, fn->n_args, n_input);
    fn->n_partition = pr_count(r, 1);
    fn->partition = read_exprs(r, fn->n_partition, n_input);
    fn->n_order = pr_count(r, 3);
    fn->order = pr_alloc(r, fn->n_order, sizeof(plan_sort_key));
    for (uint32_t i = 0; i < fn->n_order && !r->why; i++) {
        fn->order[i].expr = read_expr(r, n_input, false, 0);
        fn->order[i].descending = pr_bool(r);
        fn->order[i].nulls_first = pr_bool(r);
    }
    fn->frame.rows = pr_bool(r);
    uint8_t start = pr_u8(r), end = pr_u8(r);
    if (!r->why && (start > PLAN_FRAME_UNBOUNDED_FOLLOWING || end > PLAN_FRAME_UNBOUNDED_FOLLOWING))
        pr_fail(r, "invalid window frame");
    fn->frame.start = (plan_frame_bound)start;
    fn->frame.end = (plan_frame_bound)end;
    fn->frame.start_offset = read_expr(r, 0, true, 0);
    fn->frame.end_offset = read_expr(r, 0, true, 0);
    for (uint32_t i = 0; i < fn->n_args && !r->why; i++)
        if (fn->args[i]->kind != PLAN_EXPR_COLUMN)
            pr_fail(r, "window argument is not a column");
    for (uint32_t i = 0; i < fn->n_partition && !r->why; i++)
        if (fn->partition[i]->kind != PLAN_EXPR_COLUMN)
            pr_fail(r, "window partition key is not a column");
    for (uint32_t i = 0; i < fn->n_order && !r->why; i++)
        if (fn->order[i].expr->kind != PLAN_EXPR_COLUMN)
            pr_fail(r, "window order key is not a column");
}

static void read_window_op(pr *r, plan_op *op, uint32_t n_input) {
    op->u.window.n_pass = pr_u32(r);
    op->u.window.n_funcs = pr_count(r, 8);
    op->u.window.funcs = pr_alloc(r, op->u.window.n_funcs, sizeof(plan_window_func));
    for (uint32_t f = 0; f < op->u.window.n_funcs && !r->why; f++)
        read_window_func(r, &op->u.window.funcs[f], n_input);
    uint32_t n_in = op->kind == PLAN_PHYS_WINDOW_SINK ? op->n_cols : op->u.window.n_pass;
    if (!r->why && (op->u.window.n_pass > n_in ||
                    (op->kind == PLAN_PHYS_WINDOW_SOURCE &&
                     (uint64_t)op->u.window.n_pass + op->u.window.n_funcs != op->n_cols)))
        pr_fail(r, "window schema mismatch");
    for (uint32_t f = 0; f < op->u.window.n_funcs && !r->why; f++)
        if (op->kind == PLAN_PHYS_WINDOW_SOURCE &&
            op->types[op->u.window.n_pass + f] != op->u.window.funcs[f].type)
            pr_fail(r, "window function type mismatch");
}

static void read_values_op(pr *r, plan_op *op) {
    op->u.values.n_rows = pr_u32(r);
    uint64_t n = (uint64_t)op->u.values.n_rows * op->n_cols;
    if (n > r->len - r->pos) {
        pr_fail(r, "count exceeds the data");
        return;
    }
    op->u.values.rows = read_exprs(r, (uint32_t)n, 0);
}

/* Hash-join fields: keys are checked against the input (PROBE: probe keys; BUILD: build
 * keys), the residual against the probe input plus the build columns. */
static void read_join_op(pr *r, plan_op *op, uint32_t n_input) {
    uint8_t kind = pr_u8(r);
    uint8_t filter_build = pr_u8(r);
    if (kind >= N_JOIN_KINDS || filter_build > 1 ||
        (filter_build && kind != PLAN_JOIN_SEMI && kind != PLAN_JOIN_ANTI))
        pr_fail(r, "invalid join kind");
    op->u.join.kind = (plan_join_kind)kind;
    op->u.join.filter_build = filter_build;
    op->u.join.n_keys = pr_count(r, 8);
    op->u.join.probe_keys = pr_alloc(r, op->u.join.n_keys, sizeof(uint32_t));
    op->u.join.build_keys = pr_alloc(r, op->u.join.n_keys, sizeof(uint32_t));
    for (uint32_t k = 0; k < op->u.join.n_keys && !r->why; k++) {
        op->u.join.probe_keys[k] = pr_u32(r);
        op->u.join.build_keys[k] = pr_u32(r);
    }
    op->u.join.n_build_cols = pr_u32(r);
    uint32_t nb = op->u.join.n_build_cols;
    bool probe = op->kind == PLAN_PHYS_HASH_JOIN_PROBE;
    if (!r->why && op->kind == PLAN_PHYS_HASH_JOIN_BUILD && nb != op->n_cols)
        pr_fail(r, "join build schema mismatch");
    if (!r->why && op->kind == PLAN_PHYS_JOIN_UNMATCHED && nb > op->n_cols)
        pr_fail(r, "join unmatched schema mismatch");
    if (!r->why && probe && (uint64_t)n_input + nb > UINT32_MAX / 2)
        pr_fail(r, "join schema too wide");
    for (uint32_t k = 0; k < op->u.join.n_keys && !r->why; k++)
        if ((probe && op->u.join.probe_keys[k] >= n_input) ||
            (op->kind == PLAN_PHYS_HASH_JOIN_BUILD && op->u.join.build_keys[k] >= nb))
            pr_fail(r, "join key out of range");
    if (!r->why)
        op->u.join.residual = read_expr(r, probe ? n_input + nb : 0, true, 0);
    if (!r->why && !probe && op->u.join.residual)
        pr_fail(r, "residual outside a join probe");
    if (pr_bool(r)) {
        if (!r->why && (!probe || nb > r->len - r->pos))
            pr_fail(r, "invalid build NULL flags");
        op->u.join.build_no_nulls = pr_alloc(r, nb, sizeof(bool));
    }
    for (uint32_t i = 0; op->u.join.build_no_nulls && i < nb && !r->why; i++)
        op->u.join.build_no_nulls[i] = pr_bool(r);
}

/* A CSV scan's file and dialect: a path, a delimiter that is not a newline. */
static plan_csv *read_csv(pr *r, uint32_t n_cols) {
    plan_csv *csv = pr_alloc(r, 1, sizeof *csv);
    if (!csv)
        return NULL;
    csv->path = pr_str(r, false);
    csv->delim = (char)pr_u8(r);
    csv->quote = (char)pr_u8(r);
    csv->escape = (char)pr_u8(r);
    csv->header = pr_bool(r);
    csv->null_str = pr_str(r, false);
    if (pr_bool(r))
        csv->context = pr_str(r, false);
    if (pr_bool(r))
        csv->col_names = pr_alloc(r, n_cols, sizeof(char *));
    for (uint32_t i = 0; csv->col_names && i < n_cols && !r->why; i++)
        csv->col_names[i] = pr_str(r, true);
    if (pr_bool(r))
        csv->col_typmods = pr_alloc(r, n_cols, sizeof(int32_t));
    for (uint32_t i = 0; csv->col_typmods && i < n_cols && !r->why; i++)
        csv->col_typmods[i] = (int32_t)pr_u32(r);
    if (!r->why && (csv->delim == '\n' || csv->delim == '\r' || csv->delim == '\0'))
        pr_fail(r, "invalid CSV delimiter");
    return csv;
}

/* A scan's filters: each on a scan column, with a known comparison and a non-NULL
 * CONST of that column's type (none for IS NULL). */
static void read_scan_filters(pr *r, plan_op *op) {
    uint32_t n = pr_count(r, 6);
    plan_scan_filter *f = pr_alloc(r, n, sizeof *f);
    for (uint32_t i = 0; f && i < n && !r->why; i++) {
        f[i].column = pr_u32(r);
        uint8_t cmp = pr_u8(r);
        f[i].value = read_expr(r, 0, true, 0);
        if (r->why)
            break;
        const plan_expr *v = f[i].value;
        bool ok = f[i].column < op->n_cols && cmp <= PLAN_SCAN_CMP_IS_NULL;
        if (ok && cmp == PLAN_SCAN_CMP_IS_NULL)
            ok = v == NULL;
        else if (ok)
            ok = v != NULL && v->kind == PLAN_EXPR_CONST && !v->u.value.is_null &&
                 v->type == op->types[f[i].column] && v->u.value.type == v->type;
        if (!ok)
            pr_fail(r, "invalid scan filter");
        f[i].op = (plan_scan_cmp)cmp;
    }
    op->u.scan.n_filters = r->why ? 0 : n;
    op->u.scan.filters = r->why ? NULL : f;
}

static void read_op_fields(pr *r, plan_op *op, uint32_t n_input) {
    switch (op->kind) {
    case PLAN_PHYS_SCAN:
        op->u.scan.table = pr_str(r, false);
        op->u.scan.col_idx = pr_alloc(r, op->n_cols, sizeof(uint32_t));
        for (uint32_t i = 0; i < op->n_cols && !r->why; i++)
            op->u.scan.col_idx[i] = pr_u32(r);
        if (pr_bool(r))
            op->u.scan.col_names = pr_alloc(r, op->n_cols, sizeof(char *));
        for (uint32_t i = 0; op->u.scan.col_names && i < op->n_cols && !r->why; i++)
            op->u.scan.col_names[i] = pr_str(r, true);
        read_scan_filters(r, op);
        if (pr_bool(r))
            op->u.scan.no_nulls = pr_alloc(r, op->n_cols, sizeof(bool));
        for (uint32_t i = 0; op->u.scan.no_nulls && i < op->n_cols && !r->why; i++)
            op->u.scan.no_nulls[i] = pr_bool(r);
        break;
    case PLAN_PHYS_VALUES: read_values_op(r, op); break;
    case PLAN_PHYS_EXCHANGE_SOURCE: op->u.exchange_source.exchange_id = pr_u32(r); break;
    case PLAN_PHYS_EXCHANGE_SINK:
        op->u.exchange_sink.exchange_id = pr_u32(r);
        op->u.exchange_sink.keep_open = pr_bool(r);
        break;
    case PLAN_PHYS_AGG_SOURCE:
    case PLAN_PHYS_AGG_SINK: read_agg_op(r, op, n_input); break;
    case PLAN_PHYS_JOIN_UNMATCHED:
    case PLAN_PHYS_HASH_JOIN_PROBE:
    case PLAN_PHYS_HASH_JOIN_BUILD: read_join_op(r, op, n_input); break;
    case PLAN_PHYS_SORT_SOURCE:
    case PLAN_PHYS_SORT_SINK: read_sort_op(r, op, n_input); break;
    case PLAN_PHYS_FILTER: op->u.filter.pred = read_expr(r, n_input, false, 0); break;
    case PLAN_PHYS_PROJECT: op->u.project.exprs = read_exprs(r, op->n_cols, n_input); break;
    case PLAN_PHYS_LIMIT:
        op->u.limit.limit = (int64_t)pr_u64(r);
        op->u.limit.offset = (int64_t)pr_u64(r);
        if (op->u.limit.limit < -1 || op->u.limit.offset < 0)
            pr_fail(r, "invalid limit");
        break;
    case PLAN_PHYS_INSERT_SINK: op->u.insert.table = pr_str(r, false); break;
    case PLAN_PHYS_CSV_SCAN: op->u.csv_scan.csv = read_csv(r, op->n_cols); break;
    case PLAN_PHYS_DISTINCT_ON: /* keys: columns of the input (= the output) */
        op->u.distinct_on.n_keys = pr_count(r, 4);
        op->u.distinct_on.cols = pr_alloc(r, op->u.distinct_on.n_keys, sizeof(uint32_t));
        for (uint32_t i = 0; i < op->u.distinct_on.n_keys && !r->why; i++)
            if ((op->u.distinct_on.cols[i] = pr_u32(r)) >= op->n_cols)
                pr_fail(r, "distinct on key out of range");
        if (!r->why && n_input != ANY_INPUT && n_input != op->n_cols)
            pr_fail(r, "distinct on input width");
        break;
    case PLAN_PHYS_REPLICATE: /* the input: these columns and a BIGINT count */
        if (n_input != ANY_INPUT && n_input != op->n_cols + 1)
            pr_fail(r, "replicate input width");
        break;
    case PLAN_PHYS_RANGE:
        op->u.range.start = (int64_t)pr_u64(r);
        op->u.range.step = (int64_t)pr_u64(r);
        op->u.range.count = pr_u64(r);
        if (!r->why && (op->u.range.step == 0 || op->n_cols != 1 || op->types[0] != QE_TYPE_BIGINT))
            pr_fail(r, "invalid range");
        break;
    case PLAN_PHYS_RESULT_SINK:
        op->u.result.names = pr_alloc(r, op->n_cols, sizeof(char *));
        for (uint32_t i = 0; i < op->n_cols && !r->why; i++)
            op->u.result.names[i] = pr_str(r, true);
        break;
    case PLAN_PHYS_WINDOW_SOURCE:
    case PLAN_PHYS_WINDOW_SINK: read_window_op(r, op, n_input); break;
    }
}

/* Reads operator `idx` of a pipeline whose previous operator is prev (NULL at 0). */
static plan_op *read_op(pr *r, const plan_op *prev, uint32_t idx, uint32_t n_ops) {
    plan_op *op = pr_alloc(r, 1, sizeof *op);
    uint8_t kind = pr_u8(r);
    if (!op)
        return NULL;
    if (kind >= N_PHYS) {
        pr_fail(r, "invalid operator kind");
        return NULL;
    }
    int want = idx == 0 ? 0 : idx + 1 == n_ops ? 2 : 1;
    if (phys_role[kind] != want)
        pr_fail(r, "operator in the wrong place of its pipeline");
    op->kind = (plan_phys_kind)kind;
    op->n_cols = pr_count(r, 1);
    op->types = pr_types(r, op->n_cols);
    op->state_id = pr_u32(r);
    /* Sources have no input; AGG/SORT sources mirror their sink's fields. */
    uint32_t n_input = prev ? prev->n_cols : ANY_INPUT;
    read_op_fields(r, op, n_input);
    return r->why ? NULL : op;
}

static plan_pipeline *read_pipeline(pr *r, uint32_t idx) {
    plan_pipeline *pl = pr_alloc(r, 1, sizeof *pl);
    if (!pl)
        return NULL;
    pl->id = pr_u32(r);
    pl->ordered = pr_bool(r);
    pl->n_ops = pr_count(r, 9);
    if (!r->why && (pl->id != idx || pl->n_ops < 2))
        pr_fail(r, "invalid pipeline");
    pl->ops = pr_alloc(r, pl->n_ops, sizeof(plan_op *));
    for (uint32_t o = 0; o < pl->n_ops && !r->why; o++)
        pl->ops[o] = read_op(r, o ? pl->ops[o - 1] : NULL, o, pl->n_ops);
    return pl;
}

static plan_stage *read_stage(pr *r, uint32_t idx) {
    plan_stage *s = pr_alloc(r, 1, sizeof *s);
    if (!s)
        return NULL;
    s->id = pr_u32(r);
    uint8_t dist = pr_u8(r);
    if (dist > PLAN_DIST_PARTITIONED || s->id != idx)
        pr_fail(r, "invalid stage");
    s->dist = (plan_dist)dist;
    s->n_states = pr_u32(r);
    s->n_pipelines = pr_count(r, 9);
    s->pipelines = pr_alloc(r, s->n_pipelines, sizeof(plan_pipeline *));
    for (uint32_t p = 0; p < s->n_pipelines && !r->why; p++)
        s->pipelines[p] = read_pipeline(r, p);
    return s;
}

static void read_exchange(pr *r, plan_exchange *x, uint32_t idx) {
    x->id = pr_u32(r);
    uint8_t kind = pr_u8(r);
    if (kind >= N_EXCHANGE_KINDS || x->id != idx)
        pr_fail(r, "invalid exchange");
    x->kind = (plan_exchange_kind)kind;
    x->producer_stage = pr_u32(r);
    x->consumer_stage = pr_u32(r);
    x->n_keys = pr_count(r, 4);
    x->key_cols = pr_alloc(r, x->n_keys, sizeof(uint32_t));
    for (uint32_t k = 0; k < x->n_keys && !r->why; k++)
        x->key_cols[k] = pr_u32(r);
    x->n_cols = pr_count(r, 1);
    x->types = pr_types(r, x->n_cols);
    for (uint32_t k = 0; k < x->n_keys && !r->why; k++)
        if (x->key_cols[k] >= x->n_cols)
            pr_fail(r, "exchange key out of range");
}

static plan_query *read_query(pr *r) {
    plan_query *q = pr_alloc(r, 1, sizeof *q);
    if (!q)
        return NULL;
    q->n_cols = pr_count(r, 5);
    q->types = pr_types(r, q->n_cols);
    q->names = pr_alloc(r, q->n_cols, sizeof(char *));
    for (uint32_t i = 0; i < q->n_cols && !r->why; i++)
        q->names[i] = pr_str(r, true);
    if (pr_bool(r)) {
        q->typmods = pr_alloc(r, q->n_cols, sizeof(int32_t));
        for (uint32_t i = 0; i < q->n_cols && !r->why; i++)
            q->typmods[i] = pr_typmod(r, q->types[i]);
    }
    q->is_insert = pr_bool(r);
    q->n_exchanges = pr_count(r, 21);
    q->exchanges = pr_alloc(r, q->n_exchanges, sizeof(plan_exchange));
    for (uint32_t e = 0; e < q->n_exchanges && !r->why; e++)
        read_exchange(r, &q->exchanges[e], e);
    q->n_stages = pr_count(r, 13);
    q->stages = pr_alloc(r, q->n_stages, sizeof(plan_stage *));
    for (uint32_t s = 0; s < q->n_stages && !r->why; s++)
        q->stages[s] = read_stage(r, s);
    return q;
}

/* ---- cross-reference checks --------------------------------------------------------- */

static bool check_op_refs(pr *r, const plan_query *q, const plan_stage *s, const plan_op *op) {
    switch (op->kind) {
    case PLAN_PHYS_EXCHANGE_SOURCE:
        if (op->u.exchange_source.exchange_id >= q->n_exchanges ||
            q->exchanges[op->u.exchange_source.exchange_id].consumer_stage != s->id)
            return pr_fail(r, "exchange source does not match an exchange");
        return true;
    case PLAN_PHYS_EXCHANGE_SINK:
        if (op->u.exchange_sink.exchange_id >= q->n_exchanges ||
            q->exchanges[op->u.exchange_sink.exchange_id].producer_stage != s->id)
            return pr_fail(r, "exchange sink does not match an exchange");
        return true;
    case PLAN_PHYS_AGG_SOURCE:
    case PLAN_PHYS_AGG_SINK:
    case PLAN_PHYS_SORT_SOURCE:
    case PLAN_PHYS_SORT_SINK:
    case PLAN_PHYS_WINDOW_SOURCE:
    case PLAN_PHYS_WINDOW_SINK:
    case PLAN_PHYS_JOIN_UNMATCHED:
    case PLAN_PHYS_HASH_JOIN_PROBE:
    case PLAN_PHYS_HASH_JOIN_BUILD:
        return op->state_id < s->n_states ? true : pr_fail(r, "operator state out of range");
    default: return true;
    }
}

static bool check_refs(pr *r, const plan_query *q) {
    for (uint32_t e = 0; e < q->n_exchanges; e++)
        if (q->exchanges[e].producer_stage >= q->n_stages ||
            q->exchanges[e].consumer_stage >= q->n_stages)
            return pr_fail(r, "exchange refers to a missing stage");
    for (uint32_t s = 0; s < q->n_stages; s++) {
        const plan_stage *st = q->stages[s];
        for (uint32_t p = 0; p < st->n_pipelines; p++)
            for (uint32_t o = 0; o < st->pipelines[p]->n_ops; o++)
                if (!check_op_refs(r, q, st, st->pipelines[p]->ops[o]))
                    return false;
    }
    return true;
}

/* ---- entry point -------------------------------------------------------------------- */

static qe_status corrupt(rt_error *err, const char *why) {
    if (strcmp(why, "oom") == 0)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory reading a plan");
    rt_error_set(err, QE_INTERNAL, "XX001", -1, "invalid serialized plan: %s", why);
    rt_error_hint(err, "The coordinator and the workers may run different QE versions.");
    return QE_INTERNAL;
}

qe_status opt_plan_deserialize(rt_arena *arena, const uint8_t *buf, size_t len, plan_query **out,
                               rt_error *err) {
    *out = NULL;
    if (!buf || len < PLAN_HEADER_SIZE)
        return corrupt(err, "truncated header");
    pr h = {.p = buf, .len = PLAN_HEADER_SIZE, .arena = arena};
    uint32_t magic = pr_u32(&h);
    uint32_t version_flags = pr_u32(&h);
    uint64_t body = pr_u64(&h), sum = pr_u64(&h);
    if (magic != PLAN_MAGIC)
        return corrupt(err, "bad magic");
    if ((version_flags & 0xffff) != PLAN_FORMAT_VERSION)
        return corrupt(err, "unsupported format version");
    if (version_flags >> 16 != 0)
        return corrupt(err, "unknown flags");
    if (body != len - PLAN_HEADER_SIZE)
        return corrupt(err, "length mismatch");
    if (XXH64(buf + PLAN_HEADER_SIZE, body, 0) != sum)
        return corrupt(err, "checksum mismatch");
    pr r = {.p = buf + PLAN_HEADER_SIZE, .len = (size_t)body, .arena = arena};
    plan_query *q = read_query(&r);
    if (!r.why && r.pos != r.len)
        pr_fail(&r, "trailing bytes");
    if (!r.why)
        check_refs(&r, q);
    if (r.why)
        return corrupt(err, r.why);
    *out = q;
    return QE_OK;
}
