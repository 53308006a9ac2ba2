/* rep_strings: rep movs / rep stos of every element size over page boundaries, with overlapping
 * ranges, counts from 0 to ~63000 bytes, and the direction flag set, against the host CPU. The
 * translator and the interpreter move whole page-bounded chunks at once (Mmu.movsChunk/stosChunk)
 * and must leave memory and RSI/RDI/RCX exactly as the element-by-element instruction does. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned char a[70000], b[70000];
static uint64_t q[9000], r[9000];

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull; }

int main(void)
{
    for (int i = 0; i < 70000; i++) a[i] = (unsigned char)(i * 7 + 3);
    for (int i = 0; i < 9000; i++) q[i] = (uint64_t)i * 0x9e3779b97f4a7c15ull;
    uint64_t h = 1469598103934665603ull;
    for (int sz = 0; sz < 9000; sz += 37) {
        int off = sz % 13;
        unsigned char *d = b + off;
        const unsigned char *s = a + sz % 29;
        long c = (long)sz * 7;
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(c) : : "memory");
        h = mix(h, (uint64_t)(d - b) + (uint64_t)(s - a) * 3 + (uint64_t)c);
        uint64_t *dq = r, *sq = q;
        long cq = sz;
        __asm__ volatile("rep movsq" : "+D"(dq), "+S"(sq), "+c"(cq) : : "memory");
        uint64_t *fq = q + sz % 5;
        long cf = sz / 3;
        __asm__ volatile("rep stosq" : "+D"(fq), "+c"(cf) : "a"(0x0102030405060708ull + (uint64_t)sz) : "memory");
        unsigned char *fb = a + 5000 + off;
        long cb = sz;
        __asm__ volatile("rep stosb" : "+D"(fb), "+c"(cb) : "a"(sz) : "memory");
        unsigned char *fw = a + 20001 + off;
        long cw = sz / 2;
        __asm__ volatile("rep stosw" : "+D"(fw), "+c"(cw) : "a"(sz * 3) : "memory");
        unsigned char *fl = a + 40003;
        long cl = sz / 4;
        __asm__ volatile("rep stosl" : "+D"(fl), "+c"(cl) : "a"(sz * 5) : "memory");
        /* Overlapping forward copy (destination inside the source): replicates the first byte. */
        unsigned char *od = a + 60001;
        const unsigned char *os = a + 60000;
        long oc = 300 + sz % 700;
        __asm__ volatile("rep movsb" : "+D"(od), "+S"(os), "+c"(oc) : : "memory");
        /* Overlapping the other way, and a backward copy (DF = 1). */
        unsigned char *bd = a + 61000;
        const unsigned char *bs = a + 61003;
        long bc = 500;
        __asm__ volatile("rep movsb" : "+D"(bd), "+S"(bs), "+c"(bc) : : "memory");
        unsigned char *rd = b + 65000;
        const unsigned char *rs = a + 65500;
        long rc = 4000 + sz % 100;
        __asm__ volatile("std; rep movsb; cld" : "+D"(rd), "+S"(rs), "+c"(rc) : : "memory");
        h = mix(h, (uint64_t)(fq - q) + (uint64_t)(fb - a) + (uint64_t)(fw - a) + (uint64_t)(fl - a) + (uint64_t)(od - a) + (uint64_t)(rd - b));
        for (int i = 0; i < 70000; i += 97) h = mix(h, a[i] + 256u * b[i]);
        for (int i = 0; i < 9000; i += 13) h = mix(h, r[i] + q[i]);
    }
    printf("rep_strings: %016llx\n", (unsigned long long)h);
    return 0;
}
