// Inline fast paths for the SSE floating-point arithmetic, emitted by the semantics so both engines
// share them. Each computes the result with plain JS arithmetic on the lanes (read through the
// Float64Array/Float32Array views that alias cpu.xmm, or through rt.SRCF64/SRCF32 for a memory operand
// already loaded into rt.SRC) and stores it only when that is provably what the exact primitive
// (fprims.ts) would produce with no new MXCSR flag:
//   - MXCSR is "fast" (fpcore.ts FP.fast: round to nearest, every exception masked, no DAZ/FTZ, PE
//     already set), tested inline on cpu.mxcsr itself rather than on a cached flag, so no writer of
//     MXCSR (ldmxcsr, fxrstor, the ELF loader, the sticky flags the primitives set, any future
//     signal-frame restore) has to keep a copy in sync;
//   - every operand and result is a finite normal number: no NaN (IE, propagation), no denormal (DE;
//     DAZ would change the value), no overflow (OE) or tiny result (UE), no zeros (left to binD's
//     own fast path, rarely hot).
// JS + - * / and Math.sqrt are IEEE round-to-nearest-even, so under those conditions the bits are the
// exact path's bits, and the only flag it could set (PE) is already set. Anything else calls the
// exact primitive, unchanged, for the whole instruction (a packed instruction takes the fast path only
// when every lane qualifies). Floats are computed in double and rounded once with Math.fround, which
// is correctly rounded for + - * / sqrt (fpcore.ts). min/max and comis set no flag for ordered
// non-denormal operands whatever MXCSR says, so their fast paths do not test it; comis accepts zeros.

import { type Emitter, type Semantics } from '../emit.js';
import { SCR, THROW_XM, src, xr } from './common.js';
import { FOp } from './fprims.js';

export type Shape = 'ss' | 'sd' | 'ps' | 'pd';
/** Memory operand size and alignment of each shape. */
export const MEM: Record<Shape, [number, boolean]> = { ss: [4, false], sd: [8, false], ps: [16, true], pd: [16, true] };

const MIN_D = '2.2250738585072014e-308';
const MIN_F = '1.1754943508222875e-38';
/** MXCSR = 0x1f80 | PE, ignoring the other sticky flags (bits 0-4): (mxcsr & 0xffe0) === 0x1fa0. */
export const MXCSR_FAST = '(cpu.mxcsr & 65504) === 8096';

/** Lane access for a shape: the view, lanes per register, the source view/offset (memory: rt.SRC). */
interface Lanes { X: string; S: string; d0: number; s0: number; n: number; min: string; dbl: boolean }
function lanes(shape: Shape, d: number, s: number): Lanes {
  const dbl = shape[1] === 'd';
  const per = dbl ? 2 : 4;
  // Views and lanes are read in place rather than copied to locals (few locals: see the note above common.ts loadLanes).
  const X = dbl ? 'cpu.xmmF64' : 'cpu.xmmF32';
  const S = s === SCR ? (dbl ? 'rt.SRCF64' : 'rt.SRCF32') : X;
  return { X, S, d0: d * per, s0: s === SCR ? 0 : s * per, n: shape[0] === 's' ? 1 : per, min: dbl ? MIN_D : MIN_F, dbl };
}
/** Neither NaN nor denormal (infinities pass): comis's operand test. */
function okOperand(v: string, min: string): string { return `(Math.abs(${v}) >= ${min} || ${v} === 0)`; }

/** One lane's fast-path result, the values whose magnitude must be normal (>= min: no NaN, no zero,
 * no denormal) and the results that must be finite. */
interface Lane { r: string; normal: string[]; finite: string[] }
function lane(e: Emitter, op: FOp, L: Lanes, k: number): Lane {
  const b = `${L.S}[${L.s0 + k}]`, a = `${L.X}[${L.d0 + k}]`;
  const rnd = (x: string) => (L.dbl ? x : `Math.fround(${x})`);
  // sqrt of a positive normal is normal; a negative operand (root NaN) and +inf fail the finiteness
  // test of the root.
  if (op === FOp.SQRT) { const r = e.tmp(rnd(`Math.sqrt(${b})`)); return { r, normal: [b], finite: [r] }; }
  const ops = a === b ? [a] : [a, b]; // mulsd x, x: one test
  // min/max return the second operand unless the first is strictly smaller/greater.
  if (op === FOp.MIN) return { r: e.tmp(`${a} < ${b} ? ${a} : ${b}`), normal: ops, finite: [] };
  if (op === FOp.MAX) return { r: e.tmp(`${a} > ${b} ? ${a} : ${b}`), normal: ops, finite: [] };
  const sym = op === FOp.ADD ? '+' : op === FOp.SUB ? '-' : op === FOp.MUL ? '*' : '/';
  const r = e.tmp(rnd(`${a} ${sym} ${b}`));
  return { r, normal: [...ops, r], finite: [r] };
}

/**
 * add/sub/mul/div/min/max/sqrt ss/sd/ps/pd: the inline fast path, else rt.f<shape> (exact).
 *
 * The inline test is deliberately narrow: |x| >= MIN_NORMAL for every operand and result (which also
 * excludes NaN, zeros and denormals) and |r| < Infinity. Zero operands or results (exact in binD's
 * cases) go to the primitive, whose own fast path still handles them cheaply. The size of this test
 * matters as much as the arithmetic, since V8 compiles a hot region once or twice (measured on nbody's
 * main region, TurboFan time / steady-state CPU): accepting binD's zero cases inline cost ~25% more
 * compile time; one Math.min over all magnitudes compiled fastest but ran ~8% slower; combining the
 * comparisons with bitwise & | instead of && was slower at run time than either.
 */
export function arith(op: FOp, shape: Shape): Semantics {
  return (e) => {
    const d = xr(e, 0);
    const s = src(e, 1, ...MEM[shape]);
    const L = lanes(shape, d, s);
    const normal: string[] = [], finite: string[] = [], writes: string[] = [];
    // All lanes are read and computed before any is written (the source may be the destination).
    for (let k = 0; k < L.n; k++) {
      const l = lane(e, op, L, k);
      normal.push(...l.normal); finite.push(...l.finite);
      writes.push(`${L.X}[${L.d0 + k}] = ${l.r};`);
    }
    const abs = (v: string) => `Math.abs(${v})`;
    const ok = [...new Set(normal)].map((v) => `${abs(v)} >= ${L.min}`).concat(finite.map((v) => `${abs(v)} < Infinity`));
    // min/max raise nothing for normal operands whatever MXCSR holds (no rounding, no DAZ effect).
    if (op !== FOp.MIN && op !== FOp.MAX) ok.unshift(`(${MXCSR_FAST})`);
    e.line(`if (${ok.join(' && ')}) { ${writes.join(' ')} } else if (rt.f${shape}(cpu, ${op}, ${d}, ${s}) !== 0) ${THROW_XM}`);
  };
}

/** comisd/ucomisd/comiss/ucomiss: ZF/PF/CF (less 001, equal 100, greater 000), OF/SF/AF cleared. Ordered
 * non-denormal operands (zeros included: x > 0 is a common test) raise nothing in any MXCSR state;
 * NaNs and denormals go to rt.comis. */
export function comis(double: boolean, signal: boolean): Semantics {
  return (e) => {
    const d = xr(e, 0);
    const s = src(e, 1, double ? 8 : 4, false);
    const L = lanes(double ? 'sd' : 'ss', d, s);
    const a = `${L.X}[${L.d0}]`, b = `${L.S}[${L.s0}]`;
    const f = e.tmp(`${okOperand(a, L.min)} && ${okOperand(b, L.min)} ? (${a} < ${b} ? 1 : ${a} === ${b} ? 64 : 0) ` +
      `: rt.comis(cpu, ${double ? 1 : 0}, ${d}, ${s}, ${signal ? 1 : 0})`);
    e.line(`if (${f} < 0) ${THROW_XM}`);
    e.setStatusFlags(f);
  };
}

/** cvtsi2sd / cvtsi2ss xmm, r/m32|64: integers the target format represents exactly convert with no flag
 * in any MXCSR state (int32 -> double always; int64 -> double below 2^53; -> float below 2^24). */
export function cvtsi(double: boolean): Semantics {
  return (e) => {
    const d = xr(e, 0);
    const size = e.size(1) === 8 ? 8 : 4;
    const v = e.read(1, size);
    const slow = ` else if (rt.cvtsi2s${double ? 'd' : 's'}(cpu, ${d}, ${v.lo}, ${size === 8 ? v.hi : '0'}, ${size}) !== 0) ${THROW_XM}`;
    if (double && size === 4) { e.line(`cpu.xmmF64[${2 * d}] = ${v.lo};`); return; }
    const x = size === 4 ? v.lo : `(${v.hi} * 4294967296 + (${v.lo} >>> 0))`;
    // -2^53 <= x < 2^53 (hi in [-2^21, 2^21)) is exact in a double; for a float, Math.fround(x) === x
    // (with x itself exact) says x is representable.
    const exact = double ? `((${v.hi} + 2097152) >>> 0) < 4194304` : size === 4 ? `Math.fround(${x}) === ${x}`
      : `((${v.hi} + 2097152) >>> 0) < 4194304 && Math.fround(${x}) === ${x}`;
    e.line(`if (${exact}) cpu.${double ? 'xmmF64' : 'xmmF32'}[${(double ? 2 : 4) * d}] = ${x};${slow}`);
  };
}
