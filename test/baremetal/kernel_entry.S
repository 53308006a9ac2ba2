/* Entry text (mapped in both PGDs): entry_SYSCALL_64, the return paths, int 0x80, exception entry -- part of the bare-metal test kernel, included by kernel.S. */

/* ---- entry text: mapped in both PGDs --------------------------------------------------------------- */
    .section .entry.text, "ax"
    .balign 8
.macro SWITCH_TO_KERNEL_CR3_NO_STACK
    mov QWORD PTR gs:PCPU_unsafe_stack_register_backup, rax
    mov rax, cr3
    and rax, ~(PTI_USER_PGTABLE | X86_CR3_PTI_PCID_USER)
    test BYTE PTR gs:PCPU_pcid_enabled, 1
    jz .Lk\@
    bts rax, 63                             /* X86_CR3_PCID_NOFLUSH */
.Lk\@: mov cr3, rax
    mov rax, QWORD PTR gs:PCPU_unsafe_stack_register_backup
.endm
.macro SWITCH_TO_USER_CR3 scratch
    mov \scratch, cr3
    or \scratch, PTI_USER_PGTABLE
    test BYTE PTR gs:PCPU_pcid_enabled, 1
    jz .Lu\@
    or \scratch, X86_CR3_PTI_PCID_USER
    bts \scratch, 63
.Lu\@: mov cr3, \scratch
.endm

    .globl entry_SYSCALL_64
entry_SYSCALL_64:
    swapgs                                  /* SWAPGS_UNSAFE_STACK */
    SWITCH_TO_KERNEL_CR3_NO_STACK           /* KPTI: into the kernel page tables */
    mov QWORD PTR gs:PCPU_rsp_scratch, rsp
    mov rsp, QWORD PTR gs:PCPU_cpu_current_top_of_stack
    /* Construct struct pt_regs on the stack */
    push USER_DS                            /* pt_regs->ss */
    push QWORD PTR gs:PCPU_rsp_scratch      /* pt_regs->sp */
    push r11                                /* pt_regs->flags */
    push USER_CS                            /* pt_regs->cs */
    push rcx                                /* pt_regs->ip */
    push rax                                /* pt_regs->orig_ax */
    push rdi                                /* pt_regs->di */
    push rsi                                /* pt_regs->si */
    push rdx                                /* pt_regs->dx */
    push rcx                                /* pt_regs->cx */
    push -ENOSYS                            /* pt_regs->ax */
    push r8                                 /* pt_regs->r8 */
    push r9                                 /* pt_regs->r9 */
    push r10                                /* pt_regs->r10 */
    push r11                                /* pt_regs->r11 */
    push rbx                                /* pt_regs->bx (4.x reserved these six slots; saved here) */
    push rbp                                /* pt_regs->bp */
    push r12                                /* pt_regs->r12 */
    push r13                                /* pt_regs->r13 */
    push r14                                /* pt_regs->r14 */
    push r15                                /* pt_regs->r15 */
    inc QWORD PTR [rip + n_syscalls]
    mov r11, QWORD PTR gs:PCPU_current_task
    test DWORD PTR [r11 + TASK_TI_flags], _TIF_WORK_SYSCALL_ENTRY
    jnz entry_SYSCALL64_slow_path
entry_SYSCALL_64_fastpath:
    cmp rax, __NR_syscall_max
    ja 1f                                   /* return -ENOSYS (already in pt_regs->ax) */
    mov rcx, r10
    call QWORD PTR [rax * 8 + sys_call_table]
    mov [rsp + PT_RAX], rax
1:  mov r11, QWORD PTR gs:PCPU_current_task
    test DWORD PTR [r11 + TASK_TI_flags], _TIF_ALLWORK_MASK
    jnz syscall_exit_slow
    /* opportunistic SYSRET: RCX == RIP, canonical, R11 == RFLAGS without RF/TF */
    mov rcx, [rsp + PT_RCX]
    mov r11, [rsp + PT_RIP]
    cmp rcx, r11
    jne swapgs_restore_regs_and_return_to_usermode
    shl rcx, 16
    sar rcx, 16
    cmp rcx, r11
    jne swapgs_restore_regs_and_return_to_usermode
    mov r11, [rsp + PT_R11]
    cmp r11, [rsp + PT_EFLAGS]
    jne swapgs_restore_regs_and_return_to_usermode
    test r11, X86_EFLAGS_RF | X86_EFLAGS_TF
    jnz swapgs_restore_regs_and_return_to_usermode
syscall_return_via_sysret:
    inc QWORD PTR [rip + n_sysret]
    mov rcx, [rsp + PT_RIP]
    mov r11, [rsp + PT_EFLAGS]
    /* RESTORE_C_REGS_EXCEPT_RCX_R11 and the callee-saved ones */
    mov r15, [rsp + PT_R15]
    mov r14, [rsp + PT_R14]
    mov r13, [rsp + PT_R13]
    mov r12, [rsp + PT_R12]
    mov rbp, [rsp + PT_RBP]
    mov rbx, [rsp + PT_RBX]
    mov r10, [rsp + PT_R10]
    mov r9, [rsp + PT_R9]
    mov r8, [rsp + PT_R8]
    mov rax, [rsp + PT_RAX]
    mov rdx, [rsp + PT_RDX]
    mov rsi, [rsp + PT_RSI]
    mov rdi, [rsp + PT_RDI]
    /* The seed switches CR3 before loading RSP (KAISER mapped task stacks in the user tables); this
       kernel does not, so it leaves the kernel stack first and uses the per-CPU scratch slot. */
    mov rsp, [rsp + PT_RSP]
    mov QWORD PTR gs:PCPU_unsafe_stack_register_backup, rax
    SWITCH_TO_USER_CR3 rax
    mov rax, QWORD PTR gs:PCPU_unsafe_stack_register_backup
    swapgs                                  /* USERGS_SYSRET64 */
    sysretq

entry_SYSCALL64_slow_path:                  /* no entry work exists here: same as the fast path */
    jmp entry_SYSCALL_64_fastpath

syscall_exit_slow:
    mov rdi, rsp
    call syscall_exit_work
    /* fall through: the work may have rewritten pt_regs, so return with IRET */

    .globl swapgs_restore_regs_and_return_to_usermode
swapgs_restore_regs_and_return_to_usermode:
    inc QWORD PTR [rip + n_iret]
    /* POP_REGS pop_rdi=0 */
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    pop r11
    pop r10
    pop r9
    pop r8
    pop rax
    pop rcx
    pop rdx
    pop rsi
    /* The stack is now user RDI, orig_ax, RIP, CS, EFLAGS, RSP, SS: copy the IRET frame to the
       trampoline stack (cpu_tss_rw.sp0) and switch CR3 there. */
    mov rdi, rsp
    mov rsp, [rip + tss + 4]
    push QWORD PTR [rdi + 6 * 8]                      /* SS */
    push QWORD PTR [rdi + 5 * 8]                      /* RSP */
    push QWORD PTR [rdi + 4 * 8]                      /* EFLAGS */
    push QWORD PTR [rdi + 3 * 8]                      /* CS */
    push QWORD PTR [rdi + 2 * 8]                      /* RIP */
    push QWORD PTR [rdi]                              /* user RDI */
return_to_user_pop_rdi:
    SWITCH_TO_USER_CR3 rdi
    pop rdi
    swapgs
    iretq

/* The first entry to ring 3: an IRET frame is on the trampoline stack already. */
return_to_user_iret:
    push 0
    jmp return_to_user_pop_rdi

/* int 0x80 (DPL 3 interrupt gate): the CPU pushed SS, RSP, RFLAGS, CS, RIP on TSS.RSP0 */
    .globl entry_INT80_compat
entry_INT80_compat:
    swapgs
    mov eax, eax                            /* the i386 syscall number is 32 bits */
    push rax                                /* pt_regs->orig_ax */
    push rdi                                /* pt_regs->di */
    SWITCH_TO_KERNEL_CR3_NO_STACK
    mov rdi, rsp
    mov rsp, QWORD PTR gs:PCPU_cpu_current_top_of_stack
    push QWORD PTR [rdi + 6 * 8]                      /* pt_regs->ss */
    push QWORD PTR [rdi + 5 * 8]                      /* pt_regs->sp */
    push QWORD PTR [rdi + 4 * 8]                      /* pt_regs->flags */
    push QWORD PTR [rdi + 3 * 8]                      /* pt_regs->cs */
    push QWORD PTR [rdi + 2 * 8]                      /* pt_regs->ip */
    push QWORD PTR [rdi + 1 * 8]                      /* pt_regs->orig_ax */
    push QWORD PTR [rdi]                              /* pt_regs->di */
    push rsi
    push rdx
    push rcx
    push -ENOSYS
    push r8
    push r9
    push r10
    push r11
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    inc QWORD PTR [rip + n_syscalls]
    mov rdi, rsp
    call do_int80_syscall_32
    jmp swapgs_restore_regs_and_return_to_usermode

/* Exception stubs: push a dummy error code where the CPU pushes none, then the vector. */
    .balign 16
exc_stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19
    .balign 16
    .if (\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17)
    push \v
    jmp exc_common
    .else
    push -1
    push \v
    jmp exc_common
    .endif
    .endr

/* [rsp] = vector, +8 error code, +16 RIP, +24 CS, +32 RFLAGS, +40 RSP, +48 SS */
exc_common:
    cmp QWORD PTR [rsp], 8
    je exc_double_fault
    test BYTE PTR [rsp + 24], 3
    jnz exc_from_user
    /* from ring 0: look the faulting RIP up in the exception table */
    push rax
    push rcx
    mov rax, [rsp + 32]
    lea rcx, [rip + __ex_table]
1:  cmp QWORD PTR [rcx], 0
    je exc_kernel_bug
    cmp [rcx], rax
    je 2f
    add rcx, 16
    jmp 1b
2:  mov rax, [rcx + 8]
    mov [rsp + 32], rax
    pop rcx
    pop rax
    mov r8, [rsp]
    mov r9, [rsp + 8]
    add rsp, 16
    iretq
exc_kernel_bug:
    pop rcx
    pop rax
    lea rsi, [rip + s_kernel_exc]
    call puts
    mov rdi, [rsp]
    call put_vector_name
    lea rsi, [rip + s_at_rip]
    call puts
    mov rdi, [rsp + 16]
    call puthex
    lea rsi, [rip + s_nl]
    jmp panic
exc_double_fault:
    lea rsi, [rip + s_double_fault]
    jmp panic

/* From ring 3: like a signal, the kernel reports the fault and resumes the user at its registered
   handler (rdi = vector, rsi = error code, rdx = RIP, rcx = CR2); other registers are kept. */
exc_from_user:
    swapgs
    SWITCH_TO_KERNEL_CR3_NO_STACK
    inc QWORD PTR [rip + n_user_faults]
    push rax
    push rbx
    push r8
    push r9
    push r10
    push r11
    mov rbx, rsp                            /* rbx + 48 = the vector slot */
    lea rsi, [rip + s_user_fault]
    call puts
    mov rdi, [rbx + 48]
    call put_vector_name
    lea rsi, [rip + s_lparen]
    call puts
    mov rdi, [rbx + 56]
    call puthex
    lea rsi, [rip + s_at_rip_paren]
    call puts
    mov rdi, [rbx + 64]
    call puthex
    cmp QWORD PTR [rbx + 48], 14
    jne 1f
    lea rsi, [rip + s_cr2]
    call puts
    mov rdi, cr2
    call puthex
1:  lea rsi, [rip + s_nl]
    call puts
    mov rax, [rip + user_fault_handler]
    test rax, rax
    lea rsi, [rip + s_no_handler]
    jz panic
    mov rdi, [rbx + 48]
    mov rsi, [rbx + 56]
    mov rdx, [rbx + 64]
    mov rcx, cr2
    mov [rbx + 64], rax                     /* frame RIP = handler */
    mov rax, [rip + user_fault_stack]
    mov [rbx + 88], rax                     /* frame RSP */
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbx
    pop rax
    add rsp, 16                             /* vector, error code */
    push rdi
    jmp return_to_user_pop_rdi
