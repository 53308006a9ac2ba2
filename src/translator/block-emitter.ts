// The baked Emitter: the same operations interface as the interpreter's, specialised for one
// instruction inside a block. Registers live in block locals (r3l/r3h), the lazy-flag record lives in
// locals (fop, fdl ...), loads and stores inline the TLB hit test, and conditions after a flag producer
// in the same block are direct comparisons from the shared flag definitions.

import { type Insn } from '../decoder/insn.js';
import { Emitter, type FlagRecord, type V } from '../semantics/emit.js';
import { condExpr } from '../semantics/flags.js';

/** How branches inside a region are linked: block start address -> case index. */
export interface RegionLinks {
  index: Map<number, number>;
  /** Case index of the block being emitted. */
  current: number;
  /** Region blocks that follow a call in the region: where its `ret`s most likely go. */
  returnSites: number[];
  /** Observed targets of indirect jmp/call instructions, by instruction address. */
  indirect: Map<number, number[]>;
  /** Instructions of the current block retired when this instruction's branch is taken. */
  blockLen: number;
}

/** Instructions a region may retire before it returns to the dispatcher (signals, scheduling). */
export const REGION_BUDGET = 1 << 16;

/**
 * Code that continues at `addr` after retiring `count` instructions of block `from`: inside the region
 * a jump to its case, else an exit. `last`: this is the block's final statement, so a transfer to the
 * next case can simply fall through into it (JS switch fall-through: no loop iteration, no switch).
 *
 * Only backward transfers (to a case at or before `from`) test the region budget: every cycle of the
 * region contains one, so the budget still bounds a run, and forward chains (jmp-connected blocks,
 * the not-taken side of a branch) cost nothing but the count.
 */
export function transfer(addr: number, index: Map<number, number>, count: number, from: number, last: boolean): string {
  const n = index.get(addr);
  if (n === undefined) return exitTo(String(addr), count);
  if (n > from) {
    // A helper's store may have invalidated the next block; inline stores to translated code never
    // land (Mmu.trapCodeWrites), so only regions that call helpers test CACHE.dirty.
    const dirty = `${DIRTY_FORWARD}if (CACHE.dirty) { ${exitTo(String(addr), 0)} }${DIRTY_FORWARD_END}`;
    return n === from + 1 && last ? `done += ${count}; ${dirty}` : `done += ${count}; ${dirty} pc = ${n}; continue region;`;
  }
  // Leave instead when the budget is spent or a helper's store invalidated translated code (the next
  // block may be stale): the dispatcher then looks the target up afresh.
  return `done += ${count}; if (done >= ${REGION_BUDGET}${DIRTY_TEST}) { ${exitTo(String(addr), 0)} } pc = ${n}; continue region;`;
}

/**
 * Leave the region at `addr` (a constant, or 'NaN' when the instruction already set cpu.rip) after
 * retiring `count` more instructions. Only constants are assigned to locals here; the shared code after
 * the loop stores cpu.rip and adds the count. Why: an exit path rarely runs before V8 optimizes the
 * region, and any property store or arithmetic on it would then have no type feedback — V8 compiles
 * such operations as deoptimization points, and the first exit through them would throw the whole
 * region back to the interpreter and make it recompile (measured: the dominant cost of branchy code).
 */
export function exitTo(addr: string, count: number): string {
  return `xr = ${addr}; xn = ${count}; break region;`;
}

/** State shared by the emitters of one block. */
export class BlockState {
  readonly lines: string[] = [];
  /** GPRs the block touches (loaded at entry). */
  readonly regsUsed = new Set<number>();
  /** GPRs the block assigns (written back at exits). */
  readonly regsWritten = new Set<number>();
  /** True once any flag record was stored in the locals (cpu's copy may be stale). */
  flagsDirty = false;
  /** True when an instruction left a status-flag merge pending (fpm/fpv locals; see setEflagsBits). */
  flagsDeferred = false;
  /** The record of the last unconditional flag producer in this block, if still current. */
  known: FlagRecord | null = null;
  /** Whether the current instruction called a helper, which may store to translated code (helpers
   * run with the code-write trap off): it then needs the CACHE.dirty check after it. */
  calledHelper = false;
  /** Whether any instruction of the region calls a helper (its loop back-edges then test CACHE.dirty). */
  callsHelpers = false;
  /** After resolve: the xmm lanes the region keeps in locals (`x12` is lane 12 of cpu.xmm), or null. */
  xmmLocals: { used: number[]; written: number[] } | null = null;

  constructor(
    /** TLB half for this block's privilege level (0 for CPL 3, TLB_SETS for CPL 0). */
    readonly tlbOffset: number,
    readonly tlbMask: number,
  ) {}

  // Write-back and reload points are emitted as placeholders and resolved once the whole region is
  // generated (resolve): in a region, generation order is not execution order — a loop back-edge can
  // reach an earlier block after later blocks assigned more registers or produced flags.

  /** Copy every register the region assigns, and the flag record if it produces one, back to cpu. */
  writeBack(): string { return WRITE_BACK; }
  /** Reload every register the region uses, and the flag record, from cpu (after a helper). */
  reload(): string { return RELOAD; }
  /** Make cpu's flag record current before generated code reads it. */
  flagSync(): string { return FLAG_SYNC_POINT; }

  /**
   * Replace the placeholders in generated text with the final register and flag sets. `helpersExit`:
   * the text's helper instructions leave the region (the wasm back end's slow exits), so no transfer
   * needs the CACHE.dirty test that follows a helper run in place.
   */
  resolve(text: string, helpersExit = false): string {
    const dirtyTests = this.callsHelpers && !helpersExit;
    const xmm = xmmLanes(text);
    this.xmmLocals = xmm;
    let entry = '';
    if (xmm) {
      text = text.replace(XMM_LANE_RE, (_, n) => `x${n}`);
      entry = `const X = cpu.xmm; let ${xmm.used.map((n) => `x${n} = X[${n}]`).join(', ')};`;
    }
    let wb = '';
    for (const r of this.regsWritten) wb += `R[${2 * r}] = r${r}l; R[${2 * r + 1}] = r${r}h; `;
    if (xmm) for (const n of xmm.written) wb += `X[${n}] = x${n}; `;
    const sync = (this.flagsDirty ? FLAG_SYNC : '') + (this.flagsDeferred ? FLAG_MERGE_PENDING : '');
    wb += sync;
    let rl = '';
    for (const r of this.regsUsed) rl += `r${r}l = R[${2 * r}]; r${r}h = R[${2 * r + 1}]; `;
    if (xmm) for (const n of xmm.used) rl += `x${n} = X[${n}]; `;
    rl += FLAG_CURRENT;
    return text.split(XMM_ENTRY).join(entry).split(WRITE_BACK).join(wb).split(RELOAD).join(rl).split(FLAG_SYNC_POINT).join(sync)
      .split(PENDING_DEAD).join(this.flagsDeferred ? 'fpm = 0;' : '')
      .split(DIRTY_TEST).join(dirtyTests ? ' || CACHE.dirty' : '')
      .replace(DIRTY_FORWARD_RE, dirtyTests ? '$1' : '');
  }

  // Code around a helper call: the helper sees the whole state in cpu and runs with the code-write
  // trap off (it may be kernel code, or change state that the region's catch could not undo before a
  // trap), so its stores to translated code invalidate blocks; the region reloads its locals after it.
  beforeHelper(): string {
    this.calledHelper = true;
    this.callsHelpers = true;
    return `${this.writeBack()} M.trapCodeWrites = false;`;
  }
  afterHelper(): string { return `M.trapCodeWrites = true; ${this.reload()}`; }
}

/** Where a region declares its xmm lane locals (see xmmLanes). */
export const XMM_ENTRY = '/*@xmm-entry@*/';

// XMM lanes in locals. The SSE semantics name 32-bit lane k of xmm x as `cpu.xmm[4x + k]` (common.ts
// L()); V8 reloads and bounds-checks a typed-array element at every mention, even right after storing
// it, so strlen's pminub/pcmpeqb/pmovmskb chain re-read each lane three times. When every access a
// region makes to the xmm file is such a constant lane, the region keeps those lanes in locals like
// the GPRs: loaded at entry, stored back (the lanes it assigns) at exits, on the fault path and before
// helpers (WRITE_BACK), reloaded after helpers (RELOAD). Anything else that can see the xmm file in
// cpu — the Float64/Float32/Uint8 views of the float fast paths, a lane by computed index, an rt
// primitive given register numbers — keeps the whole region on the array: only the rt functions below
// are known not to read or write xmm state.
const XMM_FREE_RT = new Set(['fault', 'gp', 'cond', 'eflags', 'rcx', 'shxd', 'shl64', 'shr64', 'sar64', 'ctz64', 'clz64', 'popcnt32', 'bswap32',
  'mulu64', 'muls64', 'imulOverflow64']);
const XMM_LANE_RE = /\bcpu\.xmm\[(\d+)\]/g;
const XMM_OTHER_RE = /\bcpu\.xmm(?!\[\d+\])/;
const XMM_WRITE_RE = /\bcpu\.xmm\[(\d+)\]\s*(?:[-+*/%&|^]|<<|>>>?)?=(?!=)/g;

/** The lanes a region reads or writes, and those it writes, when they can all live in locals. */
function xmmLanes(text: string): { used: number[]; written: number[] } | null {
  if (!text.includes('cpu.xmm') || XMM_OTHER_RE.test(text)) return null;
  for (const m of text.matchAll(/\brt\.(\w+)/g)) if (!XMM_FREE_RT.has(m[1])) return null;
  const used = new Set<number>(), written = new Set<number>();
  for (const m of text.matchAll(XMM_LANE_RE)) used.add(Number(m[1]));
  for (const m of text.matchAll(XMM_WRITE_RE)) written.add(Number(m[1]));
  const order = (a: number, b: number) => a - b;
  return { used: [...used].sort(order), written: [...written].sort(order) };
}

const WRITE_BACK = '/*@writeback@*/';
const RELOAD = '/*@reload@*/';
const FLAG_SYNC_POINT = '/*@flagsync@*/';
const DIRTY_TEST = '/*@dirty@*/';
const PENDING_DEAD = '/*@pending-dead@*/';
const DIRTY_FORWARD = '/*@dirty-forward@*/', DIRTY_FORWARD_END = '/*@end@*/';
const DIRTY_FORWARD_RE = /\/\*@dirty-forward@\*\/(.*?)\/\*@end@\*\//g;

// The flag record in locals. fop = -1 means "cpu's record is current": the locals hold nothing newer,
// so nothing is loaded at region entry or after a helper, and an exit stores the record only if an
// instruction of the region produced one since. Loading the seven slots at every entry and storing
// them at every exit cost ~10% of a short region's time (calls, dispatch), and most regions overwrite
// the flags before they read them.
/** Make cpu's flag record current (before generated code or a helper reads it, and at exits). */
export const FLAG_SYNC = 'if (fop >= 0) { cpu.ccOp = fop; CC[0] = fdl; CC[1] = fdh; CC[2] = fsl; CC[3] = fsh; CC[4] = fxl; CC[5] = fxh; fop = -1; }';
/** cpu's flag record is current (region entry; a helper or materialised flags wrote it). */
export const FLAG_CURRENT = 'fop = -1;';
/** Region entry: constants, so V8 sees int32 locals from the start. */
export const FLAG_ENTRY = 'let fop = -1, fdl = 0, fdh = 0, fsl = 0, fsh = 0, fxl = 0, fxh = 0;';
/**
 * A pending status-flag merge: the bits `fpm` of RFLAGS are `fpv`, over the flags of the record
 * before it. Applied after FLAG_SYNC wherever cpu's flags must be current (exits, the fault path,
 * helpers, reads), dropped when a later instruction overwrites all status flags.
 */
const FLAG_MERGE_PENDING = ' if (fpm !== 0) { cpu.eflags = (rt.eflags(cpu) & ~fpm) | (fpv & fpm); cpu.ccOp = 0; fpm = 0; }';

export class BlockEmitter extends Emitter {
  /** 'jump' after an unconditional transfer, 'cond' after a conditional one. */
  transferKind: 'jump' | 'cond' | null = null;

  constructor(i: Insn, private readonly st: BlockState, private readonly index: number, private readonly links: RegionLinks,
    /** The liveness pass found this instruction's status flags dead. */
    private readonly flagsDead = false,
    /** No later instruction of the block reads the flags before overwriting them all. */
    private readonly flagsDeferrable = false) {
    super(i, true);
    this.out = st.lines;
    this.tmpPrefix = `t${index}_`;
  }

  // ---- control flow: continue inside the region or leave it ----------------------------------

  override jumpTo(addr: string): void {
    this.branched = true;
    this.transferKind = 'jump';
    if (/^-?\d+$/.test(addr)) { this.line(transfer(Number(addr), this.links.index, this.links.blockLen, this.links.current, true)); return; }
    this.line(`cpu.rip = ${addr}; ${exitTo('NaN', this.links.blockLen)}`);
  }
  /**
   * An indirect transfer (ret, jmp/call through a register or memory) to a checked 64-bit value. A
   * return to the instruction after a call in this region (recursion, a loop calling a small
   * function), or an indirect jmp/call to a target seen before that the region holds (a switch's jump
   * table, a function-pointer table), continues inside the region instead of leaving it; the target's
   * halves are compared with each site's, before the exact-number address is formed for the exit.
   */
  override jumpChecked(v: V): void {
    const sites = this.i.mnem === 'ret' ? this.links.returnSites
      : (this.links.indirect.get(this.i.addr) ?? []).filter((a) => this.links.index.has(a));
    if (sites.length > 0) {
      this.branched = true;
      const { lo, hi } = this.val(8, v.lo, v.hi);
      for (const a of sites) {
        const al = (a % 4294967296) | 0, ah = Math.floor(a / 4294967296) | 0;
        this.line(`if (${lo} === ${al} && ${hi} === ${ah}) { ${transfer(a, this.links.index, this.links.blockLen, this.links.current, false)} }`);
      }
      v = { lo, hi };
    }
    super.jumpChecked(v);
  }
  override branchIf(cond: string): void {
    this.branched = true;
    this.transferKind = 'cond';
    this.line(`if (${cond}) { ${transfer(this.i.target, this.links.index, this.links.blockLen, this.links.current, false)} }`);
  }

  override insnRef(): string { return `I[${this.index}]`; }

  override flagsNeeded(): boolean { return !this.flagsDead; }

  override noteRegWrite(r: number | string): void {
    if (typeof r !== 'number') throw new Error('baked emitter got a dynamic register');
    this.st.regsWritten.add(r);
  }

  override regLo(r: number | string): string {
    if (typeof r !== 'number') throw new Error('baked emitter got a dynamic register');
    this.st.regsUsed.add(r);
    return `r${r}l`;
  }
  override regHi(r: number | string): string {
    if (typeof r !== 'number') throw new Error('baked emitter got a dynamic register');
    this.st.regsUsed.add(r);
    return `r${r}h`;
  }

  // ---- flags in locals ------------------------------------------------------------------------

  protected override storeFlagRecord(op: number, dst: V, src: V, aux: V): void {
    this.line(`fop = ${op}; fdl = ${dst.lo}; fdh = ${dst.hi}; fsl = ${src.lo}; fsh = ${src.hi}; fxl = ${aux.lo}; fxh = ${aux.hi};${PENDING_DEAD}`);
    this.st.flagsDirty = true;
  }
  /**
   * Rotates, bt, bsf ... replace some status flags and keep the rest, which live in the record of an
   * earlier instruction: merging them into cpu.eflags means evaluating that record (a call). When no
   * later instruction of the block reads the flags before overwriting them all (hash64: `rol` then a
   * load, which may fault, then `imul`), the merge is left pending in two locals and only done where
   * the flags must be current (FLAG_MERGE_PENDING) — on the fault path, not on every run.
   */
  override setEflagsBits(mask: number, value: string): void {
    if (!this.flagsDeferrable || !this.flagsNeeded()) { super.setEflagsBits(mask, value); return; }
    this.flagsTouched = true;
    this.line(`fpm |= ${mask}; fpv = (fpv & ${~mask}) | ((${value}) & ${mask});`);
    this.st.flagsDeferred = true;
    this.lastFlags = null;
  }
  override flagsWillBeRead(): void {
    this.line(this.st.flagSync());
  }
  override flagsWereWritten(): void {
    // The status flags in cpu.eflags were just written (after a sync that applied any pending merge,
    // or all six of them: comis): a pending merge is stale.
    this.line(FLAG_CURRENT + PENDING_DEAD);
  }
  override cond(cc: number | string): string {
    // A producer earlier in this instruction, or earlier in the block: compare its operands directly.
    const rec = this.lastFlags ?? (this.flagsTouched ? null : this.st.known);
    // Baked operand fields arrive as numeric strings ('5').
    const c = typeof cc === 'number' ? cc : /^\d+$/.test(cc) ? Number(cc) : NaN;
    if (rec && c === c) return this.tmp(condExpr(c, rec.kind, rec.size, rec.dst, rec.src, rec.aux, rec.a));
    return super.cond(cc);
  }

  // ---- helpers see the whole state -----------------------------------------------------------

  override beforeHelper(): void { this.line(this.st.beforeHelper()); }
  override afterHelper(): void { super.afterHelper(); this.line(this.st.afterHelper()); }

  // ---- memory ---------------------------------------------------------------------------------
  // Loads and stores call the MMU accessors, whose first lines are the TLB hit test; V8 inlines them
  // into the block. A store to translated code throws CODE_WRITE_TRAP before it lands (the JIT engine
  // sets Mmu.trapCodeWrites around generated code), so stores need no check after them.
}
