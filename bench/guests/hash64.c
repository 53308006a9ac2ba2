/* hash64: 64-bit multiply/shift/rotate hashing. Fills a 64 KiB buffer with splitmix64 and hashes it
 * with an xxhash64-like loop (4 lanes, multiply-rotate-multiply). Argument: passes over the buffer. */
#include "common.h"

#define WORDS 8192 /* 64 KiB */
static uint64_t buf[WORDS];

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t round64(uint64_t acc, uint64_t in)
{
    acc += in * P2;
    acc = rotl(acc, 31);
    return acc * P1;
}

static BENCH_NOINLINE uint64_t xxh64_like(const uint64_t *p, long words, uint64_t seed)
{
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    for (long i = 0; i + 4 <= words; i += 4) {
        v1 = round64(v1, p[i]);
        v2 = round64(v2, p[i + 1]);
        v3 = round64(v3, p[i + 2]);
        v4 = round64(v4, p[i + 3]);
    }
    uint64_t h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h += (uint64_t)words * 8;
    h ^= h >> 33; h *= P2;
    h ^= h >> 29; h *= P3;
    h ^= h >> 32;
    return h ^ P4 ^ P5;
}

int main(int argc, char **argv)
{
    long n = bench_iters(argc, argv, 1000);
    uint64_t state = 12345, h = 0;
    for (long it = 0; it < n; it++) {
        if ((it & 15) == 0)
            for (int i = 0; i < WORDS; i++)
                buf[i] = splitmix64(&state);
        h = bench_mix(h, xxh64_like(buf, WORDS, (uint64_t)it));
    }
    printf("hash64 n=%ld checksum=%016llx\n", n, (unsigned long long)h);
    return 0;
}
