/* dory_net_load_blob_stream (runtime/src/net.c) against dory_net_load_blob on the host port: the
 * same blob read through a reader that hands out the bytes piecewise must leave the same L2 and L3
 * contents; a blob cut anywhere, a bad header and a record outside its memory must fail (1).
 * Prints "ok" and exits 0 on success; any failure prints what differed and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dory/net.h"
#include "dory/port.h"

enum { L2 = 256, L3 = 512 };

static uint8_t blob[1024];
static size_t blob_bytes;

static void put32(uint32_t v)
{
    int i;
    for (i = 0; i < 4; i++)
        blob[blob_bytes++] = (uint8_t)(v >> (8 * i));
}

static void record(uint32_t mem, uint32_t off, uint32_t size, uint8_t seed)
{
    uint32_t i;
    put32(mem);
    put32(off);
    put32(size);
    for (i = 0; i < size; i++)
        blob[blob_bytes++] = (uint8_t)(seed + 7u * i);
    while (blob_bytes % 4)
        blob[blob_bytes++] = 0;
}

typedef struct {
    const uint8_t *p;
    size_t left, step; /* hand out at most `step` bytes per call, as a file read would in pieces */
} reader_t;

static int rd(void *ctx, uint8_t *buf, uint32_t n)
{
    reader_t *r = ctx;
    while (n > 0) {
        size_t k = n < r->step ? n : r->step;
        if (k > r->left)
            return 1;
        memcpy(buf, r->p, k);
        r->p += k;
        r->left -= k;
        buf += k;
        n -= (uint32_t)k;
    }
    return 0;
}

static int stream(size_t bytes, size_t step, uint32_t chunk)
{
    static uint8_t buf[64];
    reader_t r = {blob, bytes, step};
    return dory_net_load_blob_stream(rd, &r, buf, chunk, L2, L3);
}

static void fresh(void)
{
    dory_port_close();
    if (dory_port_init(0, L2, L3) != 0)
        exit(1);
    memset(dory_l2_base(), 0, L2);
    memset(dory_l3_base(), 0, L3);
}

int main(void)
{
    static uint8_t l2_ref[L2], l3_ref[L3];
    size_t cut;
    uint32_t chunk;
    memcpy(blob, "DORYWB01", 8);
    blob_bytes = 8;
    put32(4);
    record(2, 0, 37, 1);    /* sizes not multiples of 4: the padding is skipped */
    record(3, 5, 130, 2);   /* longer than the chunk: loaded piece by piece */
    record(2, 100, 64, 3);
    record(3, 300, 3, 4);
    if (dory_port_init(0, L2, L3) != 0)
        return 1;
    memset(dory_l2_base(), 0, L2);
    memset(dory_l3_base(), 0, L3);
    if (dory_net_load_blob(blob, blob_bytes, L2, L3) != 0) {
        printf("the whole blob did not load\n");
        return 1;
    }
    memcpy(l2_ref, dory_l2_base(), L2);
    memcpy(l3_ref, dory_l3_base(), L3);
    for (chunk = 4; chunk <= 64; chunk *= 4) {
        size_t step;
        for (step = 1; step <= 13; step += 6) {
            fresh();
            if (stream(blob_bytes, step, chunk) != 0 || memcmp(l2_ref, dory_l2_base(), L2) != 0 ||
                memcmp(l3_ref, dory_l3_base(), L3) != 0) {
                printf("streamed load (chunk %u, step %zu) differs from the whole-blob load\n", chunk, step);
                return 1;
            }
        }
    }
    for (cut = 0; cut < blob_bytes; cut++) {
        fresh();
        if (stream(cut, 5, 16) != 1) {
            printf("a blob cut at %zu bytes of %zu loaded\n", cut, blob_bytes);
            return 1;
        }
    }
    blob[0] = 'X';
    fresh();
    if (stream(blob_bytes, 5, 16) != 1) {
        printf("a blob without the DORYWB01 header loaded\n");
        return 1;
    }
    blob[0] = 'D';
    blob[12 + 4] = 230; /* the first record (37 bytes in L2) at offset 230 of 256: rejected whole */
    fresh();
    if (stream(blob_bytes, 5, 16) != 1 || dory_l2_base()[230] != 0) {
        printf("a record outside L2 loaded, or a piece of it was written\n");
        return 1;
    }
    dory_port_close();
    printf("ok\n");
    return 0;
}
