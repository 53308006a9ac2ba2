// Micro-benchmarks (tinybench) of the translator itself, bundled by bench/run.mjs into
// bench/build/micro.mjs:
//
//   (a) translation throughput: the first BLOCKS basic blocks of a real static binary's .text, found by
//       a linear sweep (decode until an instruction that ends a block, or the 64-instruction cap), then
//       - decode only          (bytes -> Insn records)
//       - translate only       (Insn records -> JS source -> Function via translateBlock)
//       - decode + translate   (what the JIT pays on a cache miss, minus the MMU fetch)
//       reported as blocks/s. `new Function` parses lazily: V8's full compile of a block happens on its
//       first call and is not in these figures (it is in the guest-level numbers of bench/run.mjs).
//   (b) dispatch cost: bench/guests/micro_chain.c runs a loop of CHAIN_BLOCKS (64) guest blocks of two
//       instructions, each ending in a direct jmp. Whole in-process runs at two sizes; the difference of
//       the mean times divided by the difference of the guest blocks executed is the steady-state cost
//       of one guest block (its body plus getting to the next one: a jump inside a translated region,
//       or a chained dispatch through the engine loop), in ns; start-up cancels out. The engine's own
//       dispatch count (jit stats.blockRuns: entries into generated code) is reported beside it.
//
// Usage (after bundling): node bench/build/micro.mjs [--quick] [--json FILE] [--binary ELF] [--chain ELF[,ELF]]
// (bench/run.mjs runs it as a child process with a time limit and reads the JSON.)

import { writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { decode } from '../src/decoder/decode.js';
import { endsBlock } from '../src/decoder/facts.js';
import { type Insn } from '../src/decoder/insn.js';
import { codeSectionsAndSymbols, readElfFile } from '../src/kernel/elf.js';
import { Kernel } from '../src/kernel/kernel.js';
import { CodeCache, MAX_BLOCK_INSNS } from '../src/runtime/codecache.js';
import { Cpu } from '../src/runtime/cpu.js';
import { CPUID1_EDX } from '../src/runtime/cpuid.js';
import { type Engine, InterpEngine } from '../src/runtime/exec.js';
import { makeHelpers } from '../src/runtime/helpers.js';
import { Interpreter } from '../src/runtime/interp.js';
import { JitEngine } from '../src/runtime/jit.js';
import { TLB_SETS } from '../src/runtime/mmu.js';
import { rt } from '../src/runtime/rt.js';
import { translateBlock, type TranslateContext } from '../src/translator/translate.js';

export interface MicroOptions {
  quick: boolean;
  /** Static binary whose .text is swept for blocks. */
  binary: string;
  /** The micro_chain guest builds to try, in order (the first that runs correctly is used). */
  chain: string[];
  blocks?: number;
  log?: (s: string) => void;
}

export interface TaskSummary { name: string; meanMs: number; rmePct: number; samples: number }

export interface MicroResult {
  translation: {
    binary: string;
    blocks: number;
    instructions: number;
    decodeBlocksPerSec: number;
    translateBlocksPerSec: number;
    decodeTranslateBlocksPerSec: number;
    /** Generated JavaScript per block (mean bytes). */
    jsBytesPerBlock: number;
  } | null;
  dispatch: {
    guest: string;
    /** Iteration counts: the small run, and the large run of each engine. */
    small: number; largeJit: number; largeInterp: number;
    blocksPerIter: number;
    /** Steady-state ns per guest block (body + getting to the next block). */
    jitNsPerBlock: number;
    interpNsPerBlock: number;
    /** Entries into generated code per loop iteration (fewer than blocksPerIter when regions span blocks). */
    jitDispatchesPerIter: number;
    jitNsPerDispatch: number | null;
    /** Dispatches that followed a chain link instead of a lookup, % (null if the engine does not say). */
    jitChainHitPct: number | null;
    jitInstructionsPerIter: number;
  } | null;
  tasks: TaskSummary[];
  errors: string[];
}

// ---------- (a) translation throughput ----------

interface RawBlock { addr: number; bytes: Uint8Array; off: number; end: number }

/** Linear sweep of the executable sections: block boundaries as the code cache would draw them. */
function sweepBlocks(path: string, max: number): { raw: RawBlock[]; decoded: Insn[][] } {
  const elf = readElfFile(path, 'inspect');
  const { sections } = codeSectionsAndSymbols(elf);
  const text = sections.find((s) => s.name === '.text') ?? sections[0];
  if (!text) throw new Error(`${path}: no executable section`);
  const raw: RawBlock[] = [];
  const decoded: Insn[][] = [];
  let off = 0;
  while (off < text.bytes.length && raw.length < max) {
    const start = off;
    const insns: Insn[] = [];
    for (;;) {
      const i = decode(text.bytes, off, text.bytes.length, text.addr + off, 64);
      insns.push(i);
      off += Math.max(1, i.len);
      if (endsBlock(i) || insns.length >= MAX_BLOCK_INSNS || off >= text.bytes.length) break;
    }
    raw.push({ addr: text.addr + start, bytes: text.bytes, off: start, end: off });
    decoded.push(insns);
  }
  return { raw, decoded };
}

function decodeBlock(b: RawBlock): Insn[] {
  const insns: Insn[] = [];
  let off = b.off;
  while (off < b.end) {
    const i = decode(b.bytes, off, b.end, b.addr + (off - b.off), 64);
    insns.push(i);
    off += Math.max(1, i.len);
  }
  return insns;
}

function makeContext(): TranslateContext {
  const helpers = makeHelpers({ deterministic: true });
  const interp = new Interpreter(helpers);
  return {
    rt, H: helpers, cache: { dirty: false },
    handlerOf: (i) => interp.handlerOf(i),
    tlbOffset: 0, tlbMask: TLB_SETS - 1,
  };
}

// ---------- (b) dispatch ----------

interface GuestRun { status: number; instret: number; blockRuns: number; chainHits: number | null; lookups: number | null }

/** Guest blocks per iteration of micro_chain's loop (CHAIN_BLOCKS there) and their sum of immediates. */
const CHAIN_BLOCKS = 64;
const CHAIN_SUM = (CHAIN_BLOCKS * (CHAIN_BLOCKS + 1)) / 2;

/** Run a guest program in this process (as `ringjit run` does), output discarded; at most
 * `maxInsns` guest instructions (a translator bug must not hang the benchmark). */
function runGuest(path: string, args: string[], engineName: 'jit' | 'interp', maxInsns: number): GuestRun {
  const cpu = new Cpu();
  const kernel = new Kernel(cpu, {
    root: '/', argv: [path, ...args], envp: [], strace: false, hwcap: CPUID1_EDX, hwcap2: 0,
    deterministic: true, randomSeed: 1, stdout: () => {}, stderr: () => {},
  });
  kernel.load(path);
  const helpers = makeHelpers({ deterministic: true });
  const cache = new CodeCache(cpu);
  const interp = new Interpreter(helpers);
  const jit = engineName === 'jit' ? new JitEngine(cpu, kernel, cache, interp, helpers) : null;
  const engine: Engine = jit ?? new InterpEngine(cpu, kernel, cache, interp);
  kernel.onCodeUnmap = (start, len) => cache.invalidateRange(start, len);
  while (!kernel.stopped && cpu.instret < maxInsns) engine.run(1 << 20);
  if (!kernel.stopped) throw new Error(`${path} ${args.join(' ')} (${engineName}): still running after ${cpu.instret} instructions`);
  if (kernel.killMessage) throw new Error(`${path}: ${kernel.killMessage}`);
  // Counters are read defensively: the engines' statistics change as the translator evolves.
  const js = (jit?.stats ?? {}) as Record<string, number | undefined>;
  const cs = cache as unknown as Record<string, number | undefined>;
  return {
    status: kernel.exitStatus, instret: cpu.instret, blockRuns: js.blockRuns ?? 0,
    chainHits: js.chainHits ?? cs.chainHits ?? null, lookups: js.lookups ?? cs.lookups ?? null,
  };
}

function summarize(bench: Bench): TaskSummary[] {
  return bench.tasks.map((t) => {
    const r = t.result as { state: string; latency?: { mean: number; rme: number; samplesCount: number }; error?: unknown };
    if (!r.latency) throw new Error(`micro task '${t.name}' ${r.state}: ${String(r.error ?? '')}`);
    return { name: t.name, meanMs: r.latency.mean, rmePct: r.latency.rme, samples: r.latency.samplesCount };
  });
}

export async function runMicro(o: MicroOptions): Promise<MicroResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const res: MicroResult = { translation: null, dispatch: null, tasks: [], errors: [] };
  const time = o.quick ? 300 : 1500;

  // (a)
  try {
    const nBlocks = o.blocks ?? 2000;
    const { raw, decoded } = sweepBlocks(o.binary, nBlocks);
    const ctx = makeContext();
    let jsBytes = 0;
    for (let k = 0; k < decoded.length; k++) jsBytes += translateBlock(decoded[k], ctx, `b${k}`).source.length; // warm the form caches
    const bench = new Bench({ time, iterations: 3, warmupIterations: 1 });
    let sink = 0;
    bench
      .add(`decode ${raw.length} blocks`, () => { for (const b of raw) sink += decodeBlock(b).length; })
      .add(`translate ${raw.length} blocks`, () => {
        for (let k = 0; k < decoded.length; k++) sink += translateBlock(decoded[k], ctx, `b${k}`).insnLines.length;
      })
      .add(`decode+translate ${raw.length} blocks`, () => {
        for (let k = 0; k < raw.length; k++) sink += translateBlock(decodeBlock(raw[k]), ctx, `b${k}`).insnLines.length;
      });
    await bench.run();
    if (sink === -1) log('');
    const t = summarize(bench);
    res.tasks.push(...t);
    const perSec = (ms: number) => raw.length / (ms / 1000);
    res.translation = {
      binary: o.binary, blocks: raw.length, instructions: decoded.reduce((s, b) => s + b.length, 0),
      decodeBlocksPerSec: perSec(t[0].meanMs), translateBlocksPerSec: perSec(t[1].meanMs),
      decodeTranslateBlocksPerSec: perSec(t[2].meanMs), jsBytesPerBlock: jsBytes / raw.length,
    };
  } catch (e) {
    res.errors.push(`translation throughput: ${(e as Error).message}`);
  }

  // (b)
  try {
    // The large runs take ~0.5-2 s; the jit's must be far longer than the interpreter's to stand out of
    // the start-up noise (a region-translated loop runs at a few ns per guest block).
    const small = o.quick ? 5000 : 10000;
    const large = o.quick ? 1_000_000 : 4_000_000, largeInterp = o.quick ? 50_000 : 200_000;
    const cap = (n: number) => (3 * CHAIN_BLOCKS) * n + 20_000_000;
    const expect = (n: number) => (CHAIN_SUM * n) & 0x7f;
    let chain = '', probeS: GuestRun | null = null, probeL: GuestRun | null = null;
    const why: string[] = [];
    for (const c of o.chain) {
      try {
        probeS = runGuest(c, [String(small)], 'jit', cap(small));
        probeL = runGuest(c, [String(large)], 'jit', cap(large));
        if (probeS.status !== expect(small) || probeL.status !== expect(large)) {
          throw new Error(`${c}: wrong result (exit ${probeS.status}/${probeL.status}, expected ${expect(small)}/${expect(large)})`);
        }
        const pi = runGuest(c, [String(largeInterp)], 'interp', cap(largeInterp));
        if (pi.status !== expect(largeInterp)) throw new Error(`${c}: wrong result under the interpreter`);
        chain = c;
        break;
      } catch (e) {
        why.push((e as Error).message);
      }
    }
    if (!chain || !probeS || !probeL) throw new Error(why.join('; '));
    const dBlocks = CHAIN_BLOCKS * (large - small), dBlocksInterp = CHAIN_BLOCKS * (largeInterp - small);
    const dDispatch = probeL.blockRuns - probeS.blockRuns;
    const dHits = probeL.chainHits !== null && probeS.chainHits !== null ? probeL.chainHits - probeS.chainHits : null;
    const dLookups = probeL.lookups !== null && probeS.lookups !== null ? probeL.lookups - probeS.lookups : null;
    const bench = new Bench({ time, iterations: 3, warmupIterations: 1 });
    bench
      .add(`jit chain ${small}`, () => { runGuest(chain, [String(small)], 'jit', cap(small)); })
      .add(`jit chain ${large}`, () => { runGuest(chain, [String(large)], 'jit', cap(large)); })
      .add(`interp chain ${small}`, () => { runGuest(chain, [String(small)], 'interp', cap(small)); })
      .add(`interp chain ${largeInterp}`, () => { runGuest(chain, [String(largeInterp)], 'interp', cap(largeInterp)); });
    await bench.run();
    const t = summarize(bench);
    res.tasks.push(...t);
    const ns = (a: TaskSummary, b: TaskSummary, blocks: number) => ((b.meanMs - a.meanMs) * 1e6) / blocks;
    res.dispatch = {
      guest: chain, small, largeJit: large, largeInterp, blocksPerIter: CHAIN_BLOCKS,
      jitNsPerBlock: ns(t[0], t[1], dBlocks), interpNsPerBlock: ns(t[2], t[3], dBlocksInterp),
      jitDispatchesPerIter: dDispatch / (large - small),
      jitNsPerDispatch: dDispatch > 0 ? ((t[1].meanMs - t[0].meanMs) * 1e6) / dDispatch : null,
      jitChainHitPct: dHits !== null && dLookups !== null && dHits + dLookups > 0 ? (100 * dHits) / (dHits + dLookups) : null,
      jitInstructionsPerIter: (probeL.instret - probeS.instret) / (large - small),
    };
  } catch (e) {
    res.errors.push(`dispatch: ${(e as Error).message}`);
  }
  return res;
}

export function formatMicro(r: MicroResult): string {
  const out: string[] = [];
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
  if (r.translation) {
    const t = r.translation;
    out.push(`translation: first ${t.blocks} blocks (${t.instructions} instructions) of ${t.binary}`);
    out.push(`  decode            ${f(t.decodeBlocksPerSec).padStart(9)} blocks/s`);
    out.push(`  translate         ${f(t.translateBlocksPerSec).padStart(9)} blocks/s   (${t.jsBytesPerBlock.toFixed(0)} bytes of JS per block)`);
    out.push(`  decode+translate  ${f(t.decodeTranslateBlocksPerSec).padStart(9)} blocks/s`);
  }
  if (r.dispatch) {
    const d = r.dispatch;
    out.push(`dispatch: a loop of ${d.blocksPerIter} two-instruction guest blocks ending in jmp, ${d.small} vs ${d.largeJit} (jit) / ${d.largeInterp} (interp) iterations (${d.guest})`);
    out.push(`  jit     ${f(d.jitNsPerBlock).padStart(7)} ns per guest block;  ${d.jitDispatchesPerIter.toFixed(1)} engine dispatches per iteration` +
      (d.jitNsPerDispatch !== null ? ` (${f(d.jitNsPerDispatch)} ns each incl. the blocks they run)` : '') +
      (d.jitChainHitPct !== null ? `, ${d.jitChainHitPct.toFixed(1)}% via chain links` : ''));
    out.push(`  interp  ${f(d.interpNsPerBlock).padStart(7)} ns per guest block`);
  }
  for (const t of r.tasks) out.push(`  [tinybench] ${t.name.padEnd(32)} ${t.meanMs.toFixed(3).padStart(10)} ms  ±${t.rmePct.toFixed(1)}%  (${t.samples} samples)`);
  for (const e of r.errors) out.push(`  MICRO FAILED: ${e}`);
  return out.join('\n');
}

const isMain = process.argv[1] && /micro\.(m?js|ts)$/.test(process.argv[1]);
if (isMain) {
  const argv = process.argv.slice(2);
  const opt = (name: string) => { const k = argv.indexOf(name); return k >= 0 ? argv[k + 1] : undefined; };
  const r = await runMicro({
    quick: argv.includes('--quick'),
    binary: opt('--binary') ?? 'bench/build/hash64.glibc',
    chain: opt('--chain')?.split(',') ?? ['bench/build/micro_chain.glibc', 'bench/build/micro_chain.musl'],
  });
  console.log(formatMicro(r));
  const json = opt('--json');
  if (json) writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  if (r.errors.length) process.exitCode = 1;
}
