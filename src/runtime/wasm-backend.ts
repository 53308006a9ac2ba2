// The runtime side of the translator's wasm back end (the default; `--no-wasm` turns it off): where
// compiled regions find the CPU state in wasm memory, and how the engine calls them.
// translator/wasm/region.ts compiles a region; a region it refuses stays JavaScript.

import { type EmittedRegion } from '../translator/translate.js';
import { Unsupported } from '../translator/wasm/expr.js';
import { compileRegionWasm, EXIT_BYTES, EXIT_CCOP, EXIT_DONE, EXIT_FPM, EXIT_FPV, EXIT_RIP, type WasmLayout } from '../translator/wasm/region.js';
import { type Cpu } from './cpu.js';
import { WASM_SLOW_EXIT } from './faults.js';
import { TLB_SETS } from './mmu.js';
import { rt } from './rt.js';

export interface WasmStats {
  /** Regions compiled to wasm, and the bytes of wasm generated. */
  regions: number;
  bytes: number;
  /** Slow exits (each redone by the interpreter). */
  slowExits: number;
  /** Guest instructions retired by wasm regions (the rest: JavaScript regions and the interpreter). */
  retired: number;
  /** Why regions stayed JavaScript: reason (operands elided) -> regions. */
  refused: Map<string, number>;
}

export class WasmBackend {
  readonly stats: WasmStats = { regions: 0, bytes: 0, slowExits: 0, retired: 0, refused: new Map() };
  private readonly layout: WasmLayout;
  private readonly memory: WebAssembly.Memory;
  private readonly exitI32: Int32Array;
  private readonly exitF64: Float64Array;

  constructor(cpu: Cpu) {
    const mem = cpu.mem, mmu = cpu.mmu;
    if (mem.wasm === null || mmu.tlbCurSlot === null) throw new Error('the wasm back end needs a wasm-backed PhysicalMemory');
    const exit = mem.stateAlloc(EXIT_BYTES);
    this.layout = {
      regs: cpu.regs.byteOffset, cc: cpu.cc.byteOffset, xmm: cpu.xmm.byteOffset, tlbCur: mmu.tlbCurSlot.byteOffset, tlbMask: TLB_SETS - 1,
      exit, pages: mem.buf.byteLength / 65536, guestBase: mem.guestBase,
    };
    this.memory = mem.wasm;
    this.exitI32 = new Int32Array(mem.buf, exit, EXIT_BYTES / 4);
    this.exitF64 = new Float64Array(mem.buf, exit + EXIT_RIP, 1);
    this.exitI32[EXIT_CCOP / 4] = -1;
  }

  /**
   * The region as a block function, or null when the wasm back end refuses it. The function's normal
   * exit sets cpu.rip (and cpu.ccOp when the region produced flags) and returns the instructions
   * retired; a slow exit points cpu.rip at its instruction, counts the instructions before it, and
   * throws WASM_SLOW_EXIT for the engine to interpret that instruction.
   */
  compile(r: EmittedRegion): ((cpu: Cpu) => number) | null {
    let run: (fsLo: number, fsHi: number, gsLo: number, gsHi: number, eflags: number) => number;
    try {
      const w = compileRegionWasm(r, this.layout, this.memory);
      run = w.run;
      this.stats.regions++;
      this.stats.bytes += w.bytes;
    } catch (e) {
      // Unsupported: outside what the back end compiles. Anything else (V8 rejecting the module) is a
      // defect of the back end: the region still runs, as JavaScript, and --stats names the error.
      const message = e instanceof Unsupported ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
      if (process.env.RINGJIT_WASM_WHY) process.stderr.write(`wasm refused: ${message}\n`);
      const why = message.replace(/'[^']*'|\[[^\]]*\]|\b[a-z]+\d+_?\d*[lh]?\b|\d+/g, '_');
      this.stats.refused.set(why, (this.stats.refused.get(why) ?? 0) + 1);
      return null;
    }
    const s = this.exitI32, f = this.exitF64;
    const addrs = r.flat.map((i) => i.addr), posInBlock = r.posInBlock;
    const st = this.stats;
    return (cpu) => {
      const n = run(cpu.fsBaseLo, cpu.fsBaseHi, cpu.gsBaseLo, cpu.gsBaseHi, cpu.eflags);
      const op = s[EXIT_CCOP / 4];
      if (op >= 0) { cpu.ccOp = op; s[EXIT_CCOP / 4] = -1; }
      const fpm = s[EXIT_FPM / 4];
      if (fpm !== 0) {
        // A status-flag merge left pending (rotates, bt ...): as the JS region's FLAG_MERGE_PENDING.
        cpu.eflags = (rt.eflags(cpu) & ~fpm) | (s[EXIT_FPV / 4] & fpm); cpu.ccOp = 0;
        s[EXIT_FPM / 4] = 0;
      }
      if (n >= 0) { cpu.rip = f[0]; st.retired += n; return n; }
      const k = -n - 1;
      cpu.rip = addrs[k];
      const done = s[EXIT_DONE / 4] + posInBlock[k];
      cpu.instret += done; st.retired += done;
      throw WASM_SLOW_EXIT;
    };
  }
}
