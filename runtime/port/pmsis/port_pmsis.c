/* dory runtime: the GAP8 port, on the GAP SDK's PMSIS API. Implements runtime/include/dory/port.h.
 *
 * Build with the SDK: -DDORY_HAVE_PMSIS (includes <pmsis.h>, <bsp/bsp.h>, <bsp/ram/hyperram.h>).
 * L3 is the board's default RAM when the SDK's BSP names one (`pi_default_ram_conf`: HyperRAM on
 * the GAP8 boards, the octo-SPI PSRAM on the GAP9 EVK), else the HyperRAM driver directly (older
 * GAP8 SDKs, and the host type check through pmsis_api.h).
 * Without it the declarations come from pmsis_api.h, which is only good for a host type check
 * (see runtime/port/README.md).
 *
 * Execution model (who calls what):
 *   - dory_port_init / dory_port_close / dory_cluster_fork / dory_perf_now run on the fabric
 *     controller (FC).
 *   - dory_cluster_fork sends one cluster task (pi_cluster_send_task_to_cl, blocking) whose entry,
 *     on the cluster controller, does pi_cl_team_fork(DORY_NUM_CORES, fn, arg): fn runs on cores
 *     0 .. DORY_NUM_CORES-1 and the fork returns when all have returned.
 *   - dory_core_id = pi_core_id(), dory_barrier = pi_cl_team_barrier(); inside a task only.
 *   - dory_dma_3d / dory_dma_wait run on a cluster core (one core at a time, usually core 0).
 *   - dory_l3_read / dory_l3_write are blocking; on the FC they use pi_ram_read/pi_ram_write, on
 *     a cluster core the remote pi_cl_ram_read/pi_cl_ram_write + *_wait.
 *
 * Memories: L1 = pi_cl_l1_malloc(cluster, l1_bytes), L2 = pi_l2_malloc(l2_bytes), L3 =
 *   pi_ram_alloc(external RAM, l3_bytes) (skipped when l3_bytes == 0). dory_l3_base() returns the
 *   external RAM address cast to a pointer: never dereference it; l3 addresses passed to
 *   dory_l3_read/write are offsets from it and are always bounds-checked.
 *
 * DMA: the GAP8 cluster DMA does 1-D copies and 2-D copies that are strided on the external (L2)
 *   side only, contiguous in L1 (pi_cl_dma_cmd / pi_cl_dma_cmd_2d). A 3-D transfer is cut into
 *   one command per i2 plane when the plane's L1 rows are contiguous (l1_s1 == len; 2-D, or 1-D
 *   when the L2 rows are contiguous too), and into one 1-D command per row otherwise. Commands
 *   are also cut so that no size / line length / stride exceeds DORY_PMSIS_DMA_MAX (16-bit
 *   fields in the GAP8 drivers, e.g. `uint16_t len` of __pi_cl_dma_1d_copy). Every command holds
 *   a HW transfer counter until it is waited (GAP8 has 16), so at most DORY_PMSIS_DMA_COUNTERS
 *   (default 12, leaving some to other DMA users) commands are in flight over all jobs, and at
 *   most DORY_PMSIS_CMDS_PER_JOB (default 4) per job: issuing past either limit first waits an
 *   oldest in-flight command (of the same job if it has one). That is allowed by the contract
 *   (data may move any time before dory_dma_wait) but means that, unlike the host port, a job's
 *   first rows may already have moved when dory_dma_3d returns. At most DORY_PMSIS_DMA_JOBS
 *   (default 16) jobs may be outstanding.
 *
 * Errors (bad arguments, out-of-range L3 access, too many jobs, allocation failures in
 *   dory_port_init return -1) print a message and call pmsis_exit(-1). In DORY_DEBUG builds
 *   every DMA also checks that all its rows lie inside the L1 / L2 buffers, and waiting a job
 *   with nothing in flight or re-issuing an un-waited job is an error.
 */
#include "dory/port.h"

#ifdef DORY_HAVE_PMSIS
#include <bsp/bsp.h>
#include <bsp/ram/hyperram.h>
#include <pmsis.h>
#else
#include "pmsis_api.h"
#endif

#include <stdio.h>

#ifndef DORY_PMSIS_DMA_JOBS
#define DORY_PMSIS_DMA_JOBS 16
#endif
#ifndef DORY_PMSIS_CMDS_PER_JOB
#define DORY_PMSIS_CMDS_PER_JOB 4
#endif
#ifndef DORY_PMSIS_DMA_COUNTERS
#define DORY_PMSIS_DMA_COUNTERS 12
#endif
#ifndef DORY_PMSIS_DMA_MAX
#define DORY_PMSIS_DMA_MAX 0xFFFFu /* max bytes per command, per 2-D line, and 2-D stride */
#endif
#ifndef DORY_PMSIS_STACK_SIZE
#define DORY_PMSIS_STACK_SIZE 2048u /* cluster-controller stack */
#endif
#ifndef DORY_PMSIS_SLAVE_STACK_SIZE
#define DORY_PMSIS_SLAVE_STACK_SIZE 1024u /* stack of each other cluster core */
#endif

/* ---- errors ------------------------------------------------------------------------------ */

static void fatal(const char *msg, unsigned a, unsigned b) __attribute__((noreturn));
static void fatal(const char *msg, unsigned a, unsigned b)
{
    printf("dory pmsis port: error: %s (%u, %u)\n", msg, a, b);
    pmsis_exit(-1);
    for (;;) {
    }
}

/* ---- state ------------------------------------------------------------------------------- */

static struct pi_device g_cluster;
static struct pi_cluster_conf g_cluster_conf;
static struct pi_device g_ram;
/* The SDK's BSP defines pi_default_ram_conf(_init) as macros naming the board's RAM driver. */
#if defined(pi_default_ram_conf) && defined(pi_default_ram_conf_init)
#define DORY_RAM_CONF pi_default_ram_conf
#define DORY_RAM_CONF_INIT pi_default_ram_conf_init
#define DORY_RAM_NAME "the board's default RAM"
#else
#define DORY_RAM_CONF pi_hyperram_conf
#define DORY_RAM_CONF_INIT pi_hyperram_conf_init
#define DORY_RAM_NAME "the HyperRAM"
#endif
static struct DORY_RAM_CONF g_ram_conf;
static int g_up, g_ram_open;

static uint8_t *g_l1, *g_l2;
static size_t g_l1_size, g_l2_size, g_l3_size;
static uint32_t g_l3_addr;

/* perf: the 32-bit cycle counter extended to 64 bits (needs a read at least every 2^32 cycles) */
static uint32_t g_perf_last;
static uint64_t g_perf_high;

/* DMA jobs (see header comment). Touched by one cluster core at a time. */
typedef struct {
    int busy;
    const dory_dma_job_t *owner;
    int head, count; /* ring of in-flight commands */
    pi_cl_dma_cmd_t cmd[DORY_PMSIS_CMDS_PER_JOB];
} pm_job_t;

static pm_job_t g_jobs[DORY_PMSIS_DMA_JOBS];
static int g_inflight; /* commands issued and not yet waited, over all jobs */

/* ---- lifecycle --------------------------------------------------------------------------- */

static void release_all(void)
{
    if (g_l1) pi_cl_l1_free(&g_cluster, g_l1, (int)g_l1_size);
    if (g_l2) pi_l2_free(g_l2, (int)g_l2_size);
    if (g_ram_open) {
        if (g_l3_size) pi_ram_free(&g_ram, g_l3_addr, (uint32_t)g_l3_size);
        pi_ram_close(&g_ram);
    }
    g_l1 = g_l2 = NULL;
    g_l1_size = g_l2_size = g_l3_size = 0;
    g_l3_addr = 0;
    g_ram_open = 0;
}

int dory_port_init(size_t l1_bytes, size_t l2_bytes, size_t l3_bytes)
{
    int i;
    if (g_up) return -1;

    pi_cluster_conf_init(&g_cluster_conf);
    g_cluster_conf.id = 0;
    pi_open_from_conf(&g_cluster, &g_cluster_conf);
    if (pi_cluster_open(&g_cluster) != 0) {
        printf("dory pmsis port: cannot open the cluster\n");
        return -1;
    }

    g_l1_size = l1_bytes;
    g_l2_size = l2_bytes;
    g_l1 = (uint8_t *)pi_cl_l1_malloc(&g_cluster, (uint32_t)(l1_bytes ? l1_bytes : 4));
    g_l2 = (uint8_t *)pi_l2_malloc((int)(l2_bytes ? l2_bytes : 4));
    if (g_l1 == NULL || g_l2 == NULL) {
        printf("dory pmsis port: cannot allocate L1 (%u bytes) or L2 (%u bytes)\n", (unsigned)l1_bytes,
               (unsigned)l2_bytes);
        release_all();
        pi_cluster_close(&g_cluster);
        return -1;
    }

    if (l3_bytes) {
        DORY_RAM_CONF_INIT(&g_ram_conf);
        pi_open_from_conf(&g_ram, &g_ram_conf);
        if (pi_ram_open(&g_ram) != 0) {
            printf("dory pmsis port: cannot open %s\n", DORY_RAM_NAME);
            release_all();
            pi_cluster_close(&g_cluster);
            return -1;
        }
        g_ram_open = 1;
        if (pi_ram_alloc(&g_ram, &g_l3_addr, (uint32_t)l3_bytes) != 0) {
            printf("dory pmsis port: cannot allocate %u bytes of %s\n", (unsigned)l3_bytes, DORY_RAM_NAME);
            release_all();
            pi_cluster_close(&g_cluster);
            return -1;
        }
        g_l3_size = l3_bytes;
    }

    for (i = 0; i < DORY_PMSIS_DMA_JOBS; i++) {
        g_jobs[i].busy = 0;
        g_jobs[i].owner = NULL;
        g_jobs[i].head = g_jobs[i].count = 0;
    }
    g_inflight = 0;

    pi_perf_conf(1u << PI_PERF_CYCLES);
    pi_perf_reset();
    pi_perf_start();
    g_perf_last = 0;
    g_perf_high = 0;

    g_up = 1;
    return 0;
}

void dory_port_close(void)
{
    int i;
    if (!g_up) return;
    for (i = 0; i < DORY_PMSIS_DMA_JOBS; i++)
        if (g_jobs[i].busy) {
#ifdef DORY_DEBUG
            fatal("dory_port_close: DMA job never waited (slot, commands)", (unsigned)i, (unsigned)g_jobs[i].count);
#else
            printf("dory pmsis port: warning: DMA job slot %d never waited\n", i);
#endif
        }
    pi_perf_stop();
    release_all();
    pi_cluster_close(&g_cluster);
    g_up = 0;
}

uint8_t *dory_l1_base(void)
{
    return g_l1;
}

uint8_t *dory_l2_base(void)
{
    return g_l2;
}

uint8_t *dory_l3_base(void)
{
    return (uint8_t *)(uintptr_t)g_l3_addr;
}

/* ---- cluster ----------------------------------------------------------------------------- */

typedef struct {
    dory_task_fn fn;
    void *arg;
} fork_ctx_t;

/* Runs on the cluster controller: fan out to all cores (the controller is core 0 of the team). */
static void cluster_entry(void *p)
{
    fork_ctx_t *ctx = (fork_ctx_t *)p;
    pi_cl_team_fork(DORY_NUM_CORES, ctx->fn, ctx->arg);
}

void dory_cluster_fork(dory_task_fn fn, void *arg)
{
    struct pi_cluster_task task;
    fork_ctx_t ctx;
    if (!g_up) fatal("dory_cluster_fork before dory_port_init", 0, 0);
    ctx.fn = fn;
    ctx.arg = arg;
    pi_cluster_task(&task, cluster_entry, &ctx);
    task.stack_size = DORY_PMSIS_STACK_SIZE;
    task.slave_stack_size = DORY_PMSIS_SLAVE_STACK_SIZE;
    task.nb_cores = DORY_NUM_CORES;
    pi_cluster_send_task_to_cl(&g_cluster, &task); /* blocks until the task has finished */
}

/* port.h's two halves of a fork: the task runs whole inside join */
#include "../deferred_fork.h"

int dory_core_id(void)
{
    return (int)pi_core_id();
}

uint32_t dory_core_cycles(void)
{
    return 0; /* no per-core cycle counter here: core 0 takes an even kernel share */
}

void dory_barrier(void)
{
    pi_cl_team_barrier();
}

/* ---- DMA --------------------------------------------------------------------------------- */

#ifdef DORY_DEBUG
static void check_side(const uint8_t *base, size_t size, const uint8_t *p, size_t len, size_t n1, size_t s1,
                       size_t n2, size_t s2, const char *what)
{
    uintptr_t lo = (uintptr_t)base, x = (uintptr_t)p;
    size_t span;
    if (len == 0 || n1 == 0 || n2 == 0) return;
    span = (n2 - 1) * s2 + (n1 - 1) * s1 + len; /* strides are non-negative: the last row ends last */
    if (x < lo || x - lo > size || span > size - (x - lo)) fatal(what, (unsigned)(x - lo), (unsigned)span);
}
#endif

/* Wait job j's oldest in-flight command (j->count > 0). */
static void wait_oldest(pm_job_t *j)
{
    pi_cl_dma_cmd_wait(&j->cmd[j->head]);
    j->head = (j->head + 1) % DORY_PMSIS_CMDS_PER_JOB;
    j->count--;
    g_inflight--;
}

/* Next free command of job j, first waiting an oldest in-flight command if job j or the whole
 * DMA is at its limit. */
static pi_cl_dma_cmd_t *next_cmd(pm_job_t *j)
{
    int k;
    if (j->count == DORY_PMSIS_CMDS_PER_JOB) wait_oldest(j);
    while (g_inflight >= DORY_PMSIS_DMA_COUNTERS) {
        pm_job_t *victim = j->count > 0 ? j : NULL;
        for (k = 0; victim == NULL && k < DORY_PMSIS_DMA_JOBS; k++)
            if (g_jobs[k].busy && g_jobs[k].count > 0) victim = &g_jobs[k];
        if (victim == NULL) fatal("DMA counter accounting broken (in flight, -)", (unsigned)g_inflight, 0);
        wait_oldest(victim);
    }
    k = (j->head + j->count) % DORY_PMSIS_CMDS_PER_JOB;
    j->count++;
    g_inflight++;
    return &j->cmd[k];
}

static void issue_1d(pm_job_t *j, uint32_t ext, uint32_t loc, size_t bytes, pi_cl_dma_dir_e dir)
{
    while (bytes > 0) {
        uint32_t n = bytes > DORY_PMSIS_DMA_MAX ? DORY_PMSIS_DMA_MAX : (uint32_t)bytes;
        pi_cl_dma_cmd(ext, loc, n, dir, next_cmd(j));
        ext += n;
        loc += n;
        bytes -= n;
    }
}

/* n rows of len bytes: L2 rows `stride` apart, L1 rows contiguous; len, stride <= DMA_MAX. */
static void issue_2d(pm_job_t *j, uint32_t ext, uint32_t loc, size_t len, size_t n, size_t stride,
                     pi_cl_dma_dir_e dir)
{
    size_t per = DORY_PMSIS_DMA_MAX / len; /* rows per command, >= 1 since len <= DMA_MAX */
    while (n > 0) {
        size_t r = n < per ? n : per;
        if (r == 1)
            pi_cl_dma_cmd(ext, loc, (uint32_t)len, dir, next_cmd(j));
        else
            pi_cl_dma_cmd_2d(ext, loc, (uint32_t)(r * len), (uint32_t)stride, (uint32_t)len, dir, next_cmd(j));
        ext += (uint32_t)(r * stride);
        loc += (uint32_t)(r * len);
        n -= r;
    }
}

void dory_dma_3d(dory_dma_job_t *job, int dir, void *l1, void *l2, size_t len, size_t n1, size_t l1_s1,
                 size_t l2_s1, size_t n2, size_t l1_s2, size_t l2_s2)
{
    pi_cl_dma_dir_e d;
    pm_job_t *j = NULL;
    int i, slot = -1;
    size_t i2, i1;
    if (dir == DORY_DMA_L2_TO_L1)
        d = PI_CL_DMA_DIR_EXT2LOC;
    else if (dir == DORY_DMA_L1_TO_L2)
        d = PI_CL_DMA_DIR_LOC2EXT;
    else
        fatal("dory_dma_3d: bad direction", (unsigned)dir, 0);
#ifdef DORY_DEBUG
    if (job->id >= 0 && job->id < DORY_PMSIS_DMA_JOBS && g_jobs[job->id].busy && g_jobs[job->id].owner == job)
        fatal("dory_dma_3d: job re-issued before it was waited (slot, -)", (unsigned)job->id, 0);
    check_side(g_l1, g_l1_size, (const uint8_t *)l1, len, n1, l1_s1, n2, l1_s2,
               "dory_dma_3d: L1 rows outside the L1 buffer (offset, span)");
    check_side(g_l2, g_l2_size, (const uint8_t *)l2, len, n1, l2_s1, n2, l2_s2,
               "dory_dma_3d: L2 rows outside the L2 buffer (offset, span)");
#endif
    for (i = 0; i < DORY_PMSIS_DMA_JOBS; i++)
        if (!g_jobs[i].busy) {
            slot = i;
            break;
        }
    if (slot < 0) fatal("dory_dma_3d: too many outstanding DMA jobs (max, -)", DORY_PMSIS_DMA_JOBS, 0);
    j = &g_jobs[slot];
    j->busy = 1;
    j->owner = job;
    j->head = j->count = 0;
    job->id = slot;
    if (len == 0 || n1 == 0 || n2 == 0) return;

    for (i2 = 0; i2 < n2; i2++) {
        uint32_t ext = (uint32_t)(uintptr_t)((uint8_t *)l2 + i2 * l2_s2);
        uint32_t loc = (uint32_t)(uintptr_t)((uint8_t *)l1 + i2 * l1_s2);
        if (n1 == 1 || (l1_s1 == len && l2_s1 == len)) {
            issue_1d(j, ext, loc, n1 * len, d); /* the plane is contiguous on both sides */
        } else if (l1_s1 == len && len <= DORY_PMSIS_DMA_MAX && l2_s1 <= DORY_PMSIS_DMA_MAX) {
            issue_2d(j, ext, loc, len, n1, l2_s1, d);
        } else {
            for (i1 = 0; i1 < n1; i1++)
                issue_1d(j, ext + (uint32_t)(i1 * l2_s1), loc + (uint32_t)(i1 * l1_s1), len, d);
        }
    }
}

void dory_dma_wait(dory_dma_job_t *job)
{
    pm_job_t *j;
    if (job->id < 0 || job->id >= DORY_PMSIS_DMA_JOBS || !g_jobs[job->id].busy || g_jobs[job->id].owner != job) {
#ifdef DORY_DEBUG
        fatal("dory_dma_wait: job has no outstanding transfer (id, -)", (unsigned)job->id, 0);
#else
        return;
#endif
    }
    j = &g_jobs[job->id];
    while (j->count > 0) wait_oldest(j);
    j->busy = 0;
    j->owner = NULL;
    job->id = -1;
}

/* ---- L3 ---------------------------------------------------------------------------------- */

static void check_l3(const char *what, uint32_t l3_addr, size_t bytes)
{
    if ((uint64_t)l3_addr > (uint64_t)g_l3_size || (uint64_t)bytes > (uint64_t)g_l3_size - l3_addr)
        fatal(what, (unsigned)l3_addr, (unsigned)bytes);
}

void dory_l3_read(void *l2_dst, uint32_t l3_addr, size_t bytes)
{
    check_l3("dory_l3_read: outside the L3 buffer (addr, bytes)", l3_addr, bytes);
    if (bytes == 0) return;
    if (pi_is_fc()) {
        pi_ram_read(&g_ram, g_l3_addr + l3_addr, l2_dst, (uint32_t)bytes);
    } else {
        pi_cl_ram_req_t req;
        pi_cl_ram_read(&g_ram, g_l3_addr + l3_addr, l2_dst, (uint32_t)bytes, &req);
        pi_cl_ram_read_wait(&req);
    }
}

void dory_l3_write(uint32_t l3_addr, const void *l2_src, size_t bytes)
{
    check_l3("dory_l3_write: outside the L3 buffer (addr, bytes)", l3_addr, bytes);
    if (bytes == 0) return;
    /* the PMSIS copy functions take a non-const buffer but only read it for writes to the RAM */
    if (pi_is_fc()) {
        pi_ram_write(&g_ram, g_l3_addr + l3_addr, (void *)(uintptr_t)l2_src, (uint32_t)bytes);
    } else {
        pi_cl_ram_req_t req;
        pi_cl_ram_write(&g_ram, g_l3_addr + l3_addr, (void *)(uintptr_t)l2_src, (uint32_t)bytes, &req);
        pi_cl_ram_write_wait(&req);
    }
}

/* On GAP8 the controller's memory is L2: the same transfers as dory_l3_write / dory_l3_read. */
void dory_l3_load(uint32_t l3_addr, const void *src, size_t bytes)
{
    dory_l3_write(l3_addr, src, bytes);
}

void dory_l3_store(void *dst, uint32_t l3_addr, size_t bytes)
{
    dory_l3_read(dst, l3_addr, bytes);
}

/* ---- perf -------------------------------------------------------------------------------- */

uint64_t dory_perf_now(void)
{
    uint32_t now = (uint32_t)pi_perf_read(PI_PERF_CYCLES);
    if (now < g_perf_last) g_perf_high += (uint64_t)1 << 32;
    g_perf_last = now;
    return g_perf_high | now;
}

const char *dory_perf_unit(void)
{
    return "cycles";
}
