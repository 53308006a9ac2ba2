/* Shared helpers for the ringjit benchmark guests (header only, no libc beyond stdio/stdlib). */
#ifndef RINGJIT_BENCH_COMMON_H
#define RINGJIT_BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The iteration count: argv[1] if given, otherwise the default. */
static inline long bench_iters(int argc, char **argv, long dflt)
{
    if (argc > 1) {
        long n = strtol(argv[1], NULL, 10);
        if (n > 0)
            return n;
    }
    return dflt;
}

/* Mix a 64-bit value into a running checksum (order dependent). */
static inline uint64_t bench_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

/* Keep the optimiser from deleting or hoisting work: the value escapes through an asm barrier. */
#define BENCH_KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")
#define BENCH_NOINLINE __attribute__((noinline))

#endif
