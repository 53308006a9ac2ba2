// The baked Emitter: the same operations interface as the interpreter's, specialised for one
// instruction inside a block. Registers live in block locals (r3l/r3h), the lazy-flag record lives in
// locals (fop, fdl ...), loads and stores inline the TLB hit test, and conditions after a flag producer
// in the same block are direct comparisons from the shared flag definitions.

import { type Insn } from '../decoder/insn.js';
import { Emitter, type FlagRecord, type V } from '../semantics/emit.js';
import { condExpr } from '../semantics/flags.js';

/** State shared by the emitters of one block. */
export class BlockState {
  readonly lines: string[] = [];
  /** GPRs the block touches (loaded at entry). */
  readonly regsUsed = new Set<number>();
  /** GPRs the block assigns (written back at exits). */
  readonly regsWritten = new Set<number>();
  /** True once any flag record was stored in the locals (cpu's copy may be stale). */
  flagsDirty = false;
  /** The record of the last unconditional flag producer in this block, if still current. */
  known: FlagRecord | null = null;
  /** Whether an instruction needs the SMC check after it (it stores to memory). */
  stored = false;

  constructor(
    /** TLB half for this block's privilege level (0 for CPL 3, TLB_SETS for CPL 0). */
    readonly tlbOffset: number,
    readonly tlbMask: number,
  ) {}

  /** Statements that copy the registers written so far and the flag record (if produced) back to cpu.
   * Registers only ever read still equal cpu's copy. */
  writeBack(): string {
    let s = '';
    for (const r of this.regsWritten) s += `R[${2 * r}] = r${r}l; R[${2 * r + 1}] = r${r}h; `;
    return this.flagsDirty ? s + FLAG_SYNC : s;
  }
  /** Statements that reload the cached state from cpu (after a helper changed it). */
  reload(): string {
    let s = '';
    for (const r of this.regsUsed) s += `r${r}l = R[${2 * r}]; r${r}h = R[${2 * r + 1}]; `;
    return s + FLAG_LOAD;
  }
}

export const FLAG_SYNC = 'cpu.ccOp = fop; CC[0] = fdl; CC[1] = fdh; CC[2] = fsl; CC[3] = fsh; CC[4] = fxl; CC[5] = fxh;';
export const FLAG_LOAD = 'fop = cpu.ccOp; fdl = CC[0]; fdh = CC[1]; fsl = CC[2]; fsh = CC[3]; fxl = CC[4]; fxh = CC[5];';

export class BlockEmitter extends Emitter {
  constructor(i: Insn, private readonly st: BlockState, private readonly index: number) {
    super(i, true);
    this.out = st.lines;
    this.tmpPrefix = `t${index}_`;
  }

  override insnRef(): string { return `I[${this.index}]`; }

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
    this.line(`fop = ${op}; fdl = ${dst.lo}; fdh = ${dst.hi}; fsl = ${src.lo}; fsh = ${src.hi}; fxl = ${aux.lo}; fxh = ${aux.hi};`);
    this.st.flagsDirty = true;
  }
  override flagsWillBeRead(): void {
    if (this.st.flagsDirty) this.line(FLAG_SYNC);
  }
  override flagsWereWritten(): void {
    this.line(FLAG_LOAD);
  }
  override cond(cc: number | string): string {
    // A producer earlier in this instruction, or earlier in the block: compare its operands directly.
    const rec = this.lastFlags ?? (this.flagsTouched ? null : this.st.known);
    if (rec && typeof cc === 'number') return this.tmp(condExpr(cc, rec.kind, rec.size, rec.dst, rec.src, rec.aux));
    return super.cond(cc);
  }

  // ---- helpers see the whole state -----------------------------------------------------------

  override beforeHelper(): void { this.line(this.st.writeBack()); }
  override afterHelper(): void { super.afterHelper(); this.line(this.st.reload()); }

  // ---- memory with the inline TLB hit path ----------------------------------------------------

  private set(a: V): string {
    return this.tmp(`((${a.lo} >>> 12) & ${this.st.tlbMask}) + ${this.st.tlbOffset}`);
  }
  override load(size: number, a: V): V {
    const s = this.set(a);
    const fits = size === 1 ? '' : ` && (${a.lo} & 4095) <= ${4096 - size}`;
    const hit = this.tmp(`TRL[${s}] === (${a.lo} & -4096) && TRH[${s}] === ${a.hi}${fits}`);
    const p = `PH[${s}] + (${a.lo} & 4095)`;
    switch (size) {
      case 1: return this.val(1, `${hit} ? U8[${p}] : M.rd8(${a.lo}, ${a.hi})`);
      case 2: return this.val(2, `${hit} ? DV.getUint16(${p}, true) : M.rd16(${a.lo}, ${a.hi})`);
      case 4: return this.val(4, `${hit} ? DV.getInt32(${p}, true) : M.rd32(${a.lo}, ${a.hi})`);
      default: {
        const lo = this.tmp(`${hit} ? DV.getInt32(${p}, true) : M.rd64(${a.lo}, ${a.hi})`);
        return { lo, hi: this.tmp(`${hit} ? DV.getInt32(${p} + 4, true) : M.hi`) };
      }
    }
  }
  override store(size: number, a: V, v: V): void {
    this.st.stored = true;
    const s = this.set(a);
    const fits = size === 1 ? '' : ` && (${a.lo} & 4095) <= ${4096 - size}`;
    const hit = `TWL[${s}] === (${a.lo} & -4096) && TWH[${s}] === ${a.hi}${fits}`;
    const p = `PH[${s}] + (${a.lo} & 4095)`;
    switch (size) {
      // Only the slow path can reach a page holding translated code (write tags are never filled for
      // those), so only it checks whether the store invalidated code.
      case 1: this.line(`if (${hit}) U8[${p}] = ${v.lo}; else { M.wr8(${a.lo}, ${a.hi}, ${v.lo}); smc = CACHE.dirty; }`); return;
      case 2: this.line(`if (${hit}) DV.setUint16(${p}, ${v.lo}, true); else { M.wr16(${a.lo}, ${a.hi}, ${v.lo}); smc = CACHE.dirty; }`); return;
      case 4: this.line(`if (${hit}) DV.setInt32(${p}, ${v.lo}, true); else { M.wr32(${a.lo}, ${a.hi}, ${v.lo}); smc = CACHE.dirty; }`); return;
      default: this.line(`if (${hit}) { const q = ${p}; DV.setInt32(q, ${v.lo}, true); DV.setInt32(q + 4, ${v.hi}, true); } ` +
        `else { M.wr64(${a.lo}, ${a.hi}, ${v.lo}, ${v.hi}); smc = CACHE.dirty; }`);
    }
  }
}
