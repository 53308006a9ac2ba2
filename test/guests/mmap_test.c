/* mmap_test: anonymous mmap (zero-filled, writable), file-backed
 * MAP_PRIVATE (copy-on-write: file unchanged) and MAP_SHARED (written back),
 * partial munmap, mprotect to read-only then read, a write to a read-only
 * page caught as SIGSEGV, mremap grow/shrink/move, MAP_FIXED, msync,
 * mmap past EOF. Works in the directory given as argv[1]. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile sig_atomic_t faults;
static volatile uintptr_t fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    faults++;
    fault_addr = (uintptr_t)si->si_addr;
    siglongjmp(jb, 1);
}

static const char *yesno(int b) { return b ? "yes" : "no"; }

static unsigned long sum(const unsigned char *p, size_t n)
{
    unsigned long s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]) != 0) {
        fprintf(stderr, "usage: mmap_test DIR\n");
        return 2;
    }
    long pg = sysconf(_SC_PAGESIZE);
    printf("page size %ld\n", pg);

    /* anonymous */
    size_t len = 16 * (size_t)pg;
    unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("anon mmap ok: %s page aligned: %s\n", yesno(a != MAP_FAILED), yesno((uintptr_t)a % (uintptr_t)pg == 0));
    int zero = 1;
    for (size_t i = 0; i < len; i++)
        zero &= a[i] == 0;
    printf("anon zero-filled: %s\n", yesno(zero));
    for (size_t i = 0; i < len; i++)
        a[i] = (unsigned char)(i ^ (i >> 9));
    printf("anon checksum %lx\n", sum(a, len));

    /* partial munmap of the middle; the rest stays usable */
    printf("munmap middle: %d\n", munmap(a + 4 * pg, 4 * (size_t)pg));
    printf("head intact: %s tail intact: %s\n", yesno(a[4 * pg - 1] == (unsigned char)((4 * pg - 1) ^ ((4 * pg - 1) >> 9))),
           yesno(a[8 * pg] == (unsigned char)((8 * pg) ^ ((8 * pg) >> 9))));
    /* MAP_FIXED into the hole */
    unsigned char *fx = mmap(a + 4 * pg, 4 * (size_t)pg, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED into hole at requested address: %s zero: %s\n", yesno(fx == a + 4 * pg),
           yesno(fx[0] == 0 && fx[4 * pg - 1] == 0));

    /* mprotect read-only, read still works, write faults */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    printf("mprotect(PROT_READ): %d\n", mprotect(a, len, PROT_READ));
    printf("read after mprotect: %lx\n", sum(a, 4 * (size_t)pg));
    if (sigsetjmp(jb, 1) == 0) {
        a[pg + 5] = 1;
        printf("write to read-only page did not fault\n");
    }
    printf("write to read-only faulted: %s, si_addr correct: %s\n", yesno(faults == 1),
           yesno(fault_addr == (uintptr_t)(a + pg + 5)));
    printf("mprotect(PROT_NONE): %d\n", mprotect(a, (size_t)pg, PROT_NONE));
    if (sigsetjmp(jb, 1) == 0) {
        volatile unsigned char x = a[10];
        (void)x;
        printf("read of PROT_NONE page did not fault\n");
    }
    printf("read of PROT_NONE faulted: %s\n", yesno(faults == 2));
    printf("mprotect back to RW: %d\n", mprotect(a, len, PROT_READ | PROT_WRITE));
    a[pg + 5] = 0x42;
    printf("write after restoring RW: %s\n", yesno(a[pg + 5] == 0x42));

    /* mremap: grow in place or move, contents preserved */
    unsigned char *r = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(r, 0xcd, 2 * (size_t)pg);
    unsigned char *r2 = mremap(r, 2 * (size_t)pg, 64 * (size_t)pg, MREMAP_MAYMOVE);
    printf("mremap grow ok: %s\n", yesno(r2 != MAP_FAILED));
    printf("mremap preserved: %s new tail zero: %s\n", yesno(r2[0] == 0xcd && r2[2 * pg - 1] == 0xcd),
           yesno(r2[2 * pg] == 0 && r2[64 * pg - 1] == 0));
    unsigned char *r3 = mremap(r2, 64 * (size_t)pg, (size_t)pg, 0);
    printf("mremap shrink in place: %s\n", yesno(r3 == r2 && r3[0] == 0xcd));
    munmap(r3, (size_t)pg);
    /* growing into an occupied neighbour without MREMAP_MAYMOVE fails */
    unsigned char *g = mmap(NULL, 3 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    errno = 0;
    void *g2 = mremap(g, (size_t)pg, 2 * (size_t)pg, 0);
    printf("mremap grow into mapped neighbour without MAYMOVE: %s\n",
           g2 == MAP_FAILED ? (errno == ENOMEM ? "ENOMEM" : "other error") : "ok");
    munmap(g, 3 * (size_t)pg);

    /* file-backed */
    int fd = open("mapped.dat", O_CREAT | O_RDWR | O_TRUNC, 0644);
    char content[3 * 4096 + 100];
    for (size_t i = 0; i < sizeof content; i++)
        content[i] = (char)('A' + i % 26);
    write(fd, content, sizeof content);
    unsigned char *p = mmap(NULL, sizeof content, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("file MAP_PRIVATE ok: %s matches file: %s\n", yesno(p != MAP_FAILED),
           yesno(memcmp(p, content, sizeof content) == 0));
    size_t mapped = ((sizeof content + (size_t)pg - 1) / (size_t)pg) * (size_t)pg;
    int tail_zero = 1;
    for (size_t i = sizeof content; i < mapped; i++)
        tail_zero &= p[i] == 0;
    printf("bytes past EOF in last page are zero: %s\n", yesno(tail_zero));
    memcpy(p, "PRIVATE", 7);
    char fb[8] = {0};
    pread(fd, fb, 7, 0);
    printf("private write visible in map: %s, file unchanged: %s\n", yesno(memcmp(p, "PRIVATE", 7) == 0),
           yesno(memcmp(fb, "ABCDEFG", 7) == 0));
    munmap(p, sizeof content);

    /* offset mapping */
    p = mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE, fd, pg);
    printf("mmap at file offset one page: %s\n", yesno(p != MAP_FAILED && p[0] == content[pg]));
    munmap(p, (size_t)pg);
    printf("mmap unaligned offset fails: %s\n", yesno(mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL));

    p = mmap(NULL, sizeof content, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    memcpy(p + 10, "SHARED", 6);
    printf("msync: %d\n", msync(p, sizeof content, MS_SYNC));
    memset(fb, 0, sizeof fb);
    pread(fd, fb, 6, 10);
    printf("shared write reaches file: %s\n", yesno(memcmp(fb, "SHARED", 6) == 0));
    pwrite(fd, "FROMFILE", 8, 100);
    printf("file write visible in shared map: %s\n", yesno(memcmp(p + 100, "FROMFILE", 8) == 0));
    munmap(p, sizeof content);
    close(fd);
    struct stat st;
    stat("mapped.dat", &st);
    printf("file size still %ld\n", (long)st.st_size);
    unlink("mapped.dat");

    /* bad arguments */
    errno = 0;
    printf("mmap len 0 fails with EINVAL: %s\n",
           yesno(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL));
    errno = 0;
    printf("mmap bad fd fails with EBADF: %s\n",
           yesno(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED && errno == EBADF));
    printf("munmap unaligned fails: %s\n", yesno(munmap(a + 1, (size_t)pg) != 0 && errno == EINVAL));
    printf("munmap all: %d\n", munmap(a, len));
    printf("faults=%d\n", (int)faults);
    return 0;
}
