// 64-bit values as i64 in a wasm region. The semantics compute a 64-bit value as two int32 halves
// (DESIGN decision 2: what JavaScript does fast); a wasm region keeps each GPR in one i64 local, of
// which the JavaScript names r{n}l / r{n}h are views (Variable.half), and computes as one i64:
//   - the operations the semantics mark (Emitter.mark64: add, sub, and/or/xor, shifts and rotates by
//     a constant, effective addresses), whose int32 statements it skips;
//   - 8-byte loads and stores (one i64.load / i64.store);
//   - both halves of a register written at once (`rNl = X; rNh = Y`), and copies of a register's
//     halves into temporaries.
// On x86-64 hosts this halves the values TurboFan keeps in registers (the int32 halves spilled in
// every larger region) and turns a 64-bit add with its carry into one instruction. Anything else reads
// a half (i32.wrap_i64, after i64.shr_u for the high one) or replaces it.

import { I64 } from './encode.js';
import { asBits, Unsupported, type Variable } from './expr.js';
import { type BaseDisp } from './memory.js';
import { type RegionCompiler } from './region.js';
import { type Stmt } from './statements.js';

const INT = /^-?\d+$/;
const SHIFTS = { shl: 'i64.shl', shr: 'i64.shr_u', sar: 'i64.shr_s', rotl: 'i64.rotl', rotr: 'i64.rotr' } as const;
const NAME = /^[A-Za-z_$][\w$]*$/;
/** `[let] name = e` (a plain assignment). */
const ASSIGN = /^(let\s+)?([A-Za-z_$][\w$]*)\s*=(?!=)\s*(.*)$/s;
/** The emitter's temporaries (t<instruction>_<n>), assigned once. */
const TEMPORARY = /^t\d+_\d+$/;

/** The i64 local whose low and high halves the two variables are, or -1. */
export function getPairedHalf(lo: Variable | undefined, hi: Variable | undefined): number {
  return lo?.half && hi?.half && lo.half.k === 0 && hi.half.k === 1 && lo.half.v === hi.half.v ? lo.half.v : -1;
}
/** The i64 local whose halves the two names are, or -1. */
export function pairOf(rc: RegionCompiler, lo: string, hi: string): number {
  return NAME.test(lo) && NAME.test(hi) ? getPairedHalf(rc.vars.get(lo), rc.vars.get(hi)) : -1;
}

/** Push the 64-bit value whose halves are lo and hi (int32 expressions: names, literals). */
export function pushI64(rc: RegionCompiler, lo: string, hi: string): void {
  const c = rc.code;
  const p = pairOf(rc, lo, hi);
  if (p >= 0) { c.get(p); return; }
  if (INT.test(lo) && INT.test(hi)) { c.i64(Number(lo) | 0, Number(hi) | 0); return; }
  asBits(rc.expr(lo), c);
  // hi = lo >> 31 (a sign extension, movsxd / cdqe): the sign-extended low half.
  if (rc.signOf.get(hi) === lo) { c.op('i64.extend_i32_s'); return; }
  c.op('i64.extend_i32_u');
  if (hi === '0') return;
  asBits(rc.expr(hi), c); c.op('i64.extend_i32_u').i64(32, 0).op('i64.shl').op('i64.or');
}

/** A 64-bit operation marked by the semantics (Emitter.mark64): its result as one i64, whose halves
 * the marker's names become (its statements were skipped). */
export function op64(rc: RegionCompiler, s: Extract<Stmt, { t: 'i64' }>): void {
  const c = rc.code, a = s.args;
  const binary = (op: 'i64.add' | 'i64.sub' | 'i64.and' | 'i64.or' | 'i64.xor') => {
    if (a.length !== 4) throw new Unsupported(`i64 ${s.op} operands`);
    pushI64(rc, a[0], a[1]); pushI64(rc, a[2], a[3]); c.op(op);
  };
  switch (s.op) {
    case 'add': binary('i64.add'); break;
    case 'sub': binary('i64.sub'); break;
    case 'and': binary('i64.and'); break;
    case 'or': binary('i64.or'); break;
    case 'xor': binary('i64.xor'); break;
    case 'shl': case 'shr': case 'sar': case 'rotl': case 'rotr': {
      const n = Number(a[2]);
      if (a.length !== 3 || !(n >= 1 && n <= 63)) throw new Unsupported(`i64 ${s.op} count`);
      pushI64(rc, a[0], a[1]);
      c.i64(n, 0).op(SHIFTS[s.op]);
      break;
    }
    case 'ea': {
      // Terms (lo, hi, shift): base, index << scale, displacement, segment base.
      if (a.length === 0 || a.length % 3 !== 0) throw new Unsupported('i64 ea terms');
      for (let k = 0; k < a.length; k += 3) {
        pushI64(rc, a[k], a[k + 1]);
        const sh = Number(a[k + 2]);
        if (sh !== 0) c.i64(sh, 0).op('i64.shl');
        if (k > 0) c.op('i64.add');
      }
      break;
    }
    default: throw new Unsupported(`i64 ${s.op}`);
  }
  const v = rc.local(I64);
  c.set(v);
  rc.declareHalf(s.lo, v, 0); rc.declareHalf(s.hi, v, 1);
  if (s.op === 'ea') noteBaseDisp(rc, v, a);
  else if (s.op === 'add' || s.op === 'sub') noteSum(rc, v, a, s.op === 'sub');
  if (a.some((x) => rc.stackDerived(x))) { rc.stackVars.add(s.lo); rc.stackVars.add(s.hi); }
}

/** An effective address `v` whose terms (lo, hi, shift) are a GPR and at most one sign-extended
 * displacement: base + displacement, for the accesses' page anchors (memory.ts). */
function noteBaseDisp(rc: RegionCompiler, v: number, a: string[]): void {
  let base = -1, disp = 0;
  for (let k = 0; k < a.length; k += 3) {
    if (a[k + 2] !== '0') return;
    if (INT.test(a[k]) && INT.test(a[k + 1])) {
      const lo = Number(a[k]) | 0;
      if (disp !== 0 || Number(a[k + 1]) !== lo >> 31) return;
      disp = lo;
      continue;
    }
    const p = pairOf(rc, a[k], a[k + 1]);
    if (base >= 0 || p < 0 || !isGpr(rc, p) || !rc.mem.anchorBases.has(a[k])) return;
    base = p;
  }
  if (base >= 0) rc.mem.derive(v, { base, stamp: rc.code.stampOf(base), disp });
}
/** v = a GPR's value (or a value derived from it) plus or minus a constant. */
function noteSum(rc: RegionCompiler, v: number, a: string[], sub: boolean): void {
  // The constant's pair: the second operand, or for add the first.
  const k = INT.test(a[2]) && INT.test(a[3]) ? 2 : 0;
  if (k === 0 && (sub || !(INT.test(a[0]) && INT.test(a[1])))) return;
  const c = Number(a[k + 1]) * 4294967296 + (Number(a[k]) >>> 0);
  const from = asBaseDisp(rc, pairOf(rc, a[2 - k], a[3 - k]));
  if (from !== undefined && Math.abs(c) < 4096) rc.mem.derive(v, { base: from.base, stamp: from.stamp, disp: from.disp + (sub ? -c : c) });
}
/** The i64 local p as a GPR's value plus a constant: a GPR itself (+ 0), or what GuestAccess.derivedOf
 * knows of a temporary. */
function asBaseDisp(rc: RegionCompiler, p: number): BaseDisp | undefined {
  if (p < 0) return undefined;
  return isGpr(rc, p) ? { base: p, stamp: rc.code.stampOf(p), disp: 0 } : rc.mem.derivedOf(p);
}
function isGpr(rc: RegionCompiler, local: number): boolean {
  for (const g of rc.gprs.values()) if (g === local) return true;
  return false;
}

/** The i64 local holding the 64-bit value (lo, hi) of a store, if the region has it as one (a pair's
 * i64, a constant), else -1 (the store then writes the halves). */
export function storeValue64(rc: RegionCompiler, lo: string, hi: string): number {
  const p = pairOf(rc, lo, hi);
  if (p >= 0) return p;
  if (!(INT.test(lo) && INT.test(hi))) return -1;
  const w = rc.wides[rc.wides.length - 1];
  pushI64(rc, lo, hi); rc.code.set(w);
  return w;
}

/**
 * At list[i]: `let a = X; let b = Y` with X, Y the halves of one i64 (a copy of a register: a, b are
 * then halves of a copy of it), or `lo = X; hi = Y` assigning both halves of one i64 local (a register
 * write: one i64 value). Returns the statements compiled (0: not this form).
 */
export function pairStatements(rc: RegionCompiler, list: Stmt[], i: number): number {
  const s0 = list[i], s1 = list[i + 1];
  if (s0.t !== 'simple' || s1.t !== 'simple') return 0;
  const m0 = assignment(s0.text);
  if (!m0) return 0;
  const m1 = assignment(s1.text);
  if (!m1 || (m0[1] === undefined) !== (m1[1] === undefined)) return 0;
  const [, isLet, lo, rhsLo] = m0, [, , hi, rhsHi] = m1;
  if (isLet) {
    if (rc.skipLets.has(lo) || rc.skipLets.has(hi)) return 0;
    const p = pairOf(rc, stripOr0(rhsLo), stripOr0(rhsHi));
    if (p < 0) return 0;
    // A copy: later writes of the register do not reach the temporaries.
    const v = rc.local(I64), from = asBaseDisp(rc, p);
    rc.code.get(p).set(v);
    if (from !== undefined) rc.mem.derive(v, from);
    rc.declareHalf(lo, v, 0); rc.declareHalf(hi, v, 1);
    if (rc.stackDerived(rhsLo) || rc.stackDerived(rhsHi)) { rc.stackVars.add(lo); rc.stackVars.add(hi); }
    return 2;
  }
  const v = getPairedHalf(rc.vars.get(lo), rc.vars.get(hi));
  // JavaScript assigns lo first: hi's value must not read it.
  if (v < 0 || readsName(rhsHi, lo)) return 0;
  // Each half must be an int32 number, as for any assignment of an int32 variable.
  for (const text of [rhsLo, rhsHi]) {
    if (INT.test(text) || NAME.test(text)) continue;
    const e = rc.expr(text);
    if (e.kind === 'bool' || e.kind === 'f64' || e.negz || e.min < -(2 ** 31) || e.max > 2 ** 31 - 1) return 0;
  }
  const before = rc.code.stampOf(v);
  pushI64(rc, rhsLo, rhsHi);
  rc.code.set(v);
  rc.mem.moved(v, pairOf(rc, rhsLo, rhsHi), before);
  if (!TEMPORARY.test(lo)) rc.committed = true;
  return 2;
}
/** ASSIGN's match of a statement, the last one kept: statements.ts tries each statement as the
 * second of a pair and then, when that fails, as the first of the next. */
function assignment(text: string): RegExpExecArray | null {
  if (text !== lastAssignText) { lastAssignText = text; lastAssign = ASSIGN.exec(text); }
  return lastAssign;
}
let lastAssignText = '', lastAssign: RegExpExecArray | null = null;
function stripOr0(x: string): string { return x.endsWith(' | 0') ? x.slice(0, -4) : x; }
/** Whether the expression text names the variable. */
function readsName(text: string, name: string): boolean {
  for (let k = text.indexOf(name); k >= 0; k = text.indexOf(name, k + 1)) {
    const before = text.charCodeAt(k - 1), after = text.charCodeAt(k + name.length);
    if (!isNameChar(before) && !isNameChar(after)) return true;
  }
  return false;
}
function isNameChar(ch: number): boolean {
  return (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch === 95 || ch === 36 || ch === 46;
}
