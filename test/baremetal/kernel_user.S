/* The user program (CPL 3): system calls, int 0x80, FSGSBASE, exit work, deliberate faults -- part of the bare-metal test kernel, included by kernel.S. */

/* ---- the user program (CPL 3) ------------------------------------------------------------------------ */
    .section .user.text, "ax"
user_main:
    lea rsi, [rip + u_hello]
    call u_puts
    mov eax, NR_getpid
    syscall
    lea rsi, [rip + u_getpid]
    call u_report_hex

    /* after syscall, RCX = the next RIP and R11 = RFLAGS (kernel selftest sysret_rip) */
    pushfq
    pop r12
    mov eax, NR_getppid
    syscall
u_after_syscall:
    lea r13, [rip + u_after_syscall]
    cmp rcx, r13
    lea rsi, [rip + u_rcx]
    call u_yesno
    cmp r11, r12
    lea rsi, [rip + u_r11]
    call u_yesno

    mov eax, 1000
    syscall
    cmp rax, -ENOSYS
    lea rsi, [rip + u_enosys]
    call u_yesno
    mov rax, -1
    syscall
    cmp rax, -ENOSYS
    lea rsi, [rip + u_enosys2]
    call u_yesno

    /* the i386 gate */
    mov eax, 4
    mov ebx, 1
    lea rcx, [rip + u_int80msg]
    mov edx, OFFSET u_int80msg_len
    int 0x80
    mov eax, 20
    int 0x80
    cmp eax, 1
    lea rsi, [rip + u_int80pid]
    call u_yesno

    /* FSGSBASE at CPL 3 */
    mov rax, 0x12345000
    wrfsbase rax
    rdfsbase rbx
    cmp rbx, rax
    lea rsi, [rip + u_fsgs]
    call u_yesno

    /* exit work rewrites pt_regs->ip: the return comes back elsewhere, through IRET */
    lea rdi, [rip + u_notified]
    mov eax, NR_notify_resume
    syscall
    lea rsi, [rip + u_not_notified]
    call u_puts
u_notified:
    lea rsi, [rip + u_notified_msg]
    call u_puts

    /* faults at CPL 3, reported by the kernel; the handler continues at r15 */
    lea rdi, [rip + u_fault]
    lea rsi, [rip + u_stack_top]
    mov eax, NR_set_fault_handler
    syscall
    lea r15, [rip + 1f]
    hlt                                     /* privileged: #GP(0) */
1:  lea r15, [rip + 1f]
    mov rax, [kernel_secret]                /* not mapped in the user PGD (KPTI): #PF, not present */
1:  lea r15, [rip + 1f]
    mov rax, [gdt]                          /* mapped, supervisor-only: #PF, protection */
1:  lea r15, [rip + 1f]
    mov ecx, 0xc0000082
    rdmsr                                   /* #GP(0) */
1:  lea r15, [rip + 1f]
    in al, 0x80                             /* IOPL 0: #GP(0) */
1:  lea r15, [rip + 1f]
    int 0x81                                /* not an interrupt gate: #GP(0x81 * 8 + 2) */
1:  lea rsi, [rip + u_bye]
    call u_puts
    xor edi, edi
    mov eax, NR_exit
    syscall

u_fault:
    jmp r15

/* u_puts(rsi): write(1, rsi, strlen(rsi)) */
u_puts:
    xor edx, edx
1:  cmp BYTE PTR [rsi + rdx], 0
    je 2f
    inc rdx
    jmp 1b
2:  mov edi, 1
    mov eax, NR_write
    syscall
    ret
/* ZF -> "label yes\n" / "label no\n" */
u_yesno:
    setz al
    push rax
    call u_puts
    pop rax
    test al, al
    lea rsi, [rip + u_yes]
    lea rdx, [rip + u_no]
    cmovz rsi, rdx
    jmp u_puts
/* "label 0x<rax>\n" */
u_report_hex:
    push rax
    call u_puts
    pop rax
    lea rdi, [rip + u_hexbuf + 2]
    mov ecx, 60
1:  mov rdx, rax
    shr rdx, cl
    and edx, 0xf
    lea r8, [rip + u_hexdigits]
    mov dl, [r8 + rdx]
    mov [rdi], dl
    inc rdi
    sub ecx, 4
    jns 1b
    mov BYTE PTR [rdi], 10
    mov BYTE PTR [rdi + 1], 0
    lea rsi, [rip + u_hexbuf]
    jmp u_puts

    .section .user.data, "aw"
u_hello:        .asciz "hello from ring 3 (CPL 3): write() through syscall + entry_SYSCALL_64\n"
u_getpid:       .asciz "getpid() = "
u_rcx:          .asciz "after syscall: rcx == address of the next instruction:"
u_r11:          .asciz "after syscall: r11 == rflags before the syscall:"
u_enosys:       .asciz "syscall 1000 (> __NR_syscall_max) returns -ENOSYS:"
u_enosys2:      .asciz "syscall -1 returns -ENOSYS:"
u_int80msg:     .ascii "write via int 0x80 (i386 number 4, DPL-3 gate, return by iretq)\n"
    .set u_int80msg_len, . - u_int80msg
u_int80pid:     .asciz "getpid via int 0x80 (i386 number 20) == 1:"
u_fsgs:         .asciz "wrfsbase/rdfsbase at CPL 3 (CR4.FSGSBASE):"
u_not_notified: .asciz "exit work did NOT redirect the return\n"
u_notified_msg: .asciz "exit work rewrote pt_regs->ip: returned through the iret path\n"
u_bye:          .asciz "user program done; exit(0)\n"
u_yes:          .asciz " yes\n"
u_no:           .asciz " no\n"
u_hexdigits:    .ascii "0123456789abcdef"
u_hexbuf:       .ascii "0x"
                .skip 20
    .balign 16
u_stack:        .skip 8192
u_stack_top:
user_stack:     .skip 8192
user_stack_top:
