/* dory runtime: helpers private to the kernels (not part of the public API).
 *
 * - the per-core share of a range (balanced, disjoint, covering, ragged splits allowed);
 * - wrapping si32 arithmetic that does not depend on -fwrapv;
 * - 8-bit dot products built on the SIMD macros of dory/simd.h;
 * - the end of a convolution sum: bias / partial sums / requantisation / store.
 */
#ifndef DORY_KERNELS_PRIVATE_SIMD_H
#define DORY_KERNELS_PRIVATE_SIMD_H

#include <stdint.h>
#include <string.h>

#include "dory/kernels.h"
#include "dory/simd.h"

/* [*lo, *hi): the share of core `core` of n items over ncores cores. The first n % ncores cores
 * take one item more; shares are disjoint and cover [0, n). */
static inline void dory_share_(int32_t n, int core, int ncores, int32_t *lo, int32_t *hi)
{
    int32_t chunk, rem, c;
    if (ncores < 1)
        ncores = 1;
    if (core < 0 || core >= ncores || n <= 0) {
        *lo = *hi = 0;
        return;
    }
    c = (int32_t)core;
    chunk = n / (int32_t)ncores;
    rem = n % (int32_t)ncores;
    *lo = c * chunk + (c < rem ? c : rem);
    *hi = *lo + chunk + (c < rem ? 1 : 0);
}

/* A window kernel's share of a tile: output rows [*r0, *r1) x channels [*c0, *c1), split over the
 * rows when there are at least as many rows as cores, else over the channels. Returns 0 when this
 * core has nothing to do. */
static inline int dory_share_rows_or_channels_(int32_t rows, int32_t chans, int core, int ncores, int32_t *r0,
                                               int32_t *r1, int32_t *c0, int32_t *c1)
{
    if (rows >= ncores) {
        dory_share_(rows, core, ncores, r0, r1);
        *c0 = 0;
        *c1 = chans;
    } else {
        dory_share_(chans, core, ncores, c0, c1);
        *r0 = 0;
        *r1 = rows;
    }
    return *r0 < *r1 && *c0 < *c1;
}

/* Whether a kernel may take the fast path that needs `need` bytes of scratch: yes when it needs
 * none or was given at least that much; no when given none (NULL: the caller asks for the generic
 * path). Given some but too little is a caller bug (the executor or the tiler disagree with the
 * kernel's dory_<kernel>_scratch_bytes): with DORY_DEBUG it aborts naming the kernel and the
 * shortfall, otherwise the generic path runs. */
#ifdef DORY_DEBUG
#include <stdio.h>
#include <stdlib.h>
#endif
static inline int dory_scratch_ok_(const dory_conv_args_t *a, size_t need, const char *kernel)
{
    if (need == 0)
        return 1;
    if (!a->scratch)
        return 0;
    if (a->scratch_bytes >= need)
        return 1;
#ifdef DORY_DEBUG
#ifdef DORY_HAVE_PMSIS
    printf("%s: given %lu bytes of scratch, its fast path needs %lu (%s_scratch_bytes)\n", kernel,
           (unsigned long)a->scratch_bytes, (unsigned long)need, kernel);
    __builtin_trap();
#else
    fprintf(stderr, "%s: given %lu bytes of scratch, its fast path needs %lu (%s_scratch_bytes)\n", kernel,
            (unsigned long)a->scratch_bytes, (unsigned long)need, kernel);
    abort();
#endif
#else
    (void)kernel;
    return 0;
#endif
}

/* si32 a + b and a * b modulo 2^32 (two's complement). */
static inline int32_t dory_wadd_(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t dory_wmul_(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a * (uint32_t)b);
}

/* An element widened to int64 exactly (u32 values stay unsigned, unlike dory_load). */
static inline int64_t dory_load64_(const void *p, dory_dtype_t t, size_t i)
{
    if (t == DORY_U32)
        return (int64_t)((const uint32_t *)p)[i];
    return (int64_t)dory_load(p, t, i);
}

/* True when the 8-bit fast paths apply: x u8 or s8, w s8. */
static inline int dory_fast_types_(dory_dtype_t xt, dory_dtype_t wt)
{
    return (xt == DORY_U8 || xt == DORY_S8) && wt == DORY_S8;
}

/* acc + sum_{k < n} a[k] * b[k] (si32, wrapping); a is u8 (xs == 0) or s8 (xs != 0), b is s8. */
static inline int32_t dory_dot_(const void *a, int xs, const int8_t *b, int32_t n, int32_t acc)
{
    int32_t k = 0;
    if (xs) {
        const int8_t *p = (const int8_t *)a;
        for (; k + 4 <= n; k += 4) {
            dory_v4s va = DORY_LD4S(p + k);
            dory_v4s vb = DORY_LD4S(b + k);
            DORY_SDOTP4_SS(acc, va, vb);
        }
        for (; k < n; k++)
            acc = dory_wadd_(acc, (int32_t)p[k] * b[k]);
    } else {
        const uint8_t *p = (const uint8_t *)a;
        for (; k + 4 <= n; k += 4) {
            dory_v4u va = DORY_LD4U(p + k);
            dory_v4s vb = DORY_LD4S(b + k);
            DORY_SDOTP4_US(acc, va, vb);
        }
        for (; k < n; k++)
            acc = dory_wadd_(acc, (int32_t)p[k] * b[k]);
    }
    return acc;
}

/* Two dot products sharing the weight loads: *s0 = a0 . b, *s1 = a1 . b (n values each). */
static inline void dory_dot2_(const void *a0, const void *a1, int xs, const int8_t *b, int32_t n,
                              int32_t *s0, int32_t *s1)
{
    int32_t k = 0, acc0 = 0, acc1 = 0;
    if (xs) {
        const int8_t *p0 = (const int8_t *)a0, *p1 = (const int8_t *)a1;
        for (; k + 4 <= n; k += 4) {
            dory_v4s vb = DORY_LD4S(b + k);
            dory_v4s v0 = DORY_LD4S(p0 + k);
            dory_v4s v1 = DORY_LD4S(p1 + k);
            DORY_SDOTP4_SS(acc0, v0, vb);
            DORY_SDOTP4_SS(acc1, v1, vb);
        }
        for (; k < n; k++) {
            acc0 = dory_wadd_(acc0, (int32_t)p0[k] * b[k]);
            acc1 = dory_wadd_(acc1, (int32_t)p1[k] * b[k]);
        }
    } else {
        const uint8_t *p0 = (const uint8_t *)a0, *p1 = (const uint8_t *)a1;
        for (; k + 4 <= n; k += 4) {
            dory_v4s vb = DORY_LD4S(b + k);
            dory_v4u v0 = DORY_LD4U(p0 + k);
            dory_v4u v1 = DORY_LD4U(p1 + k);
            DORY_SDOTP4_US(acc0, v0, vb);
            DORY_SDOTP4_US(acc1, v1, vb);
        }
        for (; k < n; k++) {
            acc0 = dory_wadd_(acc0, (int32_t)p0[k] * b[k]);
            acc1 = dory_wadd_(acc1, (int32_t)p1[k] * b[k]);
        }
    }
    *s0 = acc0;
    *s1 = acc1;
}

/* The end of one convolution sum: element idx of the ho x wo x co output (channel o of the tile).
 * first: start from the bias (or 0), else from acc[idx]; last: requantise and store into y,
 * else keep the partial sum in acc. acc == NULL means first = last = 1. */
static inline void dory_conv_finish_(const dory_conv_args_t *a, size_t idx, int32_t o, int32_t sum)
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
 * or per-channel vectors of at most 32 bits, the end of a sum is
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
} dory_rqf_t;

static inline int dory_rqf_vec_ok_(const void *p, dory_dtype_t t, int64_t s)
{
    if (p)
        return t != DORY_U32 && t != DORY_S64;
    return s >= INT32_MIN && s <= INT32_MAX;
}

/* max |v[c]| over [c0, c1) of a vector (dory_load types) or |scalar| when p is NULL. */
static inline int64_t dory_rqf_absmax_(const void *p, dory_dtype_t t, int64_t s, int32_t c0, int32_t c1)
{
    int64_t m = 0, v;
    int32_t c;
    if (!p)
        return s < 0 ? -s : s;
    for (c = c0; c < c1; c++) {
        v = dory_load(p, t, (size_t)c);
        v = v < 0 ? -v : v;
        m = v > m ? v : m;
    }
    return m;
}

/* Plan the end of the sums of output channels [o0, o1) of K products of 8-bit x (xs: signed)
 * and s8 weights. */
static inline void dory_rqf_init_(dory_rqf_t *f, const dory_conv_args_t *a, int xs, int32_t K, int32_t o0,
                                  int32_t o1)
{
    const dory_requant_t *r;
    int64_t A, M, D;
    memset(f, 0, sizeof *f);
    if (a->acc && !(a->first && a->last))
        return;
    if (!a->rq || a->rq->n != 1)
        return;
    r = &a->rq->st[0];
    if (r->div > 0 || r->shift < 0 || r->shift > 31 || !dory_rqf_vec_ok_(r->mul, r->mul_type, r->mul_scalar) ||
        !dory_rqf_vec_ok_(r->add, r->add_type, r->add_scalar))
        return;
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
    f->bias = a->bias;
    f->bias_type = a->bias_type;
    f->y = a->y;
    f->y_type = a->y_type;
    A = (int64_t)K * (xs ? 128 : 255) * 128;
    if (a->bias)
        A += dory_rqf_absmax_(a->bias, a->bias_type, 0, o0, o1);
    M = dory_rqf_absmax_(r->mul, r->mul_type, r->mul_scalar, o0, o1);
    D = dory_rqf_absmax_(r->add, r->add_type, r->add_scalar, o0, o1);
    f->mode = (A <= INT32_MAX && (M == 0 || A <= (INT32_MAX - D) / M) && D <= INT32_MAX) ? 1 : 2;
    f->fast = f->mode == 1 && !f->trunc && f->y_type <= DORY_S8 && (!f->bias || f->bias_type == DORY_S32) &&
              (!f->mul || f->mul_type == DORY_S32) && (!f->add || f->add_type == DORY_S32);
}

/* Plan one requantisation chain (pooling, add) on the model of dory_rqf_init_: ch must be a
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
    if (r->div > 0 || r->shift < 0 || r->shift > 31 || !dory_rqf_vec_ok_(r->mul, r->mul_type, r->mul_scalar) ||
        !dory_rqf_vec_ok_(r->add, r->add_type, r->add_scalar))
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
    D = dory_rqf_absmax_(r->add, r->add_type, r->add_scalar, o0, o1);
    f->mode = (A >= 0 && A <= INT32_MAX && (M == 0 || A <= (INT32_MAX - D) / M) && D <= INT32_MAX) ? 1 : 2;
    f->fast = f->mode == 1 && !f->trunc && y_type <= DORY_S8 && (!f->mul || f->mul_type == DORY_S32) &&
              (!f->add || f->add_type == DORY_S32);
    return f->mode;
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

#if defined(__GNUC__)
#define DORY_NOINLINE_ __attribute__((noinline))
#else
#define DORY_NOINLINE_
#endif

/* The ends of the sums of channels o .. o + n - 1 (n <= 4) of one or two pixels (two != 0):
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
        const int32_t *dp = f->add ? (const int32_t *)f->add + o : NULL;
        int32_t sh = f->shift, lo = f->min, hi = f->max, ms = f->mul_s, ds = f->add_s;
        uint32_t span = (uint32_t)hi - (uint32_t)lo;
        for (j = 0; j < n; j++) {
            /* (s + b) * m + d == s * m + (b * m + d), every term bounded by dory_rqf_init_ */
            int32_t m = mp ? mp[j] : ms, d = (int32_t)((uint32_t)(bp ? bp[j] : 0) * (uint32_t)m + (uint32_t)(dp ? dp[j] : ds));
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

/* ---- blocked 8-bit dot products ---------------------------------------------------------------
 *
 * dory_blocks4x2_*(xa, xb, w, K, o, o1, f, ia, ib): for the output channels o .. o1 - 1 in blocks
 * of 4 (o1 - o a multiple of 4), the 4 x 2 dot products of the activation vectors xa, xb (K values)
 * with the weight rows w + c * K of the block's channels c (8 accumulators), each block's sums then
 * ended by dory_rqf_block_ (f; elements ia + c and ib + c). dory_blocks4x1_*: one activation
 * vector (xb unused). u8 / s8 activations, s8 weights, si32 wrapping sums.
 * On GAP8 (__pulp__, or DORY_KERNELS_SDOTP4 to test that shape elsewhere) 4-way SIMD dot products;
 * on plain RV32 scalar byte loads and mul/add: per k step of the 4x2 block 2 + 4 loads, 8 mul,
 * 8 add, unrolled 8 times so that the 6 pointer increments and the branch are shared. */
#if defined(__GNUC__)
#define DORY_REG_(v) __asm__("" : "+r"(v))
#else
#define DORY_REG_(v) ((void)0)
#endif
/* DORY_REG_ makes the compiler hold an accumulator in a register at that point: it keeps GCC from
 * reassociating the unrolled steps' sums into trees, and no-schedule-insns keeps GCC's
 * pre-allocation scheduler from hoisting the loads of later steps: either runs out of RV32's
 * registers (spills). noinline: the attribute would forbid inlining anyway. */
#if defined(__GNUC__) && !defined(__clang__)
#define DORY_BLOCK_ATTR_ __attribute__((noinline, optimize("no-schedule-insns")))
#else
#define DORY_BLOCK_ATTR_
#endif

#if defined(__pulp__) || defined(DORY_KERNELS_SDOTP4)

#define DORY_DOT_BLOCKS_(NAME, XT, V4X, LD4X, SDOT, NX)                                                  \
    static DORY_BLOCK_ATTR_ void NAME(const XT *xa, const XT *xb, const int8_t *w, int32_t K, int32_t o,     \
                                      int32_t o1, const dory_rqf_t *f, size_t ia, size_t ib)            \
    {                                                                                                  \
        for (; o < o1; o += 4) {                                                                       \
            const int8_t *w0 = w + (size_t)o * (size_t)K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;     \
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, k = 0, s[8];       \
            for (; k + 4 <= K; k += 4) {                                                               \
                V4X v0 = LD4X(xa + k), v1 = LD4X((NX == 2 ? xb : xa) + k);                             \
                dory_v4s b0 = DORY_LD4S(w0 + k), b1 = DORY_LD4S(w1 + k), b2 = DORY_LD4S(w2 + k),       \
                         b3 = DORY_LD4S(w3 + k);                                                       \
                SDOT(a0, v0, b0);                                                                      \
                SDOT(a2, v0, b1);                                                                      \
                SDOT(a4, v0, b2);                                                                      \
                SDOT(a6, v0, b3);                                                                      \
                if (NX == 2) {                                                                         \
                    SDOT(a1, v1, b0);                                                                  \
                    SDOT(a3, v1, b1);                                                                  \
                    SDOT(a5, v1, b2);                                                                  \
                    SDOT(a7, v1, b3);                                                                  \
                }                                                                                      \
            }                                                                                          \
            for (; k < K; k++) {                                                                       \
                int32_t p0 = xa[k], p1 = NX == 2 ? xb[k] : 0;                                          \
                a0 = dory_wadd_(a0, p0 * w0[k]);                                                       \
                a2 = dory_wadd_(a2, p0 * w1[k]);                                                       \
                a4 = dory_wadd_(a4, p0 * w2[k]);                                                       \
                a6 = dory_wadd_(a6, p0 * w3[k]);                                                       \
                a1 = dory_wadd_(a1, p1 * w0[k]);                                                       \
                a3 = dory_wadd_(a3, p1 * w1[k]);                                                       \
                a5 = dory_wadd_(a5, p1 * w2[k]);                                                       \
                a7 = dory_wadd_(a7, p1 * w3[k]);                                                       \
            }                                                                                          \
            s[0] = a0, s[1] = a1, s[2] = a2, s[3] = a3, s[4] = a4, s[5] = a5, s[6] = a6, s[7] = a7;    \
            dory_rqf_block_(f, s, o, 4, ia, ib, NX == 2);                                              \
        }                                                                                              \
    }
DORY_DOT_BLOCKS_(dory_blocks4x2_u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, 2)
DORY_DOT_BLOCKS_(dory_blocks4x2_s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, 2)
DORY_DOT_BLOCKS_(dory_blocks4x1_u_, uint8_t, dory_v4u, DORY_LD4U, DORY_SDOTP4_US, 1)
DORY_DOT_BLOCKS_(dory_blocks4x1_s_, int8_t, dory_v4s, DORY_LD4S, DORY_SDOTP4_SS, 1)

#else /* scalar */

/* One k step at offset i (unsigned accumulators: wrapping without -fwrapv). */
#define DORY_STEP4x2_(i)                                                                               \
    do {                                                                                               \
        int32_t p0 = x0[i], p1 = x1[i], q0 = w0[i], q1 = w1[i], q2 = w2[i], q3 = w3[i];                \
        a0 += (uint32_t)(p0 * q0); DORY_REG_(a0);                                                      \
        a1 += (uint32_t)(p1 * q0); DORY_REG_(a1);                                                      \
        a2 += (uint32_t)(p0 * q1); DORY_REG_(a2);                                                      \
        a3 += (uint32_t)(p1 * q1); DORY_REG_(a3);                                                      \
        a4 += (uint32_t)(p0 * q2); DORY_REG_(a4);                                                      \
        a5 += (uint32_t)(p1 * q2); DORY_REG_(a5);                                                      \
        a6 += (uint32_t)(p0 * q3); DORY_REG_(a6);                                                      \
        a7 += (uint32_t)(p1 * q3); DORY_REG_(a7);                                                      \
    } while (0)
#define DORY_STEP4x1_(i)                                                                               \
    do {                                                                                               \
        int32_t p0 = x0[i];                                                                            \
        a0 += (uint32_t)(p0 * w0[i]); DORY_REG_(a0);                                                   \
        a2 += (uint32_t)(p0 * w1[i]); DORY_REG_(a2);                                                   \
        a4 += (uint32_t)(p0 * w2[i]); DORY_REG_(a4);                                                   \
        a6 += (uint32_t)(p0 * w3[i]); DORY_REG_(a6);                                                   \
    } while (0)

#define DORY_DOT_BLOCKS_(NAME, XT, STEP, NX)                                                             \
    static DORY_BLOCK_ATTR_ void NAME(const XT *xa, const XT *xb, const int8_t *w, int32_t K, int32_t o,     \
                                      int32_t o1, const dory_rqf_t *f, size_t ia, size_t ib)            \
    {                                                                                                  \
        for (; o < o1; o += 4) {                                                                       \
            const XT *x0 = xa, *x1 = xb, *end = xa + (K & ~7);                                         \
            const int8_t *w0 = w + (size_t)o * (size_t)K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;     \
            uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;                   \
            int32_t k, s[8];                                                                           \
            while (x0 != end) {                                                                        \
                STEP(0);                                                                               \
                STEP(1);                                                                               \
                STEP(2);                                                                               \
                STEP(3);                                                                               \
                STEP(4);                                                                               \
                STEP(5);                                                                               \
                STEP(6);                                                                               \
                STEP(7);                                                                               \
                x0 += 8, w0 += 8, w1 += 8, w2 += 8, w3 += 8;                                           \
                if (NX == 2)                                                                           \
                    x1 += 8;                                                                           \
            }                                                                                          \
            for (k = 0; k < (K & 7); k++)                                                              \
                STEP(k);                                                                               \
            s[0] = (int32_t)a0, s[1] = (int32_t)a1, s[2] = (int32_t)a2, s[3] = (int32_t)a3;            \
            s[4] = (int32_t)a4, s[5] = (int32_t)a5, s[6] = (int32_t)a6, s[7] = (int32_t)a7;            \
            dory_rqf_block_(f, s, o, 4, ia, ib, NX == 2);                                              \
        }                                                                                              \
    }
DORY_DOT_BLOCKS_(dory_blocks4x2_u_, uint8_t, DORY_STEP4x2_, 2)
DORY_DOT_BLOCKS_(dory_blocks4x2_s_, int8_t, DORY_STEP4x2_, 2)
DORY_DOT_BLOCKS_(dory_blocks4x1_u_, uint8_t, DORY_STEP4x1_, 1)
DORY_DOT_BLOCKS_(dory_blocks4x1_s_, int8_t, DORY_STEP4x1_, 1)

#endif

/* Channels [o, o1) (o1 - o a multiple of 4) of one (xb NULL) or two pixels, ended by f. */
static inline void dory_blocks4_(const void *xa, const void *xb, int xs, const int8_t *w, int32_t K, int32_t o,
                                 int32_t o1, const dory_rqf_t *f, size_t ia, size_t ib)
{
    if (xb) {
        if (xs)
            dory_blocks4x2_s_((const int8_t *)xa, (const int8_t *)xb, w, K, o, o1, f, ia, ib);
        else
            dory_blocks4x2_u_((const uint8_t *)xa, (const uint8_t *)xb, w, K, o, o1, f, ia, ib);
    } else {
        if (xs)
            dory_blocks4x1_s_((const int8_t *)xa, (const int8_t *)xa, w, K, o, o1, f, ia, ib);
        else
            dory_blocks4x1_u_((const uint8_t *)xa, (const uint8_t *)xa, w, K, o, o1, f, ia, ib);
    }
}

/* Requantise through an optional chain (NULL: identity). */
static inline int32_t dory_rq_opt_(const dory_rqchain_t *ch, int32_t c, int32_t x)
{
    return ch ? dory_requant(ch, c, x) : x;
}

#endif /* DORY_KERNELS_PRIVATE_SIMD_H */
