// x87 semantics against the host CPU (the oracle), with the harness of the SSE tests
// (helpers/sse-oracle.ts builds gcc stubs, helpers/sse-emu.ts runs the same bytes under ringjit).
// Every case is one stub: fninit; fldcw (random precision and rounding control, exceptions masked);
// three 80-bit inputs pushed with fld tbyte; the instruction under test (its memory operand at
// [rsi + 64]); fnstsw; then four fstp tbyte (the last ones pop empty registers: stack underflow gives
// the indefinite NaN) and a final fnstsw. The memory window (all outputs), RAX, RFLAGS and the faults
// must agree bit for bit, under the interpreter and the translator.

import { describeOracle } from './helpers/sse-emu.js';
import { MEMBASE, OFF, RECORD_SIZE, caseInputs } from './helpers/sse-oracle.js';

type X80 = [number, bigint]; // sign/exponent, significand
const x = (se: number, sig: bigint): X80 => [se, sig];
const I = 1n << 63n;
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
/** Extended value of a double (exact). */
function ofD(d: number): X80 {
  f64[0] = d; const b = u64[0];
  const s = Number(b >> 63n), e = Number((b >> 52n) & 0x7ffn), m = b & ((1n << 52n) - 1n);
  if (e === 0x7ff) return x((s << 15) | 0x7fff, m === 0n ? I : I | (m << 11n));
  if (e === 0) {
    if (m === 0n) return x(s << 15, 0n);
    let sig = m << 11n, ee = -1022;
    while (!(sig & I)) { sig <<= 1n; ee--; }
    return x((s << 15) | (ee + 16383), sig);
  }
  return x((s << 15) | (e - 1023 + 16383), I | (m << 11n));
}
const XPOOL: X80[] = [
  ofD(0), ofD(-0), ofD(1), ofD(-1), ofD(1.5), ofD(-2.5), ofD(0.1), ofD(1 / 3), ofD(3), ofD(1e300), ofD(-1e-300), ofD(10),
  ofD(Infinity), ofD(-Infinity), x(0x7fff, 0xc000000000000000n), x(0xffff, 0xc000000000000000n), x(0x7fff, 0xa000000000000123n),
  x(0x7fff, 0xc0000000deadbeefn), x(0x3fff, 0xffffffffffffffffn), x(0x3fff, 0x8000000000000400n), x(0x3fff, 0x8000000000000c00n),
  x(0x3fff, 0x8000000000000401n), x(0x3ffe, 0x8000008000000000n), x(0x3fff, 0x8000018000000000n), x(0x3ffd, 0xaaaaaaaaaaaaaaabn),
  x(0x0000, 0x0000000000000001n), x(0x8000, 0x4000000000000000n), x(0x0000, 0x8000000000000000n), x(0x0001, 0x8000000000000000n),
  x(0x7ffe, 0xffffffffffffffffn), x(0xfffe, 0x8000000000000001n), x(0x403e, 0xfffffffffffffc00n), x(0x401d, 0xc000000000000000n),
  x(0x4040, 0x9000000000000000n), x(0x3c00, 0x8000000000000000n), x(0x43fe, 0xfffffffffffff800n), x(0x3bcd, 0x8000000000000000n),
  x(0x4000, 0xc90fdaa22168c235n), x(0x401e, 0xffffffff00000000n),
];
/** Unsupported encodings (unnormal, pseudo-infinity). */
const XBAD: X80[] = [x(0x3fff, 0x4000000000000000n), x(0x7fff, 0x0000000000000000n), x(0x7fff, 0x4000000000000000n)];
const DPOOL = [0, -0, 1, -1, 0.1, 1 / 3, 1e300, -1e-310, 5e-324, Infinity, -Infinity, NaN, 2 ** 63, -(2 ** 31), 1.5, 2.5, 1e18, -7.75];

class G {
  readonly dv: DataView;
  constructor(public rec: Uint8Array, private seed: number, public j: number) { this.dv = new DataView(rec.buffer, rec.byteOffset, RECORD_SIZE); }
  u32(): number {
    let t = (this.seed = (this.seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  pick<T>(a: readonly T[]): T { return a[this.u32() % a.length]; }
  cross<T>(a: readonly T[], second: boolean): T { return a[(second ? Math.floor(this.j / a.length) : this.j) % a.length]; }
  ext(off: number, v: X80): void { this.dv.setBigUint64(OFF.mem + off, v[1], true); this.dv.setUint16(OFF.mem + off + 8, v[0], true); }
  rnd(): X80 {
    const k = this.u32() % 8;
    const sig = (BigInt(this.u32()) << 32n | BigInt(this.u32())) | I;
    const s = (this.u32() & 1) << 15;
    if (k === 0) return x(s | (this.u32() % 0x8000), sig);
    if (k === 1) return x(s, sig & ~I); // denormal
    if (k === 2) return x(s | (16383 - 16383 + 1 + (this.u32() % 80)), sig); // near the bottom
    if (k === 3) return x(s | (0x7ffe - (this.u32() % 80)), sig); // near the top
    return x(s | (16383 - 70 + (this.u32() % 140)), k === 4 ? sig & ~0x3ffn | 0x400n : sig);
  }
  /** Control word: exceptions masked, random precision control (24/53/64) and rounding control. */
  cw(): void { this.dv.setUint16(OFF.mem + 96, 0x7f | ([0, 2, 3][this.u32() % 3] << 8) | ((this.u32() & 3) << 10), true); }
}

interface Case { asm: string; n: number; gen: (g: G) => void }
const CASES: Case[] = [];
const PRE = 'fninit; fldcw word ptr [rsi + 96]; fld tbyte ptr [rsi + 32]; fld tbyte ptr [rsi + 16]; fld tbyte ptr [rsi]';
const POST = 'fnstsw word ptr [rsi + 98]; fstp tbyte ptr [rsi + 112]; fstp tbyte ptr [rsi + 128]; fstp tbyte ptr [rsi + 144]; ' +
  'fstp tbyte ptr [rsi + 160]; fnstsw word ptr [rsi + 100]';
const add = (insn: string, n: number, gen: (g: G) => void) => CASES.push({ asm: `${PRE}; ${insn}; ${POST}`, n, gen });
const P2 = XPOOL.length ** 2;
/** ST0 x ST1 from the pool (cross product), ST2 random; or all random. */
const pair = (g: G) => { g.cw(); g.ext(0, g.cross(XPOOL, false)); g.ext(16, g.cross(XPOOL, true)); g.ext(32, g.rnd()); };
const rand = (g: G) => { g.cw(); g.ext(0, g.rnd()); g.ext(16, g.rnd()); g.ext(32, g.rnd()); };
const bad = (g: G) => { g.cw(); g.ext(0, g.pick([...XBAD, ...XPOOL])); g.ext(16, g.pick([...XBAD, ...XPOOL])); g.ext(32, g.rnd()); };
const memD = (g: G) => { rand(g); if (g.u32() & 1) g.ext(0, g.pick(XPOOL)); g.dv.setFloat64(OFF.mem + 64, g.u32() & 1 ? g.pick(DPOOL) : (g.u32() - 2 ** 31) * 2 ** (g.u32() % 200 - 100), true); };
const memF = (g: G) => { rand(g); if (g.u32() & 1) g.ext(0, g.pick(XPOOL)); g.dv.setFloat32(OFF.mem + 64, g.u32() & 1 ? g.pick(DPOOL) : (g.u32() - 2 ** 31) * 2 ** (g.u32() % 100 - 50), true); };
const memI = (g: G) => { rand(g); for (let k = 0; k < 8; k++) g.rec[OFF.mem + 64 + k] = g.u32() & (g.u32() & 1 ? 0xff : 0x01); };

for (const op of ['fadd', 'fsub', 'fsubr', 'fmul', 'fdiv', 'fdivr']) {
  add(`${op} st, st(1)`, P2, pair);
  add(`${op} st, st(1)`, 1500, rand);
  add(`${op} st(2), st`, 300, rand);
  add(`${op}p st(1), st`, 300, pair);
  add(`${op} qword ptr [rsi + 64]`, 300, memD);
  add(`${op} dword ptr [rsi + 64]`, 300, memF);
  add(`fi${op.slice(1)} dword ptr [rsi + 64]`, 100, memI);
  add(`fi${op.slice(1)} word ptr [rsi + 64]`, 100, memI);
  add(`${op} st, st(1)`, 100, bad);
}
add('fadd st, st(3)', 20, rand); // empty register: stack underflow
for (const k of ['qword', 'dword']) {
  add(`fld ${k} ptr [rsi + 64]`, 200, k === 'qword' ? memD : memF);
  add(`fst ${k} ptr [rsi + 64]`, 600, rand);
  add(`fstp ${k} ptr [rsi + 64]`, P2, pair);
}
add('fld tbyte ptr [rsi + 64]', 50, (g) => { rand(g); g.ext(64, g.pick([...XPOOL, ...XBAD])); });
add('fstp tbyte ptr [rsi + 64]', 50, rand);
add('fld st(2)', 20, rand); add('fld st(5)', 10, rand); add('fst st(4)', 10, rand); add('fstp st(2)', 10, rand);
for (const k of ['word', 'dword', 'qword']) {
  add(`fild ${k} ptr [rsi + 64]`, 100, memI);
  add(`fist${k === 'qword' ? 'p' : ''} ${k} ptr [rsi + 64]`, 600, rand);
  add(`fistp ${k} ptr [rsi + 64]`, P2, pair);
  add(`fisttp ${k} ptr [rsi + 64]`, 400, rand);
}
for (const c of ['fld1', 'fldz', 'fldpi', 'fldl2e', 'fldl2t', 'fldlg2', 'fldln2']) add(c, 12, rand);
add('fld1; fld1; fld1; fld1; fld1; fld1', 4, rand); // stack overflow
for (const c of ['fcom st(1)', 'fcomp st(1)', 'fcompp', 'fucom st(1)', 'fucomp st(2)', 'fucompp', 'ftst']) add(`${c}; fnstsw ax`, P2, pair);
for (const c of ['fcomi st, st(1)', 'fcomip st, st(1)', 'fucomi st, st(2)', 'fucomip st, st(1)']) add(c, P2, pair);
add('fcom qword ptr [rsi + 64]; fnstsw ax', 200, memD);
add('fcomp dword ptr [rsi + 64]; fnstsw ax', 200, memF);
add('ficom dword ptr [rsi + 64]; fnstsw ax', 100, memI);
add('fucomi st, st(1)', 100, bad);
for (const c of ['fchs', 'fabs', 'fsqrt', 'frndint', 'fxam; fnstsw ax']) { add(c, P2, pair); add(c, 600, rand); }
add('fstp st(0); fstp st(0); fstp st(0); fxam; fnstsw ax', 4, rand);
for (const c of ['fscale', 'fprem', 'fprem1']) { add(c, P2, pair); add(c, 600, rand); }
add('fxch st(1)', 20, rand); add('fxch st(2)', 20, rand); add('fxch st(4)', 10, rand);
add('ffree st(1); fincstp; fdecstp; fnop', 10, rand);
for (const cc of ['b', 'e', 'be', 'u', 'nb', 'ne', 'nbe', 'nu']) add(`fucomi st, st(1); fcmov${cc} st, st(2)`, 60, pair);
const RAW64 = [0x7ff0000000000001n, 0xfff4000000000000n, 0x7ff8000000000001n, 0x0000000000000001n, 0x800fffffffffffffn, 0x7fefffffffffffffn];
const RAW32 = [0x7f800001, 0xffa00000, 0x7fc00001, 0x00000001, 0x807fffff, 0x7f7fffff];
const memRaw = (g: G) => { rand(g); g.dv.setBigUint64(OFF.mem + 64, g.pick(RAW64), true); g.dv.setUint32(OFF.mem + 72, g.pick(RAW32), true); };
add('fld qword ptr [rsi + 64]', 40, memRaw); add('fld dword ptr [rsi + 72]', 40, memRaw);
add('fadd qword ptr [rsi + 64]', 60, memRaw); add('fmul dword ptr [rsi + 72]', 60, memRaw);
add('fcom qword ptr [rsi + 64]; fnstsw ax', 40, memRaw); add('fucomi st, st(1)', 40, (g) => { memRaw(g); g.ext(16, g.pick(XPOOL)); });
add('fld st(0)', 10, rand); add('fstp st(0)', 10, rand); add('fstp st(1)', 10, rand); add('ffreep st(1)', 10, rand);
add('fdecstp; fdecstp; fincstp', 10, rand);
// fxsave/fxrstor carry the x87 registers and tags (FOP, FIP, FDP and MXCSR_MASK are host-specific: cleared).
add('fxsave [rsi]; fninit; fxrstor [rsi]; mov word ptr [rsi + 6], 0; mov qword ptr [rsi + 8], 0; mov qword ptr [rsi + 16], 0; mov dword ptr [rsi + 28], 0', 10, rand);
add('fld1; fld1; fxsave [rsi]; fninit; fxrstor [rsi]; mov word ptr [rsi + 6], 0; mov qword ptr [rsi + 8], 0; mov qword ptr [rsi + 16], 0; mov dword ptr [rsi + 28], 0', 10, rand);
add('fnsave [rsi + 192]; mov qword ptr [rsi + 204], 0; mov qword ptr [rsi + 212], 0; fld1; frstor [rsi + 192]', 10, rand);
add('fnstenv [rsi + 192]; mov qword ptr [rsi + 204], 0; mov qword ptr [rsi + 212], 0; fldenv [rsi + 192]; fnstsw ax', 10, rand);


function inputs(c: Case, idx: number): Uint8Array {
  return caseInputs(c.n, idx, 1, (rec, seed, j, init) => {
    const g = new G(rec, seed, j);
    init(() => g.u32());
    g.dv.setBigUint64(OFF.gpr + 8 * 6, BigInt(MEMBASE), true); // rsi -> the memory window
    c.gen(g);
  });
}

/** Failure detail: control word, inputs, memory, and the expected and actual stacks and status words. */
function describeInput(inp: Uint8Array, exp: Uint8Array, act: Uint8Array): string {
  const h = (b: Uint8Array, a: number, n: number) => Buffer.from(b.subarray(OFF.mem + a, OFF.mem + a + n)).reverse().toString('hex');
  const st = (b: Uint8Array) => [112, 128, 144, 160].map((a) => h(b, a, 10)).join(' ') + ` sw ${h(b, 98, 2)}/${h(b, 100, 2)}`;
  return `cw ${h(inp, 96, 2)} in ${h(inp, 0, 10)} ${h(inp, 16, 10)} ${h(inp, 32, 10)} mem ${h(inp, 64, 10)}` +
    `\n    expected ${st(exp)}\n    got      ${st(act)}`;
}
describeOracle('x87 semantics against the host CPU', CASES, inputs,
  (c) => `${c.asm.slice(PRE.length + 2, c.asm.length - POST.length - 2)} (${c.n} inputs)`, () => ({ describe: describeInput, maxShown: 3 }));
