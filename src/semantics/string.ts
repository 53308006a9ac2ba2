// String instructions (movs, stos, lods, scas, cmps) with rep/repe/repne (SDM vol. 1 7.3.9). Each
// iteration commits RSI/RDI/RCX before the next, so a fault in iteration k leaves the registers as
// the CPU would (RIP still at the instruction, RCX counting the remaining elements).

import { P } from '../decoder/insn.js';
import { type Emitter, type Semantics, type V } from './emit.js';
import { CcKind, F } from './state.js';

export const STRING: Record<string, Semantics> = {};
const RAX = 0, RCX = 1, RSI = 6, RDI = 7;

/** Advance an address register by the element size in the DF direction. */
function step(e: Emitter, r: number, adsize: number, delta: string): void {
  e.noteRegWrite(r);
  if (adsize === 4) { e.line(`${e.regLo(r)} = (${e.regLo(r)} + ${delta}) | 0; ${e.regHi(r)} = 0;`); return; }
  // int32 halves with the carry by an unsigned compare (as Emitter.add): no doubles in the loop.
  const lo = e.regLo(r), hi = e.regHi(r);
  e.line(`{ const d = ${delta}, s = (${lo} + d) | 0; ${hi} = (${hi} + (d >> 31) + ((s >>> 0) < (d >>> 0) ? 1 : 0)) | 0; ${lo} = s; }`);
}
function addr(e: Emitter, r: number, adsize: number, seg: boolean): V {
  const lo = e.regLo(r), hi = adsize === 4 ? '0' : e.regHi(r);
  if (!seg) return e.val(8, lo, hi);
  // A segment override (FS/GS) applies to the source operand of movs/lods/cmps.
  const s = e.i.seg === 4 ? 'fs' : 'gs';
  const sum = e.tmp(`(${lo} >>> 0) + (cpu.${s}BaseLo >>> 0)`);
  return { lo: e.tmp(`${sum} | 0`), hi: e.tmp(`(${hi} + cpu.${s}BaseHi + (${sum} > 4294967295 ? 1 : 0)) | 0`) };
}

/**
 * rep movs / rep stos with DF = 0 (memcpy, memset, musl's and glibc's small struct copies): the MMU
 * moves as many whole elements as lie in the current source and destination pages in one go
 * (Mmu.movsChunk / stosChunk) and the registers advance past them, as if those iterations had run
 * one by one. Each chunk faults, if at all, before anything is copied, exactly where its first
 * element would; the element loop below handles what a chunk declines (an element straddling a page,
 * overlapping ranges whose forward element copy differs from a block move, a last element or two).
 */
function bulkChunk(e: Emitter, op: 'movs' | 'stos', size: number, delta: string): void {
  const lo = (r: number) => e.regLo(r), hi = (r: number) => e.regHi(r);
  let args = `${lo(RDI)}, ${hi(RDI)}, `;
  if (op === 'movs') args += `${lo(RSI)}, ${hi(RSI)}, ${lo(RCX)}, ${hi(RCX)}, ${size}`;
  else { const v = e.getReg(RAX, size); args += `${lo(RCX)}, ${hi(RCX)}, ${size}, ${v.lo}, ${v.hi}`; }
  const n = e.tmp(`${delta} > 0 ? M.${op}Chunk(${args}) : 0`);
  const advance = (r: number) => {
    e.noteRegWrite(r);
    return `{ const s = (${lo(r)} >>> 0) + ${n}; ${lo(r)} = s | 0; ${hi(r)} = (${hi(r)} + (s > 4294967295 ? 1 : 0)) | 0; }`;
  };
  e.noteRegWrite(RCX);
  const shift = Math.log2(size);
  e.line(`if (${n} !== 0) { ${advance(RDI)} ${op === 'movs' ? advance(RSI) : ''} ` +
    `{ const s = (${lo(RCX)} >>> 0) - (${n} >>> ${shift}); ${lo(RCX)} = s | 0; ${hi(RCX)} = (${hi(RCX)} - (s < 0 ? 1 : 0)) | 0; } continue; }`);
}

function stringOp(op: 'movs' | 'stos' | 'lods' | 'scas' | 'cmps'): Semantics {
  return (e, i) => {
    const size = e.size(0) || i.opsize;
    const ad = i.adsize;
    const rep = (i.prefixes & (P.REP | P.REPNE)) !== 0;
    const repne = (i.prefixes & P.REPNE) !== 0;
    const segSrc = i.seg === 4 || i.seg === 5;
    const delta = e.tmp(`${e.controlFlag(F.DF)} ? ${-size} : ${size}`);
    const cnt = ad === 4 ? `${e.regLo(RCX)}` : `(${e.regLo(RCX)} | ${e.regHi(RCX)})`;
    if (rep) e.line(`while (${cnt} !== 0) {`);
    else e.line('{');
    if (rep && ad === 8 && !segSrc && (op === 'movs' || op === 'stos')) bulkChunk(e, op, size, delta);
    switch (op) {
      case 'movs': { const v = e.load(size, addr(e, RSI, ad, segSrc)); e.store(size, addr(e, RDI, ad, false), v); step(e, RSI, ad, delta); step(e, RDI, ad, delta); break; }
      case 'stos': { e.store(size, addr(e, RDI, ad, false), e.getReg(RAX, size)); step(e, RDI, ad, delta); break; }
      case 'lods': { const v = e.load(size, addr(e, RSI, ad, segSrc)); e.setReg(RAX, size, v); step(e, RSI, ad, delta); break; }
      case 'scas': {
        const v = e.load(size, addr(e, RDI, ad, false));
        const a = e.getReg(RAX, size);
        const r = e.sub(size, a, v);
        step(e, RDI, ad, delta);
        e.setFlags(CcKind.SUB, size, r, v);
        break;
      }
      case 'cmps': {
        const a = e.load(size, addr(e, RSI, ad, segSrc));
        const b = e.load(size, addr(e, RDI, ad, false));
        const r = e.sub(size, a, b);
        step(e, RSI, ad, delta); step(e, RDI, ad, delta);
        e.setFlags(CcKind.SUB, size, r, b);
        break;
      }
    }
    if (rep) {
      e.noteRegWrite(RCX);
      if (ad === 4) e.line(`${e.regLo(RCX)} = (${e.regLo(RCX)} - 1) | 0; ${e.regHi(RCX)} = 0;`);
      else e.line(`{ const s = (${e.regLo(RCX)} >>> 0) - 1; ${e.regLo(RCX)} = s | 0; ${e.regHi(RCX)} = (${e.regHi(RCX)} - (s < 0 ? 1 : 0)) | 0; }`);
      // repe/repne end on the flag condition for scas/cmps (the zero flag of this iteration).
      if (op === 'scas' || op === 'cmps') e.line(`if (${repne ? '' : '!'}${e.cond(4)}) break;`);
    }
    e.line('}');
    e.lastFlags = null;
  };
}
for (const op of ['movs', 'stos', 'lods', 'scas', 'cmps'] as const) STRING[op] = stringOp(op);
