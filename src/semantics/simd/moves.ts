// SSE/SSE2 data movement: movd/movq, the 128-bit moves (aligned and unaligned), movss/movsd,
// movlps/movhps/movlpd/movhpd/movhlps/movlhps, non-temporal stores, the mask extractions,
// pextrw/pinsrw, maskmovdqu, and the SSE3 moves movddup/movshdup/movsldup/lddqu.

import { K } from '../../decoder/insn.js';
import { type Emitter, type Semantics } from '../emit.js';
import { STRING } from '../string.js';
import { L, imm8, loadLanes, mmx, reg, setLanes, srcLanes, srcSnap, storeLanes, xr } from './common.js';
import { mask8 } from './swar.js';

/** Marks pmovmskb's mask: `// @v128mask M | SRC LANES` (M: the temporary holding it). */
export const VECTOR_MASK_MARK = '@v128mask';

export const MOVES: Record<string, Semantics> = {};

/** 128-bit move between xmm registers and memory. */
function mov128(aligned: boolean): Semantics {
  return (e) => {
    if (mmx(e)) return;
    if (e.kind(0) === K.Xmm) {
      const d = xr(e, 0);
      if (e.kind(1) === K.Xmm) { const s = xr(e, 1); if (s !== d) setLanes(e, d, 0, [0, 1, 2, 3].map((k) => L(s, k))); return; }
      setLanes(e, d, 0, loadLanes(e, e.ea(), 16, aligned));
      return;
    }
    storeLanes(e, e.ea(), xr(e, 1), 0, 16, aligned);
  };
}
reg(MOVES, ['movdqa', 'movaps', 'movapd', 'movntdq', 'movntps', 'movntpd'], mov128(true));
reg(MOVES, ['movdqu', 'movups', 'movupd', 'lddqu'], mov128(false));

/** movd (size 4) and movq (size 8) between xmm and GPR/memory, and movq xmm<->xmm/m64. */
function movdq(size: 4 | 8): Semantics {
  return (e) => {
    if (mmx(e)) return;
    if (e.kind(0) === K.Xmm) {
      const d = xr(e, 0);
      let v: string[];
      // Lanes 0-1 of the source go to lanes 0-1: no copies needed, even for movq x, x.
      if (e.kind(1) === K.Xmm) v = srcLanes(e, 1, size, false);
      else if (e.kind(1) === K.Reg) { const r = e.read(1, size); v = size === 8 ? [r.lo, r.hi] : [r.lo]; }
      else v = loadLanes(e, e.ea(), size, false);
      setLanes(e, d, 0, size === 8 ? [v[0], v[1], '0', '0'] : [v[0], '0', '0', '0']);
      return;
    }
    const s = xr(e, 1);
    if (e.kind(0) === K.Mem) { storeLanes(e, e.ea(), s, 0, size, false); return; }
    e.write(0, e.val(size, L(s, 0), size === 8 ? L(s, 1) : '0'), size);
  };
}
MOVES.movd = movdq(4);
MOVES.movq = movdq(8);

/** movss (size 4) / movsd (size 8): register forms merge, loads zero the rest, stores write the scalar. */
function movScalar(size: 4 | 8): Semantics {
  return (e) => {
    const n = size / 4;
    if (e.kind(0) === K.Xmm) {
      const d = xr(e, 0);
      if (e.kind(1) === K.Xmm) { setLanes(e, d, 0, srcLanes(e, 1, size, false)); return; }
      const v = loadLanes(e, e.ea(), size, false);
      setLanes(e, d, 0, n === 2 ? [v[0], v[1], '0', '0'] : [v[0], '0', '0', '0']);
      return;
    }
    storeLanes(e, e.ea(), xr(e, 1), 0, size, false);
  };
}
MOVES.movss = movScalar(4);
const movsdSse = movScalar(8);
// The string instruction is 'movs' in objdump's Intel syntax; should a decoder name it movsd, the
// absence of an xmm operand tells them apart.
MOVES.movsd = (e, i) => {
  if (e.kind(0) !== K.Xmm && e.kind(1) !== K.Xmm) { (STRING.movsd ?? STRING.movs)(e, i); return; }
  movsdSse(e, i);
};

/** movlps/movlpd (half 0) and movhps/movhpd (half 1): 64-bit load into / store from one half. */
function movHalf(half: number): Semantics {
  return (e) => {
    if (e.kind(0) === K.Xmm) { setLanes(e, xr(e, 0), 2 * half, loadLanes(e, e.ea(), 8, false)); return; }
    storeLanes(e, e.ea(), xr(e, 1), 2 * half, 8, false);
  };
}
reg(MOVES, ['movlps', 'movlpd'], movHalf(0));
reg(MOVES, ['movhps', 'movhpd'], movHalf(1));
MOVES.movhlps = (e) => { const s = xr(e, 1); setLanes(e, xr(e, 0), 0, [e.tmp(L(s, 2)), e.tmp(L(s, 3))]); };
MOVES.movlhps = (e) => { const s = xr(e, 1); setLanes(e, xr(e, 0), 2, [e.tmp(L(s, 0)), e.tmp(L(s, 1))]); };
MOVES.movddup = (e) => { const v = srcSnap(e, 1, 8, false); setLanes(e, xr(e, 0), 0, [v[0], v[1], v[0], v[1]]); };
MOVES.movshdup = (e) => { const v = srcSnap(e, 1, 16, true); setLanes(e, xr(e, 0), 0, [v[1], v[1], v[3], v[3]]); };
MOVES.movsldup = (e) => { const v = srcSnap(e, 1, 16, true); setLanes(e, xr(e, 0), 0, [v[0], v[0], v[2], v[2]]); };

MOVES.movnti = (e) => { e.write(0, e.read(1, e.size(0))); };

/** Write a 32-bit result to the GPR destination (zero-extended to 64 bits). */
function toGpr(e: Emitter, expr: string): void {
  e.write(0, { lo: e.tmp(expr), hi: '0' });
}
/** pmovmskb inline: lanes 0-1 and 2-3 each gathered into 8 bits by mask8 (swar.ts); each lane is read
 * once. */
MOVES.pmovmskb = (e) => {
  if (mmx(e)) return;
  const s = xr(e, 1);
  const m = e.tmp(`${mask8(L(s, 0), L(s, 1))} | (${mask8(L(s, 2), L(s, 3))} << 8)`);
  // The same mask as one vector instruction (wasm's i8x16.bitmask), for a back end that has it.
  e.line(`// ${VECTOR_MASK_MARK} ${m} | ${[0, 1, 2, 3].map((k) => L(s, k)).join(' ')}`);
  e.write(0, { lo: m, hi: '0' });
};
MOVES.movmskps = (e) => toGpr(e, `rt.movmsk(cpu, 0, ${xr(e, 1)})`);
MOVES.movmskpd = (e) => toGpr(e, `rt.movmsk(cpu, 1, ${xr(e, 1)})`);
MOVES.pextrw = (e) => { if (mmx(e)) return; toGpr(e, `rt.pextrw(cpu, ${xr(e, 1)}, ${imm8(e)})`); };
MOVES.pinsrw = (e) => {
  if (mmx(e)) return;
  const v = e.kind(1) === K.Mem ? e.load(2, e.ea()) : e.read(1, 4);
  e.line(`rt.pinsrw(cpu, ${xr(e, 0)}, ${v.lo}, ${imm8(e)});`);
};

/**
 * maskmovdqu: store the bytes of xmm0.. selected by the mask's top bits to DS:[rDI]. The whole 16-byte
 * range is probed for write access first, even where mask bits are clear (the SDM leaves faults on
 * masked-out bytes implementation-specific; the oracle CPU raises them), then the selected bytes are
 * written.
 */
MOVES.maskmovdqu = (e, i) => {
  const s = xr(e, 0), m = xr(e, 1);
  const di = e.getReg(7, i.adsize === 4 ? 4 : 8);
  let a = i.adsize === 4 ? { lo: di.lo, hi: '0' } : di;
  if (i.seg === 4 || i.seg === 5) {
    const b = i.seg === 4 ? 'fs' : 'gs';
    a = e.add(8, a, { lo: `cpu.${b}BaseLo`, hi: `cpu.${b}BaseHi` });
  }
  const mask = e.tmp(`rt.pmovmskb(cpu, ${m})`);
  e.line(`M.probe(${a.lo}, ${a.hi}, 16, 1);`);
  for (let k = 0; k < 16; k++) {
    const ak = e.addrPlus(a, k);
    e.line(`if ((${mask} & ${1 << k}) !== 0) {`);
    e.store(1, ak, { lo: `cpu.xmmU8[${16 * s + k}]`, hi: '0' });
    e.line('}');
  }
};
