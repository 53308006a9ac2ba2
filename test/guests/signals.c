/* signals: sigaction handlers for raise/kill, SA_SIGINFO fields, blocked
 * signals left pending and delivered on unblock, SA_RESETHAND, SIG_IGN,
 * synchronous faults caught by handlers (SIGSEGV with si_addr, SIGFPE
 * FPE_INTDIV, SIGILL, SIGTRAP from int3), a handler that resumes by editing
 * uc_mcontext RIP (rt_sigreturn restores the edited context), sigaltstack,
 * and nested delivery. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t got[65];
static volatile int last_code, last_signo, same_pid;
static volatile uintptr_t last_addr;
static volatile int ill_code;
static sigjmp_buf jb;
static char altstack[65536] __attribute__((aligned(16)));
static volatile int on_alt;

static const char *yesno(int b) { return b ? "yes" : "no"; }

static void simple(int sig) { got[sig]++; }

static void info(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got[sig]++;
    last_signo = si->si_signo;
    last_code = si->si_code;
    same_pid = si->si_pid == getpid();
}

static void fault_jump(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got[sig]++;
    last_code = si->si_code;
    last_addr = (uintptr_t)si->si_addr;
    char local;
    on_alt = (uintptr_t)&local >= (uintptr_t)altstack && (uintptr_t)&local < (uintptr_t)altstack + sizeof altstack;
    siglongjmp(jb, sig);
}

/* skips the 2-byte ud2 by editing the saved RIP */
static void skip_ud2(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    got[sig]++;
    last_addr = (uintptr_t)si->si_addr;
    last_code = (int)(uc->uc_mcontext.gregs[REG_RIP] == (greg_t)last_addr);
    ill_code = si->si_code;
    uc->uc_mcontext.gregs[REG_RIP] += 2;
    uc->uc_mcontext.gregs[REG_RAX] = 0x1234; /* visible after return */
}

static void nested_outer(int sig)
{
    got[sig]++;
    raise(SIGUSR2); /* SIGUSR2 not blocked: delivered inside this handler */
    printf("outer handler sees inner ran: %s\n", yesno(got[SIGUSR2] == 1));
}

extern char ud2_here[];

int main(void)
{
    struct sigaction sa;
    setvbuf(stdout, NULL, _IOLBF, 0);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = simple;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    printf("SIGUSR1 via raise+kill handled %d times\n", (int)got[SIGUSR1]);

    sa.sa_handler = NULL;
    sa.sa_sigaction = info;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    kill(getpid(), SIGUSR2);
    printf("SA_SIGINFO: signo ok %s, si_code SI_USER %s, si_pid is self %s\n", yesno(last_signo == SIGUSR2),
           yesno(last_code == SI_USER), yesno(same_pid));
    raise(SIGUSR2);
    printf("raise gives SI_TKILL: %s\n", yesno(last_code == SI_TKILL));
    union sigval sv = {.sival_int = 99};
    sigqueue(getpid(), SIGUSR2, sv);
    printf("sigqueue gives SI_QUEUE: %s\n", yesno(last_code == SI_QUEUE));

    /* blocking and pending */
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    got[SIGUSR1] = 0;
    raise(SIGUSR1);
    raise(SIGUSR1); /* standard signals do not queue */
    sigpending(&pend);
    printf("blocked: handled %d, pending %d\n", (int)got[SIGUSR1], sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("after unblock handled %d\n", (int)got[SIGUSR1]);

    /* ignored signal, SA_RESETHAND */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("SIG_IGN: survived\n");
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = simple;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGWINCH, &sa, NULL);
    raise(SIGWINCH);
    struct sigaction cur;
    sigaction(SIGWINCH, NULL, &cur);
    printf("SA_RESETHAND: handled %d, reset to default %s\n", (int)got[SIGWINCH], yesno(cur.sa_handler == SIG_DFL));
    raise(SIGWINCH); /* default action for SIGWINCH is ignore */

    /* synchronous faults on an alternate stack */
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    printf("sigaltstack: %d\n", sigaltstack(&ss, NULL));
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_jump;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);

    volatile int *bad = (volatile int *)(uintptr_t)0x10;
    if (sigsetjmp(jb, 1) == 0)
        *bad = 1;
    printf("SIGSEGV caught: %s si_addr=0x%lx SEGV_MAPERR %s on altstack %s\n", yesno(got[SIGSEGV] == 1),
           (unsigned long)last_addr, yesno(last_code == SEGV_MAPERR), yesno(on_alt));
    if (sigsetjmp(jb, 1) == 0) {
        static const int ro = 5;
        *(volatile int *)&ro = 6;
    }
    printf("write to .rodata: SIGSEGV %s SEGV_ACCERR %s\n", yesno(got[SIGSEGV] == 2), yesno(last_code == SEGV_ACCERR));

    volatile int zero = 0;
    if (sigsetjmp(jb, 1) == 0) {
        volatile int q = 10 / zero;
        (void)q;
    }
    printf("SIGFPE caught: %s FPE_INTDIV %s\n", yesno(got[SIGFPE] == 1), yesno(last_code == FPE_INTDIV));

    if (sigsetjmp(jb, 1) == 0)
        __asm__ volatile("int3");
    printf("SIGTRAP from int3 caught: %s si_code SI_KERNEL %s\n", yesno(got[SIGTRAP] == 1), yesno(last_code == SI_KERNEL));

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = skip_ud2;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    long rax = 0;
    __asm__ volatile("xor %%eax, %%eax\n.globl ud2_here\nud2_here: ud2" : "=a"(rax) : : "memory");
    printf("SIGILL resumed past ud2: %s rax set by handler %s si_addr is the ud2 %s saved RIP == si_addr %s ILL_ILLOPN %s\n",
           yesno(got[SIGILL] == 1), yesno(rax == 0x1234), yesno(last_addr == (uintptr_t)ud2_here), yesno(last_code == 1),
           yesno(ill_code == ILL_ILLOPN));

    /* nested delivery */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nested_outer;
    sigaction(SIGUSR1, &sa, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = simple;
    sigaction(SIGUSR2, &sa, NULL);
    got[SIGUSR2] = 0;
    raise(SIGUSR1);
    printf("done\n");
    return 0;
}
