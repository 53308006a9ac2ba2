// SSE2 integer instructions (and the bitwise/shuffle/unpack ps/pd forms, which are the same data
// operations). The hot ones are emitted inline on the four int32 lanes of the registers: 32-bit lane
// operations directly, byte/word lanes with the SWAR expressions of swar.ts, unpacks as lane/word/byte
// interleaves. Shuffles and shifts by an immediate are inline when the immediate is a constant (the
// translator's baked code); the interpreter's generic handler, where the immediate is a field of the
// record, calls the primitive. Saturating, multiplying and packing forms call the primitives in
// iprims.ts.
//
// A source register may be the destination. Lane-wise operations read lane k of both operands in the
// expression that assigns lane k, so they need no copies; the others order their assignments with
// permuteLanes (common.ts), which copies a lane only to break a cycle. Temporaries are kept few on
// purpose: V8's cost of entering a generated function grows with the locals it declares.

import { K } from '../../decoder/insn.js';
import { type Emitter, type Semantics } from '../emit.js';
import { IOp } from './iprims.js';
import { L, imm8, laneBytes, mmx, permuteLanes, reg, setLanes, src, srcLanes, xr } from './common.js';
import { addB, addW, eqB, eqW, gtSB, gtSW, maxSW, maxUB, minSW, minUB, spreadBytes, subB, subW } from './swar.js';

export const INTEGER: Record<string, Semantics> = {};

/** Is operand 1 the destination register itself (pxor x, x and the other constant-result idioms)? */
function sameReg(e: Emitter, d: number): boolean { return e.kind(1) === K.Xmm && e.regNum(1) === d; }

/**
 * Inline lane-wise operation: dst[k] = f(dst[k], src[k]) on int32 lanes (32-bit elements directly,
 * bytes and words with swar.ts), the memory operand m128, aligned. The whole right-hand side is
 * evaluated before lane k is assigned, so a source equal to the destination is read before it
 * changes. `same`: every lane's result when the source is the destination (pxor x, x = 0), which then
 * needs no read at all; 'keep' when that result is the destination itself (pand x, x), no code.
 *
 * `multi`: f uses its operands more than once (the SWAR forms). Then the destination's lanes are
 * copied to temporaries first: V8 does not reuse one typed-array load for another of the same element,
 * so every `cpu.xmm[k]` in the text is a load and a bounds check (strlen's 64-byte loop region, run
 * alone: 59 -> 50 ns per call). A register source stays in place: copying it too measured the same,
 * and each temporary is a local the region declares (see the note above loadLanes in common.ts). The
 * one-operation forms read in place.
 */
function lanes32(f: (a: string, b: string) => string, same?: number | 'keep', multi = false, vector?: string): Semantics {
  return (e) => {
    if (mmx(e)) return;
    const d = xr(e, 0);
    if (same !== undefined && sameReg(e, d)) {
      if (same !== 'keep') setLanes(e, d, 0, [0, 1, 2, 3].map(() => String(same)));
      return;
    }
    const b = srcLanes(e, 1, 16, true);
    const dst = [0, 1, 2, 3].map((k) => L(d, k));
    // The same operation as one vector instruction, for a back end that has them (the wasm back end's
    // i8x16/i16x8/v128 operations); it then skips the copies and the lane assignments before it.
    const mark = (copies: string[]) => { if (vector) e.line(`// ${VECTOR_MARK} ${vector} | ${dst.join(' ')} | ${b.join(' ')} | ${copies.join(' ')}`); };
    if (!multi) { e.line(b.map((s, k) => `${dst[k]} = ${f(dst[k], s)};`).join(' ')); mark([]); return; }
    const a = [0, 1, 2, 3].map((k) => e.tmp(L(d, k)));
    e.line(a.map((ak, k) => `${dst[k]} = ${f(ak, b[k])};`).join(' '));
    mark(a);
  };
}

/** Marks a lane-wise SWAR operation: `// @v128 OP | DST LANES | SRC LANES | COPIES` (OP: a wasm SIMD
 * instruction of the same meaning on the 128-bit register). */
export const VECTOR_MARK = '@v128';
reg(INTEGER, ['pand', 'andps', 'andpd'], lanes32((a, b) => `${a} & ${b}`, 'keep', false, 'v128.and'));
reg(INTEGER, ['pandn', 'andnps', 'andnpd'], lanes32((a, b) => `~${a} & ${b}`, 0));
reg(INTEGER, ['por', 'orps', 'orpd'], lanes32((a, b) => `${a} | ${b}`, 'keep', false, 'v128.or'));
reg(INTEGER, ['pxor', 'xorps', 'xorpd'], lanes32((a, b) => `${a} ^ ${b}`, 0, false, 'v128.xor'));
INTEGER.paddd = lanes32((a, b) => `(${a} + ${b}) | 0`);
INTEGER.psubd = lanes32((a, b) => `(${a} - ${b}) | 0`, 0);
INTEGER.pcmpeqd = lanes32((a, b) => `${a} === ${b} ? -1 : 0`, -1);
INTEGER.pcmpgtd = lanes32((a, b) => `${a} > ${b} ? -1 : 0`, 0);

INTEGER.paddb = lanes32(addB, undefined, true, 'i8x16.add');
INTEGER.paddw = lanes32(addW, undefined, true, 'i16x8.add');
INTEGER.psubb = lanes32(subB, 0, true, 'i8x16.sub');
INTEGER.psubw = lanes32(subW, 0, true, 'i16x8.sub');
INTEGER.pcmpeqb = lanes32(eqB, -1, true, 'i8x16.eq');
INTEGER.pcmpeqw = lanes32(eqW, -1, true, 'i16x8.eq');
INTEGER.pcmpgtb = lanes32(gtSB, 0, true, 'i8x16.gt_s');
INTEGER.pcmpgtw = lanes32(gtSW, 0, true, 'i16x8.gt_s');
// min/max of an element with itself is the element.
INTEGER.pminub = lanes32(minUB, 'keep', true, 'i8x16.min_u');
INTEGER.pmaxub = lanes32(maxUB, 'keep', true, 'i8x16.max_u');
INTEGER.pminsw = lanes32(minSW, 'keep', true, 'i16x8.min_s');
INTEGER.pmaxsw = lanes32(maxSW, 'keep', true, 'i16x8.max_s');

/** paddq (sub = false) / psubq: two 64-bit lanes as int32 halves; the carry (borrow) into the high half
 * is an unsigned compare of the low halves, so the high half is assigned first. */
function addq(sub: boolean): Semantics {
  return (e) => {
    if (mmx(e)) return;
    const d = xr(e, 0);
    if (sub && sameReg(e, d)) { setLanes(e, d, 0, ['0', '0', '0', '0']); return; }
    const b = e.kind(1) === K.Xmm ? null : srcLanes(e, 1, 16, true);
    permuteLanes(e, d, b, e.kind(1) === K.Xmm ? e.regNum(1) : -1, (k, A, B) => {
      const lo = k & ~1;
      if (k === lo) return `(${A(lo)} ${sub ? '-' : '+'} ${B(lo)}) | 0`;
      const c = sub ? `(${A(lo)} >>> 0) < (${B(lo)} >>> 0)` : `(${A(lo)} >>> 0) + (${B(lo)} >>> 0) > 4294967295`;
      return `(${A(k)} ${sub ? '-' : '+'} ${B(k)} ${sub ? '-' : '+'} (${c} ? 1 : 0)) | 0`;
    });
  };
}
INTEGER.paddq = addq(false);
INTEGER.psubq = addq(true);

/** A primitive call rt.name(cpu, [args,] d, s[, imm8]) with an m128 (aligned) or xmm source. */
function prim(name: string, args: string[] = [], withImm = false, aligned = true): Semantics {
  return (e) => {
    if (mmx(e)) return;
    const d = xr(e, 0);
    const s = src(e, 1, 16, aligned);
    const pre = args.map((a) => a + ', ').join('');
    e.line(`rt.${name}(cpu, ${pre}${d}, ${s}${withImm ? ', ' + imm8(e) : ''});`);
  };
}
const BIN: [string, IOp][] = [
  ['paddsb', IOp.PADDSB], ['paddsw', IOp.PADDSW], ['paddusb', IOp.PADDUSB], ['paddusw', IOp.PADDUSW],
  ['psubsb', IOp.PSUBSB], ['psubsw', IOp.PSUBSW], ['psubusb', IOp.PSUBUSB], ['psubusw', IOp.PSUBUSW],
  ['pavgb', IOp.PAVGB], ['pavgw', IOp.PAVGW], ['pmullw', IOp.PMULLW], ['pmulhw', IOp.PMULHW], ['pmulhuw', IOp.PMULHUW],
];
for (const [m, op] of BIN) INTEGER[m] = prim('pbin', [String(op)]);
INTEGER.pmuludq = prim('pmuludq');
INTEGER.pmaddwd = prim('pmaddwd');
INTEGER.psadbw = prim('psadbw');
INTEGER.packsswb = prim('pack', ['0']);
INTEGER.packssdw = prim('pack', ['1']);
INTEGER.packuswb = prim('pack', ['2']);

// ---- unpacks ------------------------------------------------------------------------------------------

/**
 * punpckl/h{bw,wd,dq,qdq}, unpckl/hps, unpckl/hpd: interleave elements of `size` bytes (1, 2, 4, 8)
 * from the low (high = 0) or high half of destination and source (a memory source is still read
 * whole: the instruction's m128 access). Output lanes 2k and 2k+1 draw on lane k of each half.
 */
function unpack(size: number, high: number): Semantics {
  return (e) => {
    if (mmx(e)) return;
    const d = xr(e, 0);
    const h = 2 * high;
    const b = e.kind(1) === K.Xmm ? null : srcLanes(e, 1, 16, true);
    permuteLanes(e, d, b, e.kind(1) === K.Xmm ? e.regNum(1) : -1, (k, A, B) => {
      const j = h + (k >> 1); // the operand lane this output lane draws on (two outputs per lane)
      if (size === 8) return k < 2 ? A(h + k) : B(h + k - 2);
      if (size === 4) return k & 1 ? B(j) : A(j);
      if (size === 2) return k & 1 ? `(${A(j)} >>> 16) | (${B(j)} & -65536)` : `(${A(j)} & 0xffff) | (${B(j)} << 16)`;
      return `${spreadBytes(A(j), (k & 1) === 1)} | ((${spreadBytes(B(j), (k & 1) === 1)}) << 8)`;
    }, unpackBytes(size, high));
  };
}
/** The bytes of an unpack (permuteLanes): element m of `size` bytes is element (half + m / 2) of the
 * destination (m even) or the source (m odd). */
function unpackBytes(size: number, high: number): number[] {
  const out: number[] = [];
  for (let m = 0; m < 16 / size; m++) {
    const j = high * (8 / size) + (m >> 1), from = m & 1 ? 16 : 0;
    for (let b = 0; b < size; b++) out.push(from + j * size + b);
  }
  return out;
}
const UNPACK: [string, number, number][] = [
  ['punpcklbw', 1, 0], ['punpcklwd', 2, 0], ['punpckldq', 4, 0], ['punpcklqdq', 8, 0],
  ['punpckhbw', 1, 1], ['punpckhwd', 2, 1], ['punpckhdq', 4, 1], ['punpckhqdq', 8, 1],
  ['unpcklps', 4, 0], ['unpckhps', 4, 1], ['unpcklpd', 8, 0], ['unpckhpd', 8, 1],
];
for (const [m, size, high] of UNPACK) INTEGER[m] = unpack(size, high);

// ---- shuffles and shifts by an immediate ----------------------------------------------------------------
// Baked: the immediate is a constant, so the lane selection or shift is resolved here. Generic: the
// primitive reads it at run time.

/** Shuffle with a constant imm8 (baked): lane k = f(imm, k, A, B) through permuteLanes; generic: the
 * primitive. */
function shuffle(name: string, args: string[], f: (imm: number, k: number, A: (j: number) => string, B: (j: number) => string) => string,
  pick?: (imm: number, k: number) => number): Semantics {
  const generic = prim(name, args, true);
  return (e, i) => {
    if (mmx(e)) return;
    if (!e.baked) { generic(e, i); return; }
    const d = xr(e, 0);
    const b = e.kind(1) === K.Xmm ? null : srcLanes(e, 1, 16, true);
    const imm = i.immLo & 255;
    permuteLanes(e, d, b, e.kind(1) === K.Xmm ? e.regNum(1) : -1, (k, A, B) => f(imm, k, A, B), pick && laneBytes((k) => pick(imm, k)));
  };
}
const sel = (imm: number, k: number) => (imm >> (2 * k)) & 3;
// (pick: the lane each output lane takes, 4.. for the source's: the byte shuffle of permuteLanes.)
INTEGER.pshufd = shuffle('pshufd', [], (imm, k, _, B) => B(sel(imm, k)), (imm, k) => 4 + sel(imm, k));
INTEGER.shufps = shuffle('shufps', [], (imm, k, A, B) => (k < 2 ? A(sel(imm, k)) : B(sel(imm, k))), (imm, k) => (k < 2 ? 0 : 4) + sel(imm, k));
INTEGER.shufpd = shuffle('shufpd', [], (imm, k, A, B) => (k < 2 ? A(2 * (imm & 1) + k) : B(2 * ((imm >> 1) & 1) + k - 2)),
  (imm, k) => (k < 2 ? 2 * (imm & 1) + k : 4 + 2 * ((imm >> 1) & 1) + k - 2));
/** pshuflw/pshufhw: four words of one half selected by imm, the other half copied. */
function pshufw(high: number): Semantics {
  return shuffle('pshufw4', [String(high)], (imm, k, _, B) => {
    const h = 2 * high;
    if ((k >> 1) !== high) return B(k);
    const w = (j: number) => (j & 1 ? `(${B(h + (j >> 1))} >>> 16)` : `(${B(h + (j >> 1))} & 0xffff)`);
    const q = 2 * (k & 1); // the two selectors of this lane
    return `${w(sel(imm, q))} | (${w(sel(imm, q + 1))} << 16)`;
  });
}
INTEGER.pshuflw = pshufw(0);
INTEGER.pshufhw = pshufw(1);

/** Element shifts by a constant n of one int32 lane v (kinds 0-5 as rt.psh; 6/7 are the qword pairs). */
function shiftLane(kind: number, n: number, v: string): string {
  switch (kind) {
    case 0: return n > 15 ? '0' : `(${v} >>> ${n}) & ${((0xffff >>> n) * 0x10001) | 0}`;
    case 1: { const m = Math.min(n, 15); return `(((${v} << 16) >> ${16 + m}) & 0xffff) | ((${v} >> ${m}) & -65536)`; }
    case 2: return n > 15 ? '0' : `(${v} << ${n}) & ${(((0xffff << n) & 0xffff) * 0x10001) | 0}`;
    case 3: return n > 31 ? '0' : `${v} >>> ${n}`;
    case 4: return `${v} >> ${Math.min(n, 31)}`;
    default: return n > 31 ? '0' : `${v} << ${n}`;
  }
}
/** psrlq (left = false) / psllq of one qword (lo, hi) by a constant n. */
function shiftQ(left: boolean, n: number, lo: string, hi: string): [string, string] {
  if (n > 63) return ['0', '0'];
  if (n === 0) return [lo, hi];
  if (left) return n < 32 ? [`${lo} << ${n}`, `(${hi} << ${n}) | (${lo} >>> ${32 - n})`] : ['0', `${lo} << ${n - 32}`];
  return n < 32 ? [`(${lo} >>> ${n}) | (${hi} << ${32 - n})`, `${hi} >>> ${n}`] : [`${hi} >>> ${n - 32}`, '0'];
}

/** Element shifts: by imm8 (inline when baked), or by the low quadword of an xmm/m128 operand. */
function shift(kind: number): Semantics {
  return (e, i) => {
    if (mmx(e)) return;
    const d = xr(e, 0);
    if (e.kind(1) === K.Imm) {
      if (!e.baked) { e.line(`rt.psh(cpu, ${kind}, ${d}, ${imm8(e)});`); return; }
      const n = i.immLo & 255;
      if (kind < 6) { setLanes(e, d, 0, [0, 1, 2, 3].map((k) => shiftLane(kind, n, L(d, k)))); return; }
      permuteLanes(e, d, null, d, (k, A) => shiftQ(kind === 7, n, A(k & ~1), A(k | 1))[k & 1]);
      return;
    }
    const s = src(e, 1, 16, true);
    e.line(`rt.psh(cpu, ${kind}, ${d}, rt.shcnt(cpu, ${s}));`);
  };
}
['psrlw', 'psraw', 'psllw', 'psrld', 'psrad', 'pslld', 'psrlq', 'psllq'].forEach((m, k) => { INTEGER[m] = shift(k); });

/** psrldq (left = false) / pslldq: whole-register byte shift by imm8 (>= 16 clears): whole lanes move by
 * n >> 2, and the remaining 0-3 bytes are a funnel shift of adjacent lanes. */
function shiftDq(left: boolean): Semantics {
  return (e, i) => {
    const d = xr(e, 0);
    if (!e.baked) { e.line(`rt.pshdq(cpu, ${left ? 1 : 0}, ${d}, ${imm8(e)});`); return; }
    const n = i.immLo & 255;
    if (n === 0) return;
    const q = n >> 2, r = (n & 3) * 8;
    // As a byte shuffle of (d, zero): byte k is d's byte k + n (k - n to the left), or a zero.
    const bytes = Array.from({ length: 16 }, (_, k) => { const j = left ? k - n : k + n; return j >= 0 && j < 16 ? j : 16; });
    permuteLanes(e, d, ['0', '0', '0', '0'], -1, (k, A) => {
      const mk = left ? k - q : k + q, nk = left ? k - q - 1 : k + q + 1;
      if (mk < 0 || mk > 3) return '0';
      if (r === 0) return A(mk);
      const m = left ? `${A(mk)} << ${r}` : `${A(mk)} >>> ${r}`;
      if (nk < 0 || nk > 3) return m;
      return left ? `${m} | (${A(nk)} >>> ${32 - r})` : `${m} | (${A(nk)} << ${32 - r})`;
    }, bytes);
  };
}
INTEGER.psrldq = shiftDq(false);
INTEGER.pslldq = shiftDq(true);

/** emms: leaves MMX state (x87 tag word all-empty); nothing to do as MMX registers are not modelled. */
INTEGER.emms = () => {};
