// The fixed address-space layout shared by the native runner (test/native/runner.c) and the ringjit side
// of the differential fuzzer, and the deterministic fillers both sides use (mulberry32, as in runner.c).

/** The page holding the case's instructions. */
export const CODE_BASE = 0x10000000;
/** Offset of the "taken" trampoline: every generated branch targets CODE_BASE + TAKEN_OFF. */
export const TAKEN_OFF = 0x40;
export const TAKEN_ADDR = CODE_BASE + TAKEN_OFF;
/** Longest instruction sequence (the fall-through trampoline, 5 bytes, must fit before TAKEN_OFF). */
export const MAX_CODE = TAKEN_OFF - 5;
/** Two read-write pages, then one read-only page; guard areas around are unmapped (faults). */
export const SCRATCH_BASE = 0x20000000;
export const RW_BYTES = 0x2000;
export const RO_BYTES = 0x1000;
export const SCRATCH_END = SCRATCH_BASE + RW_BYTES + RO_BYTES;
export const RO_SEED = 0x5eed5eed;
export const MAGIC = 0x4a474e52;

/** mulberry32 step (identical to prng_next in runner.c). State is a one-element Uint32Array/Int32Array. */
export function mulberry32(s: Uint32Array): number {
  s[0] = (s[0] + 0x6d2b79f5) >>> 0;
  let t = s[0];
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** Scratch memory words: the same edge-biased stream as fill_words in runner.c. */
export function fillWords(seed: number, out: Uint8Array): void {
  const s = new Uint32Array([seed >>> 0]);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let k = 0; k + 4 <= out.length; k += 4) {
    let v = mulberry32(s);
    switch (v & 15) {
      case 0: v = 0; break;
      case 1: v = 0xffffffff; break;
      case 2: v = 0x80000000; break;
      case 3: v = 0x7fffffff; break;
      case 4: v &= 0xff; break;
      default: break;
    }
    dv.setUint32(k, v >>> 0, true);
  }
}

const XMM_EDGE = [0, 0xffffffff, 0x80000000, 0x7fffffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00000, 0x00000001,
  0x3f800000, 0xbf800000, 0x7ff00000, 0xfff80000, 0x3ff00000, 0x00800000, 0x4f000000];

/** XMM0..15 (256 bytes) from a seed: the same stream as fill_xmm in runner.c. */
export function fillXmm(seed: number, out: Int32Array): void {
  const s = new Uint32Array([seed >>> 0]);
  for (let k = 0; k < 64; k++) {
    let v = mulberry32(s);
    if ((v & 3) === 0) v = XMM_EDGE[(v >>> 2) & 15];
    out[k] = v | 0;
  }
}

/** A seeded generator for the fuzzer's own choices. */
export class Rng {
  private readonly s: Uint32Array;
  constructor(seed: number) { this.s = new Uint32Array([seed >>> 0]); }
  u32(): number { return mulberry32(this.s); }
  /** 0 <= n < k */
  int(k: number): number { return k <= 1 ? 0 : Math.floor((this.u32() / 4294967296) * k); }
  chance(p: number): boolean { return this.u32() / 4294967296 < p; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
}
