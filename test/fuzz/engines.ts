// The ringjit side of the differential fuzzer: the same address space as the native runner (code page,
// two read-write scratch pages, a read-only page, nothing else mapped) built with real 4-level page tables
// in guest physical memory, and a case run by the interpreter (one handler per instruction, as the
// execution loop does) or by the translator (the whole sequence as one translated block).

import { decode } from '../../src/decoder/decode.js';
import { type Insn } from '../../src/decoder/insn.js';
import { Cpu } from '../../src/runtime/cpu.js';
import { GuestFault, WASM_SLOW_EXIT } from '../../src/runtime/faults.js';
import { makeHelpers } from '../../src/runtime/helpers.js';
import { Interpreter } from '../../src/runtime/interp.js';
import { PhysicalMemory } from '../../src/runtime/memory.js';
import { TLB_SETS } from '../../src/runtime/mmu.js';
import { rt } from '../../src/runtime/rt.js';
import { WasmBackend } from '../../src/runtime/wasm-backend.js';
import { assembleRegionJs, emitRegion, translateBlock, type TranslateContext } from '../../src/translator/translate.js';
import { CODE_BASE, RO_BYTES, RW_BYTES, SCRATCH_BASE, fillXmm } from './layout.js';
import { type CaseInput, type Outcome, preImageShared } from './native.js';

/** 'wasm': the translator's wasm back end (regions it refuses run as JavaScript, as in the engine). */
export type EngineName = 'interp' | 'jit' | 'wasm';

const PTE_P = 1, PTE_RW = 2, PTE_US = 4;

/** Map one 4 KiB page (user) at virtual `va` to physical `pa`, building intermediate tables as needed. */
export function mapPage(cpu: Cpu, va: number, pa: number, writable: boolean, nx: boolean): void {
  const dv = cpu.mem.dv;
  let table = cpu.mmu.cr3 & ~0xfff;
  const idx = [Math.floor(va / 2 ** 39) & 511, Math.floor(va / 2 ** 30) & 511, Math.floor(va / 2 ** 21) & 511, Math.floor(va / 4096) & 511];
  for (let level = 0; level < 3; level++) {
    const e = table + idx[level] * 8;
    let lo = dv.getInt32(e, true);
    if (!(lo & PTE_P)) {
      const f = cpu.mem.allocFrame();
      lo = f | PTE_P | PTE_RW | PTE_US;
      dv.setInt32(e, lo, true);
      dv.setInt32(e + 4, 0, true);
    }
    table = lo & -4096;
  }
  const e = table + idx[3] * 8;
  dv.setInt32(e, pa | PTE_P | PTE_US | (writable ? PTE_RW : 0), true);
  dv.setInt32(e + 4, nx ? 0x80000000 | 0 : 0, true);
}

/** A CPU with the fuzzer's address space. */
export class FuzzMachine {
  readonly cpu: Cpu;
  readonly codePa: number;
  /** Physical frames of the scratch pages (RW, RW, RO). */
  readonly scratchPa: number[];

  constructor(wasm = false) {
    // The wasm back end needs guest memory and CPU state in one WebAssembly.Memory (64 MiB is plenty).
    const cpu = new Cpu(wasm ? new PhysicalMemory(4 << 20, 64 << 20, 0x100000, true) : undefined);
    cpu.mmu.cr3 = cpu.mem.allocFrame();
    this.codePa = cpu.mem.allocFrame();
    // Scratch frames are contiguous, so the scratch image is one view of physical memory.
    this.scratchPa = [];
    const pages = (RW_BYTES + RO_BYTES) / 4096;
    for (let k = 0; k < pages; k++) this.scratchPa.push(cpu.mem.allocFrame());
    for (let k = 1; k < pages; k++) if (this.scratchPa[k] !== this.scratchPa[0] + k * 4096) throw new Error('scratch frames not contiguous');
    mapPage(cpu, CODE_BASE, this.codePa, false, false);
    for (let k = 0; k < pages; k++) mapPage(cpu, SCRATCH_BASE + k * 4096, this.scratchPa[k], k * 4096 < RW_BYTES, true);
    cpu.setCpl(3);
    this.cpu = cpu;
  }

  /** Reset the machine to a case's inputs. */
  load(c: CaseInput): void {
    const cpu = this.cpu;
    cpu.regs.set(c.gpr);
    cpu.setEflags(c.rflags);
    cpu.mxcsr = c.mxcsr;
    if (c.xmm) cpu.xmm.set(c.xmm); else fillXmm(c.xmmSeed, cpu.xmm);
    cpu.cc.fill(0);
    cpu.fsBaseLo = cpu.fsBaseHi = cpu.gsBaseLo = cpu.gsBaseHi = 0;
    cpu.instret = 0;
    const u8 = cpu.mem.u8;
    u8.set(preImageShared(c), this.scratchPa[0]);
    u8.fill(0xcc, this.codePa, this.codePa + 64);
    u8.set(c.code, this.codePa);
  }

  /** The scratch post-image: a view of guest physical memory (valid until the next load), or a copy. */
  memory(copy = false): Uint8Array {
    const v = this.cpu.mem.u8.subarray(this.scratchPa[0], this.scratchPa[0] + RW_BYTES + RO_BYTES);
    return copy ? v.slice() : v;
  }
}

const decoded = new WeakMap<CaseInput, Insn[]>();
/** Decode a case's instruction sequence at its address (cached per case object). */
export function decodeCase(c: CaseInput): Insn[] {
  const hit = decoded.get(c);
  if (hit) return hit;
  const out: Insn[] = [];
  let o = 0;
  while (o < c.code.length) {
    const i = decode(c.code, o, c.code.length, CODE_BASE + o, 64);
    out.push(i);
    if (i.len <= 0) break;
    o += i.len;
  }
  decoded.set(c, out);
  return out;
}

export class Engines {
  /** Interpret insns[k..] until one transfers control (a taken branch leaves the block). */
  private interpretFrom(cpu: Cpu, insns: Insn[], k: number): void {
    if (k < 0) throw new Error('slow exit outside the block');
    for (; k < insns.length; k++) {
      const i = insns[k];
      const next = i.addr + i.len;
      cpu.rip = next;
      try {
        this.interp.handlerOf(i)(cpu, i);
      } catch (f) {
        if (f instanceof GuestFault && !f.trap) cpu.rip = i.addr;
        throw f;
      }
      if (cpu.rip !== next) break;
    }
  }

  readonly helpers = makeHelpers({ deterministic: true });
  readonly interp = new Interpreter(this.helpers);
  private readonly machines: Record<EngineName, FuzzMachine> = { interp: new FuzzMachine(), jit: new FuzzMachine(), wasm: new FuzzMachine(true) };
  readonly wasm = new WasmBackend(this.machines.wasm.cpu);
  /** Cases the wasm back end compiled (the rest ran as JavaScript), and its slow exits. */
  wasmCompiled = 0;
  wasmSlowExits = 0;
  private readonly ctx: TranslateContext = {
    rt, H: this.helpers, cache: { dirty: false },
    handlerOf: (i) => this.interp.handlerOf(i),
    tlbOffset: 0, tlbMask: TLB_SETS - 1,
  };
  /** The generated source of the last translated case (for reports). */
  lastSource = '';

  /** Run a case; `copyMemory`: the outcome keeps its own copy of the scratch memory (else a view that the
   *  next run of the same engine overwrites). */
  run(engine: EngineName, c: CaseInput, copyMemory = false): Outcome {
    const m = this.machines[engine];
    const cpu = m.cpu;
    m.load(c);
    const insns = decodeCase(c);
    let fault: GuestFault | null = null;
    let note: string | undefined;
    try {
      if (engine === 'interp') {
        this.interpretFrom(cpu, insns, 0);
      } else if (engine === 'jit') {
        const t = translateBlock(insns, this.ctx, 'fuzz_block');
        this.lastSource = t.source;
        t.fn(cpu);
      } else {
        const emitted = emitRegion([insns], this.ctx, new Map());
        const slot = this.wasm.compile(emitted);
        if (slot < 0) {
          assembleRegionJs(emitted, this.ctx, 'fuzz_block').fn(cpu);
        } else {
          this.wasmCompiled++;
          try {
            this.wasm.run(cpu, slot, 0);
          } catch (f) {
            if (f !== WASM_SLOW_EXIT) throw f;
            // As the engine does: the interpreter runs on from the instruction that left.
            this.wasmSlowExits++;
            this.interpretFrom(cpu, insns, insns.findIndex((i) => i.addr === cpu.rip));
          } finally {
            this.wasm.release(slot, insns[0].addr);
          }
        }
      }
    } catch (f) {
      if (f instanceof GuestFault) fault = f;
      else note = `${engine} threw ${f instanceof Error ? f.stack ?? f.message : String(f)}`;
    }
    const end = CODE_BASE + c.code.length;
    const kind = note ? 'other' : fault ? 'fault' : cpu.rip === end ? 'fall' : cpu.rip === CODE_BASE + 0x40 ? 'taken' : 'other';
    return {
      kind,
      vector: fault ? fault.vector : -1,
      signo: 0,
      err: fault ? fault.errorCode : 0,
      cr2: fault ? BigInt.asUintN(64, BigInt(fault.cr2)) : 0n,
      rip: BigInt.asUintN(64, BigInt(cpu.rip)),
      gpr: cpu.regs.slice(),
      rflags: cpu.getEflags(),
      mxcsr: cpu.mxcsr,
      xmm: cpu.xmm.slice(),
      mem: m.memory(copyMemory),
      note: note ?? (kind === 'other' ? `ended at rip 0x${cpu.rip.toString(16)}` : fault ? fault.describe() : undefined),
    };
  }
}
