/*
 * arrow_ipc.c -- Arrow IPC encapsulated messages <-> rt_batch.
 *
 * An encapsulated message is {0xFFFFFFFF, int32 metadata size, a FlatBuffers Message
 * padded to 8 bytes, body}.  QE writes Schema messages (fields c0, c1, ... of type
 * Bool, Int(32|64, signed), FloatingPoint(DOUBLE) or Utf8View) and RecordBatch messages
 * whose body buffers use BodyCompression {ZSTD, BUFFER}: each non-empty buffer is an
 * int64 uncompressed length followed by a zstd frame, or -1 followed by the raw bytes
 * (tiny or incompressible buffers).  Strings travel as Utf8View: 16-byte views plus one
 * variadic data buffer holding the long strings of the batch, repacked so no unrelated
 * heap bytes leave the process.
 *
 * FlatBuffers are hand-written both ways.  The builder writes front to back (every
 * uoffset points forward, as the format requires): a table's vtable, then the table,
 * then the objects it refers to, patching the offsets as they are placed.  The reader
 * checks every table, vtable, field, vector and string against the buffer bounds
 * before use; a message that fails any check is an error, never a crash.
 */
#include "dist_int.h"

#include <stdlib.h>
#include <string.h>

/* Arrow enum values (Schema.fbs, Message.fbs). */
#define ARROW_V4 3
#define ARROW_V5 4
#define ARROW_TYPE_INT 2
#define ARROW_TYPE_FLOAT 3
#define ARROW_TYPE_BOOL 6
#define ARROW_TYPE_DECIMAL 7
#define ARROW_TYPE_DATE 8
#define ARROW_TYPE_TIMESTAMP 10
#define ARROW_TYPE_INTERVAL 11
#define ARROW_TYPE_UTF8VIEW 24
#define ARROW_PRECISION_SINGLE 1
#define ARROW_PRECISION_DOUBLE 2
#define ARROW_DATE_DAY 0
#define ARROW_TIME_MICROSECOND 2
#define ARROW_INTERVAL_MONTH_DAY_NANO 2
#define ARROW_CODEC_ZSTD 1
#define ARROW_CONTINUATION 0xFFFFFFFFu

#define IPC_MIN_COMPRESS 64         /* smaller buffers are sent raw (-1 length) */
#define IPC_MAX_BUFFER (256u << 20) /* largest decompressed buffer accepted */
#define IPC_ZSTD_LEVEL 1

/* ---- FlatBuffers builder ------------------------------------------------------------ */

#define FB_MAX_FIELDS 8

/* A table under construction: its fields before layout. */
typedef struct fb_table {
    int n_fields; /* entries of f used */
    struct {
        uint16_t id;    /* field index in the schema */
        uint8_t size;   /* 1, 2, 4 or 8 bytes */
        bool ref;       /* a uoffset to patch later */
        uint64_t value; /* scalar value */
        size_t slot;    /* after layout: position of the field */
    } f[FB_MAX_FIELDS];
} fb_table;

/* Positions are relative to base, the start of the flatbuffer inside w. */
typedef struct fb_builder {
    dist_wbuf *w; /* output buffer */
    size_t base;  /* offset of the flatbuffer in w */
} fb_builder;

static size_t fb_pos(const fb_builder *b) { return b->w->len - b->base; }

/* Pads with zeros until the position is rem modulo align (the loops stop on oom, when
 * the position no longer moves). */
static void fb_pad_to(fb_builder *b, size_t align, size_t rem) {
    while (!b->w->oom && fb_pos(b) % align != rem)
        dist_put_u8(b->w, 0);
}

static void fb_scalar(fb_table *t, uint16_t id, uint8_t size, uint64_t value) {
    t->f[t->n_fields].id = id;
    t->f[t->n_fields].size = size;
    t->f[t->n_fields].ref = false;
    t->f[t->n_fields].value = value;
    t->n_fields++;
}

static void fb_ref(fb_table *t, uint16_t id) {
    fb_scalar(t, id, 4, 0);
    t->f[t->n_fields - 1].ref = true;
}

#define FB_NO_SLOT SIZE_MAX

static size_t fb_slot(const fb_table *t, uint16_t id) {
    for (int i = 0; i < t->n_fields; i++)
        if (t->f[i].id == id)
            return t->f[i].slot;
    return FB_NO_SLOT;
}

static void fb_put_scalar(dist_wbuf *w, uint64_t v, int size) {
    for (int i = 0; i < size; i++)
        dist_put_u8(w, (uint8_t)(v >> (8 * i)));
}

/* Lays out fields by decreasing size, writes the vtable then the table; returns the
 * table's position.  Slots of ref fields are recorded for fb_patch. */
static size_t fb_end_table(fb_builder *b, fb_table *t) {
    int order[FB_MAX_FIELDS], n = 0;
    uint16_t max_id = 0;
    bool has8 = false;
    for (int size = 8; size >= 1; size /= 2)
        for (int i = 0; i < t->n_fields; i++)
            if (t->f[i].size == size)
                order[n++] = i;
    for (int i = 0; i < t->n_fields; i++) {
        max_id = t->f[i].id > max_id ? t->f[i].id : max_id;
        has8 |= t->f[i].size == 8;
    }
    size_t n_slots = t->n_fields ? (size_t)max_id + 1 : 0;
    size_t vt_size = 4 + 2 * n_slots;
    fb_pad_to(b, 2, 0);
    size_t vt = fb_pos(b);
    size_t table = vt + vt_size;
    while (table % (has8 ? 8 : 4) != (has8 ? 4u : 0u))
        table++;
    uint16_t offs[FB_MAX_FIELDS * 4] = {0};
    size_t cur = table + 4;
    for (int k = 0; k < n; k++) {
        int i = order[k];
        while (cur % t->f[i].size)
            cur++;
        offs[t->f[i].id] = (uint16_t)(cur - table);
        t->f[i].slot = cur;
        cur += t->f[i].size;
    }
    dist_put_u16(b->w, (uint16_t)vt_size);
    dist_put_u16(b->w, (uint16_t)(cur - table));
    for (size_t s = 0; s < n_slots; s++)
        dist_put_u16(b->w, offs[s]);
    while (fb_pos(b) < table && !b->w->oom)
        dist_put_u8(b->w, 0);
    dist_put_u32(b->w, (uint32_t)(table - vt));
    for (int k = 0; k < n; k++) {
        int i = order[k];
        while (fb_pos(b) < t->f[i].slot && !b->w->oom)
            dist_put_u8(b->w, 0);
        fb_put_scalar(b->w, t->f[i].value, t->f[i].size);
    }
    while (fb_pos(b) < cur && !b->w->oom)
        dist_put_u8(b->w, 0);
    return table;
}

/* Points the uoffset at slot to target (which must come later). */
static void fb_patch(fb_builder *b, size_t slot, size_t target) {
    if (b->w->oom || slot == FB_NO_SLOT)
        return;
    dist_store_u32(b->w->data + b->base + slot, (uint32_t)(target - slot));
}

/* Starts a vector of count elements whose data is aligned to `align`; returns the
 * position of its length field (what offsets point to). */
static size_t fb_vector(fb_builder *b, uint32_t count, size_t align) {
    fb_pad_to(b, align < 4 ? 4 : align, (align < 4 ? 4 : align) - 4);
    size_t at = fb_pos(b);
    dist_put_u32(b->w, count);
    return at;
}

static size_t fb_string(fb_builder *b, const char *s) {
    size_t n = strlen(s);
    size_t at = fb_vector(b, (uint32_t)n, 4);
    dist_put_bytes(b->w, s, n);
    dist_put_u8(b->w, 0);
    return at;
}

/* The empty table (Bool, Utf8View, ...). */
static size_t fb_empty_table(fb_builder *b) {
    fb_table t = {0};
    return fb_end_table(b, &t);
}

/* ---- FlatBuffers reader ------------------------------------------------------------- */

typedef struct fb_reader {
    const uint8_t *buf; /* the flatbuffer (borrowed) */
    size_t len;         /* its size */
} fb_reader;

/* A verified table: its position and its vtable's. */
typedef struct fb_tab {
    const fb_reader *r; /* the buffer the table is in */
    size_t pos;         /* table start */
    size_t vt;          /* vtable start */
    uint16_t vt_size;   /* bytes of vtable */
    uint16_t t_size;    /* bytes of table inline data */
} fb_tab;

static bool fb_table_at(const fb_reader *r, size_t pos, fb_tab *t) {
    if (pos % 4 || pos > r->len || r->len - pos < 4)
        return false;
    int32_t soff = (int32_t)dist_load_u32(r->buf + pos);
    int64_t vt = (int64_t)pos - soff;
    if (vt < 0 || vt % 2 || (uint64_t)vt + 4 > r->len)
        return false;
    t->r = r;
    t->pos = pos;
    t->vt = (size_t)vt;
    t->vt_size = (uint16_t)(r->buf[vt] | r->buf[vt + 1] << 8);
    t->t_size = (uint16_t)(r->buf[vt + 2] | r->buf[vt + 3] << 8);
    if (t->vt_size < 4 || t->vt_size % 2 || t->vt + t->vt_size > r->len)
        return false;
    return t->t_size >= 4 && t->pos + t->t_size <= r->len;
}

/* Absolute position of field id (0 if absent); *ok = false if it lies outside. */
static size_t fb_field(const fb_tab *t, uint16_t id, size_t size, bool *ok) {
    size_t e = 4 + 2 * (size_t)id;
    if (e + 2 > t->vt_size)
        return 0;
    const uint8_t *p = t->r->buf + t->vt + e;
    uint16_t off = (uint16_t)(p[0] | p[1] << 8);
    if (off == 0)
        return 0;
    if ((size_t)off + size > t->t_size) {
        *ok = false;
        return 0;
    }
    return t->pos + off;
}

static int64_t fb_int(const fb_tab *t, uint16_t id, size_t size, int64_t def, bool *ok) {
    size_t at = fb_field(t, id, size, ok);
    if (!at)
        return def;
    const uint8_t *p = t->r->buf + at;
    switch (size) {
    case 1: return (int8_t)p[0];
    case 2: return (int16_t)(p[0] | p[1] << 8);
    case 4: return (int32_t)dist_load_u32(p);
    default: return (int64_t)dist_load_u64(p);
    }
}

/* Follows the uoffset in field id; 0 if absent. */
static size_t fb_deref(const fb_tab *t, uint16_t id, bool *ok) {
    size_t at = fb_field(t, id, 4, ok);
    if (!at)
        return 0;
    uint64_t target = (uint64_t)at + dist_load_u32(t->r->buf + at);
    if (target >= t->r->len) {
        *ok = false;
        return 0;
    }
    return (size_t)target;
}

static bool fb_sub_table(const fb_tab *t, uint16_t id, fb_tab *out, bool *present, bool *ok) {
    size_t at = fb_deref(t, id, ok);
    *present = at != 0;
    if (!at)
        return *ok;
    if (!fb_table_at(t->r, at, out))
        *ok = false;
    return *ok;
}

/* A vector in field id: count and data position, checked to fit. */
static bool fb_vec(const fb_tab *t, uint16_t id, size_t elem, size_t *count, size_t *data,
                   bool *ok) {
    size_t at = fb_deref(t, id, ok);
    *count = 0;
    *data = 0;
    if (!at)
        return false;
    if (at % 4 || t->r->len - at < 4) {
        *ok = false;
        return false;
    }
    uint32_t n = dist_load_u32(t->r->buf + at);
    if ((uint64_t)n * elem > t->r->len - at - 4) {
        *ok = false;
        return false;
    }
    *count = n;
    *data = at + 4;
    return true;
}

/* Element i of a vector of uoffsets to tables. */
static bool fb_vec_table(const fb_reader *r, size_t data, size_t i, fb_tab *out) {
    size_t slot = data + 4 * i;
    uint64_t target = (uint64_t)slot + dist_load_u32(r->buf + slot);
    return target < r->len && fb_table_at(r, (size_t)target, out);
}

/* ---- errors ------------------------------------------------------------------------- */

static qe_status ipc_error(rt_error *err, const char *what) {
    return rt_error_set(err, QE_NETWORK, "08P01", -1, "invalid Arrow IPC message: %s", what);
}

static qe_status ipc_oom(rt_error *err) {
    return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory encoding an Arrow IPC message");
}

/* ---- type mapping ------------------------------------------------------------------- */

/* SQL name of a type (qe_type_name lives in the public layer, above this one). */
static const char *type_name(qe_type t) {
    static const char *names[] = {
#define TYPE_NAME_X(name, sql, width) sql,
        QE_TYPE_LIST(TYPE_NAME_X)
#undef TYPE_NAME_X
    };
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* Every value type maps to Arrow: BOOLEAN Bool, SMALLINT/INTEGER/BIGINT Int(16/32/64),
 * HUGEINT Decimal128(38, 0), DECIMAL Decimal128(38, 0) holding the scaled integers (the
 * plan knows the scale), REAL/DOUBLE FloatingPoint, DATE Date(DAY), TIMESTAMP
 * Timestamp(MICROSECOND, no zone), INTERVAL Interval(MONTH_DAY_NANO), VARCHAR
 * Utf8View. */
static bool type_supported(qe_type t) { return t != QE_TYPE_NULL && (unsigned)t < QE_TYPE_COUNT; }

/* The Arrow Type union tag of t. */
static uint8_t arrow_type_id(qe_type t) {
    switch (t) {
    case QE_TYPE_BOOLEAN: return ARROW_TYPE_BOOL;
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE: return ARROW_TYPE_FLOAT;
    case QE_TYPE_VARCHAR: return ARROW_TYPE_UTF8VIEW;
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL: return ARROW_TYPE_DECIMAL;
    case QE_TYPE_DATE: return ARROW_TYPE_DATE;
    case QE_TYPE_TIMESTAMP: return ARROW_TYPE_TIMESTAMP;
    case QE_TYPE_INTERVAL: return ARROW_TYPE_INTERVAL;
    default: return ARROW_TYPE_INT;
    }
}

static qe_status unsupported(rt_error *err, qe_type t) {
    return rt_error_set(err, QE_UNSUPPORTED, "0A000", -1,
                        "type %s is not supported in exchanges yet", type_name(t));
}

/* Writes the Type union value of t; returns its position, *type_id its union tag. */
static size_t put_arrow_type(fb_builder *b, qe_type t, uint8_t *type_id) {
    fb_table tab = {0};
    *type_id = arrow_type_id(t);
    switch (t) {
    case QE_TYPE_SMALLINT:
    case QE_TYPE_INTEGER:
    case QE_TYPE_BIGINT:
        fb_scalar(&tab, 0, 4, t == QE_TYPE_SMALLINT ? 16 : t == QE_TYPE_INTEGER ? 32 : 64);
        fb_scalar(&tab, 1, 1, 1);
        return fb_end_table(b, &tab);
    case QE_TYPE_REAL:
    case QE_TYPE_DOUBLE:
        fb_scalar(&tab, 0, 2, t == QE_TYPE_REAL ? ARROW_PRECISION_SINGLE : ARROW_PRECISION_DOUBLE);
        return fb_end_table(b, &tab);
    case QE_TYPE_HUGEINT:
    case QE_TYPE_DECIMAL:
        fb_scalar(&tab, 0, 4, 38);
        fb_scalar(&tab, 1, 4, 0);
        fb_scalar(&tab, 2, 4, 128);
        return fb_end_table(b, &tab);
    case QE_TYPE_DATE: fb_scalar(&tab, 0, 2, ARROW_DATE_DAY); return fb_end_table(b, &tab);
    case QE_TYPE_TIMESTAMP:
        fb_scalar(&tab, 0, 2, ARROW_TIME_MICROSECOND);
        return fb_end_table(b, &tab);
    case QE_TYPE_INTERVAL:
        fb_scalar(&tab, 0, 2, ARROW_INTERVAL_MONTH_DAY_NANO);
        return fb_end_table(b, &tab);
    default: return fb_empty_table(b);
    }
}

/* The qe_type of an Arrow Field's type, QE_TYPE_NULL if QE does not take it; want
 * (the exchange's type) tells Decimal128(38, 0) HUGEINT from DECIMAL. */
static qe_type get_arrow_type(const fb_tab *field, qe_type want, bool *ok) {
    int64_t tag = fb_int(field, 2, 1, 0, ok);
    fb_tab ty;
    bool present;
    if (!fb_sub_table(field, 3, &ty, &present, ok) || !present)
        return QE_TYPE_NULL;
    if (tag == ARROW_TYPE_BOOL)
        return QE_TYPE_BOOLEAN;
    if (tag == ARROW_TYPE_UTF8VIEW)
        return QE_TYPE_VARCHAR;
    if (tag == ARROW_TYPE_FLOAT) {
        int64_t prec = fb_int(&ty, 0, 2, 0, ok);
        return prec == ARROW_PRECISION_DOUBLE   ? QE_TYPE_DOUBLE
               : prec == ARROW_PRECISION_SINGLE ? QE_TYPE_REAL
                                                : QE_TYPE_NULL;
    }
    if (tag == ARROW_TYPE_INT && fb_int(&ty, 1, 1, 0, ok) == 1) {
        int64_t bits = fb_int(&ty, 0, 4, 0, ok);
        return bits == 16   ? QE_TYPE_SMALLINT
               : bits == 32 ? QE_TYPE_INTEGER
               : bits == 64 ? QE_TYPE_BIGINT
                            : QE_TYPE_NULL;
    }
    if (tag == ARROW_TYPE_DECIMAL && fb_int(&ty, 2, 4, 128, ok) == 128 &&
        fb_int(&ty, 0, 4, 0, ok) == 38 && fb_int(&ty, 1, 4, 0, ok) == 0)
        return want == QE_TYPE_HUGEINT ? QE_TYPE_HUGEINT : QE_TYPE_DECIMAL;
    if (tag == ARROW_TYPE_DATE && fb_int(&ty, 0, 2, 1, ok) == ARROW_DATE_DAY)
        return QE_TYPE_DATE;
    if (tag == ARROW_TYPE_TIMESTAMP && fb_int(&ty, 0, 2, 0, ok) == ARROW_TIME_MICROSECOND &&
        fb_field(&ty, 1, 4, ok) == 0)
        return QE_TYPE_TIMESTAMP;
    if (tag == ARROW_TYPE_INTERVAL && fb_int(&ty, 0, 2, 0, ok) == ARROW_INTERVAL_MONTH_DAY_NANO)
        return QE_TYPE_INTERVAL;
    return QE_TYPE_NULL;
}

/* ---- message envelope --------------------------------------------------------------- */

/* Writes the 8-byte prefix placeholder and the Message table; returns the builder and
 * the slot of Message.header. */
static size_t begin_message(dist_wbuf *out, fb_builder *b, uint8_t header_type, int64_t body_len) {
    dist_put_u32(out, ARROW_CONTINUATION);
    dist_put_u32(out, 0);
    b->w = out;
    b->base = out->len;
    dist_put_u32(out, 0); /* root uoffset */
    fb_table msg = {0};
    fb_scalar(&msg, 0, 2, ARROW_V5);
    fb_scalar(&msg, 1, 1, header_type);
    fb_ref(&msg, 2);
    fb_scalar(&msg, 3, 8, (uint64_t)body_len);
    size_t at = fb_end_table(b, &msg);
    fb_patch(b, 0, at);
    return fb_slot(&msg, 2);
}

/* Pads the metadata to 8 bytes and fills in its size. */
static void end_metadata(fb_builder *b) {
    fb_pad_to(b, 8, 0);
    if (!b->w->oom)
        dist_store_u32(b->w->data + b->base - 4, (uint32_t)fb_pos(b));
}

/* ---- Schema ------------------------------------------------------------------------- */

static size_t put_field(fb_builder *b, uint32_t i, qe_type t) {
    fb_table f = {0};
    uint8_t type_id = arrow_type_id(t);
    fb_ref(&f, 0);
    fb_scalar(&f, 1, 1, 1);
    fb_scalar(&f, 2, 1, type_id);
    fb_ref(&f, 3);
    fb_ref(&f, 5);
    size_t at = fb_end_table(b, &f);
    char name[16];
    snprintf(name, sizeof name, "c%u", i);
    fb_patch(b, fb_slot(&f, 0), fb_string(b, name));
    fb_patch(b, fb_slot(&f, 3), put_arrow_type(b, t, &type_id));
    fb_patch(b, fb_slot(&f, 5), fb_vector(b, 0, 4));
    return at;
}

qe_status dist_ipc_encode_schema(uint32_t n_cols, const qe_type *types, dist_wbuf *out,
                                 rt_error *err) {
    for (uint32_t i = 0; i < n_cols; i++)
        if (!type_supported(types[i]))
            return unsupported(err, types[i]);
    fb_builder b;
    size_t header_slot = begin_message(out, &b, DIST_IPC_SCHEMA, 0);
    fb_table schema = {0};
    fb_ref(&schema, 1);
    size_t at = fb_end_table(&b, &schema);
    fb_patch(&b, header_slot, at);
    size_t vec = fb_vector(&b, n_cols, 4);
    fb_patch(&b, fb_slot(&schema, 1), vec);
    size_t slots = fb_pos(&b);
    for (uint32_t i = 0; i < n_cols; i++)
        dist_put_u32(out, 0);
    for (uint32_t i = 0; i < n_cols; i++)
        fb_patch(&b, slots + 4 * i, put_field(&b, i, types[i]));
    end_metadata(&b);
    return out->oom ? ipc_oom(err) : QE_OK;
}

/* ---- RecordBatch encoding ----------------------------------------------------------- */

/* The body being built and the Buffer entries describing it. */
typedef struct body_builder {
    dist_wbuf body;       /* concatenated (maybe compressed) buffers */
    uint64_t *meta;       /* 2 per buffer: offset, length */
    uint32_t n_buffers;   /* entries of meta used */
    uint32_t cap_buffers; /* entries of meta allocated */
    ZSTD_CCtx *cctx;      /* NULL: no compression */
} body_builder;

static bool body_add(body_builder *bb, const void *data, size_t len) {
    if (bb->n_buffers == bb->cap_buffers) {
        uint32_t cap = bb->cap_buffers ? bb->cap_buffers * 2 : 16;
        uint64_t *m = realloc(bb->meta, cap * 2 * sizeof *m);
        if (!m)
            return false;
        bb->meta = m;
        bb->cap_buffers = cap;
    }
    while (!bb->body.oom && bb->body.len % 8)
        dist_put_u8(&bb->body, 0);
    size_t start = bb->body.len;
    if (len > 0 && !bb->cctx) {
        dist_put_bytes(&bb->body, data, len);
    } else if (len > 0) {
        size_t bound = ZSTD_compressBound(len);
        uint8_t *dst = dist_wbuf_grow(&bb->body, 8 + bound);
        size_t c = dst && len >= IPC_MIN_COMPRESS
                       ? ZSTD_compressCCtx(bb->cctx, dst + 8, bound, data, len, IPC_ZSTD_LEVEL)
                       : 0;
        if (dst && !ZSTD_isError(c) && c > 0 && c < len) {
            dist_store_u64(dst, (uint64_t)len);
            bb->body.len = start + 8 + c;
        } else if (dst) {
            bb->body.len = start;
            dist_put_u64(&bb->body, UINT64_MAX); /* -1: not compressed */
            dist_put_bytes(&bb->body, data, len);
        }
    }
    bb->meta[2 * bb->n_buffers] = start;
    bb->meta[2 * bb->n_buffers + 1] = bb->body.len - start;
    bb->n_buffers++;
    return !bb->body.oom;
}

/* Validity bitmap of rows [start, start+n) and its null count (bitmap NULL if none). */
static uint8_t *slice_validity(const rt_vector *v, uint32_t start, uint32_t n,
                               int64_t *null_count) {
    *null_count = 0;
    if (!v->validity)
        return NULL;
    for (uint32_t r = 0; r < n; r++)
        *null_count += !rt_vector_is_valid(v, start + r);
    if (*null_count == 0)
        return NULL;
    uint8_t *bits = calloc((n + 7) / 8, 1);
    if (!bits)
        return NULL;
    for (uint32_t r = 0; r < n; r++)
        if (rt_vector_is_valid(v, start + r))
            bits[r >> 3] |= (uint8_t)(1u << (r & 7));
    return bits;
}

/* Views and one data buffer for rows [start, start+n) of a VARCHAR vector. */
static bool encode_views(const rt_vector *v, uint32_t start, uint32_t n, body_builder *bb,
                         uint32_t *n_variadic) {
    rt_string *views = calloc(n ? n : 1, sizeof *views);
    dist_wbuf data;
    dist_wbuf_init(&data);
    const rt_string *src = v->values;
    for (uint32_t r = 0; r < n && views; r++) {
        const rt_string *s = &src[start + r];
        if (!rt_vector_is_valid(v, start + r))
            continue;
        views[r].len = s->len;
        if (s->len <= 12) {
            memcpy(views[r].u.inlined, s->u.inlined, s->len);
            continue;
        }
        const char *p = rt_string_ptr(v, s);
        if (data.len + s->len > INT32_MAX) {
            data.oom = true;
            break;
        }
        memcpy(views[r].u.ref.prefix, p, 4);
        views[r].u.ref.buffer_index = 0;
        views[r].u.ref.offset = (uint32_t)data.len;
        dist_put_bytes(&data, p, s->len);
    }
    bool ok = views && !data.oom && body_add(bb, views, (size_t)n * sizeof *views);
    *n_variadic = data.len > 0 ? 1 : 0;
    if (ok && data.len > 0)
        ok = body_add(bb, data.data, data.len);
    free(views);
    dist_wbuf_free(&data);
    return ok;
}

/* Values buffer of a fixed-width column (BOOLEAN bit-packed). */
static bool encode_values(const rt_vector *v, uint32_t start, uint32_t n, body_builder *bb) {
    if (v->type == QE_TYPE_INTERVAL) { /* MONTH_DAY_NANO: microseconds * 1000 (saturated) */
        rt_interval *iv = malloc((size_t)(n ? n : 1) * sizeof *iv);
        if (!iv)
            return false;
        memcpy(iv, (const rt_interval *)v->values + start, (size_t)n * sizeof *iv);
        for (uint32_t r = 0; r < n; r++) {
            int64_t us = iv[r].micros;
            if (__builtin_mul_overflow(us, 1000, &iv[r].micros))
                iv[r].micros = us < 0 ? INT64_MIN : INT64_MAX;
        }
        bool ok = body_add(bb, iv, (size_t)n * sizeof *iv);
        free(iv);
        return ok;
    }
    if (v->type != QE_TYPE_BOOLEAN) {
        uint32_t w = rt_type_width(v->type);
        return body_add(bb, (const uint8_t *)v->values + (size_t)start * w, (size_t)n * w);
    }
    uint8_t *bits = calloc((n + 7) / 8 + 1, 1);
    if (!bits)
        return false;
    const uint8_t *vals = v->values;
    for (uint32_t r = 0; r < n; r++)
        if (vals[start + r])
            bits[r >> 3] |= (uint8_t)(1u << (r & 7));
    bool ok = body_add(bb, bits, (n + 7) / 8);
    free(bits);
    return ok;
}

/* Encodes every column; nodes gets (length, null_count) per column. */
static bool encode_columns(const rt_batch *batch, uint32_t start, uint32_t n, body_builder *bb,
                           int64_t *nodes, int64_t *variadic, uint32_t *n_variadic_cols) {
    *n_variadic_cols = 0;
    for (uint32_t c = 0; c < batch->n_cols; c++) {
        const rt_vector *v = &batch->cols[c];
        int64_t nulls;
        uint8_t *bits = slice_validity(v, start, n, &nulls);
        if (nulls > 0 && !bits)
            return false;
        nodes[2 * c] = n;
        nodes[2 * c + 1] = nulls;
        bool ok = body_add(bb, bits, bits ? (n + 7) / 8 : 0);
        free(bits);
        if (ok && v->type == QE_TYPE_VARCHAR) {
            uint32_t nv;
            ok = encode_views(v, start, n, bb, &nv);
            variadic[(*n_variadic_cols)++] = nv;
        } else if (ok) {
            ok = encode_values(v, start, n, bb);
        }
        if (!ok)
            return false;
    }
    return true;
}

/* Vector of n 16-byte structs given as int64 pairs. */
static size_t put_struct_vector(fb_builder *b, const int64_t *pairs, uint32_t n) {
    size_t at = fb_vector(b, n, 8);
    for (uint32_t i = 0; i < 2 * n; i++)
        dist_put_u64(b->w, (uint64_t)pairs[i]);
    return at;
}

static void put_batch_metadata(dist_wbuf *out, const body_builder *bb, uint32_t n_rows,
                               uint32_t n_cols, const int64_t *nodes, const int64_t *variadic,
                               uint32_t n_variadic_cols) {
    fb_builder b;
    size_t header_slot = begin_message(out, &b, DIST_IPC_RECORD_BATCH, (int64_t)bb->body.len);
    fb_table rb = {0};
    fb_scalar(&rb, 0, 8, n_rows);
    fb_ref(&rb, 1);
    fb_ref(&rb, 2);
    if (bb->cctx)
        fb_ref(&rb, 3);
    if (n_variadic_cols)
        fb_ref(&rb, 4);
    size_t at = fb_end_table(&b, &rb);
    fb_patch(&b, header_slot, at);
    fb_patch(&b, fb_slot(&rb, 1), put_struct_vector(&b, nodes, n_cols));
    fb_patch(&b, fb_slot(&rb, 2), put_struct_vector(&b, (const int64_t *)bb->meta, bb->n_buffers));
    if (bb->cctx) {
        fb_table comp = {0};
        fb_scalar(&comp, 0, 1, ARROW_CODEC_ZSTD);
        fb_scalar(&comp, 1, 1, 0);
        fb_patch(&b, fb_slot(&rb, 3), fb_end_table(&b, &comp));
    }
    if (n_variadic_cols) {
        size_t vec = fb_vector(&b, n_variadic_cols, 8);
        for (uint32_t i = 0; i < n_variadic_cols; i++)
            dist_put_u64(out, (uint64_t)variadic[i]);
        fb_patch(&b, fb_slot(&rb, 4), vec);
    }
    end_metadata(&b);
}

qe_status dist_ipc_encode_batch(const rt_batch *batch, uint32_t row_start, uint32_t n_rows,
                                ZSTD_CCtx *cctx, dist_wbuf *out, rt_error *err) {
    if (batch->sel || row_start % 8 || row_start > batch->n_rows ||
        n_rows > batch->n_rows - row_start)
        return rt_error_set(err, QE_INTERNAL, "XX000", -1,
                            "cannot encode rows %u..%u of a batch of %u rows", row_start,
                            row_start + n_rows, batch->n_rows);
    for (uint32_t c = 0; c < batch->n_cols; c++)
        if (!type_supported(batch->cols[c].type))
            return unsupported(err, batch->cols[c].type);
    body_builder bb = {.cctx = cctx};
    dist_wbuf_init(&bb.body);
    uint32_t nc = batch->n_cols ? batch->n_cols : 1;
    int64_t *nodes = calloc(2 * (size_t)nc, sizeof *nodes);
    int64_t *variadic = calloc(nc, sizeof *variadic);
    uint32_t n_var = 0;
    bool ok =
        nodes && variadic && encode_columns(batch, row_start, n_rows, &bb, nodes, variadic, &n_var);
    while (ok && !bb.body.oom && bb.body.len % 8)
        dist_put_u8(&bb.body, 0);
    if (ok) {
        put_batch_metadata(out, &bb, n_rows, batch->n_cols, nodes, variadic, n_var);
        dist_put_bytes(out, bb.body.data, bb.body.len);
    }
    free(nodes);
    free(variadic);
    free(bb.meta);
    dist_wbuf_free(&bb.body);
    return ok && !out->oom ? QE_OK : ipc_oom(err);
}

/* ---- decoding: envelope ------------------------------------------------------------- */

/* A verified message: its Message table, header table and body. */
typedef struct ipc_msg {
    fb_reader fb;        /* the flatbuffer */
    fb_tab message;      /* the root Message table */
    fb_tab header;       /* its header (Schema or RecordBatch) */
    int64_t header_type; /* MessageHeader union tag */
    const uint8_t *body; /* borrowed */
    uint64_t body_len;   /* bytes of body */
} ipc_msg;

static qe_status open_message(const uint8_t *buf, size_t len, ipc_msg *m, rt_error *err) {
    if (len < 8 || dist_load_u32(buf) != ARROW_CONTINUATION)
        return ipc_error(err, "missing continuation marker");
    uint32_t meta = dist_load_u32(buf + 4);
    if (meta > len - 8 || meta < 8)
        return ipc_error(err, "metadata size out of range");
    m->fb.buf = buf + 8;
    m->fb.len = meta;
    bool ok = true, present;
    uint32_t root = dist_load_u32(m->fb.buf);
    if (!fb_table_at(&m->fb, root, &m->message))
        return ipc_error(err, "bad Message table");
    int64_t version = fb_int(&m->message, 0, 2, 0, &ok);
    m->header_type = fb_int(&m->message, 1, 1, 0, &ok);
    int64_t body_len = fb_int(&m->message, 3, 8, 0, &ok);
    if (!fb_sub_table(&m->message, 2, &m->header, &present, &ok) || !ok || !present)
        return ipc_error(err, "bad message header");
    if (version != ARROW_V4 && version != ARROW_V5)
        return ipc_error(err, "unsupported metadata version");
    if (body_len < 0 || (uint64_t)body_len > len - 8 - meta)
        return ipc_error(err, "body length out of range");
    m->body = buf + 8 + meta;
    m->body_len = (uint64_t)body_len;
    return QE_OK;
}

qe_status dist_ipc_peek_kind(const uint8_t *buf, size_t len, dist_ipc_kind *kind, rt_error *err) {
    ipc_msg m;
    qe_status st = open_message(buf, len, &m, err);
    if (st != QE_OK)
        return st;
    if (m.header_type != DIST_IPC_SCHEMA && m.header_type != DIST_IPC_RECORD_BATCH)
        return ipc_error(err, "unsupported message type");
    *kind = (dist_ipc_kind)m.header_type;
    return QE_OK;
}

/* ---- decoding: Schema --------------------------------------------------------------- */

static qe_status check_field(const fb_reader *fb, size_t data, uint32_t i, qe_type want,
                             rt_error *err) {
    fb_tab field;
    bool ok = true;
    size_t n_children, at;
    if (!fb_vec_table(fb, data, i, &field))
        return ipc_error(err, "bad Field table");
    qe_type t = get_arrow_type(&field, want, &ok);
    fb_vec(&field, 5, 4, &n_children, &at, &ok);
    if (!ok || fb_field(&field, 4, 4, &ok) != 0 || n_children != 0)
        return ipc_error(err, "bad Field table");
    if (t != want)
        return rt_error_set(err, QE_NETWORK, "08P01", -1,
                            "Arrow IPC schema does not match the exchange: column %u is not %s", i,
                            type_name(want));
    return QE_OK;
}

qe_status dist_ipc_check_schema(const uint8_t *buf, size_t len, uint32_t n_cols,
                                const qe_type *types, rt_error *err) {
    ipc_msg m;
    qe_status st = open_message(buf, len, &m, err);
    if (st != QE_OK)
        return st;
    if (m.header_type != DIST_IPC_SCHEMA)
        return ipc_error(err, "expected a Schema message");
    bool ok = true;
    size_t n_fields = 0, data = 0;
    if (fb_int(&m.header, 0, 2, 0, &ok) != 0)
        return ipc_error(err, "big-endian data is not supported");
    fb_vec(&m.header, 1, 4, &n_fields, &data, &ok);
    if (!ok)
        return ipc_error(err, "bad Schema fields");
    if (n_fields != n_cols)
        return rt_error_set(err, QE_NETWORK, "08P01", -1,
                            "Arrow IPC schema has %zu columns, the exchange carries %u", n_fields,
                            n_cols);
    for (uint32_t i = 0; i < n_cols; i++)
        if ((st = check_field(&m.fb, data, i, types[i], err)) != QE_OK)
            return st;
    return QE_OK;
}

/* ---- decoding: RecordBatch ---------------------------------------------------------- */

/* The verified RecordBatch metadata. */
typedef struct batch_meta {
    int64_t n_rows;              /* rows of the batch */
    size_t n_nodes, nodes;       /* FieldNode vector */
    size_t n_buffers, buffers;   /* Buffer vector */
    size_t n_variadic, variadic; /* variadicBufferCounts vector */
    bool compressed;             /* the message declares BodyCompression */
    uint32_t next_buffer;        /* cursor while decoding columns */
    uint32_t next_variadic;      /* cursor into variadicBufferCounts */
} batch_meta;

static qe_status read_batch_meta(const ipc_msg *m, batch_meta *bm, rt_error *err) {
    bool ok = true, present;
    fb_tab comp;
    memset(bm, 0, sizeof *bm);
    bm->n_rows = fb_int(&m->header, 0, 8, 0, &ok);
    fb_vec(&m->header, 1, 16, &bm->n_nodes, &bm->nodes, &ok);
    fb_vec(&m->header, 2, 16, &bm->n_buffers, &bm->buffers, &ok);
    fb_sub_table(&m->header, 3, &comp, &present, &ok);
    fb_vec(&m->header, 4, 8, &bm->n_variadic, &bm->variadic, &ok);
    if (!ok)
        return ipc_error(err, "bad RecordBatch table");
    if (bm->n_rows < 0 || bm->n_rows > RT_VECTOR_SIZE)
        return ipc_error(err, "row count out of range");
    if (present) {
        if (fb_int(&comp, 0, 1, 0, &ok) != ARROW_CODEC_ZSTD || fb_int(&comp, 1, 1, 0, &ok) != 0 ||
            !ok)
            return ipc_error(err, "unsupported body compression");
        bm->compressed = true;
    }
    return QE_OK;
}

/* A decoded buffer: bytes in the message (raw) or in the arena (decompressed). */
typedef struct ipc_buf {
    const uint8_t *p; /* first byte (borrowed or in the arena) */
    uint64_t len;     /* bytes */
} ipc_buf;

static qe_status decompress(const uint8_t *src, uint64_t len, ZSTD_DCtx *dctx, rt_arena *arena,
                            ipc_buf *out, rt_error *err) {
    if (len < 8)
        return ipc_error(err, "compressed buffer too short");
    int64_t ulen = (int64_t)dist_load_u64(src);
    if (ulen == -1) {
        out->p = src + 8;
        out->len = len - 8;
        return QE_OK;
    }
    if (ulen < 0 || ulen > IPC_MAX_BUFFER)
        return ipc_error(err, "uncompressed buffer length out of range");
    uint8_t *dst = rt_arena_alloc(arena, ulen ? (size_t)ulen : 1);
    if (!dst)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory decoding exchange data");
    size_t got = ZSTD_decompressDCtx(dctx, dst, (size_t)ulen, src + 8, (size_t)(len - 8));
    if (ZSTD_isError(got) || got != (size_t)ulen)
        return ipc_error(err, "corrupt zstd buffer");
    out->p = dst;
    out->len = (uint64_t)ulen;
    return QE_OK;
}

static qe_status next_buffer(const ipc_msg *m, batch_meta *bm, ZSTD_DCtx *dctx, rt_arena *arena,
                             ipc_buf *out, rt_error *err) {
    if (bm->next_buffer >= bm->n_buffers)
        return ipc_error(err, "too few buffers");
    const uint8_t *e = m->fb.buf + bm->buffers + 16 * (size_t)bm->next_buffer++;
    int64_t off = (int64_t)dist_load_u64(e), len = (int64_t)dist_load_u64(e + 8);
    if (off < 0 || len < 0 || (uint64_t)off > m->body_len || (uint64_t)len > m->body_len - off)
        return ipc_error(err, "buffer outside the message body");
    out->p = m->body + off;
    out->len = (uint64_t)len;
    if (!bm->compressed || len == 0)
        return QE_OK;
    return decompress(m->body + off, (uint64_t)len, dctx, arena, out, err);
}

static qe_status decode_validity(rt_vector *v, const ipc_buf *b, int64_t null_count,
                                 uint32_t n_rows, uint32_t cap, rt_arena *arena, rt_error *err) {
    if (null_count == 0)
        return QE_OK;
    if (b->len < (n_rows + 7) / 8)
        return ipc_error(err, "validity buffer too short");
    size_t bytes = ((size_t)cap + 63) / 64 * 8;
    v->validity = rt_arena_calloc(arena, bytes);
    if (!v->validity)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory decoding exchange data");
    memcpy(v->validity, b->p, (n_rows + 7) / 8);
    if (n_rows % 8)
        v->validity[n_rows / 8] &= (uint8_t)((1u << (n_rows % 8)) - 1);
    return QE_OK;
}

static qe_status decode_fixed(rt_vector *v, const ipc_buf *b, uint32_t n_rows, rt_error *err) {
    if (v->type == QE_TYPE_BOOLEAN) {
        if (b->len < (n_rows + 7) / 8)
            return ipc_error(err, "values buffer too short");
        uint8_t *vals = v->values;
        for (uint32_t r = 0; r < n_rows; r++)
            vals[r] = (b->p[r >> 3] >> (r & 7)) & 1;
        return QE_OK;
    }
    size_t need = (size_t)n_rows * rt_type_width(v->type);
    if (b->len < need)
        return ipc_error(err, "values buffer too short");
    if (need)
        memcpy(v->values, b->p, need);
    if (v->type == QE_TYPE_INTERVAL) /* nanoseconds -> microseconds */
        for (uint32_t r = 0; r < n_rows; r++)
            ((rt_interval *)v->values)[r].micros /= 1000;
    return QE_OK;
}

/* Checks every view against the data buffers and normalizes inline padding and
 * prefixes (QE compares views bytewise). */
static qe_status check_views(rt_vector *v, uint32_t n_rows, const ipc_buf *data, uint32_t n_data,
                             rt_error *err) {
    rt_string *views = v->values;
    for (uint32_t r = 0; r < n_rows; r++) {
        rt_string *s = &views[r];
        if (!rt_vector_is_valid(v, r)) {
            memset(s, 0, sizeof *s);
        } else if (s->len <= 12) {
            memset(s->u.inlined + s->len, 0, 12 - s->len);
        } else {
            uint32_t bi = s->u.ref.buffer_index;
            if (s->len > INT32_MAX || bi >= n_data ||
                (uint64_t)s->u.ref.offset + s->len > data[bi].len)
                return ipc_error(err, "string view outside its data buffer");
            memcpy(s->u.ref.prefix, data[bi].p + s->u.ref.offset, 4);
        }
    }
    return QE_OK;
}

static qe_status decode_varchar(const ipc_msg *m, batch_meta *bm, rt_vector *v,
                                const ipc_buf *views, uint32_t n_rows, ZSTD_DCtx *dctx,
                                rt_arena *arena, rt_error *err) {
    if (bm->next_variadic >= bm->n_variadic)
        return ipc_error(err, "missing variadic buffer count");
    int64_t n_data = (int64_t)dist_load_u64(m->fb.buf + bm->variadic + 8 * bm->next_variadic++);
    if (n_data < 0 || (uint64_t)n_data > bm->n_buffers - bm->next_buffer)
        return ipc_error(err, "variadic buffer count out of range");
    qe_status st = decode_fixed(v, views, n_rows, err);
    ipc_buf *data = n_data ? rt_arena_alloc(arena, (size_t)n_data * sizeof *data) : NULL;
    v->buffers = n_data ? rt_arena_alloc(arena, (size_t)n_data * sizeof(char *)) : NULL;
    if (n_data && (!data || !v->buffers))
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory decoding exchange data");
    for (int64_t i = 0; i < n_data && st == QE_OK; i++) {
        st = next_buffer(m, bm, dctx, arena, &data[i], err);
        /* Raw bytes live in the message, which the caller frees: copy them. */
        if (st == QE_OK && data[i].p >= m->body && data[i].p <= m->body + m->body_len) {
            char *copy = rt_arena_alloc(arena, data[i].len ? data[i].len : 1);
            if (!copy)
                return rt_error_set(err, QE_NOMEM, "53200", -1,
                                    "out of memory decoding exchange data");
            memcpy(copy, data[i].p, data[i].len);
            data[i].p = (const uint8_t *)copy;
        }
        if (st == QE_OK)
            v->buffers[i] = (const char *)data[i].p;
    }
    v->n_buffers = v->buffers_cap = (uint32_t)n_data;
    v->heap_tail = NULL;
    v->heap_left = 0;
    return st == QE_OK ? check_views(v, n_rows, data, (uint32_t)n_data, err) : st;
}

static qe_status decode_column(const ipc_msg *m, batch_meta *bm, uint32_t c, rt_batch *b,
                               ZSTD_DCtx *dctx, rt_arena *arena, rt_error *err) {
    const uint8_t *node = m->fb.buf + bm->nodes + 16 * (size_t)c;
    int64_t length = (int64_t)dist_load_u64(node), nulls = (int64_t)dist_load_u64(node + 8);
    if (length != bm->n_rows || nulls < 0 || nulls > length)
        return ipc_error(err, "field node does not match the batch");
    rt_vector *v = &b->cols[c];
    ipc_buf validity, values;
    qe_status st = next_buffer(m, bm, dctx, arena, &validity, err);
    if (st == QE_OK)
        st = decode_validity(v, &validity, nulls, b->n_rows, b->capacity, arena, err);
    if (st == QE_OK)
        st = next_buffer(m, bm, dctx, arena, &values, err);
    if (st != QE_OK)
        return st;
    if (v->type == QE_TYPE_VARCHAR)
        return decode_varchar(m, bm, v, &values, b->n_rows, dctx, arena, err);
    return decode_fixed(v, &values, b->n_rows, err);
}

static qe_status decode_batch(const ipc_msg *m, uint32_t n_cols, const qe_type *types,
                              ZSTD_DCtx *dctx, rt_arena *arena, rt_batch **out, rt_error *err) {
    batch_meta bm;
    qe_status st = read_batch_meta(m, &bm, err);
    if (st != QE_OK)
        return st;
    if (bm.n_nodes != n_cols)
        return ipc_error(err, "field count does not match the exchange");
    uint32_t n_var_cols = 0;
    for (uint32_t c = 0; c < n_cols; c++)
        n_var_cols += types[c] == QE_TYPE_VARCHAR;
    if (bm.n_variadic != n_var_cols)
        return ipc_error(err, "variadic buffer counts do not match the schema");
    uint32_t cap = bm.n_rows > 0 ? (uint32_t)bm.n_rows : 1;
    rt_batch *b = rt_batch_create(arena, n_cols, types, cap);
    if (!b)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory decoding exchange data");
    b->n_rows = (uint32_t)bm.n_rows;
    for (uint32_t c = 0; c < n_cols && st == QE_OK; c++)
        st = decode_column(m, &bm, c, b, dctx, arena, err);
    if (st == QE_OK && bm.next_buffer != bm.n_buffers)
        st = ipc_error(err, "too many buffers");
    if (st == QE_OK)
        *out = b;
    return st;
}

qe_status dist_ipc_decode_batch(const uint8_t *buf, size_t len, uint32_t n_cols,
                                const qe_type *types, ZSTD_DCtx *dctx, rt_arena *arena,
                                rt_batch **out, rt_error *err) {
    *out = NULL;
    for (uint32_t c = 0; c < n_cols; c++)
        if (!type_supported(types[c]))
            return unsupported(err, types[c]);
    ipc_msg m;
    qe_status st = open_message(buf, len, &m, err);
    if (st != QE_OK)
        return st;
    if (m.header_type != DIST_IPC_RECORD_BATCH)
        return ipc_error(err, "expected a RecordBatch message");
    ZSTD_DCtx *own = dctx ? NULL : ZSTD_createDCtx();
    if (!dctx && !own)
        return rt_error_set(err, QE_NOMEM, "53200", -1, "out of memory decoding exchange data");
    st = decode_batch(&m, n_cols, types, dctx ? dctx : own, arena, out, err);
    ZSTD_freeDCtx(own);
    return st;
}
