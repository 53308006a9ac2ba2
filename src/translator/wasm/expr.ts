// JavaScript integer expressions -> WebAssembly, with JavaScript's meaning exactly.
//
// The semantics write what an instruction computes as JS expressions over int32 values (`(a + b) | 0`,
// `(x >>> 0) < (y >>> 0)`, `Math.imul(a, b)`, `c ? 1 : 0` ...). A wasm back end that reuses that text
// (DESIGN decision 1: one definition of every instruction) must give each expression the value JS
// gives it. JS numbers are doubles, so `a + b` of two int32 values is the exact sum, not a wrapped
// one, and `|`, `>>>`, `Math.imul` then take it modulo 2^32. This compiler keeps that meaning by type:
//
//   i32   an int32 number                 wasm i32
//   u32   a uint32 number (from `>>> k`)   wasm i32 holding its bits
//   bool  a JS boolean                    wasm i32 0/1
//   int   an exact integer (+ - * unary -) wasm i64, with its range: every operation must stay within
//                                        +-2^53, where doubles are exact, or the expression is refused
//   f64   a double (the SSE fast paths)   wasm f64: + - * / and Math.sqrt/abs/fround are IEEE 754
//                                        binary64 operations in both languages
//
// and converts where JS converts: ToInt32 (the bit operators, shifts, Math.imul) is i32.wrap_i64 of the
// exact value; comparisons and === compare exact values (i64, after sign or zero extension); a bool
// in arithmetic is 0/1. Math.clz32, rt.popcnt32 and rt.ctz64/clz64 map to the wasm instructions that
// compute the same function. An integer meets a double only by exact conversion, and never when it may
// be -0 (JS's -0 is a double the integer kinds cannot hold: -x of 0, -4 % 2; `negz` tracks it).
// Typed views of wasm memory (the xmm file as int32/double/float lanes, the scratch operand) are read
// by constant index. A call of another runtime function, where the caller can take the region's slow
// exit instead (ExprEnv.slow: the interpreter then runs the whole instruction), becomes that branch.
// Anything else (ToInt32 of a double, other member access or calls, mixed boolean/number equality)
// throws Unsupported, and the caller keeps the JS back end.

import { Code, F64, I32, I64, type ValType } from './encode.js';
import { type Node, parse, Unsupported } from './parse.js';

export { Unsupported };

export type Kind = 'i32' | 'u32' | 'bool' | 'int' | 'f64';
/** A compiled expression: its wasm code leaves one value (i64 for 'int', f64 for 'f64', else i32) on
 * the stack. `negz`: for an integer kind, the JS value may be -0. */
export interface Compiled {
  kind: Kind; min: number; max: number; negz?: boolean;
  /** Calls out (not pure). */
  fx?: boolean;
  emit(c: Code): void;
  /** For an exact integer: code for its low 32 bits as an i32 (what ToInt32 gives) without i64. */
  bits?(c: Code): void;
}
/** A variable the expression may name: a wasm local (i64 for 'int', f64 for 'f64'), with the range of
 * its values if narrower than its kind's (required for 'int'). */
export interface Variable {
  local: number; kind: Kind; min?: number; max?: number; negz?: boolean;
  /** An int32 held as lane k of a v128 local (an xmm register's lane; a word of a 16-byte load):
   * read with i32x4.extract_lane, assigned with i32x4.replace_lane; `local` is then -1. */
  lane?: { v: number; k: number };
  /** An int32 held as half k (0: bits 0..31, 1: bits 32..63) of an i64 local (a GPR; a 64-bit value
   * the region computes as one i64): read with i32.wrap_i64 (after i64.shr_u for the high half),
   * assigned by replacing its bits; `local` is then -1. */
  half?: { v: number; k: 0 | 1 };
}
/** Push half k of the i64 local v as an int32. */
export function getHalf(c: Code, v: number, k: 0 | 1): void {
  c.get(v);
  if (k === 1) c.i64(32, 0).op('i64.shr_u');
  c.op('i32.wrap_i64');
}
/** A typed view of wasm memory that JS names as an array (cpu.xmm, cpu.xmmF64, rt.SRC ...): element k
 * is at base + k * (4 or 8). */
export interface View {
  base: number; type: 'i32' | 'f32' | 'f64';
  /** The xmm file held in v128 locals: the local of xmm register r (element k is lane k & 3 of
   * register k >> 2; for doubles, lane k & 1 of register k >> 1). */
  v128?: (r: number) => number;
}
/** The v128 local and lane of element k of a view held in v128 locals. */
export function viewLane(view: View, k: number): { v: number; lane: number } {
  return view.type === 'f64' ? { v: view.v128!(k >> 1), lane: k & 1 } : { v: view.v128!(k >> 2), lane: k & 3 };
}
/** What an expression can refer to. */
export interface ExprEnv {
  vars(name: string): Variable | undefined;
  view?(name: string): View | undefined;
  /** Emit the branch to the slow exit that replaces a runtime call, `depth` blocks inside the
   * expression's position (absent: such calls are refused). */
  slow?(c: Code, depth: number): void;
  /** A call the region makes for real (an imported function), or null if `name` is not one; the
   * arguments (after a runtime function's `cpu`) are int32 values. */
  call?(name: string, args: Compiled[]): Compiled | null;
}

const LIMIT = 2 ** 53;
const I32_MIN = -(2 ** 31), I32_MAX = 2 ** 31 - 1, U32_MAX = 2 ** 32 - 1;

// ---- typing and code generation ---------------------------------------------------------------

const isPow2 = (v: number) => Number.isSafeInteger(v) && v > 0 && 2 ** Math.round(Math.log2(v)) === v;

const range = (kind: Kind): [number, number] =>
  kind === 'i32' ? [I32_MIN, I32_MAX] : kind === 'u32' ? [0, U32_MAX] : kind === 'bool' ? [0, 1]
    : kind === 'int' ? [-LIMIT, LIMIT] : [-Infinity, Infinity];

/** The exact value as an i64. */
function asI64(x: Compiled, c: Code): void {
  if (x.kind === 'f64') throw new Unsupported('a double as an integer');
  x.emit(c);
  if (x.kind === 'i32') c.op('i64.extend_i32_s');
  else if (x.kind === 'u32' || x.kind === 'bool') c.op('i64.extend_i32_u');
}
/** ToInt32 of the value, as an i32 (its low 32 bits). Sums, differences and products of exact
 * integers reduce modulo 2^32 term by term, so those are computed in i32 (Compiled.bits). */
function asBits(x: Compiled, c: Code): void {
  if (x.kind === 'f64') throw new Unsupported('ToInt32 of a double');
  if (x.bits) { x.bits(c); return; }
  x.emit(c);
  if (x.kind === 'int') c.op('i32.wrap_i64');
}
/** Both values lie in one 32-bit range, signed or unsigned, so their i32 bits compare as the values do
 * (with that signedness); else null. */
function range32(a: Compiled, b: Compiled): 's' | 'u' | null {
  const lo = Math.min(a.min, b.min), hi = Math.max(a.max, b.max);
  return lo >= I32_MIN && hi <= I32_MAX ? 's' : lo >= 0 && hi <= U32_MAX ? 'u' : null;
}
/** The value as a double: integers convert exactly (they are within 2^53), but not one that may be -0. */
function asF64(x: Compiled, c: Code): void {
  x.emit(c);
  if (x.kind === 'f64') return;
  if (x.negz) throw new Unsupported('an integer that may be -0 as a double');
  c.op(x.kind === 'i32' ? 'f64.convert_i32_s' : x.kind === 'int' ? 'f64.convert_i64_s' : 'f64.convert_i32_u');
}
/** JavaScript truthiness as an i32 0/1. */
function asTruth(x: Compiled, c: Code): void {
  if (x.kind === 'bool') { x.emit(c); return; }
  if (x.kind === 'int') { x.emit(c); c.op('i64.eqz').op('i32.eqz'); return; }
  // A double is falsy when zero or NaN (x === x fails only for NaN); the expression is pure.
  if (x.kind === 'f64') { x.emit(c); c.f64(0).op('f64.ne'); x.emit(c); x.emit(c); c.op('f64.eq').op('i32.and'); return; }
  x.emit(c); c.op('i32.eqz').op('i32.eqz');
}

function exact(kind: 'int', min: number, max: number, emit: (c: Code) => void, negz = false, bits?: (c: Code) => void): Compiled {
  if (min < -LIMIT || max > LIMIT) throw new Unsupported(`result not exact in a double [${min}, ${max}]`);
  return { kind, min, max, emit, negz, bits };
}
function double(emit: (c: Code) => void): Compiled { return { kind: 'f64', min: -Infinity, max: Infinity, emit }; }
const BOOL = (emit: (c: Code) => void): Compiled => ({ kind: 'bool', min: 0, max: 1, emit });
const mayBeZero = (x: Compiled) => x.min <= 0 && x.max >= 0;

function literal(v: number): Compiled {
  if (!Number.isSafeInteger(v)) return double((c) => c.f64(v));
  if (Object.is(v, -0)) return { kind: 'i32', min: 0, max: 0, negz: true, emit: (c) => c.i32(0) };
  if (v >= I32_MIN && v <= I32_MAX) return { kind: 'i32', min: v, max: v, emit: (c) => c.i32(v) };
  if (v >= 0 && v <= U32_MAX) return { kind: 'u32', min: v, max: v, emit: (c) => c.i32(v | 0) };
  return exact('int', v, v, (c) => c.i64(v % 2 ** 32 | 0, Math.floor(v / 2 ** 32) | 0));
}

interface Ctx { env: ExprEnv; /** Blocks the expression's code has open at the point being emitted. */ depth: number }

function compileNode(n: Node, x: Ctx): Compiled {
  const sub = (m: Node) => compileNode(m, x);
  switch (n.t) {
    case 'num': return literal(n.v);
    case 'var': {
      const v = x.env.vars(n.name);
      if (!v) throw new Unsupported(`unknown variable ${n.name}`);
      const [min, max] = v.min !== undefined && v.max !== undefined ? [v.min, v.max] : range(v.kind);
      const lane = v.lane;
      if (lane) return { kind: v.kind, min, max, emit: (c) => c.get(lane.v).simd('i32x4.extract_lane', lane.k) };
      const half = v.half;
      if (half) return { kind: v.kind, min, max, emit: (c) => getHalf(c, half.v, half.k) };
      return { kind: v.kind, min, max, negz: v.negz, emit: (c) => c.get(v.local) };
    }
    case 'index': {
      const view = x.env.view?.(n.name);
      if (!view) throw new Unsupported(`state outside the register locals: '${n.name}'`);
      const i = sub(n.i);
      if (i.kind === 'f64' || i.min !== i.max || i.min < 0) throw new Unsupported(`${n.name} by a computed index`);
      if (view.v128) {
        const { v, lane } = viewLane(view, i.min);
        if (view.type === 'i32') return { kind: 'i32', min: I32_MIN, max: I32_MAX, emit: (c) => c.get(v).simd('i32x4.extract_lane', lane) };
        if (view.type === 'f64') return double((c) => c.get(v).simd('f64x2.extract_lane', lane));
        return double((c) => c.get(v).simd('f32x4.extract_lane', lane).op('f64.promote_f32'));
      }
      if (view.type === 'i32') return { kind: 'i32', min: I32_MIN, max: I32_MAX, emit: (c) => c.i32(view.base + 4 * i.min).mem('i32.load', 2) };
      if (view.type === 'f64') return double((c) => c.i32(view.base + 8 * i.min).mem('f64.load', 3));
      return double((c) => c.i32(view.base + 4 * i.min).mem('f32.load', 2).op('f64.promote_f32'));
    }
    case 'math': {
      const a = sub(n.a);
      if (n.fn === 'sqrt') return double((c) => { asF64(a, c); c.op('f64.sqrt'); });
      if (n.fn === 'abs') return double((c) => { asF64(a, c); c.op('f64.abs'); });
      // Math.fround: the nearest float (ties to even), as a double: f32.demote_f64 rounds the same way.
      return double((c) => { asF64(a, c); c.op('f32.demote_f64').op('f64.promote_f32'); });
    }
    case 'call': {
      const r = callOut(n, x);
      if (!r) throw new Unsupported(`runtime call '${n.name}'`);
      return r;
    }
    case 'imul': {
      const a = sub(n.a), b = sub(n.b);
      return { kind: 'i32', min: I32_MIN, max: I32_MAX, emit: (c) => { asBits(a, c); asBits(b, c); c.op('i32.mul'); } };
    }
    case 'floor': {
      // Math.floor(x / 2^k): the exact floor quotient, an arithmetic shift of the exact integer (the
      // addresses' high halves: Math.floor(a / 4294967296)). Other divisions are refused.
      const d = n.a;
      if (d.t !== 'bin' || d.op !== '/' || d.b.t !== 'num' || !isPow2(d.b.v)) throw new Unsupported('Math.floor of other than x / 2^k');
      const a = sub(d.a), k = Math.log2(d.b.v);
      if (a.kind === 'f64') throw new Unsupported('Math.floor of a double');
      return exact('int', Math.floor(a.min / d.b.v), Math.floor(a.max / d.b.v), (c) => { asI64(a, c); c.i64(k, 0).op('i64.shr_s'); }, a.negz);
    }
    case 'bitcount': {
      // The runtime's ctz64/clz64 (semantics/prims.ts) of the 64-bit value hi:lo, 64 for zero: what
      // i64.ctz / i64.clz compute.
      const lo = sub(n.a), hi = sub(n.b);
      return {
        kind: 'i32', min: 0, max: 64,
        emit: (c) => {
          asBits(lo, c); c.op('i64.extend_i32_u');
          asBits(hi, c); c.op('i64.extend_i32_u').i64(32, 0).op('i64.shl').op('i64.or');
          c.op(n.op === 'ctz' ? 'i64.ctz' : 'i64.clz').op('i32.wrap_i64');
        },
      };
    }
    case 'bitcount32': {
      // Math.clz32 and the runtime's popcnt32 (semantics/prims.ts) of ToUint32(x): i32.clz / i32.popcnt.
      const a = sub(n.a);
      return { kind: 'i32', min: 0, max: 32, emit: (c) => { asBits(a, c); c.op(n.op); } };
    }
    case 'cond': return conditional(n, x);
    case 'un': {
      const a = sub(n.a);
      if (a.kind === 'f64') {
        if (n.op === '-') return double((c) => { a.emit(c); c.op('f64.neg'); });
        if (n.op === '+') return a;
        if (n.op === '!') return BOOL((c) => { asTruth(a, c); c.op('i32.eqz'); });
        throw new Unsupported(`${n.op} of a double`);
      }
      switch (n.op) {
        case '!': return BOOL((c) => { asTruth(a, c); c.op('i32.eqz'); });
        case '~': return { kind: 'i32', min: I32_MIN, max: I32_MAX, emit: (c) => { asBits(a, c); c.i32(-1).op('i32.xor'); } };
        case '+': if (a.kind === 'bool') throw new Unsupported('unary + of a boolean'); return a;
        default: return exact('int', -a.max, -a.min, (c) => { c.i64(0, 0); asI64(a, c); c.op('i64.sub'); }, mayBeZero(a),
          (c) => { c.i32(0); asBits(a, c); c.op('i32.sub'); });
      }
    }
    case 'bin': return compare64(n, x) ?? binaryOp(n.op, sub(n.a), sub(n.b));
  }
}

/**
 * The semantics' 64-bit tests on int32 halves as one i64 comparison (the halves of a region's i64
 * values are views of it, pairs.ts): `(lo | hi) === 0` (and !==) is i64.eqz; `(ah >>> 0) < (bh >>> 0)
 * || (ah === bh && (al >>> 0) < (bl >>> 0))` is i64.lt_u, and with `ah < bh` first, i64.lt_s. Exact
 * rewrites for any int32 halves; null for other expressions.
 */
function compare64(n: Extract<Node, { t: 'bin' }>, x: Ctx): Compiled | null {
  if ((n.op === '===' || n.op === '!==') && n.b.t === 'num' && n.b.v === 0 && n.a.t === 'bin' && n.a.op === '|') {
    const v = i64Of(n.a.a, n.a.b, x, true) ?? i64Of(n.a.b, n.a.a, x, true) ?? i64Of(n.a.a, n.a.b, x);
    if (!v) return null;
    return BOOL((c) => { v(c); c.op('i64.eqz'); if (n.op === '!==') c.op('i32.eqz'); });
  }
  if (n.op !== '||' || n.a.t !== 'bin' || n.a.op !== '<' || n.b.t !== 'bin' || n.b.op !== '&&') return null;
  const eq = n.b.a, low = n.b.b;
  if (eq.t !== 'bin' || eq.op !== '===' || low.t !== 'bin' || low.op !== '<') return null;
  const al = unsigned(low.a), bl = unsigned(low.b);
  let ah = unsigned(n.a.a), bh = unsigned(n.a.b);
  const signed = !ah && !bh;
  if (signed) { ah = n.a.a; bh = n.a.b; } else if (!ah || !bh) return null;
  if (!al || !bl || !sameLeaf(eq.a, ah) || !sameLeaf(eq.b, bh)) return null;
  const a = i64Of(al, ah, x), b = i64Of(bl, bh, x);
  if (!a || !b) return null;
  return BOOL((c) => { a(c); b(c); c.op(signed ? 'i64.lt_s' : 'i64.lt_u'); });
}
/** x of `x >>> 0`, or null. */
function unsigned(n: Node): Node | null { return n.t === 'bin' && n.op === '>>>' && n.b.t === 'num' && n.b.v === 0 ? n.a : null; }
function sameLeaf(a: Node, b: Node): boolean {
  return (a.t === 'var' && b.t === 'var' && a.name === b.name) || (a.t === 'num' && b.t === 'num' && a.v === b.v);
}
/** Code for the i64 hi:lo of two int32 leaves (variables holding int32s, int32 literals), or null
 * (also when `pairOnly` and they are not the halves of one i64 local). */
function i64Of(lo: Node, hi: Node, x: Ctx, pairOnly = false): ((c: Code) => void) | null {
  const int32 = (m: Node) => m.t === 'num' ? Number.isInteger(m.v) && m.v >= I32_MIN && m.v <= I32_MAX
    : m.t === 'var' && !!x.env.vars(m.name) && x.env.vars(m.name)!.kind === 'i32';
  if (!int32(lo) || !int32(hi)) return null;
  if (lo.t === 'num' && hi.t === 'num') return (c) => c.i64(lo.v, hi.v);
  if (lo.t === 'var' && hi.t === 'var') {
    const l = x.env.vars(lo.name)!.half, h = x.env.vars(hi.name)!.half;
    if (l && h && l.v === h.v && l.k === 0 && h.k === 1) return (c) => c.get(l.v);
  }
  if (pairOnly) return null;
  const cl = compileNode(lo, x), ch = compileNode(hi, x);
  if (cl.min < I32_MIN || cl.max > I32_MAX || ch.min < I32_MIN || ch.max > I32_MAX) return null;
  return (c) => {
    asBits(cl, c); c.op('i64.extend_i32_u');
    if (hi.t === 'num' && hi.v === 0) return;
    asBits(ch, c); c.op('i64.extend_i32_u').i64(32, 0).op('i64.shl').op('i64.or');
  };
}

/** A call of an imported function (ExprEnv.call), or null. A runtime function's first argument must
 * be `cpu` (the import passes it); the MMU's (M.*) take only numbers. */
function callOut(n: Extract<Node, { t: 'call' }>, x: Ctx): Compiled | null {
  if (!x.env.call) return null;
  let args = n.args;
  if (n.name.startsWith('rt.')) {
    if (args.length === 0 || args[0].t !== 'var' || args[0].name !== 'cpu') return null;
    args = args.slice(1);
  }
  const r = x.env.call(n.name, args.map((a) => compileNode(a, x)));
  return r && { ...r, fx: true };
}

/** c ? a : b. Pure arms: `select` evaluates both. An arm that calls out runs only when chosen, under
 * an `if`; an arm that is a runtime call the region cannot make becomes the slow exit. */
function conditional(n: Extract<Node, { t: 'cond' }>, x: Ctx): Compiled {
  const q = compileNode(n.c, x);
  const callA = n.a.t === 'call' && !callOut(n.a, x), callB = n.b.t === 'call' && !callOut(n.b, x);
  if (callA || callB) {
    if (callA && callB) throw new Unsupported('runtime calls in both arms');
    const slow = x.env.slow;
    if (!slow) throw new Unsupported(`runtime call '${((callA ? n.a : n.b) as { name: string }).name}'`);
    const v = compileNode(callA ? n.b : n.a, x);
    const vt = valTypeOf(v.kind);
    return {
      ...v,
      emit: (c) => {
        asTruth(q, c);
        if (callA) c.op('i32.eqz');
        c.begin('if', vt);
        v.emit(c);
        c.op('else');
        x.depth++; slow(c, x.depth); x.depth--;
        c.end();
      },
    };
  }
  const a = compileNode(n.a, x), b = compileNode(n.b, x);
  const negz = !!(a.negz || b.negz);
  // c ? 1 : 0 and c ? 0 : 1: the number of c's truth.
  if (isConst(a) && isConst(b) && a.kind === 'i32' && b.kind === 'i32' && a.min + b.min === 1 && a.min * b.min === 0 && !q.fx) {
    return { kind: 'i32', min: 0, max: 1, emit: (c) => { asTruth(q, c); if (a.min === 0) c.op('i32.eqz'); } };
  }
  if (a.fx || b.fx) {
    // Only the chosen arm runs: an if with a result of the arms' common type.
    if (a.kind !== b.kind || a.kind === 'int') throw new Unsupported('conditional with a call and mixed kinds');
    return {
      kind: a.kind, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), negz, fx: true,
      emit: (c) => { asTruth(q, c); c.begin('if', valTypeOf(a.kind)); x.depth++; a.emit(c); c.op('else'); b.emit(c); x.depth--; c.end(); },
    };
  }
  if (a.kind === 'f64' || b.kind === 'f64') {
    if (a.kind === 'bool' || b.kind === 'bool') throw new Unsupported('conditional mixes booleans and numbers');
    return double((c) => { asF64(a, c); asF64(b, c); asTruth(q, c); c.op('select'); });
  }
  const min = Math.min(a.min, b.min), max = Math.max(a.max, b.max);
  if (a.kind === b.kind && a.kind !== 'int') {
    return { kind: a.kind, min, max, negz, emit: (c) => { a.emit(c); b.emit(c); asTruth(q, c); c.op('select'); } };
  }
  if ((a.kind === 'bool') !== (b.kind === 'bool')) throw new Unsupported('conditional mixes booleans and numbers');
  return exact('int', min, max, (c) => { asI64(a, c); asI64(b, c); asTruth(q, c); c.op('select'); }, negz,
    (c) => { asBits(a, c); asBits(b, c); asTruth(q, c); c.op('select'); });
}

const F64_COMPARE = { '<': 'f64.lt', '>': 'f64.gt', '<=': 'f64.le', '>=': 'f64.ge', '===': 'f64.eq', '!==': 'f64.ne' } as const;
const F64_ARITH = { '+': 'f64.add', '-': 'f64.sub', '*': 'f64.mul', '/': 'f64.div' } as const;

/** An integer whose value is known (a literal, or an expression of literals). */
const isConst = (x: Compiled) => x.min === x.max && (x.kind === 'i32' || x.kind === 'u32' || x.kind === 'int') && !x.negz && !x.fx;
/** ToInt32(x) without code when x is already an int32. */
function toInt32(x: Compiled): Compiled {
  if (x.kind === 'i32') return { ...x, negz: false };
  const inRange = x.min >= I32_MIN && x.max <= I32_MAX;
  return { kind: 'i32', min: inRange ? x.min : I32_MIN, max: inRange ? x.max : I32_MAX, emit: (c) => asBits(x, c) };
}
/** ToUint32(x) (x >>> 0): the same i32 bits. */
function toUint32(x: Compiled): Compiled {
  const inRange = x.min >= 0 && x.max <= U32_MAX;
  const min = inRange ? x.min : 0, max = inRange ? x.max : U32_MAX;
  return { kind: max <= I32_MAX ? 'i32' : 'u32', min, max, emit: (c) => asBits(x, c) };
}
/**
 * Operations the emitter's text spells out that need no code: both operands known (16 >> 31, 0 - 0),
 * or an identity (x | 0, x >>> 0, x + 0, x & -1). The translator's own JavaScript computes the value
 * of a constant expression, so it is JavaScript's value by construction. Fewer operations is less
 * for V8 to compile: these were a fifth of a region's code.
 */
function simplify(op: string, a: Compiled, b: Compiled): Compiled | null {
  if (isConst(a) && isConst(b)) {
    const x = a.min, y = b.min;
    const v = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '|' ? x | y : op === '&' ? x & y : op === '^' ? x ^ y
      : op === '<<' ? x << y : op === '>>' ? x >> y : op === '>>>' ? x >>> y : null;
    return v !== null && Number.isSafeInteger(v) ? literal(v) : null;
  }
  const is = (x: Compiled, v: number) => isConst(x) && x.min === v;
  switch (op) {
    case '|': case '^': return is(b, 0) ? toInt32(a) : is(a, 0) ? toInt32(b) : null;
    case '<<': case '>>': return is(b, 0) ? toInt32(a) : null;
    case '>>>': return is(b, 0) ? toUint32(a) : null;
    case '&': return is(b, -1) ? toInt32(a) : is(a, -1) ? toInt32(b) : null;
    // -0 + 0 is +0; -0 - 0 stays -0. A boolean plus 0 is a number: left to the general case.
    case '+': return is(b, 0) && a.kind !== 'bool' ? { ...a, negz: false } : is(a, 0) && b.kind !== 'bool' ? { ...b, negz: false } : null;
    case '-': return is(b, 0) && a.kind !== 'bool' ? a : null;
    default: return null;
  }
}

function binaryOp(op: string, a: Compiled, b: Compiled): Compiled {
  if (a.kind !== 'f64' && b.kind !== 'f64') { const s = simplify(op, a, b); if (s) return s; }
  if (a.kind === 'f64' || b.kind === 'f64' || op === '/') {
    // JS arithmetic on doubles (and a / b of integers, which is a double) is IEEE 754 binary64.
    if (a.kind === 'bool' || b.kind === 'bool') throw new Unsupported(`${op} of a boolean and a double`);
    if (op in F64_ARITH) { const name = F64_ARITH[op as keyof typeof F64_ARITH]; return double((c) => { asF64(a, c); asF64(b, c); c.op(name); }); }
    if (op in F64_COMPARE) {
      // -0 === 0 and -0 < x compare as zero does: the sign of an integer zero cannot matter here.
      const name = F64_COMPARE[op as keyof typeof F64_COMPARE];
      const conv = (v: Compiled, c: Code) => (v.kind === 'f64' ? v.emit(c) : asF64({ ...v, negz: false }, c));
      return BOOL((c) => { conv(a, c); conv(b, c); c.op(name); });
    }
    throw new Unsupported(`operator ${op} on a double`);
  }
  const i32Op = (name: 'i32.and' | 'i32.or' | 'i32.xor' | 'i32.shl' | 'i32.shr_s', min = I32_MIN, max = I32_MAX): Compiled =>
    ({ kind: 'i32', min, max, emit: (c) => { asBits(a, c); asBits(b, c); c.op(name); } });
  const shiftCount = b.min === b.max ? b.min & 31 : null;
  // Beyond 2^53 JS rounds the sum or product to a double (imul r32's CF/OF compare the wrapped product
  // with it): the same IEEE operation on the exactly converted operands. ToInt32 of it is refused.
  if ((op === '+' || op === '-' || op === '*') && a.kind !== 'bool' && b.kind !== 'bool') {
    const ends = op === '+' ? [a.min + b.min, a.max + b.max] : op === '-' ? [a.min - b.max, a.max - b.min]
      : [a.min * b.min, a.min * b.max, a.max * b.min, a.max * b.max];
    if (Math.max(...ends.map(Math.abs)) > LIMIT) {
      const name = F64_ARITH[op as '+' | '-' | '*'];
      return double((c) => { asF64(a, c); asF64(b, c); c.op(name); });
    }
  }
  switch (op) {
    case '+': return exact('int', a.min + b.min, a.max + b.max, (c) => { asI64(a, c); asI64(b, c); c.op('i64.add'); }, !!(a.negz && b.negz),
      (c) => { asBits(a, c); asBits(b, c); c.op('i32.add'); });
    case '-': return exact('int', a.min - b.max, a.max - b.min, (c) => { asI64(a, c); asI64(b, c); c.op('i64.sub'); }, !!a.negz,
      (c) => { asBits(a, c); asBits(b, c); c.op('i32.sub'); });
    case '*': {
      const p = [a.min * b.min, a.min * b.max, a.max * b.min, a.max * b.max];
      // A zero times a negative number is -0 in JS.
      const negz = ((mayBeZero(a) || !!a.negz) && (b.min < 0 || !!a.negz)) || ((mayBeZero(b) || !!b.negz) && (a.min < 0 || !!b.negz));
      return exact('int', Math.min(...p), Math.max(...p), (c) => { asI64(a, c); asI64(b, c); c.op('i64.mul'); }, negz,
        (c) => { asBits(a, c); asBits(b, c); c.op('i32.mul'); });
    }
    case '%': {
      // x % 2^k with the dividend's sign, as JS: i64.rem_s of the exact integer (-4 % 2 is -0).
      if (b.min !== b.max || !isPow2(b.min)) throw new Unsupported('% by other than 2^k');
      const m = b.min - 1;
      // By 2^32 or more, the remainder is congruent to x modulo 2^32: the same low bits.
      return exact('int', a.min < 0 ? -m : 0, a.max > 0 ? m : 0, (c) => { asI64(a, c); asI64(b, c); c.op('i64.rem_s'); }, a.min < 0 || !!a.negz,
        b.min >= 2 ** 32 ? (c) => asBits(a, c) : undefined);
    }
    case '&': {
      // A non-negative mask bounds the result (x & 0xffff is in [0, 0xffff]).
      const m = b.min === b.max && b.min >= 0 && b.min <= I32_MAX ? b.min : a.min === a.max && a.min >= 0 && a.min <= I32_MAX ? a.min : null;
      return m === null ? i32Op('i32.and') : i32Op('i32.and', 0, m);
    }
    case '|': return i32Op('i32.or');
    case '^': return i32Op('i32.xor');
    case '<<': return i32Op('i32.shl');
    case '>>': return shiftCount === null ? i32Op('i32.shr_s') : i32Op('i32.shr_s', -(2 ** (31 - shiftCount)), 2 ** (31 - shiftCount) - 1);
    case '>>>': {
      const max = shiftCount === null ? U32_MAX : 2 ** (32 - shiftCount) - 1;
      // A result below 2^31 is also an int32: give it that kind so later code needs no zero extension.
      return { kind: max <= I32_MAX ? 'i32' : 'u32', min: 0, max, emit: (c) => { asBits(a, c); asBits(b, c); c.op('i32.shr_u'); } };
    }
    case '===': case '!==': {
      if ((a.kind === 'bool') !== (b.kind === 'bool')) throw new Unsupported('=== between a boolean and a number');
      const name = op === '===' ? 'eq' : 'ne';
      if (a.kind === 'bool') return BOOL((c) => { a.emit(c); b.emit(c); c.op(`i32.${name}`); });
      if (range32(a, b)) return BOOL((c) => { asBits(a, c); asBits(b, c); c.op(`i32.${name}`); });
      return BOOL((c) => { asI64(a, c); asI64(b, c); c.op(`i64.${name}`); });
    }
    case '<': case '>': case '<=': case '>=': {
      const r = range32(a, b), cmp = ({ '<': 'lt', '>': 'gt', '<=': 'le', '>=': 'ge' } as const)[op];
      if (r) return BOOL((c) => { asBits(a, c); asBits(b, c); c.op(`i32.${cmp}_${r}`); });
      return BOOL((c) => { asI64(a, c); asI64(b, c); c.op(`i64.${cmp}_s`); });
    }
    case '&&': case '||': {
      // Evaluating both sides is short-circuiting when the right one is pure. JS returns an operand:
      // a || b is a ? a : b, a && b is a ? b : a (numbers of one kind: a select on a's truth).
      if (b.fx || (a.fx && a.kind !== 'bool')) throw new Unsupported(`${op} with a call`);
      if (a.kind === 'bool' && b.kind === 'bool') return BOOL((c) => { a.emit(c); b.emit(c); c.op(op === '&&' ? 'i32.and' : 'i32.or'); });
      if (a.kind !== b.kind || a.kind === 'bool' || a.kind === 'int') throw new Unsupported(`${op} of mixed kinds`);
      const [t, f] = op === '||' ? [a, b] : [b, a];
      return { kind: a.kind, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), emit: (c) => { t.emit(c); f.emit(c); asTruth(a, c); c.op('select'); } };
    }
    default: throw new Unsupported(`operator ${op}`);
  }
}

export { asBits, asF64, asI64, asTruth };

/** Compile a JS expression over the given variables (and views). Throws Unsupported outside the subset. */
export function compileExpr(src: string, env: ExprEnv | ((name: string) => Variable | undefined)): Compiled {
  let node = PARSED.get(src);
  if (node === undefined) {
    // A lone name or decimal literal (half of a region's right-hand sides: copies, constants) is the
    // node parse() would make, without tokenizing.
    node = IDENT.test(src) ? { t: 'var', name: src } : DIGITS.test(src) ? { t: 'num', v: Number(src) } : parse(src);
    if (PARSED.size >= PARSED_MAX) PARSED.clear();
    PARSED.set(src, node);
  }
  return compileNode(node, { env: typeof env === 'function' ? { vars: env } : env, depth: 0 });
}
const IDENT = /^[A-Za-z_$][\w$]*$/, DIGITS = /^\d{1,15}$/;
/** Expression trees by source text. The emitter writes the same expressions again and again (86% of
 * malloc_churn's 7,700 were repeats: temporaries are named per instruction of a block, and a block is
 * compiled again in each region that holds it), and compileNode never changes a tree. Bounded: cleared
 * when full. (A text parse() refuses throws each time; it is not kept.) */
const PARSED = new Map<string, Node>();
const PARSED_MAX = 1 << 14;

/** The wasm value type a compiled expression leaves on the stack. */
export function valTypeOf(k: Kind): ValType { return k === 'int' ? I64 : k === 'f64' ? F64 : I32; }
