/* fork_wait: fork, waitpid with exit statuses and a child killed by a
 * signal, a pipe from child to parent, copy-on-write isolation of memory
 * after fork, and execve of this same program (argv[0]) in a child.
 * Children never write to stdout (the parent prints everything after
 * waiting), so the output order is fixed. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int global_value = 10;

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child-exec") == 0) {
        /* we are the exec'd image: report through the exit status */
        return argc == 3 && strcmp(argv[2], "arg2") == 0 ? 33 : 34;
    }
    fflush(stdout);

    /* 1. exit statuses */
    for (int code = 0; code < 4; code++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(code * 10 + 1);
        int st = 0;
        pid_t w = waitpid(pid, &st, 0);
        printf("child %d: waited ok %d, exited %d, status %d\n", code, w == pid, WIFEXITED(st), WEXITSTATUS(st));
    }

    /* 2. child killed by a signal */
    pid_t pid = fork();
    if (pid == 0) {
        raise(SIGTERM);
        _exit(99);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("signalled child: WIFSIGNALED %d sig %d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);

    /* 3. pipe + copy-on-write */
    int fds[2];
    pipe(fds);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        global_value = 99;
        char msg[64];
        int n = snprintf(msg, sizeof msg, "hello from child, global=%d", global_value);
        write(fds[1], msg, (size_t)n);
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    char buf[128];
    ssize_t total = 0, n;
    while ((n = read(fds[0], buf + total, sizeof buf - 1 - (size_t)total)) > 0)
        total += n;
    buf[total] = 0;
    close(fds[0]);
    waitpid(pid, &st, 0);
    printf("pipe: [%s]\n", buf);
    printf("parent global still %d\n", global_value);

    /* 4. execve self */
    pid = fork();
    if (pid == 0) {
        char *args[] = {argv[0], "child-exec", "arg2", NULL};
        execv(argv[0], args);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    printf("exec'd child exit status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* 5. wait with no children */
    printf("wait with no children: %d\n", wait(NULL));
    return 0;
}
