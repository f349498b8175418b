/* dory runtime: pooling tile (dory.pool), max or average, per-tile pads and lead offsets.
 *
 * Output (r, q) has its window at tile rows (lead_h + r) * sh - pt + [0, kh) and columns
 * (lead_w + q) * sw - pl + [0, kw). Only taps inside [0, hi) x [0, wi) are data. Max: the largest
 * in-bounds tap (padding never wins). Average: the sum of the in-bounds taps divided by div when
 * div > 0, else by the number of taps inside the padded tile [-pt, hi + pb) x [-pl, wi + pr) when
 * count_include_pad (a ceil-mode window reaching past the padding does not count those taps), else
 * by the number of in-bounds taps; rounded floor or trunc and wrapped to si32. The chain rq then
 * applies. A window without any in-bounds tap (which valid geometry never produces) gives 0.
 * Split over output rows (over channels when ho < ncores).
 */
#include "simd.h"

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

void dory_pool(const dory_pool_args_t *a, int core, int ncores)
{
    int32_t r0, r1, c0, c1, r, q, ch, i, j;
    size_t c = (size_t)a->c;
    if (ncores < 1)
        ncores = 1;
    if (core < 0 || core >= ncores)
        return;
    if (a->ho >= ncores) {
        dory_share_(a->ho, core, ncores, &r0, &r1);
        c0 = 0;
        c1 = a->c;
    } else {
        dory_share_(a->c, core, ncores, &c0, &c1);
        r0 = 0;
        r1 = a->ho;
    }
    if (r0 >= r1 || c0 >= c1)
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
                                s += dory_load64_(a->x, a->x_type, base + (size_t)j * c);
                        }
                        v = d > 0 ? (int32_t)(uint32_t)(uint64_t)dory_div_round(s, d, a->trunc) : 0;
                    } else {
                        int64_t m = INT64_MIN;
                        for (i = i0; i < i1; i++) {
                            size_t base = ((size_t)(sr + i) * (size_t)a->wi + (size_t)sq) * c + (size_t)ch;
                            for (j = j0; j < j1; j++) {
                                int64_t e = dory_load64_(a->x, a->x_type, base + (size_t)j * c);
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
