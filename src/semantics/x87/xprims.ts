// x87 register-stack primitives that generated code calls through `rt` (spread into rt by
// runtime/rt.ts). The stack lives in cpu.fpr (physical register p at words 4p: significand lo, hi, and
// sign << 15 | exponent), TOP in bits 11-13 of cpu.fpuSw, and cpu.fpuTag has bit p set while physical
// register p is in use. Every primitive latches the control word (rounding control, precision
// control), computes with xcore.ts and merges the exception flags, C1 and the stack fault into the
// status word. Memory operands are loaded by the semantics and passed as int32 words; values to be
// stored are produced first (x87st -> XO) and the stack changes only after the store (x87post), so a
// page fault leaves the x87 state untouched.

import {
  Cls, type Op, X, Xf, arith, cls, compare, fromD, fromF, fromI64, indefinite, isNan, rndint, setX, sqrt, toD, toF, toInt,
} from './xcore.js';
import { fprem, fscale } from './xmore.js';

type Cpu = { fpr: Int32Array; fpuSw: number; fpuCw: number; fpuTag: number };

/** Operand kinds passed by the semantics. */
export const enum Xk { ST = 0, F32 = 1, F64 = 2, F80 = 3, I16 = 4, I32 = 5, I64 = 6, CONST = 7 }
/** Results handed back to generated code: lo, hi, sign/exponent (for 80-bit stores). */
export const XO = new Int32Array(3);

/** Precision in bits from the control word's PC field. */
let PREC = 64;
function begin(cpu: Cpu): void {
  X.fl = 0; X.c1 = 0; X.rc = (cpu.fpuCw >>> 10) & 3;
  const pc = (cpu.fpuCw >>> 8) & 3;
  PREC = pc === 0 ? 24 : pc === 2 ? 53 : 64;
}
/** Merge flags and C1 into the status word (C1 always written). */
function finish(cpu: Cpu): void {
  let sw = (cpu.fpuSw | (X.fl & 0x7f)) & ~0x200;
  if (X.c1) sw |= 0x200;
  if ((sw & ~cpu.fpuCw & 0x3f) !== 0) sw |= 0x8080;
  cpu.fpuSw = sw;
}
function top(cpu: Cpu): number { return (cpu.fpuSw >>> 11) & 7; }
function phys(cpu: Cpu, k: number): number { return (top(cpu) + k) & 7; }
function empty(cpu: Cpu, p: number): boolean { return ((cpu.fpuTag >>> p) & 1) === 0; }
function setTop(cpu: Cpu, t: number): void { cpu.fpuSw = (cpu.fpuSw & ~0x3800) | ((t & 7) << 11); }
function write(cpu: Cpu, p: number): void {
  const f = cpu.fpr, o = p << 2;
  f[o] = X.lo; f[o + 1] = X.hi; f[o + 2] = (X.s << 15) | X.e; cpu.fpuTag |= 1 << p;
}
function underflow(): void { X.fl |= Xf.IE | Xf.SF; X.c1 = 0; }
/** Push X (stack overflow replaces it by the indefinite NaN). */
function push(cpu: Cpu): void {
  const t = (top(cpu) - 1) & 7;
  if (!empty(cpu, t)) { X.fl |= Xf.IE | Xf.SF; indefinite(); X.c1 = 1; }
  setTop(cpu, t);
  write(cpu, t);
}
function pop(cpu: Cpu, n: number): void {
  for (let k = 0; k < n; k++) { const t = top(cpu); cpu.fpuTag &= ~(1 << t); setTop(cpu, t + 1); }
}
/** Load register ST(k) into slot a (Sa, Ha, La) or b; returns false when it is empty. */
let Sa = 0, Ha = 0, La = 0, Sb = 0, Hb = 0, Lb = 0;
function getA(cpu: Cpu, k: number): boolean {
  const p = phys(cpu, k), o = p << 2, f = cpu.fpr;
  La = f[o]; Ha = f[o + 1]; Sa = f[o + 2];
  return !empty(cpu, p);
}
function getB(cpu: Cpu, k: number): boolean {
  const p = phys(cpu, k), o = p << 2, f = cpu.fpr;
  Lb = f[o]; Hb = f[o + 1]; Sb = f[o + 2];
  return !empty(cpu, p);
}
function fromX(): void { Sb = (X.s << 15) | X.e; Hb = X.hi; Lb = X.lo; }

/** Constants (fld1, fldl2t, fldl2e, fldpi, fldlg2, fldln2, fldz): significand, exponent, and whether
 * the 66-bit constant rounds up under round-to-nearest (then also under round-up). */
const CONSTS: [number, number, number, number, number][] = [
  // hi, lo, biased exponent, nearest rounds up (1/0), exact (1/0)
  [0x80000000 | 0, 0, 16383, 0, 1],
  [0xd49a784b | 0, 0xcd1b8afe | 0, 16384, 0, 0],
  [0xb8aa3b29 | 0, 0x5c17f0bb | 0, 16383, 1, 0],
  [0xc90fdaa2 | 0, 0x2168c234 | 0, 16384, 1, 0],
  [0x9a209a84 | 0, 0xfbcff798 | 0, 16381, 1, 0],
  [0xb17217f7 | 0, 0xd1cf79ab | 0, 16382, 1, 0],
  [0, 0, 0, 0, 1],
];

/** Convert a loaded source operand to register format in X. */
function load(kind: Xk, a: number, b: number, c: number): void {
  switch (kind) {
    case Xk.F32: fromF(a); return;
    case Xk.F64: fromD(a, b); return;
    case Xk.F80: setX((c >>> 15) & 1, c & 0x7fff, b, a); return;
    case Xk.I16: fromI64((a << 16) >> 16, (a << 16) >> 31); return;
    case Xk.I32: fromI64(a, a >> 31); return;
    case Xk.I64: fromI64(a, b); return;
    default: {
      const k = CONSTS[a];
      const rc = X.rc;
      // The true constant lies just above the truncated significand (it is not exact).
      const up = k[4] ? 0 : rc === 0 ? k[3] : rc === 2 ? 1 : 0;
      let lo = k[1], hi = k[0];
      if (up) { lo = (lo + 1) | 0; if (lo === 0) hi = (hi + 1) | 0; }
      setX(0, k[2], hi, lo);
    }
  }
}

/** fld / fild / fld1 ...: push a value (kind ST: a copy of ST(a), read before the push). */
export function x87ld(cpu: Cpu, kind: Xk, a: number, b: number, c: number): void {
  begin(cpu);
  if (kind === Xk.ST) {
    if (getA(cpu, a)) setX((Sa >>> 15) & 1, Sa & 0x7fff, Ha, La); else { underflow(); indefinite(); }
  } else load(kind, a, b, c);
  if (kind !== Xk.ST || (X.fl & Xf.SF) === 0) X.c1 = 0;
  push(cpu);
  finish(cpu);
}

/**
 * The value of ST(0) converted for a store of `kind` (F32/F64/F80/I16/I32/I64) into XO; `trunc`
 * selects truncation (fisttp). Flags are kept pending until x87post.
 */
export function x87st(cpu: Cpu, kind: Xk, trunc: number): number {
  begin(cpu);
  if (!getA(cpu, 0)) { underflow(); indefinite(); Sa = 0xffff; Ha = 0xc0000000 | 0; La = 0; }
  switch (kind) {
    case Xk.F32: toF(Sa, Ha, La); XO[0] = X.lo; XO[1] = 0; break;
    case Xk.F64: toD(Sa, Ha, La); XO[0] = X.lo; XO[1] = X.hi; break;
    case Xk.F80: XO[0] = La; XO[1] = Ha; XO[2] = Sa; break;
    default: {
      const bits = kind === Xk.I16 ? 16 : kind === Xk.I32 ? 32 : 64;
      toInt(Sa, Ha, La, trunc ? 3 : X.rc, bits);
      XO[0] = X.lo; XO[1] = X.hi;
    }
  }
  return XO[0];
}
/** Commit a store: merge the pending flags, then pop `n` times. */
export function x87post(cpu: Cpu, n: number): void { finish(cpu); pop(cpu, n); }

/** fst / fstp ST(i). */
export function x87stst(cpu: Cpu, i: number, n: number): void {
  begin(cpu);
  if (getA(cpu, 0)) setX((Sa >>> 15) & 1, Sa & 0x7fff, Ha, La); else { underflow(); indefinite(); }
  write(cpu, phys(cpu, i));
  finish(cpu); pop(cpu, n);
}

/** ST(d) = ST(d) op src, src = ST(s) (kind ST) or a memory/integer operand (a, b); then pop n. */
export function x87ar(cpu: Cpu, op: Op, d: number, s: number, n: number, kind: Xk, a: number, b: number): void {
  begin(cpu);
  const okA = getA(cpu, d);
  let okB = true;
  let den = false;
  if (kind === Xk.ST) okB = getB(cpu, s);
  else { load(kind, a, b, 0); fromX(); den = (X.fl & Xf.DE) !== 0; X.fl &= ~Xf.DE; }
  if (!okA || !okB) { underflow(); indefinite(); }
  else arith(op, Sa, Ha, La, Sb, Hb, Lb, PREC, den);
  write(cpu, phys(cpu, d));
  finish(cpu); pop(cpu, n);
}

/**
 * Compare ST(0) with ST(s) or a memory/integer operand (kind CONST: +0, ftst). mode bit 1: unordered
 * compare (only SNaN raises IE); bit 2: the result goes to EFLAGS (returned as ZF|PF|CF bits), else to
 * C3 C2 C0. Then pop n.
 */
export function x87cmp(cpu: Cpu, kind: Xk, s: number, a: number, b: number, n: number, mode: number): number {
  begin(cpu);
  const okA = getA(cpu, 0);
  let okB = true;
  if (kind === Xk.ST) okB = getB(cpu, s);
  else if (kind === Xk.CONST) { Sb = 0; Hb = 0; Lb = 0; }
  else { load(kind, a, b, 0); fromX(); }
  let r: number;
  if (!okA || !okB) { underflow(); r = 3; }
  else r = compare(Sa, Ha, La, Sb, Hb, Lb, (mode & 1) !== 0);
  finish(cpu); pop(cpu, n);
  if (mode & 2) return r === 0 ? 0 : r === 1 ? 1 : r === 2 ? 0x40 : 0x45;
  const cc = r === 0 ? 0 : r === 1 ? 0x100 : r === 2 ? 0x4000 : 0x4500;
  cpu.fpuSw = (cpu.fpuSw & ~0x4500) | cc;
  return 0;
}

/** Single-operand operations on ST(0). */
export const enum Un { CHS, ABS, SQRT, RNDINT, SCALE, PREM, PREM1, XAM, FREE, INCSTP, DECSTP, XCH, MOV }

/** ST(0)-only operations and register management; `i` is ST(i) where one is named. */
export function x87un(cpu: Cpu, op: Un, i: number): void {
  begin(cpu);
  switch (op) {
    case Un.CHS: case Un.ABS: {
      if (!getA(cpu, 0)) { underflow(); indefinite(); } else setX(op === Un.CHS ? ((Sa >>> 15) & 1) ^ 1 : 0, Sa & 0x7fff, Ha, La);
      write(cpu, phys(cpu, 0)); break;
    }
    case Un.SQRT: case Un.RNDINT: {
      if (!getA(cpu, 0)) { underflow(); indefinite(); }
      else if (op === Un.SQRT) sqrt(Sa, Ha, La, PREC);
      else rndint(Sa, Ha, La, X.rc);
      write(cpu, phys(cpu, 0)); break;
    }
    case Un.SCALE: case Un.PREM: case Un.PREM1: {
      if (!getA(cpu, 0) || !getB(cpu, 1)) { underflow(); indefinite(); cpu.fpuSw &= ~0x400; }
      else if (op === Un.SCALE) fscale(Sa, Ha, La, Sb, Hb, Lb, 64);
      else cpu.fpuSw = (cpu.fpuSw & ~0x4700) | fprem(Sa, Ha, La, Sb, Hb, Lb, op === Un.PREM1);
      write(cpu, phys(cpu, 0));
      if (op !== Un.SCALE) { const c1 = (cpu.fpuSw & 0x200) !== 0; finishKeep(cpu, c1); return; }
      break;
    }
    case Un.XAM: {
      const p = phys(cpu, 0);
      getA(cpu, 0);
      const c = cls(Sa, Ha, La);
      let cc: number;
      if (empty(cpu, p)) cc = 0x4100;
      else cc = c === Cls.UNSUP ? 0 : isNan(c) ? 0x100 : c === Cls.NORM ? 0x400 : c === Cls.INF ? 0x500 : c === Cls.ZERO ? 0x4000 : 0x4400;
      cpu.fpuSw = (cpu.fpuSw & ~0x4500) | cc;
      X.c1 = (Sa >>> 15) & 1;
      break;
    }
    case Un.FREE: cpu.fpuTag &= ~(1 << phys(cpu, i)); X.c1 = (cpu.fpuSw >>> 9) & 1; break;
    case Un.INCSTP: setTop(cpu, top(cpu) + 1); break;
    case Un.DECSTP: setTop(cpu, top(cpu) - 1); break;
    case Un.XCH: {
      const okA = getA(cpu, 0), okB = getB(cpu, i);
      if (!okA || !okB) { underflow(); indefinite(); if (!okA) { Sa = (X.s << 15) | X.e; Ha = X.hi; La = X.lo; } if (!okB) fromX(); }
      setX((Sb >>> 15) & 1, Sb & 0x7fff, Hb, Lb); write(cpu, phys(cpu, 0));
      setX((Sa >>> 15) & 1, Sa & 0x7fff, Ha, La); write(cpu, phys(cpu, i));
      break;
    }
    case Un.MOV: { // fcmovcc (condition already true): ST(0) = ST(i)
      X.c1 = (cpu.fpuSw >>> 9) & 1;
      if (!getB(cpu, i) || !getA(cpu, 0)) { underflow(); indefinite(); } else setX((Sb >>> 15) & 1, Sb & 0x7fff, Hb, Lb);
      write(cpu, phys(cpu, 0)); break;
    }
  }
  finish(cpu);
}
/** finish() for fprem: C1 comes from the quotient (already in the status word). */
function finishKeep(cpu: Cpu, c1: boolean): void { X.c1 = c1 ? 1 : 0; finish(cpu); }

/** fcmovcc with the condition false: only the stack-underflow check. */
export function x87cmovf(cpu: Cpu, i: number): void {
  if (empty(cpu, phys(cpu, 0)) || empty(cpu, phys(cpu, i))) { begin(cpu); X.c1 = 0; x87un(cpu, Un.MOV, i); }
}

// ---- environment images --------------------------------------------------------------------------

/** The full tag word (2 bits per physical register: valid, zero, special, empty). */
export function x87tagword(cpu: Cpu): number {
  let w = 0;
  for (let p = 0; p < 8; p++) {
    let t = 3;
    if (!empty(cpu, p)) {
      const o = p << 2, f = cpu.fpr, c = cls(f[o + 2], f[o + 1], f[o]);
      t = c === Cls.NORM ? 0 : c === Cls.ZERO ? 1 : 2;
    }
    w |= t << (2 * p);
  }
  return w;
}
/** Load tags from a full tag word (fldenv): 11 = empty, anything else = in use. */
export function x87settags(cpu: Cpu, w: number): void {
  let m = 0;
  for (let p = 0; p < 8; p++) if (((w >>> (2 * p)) & 3) !== 3) m |= 1 << p;
  cpu.fpuTag = m;
}
/** Word k (0..3: lo, hi, sign/exponent) of ST(i), for fxsave. */
export function x87reg(cpu: Cpu, i: number, k: number): number { return cpu.fpr[(phys(cpu, i) << 2) + k]; }
/** Set ST(i) from fxrstor's image (tags set separately). */
export function x87setreg(cpu: Cpu, i: number, lo: number, hi: number, se: number): void {
  const o = phys(cpu, i) << 2;
  cpu.fpr[o] = lo; cpu.fpr[o + 1] = hi; cpu.fpr[o + 2] = se & 0xffff;
}

/** The memory operations frstor uses (the runtime's Mmu). */
interface Mem { hi: number; rd16(lo: number, hi: number): number; rd64(lo: number, hi: number): number; probe(lo: number, hi: number, len: number, access: number): void }
const IMG = new Int32Array(24);
/** frstor: read the whole 108-byte image first (a fault changes nothing), then load it. */
export function x87frstor(cpu: Cpu, M: Mem, l: number, h: number): void {
  M.probe(l, h, 108, 0);
  const at = (k: number): [number, number] => { const s = (l >>> 0) + k; return [s | 0, s > 0xffffffff ? (h + 1) | 0 : h]; };
  const cw = M.rd16(l, h), sw = M.rd16(...at(4)), tw = M.rd16(...at(8));
  for (let k = 0; k < 8; k++) {
    IMG[3 * k] = M.rd64(...at(28 + 10 * k)); IMG[3 * k + 1] = M.hi; IMG[3 * k + 2] = M.rd16(...at(36 + 10 * k));
  }
  cpu.fpuCw = (cw & 0x1f3f) | 0x40; cpu.fpuSw = sw;
  x87settags(cpu, tw);
  for (let k = 0; k < 8; k++) x87setreg(cpu, k, IMG[3 * k], IMG[3 * k + 1], IMG[3 * k + 2]);
}
