/*
 * engine.c -- engines and sessions: open/close, options, the per-process JIT, and the
 * worker entry point.
 */
#include "main_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Copies err into a new heap error for *err_out (if asked). */
static void give_error(const rt_error *err, qe_error **err_out) {
    if (!err_out)
        return;
    *err_out = malloc(sizeof **err_out);
    if (*err_out)
        rt_error_copy(*err_out, err);
}

static uint32_t default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint32_t)n : 1;
}

static qe_status engine_start_cluster(qe_engine *e, rt_error *err) {
    if (!e->cfg.cluster[0])
        return QE_OK;
    return dist_coordinator_start(e->cfg.cluster, e->cfg.heartbeat_timeout_ms, &e->coord, err);
}

qe_status qe_engine_open(const char *path, const qe_config *cfg, qe_engine **out,
                         qe_error **err_out) {
    rt_error err;
    rt_error_clear(&err);
    *out = NULL;
    if (err_out)
        *err_out = NULL;
    bool persistent = path && strcmp(path, ":memory:") != 0 && path[0] != '\0';
    if (persistent && cfg && cfg->cluster[0]) {
        rt_error_set(&err, QE_UNSUPPORTED, "0A000", -1,
                     "a cluster coordinator cannot open a persistent database yet: \"%s\"", path);
        rt_error_hint(&err, "Open \":memory:\" for an in-memory database.");
        give_error(&err, err_out);
        return err.status;
    }
    qe_engine *e = calloc(1, sizeof *e);
    if (!e)
        return QE_NOMEM;
    if (cfg)
        e->cfg = *cfg;
    else
        main_config_defaults(&e->cfg);
    if (e->cfg.threads == 0)
        e->cfg.threads = default_threads();
    pthread_mutex_init(&e->jit_lock, NULL);
    pthread_mutex_init(&e->ddl_lock, NULL);
    e->catalog = rt_catalog_create();
    qe_status st = e->catalog ? QE_OK : rt_error_set(&err, QE_NOMEM, "53200", -1, "out of memory");
    if (st == QE_OK && persistent)
        st = rt_storage_open(path, e->catalog, &e->storage, &err);
    if (st == QE_OK)
        st = engine_start_cluster(e, &err);
    if (st != QE_OK) {
        give_error(&err, err_out);
        qe_engine_close(e);
        return st;
    }
    *out = e;
    return QE_OK;
}

void qe_engine_close(qe_engine *engine) {
    if (!engine)
        return;
    dist_coordinator_stop(engine->coord);
    cg_jit_destroy(engine->jit);
    rt_storage_close(engine->storage);
    rt_catalog_destroy(engine->catalog);
    pthread_mutex_destroy(&engine->jit_lock);
    pthread_mutex_destroy(&engine->ddl_lock);
    free(engine);
}

qe_status main_engine_jit(qe_engine *engine, cg_jit **out, rt_error *err) {
    qe_status st = QE_OK;
    pthread_mutex_lock(&engine->jit_lock);
    if (!engine->jit)
        st = cg_jit_create(&engine->jit, err);
    *out = engine->jit;
    pthread_mutex_unlock(&engine->jit_lock);
    return st;
}

qe_status qe_session_open(qe_engine *engine, qe_session **out) {
    *out = NULL;
    if (!engine)
        return QE_MISUSE;
    qe_session *s = calloc(1, sizeof *s);
    if (!s)
        return QE_NOMEM;
    s->engine = engine;
    s->mode = engine->cfg.mode;
    s->tier = engine->cfg.tier;
    strcpy(s->emit_cpu, "host");
    s->threads = engine->cfg.threads;
    s->memory_limit = engine->cfg.memory_limit;
    rt_error_clear(&s->err);
    *out = s;
    return QE_OK;
}

void qe_session_close(qe_session *session) { free(session); }

const qe_error *qe_session_error(const qe_session *session) {
    return session ? &session->err : NULL;
}

/* SET emit_cpu (value NULL = RESET to "host"): 1-63 of [A-Za-z0-9._-]. */
static qe_status set_emit_cpu(qe_session *s, const char *value) {
    if (value == NULL)
        value = "host";
    size_t n = strlen(value);
    bool ok = n > 0 && n < sizeof s->emit_cpu;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)value[i]) || strchr("-_.", value[i]) != NULL;
    if (!ok) {
        rt_error_set(&s->err, QE_MISUSE, "22023", -1,
                     "invalid value for parameter \"emit_cpu\": \"%.64s\"", value);
        rt_error_hint(&s->err, "Use 'host' or an LLVM CPU name such as 'x86-64-v3'.");
        return QE_MISUSE;
    }
    memcpy(s->emit_cpu, value, n + 1);
    return QE_OK;
}

/* SET jit_cache_size (value NULL = RESET to 256): the bound, in compiled stages, of
 * the process-wide code cache (cg_cache_set_limit; 0 = no caching). */
static qe_status set_jit_cache_size(qe_session *s, const char *value) {
    char *end = NULL;
    unsigned long v = value ? strtoul(value, &end, 10) : 256;
    if (value && (end == value || *end != '\0' || v > 1000000 || value[0] == '-')) {
        rt_error_set(&s->err, QE_MISUSE, "22023", -1,
                     "invalid value for parameter \"jit_cache_size\": \"%.64s\"", value);
        rt_error_hint(&s->err, "Use a number of compiled stages from 0 (no cache) to 1000000.");
        return QE_MISUSE;
    }
    cg_cache_set_limit((uint32_t)v);
    return QE_OK;
}

/* SET debug_adaptive (value NULL = RESET to 'off'): 'wait' makes adaptive execution
 * compile every stage with a compilable pipeline at once and each thread wait for the
 * code after its first morsel of such a pipeline (tests of the switch on small data). */
static qe_status set_debug_adaptive(qe_session *s, const char *value) {
    if (value == NULL || strcasecmp(value, "off") == 0) {
        s->debug_adaptive_wait = false;
    } else if (strcasecmp(value, "wait") == 0) {
        s->debug_adaptive_wait = true;
    } else {
        rt_error_set(&s->err, QE_MISUSE, "22023", -1,
                     "invalid value for parameter \"debug_adaptive\": \"%.64s\"", value);
        rt_error_hint(&s->err, "Available values: off, wait.");
        return QE_MISUSE;
    }
    return QE_OK;
}

/* Applies a session setting (SET name = value; value NULL = RESET). */
static qe_status session_set(qe_session *s, const char *name, const char *value) {
    qe_config cfg;
    main_config_defaults(&cfg);
    cfg.threads = s->engine->cfg.threads;
    cfg.mode = s->engine->cfg.mode;
    cfg.tier = s->engine->cfg.tier;
    cfg.memory_limit = s->engine->cfg.memory_limit;
    if (strcmp(name, "debug_task_delay_ms") == 0) {
        char *end = NULL;
        unsigned long v = value ? strtoul(value, &end, 10) : 0;
        if (value && (end == value || *end != '\0' || v > 600000)) {
            rt_error_set(&s->err, QE_MISUSE, "22023", -1,
                         "invalid value for parameter \"%s\": \"%s\"", name, value);
            return QE_MISUSE;
        }
        s->debug_delay_ms = (uint32_t)v;
        return QE_OK;
    }
    if (strcmp(name, "emit_cpu") == 0)
        return set_emit_cpu(s, value);
    if (strcmp(name, "jit_cache_size") == 0)
        return set_jit_cache_size(s, value);
    if (strcmp(name, "debug_adaptive") == 0)
        return set_debug_adaptive(s, value);
    if (strcmp(name, "threads") != 0 && strcmp(name, "execution_mode") != 0 &&
        strcmp(name, "jit_tier") != 0 && strcmp(name, "memory_limit") != 0) {
        rt_error_set(&s->err, QE_MISUSE, "42704", -1, "unrecognized configuration parameter \"%s\"",
                     name);
        return QE_MISUSE;
    }
    if (value) {
        qe_status st = main_config_apply(&cfg, name, value, &s->err);
        if (st != QE_OK)
            return st;
        if (cfg.threads == 0)
            cfg.threads = default_threads();
    }
    if (strcmp(name, "threads") == 0)
        s->threads = cfg.threads;
    else if (strcmp(name, "execution_mode") == 0)
        s->mode = cfg.mode;
    else if (strcmp(name, "jit_tier") == 0)
        s->tier = cfg.tier;
    else
        s->memory_limit = cfg.memory_limit;
    return QE_OK;
}

qe_status main_session_set(qe_session *s, const char *name, const char *value) {
    rt_error_clear(&s->err);
    return session_set(s, name, value);
}

qe_status qe_session_set(qe_session *session, const char *name, const char *value) {
    if (!session || !name || !value)
        return QE_MISUSE;
    return main_session_set(session, name, value);
}

qe_status qe_worker_run(const qe_config *cfg, qe_error **err_out) {
    rt_error err;
    rt_error_clear(&err);
    if (err_out)
        *err_out = NULL;
    if (!cfg || !cfg->listen[0] || !cfg->coordinator[0]) {
        rt_error_set(&err, QE_MISUSE, "22023", -1, "a worker needs \"listen\" and \"coordinator\"");
        rt_error_hint(&err, "Set both to HOST:PORT.");
        give_error(&err, err_out);
        return QE_MISUSE;
    }
    dist_worker_opts opts;
    memset(&opts, 0, sizeof opts);
    strcpy(opts.listen, cfg->listen);
    strcpy(opts.coordinator, cfg->coordinator);
    opts.n_threads = cfg->threads ? cfg->threads : default_threads();
    opts.heartbeat_interval_ms = cfg->heartbeat_interval_ms;
    qe_status st = dist_worker_run(&opts, &err);
    if (st != QE_OK)
        give_error(&err, err_out);
    return st;
}

void qe_worker_stop(void) { dist_worker_stop(); }

/* The current value of a session setting as text; false for an unknown name. */
static bool setting_text(const qe_session *s, const char *name, char *buf, size_t cap) {
    if (strcmp(name, "threads") == 0)
        snprintf(buf, cap, "%u", s->threads);
    else if (strcmp(name, "execution_mode") == 0)
        snprintf(buf, cap, "%s", main_mode_name(s->mode));
    else if (strcmp(name, "jit_tier") == 0)
        snprintf(buf, cap, "%s", cg_tier_name(s->tier));
    else if (strcmp(name, "emit_cpu") == 0)
        snprintf(buf, cap, "%s", s->emit_cpu);
    else if (strcmp(name, "jit_cache_size") == 0)
        snprintf(buf, cap, "%u", cg_cache_limit());
    else if (strcmp(name, "memory_limit") == 0)
        snprintf(buf, cap, s->memory_limit > 0 ? "%lld" : "unlimited", (long long)s->memory_limit);
    else if (strcmp(name, "debug_task_delay_ms") == 0)
        snprintf(buf, cap, "%u", s->debug_delay_ms);
    else if (strcmp(name, "debug_adaptive") == 0)
        snprintf(buf, cap, "%s", s->debug_adaptive_wait ? "wait" : "off");
    else
        return false;
    return true;
}

qe_status main_session_show(qe_session *s, const char *name, qe_result **out) {
    static const char *const names[] = {
        "debug_adaptive", "debug_task_delay_ms", "emit_cpu", "execution_mode", "jit_cache_size",
        "jit_tier",       "memory_limit",        "threads"};
    char value[64];
    bool all = strcmp(name, "all") == 0;
    if (!all && !setting_text(s, name, value, sizeof value))
        return rt_error_set(&s->err, QE_MISUSE, "42704", -1,
                            "unrecognized configuration parameter \"%s\"", name);
    qe_type types[2] = {QE_TYPE_VARCHAR, QE_TYPE_VARCHAR};
    char *all_names[2] = {"name", "setting"};
    char *one_name[1] = {(char *)name};
    qe_result *res =
        all ? main_result_create(2, all_names, types) : main_result_create(1, one_name, types);
    uint32_t n_rows = all ? sizeof names / sizeof names[0] : 1;
    rt_batch *b = res ? rt_batch_create(res->arena, all ? 2 : 1, types, n_rows) : NULL;
    for (uint32_t r = 0; b && r < n_rows; r++) {
        const char *key = all ? names[r] : name;
        setting_text(s, key, value, sizeof value);
        bool ok = rt_vector_set_string(&b->cols[all ? 1 : 0], res->arena, r, value,
                                       (uint32_t)strlen(value));
        if (all)
            ok = ok && rt_vector_set_string(&b->cols[0], res->arena, r, key, (uint32_t)strlen(key));
        b->n_rows = ok ? r + 1 : b->n_rows;
        if (!ok)
            b = NULL;
    }
    if (!b || main_result_push(res, b, &s->err) != QE_OK) {
        qe_result_destroy(res);
        return rt_error_nomem(&s->err, NULL);
    }
    *out = res;
    return QE_OK;
}
