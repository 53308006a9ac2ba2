/* asm_rcx_r11: no libc. Like the kernel selftest sysret_rip: after a
 * syscall returns, RCX holds the address of the instruction after the
 * syscall and R11 holds RFLAGS as they were before the syscall; RFLAGS
 * themselves are restored. Tried with several flag patterns and with
 * several system calls (including one that fails with -ENOSYS and one that
 * fails with -EBADF). */
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    lea r15, [rip + cases]
next_case:
    mov rbx, [r15]              /* flags pattern; 0 terminates */
    test rbx, rbx
    jz done
    mov r14, [r15 + 8]          /* syscall number */
    mov r13, [r15 + 16]         /* label */

    /* load the flags pattern */
    push rbx
    popfq
    pushfq
    pop r12                     /* r12 = RFLAGS actually in effect before */
    mov rax, r14
    mov rdi, -1                 /* for close(-1): EBADF */
    mov rcx, 0x1234             /* garbage, must be overwritten */
    mov r11, 0x5678
    syscall
after_syscall:
    pushfq
    pop r10                     /* RFLAGS after */
    mov rbp, rax

    /* print label */
    mov rsi, r13
    call puts_nonl

    lea rdx, [rip + after_syscall]
    cmp rcx, rdx
    lea rsi, [rip + s_rcx]
    call print_yn

    cmp r11, r12
    lea rsi, [rip + s_r11]
    call print_yn

    cmp r10, r12
    lea rsi, [rip + s_flags]
    call print_yn

    lea rsi, [rip + s_nl]
    call puts_nonl

    /* clear DF etc. before the next case */
    push 0x202
    popfq
    add r15, 24
    jmp next_case

done:
    push 0x202
    popfq
    xor edi, edi
    mov eax, 231
    syscall

/* ZF set -> print " <label>=yes", else " <label>=no". rsi = label.
   Preserves ZF-independent state it needs; clobbers rax, rdi, rdx, rsi, rcx, r11 */
print_yn:
    setz al
    movzx eax, al
    push rax
    call puts_nonl
    pop rax
    test eax, eax
    lea rsi, [rip + s_yes]
    lea rdx, [rip + s_no]
    cmovz rsi, rdx
    call puts_nonl
    ret

/* write the NUL-terminated string at rsi */
puts_nonl:
    push rcx
    push r11
    xor edx, edx
1:  cmp byte ptr [rsi + rdx], 0
    je 2f
    inc rdx
    jmp 1b
2:  mov eax, 1
    mov edi, 1
    syscall
    pop r11
    pop rcx
    ret

    .section .rodata
    .balign 8
/* flags pattern, syscall number, label. Bit 1 (reserved, always 1) and
   IF (0x200) are set; the arithmetic flags vary. TF is never set. */
cases:
    .quad 0x202, 39, l_getpid_plain
    .quad 0x203, 39, l_getpid_cf
    .quad 0x2c3, 39, l_getpid_zf_sf_cf
    .quad 0xad7, 39, l_getpid_all
    .quad 0x8d7, 102, l_getuid_all
    .quad 0x602, 39, l_getpid_df
    .quad 0x40202, 39, l_getpid_ac
    .quad 0xad7, 1000, l_enosys_all
    .quad 0x2c3, 3, l_close_ebadf
    .quad 0
l_getpid_plain:     .asciz "getpid flags=0x202:"
l_getpid_cf:        .asciz "getpid flags=0x203 (CF):"
l_getpid_zf_sf_cf:  .asciz "getpid flags=0x2c3 (ZF SF CF):"
l_getpid_all:       .asciz "getpid flags=0xad7 (OF SF ZF AF PF CF):"
l_getuid_all:       .asciz "getuid flags=0x8d7:"
l_getpid_df:        .asciz "getpid flags=0x602 (DF):"
l_getpid_ac:        .asciz "getpid flags=0x40202 (AC):"
l_enosys_all:       .asciz "syscall 1000 flags=0xad7:"
l_close_ebadf:      .asciz "close(-1) flags=0x2c3:"
s_rcx:   .asciz " rcx==next-rip="
s_r11:   .asciz " r11==rflags-before="
s_flags: .asciz " rflags-restored="
s_yes:   .asciz "yes"
s_no:    .asciz "no"
s_nl:    .asciz "\n"
    .section .note.GNU-stack,"",@progbits
