/* malloc_churn: allocation churn: a pool of 4096 slots; each step frees a pseudo-random slot and
 * allocates a block of pseudo-random size (16 B .. 4 KiB, occasionally 64 KiB), touching it.
 * Argument: steps in thousands. */
#include <string.h>
#include "common.h"

#define SLOTS 4096

int main(int argc, char **argv)
{
    long n = bench_iters(argc, argv, 600) * 1000;
    static unsigned char *slot[SLOTS];
    static size_t size[SLOTS];
    uint64_t st = 99, h = 0;
    for (long it = 0; it < n; it++) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned k = (unsigned)(st >> 52) & (SLOTS - 1);
        if (slot[k]) {
            h = bench_mix(h, slot[k][0] + slot[k][size[k] - 1] + size[k]);
            free(slot[k]);
        }
        size_t sz = 16 + (size_t)((st >> 20) & 4095);
        if (((st >> 40) & 255) == 0)
            sz = 65536;
        unsigned char *p = malloc(sz);
        if (!p) { puts("malloc failed"); return 1; }
        p[0] = (unsigned char)it;
        p[sz - 1] = (unsigned char)(it >> 8);
        if ((it & 7) == 0)
            memset(p, (int)(it & 0xff), sz < 256 ? sz : 256);
        slot[k] = p;
        size[k] = sz;
    }
    for (int k = 0; k < SLOTS; k++)
        free(slot[k]);
    printf("malloc_churn n=%ld checksum=%016llx\n", n, (unsigned long long)h);
    return 0;
}
