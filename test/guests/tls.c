/* tls: __thread variables (initialised .tdata and zero .tbss, an
 * over-aligned one) accessed through fs:, the TCB self pointer at fs:0
 * (variant II layout: TLS block just below the thread pointer), and errno,
 * which libc keeps in TLS. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static __thread int counter = 41;
static __thread long long big_init = 0x1122334455667788LL;
static __thread char name[16] = "tls-init";
static __thread int zeroed[100];
static __thread double aligned_var __attribute__((aligned(64))) = 2.5;

__attribute__((noinline)) static int bump(void) { return ++counter; }

static const char *yesno(int b) { return b ? "yes" : "no"; }

int main(void)
{
    printf("counter=%d big_init=%llx name=%s aligned=%.1f\n", counter, big_init, name, aligned_var);
    int z = 1;
    for (int i = 0; i < 100; i++)
        z &= zeroed[i] == 0;
    printf("tbss zeroed: %s\n", yesno(z));
    for (int i = 0; i < 10; i++)
        bump();
    zeroed[99] = 7;
    strcpy(name, "changed");
    printf("after: counter=%d zeroed[99]=%d name=%s\n", counter, zeroed[99], name);

    uintptr_t tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp));
    uintptr_t c = (uintptr_t)&counter, al = (uintptr_t)&aligned_var;
    printf("fs:0 non-zero: %s\n", yesno(tp != 0));
    printf("tls vars below thread pointer: %s\n", yesno(c < tp && al < tp && (uintptr_t)zeroed < tp));
    printf("tls vars within 64 KiB of thread pointer: %s\n", yesno(tp - c < 65536 && tp - al < 65536));
    printf("aligned(64) honoured: %s\n", yesno(al % 64 == 0));
    int via_fs;
    long off = (long)(c - tp);
    __asm__("movl %%fs:(%1), %0" : "=r"(via_fs) : "r"(off));
    printf("fs-relative load matches: %s\n", yesno(via_fs == counter));

    errno = 0;
    close(-1);
    printf("errno after close(-1): %s\n", errno == EBADF ? "EBADF" : "other");
    return 0;
}
