/* Serial output, the system calls and their tables, exit work -- part of the bare-metal test kernel, included by kernel.S. */

/* ---- serial output (polled 16550 at 0x3f8); clobber rax, rcx, rdx, rdi, rsi ---------------------- */
putc:                                       /* dil */
    mov dx, 0x3fd
1:  in al, dx
    test al, 0x20                           /* LSR.THRE */
    jz 1b
    mov dx, 0x3f8
    mov eax, edi
    out dx, al
    ret
puts:                                       /* rsi = NUL-terminated string */
    movzx edi, BYTE PTR [rsi]
    test edi, edi
    jz 1f
    push rsi
    call putc
    pop rsi
    inc rsi
    jmp puts
1:  ret
puthex:                                     /* rdi = value, as 0x... */
    push rbx
    push r12
    mov rbx, rdi
    mov edi, '0'
    call putc
    mov edi, 'x'
    call putc
    mov r12d, 60
1:  mov rax, rbx                            /* skip leading zeros */
    mov ecx, r12d
    shr rax, cl
    test al, 0xf
    jnz 2f
    sub r12d, 4
    jnz 1b
2:  mov rax, rbx
    mov ecx, r12d
    shr rax, cl
    and eax, 0xf
    lea rdi, [rip + hexdigits]
    movzx edi, BYTE PTR [rdi + rax]
    call putc
    sub r12d, 4
    jns 2b
    pop r12
    pop rbx
    ret
putdec:                                     /* rdi = unsigned value */
    mov rax, rdi
    lea rsi, [rip + decbuf + 23]
    mov BYTE PTR [rsi], 0
    mov ecx, 10
1:  xor edx, edx
    div rcx
    add dl, '0'
    dec rsi
    mov [rsi], dl
    test rax, rax
    jnz 1b
    jmp puts

panic:                                      /* rsi = message */
    call puts
    mov al, 99
    out 0xf4, al
1:  hlt
    jmp 1b

/* ---- system calls (C ABI: rdi, rsi, rdx, rcx = r10, r8, r9) -------------------------------------- */
sys_ni_syscall:
    mov rax, -ENOSYS
    ret
sys_write:                                  /* write(fd, buf, count): fd 1 and 2 go to the serial port */
    cmp rdi, 1
    je 1f
    cmp rdi, 2
    je 1f
    mov rax, -EBADF
    ret
1:  push rbx
    push r12
    mov rbx, rsi
    mov r12, rdx
2:  test rdx, rdx
    jz 3f
    movzx edi, BYTE PTR [rbx]
    push rdx
    call putc
    pop rdx
    inc rbx
    dec rdx
    jmp 2b
3:  mov rax, r12
    pop r12
    pop rbx
    ret
sys_getpid:
    mov eax, 1
    ret
sys_getppid:
    xor eax, eax
    ret
sys_set_fault_handler:                      /* (handler, stack) for user faults, like a signal handler */
    mov [rip + user_fault_handler], rdi
    mov [rip + user_fault_stack], rsi
    xor eax, eax
    ret
sys_notify_resume:                          /* (rip): exit work will send the return there */
    mov [rip + notify_rip], rdi
    mov rax, QWORD PTR gs:PCPU_current_task
    or DWORD PTR [rax + TASK_TI_flags], TIF_NOTIFY_RESUME
    xor eax, eax
    ret
sys_exit:                                   /* print the kernel's counters and leave through isa-debug-exit */
    push rdi
    lea rsi, [rip + s_exit1]
    call puts
    mov rdi, [rip + n_syscalls]
    call putdec
    lea rsi, [rip + s_exit2]
    call puts
    mov rdi, [rip + n_sysret]
    call putdec
    lea rsi, [rip + s_exit3]
    call puts
    mov rdi, [rip + n_iret]
    call putdec
    lea rsi, [rip + s_exit4]
    call puts
    mov rdi, [rip + n_user_faults]
    call putdec
    lea rsi, [rip + s_exit5]
    call puts
    pop rax
    out 0xf4, al
1:  hlt
    jmp 1b

/* Exit work (_TIF_ALLWORK_MASK): TIF_NOTIFY_RESUME rewrites pt_regs->ip, as signal delivery would. */
syscall_exit_work:                          /* rdi = pt_regs */
    mov rax, QWORD PTR gs:PCPU_current_task
    and DWORD PTR [rax + TASK_TI_flags], ~TIF_NOTIFY_RESUME
    mov rax, [rip + notify_rip]
    mov [rdi + PT_RIP], rax
    ret

/* i386 system calls through int 0x80 (arch/x86/entry/syscalls/syscall_32.tbl numbers) */
do_int80_syscall_32:                        /* rdi = pt_regs */
    mov eax, [rdi + PT_ORIG_RAX]
    cmp eax, IA32_NR_syscalls
    jae 2f
    push rdi
    mov ecx, eax
    mov eax, [rdi + PT_RBX]                    /* ebx, ecx, edx -> rdi, rsi, rdx (zero-extended) */
    mov esi, [rdi + PT_RCX]
    mov edx, [rdi + PT_RDX]
    mov edi, eax
    lea rax, [rip + sys_ni_syscall]
    cmp ecx, 1
    jne 1f
    lea rax, [rip + sys_exit]
1:  cmp ecx, 4
    jne 1f
    lea rax, [rip + sys_write]
1:  cmp ecx, 20
    jne 1f
    lea rax, [rip + sys_getpid]
1:  call rax
    pop rdi
    mov [rdi + PT_RAX], rax
2:  ret

ignore_sysret:                              /* CSTAR: syscall from compatibility mode is not supported */
    mov rax, -ENOSYS
    sysretd
