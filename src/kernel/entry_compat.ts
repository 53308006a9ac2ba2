// The other ways into the kernel a 64-bit process has, and the trap table of every entry point:
//   - int 0x80: Linux's compat gate (IDT vector 0x80, DPL 3) into the i386 system-call table
//     (arch/x86/entry/syscalls/syscall_32.tbl numbers, arguments in ebx, ecx, edx, esi, edi, ebp),
//     entered by the runtime's IDT delivery onto TSS.sp0 and returning by IRET;
//   - int3 / int1 through their DPL-3 gates (#BP, #DB): the signal outcome;
//   - sysenter (Intel lets 64-bit code execute it): Linux's entry_SYSENTER_compat returns to the
//     32-bit vDSO's landing pad in compatibility mode, which a 64-bit process does not have and
//     ringjit does not run; here the process ends with SIGSEGV and a note saying so.

import type { Cpu } from '../runtime/cpu.js';
import { GuestExit, GuestFault, hexAddr } from '../runtime/faults.js';
import { addrHi, addrLo } from '../runtime/mmu.js';
import { iretq } from '../runtime/segments.js';
import {
  do_syscall_64_tail, entry_SYSCALL_64, fetch_entry_text, gsBase, PtReg, push64, pushRest, rd64, rsp, SWAPGS,
  swapgs_restore_regs_and_return_to_usermode, SWITCH_TO_KERNEL_CR3, SWITCH_TO_USER_CR3, syscall_exit_to_user_mode, tr,
  unexpected_entry,
} from './entry.js';
import type { Kernel } from './kernel.js';
import { KSYM, PerCpu } from './pti.js';
import { SIGSEGV } from './signals.js';
import { sys_call_table, type SyscallHandler } from './syscall_table.js';
import { syscallNumber } from './syscall_names.js';
import { E, type SyscallArgs } from './types.js';

/** IA32_NR_syscalls: i386 numbers at or above it return -ENOSYS without a table lookup. */
export const IA32_NR_syscalls = 463;

/** i386 argument registers in pt_regs: ebx, ecx, edx, esi, edi, ebp (zero-extended 32-bit values). */
const COMPAT_ARG_SLOT = [PtReg.BX, PtReg.CX, PtReg.DX, PtReg.SI, PtReg.DI, PtReg.BP];

export class CompatArgs implements SyscallArgs {
  constructor(private readonly k: Kernel) {}
  lo(n: number): number { return this.k.ptRegs.lo(COMPAT_ARG_SLOT[n]); }
  hi(): number { return 0; }
  i32(n: number): number { return this.lo(n); }
  u32(n: number): number { return this.lo(n) >>> 0; }
  // Pointers and sizes are 32-bit unsigned in the compat ABI.
  i64(n: number): number { return this.lo(n) >>> 0; }
  u64(n: number): number { return this.lo(n) >>> 0; }
}

/** The 16-bit uid calls: ids above 65535 read as the overflow id (high2lowuid). */
const uid16 = (h: SyscallHandler): SyscallHandler => (k, a) => { const v = h(k, a); return v > 0xffff ? 65534 : v; };
const native = (name: string): SyscallHandler => sys_call_table[syscallNumber(name)];

/**
 * ia32_sys_call_table: the i386 calls whose ABI matches the 64-bit handler once arguments are
 * zero-extended (no structure layouts that differ between the ABIs). Every other number is sys_ni_syscall.
 */
export const ia32_sys_call_table: Record<number, [string, SyscallHandler]> = {
  1: ['exit', native('exit')], 3: ['read', native('read')], 4: ['write', native('write')],
  5: ['open', native('open')], 6: ['close', native('close')], 20: ['getpid', native('getpid')],
  24: ['getuid16', uid16(native('getuid'))], 37: ['kill', native('kill')], 45: ['brk', native('brk')],
  47: ['getgid16', uid16(native('getgid'))], 49: ['geteuid16', uid16(native('geteuid'))],
  50: ['getegid16', uid16(native('getegid'))], 64: ['getppid', native('getppid')],
  158: ['sched_yield', native('sched_yield')], 199: ['getuid32', native('getuid')], 200: ['getgid32', native('getgid')],
  201: ['geteuid32', native('geteuid')], 202: ['getegid32', native('getegid')], 224: ['gettid', native('gettid')],
  252: ['exit_group', native('exit_group')],
};

/** do_int80_syscall_32: nr = (u32)orig_ax; nr < IA32_NR_syscalls -> ia32_sys_call_table[nr](regs). */
function do_int80_syscall_32(k: Kernel, cpu: Cpu): void {
  const nr = k.ptRegs.lo(PtReg.ORIG_AX) >>> 0;
  const entry = nr < IA32_NR_syscalls ? ia32_sys_call_table[nr] : undefined;
  if (!entry) {
    if (k.entry.trace) tr(k, `do_int80_syscall_32: i386 nr ${nr}: -ENOSYS (${nr < IA32_NR_syscalls ? 'sys_ni_syscall' : '>= IA32_NR_syscalls'})`);
    if (nr < IA32_NR_syscalls) k.reportUnimplementedCompat(nr);
    return;
  }
  const [name, handler] = entry;
  if (k.entry.trace) tr(k, `do_int80_syscall_32: i386 nr ${nr} -> ia32_sys_call_table[${nr}] = sys_${name}`);
  k.currentSyscall = -1;
  do_syscall_64_tail(k, handler, k.compatArgs, name);
  void cpu;
}

/**
 * entry_INT80_compat: the CPU delivered vector 0x80 (CPL 0, on TSS.sp0 = the trampoline stack, SS,
 * RSP, RFLAGS, CS, RIP pushed, user CR3 still live). SWAPGS; movl %eax, %eax; push orig_ax and rdi;
 * SWITCH_TO_KERNEL_CR3 with rdi as scratch; copy the frame onto the task stack as pt_regs; call; IRET.
 */
export function entry_INT80_compat(k: Kernel, cpu: Cpu): void {
  const en = k.entry, g = cpu.regs;
  en.n++;
  en.stats.syscalls++;
  en.stats.int80++;
  en.meter.begin();
  if (en.trace) tr(k, `int 0x80 (i386 nr ${g[0] >>> 0}) delivered through IDT gate 0x80 onto the trampoline stack ${hexAddr(rsp(cpu))}`);
  fetch_entry_text(cpu);
  SWAPGS(k, cpu);
  g[1] = 0; // movl %eax, %eax
  push64(cpu, g[0], 0); // pt_regs->orig_ax
  push64(cpu, g[14], g[15]); // pt_regs->di
  SWITCH_TO_KERNEL_CR3(k, cpu); // scratch_reg=%rdi (saved above)
  const frame = rsp(cpu); // movq %rsp, %rdi
  g[14] = addrLo(frame); g[15] = addrHi(frame);
  [g[8], g[9]] = rd64(cpu, gsBase(cpu) + PerCpu.cpu_current_top_of_stack);
  for (let q = 6; q >= 0; q--) { const [lo, hi] = rd64(cpu, frame + 8 * q); push64(cpu, lo, hi); } // ss .. di
  push64(cpu, g[12], g[13]); // si
  push64(cpu, g[4], g[5]); // dx
  push64(cpu, g[2], g[3]); // cx
  push64(cpu, -E.ENOSYS, -1); // ax
  pushRest(cpu);
  k.ptRegs.bind(rsp(cpu));
  if (en.trace) tr(k, `pt_regs at ${hexAddr(k.ptRegs.va)} on the task stack`);
  do_int80_syscall_32(k, cpu);
  syscall_exit_to_user_mode(k, cpu, false);
}

/**
 * #BP (int3) and #DB (int1) from user mode through their gates: the idtentry path switches GS and CR3,
 * and the handler's signal ends the process (ringjit delivers no signals to handlers yet). The model
 * unwinds the CPU's frame with IRETQ and raises the trap in user mode, which reports it the same way.
 */
function exc_user_trap(k: Kernel, cpu: Cpu, vector: number): void {
  SWAPGS(k, cpu);
  SWITCH_TO_KERNEL_CR3(k, cpu);
  if (k.entry.trace) tr(k, `${vector === 3 ? '#BP' : vector === 1 ? '#DB' : '#OF'} from user mode at ${hexAddr(rd64(cpu, rsp(cpu))[0] >>> 0)}: signal`);
  SWITCH_TO_USER_CR3(k, cpu);
  SWAPGS(k, cpu);
  iretq(cpu);
  k.handleFault(cpu, new GuestFault(vector, 0, 0, vector === 3 ? 'int3' : vector === 1 ? 'int1' : 'int 0x4', true));
}

/** sysenter from 64-bit code (see the header comment): SIGSEGV with an explanation. */
function entry_SYSENTER_compat(k: Kernel, cpu: Cpu): void {
  SWAPGS(k, cpu);
  SWITCH_TO_KERNEL_CR3(k, cpu);
  k.terminate(SIGSEGV, 'ringjit: guest killed by SIGSEGV: sysenter from 64-bit code returns to the 32-bit vDSO ' +
    'landing pad in compatibility mode, which ringjit does not run');
  throw new GuestExit(k.exitStatus);
}

/** Register every kernel-text entry address in cpu.traps. */
export function registerEntryTraps(k: Kernel, cpu: Cpu): void {
  cpu.traps.set(KSYM.entry_SYSCALL_64, (c) => entry_SYSCALL_64(k, c));
  cpu.traps.set(KSYM.entry_INT80_compat, (c) => entry_INT80_compat(k, c));
  cpu.traps.set(KSYM.entry_SYSENTER_compat, (c) => entry_SYSENTER_compat(k, c));
  cpu.traps.set(KSYM.entry_SYSCALL_compat, unexpected_entry('entry_SYSCALL_compat (syscall in compatibility mode)'));
  cpu.traps.set(KSYM.ignore_sysret, unexpected_entry('ignore_sysret'));
  for (let v = 0; v < 32; v++) {
    const addr = KSYM.asm_exc + 16 * v;
    if (v === 1 || v === 3 || v === 4) cpu.traps.set(addr, (c) => exc_user_trap(k, c, v));
    else cpu.traps.set(addr, unexpected_entry(`asm_exc vector ${v} (exceptions are handled by the TypeScript kernel directly)`));
  }
  cpu.traps.set(KSYM.asm_common_interrupt, unexpected_entry('asm_common_interrupt'));
}

