/* printf_fmt: integer, character, string and pointer conversions with every
 * length modifier, flag, width and precision (no floating point: see
 * printf_float). */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int main(void)
{
    const long long vals[] = {0, 1, -1, 42, -42, 127, -128, 255, 32767, -32768, 65535,
                              INT_MAX, INT_MIN, UINT_MAX, LLONG_MAX, LLONG_MIN, 0x123456789LL};
    const char *fmts[] = {"%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%.3d", "%8.3d",
                          "%-+8.3d|", "%x", "%X", "%#x", "%#o", "%o", "%u", "%08x", "%#010x",
                          "%.0d", "%+.0d", "%#.0o", "%*d", "%-*d|", "%.*d"};
    int line = 0;
    for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
        long long x = vals[v];
        printf("[%d] value %lld:", line++, x);
        for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
            printf(" ");
            if (fmts[f][1] == '*' || fmts[f][2] == '*' || fmts[f][3] == '*')
                printf(fmts[f], 6, (int)x);
            else
                printf(fmts[f], (int)x);
        }
        printf("\n");
        printf("   hh: %hhd %hhu %hhx | h: %hd %hu %hx | l: %ld %lu %lx | ll: %lld %llu %llX %llo\n",
               (signed char)x, (unsigned char)x, (unsigned char)x, (short)x, (unsigned short)x,
               (unsigned short)x, (long)x, (unsigned long)x, (unsigned long)x, x,
               (unsigned long long)x, (unsigned long long)x, (unsigned long long)x);
        printf("   j: %jd %ju z: %zd %zu t: %td  %#llx %+lld %-25lld| %025lld\n", (intmax_t)x,
               (uintmax_t)x, (ssize_t)x, (size_t)x, (ptrdiff_t)x, (unsigned long long)x, x, x, x);
    }

    printf("chars: [%c] [%3c] [%-3c] [%c%c%c]\n", 'A', 'b', 'c', 'x', 'y', 'z');
    printf("percent: [%%] [%%%%]\n");
    const char *s = "ringjit";
    printf("strings: [%s] [%10s] [%-10s] [%.3s] [%10.3s] [%-10.3s] [%.0s] [%.*s]\n", s, s, s, s, s,
           s, s, 4, s);
    printf("empty: [%s] [%5s]\n", "", "");
    printf("pointer: [%p] [%p]\n", (void *)0x1234, (void *)(uintptr_t)0xdeadbeefcafeULL);
    int n1 = 0, n2 = 0;
    printf("count%n this%n\n", &n1, &n2);
    printf("n1=%d n2=%d\n", n1, n2);
    int r = printf("%s=%d\n", "return value", 12345);
    printf("printf returned %d\n", r);
    r = fprintf(stderr, "to stderr %d\n", 7);
    printf("fprintf(stderr) returned %d\n", r);
    /* positional arguments */
    printf("positional: %2$s %1$s %3$05d\n", "world", "hello", 42);
    /* long output line */
    for (int i = 0; i < 64; i++)
        printf("%x", i & 15);
    printf("\n");
    char big[5000];
    int len = snprintf(big, sizeof big, "%4096d|%s", 1, "tail");
    printf("wide field length %d tail=%s\n", len, big + 4097);
    return 0;
}
