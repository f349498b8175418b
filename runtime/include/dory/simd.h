/* dory runtime: the SIMD macro layer of the kernels' hot loops.
 *
 * A 4-way 8-bit dot product accumulated into an si32 (wrapping):
 *   DORY_SDOTP4_SS(acc, a4, b4)   acc += sum a4[k] * b4[k], a4 signed 8-bit, b4 signed 8-bit
 *   DORY_SDOTP4_US(acc, a4, b4)   acc += sum a4[k] * b4[k], a4 unsigned 8-bit, b4 signed 8-bit
 * with vectors loaded by DORY_LD4S(p) / DORY_LD4U(p) from any byte address (GAP8's cores accept
 * misaligned word loads; the portable version loads bytes).
 *
 * On GAP8 (__pulp__) these are the RI5CY builtins __builtin_pulp_sdotsp4 / __builtin_pulp_sdotusp4;
 * with DORY_XPULPV2 (the pulp target's GVSOC build, compiled by a stock RISC-V GCC without the PULP
 * builtins) the same Xpulpv2 instructions emitted as raw words; elsewhere portable C99 with the same
 * results (the sum of four 8x8-bit products fits an int, and the addition into acc wraps like the
 * hardware's).
 */
#ifndef DORY_SIMD_H
#define DORY_SIMD_H

#include <stdint.h>

#ifdef __pulp__

typedef signed char dory_v4s __attribute__((vector_size(4)));
typedef unsigned char dory_v4u __attribute__((vector_size(4)));

#define DORY_LD4S(p) (*(const dory_v4s *)(const void *)(p))
#define DORY_LD4U(p) (*(const dory_v4u *)(const void *)(p))
#define DORY_SDOTP4_SS(acc, a4, b4) ((acc) = __builtin_pulp_sdotsp4((a4), (b4), (acc)))
#define DORY_SDOTP4_US(acc, a4, b4) ((acc) = __builtin_pulp_sdotusp4((a4), (b4), (acc)))

#elif defined(DORY_XPULPV2)

/* A vector is the 32-bit word holding its 4 bytes (little-endian, byte k in bits 8k..8k+7). */
typedef uint32_t dory_v4s;
typedef uint32_t dory_v4u;

/* One lw from any byte address: RI5CY (and GVSOC's model of it) splits misaligned word loads in
 * hardware, while GCC, knowing nothing of that, would emit 4 byte loads for a possibly misaligned
 * pointer. The "m" operand tells GCC which 4 bytes are read (ordering against stores). */
static inline uint32_t dory_ld4w_(const void *p)
{
    uint32_t r;
    __asm__("lw %0, 0(%1)" : "=r"(r) : "r"(p), "m"(*(const struct { uint8_t b[4]; } *)p));
    return r;
}

/* pv.sdotsp.b / pv.sdotusp.b rd, rs1, rs2: rd += sum_k rs1.b[k] * rs2.b[k] (rd read and written,
 * hence "+r"); rs1 s8 resp. u8, rs2 s8. Emitted with .insn in the OLD PULP (Xpulpv2) encoding,
 * the only one GVSOC decodes: opcode 0x57 (OP-V), funct3 1 (.b, vector-vector), funct7 0x5c
 * (1011100) for sdotsp and 0x54 (1010100) for sdotusp, as in gvsoc-core
 * models/cpu/iss/isa_gen/isa_pulpv2.py (the pulp_v2 ISA table: 'pv.sdotsp.b' '101110- ... 001 ...
 * 1010111', 'pv.sdotusp.b' '101010- ... 001 ... 1010111'; the operand types u8 x s8 from
 * isa_lib/int.h VEC_DOTP(DOTUSP, ..., uint8_t, int8_t, 8, 4, *)). The wrap is the hardware's. */
#define DORY_SDOTP4_SS(acc, a4, b4) __asm__(".insn r 0x57, 1, 0x5c, %0, %1, %2" : "+r"(acc) : "r"(a4), "r"(b4))
#define DORY_SDOTP4_US(acc, a4, b4) __asm__(".insn r 0x57, 1, 0x54, %0, %1, %2" : "+r"(acc) : "r"(a4), "r"(b4))
#define DORY_LD4S(p) dory_ld4w_(p)
#define DORY_LD4U(p) dory_ld4w_(p)

#else /* portable C99 */

typedef struct {
    int8_t v[4];
} dory_v4s;
typedef struct {
    uint8_t v[4];
} dory_v4u;

/* A vector from 4 bytes at any address (byte loads). */
#define DORY_LD4_FN_(NAME, VT, ET)                                                                 \
    static inline VT NAME(const void *p)                                                           \
    {                                                                                              \
        const ET *q = (const ET *)p;                                                               \
        VT r;                                                                                      \
        r.v[0] = q[0];                                                                             \
        r.v[1] = q[1];                                                                             \
        r.v[2] = q[2];                                                                             \
        r.v[3] = q[3];                                                                             \
        return r;                                                                                  \
    }
DORY_LD4_FN_(dory_ld4s_, dory_v4s, int8_t)
DORY_LD4_FN_(dory_ld4u_, dory_v4u, uint8_t)

/* acc + the dot product, the addition wrapping modulo 2^32. */
#define DORY_DOT4_(acc, a4, b4)                                                                    \
    ((int32_t)((uint32_t)(acc) +                                                                   \
               (uint32_t)((int32_t)(a4).v[0] * (b4).v[0] + (int32_t)(a4).v[1] * (b4).v[1] +        \
                          (int32_t)(a4).v[2] * (b4).v[2] + (int32_t)(a4).v[3] * (b4).v[3])))

#define DORY_LD4S(p) dory_ld4s_(p)
#define DORY_LD4U(p) dory_ld4u_(p)
#define DORY_SDOTP4_SS(acc, a4, b4) ((acc) = DORY_DOT4_(acc, a4, b4))
#define DORY_SDOTP4_US(acc, a4, b4) ((acc) = DORY_DOT4_(acc, a4, b4))

#endif /* __pulp__ / DORY_XPULPV2 */


/* ---- lane-wise 8-bit max of two words (pooling) ------------------------------------------------
 *
 * dory_ld4w(p): the 4 bytes at p (any address) as a word, byte k in bits 8k..8k+7;
 * dory_st4w(p, v): the inverse store; dory_maxu4(a, b) / dory_maxs4(a, b): per byte lane the
 * larger of a's and b's bytes, read as u8 / s8. With DORY_XPULPV2 pv.maxu.b / pv.max.b emitted in
 * the old PULP (Xpulpv2) encoding GVSOC decodes: opcode 0x57 (OP-V), funct3 1 (.b, vector-vector),
 * funct7 0x1c (0011100) for pv.maxu.b and 0x18 (0011000) for pv.max.b, as in gvsoc-core
 * models/cpu/iss/isa_gen/isa_pulpv2.py ('pv.maxu.b' '001110- ... 001 ... 1010111', 'pv.max.b'
 * '001100- ... 001 ... 1010111'); word loads and stores from any byte address (RI5CY splits the
 * misaligned ones in hardware). Elsewhere portable C with the same results. */
#if defined(DORY_XPULPV2)
static inline uint32_t dory_ld4w(const void *p)
{
    uint32_t r;
    __asm__("lw %0, 0(%1)" : "=r"(r) : "r"(p), "m"(*(const struct { uint8_t b[4]; } *)p));
    return r;
}
static inline void dory_st4w(void *p, uint32_t v)
{
    __asm__("sw %1, 0(%2)" : "=m"(*(struct { uint8_t b[4]; } *)p) : "r"(v), "r"(p));
}
static inline uint32_t dory_maxu4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__(".insn r 0x57, 1, 0x1c, %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline uint32_t dory_maxs4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__(".insn r 0x57, 1, 0x18, %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
#else
static inline uint32_t dory_ld4w(const void *p)
{
    const uint8_t *q = (const uint8_t *)p;
    return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}
static inline void dory_st4w(void *p, uint32_t v)
{
    uint8_t *q = (uint8_t *)p;
    q[0] = (uint8_t)v, q[1] = (uint8_t)(v >> 8), q[2] = (uint8_t)(v >> 16), q[3] = (uint8_t)(v >> 24);
}
/* sgn: 0x80 to compare the lanes as s8 (flipping the sign bit maps s8 order onto u8 order). */
static inline uint32_t dory_max4_(uint32_t a, uint32_t b, uint32_t sgn)
{
    uint32_t r = 0;
    int k;
    for (k = 0; k < 32; k += 8) {
        uint32_t x = ((a >> k) & 0xffu) ^ sgn, y = ((b >> k) & 0xffu) ^ sgn;
        r |= ((x > y ? x : y) ^ sgn) << k;
    }
    return r;
}
static inline uint32_t dory_maxu4(uint32_t a, uint32_t b)
{
    return dory_max4_(a, b, 0);
}
static inline uint32_t dory_maxs4(uint32_t a, uint32_t b)
{
    return dory_max4_(a, b, 0x80u);
}
#endif

#endif /* DORY_SIMD_H */
