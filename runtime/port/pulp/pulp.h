/* pulp.h - addresses and CSRs of GVSOC's pulp-open target used by the pulp port (port_pulp.c).
 *
 * Sources (GVSOC gvsoc/gvsoc 209c147, submodule pulp at 748a706; ../shared/tools/gvsoc/README.md):
 *   pulp/chips/pulp_open/cluster.json: L1 TCDM 0x10000000, 64 KiB; cluster peripherals at
 *     0x10200000 (cluster_ctrl 0x10200000, timer 0x10200400, event unit 0x10200800); nb_pe 9.
 *   pulp/chips/pulp_open/soc.json: L2 0x1C000000, 0x190000 bytes (priv0 32 KiB, priv1 32 KiB at
 *     0x1C008000, shared 1.5 MiB at 0x1C010000); apb_soc_ctrl at 0x1A104000.
 *   pulp/chips/pulp_open/pulp_open.py: the SoC and cluster clock domains both run at 50 MHz, so
 *     the fabric controller's cycles are cluster cycles.
 *   pulp/chips/pulp_open/cluster.json demux_peripherals/dma: each core's own window on the
 *     cluster DMA (mchan v7) at 0x10204400; pulp/mchan/archi/mchan_v7.h: its registers (CMD at
 *     +0x0, STATUS at +0x4) and the fields of the command word; pulp/mchan/mchan_v7_impl.cpp: the
 *     protocol the model implements (a read of CMD allocates one of 16 counters, which the
 *     following commands of that core count on; a command is the words: cmd, TCDM address,
 *     external address, and for a 2-D (external side) command the line length and the line
 *     stride; STATUS bit i is set while counter i has bytes pending; writing 1 << i to STATUS
 *     frees it; the TCDM side of every command is linear).
 *   ../shared/tools/gvsoc/README.md (checked on GVSOC by its harness): cluster I$ enable 0x10201400,
 *     boot addresses 0x10200040 + 4 * core, fetch enable 0x10200008, the FC is hart 31 of
 *     cluster 31, stdout 0x1a10f000 + (31 << 7), end of computation 0x1a1040a0 (apb_soc_ctrl +
 *     0xa0, written 0x80000000 | status), the perf counters PCER 0xcc0 / PCMR 0xcc1 /
 *     PCCR 0x780 + event.
 */
#ifndef DORY_PULP_H
#define DORY_PULP_H

#include <stdint.h>

#define PULP_CLUSTER_CTRL_FETCH_EN 0x10200008u
#define PULP_CLUSTER_CTRL_BOOT_ADDR(i) (0x10200040u + 4u * (uint32_t)(i))
#define PULP_CLUSTER_ICACHE_ENABLE 0x10201400u
#define PULP_STDOUT_PUTC (0x1a10f000u + (31u << 7))
#define PULP_EOC 0x1a1040a0u
#define PULP_FC_HART 0x3ffu /* mhartid of the FC: cluster 31, core 31 */

/* Cluster DMA (mchan v7), this core's window: pulp_open/cluster.json, mchan/archi/mchan_v7.h. */
#define PULP_MCHAN_CMD 0x10204400u
#define PULP_MCHAN_STATUS 0x10204404u
#define PULP_MCHAN_COUNTERS 16
#define PULP_MCHAN_LEN_MAX 0x1ffffu     /* CMD_LEN: 17 bits */
#define PULP_MCHAN_TYPE_EXT2LOC (1u << 17) /* CMD_TYPE: 1 = L2 -> L1 (the model: loc2ext = !TYPE) */
#define PULP_MCHAN_INC (1u << 18)       /* CMD_INC: incrementing addresses */
#define PULP_MCHAN_2D_EXT (1u << 19)    /* CMD_2D_EXT: lines of `length` bytes `stride` apart in L2 */

/* uDMA (v3) and its HyperBus peripheral (l3_hyper.c drives it). Sources:
 *   pulp/chips/pulp_open/soc.json: the uDMA's registers at 0x1A102000; udma.json: the hyper
 *     peripheral is uDMA peripheral id 8 ("ids" [8 .. 16]: its 8 channels and the common registers).
 *   pulp/udma/archi/udma_v3.h: the global clock-gating register at +0x0 (bit i = peripheral i on),
 *     peripheral i's registers at 0x80 + (i << 7).
 *   pulp/udma/archi/udma_hyper_v3.h + pulp/udma/hyper/udma_hyper_v3.cpp: 8 channels ("transaction
 *     ids") of 0x80 bytes each, then the common registers at +0x400; per channel: RX_SADDR 0x00,
 *     RX_SIZE 0x04, RX_CFG 0x08, TX_SADDR 0x0C, TX_SIZE 0x10, TX_CFG 0x14, CA_SETUP 0x18 (bit 0
 *     burst type, bit 1 register space, bit 2 read), HYPER_ADDR 0x1C (the HyperRAM byte address),
 *     STATUS 0x24 (bit 0 busy); writing a CFG with EN (bit 4) enqueues a transfer of the
 *     direction whose SADDR was written last. Common: T_LATENCY_ACCESS +0x04,
 *     EN_LATENCY_ADD +0x08, MEM_SEL +0x20 (chip select: 0 = the HyperRAM on pulp_open_board.py's
 *     hyper0 cs0, 1 = the HyperFlash).
 *   core/models/devices/hyperbus/hyperram.py: the HyperRAM (s27ks0641) holds 8 MiB. */
#define PULP_UDMA_CG 0x1A102000u
#define PULP_UDMA_HYPER_ID 8u
#define PULP_HYPER_BASE (0x1A102000u + 0x80u + (PULP_UDMA_HYPER_ID << 7))
#define PULP_HYPER_RX_SADDR (PULP_HYPER_BASE + 0x00u) /* channel 0 */
#define PULP_HYPER_RX_SIZE (PULP_HYPER_BASE + 0x04u)
#define PULP_HYPER_RX_CFG (PULP_HYPER_BASE + 0x08u)
#define PULP_HYPER_TX_SADDR (PULP_HYPER_BASE + 0x0Cu)
#define PULP_HYPER_TX_SIZE (PULP_HYPER_BASE + 0x10u)
#define PULP_HYPER_TX_CFG (PULP_HYPER_BASE + 0x14u)
#define PULP_HYPER_CA_SETUP (PULP_HYPER_BASE + 0x18u)
#define PULP_HYPER_ADDR (PULP_HYPER_BASE + 0x1Cu)
#define PULP_HYPER_STATUS (PULP_HYPER_BASE + 0x24u)
#define PULP_HYPER_T_LATENCY (PULP_HYPER_BASE + 0x400u + 0x04u)
#define PULP_HYPER_EN_LATENCY_ADD (PULP_HYPER_BASE + 0x400u + 0x08u)
#define PULP_HYPER_MEM_SEL (PULP_HYPER_BASE + 0x400u + 0x20u)
#define PULP_UDMA_CFG_EN (1u << 4)
#define PULP_HYPER_CA_LINEAR 1u
#define PULP_HYPER_CA_READ 4u
#define PULP_HYPERRAM_BYTES 0x800000u
/* L2 as the uDMA reaches it (soc.json: 0x1C000000, 0x190000 bytes) */
#define PULP_L2_START 0x1C000000u
#define PULP_L2_END 0x1C190000u

/* Performance-counter events (PCCR index). */
enum { PULP_EV_CYCLES = 0, PULP_EV_INSTR = 1, PULP_EV_LD_STALL = 2, PULP_EV_IMISS = 4 };

/* Debian's gcc 12 builds rv32imc (picolibc's multilib); the CSR instructions are enabled locally. */
#define PULP_REG(a) (*(volatile uint32_t *)(uintptr_t)(a))

static inline uint32_t pulp_hartid(void)
{
    uint32_t id;
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, mhartid\n.option pop" : "=r"(id));
    return id;
}

static inline int pulp_is_fc(void)
{
    return (pulp_hartid() >> 5) == 31u;
}

/* Enable the counters this port reads (cycles, instructions, load stalls, I$ misses). */
static inline void pulp_perf_start(void)
{
    uint32_t mask = (1u << PULP_EV_CYCLES) | (1u << PULP_EV_INSTR) | (1u << PULP_EV_LD_STALL) | (1u << PULP_EV_IMISS);
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrw 0xcc0, %0\ncsrw 0xcc1, %1\n.option pop" ::"r"(mask), "r"(1u));
}

static inline uint32_t pulp_cycles(void)
{
    uint32_t v;
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, 0x780\n.option pop" : "=r"(v));
    return v;
}
static inline uint32_t pulp_instr(void)
{
    uint32_t v;
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, 0x781\n.option pop" : "=r"(v));
    return v;
}
static inline uint32_t pulp_ld_stalls(void)
{
    uint32_t v;
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, 0x782\n.option pop" : "=r"(v));
    return v;
}
static inline uint32_t pulp_imiss(void)
{
    uint32_t v;
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, 0x784\n.option pop" : "=r"(v));
    return v;
}

#endif
