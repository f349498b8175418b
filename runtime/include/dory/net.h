/* dory runtime: what generated network code needs besides the layer executor -- the weights-blob
 * loader, copies between the controller and L2/L3 buffers, output checksums, and concat steps. */
#ifndef DORY_NET_H
#define DORY_NET_H

#include <stddef.h>
#include <stdint.h>

#include "dory/layer.h"

/* Copy bytes to (from) offset of memory level mem (2 = L2, 3 = L3). */
void dory_net_write(int mem, uint32_t offset, const uint8_t *src, uint32_t bytes);
void dory_net_read(int mem, uint32_t offset, uint8_t *dst, uint32_t bytes);

/* Load one blob record / a whole blob ("DORYWB01", u32 count, records of u32 mem, offset, size,
 * bytes padded to 4), checking every record against the L2 / L3 sizes. 0 on success. */
int dory_net_load_record(int mem, uint32_t offset, const uint8_t *data, uint32_t bytes, uint32_t l2_bytes,
                         uint32_t l3_bytes);
int dory_net_load_blob(const uint8_t *blob, size_t bytes, uint32_t l2_bytes, uint32_t l3_bytes);
/* The same blob read piecewise (for a blob that is not in the controller's memory, e.g. a host
 * file): rd(ctx, buf, n) fills buf with the blob's next n bytes and returns 0 (nonzero: the blob
 * ended early); records go through `chunk` (chunk_bytes, a multiple of 4) a piece at a time. */
typedef int (*dory_net_read_fn)(void *ctx, uint8_t *buf, uint32_t bytes);
int dory_net_load_blob_stream(dory_net_read_fn rd, void *ctx, uint8_t *chunk, uint32_t chunk_bytes, uint32_t l2_bytes,
                              uint32_t l3_bytes);

/* FNV-1a 32-bit over a buffer in L2 / L3. */
uint32_t dory_net_checksum(int mem, uint32_t offset, uint32_t bytes);
uint32_t dory_fnv1a(uint32_t h, const uint8_t *p, size_t n);
#define DORY_FNV_INIT 2166136261u

/* A concat: the result viewed as outer x (sum of the parts' chunks); part k contributes `chunk`
 * contiguous bytes to each of the outer rows. */
typedef struct {
    dory_ref_t src;
    uint32_t chunk;
} dory_concat_part_t;

typedef struct {
    dory_ref_t dst;
    uint32_t outer;
    uint32_t row; /* bytes of one outer row of the result */
    int32_t n_parts;
    const dory_concat_part_t *parts;
} dory_concat_t;

int dory_concat_run(const dory_concat_t *c);

#endif /* DORY_NET_H */
