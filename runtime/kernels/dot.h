/* dory runtime: 8-bit dot products of the kernels' hot loops (private to runtime/kernels/), on
 * the SIMD macro layer of dory/simd.h: single and paired dot products, and the blocked 4 x 2 / 4 x 1
 * dot-product kernels whose sums go straight to the requant fast path (requant_fast.h).
 */
#ifndef DORY_KERNELS_DOT_H
#define DORY_KERNELS_DOT_H

#include "dory/simd.h"
#include "requant_fast.h"

/* True when the 8-bit fast paths apply: x u8 or s8, w s8. */
static inline int dory_fast_types_(dory_dtype_t xt, dory_dtype_t wt)
{
    return (xt == DORY_U8 || xt == DORY_S8) && wt == DORY_S8;
}

/* dory_dot_s_ / dory_dot_u_(p, b, n, acc): acc + sum_{k < n} p[k] * b[k] (si32, wrapping), p s8 / u8,
 * b s8; dory_dot2_s_ / dory_dot2_u_(p0, p1, b, n, s0, s1): two such sums from 0 sharing the
 * weight loads, *s0 = p0 . b and *s1 = p1 . b. 4-way SIMD steps, then a scalar tail. */
#define DORY_DOTS_(SFX, XT, V4X, LD4X, SDOT)                                                           \
    static inline int32_t dory_dot_##SFX(const XT *p, const int8_t *b, int32_t n, int32_t acc)          \
    {                                                                                                  \
        int32_t k = 0;                                                                                 \
        for (; k + 4 <= n; k += 4) {                                                                   \
            V4X va = LD4X(p + k);                                                                      \
            dory_v4s vb = DORY_LD4S(b + k);                                                            \
            SDOT(acc, va, vb);                                                                         \
        }                                                                                              \
        for (; k < n; k++)                                                                             \
            acc = dory_wadd_(acc, (int32_t)p[k] * b[k]);                                               \
        return acc;                                                                                    \
    }                                                                                                  \
    static inline void dory_dot2_##SFX(const XT *p0, const XT *p1, const int8_t *b, int32_t n, int32_t *s0, \
                                       int32_t *s1)                                                    \
    {                                                                                                  \
        int32_t k = 0, acc0 = 0, acc1 = 0;                                                             \
        for (; k + 4 <= n; k += 4) {                                                                   \
            dory_v4s vb = DORY_LD4S(b + k);                                                            \
            V4X v0 = LD4X(p0 + k);                                                                     \
            V4X v1 = LD4X(p1 + k);                                                                     \
            SDOT(acc0, v0, vb);                                                                        \
            SDOT(acc1, v1, vb);                                                                        \
        }                                                                                              \
        for (; k < n; k++) {                                                                           \
            acc0 = dory_wadd_(acc0, (int32_t)p0[k] * b[k]);                                            \
            acc1 = dory_wadd_(acc1, (int32_t)p1[k] * b[k]);                                            \
        }                                                                                              \
        *s0 = acc0;                                                                                    \
        *s1 = acc1;                                                                                    \
    }
DORY_DOTS_(s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS)
DORY_DOTS_(u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US)

/* acc + sum_{k < n} a[k] * b[k] (si32, wrapping); a is u8 (xs == 0) or s8 (xs != 0), b is s8. */
static inline int32_t dory_dot_(const void *a, int xs, const int8_t *b, int32_t n, int32_t acc)
{
    return xs ? dory_dot_s_((const int8_t *)a, b, n, acc) : dory_dot_u_((const uint8_t *)a, b, n, acc);
}

/* Two dot products sharing the weight loads: *s0 = a0 . b, *s1 = a1 . b (n values each). */
static inline void dory_dot2_(const void *a0, const void *a1, int xs, const int8_t *b, int32_t n, int32_t *s0,
                              int32_t *s1)
{
    if (xs)
        dory_dot2_s_((const int8_t *)a0, (const int8_t *)a1, b, n, s0, s1);
    else
        dory_dot2_u_((const uint8_t *)a0, (const uint8_t *)a1, b, n, s0, s1);
}

/* ---- blocked 8-bit dot products ---------------------------------------------------------------
 *
 * dory_blocks4x2_*(xa, xb, w, K, KX, o, o1, f, ia, ib): for the output channels o .. o1 - 1 in
 * blocks of 4 (o1 - o a multiple of 4), the 4 x 2 dot products of the activation vectors xa, xb
 * (KX values) with the weight rows w + c * K of the block's channels c (8 accumulators). KX is K,
 * or K rounded up to a multiple of 4 when the caller zero-pads xa / xb at [K, KX): then the last
 * 4-way step reads KX - K bytes past each weight row (the next row's first bytes, multiplied by
 * zero), and the K % 4 scalar tail disappears (a 5x5 ci = 1 conv: K = 25, the tail was ~1/4 of
 * the block). Each block's sums then
 * ended by dory_rqf_block_ (f; elements ia + c and ib + c). dory_blocks4x1_*: one activation
 * vector (xb unused). u8 / s8 activations, s8 weights, si32 wrapping sums. dory_blocks4hl_*: one
 * pixel of 16-bit activations (u16 / s16) given as its low (xa, u8) and high (xb, u8 / s8) byte
 * planes, the 4 x 2 kernel on the planes, each channel's sum s_lo + 256 * s_hi (DORY_BLOCK_END_).
 * On GAP8 (__pulp__), with DORY_XPULPV2 (pulp target), or with DORY_KERNELS_SDOTP4 (to test that shape
 * elsewhere) 4-way SIMD dot products;
 * on plain RV32 scalar byte loads and mul/add: per k step of the 4x2 block 2 + 4 loads, 8 mul,
 * 8 add, unrolled 8 times so that the 6 pointer increments and the branch are shared. */
#if defined(__GNUC__)
#define DORY_REG_(v) __asm__("" : "+r"(v))
#else
#define DORY_REG_(v) ((void)0)
#endif
/* DORY_REG_ makes the compiler hold an accumulator in a register at that point: it keeps GCC from
 * reassociating the unrolled steps' sums into trees, and no-schedule-insns keeps GCC's
 * pre-allocation scheduler from hoisting the loads of later steps: either runs out of RV32's
 * registers (spills). noinline: the attribute would forbid inlining anyway. */
#if defined(__GNUC__) && !defined(__clang__)
#define DORY_BLOCK_ATTR_ __attribute__((noinline, optimize("no-schedule-insns")))
#else
#define DORY_BLOCK_ATTR_
#endif

/* The end of one block's 8 sums (s, o, f, ia, ib in scope): NX 1 / 2: the sums of one / two
 * pixels; NX 3: xa / xb were the low / high byte planes of one pixel of 16-bit values x = lo +
 * 256 * hi (lo u8; hi u8 for u16, s8 for s16), so the pixel's sum is s_lo + 256 * s_hi (wrapping,
 * as the 16-bit products' sum would). */
/* One scalar k step of a 4 x 2 block (the K % 4 tail of both SIMD shapes below): activations
 * P0, P1 (0 for a 4 x 1 block) times weight k of the 4 rows w0..w3 into a0..a7 (wrapping). */
#define DORY_TAIL_STEP_(P0, P1, k)                                                                      \
    do {                                                                                                \
        int32_t p0_ = (P0), p1_ = (P1);                                                                 \
        a0 = dory_wadd_(a0, p0_ * w0[k]);                                                               \
        a2 = dory_wadd_(a2, p0_ * w1[k]);                                                               \
        a4 = dory_wadd_(a4, p0_ * w2[k]);                                                               \
        a6 = dory_wadd_(a6, p0_ * w3[k]);                                                               \
        a1 = dory_wadd_(a1, p1_ * w0[k]);                                                               \
        a3 = dory_wadd_(a3, p1_ * w1[k]);                                                               \
        a5 = dory_wadd_(a5, p1_ * w2[k]);                                                               \
        a7 = dory_wadd_(a7, p1_ * w3[k]);                                                               \
    } while (0)

#define DORY_BLOCK_END_(NX)                                                                             \
    do {                                                                                                \
        if ((NX) == 3) {                                                                                \
            int32_t j_;                                                                                 \
            for (j_ = 0; j_ < 4; j_++)                                                                  \
                s[2 * j_] = dory_wadd_(s[2 * j_], (int32_t)((uint32_t)s[2 * j_ + 1] << 8));             \
            dory_rqf_block_(f, s, o, 4, ia, ia, 0);                                                     \
        } else {                                                                                        \
            dory_rqf_block_(f, s, o, 4, ia, ib, (NX) == 2);                                             \
        }                                                                                               \
    } while (0)

/* The window end (requant_fast.h) of a 4 x 1 / 4 x 2 block inline, for the plans whose mul and
 * add are vectors (every 8-bit conv / linear layer of the real networks after requant-window): the
 * call of dory_rqf_block_win_ cost a saved register frame and the s[] round trip per block, about
 * 25 instructions per channel. Per call (DORY_WIN_DECL_) the plan's fields are read once (wi_: the
 * plan's win, 0 when the call is kept); per block the bias starts the accumulators
 * (DORY_WIN_BIAS_: the sum bias + products wraps as dory_wadd_(bias, sum) does) and
 * DORY_WIN_END_ ends the 8 sums: per channel its mul, add (the low word of an s64 add: index <<
 * add64), win_lo, win_hi, then per pixel clamp (p.max / p.min), one multiply-add modulo 2^32
 * (exact by the window) and the shift (win 1) or mode 3's multiply-high division (win 2). WK: the
 * one win kind a kernel instance ends inline (1, 2; the others go through dory_rqf_block_), or 0
 * for both (a branch per block): on Xpulpv2 the kinds are separate instances, the division's code
 * in the shift's instance cost it spills (MobileNetV1 +1 % cycles). */
#define DORY_WIN_DECL_(NX, WK)                                                                          \
    const int wi_ = f->mul && f->add && ((WK) == 0 || f->win == (WK)) ? f->win : 0;                      \
    const int32_t *bp_ = (const int32_t *)f->bias, *mp_ = (const int32_t *)f->mul;                      \
    const int32_t *dp_ = (const int32_t *)f->add, *lp_ = f->wlo, *hp_ = f->whi;                         \
    const int32_t dsh_ = f->add64, mn_ = f->min, sh_ = f->shift;                                        \
    const uint32_t wofs_ = wi_ ? dory_rqf_wofs_(f) : 0u;                                                \
    uint8_t *const ya_ = (uint8_t *)f->y + ia, *const yb_ = (uint8_t *)f->y + ib
#define DORY_WIN_BIAS_(NX)                                                                              \
    do {                                                                                                \
        if (wi_ && bp_) {                                                                               \
            a0 = a1 = bp_[o];                                                                           \
            a2 = a3 = bp_[o + 1];                                                                       \
            a4 = a5 = bp_[o + 2];                                                                       \
            a6 = a7 = bp_[o + 3];                                                                       \
            if ((NX) == 3) /* the high plane's sums start from 0 (DORY_WIN_HL_) */                      \
                a1 = a3 = a5 = a7 = 0;                                                                  \
        }                                                                                               \
    } while (0)
/* NX 3 (byte planes of one 16-bit pixel): each channel's sum s_lo + 256 s_hi into a0, a2, a4, a6
 * (wrapping, as the 16-bit products' sum would), ended as one pixel. */
#define DORY_WIN_HL_(NX)                                                                                \
    do {                                                                                                \
        if ((NX) == 3) {                                                                                \
            a0 = (int32_t)((uint32_t)a0 + ((uint32_t)a1 << 8));                                         \
            a2 = (int32_t)((uint32_t)a2 + ((uint32_t)a3 << 8));                                         \
            a4 = (int32_t)((uint32_t)a4 + ((uint32_t)a5 << 8));                                         \
            a6 = (int32_t)((uint32_t)a6 + ((uint32_t)a7 << 8));                                         \
        }                                                                                               \
    } while (0)
/* One channel J's outputs from sums A (pixel ia) and B (pixel ib); DIV(v) = floor(v / d). */
#define DORY_WIN_CH_(NX, DIV, J, A, B)                                                                  \
    do {                                                                                                \
        uint32_t m_ = (uint32_t)mp_[o + (J)], k_ = (uint32_t)dp_[(o + (J)) << dsh_] - wofs_;            \
        int32_t lo_ = lp_[o + (J)], hi_ = hp_[o + (J)];                                                 \
        ya_[o + (J)] = (uint8_t)(mn_ + (int32_t)DIV((uint32_t)dory_clamp_((int32_t)(A), lo_, hi_) * m_ + k_)); \
        if ((NX) == 2)                                                                                  \
            yb_[o + (J)] = (uint8_t)(mn_ + (int32_t)DIV((uint32_t)dory_clamp_((int32_t)(B), lo_, hi_) * m_ + k_)); \
    } while (0)
#define DORY_WIN_SHR_(v) ((v) >> sh_)
/* mode 3's constants (dm_, dmh_, dk_) read per block: held across the blocks they would take
 * registers the shift case needs */
#define DORY_WIN_UDIV_(v) dory_rqf_udiv_((v), dm_, dmh_, dk_)
#define DORY_WIN_END4_(NX, DIV)                                                                         \
    do {                                                                                                \
        DORY_WIN_CH_(NX, DIV, 0, a0, a1);                                                               \
        DORY_WIN_CH_(NX, DIV, 1, a2, a3);                                                               \
        DORY_WIN_CH_(NX, DIV, 2, a4, a5);                                                               \
        DORY_WIN_CH_(NX, DIV, 3, a6, a7);                                                               \
    } while (0)
#define DORY_WIN_END_(NX, WK)                                                                           \
    do {                                                                                                \
        if ((WK) == 1 || ((WK) == 0 && wi_ == 1)) {                                                     \
            DORY_WIN_END4_(NX, DORY_WIN_SHR_);                                                          \
        } else {                                                                                        \
            const uint32_t dm_ = f->dm, dmh_ = f->dmh;                                                  \
            const int32_t dk_ = f->ds;                                                                  \
            DORY_WIN_END4_(NX, DORY_WIN_UDIV_);                                                         \
        }                                                                                               \
    } while (0)

#if defined(DORY_XPULPV2)

/* The Xpulpv2 inner loops as one asm block each, the whole k loop (K / 4 steps) in hardware loop 0:
 *   lp.setup x0, rs1, L      = .insn i 0x7b, 4, x0, rs1, L   loop 0: count rs1, body from the next
 *                              instruction to the one at pc + 2 * L inclusive (gvsoc-core
 *                              isa_gen/isa_pulpv2.py 'lp.setup' '... 100 0000- 1111011';
 *                              include/isa/pulp_v2.hpp lp_setup_exec: end = pc + (uimm << 1));
 *   p.lw rd, 4(rs1!)         = .insn i 0x0b, 2, rd, rs1, 4   rd = *rs1, rs1 += 4 ('LW_POSTINC'
 *                              '------- ----- ----- 010 ----- 0001011'); misaligned addresses work;
 *   pv.sdotsp.b / pv.sdotusp.b = .insn r 0x57, 1, 0x5c / 0x54 (see dory/simd.h).
 * Every body instruction is a 32-bit .insn, so L = 2 * (body instructions). A count of 0 would run
 * the body once: the callers skip the asm when K < 4. Each loaded word is first used at least two
 * instructions after its load (RI5CY stalls one cycle on a load-use in the next instruction).
 * 4 x 2 block: 6 loads + 8 sdot per 32 MACs; 4 x 1 block: 5 loads + 4 sdot per 16 MACs.
 * The loaded words live in t0..t3 (clobbered): GCC allows 30 asm operands, and the 14 read-write
 * accumulators and pointers already count twice each. "memory": the loops read the im2col buffer
 * the C code just wrote. */
#define DORY_ASM_4X2_(F7, F7B)                                                                        \
    __asm__ volatile(".insn i 0x7b, 4, x0, %[n], 28\n\t"                                           \
                     ".insn i 0x0b, 2, t0, %[x0], 4\n\t"                                           \
                     ".insn i 0x0b, 2, t1, %[x1], 4\n\t"                                           \
                     ".insn i 0x0b, 2, t2, %[w0], 4\n\t"                                           \
                     ".insn i 0x0b, 2, t3, %[w1], 4\n\t"                                           \
                     ".insn r 0x57, 1, " F7 ", %[a0], t0, t2\n\t"                                  \
                     ".insn r 0x57, 1, " F7B ", %[a1], t1, t2\n\t"                                \
                     ".insn i 0x0b, 2, t2, %[w2], 4\n\t"                                           \
                     ".insn r 0x57, 1, " F7 ", %[a2], t0, t3\n\t"                                  \
                     ".insn r 0x57, 1, " F7B ", %[a3], t1, t3\n\t"                                \
                     ".insn i 0x0b, 2, t3, %[w3], 4\n\t"                                           \
                     ".insn r 0x57, 1, " F7 ", %[a4], t0, t2\n\t"                                  \
                     ".insn r 0x57, 1, " F7B ", %[a5], t1, t2\n\t"                                \
                     ".insn r 0x57, 1, " F7 ", %[a6], t0, t3\n\t"                                  \
                     ".insn r 0x57, 1, " F7B ", %[a7], t1, t3\n\t"                                \
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4),  \
                       [a5] "+r"(a5), [a6] "+r"(a6), [a7] "+r"(a7), [x0] "+r"(x0), [x1] "+r"(x1),  \
                       [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3)                  \
                     : [n] "r"(n4)                                                                 \
                     : "t0", "t1", "t2", "t3", "memory")
#define DORY_ASM_4X1_(F7)                                                                          \
    __asm__ volatile(".insn i 0x7b, 4, x0, %[n], 18\n\t"                                           \
                     ".insn i 0x0b, 2, t0, %[x0], 4\n\t"                                           \
                     ".insn i 0x0b, 2, t2, %[w0], 4\n\t"                                           \
                     ".insn i 0x0b, 2, t3, %[w1], 4\n\t"                                           \
                     ".insn r 0x57, 1, " F7 ", %[a0], t0, t2\n\t"                                  \
                     ".insn i 0x0b, 2, t2, %[w2], 4\n\t"                                           \
                     ".insn r 0x57, 1, " F7 ", %[a2], t0, t3\n\t"                                  \
                     ".insn i 0x0b, 2, t3, %[w3], 4\n\t"                                           \
                     ".insn r 0x57, 1, " F7 ", %[a4], t0, t2\n\t"                                  \
                     ".insn r 0x57, 1, " F7 ", %[a6], t0, t3\n\t"                                  \
                     : [a0] "+r"(a0), [a2] "+r"(a2), [a4] "+r"(a4), [a6] "+r"(a6), [x0] "+r"(x0),  \
                       [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3)                  \
                     : [n] "r"(n4)                                                                 \
                     : "t0", "t1", "t2", "t3", "memory")

#define DORY_DOT_BLOCKS_(NAME, XT, XTB, F7, F7B, NX, WK)                                           \
    static __attribute__((noinline)) void NAME(const XT *xa, const XTB *xb, const int8_t *w, int32_t K, \
                                               int32_t KX, int32_t o, int32_t o1, const dory_rqf_t *f,  \
                                               size_t ia, size_t ib)                                    \
    {                                                                                                   \
        int32_t n4 = KX >> 2, t = KX & 3;                                                               \
        DORY_WIN_DECL_(NX, WK);                                                                         \
        for (; o < o1; o += 4) {                                                                        \
            const int8_t *w0 = w + (size_t)o * (size_t)K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;     \
            const XT *x0 = xa;                                                                          \
            const XTB *x1 = xb;                                                                         \
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, k, s[8];            \
            DORY_WIN_BIAS_(NX);                                                                           \
            if (n4 > 0) {                                                                               \
                if (NX >= 2)                                                                            \
                    DORY_ASM_4X2_(F7, F7B);                                                             \
                else                                                                                    \
                    DORY_ASM_4X1_(F7);                                                                  \
            }                                                                                           \
            for (k = 0; k < t; k++) /* the pointers stand past the 4-way steps */                       \
                DORY_TAIL_STEP_(x0[k], NX >= 2 ? x1[k] : 0, k);                                         \
            if (wi_) {                                                                                  \
                DORY_WIN_HL_(NX);                                                                       \
                DORY_WIN_END_(NX, WK);                                                                  \
                continue;                                                                               \
            }                                                                                           \
            s[0] = a0, s[1] = a1, s[2] = a2, s[3] = a3, s[4] = a4, s[5] = a5, s[6] = a6, s[7] = a7;     \
            DORY_BLOCK_END_(NX);                                                                        \
        }                                                                                               \
    }
DORY_DOT_BLOCKS_(dory_blocks4x2_u_, uint8_t, uint8_t, "0x54", "0x54", 2, 1)
DORY_DOT_BLOCKS_(dory_blocks4x2_s_, int8_t, int8_t, "0x5c", "0x5c", 2, 1)
DORY_DOT_BLOCKS_(dory_blocks4x1_u_, uint8_t, uint8_t, "0x54", "0x54", 1, 1)
DORY_DOT_BLOCKS_(dory_blocks4x1_s_, int8_t, int8_t, "0x5c", "0x5c", 1, 1)
DORY_DOT_BLOCKS_(dory_blocks4hl_u_, uint8_t, uint8_t, "0x54", "0x54", 3, 1)
DORY_DOT_BLOCKS_(dory_blocks4hl_s_, uint8_t, int8_t, "0x54", "0x5c", 3, 1)
/* the division (win 2) instances, taken by dory_blocks4_ for such plans */
DORY_DOT_BLOCKS_(dory_blocks4x2d_u_, uint8_t, uint8_t, "0x54", "0x54", 2, 2)
DORY_DOT_BLOCKS_(dory_blocks4x2d_s_, int8_t, int8_t, "0x5c", "0x5c", 2, 2)
DORY_DOT_BLOCKS_(dory_blocks4x1d_u_, uint8_t, uint8_t, "0x54", "0x54", 1, 2)
DORY_DOT_BLOCKS_(dory_blocks4x1d_s_, int8_t, int8_t, "0x5c", "0x5c", 1, 2)
#define DORY_WIN_DIV_INSTANCES_ 1

/* The 4 x 2 / 4 x 1 blocks of a plan whose end is the window's shift at most 24 with mul and add
 * vectors (every 8-bit pointwise layer of the MobileNets), KX a multiple of 4 (no scalar tail):
 * nothing else in the function, so that its pointers stay in registers (dory_blocks4x2_u_ kept the
 * weight rows' pointers and the plan's fields on the stack: ~145 instructions per block beside the
 * 8 K / 4 of its loop, more than the loop itself at K = 32). The end drops the window's offset as
 * conv2d.c's px4_win24_* do (see there: for sh <= 24 the low byte of (c * m + add mod 2^32) >> sh
 * is the output): per channel its four constants (the add's low word kst_ bytes apart: 8 for an s64
 * vector), per output a clamp, a multiply-add, a shift and the store. The next block's first
 * weight row follows the last row of this one: w0 = w3 + K - KX after the loop (KX - K bytes past
 * the rows when the caller zero-pads the activations). */
#define DORY_DOT_BLOCKS_W24_(NAME, XT, XTB, F7, F7B, NX)                                           \
    static __attribute__((noinline)) void NAME(const XT *xa, const XTB *xb, const int8_t *w, int32_t K, \
                                               int32_t KX, int32_t o, int32_t o1, const dory_rqf_t *f,  \
                                               size_t ia, size_t ib)                                    \
    {                                                                                                   \
        const int32_t n4 = KX >> 2, sh_ = f->shift, kst_ = 4 << f->add64, wr_ = K - KX;                \
        const int32_t *bp_ = (const int32_t *)f->bias, *mp_ = (const int32_t *)f->mul + o;             \
        const int32_t *lp_ = f->wlo + o, *hp_ = f->whi + o;                                            \
        const uint8_t *kp_ = (const uint8_t *)f->add + (size_t)o * (size_t)kst_;                       \
        uint8_t *ya_ = (uint8_t *)f->y + ia + o, *yb_ = (uint8_t *)f->y + ib + o;                      \
        const int8_t *w0 = w + (size_t)o * (size_t)K;                                                   \
        if (bp_)                                                                                        \
            bp_ += o;                                                                                   \
        for (; o < o1; o += 4) {                                                                        \
            const int8_t *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;                                      \
            const XT *x0 = xa;                                                                          \
            const XTB *x1 = xb;                                                                         \
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;                     \
            if (bp_) { /* the bias starts the sums (wrapping as dory_wadd_(bias, sum)) */               \
                a0 = a1 = bp_[0];                                                                       \
                a2 = a3 = bp_[1];                                                                       \
                a4 = a5 = bp_[2];                                                                       \
                a6 = a7 = bp_[3];                                                                       \
                bp_ += 4;                                                                               \
            }                                                                                           \
            if (NX >= 2)                                                                                \
                DORY_ASM_4X2_(F7, F7B);                                                                 \
            else                                                                                        \
                DORY_ASM_4X1_(F7);                                                                      \
            w0 = w3 + wr_;                                                                              \
            DORY_W24_CH_(NX, 0, a0, a1);                                                                \
            DORY_W24_CH_(NX, 1, a2, a3);                                                                \
            DORY_W24_CH_(NX, 2, a4, a5);                                                                \
            DORY_W24_CH_(NX, 3, a6, a7);                                                                \
            mp_ += 4, lp_ += 4, hp_ += 4, ya_ += 4;                                                     \
            if (NX >= 2)                                                                                \
                yb_ += 4;                                                                               \
        }                                                                                               \
    }
/* One channel J's outputs from sums A (pixel a) and B (pixel b) by the window's shift <= 24 */
#define DORY_W24_CH_(NX, J, A, B)                                                                       \
    do {                                                                                                \
        uint32_t m_ = (uint32_t)mp_[J], k_ = *(const uint32_t *)(const void *)kp_;                      \
        int32_t lo_ = lp_[J], hi_ = hp_[J];                                                             \
        kp_ += kst_;                                                                                    \
        ya_[J] = (uint8_t)(((uint32_t)dory_clamp_((int32_t)(A), lo_, hi_) * m_ + k_) >> sh_);          \
        if ((NX) == 2)                                                                                  \
            yb_[J] = (uint8_t)(((uint32_t)dory_clamp_((int32_t)(B), lo_, hi_) * m_ + k_) >> sh_);      \
    } while (0)
DORY_DOT_BLOCKS_W24_(dory_blocks4x2w_u_, uint8_t, uint8_t, "0x54", "0x54", 2)
DORY_DOT_BLOCKS_W24_(dory_blocks4x2w_s_, int8_t, int8_t, "0x5c", "0x5c", 2)
DORY_DOT_BLOCKS_W24_(dory_blocks4x1w_u_, uint8_t, uint8_t, "0x54", "0x54", 1)
DORY_DOT_BLOCKS_W24_(dory_blocks4x1w_s_, int8_t, int8_t, "0x5c", "0x5c", 1)
#define DORY_WIN24_INSTANCES_ 1

#elif defined(__pulp__) || defined(DORY_KERNELS_SDOTP4)

#define DORY_DOT_BLOCKS_(NAME, XT, V4X, LD4X, SDOT, XTB, V4XB, LD4XB, SDOTB, NX)                      \
    static DORY_BLOCK_ATTR_ void NAME(const XT *xa, const XTB *xb, const int8_t *w, int32_t K, int32_t KX,   \
                                      int32_t o, int32_t o1, const dory_rqf_t *f, size_t ia, size_t ib) \
    {                                                                                                  \
        DORY_WIN_DECL_(NX, 0);                                                                         \
        for (; o < o1; o += 4) {                                                                       \
            const int8_t *w0 = w + (size_t)o * (size_t)K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;     \
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, k = 0, s[8];       \
            DORY_WIN_BIAS_(NX);                                                                          \
            for (; k + 4 <= KX; k += 4) {                                                              \
                V4X v0 = LD4X(xa + k);                                                                 \
                V4XB v1 = LD4XB((NX >= 2 ? xb : (const XTB *)(const void *)xa) + k);                  \
                dory_v4s b0 = DORY_LD4S(w0 + k), b1 = DORY_LD4S(w1 + k), b2 = DORY_LD4S(w2 + k),       \
                         b3 = DORY_LD4S(w3 + k);                                                       \
                SDOT(a0, v0, b0);                                                                      \
                SDOT(a2, v0, b1);                                                                      \
                SDOT(a4, v0, b2);                                                                      \
                SDOT(a6, v0, b3);                                                                      \
                if (NX >= 2) {                                                                         \
                    SDOTB(a1, v1, b0);                                                                 \
                    SDOTB(a3, v1, b1);                                                                 \
                    SDOTB(a5, v1, b2);                                                                 \
                    SDOTB(a7, v1, b3);                                                                 \
                }                                                                                      \
            }                                                                                          \
            for (; k < KX; k++)                                                                        \
                DORY_TAIL_STEP_(xa[k], NX >= 2 ? xb[k] : 0, k);                                        \
            if (wi_) {                                                                                 \
                DORY_WIN_HL_(NX);                                                                      \
                DORY_WIN_END_(NX, 0);                                                                  \
                continue;                                                                              \
            }                                                                                          \
            s[0] = a0, s[1] = a1, s[2] = a2, s[3] = a3, s[4] = a4, s[5] = a5, s[6] = a6, s[7] = a7;    \
            DORY_BLOCK_END_(NX);                                                                       \
        }                                                                                              \
    }
#define DORY_U_ uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US
#define DORY_S_ int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS
#define DORY_DOT_BLOCKS_X_(...) DORY_DOT_BLOCKS_(__VA_ARGS__) /* expands DORY_U_ / DORY_S_ first */
DORY_DOT_BLOCKS_X_(dory_blocks4x2_u_, DORY_U_, DORY_U_, 2)
DORY_DOT_BLOCKS_X_(dory_blocks4x2_s_, DORY_S_, DORY_S_, 2)
DORY_DOT_BLOCKS_X_(dory_blocks4x1_u_, DORY_U_, DORY_U_, 1)
DORY_DOT_BLOCKS_X_(dory_blocks4x1_s_, DORY_S_, DORY_S_, 1)
DORY_DOT_BLOCKS_X_(dory_blocks4hl_u_, DORY_U_, DORY_U_, 3)
DORY_DOT_BLOCKS_X_(dory_blocks4hl_s_, DORY_U_, DORY_S_, 3)

#else /* scalar */

/* One k step at offset i (unsigned accumulators: wrapping without -fwrapv). */
#define DORY_STEP4x2_(i)                                                                               \
    do {                                                                                               \
        int32_t p0 = x0[i], p1 = x1[i], q0 = w0[i], q1 = w1[i], q2 = w2[i], q3 = w3[i];                \
        a0 += (uint32_t)(p0 * q0); DORY_REG_(a0);                                                      \
        a1 += (uint32_t)(p1 * q0); DORY_REG_(a1);                                                      \
        a2 += (uint32_t)(p0 * q1); DORY_REG_(a2);                                                      \
        a3 += (uint32_t)(p1 * q1); DORY_REG_(a3);                                                      \
        a4 += (uint32_t)(p0 * q2); DORY_REG_(a4);                                                      \
        a5 += (uint32_t)(p1 * q2); DORY_REG_(a5);                                                      \
        a6 += (uint32_t)(p0 * q3); DORY_REG_(a6);                                                      \
        a7 += (uint32_t)(p1 * q3); DORY_REG_(a7);                                                      \
    } while (0)
#define DORY_STEP4x1_(i)                                                                               \
    do {                                                                                               \
        int32_t p0 = x0[i];                                                                            \
        a0 += (uint32_t)(p0 * w0[i]); DORY_REG_(a0);                                                   \
        a2 += (uint32_t)(p0 * w1[i]); DORY_REG_(a2);                                                   \
        a4 += (uint32_t)(p0 * w2[i]); DORY_REG_(a4);                                                   \
        a6 += (uint32_t)(p0 * w3[i]); DORY_REG_(a6);                                                   \
    } while (0)

#define DORY_DOT_BLOCKS_(NAME, XT, XTB, STEP, NX)                                                        \
    static DORY_BLOCK_ATTR_ void NAME(const XT *xa, const XTB *xb, const int8_t *w, int32_t K, int32_t KX,   \
                                      int32_t o, int32_t o1, const dory_rqf_t *f, size_t ia, size_t ib) \
    {                                                                                                  \
        for (; o < o1; o += 4) {                                                                       \
            const XT *x0 = xa, *end = xa + (KX & ~7);                                                  \
            const XTB *x1 = xb;                                                                        \
            const int8_t *w0 = w + (size_t)o * (size_t)K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;     \
            uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;                   \
            int32_t k, s[8];                                                                           \
            while (x0 != end) {                                                                        \
                STEP(0);                                                                               \
                STEP(1);                                                                               \
                STEP(2);                                                                               \
                STEP(3);                                                                               \
                STEP(4);                                                                               \
                STEP(5);                                                                               \
                STEP(6);                                                                               \
                STEP(7);                                                                               \
                x0 += 8, w0 += 8, w1 += 8, w2 += 8, w3 += 8;                                           \
                if (NX >= 2)                                                                           \
                    x1 += 8;                                                                           \
            }                                                                                          \
            for (k = 0; k < (KX & 7); k++)                                                             \
                STEP(k);                                                                               \
            s[0] = (int32_t)a0, s[1] = (int32_t)a1, s[2] = (int32_t)a2, s[3] = (int32_t)a3;            \
            s[4] = (int32_t)a4, s[5] = (int32_t)a5, s[6] = (int32_t)a6, s[7] = (int32_t)a7;            \
            DORY_BLOCK_END_(NX);                                                                       \
        }                                                                                              \
    }
DORY_DOT_BLOCKS_(dory_blocks4x2_u_, uint8_t, uint8_t, DORY_STEP4x2_, 2)
DORY_DOT_BLOCKS_(dory_blocks4x2_s_, int8_t, int8_t, DORY_STEP4x2_, 2)
DORY_DOT_BLOCKS_(dory_blocks4x1_u_, uint8_t, uint8_t, DORY_STEP4x1_, 1)
DORY_DOT_BLOCKS_(dory_blocks4x1_s_, int8_t, int8_t, DORY_STEP4x1_, 1)
DORY_DOT_BLOCKS_(dory_blocks4hl_u_, uint8_t, uint8_t, DORY_STEP4x2_, 3)
DORY_DOT_BLOCKS_(dory_blocks4hl_s_, uint8_t, int8_t, DORY_STEP4x2_, 3)

#endif

/* DORY_BLOCKS4_PICK_(W): run the window-end instances dory_blocks4x{2,1}W_{s,u}_ for the pixel
 * pair / single pixel and the input's signedness, then return from dory_blocks4_ */
#define DORY_BLOCKS4_PICK_(W)                                                                          \
    do {                                                                                               \
        if (xb && xs)                                                                                  \
            dory_blocks4x2##W##_s_((const int8_t *)xa, (const int8_t *)xb, w, K, KX, o, o1, f, ia, ib); \
        else if (xb)                                                                                   \
            dory_blocks4x2##W##_u_((const uint8_t *)xa, (const uint8_t *)xb, w, K, KX, o, o1, f, ia, ib);\
        else if (xs)                                                                                   \
            dory_blocks4x1##W##_s_((const int8_t *)xa, (const int8_t *)xa, w, K, KX, o, o1, f, ia, ib); \
        else                                                                                           \
            dory_blocks4x1##W##_u_((const uint8_t *)xa, (const uint8_t *)xa, w, K, KX, o, o1, f, ia, ib);\
        return;                                                                                        \
    } while (0)
/* Channels [o, o1) (o1 - o a multiple of 4) of one (xb NULL) or two pixels, ended by f. The
 * weight rows are K apart; the sums run over KX >= K values (see "KX" above): KX = K, or K rounded
 * up to 4 when xa / xb hold zeros at [K, KX) and every weight row of the range can be read KX
 * bytes long (not the tensor's last row, which ends the buffer). */
static inline void dory_blocks4_(const void *xa, const void *xb, int xs, const int8_t *w, int32_t K, int32_t KX,
                                 int32_t o, int32_t o1, const dory_rqf_t *f, size_t ia, size_t ib)
{
#if defined(DORY_WIN24_INSTANCES_)
    if (f->win == 1 && f->mul && f->add && f->shift <= 24 && (KX & 3) == 0 && KX >= 4) { /* Xpulpv2 */
        DORY_BLOCKS4_PICK_(w);
    }
#endif
#if defined(DORY_WIN_DIV_INSTANCES_)
    if (f->win == 2 && f->mul && f->add) { /* the division's instances (Xpulpv2) */
        DORY_BLOCKS4_PICK_(d);
    }
#endif
    if (xb) {
        if (xs)
            dory_blocks4x2_s_((const int8_t *)xa, (const int8_t *)xb, w, K, KX, o, o1, f, ia, ib);
        else
            dory_blocks4x2_u_((const uint8_t *)xa, (const uint8_t *)xb, w, K, KX, o, o1, f, ia, ib);
    } else {
        if (xs)
            dory_blocks4x1_s_((const int8_t *)xa, (const int8_t *)xa, w, K, KX, o, o1, f, ia, ib);
        else
            dory_blocks4x1_u_((const uint8_t *)xa, (const uint8_t *)xa, w, K, KX, o, o1, f, ia, ib);
    }
}

/* Channels [o, o1) (o1 - o a multiple of 4) of one pixel of 16-bit values given as byte planes lo
 * (u8) and hi (u8, or s8 when hs), ended by f at element ia + c. */
static inline void dory_blocks4hl_(const uint8_t *lo, const uint8_t *hi, int hs, const int8_t *w, int32_t K,
                                   int32_t o, int32_t o1, const dory_rqf_t *f, size_t ia)
{
    if (hs)
        dory_blocks4hl_s_(lo, (const int8_t *)hi, w, K, K, o, o1, f, ia, ia);
    else
        dory_blocks4hl_u_(lo, hi, w, K, K, o, o1, f, ia, ia);
}

#endif /* DORY_KERNELS_DOT_H */
