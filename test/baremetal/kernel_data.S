/* cpu_entry_area (both PGDs), per-CPU pages, kernel data, strings and bss -- part of the bare-metal test kernel, included by kernel.S. */

/* ---- cpu_entry_area: both PGDs (supervisor) ---------------------------------------------------------- */
    .section .cea, "aw"
    .balign 4096
    LINUX_GDT
    .balign 16
tss:
    .skip 104
    .balign 4096
idt:
    .skip 256 * 16
    .balign 4096
entry_stack:
    .skip 4096
entry_stack_top:
df_stack:
    .skip 4096
df_stack_top:
    .balign 4096
percpu_base:                                /* user-mapped per-CPU page */
    .skip 4096

    .section .percpu_kernel, "aw"
    .skip 4096                              /* rsp_scratch, cpu_current_top_of_stack, current_task */


/* ---- kernel data ---------------------------------------------------------------------------------- */
    .section .rodata
gdt_desc: .word gdt_end - gdt - 1
          .quad gdt
idt_desc: .word 256 * 16 - 1
          .quad idt
hexdigits: .ascii "0123456789abcdef"
vec_names: .asciz "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM"
s_banner:       .asciz "ringjit bare-metal test kernel\n"
s_bootinfo_ok:  .asciz "boot_info: magic RJBOOT01 ok\n"
s_bootinfo_bad: .asciz "boot_info: bad magic\n"
s_gdt:          .asciz "lgdt + iretq: running with CS=0x10 SS=0x18 from our own GDT\n"
s_idt:          .asciz "ltr 0x40 (TSS: RSP0 = entry trampoline stack, IST1 = #DF stack); lidt: 20 exception gates + int 0x80 (DPL 3)\n"
s_msr_ok:       .asciz "syscall_init: STAR, LSTAR = entry_SYSCALL_64, CSTAR, SFMASK, EFER.SCE; GS = per-CPU area\n"
s_msr_bad:      .asciz "rdmsr(LSTAR) does not read back\n"
s_chk_lstar:    .asciz "wrmsr LSTAR <- 0x0080000000001000 (non-canonical): "
s_chk_rdmsr:    .asciz "rdmsr 0x12345678 (no such MSR): "
s_chk_efer:     .asciz "wrmsr EFER with reserved bit 1: "
s_chk_cr3:      .asciz "mov cr3 with bit 63 while CR4.PCIDE = 0: "
s_chk_pcide:    .asciz "mov cr4 setting PCIDE while CR3[11:0] = 0x8: "
s_chk_cr4:      .asciz "mov cr4 setting SMEP (not supported): "
s_chk_ltr:      .asciz "ltr 0x40 again (TSS is busy): "
s_chk_sysret:   .asciz "sysretq with RCX = 0x0000800000000000 (non-canonical): "
s_chk_iret:     .asciz "iretq to CPL 3 with a null SS: "
s_chk_int3:     .asciz "int3 at CPL 0 (a trap: RIP after it): "
s_swapgs_ok:    .asciz "swapgs; swapgs: KERNEL_GS_BASE unchanged\n"
s_swapgs_bad:   .asciz "swapgs; swapgs: KERNEL_GS_BASE CHANGED\n"
s_nofault:      .asciz "no fault\n"
s_lparen:       .asciz "("
s_rparen_nl:    .asciz ")\n"
s_pcid_on:      .asciz "CR4: PCIDE | FSGSBASE | PGE; CR3 = kernel PGD | PCID 1\n"
s_pcid_off:     .asciz "CR4: FSGSBASE | PGE (no PCID)\n"
s_invlpg_ok:    .asciz "invlpg: the remapped page reads its new frame\n"
s_invlpg_bad:   .asciz "invlpg: STALE translation after invlpg\n"
s_kpti:         .asciz "KPTI: kernel PGD maps the kernel; user PGD (kernel | 0x1000) maps user pages, entry text, cpu_entry_area\n"
s_to_user:      .asciz "entering ring 3 with swapgs + iretq\n"
s_kernel_exc:   .asciz "kernel exception "
s_at_rip:       .asciz " at rip "
s_at_rip_paren: .asciz ") at rip "
s_cr2:          .asciz " cr2 "
s_nl:           .asciz "\n"
s_double_fault: .asciz "double fault\n"
s_user_fault:   .asciz "kernel: user fault "
s_no_handler:   .asciz "kernel: no user fault handler\n"
s_exit1:        .asciz "kernel: exit; syscalls "
s_exit2:        .asciz " (sysret "
s_exit3:        .asciz ", iret "
s_exit4:        .asciz "), user faults "
s_exit5:        .asciz "\n"

    .section .data
    .balign 8
init_task:      .quad 0                     /* thread_info.flags */
n_syscalls:     .quad 0
n_sysret:       .quad 0
n_iret:         .quad 0
n_user_faults:  .quad 0
user_fault_handler: .quad 0
user_fault_stack:   .quad 0
notify_rip:     .quad 0
kernel_secret:  .quad 0x5ec2e7
pt_pool_next:   .quad pt_pool
decbuf:         .skip 24
    .section .data.ex_table_start, "aw"
    .balign 8
__ex_table:                                 /* (faulting rip, fixup rip) pairs; the list ends with 0 */
    .section .data.ex_table_end, "aw"
    .quad 0, 0

    .section .bss
    .balign 8192
kernel_pgd:     .skip 4096                  /* the KPTI pair: user PGD = kernel PGD | 0x1000 */
user_pgd:       .skip 4096
pt_pool:        .skip 16 * 4096
scratch_a:      .skip 4096
scratch_b:      .skip 4096
sys_call_table: .skip (__NR_syscall_max + 1) * 8
    .balign 16
kstack:         .skip 16384
kstack_top:
