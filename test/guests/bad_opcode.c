/* bad_opcode: prints a line, flushes, then executes ud2 -> SIGILL.
 * The global label expected_fault marks the faulting instruction so the
 * harness can check the rip ringjit reports. */
#include <stdio.h>

int main(void)
{
    printf("about to execute ud2\n");
    fflush(stdout);
    fprintf(stderr, "bad_opcode: stderr before fault\n");
    __asm__ volatile(".globl expected_fault\n"
                     "expected_fault:\n\t"
                     "ud2");
    printf("not reached\n");
    return 0;
}
