/* hello: the smallest libc program. Exercises startup (TLS setup, auxv,
 * ifunc resolution), buffered stdout and exit. */
#include <stdio.h>

int main(void)
{
    printf("Hello, world!\n");
    puts("ringjit guest: hello");
    return 0;
}
