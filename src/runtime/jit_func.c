/*
 * jit_func.c -- the generic function call of compiled code (rt_jit_func).
 *
 * Codegen compiles the common functions natively (src/codegen/expr_str.c,
 * expr_func.c); every other scalar function the interpreter has is called through
 * rt_jit_func, one row at a time, with the interpreter's own kernel (func.h), so the
 * results and errors are the interpreter's by construction.  A call site is
 * described by a constant int32 array in the generated module (no plan addresses:
 * cached code outlives the query), from which the first call on a thread builds the
 * site's state in the thread's arena: a FUNC node with the call's types, typmods,
 * position and constant-ness (what kernels read of c->e), and the rt_fcall the
 * kernel keeps its caches in (a compiled LIKE/regexp pattern, now(), random()'s
 * state), as the interpreter keeps one per thread and node.
 *
 * The same call serves the casts codegen does not generate (to and from VARCHAR,
 * VARCHAR(n)/CHAR(n), DOUBLE to DECIMAL, ...): function id JF_CAST, one argument, the
 * value converted by rt_value_cast_mod as the interpreter's row-by-row cast does.
 */
#include "func.h"

#include <string.h>

/* The descriptor's layout (int32 words; codegen writes it, expr_func.c). */
enum {
    JF_SITE,     /* call site index within the compiled function's module */
    JF_FN,       /* PLAN_FUNC_* id, or JF_CAST */
    JF_TYPE,     /* result type */
    JF_TYPMOD,   /* result typmod */
    JF_POSITION, /* the node's position */
    JF_N_ARGS,   /* arguments */
    JF_ARGS      /* then per argument: type, typmod, is a CONST (0/1) */
};

#define JF_CAST (-1) /* JF_FN of a CAST: to the result type/typmod from the argument's */

/* One call site's state on one thread (thread arena). */
typedef struct jit_call {
    plan_expr node;        /* the FUNC node the kernel sees */
    plan_expr *arg_nodes;  /* its n_args argument nodes (type, typmod, kind only) */
    plan_expr **args;      /* pointers to them (node.u.func.args) */
    rt_func_kernel kernel; /* NULL for a CAST */
    uint32_t flags;        /* RT_FN_* */
    uint64_t char_args;    /* bit i: argument i is CHAR(n) whose padding is dropped */
    rt_fcall call;         /* what the kernel sees (caches, scratch) */
    rt_value *argv;        /* n_args argument values of the current row */
} jit_call;

/* Builds the state of the call site desc describes on ts; NULL (53200 set) if out of
 * memory, or XX000 if the function has no kernel. */
static jit_call *call_create(rt_thread_state *ts, const int32_t *desc) {
    uint32_t n = (uint32_t)desc[JF_N_ARGS];
    jit_call *jc = rt_arena_calloc(ts->arena, sizeof *jc);
    if (jc != NULL) {
        jc->arg_nodes = rt_arena_calloc(ts->arena, sizeof *jc->arg_nodes * (n ? n : 1));
        jc->args = rt_arena_calloc(ts->arena, sizeof *jc->args * (n ? n : 1));
        jc->argv = rt_arena_calloc(ts->arena, sizeof *jc->argv * (n ? n : 1));
    }
    if (jc == NULL || jc->arg_nodes == NULL || jc->args == NULL || jc->argv == NULL) {
        rt_error_nomem(&ts->err, ts->ps->task->mem);
        return NULL;
    }
    jc->node.kind = PLAN_EXPR_FUNC;
    jc->node.type = (qe_type)desc[JF_TYPE];
    jc->node.typmod = desc[JF_TYPMOD];
    jc->node.position = desc[JF_POSITION];
    jc->node.u.func.fn = (uint32_t)desc[JF_FN];
    jc->node.u.func.n_args = n;
    jc->node.u.func.args = jc->args;
    bool char_cmp = jc->node.type == QE_TYPE_VARCHAR && PLAN_TYPMOD_IS_CHAR(jc->node.typmod);
    for (uint32_t i = 0; i < n; i++) {
        const int32_t *a = desc + JF_ARGS + 3 * i;
        jc->arg_nodes[i].kind = a[2] ? PLAN_EXPR_CONST : PLAN_EXPR_COLUMN;
        jc->arg_nodes[i].type = (qe_type)a[0];
        jc->arg_nodes[i].typmod = a[1];
        jc->arg_nodes[i].position = -1;
        jc->args[i] = &jc->arg_nodes[i];
        char_cmp |= a[0] == QE_TYPE_VARCHAR && PLAN_TYPMOD_IS_CHAR(a[1]);
    }
    if (desc[JF_FN] == JF_CAST) {
        jc->flags = RT_FN_STRICT; /* a NULL casts to NULL */
        return jc;
    }
    if (!rt_func_kernel_of(jc->node.u.func.fn, &jc->kernel, &jc->flags)) {
        rt_error_set(&ts->err, QE_INTERNAL, "XX000", jc->node.position,
                     "compiled code called a function without a kernel");
        return NULL;
    }
    jc->char_args = rt_func_char_args(&jc->node);
    jc->call.e = &jc->node;
    jc->call.arena = ts->arena;
    jc->call.char_cmp = char_cmp;
    jc->call.char_args = jc->char_args;
    return jc;
}

/* The state of call site desc on ts (created on first use). */
static jit_call *call_get(rt_thread_state *ts, const int32_t *desc) {
    uint32_t site = (uint32_t)desc[JF_SITE];
    if (site >= ts->n_jit_calls) {
        uint32_t cap = ts->n_jit_calls ? ts->n_jit_calls : 4;
        while (cap <= site)
            cap *= 2;
        void **calls = rt_arena_calloc(ts->arena, sizeof *calls * cap);
        if (calls == NULL) {
            rt_error_nomem(&ts->err, ts->ps->task->mem);
            return NULL;
        }
        if (ts->n_jit_calls > 0)
            memcpy(calls, ts->jit_calls, sizeof *calls * ts->n_jit_calls);
        ts->jit_calls = calls;
        ts->n_jit_calls = cap;
    }
    if (ts->jit_calls[site] == NULL)
        ts->jit_calls[site] = call_create(ts, desc);
    return ts->jit_calls[site];
}

/* Reads argument value v (type t, words w[0..2)) as the interpreter's vectors give it. */
static void read_arg(rt_value *v, qe_type t, const uint64_t *w) {
    v->type = t;
    switch (t) {
    case QE_TYPE_BOOLEAN: v->u.b = w[0] != 0; break;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: memcpy(&v->u.d, &w[0], sizeof v->u.d); break;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: v->u.h = (rt_i128)(((unsigned __int128)w[1] << 64) | w[0]); break;
    case QE_TYPE_INTERVAL: memcpy(&v->u.iv, w, 16); break; /* months, days; micros */
    case QE_TYPE_VARCHAR:
        v->u.s.ptr = (const char *)(uintptr_t)w[0];
        v->u.s.len = (uint32_t)w[1];
        break;
    default: v->u.i = (int64_t)w[0]; break;
    }
}

/* Writes result v (the node's type t) to words w[0..2) as generated code reads it; a
 * string is copied into the morsel arena.  False when out of memory. */
static bool write_result(rt_thread_state *ts, const rt_value *v, qe_type t, uint64_t *w) {
    switch (t) {
    case QE_TYPE_BOOLEAN: w[0] = v->u.b; break;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: memcpy(&w[0], &v->u.d, sizeof v->u.d); break;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
        w[0] = (uint64_t)(unsigned __int128)v->u.h;
        w[1] = (uint64_t)((unsigned __int128)v->u.h >> 64);
        break;
    case QE_TYPE_INTERVAL: memcpy(w, &v->u.iv, 16); break;
    case QE_TYPE_VARCHAR: {
        char *p = rt_arena_alloc(ts->morsel_arena, v->u.s.len ? v->u.s.len : 1);
        if (p == NULL)
            return false;
        if (v->u.s.len > 0)
            memcpy(p, v->u.s.ptr, v->u.s.len);
        w[0] = (uint64_t)(uintptr_t)p;
        w[1] = v->u.s.len;
        break;
    }
    default: w[0] = (uint64_t)v->u.i; break;
    }
    return true;
}

/* rt_jit_func: see rt.h. */
qe_status rt_jit_func(rt_thread_state *ts, const int32_t *desc, uint64_t *vals) {
    jit_call *jc = call_get(ts, desc);
    if (jc == NULL)
        return ts->err.status != QE_OK ? ts->err.status : QE_NOMEM;
    uint32_t n = jc->node.u.func.n_args;
    bool any_null = false;
    for (uint32_t i = 0; i < n; i++) {
        const uint64_t *w = vals + 3 * i;
        rt_value *v = &jc->argv[i];
        v->is_null = w[2] != 0;
        any_null |= v->is_null;
        read_arg(v, jc->arg_nodes[i].type, w);
        if (!v->is_null && i < 64 && (jc->char_args >> i & 1) && v->type == QE_TYPE_VARCHAR)
            while (v->u.s.len > 0 && v->u.s.ptr[v->u.s.len - 1] == ' ')
                v->u.s.len--;
    }
    uint64_t *out = vals + 3 * n;
    out[0] = out[1] = 0;
    out[2] = 1;
    if ((jc->flags & RT_FN_STRICT) && any_null)
        return QE_OK;
    rt_value r = {.type = jc->node.type};
    jc->call.err = &ts->err;
    jc->call.morsel = ts->morsel_arena;
    qe_status st;
    if (jc->kernel == NULL) /* a CAST (n == 1) */
        st = rt_value_cast_mod(&jc->argv[0], jc->arg_nodes[0].typmod, jc->node.type,
                               jc->node.typmod, &r, ts->morsel_arena, &ts->err, jc->node.position);
    else
        st = jc->kernel(&jc->call, jc->argv, n, &r);
    if (st != QE_OK || r.is_null)
        return st;
    if (!write_result(ts, &r, jc->node.type, out))
        return rt_error_nomem(&ts->err, ts->ps->task->mem);
    out[2] = 0;
    return QE_OK;
}
