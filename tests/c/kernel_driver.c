/* Test driver of the runtime kernels (tests/test_c_kernels.py on the host; tests/kernel_gvsoc.py on
 * GVSOC's pulp-open cluster).
 *
 * Reads cases as integers and prints one line per case:
 *   <ok> <n> y_0 ... y_{n-1}
 * On the host (the default build) the cases come on stdin, whitespace-separated, and each kernel runs
 * on every core in turn; ok is 1 when the cores' shares of the output were disjoint and covered it
 * (each element written by exactly one core: every core runs twice, into outputs filled with 0x00
 * and 0xff bytes, and an element counts as written when it differs from the fill in either run).
 *
 * Built with -DDORY_KDRIVER_PULP (with runtime/port/pulp, see tests/kernel_gvsoc.py) the program runs
 * bare metal on GVSOC: the cases are the 32-bit words dory_kcases[0 .. dory_kcases_n) of a generated C
 * file (no stdin there; a value in (-2^31, 2^31) is one word, any other is escaped into three
 * words, see rd), buffers come from the port's L1 arena (a bump
 * allocator, so every tile is L1-resident as in a network), and each kernel call is forked onto
 * the 8 cluster cores at once (cores >= ncores idle) through the port's fork/join, twice (fills
 * 0x00 and 0xff); ok is 1 when every element was written in one of the runs (the parallel runs cannot
 * tell which core wrote it; the host build checks the split). After each result line it prints
 *   # cycles k_0 ... k_7
 * the cycles of each core's kernel call in the second run, from its own counter read right before
 * and after the call (behind a barrier that lines the cores up; the fork and join are outside).
 *
 * Array:  type count v_0 ... v_{count-1}          (count 0: a NULL pointer)
 * Chain:  n then n stages: mul add shift div trunc min max, where mul and add are
 *         "0 scalar" or "1 array"
 * Case:   kind ncores ...
 *   kind 0/1/2 (conv2d / depthwise / linear):
 *     hi wi co ho wo kh kw sh sw dh dw pt pl pb pr groups y_type use_acc scratch nsteps
 *     chain bias-array, then nsteps x (ci x-array w-array); steps are the input-channel tiles
 *     (first = step 0, last = step nsteps - 1), with an si32 accumulator when use_acc.
 *     scratch: 0 none (NULL), 1 the kernel's dory_*_scratch_bytes of the step, 2 that + 13,
 *     3 that - 1 (a short scratch: the kernel's generic path, or with DORY_DEBUG an abort),
 *     4 8 times that (the 3x3 depthwise kernel's 4-channel copy at stride 2 needs 4 slots).
 *   kind 3 (pool):
 *     hi wi c ho wo kh kw sh sw pt pl pb pr lead_h lead_w is_avg count_include_pad div trunc
 *     y_type chain x-array
 *   kind 4 (add): rows c y_type chain_a chain_b chain a-array b-array
 * On the host, buffers are malloc'ed at their exact sizes so that the sanitizers see any overrun.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dory/kernels.h"

#ifdef DORY_KDRIVER_PULP
#include "dory/port.h"
#include "pulp.h"

#ifndef DORY_PULP_L1_BYTES
#error "define DORY_PULP_L1_BYTES (the L1 arena the cases' buffers come from)"
#endif

extern const int32_t dory_kcases[]; /* the generated cases file */
extern const uint32_t dory_kcases_n;
static uint32_t kpos;
static size_t l1_used;

/* Bump allocation in the port's L1 arena, 8-byte aligned (si64 requant vectors); free_all resets. */
static void *xmalloc(size_t n)
{
    size_t at = (l1_used + 7u) & ~(size_t)7u;
    if (n > DORY_PULP_L1_BYTES || at > DORY_PULP_L1_BYTES - n) {
        printf("driver: L1 arena full (%lu + %lu of %lu bytes)\n", (unsigned long)at, (unsigned long)n,
               (unsigned long)DORY_PULP_L1_BYTES);
        exit(2);
    }
    l1_used = at + n;
    return dory_l1_base() + at;
}

static void free_all(void)
{
    l1_used = 0;
}

static int more_cases(void)
{
    return kpos < dory_kcases_n;
}

static int32_t rd_word(void)
{
    if (kpos >= dory_kcases_n) {
        printf("driver: malformed input (the cases end early)\n");
        exit(2);
    }
    return dory_kcases[kpos++];
}

/* A value is one word, or, for one outside the int32 range (s64 requant vectors) or INT32_MIN itself,
 * the escape word INT32_MIN followed by its low and high words (tests/kernel_gvsoc.py: words). */
static long long rd(void)
{
    int32_t w = rd_word();
    uint32_t lo;
    if (w != INT32_MIN)
        return w;
    lo = (uint32_t)rd_word();
    return (long long)(((uint64_t)(uint32_t)rd_word() << 32) | lo);
}
#else
#define MAX_ALLOCS 64

static void *allocs[MAX_ALLOCS];
static int nallocs;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p || nallocs >= MAX_ALLOCS) {
        fprintf(stderr, "driver: out of memory\n");
        exit(2);
    }
    allocs[nallocs++] = p;
    return p;
}

static void free_all(void)
{
    while (nallocs > 0)
        free(allocs[--nallocs]);
}

static long long rd(void)
{
    long long v;
    if (scanf("%lld", &v) != 1) {
        fprintf(stderr, "driver: malformed input\n");
        exit(2);
    }
    return v;
}
#endif

static const void *rd_array(dory_dtype_t *type, long long *count)
{
    long long i, n;
    void *p;
    *type = (dory_dtype_t)rd();
    n = rd();
    if (count)
        *count = n;
    if (n == 0)
        return NULL;
    p = xmalloc((size_t)n * dory_dtype_bytes(*type));
    for (i = 0; i < n; i++) {
        if (*type == DORY_S64) { /* a requant vector of 64-bit values (dory_load_param reads it) */
            int64_t v = (int64_t)rd();
            memcpy((uint8_t *)p + 8u * (size_t)i, &v, sizeof v);
        } else {
            dory_store(p, *type, (size_t)i, (int32_t)(uint32_t)(unsigned long long)rd());
        }
    }
    return p;
}

static void rd_chain(dory_rqchain_t *ch)
{
    int32_t i;
    memset(ch, 0, sizeof *ch);
    ch->n = (int32_t)rd();
    if (ch->n < 0 || ch->n > DORY_MAX_REQUANT) {
        fprintf(stderr, "driver: bad chain length\n");
        exit(2);
    }
    for (i = 0; i < ch->n; i++) {
        dory_requant_t *s = &ch->st[i];
        if (rd())
            s->mul = rd_array(&s->mul_type, NULL);
        else
            s->mul_scalar = rd();
        if (rd())
            s->add = rd_array(&s->add_type, NULL);
        else
            s->add_scalar = rd();
        s->shift = (int32_t)rd();
        s->div = (int32_t)rd();
        s->trunc = (int32_t)rd();
        s->min = (int32_t)rd();
        s->max = (int32_t)rd();
        if (rd()) { /* the input window (requant-window): two s32 vectors */
            dory_dtype_t t;
            s->win_lo = (const int32_t *)rd_array(&t, NULL);
            s->win_hi = (const int32_t *)rd_array(&t, NULL);
        }
    }
}

static int kind_g;

static void run_kernel(const void *args, void *y, int core, int ncores)
{
    if (kind_g <= 2) {
        dory_conv_args_t a = *(const dory_conv_args_t *)args;
        a.y = y;
        if (kind_g == 0)
            dory_conv2d(&a, core, ncores);
        else if (kind_g == 1)
            dory_depthwise(&a, core, ncores);
        else
            dory_linear(&a, core, ncores);
    } else if (kind_g == 3) {
        dory_pool_args_t a = *(const dory_pool_args_t *)args;
        a.y = y;
        dory_pool(&a, core, ncores);
    } else {
        dory_add_args_t a = *(const dory_add_args_t *)args;
        a.y = y;
        dory_add(&a, core, ncores);
    }
}

#ifdef DORY_KDRIVER_PULP
/* One fork: every cluster core lines up at the barrier, then the first ncores run their share,
 * each timing its own call. */
typedef struct {
    const void *args;
    void *y;
    int ncores;
} kjob_t;

static uint32_t kcycles[DORY_NUM_CORES];

static void kernel_task(void *arg)
{
    const kjob_t *j = (const kjob_t *)arg;
    int core = dory_core_id();
    uint32_t t0;
    dory_barrier();
    t0 = pulp_cycles();
    if (core < j->ncores)
        run_kernel(j->args, j->y, core, j->ncores);
    kcycles[core] = pulp_cycles() - t0;
}

static void fork_kernel(const void *args, void *y, int ncores)
{
    kjob_t j;
    j.args = args;
    j.y = y;
    j.ncores = ncores;
    if (ncores < 1 || ncores > DORY_NUM_CORES) {
        printf("driver: ncores %d outside 1..%d\n", ncores, DORY_NUM_CORES);
        exit(2);
    }
    dory_cluster_fork(kernel_task, &j);
}

/* Run the kernel on the cluster into outputs filled with 0x00 and then 0xff (acc, acc_n si32
 * values or NULL, restored in between); ok when every element was written in one of the runs. */
static int run_cores(const void *args, void *y, dory_dtype_t t, size_t n, int ncores, int32_t *acc, size_t acc_n)
{
    size_t eb = dory_dtype_bytes(t), k, b;
    unsigned char *ya = (unsigned char *)xmalloc(n * eb);
    unsigned char *yb = (unsigned char *)xmalloc(n * eb);
    int32_t *save = acc ? (int32_t *)xmalloc(acc_n * sizeof(int32_t)) : NULL;
    int ok = 1;
    memset(ya, 0x00, n * eb);
    memset(yb, 0xff, n * eb);
    if (acc)
        memcpy(save, acc, acc_n * sizeof(int32_t));
    fork_kernel(args, ya, ncores);
    if (acc)
        memcpy(acc, save, acc_n * sizeof(int32_t));
    fork_kernel(args, yb, ncores);
    for (k = 0; k < n; k++) {
        int written = 0;
        for (b = 0; b < eb; b++)
            if (ya[k * eb + b] != 0x00 || yb[k * eb + b] != 0xff)
                written = 1;
        ok &= written;
    }
    memcpy(y, ya, n * eb);
    return ok;
}

static void print_cycles(void)
{
    int i;
    printf("# cycles");
    for (i = 0; i < DORY_NUM_CORES; i++)
        printf(" %lu", (unsigned long)kcycles[i]);
    printf("\n");
}
#else
/* Run every core on its share of the output (n elements of type t), checking disjoint cover;
 * acc (acc_n si32 values, may be NULL) is restored between the two runs of a core. */
static int run_cores(const void *args, void *y, dory_dtype_t t, size_t n, int ncores, int32_t *acc, size_t acc_n)
{
    size_t eb = dory_dtype_bytes(t), k, b;
    unsigned char *ya = (unsigned char *)xmalloc(n * eb);
    unsigned char *yb = (unsigned char *)xmalloc(n * eb);
    unsigned char *out = (unsigned char *)y;
    int32_t *save = acc ? (int32_t *)xmalloc(acc_n * sizeof(int32_t)) : NULL;
    int *count = (int *)xmalloc(n * sizeof(int));
    int core, ok = 1;
    memset(count, 0, n * sizeof(int));
    for (core = 0; core < ncores; core++) {
        memset(ya, 0x00, n * eb);
        memset(yb, 0xff, n * eb);
        if (acc)
            memcpy(save, acc, acc_n * sizeof(int32_t));
        run_kernel(args, ya, core, ncores);
        if (acc)
            memcpy(acc, save, acc_n * sizeof(int32_t));
        run_kernel(args, yb, core, ncores);
        for (k = 0; k < n; k++) {
            int written = 0;
            for (b = 0; b < eb; b++)
                if (ya[k * eb + b] != 0x00 || yb[k * eb + b] != 0xff)
                    written = 1;
            if (written) {
                count[k]++;
                memcpy(out + k * eb, ya + k * eb, eb);
            }
        }
    }
    for (k = 0; k < n; k++)
        if (count[k] != 1)
            ok = 0;
    return ok;
}

static void print_cycles(void)
{
}
#endif

static void print_result(int ok, const void *y, dory_dtype_t t, size_t n)
{
    size_t k;
    printf("%d %lu", ok, (unsigned long)n);
    for (k = 0; k < n; k++) {
        /* %ld: picolibc's integer-only printf (the pulp build) has no long long */
        if (t == DORY_U32)
            printf(" %lu", (unsigned long)((const uint32_t *)y)[k]);
        else
            printf(" %ld", (long)dory_load(y, t, k));
    }
    printf("\n");
    print_cycles();
}

/* The scratch of a conv / depthwise step in mode `mode` (see the case format). */
static void set_scratch(dory_conv_args_t *a, int mode, int ncores)
{
    size_t need = 0;
    if (kind_g == 0)
        need = dory_conv2d_scratch_bytes(a->kh, a->kw, a->ci, ncores);
    else if (kind_g == 1)
        need = dory_depthwise_scratch_bytes(a->kh, a->kw, a->hi, a->wi, a->pt, a->pb, a->pl, a->pr, ncores);
    if (mode == 0 || need == 0) {
        a->scratch = NULL;
        a->scratch_bytes = 0;
        return;
    }
    a->scratch_bytes = mode == 2 ? need + 13u : mode == 3 ? need - 1u : mode == 4 ? 8u * need : need;
    a->scratch = xmalloc(a->scratch_bytes);
}

static void conv_case(int ncores)
{
    dory_conv_args_t a;
    dory_rqchain_t rq;
#if defined(DORY_KDRIVER_EVEN_SHARES)
    dory_conv_rqplan_t plan;
#endif
    int use_acc, scratch;
    long long nsteps, s, ci;
    size_t n;
    int ok = 1;
    void *y;
    memset(&a, 0, sizeof a);
    a.hi = (int32_t)rd();
    a.wi = (int32_t)rd();
    a.co = (int32_t)rd();
    a.ho = (int32_t)rd();
    a.wo = (int32_t)rd();
    a.kh = (int32_t)rd();
    a.kw = (int32_t)rd();
    a.sh = (int32_t)rd();
    a.sw = (int32_t)rd();
    a.dh = (int32_t)rd();
    a.dw = (int32_t)rd();
    a.pt = (int32_t)rd();
    a.pl = (int32_t)rd();
    a.pb = (int32_t)rd();
    a.pr = (int32_t)rd();
    a.groups = (int32_t)rd();
    a.y_type = (dory_dtype_t)rd();
    use_acc = (int)rd();
    scratch = (int)rd();
    nsteps = rd();
    rd_chain(&rq);
    a.rq = &rq;
    a.bias = rd_array(&a.bias_type, NULL);
    /* core 0's share cut (layer.c sizes it from measured cycles; any 0..256 must give the same
     * outputs): a value spread over the cases by their shape, not a case field */
#if defined(DORY_KDRIVER_EVEN_SHARES)
    a.core0_cut = 0; /* bench/gvsoc/bench_kernels.py: the kernels alone, core 0 has no serial work */
#else
    a.core0_cut = (a.ho * 37 + a.co * 11 + a.wo * 5) % 257;
#endif
    n = (size_t)a.ho * (size_t)a.wo * (size_t)a.co;
    y = xmalloc(n * dory_dtype_bytes(a.y_type));
    memset(y, 0x5a, n * dory_dtype_bytes(a.y_type));
    if (use_acc) {
        a.acc = (int32_t *)xmalloc(n * sizeof(int32_t));
        memset(a.acc, 0x5a, n * sizeof(int32_t));
    }
    for (s = 0; s < nsteps; s++) {
        ci = rd();
        a.ci = (int32_t)ci;
        a.x = rd_array(&a.x_type, NULL);
        a.w = rd_array(&a.w_type, NULL);
        set_scratch(&a, scratch, ncores);
#if defined(DORY_KDRIVER_EVEN_SHARES)
        /* the bench: the layer's requant plan, as runtime/src/layer.c makes it once per layer
         * before its steps (outside the cores' counted calls); NULL when the end has none. The
         * tests leave it NULL: every call plans its own end (dory_rqf_init_full_), the path a
         * layer without a plan takes. */
        a.rqplan = dory_conv_rqplan(&plan, &a) ? &plan : NULL;
#endif
        a.first = s == 0;
        a.last = s == nsteps - 1;
        if (a.last) {
            ok = run_cores(&a, y, a.y_type, n, ncores, a.acc, n);
        } else {
#ifdef DORY_KDRIVER_PULP
            fork_kernel(&a, y, ncores);
#else
            int core;
            for (core = 0; core < ncores; core++)
                run_kernel(&a, y, core, ncores);
#endif
        }
    }
    print_result(ok, y, a.y_type, n);
}

static void pool_case(int ncores)
{
    dory_pool_args_t a;
    dory_rqchain_t rq;
    size_t n;
    void *y;
    int ok;
    memset(&a, 0, sizeof a);
    a.hi = (int32_t)rd();
    a.wi = (int32_t)rd();
    a.c = (int32_t)rd();
    a.ho = (int32_t)rd();
    a.wo = (int32_t)rd();
    a.kh = (int32_t)rd();
    a.kw = (int32_t)rd();
    a.sh = (int32_t)rd();
    a.sw = (int32_t)rd();
    a.pt = (int32_t)rd();
    a.pl = (int32_t)rd();
    a.pb = (int32_t)rd();
    a.pr = (int32_t)rd();
    a.lead_h = (int32_t)rd();
    a.lead_w = (int32_t)rd();
    a.is_avg = (int32_t)rd();
    a.count_include_pad = (int32_t)rd();
    a.div = (int32_t)rd();
    a.trunc = (int32_t)rd();
    a.y_type = (dory_dtype_t)rd();
    rd_chain(&rq);
    a.rq = &rq;
    a.x = rd_array(&a.x_type, NULL);
    n = (size_t)a.ho * (size_t)a.wo * (size_t)a.c;
    y = xmalloc(n * dory_dtype_bytes(a.y_type));
    ok = run_cores(&a, y, a.y_type, n, ncores, NULL, 0);
    print_result(ok, y, a.y_type, n);
}

static void add_case(int ncores)
{
    dory_add_args_t a;
    dory_rqchain_t ra, rb, rq;
    size_t n;
    void *y;
    int ok;
    memset(&a, 0, sizeof a);
    a.rows = (int32_t)rd();
    a.c = (int32_t)rd();
    a.y_type = (dory_dtype_t)rd();
    rd_chain(&ra);
    rd_chain(&rb);
    rd_chain(&rq);
    a.rq_a = &ra;
    a.rq_b = &rb;
    a.rq = &rq;
    a.a = rd_array(&a.a_type, NULL);
    a.b = rd_array(&a.b_type, NULL);
    n = (size_t)a.rows * (size_t)a.c;
    y = xmalloc(n * dory_dtype_bytes(a.y_type));
    ok = run_cores(&a, y, a.y_type, n, ncores, NULL, 0);
    print_result(ok, y, a.y_type, n);
}

/* One case of the given kind (its ncores read), then its buffers freed. */
static void run_case(long long kind)
{
    int ncores = (int)rd();
    kind_g = (int)kind;
    if (kind <= 2)
        conv_case(ncores);
    else if (kind == 3)
        pool_case(ncores);
    else
        add_case(ncores);
    free_all();
}

#ifdef DORY_KDRIVER_PULP
int main(void)
{
    if (dory_port_init(DORY_PULP_L1_BYTES, 0, 0) != 0)
        return 2;
    while (more_cases())
        run_case(rd());
    printf("# end\n");
    dory_port_close();
    return 0;
}
#else
int main(void)
{
    long long kind;
    while (scanf("%lld", &kind) == 1) {
        run_case(kind);
        fflush(stdout);
    }
    return 0;
}
#endif
