// SSE/SSE2 conversions between integers, doubles and floats, with MXCSR rounding and flags.
// Out-of-range or NaN float -> integer conversions give the "integer indefinite" value (0x80000000,
// 0x8000000000000000) and raise IE. Same return convention as fprims.ts (0, or unmasked exception bits
// and the destination untouched).

import { FP, Mx, exact, finD, finF, fpBegin, fpEnd, isDenD, isDenF, isNanD, isNanF, opD, opF, rnI64, roundInt, toOdd } from './fpcore.js';
import { A32, B32, R32, ld2 } from './scratch.js';

type Cpu = { xmm: Int32Array; mxcsr: number };

/** Conversion results that do not fit a return value: SOUT[0] = high half, SOUT[1] = unmasked exception. */
export const SOUT = new Int32Array(2);

const CV = new Float64Array(1);
const CVI = new Int32Array(CV.buffer);
const CF = new Float32Array(1);
const CFI = new Int32Array(CF.buffer);
function bitsToF(b: number): number { CFI[0] = b; return CF[0]; }
function fbits(v: number): number { CF[0] = v; return CFI[0]; }
function putD(R: Int32Array, k: number, v: number): void { CV[0] = v; R[k] = CVI[0]; R[k + 1] = CVI[1]; }

function finish(cpu: Cpu, d: number): number {
  const unmasked = fpEnd(cpu);
  if (unmasked !== 0) return unmasked;
  const x = cpu.xmm, o = d << 2;
  x[o] = R32[0]; x[o + 1] = R32[1]; x[o + 2] = R32[2]; x[o + 3] = R32[3];
  return 0;
}

// ---- float <-> double, NaN payloads as the hardware converts them ---------------------------------------

/** double bits -> float bits (rounded per MXCSR; NaN: sign, quiet bit, top 22 payload bits). */
function d2f(lo: number, hi: number): number {
  if (isNanD(lo, hi)) {
    if ((hi & 0x80000) === 0) FP.fl |= Mx.IE;
    return (hi & (0x80000000 | 0)) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29);
  }
  const a = opD(lo, hi);
  if (isDenD(a)) FP.fl |= Mx.DE;
  exact();
  return fbits(finF(a));
}
/** float bits -> double lane k of R (exact; NaN payload widened, quietened). */
function f2d(b: number, R: Int32Array, k: number): void {
  if (isNanF(b)) {
    if ((b & 0x400000) === 0) FP.fl |= Mx.IE;
    R[k] = (b & 7) << 29; R[k + 1] = (b & (0x80000000 | 0)) | 0x7ff80000 | ((b & 0x3fffff) >>> 3);
    return;
  }
  const a = opF(b);
  if (isDenF(a)) FP.fl |= Mx.DE;
  putD(R, k, a);
}

export function cvtsd2ss(cpu: Cpu, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  R32[0] = d2f(B32[0], B32[1]); R32[1] = A32[1]; R32[2] = A32[2]; R32[3] = A32[3];
  return finish(cpu, d);
}
export function cvtss2sd(cpu: Cpu, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  f2d(B32[0], R32, 0); R32[2] = A32[2]; R32[3] = A32[3];
  return finish(cpu, d);
}
export function cvtpd2ps(cpu: Cpu, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  R32[0] = d2f(B32[0], B32[1]); R32[1] = d2f(B32[2], B32[3]); R32[2] = 0; R32[3] = 0;
  return finish(cpu, d);
}
export function cvtps2pd(cpu: Cpu, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  f2d(B32[0], R32, 0); f2d(B32[1], R32, 2);
  return finish(cpu, d);
}

// ---- integer -> floating ------------------------------------------------------------------------------

/** cvtsi2sd xmm, r/m32|64 (size 4 or 8). */
export function cvtsi2sd(cpu: Cpu, d: number, lo: number, hi: number, size: number): number {
  fpBegin(cpu.mxcsr);
  const v = size === 4 ? lo : finD(rnI64(lo, hi));
  if (fpEnd(cpu) !== 0) return 1;
  CV[0] = v;
  const x = cpu.xmm, o = d << 2;
  x[o] = CVI[0]; x[o + 1] = CVI[1];
  return 0;
}
/** cvtsi2ss xmm, r/m32|64. 64-bit sources are rounded to odd at 53 bits first, so the float is correct. */
export function cvtsi2ss(cpu: Cpu, d: number, lo: number, hi: number, size: number): number {
  fpBegin(cpu.mxcsr);
  let v: number;
  if (size === 4) { exact(); v = finF(lo); } else v = finF(toOdd(rnI64(lo, hi)));
  if (fpEnd(cpu) !== 0) return 1;
  cpu.xmm[d << 2] = fbits(v);
  return 0;
}
export function cvtdq2ps(cpu: Cpu, d: number, s: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  for (let k = 0; k < 4; k++) { exact(); R32[k] = fbits(finF(B32[k])); }
  return finish(cpu, d);
}
export function cvtdq2pd(cpu: Cpu, d: number, s: number): number {
  ld2(cpu.xmm, d, s);
  const a = B32[0], b = B32[1];
  putD(R32, 0, a); putD(R32, 2, b);
  const x = cpu.xmm, o = d << 2;
  x[o] = R32[0]; x[o + 1] = R32[1]; x[o + 2] = R32[2]; x[o + 3] = R32[3];
  return 0;
}

// ---- floating -> integer ------------------------------------------------------------------------------

const INDEF32 = 0x80000000 | 0;

/** Round x (finite or not) to int32 per rc; IE + indefinite when it does not fit. */
function toI32(x: number, isNan: boolean, rc: number): number {
  if (isNan) { FP.fl |= Mx.IE; return INDEF32; }
  const r = roundInt(x, rc);
  if (!(r >= -2147483648 && r <= 2147483647)) { FP.fl |= Mx.IE; return INDEF32; }
  if (r !== x) FP.fl |= Mx.PE;
  return r | 0;
}
/** Same to int64: returns lo, hi in SOUT[0]. */
function toI64(x: number, isNan: boolean, rc: number): number {
  if (isNan) { FP.fl |= Mx.IE; SOUT[0] = INDEF32; return 0; }
  const r = roundInt(x, rc);
  if (!(r >= -9223372036854775808 && r < 9223372036854775808)) { FP.fl |= Mx.IE; SOUT[0] = INDEF32; return 0; }
  if (r !== x) FP.fl |= Mx.PE;
  const hi = Math.floor(r / 4294967296);
  SOUT[0] = hi | 0;
  return (r - hi * 4294967296) | 0;
}

/**
 * cvtsd2si / cvttsd2si (trunc = 1) and, with double = 0, cvtss2si / cvttss2si: source xmm s lane 0
 * (or SRC). Returns the low half; SOUT[0] = high half (size 8), SOUT[1] = 1 when #XM must be raised.
 */
export function cvt2si(cpu: Cpu, double: number, s: number, size: number, trunc: number): number {
  fpBegin(cpu.mxcsr);
  const x = cpu.xmm;
  const lo = s < 16 ? x[s << 2] : B32[0], hi = s < 16 ? x[(s << 2) + 1] : B32[1];
  const nan = double ? isNanD(lo, hi) : isNanF(lo);
  const v = nan ? 0 : double ? opD(lo, hi) : opF(lo);
  const rc = trunc ? 3 : FP.rc;
  let r: number;
  if (size === 8) r = toI64(v, nan, rc); else { r = toI32(v, nan, rc); SOUT[0] = 0; }
  SOUT[1] = fpEnd(cpu) !== 0 ? 1 : 0;
  return r;
}

/** cvtps2dq / cvttps2dq. */
export function cvtps2dq(cpu: Cpu, d: number, s: number, trunc: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  const rc = trunc ? 3 : FP.rc;
  for (let k = 0; k < 4; k++) { const b = B32[k], nan = isNanF(b); R32[k] = toI32(nan ? 0 : opF(b), nan, rc); }
  return finish(cpu, d);
}
/** cvtpd2dq / cvttpd2dq: two doubles -> low two dwords, upper half zeroed. */
export function cvtpd2dq(cpu: Cpu, d: number, s: number, trunc: number): number {
  fpBegin(cpu.mxcsr);
  ld2(cpu.xmm, d, s);
  const rc = trunc ? 3 : FP.rc;
  for (let k = 0; k < 2; k++) {
    const lo = B32[2 * k], hi = B32[2 * k + 1], nan = isNanD(lo, hi);
    R32[k] = toI32(nan ? 0 : opD(lo, hi), nan, rc);
  }
  R32[2] = 0; R32[3] = 0;
  return finish(cpu, d);
}
