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

size_t dory_depthwise_scratch_bytes(int32_t kh, int32_t kw, int32_t rows, int32_t pt, int32_t pb, int ncores)
{
    size_t per_core = (size_t)kh * (size_t)(rows + pt + pb) + (size_t)kh + (size_t)kh * (size_t)kw;
    return (size_t)(ncores < 1 ? 1 : ncores) * per_core;
}

void dory_depthwise(const dory_conv_args_t *a, int core, int ncores)
{
    int32_t r0, r1, c0, c1;
    size_t need;
    if (ncores < 1)
        ncores = 1;
    if (!dory_share_rows_or_channels_(a->ho, a->co, core, ncores, &r0, &r1, &c0, &c1))
        return;
    if (dory_fast_types_(a->x_type, a->w_type) && a->dh == 1 && a->dw == 1 && a->kh == 3 && a->kw == 3) {
        dw_3x3(a, r0, r1, c0, c1);
        return;
    }
    need = dory_depthwise_scratch_bytes(a->kh, a->kw, a->hi, a->pt, a->pb, ncores);
    if (dory_fast_types_(a->x_type, a->w_type) && a->dh == 1 && a->dw == 1 && dory_scratch_ok_(a, need, "dory_depthwise"))
        dw_fast(a, (uint8_t *)a->scratch + (size_t)core * (need / (size_t)ncores), need / (size_t)ncores, r0, r1, c0, c1);
    else
        dory_conv_window_generic_(a, a->co, r0, r1, c0, c1);
}
