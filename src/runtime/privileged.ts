// Architectural semantics of the privileged transitions and system registers, as the SDM defines them.
// The kernel's entry paths are built from these same primitives (DESIGN decision 7), so a kernel
// written in TypeScript and ring-0 guest code go through one definition: SYSCALL/SYSRET, SYSENTER,
// SWAPGS, MOV to/from CR0/CR2/CR3/CR4/CR8 (with PCID and the CR3 bit-63 no-flush), INVLPG, the
// FSGSBASE instructions, CLI/STI. MSRs are in msr.ts, descriptor tables and IRETQ in segments.ts,
// IDT delivery in idt.ts.
//
// Every primitive checks all of its fault conditions before changing any state (precise faults).

import { F } from '../semantics/state.js';
import { type Cpu } from './cpu.js';
import { GuestFault, Vec } from './faults.js';
import { addrHi, addrLo, joinAddr } from './mmu.js';
import { EFER_LMA, EFER_SCE, isCanonical } from './msr.js';

/** Selector values Linux uses (arch/x86/include/asm/segment.h, 64-bit). */
export const enum Sel {
  KERNEL32_CS = 0x08, KERNEL_CS = 0x10, KERNEL_DS = 0x18, USER32_CS = 0x23, USER_DS = 0x2b, USER_CS = 0x33,
}

// CR0 and CR4 bits (SDM vol. 3, 2.5).
export const CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20, CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18, CR0_NW = 1 << 29, CR0_CD = 1 << 30, CR0_PG = 0x80000000 | 0;
export const CR4_TSD = 1 << 2, CR4_PSE = 1 << 4, CR4_PAE = 1 << 5, CR4_MCE = 1 << 6, CR4_PGE = 1 << 7, CR4_PCE = 1 << 8;
export const CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10, CR4_UMIP = 1 << 11, CR4_FSGSBASE = 1 << 16, CR4_PCIDE = 1 << 17;
/** CR4 bits this CPU implements (CPUID reports the matching features); setting any other bit is #GP. */
const CR4_SUPPORTED = CR4_TSD | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT |
  CR4_UMIP | CR4_FSGSBASE | CR4_PCIDE;
/** CR3 bit 63 (the PCID no-flush hint) as a bit of the high half. */
export const CR3_NOFLUSH_HI = 0x80000000 | 0;
/** MAXPHYADDR is 39 (CPUID 0x80000008): CR3 bits 62:39 are reserved, i.e. high-half bits 30:7. */
const CR3_RESERVED_HI = 0x7fffff80;

const gp = (detail: string, code = 0): GuestFault => new GuestFault(Vec.GP, code, 0, detail);
const ud = (detail: string): GuestFault => new GuestFault(Vec.UD, 0, 0, detail);

// ---- SYSCALL / SYSRET / SYSENTER ----------------------------------------------------------------------

/**
 * SYSCALL (SDM vol. 2B): RCX <- RIP of the next instruction, R11 <- RFLAGS (RF clear), RFLAGS &= ~IA32_FMASK,
 * CS <- STAR[47:32] & 0xFFFC, SS <- STAR[47:32] + 8, CPL 0, RIP <- LSTAR. #UD when EFER.SCE is clear.
 */
export function syscallTransition(cpu: Cpu, nextRip: number): void {
  if (!(cpu.efer & EFER_SCE) || !(cpu.efer & EFER_LMA)) throw ud('syscall with EFER.SCE clear');
  const flags = cpu.getEflags() & ~F.RF;
  cpu.setRegHalves(1, addrLo(nextRip), addrHi(nextRip)); // RCX
  cpu.setRegHalves(11, flags, 0); // R11
  cpu.setEflags(flags & ~cpu.sfmask);
  const sel = cpu.starHi & 0xffff;
  cpu.cs = sel & 0xfffc;
  cpu.ss = (sel + 8) & 0xffff;
  cpu.setCpl(0);
  cpu.rip = cpu.lstar;
}

/**
 * SYSRET (SDM vol. 2B). #UD when EFER.SCE is clear, #GP(0) at CPL > 0. The REX.W form returns to 64-bit
 * mode: RIP <- RCX, #GP(0) in ring 0 when RCX is not canonical (Intel; the reason Linux returns through
 * IRET then), CS <- STAR[63:48] + 16 | 3. RFLAGS <- (R11 & 0x3C7FD7) | 2, SS <- STAR[63:48] + 8 | 3, CPL 3.
 * The 32-bit form returns to compatibility mode, which ringjit does not run (stopped with #UD and a note).
 */
export function sysretTransition(cpu: Cpu, rexW = true): void {
  if (!(cpu.efer & EFER_SCE) || !(cpu.efer & EFER_LMA)) throw ud('sysret with EFER.SCE clear');
  if (cpu.cpl !== 0) throw gp('sysret at CPL ' + cpu.cpl);
  if (!rexW) throw ud('sysretd returns to compatibility mode, which is not implemented');
  const lo = cpu.regs[2], hi = cpu.regs[3];
  if (!isCanonical(hi)) throw gp('sysret to non-canonical RCX');
  const sel = cpu.starHi >>> 16;
  cpu.cs = ((sel + 16) & 0xffff) | 3;
  cpu.ss = ((sel + 8) & 0xffff) | 3;
  cpu.setEflags((cpu.regs[22] & 0x3c7fd7) | 2);
  cpu.setCpl(3);
  cpu.rip = joinAddr(lo, hi);
}

/**
 * SYSENTER in 64-bit mode (Intel): #GP(0) if IA32_SYSENTER_CS[15:2] = 0; else RFLAGS.VM/IF/RF <- 0,
 * CS <- SYSENTER_CS & 0xFFFC, SS <- CS + 8, RSP <- SYSENTER_ESP, RIP <- SYSENTER_EIP, CPL 0.
 */
export function sysenterTransition(cpu: Cpu): void {
  if ((cpu.sysenterCs & 0xfffc) === 0) throw gp('sysenter with IA32_SYSENTER_CS = 0');
  cpu.setEflags(cpu.getEflags() & ~(F.VM | F.IF | F.RF));
  cpu.cs = cpu.sysenterCs & 0xfffc;
  cpu.ss = (cpu.cs + 8) & 0xffff;
  cpu.setRegHalves(4, addrLo(cpu.sysenterEsp), addrHi(cpu.sysenterEsp));
  cpu.setCpl(0);
  cpu.rip = cpu.sysenterEip;
}

/** SYSEXIT (REX.W) to 64-bit mode: RIP <- RDX, RSP <- RCX (both canonical), CS <- SYSENTER_CS + 32 | 3. */
export function sysexitTransition(cpu: Cpu, rexW: boolean): void {
  if ((cpu.sysenterCs & 0xfffc) === 0 || cpu.cpl !== 0) throw gp('sysexit at CPL > 0 or with IA32_SYSENTER_CS = 0');
  if (!rexW) throw ud('sysexitd returns to compatibility mode, which is not implemented');
  if (!isCanonical(cpu.regs[5]) || !isCanonical(cpu.regs[3])) throw gp('sysexit to a non-canonical RIP or RSP');
  cpu.cs = ((cpu.sysenterCs + 32) & 0xffff) | 3;
  cpu.ss = ((cpu.sysenterCs + 40) & 0xffff) | 3;
  cpu.regs[8] = cpu.regs[2]; cpu.regs[9] = cpu.regs[3];
  cpu.setCpl(3);
  cpu.rip = joinAddr(cpu.regs[4], cpu.regs[5]);
}

// ---- SWAPGS / FSGSBASE -----------------------------------------------------------------------------------

/** SWAPGS (64-bit mode, CPL 0): exchange GS.base with IA32_KERNEL_GS_BASE. */
export function swapgs(cpu: Cpu): void {
  if (cpu.cpl !== 0) throw gp('swapgs at CPL ' + cpu.cpl);
  const lo = cpu.gsBaseLo, hi = cpu.gsBaseHi;
  cpu.gsBaseLo = cpu.kernelGsBaseLo; cpu.gsBaseHi = cpu.kernelGsBaseHi;
  cpu.kernelGsBaseLo = lo; cpu.kernelGsBaseHi = hi;
}

/**
 * RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (any CPL): #UD unless CR4.FSGSBASE. The 32-bit forms read the
 * low half zero-extended and write a zero-extended base; a 64-bit write of a non-canonical base is #GP(0).
 * `reg` is the GPR operand; returns nothing (the register file or the base is updated).
 */
export function fsgsbase(cpu: Cpu, op: 'rdfsbase' | 'rdgsbase' | 'wrfsbase' | 'wrgsbase', reg: number, size: number): void {
  if (!(cpu.cr4 & CR4_FSGSBASE)) throw ud(`${op} with CR4.FSGSBASE clear`);
  const fs = op[2] === 'f';
  if (op[0] === 'r') {
    const lo = fs ? cpu.fsBaseLo : cpu.gsBaseLo, hi = fs ? cpu.fsBaseHi : cpu.gsBaseHi;
    cpu.setRegHalves(reg, lo, size === 8 ? hi : 0);
    return;
  }
  const lo = cpu.regs[2 * reg], hi = size === 8 ? cpu.regs[2 * reg + 1] : 0;
  if (!isCanonical(hi)) throw gp(`${op} with a non-canonical base`);
  if (fs) { cpu.fsBaseLo = lo; cpu.fsBaseHi = hi; } else { cpu.gsBaseLo = lo; cpu.gsBaseHi = hi; }
}

// ---- control registers ---------------------------------------------------------------------------------

/** MOV from CRn: [lo, hi]. CR1, CR5-CR7 and CR9-CR15 are #UD. */
export function readCr(cpu: Cpu, n: number): [number, number] {
  switch (n) {
    case 0: return [cpu.cr0, 0];
    case 2: return [addrLo(cpu.cr2), addrHi(cpu.cr2)];
    case 3: return [addrLo(cpu.mmu.cr3), addrHi(cpu.mmu.cr3)]; // bit 63 always reads as 0
    case 4: return [cpu.cr4, 0];
    case 8: return [cpu.cr8, 0];
    default: throw ud(`mov from cr${n}`);
  }
}

/** MOV from CR3, the low half only: for the kernel's entry path, which reads CR3 twice per system call
 * (readCr makes a pair) and whose page tables lie in guest physical memory, below 2 GiB. */
export function readCr3Lo(cpu: Cpu): number {
  return addrLo(cpu.mmu.cr3);
}

/** MOV to CRn with the value's halves; the SDM's #GP conditions first, then the TLB effects. */
export function writeCr(cpu: Cpu, n: number, lo: number, hi: number): void {
  switch (n) {
    case 0: writeCr0(cpu, lo, hi); return;
    case 2: cpu.cr2 = joinAddr(lo, hi); return;
    case 3: writeCr3(cpu, lo, hi); return;
    case 4: writeCr4(cpu, lo, hi); return;
    case 8:
      if (hi !== 0 || (lo & ~0xf)) throw gp('mov to cr8: reserved bits set');
      cpu.cr8 = lo; return;
    default: throw ud(`mov to cr${n}`);
  }
}

function writeCr0(cpu: Cpu, lo: number, hi: number): void {
  if (hi !== 0) throw gp('mov to cr0: bits 63:32 are reserved');
  if ((lo & CR0_PG) && !(lo & CR0_PE)) throw gp('mov to cr0: PG = 1 with PE = 0');
  if ((lo & CR0_NW) && !(lo & CR0_CD)) throw gp('mov to cr0: NW = 1 with CD = 0');
  // Leaving long mode requires compatibility mode first; this CPU only runs 64-bit code.
  if (!(lo & CR0_PG) && (cpu.efer & EFER_LMA)) throw gp('mov to cr0: clearing PG in 64-bit mode');
  // Reserved bits of CR0[31:0] are ignored; ET is hardwired to 1.
  const valid = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;
  const v = (lo & valid) | CR0_ET;
  const old = cpu.cr0;
  cpu.cr0 = v;
  cpu.mmu.writeProtect = (v & CR0_WP) !== 0;
  // Changing WP changes what a cached supervisor write translation allows.
  if ((old ^ v) & (CR0_WP | CR0_PG)) cpu.mmu.flushAllPcids(false);
}

/**
 * MOV to CR3 (SDM vol. 3, 4.10.4.1). Without PCIDs: invalidate all non-global translations. With
 * CR4.PCIDE = 1: bits 11:0 select the PCID; bit 63 set = keep that PCID's translations (bit 63 is not
 * stored), clear = invalidate its non-global translations. Other PCIDs' translations are kept.
 */
export function writeCr3(cpu: Cpu, lo: number, hi: number): void {
  const pcide = (cpu.cr4 & CR4_PCIDE) !== 0;
  let noflush = false;
  if (hi & CR3_NOFLUSH_HI) {
    if (!pcide) throw gp('mov to cr3: bit 63 set with CR4.PCIDE = 0');
    noflush = true;
    hi &= ~CR3_NOFLUSH_HI;
  }
  if (hi & CR3_RESERVED_HI) throw gp('mov to cr3: reserved bits set (physical address above MAXPHYADDR)');
  const mmu = cpu.mmu;
  mmu.cr3 = joinAddr(lo, hi);
  cpu.sysStats.cr3Writes++;
  mmu.selectPcid(pcide ? lo & 0xfff : 0);
  if (!noflush) { mmu.flushAll(true); cpu.sysStats.cr3Flushes++; }
}

function writeCr4(cpu: Cpu, lo: number, hi: number): void {
  if (hi !== 0 || (lo & ~CR4_SUPPORTED)) throw gp('mov to cr4: reserved or unsupported bits set');
  const old = cpu.cr4;
  const lma = (cpu.efer & EFER_LMA) !== 0;
  if (lma && !(lo & CR4_PAE)) throw gp('mov to cr4: clearing PAE in IA-32e mode');
  if ((lo & CR4_PCIDE) && !(old & CR4_PCIDE)) {
    if ((cpu.mmu.cr3 % 4096) !== 0) throw gp('mov to cr4: setting PCIDE with CR3[11:0] != 0');
    if (!lma) throw gp('mov to cr4: setting PCIDE outside IA-32e mode');
  }
  cpu.cr4 = lo;
  const mmu = cpu.mmu;
  mmu.pgeEnabled = (lo & CR4_PGE) !== 0;
  mmu.pcidEnabled = (lo & CR4_PCIDE) !== 0;
  // Toggling PGE or clearing PCIDE invalidates everything, global entries and all PCIDs included;
  // changing PAE or PSE invalidates the current PCID.
  if (((old ^ lo) & CR4_PGE) || ((old & CR4_PCIDE) && !(lo & CR4_PCIDE))) {
    mmu.flushAllPcids(false);
    if (!(lo & CR4_PCIDE)) mmu.selectPcid(0);
  } else if ((old ^ lo) & (CR4_PAE | CR4_PSE)) {
    mmu.flushAll(false);
  }
}

/** INVLPG m: invalidate the page's translations (all PCIDs, global ones too); a non-canonical address is a no-op. */
export function invlpg(cpu: Cpu, lo: number, hi: number): void {
  cpu.sysStats.invlpg++;
  if (isCanonical(hi)) cpu.mmu.flushPage(lo, hi);
}

/** CLI/STI (SDM: #GP(0) when CPL > IOPL; the virtual-interrupt extensions are not modelled). */
export function setInterruptFlag(cpu: Cpu, on: boolean): void {
  const flags = cpu.getEflags();
  if (cpu.cpl > ((flags >>> 12) & 3)) throw gp(`${on ? 'sti' : 'cli'} at CPL ${cpu.cpl} > IOPL`);
  cpu.setEflags(on ? flags | F.IF : flags & ~F.IF);
}

/** The IOPL check of IN/OUT/INS/OUTS: with no I/O permission bitmap modelled, CPL > IOPL is #GP(0). */
export function checkIoPermission(cpu: Cpu, port: number): void {
  if (cpu.cpl > ((cpu.getEflags() >>> 12) & 3)) throw gp(`I/O port 0x${port.toString(16)} at CPL ${cpu.cpl} > IOPL`);
}
