// The 64-bit system-call entry path, shaped like Linux's entry_SYSCALL_64 (arch/x86/entry/entry_64.S,
// see ../../shared/seeds/000_*) and the boot code that points the MSRs at it (syscall_init).
//
// The guest's `syscall` instruction is executed by the runtime (syscallTransition: RCX <- next RIP,
// R11 <- RFLAGS, RFLAGS &= ~SFMASK, CS/SS from STAR, CPL 0, RIP <- LSTAR). LSTAR holds a kernel-text
// address registered in cpu.traps, so the execution loop calls entry_SYSCALL_64 next. Each step of the
// assembly path is one function below, named after the seed, so a later issue can make each step fully
// architectural and trace it without restructuring:
//
//   SWAPGS                   real: swaps GS.base and IA32_KERNEL_GS_BASE (the per-CPU area)
//   SWITCH_TO_KERNEL_CR3     no-op for now: one page-table set (no KPTI user/kernel pair yet)
//   switch_to_kernel_stack   real: user RSP -> per-CPU rsp_scratch (guest memory), RSP <- top of stack
//   PUSH_PT_REGS             struct pt_regs is built in k.ptRegs (a TypeScript copy; moving it onto
//                            the kernel stack in guest memory is the later issue)
//   do_syscall_64            nr > __NR_syscall_max -> -ENOSYS, else sys_call_table[nr](regs)
//   syscall_exit_work        the exit-work hook list (signals, rescheduling: later issues)
//   POP_PT_REGS              RESTORE_C_REGS_EXCEPT_RCX_R11, RCX <- regs->ip, R11 <- regs->flags
//   SWITCH_TO_USER_CR3       no-op for now
//   syscall_return_via_sysret  SWAPGS; sysretq, when RCX is canonical (and equals regs->ip)
//   swapgs_restore_regs_and_return_to_usermode  otherwise: SWAPGS; an IRET-like return that sets
//                            RIP/CS/RFLAGS/RSP/SS/CPL directly from pt_regs. A non-canonical RIP then
//                            faults (#GP) on the first fetch in user mode, which becomes SIGSEGV, as
//                            on Linux (where IRET to a non-canonical RIP is fixed up to a SIGSEGV).

import type { Cpu } from '../runtime/cpu.js';

import { addrHi, addrLo, joinAddr } from '../runtime/mmu.js';
import { Sel, sysretTransition } from '../runtime/privileged.js';
import { F } from '../semantics/state.js';
import type { Kernel } from './kernel.js';
import type { AddressSpace } from './mm.js';
import { __NR_syscall_max, sys_call_table } from './syscall_table.js';
import { E, type SyscallArgs } from './types.js';

// ---- kernel-half layout ------------------------------------------------------------------------------

/** Start of kernel text (__START_KERNEL_map + 16 MiB, where Linux links .text without KASLR). */
export const KERNEL_TEXT = joinAddr(0x81000000 | 0, 0xffffffff | 0);
/** Kernel text symbols ringjit defines; each address traps into TypeScript. */
export const KSYM = {
  entry_SYSCALL_64: KERNEL_TEXT + 0x000,
  entry_SYSCALL_compat: KERNEL_TEXT + 0x100,
  entry_SYSENTER_compat: KERNEL_TEXT + 0x200,
  entry_INT80_compat: KERNEL_TEXT + 0x300,
  ignore_sysret: KERNEL_TEXT + 0x400,
} as const;
/** The per-CPU area of CPU 0 (in the direct map at page_offset_base, as without KASLR). */
export const PERCPU_BASE = joinAddr(0, 0xffff8880 | 0);
/** Offsets of the per-CPU variables the entry path uses. */
export const enum PerCpu { rsp_scratch = 0x10, cpu_current_top_of_stack = 0x18, current_task = 0x20 }
export const PERCPU_PAGES = 2;
/** The task's kernel stack (CONFIG_VMAP_STACK: in the vmalloc area, with an unmapped guard page below). */
export const KSTACK_BASE = joinAddr(0x4000, 0xffffc900 | 0);
export const THREAD_SIZE = 0x4000;

/** Linux selector values and the syscall_init MSR values. */
export const MSR_STAR_VALUE = (Sel.USER32_CS * 65536 + Sel.KERNEL_CS) * 2 ** 32;
export const MSR_SYSCALL_MASK_VALUE = F.TF | F.DF | F.IF | F.IOPL | F.AC | F.NT;

export interface KernelHalf {
  textFrame: number;
  percpuFrames: number[];
  stackFrames: number[];
  /** Top of the kernel stack (cpu_current_top_of_stack). */
  stackTop: number;
}

/** Map kernel text (0f 0b = ud2 everywhere, so anything but a trap address would #UD), per-CPU, stack. */
export function setupKernelHalf(mm: AddressSpace): KernelHalf {
  const mem = mm.mem;
  const textFrame = mem.allocFrame();
  for (let i = 0; i < 4096; i += 2) { mem.u8[textFrame + i] = 0x0f; mem.u8[textFrame + i + 1] = 0x0b; }
  mm.mapKernelPage(KERNEL_TEXT, textFrame, false, true);
  const percpuFrames: number[] = [];
  for (let i = 0; i < PERCPU_PAGES; i++) {
    const f = mem.allocFrame();
    percpuFrames.push(f);
    mm.mapKernelPage(PERCPU_BASE + i * 4096, f, true, false);
  }
  const stackFrames: number[] = [];
  for (let i = 0; i < THREAD_SIZE / 4096; i++) {
    const f = mem.allocFrame();
    stackFrames.push(f);
    mm.mapKernelPage(KSTACK_BASE + i * 4096, f, true, false);
  }
  const stackTop = KSTACK_BASE + THREAD_SIZE;
  const dv = mem.dv;
  dv.setInt32(percpuFrames[0] + PerCpu.cpu_current_top_of_stack, addrLo(stackTop), true);
  dv.setInt32(percpuFrames[0] + PerCpu.cpu_current_top_of_stack + 4, addrHi(stackTop), true);
  return { textFrame, percpuFrames, stackFrames, stackTop };
}

/** syscall_init (arch/x86/kernel/cpu/common.c): STAR, LSTAR, SYSCALL_MASK; plus EFER.SCE. */
export function syscall_init(cpu: Cpu): void {
  cpu.star = MSR_STAR_VALUE;
  cpu.lstar = KSYM.entry_SYSCALL_64;
  cpu.cstar = KSYM.ignore_sysret;
  cpu.sysenterCs = 0; cpu.sysenterEsp = 0; cpu.sysenterEip = 0;
  cpu.sfmask = MSR_SYSCALL_MASK_VALUE;
  cpu.efer |= 1; // EFER.SCE
  // User GS is 0; the kernel's GS base (the per-CPU area) waits in KERNEL_GS_BASE for SWAPGS.
  cpu.kernelGsBaseLo = addrLo(PERCPU_BASE);
  cpu.kernelGsBaseHi = addrHi(PERCPU_BASE);
}

// ---- struct pt_regs --------------------------------------------------------------------------------

/** Slots of struct pt_regs (arch/x86/include/asm/ptrace.h), each a u64 = two int32 halves. */
export const enum PtReg {
  R15 = 0, R14, R13, R12, BP, BX, R11, R10, R9, R8, AX, CX, DX, SI, DI, ORIG_AX, IP, CS, FLAGS, SP, SS,
  COUNT,
}
/** pt_regs slot -> GPR number for the 15 general registers saved by PUSH_REGS (RSP lives in SP). */
const SLOT_GPR = [15, 14, 13, 12, 5, 3, 11, 10, 9, 8, 0, 1, 2, 6, 7];
/** Syscall argument n -> pt_regs slot (rdi, rsi, rdx, r10, r8, r9). */
const ARG_SLOT = [PtReg.DI, PtReg.SI, PtReg.DX, PtReg.R10, PtReg.R8, PtReg.R9];

export function newPtRegs(): Int32Array { return new Int32Array(PtReg.COUNT * 2); }

/** A pt_regs slot as an exact signed number. */
export function ptGet(r: Int32Array, slot: number): number { return joinAddr(r[2 * slot], r[2 * slot + 1]); }
export function ptSet(r: Int32Array, slot: number, v: number): void { r[2 * slot] = addrLo(v); r[2 * slot + 1] = addrHi(v); }

/** SyscallArgs over a pt_regs copy: one object per kernel, no allocation per call. */
export class PtRegsArgs implements SyscallArgs {
  constructor(readonly r: Int32Array) {}
  lo(n: number): number { return this.r[2 * ARG_SLOT[n]]; }
  hi(n: number): number { return this.r[2 * ARG_SLOT[n] + 1]; }
  i32(n: number): number { return this.r[2 * ARG_SLOT[n]]; }
  u32(n: number): number { return this.r[2 * ARG_SLOT[n]] >>> 0; }
  i64(n: number): number { const s = 2 * ARG_SLOT[n]; return this.r[s + 1] * 4294967296 + (this.r[s] >>> 0); }
  u64(n: number): number { const s = 2 * ARG_SLOT[n]; return (this.r[s + 1] >>> 0) * 4294967296 + (this.r[s] >>> 0); }
}

// ---- the entry path, one function per step ----------------------------------------------------------

/** SWAPGS: exchange GS.base with IA32_KERNEL_GS_BASE. */
export function SWAPGS(cpu: Cpu): void {
  const lo = cpu.gsBaseLo, hi = cpu.gsBaseHi;
  cpu.gsBaseLo = cpu.kernelGsBaseLo; cpu.gsBaseHi = cpu.kernelGsBaseHi;
  cpu.kernelGsBaseLo = lo; cpu.kernelGsBaseHi = hi;
}

/** SWITCH_TO_KERNEL_CR3: with KPTI, load the kernel page tables. ringjit has one set for now. */
export function SWITCH_TO_KERNEL_CR3(_k: Kernel, _cpu: Cpu): void { /* no KPTI yet */ }
/** SWITCH_TO_USER_CR3: the return half of the KPTI switch. */
export function SWITCH_TO_USER_CR3(_k: Kernel, _cpu: Cpu): void { /* no KPTI yet */ }

/** movq %rsp, PER_CPU_VAR(rsp_scratch); movq PER_CPU_VAR(cpu_current_top_of_stack), %rsp */
export function switch_to_kernel_stack(k: Kernel, cpu: Cpu): void {
  const pc = k.kernelHalf.percpuFrames[0];
  const dv = cpu.mem.dv;
  dv.setInt32(pc + PerCpu.rsp_scratch, cpu.regs[8], true);
  dv.setInt32(pc + PerCpu.rsp_scratch + 4, cpu.regs[9], true);
  cpu.regs[8] = dv.getInt32(pc + PerCpu.cpu_current_top_of_stack, true);
  cpu.regs[9] = dv.getInt32(pc + PerCpu.cpu_current_top_of_stack + 4, true);
}

/** Construct struct pt_regs: ss, sp (from rsp_scratch), flags (r11), cs, ip (rcx), orig_ax, regs, ax = -ENOSYS. */
export function PUSH_PT_REGS(k: Kernel, cpu: Cpu): void {
  const r = k.ptRegs, g = cpu.regs;
  const pc = k.kernelHalf.percpuFrames[0];
  r[2 * PtReg.SS] = Sel.USER_DS; r[2 * PtReg.SS + 1] = 0;
  r[2 * PtReg.SP] = cpu.mem.dv.getInt32(pc + PerCpu.rsp_scratch, true);
  r[2 * PtReg.SP + 1] = cpu.mem.dv.getInt32(pc + PerCpu.rsp_scratch + 4, true);
  r[2 * PtReg.FLAGS] = g[22]; r[2 * PtReg.FLAGS + 1] = g[23];
  r[2 * PtReg.CS] = Sel.USER_CS; r[2 * PtReg.CS + 1] = 0;
  r[2 * PtReg.IP] = g[2]; r[2 * PtReg.IP + 1] = g[3];
  r[2 * PtReg.ORIG_AX] = g[0]; r[2 * PtReg.ORIG_AX + 1] = g[1];
  for (let s = 0; s < 15; s++) { const x = SLOT_GPR[s]; r[2 * s] = g[2 * x]; r[2 * s + 1] = g[2 * x + 1]; }
  r[2 * PtReg.AX] = -E.ENOSYS; r[2 * PtReg.AX + 1] = -1;
}

/**
 * do_syscall_64: the `cmpq $__NR_syscall_max, %rax; ja 1f` check (unsigned, all 64 bits), then
 * `call *sys_call_table(, %rax, 8)` and `movq %rax, RAX(%rsp)`.
 */
export function do_syscall_64(k: Kernel): void {
  const r = k.ptRegs;
  const lo = r[2 * PtReg.ORIG_AX], hi = r[2 * PtReg.ORIG_AX + 1];
  if (hi !== 0 || (lo >>> 0) > __NR_syscall_max) {
    k.currentSyscall = -1;
    const nr = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    k.reportUnimplemented(nr);
    if (k.opts.strace) k.strace.bad(nr, k.args);
    return; // pt_regs->ax is already -ENOSYS
  }
  k.currentSyscall = lo;
  const result = k.opts.strace ? k.strace.call(lo, sys_call_table[lo], k.args) : sys_call_table[lo](k, k.args);
  r[2 * PtReg.AX] = addrLo(result);
  r[2 * PtReg.AX + 1] = addrHi(result);
}

/** Exit work (_TIF_ALLWORK_MASK): the hook list; empty until signals and scheduling exist. */
export function syscall_exit_work(k: Kernel): void {
  const w = k.exitWork;
  for (let i = 0; i < w.length; i++) w[i](k);
}

/** POP_REGS / RESTORE_C_REGS_EXCEPT_RCX_R11, then movq RIP(%rsp), %rcx; movq EFLAGS(%rsp), %r11. */
export function POP_PT_REGS(k: Kernel, cpu: Cpu): void {
  const r = k.ptRegs, g = cpu.regs;
  for (let s = 0; s < 15; s++) { const x = SLOT_GPR[s]; g[2 * x] = r[2 * s]; g[2 * x + 1] = r[2 * s + 1]; }
  g[2] = r[2 * PtReg.IP]; g[3] = r[2 * PtReg.IP + 1];
  g[22] = r[2 * PtReg.FLAGS]; g[23] = r[2 * PtReg.FLAGS + 1];
}

/** movq RSP(%rsp), %rsp */
export function restore_user_stack(k: Kernel, cpu: Cpu): void {
  cpu.regs[8] = k.ptRegs[2 * PtReg.SP];
  cpu.regs[9] = k.ptRegs[2 * PtReg.SP + 1];
}

/** USERGS_SYSRET64: swapgs; sysretq. */
export function syscall_return_via_sysret(cpu: Cpu): void {
  SWAPGS(cpu);
  sysretTransition(cpu);
}

/** The IRET path: swapgs, then RIP/CS/RFLAGS/RSP/SS from the pt_regs frame, CPL 3. */
export function swapgs_restore_regs_and_return_to_usermode(k: Kernel, cpu: Cpu): void {
  const r = k.ptRegs;
  SWAPGS(cpu);
  cpu.cs = r[2 * PtReg.CS] & 0xffff;
  cpu.ss = r[2 * PtReg.SS] & 0xffff;
  cpu.regs[8] = r[2 * PtReg.SP]; cpu.regs[9] = r[2 * PtReg.SP + 1];
  cpu.setEflags((r[2 * PtReg.FLAGS] & 0x3f7fd5) | F.IF | 2);
  cpu.setCpl(3);
  cpu.rip = joinAddr(r[2 * PtReg.IP], r[2 * PtReg.IP + 1]);
}

/** True when RCX can be returned to with SYSRET (canonical user address equal to regs->ip). */
function sysretOk(k: Kernel, cpu: Cpu): boolean {
  const hi = cpu.regs[3];
  return hi >= 0 && hi <= 0x7fff && cpu.regs[2] === k.ptRegs[2 * PtReg.IP] && hi === k.ptRegs[2 * PtReg.IP + 1] &&
    cpu.regs[22] === k.ptRegs[2 * PtReg.FLAGS];
}

/** The trap handler at LSTAR. */
export function entry_SYSCALL_64(k: Kernel, cpu: Cpu): void {
  SWAPGS(cpu);
  SWITCH_TO_KERNEL_CR3(k, cpu);
  switch_to_kernel_stack(k, cpu);
  PUSH_PT_REGS(k, cpu);
  do_syscall_64(k);
  if (k.exitWork.length) syscall_exit_work(k);
  POP_PT_REGS(k, cpu);
  if (sysretOk(k, cpu)) {
    restore_user_stack(k, cpu);
    SWITCH_TO_USER_CR3(k, cpu);
    syscall_return_via_sysret(cpu);
  } else {
    SWITCH_TO_USER_CR3(k, cpu);
    swapgs_restore_regs_and_return_to_usermode(k, cpu);
  }
}

/** Register the entry points' trap handlers for a kernel. */
export function registerEntryTraps(k: Kernel, cpu: Cpu): void {
  cpu.traps.set(KSYM.entry_SYSCALL_64, (c) => entry_SYSCALL_64(k, c));
}

