/* strings: libc string functions in loops: memcpy, memset, strlen, strcmp, memcmp, strchr over
 * buffers of assorted sizes (short strings and a few KiB). Argument: rounds. */
#include <string.h>
#include "common.h"

#define NSTR 64
static char strs[NSTR][256];
static char big_a[16384], big_b[16384];

int main(int argc, char **argv)
{
    long n = bench_iters(argc, argv, 3000);
    uint64_t st = 7;
    for (int i = 0; i < NSTR; i++) {
        int len = 1 + (int)((st = st * 6364136223846793005ULL + 1442695040888963407ULL) >> 57) * 2; /* 1..255 */
        if (len > 255) len = 255;
        for (int k = 0; k < len; k++)
            strs[i][k] = (char)('a' + (((st >> 33) + (uint64_t)k * 7) % 26));
        strs[i][len] = 0;
    }
    uint64_t h = 0;
    for (long it = 0; it < n; it++) {
        size_t sz = 1024 + (size_t)((it * 389) % 15000);
        memset(big_a, (int)(it & 0x7f) | 1, sz);
        memcpy(big_b, big_a, sz);
        big_b[sz - 1] ^= (char)(it & 1);
        h = bench_mix(h, (uint64_t)(memcmp(big_a, big_b, sz) != 0));
        size_t total = 0;
        int cmp = 0;
        for (int i = 0; i < NSTR; i++) {
            total += strlen(strs[i]);
            cmp += strcmp(strs[i], strs[(i + (int)it) % NSTR]) > 0;
            const char *p = strchr(strs[i], 'q');
            total += p ? (size_t)(p - strs[i]) : 0;
        }
        /* small copies */
        for (int i = 0; i < NSTR; i++) {
            size_t l = strlen(strs[i]);
            memcpy(big_a + i * 128, strs[i], l < 128 ? l : 128);
        }
        h = bench_mix(h, total * 3 + (uint64_t)cmp + (uint64_t)(unsigned char)big_a[(it * 13) % 8192]);
    }
    printf("strings n=%ld checksum=%016llx\n", n, (unsigned long long)h);
    return 0;
}
