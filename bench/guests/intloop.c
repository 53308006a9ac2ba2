/* intloop: nested integer loops with counters and data-dependent branches (Collatz steps,
 * a branchy inner loop, a small bubble of comparisons). Argument: outer iterations. */
#include "common.h"

static BENCH_NOINLINE uint32_t collatz_steps(uint64_t x)
{
    uint32_t steps = 0;
    while (x != 1) {
        if (x & 1)
            x = 3 * x + 1;
        else
            x >>= 1;
        steps++;
    }
    return steps;
}

int main(int argc, char **argv)
{
    long n = bench_iters(argc, argv, 3000);
    uint64_t h = 0;
    long acc = 0;
    for (long i = 0; i < n; i++) {
        /* branchy inner loop */
        for (int j = 0; j < 400; j++) {
            int t = (int)(i ^ j);
            if ((t & 3) == 0)
                acc += j;
            else if (t & 8)
                acc ^= i;
            else if (t % 5 == 1)
                acc -= 3;
            else
                acc++;
        }
        /* counters: Collatz steps of a few numbers */
        uint32_t s = 0;
        for (int k = 1; k <= 8; k++)
            s += collatz_steps((uint64_t)i * 8 + k);
        /* nested triangle loop with a compare/swap */
        int a = (int)(i & 63), b = (int)((i * 7) & 63);
        for (int p = 0; p < 24; p++)
            for (int q = p; q < 24; q++) {
                if (a > b) { int tmp = a; a = b; b = tmp; }
                a += q & 1;
                b += p & 3;
            }
        h = bench_mix(h, (uint64_t)acc + s + (uint64_t)a * 131 + (uint64_t)b);
    }
    printf("intloop n=%ld acc=%ld checksum=%016llx\n", n, acc, (unsigned long long)h);
    return 0;
}
