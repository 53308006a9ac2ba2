// A region's wasm module: the statements of each case compiled by RegionCompiler (region.ts) inside
// the region's frame (the prologue that loads the registers it uses, the loop and br_table over its
// cases, entered at the case its last parameter names, the normal and slow exits that store them
// back), encoded with its imports (the memory, the runtime calls) and instantiated.

import { type EmittedRegion, HELPER_INSN_CLOSE, HELPER_INSN_OPEN } from '../translate.js';
import { CHUNK_TYPE_PARAMS, EXIT_DONE, EXIT_RIP, REGION_PARAMS, RT_TYPE_PARAMS, type RuntimeCalls, SEGMENT_FIELDS, TYPE_CHUNK, TYPE_RT,
  type WasmLayout } from './abi.js';
import { I32, I64, ModuleBuilder, V128 } from './encode.js';
import { Unsupported } from './expr.js';
import { MXCSR_DIFF } from '../../semantics/simd/fastfp.js';
import { MXCSR_DIFF_LOCAL, RegionCompiler, XR_UNSET_HI } from './region.js';
import { isJumpTo, parseStatements, type Stmt } from './statements.js';
import { nowMs } from '../clock.js';

/** Instructions that access the stack (with those whose memory operand is based on RSP). */
const STACK_MNEMONICS = new Set(['push', 'pop', 'call', 'ret', 'leave']);

/** What the engine needs to run a compiled region. */
export interface WasmRegion {
  /** Run the region with the FS and GS base halves and RFLAGS; see compileRegionWasm for the result. */
  run: (fsLo: number, fsHi: number, gsLo: number, gsHi: number, eflags: number, mxcsr: number, entry: number) => number;
  /** The module (for --dump-js). */
  wasm: Uint8Array;
}

/** Compile an emitted region to wasm, or throw Unsupported. */
export function compileRegionWasm(r: EmittedRegion, L: WasmLayout, memory: WebAssembly.Memory, calls: RuntimeCalls,
  times: { frontMs: number; v8Ms: number }): WasmRegion {
  const t0 = nowMs();
  let bytes: Uint8Array;
  try {
    bytes = regionModule(r, L);
  } finally {
    times.frontMs += nowMs() - t0;
  }
  const t1 = nowMs();
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { mem: memory, rt: calls.rt, chunk: calls.chunk } });
  times.v8Ms += nowMs() - t1;
  return { run: inst.exports.run as WasmRegion['run'], wasm: bytes };
}

/** The region's wasm module (imports m.mem, m.rt, m.chunk; exports run), or throw Unsupported. */
function regionModule(r: EmittedRegion, L: WasmLayout): Uint8Array {
  const { st, body, cases } = r;
  // Resolved as one text, so the region-wide decisions (xmm lanes in locals) are the JS region's. An
  // instruction that calls a helper becomes a slow exit at it (`k` names it): the engine's interpreter
  // runs it, with the state as of its start (translate.ts HELPER_INSN_OPEN).
  const CASE = '\n/*@case@*/\n';
  const text = cases.map(({ open, close }) => body.slice(open + 1, close).join('\n')).join(CASE).replace(HELPER_INSN, 'throw 0;');
  const resolved = st.resolve(text, true).split(CASE);
  let writesEflags = false;
  const usesMxcsrDiff = resolved.some((t) => t.includes(MXCSR_DIFF));
  const caseStmts = resolved.map((caseText) => {
    if (/\bcpu\.mxcsr\s*[|&^]?=(?!=)/.test(caseText)) throw new Unsupported('writes cpu.mxcsr');
    if (/\bcpu\.eflags\s*[|&^]?=(?!=)/.test(caseText)) writesEflags = true;
    // The SSE fast paths' MXCSR test reads a local computed where MXCSR can change (RegionCompiler.mxcsrDiff).
    const text = caseText.split(MXCSR_DIFF).join(MXCSR_DIFF_LOCAL)
      .replace(/\bcpu\.(?:[fg]sBase(?:Lo|Hi)|eflags|mxcsr)\b/g, (f) => SEGMENT_FIELDS[f]);
    const outside = /\bcpu\.(?!rip\s*=|xmm(?:F64|F32)?\[|ccOp =[^=])\w+|\bH\.|HANDLERS|CACHE|\bR\[|\bCC\[(?!\d+\] =[^=])|\bX\[|\bI\[/.exec(text);
    if (outside) throw new Unsupported(`state outside the register locals: '${outside[0]}'`);
    return parseStatements(text);
  });
  // A region that reaches the xmm file through the typed views only, at constant indexes, keeps the
  // registers it names in v128 locals: an FP chain then runs in registers, not through memory (the
  // runtime primitives on the slow sides get the file in memory around their calls). If that fails
  // (a form the promotion does not cover), the region is compiled again with the file in memory.
  const all = resolved.join('\n');
  if ((st.xmmLocals?.used.length ?? 0) === 0 && all.includes('cpu.xmm') && !XMM_VIEW_COMPUTED.test(all)) {
    const regs = new Set<number>(), written = new Set<number>();
    for (const m of all.matchAll(XMM_VIEW)) regs.add(m[1] === 'F64' ? Number(m[2]) >> 1 : Number(m[2]) >> 2);
    for (const m of all.matchAll(XMM_VIEW_STORE)) written.add(m[1] === 'F64' ? Number(m[2]) >> 1 : Number(m[2]) >> 2);
    try {
      return compileCases(r, L, caseStmts, writesEflags, usesMxcsrDiff, [...regs].sort((a, b) => a - b), [...written]);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
    }
  }
  return compileCases(r, L, caseStmts, writesEflags, usesMxcsrDiff, null, []);
}
const reEscape = (x: string) => x.replace(/[*/@]/g, '\\$&');
const HELPER_INSN = new RegExp(`${reEscape(HELPER_INSN_OPEN)}[^]*?${reEscape(HELPER_INSN_CLOSE)}`, 'g');
const XMM_VIEW = /\bcpu\.xmm(F64|F32)?\[(\d+)\]/g;
const XMM_VIEW_STORE = /\bcpu\.xmm(F64|F32)?\[(\d+)\]\s*=(?!=)/g;
const XMM_VIEW_COMPUTED = /\bcpu\.xmm(?:F64|F32)?\[(?!\d+\])/;

/** Whether case n's statements jump to case n itself (statements.ts isJumpTo). */
function jumpsToItself(list: Stmt[], n: number): boolean {
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    if (isJumpTo(list, i, n)) return true;
    if (s.t === 'if' && (jumpsToItself(s.then, n) || (s.else !== null && jumpsToItself(s.else, n)))) return true;
    if ((s.t === 'block' || s.t === 'while') && jumpsToItself(s.body, n)) return true;
  }
  return false;
}

/** The module of a region whose case statements are parsed; xmmFile: see RegionCompiler.xmmFile. */
function compileCases(r: EmittedRegion, L: WasmLayout, caseStmts: Stmt[][], writesEflags: boolean, usesMxcsrDiff: boolean,
  xmmFile: number[] | null, xmmFileWritten: number[]): Uint8Array {
  const { st, cases } = r;
  const rc = new RegionCompiler(L, xmmFile);
  rc.xmmFileWritten = xmmFileWritten;
  rc.usesMxcsrDiff = usesMxcsrDiff;
  rc.mem.stackCache = r.flat.filter((i) => STACK_MNEMONICS.has(i.mnem) || i.base === 4).length >= 4;
  if (st.flagsDeferred) { rc.declare('fpm', 'i32'); rc.declare('fpv', 'i32'); }
  const regs = [...st.regsUsed].sort((a, b) => a - b);
  // Each GPR is an i64 local; its halves r{n}l / r{n}h (the names the JavaScript uses) are views of it.
  for (const reg of regs) {
    const v = rc.local(I64);
    rc.gprs.set(reg, v);
    rc.declareHalf(`r${reg}l`, v, 0); rc.declareHalf(`r${reg}h`, v, 1);
  }
  const xmm = st.xmmLocals ?? { used: [], written: [] };
  // Each xmm register the region names a lane of is a v128 local; its lanes are x{4n+k}.
  for (const n of xmm.used) {
    let v = rc.xmmRegs.get(n >> 2);
    if (v === undefined) rc.xmmRegs.set(n >> 2, v = rc.local(V128));
    rc.declareLane(`x${n}`, v, n & 3);
  }
  rc.writesEflags = writesEflags;
  const c = rc.code;
  // Prologue: registers the region uses, the flag record as "cpu is current", the TLB half.
  for (const [reg, v] of rc.gprs) c.i32(L.regs + 8 * reg).mem('i64.load', 3).set(v);
  for (const [r, v] of rc.xmmRegs) c.i32(L.xmm + 16 * r).simdMem('v128.load', 4).set(v);
  for (const [r, v] of rc.xmmFile ?? []) c.i32(L.xmm + 16 * r).simdMem('v128.load', 4).set(v);
  c.i32(-1).set(rc.localOf('fop'));
  c.i64(0, XR_UNSET_HI).set(rc.xrLocal);
  rc.mxcsrDiff();
  rc.mem.prologue();
  // (block $slow (block $exit (loop $top (block $c{n-1} ... (block $c0 br_table) case0) ... case{n-1}))) normal) slow
  rc.begin('block', 'slow');
  rc.begin('block', 'exit');
  rc.begin('loop', 'top');
  for (let n = cases.length - 1; n >= 0; n--) rc.begin('block', null);
  c.get(rc.localOf('pc')).brTable(cases.map((_, n) => n), cases.length - 1);
  for (let n = 0; n < cases.length; n++) {
    rc.end();
    rc.mem.planAnchors(caseStmts[n]);
    // A block that jumps to its own start runs inside a wasm loop of its own (RegionCompiler.selfCase).
    if (jumpsToItself(caseStmts[n], n)) {
      rc.begin('loop', 'self');
      rc.selfCase = n;
      rc.statements(caseStmts[n]);
      rc.selfCase = -1;
      rc.end();
    } else {
      rc.statements(caseStmts[n]);
    }
  }
  c.op('unreachable');
  rc.end(); // loop
  rc.end(); // exit
  // Normal exit: done += xn; RIP from xr unless an instruction set it; write back; return done.
  const done = rc.localOf('done');
  c.get(done).get(rc.localOf('xn')).op('i32.add').set(done);
  c.get(rc.xrLocal).i64(0, XR_UNSET_HI).op('i64.ne').begin('if').i32(L.exit + EXIT_RIP).get(rc.xrLocal).mem('i64.store', 3).end();
  rc.writeBack([...st.regsWritten], xmm.written, writesEflags);
  c.get(done).op('return');
  rc.end(); // slow
  rc.writeBack([...st.regsWritten], xmm.written, writesEflags);
  c.i32(L.exit + EXIT_DONE).get(done).mem('i32.store', 2);
  c.i32(-1).get(rc.localOf('k')).op('i32.sub');
  const m = new ModuleBuilder();
  m.importMemory('m', 'mem', L.pages, L.pages, true); // runtime/memory.ts: a shared memory
  m.table([m.importFuncrefGlobal('m', 'rt'), m.importFuncrefGlobal('m', 'chunk')]); // SLOT_RT, SLOT_CHUNK
  if (m.type(new Array(RT_TYPE_PARAMS).fill(I32), [I32]) !== TYPE_RT || m.type(new Array(CHUNK_TYPE_PARAMS).fill(I32), [I32]) !== TYPE_CHUNK) {
    throw new Error('ringjit internal error: region module type indices');
  }
  const head = r.flat[0].addr;
  m.func(m.type(new Array(REGION_PARAMS).fill(I32), [I32]), rc.localTypes, c, 'run', 'blk_' + (head < 0 ? 'k' + (-head).toString(16) : head.toString(16)));
  return m.bytes();
}
