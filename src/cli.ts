// The `ringjit` command: run a static x86-64 Linux program, or disassemble one.
//
//   ringjit run [--engine interp|jit] [--root DIR] [--strace] [--stats] [--deterministic] PROGRAM [ARGS...]
//   ringjit disasm PROGRAM
//   ringjit boot [--engine interp|jit] [--stats] [--deterministic] IMAGE   (bare metal: runtime/boot.ts)
//
// Every failure is one line on stderr naming what and where; no JS stack trace reaches the user
// (set RINGJIT_DEBUG=1 to see one for an internal error).

import { writeSync } from 'node:fs';
import { disassemble } from './decoder/format.js';
import { codeSectionsAndSymbols, LoadError, readElfFile } from './kernel/elf.js';
import { Kernel } from './kernel/kernel.js';
import { CodeCache } from './runtime/codecache.js';
import { Cpu } from './runtime/cpu.js';
import { CPUID1_EDX } from './runtime/cpuid.js';
import { type Engine, InterpEngine } from './runtime/exec.js';
import { hexAddr } from './runtime/faults.js';
import { makeHelpers } from './runtime/helpers.js';
import { Interpreter } from './runtime/interp.js';
import { PhysicalMemory } from './runtime/memory.js';
import { JIT_THRESHOLD, JIT_WARMUP, JitEngine, MAX_REGION_BLOCKS, MAX_REGION_INSNS } from './runtime/jit.js';
import { BOOT_USAGE, bootMain } from './runtime/boot.js';
import { formatEntryStats } from './kernel/entry_stats.js';

const USAGE = `usage: ringjit run [--engine interp|jit] [--root DIR] [--strace] [--stats] [--deterministic] [--dump-js DIR]
                  [--jit-threshold N] [--jit-warmup N] [--region-blocks N] [--region-insns N] [--no-wasm] [--kpti on|off] [--pcid on|off] [--trace-entry] [--entry-time] PROGRAM [ARGS...]
       ringjit disasm PROGRAM
       ${BOOT_USAGE}`;

interface RunOptions {
  engine: 'interp' | 'jit';
  root: string;
  strace: boolean;
  stats: boolean;
  deterministic: boolean;
  dumpJs: string | null;
  jitThreshold: number;
  jitWarmup: number;
  regionBlocks: number;
  regionInsns: number;
  /** Kernel entry model (kernel/entry.ts): KPTI page-table pair, PCIDs, per-step trace. */
  kpti: boolean;
  pcid: boolean;
  traceEntry: boolean;
  /** --entry-time: time the entry path (implies --stats). Four clock reads per system call: not part of
   * --stats, whose counters cost nothing measurable. */
  entryTime: boolean;
  /** The translator compiles the regions its wasm back end accepts to WebAssembly (--no-wasm: never). */
  wasm: boolean;
  program: string;
  args: string[];
}

function err(msg: string): void { process.stderr.write(`ringjit: ${msg}\n`); }

function parseRun(argv: string[]): RunOptions | string {
  const o: RunOptions = { engine: 'jit', root: '/', strace: false, stats: false, deterministic: false, dumpJs: null, jitThreshold: JIT_THRESHOLD, jitWarmup: JIT_WARMUP, regionBlocks: MAX_REGION_BLOCKS, regionInsns: MAX_REGION_INSNS, kpti: true, pcid: true, traceEntry: false, entryTime: false, wasm: true, program: '', args: [] };
  let k = 0;
  for (; k < argv.length; k++) {
    const a = argv[k];
    if (!a.startsWith('--')) break;
    if (a === '--') { k++; break; }
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++k];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    try {
      switch (flag) {
        case '--engine': { const v = value(); if (v !== 'interp' && v !== 'jit') return `unknown engine '${v}' (interp or jit)`; o.engine = v; break; }
        case '--root': o.root = value(); break;
        case '--strace': o.strace = true; break;
        case '--stats': o.stats = true; break;
        case '--deterministic': o.deterministic = true; break;
        case '--dump-js': o.dumpJs = value(); break;
        case '--jit-threshold': case '--region-blocks': case '--region-insns': {
          const v = value(), n = Number(v);
          if (!Number.isInteger(n) || n < 1 || n > 1e9) return `${flag} needs a positive integer, got '${v}'`;
          if (flag === '--jit-threshold') o.jitThreshold = n; else if (flag === '--region-blocks') o.regionBlocks = n; else o.regionInsns = n;
          break;
        }
        case '--jit-warmup': {
          const v = value(), n = Number(v);
          if (!Number.isInteger(n) || n < 0 || n > 1e15) return `--jit-warmup needs a non-negative integer, got '${v}'`;
          o.jitWarmup = n;
          break;
        }
        case '--kpti': case '--pcid': {
          const v = value();
          if (v !== 'on' && v !== 'off') return `${flag} needs on or off, got '${v}'`;
          if (flag === '--kpti') o.kpti = v === 'on'; else o.pcid = v === 'on';
          break;
        }
        case '--trace-entry': o.traceEntry = true; break;
        case '--entry-time': o.entryTime = true; o.stats = true; break;
        case '--wasm': o.wasm = true; break;
        case '--no-wasm': o.wasm = false; break;
        default: return `unknown option ${flag}`;
      }
    } catch (e) { return (e as Error).message; }
  }
  if (k >= argv.length) return 'missing PROGRAM';
  o.program = argv[k];
  o.args = argv.slice(k + 1);
  return o;
}

function run(o: RunOptions): number {
  // The wasm back end: guest memory and CPU state in one WebAssembly.Memory (runtime/memory.ts). If
  // the process cannot reserve it (an address-space limit), the translator emits JavaScript only.
  const cpu = new Cpu(o.wasm && o.engine === 'jit' ? wasmMemory() ?? undefined : undefined);
  const kernel = new Kernel(cpu, {
    root: o.root,
    argv: [o.program, ...o.args],
    envp: Object.entries(process.env).map(([k, v]) => `${k}=${v}`),
    strace: o.strace,
    hwcap: CPUID1_EDX,
    hwcap2: 0,
    deterministic: o.deterministic,
    randomSeed: o.deterministic ? 1 : undefined,
    kpti: o.kpti, pcid: o.pcid, traceEntry: o.traceEntry, entryTiming: o.entryTime,
  });
  try {
    kernel.load(o.program);
  } catch (e) {
    if (e instanceof LoadError) { err(e.message); return e.message.includes('No such file') || e.message.includes('not found') ? 127 : 126; }
    throw e;
  }
  const helpers = makeHelpers({ deterministic: o.deterministic });
  const cache = new CodeCache(cpu);
  const interp = new Interpreter(helpers);
  const jit = o.engine === 'jit' ? new JitEngine(cpu, kernel, cache, interp, helpers, o.jitThreshold, o.regionBlocks, o.regionInsns, o.jitWarmup) : null;
  if (jit && cpu.mem.wasm !== null) jit.enableWasm();
  const engine: Engine = jit ?? new InterpEngine(cpu, kernel, cache, interp);
  if (jit && o.dumpJs !== null) jit.dumpDir = o.dumpJs;
  kernel.onCodeUnmap = (start, len) => cache.invalidateRange(start, len);
  const t0 = process.hrtime.bigint();
  try {
    while (!kernel.stopped) engine.run(1 << 24);
  } catch (e) {
    err(`internal error at guest rip ${hexAddr(cpu.rip)}: ${(e as Error)?.message ?? String(e)}` +
      (process.env.RINGJIT_DEBUG ? `\n${(e as Error)?.stack}` : ' (set RINGJIT_DEBUG=1 for a stack trace)'));
    return 70;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (kernel.killMessage) process.stderr.write(kernel.killMessage + '\n');
  if (o.stats) {
    const s = cpu.mmu.stats;
    const lines = [
      `engine                 ${o.engine}`,
      `guest instructions     ${cpu.instret}`,
      `wall time              ${seconds.toFixed(3)} s (${(cpu.instret / seconds / 1e6).toFixed(2)} MIPS)`,
      `blocks decoded         ${cache.blocksDecoded}`,
      `handler forms          ${interp.formsCompiled} compiled, ${interp.formsFromLibrary} from the saved library`,
      `code invalidations     ${cache.invalidations}`,
      `chain hits             ${cache.chainHits} (${(100 * cache.chainHits / Math.max(1, cache.chainHits + cache.lookups)).toFixed(1)}% of dispatches; ${cache.lookups} full lookups, jump-cache hit rate ${(100 * cache.jumpCacheHits / Math.max(1, cache.lookups)).toFixed(1)}%)`,
      `TLB misses             ${s.tlbMisses} (page walks ${s.pageWalks}, flushes ${s.tlbFlushes})`,
      `physical frames        ${cpu.mem.framesInUse} in use`,
    ];
    if (jit) {
      const j = jit.stats;
      lines.push(
        `blocks translated      ${j.blocksTranslated} (and ${j.entriesShared} hot blocks entered inside a wasm region that held them)`,
        `generated JS           ${j.jsBytes} bytes`,
        `translation time       ${j.translateMs.toFixed(1)} ms (emitting ${j.emitMs.toFixed(1)} ms${jit.wasmStats ? `, wasm compiler ${jit.wasmStats.frontMs.toFixed(1)} ms, V8 ${jit.wasmStats.v8Ms.toFixed(1)} ms` : ''})`,
        `region blocks          ${j.regionBlocks}`,
        `block dispatches       ${j.blockRuns}`,
        `interpreted            ${j.interpreted} instructions (blocks not yet translated)`,
        `code-write traps       ${j.codeWriteTraps} (stores from generated code to translated code, redone by the interpreter)`,
      );
      const w = jit.wasmStats;
      if (!w) lines.push(`wasm back end          off (${o.wasm ? 'the wasm memory could not be reserved' : '--no-wasm'}): JavaScript only`);
      if (w) {
        const why = [...w.refused].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([r, n]) => `${n}: ${r}`).join('; ');
        lines.push(`wasm regions           ${w.regions} of ${j.blocksTranslated}, ${w.bytes} bytes (${w.slowExits} slow exits, redone by the interpreter; ${w.helperExits} of them before an instruction that calls a helper)`,
          `wasm retired           ${w.retired} instructions (${(100 * w.retired / Math.max(1, cpu.instret)).toFixed(1)}%; the rest ran in JavaScript regions or the interpreter)`,
          `wasm dispatcher        ${w.dispatches} region runs (${(100 * w.dispatches / Math.max(1, j.blockRuns)).toFixed(1)}% of block dispatches never reached JavaScript)`,
          `wasm refused           ${why || 'none'}`);
      }
    }
    lines.push(`kernel entry           KPTI ${o.kpti ? 'on' : 'off'}, PCID ${o.pcid ? 'on' : 'off'}`, ...formatEntryStats(kernel.entry.stats, o.entryTime));
    process.stderr.write(lines.map((l) => `ringjit: ${l}`).join('\n') + '\n');
  }
  return kernel.exitStatus;
}

/** Buffered synchronous stdout for disasm: a reader that stops early (`| head`) ends the output
 * quietly, like other Unix tools, instead of an EPIPE error. */
class Out {
  private buf: string[] = [];
  private size = 0;
  closed = false;
  write(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 16) this.flush();
  }
  flush(): void {
    if (this.closed || this.buf.length === 0) return;
    const data = Buffer.from(this.buf.join(''));
    this.buf = []; this.size = 0;
    try {
      for (let off = 0; off < data.length;) off += writeSync(1, data, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') { this.closed = true; return; }
      throw e;
    }
  }
}

function disasmCommand(path: string): number {
  const out = new Out();
  try {
    const elf = readElfFile(path, 'inspect');
    const { sections, symbols } = codeSectionsAndSymbols(elf);
    const names = new Map<number, string>();
    for (const sym of symbols) if (sym.type === 2 /* STT_FUNC */ && sym.name) names.set(sym.value, sym.name);
    for (const sec of sections) {
      out.write(`\nDisassembly of section ${sec.name}:\n`);
      for (const line of disassemble(sec.bytes, sec.addr, 64)) {
        if (out.closed) return 0;
        const addr = parseInt(line.trim().split(':')[0], 16);
        const fn = names.get(addr);
        if (fn !== undefined) out.write(`\n${addr.toString(16).padStart(16, '0')} <${fn}>:\n`);
        out.write(line + '\n');
      }
    }
    out.flush();
  } catch (e) {
    if (e instanceof LoadError) { err(e.message); return 1; }
    throw e;
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    if (cmd === 'run') {
      const o = parseRun(rest);
      if (typeof o === 'string') { err(o); process.stderr.write(USAGE + '\n'); return 2; }
      return run(o);
    }
    if (cmd === 'boot') return bootMain(rest);
    if (cmd === 'disasm') {
      if (rest.length !== 1) { process.stderr.write(USAGE + '\n'); return 2; }
      return disasmCommand(rest[0]);
    }
    if (cmd === '--help' || cmd === '-h' || cmd === 'help') { process.stdout.write(USAGE + '\n'); return 0; }
    process.stderr.write(USAGE + '\n');
    return 2;
  } catch (e) {
    err(`internal error: ${(e as Error)?.message ?? String(e)}` +
      (process.env.RINGJIT_DEBUG ? `\n${(e as Error)?.stack}` : ' (set RINGJIT_DEBUG=1 for a stack trace)'));
    return 70;
  }
}

/** A wasm-backed guest memory, or null when WebAssembly.Memory cannot be reserved. */
function wasmMemory(): PhysicalMemory | null {
  try {
    return new PhysicalMemory(4 << 20, 0x80000000, 0x100000, true);
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}
