/* syscall_loop: 100000 iterations of cheap system calls (getppid, getpid,
 * write to /dev/null); prints counts and consistency checks only. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) {
        perror("open /dev/null");
        return 1;
    }
    pid_t ppid0 = getppid();
    pid_t pid0 = (pid_t)syscall(SYS_getpid);
    long ok_ppid = 0, ok_pid = 0, ok_write = 0, bytes = 0;
    char msg[] = "x";
    for (int i = 0; i < 100000; i++) {
        if (getppid() == ppid0)
            ok_ppid++;
        if ((i & 7) == 0 && (pid_t)syscall(SYS_getpid) == pid0)
            ok_pid++;
        ssize_t n = write(fd, msg, (size_t)(i % 2));
        if (n == i % 2) {
            ok_write++;
            bytes += n;
        }
    }
    close(fd);
    printf("getppid consistent: %ld/100000\n", ok_ppid);
    printf("getpid consistent: %ld/12500\n", ok_pid);
    printf("writes ok: %ld/100000 bytes=%ld\n", ok_write, bytes);
    printf("write to closed fd: %s\n", write(fd, msg, 1) < 0 ? "error" : "success");
    return 0;
}
