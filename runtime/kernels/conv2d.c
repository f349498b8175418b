/* dory runtime: general convolution tile (dory.conv2d: KxK, stride, padding, dilation, groups).
 *
 * Generic path: any element types (dory_load / dory_store), groups, dilation.
 * Fast path (x u8 or s8, w s8, groups == 1, any dilation): work units of (2 output pixels x 4 output
 * channels), split in balanced contiguous ranges over the cores (ragged tiles within one unit).
 * For each pixel pair of its range a core copies the two receptive fields (im2col, zero padded)
 * into its scratch, 2 * KX bytes (KX: kh * kw * ci rounded up to 4, the last bytes zero, so that
 * the blocks' 4-way loop needs no scalar tail), once for all its channel blocks; a block is a 4 x 2
 * dot-product kernel (8 accumulators, dory_blocks4x2_* in dot.h) whose sums go through the
 * requant fast path (dory_rqf_*: int32 math when the types bound it; else the generic end). A 1x1 kernel reads the input
 * pixels in place and needs no scratch. The fast path needs dory_conv2d_scratch_bytes(kh, kw, ci,
 * ncores) bytes of scratch (core c's two pixel buffers at c * 2 * KX); without scratch
 * the generic path (split over output rows, or channels) runs. 16-bit input (x u16 / s16, w s8)
 * has a fast path of its own on the same scratch (conv_fast16: byte planes; a 1x1 pixel in place).
 */
#include "dot.h"
#include "window.h"

int dory_conv_rqplan(dory_conv_rqplan_t *p, const dory_conv_args_t *a)
{
    dory_conv_args_t b = *a;
    dory_rqf_t f;
    memset(p, 0, sizeof *p);
    b.acc = NULL;      /* the plan of a call that requantises */
    b.rqplan = NULL;   /* planned from scratch */
    /* K, xs and the channels matter only to modes 1 and 2 (their bounds): none asked here. No
     * vector value is read (empty channel range; the window and divisor plans read none): the
     * controller plans before step 0's params reach L1, where a's chain points */
    dory_rqf_init_(&f, &b, 0, 1, 0, 0);
    if (!f.win && f.mode != 3)
        return 0;
    p->dlo = f.dlo;
    p->div = f.div;
    p->du = f.du;
    p->dm = f.dm;
    p->mul_s = f.mul_s;
    p->add_s = f.add_s;
    p->min = f.min;
    p->max = f.max;
    p->mul_type = (int8_t)f.mul_type;
    p->add_type = (int8_t)f.add_type;
    p->bias_type = (int8_t)f.bias_type;
    p->shift = (int8_t)f.shift; /* 0..31 */
    p->trunc = (int8_t)f.trunc;
    p->dmh = (int8_t)f.dmh;     /* 0 or 1 */
    p->ds = (int8_t)f.ds;       /* 0..31 */
    p->mode = f.mode;
    p->add64 = f.add64;
    p->wide_fast = f.wide_fast;
    p->win = f.win;
    p->ok = 1;
    return 1;
}

void dory_conv_window_generic_(const dory_conv_args_t *a, int32_t groups, int32_t r0, int32_t r1, int32_t o0,
                               int32_t o1)
{
    int32_t cw = a->ci / groups, og = a->co / groups;
    int32_t r, q, o, i, j, c;
    if (og < 1)
        og = 1;
    for (r = r0; r < r1; r++) {
        for (q = 0; q < a->wo; q++) {
            size_t pix = ((size_t)r * (size_t)a->wo + (size_t)q) * (size_t)a->co;
            for (o = o0; o < o1; o++) {
                int32_t g = o / og, sum = 0;
                for (i = 0; i < a->kh; i++) {
                    int32_t ir = r * a->sh - a->pt + i * a->dh;
                    if (ir < 0 || ir >= a->hi)
                        continue;
                    for (j = 0; j < a->kw; j++) {
                        int32_t ic = q * a->sw - a->pl + j * a->dw;
                        size_t xb, wb;
                        if (ic < 0 || ic >= a->wi)
                            continue;
                        xb = ((size_t)ir * (size_t)a->wi + (size_t)ic) * (size_t)a->ci + (size_t)g * (size_t)cw;
                        wb = (((size_t)o * (size_t)a->kh + (size_t)i) * (size_t)a->kw + (size_t)j) * (size_t)cw;
                        for (c = 0; c < cw; c++)
                            sum = dory_wadd_(sum, dory_wmul_(dory_load(a->x, a->x_type, xb + (size_t)c),
                                                             dory_load(a->w, a->w_type, wb + (size_t)c)));
                    }
                }
                dory_conv_finish_(a, pix + (size_t)o, o, sum);
            }
        }
    }
}

/* dst[0 .. n) = src[0 .. n) / = 0. On the pulp target (DORY_XPULPV2) word by word from any
 * addresses (dory_ld4w / dory_st4w: RI5CY splits misaligned word accesses in hardware, one extra
 * cycle each; an im2col row of a 5x5 ci = 1 conv is 5 bytes at a 5-byte stride, so most of its
 * copies are misaligned), since the port's memcpy / memset are byte loops; elsewhere the C
 * library's. The destination is kernel scratch (no declared type), so the word stores alias
 * nothing. */
static inline void copy_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
#ifdef DORY_XPULPV2
    uint32_t n8 = (uint32_t)(n >> 3);
    if (n8 > 0) {
        /* 8 bytes per trip of hardware loop 0, 4 cycles (a C word loop took 7 per word: its
         * taken branch and two pointer increments). Encodings as in dot.h's DORY_ASM_4X2_:
         * lp.setup x0, rs1, L = .insn i 0x7b, 4, x0, rs1, L (4 body instructions: L = 8);
         * p.lw rd, 4(rs1!) = .insn i 0x0b, 2, rd, rs1, 4; p.sw rs2, 4(rs1!) = .insn s 0x2b, 2,
         * rs2, 4(rs1) (gvsoc-core isa_gen/isa_pulpv2.py 'SW_POSTINC' '------- ----- ----- 010
         * ----- 0101011', Format_SPOST: S-type immediate, rs1 += imm after the store). Each word
         * is stored two instructions after its load (no load-use stall). Never called inside
         * another hardware loop 0. */
        __asm__ volatile(".insn i 0x7b, 4, x0, %[n], 8\n\t"
                         ".insn i 0x0b, 2, t0, %[s], 4\n\t"
                         ".insn i 0x0b, 2, t1, %[s], 4\n\t"
                         ".insn s 0x2b, 2, t0, 4(%[d])\n\t"
                         ".insn s 0x2b, 2, t1, 4(%[d])\n\t"
                         : [s] "+r"(src), [d] "+r"(dst)
                         : [n] "r"(n8)
                         : "t0", "t1", "memory");
        n &= 7u;
    }
    for (; n >= 4; n -= 4, dst += 4, src += 4)
        dory_st4w(dst, dory_ld4w(src));
    for (; n > 0; n--)
        *dst++ = *src++;
#else
    memcpy(dst, src, n);
#endif
}

static inline void zero_bytes(uint8_t *dst, size_t n)
{
#ifdef DORY_XPULPV2
    for (; n >= 4; n -= 4, dst += 4)
        dory_st4w(dst, 0);
    for (; n > 0; n--)
        *dst++ = 0;
#else
    memset(dst, 0, n);
#endif
}

/* The length of one im2col buffer of K values: K rounded up to a multiple of 4, so that the 4-way
 * dot products cover it with no scalar tail (the last 0..3 bytes stay zero; see KX in dot.h). */
static inline int32_t dory_im2col_len_(int32_t K)
{
    return (K + 3) & ~3;
}

/* Copy the (zero padded) receptive field of output pixel (r, q) into buf, in the weights' order
 * kh x kw x ci (taps dh / dw apart), with nt taps per kernel row: kw, or kw + 1 for the shared
 * buffer of a 1-D pair (kh == 1, see conv_fast: the extra tap ends the field of pixel q + dw),
 * each tap ct bytes apart in buf: ci, or ceil4(ci) for conv_fast's aligned taps (kh == 1; the
 * ct - ci bytes after a tap's ci are left as they are: the weights' bytes there are zero). The
 * geometry is read into locals once: the byte stores to buf could alias *a as far as the compiler
 * knows, and each field would be reloaded per row. */
static void im2col_pixel(const dory_conv_args_t *a, int32_t r, int32_t q, uint8_t *buf, int32_t nt, int32_t ct)
{
    const uint8_t *x = (const uint8_t *)a->x;
    const int32_t kh = a->kh, kw = nt, hi = a->hi, wi = a->wi, dh = a->dh, dw = a->dw;
    const size_t ci = (size_t)a->ci, tap = (size_t)ct, row = (size_t)kw * tap, xrow = (size_t)wi * ci;
    const int32_t ic0 = q * a->sw - a->pl;
    int32_t i, j, ir = r * a->sh - a->pt;
    /* the taps of a row are one contiguous run of the input row (and of buf) */
    const int run = dw == 1 && ic0 >= 0 && ic0 + kw <= wi && tap == ci;
    for (i = 0; i < kh; i++, ir += dh, buf += row) {
        const uint8_t *src;
        if (ir < 0 || ir >= hi) {
            zero_bytes(buf, row);
            continue;
        }
        src = x + (size_t)ir * xrow;
        if (run) {
            copy_bytes(buf, src + (size_t)ic0 * ci, row);
            continue;
        }
        if (ci >= 2 && ci < 16 && ic0 + (kw - 1) * dw < wi) {
            /* Dilated taps of a few channels, the last inside the row (TCN's 1x11 convs of 11
             * channels, dilations 2..8, their causal padding on the left only): the taps in the
             * left padding (np of them) zeroed at once, then every tap but the last as ceil(ci / 4)
             * word copies (misaligned loads and stores: RI5CY splits them in hardware), its last
             * word spilling up to 3 bytes into the next taps' bytes, which their copies rewrite;
             * the last tap exact. No spill past the row: the second-to-last tap's words end
             * 4 * ceil(ci / 4) <= 2 * ci bytes after its start for ci >= 2 (a 1-channel row would
             * leave its spill in the im2col padding or the next buffer). A tap's words read at
             * most 3 bytes past it, inside the input row: its next pixel (ic + 1 < wi) is read by
             * no tap but lies in the row. On GVSOC copy_bytes / zero_bytes per tap cost ~50 cycles
             * for 11 bytes (their loops' set-up), a loop over a tap's words ~29 cycles (its taken
             * branch and each word's load-use stall): the words are unrolled per count, loaded
             * before they are stored (~20). */
            const int32_t np = ic0 >= 0 ? 0 : (-ic0 + dw - 1) / dw < kw ? (-ic0 + dw - 1) / dw : kw;
            const size_t step = (size_t)dw * ci;
            const uint8_t *s0 = src + (size_t)(ic0 + np * dw) * ci;
            uint8_t *d = buf + (size_t)np * tap;
            zero_bytes(buf, (size_t)np * tap);
            if (np == kw)
                continue;
#define DORY_TAPS_(NW)                                                                             \
    for (j = np; j < kw - 1; j++, s0 += step, d += tap) {                                          \
        uint32_t w0_ = dory_ld4w(s0), w1_ = (NW) > 1 ? dory_ld4w(s0 + 4) : 0u;                     \
        uint32_t w2_ = (NW) > 2 ? dory_ld4w(s0 + 8) : 0u, w3_ = (NW) > 3 ? dory_ld4w(s0 + 12) : 0u; \
        dory_st4w(d, w0_);                                                                         \
        if ((NW) > 1) dory_st4w(d + 4, w1_);                                                       \
        if ((NW) > 2) dory_st4w(d + 8, w2_);                                                       \
        if ((NW) > 3) dory_st4w(d + 12, w3_);                                                      \
    }
            switch ((ci + 3u) >> 2) { /* 1..4: 2 <= ci < 16 */
            case 1: DORY_TAPS_(1) break;
            case 2: DORY_TAPS_(2) break;
            case 3: DORY_TAPS_(3) break;
            default: DORY_TAPS_(4) break;
            }
#undef DORY_TAPS_
            copy_bytes(d, s0, ci);
            continue;
        }
        for (j = 0; j < kw; j++) {
            int32_t ic = ic0 + j * dw;
            if (ic < 0 || ic >= wi)
                zero_bytes(buf + (size_t)j * tap, ci);
            else
                copy_bytes(buf + (size_t)j * tap, src + (size_t)ic * ci, ci);
        }
    }
}

/* The input of output pixel (r, q) of a 1x1 kernel, or NULL when it lies in the padding. */
static const uint8_t *pixel_1x1(const dory_conv_args_t *a, int32_t r, int32_t q)
{
    int32_t ir = r * a->sh - a->pt, ic = q * a->sw - a->pl;
    if (ir < 0 || ir >= a->hi || ic < 0 || ic >= a->wi)
        return NULL;
    return (const uint8_t *)a->x + ((size_t)ir * (size_t)a->wi + (size_t)ic) * (size_t)a->ci;
}

/* The im2col of output pixel (r, q) into buf ([0, K) written). A field inside the tile whose
 * kernel rows are contiguous runs of the input (dw == 1) is kh copies of kw * ci bytes, dh input
 * rows apart, with none of im2col_pixel's per-row and per-tap checks: on GVSOC a 3x3 16-channel
 * pixel took ~330 cycles there, most of it set-up and checks around its three 48-byte copies
 * (Residual_connection_test_1's 16-channel convs). The others (padding, dilated taps) take
 * im2col_pixel. The geometry is read into locals before the copies (copy_bytes' asm clobbers
 * memory, which would reload *a per row). */
static DORY_NOINLINE_ void im2col_field(const dory_conv_args_t *a, int32_t r, int32_t q, uint8_t *buf)
{
    const int32_t kh = a->kh, kw = a->kw, ir0 = r * a->sh - a->pt, ic0 = q * a->sw - a->pl;
    if (a->dw == 1 && ir0 >= 0 && ir0 + (kh - 1) * a->dh < a->hi && ic0 >= 0 && ic0 + kw <= a->wi) {
        const size_t ci = (size_t)a->ci, L = (size_t)kw * ci, step = (size_t)a->dh * (size_t)a->wi * ci;
        const uint8_t *src = (const uint8_t *)a->x + ((size_t)ir0 * (size_t)a->wi + (size_t)ic0) * ci;
        int32_t i;
        for (i = 0; i < kh; i++, src += step, buf += L)
            copy_bytes(buf, src, L);
        return;
    }
    im2col_pixel(a, r, q, buf, kw, a->ci);
}

/* The inputs of output pixel (r, q) of the tile: its im2col copy in buf, the pixel itself for a
 * 1x1 kernel, NULL for a 1x1 pixel in the padding (its sum is 0). */
static const uint8_t *conv_input(const dory_conv_args_t *a, int32_t r, int32_t q, int im2col, uint8_t *buf)
{
    if (im2col) {
        im2col_field(a, r, q, buf);
        return buf;
    }
    return pixel_1x1(a, r, q);
}

/* (r, q) one output pixel further in the row-major tile of width wo (no division per pixel). */
static inline void next_pixel(int32_t wo, int32_t *r, int32_t *q)
{
    if (++*q == wo) {
        *q = 0;
        ++*r;
    }
}

/* [*lo, *hi): as dory_share_, but core 0's share is cut by cut / 256 of an even share (cut in
 * [0, 256]) and the units it gives up are spread over the other cores: core 0 also runs the tile
 * loop's serial work (runtime/src/layer.c). Shares stay disjoint and cover [0, n). Out of line:
 * once per call, and inlined into conv_units_ it moved the paths' hot code (more I$ misses). */
static DORY_NOINLINE_ void share_cut_(int32_t n, int core, int ncores, int32_t cut, int32_t *lo, int32_t *hi)
{
    int32_t n0;
    /* whole units move: with fewer than 8 a core, one unit is over 1/8 of a share (MobileNetV1's
     * 1024-channel 4x4 pointwise layers, 4 a core: a cut unit made core 1's share 5, slower on GVSOC) */
    if (ncores < 2 || cut <= 0 || n < 8 * ncores) {
        dory_share_(n, core, ncores, lo, hi);
        return;
    }
    if (core < 0 || core >= ncores) {
        *lo = *hi = 0;
        return;
    }
    n0 = n / ncores + (n % ncores != 0); /* core 0's even share */
    n0 -= (n / ncores) * (cut < 256 ? cut : 256) / 256;
    if (core == 0) {
        *lo = 0;
        *hi = n0;
        return;
    }
    dory_share_(n - n0, core - 1, ncores - 1, lo, hi);
    *lo += n0;
    *hi += n0;
}

/* A core's balanced range [u0, u1) of the units (group, block of 4 output channels) of n groups
 * (pixels, pairs or quads of a path) x nblk blocks, the groups it touches [g0, g1), and its requant
 * ends (dory_rqf_init_ for products of sign xs, kb terms a sum) over the channels it computes: all
 * of them once it spans several groups. 0 when the core has no unit. */
static inline int conv_units_(const dory_conv_args_t *a, int32_t n, int32_t nblk, int xs, int32_t kb, int core,
                              int ncores, dory_rqf_t *f, int32_t *u0, int32_t *u1, int32_t *g0, int32_t *g1)
{
    const int32_t co = a->co;
    int32_t lo, hi;
    share_cut_(n * nblk, core, ncores, a->core0_cut, u0, u1);
    if (*u0 >= *u1)
        return 0;
    *g0 = *u0 / nblk;
    *g1 = (*u1 - 1) / nblk + 1;
    lo = *g1 - *g0 > 1 ? 0 : (*u0 % nblk) * 4;
    hi = *g1 - *g0 > 1 ? co : ((*u1 - 1) % nblk) * 4 + 4;
    dory_rqf_init_(f, a, xs, kb, lo, hi < co ? hi : co);
    return 1;
}

/* conv_fast's aligned taps (see there): the tap stride ct = ceil4(ci) for a 1-D kernel (kh == 1)
 * of 9..15 input channels not a multiple of 4 (the im2col's word copies take 2..15 channels; below
 * 9 the padding would add a third or more to the dot products), else 0. The scratch then holds
 * the copy of the weights of up to DORY_TAPW_MAX_CO output channels (TCN_T's 11), one for all the
 * cores, then each core's two buffers of kw taps: (DORY_TAPW_MAX_CO + 2 ncores) kw ct bytes.
 * Mirrored by backends/target.py conv_tap_ct / conv_scratch_bytes. */
#define DORY_TAPW_MAX_CO 12
static inline int32_t dory_conv_tap_ct_(int32_t kh, int32_t ci)
{
    return kh == 1 && ci > 8 && ci < 16 && (ci & 3) != 0 ? (ci + 3) & ~3 : 0;
}
static inline size_t dory_conv_tapw_bytes_(int32_t kw, int32_t ct, int ncores)
{
    return (size_t)(DORY_TAPW_MAX_CO + 2 * ncores) * (size_t)kw * (size_t)ct;
}

/* The paths of few layers (tap_weights, conv_1x1_tiny) go after the object's other code on the pulp
 * target: in .text with the others they moved every later function's addresses, and with them
 * which instruction-cache sets the hot loops of the other layers share (GVSOC: TCN_test_library's
 * convs +0.3..1.6 % of I$-miss cycles for code they never run). The port's link.ld places this
 * section after all the other code (its name does not match .text.*). */
#if defined(DORY_XPULPV2)
#define DORY_TAIL_ __attribute__((section(".text_dory_tail")))
#else
#define DORY_TAIL_
#endif

/* n taps of ci bytes (w, contiguous) into wt at ct = ceil4(ci) bytes each (ci = 9..15, wt
 * word-aligned), a tap's last ct - ci bytes zero: its last word is the word ending at the tap's
 * last byte shifted down by the ct - ci bytes before it that the previous word holds (little
 * endian: the bytes come out in order, zeros above), so nothing past the tap is read (the last
 * tap ends the weights). */
static DORY_NOINLINE_ DORY_TAIL_ void tap_weights(const int8_t *w, int32_t n, int32_t ci, int32_t ct,
                                                   uint8_t *wt)
{
    const uint8_t *s = (const uint8_t *)w;
    const uint32_t sh = 8u * (uint32_t)(ct - ci);
    int32_t t;
#ifdef DORY_XPULPV2
    if (ct == 12 && n > 0) {
        /* one tap per trip of hardware loop 0, 8 instructions (gcc's loop of whole words compiled to
         * 15 and took ~20 cycles a tap on GVSOC): lw t0 / t1 at s, s + 4; p.lw t2, ci(e!) the word ending
         * the tap (e = s + ci - 4; rs1 += rs2 after the load); s += ci; t2 >>= sh; three p.sw
         * 4(wt!). Every instruction a 32-bit .insn, so L = 2 * 8: lp.setup = .insn i 0x7b, 4, x0,
         * rs1, L; lw = .insn i 0x03, 2 (RV32I); LW_RR_POSTINC p.lw rd, rs2(rs1!) = .insn r 0x0b, 7,
         * 0x10, rd, rs1, rs2 ('0010000 ----- ----- 111 ----- 0001011'); add / srl = .insn r 0x33,
         * 0 / 5, 0 (RV32I); SW_POSTINC p.sw rs2, 4(rs1!) = .insn s 0x2b, 2, rs2, 4(rs1) (gvsoc-core
         * isa_gen/isa_pulpv2.py). t2 is shifted two instructions after its load (no load-use
         * stall). Never inside another hardware loop 0. */
        const uint8_t *e = s + ci - 4;
        __asm__ volatile(".insn i 0x7b, 4, x0, %[n], 16\n\t"
                         ".insn i 0x03, 2, t0, 0(%[s])\n\t"
                         ".insn i 0x03, 2, t1, 4(%[s])\n\t"
                         ".insn r 0x0b, 7, 0x10, t2, %[e], %[ci]\n\t"
                         ".insn r 0x33, 0, 0, %[s], %[s], %[ci]\n\t"
                         ".insn r 0x33, 5, 0, t2, t2, %[sh]\n\t"
                         ".insn s 0x2b, 2, t0, 4(%[d])\n\t"
                         ".insn s 0x2b, 2, t1, 4(%[d])\n\t"
                         ".insn s 0x2b, 2, t2, 4(%[d])\n\t"
                         : [s] "+r"(s), [e] "+r"(e), [d] "+r"(wt)
                         : [n] "r"(n), [ci] "r"(ci), [sh] "r"(sh)
                         : "t0", "t1", "t2", "memory");
        return;
    }
#endif
    for (t = 0; t < n; t++, s += ci) { /* ct / 4 - 1 words, then the shifted last */
        int32_t j;
        for (j = 0; j < ct - 4; j += 4, wt += 4)
            dory_st4w(wt, dory_ld4w(s + j));
        dory_st4w(wt, dory_ld4w(s + ci - 4) >> sh);
        wt += 4;
    }
}

#if defined(DORY_XPULPV2)
/* conv_tap4: conv_fast's aligned taps at ct = 12 (1-D kernels of 9..11 input channels: TCN_T's
 * 1x11 11-channel dilated convs) whose plan is the window end of a shift <= 24 with mul and add
 * vectors, in blocks of 4 output channels x 4 pixels instead of conv_fast's 4 x 2. Pixels p,
 * p + d, p + 2d, p + 3d of one phase (d the dilation) are 4 consecutive taps of the phase's
 * im2col chain (pixel p + i d's kw taps start at tap i), so a quad's pixels are 12, 24, 36 bytes
 * apart in one buffer and the asm loads them at immediate offsets. Per 4-byte step 8 loads and 16
 * sdot (24 instructions per 64 MACs; 4 x 2: 14 per 32), and per block one end of 16 outputs in
 * the asm (conv_fast's blocks4x2w: ~236 cycles outside its k loop per block of 8 outputs on
 * GVSOC, most of it I$ refills of its ~600-byte function). The last block of a co not a multiple
 * of 4 sums a weight row past co (the tap copy's scratch holds DORY_TAPW_MAX_CO rows; its sums are
 * never stored) and ends only its co % 4 channels; a quad past the end of its phase (the phase's
 * last 1..3 pixels) is computed whole into a buffer on the stack and its real pixels copied out.
 * Mirrored by passes/tiling/cost.py _tap4 (conv class feature 'tap4'). */

/* The asm's state (offsets fixed in DORY_TAP4_ASM_) */
typedef struct {
    const uint8_t *x;  /* 0: the quad's pixel 0 (its kw taps, 12 bytes each); pixel i at + 12 i */
    const int8_t *w;   /* 4: the block's weight row 0 (rows K apart); +4K a block */
    int32_t K;         /* 8: a weight row's bytes, kw x 12 */
    int32_t nb;        /* 12: the blocks left */
    const int32_t *b;  /* 16: the block's 4 biases, +bst a block */
    int32_t bst;       /* 20: 16, or 0 without a bias (b then at lb) */
    const int32_t *m;  /* 24: the next channel's mul */
    const int32_t *lo; /* 28: its window's low end */
    const int32_t *hi; /* 32: and high end */
    const uint8_t *k;  /* 36: its add's low word, kst bytes a channel */
    int32_t kst;       /* 40 */
    int32_t sh;        /* 44: the shift (<= 24) */
    uint8_t *y;        /* 48: pixel 0's output of the next channel; pixel i S i further */
    int32_t S;         /* 52: the output's bytes from one pixel of the quad to the next */
    int32_t s[16];     /* 56: the block's sums, s[4 j + i] = channel j's at pixel i */
    const int32_t *bl; /* 120: the call's last block's 4 biases (not past the vector's end) */
    int32_t ne;        /* 124: the channels of the call's last block (1..4) */
    int32_t lb[4];     /* 128: the last block's biases when co % 4 != 0 (zeros past co), or zeros */
} tap4_ctx_t;

/* DORY_B44_CLAMP_: the start of conv_tap4's and conv_pw4's block end, per channel of the
 * block: the add vector's word (a4, register-indexed: s3 + s4), then the 4 sums of the channel
 * read back from the block context (p.lw from s10) and clamped to the channel's window [t1, t2]
 * (p.max / p.min = .insn r 0x33, 6 / 4, 0x02). */
#define DORY_B44_CLAMP_                                                                            \
                     ".insn r 0x0b, 7, 0x10, a4, s3, s4\n\t"                                       \
                     ".insn i 0x0b, 2, t3, s10, 4\n\t"                                             \
                     ".insn i 0x0b, 2, t4, s10, 4\n\t"                                             \
                     ".insn i 0x0b, 2, t5, s10, 4\n\t"                                             \
                     ".insn i 0x0b, 2, t6, s10, 4\n\t"                                             \
                     ".insn r 0x33, 6, 0x02, t3, t3, t1\n\t"                                       \
                     ".insn r 0x33, 6, 0x02, t4, t4, t1\n\t"                                       \
                     ".insn r 0x33, 6, 0x02, t5, t5, t1\n\t"                                       \
                     ".insn r 0x33, 6, 0x02, t6, t6, t1\n\t"                                       \
                     ".insn r 0x33, 4, 0x02, t3, t3, t2\n\t"                                       \
                     ".insn r 0x33, 4, 0x02, t4, t4, t2\n\t"                                       \
                     ".insn r 0x33, 4, 0x02, t5, t5, t2\n\t"                                       \
                     ".insn r 0x33, 4, 0x02, t6, t6, t2\n\t"

/* DORY_B44_KSTEP_(F7): the k step shared by conv_tap4 and conv_pw4's block asm, after the step's
 * pixel words t1, t2, a4 are loaded (the two differ only in how): the first pixel's word by p.lw,
 * the weight rows' words at w + K / 2K / 3K register-indexed (q + r / a7 / ra) and row 0's by p.lw
 * from w, the 16 dots (F7: the signedness) into s0..s11 / t3..t6, each word used two instructions
 * after its load; w moves on by 3K (ra: with the loop's +K, the next block's row 0); the 16 sums
 * spill to the block context c (56..116) for the end. */
#define DORY_B44_KSTEP_(F7)                                                                        \
                     ".insn i 0x0b, 2, t0, %[p], 4\n\t"                                            \
                     ".insn r 0x03, 7, 0x10, a5, %[q], %[r]\n\t"                                   \
                     ".insn r 0x03, 7, 0x10, a6, %[q], a7\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s4, t0, a5\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s5, t1, a5\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s6, t2, a5\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s7, a4, a5\n\t"                                     \
                     ".insn r 0x03, 7, 0x10, a5, %[q], ra\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s8, t0, a6\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s9, t1, a6\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s10, t2, a6\n\t"                                    \
                     ".insn r 0x57, 1, " F7 ", s11, a4, a6\n\t"                                    \
                     ".insn i 0x0b, 2, a6, %[q], 4\n\t"                                            \
                     ".insn r 0x57, 1, " F7 ", t3, t0, a5\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", t4, t1, a5\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", t5, t2, a5\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", t6, a4, a5\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s0, t0, a6\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s1, t1, a6\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s2, t2, a6\n\t"                                     \
                     ".insn r 0x57, 1, " F7 ", s3, a4, a6\n\t"                                     \
                     ".option pop\n\t"                                                             \
                     "add %[q], %[q], ra\n\t"                                                      \
                     "sw s0, 56(%[c])\n\tsw s1, 60(%[c])\n\tsw s2, 64(%[c])\n\tsw s3, 68(%[c])\n\t" \
                     "sw s4, 72(%[c])\n\tsw s5, 76(%[c])\n\tsw s6, 80(%[c])\n\tsw s7, 84(%[c])\n\t" \
                     "sw s8, 88(%[c])\n\tsw s9, 92(%[c])\n\tsw s10, 96(%[c])\n\tsw s11, 100(%[c])\n\t" \
                     "sw t3, 104(%[c])\n\tsw t4, 108(%[c])\n\tsw t5, 112(%[c])\n\tsw t6, 116(%[c])\n\t"

/* DORY_PW4_ASM_'s block loop (conv2d.c, conv_pw4: see there for the registers' roles and the
 * encodings) with the quad's pixels at immediate offsets 12, 24, 36 (lw rd, imm(rs1)) instead of
 * the weight rows' stride, the last block's biases from c->bl, and the last block's end over
 * c->ne channels (lp.setup's count): per block first the sums (hardware loop 0, K / 4 trips),
 * then the 4 channels' ends (hardware loop 0 again), the state in *c between blocks. */
#define DORY_TAP4_ASM_(F7)                                                                         \
    __asm__ volatile("1:\n\t"                                                                       \
                     "lw %[q], 12(%[c])\n\t"                                                      \
                     "lw %[p], 16(%[c])\n\t"                                                      \
                     "addi %[q], %[q], -1\n\t"                                                    \
                     "bnez %[q], 2f\n\t"                                                          \
                     "lw %[p], 120(%[c])\n\t"                                                     \
                     "2:\n\t"                                                                     \
                     "lw s0, 0(%[p])\n\tlw s4, 4(%[p])\n\tlw s8, 8(%[p])\n\tlw t3, 12(%[p])\n\t"  \
                     "lw %[q], 20(%[c])\n\t"                                                      \
                     "lw %[r], 8(%[c])\n\t"                                                       \
                     "add %[p], %[p], %[q]\n\t"                                                   \
                     "srli a5, %[r], 2\n\t"                                                       \
                     "slli a7, %[r], 1\n\t"                                                       \
                     "sw %[p], 16(%[c])\n\t"                                                      \
                     "lw %[p], 0(%[c])\n\tlw %[q], 4(%[c])\n\t"                                   \
                     "add ra, a7, %[r]\n\t"                                                       \
                     "mv s1, s0\n\tmv s2, s0\n\tmv s3, s0\n\tmv s5, s4\n\tmv s6, s4\n\tmv s7, s4\n\t" \
                     "mv s9, s8\n\tmv s10, s8\n\tmv s11, s8\n\tmv t4, t3\n\tmv t5, t3\n\tmv t6, t3\n\t" \
                     ".option push\n\t.option norvc\n\t"                                          \
                     ".insn i 0x7b, 4, x0, a5, 48\n\t"                                            \
                     "lw t1, 12(%[p])\n\t"                                                        \
                     "lw t2, 24(%[p])\n\t"                                                        \
                     "lw a4, 36(%[p])\n\t"                                                        \
                     DORY_B44_KSTEP_(F7)                                                           \
                     "sw %[q], 4(%[c])\n\t"                                                       \
                     "lw s0, 24(%[c])\n\tlw s1, 28(%[c])\n\tlw s2, 32(%[c])\n\tlw s3, 36(%[c])\n\t" \
                     "lw s4, 40(%[c])\n\tlw s5, 44(%[c])\n\tlw s6, 48(%[c])\n\tlw s7, 52(%[c])\n\t" \
                     "addi s10, %[c], 56\n\t"                                                     \
                     "lw t0, 12(%[c])\n\t"                                                        \
                     "li a5, 4\n\t"                                                               \
                     "addi t0, t0, -1\n\t"                                                        \
                     "bnez t0, 3f\n\t"                                                            \
                     "lw a5, 124(%[c])\n\t"                                                       \
                     "3:\n\t"                                                                     \
                     "slli s8, s7, 1\n\t"                                                         \
                     "add s9, s8, s7\n\t"                                                         \
                     ".option push\n\t.option norvc\n\t"                                          \
                     ".insn i 0x7b, 4, x0, a5, 64\n\t"                                            \
                     ".insn i 0x0b, 2, t0, s0, 4\n\t"                                             \
                     ".insn i 0x0b, 2, t1, s1, 4\n\t"                                             \
                     ".insn i 0x0b, 2, t2, s2, 4\n\t"                                             \
                     DORY_B44_CLAMP_                                                               \
                     "mul t3, t3, t0\n\t"                                                         \
                     "mul t4, t4, t0\n\t"                                                         \
                     "mul t5, t5, t0\n\t"                                                         \
                     "mul t6, t6, t0\n\t"                                                         \
                     "add t3, t3, a4\n\t"                                                         \
                     "add t4, t4, a4\n\t"                                                         \
                     "add t5, t5, a4\n\t"                                                         \
                     "add t6, t6, a4\n\t"                                                         \
                     "srl t3, t3, s5\n\t"                                                         \
                     "srl t4, t4, s5\n\t"                                                         \
                     "srl t5, t5, s5\n\t"                                                         \
                     "srl t6, t6, s5\n\t"                                                         \
                     ".insn r 0x23, 4, 0x00, s7, s6, t4\n\t"                                      \
                     ".insn r 0x23, 4, 0x00, s8, s6, t5\n\t"                                      \
                     ".insn r 0x23, 4, 0x00, s9, s6, t6\n\t"                                      \
                     ".insn s 0x2b, 0, t3, 1(s6)\n\t"                                             \
                     ".option pop\n\t"                                                            \
                     "sw s0, 24(%[c])\n\tsw s1, 28(%[c])\n\tsw s2, 32(%[c])\n\tsw s3, 36(%[c])\n\t" \
                     "sw s6, 48(%[c])\n\t"                                                        \
                     "lw a5, 12(%[c])\n\t"                                                        \
                     "addi a5, a5, -1\n\t"                                                        \
                     "sw a5, 12(%[c])\n\t"                                                        \
                     "bnez a5, 1b"                                                                \
                     : [p] "=&r"(p_), [q] "=&r"(q_), [r] "=&r"(r_)                               \
                     : [c] "r"(c)                                                                 \
                     : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",  \
                       "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a4", "a5", "a6", "a7", "ra",     \
                       "memory")
#define DORY_TAP4_BLOCKS_(NAME, F7)                                                                \
    static DORY_NOINLINE_ DORY_TAIL_ void NAME(tap4_ctx_t *c)                                      \
    {                                                                                              \
        uint32_t p_, q_, r_;                                                                       \
        DORY_TAP4_ASM_(F7);                                                                        \
        (void)p_, (void)q_, (void)r_;                                                              \
    }
DORY_TAP4_BLOCKS_(tap4_blocks_u_, "0x54")
DORY_TAP4_BLOCKS_(tap4_blocks_s_, "0x5c")

/* Whether conv_fast takes conv_tap4 for a (ct = 12, no partial sums): -1, or the window end's
 * shift | add64 << 8 when the end is the window's shift <= 24 with mul and add vectors (the layer's
 * plan's bytes; without a plan, the kernel's own callers', the per-call plan) and kw >= 7 (a chain
 * then holds a quad and 4 spare taps: DORY_TAP4_MIN_KW, mirrored by backends/target.py TAP4_MIN_KW).
 * The same on every core. Out of line: its plan on its own frame. */
#define DORY_TAP4_MIN_KW 7
static DORY_NOINLINE_ DORY_TAIL_ int32_t tap4_end_(const dory_conv_args_t *a, int xs, int32_t K)
{
    const volatile dory_conv_rqplan_t *pl = (const volatile dory_conv_rqplan_t *)a->rqplan;
    const dory_requant_t *r = &a->rq->st[0];
    dory_rqf_t f;
    if (a->kw < DORY_TAP4_MIN_KW || !r->mul || !r->add)
        return -1;
    if (pl)
        return pl->win == 1 && pl->shift <= 24 ? pl->shift | pl->add64 << 8 : -1;
    if (!r->win_lo)
        return -1;
    dory_rqf_init_full_(&f, a, xs, K, 0, a->co);
    return f.win == 1 && f.mul && f.add && f.shift <= 24 ? f.shift | f.add64 << 8 : -1;
}

/* conv_tap4 (see above) on a's 1-D tile, w the tap copy (rows of kw x 12 bytes), buf the core's
 * im2col chain of cap taps, e tap4_end_'s (>= 0): the window end's shift and add stride, its
 * other constants the chain's first stage's vectors and a's bias (as dory_rqf_planned_ /
 * dory_rqf_win_plan_ set them). conv_fast's tail call: the worker cores' 1 KiB stacks hold this
 * frame or dory_conv2d's, not both (both with im2col_pixel's on top of the executor's: 1,104
 * bytes). The units the cores share: (quad, block of 4 channels), the quads in phase-major order
 * (phase ph: pixels ph, ph + d, ..; npix / d of them, one more for ph < npix % d); a core's
 * consecutive quads of one phase share one im2col chain (up to mq quads: kw + 4 mq - 1 taps). The
 * outputs of a quad past its phase's end go to the last 4 taps of buf (4 co <= 48 bytes), which
 * the chains then leave free. No division per quad (~35 cycles each on GVSOC). */
static DORY_NOINLINE_ DORY_TAIL_ void conv_tap4(const dory_conv_args_t *a, int core, int ncores, const int8_t *w,
                                               uint8_t *buf, int32_t cap, int32_t e)
{
    const dory_requant_t *r = &a->rq->st[0];
    const int32_t co = a->co, kw = a->kw, d = a->dw, npix = a->wo, K = kw * 12, nblk = (co + 3) / 4;
    const int32_t pq = npix / d, pr = npix % d, ne = co % 4 ? co % 4 : 4;
    const int32_t *bias = (const int32_t *)a->bias, *mul = (const int32_t *)r->mul;
    const int32_t *wlo = r->win_lo, *whi = r->win_hi;
    const uint8_t *add = (const uint8_t *)r->add;
    uint8_t *const tmp = buf + (size_t)(cap - 4) * 12u, *const yt = (uint8_t *)a->y;
    const int ragged = pq % 4 != 0 || (pr > 0 && (pq + 1) % 4 != 0);
    const int32_t mq = (cap - (ragged ? 4 : 0) - kw + 1) / 4; /* >= 1: kw >= 7 (tap4_end_) */
    int32_t u0, u1, u, ph, j, nph, b0, cj = 0, cn = 0;
    tap4_ctx_t ctx;
    share_cut_((pr * ((pq + 4) / 4) + (d - pr) * ((pq + 3) / 4)) * nblk, core, ncores, a->core0_cut, &u0, &u1);
    if (u0 >= u1)
        return;
    ctx.K = K;
    ctx.kst = 4 << (e >> 8);
    ctx.sh = e & 0xff;
    ctx.lb[0] = ctx.lb[1] = ctx.lb[2] = ctx.lb[3] = 0;
    if (bias && ne < 4) { /* the last block's biases, zeros past co */
        for (j = 0; j < ne; j++)
            ctx.lb[j] = bias[co - ne + j];
    }
    ctx.bst = bias ? 16 : 0;
    /* the quad of unit u0: phase ph (nph pixels), its j-th quad */
    j = u0 / nblk;
    b0 = u0 - j * nblk;
    ph = 0;
    nph = pq + (pr > 0);
    while (j >= (nph + 3) / 4) {
        j -= (nph + 3) / 4;
        nph = pq + (++ph < pr);
    }
    for (u = u0; u < u1; b0 = 0) {
        const int32_t b1 = u1 - u < nblk - b0 ? b0 + (u1 - u) : nblk, o = 4 * b0;
        const int32_t p = ph + 4 * j * d, nv = nph - 4 * j < 4 ? nph - 4 * j : 4;
        uint8_t *y = yt + (size_t)p * (size_t)co;
        if (cj == cn) {
            /* a new chain: up to mq quads of this phase from quad j, not past the core's range
             * (its quads from j: left), the taps of their real pixels */
            const int32_t left = (u1 - u + b0 + nblk - 1) / nblk;
            int32_t nr;
            cn = (nph + 3) / 4 - j < left ? (nph + 3) / 4 - j : left;
            cn = cn < mq ? cn : mq;
            nr = nph - 4 * j < 4 * cn ? nph - 4 * j : 4 * cn;
            im2col_pixel(a, 0, p, buf, kw + nr - 1, 12);
            cj = 0;
        }
        ctx.x = buf + (size_t)cj * 48u;
        ctx.w = w + (size_t)o * (size_t)K;
        ctx.nb = b1 - b0;
        ctx.b = bias ? bias + o : ctx.lb;
        ctx.bl = bias && (b1 < nblk || ne == 4) ? bias + 4 * (b1 - 1) : ctx.lb;
        ctx.ne = b1 < nblk ? 4 : ne;
        ctx.m = mul + o;
        ctx.lo = wlo + o;
        ctx.hi = whi + o;
        ctx.k = add + (size_t)o * (size_t)ctx.kst;
        ctx.y = nv == 4 ? y + o : tmp + o;
        ctx.S = nv == 4 ? d * co : co;
        if (a->x_type == DORY_S8)
            tap4_blocks_s_(&ctx);
        else
            tap4_blocks_u_(&ctx);
        if (nv < 4) { /* the phase's last pixels out of tmp */
            const int32_t o1 = 4 * b1 < co ? 4 * b1 : co;
            int32_t i, c;
            for (i = 0; i < nv; i++)
                for (c = o; c < o1; c++)
                    y[(size_t)i * (size_t)d * (size_t)co + (size_t)c] = tmp[i * co + c];
        }
        u += b1 - b0;
        if (++cj == cn)
            cj = cn = 0;
        if (++j == (nph + 3) / 4) {
            j = 0;
            nph = pq + (++ph < pr);
        }
    }
}
#endif

/* All co x kw taps of a's weights into wt (tap_weights), shared by the cores: with a's barrier each
 * core copies its 1/ncores of the taps (disjoint words: ct bytes a tap) and waits for the others';
 * without one it copies them all. Returns tap4_end_'s for ct = 12 without partial sums on the
 * pulp target (whether conv_fast goes on to conv_tap4), else -1: one call in conv_fast for both.
 * Out of line in the tail section, as tap_weights (conv_fast's code stays as small as before: with
 * this inside it the other layers' code moved, GVSOC TCN_test_library +0.3 %; tap_weights inlined
 * here cost TCN_T ~600 cycles more). */
static DORY_NOINLINE_ DORY_TAIL_ int32_t tap_weights_all(const dory_conv_args_t *a, int32_t ct, uint8_t *wt, int core,
                                                          int ncores)
{
    const int32_t nt = a->co * a->kw;
    const int split = a->barrier != NULL && ncores > 1;
    const int32_t t0 = split ? nt * core / ncores : 0, t1 = split ? nt * (core + 1) / ncores : nt; /* nt <= 12 kw */
    tap_weights((const int8_t *)a->w + (size_t)t0 * (size_t)a->ci, t1 - t0, a->ci, ct, wt + (size_t)t0 * (size_t)ct);
    if (split)
        a->barrier();
#if defined(DORY_XPULPV2)
    if (ct == 12 && !a->acc)
        return tap4_end_(a, a->x_type == DORY_S8, a->kw * a->ci);
#endif
    return -1;
}

/* A 1x1 convolution of 1..3 input channels (TCN_T's 2 -> 11 downsample; K < 4: conv_fast's 4-way
 * loop would not run, its blocks would be scalar steps and the block end), unpadded at stride 1
 * (output pixel p reads input pixel p), whole input channels (no partial sums), its plan the
 * window end of a shift with vector multipliers and adds (requant_fast.h dory_rqf_win1_, the
 * vectors' loads hoisted; the clamp to the window makes c * m + k exact modulo 2^32). The cores
 * take balanced ranges of pixels; per output channel its weights and end constants in registers,
 * then one small loop over the core's pixels, ~17 instructions an output. On GVSOC conv_fast spent
 * ~400 cycles per block of 8 such outputs, most of them instruction-cache refills (its 4 x 2 block
 * function alone is ~900 bytes against each core's 512-byte L0 cache); this loop stays in it.
 * One loop for u8 and s8 input: x ^ sx - sx sign-extends a byte loaded unsigned when sx = 0x80
 * (and leaves it when 0). 0 (nothing written) for other plans: conv_fast then (the plan is the
 * same on every core, so all of them take the same path). Mirrored by passes/tiling/cost.py
 * (_pw_tiny). */
#define DORY_PW_TINY_MAX_CI 3
/* The 2 bytes at x (a pixel of 2 channels) as the low half of a word: one lhu on the pulp target
 * (RI5CY splits a misaligned one in hardware; x = the tile + 2 p is even anyway); t plus the dot
 * product of its two u8 bytes with w0, w1 (wv: w0, w1 as the word's low bytes, zeros above):
 * pv.sdotusp.b (simd.h) there, two products elsewhere. */
static inline uint32_t tiny_ld2_(const uint8_t *x)
{
#if defined(DORY_XPULPV2)
    uint32_t r;
    __asm__("lhu %0, 0(%1)" : "=r"(r) : "r"(x), "m"(*(const struct { uint8_t b[2]; } *)x));
    return r;
#else
    return (uint32_t)x[0] | (uint32_t)x[1] << 8;
#endif
}
static inline int32_t tiny_dot2_(int32_t t, uint32_t xv, uint32_t wv, int32_t w0, int32_t w1)
{
#if defined(DORY_XPULPV2)
    (void)w0, (void)w1;
    DORY_SDOTP4_US(t, xv, wv);
    return t;
#else
    (void)wv;
    return (int32_t)((uint32_t)t + (uint32_t)((int32_t)(xv & 0xffu) * w0 + (int32_t)(xv >> 8) * w1));
#endif
}
static DORY_NOINLINE_ DORY_TAIL_ int conv_1x1_tiny(const dory_conv_args_t *a, int core, int ncores)
{
    const int32_t ci = a->ci, co = a->co;
    const uint32_t sx = a->x_type == DORY_S8 ? 0x80u : 0u;
    const int8_t *w = (const int8_t *)a->w;
    int32_t p0, p1, p, o;
    dory_rqf_t f;
    dory_rqf_init_(&f, a, sx != 0, ci, 0, co);
    if (f.win != 1 || !f.mul || !f.add)
        return 0;
    dory_share_(a->ho * a->wo, core, ncores, &p0, &p1);
    {
        const int32_t *bp = (const int32_t *)f.bias, *mp = (const int32_t *)f.mul, *dp = (const int32_t *)f.add;
        const int32_t dsh = f.add64, mn = f.min, sh = f.shift;
        const uint32_t wofs = dory_rqf_wofs_(&f);
        for (o = 0; o < co && p0 < p1; o++, w += ci) {
            const int32_t w0 = w[0], w1 = ci > 1 ? w[1] : 0, w2 = ci > 2 ? w[2] : 0;
            const int32_t b = bp ? bp[o] : 0, lo = f.wlo[o], hi = f.whi[o];
            const uint32_t m = (uint32_t)mp[o], k = (uint32_t)dp[o << dsh] - wofs;
            const uint8_t *x = (const uint8_t *)a->x + (size_t)p0 * (size_t)ci;
            uint8_t *y = (uint8_t *)f.y + (size_t)p0 * (size_t)co + (size_t)o;
            if (ci == 2) {
                /* TCN_T's 2 -> 11: a pixel's 2 bytes as one halfword (xor 0x8080: s8 as u8 + 128,
                 * the sum 128 (w0 + w1) less in b2) and one sdotusp4 with (w0, w1, 0, 0): 3
                 * instructions instead of 10 and no per-pixel test of ci (GVSOC: ~39 cycles an
                 * output before, mul latencies and taken branches included) */
                const uint32_t sx2 = sx | sx << 8, wv = (uint32_t)(uint8_t)w0 | (uint32_t)(uint8_t)w1 << 8;
                const uint32_t b2 = (uint32_t)b - (sx ? 128u * (uint32_t)(w0 + w1) : 0u);
                for (p = p0; p < p1; p++, x += 2, y += co) {
                    int32_t t = (int32_t)b2;
                    t = tiny_dot2_(t, tiny_ld2_(x) ^ sx2, wv, w0, w1);
                    *y = (uint8_t)(mn + (int32_t)(((uint32_t)dory_clamp_(t, lo, hi) * m + k) >> sh));
                }
                continue;
            }
            for (p = p0; p < p1; p++, x += ci, y += co) {
                uint32_t t = (uint32_t)b + (uint32_t)((int32_t)((x[0] ^ sx) - sx) * w0);
                if (ci > 1)
                    t += (uint32_t)((int32_t)((x[1] ^ sx) - sx) * w1);
                if (ci > 2)
                    t += (uint32_t)((int32_t)((x[2] ^ sx) - sx) * w2);
                *y = (uint8_t)(mn + (int32_t)(((uint32_t)dory_clamp_((int32_t)t, lo, hi) * m + k) >> sh));
            }
        }
    }
    return 1;
}

/* Work units of the fast path: (pixel pair, block of 4 output channels), pair-major. The cores
 * take balanced contiguous ranges of units, so a ragged tile (rows or channels not a multiple of
 * the cores) still splits to within one unit; a core computes the im2col of a pair once for all
 * the channel blocks of its range. Unit (P, B): pixels 2P and 2P + 1 (if < ho * wo) x channels
 * [4B, min(4B + 4, co)). */
static DORY_NOINLINE_PORTABLE_ void conv_fast(const dory_conv_args_t *a, int core, int ncores)
{
    int xs = a->x_type == DORY_S8;
    int32_t K = a->kh * a->kw * a->ci, co = a->co;
    int im2col = a->kh * a->kw > 1;
    int32_t KX = im2col ? dory_im2col_len_(K) : K; /* the dot products' length (zero padded im2col) */
    /* One output row of a 1-D kernel (kh == 1) at stride 1: the taps of pixel q + dw are those of
     * pixel q shifted by one tap, so pairs (q, q + dw) share one buffer of kw + 1 taps (xa = buf,
     * xb = buf + ci: one copy of kw + 1 taps per pair instead of 2 kw; TCN's 1x11 convs of 11
     * channels, dilations 1..8). The pairs of each group of 2 dw pixels: (g + i, g + dw + i) for
     * i < dw, the last group's pixels without a partner alone. The buffers' bytes past K are then
     * another pixel's taps, not zeros: the dot products run at the exact length K (KD). With ci
     * not a multiple of 4 the second pixel's words are misaligned (a cycle more per load) and K % 4
     * values end each block in scalar steps: worth it only for few channel blocks of a length K
     * of 8 or more (on GVSOC TCN_T's co = 2 / 11 convs of 1, 2, 11 channels gained 4-9 %;
     * TCN_test_library's co = 32..122 convs of 1, 63, 121, 122 channels lost 3-11 %). Mirrored by
     * passes/tiling/cost.py _shared_row. */
    const int shared = im2col && a->ho == 1 && a->kh == 1 && a->sw == 1 &&
                       (a->ci % 4 == 0 || (co <= 16 && K >= 8));
    /* Aligned taps (shared, 9..15 input channels not a multiple of 4, the scratch holding them:
     * dory_conv_tap_ct_): each tap ct = ceil4(ci) bytes in the im2col buffer and in a copy of the
     * weights (rows of kw taps, a tap's ct - ci last bytes zero), so that every word the 4 x 2
     * blocks load is aligned (xb = xa + ct) and the dot length KT = kw ct is a multiple of 4 (no
     * scalar step). The buffer's bytes past a tap's ci are the next tap's or stale: times a zero
     * weight. On GVSOC TCN_T's 1x11 11-channel convs had 4.5 misaligned loads per 14 instructions
     * of the 4 x 2 loop (22 cycles a trip; K = 121 also a scalar step a block). The copy is one
     * for all the cores (a copy per core took 8 x 1.6 KB of L1, too much for a small L1 budget):
     * with the arguments' barrier each core writes its part and waits for the others'; without
     * one every core writes all of it before it reads any, the same bytes to the same words (word
     * stores: a core reading a word another core is storing gets the same value either way), so no
     * core waits for another. The calls sharing the scratch are barriers apart (layer.c). */
    const int32_t ctp = shared ? dory_conv_tap_ct_(a->kh, a->ci) : 0;
    const int tp = ctp > 0 && co <= DORY_TAPW_MAX_CO &&
                   a->scratch_bytes >= dory_conv_tapw_bytes_(a->kw, ctp, ncores);
    const int32_t ct = tp ? ctp : a->ci, KT = tp ? a->kw * ctp : K; /* tap stride, weight row stride */
    const int32_t KB = tp ? KT : KX; /* one im2col buffer's bytes */
    const int32_t d = shared ? a->dw : 1, KD = shared ? KT : KX;
    int32_t npix = a->ho * a->wo, nblk = (co + 3) / 4;
    int32_t npairs = shared ? npix / (2 * d) * d + (npix % (2 * d) < d ? npix % (2 * d) : d) : (npix + 1) / 2;
    int32_t u0, u1, Q, P0, P1, ra, qa, ph, t, nph, cj = 0, cn = 0;
    /* shared: the pairs of one phase (P, P + d, ...: pixels p, p + d, p + 2d, ...) a core walks in
     * a row share one buffer of kw + 2m - 1 taps, m pairs to a chain (pair j at 2 j taps); the
     * core's 2 KB bytes of scratch bound m */
    const int32_t mch = shared && (2 * KB / ct - a->kw + 1) / 2 > 1 ? (2 * KB / ct - a->kw + 1) / 2 : 1;
    const int8_t *w = (const int8_t *)a->w;
    uint8_t *buf0 = NULL, *buf1 = NULL;
    dory_rqf_t f;
    if (tp) {
        /* The weights' copy (before conv_units_: a core without units must still do its part and
         * reach the barrier), then the core's two buffers. With a barrier each core copies 1/ncores
         * of the taps, disjoint words (ct bytes a tap), and waits for the others' (GVSOC, TCN_T's
         * 11-channel dilated convs: all 121 taps took ~1,340 cycles of every core); without one it
         * copies them all (see the comment on shared above). */
        uint8_t *wt = (uint8_t *)a->scratch;
        const int32_t e = tap_weights_all(a, ct, wt, core, ncores);
        w = (const int8_t *)wt;
        buf0 = wt + (size_t)DORY_TAPW_MAX_CO * (size_t)KT + (size_t)core * 2u * (size_t)KB;
        buf1 = buf0 + KB;
#if defined(DORY_XPULPV2)
        if (e >= 0) {
            conv_tap4(a, core, ncores, w, buf0, 2 * KB / ct, e);
            return;
        }
#else
        (void)e;
#endif
    }
    if (!conv_units_(a, npairs, nblk, xs, K, core, ncores, &f, &u0, &u1, &P0, &P1))
        return;
    if (!tp && im2col) {
        buf0 = (uint8_t *)a->scratch + (size_t)core * 2u * (size_t)KX;
        buf1 = buf0 + KX;
        /* im2col_pixel writes [0, K) only: the padding to KX stays zero for the whole call */
        zero_bytes(buf0 + K, (size_t)(KX - K));
        zero_bytes(buf1 + K, (size_t)(KX - K));
    }
    ra = 2 * P0 / a->wo; /* (ra, qa): the first pixel of pair P, then stepped (not shared) */
    qa = 2 * P0 % a->wo;
    /* Shared: the units' pairs in phase-major order, index Q: first the pairs P = t d (t = 0, 1, ..),
     * then P = t d + 1, ..; pair P is pixels p = P / d * 2d + P % d and p + d. A core's range of Q
     * then walks consecutive pairs of one phase (pixels p, p + d, p + 2d, ..), which chains of cn
     * pairs share: one im2col copy of kw + 2 cn - 1 taps, pair j at tap 2 j (at most mch pairs,
     * never past the phase or the range). The same units as in pair order, so the same balance.
     * Not shared: Q = P. */
    ph = 0; /* shared: Q's pair is t d + ph, the ph-th phase holding nph pairs (no division per pair) */
    t = P0;
    nph = (npairs + d - 1) / d;
    while (shared && t >= nph) {
        t -= nph;
        nph = (npairs - ++ph + d - 1) / d;
    }
    for (Q = P0; Q < P1; Q++) {
        int32_t b0 = Q == P0 ? u0 % nblk : 0, b1 = Q == P1 - 1 ? (u1 - 1) % nblk + 1 : nblk;
        int32_t p = shared ? 2 * d * t + ph : 2 * Q, left = nph - t;
        int two = p + d < npix;
        int32_t o, o1 = b1 * 4 < co ? b1 * 4 : co, rb = ra, qb = qa;
        size_t ia = (size_t)p * (size_t)co, ib = ia + (size_t)d * (size_t)co;
        const uint8_t *xa, *xb;
        if (shared && ++t == nph) { /* the next Q: the next phase's first pair */
            t = 0;
            nph = (npairs - ++ph + d - 1) / d;
        }
        if (shared) {
            if (cj == cn) {
                /* a new chain: its pairs' pixels p, p + 2d, .. and their partners (the last pair's
                 * only if it has one: a pair without one is its phase's last) */
                int32_t pl;
                cn = P1 - Q < left ? P1 - Q : left;
                cn = cn < mch ? cn : mch;
                pl = p + 2 * d * (cn - 1);
                im2col_pixel(a, 0, p, buf0, a->kw + 2 * cn - (pl + d < npix ? 1 : 2), ct);
                cj = 0;
            }
            xa = buf0 + (size_t)(2 * cj) * (size_t)ct;
            xb = two ? xa + ct : NULL;
            if (++cj == cn)
                cj = cn = 0;
        } else {
            next_pixel(a->wo, &rb, &qb);
            xa = conv_input(a, ra, qa, im2col, buf0);
            xb = two ? conv_input(a, rb, qb, im2col, buf1) : NULL;
            ra = rb;
            qa = qb;
            next_pixel(a->wo, &ra, &qa);
        }
        if (!xa || (two && !xb)) {
            /* a 1x1 pixel in the padding: channel by channel */
            for (o = b0 * 4; o < o1; o++) {
                const int8_t *wo_ = w + (size_t)o * (size_t)KT;
                int32_t sa = 0, sb = 0;
                if (xa && xb)
                    dory_dot2_(xa, xb, xs, wo_, K, &sa, &sb);
                else {
                    if (xa)
                        sa = dory_dot_(xa, xs, wo_, K, 0);
                    if (xb)
                        sb = dory_dot_(xb, xs, wo_, K, 0);
                }
                dory_rqf_finish_(&f, a, ia + (size_t)o, o, sa);
                if (two)
                    dory_rqf_finish_(&f, a, ib + (size_t)o, o, sb);
            }
            continue;
        }
        o = b0 * 4 + ((o1 - b0 * 4) & ~3);
        {
            /* [b0 * 4, oe) at length KX, then [oe, o) exact: the block holding the tensor's last
             * row, which must not be read past its end. Then, when co is not a multiple of 4 and
             * the range has 4 channels or more, its last 1..3 channels as the block of the range's
             * last 4 (tail): recomputing up to 3 that the blocks before already stored (the same
             * sums, the same bytes: this core wrote them; not with partial sums, which a second
             * pass would add twice), exact when it holds the last row. Cheaper than a dot product
             * per channel below (TCN_T's co = 11 dilated 1x11 convs on GVSOC: ~10 instructions
             * per 8 MACs in that loop, ~3.5 in the block); the model's unit counts it as a whole
             * block. One call site (its 4-way dispatch is inlined; a second copy cost the 1x1
             * layers instruction-cache misses, and a second call site makes gcc call it). */
            int32_t lo = b0 * 4, oe = KD > KT && o == co && o > lo ? o - 4 : o, kx = KD;
            int tail = o < o1 && o1 - 4 >= lo && !(a->acc && !(a->first && a->last));
            for (;;) {
                dory_blocks4_(xa, xb, xs, w, KT, kx, lo, oe, &f, ia, ib);
                if (oe == o) {
                    if (!tail)
                        break;
                    tail = 0;
                    kx = o1 == co ? KT : KD;
                    lo = o1 - 4;
                    oe = o = o1;
                    continue;
                }
                lo = oe, oe = o, kx = KT;
            }
        }
        if (o < o1) { /* the last channels of a co not a multiple of 4 */
            int32_t s[8] = {0, 0, 0, 0, 0, 0, 0, 0}, j;
            for (j = 0; o + j < o1; j++) {
                const int8_t *wo_ = w + (size_t)(o + j) * (size_t)KT;
                if (two)
                    dory_dot2_(xa, xb, xs, wo_, KT, &s[2 * j], &s[2 * j + 1]);
                else
                    s[2 * j] = dory_dot_(xa, xs, wo_, KT, 0);
            }
            dory_rqf_block_(&f, s, o, o1 - o, ia, ib, two);
        }
    }
}

#if defined(DORY_XPULPV2)
/* conv_pw4: a 1x1 tile read in place (stride 1, unpadded, whole input channels: pixel p's ci
 * bytes at x + p ci) with ci a multiple of 4, a pixel count and co multiples of 4 and the window
 * end of a shift <= 24 with mul and add vectors (every 8-bit pointwise layer of the MobileNets):
 * blocks of 4 output channels x 4 pixels instead of conv_fast's 4 x 2. Per 4-byte step 4 + 4
 * loads and 16 sdot (24 instructions per 64 MACs; the 4 x 2 block: 28), and per block the end's
 * per-channel constants (mul, add, window) are read once for 4 outputs instead of 2. On GVSOC
 * MobileNetV1-1.0-128's Conv_49 (32 -> 64, K = 32) spent ~270 cycles per 4 x 2 block, ~110 of
 * them in its loop: the block's end, call and set-up were the larger part at a small K.
 * The units the cores share are (quad of pixels, block of 4 channels); the plan is the layer's
 * over all channels, so every core decides alike (a core on another path would compute other
 * units). 0 (nothing written) when the plan is not such a window end. */

/* The state of pw4_blocks_*'s block loop, in memory: the asm holds all but 4 registers in its
 * loop over k (16 sums, 6 loaded words, K, 2K, 3K, x, w, this), so what lives across blocks
 * besides K and w is read from here (and b, m, k, y written back) once a block. The offsets are
 * the asm's (DORY_PW4_ASM_). */
typedef struct {
    const uint8_t *x;  /* 0: pixel 0's K bytes; pixels 1..3 K, 2K, 3K further */
    const int8_t *w;   /* 4: the first block's row 0; rows 1..3 K, 2K, 3K further; +4K a block */
    int32_t K;         /* 8 */
    int32_t nb;        /* 12: the blocks (hardware loop 1's count) */
    const int32_t *b;  /* 16: the block's 4 biases, +bst a block */
    int32_t bst;       /* 20: 16, or 0 without a bias (b then at z) */
    const int32_t *m;  /* 24: the next channel's mul */
    int32_t dlo;       /* 28: its window's low end at m + dlo bytes */
    int32_t dhi;       /* 32: and high end at m + dhi */
    const uint8_t *k;  /* 36: its add's low word, kst bytes a channel */
    int32_t kst;       /* 40 */
    int32_t sh;        /* 44: the shift (<= 24) */
    uint8_t *y;        /* 48: pixel 0's output of the next channel; pixels 1..3 co, 2co, 3co further */
    int32_t co;        /* 52 */
    int32_t s[16];     /* 56: the block's sums, s[4 j + i] = channel j's at pixel i */
    int32_t z[4];      /* 120: zeros, b without a bias: in L1 with the rest of this (a static const
                        * array is in L2: GVSOC MobileNetV1-1.0-128 Conv_95, whose bias is in
                        * its add, spent ~15 cycles on each of a block's 4 loads of it) */
} pw4_ctx_t;

/* Blocks of 4 channels x 4 pixels, each its 16 sums and their 16 outputs, all in one asm (C
 * between the sums and the end had GCC spill and reload ~40 values around an asm that takes every
 * register: ~390 cycles of a 64 -> 64 block's ~770 outside its k loop on GVSOC). The blocks in
 * hardware loop 1 (c->nb trips; GVSOC: a counted branch, its load, decrement and store cost ~8
 * cycles a block). K, 2K, 3K (r, a7, ra) and w (q) stay in registers across blocks (the end does
 * not touch them); x is reloaded (the k loop advances it). Per block:
 *  - the sums, s[4 j + i] = bias j + pixel i . row j (wrapping): the k loop in hardware loop 0
 *    (K / 4 trips, K >= 4). Pixel i's bytes at x + i K, row j's at w + j K (the same stride K =
 *    ci: the offsets K, 2K, 3K in registers serve both). Per trip: pixels 1..3 by p.lw rd, rs2(rs1)
 *    (no increment), pixel 0 by p.lw rd, 4(rs1!) (post-increment), rows 1..3 likewise and row 0
 *    last by the post-increment; each loaded word first used two or more instructions later.
 *  - the sums to c->s, then the end in hardware loop 0 again (4 trips, a channel each): its window
 *    (at m + dlo, m + dhi: one pointer for the three vectors), mul and add's low word by loads, its
 *    4 sums, each clamped to the window (p.max, p.min, as dory_clamp_), times the mul plus the add
 *    by p.mac onto a copy of the add (GVSOC charges mul 2 cycles, its latency, p.mac 1: mul + add
 *    cost 3), shifted right (unsigned: the window's offset dropped as in dot.h's DORY_W24_CH_),
 *    stored: pixels 1..3 by p.sb rs2, rs3(rs1) at y + co, 2co, 3co, pixel 0 by p.sb rs2, 1(rs1!)
 *    advancing y to the next channel.
 * Encodings (gvsoc-core isa_gen/isa_pulpv2.py):
 *   p.lw rd, rs2(rs1)     = .insn r 0x03, 7, 0x10, rd, rs1, rs2      'LW_RR' '0010000 ... 111 ... 0000011'
 *   p.lw rd, rs2(rs1!)    = .insn r 0x0b, 7, 0x10, rd, rs1, rs2      'LW_RR_POSTINC' '... 111 ... 0001011'
 *   p.lw rd, imm(rs1!)    = .insn i 0x0b, 2, rd, rs1, imm            'LW_POSTINC' '... 010 ... 0001011'
 *   p.sb rs2, rs3(rs1)    = .insn r 0x23, 4, 0x00, rs3, rs1, rs2     'SB_RR' '0000000 ... 100 ... 0100011'
 *                           (Format_SR: the offset register in the rd field)
 *   p.sb rs2, imm(rs1!)   = .insn s 0x2b, 0, rs2, imm(rs1)           'SB_POSTINC' '... 000 ... 0101011'
 *   p.max / p.min rd, rs1, rs2 = .insn r 0x33, 6 / 4, 0x02           'p.max' / 'p.min'
 *   p.mac rd, rs1, rs2    = .insn r 0x33, 0, 0x21, rd, rs1, rs2      'p.mac' '0100001 ... 000 ... 0110011'
 *                           (Format_RRRR: rd += rs1 * rs2, isa_lib/int.h lib_MAC; no 'mul' tag, so
 *                           not the 2-cycle latency pulp/cpu/iss/pulp_iss_wrapper.cpp gives mul)
 *   lp.setup x0, rs1, L   = .insn i 0x7b, 4, x0, rs1, L: loop 0, count rs1, body from the next
 *                           instruction to pc + 2L (include/isa/pulp_v2.hpp lp_setup_exec), its
 *                           body assembled without compressed instructions (.option norvc) so
 *                           that L is 2 x its instruction count;
 *   lp.setup x1, a5, L    = .word 0x7c0fb | L << 20 (I-type: rd = x1 the loop number, funct3 4,
 *                           rs1 = a5 = x15, opcode 0x7b), L from the labels at the instruction and
 *                           at the body's last one: the body keeps its compressed instructions,
 *                           and .insn takes no forward label while .word does (resolved by the
 *                           assembler: .option norelax, no relaxable instruction between them);
 *   pv.sdot(u)sp.b as in dot.h's DORY_ASM_4X2_.
 * Registers: the 16 sums (s0..s11, t3..t6), the loaded words (t0..t2, a4 pixels; a5, a6 rows),
 * 2K and 3K (a7, ra) are fixed and clobbered; x, w, K in the 3 scratch operands p, q, r and the
 * state's address in c (GCC allows 30 asm operands, so the sums cannot be operands: a0..a3 are
 * what is left). In the end s0..s10 hold its pointers and constants, a4..a6 and s11 the outputs. */
#define DORY_PW4_ASM_(F7)                                                                          \
    __asm__ volatile(".option push\n\t.option norelax\n\t"                                       \
                     "lw %[r], 8(%[c])\n\t"                                                       \
                     "lw %[q], 4(%[c])\n\t"                                                       \
                     "lw a5, 12(%[c])\n\t"                                                        \
                     "slli a7, %[r], 1\n\t"                                                       \
                     "add ra, a7, %[r]\n\t"                                                       \
                     ".Lpw4s%=: .word 0x7c0fb | (((.Lpw4e%= - .Lpw4s%=) / 2) << 20)\n\t"          \
                     "lw %[p], 16(%[c])\n\t"                                                      \
                     "lw t0, 20(%[c])\n\t"                                                        \
                     "srli a5, %[r], 2\n\t"                                                       \
                     "lw s0, 0(%[p])\n\tlw s4, 4(%[p])\n\tlw s8, 8(%[p])\n\tlw t3, 12(%[p])\n\t"  \
                     "add %[p], %[p], t0\n\t"                                                     \
                     "sw %[p], 16(%[c])\n\t"                                                      \
                     "lw %[p], 0(%[c])\n\t"                                                       \
                     "mv s1, s0\n\tmv s2, s0\n\tmv s3, s0\n\tmv s5, s4\n\tmv s6, s4\n\tmv s7, s4\n\t" \
                     "mv s9, s8\n\tmv s10, s8\n\tmv s11, s8\n\tmv t4, t3\n\tmv t5, t3\n\tmv t6, t3\n\t" \
                     ".option push\n\t.option norvc\n\t"                                          \
                     ".insn i 0x7b, 4, x0, a5, 48\n\t"                                            \
                     ".insn r 0x03, 7, 0x10, t1, %[p], %[r]\n\t"                                  \
                     ".insn r 0x03, 7, 0x10, t2, %[p], a7\n\t"                                    \
                     ".insn r 0x03, 7, 0x10, a4, %[p], ra\n\t"                                    \
                     DORY_B44_KSTEP_(F7)                                                           \
                     "lw s0, 24(%[c])\n\tlw s1, 28(%[c])\n\tlw s2, 32(%[c])\n\tlw s3, 36(%[c])\n\t" \
                     "lw s4, 40(%[c])\n\tlw s5, 44(%[c])\n\tlw s6, 48(%[c])\n\tlw s7, 52(%[c])\n\t" \
                     "addi s10, %[c], 56\n\t"                                                     \
                     "li a5, 4\n\t"                                                               \
                     "slli s8, s7, 1\n\t"                                                         \
                     "add s9, s8, s7\n\t"                                                         \
                     ".option push\n\t.option norvc\n\t"                                          \
                     ".insn i 0x7b, 4, x0, a5, 62\n\t"                                            \
                     ".insn r 0x03, 7, 0x10, t1, s0, s1\n\t"                                      \
                     ".insn r 0x03, 7, 0x10, t2, s0, s2\n\t"                                      \
                     ".insn i 0x0b, 2, t0, s0, 4\n\t"                                             \
                     DORY_B44_CLAMP_                                                               \
                     "mv a5, a4\n\t"                                                              \
                     "mv a6, a4\n\t"                                                              \
                     "mv s11, a4\n\t"                                                             \
                     ".insn r 0x33, 0, 0x21, a4, t3, t0\n\t"                                      \
                     ".insn r 0x33, 0, 0x21, a5, t4, t0\n\t"                                      \
                     ".insn r 0x33, 0, 0x21, a6, t5, t0\n\t"                                      \
                     ".insn r 0x33, 0, 0x21, s11, t6, t0\n\t"                                     \
                     "srl a4, a4, s5\n\t"                                                         \
                     "srl a5, a5, s5\n\t"                                                         \
                     "srl a6, a6, s5\n\t"                                                         \
                     "srl s11, s11, s5\n\t"                                                       \
                     ".insn r 0x23, 4, 0x00, s7, s6, a5\n\t"                                      \
                     ".insn r 0x23, 4, 0x00, s8, s6, a6\n\t"                                      \
                     ".insn r 0x23, 4, 0x00, s9, s6, s11\n\t"                                     \
                     ".insn s 0x2b, 0, a4, 1(s6)\n\t"                                             \
                     ".option pop\n\t"                                                            \
                     "sw s0, 24(%[c])\n\tsw s3, 36(%[c])\n\t"                                     \
                     ".Lpw4e%=: sw s6, 48(%[c])\n\t"                                              \
                     ".option pop"                                                                \
                     : [p] "=&r"(p_), [q] "=&r"(q_), [r] "=&r"(r_)                               \
                     : [c] "r"(c)                                                                 \
                     : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",  \
                       "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a4", "a5", "a6", "a7", "ra",     \
                       "memory")

/* Channels [o, o1) (a multiple of 4, o < o1) of the 4 pixels at x0 (K bytes each, K a multiple of
 * 4, >= 4) into y + i co + o (pixel i), ended by the window's shift as DORY_W24_CH_ (f: win 1,
 * shift <= 24, mul and add vectors; the add's low word kst bytes apart). The block loop (hardware
 * loop 1) ~400 bytes: within the core's 512-byte L0 instruction cache (a fully unrolled C end of
 * ~800 bytes ran at ~2.5 cycles an instruction on GVSOC: refills every block). */
#define DORY_PW4_BLOCKS_(NAME, F7)                                                                 \
    static DORY_NOINLINE_ void NAME(const uint8_t *x0, const int8_t *w0, int32_t K, int32_t o, int32_t o1, \
                                    const dory_rqf_t *f, uint8_t *y, int32_t co)                   \
    {                                                                                              \
        pw4_ctx_t ctx, *c = &ctx;                                                                  \
        uint32_t p_, q_, r_;                                                                       \
        ctx.x = x0;                                                                                \
        ctx.w = w0 + (size_t)o * (size_t)K;                                                        \
        ctx.K = K;                                                                                 \
        ctx.nb = (o1 - o) / 4;                                                                     \
        ctx.z[0] = ctx.z[1] = ctx.z[2] = ctx.z[3] = 0;                                             \
        ctx.b = f->bias ? (const int32_t *)f->bias + o : ctx.z;                                    \
        ctx.bst = f->bias ? 16 : 0;                                                                \
        ctx.m = (const int32_t *)f->mul + o;                                                       \
        ctx.dlo = (int32_t)((uintptr_t)f->wlo - (uintptr_t)f->mul);                                \
        ctx.dhi = (int32_t)((uintptr_t)f->whi - (uintptr_t)f->mul);                                \
        ctx.kst = 4 << f->add64;                                                                   \
        ctx.k = (const uint8_t *)f->add + (size_t)o * (size_t)ctx.kst;                             \
        ctx.sh = f->shift;                                                                         \
        ctx.y = y + o;                                                                             \
        ctx.co = co;                                                                               \
        DORY_PW4_ASM_(F7);                                                                         \
        (void)p_, (void)q_, (void)r_;                                                              \
    }
DORY_PW4_BLOCKS_(pw4_blocks_u_, "0x54")
DORY_PW4_BLOCKS_(pw4_blocks_s_, "0x5c")

/* conv_pw4 takes ci > DORY_PW4_MIN_CI only (K / 4 >= 3 trips of its k loop). With the block end
 * in the asm, GVSOC (conv_fast's 4 x 2 blocks -> conv_pw4): MobileNetV1-1.0-128 Conv_49, 32 -> 64:
 * 1,151,980 -> 1,068,905 cycles; MobileNetV2-1.0-128 Conv_72, 16 -> 96: 1,576,660 -> 1,377,583,
 * its 24 -> 144 (Conv_141, Conv_228) 544,286 / 545,289 -> 537,874 / 537,481.
 * Mirrored by backends/target.py PW4_MIN_CI. */
#define DORY_PW4_MIN_CI 8
/* inline: its frame (the plan) shares dory_conv2d's, which conv_fast's inlined frame makes large
 * (out of line, its own on top overflowed a 1 KiB worker stack) */
static inline int conv_pw4(const dory_conv_args_t *a, int core, int ncores)
{
    const int xs = a->x_type == DORY_S8;
    const int32_t K = a->ci, co = a->co, nq = a->ho * a->wo / 4, nblk = co / 4;
    const uint8_t *x = (const uint8_t *)a->x;
    uint8_t *y;
    int32_t u0, u1, u, q, b0;
    const volatile dory_conv_rqplan_t *pl = (const volatile dory_conv_rqplan_t *)a->rqplan;
    dory_rqf_t f;
    /* the layer's plan decides (every core alike) from two of its bytes and the vectors' pointers
     * first: the whole plan's copy from L2 (dory_rqf_init_) is ~30 loads, and the layers that go
     * on to conv_fast would pay it twice (GVSOC MobileNetV2-1.0-128's projections, s8 output with
     * truncation: +2.4K cycles a tile) */
    /* without a plan: a window end is always planned per layer by the executor, so there only the
     * kernel's own callers (bench_kernels, test_gvsoc_kernels) have one, and the stage's window
     * lets the per-call plan below decide; no window: not this path */
    if ((pl ? pl->win != 1 || pl->shift > 24 : !a->rq->st[0].win_lo) || !a->rq->st[0].mul || !a->rq->st[0].add)
        return 0;
    dory_rqf_init_(&f, a, xs, K, 0, co);
    if (!(f.win == 1 && f.mul && f.add && f.shift <= 24))
        return 0;
    y = (uint8_t *)f.y;
    share_cut_(nq * nblk, core, ncores, a->core0_cut, &u0, &u1);
    /* the core's units from quad q, block b0: one call per quad, the quads after the first from
     * block 0 (one division for the core, not one per call: ~30 cycles each on GVSOC) */
    for (u = u0, q = u0 / nblk, b0 = u0 % nblk; u < u1; q++, b0 = 0) {
        const int32_t b1 = nblk < b0 + (u1 - u) ? nblk : b0 + (u1 - u);
        const uint8_t *xq = x + (size_t)q * 4u * (size_t)K;
        uint8_t *yq = y + (size_t)q * 4u * (size_t)co;
        if (xs)
            pw4_blocks_s_(xq, (const int8_t *)a->w, K, b0 * 4, b1 * 4, &f, yq, co);
        else
            pw4_blocks_u_(xq, (const int8_t *)a->w, K, b0 * 4, b1 * 4, &f, yq, co);
        u += b1 - b0;
    }
    return 1;
}
#endif

/* lo[t] = x[t] & 0xff, hi[t] = x[t] >> 8 for t < n (16-bit x as stored: lo0 hi0 lo1 hi1 ..). On
 * the pulp target 4 values per trip of hardware loop 0: the two words holding x[t .. t + 3] (bytes
 * lo0 hi0 lo1 hi1 / lo2 hi2 lo3 hi3) give the planes' words by one pv.shuffle2.b each, the rest a
 * byte loop. */
static inline void split_planes(const uint16_t *x, int32_t n, uint8_t *lo, uint8_t *hi)
{
    int32_t t;
#ifdef DORY_XPULPV2
    uint32_t n4 = (uint32_t)n >> 2;
    if (n4 > 0) {
        /* pv.shuffle2.b rd, rs1, rs2 = .insn r 0x57, 1, 0x64, rd, rs1, rs2 (gvsoc-core
         * isa_gen/isa_pulpv2.py 'pv.shuffle2.b' '110010- ----- ----- 001 ----- 1010111', Format_RRRR:
         * rd read too; isa_lib/int.h lib_VEC_SHUFFLE2_8 with RISCV: byte k of rd becomes byte
         * (rs2.b[k] & 3) of rs1 when bit 2 of rs2.b[k] is set, else of the old rd). With rd = the
         * first word, rs1 = the second: mask 0x06040200 picks bytes 0, 2 of each (the low bytes),
         * 0x07050301 bytes 1, 3 (the high ones). lp.setup, p.lw, p.sw as in copy_bytes (8 body
         * instructions: L = 20); each loaded word is used two instructions after its load. Never
         * called inside another hardware loop 0. */
        uint32_t ml = 0x06040200u, mh = 0x07050301u;
        __asm__ volatile(".insn i 0x7b, 4, x0, %[n], 16\n\t"
                         ".insn i 0x0b, 2, t0, %[x], 4\n\t"
                         ".insn i 0x0b, 2, t1, %[x], 4\n\t"
                         "mv t2, t0\n\t"
                         "mv t3, t0\n\t"
                         ".insn r 0x57, 1, 0x64, t2, t1, %[ml]\n\t"
                         ".insn r 0x57, 1, 0x64, t3, t1, %[mh]\n\t"
                         ".insn s 0x2b, 2, t2, 4(%[l])\n\t"
                         ".insn s 0x2b, 2, t3, 4(%[h])\n\t"
                         : [x] "+r"(x), [l] "+r"(lo), [h] "+r"(hi)
                         : [n] "r"(n4), [ml] "r"(ml), [mh] "r"(mh)
                         : "t0", "t1", "t2", "t3", "memory");
        n &= 3;
    }
#endif
    for (t = 0; t < n; t++) {
        uint32_t v = x[t];
        lo[t] = (uint8_t)v;
        hi[t] = (uint8_t)(v >> 8);
    }
}

/* ---- small K (first layers): blocks of 4 pixels x 4 channels -----------------------------------
 *
 * A KxK conv with K = kh * kw * ci <= DORY_PX4_XS (5x5 ci = 1: K = 25; 3x3 ci = 3: K = 27) has
 * so few MACs per output (25..27) that conv_fast's 4 x 2 block spent more on its ends and loads
 * than on its products. conv_px4 builds the im2col of 4 consecutive pixels of the tile (a quad) in
 * 4 buffers DORY_PX4_XS bytes apart (each K bytes, zero to KX = K rounded up to 4), and runs
 * blocks of 4 pixels x 4 channels over them: per 4-way step 4 activation + 4 weight loads for 16
 * SIMD dot products (conv_fast's block: 6 for 8), and per output channel its requant constants
 * loaded once for 4 pixels. Work units (quad, block of 4 channels), split over the cores in
 * balanced contiguous ranges like conv_fast's pairs. Scratch: DORY_PX4_CORE_BYTES per core. */
#define DORY_PX4_XS 32
/* Full interior quads are copied DORY_PX4_BATCH at a time and their blocks run in one call (the
 * quad loop inside the blocks function): per quad the blocks' code (px4_win24_u_: ~540 bytes) and
 * the im2col's no longer evict each other from the core's 512-byte L0 instruction cache, and the
 * call's set-up is paid once a batch. Mirrored by backends/target.py CONV_PX4_BATCH. */
#define DORY_PX4_BATCH 4
/* A core's scratch: DORY_PX4_BATCH quads' pixel buffers, then the tensor's last two weight rows
 * (2 K <= 2 XS bytes and the 4 zero bytes the last 4-way step reads past them) */
#define DORY_PX4_CORE_BYTES (4 * DORY_PX4_BATCH * DORY_PX4_XS + 2 * DORY_PX4_XS + 4)

/* Zero bytes [K, KX) of an im2col buffer (KX: K rounded up to 4, so they are the high 0..3 bytes
 * of its last word): one masked word store (a byte loop became a memset call, ~25 cycles). */
static inline void px4_pad_(uint8_t *buf, int32_t K, int32_t KX)
{
    if (KX > K) {
        uint8_t *last = buf + KX - 4;
        dory_st4w(last, dory_ld4w(last) & ((1u << (8 * (K - (KX - 4)))) - 1u));
    }
}

/* The im2col of output pixel (r, q) into buf (K bytes, then zeros to KX). rowcopy: the layer's
 * rows may be copied by whole words (see conv_px4): an interior pixel's kh rows of L = kw * ci
 * contiguous input bytes each (dw == 1) as ceil(L / 4) word copies each (misaligned word loads
 * and stores: RI5CY splits them in hardware), a row's last word spilling up to 3 bytes into the
 * next row (rewritten next) or, for the last row, past K (zeroed below; the spill stays within
 * DORY_PX4_XS by rowcopy's condition). A pixel in the padding, or whose last word would read past
 * the input tile, takes im2col_pixel. */
static inline void px4_pixel(const dory_conv_args_t *a, int32_t r, int32_t q, uint8_t *buf, int32_t K, int32_t KX,
                             int rowcopy)
{
    const int32_t kh = a->kh, kw = a->kw, ci = a->ci, ir0 = r * a->sh - a->pt, ic0 = q * a->sw - a->pl;
    const int32_t L = kw * ci, nw = (L + 3) >> 2, last = ir0 + (kh - 1) * a->dh;
    int32_t i, j;
    if (rowcopy && ir0 >= 0 && last < a->hi && ic0 >= 0 && ic0 + kw <= a->wi &&
        ((size_t)last * (size_t)a->wi + (size_t)ic0) * (size_t)ci + 4u * (size_t)nw <=
            (size_t)a->hi * (size_t)a->wi * (size_t)ci) {
        const uint8_t *src = (const uint8_t *)a->x + ((size_t)ir0 * (size_t)a->wi + (size_t)ic0) * (size_t)ci;
        const size_t step = (size_t)a->dh * (size_t)a->wi * (size_t)ci;
        uint8_t *dst = buf;
        if (nw == 2) /* L 5..8 (5x5 ci = 1): no inner loop, its branch cost more than the copies */
            for (i = 0; i < kh; i++, src += step, dst += L) {
                uint32_t v0 = dory_ld4w(src), v1 = dory_ld4w(src + 4);
                dory_st4w(dst, v0);
                dory_st4w(dst + 4, v1);
            }
        else if (nw == 3) /* L 9..12 (3x3 ci = 3) */
            for (i = 0; i < kh; i++, src += step, dst += L) {
                uint32_t v0 = dory_ld4w(src), v1 = dory_ld4w(src + 4), v2 = dory_ld4w(src + 8);
                dory_st4w(dst, v0);
                dory_st4w(dst + 4, v1);
                dory_st4w(dst + 8, v2);
            }
        else
            for (i = 0; i < kh; i++, src += step, dst += L)
                for (j = 0; j < nw; j++)
                    dory_st4w(dst + 4 * j, dory_ld4w(src + 4 * j));
    } else if (a->dw == 1) {
        /* a pixel at the border: zeros by words, then each input row's taps inside the tile
         * [j0, j1) byte by byte (im2col_pixel's per-tap copies and zeroings cost ~2000 cycles
         * a pixel of 5x5 ci = 1, most of it in calls) */
        const int32_t j0 = ic0 < 0 ? -ic0 : 0, j1 = ic0 + a->kw > a->wi ? a->wi - ic0 : a->kw;
        const int32_t n = (j1 - j0) * ci;
        const uint8_t *x = (const uint8_t *)a->x;
        for (i = 0; i < KX; i += 4)
            dory_st4w(buf + i, 0u);
        for (i = 0; i < kh; i++) {
            const int32_t ir = ir0 + i * a->dh;
            const uint8_t *src = x + ((size_t)ir * (size_t)a->wi + (size_t)(ic0 + j0)) * (size_t)ci;
            uint8_t *dst = buf + i * L + j0 * ci;
            if (ir < 0 || ir >= a->hi)
                continue;
            for (j = 0; j < n; j++)
                dst[j] = src[j];
        }
        return; /* [K, KX) stays zero */
    } else {
        im2col_pixel(a, r, q, buf, a->kw, a->ci);
    }
    px4_pad_(buf, K, KX);
}

/* The im2col of the quad of full pixels (r, q .. q + 3) of one output row, all interior, by whole
 * words as px4_pixel's rows (rowcopy); returns 0 (nothing written) when the quad is not such. One
 * bound check for the 4 pixels, their rows copied kernel row by kernel row (pixel p's row is sw *
 * ci bytes after pixel p - 1's). */
static inline int px4_quad(const dory_conv_args_t *a, int32_t r, int32_t q, uint8_t *buf, int32_t K, int32_t KX)
{
    const int32_t kh = a->kh, ci = a->ci, L = a->kw * ci, nw = (L + 3) >> 2, ps = a->sw * ci;
    const int32_t ir0 = r * a->sh - a->pt, ic0 = q * a->sw - a->pl, last = ir0 + (kh - 1) * a->dh;
    const size_t xrow = (size_t)a->wi * (size_t)ci;
    const uint8_t *src;
    uint8_t *dst = buf;
    int32_t i, j, p;
    if (q + 3 >= a->wo || ir0 < 0 || last >= a->hi || ic0 < 0 || ic0 + 3 * a->sw + a->kw > a->wi ||
        (size_t)last * xrow + (size_t)(ic0 * ci + 3 * ps + 4 * nw) > (size_t)a->hi * xrow)
        return 0;
    src = (const uint8_t *)a->x + (size_t)ir0 * xrow + (size_t)(ic0 * ci);
#if defined(DORY_XPULPV2)
    if (nw == 2) {
        /* L 5..8 (5x5 ci = 1): per kernel row the 4 pixels' two words each, at immediate offsets
         * from the 4 row starts and the buffer (dory_ld4w / dory_st4w take no offset: GCC added an
         * address per access, 36 instructions a row instead of 22). lw / sw from any address
         * (RI5CY splits the misaligned ones in hardware); each word stored at least 4
         * instructions after its load (no load-use stall); the buffer offsets are DORY_PX4_XS's
         * multiples (static assert at DORY_PX4_DOT_). */
        const size_t step = (size_t)a->dh * xrow;
        for (i = 0; i < kh; i++, src += step, dst += L) {
            const uint8_t *s1 = src + ps, *s2 = s1 + ps, *s3 = s2 + ps;
            __asm__ volatile("lw t0, 0(%[s0])\n\t"
                             "lw t1, 4(%[s0])\n\t"
                             "lw t2, 0(%[s1])\n\t"
                             "lw t3, 4(%[s1])\n\t"
                             "lw t4, 0(%[s2])\n\t"
                             "lw t5, 4(%[s2])\n\t"
                             "sw t0, 0(%[d])\n\t"
                             "sw t1, 4(%[d])\n\t"
                             "lw t0, 0(%[s3])\n\t"
                             "lw t1, 4(%[s3])\n\t"
                             "sw t2, 32(%[d])\n\t"
                             "sw t3, 36(%[d])\n\t"
                             "sw t4, 64(%[d])\n\t"
                             "sw t5, 68(%[d])\n\t"
                             "sw t0, 96(%[d])\n\t"
                             "sw t1, 100(%[d])\n\t"
                             :
                             : [s0] "r"(src), [s1] "r"(s1), [s2] "r"(s2), [s3] "r"(s3), [d] "r"(dst)
                             : "t0", "t1", "t2", "t3", "t4", "t5", "memory");
        }
        for (p = 0; p < 4; p++)
            px4_pad_(buf + p * DORY_PX4_XS, K, KX);
        return 1;
    }
#endif
    for (i = 0; i < kh; i++, src += (size_t)a->dh * xrow, dst += L) {
        if (nw == 2) { /* L 5..8 (5x5 ci = 1) */
            uint32_t u0 = dory_ld4w(src), u1 = dory_ld4w(src + 4), v0 = dory_ld4w(src + ps),
                     v1 = dory_ld4w(src + ps + 4);
            dory_st4w(dst, u0);
            dory_st4w(dst + 4, u1);
            dory_st4w(dst + DORY_PX4_XS, v0);
            dory_st4w(dst + DORY_PX4_XS + 4, v1);
            u0 = dory_ld4w(src + 2 * ps), u1 = dory_ld4w(src + 2 * ps + 4);
            v0 = dory_ld4w(src + 3 * ps), v1 = dory_ld4w(src + 3 * ps + 4);
            dory_st4w(dst + 2 * DORY_PX4_XS, u0);
            dory_st4w(dst + 2 * DORY_PX4_XS + 4, u1);
            dory_st4w(dst + 3 * DORY_PX4_XS, v0);
            dory_st4w(dst + 3 * DORY_PX4_XS + 4, v1);
        } else {
            for (p = 0; p < 4; p++)
                for (j = 0; j < nw; j++)
                    dory_st4w(dst + p * DORY_PX4_XS + 4 * j, dory_ld4w(src + p * ps + 4 * j));
        }
    }
    for (p = 0; p < 4; p++)
        px4_pad_(buf + p * DORY_PX4_XS, K, KX);
    return 1;
}

#if defined(DORY_XPULPV2)
/* A pair's k loop (n4 steps of 4 values) as one asm block in hardware loop 0: per step the 4
 * pixels' words (three lw at +XS, +2 XS, +3 XS from the pointer, then p.lw at +0 advancing it by
 * 4), the 2 weight rows' words (p.lw; misaligned for rows K apart: one extra cycle each) and 8
 * pv.sdot(u)sp.b. Encodings as in dot.h's DORY_ASM_4X2_ (lp.setup, p.lw, pv.sdotusp.b /
 * pv.sdotsp.b); lw rd, imm(rs1) = .insn i 0x03, 2, rd, rs1, imm (RV32I LOAD, funct3 2), spelled as
 * .insn so that the assembler cannot compress it (the loop's end is counted in 32-bit
 * instructions: 14, L = 28). Each loaded word is first used at least two instructions later.
 * Words in t0..t5 (clobbered). The offsets are DORY_PX4_XS's multiples (static assert below). */
#define DORY_PX4_DOT_(XT, V4X, LD4X, SDOT, F7)                                                        \
    do {                                                                                               \
        if (n4 > 0) {                                                                                  \
            const void *xp_ = xq, *wa_ = w0, *wb_ = w1;                                                \
            __asm__ volatile(".insn i 0x7b, 4, x0, %[n], 28\n\t"                                       \
                             ".insn i 0x03, 2, t1, %[xp], 32\n\t"                                      \
                             ".insn i 0x03, 2, t2, %[xp], 64\n\t"                                      \
                             ".insn i 0x03, 2, t3, %[xp], 96\n\t"                                      \
                             ".insn i 0x0b, 2, t0, %[xp], 4\n\t"                                       \
                             ".insn i 0x0b, 2, t4, %[wa], 4\n\t"                                       \
                             ".insn i 0x0b, 2, t5, %[wb], 4\n\t"                                       \
                             ".insn r 0x57, 1, " F7 ", %[a0], t0, t4\n\t"                              \
                             ".insn r 0x57, 1, " F7 ", %[a1], t1, t4\n\t"                              \
                             ".insn r 0x57, 1, " F7 ", %[a2], t2, t4\n\t"                              \
                             ".insn r 0x57, 1, " F7 ", %[a3], t3, t4\n\t"                              \
                             ".insn r 0x57, 1, " F7 ", %[b0], t0, t5\n\t"                              \
                             ".insn r 0x57, 1, " F7 ", %[b1], t1, t5\n\t"                              \
                             ".insn r 0x57, 1, " F7 ", %[b2], t2, t5\n\t"                              \
                             ".insn r 0x57, 1, " F7 ", %[b3], t3, t5\n\t"                              \
                             : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), \
                               [b1] "+r"(b1), [b2] "+r"(b2), [b3] "+r"(b3), [xp] "+r"(xp_), [wa] "+r"(wa_), \
                               [wb] "+r"(wb_)                                                          \
                             : [n] "r"(n4)                                                             \
                             : "t0", "t1", "t2", "t3", "t4", "t5", "memory");                          \
        }                                                                                              \
    } while (0)
_Static_assert(DORY_PX4_XS == 32, "DORY_PX4_DOT_'s offsets 32, 64, 96 are DORY_PX4_XS's multiples");
#else
/* Elsewhere the same step on dory/simd.h's 4-way dot products. */
#define DORY_PX4_DOT_(XT, V4X, LD4X, SDOT, F7)                                                        \
    do {                                                                                               \
        int32_t k_;                                                                                    \
        for (k_ = 0; k_ < 4 * n4; k_ += 4) {                                                           \
            V4X v0 = LD4X(xq + k_), v1 = LD4X(xq + DORY_PX4_XS + k_), v2 = LD4X(xq + 2 * DORY_PX4_XS + k_), \
                v3 = LD4X(xq + 3 * DORY_PX4_XS + k_);                                                  \
            dory_v4s c0 = DORY_LD4S(w0 + k_), c1 = DORY_LD4S(w1 + k_);                                 \
            SDOT(a0, v0, c0);                                                                          \
            SDOT(a1, v1, c0);                                                                          \
            SDOT(a2, v2, c0);                                                                          \
            SDOT(a3, v3, c0);                                                                          \
            SDOT(b0, v0, c1);                                                                          \
            SDOT(b1, v1, c1);                                                                          \
            SDOT(b2, v2, c1);                                                                          \
            SDOT(b3, v3, c1);                                                                          \
        }                                                                                              \
    } while (0)
#endif

/* One channel J's 4 outputs (pixels 0..3 of the quad, co apart) from sums A0..A3 by the window end
 * (dot.h's DORY_WIN_CH_ for 4 pixels; DIV as there); the add vector's entry at (o + J) << A64 (1:
 * an s64 vector, its low words 2 apart). px4_win*_'s instances know A64 at compile time. */
#define DORY_PX4_WCH_(DIV, A64, J, A0, A1, A2, A3)                                                    \
    do {                                                                                               \
        uint32_t m_ = (uint32_t)mp_[o + (J)], k_ = (uint32_t)dp_[(o + (J)) << (A64)] - wofs_;          \
        int32_t lo_ = lp_[o + (J)], hi_ = hp_[o + (J)];                                                \
        uint8_t *y_ = ya_ + o + (J);                                                                   \
        y_[0] = (uint8_t)(mn_ + (int32_t)DIV((uint32_t)dory_clamp_((int32_t)(A0), lo_, hi_) * m_ + k_)); \
        y_[co] = (uint8_t)(mn_ + (int32_t)DIV((uint32_t)dory_clamp_((int32_t)(A1), lo_, hi_) * m_ + k_)); \
        y_[2 * co] = (uint8_t)(mn_ + (int32_t)DIV((uint32_t)dory_clamp_((int32_t)(A2), lo_, hi_) * m_ + k_)); \
        y_[3 * co] = (uint8_t)(mn_ + (int32_t)DIV((uint32_t)dory_clamp_((int32_t)(A3), lo_, hi_) * m_ + k_)); \
    } while (0)

/* DORY_PX4_WCH_ with the add vector's stride known at run time only (dsh_) */
#define DORY_PX4_CH_(DIV, J, A0, A1, A2, A3) DORY_PX4_WCH_(DIV, dsh_, J, A0, A1, A2, A3)

/* Channels [o, o1) (o1 - o even) of the quad at xq (pixel p's K values at xq + p * DORY_PX4_XS,
 * zero to KX; nb == 1: these instances take one quad), two at a time (8 sums: the loop's code, dot products and ends, stays small for the
 * cluster's 512-byte per-core instruction cache); the first pixel's outputs start at element ia,
 * np of the 4 pixels real (the others' sums are dropped). The weight rows (w: channel o's) are K
 * apart and read KX values long (conv_px4 gives the pair holding the tensor's last row from a
 * zero-padded copy).
 * Full quads whose plan has the window end (WK as in dot.h: 1 the shift, 2 the division, 0
 * either) end inline, the others through dory_rqf_block_ two pixels at a time. */
#define DORY_PX4_BLOCKS_(NAME, XT, V4X, LD4X, SDOT, F7, WK)                                           \
    static DORY_NOINLINE_ void NAME(const void *xqv, const int8_t *w, int32_t K, int32_t KX, int32_t o, int32_t o1, \
                                    const dory_rqf_t *f, size_t ia, int32_t co, int np, int nb)        \
    {                                                                                                  \
        const XT *const xq = (const XT *)xqv;                                                          \
        const size_t ib = ia + (size_t)co;                                                             \
        (void)nb; /* one quad */                                                                       \
        const int32_t n4 = KX >> 2;                                                                    \
        DORY_WIN_DECL_(2, WK);                                                                         \
        const int win4 = wi_ && np == 4;                                                               \
        for (; o < o1; o += 2, w += 2 * K) {                                                           \
            const int8_t *w0 = w, *w1 = w0 + K;                                                        \
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;                    \
            if (win4 && bp_) { /* the bias starts the sums (wrapping as dory_wadd_(bias, sum)) */      \
                a0 = a1 = a2 = a3 = bp_[o];                                                            \
                b0 = b1 = b2 = b3 = bp_[o + 1];                                                        \
            }                                                                                          \
            DORY_PX4_DOT_(XT, V4X, LD4X, SDOT, F7);                                                    \
            if (win4) {                                                                                \
                if ((WK) == 1 || ((WK) == 0 && wi_ == 1)) {                                            \
                    DORY_PX4_CH_(DORY_WIN_SHR_, 0, a0, a1, a2, a3);                                    \
                    DORY_PX4_CH_(DORY_WIN_SHR_, 1, b0, b1, b2, b3);                                    \
                } else {                                                                               \
                    const uint32_t dm_ = f->dm, dmh_ = f->dmh;                                         \
                    const int32_t dk_ = f->ds;                                                         \
                    DORY_PX4_CH_(DORY_WIN_UDIV_, 0, a0, a1, a2, a3);                                   \
                    DORY_PX4_CH_(DORY_WIN_UDIV_, 1, b0, b1, b2, b3);                                   \
                }                                                                                      \
                continue;                                                                              \
            }                                                                                          \
            {                                                                                          \
                int32_t s[4] = {a0, a1, b0, b1};                                                       \
                dory_rqf_block_(f, s, o, 2, ia, ib, np > 1);                                           \
                if (np > 2) {                                                                          \
                    s[0] = a2, s[1] = a3, s[2] = b2, s[3] = b3;                                        \
                    dory_rqf_block_(f, s, o, 2, ia + 2u * (size_t)co, ib + 2u * (size_t)co, np > 3);   \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
        (void)yb_;                                                                                     \
    }
/* The same loop for nb full quads (4 pixels each; quad j's buffers at xq + 4 j DORY_PX4_XS, its
 * outputs 4 pixels after quad j - 1's) whose plan has the window end (mul and add vectors; WK
 * 1: the shift, 2: the division, 3: the shift when it is at most 24): nothing else in the loop, so
 * that its pointers stay in registers (with the other ends' code beside it GCC kept them on the
 * stack, ~20 loads and stores per pair). y: the quad's first output pixel. WK 3 drops the
 * window's offset: the sum X = c * m + add (c the clamped sum) lies in [min 2^sh, (max + 1) 2^sh)
 * (the window's guarantee, 8-bit min and max), so |X| < 2^(sh + 8) and, X taken modulo 2^32,
 * (X mod 2^32) >> sh = floor(X / 2^sh) + (X < 0 ? 2^(32 - sh) : 0), whose low byte is the output's
 * (min + ((X - min 2^sh) >> sh)) when 2^(32 - sh) is a multiple of 256, i.e. sh <= 24: one add and
 * one subtraction less per output. */
#define DORY_PX4_WIN_(NAME, XT, V4X, LD4X, SDOT, F7, WK, A64) DORY_PX4_WINB_(NAME, XT, V4X, LD4X, SDOT, F7, WK, A64, 1)
/* BIAS 0: an instance for plans without a bias (the sums start from 0; a run-time test of the
 * bias pointer per channel pair cost ~8 cycles on GVSOC with its taken jumps, ~2 % of
 * Residual_connection_test_1's first layer) */
#define DORY_PX4_WINB_(NAME, XT, V4X, LD4X, SDOT, F7, WK, A64, BIAS)                                           \
    static DORY_NOINLINE_ void NAME(const void *xqv, const int8_t *w, int32_t K, int32_t KX, int32_t o0, int32_t o1, \
                                    const dory_rqf_t *f, size_t ia, int32_t co, int np, int nb)        \
    {                                                                                                  \
        const XT *xq = (const XT *)xqv;                                                                \
        uint8_t *ya_ = (uint8_t *)f->y + ia;                                                           \
        const int32_t n4 = KX >> 2, sh_ = f->shift, mn_ = (WK) == 3 ? 0 : f->min;                      \
        const uint32_t wofs_ = (WK) == 3 ? 0u : dory_rqf_wofs_(f);                                     \
        const int32_t *bp_ = (const int32_t *)f->bias, *mp_ = (const int32_t *)f->mul;                \
        const int32_t *dp_ = (const int32_t *)f->add, *lp_ = f->wlo, *hp_ = f->whi;                    \
        for (; nb > 0; nb--, xq += 4 * DORY_PX4_XS, ya_ += 4 * (size_t)co) {                           \
        const int8_t *w0 = w;                                                                          \
        int32_t o;                                                                                     \
        for (o = o0; o < o1; o += 2, w0 += 2 * K) {                                                    \
            const int8_t *w1 = w0 + K;                                                                 \
            int32_t a0 = 0, a1, a2, a3, b0 = 0, b1, b2, b3;                                            \
            if ((BIAS) && bp_) { /* the bias starts the sums (wrapping as dory_wadd_(bias, sum)) */    \
                a0 = bp_[o];                                                                           \
                b0 = bp_[o + 1];                                                                       \
            }                                                                                          \
            a1 = a2 = a3 = a0;                                                                         \
            b1 = b2 = b3 = b0;                                                                         \
            DORY_PX4_DOT_(XT, V4X, LD4X, SDOT, F7);                                                    \
            if ((WK) != 2) {                                                                           \
                DORY_PX4_WCH_(DORY_WIN_SHR_, A64, 0, a0, a1, a2, a3);                                        \
                DORY_PX4_WCH_(DORY_WIN_SHR_, A64, 1, b0, b1, b2, b3);                                        \
            } else {                                                                                   \
                const uint32_t dm_ = f->dm, dmh_ = f->dmh;                                             \
                const int32_t dk_ = f->ds;                                                             \
                DORY_PX4_WCH_(DORY_WIN_UDIV_, A64, 0, a0, a1, a2, a3);                                       \
                DORY_PX4_WCH_(DORY_WIN_UDIV_, A64, 1, b0, b1, b2, b3);                                       \
            }                                                                                          \
        }                                                                                              \
        }                                                                                              \
        (void)np; /* full quads */                                                                     \
    }
DORY_PX4_WIN_(px4_win_u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, "0x54", 1, 0)
DORY_PX4_WIN_(px4_win_s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, "0x5c", 1, 0)
DORY_PX4_WIN_(px4_wind_u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, "0x54", 2, 0)
DORY_PX4_WIN_(px4_wind_s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, "0x5c", 2, 0)
DORY_PX4_WIN_(px4_win24_u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, "0x54", 3, 0)
DORY_PX4_WIN_(px4_win24_s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, "0x5c", 3, 0)
DORY_PX4_WINB_(px4_windnb_u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, "0x54", 2, 0, 0)
DORY_PX4_WINB_(px4_windnb_s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, "0x5c", 2, 0, 0)
DORY_PX4_WINB_(px4_win24nb_u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, "0x54", 3, 0, 0)
DORY_PX4_WINB_(px4_win24nb_s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, "0x5c", 3, 0, 0)
/* the shift <= 24 window with an s64 add (MobileNet's first layer) */
DORY_PX4_WIN_(px4_win24w_u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, "0x54", 3, 1)
DORY_PX4_WIN_(px4_win24w_s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, "0x5c", 3, 1)

#if defined(DORY_XPULPV2)
DORY_PX4_BLOCKS_(px4_blocks_u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, "0x54", 1)
DORY_PX4_BLOCKS_(px4_blocks_s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, "0x5c", 1)
DORY_PX4_BLOCKS_(px4_blocks_du_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, "0x54", 2)
DORY_PX4_BLOCKS_(px4_blocks_ds_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, "0x5c", 2)
#else
DORY_PX4_BLOCKS_(px4_blocks_u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, "0x54", 0)
DORY_PX4_BLOCKS_(px4_blocks_s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, "0x5c", 0)
#endif

/* Channels [o, o1) (o1 - o even) of nb quads (px4_blocks_* / px4_win*_: one signature; nb > 1
 * for px4_win*_ only). */
typedef void (*px4_blocks_fn_)(const void *xq, const int8_t *w, int32_t K, int32_t KX, int32_t o, int32_t o1,
                               const dory_rqf_t *f, size_t ia, int32_t co, int np, int nb);

/* The instance for plan f and x type (xs: s8) on full quads (full) or partial ones: chosen once
 * per call (a per-quad dispatch cost ~140 cycles a quad). */
static px4_blocks_fn_ px4_pick(const dory_rqf_t *f, int xs, int full)
{
    const int alone = full && f->mul && f->add && !f->add64; /* the window end alone */
    if (full && f->mul && f->add && f->add64 && f->win == 1 && f->shift <= 24)
        return xs ? px4_win24w_s_ : px4_win24w_u_;
    if (alone && f->win == 1)
        return f->shift > 24 ? (xs ? px4_win_s_ : px4_win_u_)
               : f->bias     ? (xs ? px4_win24_s_ : px4_win24_u_)
                             : (xs ? px4_win24nb_s_ : px4_win24nb_u_);
    if (alone && f->win == 2)
        return f->bias ? (xs ? px4_wind_s_ : px4_wind_u_) : (xs ? px4_windnb_s_ : px4_windnb_u_);
#if defined(DORY_XPULPV2)
    if (f->win == 2 && f->mul && f->add) /* the division's instances */
        return xs ? px4_blocks_ds_ : px4_blocks_du_;
#endif
    return xs ? px4_blocks_s_ : px4_blocks_u_;
}

/* The small-K fast path (see above): x u8 / s8, w s8, one group, a KxK kernel with K <= XS. */
static DORY_NOINLINE_PORTABLE_ void conv_px4(const dory_conv_args_t *a, int core, int ncores)
{
    const int xs = a->x_type == DORY_S8;
    const int32_t K = a->kh * a->kw * a->ci, KX = dory_im2col_len_(K), co = a->co, L = a->kw * a->ci;
    const int32_t npix = a->ho * a->wo, nq = (npix + 3) / 4, nblk = (co + 3) / 4;
    /* whole-word row copies stay within a pixel's buffer (px4_pixel) */
    const int rowcopy = a->dw == 1 && (a->kh - 1) * L + 4 * ((L + 3) >> 2) <= DORY_PX4_XS;
    const int8_t *w = (const int8_t *)a->w;
    uint8_t *buf = (uint8_t *)a->scratch + (size_t)core * DORY_PX4_CORE_BYTES,
            *wl = buf + 4 * DORY_PX4_BATCH * DORY_PX4_XS;
    int32_t u0, u1, Q, Q0, Q1, r, q, nb, nbmax;
    int wl_made = 0;
    px4_blocks_fn_ full, part;
    dory_rqf_t f;
    if (!conv_units_(a, nq, nblk, xs, K, core, ncores, &f, &u0, &u1, &Q0, &Q1))
        return;
    full = px4_pick(&f, xs, 1);
    part = px4_pick(&f, xs, 0);
    /* full quads in batches when their instance takes them (the window ends: px4_win*_) */
    nbmax = full != part ? DORY_PX4_BATCH : 1;
    r = 4 * Q0 / a->wo;
    q = 4 * Q0 % a->wo;
    for (Q = Q0; Q < Q1; Q += nb) {
        int32_t b0 = Q == Q0 ? u0 % nblk : 0, b1 = Q == Q1 - 1 ? (u1 - 1) % nblk + 1 : nblk;
        int32_t o1 = b1 * 4 < co ? b1 * 4 : co, o = b0 * 4 + ((o1 - b0 * 4) & ~1), p, j;
        int np = npix - 4 * Q < 4 ? (int)(npix - 4 * Q) : 4;
        size_t ia = (size_t)(4 * Q) * (size_t)co;
        nb = 1;
        if (np == 4 && rowcopy && px4_quad(a, r, q, buf, K, KX)) {
            q += 4; /* px4_quad: within the row */
            if (q == a->wo)
                q = 0, r++;
            /* the next quads into the next buffers while they are full interior quads of the
             * whole channel range [b0 * 4, o1) of this one (not the range's last quad, unless it
             * ends at the last block too) */
            while (nb < nbmax && b0 == 0 && b1 == nblk && Q + nb < Q1 &&
                   (Q + nb < Q1 - 1 || (u1 - 1) % nblk + 1 == nblk) && npix - 4 * (Q + nb) >= 4 &&
                   px4_quad(a, r, q, buf + (size_t)(4 * nb) * DORY_PX4_XS, K, KX)) {
                nb++;
                q += 4;
                if (q == a->wo)
                    q = 0, r++;
            }
        } else
        for (p = 0; p < 4; p++) {
            uint8_t *bp = buf + (size_t)p * DORY_PX4_XS;
            if (p < np) {
                px4_pixel(a, r, q, bp, K, KX, rowcopy);
                next_pixel(a->wo, &r, &q);
            } else {
                zero_bytes(bp, (size_t)KX); /* a partial quad's missing pixels: sums dropped */
            }
        }
        {
            /* the pairs read KX bytes of their rows: the pair holding the tensor's last row reads
             * it from wl (its copy padded with zeros, made once), not past the tensor's end */
            int32_t lo = b0 * 4, oe = KX > K && o == co && o > lo ? o - 2 : o;
            const px4_blocks_fn_ fn = np == 4 ? full : part;
            fn(buf, w + (size_t)lo * (size_t)K, K, KX, lo, oe, &f, ia, co, np, nb);
            if (oe < o) {
                if (!wl_made) {
                    copy_bytes(wl, (const uint8_t *)(w + (size_t)oe * (size_t)K), 2u * (size_t)K);
                    zero_bytes(wl + 2 * K, 4u);
                    wl_made = 1;
                }
                fn(buf, (const int8_t *)wl, K, KX, oe, o, &f, ia, co, np, nb);
            }
        }
        if (o < o1) /* the last channel of an odd co */
            for (j = 0; j < nb; j++) {
                const int8_t *wo_ = w + (size_t)o * (size_t)K;
                const uint8_t *bq = buf + (size_t)(4 * j) * DORY_PX4_XS;
                const size_t iq = ia + (size_t)(4 * j) * (size_t)co;
                for (p = 0; p < np; p += 2) {
                    int32_t s[2];
                    s[0] = dory_dot_(bq + (size_t)p * DORY_PX4_XS, xs, wo_, K, 0);
                    s[1] = p + 1 < np ? dory_dot_(bq + (size_t)(p + 1) * DORY_PX4_XS, xs, wo_, K, 0) : 0;
                    dory_rqf_block_(&f, s, o, 1, iq + (size_t)p * (size_t)co, iq + (size_t)(p + 1) * (size_t)co,
                                    p + 1 < np);
                }
            }
    }
    /* a quad split between two cores is rebuilt by both: the next core's range starts where this
     * one's ends */
}

/* The receptive field of output pixel (r, q) of 16-bit input (u16 / s16), split in byte planes in
 * the weights' order kh x kw x ci: lo[t] = x & 0xff, hi[t] = x >> 8 (zero in the padding). The
 * geometry in locals, as in im2col_pixel; a kernel row whose taps are one contiguous run of the
 * input row is split in one go. */
static void im2col_planes(const dory_conv_args_t *a, int32_t r, int32_t q, uint8_t *lo, uint8_t *hi)
{
    const uint16_t *x = (const uint16_t *)a->x;
    const int32_t kh = a->kh, kw = a->kw, hi_ = a->hi, wi = a->wi, dh = a->dh, dw = a->dw, ci = a->ci;
    const int32_t row = kw * ci, ic0 = q * a->sw - a->pl;
    const int run = dw == 1 && ic0 >= 0 && ic0 + kw <= wi;
    int32_t i, j, ir = r * a->sh - a->pt;
    for (i = 0; i < kh; i++, ir += dh, lo += row, hi += row) {
        const uint16_t *src;
        if (ir < 0 || ir >= hi_) {
            zero_bytes(lo, (size_t)row);
            zero_bytes(hi, (size_t)row);
            continue;
        }
        src = x + (size_t)ir * (size_t)wi * (size_t)ci;
        if (run) {
            split_planes(src + (size_t)ic0 * (size_t)ci, row, lo, hi);
            continue;
        }
        for (j = 0; j < kw; j++) {
            int32_t ic = ic0 + j * dw;
            if (ic < 0 || ic >= wi) {
                zero_bytes(lo + (size_t)j * ci, (size_t)ci);
                zero_bytes(hi + (size_t)j * ci, (size_t)ci);
            } else {
                split_planes(src + (size_t)ic * (size_t)ci, ci, lo + (size_t)j * ci, hi + (size_t)j * ci);
            }
        }
    }
}

#ifdef DORY_XPULPV2
/* pv.pack.h rd, rs1, rs2: rd = rs1[15:0] << 16 | rs2[15:0], in the old PULP (Xpulpv2) encoding
 * GVSOC decodes: opcode 0x57 (OP-V), funct3 0, funct7 0x68 (gvsoc-core isa_gen/isa_pulpv2.py
 * 'pv.pack.h' '1101000 ----- ----- 000 ----- 1010111'; isa_lib/int.h lib_VEC_PACK_SC_16). */
static inline uint32_t dory_pack_h_(uint32_t hi, uint32_t lo)
{
    uint32_t r;
    __asm__(".insn r 0x57, 0, 0x68, %0, %1, %2" : "=r"(r) : "r"(hi), "r"(lo));
    return r;
}

/* One step of 4 values k .. k + 3 of dot16_rows: the two words holding x[k .. k + 3] (bytes lo0
 * hi0 lo1 hi1, lo2 hi2 lo3 hi3) become the byte planes lo = lo0..lo3 and hi = hi0..hi3 (u & m
 * keeps bytes 0 and 2, u | u >> 8 brings byte 2 next to byte 0, pv.pack.h joins two such
 * halves), shared by the 4 channels' 4-way dot products: lo . w (u8 x s8) into l*, hi . w into h*
 * (SDOTH: u8 x s8 for u16, s8 x s8 for s16). 16 MACs in ~30 instructions, where the scalar loop
 * spent ~16 per 4. */
#define DORY_DOT16_STEP4_(SDOTH)                                                                       \
    do {                                                                                               \
        uint32_t u1 = dory_ld4w(xp + k), u2 = dory_ld4w(xp + k + 2);                                   \
        uint32_t e1 = u1 & 0x00ff00ffu, e2 = u2 & 0x00ff00ffu;                                         \
        uint32_t d1 = (u1 >> 8) & 0x00ff00ffu, d2 = (u2 >> 8) & 0x00ff00ffu;                           \
        uint32_t lo = dory_pack_h_(e2 | e2 >> 8, e1 | e1 >> 8);                                        \
        uint32_t hi = dory_pack_h_(d2 | d2 >> 8, d1 | d1 >> 8);                                        \
        uint32_t c0 = dory_ld4w(w0 + k), c1 = dory_ld4w(w1 + k), c2 = dory_ld4w(w2 + k),               \
                 c3 = dory_ld4w(w3 + k);                                                               \
        DORY_SDOTP4_US(l0, lo, c0);                                                                    \
        DORY_SDOTP4_US(l1, lo, c1);                                                                    \
        DORY_SDOTP4_US(l2, lo, c2);                                                                    \
        DORY_SDOTP4_US(l3, lo, c3);                                                                    \
        SDOTH(h0, hi, c0);                                                                             \
        SDOTH(h1, hi, c1);                                                                             \
        SDOTH(h2, hi, c2);                                                                             \
        SDOTH(h3, hi, c3);                                                                             \
    } while (0)

/* The 4 x 1 blocks of a 1x1 kernel's 16-bit pixel x read in place (no scratch for planes):
 * channels [o, o1) (o1 - o a multiple of 4) of K values, ended by f at element ia + c (the window
 * end inline when f has one, as dot.h's blocks). Per 4 values the two words of x[k .. k + 3]
 * become the byte planes in registers (pv.shuffle2.b, see split_planes: mv + shuffle per plane),
 * shared by the 4 channels: lo . w (pv.sdotusp.b) into a0 a2 a4 a6 and hi . w (F7B: pv.sdotusp.b
 * for u16, pv.sdotsp.b for s16) into a1 a3 a5 a7, 18 instructions per 16 MACs in hardware loop 0
 * (encodings as in dot.h's DORY_ASM_4X2_; every loaded word is used two or more instructions
 * after its load). The K % 4 last values add their whole products to the low sums (the sum is
 * s_lo + 256 s_hi either way). 30 asm operands: GCC's limit. */
#define DORY_BLOCKS16_1X1_(NAME, F7B, XT)                                                                \
    static __attribute__((noinline)) void NAME(const uint16_t *x, const int8_t *w, int32_t K, int32_t o, \
                                               int32_t o1, const dory_rqf_t *f, size_t ia)            \
    {                                                                                                  \
        const size_t ib = ia;                                                                          \
        const uint32_t ml = 0x06040200u, mh = 0x07050301u;                                             \
        int32_t n4 = K >> 2, t = K & 3;                                                                \
        DORY_WIN_DECL_(3, 0);                                                                          \
        for (; o < o1; o += 4) {                                                                       \
            const int8_t *w0 = w + (size_t)o * (size_t)K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;     \
            const uint16_t *x0 = x;                                                                    \
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, k, s[8];            \
            DORY_WIN_BIAS_(3);                                                                         \
            if (n4 > 0)                                                                                \
                __asm__ volatile(".insn i 0x7b, 4, x0, %[n], 36\n\t"                                   \
                                 ".insn i 0x0b, 2, t0, %[x0], 4\n\t"                                   \
                                 ".insn i 0x0b, 2, t1, %[x0], 4\n\t"                                   \
                                 ".insn i 0x0b, 2, t2, %[w0], 4\n\t"                                   \
                                 "mv t3, t0\n\t"                                                       \
                                 "mv t4, t0\n\t"                                                       \
                                 ".insn r 0x57, 1, 0x64, t3, t1, %[ml]\n\t"                            \
                                 ".insn r 0x57, 1, 0x64, t4, t1, %[mh]\n\t"                            \
                                 ".insn i 0x0b, 2, t5, %[w1], 4\n\t"                                   \
                                 ".insn r 0x57, 1, 0x54, %[a0], t3, t2\n\t"                            \
                                 ".insn r 0x57, 1, " F7B ", %[a1], t4, t2\n\t"                        \
                                 ".insn i 0x0b, 2, t2, %[w2], 4\n\t"                                   \
                                 ".insn r 0x57, 1, 0x54, %[a2], t3, t5\n\t"                            \
                                 ".insn r 0x57, 1, " F7B ", %[a3], t4, t5\n\t"                        \
                                 ".insn i 0x0b, 2, t5, %[w3], 4\n\t"                                   \
                                 ".insn r 0x57, 1, 0x54, %[a4], t3, t2\n\t"                            \
                                 ".insn r 0x57, 1, " F7B ", %[a5], t4, t2\n\t"                        \
                                 ".insn r 0x57, 1, 0x54, %[a6], t3, t5\n\t"                            \
                                 ".insn r 0x57, 1, " F7B ", %[a7], t4, t5\n\t"                        \
                                 : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),         \
                                   [a4] "+r"(a4), [a5] "+r"(a5), [a6] "+r"(a6), [a7] "+r"(a7),         \
                                   [x0] "+r"(x0), [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2),          \
                                   [w3] "+r"(w3)                                                       \
                                 : [n] "r"(n4), [ml] "r"(ml), [mh] "r"(mh)                             \
                                 : "t0", "t1", "t2", "t3", "t4", "t5", "memory");                      \
            for (k = 0; k < t; k++) { /* the pointers stand past the 4-way steps */                    \
                int32_t v_ = ((const XT *)x0)[k]; /* u16 or s16 */                                     \
                a0 = dory_wadd_(a0, v_ * w0[k]);                                                       \
                a2 = dory_wadd_(a2, v_ * w1[k]);                                                       \
                a4 = dory_wadd_(a4, v_ * w2[k]);                                                       \
                a6 = dory_wadd_(a6, v_ * w3[k]);                                                       \
            }                                                                                          \
            if (wi_) {                                                                                 \
                DORY_WIN_HL_(3);                                                                       \
                DORY_WIN_END_(3, 0);                                                                   \
                continue;                                                                              \
            }                                                                                          \
            s[0] = a0, s[1] = a1, s[2] = a2, s[3] = a3, s[4] = a4, s[5] = a5, s[6] = a6, s[7] = a7;    \
            DORY_BLOCK_END_(3);                                                                        \
        }                                                                                              \
    }
DORY_BLOCKS16_1X1_(blocks16_1x1_u_, "0x54", uint16_t)
DORY_BLOCKS16_1X1_(blocks16_1x1_s_, "0x5c", int16_t)
#endif

/* s[2 j] = x . w_(o + j) for j < n (n <= 4) over K 16-bit values x (s16 when hs, else u16) and
 * the s8 weight rows of channels o + j (a 1x1 kernel's pixel read in place: no planes, no
 * scratch); one x load for 4 weights, wrapping sums. On the pulp target 4 values at a time as
 * byte planes (DORY_DOT16_STEP4_: x = lo + 256 hi, so x . w = lo . w + 256 hi . w, wrapping
 * alike), the K % 4 last ones scalar. */
static inline void dot16_rows(const void *x, int hs, const int8_t *w, int32_t K, int32_t o, int32_t n, int32_t *s)
{
    const int8_t *w0 = w + (size_t)o * (size_t)K, *w1 = w0 + (n > 1 ? K : 0), *w2 = w0 + (n > 2 ? 2 * K : 0),
                 *w3 = w0 + (n > 3 ? 3 * K : 0);
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t k = 0;
#ifdef DORY_XPULPV2
    {
        const uint16_t *xp = (const uint16_t *)x;
        uint32_t l0 = 0, l1 = 0, l2 = 0, l3 = 0, h0 = 0, h1 = 0, h2 = 0, h3 = 0;
        if (hs)
            for (; k + 4 <= K; k += 4)
                DORY_DOT16_STEP4_(DORY_SDOTP4_SS);
        else
            for (; k + 4 <= K; k += 4)
                DORY_DOT16_STEP4_(DORY_SDOTP4_US);
        a0 = l0 + (h0 << 8), a1 = l1 + (h1 << 8), a2 = l2 + (h2 << 8), a3 = l3 + (h3 << 8);
    }
#endif
    for (; k < K; k++) {
        int32_t v = hs ? ((const int16_t *)x)[k] : ((const uint16_t *)x)[k];
        a0 += (uint32_t)(v * w0[k]);
        a1 += (uint32_t)(v * w1[k]);
        a2 += (uint32_t)(v * w2[k]);
        a3 += (uint32_t)(v * w3[k]);
    }
    s[0] = (int32_t)a0, s[2] = (int32_t)a1, s[4] = (int32_t)a2, s[6] = (int32_t)a3;
}


/* A 1-D convolution of 1..2 input channels and few output channels (TCN_T's first two: 1 -> 2 and
 * 2 -> 11 channels, 1x11 at dilation 1): one input row, stride 1 and dilation 1, so output pixel
 * p's window is the K = kw * ci contiguous bytes of input pixels p - pl .. p - pl + kw - 1; whole
 * input channels (no partial sums), K <= 4 * DORY_C1D_MAX_NW, the plan the window end of a shift
 * with vector multipliers and adds (as conv_1x1_tiny). On GVSOC conv_px4 spent ~23K cycles on each
 * of them (3K / 34K MACs): its blocks of 4 pixels x 4 channels (~540 bytes of code against each
 * core's 512-byte L0 instruction cache), the quads' copies and, at co = 2, half of every block
 * idle. Here the cores take balanced ranges of pixels; a chunk of them has its input span copied
 * once into the core's scratch with the padding's zeros (the windows never leave it; s8 bytes xor
 * 0x80, i.e. the value + 128 as u8, and the sum corrected by -128 * sum w in the bias), then per
 * output channel its K weights as NW words in registers (zero past K: the 0..3 bytes a window
 * reads past its end count nothing) and one small loop over the chunk's pixels: NW word loads
 * (misaligned: RI5CY splits them in hardware), NW sdotusp4, the window end, a byte store. 0
 * (nothing written) for other plans: conv_px4 then (the plan is the same on every core, so all of
 * them take the same path). Mirrored by passes/tiling/cost.py (_conv1d_tiny). */
#define DORY_C1D_MAX_CI 2
#define DORY_C1D_MAX_CO 16
#define DORY_C1D_MAX_NW 6
/* Output channel o (weights wb: NW words, zero past K) of n pixels whose windows start ci bytes
 * apart at x, outputs co bytes apart at y: b the sum's start (bias and s8 correction), then the
 * window end (lo, hi, m, k, sh, mn: conv_1x1_tiny's). NW a constant in each caller (unrolled). */
#if defined(DORY_XPULPV2)
/* the window's word J: one lw at offset 4 J from x (DORY_LD4U's asm takes the address in a
 * register: GCC added one addi per word, 5 of the loop's ~27 instructions) */
#define DORY_C1D_LD_(J)                                                                                  \
    __extension__({                                                                                    \
        uint32_t r_;                                                                                   \
        __asm__("lw %0, %2(%1)" : "=r"(r_) : "r"(x), "i"(4 * (J)), "m"(*(const uint32_t(*)[6])(const void *)x)); \
        r_;                                                                                            \
    })
#else
#define DORY_C1D_LD_(J) DORY_LD4U(x + 4 * (J))
#endif
#define DORY_C1D_DOT_(NW, J)                                                                             \
    if (NW > (J))                                                                                      \
    DORY_SDOTP4_US(t, DORY_C1D_LD_(J), v##J)
#define DORY_C1D_CHAN_(NW)                                                                             \
    do {                                                                                               \
        const dory_v4s v0 = DORY_LD4S(wb), v1 = DORY_LD4S(wb + 4), v2 = DORY_LD4S(wb + 8);             \
        const dory_v4s v3 = DORY_LD4S(wb + 12), v4 = DORY_LD4S(wb + 16), v5 = DORY_LD4S(wb + 20);      \
        for (p = 0; p < n; p++, x += ci, y += co) {                                                    \
            int32_t t = (int32_t)b;                                                                    \
            DORY_C1D_DOT_(NW, 0);                                                                       \
            DORY_C1D_DOT_(NW, 1);                                                                       \
            DORY_C1D_DOT_(NW, 2);                                                                       \
            DORY_C1D_DOT_(NW, 3);                                                                       \
            DORY_C1D_DOT_(NW, 4);                                                                       \
            DORY_C1D_DOT_(NW, 5);                                                                       \
            *y = (uint8_t)(mn + (int32_t)(((uint32_t)dory_clamp_(t, lo, hi) * m + k) >> sh));          \
        }                                                                                              \
    } while (0)
static DORY_NOINLINE_ DORY_TAIL_ int conv_1d_tiny(const dory_conv_args_t *a, int core, int ncores)
{
    const int32_t ci = a->ci, co = a->co, kw = a->kw, K = kw * ci, nw = (K + 3) >> 2, pl = a->pl, wi = a->wi;
    const uint8_t sx = a->x_type == DORY_S8 ? 0x80u : 0u;
    /* a chunk's span: (pixels + kw - 1) * ci bytes, then the 4 NW - K <= 4 DORY_C1D_MAX_NW bytes
     * the last window's words read past it */
    const int32_t chunk = (DORY_PX4_CORE_BYTES - 4 * DORY_C1D_MAX_NW) / ci - (kw - 1);
    const uint32_t ones = 0x01010101u;
    uint8_t *buf = (uint8_t *)a->scratch + (size_t)core * DORY_PX4_CORE_BYTES;
    uint8_t wb[4 * DORY_C1D_MAX_NW] __attribute__((aligned(4)));
    int32_t p0, p1, c0, o, i, j;
    dory_rqf_t f;
    /* the caller checked hi == 1, ci <= DORY_C1D_MAX_CI, no partial sums; its own conditions here,
     * after the other code (dory_conv2d's code, with it every later function's address and
     * instruction-cache set, grows less) */
    if (a->kh != 1 || a->ho != 1 || co > DORY_C1D_MAX_CO || K < 4 || K > 4 * DORY_C1D_MAX_NW || a->sw != 1 ||
        a->dw != 1 || (a->pt | a->pb) != 0 || a->scratch_bytes < (size_t)ncores * DORY_PX4_CORE_BYTES)
        return 0;
    dory_rqf_init_(&f, a, sx != 0, K, 0, co);
    if (f.win != 1 || !f.mul || !f.add)
        return 0;
    dory_share_(a->wo, core, ncores, &p0, &p1);
    for (i = 0; i < DORY_C1D_MAX_NW; i++) /* the words past nw stay zero */
        dory_st4w(wb + 4 * i, 0u);
    for (c0 = p0; c0 < p1; c0 += chunk) {
        const int32_t n = p1 - c0 < chunk ? p1 - c0 : chunk, s0 = c0 - pl, nb = (n + kw - 1) * ci;
        const uint8_t *xi = (const uint8_t *)a->x;
        const int8_t *w = (const int8_t *)a->w;
        uint8_t *d = buf;
        for (i = s0; i < s0 + n + kw - 1; i++) /* input pixel i, the padding's zero outside [0, wi) */
            for (j = 0; j < ci; j++)
                *d++ = i >= 0 && i < wi ? (uint8_t)(xi[(size_t)(i * ci + j)] ^ sx) : sx;
        for (i = 0; i < 4 * DORY_C1D_MAX_NW; i++) /* read by the last windows' words, times zero weights */
            buf[nb + i] = 0;
        for (o = 0; o < co; o++, w += K) {
            const int32_t lo = f.wlo[o], hi = f.whi[o], mn = f.min, sh = f.shift;
            const uint32_t m = (uint32_t)((const int32_t *)f.mul)[o];
            const uint32_t k = (uint32_t)((const int32_t *)f.add)[o << f.add64] - dory_rqf_wofs_(&f);
            const uint8_t *x = buf;
            uint8_t *y = (uint8_t *)f.y + (size_t)c0 * (size_t)co + (size_t)o;
            int32_t b = f.bias ? ((const int32_t *)f.bias)[o] : 0, p;
            /* the K weights as words, the last one the word ending at byte K - 1 shifted down by
             * the 4 nw - K bytes before it (zeros above; nothing past the tensor is read, K >= 4) */
            for (i = 0; i < nw - 1; i++)
                dory_st4w(wb + 4 * i, dory_ld4w(w + 4 * i));
            dory_st4w(wb + 4 * i, dory_ld4w(w + K - 4) >> (8u * (uint32_t)(4 * nw - K)));
            if (sx) /* (x + 128) * w summed: 128 * sum w too many (sum w: the weights dot 1s) */
                for (i = 0; i < nw; i++) {
                    int32_t sum = 0;
                    DORY_SDOTP4_SS(sum, DORY_LD4S(wb + 4 * i), DORY_LD4S(&ones));
                    b = (int32_t)((uint32_t)b - 128u * (uint32_t)sum);
                }
            if (nw <= 3)
                DORY_C1D_CHAN_(3);
            else
                DORY_C1D_CHAN_(6);
        }
    }
    return 1;
}

/* The fast path of 16-bit input (x u16 / s16, w s8): for a KxK kernel x = lo + 256 * hi with lo
 * u8 and hi u8 (u16) or s8 (s16), so each sum is the 8-bit dot product of the low plane plus 256
 * times that of the high plane (wrapping alike). A core's two im2col buffers hold the two planes
 * of one pixel, and the 4 x 2 kernel runs on them (dory_blocks4hl_*: the planes take the place of
 * the two pixels; the window end inline). A 1x1 kernel reads its pixel in place, no scratch
 * (blocks16_1x1_* on the pulp target, dot16_rows elsewhere and for the last co % 4 channels). Work
 * units (pixel, block of 4 channels), split like conv_fast's. Out of line: inlined into
 * dory_conv2d beside conv_fast it changed how GCC compiled the 8-bit path (+0.6 % cycles on
 * quantlab_Dronet). */
static DORY_NOINLINE_ void conv_fast16(const dory_conv_args_t *a, int core, int ncores)
{
    int hs = a->x_type == DORY_S16;
    int32_t K = a->kh * a->kw * a->ci, co = a->co, npix = a->ho * a->wo, nblk = (co + 3) / 4;
    int32_t u0, u1, p, p0, p1, r, q;
    const int8_t *w = (const int8_t *)a->w;
    int im2col = a->kh * a->kw > 1;
    uint8_t *lo = im2col ? (uint8_t *)a->scratch + (size_t)core * 2u * (size_t)K : NULL, *hi = im2col ? lo + K : NULL;
    dory_rqf_t f;
    /* |x| <= 65535 = 257 * 255 (u16), 32768 = 256 * 128 (s16): the bound of K 16-bit products is
     * that of 257 K u8 (256 K s8) products */
    if (!conv_units_(a, npix, nblk, hs, K * (hs ? 256 : 257), core, ncores, &f, &u0, &u1, &p0, &p1))
        return;
    r = p0 / a->wo;
    q = p0 % a->wo;
    for (p = p0; p < p1; p++, next_pixel(a->wo, &r, &q)) {
        int32_t b0 = p == p0 ? u0 % nblk : 0, b1 = p == p1 - 1 ? (u1 - 1) % nblk + 1 : nblk;
        int32_t o = b0 * 4, o1 = b1 * 4 < co ? b1 * 4 : co, oe = o + ((o1 - o) & ~3);
        size_t ia = (size_t)p * (size_t)co;
        if (!im2col) {
            const uint8_t *px = pixel_1x1(a, r, q); /* NULL: in the padding, sums 0 */
#ifdef DORY_XPULPV2
            if (px && oe > o) { /* pixel_1x1 scales by ci, not by the element size */
                const uint16_t *xp = (const uint16_t *)a->x + (px - (const uint8_t *)a->x);
                if (hs)
                    blocks16_1x1_s_(xp, w, K, o, oe, &f, ia);
                else
                    blocks16_1x1_u_(xp, w, K, o, oe, &f, ia);
                o = oe;
            }
#endif
            for (; o < o1; o += 4) {
                int32_t s[8] = {0, 0, 0, 0, 0, 0, 0, 0}, n = o1 - o < 4 ? o1 - o : 4;
                if (px) /* pixel_1x1 scales by ci, not by the element size */
                    dot16_rows((const uint16_t *)a->x + (px - (const uint8_t *)a->x), hs, w, K, o, n, s);
                dory_rqf_block_(&f, s, o, n, ia, ia, 0);
            }
            continue;
        }
        im2col_planes(a, r, q, lo, hi);
        dory_blocks4hl_(lo, hi, hs, w, K, o, oe, &f, ia);
        if (oe < o1) { /* the last channels of a co not a multiple of 4 */
            int32_t s[8] = {0, 0, 0, 0, 0, 0, 0, 0}, j;
            for (j = 0; oe + j < o1; j++) {
                const int8_t *wo_ = w + (size_t)(oe + j) * (size_t)K;
                int32_t sh = hs ? dory_dot_s_((const int8_t *)hi, wo_, K, 0) : dory_dot_u_(hi, wo_, K, 0);
                s[2 * j] = dory_wadd_(dory_dot_u_(lo, wo_, K, 0), (int32_t)((uint32_t)sh << 8));
            }
            dory_rqf_block_(&f, s, oe, o1 - oe, ia, ia, 0);
        }
    }
}

size_t dory_conv2d_scratch_bytes(int32_t kh, int32_t kw, int32_t ci, int ncores)
{
    int32_t K = kh * kw * ci;
    if (kh * kw <= 1 || ci <= 0)
        return 0;
    /* per core conv_fast's 2 buffers (conv_fast16 takes 2 K); for a small K (first layers) the
     * larger conv_px4 needs. A ragged last input-channel tile (fewer channels than the tile
     * layer.c sized the scratch for) always fits conv_fast's 2 buffers, and takes conv_px4 only
     * when the scratch it was given holds conv_px4's (dory_conv2d). */
    size_t two = 2u * (size_t)dory_im2col_len_(K), all;
    const int32_t ct = dory_conv_tap_ct_(kh, ci);
    if (ncores < 1)
        ncores = 1;
    if (K <= DORY_PX4_XS && two < DORY_PX4_CORE_BYTES)
        two = DORY_PX4_CORE_BYTES;
    all = (size_t)ncores * two;
    if (ct > 0 && all < dory_conv_tapw_bytes_(kw, ct, ncores)) /* conv_fast's aligned taps */
        all = dory_conv_tapw_bytes_(kw, ct, ncores);
    return all;
}
/* conv_fast's / conv_fast16's scratch on this tile: two im2col columns per core (none for 1x1) */
static inline size_t conv_columns_bytes_(const dory_conv_args_t *a, int ncores)
{
    return a->kh * a->kw <= 1 ? 0 : (size_t)ncores * 2u * (size_t)dory_im2col_len_(a->kh * a->kw * a->ci);
}

void dory_conv2d(const dory_conv_args_t *a, int core, int ncores)
{
    int32_t r0, r1, o0, o1;
    if (ncores < 1)
        ncores = 1;
    if (core < 0 || core >= ncores)
        return;
    /* the fast paths' own need is conv_fast's two columns of this tile's K; conv_px4 runs when
     * the scratch holds its buffers too (always for a tile planned with a small K: see
     * dory_conv2d_scratch_bytes) */
    if (dory_fast_types_(a->x_type, a->w_type) && a->groups <= 1 &&
        dory_scratch_ok_(a, conv_columns_bytes_(a, ncores), "dory_conv2d")) {
        if (a->kh * a->kw == 1 && a->ci <= DORY_PW_TINY_MAX_CI && !a->acc && a->sh == 1 && a->sw == 1 &&
            (a->pt | a->pl | a->pb | a->pr) == 0 && a->hi == a->ho && a->wi == a->wo && conv_1x1_tiny(a, core, ncores))
            return;
        if (a->hi == 1 && a->ci <= DORY_C1D_MAX_CI && !a->acc && conv_1d_tiny(a, core, ncores))
            return;
#if defined(DORY_XPULPV2)
        if (a->kh * a->kw == 1 && a->ci > DORY_PW4_MIN_CI && a->ci % 4 == 0 && a->co % 4 == 0 && (a->ho * a->wo) % 4 == 0 && !a->acc &&
            a->sh == 1 && a->sw == 1 && (a->pt | a->pl | a->pb | a->pr) == 0 && a->hi == a->ho && a->wi == a->wo &&
            conv_pw4(a, core, ncores))
            return;
#endif
        if (a->kh * a->kw > 1 && a->kh * a->kw * a->ci <= DORY_PX4_XS &&
            a->scratch_bytes >= (size_t)ncores * DORY_PX4_CORE_BYTES)
            conv_px4(a, core, ncores);
        else
            conv_fast(a, core, ncores);
        return;
    }
    if ((a->x_type == DORY_U16 || a->x_type == DORY_S16) && a->w_type == DORY_S8 && a->groups <= 1 &&
        dory_scratch_ok_(a, conv_columns_bytes_(a, ncores), "dory_conv2d")) {
        conv_fast16(a, core, ncores);
        return;
    }
    if (!dory_share_rows_or_channels_(a->ho, a->co, core, ncores, &r0, &r1, &o0, &o1))
        return;
    dory_conv_window_generic_(a, a->groups > 0 ? a->groups : 1, r0, r1, o0, o1);
}
