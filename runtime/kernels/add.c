/* dory runtime: element-wise add tile (dory.add). Each input is optionally requantised into si32
 * (its chain's channel = element index % c), the two are summed with si32 wrap and the output
 * chain applies. Split over elements (rows * c) across cores. */
#include "requant_fast.h"

/* ---- u8 / s8 fast path ------------------------------------------------------------------------
 *
 * Decided once per call: u8 / s8 inputs, each input chain empty or one stage with a power-of-two
 * divisor and the output chain empty or one such stage (dory_rqf_plan_), all in int32 when the
 * bounds prove it exact: the planned input stages' inputs are |x| <= 255 (128 for s8), their outputs
 * lie in ranges (dory_rqf_range_) whose sum S stays inside int32 (so the si32 sum never wraps) and
 * the output stage's S * M + D <= INT32_MAX. Otherwise the generic path. When the input stages
 * are scalar multiply-adds with no shift and a clip they provably never apply, and the output
 * stage has scalar mul / add, floor rounding, min <= max and an 8-bit output, the whole element is one
 * multiply-add: (a * ma + da + b * mb + db) * m + d = a * (ma * m) + b * (mb * m) + k, computed
 * modulo 2^32, exact as its value is within int32. */

/* The element range [*lo, *hi] of an 8-bit type. */
static void add_type_range(dory_dtype_t t, int64_t *lo, int64_t *hi)
{
    *lo = t == DORY_S8 ? -128 : 0;
    *hi = t == DORY_S8 ? 127 : 255;
}

/* Plan the input chain ch of an 8-bit input of type t: *on = 0 (no chain) or 1 (planned, int32
 * exact); [*lo, *hi] the range of its values. 0 when the fast path does not apply. */
static int add_plan_in(dory_rqf_t *f, int32_t *on, const dory_rqchain_t *ch, dory_dtype_t t, int32_t c,
                       int64_t *lo, int64_t *hi)
{
    int64_t X = t == DORY_S8 ? 128 : 255;
    add_type_range(t, lo, hi);
    *on = 0;
    memset(f, 0, sizeof *f);
    if (!ch || ch->n == 0)
        return 1;
    if (dory_rqf_plan_(f, ch, X, 0, c, NULL, DORY_S32) != 1)
        return 0;
    *on = 1;
    dory_rqf_range_(f, X, 0, c, lo, hi);
    return 1;
}

/* A planned input stage applied to x (int32 exact: bounded by add_plan_in). */
static inline int32_t add_rq_in(const dory_rqf_t *f, int32_t ch, int32_t x)
{
    int32_t m = dory_rqf_ld_(f->mul, f->mul_type, f->mul_s, ch), d = dory_rqf_ld_(f->add, f->add_type, f->add_s, ch);
    int32_t t = x * m + d;
    if (f->trunc && t < 0)
        t += (int32_t)(((uint32_t)1 << f->shift) - 1u);
    t >>= f->shift;
    t = t < f->min ? f->min : t;
    return t > f->max ? f->max : t;
}

/* An input stage that is x * m + d with scalars, no shift and a clip that never applies. */
static int add_linear_in(const dory_rqf_t *f, dory_dtype_t t)
{
    int64_t X = t == DORY_S8 ? 128 : 255, B;
    if (f->mul || f->add || f->shift != 0)
        return 0;
    B = X * (f->mul_s < 0 ? -(int64_t)f->mul_s : f->mul_s) + (f->add_s < 0 ? -(int64_t)f->add_s : f->add_s);
    return -B >= f->min && B <= f->max;
}

/* The fused loop: y[e] = clip((a[e] * ka + b[e] * kb + k) >> sh, lo, hi) modulo 2^32 before the shift
 * (4 elements a step, pointer walks). */
#define DORY_ADD_ONE_(i)                                                                                 \
    do {                                                                                               \
        int32_t q = (int32_t)((uint32_t)(int32_t)pa[i] * ka + (uint32_t)(int32_t)pb[i] * kb + k) >> sh; \
        if ((uint32_t)q - (uint32_t)lo > span) /* one test when in range */                            \
            q = q < lo ? lo : hi;                                                                      \
        y[i] = (uint8_t)q;                                                                             \
    } while (0)
#define DORY_ADD_FUSED_(NAME, TA, TB)                                                                    \
    static void NAME(const TA *pa, const TB *pb, uint8_t *y, int32_t n, uint32_t ka, uint32_t kb,       \
                     uint32_t k, int32_t sh, int32_t lo, int32_t hi)                                    \
    {                                                                                                  \
        uint32_t span = (uint32_t)hi - (uint32_t)lo;                                                   \
        const TA *end = pa + (n & ~3), *last = pa + n;                                                 \
        while (pa != end) {                                                                            \
            DORY_ADD_ONE_(0);                                                                          \
            DORY_ADD_ONE_(1);                                                                          \
            DORY_ADD_ONE_(2);                                                                          \
            DORY_ADD_ONE_(3);                                                                          \
            pa += 4, pb += 4, y += 4;                                                                  \
        }                                                                                              \
        while (pa != last) {                                                                           \
            DORY_ADD_ONE_(0);                                                                          \
            pa++, pb++, y++;                                                                           \
        }                                                                                              \
    }
DORY_ADD_FUSED_(add_fused_uu, uint8_t, uint8_t)
DORY_ADD_FUSED_(add_fused_us, uint8_t, int8_t)
DORY_ADD_FUSED_(add_fused_su, int8_t, uint8_t)
DORY_ADD_FUSED_(add_fused_ss, int8_t, int8_t)

/* Elements [e0, e1) by the fast path; 0 when it does not apply. */
static int add_fast(const dory_add_args_t *a, int32_t e0, int32_t e1, int32_t c)
{
    dory_rqf_t fa, fb, fy;
    int32_t ona, onb, ony, e, ch;
    int64_t la, ha, lb, hb, S;
    int xa = a->a_type == DORY_S8, xb = a->b_type == DORY_S8, y8 = a->y_type <= DORY_S8;
    if ((a->a_type != DORY_U8 && !xa) || (a->b_type != DORY_U8 && !xb))
        return 0;
    if (!add_plan_in(&fa, &ona, a->rq_a, a->a_type, c, &la, &ha) ||
        !add_plan_in(&fb, &onb, a->rq_b, a->b_type, c, &lb, &hb))
        return 0;
    if (la + lb < INT32_MIN || ha + hb > INT32_MAX) /* the sum might wrap */
        return 0;
    S = -(la + lb) > ha + hb ? -(la + lb) : ha + hb;
    S = S < 0 ? 0 : S;
    ony = 0;
    memset(&fy, 0, sizeof fy);
    if (a->rq && a->rq->n != 0) {
        if (dory_rqf_plan_(&fy, a->rq, S, 0, c, a->y, a->y_type) != 1)
            return 0;
        ony = 1;
    }
    if (ony && fy.fast && !fy.mul && !fy.add && fy.min <= fy.max && (!ona || add_linear_in(&fa, a->a_type)) &&
        (!onb || add_linear_in(&fb, a->b_type))) {
        /* the fused multiply-add: s = a * ma + b * mb + (da + db), y = (s * m + d) >> shift */
        uint32_t ma = ona ? (uint32_t)fa.mul_s : 1u, mb = onb ? (uint32_t)fb.mul_s : 1u;
        uint32_t da = ona ? (uint32_t)fa.add_s : 0u, db = onb ? (uint32_t)fb.add_s : 0u;
        uint32_t m = (uint32_t)fy.mul_s, k = (da + db) * m + (uint32_t)fy.add_s;
        uint8_t *y = (uint8_t *)a->y + e0;
        int32_t n = e1 - e0;
        if (xa && xb)
            add_fused_ss((const int8_t *)a->a + e0, (const int8_t *)a->b + e0, y, n, ma * m, mb * m, k, fy.shift,
                         fy.min, fy.max);
        else if (xa)
            add_fused_su((const int8_t *)a->a + e0, (const uint8_t *)a->b + e0, y, n, ma * m, mb * m, k,
                         fy.shift, fy.min, fy.max);
        else if (xb)
            add_fused_us((const uint8_t *)a->a + e0, (const int8_t *)a->b + e0, y, n, ma * m, mb * m, k,
                         fy.shift, fy.min, fy.max);
        else
            add_fused_uu((const uint8_t *)a->a + e0, (const uint8_t *)a->b + e0, y, n, ma * m, mb * m, k,
                         fy.shift, fy.min, fy.max);
        return 1;
    }
    ch = e0 % c;
    for (e = e0; e < e1; e++) {
        int32_t va = xa ? ((const int8_t *)a->a)[e] : ((const uint8_t *)a->a)[e];
        int32_t vb = xb ? ((const int8_t *)a->b)[e] : ((const uint8_t *)a->b)[e];
        int32_t s;
        if (ona)
            va = add_rq_in(&fa, ch, va);
        if (onb)
            vb = add_rq_in(&fb, ch, vb);
        s = va + vb; /* no wrap: bounded by the ranges */
        if (ony) {
            int32_t m = dory_rqf_ld_(fy.mul, fy.mul_type, fy.mul_s, ch);
            int32_t d = dory_rqf_ld_(fy.add, fy.add_type, fy.add_s, ch);
            dory_rqf_put_(&fy, (size_t)e, s, m, d);
        } else if (y8) {
            ((uint8_t *)a->y)[e] = (uint8_t)s;
        } else {
            dory_store(a->y, a->y_type, (size_t)e, s);
        }
        if (++ch == c)
            ch = 0;
    }
    return 1;
}

void dory_add(const dory_add_args_t *a, int core, int ncores)
{
    int32_t e0, e1, e, n = a->rows * a->c, c = a->c > 0 ? a->c : 1;
    if (ncores < 1)
        ncores = 1;
    if (core < 0 || core >= ncores)
        return;
    dory_share_(n, core, ncores, &e0, &e1);
    if (e0 >= e1 || add_fast(a, e0, e1, c))
        return;
    for (e = e0; e < e1; e++) {
        int32_t ch = e % c;
        int32_t va = dory_rq_opt_(a->rq_a, ch, dory_load(a->a, a->a_type, (size_t)e));
        int32_t vb = dory_rq_opt_(a->rq_b, ch, dory_load(a->b, a->b_type, (size_t)e));
        dory_store(a->y, a->y_type, (size_t)e, dory_rq_opt_(a->rq, ch, dory_wadd_(va, vb)));
    }
}
