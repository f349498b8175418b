/* dory runtime: what the RV32 port (runtime/port/rv32/port_rv32.c) offers beyond dory/port.h --
 * per-step regions for the rv32prof QEMU plugin and the arena bases for zero-copy dumps. */
#ifndef DORY_PORT_RV32_H
#define DORY_PORT_RV32_H

#include <stdint.h>

/* Number of region ids the marker table holds (region k = markers 2k / 2k+1). The plugin counts
 * ids 0..1023; the app's Makefile passes DORY_RV32_REGIONS = DORY_NET_STEPS. */
#ifndef DORY_RV32_REGIONS
#define DORY_RV32_REGIONS 256
#endif

/* Open / close region `id` (0 <= id < DORY_RV32_REGIONS, others are ignored): on hart 0 (the
 * controller) at once, and on harts 1..7 around every task forked while the region is open.
 * Call from hart 0 outside a fork. Hart 0's count thus covers the whole step (the staging
 * copies, the DMA copies at dory_dma_wait, its share of the compute, the joins), the other harts'
 * counts their share of the forked work (barriers included, as `runtime=`). */
void dory_rv32_region_begin(int id);
void dory_rv32_region_end(int id);

/* Bytes left in L2 after code, data, stacks and the L2 arena (the heap; linker symbols). */
uint32_t dory_rv32_l2_free(void);

#endif /* DORY_PORT_RV32_H */
