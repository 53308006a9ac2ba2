// Lazy flags (DESIGN decision 3), defined once. Each status flag of each recorded operation is a JS
// expression over the record's values (dst, src, aux). The same definitions generate:
//   - computeEflags / evalCond: generic evaluators over cpu.ccOp and cpu.cc (used by the interpreter,
//     by helpers, and by translated blocks whose flag producer is not known statically);
//   - the translator's direct comparisons when the producer is known inside a block.

import { type V } from './emit.js';
import { imulOverflow64 } from './prims.js';
import { ARITH_FLAGS, CC_KIND_COUNT, CcKind, F, type CpuState } from './state.js';

const M = (size: number) => (size === 1 ? '0xff' : size === 2 ? '0xffff' : '-1');

/** Unsigned a < b. */
function ltu(size: number, a: V, b: V): string {
  if (size === 8) return `((${a.hi} >>> 0) < (${b.hi} >>> 0) || (${a.hi} === ${b.hi} && (${a.lo} >>> 0) < (${b.lo} >>> 0)))`;
  return `((${a.lo} >>> 0) < (${b.lo} >>> 0))`;
}
function msb(size: number, v: V): string {
  return size === 8 ? `(${v.hi} >>> 31)` : size === 4 ? `(${v.lo} >>> 31)` : `((${v.lo} >>> ${size * 8 - 1}) & 1)`;
}
function isZero(size: number, v: V): string { return size === 8 ? `((${v.lo} | ${v.hi}) === 0)` : `(${v.lo} === 0)`; }
function eq(size: number, v: V, lo: number, hi: number): string {
  return size === 8 ? `(${v.lo} === ${lo | 0} && ${v.hi} === ${hi | 0})` : `(${v.lo} === ${lo | 0})`;
}

/**
 * The first operand `a` of the recorded operation, rebuilt from the record:
 * ADD/ADC: a = dst - src - cin; SUB/SBB: a = dst + src + cin.
 */
function operandA(kind: CcKind, size: number, d: V, s: V, x: V): V {
  const cin = kind === CcKind.ADC || kind === CcKind.SBB ? `(${x.lo} & 1)` : '0';
  const plus = kind === CcKind.SUB || kind === CcKind.SBB;
  if (size !== 8) {
    const e = plus ? `(${d.lo} + ${s.lo} + ${cin})` : `(${d.lo} - ${s.lo} - ${cin})`;
    return { lo: size === 4 ? `(${e} | 0)` : `(${e} & ${M(size)})`, hi: '0' };
  }
  const sum = plus ? `((${d.lo} >>> 0) + (${s.lo} >>> 0) + ${cin})` : `((${d.lo} >>> 0) - (${s.lo} >>> 0) - ${cin})`;
  const carry = plus ? `(${sum} > 4294967295 ? 1 : 0)` : `(${sum} < 0 ? 1 : 0)`;
  return { lo: `(${sum} | 0)`, hi: plus ? `((${d.hi} + ${s.hi} + ${carry}) | 0)` : `((${d.hi} - ${s.hi} - ${carry}) | 0)` };
}

/** imul's CF/OF from its operands (CcKind.IMUL): a call, made only when the flag is read. */
function imulOverflow(a: V, b: V): string { return `rt.imulOverflow64(${a.lo}, ${a.hi}, ${b.lo}, ${b.hi})`; }

export type FlagName = 'cf' | 'pf' | 'af' | 'zf' | 'sf' | 'of';

/** JS expression (0/1 or boolean) for one status flag of a recorded operation. */
export function flagExpr(flag: FlagName, kind: CcKind, size: number, d: V, s: V, x: V): string {
  switch (flag) {
    case 'zf': return isZero(size, d);
    case 'sf': return msb(size, d);
    case 'pf': return `PAR[${d.lo} & 255]`;
    case 'cf':
      switch (kind) {
        case CcKind.ADD: return ltu(size, d, s);
        case CcKind.ADC: return `((${x.lo} & 1) ? !${ltu(size, s, d)} : ${ltu(size, d, s)})`;
        case CcKind.SUB: return ltu(size, operandA(kind, size, d, s, x), s);
        case CcKind.SBB: { const a = operandA(kind, size, d, s, x); return `((${x.lo} & 1) ? !${ltu(size, s, a)} : ${ltu(size, a, s)})`; }
        case CcKind.INC: case CcKind.DEC: return `(${x.lo} & 1)`;
        case CcKind.SHL: return msb(size, s);
        case CcKind.SHR: case CcKind.SAR: return `(${s.lo} & 1)`;
        case CcKind.MUL: return `(${s.lo} & 1)`;
        case CcKind.IMUL: return imulOverflow(s, x);
        default: return '0';
      }
    case 'of':
      switch (kind) {
        case CcKind.ADD: case CcKind.ADC: { const a = operandA(kind, size, d, s, x); return msb(size, { lo: `((${a.lo} ^ ${d.lo}) & (${s.lo} ^ ${d.lo}))`, hi: `((${a.hi} ^ ${d.hi}) & (${s.hi} ^ ${d.hi}))` }); }
        case CcKind.SUB: case CcKind.SBB: { const a = operandA(kind, size, d, s, x); return msb(size, { lo: `((${a.lo} ^ ${s.lo}) & (${a.lo} ^ ${d.lo}))`, hi: `((${a.hi} ^ ${s.hi}) & (${a.hi} ^ ${d.hi}))` }); }
        case CcKind.INC: return size === 8 ? eq(8, d, 0, 0x80000000) : eq(size, d, size === 4 ? 0x80000000 : size === 2 ? 0x8000 : 0x80, 0);
        case CcKind.DEC: return size === 8 ? eq(8, d, -1, 0x7fffffff) : eq(size, d, size === 4 ? 0x7fffffff : size === 2 ? 0x7fff : 0x7f, 0);
        case CcKind.SHL: return `(${msb(size, d)} ^ ${msb(size, s)})`;
        case CcKind.SHR: return msb(size, x);
        case CcKind.MUL: return `(${s.lo} & 1)`;
        case CcKind.IMUL: return imulOverflow(s, x);
        default: return '0';
      }
    case 'af':
      switch (kind) {
        case CcKind.ADD: case CcKind.ADC: case CcKind.SUB: case CcKind.SBB: {
          const a = operandA(kind, size, d, s, x);
          return `((${a.lo} ^ ${s.lo} ^ ${d.lo}) & 0x10)`;
        }
        case CcKind.INC: return `((${d.lo} & 0xf) === 0)`;
        case CcKind.DEC: return `((${d.lo} & 0xf) === 0xf)`;
        default: return '0';
      }
  }
}

const FLAG_BIT: Record<FlagName, number> = { cf: F.CF, pf: F.PF, af: F.AF, zf: F.ZF, sf: F.SF, of: F.OF };

/** Which flags each condition code reads and how it combines them (SDM vol. 1, table B-1). */
export function condFromFlags(cc: number, get: (f: FlagName) => string): string {
  let e: string;
  switch (cc >> 1) {
    case 0: e = `(${get('of')})`; break;
    case 1: e = `(${get('cf')})`; break;
    case 2: e = `(${get('zf')})`; break;
    case 3: e = `((${get('cf')}) || (${get('zf')}))`; break;
    case 4: e = `(${get('sf')})`; break;
    case 5: e = `(${get('pf')})`; break;
    // Flags may be 0/1, booleans or bit masks: compare their truth values.
    case 6: e = `(!(${get('sf')}) !== !(${get('of')}))`; break;
    default: e = `((${get('zf')}) || (!(${get('sf')}) !== !(${get('of')})))`; break;
  }
  return cc & 1 ? `!${e}` : `!!${e}`;
}

/** Signed a < b for values of `size` (sizes 1 and 2 are zero-extended in lo). */
function lts(size: number, a: V, b: V): string {
  if (size === 8) return `(${a.hi} < ${b.hi} || (${a.hi} === ${b.hi} && (${a.lo} >>> 0) < (${b.lo} >>> 0)))`;
  if (size === 4) return `((${a.lo} | 0) < (${b.lo} | 0))`;
  const sh = 32 - 8 * size;
  return `(((${a.lo} << ${sh}) >> ${sh}) < ((${b.lo} << ${sh}) >> ${sh}))`;
}

/**
 * Condition cc of a known record, as a JS boolean expression (the translator's direct comparison).
 * `a`, when the translator knows it, is the first operand of a SUB record (cmp a, b / sub a, b): the
 * relational conditions are then the comparison they stand for (SDM vol. 1, B.1: "jl" after cmp a, b
 * is a < b signed, "jb" a < b unsigned), instead of CF/SF/OF rebuilt from the difference.
 */
export function condExpr(cc: number, kind: CcKind, size: number, d: V, s: V, x: V, a?: V): string {
  if (kind === CcKind.EFLAGS) return condFromFlags(cc, (f) => `(cpu.eflags & ${FLAG_BIT[f]})`);
  if (kind === CcKind.SUB && a) {
    let e: string | null = null;
    switch (cc >> 1) {
      case 1: e = ltu(size, a, s); break; // b: CF
      case 3: e = `!${ltu(size, s, a)}`; break; // be: CF | ZF, a <= b unsigned
      case 6: e = lts(size, a, s); break; // l: SF != OF
      case 7: e = `!${lts(size, s, a)}`; break; // le: ZF | (SF != OF), a <= b signed
    }
    if (e !== null) return cc & 1 ? `!${e}` : `!!${e}`;
  }
  return condFromFlags(cc, (f) => flagExpr(f, kind, size, d, s, x));
}

// ---- generic evaluators, compiled from the definitions above ----------------------------------

/** PAR[b] = 1 when b has an even number of set bits (PF). */
export const PAR = new Uint8Array(256);
for (let b = 0; b < 256; b++) { let n = 0; for (let k = b; k; k >>= 1) n += k & 1; PAR[b] = n & 1 ? 0 : 1; }

/** The primitives flag expressions call (generated blocks reach the same functions through `rt`). */
const FLAG_PRIMS = { imulOverflow64 };

const REC: [V, V, V] = [{ lo: 'dl', hi: 'dh' }, { lo: 'sl', hi: 'sh' }, { lo: 'xl', hi: 'xh' }];
const SIZES = [1, 2, 4, 8];

// Built per ccOp on first use rather than as two whole switches at start-up: a run uses a handful of
// the 53 (kind, size) records (a hello-world 10 for evalCond, 6 for computeEflags), and generating
// and compiling all of them cost ~3 ms of every start-up (measured: ~2 ms less CPU for hello.glibc).

type EflagsFn = (cpu: CpuState) => number;
type CondFn = (cpu: CpuState, cc: number) => boolean;

const RECORD_LOCALS = 'const CC = cpu.cc, dl = CC[0], dh = CC[1], sl = CC[2], sh = CC[3], xl = CC[4], xh = CC[5];\n';
const eflagsByOp: Array<EflagsFn | undefined> = new Array(CC_KIND_COUNT * 4).fill(undefined);
const condByOp: Array<CondFn | undefined> = new Array(CC_KIND_COUNT * 4).fill(undefined);

/** computeEflags for one ccOp. EFLAGS records and unknown ccOps read cpu.eflags. */
function buildEflags(ccOp: number): EflagsFn {
  const kind = ccOp >> 2, size = SIZES[ccOp & 3];
  let body = 'return cpu.eflags;';
  if (kind >= 1 && kind < CC_KIND_COUNT) {
    const [d, s, x] = REC;
    const bits = (Object.keys(FLAG_BIT) as FlagName[])
      .map((f) => `((${flagExpr(f, kind, size, d, s, x)}) ? ${FLAG_BIT[f]} : 0)`).join(' | ');
    body = `${RECORD_LOCALS}return (cpu.eflags & ${~ARITH_FLAGS}) | ${bits};`;
  }
  return new Function('PAR', 'rt', `return function computeEflags_${ccOp}(cpu) {\n${body}\n}`)(PAR, FLAG_PRIMS);
}

/** evalCond for one ccOp: a switch over the 16 condition codes. */
function buildCond(ccOp: number): CondFn {
  const kind = ccOp >> 2, size = SIZES[ccOp & 3];
  let body = '';
  if (kind < CC_KIND_COUNT && (kind > 0 || size === 1)) {
    const [d, s, x] = REC;
    body = RECORD_LOCALS + 'switch (cc) {\n';
    for (let cc = 0; cc < 16; cc++) body += `case ${cc}: return ${condExpr(cc, kind, size, d, s, x)};\n`;
    body += '}\n';
  }
  body += 'throw new Error("bad ccOp " + cpu.ccOp);';
  return new Function('PAR', 'rt', `return function evalCond_${ccOp}(cpu, cc) {\n${body}\n}`)(PAR, FLAG_PRIMS);
}

/** Full RFLAGS with the status flags computed from the lazy record. */
export function computeEflags(cpu: CpuState): number {
  const op = cpu.ccOp;
  return (eflagsByOp[op] ??= buildEflags(op))(cpu);
}
/** Condition cc (0..15) of the current flags. */
export function evalCond(cpu: CpuState, cc: number): boolean {
  const op = cpu.ccOp;
  return (condByOp[op] ??= buildCond(op))(cpu, cc);
}
