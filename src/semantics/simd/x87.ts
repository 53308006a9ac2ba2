// Saving and restoring the SSE/x87 environment: fxsave/fxrstor (512-byte area), fnstenv/fldenv
// (28-byte protected-mode environment). x87 arithmetic is not modelled: the x87 part holds the control
// and status words, an all-empty tag word and zero registers/pointers.
// These primitives take the memory interface `M` as an argument; all reads happen before any state
// is changed, and stores are probed first, so a fault leaves everything untouched.

/** The memory operations these primitives use (the runtime's Mmu). */
export interface Mem {
  hi: number;
  rd16(lo: number, hi: number): number;
  rd32(lo: number, hi: number): number;
  rd64(lo: number, hi: number): number;
  wr16(lo: number, hi: number, v: number): void;
  wr32(lo: number, hi: number, v: number): void;
  wr64(lo: number, hi: number, vlo: number, vhi: number): void;
  probe(lo: number, hi: number, len: number, access: number): void;
}
type Cpu = { xmm: Int32Array; mxcsr: number; fpuCw: number; fpuSw: number };

/** MXCSR bits software may set (MXCSR_MASK: DAZ supported, bits 16-31 reserved). */
export const MXCSR_MASK = 0xffff;

function lo(l: number, k: number): number { return (l + k) | 0; }
function hi(l: number, h: number, k: number): number { return (l >>> 0) + k > 0xffffffff ? (h + 1) | 0 : h; }

const XSAVE = new Int32Array(64);

/** fxsave / fxsave64 to a 16-byte-aligned area (the caller checked alignment). nx = number of xmm regs saved. */
export function fxsave(cpu: Cpu, M: Mem, l: number, h: number, nx: number): void {
  M.probe(l, h, 512, 1);
  // Bytes 0-7: FCW, FSW, abridged FTW (0 = all empty), reserved, FOP; 8-23: FPU IP/DP (zero).
  M.wr32(l, h, (cpu.fpuCw & 0xffff) | ((cpu.fpuSw & 0xffff) << 16));
  M.wr32(lo(l, 4), hi(l, h, 4), 0);
  M.wr64(lo(l, 8), hi(l, h, 8), 0, 0);
  M.wr64(lo(l, 16), hi(l, h, 16), 0, 0);
  M.wr32(lo(l, 24), hi(l, h, 24), cpu.mxcsr);
  M.wr32(lo(l, 28), hi(l, h, 28), MXCSR_MASK);
  for (let k = 32; k < 160; k += 8) M.wr64(lo(l, k), hi(l, h, k), 0, 0);
  const x = cpu.xmm;
  for (let r = 0; r < nx; r++) {
    const k = 160 + 16 * r;
    M.wr64(lo(l, k), hi(l, h, k), x[4 * r], x[4 * r + 1]);
    M.wr64(lo(l, k + 8), hi(l, h, k + 8), x[4 * r + 2], x[4 * r + 3]);
  }
}

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
  cpu.fpuCw = cwsw & 0xffff; cpu.fpuSw = cwsw >>> 16; cpu.mxcsr = mx;
  for (let k = 0; k < 4 * nx; k++) cpu.xmm[k] = XSAVE[k];
  return 0;
}

/** fnstenv: the 28-byte environment (32/64-bit layout), then all x87 exceptions become masked. */
export function fnstenv(cpu: Cpu, M: Mem, l: number, h: number): void {
  M.probe(l, h, 28, 1);
  M.wr32(l, h, (cpu.fpuCw & 0xffff) | 0xffff0000);
  M.wr32(lo(l, 4), hi(l, h, 4), (cpu.fpuSw & 0xffff) | 0xffff0000);
  M.wr32(lo(l, 8), hi(l, h, 8), -1); // tag word: all empty
  M.wr64(lo(l, 12), hi(l, h, 12), 0, 0); // FPU IP, CS + opcode
  M.wr64(lo(l, 20), hi(l, h, 20), 0, 0xffff0000 | 0); // FPU DP, DS
  cpu.fpuCw |= 0x3f;
}
/** fldenv: control and status words from the 28-byte environment. */
export function fldenv(cpu: Cpu, M: Mem, l: number, h: number): void {
  M.probe(l, h, 28, 0);
  const cw = M.rd16(l, h), sw = M.rd16(lo(l, 4), hi(l, h, 4));
  cpu.fpuCw = cw; cpu.fpuSw = sw;
}
