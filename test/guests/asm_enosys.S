/* asm_enosys: no libc. System call numbers past the table (1000, and -1 as
 * a 64-bit value) must return -ENOSYS (-38) with no side effects; the
 * 32-bit view of rax=-1 is not a valid number either. Also checks that an
 * unknown number does not clobber registers other than rax/rcx/r11. */
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    mov rax, 1000
    syscall
    lea rsi, [rip + m_1000]
    call report_enosys

    mov rax, -1
    syscall
    lea rsi, [rip + m_minus1]
    call report_enosys

    mov rax, 0x7fffffff
    syscall
    lea rsi, [rip + m_big]
    call report_enosys

    /* numbers 335..423 are unassigned on x86-64 (424+ are the newer
       syscalls common to all architectures) */
    mov rax, 400
    syscall
    lea rsi, [rip + m_400]
    call report_enosys

    /* registers preserved across an ENOSYS syscall */
    mov rbx, 0x1111111111111111
    mov rdx, 0x2222222222222222
    mov rsi, 0x3333333333333333
    mov rdi, 0x4444444444444444
    mov r8,  0x5555555555555555
    mov r9,  0x6666666666666666
    mov r10, 0x7777777777777777
    mov r12, 0x8888888888888888
    mov r13, 0x9999999999999999
    mov r14, 0xaaaaaaaaaaaaaaaa
    mov r15, 0xbbbbbbbbbbbbbbbb
    mov rbp, 0xcccccccccccccccc
    mov rax, 1000
    syscall
    mov rax, 0x1111111111111111
    cmp rbx, rax
    jne 1f
    mov rax, 0x2222222222222222
    cmp rdx, rax
    jne 1f
    mov rax, 0x3333333333333333
    cmp rsi, rax
    jne 1f
    mov rax, 0x4444444444444444
    cmp rdi, rax
    jne 1f
    mov rax, 0x5555555555555555
    cmp r8, rax
    jne 1f
    mov rax, 0x6666666666666666
    cmp r9, rax
    jne 1f
    mov rax, 0x7777777777777777
    cmp r10, rax
    jne 1f
    mov rax, 0x8888888888888888
    cmp r12, rax
    jne 1f
    mov rax, 0x9999999999999999
    cmp r13, rax
    jne 1f
    mov rax, 0xaaaaaaaaaaaaaaaa
    cmp r14, rax
    jne 1f
    mov rax, 0xbbbbbbbbbbbbbbbb
    cmp r15, rax
    jne 1f
    mov rax, 0xcccccccccccccccc
    cmp rbp, rax
    jne 1f
    lea rsi, [rip + m_regs_yes]
    mov edx, OFFSET m_regs_yes_len
    jmp 2f
1:  lea rsi, [rip + m_regs_no]
    mov edx, OFFSET m_regs_no_len
2:  call write_out

    xor edi, edi
    mov eax, 231
    syscall

/* rax = syscall result, rsi = NUL-terminated label. Prints "label: yes|no\n" */
report_enosys:
    push rax
    mov rdi, rsi
    xor edx, edx
3:  cmp byte ptr [rdi + rdx], 0
    je 4f
    inc rdx
    jmp 3b
4:  call write_out
    pop rax
    cmp rax, -38
    jne 5f
    lea rsi, [rip + m_yes]
    mov edx, 5
    jmp write_out
5:  lea rsi, [rip + m_no]
    mov edx, 4
    jmp write_out

/* write(1, rsi, rdx) */
write_out:
    mov eax, 1
    mov edi, 1
    syscall
    ret

    .section .rodata
m_1000:   .asciz "syscall 1000 returns -ENOSYS:"
m_minus1: .asciz "syscall -1 returns -ENOSYS:"
m_big:    .asciz "syscall 0x7fffffff returns -ENOSYS:"
m_400:    .asciz "syscall 400 (unassigned) returns -ENOSYS:"
m_yes:    .ascii " yes\n"
m_no:     .ascii " no\n"
m_regs_yes: .ascii "registers preserved across ENOSYS syscall: yes\n"
    .set m_regs_yes_len, . - m_regs_yes
m_regs_no:  .ascii "registers preserved across ENOSYS syscall: no\n"
    .set m_regs_no_len, . - m_regs_no
    .section .note.GNU-stack,"",@progbits
