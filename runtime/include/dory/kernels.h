/* dory runtime: the compute kernels. Each works on one tile held in L1 (HWC activations, OHWI
 * weights) and is called on *every* core of the cluster with that core's id: it computes its share
 * of the tile (split over output rows or channels as the shape suits) and returns without a
 * barrier; the caller joins. Kernels never allocate; scratch comes from the caller.
 *
 * Geometry of a window kernel: the input tile is hi x wi x ci (HWC, contiguous); the window
 * of output position (r, q) of the tile starts at input row (lead_h + r) * sh - pt and column
 * (lead_w + q) * sw - pl of the tile, where pt/pl/pb/pr are the padding *inside this tile's
 * windows* (zero except at image borders) -- taps outside [0, hi) x [0, wi) are padding: zero for
 * a convolution and the average's sum, never the max, and counted in an average's divisor only
 * when count_include_pad. lead_h/lead_w are 0 except for ceil-mode pooling tiles (see layer.c).
 *
 * Scratch: a kernel whose fast path needs L1 scratch states how much in its own function,
 * dory_<kernel>_scratch_bytes (the CMSIS-NN get_buffer_size pattern); the executor (layer.c) and
 * the tiler (its L1 footprint model, checked against these by tests/test_scratch_sizes.py) size the
 * scratch with them and nothing else. A NULL scratch asks for the generic path. A non-NULL scratch
 * shorter than the kernel's function is a caller bug: with DORY_DEBUG the kernel prints the
 * shortfall and aborts; otherwise it takes its generic path (same results, slower).
 */
#ifndef DORY_KERNELS_H
#define DORY_KERNELS_H

#include "dory/types.h"

struct dory_conv_rqplan;

/* Convolution tile (dory.conv2d incl. grouped and pointwise, dory.depthwise, dory.linear). */
typedef struct {
    const void *x;          /* input tile, hi x wi x ci */
    dory_dtype_t x_type;
    int32_t hi, wi, ci;     /* ci: channels present in the input tile */
    const void *w;          /* weights: co x kh x kw x cw (cw = ci / groups, or ci for depthwise: 1) */
    dory_dtype_t w_type;
    const void *bias;       /* co values or NULL; added once, when first != 0 */
    dory_dtype_t bias_type;
    void *y;                /* output tile, ho x wo x co (written only when last != 0) */
    dory_dtype_t y_type;
    int32_t ho, wo, co;
    int32_t kh, kw, sh, sw, dh, dw;
    int32_t pt, pl, pb, pr;
    int32_t groups;         /* conv2d only: groups in this tile (1 for an ordinary conv) */
    int32_t *acc;           /* ho x wo x co si32 partial sums, or NULL when input channels are whole */
    int32_t first, last;    /* partial sums: first tile initialises acc (bias or 0), last requantises */
    const dory_rqchain_t *rq; /* output requantisation (channel index = output channel in the tile) */
    void *scratch;          /* kernel scratch in L1 (im2col), scratch_bytes long */
    size_t scratch_bytes;
    const struct dory_conv_rqplan *rqplan; /* dory_conv_rqplan of these arguments' types, bias and
                                              chain, or NULL: the kernel plans its end itself */
    int32_t core0_cut;      /* conv2d: core 0's share of the work units is cut by core0_cut / 256 of
                               an even share (0..256; 0: even shares), the rest spread over the other
                               cores: core 0 also runs the tile loop's serial work (layer.c) */
    void (*barrier)(void);  /* a barrier over the ncores cores, or NULL. Set only when every core
                               calls the kernel with these arguments together (the layer executor,
                               nothing before the call on core 0): a path may then split work that
                               every core's compute reads (conv2d's aligned tap weights) and call
                               barrier() once, on every core, before reading it. NULL (a kernel
                               driver running the cores one after another): each core does all of
                               it itself */
} dory_conv_args_t;

/* The planned end of a convolution's sums (requant_fast.h's dory_rqf_t without its pointers) when
 * the plan does not depend on the channels a core computes: the requant window end, or a divisor
 * that is not a power of two (int64 t, a division by multiplication). It depends only on the
 * element types, whether there is a bias, and the chain's scalars and which vectors it has, so the
 * layer executor makes it once per layer, on the controller, and the kernels' entries copy it
 * instead of planning (~850 cycles of every core per call on GVSOC, mostly the plan's 64-bit
 * search of the divisor's constants, its instruction-cache misses and the chain's loads from L2).
 * Packed in words (12): every core copies it from L2. */
typedef struct dory_conv_rqplan {
    int64_t dlo;
    uint32_t div, du, dm;
    int32_t mul_s, add_s, min, max;
    int8_t mul_type, add_type, bias_type, shift, trunc, dmh, ds, mode, add64, wide_fast, win, ok;
} dory_conv_rqplan_t;

/* Fill p for the types, bias and chain of a (its tile pointers, sizes, acc, first and last are
 * not read; the vectors' pointers are read from a->rq on each call); returns p->ok, 0 when the end
 * needs the channels' values (the kernels then plan per call). */
int dory_conv_rqplan(dory_conv_rqplan_t *p, const dory_conv_args_t *a);

/* General KxK convolution with stride, padding, dilation and groups. With groups > 1 output
 * channel o of the tile belongs to group o / (co / groups) and reads input channels
 * [g * cw, (g + 1) * cw). The u8/s8 x s8 fast path splits the tile into units of 2 output pixels x
 * 4 output channels, dealt to the cores in balanced contiguous ranges; the generic path splits over
 * output rows (over channels when ho < ncores).
 * Scratch: the fast path (x u8/s8, w s8, groups 1, any dilation) needs
 * dory_conv2d_scratch_bytes(kh, kw, ci, ncores) bytes (see "Scratch" above). */
void dory_conv2d(const dory_conv_args_t *a, int core, int ncores);

/* The scratch dory_conv2d's fast path needs: the im2col copies of two output pixels per core,
 * each kh * kw * ci bytes rounded up to a multiple of 4 (zero padded), 2 * ncores of them, and at
 * least what its path for a small kh * kw * ci <= 32 (first layers) takes: per core four 32-byte
 * pixel buffers and a 68-byte copy of the last two weight rows ((4 * 32 + 68) * ncores; the larger
 * of the two, so that the amount grows with ci);
 * 0 for a 1x1 kernel (it reads its pixels in place). */
size_t dory_conv2d_scratch_bytes(int32_t kh, int32_t kw, int32_t ci, int ncores);

void dory_conv2d(const dory_conv_args_t *a, int core, int ncores);

/* Depthwise: ci == co, weight co x kh x kw x 1, channel c reads input channel c. Split over output
 * rows (over channels when ho < ncores; 3x3: over channels also when they share evenly or are many).
 * Scratch: the fast paths (x u8/s8, w s8, dilation 1) need dory_depthwise_scratch_bytes(kh, kw,
 * hi, wi, pt, pb, pl, pr, ncores) bytes (see "Scratch" above); without it 3x3 takes a slower path that needs
 * none, other kernels the generic one. */
void dory_depthwise(const dory_conv_args_t *a, int core, int ncores);

/* The scratch dory_depthwise's fast paths need for a tile of `rows` x `cols` input pixels with
 * pt / pb / pl / pr padding: per core, for 3x3 the transposed tile, (rows + pt + pb) * (cols + pl
 * + pr) + 4 bytes (every padded pixel of one channel, plus the slack of the last word load; the
 * kernel walks fewer columns at a time when a core's slice is smaller); for other kernels a padded
 * column strip of the window rows, kh * (rows + pt + pb) + kh bytes, plus kh * kw (the kernel
 * walks the strip in chunks of output rows that fit, so the amount also serves kw > kh); times
 * ncores. Monotone in every size and pad: the amount for the layer's largest tile and the layer's
 * pads covers every tile. */
size_t dory_depthwise_scratch_bytes(int32_t kh, int32_t kw, int32_t rows, int32_t cols, int32_t pt, int32_t pb,
                                    int32_t pl, int32_t pr, int ncores);

/* Fully connected: x is ci values (hi = wi = ho = wo = 1, kh = kw = 1), w is co x ci,
 * y is co values. Split over output channels. acc/first/last as for conv. */
void dory_linear(const dory_conv_args_t *a, int core, int ncores);

/* Pooling tile (dory.pool). */
typedef struct {
    const void *x;
    dory_dtype_t x_type;
    int32_t hi, wi, c;
    void *y;
    dory_dtype_t y_type;
    int32_t ho, wo;
    int32_t kh, kw, sh, sw;
    int32_t pt, pl, pb, pr;
    int32_t lead_h, lead_w;
    int32_t is_avg;          /* 0: max (padding never wins), 1: average */
    int32_t count_include_pad;
    int32_t div;             /* average divisor when > 0 (1: the exact window sum) */
    int32_t trunc;           /* average rounding: 0 floor, 1 trunc */
    const dory_rqchain_t *rq; /* applied to the max / average (empty: stored as is) */
} dory_pool_args_t;

void dory_pool(const dory_pool_args_t *a, int core, int ncores);

/* Element-wise add tile (dory.add): both inputs have n = rows * c elements in the same layout;
 * each input optionally requantised into si32 (rq_a / rq_b with n == 0: as is), summed with si32
 * wrap, then the output chain. Channel index for per-channel vectors = element index % c. */
typedef struct {
    const void *a;
    dory_dtype_t a_type;
    const void *b;
    dory_dtype_t b_type;
    void *y;
    dory_dtype_t y_type;
    int32_t rows, c;
    const dory_rqchain_t *rq_a, *rq_b, *rq;
    const struct dory_add_plan *plan; /* dory_add_plan of these types and chains, or NULL: the
                                         kernel plans them itself (on every core, every call) */
} dory_add_args_t;

void dory_add(const dory_add_args_t *a, int core, int ncores);

/* The plan of an add's scalar-chain paths (add.c): one stage clip((x * m + d) >> sh, lo, hi) in
 * int32 per input (ia, ib) and one or two output stages; fused: the input stages folded into the
 * first output stage (y = clip((a * ka + b * kb + k) >> st[0].sh, ...)). It depends only on the
 * element types and the chains' scalars, so the layer executor makes it once per layer, on the
 * controller (~2,000 cycles of every core per call on GVSOC, mostly instruction-cache misses). */
typedef struct {
    int32_t m, d, sh, lo, hi;
} dory_add_stage_t;
typedef struct dory_add_plan {
    dory_add_stage_t ia, ib, st[2];
    int32_t nst, fused;
    uint32_t ka, kb, k;
    int32_t ok; /* 0: no scalar-chain path applies (the kernel takes its others) */
} dory_add_plan_t;

/* Fill p for the types and chains of a (its pointers, rows and c are not read); returns p->ok. */
int dory_add_plan(dory_add_plan_t *p, const dory_add_args_t *a);

#endif /* DORY_KERNELS_H */
