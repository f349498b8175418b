/* dory bench: the transfer costs of the pulp port on GVSOC's pulp-open, measured through the port's
 * own calls (runtime/port/pulp), the way runtime/src/layer.c pays them. Built and run by
 * bench/gvsoc/dma_bench.py, which parses the lines below and fits backends/pulp/transfers.py.
 *
 * Cluster DMA (mchan), on cluster core 0 inside one fork: for each case, dory_dma_3d then
 *   dory_dma_wait, timed with core 0's cycle counter (csr 0x780) before the issue, after it and
 *   after the wait; each case runs twice and the second run (warm instruction cache) is printed:
 *     dma DIR LOAD SHAPE LEN ROWS ISSUE TOTAL
 *   DIR 0 = L2 -> L1, 1 = L1 -> L2; LOAD 0 = cores 1..7 idle (waiting in the fork's barrier), 1 =
 *   cores 1..7 running an L1 load/store loop meanwhile (the TCDM contention of a kernel); SHAPE
 *   1d = one contiguous transfer of LEN bytes (ROWS 1), 2d = ROWS lines of LEN bytes, strided in
 *   L2 and back to back in L1 (the port's one 2-D mchan command), rows = the same lines strided on
 *   both sides (the port's one 1-D command per line), 3d = ROWS slabs of 2 lines of LEN bytes (the
 *   port's one 2-D command per slab: an input tile with split channels, one slab per input row).
 *
 * HyperRAM (built with -DDORY_PULP_L3_HYPER and runtime/port/pulp/l3_hyper.c), on the FC between
 *   forks: dory_l3_write then dory_l3_read of BYTES bytes between a word-aligned L2 buffer and the
 *   HyperRAM (the layer's staging transfers: aligned regions, sizes any multiple of a row or a
 *   channel), timed with the FC's counter, the second of two runs:
 *     l3 DIR BYTES CYCLES
 *   DIR 0 = read (HyperRAM -> L2), 1 = write. The data read back is checked against what was
 *   written (a wrong transfer fails the run, exit 1).
 *
 * Ends with "# end". */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dory/port.h"
#include "pulp.h"

/* the cluster TCDM, as runtime/port/pulp/link.ld places the .l1 section */
#define L1 __attribute__((section(".l1")))
#define L1_BUF 32768u /* the largest L1 side (32 KiB) */
#define L2_BUF (64u * 1024u + 64u * 64u)
#define N_LOAD 1024u  /* words of the contention loop's L1 array */

static L1 uint8_t l1_buf[L1_BUF] __attribute__((aligned(8)));
static L1 uint32_t load_buf[N_LOAD];
static uint8_t l2_buf[L2_BUF] __attribute__((aligned(8)));
static volatile L1 uint32_t g_stop;
static volatile L1 uint32_t g_sink[DORY_NUM_CORES];

typedef struct {
    int dir, load;
} dma_run_t;

static const uint32_t sizes_1d[] = {64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768};
static const uint32_t lens_2d[] = {16, 64, 256, 512};
static const uint32_t rows_2d[] = {1, 2, 4, 8, 16, 32, 64};

/* one case on core 0: issue + wait, twice; prints the second */
static void dma_case(int dir, int load, const char *shape, uint32_t len, uint32_t rows)
{
    uint32_t t0 = 0, t1 = 0, t2 = 0, l1_s1 = len, l2_s1 = len + 64u;
    int rep;
    dory_dma_job_t job;
    if (shape[0] == 'r') l1_s1 = len + 4u; /* L1 lines not back to back: one command per line */
    if (shape[0] == '1') l2_s1 = len;
    for (rep = 0; rep < 2; rep++) {
        t0 = pulp_cycles();
        if (shape[0] == '3') /* ROWS slabs of 2 lines, slabs back to back in L1, 4 * LEN apart in L2 */
            dory_dma_3d(&job, dir ? DORY_DMA_L1_TO_L2 : DORY_DMA_L2_TO_L1, l1_buf, l2_buf, len, 2, len, 2u * len, rows,
                        2u * len, 4u * len);
        else
            dory_dma_3d(&job, dir ? DORY_DMA_L1_TO_L2 : DORY_DMA_L2_TO_L1, l1_buf, l2_buf, len, rows, l1_s1, l2_s1, 1, 0,
                        0);
        t1 = pulp_cycles();
        dory_dma_wait(&job);
        t2 = pulp_cycles();
    }
    printf("dma %d %d %s %lu %lu %lu %lu\n", dir, load, shape, (unsigned long)len, (unsigned long)rows,
           (unsigned long)(t1 - t0), (unsigned long)(t2 - t0));
}

static void dma_task(void *arg)
{
    const dma_run_t *r = (const dma_run_t *)arg;
    int core = dory_core_id();
    unsigned i, j;
    if (core != 0) {
        /* a kernel's TCDM traffic: a load and a store per iteration, until core 0 is done */
        uint32_t acc = 0;
        if (!r->load) return;
        while (!g_stop)
            for (j = 0; j < 64; j++) {
                acc += load_buf[(j * 8u + (unsigned)core) % N_LOAD];
                load_buf[(j * 8u + (unsigned)core + 4u) % N_LOAD] = acc;
            }
        g_sink[core] = acc;
        return;
    }
    for (i = 0; i < sizeof sizes_1d / sizeof sizes_1d[0]; i++) dma_case(r->dir, r->load, "1d", sizes_1d[i], 1);
    for (i = 0; i < sizeof lens_2d / sizeof lens_2d[0]; i++)
        for (j = 0; j < sizeof rows_2d / sizeof rows_2d[0]; j++) {
            if (lens_2d[i] * rows_2d[j] > L1_BUF) continue;
            dma_case(r->dir, r->load, "2d", lens_2d[i], rows_2d[j]);
            /* per-line commands need room for the 4-byte gaps between L1 lines */
            if ((lens_2d[i] + 4u) * rows_2d[j] <= L1_BUF) dma_case(r->dir, r->load, "rows", lens_2d[i], rows_2d[j]);
            /* 3-D: the L2 side spans 4 * LEN * ROWS bytes */
            if (4u * lens_2d[i] * rows_2d[j] <= L2_BUF && 2u * lens_2d[i] * rows_2d[j] <= L1_BUF)
                dma_case(r->dir, r->load, "3d", lens_2d[i], rows_2d[j]);
        }
    g_stop = 1;
}

#ifdef DORY_PULP_L3_HYPER
static const uint32_t sizes_l3[] = {64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 65536 + 4096};

static int l3_cases(void)
{
    unsigned i, k;
    int rep;
    for (i = 0; i < sizeof sizes_l3 / sizeof sizes_l3[0]; i++) {
        uint32_t n = sizes_l3[i], tw = 0, tr = 0, t0;
        for (rep = 0; rep < 2; rep++) {
            for (k = 0; k < n; k++) l2_buf[k] = (uint8_t)(k * 7u + i + (unsigned)rep);
            t0 = pulp_cycles();
            dory_l3_write(4096u, l2_buf, n);
            tw = pulp_cycles() - t0;
            memset(l2_buf, 0, n);
            t0 = pulp_cycles();
            dory_l3_read(l2_buf, 4096u, n);
            tr = pulp_cycles() - t0;
            for (k = 0; k < n; k++)
                if (l2_buf[k] != (uint8_t)(k * 7u + i + (unsigned)rep)) {
                    printf("l3: byte %u of %lu read back wrong\n", k, (unsigned long)n);
                    return 1;
                }
        }
        printf("l3 0 %lu %lu\n", (unsigned long)n, (unsigned long)tr);
        printf("l3 1 %lu %lu\n", (unsigned long)n, (unsigned long)tw);
    }
    return 0;
}
#endif

int main(void)
{
    dma_run_t r;
    int dir, load;
    if (dory_port_init(0, 0, 1u << 20) != 0) return 2;
    for (load = 0; load < 2; load++)
        for (dir = 0; dir < 2; dir++) {
            r.dir = dir;
            r.load = load;
            g_stop = 0;
            dory_cluster_fork(dma_task, &r);
        }
#ifdef DORY_PULP_L3_HYPER
    if (l3_cases() != 0) return 1;
#endif
    printf("# end\n");
    dory_port_close();
    return 0;
}
