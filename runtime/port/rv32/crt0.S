/* crt0.S (a copy of ../shared/tools/rv32/crt0.S, unchanged) - entry for every hart (QEMU virt, -bios none jumps all harts to
 * 0x80000000 in M-mode). Sets gp, sp, tp, mtvec and mie.MSIE (so that wfi
 * wakes on a CLINT software interrupt while mstatus.MIE stays 0), then
 * calls rv32_hart_main(hartid) in rt.c. */
    .option arch, +zicsr

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    csrr    s0, mhartid
    li      t0, 8                   /* RV32_MAX_HARTS */
    bgeu    s0, t0, 2f              /* extra harts (-smp > 8) park */

    /* stack: hart 0 -> __stack, hart i -> __worker_stacks + i*__rv32_worker_stack */
    la      sp, __stack
    beqz    s0, 1f
    la      sp, __worker_stacks
    lui     t0, %hi(__rv32_worker_stack)
    addi    t0, t0, %lo(__rv32_worker_stack)
    mul     t0, t0, s0
    add     sp, sp, t0
1:
    /* tp: this hart's TLS block (filled by rv32_hart_main) */
    la      tp, __tls_blocks
    lui     t0, %hi(__tls_block_size)
    addi    t0, t0, %lo(__tls_block_size)
    mul     t0, t0, s0
    add     tp, tp, t0

    la      t0, rv32_trap_entry
    csrw    mtvec, t0
    csrw    mstatus, zero
    li      t0, 8                   /* MIP_MSIP */
    csrw    mie, t0

    mv      a0, s0
    call    rv32_hart_main
2:
    wfi
    j       2b

/* Any exception or unexpected interrupt: report and exit (rt.c). */
    .text
    .balign 4
    .globl rv32_trap_entry
rv32_trap_entry:
    csrr    a0, mhartid
    la      sp, __trap_stacks
    addi    t0, a0, 1
    slli    t0, t0, 8
    add     sp, sp, t0
    csrr    a1, mcause
    csrr    a2, mepc
    csrr    a3, mtval
    call    rv32_trap
3:
    j       3b
