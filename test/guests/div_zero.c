/* div_zero: integer division by zero -> #DE -> SIGFPE (uncaught). */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argv;
    long num = 1000 + argc;
    long den = argc - 1; /* 0 at run time */
    long q;
    printf("about to divide by zero\n");
    fflush(stdout);
    __asm__ volatile("cqto\n\t"
                     ".globl expected_fault\n"
                     "expected_fault:\n\t"
                     "idivq %2"
                     : "=a"(q)
                     : "a"(num), "r"(den)
                     : "rdx", "cc");
    printf("not reached %ld\n", q);
    return 0;
}
