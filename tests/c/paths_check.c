/* Host harness for tests/test_paths.py: which runtime path the C takes for a requant end or an add,
 * for the chains read from stdin, one case a line; prints one path a line (fast | wide | div | slow for
 * an end, sfused | sloop | fused | loop | generic for an add). passes/tiling/paths.py mirrors these decisions for the
 * cost model; the test checks the mirror against this output on the same cases.
 *
 * The path is observed, not re-derived: built with -finstrument-functions, every function entered
 * is reported to __cyg_profile_func_enter, which records the distinct ones; the block end
 * (dory_rqf_block_fast_ / _wfast_ / _wide_ / _slow_) or the add loop (add_f1_*, add_any, add_fused_*)
 * that ran tells the path.
 *
 * Input lines (integers, dtypes as dory_dtype_t, -1 = scalar / absent):
 *   end K xs y_type bias_type bias chain
 *   dw ho wo xs y_type bias_type bias chain  (the depthwise 3x3 ring, one channel, ho x wo outputs)
 *   add a_type b_type y_type chain_a chain_b chain_y
 * chain = n, then per stage: mul_type mul add_type add shift div trunc min max win
 * (a vector has one channel holding the value; win 1: the stage carries requant-window's window).
 * An end prints fast | wide | div | slow | win; a ring end (by the column function that ran,
 * dw3_chan_*: DW3_I32 / WIN2 or CLAMP / WIN2L / WIN3 / GEN) fast | wide | wide64 | div | slow, and win for
 * the window end (dw3_chan_win_'s clamp, or the generic per-sum end). */
#include <stdio.h>
#include <string.h>

#include "../../runtime/kernels/add.c"
#include "../../runtime/kernels/depthwise.c"

static const void *g_entered[256];
static int g_n_entered;

/* add_scalar's fused loops: one stage (8- and 16-bit outputs), two stages (8-bit outputs) */
static const void *const g_f1[12] = {(const void *)add_f1_uu8,  (const void *)add_f1_us8,  (const void *)add_f1_su8,
                                     (const void *)add_f1_ss8,  (const void *)add_f1_uu16, (const void *)add_f1_us16,
                                     (const void *)add_f1_su16, (const void *)add_f1_ss16, (const void *)add_f2_uu8,
                                     (const void *)add_f2_us8,  (const void *)add_f2_su8,  (const void *)add_f2_ss8};

/* When the layer's plan applies (dory_conv_rqplan), the kernels' entry copies it
 * (dory_rqf_planned_) instead of planning: the copy must set every field f's planner set. 0 (and a
 * message) on a difference. */
static int planned_same(const dory_rqf_t *f, const dory_conv_args_t *a, int xs, int32_t K)
{
    dory_conv_rqplan_t p;
    dory_conv_args_t b = *a;
    dory_rqf_t g;
    if (!dory_conv_rqplan(&p, a))
        return !(f->win || f->mode == 3); /* the plan is made for these two, no others */
    b.rqplan = &p;
    memset(&g, 0x5a, sizeof g); /* a field the copy misses differs */
    dory_rqf_init_(&g, &b, xs, K, 0, 1);
    g.args = f->args; /* b's address, not a's */
#define SAME_(x) (f->x == g.x)
    if (SAME_(mul) && SAME_(add) && SAME_(bias) && SAME_(mul_type) && SAME_(add_type) && SAME_(bias_type) &&
        SAME_(y_type) && SAME_(mul_s) && SAME_(add_s) && SAME_(shift) && SAME_(trunc) && SAME_(min) && SAME_(max) &&
        SAME_(y) && SAME_(dlo) && SAME_(div) && SAME_(du) && SAME_(dm) && SAME_(dmh) && SAME_(ds) && SAME_(args) &&
        SAME_(wlo) && SAME_(whi) && SAME_(mode) && SAME_(fast) && SAME_(add64) && SAME_(wide_fast) && SAME_(win))
        return 1;
#undef SAME_
    fprintf(stderr, "paths_check: the layer's plan (dory_rqf_planned_) differs from dory_rqf_init_'s\n");
    return 0;
}

void __cyg_profile_func_enter(void *fn, void *site) __attribute__((no_instrument_function));
void __cyg_profile_func_exit(void *fn, void *site) __attribute__((no_instrument_function));

void __cyg_profile_func_enter(void *fn, void *site)
{
    int i;
    (void)site;
    for (i = 0; i < g_n_entered; i++) /* each function once (the ring's channel functions run per channel) */
        if (g_entered[i] == fn)
            return;
    if (g_n_entered < 256) /* a case enters far fewer distinct ones */
        g_entered[g_n_entered++] = fn;
}

void __cyg_profile_func_exit(void *fn, void *site)
{
    (void)fn;
    (void)site;
}

static int entered(const void *fn)
{
    int i;
    for (i = 0; i < g_n_entered; i++)
        if (g_entered[i] == fn)
            return 1;
    return 0;
}

static int entered_any(const void *const *fns, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (entered(fns[i]))
            return 1;
    return 0;
}

/* one element of dtype t (s64 too) holding v */
static void put(void *p, int t, long long v)
{
    if (t == DORY_S64)
        memcpy(p, &v, 8);
    else
        dory_store(p, (dory_dtype_t)t, 0, (int32_t)v);
}

static int64_t g_vec[3][DORY_MAX_REQUANT][2]; /* vector storage: [chain][stage][mul / add] */
static int32_t g_win[2] = {0, 0};               /* a window [0, 0]: its path, not its values, is tested */

static int read_chain(dory_rqchain_t *ch, int which)
{
    int i, n;
    memset(ch, 0, sizeof *ch);
    if (scanf("%d", &n) != 1 || n < 0 || n > DORY_MAX_REQUANT)
        return 0;
    ch->n = n;
    for (i = 0; i < n; i++) {
        dory_requant_t *r = &ch->st[i];
        int mt, at, shift, div, trunc, mn, mx, win;
        long long m, a;
        if (scanf("%d %lld %d %lld %d %d %d %d %d %d", &mt, &m, &at, &a, &shift, &div, &trunc, &mn, &mx, &win) != 10)
            return 0;
        if (win) {
            r->win_lo = &g_win[0];
            r->win_hi = &g_win[1];
        }
        r->mul_scalar = m;
        r->add_scalar = a;
        r->mul_type = mt < 0 ? DORY_S32 : (dory_dtype_t)mt;
        r->add_type = at < 0 ? DORY_S32 : (dory_dtype_t)at;
        if (mt >= 0) {
            put(&g_vec[which][i][0], mt, m);
            r->mul = &g_vec[which][i][0];
        }
        if (at >= 0) {
            put(&g_vec[which][i][1], at, a);
            r->add = &g_vec[which][i][1];
        }
        r->shift = shift;
        r->div = div;
        r->trunc = trunc;
        r->min = mn;
        r->max = mx;
    }
    return 1;
}

int main(void)
{
    char kind[8];
    while (scanf("%7s", kind) == 1) {
        int64_t ybuf[2] = {0, 0}, bias = 0;
        g_n_entered = 0;
        if (!strcmp(kind, "end")) {
            int K, xs, yt, bt;
            long long bv;
            dory_rqchain_t ch;
            dory_conv_args_t a;
            dory_rqf_t f;
            int32_t s[1] = {0};
            if (scanf("%d %d %d %d %lld", &K, &xs, &yt, &bt, &bv) != 5 || !read_chain(&ch, 0))
                return 2;
            memset(&a, 0, sizeof a);
            a.x_type = xs ? DORY_S8 : DORY_U8;
            a.w_type = DORY_S8;
            if (bt >= 0) {
                put(&bias, bt, bv);
                a.bias = &bias;
                a.bias_type = (dory_dtype_t)bt;
            }
            a.y = ybuf;
            a.y_type = (dory_dtype_t)yt;
            a.ho = a.wo = a.co = 1;
            a.first = a.last = 1;
            a.rq = &ch;
            dory_rqf_init_(&f, &a, xs, K, 0, 1);
            if (!planned_same(&f, &a, xs, K))
                return 3;
            dory_rqf_block_(&f, s, 0, 1, 0, 0, 0);
            puts(entered(dory_rqf_block_fast_)    ? "fast"
                 : entered(dory_rqf_block_wfast_) || entered(dory_rqf_block_wide_) ? (f.mode == 3 ? "div" : "wide")
                 : entered(dory_rqf_block_slow_)  ? "slow"
                 : entered(dory_rqf_block_win_)   ? "win"
                                                  : "none");
        } else if (!strcmp(kind, "dw")) {
            int ho, wo, xs, yt, bt, i;
            long long bv;
            dory_rqchain_t ch;
            dory_conv_args_t a;
            static uint8_t x[16 * 16], y[4 * 14 * 14], scratch[1024];
            static const int8_t w[9] = {1, -2, 3, -4, 5, -6, 7, -8, 9};
            if (scanf("%d %d %d %d %d %lld", &ho, &wo, &xs, &yt, &bt, &bv) != 6 || ho < 1 || ho > 14 || wo < 1 ||
                wo > 14 || !read_chain(&ch, 0))
                return 2;
            for (i = 0; i < (int)sizeof x; i++)
                x[i] = (uint8_t)(i * 37);
            memset(&a, 0, sizeof a);
            a.x = x, a.x_type = xs ? DORY_S8 : DORY_U8, a.hi = ho + 2, a.wi = wo + 2, a.ci = 1;
            a.w = w, a.w_type = DORY_S8;
            if (bt >= 0) {
                put(&bias, bt, bv);
                a.bias = &bias;
                a.bias_type = (dory_dtype_t)bt;
            }
            a.y = y, a.y_type = (dory_dtype_t)yt, a.ho = ho, a.wo = wo, a.co = 1;
            a.kh = a.kw = 3, a.sh = a.sw = a.dh = a.dw = 1, a.groups = 1;
            a.first = a.last = 1;
            a.rq = &ch;
            a.scratch = scratch, a.scratch_bytes = sizeof scratch;
            dory_depthwise(&a, 0, 1);
            /* DW3_CLAMP is DW3_WIN2's branchless form for a channel whose window allows it: "wide" */
            /* DW3_WINDOW's channels run the clamp functions with dw3_chan_win_'s constants: "win" */
            puts(entered(dw3_chan_win_)                                        ? "win"
                 : entered(dw3_chan_u_i32_) || entered(dw3_chan_s_i32_)         ? "fast"
                 : entered(dw3_chan_u_win2_) || entered(dw3_chan_s_win2_) ||
                         entered(dw3_chan_u_clamp_) || entered(dw3_chan_s_clamp_) ? "wide"
                 : entered(dw3_chan_u_win2l_) || entered(dw3_chan_s_win2l_) ? "wide64"
                 : entered(dw3_chan_u_win3_) || entered(dw3_chan_s_win3_)   ? "div"
                 : !entered(dw3_chan_u_gen_) && !entered(dw3_chan_s_gen_)   ? "none"
                 : entered(dory_rqf_win1_)                                    ? "win"
                                                                             : "slow");
        } else {
            int at, bt, yt;
            int64_t abuf = 0, bbuf = 0;
            dory_rqchain_t ca, cb, cy;
            dory_add_args_t a;
            if (scanf("%d %d %d", &at, &bt, &yt) != 3 || !read_chain(&ca, 0) || !read_chain(&cb, 1) ||
                !read_chain(&cy, 2))
                return 2;
            memset(&a, 0, sizeof a);
            a.a = &abuf;
            a.a_type = (dory_dtype_t)at;
            a.b = &bbuf;
            a.b_type = (dory_dtype_t)bt;
            a.y = ybuf;
            a.y_type = (dory_dtype_t)yt;
            a.rows = a.c = 1;
            a.rq_a = &ca;
            a.rq_b = &cb;
            a.rq = &cy;
            /* dory_add's order: add_scalar, then add_fast, else the generic chains */
            if (add_scalar(&a, 0, 1))
                puts(entered_any(g_f1, 12) ? "sfused" : entered(add_any) ? "sloop" : "none");
            else if (!add_fast(&a, 0, 1, 1))
                puts("generic");
            else
                puts(entered(add_fused_uu) || entered(add_fused_us) || entered(add_fused_su) || entered(add_fused_ss)
                         ? "fused"
                         : "loop");
        }
        if (g_n_entered >= 256) /* the record was cut short: the path may be wrong */
            return 3;
        fflush(stdout);
    }
    return 0;
}
