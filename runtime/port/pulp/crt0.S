/* crt0.S - entry of every hart of GVSOC's pulp-open target (runtime/port/pulp).
 * GVSOC loads the ELF and starts the fabric controller (FC, mhartid 0x3ff: cluster 31, core 31) at
 * _start; the cluster cores start at the boot address the FC writes (also _start, see
 * port_pulp.c: dory_port_init) once their fetch is enabled. The FC enables its instruction cache,
 * clears .bss and runs pulp_fc_main (main); cluster core i (mhartid & 0x1f) takes the stack below
 * __cl_stacks_top - i * __cl_stack_size (core 0's is larger: it also runs the tile loop and the
 * DMA bookkeeping) and enters pulp_cluster_main(i). Traps print and end the simulation. */
    .option arch, +zicsr
    .section .text.start, "ax"
    .option norvc
    .globl _vectors
_vectors:                      /* mtvec of both FC and cluster cores points at the reset vector table */
    .rept 32
    j     pulp_trap_entry
    .endr
    .globl _start
_start:                        /* _vectors + 0x80: the reset entry of pulp-open's cores */
    .option push
    .option norelax
    la    gp, __global_pointer$
    .option pop
    la    tp, __tls_base
    la    t0, _vectors
    csrw  mtvec, t0
    csrr  t0, mhartid
    srli  t1, t0, 5
    li    t2, 31
    bne   t1, t2, 2f
    /* FC: its instruction cache on first (port_pulp.c: pulp_fc_icache_on), then .bss */
    la    sp, __fc_stack_top
    call  pulp_fc_icache_on
    la    t0, __bss_start
    la    t1, __bss_end
1:  bgeu  t0, t1, 3f
    sw    zero, 0(t0)
    addi  t0, t0, 4
    j     1b
3:  call  pulp_fc_main
    j     pulp_hang
2:  /* cluster core i: stack top = __cl_stacks_top - (i == 0 ? 0 : __cl_stack0_size + (i-1) * __cl_stack_size) */
    andi  a0, t0, 0x1f
    la    sp, __cl_stacks_top
    beqz  a0, 4f
    la    t1, __cl_stack0_size
    sub   sp, sp, t1
    addi  t1, a0, -1
    la    t2, __cl_stack_size
    mul   t1, t1, t2
    sub   sp, sp, t1
4:  call  pulp_cluster_main
    .globl pulp_hang
pulp_hang:
    wfi
    j     pulp_hang

    .text
    .balign 4
pulp_trap_entry:
    csrr  a0, mhartid
    csrr  a1, mcause
    csrr  a2, mepc
    csrr  a3, mtval
    call  pulp_trap
    j     pulp_hang
