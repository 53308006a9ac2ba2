/* malloc_stress: many allocation sizes (small bins, large bins, mmap-sized),
 * realloc growth/shrink, calloc zeroing, posix_memalign alignment, free in
 * random order, sbrk. Every block is filled with a pattern derived from its
 * id and verified before realloc/free. Prints counts and a checksum only. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SLOTS 1024
#define OPS 3000

static uint64_t rng_state;
static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

struct slot {
    unsigned char *p;
    size_t size;
    uint32_t id;
};

static struct slot slots[SLOTS];
static uint64_t checksum = 1469598103934665603ULL;
static long bad_fill = 0;

static unsigned char pat(uint32_t id, size_t i) { return (unsigned char)(id * 131u + i * 7u + (i >> 8)); }

static void fill(struct slot *s, size_t from)
{
    for (size_t i = from; i < s->size; i++)
        s->p[i] = pat(s->id, i);
}

static void verify(const struct slot *s, size_t upto)
{
    size_t n = upto < s->size ? upto : s->size;
    /* check both ends and a stride through the middle to bound the cost */
    for (size_t i = 0; i < n; i += (i < 64 || i + 64 >= n) ? 1 : 61) {
        if (s->p[i] != pat(s->id, i))
            bad_fill++;
        checksum = (checksum ^ s->p[i]) * 1099511628211ULL;
    }
}

static size_t pick_size(void)
{
    uint64_t r = rng();
    switch (r % 16) {
    case 0: return 0;
    case 1: case 2: case 3: case 4: case 5: return 1 + (r >> 8) % 32;
    case 6: case 7: case 8: return 1 + (r >> 8) % 512;
    case 9: case 10: return 1 + (r >> 8) % 4096;
    case 11: case 12: return 1 + (r >> 8) % 65536;
    case 13: return 131072 + 4096 + (r >> 8) % 65536; /* above the default mmap threshold (128 KiB) */
    default: return 1 + (r >> 8) % 1024;
    }
}

int main(int argc, char **argv)
{
    (void)argv;
    rng_state = 0x9e3779b97f4a7c15ULL + (uint64_t)argc;
    long n_malloc = 0, n_free = 0, n_realloc = 0, n_calloc = 0, null_ret = 0;
    uint32_t next_id = 1;

    for (int op = 0; op < OPS; op++) {
        struct slot *s = &slots[rng() % SLOTS];
        uint64_t what = rng() % 10;
        if (s->p == NULL) {
            s->size = pick_size();
            s->id = next_id++;
            if (what < 2) {
                s->p = calloc(1, s->size);
                n_calloc++;
                if (s->p)
                    for (size_t i = 0; i < s->size; i++)
                        if (s->p[i] != 0) {
                            bad_fill++;
                            break;
                        }
            } else {
                s->p = malloc(s->size);
                n_malloc++;
            }
            if (!s->p) {
                if (s->size)
                    null_ret++;
                s->size = 0;
                continue;
            }
            fill(s, 0);
        } else if (what < 4) {
            size_t old = s->size;
            size_t nsize = pick_size();
            if (nsize == 0)
                nsize = 1;
            verify(s, old);
            unsigned char *np = realloc(s->p, nsize);
            n_realloc++;
            if (!np) {
                null_ret++;
                continue;
            }
            s->p = np;
            s->size = nsize;
            verify(s, old < nsize ? old : nsize); /* contents preserved */
            if (nsize > old)
                fill(s, old);
        } else {
            verify(s, s->size);
            free(s->p);
            n_free++;
            s->p = NULL;
            s->size = 0;
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].p) {
            verify(&slots[i], slots[i].size);
            free(slots[i].p);
            n_free++;
        }
    }

    /* aligned allocations */
    long bad_align = 0;
    for (size_t al = sizeof(void *); al <= 65536; al *= 2) {
        for (int k = 0; k < 4; k++) {
            void *p = NULL;
            if (posix_memalign(&p, al, 1 + k * 1000) != 0) {
                bad_align++;
                continue;
            }
            if ((uintptr_t)p % al != 0)
                bad_align++;
            memset(p, 0xab, 1 + k * 1000);
            free(p);
        }
    }

    /* malloc(huge) must fail cleanly */
    void *huge = malloc((size_t)1 << 62);
    printf("malloc(2^62) returned NULL: %s\n", huge == NULL ? "yes" : "no");

    /* raw brk: grow, write, shrink back (musl's sbrk only supports 0) */
    char *b0 = (char *)syscall(SYS_brk, 0);
    char *b1 = (char *)syscall(SYS_brk, b0 + 8192);
    int brk_ok = b1 == b0 + 8192;
    if (brk_ok) {
        memset(b0, 0x5a, 8192);
        brk_ok = b0[0] == 0x5a && b0[8191] == 0x5a;
        brk_ok = brk_ok && (char *)syscall(SYS_brk, b0) == b0;
    }
    printf("brk grow/write/shrink: %s\n", brk_ok ? "ok" : "failed");
    char *huge_brk = (char *)syscall(SYS_brk, b0 + ((size_t)1 << 47));
    printf("brk beyond the address space fails (returns old break): %s\n", huge_brk == b0 ? "yes" : "no");

    printf("malloc=%ld calloc=%ld realloc=%ld free=%ld null=%ld\n", n_malloc, n_calloc,
           n_realloc, n_free, null_ret);
    printf("bad fill=%ld bad align=%ld\n", bad_fill, bad_align);
    printf("checksum=%016llx\n", (unsigned long long)checksum);
    return 0;
}
