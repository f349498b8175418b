/* Driver of tests/test_scratch_sizes.py: the kernels' own scratch amounts.
 *
 * Reads queries from stdin, one per line, and prints one number per query:
 *   0 kh kw ci ncores             dory_conv2d_scratch_bytes(kh, kw, ci, ncores)
 *   1 kh kw rows cols pt pb pl pr ncores
 *                                 dory_depthwise_scratch_bytes(kh, kw, rows, cols, pt, pb, pl, pr, ncores)
 */
#include <stdio.h>
#include <stdlib.h>

#include "dory/kernels.h"

int main(void)
{
    long kind, kh, kw, a, b, c, d, e, g, n;
    while (scanf("%ld", &kind) == 1) {
        size_t bytes;
        if (kind == 0 && scanf("%ld %ld %ld %ld", &kh, &kw, &a, &n) == 4) {
            bytes = dory_conv2d_scratch_bytes((int32_t)kh, (int32_t)kw, (int32_t)a, (int)n);
        } else if (kind == 1 &&
                   scanf("%ld %ld %ld %ld %ld %ld %ld %ld %ld", &kh, &kw, &a, &b, &c, &d, &e, &g, &n) == 9) {
            bytes = dory_depthwise_scratch_bytes((int32_t)kh, (int32_t)kw, (int32_t)a, (int32_t)b, (int32_t)c,
                                                 (int32_t)d, (int32_t)e, (int32_t)g, (int)n);
        } else {
            fprintf(stderr, "scratch_sizes: malformed query\n");
            return 2;
        }
        printf("%lu\n", (unsigned long)bytes);
    }
    return 0;
}
