// Inline fast paths for the SSE floating-point arithmetic, emitted by the semantics so both engines
// share them. Each computes the result with plain JS arithmetic on the lanes (read through the
// Float64Array/Float32Array views that alias cpu.xmm, or through rt.SRCF64/SRCF32 for a memory operand
// already loaded into rt.SRC) and stores it only when that is provably what the exact primitive
// (fprims.ts) would produce with no new MXCSR flag:
//   - MXCSR is "fast" (fpcore.ts FP.fast: round to nearest, every exception masked, no DAZ/FTZ, PE
//     already set), tested inline on cpu.mxcsr itself rather than on a cached flag, so no writer of
//     MXCSR (ldmxcsr, fxrstor, the ELF loader, the sticky flags the primitives set, any future
//     signal-frame restore) has to keep a copy in sync;
//   - every operand's magnitude lies in a range of normal numbers small enough that the result is a
//     finite normal number too (see arith): no NaN (IE, propagation), no denormal (DE; DAZ would
//     change the value), no overflow (OE) or inexact tiny result (UE), no zeros (left to binD's own
//     fast path, rarely hot).
// JS + - * / and Math.sqrt are IEEE round-to-nearest-even, so under those conditions the bits are the
// exact path's bits, and the only flag it could set (PE) is already set. Anything else calls the
// exact primitive, unchanged, for the whole instruction (a packed instruction takes the fast path only
// when every lane qualifies). Floats are computed in double and rounded once with Math.fround, which
// is correctly rounded for + - * / sqrt (fpcore.ts). min/max and comis set no flag for ordered
// non-denormal operands whatever MXCSR says, so their fast paths do not test it; comis accepts zeros.

import { type Semantics } from '../emit.js';
import { SCR, THROW_XM, src, xr } from './common.js';
import { FOp } from './fprims.js';

export type Shape = 'ss' | 'sd' | 'ps' | 'pd';
/** Memory operand size and alignment of each shape. */
export const MEM: Record<Shape, [number, boolean]> = { ss: [4, false], sd: [8, false], ps: [16, true], pd: [16, true] };

const MIN_D = '2.2250738585072014e-308';
const MIN_F = '1.1754943508222875e-38';
/** MXCSR = 0x1f80 | PE, ignoring the other sticky flags (bits 0-4): (mxcsr & 0xffe0) ^ 0x1fa0 is zero. */
export const MXCSR_FAST_MASK = 0xffe0, MXCSR_FAST = 0x1fa0;
export const MXCSR_DIFF = `((cpu.mxcsr & ${MXCSR_FAST_MASK}) ^ ${MXCSR_FAST})`;

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

/** The int32 lane holding the sign and exponent of value lane k of register x (SCR: rt.SRC). */
function hiLane(x: number, dbl: boolean, k: number): string {
  const j = dbl ? 2 * k + 1 : k;
  return x === SCR ? `rt.SRC[${j}]` : `cpu.xmm[${4 * x + j}]`;
}

/**
 * add/sub/mul/div/min/max/sqrt ss/sd/ps/pd: the inline fast path, else rt.f<shape> (exact).
 *
 * The test looks at the operands' exponent fields only, all lanes and MXCSR at once, with one branch:
 * every operand's magnitude must lie in a range [2^-E, 2^E) chosen so that no result can overflow,
 * be an inexact tiny number, or raise anything; NaN, infinity, zero and denormal operands (exponent
 * field all ones or zero) fall outside it. With x's sign cleared, x lies in the range iff
 * (|x|bits - bits(2^-E)) as unsigned is below 2^K, where the range spans 2^(K-20) (double) or
 * 2^(K-23) (float) exponents; a negative difference wraps to >= 2^31. OR-ing the differences and
 * shifting right by K is then zero iff every operand is in range, and MXCSR's state XOR fast is
 * OR-ed in. Ranges:
 *   - add/sub (K = 30): 2^±512 double, 2^±64 float. The sum is below 2^513 (2^65): no OE. A tiny
 *     sum needs no test: operands are multiples of the smallest denormal, so a sum below 2*MIN is
 *     exact, and an exact tiny result raises no UE while underflow is masked (SDM vol. 1 4.9.1.5);
 *     JS delivers the same denormal or zero (+0 for x - x, as round to nearest does).
 *   - mul/div (K = 29): 2^±256 double, 2^±32 float, so products and quotients are normal and finite.
 *   - sqrt (K = 30): a positive operand in 2^±512 (2^±64); the sign bit is OR-ed in as well.
 *   - min/max (K = 30, MXCSR not tested): they raise nothing for normal operands whatever MXCSR holds
 *     (no rounding, no DAZ effect), and return the second operand unless the first is strictly
 *     smaller/greater.
 * Operands outside the range but valid for the fast arithmetic (huge, tiny, zero) take the exact
 * primitive, which is slower but right (zeros went there before too: accepting them inline cost ~25%
 * more V8 compile time).
 *
 * Why this shape: the test's size matters as much as the arithmetic's. The previous test, |x| >=
 * MIN_NORMAL for every operand and result plus |r| < Infinity and the MXCSR compare, joined by &&,
 * was several branches per lane and Math.abs calls while a region runs unoptimised; about half of
 * its cost was V8 compile and baseline-tier time (nbody 50 vs 400, guards removed as the bound). One
 * integer test per instruction took nbody 400 from 2.22 to 2.07 s CPU (best of 5). Measured and
 * dropped: fewer floating-point comparisons (result first, |a|,|b| < 2^511 and |r| > 2^-511 for mul):
 * ~1%; magnitude tests by squares without Math.abs, with or without operand copies in locals: ~4%.
 * (Joining the boolean comparisons with & instead of && had measured slower than && earlier.)
 */
export function arith(op: FOp, shape: Shape): Semantics {
  return (e) => {
    const d = xr(e, 0);
    const s = src(e, 1, ...MEM[shape]);
    const L = lanes(shape, d, s);
    const dbl = L.dbl;
    const K = op === FOp.MUL || op === FOp.DIV ? 29 : 30;
    const shift = dbl ? 20 : 23, bias = dbl ? 1023 : 127;
    const low = (bias - (1 << (K - shift - 1))) << shift; // bits of 2^-E, E = half the range
    const rnd = (x: string) => (dbl ? x : `Math.fround(${x})`);
    const diffs: string[] = [], writes: string[] = [];
    const inRange = (h: string) => { const t = `((${h} & 2147483647) - ${low})`; if (!diffs.includes(t)) diffs.push(t); };
    // All lanes are read and computed before any is written (the source may be the destination).
    for (let k = 0; k < L.n; k++) {
      const b = `${L.S}[${L.s0 + k}]`, a = `${L.X}[${L.d0 + k}]`;
      const hb = hiLane(s, dbl, k);
      let r: string;
      if (op === FOp.SQRT) {
        r = e.tmp(rnd(`Math.sqrt(${b})`));
        inRange(hb); diffs.push(`(${hb} & -2147483648)`);
      } else {
        if (op === FOp.MIN) r = e.tmp(`${a} < ${b} ? ${a} : ${b}`);
        else if (op === FOp.MAX) r = e.tmp(`${a} > ${b} ? ${a} : ${b}`);
        else r = e.tmp(rnd(`${a} ${op === FOp.ADD ? '+' : op === FOp.SUB ? '-' : op === FOp.MUL ? '*' : '/'} ${b}`));
        inRange(hiLane(d, dbl, k)); inRange(hb); // mulsd x, x: one term
      }
      writes.push(`${L.X}[${L.d0 + k}] = ${r};`);
    }
    const range = `((${diffs.join(' | ')}) >>> ${K})`;
    const test = op === FOp.MIN || op === FOp.MAX ? `${range} === 0` : `(${range} | ${MXCSR_DIFF}) === 0`;
    e.line(`if (${test}) { ${writes.join(' ')} } else if (rt.f${shape}(cpu, ${op}, ${d}, ${s}) !== 0) ${THROW_XM}`);
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
