/* syscalls: a system-call-heavy loop: getppid(), and write() of 0/1/64 bytes to /dev/null.
 * Argument: iterations in thousands. */
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "common.h"

int main(int argc, char **argv)
{
    long n = bench_iters(argc, argv, 300) * 1000;
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) { perror("open /dev/null"); return 1; }
    static const char msg[64] = "ringjit syscall benchmark ................................... \n";
    pid_t ppid0 = getppid();
    long ok = 0, bytes = 0;
    for (long i = 0; i < n; i++) {
        if (getppid() == ppid0)
            ok++;
        size_t len = (i & 3) == 0 ? 64 : (size_t)(i & 1);
        ssize_t w = write(fd, msg, len);
        if (w > 0)
            bytes += w;
    }
    close(fd);
    printf("syscalls n=%ld ok=%ld bytes=%ld\n", n, ok, bytes);
    return 0;
}
