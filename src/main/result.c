/*
 * result.c -- qe_result: compact copies of the result batches and their column views.
 */
#include "main_int.h"

#include <string.h>

qe_result *main_result_create(uint32_t n_cols, char *const *names, const qe_type *types) {
    rt_arena *arena = rt_arena_create(NULL);
    if (!arena)
        return NULL;
    qe_result *res = rt_arena_calloc(arena, sizeof *res);
    if (!res) {
        rt_arena_destroy(arena);
        return NULL;
    }
    res->arena = arena;
    res->n_cols = n_cols;
    res->rows_changed = -1;
    res->names = rt_arena_calloc(arena, sizeof(char *) * (n_cols + 1));
    res->types = rt_arena_calloc(arena, sizeof(qe_type) * (n_cols + 1));
    res->typmods = rt_arena_calloc(arena, sizeof(int32_t) * (n_cols + 1));
    if (!res->names || !res->types || !res->typmods) {
        rt_arena_destroy(arena);
        return NULL;
    }
    for (uint32_t i = 0; i < n_cols; i++) {
        res->names[i] = rt_arena_strdup(arena, names ? names[i] : "?");
        res->types[i] = types[i];
        if (!res->names[i]) {
            rt_arena_destroy(arena);
            return NULL;
        }
    }
    return res;
}

void main_result_set_typmods(qe_result *res, const int32_t *typmods) {
    for (uint32_t i = 0; res && typmods && i < res->n_cols; i++)
        res->typmods[i] = typmods[i];
}

/* Precision and scale of column c if it is a DECIMAL. */
static void decimal_mod(const qe_result *res, size_t c, int *p, int *s) {
    *p = *s = 0;
    if (res && c < res->n_cols && res->types[c] == QE_TYPE_DECIMAL) {
        *p = PLAN_DECIMAL_PRECISION(res->typmods[c]);
        *s = PLAN_DECIMAL_SCALE(res->typmods[c]);
    }
}

int qe_result_column_precision(const qe_result *res, size_t col) {
    int p, s;
    decimal_mod(res, col, &p, &s);
    return p;
}

int qe_result_column_scale(const qe_result *res, size_t col) {
    int p, s;
    decimal_mod(res, col, &p, &s);
    return s;
}

/* Builds the public views of one stored batch. */
static qe_column_view *make_views(const qe_result *res, rt_arena *arena, const rt_batch *b) {
    qe_column_view *views = rt_arena_calloc(arena, sizeof *views * (b->n_cols + 1));
    if (!views)
        return NULL;
    for (uint32_t c = 0; c < b->n_cols; c++) {
        const rt_vector *v = &b->cols[c];
        views[c].type = v->type;
        views[c].validity = v->validity;
        views[c].values = v->values;
        views[c].n_buffers = v->n_buffers;
        views[c].buffers = (const char *const *)v->buffers;
        decimal_mod(res, c, &views[c].precision, &views[c].scale);
    }
    return views;
}

static bool grow_batches(qe_result *res) {
    if (res->n_batches < res->batches_cap)
        return true;
    uint32_t cap = res->batches_cap ? res->batches_cap * 2 : 8;
    rt_batch **batches = rt_arena_alloc(res->arena, sizeof *batches * cap);
    qe_column_view **views = rt_arena_alloc(res->arena, sizeof *views * cap);
    if (!batches || !views)
        return false;
    if (res->n_batches) {
        memcpy(batches, res->batches, sizeof *batches * res->n_batches);
        memcpy(views, res->views, sizeof *views * res->n_batches);
    }
    res->batches = batches;
    res->views = views;
    res->batches_cap = cap;
    return true;
}

qe_status main_result_push(void *ctx, const rt_batch *batch, rt_error *err) {
    qe_result *res = ctx;
    if (rt_batch_active(batch) == 0)
        return QE_OK;
    rt_batch *copy = grow_batches(res) ? rt_batch_compact(res->arena, batch) : NULL;
    qe_column_view *views = copy ? make_views(res, res->arena, copy) : NULL;
    if (!views)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory while storing the result");
    res->batches[res->n_batches] = copy;
    res->views[res->n_batches] = views;
    res->n_batches++;
    res->n_rows += copy->n_rows;
    return QE_OK;
}

qe_result *main_result_from_text(const char *column, const char *text, bool split_lines) {
    qe_type type = QE_TYPE_VARCHAR;
    char *name = (char *)column;
    qe_result *res = main_result_create(1, &name, &type);
    if (!res)
        return NULL;
    uint32_t n_lines = 1;
    for (const char *p = text; split_lines && *p; p++)
        n_lines += *p == '\n';
    rt_batch *b = rt_batch_create(res->arena, 1, &type, n_lines);
    if (!b) {
        qe_result_destroy(res);
        return NULL;
    }
    const char *line = text;
    while (*line) {
        const char *end = split_lines ? strchr(line, '\n') : NULL;
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (!rt_vector_set_string(&b->cols[0], res->arena, b->n_rows, line, (uint32_t)len)) {
            qe_result_destroy(res);
            return NULL;
        }
        b->n_rows++;
        line += len + (end ? 1 : 0);
    }
    rt_error err;
    if (b->n_rows && main_result_push(res, b, &err) != QE_OK) {
        qe_result_destroy(res);
        return NULL;
    }
    return res;
}

size_t qe_result_column_count(const qe_result *res) { return res ? res->n_cols : 0; }

const char *qe_result_column_name(const qe_result *res, size_t col) {
    return res && col < res->n_cols ? res->names[col] : NULL;
}

qe_type qe_result_column_type(const qe_result *res, size_t col) {
    return res && col < res->n_cols ? res->types[col] : QE_TYPE_NULL;
}

uint64_t qe_result_row_count(const qe_result *res) { return res ? res->n_rows : 0; }

int64_t qe_result_rows_changed(const qe_result *res) { return res ? res->rows_changed : -1; }

double qe_result_compile_ms(const qe_result *res) { return res ? res->compile_ms : 0; }

double qe_result_execute_ms(const qe_result *res) { return res ? res->execute_ms : 0; }

size_t qe_result_batch_count(const qe_result *res) { return res ? res->n_batches : 0; }

qe_status qe_result_batch(const qe_result *res, size_t batch_idx, qe_batch_view *out) {
    if (!res || !out || batch_idx >= res->n_batches)
        return QE_MISUSE;
    out->n_rows = res->batches[batch_idx]->n_rows;
    out->n_columns = res->n_cols;
    out->columns = res->views[batch_idx];
    return QE_OK;
}

void qe_result_destroy(qe_result *res) {
    if (res)
        rt_arena_destroy(res->arena);
}
