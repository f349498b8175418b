/* dory runtime: the host port (POSIX threads), for running and checking generated networks on a
 * workstation. Implements runtime/include/dory/port.h.
 *
 * Build: -std=gnu99 -pthread (the core id uses GNU `__thread`; under -std=c11 it uses
 * _Thread_local instead, and the file also builds there); see runtime/port/README.md.
 *
 * Cluster: dory_port_init starts DORY_NUM_CORES worker threads, one per core, that live until
 *   dory_port_close. dory_cluster_fork hands fn/arg to all of them and blocks the calling thread
 *   (the "controller") until every core has returned; the controller itself is not a core.
 *   dory_cluster_fork_start / dory_cluster_join are its two halves: the controller really runs
 *   on while the workers do (so the layer executor's overlapped L3 staging runs concurrently here
 *   too, under the sanitizers).
 *   dory_core_id reads a thread-local id: worker k has id k; the controller (outside any task)
 *   gets 0. dory_barrier is a reusable mutex + condvar barrier with a generation counter over
 *   all DORY_NUM_CORES cores; calling it outside a task aborts. Nested forks abort.
 *
 * Memories: L1, L2 and L3 are heap arenas of exactly the budgets given to dory_port_init (so
 *   AddressSanitizer also reports any access past a budget). In DORY_DEBUG builds they are filled
 *   with 0xA5 at init so code reading memory it never wrote sees garbage, not zeros.
 *
 * DMA (L2 <-> L1): asynchronous semantics are kept honest by deferring the copy: dory_dma_3d only
 *   records the transfer in a job slot (DORY_HOST_DMA_SLOTS of them, default 32) and sets
 *   job->id; the bytes move when dory_dma_wait(job) is called, which frees the slot and sets
 *   job->id = -1. Jobs must be issued and waited by one core at a time (usually core 0, the
 *   contract's "issued by one core"); the job table is protected by a mutex anyway.
 *   Errors that always abort: more than DORY_HOST_DMA_SLOTS jobs outstanding, bad direction.
 *   In DORY_DEBUG builds the following also abort with a message:
 *     - an L1 or L2 range (the whole 3-D pattern, i.e. every row) outside its arena;
 *     - issuing on a job struct whose previous transfer was never waited;
 *     - waiting on a job that is not outstanding (waited twice, or never issued);
 *     - the source of a transfer changed between issue and wait (the real DMA may read it at
 *       any time), or its destination written by someone else in that window (checked with a
 *       hash of all rows taken at issue and compared at wait);
 *     - jobs never waited when dory_port_close runs (release builds only print a warning).
 *
 * L3: an arena; l3 addresses are byte offsets into it. dory_l3_read / dory_l3_write are blocking
 *   copies and always bounds-checked (abort with a message). In DORY_DEBUG builds the L2 side
 *   must also lie in the L2 arena.
 *
 * Perf counter: nanoseconds of CLOCK_MONOTONIC; dory_perf_unit() == "ns".
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* posix_memalign, clock_gettime under -std=c11 too */
#endif

#include "dory/port.h"
#include "dory_host_debug.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef DORY_HOST_DMA_SLOTS
#define DORY_HOST_DMA_SLOTS 32
#endif

#define ARENA_ALIGN 64

/* ---- errors ------------------------------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("dory host port: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

static void lock(pthread_mutex_t *m)
{
    if (pthread_mutex_lock(m) != 0) die("pthread_mutex_lock failed");
}

static void unlock(pthread_mutex_t *m)
{
    if (pthread_mutex_unlock(m) != 0) die("pthread_mutex_unlock failed");
}

/* ---- state ------------------------------------------------------------------------------- */

typedef struct {
    uint8_t *base;
    size_t size;
    const char *name;
} arena_t;

static int g_up;
static arena_t g_l1 = {NULL, 0, "L1"}, g_l2 = {NULL, 0, "L2"}, g_l3 = {NULL, 0, "L3"};

/* cluster */
static pthread_t g_workers[DORY_NUM_CORES];
static int g_nworkers;
static pthread_mutex_t g_fork_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_fork_cv = PTHREAD_COND_INITIALIZER; /* workers wait for a task */
static pthread_cond_t g_join_cv = PTHREAD_COND_INITIALIZER; /* controller waits for the join */
static uint64_t g_fork_gen;
static int g_running; /* cores still in the current task */
static int g_shutdown;
static dory_task_fn g_task_fn;
static void *g_task_arg;

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define DORY_TLS _Thread_local
#else
#define DORY_TLS __thread
#endif
static DORY_TLS int t_core_id = 0;
static DORY_TLS int t_in_task = 0;

/* barrier */
static pthread_mutex_t g_bar_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_bar_cv = PTHREAD_COND_INITIALIZER;
static int g_bar_count;
static uint64_t g_bar_gen;

/* DMA */
typedef struct {
    int busy;
    const dory_dma_job_t *owner;
    dory_port_xfer_t t; /* the transfer */
#ifdef DORY_DEBUG
    uint64_t src_hash, dst_hash;
    uint64_t serial;
#endif
} dma_slot_t;

static pthread_mutex_t g_dma_mu = PTHREAD_MUTEX_INITIALIZER;
static dma_slot_t g_dma[DORY_HOST_DMA_SLOTS];
#ifdef DORY_DEBUG
static uint64_t g_dma_serial;
#endif

/* ---- arenas ------------------------------------------------------------------------------ */

static int arena_make(arena_t *a, size_t bytes)
{
    void *p = NULL;
    /* exactly `bytes` (at least one, so the base is a real pointer even for an empty budget) */
    if (posix_memalign(&p, ARENA_ALIGN, bytes ? bytes : 1) != 0) return -1;
    a->base = (uint8_t *)p;
    a->size = bytes;
#ifdef DORY_DEBUG
    memset(a->base, 0xA5, bytes ? bytes : 1);
#else
    memset(a->base, 0, bytes ? bytes : 1);
#endif
    return 0;
}

static void arena_free(arena_t *a)
{
    free(a->base);
    a->base = NULL;
    a->size = 0;
}

#ifdef DORY_DEBUG
/* Is [p, p + span) inside arena a? */
static int in_arena(const arena_t *a, const void *p, size_t span)
{
    uintptr_t lo = (uintptr_t)a->base, x = (uintptr_t)p;
    if (a->base == NULL || x < lo) return 0;
    if (x - lo > a->size) return 0;
    return span <= a->size - (x - lo);
}

static void check_range(const arena_t *a, const void *p, size_t bytes, const char *what)
{
    if (!g_up) die("%s: %s range checked before dory_port_init", what ? what : "?", a->name);
    if (!in_arena(a, p, bytes))
        die("%s: %s range [%p, %p) (%zu bytes) is outside the %s arena [%p, %p) (%zu bytes)",
            what ? what : "?", a->name, p, (const void *)((uintptr_t)p + bytes), bytes, a->name,
            (void *)a->base, (void *)(a->base + a->size), a->size);
}

void dory_debug_check_l1_labeled(const void *ptr, size_t bytes, const char *what)
{
    check_range(&g_l1, ptr, bytes, what);
}

void dory_debug_check_l2_labeled(const void *ptr, size_t bytes, const char *what)
{
    check_range(&g_l2, ptr, bytes, what);
}
#endif

/* ---- cluster ----------------------------------------------------------------------------- */

static void *worker_main(void *p)
{
    int id = (int)(intptr_t)p;
    uint64_t seen = 0;
    t_core_id = id;
    for (;;) {
        dory_task_fn fn;
        void *arg;
        lock(&g_fork_mu);
        while (!g_shutdown && g_fork_gen == seen)
            pthread_cond_wait(&g_fork_cv, &g_fork_mu);
        if (g_shutdown) {
            unlock(&g_fork_mu);
            return NULL;
        }
        seen = g_fork_gen;
        fn = g_task_fn;
        arg = g_task_arg;
        unlock(&g_fork_mu);

        t_in_task = 1;
        fn(arg);
        t_in_task = 0;

        lock(&g_fork_mu);
        if (--g_running == 0) pthread_cond_signal(&g_join_cv);
        unlock(&g_fork_mu);
    }
}

static void stop_workers(void)
{
    int i;
    lock(&g_fork_mu);
    g_shutdown = 1;
    pthread_cond_broadcast(&g_fork_cv);
    unlock(&g_fork_mu);
    for (i = 0; i < g_nworkers; i++) pthread_join(g_workers[i], NULL);
    g_nworkers = 0;
}

void dory_cluster_fork_start(dory_task_fn fn, void *arg)
{
    if (!g_up) die("dory_cluster_fork called before dory_port_init");
    if (fn == NULL) die("dory_cluster_fork: NULL task");
    if (t_in_task) die("dory_cluster_fork called from inside a forked task (core %d): nested forks are not supported", t_core_id);
    lock(&g_fork_mu);
    if (g_running != 0 || g_task_fn != NULL)
        die("dory_cluster_fork: a fork is already running (forks from several controller threads, or a start without its join)");
    g_task_fn = fn;
    g_task_arg = arg;
    g_running = DORY_NUM_CORES;
    g_fork_gen++;
    pthread_cond_broadcast(&g_fork_cv);
    unlock(&g_fork_mu);
}

void dory_cluster_join(void)
{
    lock(&g_fork_mu);
    if (g_task_fn == NULL) die("dory_cluster_join without a dory_cluster_fork_start");
    while (g_running != 0) pthread_cond_wait(&g_join_cv, &g_fork_mu);
    g_task_fn = NULL;
    g_task_arg = NULL;
    unlock(&g_fork_mu);
}

int dory_cluster_done(void)
{
    int done;
    lock(&g_fork_mu);
    if (g_task_fn == NULL) die("dory_cluster_done without a dory_cluster_fork_start");
    done = g_running == 0;
    unlock(&g_fork_mu);
    return done;
}

void dory_cluster_fork(dory_task_fn fn, void *arg)
{
    dory_cluster_fork_start(fn, arg);
    dory_cluster_join();
}

int dory_core_id(void)
{
    return t_core_id;
}

uint32_t dory_core_cycles(void)
{
    return 0; /* no per-core cycle counter here: core 0 takes an even kernel share */
}

void dory_barrier(void)
{
    uint64_t gen;
    if (!t_in_task) die("dory_barrier called outside a forked task");
    lock(&g_bar_mu);
    gen = g_bar_gen;
    if (++g_bar_count == DORY_NUM_CORES) {
        g_bar_count = 0;
        g_bar_gen++;
        pthread_cond_broadcast(&g_bar_cv);
    } else {
        while (gen == g_bar_gen) pthread_cond_wait(&g_bar_cv, &g_bar_mu);
    }
    unlock(&g_bar_mu);
}

/* ---- lifecycle --------------------------------------------------------------------------- */

int dory_port_init(size_t l1_bytes, size_t l2_bytes, size_t l3_bytes)
{
    int i;
    if (g_up) {
        fprintf(stderr, "dory host port: dory_port_init called twice without dory_port_close\n");
        return -1;
    }
    if (arena_make(&g_l1, l1_bytes) || arena_make(&g_l2, l2_bytes) || arena_make(&g_l3, l3_bytes)) {
        fprintf(stderr, "dory host port: cannot allocate arenas (L1 %zu, L2 %zu, L3 %zu bytes)\n",
                l1_bytes, l2_bytes, l3_bytes);
        arena_free(&g_l1);
        arena_free(&g_l2);
        arena_free(&g_l3);
        return -1;
    }
    memset(g_dma, 0, sizeof g_dma);
    g_shutdown = 0;
    g_running = 0;
    g_fork_gen = 0;
    g_bar_count = 0;
    g_nworkers = 0;
    for (i = 0; i < DORY_NUM_CORES; i++) {
        if (pthread_create(&g_workers[i], NULL, worker_main, (void *)(intptr_t)i) != 0) {
            fprintf(stderr, "dory host port: cannot start worker thread %d\n", i);
            stop_workers();
            arena_free(&g_l1);
            arena_free(&g_l2);
            arena_free(&g_l3);
            return -1;
        }
        g_nworkers++;
    }
    g_up = 1;
    return 0;
}

void dory_port_close(void)
{
    int i, pending = 0;
    if (!g_up) return;
    lock(&g_dma_mu);
    for (i = 0; i < DORY_HOST_DMA_SLOTS; i++) {
        if (!g_dma[i].busy) continue;
        pending++;
        fprintf(stderr,
                "dory host port: %s: DMA job (slot %d, %s, l1 %p, l2 %p, %zu x %zu x %zu bytes) "
                "was issued but never waited\n",
#ifdef DORY_DEBUG
                "error",
#else
                "warning",
#endif
                i, g_dma[i].t.dir == DORY_DMA_L2_TO_L1 ? "L2->L1" : "L1->L2", (void *)g_dma[i].t.l1,
                (void *)g_dma[i].t.l2, g_dma[i].t.n2, g_dma[i].t.n1, g_dma[i].t.len);
        g_dma[i].busy = 0;
    }
    unlock(&g_dma_mu);
#ifdef DORY_DEBUG
    if (pending) die("dory_port_close: %d DMA job(s) never waited", pending);
#endif
    stop_workers();
    arena_free(&g_l1);
    arena_free(&g_l2);
    arena_free(&g_l3);
    g_up = 0;
}

uint8_t *dory_l1_base(void)
{
    return g_l1.base;
}

uint8_t *dory_l2_base(void)
{
    return g_l2.base;
}

uint8_t *dory_l3_base(void)
{
    return g_l3.base;
}

/* ---- DMA --------------------------------------------------------------------------------- */

static const char *dir_name(int dir)
{
    return dir == DORY_DMA_L2_TO_L1 ? "L2->L1" : "L1->L2";
}

#ifdef DORY_DEBUG
/* Bytes from the first row's start to the last row's end, or 0 with *ovf set on overflow. */
static size_t pattern_span(size_t len, size_t n1, size_t s1, size_t n2, size_t s2, int *ovf)
{
    size_t a, b, span;
    *ovf = 0;
    if (len == 0 || n1 == 0 || n2 == 0) return 0;
    if (__builtin_mul_overflow(n2 - 1, s2, &a) || __builtin_mul_overflow(n1 - 1, s1, &b) ||
        __builtin_add_overflow(a, b, &span) || __builtin_add_overflow(span, len, &span)) {
        *ovf = 1;
        return 0;
    }
    return span;
}

static void check_dma_side(const arena_t *a, const char *side, const dma_slot_t *s, int slot,
                           const uint8_t *p, size_t s1, size_t s2)
{
    int ovf;
    size_t span = pattern_span(s->t.len, s->t.n1, s1, s->t.n2, s2, &ovf);
    if (ovf)
        die("DMA %s (job slot %d): %s address pattern overflows (len %zu, n1 %zu stride %zu, n2 %zu stride %zu)",
            dir_name(s->t.dir), slot, side, s->t.len, s->t.n1, s1, s->t.n2, s2);
    if (span == 0) return;
    if (!in_arena(a, p, span)) {
        /* name the first row outside the arena (strides are non-negative, so the last row
         * reaches furthest; the first bad row is what a reader wants to see) */
        size_t i2, i1;
        for (i2 = 0; i2 < s->t.n2; i2++)
            for (i1 = 0; i1 < s->t.n1; i1++) {
                const uint8_t *row = p + i2 * s2 + i1 * s1;
                if (!in_arena(a, row, s->t.len))
                    die("DMA %s (job slot %d): %s row (i2=%zu, i1=%zu) [%p, %p) is outside the %s arena "
                        "[%p, %p) (%zu bytes); transfer: %s=%p len %zu, n1 %zu stride %zu, n2 %zu stride %zu",
                        dir_name(s->t.dir), slot, side, i2, i1, (const void *)row,
                        (const void *)(row + s->t.len), a->name, (void *)a->base,
                        (void *)(a->base + a->size), a->size, side, (const void *)p, s->t.len, s->t.n1, s1,
                        s->t.n2, s2);
            }
        die("DMA %s (job slot %d): %s range [%p, +%zu) outside the %s arena", dir_name(s->t.dir), slot, side,
            (const void *)p, span, a->name);
    }
}

/* FNV-1a over every row of one side of the pattern. */
static uint64_t hash_side(const dma_slot_t *s, const uint8_t *p, size_t s1, size_t s2)
{
    uint64_t h = 1469598103934665603ull;
    size_t i2, i1, k;
    for (i2 = 0; i2 < s->t.n2; i2++)
        for (i1 = 0; i1 < s->t.n1; i1++) {
            const uint8_t *row = p + i2 * s2 + i1 * s1;
            for (k = 0; k < s->t.len; k++) {
                h ^= row[k];
                h *= 1099511628211ull;
            }
        }
    return h;
}

static uint64_t hash_src(const dma_slot_t *s)
{
    return s->t.dir == DORY_DMA_L2_TO_L1 ? hash_side(s, s->t.l2, s->t.l2_s1, s->t.l2_s2)
                                         : hash_side(s, s->t.l1, s->t.l1_s1, s->t.l1_s2);
}

static uint64_t hash_dst(const dma_slot_t *s)
{
    return s->t.dir == DORY_DMA_L2_TO_L1 ? hash_side(s, s->t.l1, s->t.l1_s1, s->t.l1_s2)
                                         : hash_side(s, s->t.l2, s->t.l2_s1, s->t.l2_s2);
}
#endif

void dory_dma_3d(dory_dma_job_t *job, int dir, void *l1, void *l2, size_t len, size_t n1, size_t l1_s1,
                 size_t l2_s1, size_t n2, size_t l1_s2, size_t l2_s2)
{
    int i, slot = -1;
    dma_slot_t *s;
    if (job == NULL) die("dory_dma_3d: NULL job");
    if (dir != DORY_DMA_L2_TO_L1 && dir != DORY_DMA_L1_TO_L2) die("dory_dma_3d: bad direction %d", dir);
    if (!g_up) die("dory_dma_3d called before dory_port_init");
    lock(&g_dma_mu);
#ifdef DORY_DEBUG
    /* The job struct still owns an outstanding transfer: it was never waited. */
    if (job->id >= 0 && job->id < DORY_HOST_DMA_SLOTS && g_dma[job->id].busy && g_dma[job->id].owner == job)
        die("DMA %s issued on job %p (slot %d) whose previous transfer (%s, l1 %p, l2 %p) was never waited",
            dir_name(dir), (void *)job, job->id, dir_name(g_dma[job->id].t.dir), (void *)g_dma[job->id].t.l1,
            (void *)g_dma[job->id].t.l2);
#endif
    for (i = 0; i < DORY_HOST_DMA_SLOTS; i++)
        if (!g_dma[i].busy) {
            slot = i;
            break;
        }
    if (slot < 0) die("DMA %s: more than %d jobs outstanding (wait some first)", dir_name(dir), DORY_HOST_DMA_SLOTS);
    s = &g_dma[slot];
    s->owner = job;
    {
        dory_port_xfer_t t = {dir, (uint8_t *)l1, (uint8_t *)l2, len, n1, l1_s1, l2_s1, n2, l1_s2, l2_s2};
        s->t = t;
    }
#ifdef DORY_DEBUG
    check_dma_side(&g_l1, "L1", s, slot, s->t.l1, l1_s1, l1_s2);
    check_dma_side(&g_l2, "L2", s, slot, s->t.l2, l2_s1, l2_s2);
    s->src_hash = hash_src(s);
    s->dst_hash = hash_dst(s);
    s->serial = ++g_dma_serial;
#endif
    s->busy = 1;
    job->id = slot;
    unlock(&g_dma_mu);
}

void dory_dma_wait(dory_dma_job_t *job)
{
    dma_slot_t *s;
    if (job == NULL) die("dory_dma_wait: NULL job");
    lock(&g_dma_mu);
    if (job->id < 0 || job->id >= DORY_HOST_DMA_SLOTS || !g_dma[job->id].busy || g_dma[job->id].owner != job) {
#ifdef DORY_DEBUG
        die("dory_dma_wait on job %p (id %d) that has no outstanding transfer (waited twice, or never issued)",
            (void *)job, (int)job->id);
#else
        unlock(&g_dma_mu); /* nothing in flight: nothing to wait for */
        return;
#endif
    }
    s = &g_dma[job->id];
#ifdef DORY_DEBUG
    if (hash_src(s) != s->src_hash)
        die("DMA %s (job slot %d, issue #%llu): the source (%s %p) was modified between issue and wait",
            dir_name(s->t.dir), (int)job->id, (unsigned long long)s->serial,
            s->t.dir == DORY_DMA_L2_TO_L1 ? "L2" : "L1", (void *)(s->t.dir == DORY_DMA_L2_TO_L1 ? s->t.l2 : s->t.l1));
    if (hash_dst(s) != s->dst_hash)
        die("DMA %s (job slot %d, issue #%llu): the destination (%s %p) was written between issue and wait",
            dir_name(s->t.dir), (int)job->id, (unsigned long long)s->serial,
            s->t.dir == DORY_DMA_L2_TO_L1 ? "L1" : "L2", (void *)(s->t.dir == DORY_DMA_L2_TO_L1 ? s->t.l1 : s->t.l2));
#endif
    dory_port_copy_3d(&s->t);
    s->busy = 0;
    s->owner = NULL;
    job->id = -1;
    unlock(&g_dma_mu);
}

/* ---- L3 ---------------------------------------------------------------------------------- */

static void check_l3(const char *what, uint32_t l3_addr, size_t bytes)
{
    if (!g_up) die("%s called before dory_port_init", what);
    if ((uint64_t)l3_addr > (uint64_t)g_l3.size || (uint64_t)bytes > (uint64_t)g_l3.size - l3_addr)
        die("%s: L3 range [%u, %llu) (%zu bytes) is outside the L3 arena [0, %zu)", what, (unsigned)l3_addr,
            (unsigned long long)l3_addr + (unsigned long long)bytes, bytes, g_l3.size);
}

void dory_l3_read(void *l2_dst, uint32_t l3_addr, size_t bytes)
{
    check_l3("dory_l3_read", l3_addr, bytes);
    if (bytes == 0) return;
#ifdef DORY_DEBUG
    check_range(&g_l2, l2_dst, bytes, "dory_l3_read (L2 destination)");
#endif
    memcpy(l2_dst, g_l3.base + l3_addr, bytes);
}

void dory_l3_write(uint32_t l3_addr, const void *l2_src, size_t bytes)
{
    check_l3("dory_l3_write", l3_addr, bytes);
    if (bytes == 0) return;
#ifdef DORY_DEBUG
    check_range(&g_l2, l2_src, bytes, "dory_l3_write (L2 source)");
#endif
    memcpy(g_l3.base + l3_addr, l2_src, bytes);
}

void dory_l3_load(uint32_t l3_addr, const void *src, size_t bytes)
{
    check_l3("dory_l3_load", l3_addr, bytes);
    if (bytes)
        memcpy(g_l3.base + l3_addr, src, bytes);
}

void dory_l3_store(void *dst, uint32_t l3_addr, size_t bytes)
{
    check_l3("dory_l3_store", l3_addr, bytes);
    if (bytes)
        memcpy(dst, g_l3.base + l3_addr, bytes);
}

/* ---- perf -------------------------------------------------------------------------------- */

uint64_t dory_perf_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *dory_perf_unit(void)
{
    return "ns";
}
