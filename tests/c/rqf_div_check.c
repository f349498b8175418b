/* Brute-force check of requant_fast.h's mode 3: dory_rqf_div_plan_ with dory_rqf_div_ and dory_rqf_div_fast_
 * (clip(floor or trunc of t / d, min, max) by a multiply-high and a shift inside the clip window)
 * against C's division (dory_div_round) and the clip of the generic chain. Run by
 * tests/test_c_kernels.py::test_rqf_division_by_multiplication; prints "checked N values" and
 * exits 0, or prints the first mismatch and exits 1.
 *
 * - every divisor 3 .. 700 that is not a power of two, with output ranges [min, max] of 1 to
 *   300 values, negative, straddling zero and positive, every t from (min - 3) d to (max + 3) d;
 * - divisors up to 2^31 - 1 (NEMO's 2^24 - 1 and 2^23 - 1, primes, 2^k +- 1) with the u8 / s8 /
 *   ReLU ranges and random ranges: t near the window's ends, near the multiples of d (where the
 *   floor steps), near zero, anywhere in +-2^62;
 * - the plan must exist whenever (max - min + 1) d <= 2^32 (the proof in requant_fast.h). */
#include <stdio.h>
#include <stdlib.h>

#include "requant_fast.h"

static unsigned long long g_checked;

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static int check_one(const dory_rqf_t *f, int64_t t)
{
    int32_t got = dory_rqf_div_(f, t);
    int32_t fast = dory_rqf_div_fast_(t, f->trunc, f->div - 1u, f->dlo, f->du, f->dm, f->dmh, f->ds, f->min, f->max);
    int64_t want = dory_div_round(t, f->div, f->trunc);
    want = want < f->min ? f->min : want;
    want = want > f->max ? f->max : want;
    g_checked++;
    if (fast != got) {
        printf("dory_rqf_div_fast_ differs: d=%lu t=%lld: %ld, dory_rqf_div_ %ld\n", (unsigned long)f->div,
               (long long)t, (long)fast, (long)got);
        return 1;
    }
    if (got != want) {
        printf("mismatch: d=%lu trunc=%d [%ld, %ld] t=%lld: got %ld, want %lld (M=%lu+%lu*2^32 S=%ld)\n",
               (unsigned long)f->div, (int)f->trunc, (long)f->min, (long)f->max, (long long)t, (long)got,
               (long long)want, (unsigned long)f->dm, (unsigned long)f->dmh, (long)f->ds + 32);
        return 1;
    }
    return 0;
}

/* Plan (d, [lo, hi], trunc) and check it; all: every t of the window +- 3 d. 1 on a failure. */
static int check(uint32_t d, int32_t lo, int32_t hi, int trunc, int all)
{
    dory_rqf_t f;
    int64_t t, a = ((int64_t)lo - 3) * d, b = ((int64_t)hi + 4) * d;
    int i;
    memset(&f, 0, sizeof f);
    f.trunc = trunc;
    f.min = lo;
    f.max = hi;
    if (!dory_rqf_div_plan_(&f, d)) {
        if (((uint64_t)((int64_t)hi - lo) + 1u) * d <= ((uint64_t)1 << 32)) {
            printf("no plan: d=%lu [%ld, %ld] trunc=%d\n", (unsigned long)d, (long)lo, (long)hi, trunc);
            return 1;
        }
        return 0;
    }
    if (all) {
        for (t = a; t <= b; t++)
            if (check_one(&f, t))
                return 1;
        return 0;
    }
    for (i = -40; i <= 40; i++) { /* the window's ends, zero, the extremes */
        if (check_one(&f, f.dlo + i) || check_one(&f, f.dlo + (int64_t)f.du + i) || check_one(&f, i) ||
            check_one(&f, ((int64_t)1 << 62) + i) || check_one(&f, -((int64_t)1 << 62) + i))
            return 1;
    }
    for (i = 0; i < 3000; i++) { /* around the multiples of d in the window +- 3 d, and anywhere */
        int64_t k = (int64_t)lo - 3 + (int64_t)(rnd() % ((uint64_t)((int64_t)hi - lo) + 7u));
        if (check_one(&f, k * (int64_t)d + (int64_t)(rnd() % 7) - 3))
            return 1;
        if (check_one(&f, a + (int64_t)(rnd() % (uint64_t)(b - a + 1))))
            return 1;
        if (check_one(&f, (int64_t)(rnd() >> 1) - ((int64_t)1 << 62)))
            return 1;
    }
    return 0;
}

int main(void)
{
    static const uint32_t big[] = {16777215u, 8388607u, 16777217u, 1000003u, 65535u, 12345u, 255u, 3u, 7u,
                                   2147483647u, 1073741825u, 1073741823u, 100000007u, 999u, 33554431u};
    static const int32_t ranges[][2] = {{0, 255}, {-128, 127}, {0, 127}, {0, 0}, {-1, 0}, {5, 9}, {-300, -200},
                                        {-32768, 32767}, {0, 65535}, {-2147483647 - 1, 2147483647}};
    uint32_t d;
    int32_t lo, n;
    int trunc;
    size_t i, j;
    for (trunc = 0; trunc < 2; trunc++) {
        for (d = 3; d <= 700; d++) {
            if ((d & (d - 1)) == 0)
                continue;
            for (n = 1; n <= 300; n += n < 8 ? 1 : 73)
                for (lo = -n - 5; lo <= 5; lo += n + 5)
                    if (check(d, lo, lo + n - 1, trunc, 1))
                        return 1;
        }
        for (i = 0; i < sizeof big / sizeof big[0]; i++)
            for (j = 0; j < sizeof ranges / sizeof ranges[0]; j++)
                if (check(big[i], ranges[j][0], ranges[j][1], trunc, 0))
                    return 1;
        for (i = 0; i < 400; i++) {
            int32_t a = (int32_t)(rnd() % 2001) - 1000, w = (int32_t)(rnd() % 600);
            d = (uint32_t)(rnd() % 0x7ffffffcu) + 3u;
            if ((d & (d - 1)) == 0)
                continue;
            if (i % 2)
                d = d % 100000u + 3u;
            if ((d & (d - 1)) != 0 && check(d, a, a + w, trunc, 0))
                return 1;
        }
    }
    printf("checked %llu values\n", g_checked);
    return 0;
}
