// The 64-bit system-call entry path, following Linux's entry_SYSCALL_64 (arch/x86/entry/entry_64.S,
// ../../shared/seeds/000_*) step by step, on the runtime's architectural primitives (DESIGN decision 7).
//
// The guest's `syscall` instruction is executed by the runtime (RCX <- next RIP, R11 <- RFLAGS,
// RFLAGS &= ~SFMASK, CS/SS from STAR, CPL 0, RIP <- LSTAR). LSTAR holds a kernel-text address registered
// in cpu.traps, so the execution loop calls entry_SYSCALL_64 next, still on the user's CR3 and GS.
// Each step below is one function named after the seed, doing what the assembly does:
//
//   SWAPGS                      swapgs (the runtime primitive): GS.base <-> IA32_KERNEL_GS_BASE
//   SWITCH_KERNEL_CR3_NO_STACK  KPTI: rax -> gs:unsafe_stack_register_backup (user-mapped per-CPU
//                               page), mov cr3 -> rax, clear the user PGD/PCID bits, set the no-flush
//                               bit with PCIDs, mov rax -> cr3, restore rax
//   switch_to_kernel_stack      mov %rsp, gs:rsp_scratch; mov gs:cpu_current_top_of_stack, %rsp
//   PUSH_PT_REGS                21 pushes through the MMU onto the task stack: ss, sp, flags, cs, ip,
//                               orig_ax, di, si, dx, cx, ax = -ENOSYS, r8-r11, bx, bp, r12-r15
//   (entry work test)           current_task->thread_info.flags & _TIF_WORK_SYSCALL_ENTRY, read from
//                               guest memory -> syscall_trace_enter
//   do_syscall_64               nr > __NR_syscall_max -> -ENOSYS; mov %r10, %rcx;
//                               call *sys_call_table(,%rax,8) (handlers read their arguments from
//                               pt_regs in guest memory); mov %rax, RAX(%rsp)
//   syscall_exit_work           _TIF_ALLWORK_MASK / the exit-work hooks (signals, rescheduling)
//   syscall_return_via_sysret   when pt_regs still allows SYSRET (RCX == RIP < TASK_SIZE_MAX,
//                               R11 == RFLAGS without RF/TF, CS/SS = STAR's): restore the registers,
//                               RSP, SWITCH_TO_USER_CR3, SWAPGS, sysretq
//   swapgs_restore_regs_and_return_to_usermode   otherwise (also int 0x80): POP_REGS, copy the IRET
//                               frame to the trampoline stack (TSS.sp0), SWITCH_TO_USER_CR3, SWAPGS,
//                               iretq (the primitive, with its privilege checks)

import type { Cpu } from '../runtime/cpu.js';
import { GuestFault, hexAddr, Vec } from '../runtime/faults.js';
import { Access, addrHi, addrLo, carryHi, joinAddr } from '../runtime/mmu.js';
import { readCr3Lo, Sel, swapgs, sysretTransition, writeCr3 } from '../runtime/privileged.js';
import { iretq } from '../runtime/segments.js';
import { F } from '../semantics/state.js';
import { EntryMeter, type EntryStats, hexCr3 } from './entry_stats.js';
import type { Kernel } from './kernel.js';
import {
  adjustKernelCr3, adjustUserCr3, CEA, cr3WriteHi, type EntryConfig, KSYM, PERCPU_BASE, PerCpu, TASK_TI_flags, TSS_sp0,
} from './pti.js';
import { __NR_syscall_max, sys_call_table, type SyscallHandler } from './syscall_table.js';
import { syscallName } from './syscall_names.js';
import { E, type SyscallArgs, TASK_SIZE_MAX } from './types.js';

export { CEA, ENTRY_TEXT, INIT_TASK, KERNEL_TEXT, KSTACK_BASE, KSYM, PERCPU_BASE, PerCpu, THREAD_SIZE } from './pti.js';
export { cpu_init, setupKernelHalf, type EntryConfig, type KernelHalf } from './pti.js';

/** syscall_init's MSR values: STAR = (__USER32_CS << 16 | __KERNEL_CS) << 32, SFMASK = TF|DF|IF|IOPL|AC|NT. */
export const MSR_STAR_VALUE = (Sel.USER32_CS * 65536 + Sel.KERNEL_CS) * 2 ** 32;
export const MSR_SYSCALL_MASK_VALUE = F.TF | F.DF | F.IF | F.IOPL | F.AC | F.NT;
/** TASK_SIZE_MAX (types.ts): SYSRET to RIP at or above it would #GP in ring 0 on Intel, so those return by IRET. */
export { TASK_SIZE_MAX };

// thread_info flags (arch/x86/include/asm/thread_info.h)
export const TIF_SYSCALL_TRACE = 1 << 0, TIF_NOTIFY_RESUME = 1 << 1, TIF_SIGPENDING = 1 << 2, TIF_NEED_RESCHED = 1 << 3;
export const _TIF_WORK_SYSCALL_ENTRY = TIF_SYSCALL_TRACE;
export const _TIF_ALLWORK_MASK = TIF_SYSCALL_TRACE | TIF_NOTIFY_RESUME | TIF_SIGPENDING | TIF_NEED_RESCHED;

/**
 * syscall_init (arch/x86/kernel/cpu/common.c) with CONFIG_IA32_EMULATION: STAR, LSTAR, CSTAR, the
 * SYSENTER MSRs, SYSCALL_MASK. User GS is 0; the kernel's GS base (the per-CPU area) waits in
 * IA32_KERNEL_GS_BASE for the entry's SWAPGS.
 */
export function syscall_init(cpu: Cpu): void {
  cpu.star = MSR_STAR_VALUE;
  cpu.lstar = KSYM.entry_SYSCALL_64;
  cpu.cstar = KSYM.entry_SYSCALL_compat;
  cpu.sysenterCs = Sel.KERNEL_CS; cpu.sysenterEsp = 0; cpu.sysenterEip = KSYM.entry_SYSENTER_compat;
  cpu.sfmask = MSR_SYSCALL_MASK_VALUE;
  cpu.efer |= 1; // EFER.SCE
  cpu.kernelGsBaseLo = addrLo(PERCPU_BASE);
  cpu.kernelGsBaseHi = addrHi(PERCPU_BASE);
}

// ---- struct pt_regs ----------------------------------------------------------------------------------

/** Slots of struct pt_regs (arch/x86/include/asm/ptrace.h), lowest address first. */
export const enum PtReg {
  R15 = 0, R14, R13, R12, BP, BX, R11, R10, R9, R8, AX, CX, DX, SI, DI, ORIG_AX, IP, CS, FLAGS, SP, SS,
  COUNT,
}
/** pt_regs slot -> GPR number for the 15 general registers (RSP lives in SP). */
const SLOT_GPR = [15, 14, 13, 12, 5, 3, 11, 10, 9, 8, 0, 1, 2, 6, 7];
/** Syscall argument n -> pt_regs slot (rdi, rsi, rdx, r10, r8, r9). */
const ARG_SLOT = [PtReg.DI, PtReg.SI, PtReg.DX, PtReg.R10, PtReg.R8, PtReg.R9];

/**
 * The pt_regs frame the entry code pushed, read and written where it lies: in guest memory on the task's
 * kernel stack (`va`), through its physical address (the 168-byte frame sits in one page).
 */
export class PtRegs {
  va = 0;
  pa = -1;
  /** pa / 4: the frame's first word in PhysicalMemory.i32 (the frame is 8-byte aligned), or -1. */
  word = -1;
  constructor(private readonly cpu: Cpu) {}
  /** Point at the frame at kernel address va (RSP after the pushes). */
  bind(va: number): void {
    this.bindAt(va, this.cpu.mmu.translate(addrLo(va), addrHi(va), Access.Read));
  }
  /** bind, where the caller has just translated va to pa (the frame it pushed). */
  bindAt(va: number, pa: number): void {
    if ((pa & 4095) + PtReg.COUNT * 8 > 4096) throw new Error('ringjit internal error: pt_regs crosses a page');
    if ((pa & 7) !== 0) throw new Error('ringjit internal error: pt_regs is not 8-byte aligned');
    this.va = va;
    this.pa = pa;
    this.word = pa >> 2;
  }
  /** Physical memory as words: the frame's slot X at words[word + 2X], words[word + 2X + 1]. */
  get words(): Int32Array { return this.cpu.mem.i32; }
  lo(slot: number): number { return this.word < 0 ? 0 : this.cpu.mem.i32[this.word + 2 * slot]; }
  hi(slot: number): number { return this.word < 0 ? 0 : this.cpu.mem.i32[this.word + 2 * slot + 1]; }
  /** A slot as an exact signed number. */
  get(slot: number): number { return joinAddr(this.lo(slot), this.hi(slot)); }
  set(slot: number, v: number): void { this.setHalves(slot, addrLo(v), addrHi(v)); }
  setHalves(slot: number, lo: number, hi: number): void {
    if (this.word < 0) return;
    const m = this.cpu.mem.i32;
    m[this.word + 2 * slot] = lo;
    m[this.word + 2 * slot + 1] = hi;
  }
}

/** SyscallArgs read from pt_regs in guest memory (regs->di, si, dx, r10, r8, r9), allocation-free. */
export class PtRegsArgs implements SyscallArgs {
  constructor(readonly r: PtRegs) {}
  lo(n: number): number { return this.r.lo(ARG_SLOT[n]); }
  hi(n: number): number { return this.r.hi(ARG_SLOT[n]); }
  i32(n: number): number { return this.r.lo(ARG_SLOT[n]); }
  u32(n: number): number { return this.r.lo(ARG_SLOT[n]) >>> 0; }
  i64(n: number): number { return this.r.hi(ARG_SLOT[n]) * 4294967296 + (this.r.lo(ARG_SLOT[n]) >>> 0); }
  u64(n: number): number { return (this.r.hi(ARG_SLOT[n]) >>> 0) * 4294967296 + (this.r.lo(ARG_SLOT[n]) >>> 0); }
}

/** A pt_regs slot as an exact signed number. */
export function ptGet(r: PtRegs, slot: number): number { return r.get(slot); }

// ---- the entry state of a kernel ------------------------------------------------------------------------

export interface EntryState {
  cfg: EntryConfig;
  stats: EntryStats;
  meter: EntryMeter;
  /** --trace-entry: one stderr line per step, or null. */
  trace: ((line: string) => void) | null;
  /** Number of the current trip through the entry path (trace prefix). */
  n: number;
}

export function tr(k: Kernel, s: string): void { k.entry.trace!(`[entry ${k.entry.n || 'exec'}] ${s}\n`); }

// ---- memory primitives of the entry code (ordinary loads/stores/pushes through paging at CPL 0) ------------

// Addresses as exact numbers where readable; the hot ones (pushes, per-CPU variables) stay in int32
// halves, as the generated code does, since this path runs once per system call.
export function rd64(cpu: Cpu, va: number): [number, number] {
  const lo = cpu.mmu.rd64(addrLo(va), addrHi(va));
  return [lo, cpu.mmu.hi];
}
export function wr64(cpu: Cpu, va: number, lo: number, hi: number): void { cpu.mmu.wr64(addrLo(va), addrHi(va), lo, hi); }
export function rsp(cpu: Cpu): number { return joinAddr(cpu.regs[8], cpu.regs[9]); }
export function setRsp(cpu: Cpu, v: number): void { cpu.regs[8] = addrLo(v); cpu.regs[9] = addrHi(v); }
/** pushq: RSP -= 8, then the store (a fault leaves RSP unchanged, as the CPU does). */
export function push64(cpu: Cpu, lo: number, hi: number): void {
  const g = cpu.regs, sl = (g[8] - 8) | 0, sh = (g[8] >>> 0) < 8 ? (g[9] - 1) | 0 : g[9];
  cpu.mmu.wr64(sl, sh, lo, hi);
  g[8] = sl; g[9] = sh;
}
export function pop64(cpu: Cpu): [number, number] {
  const g = cpu.regs, lo = cpu.mmu.rd64(g[8], g[9]), hi = cpu.mmu.hi;
  g[9] = carryHi(g[8], 8, g[9]); g[8] = (g[8] + 8) | 0;
  return [lo, hi];
}
export function gsBase(cpu: Cpu): number { return joinAddr(cpu.gsBaseLo, cpu.gsBaseHi); }
/** A per-CPU variable: gs:off (off < 4 GiB), read / written as halves. */
function pcpuRd(cpu: Cpu, off: number): number {
  return cpu.mmu.rd64((cpu.gsBaseLo + off) | 0, carryHi(cpu.gsBaseLo, off, cpu.gsBaseHi));
}
function pcpuWr(cpu: Cpu, off: number, lo: number, hi: number): void {
  cpu.mmu.wr64((cpu.gsBaseLo + off) | 0, carryHi(cpu.gsBaseLo, off, cpu.gsBaseHi), lo, hi);
}

// ---- the steps ---------------------------------------------------------------------------------------------

/** The CPU fetched the entry text at LSTAR with whatever CR3 was live: it must be mapped (KPTI user PGD). */
export function fetch_entry_text(cpu: Cpu): void {
  cpu.mmu.translate(addrLo(cpu.rip), addrHi(cpu.rip), Access.Exec);
}

/** SWAPGS: the runtime primitive (GS.base <-> IA32_KERNEL_GS_BASE). */
export function SWAPGS(k: Kernel, cpu: Cpu): void {
  swapgs(cpu);
  k.gsSwapped = !k.gsSwapped;
  if (k.entry.trace) tr(k, `swapgs: gs.base ${hexAddr(gsBase(cpu))}, kernel_gs_base ${hexAddr(joinAddr(cpu.kernelGsBaseLo, cpu.kernelGsBaseHi))}`);
}

function pcidNote(cfg: EntryConfig, from: number, to: number): string {
  return cfg.pcid ? ` (PCID 0x${(from & 0xfff).toString(16)} -> 0x${(to & 0xfff).toString(16)}, no-flush bit: TLB kept)` : ' (no PCID: non-global TLB entries flushed)';
}

/** SWITCH_TO_KERNEL_CR3: mov %cr3, scratch; ADJUST_KERNEL_CR3; mov scratch, %cr3 (KPTI only). */
export function SWITCH_TO_KERNEL_CR3(k: Kernel, cpu: Cpu): void {
  const cfg = k.entry.cfg;
  if (!cfg.kpti) return; // ALTERNATIVE: patched out without X86_FEATURE_PTI
  const lo = readCr3Lo(cpu);
  const klo = adjustKernelCr3(lo), khi = cr3WriteHi(cfg);
  writeCr3(cpu, klo, khi);
  if (k.entry.trace) tr(k, `SWITCH_TO_KERNEL_CR3: cr3 user ${hexCr3(lo, 0)} -> kernel ${hexCr3(klo, khi)}${pcidNote(cfg, lo, klo)}`);
}

/** The seed's SWITCH_KERNEL_CR3_NO_STACK: rax is the scratch, parked in the user-mapped per-CPU slot. */
export function SWITCH_KERNEL_CR3_NO_STACK(k: Kernel, cpu: Cpu): void {
  if (!k.entry.cfg.kpti) return;
  pcpuWr(cpu, PerCpu.unsafe_stack_register_backup, cpu.regs[0], cpu.regs[1]); // movq %rax, PER_CPU_VAR(...)
  SWITCH_TO_KERNEL_CR3(k, cpu);
  cpu.regs[0] = pcpuRd(cpu, PerCpu.unsafe_stack_register_backup); cpu.regs[1] = cpu.mmu.hi;
}

/** SWITCH_TO_USER_CR3 with a scratch register (saved in the per-CPU slot, or the caller's clobber). */
export function SWITCH_TO_USER_CR3(k: Kernel, cpu: Cpu): void {
  const cfg = k.entry.cfg;
  if (!cfg.kpti) return;
  const lo = readCr3Lo(cpu);
  const ulo = adjustUserCr3(lo, cfg), uhi = cr3WriteHi(cfg);
  writeCr3(cpu, ulo, uhi);
  if (k.entry.trace) tr(k, `SWITCH_TO_USER_CR3: cr3 kernel ${hexCr3(lo, 0)} -> user ${hexCr3(ulo, uhi)}${pcidNote(cfg, lo, ulo)}`);
}

/** movq %rsp, PER_CPU_VAR(rsp_scratch); movq PER_CPU_VAR(cpu_current_top_of_stack), %rsp */
export function switch_to_kernel_stack(k: Kernel, cpu: Cpu): void {
  pcpuWr(cpu, PerCpu.rsp_scratch, cpu.regs[8], cpu.regs[9]);
  cpu.regs[8] = pcpuRd(cpu, PerCpu.cpu_current_top_of_stack); cpu.regs[9] = cpu.mmu.hi;
  if (k.entry.trace) {
    const lo = pcpuRd(cpu, PerCpu.rsp_scratch);
    tr(k, `rsp_scratch <- ${hexAddr(joinAddr(lo, cpu.mmu.hi))}; rsp <- cpu_current_top_of_stack ${hexAddr(rsp(cpu))}`);
  }
}

/** Construct struct pt_regs on the stack: the seed's 21 pushes (ss first, r15 last). */
export function PUSH_PT_REGS(k: Kernel, cpu: Cpu): void {
  const g = cpu.regs;
  const slo = pcpuRd(cpu, PerCpu.rsp_scratch), shi = cpu.mmu.hi;
  // The frame in memory order (slot PtReg.X at words 2X, 2X + 1 from w): the pushes' values, last push
  // first. Written where it lands when one translation covers the pushes (reserveFrame), else staged
  // in FRAME and pushed push by push.
  const at = reserveFrame(cpu, PtReg.COUNT);
  const f = at >= 0 ? cpu.mem.i32 : FRAME, w = at >= 0 ? at >> 2 : 0;
  f[w + 2 * PtReg.SS] = Sel.USER_DS; f[w + 2 * PtReg.SS + 1] = 0;
  f[w + 2 * PtReg.SP] = slo; f[w + 2 * PtReg.SP + 1] = shi;
  f[w + 2 * PtReg.FLAGS] = g[22]; f[w + 2 * PtReg.FLAGS + 1] = g[23]; // r11
  f[w + 2 * PtReg.CS] = Sel.USER_CS; f[w + 2 * PtReg.CS + 1] = 0;
  f[w + 2 * PtReg.IP] = g[2]; f[w + 2 * PtReg.IP + 1] = g[3]; // rcx
  f[w + 2 * PtReg.ORIG_AX] = g[0]; f[w + 2 * PtReg.ORIG_AX + 1] = g[1];
  f[w + 2 * PtReg.AX] = -E.ENOSYS; f[w + 2 * PtReg.AX + 1] = -1;
  // di, si, dx, cx, then r8-r11, bx, bp, r12-r15: every general register but rax and rsp (SLOT_GPR's
  // mapping, a statement per register: the loop over the table cost more, on every system call).
  f[w + 2 * PtReg.DI] = g[14]; f[w + 2 * PtReg.DI + 1] = g[15];
  f[w + 2 * PtReg.SI] = g[12]; f[w + 2 * PtReg.SI + 1] = g[13];
  f[w + 2 * PtReg.DX] = g[4]; f[w + 2 * PtReg.DX + 1] = g[5];
  f[w + 2 * PtReg.CX] = g[2]; f[w + 2 * PtReg.CX + 1] = g[3];
  f[w + 2 * PtReg.R8] = g[16]; f[w + 2 * PtReg.R8 + 1] = g[17];
  f[w + 2 * PtReg.R9] = g[18]; f[w + 2 * PtReg.R9 + 1] = g[19];
  f[w + 2 * PtReg.R10] = g[20]; f[w + 2 * PtReg.R10 + 1] = g[21];
  f[w + 2 * PtReg.R11] = g[22]; f[w + 2 * PtReg.R11 + 1] = g[23];
  f[w + 2 * PtReg.BX] = g[6]; f[w + 2 * PtReg.BX + 1] = g[7];
  f[w + 2 * PtReg.BP] = g[10]; f[w + 2 * PtReg.BP + 1] = g[11];
  f[w + 2 * PtReg.R12] = g[24]; f[w + 2 * PtReg.R12 + 1] = g[25];
  f[w + 2 * PtReg.R13] = g[26]; f[w + 2 * PtReg.R13 + 1] = g[27];
  f[w + 2 * PtReg.R14] = g[28]; f[w + 2 * PtReg.R14 + 1] = g[29];
  f[w + 2 * PtReg.R15] = g[30]; f[w + 2 * PtReg.R15 + 1] = g[31];
  // pt_regs is the frame just pushed (its physical address known when it was written in place).
  if (at >= 0) {
    k.ptRegs.bindAt(rsp(cpu), at);
  } else {
    pushFrame(cpu, FRAME);
    k.ptRegs.bind(rsp(cpu));
  }
  if (k.entry.trace) tr(k, `pt_regs at ${hexAddr(k.ptRegs.va)} on the task stack (orig_ax ${hexAddr(k.ptRegs.get(PtReg.ORIG_AX))}, ax = -ENOSYS)`);
}
/** The pt_regs frame (lo, hi per slot) in memory order, lowest address (the last push) first. */
const FRAME = new Int32Array(2 * PtReg.COUNT);

/**
 * The pushes of a frame of n = frame.length / 2 quadwords given in memory order: frame[2(n-1)],
 * frame[2(n-1) + 1] is pushed first, frame[0], frame[1] last. When the pushes all land in one page,
 * the first one's translation serves them all (each would hit the TLB entry it filled; a fault is the
 * first push's, with RSP unchanged): one translation and one copy of the frame (reserveFrame).
 * Otherwise (or with a misaligned RSP) push by push.
 */
export function pushFrame(cpu: Cpu, frame: Int32Array): void {
  const n = frame.length >> 1, pa = reserveFrame(cpu, n);
  if (pa >= 0) {
    cpu.mem.i32.set(frame, pa >> 2);
    return;
  }
  for (let j = n - 1; j >= 0; j--) push64(cpu, frame[2 * j], frame[2 * j + 1]);
}

/**
 * The pushes of n quadwords, when they land in one page with RSP 4-byte aligned: the first push's
 * translation (a fault there is the first push's, RSP unchanged), RSP moved down past them, and the
 * frame's physical address (lowest byte) for the caller to write; else -1, nothing done.
 */
export function reserveFrame(cpu: Cpu, n: number): number {
  const g = cpu.regs;
  const tlo = (g[8] - 8) | 0, thi = (g[8] >>> 0) < 8 ? (g[9] - 1) | 0 : g[9];
  if ((tlo & 4095) < 8 * (n - 1) || (tlo & 3) !== 0) return -1;
  const pa = cpu.mmu.translateWrite(tlo, thi) - 8 * (n - 1); // the first push's slot is the frame's highest
  g[8] = (tlo - 8 * (n - 1)) | 0; g[9] = thi;
  return pa;
}

/** r8, r9, r10, r11, bx, bp, r12-r15 (4.x reserved the last six slots; PUSH_AND_CLEAR_REGS saves them). */
export function pushRest(cpu: Cpu): void {
  const g = cpu.regs;
  for (let k = 0; k < REST.length; k++) { const r = REST[k]; push64(cpu, g[2 * r], g[2 * r + 1]); }
}
const REST = [8, 9, 10, 11, 3, 5, 12, 13, 14, 15];

/** movq PER_CPU_VAR(current_task), %r11; the thread_info flags word at TASK_TI_flags(%r11). */
export function current_ti_flags(cpu: Cpu): number {
  const tlo = pcpuRd(cpu, PerCpu.current_task), thi = cpu.mmu.hi;
  return cpu.mmu.rd32((tlo + TASK_TI_flags) | 0, carryHi(tlo, TASK_TI_flags, thi));
}

/**
 * do_syscall_64: the unsigned 64-bit `cmpq $__NR_syscall_max, %rax; ja 1f` check, r10 -> rcx, the table
 * call with arguments from pt_regs, and `movq %rax, RAX(%rsp)`.
 */
export function do_syscall_64(k: Kernel, cpu: Cpu): void {
  const r = k.ptRegs;
  const lo = r.lo(PtReg.ORIG_AX), hi = r.hi(PtReg.ORIG_AX);
  if (hi !== 0 || (lo >>> 0) > __NR_syscall_max) {
    k.currentSyscall = -1;
    const nr = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    if (k.entry.trace) tr(k, `do_syscall_64: nr ${nr} > __NR_syscall_max (${__NR_syscall_max}): -ENOSYS stays in pt_regs->ax`);
    k.reportUnimplemented(nr);
    if (k.opts.strace) k.strace.bad(nr, k.args);
    return;
  }
  cpu.regs[2] = cpu.regs[20]; cpu.regs[3] = cpu.regs[21]; // movq %r10, %rcx
  k.currentSyscall = lo;
  const name = syscallName(lo) ?? 'ni_syscall';
  if (k.entry.trace) tr(k, `do_syscall_64: nr ${lo} -> sys_call_table[${lo}] = sys_${name}`);
  if (k.opts.strace) {
    k.entry.meter.pause();
    const result = k.strace.call(lo, sys_call_table[lo], k.args);
    k.entry.meter.resume();
    r.setHalves(PtReg.AX, addrLo(result), addrHi(result));
    return;
  }
  do_syscall_64_tail(k, sys_call_table[lo], k.args, name);
}

/** call *table(,%rax,8); movq %rax, RAX(%rsp) — the handler's time and faults are not the entry path's. */
export function do_syscall_64_tail(k: Kernel, handler: SyscallHandler, args: SyscallArgs, name: string): void {
  k.entry.meter.pause();
  const result = handler(k, args);
  k.entry.meter.resume();
  k.ptRegs.setHalves(PtReg.AX, addrLo(result), addrHi(result));
  if (k.entry.trace) tr(k, `sys_${name} returned ${hexAddr(result)} -> pt_regs->ax`);
}

/** The exit-work loop: TIF flags in guest memory plus the kernel's hooks (signals, rescheduling). */
export function syscall_exit_work(k: Kernel, cpu: Cpu, ti: number): void {
  if (k.entry.trace) tr(k, `exit work: thread_info.flags ${hexAddr(ti)}, ${k.exitWork.length} hook(s)`);
  if (ti & TIF_NOTIFY_RESUME) k.clearTif(TIF_NOTIFY_RESUME);
  const w = k.exitWork;
  for (let i = 0; i < w.length; i++) w[i](k);
  void cpu;
}

/** Linux's SYSRET conditions, on pt_regs as the exit work left it. */
export function sysretOk(r: PtRegs): boolean {
  if (r.word < 0) return false;
  const m = r.words, w = r.word;
  const ipLo = m[w + 2 * PtReg.IP], ipHi = m[w + 2 * PtReg.IP + 1], flLo = m[w + 2 * PtReg.FLAGS];
  return m[w + 2 * PtReg.CX] === ipLo && m[w + 2 * PtReg.CX + 1] === ipHi &&
    m[w + 2 * PtReg.R11] === flLo && m[w + 2 * PtReg.R11 + 1] === m[w + 2 * PtReg.FLAGS + 1] &&
    m[w + 2 * PtReg.CS] === Sel.USER_CS && m[w + 2 * PtReg.CS + 1] === 0 &&
    m[w + 2 * PtReg.SS] === Sel.USER_DS && m[w + 2 * PtReg.SS + 1] === 0 &&
    ipHi >= 0 && joinAddr(ipLo, ipHi) < TASK_SIZE_MAX && (flLo & (F.RF | F.TF)) === 0;
}

/** The fast return: registers from pt_regs (RCX <- regs->ip, R11 <- regs->flags), RSP, user CR3, SWAPGS, sysretq. */
export function syscall_return_via_sysret(k: Kernel, cpu: Cpu): void {
  const r = k.ptRegs, g = cpu.regs, m = cpu.mem.i32, w = r.word;
  k.entry.stats.sysret++;
  // POP_REGS: every general register but rcx, r11 (and rsp) from its pt_regs slot; a statement per
  // register (SLOT_GPR's mapping, unrolled as in PUSH_PT_REGS: this runs on every system call).
  g[30] = m[w + 2 * PtReg.R15]; g[31] = m[w + 2 * PtReg.R15 + 1];
  g[28] = m[w + 2 * PtReg.R14]; g[29] = m[w + 2 * PtReg.R14 + 1];
  g[26] = m[w + 2 * PtReg.R13]; g[27] = m[w + 2 * PtReg.R13 + 1];
  g[24] = m[w + 2 * PtReg.R12]; g[25] = m[w + 2 * PtReg.R12 + 1];
  g[10] = m[w + 2 * PtReg.BP]; g[11] = m[w + 2 * PtReg.BP + 1];
  g[6] = m[w + 2 * PtReg.BX]; g[7] = m[w + 2 * PtReg.BX + 1];
  g[20] = m[w + 2 * PtReg.R10]; g[21] = m[w + 2 * PtReg.R10 + 1];
  g[18] = m[w + 2 * PtReg.R9]; g[19] = m[w + 2 * PtReg.R9 + 1];
  g[16] = m[w + 2 * PtReg.R8]; g[17] = m[w + 2 * PtReg.R8 + 1];
  g[0] = m[w + 2 * PtReg.AX]; g[1] = m[w + 2 * PtReg.AX + 1];
  g[4] = m[w + 2 * PtReg.DX]; g[5] = m[w + 2 * PtReg.DX + 1];
  g[12] = m[w + 2 * PtReg.SI]; g[13] = m[w + 2 * PtReg.SI + 1];
  g[14] = m[w + 2 * PtReg.DI]; g[15] = m[w + 2 * PtReg.DI + 1];
  g[2] = m[w + 2 * PtReg.IP]; g[3] = m[w + 2 * PtReg.IP + 1]; // movq RIP(%rsp), %rcx
  g[22] = m[w + 2 * PtReg.FLAGS]; g[23] = m[w + 2 * PtReg.FLAGS + 1]; // movq EFLAGS(%rsp), %r11
  // movq RSP(%rsp), %rsp. The seed switches CR3 first (KAISER mapped task stacks in the user page
  // tables); here, as in current kernels, the task stack is kernel-only, so RSP is loaded before.
  g[8] = cpu.mmu.rd64((g[8] + 8 * PtReg.SP) | 0, carryHi(g[8], 8 * PtReg.SP, g[9])); g[9] = cpu.mmu.hi;
  if (k.entry.cfg.kpti) {
    pcpuWr(cpu, PerCpu.unsafe_stack_register_backup, g[0], g[1]);
    SWITCH_TO_USER_CR3(k, cpu);
    g[0] = pcpuRd(cpu, PerCpu.unsafe_stack_register_backup); g[1] = cpu.mmu.hi;
  }
  SWAPGS(k, cpu);
  sysretTransition(cpu, true);
  if (k.entry.trace) tr(k, `sysretq -> rip ${hexAddr(cpu.rip)}, CPL 3`);
}

/**
 * The IRET return (also int 0x80's): POP_REGS pop_rdi=0, copy SS/RSP/RFLAGS/CS/RIP and the user RDI to
 * the trampoline stack (TSS.sp0), SWITCH_TO_USER_CR3 with RDI as scratch, pop RDI, SWAPGS, iretq.
 * An IRET that faults (non-canonical RIP) is handled as Linux's bad_iret: as a fault in user mode.
 */
export function swapgs_restore_regs_and_return_to_usermode(k: Kernel, cpu: Cpu): void {
  const r = k.ptRegs, g = cpu.regs;
  k.entry.stats.iret++;
  for (let s = 0; s < PtReg.DI; s++) { const x = SLOT_GPR[s]; g[2 * x] = r.lo(s); g[2 * x + 1] = r.hi(s); }
  const rdiSlot = r.va + 8 * PtReg.DI; // the stack is now user RDI, orig_ax, RIP, CS, EFLAGS, RSP, SS
  g[14] = addrLo(rdiSlot); g[15] = addrHi(rdiSlot); // movq %rsp, %rdi
  const [tlo, thi] = rd64(cpu, CEA.tss + TSS_sp0); // movq PER_CPU_VAR(cpu_tss_rw + TSS_sp0), %rsp
  g[8] = tlo; g[9] = thi;
  for (let q = 6; q >= 2; q--) { const [lo, hi] = rd64(cpu, rdiSlot + 8 * q); push64(cpu, lo, hi); }
  const [dlo, dhi] = rd64(cpu, rdiSlot);
  push64(cpu, dlo, dhi); // the user RDI
  if (k.entry.trace) tr(k, `iret frame copied to the trampoline stack ${hexAddr(rsp(cpu) + 8)}`);
  SWITCH_TO_USER_CR3(k, cpu);
  [g[14], g[15]] = pop64(cpu);
  SWAPGS(k, cpu);
  try {
    iretq(cpu);
  } catch (f) {
    if (!(f instanceof GuestFault)) throw f;
    bad_iret(k, cpu, f);
    return;
  }
  if (k.entry.trace) tr(k, `iretq -> rip ${hexAddr(cpu.rip)}, CPL ${cpu.cpl}`);
}

/** A fault on the IRET to user mode is the user's fault at the frame's RIP (SIGSEGV for a bad RIP). */
function bad_iret(k: Kernel, cpu: Cpu, f: GuestFault): void {
  const sp = rsp(cpu);
  const [ripLo, ripHi] = rd64(cpu, sp), [flLo] = rd64(cpu, sp + 16), [rspLo, rspHi] = rd64(cpu, sp + 24);
  cpu.cs = Sel.USER_CS; cpu.ss = Sel.USER_DS;
  cpu.setEflags((flLo & 0x3f7fd5) | F.IF | 2);
  cpu.regs[8] = rspLo; cpu.regs[9] = rspHi;
  cpu.setCpl(3);
  cpu.rip = joinAddr(ripLo, ripHi);
  if (k.entry.trace) tr(k, `iretq faulted (${f.describe()}): delivered as a user-mode fault at ${hexAddr(cpu.rip)}`);
  k.handleFault(cpu, new GuestFault(Vec.GP, 0, 0, f.detail));
}

/** The shared tail: exit work, then SYSRET when allowed and safe, else IRET. */
export function syscall_exit_to_user_mode(k: Kernel, cpu: Cpu, allowSysret: boolean): void {
  const ti = current_ti_flags(cpu);
  if ((ti & _TIF_ALLWORK_MASK) || k.exitWork.length) syscall_exit_work(k, cpu, ti);
  else if (k.entry.trace) tr(k, 'exit work: none');
  const ok = allowSysret && sysretOk(k.ptRegs);
  if (k.entry.trace) {
    tr(k, ok ? 'return via sysret (rcx == ip, canonical user ip, r11 == flags, no RF/TF)'
      : `return via iret (${allowSysret ? 'pt_regs not sysret-safe' : 'int 0x80 returns with iret'})`);
  }
  if (ok) syscall_return_via_sysret(k, cpu); else swapgs_restore_regs_and_return_to_usermode(k, cpu);
  k.entry.meter.end();
}

/** The trap handler at LSTAR. */
export function entry_SYSCALL_64(k: Kernel, cpu: Cpu): void {
  const en = k.entry;
  en.n++;
  en.stats.syscalls++;
  en.meter.begin();
  if (en.trace) tr(k, `syscall at ${hexAddr(joinAddr(cpu.regs[2], cpu.regs[3]) - 2)} -> LSTAR entry_SYSCALL_64 (rax ${hexAddr(cpu.reg(0))}, rcx ${hexAddr(cpu.reg(1))}, r11 ${hexAddr(cpu.reg(11))})`);
  fetch_entry_text(cpu);
  SWAPGS(k, cpu); // SWAPGS_UNSAFE_STACK
  SWITCH_KERNEL_CR3_NO_STACK(k, cpu);
  switch_to_kernel_stack(k, cpu);
  PUSH_PT_REGS(k, cpu);
  if (current_ti_flags(cpu) & _TIF_WORK_SYSCALL_ENTRY) {
    // entry_SYSCALL64_slow_path -> syscall_trace_enter: --strace is ringjit's tracer.
    if (en.trace) tr(k, 'entry work: _TIF_WORK_SYSCALL_ENTRY set -> syscall_trace_enter');
  }
  do_syscall_64(k, cpu);
  syscall_exit_to_user_mode(k, cpu, true);
}

/** The first return to user mode after execve (start_thread): the user CR3 (KPTI). GS is user already. */
export function return_to_user_after_exec(k: Kernel, cpu: Cpu): void {
  SWITCH_TO_USER_CR3(k, cpu);
}

/** A kernel-text address that only exceptions the TypeScript kernel handles itself could reach. */
export function unexpected_entry(name: string): (cpu: Cpu) => void {
  return (cpu) => {
    throw new Error(`kernel entry ${name} reached at ${hexAddr(cpu.rip)}: ringjit does not run this path`);
  };
}

