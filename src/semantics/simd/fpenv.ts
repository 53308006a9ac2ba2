// The floating-point environment: ldmxcsr/stmxcsr, fxsave/fxrstor, and the x87 control/status
// instructions that libc startup and <fenv.h> use (fnstcw/fldcw, fnstsw, fninit, fnclex,
// fnstenv/fldenv). The x87 arithmetic is in semantics/x87/; its control and status words are
// cpu.fpuCw / cpu.fpuSw (TOP in the status word), its registers cpu.fpr and its tags cpu.fpuTag.
// The fwait forms (fstcw, fstsw, finit, fclex, fstenv) behave the same: unmasked x87 exceptions are
// recorded in the status word (ES, B) but never delivered as #MF.

import { K } from '../../decoder/insn.js';
import { type Emitter, type Semantics, ZERO } from '../emit.js';
import { L, align16, reg } from './common.js';
import { MXCSR_MASK } from './x87.js';

export const FPENV: Record<string, Semantics> = {};

FPENV.ldmxcsr = (e) => {
  const v = e.load(4, e.ea());
  e.line(`if ((${v.lo} & ${~MXCSR_MASK}) !== 0) throw rt.gp('ldmxcsr: reserved MXCSR bits set');`);
  e.line(`cpu.mxcsr = ${v.lo};`);
};
FPENV.stmxcsr = (e) => { e.store(4, e.ea(), { lo: 'cpu.mxcsr', hi: '0' }); };

/** Number of xmm registers in the fxsave image: 16 in 64-bit mode, 8 otherwise. */
function nxmm(e: Emitter): number { return e.i.mode === 64 ? 16 : 8; }
/**
 * fxsave: probe the 512-byte area, then store (through the Emitter, so the translator sees the stores)
 * FCW, FSW, the abridged tag word (0 = all empty), FOP/FIP/FDP (0), MXCSR, MXCSR_MASK, zero x87/MMX
 * registers and the xmm registers. Bytes 416-511 are left untouched, as the hardware does.
 */
const fxsave: Semantics = (e) => {
  const a = e.ea();
  align16(e, a);
  e.line(`M.probe(${a.lo}, ${a.hi}, 512, 1);`);
  const at = (k: number) => e.addrPlus(a, k);
  e.store(4, a, { lo: '(cpu.fpuCw & 0xffff) | (cpu.fpuSw << 16)', hi: '0' });
  e.store(4, at(4), { lo: 'cpu.fpuTag & 0xff', hi: '0' });
  for (let k = 8; k < 24; k += 8) e.store(8, at(k), ZERO);
  e.store(4, at(24), { lo: 'cpu.mxcsr', hi: '0' });
  e.store(4, at(28), e.c(MXCSR_MASK));
  for (let k = 0; k < 8; k++) {
    e.store(8, at(32 + 16 * k), { lo: `rt.x87reg(cpu, ${k}, 0)`, hi: `rt.x87reg(cpu, ${k}, 1)` });
    e.store(8, at(40 + 16 * k), { lo: `rt.x87reg(cpu, ${k}, 2) & 0xffff`, hi: '0' });
  }
  for (let r = 0; r < nxmm(e); r++) {
    e.store(8, at(160 + 16 * r), { lo: L(r, 0), hi: L(r, 1) });
    e.store(8, at(168 + 16 * r), { lo: L(r, 2), hi: L(r, 3) });
  }
};
const fxrstor: Semantics = (e) => {
  const a = e.ea();
  align16(e, a);
  e.line(`if (rt.fxrstor(cpu, M, ${a.lo}, ${a.hi}, ${nxmm(e)}) !== 0) throw rt.gp('fxrstor: reserved MXCSR bits set');`);
};
reg(FPENV, ['fxsave', 'fxsave64'], fxsave);
reg(FPENV, ['fxrstor', 'fxrstor64'], fxrstor);

reg(FPENV, ['fnstcw', 'fstcw'], (e) => { e.store(2, e.ea(), { lo: 'cpu.fpuCw', hi: '0' }); });
/** x87 control word bits 6 (reads as 1) and 13-15 (read as 0) are reserved. */
export const FCW_FIX = (v: string): string => `((${v}) & 0x1f3f) | 0x40`;
FPENV.fldcw = (e) => { const v = e.load(2, e.ea()); e.line(`cpu.fpuCw = ${FCW_FIX(v.lo)};`); };
reg(FPENV, ['fnstsw', 'fstsw'], (e) => {
  if (e.kind(0) === K.Mem) e.store(2, e.ea(), { lo: 'cpu.fpuSw', hi: '0' });
  else e.setReg(0, 2, e.val(2, 'cpu.fpuSw & 0xffff'));
});
reg(FPENV, ['fninit', 'finit'], (e) => { e.line('cpu.fpuCw = 0x37f; cpu.fpuSw = 0; cpu.fpuTag = 0;'); });
reg(FPENV, ['fnclex', 'fclex'], (e) => { e.line('cpu.fpuSw &= 0x7f00;'); });
/** fnstenv: the 28-byte protected-mode environment (reserved halves read as ones, the tag word as all
 * empty, pointers zero), then all x87 exceptions become masked. */
reg(FPENV, ['fnstenv', 'fstenv'], (e) => {
  const a = e.ea();
  e.line(`M.probe(${a.lo}, ${a.hi}, 28, 1);`);
  const words = ['(cpu.fpuCw & 0xffff) | -65536', '(cpu.fpuSw & 0xffff) | -65536', 'rt.x87tagword(cpu) | -65536', '0', '0', '0', '-65536'];
  words.forEach((w, k) => e.store(4, e.addrPlus(a, 4 * k), { lo: w, hi: '0' }));
  e.line('cpu.fpuCw |= 0x3f;');
});
FPENV.fldenv = (e) => { const a = e.ea(); e.line(`rt.fldenv(cpu, M, ${a.lo}, ${a.hi});`); };
