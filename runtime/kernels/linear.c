/* dory runtime: fully connected tile (dory.linear): y[o] = rq(bias[o] + sum_k x[k] * w[o, k]).
 * Split over output channels (in blocks of 4 when every core gets one). Fast path (x u8 or s8,
 * w s8): blocks of 4 output channels (one activation load per 4 weights; see dory_blocks4x1_* in
 * dot.h), the last (o1 - o0) % 4 channels by the 4-way SIMD dot product over each contiguous
 * weight row. No scratch. */
#include "dot.h"

/* acc + x . w over n values (x u8 when xs == 0, else s8; w s8): one channel left over from the
 * blocks of 4 (a layer of fewer than 4 channels per core: TCN_T's 5-class MatMul, 1540 values,
 * one channel on each of 5 cores). On the pulp target 8 values per trip of hardware loop 0, as
 * dot.h's DORY_ASM_4X2_ (same encodings: lp.setup = .insn i 0x7b, 4, x0, rs1, L with L = 2 x the 6
 * body instructions; p.lw rd, 4(rs1!) = .insn i 0x0b, 2, rd, rs1, 4; pv.sdotusp.b / pv.sdotsp.b =
 * .insn r 0x57, 1, 0x54 / 0x5c; gvsoc-core isa_gen/isa_pulpv2.py), each loaded word used three
 * instructions later (no load-use stall), two accumulators; dory_dot_'s C loop took ~12 cycles
 * per 4 values on GVSOC (its pointer increments, loads and taken branch), this ~3. The rest
 * (n % 8) through dory_dot_. */
static int32_t dot_row_(const void *x, int xs, const int8_t *w, int32_t n, int32_t acc)
{
#if defined(DORY_XPULPV2)
    int32_t n8 = n >> 3;
    if (n8 > 0) {
        const uint8_t *xp = (const uint8_t *)x;
        int32_t a0 = acc, a1 = 0;
/* the loop with the dot product's funct7 F7 (0x5c: s8 x, 0x54: u8 x) */
#define DOT_ROW_ASM_(F7)                                                                              \
    __asm__ volatile(".insn i 0x7b, 4, x0, %[n], 12\n\t"                                            \
                     ".insn i 0x0b, 2, t0, %[x], 4\n\t"                                             \
                     ".insn i 0x0b, 2, t1, %[w], 4\n\t"                                             \
                     ".insn i 0x0b, 2, t2, %[x], 4\n\t"                                             \
                     ".insn i 0x0b, 2, t3, %[w], 4\n\t"                                             \
                     ".insn r 0x57, 1, " #F7 ", %[a0], t0, t1\n\t"                                  \
                     ".insn r 0x57, 1, " #F7 ", %[a1], t2, t3\n\t"                                  \
                     : [a0] "+r"(a0), [a1] "+r"(a1), [x] "+r"(xp), [w] "+r"(w)                      \
                     : [n] "r"(n8)                                                                  \
                     : "t0", "t1", "t2", "t3", "memory")
        if (xs)
            DOT_ROW_ASM_(0x5c);
        else
            DOT_ROW_ASM_(0x54);
#undef DOT_ROW_ASM_
        return dory_dot_(xp, xs, w, n & 7, dory_wadd_(a0, a1));
    }
#endif
    return dory_dot_(x, xs, w, n, acc);
}

void dory_linear(const dory_conv_args_t *a, int core, int ncores)
{
    int32_t o0, o1, o, k, n = a->ci;
    if (ncores < 1)
        ncores = 1;
    if (core < 0 || core >= ncores)
        return;
    if (a->co >= 4 * ncores) { /* whole blocks of 4 channels per core: only the last core's is ragged */
        dory_share_((a->co + 3) / 4, core, ncores, &o0, &o1);
        o0 *= 4;
        o1 = 4 * o1 < a->co ? 4 * o1 : a->co;
    } else {
        dory_share_(a->co, core, ncores, &o0, &o1);
    }
    if (dory_fast_types_(a->x_type, a->w_type)) {
        const int8_t *w = (const int8_t *)a->w;
        int xs = a->x_type == DORY_S8;
        dory_rqf_t f;
        if (o0 >= o1)
            return;
        dory_rqf_init_(&f, a, xs, n, o0, o1);
        /* blocks of 4 channels: one activation load for 4 weights */
        o = o0 + ((o1 - o0) & ~3);
        dory_blocks4_(a->x, NULL, xs, w, n, n, o0, o, &f, 0, 0);
        for (; o < o1; o++)
            dory_rqf_finish_(&f, a, (size_t)o, o, dot_row_(a->x, xs, w + (size_t)o * (size_t)n, n, 0));
        return;
    }
    for (o = o0; o < o1; o++) {
        int32_t sum = 0;
        size_t wb = (size_t)o * (size_t)n;
        for (k = 0; k < n; k++)
            sum = dory_wadd_(sum, dory_wmul_(dory_load(a->x, a->x_type, (size_t)k), dory_load(a->w, a->w_type, wb + (size_t)k)));
        dory_conv_finish_(a, (size_t)o, o, sum);
    }
}
