/* dory runtime: the generic convolution window (private to runtime/kernels/).
 *
 * One loop nest serves dory_conv2d (groups >= 1) and dory_depthwise (groups == ci == co: output
 * channel o reads input channel o with a kh x kw x 1 weight): any element types (dory_load /
 * dory_store), stride, padding, dilation, partial sums. Defined in conv2d.c.
 */
#ifndef DORY_KERNELS_WINDOW_H
#define DORY_KERNELS_WINDOW_H

#include "kernel.h"

/* Output rows [r0, r1) x channels [o0, o1) of the tile a, with `groups` groups (output channel o
 * in group o / (co / groups), reading input channels [g * cw, (g + 1) * cw), cw = ci / groups),
 * each sum ended by dory_conv_finish_. */
void dory_conv_window_generic_(const dory_conv_args_t *a, int32_t groups, int32_t r0, int32_t r1, int32_t o0,
                               int32_t o1);

#endif /* DORY_KERNELS_WINDOW_H */
