/* dory runtime: what every kernel needs (private to runtime/kernels/, not part of the public API).
 *
 * - the per-core share of a range, and a window kernel's split over rows or channels;
 * - wrapping si32 arithmetic that does not depend on -fwrapv;
 * - the check of a kernel's scratch against its dory_<kernel>_scratch_bytes.
 *
 * The other private headers, by job: requant_fast.h (the end of a sum: bias, partial sums,
 * requantisation, store), dot.h (8-bit dot products on the SIMD macros of dory/simd.h),
 * window.h (the generic convolution window shared by conv2d and depthwise).
 */
#ifndef DORY_KERNELS_KERNEL_H
#define DORY_KERNELS_KERNEL_H

#include <stdint.h>
#include <string.h>

#include "dory/kernels.h"

#ifdef DORY_DEBUG
#include <stdio.h>
#include <stdlib.h>
#endif

#if defined(__GNUC__)
#define DORY_NOINLINE_ __attribute__((noinline))
#else
#define DORY_NOINLINE_
#endif

/* Out of line in the portable builds only: a dispatcher (dory_conv2d) that inlines its big paths
 * carries their frames under every path it calls, and without Xpulpv2 the vector locals spill
 * (conv_fast's inlined into dory_conv2d: a 400-byte frame on rv32, which with conv_1d_tiny's 496
 * overflowed a 1 KiB worker stack). On the pulp cluster the inlining stays (its object code and
 * I$ layout are what the GVSOC figures measured). */
#if defined(__GNUC__) && !defined(DORY_XPULPV2)
#define DORY_NOINLINE_PORTABLE_ __attribute__((noinline))
#else
#define DORY_NOINLINE_PORTABLE_
#endif

/* [*lo, *hi): the share of core `core` of n items over ncores cores. The first n % ncores cores
 * take one item more; shares are disjoint and cover [0, n). A core outside [0, ncores) (ncores < 1
 * counting as 1) gets nothing, so the kernels need no check of their own. */
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

/* si32 a + b and a * b modulo 2^32 (two's complement). */
static inline int32_t dory_wadd_(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t dory_wmul_(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a * (uint32_t)b);
}

#ifdef DORY_DEBUG
/* The loud end of a short scratch (out of line: the check stays cheap). */
static DORY_NOINLINE_ void dory_scratch_short_(const char *kernel, size_t have, size_t need)
{
#ifdef DORY_HAVE_PMSIS
    printf("%s: given %lu bytes of scratch, its fast path needs %lu (%s_scratch_bytes)\n", kernel,
           (unsigned long)have, (unsigned long)need, kernel);
    __builtin_trap();
#else
    fprintf(stderr, "%s: given %lu bytes of scratch, its fast path needs %lu (%s_scratch_bytes)\n", kernel,
            (unsigned long)have, (unsigned long)need, kernel);
    abort();
#endif
}
#endif

/* Whether a kernel may take the fast path that needs `need` bytes of scratch: yes when it needs
 * none or was given at least that much; no when given none (NULL: the caller asks for the generic
 * path). Given some but too little is a caller bug (the executor or the tiler disagree with the
 * kernel's dory_<kernel>_scratch_bytes): with DORY_DEBUG it aborts naming the kernel and the
 * shortfall, otherwise the generic path runs (same results, slower). */
static inline int dory_scratch_ok_(const dory_conv_args_t *a, size_t need, const char *kernel)
{
    if (need == 0 || (a->scratch && a->scratch_bytes >= need))
        return 1;
#ifdef DORY_DEBUG
    if (a->scratch)
        dory_scratch_short_(kernel, a->scratch_bytes, need);
#else
    (void)kernel;
#endif
    return 0;
}

#endif /* DORY_KERNELS_KERNEL_H */
