// Scratch storage shared by the SIMD primitives (no allocation per executed instruction).
//
// A memory source operand is loaded by generated code into SRC (rt.SRC) and the primitive is called
// with source register number 16, meaning "the scratch source". Primitives whose result lanes depend on
// other lanes (shuffles, packs, unpacks, byte shifts) copy their operands into A/B and build the result
// in Rs before writing the destination, so a destination that is also a source reads its old value.

const BUF = new ArrayBuffer(48);
/** The scratch source operand (16 bytes), written by generated code for memory operands. */
export const SRC = new Int32Array(BUF, 16, 4);
/** SRC as doubles / floats: the inline fast paths (fastfp.ts) read a loaded memory operand through these
 * instead of converting bits by hand, and the exact primitive still finds the same bits in SRC. */
export const SRCF64 = new Float64Array(BUF, 16, 2);
export const SRCF32 = new Float32Array(BUF, 16, 4);

export const A32 = new Int32Array(BUF, 0, 4);
export const B32 = SRC;
export const R32 = new Int32Array(BUF, 32, 4);
export const A8 = new Uint8Array(BUF, 0, 16);
export const B8 = new Uint8Array(BUF, 16, 16);
export const R8 = new Uint8Array(BUF, 32, 16);
export const AS8 = new Int8Array(BUF, 0, 16);
export const BS8 = new Int8Array(BUF, 16, 16);
export const RS8 = new Int8Array(BUF, 32, 16);
export const A16 = new Int16Array(BUF, 0, 8);
export const B16 = new Int16Array(BUF, 16, 8);
export const R16 = new Int16Array(BUF, 32, 8);
export const AU16 = new Uint16Array(BUF, 0, 8);
export const BU16 = new Uint16Array(BUF, 16, 8);
export const RU16 = new Uint16Array(BUF, 32, 8);

/** Source register number that means "the scratch source SRC". */
export const SCRATCH = 16;

/** Copy xmm d into A and (unless it is the scratch source) xmm s into B. */
export function ld2(x: Int32Array, d: number, s: number): void {
  const o = d << 2;
  A32[0] = x[o]; A32[1] = x[o + 1]; A32[2] = x[o + 2]; A32[3] = x[o + 3];
  if (s < 16) { const p = s << 2; B32[0] = x[p]; B32[1] = x[p + 1]; B32[2] = x[p + 2]; B32[3] = x[p + 3]; }
}
/** Copy xmm s into B unless it is the scratch source. */
export function ld1(x: Int32Array, s: number): void {
  if (s < 16) { const p = s << 2; B32[0] = x[p]; B32[1] = x[p + 1]; B32[2] = x[p + 2]; B32[3] = x[p + 3]; }
}
/** Write the result R to xmm d. */
export function st(x: Int32Array, d: number): void {
  const o = d << 2;
  x[o] = R32[0]; x[o + 1] = R32[1]; x[o + 2] = R32[2]; x[o + 3] = R32[3];
}
