/* setjmp: setjmp/longjmp (glibc mangles the saved rsp/rip with a guard read
 * through fs:), nested jumps across frames, volatile locals, sigsetjmp with
 * a signal mask that siglongjmp restores. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf outer, inner;
static int depth_reached;

__attribute__((noinline)) static void dive(int n)
{
    volatile char pad[64];
    pad[n % 64] = (char)n;
    depth_reached = n;
    if (n >= 50)
        longjmp(outer, n + pad[n % 64]);
    if (n < 1000)
        dive(n + 1);
}

__attribute__((noinline)) static int thrower(int v)
{
    if (v % 3 == 0)
        longjmp(inner, v);
    return v * 2;
}

int main(void)
{
    volatile int counter = 0;
    int r = setjmp(outer);
    counter++;
    printf("setjmp returned %d (counter %d)\n", r, counter);
    if (r == 0)
        dive(0);
    printf("depth reached %d\n", depth_reached);

    int total = 0;
    for (int i = 1; i <= 10; i++) {
        int v = setjmp(inner);
        if (v == 0)
            total += thrower(i);
        else
            total += 1000 * v;
    }
    printf("total=%d\n", total);

    jmp_buf zero;
    r = setjmp(zero);
    if (r == 0)
        longjmp(zero, 0); /* longjmp(…, 0) makes setjmp return 1 */
    printf("longjmp with 0 gives %d\n", r);

    sigjmp_buf sj;
    sigset_t set, cur;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    if (sigsetjmp(sj, 1) == 0) {
        sigprocmask(SIG_BLOCK, &set, NULL);
        sigprocmask(SIG_BLOCK, NULL, &cur);
        printf("SIGUSR1 blocked before siglongjmp: %d\n", sigismember(&cur, SIGUSR1));
        siglongjmp(sj, 7);
    }
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGUSR1 blocked after siglongjmp (mask restored): %d\n", sigismember(&cur, SIGUSR1));
    return 0;
}
