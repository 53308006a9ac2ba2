import { mulu64, OUT } from '../prims.js';
// Exact 80-bit extended-precision arithmetic for the x87 unit, on int32 words (no BigInt).
//
// A value is (sign, biased 15-bit exponent, 64-bit significand hi:lo with an explicit integer bit),
// exactly the register format. Operations unpack finite operands to a normalised significand and an
// unbiased exponent, compute the exact result into a 96-bit working significand W2:W1:W0 (msb = integer
// bit) plus a sticky bit ST, and `round` rounds it once to the precision P (24/53/64 bits) and the
// exponent range of the target format under the rounding control RC, setting the x87 exception bits
// (IE DE ZE OE UE PE) in X.fl and C1 ("rounded up") in X.c1.
//
// Results go to the module record X (sign s, biased exponent e, significand hi/lo), never allocated.

export const enum Xf { IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32, SF = 64 }
/** Operand classes. */
export const enum Cls { ZERO, DEN, NORM, INF, QNAN, SNAN, UNSUP }
/** Target formats for round(): exponent ranges. */
export const enum Fmt { EXT = 0, DBL = 1, SGL = 2 }
const EMIN = [-16382, -1022, -126];
const EMAX = [16383, 1023, 127];
const BIAS = [16383, 1023, 127];

/** The result register and the per-instruction flag accumulator. */
export const X = { s: 0, e: 0, hi: 0, lo: 0, fl: 0, c1: 0, rc: 0 };

export function cls(se: number, hi: number, lo: number): Cls {
  const e = se & 0x7fff;
  if (e === 0) return (hi | lo) === 0 ? Cls.ZERO : Cls.DEN;
  if (e === 0x7fff) {
    if (hi >= 0) return Cls.UNSUP;
    if ((hi & 0x7fffffff) === 0 && lo === 0) return Cls.INF;
    return (hi & 0x40000000) !== 0 ? Cls.QNAN : Cls.SNAN;
  }
  return hi < 0 ? Cls.NORM : Cls.UNSUP;
}
export function isNan(c: Cls): boolean { return c === Cls.QNAN || c === Cls.SNAN; }

export function setX(s: number, e: number, hi: number, lo: number): void { X.s = s; X.e = e; X.hi = hi | 0; X.lo = lo | 0; }
/** The default (indefinite) QNaN. */
export function indefinite(): void { setX(1, 0x7fff, 0xc0000000, 0); }

// ---- unpacked operands ---------------------------------------------------------------------------
/** Unpacked finite non-zero operands A and B: value = (hi:lo / 2^63) * 2^e, hi's top bit set. */
let Ae = 0, Ah = 0, Al = 0, Be = 0, Bh = 0, Bl = 0;

function clz64(hi: number, lo: number): number { return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo); }
/** Normalise a finite non-zero register value into slot A (which = 0) or B. */
function unpack(which: 0 | 1, se: number, hi: number, lo: number): void {
  let e = (se & 0x7fff) - 16383;
  if ((se & 0x7fff) === 0) e = -16382;
  const n = clz64(hi, lo);
  if (n > 0) {
    if (n >= 32) { hi = lo << (n - 32); lo = 0; } else { hi = (hi << n) | (lo >>> (32 - n)); lo <<= n; }
    e -= n;
  }
  if (which === 0) { Ae = e; Ah = hi >>> 0; Al = lo >>> 0; } else { Be = e; Bh = hi >>> 0; Bl = lo >>> 0; }
}

// ---- the working significand and rounding ---------------------------------------------------------
let W2 = 0, W1 = 0, W0 = 0, ST = 0;

/** Shift W right by d with sticky. */
function shrW(d: number): void {
  while (d >= 32) { ST |= W0 !== 0 ? 1 : 0; W0 = W1; W1 = W2; W2 = 0; d -= 32; if (W0 === 0 && W1 === 0 && d >= 32) { d = 0; } }
  if (d > 0) {
    ST |= (W0 << (32 - d)) !== 0 ? 1 : 0;
    W0 = ((W0 >>> d) | (W1 << (32 - d))) >>> 0;
    W1 = ((W1 >>> d) | (W2 << (32 - d))) >>> 0;
    W2 = W2 >>> d;
  }
}
/** Normalise W (non-zero) so bit 95 is set; returns the left shift applied. */
function normW(): number {
  let n = 0;
  while (W2 === 0) { W2 = W1; W1 = W0; W0 = 0; n += 32; }
  const k = Math.clz32(W2);
  if (k > 0) {
    W2 = ((W2 << k) | (W1 >>> (32 - k))) >>> 0;
    W1 = ((W1 << k) | (W0 >>> (32 - k))) >>> 0;
    W0 = (W0 << k) >>> 0;
  }
  return n + k;
}

/** Largest finite significand at precision P (hi, lo). */
function maxSig(P: number): void {
  X.hi = P === 24 ? 0xffffff00 | 0 : -1;
  X.lo = P === 64 ? -1 : P === 53 ? 0xfffff800 | 0 : 0;
}

/** Round W in place at precision P (rounding control X.rc): 0 exact, 1 inexact and truncated, 2 rounded
 * up, 3 rounded up with a carry out of the significand (W is then 2^95 and the exponent must grow). */
function rnd(s: number, P: number): number {
  const rc = X.rc;
  let rb: number, sb: number, odd: number;
  if (P === 64) { rb = W0 >>> 31; sb = (W0 & 0x7fffffff) !== 0 || ST ? 1 : 0; odd = W1 & 1; W0 = 0; }
  else if (P === 53) { rb = (W1 >>> 10) & 1; sb = (W1 & 0x3ff) !== 0 || W0 !== 0 || ST ? 1 : 0; odd = (W1 >>> 11) & 1; W1 = (W1 & ~0x7ff) >>> 0; W0 = 0; }
  else { rb = (W2 >>> 7) & 1; sb = (W2 & 0x7f) !== 0 || W1 !== 0 || W0 !== 0 || ST ? 1 : 0; odd = (W2 >>> 8) & 1; W2 = (W2 & ~0xff) >>> 0; W1 = 0; W0 = 0; }
  ST = 0;
  const inexact = rb | sb;
  const up = rc === 0 ? (rb && (sb || odd)) : rc === 1 ? (inexact && s) : rc === 2 ? (inexact && !s) : 0;
  if (!up) return inexact ? 1 : 0;
  if (P === 24) W2 += 0x100;
  else { W1 += P === 64 ? 1 : 0x800; if (W1 > 0xffffffff) { W1 -= 4294967296; W2 += 1; } }
  if (W2 > 0xffffffff) { W2 = 0x80000000; return 3; }
  return 2;
}

/**
 * Round sign * (W2:W1:W0.ST / 2^95) * 2^e (W normalised) to precision P and format f; the result in X
 * with the biased exponent of format f and the significand aligned as in the extended format (for a
 * denormal result the integer bit is 0 and the exponent field 0).
 */
export function round(s: number, e: number, P: number, f: Fmt): void {
  const emin = EMIN[f], emax = EMAX[f];
  let tiny = e < emin;
  if (e === emin - 1) {
    // Tininess is judged after rounding to precision P with an unbounded exponent.
    const w2 = W2, w1 = W1, w0 = W0, st = ST;
    if (rnd(s, P) === 3) tiny = false;
    W2 = w2; W1 = w1; W0 = w0; ST = st;
  }
  if (e < emin) { shrW(emin - e); e = emin; }
  const r = rnd(s, P);
  const inexact = r !== 0, up = r >= 2;
  if (r === 3) e++;
  if (inexact) { X.fl |= Xf.PE; if (tiny) X.fl |= Xf.UE; if (up) X.c1 = 1; }
  const rc = X.rc;
  X.s = s;
  if (e > emax) {
    X.fl |= Xf.OE | Xf.PE;
    const toInf = rc === 0 || (rc === 1 && s) || (rc === 2 && !s);
    if (toInf) { X.e = f === Fmt.EXT ? 0x7fff : f === Fmt.DBL ? 0x7ff : 0xff; X.hi = 0x80000000 | 0; X.lo = 0; X.c1 = 1; }
    else { X.e = emax + BIAS[f]; maxSig(P); X.c1 = 0; }
    return;
  }
  X.hi = W2 | 0; X.lo = W1 | 0;
  X.e = W2 >= 0x80000000 ? e + BIAS[f] : 0;
}

/** Round sign * (hi:lo / 2^63) * 2^e (hi's top bit set) to precision P and format f. */
export function roundSig(s: number, e: number, hi: number, lo: number, P: number, f: Fmt): void {
  W2 = hi >>> 0; W1 = lo >>> 0; W0 = 0; ST = 0;
  round(s, e, P, f);
}

// ---- NaN propagation (SDM vol. 1 table 4-7) -------------------------------------------------------
/** Result for operands of which at least one is a NaN. */
export function nanResult(ca: Cls, sa: number, ha: number, la: number, cb: Cls, sb: number, hb: number, lb: number): void {
  if (ca === Cls.SNAN || cb === Cls.SNAN) X.fl |= Xf.IE;
  const an = isNan(ca), bn = isNan(cb);
  let pickA: boolean;
  if (an && bn) {
    if (ca !== cb) pickA = ca === Cls.QNAN;
    else {
      const qa = (ha | 0x40000000) >>> 0, qb = (hb | 0x40000000) >>> 0;
      pickA = qa > qb || (qa === qb && ((la >>> 0) > (lb >>> 0) || (la === lb && sa <= sb)));
    }
  } else pickA = an;
  if (pickA) setX(sa, 0x7fff, ha | 0x40000000, la); else setX(sb, 0x7fff, hb | 0x40000000, lb);
}

// ---- arithmetic -------------------------------------------------------------------------------------
export const enum Op { ADD = 0, MUL = 1, SUB = 4, SUBR = 5, DIV = 6, DIVR = 7 }

/**
 * a op b for register-format operands; result in X (extended format) rounded to precision P. Raises
 * IE for invalid operations and unsupported formats, DE for denormal operands, ZE for x/0.
 */
export function arith(op: Op, sea: number, ha: number, la: number, seb: number, hb: number, lb: number, P: number, srcDen = false): void {
  if (op === Op.SUBR || op === Op.DIVR) {
    const t1 = sea, t2 = ha, t3 = la; sea = seb; ha = hb; la = lb; seb = t1; hb = t2; lb = t3;
    op = op === Op.SUBR ? Op.SUB : Op.DIV;
  }
  const ca = cls(sea, ha, la), cb = cls(seb, hb, lb);
  const sa = sea >>> 15 & 1;
  let sb = seb >>> 15 & 1;
  if (ca === Cls.UNSUP || cb === Cls.UNSUP) { X.fl |= Xf.IE; indefinite(); return; }
  if (isNan(ca) || isNan(cb)) { nanResult(ca, sa, ha, la, cb, sb, hb, lb); return; }
  const den = ca === Cls.DEN || cb === Cls.DEN || srcDen;
  if (den && !(op === Op.DIV && cb === Cls.ZERO)) X.fl |= Xf.DE;
  if (op === Op.SUB) { sb ^= 1; op = Op.ADD; }
  const za = ca === Cls.ZERO, zb = cb === Cls.ZERO, ia = ca === Cls.INF, ib = cb === Cls.INF;
  const rc = X.rc;
  if (op === Op.ADD) {
    if (ia || ib) {
      if (ia && ib && sa !== sb) { X.fl |= Xf.IE; indefinite(); return; }
      setX(ia ? sa : sb, 0x7fff, 0x80000000, 0); return;
    }
    if (za && zb) { setX(sa === sb ? sa : rc === 1 ? 1 : 0, 0, 0, 0); return; }
    if (za || zb) {
      // x + 0: x rounded to precision P (a denormal stays put unless the precision cuts bits).
      if (za) unpack(1, seb, hb, lb); else unpack(1, sea, ha, la);
      roundSig(za ? sb : sa, Be, Bh, Bl, P, Fmt.EXT); return;
    }
    unpack(0, sea, ha, la); unpack(1, seb, hb, lb);
    let s = sa;
    // Order so that |A| >= |B|.
    if (Be > Ae || (Be === Ae && (Bh > Ah || (Bh === Ah && Bl > Al)))) {
      const e = Ae, h = Ah, l = Al; Ae = Be; Ah = Bh; Al = Bl; Be = e; Bh = h; Bl = l; s = sb;
    }
    const d = Ae - Be;
    // B shifted into 96 bits (one guard word below), sticky beyond.
    W2 = Bh; W1 = Bl; W0 = 0; ST = 0;
    shrW(Math.min(d, 200));
    const bst = ST;
    if (sa === sb) {
      // The lowest word, then carry up; shift right once on carry-out.
      const w1 = W1 + Al, w2 = W2 + Ah;
      const c1 = w1 > 0xffffffff ? 1 : 0;
      W1 = (w1 - c1 * 4294967296) >>> 0;
      const t2 = w2 + c1;
      let e = Ae;
      if (t2 > 0xffffffff) {
        W2 = (t2 - 4294967296) >>> 0; ST = bst;
        // shift right by 1 bringing in the carry
        ST |= W0 & 1;
        W0 = ((W0 >>> 1) | (W1 << 31)) >>> 0; W1 = ((W1 >>> 1) | (W2 << 31)) >>> 0; W2 = (W2 >>> 1 | 0x80000000) >>> 0;
        e++;
      } else { W2 = t2 >>> 0; ST = bst; }
      round(s, e, P, Fmt.EXT);
      return;
    }
    // Subtraction |A| - |B| (>= 0); with sticky, subtract one more unit and keep the sticky.
    let r0 = 0 - W0 - bst, bor = 0;
    if (r0 < 0) { r0 += 4294967296; bor = 1; }
    let r1 = Al - W1 - bor; bor = 0;
    if (r1 < 0) { r1 += 4294967296; bor = 1; }
    const r2 = Ah - W2 - bor;
    if (r2 === 0 && r1 === 0 && r0 === 0 && !bst) { setX(rc === 1 ? 1 : 0, 0, 0, 0); return; }
    W2 = r2 >>> 0; W1 = r1 >>> 0; W0 = r0 >>> 0; ST = bst;
    const n = normW();
    round(s, Ae - n, P, Fmt.EXT);
    return;
  }
  const s = sa ^ sb;
  if (op === Op.MUL) {
    if (ia || ib) {
      if (za || zb) { X.fl |= Xf.IE; indefinite(); return; }
      setX(s, 0x7fff, 0x80000000, 0); return;
    }
    if (za || zb) { setX(s, 0, 0, 0); return; }
    unpack(0, sea, ha, la); unpack(1, seb, hb, lb);
    mul128(Ah, Al, Bh, Bl);
    // product in P3:P2:P1:P0, value = P / 2^126 * 2^(Ae+Be)
    let e = Ae + Be;
    W2 = P3; W1 = P2; W0 = P1; ST = P0 !== 0 ? 1 : 0;
    if (W2 < 0x80000000) { normW1(); } else e++;
    round(s, e, P, Fmt.EXT);
    return;
  }
  // DIV
  if (ia && ib) { X.fl |= Xf.IE; indefinite(); return; }
  if (za && zb) { X.fl |= Xf.IE; indefinite(); return; }
  if (ia || zb) { if (zb && !ia) X.fl |= Xf.ZE; setX(s, 0x7fff, 0x80000000, 0); return; }
  if (ib || za) { setX(s, 0, 0, 0); return; }
  unpack(0, sea, ha, la); unpack(1, seb, hb, lb);
  let e = Ae - Be;
  // remainder r = A (as rh:rl, rh may reach 33 bits), divisor B.
  let rh = Ah, rl = Al;
  if (Ah < Bh || (Ah === Bh && Al < Bl)) { rh = rh * 2 + (rl >>> 31); rl = (rl << 1) >>> 0; e--; }
  let q2 = 0, q1 = 0, q0 = 0;
  for (let k = 0; k < 96; k++) {
    let bit = 0;
    if (rh > Bh || (rh === Bh && rl >= Bl)) {
      let nl = rl - Bl, br = 0;
      if (nl < 0) { nl += 4294967296; br = 1; }
      rh = rh - Bh - br; rl = nl; bit = 1;
    }
    q2 = ((q2 << 1) | (q1 >>> 31)) >>> 0; q1 = ((q1 << 1) | (q0 >>> 31)) >>> 0; q0 = ((q0 << 1) | bit) >>> 0;
    rh = rh * 2 + (rl >>> 31); rl = (rl << 1) >>> 0;
  }
  W2 = q2; W1 = q1; W0 = q0; ST = rh !== 0 || rl !== 0 ? 1 : 0;
  round(s, e, P, Fmt.EXT);
}
/** Shift W left by one (product below 2^127). */
function normW1(): void {
  W2 = ((W2 << 1) | (W1 >>> 31)) >>> 0; W1 = ((W1 << 1) | (W0 >>> 31)) >>> 0; W0 = (W0 << 1) >>> 0;
}

let P0 = 0, P1 = 0, P2 = 0, P3 = 0;
/** Unsigned 64x64 -> 128 into P3..P0 (unsigned words), through the shared primitive. */
function mul128(ah: number, al: number, bh: number, bl: number): void {
  mulu64(al, ah, bl, bh);
  P0 = OUT[0] >>> 0; P1 = OUT[1] >>> 0; P2 = OUT[2] >>> 0; P3 = OUT[3] >>> 0;
}

/** Scratch limbs of sqrt (radicand, remainder, root, trial). */
const SN = new Int32Array(14), SR = new Int32Array(14), SY = new Int32Array(8), ST16 = new Int32Array(14);
/** Square root of a register-format value, rounded to precision P. */
export function sqrt(se: number, h: number, l: number, P: number): void {
  const c = cls(se, h, l), s = se >>> 15 & 1;
  if (c === Cls.UNSUP) { X.fl |= Xf.IE; indefinite(); return; }
  if (isNan(c)) { nanResult(c, s, h, l, c, s, h, l); return; }
  if (c === Cls.ZERO) { setX(s, 0, 0, 0); return; }
  if (s) { X.fl |= Xf.IE; indefinite(); return; }
  if (c === Cls.INF) { setX(0, 0x7fff, 0x80000000, 0); return; }
  if (c === Cls.DEN) X.fl |= Xf.DE;
  unpack(0, se, h, l);
  // value = m * 2^(Ae-63) with m = Ah:Al. With odd = Ae & 1, the radicand N = m * 2^(odd+127) (192 bits)
  // has an integer square root of 96 bits: sqrt(value) = isqrt(N) * 2^((Ae-odd)/2 - 95), and the
  // remainder N - isqrt(N)^2 is the sticky bit. Bitwise (two radicand bits per step) on 16-bit limbs.
  const odd = Ae & 1;
  const N = SN, Rm = SR, Y = SY, T = ST16;
  N.fill(0); Rm.fill(0); Y.fill(0);
  const sh = odd + 127;
  const m = [Al & 0xffff, Al >>> 16, Ah & 0xffff, Ah >>> 16];
  const q = sh >> 4, r = sh & 15;
  for (let k = 0; k < 4; k++) {
    const v = m[k] * (1 << r);
    N[k + q] += v % 65536; N[k + q + 1] += Math.floor(v / 65536);
  }
  for (let b = 14 * 16 - 2; b >= 0; b -= 2) {
    // Rm = Rm * 4 + the next two radicand bits; T = Y * 4 + 1; if Rm >= T: Rm -= T, Y = 2Y + 1 else Y = 2Y.
    let carry = (N[b >> 4] >>> (b & 15)) & 3;
    for (let k = 0; k < 14; k++) { const v = Rm[k] * 4 + carry; Rm[k] = v & 0xffff; carry = v >>> 16; }
    T.fill(0);
    carry = 1;
    for (let k = 0; k < 8; k++) { const v = Y[k] * 4 + carry; T[k] = v & 0xffff; carry = v >>> 16; }
    T[8] = carry;
    let ge = true;
    for (let k = 13; k >= 0; k--) { if (Rm[k] !== T[k]) { ge = Rm[k] > T[k]; break; } }
    carry = ge ? 1 : 0;
    for (let k = 0; k < 8; k++) { const v = Y[k] * 2 + carry; Y[k] = v & 0xffff; carry = v >>> 16; }
    if (ge) {
      let br = 0;
      for (let k = 0; k < 14; k++) { let v = Rm[k] - T[k] - br; br = 0; if (v < 0) { v += 65536; br = 1; } Rm[k] = v; }
    }
  }
  let rem = false;
  for (let k = 0; k < 14; k++) if (Rm[k] !== 0) rem = true;
  // N < 2^192, so the root fits in Y[0..5] with its top bit (N >= 2^190) at bit 95.
  W2 = (Y[4] | (Y[5] << 16)) >>> 0; W1 = (Y[2] | (Y[3] << 16)) >>> 0; W0 = (Y[0] | (Y[1] << 16)) >>> 0;
  ST = rem ? 1 : 0;
  const e = (Ae - odd) / 2;
  round(0, e, P, Fmt.EXT);
}

// ---- conversions ------------------------------------------------------------------------------------

/** double bits -> extended (exact; SNaN quietened with IE; DE for denormals). */
export function fromD(lo: number, hi: number): void {
  const s = hi >>> 31, e = (hi >>> 20) & 0x7ff, mh = hi & 0xfffff;
  const sh = ((mh << 11) | (lo >>> 21)), sl = lo << 11;
  if (e === 0x7ff) {
    if ((mh | lo) === 0) { setX(s, 0x7fff, 0x80000000, 0); return; }
    if ((mh & 0x80000) === 0) X.fl |= Xf.IE;
    setX(s, 0x7fff, sh | 0xc0000000, sl); return;
  }
  if (e === 0) {
    if ((mh | lo) === 0) { setX(s, 0, 0, 0); return; }
    X.fl |= Xf.DE;
    // Normalise as if it had the extended scale 2^-16382, then rebase to the double's 2^-1022.
    unpack(0, 1, sh, sl);
    setX(s, Ae + 16382 - 1022 + 16383, Ah, Al);
    return;
  }
  setX(s, e - 1023 + 16383, sh | 0x80000000, sl);
}
/** float bits -> extended. */
export function fromF(b: number): void {
  const s = b >>> 31, e = (b >>> 23) & 0xff, m = b & 0x7fffff;
  if (e === 0xff) {
    if (m === 0) { setX(s, 0x7fff, 0x80000000, 0); return; }
    if ((m & 0x400000) === 0) X.fl |= Xf.IE;
    setX(s, 0x7fff, (m << 8) | 0xc0000000, 0); return;
  }
  if (e === 0) {
    if (m === 0) { setX(s, 0, 0, 0); return; }
    X.fl |= Xf.DE;
    unpack(0, 1, m << 8, 0);
    X.s = s; X.hi = Ah | 0; X.lo = Al | 0; X.e = Ae + 16382 - 126 + 16383;
    return;
  }
  setX(s, e - 127 + 16383, (m << 8) | 0x80000000, 0);
}
/** Signed 64-bit integer (lo, hi) -> extended (exact). */
export function fromI64(lo: number, hi: number): void {
  let s = 0;
  if (hi < 0) { s = 1; lo = -lo | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0; }
  if ((hi | lo) === 0) { setX(0, 0, 0, 0); return; }
  const n = clz64(hi, lo);
  let h = hi, l = lo;
  if (n >= 32) { h = l << (n - 32); l = 0; } else if (n > 0) { h = (h << n) | (l >>> (32 - n)); l <<= n; }
  setX(s, 63 - n + 16383, h, l);
}

/** Register value -> double bits (lo returned in X.lo, hi in X.hi), rounded per RC. */
export function toD(se: number, h: number, l: number): void {
  const c = cls(se, h, l), s = se >>> 15 & 1;
  if (c === Cls.ZERO) { X.hi = s << 31; X.lo = 0; return; }
  if (c === Cls.INF) { X.hi = (s << 31) | 0x7ff00000; X.lo = 0; return; }
  if (c === Cls.UNSUP) { X.fl |= Xf.IE; X.hi = 0xfff80000 | 0; X.lo = 0; return; }
  if (isNan(c)) {
    if (c === Cls.SNAN) X.fl |= Xf.IE;
    X.hi = (s << 31) | 0x7ff80000 | ((h >>> 11) & 0xfffff); X.lo = (h << 21) | (l >>> 11); return;
  }
  unpack(0, se, h, l);
  roundSig(s, Ae, Ah, Al, 53, Fmt.DBL);
  const be = X.e, hi = X.hi >>> 0, lo = X.lo >>> 0;
  X.hi = (s << 31) | (be << 20) | ((hi >>> 11) & 0xfffff);
  X.lo = (hi << 21) | (lo >>> 11);
}
/** Register value -> float bits in X.lo. */
export function toF(se: number, h: number, l: number): void {
  const c = cls(se, h, l), s = se >>> 15 & 1;
  if (c === Cls.ZERO) { X.lo = s << 31; return; }
  if (c === Cls.INF) { X.lo = (s << 31) | 0x7f800000; return; }
  if (c === Cls.UNSUP) { X.fl |= Xf.IE; X.lo = 0xffc00000 | 0; return; }
  if (isNan(c)) {
    if (c === Cls.SNAN) X.fl |= Xf.IE;
    X.lo = (s << 31) | 0x7fc00000 | ((h >>> 8) & 0x7fffff); return;
  }
  unpack(0, se, h, l);
  roundSig(s, Ae, Ah, Al, 24, Fmt.SGL);
  X.lo = (s << 31) | (X.e << 23) | ((X.hi >>> 8) & 0x7fffff);
}

/**
 * Round a register value to an integer value (still in register format) per rounding mode `rc`
 * (frndint, and the first step of fist). Sets PE (and C1 when rounded up in magnitude).
 */
export function rndint(se: number, h: number, l: number, rc: number): void {
  const c = cls(se, h, l), s = se >>> 15 & 1;
  if (c === Cls.UNSUP) { X.fl |= Xf.IE; indefinite(); return; }
  if (isNan(c)) { nanResult(c, s, h, l, c, s, h, l); return; }
  if (c === Cls.ZERO || c === Cls.INF) { setX(s, se & 0x7fff, h, l); return; }
  if (c === Cls.DEN) X.fl |= Xf.DE;
  unpack(0, se, h, l);
  if (Ae >= 63) { setX(s, se & 0x7fff, h, l); return; }
  // integer part: bits above 2^0 position; fraction below.
  W2 = Ah; W1 = Al; W0 = 0; ST = 0;
  const d = 63 - Ae; // shift right so that the unit is bit 32 of W (W1 bit 0)
  let rb: number, sb: number;
  if (d > 64) { rb = 0; sb = 1; W2 = 0; W1 = 0; }
  else {
    shrW(d);
    rb = W0 >>> 31; sb = (W0 & 0x7fffffff) !== 0 || ST ? 1 : 0;
  }
  ST = 0; W0 = 0;
  const odd = W1 & 1, inexact = rb | sb;
  const up = rc === 0 ? (rb && (sb || odd)) : rc === 1 ? (inexact && s) : rc === 2 ? (inexact && !s) : 0;
  if (up) { W1 += 1; if (W1 > 0xffffffff) { W1 -= 4294967296; W2 += 1; } }
  if (inexact) { X.fl |= Xf.PE; if (up) X.c1 = 1; }
  // integer W2:W1 -> register format
  if (W2 === 0 && W1 === 0) { setX(s, 0, 0, 0); return; }
  const n = clz64(W2 | 0, W1 | 0);
  let hh = W2 | 0, ll = W1 | 0;
  if (n >= 32) { hh = ll << (n - 32); ll = 0; } else if (n > 0) { hh = (hh << n) | (ll >>> (32 - n)); ll <<= n; }
  setX(s, 63 - n + 16383, hh, ll);
}

/**
 * Register value -> signed integer of `bits` (16/32/64), rounded per rc; (lo, hi) in X.lo/X.hi.
 * Out of range, NaN, infinity: IE and the integer indefinite (most negative value).
 */
export function toInt(se: number, h: number, l: number, rc: number, bits: number): void {
  const c = cls(se, h, l), s = se >>> 15 & 1;
  const indef = (): void => { X.fl |= Xf.IE; X.lo = bits === 16 ? 0x8000 : bits === 32 ? 0x80000000 | 0 : 0; X.hi = bits === 64 ? 0x80000000 | 0 : 0; };
  if (c === Cls.UNSUP || isNan(c) || c === Cls.INF) { indef(); return; }
  const fl0 = X.fl, c10 = X.c1;
  rndint(se, h, l, rc);
  X.fl &= ~Xf.DE | fl0; // a denormal source raises no DE here
  if (X.e === 0) { X.lo = 0; X.hi = 0; return; }
  const e = X.e - 16383;
  // magnitude = hi:lo >> (63 - e)
  if (e > 63) { X.fl = fl0; X.c1 = c10; indef(); return; }
  let mh = X.hi, ml = X.lo;
  const d = 63 - e;
  if (d >= 32) { ml = mh >>> (d - 32); mh = 0; } else if (d > 0) { ml = (ml >>> d) | (mh << (32 - d)); mh = mh >>> d; }
  mh >>>= 0; ml >>>= 0;
  const lim = bits === 64 ? [0x80000000, 0] : bits === 32 ? [0, 0x80000000] : [0, 0x8000];
  // |v| must be < 2^(bits-1), or == 2^(bits-1) when negative.
  const over = mh > lim[0] || (mh === lim[0] && ml > lim[1]) || (mh === lim[0] && ml === lim[1] && !s);
  if (over) { X.fl = fl0; X.c1 = c10; indef(); return; }
  if (s) { ml = -ml >>> 0; mh = (~mh + (ml === 0 ? 1 : 0)) >>> 0; }
  X.lo = bits === 16 ? ml & 0xffff : ml | 0; X.hi = bits === 64 ? mh | 0 : 0;
}

/** Compare: returns 0 (a > b), 1 (a < b), 2 (equal), 3 (unordered). `quietOnly`: only SNaN raises IE. */
export function compare(sea: number, ha: number, la: number, seb: number, hb: number, lb: number, quietOnly: boolean): number {
  const ca = cls(sea, ha, la), cb = cls(seb, hb, lb);
  if (ca === Cls.UNSUP || cb === Cls.UNSUP) { X.fl |= Xf.IE; return 3; }
  if (isNan(ca) || isNan(cb)) {
    if (!quietOnly || ca === Cls.SNAN || cb === Cls.SNAN) X.fl |= Xf.IE;
    return 3;
  }
  if (ca === Cls.DEN || cb === Cls.DEN) X.fl |= Xf.DE;
  const sa = sea >>> 15 & 1, sb = seb >>> 15 & 1;
  const za = ca === Cls.ZERO, zb = cb === Cls.ZERO;
  if (za && zb) return 2;
  if (sa !== sb) return za && zb ? 2 : sa ? 1 : 0;
  // same sign: compare magnitudes (normalise denormals)
  let ea: number, eb: number, xh: number, xl: number, yh: number, yl: number;
  if (za) { ea = -1e9; xh = 0; xl = 0; } else { unpack(0, sea, ha, la); ea = Ae; xh = Ah; xl = Al; }
  if (zb) { eb = -1e9; yh = 0; yl = 0; } else { unpack(1, seb, hb, lb); eb = Be; yh = Bh; yl = Bl; }
  let m: number; // sign of |a| - |b|
  if (ea !== eb) m = ea > eb ? 1 : -1;
  else if (xh !== yh) m = xh > yh ? 1 : -1;
  else if (xl !== yl) m = xl > yl ? 1 : -1;
  else m = 0;
  if (m === 0) return 2;
  if (sa) m = -m;
  return m > 0 ? 0 : 1;
}
