/* dory runtime: the RV32 port -- bare-metal rv32imc on QEMU virt with 8 harts, the GAP8 stand-in
 * of ../shared/tools/rv32 (crt0.S, rt.c, rv32.h, link.ld and prof/ are copies of that harness).
 * Implements runtime/include/dory/port.h.
 *
 * Build (the generated Makefile.rv32 does this): riscv64-unknown-elf-gcc -march=rv32imc
 *   -mabi=ilp32 -mcmodel=medany -specs=picolibc.specs --oslib=semihost -nostartfiles
 *   -T runtime/port/rv32/link.ld runtime/port/rv32/{crt0.S,rt.c,port_rv32.c} ...
 *   -DDORY_RV32_L2_BYTES=<DORY_NET_L2_BYTES> -DDORY_RV32_L3_BYTES=<DORY_NET_L3_BYTES>
 *   -DDORY_RV32_L1_BYTES=<DORY_NET_L1_BYTES> (default 57344: 64 KiB less the 7 KiB of worker
 *   stacks) [-DDORY_RV32_REGIONS=<DORY_NET_STEPS>]
 *
 * Cluster: hart 0 is both the controller (it runs main) and core 0; dory_cluster_fork is
 *   rv32_fork over DORY_NUM_CORES (8) harts (hart 0 takes part, then joins); dory_core_id is
 *   rv32_hartid (0 outside a fork, on the controller); dory_barrier is rv32_barrier (no A
 *   extension: single-writer flags + CLINT wake-ups, harts wait in wfi). dory_port_init fails if
 *   QEMU started fewer than DORY_NUM_CORES harts (-smp 8).
 *
 * Memories (link.ld): three static arenas, so a network that does not fit fails at link time
 *   ("region `L2' overflowed by N bytes"), never at run time:
 *     L1: RV32_L1 array of DORY_RV32_L1_BYTES (Makefile.rv32: the network's L1 budget; the
 *         worker stacks follow it in the 64 KiB L1 region); dory_port_init fails with a
 *         message if the network's L1 budget is larger than the array.
 *     L2: array of DORY_RV32_L2_BYTES in .bss (L2, with code, data and stacks; 512 KiB in all).
 *     L3: RV32_L3 array of DORY_RV32_L3_BYTES (8 MiB region). l3 addresses are offsets into it.
 *   dory_port_init also checks the budgets against the arena sizes it was built with.
 *
 * DMA (L2 <-> L1): copies, deferred like the host port's: dory_dma_3d records the job in one of
 *   DORY_RV32_DMA_SLOTS (32) slots, dory_dma_wait moves the bytes (so the instructions of the
 *   copy are counted on the hart that waits, core 0). Issue and wait from one core at a time.
 * L3 <-> L2: blocking, bounds-checked copies (an out-of-range access prints and exits 3).
 *
 * Perf counter: dory_perf_now() is rv32_instret(): under `qemu -icount shift=0,sleep=off` QEMU's
 *   virtual clock, i.e. the instructions executed by ALL harts together (a hart asleep in wfi
 *   adds nothing; barrier-heavy intervals read a few % high, see the harness README);
 *   dory_perf_unit() == "instr". Exact per-hart counts come from the rv32prof plugin and the
 *   regions of port_rv32.h.
 *
 * Printing: only hart 0 prints (all error paths here run on the controller / core 0).
 */
#include "dory/port.h"
#include "port_rv32.h"
#include "rv32.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef DORY_RV32_L1_BYTES
#define DORY_RV32_L1_BYTES 57344
#endif
#ifndef DORY_RV32_L2_BYTES
#error "define DORY_RV32_L2_BYTES (the network's DORY_NET_L2_BYTES; Makefile.rv32 does)"
#endif
#ifndef DORY_RV32_L3_BYTES
#error "define DORY_RV32_L3_BYTES (the network's DORY_NET_L3_BYTES; Makefile.rv32 does)"
#endif
#ifndef DORY_RV32_DMA_SLOTS
#define DORY_RV32_DMA_SLOTS 32
#endif
#if DORY_RV32_REGIONS > 1024
#error "DORY_RV32_REGIONS: the rv32prof plugin counts region ids 0..1023"
#endif

#define ARENA_BYTES(n) ((n) > 0 ? (n) : 1)

static RV32_L1 uint8_t g_l1[ARENA_BYTES(DORY_RV32_L1_BYTES)] __attribute__((aligned(64)));
static uint8_t g_l2[ARENA_BYTES(DORY_RV32_L2_BYTES)] __attribute__((aligned(64)));
static RV32_L3 uint8_t g_l3[ARENA_BYTES(DORY_RV32_L3_BYTES)] __attribute__((aligned(64)));

static int g_up;
static size_t g_l1_size, g_l2_size, g_l3_size;

static void die(const char *what, unsigned long a, unsigned long b) __attribute__((noreturn));
static void die(const char *what, unsigned long a, unsigned long b)
{
    printf("dory rv32 port: error: %s (%lu, %lu)\n", what, a, b);
    fflush(stdout);
    _exit(3);
}

/* ---- lifecycle --------------------------------------------------------------------------- */

typedef struct {
    int busy;
    dory_port_xfer_t t; /* the transfer */
} dma_slot_t;

static dma_slot_t g_dma[DORY_RV32_DMA_SLOTS];

int dory_port_init(size_t l1_bytes, size_t l2_bytes, size_t l3_bytes)
{
    if (g_up) {
        printf("dory rv32 port: dory_port_init called twice without dory_port_close\n");
        return -1;
    }
    if (rv32_nharts() < DORY_NUM_CORES) {
        printf("dory rv32 port: %lu harts, the cluster needs %d (run qemu with -smp %d)\n",
               (unsigned long)rv32_nharts(), DORY_NUM_CORES, DORY_NUM_CORES);
        return -1;
    }
    if (l1_bytes > sizeof g_l1 || l2_bytes > sizeof g_l2 || l3_bytes > sizeof g_l3) {
        printf("dory rv32 port: the network needs L1 %lu / L2 %lu / L3 %lu bytes, the arenas hold "
               "L1 %lu / L2 %lu / L3 %lu (build with -DDORY_RV32_L1_BYTES / _L2_ / _L3_; the L1 region "
               "is 64 KiB)\n",
               (unsigned long)l1_bytes, (unsigned long)l2_bytes, (unsigned long)l3_bytes,
               (unsigned long)sizeof g_l1, (unsigned long)sizeof g_l2, (unsigned long)sizeof g_l3);
        return -1;
    }
    g_l1_size = l1_bytes;
    g_l2_size = l2_bytes;
    g_l3_size = l3_bytes;
    memset(g_dma, 0, sizeof g_dma);
    g_up = 1;
    return 0;
}

void dory_port_close(void)
{
    int i;
    for (i = 0; i < DORY_RV32_DMA_SLOTS; i++)
        if (g_dma[i].busy) {
            printf("dory rv32 port: warning: DMA job (slot %d) was issued but never waited\n", i);
            g_dma[i].busy = 0;
        }
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
    return g_l3;
}

uint32_t dory_rv32_l2_free(void)
{
    extern char __heap_start[], __heap_end[];
    return (uint32_t)(__heap_end - __heap_start);
}

/* ---- regions (rv32prof markers) ------------------------------------------------------------
 * The markers are `slti x0, x0, imm` with a constant imm, so a runtime region id selects one
 * entry of a table of `slti x0, x0, k; ret` pairs (8 bytes each, uncompressed), k = 0 ..
 * 2 * DORY_RV32_REGIONS - 1. The call and return around a marker add ~3 instructions per region. */
#define DORY_RV32_STR_(x) #x
#define DORY_RV32_STR(x) DORY_RV32_STR_(x)

__asm__(".pushsection .text.dory_rv32_markers, \"ax\", @progbits\n"
        ".balign 8\n"
        ".globl dory_rv32_marker_table\n"
        ".type dory_rv32_marker_table, @function\n"
        "dory_rv32_marker_table:\n"
        ".option push\n"
        ".option norvc\n"
        ".set dory_rv32_k, 0\n"
        ".rept 2 * (" DORY_RV32_STR(DORY_RV32_REGIONS) ")\n"
        "slti x0, x0, dory_rv32_k\n"
        "jalr x0, 0(ra)\n"
        ".set dory_rv32_k, dory_rv32_k + 1\n"
        ".endr\n"
        ".option pop\n"
        ".size dory_rv32_marker_table, . - dory_rv32_marker_table\n"
        ".popsection\n");
extern void dory_rv32_marker_table(void);

static volatile int g_region = -1; /* written by hart 0 outside forks */

static void marker(int k)
{
    void (*fn)(void) = (void (*)(void))((uintptr_t)dory_rv32_marker_table + 8u * (uint32_t)k);
    fn();
}

void dory_rv32_region_begin(int id)
{
    if (id < 0 || id >= DORY_RV32_REGIONS)
        return;
    g_region = id;
    marker(2 * id);
}

void dory_rv32_region_end(int id)
{
    if (id < 0 || id >= DORY_RV32_REGIONS)
        return;
    marker(2 * id + 1);
    g_region = -1;
}

/* ---- cluster ----------------------------------------------------------------------------- */

static dory_task_fn g_task_fn;
static void *g_task_arg;

static void team_entry(void *unused)
{
    int region = g_region;
    int mark = region >= 0 && rv32_hartid() != 0;
    (void)unused;
    if (mark)
        marker(2 * region);
    g_task_fn(g_task_arg);
    if (mark)
        marker(2 * region + 1);
}

void dory_cluster_fork(dory_task_fn fn, void *arg)
{
    if (!g_up)
        die("dory_cluster_fork called before dory_port_init", 0, 0);
    if (rv32_hartid() != 0 || rv32_team_size() != 1)
        die("dory_cluster_fork: nested fork or not on hart 0 (hart, team)", rv32_hartid(), rv32_team_size());
    g_task_fn = fn;
    g_task_arg = arg;
    rv32_fork(DORY_NUM_CORES, team_entry, NULL);
    g_task_fn = NULL;
    g_task_arg = NULL;
}

/* port.h's two halves of a fork: the task runs whole inside join */
#include "../deferred_fork.h"

int dory_core_id(void)
{
    return (int)rv32_hartid();
}

uint32_t dory_core_cycles(void)
{
    return 0; /* no per-core cycle counter here: core 0 takes an even kernel share */
}

void dory_barrier(void)
{
    rv32_barrier();
}

/* ---- DMA --------------------------------------------------------------------------------- */

void dory_dma_3d(dory_dma_job_t *job, int dir, void *l1, void *l2, size_t len, size_t n1, size_t l1_s1,
                 size_t l2_s1, size_t n2, size_t l1_s2, size_t l2_s2)
{
    int i;
    dma_slot_t *s;
    if (dir != DORY_DMA_L2_TO_L1 && dir != DORY_DMA_L1_TO_L2)
        die("dory_dma_3d: bad direction", (unsigned long)dir, 0);
    for (i = 0; i < DORY_RV32_DMA_SLOTS; i++)
        if (!g_dma[i].busy)
            break;
    if (i == DORY_RV32_DMA_SLOTS)
        die("dory_dma_3d: too many jobs outstanding (slots)", DORY_RV32_DMA_SLOTS, 0);
    s = &g_dma[i];
    {
        dory_port_xfer_t t = {dir, (uint8_t *)l1, (uint8_t *)l2, len, n1, l1_s1, l2_s1, n2, l1_s2, l2_s2};
        s->t = t;
    }
    s->busy = 1;
    job->id = i;
}

void dory_dma_wait(dory_dma_job_t *job)
{
    dma_slot_t *s;
    if (job->id < 0 || job->id >= DORY_RV32_DMA_SLOTS || !g_dma[job->id].busy)
        return; /* nothing in flight */
    s = &g_dma[job->id];
    dory_port_copy_3d(&s->t);
    s->busy = 0;
    job->id = -1;
}

/* ---- L3 ---------------------------------------------------------------------------------- */

static void check_l3(const char *what, uint32_t l3_addr, size_t bytes)
{
    if ((uint64_t)l3_addr > (uint64_t)g_l3_size || (uint64_t)bytes > (uint64_t)g_l3_size - l3_addr)
        die(what, (unsigned long)l3_addr, (unsigned long)bytes);
}

void dory_l3_read(void *l2_dst, uint32_t l3_addr, size_t bytes)
{
    check_l3("dory_l3_read: L3 range outside the arena (address, bytes)", l3_addr, bytes);
    if (bytes)
        memcpy(l2_dst, g_l3 + l3_addr, bytes);
}

void dory_l3_write(uint32_t l3_addr, const void *l2_src, size_t bytes)
{
    check_l3("dory_l3_write: L3 range outside the arena (address, bytes)", l3_addr, bytes);
    if (bytes)
        memcpy(g_l3 + l3_addr, l2_src, bytes);
}

void dory_l3_load(uint32_t l3_addr, const void *src, size_t bytes)
{
    check_l3("dory_l3_load: L3 range outside the arena (address, bytes)", l3_addr, bytes);
    if (bytes)
        memcpy(g_l3 + l3_addr, src, bytes);
}

void dory_l3_store(void *dst, uint32_t l3_addr, size_t bytes)
{
    check_l3("dory_l3_store: L3 range outside the arena (address, bytes)", l3_addr, bytes);
    if (bytes)
        memcpy(dst, g_l3 + l3_addr, bytes);
}

/* ---- perf -------------------------------------------------------------------------------- */

uint64_t dory_perf_now(void)
{
    return rv32_instret();
}

const char *dory_perf_unit(void)
{
    return "instr";
}
