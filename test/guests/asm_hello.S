/* asm_hello: no libc. write(1, msg, len) and exit_group(0) via syscall. */
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    mov eax, 1                  /* write */
    mov edi, 1
    lea rsi, [rip + msg]
    mov edx, OFFSET msg_len
    syscall
    cmp rax, OFFSET msg_len            /* exit status 0 only if the write was complete */
    setne dil
    movzx edi, dil
    mov eax, 231                /* exit_group */
    syscall
    hlt                         /* not reached */

    .section .rodata
msg:
    .ascii "Hello from assembly!\n"
    .set msg_len, . - msg
    .section .note.GNU-stack,"",@progbits
