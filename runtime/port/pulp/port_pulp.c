/* dory runtime: the pulp port -- bare metal on GVSOC's pulp-open target (a PULP cluster of
 * RI5CY cores with Xpulpv2 next to a fabric controller), built with Debian's riscv64-unknown-elf-gcc
 * and picolibc. Implements runtime/include/dory/port.h; addresses and CSRs in pulp.h (each cited to
 * GVSOC's models).
 *
 * Build (the generated Makefile.pulp does this): riscv64-unknown-elf-gcc -march=rv32imc_zicsr
 *   -mabi=ilp32 -specs=picolibc.specs -nostartfiles -T runtime/port/pulp/link.ld
 *   runtime/port/pulp/{crt0.S,port_pulp.c} ... -DDORY_PULP_L1_BYTES=<DORY_NET_L1_BYTES>
 *   -DDORY_PULP_L2_BYTES=<DORY_NET_L2_BYTES> -DDORY_PULP_L3_BYTES=<DORY_NET_L3_BYTES>
 *
 * Controller: the fabric controller (FC) runs main (crt0.S: pulp_fc_main, after
 *   pulp_fc_icache_on has enabled the FC's own instruction cache), the network's step loop
 *   and the L3 copies. dory_port_init enables the cluster's instruction cache, writes _start as the
 *   boot address of cluster cores 0..DORY_NUM_CORES-1 and enables their fetch; each core then
 *   starts its counters and waits for work in pulp_cluster_main.
 *
 * Fork/join: dory_cluster_fork stores the task and bumps a generation word in L1; every core runs
 *   the task when it sees a new generation and then stores that generation into its own done
 *   word; the FC returns when all done words equal the generation. Every word has one writer.
 *   Each core adds the fork's counts to g_stats after its done word (off the fork's critical
 *   path); dory_pulp_stats_take waits until every core has.
 *   dory_cluster_fork_start returns right after bumping the generation and dory_cluster_join
 *   does the waiting (and the stack check), so the FC can run L3 transfers meanwhile.
 *
 * Barrier (dory_barrier): a software barrier of single-writer words in L1, no atomics. Core i
 *   keeps a barrier count e_i (incremented on every call); on arrival it stores e_i in arrive[i];
 *   core 0 waits until arrive[j] == e_0 for every j, then stores e_0 in release; the others wait
 *   until release == e_i. Why it is correct: all cores of a fork call the barrier the same number
 *   of times (the runtime's kernels and tile loop are SPMD), so at the k-th barrier e_i == k on
 *   every core. (1) Nobody leaves barrier k before everybody arrived: a core other than 0 leaves
 *   when release == k, which only core 0 stores, after reading arrive[j] == k for all j; core 0
 *   leaves after those reads. (2) No barrier is confused with the next: core j can store
 *   arrive[j] = k + 1 only after leaving barrier k, i.e. after core 0 read arrive[j] == k, so
 *   core 0 never misses a k; release moves k -> k + 1 only after every core left barrier k's
 *   arrival, and a core waiting for k + 1 ignores k. (3) Memory effects before the barrier are
 *   visible after it: RI5CY is in order and its LSU has one transaction outstanding, so a core's
 *   earlier stores (to L1 or L2) complete before its arrive store is issued. Waiting spins on L1
 *   loads; the cycles spent are counted per core ("barrier").
 *
 * DMA (L2 <-> L1): the cluster DMA, mchan (pulp.h cites its registers). dory_dma_3d allocates
 *   one hardware counter for the job (a read of CMD) and pushes its commands: per i2 slab, one
 *   2-D command (n1 lines of len bytes, l2_s1 apart in L2, contiguous in L1) when the L1 lines
 *   are contiguous, else one 1-D command per line (split at the 17-bit length limit); the
 *   transfer then runs while the cores compute. dory_dma_wait spins on STATUS until the counter
 *   has no bytes pending and frees it. When all 16 counters are held by outstanding jobs, the
 *   job is copied at once by the issuing core (allowed: data may move any time before the wait)
 *   and counted as copy cycles ("dma"). The cycles core 0 spends in dory_dma_wait are counted
 *   as "dma" too. Built with -DDORY_PULP_DMA_COPY (make DMA=copy) the port copies every job at
 *   its wait instead, as the RV32 port does (no overlap), for comparison.
 *
 * L3: by default stood in for by an array in L2 (DORY_PULP_L3_BYTES): dory_l3_read/write are
 *   bounds-checked memcpy (the word copy below) on the caller (the FC, between forks), so L3
 *   transfers cost L2-to-L2 copy cycles of the FC (about 0.7 cycles per byte for large copies),
 *   inside the layer's measured cycles, with no overlap -- far cheaper than a HyperRAM would be.
 *   Built with -DDORY_PULP_L3_HYPER (make L3=hyper), L3 is the board's HyperRAM behind the uDMA
 *   instead (l3_hyper.c), and this file keeps only the size check.
 *
 * Perf: dory_perf_now() is the FC's cycle counter (PCCR 0x780, extended to 64 bits); the FC and
 *   the cluster run at the same 50 MHz in pulp-open (pulp.h), so these are cluster cycles;
 *   dory_perf_unit() == "cycles". Per core, port_pulp.h's dory_pulp_stats_take.
 *
 * Stacks: a canary word at the bottom of every cluster stack, checked by its core after every fork
 *   and reported in its done word (the FC's join exits 135 naming the core); the rest painted at
 *   boot, so dory_pulp_stack_peak tells how deep each stack went (the app prints it at the end;
 *   tests/stack_depth.py bounds the same statically).
 *
 * Printing (FC only; a trap prints from any hart): stdout is pulp-open's putc register; exit writes the end-of-computation
 *   register with the status, which ends GVSOC with that status.
 */
#include "dory/port.h"
#include "port_pulp.h"
#include "pulp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DORY_PULP_L1_BYTES
#error "define DORY_PULP_L1_BYTES (the network's DORY_NET_L1_BYTES; Makefile.pulp does)"
#endif
#ifndef DORY_PULP_L2_BYTES
#error "define DORY_PULP_L2_BYTES (the network's DORY_NET_L2_BYTES; Makefile.pulp does)"
#endif
#ifndef DORY_PULP_L3_BYTES
#error "define DORY_PULP_L3_BYTES (the network's DORY_NET_L3_BYTES; Makefile.pulp does)"
#endif
#ifndef DORY_PULP_DMA_SLOTS
#define DORY_PULP_DMA_SLOTS 32
#endif
#if DORY_NUM_CORES > 8
#error "the pulp port boots at most 8 cluster cores"
#endif

#define ARENA_BYTES(n) ((n) > 0 ? (n) : 1)
#define L1 __attribute__((section(".l1")))

static L1 uint8_t g_l1[ARENA_BYTES(DORY_PULP_L1_BYTES)] __attribute__((aligned(16)));
static uint8_t g_l2[ARENA_BYTES(DORY_PULP_L2_BYTES)] __attribute__((aligned(16)));
#ifndef DORY_PULP_L3_HYPER
static uint8_t g_l3[ARENA_BYTES(DORY_PULP_L3_BYTES)] __attribute__((aligned(16)));
#define L3_HOLDS sizeof g_l3
#else
#define L3_HOLDS ((size_t)ARENA_BYTES(DORY_PULP_L3_BYTES)) /* L3 is the HyperRAM (l3_hyper.c) */
#endif

/* fork/join and barrier words (L1: the cores spin on them); one writer each, see the top */
typedef struct {
    volatile uint32_t gen;            /* FC */
    dory_task_fn volatile fn;         /* FC */
    void *volatile arg;               /* FC */
    volatile uint32_t release;        /* core 0 */
    volatile uint32_t done[8];        /* core i */
    volatile uint32_t arrive[8];      /* core i */
    volatile uint32_t epoch[8];       /* core i: its barrier count */
    dory_pulp_counts_t bar[8];        /* core i: its barrier counts of the running fork (folded
                                         into g_stats, in L2, once per fork: an L2 update from the
                                         cluster costs ~30 cycles a word, per barrier that was
                                         ~150 cycles on every core, twice per tile step) */
    uint32_t dma[8];                  /* core i: its DMA wait / copy cycles of the running fork
                                         (folded likewise; per dory_dma_wait ~60 cycles in L2) */
    uint32_t mchan_held;              /* the mchan counters held by outstanding jobs (the issuing
                                         core; the FC at close): read and written by every
                                         dory_dma_3d / dory_dma_wait, ~30 cycles an access in L2 */
} sync_t;
static L1 sync_t g_sync;

static dory_pulp_core_stats_t g_stats[8]; /* core i writes g_stats[i] after each fork, the FC between */
static volatile uint32_t g_counted[8];     /* core i: the last generation whose counts are in g_stats */

static int g_up, g_booted;

extern char _start[];
extern char __cl_stacks_top[], __cl_stack0_size[], __cl_stack_size[];

/* A word at the bottom of every cluster stack, checked after every fork (an overflow ends the run
 * with status 135 naming the core, instead of corrupting the L1 arena silently). */
#define STACK_CANARY 0x57ac4a11u

static volatile uint32_t *stack_bottom(int core)
{
    uintptr_t top = (uintptr_t)__cl_stacks_top, s0 = (uintptr_t)__cl_stack0_size, s = (uintptr_t)__cl_stack_size;
    return (volatile uint32_t *)(top - s0 - (uintptr_t)core * s);
}

/* The rest of every cluster stack is painted with this word at boot, so the FC can tell after a
 * run how deep each core's stack went (dory_pulp_stack_peak). */
#define STACK_PAINT 0x5ca1ab1eu

static size_t stack_size(int core)
{
    return core == 0 ? (size_t)(uintptr_t)__cl_stack0_size : (size_t)(uintptr_t)__cl_stack_size;
}

size_t dory_pulp_stack_peak(int core, size_t *size)
{
    volatile uint32_t *bottom = stack_bottom(core), *p = bottom + 1;
    size_t n = stack_size(core);
    volatile uint32_t *top = (volatile uint32_t *)((uintptr_t)bottom + n);
    *size = n;
    if (*bottom != STACK_CANARY)
        return n + 1; /* overflowed: the join has reported it */
    while (p < top && *p == STACK_PAINT)
        p++;
    return (size_t)((uintptr_t)top - (uintptr_t)p);
}

/* Traps (crt0.S): on any hart, a line on stdout written register by register (no libc: the trap
 * may come from inside it), then the end of the simulation with status 134. */
static void raw_puts(const char *p)
{
    while (*p)
        PULP_REG(PULP_STDOUT_PUTC) = (uint32_t)(uint8_t)*p++;
}

static void raw_hex(uint32_t v)
{
    int i;
    raw_puts("0x");
    for (i = 28; i >= 0; i -= 4)
        PULP_REG(PULP_STDOUT_PUTC) = (uint32_t)(uint8_t)"0123456789abcdef"[(v >> i) & 15u];
}

void pulp_trap(uint32_t hart, uint32_t cause, uint32_t epc, uint32_t tval)
{
    raw_puts("pulp: trap on hart ");
    raw_hex(hart);
    raw_puts(" mcause=");
    raw_hex(cause);
    raw_puts(" mepc=");
    raw_hex(epc);
    raw_puts(" mtval=");
    raw_hex(tval);
    raw_puts("\n");
    PULP_REG(PULP_EOC) = 0x80000000u | 134u;
    for (;;)
        __asm__ volatile("wfi");
}

static void die(const char *what, unsigned long a, unsigned long b) __attribute__((noreturn));
static void die(const char *what, unsigned long a, unsigned long b)
{
    printf("dory pulp port: error: %s (%lu, %lu)\n", what, a, b);
    exit(3);
}

/* ---- stdio and exit (picolibc without an OS library) --------------------------------------- */

static int pulp_putc(char c, FILE *f)
{
    (void)f;
    PULP_REG(PULP_STDOUT_PUTC) = (uint32_t)(uint8_t)c;
    return (uint8_t)c;
}

static FILE g_stdout = FDEV_SETUP_STREAM(pulp_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &g_stdout;
FILE *const stdout = &g_stdout;
FILE *const stderr = &g_stdout;

void _exit(int status)
{
    PULP_REG(PULP_EOC) = 0x80000000u | ((uint32_t)status & 0x7fffffffu);
    for (;;)
        __asm__ volatile("wfi");
}

/* ---- memset / memcpy / memmove ----------------------------------------------------------------
 *
 * These replace picolibc's (the linker takes an object's definition before the library's):
 * Debian's picolibc for rv32imc is built for size, its memset / memcpy / memmove move one byte per
 * iteration. Here the bulk moves a word per load / store, four words per iteration (the loads
 * first: a RI5CY load's result is a cycle late, so back-to-back use would stall). The FC uses
 * them (the layer set-up, the L3 stand-in's copies, dory_net_write/read, concat) and so do the
 * cluster cores (the kernels' im2col). When source and destination are not equally aligned the
 * source words are read with misaligned lw: RI5CY (and GVSOC's ISS, core/models/cpu/iss/src/
 * lsu.cpp data_misaligned_req) splits such a load into two aligned accesses, still fewer than four
 * byte loads. Below 8 bytes the plain byte loop is the cheapest. The optimize attribute keeps gcc
 * from recognising the loops as memset / memcpy and calling them back (-ftree-loop-distribute-
 * patterns is on at -O2). */
#define PULP_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* A word from any address (see above: a misaligned lw is legal on RI5CY, gcc would split it). */
static inline uint32_t ld_any(const uint8_t *p)
{
    uint32_t v;
    __asm__("lw %0, %1" : "=r"(v) : "m"(*(const struct { uint8_t b[4]; } *)p));
    return v;
}

/* n bytes forward from s to d, d 4-aligned, n a multiple of 4; s aligned when sa. Safe for an
 * overlap with d < s (each iteration loads before it stores, and stores below what it loads). */
static PULP_NO_LIBCALL void copy_words_fwd(uint8_t *d, const uint8_t *s, size_t n, int sa)
{
    uint32_t *w = (uint32_t *)(void *)d;
    if (sa) {
        const uint32_t *r = (const uint32_t *)(const void *)s;
        for (; n >= 16; n -= 16, r += 4, w += 4) {
            uint32_t a = r[0], b = r[1], c = r[2], e = r[3];
            w[0] = a;
            w[1] = b;
            w[2] = c;
            w[3] = e;
        }
        for (; n > 0; n -= 4)
            *w++ = *r++;
    } else {
        for (; n >= 16; n -= 16, s += 16, w += 4) {
            uint32_t a = ld_any(s), b = ld_any(s + 4), c = ld_any(s + 8), e = ld_any(s + 12);
            w[0] = a;
            w[1] = b;
            w[2] = c;
            w[3] = e;
        }
        for (; n > 0; n -= 4, s += 4)
            *w++ = ld_any(s);
    }
}

/* Copy n bytes forward: bytes up to d's word boundary, then words (copy_words_fwd), then the
 * tail bytes. Every store lands below what is still to be loaded, so memmove may use it when d is
 * below s. */
static PULP_NO_LIBCALL void copy_forward(uint8_t *d, const uint8_t *s, size_t n)
{
    if (n >= 8) {
        size_t head = (size_t)(-(uintptr_t)d & 3u), body;
        for (; head > 0; head--, n--)
            *d++ = *s++;
        body = n & ~(size_t)3u;
        copy_words_fwd(d, s, body, ((uintptr_t)s & 3u) == 0);
        d += body;
        s += body;
        n -= body;
    }
    while (n-- > 0)
        *d++ = *s++;
}

PULP_NO_LIBCALL void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    copy_forward((uint8_t *)dst, (const uint8_t *)src, n);
    return dst;
}

PULP_NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
    if ((uintptr_t)d <= (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n) {
        copy_forward(d, s, n); /* disjoint, or d below s */
        return dst;
    }
    /* d above s, overlapping: backward, a word at a time when both ends are equally aligned */
    d += n;
    s += n;
    if (n >= 8 && (((uintptr_t)d ^ (uintptr_t)s) & 3u) == 0) {
        for (; ((uintptr_t)d & 3u) != 0; n--)
            *--d = *--s;
        for (; n >= 4; n -= 4) {
            d -= 4;
            s -= 4;
            *(uint32_t *)(void *)d = *(const uint32_t *)(const void *)s;
        }
    }
    while (n-- > 0)
        *--d = *--s;
    return dst;
}

PULP_NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = (uint8_t *)dst;
    uint8_t b = (uint8_t)c;
    if (n >= 8) {
        uint32_t v = (uint32_t)b * 0x01010101u, *w;
        for (; ((uintptr_t)d & 3u) != 0; n--)
            *d++ = b;
        for (w = (uint32_t *)(void *)d; n >= 16; n -= 16, w += 4) {
            w[0] = v;
            w[1] = v;
            w[2] = v;
            w[3] = v;
        }
        for (; n >= 4; n -= 4)
            *w++ = v;
        d = (uint8_t *)w;
    }
    while (n-- > 0)
        *d++ = b;
    return dst;
}

/* ---- cluster --------------------------------------------------------------------------------- */

/* Adds one fork's counts (cycles, instructions, load stalls, I$ misses) and its barrier and DMA
 * counts. Out of line: pulp_cluster_main's frame is under every fork's deepest kernel path (1 KiB
 * stacks; inlined, this grew it 64 -> 80 bytes and the GVSOC kernel driver's conv cases overflowed). */
static __attribute__((noinline)) void stats_add(int me, uint32_t cycles, uint32_t instr, uint32_t ld_stall, uint32_t imiss)
{
    dory_pulp_core_stats_t *s = &g_stats[me];
    dory_pulp_counts_t *b = &g_sync.bar[me];
    s->cycles += cycles;
    s->instr += instr;
    s->ld_stall += ld_stall;
    s->imiss += imiss;
    s->barrier.cycles += b->cycles;
    s->barrier.ld_stall += b->ld_stall;
    s->barrier.imiss += b->imiss;
    s->dma += g_sync.dma[me];
    b->cycles = b->ld_stall = b->imiss = 0;
    g_sync.dma[me] = 0;
}

void pulp_cluster_main(int me)
{
    uint32_t seen = 0;
    pulp_perf_start();
    for (;;) {
        uint32_t gen, c0, i0, l0, m0;
        while ((gen = g_sync.gen) == seen)
            ;
        seen = gen;
        c0 = pulp_cycles();
        i0 = pulp_instr();
        l0 = pulp_ld_stalls();
        m0 = pulp_imiss();
        g_sync.fn(g_sync.arg);
        c0 = pulp_cycles() - c0;
        i0 = pulp_instr() - i0;
        l0 = pulp_ld_stalls() - l0;
        m0 = pulp_imiss() - m0;
        /* done first, then the counts (L2 updates, ~30 cycles a word from the cluster, off the
         * fork's critical path: dory_pulp_stats_take waits for them). A stack overflow (the canary
         * at the bottom of this core's stack overwritten: one L1 load here instead of the FC's
         * ~30-cycle one per core) is reported as done = ~gen, which the FC's join tells apart. */
        g_sync.done[me] = *stack_bottom(me) == STACK_CANARY ? gen : ~gen;
        stats_add(me, c0, i0, l0, m0);
        g_counted[me] = gen;
    }
}

static uint32_t g_pending; /* the generation started and not yet joined (0: none) */

void dory_cluster_fork_start(dory_task_fn fn, void *arg)
{
    uint32_t gen;
    if (!g_up)
        die("dory_cluster_fork called before dory_port_init", 0, 0);
    if (!pulp_is_fc())
        die("dory_cluster_fork: not on the fabric controller (hart)", pulp_hartid(), 0);
    if (g_pending)
        die("dory_cluster_fork_start: the previous fork was not joined (generation)", g_pending, 0);
    gen = g_sync.gen + 1;
    g_sync.fn = fn;
    g_sync.arg = arg;
    g_sync.gen = gen;
    g_pending = gen;
}

void dory_cluster_join(void)
{
    uint32_t gen = g_pending;
    int i;
    if (!gen)
        die("dory_cluster_join without a dory_cluster_fork_start", 0, 0);
    for (i = 0; i < DORY_NUM_CORES; i++) {
        uint32_t d;
        while ((d = g_sync.done[i]) != gen && d != ~gen) /* ~gen: the core found its canary gone */
            ;
        if (d != gen) {
            printf("dory pulp port: cluster core %d overflowed its stack (link.ld: core 0 %lu B, others %lu B)\n", i,
                   (unsigned long)(uintptr_t)__cl_stack0_size, (unsigned long)(uintptr_t)__cl_stack_size);
            exit(135);
        }
    }
    g_pending = 0;
}

int dory_cluster_done(void)
{
    uint32_t gen = g_pending;
    int i;
    if (!gen)
        die("dory_cluster_done without a dory_cluster_fork_start", 0, 0);
    /* a core that found its canary gone (~gen) is done too: the join reports it */
    for (i = 0; i < DORY_NUM_CORES; i++)
        if (g_sync.done[i] != gen && g_sync.done[i] != ~gen)
            return 0;
    return 1;
}

void dory_cluster_fork(dory_task_fn fn, void *arg)
{
    dory_cluster_fork_start(fn, arg);
    dory_cluster_join();
}

int dory_core_id(void)
{
    return pulp_is_fc() ? 0 : (int)(pulp_hartid() & 0x1f);
}

uint32_t dory_core_cycles(void)
{
    return pulp_cycles(); /* every cluster core's PCCR counts cycles during a fork (pulp_perf_start) */
}

void dory_barrier(void)
{
    int me = dory_core_id(), j;
    uint32_t t0 = pulp_cycles(), l0 = pulp_ld_stalls(), m0 = pulp_imiss(), e = g_sync.epoch[me] + 1;
    g_sync.epoch[me] = e;
    g_sync.arrive[me] = e;
    if (me == 0) {
        for (j = 1; j < DORY_NUM_CORES; j++)
            while (g_sync.arrive[j] != e)
                ;
        g_sync.release = e;
    } else {
        while (g_sync.release != e)
            ;
    }
    g_sync.bar[me].cycles += pulp_cycles() - t0;
    g_sync.bar[me].ld_stall += pulp_ld_stalls() - l0;
    g_sync.bar[me].imiss += pulp_imiss() - m0;
}

void dory_pulp_stats_take(dory_pulp_core_stats_t *out)
{
    int i;
    for (i = 0; i < DORY_NUM_CORES; i++) /* each core adds its counts after it signalled done */
        while (g_counted[i] != g_sync.gen)
            ;
    memcpy(out, g_stats, DORY_NUM_CORES * sizeof *out);
    memset(g_stats, 0, sizeof g_stats);
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

typedef struct {
    int busy;
    dory_port_xfer_t t;
} dma_slot_t;

static dma_slot_t g_dma[DORY_PULP_DMA_SLOTS]; /* DORY_PULP_DMA_COPY: jobs waiting for their copy */
#define g_mchan_held g_sync.mchan_held

/* Adds DMA wait / copy cycles to the calling core's count of the running fork (in L1, see sync_t). */
static inline void dma_count(uint32_t cycles)
{
    g_sync.dma[dory_core_id()] += cycles;
}

int dory_port_init(size_t l1_bytes, size_t l2_bytes, size_t l3_bytes)
{
    int i;
    if (g_up) {
        printf("dory pulp port: dory_port_init called twice without dory_port_close\n");
        return -1;
    }
    if (l1_bytes > sizeof g_l1 || l2_bytes > sizeof g_l2 || l3_bytes > L3_HOLDS) {
        printf("dory pulp port: the network needs L1 %lu / L2 %lu / L3 %lu bytes, the arenas hold "
               "L1 %lu / L2 %lu / L3 %lu (build with -DDORY_PULP_L1_BYTES / _L2_ / _L3_)\n",
               (unsigned long)l1_bytes, (unsigned long)l2_bytes, (unsigned long)l3_bytes,
               (unsigned long)sizeof g_l1, (unsigned long)sizeof g_l2, (unsigned long)L3_HOLDS);
        return -1;
    }
#ifdef DORY_PULP_L3_HYPER
    if (dory_pulp_l3_init(l3_bytes) != 0)
        return -1;
#endif
    memset(g_dma, 0, sizeof g_dma);
    memset(g_stats, 0, sizeof g_stats);
    if (!g_booted) {
        memset((void *)&g_sync, 0, sizeof g_sync);
        for (i = 0; i < DORY_NUM_CORES; i++) {
            volatile uint32_t *p = stack_bottom(i), *top = (volatile uint32_t *)((uintptr_t)p + stack_size(i));
            *p++ = STACK_CANARY;
            while (p < top)
                *p++ = STACK_PAINT;
        }
        PULP_REG(PULP_CLUSTER_ICACHE_ENABLE) = 0xffffffffu;
        for (i = 0; i < DORY_NUM_CORES; i++)
            PULP_REG(PULP_CLUSTER_CTRL_BOOT_ADDR(i)) = (uint32_t)(uintptr_t)_start;
        PULP_REG(PULP_CLUSTER_CTRL_FETCH_EN) = (1u << DORY_NUM_CORES) - 1u;
        g_booted = 1;
    }
    g_up = 1;
    return 0;
}

void dory_port_close(void)
{
    int i;
    for (i = 0; i < DORY_PULP_DMA_SLOTS; i++)
        if (g_dma[i].busy) {
            printf("dory pulp port: warning: DMA job (slot %d) was issued but never waited\n", i);
            g_dma[i].busy = 0;
        }
#ifndef DORY_PULP_DMA_COPY
    if (g_mchan_held) {
        printf("dory pulp port: warning: DMA jobs (mchan counters 0x%lx) were issued but never waited\n",
               (unsigned long)g_mchan_held);
        PULP_REG(PULP_MCHAN_STATUS) = g_mchan_held;
        g_mchan_held = 0;
    }
#endif
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

#ifndef DORY_PULP_L3_HYPER
uint8_t *dory_l3_base(void)
{
    return g_l3;
}
#endif

/* ---- DMA (see the top) ------------------------------------------------------------------------ */

static void dma_check_dir(int dir)
{
    if (dir != DORY_DMA_L2_TO_L1 && dir != DORY_DMA_L1_TO_L2)
        die("dory_dma_3d: bad direction", (unsigned long)dir, 0);
}

#ifdef DORY_PULP_DMA_COPY
void dory_dma_3d(dory_dma_job_t *job, int dir, void *l1, void *l2, size_t len, size_t n1, size_t l1_s1,
                 size_t l2_s1, size_t n2, size_t l1_s2, size_t l2_s2)
{
    int i;
    dma_check_dir(dir);
    for (i = 0; i < DORY_PULP_DMA_SLOTS; i++)
        if (!g_dma[i].busy)
            break;
    if (i == DORY_PULP_DMA_SLOTS)
        die("dory_dma_3d: too many jobs outstanding (slots)", DORY_PULP_DMA_SLOTS, 0);
    {
        dory_port_xfer_t t = {dir, (uint8_t *)l1, (uint8_t *)l2, len, n1, l1_s1, l2_s1, n2, l1_s2, l2_s2};
        g_dma[i].t = t;
    }
    g_dma[i].busy = 1;
    job->id = i;
}

void dory_dma_wait(dory_dma_job_t *job)
{
    uint32_t t0;
    if (job->id < 0 || job->id >= DORY_PULP_DMA_SLOTS || !g_dma[job->id].busy)
        die("dory_dma_wait: job not outstanding (id)", (unsigned long)job->id, 0);
    t0 = pulp_cycles();
    dory_port_copy_3d(&g_dma[job->id].t);
    dma_count(pulp_cycles() - t0);
    g_dma[job->id].busy = 0;
    job->id = -1;
}
#else
/* job ids: 0..15 a held mchan counter; DMA_DONE a job already copied at issue */
enum { DMA_DONE = 0x100 };

/* Allocate an mchan counter for ``job``: reading CMD hands out a free one, and the commands pushed
 * next count on it. Always inlined: dory_dma_3d's one-row path exists to keep core 0's per-step
 * code small (no call frame). */
static inline __attribute__((always_inline)) void mchan_take(dory_dma_job_t *job)
{
    uint32_t tid = PULP_REG(PULP_MCHAN_CMD);
    if (tid >= PULP_MCHAN_COUNTERS || (g_mchan_held & (1u << tid)))
        die("dory_dma_3d: mchan gave an unexpected counter (counter, held)", tid, g_mchan_held);
    g_mchan_held |= 1u << tid;
    job->id = (int32_t)tid;
}

static void mchan_push(uint32_t cmd, uint8_t *l1, uint8_t *l2, uint32_t bytes)
{
    while (bytes > 0) {
        uint32_t n = bytes < PULP_MCHAN_LEN_MAX ? bytes : PULP_MCHAN_LEN_MAX;
        PULP_REG(PULP_MCHAN_CMD) = cmd | n;
        PULP_REG(PULP_MCHAN_CMD) = (uint32_t)(uintptr_t)l1;
        PULP_REG(PULP_MCHAN_CMD) = (uint32_t)(uintptr_t)l2;
        l1 += n;
        l2 += n;
        bytes -= n;
    }
}

static __attribute__((noinline)) void dma_3d_any(dory_dma_job_t *job, int dir, void *l1, void *l2, size_t len,
                                                 size_t n1, size_t l1_s1, size_t l2_s1, size_t n2, size_t l1_s2,
                                                 size_t l2_s2)
{
    uint32_t cmd = PULP_MCHAN_INC | (dir == DORY_DMA_L2_TO_L1 ? PULP_MCHAN_TYPE_EXT2LOC : 0u);
    size_t i2, i1;
    dma_check_dir(dir);
    if (g_mchan_held == (1u << PULP_MCHAN_COUNTERS) - 1u) {
        /* every counter is held: move the bytes now (a read of CMD would stall until a free) */
        dory_port_xfer_t t = {dir, (uint8_t *)l1, (uint8_t *)l2, len, n1, l1_s1, l2_s1, n2, l1_s2, l2_s2};
        uint32_t t0 = pulp_cycles();
        dory_port_copy_3d(&t);
        dma_count(pulp_cycles() - t0);
        job->id = DMA_DONE;
        return;
    }
    mchan_take(job);
    if (len == 0)
        return;
    for (i2 = 0; i2 < n2; i2++) {
        uint8_t *a = (uint8_t *)l1 + i2 * l1_s2, *b = (uint8_t *)l2 + i2 * l2_s2;
        if (n1 > 1 && l1_s1 == len && n1 * len <= PULP_MCHAN_LEN_MAX) {
            /* one 2-D command: n1 lines of len bytes, l2_s1 apart in L2, back to back in L1 */
            PULP_REG(PULP_MCHAN_CMD) = cmd | PULP_MCHAN_2D_EXT | (uint32_t)(n1 * len);
            PULP_REG(PULP_MCHAN_CMD) = (uint32_t)(uintptr_t)a;
            PULP_REG(PULP_MCHAN_CMD) = (uint32_t)(uintptr_t)b;
            PULP_REG(PULP_MCHAN_CMD) = (uint32_t)len;
            PULP_REG(PULP_MCHAN_CMD) = (uint32_t)l2_s1;
        } else {
            for (i1 = 0; i1 < n1; i1++)
                mchan_push(cmd, a + i1 * l1_s1, b + i1 * l2_s1, (uint32_t)len);
        }
    }
}

/* One contiguous row (the tile loop's usual copy: layer.c's dma3 folds contiguous dimensions) in
 * one mchan command, without dma_3d_any's loops: core 0 runs this between the forks' barriers
 * while the other cores wait, and the kernels evict it from the instruction cache every step
 * (GVSOC: dory_dma_3d's 12-register frame and loops, ~20 cache lines refilled from L2 at ~40
 * cycles each, took ~1,200-1,500 cycles of core 0's per step). */
void dory_dma_3d(dory_dma_job_t *job, int dir, void *l1, void *l2, size_t len, size_t n1, size_t l1_s1,
                 size_t l2_s1, size_t n2, size_t l1_s2, size_t l2_s2)
{
    if (n1 != 1 || n2 != 1 || len == 0 || len > PULP_MCHAN_LEN_MAX ||
        g_mchan_held == (1u << PULP_MCHAN_COUNTERS) - 1u || (unsigned)dir > (unsigned)DORY_DMA_L1_TO_L2) {
        dma_3d_any(job, dir, l1, l2, len, n1, l1_s1, l2_s1, n2, l1_s2, l2_s2);
        return;
    }
    mchan_take(job);
    PULP_REG(PULP_MCHAN_CMD) =
        PULP_MCHAN_INC | (dir == DORY_DMA_L2_TO_L1 ? PULP_MCHAN_TYPE_EXT2LOC : 0u) | (uint32_t)len;
    PULP_REG(PULP_MCHAN_CMD) = (uint32_t)(uintptr_t)l1;
    PULP_REG(PULP_MCHAN_CMD) = (uint32_t)(uintptr_t)l2;
}

void dory_dma_wait(dory_dma_job_t *job)
{
    uint32_t t0, bit;
    if (job->id == DMA_DONE) {
        job->id = -1;
        return;
    }
    if (job->id < 0 || job->id >= PULP_MCHAN_COUNTERS || !(g_mchan_held & (1u << job->id)))
        die("dory_dma_wait: job not outstanding (id)", (unsigned long)job->id, 0);
    bit = 1u << job->id;
    if (!(PULP_REG(PULP_MCHAN_STATUS) & bit)) {
        /* already done (no wait to count): core 0 runs this between the barriers (see dory_dma_3d) */
        PULP_REG(PULP_MCHAN_STATUS) = bit;
        g_mchan_held &= ~bit;
        job->id = -1;
        return;
    }
    t0 = pulp_cycles();
    while (PULP_REG(PULP_MCHAN_STATUS) & bit)
        ;
    PULP_REG(PULP_MCHAN_STATUS) = bit; /* free the counter */
    dma_count(pulp_cycles() - t0);
    g_mchan_held &= ~bit;
    job->id = -1;
}
#endif

/* ---- L3 (an L2 array; see the top) ----------------------------------------------------------- */
#ifndef DORY_PULP_L3_HYPER

static void l3_check(uint32_t addr, size_t bytes)
{
    if ((size_t)addr > sizeof g_l3 || bytes > sizeof g_l3 - (size_t)addr)
        die("L3 access outside the L3 arena (address, bytes)", addr, (unsigned long)bytes);
}

void dory_l3_read(void *l2_dst, uint32_t l3_addr, size_t bytes)
{
    l3_check(l3_addr, bytes);
    memcpy(l2_dst, g_l3 + l3_addr, bytes);
}

void dory_l3_write(uint32_t l3_addr, const void *l2_src, size_t bytes)
{
    l3_check(l3_addr, bytes);
    memcpy(g_l3 + l3_addr, l2_src, bytes);
}

void dory_l3_load(uint32_t l3_addr, const void *src, size_t bytes)
{
    dory_l3_write(l3_addr, src, bytes);
}

void dory_l3_store(void *dst, uint32_t l3_addr, size_t bytes)
{
    dory_l3_read(dst, l3_addr, bytes);
}
#endif /* !DORY_PULP_L3_HYPER */

/* ---- perf ------------------------------------------------------------------------------------ */

static uint32_t g_perf_last, g_perf_high;

uint64_t dory_perf_now(void)
{
    uint32_t now = pulp_cycles();
    if (now < g_perf_last)
        g_perf_high++;
    g_perf_last = now;
    return ((uint64_t)g_perf_high << 32) | now;
}

const char *dory_perf_unit(void)
{
    return "cycles";
}

/* ---- FC entry -------------------------------------------------------------------------------- */

int main(int argc, char **argv);

/* crt0.S calls this first on the FC (before .bss is cleared: it touches no memory). */
void pulp_fc_icache_on(void)
{
    PULP_REG(PULP_FC_ICACHE_ENABLE) = 1u;
}

void pulp_fc_main(void)
{
    pulp_perf_start();
    exit(main(0, 0));
}
