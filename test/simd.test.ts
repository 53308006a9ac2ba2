// SSE/SSE2 semantics against the host CPU (the oracle). Each case is an instruction text assembled by
// gcc; the host executes it on many generated input states (all xmm registers, GPRs, RFLAGS, MXCSR and
// a memory window), ringjit executes the very same bytes (decoded by ringjit's decoder, run by the
// interpreter from the shared semantics) on the same inputs, and every register, the status flags,
// MXCSR, the memory window and the fault (#GP/#PF/#XM) must agree. Expected values come only from the
// host run. Inputs: special values (signed zeros, denormals, infinities, QNaN/SNaN with payloads,
// halfway cases, saturation edges, shift counts >= width) crossed systematically, plus random bits,
// all four MXCSR rounding modes, random sticky flags and occasionally unmasked exceptions.

import { describeOracle } from './helpers/sse-emu.js';
import { MEMBASE, MEM_SIZE, OFF, RECORD_SIZE, caseInputs } from './helpers/sse-oracle.js';

// ---- inputs -------------------------------------------------------------------------------------------

const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const D = (x: number): bigint => { f64[0] = x; return u64[0]; };
const F = (x: number): number => { f32[0] = x; return u32[0]; };

const DNAN = [0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff800000000beefn, 0xfff4000000001234n, 0x7ff0000000000001n];
const DPOOL: bigint[] = [
  D(0), D(-0), D(1), D(-1), D(1.5), D(-2.5), D(2.5), D(0.5), D(3), D(0.1), D(1 / 3), D(-7.75), D(1e300), D(-1e300),
  D(1e-300), D(2.2250738585072014e-308), D(2.225073858507201e-308), D(-1e-310), D(5e-324), D(1.7976931348623157e308),
  D(Infinity), D(-Infinity), ...DNAN, D(2 ** 53 + 2), D(4503599627370497), D(1e16), D(-123456.789), D(1e-160),
];
const DCONV: bigint[] = [
  D(2147483647), D(2147483647.5), D(2147483646.5), D(2147483648), D(-2147483648), D(-2147483648.5), D(-2147483649),
  D(2 ** 63), D(-(2 ** 63)), D(2 ** 63 - 1024), D(-(2 ** 63) - 2048), D(1e19), D(-1e19), D(0.5), D(1.5), D(2.5),
  D(-0.5), D(-1.5), D(-2.5), D(0.49999999999999994), D(4503599627370497), D(-3.7), D(3.7), D(0), D(-0), D(1e-310),
  D(Infinity), D(-Infinity), ...DNAN, D(12345678.5), D(-98765.25),
];
const FNAN = [0x7fc00000, 0xffc00000, 0x7fc0beef, 0x7f800001, 0xffa00000];
const FPOOL: number[] = [
  F(0), F(-0), F(1), F(-1), F(1.5), F(2.5), F(-2.5), F(0.5), F(3), F(0.1), F(1 / 3), F(1e38), F(-3e38),
  F(3.4028234663852886e38), F(1e-38), F(1.1754943508222875e-38), 0x00000001, 0x807fffff, F(Infinity), F(-Infinity),
  ...FNAN, F(16777216), F(2147483648), F(-2147483648), F(2147483520), F(1e10), F(-0.75), F(123.456), F(1e-20), 0x00000003,
];
const FCONV: number[] = [
  F(2147483648), F(-2147483648), F(2147483520), F(-2147483904), F(2 ** 63), F(-(2 ** 63)), F(2 ** 62), F(0.5), F(1.5),
  F(2.5), F(-0.5), F(-1.5), F(-2.5), F(3.7), F(-3.7), F(0), F(-0), 0x00000001, F(Infinity), F(-Infinity), ...FNAN,
  F(8388607.5), F(1e10), F(-1e10),
];
const IPOOL: bigint[] = [
  0n, 1n, -1n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 24n + 1n,
  0x4000004000000001n, -0x4000004000000001n, 0x0020000000000003n, 12345678901234567n, -987654321n, 0x7fffffffn, 0x80000001n,
  0x01000001n, 0x00ffffffn, -0x01000003n,
];
const BYTES = [0, 1, 2, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x40, 0x3f];
const SHIFTS = [0n, 1n, 3n, 7n, 8n, 15n, 16n, 17n, 31n, 32n, 33n, 63n, 64n, 65n, 127n, 255n, 256n, 0x100000000n, 0xffffffffffffffffn];

/** Fills the input record of one run. */
class G {
  readonly dv: DataView;
  constructor(public rec: Uint8Array, private seed: number, public j: number) { this.dv = new DataView(rec.buffer, rec.byteOffset, RECORD_SIZE); }
  u32(): number { // mulberry32
    let t = (this.seed = (this.seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  pick<T>(a: readonly T[]): T { return a[this.u32() % a.length]; }
  /** Element j of a P x P cross product of the pool (first or second coordinate). */
  cross<T>(a: readonly T[], second: boolean): T { return a[(second ? Math.floor(this.j / a.length) : this.j) % a.length]; }
  x32(r: number, k: number, v: number): void { this.dv.setUint32(OFF.xmm + 16 * r + 4 * k, v >>> 0, true); }
  xd(r: number, k: number, v: bigint): void { this.dv.setBigUint64(OFF.xmm + 16 * r + 8 * k, BigInt.asUintN(64, v), true); }
  xbytes(r: number, f: () => number): void { for (let k = 0; k < 16; k++) this.rec[OFF.xmm + 16 * r + k] = f(); }
  gpr(r: number, v: bigint): void { this.dv.setBigUint64(OFF.gpr + 8 * r, BigInt.asUintN(64, v), true); }
  mem32(off: number, v: number): void { this.dv.setUint32(OFF.mem + off, v >>> 0, true); }
  /** Copy the low `n` bytes of xmm r into the memory window at `off` and point rbx at it. */
  spill(r: number, off: number, n = 16): void {
    for (let k = 0; k < n; k++) this.rec[OFF.mem + off + k] = this.rec[OFF.xmm + 16 * r + k];
    this.gpr(3, BigInt(MEMBASE + off));
  }
  mxcsr(v: number): void { this.dv.setUint32(OFF.mxcsr, v, true); }
  /** Random rounding mode and sticky flags; sometimes one exception unmasked. */
  fpEnv(): void {
    let m = 0x1f80 | ((this.u32() & 3) << 13);
    if (this.u32() % 3 === 0) m |= this.u32() & 0x3f;
    if (this.u32() % 8 === 0) m &= ~(1 << (7 + (this.u32() % 6)));
    if (this.u32() % 6 === 0) m |= 0x40; // DAZ
    if (this.u32() % 6 === 0) m |= 0x8000; // FTZ
    this.mxcsr(m);
  }
}

interface Case { asm: string; n: number; gen: (g: G) => void; approx?: number; host?: (exp: Uint8Array) => void }
const CASES: Case[] = [];
const add = (asm: string, n: number, gen: (g: G) => void, approx?: number, host?: (exp: Uint8Array) => void) =>
  CASES.push({ asm, n, gen, approx, host });
/** The register-source generator applied to a memory source (xmm2's value at window offset `off`). */
const viaMem = (gen: (g: G) => void, off: number, n = 16) => (g: G) => { gen(g); g.spill(2, off, n); };

// ---- floating point ---------------------------------------------------------------------------------------

const sdPair = (pool: bigint[]) => (g: G) => { g.fpEnv(); g.xd(1, 0, g.cross(pool, false)); g.xd(2, 0, g.cross(pool, true)); };
const ssPair = (pool: number[]) => (g: G) => { g.fpEnv(); g.x32(1, 0, g.cross(pool, false)); g.x32(2, 0, g.cross(pool, true)); };
const pdRand = (pool: bigint[]) => (g: G) => { g.fpEnv(); for (const r of [1, 2]) for (const k of [0, 1]) g.xd(r, k, g.pick(pool)); };
const psRand = (pool: number[]) => (g: G) => { g.fpEnv(); for (const r of [1, 2]) for (let k = 0; k < 4; k++) g.x32(r, k, g.pick(pool)); };
const P2D = DPOOL.length ** 2, P2F = FPOOL.length ** 2;

for (const op of ['add', 'sub', 'mul', 'div', 'min', 'max']) {
  add(`${op}sd xmm1, xmm2`, P2D, sdPair(DPOOL));
  add(`${op}ss xmm1, xmm2`, P2F, ssPair(FPOOL));
  add(`${op}pd xmm1, xmm2`, 400, pdRand(DPOOL));
  add(`${op}ps xmm1, xmm2`, 400, psRand(FPOOL));
  add(`${op}sd xmm3, qword ptr [rbx]`, 100, viaMem((g) => { sdPair(DPOOL)(g); g.xd(3, 0, g.pick(DPOOL)); }, 13, 8));
  add(`${op}ps xmm1, xmmword ptr [rbx]`, 60, viaMem(psRand(FPOOL), 64));
}
add('divsd xmm1, xmm2', 3000, (g) => { // random operands: exercise the exact-error machinery
  g.fpEnv();
  g.xd(1, 0, BigInt(g.u32()) << 32n | BigInt(g.u32())); g.xd(2, 0, BigInt(g.u32() & 0x7fefffff) << 32n | BigInt(g.u32()));
});
add('mulsd xmm1, xmm2', 3000, (g) => { g.fpEnv(); g.xd(1, 0, BigInt(g.u32()) << 32n | BigInt(g.u32())); g.xd(2, 0, BigInt(g.u32()) << 32n | BigInt(g.u32())); });
add('addsd xmm1, xmm2', 3000, (g) => {
  g.fpEnv(); const e = BigInt(g.u32() % 2047) << 52n;
  g.xd(1, 0, e | BigInt(g.u32()) << 20n | BigInt(g.u32() & 0xfffff)); g.xd(2, 0, (e + (BigInt(g.u32() % 60) << 52n)) ^ (BigInt(g.u32()) << 31n));
});
add('mulss xmm1, xmm2', 2000, (g) => { g.fpEnv(); g.x32(1, 0, g.u32()); g.x32(2, 0, g.u32()); });
add('divss xmm1, xmm2', 2000, (g) => { g.fpEnv(); g.x32(1, 0, g.u32()); g.x32(2, 0, g.u32()); });
add('sqrtsd xmm1, xmm2', DPOOL.length * 8, (g) => { g.fpEnv(); g.xd(2, 0, DPOOL[g.j % DPOOL.length]); });
add('sqrtsd xmm1, xmm2', 2000, (g) => { g.fpEnv(); g.xd(2, 0, BigInt(g.u32() & 0x7fffffff) << 32n | BigInt(g.u32())); });
add('sqrtss xmm1, xmm2', FPOOL.length * 8, (g) => { g.fpEnv(); g.x32(2, 0, FPOOL[g.j % FPOOL.length]); });
add('sqrtss xmm1, xmm2', 1000, (g) => { g.fpEnv(); g.x32(2, 0, g.u32() & 0x7fffffff); });
add('sqrtpd xmm1, xmm2', 200, pdRand(DPOOL));
add('sqrtps xmm1, xmm1', 200, psRand(FPOOL));
add('addpd xmm1, xmmword ptr [rbx]', 20, viaMem(pdRand(DPOOL), 8)); // misaligned: #GP
add('haddpd xmm1, xmm2', 200, pdRand(DPOOL));
add('hsubps xmm1, xmm2', 200, psRand(FPOOL));
add('addsubpd xmm1, xmm2', 200, pdRand(DPOOL));
add('addsubps xmm1, xmm2', 200, psRand(FPOOL));

for (const [l, n] of [['and', 0], ['andn', 1], ['or', 2], ['xor', 3]] as const) {
  add(`${l}pd xmm1, xmm2`, 20, pdRand(DPOOL));
  add(`${l}ps xmm4, xmmword ptr [rbx]`, 20, viaMem(psRand(FPOOL), 32 + 16 * n));
}

const PRED = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];
PRED.forEach((p, k) => {
  add(`cmp${p}sd xmm1, xmm2`, P2D, sdPair(DPOOL));
  add(`cmp${p}ss xmm1, xmm2`, P2F, ssPair(FPOOL));
  add(`cmppd xmm1, xmm2, ${k}`, 200, pdRand(DPOOL));
  add(`cmpps xmm1, xmmword ptr [rbx], ${k}`, 100, viaMem(psRand(FPOOL), 48));
});
// Legacy encodings with imm8 >= 8: only imm8[2:0] selects the predicate.
for (const imm of [9, 0x1c, 0xff]) { add(`cmpps xmm1, xmm2, ${imm}`, 100, psRand(FPOOL)); add(`cmpsd xmm1, xmm2, ${imm}`, 200, sdPair(DPOOL)); }
for (const m of ['comisd', 'ucomisd']) add(`${m} xmm1, xmm2`, P2D, sdPair(DPOOL));
for (const m of ['comiss', 'ucomiss']) add(`${m} xmm1, dword ptr [rbx]`, P2F, viaMem(ssPair(FPOOL), 7, 4));

// ---- conversions --------------------------------------------------------------------------------------------

for (const m of ['cvtsd2si', 'cvttsd2si']) {
  add(`${m} eax, xmm2`, DCONV.length * 8, (g) => { g.fpEnv(); g.xd(2, 0, DCONV[g.j % DCONV.length]); });
  add(`${m} rax, xmm2`, DCONV.length * 8, (g) => { g.fpEnv(); g.xd(2, 0, DCONV[g.j % DCONV.length]); });
  add(`${m} r9, qword ptr [rbx]`, 100, viaMem((g) => { g.fpEnv(); g.xd(2, 0, g.pick(DCONV)); }, 24, 8));
}
for (const m of ['cvtss2si', 'cvttss2si']) {
  add(`${m} ecx, xmm2`, FCONV.length * 8, (g) => { g.fpEnv(); g.x32(2, 0, FCONV[g.j % FCONV.length]); });
  add(`${m} rcx, xmm2`, FCONV.length * 8, (g) => { g.fpEnv(); g.x32(2, 0, FCONV[g.j % FCONV.length]); });
}
const intSrc = (g: G) => { g.fpEnv(); g.gpr(0, g.u32() % 3 ? g.pick(IPOOL) : BigInt(g.u32()) << BigInt(g.u32() % 33) | BigInt(g.u32())); };
for (const m of ['cvtsi2sd', 'cvtsi2ss']) {
  add(`${m} xmm1, eax`, 300, intSrc);
  add(`${m} xmm1, rax`, 600, intSrc);
  add(`${m} xmm1, dword ptr [rbx]`, 50, (g) => { intSrc(g); g.mem32(40, g.u32()); g.gpr(3, BigInt(MEMBASE + 40)); });
  add(`${m} xmm1, qword ptr [rbx]`, 50, (g) => { intSrc(g); g.mem32(40, g.u32()); g.mem32(44, g.u32()); g.gpr(3, BigInt(MEMBASE + 40)); });
}
add('cvtsd2ss xmm1, xmm2', DPOOL.length * 8, (g) => { g.fpEnv(); g.xd(2, 0, DPOOL[g.j % DPOOL.length]); });
add('cvtsd2ss xmm1, xmm2', 1000, (g) => { g.fpEnv(); g.xd(2, 0, (BigInt(g.u32() % 0x1000 + 0x36000) << 40n) | BigInt(g.u32())); });
add('cvtss2sd xmm1, xmm2', FPOOL.length * 4, (g) => { g.fpEnv(); g.x32(2, 0, FPOOL[g.j % FPOOL.length]); });
add('cvtss2sd xmm1, dword ptr [rbx]', 40, viaMem((g) => { g.fpEnv(); g.x32(2, 0, g.pick(FPOOL)); }, 4, 4));
add('cvtpd2ps xmm1, xmm2', 200, pdRand(DPOOL));
add('cvtps2pd xmm1, xmm1', 200, psRand(FPOOL));
add('cvtps2pd xmm1, qword ptr [rbx]', 40, viaMem(psRand(FPOOL), 100, 8));
add('cvtdq2ps xmm1, xmm2', 300, (g) => { g.fpEnv(); for (let k = 0; k < 4; k++) g.x32(2, k, g.u32() >> (g.u32() % 32)); });
add('cvtdq2pd xmm1, xmm2', 50, (g) => { g.fpEnv(); });
add('cvtdq2pd xmm1, qword ptr [rbx]', 20, viaMem((g) => { g.fpEnv(); }, 3, 8));
for (const m of ['cvtps2dq', 'cvttps2dq']) add(`${m} xmm1, xmm2`, 300, psRand(FCONV));
for (const m of ['cvtpd2dq', 'cvttpd2dq']) add(`${m} xmm1, xmm2`, 300, pdRand(DCONV));

const specialsF = [F(0), F(-0), F(Infinity), F(-Infinity), ...FNAN, F(-1), F(-1e-30), 0x00000001, 0x80000005, F(2 ** 127), F(-(2 ** 126) * 1.5)];
const approxGen = (g: G) => { for (let k = 0; k < 4; k++) g.x32(2, k, g.u32() % 2 ? g.pick(specialsF) : F(((g.u32() % 2000) - 1000) * 1.37e-3 * 2 ** ((g.u32() % 120) - 60))); };
for (const m of ['rcpss', 'rsqrtss', 'rcpps', 'rsqrtps']) add(`${m} xmm1, xmm2`, 300, approxGen, 1.5 * 2 ** -12);

// ---- integer SIMD ---------------------------------------------------------------------------------------------

const edgy = (g: G) => { for (const r of [1, 2]) g.xbytes(r, () => (g.u32() % 2 ? g.pick(BYTES) : g.u32() & 0xff)); };
const INT_BINOPS = ['paddb', 'paddw', 'paddd', 'paddq', 'psubb', 'psubw', 'psubd', 'psubq', 'paddsb', 'paddsw', 'paddusb',
  'paddusw', 'psubsb', 'psubsw', 'psubusb', 'psubusw', 'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd',
  'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'pand', 'pandn', 'por', 'pxor', 'pavgb', 'pavgw', 'pmullw', 'pmulhw', 'pmulhuw',
  'pmuludq', 'pmaddwd', 'psadbw', 'punpcklbw', 'punpcklwd', 'punpckldq', 'punpcklqdq', 'punpckhbw', 'punpckhwd',
  'punpckhdq', 'punpckhqdq', 'packsswb', 'packssdw', 'packuswb', 'unpcklps', 'unpckhps', 'unpcklpd', 'unpckhpd'];
for (const m of INT_BINOPS) {
  add(`${m} xmm1, xmm2`, 200, edgy);
  add(`${m} xmm1, xmm1`, 10, edgy);
  add(`${m} xmm9, xmmword ptr [rbx]`, 10, viaMem(edgy, 16 * (1 + (m.length % 20))));
}
add('pcmpeqb xmm1, xmm2', 200, (g) => { g.xbytes(1, () => g.u32() % 4); g.xbytes(2, () => g.u32() % 4); });
add('pcmpeqb xmm0, xmmword ptr [rbx]', 10, viaMem(edgy, 40)); // misaligned: #GP
for (const m of ['psrlw', 'psraw', 'psllw', 'psrld', 'psrad', 'pslld', 'psrlq', 'psllq']) {
  for (const n of [0, 1, 7, 15, 16, 31, 32, 63, 64, 255]) add(`${m} xmm1, ${n}`, 5, edgy);
  add(`${m} xmm1, xmm2`, 100, (g) => { edgy(g); g.xd(2, 0, g.j < SHIFTS.length ? SHIFTS[g.j] : BigInt(g.u32() % 70)); });
  add(`${m} xmm1, xmmword ptr [rbx]`, 20, viaMem((g) => { edgy(g); g.xd(2, 0, g.pick(SHIFTS)); }, 80));
}
for (const m of ['psrldq', 'pslldq']) for (const n of [0, 1, 3, 8, 15, 16, 200]) add(`${m} xmm5, ${n}`, 5, edgy);
for (const imm of [0x00, 0x1b, 0xe4, 0x4e, 0xb1, 0x93, 0xff]) {
  add(`pshufd xmm1, xmm2, ${imm}`, 5, edgy);
  add(`pshuflw xmm1, xmm1, ${imm}`, 5, edgy);
  add(`pshufhw xmm1, xmmword ptr [rbx], ${imm}`, 5, viaMem(edgy, 96));
  add(`shufps xmm1, xmm2, ${imm}`, 5, edgy);
  add(`shufpd xmm1, xmm1, ${imm & 3}`, 5, edgy);
}
add('shufpd xmm1, xmm2, 2', 5, edgy);
add('pmovmskb eax, xmm2', 50, edgy);
add('pmovmskb r10d, xmm11', 50, (g) => { g.xbytes(11, () => g.u32()); });
add('movmskps ecx, xmm2', 30, edgy);
add('movmskpd edx, xmm2', 30, edgy);
for (const k of [0, 3, 4, 7]) {
  add(`pextrw eax, xmm2, ${k}`, 10, edgy);
  add(`pinsrw xmm1, ecx, ${k}`, 10, (g) => { edgy(g); g.gpr(1, BigInt(g.u32()) << 32n | BigInt(g.u32())); });
  add(`pinsrw xmm1, word ptr [rbx], ${k}`, 10, viaMem(edgy, 511 - 1, 2));
}
add('maskmovdqu xmm1, xmm2', 50, (g) => { edgy(g); g.gpr(7, BigInt(MEMBASE + (g.u32() % 300))); });
add('maskmovdqu xmm1, xmm2', 30, (g) => { edgy(g); g.xbytes(2, () => g.u32() % 8 === 0 ? 0x80 : 0); g.gpr(7, BigInt(MEMBASE + MEM_SIZE - 16 + (g.u32() % 12))); });

// ---- moves ----------------------------------------------------------------------------------------------------

const rnd = (g: G) => { void g; };
for (const m of ['movdqa', 'movaps', 'movapd', 'movdqu', 'movups', 'movupd', 'lddqu']) {
  if (m !== 'lddqu') add(`${m} xmm1, xmm2`, 5, rnd);
  add(`${m} xmm1, xmmword ptr [rbx]`, 20, (g) => { g.gpr(3, BigInt(MEMBASE + 16 * (g.u32() % 30) + (g.j % 4 === 3 ? 4 : 0))); });
  if (m !== 'lddqu') add(`${m} xmmword ptr [rbx], xmm7`, 20, (g) => { g.gpr(3, BigInt(MEMBASE + 16 * (g.u32() % 30) + (g.j % 4 === 3 ? 8 : 0))); });
}
add('movdqu xmmword ptr [rbx], xmm7', 12, (g) => { g.gpr(3, BigInt(MEMBASE + MEM_SIZE - 16 + (g.j % 12))); }); // crosses into the unmapped page
add('movups xmm7, xmmword ptr [rbx]', 12, (g) => { g.gpr(3, BigInt(MEMBASE + MEM_SIZE - 16 + (g.j % 12))); });
for (const m of ['movntdq', 'movntps', 'movntpd']) add(`${m} xmmword ptr [rbx], xmm3`, 10, (g) => { g.gpr(3, BigInt(MEMBASE + 16 * (g.u32() % 30) + (g.j === 0 ? 4 : 0))); });
add('movnti dword ptr [rbx], ecx', 5, (g) => { g.gpr(3, BigInt(MEMBASE + 5)); });
add('movnti qword ptr [rbx], r12', 5, (g) => { g.gpr(3, BigInt(MEMBASE + 9)); });
const at = (off: number) => (g: G) => { g.gpr(3, BigInt(MEMBASE + off)); };
for (const asm of ['movd xmm1, eax', 'movd xmm1, dword ptr [rbx]', 'movd eax, xmm1', 'movd r9d, xmm12', 'movd dword ptr [rbx], xmm1',
  'movq xmm1, rax', 'movq xmm1, qword ptr [rbx]', 'movq rax, xmm1', 'movq qword ptr [rbx], xmm1', 'movq xmm1, xmm2', 'movq xmm3, xmm3',
  'movss xmm1, xmm2', 'movss xmm1, dword ptr [rbx]', 'movss dword ptr [rbx], xmm1', 'movsd xmm1, xmm2', 'movsd xmm1, qword ptr [rbx]',
  'movsd qword ptr [rbx], xmm1', 'movlps xmm1, qword ptr [rbx]', 'movlps qword ptr [rbx], xmm1', 'movhps xmm1, qword ptr [rbx]',
  'movhps qword ptr [rbx], xmm1', 'movlpd xmm1, qword ptr [rbx]', 'movlpd qword ptr [rbx], xmm1', 'movhpd xmm1, qword ptr [rbx]',
  'movhpd qword ptr [rbx], xmm1', 'movhlps xmm1, xmm2', 'movhlps xmm1, xmm1', 'movlhps xmm1, xmm2', 'movlhps xmm1, xmm1',
  'movddup xmm1, xmm2', 'movddup xmm1, qword ptr [rbx]', 'movshdup xmm1, xmm1', 'movsldup xmm1, xmmword ptr [rbx]']) {
  add(asm, 5, at(asm.includes('movsldup') ? 16 : 11));
}
add('movq qword ptr [rbx], xmm1', 8, (g) => { g.gpr(3, BigInt(MEMBASE + MEM_SIZE - 8 + g.j)); }); // page crossing

// ---- MXCSR and the x87 control state ---------------------------------------------------------------------------

add('ldmxcsr dword ptr [rbx]; stmxcsr dword ptr [rbx + 4]', 40, (g) => {
  // Reserved bits: 16 and 18-31 (17 is AMD's MM bit, valid on an AMD oracle host, reserved in ringjit).
  g.mem32(0, (g.u32() & 0xffff) | (g.j % 5 === 0 ? 1 << [16, 18, 20, 24, 31][g.j % 25 / 5] : 0)); g.gpr(3, BigInt(MEMBASE));
});
add('stmxcsr dword ptr [rbx]', 10, (g) => { g.fpEnv(); g.gpr(3, BigInt(MEMBASE + 3)); });
/**
 * The one host-specific field: AMD CPUs report MXCSR_MASK 0x2ffff in the fxsave image (bit 17 = MM,
 * AMD's misaligned-SSE mode), Intel CPUs 0xffff. ringjit implements (and reports) the Intel mask.
 */
const mxcsrMask = (exp: Uint8Array) => {
  const dv = new DataView(exp.buffer, exp.byteOffset + OFF.mem);
  if (dv.getUint32(28, true) === 0x2ffff) dv.setUint32(28, 0xffff, true);
};
add('fxsave [rbx]', 10, (g) => { g.fpEnv(); g.gpr(3, BigInt(MEMBASE + (g.j === 9 ? 8 : 0))); }, undefined, mxcsrMask);
add('fxsave64 [rbx]', 5, (g) => { g.fpEnv(); g.gpr(3, BigInt(MEMBASE)); }, undefined, mxcsrMask);
add('fxsave [rbx]; fxrstor [rbx + 0]', 5, (g) => { g.fpEnv(); g.gpr(3, BigInt(MEMBASE)); }, undefined, mxcsrMask);
add('fxrstor [rbx]', 20, (g) => {
  g.gpr(3, BigInt(MEMBASE)); g.mem32(0, 0x037f); g.mem32(4, 0); g.mem32(24, (g.u32() & 0xffff) | (g.j % 4 === 0 ? 0x10000 : 0));
});
add('fldcw word ptr [rbx]; fnstcw word ptr [rbx + 2]', 20, (g) => { g.mem32(0, g.u32() | 0x3f); g.gpr(3, BigInt(MEMBASE)); });
add('fnstcw word ptr [rbx]', 3, at(1));
add('fstcw word ptr [rbx]', 3, at(1));
add('fnstsw ax', 3, rnd);
add('fstsw word ptr [rbx]', 3, at(2));
add('fninit; fnstcw word ptr [rbx]', 3, at(0));
add('fnclex; fnstsw ax', 3, rnd);
add('fnstenv [rbx]; fnstcw word ptr [rbx + 40]', 5, at(0));
add('fnstenv [rbx]; fldenv [rbx]; fnstcw word ptr [rbx + 40]; fnstsw word ptr [rbx + 42]', 5, at(0));
add('emms', 3, rnd);

// ---- the tests ---------------------------------------------------------------------------------------------------


/** Build the input records of case c (deterministic). */
function inputs(c: Case, idx: number): Uint8Array {
  return caseInputs(c.n, idx, 1, (rec, seed, j, init) => {
    const g = new G(rec, seed, j);
    init(() => g.u32());
    c.gen(g);
  });
}

describeOracle('SSE/SSE2 semantics against the host CPU', CASES, inputs, (c) => `${c.asm} (${c.n} inputs)`,
  (c) => ({ host: c.host, approx: c.approx }));
