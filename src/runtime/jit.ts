// The translator engine. A block is interpreted until it has run `threshold` times, then translated
// into a JavaScript function (translator/translate.ts) and run as such. Successors are linked on the
// Block objects the first time they are seen, so steady-state dispatch between hot blocks is two
// number comparisons and no Map lookup (DESIGN decision 6).

import { dumpBlock } from '../translator/dump.js';
import { translateBlock, type TranslateContext } from '../translator/translate.js';
import { type Block, type CodeCache } from './codecache.js';
import { type Cpu } from './cpu.js';
import { GuestExit, GuestFault } from './faults.js';
import { type Engine, type GuestOS, interpretBlock, lookup } from './exec.js';
import { type Helper } from './helpers.js';
import { type Interpreter } from './interp.js';
import { TLB_SETS } from './mmu.js';
import { rt } from './rt.js';

export interface JitStats {
  blocksTranslated: number;
  jsBytes: number;
  translateMs: number;
  blockRuns: number;
  chainHits: number;
  lookups: number;
}

export class JitEngine implements Engine {
  readonly stats: JitStats = { blocksTranslated: 0, jsBytes: 0, translateMs: 0, blockRuns: 0, chainHits: 0, lookups: 0 };
  private readonly ctx: TranslateContext;
  /** Directory for --dump-js, or null. */
  dumpDir: string | null = null;

  constructor(private readonly cpu: Cpu, private readonly os: GuestOS, private readonly cache: CodeCache,
    private readonly interp: Interpreter, helpers: Record<string, Helper>, private readonly threshold = 2) {
    this.ctx = {
      rt, H: helpers, cache,
      handlerOf: (i) => interp.handlerOf(i),
      tlbOffset: 0, tlbMask: TLB_SETS - 1,
    };
  }

  private translate(b: Block): void {
    const t0 = performance.now();
    this.ctx.tlbOffset = this.cpu.cpl === 3 ? 0 : TLB_SETS;
    const name = 'blk_' + (b.addr < 0 ? 'k' + (-b.addr).toString(16) : b.addr.toString(16));
    const t = translateBlock(b.insns, this.ctx, name);
    b.fn = t.fn as (cpu: Cpu) => number;
    b.cpl = this.cpu.cpl;
    if (this.dumpDir !== null) dumpBlock(this.dumpDir, name, b.insns, t.source, t.insnLines);
    this.stats.blocksTranslated++;
    this.stats.jsBytes += t.source.length;
    this.stats.translateMs += performance.now() - t0;
  }

  run(budget: number): void {
    const cpu = this.cpu, os = this.os, cache = this.cache, st = this.stats;
    let retired = 0;
    let prev: Block | null = null;
    while (!os.stopped && retired < budget) {
      const rip = cpu.rip;
      let b: Block | null = null;
      if (prev !== null) {
        if (prev.succAddr0 === rip) b = prev.succ0; else if (prev.succAddr1 === rip) b = prev.succ1;
        if (b !== null && !b.valid) b = null;
        if (b !== null) st.chainHits++;
      }
      if (b === null) {
        st.lookups++;
        b = lookup(cpu, os, cache);
        if (b === null) { prev = null; continue; }
        if (prev !== null && prev.valid) {
          if (prev.succ0 === null || !prev.succ0.valid) { prev.succAddr0 = rip; prev.succ0 = b; }
          else { prev.succAddr1 = rip; prev.succ1 = b; }
        }
      }
      st.blockRuns++;
      if (b.fn === null && ++b.runs >= this.threshold) this.translate(b);
      if (b.fn !== null && b.cpl === cpu.cpl) {
        cache.dirty = false;
        try {
          const n = b.fn(cpu);
          retired += n; cpu.instret += n;
        } catch (f) {
          if (f instanceof GuestFault) { os.handleFault(cpu, f); prev = null; continue; }
          if (f instanceof GuestExit) return;
          throw f;
        }
      } else {
        retired += interpretBlock(cpu, os, cache, this.interp, b);
      }
      prev = b;
    }
  }
}
