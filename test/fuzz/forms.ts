// Instruction forms for the differential fuzzer, found by walking the decoder's opcode tables
// (src/decoder/tables.ts, tables-vex.ts). A "form" is one opcode slot (map, opcode byte, mandatory prefix,
// ModRM.reg/rm extension) with one operand shape: operand size, register or memory operand, immediate width,
// and the prefixes that change what it does (lock, rep/repne, a 67 address size for string/loop/xlat
// forms). Each form is checked with the decoder itself (a sample encoding must decode back to it) and
// classified: implemented (semanticsOf(i) !== null) and fuzzed, implemented but excluded (with the reason),
// or decoded but not implemented.

import { decode } from '../../src/decoder/decode.js';
import { mnemonicOf } from '../../src/decoder/format.js';
import { A, type Insn, K } from '../../src/decoder/insn.js';
import { Am, type Entry, type Form, type Sel, Sz } from '../../src/decoder/spec.js';
import { MAP_0F, MAP_0F38, MAP_0F3A, MAP_ONE, MAP_X87 } from '../../src/decoder/tables.js';
import { vexForm } from '../../src/decoder/tables-vex.js';
import { semanticsOf } from '../../src/semantics/index.js';
import { Rng } from './layout.js';

/** Where a leaf sits in its opcode slot's selector tree. */
export interface Path {
  pfx?: number; rep?: number; mod?: number; reg?: number; rm?: number; w?: number; os?: number; as?: number;
  rexb?: number; p66?: number; mode?: number; l?: number;
}

/** How to encode instances of a form (one of possibly several that decode to the same form key). */
export interface Recipe {
  map: number;
  op: number;
  path: Path;
  form: Form;
  /** Legacy prefixes that select the form (mandatory 66/F2/F3, operand size 66, F3/F2 rep, 67, F0). */
  prefixes: number[];
  /** REX.W required (true), forbidden (false). */
  rexW: boolean;
  /** REX.B required (90 xchg r8 vs nop). */
  rexB: boolean;
  /** ModRM: 'mem' (mod 0..2), 'reg' (mod 3), or none. */
  mod: 'mem' | 'reg' | null;
  a32: boolean;
}

export interface FormInfo {
  key: string;
  mnem: string;
  recipes: Recipe[];
  /** A decoded sample. */
  sample: Insn;
  implemented: boolean;
  /** Set when the form is implemented but the fuzzer does not run it: the reason. */
  excluded: string | null;
}

const MAPS: [number, (Entry | null)[]][] = [[0, MAP_ONE], [1, MAP_0F], [2, MAP_0F38], [3, MAP_0F3A]];

function* walk(e: Entry | null, path: Path): Generator<[Form, Path]> {
  if (e === null || e === undefined || typeof e === 'string') return;
  if ('mnem' in e) { yield [e as Form, path]; return; }
  const s = e as Sel;
  for (const key of Object.keys(s) as (keyof Sel)[]) {
    const arr = s[key] as (Entry | null)[];
    for (let k = 0; k < arr.length; k++) {
      if (key === 'mode' && k !== 0) continue; // 64-bit mode only
      if (key === 'as' && k === 0) continue; // no 16-bit addressing in 64-bit mode
      yield* walk(arr[k], { ...path, [key]: k });
    }
  }
}

const ESC: Record<number, number[]> = { 0: [], 1: [0x0f], 2: [0x0f, 0x38], 3: [0x0f, 0x3a] };
const MEM_METHODS = new Set<Am>([Am.E, Am.M, Am.W, Am.Q]);
const REG_ONLY = new Set<Am>([Am.R, Am.U, Am.N]);

/** Byte width of an encoded immediate / relative operand (0 if the operand has none). */
export function encodedWidth(o: { am: Am; sz: Sz }, opsize: number): number {
  if (o.am === Am.I) {
    switch (o.sz) {
      case Sz.B: case Sz.BS: return 1;
      case Sz.W: return 2;
      case Sz.D: return 4;
      case Sz.Z: return opsize === 2 ? 2 : 4;
      case Sz.V: return opsize;
      default: return 1;
    }
  }
  if (o.am === Am.J) return o.sz === Sz.B ? 1 : opsize === 2 ? 2 : 4;
  return 0;
}

function opText(i: Insn, n: number, form: Form): string {
  const k = n === 0 ? i.k0 : n === 1 ? i.k1 : n === 2 ? i.k2 : i.k3;
  const s = n === 0 ? i.s0 : n === 1 ? i.s1 : n === 2 ? i.s2 : i.s3;
  const spec = form.ops[n];
  switch (k) {
    case K.Reg: return `r${s * 8}`;
    case K.Mem: return `m${s * 8}`;
    case K.Imm: return spec && spec.am === Am.One ? '1' : `imm${encodedWidth(spec, i.opsize) * 8}`;
    case K.Imm2: return 'imm8';
    case K.Rel: return `rel${encodedWidth(spec, i.opsize) * 8}`;
    case K.Xmm: return s === 32 ? 'ymm' : s === 64 ? 'zmm' : 'xmm';
    case K.Mmx: return 'mm';
    case K.Sreg: return 'sreg';
    case K.Cr: return 'cr';
    case K.Dr: return 'dr';
    case K.St: return 'st';
    case K.Kmask: return 'k';
    case K.Far: return 'far';
    default: return '?';
  }
}

const hex2 = (b: number): string => b.toString(16).padStart(2, '0');

/** The form key of a decoded instruction made from a recipe. */
export function formKey(i: Insn, r: Recipe): string {
  const pre: string[] = [];
  if (r.path.pfx) pre.push(['', '66', 'f3', 'f2'][r.path.pfx]);
  const opc = [...ESC[r.map], r.op].map(hex2).join(' ');
  let ext = '';
  if (r.path.reg !== undefined && i.mnem !== 'nop') ext += `/${r.path.reg}`;
  if (r.path.rm !== undefined && i.mnem !== 'nop') ext += ` rm${r.path.rm}`;
  const ops: string[] = [];
  for (let n = 0; n < i.nops; n++) ops.push(opText(i, n, r.form));
  let tail = '';
  if (r.prefixes.includes(0xf0)) tail += ' lock';
  if (i.attrs & A.STRING) {
    if (r.prefixes.includes(0xf3)) tail += (i.mnem === 'cmps' || i.mnem === 'scas') ? ' repe' : ' rep';
    if (r.prefixes.includes(0xf2)) tail += ' repne';
  }
  if (r.a32) tail += ' a32';
  // Condition-code families are one form per condition (the opcode); predicate pseudo-ops (cmpltps ...) are
  // the same form for every immediate.
  const mn = i.mnem === 'jcc' || i.mnem === 'setcc' || i.mnem === 'cmovcc' ? mnemonicOf(i) : i.mnem;
  return `${pre.length ? pre.join(' ') + ' ' : ''}${opc}${ext} ${mn} ${ops.join(',')}${tail}`.replace(/\s+$/, '');
}

/** Encode one instance of a recipe: prefixes, REX, opcode, ModRM, then `tail` for SIB/disp/imm. */
export function encodeRecipe(r: Recipe, rng: Rng, tail: Uint8Array, opts: { rex?: boolean; rexRXB?: number; seg?: number; extra?: number[] } = {}): {
  bytes: Uint8Array; opEnd: number;
} {
  const out: number[] = [];
  if (opts.seg !== undefined) out.push(opts.seg);
  const pf = r.prefixes.slice();
  // Shuffle the legacy prefixes (order does not matter except F2/F3 for mandatory prefixes: keep those last).
  const mand = r.path.pfx ? [0, 0x66, 0xf3, 0xf2][r.path.pfx] : -1;
  const free = [...pf.filter((p) => p !== mand), ...(opts.extra ?? [])];
  for (let k = free.length - 1; k > 0; k--) { const j = rng.int(k + 1); [free[k], free[j]] = [free[j], free[k]]; }
  out.push(...free);
  if (mand >= 0) out.push(mand);
  const rxb = (opts.rexRXB ?? 0) & 7;
  const needRex = r.rexW || r.rexB || opts.rex || rxb !== 0;
  if (needRex) out.push(0x40 | (r.rexW ? 8 : 0) | (rxb & 6) | (r.rexB ? 1 : rxb & 1));
  out.push(...ESC[r.map], r.op);
  const opEnd = out.length;
  if (r.mod !== null) {
    const mod = r.mod === 'reg' ? 3 : rng.int(3);
    const reg = r.path.reg ?? rng.int(8);
    const rm = r.path.rm ?? rng.int(8);
    out.push((mod << 6) | (reg << 3) | rm);
  }
  const bytes = new Uint8Array(out.length + tail.length);
  bytes.set(out); bytes.set(tail, out.length);
  return { bytes, opEnd };
}

function variants(map: number, op: number, path: Path, form: Form): Recipe[] {
  const out: Recipe[] = [];
  const sizeDependent = form.ops.some((o) => [Sz.V, Sz.Z, Sz.Y, Sz.P, Sz.A, Sz.BS].includes(o.sz)) ||
    /^(push|pop|pushf|popf|ret|cbw|cwde|cdqe|cwd|cdq|cqo|iret|movs|cmps|stos|lods|scas)/.test(form.mnem) ||
    (form.flags & A.STRING) !== 0;
  type OS = { p66: boolean; w: boolean };
  let osList: OS[];
  if (path.os !== undefined) osList = [[{ p66: true, w: false }, { p66: false, w: false }, { p66: false, w: true }][path.os]];
  else if (path.w !== undefined) osList = [{ p66: false, w: path.w === 1 }];
  else if (!sizeDependent) osList = [{ p66: false, w: false }];
  else if (path.pfx !== undefined) osList = [{ p66: false, w: false }, { p66: false, w: true }];
  else osList = [{ p66: false, w: false }, { p66: true, w: false }, { p66: false, w: true }];
  if (path.p66 === 1) osList = osList.map((o) => ({ ...o, p66: true }));

  const hasModrm = form.hasModrm || path.mod !== undefined || path.reg !== undefined || path.rm !== undefined;
  let mods: ('mem' | 'reg' | null)[];
  if (!hasModrm) mods = [null];
  else if (path.mod !== undefined) mods = [path.mod === 1 ? 'reg' : 'mem'];
  else if (form.ops.some((o) => MEM_METHODS.has(o.am))) mods = form.ops.some((o) => o.am === Am.M) ? ['mem'] : ['mem', 'reg'];
  else if (form.ops.some((o) => REG_ONLY.has(o.am))) mods = ['reg'];
  else mods = ['mem', 'reg'];
  if (path.rm !== undefined && path.mod === undefined) mods = ['reg'];

  const str = (form.flags & A.STRING) !== 0;
  const repz = /^(cmps|scas)$/.test(form.mnem);
  let reps: number[][];
  if (path.rep !== undefined) reps = [[[], [0xf3], [0xf2]][path.rep]];
  else if (path.pfx !== undefined) reps = [[]];
  else if (str && !/^(ins|outs)$/.test(form.mnem)) reps = repz ? [[], [0xf3], [0xf2]] : [[], [0xf3]];
  else reps = [[]];
  const addr32Semantic = str || /^(xlat|loop|loope|loopne|jecxz|jrcxz)$/.test(form.mnem);

  for (const os of osList) {
    for (const mod of mods) {
      for (const rep of reps) {
        const locks = (form.flags & A.LOCKABLE) && mod === 'mem' ? [false, true] : [false];
        for (const lock of locks) {
          const a32s = path.as !== undefined ? [path.as === 1] : addr32Semantic ? [false, true] : [false];
          for (const a32 of a32s) {
            const prefixes: number[] = [];
            if (path.pfx) prefixes.push([0, 0x66, 0xf3, 0xf2][path.pfx]);
            if (os.p66 && !prefixes.includes(0x66)) prefixes.push(0x66);
            prefixes.push(...rep);
            if (lock) prefixes.push(0xf0);
            if (a32) prefixes.push(0x67);
            out.push({ map, op, path, form, prefixes, rexW: os.w, rexB: path.rexb === 1, mod, a32 });
          }
        }
      }
    }
  }
  return out;
}

/** Implemented forms the fuzzer does not run, and why (matched on the mnemonic, then on the form). */
export const EXCLUDED_MNEMONICS: Record<string, string> = {
  syscall: 'enters the host kernel (system call)',
  sysenter: 'enters the host kernel',
  int: 'software interrupt: host kernel entry (int 0x80 is a system call)',
  int3: 'breakpoint trap: ringjit delivers #BP as a trap, the runner sees SIGTRAP after the instruction',
  int1: 'debug trap (icebp)',
  into: 'invalid in 64-bit mode',
  cpuid: 'ringjit reports its own CPUID by design (honest CPUID)',
  rdtsc: 'time stamp counter: non-deterministic on the host',
  rdtscp: 'time stamp counter: non-deterministic on the host',
  rdpmc: 'performance counters: host configuration dependent',
  rdrand: 'random numbers', rdseed: 'random numbers', rdpid: 'host processor id',
  xgetbv: 'ringjit does not advertise OSXSAVE (#UD by design); the host returns XCR0',
  xsetbv: 'ringjit models CR4.OSXSAVE = 0 (#UD by design); the host has it set (#GP at CPL 3)',
  rdfsbase: 'Linux enables FSGSBASE: the host would run it (and wrfsbase would clobber the runner TLS); ringjit treats it as privileged',
  rdgsbase: 'see rdfsbase', wrfsbase: 'see rdfsbase', wrgsbase: 'see rdfsbase',
  iret: 'far return: leaves the harness', iretd: 'far return', iretq: 'far return',
  sysret: 'privileged far transfer', sysretq: 'privileged far transfer', sysexit: 'privileged far transfer',
  monitor: 'host: #UD at CPL 3 unless enabled; ringjit: #GP (privileged helper)',
  mwait: 'host: #UD at CPL 3 unless enabled; ringjit: #GP (privileged helper)',
  sgdt: 'Linux UMIP emulation returns dummy descriptor-table values to user space',
  sidt: 'Linux UMIP emulation', sldt: 'Linux UMIP emulation', str: 'Linux UMIP emulation', smsw: 'Linux UMIP emulation',
  fwait: 'x87: the runner does not carry x87 state', wait: 'x87',
  emms: 'MMX/x87 state is not carried by the runner',
  fxsave: 'x87/MMX state is not carried by the runner (and the image holds host x87 state)',
  fxsave64: 'see fxsave', fxrstor: 'see fxsave', fxrstor64: 'see fxsave',
};

/** Exclusion by the whole form (operand kinds, prefixes) after the mnemonic table. */
export function excludedReason(i: Insn, r: Recipe): string | null {
  const m = i.mnem;
  if (EXCLUDED_MNEMONICS[m]) return EXCLUDED_MNEMONICS[m];
  if (i.attrs & A.X87) return 'x87: the runner does not carry x87 state';
  for (let n = 0; n < i.nops; n++) {
    const k = n === 0 ? i.k0 : n === 1 ? i.k1 : n === 2 ? i.k2 : i.k3;
    if (k === K.Mmx) return 'MMX register operand: the runner does not carry MMX/x87 state';
    if (k === K.Sreg) return 'segment register: would change the runner\'s own segments (FS holds its TLS)';
    if (k === K.Xmm && (n === 0 ? i.s0 : n === 1 ? i.s1 : n === 2 ? i.s2 : i.s3) > 16) return 'YMM/ZMM state is not carried by the runner';
    if (k === K.Far) return 'far transfer';
  }
  if (i.attrs & A.FAR) return 'far transfer';
  if ((i.attrs & (A.JUMP | A.CALL | A.RET)) && r.prefixes.includes(0x66)) {
    return 'vendor-specific: a 66 prefix on a near branch truncates RIP to 16 bits on AMD, is ignored on Intel';
  }
  return null;
}

let cache: { forms: FormInfo[]; notImplemented: FormInfo[]; byKey: Map<string, FormInfo> } | null = null;

/** Every form of the legacy maps in 64-bit mode: fuzzed, excluded, and not implemented. */
export function allForms(): { forms: FormInfo[]; notImplemented: FormInfo[]; byKey: Map<string, FormInfo> } {
  if (cache) return cache;
  const byKey = new Map<string, FormInfo>();
  const rng = new Rng(12345);
  for (const [map, table] of MAPS) {
    for (let op = 0; op < 256; op++) {
      const e = table[op];
      if (!e) continue;
      for (const [form, path] of walk(e, {})) {
        if (form.mnem === '(bad)') continue;
        for (const r of variants(map, op, path, form)) {
          // Several tries: random ModRM fields and tails must land on the recipe's form.
          for (let t = 0; t < 8; t++) {
            const tail = new Uint8Array(16);
            for (let k = 0; k < 16; k++) tail[k] = rng.int(256);
            const { bytes } = encodeRecipe(r, rng, tail);
            const i = decode(bytes, 0, bytes.length, 0x10000000, 64);
            if (i.mnem !== form.mnem || i.mnem === '(bad)') continue;
            const key = formKey(i, r);
            let f = byKey.get(key);
            if (!f) {
              const implemented = semanticsOf(i) !== null;
              f = { key, mnem: i.mnem, recipes: [], sample: i, implemented, excluded: implemented ? excludedReason(i, r) : null };
              byKey.set(key, f);
            }
            if (!f.recipes.some((x) => x.prefixes.join() === r.prefixes.join() && x.rexW === r.rexW && x.mod === r.mod)) f.recipes.push(r);
            break;
          }
        }
      }
    }
  }
  const all = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  cache = { forms: all.filter((f) => f.implemented), notImplemented: all.filter((f) => !f.implemented), byKey };
  return cache;
}

/** Forms the decoder accepts outside the legacy integer/SSE maps, for the not-implemented listing:
 *  x87 (D8-DF) and VEX-encoded forms, one line per mnemonic. */
export function otherDecodedMnemonics(): { x87: string[]; vex: string[] } {
  const x87 = new Set<string>();
  for (const e of MAP_X87) for (const [f] of walk(e, {})) x87.add(f.mnem);
  const vex = new Set<string>();
  for (const map of [1, 2, 3]) {
    for (let op = 0; op < 256; op++) for (const [f] of walk(vexForm(map, op, false), {})) vex.add(f.mnem);
  }
  return { x87: [...x87].sort(), vex: [...vex].sort() };
}
