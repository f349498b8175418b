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
 * 3x3 (same types): the transposed tile below with scratch (every requant end: its own inline ones
 * for modes 1, 2 and 3 into 8 bits, the generic end per sum otherwise; at stride 2 with the window
 * end 4 channels transposed at once into 4 slots when a core's slice of the scratch holds them:
 * dory_depthwise_scratch_bytes sizes one slot, so only a caller giving more scratch, or a core
 * whose rows are a small part of the tile, gets them), else dw_3x3 (no scratch, 9 loads in place
 * per window).
 */
#include "dot.h"
#include "scalar_ops.h" /* dory_max_ / dory_min_: the inline ends' clip */
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

/* 3x3 (x u8 or s8, w s8, dilation 1, any stride and padding) with scratch: the transposed tile.
 *
 * Channel by channel, the core transposes the channel's part of the tile into its scratch: the L
 * padded rows its output rows read x a chunk of padded columns, column-major (column j's L rows
 * contiguous at buf + j L). The pad rows and columns are zeroed once per chunk (the same bytes for
 * every channel); per channel only the input bytes are written, in one copy loop (each input byte
 * once), and the output columns then run back to back with no copy or call between them (the
 * column ring before this, 3 slots refilled per output column, spent 120-200 cycles per column on
 * its copy call and loop entry). A window's column j is 3 contiguous bytes of a buffer column:
 * one 4-byte load dotted with the weight word (w[j], w[3 + j], w[6 + j], 0) by the 4-way SIMD dot
 * product. At stride 1 one load at rows r .. r + 3 serves output rows r (bytes 0..2) and r + 1
 * (bytes 1..3, weight word shifted up a byte), so two output rows cost 3 loads and 6 dot
 * products. The 4th byte a window's load may read past its 3 rows meets a zero weight (and stays
 * inside the scratch: 4 bytes of slack).
 *
 * The end of a sum s, inline in the loop, one of (dw3_kind_ per call, dw3_chan_ per channel; every
 * one gives the generic end's result, docs/qnn.md):
 *   DW3_I32  mode 1, floor, 8-bit output: y = clip((s * m + D) >> shift) with D = b * m + d modulo
 *            2^32; exact, as the plan bounds (s + b) * m + d in int32 (so its wrapping int32
 *            computation is exact).
 *   DW3_WIN2 mode 2, floor, 8-bit output; DW3_WIN3 mode 3, floor, 8-bit output: the clip window
 *            of requant_fast.h. v = s * m + E with E = b * m + add - lo (lo = min * 2^shift, resp.
 *            min * d: the window's low end) is t - lo for the generic end's t = (s + b) * m + add
 *            (s + b does not wrap: |s| < 2^19 and |b| <= 2^30, checked per channel; |add| <= 2^61
 *            keeps every term inside int64). v < 0 clips to min, v > U (the window's width - 1) to
 *            max, else y = min + floor(v / 2^shift), resp. floor(v / d) by dory_rqf_div_plan_'s
 *            multiply-high. v is monotone in s, so per channel (dw3_chan_, two int64 divisions)
 *            the sums whose v lies in the window are an interval [slo, slo + wn) of s: a sum
 *            outside it is ylo (below) or yhi (above), no product needed; inside, 0 <= v <= U <
 *            2^32, so v is its low word, s * m + E modulo 2^32: one 32-bit multiply-add.
 *   DW3_CLAMP a DW3_WIN2 channel whose interval is not empty, with |m| <= 2^shift and shift <= 24:
 *            branchless. The sum clamped into the interval, s' = min(max(s, slo), shi), gives the
 *            same output: for m > 0, a sum below it clips to min, and v(slo) is in [0, m - 1]
 *            (slo is the least sum with v >= 0), so floor(v(slo) / 2^shift) = 0, min too; a sum
 *            above it clips to max, and v(shi) is in [U - m + 1, U], whose floor is max - min (U + 1
 *            = (max - min + 1) 2^shift); m < 0 the same with the ends swapped. The byte stored is
 *            bits shift .. shift + 7 of v + min 2^shift modulo 2^32 (E' = E + min 2^shift folds the
 *            + min in), which are those of min + floor(v / 2^shift) when shift + 8 <= 32. An end
 *            clamped to the channel's sums (-(smax + 1) low, smax + 1 high) keeps it exact: no sum
 *            lies beyond; an end clamped the other way is not a true bound: DW3_WIN2.
 *   DW3_WIN2L mode 2 with U >= 2^32 (a shift above 23 for 8 bits): v in int64 per sum, the same
 *            window test on v.
 *   DW3_GEN  anything else (trunc, partial sums, wider outputs, a channel failing the checks
 *            above): dory_rqf_finish_ per sum, out of line. */
/*   DW3_WINDOW (a call's kind, its channels DW3_CLAMP) requant-window's window end (the plan's win 1:
 *            a shift, at most 24): the compiler's per-channel window [wlo, whi] of t = s + b
 *            (dory_ir/analysis/requant_window.py) is DW3_CLAMP's interval, shifted by the bias:
 *            slo = wlo - b, shi = whi - b (dw3_chan_win_: five loads, no division).
 * A DW3_WINDOW call's channel failing dw3_chan_win_'s checks, and a window plan with a divisor
 * that is not a power of two, take DW3_GEN (the generic end reads the window: dory_rqf_win1_). */
enum { DW3_I32, DW3_WIN2, DW3_WIN3, DW3_WIN2L, DW3_GEN, DW3_CLAMP, DW3_WINDOW };

/* The generic end of sum s of channel c at element o (out of line: a cold call in the loops). */
static DORY_NOINLINE_ void dw3_put_gen_(const dory_rqf_t *f, size_t o, int32_t c, int32_t s)
{
    dory_rqf_finish_(f, f->args, o, c, s);
}

/* The end of a call with plan f (DW3_GEN unless every channel may take a fast one), and the
 * window's width - 1 for the window ends. */
static DORY_NOINLINE_ int dw3_kind_(const dory_rqf_t *f, uint64_t *U)
{
    if (f->trunc || f->y_type > DORY_S8 || f->min > f->max)
        return DW3_GEN;
    if (f->win) /* DW3_CLAMP's byte store keeps bits shift .. shift + 7 of a 32-bit word */
        return f->win == 1 && f->shift <= 24 ? DW3_WINDOW : DW3_GEN;
    if (f->mode == 1 && !f->add64)
        return DW3_I32;
    if (f->mode == 2) { /* (max - min + 1) 2^shift - 1 < 2^40: shift <= 31, 8-bit range */
        *U = (((uint64_t)((int64_t)f->max - f->min) + 1u) << f->shift) - 1u;
        return *U > UINT32_MAX ? DW3_WIN2L : DW3_WIN2;
    }
    if (f->mode == 3) {
        *U = f->du;
        return DW3_WIN3;
    }
    return DW3_GEN;
}

/* floor(a / b), b != 0 (C's division truncates). */
static int64_t dw3_fdiv_(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (q * b != a && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* floor(n / m) where only whether it lies below, inside or above [-smax, smax] matters (lim =
 * |m| (smax + 1)): n clamped to [-lim, lim] first (the quotient then clamps to +-(smax + 1), on
 * the same side of every sum), so a 32-bit division does when lim fits (RI5CY's div; the
 * library's 64-bit one took ~400 cycles on GVSOC, twice per channel). */
static int64_t dw3_qdiv_(int64_t n, int32_t m, int64_t lim)
{
    n = n < -lim ? -lim : (n > lim ? lim : n);
    if (lim <= INT32_MAX) {
        int32_t a = (int32_t)n, q = a / m;
        return (q * m != a && (a < 0) != (m < 0)) ? q - 1 : q;
    }
    return dw3_fdiv_(n, m);
}

/* The per-channel constants of the transposed tile's ends. */
typedef struct {
    int32_t m;        /* the channel's mul */
    uint32_t D;       /* DW3_I32: b * m + d; window ends: E; modulo 2^32 */
    uint64_t E;       /* DW3_WIN2L: E modulo 2^64 */
    int32_t slo;      /* window ends: the window's sums are [slo, slo + wn) */
    uint32_t wn;
    int32_t ylo, yhi; /* window ends: the outputs of the sums below and above them */
    int32_t shi;      /* DW3_CLAMP: slo + wn - 1 */
} dw3_ch_t;

#define DW3_SMAX ((int64_t)1 << 19) /* |s| < 9 * 255 * 128 < 2^19 */
/* |s| <= DW3_SBOUND_(xs): |w| <= 128 for all 9 taps, |x| <= 255 (u8) resp. 128 (s8): a bound for
 * the call, not the channel's sum |w| (its 9-weight loop cost ~100 cycles a channel); every use
 * needs only that no sum lies beyond it */
#define DW3_SBOUND_(xs) ((int64_t)9 * 128 * ((xs) ? 128 : 255))

/* The constants of channel c for the call's end kind (U: the window's width - 1); the channel's
 * kind (DW3_GEN when its bias or add is out of the window's bounds). */
static DORY_NOINLINE_ int dw3_chan_(const dory_rqf_t *f, int kind, uint64_t U, int32_t c, dw3_ch_t *h, int xs)
{
    int32_t b, mm, d;
    int64_t add, lo, E, a0, a1, lim;
    const int64_t smax = DW3_SBOUND_(xs);
    if (kind == DW3_GEN)
        return DW3_GEN;
    dory_rqf_chan_(f, c, &b, &mm, &d);
    h->m = mm;
    if (kind == DW3_I32) {
        h->D = (uint32_t)b * (uint32_t)mm + (uint32_t)d;
        return kind;
    }
    add = dory_rqf_add64_(f, c, d);
    if (b < -(1 << 30) || b > (1 << 30) || add < -((int64_t)1 << 61) || add > ((int64_t)1 << 61))
        return DW3_GEN;
    lo = kind == DW3_WIN3 ? f->dlo : (int64_t)f->min * ((int64_t)1 << f->shift);
    E = (int64_t)b * mm + add - lo;
    h->E = (uint64_t)E;
    h->D = (uint32_t)(uint64_t)E;
    if (kind == DW3_WIN2L)
        return kind;
    /* s * m in [-E, U - E]: for m > 0 s in [ceil(-E / m), floor((U - E) / m)], below it v < 0 (min);
     * for m < 0 s in [ceil((U - E) / m), floor(-E / m)], below it v > U (max); m = 0: v = E.
     * |s| <= smax (above) */
    lim = (mm < 0 ? -(int64_t)mm : (int64_t)mm) * (smax + 1);
    if (mm > 0 && U <= UINT32_MAX) {
        /* one int64 division instead of two: E = qE m + rE, 0 <= rE < m, so ceil(-E / m) = -qE and
         * floor((U - E) / m) = floor((U - rE) / m) - qE, whose first term is a 32-bit division (or
         * -1 when U < rE); each then clamped to +-(smax + 1), as dw3_qdiv_'s clamp of n gives */
        int64_t qE, rE, lq = smax + 1, A = add - lo;
        if (A >= INT32_MIN && A <= INT32_MAX) {
            /* E = b m + A: with A = qA m + rA (0 <= rA < m, a 32-bit floor division) E = (b + qA) m +
             * rA, so qE = b + qA and rE = rA exactly (the floor quotient and remainder are unique);
             * no int64 division (the library's __divdi3 / __moddi3 took ~260 cycles a channel) */
            int32_t a32 = (int32_t)A, qA = a32 / mm, rA = a32 % mm; /* m > 0: no overflow */
            if (rA < 0) /* C truncates towards 0: floor is one less for a negative A with a remainder */
                qA--, rA += mm;
            qE = (int64_t)b + qA, rE = rA;
        } else {
            qE = dw3_fdiv_(E, mm), rE = E - qE * mm;
        }
        int64_t t = (int64_t)U >= rE ? (int64_t)((uint32_t)((int64_t)U - rE) / (uint32_t)mm) : -1;
        a0 = -(qE < -lq ? -lq : (qE > lq ? lq : qE));
        a1 = t - qE;
        a1 = a1 < -lq ? -lq : (a1 > lq ? lq : a1);
        h->ylo = f->min, h->yhi = f->max;
    } else if (mm > 0) {
        a0 = -dw3_qdiv_(E, mm, lim); /* ceil(-E / m) */
        a1 = dw3_qdiv_((int64_t)U - E, mm, lim);
        h->ylo = f->min, h->yhi = f->max;
    } else if (mm < 0) {
        a0 = -dw3_qdiv_(E - (int64_t)U, mm, lim); /* ceil((U - E) / m) */
        a1 = dw3_qdiv_(-E, mm, lim);
        h->ylo = f->max, h->yhi = f->min;
    } else { /* every sum inside (0 <= E <= U), or every one below */
        int in = E >= 0 && E <= (int64_t)U;
        a0 = in ? -DW3_SMAX : DW3_SMAX + 1;
        a1 = DW3_SMAX;
        h->ylo = h->yhi = E < 0 ? f->min : f->max;
    }
    /* clamped to the sums' range [-2^19, 2^19]; an empty interval keeps its place (slo), so the
     * sums below it and above it still tell apart */
    a0 = a0 < -DW3_SMAX ? -DW3_SMAX : (a0 > DW3_SMAX + 1 ? DW3_SMAX + 1 : a0);
    a1 = a1 > DW3_SMAX ? DW3_SMAX : a1;
    h->slo = (int32_t)a0;
    h->wn = a1 >= a0 ? (uint32_t)(a1 - a0 + 1) : 0u;
    h->shi = (int32_t)a1;
    /* the clamp: the interval not empty, ends that are the true bounds (a division's n clamped
     * gives +-(smax + 1): a low end at -(smax + 1) has no sum below it, a high end at smax + 1 none
     * above, the other two are not true bounds), |m| <= 2^shift, shift <= 24 */
    if (kind == DW3_WIN2 && h->wn && h->slo <= smax && h->shi >= -smax && f->shift <= 24 && mm != 0 &&
        (mm < 0 ? -(int64_t)mm : (int64_t)mm) <= ((int64_t)1 << f->shift)) {
        h->D = (uint32_t)(uint64_t)(E + (int64_t)f->min * ((int64_t)1 << f->shift)); /* E' */
        return DW3_CLAMP;
    }
    return kind;
}

/* dw3_chan_ for a DW3_WIN2 call whose channel takes DW3_CLAMP in its common case, in few 32-bit
 * steps and little code (dw3_chan_'s int64 paths, ~2 KB, cost ~400 cycles a channel on MobileNetV1's
 * 4x4 layers, a third of them instruction-cache refills): 0 < m <= 2^shift, |b| <= 2^30, A = d - lo
 * in int32 (the caller's lo = min 2^shift; the call: not add64, shift <= 24). The same interval as
 * dw3_chan_'s one-division path: E = b m + A = (b + qA) m + rA with A = qA m + rA (floor), so
 * ceil(-E / m) = -qE and floor((U - E) / m) = floor((U - rA) / m) - qE, qE = b + qA (U >= 2^shift -
 * 1 >= m - 1 >= rA), each clamped to +-(smax + 1) (dw3_chan_'s further clamp to +-2^19 is then
 * none); DW3_CLAMP's E' = E + lo = b m + d. Any other channel (or an empty interval, or an end
 * that is not a true bound): dw3_chan_ itself. */
static DORY_NOINLINE_ int dw3_chan_clamp_(const dory_rqf_t *f, uint32_t U, int64_t lo, int32_t c, dw3_ch_t *h, int xs)
{
    const int64_t lq = DW3_SBOUND_(xs) + 1;
    int32_t b, m, d, qA, rA;
    int64_t A, qE, a0, a1;
    dory_rqf_chan_(f, c, &b, &m, &d);
    A = (int64_t)d - lo;
    if (m <= 0 || m > (1 << f->shift) || b < -(1 << 30) || b > (1 << 30) || A < INT32_MIN || A > INT32_MAX)
        return dw3_chan_(f, DW3_WIN2, U, c, h, xs);
    qA = (int32_t)A / m; /* C truncates towards 0: floor is one less for a negative A with a remainder */
    rA = (int32_t)A - qA * m;
    if (rA < 0)
        qA--, rA += m;
    qE = (int64_t)b + qA;
    a0 = -(qE < -lq ? -lq : (qE > lq ? lq : qE));
    a1 = (int64_t)((U - (uint32_t)rA) / (uint32_t)m) - qE;
    a1 = a1 < -lq ? -lq : (a1 > lq ? lq : a1);
    if (a1 < a0 || a0 >= lq || a1 <= -lq)
        return dw3_chan_(f, DW3_WIN2, U, c, h, xs);
    h->m = m;
    h->slo = (int32_t)a0, h->shi = (int32_t)a1, h->wn = (uint32_t)(a1 - a0 + 1);
    h->ylo = f->min, h->yhi = f->max;
    h->D = (uint32_t)b * (uint32_t)m + (uint32_t)d;
    return DW3_CLAMP;
}

/* DW3_WINDOW: channel c's DW3_CLAMP constants from the window plan f (dory_rqf_win_plan_: bias and
 * mul s32 or none, add s32 or s64, read as its low word). The generic end computes t = s + b
 * (wrapping; it does not wrap here: |s| < 2^19, |b| <= 2^30), c = clamp(t, wlo, whi), v = c m + add
 * - min 2^shift in [0, 2^32), y = min + (v >> shift). With s' = clamp(s, wlo - b, whi - b), s' + b =
 * c, so DW3_CLAMP's (s' m + D) modulo 2^32 with D = b m + add is v + min 2^shift, whose bits shift
 * .. shift + 7 are y's byte (shift <= 24, dw3_kind_). A bound beyond int32 is beyond every sum on
 * its side (|s| < 2^19), so it is clamped to int32 when the other one is not beyond it as well
 * (every sum then clips to that one: DW3_GEN, never met by a real window). */
/* the 4 constants DW3_CLAMP's asm reads (a small struct: the fused loop below keeps it in registers) */
typedef struct {
    int32_t m, slo, shi;
    uint32_t D;
} dw3_cw_t;

/* from the channel's bias b, mul m, add d and window [wl, wh] */
static inline int dw3_win_from_(int32_t b, int32_t m, uint32_t d, int32_t wl, int32_t wh, dw3_cw_t *h)
{
    int32_t lo, hi;
    if (b < -(1 << 30) || b > (1 << 30))
        return DW3_GEN;
    /* in int32 (int64 steps cost ~40 cycles a channel on RV32): a difference that overflows lies
     * beyond int32 on the side of -b's sign */
    if (__builtin_sub_overflow(wl, b, &lo)) {
        if (b < 0) /* above INT32_MAX: every sum below the window */
            return DW3_GEN;
        lo = INT32_MIN;
    }
    if (__builtin_sub_overflow(wh, b, &hi)) {
        if (b > 0) /* below INT32_MIN: every sum above the window */
            return DW3_GEN;
        hi = INT32_MAX;
    }
    h->m = m;
    h->slo = lo, h->shi = hi;
    h->D = (uint32_t)b * (uint32_t)m + d;
    return DW3_CLAMP;
}

static inline int dw3_win_consts_(const dory_rqf_t *f, int32_t c, dw3_cw_t *h)
{
    const int32_t b = f->bias ? ((const int32_t *)f->bias)[c] : 0;
    const int32_t m = f->mul ? ((const int32_t *)f->mul)[c] : f->mul_s;
    const uint32_t d = f->add ? (uint32_t)((const int32_t *)f->add)[f->add64 ? 2 * c : c] : (uint32_t)f->add_s;
    return dw3_win_from_(b, m, d, f->wlo[c], f->whi[c], h);
}

/* The fused loops' window constants of channel c into *h: with vec (the usual plan: bias, mul and
 * add int32 vectors, tested once a call) straight from the vectors, without dw3_win_consts_'s four
 * tests a channel. A macro: as an inline function GCC allocates the fused loops' registers
 * otherwise (their asm blocks' code changes). */
#define DW3_WIN_CHAN_(f, vec, c, h)                                                                    \
    ((vec) ? dw3_win_from_(((const int32_t *)(f)->bias)[c], ((const int32_t *)(f)->mul)[c],           \
                           (uint32_t)((const int32_t *)(f)->add)[c], (f)->wlo[c], (f)->whi[c], (h))    \
           : dw3_win_consts_((f), (c), (h)))

/* dw3_win_consts_ out of line (the per-channel dispatch of dw_3x3_t; the fused stride-1 loop below
 * inlines it) */
static DORY_NOINLINE_ int dw3_chan_win_(const dory_rqf_t *f, int32_t c, dw3_ch_t *h)
{
    dw3_cw_t w;
    if (dw3_win_consts_(f, c, &w) != DW3_CLAMP)
        return DW3_GEN;
    h->m = w.m, h->slo = w.slo, h->shi = w.shi, h->D = w.D;
    return DW3_CLAMP;
}

/* What a channel function needs: the channel's weight words and end constants, the call's end
 * constants and geometry (one struct: the channel functions take a pointer, so the caller's loops
 * keep their own registers). */
typedef struct {
    dory_v4s w[6];   /* W0, W1, W2: (w[j], w[3 + j], w[6 + j], 0); V0, V1, V2 the same shifted up a byte */
    dw3_ch_t h;      /* the channel's end constants */
    uint64_t U;      /* window ends: the window's width - 1 */
    int32_t sh, lo, hi, ks, n, sr, c;
    uint32_t dm, mhm;
    size_t ys;       /* the output's row stride (elements) */
    uint8_t *y8;     /* the output (element o at y8 + o for DW3_GEN) */
    const dory_rqf_t *f;
    /* the geometry: wo output columns at stride sw from padded column 0 = input column -pl;
     * buffer columns of L bytes whose rows [i0, i1) are input rows (channel stride ci, row
     * stride rs) */
    /* the buffer: lines of L bytes (padded rows of a column, or padded columns of a row), the
     * input bytes at [i0, i1) of lines [j0, j1), read at input stride as along a line and bs from
     * line to line; the window slides sr along a line (outputs ys apart) and sb from line to line
     * (outputs yl apart); nq lines of n outputs */
    int32_t L, i0, i1, j0, j1, sb, nq;
    size_t as, bs, yl;
} dw3_k_t;

/* The inline ends (see above) of sum s into the byte at yp; the constants in the column's locals. */
#define DW3_PUT_I32_(s, yp) (*(yp) = (uint8_t)dory_min_(dory_max_((int32_t)((uint32_t)(s) * (uint32_t)cm + cD) >> sh_, lo), hi))

/* Sums outside [slo, slo + wn) (unsigned s - slo >= wn) are ylo or yhi; inside, v is the 32-bit
 * s * m + E. */
#define DW3_PUT_WIN2_(s, yp)                                                                           \
    do {                                                                                               \
        int32_t q_;                                                                                    \
        if (__builtin_expect((uint32_t)(s) - (uint32_t)slo >= wn, 0))                                  \
            q_ = (s) < slo ? ylo : yhi;                                                                \
        else                                                                                           \
            q_ = lo + (int32_t)(((uint32_t)(s) * (uint32_t)cm + cD) >> sh_);                          \
        *(yp) = (uint8_t)q_;                                                                           \
    } while (0)

/* floor(w M / 2^S) as in dory_rqf_block_wfast_: h + floor((w - h) / 2) shifted by k - 1 when
 * Mh = 1 (mhm all ones, ks = k - 1), h shifted by k when Mh = 0 (mhm 0, ks = k). */
#define DW3_PUT_WIN3_(s, yp)                                                                           \
    do {                                                                                               \
        int32_t q_;                                                                                    \
        if (__builtin_expect((uint32_t)(s) - (uint32_t)slo >= wn, 0)) {                                \
            q_ = (s) < slo ? ylo : yhi;                                                                \
        } else {                                                                                       \
            uint32_t w_ = (uint32_t)(s) * (uint32_t)cm + cD, h_ = (uint32_t)(((uint64_t)w_ * dm) >> 32); \
            q_ = lo + (int32_t)((h_ + (((w_ - h_) >> 1) & mhm)) >> ks);                                \
        }                                                                                              \
        *(yp) = (uint8_t)q_;                                                                           \
    } while (0)

/* v = t - lo modulo 2^64; v > U: below the window (wrapped, so negative as int64) or above it. */
/* DW3_CLAMP: the sum clamped into [slo, shi], then one multiply-add, a shift and the byte store. */
#define DW3_PUT_CLAMP_(s, yp) (*(yp) = (uint8_t)(((uint32_t)dory_min_(dory_max_((int32_t)(s), slo), shi) * (uint32_t)cm + cD) >> sh_))

#define DW3_PUT_WIN2L_(s, yp)                                                                          \
    do {                                                                                               \
        uint64_t v_ = (uint64_t)((int64_t)(s) * cm) + cE;                                              \
        int32_t q_;                                                                                    \
        if (__builtin_expect(v_ > U, 0))                                                               \
            q_ = (int64_t)v_ < 0 ? lo : hi;                                                            \
        else                                                                                           \
            q_ = lo + (int32_t)(uint32_t)(v_ >> sh_);                                                  \
        *(yp) = (uint8_t)q_;                                                                           \
    } while (0)

#define DW3_PUT_GEN_(s, yp) dw3_put_gen_(k->f, (size_t)((yp) - k->y8), k->c, (s))

/* The transposed tile's loop primitives. With DORY_XPULPV2 (encodings from gvsoc-core
 * models/cpu/iss/isa_gen/isa_pulpv2.py):
 *   DW3_LW_(p)          lw with p as an "m" operand, so that GCC folds constant offsets into the
 *                       load (dory_ld4w_ takes p in a register: an add per offset load);
 *   DW3_DOT0U_/S_(u, a, b)  u = the 4-way dot product, not accumulated: pv.dotusp.b ('100010- ...
 *                       001 ... 1010111', funct7 0x44) / pv.dotsp.b ('100110- ... 001 ... 1010111',
 *                       funct7 0x4c), Format_R (a u8 resp. s8, b s8): no zeroing move per sum;
 *   DW3_SB_(v, yp, ys)  p.sb v, ys(yp!): store the byte at yp, then yp += ys (SB_RR_POSTINC
 *                       '0000000 ----- ----- 100 ----- 0101011', Format_SRPOST: the value in rs2,
 *                       the base in rs1, the increment register in the rd field).
 * Elsewhere the portable equivalents. */
#if defined(DORY_XPULPV2)
static inline uint32_t dw3_lw_(const void *p)
{
    uint32_t r;
    __asm__("lw %0, %1" : "=r"(r) : "m"(*(const struct { uint8_t b[4]; } *)p));
    return r;
}
#define DW3_LDU_(p) dw3_lw_(p)
#define DW3_LDS_(p) dw3_lw_(p)
#define DW3_DOT0U_(u, a, b) __asm__(".insn r 0x57, 1, 0x44, %0, %1, %2" : "=r"(u) : "r"(a), "r"(b))
#define DW3_DOT0S_(u, a, b) __asm__(".insn r 0x57, 1, 0x4c, %0, %1, %2" : "=r"(u) : "r"(a), "r"(b))
#define DW3_SB_(v, yp, ys) __asm__(".insn r 0x2b, 4, 0, %3, %0, %2" : "+r"(yp), "=m"(*(yp)) : "r"(v), "r"(ys))
/* d[0 .. n - 1] = src[0], src[ss], ..., src[(n - 1) ss]: a line of one channel into the buffer, 2
 * bytes per step of hardware loop 0 (no branch; each loaded byte stored two instructions later:
 * no load-use stall):
 *   lp.setup x0, rs1, 8  = .insn i 0x7b, 4, x0, rs1, 8: the 4 instructions after it, rs1 times
 *                          (see dot.h; a count of 0 would run them once: skipped below);
 *   p.lbu rd, rs2(rs1!)  = .insn r 0x0b, 7, 0x20, rd, rs1, rs2: rd = *rs1, rs1 += rs2
 *                          ('LBU_RR_POSTINC' '0100000 ----- ----- 111 ----- 0001011', Format_LRPOST);
 *   p.sb rs2, 1(rs1!)    = .insn s 0x2b, 0, rs2, 1(rs1): *rs1 = rs2, rs1 += 1 ('SB_POSTINC'
 *                          '------- ----- ----- 000 ----- 0101011', Format_SPOST). */
static inline void dw3_copy_(uint8_t *d, const uint8_t *src, size_t ss, int32_t n)
{
    int32_t n2 = n >> 1;
    if (n2 > 0)
        __asm__ volatile(".insn i 0x7b, 4, x0, %[n], 8\n\t"
                         ".insn r 0x0b, 7, 0x20, t0, %[s], %[ss]\n\t"
                         ".insn r 0x0b, 7, 0x20, t1, %[s], %[ss]\n\t"
                         ".insn s 0x2b, 0, t0, 1(%[d])\n\t"
                         ".insn s 0x2b, 0, t1, 1(%[d])\n\t"
                         : [d] "+r"(d), [s] "+r"(src)
                         : [n] "r"(n2), [ss] "r"(ss)
                         : "t0", "t1", "memory");
    if (n & 1)
        *d = *src;
}
#else
#define DW3_LDU_(p) DORY_LD4U(p)
#define DW3_LDS_(p) DORY_LD4S(p)
#define DW3_DOT0U_(u, a, b) ((u) = 0, DORY_SDOTP4_US(u, a, b))
#define DW3_DOT0S_(u, a, b) ((u) = 0, DORY_SDOTP4_SS(u, a, b))
#define DW3_SB_(v, yp, ys) (*(yp) = (uint8_t)(v), (yp) += (ys))
static inline void dw3_copy_(uint8_t *d, const uint8_t *src, size_t ss, int32_t n)
{
    for (; n > 0; n--, src += ss)
        *d++ = *src;
}
#endif

#if defined(DORY_XPULPV2)
/* dw3_copy_even_'s asm block with its operands computed: d the first input byte's place in the
 * buffer, nl lines of 2 n2 bytes, read as apart along a line; xn, dn: source and destination
 * moves from a line's end to the next line's start. The fused stride-1 loop computes these once
 * a call (they do not depend on the channel). */
static inline void dw3_copy_even_asm_(uint8_t *d, const uint8_t *xc, int32_t nl, int32_t n2, size_t as, size_t xn,
                                      size_t dn)
{
    __asm__ volatile(".option push\n\t"
                     ".option norvc\n\t" /* 32-bit instructions only: the loop ends count them */
                     ".insn i 0x7b, 4, x1, %[nl], 14\n\t"
                     ".insn i 0x7b, 4, x0, %[n2], 8\n\t"
                     ".insn r 0x0b, 7, 0x20, t0, %[s], %[ss]\n\t"
                     ".insn r 0x0b, 7, 0x20, t1, %[s], %[ss]\n\t"
                     ".insn s 0x2b, 0, t0, 1(%[d])\n\t"
                     ".insn s 0x2b, 0, t1, 1(%[d])\n\t"
                     "add %[s], %[s], %[xn]\n\t"
                     "add %[d], %[d], %[dn]\n\t"
                     ".option pop"
                     : [d] "+r"(d), [s] "+r"(xc)
                     : [nl] "r"(nl), [n2] "r"(n2), [ss] "r"(as), [xn] "r"(xn), [dn] "r"(dn)
                     : "t0", "t1", "memory");
}

/* The channel's input bytes into the buffer when its lines are of an even count n of bytes (the
 * usual tile), in one asm block: dw3_copy_'s 2-byte step in hardware loop 0 inside loop 1 over the
 * lines (lp.setup x1, rs1, 14 = .insn i 0x7b, 4, x1, rs1, 14: its 7 instructions, as DW3_LINES_'s
 * loop 1; loop 0 ends 2 instructions before it), source and destination moved to the next line by
 * two adds: the C loop around dw3_copy_ cost ~15 cycles a line (its branches, the odd-byte test, the
 * moves; ~1 in 8 of MobileNetV1's 8x8 depthwise cycles). Counts >= 1 (a count of 0 would run the
 * body once). 0 when it did not copy (n odd or no line). Inline: the fused stride-1 loop below
 * copies without a call. */
static inline int dw3_copy_even_(const dw3_k_t *k, const uint8_t *xc, uint8_t *buf)
{
    const int32_t j0 = k->j0, j1 = k->j1, n = k->i1 - k->i0;
    const size_t L = (size_t)k->L, as = k->as, bs = k->bs;
    if (n >= 2 && (n & 1) == 0 && j1 > j0) {
        dw3_copy_even_asm_(buf + (size_t)j0 * L + (size_t)k->i0, xc, j1 - j0, n >> 1, as, bs - (size_t)n * as,
                           L - (size_t)n);
        return 1;
    }
    return 0;
}
#endif

/* The channel's input bytes into the buffer: lines [j0, j1), indices [i0, i1) of each. k's fields
 * in locals first: dw3_copy_'s asm clobbers memory, so GCC would reload them for every line. Out of
 * line: one copy of its code for every channel function (less code in the instruction cache). */
static DORY_NOINLINE_ void dw3_copy_lines_(const dw3_k_t *k, const uint8_t *xc, uint8_t *buf)
{
    const int32_t j1 = k->j1, n = k->i1 - k->i0;
    const size_t L = (size_t)k->L, as = k->as, bs = k->bs;
    uint8_t *d = buf + (size_t)k->j0 * L + (size_t)k->i0;
    int32_t j;
#if defined(DORY_XPULPV2)
    if (dw3_copy_even_(k, xc, buf))
        return;
#endif
    for (j = k->j0; j < j1; j++, xc += bs, d += L)
        dw3_copy_(d, xc, as, n);
}

/* STORE(s, yp, inc): the end of sum s into the byte at yp, then yp += inc: the int32 and clamp
 * ends as a value stored by DW3_SB_ (one post-incrementing store), the others by their PUT. */
#define DW3_ST_I32_(s, yp, inc) DW3_SB_(dory_min_(dory_max_((int32_t)((uint32_t)(s) * (uint32_t)cm + cD) >> sh_, lo), hi), yp, inc)
#define DW3_ST_CLAMP_(s, yp, inc)                                                                      \
    DW3_SB_(((uint32_t)dory_min_(dory_max_((int32_t)(s), slo), shi) * (uint32_t)cm + cD) >> sh_, yp, inc)
#define DW3_ST_WIN2_(s, yp, inc) do { DW3_PUT_WIN2_(s, yp); (yp) += (inc); } while (0)
#define DW3_ST_WIN3_(s, yp, inc) do { DW3_PUT_WIN3_(s, yp); (yp) += (inc); } while (0)
#define DW3_ST_WIN2L_(s, yp, inc) do { DW3_PUT_WIN2L_(s, yp); (yp) += (inc); } while (0)
#define DW3_ST_GEN_(s, yp, inc) do { DW3_PUT_GEN_(s, yp); (yp) += (inc); } while (0)

/* DW3_ASM4_<END>_(r): at stride 1 (sr == 1), the first 4 * (n / 4) outputs of a line, 4 per step
 * of hardware loop 0, as one asm block per end (GCC's code for the C loop below spent ~14 cycles
 * per output: branch, counter, pointer and output increments, a multiply stall per output). A
 * step: p.lw of the words at r (e: outputs r, r + 1), post-incrementing the 3 line pointers by 4,
 * then lw at r + 2 (f: outputs r + 2, r + 3, offset -2 from the moved pointers); 12 dot products
 * (the first per sum not accumulating); the 4 ends interleaved (no multiply-use stall); 4 p.sb
 * post-incremented by ys. Encodings (gvsoc-core isa_gen/isa_pulpv2.py): lp.setup and p.lw as in
 * dot.h; pv.dotusp.b / pv.sdotusp.b (pv.dotsp.b / pv.sdotsp.b) as in DW3_DOT0U_ and dory/simd.h;
 * p.max / p.min = .insn r 0x33, 6 / 4, 0x02 (scalar_ops.h); p.sb rs2, rs3(rs1!) as in DW3_SB_.
 * Each loaded word is first used at least two instructions after its load. The sums live in t3..t6,
 * the words in t0..t2 (clobbered). Without DORY_XPULPV2 none (r stays 0: the C loop does them). */
#define DW3_ASM4_NONE_(r) ((void)0)
/* DW3_ROWS4_C_: whether the channel functions with an asm step keep the C 4-output step too (not
 * with DORY_XPULPV2: the asm does those steps, the C copy would be dead code in L2) */
#if defined(DORY_XPULPV2)
#define DW3_ROWS4_C_ 0
#else
#define DW3_ROWS4_C_ 1
#endif
#define DW3_ASMQ_NONE_(q) ((void)0)
#if defined(DORY_XPULPV2)
/* One step's 38 instructions (D0 / DA: funct7 of the non-accumulating / accumulating dot). */
#define DW3_STEP_(D0, DA, END)                                                                         \
    ".insn i 0x0b, 2, t0, %[s0], 4\n\t"                                                                \
    ".insn i 0x0b, 2, t1, %[s1], 4\n\t"                                                                \
    ".insn i 0x0b, 2, t2, %[s2], 4\n\t"                                                                \
    ".insn r 0x57, 1, " D0 ", t3, t0, %[W0]\n\t"                                                       \
    ".insn r 0x57, 1, " D0 ", t4, t0, %[V0]\n\t"                                                       \
    "lw t0, -2(%[s0])\n\t"                                                                             \
    ".insn r 0x57, 1, " DA ", t3, t1, %[W1]\n\t"                                                       \
    ".insn r 0x57, 1, " DA ", t4, t1, %[V1]\n\t"                                                       \
    "lw t1, -2(%[s1])\n\t"                                                                             \
    ".insn r 0x57, 1, " DA ", t3, t2, %[W2]\n\t"                                                       \
    ".insn r 0x57, 1, " DA ", t4, t2, %[V2]\n\t"                                                       \
    "lw t2, -2(%[s2])\n\t"                                                                             \
    ".insn r 0x57, 1, " D0 ", t5, t0, %[W0]\n\t"                                                       \
    ".insn r 0x57, 1, " D0 ", t6, t0, %[V0]\n\t"                                                       \
    ".insn r 0x57, 1, " DA ", t5, t1, %[W1]\n\t"                                                       \
    ".insn r 0x57, 1, " DA ", t6, t1, %[V1]\n\t"                                                       \
    ".insn r 0x57, 1, " DA ", t5, t2, %[W2]\n\t"                                                       \
    ".insn r 0x57, 1, " DA ", t6, t2, %[V2]\n\t"                                                       \
    END                                                                                                \
    ".insn r 0x2b, 4, 0, %[ys], %[yp], t3\n\t"                                                         \
    ".insn r 0x2b, 4, 0, %[ys], %[yp], t4\n\t"                                                         \
    ".insn r 0x2b, 4, 0, %[ys], %[yp], t5\n\t"                                                         \
    ".insn r 0x2b, 4, 0, %[ys], %[yp], t6\n\t"
#define DW3_ASM4_(r, D0, DA, END, ...)                                                                 \
    do {                                                                                               \
        int32_t n4_ = n >> 2;                                                                          \
        if (sr == 1 && n4_ > 0) {                                                                      \
            __asm__ volatile(".option push\n\t"                                                       \
                             ".option norvc\n\t" /* 32-bit instructions only: L counts them */         \
                             ".insn i 0x7b, 4, x0, %[n4], 76\n\t" DW3_STEP_(D0, DA, END)               \
                             ".option pop"                                                             \
                             : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [yp] "+r"(yp)              \
                             : [n4] "r"(n4_), [ys] "r"(ys), [W0] "r"(W0), [W1] "r"(W1), [W2] "r"(W2),  \
                               [V0] "r"(V0), [V1] "r"(V1), [V2] "r"(V2), __VA_ARGS__                    \
                             : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "memory");                    \
            r = 4 * n4_;                                                                               \
        }                                                                                              \
    } while (0)
/* DW3_ASMQ_(q, ...): when every line's outputs are whole steps (stride 1, n a multiple of 4), all
 * the nq lines of the channel in one asm block: the steps in hardware loop 0 inside loop 1 over the
 * lines (lp.setup x1, rs1, L = .insn i 0x7b, 4, x1, rs1, L: the loop number in the rd field,
 * isa_pulpv2.py 'lp.setup' '------- ----- ----- 100 0000- 1111011'; loop 0 the inner one, its end
 * 4 instructions before loop 1's), the 3 line pointers moved by cs - 4 n4 and the output by
 * yl - 4 n4 ys between lines: no per-line C (its register reloads cost ~80 cycles per line).
 * Sets q = nq when done. Loop 1's body: the inner lp.setup, 38 step instructions, 4 adds: L = 86. */
#define DW3_ASMQ_(q, D0, DA, END, ...)                                                                 \
    DW3_LINES_(q, sr == 1 && (n & 3) == 0, n >> 2, 4, "86", "76", DW3_STEP_(D0, DA, END), 4,         \
               [V0] "r"(V0), [V1] "r"(V1), [V2] "r"(V2), __VA_ARGS__)
/* DW3_LINES_(q, OK, NS, OUT, L1, L0, STEP, CN, ...): the nq lines of a channel in one asm block
 * when OK and NS > 0 (NS steps of OUT outputs a line, the step's window starts 4 bytes on: stride
 * 1's 4-output step and stride 2's 2-output one): loop 1 over the lines (its body L1 instructions)
 * around loop 0 over a line's steps (STEP, L0 instructions), the 3 line pointers moved by cs - 4 NS
 * and the output by yl - OUT NS ys between lines. Sets q = nq when done. */
#define DW3_CLOB4_ "t0", "t1", "t2", "t3", "t4", "t5", "t6", "memory"
#define DW3_CLOB2_ "t0", "t1", "t2", "t3", "t4", "memory"
#define DW3_LINES_(q, OK, NS, OUT, L1, L0, STEP, CN, ...)                                              \
    DW3_LINES_D_(q, OK, NS, cs - 4 * (size_t)ns_, k->yl - (OUT) * (size_t)ns_ * ys, L1, L0, STEP, CN,     \
                 __VA_ARGS__)
/* DW3_LINES_D_(q, OK, NS, DS, DY, ...): DW3_LINES_ with the moves between lines given (DS, DY:
 * expressions, ns_ the step count; the fused stride-1 loop gives values it computed once a call).
 * CN: 4 or 2, the clobbers DW3_CLOB<CN>_ (pasted in the body: the list's commas would split a
 * macro argument passed on) */
#define DW3_LINES_D_(q, OK, NS, DS, DY, L1, L0, STEP, CN, ...)                                         \
    do {                                                                                               \
        int32_t ns_ = (NS);                                                                            \
        if ((OK) && ns_ > 0 && nq > 0) {                                                               \
            const uint8_t *s0 = buf, *s1 = buf + L, *s2 = buf + 2 * L;                                 \
            uint8_t *yp = yq;                                                                          \
            size_t ds_ = (DS), dy_ = (DY);                                                             \
            __asm__ volatile(".option push\n\t"                                                       \
                             ".option norvc\n\t"                                                       \
                             ".insn i 0x7b, 4, x1, %[nq], " L1 "\n\t"                                  \
                             ".insn i 0x7b, 4, x0, %[ns], " L0 "\n\t" STEP                             \
                             "add %[s0], %[s0], %[ds]\n\t"                                             \
                             "add %[s1], %[s1], %[ds]\n\t"                                             \
                             "add %[s2], %[s2], %[ds]\n\t"                                             \
                             "add %[yp], %[yp], %[dy]\n\t"                                             \
                             ".option pop"                                                             \
                             : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [yp] "+r"(yp)              \
                             : [ns] "r"(ns_), [nq] "r"(nq), [ds] "r"(ds_), [dy] "r"(dy_), [ys] "r"(ys),\
                               [W0] "r"(W0), [W1] "r"(W1), [W2] "r"(W2), __VA_ARGS__                   \
                             : DW3_CLOB##CN##_);                                                       \
            q = nq;                                                                                    \
        }                                                                                              \
    } while (0)
/* the 4 sums' ends, each step of the 4 interleaved: 16 instructions (38 in the body: L = 76). The
 * product in place by p.mac t, t, m - 1 (rd += rs1 * rs2 with rd = rs1 = the sum: s + s (m - 1) = s m
 * modulo 2^32; .insn r 0x33, 0, 0x21 as scalar_ops.h's dory_mac_; 1 cycle on GVSOC, where mul is 2,
 * pulp/cpu/iss/pulp_iss_wrapper.cpp), then the addend and the shift in one p.addN / p.adduN rd, rs1,
 * rs2 (rd = (rd + rs1) >> rs2[4:0], arithmetic / logical: gvsoc-core isa_lib/int.h lib_ADD_NR /
 * lib_ADD_NRU; isa_pulpv2.py 'p.addN' '0100000 ----- ----- 010 ----- 1011011', 'p.adduN' '1100000
 * ...', Format_RRRR2: rd read and written; .insn r 0x5b, 2, 0x20 / 0x60): 2 instructions a sum where
 * mv + p.mac + shift took 3. */
#define DW3_END4_(OP) OP(t3) OP(t4) OP(t5) OP(t6)
#define DW3_MAXLO_(t) ".insn r 0x33, 6, 0x02, " #t ", " #t ", %[lo]\n\t"
#define DW3_MINHI_(t) ".insn r 0x33, 4, 0x02, " #t ", " #t ", %[hi]\n\t"
#define DW3_MUL_(t) ".insn r 0x33, 0, 0x21, " #t ", " #t ", %[cm1]\n\t"
#define DW3_ADDN_(t) ".insn r 0x5b, 2, 0x20, " #t ", %[cD], %[sh]\n\t"
#define DW3_ADDUN_(t) ".insn r 0x5b, 2, 0x60, " #t ", %[cD], %[sh]\n\t"
/* int32: clip((s m + D) >> shift); clamp: ((min(max(s, slo), shi) m + E') mod 2^32) >> shift, logical */
#define DW3_END_I32_ DW3_END4_(DW3_MUL_) DW3_END4_(DW3_ADDN_) DW3_END4_(DW3_MAXLO_) DW3_END4_(DW3_MINHI_)
#define DW3_END_CLAMP_ DW3_END4_(DW3_MAXLO_) DW3_END4_(DW3_MINHI_) DW3_END4_(DW3_MUL_) DW3_END4_(DW3_ADDUN_)
/* the ends' operands (DW3_MUL_: m - 1) */
#define DW3_ARGS1_I32_ [cm1] "r"(cm - 1), [cD] "r"(cD), [sh] "r"(sh_), [lo] "r"(lo), [hi] "r"(hi)
#define DW3_ARGS1_CLAMP_ [cm1] "r"(cm - 1), [cD] "r"(cD), [sh] "r"(sh_), [lo] "r"(slo), [hi] "r"(shi)
#define DW3_ASM4_I32U_(r) DW3_ASM4_(r, "0x44", "0x54", DW3_END_I32_, DW3_ARGS1_I32_)
#define DW3_ASM4_I32S_(r) DW3_ASM4_(r, "0x4c", "0x5c", DW3_END_I32_, DW3_ARGS1_I32_)
#define DW3_ASM4_CLAMPU_(r) DW3_ASM4_(r, "0x44", "0x54", DW3_END_CLAMP_, DW3_ARGS1_CLAMP_)
#define DW3_ASM4_CLAMPS_(r) DW3_ASM4_(r, "0x4c", "0x5c", DW3_END_CLAMP_, DW3_ARGS1_CLAMP_)
/* DW3_ASMQ2_(q, ...): stride 2 along the lines (sr == 2), the first 2 (n / 2) outputs of all the nq
 * lines of the channel in one asm block as DW3_ASMQ_, 2 outputs per step of hardware loop 0. A step's window starts are 4
 * bytes apart, as stride 1's 4-output step: p.lw of the words at 2r (output r: bytes 0..2 with W),
 * post-incrementing the 3 line pointers by 4, then lw at 2r + 2 (output r + 1, offset -2 from the
 * moved pointers, also with W); 6 dot products (the first per sum not accumulating), the 2 ends
 * interleaved, 2 p.sb post-incremented by ys: 22 instructions (L = 44); loop 1's body the inner
 * lp.setup, 22, 4 adds: L = 54. Encodings as DW3_STEP_'s. Each loaded word is first used at least
 * two instructions after its load. (A stride-1-shaped step, one word serving two outputs, cannot
 * exist at stride 2: output r + 1's window starts 2 bytes after output r's, 1 byte after its
 * middle tap, in any packing of a line that holds each byte once.) The step measures 26.1 cycles
 * for its 22 instructions (profile_kernels.py, core 1, the 128-channel 12x12 tile: 288 steps), ~1
 * of them the line's loop entry and exit; the others are not its misaligned loads (~4 a step at the
 * odd pitch L = 2 n + 1): an even pitch (L = Lr + 1, 3 a step) measured 25.2 against 24.9 with the
 * 6 loads first (p.lw, p.lw, p.lw, lw, lw, then the dot products between the last load and the
 * rest: 24.9 cycles a step, but kernels alone s2 32 / 64 / 128 ch 9,837 -> 10,052 / 15,808 ->
 * 15,954 / 18,744 -> 18,671 cycles: code layout took it back), and a step of plain loads at 0 and
 * 2 with 3 addi (25 instructions) 29.0.
 * Tried and measured slower overall (GVSOC): lines of pitch L + 1 (2 mod 4) from an aligned base
 * and a 4-output step of aligned loads only, a window at offset 2 joined from two words by
 * pv.shuffle2.h (48 instructions, 52 cycles for 4 outputs, 13.0 a output against 13.8): +3 loads a
 * line, the pitch's set-up and a larger function took it back (kernels alone s2 32 / 64 / 128 ch
 * 10,533 -> 10,948 / 17,738 -> 17,731 / 21,718 -> 22,532 cycles; MobileNetV1-1.0-128's s2 layers
 * 743,842 -> 754,868). With one-channel copies (2 instructions a byte, 4 new bytes an output) the
 * floor is 20 cycles an output before any per-channel or per-call cost: 3.6 MAC/cycle on 8 cores.
 * dw3_chans_s2_winu_'s one-channel copy is dw3_copy_even_asm_ inline (2.0 cycles a byte measured;
 * its dw3_copy_lines_ call cost ~40 cycles a channel more). One channel at a time, a 3x3 stride-2
 * output reads 4 new bytes of the HWC tile (a channel's bytes ci apart: byte loads), and its 3
 * dot products' words cost either a byte store each and 3 word loads (this buffer: 4 + 4 + 3) or,
 * packed in registers by pv.packlo.b / pv.packhi.b, 2 loads and 2 packs each (12): with the 3 dot
 * products and the end's 5 instructions ~19-20 an output, 3.6-3.8 MAC/cycle on 8 cores before any
 * per-channel or per-call cost. Issue 12's 4 needs fewer instructions a byte than one load and one
 * store or pack: the 4-channel transpose of word loads below, whose 4 slots need more scratch.
 * dw3_chans_s2_winu_ copies 4 channels at once (dw3_copy4_asm_, 18 instructions per 16 bytes):
 * measured (profile_kernels.py, core 1, warm run) the 32-channel 16x16 tile's 256 outputs a core
 * spend 13.0 cycles an output in the steps, 6.3 in the copy (1.6 a byte: its misaligned stores),
 * 4.3 in the channel loop around them and ~12 in the call's set-up (dw_3x3_t, dory_depthwise, the
 * plan's copy: mostly instruction-cache refills, the cluster's cache holding less than a call's
 * code); the 128-channel 12x12 tile's 576: 13.0, 6.5, 5.2 and ~4.5 (2.4 MAC/cycle). */
#define DW3_STEP2_(D0, DA, END)                                                                        \
    ".insn i 0x0b, 2, t0, %[s0], 4\n\t"                                                                \
    ".insn i 0x0b, 2, t1, %[s1], 4\n\t"                                                                \
    ".insn i 0x0b, 2, t2, %[s2], 4\n\t"                                                                \
    ".insn r 0x57, 1, " D0 ", t3, t0, %[W0]\n\t"                                                       \
    "lw t0, -2(%[s0])\n\t"                                                                             \
    ".insn r 0x57, 1, " DA ", t3, t1, %[W1]\n\t"                                                       \
    "lw t1, -2(%[s1])\n\t"                                                                             \
    ".insn r 0x57, 1, " DA ", t3, t2, %[W2]\n\t"                                                       \
    "lw t2, -2(%[s2])\n\t"                                                                             \
    ".insn r 0x57, 1, " D0 ", t4, t0, %[W0]\n\t"                                                       \
    ".insn r 0x57, 1, " DA ", t4, t1, %[W1]\n\t"                                                       \
    ".insn r 0x57, 1, " DA ", t4, t2, %[W2]\n\t"                                                       \
    END                                                                                                \
    ".insn r 0x2b, 4, 0, %[ys], %[yp], t3\n\t"                                                         \
    ".insn r 0x2b, 4, 0, %[ys], %[yp], t4\n\t"
#define DW3_ASMQ2_(q, D0, DA, END, ...)                                                                \
    DW3_LINES_(q, sr == 2, n >> 1, 2, "54", "44", DW3_STEP2_(D0, DA, END), 2, __VA_ARGS__)
/* the 2 sums' ends of a stride-2 step, interleaved, as the 4-output ends: the product in place by
 * p.mac s, s, m - 1, then the addend and the shift in one p.addN / p.adduN (8 instructions where mv,
 * p.mac into a temporary and a shift took 10) */
#define DW3_END2_(OP) OP(t3) OP(t4)
#define DW3_END2_I32_ DW3_END2_(DW3_MUL_) DW3_END2_(DW3_ADDN_) DW3_END2_(DW3_MAXLO_) DW3_END2_(DW3_MINHI_)
#define DW3_END2_CLAMP_ DW3_END2_(DW3_MAXLO_) DW3_END2_(DW3_MINHI_) DW3_END2_(DW3_MUL_) DW3_END2_(DW3_ADDUN_)
/* the stride-2 channel functions' ASMQ (their own functions, not a second block in the stride-1
 * ones: the larger channel functions raised the stride-1 layers' instruction-cache misses by ~8K
 * cycles per core on MobileNetV1's 8x8 layers) */
#define DW3_ASMQ2_I32U_(q) DW3_ASMQ2_(q, "0x44", "0x54", DW3_END2_I32_, DW3_ARGS1_I32_)
#define DW3_ASMQ2_CLAMPU_(q) DW3_ASMQ2_(q, "0x44", "0x54", DW3_END2_CLAMP_, DW3_ARGS1_CLAMP_)
#define DW3_ASMQ_I32U_(q) DW3_ASMQ_(q, "0x44", "0x54", DW3_END_I32_, DW3_ARGS1_I32_)
#define DW3_ASMQ_I32S_(q) DW3_ASMQ_(q, "0x4c", "0x5c", DW3_END_I32_, DW3_ARGS1_I32_)
#define DW3_ASMQ_CLAMPU_(q) DW3_ASMQ_(q, "0x44", "0x54", DW3_END_CLAMP_, DW3_ARGS1_CLAMP_)
#define DW3_ASMQ_CLAMPS_(q) DW3_ASMQ_(q, "0x4c", "0x5c", DW3_END_CLAMP_, DW3_ARGS1_CLAMP_)
/* DW3_ASMQ_CLAMPU_ with n >> 2 steps a line and the moves between lines given (ds, dy) */
#define DW3_ASMQD_CLAMPU_(q, n4, ds, dy)                                                               \
    DW3_LINES_D_(q, 1, n4, ds, dy, "86", "76", DW3_STEP_("0x44", "0x54", DW3_END_CLAMP_), 4,            \
                 [V0] "r"(V0), [V1] "r"(V1), [V2] "r"(V2), DW3_ARGS1_CLAMP_)
#else
#define DW3_ASMQ2_I32U_(q) ((void)0)
#define DW3_ASMQ2_CLAMPU_(q) ((void)0)
#define DW3_ASMQ_I32U_(q) ((void)0)
#define DW3_ASMQ_I32S_(q) ((void)0)
#define DW3_ASMQ_CLAMPU_(q) ((void)0)
#define DW3_ASMQ_CLAMPS_(q) ((void)0)
#define DW3_ASM4_I32U_(r) ((void)0)
#define DW3_ASM4_I32S_(r) ((void)0)
#define DW3_ASM4_CLAMPU_(r) ((void)0)
#define DW3_ASM4_CLAMPS_(r) ((void)0)
#endif

/* DW3_ONE_: one output from its three words (a0..a2: bytes r..r+3 of the 3 lines, taps in 0..2) */
#define DW3_ONE_(DOT0, SDOT, u, a0, a1, a2)                                                            \
    do {                                                                                               \
        DOT0(u, a0, W0);                                                                               \
        SDOT(u, a1, W1);                                                                               \
        SDOT(u, a2, W2);                                                                               \
    } while (0)
/* DW3_PAIR_: two adjacent outputs of a stride-1 line from the same three words (a0..a2: bytes
 * r..r+3 of the 3 lines): output r with the weights W (taps in bytes 0..2), output r + 1 with V
 * (the same taps one byte on) */
#define DW3_PAIR_(DOT0, SDOT, u, v, a0, a1, a2)                                                        \
    do {                                                                                               \
        DOT0(u, a0, W0);                                                                               \
        DOT0(v, a0, V0);                                                                               \
        SDOT(u, a1, W1);                                                                               \
        SDOT(v, a1, V1);                                                                               \
        SDOT(u, a2, W2);                                                                               \
        SDOT(v, a2, V2);                                                                               \
    } while (0)
/* NAME(k, xc, buf, yq): one channel (input at xc, output column q0's first row at yq) with the
 * end PUT, one call per channel so that every constant stays in a register across its columns:
 * its input bytes into the buffer (above), then every output column of the chunk. A column's n
 * rows: at stride 1, with ROWS4 4 rows per step from the loads at rows r and r + 2 (a taken branch
 * costs 3 cycles: fewer, longer steps; only for the int32 and clamp ends, the others' constants
 * would not all fit in the registers), then 2, then 1; other strides 2 rows per step. */
#define DW3T_CHANFN_(NAME, XT, VX, LD4X, SDOT, DOT0, STORE, ROWS4, ASM4, ASMQ)                                                     \
    static DORY_NOINLINE_ void NAME(const dw3_k_t *k, const uint8_t *xc, uint8_t *buf, uint8_t *yq)            \
    {                                                                                                          \
        const dory_v4s W0 = k->w[0], W1 = k->w[1], W2 = k->w[2], V0 = k->w[3], V1 = k->w[4], V2 = k->w[5];     \
        const int32_t cm = k->h.m, sh_ = k->sh, lo = k->lo, hi = k->hi, ks = k->ks, n = k->n, sr = k->sr;      \
        const int32_t slo = k->h.slo, ylo = k->h.ylo, yhi = k->h.yhi, shi = k->h.shi;                          \
        const uint32_t cD = k->h.D, dm = k->dm, mhm = k->mhm, wn = k->h.wn;                                    \
        const uint64_t cE = k->h.E, U = k->U;                                                                  \
        const size_t ys = k->ys, L = (size_t)k->L, cs = (size_t)k->sb * L;                                     \
        const int32_t nq = k->nq;                                                                              \
        const uint8_t *s_;                                                                                     \
        int32_t q;                                                                                             \
        (void)cm, (void)sh_, (void)lo, (void)hi, (void)ks, (void)cD, (void)dm, (void)mhm;                      \
        (void)cE, (void)U, (void)slo, (void)ylo, (void)yhi, (void)wn, (void)shi, (void)V0, (void)V1, (void)V2; \
        dw3_copy_lines_(k, xc, buf);                                                                           \
        q = 0;                                                                                                 \
        ASMQ(q);                                                                                               \
        for (s_ = buf; q < nq; q++, s_ += cs, yq += k->yl) {                                                   \
            const XT *s0 = (const XT *)s_, *s1 = (const XT *)(s_ + L), *s2 = (const XT *)(s_ + 2 * L);         \
            uint8_t *yp = yq;                                                                                  \
            int32_t r = 0;                                                                                     \
            ASM4(r);                                                                                           \
            if (sr == 1) {                                                                                     \
                for (; ROWS4 && r + 4 <= n; r += 4, s0 += 4, s1 += 4, s2 += 4) {                               \
                    VX e0 = LD4X(s0), e1 = LD4X(s1), e2 = LD4X(s2);                                            \
                    VX f0 = LD4X(s0 + 2), f1 = LD4X(s1 + 2), f2 = LD4X(s2 + 2);                                \
                    int32_t u0, u1, u2, u3;                                                    \
                    DW3_PAIR_(DOT0, SDOT, u0, u1, e0, e1, e2);                                                 \
                    DW3_PAIR_(DOT0, SDOT, u2, u3, f0, f1, f2);                                                 \
                    STORE(u0, yp, ys);                                                                                  \
                    STORE(u1, yp, ys);                                                                                  \
                    STORE(u2, yp, ys);                                                                                  \
                    STORE(u3, yp, ys);                                                                                  \
                }                                                                                              \
                for (; r + 2 <= n; r += 2, s0 += 2, s1 += 2, s2 += 2) {                                        \
                    VX e0 = LD4X(s0), e1 = LD4X(s1), e2 = LD4X(s2);                                            \
                    int32_t u, v;                                                                      \
                    DW3_PAIR_(DOT0, SDOT, u, v, e0, e1, e2);                                                   \
                    STORE(u, yp, ys);                                                                                  \
                    STORE(v, yp, ys);                                                                                  \
                }                                                                                              \
            } else {                                                                                           \
                for (; r + 2 <= n; r += 2, s0 += 2 * sr, s1 += 2 * sr, s2 += 2 * sr) {                         \
                    VX e0 = LD4X(s0), e1 = LD4X(s1), e2 = LD4X(s2);                                            \
                    VX f0 = LD4X(s0 + sr), f1 = LD4X(s1 + sr), f2 = LD4X(s2 + sr);                             \
                    int32_t u, v;                                                                      \
                    DOT0(u, e0, W0);                                                                           \
                    DOT0(v, f0, W0);                                                                           \
                    SDOT(u, e1, W1);                                                                           \
                    SDOT(v, f1, W1);                                                                           \
                    SDOT(u, e2, W2);                                                                           \
                    SDOT(v, f2, W2);                                                                           \
                    STORE(u, yp, ys);                                                                                  \
                    STORE(v, yp, ys);                                                                                  \
                }                                                                                              \
            }                                                                                                  \
            for (; r < n; r++, s0 += sr, s1 += sr, s2 += sr, yp += ys) {                                       \
                VX e0 = LD4X(s0), e1 = LD4X(s1), e2 = LD4X(s2);                                                \
                int32_t u;                                                                                 \
                DW3_ONE_(DOT0, SDOT, u, e0, e1, e2);                                                   \
                STORE(u, yp, 0);                                                                               \
            }                                                                                                  \
        }                                                                                                      \
    }

DW3T_CHANFN_(dw3_chan_u_i32_, uint8_t, dory_v4u, DW3_LDU_, DORY_SDOTP4_US, DW3_DOT0U_, DW3_ST_I32_, DW3_ROWS4_C_, DW3_ASM4_I32U_, DW3_ASMQ_I32U_)
DW3T_CHANFN_(dw3_chan_u_win2_, uint8_t, dory_v4u, DW3_LDU_, DORY_SDOTP4_US, DW3_DOT0U_, DW3_ST_WIN2_, 0, DW3_ASM4_NONE_, DW3_ASMQ_NONE_)
DW3T_CHANFN_(dw3_chan_u_win3_, uint8_t, dory_v4u, DW3_LDU_, DORY_SDOTP4_US, DW3_DOT0U_, DW3_ST_WIN3_, 0, DW3_ASM4_NONE_, DW3_ASMQ_NONE_)
DW3T_CHANFN_(dw3_chan_u_win2l_, uint8_t, dory_v4u, DW3_LDU_, DORY_SDOTP4_US, DW3_DOT0U_, DW3_ST_WIN2L_, 0, DW3_ASM4_NONE_, DW3_ASMQ_NONE_)
DW3T_CHANFN_(dw3_chan_u_gen_, uint8_t, dory_v4u, DW3_LDU_, DORY_SDOTP4_US, DW3_DOT0U_, DW3_ST_GEN_, 0, DW3_ASM4_NONE_, DW3_ASMQ_NONE_)
DW3T_CHANFN_(dw3_chan_s_i32_, int8_t, dory_v4s, DW3_LDS_, DORY_SDOTP4_SS, DW3_DOT0S_, DW3_ST_I32_, DW3_ROWS4_C_, DW3_ASM4_I32S_, DW3_ASMQ_I32S_)
DW3T_CHANFN_(dw3_chan_s_win2_, int8_t, dory_v4s, DW3_LDS_, DORY_SDOTP4_SS, DW3_DOT0S_, DW3_ST_WIN2_, 0, DW3_ASM4_NONE_, DW3_ASMQ_NONE_)
DW3T_CHANFN_(dw3_chan_s_win3_, int8_t, dory_v4s, DW3_LDS_, DORY_SDOTP4_SS, DW3_DOT0S_, DW3_ST_WIN3_, 0, DW3_ASM4_NONE_, DW3_ASMQ_NONE_)
DW3T_CHANFN_(dw3_chan_s_win2l_, int8_t, dory_v4s, DW3_LDS_, DORY_SDOTP4_SS, DW3_DOT0S_, DW3_ST_WIN2L_, 0, DW3_ASM4_NONE_, DW3_ASMQ_NONE_)
DW3T_CHANFN_(dw3_chan_s_gen_, int8_t, dory_v4s, DW3_LDS_, DORY_SDOTP4_SS, DW3_DOT0S_, DW3_ST_GEN_, 0, DW3_ASM4_NONE_, DW3_ASMQ_NONE_)
DW3T_CHANFN_(dw3_chan_u_clamp_, uint8_t, dory_v4u, DW3_LDU_, DORY_SDOTP4_US, DW3_DOT0U_, DW3_ST_CLAMP_, DW3_ROWS4_C_, DW3_ASM4_CLAMPU_, DW3_ASMQ_CLAMPU_)
DW3T_CHANFN_(dw3_chan_s_clamp_, int8_t, dory_v4s, DW3_LDS_, DORY_SDOTP4_SS, DW3_DOT0S_, DW3_ST_CLAMP_, DW3_ROWS4_C_, DW3_ASM4_CLAMPS_, DW3_ASMQ_CLAMPS_)
/* stride 2, u8 input, the int32 and clamp ends: the channel's input bytes into the buffer, as
 * DW3T_CHANFN_'s, then every line's pairs of outputs in DW3_ASMQ2_ and, n odd, every line's last
 * output in C. No other C steps, and no s8 instances (s8 inputs keep the C steps of the functions
 * above): the L2 holding MobileNetV2-1.0-128's code has no room for more (its inputs are u8). */
#if defined(DORY_XPULPV2)
#define DW3T_CHANFN2_(NAME, VX, LD4X, SDOT, DOT0, STORE, ASMQ2, LOAD_ARGS)                             \
    static DORY_NOINLINE_ void NAME(const dw3_k_t *k, const uint8_t *xc, uint8_t *buf, uint8_t *yq)    \
    {                                                                                                  \
        const dory_v4s W0 = k->w[0], W1 = k->w[1], W2 = k->w[2];                                       \
        const int32_t cm = k->h.m, sh_ = k->sh, n = k->n, sr = k->sr, nq = k->nq;                      \
        const uint32_t cD = k->h.D;                                                                    \
        const size_t ys = k->ys, L = (size_t)k->L, cs = (size_t)k->sb * L;                             \
        LOAD_ARGS;                                                                                     \
        int32_t q = 0;                                                                                 \
        dw3_copy_lines_(k, xc, buf);                                                                   \
        ASMQ2(q);                                                                                      \
        if (n & 1) {                                                                                   \
            const uint8_t *s_ = buf + (size_t)(n - 1) * (size_t)sr;                                    \
            for (q = 0; q < nq; q++, s_ += cs) {                                                       \
                VX e0 = LD4X(s_), e1 = LD4X(s_ + L), e2 = LD4X(s_ + 2 * L);                            \
                uint8_t *yp = yq + (size_t)(n - 1) * ys + (size_t)q * k->yl;                           \
                int32_t u;                                                                             \
                DW3_ONE_(DOT0, SDOT, u, e0, e1, e2);                                                   \
                STORE(u, yp, 0);                                                                       \
            }                                                                                          \
        }                                                                                              \
    }
#define DW3_LOAD_I32_ const int32_t lo = k->lo, hi = k->hi
#define DW3_LOAD_CLAMP_ const int32_t slo = k->h.slo, shi = k->h.shi
DW3T_CHANFN2_(dw3_chan_u_i32_s2_, dory_v4u, DW3_LDU_, DORY_SDOTP4_US, DW3_DOT0U_, DW3_ST_I32_, DW3_ASMQ2_I32U_, DW3_LOAD_I32_)
DW3T_CHANFN2_(dw3_chan_u_clamp_s2_, dory_v4u, DW3_LDU_, DORY_SDOTP4_US, DW3_DOT0U_, DW3_ST_CLAMP_, DW3_ASMQ2_CLAMPU_, DW3_LOAD_CLAMP_)
#define DW3_S2_FNS_ 1
#else /* no asm: the stride-1 functions' C steps serve stride 2 as well */
#define DW3_S2_FNS_ 0
#endif

/* The weight word of a window line from its first tap t, the taps tl apart: (t[0], t[tl], t[2 tl],
 * 0), byte b of a vector in bits 8b..8b+7 (dory/simd.h's layout on the little-endian targets and
 * hosts dory runs on). */
static inline uint32_t dw3_wline_(const uint8_t *t, size_t tl)
{
    return (uint32_t)t[0] | (uint32_t)t[tl] << 8 | (uint32_t)t[2 * tl] << 16;
}

/* Stride 1, u8 input, a DW3_WINDOW call, every line's outputs whole 4-output steps (n a multiple
 * of 4): the chunk's channels [c0, c1) in one call, each channel's weight words, window constants
 * (dw3_win_consts_, inline), input copy and DW3_ASMQ_ block in one loop: the per-channel call of a
 * channel function, its register saves and restores and k's ~30 field loads, the weight words'
 * stores into k and the out-of-line dw3_chan_win_ cost ~300 cycles a channel on GVSOC (the bench's
 * 128-channel 8x8 tile: 16 channels of 64 outputs a core). xc, yq: channel c0's input and output
 * (as the channel functions'); wc its 9 weights, the window's line j starting at tap j * jl, its 3
 * taps tl apart (dw_3x3_t). Returns the first channel it did not do: c1, or a channel whose
 * constants fail dw3_win_consts_'s checks, which the caller takes through its per-channel dispatch
 * (not called from here: the cluster cores' 1 KiB stacks hold no further frames). */
#if defined(DORY_XPULPV2)
static DORY_NOINLINE_ int32_t dw3_chans_s1_winu_(const dw3_k_t *k, const dory_rqf_t *f, const uint8_t *xc, uint8_t *buf,
                                              uint8_t *yq, const uint8_t *wc, int32_t c0, int32_t c1, size_t jl,
                                              size_t tl)
{
    /* the copy's operands, once a call (computed from k's fields by multiplies in every channel
     * before: k's fields cannot stay in registers across the asm, which clobbers memory; locals
     * can, or in their stack slots: one load each). nl 0: not dw3_copy_even_'s case. Only what is
     * computed: a hoisted load is a load from the stack instead of from k, and every slot grows
     * this frame (the deepest of a depthwise call's; the cluster cores' stacks are 1 KiB). */
    const int32_t j0 = k->j0, ni = k->i1 - k->i0;
    const int32_t nl = ni >= 2 && (ni & 1) == 0 && k->j1 > j0 ? k->j1 - j0 : 0; /* dw3_copy_even_'s test */
    uint8_t *const cd = buf + (size_t)j0 * (size_t)k->L + (size_t)k->i0;
    const size_t xn = k->bs - (size_t)ni * k->as, dn = (size_t)k->L - (size_t)ni;
    /* and DW3_LINES_'s (n a multiple of 4): steps a line, moves between lines */
    const int32_t n4 = k->n >> 2;
    const size_t ds = (size_t)k->sb * (size_t)k->L - 4 * (size_t)n4, dy = k->yl - 4 * (size_t)n4 * k->ys;
    /* the usual plan (bias, mul and add int32 vectors): its constants without dw3_win_consts_'s
     * four tests a channel */
    const int vec = f->bias && f->mul && f->add && !f->add64;
    int32_t c;
    for (c = c0; c < c1; c++, wc += 9, xc++, yq++) {
        dw3_cw_t h;
        /* the copy first: across it only the loop's own values stay live (the weight words and
         * constants after it; the cluster cores' stacks are 1 KiB and this frame is the deepest of a
         * depthwise call's). A channel failing the window's checks then leaves (the caller's channel
         * function copies its bytes again). */
        if (nl)
            dw3_copy_even_asm_(cd, xc, nl, ni >> 1, k->as, xn, dn);
        else
            dw3_copy_lines_(k, xc, buf);
        if (DW3_WIN_CHAN_(f, vec, c, &h) != DW3_CLAMP)
            break;
        {
            /* the names DW3_ASMQ_ reads; k's fields reloaded in every channel (the asm clobbers memory:
             * no stack slots for them) */
            const int32_t sh_ = k->sh, nq = k->nq;
            const size_t ys = k->ys, L = (size_t)k->L;
            /* the weight words as dw_3x3_t builds them (W: taps in bytes 0..2, V: one byte up) */
            uint32_t W0, W1, W2, V0, V1, V2;
            if (jl == 3) {
                /* row-major: the window's lines are the weight rows, 3 contiguous bytes each: one
                 * (misaligned) word load a row, inside the channel's 9 bytes (row 2 from byte 5: its
                 * byte 0 shifted out) */
                uint32_t a0 = dw3_lw_(wc), a1 = dw3_lw_(wc + 3), a2 = dw3_lw_(wc + 5);
                V0 = a0 << 8, V1 = a1 << 8, W2 = a2 >> 8;
                W0 = V0 >> 8, W1 = V1 >> 8, V2 = W2 << 8;
            } else {
                /* jl opaque here (an empty asm "changes" it): else GCC keeps wc + jl and wc + 2 jl as
                 * two more pointers stepped by 9 a channel, stack slots loaded, stepped and stored
                 * in every channel of either branch */
                size_t jo = jl;
                __asm__("" : "+r"(jo));
                const uint8_t *t0 = wc, *t1 = wc + jo, *t2 = wc + 2 * jo;
                W0 = (uint32_t)t0[0] | (uint32_t)t0[tl] << 8 | (uint32_t)t0[2 * tl] << 16;
                W1 = (uint32_t)t1[0] | (uint32_t)t1[tl] << 8 | (uint32_t)t1[2 * tl] << 16;
                W2 = (uint32_t)t2[0] | (uint32_t)t2[tl] << 8 | (uint32_t)t2[2 * tl] << 16;
                V0 = W0 << 8, V1 = W1 << 8, V2 = W2 << 8;
            }
            int32_t q = 0;
            {
                const int32_t cm = h.m, slo = h.slo, shi = h.shi;
                const uint32_t cD = h.D;
                DW3_ASMQD_CLAMPU_(q, n4, ds, dy); /* every line: q = nq */
                (void)q;
            }
        }
    }
    return c;
}
#define DW3_FUSED_S1_ 1
#else
#define DW3_FUSED_S1_ 0
#endif

#if defined(DORY_XPULPV2)
/* 4 channels' input bytes into 4 slots of the buffer, B bytes apart (channel c + s in slot s), in
 * one asm block: nl lines of 4 n4 bytes, read as apart along a line; xn, dn: source and destination
 * moves from a line's end to the next line's start (as dw3_copy_even_asm_'s). A step of hardware
 * loop 0: 4 word loads of 4 consecutive pixels of the line (p.lw rd, as(s!) = .insn r 0x0b, 7, 0x10:
 * 'LW_RR_POSTINC' '0010000 ----- ----- 111 ----- 0001011', Format_LRPOST), each the 4 channels of a
 * pixel (A = a0..a3 for the line's byte i, B, C, D for i + 1 .. i + 3), transposed into the words
 * (a_s, b_s, c_s, d_s) of the 4 channels by 10 instructions: pv.shuffle2.b rd, rs1, sel (.insn r
 * 0x57, 1, 0x64; isa_pulpv2.py '110010- ----- ----- 001 ----- 1010111', Format_RRRR: byte i of rd =
 * byte sel_i & 3 of (sel_i & 4 ? rs1 : rd), gvsoc-core isa_lib/int.h lib_VEC_SHUFFLE2_8) makes
 * P = (a0 b0 a2 b2) from a copy of A (mv) and Q = (a1 b1 a3 b3) in A, R and S the same from C, D;
 * pv.pack.h rd, rs1, rs2 (.insn r 0x57, 0, 0x68; '1101000 ----- ----- 000 ----- 1010111': rd =
 * rs1[15:0] << 16 | rs2[15:0]) joins channel 0 (R, P) and 1 (S, Q); pv.shuffle2.h (.insn r 0x57, 0,
 * 0x64: halfword i of rd = halfword sel_i & 1 of (sel_i & 2 ? rs1 : rd)) channel 2 (P's high half,
 * R's) in P and 3 in Q. Then 4 word stores post-incremented by B, B, B and 4 - 3 B (p.sw rs2,
 * rs3(rs1!) = .insn r 0x2b, 6, 0, rs3, rs1, rs2: 'SW_RR_POSTINC' '0000000 ----- ----- 110 -----
 * 0101011', Format_SRPOST, as DW3_SB_'s byte store). 18 instructions a step, 16 bytes: 1.1 a byte
 * where the one-channel copy takes 2. Loop 1 over the lines as dw3_copy_even_asm_'s (its body the
 * inner lp.setup, 18 and 2 adds: 21 instructions). Counts >= 1. */
static inline void dw3_copy4_asm_(uint8_t *d, const uint8_t *xc, int32_t nl, int32_t n4, size_t as, size_t xn, size_t dn,
                                  size_t B)
{
    const uint32_t sp = 0x06020400u, sq = 0x07030501u, shh = 0x00030001u;
    const size_t bk = 4u - 3u * B;
    __asm__ volatile(".option push\n\t"
                     ".option norvc\n\t" /* 32-bit instructions only: the loop ends count them */
                     ".insn i 0x7b, 4, x1, %[nl], 42\n\t"
                     ".insn i 0x7b, 4, x0, %[n4], 36\n\t"
                     ".insn r 0x0b, 7, 0x10, t0, %[s], %[as]\n\t"
                     ".insn r 0x0b, 7, 0x10, t1, %[s], %[as]\n\t"
                     ".insn r 0x0b, 7, 0x10, t2, %[s], %[as]\n\t"
                     ".insn r 0x0b, 7, 0x10, t3, %[s], %[as]\n\t"
                     "mv t4, t0\n\t"
                     ".insn r 0x57, 1, 0x64, t4, t1, %[sp]\n\t"
                     ".insn r 0x57, 1, 0x64, t0, t1, %[sq]\n\t"
                     "mv t5, t2\n\t"
                     ".insn r 0x57, 1, 0x64, t5, t3, %[sp]\n\t"
                     ".insn r 0x57, 1, 0x64, t2, t3, %[sq]\n\t"
                     ".insn r 0x57, 0, 0x68, t6, t5, t4\n\t"
                     ".insn r 0x57, 0, 0x68, t1, t2, t0\n\t"
                     ".insn r 0x57, 0, 0x64, t4, t5, %[shh]\n\t"
                     ".insn r 0x57, 0, 0x64, t0, t2, %[shh]\n\t"
                     ".insn r 0x2b, 6, 0, %[B], %[d], t6\n\t"
                     ".insn r 0x2b, 6, 0, %[B], %[d], t1\n\t"
                     ".insn r 0x2b, 6, 0, %[B], %[d], t4\n\t"
                     ".insn r 0x2b, 6, 0, %[bk], %[d], t0\n\t"
                     "add %[s], %[s], %[xn]\n\t"
                     "add %[d], %[d], %[dn]\n\t"
                     ".option pop"
                     : [d] "+r"(d), [s] "+r"(xc)
                     : [nl] "r"(nl), [n4] "r"(n4), [as] "r"(as), [xn] "r"(xn), [dn] "r"(dn), [B] "r"(B),
                       [bk] "r"(bk), [sp] "r"(sp), [sq] "r"(sq), [shh] "r"(shh)
                     : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "memory");
}

/* Channels xc[0..3]'s input bytes into the 4 slots (B apart) of buf: whole steps of 4 bytes a
 * line in dw3_copy4_asm_, a line's last (i1 - i0) mod 4 bytes in C. */
static DORY_NOINLINE_ void dw3_copy4_(const dw3_k_t *k, const uint8_t *xc, uint8_t *buf, size_t B)
{
    const int32_t nl = k->j1 - k->j0, ni = k->i1 - k->i0, n4 = ni >> 2;
    const size_t L = (size_t)k->L, as = k->as, bs = k->bs;
    uint8_t *d = buf + (size_t)k->j0 * L + (size_t)k->i0;
    int32_t j, i, s;
    if (nl <= 0)
        return;
    if (n4 > 0)
        dw3_copy4_asm_(d, xc, nl, n4, as, bs - 4 * (size_t)n4 * as, L - 4 * (size_t)n4, B);
    for (i = 4 * n4; i < ni; i++)
        for (j = 0; j < nl; j++)
            for (s = 0; s < 4; s++)
                d[(size_t)s * B + (size_t)j * L + (size_t)i] = xc[(size_t)j * bs + (size_t)i * as + (size_t)s];
}

/* Stride 2 along the lines, u8 input, a DW3_WINDOW call: the chunk's channels [c0, c1) in one call,
 * as dw3_chans_s1_winu_ (its arguments the same), each channel's pairs of outputs in DW3_ASMQ2_'s
 * block and, n odd, every line's last output in C. With B > 0 (the buffer holds 4 slots of B bytes,
 * their pads zeroed by the caller), each 4 channels' input bytes are copied at once by dw3_copy4_
 * and channel c0 + 4 i + s reads slot s; the last c1 - c0 mod 4 channels, and every one with B = 0,
 * by the one-channel copy into slot 0. Returns the first channel it did not do (a channel failing
 * dw3_win_consts_'s checks: the caller's per-channel dispatch copies its bytes into slot 0 again). */
static DORY_NOINLINE_ int32_t dw3_chans_s2_winu_(const dw3_k_t *k, const dory_rqf_t *f, const uint8_t *xc, uint8_t *buf,
                                              size_t B, uint8_t *yq, const uint8_t *wc, int32_t c0, int32_t c1,
                                              size_t jl, size_t tl)
{
    const int32_t n2 = k->n >> 1;
    const size_t ds = (size_t)k->sb * (size_t)k->L - 4 * (size_t)n2, dy = k->yl - 2 * (size_t)n2 * k->ys;
    const int vec = f->bias && f->mul && f->add && !f->add64;
    int32_t c, g = 0; /* g: the channels of the 4 slots not done yet (channel c in slot 4 - g) */
    for (c = c0; c < c1; c++, wc += 9, xc++, yq++) {
        dw3_cw_t h;
        uint8_t *bc = buf;
        if (B && g == 0 && c1 - c >= 4) {
            dw3_copy4_(k, xc, buf, B);
            g = 4;
        }
        if (g)
            bc = buf + (size_t)(4 - g--) * B;
        else
            dw3_copy_lines_(k, xc, buf);
        if (DW3_WIN_CHAN_(f, vec, c, &h) != DW3_CLAMP)
            break;
        {
            /* the names DW3_LINES_D_ reads (buf: the channel's slot) */
            const int32_t sh_ = k->sh, nq = k->nq, n = k->n;
            const size_t ys = k->ys, L = (size_t)k->L;
            const uint32_t W0 = dw3_wline_(wc, tl), W1 = dw3_wline_(wc + jl, tl), W2 = dw3_wline_(wc + 2 * jl, tl);
            const int32_t cm = h.m, slo = h.slo, shi = h.shi;
            const uint32_t cD = h.D;
            uint8_t *const buf = bc;
            int32_t q = 0;
            DW3_LINES_D_(q, 1, n2, ds, dy, "54", "44", DW3_STEP2_("0x44", "0x54", DW3_END2_CLAMP_), 2,
                         DW3_ARGS1_CLAMP_);
            if (n & 1) {
                const uint8_t *s_ = buf + (size_t)(n - 1) * 2u;
                uint8_t *yp = yq + (size_t)(n - 1) * ys;
                for (q = 0; q < nq; q++, s_ += (size_t)k->sb * L, yp += k->yl) {
                    uint32_t e0 = dw3_lw_(s_), e1 = dw3_lw_(s_ + L), e2 = dw3_lw_(s_ + 2 * L);
                    uint8_t *yo = yp;
                    int32_t u;
                    DW3_ONE_(DW3_DOT0U_, DORY_SDOTP4_US, u, e0, e1, e2);
                    DW3_ST_CLAMP_(u, yo, 0);
                }
            }
        }
    }
    return c;
}
#define DW3_FUSED_S2_ 1
#else
#define DW3_FUSED_S2_ 0
#endif

/* n bytes at p zero: the pad lines of dw_3x3_t's chunk (a few tens of bytes, a memset call cost
 * ~100 cycles of them on GVSOC). With DORY_XPULPV2 two post-incrementing byte stores of x0 a step
 * of hardware loop 0 (lp.setup x0, rs1, 4 = .insn i 0x7b, 4, x0, rs1, 4: its 2 instructions; p.sb
 * rs2, imm(rs1!) = .insn s 0x2b, 0, as dw3_copy_even_asm_'s), an odd last byte in C. */
static inline void dw3_zero_(uint8_t *p, size_t n)
{
#if defined(DORY_XPULPV2)
    if (n >= 2)
        __asm__ volatile(".option push\n\t"
                         ".option norvc\n\t" /* 32-bit instructions only: the loop end counts them */
                         ".insn i 0x7b, 4, x0, %[n2], 4\n\t"
                         ".insn s 0x2b, 0, x0, 1(%[p])\n\t"
                         ".insn s 0x2b, 0, x0, 1(%[p])\n\t"
                         ".option pop"
                         : [p] "+r"(p)
                         : [n2] "r"(n >> 1)
                         : "memory");
    if (n & 1)
        *p = 0;
#else
    memset(p, 0, n);
#endif
}

/* The pad bytes of n lines (pitch L) at the ends of their input bytes [i0, i1): line byte 0 when
 * i0 = 1, byte i1 when ne = 1 (the usual 3x3 pads; 0 when the other pad is absent). With
 * DORY_XPULPV2 two post-incrementing byte stores of x0 a step of hardware loop 0 (p.sb x0, L(p!) =
 * .insn r 0x2b, 4, 0, L, p, x0 as DW3_SB_; lp.setup as dw3_zero_'s; a pad that is absent stores
 * the other's byte twice): 2 cycles a line, where the C loop's tests and branches took ~11 (~700
 * cycles of the 4-slot stride-2 tile's 64 lines). Counts >= 1. */
static inline void dw3_zero_ends_(uint8_t *line, size_t L, int32_t n, int32_t i0, int32_t i1, int32_t ne)
{
    uint8_t *p = i0 ? line : line + i1, *q = ne ? line + i1 : p;
#if defined(DORY_XPULPV2)
    __asm__ volatile(".option push\n\t"
                     ".option norvc\n\t"
                     ".insn i 0x7b, 4, x0, %[n], 4\n\t"
                     ".insn r 0x2b, 4, 0, %[L], %[p], x0\n\t"
                     ".insn r 0x2b, 4, 0, %[L], %[q], x0\n\t"
                     ".option pop"
                     : [p] "+r"(p), [q] "+r"(q)
                     : [n] "r"(n), [L] "r"(L)
                     : "memory");
#else
    for (; n > 0; n--, p += L, q += L)
        *p = 0, *q = 0;
#endif
}

/* The pads (and the slack) of a chunk of np lines zero in each of its ns slots (B bytes apart):
 * whole pad lines, the pad ends of the input lines [j0, j1) (the bytes past a line's Lr bytes at
 * pitch L are only read as a step's 4th byte: its weight 0). The pads other than dw_3x3_t's usual
 * ones (0 or 1 byte at either end); out of line: its locals and code out of dw_3x3_t's frame (the
 * cluster cores' stacks are 1 KiB) and hot path. */
static DORY_NOINLINE_ void dw3_zero_pads_(const dw3_k_t *k, uint8_t *buf, size_t B, int32_t ns, int32_t Lr, int32_t np)
{
    const int32_t L = k->L, i0 = k->i0, i1 = k->i1, j0 = k->j0, j1 = k->j1, ne = Lr - i1;
    int32_t sl, j;
    for (sl = 0; sl < ns; sl++) {
        uint8_t *const zb = buf + (size_t)sl * B;
        dw3_zero_(zb, (size_t)j0 * (size_t)L);
        if (i0 <= 2 && ne <= 2) {
            /* the usual pads (1 or 2 bytes at a line's ends): byte stores, not two memset calls
             * per line (~20 cycles each on GVSOC: ~650 of a 16-line chunk's) */
            uint8_t *p = zb + (size_t)j0 * (size_t)L;
            for (j = j0; j < j1 && (i0 > 0 || ne > 0); j++, p += L) {
                if (i0 > 0)
                    p[0] = 0;
                if (i0 > 1)
                    p[1] = 0;
                if (ne > 0)
                    p[i1] = 0;
                if (ne > 1)
                    p[i1 + 1] = 0;
            }
        } else {
            /* each memset under its own test: the pads are never negative, but gcc -O3 cannot see
             * it and warns (-Wstringop-overflow), and an object compiled with a warning is not
             * kept by backends/cc_cache.py, so the L2-reserve measurement recompiled this file
             * on every dory-compile for gap8/gap9 (~2 s) */
            for (j = j0; j < j1 && (i0 > 0 || ne > 0); j++) {
                if (i0 > 0)
                    memset(zb + (size_t)j * (size_t)L, 0, (size_t)i0);
                if (ne > 0)
                    memset(zb + (size_t)j * (size_t)L + i1, 0, (size_t)ne);
            }
        }
        dw3_zero_(zb + (size_t)j1 * (size_t)L, (size_t)(np - j1) * (size_t)L + 4u);
    }
}

/* The transposed tile over rows [r0, r1) x channels [c0, c1) with cap bytes of buffer (at least
 * 3 lines of the longer output side's padded extent, plus the last load's slack: what the tiler
 * budgets covers the whole padded tile). The buffer's lines run along the longer output side
 * (outputs per line n >= lines): the per-line costs (loop entry, the copy's line loop) are paid
 * on the fewer lines. Column-major (lines are padded columns, n = r1 - r0 outputs along the
 * rows) is the window as given; row-major (lines are padded rows, n = wo) is the same sums on
 * the transposed tile with the transposed weights (the window's line j is then its row j). The
 * lines are taken in chunks of the most that fit in cap. fp: the end's plan. */
static DORY_NOINLINE_ void dw_3x3_t(const dory_conv_args_t *a, const dory_rqf_t *fp, uint8_t *buf, size_t cap,
                                    int32_t r0, int32_t r1, int32_t c0, int32_t c1)
{
    typedef void (*chan_t)(const dw3_k_t *, const uint8_t *, uint8_t *, uint8_t *);
    static const chan_t chan_fn[2][6] = {
        {dw3_chan_u_i32_, dw3_chan_u_win2_, dw3_chan_u_win3_, dw3_chan_u_win2l_, dw3_chan_u_gen_,
         dw3_chan_u_clamp_},
        {dw3_chan_s_i32_, dw3_chan_s_win2_, dw3_chan_s_win3_, dw3_chan_s_win2l_, dw3_chan_s_gen_,
         dw3_chan_s_clamp_}};
    const int8_t *w = (const int8_t *)a->w;
    const uint8_t *x = (const uint8_t *)a->x;
    int xs = a->x_type == DORY_S8;
    size_t ci = (size_t)a->ci, rs = (size_t)a->wi * ci, ys_row = (size_t)a->wo * (size_t)a->co;
    /* rm: row-major. Along a line: n outputs at stride sa from padded index e0 of the layer (pad
     * ea before input index 0, ne input indices); across: nb output lines at stride sb from padded
     * index f0 (pad fa, nf input indices). */
    /* a square stride-1 tile row-major: the fused loop's weight words are then word loads */
    int rm = a->wo > r1 - r0 || (a->wo == r1 - r0 && a->sh == 1 && a->sw == 1);
    int32_t n = rm ? a->wo : r1 - r0, nb = rm ? r1 - r0 : a->wo;
    int32_t sa = rm ? a->sw : a->sh, sb = rm ? a->sh : a->sw;
    int32_t e0 = rm ? 0 : r0 * a->sh, ea = rm ? a->pl : a->pt, ne = rm ? a->wi : a->hi;
    int32_t f0 = rm ? r0 * a->sh : 0, fa = rm ? a->pt : a->pl, nf = rm ? a->hi : a->wi;
    /* Lr: a line's bytes; L: the lines' pitch (Lr, or Lr rounded up to 4 bytes for the 4-channel
     * copy below: its word stores and half the step's loads aligned) */
    int32_t Lr = (n - 1) * sa + 3, L = Lr;
    int32_t i0 = ea - e0 > 0 ? ea - e0 : 0, i1 = ne + ea - e0 < Lr ? ne + ea - e0 : Lr;
    /* lines per chunk, and so output lines per chunk */
    int32_t nl, qn, q0, c, kind;
#if DW3_S2_FNS_
    static const chan_t chan_fn2[2][6] = {
        {dw3_chan_u_i32_s2_, dw3_chan_u_win2_, dw3_chan_u_win3_, dw3_chan_u_win2l_, dw3_chan_u_gen_,
         dw3_chan_u_clamp_s2_},
        {dw3_chan_s_i32_, dw3_chan_s_win2_, dw3_chan_s_win3_, dw3_chan_s_win2l_, dw3_chan_s_gen_,
         dw3_chan_s_clamp_}};
    const chan_t *fns = sa == 2 ? chan_fn2[xs] : chan_fn[xs];
#else
    const chan_t *fns = chan_fn[xs];
#endif
    const dory_rqf_t *f = fp;
    dw3_k_t k;
    int64_t lo;
    int fastw;
    /* B: the 4-channel copy's slot (dw3_chans_s2_winu_), 0 without it; ns: the slots */
    size_t B = 0;
    int32_t ns = 1;
    if (i1 < i0)
        i1 = i0;
    k.U = 0; /* not set by every kind */
    kind = dw3_kind_(f, &k.U);
#if DW3_FUSED_S2_
    if (kind == DW3_WINDOW && !xs && sa == 2 && c1 - c0 >= 4 && ((uintptr_t)buf & 3u) == 0) {
        /* 4 slots of the core's lines at pitch ceil4(Lr), when its slice of the scratch holds them */
        size_t P = ((size_t)Lr + 3u) & ~(size_t)3u, b4 = ((size_t)((nb - 1) * sb + 3) * P + 4u + 3u) & ~(size_t)3u;
        if (4u * b4 <= cap)
            B = b4, ns = 4, L = (int32_t)P;
    }
#endif
    if ((size_t)((nb - 1) * sb + 3) * (size_t)L + 4u <= cap) {
        /* the usual tile (the tiler budgets the whole padded tile): all its lines in one chunk,
         * without the two divisions below (~35 cycles each on GVSOC) */
        qn = nb;
    } else {
        nl = (int32_t)((cap - 4u) / (size_t)L);
        qn = (nl - 3) / sb + 1;
    }
    /* k's fields are all set below (w and c per channel) but U (not by every kind) and h (the
     * channel functions load all its fields, the constants functions set those of their end):
     * zeroed, not the whole k (a memset call, ~100 cycles) */
    memset(&k.h, 0, sizeof k.h);
    /* few outputs per channel: the window interval's set-up (a few hundred cycles per channel) costs
     * more than the int64 end per sum saves (passes/tiling/paths.py DW3_WIN2_MIN_OUTS mirrors the
     * bound; with dw3_chan_'s 32-bit division MobileNetV1's 4x4 layers, 16 outputs per channel on a
     * core, gain from the window: Conv_578 205,804 -> 194,944 cycles) */
    if (kind == DW3_WIN2 && (r1 - r0) * a->wo < 16)
        kind = DW3_WIN2L;
    /* DW3_WIN2 channels through dw3_chan_clamp_ when the call allows its common case */
    lo = (int64_t)f->min * ((int64_t)1 << f->shift);
    fastw = kind == DW3_WIN2 && !f->add64 && f->shift <= 24;
    k.sh = f->shift, k.lo = f->min, k.hi = f->max;
    k.dm = f->dm, k.mhm = f->dmh ? ~0u : 0u, k.ks = f->dmh ? f->ds - 1 : f->ds; /* mode 3: M's words, S - 32 */
    k.y8 = (uint8_t *)a->y, k.f = f;
    k.n = n, k.sr = sa, k.sb = sb, k.L = L, k.i0 = i0, k.i1 = i1;
    k.as = rm ? ci : rs, k.bs = rm ? rs : ci;
    k.ys = rm ? (size_t)a->co : ys_row, k.yl = rm ? ys_row : (size_t)a->co;
    for (q0 = 0; q0 < nb; q0 += qn) {
        int32_t q1 = nb - q0 > qn ? q0 + qn : nb, np, p0 = f0 + q0 * sb;
        size_t xo; /* the input offset of the chunk's first input byte (line j0, index i0) */
        k.nq = q1 - q0, np = (k.nq - 1) * sb + 3;
        /* the chunk's lines [0, np) are padded indices p0 + j: input ones in [j0, j1) */
        k.j0 = fa - p0 > 0 ? fa - p0 : 0;
        k.j1 = nf + fa - p0 < np ? nf + fa - p0 : np;
        if (k.j1 < k.j0)
            k.j1 = k.j0;
        /* i0, i1 read from k in this loop: as locals live across it they took dw_3x3_t's frame from
         * 352 to 368 bytes (-fstack-usage) with the 4-channel copy's B, over the cluster's 1 KiB
         * stacks on GVSOC (a stride-3 tile with a two-stage chain: the generic end under it) */
        xo = (size_t)(e0 + k.i0 - ea) * k.as + (size_t)(p0 + k.j0 - fa) * k.bs;
        if (k.i0 <= 1 && Lr - k.i1 <= 1 && (k.i0 || Lr - k.i1) && k.j1 > k.j0) {
            /* the usual pads inline (dw3_zero_pads_'s call and code cost ~400 cycles a call on GVSOC,
             * most of them instruction-cache refills) */
            uint8_t *zb = buf;
            int32_t sl = ns;
            do {
                dw3_zero_(zb, (size_t)k.j0 * (size_t)L);
                dw3_zero_ends_(zb + (size_t)k.j0 * (size_t)L, (size_t)L, k.j1 - k.j0, k.i0, k.i1, Lr - k.i1);
                dw3_zero_(zb + (size_t)k.j1 * (size_t)L, (size_t)(np - k.j1) * (size_t)L + 4u);
                zb += B;
            } while (--sl > 0);
        } else {
            dw3_zero_pads_(&k, buf, B, ns, Lr, np);
        }
        {
            /* the window's line j (column j, or row j row-major) starts at tap wc[j * jl], its 3 taps
             * along the line tl apart: row-major lines are weight rows (jl 3, tl 1), columns weight
             * columns (jl 1, tl 3) */
            const size_t jl = rm ? 3u : 1u, tl = rm ? 1u : 3u;
            const uint8_t *wc = (const uint8_t *)w + (size_t)c0 * 9u;
            uint8_t *yc = k.y8 + (size_t)r0 * ys_row + (size_t)q0 * k.yl; /* the chunk's output, channel 0 */
            for (c = c0; c < c1; c++, wc += 9) {
                const uint8_t *t0 = wc, *t1 = wc + jl, *t2 = wc + 2 * jl;
                /* its 3 taps in byte order (W words), and again one byte up (V words): byte t of a
                 * vector is bits 8t..8t+7, the layout dory/simd.h's vectors have on the little-endian
                 * targets and hosts dory runs on. Unrolled and stored word by word (memcpy: a vector
                 * type on some builds), the line steps hoisted: the loop over j with a 6-word copy
                 * cost ~70 cycles a channel on GVSOC. */
                uint32_t v0, v1, v2, u0, u1, u2;
#if DW3_FUSED_S1_
                if (kind == DW3_WINDOW && !xs && sa == 1 && (n & 3) == 0) {
                    /* the channels from c on in one call, up to one failing the window's checks */
                    int32_t cn = dw3_chans_s1_winu_(&k, f, x + xo + (size_t)c, buf, yc + (size_t)c, wc, c, c1, jl, tl);
                    wc += 9 * (size_t)(cn - c), c = cn;
                    if (c == c1)
                        break;
                    t0 = wc, t1 = wc + jl, t2 = wc + 2 * jl;
                }
#endif
#if DW3_FUSED_S2_
                if (kind == DW3_WINDOW && !xs && sa == 2) {
                    /* the same at stride 2 (4 channels copied at once when B > 0) */
                    int32_t cn = dw3_chans_s2_winu_(&k, f, x + xo + (size_t)c, buf, B, yc + (size_t)c, wc, c, c1, jl, tl);
                    wc += 9 * (size_t)(cn - c), c = cn;
                    if (c == c1)
                        break;
                    t0 = wc, t1 = wc + jl, t2 = wc + 2 * jl;
                }
#endif
                v0 = dw3_wline_(t0, tl), v1 = dw3_wline_(t1, tl), v2 = dw3_wline_(t2, tl);
                u0 = v0 << 8, u1 = v1 << 8, u2 = v2 << 8;
                memcpy(&k.w[0], &v0, 4);
                memcpy(&k.w[1], &v1, 4);
                memcpy(&k.w[2], &v2, 4);
                memcpy(&k.w[3], &u0, 4);
                memcpy(&k.w[4], &u1, 4);
                memcpy(&k.w[5], &u2, 4);
                k.c = c;
                fns[kind == DW3_WINDOW ? dw3_chan_win_(f, c, &k.h)
                    : fastw            ? dw3_chan_clamp_(f, (uint32_t)k.U, lo, c, &k.h, xs)
                                       : dw3_chan_(f, kind, k.U, c, &k.h, xs)](&k, x + xo + (size_t)c, buf,
                                                                                 yc + (size_t)c);
            }
        }
    }
}

/* The 3x3 path's split of a tile over the cores: gc channel groups (gc a divisor of ncores; *lgc
 * log2 gc when ncores is a power of two, else -1) by ncores / gc row groups, each core one group
 * of each (a group may be empty). The gc of the least
 * cost of the busiest core, in cycles measured on GVSOC (MobileNetV1-1.0-128's layers): ~16 per output, ~120
 * per output column (its copy and loop entry, measured on the column ring before the transposed tile) and ~600 per channel (the end's constants,
 * the weight words): long columns first (its 4-channel tiles of 32 rows: 16 rows of one channel
 * per core, not 4 rows of all 4; its 12-channel tiles: 16 rows of 3 channels, not 4 rows of 12).
 * passes/tiling/cost.py `_ring_grid` mirrors it. */
static int dw3_grid_(int32_t co, int32_t ho, int32_t wo, int ncores, int *lgc)
{
    int g, best = 1, lg, ln = 0;
    int64_t best_cost = -1;
    *lgc = -1;
    if ((ncores & (ncores - 1)) == 0) { /* a power of two (8 cores): its divisors by shifts, no division */
        while ((1 << ln) < ncores)
            ln++;
        for (lg = 0; lg <= ln; lg++) {
            int32_t C = (co + (1 << lg) - 1) >> lg, R = (ho + (1 << (ln - lg)) - 1) >> (ln - lg);
            /* a channel's cost in 32 bits (an L1 tile's wo * 16 R is far below 2^31), the product
             * by C in 64: one mul / mulh pair, not the 3 muls and mulhu of 64 x 64 bits (a loop
             * run every call of every core) */
            int64_t cost = (int64_t)C * (int64_t)(wo * (16 * R + 120) + 600);
            if (best_cost < 0 || cost < best_cost)
                best = 1 << lg, best_cost = cost, *lgc = lg;
        }
        return best;
    }
    for (g = 1; g <= ncores; g++) {
        int32_t gr = ncores / g, C, R;
        int64_t cost;
        if (ncores % g)
            continue;
        C = (co + g - 1) / g, R = (ho + gr - 1) / gr;
        cost = (int64_t)C * ((int64_t)wo * (16 * (int64_t)R + 120) + 600);
        if (best_cost < 0 || cost < best_cost)
            best = g, best_cost = cost;
    }
    return best;
}

size_t dory_depthwise_scratch_bytes(int32_t kh, int32_t kw, int32_t rows, int32_t cols, int32_t pt, int32_t pb,
                                    int32_t pl, int32_t pr, int ncores)
{
    size_t per_core = (size_t)kh * (size_t)(rows + pt + pb) + (size_t)kh + (size_t)kh * (size_t)kw;
    if (kh == 3 && kw == 3) /* the transposed tile: every padded row and column, and the last load's slack */
        per_core = (size_t)(rows + pt + pb) * (size_t)(cols + pl + pr) + 4u;
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

/* dory_share_ over k = 2^lk parts, by shifts (the same shares: chunk n >> lk, the first n mod k
 * parts one more); i in [0, k). The divisions of dory_share_ cost ~35 cycles each on GVSOC. */
static inline void dw3_share_p2_(int32_t n, int i, int lk, int32_t *lo, int32_t *hi)
{
    int32_t chunk = n > 0 ? n >> lk : 0, rem = n > 0 ? n & ((1 << lk) - 1) : 0;
    *lo = (int32_t)i * chunk + (i < rem ? (int32_t)i : rem);
    *hi = *lo + chunk + (i < rem ? 1 : 0);
}

static void dory_depthwise_l1(const dory_conv_args_t *a, int core, int ncores)
{
    int32_t r0, r1, c0, c1;
    size_t need;
    dory_rqf_t f;
    if (ncores < 1)
        ncores = 1;
    if (dory_fast_types_(a->x_type, a->w_type) && a->dh == 1 && a->dw == 1 && a->kh == 3 && a->kw == 3) {
        /* the cores as a grid of gc channel groups by ncores / gc row groups (dw3_grid_) */
        int lgc, gc = dw3_grid_(a->co, a->ho, a->wo, ncores, &lgc);
        /* a core's part of the scratch (the total is ncores of them); a larger scratch than the
         * amount, in equal slices, lets dw_3x3_t's 4-channel copy run (4 slots of a tile: 4x the
         * amount and more; on whole networks (GVSOC MobileNetV1-1.0-128) budgeting that shrank the
         * stride-2 tiles and cost more than the copy saved, so the amount stays one slot) */
        size_t per = dory_depthwise_scratch_bytes(3, 3, a->hi, a->wi, a->pt, a->pb, a->pl, a->pr, 1);
        if (lgc >= 0) { /* ncores a power of two: no division */
            int ln = lgc;
            while ((1 << ln) < ncores)
                ln++;
            if (core < 0 || core >= ncores)
                return;
            dw3_share_p2_(a->co, core & (gc - 1), lgc, &c0, &c1);
            dw3_share_p2_(a->ho, core >> lgc, ln - lgc, &r0, &r1);
        } else {
            dory_share_(a->co, core % gc, gc, &c0, &c1);
            dory_share_(a->ho, core / gc, ncores / gc, &r0, &r1);
        }
        if (r0 >= r1 || c0 >= c1)
            return;
        need = per * (size_t)ncores;
        if (a->scratch && a->scratch_bytes > need) /* the layer loop gives the amount: no division */
            per = a->scratch_bytes / (size_t)ncores;
        /* the transposed tile takes every end (its own inline ones, else the generic one per sum) */
        dory_rqf_init_(&f, a, a->x_type == DORY_S8, 9, c0, c1);
        if (dory_scratch_ok_(a, need, "dory_depthwise") &&
            3u * (size_t)((r1 - 1 - r0) * a->sh + 3) + 4u <= per) /* 3 columns at least */
            dw_3x3_t(a, &f, (uint8_t *)a->scratch + (size_t)core * per, per, r0, r1, c0, c1);
        else
            dw_3x3(a, r0, r1, c0, c1);
        return;
    }
    if (!dory_share_rows_or_channels_(a->ho, a->co, core, ncores, &r0, &r1, &c0, &c1))
        return;
    need = dory_depthwise_scratch_bytes(a->kh, a->kw, a->hi, a->wi, a->pt, a->pb, a->pl, a->pr, ncores);
    if (dory_fast_types_(a->x_type, a->w_type) && a->dh == 1 && a->dw == 1 && dory_scratch_ok_(a, need, "dory_depthwise"))
        dw_fast(a, (uint8_t *)a->scratch + (size_t)core * (need / (size_t)ncores), need / (size_t)ncores, r0, r1, c0, c1);
    else
        dory_conv_window_generic_(a, a->co, r0, r1, c0, c1);
}
