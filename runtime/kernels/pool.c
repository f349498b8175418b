/* dory runtime: pooling tile (dory.pool), max or average, per-tile pads and lead offsets.
 *
 * Output (r, q) has its window at tile rows (lead_h + r) * sh - pt + [0, kh) and columns
 * (lead_w + q) * sw - pl + [0, kw). Only taps inside [0, hi) x [0, wi) are data. Max: the largest
 * in-bounds tap (padding never wins). Average: the sum of the in-bounds taps divided by div when
 * div > 0, else by the number of taps inside the padded tile [-pt, hi + pb) x [-pl, wi + pr) when
 * count_include_pad (a ceil-mode window reaching past the padding does not count those taps), else
 * by the number of in-bounds taps; rounded floor, trunc or half_away and wrapped to si32. The chain rq then
 * applies. A window without any in-bounds tap (which valid geometry never produces) gives 0.
 * Split over output rows; when ho < ncores over the output pixels (fast path, when that loads the
 * busiest core no more than a split over channels would), else over channels.
 */
#include "requant_fast.h"
#include "scalar_ops.h"
#include "dory/simd.h"

/* An element widened to int64 exactly (u32 values stay unsigned, unlike dory_load). */
static inline int64_t load64(const void *p, dory_dtype_t t, size_t i)
{
    if (t == DORY_U32)
        return (int64_t)((const uint32_t *)p)[i];
    return (int64_t)dory_load(p, t, i);
}

/* Taps [*t0, *t1) of a window starting at s of length k that fall inside [lo, hi). */
static void clip_taps(int32_t s, int32_t k, int32_t lo, int32_t hi, int32_t *t0, int32_t *t1)
{
    int32_t a = s < lo ? lo - s : 0;
    int32_t b = s + k > hi ? hi - s : k;
    if (b < a)
        b = a;
    *t0 = a;
    *t1 = b;
}

/* ---- u8 / s8 fast path -------------------------------------------------------------------------
 *
 * Decided once per call: the window of each output row / column is clipped once (no per-tap
 * bounds test), channels go in blocks of 4 held in registers, taps are walked with typed pointers
 * and the sums of an average are si32 (exact: |sum| <= kh * kw * 255, checked). The end of a value
 * (the chain rq, then the store) is planned once too: none (typed store), one stage through
 * dory_rqf_put_, else the generic chain. */
typedef struct {
    const dory_pool_args_t *a;
    int32_t end;  /* 0: no chain, 1: dory_rqf_put_, 2: generic chain, 3: one scalar stage in int32
                     (mode 1, floor, scalar mul / add, 8-bit output), inline */
    int32_t y8;   /* 8-bit output */
    dory_rqf_t f;
} pool_plan_t;

/* End 3: the scalar stage of value v (exact in int32: bounded by dory_rqf_plan_, mode 1), as the
 * 8-bit output byte, from the stage's constants (the plan's f.mul_s, add_s, shift, min, max). */
static inline uint8_t pool_end3_(int32_t v, uint32_t ms, uint32_t as, int32_t sh, int32_t mn, int32_t mx)
{
    return (uint8_t)dory_min_(dory_max_((int32_t)((uint32_t)v * ms + as) >> sh, mn), mx);
}

static inline uint8_t pool_end3(const pool_plan_t *p, int32_t v)
{
    return pool_end3_(v, (uint32_t)p->f.mul_s, (uint32_t)p->f.add_s, p->f.shift, p->f.min, p->f.max);
}

/* Requantise and store value v of channel ch at element idx. */
static inline void pool_put(const pool_plan_t *p, size_t idx, int32_t ch, int32_t v)
{
    if (p->end == 3) {
        ((uint8_t *)p->a->y)[idx] = pool_end3(p, v);
        return;
    }
    if (p->end == 1) {
        int32_t b, m, d;
        dory_rqf_chan_(&p->f, ch, &b, &m, &d);
        dory_rqf_put_(&p->f, idx, v, m, d);
        return;
    }
    if (p->end == 2)
        v = dory_requant(p->a->rq, ch, v);
    if (p->y8)
        ((uint8_t *)p->a->y)[idx] = (uint8_t)v;
    else
        dory_store(p->a->y, p->a->y_type, idx, v);
}

/* Round s / d (d > 0) as dory_div_round does, in si32. */
static inline int32_t pool_div(int32_t s, int32_t d, int32_t trunc)
{
    int32_t q = s / d;
    if (!trunc && s < 0 && q * d != s)
        q -= 1;
    return q;
}

/* The reciprocal of a divisor 1 < d for sums 0 <= s <= smax of u8 taps: M = ceil(2^32 / d), and
 * floor(s / d) = floor(s * M / 2^32) (the high word of one 32 x 32 product) when smax * e < 2^32,
 * e = M d - 2^32 (0 <= e < d): write s = q d + r (0 <= r < d), then s M / 2^32 = q + (r + s e / 2^32) / d
 * and 0 <= s e / 2^32 < 1, so the floor is q (the argument of requant_fast.h's mode 3 at S = 32);
 * smax * d < 2^32 suffices. Floor and trunc agree for s >= 0. 0 when it does not apply (the
 * division stays). Once per distinct divisor of a call: one 64-bit division. */
static uint32_t pool_recip(int32_t d, int64_t smax)
{
    uint64_t M;
    if (d <= 1 || smax < 0 || (uint64_t)smax * (uint64_t)d >= ((uint64_t)1 << 32))
        return 0;
    M = (((uint64_t)1 << 32) + (uint32_t)d - 1u) / (uint32_t)d;
    return M >> 32 ? 0u : (uint32_t)M; /* d > 1: M <= 2^31 + 1 */
}

/* Channels ch .. ch + N - 1 of one output pixel, N = 8 or 4 (EACH lists 0 .. N - 1): the window's
 * first in-bounds tap of channel ch is row[0], ni x nj in-bounds taps (both > 0), rows rs elements
 * apart, columns cs apart; outputs at element out + ch. d: the average's divisor (0: max). */
#define DORY_POOL_EACH8_(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define DORY_POOL_EACH4_(X) X(0) X(1) X(2) X(3)
#define DORY_POOL_DECL_(k) int32_t v##k = 0;
#define DORY_POOL_FIRST_(k) v##k = q[k];
#define DORY_POOL_SUM_(k) v##k += q[k];
#define DORY_POOL_MAX_(k) { int32_t e = q[k]; v##k = e > v##k ? e : v##k; }
/* rm != 0: floor(v / d) = floor(v * rm / 2^32) for the planned sums (pool_recip), one mulhu */
#define DORY_POOL_DIV_(k) v##k = rm ? (int32_t)(((uint64_t)(uint32_t)v##k * rm) >> 32) : (d == 1 ? v##k : pool_div(v##k, d, tr));
#define DORY_POOL_ST8_(k) y[k] = (uint8_t)v##k;
/* end 3 from the stage's constants in locals (p->f reloaded per value otherwise: the byte stores
 * to y could alias it as far as the compiler knows) */
#define DORY_POOL_ST3_(k) y[k] = pool_end3_(v##k, ms_, as_, sh_, mn_, mx_);
#define DORY_POOL_PUT_(k) pool_put(p, out + (size_t)ch + (size_t)(k), ch + (k), v##k);
#define DORY_POOL_BLOCK_(NAME, T, EACH)                                                                  \
    static inline void NAME(const pool_plan_t *p, const T *row, int32_t ni, int32_t nj, size_t rs,      \
                            size_t cs, int32_t ch, size_t out, int32_t d, uint32_t rm)                 \
    {                                                                                                  \
        int32_t i, j, tr = p->a->trunc;                                                                \
        EACH(DORY_POOL_DECL_)                                                                          \
        if (d) {                                                                                       \
            for (i = 0; i < ni; i++, row += rs) {                                                      \
                const T *q = row;                                                                      \
                for (j = 0; j < nj; j++, q += cs) {                                                    \
                    EACH(DORY_POOL_SUM_)                                                               \
                }                                                                                      \
            }                                                                                          \
            EACH(DORY_POOL_DIV_)                                                                       \
        } else { /* the first tap initialises the maxima */                                           \
            const T *q = row;                                                                          \
            EACH(DORY_POOL_FIRST_)                                                                     \
            for (i = 0; i < ni; i++, row += rs) {                                                      \
                q = i ? row : row + cs;                                                                \
                for (j = i ? 0 : 1; j < nj; j++, q += cs) {                                            \
                    EACH(DORY_POOL_MAX_)                                                               \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
        if (p->end == 0 && p->y8) {                                                                    \
            uint8_t *y = (uint8_t *)p->a->y + out + ch;                                                \
            EACH(DORY_POOL_ST8_)                                                                       \
        } else if (p->end == 3) { /* inline: gcc keeps pool_put out of line, a call per value */      \
            const uint32_t ms_ = (uint32_t)p->f.mul_s, as_ = (uint32_t)p->f.add_s;                     \
            const int32_t sh_ = p->f.shift, mn_ = p->f.min, mx_ = p->f.max;                            \
            uint8_t *y = (uint8_t *)p->a->y + out + ch;                                                \
            EACH(DORY_POOL_ST3_)                                                                       \
        } else {                                                                                       \
            EACH(DORY_POOL_PUT_)                                                                       \
        }                                                                                              \
    }

/* One output pixel, channels [c0, c1): blocks of 8, then 4, then one at a time. */
#define DORY_POOL_PIXEL_(NAME, B8, B4, T, LOW)                                                           \
    DORY_POOL_BLOCK_(B8, T, DORY_POOL_EACH8_)                                                            \
    DORY_POOL_BLOCK_(B4, T, DORY_POOL_EACH4_)                                                            \
    static void NAME(const pool_plan_t *p, const T *w, int32_t ni, int32_t nj, size_t rs, size_t cs,     \
                     int32_t c0, int32_t c1, size_t out, int32_t d, uint32_t rm)                        \
    {                                                                                                  \
        int32_t ch = c0, i, j;                                                                         \
        for (; ch + 8 <= c1; ch += 8)                                                                  \
            B8(p, w + ch, ni, nj, rs, cs, ch, out, d, rm);                                             \
        if (ch + 4 <= c1) {                                                                            \
            B4(p, w + ch, ni, nj, rs, cs, ch, out, d, rm);                                             \
            ch += 4;                                                                                   \
        }                                                                                              \
        for (; ch < c1; ch++) {                                                                        \
            const T *row = w + ch;                                                                     \
            int32_t v = d ? 0 : (LOW);                                                                 \
            for (i = 0; i < ni; i++, row += rs) {                                                      \
                const T *q = row;                                                                      \
                for (j = 0; j < nj; j++, q += cs) {                                                    \
                    int32_t e = q[0];                                                                  \
                    if (d)                                                                             \
                        v += e;                                                                        \
                    else                                                                               \
                        v = e > v ? e : v;                                                             \
                }                                                                                      \
            }                                                                                          \
            if (d > 1)                                                                                 \
                v = rm ? (int32_t)(((uint64_t)(uint32_t)v * rm) >> 32) : pool_div(v, d, p->a->trunc);  \
            if (p->end == 3)                                                                           \
                ((uint8_t *)p->a->y)[out + (size_t)ch] = pool_end3(p, v);                              \
            else                                                                                       \
                pool_put(p, out + (size_t)ch, ch, v);                                                  \
        }                                                                                              \
    }
DORY_POOL_PIXEL_(pool_pixel_u8, pool_block8_u8, pool_block4_u8, uint8_t, 0)
DORY_POOL_PIXEL_(pool_pixel_s8, pool_block8_s8, pool_block4_s8, int8_t, -128)

/* Max over an ni x nj window (both > 0, rows rs apart, taps cs apart) of channels [c0, c1) of one
 * output pixel, stored as is at y (8-bit in, same type out, no chain): 4 channels a word with the
 * lane-wise SIMD max (xs: s8 lanes), the remaining channels one at a time. */
static void pool_max_words(const uint8_t *w, int32_t ni, int32_t nj, size_t rs, size_t cs, int32_t c0, int32_t c1,
                           uint8_t *y, int xs)
{
    int32_t ch = c0, i, j;
    if (ni == 2 && nj == 2) { /* the common 2x2 window: 4 loads, 3 maxima */
        for (; ch + 4 <= c1; ch += 4) {
            const uint8_t *q = w + ch;
            uint32_t a = dory_ld4w(q), b = dory_ld4w(q + cs), c = dory_ld4w(q + rs), d = dory_ld4w(q + rs + cs);
            dory_st4w(y + ch, xs ? dory_maxs4(dory_maxs4(a, b), dory_maxs4(c, d))
                                 : dory_maxu4(dory_maxu4(a, b), dory_maxu4(c, d)));
        }
    }
    for (; ch + 4 <= c1; ch += 4) {
        const uint8_t *row = w + ch;
        uint32_t m = dory_ld4w(row); /* the first tap, maxed again below: max is idempotent */
        for (i = 0; i < ni; i++, row += rs) {
            const uint8_t *q = row;
            for (j = 0; j < nj; j++, q += cs)
                m = xs ? dory_maxs4(m, dory_ld4w(q)) : dory_maxu4(m, dory_ld4w(q));
        }
        dory_st4w(y + ch, m);
    }
    for (; ch < c1; ch++) {
        const uint8_t *row = w + ch;
        int32_t m = xs ? (int8_t)row[0] : row[0];
        for (i = 0; i < ni; i++, row += rs)
            for (j = 0; j < nj; j++) {
                int32_t e = xs ? (int8_t)row[(size_t)j * cs] : row[(size_t)j * cs];
                m = e > m ? e : m;
            }
        y[ch] = (uint8_t)m;
    }
}

/* True when pool_fast applies (the same answer on every core: the split depends on it). */
static int pool_fast_ok(const dory_pool_args_t *a)
{
    /* its divisions (pool_div, the reciprocal) round floor or trunc: half_away takes the generic */
    return (a->x_type == DORY_U8 || a->x_type == DORY_S8) && a->kh >= 1 && a->kw >= 1 &&
           (!a->is_avg || a->trunc != DORY_ROUND_HALF_AWAY) &&
           (int64_t)a->kh * a->kw * 255 <= INT32_MAX;
}

/* The fast path over the output pixels [p0, p1) (row-major over ho x wo) and channels [c0, c1);
 * 0 when it does not apply. */
static int pool_fast(const dory_pool_args_t *a, int32_t p0, int32_t p1, int32_t c0, int32_t c1)
{
    pool_plan_t p;
    int xs = a->x_type == DORY_S8;
    int64_t taps = (int64_t)a->kh * a->kw, A;
    size_t c = (size_t)a->c, rs = (size_t)a->wi * c;
    int32_t r, q, rd = 0; /* rd: the divisor whose reciprocal rm is (0: none yet) */
    uint32_t rm = 0;
    if (!pool_fast_ok(a))
        return 0;
    if (p0 >= p1 || a->wo < 1) /* nothing to do (the first pixel's row below divides by wo) */
        return 1;
    A = a->is_avg ? taps * (xs ? 128 : 255) : (xs ? 128 : 255);
    memset(&p, 0, sizeof p);
    p.a = a;
    p.y8 = a->y_type <= DORY_S8;
    p.end = !a->rq || a->rq->n == 0 ? 0 : dory_rqf_plan_(&p.f, a->rq, A, c0, c1, a->y, a->y_type) ? 1 : 2;
    if (p.end == 1 && p.f.mode == 1 && !p.f.trunc && !p.f.mul && !p.f.add && p.y8)
        p.end = 3;
    for (r = p0 / a->wo, q = p0 % a->wo; p0 < p1; r++, q = 0) {
        int32_t sr = (a->lead_h + r) * a->sh - a->pt, i0, i1, pi0, pi1;
        int32_t qe = p1 - p0 < a->wo - q ? q + (p1 - p0) : a->wo; /* this row's pixels: [q, qe) */
        clip_taps(sr, a->kh, 0, a->hi, &i0, &i1);
        clip_taps(sr, a->kh, -a->pt, a->hi + a->pb, &pi0, &pi1);
        for (p0 += qe - q; q < qe; q++) {
            int32_t sq = (a->lead_w + q) * a->sw - a->pl, j0, j1, pj0, pj1, d = 0, ch;
            size_t out = ((size_t)r * (size_t)a->wo + (size_t)q) * c;
            clip_taps(sq, a->kw, 0, a->wi, &j0, &j1);
            if (i0 >= i1 || j0 >= j1) { /* no in-bounds tap: 0 */
                for (ch = c0; ch < c1; ch++)
                    pool_put(&p, out + (size_t)ch, ch, 0);
                continue;
            }
            if (a->is_avg) {
                clip_taps(sq, a->kw, -a->pl, a->wi + a->pr, &pj0, &pj1);
                if (a->div > 0)
                    d = a->div;
                else if (a->count_include_pad)
                    d = (pi1 - pi0) * (pj1 - pj0);
                else
                    d = (i1 - i0) * (j1 - j0);
                if (d <= 0) { /* not reached: the in-bounds taps are counted */
                    for (ch = c0; ch < c1; ch++)
                        pool_put(&p, out + (size_t)ch, ch, 0);
                    continue;
                }
            }
            if (d > 1 && !xs && d != rd) { /* the divisor changed (padding): its reciprocal */
                rd = d;
                rm = pool_recip(d, (int64_t)taps * 255);
            }
            {
                size_t w = ((size_t)(sr + i0) * (size_t)a->wi + (size_t)(sq + j0)) * c;
                if (!a->is_avg && p.end == 0 && p.y8)
                    pool_max_words((const uint8_t *)a->x + w, i1 - i0, j1 - j0, rs, c, c0, c1,
                                   (uint8_t *)a->y + out, xs);
                else if (xs)
                    pool_pixel_s8(&p, (const int8_t *)a->x + w, i1 - i0, j1 - j0, rs, c, c0, c1, out, d, 0);
                else
                    pool_pixel_u8(&p, (const uint8_t *)a->x + w, i1 - i0, j1 - j0, rs, c, c0, c1, out, d,
                                  d > 1 ? rm : 0);
            }
        }
    }
    return 1;
}

/* The kernel proper. The arguments should be in L1 (the byte stores to y could alias them, so
 * they are reloaded; from L2 that costs ~15 cycles each): the tile loop (runtime/src/layer.c)
 * passes every core its own copy on its stack. No second copy here: the cluster stacks are 1 KiB
 * and two copies overflowed them (dronet_2.0, MobileNetV1 on GVSOC). */
static void dory_pool_l1(const dory_pool_args_t *a, int core, int ncores);

void dory_pool(const dory_pool_args_t *args, int core, int ncores)
{
    dory_pool_l1(args, core, ncores);
}

static void dory_pool_l1(const dory_pool_args_t *a, int core, int ncores)
{
    int32_t r0, r1, c0, c1, r, q, ch, i, j;
    size_t c = (size_t)a->c;
    if (ncores < 1)
        ncores = 1;
    if (core < 0 || core >= ncores)
        return;
    if (pool_fast_ok(a) && a->ho < ncores) {
        /* Fewer rows than cores (1-D pools: TCN's 1 x 128 rows): the fast path splits the output
         * pixels of the tile, every core all the channels, when that leaves the busiest core no
         * more outputs than a split over channels would (which pays every pixel's window set-up
         * on every core for a few channels each, outside the 8-channel blocks: TCN_test_library's
         * 1x2 average pools of 63 channels on GVSOC spent ~100 cycles per output that way). */
        int32_t npix = a->ho * a->wo, per_pix = (npix + ncores - 1) / ncores, per_c = (a->c + ncores - 1) / ncores;
        if (npix >= ncores && (int64_t)per_pix * a->c <= (int64_t)per_c * npix) {
            int32_t p0, p1;
            dory_share_(npix, core, ncores, &p0, &p1);
            if (p0 < p1)
                pool_fast(a, p0, p1, 0, a->c);
            return;
        }
    }
    if (!dory_share_rows_or_channels_(a->ho, a->c, core, ncores, &r0, &r1, &c0, &c1))
        return;
    if (pool_fast(a, r0 * a->wo, r1 * a->wo, c0, c1))
        return;
    for (r = r0; r < r1; r++) {
        int32_t sr = (a->lead_h + r) * a->sh - a->pt, i0, i1, pi0, pi1;
        clip_taps(sr, a->kh, 0, a->hi, &i0, &i1);
        clip_taps(sr, a->kh, -a->pt, a->hi + a->pb, &pi0, &pi1);
        for (q = 0; q < a->wo; q++) {
            int32_t sq = (a->lead_w + q) * a->sw - a->pl, j0, j1, pj0, pj1;
            size_t out = ((size_t)r * (size_t)a->wo + (size_t)q) * c;
            int64_t d;
            clip_taps(sq, a->kw, 0, a->wi, &j0, &j1);
            clip_taps(sq, a->kw, -a->pl, a->wi + a->pr, &pj0, &pj1);
            if (a->div > 0)
                d = a->div;
            else if (a->count_include_pad)
                d = (int64_t)(pi1 - pi0) * (pj1 - pj0);
            else
                d = (int64_t)(i1 - i0) * (j1 - j0);
            for (ch = c0; ch < c1; ch++) {
                int32_t v = 0;
                if (i0 < i1 && j0 < j1) {
                    if (a->is_avg) {
                        int64_t s = 0;
                        for (i = i0; i < i1; i++) {
                            size_t base = ((size_t)(sr + i) * (size_t)a->wi + (size_t)sq) * c + (size_t)ch;
                            for (j = j0; j < j1; j++)
                                s += load64(a->x, a->x_type, base + (size_t)j * c);
                        }
                        v = d > 0 ? (int32_t)(uint32_t)(uint64_t)dory_div_round(s, d, a->trunc) : 0;
                    } else {
                        int64_t m = INT64_MIN;
                        for (i = i0; i < i1; i++) {
                            size_t base = ((size_t)(sr + i) * (size_t)a->wi + (size_t)sq) * c + (size_t)ch;
                            for (j = j0; j < j1; j++) {
                                int64_t e = load64(a->x, a->x_type, base + (size_t)j * c);
                                if (e > m)
                                    m = e;
                            }
                        }
                        v = (int32_t)(uint32_t)(uint64_t)m;
                    }
                }
                dory_store(a->y, a->y_type, out + (size_t)ch, dory_rq_opt_(a->rq, ch, v));
            }
        }
    }
}
