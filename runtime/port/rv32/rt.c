/* rt.c - boot, fork/join, barrier and lock for the rv32 harness (a copy of
 * ../shared/tools/rv32/rt.c, unchanged; used by the dory RV32 port).
 *
 * Waiting harts never spin: they execute wfi with mie.MSIE=1, mstatus.MIE=0
 * and are woken by a write to their CLINT msip register. Under
 * `-icount` QEMU runs the harts round-robin in one thread, and a spinning
 * hart would burn its whole time slice (millions of instructions); with wfi
 * it gives way at once, and instruction counts stay exact.
 *
 * Keep every device access and wfi inside functions named rv32_*: the
 * rv32prof plugin counts those functions instruction by instruction (an
 * I/O access or a halt can leave a translation block early).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rv32.h"

#define CLINT_MSIP ((volatile uint32_t *)0x02000000u) /* QEMU virt ACLINT SWI */

#define FENCE() __asm__ volatile("fence iorw, iorw" ::: "memory")

extern char __bss_start[], __bss_end[], __tls_base[];
extern char __tdata_size[], __tls_size[];
extern char __stack[], __worker_stacks[], __rv32_stack0[], __rv32_worker_stack[];
extern void __libc_init_array(void);
extern int main(int, char **);

/* Synchronisation state lives in .data so that workers may read it before
 * hart 0 has cleared .bss. Each word has one writer at a time (hart 0 resets
 * the barrier state in rv32_fork while the workers are idle); bar_count,
 * used only by the AMO barrier, is the exception. */
static volatile uint32_t booted __attribute__((section(".data")));
static volatile uint32_t nharts __attribute__((section(".data"))) = 1;
static struct {
    void (*fn)(void *);
    void *arg;
    uint32_t n;
} job __attribute__((section(".data")));
static volatile uint32_t job_gen __attribute__((section(".data")));       /* hart 0 */
static volatile uint32_t done_gen[RV32_MAX_HARTS] __attribute__((section(".data")));
static volatile uint32_t team_n __attribute__((section(".data"))) = 1;    /* hart 0 */
static volatile uint32_t bar_gen[RV32_MAX_HARTS] __attribute__((section(".data")));
static volatile uint32_t bar_arrive[RV32_MAX_HARTS] __attribute__((section(".data")));
static volatile uint32_t bar_release __attribute__((section(".data")));
static volatile uint32_t bar_count __attribute__((section(".data")));  /* AMO barrier only */

static inline void rv32_wake(uint32_t h)
{
    FENCE();
    CLINT_MSIP[h] = 1;
}

static inline void rv32_sleep_once(uint32_t me)
{
    __asm__ volatile("wfi" ::: "memory");
    CLINT_MSIP[me] = 0;
    FENCE();
}

#define WAIT_UNTIL(me, cond)       \
    do {                           \
        while (!(cond))            \
            rv32_sleep_once(me);        \
        FENCE();                   \
    } while (0)

static void rv32_tls_init(void)
{
    char *tp;
    __asm__ volatile("mv %0, tp" : "=r"(tp));
    size_t n = (size_t)__tdata_size, total = (size_t)__tls_size;
    memcpy(tp, __tls_base, n);
    memset(tp + n, 0, total - n);
}

/* Count harts: the CLINT mtimecmp of a hart that does not exist reads 0.
 * Writing all-ones also disarms the timer (it is not used). */
#define CLINT_MTIMECMP ((volatile uint32_t *)0x02004000u)
static uint32_t rv32_probe_harts(void)
{
    uint32_t n = 1;
    CLINT_MTIMECMP[0] = 0xffffffffu;
    CLINT_MTIMECMP[1] = 0xffffffffu;
    while (n < RV32_MAX_HARTS) {
        CLINT_MTIMECMP[2 * n] = 0xffffffffu;
        CLINT_MTIMECMP[2 * n + 1] = 0xffffffffu;
        if (CLINT_MTIMECMP[2 * n + 1] != 0xffffffffu)
            break;
        n++;
    }
    return n;
}

/* A canary word at the bottom of each hart's stack, checked after every
 * fork and at exit: a stack overflow is reported instead of going unseen. */
#define CANARY 0x5a7c0ffeu
static volatile uint32_t *rv32_stack_bottom(uint32_t h)
{
    uintptr_t ws = (uintptr_t)__rv32_worker_stack;
    if (h == 0)
        return (volatile uint32_t *)(__stack - (uintptr_t)__rv32_stack0);
    return (volatile uint32_t *)(__worker_stacks + (h - 1) * ws);
}

static void rv32_check_stacks(void)
{
    for (uint32_t h = 0; h < nharts; h++)
        if (*rv32_stack_bottom(h) != CANARY) {
            printf("rv32: hart %lu overflowed its stack (%lu bytes; see link.ld)\n",
                   (unsigned long)h,
                   (unsigned long)(h ? (uintptr_t)__rv32_worker_stack : (uintptr_t)__rv32_stack0));
            _exit(135);
        }
}

static void rv32_exit_check(void) { rv32_check_stacks(); }

uint32_t rv32_nharts(void) { return nharts; }
uint32_t rv32_team_size(void) { return team_n; }

static void rv32_worker_loop(uint32_t me)
{
    uint32_t seen = 0;
    for (;;) {
        WAIT_UNTIL(me, job_gen != seen);
        seen = job_gen;
        if (me < job.n)
            job.fn(job.arg);
        FENCE();
        done_gen[me] = seen;
        rv32_wake(0);
    }
}

void rv32_fork(uint32_t n, void (*fn)(void *), void *arg)
{
    if (rv32_hartid() != 0 || team_n != 1) {
        printf("rv32: rv32_fork called from hart %lu or inside a fork\n",
               (unsigned long)rv32_hartid());
        _exit(134);
    }
    if (n > nharts)
        n = nharts;
    if (n == 0)
        n = 1;
    for (uint32_t i = 0; i < RV32_MAX_HARTS; i++) {
        bar_gen[i] = 0;
        bar_arrive[i] = 0;
    }
    bar_release = 0;
    bar_count = 0;
    job.fn = fn;
    job.arg = arg;
    job.n = n;
    team_n = n;
    FENCE();
    uint32_t g = job_gen + 1;
    job_gen = g;
    for (uint32_t i = 1; i < n; i++)
        rv32_wake(i);
    fn(arg);
    for (uint32_t i = 1; i < n; i++)
        WAIT_UNTIL(0, done_gen[i] == g);
    team_n = 1;
    rv32_check_stacks();
}

void rv32_barrier(void)
{
    uint32_t n = team_n;
    if (n <= 1)
        return;
    uint32_t me = rv32_hartid();
    uint32_t g = bar_gen[me] + 1;
    bar_gen[me] = g;
#if defined(RV32_USE_AMO) && defined(__riscv_atomic)
    /* Counter barrier: the last hart to arrive releases the others. */
    if (__atomic_add_fetch(&bar_count, 1, __ATOMIC_ACQ_REL) == n) {
        bar_count = 0;  /* nobody touches it until the release below */
        __atomic_store_n(&bar_release, g, __ATOMIC_RELEASE);
        for (uint32_t i = 0; i < n; i++)
            if (i != me)
                rv32_wake(i);
    } else {
        WAIT_UNTIL(me, __atomic_load_n(&bar_release, __ATOMIC_ACQUIRE) == g);
    }
#else
#if defined(RV32_USE_AMO)
#error "RV32_USE_AMO needs -march=rv32imac (A extension)"
#endif
    /* Flag barrier, loads and stores only: workers publish arrival in their
     * own word; hart 0 collects and publishes the release. */
    if (me == 0) {
        for (uint32_t i = 1; i < n; i++)
            WAIT_UNTIL(0, bar_arrive[i] == g);
        bar_release = g;
        for (uint32_t i = 1; i < n; i++)
            rv32_wake(i);
    } else {
        FENCE();
        bar_arrive[me] = g;
        rv32_wake(0);
        WAIT_UNTIL(me, bar_release == g);
    }
#endif
}

/* Lamport's bakery lock over all harts. */
static volatile uint32_t choosing[RV32_MAX_HARTS] __attribute__((section(".data")));
static volatile uint32_t ticket[RV32_MAX_HARTS] __attribute__((section(".data")));

static void rv32_wake_others(uint32_t me)
{
    for (uint32_t i = 0; i < nharts; i++)
        if (i != me)
            rv32_wake(i);
}

void rv32_lock(void)
{
    uint32_t me = rv32_hartid(), max = 0;
    choosing[me] = 1;
    FENCE();
    for (uint32_t j = 0; j < RV32_MAX_HARTS; j++)
        if (ticket[j] > max)
            max = ticket[j];
    ticket[me] = max + 1;
    FENCE();
    choosing[me] = 0;
    rv32_wake_others(me);
    for (uint32_t j = 0; j < RV32_MAX_HARTS; j++) {
        if (j == me)
            continue;
        WAIT_UNTIL(me, !choosing[j]);
        WAIT_UNTIL(me, ticket[j] == 0 || ticket[j] > ticket[me] ||
                           (ticket[j] == ticket[me] && j > me));
    }
}

void rv32_unlock(void)
{
    uint32_t me = rv32_hartid();
    FENCE();
    ticket[me] = 0;
    rv32_wake_others(me);
}

void rv32_trap(uint32_t hart, uint32_t cause, uint32_t epc, uint32_t tval)
{
    printf("rv32: hart %lu trap mcause=0x%lx mepc=0x%lx mtval=0x%lx\n",
           (unsigned long)hart, (unsigned long)cause, (unsigned long)epc,
           (unsigned long)tval);
    _exit(134);
}

void rv32_hart_main(uint32_t me)
{
    if (me == 0) {
        memset(__bss_start, 0, (size_t)(__bss_end - __bss_start));
        rv32_tls_init();
        nharts = rv32_probe_harts();
        for (uint32_t h = 0; h < nharts; h++)
            *rv32_stack_bottom(h) = CANARY;
        atexit(rv32_exit_check);
        __libc_init_array();
        FENCE();
        booted = 1;
        for (uint32_t i = 1; i < nharts; i++)
            rv32_wake(i);
        exit(main(0, 0));
    }
    WAIT_UNTIL(me, booted);
    rv32_tls_init();
    rv32_worker_loop(me);
}
