/* dory runtime: scalar Xpulpv2 operations of the kernels' element loops (private to
 * runtime/kernels/): branch-free signed min / max of two int32 and a multiply-accumulate.
 *
 * dory_max_(a, b), dory_min_(a, b). With DORY_XPULPV2 the Xpulpv2 scalar p.max / p.min, emitted
 * with .insn in the old PULP encoding GVSOC decodes: opcode 0x33 (OP), funct7 0x02 (0000010),
 * funct3 6 (110) for p.max and 4 (100) for p.min, as in gvsoc-core
 * models/cpu/iss/isa_gen/isa_pulpv2.py ('p.max' '0000010 ----- ----- 110 ----- 0110011', 'p.min'
 * '0000010 ----- ----- 100 ----- 0110011'; signed: lib_MAXS / lib_MINS). A clip is then two
 * single-cycle instructions instead of compare-and-branch pairs, whose taken branches cost the
 * RI5CY pipeline cycles whenever values leave the clip window (a ReLU clips half of them).
 * dory_mac_(acc, a, b): acc += a * b modulo 2^32 (uint32_t operands). With DORY_XPULPV2 p.mac
 * (rd read and written, hence "+r"): opcode 0x33, funct7 0x21 (0100001), funct3 0, as in
 * isa_pulpv2.py ('p.mac' '0100001 ----- ----- 000 ----- 0110011'; isa_lib/int.h lib_MAC: a + b * c,
 * unsigned, so modulo 2^32): one instruction for a multiply and its add.
 * Elsewhere portable C with the same results. */
#ifndef DORY_KERNELS_SCALAR_OPS_H
#define DORY_KERNELS_SCALAR_OPS_H

#include <stdint.h>

#if defined(DORY_XPULPV2)
static inline int32_t dory_max_(int32_t a, int32_t b)
{
    int32_t r;
    __asm__(".insn r 0x33, 6, 0x02, %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t dory_min_(int32_t a, int32_t b)
{
    int32_t r;
    __asm__(".insn r 0x33, 4, 0x02, %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
#define dory_mac_(acc, a, b) __asm__(".insn r 0x33, 0, 0x21, %0, %1, %2" : "+r"(acc) : "r"(a), "r"(b))
#else
static inline int32_t dory_max_(int32_t a, int32_t b)
{
    return a > b ? a : b;
}
static inline int32_t dory_min_(int32_t a, int32_t b)
{
    return a < b ? a : b;
}
#define dory_mac_(acc, a, b) ((acc) += (uint32_t)(a) * (uint32_t)(b))
#endif

#endif /* DORY_KERNELS_SCALAR_OPS_H */
