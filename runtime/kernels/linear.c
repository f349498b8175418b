/* dory runtime: fully connected tile (dory.linear): y[o] = rq(bias[o] + sum_k x[k] * w[o, k]).
 * Split over output channels (in blocks of 4 when every core gets one). Fast path (x u8 or s8,
 * w s8): blocks of 4 output channels (one activation load per 4 weights; see dory_blocks4x1_* in
 * dot.h), the last (o1 - o0) % 4 channels by the 4-way SIMD dot product over each contiguous
 * weight row. No scratch. */
#include "dot.h"

void dory_linear(const dory_conv_args_t *a, int core, int ncores)
{
    int32_t o0, o1, o, k, n = a->ci;
    if (ncores < 1)
        ncores = 1;
    if (core < 0 || core >= ncores)
        return;
    if (a->co >= 4 * ncores) { /* whole blocks of 4 channels per core: only the last core's is ragged */
        dory_share_((a->co + 3) / 4, core, ncores, &o0, &o1);
        o0 *= 4;
        o1 = 4 * o1 < a->co ? 4 * o1 : a->co;
    } else {
        dory_share_(a->co, core, ncores, &o0, &o1);
    }
    if (dory_fast_types_(a->x_type, a->w_type)) {
        const int8_t *w = (const int8_t *)a->w;
        int xs = a->x_type == DORY_S8;
        dory_rqf_t f;
        if (o0 >= o1)
            return;
        dory_rqf_init_(&f, a, xs, n, o0, o1);
        /* blocks of 4 channels: one activation load for 4 weights */
        o = o0 + ((o1 - o0) & ~3);
        dory_blocks4_(a->x, NULL, xs, w, n, n, o0, o, &f, 0, 0);
        for (; o < o1; o++)
            dory_rqf_finish_(&f, a, (size_t)o, o, dory_dot_(a->x, xs, w + (size_t)o * (size_t)n, n, 0));
        return;
    }
    for (o = o0; o < o1; o++) {
        int32_t sum = 0;
        size_t wb = (size_t)o * (size_t)n;
        for (k = 0; k < n; k++)
            sum = dory_wadd_(sum, dory_wmul_(dory_load(a->x, a->x_type, (size_t)k), dory_load(a->w, a->w_type, wb + (size_t)k)));
        dory_conv_finish_(a, (size_t)o, o, sum);
    }
}
