// The interpreter: executes decoded instructions one at a time. Each instruction runs a handler
// compiled once per instruction *form* (mnemonic, operand kinds and sizes, addressing shape) from the
// shared semantics with a generic Emitter, which reads register numbers, immediates and displacements
// from the decoded record at run time. So the interpreter never specialises to particular guest code,
// yet it runs the very same semantics text as the translator (DESIGN decision 1).

import { type Insn, K } from '../decoder/insn.js';
import { formatInsn } from '../decoder/format.js';
import { Emitter } from '../semantics/emit.js';
import { semanticsOf } from '../semantics/index.js';
import { type Cpu } from './cpu.js';
import { GuestFault, Vec } from './faults.js';
import { type Helper } from './helpers.js';
import { PAR, rt, SCALE_SHIFT } from './rt.js';

export type Handler = (cpu: Cpu, i: Insn) => void;

/**
 * Everything besides the mnemonic that a semantics function may branch on at generation time when
 * operands are generic: one UTF-16 unit per field (every field is a small non-negative integer), so
 * the key is a single short flat string built by one call. (A key built by concatenating decimal
 * fields, flattened and hashed at each lookup, cost ~4x as much: ~9 ms of a hello-world run.)
 */
export function formShape(i: Insn): string {
  const n = i.nops;
  const hasMem = i.k0 === K.Mem || i.k1 === K.Mem || i.k2 === K.Mem || i.k3 === K.Mem || i.mnem === 'lea';
  const mem = hasMem ? 1 | (i.base >= 0 ? 2 : 0) | (i.index >= 0 ? 4 : 0) | (i.ripRel ? 8 : 0) | ((i.seg + 1) << 4) : 0;
  return String.fromCharCode(n, i.opsize, i.adsize, i.prefixes, i.simdPrefix, i.mode, mem,
    n > 0 ? i.k0 : 0, n > 0 ? i.s0 : 0, n > 0 ? regPart(i.k0, i.s0, i.r0) : 0,
    n > 1 ? i.k1 : 0, n > 1 ? i.s1 : 0, n > 1 ? regPart(i.k1, i.s1, i.r1) : 0,
    n > 2 ? i.k2 : 0, n > 2 ? i.s2 : 0, n > 2 ? regPart(i.k2, i.s2, i.r2) : 0,
    n > 3 ? i.k3 : 0, n > 3 ? i.s3 : 0, n > 3 ? regPart(i.k3, i.s3, i.r3) : 0);
}

/** The part of an operand's register number the handler depends on: for a GPR only whether it is a
 *  high-byte register (AH..BH); non-GPR registers (xmm, cr, sreg ...) are baked in by number. */
function regPart(kind: K, size: number, reg: number): number {
  if (kind === K.Reg) return size === 1 && reg >= 16 ? 1 : 0;
  return kind === K.Mem || kind === K.Imm || kind === K.Rel ? 0 : reg;
}

const PRELUDE = 'const R = cpu.regs, CC = cpu.cc, M = cpu.mmu;';

/** Compile `body` (generated from semantics) into a function of (cpu, i). The parentheses make V8
 *  compile the handler with its wrapper (every handler runs at once) instead of pre-parsing it now
 *  and parsing it again at the first call. */
export function compileHandler(body: string, name: string, helpers: Record<string, Helper>): Handler {
  const src = `return (function ${name}(cpu, i) {\n${PRELUDE}\n${body}\n});`;
  return new Function('rt', 'H', 'PAR', 'SCALE_SHIFT', src)(rt, helpers, PAR, SCALE_SHIFT) as Handler;
}

export class Interpreter {
  /** Handlers by mnemonic, then by formShape. (The mnemonic strings come from the opcode tables, so
   *  their hashes are computed once.) */
  private readonly forms = new Map<string, Map<string, Handler>>();
  formsCompiled = 0;

  constructor(private readonly helpers: Record<string, Helper>) {}

  /** The handler for an instruction (cached on the record and per form). */
  handlerOf(i: Insn): Handler {
    if (i.handler) return i.handler;
    let byShape = this.forms.get(i.mnem);
    if (byShape === undefined) { byShape = new Map(); this.forms.set(i.mnem, byShape); }
    const shape = formShape(i);
    let h = byShape.get(shape);
    if (h === undefined) {
      h = this.build(i);
      byShape.set(shape, h);
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
