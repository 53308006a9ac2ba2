// x87 semantics (loads, stores, arithmetic, compares, classification, register management), keyed by
// the objdump mnemonic. Memory operands are loaded first and passed to the primitives of xprims.ts
// (rt.x87*) as int32 words; stores get their value from rt.x87st, are written (a fault stops here,
// the x87 state untouched), and only then does rt.x87post merge the flags and pop. The control and
// environment instructions (fnstcw, fldcw, fnstsw, fninit, fnstenv, fldenv, fxsave) are in
// simd/fpenv.ts.

import { K } from '../../decoder/insn.js';
import { type Emitter, type Semantics, type V } from '../emit.js';
import { F } from '../state.js';
import { Op } from './xcore.js';
import { Un, Xk } from './xprims.js';

export const X87: Record<string, Semantics> = {};

/** Kind of a floating-point memory operand of `size` bytes. */
function fk(size: number): Xk { return size === 4 ? Xk.F32 : size === 8 ? Xk.F64 : Xk.F80; }
/** Kind of an integer memory operand. */
function ik(size: number): Xk { return size === 2 ? Xk.I16 : size === 4 ? Xk.I32 : Xk.I64; }

/** Load memory operand 0 as (a, b, c) words for a primitive. */
function loadMem(e: Emitter, size: number): [string, string, string] {
  const a = e.ea();
  if (size === 10) {
    const v = e.load(8, a);
    const se = e.load(2, e.addrPlus(a, 8));
    return [v.lo, v.hi, se.lo];
  }
  if (size === 8) { const v = e.load(8, a); return [v.lo, v.hi, '0']; }
  return [e.load(size, a).lo, '0', '0'];
}

// ---- loads ----------------------------------------------------------------------------------------
X87.fld = (e) => {
  if (e.kind(0) === K.St) { e.line(`rt.x87ld(cpu, ${Xk.ST}, ${e.regField(0)}, 0, 0);`); return; }
  const [a, b, c] = loadMem(e, e.size(0));
  e.line(`rt.x87ld(cpu, ${fk(e.size(0))}, ${a}, ${b}, ${c});`);
};
X87.fild = (e) => {
  const [a, b] = loadMem(e, e.size(0));
  e.line(`rt.x87ld(cpu, ${ik(e.size(0))}, ${a}, ${b}, 0);`);
};
['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz'].forEach((m, k) => {
  X87[m] = (e) => { e.line(`rt.x87ld(cpu, ${Xk.CONST}, ${k}, 0, 0);`); };
});

// ---- stores ---------------------------------------------------------------------------------------
function store(kind: 'f' | 'i' | 't', pops: number): Semantics {
  return (e) => {
    if (e.kind(0) === K.St) { e.line(`rt.x87stst(cpu, ${e.regField(0)}, ${pops});`); return; }
    const size = e.size(0), a = e.ea();
    const k = kind === 'f' ? fk(size) : ik(size);
    if (size === 10) e.line(`M.probe(${a.lo}, ${a.hi}, 10, 1);`);
    const lo = e.tmp(`rt.x87st(cpu, ${k}, ${kind === 't' ? 1 : 0})`);
    const v: V = { lo, hi: size === 8 || size === 10 ? e.tmp('rt.XO[1]') : '0' };
    if (size === 10) {
      const se = e.tmp('rt.XO[2]');
      e.store(8, a, v);
      e.store(2, e.addrPlus(a, 8), { lo: se, hi: '0' });
    } else e.store(size, a, v);
    e.line(`rt.x87post(cpu, ${pops});`);
  };
}
X87.fst = store('f', 0);
X87.fstp = store('f', 1);
X87.fist = store('i', 0);
X87.fistp = store('i', 1);
X87.fisttp = store('t', 1);

// ---- arithmetic -----------------------------------------------------------------------------------
function arith(op: Op, pops: number, int: boolean): Semantics {
  return (e) => {
    if (e.i.nops === 0) { e.line(`rt.x87ar(cpu, ${op}, 1, 0, ${pops}, ${Xk.ST}, 0, 0);`); return; }
    if (e.kind(0) === K.St) {
      const s = e.i.nops > 1 ? e.regField(1) : '0';
      e.line(`rt.x87ar(cpu, ${op}, ${e.regField(0)}, ${s}, ${pops}, ${Xk.ST}, 0, 0);`);
      return;
    }
    const size = e.size(0);
    const [a, b] = loadMem(e, size);
    e.line(`rt.x87ar(cpu, ${op}, 0, 0, 0, ${int ? ik(size) : fk(size)}, ${a}, ${b});`);
  };
}
const OPS: [string, Op][] = [['add', Op.ADD], ['mul', Op.MUL], ['sub', Op.SUB], ['subr', Op.SUBR], ['div', Op.DIV], ['divr', Op.DIVR]];
for (const [n, op] of OPS) {
  X87['f' + n] = arith(op, 0, false);
  X87['f' + n + 'p'] = arith(op, 1, false);
  X87['fi' + n] = arith(op, 0, true);
}

// ---- compares -------------------------------------------------------------------------------------
/** mode bit 1: unordered compare; bit 2: result to EFLAGS. */
function cmp(mode: number, pops: number, int = false): Semantics {
  return (e) => {
    let call: string;
    if (mode & 2) call = `rt.x87cmp(cpu, ${Xk.ST}, ${e.regField(e.i.nops > 1 ? 1 : 0)}, 0, 0, ${pops}, ${mode})`;
    else if (e.i.nops === 0) call = `rt.x87cmp(cpu, ${Xk.ST}, 1, 0, 0, ${pops}, ${mode})`;
    else if (e.kind(0) === K.St) call = `rt.x87cmp(cpu, ${Xk.ST}, ${e.regField(0)}, 0, 0, ${pops}, ${mode})`;
    else {
      const size = e.size(0);
      const [a, b] = loadMem(e, size);
      call = `rt.x87cmp(cpu, ${int ? ik(size) : fk(size)}, 0, ${a}, ${b}, ${pops}, ${mode})`;
    }
    if (mode & 2) { const r = e.tmp(call); e.setEflagsBits(F.ZF | F.PF | F.CF | F.OF | F.SF | F.AF, r); } else e.line(call + ';');
  };
}
X87.fcom = cmp(0, 0); X87.fcomp = cmp(0, 1); X87.fcompp = cmp(0, 2);
X87.fucom = cmp(1, 0); X87.fucomp = cmp(1, 1); X87.fucompp = cmp(1, 2);
X87.ficom = cmp(0, 0, true); X87.ficomp = cmp(0, 1, true);
X87.fcomi = cmp(2, 0); X87.fcomip = cmp(2, 1); X87.fucomi = cmp(3, 0); X87.fucomip = cmp(3, 1);
X87.ftst = (e) => { e.line(`rt.x87cmp(cpu, ${Xk.CONST}, 0, 0, 0, 0, 0);`); };

// ---- one-operand and register management ------------------------------------------------------------
function un(op: Un, withReg = false): Semantics {
  return (e) => { e.line(`rt.x87un(cpu, ${op}, ${withReg && e.i.nops > 0 ? e.regField(0) : withReg ? 1 : 0});`); };
}
X87.fchs = un(Un.CHS); X87.fabs = un(Un.ABS); X87.fsqrt = un(Un.SQRT); X87.frndint = un(Un.RNDINT);
X87.fscale = un(Un.SCALE); X87.fprem = un(Un.PREM); X87.fprem1 = un(Un.PREM1); X87.fxam = un(Un.XAM);
X87.fincstp = un(Un.INCSTP); X87.fdecstp = un(Un.DECSTP);
X87.fxch = un(Un.XCH, true);
X87.ffree = un(Un.FREE, true);
X87.ffreep = (e) => { e.line(`rt.x87un(cpu, ${Un.FREE}, ${e.i.nops > 0 ? e.regField(0) : 0}); rt.x87post(cpu, 1);`); };
X87.fnop = () => {};
X87.fwait = () => {};
X87.wait = () => {};

/** fcmovcc: ST(0) = ST(i) when the condition (cc as in jcc) holds. */
const FCMOV: [string, number][] = [['fcmovb', 2], ['fcmove', 4], ['fcmovbe', 6], ['fcmovu', 10],
  ['fcmovnb', 3], ['fcmovne', 5], ['fcmovnbe', 7], ['fcmovnu', 11]];
for (const [m, cc] of FCMOV) {
  X87[m] = (e) => {
    const c = e.cond(cc);
    const r = e.regField(e.i.nops > 1 ? 1 : 0);
    e.line(`if (${c}) rt.x87un(cpu, ${Un.MOV}, ${r}); else rt.x87cmovf(cpu, ${r});`);
  };
}

// ---- fnsave / frstor (108-byte protected-mode image: the fnstenv environment, then ST(0)..ST(7)) --------
X87.fnsave = (e) => {
  const a = e.ea();
  e.line(`M.probe(${a.lo}, ${a.hi}, 108, 1);`);
  const words = ['(cpu.fpuCw & 0xffff) | -65536', '(cpu.fpuSw & 0xffff) | -65536', 'rt.x87tagword(cpu) | -65536', '0', '0', '0', '-65536'];
  words.forEach((w, k) => e.store(4, e.addrPlus(a, 4 * k), { lo: w, hi: '0' }));
  for (let k = 0; k < 8; k++) {
    e.store(8, e.addrPlus(a, 28 + 10 * k), { lo: e.tmp(`rt.x87reg(cpu, ${k}, 0)`), hi: e.tmp(`rt.x87reg(cpu, ${k}, 1)`) });
    e.store(2, e.addrPlus(a, 36 + 10 * k), { lo: e.tmp(`rt.x87reg(cpu, ${k}, 2) & 0xffff`), hi: '0' });
  }
  e.line('cpu.fpuCw = 0x37f; cpu.fpuSw = 0; cpu.fpuTag = 0;');
};
X87.fsave = X87.fnsave;
X87.frstor = (e) => { const a = e.ea(); e.line(`rt.x87frstor(cpu, M, ${a.lo}, ${a.hi});`); };
