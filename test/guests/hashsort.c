/* hashsort: a CPU-bound loop: SHA-256 and CRC-32 of generated data,
 * heapsort and merge sort of 100000 integers, a hash table with linear
 * probing. Prints digests only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256(const uint8_t *msg, size_t len, uint8_t out[32])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t total = ((len + 9 + 63) / 64) * 64;
    uint8_t *buf = calloc(1, total);
    memcpy(buf, msg, len);
    buf[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        buf[total - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t off = 0; off < total; off += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)buf[off + 4 * i] << 24 | (uint32_t)buf[off + 4 * i + 1] << 16 |
                   (uint32_t)buf[off + 4 * i + 2] << 8 | buf[off + 4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 64; i++) {
            uint32_t S1 = ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25);
            uint32_t ch = (e & f) ^ (~e & g);
            uint32_t t1 = hh + S1 + ch + K[i] + w[i];
            uint32_t S0 = ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22);
            uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
            uint32_t t2 = S0 + mj;
            hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    free(buf);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(h[i] >> (24 - 8 * j));
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static void sift(int32_t *a, size_t start, size_t end)
{
    size_t root = start;
    while (2 * root + 1 <= end) {
        size_t child = 2 * root + 1, sw = root;
        if (a[sw] < a[child])
            sw = child;
        if (child + 1 <= end && a[sw] < a[child + 1])
            sw = child + 1;
        if (sw == root)
            return;
        int32_t t = a[root]; a[root] = a[sw]; a[sw] = t;
        root = sw;
    }
}

static void heapsort_i(int32_t *a, size_t n)
{
    if (n < 2)
        return;
    for (size_t s = (n - 2) / 2 + 1; s-- > 0;)
        sift(a, s, n - 1);
    for (size_t end = n - 1; end > 0; end--) {
        int32_t t = a[0]; a[0] = a[end]; a[end] = t;
        sift(a, 0, end - 1);
    }
}

static void merge_sort(int32_t *a, int32_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t m = n / 2;
    merge_sort(a, tmp, m);
    merge_sort(a + m, tmp, n - m);
    size_t i = 0, j = m, k = 0;
    while (i < m && j < n)
        tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i < m)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

int main(void)
{
    enum { N = 100000, DATA = 1 << 18 };
    uint8_t *data = malloc(DATA);
    uint32_t x = 12345;
    for (size_t i = 0; i < DATA; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (uint8_t)(x >> 16);
    }
    uint8_t d[32];
    sha256((const uint8_t *)"abc", 3, d);
    printf("sha256(abc)=");
    for (int i = 0; i < 32; i++)
        printf("%02x", d[i]);
    printf("\nsha256(data)=");
    sha256(data, DATA, d);
    for (int i = 0; i < 32; i++)
        printf("%02x", d[i]);
    printf("\ncrc32(123456789)=%08x crc32(data)=%08x\n", crc32((const uint8_t *)"123456789", 9), crc32(data, DATA));

    int32_t *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), *tmp = malloc(N * sizeof *tmp);
    for (size_t i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        a[i] = b[i] = (int32_t)(x ^ (x >> 15));
    }
    heapsort_i(a, N);
    merge_sort(b, tmp, N);
    int ok = memcmp(a, b, N * sizeof *a) == 0;
    for (size_t i = 1; i < N; i++)
        ok &= a[i - 1] <= a[i];
    printf("sorts agree and ordered: %d min=%d max=%d crc=%08x\n", ok, a[0], a[N - 1],
           crc32((const uint8_t *)a, N * sizeof *a));

    /* open-addressing hash table of the sorted values */
    size_t cap = 1 << 18;
    uint32_t *keys = calloc(cap, sizeof *keys);
    uint32_t *vals = calloc(cap, sizeof *vals);
    size_t inserted = 0, probes = 0;
    for (size_t i = 0; i < N; i++) {
        uint32_t k = (uint32_t)b[i] | 1u;
        size_t s = (k * 2654435761u) & (cap - 1);
        while (keys[s] && keys[s] != k) {
            s = (s + 1) & (cap - 1);
            probes++;
        }
        if (!keys[s]) {
            keys[s] = k;
            inserted++;
        }
        vals[s]++;
    }
    uint64_t hs = 0;
    for (size_t s = 0; s < cap; s++)
        hs = hs * 31 + keys[s] * 7 + vals[s];
    printf("hash table: inserted=%zu probes=%zu digest=%016llx\n", inserted, probes, (unsigned long long)hs);
    return 0;
}
