// Architectural semantics of the privileged transitions, as the SDM defines them. The kernel's entry
// paths are built from these same primitives (DESIGN decision 7), so a kernel written in TypeScript and
// ring-0 guest code go through one definition.

import { F } from '../semantics/state.js';
import { type Cpu } from './cpu.js';
import { GuestFault, Vec } from './faults.js';
import { addrHi, addrLo, joinAddr } from './mmu.js';

/** Selector values Linux uses (arch/x86/include/asm/segment.h, 64-bit). */
export const enum Sel {
  KERNEL_CS = 0x10, KERNEL_DS = 0x18, USER32_CS = 0x23, USER_DS = 0x2b, USER_CS = 0x33,
}

/**
 * SYSCALL (SDM vol. 2B): RCX <- RIP of the next instruction, R11 <- RFLAGS, RFLAGS &= ~IA32_FMASK,
 * CS <- STAR[47:32], SS <- STAR[47:32] + 8, CPL 0, RIP <- LSTAR. `nextRip` is the address after the
 * syscall instruction. #UD when EFER.SCE is clear.
 */
export function syscallTransition(cpu: Cpu, nextRip: number): void {
  if (!(cpu.efer & 1)) throw new GuestFault(Vec.UD, 0, 0, 'syscall with EFER.SCE clear');
  const flags = cpu.getEflags() & ~F.RF;
  cpu.setRegHalves(1, addrLo(nextRip), addrHi(nextRip)); // RCX
  cpu.setRegHalves(11, flags, 0); // R11
  cpu.setEflags(flags & ~cpu.sfmask & ~F.RF);
  const sel = Math.floor(cpu.star / 4294967296) & 0xffff;
  cpu.cs = sel & 0xfffc;
  cpu.ss = (sel + 8) & 0xffff;
  cpu.setCpl(0);
  cpu.rip = cpu.lstar;
}

/**
 * SYSRET to 64-bit mode (REX.W form): RIP <- RCX, RFLAGS <- (R11 & 0x3C7FD7) | 2, CS <- STAR[63:48]+16,
 * SS <- STAR[63:48]+8, CPL 3. On Intel CPUs a non-canonical RCX raises #GP in ring 0 (the reason Linux
 * checks RCX and returns through IRET instead), so this does the same.
 */
export function sysretTransition(cpu: Cpu): void {
  if (cpu.cpl !== 0) throw new GuestFault(Vec.GP, 0, 0, 'sysret at CPL ' + cpu.cpl);
  const lo = cpu.regs[2], hi = cpu.regs[3];
  if (((hi << 16) >> 16) !== hi) throw new GuestFault(Vec.GP, 0, 0, 'sysret to non-canonical RCX');
  const sel = Math.floor(cpu.star / 4294967296) >>> 16;
  cpu.cs = ((sel + 16) & 0xffff) | 3;
  cpu.ss = ((sel + 8) & 0xffff) | 3;
  cpu.setEflags((cpu.regs[22] & 0x3c7fd7) | 2);
  cpu.setCpl(3);
  cpu.rip = joinAddr(lo, hi);
}
