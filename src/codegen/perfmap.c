/*
 * perfmap.c -- names for JIT-compiled code in `perf` profiles (QE_PERF_MAP=1).
 *
 * perf(1) resolves addresses in anonymous executable memory through
 * /tmp/perf-<pid>.map, one "START SIZE NAME" line (hex) per function.  When the
 * environment variable QE_PERF_MAP is set to a non-empty value other than "0", each
 * LLJIT gets an object transform that reads the size of every defined function
 * symbol of the object file it is about to link (the transform does not change the
 * object).  When a pipeline function is looked up afterwards, it and every other sized
 * symbol of its object's text section (internal functions LLVM did not inline) are
 * appended to the map: the section is linked as one block, so a symbol's address is
 * the pipeline function's address plus the difference of their section offsets.  Without the
 * variable nothing is installed and nothing is written. A debugging aid: the map is never read
 * back, and entries of freed code stay in it.
 */
#include "cg_int.h"

#include <llvm-c/LLJIT.h>
#include <llvm-c/Object.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PERF_MAP_SIZES 256 /* remembered symbol sizes (a ring: newest objects win) */

typedef struct perf_size {
    char name[64];   /* function symbol name, truncated */
    uint64_t offset; /* its offset in the object's text section */
    uint64_t size;   /* its size in bytes, from the object's symbol table */
    uint64_t object; /* which object it came from (a counter) */
} perf_size;

static pthread_mutex_t perf_lock = PTHREAD_MUTEX_INITIALIZER; /* guards the fields below */
static perf_size perf_sizes[PERF_MAP_SIZES];                  /* ring of recent function sizes */
static uint32_t perf_next;                                    /* next ring slot */
static uint64_t perf_objects;                                 /* objects seen */
static uint64_t perf_written; /* the last object whose symbols were written */

bool cg_perf_map_enabled(void) {
    const char *v = getenv("QE_PERF_MAP");
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* Writes the object file to /tmp/perf-<pid>-<object>.o. */
static void dump_object(LLVMMemoryBufferRef obj, uint64_t object) {
    char path[80];
    snprintf(path, sizeof path, "/tmp/perf-%ld-%llu.o", (long)getpid(), (unsigned long long)object);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return;
    fwrite(LLVMGetBufferStart(obj), 1, LLVMGetBufferSize(obj), f);
    fclose(f);
}

/* The object transform: remembers the sizes of the object's sized symbols. */
static LLVMErrorRef record_sizes(void *ctx, LLVMMemoryBufferRef *obj) {
    (void)ctx;
    char *msg = NULL;
    LLVMBinaryRef bin = LLVMCreateBinary(*obj, NULL, &msg);
    if (bin == NULL) {
        LLVMDisposeMessage(msg);
        return NULL; /* not an object we can read: no names, the link goes on */
    }
    LLVMSymbolIteratorRef it = LLVMObjectFileCopySymbolIterator(bin);
    LLVMSectionIteratorRef sec = LLVMObjectFileCopySectionIterator(bin);
    pthread_mutex_lock(&perf_lock);
    uint64_t object = ++perf_objects;
    const char *v = getenv("QE_PERF_MAP");
    if (v != NULL && strcmp(v, "obj") == 0)
        dump_object(*obj, object);
    for (; it && !LLVMObjectFileIsSymbolIteratorAtEnd(bin, it); LLVMMoveToNextSymbol(it)) {
        const char *name = LLVMGetSymbolName(it);
        uint64_t size = LLVMGetSymbolSize(it);
        if (name == NULL || name[0] == '\0' || size == 0 || sec == NULL)
            continue;
        LLVMMoveToContainingSection(sec, it);
        const char *sname =
            LLVMObjectFileIsSectionIteratorAtEnd(bin, sec) ? NULL : LLVMGetSectionName(sec);
        if (sname == NULL || (strncmp(sname, ".text", 5) != 0 && strncmp(sname, ".ltext", 6) != 0))
            continue; /* data, not code (.ltext: the JIT's large code model) */
        perf_size *s = &perf_sizes[perf_next++ % PERF_MAP_SIZES];
        snprintf(s->name, sizeof s->name, "%s", name);
        s->offset = LLVMGetSymbolAddress(it);
        s->size = size;
        s->object = object;
    }
    pthread_mutex_unlock(&perf_lock);
    if (it)
        LLVMDisposeSymbolIterator(it);
    if (sec)
        LLVMDisposeSectionIterator(sec);
    LLVMDisposeBinary(bin);
    return NULL;
}

void cg_perf_map_attach(LLVMOrcLLJITRef lljit) {
    if (cg_perf_map_enabled())
        LLVMOrcObjectTransformLayerSetTransform(LLVMOrcLLJITGetObjTransformLayer(lljit),
                                                record_sizes, NULL);
}

void cg_perf_map_add(const char *name, uint64_t address) {
    if (!cg_perf_map_enabled())
        return;
    pthread_mutex_lock(&perf_lock);
    const perf_size *fn = NULL;
    for (uint32_t i = 0; i < PERF_MAP_SIZES && fn == NULL; i++) {
        const perf_size *s = &perf_sizes[(perf_next - 1 - i) % PERF_MAP_SIZES];
        if (s->size != 0 && strncmp(s->name, name, sizeof s->name - 1) == 0)
            fn = s;
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
    FILE *f = fopen(path, "a");
    if (f != NULL && fn == NULL)
        fprintf(f, "%llx 1000 %s\n", (unsigned long long)address, name);
    bool all = fn != NULL && fn->object != perf_written; /* the object's other symbols too */
    if (all)
        perf_written = fn->object;
    for (uint32_t i = 0; f != NULL && fn != NULL && i < PERF_MAP_SIZES; i++) {
        const perf_size *s = &perf_sizes[i];
        if (s->size == 0 || s->object != fn->object || (!all && s != fn))
            continue;
        fprintf(f, "%llx %llx %s\n", (unsigned long long)(address - fn->offset + s->offset),
                (unsigned long long)s->size, s->name);
    }
    if (f != NULL)
        fclose(f);
    pthread_mutex_unlock(&perf_lock);
}
