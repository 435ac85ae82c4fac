/*
 * error.c -- the error object (rt_error == the public qe_error).
 *
 * Errors are values: fallible functions fill an rt_error and return its status.
 * Messages follow PostgreSQL's style (one lower-case line, no trailing period);
 * detail and hint are sentences.  Formatting truncates silently at the field size.
 */
#include "rt_int.h"

#include <stdio.h>
#include <string.h>

qe_status rt_error_vset(rt_error *err, qe_status status, const char *sqlstate, int position,
                        const char *fmt, va_list ap) {
    if (err == NULL)
        return status;
    err->status = status;
    snprintf(err->sqlstate, sizeof err->sqlstate, "%s", sqlstate ? sqlstate : "XX000");
    err->position = position;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    err->detail[0] = '\0';
    err->hint[0] = '\0';
    return status;
}

qe_status rt_error_set(rt_error *err, qe_status status, const char *sqlstate, int position,
                       const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    rt_error_vset(err, status, sqlstate, position, fmt, ap);
    va_end(ap);
    return status;
}

void rt_error_detail(rt_error *err, const char *fmt, ...) {
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
}

void rt_error_hint(rt_error *err, const char *fmt, ...) {
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof err->hint, fmt, ap);
    va_end(ap);
}

void rt_error_clear(rt_error *err) {
    if (err == NULL)
        return;
    err->status = QE_OK;
    memcpy(err->sqlstate, "00000", 6);
    err->position = -1;
    err->message[0] = '\0';
    err->detail[0] = '\0';
    err->hint[0] = '\0';
}

void rt_error_copy(rt_error *dst, const rt_error *src) {
    if (dst == NULL || src == NULL || dst == src)
        return;
    memcpy(dst, src, sizeof *dst);
}

qe_status rt_error_nomem(rt_error *err, const rt_mem_tracker *tracker) {
    rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory");
    if (tracker != NULL && tracker->limit > 0)
        rt_error_detail(err, "The query needs more memory than memory_limit (%lld bytes) allows.",
                        (long long)tracker->limit);
    return QE_NOMEM;
}
