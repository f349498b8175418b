/* Entry of every hart of the probe. The fabric controller (cluster id 31 in mhartid[10:5]) runs
   fc_main on an L2 stack; the cluster cores, started by the FC through the cluster controller,
   run cl_main(core id) on a 1 KiB L1 stack each. A trap records its cause and parks the hart, so
   the FC's wait fails visibly (by timeout) instead of jumping anywhere. */
    .section .vectors, "ax"
    .option norvc
vectors:
    .rept 32
    j     trap
    .endr
    .globl _start
_start:                              /* vectors + 0x80: the boot address */
    csrr  t0, mhartid
    srli  t1, t0, 5
    li    t2, 31
    beq   t1, t2, fabric
    andi  a0, t0, 0x1f               /* cluster core id */
    la    sp, probe_cl_stacks
    slli  t1, a0, 10
    sub   sp, sp, t1
    call  cl_main
    j     park
fabric:
    la    sp, probe_fc_stack
    call  fc_main
park:
    wfi
    j     park
trap:
    la    t0, probe_trap
    csrr  t1, mcause
    sw    t1, 0(t0)
    csrr  t1, mepc
    sw    t1, 4(t0)
    j     park

/* timed_loop(n): n iterations of a two-instruction loop between two counter CSR writes, so the
   instruction counter reads exactly 2 * n plus the few instructions around it. */
    .text
    .globl timed_loop
timed_loop:
    csrw  0xcc1, x0                  /* PCMR: counters off while resetting them */
    csrw  0x780, x0                  /* PCCR0: cycles */
    csrw  0x781, x0                  /* PCCR1: instructions */
    li    t0, 3
    csrw  0xcc0, t0                  /* PCER: count cycles and instructions */
    li    t0, 1
    csrw  0xcc1, t0                  /* PCMR: on */
1:  addi  a0, a0, -1
    bnez  a0, 1b
    csrw  0xcc1, x0                  /* off */
    csrr  a0, 0x780
    csrr  t0, 0x781
    sw    t0, 0(a1)                  /* *instructions */
    ret
