/* getppid_loop: no libc. 1,000,000 getppid system calls (or argv[1] of them), then exit(0). Each
 * call goes through a wrapper like libc's (call/ret on the user stack), so user memory is touched
 * between system calls as in a real program. bench/entry.mjs runs it under ringjit with --kpti on|off
 * and --pcid on|off and divides the time by the number of calls; the binary also runs natively. */
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    mov r12d, 1000000
    cmp QWORD PTR [rsp], 2
    jb 2f
    mov rsi, [rsp + 16]                 /* argv[1]: decimal count */
    xor r12d, r12d
1:  movzx eax, BYTE PTR [rsi]
    sub eax, '0'
    cmp eax, 9
    ja 2f
    imul r12, r12, 10
    add r12, rax
    inc rsi
    jmp 1b
2:  test r12, r12
    jz 4f
3:  call my_getppid
    dec r12
    jnz 3b
4:  xor edi, edi
    mov eax, 231                        /* exit_group */
    syscall

my_getppid:
    mov eax, 110                        /* getppid */
    syscall
    ret
    .section .note.GNU-stack,"",@progbits
