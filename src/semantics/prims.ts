// Pure numeric primitives on int32 halves that generated code calls (no BigInt, no allocation):
// 64-bit shifts, full-width multiply and divide. Multi-value results go to OUT (an Int32Array).

/** Result slots: OUT[0..3] = 128-bit product / quotient+remainder halves. */
export const OUT = new Int32Array(8);

/** 64-bit shift left by n (0..63); returns lo, hi in OUT[1]. */
export function shl64(lo: number, hi: number, n: number): number {
  if (n === 0) { OUT[1] = hi; return lo; }
  if (n < 32) { OUT[1] = (hi << n) | (lo >>> (32 - n)); return lo << n; }
  OUT[1] = lo << (n - 32); return 0;
}
/** 64-bit logical shift right by n (0..63). */
export function shr64(lo: number, hi: number, n: number): number {
  if (n === 0) { OUT[1] = hi; return lo; }
  if (n < 32) { OUT[1] = hi >>> n; return (lo >>> n) | (hi << (32 - n)); }
  OUT[1] = 0; return hi >>> (n - 32);
}
/** 64-bit arithmetic shift right by n (0..63). */
export function sar64(lo: number, hi: number, n: number): number {
  if (n === 0) { OUT[1] = hi; return lo; }
  if (n < 32) { OUT[1] = hi >> n; return (lo >>> n) | (hi << (32 - n)); }
  OUT[1] = hi >> 31; return hi >> (n - 32);
}

/** 1 when the signed 128-bit product a*b does not fit in 64 bits (imul's CF/OF), else 0. */
export function imulOverflow64(alo: number, ahi: number, blo: number, bhi: number): number {
  // Called from flag evaluation, possibly between a primitive's call and the reads of its OUT
  // results (rcl's rt.OUT[2] after materialising RFLAGS): leave OUT as it was.
  const o0 = OUT[0], o1 = OUT[1], o2 = OUT[2], o3 = OUT[3];
  muls64(alo, ahi, blo, bhi);
  const sign = OUT[1] >> 31;
  const r = OUT[2] !== sign || OUT[3] !== sign ? 1 : 0;
  OUT[0] = o0; OUT[1] = o1; OUT[2] = o2; OUT[3] = o3;
  return r;
}

/** Unsigned 64x64 -> 128 multiply. Product in OUT[0..3] (least significant first). */
export function mulu64(alo: number, ahi: number, blo: number, bhi: number): void {
  // 16-bit limbs keep every partial product below 2^32 and sums below 2^53.
  const a0 = alo & 0xffff, a1 = alo >>> 16, a2 = ahi & 0xffff, a3 = ahi >>> 16;
  const b0 = blo & 0xffff, b1 = blo >>> 16, b2 = bhi & 0xffff, b3 = bhi >>> 16;
  let c = a0 * b0;
  const r0 = c % 65536; c = Math.floor(c / 65536);
  c += a0 * b1 + a1 * b0; const r1 = c % 65536; c = Math.floor(c / 65536);
  c += a0 * b2 + a1 * b1 + a2 * b0; const r2 = c % 65536; c = Math.floor(c / 65536);
  c += a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0; const r3 = c % 65536; c = Math.floor(c / 65536);
  c += a1 * b3 + a2 * b2 + a3 * b1; const r4 = c % 65536; c = Math.floor(c / 65536);
  c += a2 * b3 + a3 * b2; const r5 = c % 65536; c = Math.floor(c / 65536);
  c += a3 * b3; const r6 = c % 65536; c = Math.floor(c / 65536);
  const r7 = c % 65536;
  OUT[0] = r0 | (r1 << 16); OUT[1] = r2 | (r3 << 16); OUT[2] = r4 | (r5 << 16); OUT[3] = r6 | (r7 << 16);
}
/** Signed 64x64 -> 128 multiply into OUT[0..3]. */
export function muls64(alo: number, ahi: number, blo: number, bhi: number): void {
  mulu64(alo, ahi, blo, bhi);
  // (a - 2^64*sa)(b - 2^64*sb) = ab - 2^64(sa*b + sb*a) mod 2^128: fix the high half.
  let h0 = OUT[2], h1 = OUT[3];
  if (ahi < 0) { const t = (h0 >>> 0) - (blo >>> 0); h0 = t | 0; h1 = (h1 - bhi - (t < 0 ? 1 : 0)) | 0; }
  if (bhi < 0) { const t = (h0 >>> 0) - (alo >>> 0); h0 = t | 0; h1 = (h1 - ahi - (t < 0 ? 1 : 0)) | 0; }
  OUT[2] = h0; OUT[3] = h1;
}

/**
 * Unsigned 128/64 divide: (n3:n2:n1:n0) / (d1:d0). Quotient must fit 64 bits (the caller raised #DE
 * otherwise). Quotient in OUT[0..1], remainder in OUT[2..3]. Returns false if the quotient overflows.
 */
export function divu128(n0: number, n1: number, n2: number, n3: number, d0: number, d1: number): boolean {
  const D = (d1 >>> 0) * 4294967296 + (d0 >>> 0);
  // Fast path: dividend and divisor both below 2^53 (exact double arithmetic).
  if (n2 === 0 && n3 === 0 && (n1 >>> 0) < 0x200000 && (d1 >>> 0) < 0x200000) {
    const N = (n1 >>> 0) * 4294967296 + (n0 >>> 0);
    let q = Math.floor(N / D);
    let r = N - q * D;
    if (r < 0) { q -= 1; r += D; } else if (r >= D) { q += 1; r -= D; }
    OUT[0] = q % 4294967296 | 0; OUT[1] = Math.floor(q / 4294967296) | 0;
    OUT[2] = r % 4294967296 | 0; OUT[3] = Math.floor(r / 4294967296) | 0;
    return true;
  }
  // Overflow when the high 64 bits of the dividend >= divisor.
  if ((n3 >>> 0) > (d1 >>> 0) || ((n3 >>> 0) === (d1 >>> 0) && (n2 >>> 0) >= (d0 >>> 0))) return false;
  // Restoring binary long division over 64 quotient bits: remainder starts as the high half.
  let rlo = n2 >>> 0, rhi = n3 >>> 0, qlo = 0, qhi = 0;
  let slo = n0 >>> 0, shi = n1 >>> 0;
  const dl = d0 >>> 0, dh = d1 >>> 0;
  for (let k = 0; k < 64; k++) {
    // (r, s) <<= 1
    const top = rhi >>> 31;
    rhi = ((rhi << 1) | (rlo >>> 31)) >>> 0; rlo = ((rlo << 1) | (shi >>> 31)) >>> 0;
    shi = ((shi << 1) | (slo >>> 31)) >>> 0; slo = (slo << 1) >>> 0;
    qhi = ((qhi << 1) | (qlo >>> 31)) >>> 0; qlo = (qlo << 1) >>> 0;
    if (top || rhi > dh || (rhi === dh && rlo >= dl)) {
      const t = rlo - dl; rlo = t >>> 0; rhi = (rhi - dh - (t < 0 ? 1 : 0)) >>> 0;
      qlo = (qlo | 1) >>> 0;
    }
  }
  OUT[0] = qlo | 0; OUT[1] = qhi | 0; OUT[2] = rlo | 0; OUT[3] = rhi | 0;
  return true;
}

/** Signed 128/64 divide with x86 IDIV rules; returns false on #DE (overflow). */
export function divs128(n0: number, n1: number, n2: number, n3: number, d0: number, d1: number): boolean {
  const nNeg = n3 < 0, dNeg = d1 < 0;
  if (nNeg) { // negate the 128-bit dividend
    n0 = ~n0; n1 = ~n1; n2 = ~n2; n3 = ~n3;
    let t = (n0 >>> 0) + 1; n0 = t | 0; let c = t > 4294967295 ? 1 : 0;
    t = (n1 >>> 0) + c; n1 = t | 0; c = t > 4294967295 ? 1 : 0;
    t = (n2 >>> 0) + c; n2 = t | 0; c = t > 4294967295 ? 1 : 0;
    n3 = (n3 + c) | 0;
  }
  if (dNeg) { d0 = ~d0; d1 = ~d1; const t = (d0 >>> 0) + 1; d0 = t | 0; d1 = (d1 + (t > 4294967295 ? 1 : 0)) | 0; }
  if (!divu128(n0, n1, n2, n3, d0, d1)) return false;
  let q0 = OUT[0], q1 = OUT[1], r0 = OUT[2], r1 = OUT[3];
  const qNeg = nNeg !== dNeg;
  // Quotient magnitude must fit the signed range: <= 2^63 - 1, or 2^63 when negative.
  if ((q1 >>> 0) > 0x80000000 || ((q1 >>> 0) === 0x80000000 && (q0 !== 0 || !qNeg))) return false;
  if (qNeg) { q0 = ~q0; q1 = ~q1; const t = (q0 >>> 0) + 1; q0 = t | 0; q1 = (q1 + (t > 4294967295 ? 1 : 0)) | 0; }
  if (nNeg) { r0 = ~r0; r1 = ~r1; const t = (r0 >>> 0) + 1; r0 = t | 0; r1 = (r1 + (t > 4294967295 ? 1 : 0)) | 0; }
  OUT[0] = q0; OUT[1] = q1; OUT[2] = r0; OUT[3] = r1;
  return true;
}

/** Count of leading zero bits of a 64-bit value (64 for zero). */
export function clz64(lo: number, hi: number): number { return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo); }
/** Count of trailing zero bits of a 64-bit value (64 for zero). */
export function ctz64(lo: number, hi: number): number {
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  if (hi !== 0) return 63 - Math.clz32(hi & -hi);
  return 64;
}
export function popcnt32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
export function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/**
 * RCL/RCR of a size-byte value by n (masked count, non-zero) through carry cf. Returns the low half,
 * high half in OUT[1], and the new CF/OF bits (as RFLAGS bits) in OUT[2].
 */
export function rcx(left: number, size: number, lo: number, hi: number, n: number, cf: number): number {
  const bits = size * 8;
  n = n % (bits + 1);
  let rl = lo, rh = size === 8 ? hi : 0;
  let c = cf;
  // Bit-serial: counts are small and these instructions are rare; clarity wins over speed.
  for (let k = 0; k < n; k++) {
    if (left) {
      const out = size === 8 ? rh >>> 31 : (rl >>> (bits - 1)) & 1;
      if (size === 8) { rh = (rh << 1) | (rl >>> 31); rl = (rl << 1) | c; }
      else rl = ((rl << 1) | c) & (bits === 32 ? -1 : (1 << bits) - 1);
      c = out;
    } else {
      const out = rl & 1;
      if (size === 8) { rl = (rl >>> 1) | (rh << 31); rh = (rh >>> 1) | (c << 31); }
      else rl = (rl >>> 1) | (c << (bits - 1));
      c = out;
    }
  }
  if (bits === 32) rl |= 0;
  const msb = size === 8 ? rh >>> 31 : (rl >>> (bits - 1)) & 1;
  const msb2 = size === 8 ? (rh >>> 30) & 1 : (rl >>> (bits - 2)) & 1;
  // RCL: OF = MSB(result) XOR CF; RCR: OF = XOR of the two most significant bits (SDM, count 1).
  const of = left ? msb ^ c : msb ^ msb2;
  OUT[1] = rh; OUT[2] = (c ? 1 : 0) | (of ? 0x800 : 0);
  return rl;
}

/**
 * SHLD/SHRD: shift dst (a) by n (1..63 masked), filling from src (b). Returns the low half of the result,
 * high half in OUT[1], and in OUT[2..3] the value whose top (SHLD) or bottom (SHRD) bit is the last bit
 * shifted out, shaped for the SHL/SHR lazy-flag record.
 */
export function shxd(left: number, size: number, alo: number, ahi: number, blo: number, bhi: number, n: number): number {
  const bits = size * 8;
  // Build the 2*bits-wide concatenation in 16-bit-safe pieces via 64-bit helpers.
  if (size === 8) {
    if (left) {
      const rlo = shl64(alo, ahi, n), rhi = OUT[1];
      const flo = shr64(blo, bhi, 64 - n), fhi = OUT[1];
      const plo = shl64(alo, ahi, n - 1), phi = OUT[1];
      OUT[1] = rhi | fhi; OUT[2] = plo; OUT[3] = phi;
      return rlo | flo;
    }
    const rlo = shr64(alo, ahi, n), rhi = OUT[1];
    const flo = shl64(blo, bhi, 64 - n), fhi = OUT[1];
    const plo = shr64(alo, ahi, n - 1), phi = OUT[1];
    OUT[1] = rhi | fhi; OUT[2] = plo; OUT[3] = phi;
    return rlo | flo;
  }
  const mask = bits === 32 ? -1 : (1 << bits) - 1;
  // For 16-bit operands a count above 16 is undefined; compute as the concatenation rotated (as Intel).
  const wide = size === 4 ? 0 : 1;
  if (wide) {
    // 16-bit: concatenate into 32 bits: dst:src (left) or src:dst (right).
    if (left) {
      const cat = ((alo & 0xffff) << 16) | (blo & 0xffff);
      const r = n < 32 ? (cat << n) | (n > 16 ? (alo & 0xffff) << (n - 16) : 0) : 0;
      OUT[1] = 0; OUT[2] = ((alo << (n - 1)) | (n > 1 ? (blo & 0xffff) >>> (17 - n) : 0)) & mask; OUT[3] = 0;
      return (r >>> 16) & mask;
    }
    const cat = ((blo & 0xffff) << 16) | (alo & 0xffff);
    OUT[1] = 0; OUT[2] = (cat >>> (n - 1)) & mask; OUT[3] = 0;
    return (n < 32 ? cat >>> n : 0) & mask;
  }
  if (left) {
    OUT[1] = 0; OUT[2] = alo << (n - 1) | (n > 1 ? blo >>> (33 - n) : 0); OUT[3] = 0;
    return (alo << n) | (blo >>> (32 - n));
  }
  OUT[1] = 0; OUT[2] = (alo >>> (n - 1)) | (n > 1 ? blo << (33 - n) : 0); OUT[3] = 0;
  return (alo >>> n) | (blo << (32 - n));
}
