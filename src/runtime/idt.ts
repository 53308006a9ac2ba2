// Interrupt and exception delivery through the 64-bit IDT (SDM vol. 3, 6.12-6.14; the INT n pseudo-code
// "INTERRUPT-TO-INNER/SAME-PRIVILEGE" in vol. 2A). Used for INT n / INT3 / INT1 by every guest, and for
// exceptions when the guest OS is ring-0 guest code (bare metal); the Linux personality handles
// exceptions in TypeScript instead (GuestOS.handleFault), but enters int 0x80 through this path.
//
// Gate format (16 bytes): offset 15:0 | selector | IST (bits 2:0 of byte 4) | type 0xE (interrupt) or
// 0xF (trap), DPL, P in byte 5 | offset 31:16 | offset 63:32 | reserved.

import { type Cpu } from './cpu.js';
import { GuestFault, Vec } from './faults.js';
import { isCanonical } from './msr.js';
import { Access, addrHi, addrLo, joinAddr } from './mmu.js';
import {
  asSupervisor, DESC_DB, DESC_L, DESC_P, descDpl, isCode, readDescriptor, sysRead32, SysType, tssStack,
} from './segments.js';
import { F } from '../semantics/state.js';

/** Exceptions that push an error code (#DF #TS #NP #SS #GP #PF #AC #CP). */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17 || vector === 21;
}

export interface Gate { offset: number; selector: number; ist: number; type: number; dpl: number; present: boolean }

/** Read IDT entry `vector`, or null when it lies beyond the IDT limit. */
export function readGate(cpu: Cpu, vector: number): Gate | null {
  if (vector * 16 + 15 > cpu.idtrLimit) return null;
  const a = cpu.idtrBase + vector * 16;
  const w0 = sysRead32(cpu, a), w1 = sysRead32(cpu, a + 4), w2 = sysRead32(cpu, a + 8);
  return {
    offset: joinAddr(((w0 & 0xffff) | (w1 & 0xffff0000)) >>> 0, w2),
    selector: w0 >>> 16, ist: w1 & 7, type: (w1 >>> 8) & 0x1f, dpl: (w1 >>> 13) & 3, present: (w1 & (1 << 15)) !== 0,
  };
}

/** How an event reached the IDT: INT n/INT3 check the gate's DPL; exceptions set EXT in error codes. */
export const enum EventKind { Software = 0, Exception = 1 }

/**
 * Deliver `vector` through the IDT: find the gate, switch to the handler's stack (TSS.RSPn on a
 * privilege change, or TSS.ISTn), push SS, RSP, RFLAGS, CS, RIP (and the error code, if >= 0) on a
 * 16-byte-aligned stack, clear TF/NT/RF (and IF for an interrupt gate), and continue at the gate's
 * offset at the code segment's privilege. `returnRip` is what the frame's RIP names (the faulting
 * instruction for faults, the next one for traps and INT n). Throws the delivery fault (#GP/#NP/#TS/#SS/
 * #PF) with no state changed.
 */
export function deliver(cpu: Cpu, vector: number, kind: EventKind, errorCode: number, returnRip: number): void {
  // For fault-class exceptions the pushed RFLAGS image has RF set, so the IRET back to the faulting
  // instruction does not re-trigger an instruction breakpoint (SDM 17.3.1.1).
  const rf = kind === EventKind.Exception && isFaultClass(vector) ? F.RF : 0;
  const ext = kind === EventKind.Exception ? 1 : 0;
  const idtCode = (vector << 3) | 2 | ext;
  const gate = readGate(cpu, vector);
  if (!gate) throw new GuestFault(Vec.GP, idtCode, 0, `vector 0x${vector.toString(16)} beyond the IDT limit`);
  if (gate.type !== SysType.INT_GATE && gate.type !== SysType.TRAP_GATE) {
    throw new GuestFault(Vec.GP, idtCode, 0, `IDT entry 0x${vector.toString(16)} is not a 64-bit interrupt or trap gate`);
  }
  if (kind === EventKind.Software && gate.dpl < cpu.cpl) {
    throw new GuestFault(Vec.GP, idtCode & ~1, 0, `int 0x${vector.toString(16)}: gate DPL ${gate.dpl} < CPL ${cpu.cpl}`);
  }
  if (!gate.present) throw new GuestFault(Vec.NP, idtCode, 0, `IDT gate 0x${vector.toString(16)} not present`);
  const sel = gate.selector;
  if ((sel & 0xfffc) === 0) throw new GuestFault(Vec.GP, ext, 0, 'interrupt gate with a null code selector');
  const cs = readDescriptor(cpu, sel);
  if (!cs || !isCode(cs)) throw new GuestFault(Vec.GP, (sel & 0xfffc) | ext, 0, 'interrupt gate selector is not a code segment');
  const dpl = descDpl(cs);
  if (dpl > cpu.cpl) throw new GuestFault(Vec.GP, (sel & 0xfffc) | ext, 0, 'interrupt handler segment less privileged than CPL');
  if (!(cs.hi & DESC_P)) throw new GuestFault(Vec.NP, (sel & 0xfffc) | ext, 0, 'interrupt handler segment not present');
  if (!(cs.hi & DESC_L) || (cs.hi & DESC_DB)) throw new GuestFault(Vec.GP, (sel & 0xfffc) | ext, 0, 'interrupt handler is not 64-bit code');
  if (!isCanonical(addrHi(gate.offset))) throw new GuestFault(Vec.GP, ext, 0, 'interrupt gate offset is not canonical');

  // Conforming handlers run at the current privilege; otherwise at the segment's DPL.
  const conforming = (cs.hi & (1 << 10)) !== 0;
  const newCpl = conforming ? cpu.cpl : dpl;
  const oldRsp = joinAddr(cpu.regs[8], cpu.regs[9]);
  let rsp = oldRsp;
  if (gate.ist !== 0) rsp = tssStack(cpu, 0x24 + 8 * (gate.ist - 1), ext);
  else if (newCpl < cpu.cpl) rsp = tssStack(cpu, 4 + 8 * newCpl, ext);
  if (!isCanonical(addrHi(rsp))) throw new GuestFault(Vec.SS, ext, 0, 'interrupt stack is not canonical');
  rsp -= ((rsp % 16) + 16) % 16; // align down to 16 bytes (RSP may be a negative, kernel-half number)

  const flags = cpu.getEflags();
  const frame = [cpu.ss & 0xffff, oldRsp, flags | rf, cpu.cs & 0xffff, returnRip];
  if (errorCode >= 0) frame.push(errorCode);
  const top = rsp - 8 * frame.length;
  // The pushes are supervisor accesses at the new privilege: probe the whole frame first so a fault
  // (which becomes #DF or a triple fault) leaves nothing half-written.
  asSupervisor(cpu, () => {
    cpu.mmu.probe(addrLo(top), addrHi(top), 8 * frame.length, Access.Write);
    for (let k = 0; k < frame.length; k++) {
      const a = rsp - 8 * (k + 1), v = frame[k];
      cpu.mmu.wr64(addrLo(a), addrHi(a), addrLo(v), addrHi(v));
    }
  });

  // Commit: CS.RPL = new CPL, SS = null selector (RPL = new CPL) on a privilege change.
  if (newCpl !== cpu.cpl) cpu.ss = newCpl;
  cpu.cs = (sel & 0xfffc) | newCpl;
  cpu.setCpl(newCpl);
  cpu.regs[8] = addrLo(top); cpu.regs[9] = addrHi(top);
  let nf = flags & ~(F.TF | F.NT | F.RF | F.VM);
  if (gate.type === SysType.INT_GATE) nf &= ~F.IF;
  cpu.setEflags(nf);
  cpu.rip = gate.offset;
}

/** Faults (as opposed to traps and aborts): #DE #BR #UD #NM #TS #NP #SS #GP #PF #MF #AC #XM #VE #CP. */
function isFaultClass(v: number): boolean {
  return v === 0 || v === 5 || v === 6 || v === 7 || (v >= 10 && v <= 14) || v === 16 || v === 17 || (v >= 19 && v <= 21);
}

/** Exception classes for the double-fault rule (SDM table 6-5). */
function contributory(v: number): boolean { return v === 0 || (v >= 10 && v <= 13); }

export const enum Outcome { Delivered = 0, TripleFault = 1 }

/**
 * Deliver an exception raised by guest code (cpu.rip names the faulting instruction, or the next one
 * for traps). A fault while delivering it is handled by the double-fault rules: contributory after
 * contributory, or contributory/#PF after #PF, becomes #DF(0); a fault while delivering #DF is a triple
 * fault (shutdown); any other pair is delivered one after the other.
 */
export function deliverException(cpu: Cpu, f: GuestFault): Outcome {
  let vector = f.vector, code = hasErrorCode(f.vector) ? f.errorCode : -1;
  if (vector === Vec.PF) cpu.cr2 = f.cr2;
  for (let depth = 0; depth < 3; depth++) {
    try {
      deliver(cpu, vector, EventKind.Exception, code, cpu.rip);
      return Outcome.Delivered;
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      if (vector === Vec.DF) return Outcome.TripleFault;
      const second = e.vector;
      if (second === Vec.PF) cpu.cr2 = e.cr2;
      const df = (contributory(vector) && contributory(second)) || (vector === Vec.PF && (second === Vec.PF || contributory(second)));
      if (df) { vector = Vec.DF; code = 0; } else { vector = second; code = hasErrorCode(second) ? e.errorCode : -1; }
    }
  }
  return Outcome.TripleFault;
}
