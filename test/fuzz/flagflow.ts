// Which status flags are undefined at each point of a generated instruction sequence, from the SDM table in
// src/semantics/undefined-flags.ts: U' = (U - defined writes) | undefined writes. A sequence whose
// instruction reads a flag that is undefined at that point is "tainted" (its outcome is not architecturally
// defined) and the generator does not use it.

import { type Insn, K } from '../../src/decoder/insn.js';
import { STATUS, definedWrites, testedFlags, undefinedFlags } from '../../src/semantics/undefined-flags.js';

const COUNTED = new Set(['shl', 'sal', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'shld', 'shrd']);

/** The masked count of a count-controlled instruction, given the RCX value before the sequence. */
export function maskedCount(i: Insn, rcxLow8: number): number {
  const last = i.nops - 1;
  const k = last === 1 ? i.k1 : i.k2;
  const r = last === 1 ? i.r1 : i.r2;
  let n: number;
  if (k === K.Imm) n = i.immLo & 0xff;
  else if (k === K.Reg && r === 1) n = rcxLow8;
  else n = 1;
  return n & (i.opsize === 8 ? 63 : 31);
}

export function isCounted(i: Insn): boolean { return COUNTED.has(i.mnem); }

/** Operand width in bits of the instruction's first operand. */
function width(i: Insn): number { return (i.s0 || i.opsize) * 8; }

export interface FlagFlow {
  /** Undefined status flags before each instruction (index k) and after the last (index n). */
  before: number[];
  /** The first instruction that reads an undefined flag, or -1. */
  tainted: number;
}

/** Undefined-flag dataflow over a sequence; the initial flags are all defined. REP cmps/scas may run zero
 *  iterations, so they are treated as writing nothing defined (conservative). */
export function flagFlow(insns: readonly Insn[], rcxLow8: number, repCount: (i: Insn) => boolean): FlagFlow {
  let u = 0;
  const before: number[] = [];
  let tainted = -1;
  for (let k = 0; k < insns.length; k++) {
    const i = insns[k];
    before.push(u);
    if (tainted < 0 && (testedFlags(i.mnem, i.cc) & u) !== 0) tainted = k;
    const count = isCounted(i) ? maskedCount(i, rcxLow8) : 1;
    const w = width(i);
    const def = repCount(i) ? 0 : definedWrites(i.mnem, count, w);
    u = ((u & ~def) | undefinedFlags(i.mnem, count, w)) & STATUS;
  }
  before.push(u);
  return { before, tainted };
}
