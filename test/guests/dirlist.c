/* dirlist: builds a tree under argv[1] with mkdir/open/symlink, walks it
 * with opendir/readdir (names sorted before printing: getdents order
 * depends on the file system), checks types with lstat, then removes it
 * bottom-up with unlink/rmdir (including the ENOTEMPTY case). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void walk(const char *path, int depth)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s failed\n", path);
        return;
    }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 512)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    for (int i = 0; i < n; i++) {
        char child[1024];
        snprintf(child, sizeof child, "%s/%s", path, names[i]);
        struct stat st;
        char kind = '?';
        long size = -1;
        if (lstat(child, &st) == 0) {
            kind = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : S_ISLNK(st.st_mode) ? 'l' : 'o';
            size = S_ISREG(st.st_mode) ? (long)st.st_size : 0;
        }
        printf("%*s%c %s", depth * 2, "", kind, names[i]);
        if (kind == 'f')
            printf(" (%ld bytes)", size);
        if (kind == 'l') {
            char target[256];
            ssize_t tl = readlink(child, target, sizeof target - 1);
            target[tl > 0 ? tl : 0] = 0;
            printf(" -> %s", target);
        }
        printf("\n");
        if (kind == 'd' && strcmp(names[i], ".") != 0 && strcmp(names[i], "..") != 0)
            walk(child, depth + 1);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
}

static void rmtree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char *names[512];
    int n = 0;
    while ((e = readdir(d)) != NULL && n < 512)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    for (int i = 0; i < n; i++) {
        char child[1024];
        struct stat st;
        snprintf(child, sizeof child, "%s/%s", path, names[i]);
        lstat(child, &st);
        if (S_ISDIR(st.st_mode))
            rmtree(child);
        else if (unlink(child) != 0)
            printf("unlink %s failed\n", child);
        free(names[i]);
    }
    if (rmdir(path) != 0)
        printf("rmdir %s failed\n", path);
}

static void touch(const char *path, int bytes)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    for (int i = 0; i < bytes; i++)
        write(fd, "x", 1);
    close(fd);
}

int main(int argc, char **argv)
{
    umask(022);
    if (argc < 2 || chdir(argv[1]) != 0) {
        fprintf(stderr, "usage: dirlist DIR\n");
        return 2;
    }
    int rc, err;
    printf("mkdir tree: %d\n", mkdir("tree", 0755));
    rc = mkdir("tree", 0755);
    err = errno;
    printf("mkdir existing: %d errno=%s\n", rc, err == EEXIST ? "EEXIST" : "other");
    mkdir("tree/alpha", 0755);
    mkdir("tree/beta", 0700);
    mkdir("tree/beta/gamma", 0755);
    mkdir("tree/empty", 0755);
    touch("tree/readme.txt", 12);
    touch("tree/alpha/one", 1);
    touch("tree/alpha/two", 2);
    touch("tree/beta/gamma/deep.dat", 300);
    /* many entries: forces more than one getdents call on most file systems */
    char name[64];
    for (int i = 0; i < 150; i++) {
        snprintf(name, sizeof name, "tree/beta/file_%03d_%s", (i * 37) % 150, i % 3 ? "long_name_padding" : "s");
        touch(name, i % 5);
    }
    printf("symlink: %d\n", symlink("alpha/one", "tree/link_to_one"));
    rc = mkdir("tree/no/such", 0755);
    err = errno;
    printf("mkdir in missing parent: %d errno=%s\n", rc, err == ENOENT ? "ENOENT" : "other");

    walk("tree", 0);

    rc = rmdir("tree/alpha");
    err = errno;
    printf("rmdir non-empty: %d errno=%s\n", rc, err == ENOTEMPTY ? "ENOTEMPTY" : "other");
    printf("rmdir empty: %d\n", rmdir("tree/empty"));
    rc = rmdir("tree/readme.txt");
    err = errno;
    printf("rmdir file: %d errno=%s\n", rc, err == ENOTDIR ? "ENOTDIR" : "other");
    rmtree("tree");
    struct stat st;
    printf("tree gone: %s\n", stat("tree", &st) != 0 && errno == ENOENT ? "yes" : "no");

    /* the start directory itself: only . and .. remain */
    DIR *d = opendir(".");
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        count++;
    closedir(d);
    printf("entries left in start dir (incl . and ..): %d\n", count);
    return 0;
}
