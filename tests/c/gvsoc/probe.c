/* A bare-metal probe that a GVSOC install runs a PULP cluster program end to end (tests/test_gvsoc.py).
 *
 * On GVSOC's pulp-open target the fabric controller (FC) boots alone; it enables the cluster's
 * shared instruction cache, gives the 8 cluster cores their boot address and fetch-enables them.
 * Each core sums its slice of 0..N-1 (so the FC can check the total against N(N-1)/2) and times
 * a loop of known length with its own performance counters. The FC prints one line per core,
 * then ends the simulation with a status that GVSOC returns as its exit code:
 * PROBE_STATUS (0 unless built with -DPROBE_STATUS=k) when every check passed, else 1. */
#include <stdint.h>

#ifndef PROBE_STATUS
#define PROBE_STATUS 0
#endif

#define NB_CORES 8
#define N 4096                                /* numbers summed by all cores together */
#define LOOP 1000                             /* iterations of the timed loop */

/* pulp-open's memory-mapped registers (GVSOC's pulp models). */
#define CLUSTER_CTRL 0x10200000u
#define CLUSTER_FETCH_ENABLE (CLUSTER_CTRL + 0x08)
#define CLUSTER_BOOT_ADDR(i) (CLUSTER_CTRL + 0x40 + 4 * (i))
#define CLUSTER_ICACHE_ENABLE 0x10201400u
#define FC_STDOUT (0x1a10f000u + (31u << 7))  /* the stdout channel of cluster 31 core 0: the FC */
#define END_OF_COMPUTATION 0x1a1040a0u        /* write 0x80000000 | status to end the run */
#define BOOT_ADDRESS 0x1c008080u              /* _start in start.S */

static inline void write_reg(uint32_t addr, uint32_t value) { *(volatile uint32_t *)addr = value; }

uint32_t timed_loop(uint32_t n, volatile uint32_t *instructions);

struct core_result { uint32_t done, sum, cycles, instructions; };
volatile struct core_result results[NB_CORES];
volatile uint32_t probe_trap[2];
extern char probe_bss_begin[], probe_bss_end[];

void cl_main(uint32_t core) {
  uint32_t sum = 0;
  for (uint32_t i = core * (N / NB_CORES); i < (core + 1) * (N / NB_CORES); i++) sum += i;
  results[core].sum = sum;
  results[core].cycles = timed_loop(LOOP, &results[core].instructions);
  results[core].done = 1;
}

static void put_char(char c) { write_reg(FC_STDOUT, (uint8_t)c); }
static void put_str(const char *s) { while (*s) put_char(*s++); }
static void put_uint(uint32_t v) {
  char digits[10];
  int n = 0;
  do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n) put_char(digits[--n]);
}
static void put_field(const char *name, uint32_t v) { put_str(name); put_uint(v); }

void fc_main(void) {
  for (char *p = probe_bss_begin; p < probe_bss_end; p++) *p = 0;   /* nothing else zeroes .bss */
  write_reg(CLUSTER_ICACHE_ENABLE, 0xffffffffu);                     /* else I$ misses dominate */
  for (uint32_t i = 0; i < NB_CORES; i++) write_reg(CLUSTER_BOOT_ADDR(i), BOOT_ADDRESS);
  write_reg(CLUSTER_FETCH_ENABLE, (1u << NB_CORES) - 1);
  for (uint32_t i = 0; i < NB_CORES; i++) while (!results[i].done) ;

  uint32_t total = 0;
  for (uint32_t i = 0; i < NB_CORES; i++) {
    put_field("core ", i);
    put_field(" sum=", results[i].sum);
    put_field(" loop=", LOOP);
    put_field(" cycles=", results[i].cycles);
    put_field(" instructions=", results[i].instructions);
    put_char('\n');
    total += results[i].sum;
  }
  uint32_t ok = total == (uint32_t)N * (N - 1) / 2;
  put_field("total=", total);
  put_str(ok ? " ok\n" : " WRONG\n");
  write_reg(END_OF_COMPUTATION, 0x80000000u | (ok ? PROBE_STATUS : 1));
  for (;;) asm volatile("wfi");
}
