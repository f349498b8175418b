/* A host mock of the PMSIS functions declared in runtime/port/pmsis/pmsis_api.h, just enough to
 * run runtime/port/pmsis/port_pmsis.c's DMA decomposition, L3 and perf paths on a workstation
 * (tests/test_c_port.py links it with tests/c/port_test.c built with -DPORT_TEST_PMSIS_MOCK).
 *
 * The cluster DMA mock models GAP8's semantics: 1-D copies, and 2-D copies strided on the
 * external side only (contiguous in L1); each command holds one of 16 HW counters until waited;
 * data moves at wait time (so a port that forgets to wait a command is caught); the 16-bit limits
 * on size / line length / stride are enforced. Cluster, team and perf calls are trivial
 * sequential stand-ins (no real parallelism: fork/barrier are not tested through this mock).
 */
#define _GNU_SOURCE /* MAP_32BIT */
#include "pmsis_api.h"

#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOCK_COUNTERS 16
#ifdef DORY_PMSIS_DMA_MAX /* the test may shrink the port's command limit to exercise splitting */
#define MOCK_MAX DORY_PMSIS_DMA_MAX
#else
#define MOCK_MAX 0xFFFFu
#endif

static void mock_fail(const char *msg, unsigned a, unsigned b)
{
    fprintf(stderr, "pmsis mock: %s (%u, %u)\n", msg, a, b);
    abort();
}

/* ---- devices, cluster, team, core id ---------------------------------------------------- */

void pi_open_from_conf(struct pi_device *device, void *conf)
{
    device->config = conf;
}

void pi_cluster_conf_init(struct pi_cluster_conf *conf)
{
    memset(conf, 0, sizeof *conf);
    conf->device_type = PI_DEVICE_CLUSTER_TYPE;
}

int pi_cluster_open(struct pi_device *device)
{
    (void)device;
    return 0;
}

int pi_cluster_close(struct pi_device *device)
{
    (void)device;
    return 0;
}

struct pi_cluster_task *pi_cluster_task(struct pi_cluster_task *task, void (*entry)(void *), void *arg)
{
    memset(task, 0, sizeof *task);
    task->entry = entry;
    task->arg = arg;
    return task;
}

static uint32_t g_core;
static int g_on_cluster;

int pi_cluster_send_task_to_cl(struct pi_device *device, struct pi_cluster_task *task)
{
    (void)device;
    g_on_cluster = 1;
    task->entry(task->arg);
    g_on_cluster = 0;
    return 0;
}

void pi_cl_team_fork(int nb_cores, void (*entry)(void *), void *arg)
{
    for (g_core = 0; g_core < (uint32_t)nb_cores; g_core++) entry(arg);
    g_core = 0;
}

void pi_cl_team_barrier(void)
{
}

uint32_t pi_core_id(void)
{
    return g_core;
}

uint32_t pi_is_fc(void)
{
    return !g_on_cluster;
}

/* ---- cluster DMA ------------------------------------------------------------------------- */

static struct {
    int busy;
    pi_cl_dma_dir_e dir;
    uint32_t ext, loc, size, stride, length;
} g_ctr[MOCK_COUNTERS];

static uint32_t alloc_counter(void)
{
    uint32_t i;
    for (i = 0; i < MOCK_COUNTERS; i++)
        if (!g_ctr[i].busy) {
            g_ctr[i].busy = 1;
            return i;
        }
    mock_fail("all 16 DMA counters in use", MOCK_COUNTERS, 0);
    return 0;
}

void pi_cl_dma_cmd(uint32_t ext, uint32_t loc, uint32_t size, pi_cl_dma_dir_e dir, pi_cl_dma_cmd_t *cmd)
{
    uint32_t t;
    if (size == 0 || size > MOCK_MAX) mock_fail("1-D size out of range", size, 0);
    t = alloc_counter();
    g_ctr[t].dir = dir;
    g_ctr[t].ext = ext;
    g_ctr[t].loc = loc;
    g_ctr[t].size = size;
    g_ctr[t].stride = 0;
    g_ctr[t].length = 0;
    cmd->tid = t;
}

void pi_cl_dma_cmd_2d(uint32_t ext, uint32_t loc, uint32_t size, uint32_t stride, uint32_t length,
                      pi_cl_dma_dir_e dir, pi_cl_dma_cmd_t *cmd)
{
    uint32_t t;
    if (size == 0 || size > MOCK_MAX || length == 0 || length > MOCK_MAX || stride > MOCK_MAX)
        mock_fail("2-D size/length/stride out of range", size, length);
    if (size % length != 0) mock_fail("2-D size not a multiple of the line length", size, length);
    t = alloc_counter();
    g_ctr[t].dir = dir;
    g_ctr[t].ext = ext;
    g_ctr[t].loc = loc;
    g_ctr[t].size = size;
    g_ctr[t].stride = stride;
    g_ctr[t].length = length;
    cmd->tid = t;
}

/* The port hands the DMA 32-bit addresses ((uint32_t)(uintptr_t)ptr), as on GAP8. On a 64-bit
 * host that only works for memory below 4 GiB, so L1 and L2 come from one block mapped with
 * MAP_32BIT (x86-64 Linux) and a DMA address is the pointer itself. */
#ifndef MAP_32BIT
#error "the PMSIS mock needs MAP_32BIT (x86-64 Linux)"
#endif
static uint8_t *g_mem;
static size_t g_mem_used;
#define MOCK_MEM (1u << 20)

static uint8_t *addr(uint32_t a)
{
    if (a < (uintptr_t)g_mem || a >= (uintptr_t)g_mem + MOCK_MEM) mock_fail("DMA address outside mock memory", a, 0);
    return (uint8_t *)(uintptr_t)a;
}

void pi_cl_dma_cmd_wait(pi_cl_dma_cmd_t *cmd)
{
    uint32_t t = cmd->tid, done = 0, line;
    if (t >= MOCK_COUNTERS || !g_ctr[t].busy) mock_fail("wait on a free DMA counter", t, 0);
    line = g_ctr[t].length ? g_ctr[t].length : g_ctr[t].size;
    while (done < g_ctr[t].size) {
        uint32_t row = done / line;
        uint8_t *e = addr(g_ctr[t].ext + row * (g_ctr[t].length ? g_ctr[t].stride : 0) + done % line);
        uint8_t *l = addr(g_ctr[t].loc + done);
        if (g_ctr[t].dir == PI_CL_DMA_DIR_EXT2LOC)
            memcpy(l, e, line);
        else
            memcpy(e, l, line);
        done += line;
    }
    g_ctr[t].busy = 0;
}

/* ---- memory ------------------------------------------------------------------------------ */

static void *mock_alloc(uint32_t size)
{
    void *p;
    if (g_mem == NULL) {
        void *m = mmap(NULL, MOCK_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
        if (m == MAP_FAILED) mock_fail("mmap(MAP_32BIT) failed", 0, 0);
        g_mem = (uint8_t *)m;
    }
    /* a gap before each block, 4-byte aligned */
    g_mem_used = (g_mem_used + 64 + 3) & ~(size_t)3;
    if (g_mem_used + size > MOCK_MEM) return NULL;
    p = g_mem + g_mem_used;
    g_mem_used += size;
    return p;
}

void *pi_cl_l1_malloc(struct pi_device *device, uint32_t size)
{
    (void)device;
    return mock_alloc(size);
}

void pi_cl_l1_free(struct pi_device *device, void *chunk, int size)
{
    (void)device;
    (void)chunk;
    (void)size;
}

void *pi_l2_malloc(int size)
{
    return mock_alloc((uint32_t)size);
}

void pi_l2_free(void *chunk, int size)
{
    (void)chunk;
    (void)size;
}

/* ---- RAM ----------------------------------------------------------------------------------- */

static uint8_t g_ram[1u << 16];

void pi_hyperram_conf_init(struct pi_hyperram_conf *conf)
{
    memset(conf, 0, sizeof *conf);
}

int32_t pi_ram_open(struct pi_device *device)
{
    (void)device;
    return 0;
}

void pi_ram_close(struct pi_device *device)
{
    (void)device;
}

int pi_ram_alloc(struct pi_device *device, uint32_t *a, uint32_t size)
{
    (void)device;
    if (size + 0x100u > sizeof g_ram) return -1;
    *a = 0x100u;
    return 0;
}

int pi_ram_free(struct pi_device *device, uint32_t a, uint32_t size)
{
    (void)device;
    (void)a;
    (void)size;
    return 0;
}

void pi_ram_read(struct pi_device *device, uint32_t a, void *data, uint32_t size)
{
    (void)device;
    if ((uint64_t)a + size > sizeof g_ram) mock_fail("RAM read out of range", a, size);
    memcpy(data, g_ram + a, size);
}

void pi_ram_write(struct pi_device *device, uint32_t a, void *data, uint32_t size)
{
    (void)device;
    if ((uint64_t)a + size > sizeof g_ram) mock_fail("RAM write out of range", a, size);
    memcpy(g_ram + a, data, size);
}

void pi_cl_ram_read(struct pi_device *device, uint32_t a, void *data, uint32_t size, pi_cl_ram_req_t *req)
{
    (void)req;
    pi_ram_read(device, a, data, size);
}

void pi_cl_ram_read_wait(pi_cl_ram_req_t *req)
{
    (void)req;
}

void pi_cl_ram_write(struct pi_device *device, uint32_t a, void *data, uint32_t size, pi_cl_ram_req_t *req)
{
    (void)req;
    pi_ram_write(device, a, data, size);
}

void pi_cl_ram_write_wait(pi_cl_ram_req_t *req)
{
    (void)req;
}

/* ---- perf, OS ---------------------------------------------------------------------------- */

static uint32_t g_cycles = 0xFFFFFF00u; /* start near the wrap to exercise the 64-bit extension */

void pi_perf_conf(unsigned events)
{
    (void)events;
}

void pi_perf_reset(void)
{
}

void pi_perf_start(void)
{
}

void pi_perf_stop(void)
{
}

unsigned int pi_perf_read(int id)
{
    (void)id;
    g_cycles += 7;
    return g_cycles;
}

void pmsis_exit(int err)
{
    fprintf(stderr, "pmsis mock: pmsis_exit(%d)\n", err);
    exit(err ? 3 : 0);
}
