// The runtime side of the translator's wasm back end (the default; `--no-wasm` turns it off): where
// compiled regions find the CPU state in wasm memory, and how the engine calls them.
// translator/wasm/region.ts compiles a region; a region it refuses stays JavaScript.

import { type EmittedRegion } from '../translator/translate.js';
import { Unsupported } from '../translator/wasm/expr.js';
import { buildDispatcher, type Dispatch, JUMP_TABLE_BYTES, jumpTableSet } from '../translator/wasm/dispatch.js';
import { type ChunkCall, EXIT_BYTES, EXIT_CCOP, EXIT_COUNT, EXIT_DONE, EXIT_EFL, EXIT_EFLSET, EXIT_FPM, EXIT_FPV, EXIT_MXCSR, EXIT_RIP, EXIT_SLOT,
  EXIT_TOTAL, jumpTarget, RT_CALLS, type RtCall, type RuntimeCalls, TARGET_SLOT_BITS, type WasmLayout } from '../translator/wasm/abi.js';
import { compileRegionWasm, type WasmRegion } from '../translator/wasm/module.js';
import { type Insn } from '../decoder/insn.js';
import { type Cpu } from './cpu.js';
import { CODE_WRITE_TRAP, GuestFault, WASM_SLOW_EXIT } from './faults.js';
import { addrHi, addrLo, TLB_SETS } from './mmu.js';
import { rt } from './rt.js';

export interface WasmStats {
  /** Regions compiled to wasm, and the bytes of wasm generated. */
  regions: number;
  bytes: number;
  /** Slow exits (each redone by the interpreter), and those of them at an instruction that calls a helper. */
  slowExits: number;
  helperExits: number;
  /** Guest instructions retired by wasm regions (the rest: JavaScript regions and the interpreter). */
  retired: number;
  /** Regions the wasm dispatcher ran (each a block dispatch that never reached JavaScript). */
  dispatches: number;
  /** Of the translation time: the wasm compiler (region text -> wasm bytes), and V8 (module and
   * instance; V8's optimising tier later compiles hot functions again, on background threads). */
  frontMs: number;
  v8Ms: number;
  /** Why regions stayed JavaScript: reason (operands elided) -> regions. */
  refused: Map<string, number>;
}

/** Where a compiled region's instructions are, for a slow exit (EXIT_SLOT names the region), and each
 * one that calls a helper as a one-instruction list for the engine to interpret (else null). */
interface SlotInfo { addrs: number[]; posInBlock: number[]; helperInsns: (Insn[] | null)[] }

export class WasmBackend {
  readonly stats: WasmStats = { regions: 0, bytes: 0, slowExits: 0, helperExits: 0, retired: 0, dispatches: 0, frontMs: 0, v8Ms: 0, refused: new Map() };
  private readonly layout: WasmLayout;
  private readonly memory: WebAssembly.Memory;
  private readonly exitI32: Int32Array;
  /** The next RIP of a normal exit: an int64 (low half, high half). */
  private readonly exitRip: Int32Array;
  /** Every compiled region, by slot (dispatch.ts); slots of dropped blocks are reused. */
  private readonly table = new WebAssembly.Table({ element: 'anyfunc', initial: 64 });
  private readonly slots: (SlotInfo | null)[] = [];
  /** Guest instructions compiled into the region in `slot` (0 for a free slot). */
  regionInsns(slot: number): number { return this.slots[slot]?.addrs.length ?? 0; }
  private readonly freeSlots: number[] = [];
  /** The dispatcher's jump table (JUMP_TABLE_BITS entries of 4 int32: RIP lo, RIP hi, CPL, slot). */
  private readonly jumpTable: Int32Array;
  private readonly dispatch: Dispatch;
  private readonly rtCall: RtCall;
  private readonly cpu: Cpu;
  private readonly chunk: ChunkCall;
  /** rtCall and chunk as regions import them. */
  private readonly calls: RuntimeCalls;
  /** The module of the region compile() compiled last (for --dump-js). */
  lastWasm: Uint8Array | null = null;
  /** Instructions retired by the regions before the slow exit the last enter() threw. */
  retiredBeforeSlowExit = 0;
  /** Regions the last enter() ran to their end (a slow exit's region not counted). */
  lastRegions = 0;
  /**
   * Set by the engine: interpret an instruction that calls a helper, then run the kernel entry it
   * trapped to (a syscall's, up to the return to user mode); the instructions it retired. It sets
   * helperMayContinue when the dispatcher may go on with the next region (the task runs on, and no
   * code was invalidated).
   */
  onHelper: ((insn: Insn[]) => number) | null = null;
  helperMayContinue = false;
  /** Of the last enter(): instructions retired before and by helper instructions the dispatcher had
   * run (already in cpu.instret, unlike its result), and the regions run before them. */
  helperRetired = 0;
  private helperRegions = 0;
  /** What the dispatcher's regions assume for the whole of an enter(): its budget and the Cpu fields
   * passed as their parameters. */
  private readonly entered = { budget: 0, fsLo: 0, fsHi: 0, gsLo: 0, gsHi: 0, mxcsr: 0, cpl: 0, cr3: 0 };

  constructor(cpu: Cpu) {
    const mem = cpu.mem, mmu = cpu.mmu;
    if (mem.wasm === null || mmu.tlbCurSlot === null) throw new Error('the wasm back end needs a wasm-backed PhysicalMemory');
    this.cpu = cpu;
    const exit = mem.stateAlloc(EXIT_BYTES);
    this.layout = {
      regs: cpu.regs.byteOffset, cc: cpu.cc.byteOffset, xmm: cpu.xmm.byteOffset, tlbCur: mmu.tlbCurSlot.byteOffset, tlbMask: TLB_SETS - 1,
      exit, pages: mem.buf.byteLength / 65536, guestBase: mem.guestBase, scratch: mem.stateAlloc(40),
    };
    this.memory = mem.wasm;
    this.exitI32 = new Int32Array(mem.buf, exit, EXIT_BYTES / 4);
    this.exitRip = new Int32Array(mem.buf, exit + EXIT_RIP, 2);
    this.exitI32[EXIT_CCOP / 4] = -1;
    // Runtime calls from regions (region.ts RT_CALLS): the primitive sees the scratch source operand in
    // rt.SRC, and the region finds MXCSR and SOUT in wasm memory afterwards.
    const scratch = new Int32Array(mem.buf, this.layout.scratch, 4), sout = new Int32Array(mem.buf, this.layout.scratch + 32, 2);
    const fns = RT_CALLS.map((n) => rt[n] as (cpu: Cpu, ...a: number[]) => number | void);
    const s = this.exitI32;
    this.rtCall = (id, a, b, c, d, e) => {
      // The Cpu as the region has it: RFLAGS and the flag record's kind from the exit slots.
      this.syncRecord();
      rt.SRC.set(scratch);
      const r = fns[id](cpu, a, b, c, d, e);
      s[EXIT_MXCSR / 4] = cpu.mxcsr; sout[0] = rt.SOUT[0]; sout[1] = rt.SOUT[1];
      return (r ?? 0) | 0;
    };
    // Bulk chunks of rep movs/stos. A fault or a store to translated code declines the chunk: the
    // region's element loop then reaches the same access and takes the slow exit.
    this.chunk = (op, a, b, c, d, e, f, g) => {
      try {
        return op === 0 ? mmu.movsChunk(a, b, c, d, e, f, g) : mmu.stosChunk(a, b, c, d, e, f, g);
      } catch (x) {
        if (x instanceof GuestFault || x === CODE_WRITE_TRAP) return 0;
        throw x;
      }
    };
    const jt = mem.stateAlloc(JUMP_TABLE_BYTES);
    this.jumpTable = new Int32Array(mem.buf, jt, JUMP_TABLE_BYTES / 4);
    this.jumpTable.fill(-1);
    ({ dispatch: this.dispatch, calls: this.calls } = buildDispatcher(this.layout, jt, this.memory, this.table,
      () => { this.syncFlags(); return cpu.eflags; }, this.rtCall, this.chunk, (n, total, count) => this.slowExit(n, total, count)));
  }

  /**
   * Compile a region: its table slot, or -1 when the wasm back end refuses it (it stays JavaScript).
   * run(cpu, slot) runs it once; enter() runs it and the regions after it.
   */
  compile(r: EmittedRegion): number {
    let w: WasmRegion;
    try {
      w = compileRegionWasm(r, this.layout, this.memory, this.calls, this.stats);
    } catch (e) {
      // Unsupported: outside what the back end compiles. Anything else (V8 rejecting the module) is a
      // defect of the back end: the region still runs, as JavaScript, and --stats names the error.
      const message = e instanceof Unsupported ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
      if (process.env.RINGJIT_WASM_WHY) process.stderr.write(`wasm refused 0x${r.flat[0].addr.toString(16)}: ${message}\n`);
      const why = message.replace(/'[^']*'|\[[^\]]*\]|\b[a-z]+\d+_?\d*[lh]?\b|\d+/g, '_');
      this.stats.refused.set(why, (this.stats.refused.get(why) ?? 0) + 1);
      return -1;
    }
    this.stats.regions++;
    this.stats.bytes += w.wasm.length;
    this.lastWasm = w.wasm;
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.slots.length;
      // A jump-table target holds the slot in TARGET_SLOT_BITS bits (a million live regions).
      if (slot >= 1 << TARGET_SLOT_BITS) { this.stats.refused.set('too many live regions', (this.stats.refused.get('too many live regions') ?? 0) + 1); return -1; }
      this.slots.push(null);
      if (slot >= this.table.length) this.table.grow(this.table.length);
    }
    this.table.set(slot, w.run);
    this.slots[slot] = { addrs: r.flat.map((i) => i.addr), posInBlock: r.posInBlock, helperInsns: r.flat.map((i, k) => (r.callsHelper[k] ? [i] : null)) };
    return slot;
  }

  /** The region at `slot`, made for the block at guest address `addr`, is gone (the block was
   * dropped): unlink it, and reuse the slot. (The engine unlinks the other blocks it entered the
   * region at first.) */
  release(slot: number, addr: number): void {
    this.unlink(slot, addr);
    this.table.set(slot, null);
    this.slots[slot] = null;
    this.freeSlots.push(slot);
  }

  /** Stop the dispatcher continuing at guest address `addr` in the region at `slot`. */
  unlink(slot: number, addr: number): void {
    const e = jumpTableSet(addrLo(addr)) * 4, jt = this.jumpTable;
    if (jt[e] === addrLo(addr) && (jt[e + 3] & ((1 << TARGET_SLOT_BITS) - 1)) === slot) { jt[e] = -1; jt[e + 1] = -1; jt[e + 2] = -1; jt[e + 3] = -1; }
  }

  /** Let the dispatcher continue at guest address `addr` (CPL `cpl`) in the region at `slot`, at the
   * block of case `entry` (0: the region's head). */
  link(addr: number, cpl: number, slot: number, entry: number): void {
    const lo = addrLo(addr), e = jumpTableSet(lo) * 4, jt = this.jumpTable;
    jt[e] = lo; jt[e + 1] = addrHi(addr); jt[e + 2] = cpl; jt[e + 3] = jumpTarget(slot, entry);
  }

  /** RFLAGS (if a region wrote it) and the flag record's kind (if a region produced one) from the
   * exit slots to the Cpu; the slots then say "unchanged". */
  private syncRecord(): void {
    const s = this.exitI32, cpu = this.cpu;
    if (s[EXIT_EFLSET / 4] !== 0) { cpu.eflags = s[EXIT_EFL / 4]; s[EXIT_EFLSET / 4] = 0; }
    const op = s[EXIT_CCOP / 4];
    if (op >= 0) { cpu.ccOp = op; s[EXIT_CCOP / 4] = -1; }
  }
  /** The Cpu's flag state from the exit slots: RFLAGS (if a region wrote it), then the flag record's
   * kind, then a pending status-flag merge over both (as the JS region's FLAG_MERGE_PENDING). The
   * dispatcher calls this between regions when a merge is pending (rotates, bt, bsf ...). */
  private syncFlags(): void {
    const s = this.exitI32, cpu = this.cpu;
    this.syncRecord();
    const fpm = s[EXIT_FPM / 4];
    if (fpm !== 0) {
      cpu.eflags = (rt.eflags(cpu) & ~fpm) | (s[EXIT_FPV / 4] & fpm); cpu.ccOp = 0;
      s[EXIT_FPM / 4] = 0;
    }
  }

  /**
   * Run the region at `slot` from its case `entry`, and after it every region the dispatcher finds for
   * the next RIP, until
   * `budget` instructions retired or one leaves to JavaScript. Returns the instructions retired; sets
   * cpu.rip and the flag state. A slow exit points cpu.rip at its instruction, counts the instructions
   * before it in cpu.instret (and retiredBeforeSlowExit), and returns -1 for the engine to interpret
   * that instruction (run() throws WASM_SLOW_EXIT instead).
   */
  enter(cpu: Cpu, slot: number, entry: number, budget: number): number {
    const s = this.exitI32, st = this.stats, e = this.entered;
    e.budget = budget; e.fsLo = cpu.fsBaseLo; e.fsHi = cpu.fsBaseHi; e.gsLo = cpu.gsBaseLo; e.gsHi = cpu.gsBaseHi;
    e.mxcsr = cpu.mxcsr; e.cpl = cpu.cpl; e.cr3 = cpu.mmu.cr3;
    this.helperRetired = 0; this.helperRegions = 0;
    const n = this.dispatch(jumpTarget(slot, entry), budget, cpu.fsBaseLo, cpu.fsBaseHi, cpu.gsBaseLo, cpu.gsBaseHi, cpu.eflags, cpu.mxcsr, cpu.cpl);
    this.syncFlags();
    const total = s[EXIT_TOTAL / 4], count = s[EXIT_COUNT / 4];
    st.dispatches += count; this.lastRegions = count + this.helperRegions;
    if (n >= 0) { cpu.rip = this.exitRip[1] * 4294967296 + (this.exitRip[0] >>> 0); st.retired += total; return total; }
    const k = -n - 1, info = this.slots[s[EXIT_SLOT / 4]]!;
    cpu.rip = info.addrs[k];
    const done = total + s[EXIT_DONE / 4] + info.posInBlock[k];
    cpu.instret += done; st.retired += done;
    this.retiredBeforeSlowExit = done;
    return -1;
  }
  /**
   * The dispatcher's call at a region's slow exit (n < 0, the regions before it having retired
   * `total` instructions in `count` runs): 0 when the engine must take it (a miss, a fault: the
   * interpreter redoes the instruction). At an instruction that calls a helper, the state is as of
   * that instruction, as for any slow exit, and the engine's onHelper runs it and the kernel entry it
   * traps to here: 1 when the dispatcher goes on at cpu.rip (in EXIT_RIP, RFLAGS in EXIT_EFL), 2
   * when it returns there (a normal exit of no instructions). It goes on only where its regions'
   * parameters and the jump table still hold (CPL, FS/GS bases, MXCSR, CR3 as at enter()) and the
   * budget is not spent: a system call then costs no return to JavaScript's engine loop.
   */
  private slowExit(n: number, total: number, count: number): number {
    const s = this.exitI32, k = -n - 1, info = this.slots[s[EXIT_SLOT / 4]];
    const insn = info?.helperInsns[k] ?? null;
    if (insn === null || this.onHelper === null) return 0;
    const cpu = this.cpu, st = this.stats, e = this.entered;
    this.syncFlags();
    const done = total + s[EXIT_DONE / 4] + info!.posInBlock[k];
    cpu.instret += done; st.retired += done; st.dispatches += count; st.slowExits++; st.helperExits++;
    cpu.rip = info!.addrs[k];
    this.helperRegions += count;
    this.helperRetired += done + this.onHelper(insn);
    this.exitRip[0] = addrLo(cpu.rip); this.exitRip[1] = addrHi(cpu.rip);
    s[EXIT_EFL / 4] = cpu.eflags;
    const same = cpu.cpl === e.cpl && cpu.fsBaseLo === e.fsLo && cpu.fsBaseHi === e.fsHi && cpu.gsBaseLo === e.gsLo &&
      cpu.gsBaseHi === e.gsHi && cpu.mxcsr === e.mxcsr && cpu.mmu.cr3 === e.cr3;
    return this.helperMayContinue && same && this.helperRetired < e.budget ? 1 : 2;
  }

  /** Run only the region at `slot` (as enter, with a budget of one region); a slow exit throws
   * WASM_SLOW_EXIT. */
  run(cpu: Cpu, slot: number, entry: number): number {
    const n = this.enter(cpu, slot, entry, 1);
    if (n < 0) throw WASM_SLOW_EXIT;
    return n;
  }
}
