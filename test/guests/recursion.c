/* recursion: a ~100000-frame deep recursion (non-tail, not foldable),
 * Ackermann for small arguments, mutual recursion, and a recursive
 * Fibonacci. */
#include <stdint.h>
#include <stdio.h>

static volatile uint64_t sink;

__attribute__((noinline)) static uint64_t deep(uint64_t n, volatile uint64_t *prev)
{
    volatile uint64_t local = n * 2654435761u; /* keeps a real frame */
    if (n == 0)
        return *prev;
    uint64_t r = deep(n - 1, &local);
    __asm__ volatile("" ::: "memory");
    return r ^ (local + (prev ? *prev : 0));
}

__attribute__((noinline)) static unsigned ack(unsigned m, unsigned n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static int is_odd(unsigned n);
__attribute__((noinline)) static int is_even(unsigned n)
{
    __asm__ volatile("" ::: "memory");
    return n == 0 ? 1 : is_odd(n - 1);
}
__attribute__((noinline)) static int is_odd(unsigned n)
{
    __asm__ volatile("" ::: "memory");
    return n == 0 ? 0 : is_even(n - 1);
}

__attribute__((noinline)) static uint64_t fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
    (void)argv;
    volatile uint64_t base = 12345 + (uint64_t)argc;
    uint64_t d = deep(100000 - 1 + (uint64_t)argc, &base);
    printf("deep(100000)=%016llx\n", (unsigned long long)d);
    for (unsigned m = 0; m <= 3; m++)
        for (unsigned n = 0; n <= 5; n++)
            printf("ack(%u,%u)=%u\n", m, n, ack(m, n));
    printf("is_even(10001)=%d is_odd(10001)=%d is_even(20000)=%d\n", is_even(10001),
           is_odd(10001), is_even(20000));
    printf("fib(24)=%llu\n", (unsigned long long)fib(24));
    sink = d;
    return 0;
}
