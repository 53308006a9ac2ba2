// IEEE-754 core for the SSE floating-point instructions: correctly rounded + - * / sqrt in all four
// MXCSR rounding modes, with the sticky exception flags (IE, DE, ZE, OE, UE, PE) as x86 sets them.
//
// JS arithmetic rounds to nearest-even. For every operation we also compute the SIGN of the exact
// error (true result - rounded result) without BigInt: TwoSum for addition, Dekker's TwoProduct for
// products and for the residuals of division (a - q*b) and square root (a - r*r). Operands outside the
// range where those are exact are first scaled by powers of two (exact), so the error sign is exact for
// every finite input. The error sign gives PE, and directed rounding is "round to nearest, then step one
// ulp toward the true value when the nearest result is on the wrong side".
//
// Single precision: operations on floats are computed in double (exact for * of two floats; correctly
// rounded otherwise, and since 53 >= 2*24 + 2 rounding that double to float gives the correctly rounded
// float result for + - * / sqrt), then rounded with Math.fround; the float-level error sign is the sign
// of (double - float) unless they are equal, in which case it is the double-level error sign.
//
// MXCSR.DAZ (denormal source operands read as signed zeros, no DE) and MXCSR.FTZ (tiny results become
// signed zeros with UE|PE while underflow is masked) are modelled.
//
// Known deviation: underflow tininess is judged on the rounded result, which differs from the
// hardware's "tiny after rounding with unbounded exponent" only for true results within 2^-1075
// (double) / 2^-150 (float) below the smallest normal.

export const enum Mx { IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32 }

/** Per-instruction FP context: accumulated exception flags, rounding control, unmasked exceptions. */
export const FP = { fl: 0, rc: 0, um: 0, daz: false, ftz: false, fast: false };
/** Sign (and only the sign is meaningful) of the exact error of the last rn* operation. */
let E = 0;
/** The last rn* operation and its operands (to re-evaluate exactness at unbounded exponent range). */
const enum Op { NONE, ADD, MUL, DIV }
let LOP = Op.NONE, LA = 0, LB = 0;

const CV = new Float64Array(1);
const CVI = new Int32Array(CV.buffer);
const CF = new Float32Array(1);
const CFI = new Int32Array(CF.buffer);

export const MIN_NORMAL_D = 2.2250738585072014e-308;
export const MIN_NORMAL_F = 1.1754943508222875e-38;

/** Start an FP instruction: clear the flag accumulator and latch the rounding mode and masks. */
export function fpBegin(mxcsr: number): void {
  FP.fl = 0; FP.rc = (mxcsr >>> 13) & 3; FP.um = ~(mxcsr >>> 7) & 0x3f;
  FP.daz = (mxcsr & 0x40) !== 0;
  // Flush-to-zero applies only while underflow is masked.
  FP.ftz = (mxcsr & 0x8000) !== 0 && (mxcsr & 0x800) !== 0;
  // Fast path (fprims binD/binF): round to nearest, every exception masked, no DAZ/FTZ, and the sticky
  // precision flag already set — then a finite, normal result of normal operands is plain IEEE
  // arithmetic and sets no flag that is not already set, so the exact-error analysis can be skipped.
  FP.fast = (mxcsr & 0xffc0) === 0x1f80 && (mxcsr & 0x20) !== 0;
}
/**
 * Finish an FP instruction: merge the flags into MXCSR; returns the unmasked ones (non-zero means the
 * instruction must raise #XM and leave its destination untouched). As on hardware (SDM vol. 1
 * 11.5.2), an unmasked pre-computation exception (IE, DE, ZE) in any lane means the computation is not
 * performed, so the post-computation flags (OE, UE, PE) are not set.
 */
export function fpEnd(cpu: { mxcsr: number }): number {
  const fl = FP.fl;
  if (fl === 0) return 0;
  const pre = fl & (Mx.IE | Mx.DE | Mx.ZE);
  if ((pre & FP.um) !== 0) { cpu.mxcsr |= pre; return pre & FP.um; }
  cpu.mxcsr |= fl;
  return fl & FP.um;
}

// ---- bit-level helpers -----------------------------------------------------------------------------

export function bitsToD(lo: number, hi: number): number { CVI[0] = lo; CVI[1] = hi; return CV[0]; }
export function isNanD(lo: number, hi: number): boolean { return (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0; }
export function isSnanD(lo: number, hi: number): boolean { return isNanD(lo, hi) && (hi & 0x80000) === 0; }
export function isNanF(b: number): boolean { return (b & 0x7fffffff) > 0x7f800000; }
export function isSnanF(b: number): boolean { return isNanF(b) && (b & 0x400000) === 0; }
export function isDenD(x: number): boolean { return x !== 0 && x < MIN_NORMAL_D && x > -MIN_NORMAL_D; }
export function isDenF(x: number): boolean { return x !== 0 && x < MIN_NORMAL_F && x > -MIN_NORMAL_F; }

/** A double source operand's value: with MXCSR.DAZ a denormal reads as a zero of its sign (and so
 * raises no DE). Not for NaNs. */
export function opD(lo: number, hi: number): number {
  const x = bitsToD(lo, hi);
  return FP.daz && isDenD(x) ? (hi < 0 ? -0 : 0) : x;
}
/** A float source operand's value (DAZ as for opD). */
export function opF(b: number): number {
  CFI[0] = b;
  const x = CF[0];
  return FP.daz && isDenF(x) ? (b < 0 ? -0 : 0) : x;
}

/** The next double above x (x not NaN, not +inf). */
export function nextUpD(x: number): number {
  if (x === 0) return 5e-324;
  CV[0] = x;
  let lo = CVI[0], hi = CVI[1];
  if (x > 0) { lo = (lo + 1) | 0; if (lo === 0) hi = (hi + 1) | 0; } else { if (lo === 0) hi = (hi - 1) | 0; lo = (lo - 1) | 0; }
  CVI[0] = lo; CVI[1] = hi;
  return CV[0];
}
export function nextDownD(x: number): number { return -nextUpD(-x); }
export function nextUpF(x: number): number {
  if (x === 0) return 1.401298464324817e-45;
  CF[0] = x;
  CFI[0] = x > 0 ? CFI[0] + 1 : CFI[0] - 1;
  return CF[0];
}
export function nextDownF(x: number): number { return -nextUpF(-x); }

/** 2^k for -1022 <= k <= 1023, exactly. */
function pow2(k: number): number { CVI[0] = 0; CVI[1] = (k + 1023) << 20; return CV[0]; }
/** x * 2^k, exact whenever the result is a normal number or x is scaled up from a denormal. */
function scale(x: number, k: number): number {
  while (k > 1000) { x *= pow2(1000); k -= 1000; }
  while (k < -1000) { x *= pow2(-1000); k += 1000; }
  return x * pow2(k);
}
/** floor(log2 |x|) for finite non-zero x (denormals included). */
function ilogb(x: number): number {
  CV[0] = x;
  const e = (CVI[1] >>> 20) & 0x7ff;
  if (e !== 0) return e - 1023;
  CV[0] = x * 18014398509481984; // 2^54
  return ((CVI[1] >>> 20) & 0x7ff) - 1023 - 54;
}
/** Error of the product a*b = p (exact when |a|,|b| < 2^995 and |p| > 2^-969): Dekker's TwoProduct. */
function prodErr(a: number, b: number, p: number): number {
  let c = 134217729 * a;
  const ah = c - (c - a), al = a - ah;
  c = 134217729 * b;
  const bh = c - (c - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
function safe(x: number): boolean { const a = Math.abs(x); return a > 1e-280 && a < 1e280; }

// ---- round-to-nearest operations with exact error sign ----------------------------------------------
// Each returns the nearest-even result (NaN for an invalid operation, flagged by the caller's check)
// and leaves the error sign in E. ZE is flagged here (division by zero).

export function rnAdd(a: number, b: number): number {
  LOP = Op.ADD; LA = a; LB = b;
  const r = a + b;
  if (r - r !== 0) { // inf or NaN
    E = r === r && a - a === 0 && b - b === 0 ? -r : 0; // finite operands overflowed: true result is finite
    return r;
  }
  if (r === 0) {
    E = 0;
    // An exact zero sum is -0 in round-down mode unless both operands are +0 (IEEE 754 6.3).
    if (FP.rc === 1 && !(Object.is(a, 0) && Object.is(b, 0))) return -0;
    return r;
  }
  const bb = r - a;
  E = (a - (r - bb)) + (b - bb);
  return r;
}

export function rnMul(a: number, b: number): number {
  LOP = Op.MUL; LA = a; LB = b;
  const r = a * b;
  if (r - r !== 0) { E = r === r && a - a === 0 && b - b === 0 ? -r : 0; return r; }
  if (a === 0 || b === 0) { E = 0; return r; }
  if (safe(a) && safe(b) && safe(r)) { E = prodErr(a, b, r); return r; }
  const ea = ilogb(a), eb = ilogb(b);
  const ma = scale(Math.abs(a), -ea), mb = scale(Math.abs(b), -eb);
  const rs = scale(Math.abs(r), -(ea + eb));
  const hi = ma * mb;
  const d = (hi - rs) + prodErr(ma, mb, hi); // sign of |true| - |r|
  E = (a < 0) !== (b < 0) ? -d : d;
  return r;
}

export function rnDiv(a: number, b: number): number {
  LOP = Op.DIV; LA = a; LB = b;
  const r = a / b;
  if (r !== r) { E = 0; return r; }
  if (b === 0) { if (a - a === 0) FP.fl |= Mx.ZE; E = 0; return r; }
  if (r - r !== 0) { E = a - a === 0 ? -r : 0; return r; }
  if (a === 0 || b - b !== 0) { E = 0; return r; }
  let d: number;
  if (safe(a) && safe(b) && safe(r)) {
    const p = r * b;
    d = (a - p) - prodErr(r, b, p); // a - r*b
    E = b < 0 ? -d : d;
    return r;
  }
  const ea = ilogb(a), eb = ilogb(b);
  const ma = scale(Math.abs(a), -ea), mb = scale(Math.abs(b), -eb);
  const rs = scale(Math.abs(r), -(ea - eb));
  const p = rs * mb;
  d = (ma - p) - prodErr(rs, mb, p); // sign of |true| - |r|
  E = (a < 0) !== (b < 0) ? -d : d;
  return r;
}

/** sqrt of a >= 0 (the caller handles negatives and NaN). */
export function rnSqrt(a: number): number {
  LOP = Op.NONE;
  const r = Math.sqrt(a);
  if (a === 0 || a - a !== 0) { E = 0; return r; }
  if (safe(a)) { const p = r * r; E = (a - p) - prodErr(r, r, p); return r; }
  const k = ilogb(a) & ~1;
  const as = scale(a, -k), rs = scale(r, -(k >> 1));
  const p = rs * rs;
  E = (as - p) - prodErr(rs, rs, p);
  return r;
}

/** A 64-bit integer (halves) to the nearest double, error sign in E. */
export function rnI64(lo: number, hi: number): number { const r = rnAdd(hi * 4294967296, lo >>> 0); LOP = Op.NONE; return r; }

/** After rnI64: make an inexact result odd (round-to-odd), so that a later rounding to float is correct. */
export function toOdd(d: number): number {
  if (E === 0) return d;
  CV[0] = d;
  if ((CVI[0] & 1) === 0) return E > 0 ? nextUpD(d) : nextDownD(d); // E's sign is now irrelevant: d is odd
  return d;
}

/** Set the error sign directly (exact conversions). */
export function exact(): void { E = 0; LOP = Op.NONE; }

// ---- final rounding to the destination format, with OE/UE/PE ---------------------------------------

/** Apply the rounding mode to a nearest-rounded double result with error sign E; set OE/UE/PE. */
export function finD(r: number): number {
  if (E === 0) {
    // An exact tiny result underflows only when UE is unmasked (SDM vol. 1 4.9.1.5); FTZ flushes it.
    if (r !== 0 && r < MIN_NORMAL_D && r > -MIN_NORMAL_D) {
      if (FP.ftz) { FP.fl |= Mx.UE | Mx.PE; return r < 0 ? -0 : 0; }
      if ((FP.um & Mx.UE) !== 0) FP.fl |= Mx.UE;
    }
    return r;
  }
  const ovf = r - r !== 0;
  switch (FP.rc) {
    case 1: if (E < 0) r = nextDownD(r); break;
    case 2: if (E > 0) r = nextUpD(r); break;
    case 3: if ((r > 0 && E < 0) || (r < 0 && E > 0)) r = r > 0 ? nextDownD(r) : nextUpD(r); break;
  }
  const f = ovf || r - r !== 0 ? Mx.OE : r < MIN_NORMAL_D && r > -MIN_NORMAL_D ? Mx.UE : 0;
  if (f === Mx.UE && FP.ftz) { FP.fl |= Mx.UE | Mx.PE; return r < 0 || Object.is(r, -0) ? -0 : 0; }
  // With the overflow/underflow exception unmasked the result is not delivered, and PE reports whether
  // rounding to 53 bits with an unbounded exponent range was inexact (what the hardware does).
  FP.fl |= (f & FP.um) === 0 ? f | Mx.PE : unboundedInexactD() ? f | Mx.PE : f;
  return r;
}

/** Mantissa of x in [1, 2). */
function mant(x: number): number { return scale(Math.abs(x), -ilogb(x)); }
/** Is the last double operation inexact when the exponent range is unbounded? */
function unboundedInexactD(): boolean {
  switch (LOP) {
    case Op.ADD: rnAdd(LA / 2, LB / 2); return E !== 0; // only overflow: halving is exact
    case Op.MUL: rnMul(mant(LA), mant(LB)); return E !== 0;
    case Op.DIV: rnDiv(mant(LA), mant(LB)); return E !== 0;
    default: return true;
  }
}

/** Round a double (the nearest-rounded result of a float operation, error sign E) to float per MXCSR. */
export function finF(d: number): number {
  let r = Math.fround(d);
  const e0 = E;
  const e = d !== r ? d - r : e0;
  if (e === 0) {
    if (r !== 0 && r < MIN_NORMAL_F && r > -MIN_NORMAL_F) {
      if (FP.ftz) { FP.fl |= Mx.UE | Mx.PE; return r < 0 ? -0 : 0; }
      if ((FP.um & Mx.UE) !== 0) FP.fl |= Mx.UE;
    }
    return r;
  }
  const ovf = r - r !== 0;
  switch (FP.rc) {
    case 1: if (e < 0) r = nextDownF(r); break;
    case 2: if (e > 0) r = nextUpF(r); break;
    case 3: if ((r > 0 && e < 0) || (r < 0 && e > 0)) r = r > 0 ? nextDownF(r) : nextUpF(r); break;
  }
  const f = ovf || r - r !== 0 ? Mx.OE : r < MIN_NORMAL_F && r > -MIN_NORMAL_F ? Mx.UE : 0;
  if (f === Mx.UE && FP.ftz) { FP.fl |= Mx.UE | Mx.PE; return r < 0 || Object.is(r, -0) ? -0 : 0; }
  // Unmasked OE/UE: PE iff the 24-bit rounding at unbounded exponent is inexact (see finD).
  FP.fl |= (f & FP.um) === 0 ? f | Mx.PE : e0 !== 0 || !Number.isInteger(scale(mant(d), 23)) ? f | Mx.PE : f;
  return r;
}

/**
 * Round a finite double to an integer per `rc` (0 nearest-even, 1 down, 2 up, 3 toward zero). The caller
 * range-checks the result and sets PE when it differs from x.
 */
export function roundInt(x: number, rc: number): number {
  let r: number;
  switch (rc) {
    case 0: {
      const f = Math.floor(x), d = x - f;
      r = d < 0.5 ? f : d > 0.5 ? f + 1 : (f % 2 === 0 ? f : f + 1);
      break;
    }
    case 1: r = Math.floor(x); break;
    case 2: r = Math.ceil(x); break;
    default: r = Math.trunc(x);
  }
  return r === 0 ? 0 : r; // no -0
}
