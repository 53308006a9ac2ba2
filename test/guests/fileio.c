/* fileio: file system calls in a fresh directory given as argv[1]:
 * open/write/read/lseek/pread/pwrite/fstat/stat/rename/unlink/ftruncate/
 * dup/dup2/O_APPEND/O_EXCL/access, error numbers, and stdio
 * fopen/fprintf/fgets/fseek/ftell/fread/fwrite. Paths printed are relative. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int failures = 0;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            printf("CHECK FAILED line %d: %s (errno %d)\n", __LINE__, #cond, errno); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

static long fsize(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fileio DIR\n");
        return 2;
    }
    umask(022);
    if (chdir(argv[1]) != 0) {
        perror("chdir");
        return 2;
    }

    /* write / read / lseek */
    int fd = open("data.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0);
    char buf[8192];
    for (int i = 0; i < (int)sizeof buf; i++)
        buf[i] = (char)(i * 31 + 7);
    ssize_t n = write(fd, buf, sizeof buf);
    printf("write 8192 -> %zd, size %ld\n", n, fsize(fd));
    printf("lseek(0, SEEK_CUR) = %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    printf("lseek(100, SEEK_SET) = %ld\n", (long)lseek(fd, 100, SEEK_SET));
    char rb[256];
    n = read(fd, rb, sizeof rb);
    printf("read 256 at 100 -> %zd, match=%d\n", n, memcmp(rb, buf + 100, 256) == 0);
    printf("lseek(-10, SEEK_END) = %ld\n", (long)lseek(fd, -10, SEEK_END));
    n = read(fd, rb, sizeof rb);
    printf("read at end-10 -> %zd\n", n);
    n = read(fd, rb, sizeof rb);
    printf("read at EOF -> %zd\n", n);
    long lr = (long)lseek(fd, -1, SEEK_SET);
    int e = errno;
    printf("lseek(-1, SEEK_SET) = %ld errno=%s\n", lr, e == EINVAL ? "EINVAL" : "other");

    /* pread / pwrite do not move the offset */
    lseek(fd, 50, SEEK_SET);
    n = pwrite(fd, "PWRITE", 6, 4000);
    printf("pwrite -> %zd, offset still %ld\n", n, (long)lseek(fd, 0, SEEK_CUR));
    memset(rb, 0, sizeof rb);
    n = pread(fd, rb, 10, 3998);
    printf("pread -> %zd: %02x %02x %.6s %02x %02x\n", n, (unsigned char)rb[0], (unsigned char)rb[1],
           rb + 2, (unsigned char)rb[8], (unsigned char)rb[9]);
    /* writing past EOF leaves a hole of zeros */
    n = pwrite(fd, "END", 3, 10000);
    printf("pwrite past EOF -> %zd, size %ld\n", n, fsize(fd));
    n = pread(fd, rb, 16, 8190);
    int zeros = 1;
    for (int i = 2; i < 16; i++)
        zeros &= rb[i] == 0;
    printf("hole reads as zeros: %d\n", zeros);

    /* readv / writev */
    struct iovec iov[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
    lseek(fd, 0, SEEK_SET);
    n = writev(fd, iov, 3);
    char r1[4] = {0}, r2[6] = {0};
    struct iovec riov[2] = {{r1, 3}, {r2, 5}};
    lseek(fd, 0, SEEK_SET);
    ssize_t m = readv(fd, riov, 2);
    printf("writev -> %zd readv -> %zd: %s %s\n", n, m, r1, r2);

    /* ftruncate */
    CHECK(ftruncate(fd, 4096) == 0);
    printf("after ftruncate(4096) size %ld\n", fsize(fd));
    CHECK(ftruncate(fd, 5000) == 0);
    n = pread(fd, rb, 8, 4096);
    printf("after ftruncate(5000) size %ld, extension zero: %d\n", fsize(fd),
           n == 8 && memcmp(rb, "\0\0\0\0\0\0\0\0", 8) == 0);

    /* dup / dup2 share the offset */
    int fd2 = dup(fd);
    lseek(fd, 123, SEEK_SET);
    printf("dup shares offset: %d\n", lseek(fd2, 0, SEEK_CUR) == 123);
    int fd3 = dup2(fd, 50);
    printf("dup2 -> %d\n", fd3);
    close(fd2);
    close(fd3);

    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    printf("fstat: regular=%d mode=%o size=%ld nlink=%lu\n", S_ISREG(st.st_mode),
           (unsigned)(st.st_mode & 0777), (long)st.st_size, (unsigned long)st.st_nlink);
    close(fd);
    n = read(fd, rb, 1);
    e = errno;
    printf("read on closed fd: %zd errno=%s\n", n, e == EBADF ? "EBADF" : "other");

    /* O_APPEND */
    fd = open("log.txt", O_CREAT | O_WRONLY | O_APPEND, 0600);
    write(fd, "one\n", 4);
    lseek(fd, 0, SEEK_SET);
    write(fd, "two\n", 4);
    printf("O_APPEND size %ld\n", fsize(fd));
    close(fd);

    /* O_EXCL, ENOENT, access */
    fd = open("log.txt", O_CREAT | O_EXCL | O_WRONLY, 0600);
    printf("O_EXCL on existing: fd=%d errno=%s\n", fd, errno == EEXIST ? "EEXIST" : "other");
    fd = open("missing/file", O_RDONLY);
    printf("open missing: fd=%d errno=%s\n", fd, errno == ENOENT ? "ENOENT" : "other");
    int a1 = access("log.txt", R_OK | W_OK);
    int a2 = access("nope", F_OK);
    printf("access(log.txt, R_OK|W_OK)=%d access(nope, F_OK)=%d\n", a1, a2);

    /* rename / stat / unlink */
    CHECK(rename("log.txt", "renamed.txt") == 0);
    int s_old = stat("log.txt", &st);
    int s_new = stat("renamed.txt", &st);
    printf("stat old name: %d, stat new name: %d\n", s_old, s_new);
    printf("renamed size %ld mode %o\n", (long)st.st_size, (unsigned)(st.st_mode & 0777));
    CHECK(unlink("renamed.txt") == 0);
    int ur = unlink("renamed.txt");
    e = errno;
    printf("unlink again: %d errno=%s\n", ur, e == ENOENT ? "ENOENT" : "other");

    /* stdio */
    FILE *f = fopen("notes.txt", "w");
    CHECK(f != NULL);
    for (int i = 0; i < 100; i++)
        fprintf(f, "line %03d: %s %d\n", i, i % 2 ? "odd" : "even", i * i);
    fputs("no newline at end", f);
    CHECK(fclose(f) == 0);
    f = fopen("notes.txt", "r");
    char line[128];
    int lines = 0;
    unsigned long sum = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        for (char *c = line; *c; c++)
            sum = sum * 33 + (unsigned char)*c;
        if (lines == 1 || lines == 50)
            printf("fgets #%d: %s", lines, line);
    }
    printf("last fgets: [%s]\n", line);
    printf("lines=%d hash=%lx feof=%d ftell=%ld\n", lines, sum, feof(f), ftell(f));
    fseek(f, 10, SEEK_SET);
    size_t got = fread(line, 1, 20, f);
    line[got] = 0;
    printf("fread at 10: %zu [%s]\n", got, line);
    rewind(f);
    int c = fgetc(f);
    ungetc('X', f);
    int c2 = fgetc(f);
    printf("fgetc=%c after ungetc=%c\n", c, c2);
    fclose(f);
    f = fopen("notes.txt", "a+");
    fprintf(f, "\nappended");
    fseek(f, 0, SEEK_END);
    printf("a+ size %ld\n", ftell(f));
    fclose(f);
    f = fopen("does/not/exist", "r");
    printf("fopen missing: %s errno=%s\n", f ? "opened" : "NULL", errno == ENOENT ? "ENOENT" : "other");

    /* binary fwrite/fread of a struct array */
    struct rec { int a; double b; char c[5]; } recs[10], back[10];
    memset(recs, 0, sizeof recs);
    for (int i = 0; i < 10; i++) {
        recs[i].a = i * 1000;
        recs[i].b = i / 4.0;
        snprintf(recs[i].c, sizeof recs[i].c, "r%d", i);
    }
    f = fopen("recs.bin", "wb");
    printf("fwrite %zu\n", fwrite(recs, sizeof recs[0], 10, f));
    fclose(f);
    f = fopen("recs.bin", "rb");
    size_t nr = fread(back, sizeof back[0], 10, f);
    printf("fread %zu match=%d\n", nr, memcmp(recs, back, sizeof recs) == 0);
    fclose(f);

    CHECK(unlink("notes.txt") == 0);
    CHECK(unlink("recs.bin") == 0);
    CHECK(unlink("data.bin") == 0);
    printf("failures=%d\n", failures);
    return failures != 0;
}
