// SSE2 integer lane primitives (and the shuffles shared with the ps/pd forms). Signature
// (cpu, d, s[, imm]): destination xmm d, source xmm s or 16 = the scratch source SRC. The hot integer
// instructions (add/sub/compare/min/max on bytes and words, unpacks, pmovmskb) are inline in the
// generated code (integer.ts, swar.ts); the shuffles and immediate shifts here serve the interpreter's
// generic handlers, where the immediate is only known at run time.

import {
  A16, A32, A8, AS8, AU16, B16, B32, B8, BS8, BU16, R16, R32, R8, RS8, RU16, SRC, ld1, ld2, st,
} from './scratch.js';

type Cpu = { xmm: Int32Array };

function sat8s(v: number): number { return v < -128 ? -128 : v > 127 ? 127 : v; }
function sat8u(v: number): number { return v < 0 ? 0 : v > 255 ? 255 : v; }
function sat16s(v: number): number { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }
function sat16u(v: number): number { return v < 0 ? 0 : v > 65535 ? 65535 : v; }

/** Byte/word-lane binary operations by number (the generated code passes a constant). */
export const enum IOp {
  PADDSB, PADDSW, PADDUSB, PADDUSW, PSUBSB, PSUBSW, PSUBUSB, PSUBUSW, PAVGB, PAVGW, PMULLW, PMULHW, PMULHUW,
}

/** The byte/word lane operations: R = A op B lane-wise. */
export function pbin(cpu: Cpu, op: number, d: number, s: number): void {
  ld2(cpu.xmm, d, s);
  let k = 0;
  switch (op) {
    case IOp.PADDSB: for (; k < 16; k++) RS8[k] = sat8s(AS8[k] + BS8[k]); break;
    case IOp.PADDSW: for (; k < 8; k++) R16[k] = sat16s(A16[k] + B16[k]); break;
    case IOp.PADDUSB: for (; k < 16; k++) R8[k] = sat8u(A8[k] + B8[k]); break;
    case IOp.PADDUSW: for (; k < 8; k++) RU16[k] = sat16u(AU16[k] + BU16[k]); break;
    case IOp.PSUBSB: for (; k < 16; k++) RS8[k] = sat8s(AS8[k] - BS8[k]); break;
    case IOp.PSUBSW: for (; k < 8; k++) R16[k] = sat16s(A16[k] - B16[k]); break;
    case IOp.PSUBUSB: for (; k < 16; k++) R8[k] = sat8u(A8[k] - B8[k]); break;
    case IOp.PSUBUSW: for (; k < 8; k++) RU16[k] = sat16u(AU16[k] - BU16[k]); break;
    case IOp.PAVGB: for (; k < 16; k++) R8[k] = (A8[k] + B8[k] + 1) >> 1; break;
    case IOp.PAVGW: for (; k < 8; k++) RU16[k] = (AU16[k] + BU16[k] + 1) >> 1; break;
    case IOp.PMULLW: for (; k < 8; k++) R16[k] = Math.imul(A16[k], B16[k]); break;
    case IOp.PMULHW: for (; k < 8; k++) R16[k] = Math.imul(A16[k], B16[k]) >> 16; break;
    case IOp.PMULHUW: for (; k < 8; k++) R16[k] = (AU16[k] * BU16[k]) >>> 16; break;
  }
  st(cpu.xmm, d);
}

/** pmuludq: unsigned dword 0 x dword 0 and dword 2 x dword 2 -> two quadwords. */
export function pmuludq(cpu: Cpu, d: number, s: number): void {
  ld2(cpu.xmm, d, s);
  for (let k = 0; k < 4; k += 2) {
    const a = A32[k] >>> 0, b = B32[k] >>> 0;
    const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
    const mid = a1 * b0 + a0 * b1; // < 2^33
    const low = a0 * b0 + (mid % 65536) * 65536; // < 2^49
    R32[k] = low % 4294967296 | 0;
    R32[k + 1] = (a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / 4294967296)) | 0;
  }
  st(cpu.xmm, d);
}
/** pmaddwd: dword k = a[2k]*b[2k] + a[2k+1]*b[2k+1] (signed words; wraps only for 4 x -32768). */
export function pmaddwd(cpu: Cpu, d: number, s: number): void {
  ld2(cpu.xmm, d, s);
  for (let k = 0; k < 4; k++) R32[k] = (A16[2 * k] * B16[2 * k] + A16[2 * k + 1] * B16[2 * k + 1]) | 0;
  st(cpu.xmm, d);
}
/** psadbw: per 8-byte half, the sum of absolute byte differences in the low word of the quadword. */
export function psadbw(cpu: Cpu, d: number, s: number): void {
  ld2(cpu.xmm, d, s);
  for (let h = 0; h < 2; h++) {
    let sum = 0;
    for (let k = 8 * h; k < 8 * h + 8; k++) sum += Math.abs(A8[k] - B8[k]);
    R32[2 * h] = sum; R32[2 * h + 1] = 0;
  }
  st(cpu.xmm, d);
}

// ---- packs and unpacks ------------------------------------------------------------------------------

/** packsswb (0), packssdw (1), packuswb (2): the destination's elements form the low half. */
export function pack(cpu: Cpu, kind: number, d: number, s: number): void {
  ld2(cpu.xmm, d, s);
  if (kind === 0) for (let k = 0; k < 8; k++) { RS8[k] = sat8s(A16[k]); RS8[k + 8] = sat8s(B16[k]); }
  else if (kind === 1) for (let k = 0; k < 4; k++) { R16[k] = sat16s(A32[k]); R16[k + 4] = sat16s(B32[k]); }
  else for (let k = 0; k < 8; k++) { R8[k] = sat8u(A16[k]); R8[k + 8] = sat8u(B16[k]); }
  st(cpu.xmm, d);
}
// ---- shuffles ---------------------------------------------------------------------------------------

/** pshufd: dword k = source dword (imm >> 2k) & 3. */
export function pshufd(cpu: Cpu, d: number, s: number, imm: number): void {
  ld1(cpu.xmm, s);
  const x = cpu.xmm, o = d << 2;
  for (let k = 0; k < 4; k++) x[o + k] = B32[(imm >> (2 * k)) & 3];
}
/** pshuflw (high = 0) / pshufhw (high = 1): shuffle four words of one half, copy the other half. */
export function pshufw4(cpu: Cpu, high: number, d: number, s: number, imm: number): void {
  ld1(cpu.xmm, s);
  R32[0] = B32[0]; R32[1] = B32[1]; R32[2] = B32[2]; R32[3] = B32[3];
  const b = high ? 4 : 0;
  for (let k = 0; k < 4; k++) R16[b + k] = B16[b + ((imm >> (2 * k)) & 3)];
  st(cpu.xmm, d);
}
/** shufps: lanes 0-1 from the destination, 2-3 from the source, selected by imm8. */
export function shufps(cpu: Cpu, d: number, s: number, imm: number): void {
  ld2(cpu.xmm, d, s);
  R32[0] = A32[imm & 3]; R32[1] = A32[(imm >> 2) & 3]; R32[2] = B32[(imm >> 4) & 3]; R32[3] = B32[(imm >> 6) & 3];
  st(cpu.xmm, d);
}
/** shufpd: qword 0 from the destination (imm bit 0), qword 1 from the source (imm bit 1). */
export function shufpd(cpu: Cpu, d: number, s: number, imm: number): void {
  ld2(cpu.xmm, d, s);
  const a = (imm & 1) * 2, b = ((imm >> 1) & 1) * 2;
  R32[0] = A32[a]; R32[1] = A32[a + 1]; R32[2] = B32[b]; R32[3] = B32[b + 1];
  st(cpu.xmm, d);
}

// ---- shifts -----------------------------------------------------------------------------------------

/** Shift count of the register/memory forms: the source's low quadword, saturated to 255. */
export function shcnt(cpu: Cpu, s: number): number {
  const x = cpu.xmm;
  const lo = s < 16 ? x[s << 2] : SRC[0], hi = s < 16 ? x[(s << 2) + 1] : SRC[1];
  return hi !== 0 || (lo >>> 0) > 255 ? 255 : lo;
}
/** Element shifts. kind: 0 psrlw, 1 psraw, 2 psllw, 3 psrld, 4 psrad, 5 pslld, 6 psrlq, 7 psllq. */
export function psh(cpu: Cpu, kind: number, d: number, n: number): void {
  ld2(cpu.xmm, d, 16);
  let k = 0;
  switch (kind) {
    case 0: for (; k < 8; k++) RU16[k] = n > 15 ? 0 : AU16[k] >>> n; break;
    case 1: for (; k < 8; k++) R16[k] = A16[k] >> (n > 15 ? 15 : n); break;
    case 2: for (; k < 8; k++) R16[k] = n > 15 ? 0 : A16[k] << n; break;
    case 3: for (; k < 4; k++) R32[k] = n > 31 ? 0 : A32[k] >>> n; break;
    case 4: for (; k < 4; k++) R32[k] = A32[k] >> (n > 31 ? 31 : n); break;
    case 5: for (; k < 4; k++) R32[k] = n > 31 ? 0 : A32[k] << n; break;
    case 6:
      for (; k < 4; k += 2) {
        const lo = A32[k], hi = A32[k + 1];
        if (n > 63) { R32[k] = 0; R32[k + 1] = 0; } else if (n === 0) { R32[k] = lo; R32[k + 1] = hi; } else if (n < 32) { R32[k] = (lo >>> n) | (hi << (32 - n)); R32[k + 1] = hi >>> n; } else { R32[k] = hi >>> (n - 32); R32[k + 1] = 0; }
      }
      break;
    default:
      for (; k < 4; k += 2) {
        const lo = A32[k], hi = A32[k + 1];
        if (n > 63) { R32[k] = 0; R32[k + 1] = 0; } else if (n === 0) { R32[k] = lo; R32[k + 1] = hi; } else if (n < 32) { R32[k] = lo << n; R32[k + 1] = (hi << n) | (lo >>> (32 - n)); } else { R32[k] = 0; R32[k + 1] = lo << (n - 32); }
      }
  }
  st(cpu.xmm, d);
}
/** psrldq (left = 0) / pslldq (left = 1): whole-register byte shift by imm8 (>= 16 clears). */
export function pshdq(cpu: Cpu, left: number, d: number, n: number): void {
  ld2(cpu.xmm, d, 16);
  for (let k = 0; k < 16; k++) {
    const j = left ? k - n : k + n;
    R8[k] = j >= 0 && j < 16 ? A8[j] : 0;
  }
  st(cpu.xmm, d);
}

// ---- extraction and insertion ---------------------------------------------------------------------------

export function pextrw(cpu: Cpu, s: number, imm: number): number {
  const v = cpu.xmm[(s << 2) + ((imm & 7) >> 1)];
  return imm & 1 ? v >>> 16 : v & 0xffff;
}
export function pinsrw(cpu: Cpu, d: number, v: number, imm: number): void {
  const x = cpu.xmm, k = (d << 2) + ((imm & 7) >> 1);
  x[k] = imm & 1 ? (x[k] & 0xffff) | (v << 16) : (x[k] & -65536) | (v & 0xffff);
}
/** pmovmskb: the top bit of each byte. */
export function pmovmskb(cpu: Cpu, s: number): number {
  const x = cpu.xmm, o = s << 2;
  let m = 0;
  for (let k = 3; k >= 0; k--) {
    const v = x[o + k];
    m = (m << 4) | ((v >>> 7) & 1) | ((v >>> 14) & 2) | ((v >>> 21) & 4) | ((v >>> 28) & 8);
  }
  return m;
}
/** movmskps (double = 0) / movmskpd (double = 1): the sign bits. */
export function movmsk(cpu: Cpu, double: number, s: number): number {
  const x = cpu.xmm, o = s << 2;
  if (double) return (x[o + 1] >>> 31) | ((x[o + 3] >>> 31) << 1);
  return (x[o] >>> 31) | ((x[o + 1] >>> 31) << 1) | ((x[o + 2] >>> 31) << 2) | ((x[o + 3] >>> 31) << 3);
}
