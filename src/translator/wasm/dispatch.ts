// The wasm dispatcher: runs compiled regions one after another without returning to JavaScript.
//
// Every wasm region is a function in one shared table (WasmBackend owns it). A region returns the
// instructions it retired and leaves the next RIP in an exit slot; the dispatcher looks that RIP up
// in a direct-mapped jump table in wasm memory (filled by the engine with the regions it dispatched
// from JavaScript, cleared when their blocks are dropped) and calls the region it finds through
// call_indirect. It returns to JavaScript when the RIP has no region there, when the budget is spent,
// and on a slow exit; a status-flag merge a region left pending is applied by a call to the engine
// (it needs the lazy-flag evaluation in JavaScript) without leaving the loop (strings left it 1.1
// million times for that). Measured by bench/probes/wasm.mjs: 14-19 ns a call through call_indirect
// from a wasm loop, against 34 ns through the JavaScript loop and a wrapper. A slow exit calls the
// engine first (WasmBackend.slowExit): one at an instruction that calls a helper (a region stops
// before each: syscall, cpuid ...) the engine runs there, with the kernel entry a syscall traps to,
// and the loop goes on.
//
// Nothing a region does between two regions needs JavaScript: regions never change the FS/GS bases,
// MXCSR or the privilege level (only helpers do), so the parameters the engine passes once hold for
// every region of the run, and after a helper the engine lets the loop go on only if they still do;
// a region that writes RFLAGS (comis) leaves it in an exit slot, and the dispatcher passes that on.
// The last ccOp a region produced stays in its exit slot for the engine to copy to the Cpu.

import { Code, I32, I64, ModuleBuilder } from './encode.js';
import { type ChunkCall, CHUNK_TYPE_PARAMS, EXIT_COUNT, EXIT_EFL, EXIT_EFLSET, EXIT_FPM, EXIT_RIP, EXIT_SLOT, EXIT_TOTAL, REGION_PARAMS,
  type RtCall, RT_TYPE_PARAMS, type RuntimeCalls, TARGET_SLOT_BITS, type WasmLayout } from './abi.js';

/** Jump table entries (a power of two); each is 16 bytes: RIP low half, RIP high half, CPL, target
 * (abi.ts jumpTarget: the region's slot and the case of the block at that RIP). */
export const JUMP_TABLE_BITS = 12;
export const JUMP_TABLE_ENTRY = 16;
export const JUMP_TABLE_BYTES = JUMP_TABLE_ENTRY << JUMP_TABLE_BITS;
/** The jump table's set for a RIP low half (the same in JavaScript and in the dispatcher). */
export function jumpTableSet(lo: number): number { return (lo ^ (lo >>> JUMP_TABLE_BITS)) & ((1 << JUMP_TABLE_BITS) - 1); }

/**
 * dispatch(target, budget, fsLo, fsHi, gsLo, gsHi, eflags, mxcsr, cpl): run the region of `target` (its
 * table slot, entered at its case: abi.ts jumpTarget),
 * then its successors while the jump table has them. Returns the last region's result (>= 0: a
 * normal exit, its next RIP in EXIT_RIP; < 0: a slow exit of the region in EXIT_SLOT), with the
 * instructions retired by the regions that exited normally in EXIT_TOTAL and their count in EXIT_COUNT.
 */
export type Dispatch = (target: number, budget: number, fsLo: number, fsHi: number, gsLo: number, gsHi: number,
  eflags: number, mxcsr: number, cpl: number) => number;

/** The engine's flag sync (WasmBackend.syncFlags) between two regions: returns RFLAGS after it. */
export type MergeFlags = () => number;
/** The engine's call at a slow exit (WasmBackend.slowExit): 0 leave with it, 1 go on, 2 leave normally. */
export type SlowExit = (n: number, total: number, count: number) => number;

/**
 * Build the dispatcher, and the wasm functions through which regions call rtCall and chunk (abi.ts
 * RuntimeCalls).
 */
export function buildDispatcher(L: WasmLayout, jumpTable: number, memory: WebAssembly.Memory, table: WebAssembly.Table,
  mergeFlags: MergeFlags, rtCall: RtCall, chunk: ChunkCall, slowExit: SlowExit): { dispatch: Dispatch; calls: RuntimeCalls } {
  const m = new ModuleBuilder();
  m.importMemory('m', 'mem', L.pages, L.pages, true); // runtime/memory.ts: a shared memory
  m.importTable('m', 'regions', 0);
  const MERGE = m.importFunc('m', 'merge', m.type([], [I32]));
  const SLOW = m.importFunc('m', 'slow', m.type([I32, I32, I32], [I32]));
  const forwarders: [string, number][] = [['rt', RT_TYPE_PARAMS], ['chunk', CHUNK_TYPE_PARAMS]];
  const imported = forwarders.map(([name, params]) => m.importFunc('m', name, m.type(new Array(params).fill(I32), [I32])));
  const regionType = m.type(new Array(REGION_PARAMS).fill(I32), [I32]);
  // Parameters 0..8 (see Dispatch; SEG..SEG+5 are the regions' first parameters); locals: n, total,
  // count, lo, entry, rip.
  const TARGET = 0, BUDGET = 1, SEG = 2, CPL = SEG + REGION_PARAMS - 1;
  const N = CPL + 1, TOTAL = N + 1, COUNT = N + 2, LO = N + 3, ENTRY = N + 4, RIP = N + 5;
  const c = new Code();
  const x = L.exit;
  c.begin('block'); // $out
  c.begin('loop'); //  $next
  const slotMask = (1 << TARGET_SLOT_BITS) - 1;
  c.i32(x + EXIT_SLOT).get(TARGET).i32(slotMask).op('i32.and').mem('i32.store', 2);
  for (let k = 0; k < REGION_PARAMS - 1; k++) c.get(SEG + k);
  c.get(TARGET).i32(TARGET_SLOT_BITS).op('i32.shr_u');
  c.get(TARGET).i32(slotMask).op('i32.and').callIndirect(regionType).set(N);
  // A slow exit: the engine's call (WasmBackend.slowExit) says whether to leave with it (0: the engine
  // interprets the instruction), or ran the helper instruction it stopped at and the kernel entry
  // after it, the instructions so far counted: go on at the RIP it left (1), or leave there (2).
  c.get(N).i32(0).op('i32.lt_s').begin('if'); // depths: if 0, $next 1, $out 2
  c.get(N).get(TOTAL).get(COUNT).opU('call', SLOW).tee(LO).op('i32.eqz').opU('br_if', 2);
  c.i32(0).set(TOTAL).i32(0).set(COUNT).i32(x + EXIT_EFL).mem('i32.load', 2).set(SEG + 4);
  c.get(LO).i32(2).op('i32.eq').begin('if').i32(0).set(N).opU('br', 3).end();
  c.i32(0).set(N);
  c.op('else');
  c.get(TOTAL).get(N).op('i32.add').set(TOTAL);
  c.get(COUNT).i32(1).op('i32.add').set(COUNT);
  c.get(TOTAL).get(BUDGET).op('i32.ge_s').opU('br_if', 2);
  // RFLAGS for the next region (parameter 4: SEGMENT_FIELDS' order): after a pending status-flag merge,
  // which needs the lazy-flag evaluation in JavaScript, as the engine's sync leaves it; else as the
  // region left it, if it wrote it.
  c.i32(x + EXIT_FPM).mem('i32.load', 2).begin('if').opU('call', MERGE).set(SEG + 4)
    .op('else').i32(x + EXIT_EFLSET).mem('i32.load', 2).begin('if').i32(x + EXIT_EFL).mem('i32.load', 2).set(SEG + 4).end().end();
  c.end();
  // The next RIP's entry: its halves and the CPL must match.
  c.i32(x + EXIT_RIP).mem('i64.load', 3).set(RIP);
  c.get(RIP).op('i32.wrap_i64').set(LO);
  c.get(LO).get(LO).i32(JUMP_TABLE_BITS).op('i32.shr_u').op('i32.xor').i32((1 << JUMP_TABLE_BITS) - 1).op('i32.and')
    .i32(4).op('i32.shl').i32(jumpTable).op('i32.add').set(ENTRY);
  c.get(ENTRY).mem('i32.load', 2, 0).get(LO).op('i32.ne').opU('br_if', 1);
  c.get(ENTRY).mem('i32.load', 2, 4).get(RIP).i64(32, 0).op('i64.shr_u').op('i32.wrap_i64').op('i32.ne').opU('br_if', 1);
  c.get(ENTRY).mem('i32.load', 2, 8).get(CPL).op('i32.ne').opU('br_if', 1);
  c.get(ENTRY).mem('i32.load', 2, 12).set(TARGET);
  c.opU('br', 0);
  c.end();
  c.end();
  c.i32(x + EXIT_TOTAL).get(TOTAL).mem('i32.store', 2);
  c.i32(x + EXIT_COUNT).get(COUNT).mem('i32.store', 2);
  c.get(N);
  m.func(m.type(new Array(CPL + 1).fill(I32), [I32]), [I32, I32, I32, I32, I32, I64], c, 'dispatch', 'ringjit_dispatch');
  // The forwarders: each passes its parameters to the imported JavaScript function.
  forwarders.forEach(([name, params], k) => {
    const f = new Code();
    for (let p = 0; p < params; p++) f.get(p);
    f.opU('call', imported[k]);
    m.func(m.type(new Array(params).fill(I32), [I32]), [], f, name, `ringjit_${name}`);
  });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(m.bytes()),
    { m: { mem: memory, regions: table, merge: mergeFlags, slow: slowExit, rt: rtCall, chunk } });
  const ref = (f: unknown) => new WebAssembly.Global({ value: 'anyfunc', mutable: false }, f);
  return { dispatch: inst.exports.dispatch as Dispatch, calls: { rt: ref(inst.exports.rt), chunk: ref(inst.exports.chunk) } };
}
