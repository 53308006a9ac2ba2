// SSE/SSE2 floating-point lane primitives: arithmetic, min/max, sqrt, compares, rcp/rsqrt, with the
// x86 NaN rules (SDM vol. 1 table 4-7: a NaN operand propagates, the FIRST source's when both are
// NaN, quietened; invalid operations give the default NaN 0xFFF8000000000000 / 0xFFC00000; min/max
// return the SECOND source when either is NaN or both are zero) and MXCSR flags/rounding (fpcore.ts).
//
// NaN results are always written as explicit bit patterns through Int32 views: a NaN never passes
// through a Float32Array/Float64Array store, where engines may canonicalise it.
//
// Every exported primitive takes the destination and source xmm numbers (source 16 = the scratch
// SRC loaded from memory), writes the destination and returns 0, or returns the unmasked exception
// bits (non-zero) WITHOUT writing the destination: the caller then raises #XM.

import {
  FP, Mx, finD, finF, fpBegin, fpEnd, isDenD, isDenF, isNanD, isNanF, opD, opF, rnAdd, rnDiv, rnMul, rnSqrt, MIN_NORMAL_D } from './fpcore.js';
import { A32, B32, R32, ld2 } from './scratch.js';

export const enum FOp { ADD = 0, SUB = 1, MUL = 2, DIV = 3, MIN = 4, MAX = 5, SQRT = 6 }

const CV = new Float64Array(1);
const CVI = new Int32Array(CV.buffer);
const CF = new Float32Array(1);
const CFI = new Int32Array(CF.buffer);
const DEF_NAN_HI = 0xfff80000 | 0;
const DEF_NAN_F = 0xffc00000 | 0;

function putD(R: Int32Array, k: number, v: number): void { CV[0] = v; R[k] = CVI[0]; R[k + 1] = CVI[1]; }
function bitsToF(b: number): number { CFI[0] = b; return CF[0]; }
function fbits(v: number): number { CF[0] = v; return CFI[0]; }

// ---- one lane ----------------------------------------------------------------------------------------

/** Double lane: R[k..k+1] = x op y (x = first source, y = second). */
function binD(op: number, xl: number, xh: number, yl: number, yh: number, R: Int32Array, k: number): void {
  const xn = isNanD(xl, xh), yn = isNanD(yl, yh);
  if (xn || yn) {
    if ((xn && (xh & 0x80000) === 0) || (yn && (yh & 0x80000) === 0) || op >= FOp.MIN) FP.fl |= Mx.IE;
    if (op >= FOp.MIN) { if (yn) { R[k] = yl; R[k + 1] = yh; } else putD(R, k, opD(yl, yh)); return; } // DAZ applies
    if (xn) { R[k] = xl; R[k + 1] = xh | 0x80000; } else { R[k] = yl; R[k + 1] = yh | 0x80000; }
    return;
  }
  const a = opD(xl, xh), b = opD(yl, yh);
  if (FP.fast && op < FOp.MIN) {
    const r = op === FOp.ADD ? a + b : op === FOp.SUB ? a - b : op === FOp.MUL ? a * b : a / b;
    const m = r < 0 ? -r : r;
    // Anything that could raise a flag (NaN, infinity, tiny or underflowed-to-zero result, denormal
    // operand) takes the exact path below.
    if (m < Infinity && (m >= MIN_NORMAL_D || (r === 0 && (op <= FOp.SUB || a === 0 || (op === FOp.MUL && b === 0))))
      && !isDenD(a) && !isDenD(b)) { putD(R, k, r); return; }
  }
  if (op >= FOp.MIN) {
    if (isDenD(a) || isDenD(b)) FP.fl |= Mx.DE;
    putD(R, k, (op === FOp.MIN ? a < b : a > b) ? a : b);
    return;
  }
  let r: number;
  switch (op) {
    case FOp.ADD: r = rnAdd(a, b); break;
    case FOp.SUB: r = rnAdd(a, -b); break;
    case FOp.MUL: r = rnMul(a, b); break;
    default: r = rnDiv(a, b);
  }
  if (r !== r) { FP.fl |= Mx.IE; R[k] = 0; R[k + 1] = DEF_NAN_HI; return; }
  if (!(op === FOp.DIV && b === 0) && (isDenD(a) || isDenD(b))) FP.fl |= Mx.DE;
  putD(R, k, finD(r));
}

/** Float lane: returns the result bits of x op y. */
function binF(op: number, x: number, y: number): number {
  const xn = isNanF(x), yn = isNanF(y);
  if (xn || yn) {
    if ((xn && (x & 0x400000) === 0) || (yn && (y & 0x400000) === 0) || op >= FOp.MIN) FP.fl |= Mx.IE;
    if (op >= FOp.MIN) return yn ? y : fbits(opF(y)); // DAZ applies
    return xn ? x | 0x400000 : y | 0x400000;
  }
  const a = opF(x), b = opF(y);
  if (op >= FOp.MIN) {
    if (isDenF(a) || isDenF(b)) FP.fl |= Mx.DE;
    return fbits((op === FOp.MIN ? a < b : a > b) ? a : b);
  }
  let r: number;
  switch (op) {
    case FOp.ADD: r = rnAdd(a, b); break;
    case FOp.SUB: r = rnAdd(a, -b); break;
    case FOp.MUL: r = rnMul(a, b); break;
    default: r = rnDiv(a, b);
  }
  if (r !== r) { FP.fl |= Mx.IE; return DEF_NAN_F; }
  if (!(op === FOp.DIV && b === 0) && (isDenF(a) || isDenF(b))) FP.fl |= Mx.DE;
  return fbits(finF(r));
}

function sqrtD(yl: number, yh: number, R: Int32Array, k: number): void {
  if (isNanD(yl, yh)) {
    if ((yh & 0x80000) === 0) FP.fl |= Mx.IE;
    R[k] = yl; R[k + 1] = yh | 0x80000; return;
  }
  const a = opD(yl, yh);
  if (a < 0) { FP.fl |= Mx.IE; R[k] = 0; R[k + 1] = DEF_NAN_HI; return; }
  if (isDenD(a)) FP.fl |= Mx.DE;
  putD(R, k, a === 0 ? a : finD(rnSqrt(a)));
}
function sqrtF(y: number): number {
  if (isNanF(y)) { if ((y & 0x400000) === 0) FP.fl |= Mx.IE; return y | 0x400000; }
  const a = opF(y);
  if (a < 0) { FP.fl |= Mx.IE; return DEF_NAN_F; }
  if (isDenF(a)) FP.fl |= Mx.DE;
  return a === 0 ? fbits(a) : fbits(finF(rnSqrt(a)));
}

// ---- scalar and packed arithmetic ---------------------------------------------------------------------

function finish(cpu: { xmm: Int32Array; mxcsr: number }, d: number): number {
  const unmasked = fpEnd(cpu);
  if (unmasked !== 0) return unmasked;
  const x = cpu.xmm, o = d << 2;
  x[o] = R32[0]; x[o + 1] = R32[1]; x[o + 2] = R32[2]; x[o + 3] = R32[3];
  return 0;
}

/** addsd/subsd/mulsd/divsd/minsd/maxsd/sqrtsd. */
export function fsd(cpu: { xmm: Int32Array; mxcsr: number }, op: number, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  R32[2] = A32[2]; R32[3] = A32[3];
  if (op === FOp.SQRT) sqrtD(B32[0], B32[1], R32, 0);
  else binD(op, A32[0], A32[1], B32[0], B32[1], R32, 0);
  return finish(cpu, d);
}
/** addss/.../sqrtss. */
export function fss(cpu: { xmm: Int32Array; mxcsr: number }, op: number, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  R32[1] = A32[1]; R32[2] = A32[2]; R32[3] = A32[3];
  R32[0] = op === FOp.SQRT ? sqrtF(B32[0]) : binF(op, A32[0], B32[0]);
  return finish(cpu, d);
}
/** addpd/.../sqrtpd. */
export function fpd(cpu: { xmm: Int32Array; mxcsr: number }, op: number, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  for (let k = 0; k < 4; k += 2) {
    if (op === FOp.SQRT) sqrtD(B32[k], B32[k + 1], R32, k);
    else binD(op, A32[k], A32[k + 1], B32[k], B32[k + 1], R32, k);
  }
  return finish(cpu, d);
}
/** addps/.../sqrtps. */
export function fps(cpu: { xmm: Int32Array; mxcsr: number }, op: number, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  for (let k = 0; k < 4; k++) R32[k] = op === FOp.SQRT ? sqrtF(B32[k]) : binF(op, A32[k], B32[k]);
  return finish(cpu, d);
}
/** SSE3 haddpd/hsubpd (op ADD or SUB): R0 = a0 op a1, R1 = b0 op b1. */
export function fhpd(cpu: { xmm: Int32Array; mxcsr: number }, op: number, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  binD(op, A32[0], A32[1], A32[2], A32[3], R32, 0);
  binD(op, B32[0], B32[1], B32[2], B32[3], R32, 2);
  return finish(cpu, d);
}
/** SSE3 haddps/hsubps. */
export function fhps(cpu: { xmm: Int32Array; mxcsr: number }, op: number, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  R32[0] = binF(op, A32[0], A32[1]); R32[1] = binF(op, A32[2], A32[3]);
  R32[2] = binF(op, B32[0], B32[1]); R32[3] = binF(op, B32[2], B32[3]);
  return finish(cpu, d);
}
/** SSE3 addsubpd: lane 0 subtracts, lane 1 adds. */
export function faddsubpd(cpu: { xmm: Int32Array; mxcsr: number }, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  binD(FOp.SUB, A32[0], A32[1], B32[0], B32[1], R32, 0);
  binD(FOp.ADD, A32[2], A32[3], B32[2], B32[3], R32, 2);
  return finish(cpu, d);
}
/** SSE3 addsubps: even lanes subtract, odd lanes add. */
export function faddsubps(cpu: { xmm: Int32Array; mxcsr: number }, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  for (let k = 0; k < 4; k++) R32[k] = binF(k & 1 ? FOp.ADD : FOp.SUB, A32[k], B32[k]);
  return finish(cpu, d);
}

// ---- compares ---------------------------------------------------------------------------------------

/** Predicates 0-7: EQ_OQ LT_OS LE_OS UNORD_Q NEQ_UQ NLT_US NLE_US ORD_Q. LT/LE/NLT/NLE signal on QNaN. */
function pred(p: number, un: boolean, a: number, b: number): boolean {
  switch (p) {
    case 0: return !un && a === b;
    case 1: return !un && a < b;
    case 2: return !un && a <= b;
    case 3: return un;
    case 4: return un || a !== b;
    case 5: return un || !(a < b);
    case 6: return un || !(a <= b);
    default: return !un;
  }
}
function signals(p: number): boolean { return p === 1 || p === 2 || p === 5 || p === 6; }

function cmpD(p: number, xl: number, xh: number, yl: number, yh: number): boolean {
  const xn = isNanD(xl, xh), yn = isNanD(yl, yh);
  if (xn || yn) {
    if (signals(p) || (xn && (xh & 0x80000) === 0) || (yn && (yh & 0x80000) === 0)) FP.fl |= Mx.IE;
    return pred(p, true, 0, 0);
  }
  const a = opD(xl, xh), b = opD(yl, yh);
  if (isDenD(a) || isDenD(b)) FP.fl |= Mx.DE;
  return pred(p, false, a, b);
}
function cmpF(p: number, x: number, y: number): boolean {
  const xn = isNanF(x), yn = isNanF(y);
  if (xn || yn) {
    if (signals(p) || (xn && (x & 0x400000) === 0) || (yn && (y & 0x400000) === 0)) FP.fl |= Mx.IE;
    return pred(p, true, 0, 0);
  }
  const a = opF(x), b = opF(y);
  if (isDenF(a) || isDenF(b)) FP.fl |= Mx.DE;
  return pred(p, false, a, b);
}

/** cmpsd xmm, xmm/m64, imm8 (predicate imm8 & 7). */
export function cmpsd(cpu: { xmm: Int32Array; mxcsr: number }, d: number, s: number, imm: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  const m = cmpD(imm & 7, A32[0], A32[1], B32[0], B32[1]) ? -1 : 0;
  R32[0] = m; R32[1] = m; R32[2] = A32[2]; R32[3] = A32[3];
  return finish(cpu, d);
}
export function cmpss(cpu: { xmm: Int32Array; mxcsr: number }, d: number, s: number, imm: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  R32[0] = cmpF(imm & 7, A32[0], B32[0]) ? -1 : 0; R32[1] = A32[1]; R32[2] = A32[2]; R32[3] = A32[3];
  return finish(cpu, d);
}
export function cmppd(cpu: { xmm: Int32Array; mxcsr: number }, d: number, s: number, imm: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  for (let k = 0; k < 4; k += 2) { const m = cmpD(imm & 7, A32[k], A32[k + 1], B32[k], B32[k + 1]) ? -1 : 0; R32[k] = m; R32[k + 1] = m; }
  return finish(cpu, d);
}
export function cmpps(cpu: { xmm: Int32Array; mxcsr: number }, d: number, s: number, imm: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  for (let k = 0; k < 4; k++) R32[k] = cmpF(imm & 7, A32[k], B32[k]) ? -1 : 0;
  return finish(cpu, d);
}

/**
 * comisd/ucomisd (double = 1) and comiss/ucomiss: returns the ZF/PF/CF bits (unordered 111, less 001,
 * equal 100, greater 000), or -1 when an unmasked exception must be raised. `signal` = comi (QNaN
 * raises IE) vs ucomi (only SNaN does).
 */
export function comis(cpu: { xmm: Int32Array; mxcsr: number }, double: number, d: number, s: number, signal: number): number {
  fpBegin(cpu.mxcsr);
  const x = cpu.xmm, o = d << 2;
  let un: boolean, a: number, b: number;
  if (s < 16) { const p = s << 2; B32[0] = x[p]; B32[1] = x[p + 1]; }
  if (double) {
    const xl = x[o], xh = x[o + 1], yl = B32[0], yh = B32[1];
    const xn = isNanD(xl, xh), yn = isNanD(yl, yh);
    un = xn || yn;
    if (un && (signal || (xn && (xh & 0x80000) === 0) || (yn && (yh & 0x80000) === 0))) FP.fl |= Mx.IE;
    a = un ? 0 : opD(xl, xh); b = un ? 0 : opD(yl, yh);
    if (!un && (isDenD(a) || isDenD(b))) FP.fl |= Mx.DE;
  } else {
    const xv = x[o], yv = B32[0];
    const xn = isNanF(xv), yn = isNanF(yv);
    un = xn || yn;
    if (un && (signal || (xn && (xv & 0x400000) === 0) || (yn && (yv & 0x400000) === 0))) FP.fl |= Mx.IE;
    a = un ? 0 : opF(xv); b = un ? 0 : opF(yv);
    if (!un && (isDenF(a) || isDenF(b))) FP.fl |= Mx.DE;
  }
  if (fpEnd(cpu) !== 0) return -1;
  return un ? 0x45 : a < b ? 0x01 : a === b ? 0x40 : 0;
}

// ---- approximations ---------------------------------------------------------------------------------
// rcpps/rsqrtps are approximations (relative error <= 1.5 * 2^-12) whose exact bits differ between CPU
// generations. We return the correctly rounded float of 1/x and 1/sqrt(x); real CPUs differ in the low
// bits. The special cases follow the hardware: denormal inputs count as zero, results too small for a
// normal float flush to zero, NaN inputs come back quietened, and no MXCSR flags are set.

function rcpF(y: number): number {
  if (isNanF(y)) return y | 0x400000;
  const a = bitsToF(y);
  if (isDenF(a) || a === 0) return (y & (0x80000000 | 0)) | 0x7f800000;
  const r = Math.fround(1 / a);
  return isDenF(r) ? y & (0x80000000 | 0) : fbits(r);
}
function rsqrtF(y: number): number {
  if (isNanF(y)) return y | 0x400000;
  const a = bitsToF(y);
  if (isDenF(a) || a === 0) return (y & (0x80000000 | 0)) | 0x7f800000;
  if (a < 0) return DEF_NAN_F;
  return fbits(Math.fround(1 / Math.sqrt(a)));
}
/** rcpss (rsqrt = 0) / rsqrtss (rsqrt = 1): lane 0 only. */
export function rcpss(cpu: { xmm: Int32Array }, rsqrt: number, d: number, s: number): void {
  const x = cpu.xmm, o = d << 2;
  const v = s < 16 ? x[s << 2] : B32[0];
  x[o] = rsqrt ? rsqrtF(v) : rcpF(v);
}
/** rcpps / rsqrtps. */
export function rcpps(cpu: { xmm: Int32Array }, rsqrt: number, d: number, s: number): void {
  const x = cpu.xmm, o = d << 2;
  if (s < 16) { const p = s << 2; B32[0] = x[p]; B32[1] = x[p + 1]; B32[2] = x[p + 2]; B32[3] = x[p + 3]; }
  for (let k = 0; k < 4; k++) x[o + k] = rsqrt ? rsqrtF(B32[k]) : rcpF(B32[k]);
}
