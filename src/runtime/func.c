/*
 * func.c -- the driver of the interpreter's scalar functions: the dispatch table by
 * PLAN_FUNC_* id, the row loop that calls kernels, lazy COALESCE and CASE, and the
 * conditional kernels (NULLIF, GREATEST, LEAST, IS [NOT] DISTINCT FROM).
 *
 * Rows reach a kernel one at a time as rt_values: simple and exact; the functions
 * TPC-H needs are cheap next to the joins around them.  COALESCE and CASE evaluate
 * each argument/branch only on the rows still undecided, narrowing the selection
 * like AND/OR do in expr.c.
 */
#include "func.h"

#include <string.h>

/* One catalog entry's implementation. */
typedef struct func_impl {
    rt_func_kernel kernel; /* NULL: not implemented (or LAZY) */
    uint32_t flags;        /* RT_FN_* */
} func_impl;

static const func_impl impls[PLAN_FUNC_N] = {
#define FUNC_X_IMPL(id, k, f) [PLAN_FUNC_ID_##id] = {.kernel = k, .flags = (f) | 0x80u},
    RT_FUNC_ALL_LISTS(FUNC_X_IMPL)
#undef FUNC_X_IMPL
};
#define IMPL_PRESENT 0x80u /* marks the entries the lists define */

static const rt_func_vkernel vimpls[PLAN_FUNC_N] = {
#define FUNC_X_VIMPL(id, vk) [PLAN_FUNC_ID_##id] = vk,
    RT_FUNC_VECTOR_LIST(FUNC_X_VIMPL)
#undef FUNC_X_VIMPL
};

/* SQL names of the catalog (the runtime does not link the optimizer's plan_func_name). */
static const char *const func_names[PLAN_FUNC_N] = {
#define FUNC_X_NAME(id, name, kind, agg, sigs) name,
    PLAN_FUNC_LIST(FUNC_X_NAME)
#undef FUNC_X_NAME
};

static const char *func_name(uint32_t fn) { return fn < PLAN_FUNC_N ? func_names[fn] : "?"; }

/* Signatures of the catalog (plan_funcs.h): kernels rely on them, so a call is checked
 * against them before it runs (a deserialized plan may be malformed). */
static const char *const func_sigs[PLAN_FUNC_N] = {
#define FUNC_X_SIG(id, name, kind, agg, sigs) sigs,
    PLAN_FUNC_LIST(FUNC_X_SIG)
#undef FUNC_X_SIG
};

struct rt_func_state {
    const plan_expr *e;     /* the FUNC/CASE node */
    rt_expr *const *kids;   /* prepared children (rt_func_child order) */
    uint32_t n_kids;        /* their number */
    rt_arena *arena;        /* the node's state arena */
    func_impl impl;         /* FUNC: the implementation */
    rt_fcall call;          /* FUNC: what the kernel sees */
    rt_value *argv;         /* FUNC: n_kids argument values of the current row */
    const rt_vector **vecs; /* FUNC: n_kids argument vectors of the current evaluation */
    uint64_t char_args;     /* FUNC: bit i: argument i is CHAR(n), trailing blanks dropped */
    uint64_t const_args;    /* FUNC: bit i: argument i is a CONST (read once per evaluation) */
    uint32_t sel_cap;       /* rows each selection buffer below holds */
    uint32_t *sel_a;        /* CASE/COALESCE: rows still undecided */
    uint32_t *sel_b;        /* CASE: rows a WHEN holds for */
    uint32_t *sel_c;        /* CASE/COALESCE: rows left after a step */
};

bool rt_func_runs(uint32_t fn) { return fn < PLAN_FUNC_N && (impls[fn].flags & IMPL_PRESENT) != 0; }

bool rt_func_kernel_of(uint32_t fn, rt_func_kernel *kernel, uint32_t *flags) {
    if (!rt_func_runs(fn) || impls[fn].kernel == NULL)
        return false;
    *kernel = impls[fn].kernel;
    *flags = impls[fn].flags & ~IMPL_PRESENT;
    return true;
}

/* ---- helpers -------------------------------------------------------------------------- */

char *rt_fcall_buf(rt_fcall *c, size_t n) {
    if (n > (1u << 30)) {
        rt_error_set(c->err, QE_DATA, "54000", c->e->position, "requested length too large");
        return NULL;
    }
    if (n <= c->buf_cap)
        return c->buf;
    size_t cap = c->buf_cap ? c->buf_cap : 256;
    while (cap < n)
        cap *= 2;
    char *p = rt_arena_alloc(c->arena, cap);
    if (p == NULL) {
        rt_error_nomem(c->err, NULL);
        return NULL;
    }
    if (c->buf_cap > 0)
        memcpy(p, c->buf, c->buf_cap); /* kernels append: keep what is there */
    c->buf = p;
    c->buf_cap = (uint32_t)cap;
    return p;
}

uint32_t rt_utf8_count(const char *s, uint32_t n) { return rt_str_char_count(s, n); }

int rt_value_compare(const rt_value *a, const rt_value *b) {
    switch (a->type) {
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: /* PostgreSQL: NaN sorts above every other value */
        if (a->u.d != a->u.d || b->u.d != b->u.d)
            return (a->u.d != a->u.d) - (b->u.d != b->u.d);
        return (a->u.d > b->u.d) - (a->u.d < b->u.d);
    case QE_TYPE_VARCHAR: {
        uint32_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
        int c = n ? memcmp(a->u.s.ptr, b->u.s.ptr, n) : 0;
        if (c != 0)
            return c < 0 ? -1 : 1;
        return (a->u.s.len > b->u.s.len) - (a->u.s.len < b->u.s.len);
    }
    case QE_TYPE_BOOLEAN: return (int)a->u.b - (int)b->u.b;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: /* same scale: the binder gives the arguments one typmod */
        return (a->u.h > b->u.h) - (a->u.h < b->u.h);
    case QE_TYPE_INTERVAL:
        if (a->u.iv.months != b->u.iv.months)
            return a->u.iv.months < b->u.iv.months ? -1 : 1;
        if (a->u.iv.days != b->u.iv.days)
            return a->u.iv.days < b->u.iv.days ? -1 : 1;
        return (a->u.iv.micros > b->u.iv.micros) - (a->u.iv.micros < b->u.iv.micros);
    default: return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    }
}

int rt_fcall_compare(const rt_fcall *c, const rt_value *a, const rt_value *b) {
    if (!c->char_cmp || a->type != QE_TYPE_VARCHAR || b->type != QE_TYPE_VARCHAR)
        return rt_value_compare(a, b);
    rt_value x = *a, y = *b;
    while (x.u.s.len > 0 && x.u.s.ptr[x.u.s.len - 1] == ' ')
        x.u.s.len--;
    while (y.u.s.len > 0 && y.u.s.ptr[y.u.s.len - 1] == ' ')
        y.u.s.len--;
    return rt_value_compare(&x, &y);
}

/* ---- children ------------------------------------------------------------------------- */

uint32_t rt_func_n_children(const plan_expr *e) {
    if (e->kind == PLAN_EXPR_CASE)
        return 2 * e->u.case_.n_whens + 1;
    return e->u.func.n_args;
}

const plan_expr *rt_func_child(const plan_expr *e, uint32_t i) {
    if (e->kind != PLAN_EXPR_CASE)
        return e->u.func.args[i];
    if (i == 2 * e->u.case_.n_whens)
        return e->u.case_.else_expr;
    return i % 2 == 0 ? e->u.case_.whens[i / 2] : e->u.case_.thens[i / 2];
}

/* ---- preparation ---------------------------------------------------------------------- */

/* Types whose vectors rt_vector_get_value / set_value read and write exactly. */
static bool value_type_runs(qe_type t) {
    switch (t) {
    case QE_TYPE_NULL:
    case QE_TYPE_BOOLEAN:
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT:
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE:
    case QE_TYPE_DATE:
    case QE_TYPE_TIMESTAMP:
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
    case QE_TYPE_INTERVAL:
    case QE_TYPE_VARCHAR: return true;
    default: return false;
    }
}

static qe_status check_types(const plan_expr *e, rt_expr *const *kids, uint32_t n, rt_error *err) {
    const char *what = e->kind == PLAN_EXPR_CASE ? "CASE" : func_name(e->u.func.fn);
    qe_type bad = value_type_runs(e->type) ? QE_TYPE_NULL : e->type;
    for (uint32_t i = 0; i < n && bad == QE_TYPE_NULL; i++)
        if (!value_type_runs(rt_expr_type(kids[i])))
            bad = rt_expr_type(kids[i]);
    if (bad == QE_TYPE_NULL)
        return QE_OK;
    return rt_error_set(err, QE_UNSUPPORTED, "0A000", e->position,
                        "%s is not supported for type %s yet", what, rt_type_pg_name(bad));
}

/* The type of a signature code (QE_TYPE_COUNT for the polymorphic a, N, x). */
static qe_type code_type(char code) {
    static const char codes[] = "bsilhnrdDTIv";
    static const qe_type types[] = {QE_TYPE_BOOLEAN,   QE_TYPE_SMALLINT, QE_TYPE_INTEGER,
                                    QE_TYPE_BIGINT,    QE_TYPE_HUGEINT,  QE_TYPE_DECIMAL,
                                    QE_TYPE_REAL,      QE_TYPE_DOUBLE,   QE_TYPE_DATE,
                                    QE_TYPE_TIMESTAMP, QE_TYPE_INTERVAL, QE_TYPE_VARCHAR};
    for (size_t i = 0; codes[i]; i++)
        if (codes[i] == code)
            return types[i];
    return QE_TYPE_COUNT;
}

/* True if argument type t fits code (NULL fits any; a/N must all be one type *poly). */
static bool code_fits(char code, qe_type t, qe_type *poly) {
    if (t == QE_TYPE_NULL || code == 'x')
        return true;
    if (code == 'a' || code == 'N') {
        if (code == 'N' && !rt_type_is_numeric(t) && t != QE_TYPE_DECIMAL && t != QE_TYPE_HUGEINT)
            return false;
        if (*poly == QE_TYPE_NULL)
            *poly = t;
        return *poly == t;
    }
    return code_type(code) == t;
}

/* True if the kids' types and the result type match the overload sig[0..len). */
static bool overload_fits(const char *sig, size_t len, rt_expr *const *kids, uint32_t n,
                          qe_type result, uint32_t fn) {
    const char *gt = memchr(sig, '>', len);
    if (gt == NULL)
        return false;
    qe_type poly = QE_TYPE_NULL;
    uint32_t k = 0;
    for (const char *p = sig; p < gt; p++) {
        if (p + 1 < gt && p[1] == '*') { /* zero or more */
            while (k < n && code_fits(*p, rt_expr_type(kids[k]), &poly))
                k++;
            p++;
        } else if (k >= n || !code_fits(*p, rt_expr_type(kids[k++]), &poly)) {
            return false;
        }
    }
    if (k != n)
        return false;
    char rc = gt[1];
    if (result == QE_TYPE_NULL || rc == 'x')
        return true;
    if ((fn == PLAN_FUNC_ID_DATE_PART || fn == PLAN_FUNC_ID_EXTRACT) && result == QE_TYPE_DOUBLE)
        return true; /* 'epoch' and 'second' */
    if (rc == 'a' || rc == 'N')
        return poly == QE_TYPE_NULL || poly == result;
    return code_type(rc) == result;
}

/* Checks a FUNC node's arity and types against the catalog (XX000 if none fits). */
static qe_status check_call(const plan_expr *e, rt_expr *const *kids, uint32_t n, rt_error *err) {
    const char *sigs = func_sigs[e->u.func.fn];
    while (*sigs) {
        size_t len = strcspn(sigs, " ");
        if (overload_fits(sigs, len, kids, n, e->type, e->u.func.fn))
            return QE_OK;
        sigs += len + (sigs[len] == ' ');
    }
    return rt_error_set(err, QE_INTERNAL, "XX000", e->position,
                        "invalid call of function %s in the plan", func_name(e->u.func.fn));
}

/* CASE/COALESCE results must have the node's type (or be NULL-typed); WHENs BOOLEAN. */
static qe_status check_branches(const plan_expr *e, rt_expr *const *kids, uint32_t n,
                                rt_error *err) {
    for (uint32_t i = 0; i < n; i++) {
        qe_type t = rt_expr_type(kids[i]);
        bool is_when = e->kind == PLAN_EXPR_CASE && i % 2 == 0 && i + 1 < n;
        qe_type want = is_when ? QE_TYPE_BOOLEAN : e->type;
        if (t != want && t != QE_TYPE_NULL)
            return rt_error_set(err, QE_INTERNAL, "XX000", e->position,
                                "%s branch of type %s where %s is expected",
                                e->kind == PLAN_EXPR_CASE ? "CASE" : "COALESCE", rt_type_pg_name(t),
                                rt_type_pg_name(want));
    }
    return QE_OK;
}

/* Arguments of CHAR(n) type whose trailing blanks the function must not see:
 * PostgreSQL converts CHAR to text for string functions (dropping the padding), but
 * pattern matching sees the padding, and the polymorphic functions (NULLIF, GREATEST,
 * LEAST, IS DISTINCT FROM) compare values padded to one length and return them as is. */
uint64_t rt_func_char_args(const plan_expr *e) {
    switch (e->u.func.fn) {
    case PLAN_FUNC_ID_LIKE:
    case PLAN_FUNC_ID_ILIKE:
    case PLAN_FUNC_ID_REGEXP_MATCHES:
    case PLAN_FUNC_ID_REGEXP_REPLACE:
    case PLAN_FUNC_ID_NULLIF:
    case PLAN_FUNC_ID_GREATEST:
    case PLAN_FUNC_ID_LEAST:
    case PLAN_FUNC_ID_IS_DISTINCT_FROM:
    case PLAN_FUNC_ID_IS_NOT_DISTINCT_FROM: return 0;
    default: break;
    }
    uint64_t bits = 0;
    for (uint32_t i = 0; i < e->u.func.n_args && i < 64; i++)
        if (e->u.func.args[i]->type == QE_TYPE_VARCHAR &&
            PLAN_TYPMOD_IS_CHAR(e->u.func.args[i]->typmod))
            bits |= (uint64_t)1 << i;
    return bits;
}

/* Drops the trailing blanks of a CHAR(n) value. */
static void unpad(rt_value *v) {
    while (v->u.s.len > 0 && v->u.s.ptr[v->u.s.len - 1] == ' ')
        v->u.s.len--;
}

qe_status rt_func_prepare(rt_arena *arena, const plan_expr *e, rt_expr *const *kids,
                          rt_func_state **out, rt_error *err) {
    uint32_t n = rt_func_n_children(e);
    if (e->kind == PLAN_EXPR_FUNC && !rt_func_runs(e->u.func.fn))
        return rt_error_set(err, QE_UNSUPPORTED, "0A000", e->position,
                            "function %s is not supported yet", func_name(e->u.func.fn));
    qe_status st = check_types(e, kids, n, err);
    if (st == QE_OK && (e->kind == PLAN_EXPR_CASE || e->u.func.fn == PLAN_FUNC_ID_COALESCE))
        st = check_branches(e, kids, n, err);
    else if (st == QE_OK)
        st = check_call(e, kids, n, err);
    if (st != QE_OK)
        return st;
    rt_func_state *fs = rt_arena_calloc(arena, sizeof *fs);
    if (fs == NULL)
        return rt_error_nomem(err, NULL);
    fs->e = e;
    fs->kids = kids;
    fs->n_kids = n;
    fs->arena = arena;
    if (e->kind == PLAN_EXPR_FUNC) {
        fs->char_args = rt_func_char_args(e);
        for (uint32_t i = 0; i < n && i < 64; i++)
            if (e->u.func.args[i]->kind == PLAN_EXPR_CONST)
                fs->const_args |= (uint64_t)1 << i;
        fs->call.char_cmp = PLAN_TYPMOD_IS_CHAR(e->typmod) && e->type == QE_TYPE_VARCHAR;
        for (uint32_t i = 0; i < n; i++)
            fs->call.char_cmp |= e->u.func.args[i]->type == QE_TYPE_VARCHAR &&
                                 PLAN_TYPMOD_IS_CHAR(e->u.func.args[i]->typmod);
        fs->impl = impls[e->u.func.fn];
        fs->call.e = e;
        fs->call.arena = arena;
        fs->argv = rt_arena_calloc(arena, sizeof *fs->argv * (n ? n : 1));
        fs->vecs = rt_arena_calloc(arena, sizeof *fs->vecs * (n ? n : 1));
        if (fs->argv == NULL || fs->vecs == NULL)
            return rt_error_nomem(err, NULL);
    }
    *out = fs;
    return QE_OK;
}

/* Makes the selection buffers hold n_rows rows. */
static qe_status ensure_sel(rt_func_state *fs, uint32_t n_rows, rt_error *err) {
    if (n_rows <= fs->sel_cap)
        return QE_OK;
    uint32_t cap = n_rows > RT_VECTOR_SIZE ? n_rows : RT_VECTOR_SIZE;
    fs->sel_a = rt_arena_alloc(fs->arena, sizeof(uint32_t) * cap);
    fs->sel_b = rt_arena_alloc(fs->arena, sizeof(uint32_t) * cap);
    fs->sel_c = rt_arena_alloc(fs->arena, sizeof(uint32_t) * cap);
    if (fs->sel_a == NULL || fs->sel_b == NULL || fs->sel_c == NULL) {
        fs->sel_cap = 0;
        return rt_error_nomem(err, NULL);
    }
    fs->sel_cap = cap;
    return QE_OK;
}

/* ---- evaluation ----------------------------------------------------------------------- */

/* Stores row i of src (any value) into row i of res. */
static qe_status copy_row(rt_vector *res, rt_arena *arena, const rt_vector *src, uint32_t i,
                          uint32_t n_rows, rt_error *err) {
    uint32_t w = rt_type_width(res->type);
    if (src->type == res->type && res->type != QE_TYPE_VARCHAR && w > 0) { /* raw bytes */
        bool ok = rt_vector_is_valid(src, i);
        rt_bit_put(res->validity, i, ok);
        if (ok)
            memcpy((char *)res->values + (size_t)i * w, (const char *)src->values + (size_t)i * w,
                   w);
        return QE_OK;
    }
    rt_value v;
    rt_vector_get_value(src, i, &v);
    if (v.is_null) {
        rt_bit_clear(res->validity, i);
        return QE_OK;
    }
    rt_bit_set(res->validity, i);
    if (!rt_vector_set_value(res, arena, i, n_rows, &v))
        return rt_error_nomem(err, NULL);
    return QE_OK;
}

/* Bit j of a 64-bit argument mask (arguments past 64 have none). */
static bool arg_bit(uint64_t mask, uint32_t j) { return j < 64 && ((mask >> j) & 1); }

/* Reads argument j at row i into fs->argv[j] (CHAR padding dropped where due); true if
 * it is NULL. */
static bool load_arg(rt_func_state *fs, uint32_t j, uint32_t i) {
    rt_value *v = &fs->argv[j];
    rt_vector_get_value(fs->vecs[j], i, v);
    if (arg_bit(fs->char_args, j) && !v->is_null && v->type == QE_TYPE_VARCHAR)
        unpad(v);
    return v->is_null;
}

/* Runs the row kernel on the selected rows; constant arguments are read once. */
static qe_status kernel_rows(rt_func_state *fs, rt_eval_ctx *ctx, const rt_batch *in,
                             const uint32_t *sel, uint32_t n, rt_vector *res) {
    bool strict = fs->impl.flags & RT_FN_STRICT, const_null = false;
    for (uint32_t j = 0; j < fs->n_kids && n > 0; j++)
        if (arg_bit(fs->const_args, j))
            const_null |= load_arg(fs, j, sel ? sel[0] : 0);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        bool any_null = const_null;
        for (uint32_t j = 0; j < fs->n_kids; j++)
            if (!arg_bit(fs->const_args, j))
                any_null |= load_arg(fs, j, i);
        rt_value out = {.type = fs->e->type};
        qe_status st;
        if (!(strict && any_null) &&
            (st = fs->impl.kernel(&fs->call, fs->argv, fs->n_kids, &out)) != QE_OK)
            return st;
        if ((strict && any_null) || out.is_null) {
            rt_bit_clear(res->validity, i);
            continue;
        }
        rt_bit_set(res->validity, i);
        out.type = fs->e->type;
        if (!rt_vector_set_value(res, ctx->arena, i, in->n_rows, &out))
            return rt_error_nomem(ctx->err, NULL);
    }
    return QE_OK;
}

/* FUNC with a kernel: all arguments on all selected rows, then the vector form if there
 * is one that applies, else the kernel per row. */
static qe_status eval_rows(rt_func_state *fs, rt_eval_ctx *ctx, const rt_batch *in,
                           const uint32_t *sel, uint32_t n, rt_vector *res) {
    qe_status st;
    for (uint32_t j = 0; j < fs->n_kids; j++)
        if ((st = rt_expr_eval(fs->kids[j], ctx, in, sel, n, &fs->vecs[j])) != QE_OK)
            return st;
    fs->call.err = ctx->err;
    fs->call.morsel = ctx->arena;
    fs->call.char_args = fs->char_args;
    rt_func_vkernel vk = vimpls[fs->e->u.func.fn];
    bool handled = false;
    if (vk != NULL && (st = vk(&fs->call, fs->vecs, fs->n_kids, sel, n, res, &handled)) != QE_OK)
        return st;
    return handled ? QE_OK : kernel_rows(fs, ctx, in, sel, n, res);
}

/* COALESCE: argument j runs only on the rows every earlier argument left NULL. */
static qe_status eval_coalesce(rt_func_state *fs, rt_eval_ctx *ctx, const rt_batch *in, uint32_t m,
                               rt_vector *res) {
    uint32_t *rem = fs->sel_a, *rest = fs->sel_c;
    for (uint32_t j = 0; j < fs->n_kids && m > 0; j++) {
        const rt_vector *v;
        qe_status st = rt_expr_eval(fs->kids[j], ctx, in, rem, m, &v);
        if (st != QE_OK)
            return st;
        uint32_t r = 0;
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = rem[k];
            if (!rt_vector_is_valid(v, i))
                rest[r++] = i;
            else if ((st = copy_row(res, ctx->arena, v, i, in->n_rows, ctx->err)) != QE_OK)
                return st;
        }
        uint32_t *t = rem;
        rem = rest;
        rest = t;
        m = r;
    }
    for (uint32_t k = 0; k < m; k++)
        rt_bit_clear(res->validity, rem[k]);
    return QE_OK;
}

/* Rows of rem[0..m) where cond is TRUE go to hit, the others to rest. */
static void split_rows(const rt_vector *cond, const uint32_t *rem, uint32_t m, uint32_t *hit,
                       uint32_t *n_hit, uint32_t *rest, uint32_t *n_rest) {
    const uint8_t *cv = cond->values;
    uint32_t h = 0, r = 0;
    for (uint32_t k = 0; k < m; k++) {
        uint32_t i = rem[k];
        if (cond->type == QE_TYPE_BOOLEAN && rt_vector_is_valid(cond, i) && cv[i])
            hit[h++] = i;
        else
            rest[r++] = i;
    }
    *n_hit = h;
    *n_rest = r;
}

/* Evaluates child j on rows[0..m) and copies the results into res. */
static qe_status eval_into(rt_func_state *fs, uint32_t j, rt_eval_ctx *ctx, const rt_batch *in,
                           const uint32_t *rows, uint32_t m, rt_vector *res) {
    const rt_vector *v;
    qe_status st = rt_expr_eval(fs->kids[j], ctx, in, rows, m, &v);
    for (uint32_t k = 0; k < m && st == QE_OK; k++)
        st = copy_row(res, ctx->arena, v, rows[k], in->n_rows, ctx->err);
    return st;
}

/* CASE: WHEN i runs on the rows no earlier WHEN took; THEN i on the rows it takes. */
static qe_status eval_case(rt_func_state *fs, rt_eval_ctx *ctx, const rt_batch *in, uint32_t m,
                           rt_vector *res) {
    uint32_t *rem = fs->sel_a, *hit = fs->sel_b, *rest = fs->sel_c;
    uint32_t n_whens = fs->e->u.case_.n_whens;
    for (uint32_t w = 0; w < n_whens && m > 0; w++) {
        const rt_vector *cond;
        qe_status st = rt_expr_eval(fs->kids[2 * w], ctx, in, rem, m, &cond);
        if (st != QE_OK)
            return st;
        uint32_t n_hit, n_rest;
        split_rows(cond, rem, m, hit, &n_hit, rest, &n_rest);
        if (n_hit > 0 && (st = eval_into(fs, 2 * w + 1, ctx, in, hit, n_hit, res)) != QE_OK)
            return st;
        uint32_t *t = rem;
        rem = rest;
        rest = t;
        m = n_rest;
    }
    return m > 0 ? eval_into(fs, 2 * n_whens, ctx, in, rem, m, res) : QE_OK;
}

qe_status rt_func_eval(rt_func_state *fs, rt_eval_ctx *ctx, const rt_batch *in, const uint32_t *sel,
                       uint32_t n, rt_vector *res) {
    memset(res->validity, 0, rt_bitmap_bytes(in->n_rows));
    bool lazy = fs->e->kind == PLAN_EXPR_CASE || (fs->impl.flags & RT_FN_LAZY);
    if (!lazy)
        return eval_rows(fs, ctx, in, sel, n, res);
    qe_status st = ensure_sel(fs, in->n_rows, ctx->err);
    if (st != QE_OK)
        return st;
    for (uint32_t k = 0; k < n; k++)
        fs->sel_a[k] = sel ? sel[k] : k;
    if (fs->e->kind == PLAN_EXPR_CASE)
        return eval_case(fs, ctx, in, n, res);
    return eval_coalesce(fs, ctx, in, n, res);
}

/* ---- conditional kernels -------------------------------------------------------------- */

qe_status rt_fn_nullif(rt_fcall *c, const rt_value *args, uint32_t n_args, rt_value *out) {
    (void)n_args;
    if (!args[0].is_null && !args[1].is_null && rt_fcall_compare(c, &args[0], &args[1]) == 0) {
        out->is_null = true;
        return QE_OK;
    }
    *out = args[0];
    return QE_OK;
}

/* GREATEST/LEAST: NULL arguments are ignored; NULL only if all are NULL. */
static void extreme(const rt_fcall *c, const rt_value *args, uint32_t n_args, int want,
                    rt_value *out) {
    const rt_value *best = NULL;
    for (uint32_t i = 0; i < n_args; i++)
        if (!args[i].is_null && (best == NULL || rt_fcall_compare(c, &args[i], best) * want > 0))
            best = &args[i];
    if (best == NULL)
        out->is_null = true;
    else
        *out = *best;
}

qe_status rt_fn_greatest(rt_fcall *c, const rt_value *args, uint32_t n_args, rt_value *out) {
    extreme(c, args, n_args, 1, out);
    return QE_OK;
}

qe_status rt_fn_least(rt_fcall *c, const rt_value *args, uint32_t n_args, rt_value *out) {
    extreme(c, args, n_args, -1, out);
    return QE_OK;
}

static bool distinct(const rt_fcall *c, const rt_value *a, const rt_value *b) {
    if (a->is_null || b->is_null)
        return a->is_null != b->is_null;
    return rt_fcall_compare(c, a, b) != 0;
}

qe_status rt_fn_is_distinct_from(rt_fcall *c, const rt_value *args, uint32_t n_args,
                                 rt_value *out) {
    (void)n_args;
    out->u.b = distinct(c, &args[0], &args[1]);
    return QE_OK;
}

qe_status rt_fn_is_not_distinct_from(rt_fcall *c, const rt_value *args, uint32_t n_args,
                                     rt_value *out) {
    (void)n_args;
    out->u.b = !distinct(c, &args[0], &args[1]);
    return QE_OK;
}
