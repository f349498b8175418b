/* dory runtime: element-wise add tile (dory.add). Each input is optionally requantised into si32
 * (its chain's channel = element index % c), the two are summed with si32 wrap and the output
 * chain applies. Split over elements (rows * c) across cores. */
#include "simd.h"

void dory_add(const dory_add_args_t *a, int core, int ncores)
{
    int32_t e0, e1, e, n = a->rows * a->c, c = a->c > 0 ? a->c : 1;
    if (ncores < 1)
        ncores = 1;
    if (core < 0 || core >= ncores)
        return;
    dory_share_(n, core, ncores, &e0, &e1);
    for (e = e0; e < e1; e++) {
        int32_t ch = e % c;
        int32_t va = dory_rq_opt_(a->rq_a, ch, dory_load(a->a, a->a_type, (size_t)e));
        int32_t vb = dory_rq_opt_(a->rq_b, ch, dory_load(a->b, a->b_type, (size_t)e));
        dory_store(a->y, a->y_type, (size_t)e, dory_rq_opt_(a->rq, ch, dory_wadd_(va, vb)));
    }
}
