/* dory runtime: the layer executor (runtime/include/dory/layer.h).
 *
 * dory_layer_run(L) runs one layer in three nested levels:
 *
 * 1. L3 -> L2 staging (controller, dory_l3_read / dory_l3_write). Only when some operand
 *    lives in L3. The layer is cut into sub-problems: output-row blocks of l3_ho (outer loop; one
 *    block of all rows when l3_ho == 0) times output-channel blocks of l3_co (inner loop; one
 *    block when l3_co == 0). For each row block the L3 activations are staged (the input rows the
 *    block's windows read, halo included and clipped to the input; both inputs of an add), for
 *    each channel block the L3 weights / bias / requant vectors of those channels (contiguous:
 *    channels are the outermost axis of every one of them). An L3 output is collected in staging
 *    over a whole row block (all channels: the channel blocks write their columns into it) and
 *    written back once per row block. Operands that are in L3 but not tiled are staged whole (the
 *    single block). When there are several sub-problems and the staging area holds two
 *    word-aligned copies of every operand re-staged per sub-problem (the tiler budgets that),
 *    staging overlaps the cluster: the controller starts sub-problem k's fork
 *    (dory_cluster_fork_start), writes back the output row block finished at k - 1, reads the
 *    operands of k + 1 into the other copies, and joins; otherwise each transfer runs between
 *    forks. The first sub-problem's weights are streamed in either case: read in chunks after
 *    its fork has started, core 0 waiting in issue_weights only for the channels it loads next.
 *    An operand is re-read only when its block changes (weights with one channel block: once).
 *    Staging layout (offsets from dory_l2_base() + L->staging): one region per staged operand,
 *    sized for the largest block, packed in order of decreasing element size (so every region is
 *    naturally aligned when `staging` is 4-aligned, with no padding): the total is checked
 *    against staging_bytes before anything runs.
 *
 * 2. L2 -> L1 tile loop over one sub-problem (output rows [H0, H1), channels [C0, C1)): one
 *    cluster fork per sub-problem; core 0 drives the DMA, all cores compute, two barriers per
 *    step. Steps are the output tiles in row-major order over (h, w, c_out) blocks of
 *    (t_ho, t_wo, t_co) and, innermost, for conv/linear with t_ci < ci, the input-channel blocks
 *    (partial sums in the si32 accumulator). Double buffering: while the cores compute step i
 *    the loads of step i + 1 (input window when its block changes: for a conv with one group or
 *    a linear not between output-channel blocks; weights when the (c, k) block changes;
 *    parameters when the c block changes) are already issued into the other ping/pong buffer, and the
 *    store of the previous output tile is in flight; a buffer without a pong copy (pong == ping)
 *    is reloaded only after the compute that reads it. Every job is waited before its buffer is
 *    touched (host port: data moves only at dory_dma_wait). A single-buffered layer (the tiler's
 *    buffering = "single": every buffer pong == ping) thus runs its steps serially: step i + 1's
 *    loads and step i's store are issued after step i's compute (after_compute), both waited
 *    before step i + 1's (before_compute: its loads, and the stores of its output buffer).
 *
 * 3. Kernels: dory_conv2d / dory_depthwise / dory_linear / dory_pool / dory_add called on every
 *    core. A grouped convolution tile is cut at group boundaries into runs of whole groups and
 *    partial groups (as dory_ir/interp/tiled.py's _grouped_acc): each run has its own input
 *    channels and its own output block in L1 (stored with its own strided DMA), and the kernel is
 *    called once per run (barrier between runs: they share the im2col scratch).
 *
 * L1 params region (per ping/pong copy): the tile's bias and per-channel requant vectors, each a
 * vector of t_co elements (the nominal tile's channel count), packed in order of decreasing
 * element size (bias first among equals, then by offset in the requant buffer): every vector is
 * naturally aligned and the region is exactly t_co * (bias bytes + sum of the vectors' element
 * bytes) -- the tiler's c * param_bytes. The pong copy is at l1_params + align4(that size) when
 * the region is large enough for two copies.
 *
 * Scratch: the kernel scratch (dory_conv2d_scratch_bytes / dory_depthwise_scratch_bytes of the
 * nominal tile: input channels of the tile, or of one group; input rows of the largest tile and
 * the layer's pads) at l1_scratch, followed by the si32 accumulator of the output tile when input
 * channels are split. A region too small for both fails in DORY_DEBUG builds (the tiler budgets
 * the same amounts); otherwise the kernels get what is left and take their generic paths.
 *
 * Pooling in ceil mode: the executor passes lead_h = lead_w = 0 and the tile's own clipped
 * window (axis_span of the tile's outputs): the kernel counts only taps inside the tile's padded
 * window, which is the layer's padded input clipped to the tile, so the result equals the
 * untiled one even when a tail window overhangs the padding; extending the window by a lead (as
 * tiled.py must for the qnn interpreter) would only read rows the tiler did not budget.
 */
#include "dory/layer.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dory/port.h"

#if defined(DORY_DEBUG) && !defined(DORY_HAVE_PMSIS)
#include "dory_host_debug.h"
#define DBG_L1(p, n, w) dory_debug_check_l1_labeled((p), (n), (w))
#define DBG_L2(p, n, w) dory_debug_check_l2_labeled((p), (n), (w))
#else
#define DBG_L1(p, n, w) ((void)0)
#define DBG_L2(p, n, w) ((void)0)
#endif

#ifdef DORY_HAVE_PMSIS
#define LOG_ERR(...) printf(__VA_ARGS__)
#else
#define LOG_ERR(...) fprintf(stderr, __VA_ARGS__)
#endif

#define MAX_PIECES 3                 /* grouped conv: partial group, whole groups, partial group */
#define MAX_ENT (DORY_MAX_PARAMS + 1) /* bias + requant vectors */
#define MAX_STAGE (4 + MAX_ENT)      /* x, x2, y, w + bias/params */

typedef struct {
    int32_t lo, hi, pad_begin, pad_end;
} span_t;

/* A channel-sliced operand (weights, bias, requant vector): L2 address of channel `org`. */
typedef struct {
    uint8_t *p;
    int32_t org;
} chref_t;

/* An HWC activation in L2: address of (row org, col 0, ch 0). */
typedef struct {
    uint8_t *p;
    int32_t org;
} actref_t;

/* One entry of the L1 params region. */
/* 16 bytes on rv32: run_t holds MAX_ENT of them and core 0's stack holds a copy of run_t (eb and
 * l1_off stay word-sized: narrower, MobileNetV1 measured ~0.3 % slower on GVSOC). */
typedef struct {
    int8_t is_bias;
    /* the param's chain, stage, field and type (copies of L->params[param]'s: set_chain reads
     * them from core 0's L1 copy of run_t instead of the descriptor in L2) */
    int8_t chain, stage, field;
    int16_t type;
    int16_t param;   /* index in L->params (when !is_bias) */
    size_t eb;       /* element bytes */
    size_t l1_off;   /* byte offset in the region (t_co elements before the next entry) */
} ent_t;

/* One run of channels of a grouped conv tile (or the whole tile for every other kind). */
typedef struct {
    int32_t c, e;    /* output channels [c, e) */
    int32_t g, gs;   /* conv: first group, number of groups (gs > 1: whole groups) */
    int32_t k0, k1;  /* input channels read */
    size_t xoff;     /* byte offset of this run's input in the input buffer */
    size_t yoff;     /* byte offset of this run's output in the output buffer */
} piece_t;

typedef struct {
    int32_t h0, h1, w0, w1, c0, c1, k0, k1;
    int32_t kb, cb, wbk, hb; /* input-channel, output-channel, column and row block */
    int32_t t;               /* tile index (the step index without kb) */
    int first, last;
    span_t rows, cols;
    int npieces;
    piece_t pc[MAX_PIECES];
    size_t in_bytes, w_bytes, out_bytes, wpc; /* wpc: weight bytes per channel of this tile */
    int ib, wb, pb, ob;
    int load_in, load_w, load_p;
    int done_in, done_w, done_p;                /* issued */
    dory_dma_job_t jin[2 * MAX_PIECES];
    int nin;
    dory_dma_job_t jw;
    int nw;
    dory_dma_job_t jp[MAX_ENT];
    int np;
} step_t;

/* The descriptor's fields the per-step code reads (rows_of / cols_of, plan_step, the issue_*
 * functions, build_args), copied at setup into run_t: core 0 reads them from its L1 copy of
 * run_t instead of the descriptor in L2 (~30 cycles per load on GVSOC, ~40 loads per step). Those
 * functions name it L like the descriptor, so a field missing here fails to compile. */
typedef struct {
    int32_t hi, wi, ci, wo, co;
    int32_t kh, kw, sh, sw, dh, dw;
    int32_t pt, pl, pb, pr;
    int32_t groups;
    int32_t is_avg, count_include_pad, div, trunc;
    dory_dtype_t x_type, x2_type, w_type, b_type, y_type;
} geom_t;

/* A step's kernel arguments with the fork's plan (rqplan / aplan, the same for every step) as one
 * block: step 0's in run_t (k0), so that they reach L1 with core 0's copy of the plan. */
typedef union {
    struct {
        dory_conv_args_t a;
        dory_conv_rqplan_t p;
    } c;
    dory_pool_args_t pool;
    struct {
        dory_add_args_t a;
        dory_add_plan_t p;
    } add;
} l1args_t;

/* What the cores share while a fork runs: the kernel arguments of the current step (written by
 * core 0 before the first barrier, read by every core) and the streamed weights' progress
 * (written by the controller). Everything here is written before it is read (build_args /
 * set_chain), so nothing clears it: the FC would otherwise clear it in L2 on every layer
 * (measured ~2,000 cycles on GVSOC). */
typedef struct {
    /* a conv's arguments in two slots, step i's in slot i & 1: core 0 builds step i + 1's while
     * every core computes step i (plan_next), not before step i + 1's first barrier while the
     * other cores wait */
    int ncall[2];
    dory_conv_args_t cargs[2][MAX_PIECES];
    dory_rqchain_t crq[2][MAX_PIECES];
    dory_pool_args_t pargs;
    dory_add_args_t aargs;
    dory_rqchain_t rq, rqa, rqb;
    dory_add_plan_t aplan;    /* an add's plan, by the controller in set_sub (aargs.plan) */
    dory_conv_rqplan_t rqplan; /* a conv's requant end, by the controller in set_sub (cargs[].rqplan) */
    uint32_t w_ready;         /* see run_t's w_stream */
    /* step 0's plan (its fields before ib), by the controller in set_sub: core 0 copies it
     * with the plan instead of planning step 0 again (~1,200 cycles on GVSOC, I$ misses and
     * L2 loads, while the other cores wait) */
    step_t st0;
    /* step 0's arguments in L1 (core 0's copy of run_t.k0, published by core 0 before step 0's
     * first barrier), or NULL: the cores copy them from here (compute; later steps always) */
    const l1args_t *l1;
} kargs_t;

/* The layer's plan: set up by the controller (setup / set_sub), read by the cluster. Core 0
 * works on its own copy in L1 (tile_loop0: one DMA per fork instead of an L2 load, ~30 cycles
 * on GVSOC, per field read per step); what it writes back is chain_par / chain_off. */
typedef struct {
    const dory_layer_t *L;
    geom_t g;                 /* L's fields the per-step code reads */
    int kind;                 /* effective kind (a conv with groups == ci == co is depthwise) */
    size_t xb, x2b, wb, bb, yb;
    int has_w, has_b;
    int32_t cg, og;           /* conv: input / output channels per group */

    /* the current sub-problem */
    int32_t H0, H1, C0, C1;
    actref_t x, x2, y;
    size_t x_row, x2_row, y_row; /* bytes per row of the HWC tensors */
    size_t wpch;                 /* w_per_channel(R), read per tile by core 0 (one L2 load) */
    chref_t w, b, pv[DORY_MAX_PARAMS];

    /* L1 */
    uint8_t *l1;
    uint8_t *in[2], *wt[2], *out[2], *par[2], *scratch;
    int32_t *acc;
    int nbi, nbw, nbo, nbp;
    size_t cap_in, cap_w, cap_out, cap_par, cap_scr;
    size_t kscr;
    size_t par_bytes;         /* one copy of the params region */
    int nent;
    ent_t ent[MAX_ENT];

    /* Streamed L3 weights (the first sub-problem's, see dory_layer_run): when w_stream is set
     * the controller is still reading them into staging while the cluster runs, and
     * A->w_ready is how many bytes from w.p are already there; core 0 waits for a tile's
     * weights before it issues their DMA. */
    int w_stream;

    /* what the requant chains of the kernel arguments (crq[], rq / rqa / rqb) were last built
     * for: the params buffer and channel offset (NULL: not yet). They change only when the
     * params buffer does, so set_chain runs once per channel block instead of once per step
     * (core 0 builds them while the other cores wait at the barrier; the descriptor's chain is
     * in L2). The first step's are built by the controller (set_sub). */
    uint8_t *chain_par[2][MAX_PIECES]; /* per args slot (a pool's or an add's: [0][0]) */
    int32_t chain_off[2][MAX_PIECES];
    int more_subs;            /* the controller runs another sub-problem of this layer from this
                                 plan (the L3 path): tile_loop0 then writes chain_par / chain_off back */

    /* the tile schedule */
    int32_t tco, tho, two, tci;
    int32_t nh, nwb, nc, nk;
    int32_t nsteps;

    kargs_t *A;               /* the shared part (the static beside dory_layer_run's run_t) */

    /* a conv's core0_cut for the steps core 0 builds next, sized from its measured serial work
     * and compute (tile_loop0; 0 until measured) */
    int32_t cut;

    /* Step 0's kernel arguments with the fork's plan (rqplan / aplan), copied from kargs_t by the
     * controller at the end of set_sub (k0_ok; not for a conv step of several pieces): they come
     * into L1 with core 0's copy of run_t (tile_loop0's DMA: ~24 cycles more for ~190 bytes), and
     * every core reads them there (kargs_t.l1) instead of copying them from L2 (GVSOC: ~660
     * cycles of every core per conv step, and ~600 for the requant plan). */
    int k0_ok;
    l1args_t k0;
} run_t;

/* Core 0's tile-loop state: the two steps in flight, the output stores and what the last
 * step's weights / params were. Only core 0 reads it, so it lives in tile_task's frame (L1 on
 * the pulp port, 1-cycle accesses) instead of run_t (a static: L2, ~32 cycles per access from
 * the cluster, measured on GVSOC: ~13K cycles per tile of core 0's bookkeeping on
 * MobileNetV1's pointwise layers while the other cores wait at the barrier). ~600 bytes on
 * rv32: core 0's stack holds it plus the deepest kernel path (~900 bytes). */
typedef struct {
    step_t st[2];
    dory_dma_job_t jst[2][MAX_PIECES];
    int nst[2];
    int32_t prev_cb, prev_kb;
} loop_t;

#if defined(__GNUC__)
#define DORY_NOINLINE_LAYER_ __attribute__((noinline))
#else
#define DORY_NOINLINE_LAYER_
#endif

/* ---- small helpers ----------------------------------------------------------------------- */

static int32_t imin(int32_t a, int32_t b) { return a < b ? a : b; }
static int32_t imax(int32_t a, int32_t b) { return a > b ? a : b; }
static int32_t cdiv(int32_t a, int32_t b) { return (a + b - 1) / b; }
static size_t smin(size_t a, size_t b) { return a < b ? a : b; }
static size_t align4(size_t n) { return (n + 3u) & ~(size_t)3u; }

/* tiled.py axis_span: input positions output positions [o0, o1) read, clipped, and the padding
 * inside their windows. */
static span_t axis_span(int32_t o0, int32_t o1, int32_t k, int32_t s, int32_t d, int32_t pb, int32_t pe,
                        int32_t size)
{
    span_t r;
    int32_t start = o0 * s - pb;
    int32_t end = (o1 - 1) * s - pb + (k - 1) * d + 1;
    int32_t lo = imin(imax(start, 0), size), hi = imin(imax(end, 0), size);
    r.lo = lo;
    r.hi = imax(lo, hi);
    r.pad_begin = imax(0, imin(end, 0) - start);
    r.pad_end = imax(0, imin(end, size + pe) - imax(start, size));
    return r;
}

static int is_window(int kind)
{
    return kind == DORY_LAYER_CONV || kind == DORY_LAYER_DEPTHWISE || kind == DORY_LAYER_POOL;
}

static int splits_cin(const run_t *R)
{
    return (R->kind == DORY_LAYER_CONV && R->L->groups == 1) || R->kind == DORY_LAYER_LINEAR;
}

/* The input rows (or all of them) the output rows [h0, h1) read. */
static span_t rows_of(const run_t *R, int32_t h0, int32_t h1)
{
    const geom_t *L = &R->g;
    span_t s;
    if (is_window(R->kind))
        return axis_span(h0, h1, L->kh, L->sh, R->kind == DORY_LAYER_POOL ? 1 : L->dh, L->pt, L->pb, L->hi);
    if (R->kind == DORY_LAYER_ADD) {
        s.lo = h0;
        s.hi = h1;
    } else { /* linear */
        s.lo = 0;
        s.hi = L->hi;
    }
    s.pad_begin = s.pad_end = 0;
    return s;
}

static span_t cols_of(const run_t *R, int32_t w0, int32_t w1)
{
    const geom_t *L = &R->g;
    span_t s;
    if (is_window(R->kind))
        return axis_span(w0, w1, L->kw, L->sw, R->kind == DORY_LAYER_POOL ? 1 : L->dw, L->pl, L->pr, L->wi);
    s.lo = R->kind == DORY_LAYER_ADD ? w0 : 0;
    s.hi = R->kind == DORY_LAYER_ADD ? w1 : L->wi;
    s.pad_begin = s.pad_end = 0;
    return s;
}

/* Weight bytes of one output channel with all its input channels. */
static size_t w_per_channel(const run_t *R)
{
    const dory_layer_t *L = R->L;
    switch (R->kind) {
    case DORY_LAYER_CONV: return (size_t)L->kh * (size_t)L->kw * (size_t)R->cg * R->wb;
    case DORY_LAYER_DEPTHWISE: return (size_t)L->kh * (size_t)L->kw * R->wb;
    case DORY_LAYER_LINEAR: return (size_t)L->ci * R->wb;
    default: return 0;
    }
}

/* ---- DMA --------------------------------------------------------------------------------- */

/* A 3-D copy with contiguous dimensions folded (fewer, longer rows), checked in debug builds. */
static int dma3(const run_t *R, dory_dma_job_t *j, int dir, uint8_t *l1, uint8_t *l2, size_t len, size_t n1,
                size_t l1s1, size_t l2s1, size_t n2, size_t l1s2, size_t l2s2)
{
    (void)R;
    if (len == 0 || n1 == 0 || n2 == 0) return 0; /* nothing to move: no job */
    if (n1 > 1 && l1s1 == len && l2s1 == len) {
        len *= n1;
        n1 = 1;
    }
    if (n1 == 1) {
        n1 = n2;
        l1s1 = l1s2;
        l2s1 = l2s2;
        n2 = 1;
    }
    if (n1 > 1 && l1s1 == len && l2s1 == len) {
        len *= n1;
        n1 = 1;
    }
    if (n2 > 1 && n1 * l1s1 == l1s2 && n1 * l2s1 == l2s2) {
        n1 *= n2;
        n2 = 1;
    }
    if (n1 == 1) l1s1 = l2s1 = len;
    if (n2 == 1) l1s2 = l2s2 = 0;
#ifdef DORY_DEBUG
    {
        size_t s1 = (n2 - 1) * l1s2 + (n1 - 1) * l1s1 + len;
        size_t s2 = (n2 - 1) * l2s2 + (n1 - 1) * l2s1 + len;
        if (l1 < R->l1 || (size_t)(l1 - R->l1) + s1 > R->L->l1_total) {
            LOG_ERR("dory layer '%s': internal error: L1 DMA range [%ld, +%lu) outside [0, %lu)\n",
                    R->L->name ? R->L->name : "?", (long)(l1 - R->l1), (unsigned long)s1,
                    (unsigned long)R->L->l1_total);
        }
        DBG_L1(l1, s1, "dory_layer_run: DMA L1 side");
        DBG_L2(l2, s2, "dory_layer_run: DMA L2 side");
        (void)s1;
        (void)s2;
    }
#endif
    dory_dma_3d(j, dir, l1, l2, len, n1, l1s1, l2s1, n2, l1s2, l2s2);
    return 1;
}

/* ---- planning a step (pure: geometry and sizes of step i) ------------------------------------ */

/* Step i's geometry. prev (may be S itself) is step i - 1 or NULL: the block indices then
 * advance by one instead of coming from six integer divisions (~34 cycles each on the cluster,
 * paid by core 0 per tile while the other cores wait). */
static void plan_step(const run_t *R, const step_t *prev, int32_t i, step_t *S)
{
    const geom_t *L = &R->g;
    int32_t kb, t, cb, wbk, hb;
    int32_t tc, th, tw;
    if (prev == NULL) {
        int32_t rest;
        kb = i % R->nk;
        t = i / R->nk;
        cb = t % R->nc;
        rest = t / R->nc;
        wbk = rest % R->nwb;
        hb = rest / R->nwb;
    } else {
        /* i = ((hb * nwb + wbk) * nc + cb) * nk + kb, kb fastest */
        kb = prev->kb + 1;
        t = prev->t;
        cb = prev->cb;
        wbk = prev->wbk;
        hb = prev->hb;
        if (kb == R->nk) {
            kb = 0;
            t++;
            if (++cb == R->nc) {
                cb = 0;
                if (++wbk == R->nwb) {
                    wbk = 0;
                    hb++;
                }
            }
        }
    }
    S->t = t;
    S->cb = cb;
    S->wbk = wbk;
    S->hb = hb;
    S->h0 = R->H0 + hb * R->tho;
    S->h1 = imin(S->h0 + R->tho, R->H1);
    S->w0 = wbk * R->two;
    S->w1 = imin(S->w0 + R->two, L->wo);
    S->c0 = R->C0 + cb * R->tco;
    S->c1 = imin(S->c0 + R->tco, R->C1);
    S->kb = kb;
    S->first = kb == 0;
    S->last = kb == R->nk - 1;
    if (splits_cin(R)) {
        S->k0 = kb * R->tci;
        S->k1 = imin(S->k0 + R->tci, L->ci);
    } else {
        S->k0 = S->c0;
        S->k1 = S->c1;
    }
    S->rows = rows_of(R, S->h0, S->h1);
    S->cols = cols_of(R, S->w0, S->w1);
    th = S->h1 - S->h0;
    tw = S->w1 - S->w0;
    tc = S->c1 - S->c0;
    {
        size_t pix = (size_t)(S->rows.hi - S->rows.lo) * (size_t)(S->cols.hi - S->cols.lo);
        S->out_bytes = (size_t)th * (size_t)tw * (size_t)tc * R->yb;
        S->npieces = 1;
        S->pc[0].c = S->c0;
        S->pc[0].e = S->c1;
        S->pc[0].g = 0;
        S->pc[0].gs = 1;
        S->pc[0].k0 = S->k0;
        S->pc[0].k1 = S->k1;
        S->pc[0].xoff = 0;
        S->pc[0].yoff = 0;
        S->wpc = 0;
        switch (R->kind) {
        case DORY_LAYER_CONV:
            if (L->groups > 1) {
                int32_t c = S->c0, n = 0;
                size_t xo = 0, yo = 0;
                while (c < S->c1) {
                    piece_t *p = &S->pc[n++];
                    int32_t g = c / R->og, e, gs;
                    if (c % R->og == 0 && S->c1 - c >= R->og) {
                        gs = (S->c1 - c) / R->og;
                        e = (g + gs) * R->og;
                    } else {
                        gs = 1;
                        e = imin(S->c1, (g + 1) * R->og);
                    }
                    p->c = c;
                    p->e = e;
                    p->g = g;
                    p->gs = gs;
                    p->k0 = g * R->cg;
                    p->k1 = (g + gs) * R->cg;
                    p->xoff = xo;
                    p->yoff = yo;
                    xo += pix * (size_t)(p->k1 - p->k0) * R->xb;
                    yo += (size_t)th * (size_t)tw * (size_t)(e - c) * R->yb;
                    c = e;
                }
                S->npieces = n;
                S->in_bytes = xo;
                S->wpc = (size_t)L->kh * (size_t)L->kw * (size_t)R->cg * R->wb;
            } else {
                S->in_bytes = pix * (size_t)(S->k1 - S->k0) * R->xb;
                S->wpc = (size_t)L->kh * (size_t)L->kw * (size_t)(S->k1 - S->k0) * R->wb;
            }
            break;
        case DORY_LAYER_LINEAR:
            S->in_bytes = (size_t)(S->k1 - S->k0) * R->xb;
            S->wpc = (size_t)(S->k1 - S->k0) * R->wb;
            break;
        case DORY_LAYER_DEPTHWISE:
            S->in_bytes = pix * (size_t)tc * R->xb;
            S->wpc = (size_t)L->kh * (size_t)L->kw * R->wb;
            break;
        case DORY_LAYER_POOL:
            S->in_bytes = pix * (size_t)tc * R->xb;
            break;
        default: /* add: both operands, the wider element type first */
            S->in_bytes = pix * (size_t)tc * (R->xb + R->x2b);
            break;
        }
        S->w_bytes = S->wpc * (size_t)tc;
    }
}

/* ---- issuing the loads of a step ----------------------------------------------------------- */

static void issue_input(run_t *R, step_t *S)
{
    const geom_t *L = &R->g;
    uint8_t *dst = R->in[S->ib];
    size_t rows = (size_t)(S->rows.hi - S->rows.lo), cols = (size_t)(S->cols.hi - S->cols.lo);
    int p;
    S->nin = 0;
    if (R->kind == DORY_LAYER_ADD) {
        size_t tc = (size_t)(S->c1 - S->c0);
        size_t n = rows * cols * tc;
        int x_first = R->xb >= R->x2b;
        uint8_t *dx = dst + (x_first ? 0 : n * R->x2b), *dx2 = dst + (x_first ? n * R->xb : 0);
        uint8_t *sx = R->x.p + (size_t)(S->rows.lo - R->x.org) * R->x_row + ((size_t)S->cols.lo * (size_t)L->ci + (size_t)S->c0) * R->xb;
        uint8_t *sx2 = R->x2.p + (size_t)(S->rows.lo - R->x2.org) * R->x2_row + ((size_t)S->cols.lo * (size_t)L->ci + (size_t)S->c0) * R->x2b;
        S->nin += dma3(R, &S->jin[S->nin], DORY_DMA_L2_TO_L1, dx, sx, tc * R->xb, cols, tc * R->xb, (size_t)L->ci * R->xb, rows,
             cols * tc * R->xb, R->x_row);
        S->nin += dma3(R, &S->jin[S->nin], DORY_DMA_L2_TO_L1, dx2, sx2, tc * R->x2b, cols, tc * R->x2b, (size_t)L->ci * R->x2b,
             rows, cols * tc * R->x2b, R->x2_row);
        return;
    }
    for (p = 0; p < S->npieces; p++) {
        const piece_t *pc = &S->pc[p];
        size_t nch = (size_t)(pc->k1 - pc->k0);
        uint8_t *src = R->x.p + (size_t)(S->rows.lo - R->x.org) * R->x_row +
                       ((size_t)S->cols.lo * (size_t)L->ci + (size_t)pc->k0) * R->xb;
        S->nin += dma3(R, &S->jin[S->nin], DORY_DMA_L2_TO_L1, dst + pc->xoff, src, nch * R->xb, cols, nch * R->xb,
             (size_t)L->ci * R->xb, rows, cols * nch * R->xb, R->x_row);
    }
}

static void issue_weights(run_t *R, step_t *S)
{
    const geom_t *L = &R->g;
    uint8_t *dst = R->wt[S->wb];
    size_t tc = (size_t)(S->c1 - S->c0);
    uint8_t *src = R->w.p + (size_t)(S->c0 - R->w.org) * R->wpch;
    S->nw = 0;
    if (S->w_bytes == 0) return;
    if (R->w_stream) {
        /* the whole channels up to c1 (a channel's weights are contiguous, channels outermost) */
        uint32_t need = (uint32_t)((size_t)(S->c1 - R->w.org) * R->wpch);
        while (__atomic_load_n(&R->A->w_ready, __ATOMIC_ACQUIRE) < need)
            ;
    }
    if (splits_cin(R)) {
        size_t taps = R->kind == DORY_LAYER_CONV ? (size_t)L->kh * (size_t)L->kw : 1u;
        size_t len = (size_t)(S->k1 - S->k0) * R->wb;
        S->nw = dma3(R, &S->jw, DORY_DMA_L2_TO_L1, dst, src + (size_t)S->k0 * R->wb, len, tc * taps, len,
                     (size_t)L->ci * R->wb, 1, 0, 0);
    } else {
        S->nw = dma3(R, &S->jw, DORY_DMA_L2_TO_L1, dst, src, S->w_bytes, 1, 0, 0, 1, 0, 0);
    }
}

static uint8_t *ent_src(const run_t *R, const ent_t *e, int32_t c)
{
    const chref_t *r = e->is_bias ? &R->b : &R->pv[e->param];
    return r->p + (size_t)(c - r->org) * e->eb;
}

static void issue_params(run_t *R, step_t *S)
{
    uint8_t *dst = R->par[S->pb];
    size_t tc = (size_t)(S->c1 - S->c0);
    int a = 0;
    S->np = 0;
    while (a < R->nent) {
        /* merge a run of same-size vectors at a constant L2 stride into one 2-D copy */
        int b = a + 1;
        const ent_t *e = &R->ent[a];
        uint8_t *s0 = ent_src(R, e, S->c0);
        if (b < R->nent && R->ent[b].eb == e->eb && ent_src(R, &R->ent[b], S->c0) > s0) {
            size_t stride = (size_t)(ent_src(R, &R->ent[b], S->c0) - s0);
            while (b < R->nent && R->ent[b].eb == e->eb &&
                   ent_src(R, &R->ent[b], S->c0) > s0 &&
                   (size_t)(ent_src(R, &R->ent[b], S->c0) - s0) == stride * (size_t)(b - a))
                b++;
            S->np += dma3(R, &S->jp[S->np], DORY_DMA_L2_TO_L1, dst + e->l1_off, s0, tc * e->eb, (size_t)(b - a),
                 (size_t)R->tco * e->eb, stride, 1, 0, 0);
        } else {
            b = a + 1;
            S->np += dma3(R, &S->jp[S->np], DORY_DMA_L2_TO_L1, dst + e->l1_off, s0, tc * e->eb, 1, 0, 0, 1, 0, 0);
        }
        a = b;
    }
}

static void wait_loads(step_t *S)
{
    int j;
    if (S->done_in) {
        for (j = 0; j < S->nin; j++) dory_dma_wait(&S->jin[j]);
        S->done_in = 0;
    }
    if (S->done_w) {
        for (j = 0; j < S->nw; j++) dory_dma_wait(&S->jw);
        S->done_w = 0;
    }
    if (S->done_p) {
        for (j = 0; j < S->np; j++) dory_dma_wait(&S->jp[j]);
        S->done_p = 0;
    }
}

static void wait_stores(loop_t *Q, int ob)
{
    int j;
    for (j = 0; j < Q->nst[ob]; j++) dory_dma_wait(&Q->jst[ob][j]);
    Q->nst[ob] = 0;
}

static void issue_stores(run_t *R, loop_t *Q, step_t *S)
{
    const geom_t *L = &R->g;
    size_t th = (size_t)(S->h1 - S->h0), tw = (size_t)(S->w1 - S->w0);
    int p;
    for (p = 0; p < S->npieces; p++) {
        const piece_t *pc = &S->pc[p];
        size_t nch = (size_t)(pc->e - pc->c);
        uint8_t *dst = R->y.p + (size_t)(S->h0 - R->y.org) * R->y_row + ((size_t)S->w0 * (size_t)L->co + (size_t)pc->c) * R->yb;
        Q->nst[S->ob] += dma3(R, &Q->jst[S->ob][Q->nst[S->ob]], DORY_DMA_L1_TO_L2, R->out[S->ob] + pc->yoff, dst, nch * R->yb, tw,
             nch * R->yb, (size_t)L->co * R->yb, th, tw * nch * R->yb, R->y_row);
    }
}

/* Buffers of step i + 1 given step i (S) and whether its loads are needed. The input is
 * reloaded only when its block changes: where it depends on the row, column and input-channel
 * blocks alone (splits_cin: a conv with one group, a linear), consecutive output-channel blocks
 * share it (the tiler's input_loads, passes/tiling/cost.py, which then budgets one L1 copy for
 * a layer with one such block). */
static void assign_buffers(const run_t *R, loop_t *Q, const step_t *prev, step_t *N)
{
    int32_t t = N->t, cb = N->cb;
    N->ob = R->nbo == 2 ? (int)(t & 1) : 0;
    N->done_in = N->done_w = N->done_p = 0;
    N->nin = N->nw = N->np = 0;
    if (prev == NULL) {
        N->ib = 0;
        N->wb = 0;
        N->pb = 0;
        N->load_in = 1;
        N->load_w = R->has_w;
        N->load_p = R->nent > 0;
    } else {
        int changed_w = cb != Q->prev_cb || N->kb != Q->prev_kb;
        N->load_in = !splits_cin(R) || N->hb != prev->hb || N->wbk != prev->wbk || N->kb != prev->kb;
        N->ib = N->load_in && R->nbi == 2 ? prev->ib ^ 1 : prev->ib;
        N->load_w = R->has_w && changed_w;
        N->wb = N->load_w && R->nbw == 2 ? prev->wb ^ 1 : prev->wb;
        N->load_p = R->nent > 0 && cb != Q->prev_cb;
        N->pb = N->load_p && R->nbp == 2 ? prev->pb ^ 1 : prev->pb;
    }
    Q->prev_cb = cb;
    Q->prev_kb = N->kb;
}

/* ---- kernel arguments ---------------------------------------------------------------------- */

/* Points chain `dst` (the descriptor's chain `src`, number `which`) at the per-channel vectors of
 * params buffer `par` from channel offset c. full: copy src's stages first (dst holds another
 * chain or none); otherwise dst was built from src earlier in this layer and only the vector
 * pointers differ (the stages are ~16 words each of L2 loads on cluster core 0 while the other
 * cores wait, ~500 cycles per stage on GVSOC, per channel block). */
static void set_chain(const run_t *R, dory_rqchain_t *dst, int which, const dory_rqchain_t *src, uint8_t *par,
                      int32_t c, int full)
{
    int e, k;
    if (full) {
        /* only the stages in use: a whole dory_rqchain_t is 66 words */
        dst->n = src->n;
        for (k = 0; k < src->n; k++)
            dst->st[k] = src->st[k];
    }
    for (e = 0; e < R->nent; e++) {
        const ent_t *en = &R->ent[e];
        dory_requant_t *st;
        if (en->is_bias || en->chain != which) continue;
        st = &dst->st[en->stage];
        if (en->field == 0) {
            st->mul = par + en->l1_off + (size_t)c * en->eb;
            st->mul_type = (dory_dtype_t)en->type;
        } else if (en->field == 1) {
            st->add = par + en->l1_off + (size_t)c * en->eb;
            st->add_type = (dory_dtype_t)en->type;
        } else { /* 2, 3: the input window's s32 bounds (checked by dory_layer_run) */
            const int32_t *w = (const int32_t *)(const void *)(par + en->l1_off + (size_t)c * en->eb);
            if (en->field == 2)
                st->win_lo = w;
            else
                st->win_hi = w;
        }
    }
}

static uint8_t *bias_l1(const run_t *R, uint8_t *par, int32_t c)
{
    int e;
    for (e = 0; e < R->nent; e++)
        if (R->ent[e].is_bias) return par + R->ent[e].l1_off + (size_t)c * R->bb;
    return NULL;
}

/* The fields a pooling and a convolution tile share (dory_pool_args_t, dory_conv_args_t): input
 * x_ and output y_ in L1, input extents hi_ x wi_, output extents th_ x tw_, the window. */
#define SET_WINDOW(a, L, S, x_, y_, hi_, wi_, th_, tw_)                                            \
    do {                                                                                           \
        (a)->x = (x_);                                                                             \
        (a)->x_type = (L)->x_type;                                                                 \
        (a)->hi = (hi_);                                                                           \
        (a)->wi = (wi_);                                                                           \
        (a)->y = (y_);                                                                             \
        (a)->y_type = (L)->y_type;                                                                 \
        (a)->ho = (th_);                                                                           \
        (a)->wo = (tw_);                                                                           \
        (a)->kh = (L)->kh;                                                                         \
        (a)->kw = (L)->kw;                                                                         \
        (a)->sh = (L)->sh;                                                                         \
        (a)->sw = (L)->sw;                                                                         \
        (a)->pt = (S)->rows.pad_begin;                                                             \
        (a)->pl = (S)->cols.pad_begin;                                                             \
        (a)->pb = (S)->rows.pad_end;                                                               \
        (a)->pr = (S)->cols.pad_end;                                                               \
    } while (0)

/* Step S's kernel arguments; a conv's into args slot `slot`. */
static void build_args(run_t *R, const step_t *S, int slot)
{
    const geom_t *L = &R->g;
    uint8_t *par = R->par[S->pb];
    int32_t th = S->h1 - S->h0, tw = S->w1 - S->w0, tc = S->c1 - S->c0;
    int32_t hi = S->rows.hi - S->rows.lo, wi = S->cols.hi - S->cols.lo;
    int p;
    if (R->kind == DORY_LAYER_POOL) {
        dory_pool_args_t *a = &R->A->pargs;
        if (R->chain_par[0][0] != par) {
            set_chain(R, &R->A->rq, 0, &R->L->rq, par, 0, R->chain_par[0][0] == NULL);
            R->chain_par[0][0] = par;
        }
        SET_WINDOW(a, L, S, R->in[S->ib], R->out[S->ob], hi, wi, th, tw);
        a->c = tc;
        a->lead_h = 0;
        a->lead_w = 0;
        a->is_avg = L->is_avg;
        a->count_include_pad = L->count_include_pad;
        a->div = L->div;
        a->trunc = L->trunc;
        a->rq = &R->A->rq;
        return;
    }
    if (R->kind == DORY_LAYER_ADD) {
        dory_add_args_t *a = &R->A->aargs;
        size_t n = (size_t)th * (size_t)tw * (size_t)tc;
        int x_first = R->xb >= R->x2b;
        if (R->chain_par[0][0] != par) {
            int full = R->chain_par[0][0] == NULL;
            set_chain(R, &R->A->rq, 0, &R->L->rq, par, 0, full);
            set_chain(R, &R->A->rqa, 1, &R->L->rq_a, par, 0, full);
            set_chain(R, &R->A->rqb, 2, &R->L->rq_b, par, 0, full);
            R->chain_par[0][0] = par;
        }
        a->a = R->in[S->ib] + (x_first ? 0 : n * R->x2b);
        a->a_type = L->x_type;
        a->b = R->in[S->ib] + (x_first ? n * R->xb : 0);
        a->b_type = L->x2_type;
        a->y = R->out[S->ob];
        a->y_type = L->y_type;
        a->rows = th * tw;
        a->c = tc;
        a->rq_a = &R->A->rqa;
        a->rq_b = &R->A->rqb;
        a->rq = &R->A->rq;
        return;
    }
    for (p = 0; p < S->npieces; p++) {
        const piece_t *pc = &S->pc[p];
        dory_conv_args_t *a = &R->A->cargs[slot][p];
        int32_t off = pc->c - S->c0;
        if (R->chain_par[slot][p] != par || R->chain_off[slot][p] != off) {
            set_chain(R, &R->A->crq[slot][p], 0, &R->L->rq, par, off, R->chain_par[slot][p] == NULL);
            R->chain_par[slot][p] = par;
            R->chain_off[slot][p] = off;
        }
        SET_WINDOW(a, L, S, R->in[S->ib] + pc->xoff, R->out[S->ob] + pc->yoff, hi, wi, th, tw);
        a->ci = pc->k1 - pc->k0;
        a->w = R->wt[S->wb] + (size_t)off * S->wpc;
        a->w_type = L->w_type;
        a->bias = R->has_b ? bias_l1(R, par, off) : NULL;
        a->bias_type = L->b_type;
        a->co = pc->e - pc->c;
        a->dh = L->dh;
        a->dw = L->dw;
        a->groups = R->kind == DORY_LAYER_CONV ? pc->gs : (R->kind == DORY_LAYER_DEPTHWISE ? tc : 1);
        a->acc = R->nk > 1 ? R->acc : NULL;
        a->first = S->first;
        a->last = S->last;
        a->rq = &R->A->crq[slot][p];
        a->core0_cut = R->cut;
        a->scratch = R->kscr ? R->scratch : NULL;
        a->scratch_bytes = R->kscr;
        if (R->kind == DORY_LAYER_LINEAR) {
            a->hi = a->wi = a->ho = a->wo = 1;
            a->kh = a->kw = a->sh = a->sw = a->dh = a->dw = 1;
            a->pt = a->pl = a->pb = a->pr = 0;
        }
    }
    R->A->ncall[slot] = S->npieces;
}

/* ---- the forked task ----------------------------------------------------------------------- */

/* Every core passes a convolution or pooling kernel its own copy of the arguments, on its stack:
 * run_t is a static (L2 on the pulp port) and the kernels reload argument fields inside their
 * loops (a byte store to y may alias them), each reload an L2 access shared by all the cores; the
 * stack is in L1 (measured on GVSOC: dscnn's depthwise 3x3 layers spent ~15 % of their cycles in
 * such loads). Out of line, so that only the path taken holds a copy in its frame: the pulp
 * port's worker stacks are 1104 bytes (link.ld), and tests/stack_depth.py bounds every path
 * (the deepest, the kernels' generic requant ends, 1104 bytes with this copy). The add
 * kernel keeps reading run_t: its fast path's frame alone is 560 bytes, a copy overflowed a
 * 1 KiB stack (TCN on GVSOC). */
/* On the PULP cluster (DORY_XPULPV2) each core copies the arguments from L2 into its L1 stack: the
 * kernels read them many times and L1 is the cheaper memory. Elsewhere the copy buys nothing and
 * costs ~130 bytes of a 1 KiB worker stack: with it the 3x3 depthwise path (dory_depthwise's
 * requant plan, dw_3x3_t's channel state, the portable channel function, ~820 bytes together)
 * overflowed hart 1's stack on rv32 (nemo_dronet_2.0's Conv_13, rt.c's canary). */
#if defined(DORY_XPULPV2)
#define DORY_ARGS_COPY_(T, a, src) T a##_ = *(src); const T *a = &a##_
#else
#define DORY_ARGS_COPY_(T, a, src) const T *a = (src)
#endif

static inline void conv_kernel_(const dory_conv_args_t *a, int kind, int core)
{
    if (kind == DORY_LAYER_CONV)
        dory_conv2d(a, core, DORY_NUM_CORES);
    else if (kind == DORY_LAYER_DEPTHWISE)
        dory_depthwise(a, core, DORY_NUM_CORES);
    else
        dory_linear(a, core, DORY_NUM_CORES);
}

static DORY_NOINLINE_LAYER_ void compute_conv(const dory_conv_args_t *src, int kind, int core)
{
    DORY_ARGS_COPY_(dory_conv_args_t, a, src);
    conv_kernel_(a, kind, core);
}

static DORY_NOINLINE_LAYER_ void compute_pool(const dory_pool_args_t *src, int core)
{
    dory_pool_args_t a = *src;
    dory_pool(&a, core, DORY_NUM_CORES);
}

/* A kind whose kernel arguments core 0 builds a step ahead, in plan_next (kargs_t's two cargs
 * slots): a conv, whose kernel shares core 0 less for it (core0_cut). A depthwise conv's and a
 * linear's are built before the first barrier: built ahead they cost core 0 more I$ misses than
 * they saved (GVSOC, MobileNetV2-1.0-128's depthwise layers: Conv_95 core 0 192K -> 216K miss
 * cycles, 681,878 -> 706,696). */
static int args_ahead(const run_t *R)
{
    return R->kind == DORY_LAYER_CONV;
}

/* Step i's kernels on this core; slot: i & 1 (a conv's arguments). K: the step's arguments in L1
 * (step 0's: run_t.k0 in core 0's copy, published as kargs_t.l1), or NULL: the cores copy them
 * from L2 as before, core 0 into its own buffer `own` (its copy's k0, which no other core reads
 * then: no second copy on core 0's stack, whose frame holds k0); own is NULL on the others. */
static void compute(run_t *R, int core, int slot, const l1args_t *K, l1args_t *own)
{
    kargs_t *A = R->A;
    int p;
    switch (R->kind) {
    case DORY_LAYER_POOL:
        if (K) {
            dory_pool(&K->pool, core, DORY_NUM_CORES);
        } else if (own) {
            own->pool = A->pargs;
            dory_pool(&own->pool, core, DORY_NUM_CORES);
        } else {
            compute_pool(&A->pargs, core);
        }
        return;
    case DORY_LAYER_ADD: dory_add(K ? &K->add.a : &A->aargs, core, DORY_NUM_CORES); return;
    default: break;
    }
    if (K) {
        conv_kernel_(&K->c.a, R->kind, core);
        return;
    }
    for (p = 0; p < A->ncall[slot]; p++) {
        if (p > 0) dory_barrier(); /* runs share the scratch */
        if (own) {
            own->c.a = A->cargs[slot][p];
            conv_kernel_(&own->c.a, R->kind, core);
        } else {
            compute_conv(&A->cargs[slot][p], R->kind, core);
        }
    }
}

static void begin(run_t *R, loop_t *Q)
{
    step_t *S = &Q->st[0];
    Q->nst[0] = Q->nst[1] = 0;
    Q->prev_cb = Q->prev_kb = -1;
    /* step 0's plan: the controller's (set_sub), copied by tile_loop0 */
    assign_buffers(R, Q, NULL, S);
    issue_input(R, S);
    S->done_in = 1;
    if (S->load_w) {
        issue_weights(R, S);
        S->done_w = 1;
    }
    if (S->load_p) {
        issue_params(R, S);
        S->done_p = 1;
    }
}


/* Core 0 before step i's first barrier (the other cores wait): its loads are in, its output
 * buffer is free, its kernel arguments are built (a conv's: by plan_next during step i - 1). */
static void before_compute(run_t *R, loop_t *Q, int32_t i)
{
    step_t *S = &Q->st[i & 1];
    wait_loads(S);
    if (S->first) wait_stores(Q, S->ob); /* the output buffer's previous tile has left */
    /* step 0's: the controller's, before the fork (set_sub) */
    if (i > 0 && !args_ahead(R)) build_args(R, S, (int)(i & 1));
}

/* Core 0 after step i's first barrier, before its own share of step i: step i + 1's plan and
 * the loads that do not overwrite a buffer step i reads. Before the barrier (as it was until
 * round 15) the other 7 cores waited for it; here they start computing at once and wait at the
 * second barrier only for core 0's longer phase. Measured on GVSOC, MobileNetV1-1.0-128:
 * 21.80M -> 21.40M cycles (Conv_371, 512->512: 1.399M -> 1.382M; core 1's barrier wait 225K ->
 * 205K). A conv's kernel shares core 0 less for it (core0_cut, sized in tile_loop0 from the
 * measured cycles; a fixed 15/16..13/16 share did not pay: with this work before the barrier
 * only plan_step's part of it ran beside the other cores), and its step i + 1 arguments are
 * built here too (the other args slot); step i's are not touched (the cores read them now). */
static void plan_next(run_t *R, loop_t *Q, int32_t i)
{
    step_t *S = &Q->st[i & 1], *N;
    if (i + 1 >= R->nsteps) return;
    N = &Q->st[(i + 1) & 1];
    plan_step(R, S, i + 1, N);
    assign_buffers(R, Q, S, N);
    if (N->load_in && N->ib != S->ib) {
        issue_input(R, N);
        N->done_in = 1;
    }
    if (N->load_w && N->wb != S->wb) {
        issue_weights(R, N);
        N->done_w = 1;
    }
    if (N->load_p && N->pb != S->pb) {
        issue_params(R, N);
        N->done_p = 1;
    }
    /* pointers only (N's buffers are assigned): the other slot, step i - 1's, which no core
     * reads any more (every core passed step i - 1's second barrier) */
    if (args_ahead(R)) build_args(R, N, (int)((i + 1) & 1));
}

static void after_compute(run_t *R, loop_t *Q, int32_t i)
{
    step_t *S = &Q->st[i & 1];
    if (S->last) issue_stores(R, Q, S);
    if (i + 1 < R->nsteps) {
        step_t *N = &Q->st[(i + 1) & 1];
        if (N->load_in && !N->done_in) {
            issue_input(R, N);
            N->done_in = 1;
        }
        if (N->load_w && !N->done_w) {
            issue_weights(R, N);
            N->done_w = 1;
        }
        if (N->load_p && !N->done_p) {
            issue_params(R, N);
            N->done_p = 1;
        }
    }
}

/* Core 0's side of the tile loop: out of line so that only core 0's frame holds loop_t (the
 * other cores' stacks are 1104 bytes on the pulp port: tests/stack_depth.py). */
static DORY_NOINLINE_LAYER_ void tile_loop0(run_t *shared)
{
    int32_t i, n, cut[2] = {0, 0}; /* the core0_cut of the arguments in slot 0 / 1 (step 0's: 0) */
    loop_t Q;
    run_t C; /* core 0's copy of the plan (in L1: its stack) */
    run_t *R = &C;
    l1args_t *K; /* step i's kernel arguments in L1 for every core (C.k0), or NULL */
#if defined(__riscv)
    /* Two DMAs (~300 cycles on GVSOC with the waits) instead of ~160 + ~60 word loads from L2
     * for struct copies, or ~30 cycles per L2 load of a field on every step; the host port's
     * DMA moves only between its L1 / L2 arenas (port_host.c checks), which hold neither the
     * stack nor the statics. */
    dory_dma_job_t j[2];
    dory_dma_3d(&j[0], DORY_DMA_L2_TO_L1, &C, shared, sizeof C, 1, sizeof C, sizeof C, 1, 0, 0);
    dory_dma_3d(&j[1], DORY_DMA_L2_TO_L1, &Q.st[0], &shared->A->st0, offsetof(step_t, ib), 1, offsetof(step_t, ib),
                offsetof(step_t, ib), 1, 0, 0);
    dory_dma_wait(&j[0]);
    dory_dma_wait(&j[1]);
#else
    C = *shared;
    memcpy(&Q.st[0], &shared->A->st0, offsetof(step_t, ib));
#endif
    n = R->nsteps;
    /* step 0's arguments came with the plan (set_sub's k0): their plan pointers to k0's plans */
    K = C.k0_ok ? &C.k0 : NULL;
    if (K && R->kind == DORY_LAYER_ADD && K->add.a.plan)
        K->add.a.plan = &K->add.p;
    else if (K && R->kind != DORY_LAYER_ADD && R->kind != DORY_LAYER_POOL && K->c.a.rqplan)
        K->c.a.rqplan = &K->c.p;
    R->A->l1 = K;
    begin(R, &Q);
    for (i = 0; i < n; i++) {
        uint32_t t0, t1, t2;
        int32_t used = cut[i & 1];
        if (i == 1) /* later steps' arguments: from kargs_t (compute; the others read l1 at step 0 only) */
            K = NULL;
        before_compute(R, &Q, i);
        dory_barrier();
        t0 = dory_core_cycles();
        plan_next(R, &Q, i);
        cut[(i + 1) & 1] = R->cut; /* what plan_next built step i + 1's arguments with */
        t1 = dory_core_cycles();
        compute(R, 0, (int)(i & 1), K, &C.k0);
        t2 = dory_core_cycles();
        /* Core 0's serial work x = t1 - t0 (plan_next) runs while the other cores compute: core 0
         * then takes less of a conv's units (core0_cut, conv2d.c). At a cut c its compute took
         * k = t2 - t1, an even share k 256 / (256 - c); it ends with the other N - 1 cores
         * (N = DORY_NUM_CORES; their shares grow by c / (N - 1) of one) at
         * c = 256 x (N - 1) / (N k_even) = x (N - 1) (256 - c) / (N k). Step i + 2 gets the mean
         * of that and c (GVSOC: MobileNetV2-1.0-128 18,978K -> 18,877K cycles, MobileNetV1-1.0-128
         * 20,628K -> 20,649K; a mean of 1/4 new: 18,987K and 20,724K), step i + 1's arguments being
         * built. None on a port without a counter (t2 == t1). */
        if (R->kind == DORY_LAYER_CONV && t2 != t1 && used < 256) {
            uint32_t x = t1 - t0, k = t2 - t1, nc = (uint32_t)DORY_NUM_CORES;
            /* x < 2^20: x (N - 1) 256 fits 32 bits */
            uint32_t c = x < (1u << 20) ? x * (nc - 1u) * (uint32_t)(256 - used) / (nc * k) : 256u;
            R->cut = ((int32_t)(c < 256u ? c : 256u) + used + 1) / 2;
        }
        dory_barrier();
        after_compute(R, &Q, i);
    }
    wait_stores(&Q, 0);
    wait_stores(&Q, 1);
    /* what the kernel arguments' requant chains were built for: the controller's next set_sub
     * (a later sub-problem of this layer) reuses them when they still match. Only then: the
     * stores go to L2 (gcc made the memcpy byte stores, ~30 cycles each: ~600 per fork). */
    if (C.more_subs) {
        for (i = 0; i < MAX_PIECES; i++) {
            shared->chain_par[0][i] = C.chain_par[0][i];
            shared->chain_off[0][i] = C.chain_off[0][i];
            shared->chain_par[1][i] = C.chain_par[1][i];
            shared->chain_off[1][i] = C.chain_off[1][i];
        }
    }
}

static void tile_task(void *arg)
{
    run_t *R = (run_t *)arg;
    int core = dory_core_id();
    int32_t i, n;
    if (core == 0) {
        tile_loop0(R);
        return;
    }
    n = R->nsteps;
    for (i = 0; i < n; i++) {
        dory_barrier();
        /* only step 0's arguments come in L1 (run_t.k0): no L2 load of kargs_t.l1 after it */
        compute(R, core, (int)(i & 1), i == 0 ? R->A->l1 : NULL, NULL);
        dory_barrier();
    }
}

/* ---- set-up and checks ---------------------------------------------------------------------- */

#define FAIL(...)                                                                              \
    do {                                                                                       \
        LOG_ERR("dory layer '%s': error: ", L->name ? L->name : "?");                         \
        LOG_ERR(__VA_ARGS__);                                                                  \
        LOG_ERR("\n");                                                                         \
        return -1;                                                                             \
    } while (0)

/* Bytes from L1 offset `off` to the next larger buffer offset of the layout (or l1_total). */
static size_t l1_cap(const dory_layer_t *L, uint32_t off)
{
    uint32_t offs[8];
    uint32_t best = L->l1_total;
    int i;
    offs[0] = L->l1_in[0];
    offs[1] = L->l1_in[1];
    offs[2] = L->l1_w[0];
    offs[3] = L->l1_w[1];
    offs[4] = L->l1_out[0];
    offs[5] = L->l1_out[1];
    offs[6] = L->l1_params;
    offs[7] = L->l1_scratch;
    for (i = 0; i < 8; i++)
        if (offs[i] > off && offs[i] < best) best = offs[i];
    return off <= best ? (size_t)(best - off) : 0;
}

static int valid_dtype(dory_dtype_t t)
{
    return (int)t >= (int)DORY_U8 && (int)t <= (int)DORY_S32;
}

static int check_chain(const dory_layer_t *L, const dory_rqchain_t *c, const char *what)
{
    if (c->n < 0 || c->n > DORY_MAX_REQUANT) FAIL("requant chain %s has %d stages (0..%d)", what, (int)c->n, DORY_MAX_REQUANT);
    return 0;
}

/* Sets up everything that does not depend on the sub-problem; validates the descriptor. */
static int setup(run_t *R, const dory_layer_t *L)
{
    int i, j;
    memset(R, 0, offsetof(run_t, k0)); /* k0: written by set_sub before any fork reads it */
    R->L = L;
    R->kind = (int)L->kind;
    if (L->kind < DORY_LAYER_CONV || L->kind > DORY_LAYER_ADD) FAIL("unknown layer kind %d", (int)L->kind);
    if (L->hi < 1 || L->wi < 1 || L->ci < 1 || L->ho < 1 || L->wo < 1 || L->co < 1)
        FAIL("expected positive dimensions, found in %dx%dx%d out %dx%dx%d", (int)L->hi, (int)L->wi, (int)L->ci,
             (int)L->ho, (int)L->wo, (int)L->co);
    if (L->t_co < 1 || L->t_ho < 1 || L->t_wo < 1)
        FAIL("expected a positive L1 tile, found t_co %d t_ho %d t_wo %d", (int)L->t_co, (int)L->t_ho, (int)L->t_wo);
    if (L->l3_co < 0 || L->l3_ho < 0) FAIL("expected l3_co, l3_ho >= 0, found %d, %d", (int)L->l3_co, (int)L->l3_ho);
    if (!valid_dtype(L->x_type) || !valid_dtype(L->y_type)) FAIL("bad x/y element type");
    if (R->kind == DORY_LAYER_CONV || R->kind == DORY_LAYER_DEPTHWISE || R->kind == DORY_LAYER_POOL) {
        if (L->kh < 1 || L->kw < 1 || L->sh < 1 || L->sw < 1)
            FAIL("expected positive kernel and strides, found %dx%d / %dx%d", (int)L->kh, (int)L->kw, (int)L->sh, (int)L->sw);
        if (R->kind != DORY_LAYER_POOL && (L->dh < 1 || L->dw < 1)) FAIL("expected positive dilations");
        if (L->pt < 0 || L->pl < 0 || L->pb < 0 || L->pr < 0) FAIL("expected non-negative pads");
    }
    if (R->kind == DORY_LAYER_CONV) {
        if (L->groups < 1 || L->ci % L->groups || L->co % L->groups)
            FAIL("expected groups dividing ci %d and co %d, found %d", (int)L->ci, (int)L->co, (int)L->groups);
        if (L->groups > 1 && L->groups == L->ci && L->groups == L->co) R->kind = DORY_LAYER_DEPTHWISE;
        R->cg = L->ci / L->groups;
        R->og = L->co / L->groups;
    }
    if ((R->kind == DORY_LAYER_DEPTHWISE || R->kind == DORY_LAYER_POOL || R->kind == DORY_LAYER_ADD) && L->ci != L->co)
        FAIL("expected ci == co for this kind, found %d and %d", (int)L->ci, (int)L->co);
    if (R->kind == DORY_LAYER_LINEAR && (L->hi != 1 || L->wi != 1 || L->ho != 1 || L->wo != 1))
        FAIL("expected a linear layer with hi = wi = ho = wo = 1");
    if (R->kind == DORY_LAYER_ADD && (L->hi != L->ho || L->wi != L->wo))
        FAIL("expected an add with equal input and output shapes");

    R->g.hi = L->hi;
    R->g.wi = L->wi;
    R->g.ci = L->ci;
    R->g.wo = L->wo;
    R->g.co = L->co;
    R->g.kh = L->kh;
    R->g.kw = L->kw;
    R->g.sh = L->sh;
    R->g.sw = L->sw;
    R->g.dh = L->dh;
    R->g.dw = L->dw;
    R->g.pt = L->pt;
    R->g.pl = L->pl;
    R->g.pb = L->pb;
    R->g.pr = L->pr;
    R->g.groups = L->groups;
    R->g.is_avg = L->is_avg;
    R->g.count_include_pad = L->count_include_pad;
    R->g.div = L->div;
    R->g.trunc = L->trunc;
    R->g.x_type = L->x_type;
    R->g.x2_type = L->x2_type;
    R->g.w_type = L->w_type;
    R->g.b_type = L->b_type;
    R->g.y_type = L->y_type;

    R->has_w = R->kind == DORY_LAYER_CONV || R->kind == DORY_LAYER_DEPTHWISE || R->kind == DORY_LAYER_LINEAR;
    R->has_b = R->has_w && L->b.mem != DORY_MEM_NONE;
    if (L->x.mem != DORY_MEM_L2 && L->x.mem != DORY_MEM_L3) FAIL("input x has no memory (L2 or L3)");
    if (L->y.mem != DORY_MEM_L2 && L->y.mem != DORY_MEM_L3) FAIL("output y has no memory (L2 or L3)");
    if (R->kind == DORY_LAYER_ADD && L->x2.mem != DORY_MEM_L2 && L->x2.mem != DORY_MEM_L3) FAIL("add rhs x2 has no memory");
    if (R->has_w && L->w.mem != DORY_MEM_L2 && L->w.mem != DORY_MEM_L3) FAIL("weights have no memory");
    if (R->has_w && !valid_dtype(L->w_type)) FAIL("bad weight type");
    if (R->has_b && !valid_dtype(L->b_type)) FAIL("bad bias type");
    if (R->kind == DORY_LAYER_ADD && !valid_dtype(L->x2_type)) FAIL("bad x2 type");
    R->xb = dory_dtype_bytes(L->x_type);
    R->x2b = R->kind == DORY_LAYER_ADD ? dory_dtype_bytes(L->x2_type) : 0;
    R->wb = R->has_w ? dory_dtype_bytes(L->w_type) : 0;
    R->bb = R->has_b ? dory_dtype_bytes(L->b_type) : 0;
    R->yb = dory_dtype_bytes(L->y_type);
    R->x_row = (size_t)L->wi * (size_t)L->ci * R->xb;
    R->x2_row = (size_t)L->wi * (size_t)L->ci * R->x2b;
    R->y_row = (size_t)L->wo * (size_t)L->co * R->yb;
    R->wpch = w_per_channel(R);

    if (check_chain(L, &L->rq, "rq") || check_chain(L, &L->rq_a, "rq_a") || check_chain(L, &L->rq_b, "rq_b")) return -1;
    if (L->n_params < 0 || L->n_params > DORY_MAX_PARAMS) FAIL("n_params %d out of [0, %d]", (int)L->n_params, DORY_MAX_PARAMS);
    if (L->n_params > 0 && L->rq_buf.mem != DORY_MEM_L2 && L->rq_buf.mem != DORY_MEM_L3)
        FAIL("%d requant vectors but no requant buffer", (int)L->n_params);
    for (i = 0; i < L->n_params; i++) {
        const dory_param_t *p = &L->params[i];
        const dory_rqchain_t *c = p->chain == 0 ? &L->rq : p->chain == 1 ? &L->rq_a : &L->rq_b;
        if (p->chain < 0 || p->chain > 2 || (p->chain > 0 && R->kind != DORY_LAYER_ADD))
            FAIL("param %d: chain %d (0: rq, 1/2: rq_a/rq_b of an add)", i, (int)p->chain);
        if (p->stage < 0 || p->stage >= c->n) FAIL("param %d: stage %d of a %d-stage chain", i, (int)p->stage, (int)c->n);
        if (p->field < 0 || p->field > 3) FAIL("param %d: field %d (0 mul, 1 add, 2 / 3 window lo / hi)", i, (int)p->field);
        if (p->field >= 2 && p->type != DORY_S32) FAIL("param %d: a window vector of type %d, not s32", i, (int)p->type);
        if (!valid_dtype(p->type) && p->type != DORY_S64) FAIL("param %d: bad type", i);
        for (j = 0; j < i; j++)
            if (L->params[j].chain == p->chain && L->params[j].stage == p->stage && L->params[j].field == p->field)
                FAIL("params %d and %d set the same chain/stage/field", j, i);
    }
    /* params region entries: bias first, then the vectors; sorted by element size, decreasing */
    R->nent = 0;
    if (R->has_b) {
        ent_t *e = &R->ent[R->nent++];
        e->is_bias = 1;
        e->param = -1;
        e->eb = R->bb;
    }
    for (i = 0; i < L->n_params; i++) {
        ent_t *e = &R->ent[R->nent++];
        e->is_bias = 0;
        e->param = (int16_t)i;
        e->chain = (int8_t)L->params[i].chain;
        e->stage = (int8_t)L->params[i].stage;
        e->field = (int8_t)L->params[i].field;
        e->type = (int16_t)L->params[i].type;
        e->eb = dory_dtype_bytes(L->params[i].type);
    }
    for (i = 1; i < R->nent; i++) { /* stable insertion sort: eb desc, bias first, requant-buffer offset asc */
        ent_t t = R->ent[i];
        for (j = i; j > 0; j--) {
            const ent_t *u = &R->ent[j - 1];
            /* among equals: the bias, then by offset in the requant buffer */
            int before = t.eb > u->eb || (t.eb == u->eb && !u->is_bias &&
                                          (t.is_bias || L->params[t.param].offset < L->params[u->param].offset));
            if (!before) break;
            R->ent[j] = R->ent[j - 1];
        }
        R->ent[j] = t;
    }

    /* the L1 tile */
    R->tco = imin(L->t_co, L->co);
    R->tho = imin(L->t_ho, L->ho);
    R->two = imin(L->t_wo, L->wo);
    if (splits_cin(R)) {
        if (L->t_ci < 1) FAIL("expected t_ci >= 1, found %d", (int)L->t_ci);
        R->tci = imin(L->t_ci, L->ci);
    } else {
        R->tci = L->ci;
    }
    R->nk = splits_cin(R) ? cdiv(L->ci, R->tci) : 1;
    {
        size_t off = 0;
        for (i = 0; i < R->nent; i++) {
            R->ent[i].l1_off = off;
            off += (size_t)R->tco * R->ent[i].eb;
        }
        R->par_bytes = off;
    }

    /* the L1 layout */
    if (L->l1_total == 0) FAIL("empty L1 layout (l1_total 0)");
    R->l1 = dory_l1_base();
    R->nbi = L->l1_in[1] != L->l1_in[0] ? 2 : 1;
    R->nbw = L->l1_w[1] != L->l1_w[0] ? 2 : 1;
    R->nbo = L->l1_out[1] != L->l1_out[0] ? 2 : 1;
    R->cap_in = l1_cap(L, L->l1_in[0]);
    R->cap_w = l1_cap(L, L->l1_w[0]);
    R->cap_out = l1_cap(L, L->l1_out[0]);
    R->cap_par = l1_cap(L, L->l1_params);
    R->cap_scr = l1_cap(L, L->l1_scratch);
    if (R->nbi == 2) R->cap_in = smin(R->cap_in, l1_cap(L, L->l1_in[1]));
    if (R->nbw == 2) R->cap_w = smin(R->cap_w, l1_cap(L, L->l1_w[1]));
    if (R->nbo == 2) R->cap_out = smin(R->cap_out, l1_cap(L, L->l1_out[1]));
    R->nbp = R->par_bytes > 0 && R->cap_par >= 2 * align4(R->par_bytes) ? 2 : 1;
    if (R->par_bytes > R->cap_par)
        FAIL("the L1 params region (offset %u) holds %lu bytes, the tile needs %lu (t_co %d x %lu bytes per channel)",
             (unsigned)L->l1_params, (unsigned long)R->cap_par, (unsigned long)R->par_bytes, (int)R->tco,
             (unsigned long)(R->par_bytes / (size_t)R->tco));
    for (i = 0; i < 2; i++) {
        R->in[i] = R->l1 + L->l1_in[i];
        R->wt[i] = R->l1 + L->l1_w[i];
        R->out[i] = R->l1 + L->l1_out[i];
    }
    R->par[0] = R->l1 + L->l1_params;
    R->par[1] = R->l1 + L->l1_params + (R->nbp == 2 ? align4(R->par_bytes) : 0);
    R->scratch = R->l1 + L->l1_scratch;

    /* the kernels' own scratch amounts (the tiler budgets the same), then the accumulator */
    R->kscr = 0;
    if (R->kind == DORY_LAYER_CONV) {
        R->kscr = dory_conv2d_scratch_bytes(L->kh, L->kw, L->groups == 1 ? R->tci : R->cg, DORY_NUM_CORES);
    } else if (R->kind == DORY_LAYER_DEPTHWISE) {
        int32_t rows = imin(L->hi, (R->tho - 1) * L->sh + (L->kh - 1) * L->dh + 1);
        int32_t cols = imin(L->wi, (R->two - 1) * L->sw + (L->kw - 1) * L->dw + 1);
        R->kscr = dory_depthwise_scratch_bytes(L->kh, L->kw, rows, cols, L->pt, L->pb, L->pl, L->pr, DORY_NUM_CORES);
    }
    {
        size_t have = R->cap_scr; /* what the layout leaves the kernels */
        if (R->nk > 1) {
            size_t acc = (size_t)R->tho * (size_t)R->two * (size_t)R->tco * 4u;
            size_t k = align4(R->kscr);
            if (k + acc > R->cap_scr) {
                if (acc > R->cap_scr)
                    FAIL("the L1 scratch region (offset %u, %lu bytes) cannot hold the %lu-byte si32 accumulator of a "
                         "%dx%dx%d tile", (unsigned)L->l1_scratch, (unsigned long)R->cap_scr, (unsigned long)acc,
                         (int)R->tho, (int)R->two, (int)R->tco);
                k = (R->cap_scr - acc) & ~(size_t)3u;
            }
            R->acc = (int32_t *)(void *)(R->scratch + k);
            if (((uintptr_t)R->acc & 3u) != 0) FAIL("the L1 accumulator is not 4-byte aligned (l1_scratch %u)", (unsigned)L->l1_scratch);
            have = k;
        }
        if (R->kscr > have) {
#ifdef DORY_DEBUG
            FAIL("the L1 scratch region (offset %u, %lu bytes) leaves the kernel %lu bytes of scratch, it needs %lu",
                 (unsigned)L->l1_scratch, (unsigned long)R->cap_scr, (unsigned long)have, (unsigned long)R->kscr);
#else
            R->kscr = have; /* the kernels take their generic path with less */
#endif
        }
    }
    return 0;
}

/* Checks every step of the current sub-problem against the L1 buffers; step 0's plan in *first. */
static int check_steps(run_t *R, step_t *first)
{
    const dory_layer_t *L = R->L;
    int32_t i;
    step_t T;
    for (i = 0; i < R->nsteps; i++) {
        /* step 0 planned into *first, the others into T (no step_t copy: ~350 controller cycles) */
        step_t *S = i == 0 ? first : &T;
        plan_step(R, i == 0 ? NULL : i == 1 ? first : &T, i, S);
        if (S->in_bytes > R->cap_in)
            FAIL("tile %d (rows %d..%d, cols %d..%d, ch %d..%d) needs %lu input bytes in L1, the input buffer "
                 "(offset %u) holds %lu", (int)i, (int)S->h0, (int)S->h1, (int)S->w0, (int)S->w1, (int)S->c0, (int)S->c1,
                 (unsigned long)S->in_bytes, (unsigned)L->l1_in[0], (unsigned long)R->cap_in);
        if (S->w_bytes > R->cap_w)
            FAIL("tile %d (ch %d..%d) needs %lu weight bytes in L1, the weight buffer (offset %u) holds %lu", (int)i,
                 (int)S->c0, (int)S->c1, (unsigned long)S->w_bytes, (unsigned)L->l1_w[0], (unsigned long)R->cap_w);
        if (S->out_bytes > R->cap_out)
            FAIL("tile %d needs %lu output bytes in L1, the output buffer (offset %u) holds %lu", (int)i,
                 (unsigned long)S->out_bytes, (unsigned)L->l1_out[0], (unsigned long)R->cap_out);
    }
#ifdef DORY_DEBUG
    {
        /* every L1 buffer in [0, l1_total) and in the L1 arena */
        int b;
        size_t in_need = 0, w_need = 0, out_need = 0;
        for (i = 0; i < R->nsteps; i++) {
            plan_step(R, i > 0 ? &T : NULL, i, &T);
            if (T.in_bytes > in_need) in_need = T.in_bytes;
            if (T.w_bytes > w_need) w_need = T.w_bytes;
            if (T.out_bytes > out_need) out_need = T.out_bytes;
        }
        for (b = 0; b < 2; b++) {
            if (L->l1_in[b] + in_need > L->l1_total || L->l1_out[b] + out_need > L->l1_total ||
                (R->has_w && L->l1_w[b] + w_need > L->l1_total))
                FAIL("an L1 ping/pong buffer lies beyond l1_total %u", (unsigned)L->l1_total);
            DBG_L1(R->in[b], in_need, "dory_layer_run: L1 input buffer");
            DBG_L1(R->out[b], out_need, "dory_layer_run: L1 output buffer");
            if (R->has_w) DBG_L1(R->wt[b], w_need, "dory_layer_run: L1 weight buffer");
            if (R->par_bytes) DBG_L1(R->par[b], R->par_bytes, "dory_layer_run: L1 params buffer");
        }
        if ((size_t)(R->par[1] - R->l1) + R->par_bytes > L->l1_total) FAIL("the L1 params region lies beyond l1_total");
        if (R->kscr) DBG_L1(R->scratch, R->kscr, "dory_layer_run: L1 scratch");
        if (R->acc) {
            size_t acc = (size_t)R->tho * (size_t)R->two * (size_t)R->tco * 4u;
            if ((size_t)((uint8_t *)R->acc - R->l1) + acc > L->l1_total) FAIL("the L1 accumulator lies beyond l1_total");
            DBG_L1(R->acc, acc, "dory_layer_run: L1 accumulator");
        }
    }
#endif
    return 0;
}

/* ---- L3 staging ------------------------------------------------------------------------------ */

/* 1: the L3 staging of several sub-problems overlaps the cluster (double-buffered, above); the cost
 * model's Target.l3_overlapped (backends/pulp/hw.py) says the same, tests/test_target.py checks. */
#define DORY_L3_OVERLAPPED 1

/* One staged operand: its region (one copy per buffer, nbuf of them at offsets off[]), which
 * buffer holds which block. */
typedef struct {
    int used;
    int nbuf;        /* 2: re-staged per sub-problem and double-buffered (overlapped staging) */
    size_t bytes, eb;
    size_t off[2];
    int cur;         /* buffer of the block staged last */
    int32_t key;     /* that block (row block or channel block), -1: none yet */
} region_t;

enum { RG_X = 0, RG_X2, RG_Y, RG_W, RG_B, RG_P0, RG_N = RG_P0 + DORY_MAX_PARAMS };

/* The operand references of one sub-problem (the run_t fields the cluster reads while it runs). */
typedef struct {
    actref_t x, x2, y;
    chref_t w, b, pv[DORY_MAX_PARAMS];
} refs_t;

static void l2_ref(const dory_ref_t *r, size_t bytes, const char *what, uint8_t **p)
{
    *p = dory_l2_base() + r->offset;
    DBG_L2(*p, bytes, what);
    (void)bytes;
    (void)what;
}

/* Lays the regions out in the staging area: `order` (n region ids) by element size, decreasing.
 * Single-buffered (dbl == 0): packed, one copy each. Double-buffered (dbl == 1): the regions
 * re-staged per sub-problem get two copies, and every copy starts and ends on a word boundary --
 * the HyperRAM port's uDMA writes whole words (l3_hyper.c), so a transfer into a copy must not
 * touch the bytes of a neighbour the cluster may be reading or writing meanwhile. Returns the
 * bytes used. */
static size_t layout_staging(region_t *rg, const int *order, int n, int dbl)
{
    size_t need = 0;
    int a, b;
    for (a = 0; a < n; a++) {
        region_t *r = &rg[order[a]];
        size_t sz = dbl ? align4(r->bytes) : r->bytes;
        for (b = 0; b < (dbl ? r->nbuf : 1); b++) {
            r->off[b] = need;
            need += sz;
        }
        if (!dbl) r->off[1] = r->off[0];
    }
    return need;
}

/* Stages the L3 operands of sub-problem (row block h of rows [H0, H1), channel block c from C0)
 * into their buffers (only the blocks not already there) and points `rf` at them. */
/* A deferred L3 weights read: bytes from L3 address `addr` to `dst` (bytes == 0: none). */
typedef struct {
    uint8_t *dst;
    uint32_t addr;
    size_t bytes;
} wread_t;

/* L3 weights are streamed in chunks of this many bytes (a multiple of 4: see dory_layer_run) */
#define W_STREAM_CHUNK 8192u

/* Reads the deferred weights `wr` from byte `done` on, chunk by chunk, and returns the bytes in
 * place. ready != NULL: publishes each chunk there (the running sub-problem's weights: core 0
 * waits for a tile's in issue_weights). until_done: stops early once the cluster has finished its
 * task (the next sub-problem's weights: its fork should not wait for all of them). */
static size_t w_stream_in(const wread_t *wr, size_t done, uint32_t *ready, int until_done)
{
    size_t n;
    for (; done < wr->bytes; done += n) {
        if (until_done && dory_cluster_done()) break;
        n = smin(wr->bytes - done, W_STREAM_CHUNK);
        dory_l3_read(wr->dst + done, wr->addr + (uint32_t)done, n);
        if (ready != NULL) __atomic_store_n(ready, (uint32_t)(done + n), __ATOMIC_RELEASE);
    }
    return done;
}

static void stage_in(run_t *R, region_t *rg, uint8_t *stg, refs_t *rf, int32_t h, int32_t H0, int32_t H1, int32_t c,
                     int32_t C0, int32_t C1, size_t wpc, wread_t *defer_w)
{
    const dory_layer_t *L = R->L;
    span_t s = rows_of(R, H0, H1);
    int i;
    if (rg[RG_X].used && rg[RG_X].key != h) {
        region_t *r = &rg[RG_X];
        r->cur = r->key < 0 ? 0 : r->cur ^ (r->nbuf - 1);
        r->key = h;
        rf->x.p = stg + r->off[r->cur];
        rf->x.org = s.lo;
        dory_l3_read(rf->x.p, L->x.offset + (uint32_t)((size_t)s.lo * R->x_row), (size_t)(s.hi - s.lo) * R->x_row);
    }
    if (rg[RG_X2].used && rg[RG_X2].key != h) {
        region_t *r = &rg[RG_X2];
        r->cur = r->key < 0 ? 0 : r->cur ^ (r->nbuf - 1);
        r->key = h;
        rf->x2.p = stg + r->off[r->cur];
        rf->x2.org = s.lo;
        dory_l3_read(rf->x2.p, L->x2.offset + (uint32_t)((size_t)s.lo * R->x2_row), (size_t)(s.hi - s.lo) * R->x2_row);
    }
    if (rg[RG_Y].used && rg[RG_Y].key != h) { /* output: nothing to read, written back per row block */
        region_t *r = &rg[RG_Y];
        r->cur = r->key < 0 ? 0 : r->cur ^ (r->nbuf - 1);
        r->key = h;
        rf->y.p = stg + r->off[r->cur];
        rf->y.org = H0;
    }
    if (rg[RG_W].used && rg[RG_W].key != c) {
        region_t *r = &rg[RG_W];
        r->cur = r->key < 0 ? 0 : r->cur ^ (r->nbuf - 1);
        r->key = c;
        rf->w.p = stg + r->off[r->cur];
        rf->w.org = C0;
        /* streamed only into word-aligned bytes that end on a word boundary or at the copy's own
         * padding (double-buffered copies are padded): see W_STREAM_CHUNK's user */
        if (defer_w != NULL && ((uintptr_t)rf->w.p & 3u) == 0 && (r->nbuf == 2 || ((size_t)(C1 - C0) * wpc) % 4u == 0)) {
            defer_w->dst = rf->w.p;
            defer_w->addr = L->w.offset + (uint32_t)((size_t)C0 * wpc);
            defer_w->bytes = (size_t)(C1 - C0) * wpc;
        } else {
            dory_l3_read(rf->w.p, L->w.offset + (uint32_t)((size_t)C0 * wpc), (size_t)(C1 - C0) * wpc);
        }
    }
    if (rg[RG_B].used && rg[RG_B].key != c) {
        region_t *r = &rg[RG_B];
        r->cur = r->key < 0 ? 0 : r->cur ^ (r->nbuf - 1);
        r->key = c;
        rf->b.p = stg + r->off[r->cur];
        rf->b.org = C0;
        dory_l3_read(rf->b.p, L->b.offset + (uint32_t)((size_t)C0 * R->bb), (size_t)(C1 - C0) * R->bb);
    }
    for (i = 0; i < L->n_params; i++) {
        region_t *r = &rg[RG_P0 + i];
        size_t eb = dory_dtype_bytes(L->params[i].type);
        if (!r->used || r->key == c) continue;
        r->cur = r->key < 0 ? 0 : r->cur ^ (r->nbuf - 1);
        r->key = c;
        rf->pv[i].p = stg + r->off[r->cur];
        rf->pv[i].org = C0;
        dory_l3_read(rf->pv[i].p, L->rq_buf.offset + L->params[i].offset + (uint32_t)((size_t)C0 * eb),
                     (size_t)(C1 - C0) * eb);
    }
}

/* The L1 tile loop's schedule of sub-problem (output rows [H0, H1), channels [C0, C1)), checked. */
static int set_sub(run_t *R, int32_t H0, int32_t H1, int32_t C0, int32_t C1)
{
    step_t *S = &R->A->st0;
    R->H0 = H0;
    R->H1 = H1;
    R->C0 = C0;
    R->C1 = C1;
    R->nh = cdiv(H1 - H0, R->tho);
    R->nwb = cdiv(R->L->wo, R->two);
    R->nc = cdiv(C1 - C0, R->tco);
    R->nsteps = R->nh * R->nwb * R->nc * R->nk;
    if (check_steps(R, S) != 0) return -1;
    /* Step 0's kernel arguments (and requant chains), built here by the controller instead of by
     * cluster core 0 in before_compute: on the pulp port run_t and the descriptor are in L2, ~30
     * cycles per access from the cluster and a few from the controller, and core 0 builds them while
     * the other cores wait at the barrier (measured on GVSOC: ~1,900 cycles per layer for the
     * arguments, ~1,900 more for a conv's chain and ~2,400 for an add's three). Step 0 has
     * buffers 0 (assign_buffers with no previous step). */
    S->ib = S->wb = S->pb = S->ob = 0;
    R->cut = 0;
    build_args(R, S, 0);
    if (R->kind == DORY_LAYER_ADD) {
        /* the same for every step: the types and the chains' scalars (a chain with per-channel
         * vectors, whose pointers move with the params buffer, has no plan: ok = 0) */
        dory_add_plan(&R->A->aplan, &R->A->aargs);
        R->A->aargs.plan = &R->A->aplan;
    } else if (R->kind != DORY_LAYER_POOL) {
        /* the same for every step and piece: types, bias and the chain's scalars (build_args
         * leaves the field, so every piece's is written here, plan or none) */
        int p, ok = dory_conv_rqplan(&R->A->rqplan, &R->A->cargs[0][0]);
        for (p = 0; p < MAX_PIECES; p++)
            R->A->cargs[0][p].rqplan = R->A->cargs[1][p].rqplan = ok ? &R->A->rqplan : NULL;
    }
    /* step 0's arguments for core 0's L1 copy of run_t (k0); tile_loop0 points their plan
     * pointers at k0's plans */
    R->k0_ok = 1;
    if (R->kind == DORY_LAYER_POOL) {
        R->k0.pool = R->A->pargs;
    } else if (R->kind == DORY_LAYER_ADD) {
        R->k0.add.a = R->A->aargs;
        R->k0.add.p = R->A->aplan;
    } else if (R->A->ncall[0] == 1) {
        R->k0.c.a = R->A->cargs[0][0];
        R->k0.c.p = R->A->rqplan;
        /* A one-step sub-problem: every core enters its kernel right after the step's first
         * barrier (no plan_next on core 0 before its call), so a conv path may share work through
         * the scratch with this barrier (dory_conv_args_t.barrier; TCN_T's dilated convs: the
         * aligned tap weights, ~1,100 cycles less per layer on GVSOC). The arguments build_args
         * writes (kargs_t's, the steps of longer loops) never set it: NULL. */
        if (R->nsteps == 1) R->k0.c.a.barrier = dory_barrier;
    } else {
        R->k0_ok = 0;
    }
    return 0;
}

/* 1 when L reads or writes L3 (staged through L2 by the controller, sub-problem by sub-problem) */
static int uses_l3(const run_t *R, const dory_layer_t *L)
{
    return L->x.mem == DORY_MEM_L3 || L->y.mem == DORY_MEM_L3 || (R->kind == DORY_LAYER_ADD && L->x2.mem == DORY_MEM_L3) ||
           (R->has_w && L->w.mem == DORY_MEM_L3) || (R->has_b && L->b.mem == DORY_MEM_L3) ||
           (L->n_params > 0 && L->rq_buf.mem == DORY_MEM_L3);
}

/* Everything in L2: the operands' pointers and the one sub-problem's plan and step-0 arguments
 * (kept apart from the L3 path of run_layer: its set-up cost ~1,000 FC cycles per layer on GVSOC
 * while the cluster waited). */
static int prepare_l2(run_t *R, const dory_layer_t *L)
{
    int i;
    if (L->x.mem == DORY_MEM_L2) l2_ref(&L->x, (size_t)L->hi * R->x_row, "dory_layer_run: x", &R->x.p);
    if (R->kind == DORY_LAYER_ADD) l2_ref(&L->x2, (size_t)L->hi * R->x2_row, "dory_layer_run: x2", &R->x2.p);
    l2_ref(&L->y, (size_t)L->ho * R->y_row, "dory_layer_run: y", &R->y.p);
    if (R->has_w) l2_ref(&L->w, (size_t)L->co * R->wpch, "dory_layer_run: weights", &R->w.p);
    if (R->has_b) l2_ref(&L->b, (size_t)L->co * R->bb, "dory_layer_run: bias", &R->b.p);
    for (i = 0; i < L->n_params; i++) {
        R->pv[i].p = dory_l2_base() + L->rq_buf.offset + L->params[i].offset;
        DBG_L2(R->pv[i].p, (size_t)L->co * dory_dtype_bytes(L->params[i].type), "dory_layer_run: requant vector");
    }
    return set_sub(R, 0, L->ho, 0, L->co);
}

/* Two plans (run_t + kargs_t, statics shared with the cluster): while the cluster runs a layer
 * from one, the controller prepares the next layer in the other (dory_layer_run_next). ready[s]
 * is the descriptor slot s holds a complete plan of (setup + prepare_l2, nothing run from it
 * yet), else NULL. The plan depends only on the descriptor (its constant operands' places, never
 * the activations' contents), so it stays valid whatever the controller does in between. */
static run_t g_run[2];
static kargs_t g_kargs[2];
static const dory_layer_t *g_ready[2];

int dory_layer_run(const dory_layer_t *L) { return dory_layer_run_next(L, NULL); }

int dory_layer_run_next(const dory_layer_t *L, const dory_layer_t *next)
{
    int slot = L != NULL && g_ready[1] == L ? 1 : 0;
    int ready = L != NULL && g_ready[slot] == L;
    run_t *R = &g_run[slot];
    region_t rg[RG_N];
    refs_t rf;
    wread_t wr;
    size_t wdone;
    int any_l3, dbl, i;
    int32_t l3c, l3h, nH, nC, nsub, k;
    uint8_t *stg;
    size_t wpc;
    g_ready[0] = g_ready[1] = NULL;
    if (L == NULL) {
        LOG_ERR("dory layer: error: NULL descriptor\n");
        return -1;
    }
    if (!ready) {
        if (setup(R, L) != 0) return -1;
        R->A = &g_kargs[slot];
    }
    wpc = R->wpch;
    any_l3 = uses_l3(R, L);
    l3c = L->l3_co > 0 ? imin(L->l3_co, L->co) : L->co;
    l3h = L->l3_ho > 0 ? imin(L->l3_ho, L->ho) : L->ho;
    if (R->kind == DORY_LAYER_LINEAR) l3h = 1;
    nH = cdiv(L->ho, l3h);
    nC = cdiv(L->co, l3c);
    nsub = nH * nC;

    if (!any_l3) {
        /* everything in L2: one sub-problem, no staging */
        if (!ready && prepare_l2(R, L) != 0) return -1;
        if (next == NULL || next == L) {
            dory_cluster_fork(tile_task, R);
            return 0;
        }
        /* The next layer's set-up, planning and step-0 arguments while the cluster runs this one
         * (~4,000 FC cycles per layer on GVSOC that were on every layer's critical path). A
         * failure is left for its own call to report (it sets the next layer up again). */
        dory_cluster_fork_start(tile_task, R);
        {
            run_t *N = &g_run[slot ^ 1];
            if (setup(N, next) == 0) {
                N->A = &g_kargs[slot ^ 1];
                if (!uses_l3(N, next) && prepare_l2(N, next) == 0) g_ready[slot ^ 1] = next;
            }
        }
        dory_cluster_join();
        return 0;
    }

    /* staging regions */
    memset(rg, 0, sizeof rg);
    for (i = 0; i < RG_N; i++) {
        rg[i].nbuf = 1;
        rg[i].key = -1;
    }
    dbl = 0;
    {
        size_t need, xrows = 0;
        int order[RG_N], n = 0, a, b;
        int32_t H0;
        for (H0 = 0; H0 < L->ho; H0 += l3h) {
            span_t s = rows_of(R, H0, imin(H0 + l3h, L->ho));
            if ((size_t)(s.hi - s.lo) > xrows) xrows = (size_t)(s.hi - s.lo);
        }
        if (L->x.mem == DORY_MEM_L3) {
            rg[RG_X].used = 1;
            rg[RG_X].bytes = xrows * R->x_row;
            rg[RG_X].eb = R->xb;
        }
        if (R->kind == DORY_LAYER_ADD && L->x2.mem == DORY_MEM_L3) {
            rg[RG_X2].used = 1;
            rg[RG_X2].bytes = xrows * R->x2_row;
            rg[RG_X2].eb = R->x2b;
        }
        if (L->y.mem == DORY_MEM_L3) {
            rg[RG_Y].used = 1;
            rg[RG_Y].bytes = (size_t)l3h * R->y_row;
            rg[RG_Y].eb = R->yb;
        }
        if (R->has_w && L->w.mem == DORY_MEM_L3) {
            rg[RG_W].used = 1;
            rg[RG_W].bytes = (size_t)l3c * wpc;
            rg[RG_W].eb = R->wb;
        }
        if (R->has_b && L->b.mem == DORY_MEM_L3) {
            rg[RG_B].used = 1;
            rg[RG_B].bytes = (size_t)l3c * R->bb;
            rg[RG_B].eb = R->bb;
        }
        if (L->n_params > 0 && L->rq_buf.mem == DORY_MEM_L3) {
            /* in the params' L1 order, so that their staged copies merge into 2-D DMAs */
            for (i = 0; i < R->nent; i++) {
                int p = R->ent[i].param;
                if (R->ent[i].is_bias) continue;
                rg[RG_P0 + p].used = 1;
                rg[RG_P0 + p].bytes = (size_t)l3c * R->ent[i].eb;
                rg[RG_P0 + p].eb = R->ent[i].eb;
            }
        }
        /* re-staged per sub-problem: the activations when there are several row blocks, the
         * channel-sliced operands when there are several channel blocks */
        for (i = 0; i < RG_N; i++) {
            int acts = i == RG_X || i == RG_X2 || i == RG_Y;
            if (rg[i].used && (acts ? nH > 1 : nC > 1)) rg[i].nbuf = 2;
        }
        /* pack by element size, decreasing (params kept in their L1 order among equals) */
        for (i = 0; i < RG_P0; i++)
            if (rg[i].used) order[n++] = i;
        for (i = 0; i < R->nent; i++)
            if (!R->ent[i].is_bias && rg[RG_P0 + R->ent[i].param].used) order[n++] = RG_P0 + R->ent[i].param;
        for (a = 1; a < n; a++) {
            int t = order[a];
            for (b = a; b > 0 && rg[order[b - 1]].eb < rg[t].eb; b--) order[b] = order[b - 1];
            order[b] = t;
        }
        /* Overlapped staging when there is more than one sub-problem, the tiler's double-buffered
         * budget (passes/tile.py l3_tile) holds the word-aligned copies and the area itself is
         * word aligned; otherwise single-buffered, blocking, between forks. */
        if (DORY_L3_OVERLAPPED && nsub > 1 && (L->staging & 3u) == 0 &&
            layout_staging(rg, order, n, 1) <= L->staging_bytes) {
            dbl = 1;
            need = layout_staging(rg, order, n, 1);
        } else {
            for (i = 0; i < RG_N; i++) rg[i].nbuf = 1;
            need = layout_staging(rg, order, n, 0);
        }
        if (need > L->staging_bytes)
            FAIL("the L3 staging area holds %u bytes, this layer stages %lu (l3_co %d, l3_ho %d: input rows %lu, "
                 "output rows %d, weight channels %d)", (unsigned)L->staging_bytes, (unsigned long)need, (int)L->l3_co,
                 (int)L->l3_ho, (unsigned long)xrows, (int)l3h, (int)l3c);
        stg = dory_l2_base() + L->staging;
        DBG_L2(stg, need, "dory_layer_run: L3 staging area");
    }

    /* L2 operands (debug: whole tensors inside the L2 arena) */
    memset(&rf, 0, sizeof rf);
    if (L->x.mem == DORY_MEM_L2) l2_ref(&L->x, (size_t)L->hi * R->x_row, "dory_layer_run: x", &rf.x.p);
    if (R->kind == DORY_LAYER_ADD && L->x2.mem == DORY_MEM_L2)
        l2_ref(&L->x2, (size_t)L->hi * R->x2_row, "dory_layer_run: x2", &rf.x2.p);
    if (L->y.mem == DORY_MEM_L2) l2_ref(&L->y, (size_t)L->ho * R->y_row, "dory_layer_run: y", &rf.y.p);
    if (R->has_w && L->w.mem == DORY_MEM_L2) l2_ref(&L->w, (size_t)L->co * wpc, "dory_layer_run: weights", &rf.w.p);
    if (R->has_b && L->b.mem == DORY_MEM_L2) l2_ref(&L->b, (size_t)L->co * R->bb, "dory_layer_run: bias", &rf.b.p);
    for (i = 0; i < L->n_params; i++) {
        if (L->rq_buf.mem == DORY_MEM_L2) {
            rf.pv[i].p = dory_l2_base() + L->rq_buf.offset + L->params[i].offset;
            DBG_L2(rf.pv[i].p, (size_t)L->co * dory_dtype_bytes(L->params[i].type), "dory_layer_run: requant vector");
        }
    }

    /* The sub-problems, row blocks outer, channel blocks inner. Overlapped (dbl): while the
     * cluster runs sub-problem k, the controller writes back the output rows of the row block
     * that ended at k - 1, reads the rest of k's streamed weights and stages the operands of
     * k + 1 into the other buffers (the cluster reads only its own: every operand re-staged per
     * sub-problem has two). Otherwise each transfer runs between forks.
     *
     * Weights are streamed (wr: the deferred read of the sub-problem the controller stages,
     * wdone of its bytes in place): the first sub-problem's under its own first tiles, and in the
     * overlapped case every later one's as one continuous stream. During fork k the controller
     * first completes k's weights (the cluster may wait for them, chunk by chunk), then reads
     * k + 1's chunk by chunk only while the cluster still runs k (dory_cluster_done), so that
     * the cluster never waits at the fork for a whole sub-problem's weights: k + 1 is forked
     * with what is in place and its remaining chunks arrive under its first tiles. Measured on
     * GVSOC before this: the first fork read two sub-problems' weights (MobileNetV1-1.0-128's
     * Conv_555 344 KiB, ~350,000 cycles, under ~210,000 of compute). */
    memset(&wr, 0, sizeof wr);
    stage_in(R, rg, stg, &rf, 0, 0, imin(l3h, L->ho), 0, 0, imin(l3c, L->co), wpc, &wr);
    wdone = 0;
    for (k = 0; k < nsub; k++) {
        int32_t h = k / nC, c = k % nC;
        int32_t H0 = h * l3h, H1 = imin(H0 + l3h, L->ho), C0 = c * l3c, C1 = imin(C0 + l3c, L->co);
        int row_end = c == nC - 1; /* the last sub-problem of row block h */
        R->x = rf.x;
        R->x2 = rf.x2;
        R->y = rf.y;
        R->w = rf.w;
        R->b = rf.b;
        memcpy(R->pv, rf.pv, sizeof R->pv);
        if (set_sub(R, H0, H1, C0, C1) != 0) return -1;
        R->more_subs = k + 1 < nsub;
        R->w_stream = wr.bytes > wdone;
        R->A->w_ready = (uint32_t)wdone;
        if (R->w_stream || dbl) {
            /* Every chunk but a region's last is a multiple of 4 bytes and the regions are word
             * aligned: the HyperRAM uDMA writes whole words (l3_hyper.c), so a chunk's transfer
             * never touches bytes of an earlier one that the cluster may be reading. */
            dory_cluster_fork_start(tile_task, R);
            wdone = w_stream_in(&wr, wdone, &R->A->w_ready, 0);
            if (dbl && k > 0 && c == 0 && rg[RG_Y].used) { /* row block h - 1 is complete: its buffer is not y's now */
                int32_t P0 = H0 - l3h;
                const region_t *r = &rg[RG_Y];
                dory_l3_write(L->y.offset + (uint32_t)((size_t)P0 * R->y_row), stg + r->off[r->cur ^ (r->nbuf - 1)],
                              (size_t)(H0 - P0) * R->y_row);
            }
            memset(&wr, 0, sizeof wr);
            wdone = 0;
            if (dbl && k + 1 < nsub) {
                int32_t h2 = (k + 1) / nC, c2 = (k + 1) % nC;
                stage_in(R, rg, stg, &rf, h2, h2 * l3h, imin(h2 * l3h + l3h, L->ho), c2, c2 * l3c,
                         imin(c2 * l3c + l3c, L->co), wpc, &wr);
                wdone = w_stream_in(&wr, 0, NULL, 1);
            }
            dory_cluster_join();
            R->w_stream = 0;
            if ((dbl ? k + 1 == nsub : row_end) && rg[RG_Y].used)
                dory_l3_write(L->y.offset + (uint32_t)((size_t)H0 * R->y_row), R->y.p, (size_t)(H1 - H0) * R->y_row);
            if (!dbl && k + 1 < nsub) {
                int32_t h2 = (k + 1) / nC, c2 = (k + 1) % nC;
                stage_in(R, rg, stg, &rf, h2, h2 * l3h, imin(h2 * l3h + l3h, L->ho), c2, c2 * l3c,
                         imin(c2 * l3c + l3c, L->co), wpc, NULL);
            }
        } else {
            dory_cluster_fork(tile_task, R);
            if (row_end && rg[RG_Y].used)
                dory_l3_write(L->y.offset + (uint32_t)((size_t)H0 * R->y_row), R->y.p, (size_t)(H1 - H0) * R->y_row);
            if (k + 1 < nsub) {
                int32_t h2 = (k + 1) / nC, c2 = (k + 1) % nC;
                stage_in(R, rg, stg, &rf, h2, h2 * l3h, imin(h2 * l3h + l3h, L->ho), c2, c2 * l3c,
                         imin(c2 * l3c + l3c, L->co), wpc, NULL);
            }
        }
    }
    return 0;
}
