/* Boot: GDT/TSS/IDT, syscall_init, ring-0 fault checks, the KPTI page tables, the first iretq to ring 3 -- part of the bare-metal test kernel, included by kernel.S. */

/* ---- kernel text (kernel PGD only) ---------------------------------------------------------------- */
    .section .text.boot, "ax"
    .globl _start
_start:
    lea rsp, [rip + kstack_top]
    mov rbx, rdi                            /* boot_info */
    lea rsi, [rip + s_banner]
    call puts
    movabs rax, 0x3130544f4f424a52          /* 'RJBOOT01' */
    cmp [rbx], rax
    lea rsi, [rip + s_bootinfo_bad]
    jne panic
    lea rsi, [rip + s_bootinfo_ok]
    call puts

    /* GDT with Linux's selectors, then reload CS/SS with an iretq to the same privilege level */
    call fill_tss_descriptor
    lgdt [rip + gdt_desc]
    mov rax, rsp
    push KERNEL_DS
    push rax
    pushfq
    push KERNEL_CS
    lea rax, [rip + 1f]
    push rax
    iretq
1:  lea rsi, [rip + s_gdt]
    call puts

    /* TSS and IDT */
    lea rax, [rip + entry_stack_top]
    mov [rip + tss + 4], rax                /* RSP0: the entry trampoline stack */
    lea rax, [rip + df_stack_top]
    mov [rip + tss + 36], rax               /* IST1 */
    mov ax, TSS_SEL
    ltr ax
    call fill_idt
    lidt [rip + idt_desc]
    lea rsi, [rip + s_idt]
    call puts

    /* syscall_init (arch/x86/kernel/cpu/common.c) */
    mov ecx, 0xc0000081                     /* MSR_STAR */
    xor eax, eax
    mov edx, (USER32_CS << 16) | KERNEL_CS
    wrmsr
    mov ecx, 0xc0000082                     /* MSR_LSTAR */
    lea rax, [rip + entry_SYSCALL_64]
    xor edx, edx
    wrmsr
    mov ecx, 0xc0000083                     /* MSR_CSTAR */
    lea rax, [rip + ignore_sysret]
    wrmsr
    mov ecx, 0xc0000084                     /* MSR_SYSCALL_MASK: TF DF IF IOPL AC NT */
    mov eax, 0x47700
    wrmsr
    mov ecx, 0xc0000080                     /* EFER.SCE */
    rdmsr
    or eax, 1
    wrmsr
    mov ecx, 0xc0000101                     /* MSR_GS_BASE: the per-CPU area while in the kernel */
    lea rax, [rip + percpu_base]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, 0xc0000102                     /* MSR_KERNEL_GS_BASE: the user's GS base (0) */
    xor eax, eax
    xor edx, edx
    wrmsr
    mov ecx, 0xc0000082
    rdmsr
    shl rdx, 32
    or rax, rdx
    lea rcx, [rip + entry_SYSCALL_64]
    cmp rax, rcx
    lea rsi, [rip + s_msr_bad]
    jne panic
    lea rsi, [rip + s_msr_ok]
    call puts

    call init_sys_call_table
    call ring0_fault_checks

    /* KPTI page tables, then CR3 and CR4 */
    call build_page_tables
    lea rax, [rip + kernel_pgd]
    mov cr3, rax
    mov eax, 1
    cpuid
    bt ecx, 17                              /* CPUID.1:ECX.PCID */
    jnc 2f
    mov rax, cr4
    or rax, (1 << 17) | (1 << 16) | (1 << 7) /* PCIDE | FSGSBASE | PGE */
    mov cr4, rax
    mov BYTE PTR gs:PCPU_pcid_enabled, 1
    lea rax, [rip + kernel_pgd]
    or rax, 1                               /* kern_pcid(asid 0) = 1 */
    mov cr3, rax
    lea rsi, [rip + s_pcid_on]
    call puts
    jmp 3f
2:  mov rax, cr4
    or rax, (1 << 16) | (1 << 7)            /* FSGSBASE | PGE */
    mov cr4, rax
    lea rsi, [rip + s_pcid_off]
    call puts
3:  call invlpg_check
    lea rsi, [rip + s_kpti]
    call puts

    /* the task: current_task, its kernel stack top */
    lea rax, [rip + init_task]
    mov QWORD PTR gs:PCPU_current_task, rax
    lea rax, [rip + kstack_top]
    mov QWORD PTR gs:PCPU_cpu_current_top_of_stack, rax

    /* enter ring 3 the way swapgs_restore_regs_and_return_to_usermode does */
    lea rsi, [rip + s_to_user]
    call puts
    lea rax, [rip + entry_stack_top]
    mov rsp, rax
    push USER_DS
    lea rax, [rip + user_stack_top]
    push rax
    push 0x202
    push USER_CS
    lea rax, [rip + user_main]
    push rax
    jmp return_to_user_iret

/* Each check runs `setup`, then one instruction that must fault or trap. The exception handler finds
   the frame's RIP in __ex_table (the instruction itself for a fault, the next one for a trap) and
   resumes after it with r8 = vector and r9 = error code; r8 = -1 means nothing was raised. */
.macro EXPECT_FAULT name, setup, insn
    mov r8, -1
    xor r9d, r9d
    \setup
.Lf\@: \insn
.Lx\@:
    .pushsection .data.ex_table, "aw"
    .quad .Lf\@, .Lx\@, .Lx\@, .Lx\@
    .popsection
    lea rsi, [rip + \name]
    call report_fault
.endm

ring0_fault_checks:
    push rbx
    EXPECT_FAULT s_chk_lstar, "mov ecx, 0xc0000082; mov eax, 0x1000; mov edx, 0x00800000", wrmsr
    EXPECT_FAULT s_chk_rdmsr, "mov ecx, 0x12345678", rdmsr
    EXPECT_FAULT s_chk_efer, "mov ecx, 0xc0000080; rdmsr; or eax, 0x2", wrmsr
    EXPECT_FAULT s_chk_cr3, "mov rax, cr3; bts rax, 63", "mov cr3, rax"
    EXPECT_FAULT s_chk_pcide, "mov rax, cr3; or rax, 8; mov cr3, rax; mov rbx, cr4; bts rbx, 17", "mov cr4, rbx"
    mov rax, cr3
    and rax, -4096
    mov cr3, rax
    EXPECT_FAULT s_chk_cr4, "mov rax, cr4; bts rax, 20", "mov cr4, rax"
    EXPECT_FAULT s_chk_ltr, "mov ax, TSS_SEL", "ltr ax"
    EXPECT_FAULT s_chk_sysret, "mov rcx, 0x0000800000000000; mov r11, 0x2", sysretq
    mov rbx, rsp
    EXPECT_FAULT s_chk_iret, "mov rax, rsp; push 0; push rax; push 0x2; push USER_CS; lea rax, [rip + panic]; push rax", iretq
    mov rsp, rbx
    EXPECT_FAULT s_chk_int3, "", int3
    /* swapgs twice is the identity: KERNEL_GS_BASE still holds the user's 0 */
    swapgs
    swapgs
    mov ecx, 0xc0000102
    rdmsr
    or eax, edx
    lea rsi, [rip + s_swapgs_ok]
    jz 1f
    lea rsi, [rip + s_swapgs_bad]
1:  call puts
    pop rbx
    ret

/* r8 = vector or -1, r9 = error code, rsi = name */
report_fault:
    push r8
    push r9
    call puts
    pop r9
    pop r8
    cmp r8, -1
    jne 1f
    lea rsi, [rip + s_nofault]
    jmp puts
1:  push r9
    mov rdi, r8
    call put_vector_name
    pop rdi
    cmp rdi, -1                             /* no error code pushed */
    lea rsi, [rip + s_nl]
    je puts
    push rdi
    lea rsi, [rip + s_lparen]
    call puts
    pop rdi
    call puthex
    lea rsi, [rip + s_rparen_nl]
    jmp puts

/* rdi = vector: print its mnemonic (#GP ...) */
put_vector_name:
    lea rsi, [rip + vec_names]
    cmp rdi, 19
    ja 1f
    lea rsi, [rsi + rdi * 4]
    jmp puts
1:  jmp puthex

/* Build the KPTI pair: the kernel PGD maps everything this kernel owns; the user PGD only the user
   program, the entry text and the cpu_entry_area. Identity mappings, 4 KiB pages. */
build_page_tables:
    push rbx
    push r12
    push r13
    mov r12, 0x8000000000000000             /* NX */
    lea rdi, [rip + kernel_pgd]
    lea rsi, [rip + __kernel_start]
    lea rdx, [rip + __entry_text_start]
    mov rcx, PTE_P                          /* kernel text: read/execute */
    call map_range
    lea rsi, [rip + __entry_text_start]
    lea rdx, [rip + __entry_text_end]
    mov rcx, PTE_P | PTE_G
    call map_range
    lea rsi, [rip + __cea_start]
    lea rdx, [rip + __cea_end]
    mov rcx, PTE_P | PTE_RW | PTE_G
    or rcx, r12
    call map_range
    lea rsi, [rip + __cea_end]
    lea rdx, [rip + __kernel_end]
    mov rcx, PTE_P | PTE_RW                 /* per-CPU (kernel part), rodata, data, bss */
    or rcx, r12
    call map_range
    call map_user
    /* the user copy */
    lea rdi, [rip + user_pgd]
    lea rsi, [rip + __entry_text_start]
    lea rdx, [rip + __entry_text_end]
    mov rcx, PTE_P | PTE_G
    call map_range
    lea rsi, [rip + __cea_start]
    lea rdx, [rip + __cea_end]
    mov rcx, PTE_P | PTE_RW | PTE_G
    or rcx, r12
    call map_range
    call map_user
    pop r13
    pop r12
    pop rbx
    ret

map_user:                                   /* rdi = pgd */
    lea rsi, [rip + __user_start]
    lea rdx, [rip + __user_data_start]
    mov rcx, PTE_P | PTE_US
    call map_range
    lea rsi, [rip + __user_data_start]
    lea rdx, [rip + __user_end]
    mov rcx, PTE_P | PTE_RW | PTE_US
    or rcx, r12
    jmp map_range

/* map_range(rdi = pgd, rsi = start, rdx = end, rcx = leaf flags): identity, one 4 KiB page at a time */
map_range:
    cmp rsi, rdx
    jae 1f
    push rsi
    push rdx
    mov rdx, rsi
    call map_page_to
    pop rdx
    pop rsi
    add rsi, 4096
    jmp map_range
1:  ret

/* map_page_to(rdi = pgd, rsi = va, rdx = pa, rcx = leaf flags); tables come from pt_pool */
map_page_to:
    push rbx
    mov r8, rdi
    mov r10, 39
1:  mov rax, rsi
    push rcx
    mov ecx, r10d
    shr rax, cl
    pop rcx
    and eax, 511
    lea r9, [r8 + rax * 8]
    mov rax, [r9]
    test al, PTE_P
    jnz 2f
    mov rax, [rip + pt_pool_next]
    lea rbx, [rax + 4096]
    mov [rip + pt_pool_next], rbx
    or rax, PTE_P | PTE_RW | PTE_US
    mov [r9], rax
2:  and rax, -4096
    btr rax, 63
    mov r8, rax
    sub r10, 9
    cmp r10, 12
    jne 1b
    mov rax, rsi
    shr rax, 12
    and eax, 511
    mov rbx, rdx
    or rbx, rcx
    mov [r8 + rax * 8], rbx
    pop rbx
    ret

/* INVLPG: remap scratch_a to scratch_b's frame; after invlpg the new frame must be visible. */
invlpg_check:
    lea rdi, [rip + scratch_a]
    mov QWORD PTR [rdi], 0xa
    lea rax, [rip + scratch_b]
    mov QWORD PTR [rax], 0xb
    mov rax, [rdi]                          /* the TLB now holds scratch_a -> frame A */
    lea rdi, [rip + kernel_pgd]
    lea rsi, [rip + scratch_a]
    lea rdx, [rip + scratch_b]
    mov rcx, PTE_P | PTE_RW
    call map_page_to
    lea rdi, [rip + scratch_a]
    invlpg [rdi]
    mov rax, [rdi]
    cmp rax, 0xb
    lea rsi, [rip + s_invlpg_bad]
    jne puts
    lea rsi, [rip + s_invlpg_ok]
    jmp puts

init_sys_call_table:                        /* [0 ... __NR_syscall_max] = &sys_ni_syscall, then the rest */
    lea rdi, [rip + sys_call_table]
    lea rax, [rip + sys_ni_syscall]
    mov ecx, __NR_syscall_max + 1
    rep stosq
    lea rdi, [rip + sys_call_table]
    lea rax, [rip + sys_write]
    mov [rdi + NR_write * 8], rax
    lea rax, [rip + sys_getpid]
    mov [rdi + NR_getpid * 8], rax
    lea rax, [rip + sys_exit]
    mov [rdi + NR_exit * 8], rax
    lea rax, [rip + sys_getppid]
    mov [rdi + NR_getppid * 8], rax
    lea rax, [rip + sys_set_fault_handler]
    mov [rdi + NR_set_fault_handler * 8], rax
    lea rax, [rip + sys_notify_resume]
    mov [rdi + NR_notify_resume * 8], rax
    ret

/* The 16-byte TSS descriptor needs the TSS address split into fields. */
fill_tss_descriptor:
    lea rax, [rip + tss]
    mov ecx, eax
    shl ecx, 16
    or ecx, 103                             /* limit */
    mov [rip + gdt + TSS_SEL], ecx
    mov rcx, rax
    shr rcx, 16
    and ecx, 0xff
    or ecx, 0x8900                          /* P, DPL 0, type 9 (available 64-bit TSS) */
    mov edx, eax
    and edx, 0xff000000
    or ecx, edx
    mov [rip + gdt + TSS_SEL + 4], ecx
    shr rax, 32
    mov [rip + gdt + TSS_SEL + 8], eax
    ret

    SET_GATE_ROUTINE

fill_idt:
    push rbx
    xor ebx, ebx
1:  mov rdi, rbx
    lea rsi, [rip + exc_stubs]
    mov rax, rbx
    shl rax, 4                              /* stubs are 16 bytes apart */
    add rsi, rax
    mov edx, 0x8e00                         /* P, DPL 0, interrupt gate */
    cmp ebx, 8
    jne 2f
    or edx, 1                               /* #DF on IST1 */
2:  call set_gate
    inc ebx
    cmp ebx, 20
    jb 1b
    mov edi, 0x80
    lea rsi, [rip + entry_INT80_compat]
    mov edx, 0xee00                         /* P, DPL 3, interrupt gate */
    call set_gate
    pop rbx
    ret
