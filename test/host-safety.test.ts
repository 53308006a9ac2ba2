// Host safety: arbitrary guest bytes must never crash, hang or leak a host exception out of ringjit, under
// either engine. Random byte sequences (uniform noise, and noise made of plausible instruction encodings)
// run as user code from a writable, executable page with a stack page, a bounded number of instructions at a
// time, through the real execution loops (runtime/exec.ts, runtime/jit.ts). Every run must end in a guest
// fault delivered to the OS, or by using up its instruction budget; any other exception fails the test with
// the bytes that caused it.
//
// And: translated JavaScript contains no text derived from guest bytes except numeric literals. Every string
// literal in a translated block must be fixed text from ringjit's own source; every identifier must be a
// word of ringjit's source (or a generated local/temporary name), and no identifier may be the mnemonic of an
// instruction in the block unless it names a fixed runtime helper.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatInsn } from '../src/decoder/format.js';
import { CodeCache } from '../src/runtime/codecache.js';
import { Cpu } from '../src/runtime/cpu.js';
import { type GuestOS, InterpEngine } from '../src/runtime/exec.js';
import { GuestExit, GuestFault } from '../src/runtime/faults.js';
import { makeHelpers } from '../src/runtime/helpers.js';
import { Interpreter } from '../src/runtime/interp.js';
import { JitEngine } from '../src/runtime/jit.js';
import { Mmu } from '../src/runtime/mmu.js';
import { TLB_SETS } from '../src/runtime/mmu.js';
import { rt } from '../src/runtime/rt.js';
import { translateBlock, type TranslateContext } from '../src/translator/translate.js';
import { SIMD } from '../src/translator/wasm/encode.js';
import { mapPage } from './fuzz/engines.js';
import { allForms, encodeRecipe } from './fuzz/forms.js';
import { Rng } from './fuzz/layout.js';
import { REPO_ROOT } from './helpers/run.js';

/**
 * Known host-safety defects (understood, owned elsewhere, not fixed yet): a failure matching one of these is
 * reported on stdout instead of failing the test. Remove an entry when its fix lands (a stale entry is reported).
 */
const KNOWN_HOST_SAFETY: { id: string; match: RegExp; reason: string; owner: string }[] = [];
function knownHostSafety(msg: string): string | null {
  return KNOWN_HOST_SAFETY.find((k) => k.match.test(msg))?.id ?? null;
}
const knownSeen = new Map<string, number>();
function reportKnown(): void {
  for (const k of KNOWN_HOST_SAFETY) {
    const n = knownSeen.get(k.id) ?? 0;
    console.log(`host safety: known defect ${k.id} [${k.owner}]: ${n ? `${n} occurrences` : 'stale (not seen in this run)'}\n  ${k.reason}`);
  }
}

const SEED = Number(process.env.HOST_SAFETY_SEED ?? 7);
const CASES = Number(process.env.HOST_SAFETY_CASES ?? 600);
const BUDGET = 400;
const CODE = 0x400000, STACK = 0x7fff0000, DATA = 0x600000;

class StopOnFault implements GuestOS {
  stopped = false;
  fault: GuestFault | null = null;
  handleFault(_cpu: Cpu, f: GuestFault): void { this.fault = f; this.stopped = true; }
}

/** A user address space: code page (RWX, so self-modifying code happens too), data and stack pages. */
function machine(code: Uint8Array, rng: Rng): Cpu {
  const cpu = new Cpu();
  cpu.mmu.cr3 = cpu.mem.allocFrame();
  const pc = cpu.mem.allocFrame();
  mapPage(cpu, CODE, pc, true, false);
  mapPage(cpu, DATA, cpu.mem.allocFrame(), true, true);
  mapPage(cpu, STACK, cpu.mem.allocFrame(), true, true);
  cpu.mem.u8.set(code, pc);
  cpu.setCpl(3);
  for (let r = 0; r < 16; r++) {
    const pick = rng.int(4);
    const v = pick === 0 ? 0 : pick === 1 ? DATA + rng.int(4096) : pick === 2 ? rng.int(64) : rng.u32();
    cpu.setRegHalves(r, v | 0, pick === 3 ? rng.u32() | 0 : 0);
  }
  cpu.setRegHalves(4, STACK + 0x800, 0);
  cpu.setEflags(0x202 | (rng.u32() & 0x8d5));
  cpu.rip = CODE;
  return cpu;
}

/** 4 KiB of guest code: uniform noise, or (over noise) concatenated instances of random decoder forms, or of
 *  implemented forms only (these run longer before something faults). */
function codePage(rng: Rng): Uint8Array {
  const b = new Uint8Array(4096);
  for (let k = 0; k < b.length; k++) b[k] = rng.int(256);
  const mode = rng.int(3);
  if (mode > 0) {
    const { forms, notImplemented } = allForms();
    const all = mode === 1 ? [...forms, ...notImplemented] : forms;
    let o = 0;
    while (o < 256) {
      const f = rng.pick(all);
      const tail = new Uint8Array(16);
      for (let k = 0; k < 16; k++) tail[k] = rng.int(256);
      const { bytes } = encodeRecipe(rng.pick(f.recipes), rng, tail, { rex: rng.chance(0.3), rexRXB: rng.int(8) });
      const n = Math.min(bytes.length, 4096 - o, 2 + rng.int(14));
      b.set(bytes.subarray(0, n), o);
      o += n;
    }
  }
  return b;
}

function hex(b: Uint8Array): string { return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(''); }

interface RunEnd { fault: GuestFault | null; rip: number; regs: Int32Array; ms: number; escaped: string | null }

function run(engine: 'interp' | 'jit', code: Uint8Array, seed: number): RunEnd {
  const cpu = machine(code, new Rng(seed));
  const os = new StopOnFault();
  const cache = new CodeCache(cpu);
  const helpers = makeHelpers({ deterministic: true });
  const interp = new Interpreter(helpers);
  const t0 = performance.now();
  let escaped: string | null = null;
  try {
    if (engine === 'interp') new InterpEngine(cpu, os, cache, interp).run(BUDGET);
    else new JitEngine(cpu, os, cache, interp, helpers, 1).run(BUDGET);
  } catch (e) {
    if (!(e instanceof GuestExit)) {
      const what = e instanceof Error ? `${e.message}\n${(e.stack ?? '').split('\n').slice(1, 4).join('\n')}` : String(e);
      escaped = `${engine}: host exception escaped at rip 0x${cpu.rip.toString(16)}: ${what}\n  code ${hex(code.subarray(0, 64))}... (seed ${seed})`;
    }
  }
  return { fault: os.fault, rip: cpu.rip, regs: cpu.regs.slice(), ms: performance.now() - t0, escaped };
}

/** Translate the blocks that start at random offsets of random code pages; returns their sources. */
function translatedSources(n: number, rng: Rng): { sources: string[]; errors: string[] } {
  const sources: string[] = [], errors: string[] = [];
  const helpers = makeHelpers({ deterministic: true });
  const interp = new Interpreter(helpers);
  const ctx: TranslateContext = { rt, H: helpers, cache: { dirty: false }, handlerOf: (i) => interp.handlerOf(i), tlbOffset: 0, tlbMask: TLB_SETS - 1 };
  for (let k = 0; k < n; k++) {
    const code = codePage(rng);
    const cpu = machine(code, rng);
    const cache = new CodeCache(cpu);
    const addr = CODE + rng.int(256);
    try {
      const b = cache.get(addr);
      sources.push(translateBlock(b.insns, ctx, 'blk_' + addr.toString(16)).source);
    } catch (e) {
      if (e instanceof GuestFault) continue;
      errors.push(`${e instanceof Error ? e.message : String(e)} (code at 0x${addr.toString(16)}: ${hex(code.subarray(addr - CODE, addr - CODE + 48))})`);
    }
  }
  return { sources, errors };
}

describe('host safety: random guest code', () => {
  it(`${CASES} random code pages under the interpreter and the translator end in guest faults or the budget`, () => {
    const rng = new Rng(SEED);
    let faults = 0, budget = 0, agree = 0, compared = 0;
    const disagreements: string[] = [];
    const escapes = new Map<string, string>();
    for (let n = 0; n < CASES; n++) {
      const code = codePage(rng);
      const seed = rng.u32();
      const a = run('interp', code, seed);
      const b = run('jit', code, seed);
      for (const r of [a, b]) {
        expect(r.ms, `run took ${r.ms.toFixed(0)} ms for code ${hex(code.subarray(0, 32))}`).toBeLessThan(5000);
        if (r.escaped) {
          const known = knownHostSafety(r.escaped);
          if (known) { knownSeen.set(known, (knownSeen.get(known) ?? 0) + 1); continue; }
          const key = r.escaped.split('\n')[0].replace(/0x[0-9a-f]+/g, 'X').replace(/\d+/g, 'N');
          if (!escapes.has(key)) escapes.set(key, r.escaped);
        }
        else if (r.fault) faults++; else budget++;
      }
      if (a.escaped || b.escaped) continue;
      // Both stopped at a fault: the engines must agree on where and with what state.
      if (a.fault && b.fault) {
        compared++;
        const same = a.fault.vector === b.fault.vector && a.rip === b.rip && a.regs.every((v, k) => v === b.regs[k]);
        if (same) agree++;
        else if (disagreements.length < 5) {
          disagreements.push(`code ${hex(code.subarray(0, 48))} seed ${seed}: interp ${a.fault.describe()} at 0x${a.rip.toString(16)}, ` +
            `jit ${b.fault.describe()} at 0x${b.rip.toString(16)}`);
        }
      }
    }
    console.log(`host safety: ${CASES} code pages x 2 engines: ${faults} ended in a guest fault, ${budget} used the budget; ` +
      `engines agreed on ${agree}/${compared} faulting runs`);
    expect([...escapes.values()], 'host exceptions escaped from the engines').toEqual([]);
    expect(disagreements, 'interpreter and translator stopped differently').toEqual([]);
  }, 300_000);

  it('byte sequences that once escaped the engines (regression corpus)', () => {
    const corpus = [
      '400fa1c3', // rex pop fs: the pop semantics met a segment register operand (Emitter.write threw)
      '0fa00fa9c3', // push fs; pop gs
      '0f00c190c3', // sldt ecx: privileged helper inside a block (the translator threw)
      '480f01e790c3', // smsw rdi
      '0f0101c3', // sidt [rcx]
      '66f343a7c3', // rep cmpsw with REX
    ];
    const problems: string[] = [];
    for (const h of corpus) {
      const code = new Uint8Array(4096).fill(0xcc);
      code.set(Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16))));
      for (const e of ['interp', 'jit'] as const) {
        for (const seed of [1, 2, 3]) {
          const r = run(e, code, seed);
          if (!r.escaped) continue;
          const known = knownHostSafety(r.escaped);
          if (known) knownSeen.set(known, (knownSeen.get(known) ?? 0) + 1);
          else problems.push(r.escaped);
        }
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('translated JavaScript holds no text derived from guest bytes except numeric literals', () => {
    const { sources, errors } = translatedSources(CASES, new Rng(SEED + 1));
    expect(sources.length).toBeGreaterThan(CASES / 2);
    const words = sourceWords();
    // Names of fixed runtime objects' members (rt.*, H.*, Math.*): a mnemonic-looking identifier is fine there.
    const helperNames = new Set([...Object.keys(makeHelpers({ deterministic: true })), ...Object.keys(rt),
      ...Object.getOwnPropertyNames(Math)]);
    const allMnemonics = new Set([...allForms().forms, ...allForms().notImplemented].map((f) => f.mnem));
    const problems = new Set<string>();
    for (const src of sources) {
      for (const p of scanSource(src, words, helperNames, allMnemonics)) {
        const known = knownHostSafety(p);
        if (known) knownSeen.set(known, (knownSeen.get(known) ?? 0) + 1);
        else if (problems.size < 20) problems.add(p);
      }
    }
    for (const e of errors) {
      const known = knownHostSafety(e);
      if (known) knownSeen.set(known, (knownSeen.get(known) ?? 0) + 1);
      else if (problems.size < 20) problems.add(`translation threw: ${e}`);
    }
    console.log(`host safety: scanned ${sources.length} translated blocks`);
    reportKnown();
    expect([...problems], [...problems].join('\n')).toEqual([]);
  }, 300_000);
});

const KEYWORDS = new Set(('const let var if else return function try catch finally throw new typeof instanceof in of true false ' +
  'null undefined break continue for while do switch case default this void NaN Infinity').split(' '));

/** Every word of ringjit's runtime, translator and semantics sources (fixed text). */
function sourceWords(): { words: Set<string>; strings: Set<string> } {
  const words = new Set<string>(), strings = new Set<string>();
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/[A-Za-z_$][\w$]*/g)) words.add(m[0]);
        for (const m of text.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"/g)) strings.add(m[1] ?? m[2]);
      }
    }
  };
  for (const d of ['runtime', 'translator', 'semantics', 'decoder']) walk(join(REPO_ROOT, 'src', d));
  // Properties of the objects generated code reaches (cpu, its MMU, DataView, Math, typed arrays).
  const cpu = new Cpu();
  for (const o of [cpu, Object.getPrototypeOf(cpu), cpu.mmu, Mmu.prototype, DataView.prototype, Math, Int32Array.prototype]) {
    for (const k of Object.getOwnPropertyNames(o)) words.add(k);
  }
  return { words, strings };
}

/** Problems in one translated block's source. */
function scanSource(src: string, fixed: { words: Set<string>; strings: Set<string> }, helpers: Set<string>, mnemonics: Set<string>): string[] {
  const out: string[] = [];
  const lines = src.split('\n');
  const body: string[] = [];
  const blockMnemonics = new Set<string>();
  for (const line of lines) {
    const t = line.trim();
    const c = /^\/\/ insn \d+ at 0x[0-9a-f]+(?: (.*))?$/.exec(t);
    if (c) {
      // Instruction comments are numeric; if a translator ever prints disassembly there, it must be the
      // formatter's own text, which is checked below as identifiers anyway.
      if (c[1]) body.push(c[1]);
      continue;
    }
    if (/^\/\/# sourceURL=ringjit:\/\/block\/blk_k?[0-9a-f]+$/.test(t)) continue;
    // The 64-bit product and vector markers (alu.ts mulLow64, simd/integer.ts lanes32) name locals,
    // lanes, operand expressions and a wasm instruction (i8x16.eq ...): checked as code.
    const mul = /^\/\/ @(?:mul64lo|v128mask|v128shuffle) (.*)$/.exec(t);
    if (mul) { body.push(mul[1]); continue; }
    const vec = /^\/\/ @v128 (\S+) (\|.*)$/.exec(t);
    if (vec) {
      if (!(vec[1] in SIMD)) out.push(`vector marker with an unknown operation: ${vec[1]}`);
      body.push(vec[2]);
      continue;
    }
    // The 64-bit operation marker (Emitter.mark64): an operation of a fixed set, then locals and literals.
    const op64 = /^\/\/ @i64 (\w+) (.*)$/.exec(t);
    if (op64) {
      if (!['add', 'sub', 'and', 'or', 'xor', 'shl', 'shr', 'sar', 'rotl', 'rotr', 'ea'].includes(op64[1])) out.push(`64-bit marker with an unknown operation: ${op64[1]}`);
      body.push(op64[2]);
      continue;
    }
    if (t.startsWith('//')) { out.push(`unexpected comment: ${t}`); continue; }
    body.push(line);
  }
  let code = body.join('\n');
  // String literals: fixed text from ringjit's sources only.
  code = code.replace(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g, (_m, a, b, c) => {
    const s = a ?? b ?? c;
    if (c !== undefined) out.push(`template literal in generated code: \`${s}\``);
    else if (!fixed.strings.has(s)) out.push(`string literal not from ringjit's sources: '${s}'`);
    return ' 0 ';
  });
  // Numeric literals are allowed (including hex, exponents, BigInt suffixes).
  code = code.replace(/\b0[xX][0-9a-fA-F]+n?\b|\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?n?\b/g, ' 0 ');
  for (const m of code.matchAll(/[A-Za-z_$][\w$]*/g)) {
    const id = m[0];
    // Generated local names: temporaries t3_1, GPR halves r4l/r4h, xmm lanes x12, region names.
    if (KEYWORDS.has(id) || /^(t\d+(_\d+)?|r\d+[lh]|x\d+|blk_k?[0-9a-f]+)$/.test(id)) continue;
    if (!fixed.words.has(id)) { out.push(`identifier not from ringjit's sources: ${id}`); continue; }
    if (mnemonics.has(id) && !helpers.has(id)) blockMnemonics.add(id);
  }
  for (const m of blockMnemonics) out.push(`identifier equal to an instruction mnemonic (guest-derived?): ${m}`);
  // Any disallowed character sequence left (quotes, backslashes) would be a bug in the scan itself.
  if (/[\\'"`]/.test(code)) out.push('quote or backslash outside a string literal');
  void formatInsn;
  return out;
}
