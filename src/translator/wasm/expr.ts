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
//
// and converts where JS converts: ToInt32 (the bit operators, shifts, Math.imul) is i32.wrap_i64 of the
// exact value; comparisons and === compare exact values (i64, after sign or zero extension); a bool
// in arithmetic is 0/1. Math.clz32, rt.popcnt32 and rt.ctz64/clz64 map to the wasm instructions that
// compute the same function. Anything outside this subset (doubles, division, member access, other
// calls, mixed boolean/number equality) throws Unsupported, and the caller keeps the JS back end.

import { Code, I32, I64, type ValType } from './encode.js';

export class Unsupported extends Error {}

export type Kind = 'i32' | 'u32' | 'bool' | 'int';
/** A compiled expression: its wasm code leaves one value (i64 for 'int', else i32) on the stack. */
export interface Compiled { kind: Kind; min: number; max: number; emit(c: Code): void }
/** A variable the expression may name: a wasm local (i64 for 'int'), with the range of its values if
 * narrower than its kind's (required for 'int'). */
export interface Variable { local: number; kind: Kind; min?: number; max?: number }

const LIMIT = 2 ** 53;
const I32_MIN = -(2 ** 31), I32_MAX = 2 ** 31 - 1, U32_MAX = 2 ** 32 - 1;

// ---- tokens and parse tree -------------------------------------------------------------------

type Node =
  | { t: 'num'; v: number }
  | { t: 'var'; name: string }
  | { t: 'un'; op: string; a: Node }
  | { t: 'bin'; op: string; a: Node; b: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node }
  | { t: 'imul'; a: Node; b: Node }
  | { t: 'floor'; a: Node }
  | { t: 'bitcount'; op: 'ctz' | 'clz'; a: Node; b: Node }
  | { t: 'bitcount32'; op: 'i32.clz' | 'i32.popcnt'; a: Node };

const TOKEN = /\s*(0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*|>>>|===|!==|<<|>>|<=|>=|&&|\|\||[-+*/%&|^~!<>?:(),])/y;

const TRAILING_SPACE = /\s*$/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < src.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) {
      TRAILING_SPACE.lastIndex = pos;
      if (TRAILING_SPACE.test(src)) break;
      throw new Unsupported(`unsupported syntax at '${src.slice(pos, pos + 12)}'`);
    }
    out.push(m[1]);
    pos = TOKEN.lastIndex;
  }
  return out;
}

// Binary operators by JavaScript precedence (higher binds tighter).
const PREC: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '===': 6, '!==': 6, '<': 7, '>': 7, '<=': 7, '>=': 7,
  '<<': 8, '>>': 8, '>>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

function parse(src: string): Node {
  const tk = tokenize(src);
  let p = 0;
  const peek = () => tk[p];
  const take = (want?: string) => {
    const t = tk[p++];
    if (t === undefined || (want !== undefined && t !== want)) throw new Unsupported(`expected '${want ?? 'a token'}' in '${src}'`);
    return t;
  };
  const primary = (): Node => {
    const t = take();
    if (t === '(') { const e = ternary(); take(')'); return e; }
    if (t === '!' || t === '~' || t === '-' || t === '+') return { t: 'un', op: t, a: primary() };
    if (/^[0-9]/.test(t)) {
      const v = Number(t);
      if (!Number.isSafeInteger(v)) throw new Unsupported(`non-integer literal ${t}`);
      return { t: 'num', v };
    }
    if (t === 'Math.imul') { take('('); const a = ternary(); take(','); const b = ternary(); take(')'); return { t: 'imul', a, b }; }
    if (t === 'Math.floor') { take('('); const a = ternary(); take(')'); return { t: 'floor', a }; }
    if (t === 'Math.clz32' || t === 'rt.popcnt32') {
      take('('); const a = ternary(); take(')');
      return { t: 'bitcount32', op: t === 'Math.clz32' ? 'i32.clz' : 'i32.popcnt', a };
    }
    if (t === 'rt.ctz64' || t === 'rt.clz64') {
      take('('); const a = ternary(); take(','); const b = ternary(); take(')');
      return { t: 'bitcount', op: t === 'rt.ctz64' ? 'ctz' : 'clz', a, b };
    }
    if (/^[A-Za-z_$][\w$]*$/.test(t) && peek() !== '(' && peek() !== '[') return { t: 'var', name: t };
    throw new Unsupported(`unsupported operand '${t}'`);
  };
  const binary = (minPrec: number): Node => {
    let left = primary();
    for (;;) {
      const op = peek();
      const prec = op === undefined ? undefined : PREC[op];
      if (prec === undefined || prec < minPrec) return left;
      take();
      left = { t: 'bin', op, a: left, b: binary(prec + 1) };
    }
  };
  const ternary = (): Node => {
    const c = binary(1);
    if (peek() !== '?') return c;
    take('?');
    const a = ternary();
    take(':');
    const b = ternary();
    return { t: 'cond', c, a, b };
  };
  const e = ternary();
  if (p !== tk.length) throw new Unsupported(`trailing '${tk[p]}' in '${src}'`);
  return e;
}

// ---- typing and code generation ---------------------------------------------------------------

const isPow2 = (v: number) => Number.isSafeInteger(v) && v > 0 && 2 ** Math.round(Math.log2(v)) === v;

const range = (kind: Kind): [number, number] =>
  kind === 'i32' ? [I32_MIN, I32_MAX] : kind === 'u32' ? [0, U32_MAX] : kind === 'bool' ? [0, 1] : [-LIMIT, LIMIT];

/** The exact value as an i64. */
function asI64(x: Compiled, c: Code): void {
  x.emit(c);
  if (x.kind === 'i32') c.op('i64.extend_i32_s');
  else if (x.kind === 'u32' || x.kind === 'bool') c.op('i64.extend_i32_u');
}
/** ToInt32 of the value, as an i32 (its low 32 bits). */
function asBits(x: Compiled, c: Code): void {
  x.emit(c);
  if (x.kind === 'int') c.op('i32.wrap_i64');
}
/** JavaScript truthiness as an i32 0/1 (numbers here are never NaN). */
function asTruth(x: Compiled, c: Code): void {
  if (x.kind === 'bool') { x.emit(c); return; }
  if (x.kind === 'int') { x.emit(c); c.op('i64.eqz').op('i32.eqz'); return; }
  x.emit(c); c.op('i32.eqz').op('i32.eqz');
}

function exact(kind: 'int', min: number, max: number, emit: (c: Code) => void): Compiled {
  if (min < -LIMIT || max > LIMIT) throw new Unsupported(`result not exact in a double [${min}, ${max}]`);
  return { kind, min, max, emit };
}

function literal(v: number): Compiled {
  if (v >= I32_MIN && v <= I32_MAX) return { kind: 'i32', min: v, max: v, emit: (c) => c.i32(v) };
  if (v >= 0 && v <= U32_MAX) return { kind: 'u32', min: v, max: v, emit: (c) => c.i32(v | 0) };
  return exact('int', v, v, (c) => c.i64(v % 2 ** 32 | 0, Math.floor(v / 2 ** 32) | 0));
}

function compileNode(n: Node, vars: (name: string) => Variable | undefined): Compiled {
  const sub = (m: Node) => compileNode(m, vars);
  switch (n.t) {
    case 'num': return literal(n.v);
    case 'var': {
      const v = vars(n.name);
      if (!v) throw new Unsupported(`unknown variable ${n.name}`);
      const [min, max] = v.min !== undefined && v.max !== undefined ? [v.min, v.max] : range(v.kind);
      return { kind: v.kind, min, max, emit: (c) => c.get(v.local) };
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
      return exact('int', Math.floor(a.min / d.b.v), Math.floor(a.max / d.b.v), (c) => { asI64(a, c); c.i64(k, 0).op('i64.shr_s'); });
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
    case 'cond': {
      const q = sub(n.c), a = sub(n.a), b = sub(n.b);
      const min = Math.min(a.min, b.min), max = Math.max(a.max, b.max);
      if (a.kind === b.kind && a.kind !== 'int') {
        return { kind: a.kind, min, max, emit: (c) => { a.emit(c); b.emit(c); asTruth(q, c); c.op('select'); } };
      }
      if ((a.kind === 'bool') !== (b.kind === 'bool')) throw new Unsupported('conditional mixes booleans and numbers');
      return exact('int', min, max, (c) => { asI64(a, c); asI64(b, c); asTruth(q, c); c.op('select'); });
    }
    case 'un': {
      const a = sub(n.a);
      switch (n.op) {
        case '!': return { kind: 'bool', min: 0, max: 1, emit: (c) => { asTruth(a, c); c.op('i32.eqz'); } };
        case '~': return { kind: 'i32', min: I32_MIN, max: I32_MAX, emit: (c) => { asBits(a, c); c.i32(-1).op('i32.xor'); } };
        case '+': if (a.kind === 'bool') throw new Unsupported('unary + of a boolean'); return a;
        default: return exact('int', -a.max, -a.min, (c) => { c.i64(0, 0); asI64(a, c); c.op('i64.sub'); });
      }
    }
    case 'bin': return binaryOp(n.op, sub(n.a), sub(n.b));
  }
}

function binaryOp(op: string, a: Compiled, b: Compiled): Compiled {
  const i32Op = (name: 'i32.and' | 'i32.or' | 'i32.xor' | 'i32.shl' | 'i32.shr_s', min = I32_MIN, max = I32_MAX): Compiled =>
    ({ kind: 'i32', min, max, emit: (c) => { asBits(a, c); asBits(b, c); c.op(name); } });
  const shiftCount = b.min === b.max ? b.min & 31 : null;
  switch (op) {
    case '+': return exact('int', a.min + b.min, a.max + b.max, (c) => { asI64(a, c); asI64(b, c); c.op('i64.add'); });
    case '-': return exact('int', a.min - b.max, a.max - b.min, (c) => { asI64(a, c); asI64(b, c); c.op('i64.sub'); });
    case '*': {
      const p = [a.min * b.min, a.min * b.max, a.max * b.min, a.max * b.max];
      return exact('int', Math.min(...p), Math.max(...p), (c) => { asI64(a, c); asI64(b, c); c.op('i64.mul'); });
    }
    case '%': {
      // x % 2^k with the dividend's sign, as JS: i64.rem_s of the exact integer.
      if (b.min !== b.max || !isPow2(b.min)) throw new Unsupported('% by other than 2^k');
      const m = b.min - 1;
      return exact('int', a.min < 0 ? -m : 0, a.max > 0 ? m : 0, (c) => { asI64(a, c); asI64(b, c); c.op('i64.rem_s'); });
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
      if (a.kind === 'bool') return { kind: 'bool', min: 0, max: 1, emit: (c) => { a.emit(c); b.emit(c); c.op(`i32.${name}`); } };
      return { kind: 'bool', min: 0, max: 1, emit: (c) => { asI64(a, c); asI64(b, c); c.op(`i64.${name}`); } };
    }
    case '<': case '>': case '<=': case '>=': {
      const name = ({ '<': 'lt_s', '>': 'gt_s', '<=': 'le_s', '>=': 'ge_s' } as const)[op];
      return { kind: 'bool', min: 0, max: 1, emit: (c) => { asI64(a, c); asI64(b, c); c.op(`i64.${name}`); } };
    }
    case '&&': case '||': {
      // Both sides are pure here, so evaluating both is the same as short-circuiting; JS returns an
      // operand, which is a boolean only when both are.
      if (a.kind !== 'bool' || b.kind !== 'bool') throw new Unsupported(`${op} of non-booleans`);
      return { kind: 'bool', min: 0, max: 1, emit: (c) => { a.emit(c); b.emit(c); c.op(op === '&&' ? 'i32.and' : 'i32.or'); } };
    }
    default: throw new Unsupported(`operator ${op}`);
  }
}

export { asBits, asI64, asTruth };

/** Compile a JS expression over the given variables. Throws Unsupported outside the subset. */
export function compileExpr(src: string, vars: (name: string) => Variable | undefined): Compiled {
  return compileNode(parse(src), vars);
}

/** The wasm value type a compiled expression leaves on the stack. */
export function valTypeOf(k: Kind): ValType { return k === 'int' ? I64 : I32; }
