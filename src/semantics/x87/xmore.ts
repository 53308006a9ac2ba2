// fprem/fprem1 (exact partial remainder) and fscale for the x87 unit (see xcore.ts for the format).

import { Cls, Fmt, X, Xf, cls, indefinite, isNan, nanResult, roundSig, setX } from './xcore.js';

/** Normalised (e, hi, lo) of a finite non-zero register value: value = hi:lo / 2^63 * 2^e. */
let Ne = 0, Nh = 0, Nl = 0;
function norm(se: number, hi: number, lo: number): void {
  let e = (se & 0x7fff) === 0 ? -16382 : (se & 0x7fff) - 16383;
  hi >>>= 0; lo >>>= 0;
  while (hi < 0x80000000) { hi = ((hi << 1) | (lo >>> 31)) >>> 0; lo = (lo << 1) >>> 0; e--; }
  Ne = e; Nh = hi; Nl = lo;
}

/**
 * fprem (truncating quotient) / fprem1 (round-to-nearest quotient) of a = ST(0) by b = ST(1): the
 * remainder in X; returns the condition bits C0 = Q2, C3 = Q1, C1 = Q0, C2 = incomplete.
 */
export function fprem(sea: number, ha: number, la: number, seb: number, hb: number, lb: number, ieee: boolean): number {
  const ca = cls(sea, ha, la), cb = cls(seb, hb, lb), sa = (sea >>> 15) & 1;
  if (ca === Cls.UNSUP || cb === Cls.UNSUP) { X.fl |= Xf.IE; indefinite(); return 0; }
  if (isNan(ca) || isNan(cb)) { nanResult(ca, sa, ha, la, cb, (seb >>> 15) & 1, hb, lb); return 0; }
  if (ca === Cls.INF || cb === Cls.ZERO) { X.fl |= Xf.IE; indefinite(); return 0; }
  if (ca === Cls.DEN || cb === Cls.DEN) X.fl |= Xf.DE;
  if (ca === Cls.ZERO || cb === Cls.INF) { setX(sa, sea & 0x7fff, ha, la); if (ca === Cls.DEN) { norm(sea, ha, la); roundSig(sa, Ne, Nh, Nl, 64, Fmt.EXT); } return 0; }
  norm(seb, hb, lb);
  const eb = Ne, bh = Nh, bl = Nl;
  norm(sea, ha, la);
  const ea = Ne;
  const D = ea - eb;
  if (D < 0 && !(ieee && D === -1)) { roundSig(sa, Ne, Nh, Nl, 64, Fmt.EXT); return 0; }
  let steps = D, incomplete = 0, scale = eb;
  if (D >= 64) { const N = 32 + (D & 31); steps = N; scale = eb + (D - N); incomplete = 1; }
  // Long division: compare R with B * 2^k for k = steps .. 0 (R scaled so B stays fixed).
  let rh = Nh, rl = Nl, q = 0;
  if (steps < 0) { q = 0; }
  else {
    for (let j = 0; j <= steps; j++) {
      let bit = 0;
      if (rh > bh || (rh === bh && rl >= bl)) {
        let nl = rl - bl, br = 0;
        if (nl < 0) { nl += 4294967296; br = 1; }
        rh = rh - bh - br; rl = nl; bit = 1;
      }
      q = ((q << 1) | bit) & 7;
      if (j < steps) { rh = rh * 2 + (rl >>> 31); rl = (rl << 1) >>> 0; }
    }
  }
  // remainder = R * 2^(scale - 63) (R < B); for fprem1 pick the nearer quotient.
  let s = sa;
  if (ieee && !incomplete) {
    // D >= 0: compare 2R with B (both at scale eb); D == -1: R = A at scale eb - 1, compare A with B.
    const ch = steps < 0 ? rh : rh * 2 + (rl >>> 31), cl = steps < 0 ? rl : (rl << 1) >>> 0;
    const gt = ch > bh || (ch === bh && cl > bl), eq = ch === bh && cl === bl;
    if (gt || (eq && (q & 1))) {
      // |r| = B - R at scale eb, or 2B - A at scale eb - 1 (D == -1); the sign flips.
      let xh = bh, xl = bl;
      if (steps < 0) { xh = bh * 2 + (bl >>> 31); xl = (bl << 1) >>> 0; scale = eb - 1; }
      let nl = xl - rl, br = 0;
      if (nl < 0) { nl += 4294967296; br = 1; }
      rh = xh - rh - br; rl = nl; s ^= 1; q = (q + 1) & 7;
    } else if (steps < 0) scale = eb - 1;
  }
  const cc = incomplete ? 0x400 : ((q & 4) ? 0x100 : 0) | ((q & 2) ? 0x4000 : 0) | ((q & 1) ? 0x200 : 0);
  if (rh === 0 && rl === 0) { setX(sa, 0, 0, 0); return cc; }
  let e = scale;
  let h = rh >>> 0, l = rl >>> 0;
  while (h < 0x80000000) { h = ((h << 1) | (l >>> 31)) >>> 0; l = (l << 1) >>> 0; e--; }
  roundSig(s, e, h, l, 64, Fmt.EXT);
  return cc;
}

/** fscale: ST(0) * 2^trunc(ST(1)), rounded to precision P. */
export function fscale(sea: number, ha: number, la: number, seb: number, hb: number, lb: number, P: number): void {
  const ca = cls(sea, ha, la), cb = cls(seb, hb, lb), sa = (sea >>> 15) & 1, sb = (seb >>> 15) & 1;
  if (ca === Cls.UNSUP || cb === Cls.UNSUP) { X.fl |= Xf.IE; indefinite(); return; }
  if (isNan(ca) || isNan(cb)) { nanResult(ca, sa, ha, la, cb, sb, hb, lb); return; }
  if (ca === Cls.DEN || cb === Cls.DEN) X.fl |= Xf.DE;
  if (cb === Cls.INF) {
    if ((ca === Cls.ZERO && !sb) || (ca === Cls.INF && sb)) { X.fl |= Xf.IE; indefinite(); return; }
    if (ca === Cls.ZERO || ca === Cls.INF) { setX(sa, sea & 0x7fff, ha, la); return; }
    if (sb) setX(sa, 0, 0, 0); else setX(sa, 0x7fff, 0x80000000, 0);
    return;
  }
  if (ca === Cls.ZERO || ca === Cls.INF) { setX(sa, sea & 0x7fff, ha, la); return; }
  // n = trunc(ST(1)), clamped (anything beyond +-2^17 over- or underflows anyway).
  let n = 0;
  if (cb !== Cls.ZERO) {
    norm(seb, hb, lb);
    if (Ne >= 20) n = 1 << 20;
    else if (Ne >= 0) n = Math.floor((Nh >>> 0) / 2 ** (31 - Ne));
    if (sb) n = -n;
  }
  norm(sea, ha, la);
  roundSig(sa, Ne + n, Nh, Nl, P, Fmt.EXT);
}
