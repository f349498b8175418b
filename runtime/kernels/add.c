/* dory runtime: element-wise add tile (dory.add). Each input is optionally requantised into si32
 * (its chain's channel = element index % c), the two are summed with si32 wrap and the output
 * chain applies. Split over elements (rows * c) across cores. */
#include "scalar_ops.h"
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

/* Elements [e0, e1) by the fast path; 0 when it does not apply. Out of line, as add_scalar: their
 * frames (three dory_rqf_t here) would add up in dory_add's, and a worker core's stack is 1 KiB. */
static DORY_NOINLINE_ int add_fast(const dory_add_args_t *a, int32_t e0, int32_t e1, int32_t c)
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

/* ---- scalar-chain paths ------------------------------------------------------------------------
 *
 * The adds the exporters produce have scalar chains only (NEMO / MobileNetV2: each input x * m,
 * the sum shifted back into 8 bits; QuantLab: each input requantised by its own shift stage, the
 * sum clipped; TCN: a two-stage output chain; plain u8 + u8 -> u16 residuals): every stage is
 * q = clip((x * m + d) >> sh, lo, hi) with scalars m, d, floor and a power-of-two divisor. Planned
 * once per call by interval arithmetic over the 8-bit inputs' ranges: a stage is taken in int32
 * only when x * m + d lies inside int32 for every x its input can take (so the int32 math equals
 * the generic chain's int64 one), and the sum of the two inputs likewise (no si32 wrap). An input
 * stage with no shift whose clip never applies is x * m + d: it is folded into the first output
 * stage (the "fused" form), (a * ma + da + b * mb + db) * m + d = a * (ma * m) + b * (mb * m) + k,
 * computed modulo 2^32 and exact because its value is inside int32. */

/* One planned stage: clip((x * m + d) >> sh, lo, hi) in int32 (kernels.h). */
typedef dory_add_stage_t add_st_t;

/* Plan stage r over inputs in [*lo, *hi] (int32-bounded), which become its outputs' range. 0 when
 * it is not a scalar floor stage with a power-of-two divisor and min <= max, or x * m + d can
 * leave int32. *lin: the stage is x * m + d exactly (no shift, the clip never applies). */
static int add_st_plan(add_st_t *s, const dory_requant_t *r, int64_t *lo, int64_t *hi, int *lin)
{
    int64_t m = r->mul_scalar, d = r->add_scalar, tl, th;
    int32_t sh = r->shift;
    if (r->mul || r->add || r->trunc || r->min > r->max)
        return 0;
    if (r->div > 0) { /* 2^k: the shift k; any other divisor is not planned here */
        if (r->div & (r->div - 1))
            return 0;
        for (sh = 0; ((int32_t)1 << sh) != r->div; sh++)
            ;
    }
    if (sh < 0 || sh > 31 || m < INT32_MIN || m > INT32_MAX || d < INT32_MIN || d > INT32_MAX)
        return 0;
    tl = *lo * m + d; /* |x|, |m| <= 2^31: no int64 overflow */
    th = *hi * m + d;
    if (tl > th) {
        int64_t t = tl;
        tl = th;
        th = t;
    }
    if (tl < INT32_MIN || th > INT32_MAX)
        return 0;
    *lin = sh == 0 && tl >= r->min && th <= r->max;
    tl >>= sh; /* floor, monotone; then the clip, monotone */
    th >>= sh;
    *lo = tl < r->min ? r->min : (tl > r->max ? r->max : tl);
    *hi = th < r->min ? r->min : (th > r->max ? r->max : th);
    s->m = (int32_t)m;
    s->d = (int32_t)d;
    s->sh = sh;
    s->lo = r->min;
    s->hi = r->max;
    return 1;
}

/* A stage applied to x (int32 exact by add_st_plan); the clip one unsigned test when in range. */
static inline int32_t add_st(int32_t x, int32_t m, int32_t d, int32_t sh, int32_t lo, int32_t hi)
{
    return dory_min_(dory_max_((int32_t)((uint32_t)x * (uint32_t)m + (uint32_t)d) >> sh, lo), hi);
}

/* The plan of a whole add (kernels.h): input stages ia, ib (identity when the input has no chain),
 * output stages st[0 .. nst) (nst 1 or 2; an empty output chain is an identity stage that never
 * clips); fused: y = rest(clip((a * ka + b * kb + k) >> st[0].sh, st[0].lo, st[0].hi)). */
typedef dory_add_plan_t add_plan_t;

static int add_plan_input(add_st_t *s, const dory_rqchain_t *ch, dory_dtype_t t, int64_t *lo, int64_t *hi,
                          int *lin)
{
    *lo = t == DORY_S8 ? -128 : 0;
    *hi = t == DORY_S8 ? 127 : 255;
    if (!ch || ch->n == 0) {
        s->m = 1, s->d = 0, s->sh = 0, s->lo = INT32_MIN, s->hi = INT32_MAX;
        *lin = 1;
        return 1;
    }
    return ch->n == 1 && add_st_plan(s, &ch->st[0], lo, hi, lin);
}

static int add_plan(add_plan_t *p, const dory_add_args_t *a)
{
    int64_t la, ha, lb, hb, lo, hi;
    int lina, linb, lin, i;
    memset(p, 0, sizeof *p); /* st[1] unused when nst == 1 */
    if ((a->a_type != DORY_U8 && a->a_type != DORY_S8) || (a->b_type != DORY_U8 && a->b_type != DORY_S8) ||
        a->y_type > DORY_S16)
        return 0;
    if (!add_plan_input(&p->ia, a->rq_a, a->a_type, &la, &ha, &lina) ||
        !add_plan_input(&p->ib, a->rq_b, a->b_type, &lb, &hb, &linb))
        return 0;
    lo = la + lb; /* the si32 sum: planned only when it cannot wrap */
    hi = ha + hb;
    if (lo < INT32_MIN || hi > INT32_MAX)
        return 0;
    if (!a->rq || a->rq->n == 0) {
        p->nst = 1;
        p->st[0].m = 1, p->st[0].d = 0, p->st[0].sh = 0, p->st[0].lo = INT32_MIN, p->st[0].hi = INT32_MAX;
    } else {
        if (a->rq->n > 2)
            return 0;
        p->nst = a->rq->n;
        for (i = 0; i < p->nst; i++)
            if (!add_st_plan(&p->st[i], &a->rq->st[i], &lo, &hi, &lin))
                return 0;
    }
    p->fused = lina && linb;
    if (p->fused) {
        uint32_t m = (uint32_t)p->st[0].m;
        p->ka = (uint32_t)p->ia.m * m;
        p->kb = (uint32_t)p->ib.m * m;
        p->k = ((uint32_t)p->ia.d + (uint32_t)p->ib.d) * m + (uint32_t)p->st[0].d;
    }
    return 1;
}

int dory_add_plan(dory_add_plan_t *p, const dory_add_args_t *a)
{
    int ok = add_plan(p, a);
    p->ok = ok;
    return ok;
}

/* The element loop of add_scalar's fused paths over n elements of pa, pb into y: 4 a step with
 * their 8 inputs loaded first (x0..x3, z0..z3), then ONE(i) writes element i; the tail one by one. */
#define DORY_ADD_LOOP4_(TA, TB, ONE)                                                                     \
    do {                                                                                               \
        const TA *end_ = pa + (n & ~3), *last_ = pa + n;                                               \
        while (pa != end_) {                                                                           \
            TA x0 = pa[0], x1 = pa[1], x2 = pa[2], x3 = pa[3];                                         \
            TB z0 = pb[0], z1 = pb[1], z2 = pb[2], z3 = pb[3];                                         \
            ONE(0);                                                                                    \
            ONE(1);                                                                                    \
            ONE(2);                                                                                    \
            ONE(3);                                                                                    \
            pa += 4, pb += 4, y += 4;                                                                  \
        }                                                                                              \
        while (pa != last_) {                                                                          \
            TA x0 = pa[0];                                                                             \
            TB z0 = pb[0];                                                                             \
            ONE(0);                                                                                    \
            pa++, pb++, y++;                                                                           \
        }                                                                                              \
    } while (0)

/* Fused, one output stage: y[i] = clip((a[i] * ka + b[i] * kb + k) >> sh, lo, hi), 4 a step: the
 * 8 inputs loaded first (y may be a itself, never partly overlapping it: each element is read
 * before it is written), so the loads and multiplies of one element fill the latency of another's;
 * p.mac and p.max / p.min on Xpulpv2 (scalar_ops.h). */
#define DORY_ADD_F1_ONE_(i)                                                                              \
    do {                                                                                               \
        uint32_t t = k;                                                                                \
        dory_mac_(t, (uint32_t)(int32_t)x##i, ka);                                                     \
        dory_mac_(t, (uint32_t)(int32_t)z##i, kb);                                                     \
        y[i] = (TY)dory_min_(dory_max_((int32_t)t >> sh, lo), hi); /* branch-free */                  \
    } while (0)
#define DORY_ADD_F1_(NAME, TA, TB, TY_)                                                                  \
    static void NAME(const TA *pa, const TB *pb, TY_ *y, int32_t n, const add_plan_t *p)               \
    {                                                                                                  \
        typedef TY_ TY;                                                                                \
        uint32_t ka = p->ka, kb = p->kb, k = p->k;                                                     \
        int32_t sh = p->st[0].sh, lo = p->st[0].lo, hi = p->st[0].hi;                                  \
        DORY_ADD_LOOP4_(TA, TB, DORY_ADD_F1_ONE_);                                                     \
    }
DORY_ADD_F1_(add_f1_uu8, uint8_t, uint8_t, uint8_t)
DORY_ADD_F1_(add_f1_us8, uint8_t, int8_t, uint8_t)
DORY_ADD_F1_(add_f1_su8, int8_t, uint8_t, uint8_t)
DORY_ADD_F1_(add_f1_ss8, int8_t, int8_t, uint8_t)
DORY_ADD_F1_(add_f1_uu16, uint8_t, uint8_t, uint16_t)
DORY_ADD_F1_(add_f1_us16, uint8_t, int8_t, uint16_t)
DORY_ADD_F1_(add_f1_su16, int8_t, uint8_t, uint16_t)
DORY_ADD_F1_(add_f1_ss16, int8_t, int8_t, uint16_t)

/* Fused, two output stages (TCN's adds: the sum clipped to its own range, then rescaled into 8
 * bits), 8-bit output: y[i] = st1(clip((a[i] * ka + b[i] * kb + k) >> sh, lo, hi)), st1 =
 * clip((q * m1 + d1) >> s1, l1, h1), exact in int32 (add_st_plan); 4 a step as DORY_ADD_F1_ (in
 * add_any, the general loop, these took ~50 cycles an element on GVSOC). */
#define DORY_ADD_F2_ONE_(i)                                                                              \
    do {                                                                                               \
        uint32_t t = k;                                                                                \
        int32_t q;                                                                                     \
        dory_mac_(t, (uint32_t)(int32_t)x##i, ka);                                                     \
        dory_mac_(t, (uint32_t)(int32_t)z##i, kb);                                                     \
        q = dory_min_(dory_max_((int32_t)t >> sh, lo), hi);                                            \
        t = d1;                                                                                        \
        dory_mac_(t, (uint32_t)q, m1);                                                                 \
        y[i] = (uint8_t)dory_min_(dory_max_((int32_t)t >> s1, l1), h1);                                \
    } while (0)
#define DORY_ADD_F2_(NAME, TA, TB)                                                                       \
    static void NAME(const TA *pa, const TB *pb, uint8_t *y, int32_t n, const add_plan_t *p)           \
    {                                                                                                  \
        uint32_t ka = p->ka, kb = p->kb, k = p->k, m1 = (uint32_t)p->st[1].m, d1 = (uint32_t)p->st[1].d; \
        int32_t sh = p->st[0].sh, lo = p->st[0].lo, hi = p->st[0].hi;                                  \
        int32_t s1 = p->st[1].sh, l1 = p->st[1].lo, h1 = p->st[1].hi;                                  \
        DORY_ADD_LOOP4_(TA, TB, DORY_ADD_F2_ONE_);                                                     \
    }
DORY_ADD_F2_(add_f2_uu8, uint8_t, uint8_t)
DORY_ADD_F2_(add_f2_us8, uint8_t, int8_t)
DORY_ADD_F2_(add_f2_su8, int8_t, uint8_t)
DORY_ADD_F2_(add_f2_ss8, int8_t, int8_t)

/* Any plan, 8-bit inputs as u8 bytes (an s8 x is (u ^ 0x80) - 128: xa, xb 0x80 or 0), the stages
 * hoisted into registers; 2 elements a step. */
#define DORY_ADD_ANY_ONE_(i)                                                                             \
    do {                                                                                               \
        int32_t q;                                                                                     \
        if (fused) {                                                                                   \
            q = (int32_t)((uint32_t)(int32_t)((pa[i] ^ xa) - oa) * ka +                                \
                          (uint32_t)(int32_t)((pb[i] ^ xb) - ob) * kb + k) >> s0;                      \
            q = dory_min_(dory_max_(q, l0), h0);                                                       \
        } else {                                                                                       \
            q = add_st((int32_t)((pa[i] ^ xa) - oa), ma, da, sa, la, ha) +                             \
                add_st((int32_t)((pb[i] ^ xb) - ob), mb, db, sb, lb, hb);                              \
            q = add_st(q, m0, d0, s0, l0, h0);                                                         \
        }                                                                                              \
        if (two)                                                                                       \
            q = add_st(q, m1, d1, s1, l1, h1);                                                         \
        if (y8)                                                                                        \
            ((uint8_t *)y)[i] = (uint8_t)q;                                                            \
        else                                                                                           \
            ((uint16_t *)y)[i] = (uint16_t)q;                                                          \
    } while (0)
static void add_any(const uint8_t *pa, const uint8_t *pb, void *y, int32_t n, const add_plan_t *p, int sa8, int sb8,
                    int y8)
{
    uint32_t ka = p->ka, kb = p->kb, k = p->k, xa = sa8 ? 0x80u : 0u, xb = sb8 ? 0x80u : 0u;
    int32_t oa = (int32_t)xa, ob = (int32_t)xb, fused = p->fused, two = p->nst == 2;
    int32_t ma = p->ia.m, da = p->ia.d, sa = p->ia.sh, la = p->ia.lo, ha = p->ia.hi;
    int32_t mb = p->ib.m, db = p->ib.d, sb = p->ib.sh, lb = p->ib.lo, hb = p->ib.hi;
    int32_t m0 = p->st[0].m, d0 = p->st[0].d, s0 = p->st[0].sh, l0 = p->st[0].lo, h0 = p->st[0].hi;
    int32_t m1 = p->st[1].m, d1 = p->st[1].d, s1 = p->st[1].sh, l1 = p->st[1].lo, h1 = p->st[1].hi;
    int32_t i;
    size_t w = y8 ? 1u : 2u;
    for (i = 0; i + 2 <= n; i += 2) {
        DORY_ADD_ANY_ONE_(0);
        DORY_ADD_ANY_ONE_(1);
        pa += 2, pb += 2, y = (uint8_t *)y + 2 * w;
    }
    if (i < n)
        DORY_ADD_ANY_ONE_(0);
}

/* ADD_SEL_(P, B): the fused loop P for the inputs' signedness sel = (a s8) * 2 + (b s8) and output width B */
#define ADD_SEL_(P, B)                                                                                 \
    do {                                                                                               \
        if (sel == 0)                                                                                  \
            P##_uu##B(pa, pb, y, n, &p);                                                               \
        else if (sel == 1)                                                                             \
            P##_us##B(pa, pb, y, n, &p);                                                               \
        else if (sel == 2)                                                                             \
            P##_su##B(pa, pb, y, n, &p);                                                               \
        else                                                                                           \
            P##_ss##B(pa, pb, y, n, &p);                                                               \
    } while (0)
/* Elements [e0, e1) by a scalar-chain path; 0 when the plan does not apply. */
static DORY_NOINLINE_ int add_scalar(const dory_add_args_t *a, int32_t e0, int32_t e1)
{
    add_plan_t p;
    int32_t n = e1 - e0;
    int sa8 = a->a_type == DORY_S8, sb8 = a->b_type == DORY_S8, y8 = a->y_type <= DORY_S8;
    if (a->plan) {
        p = *a->plan; /* on the stack: the element loops read it after byte stores to y */
        if (!p.ok)
            return 0;
    } else if (!add_plan(&p, a)) {
        return 0;
    }
    if (p.fused && p.nst == 1) {
        const void *pa = (const int8_t *)a->a + e0, *pb = (const int8_t *)a->b + e0;
        int sel = sa8 * 2 + sb8;
        if (y8) {
            uint8_t *y = (uint8_t *)a->y + e0;
            ADD_SEL_(add_f1, 8);
        } else {
            uint16_t *y = (uint16_t *)a->y + e0;
            ADD_SEL_(add_f1, 16);
        }
        return 1;
    }
    if (p.fused && p.nst == 2 && y8) {
        const void *pa = (const int8_t *)a->a + e0, *pb = (const int8_t *)a->b + e0;
        uint8_t *y = (uint8_t *)a->y + e0;
        int sel = sa8 * 2 + sb8;
        ADD_SEL_(add_f2, 8);
        return 1;
    }
    add_any((const uint8_t *)a->a + e0, (const uint8_t *)a->b + e0, (uint8_t *)a->y + (size_t)e0 * (y8 ? 1u : 2u), n,
            &p, sa8, sb8, y8);
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
    if (e0 >= e1 || add_scalar(a, e0, e1) || add_fast(a, e0, e1, c))
        return;
    for (e = e0; e < e1; e++) {
        int32_t ch = e % c;
        int32_t va = dory_rq_opt_(a->rq_a, ch, dory_load(a->a, a->a_type, (size_t)e));
        int32_t vb = dory_rq_opt_(a->rq_b, ch, dory_load(a->b, a->b_type, (size_t)e));
        dory_store(a->y, a->y_type, (size_t)e, dory_rq_opt_(a->rq, ch, dory_wadd_(va, vb)));
    }
}
