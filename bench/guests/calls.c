/* calls: function calls and returns: recursive fib, plus mutual recursion through two functions.
 * Argument: repetitions of fib(24) + the even/odd walk. */
#include "common.h"

static BENCH_NOINLINE long fib(int n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

static BENCH_NOINLINE int is_odd(unsigned n, unsigned depth);
static BENCH_NOINLINE int is_even(unsigned n, unsigned depth)
{
    if (n == 0)
        return 1;
    return is_odd(n - 1, depth + 1);
}
static BENCH_NOINLINE int is_odd(unsigned n, unsigned depth)
{
    if (n == 0)
        return 0;
    return is_even(n - 1, depth + 1);
}

int main(int argc, char **argv)
{
    long n = bench_iters(argc, argv, 80);
    uint64_t h = 0;
    for (long i = 0; i < n; i++) {
        long f = fib(24 + (int)(i & 1));
        int e = is_even((unsigned)(2000 + i), 0);
        h = bench_mix(h, (uint64_t)f * 2 + (uint64_t)e);
    }
    printf("calls n=%ld checksum=%016llx\n", n, (unsigned long long)h);
    return 0;
}
