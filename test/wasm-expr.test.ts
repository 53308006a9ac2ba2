// The wasm back end's pieces (src/translator/wasm/): the binary encoder, the compiler of the
// semantics' JavaScript integer expressions to wasm, and the CPU state it reads in wasm memory. The
// oracle for an expression is JavaScript itself: the semantics define an instruction by the JS text
// they emit, so compiled wasm must give the value V8 gives that text. The expressions are the real ones: every `let tN_M = ...` the translator emits
// for the blocks of a static glibc binary, run on edge and random int32 inputs.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../src/decoder/decode.js';
import { endsBlock } from '../src/decoder/facts.js';
import { type Insn } from '../src/decoder/insn.js';
import { codeSectionsAndSymbols, readElfFile } from '../src/kernel/elf.js';
import { Cpu } from '../src/runtime/cpu.js';
import { makeHelpers } from '../src/runtime/helpers.js';
import { Interpreter } from '../src/runtime/interp.js';
import { PhysicalMemory } from '../src/runtime/memory.js';
import { TLB_SETS } from '../src/runtime/mmu.js';
import { rt } from '../src/runtime/rt.js';
import { translateBlock, type TranslateContext } from '../src/translator/translate.js';
import { Code, I32, I64, ModuleBuilder, sleb32, sleb64, uleb } from '../src/translator/wasm/encode.js';
import { type Compiled, compileExpr, Unsupported, valTypeOf, type Variable } from '../src/translator/wasm/expr.js';
import { Rng } from './fuzz/layout.js';

const instantiate = (m: ModuleBuilder) => new WebAssembly.Instance(new WebAssembly.Module(m.bytes()), {}).exports as Record<string, (...a: number[]) => number | bigint>;

describe('wasm encoder', () => {
  it('encodes LEB128 as the spec examples and BigInt arithmetic say', () => {
    const enc = (f: (o: number[]) => void) => { const o: number[] = []; f(o); return o; };
    expect(enc((o) => uleb(o, 624485))).toEqual([0xe5, 0x8e, 0x26]);
    expect(enc((o) => sleb32(o, -123456))).toEqual([0xc0, 0xbb, 0x78]);
    expect(enc((o) => sleb32(o, 63))).toEqual([0x3f]);
    expect(enc((o) => sleb32(o, 64))).toEqual([0xc0, 0x00]);
    expect(enc((o) => sleb32(o, -64))).toEqual([0x40]);
    expect(enc((o) => sleb32(o, -65))).toEqual([0xbf, 0x7f]);
    // sleb64 against an independent BigInt encoder.
    const ref = (v: bigint) => { const o: number[] = []; for (;;) { const b = Number(v & 0x7fn); v >>= 7n; if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) { o.push(b); return o; } o.push(b | 0x80); } };
    const rng = new Rng(5);
    for (let k = 0; k < 2000; k++) {
      const lo = k < 8 ? [0, -1, 0x7fffffff, -0x80000000, 1, 64, -65, 0][k] : rng.int(2 ** 32) | 0;
      const hi = k < 8 ? [0, -1, 0, -1, 0x7fffffff, 0, -1, -0x80000000][k] : rng.int(2 ** 32) | 0;
      expect(enc((o) => sleb64(o, lo, hi))).toEqual(ref((BigInt(hi) << 32n) | BigInt(lo >>> 0)));
    }
  });

  it('builds modules V8 accepts: i64 arithmetic and a br_table switch', () => {
    const m = new ModuleBuilder();
    // mul64(alo, ahi, blo, bhi) -> i64
    const mul = new Code();
    for (const [lo, hi] of [[0, 1], [2, 3]]) {
      mul.get(lo).op('i64.extend_i32_u').get(hi).op('i64.extend_i32_u').i64(32, 0).op('i64.shl').op('i64.or');
    }
    mul.op('i64.mul');
    m.func(m.type([I32, I32, I32, I32], [I64]), [], mul, 'mul');
    // sw(x): 10 for 0, 20 for 1, 30 otherwise
    const sw = new Code();
    sw.begin('block').begin('block').begin('block').get(0).brTable([0, 1], 2).end().i32(10).op('return').end().i32(20).op('return').end().i32(30);
    m.func(m.type([I32], [I32]), [], sw, 'sw');
    expect(WebAssembly.validate(m.bytes())).toBe(true);
    const ex = instantiate(m);
    const rng = new Rng(9);
    for (let k = 0; k < 500; k++) {
      const v = [0, 1, 2, 3].map(() => rng.int(2 ** 32) | 0);
      const big = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
      expect(ex.mul(v[0], v[1], v[2], v[3])).toBe(BigInt.asIntN(64, big(v[0], v[1]) * big(v[2], v[3])));
    }
    expect([0, 1, 2, -1].map((x) => ex.sw(x))).toEqual([10, 20, 30, 30]);
  });
});

/** The right-hand sides of the temporaries the translator emits for a linear sweep of a binary. */
function harvestExpressions(path: string, maxBlocks: number): string[] {
  const elf = readElfFile(path, 'inspect');
  const text = codeSectionsAndSymbols(elf).sections.find((s) => s.name === '.text')!;
  const helpers = makeHelpers({ deterministic: true });
  const interp = new Interpreter(helpers);
  const ctx: TranslateContext = { rt, H: helpers, cache: { dirty: false }, handlerOf: (i) => interp.handlerOf(i), tlbOffset: 0, tlbMask: TLB_SETS - 1 };
  const exprs = new Set<string>();
  let off = 0;
  for (let n = 0; n < maxBlocks && off < text.bytes.length; n++) {
    const insns: Insn[] = [];
    for (;;) {
      const i = decode(text.bytes, off, text.bytes.length, text.addr + off, 64);
      insns.push(i);
      off += Math.max(1, i.len);
      if (endsBlock(i) || insns.length >= 32 || off >= text.bytes.length) break;
    }
    const src = translateBlock(insns, ctx, `b${n}`).source;
    for (const m of src.matchAll(/^let t\d+_\d+ = (.*);$/gm)) exprs.add(m[1]);
  }
  return [...exprs];
}

const GUEST = join(__dirname, 'build', 'arith64.glibc');

describe.skipIf(!existsSync(GUEST))('wasm expression compiler against JavaScript', () => {
  it('gives every translator expression it accepts the value V8 gives it', () => {
    const exprs = harvestExpressions(GUEST, 3000);
    const accepted: { src: string; names: string[]; c: Compiled }[] = [];
    const refused = new Map<string, number>();
    for (const src of exprs) {
      const names = [...new Set(src.match(/\b(?:t\d+_\d+|r\d+[lh]|f[dsx][lh]|fop|x\d+)\b/g) ?? [])];
      const vars = (name: string): Variable | undefined => { const k = names.indexOf(name); return k < 0 ? undefined : { local: k, kind: 'i32' }; };
      try {
        accepted.push({ src, names, c: compileExpr(src, vars) });
      } catch (e) {
        if (!(e instanceof Unsupported)) throw new Error(`${src}: ${(e as Error).message}`);
        const why = e.message.replace(/'.*'|\d+|\bt\w+/g, '…');
        refused.set(why, (refused.get(why) ?? 0) + 1);
      }
    }
    // The integer core compiles: most expressions of real code are in the subset.
    expect(accepted.length).toBeGreaterThan(exprs.length * 0.6);

    const m = new ModuleBuilder();
    accepted.forEach((a, k) => {
      const code = new Code();
      a.c.emit(code);
      m.func(m.type(a.names.map(() => I32), [valTypeOf(a.c.kind)]), [], code, `e${k}`);
    });
    const ex = instantiate(m);
    const rng = new Rng(2026);
    const edges = [0, 1, -1, 2, 0x7fffffff, -0x80000000, 0xffff, 0x10000, 0x7f, 0x80, 0xff, -2, 0x8000, 31, 32, 63];
    const mismatches: string[] = [];
    accepted.forEach((a, k) => {
      // `rt` is the runtime object generated code sees (for rt.ctz64 / rt.clz64).
      const js = (new Function('rt', ...a.names, `return (${a.src});`) as (r: unknown, ...x: number[]) => unknown).bind(null, rt);
      const fn = ex[`e${k}`];
      for (let t = 0; t < 48 && mismatches.length < 10; t++) {
        const args = a.names.map(() => (rng.int(3) === 0 ? edges[rng.int(edges.length)] : rng.int(2 ** 32) | 0));
        const want = js(...args);
        const raw = fn(...args);
        const got = a.c.kind === 'int' ? Number(raw as bigint) : a.c.kind === 'u32' ? (raw as number) >>> 0 : a.c.kind === 'bool' ? raw !== 0 : raw;
        if (got !== want) mismatches.push(`${a.src} with ${a.names.map((n, j) => `${n}=${args[j]}`).join(' ')}: JS ${String(want)}, wasm ${String(got)} (${a.c.kind})`);
      }
    });
    expect(mismatches).toEqual([]);
    // What was refused, for the record (console in verbose runs): doubles, memory, helpers.
    if (process.env.WASM_EXPR_REPORT) console.log(`accepted ${accepted.length} of ${exprs.length}; refused:`, [...refused].sort((a, b) => b[1] - a[1]).slice(0, 12));
  });
});

describe('wasm-backed CPU state', () => {
  it('keeps every TLB bank inside wasm memory however many PCIDs come and go', () => {
    const mem = new PhysicalMemory(4 << 20, 64 << 20, 0x100000, true);
    const cpu = new Cpu(mem);
    const mmu = cpu.mmu;
    // The generated code finds the current TLB half through tlbCurSlot; it must be a view of the wasm
    // memory's state area (before guest physical memory), whatever bank is current.
    const check = () => {
      expect(mmu.tlbCur.buffer === mem.buf, 'the current TLB half is a view of the wasm memory').toBe(true);
      expect(mmu.tlbCurSlot![0]).toBe(mmu.tlbCur.byteOffset);
      expect(mmu.tlbCur.byteOffset + mmu.tlbCur.byteLength).toBeLessThanOrEqual(mem.guestBase);
    };
    check();
    for (let round = 0; round < 3; round++) {
      for (let pcid = 1; pcid < 60; pcid++) { mmu.selectPcid(pcid); check(); cpu.setCpl(pcid & 1 ? 0 : 3); check(); }
      mmu.flushAllPcids(false);
      check();
    }
  });
});
