/* dory runtime: the end of a sum in the kernels (private to runtime/kernels/): bias, partial
 * sums, requantisation and store -- the generic end (dory_conv_finish_) and the planned fast one
 * (dory_rqf_*), decided once per kernel call.
 */
#ifndef DORY_KERNELS_REQUANT_FAST_H
#define DORY_KERNELS_REQUANT_FAST_H

#include "kernel.h"

/* The end of one convolution sum: element idx of the ho x wo x co output (channel o of the tile).
 * first: start from the bias (or 0), else from acc[idx]; last: requantise and store into y,
 * else keep the partial sum in acc. acc == NULL means first = last = 1. */
static DORY_NOINLINE_ void dory_conv_finish_(const dory_conv_args_t *a, size_t idx, int32_t o, int32_t sum)
{
    int first = a->acc ? a->first != 0 : 1;
    int last = a->acc ? a->last != 0 : 1;
    int32_t v;
    if (first)
        v = dory_wadd_(a->bias ? dory_load(a->bias, a->bias_type, (size_t)o) : 0, sum);
    else
        v = dory_wadd_(a->acc[idx], sum);
    if (!last) {
        a->acc[idx] = v;
        return;
    }
    if (a->rq)
        v = dory_requant(a->rq, o, v);
    dory_store(a->y, a->y_type, idx, v);
}

/* ---- requantisation fast path -------------------------------------------------------------
 *
 * When a convolution sum goes straight to the output (no partial sums kept) through a one-stage
 * chain with a power-of-two divisor (shift 0..31, floor or trunc) and mul / add that are scalars
 * or per-channel vectors of at most 32 bits (an s64 add vector whose values fit in 32 bits too),
 * the end of a sum is
 *     y = clip((s * mul + add) >> shift, min, max),   s = bias + sum (si32, wrapping).
 * The int64 of docs/qnn.md is only needed when s * mul + add can leave the int32 range: from the
 * element types, |sum| <= K * max|x| * max|w|, and with B = max |bias|, M = max |mul|,
 * D = max |add| over the channels of the call, (K * X * W + B) * M + D <= INT32_MAX proves that
 * s does not wrap and the int32 arithmetic is exact (mode 1); otherwise int64 (mode 2), still
 * without the generic chain. Checked once per kernel call (O(channels)). */
typedef struct {
    int32_t mode; /* 0: generic (dory_conv_finish_), 1: int32 math, 2: int64 math */
    int32_t fast; /* mode 1, floor, 8-bit output, bias / mul / add NULL or s32 */
    const void *mul, *add, *bias;
    dory_dtype_t mul_type, add_type, bias_type, y_type;
    int32_t mul_s, add_s; /* the scalars when mul / add are NULL */
    int32_t shift, trunc, min, max;
    void *y;
    const dory_conv_args_t *args; /* a convolution's: mode 0 ends through dory_conv_finish_ */
} dory_rqf_t;

static inline int dory_rqf_vec_ok_(const void *p, dory_dtype_t t, int64_t s)
{
    if (p)
        return t != DORY_U32 && t != DORY_S64;
    return s >= INT32_MIN && s <= INT32_MAX;
}

/* max |v[c]| over [c0, c1) of a vector (dory_load_param types) or |scalar| when p is NULL. */
static inline int64_t dory_rqf_absmax_(const void *p, dory_dtype_t t, int64_t s, int32_t c0, int32_t c1)
{
    int64_t m = 0, v;
    int32_t c;
    if (!p)
        return s < 0 ? -s : s;
    for (c = c0; c < c1; c++) {
        /* an s64 element from its two words (little-endian; 4-byte aligned), without memcpy: the
         * port's is a byte loop */
        v = t == DORY_S64 ? (int64_t)(((uint64_t)(uint32_t)((const int32_t *)p)[2 * c + 1] << 32) |
                                      (uint32_t)((const int32_t *)p)[2 * c])
                          : dory_load(p, t, (size_t)c);
        v = v < 0 ? -v : v;
        m = v > m ? v : m;
    }
    return m;
}

/* Plan one requantisation chain (pooling, add; convolutions through dory_rqf_init_): ch must be a
 * one-stage chain with a power-of-two divisor (shift 0..31) and mul / add vectors or scalars of at
 * most 32 bits, else mode 0 (the generic chain). The values requantised are bounded by |v| <= A;
 * A * M + D <= INT32_MAX (M, D: max |mul|, |add| over channels [o0, o1)) proves the int32 math
 * exact (mode 1), else int64 (mode 2). No bias. Returns the mode. */
static inline int32_t dory_rqf_plan_(dory_rqf_t *f, const dory_rqchain_t *ch, int64_t A, int32_t o0, int32_t o1,
                                     void *y, dory_dtype_t y_type)
{
    const dory_requant_t *r;
    int64_t M, D;
    memset(f, 0, sizeof *f);
    f->y = y;
    f->y_type = y_type;
    f->bias_type = DORY_S32;
    if (!ch || ch->n != 1)
        return 0;
    r = &ch->st[0];
    /* an s64 add vector (a folded offset) is taken when its values over [o0, o1) fit in 32 bits */
    if (r->div > 0 || r->shift < 0 || r->shift > 31 || !dory_rqf_vec_ok_(r->mul, r->mul_type, r->mul_scalar) ||
        !(dory_rqf_vec_ok_(r->add, r->add_type, r->add_scalar) || r->add_type == DORY_S64))
        return 0;
    D = dory_rqf_absmax_(r->add, r->add_type, r->add_scalar, o0, o1);
    if (D > INT32_MAX)
        return 0;
    f->mul = r->mul;
    f->add = r->add;
    f->mul_type = r->mul_type;
    f->add_type = r->add_type;
    f->mul_s = r->mul ? 0 : (int32_t)r->mul_scalar;
    f->add_s = r->add ? 0 : (int32_t)r->add_scalar;
    f->shift = r->shift;
    f->trunc = r->trunc;
    f->min = r->min;
    f->max = r->max;
    M = dory_rqf_absmax_(r->mul, r->mul_type, r->mul_scalar, o0, o1);
    f->mode = (A >= 0 && A <= INT32_MAX && (M == 0 || A <= (INT32_MAX - D) / M) && D <= INT32_MAX) ? 1 : 2;
    f->fast = f->mode == 1 && !f->trunc && y_type <= DORY_S8 && (!f->mul || f->mul_type == DORY_S32) &&
              (!f->add || f->add_type == DORY_S32 || f->add_type == DORY_S64);
    return f->mode;
}

/* Plan the end of the sums of output channels [o0, o1) of K products of 8-bit x (xs: signed)
 * and s8 weights: dory_rqf_plan_ of the conv's chain with |v| <= K * max|x| * max|w| + max|bias|,
 * the bias folded in; mode 0 when partial sums are kept. */
static inline void dory_rqf_init_(dory_rqf_t *f, const dory_conv_args_t *a, int xs, int32_t K, int32_t o0,
                                  int32_t o1)
{
    int64_t A = (int64_t)K * (xs ? 128 : 255) * 128;
    if (a->acc && !(a->first && a->last)) {
        memset(f, 0, sizeof *f);
        f->args = a;
        return;
    }
    if (a->bias)
        A += dory_rqf_absmax_(a->bias, a->bias_type, 0, o0, o1);
    if (!dory_rqf_plan_(f, a->rq, A, o0, o1, a->y, a->y_type)) {
        f->args = a;
        return;
    }
    f->args = a;
    f->bias = a->bias;
    f->bias_type = a->bias_type;
    f->fast = f->fast && (!a->bias || a->bias_type == DORY_S32);
}

/* The range [*lo, *hi] of the outputs of a mode 1 plan f (dory_rqf_plan_) over inputs |v| <= A:
 * the pre-shift value lies in [-B, B], B = A * M + D, and rounding and the clip are monotone. */
static inline void dory_rqf_range_(const dory_rqf_t *f, int64_t A, int32_t o0, int32_t o1, int64_t *lo, int64_t *hi)
{
    int64_t B = A * dory_rqf_absmax_(f->mul, f->mul_type, f->mul_s, o0, o1) +
                dory_rqf_absmax_(f->add, f->add_type, f->add_s, o0, o1);
    int64_t l = -B >> f->shift, h = B >> f->shift; /* floor: the lowest, trunc rounds up from it */
    l = l < f->min ? f->min : l;
    l = l > f->max ? f->max : l;
    h = h < f->min ? f->min : h;
    h = h > f->max ? f->max : h;
    *lo = l;
    *hi = h;
}

/* Element o of a per-channel vector (s32 first: the usual type), or the scalar s when p is NULL. */
static inline int32_t dory_rqf_ld_(const void *p, dory_dtype_t t, int32_t s, int32_t o)
{
    if (!p)
        return s;
    if (t == DORY_S32)
        return ((const int32_t *)p)[o];
    if (t == DORY_S64) /* an s64 add fits in 32 bits (dory_rqf_plan_): its low word, little-endian */
        return ((const int32_t *)p)[2 * o];
    return dory_load(p, t, (size_t)o);
}

/* The per-channel values of channel o: bias, mul, add. */
static inline void dory_rqf_chan_(const dory_rqf_t *f, int32_t o, int32_t *b, int32_t *m, int32_t *d)
{
    *b = dory_rqf_ld_(f->bias, f->bias_type, 0, o);
    *m = dory_rqf_ld_(f->mul, f->mul_type, f->mul_s, o);
    *d = dory_rqf_ld_(f->add, f->add_type, f->add_s, o);
}

/* Requantise s (bias included) with channel values m, d and store element idx. */
static inline void dory_rqf_put_(const dory_rqf_t *f, size_t idx, int32_t s, int32_t m, int32_t d)
{
    int32_t q;
    if (f->mode == 1 && !f->trunc) {
        q = (s * m + d) >> f->shift; /* exact: bounded by dory_rqf_init_ */
    } else if (f->mode == 1) {
        int32_t t = s * m + d;
        if (t < 0)
            t += (int32_t)(((uint32_t)1 << f->shift) - 1u);
        q = t >> f->shift;
    } else {
        int64_t t = (int64_t)s * m + d, q64;
        if (f->trunc && t < 0)
            t += ((int64_t)1 << f->shift) - 1;
        q64 = t >> f->shift;
        q64 = q64 < f->min ? f->min : q64;
        q64 = q64 > f->max ? f->max : q64;
        q = (int32_t)q64;
    }
    q = q < f->min ? f->min : q;
    q = q > f->max ? f->max : q;
    if (f->y_type <= DORY_S8)
        ((uint8_t *)f->y)[idx] = (uint8_t)q;
    else
        dory_store(f->y, f->y_type, idx, q);
}

/* The ends of the sums of channels o .. o + n - 1 (n <= 4) of one or two pixels (two != 0)
 * (mode 0: through dory_conv_finish_ of the convolution f was planned for):
 * s[2 * j] (pixel at element ia) and s[2 * j + 1] (pixel at element ib) for channel o + j.
 * Out of line and a leaf: a tight loop of its own, cheap to call from the blocked loops. */
static DORY_NOINLINE_ void dory_rqf_block_fast_(const dory_rqf_t *f, const int32_t *s, int32_t o, int32_t n,
                                                size_t ia, size_t ib, int two)
{
    int32_t j;
    { /* int32 math, floor, 8-bit output, bias / mul / add s32 vectors or scalars */
        uint8_t *ya = (uint8_t *)f->y + ia + o, *yb = (uint8_t *)f->y + ib + o;
        const int32_t *bp = f->bias ? (const int32_t *)f->bias + o : NULL;
        const int32_t *mp = f->mul ? (const int32_t *)f->mul + o : NULL;
        /* an s64 add vector's values fit in 32 bits (dory_rqf_plan_): its low words, every other
         * word on these little-endian cores (RISC-V; x86 for the host tests) */
        int32_t ds = f->add_type == DORY_S64 ? 2 : 1;
        const int32_t *dp = f->add ? (const int32_t *)f->add + o * ds : NULL;
        int32_t sh = f->shift, lo = f->min, hi = f->max, ms = f->mul_s, das = f->add_s;
        uint32_t span = (uint32_t)hi - (uint32_t)lo;
        for (j = 0; j < n; j++) {
            /* (s + b) * m + d == s * m + (b * m + d), every term bounded by dory_rqf_init_ */
            int32_t m = mp ? mp[j] : ms, d = (int32_t)((uint32_t)(bp ? bp[j] : 0) * (uint32_t)m + (uint32_t)(dp ? dp[j * ds] : das));
            int32_t q = (int32_t)((uint32_t)s[2 * j] * (uint32_t)m + (uint32_t)d) >> sh;
            if ((uint32_t)q - (uint32_t)lo > span) /* one test when in range */
                q = q < lo ? lo : hi;
            ya[j] = (uint8_t)q;
            if (two) {
                q = (int32_t)((uint32_t)s[2 * j + 1] * (uint32_t)m + (uint32_t)d) >> sh;
                if ((uint32_t)q - (uint32_t)lo > span)
                    q = q < lo ? lo : hi;
                yb[j] = (uint8_t)q;
            }
        }
    }
}

static DORY_NOINLINE_ void dory_rqf_block_slow_(const dory_rqf_t *f, const int32_t *s, int32_t o, int32_t n,
                                                size_t ia, size_t ib, int two)
{
    int32_t j;
    if (!f->mode) { /* the generic end (partial sums, multi-stage chains, divisors) */
        for (j = 0; j < n; j++) {
            dory_conv_finish_(f->args, ia + (size_t)(o + j), o + j, s[2 * j]);
            if (two)
                dory_conv_finish_(f->args, ib + (size_t)(o + j), o + j, s[2 * j + 1]);
        }
        return;
    }
    for (j = 0; j < n; j++) {
        int32_t b, m, d;
        dory_rqf_chan_(f, o + j, &b, &m, &d);
        dory_rqf_put_(f, ia + (size_t)(o + j), dory_wadd_(b, s[2 * j]), m, d);
        if (two)
            dory_rqf_put_(f, ib + (size_t)(o + j), dory_wadd_(b, s[2 * j + 1]), m, d);
    }
}

static inline void dory_rqf_block_(const dory_rqf_t *f, const int32_t *s, int32_t o, int32_t n, size_t ia, size_t ib,
                                   int two)
{
    if (f->fast)
        dory_rqf_block_fast_(f, s, o, n, ia, ib, two);
    else
        dory_rqf_block_slow_(f, s, o, n, ia, ib, two);
}

/* The end of the sum of channel o at element idx: the fast path when planned, else the generic. */
static inline void dory_rqf_finish_(const dory_rqf_t *f, const dory_conv_args_t *a, size_t idx, int32_t o,
                                    int32_t sum)
{
    if (f->mode) {
        int32_t b, m, d;
        dory_rqf_chan_(f, o, &b, &m, &d);
        dory_rqf_put_(f, idx, dory_wadd_(b, sum), m, d);
    } else {
        dory_conv_finish_(a, idx, o, sum);
    }
}

/* Requantise through an optional chain (NULL: identity). */
static inline int32_t dory_rq_opt_(const dory_rqchain_t *ch, int32_t c, int32_t x)
{
    return ch ? dory_requant(ch, c, x) : x;
}

#endif /* DORY_KERNELS_REQUANT_FAST_H */
