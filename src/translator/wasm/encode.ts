// WebAssembly binary encoding (WebAssembly Core Specification 2.0, chapter 5 "Binary Format"): the
// module sections and instruction encodings the wasm back end generates. Nothing here knows about
// x86; docs/architecture.md, "WebAssembly back end", has the plan this is the first piece of.
//
// Encoding runs at translation time, not in generated code; 64-bit constants are given as int32
// halves like every other 64-bit value in ringjit (no BigInt).

/** Value types. */
export const I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;
/** SIMD instructions (prefix 0xfd, then the opcode as LEB128; spec 5.4.8), by their text names. */
export const SIMD = {
  'i32x4.splat': 0x11, 'i32x4.extract_lane': 0x1b, 'i32x4.replace_lane': 0x1c, 'i8x16.bitmask': 0x64,
  'i8x16.eq': 0x23, 'i8x16.gt_s': 0x27, 'i16x8.eq': 0x2d, 'i16x8.gt_s': 0x31,
  'i8x16.add': 0x6e, 'i8x16.sub': 0x71, 'i8x16.min_u': 0x77, 'i8x16.max_u': 0x79,
  'i16x8.add': 0x8e, 'i16x8.sub': 0x91, 'i16x8.min_s': 0x96, 'i16x8.max_s': 0x98,
  'v128.and': 0x4e, 'v128.or': 0x50, 'v128.xor': 0x51,
  'f32x4.extract_lane': 0x1f, 'f32x4.replace_lane': 0x20, 'f64x2.extract_lane': 0x21, 'f64x2.replace_lane': 0x22,
} as const;
/** SIMD memory instructions (prefix 0xfd, then a memarg like the other loads and stores). */
export const SIMD_MEM = { 'v128.load': 0x00, 'v128.store': 0x0b } as const;
export type SimdName = keyof typeof SIMD;
/** Block type of a block/loop/if without results. */
export const VOID = 0x40;

/** Opcodes (spec 5.4), by their text-format names. */
export const OP = {
  unreachable: 0x00, nop: 0x01, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b,
  br: 0x0c, br_if: 0x0d, br_table: 0x0e, return: 0x0f, call: 0x10, call_indirect: 0x11,
  drop: 0x1a, select: 0x1b,
  'local.get': 0x20, 'local.set': 0x21, 'local.tee': 0x22, 'global.get': 0x23, 'global.set': 0x24,
  'i32.load': 0x28, 'i64.load': 0x29, 'f32.load': 0x2a, 'f64.load': 0x2b, 'i32.load8_u': 0x2d, 'i32.load16_u': 0x2f,
  'i32.store': 0x36, 'i64.store': 0x37, 'f32.store': 0x38, 'f64.store': 0x39, 'i32.store8': 0x3a, 'i32.store16': 0x3b,
  'i32.const': 0x41, 'i64.const': 0x42,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b, 'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'i64.eqz': 0x50, 'i64.eq': 0x51, 'i64.ne': 0x52, 'i64.lt_s': 0x53, 'i64.lt_u': 0x54, 'i64.gt_s': 0x55,
  'i64.gt_u': 0x56, 'i64.le_s': 0x57, 'i64.le_u': 0x58, 'i64.ge_s': 0x59, 'i64.ge_u': 0x5a,
  'i32.clz': 0x67, 'i32.ctz': 0x68, 'i32.popcnt': 0x69, 'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c,
  'i32.div_s': 0x6d, 'i32.div_u': 0x6e, 'i32.rem_s': 0x6f, 'i32.rem_u': 0x70, 'i32.and': 0x71, 'i32.or': 0x72,
  'i32.xor': 0x73, 'i32.shl': 0x74, 'i32.shr_s': 0x75, 'i32.shr_u': 0x76, 'i32.rotl': 0x77, 'i32.rotr': 0x78,
  'i64.clz': 0x79, 'i64.ctz': 0x7a, 'i64.popcnt': 0x7b, 'i64.add': 0x7c, 'i64.sub': 0x7d, 'i64.mul': 0x7e,
  'i64.div_s': 0x7f, 'i64.div_u': 0x80, 'i64.rem_s': 0x81, 'i64.rem_u': 0x82, 'i64.and': 0x83, 'i64.or': 0x84,
  'i64.xor': 0x85, 'i64.shl': 0x86, 'i64.shr_s': 0x87, 'i64.shr_u': 0x88, 'i64.rotl': 0x89, 'i64.rotr': 0x8a,
  'f64.eq': 0x61, 'f64.ne': 0x62, 'f64.lt': 0x63, 'f64.gt': 0x64, 'f64.le': 0x65, 'f64.ge': 0x66,
  'f64.abs': 0x99, 'f64.neg': 0x9a, 'f64.sqrt': 0x9f, 'f64.add': 0xa0, 'f64.sub': 0xa1, 'f64.mul': 0xa2, 'f64.div': 0xa3,
  'i32.wrap_i64': 0xa7, 'i64.extend_i32_s': 0xac, 'i64.extend_i32_u': 0xad,
  'i64.trunc_f64_s': 0xb0, 'f32.demote_f64': 0xb6, 'f64.convert_i32_s': 0xb7, 'f64.convert_i32_u': 0xb8,
  'f64.convert_i64_s': 0xb9, 'f64.promote_f32': 0xbb,
} as const;
export type OpName = keyof typeof OP;

/** Unsigned LEB128 of a non-negative integer below 2^53. */
export function uleb(out: number[], n: number): void {
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

/** Signed LEB128 of an int32. */
export function sleb32(out: number[], v: number): void {
  v |= 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { out.push(b); return; }
    out.push(b | 0x80);
  }
}

/** Signed LEB128 of the 64-bit value hi:lo (two int32 halves). */
export function sleb64(out: number[], lo: number, hi: number): void {
  lo >>>= 0; hi |= 0;
  for (;;) {
    const b = lo & 0x7f;
    // Arithmetic shift of the 64-bit pair right by 7.
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>= 7;
    const done = (hi === 0 && lo === 0 && (b & 0x40) === 0) || (hi === -1 && lo === 0xffffffff && (b & 0x40) !== 0);
    if (done) { out.push(b); return; }
    out.push(b | 0x80);
  }
}

const F64_BITS = new Float64Array(1), F64_BYTES = new Uint8Array(F64_BITS.buffer);

/** A function body's instruction sequence. */
export class Code {
  readonly bytes: number[] = [];
  /** For each local, when it was last written (the count of set / tee so far): a local read twice
   * with the same stamp between holds the same value, in straight-line code (see reaches). */
  private readonly stamps: number[] = [];
  private writes = 0;
  /** The open block / loop / if arms, innermost last (an else starts a new arm): id and loop-ness. */
  private readonly frames: { id: number; loop: boolean }[] = [];
  private nFrames = 0;
  op(name: OpName): this {
    if (name === 'else') { this.frames.pop(); this.frames.push({ id: ++this.nFrames, loop: false }); }
    this.bytes.push(OP[name]);
    return this;
  }
  /** The stamp of a local's last write (0: not written yet). */
  stampOf(local: number): number { return this.stamps[local] ?? 0; }
  /** The innermost open arm (0: the function body). */
  get frame(): number { return this.frames.length === 0 ? 0 : this.frames[this.frames.length - 1].id; }
  /**
   * Whether code emitted here runs only after code emitted earlier in arm `frame`, in the same loop
   * iteration: that arm is still open and no loop opened inside it. (Branches only leave blocks, to
   * their end, or go back to a loop's start.)
   */
  reaches(frame: number): boolean {
    for (let k = this.frames.length - 1; k >= 0; k--) {
      const f = this.frames[k];
      if (f.id === frame) return true;
      if (f.loop) return false;
    }
    return frame === 0;
  }
  /** An instruction with one unsigned immediate (local/global index, branch depth, function index). */
  opU(name: OpName, n: number): this { this.bytes.push(OP[name]); uleb(this.bytes, n); return this; }
  i32(v: number): this { this.bytes.push(OP['i32.const']); sleb32(this.bytes, v); return this; }
  i64(lo: number, hi: number): this { this.bytes.push(OP['i64.const']); sleb64(this.bytes, lo, hi); return this; }
  /** f64.const (little-endian IEEE 754 bits). */
  f64(v: number): this {
    F64_BITS[0] = v;
    const b = F64_BYTES;
    this.bytes.push(0x44, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
    return this;
  }
  /** A SIMD instruction, with its lane index for extract/replace_lane. */
  simd(name: SimdName, lane?: number): this {
    this.bytes.push(0xfd); uleb(this.bytes, SIMD[name]);
    if (lane !== undefined) this.bytes.push(lane);
    return this;
  }
  /** i8x16.shuffle: byte k of the result is byte lanes[k] of the two operands (0..15 the first). */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((b) => !(b >= 0 && b < 32))) throw new Error('i8x16.shuffle lanes');
    this.bytes.push(0xfd); uleb(this.bytes, 0x0d); this.bytes.push(...lanes);
    return this;
  }
  /** v128.load / v128.store: alignment exponent and constant offset. */
  simdMem(name: keyof typeof SIMD_MEM, align: number, offset = 0): this {
    this.bytes.push(0xfd); uleb(this.bytes, SIMD_MEM[name]); uleb(this.bytes, align); uleb(this.bytes, offset);
    return this;
  }
  /** memory.copy (dst, src, n) and memory.fill (dst, byte, n) within memory 0 (bulk memory, 0xfc prefix). */
  memoryCopy(): this { this.bytes.push(0xfc, 10, 0, 0); return this; }
  memoryFill(): this { this.bytes.push(0xfc, 11, 0); return this; }
  get(local: number): this { return this.opU('local.get', local); }
  set(local: number): this { this.stamps[local] = ++this.writes; return this.opU('local.set', local); }
  tee(local: number): this { this.stamps[local] = ++this.writes; return this.opU('local.tee', local); }
  /** block / loop / if with a block type (VOID or a value type). */
  begin(name: 'block' | 'loop' | 'if', type: number = VOID): this {
    this.frames.push({ id: ++this.nFrames, loop: name === 'loop' });
    this.bytes.push(OP[name], type);
    return this;
  }
  end(): this { this.frames.pop(); this.bytes.push(OP.end); return this; }
  /** Memory access: alignment exponent and constant offset. */
  mem(name: OpName, align: number, offset = 0): this { this.bytes.push(OP[name]); uleb(this.bytes, align); uleb(this.bytes, offset); return this; }
  brTable(depths: number[], dflt: number): this {
    this.bytes.push(OP.br_table); uleb(this.bytes, depths.length);
    for (const d of depths) uleb(this.bytes, d);
    uleb(this.bytes, dflt);
    return this;
  }
  callIndirect(typeIndex: number, table = 0): this { this.bytes.push(OP.call_indirect); uleb(this.bytes, typeIndex); uleb(this.bytes, table); return this; }
}

interface Func { type: number; locals: ValType[]; code: Code; exportName?: string; debugName?: string }

/** A module: function types, an imported memory, functions, exports. */
export class ModuleBuilder {
  private readonly types: { params: ValType[]; results: ValType[] }[] = [];
  private readonly funcs: Func[] = [];
  private memoryImport: { module: string; name: string; min: number; max?: number; shared: boolean } | null = null;
  private tableImport: { module: string; name: string; min: number } | null = null;
  private readonly funcImports: { module: string; name: string; type: number }[] = [];
  private readonly globalImports: { module: string; name: string }[] = [];
  /** The module's own table (table 0, when no table is imported): its elements, as indexes of the
   * imported funcref globals that initialise them. */
  private ownTable: number[] | null = null;

  /** The index of the function type params -> results (shared when already present). */
  type(params: ValType[], results: ValType[]): number {
    const key = params.join(',') + '>' + results.join(',');
    const k = this.types.findIndex((t) => t.params.join(',') + '>' + t.results.join(',') === key);
    if (k >= 0) return k;
    this.types.push({ params, results });
    return this.types.length - 1;
  }
  /** Import the module's memory (pages of 64 KiB); a shared memory needs its maximum. */
  importMemory(module: string, name: string, min: number, max?: number, shared = false): void {
    if (shared && max === undefined) throw new Error('a shared memory import needs a maximum');
    this.memoryImport = { module, name, min, max, shared };
  }
  /** Import a table of funcref (table 0, for call_indirect) of at least `min` elements. */
  importTable(module: string, name: string, min: number): void { this.tableImport = { module, name, min }; }
  /** Import an immutable funcref global (reference types): its global index. */
  importFuncrefGlobal(module: string, name: string): number {
    this.globalImports.push({ module, name });
    return this.globalImports.length - 1;
  }
  /** Give the module its own funcref table (table 0, for call_indirect), element k initialised from
   * the imported funcref global elements[k] when the module is instantiated. */
  table(elements: number[]): void {
    if (this.tableImport) throw new Error('a module with an imported table has no table of its own');
    this.ownTable = elements;
  }
  /** Import a function (call it with `call` and the index returned). Import before adding functions:
   * imported functions come first in the function index space. */
  importFunc(module: string, name: string, type: number): number {
    if (this.funcs.length) throw new Error('importFunc after func');
    this.funcImports.push({ module, name, type });
    return this.funcImports.length - 1;
  }
  /** Add a function; returns its index. `locals` are the declared locals after the parameters. */
  func(type: number, locals: ValType[], code: Code, exportName?: string, debugName?: string): number {
    this.funcs.push({ type, locals, code, exportName, debugName });
    return this.funcImports.length + this.funcs.length - 1;
  }

  bytes(): Uint8Array {
    // Chunks, joined once at the end: a function's code (the bulk) is copied once, by a typed-array
    // set, not pushed byte by byte through intermediate arrays (this runs for every region).
    const chunks: number[][] = [[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]];
    const section = (id: number, parts: number[][]) => {
      const head = [id];
      uleb(head, parts.reduce((n, p) => n + p.length, 0));
      chunks.push(head, ...parts);
    };
    const name = (b: number[], s: string) => { uleb(b, s.length); for (let k = 0; k < s.length; k++) b.push(s.charCodeAt(k)); };
    if (this.types.length) {
      const b: number[] = []; uleb(b, this.types.length);
      for (const t of this.types) { b.push(0x60); uleb(b, t.params.length); b.push(...t.params); uleb(b, t.results.length); b.push(...t.results); }
      section(1, [b]);
    }
    if (this.memoryImport || this.tableImport || this.funcImports.length || this.globalImports.length) {
      const b: number[] = [];
      uleb(b, (this.memoryImport ? 1 : 0) + (this.tableImport ? 1 : 0) + this.funcImports.length + this.globalImports.length);
      const m = this.memoryImport, t = this.tableImport;
      for (const f of this.funcImports) { name(b, f.module); name(b, f.name); b.push(0x00); uleb(b, f.type); }
      // A global import: funcref (0x70), immutable.
      for (const g of this.globalImports) { name(b, g.module); name(b, g.name); b.push(0x03, 0x70, 0x00); }
      if (m) {
        name(b, m.module); name(b, m.name); b.push(0x02);
        // Limits: flags 0 (min), 1 (min, max), 3 (min, max, shared: the threads proposal).
        if (m.max === undefined) { b.push(0x00); uleb(b, m.min); } else { b.push(m.shared ? 0x03 : 0x01); uleb(b, m.min); uleb(b, m.max); }
      }
      // A table import: reference type funcref (0x70), limits without a maximum.
      if (t) { name(b, t.module); name(b, t.name); b.push(0x01, 0x70, 0x00); uleb(b, t.min); }
      section(2, [b]);
    }
    if (this.funcs.length) {
      const b: number[] = []; uleb(b, this.funcs.length);
      for (const f of this.funcs) uleb(b, f.type);
      section(3, [b]);
    }
    // The own table: funcref, limits (min) without a maximum.
    const own = this.ownTable;
    if (own) { const b: number[] = [0x01, 0x70, 0x00]; uleb(b, own.length); section(4, [b]); }
    const exported = this.funcs.map((f, k) => ({ f, k })).filter((x) => x.f.exportName !== undefined);
    if (exported.length) {
      const b: number[] = []; uleb(b, exported.length);
      for (const { f, k } of exported) { name(b, f.exportName!); b.push(0x00); uleb(b, this.funcImports.length + k); }
      section(7, [b]);
    }
    // Its elements: one active segment at offset 0 given by expressions (flags 4), each global.get.
    if (own && own.length) {
      const b: number[] = [0x01, 0x04, OP['i32.const'], 0x00, OP.end];
      uleb(b, own.length);
      for (const g of own) { b.push(OP['global.get']); uleb(b, g); b.push(OP.end); }
      section(9, [b]);
    }
    if (this.funcs.length) {
      const parts: number[][] = [[]];
      uleb(parts[0], this.funcs.length);
      for (const f of this.funcs) {
        // Locals as runs of one type.
        const locals: number[] = [];
        const runs: [number, ValType][] = [];
        for (const t of f.locals) { const last = runs[runs.length - 1]; if (last && last[1] === t) last[0]++; else runs.push([1, t]); }
        uleb(locals, runs.length);
        for (const [n, t] of runs) { uleb(locals, n); locals.push(t); }
        const size: number[] = [];
        uleb(size, locals.length + f.code.bytes.length + 1);
        parts.push(size, locals, f.code.bytes, [OP.end]);
      }
      section(10, parts);
    }
    // The "name" custom section (spec appendix 7.4.1), function names subsection: profilers and stack
    // traces show these instead of wasm-function[N].
    const named = this.funcs.map((f, k) => ({ f, k })).filter((x) => x.f.debugName !== undefined);
    if (named.length) {
      const sub: number[] = []; uleb(sub, named.length);
      for (const { f, k } of named) { uleb(sub, this.funcImports.length + k); name(sub, f.debugName!); }
      const b: number[] = []; name(b, 'name'); b.push(1); uleb(b, sub.length);
      section(0, [b, sub]);
    }
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  }
}
