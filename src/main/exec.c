/*
 * exec.c -- statements: prepare (parse + bind + optimize), execute (DDL, SET, EXPLAIN,
 * queries and INSERT through the staged plan), scripts, and artifacts for qec.
 */
#include "main_int.h"

#include "fe.h"
#include "opt.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Nanoseconds on the monotonic clock (statement timing for qe_result_compile_ms). */
static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Parses and binds the first statement of sql into arena. *logical is NULL for empty
 * text; *ast_out (may be NULL) receives the AST.  Without `bind` only parses. */
static qe_status compile_logical(qe_session *s, rt_arena *arena, const char *sql, size_t len,
                                 bool bind, fe_ast **ast_out, plan_node **logical, size_t *tail) {
    fe_ast *ast = NULL;
    *logical = NULL;
    qe_status st = fe_parse(arena, sql, len, &ast, tail, &s->err);
    if (ast_out)
        *ast_out = ast;
    if (st != QE_OK || !ast || !bind)
        return st;
    plan_node *bound = NULL;
    st = fe_bind(arena, ast, s->engine->catalog, &bound, &s->err);
    if (st == QE_OK)
        st = opt_optimize_in(arena, bound, s->engine->catalog, logical, &s->err);
    return st;
}

qe_status qe_prepare(qe_session *session, const char *sql, size_t len, qe_stmt **out,
                     size_t *tail) {
    if (!session || !sql || !out)
        return QE_MISUSE;
    *out = NULL;
    size_t tail_ignored;
    rt_error_clear(&session->err);
    rt_arena *arena = rt_arena_create(NULL);
    if (!arena)
        return rt_error_set(&session->err, QE_NOMEM, "53200", -1, "out of memory");
    plan_node *logical = NULL;
    qe_status st = compile_logical(session, arena, sql, len, true, NULL, &logical,
                                   tail ? tail : &tail_ignored);
    if (st != QE_OK || !logical) {
        rt_arena_destroy(arena);
        return st;
    }
    qe_stmt *stmt = rt_arena_calloc(arena, sizeof *stmt);
    if (!stmt) {
        rt_arena_destroy(arena);
        return rt_error_set(&session->err, QE_NOMEM, "53200", -1, "out of memory");
    }
    stmt->session = session;
    stmt->arena = arena;
    stmt->logical = logical;
    *out = stmt;
    return QE_OK;
}

void qe_stmt_destroy(qe_stmt *stmt) {
    if (stmt)
        rt_arena_destroy(stmt->arena);
}

/* ---- running a physical plan -------------------------------------------------------- */

/* The physical plan of logical for where s runs it: the embedded engine runs each stage
 * as one task (opt_physical_local), a cluster one task per worker (opt_physical). */
static qe_status physical_plan(qe_session *s, rt_arena *arena, const plan_node *logical,
                               plan_query **q) {
    qe_status st = s->engine->coord ? opt_physical(arena, logical, q, &s->err)
                                    : opt_physical_local(arena, logical, q, &s->err);
    if (st == QE_OK && !opt_mark_no_nulls(arena, *q, s->engine->catalog))
        st = rt_error_nomem(&s->err, NULL);
    return st;
}

/* Runs every stage in this process, one task each, in order, with in-memory exchanges;
 * jit mode compiles every stage before the first task, adaptive mode each while it
 * runs; ob (may be NULL) is told what dist_run_query tells it on a cluster. */
static qe_status run_local(qe_session *s, const plan_query *q, const rt_result_sink *sink,
                           const dist_observer *ob, rt_mem_tracker *mem, rt_task_stats *total,
                           rt_error *err) {
    rt_local_exchange *lx = rt_local_exchange_create(q);
    if (!lx)
        return rt_error_nomem(err, mem);
    rt_local_exchange_set_mem(lx, mem);
    cg_jit *jit = NULL;
    qe_status st = QE_OK;
    /* jit mode: every stage is compiled before the first runs (codes[i], ns[i]) */
    cg_stage_code **codes = calloc(q->n_stages + 1, sizeof *codes);
    uint64_t *ns = calloc(q->n_stages + 1, sizeof *ns);
    if (codes == NULL || ns == NULL)
        st = rt_error_nomem(err, mem);
    if (st == QE_OK && s->mode == MAIN_MODE_JIT)
        st = main_engine_jit(s->engine, &jit, err);
    if (st == QE_OK && jit)
        st = cg_compile_query(jit, q, s->tier, codes, ns, err); /* ns: each stage's share */
    for (uint32_t i = 0; st == QE_OK && jit && i < q->n_stages; i++)
        s->compile_ns += ns[i];
    for (uint32_t i = 0; st == QE_OK && i < q->n_stages; i++) {
        cg_stage_code *code = codes[i];
        codes[i] = NULL;
        uint64_t compile_ns = 0;
        main_adaptive *adaptive = NULL;
        if (jit) {
            compile_ns = ns[i];
            if (ob && ob->compiled)
                ob->compiled(ob->ctx, i, code, compile_ns);
        } else if (s->mode == MAIN_MODE_ADAPTIVE) {
            st = main_adaptive_create(s, q, i, &adaptive, err);
        }
        if (st != QE_OK)
            break;
        rt_task task = {
            .query = q,
            .stage = q->stages[i],
            .task_idx = 0,
            .n_tasks = 1,
            .catalog = s->engine->catalog,
            .exchange = &rt_local_exchange_ops,
            .exchange_ctx = lx,
            .result = sink,
            .compiled = code ? cg_stage_functions(code) : NULL,
            .n_threads = s->threads ? s->threads : 1,
            .mem = mem,
            .debug_delay_ms = s->debug_delay_ms,
            .pipe_stats = ob && ob->pipe_stats ? ob->pipe_stats(ob->ctx, i) : NULL,
            .adaptive = main_adaptive_rt(adaptive),
        };
        rt_task_stats stats = {0};
        st = rt_task_run(&task, &stats, err);
        if (adaptive != NULL)
            compile_ns = main_adaptive_finish(s, adaptive, ob, i);
        stats.compile_ns = compile_ns;
        if (st == QE_OK && ob && ob->task_done)
            ob->task_done(ob->ctx, i, 0, &stats, NULL, 0);
        for (uint32_t x = 0; x < q->n_exchanges; x++)
            if (q->exchanges[x].consumer_stage == i) /* consumed: its rows are not needed */
                rt_local_exchange_release(lx, x);
        total->rows_written += stats.rows_written;
        total->rows_out += stats.rows_out;
        s->morsels_interpreted += stats.morsels_interpreted;
        s->morsels_compiled += stats.morsels_compiled;
        if (stats.peak_memory > total->peak_memory)
            total->peak_memory = stats.peak_memory;
        cg_stage_code_destroy(code);
    }
    for (uint32_t i = 0; codes != NULL && i < q->n_stages; i++) /* stages not run (an error) */
        cg_stage_code_destroy(codes[i]);
    free(codes);
    free(ns);
    rt_local_exchange_destroy(lx);
    return st;
}

static qe_status run_cluster(qe_session *s, const plan_query *q, const rt_result_sink *sink,
                             const dist_observer *ob, rt_task_stats *stats, rt_error *err) {
    qe_engine *e = s->engine;
    qe_status st = dist_coordinator_wait(e->coord, e->cfg.min_workers, e->cfg.worker_wait_ms, err);
    if (st != QE_OK)
        return st;
    dist_run_opts opts = {
        .catalog = e->catalog,
        .result = sink,
        .n_threads = s->threads ? s->threads : 1,
        .jit = s->mode == MAIN_MODE_JIT,
        .debug_delay_ms = s->debug_delay_ms,
        .memory_limit = s->memory_limit,
        .compile_ns = &s->compile_ns,
        .observer = ob,
    };
    if (opts.jit && (st = main_engine_jit(e, &opts.jit_engine, err)) != QE_OK)
        return st;
    return dist_run_query(e->coord, q, &opts, stats, err);
}

qe_status main_run_observed(qe_session *s, const plan_query *q, const rt_result_sink *sink,
                            const dist_observer *ob, rt_task_stats *stats, rt_error *err) {
    rt_mem_tracker mem = {.limit = s->memory_limit};
    return s->engine->coord ? run_cluster(s, q, sink, ob, stats, err)
                            : run_local(s, q, sink, ob, &mem, stats, err);
}

/* Runs q (embedded or on the cluster) delivering result rows to sink. */
static qe_status run_plan_sink(qe_session *s, const plan_query *q, const rt_result_sink *sink,
                               rt_task_stats *stats, rt_error *err) {
    return main_run_observed(s, q, sink, NULL, stats, err);
}

qe_status main_run_plan(qe_session *s, const plan_query *q, qe_result *res, rt_error *err) {
    rt_result_sink sink = {main_result_push, res};
    rt_task_stats stats = {0};
    qe_status st = run_plan_sink(s, q, &sink, &stats, err);
    if (st == QE_OK && q->is_insert)
        res->rows_changed = (int64_t)stats.rows_written;
    return st;
}

/* The result sink of COPY ... TO: rows go to the CSV writer. */
typedef struct copy_out {
    rt_csv_writer *w;
    int64_t n_rows; /* rows written */
} copy_out;

static qe_status copy_out_push(void *ctx, const rt_batch *batch, rt_error *err) {
    copy_out *o = ctx;
    o->n_rows += rt_batch_active(batch);
    return rt_csv_writer_write(o->w, batch, err);
}

/* COPY table|(query) TO 'file': runs the rows' query, writing each batch as it
 * arrives; the result reports the number of rows written. */
static qe_status exec_copy_to(qe_session *s, qe_stmt *stmt, qe_result **out) {
    const plan_node *n = stmt->logical;
    plan_query *q = NULL;
    qe_status st = physical_plan(s, stmt->arena, n, &q);
    if (st != QE_OK)
        return st;
    copy_out o = {0};
    if ((st = rt_csv_writer_open(n->u.copy.csv, q->n_cols, q->names, q->typmods, &o.w, &s->err)) !=
        QE_OK)
        return st;
    rt_result_sink sink = {copy_out_push, &o};
    rt_task_stats stats = {0};
    st = run_plan_sink(s, q, &sink, &stats, &s->err);
    qe_status st_close = rt_csv_writer_close(o.w, st == QE_OK ? &s->err : NULL);
    if (st == QE_OK)
        st = st_close;
    if (st != QE_OK)
        return st;
    qe_result *res = main_result_create(0, NULL, NULL);
    if (!res)
        return rt_error_set(&s->err, QE_NOMEM, "53200", -1, "out of memory");
    res->rows_changed = o.n_rows;
    *out = res;
    return QE_OK;
}

/* ---- statements ------------------------------------------------------------------- */

/* True if the catalog has a view called name. */
static bool view_exists(qe_session *s, const char *name) {
    rt_arena *tmp = rt_arena_create(NULL);
    bool found = tmp && rt_catalog_find_view(s->engine->catalog, name, tmp) != NULL;
    rt_arena_destroy(tmp);
    return found;
}

static qe_status exec_create_table(qe_session *s, const plan_node *n) {
    qe_engine *e = s->engine;
    pthread_mutex_lock(&e->ddl_lock);
    qe_status st = QE_OK;
    if (rt_catalog_find(e->catalog, n->u.create_table.table) ||
        view_exists(s, n->u.create_table.table)) {
        if (!n->u.create_table.if_not_exists)
            st = rt_error_set(&s->err, QE_BIND, "42P07", -1, "relation \"%s\" already exists",
                              n->u.create_table.table);
        pthread_mutex_unlock(&e->ddl_lock);
        return st;
    }
    rt_table *t = NULL;
    st = rt_catalog_create_table(e->catalog, n->u.create_table.table, n->u.create_table.n_cols,
                                 n->u.create_table.col_names, n->u.create_table.col_types, &t,
                                 &s->err);
    if (st == QE_OK && n->u.create_table.col_typmods)
        st = rt_table_set_typmods(t, n->u.create_table.col_typmods, &s->err);
    if (st == QE_OK && e->coord) {
        st = dist_coordinator_wait(e->coord, e->cfg.min_workers, e->cfg.worker_wait_ms, &s->err);
        if (st == QE_OK)
            st = dist_create_table(e->coord, t, &s->err);
        if (st != QE_OK) {
            rt_error keep;
            rt_error_copy(&keep, &s->err);
            rt_catalog_drop_table(e->catalog, n->u.create_table.table, &s->err);
            rt_error_copy(&s->err, &keep);
        }
    }
    pthread_mutex_unlock(&e->ddl_lock);
    return st;
}

static qe_status drop_table(qe_session *s, const char *table, bool if_exists) {
    qe_engine *e = s->engine;
    pthread_mutex_lock(&e->ddl_lock);
    qe_status st = QE_OK;
    if (!rt_catalog_find(e->catalog, table) && view_exists(s, table)) {
        st = rt_error_set(&s->err, QE_BIND, "42809", -1, "\"%s\" is not a table", table);
        rt_error_hint(&s->err, "Use DROP VIEW to remove a view.");
    } else if (!rt_catalog_find(e->catalog, table)) {
        if (!if_exists)
            st = rt_error_set(&s->err, QE_BIND, "42P01", -1, "table \"%s\" does not exist", table);
    } else {
        st = rt_catalog_drop_table(e->catalog, table, &s->err);
        if (st == QE_OK && e->coord)
            st = dist_drop_table(e->coord, table, &s->err);
    }
    pthread_mutex_unlock(&e->ddl_lock);
    return st;
}

/* A result without columns, for statements that return nothing. */
static qe_status empty_result(qe_session *s, qe_result **out) {
    *out = main_result_create(0, NULL, NULL);
    return *out ? QE_OK : rt_error_set(&s->err, QE_NOMEM, "53200", -1, "out of memory");
}

/* CREATE TABLE t AS query: the rows go in through the plan of INSERT INTO t query,
 * planned before the table is created (so a query the executor refuses creates nothing);
 * the table is dropped again if the insert fails. */
static qe_status exec_create_table_as(qe_session *s, qe_stmt *stmt, qe_result **out) {
    const plan_node *n = stmt->logical;
    const char *table = n->u.create_table.table;
    plan_node *insert = rt_arena_calloc(stmt->arena, sizeof *insert);
    if (!insert)
        return rt_error_nomem(&s->err, NULL);
    insert->kind = PLAN_LOGICAL_INSERT;
    insert->child = n->child;
    insert->u.insert.table = n->u.create_table.table;
    plan_query *q = NULL;
    qe_status st = physical_plan(s, stmt->arena, insert, &q);
    if (st != QE_OK)
        return st;
    if (n->u.create_table.if_not_exists && rt_catalog_find(s->engine->catalog, table))
        return empty_result(s, out);
    if ((st = exec_create_table(s, n)) != QE_OK)
        return st;
    qe_result *res = main_result_create(0, NULL, NULL);
    st = res ? main_run_plan(s, q, res, &s->err) : rt_error_nomem(&s->err, NULL);
    if (st != QE_OK) {
        rt_error keep;
        rt_error_copy(&keep, &s->err);
        drop_table(s, table, true);
        rt_error_copy(&s->err, &keep);
        qe_result_destroy(res);
        return st;
    }
    *out = res;
    return QE_OK;
}

/* CREATE [OR REPLACE] VIEW / DROP VIEW: views live in the coordinator's catalog only
 * (they are expanded at bind time). */
static qe_status exec_view_ddl(qe_session *s, rt_arena *arena, const plan_node *n) {
    qe_engine *e = s->engine;
    pthread_mutex_lock(&e->ddl_lock);
    qe_status st;
    if (n->kind == PLAN_LOGICAL_CREATE_VIEW)
        st = rt_catalog_create_view(e->catalog, n->u.create_view.name, n->u.create_view.sql,
                                    n->u.create_view.n_names, n->u.create_view.col_names,
                                    n->u.create_view.or_replace, &s->err);
    else if (!rt_catalog_find_view(e->catalog, n->u.drop_table.table, arena) &&
             n->u.drop_table.if_exists)
        st = QE_OK;
    else
        st = rt_catalog_drop_view(e->catalog, n->u.drop_table.table, &s->err);
    pthread_mutex_unlock(&e->ddl_lock);
    return st;
}

/* Renders the artifact `what` of a bound logical plan; malloc'd text in *text. */
static qe_status render_plan(qe_session *s, rt_arena *arena, const plan_node *logical, qe_emit what,
                             bool json, char **text) {
    *text = NULL;
    if (what == QE_EMIT_LOGICAL) {
        *text = opt_print_logical_est(logical, s->engine->catalog);
    } else {
        plan_query *q = NULL;
        qe_status st = what == QE_EMIT_CLUSTER ? opt_physical(arena, logical, &q, &s->err)
                                               : physical_plan(s, arena, logical, &q);
        if (st != QE_OK)
            return st;
        if (what == QE_EMIT_PHYSICAL || what == QE_EMIT_CLUSTER)
            *text = json ? opt_print_physical_json(q) : opt_print_physical(q);
        else
            return cg_emit(q, what, s->tier, s->emit_cpu, text, &s->err);
    }
    return *text ? QE_OK : rt_error_set(&s->err, QE_NOMEM, "53200", -1, "out of memory");
}

static qe_status exec_explain(qe_session *s, qe_stmt *stmt, qe_result **out) {
    const plan_node *n = stmt->logical;
    char *text = NULL;
    bool json = n->u.explain.json;
    qe_status st = QE_OK;
    if (n->u.explain.analyze) {
        plan_query *q = NULL;
        if (!main_explain_is_query(n->child))
            return rt_error_set(&s->err, QE_UNSUPPORTED, "0A000", -1,
                                "EXPLAIN ANALYZE is supported for queries only");
        if ((st = physical_plan(s, stmt->arena, n->child, &q)) == QE_OK)
            st = main_explain_analyze(s, q, json, !n->u.explain.no_timing, &text);
    } else {
        st = render_plan(s, stmt->arena, n->child, n->u.explain.what, json, &text);
    }
    if (st != QE_OK)
        return st;
    /* Text: a row per line, as psql shows it; JSON: one document in one row. */
    *out = main_result_from_text("QUERY PLAN", text, !json);
    free(text);
    return *out ? QE_OK : rt_error_set(&s->err, QE_NOMEM, "53200", -1, "out of memory");
}

static qe_status exec_query(qe_session *s, qe_stmt *stmt, qe_result **out) {
    plan_query *q = NULL;
    qe_status st = physical_plan(s, stmt->arena, stmt->logical, &q);
    if (st != QE_OK)
        return st;
    qe_result *res = main_result_create(q->n_cols, q->names, q->types);
    if (!res)
        return rt_error_set(&s->err, QE_NOMEM, "53200", -1, "out of memory");
    main_result_set_typmods(res, q->typmods);
    st = main_run_plan(s, q, res, &s->err);
    if (st != QE_OK) {
        qe_result_destroy(res);
        return st;
    }
    *out = res;
    return QE_OK;
}

/* Runs one statement (errors in the session). */
static qe_status execute(qe_session *s, qe_stmt *stmt, qe_result **out) {
    const plan_node *n = stmt->logical;
    qe_status st;
    switch (n->kind) {
    case PLAN_LOGICAL_CREATE_TABLE:
        if (n->child)
            return exec_create_table_as(s, stmt, out);
        st = exec_create_table(s, n);
        break;
    case PLAN_LOGICAL_CREATE_VIEW:
    case PLAN_LOGICAL_DROP_VIEW: st = exec_view_ddl(s, stmt->arena, n); break;
    case PLAN_LOGICAL_TRANSACTION:
        if (n->u.transaction.kind == PLAN_TXN_ROLLBACK) /* refused: nothing can be undone */
            return exec_query(s, stmt, out);
        st = QE_OK; /* BEGIN/COMMIT: every statement commits on its own */
        break;
    case PLAN_LOGICAL_DROP_TABLE:
        st = drop_table(s, n->u.drop_table.table, n->u.drop_table.if_exists);
        break;
    case PLAN_LOGICAL_SET: st = main_session_set(s, n->u.set.name, n->u.set.value); break;
    case PLAN_LOGICAL_EXPLAIN: return exec_explain(s, stmt, out);
    case PLAN_LOGICAL_SHOW: return main_session_show(s, n->u.set.name, out);
    case PLAN_LOGICAL_CALL:
        if (strcmp(n->u.call.name, "dbgen") == 0)
            return main_exec_dbgen(s, n, stmt->arena, out);
        return exec_query(s, stmt, out); /* refused by the planner */
    case PLAN_LOGICAL_COPY:
        if (n->u.copy.to)
            return exec_copy_to(s, stmt, out);
        return exec_query(s, stmt, out);
    default: return exec_query(s, stmt, out);
    }
    return st == QE_OK ? empty_result(s, out) : st;
}

/* Makes the catalog's changes durable at statement end (a persistent database); the
 * statement's own error, if any, wins over a commit error. */
static qe_status persist(qe_session *s, qe_status st, qe_result **out) {
    qe_engine *e = s->engine;
    if (!e->storage)
        return st;
    rt_error err;
    rt_error_clear(&err);
    pthread_mutex_lock(&e->ddl_lock);
    qe_status rc = rt_storage_commit(e->storage, &err);
    pthread_mutex_unlock(&e->ddl_lock);
    if (st != QE_OK || rc == QE_OK)
        return st;
    rt_error_copy(&s->err, &err);
    qe_result_destroy(*out);
    *out = NULL;
    return rc;
}

qe_status qe_stmt_execute(qe_stmt *stmt, qe_result **out) {
    if (!stmt || !out)
        return QE_MISUSE;
    *out = NULL;
    qe_session *s = stmt->session;
    rt_error_clear(&s->err);
    s->compile_ns = 0;
    s->morsels_interpreted = s->morsels_compiled = 0;
    uint64_t t0 = now_ns();
    qe_status st = persist(s, execute(s, stmt, out), out);
    double total_ms = (double)(now_ns() - t0) * 1e-6;
    if (*out) {
        (*out)->compile_ms = (double)s->compile_ns * 1e-6;
        (*out)->execute_ms = total_ms > (*out)->compile_ms ? total_ms - (*out)->compile_ms : 0;
    }
    return st;
}

/* Moves an error position from statement-relative to script-relative. */
static void shift_position(qe_session *s, size_t offset) {
    if (s->err.status != QE_OK && s->err.position >= 0)
        s->err.position += (int)offset;
}

qe_status qe_query(qe_session *session, const char *sql, qe_result **out) {
    if (!session || !sql)
        return QE_MISUSE;
    if (out)
        *out = NULL;
    size_t len = strlen(sql), offset = 0;
    qe_result *last = NULL;
    qe_status st = QE_OK;
    while (st == QE_OK && offset < len) {
        qe_stmt *stmt = NULL;
        size_t tail = 0;
        st = qe_prepare(session, sql + offset, len - offset, &stmt, &tail);
        if (st == QE_OK && stmt) {
            qe_result *res = NULL;
            st = qe_stmt_execute(stmt, &res);
            qe_stmt_destroy(stmt);
            if (st == QE_OK) {
                qe_result_destroy(last);
                last = res;
            }
        }
        shift_position(session, offset);
        if (!stmt || tail == 0)
            break;
        offset += tail;
    }
    if (out)
        *out = last;
    else
        qe_result_destroy(last);
    return st;
}

qe_status qe_emit_text(qe_session *session, const char *sql, qe_emit what, char **text_out) {
    if (!session || !sql || !text_out)
        return QE_MISUSE;
    *text_out = NULL;
    rt_error_clear(&session->err);
    if (what == QE_EMIT_OBJ)
        return rt_error_set(&session->err, QE_MISUSE, "22023", -1,
                            "the object file is binary: use qe_emit_bytes");
    rt_arena *arena = rt_arena_create(NULL);
    if (!arena)
        return rt_error_set(&session->err, QE_NOMEM, "53200", -1, "out of memory");
    fe_ast *ast = NULL;
    plan_node *logical = NULL;
    size_t tail = 0;
    qe_status st = compile_logical(session, arena, sql, strlen(sql), what != QE_EMIT_AST, &ast,
                                   &logical, &tail);
    if (st == QE_OK && !ast)
        st = rt_error_set(&session->err, QE_MISUSE, "42601", -1, "no statement to compile");
    if (st == QE_OK && what == QE_EMIT_AST) {
        *text_out = fe_ast_print(ast);
        if (!*text_out)
            st = rt_error_set(&session->err, QE_NOMEM, "53200", -1, "out of memory");
    } else if (st == QE_OK) {
        st = render_plan(session, arena, logical, what, false, text_out);
    }
    rt_arena_destroy(arena);
    return st;
}

/* The object file of the first statement's compiled pipelines (cg_emit_object). */
static qe_status emit_object(qe_session *s, const char *sql, uint8_t **data, size_t *len) {
    rt_error_clear(&s->err);
    rt_arena *arena = rt_arena_create(NULL);
    if (!arena)
        return rt_error_set(&s->err, QE_NOMEM, "53200", -1, "out of memory");
    fe_ast *ast = NULL;
    plan_node *logical = NULL;
    plan_query *q = NULL;
    size_t tail = 0;
    qe_status st = compile_logical(s, arena, sql, strlen(sql), true, &ast, &logical, &tail);
    if (st == QE_OK && !ast)
        st = rt_error_set(&s->err, QE_MISUSE, "42601", -1, "no statement to compile");
    if (st == QE_OK)
        st = physical_plan(s, arena, logical, &q);
    if (st == QE_OK)
        st = cg_emit_object(q, s->tier, s->emit_cpu, data, len, &s->err);
    rt_arena_destroy(arena);
    return st;
}

qe_status qe_emit_bytes(qe_session *session, const char *sql, qe_emit what, void **data_out,
                        size_t *len_out) {
    if (!session || !sql || !data_out || !len_out)
        return QE_MISUSE;
    *data_out = NULL;
    *len_out = 0;
    if (what == QE_EMIT_OBJ)
        return emit_object(session, sql, (uint8_t **)data_out, len_out);
    char *text = NULL;
    qe_status st = qe_emit_text(session, sql, what, &text);
    if (st == QE_OK) {
        *data_out = text;
        *len_out = strlen(text);
    }
    return st;
}
