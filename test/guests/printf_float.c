/* printf_float: %f %e %g %a (and %F %E %G %A, long double %L*) at several
 * precisions and flags, special values, and strtod/strtof round trips.
 * musl formats floating point with x87 long double arithmetic, so the musl
 * build of this guest exercises the x87 unit. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    const double vals[] = {0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 1.0 / 3.0, 2.0 / 3.0, 3.14159265358979,
                           2.718281828459045, 1e-5, 123456.789, 1e15, 1e16, 1e21, 1e22,
                           1.7976931348623157e308, 2.2250738585072014e-308, 4.9e-324,
                           9.5, 0.125, 1234567.0, -987.654321, 0.000123456789, 5e-324 * 3,
                           HUGE_VAL, -HUGE_VAL, NAN};
    const char *fmts[] = {"%f", "%.0f", "%.1f", "%.3f", "%.10f", "%e", "%.0e", "%.2e", "%.15e",
                          "%g", "%.0g", "%.3g", "%.10g", "%.17g", "%#g", "%a", "%.3a", "%A",
                          "%+f", "% e", "%12.4f", "%-12.4e|", "%012.3f", "%#.0f", "%#.0e", "%F", "%E",
                          "%G"};
    for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
        printf("[%zu]", v);
        for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
            printf(" ");
            printf(fmts[f], vals[v]);
        }
        printf("\n");
    }
    /* rounding at the halfway point */
    const double halves[] = {0.5, 1.5, 2.5, 0.125, 0.375, 1.005, 2.675, 1e-7 * 5};
    for (size_t i = 0; i < sizeof halves / sizeof halves[0]; i++)
        printf("round %.17g: %.0f %.2f %.1e\n", halves[i], halves[i], halves[i], halves[i]);

    /* powers of two and ten */
    double p = 1.0;
    for (int i = 0; i < 70; i += 7, p *= 1e7)
        printf("1e%d: %.6e %g %.0f\n", i, p, p, p);
    double q = 1.0;
    for (int i = 0; i < 1100; i += 100, q = ldexp(1.0, -i))
        printf("2^-%d: %.17g %a\n", i, q, q);

    /* long double */
    const long double lds[] = {0.0L, 1.0L / 3.0L, -2.5L, 1e100L, 1e-100L, 12345678901234567890.0L,
                               LDBL_MAX, LDBL_MIN};
    for (size_t i = 0; i < sizeof lds / sizeof lds[0]; i++)
        printf("long double: %Lf %.20Le %Lg %.25Lg\n", lds[i], lds[i], lds[i], lds[i]);

    /* float promoted */
    float fv = 3.14159f;
    printf("float: %f %.10e %a\n", fv, fv, fv);

    /* strtod round trips */
    const char *inputs[] = {"0", "-0", "1e308", "1e309", "-1e309", "4.9e-324", "2.4e-324",
                            "0x1.fffffffffffffp1023", "0.1", "3.141592653589793238462643383279",
                            "inf", "-Infinity", "nan", "  12.5e+2xyz", ".5", "5.", "1e-400",
                            "123456789012345678901234567890", "0x1p-1074", "2.2250738585072011e-308"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char *end;
        double d = strtod(inputs[i], &end);
        float f = strtof(inputs[i], NULL);
        unsigned long long bits;
        memcpy(&bits, &d, sizeof bits);
        unsigned fbits;
        memcpy(&fbits, &f, sizeof fbits);
        char back[64];
        snprintf(back, sizeof back, "%.17g", d);
        double d2 = strtod(back, NULL);
        printf("strtod(\"%s\") = %.17g bits=%016llx end=%ld float=%08x roundtrip=%s\n", inputs[i], d,
               bits, (long)(end - inputs[i]), fbits,
               (isnan(d) && isnan(d2)) || memcmp(&d, &d2, sizeof d) == 0 ? "yes" : "no");
    }
    return 0;
}
