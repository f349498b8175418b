/* port_pulp.h - what the pulp port (port_pulp.c) adds to dory/port.h: per-core performance
 * counts of the forked work, for the app's per-layer report. */
#ifndef DORY_PORT_PULP_H
#define DORY_PORT_PULP_H

#include <stddef.h>
#include <stdint.h>

/* Counts of one core over an interval. */
typedef struct {
    uint32_t cycles, ld_stall, imiss;
} dory_pulp_counts_t;

/* One cluster core's counts over the forks since the last dory_pulp_stats_take: cycles,
 * instructions, load stalls and instruction-cache misses inside the forked tasks; of them, the
 * counts while waiting in dory_barrier (spinning on L1 loads), and the cycles spent waiting for (or copying) DMA
 * transfers (core 0: dory_dma_wait and the copies of jobs issued with no counter free; see port_pulp.c). */
typedef struct {
    uint32_t cycles, instr, ld_stall, imiss;
    dory_pulp_counts_t barrier;
    uint32_t dma;
} dory_pulp_core_stats_t;

/* Copy every core's counts into out[0 .. DORY_NUM_CORES-1] and reset them (on the FC, between
 * forks; waits until every core has added the last fork's counts, which it does after signalling
 * done). */
void dory_pulp_stats_take(dory_pulp_core_stats_t *out);

/* How deep cluster core `core`'s stack has gone since boot, in bytes: its words below the top no
 * longer holding the boot paint (a lower bound: a frame word never written keeps the paint);
 * *size gets its size (runtime/port/pulp/link.ld). size + 1 when its canary is gone (overflow). */
size_t dory_pulp_stack_peak(int core, size_t *size);

/* Built with -DDORY_PULP_L3_HYPER (l3_hyper.c: L3 on the board's HyperRAM through the uDMA):
 * the layers' L3 traffic (dory_l3_read / dory_l3_write) since the last take: calls, bytes, and FC
 * cycles spent in them (which are inside the steps' cycles). */
typedef struct {
    uint32_t reads, writes, read_bytes, write_bytes, cycles;
} dory_pulp_l3_stats_t;
void dory_pulp_l3_stats_take(dory_pulp_l3_stats_t *out);
/* the port's bring-up of the HyperRAM (dory_port_init calls it); 0 on success */
int dory_pulp_l3_init(size_t l3_bytes);
/* Load the weights blob from the host file `path` through semihosting (the blob is not in the
 * ELF): L2 records into the L2 arena, L3 records into the HyperRAM. 0 on success. */
int dory_pulp_load_blob_file(const char *path, uint32_t l2_bytes, uint32_t l3_bytes);

#endif
