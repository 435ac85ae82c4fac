/*
 * mem.c -- the allocation hook, per-query memory accounting and arenas.
 *
 * Every byte the engine allocates for a query goes through rt_malloc, which charges
 * the query's rt_mem_tracker first and fails (NULL) when the charge would pass the
 * limit: an out-of-memory condition fails the query, never the process.  Arenas are
 * chains of blocks (doubling sizes up to a cap; large requests get their own block)
 * that are freed all at once.  A process-wide debug counter makes the Nth allocation
 * fail, for out-of-memory sweeps in tests.
 *
 * With glibc, the first arena raises malloc's mmap threshold (to its 32 MiB maximum)
 * and its trim threshold: arena blocks and hash tables then come from the heap and
 * freed memory is reused by the next query instead of being returned to the system
 * and faulted in (zeroed) again, which cost a fifth of the time of join-heavy queries.
 *
 * Big blocks (BIG_MIN bytes and more: the hash tables' slot and bucket arrays, sort
 * references, large arena blocks) bypass malloc: they are mapped in whole huge pages
 * (2 MiB aligned, MADV_HUGEPAGE: a random access into a 64 MiB table misses the TLB far
 * less), and a freed one is kept (up to BIG_CACHE_SLOTS blocks, BIG_CACHE_BYTES in all)
 * for the next request of the same size, so a query that builds a big table again
 * does not fault its pages in (zeroed by the kernel) again: past the 32 MiB threshold
 * malloc maps and unmaps every time, which cost TPC-H Q18 a fifth of its time.  The
 * live big blocks are registered (BIG_LIVE_SLOTS), so rt_free recognizes them by
 * address, whatever size its caller passes.  Under AddressSanitizer nothing changes
 * (malloc's redzones stay).
 */
#include "rt_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define BIG_BLOCKS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIG_BLOCKS 0
#endif
#endif
#ifndef BIG_BLOCKS
#define BIG_BLOCKS 1
#endif

#define ARENA_ALIGN 16
#define ARENA_FIRST_BLOCK 4096
#define ARENA_MAX_BLOCK                                                                            \
    (8u << 20) /* = BIG_MIN: an arena that grows that far (a hash                                  \
                  table's rows, a build side's columns) continues                                  \
                  in big blocks, huge pages kept across queries;                                   \
                  with 1 MiB blocks the 22 TPC-H queries at SF1                                    \
                  took 3-5% longer (geomean, both modes) */

/* Allocations left before one fails; < 0: never fail (debug hook). */
static _Atomic int64_t fail_countdown = -1;

void rt_mem_debug_fail_after(int64_t n) { atomic_store(&fail_countdown, n); }

/* True if the debug hook says this allocation must fail. */
static bool debug_fail(void) {
    if (atomic_load_explicit(&fail_countdown, memory_order_relaxed) < 0)
        return false;
    return atomic_fetch_sub(&fail_countdown, 1) == 0;
}

bool rt_mem_charge(rt_mem_tracker *t, int64_t n) {
    if (t == NULL || n <= 0)
        return true;
    int64_t used = atomic_fetch_add(&t->used, n) + n;
    if (t->limit > 0 && used > t->limit) {
        atomic_fetch_sub(&t->used, n);
        return false;
    }
    int64_t peak = atomic_load(&t->peak);
    while (used > peak && !atomic_compare_exchange_weak(&t->peak, &peak, used)) {
    }
    return true;
}

void rt_mem_release(rt_mem_tracker *t, int64_t n) {
    if (t != NULL && n > 0)
        atomic_fetch_sub(&t->used, n);
}

/* ---- big blocks (see the file comment) ---------------------------------------------- */

#define BIG_MIN ((size_t)8 << 20)         /* requests from here on are big blocks */
#define BIG_PAGE ((size_t)2 << 20)        /* their sizes round up to whole huge pages */
#define BIG_LIVE_SLOTS 256                /* big blocks in use at once (then: malloc) */
#define BIG_CACHE_SLOTS 16                /* freed big blocks kept for reuse, at most */
#define BIG_CACHE_BYTES ((size_t)1 << 30) /* ... and their bytes, at most */

typedef struct big_block {
    void *p;
    size_t size; /* mapped bytes, a multiple of BIG_PAGE */
} big_block;

static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER; /* guards the fields below */
static big_block big_live[BIG_LIVE_SLOTS];                   /* in use: [0, big_n_live) */
static _Atomic uint32_t big_n_live;
static big_block big_cache[BIG_CACHE_SLOTS]; /* freed, kept mapped */
static uint32_t big_n_cache;
static size_t big_cache_bytes;

/* A new mapping of size bytes (a multiple of BIG_PAGE) at a BIG_PAGE boundary, or NULL. */
static void *big_map(size_t size) {
    char *raw =
        mmap(NULL, size + BIG_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    size_t lead = (BIG_PAGE - (uintptr_t)raw % BIG_PAGE) % BIG_PAGE;
    if (lead > 0)
        munmap(raw, lead);
    if (BIG_PAGE - lead > 0)
        munmap(raw + lead + size, BIG_PAGE - lead);
#ifdef MADV_HUGEPAGE
    madvise(raw + lead, size, MADV_HUGEPAGE);
#endif
    return raw + lead;
}

/* A big block of at least n bytes (a cached one of the same size, or a new mapping),
 * registered as live; NULL when none can be had (the caller uses malloc then). */
static void *big_alloc(size_t n) {
    size_t size = (n + BIG_PAGE - 1) / BIG_PAGE * BIG_PAGE;
    void *p = NULL;
    pthread_mutex_lock(&big_lock);
    uint32_t slot = atomic_load_explicit(&big_n_live, memory_order_relaxed);
    for (uint32_t i = 0; slot < BIG_LIVE_SLOTS && i < big_n_cache; i++)
        if (big_cache[i].size == size) {
            p = big_cache[i].p;
            big_cache_bytes -= size;
            big_cache[i] = big_cache[--big_n_cache];
            break;
        }
    if (slot < BIG_LIVE_SLOTS && p == NULL)
        p = big_map(size);
    if (p != NULL) {
        big_live[slot] = (big_block){p, size};
        atomic_fetch_add(&big_n_live, 1);
    }
    pthread_mutex_unlock(&big_lock);
    return p;
}

/* The index of p in big_live, or -1 (big_lock held). */
static int64_t big_index(const void *p) {
    uint32_t n = atomic_load_explicit(&big_n_live, memory_order_relaxed);
    for (uint32_t i = 0; i < n; i++)
        if (big_live[i].p == p)
            return i;
    return -1;
}

/* If p is a live big block: its mapped size in *size, unregistered; else false. */
static bool big_take(const void *p, size_t *size) {
    if (atomic_load_explicit(&big_n_live, memory_order_relaxed) == 0)
        return false;
    pthread_mutex_lock(&big_lock);
    int64_t i = big_index(p);
    if (i >= 0) {
        uint32_t n = atomic_load_explicit(&big_n_live, memory_order_relaxed);
        *size = big_live[i].size;
        big_live[i] = big_live[n - 1];
        atomic_store(&big_n_live, n - 1);
    }
    pthread_mutex_unlock(&big_lock);
    return i >= 0;
}

/* Whether p is a live big block. */
static bool big_is_live(const void *p) {
    if (atomic_load_explicit(&big_n_live, memory_order_relaxed) == 0)
        return false;
    pthread_mutex_lock(&big_lock);
    bool live = big_index(p) >= 0;
    pthread_mutex_unlock(&big_lock);
    return live;
}

/* Keeps an unregistered big block for reuse, or unmaps it when the cache is full (the
 * oldest cached block goes first when a newer one would fit without it). */
static void big_release(void *p, size_t size) {
    pthread_mutex_lock(&big_lock);
    while (big_n_cache > 0 &&
           (big_n_cache == BIG_CACHE_SLOTS || big_cache_bytes + size > BIG_CACHE_BYTES) &&
           size <= BIG_CACHE_BYTES) {
        munmap(big_cache[0].p, big_cache[0].size);
        big_cache_bytes -= big_cache[0].size;
        memmove(big_cache, big_cache + 1, sizeof *big_cache * --big_n_cache);
    }
    bool kept = size <= BIG_CACHE_BYTES;
    if (kept) {
        big_cache[big_n_cache++] = (big_block){p, size};
        big_cache_bytes += size;
    }
    pthread_mutex_unlock(&big_lock);
    if (!kept)
        munmap(p, size);
}

/* n bytes from a big block (n >= BIG_MIN) or malloc. */
static void *mem_alloc(size_t n) {
    void *p = BIG_BLOCKS && n >= BIG_MIN ? big_alloc(n) : NULL;
    return p != NULL ? p : malloc(n);
}

/* Frees what mem_alloc returned. */
static void mem_free(void *p) {
    size_t size;
    if (BIG_BLOCKS && big_take(p, &size))
        big_release(p, size);
    else
        free(p);
}

void *rt_malloc(rt_mem_tracker *t, size_t n) {
    if (n == 0)
        n = 1;
    if (debug_fail() || !rt_mem_charge(t, (int64_t)n))
        return NULL;
    void *p = mem_alloc(n);
    if (p == NULL)
        rt_mem_release(t, (int64_t)n);
    return p;
}

void *rt_realloc(rt_mem_tracker *t, void *p, size_t old_n, size_t new_n) {
    if (new_n == 0)
        new_n = 1;
    if (p == NULL)
        old_n = 0;
    int64_t delta = (int64_t)new_n - (int64_t)old_n;
    if (debug_fail() || !rt_mem_charge(t, delta))
        return NULL;
    void *q;
    if (!BIG_BLOCKS || (new_n < BIG_MIN && (p == NULL || !big_is_live(p)))) {
        q = realloc(p, new_n);
    } else { /* to or from a big block: a new block and a copy (p stays on failure) */
        q = mem_alloc(new_n);
        if (q != NULL && p != NULL) {
            memcpy(q, p, old_n < new_n ? old_n : new_n);
            mem_free(p);
        }
    }
    if (q == NULL)
        rt_mem_release(t, delta);
    else if (delta < 0)
        rt_mem_release(t, -delta);
    return q;
}

size_t rt_mem_cached(void) {
    pthread_mutex_lock(&big_lock);
    size_t n = big_cache_bytes;
    pthread_mutex_unlock(&big_lock);
    return n;
}

void rt_free(rt_mem_tracker *t, void *p, size_t n) {
    if (p == NULL)
        return;
    mem_free(p);
    rt_mem_release(t, (int64_t)(n == 0 ? 1 : n));
}

/* ---- arenas ---------------------------------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next; /* older block */
    size_t size;              /* bytes of data after the header */
    size_t used;              /* bytes of data handed out */
    _Alignas(ARENA_ALIGN) unsigned char data[];
} arena_block;

struct rt_arena {
    rt_mem_tracker *tracker; /* charged for every block; may be NULL */
    arena_block *head;       /* block being filled (newest) */
    arena_block *first;      /* the block kept by rt_arena_reset */
    size_t total;            /* bytes allocated from the system, headers included */
    size_t next_size;        /* data size of the next regular block */
};

static arena_block *block_new(rt_arena *a, size_t size) {
    arena_block *b = rt_malloc(a->tracker, sizeof(arena_block) + size);
    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    a->total += sizeof(arena_block) + size;
    return b;
}

static void block_free(rt_arena *a, arena_block *b) {
    a->total -= sizeof(arena_block) + b->size;
    rt_free(a->tracker, b, sizeof(arena_block) + b->size);
}

/* Keeps freed memory in the process (see the file comment). */
static void tune_malloc(void) {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

rt_arena *rt_arena_create(rt_mem_tracker *tracker) {
    static pthread_once_t malloc_once = PTHREAD_ONCE_INIT;
    pthread_once(&malloc_once, tune_malloc);
    rt_arena *a = rt_malloc(tracker, sizeof *a);
    if (a == NULL)
        return NULL;
    a->tracker = tracker;
    a->total = 0;
    a->next_size = ARENA_FIRST_BLOCK * 2;
    a->first = block_new(a, ARENA_FIRST_BLOCK);
    if (a->first == NULL) {
        rt_free(tracker, a, sizeof *a);
        return NULL;
    }
    a->head = a->first;
    return a;
}

void rt_arena_destroy(rt_arena *arena) {
    if (arena == NULL)
        return;
    arena_block *b = arena->head;
    while (b != NULL) {
        arena_block *next = b->next;
        block_free(arena, b);
        b = next;
    }
    rt_free(arena->tracker, arena, sizeof *arena);
}

void rt_arena_reset(rt_arena *arena) {
    if (arena == NULL)
        return;
    arena_block *b = arena->head;
    while (b != NULL) {
        arena_block *next = b->next;
        if (b != arena->first)
            block_free(arena, b);
        b = next;
    }
    arena->head = arena->first;
    arena->first->next = NULL;
    arena->first->used = 0;
    arena->next_size = ARENA_FIRST_BLOCK * 2;
}

void *rt_arena_alloc(rt_arena *arena, size_t n) {
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n)
        return NULL; /* overflow */
    if (need == 0)
        need = ARENA_ALIGN;
    arena_block *h = arena->head;
    if (h->size - h->used >= need) {
        void *p = h->data + h->used;
        h->used += need;
        return p;
    }
    if (need > arena->next_size / 2) {
        /* A large request gets its own block behind the head, which stays current. */
        arena_block *big = block_new(arena, need);
        if (big == NULL)
            return NULL;
        big->used = need;
        big->next = h->next;
        h->next = big;
        return big->data;
    }
    /* header and data fill a power of two: an 8 MiB block is 4 whole huge pages */
    arena_block *b = block_new(arena, arena->next_size - sizeof(arena_block));
    if (b == NULL)
        return NULL;
    if (arena->next_size < ARENA_MAX_BLOCK)
        arena->next_size *= 2;
    b->next = h;
    arena->head = b;
    b->used = need;
    return b->data;
}

void *rt_arena_calloc(rt_arena *arena, size_t n) {
    void *p = rt_arena_alloc(arena, n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

void *rt_arena_calloc_aligned(rt_arena *arena, size_t n, size_t align) {
    arena_block *h = arena->head;
    size_t pad = (size_t)(-(uintptr_t)(h->data + h->used)) & (align - 1);
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need >= n && h->size - h->used >= pad + need) {
        h->used += pad;
        return rt_arena_calloc(arena, n);
    }
    unsigned char *p = rt_arena_calloc(arena, n + align - ARENA_ALIGN);
    return p ? p + ((size_t)(-(uintptr_t)p) & (align - 1)) : NULL;
}

char *rt_arena_strndup(rt_arena *arena, const char *s, size_t n) {
    char *p = rt_arena_alloc(arena, n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *rt_arena_strdup(rt_arena *arena, const char *s) {
    return rt_arena_strndup(arena, s, strlen(s));
}

size_t rt_arena_size(const rt_arena *arena) { return arena ? arena->total : 0; }
