/* null_deref: prints a line, flushes, then writes through a NULL pointer
 * -> SIGSEGV. The store is written in inline asm behind the global label
 * expected_fault so the harness can check the reported rip. */
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argv;
    /* argc - 1 == 0 at run time, but the compiler cannot know that. */
    volatile int *p = (volatile int *)(uintptr_t)(argc - 1);
    printf("about to write through NULL\n");
    fflush(stdout);
    __asm__ volatile(".globl expected_fault\n"
                     "expected_fault:\n\t"
                     "movl $0x2a, (%0)"
                     :
                     : "r"(p)
                     : "memory");
    printf("not reached\n");
    return 0;
}
