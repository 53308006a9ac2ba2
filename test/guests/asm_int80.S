/* asm_int80: no libc. A 64-bit process may enter the kernel through the
 * i386 compat gate with int 0x80: the 32-bit system call table and
 * registers apply (eax = number, ebx/ecx/edx = arguments; 4 = write,
 * 20 = getpid, 1 = exit). Also checks that the 64-bit syscall gate still
 * works afterwards, that an out-of-range compat number gives -ENOSYS, and
 * that the upper halves of r8-r15 survive int 0x80 (the compat entry path
 * zeroes r8-r11 on current kernels, so only r12-r15 are checked). */
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    /* write(1, msg1, len) through int 0x80: 32-bit pointers are fine, the
       non-PIE executable is mapped below 4 GiB */
    mov eax, 4
    mov ebx, 1
    lea ecx, [rip + msg1]
    mov edx, OFFSET msg1_len
    int 0x80
    cmp eax, OFFSET msg1_len
    jne fail

    /* getpid via int 0x80 (20) must equal getpid via syscall (39) */
    mov eax, 20
    int 0x80
    mov r12d, eax
    mov eax, 39
    syscall
    cmp eax, r12d
    jne fail
    lea rsi, [rip + msg2]
    mov edx, OFFSET msg2_len
    call write64

    /* out-of-range compat number */
    mov eax, 5000
    int 0x80
    cmp eax, -38
    jne fail
    lea rsi, [rip + msg3]
    mov edx, OFFSET msg3_len
    call write64

    /* r12-r15 preserved */
    mov r12, 0x1234567812345678
    mov r13, r12
    mov r14, r12
    mov r15, r12
    mov eax, 20
    int 0x80
    mov rax, 0x1234567812345678
    cmp r12, rax
    jne fail
    cmp r13, rax
    jne fail
    cmp r14, rax
    jne fail
    cmp r15, rax
    jne fail
    lea rsi, [rip + msg4]
    mov edx, OFFSET msg4_len
    call write64

    /* exit(7) through int 0x80 */
    mov eax, 1
    mov ebx, 7
    int 0x80
    hlt

fail:
    lea rsi, [rip + msg_fail]
    mov edx, OFFSET msg_fail_len
    call write64
    mov edi, 1
    mov eax, 231
    syscall

write64:
    mov eax, 1
    mov edi, 1
    syscall
    ret

    .section .rodata
msg1: .ascii "write via int 0x80: ok\n"
    .set msg1_len, . - msg1
msg2: .ascii "getpid via int 0x80 matches syscall: ok\n"
    .set msg2_len, . - msg2
msg3: .ascii "compat syscall 5000 returns -ENOSYS: ok\n"
    .set msg3_len, . - msg3
msg4: .ascii "r12-r15 preserved across int 0x80: ok\n"
    .set msg4_len, . - msg4
msg_fail: .ascii "FAILED\n"
    .set msg_fail_len, . - msg_fail
    .section .note.GNU-stack,"",@progbits
