// Integer data-movement, arithmetic, logic and shift instructions (SDM vol. 2), written once against
// the Emitter. Rule for precise faults (DESIGN decision 5): every memory read and write of an
// instruction happens before it writes any register or flag, so a fault leaves the state untouched.

import { K, type Insn } from '../decoder/insn.js';
import { type Emitter, type Semantics, type V, ZERO, maskOf } from './emit.js';
import { CcKind, F } from './state.js';

export const ALU: Record<string, Semantics> = {};

// ---- binary arithmetic and logic ---------------------------------------------------------------

function arith(kind: 'add' | 'sub' | 'adc' | 'sbb', write: boolean): Semantics {
  return (e, i) => {
    const size = e.size(0);
    const a = e.read(0);
    const b = e.read(1, size);
    let r: V;
    if (kind === 'add') { r = e.add(size, a, b); if (write) e.write(0, r); e.setFlags(CcKind.ADD, size, r, b); return; }
    if (kind === 'sub') { r = e.sub(size, a, b); if (write) e.write(0, r); e.setFlags(CcKind.SUB, size, r, b, ZERO, a); return; }
    const cin = e.carry();
    if (kind === 'adc') { r = e.add(size, a, b, cin); e.write(0, r); e.setFlags(CcKind.ADC, size, r, b, { lo: cin, hi: '0' }); return; }
    r = e.sub(size, a, b, cin); e.write(0, r); e.setFlags(CcKind.SBB, size, r, b, { lo: cin, hi: '0' });
    void i;
  };
}
function logic(op: '&' | '|' | '^', write: boolean): Semantics {
  return (e) => {
    const size = e.size(0);
    const r = e.bit(op, size, e.read(0), e.read(1, size));
    if (write) e.write(0, r);
    e.setFlags(CcKind.LOGIC, size, r);
  };
}
ALU.add = arith('add', true);
ALU.sub = arith('sub', true);
ALU.cmp = arith('sub', false);
ALU.adc = arith('adc', true);
ALU.sbb = arith('sbb', true);
ALU.and = logic('&', true);
ALU.or = logic('|', true);
ALU.xor = logic('^', true);
ALU.test = logic('&', false);

ALU.inc = (e) => {
  const size = e.size(0);
  const cf = e.carryForFlags();
  const r = e.add(size, e.read(0), e.c(1));
  e.write(0, r);
  e.setFlags(CcKind.INC, size, r, ZERO, { lo: cf, hi: '0' });
};
ALU.dec = (e) => {
  const size = e.size(0);
  const cf = e.carryForFlags();
  const r = e.sub(size, e.read(0), e.c(1));
  e.write(0, r);
  e.setFlags(CcKind.DEC, size, r, ZERO, { lo: cf, hi: '0' });
};
ALU.neg = (e) => {
  const size = e.size(0);
  const b = e.read(0);
  const r = e.sub(size, e.c(0), b);
  e.write(0, r);
  e.setFlags(CcKind.SUB, size, r, b);
};
ALU.not = (e) => { e.write(0, e.not(e.size(0), e.read(0))); };

// ---- moves ------------------------------------------------------------------------------------

const mov: Semantics = (e) => { e.write(0, e.read(1, e.size(0))); };
ALU.mov = mov;
ALU.movabs = mov;
ALU.movzx = (e) => { e.write(0, e.zext(e.size(1), e.size(0), e.read(1))); };
ALU.movsx = (e) => { e.write(0, e.sext(e.size(1), e.size(0), e.read(1))); };
ALU.movsxd = (e) => { e.write(0, e.sext(Math.min(e.size(1), e.size(0)), e.size(0), e.read(1, Math.min(e.size(1), e.size(0))))); };
ALU.lea = (e) => {
  const size = e.size(0);
  const a = e.ea();
  e.write(0, size === 8 ? a : { lo: size === 2 ? `(${a.lo} & 0xffff)` : a.lo, hi: '0' });
};
ALU.xchg = (e) => {
  const size = e.size(0);
  const a = e.read(0), b = e.read(1, size);
  // Memory operand first, so a fault leaves the register untouched.
  if (e.kind(1) === K.Mem) { e.write(1, a, size); e.write(0, b); } else { e.write(0, b); e.write(1, a, size); }
};
ALU.bswap = (e) => {
  const size = e.size(0);
  const v = e.read(0);
  if (size === 8) e.write(0, e.val(8, `rt.bswap32(${v.hi})`, `rt.bswap32(${v.lo})`));
  else if (size === 4) e.write(0, e.val(4, `rt.bswap32(${v.lo})`));
  else e.write(0, e.c(0)); // bswap r16 is undefined; real CPUs zero the low word
};
ALU.cbw = (e) => { e.setReg(0, 2, e.sext(1, 2, e.getReg(0, 1))); };
ALU.cwde = (e) => { e.setReg(0, 4, e.sext(2, 4, e.getReg(0, 2))); };
ALU.cdqe = (e) => { e.setReg(0, 8, e.sext(4, 8, e.getReg(0, 4))); };
ALU.cwd = (e) => { const v = e.getReg(0, 2); e.setReg(2, 2, e.val(2, `(${v.lo} & 0x8000) ? 0xffff : 0`)); };
ALU.cdq = (e) => { const v = e.getReg(0, 4); e.setReg(2, 4, e.val(4, `${v.lo} >> 31`)); };
ALU.cqo = (e) => { const v = e.getReg(0, 8); const s = e.tmp(`${v.hi} >> 31`); e.setReg(2, 8, { lo: s, hi: s }); };

ALU.cmovcc = (e, i) => {
  const size = e.size(0);
  const c = e.cond(e.f('cc'));
  const src = e.read(1, size); // the source is read (and may fault) even when the condition is false
  const cur = e.read(0);
  // A 32-bit cmov zero-extends the destination even when the condition is false.
  e.write(0, e.select(size, c, src, cur));
  void i;
};
ALU.setcc = (e) => { e.write(0, e.bool(e.cond(e.f('cc'))), 1); };

ALU.cmpxchg = (e) => {
  const size = e.size(0);
  const dest = e.read(0);
  const acc = e.getReg(0, size);
  const src = e.read(1, size);
  const r = e.sub(size, acc, dest);
  const eqE = size === 8 ? `(${r.lo} | ${r.hi}) === 0` : `${r.lo} === 0`;
  const eq = e.tmp(eqE);
  if (e.kind(0) === K.Mem) {
    // A memory destination is always written (with itself when unequal), as the SDM says.
    e.write(0, e.select(size, eq, src, dest));
  } else {
    // A register destination is written only on equality: a failed cmpxchg r32 does not zero-extend it.
    e.line(`if (${eq}) {`);
    e.write(0, src);
    e.line('}');
  }
  e.line(`if (!${eq}) {`);
  e.setReg(0, size, dest);
  e.line('}');
  e.setFlags(CcKind.SUB, size, r, dest);
};
ALU.xadd = (e) => {
  const size = e.size(0);
  const a = e.read(0), b = e.read(1, size);
  const r = e.add(size, a, b);
  if (e.kind(0) === K.Mem) { e.write(0, r); e.write(1, a, size); } else { e.write(1, a, size); e.write(0, r); }
  e.setFlags(CcKind.ADD, size, r, b);
};

// ---- shifts and rotates -----------------------------------------------------------------------

/** The masked shift count of operand 1 (imm or CL): 5 bits, 6 for 64-bit operands. */
function count(e: Emitter): string {
  const m = e.size(0) === 8 ? 0x3f : 0x1f;
  // A baked immediate count is a literal, so the 64-bit shift below can be emitted inline.
  if (e.baked && e.kind(1) === K.Imm) return String(e.i.immLo & m);
  return e.tmp(`${e.read(1, 1).lo} & ${m}`);
}
/** Close the `if (count !== 0) {` of a shift: with count 0 nothing changes, except that a 32-bit
 * register destination is still written, i.e. zero-extended to 64 bits (as the CPU does). */
function endCountIf(e: Emitter, a: V): void {
  if (e.size(0) === 4 && e.kind(0) === K.Reg) { e.line('} else {'); e.write(0, a); }
  e.line('}');
}
function shiftBy(e: Emitter, op: 'shl' | 'shr' | 'sar', size: number, a: V, n: string): V {
  if (size === 8 && /^\d+$/.test(n)) return shift64By(e, op, a, Number(n));
  if (size === 8) {
    const lo = e.tmp(`rt.${op}64(${a.lo}, ${a.hi}, ${n})`);
    return { lo, hi: e.tmp('rt.OUT[1]') };
  }
  if (op === 'shl') return e.val(size, e.trunc(size, `${a.lo} << ${n}`));
  if (op === 'shr') return e.val(size, e.trunc(size, `${a.lo} >>> ${n}`));
  const sx = size === 1 ? `((${a.lo} << 24) >> 24)` : size === 2 ? `((${a.lo} << 16) >> 16)` : a.lo;
  return e.val(size, e.trunc(size, `${sx} >> ${n}`));
}
/** A 64-bit shift by a count known at generation time (0..63), inline: the same results as shl64/
 * shr64/sar64 in prims.ts, without the call and the OUT slot. */
function shift64By(e: Emitter, op: 'shl' | 'shr' | 'sar', a: V, n: number): V {
  if (n === 0) return a;
  let r: V;
  if (op === 'shl') {
    r = n < 32 ? e.val(8, `${a.lo} << ${n}`, `(${a.hi} << ${n}) | (${a.lo} >>> ${32 - n})`) : e.val(8, '0', `${a.lo} << ${n - 32}`);
  } else {
    const fill = op === 'shr' ? '0' : `${a.hi} >> 31`;
    const hiShift = op === 'shr' ? '>>>' : '>>';
    // By exactly 32, `hi >>> 0` would leave a uint32 number in a low half, which holds an int32.
    r = n < 32 ? e.val(8, `(${a.lo} >>> ${n}) | (${a.hi} << ${32 - n})`, `${a.hi} ${hiShift} ${n}`)
      : e.val(8, op === 'shr' && n === 32 ? `${a.hi} | 0` : `${a.hi} ${hiShift} ${n - 32}`, fill);
  }
  e.mark64(op, r, [], a, n);
  return r;
}
function shift(op: 'shl' | 'shr' | 'sar'): Semantics {
  return (e) => {
    const size = e.size(0);
    const n = count(e);
    const a = e.read(0);
    const known = /^\d+$/.test(n);
    if (known && n !== '0') {
      // A non-zero literal count: the flag record is unconditional (the translator may use it directly).
      const r = shiftBy(e, op, size, a, n);
      const pre = e.flagsNeeded() ? shiftBy(e, op, size, a, String(Number(n) - 1)) : ZERO;
      e.write(0, r);
      e.setFlags(op === 'shl' ? CcKind.SHL : op === 'shr' ? CcKind.SHR : CcKind.SAR, size, r, pre, a);
      return;
    }
    e.line(`if (${n} !== 0) {`);
    const r = shiftBy(e, op, size, a, n);
    // The value shifted by n - 1 only feeds CF/OF.
    const pre = e.flagsNeeded() ? shiftBy(e, op, size, a, `(${n} - 1)`) : ZERO;
    e.write(0, r);
    e.setFlags(op === 'shl' ? CcKind.SHL : op === 'shr' ? CcKind.SHR : CcKind.SAR, size, r, pre, a);
    endCountIf(e, a);
    e.lastFlags = null; // conditional: the translator cannot know the producer statically
  };
}
ALU.shl = shift('shl');
ALU.sal = ALU.shl;
ALU.shr = shift('shr');
ALU.sar = shift('sar');

function rotate(left: boolean): Semantics {
  return (e) => {
    const size = e.size(0), bits = size * 8;
    const n0 = count(e);
    const a = e.read(0);
    e.line(`if (${n0} !== 0) {`);
    let r: V;
    if (/^\d+$/.test(n0)) {
      // Literal count (baked immediate): both shifts inline, no select.
      const n = Number(n0) % bits;
      // A 64-bit rotate is one operation for a back end with 64-bit integers (mark64): the markers of
      // its two shifts and their OR would only build it piece by piece.
      if (n !== 0 && size === 8) e.noMark64++;
      r = n === 0 ? a : e.bit('|', size, shiftBy(e, left ? 'shl' : 'shr', size, a, String(n)), shiftBy(e, left ? 'shr' : 'shl', size, a, String(bits - n)));
      if (n !== 0 && size === 8) { e.noMark64--; e.mark64(left ? 'rotl' : 'rotr', r, [], a, n); }
    } else {
      const n = e.tmp(`${n0} % ${bits}`);
      const l = shiftBy(e, left ? 'shl' : 'shr', size, a, n);
      const rs = shiftBy(e, left ? 'shr' : 'shl', size, a, `((${bits} - ${n}) % ${bits})`);
      r = e.bit('|', size, l, e.select(size, `${n} !== 0`, rs, ZERO));
    }
    e.write(0, r);
    const msb = size === 8 ? `(${r.hi} >>> 31)` : `((${r.lo} >>> ${bits - 1}) & 1)`;
    const lsb = `(${r.lo} & 1)`;
    const msb2 = size === 8 ? `((${r.hi} >>> 30) & 1)` : `((${r.lo} >>> ${bits - 2}) & 1)`;
    // ROL: CF = lsb(result), OF = msb ^ CF. ROR: CF = msb(result), OF = msb ^ (msb-1).
    const cf = left ? lsb : msb;
    const of = left ? `(${msb} ^ ${lsb})` : `(${msb} ^ ${msb2})`;
    e.setEflagsBits(F.CF | F.OF, `(${cf} ? ${F.CF} : 0) | (${of} ? ${F.OF} : 0)`);
    endCountIf(e, a);
    if (!isNonZeroLiteral(n0)) e.lastFlags = null; // conditional: a zero count leaves the flags alone
  };
}
/** A count known at generation time to be non-zero (the flag update inside `if (n !== 0)` always runs). */
function isNonZeroLiteral(n: string): boolean { return /^[1-9]\d*$/.test(n); }
ALU.rol = rotate(true);
ALU.ror = rotate(false);

function rotateCarry(left: boolean): Semantics {
  return (e) => {
    const size = e.size(0);
    const n = count(e);
    const a = e.read(0);
    // Through-carry rotates are rare: the shared helper computes result and CF/OF into rt.OUT.
    e.line(`if (${n} !== 0) {`);
    const cf = e.carry();
    const lo = e.tmp(`rt.rcx(${left ? 1 : 0}, ${size}, ${a.lo}, ${a.hi}, ${n}, ${cf})`);
    const r = e.val(size, lo, size === 8 ? 'rt.OUT[1]' : '0');
    e.write(0, r);
    e.setEflagsBits(F.CF | F.OF, 'rt.OUT[2]');
    endCountIf(e, a);
    if (!isNonZeroLiteral(n)) e.lastFlags = null; // conditional: a zero count leaves the flags alone
  };
}
ALU.rcl = rotateCarry(true);
ALU.rcr = rotateCarry(false);

function doubleShift(left: boolean): Semantics {
  return (e) => {
    const size = e.size(0);
    const m = size === 8 ? 0x3f : 0x1f;
    const n = e.tmp(`${e.read(2, 1).lo} & ${m}`);
    const a = e.read(0), b = e.read(1, size);
    e.line(`if (${n} !== 0) {`);
    const lo = e.tmp(`rt.shxd(${left ? 1 : 0}, ${size}, ${a.lo}, ${a.hi}, ${b.lo}, ${b.hi}, ${n})`);
    const r = e.val(size, lo, size === 8 ? 'rt.OUT[1]' : '0');
    e.write(0, r);
    // Flags as for a shift of `a`: CF = last bit shifted out, OF for count 1, SF/ZF/PF from the result.
    const pre: V = { lo: e.tmp('rt.OUT[2]'), hi: e.tmp('rt.OUT[3]') };
    // SHRD's OF (count 1) is a sign change: msb(a) ^ msb(r), so record a ^ r as the SHR "original".
    e.setFlags(left ? CcKind.SHL : CcKind.SHR, size, r, pre, left ? a : e.bit('^', size, a, r));
    endCountIf(e, a);
    e.lastFlags = null;
  };
}
ALU.shld = doubleShift(true);
ALU.shrd = doubleShift(false);

// ---- multiply and divide ----------------------------------------------------------------------

/** The OUT-slot product of a*b for `size`, as (low half, high half) values. */
function multiply(e: Emitter, size: number, signed: boolean, a: V, b: V): { low: V; high: V; sig: string } {
  if (size === 8) {
    e.line(`rt.${signed ? 'muls64' : 'mulu64'}(${a.lo}, ${a.hi}, ${b.lo}, ${b.hi});`);
    const low = { lo: e.tmp('rt.OUT[0]'), hi: e.tmp('rt.OUT[1]') };
    const high = { lo: e.tmp('rt.OUT[2]'), hi: e.tmp('rt.OUT[3]') };
    const sig = signed ? `(${high.lo} !== (${low.hi} >> 31) || ${high.hi} !== (${low.hi} >> 31))` : `((${high.lo} | ${high.hi}) !== 0)`;
    return { low, high, sig };
  }
  if (size === 4) {
    const ax = signed ? a.lo : `(${a.lo} >>> 0)`, bx = signed ? b.lo : `(${b.lo} >>> 0)`;
    if (signed) {
      const lo = e.tmp(`Math.imul(${ax}, ${bx})`);
      // High half: exact via the 64-bit product helper on sign-extended operands.
      e.line(`rt.muls64(${a.lo}, ${a.lo} >> 31, ${b.lo}, ${b.lo} >> 31);`);
      const hi = e.tmp('rt.OUT[1]');
      return { low: { lo, hi: '0' }, high: { lo: hi, hi: '0' }, sig: `(${hi} !== (${lo} >> 31))` };
    }
    e.line(`rt.mulu64(${a.lo}, 0, ${b.lo}, 0);`);
    const lo = e.tmp('rt.OUT[0]'), hi = e.tmp('rt.OUT[1]');
    return { low: { lo, hi: '0' }, high: { lo: hi, hi: '0' }, sig: `(${hi} !== 0)` };
  }
  const bits = size * 8;
  const sx = (v: V) => (signed ? (size === 1 ? `((${v.lo} << 24) >> 24)` : `((${v.lo} << 16) >> 16)`) : v.lo);
  const p = e.tmp(`${sx(a)} * ${sx(b)}`);
  const low = e.val(size, `${p} & ${maskOf(size)}`);
  const high = e.val(size, `(${p} >> ${bits}) & ${maskOf(size)}`);
  const sig = signed ? `(((${low.lo} << ${32 - bits}) >> ${32 - bits}) !== ${p})` : `(${high.lo} !== 0)`;
  return { low, high: high, sig };
}
/** Marks the low 64 bits of a 64x64 product in the text: `// @mul64lo LO HI | TEMPS | ALO, AHI, BLO, BHI`. */
export const MUL64_MARK = '@mul64lo';
/**
 * Low 64 bits of a 64x64 product (signed and unsigned agree), inline: alo*blo exactly via 16-bit limbs
 * (every partial product and sum stays below 2^53), the cross terms only reach the high half. Inline
 * rather than a primitive call: in hash loops the call and its OUT slot cost more than the arithmetic.
 */
function mulLow64(e: Emitter, a: V, b: V): V {
  const a0 = e.tmp(`${a.lo} & 0xffff`), a1 = e.tmp(`${a.lo} >>> 16`), b0 = e.tmp(`${b.lo} & 0xffff`), b1 = e.tmp(`${b.lo} >>> 16`);
  const m1 = e.tmp(`${a1} * ${b0} + ((${a0} * ${b0}) >>> 16)`);
  const hi = e.tmp(`(${a1} * ${b1} + (${m1} >>> 16) + ((${a0} * ${b1} + (${m1} & 0xffff)) >>> 16) + ` +
    `Math.imul(${a.lo}, ${b.hi}) + Math.imul(${a.hi}, ${b.lo})) | 0`);
  const lo = e.tmp(`Math.imul(${a.lo}, ${b.lo})`);
  // The same product for a back end with 64-bit integers (the wasm back end: one i64.mul instead of
  // the limbs above, whose temporaries it then skips). JavaScript ignores the comment.
  e.line(`// ${MUL64_MARK} ${lo} ${hi} | ${a0} ${a1} ${b0} ${b1} ${m1} | ${a.lo}, ${a.hi}, ${b.lo}, ${b.hi}`);
  return { lo, hi };
}
function mulOneOperand(signed: boolean): Semantics {
  return (e) => {
    const size = e.size(0);
    const b = e.read(0);
    const a = e.getReg(0, size);
    const { low, high, sig } = multiply(e, size, signed, a, b);
    if (size === 1) e.setReg(0, 2, e.val(2, `(${high.lo} << 8) | ${low.lo}`));
    else { e.setReg(0, size, low); e.setReg(2, size, high); }
    e.setFlags(CcKind.MUL, size, low, e.bool(sig));
  };
}
ALU.mul = mulOneOperand(false);
ALU.imul = (e, i) => {
  if (i.nops === 1) { mulOneOperand(true)(e, i); return; }
  const size = e.size(0);
  const a = i.nops === 3 ? e.read(1, size) : e.read(0);
  const b = i.nops === 3 ? e.read(2, size) : e.read(1, size);
  if (size === 8) {
    // Only the low half is computed here; CF/OF come from the operands if something reads them.
    const low = mulLow64(e, a, b);
    e.write(0, low);
    e.setFlags(CcKind.IMUL, size, low, a, b);
    return;
  }
  if (size === 4) {
    // The exact product of two int32s rounds to a double of magnitude >= 2^31 exactly when it does not
    // fit 32 bits, so comparing it with the wrapped product gives CF/OF without a 64-bit multiply.
    const low = { lo: e.tmp(`Math.imul(${a.lo}, ${b.lo})`), hi: '0' };
    e.write(0, low);
    e.setFlags(CcKind.MUL, size, low, e.flagsNeeded() ? e.bool(`${low.lo} !== ${a.lo} * ${b.lo}`) : ZERO);
    return;
  }
  const { low, sig } = multiply(e, size, true, a, b);
  e.write(0, low);
  e.setFlags(CcKind.MUL, size, low, e.bool(sig));
};
function divide(signed: boolean): Semantics {
  return (e) => {
    const size = e.size(0);
    const d = e.read(0);
    // Dividend: AX for 8-bit, DX:AX, EDX:EAX, RDX:RAX. Build the 128-bit dividend as four halves.
    let n0: string, n1: string, n2: string, n3: string;
    const dv = signed ? e.sext(size, 8, d) : e.zext(size, 8, d);
    if (size === 8) {
      const a = e.getReg(0, 8), dx = e.getReg(2, 8);
      [n0, n1, n2, n3] = [a.lo, a.hi, dx.lo, dx.hi];
    } else {
      const bits = size * 8;
      const lowPart = size === 1 ? e.getReg(0, 1) : e.getReg(0, size);
      const highPart = size === 1 ? e.val(1, `(${e.getReg(0, 2).lo} >>> 8) & 0xff`) : e.getReg(2, size);
      // Assemble (high:low) as a sign/zero-extended 128-bit number.
      const joined = size === 4
        ? { lo: lowPart.lo, hi: highPart.lo }
        : e.val(4, `(${highPart.lo} << ${bits}) | ${lowPart.lo}`);
      const j: V = size === 4 ? joined : { lo: signed ? `((${joined.lo} << ${32 - 2 * bits}) >> ${32 - 2 * bits})` : joined.lo, hi: '0' };
      const jl = e.tmp(j.lo);
      const jh = size === 4 ? joined.hi : e.tmp(signed ? `${jl} >> 31` : '0');
      const ext = e.tmp(signed ? `${jh} >> 31` : '0');
      [n0, n1, n2, n3] = [jl, jh, ext, ext];
    }
    e.line(`if ((${dv.lo} | ${dv.hi}) === 0) throw rt.fault(0, 0, 'divide by zero');`);
    e.line(`if (!rt.${signed ? 'divs128' : 'divu128'}(${n0}, ${n1}, ${n2}, ${n3}, ${dv.lo}, ${dv.hi})) throw rt.fault(0, 0, 'divide overflow');`);
    const q: V = { lo: e.tmp('rt.OUT[0]'), hi: e.tmp('rt.OUT[1]') };
    const r: V = { lo: e.tmp('rt.OUT[2]'), hi: e.tmp('rt.OUT[3]') };
    if (size < 8) {
      // The quotient must fit the operand size.
      const bits = size * 8;
      const fits = signed
        ? `(${q.hi} === (${q.lo} >> 31) && ((${q.lo} << ${32 - bits}) >> ${32 - bits}) === ${q.lo})`
        : `(${q.hi} === 0 && (${bits === 32 ? 'true' : `(${q.lo} >>> ${bits}) === 0`}))`;
      e.line(`if (!${fits}) throw rt.fault(0, 0, 'divide overflow');`);
    }
    if (size === 1) e.setReg(0, 2, e.val(2, `((${r.lo} & 0xff) << 8) | (${q.lo} & 0xff)`));
    else {
      e.setReg(0, size, size === 8 ? q : e.val(size, e.trunc(size, q.lo)));
      e.setReg(2, size, size === 8 ? r : e.val(size, e.trunc(size, r.lo)));
    }
    // Flags are undefined after div; leave them as they were.
  };
}
ALU.div = divide(false);
ALU.idiv = divide(true);

// ---- bit operations ---------------------------------------------------------------------------

function bitTest(op: 'bt' | 'bts' | 'btr' | 'btc'): Semantics {
  return (e, i) => {
    const size = e.size(0), bits = size * 8;
    const offset = e.read(1, e.kind(1) === K.Imm ? 1 : size);
    let a: V, addr: V | null = null;
    let bit: string;
    if (e.kind(0) === K.Mem && e.kind(1) !== K.Imm) {
      // Register bit offset with a memory operand addresses a bit string: signed offset / 8 bytes away.
      const off = size === 8 ? offset : e.sext(size, 8, offset);
      const byteOff = e.tmp(`(${off.hi} * 4294967296 + (${off.lo} >>> 0) - (${off.lo} & ${bits - 1})) / 8`);
      const base = e.ea();
      const s = e.tmp(`(${base.hi} * 4294967296 + (${base.lo} >>> 0)) + ${byteOff}`);
      addr = e.addrV(s);
      a = e.load(size, addr);
      bit = e.tmp(`${off.lo} & ${bits - 1}`);
    } else {
      a = e.read(0);
      bit = e.tmp(`${offset.lo} & ${bits - 1}`);
    }
    const cf = size === 8 ? e.tmp(`(${bit} < 32 ? (${a.lo} >>> ${bit}) : (${a.hi} >>> (${bit} - 32))) & 1`) : e.tmp(`(${a.lo} >>> ${bit}) & 1`);
    if (op !== 'bt') {
      const lo = `(${bit} < 32 ? (1 << ${bit}) : 0)`, hi = `(${bit} >= 32 ? (1 << (${bit} - 32)) : 0)`;
      const m: V = e.val(size, size === 8 ? lo : `1 << ${bit}`, size === 8 ? hi : '0');
      const r = op === 'bts' ? e.bit('|', size, a, m) : op === 'btc' ? e.bit('^', size, a, m) : e.bit('&', size, a, e.not(size, m));
      if (addr) e.store(size, addr, r); else e.write(0, r);
    }
    e.setEflagsBits(F.CF, cf);
    void i;
  };
}
ALU.bt = bitTest('bt');
ALU.bts = bitTest('bts');
ALU.btr = bitTest('btr');
ALU.btc = bitTest('btc');

function bitScan(op: 'bsf' | 'bsr' | 'tzcnt' | 'lzcnt' | 'popcnt'): Semantics {
  return (e) => {
    const size = e.size(0), bits = size * 8;
    const v = e.read(1, size);
    const zero = e.tmp(size === 8 ? `(${v.lo} | ${v.hi}) === 0` : `${v.lo} === 0`);
    const full = size === 8 ? v : { lo: `(${v.lo} >>> 0)`, hi: '0' };
    let r: string;
    if (op === 'popcnt') r = `rt.popcnt32(${full.lo}) + rt.popcnt32(${full.hi})`;
    else if (op === 'bsf' || op === 'tzcnt') r = size === 8 ? `rt.ctz64(${v.lo}, ${v.hi})` : `(${zero} ? ${bits} : rt.ctz64(${v.lo}, 0))`;
    else if (op === 'lzcnt') r = size === 8 ? `rt.clz64(${v.lo}, ${v.hi})` : `(Math.clz32(${v.lo}) - ${32 - bits})`;
    else r = size === 8 ? `(63 - rt.clz64(${v.lo}, ${v.hi}))` : `(31 - Math.clz32(${v.lo}))`;
    const res = e.val(size, r);
    if (op === 'bsf' || op === 'bsr') {
      // Source zero: the destination is left unchanged (as AMD documents and Intel does), ZF = 1.
      e.line(`if (!${zero}) {`); e.write(0, res); e.line('}');
      e.setEflagsBits(F.ZF, `${zero} ? ${F.ZF} : 0`);
    } else if (op === 'popcnt') {
      e.write(0, res);
      e.setEflagsBits(F.CF | F.PF | F.AF | F.ZF | F.SF | F.OF, `${zero} ? ${F.ZF} : 0`);
    } else {
      e.write(0, res);
      const rz = e.tmp(`${res.lo} === 0`);
      e.setEflagsBits(F.CF | F.ZF, `(${zero} ? ${F.CF} : 0) | (${rz} ? ${F.ZF} : 0)`);
    }
  };
}
ALU.bsf = bitScan('bsf');
ALU.bsr = bitScan('bsr');
ALU.tzcnt = bitScan('tzcnt');
ALU.lzcnt = bitScan('lzcnt');
ALU.popcnt = bitScan('popcnt');

// ---- flag instructions ------------------------------------------------------------------------

ALU.clc = (e) => e.setEflagsBits(F.CF, '0');
ALU.stc = (e) => e.setEflagsBits(F.CF, String(F.CF));
ALU.cmc = (e) => { const f = e.eflags(); e.setEflagsBits(F.CF, `~${f}`); };
ALU.cld = (e) => e.setControlFlag(F.DF, false);
ALU.std = (e) => e.setControlFlag(F.DF, true);
ALU.lahf = (e) => { const f = e.eflags(); e.setReg(16, 1, e.val(1, `(${f} & 0xd5) | 2`), true); };
ALU.sahf = (e) => { const ah = e.getReg(16, 1, true); e.setEflagsBits(F.CF | F.PF | F.AF | F.ZF | F.SF, ah.lo); };

export function isDefined(mnem: string): boolean { return mnem in ALU; }
export type { Insn };
