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
 * without the generic chain. Checked once per kernel call (O(channels)).
 *
 * Any other divisor d > 0 (NEMO's exports: e.g. "Mul 43, Div 16777215", mul a per-channel
 * batch-norm scale up to ~2^17, so t = s * mul + add needs 64 bits) is mode 3: t is computed in
 * int64 from s = bias + sum (si32, wrapping, as the generic end) -- exact, |t| < 2^62 -- and
 * y = clip(floor(t / d), min, max) is found without a division, exactly, in the window of t that
 * the clip keeps: with lo = min * d and U = (max - min + 1) * d - 1 < 2^32,
 *     v = t - lo <  0  ->  y = min   (floor(t / d) < min);
 *     v        >  U  ->  y = max   (floor(t / d) >= max + 1);
 *     else            y = min + floor(v / d),   0 <= v <= U < 2^32,
 * and floor(v / d) by a multiply and a shift: for S in [32, 63], M = ceil(2^S / d) < 2^33 and
 * e = M d - 2^S (0 <= e < d), floor(v M / 2^S) = floor(v / d) when U e < 2^S.
 * Proof: write v = q d + r, 0 <= r < d. Then v M / 2^S = v (2^S + e) / (d 2^S) =
 * q + (r + v e / 2^S) / d, and 0 <= v e / 2^S <= U e / 2^S < 1, so 0 <= r + v e / 2^S < r + 1 <= d:
 * the floor is q. With M = 2^32 Mh + Ml (Mh 0 or 1), floor(v M / 2^32) = Mh v + floor(v Ml / 2^32)
 * (v Mh 2^32 is a multiple of 2^32), the high word of one 32 x 32 -> 64 product plus Mh v (< 2^33),
 * and floor(v M / 2^S) is that shifted right by S - 32 (floors of successive integer divisions
 * compose). Such an S exists for every d < 2^31 that is not a power of two: S = 32 + c with
 * c = ceil(log2 d) gives U e < 2^32 d <= 2^S, and 2^S / d <= 2^(32+c) / (2^(c-1) + 1) < 2^33 - 1
 * (c <= 31), so M < 2^33; dory_rqf_div_plan_ takes the smallest S, by exact integer steps.
 * Truncation: trunc(t / d) = floor((t + d - 1) / d) for t < 0 (floor(t / d) for t >= 0), so t is
 * moved by d - 1 first (no overflow: |t| < 2^62). A power-of-two d is the shift log2 d (modes 1,
 * 2); mode 0 when U >= 2^32 (e.g. a 32-bit output range) or min > max. */
typedef struct {
    const void *mul, *add, *bias;
    dory_dtype_t mul_type, add_type, bias_type, y_type;
    int32_t mul_s, add_s; /* the scalars when mul / add are NULL */
    int32_t shift, trunc, min, max;
    void *y;
    int64_t dlo;   /* mode 3: lo = min * d */
    uint32_t div;  /* mode 3: d */
    uint32_t du;   /* mode 3: U = (max - min + 1) * d - 1 */
    uint32_t dm;   /* mode 3: M mod 2^32 */
    uint32_t dmh;  /* mode 3: M >> 32 (0 or 1) */
    int32_t ds;    /* mode 3: S - 32 */
    const dory_conv_args_t *args; /* a convolution's: mode 0 ends through dory_conv_finish_ */
    const int32_t *wlo, *whi; /* win: the stage's input window, s32 per channel */
    /* the flags as bytes: a kernel holds up to three plans on the worker cores' small stacks */
    int8_t mode; /* 0: generic (dory_conv_finish_), 1: int32 math, 2: int64 math, 3: int64 t and a
                    division by multiplication inside the clip window (see above), 4: the window
                    end (win) */
    int8_t fast; /* mode 1, floor, 8-bit output, bias / mul / add NULL or s32 */
    int8_t add64; /* add is an s64 vector (modes 2 and 3, planned by dory_rqf_init_ only: its ends
                     read it with dory_load_param, dory_rqf_chan_'s d is not it) */
    int8_t wide_fast; /* mode 2 or 3, 8-bit output, bias / mul NULL or s32, add NULL, s32 or s64:
                         dory_rqf_block_ takes dory_rqf_block_wfast_ */
    int8_t win;   /* the window end (below): 0 none, 1 shift, 2 division by multiplication */
} dory_rqf_t;

/* Mode 3's constants for a divisor 2 < d < 2^31 that is not a power of two and f->min, f->max
 * (see above); 0 when U >= 2^32 or min > max (or, never by the proof, no S). Runs once per kernel
 * call on every core, so without 64-bit divisions: q = floor(2^S / d) and r = 2^S mod d start from
 * one 32-bit division at S = 32 and double with S (2^(S+1) = 2 q d + 2 r). */
static inline int dory_rqf_div_plan_(dory_rqf_t *f, uint32_t d)
{
    uint64_t U, q, M;
    uint32_t r, e;
    int32_t S;
    if (f->min > f->max)
        return 0;
    U = ((uint64_t)((int64_t)f->max - f->min) + 1u) * d - 1u;
    if (U > UINT32_MAX)
        return 0;
    q = UINT32_MAX / d; /* 2^32 = q d + r */
    r = UINT32_MAX % d + 1u;
    if (r == d) {
        q++;
        r = 0;
    }
    for (S = 32; S <= 63; S++) {
        M = q + (r != 0);
        e = r ? d - r : 0u;
        if (M >> 33) /* grows with S */
            return 0;
        if (U * e < ((uint64_t)1 << S)) { /* U < 2^32, e < 2^31: no overflow */
            f->div = d;
            f->dlo = (int64_t)f->min * d;
            f->du = (uint32_t)U;
            f->dm = (uint32_t)M;
            f->dmh = (uint32_t)(M >> 32);
            f->ds = S - 32;
            return 1;
        }
        q *= 2u;
        if (r >= d - r) { /* 2 r >= d, without overflow */
            q++;
            r = r - (d - r);
        } else {
            r *= 2u;
        }
    }
    return 0;
}

/* Mode 3: clip(floor(t / d), min, max), or with trunc clip(trunc(t / d), min, max) (see above). */
static inline int32_t dory_rqf_div_(const dory_rqf_t *f, int64_t t)
{
    uint64_t v;
    uint32_t w;
    if (f->trunc && t < 0)
        t += f->div - 1u;
    v = (uint64_t)t - (uint64_t)f->dlo; /* modulo 2^64: t < lo wraps above U */
    if (v > f->du) /* below the window or above it */
        return t < f->dlo ? f->min : f->max;
    w = (uint32_t)v;
    return f->min + (int32_t)((((uint64_t)w * f->dm >> 32) + (f->dmh ? (uint64_t)w : 0u)) >> f->ds);
}

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
 * one-stage chain with mul / add vectors or scalars of at most 32 bits, else mode 0 (the generic
 * chain). The values requantised are bounded by |v| <= A; with M, D = max |mul|, |add| over
 * channels [o0, o1): a power-of-two divisor (shift 0..31, or div 2^k) is mode 1 when
 * A * M + D <= INT32_MAX proves the int32 math exact, else mode 2 (int64); any other divisor is
 * mode 3 when dory_rqf_div_plan_ finds its constants (any bound), else mode 0.
 * No bias. Returns the mode. */
static inline int32_t dory_rqf_plan_wide_(dory_rqf_t *f, const dory_rqchain_t *ch, int64_t A, int32_t o0,
                                          int32_t o1, void *y, dory_dtype_t y_type, int allow64);

/* Whether ch is one stage with a divisor that is not a power of two (mode 3 or 0: no bound on
 * the values requantised is needed, so the planners skip their scans). */
static inline int dory_rqf_is_div_(const dory_rqchain_t *ch)
{
    return ch && ch->n == 1 && ch->st[0].div > 0 && (ch->st[0].div & (ch->st[0].div - 1)) != 0;
}

static inline int32_t dory_rqf_plan_(dory_rqf_t *f, const dory_rqchain_t *ch, int64_t A, int32_t o0, int32_t o1,
                                     void *y, dory_dtype_t y_type)
{
    return dory_rqf_plan_wide_(f, ch, A, o0, o1, y, y_type, 0);
}

/* dory_rqf_plan_, and with allow64 an s64 add vector too (add64: mode 2, or 3 for a divisor that
 * is not a power of two; t = s * mul + add in int64 as the generic chain computes it). */
static inline int32_t dory_rqf_plan_wide_(dory_rqf_t *f, const dory_rqchain_t *ch, int64_t A, int32_t o0,
                                          int32_t o1, void *y, dory_dtype_t y_type, int allow64)
{
    const dory_requant_t *r;
    int64_t M, D;
    int32_t shift;
    memset(f, 0, sizeof *f);
    f->y = y;
    f->y_type = y_type;
    f->bias_type = DORY_S32;
    if (!ch || ch->n != 1)
        return 0;
    r = &ch->st[0];
    if (r->trunc == DORY_ROUND_HALF_AWAY) /* the ends below round floor or trunc only */
        return 0;
    shift = r->shift;
    if (r->div > 0 && (r->div & (r->div - 1)) == 0) /* 2^k: the shift k */
        for (shift = 0; ((int32_t)1 << shift) != r->div; shift++)
            ;
    if ((r->div <= 0 || (r->div & (r->div - 1)) == 0) && (shift < 0 || shift > 31))
        return 0;
    if (!dory_rqf_vec_ok_(r->mul, r->mul_type, r->mul_scalar))
        return 0;
    f->add64 = allow64 && r->add && r->add_type == DORY_S64;
    if (!f->add64 && !dory_rqf_vec_ok_(r->add, r->add_type, r->add_scalar))
        return 0;
    f->mul = r->mul;
    f->add = r->add;
    f->mul_type = r->mul_type;
    f->add_type = r->add_type;
    f->mul_s = r->mul ? 0 : (int32_t)r->mul_scalar;
    f->add_s = r->add ? 0 : (int32_t)r->add_scalar;
    f->shift = shift;
    f->trunc = r->trunc;
    f->min = r->min;
    f->max = r->max;
    if (dory_rqf_is_div_(ch)) { /* no bound needed (t is int64): no O(channels) scans */
        f->shift = 0;
        f->mode = dory_rqf_div_plan_(f, (uint32_t)r->div) ? 3 : 0;
        return f->mode;
    }
    M = dory_rqf_absmax_(r->mul, r->mul_type, r->mul_scalar, o0, o1);
    D = f->add64 ? INT64_MAX : dory_rqf_absmax_(r->add, r->add_type, r->add_scalar, o0, o1);
    f->mode = (A >= 0 && A <= INT32_MAX && (M == 0 || A <= (INT32_MAX - D) / M) && D <= INT32_MAX) ? 1 : 2;
    f->fast = f->mode == 1 && !f->trunc && y_type <= DORY_S8 && (!f->mul || f->mul_type == DORY_S32) &&
              (!f->add || f->add_type == DORY_S32);
    return f->mode;
}

/* ---- the window end (requant-window) ------------------------------------------------------
 *
 * When the compiler attached the stage's input window (dory_requant_t win_lo / win_hi; the
 * definition and its proof: dory_ir/analysis/requant_window.py), then for *every* si32 s (bias
 * included, wrapped as the generic end wraps it), with c = clamp(s, win_lo[o], win_hi[o]),
 *     y = min + floor(v / d),   v = c * mul + add - min * d,   0 <= v < 2^32,
 * so v is exact computed modulo 2^32 in uint32 (only add's low word matters: an s64 add is read
 * as its low word), and floor(v / d) is v >> shift, or for a divisor that is not a power of two
 * mode 3's multiply-high (dory_rqf_div_plan_: U = (max - min + 1) d - 1 < 2^32 holds by the
 * window's condition). No bound on the sums is needed, so it serves every layer the compiler
 * gave a window: one clamp, one multiply-add and a shift per output instead of 64-bit math.
 * Planned (win != 0) for one stage, an 8-bit output, bias and mul NULL or s32, add NULL, s32 or
 * s64; needs no partial sums (dory_rqf_init_ checks). */
static inline int dory_rqf_win_plan_(dory_rqf_t *f, const dory_rqchain_t *ch, dory_dtype_t y_type,
                                     const void *bias, dory_dtype_t bias_type)
{
    const dory_requant_t *r;
    if (!ch || ch->n != 1 || y_type > DORY_S8 || (bias && bias_type != DORY_S32))
        return 0;
    r = &ch->st[0];
    if (r->trunc != DORY_ROUND_FLOOR) /* the window is a floor's (the compiler gives no other one) */
        return 0;
    if (!r->win_lo || !r->win_hi || (r->mul && r->mul_type != DORY_S32) ||
        (r->add && r->add_type != DORY_S32 && r->add_type != DORY_S64) || (r->div <= 0 && (r->shift < 0 || r->shift > 31)))
        return 0;
    memset(f, 0, sizeof *f);
    f->mul = r->mul;
    f->add = r->add;
    f->mul_type = r->mul_type;
    f->add_type = r->add_type;
    f->add64 = r->add && r->add_type == DORY_S64;
    f->mul_s = r->mul ? 0 : (int32_t)r->mul_scalar;
    f->add_s = r->add ? 0 : (int32_t)r->add_scalar; /* its low word: all v needs */
    f->min = r->min;
    f->max = r->max;
    f->wlo = r->win_lo;
    f->whi = r->win_hi;
    if (r->div > 0 && (r->div & (r->div - 1)) != 0) {
        if (!dory_rqf_div_plan_(f, (uint32_t)r->div)) /* never, by the window's condition */
            return 0;
        f->win = 2;
    } else {
        int32_t sh = r->shift;
        if (r->div > 0) /* 2^k: the shift k */
            for (sh = 0; ((int32_t)1 << sh) != r->div; sh++)
                ;
        f->shift = sh;
        f->win = 1;
    }
    f->bias = bias;
    f->bias_type = DORY_S32;
    f->mode = 4; /* not 0: the per-element ends below take the window */
    return 1;
}

/* clamp(x, lo, hi) for lo <= hi: p.max then p.min with DORY_XPULPV2, emitted in the Xpulpv2
 * encoding GVSOC decodes (gvsoc-core models/cpu/iss/isa_gen/isa_pulpv2.py: 'p.max' '0000010 -----
 * ----- 110 ----- 0110011', 'p.min' '0000010 ----- ----- 100 ----- 0110011': opcode 0x33, funct7
 * 0x02, funct3 6 / 4), one instruction each instead of a compare and a branch. */
static inline int32_t dory_clamp_(int32_t x, int32_t lo, int32_t hi)
{
#if defined(DORY_XPULPV2)
    __asm__(".insn r 0x33, 6, 0x02, %0, %1, %2" : "=r"(x) : "r"(x), "r"(lo));
    __asm__(".insn r 0x33, 4, 0x02, %0, %1, %2" : "=r"(x) : "r"(x), "r"(hi));
    return x;
#else
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
#endif
}

/* floor(v / d) for the window end's v < 2^32 and mode 3's constants (see dory_rqf_block_wfast_
 * for the Mh = 1 step without 64-bit arithmetic). */
static inline uint32_t dory_rqf_udiv_(uint32_t v, uint32_t dm, uint32_t mh, int32_t k)
{
    uint32_t h = (uint32_t)(((uint64_t)v * dm) >> 32);
    return mh ? (h + ((v - h) >> 1)) >> (k - 1) : h >> k;
}

/* min * d modulo 2^32 of a window plan (d = 2^shift or div). */
static inline uint32_t dory_rqf_wofs_(const dory_rqf_t *f)
{
    return f->win == 1 ? (uint32_t)f->min << f->shift : (uint32_t)f->min * f->div;
}

/* The window end of one sum s (bias not yet added) of channel o. */
static inline int32_t dory_rqf_win1_(const dory_rqf_t *f, int32_t o, int32_t s)
{
    uint32_t m = f->mul ? (uint32_t)((const int32_t *)f->mul)[o] : (uint32_t)f->mul_s;
    uint32_t k = (f->add ? (uint32_t)((const int32_t *)f->add)[f->add64 ? 2 * o : o] : (uint32_t)f->add_s) - dory_rqf_wofs_(f);
    int32_t c = dory_clamp_(dory_wadd_(f->bias ? ((const int32_t *)f->bias)[o] : 0, s), f->wlo[o], f->whi[o]);
    uint32_t v = (uint32_t)c * m + k; /* exact: in [0, 2^32) by the window */
    return f->min + (int32_t)(f->win == 1 ? v >> f->shift : dory_rqf_udiv_(v, f->dm, f->dmh, f->ds));
}

/* The window end of a block (dory_rqf_block_'s arguments): per channel its constants once, then
 * one or two pixels; the loop per divisor kind (hoisted). */
#define DORY_RQF_WIN_LOOP_(DIV)                                                                    \
    for (j = 0; j < n; j++) {                                                                      \
        uint32_t m = mp ? (uint32_t)mp[j] : ms, k = (dp ? (uint32_t)dp[j * dstep] : das) - wofs, v;  \
        int32_t lo = lp[j], hi = hp[j], b = bp ? bp[j] : 0;                                        \
        v = (uint32_t)dory_clamp_(dory_wadd_(s[2 * j], b), lo, hi) * m + k;                       \
        ya[j] = (uint8_t)(mn + (int32_t)(DIV));                                                    \
        if (two) {                                                                                 \
            v = (uint32_t)dory_clamp_(dory_wadd_(s[2 * j + 1], b), lo, hi) * m + k;               \
            yb[j] = (uint8_t)(mn + (int32_t)(DIV));                                                \
        }                                                                                          \
    }

static DORY_NOINLINE_ void dory_rqf_block_win_(const dory_rqf_t *f, const int32_t *s, int32_t o, int32_t n,
                                               size_t ia, size_t ib, int two)
{
    int32_t j, mn = f->min, dstep = f->add64 ? 2 : 1;
    uint32_t ms = (uint32_t)f->mul_s, das = (uint32_t)f->add_s, wofs = dory_rqf_wofs_(f);
    uint8_t *ya = (uint8_t *)f->y + ia + o, *yb = (uint8_t *)f->y + ib + o;
    const int32_t *bp = f->bias ? (const int32_t *)f->bias + o : NULL;
    const int32_t *mp = f->mul ? (const int32_t *)f->mul + o : NULL;
    /* an s64 add: its low words, every other word on these little-endian cores */
    const int32_t *dp = f->add ? (const int32_t *)f->add + o * dstep : NULL;
    const int32_t *lp = f->wlo + o, *hp = f->whi + o;
    if (f->win == 1) {
        int32_t sh = f->shift;
        DORY_RQF_WIN_LOOP_(v >> sh)
    } else {
        uint32_t dm = f->dm, mh = f->dmh;
        int32_t dk = f->ds;
        DORY_RQF_WIN_LOOP_(dory_rqf_udiv_(v, dm, mh, dk))
    }
}
#undef DORY_RQF_WIN_LOOP_

/* f from the layer's plan (dory_conv_rqplan, made by the executor once per layer): its words
 * copied from L2 at once, the vectors' pointers from the chain and the arguments; every field
 * set, as the planners below set it for the same arguments (tests/c/paths_check.c compares). */
static DORY_NOINLINE_ void dory_rqf_planned_(dory_rqf_t *f, const dory_conv_args_t *a)
{
    /* the plan's words, one load each (a struct copy loads its byte fields one by one, each an L2
     * access of 15-33 cycles on GVSOC); through a union: GCC defines its type punning. volatile:
     * else GCC turns the loop into a call to memcpy, the port's a byte loop */
    union {
        dory_conv_rqplan_t p;
        uint32_t w[sizeof(dory_conv_rqplan_t) / 4];
    } u;
    const volatile uint32_t *src = (const volatile uint32_t *)(const void *)a->rqplan; /* 8-byte aligned (int64 dlo) */
    const dory_requant_t *r = &a->rq->st[0];
    uint32_t i;
    for (i = 0; i < sizeof u.w / sizeof u.w[0]; i++)
        u.w[i] = src[i];
    f->mul = r->mul;
    f->add = r->add;
    f->bias = a->bias;
    f->mul_type = (dory_dtype_t)u.p.mul_type;
    f->add_type = (dory_dtype_t)u.p.add_type;
    f->bias_type = (dory_dtype_t)u.p.bias_type;
    f->y_type = a->y_type;
    f->mul_s = u.p.mul_s;
    f->add_s = u.p.add_s;
    f->shift = u.p.shift;
    f->trunc = u.p.trunc;
    f->min = u.p.min;
    f->max = u.p.max;
    f->y = a->y;
    f->dlo = u.p.dlo;
    f->div = u.p.div;
    f->du = u.p.du;
    f->dm = u.p.dm;
    f->dmh = (uint32_t)u.p.dmh;
    f->ds = u.p.ds;
    f->args = a;
    f->wlo = u.p.win ? r->win_lo : NULL;
    f->whi = u.p.win ? r->win_hi : NULL;
    f->mode = u.p.mode;
    f->fast = 0; /* mode 1 only: never planned per layer */
    f->add64 = u.p.add64;
    f->wide_fast = u.p.wide_fast;
    f->win = u.p.win;
}

/* dory_rqf_init_ without the layer's plan (below). */
static DORY_NOINLINE_ void dory_rqf_init_full_(dory_rqf_t *f, const dory_conv_args_t *a, int xs, int32_t K,
                                               int32_t o0, int32_t o1)
{
    int64_t A = (int64_t)K * (xs ? 128 : 255) * 128;
    if (a->acc && !(a->first && a->last)) {
        memset(f, 0, sizeof *f);
        f->args = a;
        return;
    }
    if (dory_rqf_win_plan_(f, a->rq, a->y_type, a->bias, a->bias_type)) {
        f->args = a;
        f->y = a->y;
        f->y_type = a->y_type;
        return;
    }
    if (a->bias && !dory_rqf_is_div_(a->rq))
        A += dory_rqf_absmax_(a->bias, a->bias_type, 0, o0, o1);
    if (!dory_rqf_plan_wide_(f, a->rq, A, o0, o1, a->y, a->y_type, 1)) {
        f->args = a;
        return;
    }
    f->args = a;
    f->bias = a->bias;
    f->bias_type = a->bias_type;
    f->fast = f->fast && (!a->bias || a->bias_type == DORY_S32);
    f->wide_fast = f->mode >= 2 && f->y_type <= DORY_S8 && (!a->bias || a->bias_type == DORY_S32) &&
                   (!f->mul || f->mul_type == DORY_S32) && (!f->add || f->add64 || f->add_type == DORY_S32);
}

/* Plan the end of the sums of output channels [o0, o1) of K products of 8-bit x (xs: signed)
 * and s8 weights: dory_rqf_plan_ of the conv's chain with |v| <= K * max|x| * max|w| + max|bias|,
 * the bias folded in; mode 0 when partial sums are kept. With the layer's plan (a->rqplan) its
 * copy instead: then the plan does not depend on K, xs or the channels. Inline, the planner out
 * of line: the planned path's call skips the planner's frame (12 registers saved and restored,
 * ~170 cycles of every core per call on GVSOC with its instruction-cache misses). */
static inline void dory_rqf_init_(dory_rqf_t *f, const dory_conv_args_t *a, int xs, int32_t K, int32_t o0,
                                  int32_t o1)
{
    if (a->rqplan && (!a->acc || (a->first && a->last)))
        dory_rqf_planned_(f, a);
    else
        dory_rqf_init_full_(f, a, xs, K, o0, o1);
}

/* The range [*lo, *hi] of the outputs of a mode 1 or 3 plan f (dory_rqf_plan_) over inputs
 * |v| <= A: the pre-shift (pre-division) value lies in [-B, B], B = A * M + D, and rounding and
 * the clip are monotone. */
static inline void dory_rqf_range_(const dory_rqf_t *f, int64_t A, int32_t o0, int32_t o1, int64_t *lo, int64_t *hi)
{
    int64_t B = A * dory_rqf_absmax_(f->mul, f->mul_type, f->mul_s, o0, o1) +
                dory_rqf_absmax_(f->add, f->add_type, f->add_s, o0, o1);
    /* floor: the lowest, trunc rounds up from it */
    int64_t l = f->mode == 3 ? dory_div_round(-B, f->div, 0) : -B >> f->shift;
    int64_t h = f->mode == 3 ? dory_div_round(B, f->div, 0) : B >> f->shift;
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

/* Modes 2 and 3: clip(round(t / 2^shift or t / d), min, max) of an int64 t. */
static inline int32_t dory_rqf_end64_(const dory_rqf_t *f, int64_t t)
{
    if (f->mode == 3)
        return dory_rqf_div_(f, t);
    if (f->trunc && t < 0)
        t += ((int64_t)1 << f->shift) - 1;
    t >>= f->shift;
    t = t < f->min ? f->min : t;
    t = t > f->max ? f->max : t;
    return (int32_t)t;
}

/* Store q (in the output's range) at element idx. */
static inline void dory_rqf_store_(const dory_rqf_t *f, size_t idx, int32_t q)
{
    if (f->y_type <= DORY_S8)
        ((uint8_t *)f->y)[idx] = (uint8_t)q;
    else
        dory_store(f->y, f->y_type, idx, q);
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
        dory_rqf_store_(f, idx, dory_rqf_end64_(f, (int64_t)s * m + d));
        return;
    }
    q = q < f->min ? f->min : q;
    q = q > f->max ? f->max : q;
    dory_rqf_store_(f, idx, q);
}

/* The add of channel o as int64 (an s64 vector when add64, else d from dory_rqf_chan_). */
static inline int64_t dory_rqf_add64_(const dory_rqf_t *f, int32_t o, int32_t d)
{
    return f->add64 ? dory_load_param(f->add, DORY_S64, (size_t)o) : d;
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
        int64_t d64;
        dory_rqf_chan_(f, o + j, &b, &m, &d);
        if (f->add64) {
            d64 = dory_rqf_add64_(f, o + j, d);
            dory_rqf_store_(f, ia + (size_t)(o + j), dory_rqf_end64_(f, (int64_t)dory_wadd_(b, s[2 * j]) * m + d64));
            if (two)
                dory_rqf_store_(f, ib + (size_t)(o + j),
                                dory_rqf_end64_(f, (int64_t)dory_wadd_(b, s[2 * j + 1]) * m + d64));
            continue;
        }
        dory_rqf_put_(f, ia + (size_t)(o + j), dory_wadd_(b, s[2 * j]), m, d);
        if (two)
            dory_rqf_put_(f, ib + (size_t)(o + j), dory_wadd_(b, s[2 * j + 1]), m, d);
    }
}

/* Modes 2 and 3 with an 8-bit output: s + b with the si32 wrap of the generic end, then t in int64. */
static DORY_NOINLINE_ void dory_rqf_block_wide_(const dory_rqf_t *f, const int32_t *s, int32_t o, int32_t n,
                                                size_t ia, size_t ib, int two)
{
    int32_t j;
    uint8_t *ya = (uint8_t *)f->y + ia + o, *yb = (uint8_t *)f->y + ib + o;
    for (j = 0; j < n; j++) {
        int32_t b, m, d;
        int64_t d64;
        dory_rqf_chan_(f, o + j, &b, &m, &d);
        d64 = dory_rqf_add64_(f, o + j, d);
        ya[j] = (uint8_t)dory_rqf_end64_(f, (int64_t)dory_wadd_(b, s[2 * j]) * m + d64);
        if (two)
            yb[j] = (uint8_t)dory_rqf_end64_(f, (int64_t)dory_wadd_(b, s[2 * j + 1]) * m + d64);
    }
}

/* Modes 2 and 3, planned wide_fast: s32 (or NULL) bias / mul, s32 or s64 (or NULL) add, 8-bit
 * output; the loop per mode (hoisted), t = (s + b) * m + d in int64 with the si32 wrap of s + b.
 * Mode 3's sum Mh v + floor(v Ml / 2^32) >> (S - 32) without 64-bit arithmetic when Mh = 1: with
 * h = floor(v Ml / 2^32) <= v, v + h = 2 h + (v - h), so floor((v + h) / 2^k) =
 * floor((h + floor((v - h) / 2)) / 2^(k-1)); k = S - 32 >= 1 there (M >= 2^32 at S = 32 would
 * need d = 1). */
#define DORY_RQF_WIDE_LOOP_(END)                                                                    \
    for (j = 0; j < n; j++) {                                                                      \
        int32_t m = mp ? mp[j] : ms, b = bp ? bp[j] : 0;                                           \
        int64_t d = dp64 ? (int64_t)(((uint64_t)(uint32_t)dp64[2 * j + 1] << 32) | (uint32_t)dp64[2 * j]) \
                         : (dp ? dp[j] : ds_);                                                     \
        int64_t t = (int64_t)dory_wadd_(b, s[2 * j]) * m + d;                                      \
        ya[j] = (uint8_t)(END);                                                                    \
        if (two) {                                                                                 \
            t = (int64_t)dory_wadd_(b, s[2 * j + 1]) * m + d;                                      \
            yb[j] = (uint8_t)(END);                                                                \
        }                                                                                          \
    }

/* Mode 3's clip(floor or trunc(t / d)) as in dory_rqf_div_, the constants in registers. */
static inline int32_t dory_rqf_div_fast_(int64_t t, int32_t trunc, uint32_t dm1, int64_t lo, uint32_t U, uint32_t dm,
                                         uint32_t mh, int32_t k, int32_t mn, int32_t mx)
{
    uint64_t v;
    uint32_t w, h;
    if (trunc && t < 0)
        t += dm1;
    v = (uint64_t)t - (uint64_t)lo;
    if (v > U)
        return t < lo ? mn : mx;
    w = (uint32_t)v;
    h = (uint32_t)(((uint64_t)w * dm) >> 32);
    if (mh)
        return mn + (int32_t)((h + ((w - h) >> 1)) >> (k - 1));
    return mn + (int32_t)(h >> k);
}

/* Mode 2's clip(floor or trunc(t / 2^shift)). */
static inline int32_t dory_rqf_shr_fast_(int64_t t, int32_t trunc, int32_t sh, int32_t mn, int32_t mx)
{
    if (trunc && t < 0)
        t += ((int64_t)1 << sh) - 1;
    t >>= sh;
    return t < mn ? mn : (t > mx ? mx : (int32_t)t);
}

static DORY_NOINLINE_ void dory_rqf_block_wfast_(const dory_rqf_t *f, const int32_t *s, int32_t o, int32_t n,
                                                 size_t ia, size_t ib, int two)
{
    int32_t j, ms = f->mul_s, ds_ = f->add_s, tr = f->trunc, mn = f->min, mx = f->max;
    uint8_t *ya = (uint8_t *)f->y + ia + o, *yb = (uint8_t *)f->y + ib + o;
    const int32_t *bp = f->bias ? (const int32_t *)f->bias + o : NULL;
    const int32_t *mp = f->mul ? (const int32_t *)f->mul + o : NULL;
    const int32_t *dp = f->add && !f->add64 ? (const int32_t *)f->add + o : NULL;
    /* an s64 add as its two little-endian words (dory_load_param's memcpy is a call per output) */
    const int32_t *dp64 = f->add64 ? (const int32_t *)f->add + 2 * o : NULL;
    if (f->mode == 3) {
        uint32_t dm1 = f->div - 1u, U = f->du, dm = f->dm, mh = f->dmh;
        int64_t lo = f->dlo;
        int32_t k = f->ds;
        DORY_RQF_WIDE_LOOP_(dory_rqf_div_fast_(t, tr, dm1, lo, U, dm, mh, k, mn, mx))
    } else {
        int32_t sh = f->shift;
        DORY_RQF_WIDE_LOOP_(dory_rqf_shr_fast_(t, tr, sh, mn, mx))
    }
}
#undef DORY_RQF_WIDE_LOOP_

static inline void dory_rqf_block_(const dory_rqf_t *f, const int32_t *s, int32_t o, int32_t n, size_t ia, size_t ib,
                                   int two)
{
    if (f->win)
        dory_rqf_block_win_(f, s, o, n, ia, ib, two);
    else if (f->fast)
        dory_rqf_block_fast_(f, s, o, n, ia, ib, two);
    else if (f->wide_fast)
        dory_rqf_block_wfast_(f, s, o, n, ia, ib, two);
    else if (f->mode >= 2 && f->y_type <= DORY_S8)
        dory_rqf_block_wide_(f, s, o, n, ia, ib, two);
    else
        dory_rqf_block_slow_(f, s, o, n, ia, ib, two);
}

/* The end of the sum of channel o at element idx: the fast path when planned, else the generic. */
static inline void dory_rqf_finish_(const dory_rqf_t *f, const dory_conv_args_t *a, size_t idx, int32_t o,
                                    int32_t sum)
{
    if (f->wide_fast) { /* s32 loads, no type dispatch (per element: depthwise and linear tails) */
        int32_t b = f->bias ? ((const int32_t *)f->bias)[o] : 0, m = f->mul ? ((const int32_t *)f->mul)[o] : f->mul_s;
        int64_t d = f->add64 ? dory_load_param(f->add, DORY_S64, (size_t)o)
                             : (f->add ? ((const int32_t *)f->add)[o] : f->add_s);
        ((uint8_t *)f->y)[idx] = (uint8_t)dory_rqf_end64_(f, (int64_t)dory_wadd_(b, sum) * m + d);
    } else if (f->win) { /* exclusive with wide_fast (tested first, as before) */
        ((uint8_t *)f->y)[idx] = (uint8_t)dory_rqf_win1_(f, o, sum);
    } else if (f->mode) {
        int32_t b, m, d;
        dory_rqf_chan_(f, o, &b, &m, &d);
        if (f->add64)
            dory_rqf_store_(f, idx, dory_rqf_end64_(f, (int64_t)dory_wadd_(b, sum) * m + dory_rqf_add64_(f, o, d)));
        else
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
