/* long_double: x87 extended-precision arithmetic as gcc -O2 emits it for
 * long double (fld/fstp/fxch, fadd/fsub/fmul/fdiv and their p-forms,
 * fucomip, fistp with a changed control word, fchs/fabs), libm's long double
 * functions (sqrtl, fmodl, remainderl, rintl, floorl, ldexpl, frexpl), strtold,
 * printf's %Lg/%La, and all four rounding modes via fesetround. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

int main(void) {
  long double vals[] = {0.0L, -0.0L, 1.0L, 0.1L, 1.0L / 3.0L, -2.5L, 1e100L, 1e-100L, 12345678901234567890.0L,
                        LDBL_MAX, LDBL_MIN, LDBL_MIN / 7, 3.14159265358979323846L, 1e4000L, -1e-4000L, 2.5L, 3.5L, -0.5L};
  int n = sizeof vals / sizeof vals[0];
  for (int i = 0; i < n; i++) {
    long double x = vals[i];
    for (int j = 0; j < n; j++) {
      long double y = vals[(j * 7 + 3) % n];
      printf("%d %d: %La %La %La %La %La\n", i, j, x + y, x - y, x * y, y != 0 ? x / y : 0.0L, x * 3 - y);
    }
    printf("sqrt %La fmod %La rem %La rint %La floor %La ceil %La trunc %La\n",
           sqrtl(fabsl(x)), fmodl(x, 0.7L), remainderl(x, 0.7L), rintl(x), floorl(x), ceill(x), truncl(x));
    printf("conv %lld %d %a %a %.21Lg ldexp %La frexp %La\n", (long long)(x < 9e18L && x > -9e18L ? x : 0),
           (int)(x < 2e9L && x > -2e9L ? x : 0), (double)x, (float)x, x, ldexpl(x, -5), frexpl(x, &(int){0}));
    printf("cmp %d %d %d %d isnan %d isinf %d signbit %d fpclass %d\n", x < 1, x <= 0.1L, x == 2.5L, x > -1,
           isnan(x), isinf(x), signbit(x) != 0, fpclassify(x));
  }
  const char *ins[] = {"0.1", "1e4000", "1e-4950", "3.14159265358979323846264338327950288", "0x1.fffffffffffffffep16383", "nan", "-inf", "123456789012345678901234567890"};
  for (int i = 0; i < 8; i++) { long double v = strtold(ins[i], 0); printf("strtold %s = %.25Lg %La\n", ins[i], v, v); }
  for (int r = 0; r < 4; r++) {
    int modes[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
    fesetround(modes[r]);
    volatile long double a = 1.0L, b = 3.0L;
    printf("round %d: %La %La %.3Lf %ld\n", r, a / b, -a / b, a / b, lrintl(2.5L + r));
  }
  return 0;
}
