// Restoring the SSE/x87 environment: fxrstor (512-byte area) and fldenv (28-byte protected-mode
// environment); the saving side is emitted as ordinary stores in fpenv.ts. These primitives take the
// memory interface `M` as an argument and read everything before changing any state, so a fault leaves
// everything untouched.

/** The memory operations these primitives use (the runtime's Mmu). */
export interface Mem {
  hi: number;
  rd16(lo: number, hi: number): number;
  rd32(lo: number, hi: number): number;
  rd64(lo: number, hi: number): number;
  probe(lo: number, hi: number, len: number, access: number): void;
}
type Cpu = { xmm: Int32Array; mxcsr: number; fpuCw: number; fpuSw: number; fpr: Int32Array; fpuTag: number };
const FREGS = new Int32Array(24);

/** MXCSR bits software may set (MXCSR_MASK: DAZ supported, bits 16-31 reserved). */
export const MXCSR_MASK = 0xffff;

function lo(l: number, k: number): number { return (l + k) | 0; }
function hi(l: number, h: number, k: number): number { return (l >>> 0) + k > 0xffffffff ? (h + 1) | 0 : h; }

const XSAVE = new Int32Array(64);

/** fxrstor / fxrstor64. Returns 1 (caller raises #GP(0)) when the saved MXCSR has reserved bits set. */
export function fxrstor(cpu: Cpu, M: Mem, l: number, h: number, nx: number): number {
  M.probe(l, h, 512, 0);
  const cwsw = M.rd32(l, h);
  const mx = M.rd32(lo(l, 24), hi(l, h, 24));
  if ((mx & ~MXCSR_MASK) !== 0) return 1;
  for (let r = 0; r < nx; r++) {
    const k = 160 + 16 * r;
    XSAVE[4 * r] = M.rd64(lo(l, k), hi(l, h, k)); XSAVE[4 * r + 1] = M.hi;
    XSAVE[4 * r + 2] = M.rd64(lo(l, k + 8), hi(l, h, k + 8)); XSAVE[4 * r + 3] = M.hi;
  }
  const tag = M.rd16(lo(l, 4), hi(l, h, 4)) & 0xff;
  for (let k = 0; k < 8; k++) {
    const o = 32 + 16 * k;
    FREGS[3 * k] = M.rd64(lo(l, o), hi(l, h, o)); FREGS[3 * k + 1] = M.hi;
    FREGS[3 * k + 2] = M.rd16(lo(l, o + 8), hi(l, h, o + 8));
  }
  cpu.fpuCw = (cwsw & 0x1f3f) | 0x40; cpu.fpuSw = cwsw >>> 16; cpu.mxcsr = mx; cpu.fpuTag = tag;
  const top = (cpu.fpuSw >>> 11) & 7;
  for (let k = 0; k < 8; k++) {
    const o = ((top + k) & 7) << 2;
    cpu.fpr[o] = FREGS[3 * k]; cpu.fpr[o + 1] = FREGS[3 * k + 1]; cpu.fpr[o + 2] = FREGS[3 * k + 2];
  }
  for (let k = 0; k < 4 * nx; k++) cpu.xmm[k] = XSAVE[k];
  return 0;
}

/** fldenv: control and status words from the 28-byte environment. */
export function fldenv(cpu: Cpu, M: Mem, l: number, h: number): void {
  M.probe(l, h, 28, 0);
  const cw = M.rd16(l, h), sw = M.rd16(lo(l, 4), hi(l, h, 4)), tw = M.rd16(lo(l, 8), hi(l, h, 8));
  cpu.fpuCw = (cw & 0x1f3f) | 0x40; cpu.fpuSw = sw;
  let m = 0;
  for (let p = 0; p < 8; p++) if (((tw >>> (2 * p)) & 3) !== 3) m |= 1 << p;
  cpu.fpuTag = m;
}
