// The registry: mnemonic -> semantics. One definition per instruction, consumed by the interpreter
// (generic handlers) and the translator (baked blocks) through the Emitter.

import { type Insn, K } from '../decoder/insn.js';
import { ALU } from './alu.js';
import { CONTROL } from './control.js';
import { type Semantics } from './emit.js';
import { SIMD_TABLES } from './simd/index.js';
import { STRING } from './string.js';
import { SYSTEM } from './system.js';
import { X87 } from './x87/index.js';

/**
 * The families' tables, highest precedence first: a mnemonic two families define takes the later
 * family's entry (x87 over SSE over system, string, control, ALU). Looked up table by table: spreading
 * them into one object of ~1,500 properties cost ~1.5 ms at every start, before any instruction ran.
 */
const TABLES: Record<string, Semantics>[] = [X87, ...SIMD_TABLES, SYSTEM, STRING, CONTROL, ALU];

/** Each mnemonic's entry once looked up (null: none), so a lookup is one Map probe, not nine. */
const found = new Map<string, Semantics | null>();

/** The semantics registered for a mnemonic, or undefined. */
export function semanticsFor(mnem: string): Semantics | undefined {
  let s = found.get(mnem);
  if (s === undefined) {
    s = null;
    for (let k = 0; k < TABLES.length; k++) if (Object.hasOwn(TABLES[k], mnem)) { s = TABLES[k][mnem]; break; }
    found.set(mnem, s);
  }
  return s ?? undefined;
}

const privileged: Semantics = SYSTEM.hlt;

/** The semantics of a decoded instruction, or null when none is implemented (-> #UD). */
export function semanticsOf(i: Insn): Semantics | null {
  if (i.mnem === 'mov' && (i.k0 === K.Cr || i.k1 === K.Cr || i.k0 === K.Dr || i.k1 === K.Dr)) return privileged;
  // mov to/from segment registers is not implemented: null makes it #UD with a message naming it.
  if (i.mnem === 'mov' && (i.k0 === K.Sreg || i.k1 === K.Sreg)) return null;
  return semanticsFor(i.mnem) ?? null;
}

export { Emitter } from './emit.js';
export type { Semantics, V } from './emit.js';
