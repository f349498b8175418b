/* dory runtime: depthwise convolution tile (dory.depthwise): ci == co, weight co x kh x kw x 1,
 * output channel c reads input channel c.
 *
 * Generic path: any element types, dilation.
 * Fast path (x u8 or s8, w s8, dilation 1): for each channel and output column, the core copies
 * the input column strip it needs (padded rows x kw taps, zero padded, row-major) into its
 * scratch; the window of every output row is then kh * kw contiguous bytes of the strip, in the
 * order of the channel's weights, dotted with the 4-way SIMD dot product. The fast path needs
 * dory_depthwise_scratch_bytes(kh, kw, hi, pt, pb, ncores) bytes of scratch, an equal slice per
 * core; a strip of n output rows is ((n - 1) * sh + kh) * kw bytes, so a core whose rows do not
 * fit in its slice at once (only when kw > kh) builds its strips for chunks of rows that do.
 * Without scratch the generic path runs.
 * 3x3 (same types): the column ring below with scratch (one power-of-two stage into 8 bits, no
 * partial sums), else dw_3x3 (no scratch, 9 loads in place per window).
 */
#include "dot.h"
#include "window.h"

/* Rows [r0, r1) x channels [c0, c1) of the strip path, the strip of the rows fitting in `strip`. */
static DORY_NOINLINE_ void dw_strips(const dory_conv_args_t *a, const dory_rqf_t *f, uint8_t *strip, int32_t r0,
                                     int32_t r1, int32_t c0, int32_t c1)
{
    const uint8_t *x = (const uint8_t *)a->x;
    const int8_t *w = (const int8_t *)a->w;
    int xs = a->x_type == DORY_S8;
    int32_t kk = a->kh * a->kw, t0 = r0 * a->sh, t1 = (r1 - 1) * a->sh + a->kh;
    int32_t c, q, t, j, r;
    for (c = c0; c < c1; c++) {
        const int8_t *wc = w + (size_t)c * (size_t)kk;
        for (q = 0; q < a->wo; q++) {
            int32_t ic0 = q * a->sw - a->pl;
            uint8_t *dst = strip;
            for (t = t0; t < t1; t++) {
                int32_t ir = t - a->pt;
                if (ir < 0 || ir >= a->hi) {
                    memset(dst, 0, (size_t)a->kw);
                } else {
                    const uint8_t *src = x + (size_t)ir * (size_t)a->wi * (size_t)a->ci + (size_t)c;
                    for (j = 0; j < a->kw; j++) {
                        int32_t ic = ic0 + j;
                        dst[j] = (ic < 0 || ic >= a->wi) ? 0 : src[(size_t)ic * (size_t)a->ci];
                    }
                }
                dst += a->kw;
            }
            for (r = r0; r < r1; r++) {
                int32_t sum = dory_dot_(strip + (size_t)(r - r0) * (size_t)a->sh * (size_t)a->kw, xs, wc, kk, 0);
                dory_rqf_finish_(f, a, ((size_t)r * (size_t)a->wo + (size_t)q) * (size_t)a->co + (size_t)c, c, sum);
            }
        }
    }
}

/* The strip path over rows [r0, r1) x channels [c0, c1) with `cap` bytes of strip (>= kh * kw):
 * all the rows at once, or (kw > kh) chunks of the most rows n with ((n - 1) * sh + kh) * kw <= cap. */
static void dw_fast(const dory_conv_args_t *a, uint8_t *strip, size_t cap, int32_t r0, int32_t r1, int32_t c0,
                    int32_t c1)
{
    int32_t chunk = (int32_t)((cap / (size_t)a->kw - (size_t)a->kh) / (size_t)a->sh) + 1, r;
    dory_rqf_t f;
    dory_rqf_init_(&f, a, a->x_type == DORY_S8, a->kh * a->kw, c0, c1);
    for (r = r0; r < r1; r += chunk)
        dw_strips(a, &f, strip, r, r1 - r > chunk ? r + chunk : r1, c0, c1);
}

/* 3x3 (x u8 or s8, w s8, dilation 1, any stride and padding): no scratch. Channel by channel, the
 * 9 weights held in registers; a window inside the tile is 9 in-place loads (channel stride ci),
 * a window touching the padding skips its outside taps. */
#define DW3_BODY_(XT)                                                                                  \
    do {                                                                                               \
        const XT *x = (const XT *)a->x;                                                                \
        for (c = c0; c < c1; c++) {                                                                    \
            const int8_t *wc = w + (size_t)c * 9u;                                                     \
            int32_t w0 = wc[0], w1 = wc[1], w2 = wc[2], w3 = wc[3], w4 = wc[4], w5 = wc[5], w6 = wc[6], \
                    w7 = wc[7], w8 = wc[8], cb, cm, cd;                                                \
            dory_rqf_chan_(&f, c, &cb, &cm, &cd);                                                      \
            cd = (int32_t)((uint32_t)cb * (uint32_t)cm + (uint32_t)cd); /* fast: (s + b) m + d */     \
            for (r = r0; r < r1; r++) {                                                                \
                int32_t ir = r * a->sh - a->pt;                                                        \
                size_t out = (size_t)r * (size_t)a->wo * (size_t)a->co + (size_t)c;                   \
                for (q = 0; q < a->wo; q++, out += (size_t)a->co) {                                    \
                    int32_t ic = q * a->sw - a->pl;                                                    \
                    uint32_t sum;                                                                      \
                    if (ir >= 0 && ir + 3 <= a->hi && ic >= 0 && ic + 3 <= a->wi) {                   \
                        const XT *p0 = x + ((size_t)ir * (size_t)a->wi + (size_t)ic) * ci + c;        \
                        const XT *p1 = p0 + row, *p2 = p1 + row;                                       \
                        sum = (uint32_t)(p0[0] * w0 + p0[ci] * w1 + p0[2 * ci] * w2);                  \
                        sum += (uint32_t)(p1[0] * w3 + p1[ci] * w4 + p1[2 * ci] * w5);                 \
                        sum += (uint32_t)(p2[0] * w6 + p2[ci] * w7 + p2[2 * ci] * w8);                 \
                    } else {                                                                           \
                        int32_t i, j;                                                                  \
                        sum = 0;                                                                       \
                        for (i = 0; i < 3; i++) {                                                      \
                            if (ir + i < 0 || ir + i >= a->hi)                                         \
                                continue;                                                              \
                            for (j = 0; j < 3; j++)                                                    \
                                if (ic + j >= 0 && ic + j < a->wi)                                     \
                                    sum += (uint32_t)(x[((size_t)(ir + i) * (size_t)a->wi + (size_t)(ic + j)) * ci + c] * \
                                                      wc[3 * i + j]);                                  \
                        }                                                                              \
                    }                                                                                  \
                    if (f.fast) {                                                                      \
                        int32_t v = (int32_t)(sum * (uint32_t)cm + (uint32_t)cd) >> f.shift;           \
                        if ((uint32_t)v - (uint32_t)f.min > (uint32_t)f.max - (uint32_t)f.min)         \
                            v = v < f.min ? f.min : f.max;                                             \
                        y8[out] = (uint8_t)v;                                                          \
                    } else {                                                                           \
                        dory_rqf_finish_(&f, a, out, c, (int32_t)sum);                                 \
                    }                                                                                  \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
    } while (0)

static DORY_NOINLINE_ void dw_3x3(const dory_conv_args_t *a, int32_t r0, int32_t r1, int32_t c0, int32_t c1)
{
    const int8_t *w = (const int8_t *)a->w;
    int xs = a->x_type == DORY_S8;
    size_t ci = (size_t)a->ci, row = (size_t)a->wi * ci;
    uint8_t *y8 = (uint8_t *)a->y;
    int32_t c, r, q;
    dory_rqf_t f;
    dory_rqf_init_(&f, a, xs, 9, c0, c1);
    if (xs)
        DW3_BODY_(int8_t);
    else
        DW3_BODY_(uint8_t);
}

/* 3x3 (x u8 or s8, w s8, dilation 1, any stride and padding) with scratch: the column ring.
 *
 * Channel by channel, the core keeps the 3 zero-padded input columns of the current output column
 * in its scratch, each column's rows contiguous (a ring of 3 slots of L bytes, L = the padded rows
 * its output rows read): padded column p lives in slot p % 3, so moving to the next output column
 * copies only the sw columns it newly needs (each input byte is copied once per channel at stride
 * 1). A window's column j is then 3 contiguous bytes of its slot: one 4-byte load dotted with the
 * weight word (w[j], w[3 + j], w[6 + j], 0) by the 4-way SIMD dot product. At stride 1 one load at
 * rows r .. r + 3 serves output rows r (bytes 0..2) and r + 1 (bytes 1..3, weight word shifted up
 * a byte), so two output rows cost 3 loads and 6 dot products. The 4th byte a window's load may
 * read past its 3 rows meets a zero weight (and stays inside the scratch: 4 bytes of slack).
 * Pad rows are zeroed once per call; a pad column is written as zeros. */

/* The requantised store of the sum s of channel c at element o: the int32 fast end when this
 * sum provably allows it (|s + b| <= smax: (uint32)(s + off) <= lim, see below), else the exact
 * generic end. */
#define DW3R_PUT_(s, o)                                                                                \
    do {                                                                                               \
        if ((uint32_t)(s) + off <= lim) {                                                              \
            int32_t v_ = (int32_t)((uint32_t)(s) * (uint32_t)cm + (uint32_t)cd) >> sh_;                \
            if ((uint32_t)v_ - (uint32_t)lo > span) /* one test when in range */                      \
                v_ = v_ < lo ? lo : hi;                                                                \
            y8[o] = (uint8_t)v_;                                                                       \
        } else { /* int64, inline: a call here would make the loop spill its registers */          \
            int64_t t_ = (((int64_t)(s) + cb) * cm + d0) >> sh_;                                      \
            y8[o] = (uint8_t)(t_ < lo ? lo : t_ > hi ? hi : t_);                                       \
        }                                                                                              \
    } while (0)

#define DW3R_BODY_(XT, VX, LD4X, SDOT)                                                                 \
    do {                                                                                               \
        const XT *x = (const XT *)a->x;                                                                \
        for (c = c0; c < c1; c++) {                                                                    \
            const int8_t *wc = w + (size_t)c * 9u;                                                     \
            int8_t wv[24]; /* words (w[j], w[3 + j], w[6 + j], 0) and the same shifted up a byte */   \
            dory_v4s W0, W1, W2, V0, V1, V2;                                                           \
            int32_t cb, cm, cd, next = 0, j;                                                           \
            for (j = 0; j < 3; j++) {                                                                  \
                wv[4 * j] = wc[j], wv[4 * j + 1] = wc[3 + j], wv[4 * j + 2] = wc[6 + j], wv[4 * j + 3] = 0; \
                wv[12 + 4 * j] = 0, wv[13 + 4 * j] = wc[j], wv[14 + 4 * j] = wc[3 + j];               \
                wv[15 + 4 * j] = wc[6 + j];                                                            \
            }                                                                                          \
            W0 = DORY_LD4S(wv), W1 = DORY_LD4S(wv + 4), W2 = DORY_LD4S(wv + 8);                        \
            V0 = DORY_LD4S(wv + 12), V1 = DORY_LD4S(wv + 16), V2 = DORY_LD4S(wv + 20);                 \
            int32_t m0 = 0, mn = 0; /* the slots of padded columns p0 and next (mod 3) */            \
            uint32_t off = 1u << 30, lim = 0; /* never fast unless set below */                       \
            int32_t d0;                                                                                \
            dory_rqf_chan_(&f, c, &cb, &cm, &cd);                                                      \
            d0 = cd;                                                                                   \
            if (cb >= -(1 << 29) && cb <= (1 << 29)) {                                                 \
                /* (s + b) m + d is int32 exact (so its int32 wrapping computation is exact) when     \
                 * |s + b| <= smax = (INT32_MAX - |d|) / |m|, capped at 2^29; with |sum| < 2^19     \
                 * (9 taps of 8 x 8 bits) and |b| <= 2^29 the test below cannot wrap. */            \
                uint32_t am = cm < 0 ? 0u - (uint32_t)cm : (uint32_t)cm;                               \
                uint32_t ad = cd < 0 ? 0u - (uint32_t)cd : (uint32_t)cd, smax;                         \
                if (ad <= 0x7fffffffu) { /* 32-bit division: the cores have no 64-bit one */          \
                    smax = am ? (0x7fffffffu - ad) / am : 1u << 29;                                    \
                    smax = smax > 1u << 29 ? 1u << 29 : smax;                                          \
                    off = (uint32_t)cb + smax;                                                         \
                    lim = 2u * smax;                                                                   \
                }                                                                                      \
            }                                                                                          \
            cd = (int32_t)((uint32_t)cb * (uint32_t)cm + (uint32_t)cd); /* fast: (s + b) m + d mod 2^32 */ \
            for (q = 0; q < wo_; q++) {                                                              \
                int32_t p0 = q * sw_, n = r1 - r0, r;                                                \
                const XT *s0, *s1, *s2;                                                                \
                size_t o = ((size_t)r0 * (size_t)wo_ + (size_t)q) * (size_t)co_ + (size_t)c;      \
                if (q) { /* p0 advanced by sw */                                                       \
                    m0 += sw3;                                                                         \
                    m0 -= m0 >= 3 ? 3 : 0;                                                             \
                }                                                                                      \
                if (next < p0) { /* stride > 3: columns nobody reads */                               \
                    next = p0;                                                                         \
                    mn = m0;                                                                           \
                }                                                                                      \
                for (; next < p0 + 3; next++, mn = mn == 2 ? 0 : mn + 1) { /* columns new here */      \
                    int32_t ic = next - pl_, k;                                                      \
                    XT *d = (XT *)ring + (size_t)mn * (size_t)L + i0;                                  \
                    if (ic < 0 || ic >= wi_) {                                                       \
                        memset(d, 0, (size_t)(i1 - i0));                                               \
                    } else {                                                                           \
                        const XT *src = x + xr + (size_t)ic * ci + (size_t)c;                          \
                        for (k = i0; k + 2 <= i1; k += 2, d += 2, src += 2 * rs) {                     \
                            XT e0 = src[0], e1 = src[rs]; /* both loads first: no load-use stall */    \
                            d[0] = e0;                                                                 \
                            d[1] = e1;                                                                 \
                        }                                                                              \
                        if (k < i1)                                                                    \
                            d[0] = src[0];                                                             \
                    }                                                                                  \
                }                                                                                      \
                s0 = (const XT *)ring + (size_t)m0 * (size_t)L;                                        \
                s1 = (const XT *)ring + (size_t)(m0 == 2 ? 0 : m0 + 1) * (size_t)L;                    \
                s2 = (const XT *)ring + (size_t)(m0 == 0 ? 2 : m0 - 1) * (size_t)L;                    \
                r = 0;                                                                                 \
                if (shs_ == 1) {                                                                      \
                    for (; r + 2 <= n; r += 2, o += 2 * ys) {                                          \
                        VX e0 = LD4X(s0 + r), e1 = LD4X(s1 + r), e2 = LD4X(s2 + r);                    \
                        int32_t u = 0, v = 0;                                                          \
                        SDOT(u, e0, W0);                                                               \
                        SDOT(v, e0, V0);                                                               \
                        SDOT(u, e1, W1);                                                               \
                        SDOT(v, e1, V1);                                                               \
                        SDOT(u, e2, W2);                                                               \
                        SDOT(v, e2, V2);                                                               \
                        DW3R_PUT_(u, o);                                                               \
                        DW3R_PUT_(v, o + ys);                                                          \
                    }                                                                                  \
                }                                                                                      \
                for (; r < n; r++, o += ys) {                                                          \
                    size_t t = (size_t)r * (size_t)shs_;                                              \
                    VX e0 = LD4X(s0 + t), e1 = LD4X(s1 + t), e2 = LD4X(s2 + t);                        \
                    int32_t u = 0;                                                                     \
                    SDOT(u, e0, W0);                                                                   \
                    SDOT(u, e1, W1);                                                                   \
                    SDOT(u, e2, W2);                                                                   \
                    DW3R_PUT_(u, o);                                                                   \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
    } while (0)

/* The per-core scratch of the ring for output rows [r0, r1) (stride sh): 3 slots of the padded
 * rows they read, plus the slack of the last load. */
static size_t dw3_ring_bytes(int32_t r0, int32_t r1, int32_t sh)
{
    return 3u * (size_t)((r1 - 1 - r0) * sh + 3) + 4u;
}

/* The ring over rows [r0, r1) x channels [c0, c1); fp: the end's plan (mode != 0, floor, 8-bit
 * output, checked by the caller). */
static DORY_NOINLINE_ void dw_3x3_ring(const dory_conv_args_t *a, const dory_rqf_t *fp, uint8_t *ring, int32_t r0,
                                       int32_t r1, int32_t c0, int32_t c1)
{
    const int8_t *w = (const int8_t *)a->w;
    int xs = a->x_type == DORY_S8;
    size_t ci = (size_t)a->ci, rs = (size_t)a->wi * ci, ys = (size_t)a->wo * (size_t)a->co, xr;
    uint8_t *y8 = (uint8_t *)a->y;
    /* the slots' rows: padded rows t0 .. t0 + L - 1, of which [i0, i1) are input rows */
    int32_t t0 = r0 * a->sh, L = (r1 - 1 - r0) * a->sh + 3;
    int32_t i0 = a->pt - t0 > 0 ? a->pt - t0 : 0, i1 = a->hi + a->pt - t0 < L ? a->hi + a->pt - t0 : L;
    /* the geometry in locals: the byte stores to y could alias *a (in L2: slow to reload) */
    const int32_t wo_ = a->wo, sw_ = a->sw, shs_ = a->sh, pl_ = a->pl, wi_ = a->wi, co_ = a->co;
    int32_t c, q, sh_, lo, hi, sw3 = a->sw % 3;
    uint32_t span;
    const dory_rqf_t f = *fp;
    if (i1 < i0)
        i1 = i0;
    xr = (size_t)(t0 + i0 - a->pt) * rs; /* the first input row a slot holds */
    memset(ring, 0, dw3_ring_bytes(r0, r1, a->sh)); /* the pad rows stay zero */
    /* the int32 end or the int64 one, decided per sum (below) from the sum itself: the plan's
     * bound K * max|x| * max|w| is too loose for the layers of real networks (int64, mode 2) */
    sh_ = f.shift, lo = f.min, hi = f.max;
    span = (uint32_t)hi - (uint32_t)lo;
    if (xs)
        DW3R_BODY_(int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS);
    else
        DW3R_BODY_(uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US);
}

size_t dory_depthwise_scratch_bytes(int32_t kh, int32_t kw, int32_t rows, int32_t pt, int32_t pb, int ncores)
{
    size_t per_core = (size_t)kh * (size_t)(rows + pt + pb) + (size_t)kh + (size_t)kh * (size_t)kw;
    return (size_t)(ncores < 1 ? 1 : ncores) * per_core;
}

/* The kernel proper. The arguments should be in L1 (the byte stores to y could alias them, so
 * they are reloaded; from L2 that costs ~15 cycles each): the tile loop (runtime/src/layer.c)
 * passes every core its own copy on its stack. No second copy here: the cluster stacks are 1 KiB
 * and two copies overflowed them (dronet_2.0, MobileNetV1 on GVSOC). */
static void dory_depthwise_l1(const dory_conv_args_t *a, int core, int ncores);

void dory_depthwise(const dory_conv_args_t *args, int core, int ncores)
{
    dory_depthwise_l1(args, core, ncores);
}

static void dory_depthwise_l1(const dory_conv_args_t *a, int core, int ncores)
{
    int32_t r0, r1, c0, c1;
    size_t need;
    dory_rqf_t f;
    if (ncores < 1)
        ncores = 1;
    if (dory_fast_types_(a->x_type, a->w_type) && a->dh == 1 && a->dw == 1 && a->kh == 3 && a->kw == 3) {
        /* the ring wants long columns: over the channels when they share evenly or are many */
        int by_chan = a->co >= ncores && (a->co % ncores == 0 || a->co >= 4 * ncores || a->ho < ncores);
        if (by_chan) {
            dory_share_(a->co, core, ncores, &c0, &c1);
            r0 = 0, r1 = a->ho;
        } else if (!dory_share_rows_or_channels_(a->ho, a->co, core, ncores, &r0, &r1, &c0, &c1)) {
            return;
        }
        if (r0 >= r1 || c0 >= c1)
            return;
        need = dory_depthwise_scratch_bytes(3, 3, a->hi, a->pt, a->pb, ncores);
        /* the ring's own end: one power-of-two stage, floor, no partial sums, 8-bit output */
        dory_rqf_init_(&f, a, a->x_type == DORY_S8, 9, c0, c1);
        /* modes 1 and 2 only: the ring's inline end is a shift (mode 3, a divisor, and 64-bit add
         * vectors take dw_3x3, whose end is dory_rqf_finish_) */
        if ((f.mode == 1 || f.mode == 2) && !f.add64 && !f.trunc && a->y_type <= DORY_S8 &&
            dory_scratch_ok_(a, need, "dory_depthwise") &&
            dw3_ring_bytes(r0, r1, a->sh) <= need / (size_t)ncores)
            dw_3x3_ring(a, &f, (uint8_t *)a->scratch + (size_t)core * (need / (size_t)ncores), r0, r1, c0, c1);
        else
            dw_3x3(a, r0, r1, c0, c1);
        return;
    }
    if (!dory_share_rows_or_channels_(a->ho, a->co, core, ncores, &r0, &r1, &c0, &c1))
        return;
    need = dory_depthwise_scratch_bytes(a->kh, a->kw, a->hi, a->pt, a->pb, ncores);
    if (dory_fast_types_(a->x_type, a->w_type) && a->dh == 1 && a->dw == 1 && dory_scratch_ok_(a, need, "dory_depthwise"))
        dw_fast(a, (uint8_t *)a->scratch + (size_t)core * (need / (size_t)ncores), need / (size_t)ncores, r0, r1, c0, c1);
    else
        dory_conv_window_generic_(a, a->co, r0, r1, c0, c1);
}
