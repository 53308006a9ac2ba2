// The wasm region ABI: where a compiled region finds the CPU state in wasm memory, the exit slots it
// and the dispatcher (dispatch.ts) leave for the engine (runtime/wasm-backend.ts), its parameters, and
// the functions it imports. region.ts compiles regions to it.

/** Byte offsets, in wasm memory, of the state a wasm region reads and writes. */
export interface WasmLayout {
  regs: number;
  cc: number;
  /** The 64 int32 lanes of xmm0..15. */
  xmm: number;
  /** i32: the current TLB half's byte offset (Mmu.tlbCurSlot), and the set mask of its hash. */
  tlbCur: number;
  tlbMask: number;
  /** i32 ccOp written at exit (-1: unchanged), i32 instructions retired before a slow exit, i64 RIP,
   * i32 mask and value of a pending status-flag merge (BlockEmitter.setEflagsBits; 0: none). */
  exit: number;
  /** Pages of the memory (its fixed size), and the byte offset of guest physical address 0 in it. */
  pages: number;
  guestBase: number;
  /** 40 bytes of scratch within one instruction: rt.SRC at +0 (16 bytes: a memory operand loaded for
   * an SSE instruction; the runtime-call wrapper copies it to the JavaScript rt.SRC), rt.OUT at +16
   * (16 bytes: the i64 primitives' extra results) and rt.SOUT at +32 (8 bytes, copied back from the
   * JavaScript rt.SOUT after a runtime call). */
  scratch: number;
}
export const EXIT_CCOP = 0, EXIT_DONE = 4, EXIT_RIP = 8, EXIT_FPM = 16, EXIT_FPV = 20;
/** Written by the dispatcher (dispatch.ts): the table slot of the region it called last, the
 * instructions the regions it ran retired (slow exit excluded), and how many regions it ran. */
export const EXIT_SLOT = 24, EXIT_TOTAL = 28, EXIT_COUNT = 32;
/** RFLAGS as a region that writes it (comis) left it, and 1 in EXIT_EFLSET when it did. MXCSR as a
 * runtime call left it (see RT_CALLS). */
export const EXIT_EFL = 36, EXIT_EFLSET = 40, EXIT_MXCSR = 44, EXIT_BYTES = 48;

/**
 * Runtime functions a wasm region calls for real, through one imported function `rt(id, a..e)` (id:
 * the index here; the arguments after `cpu`, up to five int32):
 *   - the lazy-flag evaluation (flags.ts: rt.cond, rt.eflags) of the record the region stored to
 *     cpu.cc (FLAG_SYNC), for a flag read after a block boundary or a pending merge;
 *   - the exact SSE floating-point primitives the fast paths fall back to (fprims.ts, fconv.ts).
 * They read and write only: the flag record (in wasm memory), ccOp and RFLAGS (the wrapper first
 * copies the exit slots' values to the Cpu; the region stores its RFLAGS there before the call),
 * the xmm file (in wasm memory, where the region keeps it whenever it calls them: xmmLanes), MXCSR
 * (the region reloads its copy from EXIT_MXCSR after the call), the scratch source operand (copied
 * to rt.SRC before the call) and SOUT (copied back after it).
 */
export const RT_CALLS = ['cond', 'eflags', 'fsd', 'fss', 'fpd', 'fps', 'fhpd', 'fhps', 'faddsubpd', 'faddsubps', 'cmpsd', 'cmpss', 'cmppd', 'cmpps',
  'comis', 'rcpss', 'rcpps', 'cvtsd2ss', 'cvtss2sd', 'cvtpd2ps', 'cvtps2pd', 'cvtsi2sd', 'cvtsi2ss', 'cvtdq2ps', 'cvtdq2pd',
  'cvt2si', 'cvtps2dq', 'cvtpd2dq'] as const;
export type RtCall = (id: number, a: number, b: number, c: number, d: number, e: number) => number;
export const RT_CALL_ARGS = 5;
/**
 * The bulk chunk of rep movs / rep stos (Mmu.movsChunk / stosChunk; op 0 / 1, then their seven
 * arguments): bytes moved, 0 to decline (the element loop then runs, and takes the slow exit where
 * the chunk would have faulted or stored to translated code).
 */
export type ChunkCall = (op: number, a: number, b: number, c: number, d: number, e: number, f: number, g: number) => number;
export const CHUNK_ARGS = 7;
/**
 * Regions reach RtCall and ChunkCall by call_indirect through a two-element table of their own, filled
 * when the region is instantiated from two imported funcref globals (RuntimeCalls) that hold the
 * dispatcher module's wasm functions calling them (dispatch.ts). A module that imported the functions
 * made V8 (11.3) compile an import wrapper per imported function for every region, ~0.2 ms each; one
 * that imported the shared region table registered itself with that table for good, so that every
 * later table.set updated every region ever made (bench/probes/imports.mjs).
 */
export const SLOT_RT = 0, SLOT_CHUNK = 1;
export interface RuntimeCalls { rt: WebAssembly.Global; chunk: WebAssembly.Global }
/** The region module's type indices of the two calls (module.ts declares them first, in this order). */
export const TYPE_RT = 0, TYPE_CHUNK = 1;
/** Their parameter counts (RtCall: the id, then RT_CALL_ARGS; ChunkCall: the op, then CHUNK_ARGS), all i32, returning i32. */
export const RT_TYPE_PARAMS = 1 + RT_CALL_ARGS, CHUNK_TYPE_PARAMS = 1 + CHUNK_ARGS;

/**
 * The Cpu fields a region may read, and the parameter names they become: the FS/GS bases (only helpers
 * change them), RFLAGS (read for its control bits, DF for string instructions: Emitter.controlFlag,
 * always current in cpu.eflags; and written whole by comis, after which the region reads its status
 * bits: the parameter local holds the value, and the exits hand it back through EXIT_EFL), and MXCSR
 * (read by the SSE fast paths; a region that writes it is refused).
 */
export const SEGMENT_FIELDS: Record<string, string> = {
  'cpu.fsBaseLo': 'fsbl', 'cpu.fsBaseHi': 'fsbh', 'cpu.gsBaseLo': 'gsbl', 'cpu.gsBaseHi': 'gsbh', 'cpu.eflags': 'efl',
  'cpu.mxcsr': 'mxcsr',
};
export const SEGMENT_PARAMS = Object.values(SEGMENT_FIELDS);
/** A region function's parameters (all i32: SEGMENT_FIELDS in order, then the case of the block to start
 * at: a region is entered at its head, case 0, or at any block it holds); it returns an i32. */
export const REGION_PARAMS = SEGMENT_PARAMS.length + 1;
/** A jump-table target: a region's table slot and the case to enter it at, in one int32. */
export const TARGET_SLOT_BITS = 20;
export function jumpTarget(slot: number, entry: number): number { return slot | (entry << TARGET_SLOT_BITS); }
