/* Test driver of the layer executor (runtime/src/layer.c), used by tests/test_c_layer.py.
 *
 * Reads cases from stdin (whitespace-separated tokens) and, for each, brings the host port up with
 * exactly the case's L1 / L2 / L3 budgets, places the data blobs, fills a dory_layer_t, runs
 * dory_layer_run and prints one line: "<rc> <hex bytes of the output region>".
 *
 * Case:
 *   l1_bytes l2_bytes l3_bytes
 *   kind hi wi ci ho wo co kh kw sh sw dh dw pt pl pb pr groups is_avg count_include_pad div trunc
 *   t_co t_ho t_wo t_ci l3_co l3_ho
 *   x.mem x.off x2.mem x2.off w.mem w.off b.mem b.off y.mem y.off rq_buf.mem rq_buf.off
 *   x_type x2_type w_type b_type y_type staging staging_bytes
 *   3 chains (rq, rq_a, rq_b): n, then per stage
 *       mul_scalar add_scalar mul_type add_type shift div trunc min max
 *   n_params, then per param: offset type chain stage field
 *   l1_in0 l1_in1 l1_w0 l1_w1 l1_out0 l1_out1 l1_params l1_scratch l1_total
 *   nblobs, then per blob: mem offset hex      (mem 2: L2, 3: L3; hex "-" for an empty blob)
 *   out.mem out.off out.nbytes
 * The input starts with the number of cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dory/layer.h"
#include "dory/port.h"

static long long rd(void)
{
    long long v;
    if (scanf("%lld", &v) != 1) {
        fprintf(stderr, "driver: malformed input\n");
        exit(2);
    }
    return v;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Reads one hex token into dst (at most cap bytes); returns the byte count. */
static size_t rd_hex(uint8_t *dst, size_t cap)
{
    int c;
    size_t n = 0;
    do c = getchar();
    while (c == ' ' || c == '\n' || c == '\t' || c == '\r');
    if (c == '-') return 0;
    for (;;) {
        int hi = hexval(c), lo;
        if (hi < 0) break;
        lo = hexval(getchar());
        if (lo < 0 || n >= cap) {
            fprintf(stderr, "driver: bad hex blob\n");
            exit(2);
        }
        dst[n++] = (uint8_t)(hi * 16 + lo);
        c = getchar();
    }
    return n;
}

static void rd_ref(dory_ref_t *r)
{
    r->mem = (dory_mem_t)rd();
    r->offset = (uint32_t)rd();
}

static void rd_chain(dory_rqchain_t *ch)
{
    int i;
    memset(ch, 0, sizeof *ch);
    ch->n = (int32_t)rd();
    if (ch->n < 0 || ch->n > DORY_MAX_REQUANT) {
        fprintf(stderr, "driver: bad chain\n");
        exit(2);
    }
    for (i = 0; i < ch->n; i++) {
        dory_requant_t *s = &ch->st[i];
        s->mul = NULL;
        s->add = NULL;
        s->mul_scalar = rd();
        s->add_scalar = rd();
        s->mul_type = (dory_dtype_t)rd();
        s->add_type = (dory_dtype_t)rd();
        s->shift = (int32_t)rd();
        s->div = (int32_t)rd();
        s->trunc = (int32_t)rd();
        s->min = (int32_t)rd();
        s->max = (int32_t)rd();
    }
}

int main(void)
{
    long long ncases = rd(), k;
    for (k = 0; k < ncases; k++) {
        dory_layer_t L;
        size_t l1b, l2b, l3b, nbytes, i;
        long long nblobs, b, omem, ooff;
        int rc;
        const uint8_t *out;
        memset(&L, 0, sizeof L);
        l1b = (size_t)rd();
        l2b = (size_t)rd();
        l3b = (size_t)rd();
        if (dory_port_init(l1b, l2b, l3b) != 0) {
            fprintf(stderr, "driver: dory_port_init failed\n");
            return 2;
        }
        L.name = "test";
        L.kind = (dory_layer_kind_t)rd();
        L.hi = (int32_t)rd(); L.wi = (int32_t)rd(); L.ci = (int32_t)rd();
        L.ho = (int32_t)rd(); L.wo = (int32_t)rd(); L.co = (int32_t)rd();
        L.kh = (int32_t)rd(); L.kw = (int32_t)rd(); L.sh = (int32_t)rd(); L.sw = (int32_t)rd();
        L.dh = (int32_t)rd(); L.dw = (int32_t)rd();
        L.pt = (int32_t)rd(); L.pl = (int32_t)rd(); L.pb = (int32_t)rd(); L.pr = (int32_t)rd();
        L.groups = (int32_t)rd();
        L.is_avg = (int32_t)rd(); L.count_include_pad = (int32_t)rd(); L.div = (int32_t)rd(); L.trunc = (int32_t)rd();
        L.t_co = (int32_t)rd(); L.t_ho = (int32_t)rd(); L.t_wo = (int32_t)rd(); L.t_ci = (int32_t)rd();
        L.l3_co = (int32_t)rd(); L.l3_ho = (int32_t)rd();
        rd_ref(&L.x); rd_ref(&L.x2); rd_ref(&L.w); rd_ref(&L.b); rd_ref(&L.y); rd_ref(&L.rq_buf);
        L.x_type = (dory_dtype_t)rd(); L.x2_type = (dory_dtype_t)rd(); L.w_type = (dory_dtype_t)rd();
        L.b_type = (dory_dtype_t)rd(); L.y_type = (dory_dtype_t)rd();
        L.staging = (uint32_t)rd(); L.staging_bytes = (uint32_t)rd();
        rd_chain(&L.rq); rd_chain(&L.rq_a); rd_chain(&L.rq_b);
        L.n_params = (int32_t)rd();
        if (L.n_params < 0 || L.n_params > DORY_MAX_PARAMS) {
            fprintf(stderr, "driver: bad n_params\n");
            return 2;
        }
        for (i = 0; i < (size_t)L.n_params; i++) {
            L.params[i].offset = (uint32_t)rd();
            L.params[i].type = (dory_dtype_t)rd();
            L.params[i].chain = (int8_t)rd();
            L.params[i].stage = (int8_t)rd();
            L.params[i].field = (int8_t)rd();
        }
        L.l1_in[0] = (uint32_t)rd(); L.l1_in[1] = (uint32_t)rd();
        L.l1_w[0] = (uint32_t)rd(); L.l1_w[1] = (uint32_t)rd();
        L.l1_out[0] = (uint32_t)rd(); L.l1_out[1] = (uint32_t)rd();
        L.l1_params = (uint32_t)rd(); L.l1_scratch = (uint32_t)rd(); L.l1_total = (uint32_t)rd();
        nblobs = rd();
        for (b = 0; b < nblobs; b++) {
            long long mem = rd(), off = rd();
            uint8_t *base = mem == 3 ? dory_l3_base() : dory_l2_base();
            size_t size = mem == 3 ? l3b : l2b;
            if (off < 0 || (size_t)off > size) {
                fprintf(stderr, "driver: blob offset out of range\n");
                return 2;
            }
            rd_hex(base + off, size - (size_t)off);
        }
        omem = rd();
        ooff = rd();
        nbytes = (size_t)rd();
        fflush(stdout);
        rc = dory_layer_run(&L);
        fflush(stderr);
        out = (omem == 3 ? dory_l3_base() : dory_l2_base()) + ooff;
        printf("%d ", rc);
        for (i = 0; i < nbytes; i++) printf("%02x", out[i]);
        if (nbytes == 0) printf("-");
        printf("\n");
        dory_port_close();
    }
    return 0;
}
