/* Tests of a dory runtime port (runtime/include/dory/port.h), built by tests/test_c_port.py
 * against the host port, and (with -DPORT_TEST_PMSIS_MOCK) against the PMSIS port linked with a
 * host mock of PMSIS (tests/c/port_pmsis_mock.c), where the barrier test, the checks that read
 * L3 through dory_l3_base() and the wall-clock perf check are skipped.
 *
 *   port_test            run every functional test; prints "ALL OK" and exits 0 on success
 *   port_test <case>     run one misuse case that the port must reject by aborting with a
 *                        message (see `cases` below); exits 0 only if the port did NOT abort
 */
#include "dory/port.h"
#ifdef PORT_TEST_PMSIS_MOCK
#define dory_debug_check_l1(p, n) ((void)(p), (void)(n))
#define dory_debug_check_l2(p, n) ((void)(p), (void)(n))
#else
#include "dory_host_debug.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define L1_SIZE 4096u
#define L2_SIZE 16384u
#define L3_SIZE 8192u

static int g_failures;

#define CHECK(cond)                                                                             \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);            \
            g_failures++;                                                                       \
        }                                                                                       \
    } while (0)

/* xorshift, deterministic */
static uint32_t g_rng = 2463534242u;
static uint32_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 17;
    g_rng ^= g_rng << 5;
    return g_rng;
}

static void fill_random(uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) p[i] = (uint8_t)rnd();
}

/* ---- fork / core id ---------------------------------------------------------------------- */

typedef struct {
    int hits[DORY_NUM_CORES];
    int bad_id;
} fork_arg_t;

static void fork_task(void *p)
{
    fork_arg_t *a = (fork_arg_t *)p;
    int id = dory_core_id();
    if (id < 0 || id >= DORY_NUM_CORES) {
        __atomic_fetch_add(&a->bad_id, 1, __ATOMIC_RELAXED);
        return;
    }
    __atomic_fetch_add(&a->hits[id], 1, __ATOMIC_RELAXED);
}

static void test_fork(void)
{
    int it, c;
    CHECK(dory_core_id() == 0); /* the controller, outside any task */
    for (it = 0; it < 200; it++) {
        fork_arg_t a;
        memset(&a, 0, sizeof a);
        dory_cluster_fork(fork_task, &a);
        /* the fork has joined: every core ran exactly once */
        CHECK(a.bad_id == 0);
        for (c = 0; c < DORY_NUM_CORES; c++) CHECK(a.hits[c] == 1);
    }
}

/* ---- barrier ----------------------------------------------------------------------------- */

#define PHASES 500

typedef struct {
    int counter;                /* atomically incremented once per core per phase */
    int slot[DORY_NUM_CORES];   /* plain stores, published by the barrier */
    int errors;
} bar_arg_t;

static void barrier_task(void *p)
{
    bar_arg_t *a = (bar_arg_t *)p;
    int id = dory_core_id(), ph, k;
    for (ph = 0; ph < PHASES; ph++) {
        __atomic_fetch_add(&a->counter, 1, __ATOMIC_RELAXED);
        a->slot[id] = ph;
        dory_barrier();
        /* every core has done its phase-ph work, none has started phase ph+1 */
        if (__atomic_load_n(&a->counter, __ATOMIC_RELAXED) != DORY_NUM_CORES * (ph + 1))
            __atomic_fetch_add(&a->errors, 1, __ATOMIC_RELAXED);
        for (k = 0; k < DORY_NUM_CORES; k++)
            if (a->slot[k] != ph) __atomic_fetch_add(&a->errors, 1, __ATOMIC_RELAXED);
        dory_barrier();
    }
}

static void __attribute__((unused)) test_barrier(void)
{
    bar_arg_t a;
    int rep;
    for (rep = 0; rep < 3; rep++) {
        memset(&a, 0, sizeof a);
        dory_cluster_fork(barrier_task, &a);
        CHECK(a.errors == 0);
        CHECK(a.counter == DORY_NUM_CORES * PHASES);
    }
}

/* ---- DMA --------------------------------------------------------------------------------- */

typedef struct {
    int dir;
    size_t l1_off, l2_off, len, n1, l1_s1, l2_s1, n2, l1_s2, l2_s2;
} xfer_t;

static size_t span_of(size_t len, size_t n1, size_t s1, size_t n2, size_t s2)
{
    if (len == 0 || n1 == 0 || n2 == 0) return 0;
    return (n2 - 1) * s2 + (n1 - 1) * s1 + len;
}

/* expected arenas after applying x to copies l1 / l2 */
static void apply_ref(const xfer_t *x, uint8_t *l1, uint8_t *l2)
{
    size_t i2, i1, k;
    for (i2 = 0; i2 < x->n2; i2++)
        for (i1 = 0; i1 < x->n1; i1++)
            for (k = 0; k < x->len; k++) {
                uint8_t *a = l1 + x->l1_off + i2 * x->l1_s2 + i1 * x->l1_s1 + k;
                uint8_t *b = l2 + x->l2_off + i2 * x->l2_s2 + i1 * x->l2_s1 + k;
                if (x->dir == DORY_DMA_L2_TO_L1)
                    *a = *b;
                else
                    *b = *a;
            }
}

/* A random transfer of the given dimensionality that fits both arenas and whose destination rows
 * do not overlap one another (so the result is well defined). */
static xfer_t random_xfer(int dims, int dir)
{
    xfer_t x;
    for (;;) {
        memset(&x, 0, sizeof x);
        x.dir = dir;
        x.len = 1 + rnd() % 48;
        x.n1 = dims >= 2 ? 1 + rnd() % 6 : 1;
        x.n2 = dims >= 3 ? 1 + rnd() % 5 : 1;
        /* row strides >= len on both sides (no overlapping rows); plane strides >= a full plane */
        x.l1_s1 = dims >= 2 ? x.len + rnd() % 24 : 0;
        x.l2_s1 = dims >= 2 ? x.len + rnd() % 64 : 0;
        x.l1_s2 = dims >= 3 ? (x.n1 - 1) * x.l1_s1 + x.len + rnd() % 32 : 0;
        x.l2_s2 = dims >= 3 ? (x.n1 - 1) * x.l2_s1 + x.len + rnd() % 128 : 0;
        if (dims >= 2 && rnd() % 4 == 0) x.l1_s1 = x.len; /* contiguous L1 rows (the common tile case) */
        {
            size_t s1 = span_of(x.len, x.n1, x.l1_s1, x.n2, x.l1_s2);
            size_t s2 = span_of(x.len, x.n1, x.l2_s1, x.n2, x.l2_s2);
            if (s1 > L1_SIZE || s2 > L2_SIZE) continue;
            x.l1_off = rnd() % (L1_SIZE - s1 + 1);
            x.l2_off = rnd() % (L2_SIZE - s2 + 1);
        }
        return x;
    }
}

static void issue(dory_dma_job_t *job, const xfer_t *x)
{
    dory_dma_3d(job, x->dir, dory_l1_base() + x->l1_off, dory_l2_base() + x->l2_off, x->len, x->n1, x->l1_s1,
                x->l2_s1, x->n2, x->l1_s2, x->l2_s2);
}

static uint8_t exp_l1[L1_SIZE], exp_l2[L2_SIZE], snap_l1[L1_SIZE], snap_l2[L2_SIZE];

static void test_dma_single(void)
{
    int dims, dir, rep;
    for (dims = 1; dims <= 3; dims++)
        for (dir = 0; dir <= 1; dir++)
            for (rep = 0; rep < 60; rep++) {
                dory_dma_job_t job;
                xfer_t x = random_xfer(dims, dir);
                fill_random(dory_l1_base(), L1_SIZE);
                fill_random(dory_l2_base(), L2_SIZE);
                memcpy(snap_l1, dory_l1_base(), L1_SIZE);
                memcpy(snap_l2, dory_l2_base(), L2_SIZE);
                memcpy(exp_l1, snap_l1, L1_SIZE);
                memcpy(exp_l2, snap_l2, L2_SIZE);
                apply_ref(&x, exp_l1, exp_l2);
                issue(&job, &x);
#ifndef PORT_TEST_PMSIS_MOCK
                /* asynchronous: nothing has moved yet (the PMSIS port may move early rows of a
                 * long transfer at issue time to bound the HW counters it holds) */
                CHECK(memcmp(dory_l1_base(), snap_l1, L1_SIZE) == 0);
                CHECK(memcmp(dory_l2_base(), snap_l2, L2_SIZE) == 0);
#endif
                dory_dma_wait(&job);
                CHECK(job.id == -1);
                /* exactly the pattern's bytes moved, nothing else touched */
                CHECK(memcmp(dory_l1_base(), exp_l1, L1_SIZE) == 0);
                CHECK(memcmp(dory_l2_base(), exp_l2, L2_SIZE) == 0);
            }
}

/* A hand-written 3-D case with known numbers, both directions. */
static void test_dma_known_3d(void)
{
    uint8_t *l1 = dory_l1_base(), *l2 = dory_l2_base();
    dory_dma_job_t job;
    size_t i;
    /* L2 holds a 4 x 5 x 6 (C x H x W) tensor; fetch the [1:3, 1:4, 2:5] window into L1 packed */
    for (i = 0; i < 120; i++) l2[i] = (uint8_t)i;
    memset(l1, 0xEE, 64);
    dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l1, l2 + 1 * 30 + 1 * 6 + 2, 3, 3, 3, 6, 2, 9, 30);
    CHECK(l1[0] == 0xEE);
    dory_dma_wait(&job);
    {
        size_t c, h, w, n = 0;
        for (c = 1; c < 3; c++)
            for (h = 1; h < 4; h++)
                for (w = 2; w < 5; w++) CHECK(l1[n++] == (uint8_t)(c * 30 + h * 6 + w));
        CHECK(l1[18] == 0xEE);
    }
    /* write it back shifted by one channel into a zeroed tensor */
    memset(l2, 0, 120);
    dory_dma_3d(&job, DORY_DMA_L1_TO_L2, l1, l2 + 2 * 30 + 1 * 6 + 2, 3, 3, 3, 6, 2, 9, 30);
    CHECK(l2[2 * 30 + 1 * 6 + 2] == 0);
    dory_dma_wait(&job);
    {
        size_t c, h, w, cnt = 0;
        for (c = 0; c < 4; c++)
            for (h = 0; h < 5; h++)
                for (w = 0; w < 6; w++) {
                    uint8_t v = l2[c * 30 + h * 6 + w];
                    if (c >= 2 && h >= 1 && h < 4 && w >= 2 && w < 5) {
                        CHECK(v == (uint8_t)((c - 1) * 30 + h * 6 + w));
                        cnt++;
                    } else {
                        CHECK(v == 0);
                    }
                }
        CHECK(cnt == 18);
    }
    /* zero-sized transfers are no-ops */
    dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l1, l2, 0, 1, 0, 0, 1, 0, 0);
    dory_dma_wait(&job);
    dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l1, l2, 4, 0, 0, 0, 1, 0, 0);
    dory_dma_wait(&job);
}

/* 16 outstanding jobs with disjoint destinations, waited in reverse and in scrambled order. */
static void test_dma_many(void)
{
    enum { N = 16 };
    dory_dma_job_t jobs[N];
    int j, rep;
    for (rep = 0; rep < 2; rep++) {
        fill_random(dory_l1_base(), L1_SIZE);
        fill_random(dory_l2_base(), L2_SIZE);
        memcpy(snap_l1, dory_l1_base(), L1_SIZE);
        memcpy(snap_l2, dory_l2_base(), L2_SIZE);
        memcpy(exp_l1, snap_l1, L1_SIZE);
        memcpy(exp_l2, snap_l2, L2_SIZE);
        for (j = 0; j < N; j++) {
            /* job j: 2-D, 4 rows x 16 bytes; L2->L1 into L1 block j, or L1->L2 from L1 block j into
             * L2 block j (blocks of 256 bytes, disjoint) */
            xfer_t x;
            memset(&x, 0, sizeof x);
            x.dir = (j % 2) ? DORY_DMA_L1_TO_L2 : DORY_DMA_L2_TO_L1;
            x.len = 16;
            x.n1 = 4;
            x.l1_s1 = 16 + (size_t)j % 3;
            x.l2_s1 = 40;
            x.n2 = 1;
            x.l1_off = (size_t)j * 256;
            x.l2_off = (size_t)j * 1024 + 8;
            apply_ref(&x, exp_l1, exp_l2);
            issue(&jobs[j], &x);
        }
#ifndef PORT_TEST_PMSIS_MOCK
        CHECK(memcmp(dory_l1_base(), snap_l1, L1_SIZE) == 0);
        CHECK(memcmp(dory_l2_base(), snap_l2, L2_SIZE) == 0);
#endif
        if (rep == 0)
            for (j = N - 1; j >= 0; j--) dory_dma_wait(&jobs[j]);
        else
            for (j = 0; j < N; j++) dory_dma_wait(&jobs[(j * 7) % N]);
        CHECK(memcmp(dory_l1_base(), exp_l1, L1_SIZE) == 0);
        CHECK(memcmp(dory_l2_base(), exp_l2, L2_SIZE) == 0);
    }
}

/* DMA driven by core 0 inside a fork, with the other cores waiting at a barrier (the executor's
 * pattern); checks the copy is visible to all cores after the barrier. */
typedef struct {
    int errors;
} dma_fork_arg_t;

static void dma_fork_task(void *p)
{
    dma_fork_arg_t *a = (dma_fork_arg_t *)p;
    int id = dory_core_id(), i;
    if (id == 0) {
        dory_dma_job_t job;
        dory_dma_3d(&job, DORY_DMA_L2_TO_L1, dory_l1_base(), dory_l2_base(), 256, 1, 0, 0, 1, 0, 0);
        dory_dma_wait(&job);
    }
    dory_barrier();
    for (i = id; i < 256; i += DORY_NUM_CORES)
        if (dory_l1_base()[i] != (uint8_t)(255 - i)) __atomic_fetch_add(&a->errors, 1, __ATOMIC_RELAXED);
}

static void test_dma_in_fork(void)
{
    dma_fork_arg_t a = {0};
    int i;
    for (i = 0; i < 256; i++) dory_l2_base()[i] = (uint8_t)(255 - i);
    memset(dory_l1_base(), 0, 256);
    dory_cluster_fork(dma_fork_task, &a);
    CHECK(a.errors == 0);
}

/* ---- L3, perf, debug helpers ------------------------------------------------------------ */

static void test_l3(void)
{
    uint8_t *l2 = dory_l2_base();
    size_t i;
    for (i = 0; i < 300; i++) l2[i] = (uint8_t)(i * 7 + 1);
    dory_l3_write(L3_SIZE - 300, l2, 300);
#ifndef PORT_TEST_PMSIS_MOCK
    CHECK(dory_l3_base() != NULL);
    CHECK(memcmp(dory_l3_base() + L3_SIZE - 300, l2, 300) == 0);
#endif
    memset(l2 + 1000, 0, 300);
    dory_l3_read(l2 + 1000, L3_SIZE - 300, 300);
    CHECK(memcmp(l2 + 1000, l2, 300) == 0);
    dory_l3_read(l2, L3_SIZE, 0); /* empty read at the very end is fine */
}

static void test_perf(void)
{
    uint64_t prev = dory_perf_now(), t0 = prev;
    int i;
    for (i = 0; i < 10000; i++) {
        uint64_t t = dory_perf_now();
        CHECK(t >= prev);
        prev = t;
    }
#ifdef PORT_TEST_PMSIS_MOCK
    CHECK(strcmp(dory_perf_unit(), "cycles") == 0);
    CHECK(prev > 0xFFFFFFFFull); /* the mock's 32-bit counter wrapped and was extended */
    (void)t0;
#else
    {
        struct timespec ts = {0, 2000000}; /* 2 ms */
        CHECK(strcmp(dory_perf_unit(), "ns") == 0);
        nanosleep(&ts, NULL);
        CHECK(dory_perf_now() - t0 >= 2000000u);
    }
#endif
}

static void test_debug_helpers(void)
{
    dory_debug_check_l1(dory_l1_base(), L1_SIZE);
    dory_debug_check_l1(dory_l1_base() + L1_SIZE - 1, 1);
    dory_debug_check_l2(dory_l2_base(), L2_SIZE);
    dory_debug_check_l2(dory_l2_base() + L2_SIZE, 0);
}

static int run_all(void)
{
    int rep;
    /* init / close / init again: workers and arenas are re-made */
    for (rep = 0; rep < 2; rep++) {
        if (dory_port_init(L1_SIZE, L2_SIZE, L3_SIZE) != 0) {
            fprintf(stderr, "dory_port_init failed\n");
            return 1;
        }
        CHECK(dory_port_init(L1_SIZE, L2_SIZE, L3_SIZE) != 0); /* double init is refused */
        CHECK(dory_l1_base() != NULL && dory_l2_base() != NULL);
        test_fork();
#ifndef PORT_TEST_PMSIS_MOCK
        test_barrier();
#endif
        if (rep == 0) {
            test_dma_single();
            test_dma_known_3d();
            test_dma_many();
            test_dma_in_fork();
            test_l3();
            test_perf();
            test_debug_helpers();
        }
        dory_port_close();
    }
    if (g_failures) {
        fprintf(stderr, "%d check(s) failed\n", g_failures);
        return 1;
    }
    printf("ALL OK\n");
    return 0;
}

/* ---- misuse cases (each must abort) ------------------------------------------------------ */

static int run_case(const char *name)
{
    dory_dma_job_t job, job2;
    uint8_t *l1, *l2;
    if (dory_port_init(L1_SIZE, L2_SIZE, L3_SIZE) != 0) return 2;
    l1 = dory_l1_base();
    l2 = dory_l2_base();
    if (!strcmp(name, "dma_l1_oob")) {
        /* 2-D L2->L1 whose last L1 row crosses the end of L1 */
        dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l1 + L1_SIZE - 100, l2, 16, 4, 32, 16, 1, 0, 0);
        dory_dma_wait(&job);
    } else if (!strcmp(name, "dma_l2_oob_3d")) {
        /* 3-D L1->L2: first rows fine, plane 2 runs past the end of L2 */
        dory_dma_3d(&job, DORY_DMA_L1_TO_L2, l1, l2 + L2_SIZE - 4000, 8, 2, 8, 100, 3, 16, 2000);
        dory_dma_wait(&job);
    } else if (!strcmp(name, "dma_l2_below")) {
        dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l1, l2 - 1, 8, 1, 0, 0, 1, 0, 0);
        dory_dma_wait(&job);
    } else if (!strcmp(name, "dma_swapped")) {
        /* L1 and L2 pointers swapped: the L1 side lies in L2 */
        dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l2, l1, 8, 1, 0, 0, 1, 0, 0);
        dory_dma_wait(&job);
    } else if (!strcmp(name, "dma_wait_twice")) {
        dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l1, l2, 8, 1, 0, 0, 1, 0, 0);
        dory_dma_wait(&job);
        dory_dma_wait(&job);
    } else if (!strcmp(name, "dma_reissue_unwaited")) {
        dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l1, l2, 8, 1, 0, 0, 1, 0, 0);
        dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l1 + 64, l2 + 64, 8, 1, 0, 0, 1, 0, 0);
        dory_dma_wait(&job);
    } else if (!strcmp(name, "dma_never_waited")) {
        dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l1, l2, 8, 1, 0, 0, 1, 0, 0);
    } else if (!strcmp(name, "dma_src_modified")) {
        memset(l2, 1, 64);
        dory_dma_3d(&job, DORY_DMA_L2_TO_L1, l1, l2, 32, 1, 0, 0, 1, 0, 0);
        l2[5] = 2; /* racing write into the source */
        dory_dma_wait(&job);
    } else if (!strcmp(name, "dma_dst_written")) {
        memset(l2, 1, 64);
        dory_dma_3d(&job, DORY_DMA_L1_TO_L2, l1, l2, 32, 1, 0, 0, 1, 0, 0);
        /* another transfer lands in the first one's destination while it is in flight */
        l1[100] = (uint8_t)(l2[16] + 1);
        dory_dma_3d(&job2, DORY_DMA_L1_TO_L2, l1 + 100, l2 + 16, 8, 1, 0, 0, 1, 0, 0);
        dory_dma_wait(&job2);
        dory_dma_wait(&job);
    } else if (!strcmp(name, "dma_too_many")) {
        dory_dma_job_t jobs[64];
        int i;
        for (i = 0; i < 64; i++) dory_dma_3d(&jobs[i], DORY_DMA_L2_TO_L1, l1 + i, l2 + i, 1, 1, 0, 0, 1, 0, 0);
        for (i = 0; i < 64; i++) dory_dma_wait(&jobs[i]);
    } else if (!strcmp(name, "l3_read_oob")) {
        dory_l3_read(l2, L3_SIZE - 10, 11);
    } else if (!strcmp(name, "l3_write_oob")) {
        dory_l3_write(L3_SIZE + 1, l2, 1);
    } else if (!strcmp(name, "l3_addr_wrap")) {
        dory_l3_read(l2, 0xFFFFFFF0u, 32);
    } else if (!strcmp(name, "debug_check_l1")) {
        dory_debug_check_l1(l1 + 1, L1_SIZE);
    } else if (!strcmp(name, "barrier_outside_task")) {
        dory_barrier();
    } else {
        fprintf(stderr, "unknown case %s\n", name);
        return 2;
    }
    dory_port_close();
    printf("NO ABORT\n");
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1) return run_case(argv[1]);
    return run_all();
}
