// The runtime side of every privileged or system instruction: operand decoding from the Insn record and
// the dispatch to the architectural primitives (privileged.ts, msr.ts, segments.ts, idt.ts). Both
// engines reach this through the helpers H.privileged and H.softInt, so the interpreter and translated
// code execute the same definition.
//
// Order of checks follows the SDM: mode/feature #UD first, then the CPL (or IOPL, CR4.UMIP, CR4.TSD)
// #GP(0), then operand faults, then the effect. The helper sets cpu.rip to the next instruction before
// the effect, so instructions that transfer control (IRETQ, SYSRET, SYSENTER, HLT) simply overwrite it.

import { type Insn, K } from '../decoder/insn.js';
import { type Cpu } from './cpu.js';
import { GuestFault, Vec } from './faults.js';
import { deliver, EventKind } from './idt.js';
import { rdmsr, type TscSource, wrmsr } from './msr.js';
import {
  checkIoPermission, CR0_TS, CR4_TSD, CR4_UMIP, fsgsbase, invlpg, readCr, setInterruptFlag, swapgs, sysenterTransition,
  sysexitTransition, sysretTransition, writeCr,
} from './privileged.js';
import { iretq, loadLdtRegister, loadTableRegister, loadTaskRegister, storeTableRegister } from './segments.js';

/** The machine outside the CPU that privileged instructions reach: I/O ports and the halted state. */
export interface Platform {
  /** IN: the value read from `port` (size 1, 2 or 4 bytes). */
  portIn(port: number, size: number): number;
  /** OUT: may throw GuestExit to end the run (isa-debug-exit). */
  portOut(port: number, size: number, value: number): void;
  /** HLT at CPL 0: wait for an interrupt. With no interrupt source this ends the run (throws GuestExit). */
  halt(cpu: Cpu, rip: number): void;
}

/** No devices: reads float high, writes go nowhere, and a halted CPU can never wake up. */
export const NO_PLATFORM: Platform = {
  portIn: (_port, size) => (size === 4 ? -1 : (1 << (8 * size)) - 1),
  portOut: () => {},
  halt: (_cpu, rip) => { throw new Error(`hlt at CPL 0 (rip 0x${rip.toString(16)}) with no interrupt source`); },
};

const gp0 = (what: string, cpl: number): GuestFault =>
  new GuestFault(Vec.GP, 0, 0, `privileged instruction '${what}' at CPL ${cpl}`);

/** Effective address of the memory operand as halves (64-bit wraparound, 32-bit address size, FS/GS base). */
export function effectiveAddress(cpu: Cpu, i: Insn): [number, number] {
  let lo = i.disp | 0, hi = i.disp < 0 ? -1 : 0;
  const add = (alo: number, ahi: number): void => {
    const s = (lo >>> 0) + (alo >>> 0);
    lo = s | 0;
    hi = (hi + ahi + (s > 0xffffffff ? 1 : 0)) | 0;
  };
  if (i.ripRel) { const n = i.addr + i.len; add(n % 4294967296 | 0, Math.floor(n / 4294967296) | 0); }
  if (i.base >= 0) add(cpu.regs[2 * i.base], cpu.regs[2 * i.base + 1]);
  if (i.index >= 0) {
    const k = i.scale === 8 ? 3 : i.scale === 4 ? 2 : i.scale === 2 ? 1 : 0;
    const xl = cpu.regs[2 * i.index], xh = cpu.regs[2 * i.index + 1];
    add(xl << k, k ? (xh << k) | (xl >>> (32 - k)) : xh);
  }
  if (i.adsize === 4) hi = 0;
  if (i.seg === 4) add(cpu.fsBaseLo, cpu.fsBaseHi);
  else if (i.seg === 5) add(cpu.gsBaseLo, cpu.gsBaseHi);
  return [lo, hi];
}

/** A 16-bit r/m source (LTR, LLDT, LMSW). */
function readRm16(cpu: Cpu, i: Insn): number {
  if (i.k0 === K.Reg) return cpu.regs[2 * i.r0] & 0xffff;
  const [lo, hi] = effectiveAddress(cpu, i);
  return cpu.mmu.rd16(lo, hi);
}
/** A selector/MSW store (STR, SLDT, SMSW): 16 bits to memory; a register of 32/64 bits is zero-extended. */
function writeRm16(cpu: Cpu, i: Insn, v: number): void {
  if (i.k0 === K.Reg) {
    if (i.s0 === 2) cpu.regs[2 * i.r0] = (cpu.regs[2 * i.r0] & ~0xffff) | (v & 0xffff);
    else cpu.setRegHalves(i.r0, v, 0);
    return;
  }
  const [lo, hi] = effectiveAddress(cpu, i);
  cpu.mmu.wr16(lo, hi, v);
}

/** INT n / INT3 / INT1 (SDM "INT n/INTO/INT3/INT1"): through the IDT when one is loaded. */
export function softInt(cpu: Cpu, i: Insn, n: number): void {
  const next = i.addr + i.len;
  if (cpu.idtrLimit === 0) {
    // No IDT: the guest OS takes the event directly (as a #BP trap for INT3, else #GP(n*8+2)).
    if (n === 3 && i.mnem !== 'int') { cpu.rip = next; throw new GuestFault(Vec.BP, 0, 0, 'int3', true); }
    throw new GuestFault(Vec.GP, n * 8 + 2, 0, `int 0x${n.toString(16)}`);
  }
  // INT1 (icebp) is delivered like a hardware #DB: no gate-DPL check.
  deliver(cpu, n, i.mnem === 'int1' ? EventKind.Exception : EventKind.Software, -1, next);
}

/** H.privileged: the instructions system.ts routes here. */
export function privileged(cpu: Cpu, i: Insn, platform: Platform, tsc: TscSource): void {
  const m = i.mnem, cpl = cpu.cpl;
  cpu.rip = i.addr + i.len;
  switch (m) {
    // -- any CPL, with their own conditions ----------------------------------------------------------
    case 'rdfsbase': case 'rdgsbase': case 'wrfsbase': case 'wrgsbase':
      fsgsbase(cpu, m, i.r0, i.s0); return;
    case 'sgdt': case 'sidt': case 'str': case 'sldt': case 'smsw':
      if (cpl > 0 && (cpu.cr4 & CR4_UMIP)) throw gp0(m, cpl); // UMIP makes these ring-0 only
      if (m === 'sgdt' || m === 'sidt') { const [lo, hi] = effectiveAddress(cpu, i); storeTableRegister(cpu, m === 'sgdt' ? 'gdt' : 'idt', lo, hi); }
      else writeRm16(cpu, i, m === 'str' ? cpu.tr : m === 'sldt' ? cpu.ldtr : cpu.cr0);
      return;
    case 'iret': case 'iretd': case 'iretq':
      if (i.opsize !== 8) throw new GuestFault(Vec.UD, 0, 0, `${m} with a ${8 * i.opsize}-bit frame is not implemented (only iretq)`);
      iretq(cpu); return;
    case 'sysenter': sysenterTransition(cpu); return;
    case 'monitor': case 'mwait': throw new GuestFault(Vec.UD, 0, 0, `${m} (MONITOR/MWAIT are not advertised)`);
    case 'xsetbv': throw new GuestFault(Vec.UD, 0, 0, 'xsetbv with CR4.OSXSAVE = 0');
    case 'rdpmc': throw new GuestFault(Vec.GP, 0, 0, 'rdpmc: no performance counters are implemented');
    case 'cli': case 'sti': setInterruptFlag(cpu, m === 'sti'); return;
    case 'in': case 'out': case 'ins': case 'outs': case 'insb': case 'insw': case 'insd': case 'outsb': case 'outsw': case 'outsd':
      portIo(cpu, i, platform); return;
    case 'sysret': case 'sysretq': case 'sysretd':
      sysretTransition(cpu, m !== 'sysretd' && (i.prefixes & 64) !== 0); return;
  }
  // -- CPL 0 only ---------------------------------------------------------------------------------------
  if (m === 'swapgs' && cpl === 0) { swapgs(cpu); return; }
  if (cpl !== 0) throw gp0(m, cpl);
  switch (m) {
    case 'hlt': platform.halt(cpu, i.addr); return;
    case 'wrmsr': wrmsr(cpu, cpu.regs[2], cpu.regs[0], cpu.regs[4], tsc); return;
    case 'rdmsr': { const [lo, hi] = rdmsr(cpu, cpu.regs[2], tsc); cpu.setRegHalves(0, lo, 0); cpu.setRegHalves(2, hi, 0); return; }
    case 'mov': movControl(cpu, i); return;
    case 'invlpg': { const [lo, hi] = effectiveAddress(cpu, i); invlpg(cpu, lo, hi); return; }
    case 'lgdt': case 'lidt': { const [lo, hi] = effectiveAddress(cpu, i); loadTableRegister(cpu, m === 'lgdt' ? 'gdt' : 'idt', lo, hi); return; }
    case 'ltr': loadTaskRegister(cpu, readRm16(cpu, i)); return;
    case 'lldt': loadLdtRegister(cpu, readRm16(cpu, i)); return;
    case 'clts': cpu.cr0 &= ~CR0_TS; return;
    case 'lmsw': {
      // LMSW loads CR0[3:0] but cannot clear PE.
      const v = readRm16(cpu, i);
      cpu.cr0 = (cpu.cr0 & ~0xe) | (v & 0xf) | (cpu.cr0 & 1);
      return;
    }
    case 'wbinvd': case 'invd': return; // no caches are modelled
    case 'sysexit': case 'sysexitq': sysexitTransition(cpu, (i.prefixes & 64) !== 0); return;
    default: throw new GuestFault(Vec.UD, 0, 0, `'${m}' at CPL 0 is not implemented`);
  }
}

/** MOV to/from CRn or DRn (always 64-bit operands in 64-bit mode). */
function movControl(cpu: Cpu, i: Insn): void {
  if (i.k0 === K.Cr) { writeCr(cpu, i.r0, cpu.regs[2 * i.r1], cpu.regs[2 * i.r1 + 1]); return; }
  if (i.k1 === K.Cr) { const [lo, hi] = readCr(cpu, i.r1); cpu.setRegHalves(i.r0, lo, hi); return; }
  // Debug registers: stored and read back; DR4/DR5 alias DR6/DR7 (CR4.DE is not supported).
  const dr = (n: number): number => (n === 4 ? 6 : n === 5 ? 7 : n);
  if (i.k0 === K.Dr) {
    const n = dr(i.r0), lo = cpu.regs[2 * i.r1], hi = cpu.regs[2 * i.r1 + 1];
    if (n > 7) throw new GuestFault(Vec.UD, 0, 0, `mov to dr${i.r0}`);
    if ((n === 6 || n === 7) && hi !== 0) throw new GuestFault(Vec.GP, 0, 0, `mov to dr${n}: bits 63:32 must be 0`);
    if (n < 4) cpu.dr[n] = hi * 4294967296 + (lo >>> 0);
    else if (n === 6) cpu.dr6 = (lo | 0xffff0ff0) >>> 0;
    else cpu.dr7 = ((lo & ~0xd000) | 0x400) >>> 0;
    return;
  }
  const n = dr(i.r1);
  if (n > 7) throw new GuestFault(Vec.UD, 0, 0, `mov from dr${i.r1}`);
  const v = n < 4 ? cpu.dr[n] : n === 6 ? cpu.dr6 : cpu.dr7;
  cpu.setRegHalves(i.r0, v % 4294967296 | 0, Math.floor(v / 4294967296) | 0);
}

/** IN/OUT (and the string forms, one element per REP iteration) through the platform's ports. */
function portIo(cpu: Cpu, i: Insn, platform: Platform): void {
  const m = i.mnem;
  const string = m.startsWith('ins') || m.startsWith('outs');
  if (string) {
    throw new GuestFault(Vec.UD, 0, 0, `'${m}' (string port I/O) is not implemented`);
  }
  const isIn = m === 'in';
  const portOp = isIn ? 1 : 0, dataOp = isIn ? 0 : 1;
  const portKind = portOp === 0 ? i.k0 : i.k1;
  const port = portKind === K.Imm ? i.immLo & 0xff : cpu.regs[4] & 0xffff; // imm8 or DX
  const size = dataOp === 0 ? i.s0 : i.s1;
  checkIoPermission(cpu, port);
  if (isIn) {
    const v = platform.portIn(port, size);
    if (size === 4) cpu.setRegHalves(0, v, 0);
    else if (size === 2) cpu.regs[0] = (cpu.regs[0] & ~0xffff) | (v & 0xffff);
    else cpu.regs[0] = (cpu.regs[0] & ~0xff) | (v & 0xff);
  } else {
    const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    platform.portOut(port, size, cpu.regs[0] & mask);
  }
}

