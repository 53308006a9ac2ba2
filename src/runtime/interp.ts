// The interpreter: executes decoded instructions one at a time. Each instruction runs a handler
// compiled once per instruction *form* (mnemonic, operand kinds and sizes, addressing shape) from the
// shared semantics with a generic Emitter, which reads register numbers, immediates and displacements
// from the decoded record at run time. So the interpreter never specialises to particular guest code,
// yet it runs the very same semantics text as the translator (DESIGN decision 1).

import { type Insn, K, kindOf, regOf, sizeOf } from '../decoder/insn.js';
import { formatInsn } from '../decoder/format.js';
import { Emitter } from '../semantics/emit.js';
import { semanticsOf } from '../semantics/index.js';
import { type Cpu } from './cpu.js';
import { GuestFault, Vec } from './faults.js';
import { type Helper } from './helpers.js';
import { PAR, rt, SCALE_SHIFT } from './rt.js';

export type Handler = (cpu: Cpu, i: Insn) => void;

/** Everything a semantics function may branch on at generation time when operands are generic. */
export function formKey(i: Insn): string {
  let k = `${i.mnem}|${i.nops}|${i.opsize}|${i.adsize}|${i.prefixes}|${i.simdPrefix}|${i.mode}`;
  for (let n = 0; n < i.nops; n++) {
    const kind = kindOf(i, n), size = sizeOf(i, n), reg = regOf(i, n);
    k += `|${kind}:${size}`;
    if (kind === K.Reg && size === 1 && reg >= 16) k += 'h';
    // Non-GPR register operands (xmm, cr, sreg...) are baked into SIMD/system handlers by number.
    if (kind !== K.Reg && kind !== K.Mem && kind !== K.Imm && kind !== K.Rel) k += `#${reg}`;
  }
  if (i.k0 === K.Mem || i.k1 === K.Mem || i.k2 === K.Mem || i.k3 === K.Mem || i.mnem === 'lea') {
    k += `|m${i.base >= 0 ? 'b' : ''}${i.index >= 0 ? 'x' : ''}${i.ripRel ? 'r' : ''}${i.seg}`;
  }
  return k;
}

const PRELUDE = 'const R = cpu.regs, CC = cpu.cc, M = cpu.mmu;';

/** Compile `body` (generated from semantics) into a function of (cpu, i). */
export function compileHandler(body: string, name: string, helpers: Record<string, Helper>): Handler {
  const src = `return function ${name}(cpu, i) {\n${PRELUDE}\n${body}\n}`;
  return new Function('rt', 'H', 'PAR', 'SCALE_SHIFT', src)(rt, helpers, PAR, SCALE_SHIFT) as Handler;
}

export class Interpreter {
  private readonly forms = new Map<string, Handler>();
  formsCompiled = 0;

  constructor(private readonly helpers: Record<string, Helper>) {}

  /** The handler for an instruction (cached on the record and per form). */
  handlerOf(i: Insn): Handler {
    if (i.handler) return i.handler;
    const key = formKey(i);
    let h = this.forms.get(key);
    if (!h) {
      h = this.build(i);
      this.forms.set(key, h);
      this.formsCompiled++;
    }
    i.handler = h;
    return h;
  }

  private build(i: Insn): Handler {
    if (i.mnem === '(bad)') return undecodable;
    const sem = semanticsOf(i);
    if (!sem) return unimplemented;
    try {
      const e = new Emitter(i, false);
      sem(e, i);
      return compileHandler(e.code(), 'h_' + i.mnem.replace(/\W/g, '_'), this.helpers);
    } catch (err) {
      // A semantics defect must not become a host crash: the guest gets #UD (SIGILL) with a message
      // naming the instruction and the defect.
      const why = (err as Error)?.message ?? String(err);
      return (_cpu, ins) => { throw new GuestFault(Vec.UD, 0, 0, `ringjit cannot execute '${describe(ins)}' (bytes ${bytesHex(ins)}): ${why}`); };
    }
  }
}

function bytesHex(i: Insn): string {
  return Array.from(i.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
const undecodable: Handler = (_cpu, i) => {
  throw new GuestFault(Vec.UD, 0, 0, `undecodable bytes ${bytesHex(i)}${i.badReason ? ` (${i.badReason})` : ''}`);
};
function describe(i: Insn): string {
  try { return formatInsn(i).replace(/\s+/g, ' ').trim(); } catch { return i.mnem; }
}
const unimplemented: Handler = (_cpu, i) => {
  throw new GuestFault(Vec.UD, 0, 0, `unimplemented instruction '${describe(i)}' (bytes ${bytesHex(i)})`);
};
