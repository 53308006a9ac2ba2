// Region -> WebAssembly (the translator's default back end; `--no-wasm` turns it off): the region code
// the JavaScript back end assembles (translate.ts emitRegion: the one semantics, baked per
// instruction), compiled to a wasm function instead. Registers, flag record and TLB live in the wasm
// memory that also holds guest physical memory (PhysicalMemory's wasm mode), so generated code
// reaches all of them with plain loads.
//
// Statements are the dialect the block emitter writes (`let t = e;`, assignments, `if`, the region's
// `continue region` / `break region` transfers, `throw`, M.rdN/M.wrN accesses); expressions go through
// expr.ts, which keeps JavaScript's meaning. A region with anything else (helpers, SSE floating point
// or x87 state, flags read from an earlier block, doubles) is refused and stays JavaScript.
//
// Slow paths return instead of calling out: a TLB miss, a page-crossing access, a store to translated
// code (its TLB write tag is never set) or a `throw` writes the registers and flag record back as of
// the instruction (decision 5: memory accesses precede register writes) and returns -(k + 1); the
// engine sets RIP to instruction k and interprets it, and the interpreter takes the fault or the slow
// path. A normal exit returns the instructions retired and leaves the next RIP in a slot.

import { type EmittedRegion } from '../translate.js';
import { Code, F64, I32, I64, ModuleBuilder, type ValType } from './encode.js';
import { asBits, asTruth, type Compiled, compileExpr, Unsupported, type Variable } from './expr.js';

/** Byte offsets, in wasm memory, of the state a wasm region reads and writes. */
export interface WasmLayout {
  regs: number;
  cc: number;
  /** The 64 int32 lanes of xmm0..15. */
  xmm: number;
  /** i32: the current TLB half's byte offset (Mmu.tlbCurSlot), and the set mask of its hash. */
  tlbCur: number;
  tlbMask: number;
  /** i32 ccOp written at exit (-1: unchanged), i32 instructions retired before a slow exit, f64 RIP,
   * i32 mask and value of a pending status-flag merge (BlockEmitter.setEflagsBits; 0: none). */
  exit: number;
  /** Pages of the memory (its fixed size), and the byte offset of guest physical address 0 in it. */
  pages: number;
  guestBase: number;
}
export const EXIT_CCOP = 0, EXIT_DONE = 4, EXIT_RIP = 8, EXIT_FPM = 16, EXIT_FPV = 20;
/** Written by the dispatcher (dispatch.ts): the table slot of the region it called last, the
 * instructions the regions it ran retired (slow exit excluded), and how many regions it ran. */
export const EXIT_SLOT = 24, EXIT_TOTAL = 28, EXIT_COUNT = 32, EXIT_BYTES = 40;

type Stmt =
  | { t: 'simple'; text: string }
  | { t: 'if'; cond: string; then: Stmt[]; else: Stmt[] | null }
  | { t: 'block'; body: Stmt[] };

// ---- statements ---------------------------------------------------------------------------------

function parseStatements(src: string): Stmt[] {
  let p = 0;
  const ws = () => {
    for (;;) {
      for (let ch = src.charCodeAt(p); ch === 32 || ch === 10 || ch === 9 || ch === 13; ch = src.charCodeAt(p)) p++;
      if (src.startsWith('//', p)) { while (p < src.length && src[p] !== '\n') p++; continue; }
      return;
    }
  };
  /** Text up to the delimiter at depth 0 (parentheses and brackets nest; strings are skipped). */
  const until = (delims: string): string => {
    const start = p;
    let depth = 0;
    while (p < src.length) {
      const ch = src[p];
      if (ch === "'" || ch === '"') { const q = ch; p++; while (p < src.length && src[p] !== q) p += src[p] === '\\' ? 2 : 1; p++; continue; }
      if (ch === '(' || ch === '[') depth++;
      else if (ch === ')' || ch === ']') { if (depth === 0 && delims.includes(ch)) break; depth--; }
      else if (depth === 0 && delims.includes(ch)) break;
      p++;
    }
    return src.slice(start, p).trim();
  };
  const block = (): Stmt[] => {
    ws();
    if (src[p] !== '{') throw new Unsupported('expected {');
    p++;
    const body = list('}');
    p++;
    return body;
  };
  const statement = (): Stmt => {
    ws();
    if (src[p] === '{') return { t: 'block', body: block() };
    if (/^if\s*\(/.test(src.slice(p, p + 4))) {
      p = src.indexOf('(', p) + 1;
      const cond = until(')');
      p++;
      ws();
      const then = src[p] === '{' ? block() : [statement()];
      ws();
      let other: Stmt[] | null = null;
      if (/^else\b/.test(src.slice(p, p + 5))) {
        p += 4; ws();
        other = src[p] === '{' ? block() : [statement()];
      }
      return { t: 'if', cond, then, else: other };
    }
    const start = p;
    const text = until(';}');
    if (src[p] === ';') p++;
    // A '}' where a statement should start would never be consumed: refuse instead of looping.
    else if (p === start) throw new Unsupported(`unexpected '${src[p]}'`);
    return { t: 'simple', text };
  };
  const list = (end: string): Stmt[] => {
    const out: Stmt[] = [];
    for (;;) {
      ws();
      if (p >= src.length || src[p] === end) return out;
      const s = statement();
      if (s.t !== 'simple' || s.text !== '') out.push(s);
    }
  };
  const out = list('');
  if (p < src.length) throw new Unsupported('unbalanced braces');
  return out;
}

// ---- code generation ----------------------------------------------------------------------------

/**
 * The Cpu fields a region may read but never changes, and the parameter names they become: the FS/GS
 * bases (only helpers change them) and RFLAGS, read for its control bits (DF for string instructions:
 * Emitter.controlFlag; those are always current in cpu.eflags). A region that writes cpu.eflags is
 * refused, so a read never sees a value the region should have changed.
 */
const SEGMENT_FIELDS: Record<string, string> = {
  'cpu.fsBaseLo': 'fsbl', 'cpu.fsBaseHi': 'fsbh', 'cpu.gsBaseLo': 'gsbl', 'cpu.gsBaseHi': 'gsbh', 'cpu.eflags': 'efl',
};
const SEGMENT_PARAMS = Object.values(SEGMENT_FIELDS);
/** A region function's parameters (all i32: SEGMENT_FIELDS in order); it returns an i32. */
export const REGION_PARAMS = SEGMENT_PARAMS.length;
const LOAD = /^M\.rd(8|16|32|64|128)\((.*)\)$/;
const STORE = /^M\.wr(8|16|32|64|128)\((.*)\)$/;
const RIP_SPLIT = /^\(?\s*(\w+) \* 4294967296 \+ \((\w+) >>> 0\)\s*\)?$/;

/** Split call arguments at depth-0 commas. */
function args(text: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (ch === '(') depth++; else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) { out.push(text.slice(start, k).trim()); start = k + 1; }
  }
  out.push(text.slice(start).trim());
  return out;
}

class RegionCompiler {
  readonly code = new Code();
  private readonly locals: ValType[] = [];
  private readonly vars = new Map<string, Variable>();
  /** Labels enclosing the current position, innermost last: 'top' (continue region), 'exit'
   * (break region), 'slow' (slow exit), or null for an ordinary block / if. */
  private readonly labels: (string | null)[] = [];
  private readonly xr: number;
  /** M.hi, M.hi2, M.hi3: the upper words of the last 64- or 128-bit load. */
  private readonly mhi: number;
  private readonly mhi2: number;
  private readonly mhi3: number;
  private readonly tlb: number;
  private readonly addrLo: number;
  private readonly addrHi: number;
  private readonly entry: number;
  /** The value words of a store (evaluated before its address). */
  private readonly values: number[] = [];

  constructor(private readonly L: WasmLayout) {
    // Parameters (wasm locals 0..4, SEGMENT_FIELDS): the FS and GS bases and RFLAGS, which the region
    // cannot change. The engine passes them on every call.
    SEGMENT_PARAMS.forEach((name, k) => this.vars.set(name, { local: k, kind: 'i32' }));
    for (const n of ['k', 'done', 'pc', 'xn', 'fop', 'fdl', 'fdh', 'fsl', 'fsh', 'fxl', 'fxh']) this.declare(n, 'i32');
    this.xr = this.local(F64);
    this.mhi = this.local(I32);
    this.mhi2 = this.local(I32);
    this.mhi3 = this.local(I32);
    this.tlb = this.local(I32);
    this.addrLo = this.local(I32); this.addrHi = this.local(I32); this.entry = this.local(I32);
    for (let k = 0; k < 4; k++) this.values.push(this.local(I32));
  }

  local(t: ValType): number { this.locals.push(t); return SEGMENT_PARAMS.length + this.locals.length - 1; }
  declare(name: string, kind: Variable['kind'], min?: number, max?: number): Variable {
    if (this.vars.has(name)) throw new Unsupported(`${name} declared twice`);
    const v: Variable = { local: this.local(kind === 'int' ? I64 : I32), kind, min, max };
    this.vars.set(name, v);
    return v;
  }
  get localTypes(): ValType[] { return this.locals; }
  private lookup = (name: string) => this.vars.get(name);
  /** The wasm local of a declared variable. */
  localOf(name: string): number {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no variable ${name}`);
    return v.local;
  }
  expr(text: string): Compiled { return compileExpr(text, this.lookup); }
  depthOf(label: string): number {
    for (let k = this.labels.length - 1; k >= 0; k--) if (this.labels[k] === label) return this.labels.length - 1 - k;
    throw new Error(`no enclosing ${label}`);
  }
  begin(kind: 'block' | 'loop' | 'if', label: string | null): void { this.code.begin(kind); this.labels.push(label); }
  end(): void { this.code.end(); this.labels.pop(); }

  statements(list: Stmt[]): void { for (const s of list) this.statement(s); }

  private statement(s: Stmt): void {
    if (s.t === 'block') { this.statements(s.body); return; }
    if (s.t === 'if') {
      asTruth(this.expr(s.cond), this.code);
      this.begin('if', null);
      this.statements(s.then);
      if (s.else) { this.code.op('else'); this.statements(s.else); }
      this.end();
      return;
    }
    const text = s.text;
    if (text === 'continue region') { this.code.opU('br', this.depthOf('top')); return; }
    if (text === 'break region') { this.code.opU('br', this.depthOf('exit')); return; }
    if (text.startsWith('throw ')) { this.code.opU('br', this.depthOf('slow')); return; }
    let m = STORE.exec(text);
    if (m) { this.store(Number(m[1]) / 8, args(m[2])); return; }
    m = /^(let\s+)?([A-Za-z_$][\w$]*|cpu\.rip)\s*((?:[-+&|^]|<<|>>>?)?=)\s*(.*)$/s.exec(text);
    if (!m) throw new Unsupported(`statement '${text.slice(0, 40)}'`);
    const [, isLet, name, op, rhs0] = m;
    // x op= e is x = x op (e) (done += n is kept apart: its range is checked below).
    const rhs = op.length > 1 && op !== '+=' ? `${name} ${op.slice(0, -1)} (${rhs0})` : rhs0;
    if (name === 'cpu.rip') { this.rip(rhs); return; }
    if (name === 'xr') {
      if (rhs === 'NaN') this.code.f64(NaN); else if (/^-?\d+$/.test(rhs)) this.code.f64(Number(rhs)); else throw new Unsupported('xr');
      this.code.set(this.xr);
      return;
    }
    const load = LOAD.exec(rhs);
    if (load) {
      if (!isLet) throw new Unsupported('load into an existing variable');
      const v = this.declare(name, 'i32');
      this.load(Number(load[1]) / 8, args(load[2]), v.local);
      return;
    }
    const hiWord = rhs === 'M.hi' ? this.mhi : rhs === 'M.hi2' ? this.mhi2 : rhs === 'M.hi3' ? this.mhi3 : -1;
    if (hiWord >= 0) {
      if (!isLet) throw new Unsupported('M.hi into an existing variable');
      this.code.get(hiWord).set(this.declare(name, 'i32').local);
      return;
    }
    if (op === '+=') {
      const v = this.vars.get(name);
      if (!v || v.kind !== 'i32') throw new Unsupported(`+= on ${name}`);
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
      const v = this.declare(name, e.kind, e.min, e.max);
      e.emit(this.code); this.code.set(v.local);
      return;
    }
    const v = this.vars.get(name);
    if (!v) throw new Unsupported(`assignment to ${name}`);
    // A variable declared with a narrower range (a `let` temporary) must stay within it.
    if (v.min !== undefined && v.max !== undefined && (e.min < v.min || e.max > v.max)) throw new Unsupported(`${name} leaves its range`);
    if (v.kind === 'i32') {
      // The variable keeps JS's value only if the new value is an int32 number.
      if (e.kind === 'bool' || e.min < -(2 ** 31) || e.max > 2 ** 31 - 1) throw new Unsupported(`${name} = non-int32 '${rhs}'`);
      asBits(e, this.code); this.code.set(v.local);
      return;
    }
    if (v.kind !== e.kind || (v.kind === 'int' && (e.min < v.min! || e.max > v.max!))) throw new Unsupported(`${name} changes kind`);
    e.emit(this.code); this.code.set(v.local);
  }

  private rip(rhs: string): void {
    const m = RIP_SPLIT.exec(rhs);
    const c = this.code;
    c.i32(this.L.exit + EXIT_RIP);
    if (m) {
      const hi = this.vars.get(m[1]), lo = this.vars.get(m[2]);
      if (!hi || !lo || hi.kind !== 'i32' || lo.kind !== 'i32') throw new Unsupported('cpu.rip halves');
      c.get(hi.local).op('f64.convert_i32_s').f64(4294967296).op('f64.mul').get(lo.local).op('f64.convert_i32_u').op('f64.add');
    } else if (/^-?\d+$/.test(rhs)) {
      c.f64(Number(rhs));
    } else {
      throw new Unsupported(`cpu.rip = ${rhs.slice(0, 30)}`);
    }
    c.mem('f64.store', 3);
  }

  /** Leave the TLB entry's byte offset for address (addrLo, addrHi) in `entry`; branch to the slow exit
   * unless the tag at `tagOffset` matches and the access stays in the page. Then the physical address
   * is on the stack. */
  private translate(size: number, tagOffset: number): void {
    const c = this.code;
    // The set is the runtime's tlbSet (runtime/mmu.ts): ((lo >>> 12) ^ (lo >>> 22)) & mask; an entry
    // is 8 int32 words: read tag page and hi at +0/+4, write tag at +8/+12, physical page at +24.
    c.get(this.addrLo).i32(12).op('i32.shr_u').get(this.addrLo).i32(22).op('i32.shr_u').op('i32.xor')
      .i32(this.L.tlbMask).op('i32.and').i32(5).op('i32.shl').get(this.tlb).op('i32.add').set(this.entry);
    c.get(this.entry).mem('i32.load', 2, tagOffset).get(this.addrLo).i32(-4096).op('i32.and').op('i32.ne');
    c.get(this.entry).mem('i32.load', 2, tagOffset + 4).get(this.addrHi).op('i32.ne').op('i32.or');
    if (size > 1) c.get(this.addrLo).i32(4095).op('i32.and').i32(4096 - size).op('i32.gt_u').op('i32.or');
    c.opU('br_if', this.depthOf('slow'));
    c.get(this.entry).mem('i32.load', 2, 24).get(this.addrLo).i32(4095).op('i32.and').op('i32.add');
  }
  private address(a: string[]): void {
    asBits(this.expr(a[0]), this.code); this.code.set(this.addrLo);
    asBits(this.expr(a[1]), this.code); this.code.set(this.addrHi);
  }
  private load(size: number, a: string[], into: number): void {
    if (a.length !== 2) throw new Unsupported('load arguments');
    this.address(a);
    const c = this.code, g = this.L.guestBase;
    this.translate(size, 0);
    if (size >= 8) {
      c.set(this.entry);
      const words = [into, this.mhi, this.mhi2, this.mhi3].slice(0, size / 4);
      words.forEach((w, k) => c.get(this.entry).mem('i32.load', 0, g + 4 * k).set(w));
      return;
    }
    c.mem(size === 1 ? 'i32.load8_u' : size === 2 ? 'i32.load16_u' : 'i32.load', 0, g).set(into);
  }
  private store(size: number, a: string[]): void {
    const words = Math.max(1, size / 4);
    if (a.length !== 2 + words) throw new Unsupported('store arguments');
    // The value first (JS evaluates arguments left to right, and they are pure), then the address.
    for (let k = 0; k < words; k++) { asBits(this.expr(a[2 + k]), this.code); this.code.set(this.values[k]); }
    this.address(a);
    const c = this.code, g = this.L.guestBase;
    this.translate(size, 8);
    c.set(this.entry);
    if (size >= 8) {
      for (let k = 0; k < words; k++) c.get(this.entry).get(this.values[k]).mem('i32.store', 0, g + 4 * k);
      return;
    }
    c.get(this.entry).get(this.values[0]).mem(size === 1 ? 'i32.store8' : size === 2 ? 'i32.store16' : 'i32.store', 0, g);
  }

  /** Registers the region assigns (GPRs, xmm lanes) and the flag record, back to memory. */
  writeBack(regsWritten: number[], xmmWritten: number[]): void {
    const c = this.code, L = this.L;
    for (const n of xmmWritten) c.i32(L.xmm + 4 * n).get(this.localOf(`x${n}`)).mem('i32.store', 2);
    for (const r of regsWritten) {
      const lo = this.vars.get(`r${r}l`)!, hi = this.vars.get(`r${r}h`)!;
      c.i32(L.regs + 8 * r).get(lo.local).mem('i32.store', 2);
      c.i32(L.regs + 8 * r + 4).get(hi.local).mem('i32.store', 2);
    }
    // A pending merge goes to the exit slots (the engine applies it after the record: FLAG_MERGE_PENDING).
    const fpm = this.vars.get('fpm'), fpv = this.vars.get('fpv');
    if (fpm && fpv) {
      c.i32(L.exit + EXIT_FPM).get(fpm.local).mem('i32.store', 2);
      c.i32(L.exit + EXIT_FPV).get(fpv.local).mem('i32.store', 2);
    }
    const fop = this.vars.get('fop')!.local;
    c.get(fop).i32(0).op('i32.ge_s').begin('if');
    c.i32(L.exit + EXIT_CCOP).get(fop).mem('i32.store', 2);
    ['fdl', 'fdh', 'fsl', 'fsh', 'fxl', 'fxh'].forEach((n, k) => c.i32(L.cc + 4 * k).get(this.vars.get(n)!.local).mem('i32.store', 2));
    c.end();
  }
  get xrLocal(): number { return this.xr; }
  get tlbLocal(): number { return this.tlb; }
}

/** What the engine needs to run a compiled region. */
export interface WasmRegion {
  /** Run the region with the FS and GS base halves and RFLAGS; see compileRegionWasm for the result. */
  run: (fsLo: number, fsHi: number, gsLo: number, gsHi: number, eflags: number) => number;
  bytes: number;
}

/** Compile an emitted region to wasm, or throw Unsupported. */
export function compileRegionWasm(r: EmittedRegion, L: WasmLayout, memory: WebAssembly.Memory): WasmRegion {
  const { st, body, cases } = r;
  if (st.callsHelpers) throw new Unsupported('helper calls');
  const rc = new RegionCompiler(L);
  if (st.flagsDeferred) { rc.declare('fpm', 'i32'); rc.declare('fpv', 'i32'); }
  const regs = [...st.regsUsed].sort((a, b) => a - b);
  for (const reg of regs) { rc.declare(`r${reg}l`, 'i32'); rc.declare(`r${reg}h`, 'i32'); }
  // Resolved as one text, so the region-wide decisions (xmm lanes in locals) are the JS region's.
  const CASE = '\n/*@case@*/\n';
  const resolved = st.resolve(cases.map(({ open, close }) => body.slice(open + 1, close).join('\n')).join(CASE)).split(CASE);
  const xmm = st.xmmLocals ?? { used: [], written: [] };
  for (const n of xmm.used) rc.declare(`x${n}`, 'i32');
  const caseStmts = resolved.map((caseText) => {
    if (/\bcpu\.eflags\s*[|&^]?=(?!=)/.test(caseText)) throw new Unsupported('writes cpu.eflags');
    const text = caseText.replace(/\bcpu\.(?:[fg]sBase(?:Lo|Hi)|eflags)\b/g, (f) => SEGMENT_FIELDS[f]);
    const outside = /\bcpu\.(?!rip\s*=)\w+|\bH\.|HANDLERS|CACHE|\bR\[|\bCC\[|\bX\[|\bI\[/.exec(text);
    if (outside) throw new Unsupported(`state outside the register locals: '${outside[0]}'`);
    const call = /\brt\.(?!(?:ctz64|clz64|popcnt32)\()\w+/.exec(text.replace(/throw [^;]*;/g, ''));
    if (call) throw new Unsupported(`runtime call '${call[0]}'`);
    return parseStatements(text);
  });
  const c = rc.code;
  // Prologue: registers the region uses, the flag record as "cpu is current", the TLB half.
  for (const reg of regs) {
    c.i32(L.regs + 8 * reg).mem('i32.load', 2).set(rc.localOf(`r${reg}l`));
    c.i32(L.regs + 8 * reg + 4).mem('i32.load', 2).set(rc.localOf(`r${reg}h`));
  }
  for (const n of xmm.used) c.i32(L.xmm + 4 * n).mem('i32.load', 2).set(rc.localOf(`x${n}`));
  c.i32(-1).set(rc.localOf('fop'));
  c.f64(NaN).set(rc.xrLocal);
  c.i32(L.tlbCur).mem('i32.load', 2).set(rc.tlbLocal);
  // (block $slow (block $exit (loop $top (block $c{n-1} ... (block $c0 br_table) case0) ... case{n-1}))) normal) slow
  rc.begin('block', 'slow');
  rc.begin('block', 'exit');
  rc.begin('loop', 'top');
  for (let n = cases.length - 1; n >= 0; n--) rc.begin('block', null);
  c.get(rc.localOf('pc')).brTable(cases.map((_, n) => n), cases.length - 1);
  for (let n = 0; n < cases.length; n++) {
    rc.end();
    rc.statements(caseStmts[n]);
  }
  c.op('unreachable');
  rc.end(); // loop
  rc.end(); // exit
  // Normal exit: done += xn; RIP from xr unless an instruction set it; write back; return done.
  const done = rc.localOf('done');
  c.get(done).get(rc.localOf('xn')).op('i32.add').set(done);
  c.get(rc.xrLocal).get(rc.xrLocal).op('f64.eq').begin('if').i32(L.exit + EXIT_RIP).get(rc.xrLocal).mem('f64.store', 3).end();
  rc.writeBack([...st.regsWritten], xmm.written);
  c.get(done).op('return');
  rc.end(); // slow
  rc.writeBack([...st.regsWritten], xmm.written);
  c.i32(L.exit + EXIT_DONE).get(done).mem('i32.store', 2);
  c.i32(-1).get(rc.localOf('k')).op('i32.sub');
  const m = new ModuleBuilder();
  m.importMemory('m', 'mem', L.pages, L.pages);
  m.func(m.type(SEGMENT_PARAMS.map(() => I32), [I32]), rc.localTypes, c, 'run');
  const bytes = m.bytes();
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { mem: memory } });
  return { run: inst.exports.run as WasmRegion['run'], bytes: bytes.length };
}
