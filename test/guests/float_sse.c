/* float_sse: scalar SSE/SSE2 floating point: + - * / sqrt, min/max,
 * conversions to and from integers (truncating and rounding, out of range
 * -> "integer indefinite"), float<->double, comparisons with NaN, and
 * rounding via the MXCSR rounding mode (fesetround). Results are printed
 * as raw bit patterns (no printf float formatting), so this does not depend
 * on the libc's x87 use. */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static double opq(double d) { __asm__("" : "+x"(d)); return d; }
static float opqf(float f) { __asm__("" : "+x"(f)); return f; }

int main(void)
{
    const double v[] = {0.0, -0.0, 1.0, -1.5, 0.1, 3.0, 1e300, -1e-300, 4.9e-324, 2.5, -2.5,
                        9007199254740993.0, 1e19, -9.3e18, INFINITY, -INFINITY, NAN};
    const int n = sizeof v / sizeof v[0];
    for (int i = 0; i < n; i++) {
        double a = opq(v[i]);
        printf("%016llx: sqrt=%016llx neg=%016llx f32=%08x", (unsigned long long)bits(a),
               (unsigned long long)bits(sqrt(a)), (unsigned long long)bits(-a), fbits((float)a));
        long long t;
        int it;
        __asm__("cvttsd2si %1, %0" : "=r"(t) : "x"(a));
        __asm__("cvttsd2si %1, %0" : "=r"(it) : "x"(a));
        long long r;
        __asm__("cvtsd2si %1, %0" : "=r"(r) : "x"(a));
        printf(" cvtt64=%llx cvtt32=%x cvt64=%llx\n", (unsigned long long)t, (unsigned)it, (unsigned long long)r);
        uint64_t h = 0;
        for (int j = 0; j < n; j++) {
            double b = opq(v[j]);
            h = h * 1000003 ^ bits(a + b);
            h = h * 1000003 ^ bits(a - b);
            h = h * 1000003 ^ bits(a * b);
            h = h * 1000003 ^ bits(a / b);
            h = h * 1000003 ^ fbits((float)a * (float)b);
            h = h * 1000003 ^ fbits((float)a / (float)b);
            h = h * 1000003 ^ (uint64_t)((a < b) | (a <= b) << 1 | (a == b) << 2 | (a != b) << 3 |
                                         (a > b) << 4 | isunordered(a, b) << 5);
            double mn, mx;
            __asm__("movsd %1, %0\n\tminsd %2, %0" : "=&x"(mn) : "x"(a), "x"(b));
            __asm__("movsd %1, %0\n\tmaxsd %2, %0" : "=&x"(mx) : "x"(a), "x"(b));
            h = h * 1000003 ^ bits(mn) ^ (bits(mx) << 1);
        }
        printf("    binops hash %016llx\n", (unsigned long long)h);
    }
    /* integer -> floating */
    const long long ints[] = {0, 1, -1, 123456789, (1LL << 53) + 1, (1LL << 62) + 3, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        volatile long long x = ints[i];
        volatile unsigned long long ux = (unsigned long long)ints[i];
        printf("int %llx -> double %016llx float %08x; unsigned -> double %016llx\n", (unsigned long long)x,
               (unsigned long long)bits((double)x), fbits((float)x), (unsigned long long)bits((double)ux));
    }
    /* rounding modes */
    const int modes[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
    const char *names[] = {"nearest", "down", "up", "zero"};
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        double third = opq(1.0) / opq(3.0);
        double mthird = opq(-1.0) / opq(3.0);
        long long r1, r2;
        double a = opq(2.5), b = opq(-2.5);
        __asm__("cvtsd2si %1, %0" : "=r"(r1) : "x"(a));
        __asm__("cvtsd2si %1, %0" : "=r"(r2) : "x"(b));
        printf("round %-7s: 1/3=%016llx -1/3=%016llx cvt(2.5)=%lld cvt(-2.5)=%lld float(0.1)=%08x\n", names[m],
               (unsigned long long)bits(third), (unsigned long long)bits(mthird), r1, r2,
               fbits(opqf(1.0f) / opqf(10.0f)));
    }
    fesetround(FE_TONEAREST);
    /* exception flags */
    feclearexcept(FE_ALL_EXCEPT);
    volatile double z = opq(0.0);
    volatile double q = 1.0 / z;
    (void)q;
    printf("FE_DIVBYZERO raised: %d\n", fetestexcept(FE_DIVBYZERO) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    q = opq(1.0) / opq(3.0);
    printf("FE_INEXACT raised: %d FE_INVALID raised: %d\n", fetestexcept(FE_INEXACT) != 0, fetestexcept(FE_INVALID) != 0);
    q = opq(0.0) / opq(0.0);
    printf("0/0 sets FE_INVALID: %d\n", fetestexcept(FE_INVALID) != 0);
    /* a sum that depends on exact IEEE double rounding */
    double s = 0;
    for (int i = 1; i <= 100000; i++)
        s += 1.0 / ((double)i * (double)i);
    printf("sum 1/i^2 = %016llx\n", (unsigned long long)bits(s));
    return 0;
}
