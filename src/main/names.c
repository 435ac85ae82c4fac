/*
 * names.c -- texts of the public enumerations (from their X-macro lists in qe.h).
 */
#include "main_int.h"

#include <stdlib.h>
#include <string.h>

const char *qe_status_text(qe_status status) {
    switch (status) {
#define X(name, text)                                                                              \
    case QE_##name: return text;
        QE_STATUS_LIST(X)
#undef X
    }
    return "unknown status";
}

const char *qe_type_name(qe_type type) {
    switch (type) {
#define X(name, sql, width)                                                                        \
    case QE_TYPE_##name: return sql;
        QE_TYPE_LIST(X)
#undef X
    case QE_TYPE_COUNT: break;
    }
    return "?";
}

qe_status qe_emit_parse(const char *name, qe_emit *out) {
#define X(id, text)                                                                                \
    if (name && strcmp(name, text) == 0) {                                                         \
        *out = QE_EMIT_##id;                                                                       \
        return QE_OK;                                                                              \
    }
    QE_EMIT_LIST(X)
#undef X
    return QE_MISUSE;
}

void qe_free(void *ptr) { free(ptr); }
