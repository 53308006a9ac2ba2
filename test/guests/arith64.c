/* arith64: 64-bit (and 8/16/32-bit) integer arithmetic: add/sub/mul/div/mod
 * signed and unsigned, shifts and rotates by every count 0..63,
 * clz/ctz/popcount/parity/bswap, __int128 multiply/divide (libgcc's
 * __divti3 & co.), overflow builtins. Operands come from a table of edge
 * values and from a PRNG seeded with argc so nothing is constant-folded. */
#include <stdint.h>
#include <stdio.h>

typedef unsigned __int128 u128;
typedef __int128 s128;

static const uint64_t edge[] = {
    0, 1, 2, 3, 7, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
    0xffffffff, 0x100000000ULL, 0x123456789abcdef0ULL, 0x7fffffffffffffffULL,
    0x8000000000000000ULL, 0xfffffffffffffffeULL, 0xffffffffffffffffULL,
};
#define NEDGE (sizeof edge / sizeof edge[0])

static uint64_t rs;
static uint64_t rng(void)
{
    rs ^= rs >> 12;
    rs ^= rs << 25;
    rs ^= rs >> 27;
    return rs * 2685821657736338717ULL;
}

struct acc {
    const char *name;
    uint64_t h;
};
static void mix(struct acc *a, uint64_t v) { a->h = (a->h ^ v) * 0x100000001b3ULL + (v >> 32); }

/* opaque identity: stops the compiler from folding constant operands */
static uint64_t opq(uint64_t v)
{
    __asm__("" : "+r"(v));
    return v;
}

__attribute__((noinline)) static uint64_t rol64(uint64_t x, unsigned n) { return (x << (n & 63)) | (x >> ((64 - n) & 63)); }
__attribute__((noinline)) static uint64_t ror64(uint64_t x, unsigned n) { return (x >> (n & 63)) | (x << ((64 - n) & 63)); }
__attribute__((noinline)) static uint32_t rol32(uint32_t x, unsigned n) { return (x << (n & 31)) | (x >> ((32 - n) & 31)); }
__attribute__((noinline)) static uint16_t rol16(uint16_t x, unsigned n) { return (uint16_t)((x << (n & 15)) | (x >> ((16 - n) & 15))); }
__attribute__((noinline)) static uint8_t ror8(uint8_t x, unsigned n) { return (uint8_t)((x >> (n & 7)) | (x << ((8 - n) & 7))); }

static void binops(uint64_t a, uint64_t b, struct acc *acc)
{
    int64_t sa = (int64_t)a, sb = (int64_t)b;
    mix(&acc[0], a + b);
    mix(&acc[0], a - b);
    mix(&acc[0], (uint32_t)a + (uint32_t)b);
    mix(&acc[0], (uint64_t)(int64_t)(int32_t)((uint32_t)a - (uint32_t)b));
    mix(&acc[1], a * b);
    mix(&acc[1], (uint64_t)(sa * sb));
    mix(&acc[1], (uint64_t)((u128)a * b >> 64));
    mix(&acc[1], (uint64_t)((s128)sa * sb >> 64));
    mix(&acc[1], (uint32_t)a * (uint32_t)b);
    mix(&acc[1], (uint64_t)(int64_t)((int32_t)a * (int64_t)(int32_t)b));
    mix(&acc[1], (uint16_t)((uint16_t)a * (uint16_t)b));
    if (b) {
        mix(&acc[2], a / b);
        mix(&acc[2], a % b);
        mix(&acc[2], (uint32_t)b ? (uint32_t)a / (uint32_t)b : 0);
        mix(&acc[2], (uint8_t)b ? (uint8_t)a % (uint8_t)b : 0);
        if (!(sa == INT64_MIN && sb == -1)) {
            mix(&acc[3], (uint64_t)(sa / sb));
            mix(&acc[3], (uint64_t)(sa % sb));
        }
        if ((int32_t)b && !((int32_t)a == INT32_MIN && (int32_t)b == -1)) {
            mix(&acc[3], (uint64_t)(int64_t)((int32_t)a / (int32_t)b));
            mix(&acc[3], (uint64_t)(int64_t)((int32_t)a % (int32_t)b));
        }
    }
    mix(&acc[4], a & b);
    mix(&acc[4], a | b);
    mix(&acc[4], a ^ b);
    mix(&acc[4], ~a);
    mix(&acc[4], -a);
    mix(&acc[5], (uint64_t)(a < b) | (uint64_t)(sa < sb) << 1 | (uint64_t)(a == b) << 2 |
                     (uint64_t)((uint32_t)a < (uint32_t)b) << 3 |
                     (uint64_t)((int32_t)a < (int32_t)b) << 4 | (uint64_t)((int8_t)a < (int8_t)b) << 5);
    mix(&acc[5], sa < sb ? a : b);   /* cmov */
    mix(&acc[5], a > b ? a - b : b - a);
}

int main(int argc, char **argv)
{
    (void)argv;
    rs = 0x0123456789abcdefULL * (uint64_t)argc;

    /* 1. edge table: print every pair */
    for (size_t i = 0; i < NEDGE; i++) {
        for (size_t j = 0; j < NEDGE; j++) {
            uint64_t a = opq(edge[i]), b = opq(edge[j]);
            int64_t sa = (int64_t)a, sb = (int64_t)b;
            printf("%016llx %016llx: add=%016llx sub=%016llx mul=%016llx umulh=%016llx",
                   (unsigned long long)a, (unsigned long long)b, (unsigned long long)(a + b),
                   (unsigned long long)(a - b), (unsigned long long)(a * b),
                   (unsigned long long)((u128)a * b >> 64));
            if (b)
                printf(" udiv=%llx umod=%llx", (unsigned long long)(a / b), (unsigned long long)(a % b));
            if (b && !(sa == INT64_MIN && sb == -1))
                printf(" sdiv=%lld smod=%lld", (long long)(sa / sb), (long long)(sa % sb));
            printf("\n");
        }
    }

    /* 2. shifts and rotates by every count 0..63, variable counts */
    for (size_t i = 0; i < NEDGE; i++) {
        uint64_t x = opq(edge[i]) ^ (i & 1 ? 0x5a5a000000000000ULL : 0);
        struct acc sh[8] = {{"shl"}, {"shr"}, {"sar"}, {"rol"}, {"ror"}, {"rol32"}, {"rol16"}, {"ror8"}};
        for (int k = 0; k < 8; k++)
            sh[k].h = 0xcbf29ce484222325ULL;
        for (unsigned n = 0; n < 64; n++) {
            unsigned c = (unsigned)opq(n);
            mix(&sh[0], x << c);
            mix(&sh[1], x >> c);
            mix(&sh[2], (uint64_t)((int64_t)x >> c));
            mix(&sh[3], rol64(x, c));
            mix(&sh[4], ror64(x, c));
            mix(&sh[5], rol32((uint32_t)x, c));
            mix(&sh[5], (uint32_t)x << (c & 31));
            mix(&sh[5], (uint64_t)(int64_t)((int32_t)x >> (c & 31)));
            mix(&sh[6], rol16((uint16_t)x, c));
            mix(&sh[7], ror8((uint8_t)x, c));
        }
        printf("shifts %016llx:", (unsigned long long)x);
        for (int k = 0; k < 8; k++)
            printf(" %s=%08llx", sh[k].name, (unsigned long long)(sh[k].h >> 32));
        printf("\n");
    }
    /* constant-count forms */
    {
        uint64_t x = opq(0x8123456789abcdefULL);
        printf("const shifts: %016llx %016llx %016llx %016llx %016llx\n",
               (unsigned long long)(x << 1), (unsigned long long)(x >> 63),
               (unsigned long long)((int64_t)x >> 13), (unsigned long long)rol64(x, 17),
               (unsigned long long)ror64(x, 5));
    }

    /* 3. bit operations */
    for (size_t i = 0; i < NEDGE; i++) {
        uint64_t x = opq(edge[i]) ^ opq(i * 0x0101010101010101ULL);
        printf("bits %016llx: clz=%d ctz=%d pop=%d parity=%d clz32=%d ctz32=%d bswap64=%016llx bswap32=%08x bswap16=%04x\n",
               (unsigned long long)x, x ? __builtin_clzll(x) : -1, x ? __builtin_ctzll(x) : -1,
               __builtin_popcountll(x), __builtin_parityll(x),
               (uint32_t)x ? __builtin_clz((uint32_t)x) : -1, (uint32_t)x ? __builtin_ctz((uint32_t)x) : -1,
               (unsigned long long)__builtin_bswap64(x), __builtin_bswap32((uint32_t)x),
               __builtin_bswap16((uint16_t)x));
    }

    /* 4. __int128 */
    for (int i = 0; i < 24; i++) {
        u128 a = ((u128)rng() << 64) | rng();
        u128 b = i % 3 == 0 ? (u128)(rng() >> (i % 60)) + 1 : ((u128)(rng() >> 33) << 64) | rng();
        s128 sa = (s128)a, sb = (s128)b;
        if (i % 4 == 1)
            sb = -sb;
        u128 q = a / b, r = a % b;
        s128 sq = sa / sb, sr = sa % sb;
        u128 m = a * b;
        printf("i128 #%d: q=%016llx%016llx r=%016llx%016llx sq=%016llx%016llx sr=%016llx%016llx mul=%016llx%016llx ok=%d\n",
               i, (unsigned long long)(q >> 64), (unsigned long long)q, (unsigned long long)(r >> 64),
               (unsigned long long)r, (unsigned long long)((u128)sq >> 64), (unsigned long long)sq,
               (unsigned long long)((u128)sr >> 64), (unsigned long long)sr,
               (unsigned long long)(m >> 64), (unsigned long long)m, q * b + r == a && sq * sb + sr == sa);
    }

    /* 5. overflow builtins */
    for (size_t i = 0; i < NEDGE; i += 3) {
        for (size_t j = 0; j < NEDGE; j += 2) {
            uint64_t a = opq(edge[i]), b = opq(edge[j]);
            uint64_t ur;
            int64_t sr;
            int32_t s32;
            uint8_t u8;
            int o1 = __builtin_add_overflow(a, b, &ur);
            int o2 = __builtin_sub_overflow((int64_t)a, (int64_t)b, &sr);
            int o3 = __builtin_mul_overflow((int64_t)a, (int64_t)b, &sr);
            int o4 = __builtin_mul_overflow(a, b, &ur);
            int o5 = __builtin_add_overflow((int32_t)a, (int32_t)b, &s32);
            int o6 = __builtin_mul_overflow((uint8_t)a, (uint8_t)b, &u8);
            int o7 = __builtin_sub_overflow(a, b, &ur);
            printf("ovf %llx %llx: %d%d%d%d%d%d%d\n", (unsigned long long)a, (unsigned long long)b,
                   o1, o2, o3, o4, o5, o6, o7);
        }
    }

    /* 6. random operands, hashed per operation class */
    struct acc acc[6] = {{"addsub"}, {"mul"}, {"udiv"}, {"sdiv"}, {"logic"}, {"cmp"}};
    for (int k = 0; k < 6; k++)
        acc[k].h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < 20000; i++) {
        uint64_t a = rng(), b = rng();
        switch (i % 4) {
        case 1: b >>= (a & 63); break;
        case 2: a >>= (b & 63); break;
        case 3: b = (uint64_t)(int64_t)(int8_t)b; break;
        }
        binops(a, b, acc);
    }
    for (int k = 0; k < 6; k++)
        printf("random %-6s %016llx\n", acc[k].name, (unsigned long long)acc[k].h);

    /* 7. narrow types, sign/zero extension */
    for (size_t i = 0; i < NEDGE; i++) {
        uint64_t x = opq(edge[i]);
        printf("ext %016llx: s8=%lld s16=%lld s32=%lld u8=%llu u16=%llu u32=%llu\n", (unsigned long long)x,
               (long long)(int8_t)x, (long long)(int16_t)x, (long long)(int32_t)x,
               (unsigned long long)(uint8_t)x, (unsigned long long)(uint16_t)x,
               (unsigned long long)(uint32_t)x);
    }
    return 0;
}
