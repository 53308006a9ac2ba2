/* stdin_echo: reads stdin with read(2) until EOF; prints byte count, line
 * count, an FNV-1a checksum, and echoes the first and last line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t lines = 0, reads = 0;
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t n = read(0, buf + len, cap - len);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0)
            break;
        reads++;
        len += (size_t)n;
    }
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)buf[i];
        h *= 0x100000001b3ULL;
        if (buf[i] == '\n')
            lines++;
    }
    printf("bytes=%zu lines=%zu fnv1a=%016llx reads>0=%s\n", len, lines,
           (unsigned long long)h, reads > 0 || len == 0 ? "yes" : "no");
    if (len) {
        char *nl = memchr(buf, '\n', len);
        size_t first = nl ? (size_t)(nl - buf) : len;
        printf("first line: %.*s\n", (int)first, buf);
        size_t end = len;
        if (end && buf[end - 1] == '\n')
            end--;
        size_t start = end;
        while (start > 0 && buf[start - 1] != '\n')
            start--;
        printf("last line: %.*s\n", (int)(end - start), buf + start);
    }
    /* stdio on the (now exhausted) stdin must report EOF too */
    printf("getchar after EOF: %d\n", getchar());
    free(buf);
    return 0;
}
