/* dory runtime: one layer's descriptor (printed by backends/gap8/emit.py) and the executor that
 * runs it (runtime/src/layer.c): the L3->L2 staging, the L2->L1 tile loop with double-buffered
 * DMA (prefetch tile i+1 while the cores compute tile i, store tile i-1), fork/join per tile.
 *
 * The tile schedule is the one docs/tiling-schema.md defines and dory_ir/interp/tiled.py runs:
 * output tiles in row-major order over (h, w, c_out) blocks, the last block of each dimension
 * ragged; the input window of a tile is its halo clipped to the input, with the image-border
 * padding handed to the kernel only where the window crosses the border.
 */
#ifndef DORY_LAYER_H
#define DORY_LAYER_H

#include <stdint.h>

#include "dory/kernels.h"
#include "dory/types.h"

typedef enum {
    DORY_LAYER_CONV = 0,      /* dory.conv2d (groups >= 1) */
    DORY_LAYER_DEPTHWISE = 1, /* dory.depthwise */
    DORY_LAYER_LINEAR = 2,    /* dory.linear */
    DORY_LAYER_POOL = 3,      /* dory.pool */
    DORY_LAYER_ADD = 4        /* dory.add */
} dory_layer_kind_t;

/* Where an operand lives: an offset in L2 or in L3 (external memory). */
typedef enum { DORY_MEM_NONE = 0, DORY_MEM_L2 = 2, DORY_MEM_L3 = 3 } dory_mem_t;

typedef struct {
    dory_mem_t mem;
    uint32_t offset; /* bytes from dory_l2_base() / L3 address */
} dory_ref_t;

/* A per-channel (co values) requant vector, stored in the layer's requant buffer. */
typedef struct {
    uint32_t offset;   /* bytes from the start of the layer's requant buffer */
    dory_dtype_t type;
    int8_t chain;      /* 0: output chain rq, 1: rq_a (add lhs), 2: rq_b (add rhs) */
    int8_t stage;      /* index in that chain */
    int8_t field;      /* 0: mul, 1: add, 2 / 3: the input window's lower / upper bounds (s32) */
} dory_param_t;

#define DORY_MAX_PARAMS 12

typedef struct {
    const char *name;           /* the op's location (ONNX node name) */
    dory_layer_kind_t kind;

    /* Geometry, NHWC with N = 1. Linear: hi = wi = ho = wo = 1, ci = K, co = M. Add: ci = co. */
    int32_t hi, wi, ci, ho, wo, co;
    int32_t kh, kw, sh, sw, dh, dw;
    int32_t pt, pl, pb, pr;
    int32_t groups;             /* conv: groups (weights are co x kh x kw x ci/groups) */
    /* Pooling: average or max, and the average's divisor rules (see dory_pool_args_t). */
    int32_t is_avg, count_include_pad, div, trunc;

    /* L2->L1 tile: output channels, rows, columns; input channels (conv/linear partial sums). */
    int32_t t_co, t_ho, t_wo, t_ci;
    /* L3->L2 tile (0 = no L3 tiling of that axis): output channels (weights) and output rows
     * (activations) staged per step through the L2 staging area. */
    int32_t l3_co, l3_ho;

    /* Operands and result. */
    dory_ref_t x, x2, w, b, y, rq_buf; /* x2: add rhs; b: bias; rq_buf: requant vectors */
    dory_dtype_t x_type, x2_type, w_type, b_type, y_type;
    uint32_t staging, staging_bytes; /* L2 area for L3 data (offset in L2, bytes) */

    /* Requantisation: scalars as given; per-channel pointers are set by the executor. */
    dory_rqchain_t rq, rq_a, rq_b;
    int32_t n_params;
    dory_param_t params[DORY_MAX_PARAMS];

    /* L1 layout (offsets from dory_l1_base()): ping/pong buffers, params, scratch. */
    uint32_t l1_in[2], l1_w[2], l1_out[2], l1_params, l1_scratch, l1_total;
} dory_layer_t;

/* Run one layer on the cluster (called from the controller, outside any fork). Returns 0, or
 * non-zero if the descriptor is inconsistent (checked, with a message on stderr/printf). */
int dory_layer_run(const dory_layer_t *L);

/* dory_layer_run(L), and while the cluster runs L the controller sets up, plans and builds the
 * first step's arguments of `next` (the layer the network runs after L; NULL: none), so that
 * dory_layer_run_next(next, ...) starts its cluster work at once. Any calls may come between
 * the two (host steps, concats, hooks): the plan reads only next's descriptor and constant
 * operands. A layer with operands in L3 is set up at its own call as before. */
int dory_layer_run_next(const dory_layer_t *L, const dory_layer_t *next);

#endif /* DORY_LAYER_H */
