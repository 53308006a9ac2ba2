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

/** The source text of a handler: a function of (cpu, i) over the free names rt, H, PAR, SCALE_SHIFT. */
function handlerSource(body: string, name: string): string {
  return `function ${name}(cpu, i) {\n${PRELUDE}\n${body}\n}`;
}

/** Compile `body` (generated from semantics) into a function of (cpu, i). The parentheses make V8
 *  compile the handler with its wrapper (every handler runs at once) instead of pre-parsing it now
 *  and parsing it again at the first call. */
export function compileHandler(body: string, name: string, helpers: Record<string, Helper>): Handler {
  const src = `return (${handlerSource(body, name)});`;
  return new Function('rt', 'H', 'PAR', 'SCALE_SHIFT', src)(rt, helpers, PAR, SCALE_SHIFT) as Handler;
}

// ---- the handler library: handlers persisted between runs -----------------------------------------
//
// Generating and compiling a handler costs ~80 us, one `new Function` per form: ~20 ms of a
// hello-world's 0.2 s, every run, for the same forms. bin/ringjit.js offers a store (on globalThis,
// so that this module still works without it: tests, library use) that keeps a script beside the
// bundle's V8 code cache, named after the build (so it always matches these semantics), together
// with the script's own code cache. The library script evaluates to a factory of (rt, H, PAR,
// SCALE_SHIFT) returning the handlers by mnemonic and formShape. Loading it from its code cache
// costs ~2 ms for a hello-world's 250 forms, ~5 ms for the ~1000 of the whole test corpus, so it
// holds at most LIBRARY_MAX_FORMS. A run that compiled new forms saves the library again at exit:
// the forms this run used first, then the rest of the previous library.

/** What bin/ringjit.js installs under PERSISTED_SCRIPTS. */
interface PersistedScripts {
  /** The value of the script saved under `name` by an earlier run of this build, if any. */
  load(name: string): unknown;
  /** Save the script `source()` returns (unless undefined) under `name` when the run ends. */
  save(name: string, source: () => string | undefined): void;
}
const PERSISTED_SCRIPTS = Symbol.for('ringjit.persistedScripts');
const LIBRARY_NAME = 'handlers';
const LIBRARY_MAX_FORMS = 1500;

type HandlersByForm = Record<string, Record<string, Handler>>;
type LibraryFactory = (rt: unknown, H: Record<string, Helper>, par: Uint8Array, scaleShift: unknown) => HandlersByForm;

function persistedScripts(): PersistedScripts | undefined {
  return (globalThis as Record<symbol, PersistedScripts | undefined>)[PERSISTED_SCRIPTS];
}

let libraryLoaded = false;
let libraryFactory: LibraryFactory | undefined;
/** Every generated handler this process used (compiled or from the library), by mnemonic, then
 *  formShape. A handler's source text is String(handler). */
const usedForms = new Map<string, Map<string, Handler>>();

function loadLibrary(): LibraryFactory | undefined {
  if (!libraryLoaded) {
    libraryLoaded = true;
    const f = persistedScripts()?.load(LIBRARY_NAME);
    libraryFactory = typeof f === 'function' ? f as LibraryFactory : undefined;
  }
  return libraryFactory;
}

function noteUsed(mnem: string, shape: string, h: Handler): void {
  let byShape = usedForms.get(mnem);
  if (byShape === undefined) { byShape = new Map(); usedForms.set(mnem, byShape); }
  byShape.set(shape, h);
}

/** Ask the store to save the library at exit (once per process, when a form was compiled). */
let saveRequested = false;
function requestLibrarySave(): void {
  if (saveRequested) return;
  saveRequested = true;
  persistedScripts()?.save(LIBRARY_NAME, librarySource);
}

/** The library script: the forms used by this run, then those of the previous library. */
function librarySource(): string {
  const entries = new Map<string, Map<string, string>>();
  let count = 0;
  const add = (mnem: string, shape: string, h: Handler): void => {
    if (count >= LIBRARY_MAX_FORMS) return;
    let byShape = entries.get(mnem);
    if (byShape === undefined) { byShape = new Map(); entries.set(mnem, byShape); }
    if (!byShape.has(shape)) { byShape.set(shape, String(h)); count++; }
  };
  for (const [mnem, byShape] of usedForms) for (const [shape, h] of byShape) add(mnem, shape, h);
  const previous = libraryFactory?.(rt, {}, PAR, SCALE_SHIFT) ?? {};
  for (const mnem of Object.keys(previous)) {
    for (const shape of Object.keys(previous[mnem])) add(mnem, shape, previous[mnem][shape]);
  }
  // Parenthesised functions are compiled with the script, so its code cache holds them all.
  let text = '(function (rt, H, PAR, SCALE_SHIFT) {\nreturn {\n';
  for (const [mnem, byShape] of entries) {
    text += `[${JSON.stringify(mnem)}]: {\n`;
    for (const [shape, source] of byShape) text += `[${JSON.stringify(shape)}]: (${source}),\n`;
    text += '},\n';
  }
  return text + '};\n})';
}

export class Interpreter {
  /** Handlers by mnemonic, then by formShape. (The mnemonic strings come from the opcode tables, so
   *  their hashes are computed once.) */
  private readonly forms = new Map<string, Map<string, Handler>>();
  /** The handler library's handlers, bound to this interpreter's helpers. */
  private readonly library: HandlersByForm | undefined;
  /** Forms whose handler this run generated (or failed to). */
  formsCompiled = 0;
  /** Forms whose handler came from the handler library. */
  formsFromLibrary = 0;

  constructor(private readonly helpers: Record<string, Helper>) {
    this.library = loadLibrary()?.(rt, helpers, PAR, SCALE_SHIFT);
  }

  /** The handler for an instruction (cached on the record and per form). */
  handlerOf(i: Insn): Handler {
    if (i.handler) return i.handler;
    let byShape = this.forms.get(i.mnem);
    if (byShape === undefined) { byShape = new Map(); this.forms.set(i.mnem, byShape); }
    const shape = formShape(i);
    let h = byShape.get(shape);
    if (h === undefined) {
      h = this.fromLibrary(i.mnem, shape);
      if (h === undefined) { h = this.build(i, shape); this.formsCompiled++; }
      byShape.set(shape, h);
    }
    i.handler = h;
    return h;
  }

  private fromLibrary(mnem: string, shape: string): Handler | undefined {
    const lib = this.library;
    const h = lib !== undefined && Object.hasOwn(lib, mnem) && Object.hasOwn(lib[mnem], shape) ? lib[mnem][shape] : undefined;
    if (h !== undefined) {
      this.formsFromLibrary++;
      noteUsed(mnem, shape, h);
    }
    return h;
  }

  private build(i: Insn, shape: string): Handler {
    if (i.mnem === '(bad)') return undecodable;
    const sem = semanticsOf(i);
    if (!sem) return unimplemented;
    const name = 'h_' + i.mnem.replace(/\W/g, '_');
    let h: Handler;
    try {
      const e = new Emitter(i, false);
      sem(e, i);
      h = compileHandler(e.code(), name, this.helpers);
    } catch (err) {
      // A semantics defect must not become a host crash: the guest gets #UD (SIGILL) with a message
      // naming the instruction and the defect.
      const why = (err as Error)?.message ?? String(err);
      return (_cpu, ins) => { throw new GuestFault(Vec.UD, 0, 0, `ringjit cannot execute '${describe(ins)}' (bytes ${bytesHex(ins)}): ${why}`); };
    }
    noteUsed(i.mnem, shape, h);
    requestLibrarySave();
    return h;
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
