// Emitter-side helpers shared by the SIMD semantics: operand access for xmm registers and 32/64/128-bit
// memory operands, alignment checks, probed 16-byte stores.
//
// Generation-time branches use only facts of the form key: operand kinds and sizes, and xmm register
// numbers (which the interpreter's form key includes, so e.regNum(n) is a constant for xmm operands).
// Immediates are read with e.f('immLo') (a constant when baked, i.immLo when generic).
//
// Precise faults: every memory read (and the probe of every memory write) is emitted before the first
// register write.

import { K } from '../../decoder/insn.js';
import { type Emitter, type Semantics, type V } from '../emit.js';

/** Source register number meaning "the scratch SRC" (see scratch.ts). */
export const SCR = 16;
/** The statement that raises #XM (SIMD floating-point exception, vector 19). */
export const THROW_XM = `throw rt.fault(19, 0, 'unmasked SIMD floating-point exception');`;

/** JS lvalue of 32-bit lane k of xmm x. */
export function L(x: number, k: number): string { return `cpu.xmm[${4 * x + k}]`; }

/** MMX forms share mnemonics with the SSE2 integer forms; MMX state is not modelled. Returns true when handled. */
export function mmx(e: Emitter): boolean {
  for (let n = 0; n < e.i.nops; n++) {
    // The message names the instruction at run time from the decoded record: generated code never
    // contains text chosen by guest bytes (test/host-safety.test.ts).
    if (e.kind(n) === K.Mmx) { e.line(`throw rt.fault(6, 0, "MMX form of '" + ${e.insnRef()}.mnem + "' is not implemented");`); return true; }
  }
  return false;
}

/** The xmm register number of operand n. */
export function xr(e: Emitter, n: number): number {
  if (e.kind(n) !== K.Xmm) throw new Error(`${e.i.mnem}: operand ${n} is not an xmm register`);
  return e.regNum(n);
}

/** #GP(0) unless a is 16-byte aligned (legacy SSE 128-bit operands other than the unaligned moves). */
export function align16(e: Emitter, a: V): void {
  e.line(`if ((${a.lo} & 15) !== 0) throw rt.gp('misaligned 16-byte operand');`);
}

// Few locals: V8's cost of entering a generated function grows with the number of locals it declares
// (measured: ~0.2 ns per local per call), and a region pays for all of its instructions' locals on
// every entry. So lanes are read in place where safe and 16-byte accesses are one accessor call.

/** Read `bytes` (4, 8 or 16) at address a into lane temps. */
export function loadLanes(e: Emitter, a: V, bytes: number, aligned: boolean): string[] {
  if (bytes === 4) return [e.load(4, a).lo];
  if (bytes === 2) return [e.load(2, a).lo];
  if (bytes === 8) { const v = e.load(8, a); return [v.lo, v.hi]; }
  if (aligned) align16(e, a);
  return e.load16(a);
}

/**
 * Lane expressions of source operand n: for an xmm register the live lanes `cpu.xmm[..]` (only safe when
 * each destination lane depends on the same source lane), for memory temps holding the loaded value.
 */
export function srcLanes(e: Emitter, n: number, bytes: number, aligned: boolean): string[] {
  if (e.kind(n) === K.Xmm) { const s = e.regNum(n); return [0, 1, 2, 3].slice(0, Math.max(1, bytes / 4)).map((k) => L(s, k)); }
  return loadLanes(e, e.ea(), bytes, aligned);
}
/** Like srcLanes, but xmm lanes are copied to temps first (safe for any lane permutation). */
export function srcSnap(e: Emitter, n: number, bytes: number, aligned: boolean): string[] {
  if (e.kind(n) === K.Xmm) return srcLanes(e, n, bytes, aligned).map((x) => e.tmp(x));
  return srcLanes(e, n, bytes, aligned);
}

/**
 * The source operand n for a primitive: an xmm register number, or SCR after loading the memory operand
 * (`bytes` = 4, 8 or 16) into rt.SRC.
 */
export function src(e: Emitter, n: number, bytes: number, aligned: boolean): number {
  if (e.kind(n) === K.Xmm) return e.regNum(n);
  const v = loadLanes(e, e.ea(), bytes, aligned);
  e.line(v.map((t, k) => `rt.SRC[${k}] = ${t};`).join(' '));
  return SCR;
}

/** Store lanes (4, 8 or 16 bytes worth) of xmm x starting at lane k0 to address a. */
export function storeLanes(e: Emitter, a: V, x: number, k0: number, bytes: number, aligned: boolean): void {
  if (bytes === 4) { e.store(4, a, { lo: L(x, k0), hi: '0' }); return; }
  if (bytes === 8) { e.store(8, a, { lo: L(x, k0), hi: L(x, k0 + 1) }); return; }
  // One accessor call for all 16 bytes: the MMU makes it all or nothing (a store crossing into another
  // page probes both pages first).
  if (aligned) align16(e, a);
  e.store16(a, [L(x, 0), L(x, 1), L(x, 2), L(x, 3)]);
}

/**
 * Write xmm d's lanes from expressions that may read other lanes of d (unpacks, shuffles, byte
 * shifts, 64-bit lanes; the source may be d itself). out(k, A, B) is lane k's expression, or null to
 * keep the lane: A(j) is the old lane j of d, B(j) the source's lane j, taken from `src` (the loaded
 * temps of a memory operand) or else xmm register `srcReg` (when that is d, B reads through A). The
 * assignments are ordered so that no lane is overwritten while a pending expression still reads it;
 * a lane is copied to a temporary only to break a cycle (pshufd x, x, 0x1b). See the note above loadLanes on why
 * temporaries are avoided.
 */
export function permuteLanes(e: Emitter, d: number, src: string[] | null, srcReg: number,
  out: (k: number, A: (j: number) => string, B: (j: number) => string) => string | null, bytes?: number[]): void {
  const snap: (string | undefined)[] = [];
  const A = (j: number) => snap[j] ?? L(d, j);
  const B = (j: number) => (srcReg === d ? A(j) : src ? src[j] : L(srcReg, j));
  // Which old lanes of d each output reads (recorded through marker accessors).
  const reads: Set<number>[] = [];
  const pending: number[] = [];
  for (let k = 0; k < 4; k++) {
    const r = new Set<number>();
    const v = out(k, (j) => { r.add(j); return `A${j}`; }, (j) => { if (srcReg === d) r.add(j); return `B${j}`; });
    reads.push(r);
    if (v !== null && v !== `A${k}`) pending.push(k);
  }
  const lines: string[] = [];
  while (pending.length) {
    const free = pending.findIndex((k) => pending.every((j) => j === k || !reads[j].has(k) || snap[k] !== undefined));
    if (free < 0) { const k = pending[0]; snap[k] = e.tmp(L(d, k)); continue; }
    const k = pending.splice(free, 1)[0];
    lines.push(`${L(d, k)} = ${out(k, A, B)};`);
  }
  if (lines.length === 0) return;
  e.line(lines.join(' '));
  // The same permutation as one byte shuffle, for a back end that has one (the wasm back end's
  // i8x16.shuffle): byte k of the result is byte bytes[k] of d (0..15) or of the source (16..31), both
  // as they were before. It skips the assignments just emitted and the copies made for them.
  if (bytes && e.baked) {
    const dst = [0, 1, 2, 3].map((k) => L(d, k));
    const srcLanes = [0, 1, 2, 3].map((j) => (srcReg === d ? dst[j] : src ? src[j] : L(srcReg, j)));
    const copies = snap.filter((x): x is string => x !== undefined);
    e.line(`// ${SHUFFLE_MARK} ${bytes.join(',')} | ${dst.join(' ')} | ${srcLanes.join(' ')} | ${copies.join(' ')} | ${lines.length}`);
  }
}
/** Marks a lane permutation: `// @v128shuffle B0,...,B15 | DST LANES | SRC LANES | COPIES | N` (N: the
 * assignments before it). */
export const SHUFFLE_MARK = '@v128shuffle';
/** Shuffle bytes where output int32 lane k is lane pick(k) of d (0..3) or of the source (4..7). */
export function laneBytes(pick: (k: number) => number): number[] {
  return [0, 1, 2, 3].flatMap((k) => [0, 1, 2, 3].map((b) => 4 * pick(k) + b));
}

/** Write lane values (expressions, already materialised) to xmm d starting at lane k0. */
export function setLanes(e: Emitter, d: number, k0: number, vals: string[]): void {
  e.line(vals.map((v, k) => `${L(d, k0 + k)} = ${v};`).join(' '));
}


/** The imm8 of the instruction as a run-time expression (0..255). */
export function imm8(e: Emitter): string { return `(${e.f('immLo')} & 255)`; }

/** Register the same semantics under several mnemonics. */
export function reg(table: Record<string, Semantics>, names: string[], s: Semantics): void {
  for (const m of names) table[m] = s;
}
