/*
 * qe-dbgen.c -- TPC-H data generator, output byte-identical to dbgen 2.17.3.
 *
 *   qe-dbgen [-s SF] [-C n -S i] [-o DIR] [-T TABLE] [-j N]
 *
 * Writes DIR/<table>.tbl for the eight TPC-H tables (with -C: <table>.tbl.<i>, nation
 * and region with chunk 1 only).  -T takes a table name or dbgen's letter (p part +
 * partsupp, P part, S partsupp, s supplier, c customer, o orders + lineitem, O orders,
 * L lineitem, n nation, r region, l nation + region) and may be repeated.  Errors go
 * to stderr and the exit status is 1.
 */
#include "qe.h"

#include <stdbool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
    fputs("usage: qe-dbgen [-s SF] [-C n -S i] [-o DIR] [-T TABLE]... [-j N]\n"
          "  -s SF     scale factor (default 1): 0.001..0.999 or an integer up to 29999\n"
          "  -C n      split the data into n chunks; -S i picks chunk i (1..n)\n"
          "  -o DIR    output directory (default .)\n"
          "  -T TABLE  only this table (name or dbgen letter pPSscoOLnrl; repeatable)\n"
          "  -j N      generator threads (default: number of cores)\n",
          out);
}

/* Table bits for a -T argument; 0 if unknown. */
static uint32_t table_bits(const char *arg) {
    for (uint32_t i = 0; qe_dbgen_table_name(i); i++)
        if (strcmp(arg, qe_dbgen_table_name(i)) == 0)
            return 1u << i;
    if (strlen(arg) != 1)
        return 0;
    switch (arg[0]) {
    case 'p': return 3u; /* part + partsupp */
    case 'P': return 1u << 0;
    case 'S': return 1u << 1;
    case 's': return 1u << 2;
    case 'c': return 1u << 3;
    case 'o': return 3u << 4; /* orders + lineitem */
    case 'O': return 1u << 4;
    case 'L': return 1u << 5;
    case 'n': return 1u << 6;
    case 'r': return 1u << 7;
    case 'l': return 3u << 6; /* nation + region */
    }
    return 0;
}

/* Parses an unsigned option value; false if it is not a number in [lo, hi]. */
static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out) {
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi)
        return false;
    *out = (uint32_t)v;
    return true;
}

int main(int argc, char **argv) {
    qe_dbgen_options o = {1.0, 0, 0, 0, 0, "."};
    bool have_step = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        /* "-j 2" or "-j2", as with getopt */
        if (a[0] != '-' || a[1] == '\0' || (a[2] == '\0' && i + 1 >= argc)) {
            usage(stderr);
            return 1;
        }
        const char *v = a[2] != '\0' ? a + 2 : argv[++i];
        bool ok = true;
        switch (a[1]) {
        case 's': {
            char *end;
            o.scale_factor = strtod(v, &end);
            ok = *v != '\0' && *end == '\0';
            break;
        }
        case 'C': ok = parse_u32(v, 1, 1000000, &o.chunks); break;
        case 'S':
            ok = parse_u32(v, 1, 1000000, &o.chunk);
            have_step = true;
            break;
        case 'o': o.dir = v; break;
        case 'T': {
            uint32_t bits = table_bits(v);
            ok = bits != 0;
            o.tables |= bits;
            break;
        }
        case 'j': ok = parse_u32(v, 1, 1024, &o.threads); break;
        default: ok = false;
        }
        if (!ok) {
            fprintf(stderr, "qe-dbgen: invalid option %s %s\n", a, v);
            usage(stderr);
            return 1;
        }
    }
    if (o.chunks > 1 && !have_step) {
        fprintf(stderr, "qe-dbgen: -C needs -S\n");
        return 1;
    }
    qe_error *err = NULL;
    if (qe_dbgen_write(&o, &err) != QE_OK) {
        fprintf(stderr, "qe-dbgen: %s\n", qe_error_message(err));
        qe_error_destroy(err);
        return 1;
    }
    return 0;
}
