/* dory runtime, host port: debug helpers the executor may call.
 *
 * In DORY_DEBUG builds these check that [ptr, ptr + bytes) lies inside the L1 / L2 arena made by
 * dory_port_init and abort with a message naming the range and the arena bounds otherwise. In
 * other builds they compile to nothing, so callers need no #ifdef of their own.
 * `what` is a short label printed in the message (may be NULL).
 */
#ifndef DORY_HOST_DEBUG_H
#define DORY_HOST_DEBUG_H

#include <stddef.h>

#ifdef DORY_DEBUG
void dory_debug_check_l1_labeled(const void *ptr, size_t bytes, const char *what);
void dory_debug_check_l2_labeled(const void *ptr, size_t bytes, const char *what);
#define dory_debug_check_l1(ptr, bytes) dory_debug_check_l1_labeled((ptr), (bytes), __func__)
#define dory_debug_check_l2(ptr, bytes) dory_debug_check_l2_labeled((ptr), (bytes), __func__)
#else
/* Arguments are still evaluated (and so count as used) but nothing is checked. */
#define dory_debug_check_l1_labeled(ptr, bytes, what) ((void)(ptr), (void)(bytes), (void)(what))
#define dory_debug_check_l2_labeled(ptr, bytes, what) ((void)(ptr), (void)(bytes), (void)(what))
#define dory_debug_check_l1(ptr, bytes) ((void)(ptr), (void)(bytes))
#define dory_debug_check_l2(ptr, bytes) ((void)(ptr), (void)(bytes))
#endif

#endif /* DORY_HOST_DEBUG_H */
