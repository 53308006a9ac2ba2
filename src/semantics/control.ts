// Stack and control-transfer instructions (SDM vol. 1 6.2-6.4). In 64-bit mode the stack address
// size is always 64 bits; push/pop operate on 8 bytes unless a 66 prefix makes them 2.

import { K } from '../decoder/insn.js';
import { type Emitter, type Semantics, type V } from './emit.js';
import { F, POPF_USER_MASK } from './state.js';

export const CONTROL: Record<string, Semantics> = {};

const RSP = 4, RBP = 5, RCX = 1;

/** Push v (size bytes): store first, then commit RSP (precise faults). */
export function push(e: Emitter, size: number, v: V): void {
  const sp = e.getReg(RSP, 8);
  const a = e.sub(8, sp, e.c(size));
  e.store(size, a, v);
  e.setReg(RSP, 8, a);
}
/** Load the top of stack (size bytes) without committing RSP; returns value and the new RSP. */
export function popLoad(e: Emitter, size: number, extra = 0): { v: V; sp: V } {
  const sp = e.getReg(RSP, 8);
  const v = e.load(size, sp);
  return { v, sp: e.add(8, sp, e.c(size + extra)) };
}

const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
CONTROL.push = (e) => {
  if (e.kind(0) === K.Sreg) {
    // push fs/gs: the selector, zero-extended to the operand size (the operand's own size is 2).
    const size = stackSize(e);
    push(e, size, e.val(size, `cpu.${SREG[e.regNum(0)]} & 0xffff`));
    return;
  }
  const size = e.size(0);
  const v = e.kind(0) === K.Imm ? e.imm(size) : e.read(0);
  push(e, size, v);
};
CONTROL.pop = (e) => {
  if (e.kind(0) === K.Sreg) { e.raise(6, 'pop to a segment register is not implemented'); return; }
  const size = e.size(0);
  const { v, sp } = popLoad(e, size);
  if (e.kind(0) === K.Mem) {
    // An RSP-based destination address is computed with RSP already incremented (SDM POP); RSP itself is
    // committed only after the store, so a fault leaves it unchanged.
    // (The interpreter's handler serves every base register of the form: test the base at run time there.)
    const k = e.baked ? (e.i.base === RSP ? String(size) : '') : `(i.base === ${RSP} ? ${size} : 0)`;
    let a = e.ea();
    if (k && e.i.adsize === 4) a = { lo: e.tmp(`(${a.lo} + ${k}) | 0`), hi: '0' };
    else if (k) {
      const t = e.tmp(`(${a.lo} >>> 0) + ${k}`);
      a = { lo: e.tmp(`${t} | 0`), hi: e.tmp(`(${a.hi} + (${t} > 4294967295 ? 1 : 0)) | 0`) };
    }
    e.store(size, a, v);
    e.setReg(RSP, 8, sp);
  } else { e.setReg(RSP, 8, sp); e.write(0, v); } // pop rsp: the loaded value wins
};
/** pushf/popf/leave have no explicit operand: their size is the operand size (8, or 2 with 66). */
function stackSize(e: Emitter): number { return e.i.opsize === 2 ? 2 : 8; }

CONTROL.pushf = (e) => {
  const size = stackSize(e);
  // The pushed image never has VM or RF set (SDM PUSHF).
  const f = e.eflags();
  push(e, size, e.val(size, `${f} & ${~(F.VM | F.RF) & 0xffffff}`));
};
CONTROL.pushfq = CONTROL.pushf;
CONTROL.pushfw = CONTROL.pushf;
CONTROL.popf = (e) => {
  const size = stackSize(e);
  const { v, sp } = popLoad(e, size);
  e.setReg(RSP, 8, sp);
  // At CPL 3, IOPL and IF are not changed by popf; VM and RF are never set from the image.
  const keep = `(cpu.cpl === 0 ? ${F.IF | F.IOPL} : 0)`;
  const mask = `(${POPF_USER_MASK} | ${keep}) & ${size === 2 ? 0xffff : -1}`;
  e.writeEflags(mask, v.lo);
};
CONTROL.popfq = CONTROL.popf;
CONTROL.popfw = CONTROL.popf;

CONTROL.leave = (e) => {
  const size = stackSize(e);
  const bp = e.getReg(RBP, 8);
  const v = e.load(size, bp);
  e.setReg(RSP, 8, e.add(8, bp, e.c(size)));
  e.setReg(RBP, size, v);
};
CONTROL.enter = (e) => {
  const size = stackSize(e); // the operand size (64, or 16 with 66), not the size of the imm16 operand
  const frame = e.imm(2);
  // Nesting levels above 0 are not produced by compilers; the level is masked to 5 bits per the SDM.
  e.line(`if ((${e.f('imm2')} & 31) !== 0) throw rt.fault(6, 0, 'enter with nesting level > 0 is not implemented');`);
  const sp = e.getReg(RSP, 8);
  const frameTemp = e.sub(8, sp, e.c(size));
  e.store(size, frameTemp, e.getReg(RBP, size));
  const nsp = e.sub(8, frameTemp, e.zext(2, 8, frame));
  // The CPU finishes with a write check of the final stack location (no data is written): a frame that
  // reaches an unmapped or read-only page faults here, with RSP and RBP unchanged.
  e.probeWrite(size, nsp);
  e.setReg(RBP, size, frameTemp);
  e.setReg(RSP, 8, nsp);
};

CONTROL.jmp = (e) => {
  if (e.kind(0) === K.Rel) { e.jumpTo(e.targetExpr()); return; }
  const size = e.size(0);
  e.jumpV(e.zext(size, 8, e.read(0)));
};
CONTROL.call = (e) => {
  const size = e.size(0) === 2 ? 2 : 8;
  if (e.kind(0) === K.Rel) {
    push(e, size, e.addrV(e.nextExpr()));
    e.jumpTo(e.targetExpr());
    return;
  }
  const t = e.zext(size, 8, e.read(0)); // read the target (may fault) before pushing
  e.checkCanonical(t); // a non-canonical target faults before anything is pushed
  push(e, size, e.addrV(e.nextExpr()));
  e.jumpChecked(t);
};
CONTROL.ret = (e, i) => {
  const size = i.opsize === 2 ? 2 : 8;
  const extra = i.nops > 0 && e.kind(0) === K.Imm ? e.imm(2) : null;
  const sp = e.getReg(RSP, 8);
  const t = e.load(size, sp);
  const adj = extra ? e.add(8, e.c(size), e.zext(2, 8, extra)) : e.c(size);
  const nsp = e.add(8, sp, adj);
  const target = e.zext(size, 8, t);
  e.checkCanonical(target); // #GP for a non-canonical target leaves RSP unchanged
  e.setReg(RSP, 8, nsp);
  e.jumpChecked(target);
};
CONTROL.jcc = (e) => { e.branchIf(e.cond(e.f('cc'))); };

function rcxCounter(e: Emitter): { n: V; size: number } {
  const size = e.i.adsize;
  return { n: e.getReg(RCX, size), size };
}
function loop(kind: 'loop' | 'loope' | 'loopne'): Semantics {
  return (e) => {
    const { n, size } = rcxCounter(e);
    const cz = kind === 'loop' ? null : e.cond(4);
    const m = e.sub(size, n, e.c(1));
    e.setReg(RCX, size, m);
    const nz = `!${size === 8 ? `((${m.lo} | ${m.hi}) === 0)` : `(${m.lo} === 0)`}`;
    e.branchIf(kind === 'loop' ? nz : kind === 'loope' ? `(${nz} && ${cz})` : `(${nz} && !${cz})`);
  };
}
CONTROL.loop = loop('loop');
CONTROL.loope = loop('loope');
CONTROL.loopne = loop('loopne');
const jcxz: Semantics = (e) => {
  const { n, size } = rcxCounter(e);
  e.branchIf(size === 8 ? `((${n.lo} | ${n.hi}) === 0)` : `(${n.lo} === 0)`);
};
CONTROL.jrcxz = jcxz;
CONTROL.jecxz = jcxz;
