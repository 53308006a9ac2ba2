// Oracle tests of the SSE fast paths emitted inline (semantics/simd/fastfp.ts, swar.ts, integer.ts): random
// inputs biased to the fast path's boundaries (MXCSR states, near-denormal and near-overflow values, zeros,
// infinities, NaNs), source = destination, memory forms, every shuffle immediate and byte-shift count.
// Each case runs on the host CPU and under both engines; registers, MXCSR and RFLAGS must agree.
import { describeOracle } from './helpers/sse-emu.js';
import { MEMBASE, OFF, RECORD_SIZE, caseInputs } from './helpers/sse-oracle.js';

interface Case { asm: string; n: number; gen: (g: G) => void }
const CASES: Case[] = [];
const add = (asm: string, n: number, gen: (g: G) => void) => CASES.push({ asm, n, gen });

class G {
  readonly dv: DataView;
  constructor(public rec: Uint8Array, private seed: number, public j: number) { this.dv = new DataView(rec.buffer, rec.byteOffset, RECORD_SIZE); }
  u32(): number { let t = (this.seed = (this.seed + 0x6d2b79f5) | 0); t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (t ^ (t >>> 14)) >>> 0; }
  x32(r: number, k: number, v: number): void { this.dv.setUint32(OFF.xmm + 16 * r + 4 * k, v >>> 0, true); }
  gpr(r: number, lo: number, hi: number): void { this.dv.setUint32(OFF.gpr + 8 * r, lo >>> 0, true); this.dv.setUint32(OFF.gpr + 8 * r + 4, hi >>> 0, true); }
  mxcsr(v: number): void { this.dv.setUint32(OFF.mxcsr, v, true); }
  env(): void {
    const r = this.u32() % 10;
    if (r < 6) this.mxcsr(0x1fa0 | (this.u32() & 0x1f));
    else if (r < 7) this.mxcsr(0x1f80);
    else if (r < 8) this.mxcsr(0x1fa0 | ((this.u32() & 3) << 13));
    else if (r < 9) this.mxcsr(0x1fa0 & ~(1 << (7 + (this.u32() % 6))));
    else this.mxcsr(0x1fa0 | (this.u32() % 2 ? 0x40 : 0x8000));
  }
  /** A double (hi, lo) mostly normal, sometimes special. */
  dbl(): [number, number] {
    const r = this.u32() % 16;
    const lo = this.u32(), sign = this.u32() & 0x80000000;
    const mant = this.u32() & 0xfffff;
    let e: number;
    if (r < 8) e = 1023 + (this.u32() % 40) - 20;
    else if (r < 10) e = 1 + (this.u32() % 60);       // near MIN_NORMAL
    else if (r < 11) e = 2046 - (this.u32() % 30);    // near overflow
    else if (r < 12) return [sign, 0];                // zero
    else if (r < 13) e = 0;                           // denormal
    else if (r < 14) return [sign | 0x7ff00000, 0];   // inf
    else if (r < 15) return [sign | 0x7ff00000 | (this.u32() & 0xfffff) | 1, lo]; // NaN
    else e = this.u32() % 2047;
    return [sign | (e << 20) | mant, lo];
  }
  flt(): number {
    const r = this.u32() % 16;
    const sign = this.u32() & 0x80000000, mant = this.u32() & 0x7fffff;
    let e: number;
    if (r < 8) e = 127 + (this.u32() % 30) - 15;
    else if (r < 10) e = 1 + (this.u32() % 30);
    else if (r < 11) e = 254 - (this.u32() % 20);
    else if (r < 12) return sign;
    else if (r < 13) e = 0;
    else if (r < 14) return sign | 0x7f800000;
    else if (r < 15) return sign | 0x7f800000 | mant | 1;
    else e = this.u32() % 255;
    return sign | (e << 23) | mant;
  }
  /** Values at the edges of the fast paths' exponent ranges (fastfp.ts arith: 2^±512 and 2^±256 for
   * doubles, 2^±64 and 2^±32 for floats), each side of each edge, mixed with ordinary values; near
   * cancellations (b = -a or -a ± a few ulps) give exact tiny and zero sums. */
  edge(r: number, double: boolean): void {
    const lanes = double ? 2 : 4;
    for (let k = 0; k < lanes; k++) {
      const t = this.u32() % 8;
      const sign = this.u32() & 0x80000000;
      if (double) {
        const EDGES = [511, 512, 513, 1533, 1534, 1535, 766, 767, 768, 1277, 1278, 1279, 1, 2046];
        const e = t < 5 ? EDGES[this.u32() % EDGES.length] : 1023 + (this.u32() % 20) - 10;
        const m = this.u32() % 4 === 0 ? [0, 0xfffff][this.u32() % 2] : this.u32() & 0xfffff;
        const lo = m === 0 ? 0 : m === 0xfffff ? -1 : this.u32();
        this.x32(r, 2 * k, lo); this.x32(r, 2 * k + 1, sign | (e << 20) | m);
      } else {
        const EDGES = [62, 63, 64, 189, 190, 191, 94, 95, 96, 157, 158, 159, 1, 254];
        const e = t < 5 ? EDGES[this.u32() % EDGES.length] : 127 + (this.u32() % 20) - 10;
        const m = this.u32() % 4 === 0 ? [0, 0x7fffff][this.u32() % 2] : this.u32() & 0x7fffff;
        this.x32(r, k, sign | (e << 23) | m);
      }
    }
  }
  /** Register s = -(register d) with its low bits nudged: exact tiny or zero sums of in-range values. */
  cancel(d: number, s: number, double: boolean): void {
    for (let k = 0; k < 4; k++) {
      const o = OFF.xmm + 16 * d + 4 * k;
      let v = this.dv.getUint32(o, true);
      if (!double || k % 2 === 1) v ^= 0x80000000;
      else v = (v + (this.u32() % 5) - 2) >>> 0;
      if (!double && this.u32() % 2) v = (v + (this.u32() % 5) - 2) >>> 0;
      this.x32(s, k, v);
    }
  }
  fill(r: number, double: boolean): void {
    if (double) for (let k = 0; k < 2; k++) { const [hi, lo] = this.dbl(); this.x32(r, 2 * k, lo); this.x32(r, 2 * k + 1, hi); }
    else for (let k = 0; k < 4; k++) this.x32(r, k, this.flt());
  }
  spill(r: number, off: number): void {
    for (let k = 0; k < 16; k++) this.rec[OFF.mem + off + k] = this.rec[OFF.xmm + 16 * r + k];
    this.gpr(3, MEMBASE + off, 0);
  }
}

/** Every arithmetic form (register, same register, memory source) with `n` cases of the register
 * form and n/5 of the others, inputs from `gen(double, memory)`. */
function arithForms(n: number, gen: (double: boolean, mem: boolean) => (g: G) => void): void {
  for (const op of ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt']) {
    for (const sh of ['sd', 'ss', 'pd', 'ps']) {
      const dbl = sh[1] === 'd';
      add(`${op}${sh} xmm1, xmm2`, n, gen(dbl, false));
      add(`${op}${sh} xmm1, xmm1`, n / 5, gen(dbl, false));
      add(`${op}${sh} xmm3, ${sh[0] === 's' ? (dbl ? 'qword' : 'dword') : 'xmmword'} ptr [rbx]`, n / 5, gen(dbl, true));
    }
  }
}
const fp = (double: boolean, mem = false) => (g: G) => { g.env(); for (const r of [1, 2, 3]) g.fill(r, double); if (mem) g.spill(2, 32); };
arithForms(1500, fp);
// The fast paths' exponent-range edges (fast MXCSR mostly: g.env()).
const edges = (double: boolean, mem = false, cancel = false) => (g: G) => {
  g.env(); for (const r of [1, 2, 3]) g.edge(r, double);
  if (cancel) g.cancel(1, 2, double);
  if (mem) g.spill(2, 32);
};
arithForms(750, edges);
for (const sh of ['sd', 'ss', 'pd', 'ps']) for (const op of ['add', 'sub']) add(`${op}${sh} xmm1, xmm2`, 400, edges(sh[1] === 'd', false, true));
add('mulsd xmm1, xmm2; addsd xmm1, xmm1; subsd xmm2, xmm1; divsd xmm3, xmm2; sqrtsd xmm0, xmm3', 1000, fp(true));
for (const m of ['comisd', 'ucomisd']) { add(`${m} xmm1, xmm2`, 1500, fp(true)); add(`${m} xmm1, qword ptr [rbx]`, 300, fp(true, true)); add(`${m} xmm1, xmm1`, 100, fp(true)); }
for (const m of ['comiss', 'ucomiss']) { add(`${m} xmm1, xmm2`, 1500, fp(false)); add(`${m} xmm1, dword ptr [rbx]`, 300, fp(false, true)); }
add('ucomisd xmm1, xmm2; seta al; setp bl; sete cl; setb dl', 500, fp(true));
const ints = (g: G) => {
  g.env();
  const r = g.u32() % 6;
  const hi = r === 0 ? g.u32() : r === 1 ? (g.u32() & 0x3fffff) - 0x200000 : r === 2 ? 0x200000 - (g.u32() % 3) : r === 3 ? -0x200000 + (g.u32() % 3) - 1 : r === 4 ? 0 : -1;
  let lo = g.u32() >> (g.u32() % 32);
  if (hi === 0 && lo >= 0x10000 && lo < 0x12000) lo ^= 0x100000; // the oracle relocates values that look like window pointers
  g.gpr(0, lo, hi); g.gpr(3, MEMBASE + 8, 0);
  g.dv.setUint32(OFF.mem + 8, g.u32() >> (g.u32() % 32), true); g.dv.setUint32(OFF.mem + 12, hi, true);
};
for (const m of ['cvtsi2sd', 'cvtsi2ss']) for (const s of ['eax', 'rax', 'dword ptr [rbx]', 'qword ptr [rbx]']) add(`${m} xmm1, ${s}`, 600, ints);

const bytes = (g: G) => { for (const r of [1, 2, 9, 11]) for (let k = 0; k < 16; k++) g.rec[OFF.xmm + 16 * r + k] = g.u32() % 3 ? g.u32() & 0xff : [0, 0x7f, 0x80, 0xff, 1][g.u32() % 5]; g.spill(2, 64); };
for (const m of ['paddb', 'paddw', 'psubb', 'psubw', 'paddq', 'psubq', 'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd',
  'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'pand', 'pandn', 'por', 'pxor', 'paddd', 'psubd', 'xorps', 'andnpd',
  'punpcklbw', 'punpcklwd', 'punpckldq', 'punpcklqdq', 'punpckhbw', 'punpckhwd', 'punpckhdq', 'punpckhqdq', 'unpcklps', 'unpckhps', 'unpcklpd', 'unpckhpd']) {
  add(`${m} xmm1, xmm2`, 300, bytes);
  add(`${m} xmm1, xmm1`, 30, bytes);
  add(`${m} xmm9, xmmword ptr [rbx]`, 30, bytes);
}
for (let imm = 0; imm < 256; imm += 7) {
  add(`pshufd xmm1, xmm2, ${imm}`, 3, bytes); add(`pshufd xmm1, xmm1, ${imm}`, 3, bytes); add(`pshufd xmm1, xmmword ptr [rbx], ${imm}`, 3, bytes);
  add(`pshuflw xmm1, xmm1, ${imm}`, 3, bytes); add(`pshufhw xmm1, xmm2, ${imm}`, 3, bytes);
  add(`shufps xmm1, xmm2, ${imm}`, 3, bytes); add(`shufps xmm1, xmm1, ${imm}`, 3, bytes); add(`shufpd xmm1, xmm2, ${imm & 3}`, 3, bytes);
}
for (let n = 0; n < 20; n++) { add(`psrldq xmm1, ${n}`, 3, bytes); add(`pslldq xmm1, ${n}`, 3, bytes); }
for (const m of ['psrlw', 'psraw', 'psllw', 'psrld', 'psrad', 'pslld', 'psrlq', 'psllq']) for (const n of [0, 1, 5, 8, 15, 16, 17, 31, 32, 33, 40, 63, 64, 65, 200]) add(`${m} xmm1, ${n}`, 3, bytes);
add('pmovmskb eax, xmm2', 300, bytes);
add('pmovmskb r10d, xmm11', 100, bytes);
add('pcmpeqb xmm1, xmm2; pmovmskb eax, xmm1; pminub xmm2, xmm9; pmovmskb ecx, xmm2', 300, bytes);
// The byte SWAR forms (swar.ts) decide per byte from the top bit and the low 7 bits separately, so the
// interesting inputs are bytes at those edges (0x00/0x01, 0x7f/0x80/0x81, 0xfe/0xff) and operand pairs
// that differ in only some bytes, in only the top bit or only the low bit: every byte lane of xmm2,
// xmm9 and memory is xmm1's byte, or that byte ^ 0x80, ^ 0x01, ± 1, or an edge value.
const EDGE8 = [0x00, 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff];
const nearBytes = (g: G) => {
  const x = (r: number, k: number) => OFF.xmm + 16 * r + k;
  for (let k = 0; k < 16; k++) g.rec[x(1, k)] = g.u32() % 2 ? EDGE8[g.u32() % EDGE8.length] : g.u32() & 0xff;
  for (const r of [2, 9, 11]) for (let k = 0; k < 16; k++) {
    const a = g.rec[x(1, k)], t = g.u32() % 7;
    g.rec[x(r, k)] = t < 2 ? a : t === 2 ? a ^ 0x80 : t === 3 ? a ^ 1 : t === 4 ? (a + 1) & 0xff : t === 5 ? (a - 1) & 0xff : EDGE8[g.u32() % EDGE8.length];
  }
  g.spill(2, 64);
};
for (const m of ['pminub', 'pmaxub', 'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'paddb', 'psubb', 'pminsw', 'pmaxsw']) {
  add(`${m} xmm1, xmm2`, 300, nearBytes);
  add(`${m} xmm9, xmm1`, 100, nearBytes);
  add(`${m} xmm1, xmmword ptr [rbx]`, 100, nearBytes);
}
// Same-register forms resolved when the code is generated (integer.ts: pand/por/pmin/pmax x, x leave x;
// pxor/pandn/psub x, x are zero; pcmpeq x, x all ones), on a high register too.
for (const m of ['pand', 'por', 'pxor', 'pandn', 'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'psubb', 'pcmpgtb']) {
  add(`${m} xmm11, xmm11`, 10, nearBytes);
}
// pmovmskb (moves.ts mask8): each of the 16 byte lanes' top bit alone, and with all others set, so a
// bit gathered into the wrong position or a carry between partial products shows.
const oneByte = (set: boolean) => (g: G) => {
  bytes(g);
  const k = g.j % 16;
  for (let j = 0; j < 16; j++) g.rec[OFF.xmm + 16 * 2 + j] = (j === k) === set ? 0x80 | (g.u32() & 0x7f) : g.u32() & 0x7f;
};
add('pmovmskb eax, xmm2', 32, oneByte(true));
add('pmovmskb eax, xmm2', 32, oneByte(false));
// glibc's __strlen_sse2 64-byte loop and its tail (pminub chain, compare with a zeroed register,
// pxor-zeroed destination compared with memory), with a zero byte placed in one random lane or none.
const strBytes = (g: G) => {
  bytes(g);
  for (const r of [1, 2, 9]) for (let k = 0; k < 16; k++) g.rec[OFF.xmm + 16 * r + k] = 1 + (g.u32() % 255);
  if (g.u32() % 4) g.rec[OFF.xmm + 16 * [1, 2, 9][g.u32() % 3] + (g.u32() % 16)] = 0;
  g.spill(9, 64);
};
add('pxor xmm3, xmm3; movdqa xmm0, xmmword ptr [rbx]; pminub xmm0, xmm1; pminub xmm0, xmm2; pcmpeqb xmm0, xmm3; pmovmskb edx, xmm0', 200, strBytes);
add('pxor xmm0, xmm0; pcmpeqb xmm0, xmmword ptr [rbx]; pcmpeqb xmm1, xmm0; pmovmskb esi, xmm0; pmovmskb ecx, xmm1', 200, strBytes);

function inputs(c: Case, idx: number): Uint8Array {
  return caseInputs(c.n, idx, 17, (rec, seed, j, init) => {
    const g = new G(rec, seed, j);
    init(() => g.u32());
    c.gen(g);
  });
}

/** Failure detail: rax and MXCSR of the input. */
function describeInput(inp: Uint8Array): string {
  const v = new DataView(inp.buffer, inp.byteOffset);
  return `rax=${v.getBigUint64(OFF.gpr, true).toString(16)} mx=${v.getUint32(OFF.mxcsr, true).toString(16)}`;
}
describeOracle('SSE fast paths against the host CPU', CASES, inputs, (c) => `${c.asm} (${c.n})`, () => ({ describe: describeInput }));
