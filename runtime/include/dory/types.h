/* dory runtime: element types and the requantisation every kernel shares.
 *
 * Semantics are those of docs/qnn.md, bit for bit:
 *   - accumulators are si32 and wrap (two's complement); the runtime is compiled with -fwrapv;
 *   - a requant stage computes y = clip(round((x * mul + add) / d), min, max) exactly, with
 *     x * mul + add in int64, d = 2^shift (div == 0) or div (div > 0), round = floor, trunc or
 *     half_away (to nearest, ties away from zero: TFLite's RoundingDivideByPOT);
 *   - a chain of stages applies them in order, intermediate values held in si32;
 *   - storing a value into an element type is a C cast to that width (wrap), which a final clip
 *     makes exact.
 */
#ifndef DORY_TYPES_H
#define DORY_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum {
    DORY_U8 = 0,
    DORY_S8 = 1,
    DORY_U16 = 2,
    DORY_S16 = 3,
    DORY_U32 = 4,
    DORY_S32 = 5,
    DORY_S64 = 6 /* requant vectors only: a folded offset may need more than 32 bits */
} dory_dtype_t;

/* Bytes per element of a dtype. */
static inline size_t dory_dtype_bytes(dory_dtype_t t)
{
    return t <= DORY_S8 ? 1u : (t <= DORY_S16 ? 2u : (t <= DORY_S32 ? 4u : 8u));
}


/* Element i of an array of dtype t, widened to int32 (u32 values are reinterpreted). */
static inline int32_t dory_load(const void *p, dory_dtype_t t, size_t i)
{
    switch (t) {
    case DORY_U8: return ((const uint8_t *)p)[i];
    case DORY_S8: return ((const int8_t *)p)[i];
    case DORY_U16: return ((const uint16_t *)p)[i];
    case DORY_S16: return ((const int16_t *)p)[i];
    case DORY_U32: return (int32_t)((const uint32_t *)p)[i];
    default: return ((const int32_t *)p)[i];
    }
}

/* Element i of a requant vector of dtype t, as int64 (an s64 vector may sit at a 4-byte aligned
 * address, so it is read with memcpy). */
static inline int64_t dory_load_param(const void *p, dory_dtype_t t, size_t i)
{
    if (t == DORY_S64) {
        int64_t v;
        memcpy(&v, (const uint8_t *)p + 8u * i, sizeof v);
        return v;
    }
    return dory_load(p, t, i);
}

/* Store v into element i of an array of dtype t (a C cast: wraps to the width). */
static inline void dory_store(void *p, dory_dtype_t t, size_t i, int32_t v)
{
    switch (t) {
    case DORY_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case DORY_S8: ((int8_t *)p)[i] = (int8_t)v; break;
    case DORY_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case DORY_S16: ((int16_t *)p)[i] = (int16_t)v; break;
    case DORY_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
    default: ((int32_t *)p)[i] = v; break;
    }
}

/* One requantisation stage. mul/add are per-channel arrays (of mul_type/add_type, indexed by the
 * channel *within the current tile*: the caller offsets the pointers) or NULL, in which case the
 * scalar is used. */
typedef struct {
    const void *mul;
    const void *add;
    int64_t mul_scalar;
    int64_t add_scalar;
    dory_dtype_t mul_type;
    dory_dtype_t add_type;
    int32_t shift; /* divisor 2^shift when div == 0 */
    int32_t div;   /* divisor when > 0 */
    int32_t trunc; /* the rounding: DORY_ROUND_FLOOR (0), DORY_ROUND_TRUNC (1) or DORY_ROUND_HALF_AWAY
                      (2: only the generic end, dory_requant1, runs it; the kernels' planners
                      (runtime/kernels/requant_fast.h) leave such a stage to it) */
    int32_t min;
    int32_t max;
    /* The stage's input window (dory_ir/analysis/requant_window.py), s32 per channel, or NULL:
     * clamping x into [win_lo[c], win_hi[c]] changes no result, and there x * mul + add - min * d
     * lies in [0, 2^32). Only the kernels' fast end reads it (runtime/kernels/requant_fast.h);
     * dory_requant1 is exact without it. */
    const int32_t *win_lo, *win_hi;
} dory_requant_t;

#define DORY_MAX_REQUANT 4

/* A requantisation chain: n == 0 means none (the accumulator is stored as is, wrapping). */
typedef struct {
    int32_t n;
    dory_requant_t st[DORY_MAX_REQUANT];
} dory_rqchain_t;

/* The roundings of a requant stage's or an average pool's division (dory_requant_t.trunc). */
#define DORY_ROUND_FLOOR 0
#define DORY_ROUND_TRUNC 1
#define DORY_ROUND_HALF_AWAY 2

#if defined(__GNUC__)
#define DORY_COLD_ __attribute__((noinline, cold, unused))
#else
#define DORY_COLD_
#endif

/* num / d rounded half away from zero (d > 0): C's quotient q moves one away from zero when the
 * remainder r has 2 |r| >= d (|r| < d <= 2^62: 2 |r| fits in uint64). Out of line (one copy per
 * file, not per call site): TFLite's rounding is rare next to floor, and the runtime's code size
 * is part of every plan's L2 budget (backends/l2_reserve.py). */
static DORY_COLD_ int64_t dory_div_half_away(int64_t num, int64_t d)
{
    int64_t q = num / d, r = num % d;
    if ((uint64_t)(r < 0 ? -r : r) * 2u >= (uint64_t)d)
        q += num < 0 ? -1 : 1;
    return q;
}

/* num / d for d > 0 rounded by mode (DORY_ROUND_*), exact for every int64 num: C's division
 * truncates; floor is one less for a negative num with a remainder. */
static inline int64_t dory_div_round(int64_t num, int64_t d, int32_t mode)
{
    int64_t q;
    if (mode == DORY_ROUND_HALF_AWAY)
        return dory_div_half_away(num, d);
    q = num / d; /* C: towards zero */
    if (!mode && (num % d) != 0 && num < 0)
        q -= 1;
    return q;
}

/* Apply one stage to x for channel c (within the tile). */
static inline int32_t dory_requant1(const dory_requant_t *r, int32_t c, int64_t x)
{
    int64_t m = r->mul ? dory_load_param(r->mul, r->mul_type, (size_t)c) : r->mul_scalar;
    int64_t a = r->add ? dory_load_param(r->add, r->add_type, (size_t)c) : r->add_scalar;
    int64_t v = x * m + a;
    int64_t q;
    if (r->div > 0)
        q = dory_div_round(v, r->div, r->trunc);
    else if (r->trunc)
        q = dory_div_round(v, (int64_t)1 << r->shift, r->trunc);
    else
        q = v >> r->shift; /* arithmetic shift of two's complement: floor */
    if (q < r->min)
        q = r->min;
    if (q > r->max)
        q = r->max;
    return (int32_t)q;
}

/* Apply a whole chain (identity when empty). */
static inline int32_t dory_requant(const dory_rqchain_t *ch, int32_t c, int32_t x)
{
    int32_t i;
    for (i = 0; i < ch->n; i++)
        x = dory_requant1(&ch->st[i], c, x);
    return x;
}

#endif /* DORY_TYPES_H */
