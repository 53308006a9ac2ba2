// Region -> WebAssembly (the translator's default back end; `--no-wasm` turns it off): the region code
// the JavaScript back end assembles (translate.ts emitRegion: the one semantics, baked per
// instruction), compiled to a wasm function instead. Registers, flag record, xmm file and TLB live in
// the wasm memory that also holds guest physical memory (PhysicalMemory's wasm mode), so generated
// code reaches all of them with plain loads (the layout and exit slots: abi.ts).
//
// This file compiles the statements of a case: the dialect the block emitter writes (statements.ts:
// `let`/`const`, assignments, `if`, `while`, the region's `continue region` / `break region`
// transfers, `throw`, M.rdN/M.wrN accesses, stores to the xmm file); expressions go through expr.ts,
// which keeps JavaScript's meaning. module.ts puts the cases in the region's frame; memory.ts emits
// the guest memory accesses (the inline TLB lookup, rep movs/stosb chunks with memory.copy/fill);
// pairs.ts 64-bit values as i64 (the GPRs, the semantics' @i64 markers); vector.ts xmm registers as
// v128 values (whole-register moves, the @v128 and @v128shuffle markers); wide.ts the 64-bit
// primitives as i64 code. The SSE floating-point primitives and wider rep stos
// chunks are runtime calls (abi.ts RT_CALLS, ChunkCall, RuntimeCalls). An instruction that calls a
// helper is a slow exit (module.ts), which the dispatcher has the engine run. A region with anything
// else (x87 state, flags read from an earlier block's record) is refused and stays JavaScript; --stats
// and RINGJIT_WASM_WHY say why.
//
// Slow paths return instead of calling out: a TLB miss, a page-crossing access, a store to translated
// code (its TLB write tag is never set), a `throw`, or a runtime call other than those (before
// its instruction changed any state) writes the registers and flag record back as of the instruction
// (decision 5: memory accesses precede register writes) and returns -(k + 1); the engine sets RIP to
// instruction k and interprets it, and the interpreter takes the fault or the slow path. A normal
// exit returns the instructions retired and leaves the next RIP in a slot.

import { CHUNK_ARGS, EXIT_CCOP, EXIT_EFL, EXIT_EFLSET, EXIT_FPM, EXIT_FPV, EXIT_MXCSR, EXIT_RIP,
  REGION_PARAMS, RT_CALL_ARGS, RT_CALLS, SEGMENT_PARAMS, SLOT_CHUNK, SLOT_RT, TYPE_CHUNK, TYPE_RT, type WasmLayout } from './abi.js';
import { Code, F64, I32, I64, V128, type ValType } from './encode.js';
import { asBits, asF64, asTruth, type Compiled, compileExpr, type ExprEnv, getHalf, Unsupported, valTypeOf, type Variable, type View, viewLane } from './expr.js';
import { GuestAccess } from './memory.js';
import { MXCSR_FAST, MXCSR_FAST_MASK } from '../../semantics/simd/fastfp.js';
import { mul64, wide } from './wide.js';
import { getPairedHalf, op64, pairOf, pairStatements, storeValue64 } from './pairs.js';
import { buildV128, skipVectorStatements, vectorOp, wholeRegisterAssignment, wholeV128 } from './vector.js';
import { args, isJumpTo, type Stmt } from './statements.js';

// ---- code generation ----------------------------------------------------------------------------

const LOAD = /^M\.rd(8|16|32|64|128)\((.*)\)$/;
/** `view[k] = e` for the typed views of RegionCompiler.views. */
const VIEW_STORE = /^(cpu\.xmm(?:F64|F32)?|rt\.SRC(?:F64|F32)?|rt\.OUT|CC)\[(\d+)\]\s*=(?!=)\s*(.*)$/s;
/** The 64-bit shift and 64x64 -> 128 multiply primitives (semantics/prims.ts), compiled to i64 code. */
const WIDE = /^(let\s+)?(?:([A-Za-z_$][\w$]*)\s*=\s*)?rt\.(shl64|shr64|sar64|mulu64|muls64)\((.*)\)$/s;
/** A runtime call the back end does not compile (it becomes the slow exit where that is allowed). */
const RUNTIME_CALL = /\brt\.(?!(?:ctz64|clz64|popcnt32)\()\w+\(/;
/** Locals of the region's control flow, not guest state. */
const CONTROL_LOCALS = new Set(['k', 'done', 'pc', 'xr', 'xn']);
const STORE = /^M\.wr(8|16|32|64|128)\((.*)\)$/;
/** `[let] name op= e` (op: = += -= &= |= ^= <<= >>= >>>=). */
const ASSIGNMENT = /^(let\s+)?([A-Za-z_$][\w$]*|cpu\.rip)\s*((?:[-+&|^]|<<|>>>?)?=)\s*(.*)$/s;
/** The emitter's temporaries (t<instruction>_<n>): not guest state. */
const TEMPORARY = /^t\d+_\d+$/;
const NAME = /^[A-Za-z_$][\w$]*$/;
const NAMES = /\b[A-Za-z_$][\w$]*\b/g;
/** The high half of the exit RIP local while no instruction chose the next RIP (the JavaScript's xr =
 * NaN): 0x8000000000000000, never a canonical address. */
export const XR_UNSET_HI = 0x80000000 | 0;
/** `t >> 31` of a temporary. */
const SIGN_OF = /^(t\d+_\d+) >> 31$/;
const RIP_SPLIT = /^\(?\s*(\w+) \* 4294967296 \+ \((\w+) >>> 0\)\s*\)?$/;

/** The local that holds the SSE fast paths' MXCSR test (RegionCompiler.mxcsrDiff). */
export const MXCSR_DIFF_LOCAL = 'mxcsrdiff';

export class RegionCompiler {
  readonly code = new Code();
  private readonly locals: ValType[] = [];
  readonly vars = new Map<string, Variable>();
  /** Labels enclosing the current position, innermost last: 'top' (continue region), 'exit'
   * (break region), 'slow' (slow exit), or null for an ordinary block / if. */
  private readonly labels: (string | null)[] = [];
  private readonly xr: number;
  /** Guest memory accesses: the TLB lookup, the stack page test, rep movs/stos chunks (memory.ts). */
  readonly mem: GuestAccess;
  /** The value words of a store (evaluated before its address). */
  private readonly values: number[] = [];
  /** Typed views of wasm memory that the region's text indexes (the xmm file, the scratch slots). */
  private readonly views: Record<string, View>;
  /** The instruction being compiled (`// insn N`), and whether it has changed guest state yet (a
   * runtime call can become the slow exit only before that: the interpreter redoes the instruction). */
  private insn = 0;
  committed = false;
  private readonly env: ExprEnv;
  /** Scratch i64 locals (64-bit shifts and products). */
  readonly wides: number[] = [];
  /** Names declared by each enclosing block (scoped()). */
  private readonly scopes: string[][] = [];

  /** The xmm file in v128 locals (register -> local), or null: set for a region that reaches the xmm
   * file only through cpu.xmm / xmmF64 / xmmF32 at constant indexes (its JS region keeps them in
   * memory: runtime primitives read them there). */
  readonly xmmFile: Map<number, number> | null;
  constructor(readonly L: WasmLayout, xmmFileRegs: number[] | null = null) {
    // Parameters (wasm locals 0..4, SEGMENT_FIELDS): the FS and GS bases and RFLAGS, which the region
    // cannot change. The engine passes them on every call.
    SEGMENT_PARAMS.forEach((name, k) => this.vars.set(name, { local: k, kind: 'i32' }));
    // The last parameter: the case to start at (the head's, 0, unless the dispatcher enters the region
    // at another of its blocks).
    this.vars.set('pc', { local: SEGMENT_PARAMS.length, kind: 'i32' });
    for (const n of ['k', 'done', 'xn', 'fop', MXCSR_DIFF_LOCAL]) this.declare(n, 'i32');
    // The flag record's dst, src and aux (64-bit values: i64 locals, like the GPRs).
    for (const n of ['fd', 'fs', 'fx']) {
      const v = this.local(I64);
      this.flagRecord.push(v);
      this.declareHalf(`${n}l`, v, 0); this.declareHalf(`${n}h`, v, 1);
    }
    this.xr = this.local(I64);
    for (let k = 0; k < 4; k++) this.values.push(this.local(I32));
    for (let k = 0; k < 8; k++) this.wides.push(this.local(I64));
    this.mem = new GuestAccess(this, L);
    const x = L.xmm, sc = L.scratch;
    this.xmmFile = xmmFileRegs === null ? null : new Map(xmmFileRegs.map((r) => [r, this.local(V128)]));
    const file = this.xmmFile;
    const v128 = file === null ? undefined : (r: number) => {
      const v = file.get(r);
      if (v === undefined) throw new Error(`xmm${r} not among the region's registers`);
      return v;
    };
    this.views = {
      'cpu.xmm': { base: x, type: 'i32', v128 }, 'cpu.xmmF64': { base: x, type: 'f64', v128 }, 'cpu.xmmF32': { base: x, type: 'f32', v128 },
      'rt.SRC': { base: sc, type: 'i32' }, 'rt.SRCF64': { base: sc, type: 'f64' }, 'rt.SRCF32': { base: sc, type: 'f32' },
      'rt.OUT': { base: sc + 16, type: 'i32' }, 'rt.SOUT': { base: sc + 32, type: 'i32' },
      // The lazy-flag record (cpu.cc), written by FLAG_SYNC before a flag read.
      CC: { base: L.cc, type: 'i32' },
    };
    this.env = {
      vars: (name) => this.vars.get(name),
      view: (name) => this.views[name],
      slow: (c, depth) => this.slowExit(c, depth),
      call: (name, a) => {
        if (name === 'M.movsChunk' || name === 'M.stosChunk') {
          if (a.length !== CHUNK_ARGS) throw new Unsupported(`${name} arguments`);
          const size = a[name === 'M.movsChunk' ? 6 : 4];
          if (size.min === size.max && (name === 'M.movsChunk' || size.min === 1)) {
            return { kind: 'i32', min: 0, max: 4096, emit: (c) => { this.mem.inlineChunk(name === 'M.movsChunk', size.min, a); this.committed = true; } };
          }
          return {
            // A chunk is at most a page: the bytes left in the source and destination pages.
            kind: 'i32', min: 0, max: 4096,
            emit: (c) => {
              c.i32(name === 'M.movsChunk' ? 0 : 1);
              for (const v of a) asBits(v, c);
              c.i32(SLOT_CHUNK).callIndirect(TYPE_CHUNK);
              this.committed = true;
            },
          };
        }
        const id = (RT_CALLS as readonly string[]).indexOf(name.slice(3));
        if (!name.startsWith('rt.') || id < 0) return null;
        if (a.length > RT_CALL_ARGS) throw new Unsupported(`${name} arguments`);
        return {
          kind: 'i32', min: -(2 ** 31), max: 2 ** 31 - 1,
          emit: (c) => {
            // RFLAGS as the region has it, for the call to see (RtCall copies it to the Cpu).
            if (this.writesEflags) {
              c.i32(L.exit + EXIT_EFL).get(this.localOf('efl')).mem('i32.store', 2);
              c.i32(L.exit + EXIT_EFLSET).i32(1).mem('i32.store', 2);
            }
            // The SSE primitives read and write the xmm file in memory (rt.cond / rt.eflags do not).
            const spill = this.xmmFile !== null && id > 1;
            if (spill) for (const [r, v] of this.xmmFile!) c.i32(L.xmm + 16 * r).get(v).simdMem('v128.store', 4);
            c.i32(id);
            for (const v of a) asBits(v, c);
            for (let k = a.length; k < RT_CALL_ARGS; k++) c.i32(0);
            c.i32(SLOT_RT).callIndirect(TYPE_RT);
            if (spill) for (const [r, v] of this.xmmFile!) c.i32(L.xmm + 16 * r).simdMem('v128.load', 4).set(v);
            // MXCSR as the primitive left it (sticky flags), for the rest of the region.
            c.i32(L.exit + EXIT_MXCSR).mem('i32.load', 2).set(this.localOf('mxcsr'));
            this.mxcsrDiff();
            this.committed = true;
          },
        };
      },
    };
  }

  /** Leave by the slow exit at the current instruction (k = insn), `depth` blocks inside the current
   * position. Only while the instruction has changed nothing: the interpreter runs all of it. */
  slowExit(c: Code, depth = 0): void {
    if (this.committed) throw new Unsupported('runtime call after the instruction changed state');
    c.i32(this.insn).set(this.localOf('k')).opU('br', this.depthOf('slow') + depth);
  }

  local(t: ValType): number { this.locals.push(t); return REGION_PARAMS + this.locals.length - 1; }
  /** Whether the region's text reads MXCSR_DIFF_LOCAL (set by module.ts). */
  usesMxcsrDiff = false;
  /**
   * MXCSR_DIFF_LOCAL = the SSE fast paths' test of MXCSR (fastfp.ts MXCSR_DIFF, zero when MXCSR is
   * "fast"), computed at entry and after each runtime call, the only places the region's MXCSR changes
   * (a region that writes it is refused): each fast path then tests a local (nbody: 4 of the ~15
   * instructions of an arithmetic instruction's test).
   */
  mxcsrDiff(): void {
    if (!this.usesMxcsrDiff) return;
    this.code.get(this.localOf('mxcsr')).i32(MXCSR_FAST_MASK).op('i32.and').i32(MXCSR_FAST).op('i32.xor').set(this.localOf(MXCSR_DIFF_LOCAL));
  }
  declare(name: string, kind: Variable['kind'], min?: number, max?: number): Variable {
    if (this.vars.has(name)) throw new Unsupported(`${name} declared twice`);
    if (this.scopes.length) this.scopes[this.scopes.length - 1].push(name);
    const v: Variable = { local: this.local(valTypeOf(kind)), kind, min, max };
    this.vars.set(name, v);
    return v;
  }
  /** A name for lane k of the v128 local v (see Variable.lane). */
  declareLane(name: string, v: number, k: number): Variable {
    if (this.vars.has(name)) throw new Unsupported(`${name} declared twice`);
    if (this.scopes.length) this.scopes[this.scopes.length - 1].push(name);
    const x: Variable = { local: -1, kind: 'i32', lane: { v, k } };
    this.vars.set(name, x);
    return x;
  }
  /** A name for half k of the i64 local v (see Variable.half). */
  declareHalf(name: string, v: number, k: 0 | 1): Variable {
    if (this.vars.has(name)) throw new Unsupported(`${name} declared twice`);
    if (this.scopes.length) this.scopes[this.scopes.length - 1].push(name);
    const x: Variable = { local: -1, kind: 'i32', half: { v, k } };
    this.vars.set(name, x);
    return x;
  }
  /** The i64 locals of the flag record's dst, src, aux (halves fdl/fdh ...: CC[0..5]). */
  private readonly flagRecord: number[] = [];
  /** The GPRs the region uses: register number -> its i64 local (halves r{n}l, r{n}h). */
  readonly gprs = new Map<number, number>();
  /** The xmm registers the region keeps in v128 locals (its lanes x{4n+k} are lanes of them): register
   * number -> local. */
  readonly xmmRegs = new Map<number, number>();
  /** v = the int32 that `value` pushes (a lane of a v128 local: replace_lane). */
  assign(v: Variable, value: (c: Code) => void): void {
    const c = this.code;
    if (v.lane) { c.get(v.lane.v); value(c); c.simd('i32x4.replace_lane', v.lane.k).set(v.lane.v); return; }
    if (v.half) {
      // The other half's bits stay; this one's are replaced.
      const { v: w, k } = v.half;
      c.get(w).i64(k === 0 ? 0 : -1, k === 0 ? -1 : 0).op('i64.and');
      value(c); c.op('i64.extend_i32_u');
      if (k === 1) c.i64(32, 0).op('i64.shl');
      c.op('i64.or').set(w);
      return;
    }
    value(c); c.set(v.local);
  }
  /** The v128 local of the last 16-byte load (its words are lanes of it: M.hi ... M.hi3), or -1. */
  private last128 = -1;
  /** The i64 local of the last 8-byte load (M.hi is its high half), or -1. */
  private last64 = -1;
  get localTypes(): ValType[] { return this.locals; }
  private lookup = (name: string) => this.vars.get(name);
  /** The wasm local of a declared variable. */
  localOf(name: string): number {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no variable ${name}`);
    return v.local;
  }
  expr(text: string): Compiled { return compileExpr(text, this.env); }
  depthOf(label: string): number {
    for (let k = this.labels.length - 1; k >= 0; k--) if (this.labels[k] === label) return this.labels.length - 1 - k;
    throw new Error(`no enclosing ${label}`);
  }
  begin(kind: 'block' | 'loop' | 'if', label: string | null, type?: ValType): void { this.code.begin(kind, type); this.labels.push(label); }
  end(): void { this.code.end(); this.labels.pop(); }

  statements(list: Stmt[]): void {
    // A 64-bit product computed on 16-bit limbs for JavaScript (alu.ts mulLow64) is one i64.mul here:
    // the limb temporaries before its marker are skipped, and the marker defines its two halves.
    for (const s of list) if (s.t === 'mul64') for (const n of [...s.temps, s.lo, s.hi]) this.skipLets.add(n);
    for (const s of list) if (s.t === 'v128mask') this.skipLets.add(s.name);
    // A 64-bit operation the semantics marked (Emitter.mark64) is one i64 operation: its statements
    // (before the marker) are skipped, and the marker defines the halves.
    for (const s of list) if (s.t === 'i64') for (const n of [...s.temps, s.lo, s.hi]) this.skipLets.add(n);
    // A lane-wise SWAR operation or a lane permutation is one SIMD instruction (vector.ts).
    skipVectorStatements(this, list);
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (this.skipStmts.has(s)) continue;
      // A block's jump to its own start, inside the loop of its own case (see selfCase): no br_table.
      if (this.selfCase >= 0 && isJumpTo(list, i, this.selfCase)) { this.code.opU('br', this.depthOf('self')); continue; }
      // (Tried only where an xmm lane assignment starts: the test costs a regular expression.)
      if (s.t === 'simple' && ((s.text.charCodeAt(0) === 120 && this.xmmRegs.size > 0) || s.text.startsWith('cpu.xmm['))) {
        const n = wholeRegisterAssignment(this, list, i);
        if (n > 0) { i += n - 1; continue; }
      }
      // Both halves of a 64-bit value at once (a register write, a copy of a register).
      if (s.t === 'simple' && i + 1 < list.length) {
        const n = pairStatements(this, list, i);
        if (n > 0) { i += n - 1; continue; }
      }
      this.statement(s);
    }
  }
  /**
   * The case being compiled inside a wasm loop of its own (module.ts), or -1: a block that jumps back
   * to its own start (a one-block loop: strlen's, memset's) branches to that loop directly, instead
   * of through the region loop's br_table, whose header joins every local the region assigns.
   */
  selfCase = -1;
  /** Statements another form computes (v128). */
  readonly skipStmts = new Set<Stmt>();
  private v128Scratch = -1;
  /** A v128 local for one statement's intermediate value. */
  get v128Local(): number {
    if (this.v128Scratch < 0) this.v128Scratch = this.local(V128);
    return this.v128Scratch;
  }
  /** `let` names whose statements another form computes (mul64, i64). */
  readonly skipLets = new Set<string>();
  /** A block's statements: the names they declare go out of scope at its end (JS let/const). */
  private scoped(list: Stmt[]): void {
    this.scopes.push([]);
    this.statements(list);
    for (const name of this.scopes.pop()!) this.vars.delete(name);
  }

  private statement(s: Stmt): void {
    if (s.t === 'insn') { this.insn = s.n; this.committed = false; return; }
    if (s.t === 'mul64') { mul64(this, s.lo, s.hi, s.args); return; }
    if (s.t === 'i64') { op64(this, s); return; }
    if (s.t === 'v128') { vectorOp(this, s.op, s.dst, s.src); return; }
    if (s.t === 'v128shuffle') { vectorOp(this, null, s.dst, s.src, s.bytes); return; }
    if (s.t === 'v128mask') {
      // The top bit of each of the 16 bytes: i8x16.bitmask.
      buildV128(this, s.src);
      this.code.simd('i8x16.bitmask').set(this.declare(s.name, 'i32', 0, 65535).local);
      return;
    }
    if (s.t === 'block') { this.scoped(s.body); return; }
    if (s.t === 'while') {
      // (block $break (loop $continue (br_if $break (not cond)) body (br $continue))). A runtime call
      // in the body would see state changed by earlier iterations: count the loop as changing state.
      this.committed = true;
      this.begin('block', 'wbreak');
      this.begin('loop', 'wcont');
      asTruth(this.expr(s.cond), this.code);
      this.code.op('i32.eqz').opU('br_if', this.depthOf('wbreak'));
      this.scoped(s.body);
      this.code.opU('br', this.depthOf('wcont'));
      this.end();
      this.end();
      return;
    }
    if (s.t === 'if') {
      // `if (rt.f(...) !== 0) throw`: the exact primitive of an SSE fast path's slow side (it may set
      // MXCSR flags or fault): the interpreter runs the instruction instead.
      let cond: Compiled;
      try {
        cond = this.expr(s.cond);
      } catch (e) {
        if (!(e instanceof Unsupported) || !RUNTIME_CALL.test(s.cond) || s.else || s.then.length !== 1 || s.then[0].t !== 'simple' || !s.then[0].text.startsWith('throw ')) throw e;
        this.slowExit(this.code);
        return;
      }
      asTruth(cond, this.code);
      this.begin('if', null);
      const before = this.committed;
      this.scoped(s.then);
      const afterThen = this.committed;
      this.committed = before;
      if (s.else) { this.code.op('else'); this.scoped(s.else); }
      this.committed ||= afterThen;
      this.end();
      return;
    }
    const text = s.text;
    if (text === 'continue region') { this.code.opU('br', this.depthOf('top')); return; }
    if (text === 'break region') { this.code.opU('br', this.depthOf('exit')); return; }
    if (text === 'continue') { this.code.opU('br', this.depthOf('wcont')); return; }
    if (text === 'break') { this.code.opU('br', this.depthOf('wbreak')); return; }
    if (text.startsWith('const ')) {
      // const a = x, b = y: each a `let` (the names are block-scoped and never reassigned).
      for (const d of args(text.slice(6))) this.statement({ t: 'simple', text: `let ${d}` });
      return;
    }
    if (text.startsWith('throw ')) { this.code.opU('br', this.depthOf('slow')); return; }
    if (text.startsWith('cpu.ccOp =')) {
      // The lazy-flag record's kind (FLAG_SYNC before a flag read; 0 once RFLAGS holds the status
      // flags, after comis or a merge): the exit's ccOp slot, which the engine and the runtime calls
      // copy to the Cpu (RtCall), unless a later flag producer of the region overwrites it.
      this.code.i32(this.L.exit + EXIT_CCOP);
      asBits(this.expr(text.slice('cpu.ccOp ='.length)), this.code);
      this.code.mem('i32.store', 2);
      this.committed = true;
      return;
    }
    // The special forms by their first characters (most statements are `let t = e` or `r = e`).
    let m = text.startsWith('M.wr') ? STORE.exec(text) : null;
    if (m) { this.store(Number(m[1]) / 8, args(m[2])); this.committed = true; return; }
    m = text.startsWith('cpu.xmm') || text.startsWith('rt.') || text.startsWith('CC[') ? VIEW_STORE.exec(text) : null;
    if (m) { this.viewStore(m[1], Number(m[2]), m[3]); return; }
    m = text.includes('rt.') ? WIDE.exec(text) : null;
    if (m) { wide(this, m[1], m[2], m[3], args(m[4])); return; }
    m = ASSIGNMENT.exec(text);
    if (!m) throw new Unsupported(`statement '${text.slice(0, 40)}'`);
    const [, isLet, name, op, rhs0] = m;
    if (isLet && this.skipLets.has(name)) return;
    if (!isLet && !CONTROL_LOCALS.has(name) && !TEMPORARY.test(name)) this.committed = true;
    // x op= e is x = x op (e) (done += n is kept apart: its range is checked below).
    const rhs = op.length > 1 && op !== '+=' ? `${name} ${op.slice(0, -1)} (${rhs0})` : rhs0;
    if (name === 'cpu.rip') { this.rip(rhs); return; }
    if (name === 'xr') {
      // NaN (RIP already set): XR_UNSET.
      if (rhs === 'NaN') this.code.i64(0, XR_UNSET_HI); else if (/^-?\d+$/.test(rhs)) this.ripConst(Number(rhs)); else throw new Unsupported('xr');
      this.code.set(this.xr);
      return;
    }
    const load = rhs.startsWith('M.rd') ? LOAD.exec(rhs) : null;
    if (load) {
      if (!isLet) throw new Unsupported('load into an existing variable');
      const size = Number(load[1]) / 8;
      this.last128 = -1; this.last64 = -1;
      if (size === 16 || size === 8) {
        // One v128.load / i64.load: the value's words are lanes of it (M.hi ... M.hi3 below), its
        // halves the name and M.hi.
        const v = this.local(size === 16 ? V128 : I64);
        this.load(size, args(load[2]), v);
        if (size === 16) { this.declareLane(name, v, 0); this.last128 = v; } else { this.declareHalf(name, v, 0); this.last64 = v; }
        return;
      }
      this.load(size, args(load[2]), this.declare(name, 'i32').local);
      return;
    }
    const hiIndex = rhs === 'M.hi' ? 1 : rhs === 'M.hi2' ? 2 : rhs === 'M.hi3' ? 3 : 0;
    if (hiIndex > 0) {
      if (!isLet) throw new Unsupported('M.hi into an existing variable');
      if (this.last128 >= 0) { this.declareLane(name, this.last128, hiIndex); return; }
      if (hiIndex > 1) throw new Unsupported('M.hi2 without a 16-byte load');
      if (this.last64 < 0) throw new Unsupported('M.hi without an 8-byte load');
      this.declareHalf(name, this.last64, 1);
      return;
    }
    if (op === '+=') {
      const v = this.vars.get(name);
      if (!v || v.kind !== 'i32' || v.lane || v.half) throw new Unsupported(`+= on ${name}`);
      const e = this.expr(`${name} + (${rhs})`);
      if (e.min < -(2 ** 31) || e.max > 2 ** 31 - 1) {
        // done += n: a count far below 2^31 in practice; the JS is exact, so keep the int32 only when
        // it cannot wrap: done is bounded by the region budget plus a block.
        if (name !== 'done') throw new Unsupported(`${name} += may leave int32`);
      }
      asBits(e, this.code); this.code.set(v.local);
      return;
    }
    const e = this.expr(rhs);
    if (isLet) {
      const sign = SIGN_OF.exec(rhs);
      if (sign) this.signOf.set(name, sign[1]);
      const v = this.declare(name, e.kind, e.min, e.max);
      if (this.stackDerived(rhs)) this.stackVars.add(name);
      v.negz = e.negz;
      e.emit(this.code); this.code.set(v.local);
      return;
    }
    const v = this.vars.get(name);
    if (!v) throw new Unsupported(`assignment to ${name}`);
    // A variable declared with a narrower range (a `let` temporary) must stay within it.
    if (v.min !== undefined && v.max !== undefined && (e.min < v.min || e.max > v.max)) throw new Unsupported(`${name} leaves its range`);
    if (v.kind === 'i32') {
      // The variable keeps JS's value only if the new value is an int32 number.
      if (e.kind === 'bool' || e.kind === 'f64' || e.negz || e.min < -(2 ** 31) || e.max > 2 ** 31 - 1) throw new Unsupported(`${name} = non-int32 '${rhs}'`);
      this.assign(v, (c) => asBits(e, c));
      return;
    }
    if (v.kind !== e.kind || (v.kind === 'int' && (e.min < v.min! || e.max > v.max!))) throw new Unsupported(`${name} changes kind`);
    e.emit(this.code); this.code.set(v.local);
  }

  /** `view[k] = e`: a store to the xmm file (guest state) or to a scratch slot. JS converts the value
   * as the typed array does: ToInt32, or to a double (and then to the nearest float). */
  private viewStore(name: string, k: number, rhs: string): void {
    const view = this.views[name], c = this.code, e = this.expr(rhs);
    if (view.v128) {
      const { v, lane } = viewLane(view, k);
      c.get(v);
      if (view.type === 'i32') { asBits(e, c); c.simd('i32x4.replace_lane', lane); }
      else if (view.type === 'f64') { asF64(e, c); c.simd('f64x2.replace_lane', lane); }
      else { asF64(e, c); c.op('f32.demote_f64').simd('f32x4.replace_lane', lane); }
      c.set(v);
      this.committed = true;
      return;
    }
    if (view.type === 'i32') { c.i32(view.base + 4 * k); asBits(e, c); c.mem('i32.store', 2); }
    else if (view.type === 'f64') { c.i32(view.base + 8 * k); asF64(e, c); c.mem('f64.store', 3); }
    else { c.i32(view.base + 4 * k); asF64(e, c); c.op('f32.demote_f64').mem('f32.store', 2); }
    if (!name.startsWith('rt.')) this.committed = true;
  }

  private rip(rhs: string): void {
    const m = RIP_SPLIT.exec(rhs);
    const c = this.code;
    c.i32(this.L.exit + EXIT_RIP);
    if (m) {
      const hi = this.vars.get(m[1]), lo = this.vars.get(m[2]);
      if (!hi || !lo || hi.kind !== 'i32' || lo.kind !== 'i32' || hi.lane || lo.lane) throw new Unsupported('cpu.rip halves');
      const pair = getPairedHalf(lo, hi);
      if (pair >= 0) c.get(pair);
      else {
        this.getVar(lo); c.op('i64.extend_i32_u');
        this.getVar(hi); c.op('i64.extend_i32_u').i64(32, 0).op('i64.shl').op('i64.or');
      }
    } else if (/^-?\d+$/.test(rhs)) {
      this.ripConst(Number(rhs));
    } else {
      throw new Unsupported(`cpu.rip = ${rhs.slice(0, 30)}`);
    }
    c.mem('i64.store', 3);
  }
  /** i64.const of an address (an exact integer number). */
  private ripConst(n: number): void {
    if (!Number.isSafeInteger(n)) throw new Unsupported(`RIP ${n}`);
    this.code.i64(n % 4294967296 | 0, Math.floor(n / 4294967296) | 0);
  }

  /** Push an int32 variable's value. */
  getVar(v: Variable): void {
    if (v.half) getHalf(this.code, v.half.v, v.half.k);
    else if (v.lane) this.code.get(v.lane.v).simd('i32x4.extract_lane', v.lane.k);
    else this.code.get(v.local);
  }
  /** Whether an expression's value derives from RSP (its halves, or temporaries computed from them). */
  stackDerived(text: string): boolean {
    // Only the stack page test (stackCache) asks; without it, nothing to track.
    if (!this.mem.stackCache) return false;
    if (NAME.test(text)) return text === 'r4l' || text === 'r4h' || this.stackVars.has(text);
    for (const m of text.matchAll(NAMES)) if (m[0] === 'r4l' || m[0] === 'r4h' || this.stackVars.has(m[0])) return true;
    return false;
  }
  readonly stackVars = new Set<string>();
  /** Temporaries declared as `t >> 31` of another temporary t (the high half of a sign extension). */
  readonly signOf = new Map<string, string>();
  /** The region writes RFLAGS (its parameter local holds the current value). */
  writesEflags = false;

  private address(a: string[]): void {
    // An address the region holds as an i64 (an effective address, a register): its TLB tag compare
    // is one i64 compare.
    const p = pairOf(this, a[0], a[1]);
    this.mem.addr64 = p;
    this.mem.site = p >= 0 ? this.mem.derivedOf(p) ?? null : null;
    asBits(this.expr(a[0]), this.code); this.code.set(this.mem.addrLo);
    asBits(this.expr(a[1]), this.code); this.code.set(this.mem.addrHi);
  }
  private load(size: number, a: string[], into: number): void {
    if (a.length !== 2) throw new Unsupported('load arguments');
    this.address(a);
    const c = this.code, g = this.L.guestBase;
    this.mem.translate(size, 0, this.stackDerived(a[0]));
    if (size === 16) { c.simdMem('v128.load', 0, g).set(into); return; }
    if (size === 8) { c.mem('i64.load', 0, g).set(into); return; }
    c.mem(size === 1 ? 'i32.load8_u' : size === 2 ? 'i32.load16_u' : 'i32.load', 0, g).set(into);
  }
  private store(size: number, a: string[]): void {
    const words = Math.max(1, size / 4);
    if (a.length !== 2 + words) throw new Unsupported('store arguments');
    // The value first (JS evaluates arguments left to right, and they are pure), then the address.
    const whole = size === 16 ? wholeV128(this, a.slice(2)) : -1;
    // A 64-bit value the region holds as an i64 (or a constant): one i64.store.
    const value64 = size === 8 ? storeValue64(this, a[2], a[3]) : -1;
    if (value64 >= 0) {
      this.address(a);
      this.mem.translate(size, 8, this.stackDerived(a[0]));
      this.code.get(value64).mem('i64.store', 0, this.L.guestBase);
      return;
    }
    if (whole < 0) for (let k = 0; k < words; k++) { asBits(this.expr(a[2 + k]), this.code); this.code.set(this.values[k]); }
    this.address(a);
    const c = this.code, g = this.L.guestBase;
    this.mem.translate(size, 8, this.stackDerived(a[0]));
    const p = this.mem.entry;
    c.set(p);
    if (whole >= 0) { c.get(p).get(whole).simdMem('v128.store', 0, g); return; }
    if (size >= 8) {
      for (let k = 0; k < words; k++) c.get(p).get(this.values[k]).mem('i32.store', 0, g + 4 * k);
      return;
    }
    c.get(p).get(this.values[0]).mem(size === 1 ? 'i32.store8' : size === 2 ? 'i32.store16' : 'i32.store', 0, g);
  }

  /** Registers the region assigns (GPRs, xmm lanes, RFLAGS) and the flag record, back to memory. */
  writeBack(regsWritten: number[], xmmWritten: number[], eflags: boolean): void {
    const c = this.code, L = this.L;
    if (eflags) {
      c.i32(L.exit + EXIT_EFL).get(this.localOf('efl')).mem('i32.store', 2);
      c.i32(L.exit + EXIT_EFLSET).i32(1).mem('i32.store', 2);
    }
    // Whole registers: the lanes the region never assigned still hold what the prologue loaded.
    for (const r of new Set(xmmWritten.map((n) => n >> 2))) c.i32(L.xmm + 16 * r).get(this.xmmRegs.get(r)!).simdMem('v128.store', 4);
    if (this.xmmFile !== null) for (const r of this.xmmFileWritten) c.i32(L.xmm + 16 * r).get(this.xmmFile.get(r)!).simdMem('v128.store', 4);
    for (const r of regsWritten) c.i32(L.regs + 8 * r).get(this.gprs.get(r)!).mem('i64.store', 3);
    // A pending merge goes to the exit slots (the engine applies it after the record: FLAG_MERGE_PENDING).
    const fpm = this.vars.get('fpm'), fpv = this.vars.get('fpv');
    if (fpm && fpv) {
      c.i32(L.exit + EXIT_FPM).get(fpm.local).mem('i32.store', 2);
      c.i32(L.exit + EXIT_FPV).get(fpv.local).mem('i32.store', 2);
    }
    const fop = this.vars.get('fop')!.local;
    c.get(fop).i32(0).op('i32.ge_s').begin('if');
    c.i32(L.exit + EXIT_CCOP).get(fop).mem('i32.store', 2);
    this.flagRecord.forEach((v, k) => c.i32(L.cc + 8 * k).get(v).mem('i64.store', 3));
    c.end();
  }
  /** Registers of xmmFile the region assigns (stored back at its exits). */
  xmmFileWritten: number[] = [];
  get xrLocal(): number { return this.xr; }
}
