/* dory runtime: the pulp port's L3 on the board's HyperRAM (built with -DDORY_PULP_L3_HYPER; make
 * run L3=hyper). Implements dory/port.h's L3 half (dory_l3_read / _write / _load / _store /
 * dory_l3_base) and the boot load of the weights blob from the host's weights.bin; the registers are
 * in pulp.h (each cited to GVSOC's models).
 *
 * What runs: pulp-open's board puts an 8 MiB HyperRAM (s27ks0641) on chip select 0 of the SoC's
 *   HyperBus, behind the uDMA. The FC programs uDMA channel 0 of the hyper peripheral: the HyperRAM
 *   byte address, the command/address setup (read or write, linear burst), the L2 address and size
 *   of the direction, then the direction's CFG with EN, which enqueues the transfer; it then spins
 *   on the channel's STATUS busy bit. Blocking for the FC, like the runtime's L3 contract; the
 *   cluster may be running meanwhile (layer.c overlaps staging with the cluster's tiles), and
 *   whatever is not overlapped counts in the layer's measured cycles.
 *
 * How GVSOC times it (pulp/udma/hyper/udma_hyper_v3.cpp, core/models/devices/hyperbus/
 *   hyperram_impl.cpp): per transfer, a chip-select cycle, the 6 command/address bytes, the access
 *   latency (T_LATENCY_ACCESS << EN_LATENCY_ADD periph cycles; we program the s27ks0641's 6 clocks
 *   doubled, as its fixed-latency default), then one byte per periph-clock cycle (50 MHz in
 *   pulp_open/soc.py, the SoC's clock too) and a chip-select release; the uDMA moves the bytes to /
 *   from L2 as 32-bit words. Hence about 1 byte per FC cycle for a big transfer (measured: see
 *   docs/gvsoc.md), where a real HyperBus moves 2 bytes per clock (DDR).
 *
 * What the model requires of the L2 side (pulp/udma/udma_v3_impl.cpp): the uDMA writes every
 *   received word as a whole 4-byte store at the running address (Udma_transfer::prepare_req), so
 *   an RX into an L2 range that does not start and end on a word boundary would overwrite up to 3
 *   bytes either side. dory_l3_read therefore reads from the word-aligned start below the
 *   destination (the L3 bytes below l3_addr come along) and puts the bytes it overwrote outside the
 *   destination back afterwards (nothing else may touch those bytes during the transfer: layer.c
 *   overlaps a transfer with the cluster only into word-aligned, word-padded copies, so then
 *   there are no such bytes; a destination on the FC's stack that is not word aligned is bounced
 *   instead, since the bytes below it may be the frames of the copy itself). TX reads whole words from L2 and sends only SIZE bytes, so a
 *   word-aligned source needs nothing. Anything else (a source that is not word aligned, a side not
 *   in L2) goes through an L2 bounce buffer, copied by the FC.
 *
 * Transfers are split at L3_CHUNK bytes (the model's SIZE register is 32 bits; the chip's uDMA
 *   counts sizes in a narrower field, so no single transfer exceeds 64 KiB).
 *
 * Boot (dory_pulp_load_blob_file): the FC reads the weights blob from the host's file through
 *   RISC-V semihosting (core/models/cpu/iss/src/syscalls.cpp, handle_riscv_ebreak: SYS_OPEN 0x01
 *   with {path, mode, length}, SYS_READ 0x06 with {fd, buffer, size} returning the bytes not read,
 *   SYS_CLOSE 0x02 with the fd itself in a1; the ISS treats an ebreak as a semihosting call when the instruction
 *   before it is the 32-bit `slli zero, zero, 0x1f`), a piece at a time into the bounce buffer,
 *   and dory_net_load_blob_stream writes each record to the L2 arena or to the HyperRAM. So the
 *   blob is not in the ELF, and L2 holds only code, the L2 arena and this buffer.
 */
#ifndef DORY_PULP_L3_HYPER
#error "l3_hyper.c is the L3 of the pulp port built with -DDORY_PULP_L3_HYPER (make L3=hyper)"
#endif

#include "dory/net.h"
#include "dory/port.h"
#include "port_pulp.h"
#include "pulp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define L3_CHUNK 0x10000u
#define BOUNCE_BYTES 2048u /* a multiple of 4: an RX into it never writes past its end */

static uint8_t g_bounce[BOUNCE_BYTES] __attribute__((aligned(4)));
static uint32_t g_l3_bytes;
static dory_pulp_l3_stats_t g_l3_stats;

static void l3_die(const char *what, unsigned long a, unsigned long b) __attribute__((noreturn));
static void l3_die(const char *what, unsigned long a, unsigned long b)
{
    printf("dory pulp port: error: %s (%lu, %lu)\n", what, a, b);
    exit(3);
}

int dory_pulp_l3_init(size_t l3_bytes)
{
    if (l3_bytes > PULP_HYPERRAM_BYTES) {
        printf("dory pulp port: the network needs L3 %lu bytes, the HyperRAM holds %lu\n", (unsigned long)l3_bytes,
               (unsigned long)PULP_HYPERRAM_BYTES);
        return -1;
    }
    g_l3_bytes = (uint32_t)l3_bytes;
    memset(&g_l3_stats, 0, sizeof g_l3_stats);
    /* the hyper peripheral ignores register writes while its clock is gated */
    PULP_REG(PULP_UDMA_CG) = PULP_REG(PULP_UDMA_CG) | (1u << PULP_UDMA_HYPER_ID);
    PULP_REG(PULP_HYPER_MEM_SEL) = 0u; /* chip select 0: the HyperRAM */
    PULP_REG(PULP_HYPER_T_LATENCY) = 6u;
    PULP_REG(PULP_HYPER_EN_LATENCY_ADD) = 1u;
    return 0;
}

/* [p, p + n) inside L2, where the uDMA reaches */
static int in_l2(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    return a >= PULP_L2_START && a <= PULP_L2_END && n <= PULP_L2_END - a;
}

static void l3_check(uint32_t addr, size_t bytes)
{
    if (addr > g_l3_bytes || bytes > g_l3_bytes - addr)
        l3_die("L3 access outside the network's L3 (address, bytes)", addr, (unsigned long)bytes);
}

/* One uDMA transfer of n bytes (n <= L3_CHUNK) between L2 and the HyperRAM, waited for. */
static void hyper_xfer(int read, uint32_t l2, uint32_t l3, uint32_t n)
{
    PULP_REG(PULP_HYPER_ADDR) = l3;
    PULP_REG(PULP_HYPER_CA_SETUP) = PULP_HYPER_CA_LINEAR | (read ? PULP_HYPER_CA_READ : 0u);
    /* the SADDR written last picks the direction of the CFG's enqueue (udma_hyper_v3.cpp) */
    if (read) {
        PULP_REG(PULP_HYPER_RX_SADDR) = l2;
        PULP_REG(PULP_HYPER_RX_SIZE) = n;
        PULP_REG(PULP_HYPER_RX_CFG) = PULP_UDMA_CFG_EN;
    } else {
        PULP_REG(PULP_HYPER_TX_SADDR) = l2;
        PULP_REG(PULP_HYPER_TX_SIZE) = n;
        PULP_REG(PULP_HYPER_TX_CFG) = PULP_UDMA_CFG_EN;
    }
    /* busy clears with the chip select, after the last byte went to the HyperRAM (TX) or after
     * the uDMA queued its last L2 store (RX; that store completes a cycle later, before the FC's
     * APB read of STATUS returns) */
    while (PULP_REG(PULP_HYPER_STATUS) & 1u)
        ;
}

static void hyper_chunks(int read, uint8_t *l2, uint32_t l3, uint32_t n)
{
    uint32_t done, c;
    for (done = 0; done < n; done += c) {
        c = n - done < L3_CHUNK ? n - done : L3_CHUNK;
        hyper_xfer(read, (uint32_t)(uintptr_t)(l2 + done), l3 + done, c);
    }
}

extern char __fc_stack_top[], __fc_stack_size[]; /* link.ld */

/* Is p on the FC's stack? The bytes below such a buffer may belong to the frames of rx itself. */
static int on_fc_stack(const void *p)
{
    uintptr_t a = (uintptr_t)p, top = (uintptr_t)__fc_stack_top;
    return a < top && a >= top - (uintptr_t)__fc_stack_size;
}

static void rx(uint8_t *dst, uint32_t addr, uint32_t n)
{
    uint32_t k = (uint32_t)((uintptr_t)dst & 3u), done, c;
    if (n == 0)
        return;
    /* the bytes after the end are in dst's own frame or its callers' even on the stack (which
     * grows down), never in the frames running the transfer; the bytes below dst need k == 0 there */
    if (in_l2(dst, n) && k <= addr && (k == 0 || !on_fc_stack(dst))) {
        /* from the word below dst to the word after its end; keep the k bytes below dst and the
         * pad bytes after it (L2_START and L2_END are word aligned, so both words are in L2) */
        uint8_t *a = dst - k, head[4], tail[4];
        uint32_t m = n + k, pad = (4u - m % 4u) % 4u;
        memcpy(head, a, k);
        memcpy(tail, a + m, pad);
        hyper_chunks(1, a, addr - k, m);
        memcpy(a, head, k);
        memcpy(a + m, tail, pad);
        return;
    }
    for (done = 0; done < n; done += c) {
        c = n - done < BOUNCE_BYTES ? n - done : BOUNCE_BYTES;
        hyper_xfer(1, (uint32_t)(uintptr_t)g_bounce, addr + done, c);
        memcpy(dst + done, g_bounce, c);
    }
}

static void tx(uint32_t addr, const uint8_t *src, uint32_t n)
{
    uint32_t done, c;
    if (n == 0)
        return;
    /* the uDMA reads whole words, up to 3 bytes past the end: keep them inside L2 */
    if (((uintptr_t)src & 3u) == 0 && in_l2(src, (n + 3u) & ~3u)) {
        hyper_chunks(0, (uint8_t *)(uintptr_t)src, addr, n);
        return;
    }
    for (done = 0; done < n; done += c) {
        c = n - done < BOUNCE_BYTES ? n - done : BOUNCE_BYTES;
        memcpy(g_bounce, src + done, c);
        hyper_xfer(0, (uint32_t)(uintptr_t)g_bounce, addr + done, c);
    }
}

void dory_l3_read(void *l2_dst, uint32_t l3_addr, size_t bytes)
{
    uint32_t t0 = pulp_cycles();
    l3_check(l3_addr, bytes);
    rx((uint8_t *)l2_dst, l3_addr, (uint32_t)bytes);
    g_l3_stats.reads++;
    g_l3_stats.read_bytes += (uint32_t)bytes;
    g_l3_stats.cycles += pulp_cycles() - t0;
}

void dory_l3_write(uint32_t l3_addr, const void *l2_src, size_t bytes)
{
    uint32_t t0 = pulp_cycles();
    l3_check(l3_addr, bytes);
    tx(l3_addr, (const uint8_t *)l2_src, (uint32_t)bytes);
    g_l3_stats.writes++;
    g_l3_stats.write_bytes += (uint32_t)bytes;
    g_l3_stats.cycles += pulp_cycles() - t0;
}

void dory_l3_load(uint32_t l3_addr, const void *src, size_t bytes)
{
    l3_check(l3_addr, bytes);
    tx(l3_addr, (const uint8_t *)src, (uint32_t)bytes);
}

void dory_l3_store(void *dst, uint32_t l3_addr, size_t bytes)
{
    l3_check(l3_addr, bytes);
    rx((uint8_t *)dst, l3_addr, (uint32_t)bytes);
}

uint8_t *dory_l3_base(void)
{
    return (uint8_t *)0; /* L3 offsets are HyperRAM addresses; never dereferenced */
}

void dory_pulp_l3_stats_take(dory_pulp_l3_stats_t *out)
{
    *out = g_l3_stats;
    memset(&g_l3_stats, 0, sizeof g_l3_stats);
}

/* ---- boot: the weights blob from the host file (semihosting; see the top) --------------------- */

static long semihost(long op, void *arg)
{
    register long a0 __asm__("a0") = op;
    register void *a1 __asm__("a1") = arg;
    /* the RISC-V semihosting sequence, uncompressed (the ISS compares the previous instruction's
     * 32-bit opcode with slli zero, zero, 0x1f = 0x01f01013; rv32i.hpp ebreak_exec) */
    __asm__ volatile(".option push\n.option norvc\nslli zero, zero, 0x1f\nebreak\nsrai zero, zero, 7\n.option pop"
                     : "+r"(a0)
                     : "r"(a1)
                     : "memory");
    return a0;
}

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_READ = 0x06, SYS_MODE_RB = 1 };

static int sh_read(void *ctx, uint8_t *buf, uint32_t bytes)
{
    uint32_t args[3] = {*(uint32_t *)ctx, (uint32_t)(uintptr_t)buf, bytes};
    return semihost(SYS_READ, args) != 0; /* the bytes not read */
}

int dory_pulp_load_blob_file(const char *path, uint32_t l2_bytes, uint32_t l3_bytes)
{
    uint32_t open_args[3] = {(uint32_t)(uintptr_t)path, SYS_MODE_RB, (uint32_t)strlen(path)};
    uint32_t fd;
    long r = semihost(SYS_OPEN, open_args);
    int rc;
    if (r < 0) {
        printf("dory: cannot open the weights blob '%s' (semihosting)\n", path);
        return 1;
    }
    fd = (uint32_t)r;
    rc = dory_net_load_blob_stream(sh_read, &fd, g_bounce, BOUNCE_BYTES, l2_bytes, l3_bytes);
    semihost(SYS_CLOSE, (void *)(uintptr_t)fd); /* GVSOC takes the fd itself in a1, not a pointer to it */
    return rc;
}
