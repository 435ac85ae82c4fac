/*
 * dbgen.c -- the public TPC-H generator API (qe_dbgen_write): a thin wrapper over the
 * runtime's generator (src/runtime/dbgen_*.c) that turns its error into a qe_error.
 */
#include "main_int.h"

#include <stdlib.h>

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
