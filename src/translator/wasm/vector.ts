// xmm registers as v128 values in a wasm region (region.ts). The semantics write an SSE instruction
// as four int32 lane assignments; the region holds each xmm register as one v128 local (or, for the
// SSE floating-point forms, the xmm file in memory), and computes as one SIMD instruction:
//   - four assignments of one register's lanes from another register, a 16-byte load or constants (a
//     move, a load, a zeroing): one v128 value;
//   - the lane-wise SWAR operations the semantics mark (simd/integer.ts lanes32: `// @v128 OP ...`):
//     one i8x16 / i16x8 / v128 instruction;
//   - the lane permutations they mark (simd/common.ts permuteLanes: `// @v128shuffle ...`): one
//     i8x16.shuffle.
// The marked statements (the lane assignments before the marker and the copies made for them) are
// skipped.

import { SIMD, type SimdName } from './encode.js';
import { asBits, Unsupported } from './expr.js';
import { type RegionCompiler } from './region.js';
import { type Stmt } from './statements.js';

/** The xmm register whose lanes 0..3 in the xmm file (cpu.xmm[4r] ... cpu.xmm[4r + 3]) the four
 * names are, or -1. */
function xmmFileRegister(lanes: string[]): number {
  const m = /^cpu\.xmm\[(\d+)\]$/.exec(lanes[0]);
  const r = m ? Number(m[1]) : -1;
  return r >= 0 && r % 4 === 0 && lanes.every((l, k) => l === `cpu.xmm[${r + k}]`) ? r / 4 : -1;
}

/** The v128 local whose lanes 0..3, in order, the four names are, or -1. */
export function wholeV128(rc: RegionCompiler, names: string[]): number {
  const vs = names.map((n) => rc.vars.get(n)?.lane);
  const v = vs[0]?.v;
  return v !== undefined && vs.every((l, k) => l !== undefined && l.v === v && l.k === k) ? v : -1;
}

/** The markers' statements in `list` that their SIMD instruction replaces: into rc.skipStmts (the
 * lane assignments before each marker) and rc.skipLets (the copies). */
export function skipVectorStatements(rc: RegionCompiler, list: Stmt[]): void {
  list.forEach((s, i) => {
    if (s.t === 'v128shuffle') {
      for (const n of s.temps) rc.skipLets.add(n);
      for (let k = 1; k <= s.n; k++) {
        const a = list[i - k];
        if (!a || a.t !== 'simple' || !s.dst.some((l) => a.text.startsWith(`${l} =`))) throw new Unsupported('v128 shuffle marker without its lanes');
        rc.skipStmts.add(a);
      }
      return;
    }
    if (s.t !== 'v128') return;
    for (const n of s.temps) rc.skipLets.add(n);
    for (let k = 0; k < 4; k++) {
      const a = list[i - 4 + k];
      if (!a || a.t !== 'simple' || !a.text.startsWith(`${s.dst[k]} =`)) throw new Unsupported('v128 marker without its lanes');
      rc.skipStmts.add(a);
    }
  });
}

/**
 * `xA = a; xA+1 = b; xA+2 = c; xA+3 = d` (A = 4 r; or cpu.xmm[A] ... in the xmm file) at list[i]:
 * all of xmm register r at once, when a..d are constants or names none of the four assignments
 * changes before reading them (a move, a 16-byte load, a zeroing): one v128 value instead of four
 * lane replacements or stores. Returns the statements compiled (0: not this form).
 */
export function wholeRegisterAssignment(rc: RegionCompiler, list: Stmt[], i: number): number {
  const values: string[] = [], dst: string[] = [];
  for (let k = 0; k < 4; k++) {
    const s = list[i + k];
    if (!s || s.t !== 'simple' || rc.skipStmts.has(s)) return 0;
    const m = /^(x\d+|cpu\.xmm\[\d+\]) = (-?\d+|[A-Za-z_$][\w$]*|cpu\.xmm\[\d+\])$/.exec(s.text);
    if (!m) return 0;
    dst.push(m[1]); values.push(m[2]);
  }
  const v = wholeV128(rc, dst), file = v < 0 ? xmmFileRegister(dst) : -1;
  if ((v < 0 && file < 0) || values.some((x, k) => dst.slice(0, k).includes(x))) return 0;
  if (v >= 0 || rc.xmmFile !== null) {
    buildV128(rc, values);
    rc.code.set(v >= 0 ? v : rc.xmmFile!.get(file)!);
  } else {
    rc.code.i32(rc.L.xmm + 16 * file);
    buildV128(rc, values);
    rc.code.simdMem('v128.store', 4);
  }
  rc.committed = true;
  return 4;
}

/** The 128-bit value of four int32 lanes on the stack. */
export function buildV128(rc: RegionCompiler, lanes: string[]): void {
  if (lanes.length !== 4) throw new Unsupported('v128 lanes');
  const c = rc.code;
  // A whole xmm register or 16-byte load as it is; four equal constants as a splat.
  const whole = wholeV128(rc, lanes);
  if (whole >= 0) { c.get(whole); return; }
  const file = xmmFileRegister(lanes);
  if (file >= 0) {
    if (rc.xmmFile !== null) c.get(rc.xmmFile.get(file)!);
    else c.i32(rc.L.xmm + 16 * file).simdMem('v128.load', 4);
    return;
  }
  if (/^-?\d+$/.test(lanes[0]) && lanes.every((l) => l === lanes[0])) { c.i32(Number(lanes[0])).simd('i32x4.splat'); return; }
  lanes.forEach((l, k) => {
    asBits(rc.expr(l), c);
    if (k === 0) c.simd('i32x4.splat'); else c.simd('i32x4.replace_lane', k);
  });
}

/** dst = op(dst, src) on the 128-bit values of four int32 lanes each (locals or the xmm file), or the
 * shuffle `bytes` of (dst, src) when op is null. */
export function vectorOp(rc: RegionCompiler, op: string | null, dst: string[], src: string[], bytes?: number[]): void {
  if ((op !== null && !(op in SIMD)) || dst.length !== 4 || src.length !== 4) throw new Unsupported(`v128 ${op}`);
  const c = rc.code, tmp = rc.v128Local;
  const apply = () => (op !== null ? c.simd(op as SimdName) : c.shuffle(bytes!));
  buildV128(rc, dst); buildV128(rc, src);
  const whole = wholeV128(rc, dst), file = xmmFileRegister(dst);
  if (whole >= 0 || file >= 0) {
    apply();
    if (whole >= 0) c.set(whole);
    else if (rc.xmmFile !== null) c.set(rc.xmmFile.get(file)!);
    else c.set(tmp).i32(rc.L.xmm + 16 * file).get(tmp).simdMem('v128.store', 4);
    rc.committed = true;
    return;
  }
  apply().set(tmp);
  dst.forEach((l, k) => {
    const v = rc.vars.get(l), m = /^cpu\.xmm\[(\d+)\]$/.exec(l);
    if (v && v.kind === 'i32') { rc.assign(v, (c) => c.get(tmp).simd('i32x4.extract_lane', k)); return; }
    if (!m) throw new Unsupported(`v128 lane ${l}`);
    c.i32(rc.L.xmm + 4 * Number(m[1])).get(tmp).simd('i32x4.extract_lane', k).mem('i32.store', 2);
  });
  rc.committed = true;
}
