/*
 * dbgen.c -- the public TPC-H generator API (qe_dbgen_write): a thin wrapper over the
 * runtime's generator (src/runtime/dbgen_*.c) that turns its error into a qe_error.
 */
#include "main_int.h"

#include <stdlib.h>
#include <string.h>

const char *qe_dbgen_table_name(uint32_t i) { return rt_dbgen_table_name(i); }

qe_status qe_dbgen_write(const qe_dbgen_options *opts, qe_error **err_out) {
    if (err_out)
        *err_out = NULL;
    rt_error err;
    rt_error_clear(&err);
    qe_status st = opts ? rt_dbgen_write_files(opts, &err)
                        : rt_error_set(&err, QE_MISUSE, "22023", -1, "no options given");
    if (st != QE_OK && err_out) {
        *err_out = malloc(sizeof err);
        if (*err_out)
            **err_out = err;
    }
    return st;
}

/* ---- CALL dbgen ------------------------------------------------------------------- */

/* Reads a numeric constant argument as a double. */
static qe_status arg_number(qe_session *s, rt_arena *arena, const plan_expr *e, const char *name,
                            double *out) {
    rt_value v;
    qe_status st = rt_eval_const(arena, e, &v, &s->err);
    if (st != QE_OK)
        return st;
    if (v.is_null)
        return rt_error_set(&s->err, QE_DATA, "22023", e->position,
                            "dbgen parameter \"%s\" must not be null", name);
    switch (v.type) {
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT: *out = (double)v.u.i; return QE_OK;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: *out = v.u.d; return QE_OK;
    case QE_TYPE_DECIMAL: {
        double scale = 1;
        for (int i = 0; i < PLAN_DECIMAL_SCALE(e->typmod); i++)
            scale *= 10;
        *out = (double)v.u.i / scale;
        return QE_OK;
    }
    default:
        return rt_error_set(&s->err, QE_DATA, "22023", e->position,
                            "dbgen parameter \"%s\" must be a number, not %s", name,
                            rt_type_pg_name(v.type));
    }
}

/* Reads an integer argument in [1, 1000000]. */
static qe_status arg_count(qe_session *s, rt_arena *arena, const plan_expr *e, const char *name,
                           uint32_t *out) {
    double d;
    qe_status st = arg_number(s, arena, e, name, &d);
    if (st != QE_OK)
        return st;
    if (d != (double)(int64_t)d || d < 1 || d > 1000000)
        return rt_error_set(&s->err, QE_DATA, "22023", e->position,
                            "dbgen parameter \"%s\" must be an integer from 1 to 1000000, not %g",
                            name, d);
    *out = (uint32_t)d;
    return QE_OK;
}

/* The options of CALL dbgen(...): sf (also the first positional argument), chunk,
 * chunks. */
static qe_status dbgen_args(qe_session *s, const plan_node *call, rt_arena *arena,
                            qe_dbgen_options *o) {
    bool have_sf = false, have_chunk = false, have_chunks = false;
    for (uint32_t i = 0; i < call->u.call.n_args; i++) {
        const char *name = call->u.call.arg_names[i];
        const plan_expr *e = call->u.call.args[i];
        qe_status st;
        if (!name && i > 0)
            return rt_error_set(&s->err, QE_DATA, "22023", e->position,
                                "dbgen takes one positional parameter (sf)");
        bool *seen = !name || strcmp(name, "sf") == 0 ? &have_sf
                     : strcmp(name, "chunk") == 0     ? &have_chunk
                     : strcmp(name, "chunks") == 0    ? &have_chunks
                                                      : NULL;
        if (seen && *seen)
            return rt_error_set(&s->err, QE_DATA, "22023", e->position,
                                "dbgen parameter \"%s\" is given more than once",
                                name ? name : "sf");
        if (seen)
            *seen = true;
        if (!name || strcmp(name, "sf") == 0) {
            st = arg_number(s, arena, e, "sf", &o->scale_factor);
        } else if (strcmp(name, "chunk") == 0) {
            st = arg_count(s, arena, e, name, &o->chunk);
        } else if (strcmp(name, "chunks") == 0) {
            st = arg_count(s, arena, e, name, &o->chunks);
        } else {
            st = rt_error_set(&s->err, QE_DATA, "22023", e->position,
                              "dbgen has no parameter \"%s\"", name);
            rt_error_hint(&s->err, "The parameters are sf, chunk and chunks.");
        }
        if (st != QE_OK)
            return st;
    }
    if (!have_sf)
        return rt_error_set(&s->err, QE_DATA, "22023", -1, "dbgen needs a scale factor");
    if (have_chunk != have_chunks)
        return rt_error_set(&s->err, QE_DATA, "22023", -1,
                            "dbgen needs both chunk and chunks, or neither");
    return rt_dbgen_check(o, &s->err);
}

/* Creates the TPC-H tables that do not exist yet: the built-in schema's statements
 * with CREATE TABLE IF NOT EXISTS. */
static qe_status create_tables(qe_session *s) {
    const char *schema = qe_builtin_schema("tpch");
    static const char from[] = "CREATE TABLE ", to[] = "CREATE TABLE IF NOT EXISTS ";
    size_t n = 0;
    for (const char *p = schema; (p = strstr(p, from)) != NULL; p += sizeof from - 1)
        n++;
    size_t len = strlen(schema) + n * (sizeof to - sizeof from) + 1;
    char *sql = malloc(len);
    if (!sql)
        return rt_error_nomem(&s->err, NULL);
    char *w = sql;
    for (const char *p = schema;;) {
        const char *hit = strstr(p, from);
        size_t keep = hit ? (size_t)(hit - p) : strlen(p);
        memcpy(w, p, keep);
        w += keep;
        if (!hit)
            break;
        memcpy(w, to, sizeof to - 1);
        w += sizeof to - 1;
        p = hit + sizeof from - 1;
    }
    *w = '\0';
    qe_status st = qe_query(s, sql, NULL);
    free(sql);
    return st;
}

/* Where the batches of CALL dbgen go. */
typedef struct load_ctx {
    rt_catalog *cat;
    rt_table *tables[8];
    rt_arena *scratch; /* padded copies of batches with CHAR columns */
} load_ctx;

/* Copies b with CHAR(n) columns blank-padded to n, as INSERT stores them. */
static qe_status pad_chars(load_ctx *lc, rt_table *t, const rt_batch *b, const rt_batch **out,
                           rt_error *err) {
    rt_arena_reset(lc->scratch);
    rt_batch *c = rt_batch_create(lc->scratch, b->n_cols, t->col_types, b->n_rows);
    if (!c)
        return rt_error_nomem(err, NULL);
    c->n_rows = b->n_rows;
    for (uint32_t k = 0; k < b->n_cols; k++) {
        int32_t tm = t->col_typmods ? t->col_typmods[k] : 0;
        const rt_vector *v = &b->cols[k];
        if (v->type != QE_TYPE_VARCHAR || !PLAN_TYPMOD_IS_CHAR(tm)) {
            memcpy(c->cols[k].values, v->values, (size_t)rt_type_width(v->type) * b->n_rows);
            if (v->type != QE_TYPE_VARCHAR)
                continue;
        }
        uint32_t n = (uint32_t)PLAN_TYPMOD_LENGTH(tm);
        char buf[256];
        for (uint32_t r = 0; r < b->n_rows; r++) {
            const rt_string *sv = &((const rt_string *)v->values)[r];
            uint32_t len = sv->len;
            const char *p = rt_string_ptr(v, sv);
            if (PLAN_TYPMOD_IS_CHAR(tm) && len < n && n <= sizeof buf) {
                memcpy(buf, p, len);
                memset(buf + len, ' ', n - len);
                p = buf;
                len = n;
            }
            if (!rt_vector_set_string(&c->cols[k], lc->scratch, r, p, len))
                return rt_error_nomem(err, NULL);
        }
    }
    *out = c;
    return QE_OK;
}

static qe_status load_sink(void *ctx, uint32_t table, const rt_batch *b, rt_error *err) {
    load_ctx *lc = ctx;
    rt_table *t = lc->tables[table];
    bool has_char = false;
    for (uint32_t k = 0; t->col_typmods && k < t->n_cols; k++)
        has_char |= t->col_types[k] == QE_TYPE_VARCHAR && PLAN_TYPMOD_IS_CHAR(t->col_typmods[k]);
    if (has_char) {
        qe_status st = pad_chars(lc, t, b, &b, err);
        if (st != QE_OK)
            return st;
    }
    return rt_table_append(lc->cat, t, b, err);
}

qe_status main_exec_dbgen(qe_session *s, const plan_node *call, rt_arena *arena, qe_result **out) {
    qe_dbgen_options o = {0};
    qe_status st = dbgen_args(s, call, arena, &o);
    if (st != QE_OK)
        return st;
    if (s->engine->coord)
        return rt_error_set(&s->err, QE_UNSUPPORTED, "0A000", -1,
                            "CALL dbgen is not supported on a cluster yet");
    o.threads = s->threads;
    if ((st = create_tables(s)) != QE_OK)
        return st;
    load_ctx lc = {.cat = s->engine->catalog};
    for (uint32_t t = 0; t < 8; t++) {
        const qe_type *types;
        uint32_t n = rt_dbgen_table_types(t, &types);
        rt_table *tbl = rt_catalog_find(lc.cat, rt_dbgen_table_name(t));
        bool same = tbl && tbl->n_cols == n;
        for (uint32_t k = 0; same && k < n; k++)
            same = tbl->col_types[k] == types[k];
        if (!same) {
            st = rt_error_set(&s->err, QE_BIND, "42804", -1,
                              "table \"%s\" does not have the columns of the TPC-H table",
                              rt_dbgen_table_name(t));
            rt_error_hint(&s->err, "Drop the table, and CALL dbgen creates it.");
            return st;
        }
        lc.tables[t] = tbl;
    }
    /* batches in flight are charged to the session's memory limit; the tables' own
     * memory is the catalog's */
    rt_mem_tracker mem = {.limit = s->memory_limit};
    lc.scratch = rt_arena_create(&mem);
    if (!lc.scratch)
        return rt_error_nomem(&s->err, &mem);
    st = rt_dbgen_generate(&o, &mem, load_sink, &lc, &s->err);
    rt_arena_destroy(lc.scratch);
    if (st != QE_OK)
        return st;
    *out = main_result_create(0, NULL, NULL);
    return *out ? QE_OK : rt_error_set(&s->err, QE_NOMEM, "53200", -1, "out of memory");
}
