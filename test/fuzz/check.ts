// The check: each generated case runs on the host CPU (native runner), the interpreter and the translator.
// Every GPR, every defined status flag (undefined ones are masked with src/semantics/undefined-flags.ts),
// the other RFLAGS bits, MXCSR, XMM0-15, the scratch memory and the way the case ended (fall-through, branch
// taken, or the fault: vector, faulting RIP, CR2 and error code for #PF) must agree. The two engines must
// also agree with each other exactly (undefined flags included): they run the same semantics.

import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatInsn } from '../../src/decoder/format.js';
import { K, P } from '../../src/decoder/insn.js';
import { VECTOR_NAMES } from '../../src/runtime/faults.js';
import { semanticsFor } from '../../src/semantics/index.js';
import { type EngineName, Engines, decodeCase } from './engines.js';
import { flagFlow } from './flagflow.js';
import { type FormInfo, allForms, otherDecodedMnemonics } from './forms.js';
import { APPROX, type GenCase, makeCase, prefixPool } from './gen.js';
import { type KnownIssue, KNOWN, knownIssueOf } from './known.js';
import { CODE_BASE, Rng, SCRATCH_BASE } from './layout.js';
import { type CaseInput, initialXmm, type NativeRunStats, type Outcome, runNative } from './native.js';

const REG = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const RF = 0x10000;
const FLAG_NAMES: [number, string][] = [[0x1, 'CF'], [0x4, 'PF'], [0x10, 'AF'], [0x40, 'ZF'], [0x80, 'SF'], [0x100, 'TF'],
  [0x200, 'IF'], [0x400, 'DF'], [0x800, 'OF'], [0x4000, 'NT'], [0x40000, 'AC'], [0x200000, 'ID']];

const h64 = (lo: number, hi: number): string => '0x' + (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
const hx = (n: number | bigint): string => '0x' + n.toString(16);
export function flagText(f: number): string {
  return FLAG_NAMES.filter(([b]) => f & b).map(([, n]) => n).join(' ') || '-';
}
function hexBytes(b: Uint8Array): string { return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' '); }

/** Vectors: the runner reports #SS (12) where ringjit, like most of the SDM's 64-bit rules, says #GP. */
function sameVector(native: number, engine: number): boolean {
  return native === engine || (native === 12 && engine === 13);
}

/** Index of the instruction an outcome stopped at (a fault's instruction, or the number executed). */
function stopIndex(c: GenCase, o: Outcome): number {
  const insns = decodeCase(c);
  if (o.kind !== 'fault') return insns.length;
  const k = insns.findIndex((i) => BigInt(i.addr) === o.rip);
  return k < 0 ? insns.length : k;
}

/** Differences between two outcomes; `mask` = status flags not compared. */
export function diffOutcomes(c: GenCase, a: Outcome, b: Outcome, mask: number, exact: boolean): string[] {
  const d: string[] = [];
  if (a.note && a.kind === 'other') d.push(`${a.note}`);
  if (b.note && b.kind === 'other') d.push(`${b.note}`);
  if (a.kind !== b.kind) d.push(`exit: ${describeExit(a)} vs ${describeExit(b)}`);
  else if (a.kind === 'fault') {
    if (!(exact ? a.vector === b.vector : sameVector(a.vector, b.vector))) d.push(`vector: ${vname(a.vector)} vs ${vname(b.vector)}`);
    if (a.rip !== b.rip) d.push(`fault rip: ${hx(a.rip)} vs ${hx(b.rip)}`);
    if (a.vector === 14 && b.vector === 14) {
      if (a.cr2 !== b.cr2) d.push(`cr2: ${hx(a.cr2)} vs ${hx(b.cr2)}`);
      if ((a.err & 7) !== (b.err & 7)) d.push(`#PF error code (P/W/U): ${a.err & 7} vs ${b.err & 7}`);
    }
  }
  for (let r = 0; r < 16; r++) {
    if (a.gpr[2 * r] !== b.gpr[2 * r] || a.gpr[2 * r + 1] !== b.gpr[2 * r + 1]) {
      d.push(`${REG[r]}: ${h64(a.gpr[2 * r], a.gpr[2 * r + 1])} vs ${h64(b.gpr[2 * r], b.gpr[2 * r + 1])}`);
    }
  }
  const fm = ~(mask | RF);
  if (((a.rflags ^ b.rflags) & fm) !== 0) {
    d.push(`rflags: ${hx(a.rflags >>> 0)} [${flagText(a.rflags)}] vs ${hx(b.rflags >>> 0)} [${flagText(b.rflags)}]` +
      ` differ in ${flagText((a.rflags ^ b.rflags) & fm)}${mask ? ` (masked undefined: ${flagText(mask)})` : ''}`);
  }
  if (a.mxcsr !== b.mxcsr) d.push(`mxcsr: ${hx(a.mxcsr)} vs ${hx(b.mxcsr)}`);
  const approx = exact ? null : approxLanes(c);
  for (let x = 0; x < 16; x++) {
    let same = true;
    for (let k = 0; k < 4; k++) {
      if (a.xmm[4 * x + k] === b.xmm[4 * x + k]) continue;
      if (approx && approx.reg === x && (approx.lanes >> k) & 1 && closeF32(a.xmm[4 * x + k], b.xmm[4 * x + k])) continue;
      same = false;
    }
    if (!same) d.push(`xmm${x}: ${xmmText(a.xmm, x)} vs ${xmmText(b.xmm, x)}`);
  }
  const memSame = Buffer.from(a.mem.buffer, a.mem.byteOffset, a.mem.length).equals(b.mem);
  for (let k = 0; k < a.mem.length && !memSame;) {
    if (a.mem[k] === b.mem[k]) { k++; continue; }
    const s = k;
    while (k < a.mem.length && (a.mem[k] !== b.mem[k] || (k + 1 < a.mem.length && a.mem[k + 1] !== b.mem[k + 1])) && k - s < 32) k++;
    d.push(`mem[${hx(SCRATCH_BASE + s)}..+${k - s}]: ${hexBytes(a.mem.subarray(s, k))} vs ${hexBytes(b.mem.subarray(s, k))}`);
    if (d.length > 40) break;
  }
  return d;
}

/** The XMM lanes an approximation instruction (rcpps, rsqrtss ...) at the end of the case wrote. */
function approxLanes(c: GenCase): { reg: number; lanes: number } | null {
  const insns = decodeCase(c);
  const last = insns[insns.length - 1];
  if (!last || !APPROX.has(last.mnem)) return null;
  return { reg: last.r0, lanes: last.mnem.endsWith('ps') ? 0xf : 0x1 };
}
const F32 = new Float32Array(2), I32 = new Int32Array(F32.buffer);
/** Two approximations of the same value, each within 1.5 * 2^-12 relative error of it (SDM RCPPS/RSQRTPS). */
function closeF32(x: number, y: number): boolean {
  I32[0] = x; I32[1] = y;
  const a = F32[0], b = F32[1];
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0 || b === 0) return a === b;
  return Math.abs(a - b) <= 3 * 2 ** -12 * Math.max(Math.abs(a), Math.abs(b));
}
function xmmText(x: Int32Array, n: number): string {
  return [3, 2, 1, 0].map((k) => (x[4 * n + k] >>> 0).toString(16).padStart(8, '0')).join('_');
}
function vname(v: number): string { return VECTOR_NAMES[v] ?? `vector ${v}`; }
function describeExit(o: Outcome): string {
  if (o.kind === 'fault') return `${vname(o.vector)}${o.vector === 14 ? `(err ${o.err & 0x1f}, cr2 ${hx(o.cr2)})` : ''} at ${hx(o.rip)}`;
  if (o.kind === 'other') return `other (${o.note ?? ''})`;
  return o.kind;
}

export interface Mismatch {
  c: GenCase;
  /** Set when every difference is a known, listed divergence (known.ts). */
  known: KnownIssue | null;
  /** Which comparisons failed: 'interp' / 'jit' (against the host), 'interp-jit' (engines disagree). */
  engines: string[];
  diffs: Record<string, string[]>;
  report: string;
}

/** Compare one case's three outcomes; returns null when everything agrees. */
export function checkCase(c: GenCase, native: Outcome, outs: Record<EngineName, Outcome>): Mismatch | null {
  const diffs: Record<string, string[]> = {};
  const k = stopIndex(c, native);
  const mask = c.undef[Math.min(k, c.undef.length - 1)] ?? 0;
  for (const e of Object.keys(outs) as EngineName[]) {
    const d = native.kind === 'timeout' ? ['native run timed out'] : diffOutcomes(c, native, outs[e], mask, false);
    if (d.length) diffs[e] = d;
  }
  if (outs.interp && outs.jit) {
    const d = diffOutcomes(c, outs.interp, outs.jit, 0, true);
    if (d.length) diffs['interp-jit'] = d;
  }
  const engines = Object.keys(diffs);
  if (!engines.length) return null;
  let known: KnownIssue | null = null;
  if (!diffs['interp-jit']) {
    const insns = decodeCase(c);
    for (const e of engines) {
      const k = knownIssueOf(diffs[e], insns);
      if (!k) { known = null; break; }
      known ??= k;
    }
  }
  return { c, known, engines, diffs, report: '' };
}

/** A self-contained reproducer: bytes, disassembly, inputs, every outcome and the differences. */
export function formatReport(m: Mismatch, native: Outcome, outs: Record<string, Outcome>, seed: number, source?: string): string {
  const c = m.c;
  const L: string[] = [];
  L.push(`${m.known ? `KNOWN (${m.known.id})` : 'MISMATCH'} [${m.engines.join(', ')}] form "${c.form}" (seed ${seed}, case ${c.id})`);
  L.push(`  bytes:  ${hexBytes(c.code)}`);
  for (const i of decodeCase(c)) L.push(`  ${hx(i.addr)}: ${hexBytes(i.bytes).padEnd(36)} ${formatInsn(i)}`);
  L.push(`  input:  ${REG.map((r, k) => `${r}=${h64(c.gpr[2 * k], c.gpr[2 * k + 1])}`).join(' ')}`);
  L.push(`          rflags=${hx(c.rflags)} [${flagText(c.rflags)}] mxcsr=${hx(c.mxcsr)} scratchSeed=${c.scratchSeed} xmmSeed=${c.xmmSeed}` +
    (c.patches.length ? ` patches: ${c.patches.map((p) => `${hx(SCRATCH_BASE + p.off)}=[${hexBytes(p.bytes)}]`).join(' ')}` : ''));
  const xin = initialXmm(c);
  const used = new Set<number>();
  for (const i of decodeCase(c)) for (let n = 0; n < i.nops; n++) if ((n === 0 ? i.k0 : n === 1 ? i.k1 : n === 2 ? i.k2 : i.k3) === K.Xmm) used.add(n === 0 ? i.r0 : n === 1 ? i.r1 : n === 2 ? i.r2 : i.r3);
  if (used.size) L.push(`          ${[...used].sort((a, b) => a - b).map((x) => `xmm${x}=${xmmText(xin, x)}`).join(' ')}`);
  L.push(`  replay: node scripts/fuzz.mjs --case '${caseText(c)}'`);
  const all: [string, Outcome][] = [['native', native], ...Object.entries(outs)];
  for (const [name, o] of all) {
    L.push(`  ${name.padEnd(7)} ${describeExit(o)}; rflags=${hx(o.rflags >>> 0)} [${flagText(o.rflags)}]`);
  }
  for (const e of m.engines) {
    const [l, r] = e === 'interp-jit' ? ['interp', 'jit'] : ['native', e];
    L.push(`  ${l} vs ${r}:`);
    for (const d of m.diffs[e]) L.push(`    ${d}`);
  }
  if (source && m.engines.some((e) => e !== 'interp')) {
    L.push('  translated block:');
    for (const line of source.split('\n')) L.push('    | ' + line);
  }
  return L.join('\n');
}

// ---- campaigns --------------------------------------------------------------------------------

export interface FormStats { cases: number; inSequence: number; faults: number; mismatches: number; known: number }

export interface CampaignOptions {
  seed: number;
  /** Cases per fuzzed form (every form gets exactly this many as the primary instruction). */
  perForm?: number;
  /** Or: this many cases over uniformly random forms. */
  count?: number;
  /** Only forms whose key contains one of these strings. */
  only?: string[];
  engines?: EngineName[];
  /** Cases per native-runner invocation. */
  batch?: number;
  /** Reduce mismatching cases (replace instructions in front by NOPs while they still mismatch). */
  minimize?: boolean;
  /** Reproducers kept per form. */
  keepPerForm?: number;
  /** [k, n]: only the forms whose index in the sorted form list is k mod n. */
  shard?: [number, number];
  prefixRate?: number;
  log?: (s: string) => void;
}

/** A campaign's outcome (plain data: shards run in child processes send it back as JSON). */
export interface CampaignResult {
  seed: number;
  cases: number;
  /** Keys of the fuzzed forms. */
  forms: string[];
  stats: Record<string, FormStats>;
  /** The kept reproducers. */
  mismatches: { form: string; engines: string[]; report: string }[];
  /** All mismatching cases (not only the kept reproducers). */
  mismatchCount: number;
  /** Cases whose differences are all known divergences (known.ts), by issue id, with one example. */
  known: Record<string, { count: number; example: string | null }>;
  ungenerated: string[];
  native: NativeRunStats;
  ms: { generate: number; native: number; engines: number; total: number };
  /** Cases the wasm engine ran as wasm (the rest: regions it refuses, run as JavaScript), and its
   * slow exits (continued in the interpreter). */
  wasm: { compiled: number; slowExits: number; refused: Record<string, number> };
}

/** Combine the results of shards (disjoint form sets) of one campaign. */
export function mergeResults(rs: readonly CampaignResult[]): CampaignResult {
  const out: CampaignResult = {
    seed: rs[0]?.seed ?? 0, cases: 0, forms: [], stats: {}, mismatches: [], mismatchCount: 0, known: {}, ungenerated: [],
    native: { invocations: 0, crashes: 0, ms: 0 }, ms: { generate: 0, native: 0, engines: 0, total: 0 },
    wasm: { compiled: 0, slowExits: 0, refused: {} },
  };
  for (const r of rs) {
    out.cases += r.cases;
    out.forms.push(...r.forms);
    Object.assign(out.stats, r.stats);
    out.mismatches.push(...r.mismatches);
    out.mismatchCount += r.mismatchCount;
    for (const [id, k] of Object.entries(r.known)) {
      const e = out.known[id] ??= { count: 0, example: null };
      e.count += k.count;
      e.example ??= k.example;
    }
    out.ungenerated.push(...r.ungenerated);
    out.native.invocations += r.native.invocations; out.native.crashes += r.native.crashes; out.native.ms += r.native.ms;
    out.ms.generate += r.ms.generate; out.ms.native += r.ms.native; out.ms.engines += r.ms.engines;
    out.ms.total = Math.max(out.ms.total, r.ms.total);
    out.wasm.compiled += r.wasm.compiled; out.wasm.slowExits += r.wasm.slowExits;
    for (const [why, n] of Object.entries(r.wasm.refused)) out.wasm.refused[why] = (out.wasm.refused[why] ?? 0) + n;
  }
  out.forms.sort();
  return out;
}

function hashKey(seed: number, s: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193) >>> 0;
  return h;
}

export function fuzzedForms(only?: string[]): FormInfo[] {
  const { forms } = allForms();
  return forms.filter((f) => !f.excluded && (!only || only.length === 0 || only.some((s) => f.key.includes(s))));
}

export function runCampaign(o: CampaignOptions): CampaignResult {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const forms = fuzzedForms(o.only).filter((_f, k) => !o.shard || k % o.shard[1] === o.shard[0]);
  const pool = prefixPool(allForms().forms);
  const engines = o.engines ?? ['interp', 'jit', 'wasm'];
  const eng = new Engines();
  const stats = new Map<string, FormStats>();
  for (const f of forms) stats.set(f.key, { cases: 0, inSequence: 0, faults: 0, mismatches: 0, known: 0 });
  const all = new Map<string, FormStats>(stats);
  const ms = { generate: 0, native: 0, engines: 0, total: 0 };
  const nstats: NativeRunStats = { invocations: 0, crashes: 0, ms: 0 };
  const mismatches: { form: string; engines: string[]; report: string }[] = [];
  let mismatchCount = 0;
  const kept = new Map<string, number>();
  const known: Record<string, { count: number; example: string | null }> = {};
  const ungenerated = new Set<string>();

  // The plan: (form, per-form rng) pairs, so a form's cases do not depend on which other forms exist.
  type Job = { f: FormInfo; rng: Rng; n: number };
  const jobs: Job[] = [];
  if (o.perForm) for (const f of forms) jobs.push({ f, rng: new Rng(hashKey(o.seed, f.key)), n: o.perForm });
  if (o.count) {
    const r = new Rng(o.seed);
    const per = new Map<FormInfo, number>();
    for (let k = 0; k < o.count; k++) { const f = r.pick(forms); per.set(f, (per.get(f) ?? 0) + 1); }
    for (const [f, n] of per) jobs.push({ f, rng: new Rng(hashKey(o.seed + 1, f.key)), n });
  }
  const batch = o.batch ?? 4000;
  let id = 0;
  let pending: GenCase[] = [];
  let total = 0;

  const flush = (): void => {
    if (!pending.length) return;
    const cases = pending;
    pending = [];
    const tn = performance.now();
    const nat = runNative(cases, nstats);
    ms.native += performance.now() - tn;
    const te = performance.now();
    for (const c of cases) {
      const native = nat.get(c.id)!;
      const outs = {} as Record<EngineName, Outcome>;
      for (const e of engines) outs[e] = eng.run(e, c);
      const st = stats.get(c.form)!;
      if (native.kind === 'fault') st.faults++;
      const m = checkCase(c, native, outs);
      if (!m) continue;
      if (m.known) {
        st.known++;
        const k = known[m.known.id] ??= { count: 0, example: null };
        k.count++;
        k.example ??= formatReport(m, native, outs, o.seed);
        continue;
      }
      st.mismatches++;
      mismatchCount++;
      const n = kept.get(c.form) ?? 0;
      if (n >= (o.keepPerForm ?? 1)) continue;
      kept.set(c.form, n + 1);
      const fin = o.minimize === false ? { m, native, outs } : minimize(m, native, outs, eng, engines);
      fin.m.report = formatReport(fin.m, fin.native, fin.outs, o.seed, engines.includes('jit') ? (eng.run('jit', fin.m.c), eng.lastSource) : undefined);
      mismatches.push({ form: c.form, engines: fin.m.engines, report: fin.m.report });
      log(fin.m.report);
    }
    ms.engines += performance.now() - te;
    log(`  ... ${total} cases, ${mismatchCount} mismatching`);
  };

  for (const job of jobs) {
    for (let k = 0; k < job.n; k++) {
      const tg = performance.now();
      const c = makeCase(job.f, job.rng, id++, pool, { prefixRate: o.prefixRate });
      ms.generate += performance.now() - tg;
      if (!c) { ungenerated.add(job.f.key); continue; }
      const st = stats.get(job.f.key)!;
      st.cases++;
      for (const key of c.forms.slice(0, -1)) { const s2 = all.get(key); if (s2) s2.inSequence++; }
      pending.push(c);
      total++;
      if (pending.length >= batch) flush();
    }
  }
  flush();
  ms.total = performance.now() - t0;
  return {
    seed: o.seed, cases: total, forms: forms.map((f) => f.key), stats: Object.fromEntries(stats), mismatches, mismatchCount, known,
    ungenerated: [...ungenerated], native: nstats, ms,
    wasm: { compiled: eng.wasmCompiled, slowExits: eng.wasmSlowExits, refused: Object.fromEntries(eng.wasm.stats.refused) },
  };
}

/** Replace instructions in front of the primary by NOPs while the case still mismatches. */
function minimize(m: Mismatch, native: Outcome, outs: Record<EngineName, Outcome>, eng: Engines, engines: EngineName[]):
  { m: Mismatch; native: Outcome; outs: Record<EngineName, Outcome> } {
  let best = { m, native, outs };
  const insns = decodeCase(m.c);
  for (let k = 0; k < insns.length - 1; k++) {
    const i = insns[k];
    if (i.bytes.every((b) => b === 0x90)) continue;
    const code = best.m.c.code.slice();
    code.fill(0x90, i.addr - CODE_BASE, i.addr - CODE_BASE + i.len);
    const c: GenCase = { ...best.m.c, code, id: best.m.c.id };
    const dec = decodeCase(c);
    const rcx = c.gpr[2] & 0xff;
    const flow = flagFlow(dec, rcx, (x) => (x.mnem === 'cmps' || x.mnem === 'scas') && (x.prefixes & (P.REP | P.REPNE)) !== 0);
    if (flow.tainted >= 0) continue;
    c.undef = flow.before;
    const nat = runNative([c]).get(c.id)!;
    const o2 = {} as Record<EngineName, Outcome>;
    for (const e of engines) o2[e] = eng.run(e, c);
    const mm = checkCase(c, nat, o2);
    if (mm) best = { m: mm, native: nat, outs: o2 };
  }
  return best;
}

// ---- the coverage report ------------------------------------------------------------------------

export function coverageReport(r: CampaignResult): string {
  const { forms: implemented, notImplemented } = allForms();
  const L: string[] = [];
  const fuzzed = r.forms;
  const covered = fuzzed.filter((f) => (r.stats[f]?.cases ?? 0) > 0).length;
  L.push(`# ringjit differential fuzzing: coverage (seed ${r.seed}, ${r.cases} cases, ${r.mismatchCount} mismatching)`);
  L.push(`# generated by test/fuzz (host CPU vs interpreter vs translator); see src/semantics/undefined-flags.ts for the masked flags`);
  L.push('');
  L.push(`## Fuzzed forms: ${fuzzed.length} (${covered} with at least one case)`);
  L.push(`# ${'form'.padEnd(44)} ${'cases'.padStart(6)} ${'in-seq'.padStart(6)} ${'faults'.padStart(6)} ${'mism.'.padStart(6)} ${'known'.padStart(6)}`);
  for (const f of fuzzed) {
    const s = r.stats[f] ?? { cases: 0, inSequence: 0, faults: 0, mismatches: 0, known: 0 };
    L.push(`  ${f.padEnd(44)} ${String(s.cases).padStart(6)} ${String(s.inSequence).padStart(6)} ${String(s.faults).padStart(6)} ${String(s.mismatches).padStart(6)} ${String(s.known).padStart(6)}`);
  }
  L.push('');
  L.push(`## Known divergences (listed in test/fuzz/known.ts; not counted as mismatches)`);
  for (const k of KNOWN) {
    const e = r.known[k.id];
    L.push(`  ${k.id}: ${e ? e.count : 0} cases${e ? '' : ' (stale: matched nothing in this run)'} [${k.owner}]`);
    L.push(`    ${k.reason}`);
    if (e?.example) for (const line of e.example.split('\n')) L.push(`    ${line}`);
  }
  if (r.ungenerated.length) {
    L.push('');
    L.push(`## Forms the generator failed to instantiate at least once: ${r.ungenerated.length}`);
    for (const k of r.ungenerated) L.push(`  ${k}`);
  }
  const excluded = implemented.filter((f) => f.excluded);
  L.push('');
  L.push(`## Implemented but not fuzzed: ${excluded.length}`);
  for (const f of excluded) L.push(`  ${f.key.padEnd(44)} ${f.excluded}`);
  L.push('');
  L.push(`## Decoded but not implemented (semanticsOf(i) === null, 64-bit legacy maps): ${notImplemented.length}`);
  for (const f of notImplemented) L.push(`  ${f.key}`);
  const other = otherDecodedMnemonics();
  L.push('');
  L.push(`## x87 mnemonics the decoder accepts (not fuzzed: the runner carries no x87 state): ${other.x87.length}`);
  L.push(`  implemented: ${other.x87.filter((m) => semanticsFor(m) !== undefined).join(' ') || '-'}`);
  L.push(`  not implemented: ${other.x87.filter((m) => semanticsFor(m) === undefined).join(' ') || '-'}`);
  L.push('');
  L.push(`## VEX mnemonics the decoder accepts (not fuzzed; CPUID does not advertise AVX): ${other.vex.length}`);
  L.push(`  implemented: ${other.vex.filter((m) => semanticsFor(m) !== undefined).join(' ') || '-'}`);
  L.push(`  not implemented: ${other.vex.filter((m) => semanticsFor(m) === undefined).join(' ') || '-'}`);
  return L.join('\n') + '\n';
}


export function writeCoverage(r: CampaignResult, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, coverageReport(r));
}

export function summary(r: CampaignResult): string {
  const fuzzed = r.forms.length;
  const min = Math.min(...r.forms.map((f) => r.stats[f]?.cases ?? 0));
  const { forms, notImplemented } = allForms();
  const bad = Object.values(r.stats).filter((s) => s.mismatches > 0);
  const known = Object.entries(r.known).map(([id, k]) => `${id} ${k.count}`).join(', ');
  return [
    `fuzz: seed ${r.seed}: ${r.cases} cases over ${fuzzed} forms (min ${min} per form), ` +
      `${r.mismatchCount} mismatching cases in ${bad.length} forms`,
    `      known divergences (test/fuzz/known.ts): ${known || 'none'}`,
    `      wasm engine: ${r.wasm.compiled} cases compiled to wasm (${r.wasm.slowExits} slow exits), the rest refused and run as JavaScript` +
      ` (${Object.entries(r.wasm.refused).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([w, n]) => `${w} ${n}`).join('; ')})`,
    `      ${forms.length} implemented forms (${forms.filter((f) => f.excluded).length} excluded), ${notImplemented.length} decoded forms not implemented`,
    `      time: generate ${(r.ms.generate / 1000).toFixed(1)} s, native ${(r.ms.native / 1000).toFixed(1)} s ` +
      `(${r.native.invocations} runner runs, ${r.native.crashes} crashes), engines ${(r.ms.engines / 1000).toFixed(1)} s, total ${(r.ms.total / 1000).toFixed(1)} s`,
  ].join('\n');
}

// ---- single cases written by hand (or pasted from a report) --------------------------------------

/** The --case text of a case: code=HEX reg=VALUE ... (registers that are 0 are left out). */
export function caseText(c: CaseInput): string {
  const t: string[] = [`code=${Array.from(c.code, (b) => b.toString(16).padStart(2, '0')).join('')}`];
  for (let r = 0; r < 16; r++) if (c.gpr[2 * r] || c.gpr[2 * r + 1]) t.push(`${REG[r]}=${h64(c.gpr[2 * r], c.gpr[2 * r + 1])}`);
  t.push(`rflags=${hx(c.rflags >>> 0)}`, `mxcsr=${hx(c.mxcsr >>> 0)}`, `scratchSeed=${c.scratchSeed >>> 0}`);
  if (c.xmm) for (let x = 0; x < 16; x++) t.push(`xmm${x}=${xmmText(c.xmm, x)}`);
  else t.push(`xmmSeed=${c.xmmSeed >>> 0}`);
  for (const p of c.patches) t.push(`patch=${hx(SCRATCH_BASE + p.off)}:${Array.from(p.bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`);
  return t.join(' ');
}

/** Parse --case text: code=HEX, rax=..r15=, rflags=, mxcsr=, scratchSeed=, xmmSeed=, xmmN=hi_.._lo (32-bit
 *  lanes, most significant first), patch=ADDR:HEX. Unset registers are 0; unset XMM registers come from
 *  xmmSeed (default 0) unless some xmmN is given, then they are 0. */
export function parseCase(text: string, id = 0): GenCase {
  const gpr = new Int32Array(32);
  let code: Uint8Array = new Uint8Array(0), rflags = 0x202, mxcsr = 0x1f80, scratchSeed = 0, xmmSeed = 0;
  let xmm: Int32Array | undefined;
  const patches: { off: number; bytes: Uint8Array }[] = [];
  const bytesOf = (h: string): Uint8Array => Uint8Array.from((h.replace(/[^0-9a-fA-F]/g, '').match(/../g) ?? []).map((x) => parseInt(x, 16)));
  for (const tok of text.trim().split(/\s+/)) {
    const eq = tok.indexOf('=');
    if (eq < 0) throw new Error(`--case: expected key=value, got '${tok}'`);
    const k = tok.slice(0, eq), v = tok.slice(eq + 1);
    const r = REG.indexOf(k);
    if (r >= 0) { const b = BigInt.asUintN(64, BigInt(v)); gpr[2 * r] = Number(b & 0xffffffffn) | 0; gpr[2 * r + 1] = Number(b >> 32n) | 0; }
    else if (k === 'code') code = bytesOf(v);
    else if (k === 'rflags') rflags = Number(v) | 0x2;
    else if (k === 'mxcsr') mxcsr = Number(v);
    else if (k === 'scratchSeed') scratchSeed = Number(v);
    else if (k === 'xmmSeed') xmmSeed = Number(v);
    else if (/^xmm\d+$/.test(k)) {
      xmm ??= new Int32Array(64);
      const lanes = v.split('_').map((x) => parseInt(x, 16) | 0);
      const n = Number(k.slice(3));
      for (let j = 0; j < 4; j++) xmm[4 * n + j] = lanes[3 - j] ?? 0;
    } else if (k === 'patch') {
      const [a, h] = v.split(':');
      patches.push({ off: Number(a) - SCRATCH_BASE, bytes: bytesOf(h) });
    } else throw new Error(`--case: unknown key '${k}'`);
  }
  const c: GenCase = { id, code, gpr, rflags, mxcsr, scratchSeed, xmmSeed, patches, xmm, form: '(--case)', forms: [], undef: [] };
  const insns = decodeCase(c);
  c.undef = flagFlow(insns, gpr[2] & 0xff, (x) => (x.mnem === 'cmps' || x.mnem === 'scas') && (x.prefixes & (P.REP | P.REPNE)) !== 0).before;
  return c;
}

/** Run one case on the host and both engines and describe the outcome (for --case). */
export function replayCase(c: GenCase): { report: string; mismatch: boolean } {
  const eng = new Engines();
  const native = runNative([c]).get(c.id)!;
  const outs = { interp: eng.run('interp', c, true), jit: eng.run('jit', c, true), wasm: eng.run('wasm', c, true) };
  const m = checkCase(c, native, outs);
  if (m) return { report: formatReport(m, native, outs, 0, eng.lastSource), mismatch: !m.known };
  const L = [`AGREE: ${describeExit(native)}`];
  for (const i of decodeCase(c)) L.push(`  ${hx(i.addr)}: ${hexBytes(i.bytes).padEnd(36)} ${formatInsn(i)}`);
  L.push(`  out:    ${REG.map((r, k) => `${r}=${h64(native.gpr[2 * k], native.gpr[2 * k + 1])}`).join(' ')}`);
  L.push(`          rflags=${hx(native.rflags >>> 0)} [${flagText(native.rflags)}] mxcsr=${hx(native.mxcsr)}`);
  const xs = new Set<number>();
  for (const i of decodeCase(c)) for (let n = 0; n < i.nops; n++) if ((n === 0 ? i.k0 : n === 1 ? i.k1 : n === 2 ? i.k2 : i.k3) === K.Xmm) xs.add(n === 0 ? i.r0 : n === 1 ? i.r1 : n === 2 ? i.r2 : i.r3);
  if (xs.size) L.push(`          ${[...xs].map((x) => `xmm${x}=${xmmText(native.xmm, x)}`).join(' ')}`);
  return { report: L.join('\n'), mismatch: false };
}
