/* page_cross: unaligned 2-, 4-, 8- and 16-byte loads and stores at every offset around page
 * boundaries, in a loop hot enough to be translated: an access that crosses into the next page must
 * read and write both pages (the translator's inline TLB lookup sends it to the slow path), one that
 * ends on the page's last byte must not. Prints checksums of what was read and of the buffer. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define PAGES 6
#define PAGE 4096

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ULL + (h >> 29); }

int main(void)
{
    unsigned char *buf = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) { perror("mmap"); return 1; }
    /* First touch in a scrambled page order, so that (where frames are allocated on first touch)
     * consecutive pages of the buffer are not consecutive in physical memory: an access that crossed
     * into the next page without translating it would read the wrong bytes. */
    static const int order[PAGES] = { 4, 1, 5, 2, 0, 3 };
    for (int k = 0; k < PAGES; k++)
        for (int i = order[k] * PAGE; i < (order[k] + 1) * PAGE; i++) buf[i] = (unsigned char)(i * 131 + 7);
    uint64_t h = 0;
    for (int round = 0; round < 400; round++) {
        for (int p = 1; p < PAGES; p++) {
            /* Offsets -20 .. +4 around the boundary: crossing and not, for each size. */
            for (int d = -20; d <= 4; d++) {
                unsigned char *a = buf + p * PAGE + d;
                uint16_t v2; uint32_t v4; uint64_t v8, v16[2];
                memcpy(&v2, a, 2); memcpy(&v4, a, 4); memcpy(&v8, a, 8); memcpy(v16, a, 16);
                h = mix(h, v2); h = mix(h, v4); h = mix(h, v8); h = mix(h, v16[0] ^ v16[1]);
                v8 += (uint64_t)round * 0x9e3779b97f4a7c15ULL;
                memcpy(a + (d & 3), &v8, 8);
                v4 ^= (uint32_t)h;
                memcpy(a - 3, &v4, 4);
                v2 += (uint16_t)d;
                memcpy(a + 1, &v2, 2);
            }
        }
    }
    uint64_t sum = 0;
    for (int i = 0; i < PAGES * PAGE; i += 8) { uint64_t w; memcpy(&w, buf + i, 8); sum = mix(sum, w); }
    printf("page_cross reads=%016llx buffer=%016llx\n", (unsigned long long)h, (unsigned long long)sum);
    return 0;
}
