/* demand_paging: first touches of many anonymous pages, by stores and by loads, while guest physical
 * memory has to grow under them. Each page gets a value at a page-dependent offset; a second pass
 * reads every value back, and pages only ever read must read as zero. A store that lands in a stale
 * view of guest memory, or a page mapped twice, changes the sums. */
#include <stdio.h>
#include <stdint.h>
#include <sys/mman.h>

#define PAGES 6144 /* 24 MiB: more than the memory ringjit starts with, so it grows during the touches */

int main(void)
{
    unsigned char *w = mmap(0, PAGES * 4096L, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *r = mmap(0, PAGES * 4096L / 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED || r == MAP_FAILED) { puts("mmap failed"); return 1; }
    /* Stores: byte, 2-, 4- and 8-byte, each the first touch of its page, in a scattered order. */
    for (long k = 0; k < PAGES; k++) {
        long i = (k * 2053) % PAGES;
        unsigned char *p = w + i * 4096 + (i * 67) % 4000;
        switch (i & 3) {
        case 0: *p = (unsigned char)(i * 7 + 1); break;
        case 1: *(uint16_t *)p = (uint16_t)(i * 31 + 3); break;
        case 2: *(uint32_t *)p = (uint32_t)(i * 2654435761u); break;
        default: *(uint64_t *)p = (uint64_t)i * 0x9e3779b97f4a7c15ull; break;
        }
    }
    /* Loads: the first touch of a page only read is zero-filled. */
    uint64_t zeros = 0;
    for (long i = 0; i < PAGES / 4; i++) zeros += r[i * 4096 + (i * 13) % 4096] == 0;
    uint64_t sum = 0;
    for (long i = 0; i < PAGES; i++) {
        unsigned char *p = w + i * 4096 + (i * 67) % 4000;
        switch (i & 3) {
        case 0: sum = sum * 31 + *p; break;
        case 1: sum = sum * 31 + *(uint16_t *)p; break;
        case 2: sum = sum * 31 + *(uint32_t *)p; break;
        default: sum = sum * 31 + *(uint64_t *)p; break;
        }
    }
    printf("demand_paging pages=%d zero-pages=%llu checksum=%016llx\n", PAGES, (unsigned long long)zeros, (unsigned long long)sum);
    return 0;
}
