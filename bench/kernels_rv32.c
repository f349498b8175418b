/* bench/kernels_rv32.c - instruction counts of the dory compute kernels on the RV32 harness.
 *
 * A bare-metal program for /work/shared/tools/rv32 (rv32-run --prof, 8 harts). For each
 * representative layer shape (u8 activations, s8 weights, per-channel requant with shift, u8 out,
 * data in L1) it runs
 *   region 3*i+1: the dory kernel on 8 harts (rv32_fork, core = hart id)  -> busiest hart, sum
 *   region 3*i+2: the dory kernel on 1 hart                              -> instr / MAC
 *   region 3*i+3: a naive reference (plain nested loops, same requant) on 1 hart
 * and checks that both dory outputs equal the naive one (exit status 1 on any difference).
 * stdout: one line per case, "case <i> <name> <shape> <macs>", then "ok" or "MISMATCH ...";
 * bench/bench_kernels.py builds, runs and parses it together with the plugin's report.
 *
 * The linear layer's 64 KiB weight matrix cannot sit in the 64 KiB L1 next to anything else: it
 * is in L2. In the harness every level is plain RAM of the same speed, so instruction counts do
 * not depend on the placement.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dory/kernels.h"
#include "rv32.h"

#define NHARTS 8
#define ARENA_BYTES (60u * 1024u)

static RV32_L1 uint8_t arena[ARENA_BYTES]; /* x, w, y, requant vectors, scratch of one case */
static size_t arena_used;
static int8_t w_l2[64 * 1024];             /* the linear layer's weights */
static uint8_t y_ref[16 * 1024];           /* the naive output */

static void *l1_alloc(size_t n)
{
    void *p;
    n = (n + 7u) & ~(size_t)7u;
    if (arena_used + n > ARENA_BYTES) {
        printf("L1 arena overflow (%lu + %lu)\n", (unsigned long)arena_used, (unsigned long)n);
        return NULL;
    }
    p = arena + arena_used;
    arena_used += n;
    return p;
}

static uint32_t rng_state = 12345u;
static uint32_t rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

enum { K_CONV, K_DW, K_LINEAR, K_POOL, K_ADD };

typedef struct {
    int kind;
    const char *name;
    char shape[48];
    uint32_t macs;
    size_t ny;
    dory_conv_args_t c;
    dory_pool_args_t p;
    dory_add_args_t a;
    dory_rqchain_t rq, rq_a, rq_b;
    /* the naive reference's view of the requant */
    const int32_t *mul, *add;
    int32_t shift;
} bench_t;

/* ---- the kernels and the naive reference --------------------------------------------------- */

static void call_kernel(const bench_t *b, int core, int ncores)
{
    switch (b->kind) {
    case K_CONV: dory_conv2d(&b->c, core, ncores); break;
    case K_DW: dory_depthwise(&b->c, core, ncores); break;
    case K_LINEAR: dory_linear(&b->c, core, ncores); break;
    case K_POOL: dory_pool(&b->p, core, ncores); break;
    default: dory_add(&b->a, core, ncores); break;
    }
}

static inline uint8_t rq_u8(int32_t acc, int32_t mul, int32_t add, int32_t shift)
{
    int64_t v = ((int64_t)acc * mul + add) >> shift;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static void naive_conv(const bench_t *b, int dw)
{
    const dory_conv_args_t *a = &b->c;
    const uint8_t *x = (const uint8_t *)a->x;
    const int8_t *w = (const int8_t *)a->w;
    int32_t r, q, o, i, j, c;
    for (r = 0; r < a->ho; r++)
        for (q = 0; q < a->wo; q++)
            for (o = 0; o < a->co; o++) {
                int32_t acc = 0;
                for (i = 0; i < a->kh; i++)
                    for (j = 0; j < a->kw; j++) {
                        int32_t ir = r * a->sh - a->pt + i, ic = q * a->sw - a->pl + j;
                        if (ir < 0 || ir >= a->hi || ic < 0 || ic >= a->wi)
                            continue;
                        if (dw)
                            acc += x[(ir * a->wi + ic) * a->ci + o] * w[(o * a->kh + i) * a->kw + j];
                        else
                            for (c = 0; c < a->ci; c++)
                                acc += x[(ir * a->wi + ic) * a->ci + c] * w[((o * a->kh + i) * a->kw + j) * a->ci + c];
                    }
                y_ref[(r * a->wo + q) * a->co + o] = rq_u8(acc, b->mul[o], b->add[o], b->shift);
            }
}

static void naive_linear(const bench_t *b)
{
    const dory_conv_args_t *a = &b->c;
    const uint8_t *x = (const uint8_t *)a->x;
    const int8_t *w = (const int8_t *)a->w;
    int32_t o, k;
    for (o = 0; o < a->co; o++) {
        int32_t acc = 0;
        for (k = 0; k < a->ci; k++)
            acc += x[k] * w[o * a->ci + k];
        y_ref[o] = rq_u8(acc, b->mul[o], b->add[o], b->shift);
    }
}

static void naive_pool(const bench_t *b)
{
    const dory_pool_args_t *p = &b->p;
    const uint8_t *x = (const uint8_t *)p->x;
    int32_t r, q, c, i, j;
    for (r = 0; r < p->ho; r++)
        for (q = 0; q < p->wo; q++)
            for (c = 0; c < p->c; c++) {
                uint8_t m = 0;
                for (i = 0; i < p->kh; i++)
                    for (j = 0; j < p->kw; j++) {
                        uint8_t e = x[((r * p->sh + i) * p->wi + q * p->sw + j) * p->c + c];
                        if (e > m)
                            m = e;
                    }
                y_ref[(r * p->wo + q) * p->c + c] = m;
            }
}

static void naive_add(const bench_t *b)
{
    const uint8_t *x0 = (const uint8_t *)b->a.a, *x1 = (const uint8_t *)b->a.b;
    int32_t ma = (int32_t)b->rq_a.st[0].mul_scalar, mb = (int32_t)b->rq_b.st[0].mul_scalar;
    int32_t n = b->a.rows * b->a.c, e;
    for (e = 0; e < n; e++)
        y_ref[e] = rq_u8(x0[e] * ma + x1[e] * mb, 1, b->add[0], b->shift);
}

static void call_naive(const bench_t *b)
{
    switch (b->kind) {
    case K_CONV: naive_conv(b, 0); break;
    case K_DW: naive_conv(b, 1); break;
    case K_LINEAR: naive_linear(b); break;
    case K_POOL: naive_pool(b); break;
    default: naive_add(b); break;
    }
}

/* Region ids are compile-time constants: one case label per id. */
#define REGIONS(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) \
    X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30)

static void region_kernel(int id, const bench_t *b, int core, int ncores)
{
    switch (id) {
#define X(i) case i: RV32_REGION_BEGIN(i); call_kernel(b, core, ncores); RV32_REGION_END(i); break;
        REGIONS(X)
#undef X
    default: call_kernel(b, core, ncores); break;
    }
}

static void region_naive(int id, const bench_t *b)
{
    switch (id) {
#define X(i) case i: RV32_REGION_BEGIN(i); call_naive(b); RV32_REGION_END(i); break;
        REGIONS(X)
#undef X
    default: call_naive(b); break;
    }
}

static const bench_t *cur;
static int cur_region;

static void par_body(void *arg)
{
    (void)arg;
    region_kernel(cur_region, cur, (int)rv32_hartid(), (int)rv32_team_size());
}

/* ---- case construction ---------------------------------------------------------------------- */

static void fill_u8(uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static void fill_s8(int8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (int8_t)rnd();
}

/* Per-channel mul in [64, 128), add = a centre offset (+ jitter), shift so that a typical sum of K
 * random u8 x s8 products lands mid-range of u8 (outputs spread over 0..255, some clipped). */
static void make_rq(bench_t *b, int32_t co, int32_t K)
{
    int32_t *mul = (int32_t *)l1_alloc((size_t)co * 4u), *add = (int32_t *)l1_alloc((size_t)co * 4u);
    int32_t o, s = 0, r = 1;
    uint32_t spread;
    while ((r + 1) * (r + 1) <= K)
        r++;
    spread = (uint32_t)r * 10464u; /* ~ sqrt(K) * rms(x) * rms(w) * mean(mul) / 100 */
    while ((spread >> s) >= 64u)
        s++;
    for (o = 0; o < co; o++) {
        mul[o] = 64 + (int32_t)(rnd() % 64u);
        add[o] = (int32_t)((128u << s) + rnd() % (1u << s));
    }
    memset(&b->rq, 0, sizeof b->rq);
    b->rq.n = 1;
    b->rq.st[0].mul = mul;
    b->rq.st[0].add = add;
    b->rq.st[0].mul_type = DORY_S32;
    b->rq.st[0].add_type = DORY_S32;
    b->rq.st[0].shift = s;
    b->rq.st[0].min = 0;
    b->rq.st[0].max = 255;
    b->mul = mul;
    b->add = add;
    b->shift = s;
}

static void make_conv(bench_t *b, const char *name, int dw, int32_t hi, int32_t wi, int32_t ci, int32_t co,
                      int32_t k, int32_t s, int32_t pad)
{
    dory_conv_args_t *a = &b->c;
    int32_t K = dw ? k * k : k * k * ci;
    size_t sb;
    memset(b, 0, sizeof *b);
    b->kind = dw ? K_DW : K_CONV;
    b->name = name;
    a->hi = hi, a->wi = wi, a->ci = ci, a->co = co;
    a->kh = a->kw = k, a->sh = a->sw = s, a->dh = a->dw = 1;
    a->pt = a->pl = a->pb = a->pr = pad;
    a->ho = (hi + 2 * pad - k) / s + 1;
    a->wo = (wi + 2 * pad - k) / s + 1;
    a->groups = 1;
    a->x_type = DORY_U8, a->w_type = DORY_S8, a->y_type = DORY_U8, a->bias_type = DORY_S32;
    a->x = l1_alloc((size_t)hi * wi * ci);
    a->w = l1_alloc((size_t)co * K);
    a->y = l1_alloc((size_t)a->ho * a->wo * co);
    fill_u8((uint8_t *)a->x, (size_t)hi * wi * ci);
    fill_s8((int8_t *)a->w, (size_t)co * K);
    make_rq(b, co, K);
    a->rq = &b->rq;
    a->first = a->last = 1;
    /* scratch as the executor sizes it: the kernels' own amounts */
    if (dw)
        sb = dory_depthwise_scratch_bytes(k, k, hi, wi, pad, pad, pad, pad, NHARTS);
    else
        sb = dory_conv2d_scratch_bytes(k, k, ci, NHARTS);
    a->scratch = sb ? l1_alloc(sb) : NULL;
    a->scratch_bytes = sb;
    b->ny = (size_t)a->ho * a->wo * co;
    b->macs = (uint32_t)b->ny * (uint32_t)K;
    snprintf(b->shape, sizeof b->shape, "%ldx%ldx%ld->%ld k%ld s%ld p%ld", (long)hi, (long)wi, (long)ci, (long)co,
             (long)k, (long)s, (long)pad);
}

static void make_linear(bench_t *b, int32_t ci, int32_t co)
{
    dory_conv_args_t *a = &b->c;
    memset(b, 0, sizeof *b);
    b->kind = K_LINEAR;
    b->name = "linear";
    a->hi = a->wi = a->ho = a->wo = 1;
    a->ci = ci, a->co = co;
    a->kh = a->kw = a->sh = a->sw = a->dh = a->dw = 1;
    a->groups = 1;
    a->x_type = DORY_U8, a->w_type = DORY_S8, a->y_type = DORY_U8, a->bias_type = DORY_S32;
    a->x = l1_alloc((size_t)ci);
    a->w = w_l2;
    a->y = l1_alloc((size_t)co);
    fill_u8((uint8_t *)a->x, (size_t)ci);
    fill_s8(w_l2, (size_t)ci * co);
    make_rq(b, co, ci);
    a->rq = &b->rq;
    a->first = a->last = 1;
    b->ny = (size_t)co;
    b->macs = (uint32_t)(ci * co);
    snprintf(b->shape, sizeof b->shape, "%ld->%ld", (long)ci, (long)co);
}

static void make_pool(bench_t *b, int32_t hi, int32_t wi, int32_t c, int32_t k)
{
    dory_pool_args_t *p = &b->p;
    memset(b, 0, sizeof *b);
    b->kind = K_POOL;
    b->name = "maxpool";
    p->hi = hi, p->wi = wi, p->c = c;
    p->kh = p->kw = p->sh = p->sw = k;
    p->ho = hi / k, p->wo = wi / k;
    p->x_type = DORY_U8, p->y_type = DORY_U8;
    p->x = l1_alloc((size_t)hi * wi * c);
    p->y = l1_alloc((size_t)p->ho * p->wo * c);
    fill_u8((uint8_t *)p->x, (size_t)hi * wi * c);
    b->rq.n = 0;
    p->rq = &b->rq;
    b->ny = (size_t)p->ho * p->wo * c;
    b->macs = (uint32_t)b->ny * (uint32_t)(k * k);
    snprintf(b->shape, sizeof b->shape, "%ldx%ldx%ld k%ld s%ld", (long)hi, (long)wi, (long)c, (long)k, (long)k);
}

static void make_add(bench_t *b, int32_t h, int32_t w, int32_t c)
{
    dory_add_args_t *a = &b->a;
    size_t n = (size_t)h * w * c;
    int32_t *add = (int32_t *)l1_alloc(4);
    memset(b, 0, sizeof *b);
    b->kind = K_ADD;
    b->name = "add";
    a->rows = h * w, a->c = c;
    a->a_type = a->b_type = a->y_type = DORY_U8;
    a->a = l1_alloc(n);
    a->b = l1_alloc(n);
    a->y = l1_alloc(n);
    fill_u8((uint8_t *)a->a, n);
    fill_u8((uint8_t *)a->b, n);
    /* y = clip((a * 181 + b * 75 + rnd) >> 8, 0, 255): the inputs rescaled into a common si32 */
    b->rq_a.n = b->rq_b.n = b->rq.n = 1;
    b->rq_a.st[0].mul_scalar = 181;
    b->rq_b.st[0].mul_scalar = 75;
    b->rq_a.st[0].min = b->rq_b.st[0].min = INT32_MIN;
    b->rq_a.st[0].max = b->rq_b.st[0].max = INT32_MAX;
    add[0] = -(20 << 8) + 128;
    b->rq.st[0].mul_scalar = 1;
    b->rq.st[0].add_scalar = add[0];
    b->rq.st[0].shift = 8;
    b->rq.st[0].min = 0;
    b->rq.st[0].max = 255;
    a->rq_a = &b->rq_a;
    a->rq_b = &b->rq_b;
    a->rq = &b->rq;
    b->add = add;
    b->shift = 8;
    b->ny = n;
    b->macs = (uint32_t)n;
    snprintf(b->shape, sizeof b->shape, "%ldx%ldx%ld", (long)h, (long)w, (long)c);
}

static int make_case(bench_t *b, int i)
{
    arena_used = 0;
    switch (i) {
    case 0: make_conv(b, "pointwise", 0, 16, 16, 32, 64, 1, 1, 0); break;
    case 1: make_conv(b, "conv3x3", 0, 16, 16, 16, 32, 3, 1, 1); break;
    case 2: make_conv(b, "conv3x3/s2", 0, 16, 16, 16, 32, 3, 2, 1); break;
    case 3: make_conv(b, "depthwise3x3", 1, 16, 16, 32, 32, 3, 1, 1); break;
    case 7: make_conv(b, "depthwise5x5", 1, 16, 16, 32, 32, 5, 1, 2); break;
    case 4: make_linear(b, 1024, 64); break;
    case 5: make_pool(b, 16, 16, 32, 2); break;
    case 6: make_add(b, 16, 16, 32); break;
    default: return 0;
    }
    return 1;
}

static void *y_of(bench_t *b)
{
    return b->kind == K_POOL ? b->p.y : b->kind == K_ADD ? b->a.y : b->c.y;
}

static int check(bench_t *b, const char *what)
{
    const uint8_t *y = (const uint8_t *)y_of(b);
    size_t i, bad = 0, first = 0;
    for (i = 0; i < b->ny; i++)
        if (y[i] != y_ref[i]) {
            if (!bad)
                first = i;
            bad++;
        }
    if (bad)
        printf("MISMATCH %s %s: %lu of %lu differ (first at %lu: %u, want %u)\n", b->name, what, (unsigned long)bad,
               (unsigned long)b->ny, (unsigned long)first, y[first], y_ref[first]);
    return bad != 0;
}

int main(void)
{
    static bench_t b;
    int i, fails = 0;
    for (i = 0; make_case(&b, i); i++) {
        size_t j, lo = 255, hi = 0;
        if (arena_used > ARENA_BYTES) {
            printf("MISMATCH %s: does not fit L1\n", b.name);
            return 1;
        }
        printf("case %d %s %s %lu\n", i, b.name, b.shape, (unsigned long)b.macs);
        region_naive(3 * i + 3, &b);
        for (j = 0; j < b.ny; j++) {
            lo = y_ref[j] < lo ? y_ref[j] : lo;
            hi = y_ref[j] > hi ? y_ref[j] : hi;
        }
        printf("range %d %lu %lu\n", i, (unsigned long)lo, (unsigned long)hi);
        memset(y_of(&b), 0xA5, b.ny);
        region_kernel(3 * i + 2, &b, 0, 1);
        fails += check(&b, "1 hart");
        memset(y_of(&b), 0x5A, b.ny);
        cur = &b;
        cur_region = 3 * i + 1;
        rv32_fork(NHARTS, par_body, NULL);
        fails += check(&b, "8 harts");
    }
    printf(fails ? "FAILED\n" : "ok\n");
    return fails != 0;
}
