/* /dev/null as Linux's drivers/char/mem.c defines it: writes return their count without reading the
 * buffer (only the user-space range check of access_ok applies), reads return end of file. Compared
 * byte for byte with the host kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static void show(const char *what, long r, int err) { printf("%-34s %ld errno=%d\n", what, r, r < 0 ? err : 0); }

int main(void) {
  char buf[4096];
  memset(buf, 'x', sizeof buf);
  int fd = open("/dev/null", O_RDWR);
  if (fd < 0) { perror("open /dev/null"); return 1; }
  long r;
  errno = 0; r = write(fd, buf, sizeof buf); show("write 4096", r, errno);
  errno = 0; r = write(fd, buf, 0); show("write 0", r, errno);
  errno = 0; r = write(fd, (void *)0x1000, 5); show("write from unmapped 0x1000 (unread)", r, errno);
  errno = 0; r = write(fd, (void *)0x7ffffffff000UL, 1); show("write at TASK_SIZE_MAX", r, errno);
  errno = 0; r = write(fd, (void *)0xffff800000000000UL, 5); show("write from a kernel address", r, errno);
  errno = 0; r = read(fd, buf, sizeof buf); show("read", r, errno);
  struct iovec iov[2] = { { buf, 10 }, { buf + 10, 20 } };
  errno = 0; r = writev(fd, iov, 2); show("writev 10+20", r, errno);
  errno = 0; r = pwrite(fd, buf, 7, 1000); show("pwrite 7 at 1000", r, errno);
  errno = 0; r = lseek(fd, 123, SEEK_SET); show("lseek 123", r, errno);
  int ro = open("/dev/null", O_RDONLY);
  errno = 0; r = write(ro, buf, 3); show("write to a read-only descriptor", r, errno);
  for (int i = 0; i < 100000; i++) if (write(fd, buf, 1 + (i & 63)) != 1 + (i & 63)) { puts("short write"); return 1; }
  puts("done");
  return 0;
}
