/* rv32.h - bare-metal multi-hart runtime for QEMU virt (rv32imc, ilp32); a copy of
 * ../shared/tools/rv32/rv32.h, unchanged.
 *
 * Model: up to RV32_MAX_HARTS harts start at _start; hart 0 runs main(),
 * harts 1..N-1 sleep (wfi) until rv32_fork() hands them work, like the
 * GAP8 cluster cores waiting on the event unit. No A extension is needed:
 * all synchronisation uses single-writer flags, fences and CLINT software
 * interrupts (wake-ups). Build with -DRV32_USE_AMO and -march=rv32imac to
 * use the amoadd-based barrier instead.
 */
#ifndef RV32_H
#define RV32_H

#include <stdint.h>

#define RV32_MAX_HARTS 8

/* Memory levels (see link.ld). Sizes are checked by the linker. */
#define RV32_L1 __attribute__((section(".l1"), aligned(4)))
#define RV32_L2 /* default placement */
#define RV32_L3 __attribute__((section(".l3"), aligned(4)))

/* Hart id (0..7) and number of harts QEMU started (-smp), capped at 8. */
static inline uint32_t rv32_hartid(void)
{
    uint32_t id;
    __asm__ volatile(".option push\n.option arch, +zicsr\n"
                     "csrr %0, mhartid\n.option pop" : "=r"(id));
    return id;
}
uint32_t rv32_nharts(void);

/* Fork/join: run fn(arg) on harts 0..n-1 (the caller is hart 0 and takes
 * part); returns when all of them have returned. Call only from hart 0.
 * n is clamped to rv32_nharts(). */
void rv32_fork(uint32_t n, void (*fn)(void *), void *arg);
/* Number of harts in the current fork (1 outside a fork). */
uint32_t rv32_team_size(void);
/* Barrier across the harts of the current fork. */
void rv32_barrier(void);

/* Counters. Under `qemu -icount shift=0` both are QEMU's virtual clock, i.e.
 * the number of instructions executed so far by ALL harts together (plus
 * idle time skipped while every hart sleeps); deterministic run to run.
 * Without -icount both read the host TSC (not deterministic). For exact
 * per-hart counts use the regions below with the rv32prof plugin. */
static inline uint64_t rv32_csr64(int which)
{
    uint32_t lo, hi, hi2;
    do {
        if (which) {
            __asm__ volatile(".option push\n.option arch, +zicsr\n"
                             "csrr %0, instreth\ncsrr %1, instret\ncsrr %2, instreth\n"
                             ".option pop" : "=r"(hi), "=r"(lo), "=r"(hi2));
        } else {
            __asm__ volatile(".option push\n.option arch, +zicsr\n"
                             "csrr %0, cycleh\ncsrr %1, cycle\ncsrr %2, cycleh\n"
                             ".option pop" : "=r"(hi), "=r"(lo), "=r"(hi2));
        }
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t rv32_instret(void) { return rv32_csr64(1); }
static inline uint64_t rv32_cycle(void) { return rv32_csr64(0); }

/* Region markers for the rv32prof QEMU plugin (prof/rv32prof.so). They are
 * `slti x0, x0, imm` hints: no-ops on any RISC-V core, and the plugin counts
 * per hart the instructions executed strictly between BEGIN(id) and END(id).
 * id: 0..1023, compile-time constant. */
#define RV32_REGION_BEGIN(id) __asm__ volatile("slti x0, x0, %0" :: "i"((id) * 2) : "memory")
#define RV32_REGION_END(id)   __asm__ volatile("slti x0, x0, %0" :: "i"((id) * 2 + 1) : "memory")

/* Print-safe lock (Lamport's bakery: loads/stores only, no A extension). */
void rv32_lock(void);
void rv32_unlock(void);

#endif
