/* dory runtime: what a platform port provides (runtime/port/<name>/).
 *
 * The execution model is GAP8's: a controller (the "fabric controller" on GAP8, the main thread
 * on the host) runs the network; each layer forks a function onto the cluster's cores (core 0 is
 * the master that also drives DMA), which synchronise with a barrier and join at the end.
 * Memories: L1 (cluster scratchpad), L2 (main memory), L3 (external RAM, slow, DMA-only).
 */
#ifndef DORY_PORT_H
#define DORY_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef DORY_NUM_CORES
#define DORY_NUM_CORES 8
#endif

/* ---- lifecycle -------------------------------------------------------------------------- */

/* Bring up the cluster and the memories. l1_bytes/l2_bytes/l3_bytes are the exact budgets of the
 * network (the host port makes fixed arenas of exactly these sizes). Returns 0 on success. */
int dory_port_init(size_t l1_bytes, size_t l2_bytes, size_t l3_bytes);
void dory_port_close(void);

/* Base of each memory (the network's planned offsets are relative to these). */
uint8_t *dory_l1_base(void);
uint8_t *dory_l2_base(void);
uint8_t *dory_l3_base(void); /* host: an arena; GAP8: a HyperRAM address, never dereferenced */

/* ---- cluster ---------------------------------------------------------------------------- */

typedef void (*dory_task_fn)(void *arg);

/* Run fn(arg) on all DORY_NUM_CORES cores and return when every core has returned. */
void dory_cluster_fork(dory_task_fn fn, void *arg);
/* The same fork in two halves, so that the controller can work while the cores run (the layer
 * executor's L3 transfers of the next sub-problem): dory_cluster_fork_start may return before
 * the task has finished (or even started), dory_cluster_join returns when every core has
 * returned from it. In between, the controller must touch nothing the task reads or writes.
 * Every start is followed by exactly one join before the next fork. The task may wait for
 * progress the controller makes between the two calls (the executor's streamed L3 weights), so
 * a port that cannot overlap runs the whole task inside join, never inside start (rv32, pmsis). */
void dory_cluster_fork_start(dory_task_fn fn, void *arg);
void dory_cluster_join(void);
/* Between a start and its join: 1 when every core has already returned from the task (the join
 * then returns at once), else 0. Never waits; a port that cannot tell (or whose task runs inside
 * the join) always returns 0. The executor polls it between the chunks of the next sub-problem's
 * L3 weights, to fork that sub-problem as soon as the cluster is free. */
int dory_cluster_done(void);
/* Inside a forked task: this core's id in [0, DORY_NUM_CORES) and a barrier over all cores. */
int dory_core_id(void);
void dory_barrier(void);
/* The calling core's cycle counter (wrapping 32 bits), or always 0 when the port has none. The
 * tile loop's core 0 times its own serial work and compute with it to size its kernel share
 * (runtime/src/layer.c); with 0 it takes an even share. */
uint32_t dory_core_cycles(void);

/* ---- DMA L2 <-> L1 (issued by one core, usually core 0) ---------------------------------
 * Asynchronous: the data may move at any time until dory_dma_wait(job) returns; neither side
 * may be touched before that. A 3-D copy moves n2 x n1 rows of `len` contiguous bytes: row
 * (i2, i1) starts at l2 + i2 * l2_s2 + i1 * l2_s1 and at l1 + i2 * l1_s2 + i1 * l1_s1. 1-D and
 * 2-D copies are the n2 = n1 = 1 and n2 = 1 cases. */
typedef struct {
    int32_t id;
} dory_dma_job_t;

enum { DORY_DMA_L2_TO_L1 = 0, DORY_DMA_L1_TO_L2 = 1 };

void dory_dma_3d(dory_dma_job_t *job, int dir, void *l1, void *l2, size_t len, size_t n1, size_t l1_s1,
                 size_t l2_s1, size_t n2, size_t l1_s2, size_t l2_s2);
void dory_dma_wait(dory_dma_job_t *job);

/* For ports whose DMA is a CPU copy (host, rv32): a 3-D transfer as issued (the arguments of
 * dory_dma_3d), kept until its wait, and the bytes it moves, as defined above. */
typedef struct {
    int dir;
    uint8_t *l1, *l2;
    size_t len, n1, l1_s1, l2_s1, n2, l1_s2, l2_s2;
} dory_port_xfer_t;

static inline void dory_port_copy_3d(const dory_port_xfer_t *t)
{
    size_t i2, i1;
    if (t->len == 0)
        return;
    for (i2 = 0; i2 < t->n2; i2++)
        for (i1 = 0; i1 < t->n1; i1++) {
            uint8_t *a = t->l1 + i2 * t->l1_s2 + i1 * t->l1_s1;
            uint8_t *b = t->l2 + i2 * t->l2_s2 + i1 * t->l2_s1;
            if (t->dir == DORY_DMA_L2_TO_L1)
                memmove(a, b, t->len);
            else
                memmove(b, a, t->len);
        }
}

/* ---- L3 <-> L2 (external memory; blocking is allowed) ----------------------------------- */
void dory_l3_read(void *l2_dst, uint32_t l3_addr, size_t bytes);
void dory_l3_write(uint32_t l3_addr, const void *l2_src, size_t bytes);

/* Controller-side copies between L3 and the controller's own memory (the weights blob at boot,
 * the network input and output): like dory_l3_write / dory_l3_read, but the other side need not
 * be in the L2 arena (on GAP8 all fabric-controller memory is L2 anyway). */
void dory_l3_load(uint32_t l3_addr, const void *src, size_t bytes);
void dory_l3_store(void *dst, uint32_t l3_addr, size_t bytes);

/* ---- performance counter ---------------------------------------------------------------- */
/* A monotonic cycle (or instruction / nanosecond, as the port documents) counter. */
uint64_t dory_perf_now(void);
const char *dory_perf_unit(void);

#endif /* DORY_PORT_H */
