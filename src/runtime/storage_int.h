/*
 * storage_int.h -- private interface between the storage files of src/runtime:
 * byte buffers, the column-chunk codec (storage_enc.c) and the database directory
 * (storage.c).  The byte layout is the contract in README.md, "Storage".
 */
#ifndef QE_STORAGE_INT_H
#define QE_STORAGE_INT_H

#include "rt_int.h"

#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the storage format is little-endian and the code assumes a little-endian host"
#endif

/* X(name, code) -- encodings of a column chunk's values; code is the byte on disk. */
#define ST_ENC_LIST(X)                                                                             \
    X(PLAIN, 0)                                                                                    \
    X(CONSTANT, 1)                                                                                 \
    X(RLE, 2)                                                                                      \
    X(DICT, 3)                                                                                     \
    X(FOR, 4)                                                                                      \
    X(DELTA, 5)

typedef enum st_enc {
#define ST_X_ENC(name, code) ST_ENC_##name = code,
    ST_ENC_LIST(ST_X_ENC)
#undef ST_X_ENC
        ST_ENC_COUNT
} st_enc;

/* Lower-case name of an encoding ("dict"); "?" for an invalid code. */
const char *st_enc_name(st_enc enc);

#define ST_CHUNK_HEADER_SIZE 48  /* bytes of a chunk header (README.md) */
#define ST_ROW_GROUP_ROWS 122880 /* rows per row group: 60 vectors of RT_VECTOR_SIZE */

/* A growable byte buffer (rt_malloc'd, untracked).  On out-of-memory `oom` is set and
 * further writes are ignored. */
typedef struct st_buf {
    uint8_t *data; /* len bytes written */
    size_t len;    /* bytes in use */
    size_t cap;    /* bytes allocated */
    bool oom;      /* an allocation failed */
} st_buf;

/* Appends n bytes (p may be NULL for n zero bytes). */
void st_buf_put(st_buf *b, const void *p, size_t n);
void st_buf_u8(st_buf *b, uint8_t v);
void st_buf_u32(st_buf *b, uint32_t v);
void st_buf_u64(st_buf *b, uint64_t v);
/* Room for n more bytes at the end (len grows by n); NULL after oom. */
uint8_t *st_buf_grow(st_buf *b, size_t n);
void st_buf_free(st_buf *b);

/* Little-endian loads from unaligned memory. */
static inline uint32_t st_get_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint64_t st_get_u64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* One column's rows to encode as a chunk. */
typedef struct st_column {
    qe_type type;             /* any type but NULL */
    uint32_t n_rows;          /* >= 1 */
    const uint8_t *values;    /* fixed-width types: n_rows values of rt_type_width bytes */
    const uint8_t *validity;  /* LSB-first bitmap, 1 = valid; NULL = no NULLs */
    const char *const *s_ptr; /* VARCHAR: n_rows string starts (any for NULL rows) */
    const uint32_t *s_len;    /* VARCHAR: n_rows lengths */
} st_column;

/* Appends the chunk of col (header + payload) to out and fills *zone.  force is an
 * st_enc to use when it applies (tests), or -1 to choose the smallest.  False on
 * out-of-memory. */
bool st_chunk_encode(st_buf *out, const st_column *col, int force, rt_col_zone *zone);

/* Decodes the chunk at data[0..len) into vector v (type `type`, room for n_rows, values
 * buffer allocated; validity and strings allocated in arena) after checking its
 * checksum and every count; *used = the chunk's bytes.  XX001 naming `file` if anything
 * is wrong. */
qe_status st_chunk_decode(const uint8_t *data, size_t len, qe_type type, uint32_t n_rows,
                          rt_vector *v, rt_arena *arena, rt_col_zone *zone, size_t *used,
                          const char *file, rt_error *err);

#endif /* QE_STORAGE_INT_H */
