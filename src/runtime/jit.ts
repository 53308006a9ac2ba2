// The translator engine. A block is interpreted until it has run `threshold` times, then translated
// with the blocks it reaches into a region (translator/translate.ts): a WebAssembly function where the
// wasm back end accepts the region (wasm-backend.ts), else a JavaScript function. Successors are linked
// on the Block objects the first time they are seen, so steady-state dispatch between hot blocks is two
// number comparisons and no Map lookup (DESIGN decision 6).

import { nowMs } from '../translator/clock.js';
import { dumpBlock } from '../translator/dump.js';
import { assembleRegionJs, emitRegion, type TranslateContext } from '../translator/translate.js';
import { WasmBackend, type WasmStats } from './wasm-backend.js';
import { K, type Insn } from '../decoder/insn.js';
import { type Block, type CodeCache } from './codecache.js';
import { type Cpu } from './cpu.js';
import { CODE_WRITE_TRAP, GuestExit, GuestFault, WASM_SLOW_EXIT } from './faults.js';
import { type Engine, type GuestOS, interpretBlock, interpretInsns, next, runTrap, trapAt } from './exec.js';
import { type Helper } from './helpers.js';
import { type Interpreter } from './interp.js';
import { TLB_SETS } from './mmu.js';
import { rt } from './rt.js';
import { endsBlock } from '../decoder/facts.js';

/**
 * Runs of a block in the interpreter before it is translated. A region costs ~1.5 ms to translate to
 * wasm (our compiler, then V8's), the time the interpreter takes for ~50,000 instructions, which a
 * block run only a few times never pays back. Measured in session 5 (CPU time, median of 5 runs):
 * start-up (iteration count 1) 0.34 -> 0.24 s (hash64), 0.36 -> 0.25 s (intloop), 0.94 -> 0.77 s
 * (malloc_churn) going from 8 to 64; at full size 64 was within noise of 8, or better (intloop -9%,
 * dispatch -20%), and 256 was worse on malloc_churn (+17%). (With the JavaScript back end only, 8 had
 * beaten 2 and 20 in session 2: its translation is cheaper.)
 */
export const JIT_THRESHOLD = 64;

/**
 * Instructions a process runs before anything is translated (`ringjit run`'s default; the engine's
 * own default is 0, translation from the first instruction). Process start-up runs once: glibc's
 * initialisation (28,000 instructions for a static hello) has loops that pass the threshold and end
 * soon after (its tunables parser compares every environment variable with 37 names; getenv; malloc's
 * set-up), and translating them cost the first regions' compile while our compiler is still cold
 * (5-10 ms each) for work the interpreter finishes in less. A block that got hot meanwhile is
 * translated at its first run after the window. Measured (CPU time at iteration count 1, median of
 * 15 runs, interleaved): 14-56 ms less for every benchmark (intloop 0.225 -> 0.203 s, malloc_churn
 * 0.505 -> 0.476 s); hello.glibc 0.184 -> 0.156 s, the interpreter's own 0.165 s.
 */
export const JIT_WARMUP = 1 << 15;

/** Observed targets of the region's indirect jumps with more than one target that it does not hold. */
function targetsLeftOut(region: Block[]): number {
  let n = 0;
  for (const r of region) {
    if (r.targets === null || r.targets.length < 2) continue;
    for (const t of r.targets) if (!region.some((x) => x.addr === t)) n++;
  }
  return n;
}
/** Whether a block can continue at addr by a direct transfer (for Array.some). */
function jumpsTo(addr: number): (b: Block) => boolean {
  return (b) => JitEngine.successors(b).includes(addr);
}
/** Whether block b ends in a direct call to a. */
function isCallTo(b: Block, a: number): boolean {
  const last = b.insns[b.insns.length - 1];
  return last.mnem === 'call' && last.k0 === K.Rel && last.target === a;
}
/** A block that is one RIP-relative indirect jmp (a PLT entry: its targets are functions' entries; a
 * switch's jump through a table indexes it by a register). */
function isPltJump(b: Block): boolean {
  const last = b.insns[b.insns.length - 1];
  return b.insns.length === 1 && last.mnem === 'jmp' && last.k0 === K.Mem && last.ripRel;
}
/** Largest region, in blocks: bounds translation time and generated code size. */
export const MAX_REGION_BLOCKS = 16;
/**
 * Largest region, in guest instructions (a first block longer than this is translated alone). Regions
 * keep loops (and calls whose return site is in the region) inside one function, while V8's optimizing
 * compile time, which grows faster than linearly with function size and is paid again after every
 * deoptimization, bounds them. Measured before the fall-through layout (bench --quick sizes and 5x, CPU
 * time): 16 beat 12, 24, 32, 48 and unbounded (unbounded cost 25% more, 1.5x on malloc-heavy code).
 * Since a forward transfer falls through the switch, larger regions cost less: at full bench sizes 32
 * against 16 measured intloop -30%, calls -11%, the others within ±3% (geometric mean -5%); at --quick
 * sizes +1.6% (compile time: malloc_churn +7%, strings +6%, calls -11%). The full size is the target.
 * Session 6, with wasm regions entered at any block (fewer regions to compile): 48 against 32 measured
 * dispatch -7%, memstream -4%, strings -3%, malloc_churn -2%, the others within ±2% (best of 3,
 * interleaved); 64 took dispatch -19% and nbody -5% further but cost intloop +30% (TurboFan's code for
 * its loop got slower as the region grew: a loop phi for every local at the header).
 */
export const MAX_REGION_INSNS = 48;

/**
 * Regions a block is compiled into at most. Regions overlap: each copies the blocks it reaches, so a
 * block many paths lead to (malloc's common tails) was compiled into regions over and over:
 * malloc_churn's 85 regions held 575 blocks. A block already in MAX_BLOCK_COPIES regions is left out
 * of the next ones, which exit to it through the dispatcher. At 2: malloc_churn 407 region blocks,
 * translation -100 ms, 1.6 million more region runs (12.5 -> 14.1), 4.5% fewer instructions in all
 * (valgrind); strings -3.7%; the other benchmarks' region runs unchanged (within 5%). At 1 (no
 * copies): dispatch's interpreter loop went from 10.5 to 15 million region runs, intloop's from 1.1
 * to 1.7 million.
 */
export const MAX_BLOCK_COPIES = 2;

/**
 * Instructions (and at most as many blocks again as the region's own, less one) a region may add past its
 * budget for copies of callees' blocks: blocks reached through a call, or through a PLT entry's
 * indirect jump, and what they reach. libc's string functions are long, branchy bodies: cut at the
 * budget, their copies left the region mid-function on most calls, and their returns with it.
 * Measured (valgrind, all threads, full size): strings -12.9% (region runs -43%), hash64 +2.3% and
 * +3.2% in two pairs (its callee's blocks, hash loop included, are compiled into main's loop regions
 * too: ~13 ms more translation), malloc_churn
 * +1.9% (within the 2-3% the same run varies by); the other six benchmarks form the same regions.
 * A larger budget for every block instead (128 instructions, 32 blocks) took strings -9.8% but
 * intloop +33% and malloc_churn +16% (96 instructions: intloop +7.5%, nbody +10.5%).
 */
export const CALLEE_EXTRA_INSNS = 80;

export interface JitStats {
  blocksTranslated: number;
  /** Blocks included in translated regions (>= blocksTranslated). */
  regionBlocks: number;
  jsBytes: number;
  translateMs: number;
  /** Hot blocks entered inside a wasm region that already held them (no region compiled for them). */
  entriesShared: number;
  /** Of translateMs: the Emitter (shared semantics -> region text). */
  emitMs: number;
  blockRuns: number;
  /** Guest instructions the interpreter ran (blocks not yet translated). */
  interpreted: number;
  /** Stores from generated code to translated code (each redone by the interpreter). */
  codeWriteTraps: number;
}

export class JitEngine implements Engine {
  readonly stats: JitStats = { blocksTranslated: 0, regionBlocks: 0, jsBytes: 0, translateMs: 0, entriesShared: 0, emitMs: 0, blockRuns: 0, interpreted: 0, codeWriteTraps: 0 };
  private readonly ctx: TranslateContext;
  /** Directory for --dump-js, or null. */
  dumpDir: string | null = null;

  constructor(private readonly cpu: Cpu, private readonly os: GuestOS, private readonly cache: CodeCache,
    private readonly interp: Interpreter, helpers: Record<string, Helper>, private readonly threshold = JIT_THRESHOLD,
    /** Largest region in blocks (1 = block-at-a-time translation, for comparison). */
    private readonly regionBlocks = MAX_REGION_BLOCKS,
    /** Largest region in guest instructions. */
    private readonly regionInsns = MAX_REGION_INSNS,
    /** Guest instructions retired before the first translation (JIT_WARMUP). */
    private readonly warmup = 0) {
    this.ctx = {
      rt, H: helpers, cache,
      handlerOf: (i) => interp.handlerOf(i),
      tlbOffset: 0, tlbMask: TLB_SETS - 1,
    };
    cache.onDrop = (b) => this.dropped(b);
  }

  /** Regions compiled with each block, by address (MAX_BLOCK_COPIES), and the blocks of each live
   * region by its head. */
  private readonly copies = new Map<number, number>();
  private readonly regionMembers = new Map<Block, number[]>();

  /** A block was dropped (its code changed or was unmapped): forget the region it heads, if any. */
  private dropped(b: Block): void {
    const members = this.regionMembers.get(b);
    if (members !== undefined) {
      this.regionMembers.delete(b);
      for (const a of members) {
        const n = (this.copies.get(a) ?? 1) - 1;
        if (n > 0) this.copies.set(a, n); else this.copies.delete(a);
      }
    }
    if (this.wasm !== null) this.droppedWasm(this.wasm, b);
  }

  /** The wasm back end (null: JavaScript only: --no-wasm, or no wasm-backed memory). */
  private wasm: WasmBackend | null = null;

  /** Compile regions to WebAssembly where the wasm back end accepts them, JavaScript otherwise. Needs
   * a Cpu on wasm-backed memory (PhysicalMemory's `wasm` argument). */
  enableWasm(): void {
    const w = this.wasm = new WasmBackend(this.cpu);
    w.onHelper = (insn) => this.runHelper(insn, w);
  }

  /**
   * For the wasm dispatcher (WasmBackend.onHelper): interpret an instruction that calls a helper, at
   * cpu.rip, then the kernel traps it leads to (a syscall's entry path, up to the return to user
   * mode), as the engine loop would; the instructions retired.
   */
  private runHelper(insn: Insn[], w: WasmBackend): number {
    const cpu = this.cpu, os = this.os, cache = this.cache, mmu = cpu.mmu;
    // As between regions: stores to translated code invalidate it rather than trap (the helper and
    // the kernel are not generated code, and cannot be redone).
    mmu.trapCodeWrites = false;
    try {
      const n = interpretInsns(cpu, os, cache, this.interp, insn);
      this.stats.interpreted += n;
      for (let trap = trapAt(cpu); trap !== undefined && !os.stopped; trap = trapAt(cpu)) runTrap(cpu, os, trap);
      w.helperMayContinue = !os.stopped && !cache.dirty;
      return n;
    } finally {
      mmu.trapCodeWrites = true;
    }
  }

  /** A dropped block's wasm code: its link, or, for a region's head, the region. */
  private droppedWasm(w: WasmBackend, b: Block): void {
    if (b.wasmSlot < 0) return;
    const head = b.regionHead;
    if (head !== null) {
      // A block entered inside another block's region: only its link goes.
      w.unlink(b.wasmSlot, b.addr);
      if (head.entered !== null) head.entered = head.entered.filter((x) => x !== b);
      b.regionHead = null;
    } else {
      // A region's head: the blocks entered inside the region lose it too (translated again when
      // they next run), then the region goes.
      for (const x of b.entered ?? []) { w.unlink(b.wasmSlot, x.addr); x.fn = null; x.wasmSlot = -1; x.regionHead = null; }
      b.entered = null;
      w.release(b.wasmSlot, b.addr);
    }
    b.wasmSlot = -1;
  }
  /** Blocks held by a live wasm region, by address: the region's head, and the block's case in it. */
  private readonly homes = new Map<number, { head: Block; entry: number; members: Set<number> }>();

  /**
   * Enter a hot block inside a wasm region that already holds it, together with the successors it
   * runs, instead of compiling a region for it (true if so). A region's code at a block boundary
   * assumes nothing of the blocks before it (registers load at entry, flags come from the record), so
   * any of its cases is an entry point. Half of malloc_churn's regions were headed by such blocks.
   */
  private enterExisting(b: Block): boolean {
    const home = this.homes.get(b.addr);
    if (home === undefined) return false;
    const head = home.head;
    if (!head.valid || head.wasmSlot < 0 || head.cpl !== this.cpu.cpl) { this.homes.delete(b.addr); return false; }
    for (const a of JitEngine.successors(b)) if ((this.cache.peek(a)?.runs ?? 0) > 1 && !home.members.has(a)) return false;
    const w = this.wasm!, slot = head.wasmSlot, entry = home.entry;
    b.fn = (cpu: Cpu) => w.run(cpu, slot, entry);
    b.wasmSlot = slot; b.wasmEntry = entry; b.cpl = head.cpl; b.regionHead = head;
    (head.entered ??= []).push(b);
    this.stats.entriesShared++;
    return true;
  }
  get wasmStats(): WasmStats | null { return this.wasm?.stats ?? null; }

  /** Addresses a block can continue at through direct control transfers (its static successors). */
  static successors(b: Block): number[] {
    const last: Insn = b.insns[b.insns.length - 1];
    const next = last.addr + last.len;
    switch (last.mnem) {
      case 'jcc': case 'loop': case 'loope': case 'loopne': case 'jrcxz': case 'jecxz': return [last.target, next];
      case 'jmp': case 'call': return last.k0 === K.Rel ? [last.target] : b.targets ?? [];
      default: return endsBlock(last) ? [] : [next];
    }
  }

  /**
   * The blocks of a region headed by b: b and the blocks it reaches, breadth first, within budget
   * (maxInsns instructions, max blocks), and past it callees' blocks up to CALLEE_EXTRA_INSNS.
   */
  private regionFrom(b: Block, maxInsns: number, max: number): Block[] {
    const cache = this.cache;
    const region: Block[] = [b];
    // Whether each member was reached through a call (or a PLT jump): in a callee of b's function.
    const inCallee: boolean[] = [false];
    const seen = new Set<number>([b.addr]);
    let insns = b.insns.length, blocks = 1, extraInsns = 0, extraBlocks = 0;
    for (let q = 0; q < region.length; q++) {
      for (const a of JitEngine.successors(region[q])) {
        if (seen.has(a)) continue;
        seen.add(a);
        const s = cache.peek(a);
        // Only blocks that ran more than once: lukewarm code costs more to compile than it saves.
        if (s === undefined || s.runs <= 1) continue;
        const called = inCallee[q] || isCallTo(region[q], a) || isPltJump(region[q]);
        const n = s.insns.length;
        let extra = false;
        if (blocks >= max || insns + n > maxInsns) {
          // Past the budget: only a callee's block, within the callees' own allowance (none for
          // block-at-a-time translation, max = 1).
          if (!called || extraBlocks >= max - 1 || extraInsns + n > CALLEE_EXTRA_INSNS) continue;
          extra = true;
        }
        // A callee that already heads a wasm region of half a region's budget or more is left to it:
        // its copy would crowd out the caller's own blocks (malloc's, memcpy's), while a small callee
        // is worth its copy (a call and return that stay in the region need no dispatch).
        if (this.wasm !== null && s.wasmSlot >= 0 && s.valid && isCallTo(region[q], a) &&
          this.wasm.regionInsns(s.wasmSlot) >= this.regionInsns / 2) continue;
        // A block already compiled into MAX_BLOCK_COPIES regions is left to them.
        if ((this.copies.get(a) ?? 0) >= MAX_BLOCK_COPIES) continue;
        if (extra) { extraInsns += n; extraBlocks++; } else { insns += n; blocks++; }
        region.push(s);
        inCallee.push(called);
      }
    }
    return region;
  }

  /**
   * Translate a hot block together with the already-decoded blocks it reaches by direct branches
   * (breadth first, at most MAX_REGION_BLOCKS), so loops run inside one generated function.
   */
  private translate(b: Block): void {
    const t0 = nowMs();
    if (this.wasm !== null && this.enterExisting(b)) { this.stats.translateMs += nowMs() - t0; return; }
    const cache = this.cache;
    let region = this.regionFrom(b, this.regionInsns, this.regionBlocks);
    // A loop through the head longer than the budget would leave the region on every iteration: when
    // twice the instructions and half the blocks hold it, the region takes the whole loop (nbody's
    // advance(): -9%, strings -2%; no other benchmark has such a region). Without the block limit,
    // malloc_churn's 12-block loops in malloc_consolidate were taken three times over (+3%).
    if (!region.some(jumpsTo(b.addr))) {
      const wider = this.regionFrom(b, 2 * this.regionInsns, this.regionBlocks >> 1);
      if (wider.some(jumpsTo(b.addr))) region = wider;
    }
    // An indirect jump whose observed targets the region leaves out (a bytecode interpreter's switch
    // on the opcode: dispatch.c) leaves the region on most iterations: when twice the instructions
    // hold more of them, the region takes them. dispatch: 10.5 million region runs -> 20,000, 17%
    // fewer instructions (valgrind); no other benchmark has such a region.
    const left = targetsLeftOut(region);
    if (left > 0) {
      const wider = this.regionFrom(b, 2 * this.regionInsns, this.regionBlocks);
      if (targetsLeftOut(wider) < left) region = wider;
    }
    this.ctx.tlbOffset = this.cpu.cpl === 3 ? 0 : TLB_SETS;
    const name = 'blk_' + (b.addr < 0 ? 'k' + (-b.addr).toString(16) : b.addr.toString(16));
    // Indirect branches of the region continue inside it at their observed targets that it holds.
    const indirect = new Map<number, number[]>();
    for (const r of region) if (r.targets !== null && r.targets.length > 0) indirect.set(r.insns[r.insns.length - 1].addr, r.targets.slice());
    const tEmit = nowMs();
    const emitted = emitRegion(region.map((r) => r.insns), this.ctx, indirect);
    this.stats.emitMs += nowMs() - tEmit;
    const w = this.wasm, slot = w !== null ? w.compile(emitted) : -1;
    const fn = slot >= 0 ? (cpu: Cpu) => w!.run(cpu, slot, 0) : null;
    // The JavaScript function: the region's code unless wasm took it (and for --dump-js).
    const t = fn === null || this.dumpDir !== null ? assembleRegionJs(emitted, this.ctx, name) : null;
    b.fn = fn ?? (t!.fn as (cpu: Cpu) => number);
    b.wasmSlot = slot; b.wasmEntry = 0;
    cache.claimRegion(b, region);
    const addrs = region.map((r) => r.addr);
    this.regionMembers.set(b, addrs);
    for (const a of addrs) this.copies.set(a, (this.copies.get(a) ?? 0) + 1);
    if (slot >= 0) {
      const members = new Set(addrs);
      for (const r of region) {
        const h = this.homes.get(r.addr);
        if (r !== b && (h === undefined || !h.head.valid || h.head.wasmSlot < 0)) this.homes.set(r.addr, { head: b, entry: emitted.caseOf.get(r.addr)!, members });
      }
    }
    b.cpl = this.cpu.cpl;
    if (this.dumpDir !== null && t !== null) {
      dumpBlock(this.dumpDir, name, region.flatMap((r) => r.insns), t.source, t.insnLines, slot >= 0 ? w!.lastWasm : null);
    }
    this.stats.blocksTranslated++;
    this.stats.regionBlocks += region.length;
    if (fn === null && t !== null) this.stats.jsBytes += t.source.length;
    this.stats.translateMs += nowMs() - t0;
  }

  run(budget: number): void {
    const cpu = this.cpu, os = this.os, cache = this.cache, st = this.stats;
    const mmu = cpu.mmu, w = this.wasm;
    let retired = 0;
    let prev: Block | null = null;
    /** Set after generated code tried to store to translated code: the next block is interpreted. */
    let interpretNext = false;
    while (!os.stopped && retired < budget) {
      let b = next(cpu, os, cache, prev);
      if (b === null) { prev = null; continue; }
      st.blockRuns++;
      if (b.fn === null && ++b.runs >= this.threshold && cpu.instret >= this.warmup) this.translate(b);
      if (b.fn !== null && b.cpl === cpu.cpl && !interpretNext) {
        cache.dirty = false;
        mmu.trapCodeWrites = true;
        try {
          let n: number;
          if (b.wasmSlot >= 0) {
            // The wasm dispatcher runs this region and then, without returning here, every region it
            // finds linked for the next RIP (dispatch.ts): link this one for when it comes round again.
            w!.link(b.addr, b.cpl, b.wasmSlot, b.wasmEntry);
            n = w!.enter(cpu, b.wasmSlot, b.wasmEntry, budget - retired);
            // Helper instructions the dispatcher had run, and the regions before them (in cpu.instret).
            retired += w!.helperRetired;
            if (n < 0) {
              // A slow exit (returned, not thrown): the regions the dispatcher ran to their end before
              // the one that left are dispatches too. (The dispatcher itself runs the instructions
              // that call helpers that regions stop at: runHelper.)
              mmu.trapCodeWrites = false;
              w!.stats.slowExits++; st.blockRuns += w!.lastRegions; retired += w!.retiredBeforeSlowExit;
              interpretNext = true; prev = null; continue;
            }
            const more = w!.lastRegions - 1;
            if (more > 0) { st.blockRuns += more; b = null; }
          } else {
            n = b.fn(cpu);
          }
          mmu.trapCodeWrites = false;
          retired += n; cpu.instret += n;
        } catch (f) {
          mmu.trapCodeWrites = false;
          // A store to translated code: the state is as of the storing instruction (like a fault);
          // the interpreter runs it, and its store invalidates the page's blocks before the next one.
          if (f === CODE_WRITE_TRAP) { st.codeWriteTraps++; interpretNext = true; prev = null; continue; }
          if (f === WASM_SLOW_EXIT) {
            // The regions the dispatcher ran to their end before the one that left are dispatches too.
            w!.stats.slowExits++; st.blockRuns += w!.lastRegions; retired += w!.retiredBeforeSlowExit;
            interpretNext = true; prev = null; continue;
          }
          if (f instanceof GuestFault) { os.handleFault(cpu, f); prev = null; continue; }
          if (f instanceof GuestExit) return;
          throw f;
        }
      } else {
        interpretNext = false;
        const n = interpretBlock(cpu, os, cache, this.interp, b);
        retired += n; st.interpreted += n;
      }
      prev = b;
    }
  }
}
