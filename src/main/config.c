/*
 * config.c -- qe_config: engine options by name, shared with the SET statement.
 */
#include "main_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parses a non-negative integer option value; false if it is not one. */
static bool parse_u32(const char *value, uint32_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno || end == value || *end != '\0' || v > UINT32_MAX || value[0] == '-')
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Parses a memory size: "1000", "64MB", "2 GiB", "1.5GB"; false if malformed. */
static bool parse_bytes(const char *value, int64_t *out) {
    char *end = NULL;
    errno = 0;
    double v = strtod(value, &end);
    if (errno || end == value || v < 0)
        return false;
    while (*end == ' ')
        end++;
    static const struct {
        const char *unit;
        double factor;
    } units[] = {{"", 1},
                 {"b", 1},
                 {"kb", 1e3},
                 {"mb", 1e6},
                 {"gb", 1e9},
                 {"tb", 1e12},
                 {"kib", 1024.0},
                 {"mib", 1048576.0},
                 {"gib", 1073741824.0},
                 {"tib", 1099511627776.0}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].unit) == 0) {
            *out = (int64_t)(v * units[i].factor);
            return true;
        }
    }
    return false;
}

static bool copy_address(char *dst, size_t cap, const char *value) {
    if (strlen(value) >= cap || strchr(value, ':') == NULL)
        return false;
    strcpy(dst, value);
    return true;
}

void main_config_defaults(qe_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->threads = 0;
    cfg->mode = MAIN_MODE_ADAPTIVE;
    cfg->tier = CG_TIER_OPTIMIZED;
    cfg->min_workers = 1;
    cfg->worker_wait_ms = 10000;
    cfg->heartbeat_interval_ms = 500;
    cfg->heartbeat_timeout_ms = 3000;
}

static qe_status bad_value(rt_error *err, const char *name, const char *value, const char *hint) {
    rt_error_set(err, QE_MISUSE, "22023", -1, "invalid value for parameter \"%s\": \"%s\"", name,
                 value);
    rt_error_hint(err, "%s", hint);
    return QE_MISUSE;
}

qe_status main_config_apply(qe_config *cfg, const char *name, const char *value, rt_error *err) {
    if (strcmp(name, "threads") == 0) {
        uint32_t n;
        if (!parse_u32(value, &n) || n > 1024)
            return bad_value(err, name, value, "Use a number of threads from 1 to 1024.");
        cfg->threads = n;
    } else if (strcmp(name, "execution_mode") == 0) {
        if (strcasecmp(value, "interpret") == 0)
            cfg->mode = MAIN_MODE_INTERPRET;
        else if (strcasecmp(value, "jit") == 0)
            cfg->mode = MAIN_MODE_JIT;
        else if (strcasecmp(value, "adaptive") == 0)
            cfg->mode = MAIN_MODE_ADAPTIVE;
        else
            return bad_value(err, name, value, "Available values: interpret, jit, adaptive.");
    } else if (strcmp(name, "jit_tier") == 0) {
        if (!cg_tier_parse(value, &cfg->tier))
            return bad_value(err, name, value, "Available values: cheap, optimized.");
    } else if (strcmp(name, "cluster") == 0) {
        if (!copy_address(cfg->cluster, sizeof cfg->cluster, value))
            return bad_value(err, name, value, "Use HOST:PORT.");
    } else if (strcmp(name, "listen") == 0) {
        if (!copy_address(cfg->listen, sizeof cfg->listen, value))
            return bad_value(err, name, value, "Use HOST:PORT.");
    } else if (strcmp(name, "coordinator") == 0) {
        if (!copy_address(cfg->coordinator, sizeof cfg->coordinator, value))
            return bad_value(err, name, value, "Use HOST:PORT.");
    } else if (strcmp(name, "min_workers") == 0) {
        if (!parse_u32(value, &cfg->min_workers))
            return bad_value(err, name, value, "Use a whole number.");
    } else if (strcmp(name, "worker_wait_ms") == 0) {
        if (!parse_u32(value, &cfg->worker_wait_ms))
            return bad_value(err, name, value, "Use a number of milliseconds.");
    } else if (strcmp(name, "heartbeat_interval_ms") == 0) {
        if (!parse_u32(value, &cfg->heartbeat_interval_ms) || cfg->heartbeat_interval_ms == 0)
            return bad_value(err, name, value, "Use a positive number of milliseconds.");
    } else if (strcmp(name, "heartbeat_timeout_ms") == 0) {
        if (!parse_u32(value, &cfg->heartbeat_timeout_ms) || cfg->heartbeat_timeout_ms == 0)
            return bad_value(err, name, value, "Use a positive number of milliseconds.");
    } else if (strcmp(name, "memory_limit") == 0) {
        if (!parse_bytes(value, &cfg->memory_limit))
            return bad_value(err, name, value, "Use a size such as '512MB' or '4GiB'.");
    } else {
        rt_error_set(err, QE_MISUSE, "42704", -1, "unrecognized configuration parameter \"%s\"",
                     name);
        return QE_MISUSE;
    }
    return QE_OK;
}

qe_status qe_config_create(qe_config **out) {
    qe_config *cfg = malloc(sizeof *cfg);
    *out = cfg;
    if (!cfg)
        return QE_NOMEM;
    main_config_defaults(cfg);
    return QE_OK;
}

void qe_config_destroy(qe_config *cfg) { free(cfg); }

qe_status qe_config_set(qe_config *cfg, const char *name, const char *value) {
    rt_error err;
    rt_error_clear(&err);
    if (!cfg || !name || !value)
        return QE_MISUSE;
    return main_config_apply(cfg, name, value, &err);
}
