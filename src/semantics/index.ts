// The registry: mnemonic -> semantics. One definition per instruction, consumed by the interpreter
// (generic handlers) and the translator (baked blocks) through the Emitter.

import { type Insn, K } from '../decoder/insn.js';
import { ALU } from './alu.js';
import { CONTROL } from './control.js';
import { type Semantics } from './emit.js';
import { SIMD } from './simd/index.js';
import { STRING } from './string.js';
import { SYSTEM } from './system.js';
import { X87 } from './x87/index.js';

export const SEMANTICS: Record<string, Semantics> = { ...ALU, ...CONTROL, ...STRING, ...SYSTEM, ...SIMD, ...X87 };

const privileged: Semantics = SYSTEM.hlt;

/** The semantics of a decoded instruction, or null when none is implemented (-> #UD). */
export function semanticsOf(i: Insn): Semantics | null {
  if (i.mnem === 'mov' && (i.k0 === K.Cr || i.k1 === K.Cr || i.k0 === K.Dr || i.k1 === K.Dr)) return privileged;
  // mov to/from segment registers is not implemented: null makes it #UD with a message naming it.
  if (i.mnem === 'mov' && (i.k0 === K.Sreg || i.k1 === K.Sreg)) return null;
  return SEMANTICS[i.mnem] ?? null;
}

export { Emitter } from './emit.js';
export type { Semantics, V } from './emit.js';
