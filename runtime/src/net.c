/* dory runtime: blob loader, controller-side copies, checksums and concat (see dory/net.h). */
#include <stdio.h>
#include <string.h>

#include "dory/net.h"
#include "dory/port.h"

void dory_net_write(int mem, uint32_t offset, const uint8_t *src, uint32_t bytes)
{
    if (mem == DORY_MEM_L3)
        dory_l3_load(offset, src, bytes);
    else
        memcpy(dory_l2_base() + offset, src, bytes);
}

void dory_net_read(int mem, uint32_t offset, uint8_t *dst, uint32_t bytes)
{
    if (mem == DORY_MEM_L3)
        dory_l3_store(dst, offset, bytes);
    else
        memcpy(dst, dory_l2_base() + offset, bytes);
}

/* 0 when [offset, offset + bytes) is inside memory mem, else 1 with a message */
static int record_outside(int mem, uint32_t offset, uint32_t bytes, uint32_t l2_bytes, uint32_t l3_bytes)
{
    uint32_t limit = mem == DORY_MEM_L3 ? l3_bytes : l2_bytes;
    if ((mem != DORY_MEM_L2 && mem != DORY_MEM_L3) || offset > limit || bytes > limit - offset) {
        printf("dory: blob record (memory L%d, offset %lu, %lu bytes) outside the %lu-byte memory\n", mem,
               (unsigned long)offset, (unsigned long)bytes, (unsigned long)limit);
        return 1;
    }
    return 0;
}

int dory_net_load_record(int mem, uint32_t offset, const uint8_t *data, uint32_t bytes, uint32_t l2_bytes,
                         uint32_t l3_bytes)
{
    if (record_outside(mem, offset, bytes, l2_bytes, l3_bytes))
        return 1;
    dory_net_write(mem, offset, data, bytes);
    return 0;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

int dory_net_load_blob(const uint8_t *blob, size_t bytes, uint32_t l2_bytes, uint32_t l3_bytes)
{
    size_t pos = 12;
    uint32_t i, n;
    if (bytes < 12 || memcmp(blob, "DORYWB01", 8) != 0) {
        printf("dory: the weights blob has no DORYWB01 header\n");
        return 1;
    }
    n = rd32(blob + 8);
    for (i = 0; i < n; i++) {
        uint32_t mem, off, size;
        if (bytes - pos < 12) {
            printf("dory: the weights blob is truncated at record %lu\n", (unsigned long)i);
            return 1;
        }
        mem = rd32(blob + pos);
        off = rd32(blob + pos + 4);
        size = rd32(blob + pos + 8);
        pos += 12;
        if (bytes - pos < size) {
            printf("dory: the weights blob is truncated in record %lu\n", (unsigned long)i);
            return 1;
        }
        if (dory_net_load_record((int)mem, off, blob + pos, size, l2_bytes, l3_bytes))
            return 1;
        pos += size + ((4 - size % 4) % 4);
    }
    return 0;
}

int dory_net_load_blob_stream(dory_net_read_fn rd, void *ctx, uint8_t *chunk, uint32_t chunk_bytes, uint32_t l2_bytes,
                              uint32_t l3_bytes)
{
    uint8_t head[12];
    uint32_t i, n;
    if (rd(ctx, head, 12) != 0 || memcmp(head, "DORYWB01", 8) != 0) {
        printf("dory: the weights blob has no DORYWB01 header\n");
        return 1;
    }
    n = rd32(head + 8);
    for (i = 0; i < n; i++) {
        uint32_t mem, off, size, done = 0;
        if (rd(ctx, head, 12) != 0)
            goto truncated;
        mem = rd32(head);
        off = rd32(head + 4);
        size = rd32(head + 8);
        if (record_outside((int)mem, off, size, l2_bytes, l3_bytes)) /* whole, before any piece is written */
            return 1;
        while (done < size) {
            uint32_t len = size - done < chunk_bytes ? size - done : chunk_bytes;
            if (rd(ctx, chunk, len) != 0)
                goto truncated;
            if (dory_net_load_record((int)mem, off + done, chunk, len, l2_bytes, l3_bytes))
                return 1;
            done += len;
        }
        if (size % 4 && rd(ctx, chunk, 4 - size % 4) != 0) /* the record's padding to 4 */
            goto truncated;
    }
    return 0;
truncated:
    printf("dory: the weights blob is truncated at record %lu\n", (unsigned long)i);
    return 1;
}

uint32_t dory_fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

uint32_t dory_net_checksum(int mem, uint32_t offset, uint32_t bytes)
{
    uint32_t h = DORY_FNV_INIT;
    if (mem == DORY_MEM_L3) {
        uint8_t chunk[256];
        uint32_t done = 0;
        while (done < bytes) {
            uint32_t n = bytes - done < sizeof chunk ? bytes - done : (uint32_t)sizeof chunk;
            dory_l3_store(chunk, offset + done, n);
            h = dory_fnv1a(h, chunk, n);
            done += n;
        }
        return h;
    }
    return dory_fnv1a(h, dory_l2_base() + offset, bytes);
}

int dory_concat_run(const dory_concat_t *c)
{
    uint32_t r, at = 0;
    int32_t k;
    for (k = 0; k < c->n_parts; k++) {
        const dory_concat_part_t *p = &c->parts[k];
        for (r = 0; r < c->outer; r++) {
            uint32_t src = p->src.offset + r * p->chunk;
            uint32_t dst = c->dst.offset + r * c->row + at;
            if (p->src.mem == DORY_MEM_L3 && c->dst.mem == DORY_MEM_L3) {
                printf("dory: concat from L3 to L3 is not supported\n");
                return 1;
            }
            if (p->src.mem == DORY_MEM_L3)
                dory_l3_read(dory_l2_base() + dst, src, p->chunk);
            else if (c->dst.mem == DORY_MEM_L3)
                dory_l3_write(dst, dory_l2_base() + src, p->chunk);
            else
                memmove(dory_l2_base() + dst, dory_l2_base() + src, p->chunk);
        }
        at += p->chunk;
    }
    return 0;
}
