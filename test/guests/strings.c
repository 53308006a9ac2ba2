/* strings: the string.h / stdlib conversion routines across source and
 * destination alignments 0..15 and lengths 0..300, so the vectorised
 * (SSE2/AVX2/...) variants that ifunc picks hit every head and tail path.
 * Comparison results are reduced to their sign: implementations may return
 * any magnitude. Each function's results fold into its own checksum. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXLEN 300
#define BUFSZ (MAXLEN + 64 + 64)

static unsigned char A[BUFSZ] __attribute__((aligned(64)));
static unsigned char B[BUFSZ] __attribute__((aligned(64)));
static unsigned char C[BUFSZ] __attribute__((aligned(64)));

struct sum {
    const char *name;
    uint64_t h;
    long n;
};

static void mix(struct sum *s, uint64_t v)
{
    s->h = (s->h ^ v) * 0x100000001b3ULL;
    s->n++;
}

static void mix_buf(struct sum *s, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s->h = (s->h ^ p[i]) * 0x100000001b3ULL;
    s->n++;
}

static int sgn(long v) { return v < 0 ? -1 : v > 0; }

/* fill with printable non-zero bytes, deterministic */
static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)('a' + (i * 7 + seed * 13 + (i >> 4)) % 26);
}

enum { S_STRLEN, S_STRNLEN, S_STRCPY, S_STRNCPY, S_STRCAT, S_STRCMP, S_STRNCMP, S_MEMCMP,
       S_MEMCPY, S_MEMMOVE, S_MEMSET, S_MEMCHR, S_MEMRCHR, S_STRCHR, S_STRRCHR, S_STRSTR,
       S_STRSPN, S_STRCASECMP, S_STRDUP, S_COUNT };

static struct sum sums[S_COUNT] = {
    {"strlen"}, {"strnlen"}, {"strcpy"}, {"strncpy"}, {"strcat"}, {"strcmp"}, {"strncmp"},
    {"memcmp"}, {"memcpy"}, {"memmove"}, {"memset"}, {"memchr"}, {"memrchr"}, {"strchr"},
    {"strrchr"}, {"strstr"}, {"strspn"}, {"strcasecmp"}, {"strdup"},
};

static long off(const void *p, const void *base) { return p ? (long)((const char *)p - (const char *)base) : -1; }

int main(void)
{
    for (int i = 0; i < S_COUNT; i++)
        sums[i].h = 0xcbf29ce484222325ULL;

    for (size_t len = 0; len <= MAXLEN; len++) {
        for (unsigned al = 0; al < 16; al++) {
            unsigned bl = (al * 7 + len) % 16; /* second buffer alignment */
            unsigned char *s = A + 16 + al, *d = B + 16 + bl;

            memset(A, 0, sizeof A);
            fill(s, len, (unsigned)len);
            s[len] = 0;
            mix(&sums[S_STRLEN], strlen((char *)s));
            mix(&sums[S_STRNLEN], strnlen((char *)s, len / 2));
            mix(&sums[S_STRNLEN], strnlen((char *)s, len + 5));

            memset(B, 0x77, sizeof B);
            strcpy((char *)d, (char *)s);
            mix_buf(&sums[S_STRCPY], B, sizeof B);

            memset(B, 0x77, sizeof B);
            strncpy((char *)d, (char *)s, len + (len % 5)); /* pads with NULs */
            mix_buf(&sums[S_STRNCPY], B, sizeof B);

            memset(B, 0, sizeof B);
            fill(d, len % 17, 3);
            strcat((char *)d, (char *)s);
            mix_buf(&sums[S_STRCAT], B, sizeof B);

            /* comparisons: equal, and differing at every 37th position */
            memset(B, 0, sizeof B);
            memcpy(d, s, len + 1);
            mix(&sums[S_STRCMP], (uint64_t)sgn(strcmp((char *)s, (char *)d)));
            mix(&sums[S_MEMCMP], (uint64_t)sgn(memcmp(s, d, len)));
            mix(&sums[S_STRNCMP], (uint64_t)sgn(strncmp((char *)s, (char *)d, len)));
            mix(&sums[S_STRCASECMP], (uint64_t)sgn(strcasecmp((char *)s, (char *)d)));
            for (size_t k = 0; k < len; k += 37) {
                unsigned char save = d[k];
                d[k] = (unsigned char)(save + (k & 1 ? 1 : -1));
                mix(&sums[S_STRCMP], (uint64_t)sgn(strcmp((char *)s, (char *)d)));
                mix(&sums[S_MEMCMP], (uint64_t)sgn(memcmp(s, d, len)));
                mix(&sums[S_MEMCMP], (uint64_t)sgn(memcmp(d, s, k)));
                mix(&sums[S_STRNCMP], (uint64_t)sgn(strncmp((char *)s, (char *)d, k + 1)));
                mix(&sums[S_STRNCMP], (uint64_t)sgn(strncmp((char *)s, (char *)d, k)));
                d[k] = 0x80 | save; /* high bit: unsigned comparison */
                mix(&sums[S_STRCMP], (uint64_t)sgn(strcmp((char *)s, (char *)d)));
                mix(&sums[S_MEMCMP], (uint64_t)sgn(memcmp(s, d, len)));
                d[k] = (unsigned char)(save ^ 0x20); /* case flip */
                mix(&sums[S_STRCASECMP], (uint64_t)sgn(strcasecmp((char *)s, (char *)d)));
                mix(&sums[S_STRCASECMP], (uint64_t)sgn(strncasecmp((char *)s, (char *)d, k + 1)));
                d[k] = save;
            }

            memset(B, 0x11, sizeof B);
            memcpy(d, s, len);
            mix_buf(&sums[S_MEMCPY], B, sizeof B);

            /* overlapping moves both directions */
            memcpy(C, A, sizeof C);
            memmove(C + 16 + al + (len % 9), C + 16 + al, len);
            mix_buf(&sums[S_MEMMOVE], C, sizeof C);
            memcpy(C, A, sizeof C);
            memmove(C + 16 + al, C + 16 + al + (len % 9), len);
            mix_buf(&sums[S_MEMMOVE], C, sizeof C);

            memset(B, 0, sizeof B);
            memset(d, (int)(len & 0xff) | 1, len);
            mix_buf(&sums[S_MEMSET], B, sizeof B);

            /* searches: put a marker at several positions */
            for (size_t k = 0; k <= len; k += (len / 7) + 1) {
                unsigned char save = s[k];
                if (k < len)
                    s[k] = '#';
                mix(&sums[S_MEMCHR], (uint64_t)off(memchr(s, '#', len), s));
                mix(&sums[S_MEMRCHR], (uint64_t)off(memrchr(s, '#', len), s));
                mix(&sums[S_STRCHR], (uint64_t)off(strchr((char *)s, '#'), s));
                mix(&sums[S_STRCHR], (uint64_t)off(strchr((char *)s, 0), s));
                mix(&sums[S_STRCHR], (uint64_t)off(strchrnul((char *)s, '#'), s));
                mix(&sums[S_STRRCHR], (uint64_t)off(strrchr((char *)s, s[0] ? s[0] : 'x'), s));
                mix(&sums[S_STRRCHR], (uint64_t)off(strrchr((char *)s, '#'), s));
                mix(&sums[S_STRSPN], strspn((char *)s, "abcdefghijklm"));
                mix(&sums[S_STRSPN], strcspn((char *)s, "#z"));
                mix(&sums[S_STRSPN], (uint64_t)off(strpbrk((char *)s, "#y"), s));
                s[k] = save;
            }
            if (len > 4) {
                char needle[8];
                memcpy(needle, s + len / 2, 4);
                needle[4] = 0;
                mix(&sums[S_STRSTR], (uint64_t)off(strstr((char *)s, needle), s));
                needle[3] = '#';
                mix(&sums[S_STRSTR], (uint64_t)off(strstr((char *)s, needle), s));
                mix(&sums[S_STRSTR], (uint64_t)off(memmem(s, len, s + len - 3, 3), s));
            }
            mix(&sums[S_STRSTR], (uint64_t)off(strstr((char *)s, ""), s));

            if (al == 0) {
                char *dup = strdup((char *)s);
                mix(&sums[S_STRDUP], strlen(dup));
                mix(&sums[S_STRDUP], (uint64_t)sgn(strcmp(dup, (char *)s)));
                free(dup);
                dup = strndup((char *)s, len / 3);
                mix_buf(&sums[S_STRDUP], (unsigned char *)dup, strlen(dup) + 1);
                free(dup);
            }
        }
    }
    for (int i = 0; i < S_COUNT; i++)
        printf("%-10s calls=%-6ld hash=%016llx\n", sums[i].name, sums[i].n,
               (unsigned long long)sums[i].h);

    /* strtok */
    char text[] = "  alpha,beta;;gamma  delta,,epsilon ;zeta";
    int ntok = 0;
    for (char *t = strtok(text, " ,;"); t; t = strtok(NULL, " ,;"))
        printf("tok[%d]=%s\n", ntok++, t);
    char text2[] = "a=1&b=22&&c=333";
    char *save = NULL;
    for (char *t = strtok_r(text2, "&", &save); t; t = strtok_r(NULL, "&", &save))
        printf("tok_r=%s\n", t);

    /* sprintf / snprintf */
    char buf[64];
    int n = sprintf(buf, "%d|%5s|%-5s|%05d|%x", -42, "ab", "cd", 77, 0xbeefu);
    printf("sprintf n=%d buf=%s\n", n, buf);
    for (size_t sz = 0; sz <= 12; sz += 3) {
        memset(buf, '@', sizeof buf);
        n = snprintf(buf, sz, "hello %s %d", "world", 12345);
        printf("snprintf size=%zu ret=%d buf=%.20s\n", sz, n, sz ? buf : "(untouched)");
    }

    /* atoi / strtol / strtoul / strtoll */
    const char *nums[] = {"0", "42", "-42", "  +17xyz", "2147483647", "-2147483648",
                          "0x1fF", "0777", "9223372036854775807", "9223372036854775808",
                          "-9223372036854775809", "18446744073709551615", "abc", "", "  -0"};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        char *end;
        long v10 = strtol(nums[i], &end, 10);
        long e10 = end - nums[i];
        long v0 = strtol(nums[i], &end, 0);
        long e0 = end - nums[i];
        unsigned long long u = strtoull(nums[i], NULL, 0);
        printf("'%s': atoi=%d strtol10=%ld(end %ld) strtol0=%ld(end %ld) strtoull0=%llu\n", nums[i],
               i == 8 || i == 9 || i == 10 || i == 11 ? 0 : atoi(nums[i]), v10, e10, v0, e0, u);
    }
    static const char zz[] = "zz1011";
    for (int base = 2; base <= 37; base += 7) {
        char *end;
        const char *arg = base < 36 ? zz + 2 : zz;
        long v = strtol(arg, &end, base > 36 ? 36 : base);
        printf("strtol(\"%s\",%d)=%ld end=%ld\n", arg, base > 36 ? 36 : base, v, (long)(end - zz));
    }
    return 0;
}
