// The 64-bit primitives a wasm region computes as i64 code instead of calling out: the semantics'
// variable shifts and 64x64 -> 128 products (rt.shl64 ... rt.muls64, semantics/prims.ts), and imul's
// low product, which the semantics compute on 16-bit limbs for JavaScript (alu.ts mulLow64's marker).

import { I64 } from './encode.js';
import { asBits, Unsupported } from './expr.js';
import { pushI64 } from './pairs.js';
import { type RegionCompiler } from './region.js';

/**
 * rt.shl64/shr64/sar64(lo, hi, n) (the low half; OUT[1] the high half) and rt.mulu64/muls64(alo, ahi,
 * blo, bhi) (the 128-bit product in OUT[0..3]), as i64 operations on the same values.
 */
export function wide(rc: RegionCompiler, isLet: string | undefined, name: string | undefined, fn: string, a: string[]): void {
  const c = rc.code, [W0, W1, W2, W3, W4, W5, W6, W7] = rc.wides, out = rc.L.scratch + 16;
  const pair = (lo: string, hi: string) => pushI64(rc, lo, hi);
  if (fn.endsWith('64') && fn.startsWith('s') && fn !== 'muls64') {
    if (a.length !== 3 || !isLet || !name) throw new Unsupported(`rt.${fn} form`);
    const n = rc.expr(a[2]);
    if (n.kind === 'f64') throw new Unsupported(`rt.${fn} count`);
    // The primitives take counts 0..63 (their callers mask, or test for zero before passing n - 1);
    // wasm shifts count mod 64. A count the range analysis cannot bound takes the slow exit when out
    // of range (never, in practice; the interpreter would compute what the JavaScript does).
    if (n.min < 0 || n.max > 63) {
      asBits(n, c); c.i32(63).op('i32.gt_u');
      rc.begin('if', null);
      rc.slowExit(c);
      rc.end();
    }
    pair(a[0], a[1]);
    asBits(n, c); c.op('i64.extend_i32_u').op(fn === 'shl64' ? 'i64.shl' : fn === 'shr64' ? 'i64.shr_u' : 'i64.shr_s').set(W0);
    c.i32(out + 4).get(W0).i64(32, 0).op('i64.shr_u').op('i32.wrap_i64').mem('i32.store', 2);
    c.get(W0).op('i32.wrap_i64').set(rc.declare(name, 'i32').local);
    return;
  }
  if (a.length !== 4 || isLet || name) throw new Unsupported(`rt.${fn} form`);
  pair(a[0], a[1]); c.set(W0);
  pair(a[2], a[3]); c.set(W1);
  c.i32(out).get(W0).get(W1).op('i64.mul').mem('i64.store', 3);
  // The high 64 bits from 32x32 partial products (each below 2^64): a = a1:a0, b = b1:b0.
  c.get(W0).i64(-1, 0).op('i64.and').set(W2); // a0
  c.get(W0).i64(32, 0).op('i64.shr_u').set(W3); // a1
  c.get(W1).i64(-1, 0).op('i64.and').set(W4); // b0
  c.get(W1).i64(32, 0).op('i64.shr_u').set(W5); // b1
  c.get(W2).get(W4).op('i64.mul').set(W6); // a0 b0
  c.get(W2).get(W5).op('i64.mul').set(W7); // a0 b1
  c.get(W3).get(W4).op('i64.mul').set(W2); // a1 b0
  c.get(W3).get(W5).op('i64.mul').set(W3); // a1 b1
  // mid = (a0b0 >> 32) + lo(a0b1) + lo(a1b0) < 3 * 2^32; high = a1b1 + hi(a0b1) + hi(a1b0) + (mid >> 32)
  c.get(W6).i64(32, 0).op('i64.shr_u').get(W7).i64(-1, 0).op('i64.and').op('i64.add').get(W2).i64(-1, 0).op('i64.and').op('i64.add').set(W6);
  c.get(W3).get(W7).i64(32, 0).op('i64.shr_u').op('i64.add').get(W2).i64(32, 0).op('i64.shr_u').op('i64.add')
    .get(W6).i64(32, 0).op('i64.shr_u').op('i64.add').set(W3);
  if (fn === 'muls64') {
    // Signed: subtract b when a < 0 and a when b < 0 (mod 2^64), as muls64 does.
    c.get(W3).get(W1).i64(0, 0).get(W0).i64(0, 0).op('i64.lt_s').op('select').op('i64.sub')
      .get(W0).i64(0, 0).get(W1).i64(0, 0).op('i64.lt_s').op('select').op('i64.sub').set(W3);
  }
  c.i32(out + 8).get(W3).mem('i64.store', 3);
}

/** lo, hi = the low 64 bits of (a1:a0) * (b1:b0), as i64 arithmetic. */
export function mul64(rc: RegionCompiler, lo: string, hi: string, a: string[]): void {
  if (a.length !== 4) throw new Unsupported('mul64 operands');
  const c = rc.code, v = rc.local(I64);
  pushI64(rc, a[0], a[1]); pushI64(rc, a[2], a[3]);
  c.op('i64.mul').set(v);
  rc.declareHalf(lo, v, 0); rc.declareHalf(hi, v, 1);
}
