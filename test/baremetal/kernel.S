/* ringjit's bare-metal test kernel (run with `ringjit boot`, built by scripts/build-baremetal.mjs).
 *
 * Written for this project. It does in ring-0 guest code what Linux's boot and entry code do, so
 * every privileged instruction executes for real under ringjit's engines:
 *   - lgdt/iretq/ltr/lidt: its own GDT with Linux's selectors, a 64-bit TSS (RSP0 = the entry
 *     trampoline stack, IST1 = the #DF stack) and an IDT (exception stubs, int 0x80 with DPL 3);
 *   - syscall_init: wrmsr STAR/LSTAR/CSTAR/SFMASK, EFER.SCE; GS bases for the per-CPU area;
 *   - KPTI: a kernel/user PGD pair 8 KiB apart (user PGD = kernel PGD | 0x1000); the user copy maps
 *     only the user program, the entry text and the cpu_entry_area; PCIDs 1 / 0x801 with the CR3
 *     no-flush bit when CPUID reports PCID;
 *   - entry_SYSCALL_64 modelled on Linux 4.x (seed 000): SWAPGS, SWITCH_KERNEL_CR3_NO_STACK,
 *     rsp_scratch, cpu_current_top_of_stack, struct pt_regs pushes, the nr > __NR_syscall_max check,
 *     r10 -> rcx, call *sys_call_table(,%rax,8), the exit-work test, sysretq or the IRET path
 *     (swapgs_restore_regs_and_return_to_usermode on the trampoline stack);
 *   - kernel exception fixups (an __ex_table of (faulting rip, fixup rip)) to check #GP conditions of
 *     wrmsr, rdmsr, mov cr3/cr4, ltr, sysretq and iretq in ring 0;
 *   - a ring-3 program that makes system calls and faults on purpose; results go to the 16550 serial
 *     port and the run ends through isa-debug-exit with the program's exit status. */

    .intel_syntax noprefix

#include "linux_x86.inc"
    .set ENOSYS, 38
    .set EBADF, 9

    /* per-CPU variables, reached through GS. The first page is in the cpu_entry_area (mapped in the
       user PGD too, like KAISER's user-mapped per-CPU section); the second is kernel-only. */
    .set PCPU_unsafe_stack_register_backup, 0x0
    .set PCPU_pcid_enabled, 0x8
    .set PCPU_rsp_scratch, 0x1000
    .set PCPU_cpu_current_top_of_stack, 0x1008
    .set PCPU_current_task, 0x1010

    /* struct pt_regs (arch/x86/include/asm/ptrace.h) offsets */
    .set PT_R15, 0
    .set PT_R14, 8
    .set PT_R13, 16
    .set PT_R12, 24
    .set PT_RBP, 32
    .set PT_RBX, 40
    .set PT_R11, 48
    .set PT_R10, 56
    .set PT_R9, 64
    .set PT_R8, 72
    .set PT_RAX, 80
    .set PT_RCX, 88
    .set PT_RDX, 96
    .set PT_RSI, 104
    .set PT_RDI, 112
    .set PT_ORIG_RAX, 120
    .set PT_RIP, 128
    .set PT_CS, 136
    .set PT_EFLAGS, 144
    .set PT_RSP, 152
    .set PT_SS, 160

    .set TASK_TI_flags, 0
    .set TIF_NOTIFY_RESUME, 1 << 1
    .set _TIF_ALLWORK_MASK, TIF_NOTIFY_RESUME
    .set _TIF_WORK_SYSCALL_ENTRY, 1 << 0            /* TIF_SYSCALL_TRACE: never set here */

    .set NR_write, 1
    .set NR_getpid, 39
    .set NR_exit, 60
    .set NR_getppid, 110
    .set NR_set_fault_handler, 0x200              /* this kernel's own calls */
    .set NR_notify_resume, 0x201
    .set __NR_syscall_max, 0x201
    .set IA32_NR_syscalls, 21                     /* i386 numbers 0..20 */

    .set PTE_P, 1
    .set PTE_RW, 2
    .set PTE_US, 4
    .set PTE_G, 0x100
    .set X86_CR3_PTI_PCID_USER, 0x800
    .set PTI_USER_PGTABLE, 0x1000
    .set X86_EFLAGS_TF, 0x100
    .set X86_EFLAGS_RF, 0x10000

/* The parts, assembled as one unit (one set of local symbols, one link): */
#include "kernel_boot.S"
#include "kernel_lib.S"
#include "kernel_entry.S"
#include "kernel_data.S"
#include "kernel_user.S"

    .section .note.GNU-stack, "", @progbits
