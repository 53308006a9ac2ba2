/* exit_codes: exits with the status given in argv[1].
 * argv[2] selects how: "return" (from main, default), "exit" (runs atexit
 * handlers and flushes stdio), "_exit" (raw exit_group: unflushed stdout is
 * lost, atexit handlers do not run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void at_exit_handler(void)
{
    printf("atexit handler ran\n");
}

int main(int argc, char **argv)
{
    int status = argc > 1 ? atoi(argv[1]) : 0;
    const char *how = argc > 2 ? argv[2] : "return";

    atexit(at_exit_handler);
    printf("exit_codes: status=%d how=%s\n", status, how);
    fprintf(stderr, "exit_codes: stderr line (unbuffered)\n");
    if (strcmp(how, "exit") == 0)
        exit(status);
    if (strcmp(how, "_exit") == 0)
        _exit(status); /* stdout is a pipe: the buffered line above is lost */
    return status;
}
