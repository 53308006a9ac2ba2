// The operations interface every instruction's semantics is written against (DESIGN decision 1).
//
// Semantics are functions (e: Emitter, i: Insn) => void that call value operations on `e`. The
// Emitter produces JavaScript source. It has two instantiations:
//   - generic (the interpreter): operand fields (register numbers, immediates, displacements) are read
//     from the decoded record `i` at run time, so one compiled handler serves every instruction of the
//     same form (mnemonic + operand kinds + sizes);
//   - baked (the translator): operand fields are constants and registers may live in block locals.
// Either way the text comes from the one semantics function, so the engines cannot disagree.
//
// Values are 64-bit capable: V = { lo, hi } JS expressions of int32 halves. A value of size 1 or 2 is
// zero-extended in lo (0..0xff / 0..0xffff); size 4 is an int32 in lo; hi is '0' for sizes below 8.

import { CC_NAMES, type Insn, K, kindOf, regOf, sizeOf } from '../decoder/insn.js';
import { ARITH_FLAGS, CC, CcKind, ccOpOf } from './state.js';

export interface V { lo: string; hi: string }
/** The marker of a 64-bit operation (Emitter.mark64). */
export const I64_MARK = '@i64';
/** A half a 64-bit marker can name: a variable, an integer literal, or a segment base's half. */
const MARK_TOKEN = /^(?:-?\d+|[A-Za-z_$][\w$]*|cpu\.[fg]sBase(?:Lo|Hi))$/;
export const ZERO: V = { lo: '0', hi: '0' };

/** `x` as an unsigned 32-bit operand of a comparison: a literal is folded (V8 then compares with a
 * constant), anything else gets `>>> 0`. */
function u32(x: string): string {
  return /^-?\d+$/.test(x) ? String(Number(x) >>> 0) : `(${x} >>> 0)`;
}

export function maskOf(size: number): number { return size === 1 ? 0xff : size === 2 ? 0xffff : -1; }
export function signBitOf(size: number): number { return size === 1 ? 0x80 : size === 2 ? 0x8000 : 0x80000000 | 0; }

export type Semantics = (e: Emitter, i: Insn) => void;

/** The flag record after the status flags were written into cpu.eflags: a later condition in the same
 * block reads cpu.eflags directly (condExpr's EFLAGS case) instead of calling the generic evaluator. */
const MATERIALISED: FlagRecord = { kind: CcKind.EFLAGS, size: 8, dst: { lo: '0', hi: '0' }, src: { lo: '0', hi: '0' }, aux: { lo: '0', hi: '0' } };

/** Static knowledge of the last flag record inside a block (the translator fills it). `a` is the
 * first operand of a SUB record when the producer names it (not stored in the run-time record). */
export interface FlagRecord { kind: CcKind; size: number; dst: V; src: V; aux: V; a?: V }

export class Emitter {
  protected out: string[] = [];
  private nTmp = 0;
  /** Prefix of temporaries (the translator gives each instruction of a block its own). */
  tmpPrefix = 't';
  /** Set when this instruction touched the flag state in any way (record, materialised bits, helper). */
  flagsTouched = false;
  /** Reads of the incoming flags that feed this instruction's result or control flow (adc, jcc ...). */
  flagResultReads = 0;
  /** Reads of the incoming flags that only feed this instruction's own flag update (inc's CF, rol's
   * untouched flags): unnecessary when its flags are dead. */
  flagUpdateReads = 0;
  private inFlagUpdate = 0;
  /** Set when the instruction wrote cpu.rip (a branch). */
  branched = false;
  /** Flag record of the current instruction (for the translator's direct comparisons). */
  lastFlags: FlagRecord | null = null;

  constructor(public readonly i: Insn, public readonly baked: boolean) {}

  // ---- code buffer ---------------------------------------------------------------------------

  line(s: string): void { this.out.push(s); }
  code(): string { return this.out.join('\n'); }
  /** A fresh local holding expr. */
  tmp(expr: string): string {
    const n = this.tmpPrefix + this.nTmp++;
    this.out.push(`let ${n} = ${expr};`);
    return n;
  }
  /** Materialise a value into locals (so it can be used more than once). */
  val(size: number, lo: string, hi = '0'): V {
    const l = isSimple(lo) ? lo : this.tmp(lo);
    const h = size === 8 ? (isSimple(hi) ? hi : this.tmp(hi)) : '0';
    return { lo: l, hi: h };
  }
  c(lo: number, hi = 0): V { return { lo: String(lo | 0), hi: String(hi | 0) }; }

  /**
   * Say, for a back end with 64-bit integers, what the statements just emitted computed: the 64-bit
   * value r is `op` of the operands (each a value, or a shift count), and `temps` are the other
   * temporaries those statements declared. JavaScript ignores the comment; the wasm back end computes
   * r as one i64 and skips the statements (translator/wasm/statements.ts). Only where every half is a
   * name or a literal and r's halves are fresh temporaries (so the statements can be skipped).
   * Format: `// @i64 OP LO HI | TEMPS | ARGS`.
   */
  mark64(op: string, r: V, temps: string[], ...operands: (V | number)[]): void {
    if (!this.baked || this.noMark64 > 0 || !this.isTemp(r.lo) || !this.isTemp(r.hi) || r.lo === r.hi) return;
    const args: string[] = [];
    for (const o of operands) {
      if (typeof o === 'number') { args.push(String(o)); continue; }
      if (!MARK_TOKEN.test(o.lo) || !MARK_TOKEN.test(o.hi)) return;
      args.push(o.lo, o.hi);
    }
    this.out.push(`// ${I64_MARK} ${op} ${r.lo} ${r.hi} | ${temps.join(' ')} | ${args.join(' ')}`);
  }
  /** While positive, mark64 marks nothing (an operation built of others marks itself as a whole). */
  noMark64 = 0;
  private isTemp(x: string): boolean { return x.startsWith(this.tmpPrefix) && /^[\w$]+$/.test(x); }

  // ---- instruction fields (constants when baked, record reads when generic) -------------------

  /** The field of the decoded record, e.g. f('immLo'). */
  f(name: 'r0' | 'r1' | 'r2' | 'r3' | 'immLo' | 'immHi' | 'imm2' | 'disp' | 'cc'): string {
    return this.baked ? String((this.i as any)[name]) : `i.${name}`;
  }
  /** Address of this instruction / of the next one, as an exact number expression. */
  nextExpr(): string { return this.baked ? String(this.i.addr + this.i.len) : '(i.addr + i.len)'; }
  targetExpr(): string { return this.baked ? String(this.i.target) : 'i.target'; }

  // ---- registers ------------------------------------------------------------------------------

  /** JS lvalue of the lo/hi half of GPR r (r may be an expression in generic mode). Overridden by the
   * translator to use block locals. */
  regLo(r: number | string): string { return typeof r === 'number' ? `R[${2 * r}]` : `R[(${r}) << 1]`; }
  regHi(r: number | string): string { return typeof r === 'number' ? `R[${2 * r + 1}]` : `R[((${r}) << 1) | 1]`; }

  /** Read GPR r (0..15, or 16..19 for AH..BH when size 1) with the given size. */
  getReg(r: number | string, size: number, highByte = false): V {
    if (size === 8) return this.val(8, this.regLo(r), this.regHi(r));
    if (size === 4) return this.val(4, this.regLo(r));
    if (size === 2) return this.val(2, `${this.regLo(r)} & 0xffff`);
    if (highByte) return this.val(1, `(${this.regLo(this.sub16(r))} >>> 8) & 0xff`);
    return this.val(1, `${this.regLo(r)} & 0xff`);
  }
  /** Hook: generated code is about to assign GPR r (the translator tracks what to write back). */
  noteRegWrite(_r: number | string): void {}

  /** Write GPR r: 32-bit writes zero-extend to 64, 8/16-bit writes merge (SDM vol. 1, 3.4.1.1). */
  setReg(r: number | string, size: number, v: V, highByte = false): void {
    this.noteRegWrite(highByte ? this.sub16(r) : r);
    const lo = this.regLo(r), hi = this.regHi(r);
    if (size === 8) { this.line(`${lo} = ${v.lo}; ${hi} = ${v.hi};`); return; }
    if (size === 4) { this.line(`${lo} = ${v.lo}; ${hi} = 0;`); return; }
    if (size === 2) { this.line(`${lo} = (${lo} & -65536) | (${v.lo} & 0xffff);`); return; }
    if (highByte) { const l = this.regLo(this.sub16(r)); this.line(`${l} = (${l} & -65281) | ((${v.lo} & 0xff) << 8);`); return; }
    this.line(`${lo} = (${lo} & -256) | (${v.lo} & 0xff);`);
  }
  private sub16(r: number | string): number | string { return typeof r === 'number' ? r - 16 : `(${r}) - 16`; }

  // ---- operands -------------------------------------------------------------------------------

  kind(n: number): K { return kindOf(this.i, n); }
  size(n: number): number { return sizeOf(this.i, n); }
  regNum(n: number): number { return regOf(this.i, n); }
  /** The register of operand n as code: a constant when baked, `i.rN` when generic. */
  regField(n: number): number | string {
    return this.baked ? this.regNum(n) : `i.r${n}`;
  }
  /** Is operand n a high-byte register (AH..BH)? Part of the form key, so a constant either way. */
  isHighByte(n: number): boolean { return this.kind(n) === K.Reg && this.size(n) === 1 && this.regNum(n) >= 16; }

  /** Read operand n at `size` (default: its own size). Immediates are truncated to size. */
  read(n: number, size = this.size(n)): V {
    switch (this.kind(n)) {
      case K.Reg: return this.getReg(this.regField(n), size, this.isHighByte(n));
      case K.Mem: return this.load(size, this.ea());
      case K.Imm: return this.imm(size);
      case K.Rel: return this.val(8, `${this.f('immLo')}`, `${this.f('immHi')}`);
      default: throw new Error(`operand kind ${this.kind(n)} cannot be read as an integer`);
    }
  }
  /** The immediate at `size`. */
  imm(size: number): V {
    if (this.baked) {
      const lo = this.i.immLo, hi = this.i.immHi;
      return size === 8 ? this.c(lo, hi) : this.c(size === 4 ? lo : lo & maskOf(size));
    }
    if (size === 8) return { lo: 'i.immLo', hi: 'i.immHi' };
    if (size === 4) return { lo: 'i.immLo', hi: '0' };
    return this.val(size, `i.immLo & ${maskOf(size)}`);
  }
  write(n: number, v: V, size = this.size(n)): void {
    switch (this.kind(n)) {
      case K.Reg: this.setReg(this.regField(n), size, v, this.isHighByte(n)); return;
      case K.Mem: this.store(size, this.ea(), v); return;
      default: throw new Error(`operand kind ${this.kind(n)} cannot be written`);
    }
  }

  private eaCache: V | null = null;
  /**
   * Effective (linear) address of the memory operand: segment base (FS/GS) + base + index*scale + disp,
   * wrapped to 32 bits under a 67 prefix. Computed once per instruction.
   */
  ea(): V {
    if (this.eaCache) return this.eaCache;
    const i = this.i;
    const disp = this.f('disp');
    const parts: { lo: string; hi: string }[] = [];
    // The same terms for mark64: (value, shift) pairs.
    const terms: (V | number)[] = [];
    if (i.ripRel) {
      // RIP-relative: next instruction address + disp, exact in doubles (canonical range).
      const a = this.tmp(`${this.nextExpr()} + ${disp}`);
      // ToInt32 (| 0) is the value modulo 2^32: the low half (cheaper than % for V8 and the wasm back end).
      parts.push({ lo: `(${a} | 0)`, hi: `Math.floor(${a} / 4294967296)` });
      if (this.baked) { const n = i.addr + i.len + i.disp; terms.push(this.c(n % 4294967296, Math.floor(n / 4294967296)), 0); }
    } else if (!(this.baked && i.disp === 0 && (i.base >= 0 || i.index >= 0))) {
      // (A baked zero displacement is left out: one term less to add and carry.)
      parts.push({ lo: disp, hi: `(${disp} >> 31)` });
      terms.push({ lo: disp, hi: String(Number(disp) >> 31) }, 0);
    }
    if (i.base >= 0) {
      const b = this.baked ? i.base : 'i.base';
      parts.push({ lo: this.regLo(b), hi: this.regHi(b) });
      terms.push(parts[parts.length - 1], 0);
    }
    if (i.index >= 0) {
      const x = this.baked ? i.index : 'i.index';
      const sh = this.baked ? String(Math.log2(i.scale)) : 'SCALE_SHIFT[i.scale]';
      const xl = this.regLo(x), xh = this.regHi(x);
      if (this.baked && i.scale === 1) parts.push({ lo: xl, hi: xh });
      else parts.push({ lo: `(${xl} << ${sh})`, hi: `((${xh} << ${sh}) | (${sh} === 0 ? 0 : ${xl} >>> (32 - ${sh})))` });
      terms.push({ lo: xl, hi: xh }, Number(sh));
    }
    if (i.seg === 4 || i.seg === 5) {
      const s = i.seg === 4 ? 'fs' : 'gs';
      parts.push({ lo: `cpu.${s}BaseLo`, hi: `cpu.${s}BaseHi` });
      terms.push({ lo: `cpu.${s}BaseLo`, hi: `cpu.${s}BaseHi` }, 0);
    }
    let v: V;
    if (i.adsize === 4) {
      const lo = parts.map((p) => p.lo).join(' + ');
      v = this.val(4, `(${lo}) | 0`);
      v = { lo: v.lo, hi: '0' };
    } else if (parts.length === 1) {
      v = this.val(8, `${parts[0].lo} | 0`, `${parts[0].hi} | 0`);
      this.mark64('ea', v, [], ...terms);
    } else {
      // Add the terms pairwise in int32, one unsigned compare per carry (see add()).
      let lo = parts[0].lo;
      const carries: string[] = [], sums: string[] = [];
      for (let k = 1; k < parts.length; k++) {
        const sum = this.tmp(`(${lo} + ${parts[k].lo}) | 0`);
        carries.push(`((${sum} >>> 0) < ${u32(parts[k].lo)} ? 1 : 0)`);
        lo = sum;
        sums.push(sum);
      }
      const hi = this.tmp(`(${parts.map((p) => p.hi).join(' + ')} + ${carries.join(' + ')}) | 0`);
      v = { lo, hi };
      this.mark64('ea', v, sums.slice(0, -1), ...terms);
    }
    this.eaCache = v;
    return v;
  }

  // ---- memory ---------------------------------------------------------------------------------

  load(size: number, a: V): V {
    switch (size) {
      case 1: return this.val(1, `M.rd8(${a.lo}, ${a.hi})`);
      case 2: return this.val(2, `M.rd16(${a.lo}, ${a.hi})`);
      case 4: return this.val(4, `M.rd32(${a.lo}, ${a.hi})`);
      default: { const lo = this.tmp(`M.rd64(${a.lo}, ${a.hi})`); return { lo, hi: this.tmp('M.hi') }; }
    }
  }
  store(size: number, a: V, v: V): void {
    switch (size) {
      case 1: this.line(`M.wr8(${a.lo}, ${a.hi}, ${v.lo});`); return;
      case 2: this.line(`M.wr16(${a.lo}, ${a.hi}, ${v.lo});`); return;
      case 4: this.line(`M.wr32(${a.lo}, ${a.hi}, ${v.lo});`); return;
      default: this.line(`M.wr64(${a.lo}, ${a.hi}, ${v.lo}, ${v.hi});`);
    }
  }
  /** 16 bytes at a as four int32 lanes (SSE); a fault on either half leaves nothing changed. */
  load16(a: V): string[] {
    const l0 = this.tmp(`M.rd128(${a.lo}, ${a.hi})`);
    return [l0, this.tmp('M.hi'), this.tmp('M.hi2'), this.tmp('M.hi3')];
  }
  /** Store four int32 lanes to 16 bytes at a, all or nothing. */
  store16(a: V, lanes: string[]): void {
    this.line(`M.wr128(${a.lo}, ${a.hi}, ${lanes.join(', ')});`);
  }
  /** Check that [a, a + size) is writable (#PF/#GP as a write would raise) without writing (ENTER's final
   *  stack check). */
  probeWrite(size: number, a: V): void {
    this.line(`M.probe(${a.lo}, ${a.hi}, ${size}, 1);`);
  }
  /** a + k for a small constant k (stack slots, string elements). */
  addrPlus(a: V, k: number): V {
    if (k === 0) return a;
    return this.add(8, a, this.c(k, k < 0 ? -1 : 0));
  }

  // ---- arithmetic (results canonical for `size`) ----------------------------------------------

  // 64-bit add and sub work on int32 halves (DESIGN decision 2). Without a carry in, the carry out of
  // the low halves is an unsigned compare of the wrapped sum with an addend (the borrow: a.lo <u b.lo),
  // so V8 keeps everything in 32-bit registers; summing `x >>> 0` terms instead makes a double that it
  // adds, compares and truncates in floating point (2x the time of the int32 form in a micro-benchmark).
  add(size: number, a: V, b: V, carryIn = '0'): V {
    if (size === 8 && carryIn === '0') {
      const lo = this.tmp(`(${a.lo} + ${b.lo}) | 0`);
      const r = { lo, hi: this.tmp(`(${a.hi} + ${b.hi} + ((${lo} >>> 0) < ${u32(b.lo)} ? 1 : 0)) | 0`) };
      this.mark64('add', r, [], a, b);
      return r;
    }
    if (size === 8) {
      const s = this.tmp(`(${a.lo} >>> 0) + (${b.lo} >>> 0) + ${carryIn}`);
      return { lo: this.tmp(`${s} | 0`), hi: this.tmp(`(${a.hi} + ${b.hi} + (${s} > 4294967295 ? 1 : 0)) | 0`) };
    }
    return this.val(size, this.trunc(size, `${a.lo} + ${b.lo} + ${carryIn}`));
  }
  sub(size: number, a: V, b: V, borrowIn = '0'): V {
    if (size === 8 && borrowIn === '0') {
      const lo = this.tmp(`(${a.lo} - ${b.lo}) | 0`);
      const r = { lo, hi: this.tmp(`(${a.hi} - ${b.hi} - (${u32(a.lo)} < ${u32(b.lo)} ? 1 : 0)) | 0`) };
      this.mark64('sub', r, [], a, b);
      return r;
    }
    if (size === 8) {
      const s = this.tmp(`(${a.lo} >>> 0) - (${b.lo} >>> 0) - ${borrowIn}`);
      return { lo: this.tmp(`${s} | 0`), hi: this.tmp(`(${a.hi} - ${b.hi} - (${s} < 0 ? 1 : 0)) | 0`) };
    }
    return this.val(size, this.trunc(size, `${a.lo} - ${b.lo} - ${borrowIn}`));
  }
  bit(op: '&' | '|' | '^', size: number, a: V, b: V): V {
    const r = this.val(size, `${a.lo} ${op} ${b.lo}`, size === 8 ? `${a.hi} ${op} ${b.hi}` : '0');
    if (size === 8) this.mark64(op === '&' ? 'and' : op === '|' ? 'or' : 'xor', r, [], a, b);
    return r;
  }
  not(size: number, a: V): V {
    return this.val(size, this.trunc(size, `~${a.lo}`), size === 8 ? `~${a.hi}` : '0');
  }
  /** Truncate a JS int expression to a canonical value of `size`. */
  trunc(size: number, expr: string): string {
    return size === 4 ? `(${expr}) | 0` : size === 8 ? `(${expr}) | 0` : `(${expr}) & ${maskOf(size)}`;
  }
  /** Zero-extend a canonical value of size `from` to `to`. */
  zext(from: number, to: number, v: V): V {
    if (to <= 4 || from === 8) return { lo: v.lo, hi: to === 8 ? v.hi : '0' };
    return { lo: v.lo, hi: '0' };
  }
  /** Sign-extend a canonical value of size `from` to `to`. */
  sext(from: number, to: number, v: V): V {
    if (from >= to) return v;
    let lo: string;
    if (from === 1) lo = `((${v.lo} << 24) >> 24)`;
    else if (from === 2) lo = `((${v.lo} << 16) >> 16)`;
    else lo = v.lo;
    const l = this.val(4, lo).lo;
    if (to === 8) return { lo: l, hi: this.tmp(`${l} >> 31`) };
    return this.val(to, this.trunc(to, l));
  }
  /** A boolean JS expression -> value 0/1 of size 1. */
  bool(expr: string): V { return this.val(1, `(${expr}) ? 1 : 0`); }
  /** Unsigned a < b (JS boolean expression). */
  ltu(size: number, a: V, b: V): string {
    if (size === 8) return `((${a.hi} >>> 0) < (${b.hi} >>> 0) || (${a.hi} === ${b.hi} && (${a.lo} >>> 0) < (${b.lo} >>> 0)))`;
    return `((${a.lo} >>> 0) < (${b.lo} >>> 0))`;
  }
  eqz(size: number, a: V): string { return size === 8 ? `((${a.lo} | ${a.hi}) === 0)` : `(${a.lo} === 0)`; }
  /** Top bit of a value of `size` as 0/1 expression. */
  msb(size: number, a: V): string {
    return size === 8 ? `(${a.hi} >>> 31)` : size === 4 ? `(${a.lo} >>> 31)` : `((${a.lo} >>> ${size * 8 - 1}) & 1)`;
  }
  select(size: number, cond: string, a: V, b: V): V {
    const c = this.tmp(cond);
    return this.val(size, `${c} ? ${a.lo} : ${b.lo}`, size === 8 ? `${c} ? ${a.hi} : ${b.hi}` : '0');
  }

  // ---- lazy flags -----------------------------------------------------------------------------
  // Generic handlers keep the record in cpu.ccOp / cpu.cc. The translator overrides the three hooks
  // below to keep it in block locals, syncing to cpu only where something reads the cpu copy.

  /** Store a flag record (hook). */
  protected storeFlagRecord(op: number, dst: V, src: V, aux: V): void {
    this.line(`cpu.ccOp = ${op}; CC[${CC.DST_LO}] = ${dst.lo}; CC[${CC.DST_HI}] = ${dst.hi}; ` +
      `CC[${CC.SRC_LO}] = ${src.lo}; CC[${CC.SRC_HI}] = ${src.hi}; CC[${CC.AUX_LO}] = ${aux.lo}; CC[${CC.AUX_HI}] = ${aux.hi};`);
  }
  /** Called before generated code reads cpu.ccOp/cpu.cc/cpu.eflags status bits (hook). */
  flagsWillBeRead(): void {}
  /** Called after generated code wrote cpu.ccOp/cpu.cc/cpu.eflags status bits directly (hook). */
  flagsWereWritten(): void {}

  /**
   * False when no later instruction can observe this instruction's status flags (the translator's
   * liveness pass decided they are overwritten first, with no possible fault in between). Semantics
   * then skip work done only for the flags (a 128-bit product for imul's OF, rol's CF/OF...).
   */
  flagsNeeded(): boolean { return true; }

  /** Record a flag-producing operation (QEMU's cc_op style). `a`: a SUB's first operand, for the
   * translator's direct comparisons (the record itself rebuilds it as dst + src). */
  setFlags(kind: CcKind, size: number, dst: V, src: V = ZERO, aux: V = ZERO, a?: V): void {
    this.flagsTouched = true;
    if (this.flagsNeeded()) this.storeFlagRecord(ccOpOf(kind, size), dst, src, aux);
    this.lastFlags = { kind, size, dst, src, aux, a };
  }
  /** The incoming carry flag, read only to carry it through this instruction's flag update (inc/dec). */
  carryForFlags(): string {
    if (!this.flagsNeeded()) return '0';
    this.inFlagUpdate++;
    try { return this.carry(); } finally { this.inFlagUpdate--; }
  }
  /** Condition `cc` (0..15) of the current flags, as a JS boolean expression (a local). */
  cond(cc: number | string): string {
    this.noteFlagRead();
    this.flagsWillBeRead();
    return this.tmp(`rt.cond(cpu, ${cc})`);
  }
  /** The carry flag as 0/1. */
  carry(): string { return this.tmp(`${this.cond(2)} ? 1 : 0`); }
  /** Full RFLAGS (status flags materialised). */
  eflags(): string { this.noteFlagRead(); this.flagsWillBeRead(); return this.tmp(`rt.eflags(cpu)`); }
  protected noteFlagRead(): void { if (this.inFlagUpdate) this.flagUpdateReads++; else this.flagResultReads++; }
  /** Replace the status flags (mask `mask`) with `value`, materialising the rest. */
  setEflagsBits(mask: number, value: string): void {
    this.flagsTouched = true;
    this.lastFlags = null;
    if (!this.flagsNeeded()) return;
    this.inFlagUpdate++;
    const f = this.eflags();
    this.inFlagUpdate--;
    this.line(`cpu.eflags = (${f} & ~${mask}) | ((${value}) & ${mask}); cpu.ccOp = 0;`);
    this.flagsWereWritten();
    this.lastFlags = MATERIALISED;
  }
  /** Replace all six status flags with `value` (their bits in place), without reading the old ones
   * (comis/ucomis): unlike setEflagsBits nothing of the incoming lazy record survives, and the control
   * bits are always current in cpu.eflags, so the record is neither materialised nor counted as read. */
  setStatusFlags(value: string): void {
    this.flagsTouched = true;
    this.lastFlags = null;
    if (!this.flagsNeeded()) return;
    this.line(`cpu.eflags = (cpu.eflags & ${~ARITH_FLAGS}) | ((${value}) & ${ARITH_FLAGS}); cpu.ccOp = 0;`);
    this.flagsWereWritten();
    this.lastFlags = MATERIALISED;
  }
  /** Replace all of RFLAGS that `mask` (a JS expression) selects with `value` (popf). */
  writeEflags(mask: string, value: string): void {
    const f = this.eflags();
    this.line(`cpu.eflags = (${f} & ~(${mask})) | ((${value}) & (${mask})) | 2; cpu.ccOp = 0;`);
    this.flagsTouched = true;
    this.flagsWereWritten();
    this.lastFlags = null;
  }
  /** Change a control bit of RFLAGS that lazy evaluation never touches (DF, IF, AC ...). */
  setControlFlag(bit: number, on: boolean): void {
    this.line(on ? `cpu.eflags |= ${bit};` : `cpu.eflags &= ${~bit};`);
  }
  /** Read a control bit (DF) of RFLAGS as a JS boolean expression. */
  controlFlag(bit: number): string { return `((cpu.eflags & ${bit}) !== 0)`; }

  // ---- control flow ---------------------------------------------------------------------------

  /** Continue at an exact-number address expression. A transfer must be the LAST thing an instruction
   * emits: the translator turns it into a `continue` to another block or an exit from the region. */
  jumpTo(addr: string): void { this.line(`cpu.rip = ${addr};`); this.branched = true; }
  /** Continue at a 64-bit value already checked with checkCanonical. */
  jumpChecked(v: V): void { this.jumpTo(`(${v.hi} * 4294967296 + (${v.lo} >>> 0))`); }
  /** Continue at a 64-bit value (indirect branch): non-canonical targets raise #GP at this instruction. */
  jumpV(v: V): void {
    this.checkCanonical(v);
    this.jumpChecked(v);
  }
  /** #GP at this instruction unless v is a canonical address (before any state of it is committed). */
  checkCanonical(v: V): void {
    this.line(`if (((${v.hi} << 16) >> 16) !== ${v.hi}) throw rt.gp('jump to non-canonical address');`);
  }
  /** Conditional branch to the instruction's relative target. */
  branchIf(cond: string): void { this.line(`if (${cond}) cpu.rip = ${this.targetExpr()};`); this.branched = true; }
  /** An exact-number address expression -> V. */
  addrV(addr: string): V {
    // A baked address (a call's return address) splits at generation time.
    if (/^-?\d+$/.test(addr)) { const n = Number(addr); return this.c((n % 4294967296) | 0, Math.floor(n / 4294967296) | 0); }
    const a = this.tmp(addr);
    return { lo: this.tmp(`${a} | 0`), hi: this.tmp(`Math.floor(${a} / 4294967296) | 0`) };
  }

  /** Raise an exception at this instruction. */
  raise(vector: number, detail: string): void { this.line(`throw rt.fault(${vector}, 0, ${JSON.stringify(detail)});`); }

  /** Call a shared helper implementation: H.name(cpu, i, ...args). Helpers see and may change the whole
   * CPU state, so the translator writes back its cached state before and reloads it after (hooks). */
  helper(name: string, ...args: string[]): void {
    this.beforeHelper();
    this.line(`H.${name}(cpu, ${this.insnRef()}${args.map((a) => ', ' + a).join('')});`);
    this.afterHelper();
  }
  /** Hook: make cpu the authoritative copy of all state. */
  beforeHelper(): void {}
  /** Hook: reload cached state from cpu. */
  afterHelper(): void { this.lastFlags = null; this.flagsTouched = true; }
  /** How generated code names the decoded record of this instruction. */
  insnRef(): string { return 'i'; }

  /** Names of the condition codes, for comments. */
  static ccName(cc: number): string { return CC_NAMES[cc]; }
}

/** Expressions that are safe to use more than once: literals, temps and immutable record fields. A
 * register cell (R[4]) is NOT simple: the instruction may overwrite it before the value is used. */
function isSimple(expr: string): boolean {
  return /^(-?\d+|t[\d_]+|i\.\w+)$/.test(expr);
}
