// Segmentation as far as 64-bit mode still uses it (SDM vol. 3, chapters 3 and 5): the GDT/LDT
// descriptors that IRETQ, LTR and interrupt delivery check, the descriptor-table registers
// (LGDT/LIDT/LLDT/LTR and their stores), and IRETQ itself. Only selectors are kept in the Cpu; the
// hidden descriptor parts that 64-bit mode ignores (base/limit of CS/DS/ES/SS) are not modelled, and
// the checks read the descriptor from guest memory when an instruction needs it, as the CPU does.
//
// Descriptor-table reads are implicit supervisor accesses (SDM 4.6): they go through paging with
// supervisor rights even when CPL = 3.

import { type Cpu } from './cpu.js';
import { GuestFault, Vec } from './faults.js';
import { isCanonical } from './msr.js';
import { Access, addrHi, addrLo, joinAddr } from './mmu.js';
import { F } from '../semantics/state.js';

/** A segment descriptor's two dwords (bytes 0-3 and 4-7), plus bytes 8-11 for 16-byte system descriptors. */
export interface Descriptor { lo: number; hi: number; upper: number }

// Fields of the high dword (bits 32..63 of the descriptor).
export const DESC_P = 1 << 15, DESC_S = 1 << 12, DESC_L = 1 << 21, DESC_DB = 1 << 22;
export const descType = (d: Descriptor): number => (d.hi >>> 8) & 0xf;
export const descDpl = (d: Descriptor): number => (d.hi >>> 13) & 3;
export const isCode = (d: Descriptor): boolean => (d.hi & DESC_S) !== 0 && (d.hi & (1 << 11)) !== 0;
const isConforming = (d: Descriptor): boolean => isCode(d) && (d.hi & (1 << 10)) !== 0;
const isWritableData = (d: Descriptor): boolean => (d.hi & DESC_S) !== 0 && (d.hi & (1 << 11)) === 0 && (d.hi & (1 << 9)) !== 0;

/** System-descriptor types in IA-32e mode. */
export const enum SysType { LDT = 2, TSS_AVAIL = 9, TSS_BUSY = 11, INT_GATE = 14, TRAP_GATE = 15 }

/** Run fn with supervisor access rights (implicit accesses to the GDT, IDT, TSS and the ring-0 stack). */
export function asSupervisor<T>(cpu: Cpu, fn: () => T): T {
  const saved = cpu.mmu.cpl;
  if (saved === 0) return fn();
  cpu.mmu.setCpl(0);
  try { return fn(); } finally { cpu.mmu.setCpl(saved); }
}

export function sysRead32(cpu: Cpu, addr: number): number {
  return asSupervisor(cpu, () => cpu.mmu.rd32(addrLo(addr), addrHi(addr)));
}
export function sysWrite32(cpu: Cpu, addr: number, v: number): void {
  asSupervisor(cpu, () => cpu.mmu.wr32(addrLo(addr), addrHi(addr), v));
}
/** A 64-bit read as an exact signed number (callers check canonicity where it matters). */
export function sysRead64(cpu: Cpu, addr: number): [number, number] {
  return asSupervisor(cpu, () => { const lo = cpu.mmu.rd64(addrLo(addr), addrHi(addr)); return [lo, cpu.mmu.hi]; });
}

/**
 * The descriptor a selector names, or null when the selector's index lies beyond the table limit (the
 * caller raises the right fault). `wide` reads the 16-byte form of system descriptors.
 */
export function readDescriptor(cpu: Cpu, sel: number, wide = false): Descriptor | null {
  const ldt = (sel & 4) !== 0;
  const base = ldt ? cpu.ldtrBase : cpu.gdtrBase, limit = ldt ? cpu.ldtrLimit : cpu.gdtrLimit;
  if (ldt && (cpu.ldtr & ~3) === 0) return null;
  const off = sel & 0xfff8;
  if (off + (wide ? 15 : 7) > limit) return null;
  const a = base + off;
  return { lo: sysRead32(cpu, a), hi: sysRead32(cpu, a + 4), upper: wide ? sysRead32(cpu, a + 8) : 0 };
}

/** Base of a 16-byte system descriptor (TSS, LDT) as an exact number. */
function systemBase(d: Descriptor): number {
  const low = ((d.lo >>> 16) | ((d.hi & 0xff) << 16) | (d.hi & 0xff000000)) >>> 0;
  return joinAddr(low, d.upper);
}
function systemLimit(d: Descriptor): number {
  const raw = (d.lo & 0xffff) | (d.hi & 0xf0000);
  return d.hi & (1 << 23) ? raw * 4096 + 4095 : raw;
}

const gp = (code: number, detail: string): GuestFault => new GuestFault(Vec.GP, code, 0, detail);

// ---- LGDT / LIDT / SGDT / SIDT -----------------------------------------------------------------------

/** LGDT/LIDT m16&64: the 10-byte operand at (lo, hi). */
export function loadTableRegister(cpu: Cpu, which: 'gdt' | 'idt', lo: number, hi: number): void {
  const mmu = cpu.mmu;
  const limit = mmu.rd16(lo, hi);
  const a = joinAddr(lo, hi) + 2;
  const bLo = mmu.rd64(addrLo(a), addrHi(a)), bHi = mmu.hi;
  // The base is loaded as given; a non-canonical base faults when the table is used.
  const base = joinAddr(bLo, bHi);
  if (which === 'gdt') { cpu.gdtrBase = base; cpu.gdtrLimit = limit; } else { cpu.idtrBase = base; cpu.idtrLimit = limit; }
}

/** SGDT/SIDT m16&64: store limit then the 64-bit base. */
export function storeTableRegister(cpu: Cpu, which: 'gdt' | 'idt', lo: number, hi: number): void {
  const base = which === 'gdt' ? cpu.gdtrBase : cpu.idtrBase, limit = which === 'gdt' ? cpu.gdtrLimit : cpu.idtrLimit;
  const a = joinAddr(lo, hi) + 2;
  cpu.mmu.probe(lo, hi, 10, Access.Write);
  cpu.mmu.wr16(lo, hi, limit);
  cpu.mmu.wr64(addrLo(a), addrHi(a), addrLo(base), addrHi(base));
}

// ---- LTR / LLDT ---------------------------------------------------------------------------------------

/** LTR r/m16 (SDM vol. 2A): load TR from an available 64-bit TSS descriptor and mark it busy. */
export function loadTaskRegister(cpu: Cpu, sel: number): void {
  sel &= 0xffff;
  if ((sel & 0xfffc) === 0) throw gp(0, 'ltr with a null selector');
  if (sel & 4) throw gp(sel & 0xfffc, 'ltr: the TSS selector must be in the GDT');
  const d = readDescriptor(cpu, sel, true);
  if (!d) throw gp(sel & 0xfffc, 'ltr: selector beyond the GDT limit');
  if ((d.hi & DESC_S) || descType(d) !== SysType.TSS_AVAIL) throw gp(sel & 0xfffc, 'ltr: not an available 64-bit TSS');
  if (!(d.hi & DESC_P)) throw new GuestFault(Vec.NP, sel & 0xfffc, 0, 'ltr: TSS not present');
  const base = systemBase(d);
  if (!isCanonical(addrHi(base))) throw gp(sel & 0xfffc, 'ltr: non-canonical TSS base');
  sysWrite32(cpu, cpu.gdtrBase + (sel & 0xfff8) + 4, d.hi | (2 << 8)); // type 9 -> 11 (busy)
  cpu.tr = sel; cpu.trBase = base; cpu.trLimit = systemLimit(d);
}

/** LLDT r/m16: a null selector leaves LDTR unusable; otherwise an LDT descriptor from the GDT. */
export function loadLdtRegister(cpu: Cpu, sel: number): void {
  sel &= 0xffff;
  if ((sel & 0xfffc) === 0) { cpu.ldtr = sel; cpu.ldtrBase = 0; cpu.ldtrLimit = 0; return; }
  if (sel & 4) throw gp(sel & 0xfffc, 'lldt: the LDT selector must be in the GDT');
  const d = readDescriptor(cpu, sel, true);
  if (!d) throw gp(sel & 0xfffc, 'lldt: selector beyond the GDT limit');
  if ((d.hi & DESC_S) || descType(d) !== SysType.LDT) throw gp(sel & 0xfffc, 'lldt: not an LDT descriptor');
  if (!(d.hi & DESC_P)) throw new GuestFault(Vec.NP, sel & 0xfffc, 0, 'lldt: LDT not present');
  cpu.ldtr = sel; cpu.ldtrBase = systemBase(d); cpu.ldtrLimit = systemLimit(d);
}

/** RSPn or ISTn from the 64-bit TSS (SDM figure 8-11): RSP0 at 4, ISTk at 0x24 + 8(k-1). #TS when outside. */
export function tssStack(cpu: Cpu, offset: number, ext: number): number {
  if ((cpu.tr & 0xfffc) === 0 || offset + 7 > cpu.trLimit) {
    throw new GuestFault(Vec.TS, (cpu.tr & 0xfffc) | ext, 0, 'no usable TSS for the stack switch');
  }
  const [lo, hi] = sysRead64(cpu, cpu.trBase + offset);
  return joinAddr(lo, hi);
}

// ---- IRETQ ----------------------------------------------------------------------------------------------

/** RFLAGS bits IRET always loads from the image (SDM: CF PF AF ZF SF TF DF OF NT, and RF AC ID). */
const IRET_FLAGS = F.CF | F.PF | F.AF | F.ZF | F.SF | F.TF | F.DF | F.OF | F.NT | F.RF | F.AC | F.ID;

/**
 * IRETQ in 64-bit mode (SDM vol. 2A IRET, "IA-32e-MODE-RETURN"): pops RIP, CS, RFLAGS, RSP, SS; checks
 * the code and stack selectors against the descriptors in the GDT; changes privilege when CS.RPL > CPL.
 * Every check and every stack read happens before the first state change.
 */
export function iretq(cpu: Cpu): void {
  const flags = cpu.getEflags();
  if (flags & F.NT) throw gp(0, 'iret with RFLAGS.NT = 1 (task return) in IA-32e mode');
  const mmu = cpu.mmu;
  const spLo = cpu.regs[8], spHi = cpu.regs[9];
  const sp = joinAddr(spLo, spHi);
  const pop = (k: number): [number, number] => {
    const a = sp + 8 * k;
    const lo = mmu.rd64(addrLo(a), addrHi(a));
    return [lo, mmu.hi];
  };
  const [ripLo, ripHi] = pop(0), [csLo] = pop(1), [flLo] = pop(2), [rspLo, rspHi] = pop(3), [ssLo] = pop(4);
  const csSel = csLo & 0xffff, ssSel = ssLo & 0xffff, rpl = csSel & 3, cpl = cpu.cpl;
  if ((csSel & 0xfffc) === 0) throw gp(0, 'iret to a null CS');
  const cs = readDescriptor(cpu, csSel);
  if (!cs) throw gp(csSel & 0xfffc, 'iret: CS beyond the descriptor table limit');
  if (!isCode(cs)) throw gp(csSel & 0xfffc, 'iret: CS is not a code segment');
  if (rpl < cpl) throw gp(csSel & 0xfffc, 'iret: CS.RPL < CPL');
  if (isConforming(cs) ? descDpl(cs) > rpl : descDpl(cs) !== rpl) throw gp(csSel & 0xfffc, 'iret: CS.DPL does not match its RPL');
  if (!(cs.hi & DESC_P)) throw new GuestFault(Vec.NP, csSel & 0xfffc, 0, 'iret: CS not present');
  if (!(cs.hi & DESC_L) || (cs.hi & DESC_DB)) {
    // Compatibility mode would need a 32-bit decoder context; ringjit runs 64-bit code only.
    throw new GuestFault(Vec.UD, 0, 0, 'iret to a 32-bit code segment: compatibility mode is not implemented');
  }
  if (!isCanonical(ripHi)) throw gp(0, 'iret to a non-canonical RIP');
  if ((ssSel & 0xfffc) === 0) {
    // A null SS is allowed only for a return to 64-bit mode at CPL < 3, with SS.RPL = CS.RPL.
    if (rpl === 3 || (ssSel & 3) !== rpl) throw gp(0, 'iret with a null SS');
  } else {
    const ss = readDescriptor(cpu, ssSel);
    if (!ss) throw gp(ssSel & 0xfffc, 'iret: SS beyond the descriptor table limit');
    if ((ssSel & 3) !== rpl || !isWritableData(ss) || descDpl(ss) !== rpl) throw gp(ssSel & 0xfffc, 'iret: bad SS descriptor');
    if (!(ss.hi & DESC_P)) throw new GuestFault(Vec.SS, ssSel & 0xfffc, 0, 'iret: SS not present');
  }
  // Commit.
  const iopl = (flags >>> 12) & 3;
  let mask = IRET_FLAGS;
  if (cpl <= iopl) mask |= F.IF;
  if (cpl === 0) mask |= F.IOPL | F.VIF | F.VIP;
  cpu.setEflags((flags & ~mask) | (flLo & mask));
  cpu.cs = csSel; cpu.ss = ssSel;
  cpu.regs[8] = rspLo; cpu.regs[9] = rspHi;
  if (rpl !== cpl) {
    cpu.setCpl(rpl);
    // Data segments the outer level may not use become null (their bases stay, as FS/GS bases in
    // 64-bit mode come from the MSRs).
    cpu.ds = nullIfPrivileged(cpu, cpu.ds, rpl); cpu.es = nullIfPrivileged(cpu, cpu.es, rpl);
    cpu.fs = nullIfPrivileged(cpu, cpu.fs, rpl); cpu.gs = nullIfPrivileged(cpu, cpu.gs, rpl);
  }
  cpu.rip = joinAddr(ripLo, ripHi);
}

function nullIfPrivileged(cpu: Cpu, sel: number, newCpl: number): number {
  if ((sel & 0xfffc) === 0) return sel;
  let d: Descriptor | null = null;
  try { d = readDescriptor(cpu, sel); } catch { return 0; }
  if (!d) return 0;
  return (!isCode(d) || !isConforming(d)) && descDpl(d) < newCpl ? 0 : sel;
}
