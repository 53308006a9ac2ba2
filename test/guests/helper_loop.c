/* Instructions that call helpers (syscall, cpuid, rdtsc) inside hot loops, where translated regions
 * stop before them and the wasm dispatcher runs them, and the kernel entry after a syscall, without
 * leaving its loop when nothing the regions assume changed. Each round moves the GS base between two
 * buffers with arch_prctl (a region after it must see the new base: the dispatcher has to return to
 * the engine) and reads through it; the getppid calls change nothing and stay in the dispatcher. */
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

#define ARCH_SET_GS 0x1001

static long bufs[2][4] = { { 11, 12, 13, 14 }, { 21, 22, 23, 24 } };

static unsigned cpuid_max_leaf(void)
{
    unsigned a = 0, b, c, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    return a;
}

static unsigned rdtsc_low(void)
{
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo | 1;
}

int main(void)
{
    long sum = 0, same = 0;
    pid_t ppid = getppid();
    for (int i = 0; i < 3000; i++) {
        if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)bufs[i & 1]) != 0) {
            perror("arch_prctl");
            return 1;
        }
        long v;
        __asm__ volatile("movq %%gs:8, %0" : "=r"(v));
        sum += v * (i + 1);
        sum += cpuid_max_leaf() != 0;
        sum += rdtsc_low() != 0;
        for (int k = 0; k < 4; k++)
            same += getppid() == ppid;
    }
    printf("sum=%ld same=%ld\n", sum, same);
    return 0;
}
