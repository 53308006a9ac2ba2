/* sysmisc: assorted process-level system calls: uname, getpid/getppid/
 * gettid, uid/gid, umask, getcwd/chdir, pipe + poll + fcntl flags,
 * O_CLOEXEC, dup3, getrlimit(RLIMIT_STACK) sanity, sysconf, ioctl on a
 * non-tty (ENOTTY), isatty, sched_yield, nanosleep of 0, getrandom length,
 * prctl name round trip. Prints values that are the same natively and
 * under emulation; anything else only as booleans. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char *yesno(int b) { return b ? "yes" : "no"; }

int main(void)
{
    struct utsname u;
    int ur = uname(&u);
    printf("uname: %d sysname=%s machine=%s\n", ur, u.sysname, u.machine);
    printf("release non-empty: %s\n", yesno(u.release[0] != 0));

    pid_t pid = getpid();
    printf("getpid consistent: %s, gettid == getpid (main thread): %s, getppid > 0: %s\n",
           yesno(getpid() == pid), yesno((pid_t)syscall(SYS_gettid) == pid), yesno(getppid() > 0));
    printf("uid==euid: %s gid==egid: %s\n", yesno(getuid() == geteuid()), yesno(getgid() == getegid()));

    mode_t old = umask(027);
    printf("umask(027) then umask(old) returns 027: %s\n", yesno(umask(old) == 027));

    char cwd[4096];
    printf("getcwd absolute: %s\n", yesno(getcwd(cwd, sizeof cwd) && cwd[0] == '/'));
    printf("chdir(/): %d\n", chdir("/"));
    printf("getcwd after chdir(/): %s\n", getcwd(cwd, sizeof cwd));
    printf("getcwd with tiny buffer: %s\n", getcwd(cwd, 1) == NULL && errno == ERANGE ? "ERANGE" : "other");

    int p[2];
    printf("pipe: %d\n", pipe(p));
    struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    int pr = poll(pf, 2, 0);
    printf("poll empty pipe: ret=%d read-ready=%d write-ready=%d\n", pr, (pf[0].revents & POLLIN) != 0,
           (pf[1].revents & POLLOUT) != 0);
    write(p[1], "abc", 3);
    pf[0].revents = 0;
    pr = poll(pf, 1, 1000);
    printf("poll after write: ret=%d read-ready=%d\n", pr, (pf[0].revents & POLLIN) != 0);
    int avail = -1;
    ioctl(p[0], FIONREAD, &avail);
    printf("FIONREAD=%d\n", avail);
    char b[8];
    ssize_t rd = read(p[0], b, sizeof b);
    printf("read=%zd\n", rd);
    int fl = fcntl(p[0], F_GETFL);
    printf("O_NONBLOCK initially: %d\n", (fl & O_NONBLOCK) != 0);
    fcntl(p[0], F_SETFL, fl | O_NONBLOCK);
    errno = 0;
    ssize_t r = read(p[0], b, sizeof b);
    printf("nonblocking read of empty pipe: %zd %s\n", r, errno == EAGAIN ? "EAGAIN" : "other");
    close(p[1]);
    printf("read after writer closed: %zd\n", read(p[0], b, sizeof b));
    close(p[0]);

    int c[2];
    pipe2(c, O_CLOEXEC);
    printf("pipe2(O_CLOEXEC) FD_CLOEXEC set: %d\n", (fcntl(c[0], F_GETFD) & FD_CLOEXEC) != 0);
    int d = dup3(c[0], 40, 0);
    printf("dup3 -> %d, FD_CLOEXEC cleared: %d\n", d, (fcntl(d, F_GETFD) & FD_CLOEXEC) == 0);
    printf("F_DUPFD_CLOEXEC >= 60: %d\n", fcntl(c[0], F_DUPFD_CLOEXEC, 60));
    int fr = fcntl(1000, F_GETFD);
    int e = errno;
    printf("fcntl on bad fd: %d %s\n", fr, e == EBADF ? "EBADF" : "other");

    struct winsize ws;
    errno = 0;
    int ir = ioctl(c[0], TIOCGWINSZ, &ws);
    e = errno;
    int tty = isatty(c[0]);
    printf("TIOCGWINSZ on pipe: %d %s isatty=%d\n", ir, e == ENOTTY ? "ENOTTY" : "other", tty);

    struct rlimit rl;
    int gr = getrlimit(RLIMIT_STACK, &rl);
    printf("getrlimit(RLIMIT_STACK): %d, soft limit >= 1 MiB or unlimited: %s\n", gr,
           yesno(rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (1 << 20)));
    printf("sysconf(_SC_NPROCESSORS_ONLN) >= 1: %s\n", yesno(sysconf(_SC_NPROCESSORS_ONLN) >= 1));
    printf("sysconf(_SC_CLK_TCK)=%ld\n", sysconf(_SC_CLK_TCK));
    printf("sched_yield: %d\n", sched_yield());
    struct timespec zero = {0, 0};
    printf("nanosleep(0): %d\n", nanosleep(&zero, NULL));
    unsigned char rnd[32];
    printf("getrandom(32): %zd\n", getrandom(rnd, sizeof rnd, 0));

    prctl(PR_SET_NAME, "ringjit-guest", 0, 0, 0);
    char name[17] = {0};
    prctl(PR_GET_NAME, name, 0, 0, 0);
    printf("prctl name: %s\n", name);

    struct stat st;
    printf("fstat(stdout) works: %s\n", yesno(fstat(1, &st) == 0));
    printf("stat(/) is dir: %s\n", yesno(stat("/", &st) == 0 && S_ISDIR(st.st_mode)));
    printf("/dev/null is char device: %s\n", yesno(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode)));
    return 0;
}
