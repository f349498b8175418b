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

/* Requantise through an optional chain (NULL: identity). */
static inline int32_t dory_rq_opt_(const dory_rqchain_t *ch, int32_t c, int32_t x)
{
    return ch ? dory_requant(ch, c, x) : x;
}

#endif /* DORY_KERNELS_PRIVATE_SIMD_H */
