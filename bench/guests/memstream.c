/* memstream: streaming over a few MiB: a summing pass, a scaled copy and a strided update over two
 * 4 MiB arrays of 64-bit words. Argument: passes. */
#include "common.h"

#define WORDS (512 * 1024) /* 4 MiB per array */
static uint64_t a[WORDS], b[WORDS];

int main(int argc, char **argv)
{
    long n = bench_iters(argc, argv, 40);
    for (long i = 0; i < WORDS; i++)
        a[i] = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
    uint64_t h = 0;
    for (long it = 0; it < n; it++) {
        uint64_t sum = 0;
        for (long i = 0; i < WORDS; i++)           /* read stream */
            sum += a[i];
        for (long i = 0; i < WORDS; i++)           /* read + write stream */
            b[i] = a[i] ^ (uint64_t)it;
        for (long i = 0; i < WORDS; i += 8)        /* strided read-modify-write, one per cache line */
            a[i] += b[WORDS - 1 - i] >> 3;
        BENCH_KEEP(b);
        h = bench_mix(h, sum);
    }
    printf("memstream n=%ld a0=%016llx checksum=%016llx\n", n, (unsigned long long)a[0], (unsigned long long)h);
    return 0;
}
