// The statements of a region's JavaScript text (the dialect the block emitter writes), parsed into a
// tree for region.ts: `let`/`const`/assignments and calls as simple statements, `if`/`else`, `while`,
// blocks, and `// insn N` markers where instruction N starts. Expressions stay text (expr.ts parses
// them).

import { Unsupported } from './expr.js';

export type Stmt =
  | { t: 'insn'; n: number }
  /** The low 64 bits of a 64x64 product (alu.ts mulLow64's marker): lo, hi, the limb temporaries. */
  | { t: 'mul64'; lo: string; hi: string; temps: string[]; args: string[] }
  /** A 64-bit operation (Emitter.mark64's marker, after its statements): lo, hi = op(args); temps are
   * the other temporaries its statements declared. */
  | { t: 'i64'; op: string; lo: string; hi: string; temps: string[]; args: string[] }
  /** A lane-wise SSE operation as one SIMD instruction (integer.ts lanes32's marker). */
  | { t: 'v128'; op: string; dst: string[]; src: string[]; temps: string[] }
  /** A lane permutation as one i8x16.shuffle (common.ts permuteLanes' marker): its bytes, the N
   * assignments before it. */
  | { t: 'v128shuffle'; bytes: number[]; dst: string[]; src: string[]; temps: string[]; n: number }
  /** pmovmskb's mask as i8x16.bitmask (moves.ts's marker): the temporary it defines, the lanes. */
  | { t: 'v128mask'; name: string; src: string[] }
  | { t: 'simple'; text: string }
  | { t: 'if'; cond: string; then: Stmt[]; else: Stmt[] | null }
  | { t: 'while'; cond: string; body: Stmt[] }
  | { t: 'block'; body: Stmt[] };

const words = (x: string): string[] => x.trim().split(/\s+/).filter((w) => w !== '');

export function parseStatements(src: string): Stmt[] {
  let p = 0;
  /** Instruction markers seen by ws(), for list() to emit in order. */
  const pending: Stmt[] = [];
  const ws = () => {
    for (;;) {
      for (let ch = src.charCodeAt(p); ch === 32 || ch === 10 || ch === 9 || ch === 13; ch = src.charCodeAt(p)) p++;
      if (src.startsWith('//', p)) {
        const start = p, nl = src.indexOf('\n', p);
        p = nl < 0 ? src.length : nl;
        // `// insn N at ...` starts instruction N (its statements follow).
        if (src.startsWith('// insn ', start)) {
          pending.push({ t: 'insn', n: parseInt(src.slice(start + 8, start + 16), 10) });
          continue;
        }
        // Markers: `// @name ...`.
        if (!src.startsWith('// @', start)) continue;
        const line = src.slice(start, p);
        const i64 = line.startsWith('// @i64 ') ? /^\/\/ @i64 (\w+) (\S+) (\S+) \| ([^|]*) \| (.*)$/.exec(line) : null;
        if (i64) { pending.push({ t: 'i64', op: i64[1], lo: i64[2], hi: i64[3], temps: words(i64[4]), args: words(i64[5]) }); continue; }
        const mul = /^\/\/ @mul64lo (\S+) (\S+) \| ([^|]*) \| (.*)$/.exec(line);
        if (mul) pending.push({ t: 'mul64', lo: mul[1], hi: mul[2], temps: mul[3].trim().split(/\s+/), args: args(mul[4]) });
        const shuf = /^\/\/ @v128shuffle ([\d,]+) \| ([^|]*) \| ([^|]*) \| ([^|]*) \| (\d)$/.exec(line);
        if (shuf) {
          pending.push({ t: 'v128shuffle', bytes: shuf[1].split(',').map(Number), dst: words(shuf[2]), src: words(shuf[3]), temps: words(shuf[4]), n: Number(shuf[5]) });
          continue;
        }
        const msk = /^\/\/ @v128mask (\S+) \| (.*)$/.exec(line);
        if (msk) pending.push({ t: 'v128mask', name: msk[1], src: msk[2].trim().split(/\s+/) });
        const vec = /^\/\/ @v128 (\S+) \| ([^|]*) \| ([^|]*) \| (.*)$/.exec(line);
        if (vec) {
          pending.push({ t: 'v128', op: vec[1], dst: words(vec[2]), src: words(vec[3]), temps: words(vec[4]) });
        }
        continue;
      }
      return;
    }
  };
  /** Text up to the delimiter at depth 0 (parentheses and brackets nest; strings are skipped). */
  const until = (delims: string): string => {
    const start = p, n = src.length;
    // At most two delimiters (')' or ';}'), compared as character codes.
    const d0 = delims.charCodeAt(0), d1 = delims.length > 1 ? delims.charCodeAt(1) : -1;
    let depth = 0;
    while (p < n) {
      const ch = src.charCodeAt(p);
      if (ch === 39 || ch === 34) { p++; while (p < n && src.charCodeAt(p) !== ch) p += src.charCodeAt(p) === 92 ? 2 : 1; p++; continue; } // ' " \\
      if (ch === 40 || ch === 91) depth++; // ( [
      else if (ch === 41 || ch === 93) { if (depth === 0 && (ch === d0 || ch === d1)) break; depth--; } // ) ]
      else if (depth === 0 && (ch === d0 || ch === d1)) break;
      p++;
    }
    return src.slice(start, p).trim();
  };
  const block = (): Stmt[] => {
    ws();
    if (src[p] !== '{') throw new Unsupported('expected {');
    p++;
    const body = list('}');
    p++;
    return body;
  };
  /** Keyword w at p, then spaces and `next` ('' = any character that cannot continue a name). */
  const keywordAt = (w: string, next: string): boolean => {
    if (!src.startsWith(w, p)) return false;
    let q = p + w.length;
    if (next === '') { const c = src.charCodeAt(q); return !(c === 36 || c === 95 || (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122)); }
    while (src.charCodeAt(q) === 32 || src.charCodeAt(q) === 9 || src.charCodeAt(q) === 10 || src.charCodeAt(q) === 13) q++;
    return src[q] === next;
  };
  const statement = (): Stmt => {
    ws();
    if (src[p] === '{') return { t: 'block', body: block() };
    if (keywordAt('if', '(')) {
      p = src.indexOf('(', p) + 1;
      const cond = until(')');
      p++;
      ws();
      const then = src[p] === '{' ? block() : [statement()];
      ws();
      let other: Stmt[] | null = null;
      if (keywordAt('else', '')) {
        p += 4; ws();
        other = src[p] === '{' ? block() : [statement()];
      }
      return { t: 'if', cond, then, else: other };
    }
    if (keywordAt('while', '(')) {
      p = src.indexOf('(', p) + 1;
      const cond = until(')');
      p++;
      ws();
      return { t: 'while', cond, body: src[p] === '{' ? block() : [statement()] };
    }
    const start = p;
    const text = until(';}');
    if (src[p] === ';') p++;
    // A '}' where a statement should start would never be consumed: refuse instead of looping.
    else if (p === start) throw new Unsupported(`unexpected '${src[p]}'`);
    return { t: 'simple', text };
  };
  const list = (end: string): Stmt[] => {
    const out: Stmt[] = [];
    for (;;) {
      ws();
      while (pending.length) out.push(pending.shift()!);
      if (p >= src.length || src[p] === end) return out;
      const s = statement();
      if (s.t !== 'simple' || s.text !== '') out.push(s);
    }
  };
  const out = list('');
  if (p < src.length) throw new Unsupported('unbalanced braces');
  return out;
}

/** Whether list[i] ends a transfer to case n of the region: `pc = n; continue region` (block-emitter's
 * transfer()). */
export function isJumpTo(list: Stmt[], i: number, n: number): boolean {
  const s = list[i], p = i > 0 ? list[i - 1] : null;
  return s.t === 'simple' && s.text === 'continue region' && p !== null && p.t === 'simple' && p.text === `pc = ${n}`;
}

/** Split call arguments at depth-0 commas. */
export function args(text: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (ch === '(') depth++; else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) { out.push(text.slice(start, k).trim()); start = k + 1; }
  }
  out.push(text.slice(start).trim());
  return out;
}
