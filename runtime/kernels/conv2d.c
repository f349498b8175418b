/* dory runtime: general convolution tile (dory.conv2d: KxK, stride, padding, dilation, groups).
 *
 * Generic path: any element types (dory_load / dory_store), groups, dilation.
 * Fast path (x u8 or s8, w s8, groups == 1, dilation 1): the receptive fields of two output pixels
 * are copied (im2col, zero padded) into this core's scratch, 2 * kh * kw * ci bytes, and each
 * output channel's weights (kh * kw * ci contiguous s8 values, OHWI) are dotted with both using
 * the 4-way SIMD dot product. A 1x1 kernel reads the input pixel in place and needs no scratch.
 * The fast path needs scratch_bytes >= 2 * ncores * kh * kw * ci when kh * kw > 1, else the
 * generic path runs.
 */
#include "simd.h"

/* Rows [*r0, *r1) x channels [*o0, *o1) of this core: output rows when ho >= ncores, else
 * output channels. */
static void conv_share(const dory_conv_args_t *a, int core, int ncores, int32_t *r0, int32_t *r1,
                       int32_t *o0, int32_t *o1)
{
    if (a->ho >= ncores) {
        dory_share_(a->ho, core, ncores, r0, r1);
        *o0 = 0;
        *o1 = a->co;
    } else {
        dory_share_(a->co, core, ncores, o0, o1);
        *r0 = 0;
        *r1 = a->ho;
        if (*o0 >= *o1)
            *r1 = 0;
    }
}

static void conv_generic(const dory_conv_args_t *a, int32_t r0, int32_t r1, int32_t o0, int32_t o1)
{
    int32_t groups = a->groups > 0 ? a->groups : 1;
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

/* Copy the (zero padded) receptive field of output pixel (r, q) into buf, in the weights' order
 * kh x kw x ci (dilation 1). */
static void im2col_pixel(const dory_conv_args_t *a, int32_t r, int32_t q, uint8_t *buf)
{
    const uint8_t *x = (const uint8_t *)a->x;
    size_t ci = (size_t)a->ci, row = (size_t)a->kw * ci;
    int32_t i, j, ic0 = q * a->sw - a->pl;
    for (i = 0; i < a->kh; i++) {
        int32_t ir = r * a->sh - a->pt + i;
        uint8_t *dst = buf + (size_t)i * row;
        if (ir < 0 || ir >= a->hi) {
            memset(dst, 0, row);
            continue;
        }
        if (ic0 >= 0 && ic0 + a->kw <= a->wi) {
            memcpy(dst, x + ((size_t)ir * (size_t)a->wi + (size_t)ic0) * ci, row);
            continue;
        }
        for (j = 0; j < a->kw; j++) {
            int32_t ic = ic0 + j;
            if (ic < 0 || ic >= a->wi)
                memset(dst + (size_t)j * ci, 0, ci);
            else
                memcpy(dst + (size_t)j * ci, x + ((size_t)ir * (size_t)a->wi + (size_t)ic) * ci, ci);
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

static void conv_fast(const dory_conv_args_t *a, int core, int32_t r0, int32_t r1, int32_t o0, int32_t o1)
{
    int xs = a->x_type == DORY_S8;
    int32_t K = a->kh * a->kw * a->ci;
    int im2col = a->kh * a->kw > 1;
    uint8_t *buf0 = NULL, *buf1 = NULL;
    int32_t p, p1 = r1 * a->wo, o;
    const int8_t *w = (const int8_t *)a->w;
    if (im2col) {
        buf0 = (uint8_t *)a->scratch + (size_t)core * 2u * (size_t)K;
        buf1 = buf0 + K;
    }
    for (p = r0 * a->wo; p < p1; p += 2) {
        int two = p + 1 < p1;
        int32_t ra = p / a->wo, qa = p % a->wo, rb = (p + 1) / a->wo, qb = (p + 1) % a->wo;
        const uint8_t *xa, *xb;
        size_t ia = (size_t)p * (size_t)a->co, ib = ia + (size_t)a->co;
        if (im2col) {
            im2col_pixel(a, ra, qa, buf0);
            xa = buf0;
            xb = NULL;
            if (two) {
                im2col_pixel(a, rb, qb, buf1);
                xb = buf1;
            }
        } else {
            xa = pixel_1x1(a, ra, qa);
            xb = two ? pixel_1x1(a, rb, qb) : NULL;
        }
        for (o = o0; o < o1; o++) {
            const int8_t *wo_ = w + (size_t)o * (size_t)K;
            int32_t sa = 0, sb = 0;
            if (xa && xb)
                dory_dot2_(xa, xb, xs, wo_, K, &sa, &sb);
            else {
                if (xa)
                    sa = dory_dot_(xa, xs, wo_, K, 0);
                if (xb)
                    sb = dory_dot_(xb, xs, wo_, K, 0);
            }
            dory_conv_finish_(a, ia + (size_t)o, o, sa);
            if (two)
                dory_conv_finish_(a, ib + (size_t)o, o, sb);
        }
    }
}

void dory_conv2d(const dory_conv_args_t *a, int core, int ncores)
{
    int32_t r0, r1, o0, o1;
    if (ncores < 1)
        ncores = 1;
    if (core < 0 || core >= ncores)
        return;
    conv_share(a, core, ncores, &r0, &r1, &o0, &o1);
    if (r0 >= r1 || o0 >= o1)
        return;
    if (dory_fast_types_(a->x_type, a->w_type) && a->groups <= 1 && a->dh == 1 && a->dw == 1 &&
        (a->kh * a->kw == 1 ||
         (a->scratch && a->scratch_bytes >= 2u * (size_t)ncores * (size_t)a->kh * (size_t)a->kw * (size_t)a->ci)))
        conv_fast(a, core, r0, r1, o0, o1);
    else
        conv_generic(a, r0, r1, o0, o1);
}
