// The ringjit side of the SIMD oracle tests: runs oracle records (see sse-oracle.ts) through the
// interpreter (handlers compiled from the shared semantics) on a Cpu whose page tables map exactly the
// page holding the memory window (the next page is unmapped, as on the host), and compares states.

import { decode } from '../../src/decoder/decode.js';
import { type Insn } from '../../src/decoder/insn.js';
import { Cpu } from '../../src/runtime/cpu.js';
import { GuestFault } from '../../src/runtime/faults.js';
import { makeHelpers } from '../../src/runtime/helpers.js';
import { Interpreter } from '../../src/runtime/interp.js';
import { PhysicalMemory } from '../../src/runtime/memory.js';
import { TLB_SETS } from '../../src/runtime/mmu.js';
import { rt } from '../../src/runtime/rt.js';
import { translateBlock } from '../../src/translator/translate.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { Fault, hostOk, MEM_OFF, MEM_SIZE, OFF, type OracleBatch, RECORD_SIZE, runOracleBatch, VBASE } from './sse-oracle.js';

const CODE_ADDR = 0x400000;

/** A stub's instructions compiled for both engines. */
export interface Compiled { insns: Insn[]; block: (cpu: Cpu) => number }

export class Emu {
  readonly cpu: Cpu;
  private readonly helpers = makeHelpers({ deterministic: true });
  private readonly interp = new Interpreter(this.helpers);
  private readonly cache = { dirty: false };
  private readonly frame: number;

  constructor() {
    const mem = new PhysicalMemory(4 << 20);
    this.cpu = new Cpu(mem);
    const dv = mem.dv;
    const pml4 = mem.allocFrame(), pdpt = mem.allocFrame(), pd = mem.allocFrame(), pt = mem.allocFrame();
    this.frame = mem.allocFrame();
    const USER_RW = 7; // P | RW | US
    dv.setInt32(pml4 + 8 * ((VBASE / 2 ** 39) & 511), pdpt | USER_RW, true);
    dv.setInt32(pdpt + 8 * ((VBASE / 2 ** 30) & 511), pd | USER_RW, true);
    dv.setInt32(pd + 8 * ((VBASE >>> 21) & 511), pt | USER_RW, true);
    dv.setInt32(pt + 8 * ((VBASE >>> 12) & 511), this.frame | USER_RW | 0x60 /* A | D */, true);
    this.cpu.mmu.cr3 = pml4;
    this.cpu.mmu.flushAll();
  }

  /** Decode a stub's bytes into its instructions and translate them as one block. */
  compile(bytes: Uint8Array): Compiled {
    const insns: Insn[] = [];
    for (let off = 0; off < bytes.length;) {
      const i = decode(bytes, off, bytes.length, CODE_ADDR + off, 64);
      if (i.mnem === '(bad)' || i.len === 0) throw new Error(`undecodable bytes at +${off}: ${Buffer.from(bytes).toString('hex')}`);
      insns.push(i);
      off += i.len;
    }
    const ctx = { rt, H: this.helpers, cache: this.cache, handlerOf: (i: Insn) => this.interp.handlerOf(i), tlbOffset: 0, tlbMask: TLB_SETS - 1 };
    const block = translateBlock(insns, ctx, 'sse_case').fn as (cpu: Cpu) => number;
    return { insns, block };
  }

  /** Run one input record through ringjit's interpreter (jit = false) or translator; returns the output record. */
  run(rec: Uint8Array, c: Compiled, jit: boolean): Uint8Array {
    const out = rec.slice();
    const dv = new DataView(out.buffer, out.byteOffset, RECORD_SIZE);
    const cpu = this.cpu;
    for (let k = 0; k < 16; k++) cpu.setRegHalves(k, dv.getInt32(OFF.gpr + 8 * k, true), dv.getInt32(OFF.gpr + 8 * k + 4, true));
    cpu.setEflags(dv.getInt32(OFF.rflags, true));
    cpu.mxcsr = dv.getInt32(OFF.mxcsr, true);
    cpu.fpuCw = 0x37f; cpu.fpuSw = 0; cpu.fpuTag = 0;
    for (let k = 0; k < 64; k++) cpu.xmm[k] = dv.getInt32(OFF.xmm + 4 * k, true);
    cpu.mem.u8.set(out.subarray(OFF.mem, OFF.mem + MEM_SIZE), this.frame + MEM_OFF);
    let fault = Fault.None, faultOff = 0;
    cpu.rip = CODE_ADDR;
    try {
      if (jit) c.block(cpu);
      else for (const i of c.insns) { cpu.rip = i.addr; this.interp.handlerOf(i)(cpu, i); }
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      fault = e.vector === 13 ? Fault.GP : e.vector === 14 ? Fault.PF : e.vector === 19 ? Fault.XM : e.vector === 6 ? Fault.UD : Fault.Other;
      faultOff = cpu.rip - CODE_ADDR;
    }
    dv.setUint32(OFF.fault, fault, true);
    dv.setUint32(OFF.faultOff, faultOff, true); dv.setUint32(OFF.faultOff + 4, 0, true);
    for (let k = 0; k < 16; k++) { dv.setInt32(OFF.gpr + 8 * k, cpu.regs[2 * k], true); dv.setInt32(OFF.gpr + 8 * k + 4, cpu.regs[2 * k + 1], true); }
    dv.setInt32(OFF.rflags, cpu.getEflags(), true); dv.setInt32(OFF.rflags + 4, 0, true);
    dv.setInt32(OFF.mxcsr, cpu.mxcsr, true);
    for (let k = 0; k < 64; k++) dv.setInt32(OFF.xmm + 4 * k, cpu.xmm[k], true);
    out.set(cpu.mem.u8.subarray(this.frame + MEM_OFF, this.frame + MEM_OFF + MEM_SIZE), OFF.mem);
    return out;
  }
}

const GPR = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const FAULTS = ['none', '#GP', '#PF', '#XM', '#UD', 'other'];
const STATUS = 0x8d5;

function hex(b: Uint8Array, off: number, n: number): string {
  let s = '';
  for (let k = n - 1; k >= 0; k--) s += b[off + k].toString(16).padStart(2, '0');
  return s;
}

export interface CompareOpts {
  /** Compare xmm dwords as floats within this relative error (rcp/rsqrt approximations). */
  approx?: number;
}

/** Differences between the expected (host) and actual (ringjit) output records, as text lines. */
export function diff(inp: Uint8Array, exp: Uint8Array, act: Uint8Array, opts: CompareOpts = {}): string[] {
  const out: string[] = [];
  const de = new DataView(exp.buffer, exp.byteOffset), da = new DataView(act.buffer, act.byteOffset);
  const fe = de.getUint32(OFF.fault, true), fa = da.getUint32(OFF.fault, true);
  if (fe !== fa) out.push(`fault: expected ${FAULTS[fe]}, got ${FAULTS[fa]}`);
  else if (fe !== 0 && de.getUint32(OFF.faultOff, true) !== da.getUint32(OFF.faultOff, true)) out.push('fault at a different instruction');
  for (let r = 0; r < 16; r++) {
    const o = OFF.xmm + 16 * r;
    let same = true;
    for (let k = 0; k < 16; k++) if (exp[o + k] !== act[o + k]) same = false;
    if (!same && opts.approx) {
      same = true;
      for (let k = 0; k < 4; k++) {
        const x = de.getFloat32(o + 4 * k, true), y = da.getFloat32(o + 4 * k, true);
        const bitsEqual = de.getUint32(o + 4 * k, true) === da.getUint32(o + 4 * k, true);
        if (!bitsEqual && !(Math.abs(x - y) <= opts.approx * Math.abs(x))) same = false;
      }
    }
    if (!same) out.push(`xmm${r}: in ${hex(inp, o, 16)} expected ${hex(exp, o, 16)} got ${hex(act, o, 16)}`);
  }
  for (let r = 0; r < 16; r++) {
    if (r === 4) continue;
    const o = OFF.gpr + 8 * r;
    if (hex(exp, o, 8) !== hex(act, o, 8)) out.push(`${GPR[r]}: in ${hex(inp, o, 8)} expected ${hex(exp, o, 8)} got ${hex(act, o, 8)}`);
  }
  const fle = de.getUint32(OFF.rflags, true) & STATUS, fla = da.getUint32(OFF.rflags, true) & STATUS;
  if (fle !== fla) out.push(`rflags (status): in ${(new DataView(inp.buffer, inp.byteOffset).getUint32(OFF.rflags, true) & STATUS).toString(16)} expected ${fle.toString(16)} got ${fla.toString(16)}`);
  const me = de.getUint32(OFF.mxcsr, true), ma = da.getUint32(OFF.mxcsr, true);
  if (me !== ma) out.push(`mxcsr: in ${new DataView(inp.buffer, inp.byteOffset).getUint32(OFF.mxcsr, true).toString(16)} expected ${me.toString(16)} got ${ma.toString(16)}`);
  for (let k = 0; k < MEM_SIZE; k++) {
    if (exp[OFF.mem + k] !== act[OFF.mem + k]) {
      out.push(`memory differs from window offset ${k}: expected ${hex(exp, OFF.mem + (k & ~15), 16)} got ${hex(act, OFF.mem + (k & ~15), 16)}`);
      break;
    }
  }
  return out;
}

export interface CaseOpts extends CompareOpts {
  /** Adjust the host's output record before comparing (host-specific fields). */
  host?: (exp: Uint8Array) => void;
  /** Most failures described in full. */
  maxShown?: number;
  /** Extra text describing a failing input (registers, memory) before the differences. */
  describe?: (inp: Uint8Array, exp: Uint8Array, act: Uint8Array) => string;
}

/**
 * Run case `idx` of an oracle batch (its `n` inputs) under both engines — the interpreter's generic
 * handlers and the translator's baked block — and compare each output record with the host CPU's.
 * Returns '' when all agree, else a report of the differing inputs (the oracle tests expect '').
 */
export function compareCase(emu: Emu, batch: OracleBatch, idx: number, n: number, opts: CaseOpts = {}): string {
  const { bytes, input, start, expected } = batch;
  const code = emu.compile(bytes[idx]);
  const failures: string[] = [];
  let bad = 0;
  for (let j = 0; j < n; j++) {
    const o = (start[idx] + j) * RECORD_SIZE;
    const inp = input.subarray(o, o + RECORD_SIZE), exp = expected.subarray(o, o + RECORD_SIZE);
    opts.host?.(exp);
    for (const jit of [false, true]) {
      const act = emu.run(inp, code, jit);
      const d = diff(inp, exp, act, opts);
      if (!d.length) continue;
      bad++;
      if (failures.length < (opts.maxShown ?? 4)) {
        const extra = opts.describe ? ` ${opts.describe(inp, exp, act)}` : '';
        failures.push(`input #${j} (${jit ? 'translator' : 'interpreter'}):${extra}\n    ${d.join('\n    ')}`);
      }
    }
  }
  return failures.length ? `${bad}/${n} inputs differ\n  ${failures.join('\n  ')}` : '';
}

/**
 * An oracle suite: every case's inputs run on the host CPU in one batch (skipped where the host cannot
 * run the runner), then one test per case compares both engines with it (compareCase).
 */
export function describeOracle<C extends { asm: string; n: number }>(title: string, cases: readonly C[],
  inputs: (c: C, idx: number) => Uint8Array, name: (c: C) => string, opts: (c: C) => CaseOpts = () => ({})): void {
  describe.skipIf(!hostOk())(title, () => {
    const emu = new Emu();
    let batch: OracleBatch;
    beforeAll(() => { batch = runOracleBatch(cases, (idx) => inputs(cases[idx], idx)); }, 300_000);
    cases.forEach((c, idx) => {
      it(name(c), () => { expect(compareCase(emu, batch, idx, c.n, opts(c))).toBe(''); });
    });
  });
}
