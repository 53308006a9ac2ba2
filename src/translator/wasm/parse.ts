// The parser of the wasm compiler's expressions (expr.ts): the JavaScript expression dialect the
// semantics write (numbers, names, unary and binary operators, ?:, Math.imul / floor / clz32 / sqrt /
// abs / fround, rt.ctz64 / clz64 / popcnt32, calls, typed-view indexing), tokenized and parsed into a
// tree by JavaScript's precedence.

/** A construct the wasm back end does not compile: the region stays JavaScript (RINGJIT_WASM_WHY). */
export class Unsupported extends Error {}

export type Node =
  | { t: 'num'; v: number }
  | { t: 'var'; name: string }
  | { t: 'un'; op: string; a: Node }
  | { t: 'bin'; op: string; a: Node; b: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node }
  | { t: 'imul'; a: Node; b: Node }
  | { t: 'floor'; a: Node }
  | { t: 'bitcount'; op: 'ctz' | 'clz'; a: Node; b: Node }
  | { t: 'bitcount32'; op: 'i32.clz' | 'i32.popcnt'; a: Node }
  | { t: 'index'; name: string; i: Node }
  | { t: 'math'; fn: 'sqrt' | 'abs' | 'fround'; a: Node }
  | { t: 'call'; name: string; args: Node[] };

/** Names as tokens (module-level: a regular-expression literal in a function is a new object per call). */
const DOTTED_NAME = /^[A-Za-z_$][\w$.]*$/, PLAIN_NAME = /^[A-Za-z_$][\w$]*$/;
const TOKEN = /\s*(0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*|>>>|===|!==|<<|>>|<=|>=|&&|\|\||[-+*/%&|^~!<>?:(),[\]])/y;

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

export function parse(src: string): Node {
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
    const c0 = t.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57) {
      const v = Number(t);
      if (!Number.isFinite(v)) throw new Unsupported(`literal ${t}`);
      return { t: 'num', v };
    }
    if (t === 'Math.sqrt' || t === 'Math.abs' || t === 'Math.fround') {
      take('('); const a = ternary(); take(')');
      return { t: 'math', fn: t.slice(5) as 'sqrt' | 'abs' | 'fround', a };
    }
    if (DOTTED_NAME.test(t) && peek() === '[') {
      take('['); const i = ternary(); take(']');
      return { t: 'index', name: t, i };
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
    if ((t.startsWith('rt.') || t.startsWith('M.')) && peek() === '(') {
      // Another runtime function: compiled as a call of an imported function or as the slow exit.
      take('(');
      const args: Node[] = [];
      if (peek() !== ')') { args.push(ternary()); while (peek() === ',') { take(','); args.push(ternary()); } }
      take(')');
      return { t: 'call', name: t, args };
    }
    if (PLAIN_NAME.test(t) && peek() !== '(' && peek() !== '[') return { t: 'var', name: t };
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
