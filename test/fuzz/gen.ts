// The case generator: random instances of one instruction form (the "primary"), optionally preceded by up
// to three register-only instructions, with random registers and flags biased toward edge values.
//
// Safety rule (the runner executes these natively): every memory access the primary makes is steered into
// the scratch area (or its guard pages, which fault) by choosing its base/index registers, patching its
// displacement or moffs address, and fixing RSP/RSI/RDI/RBX/RBP for implicit accesses. The instructions in
// front of it never touch memory and never write a register the primary's addressing depends on. Branches
// always target the "taken" trampoline. A final check recomputes every address and rejects the case if one
// falls outside the scratch area and its guards.

import { decode } from '../../src/decoder/decode.js';
import { A, type Insn, K, P } from '../../src/decoder/insn.js';
import { Am } from '../../src/decoder/spec.js';
import { type FormInfo, encodeRecipe, encodedWidth, formKey } from './forms.js';
import { flagFlow } from './flagflow.js';
import { CODE_BASE, MAX_CODE, RW_BYTES, Rng, SCRATCH_BASE, SCRATCH_END, TAKEN_ADDR } from './layout.js';
import { type CaseInput, type Patch } from './native.js';

export interface GenCase extends CaseInput {
  /** Form key of the primary (last) instruction. */
  form: string;
  /** Form keys of every instruction, in order. */
  forms: string[];
  /** Undefined status flags before each instruction and after the last (see flagflow.ts). */
  undef: number[];
}

const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
const M64 = (1n << 64n) - 1n, M32 = 0xffffffffn;
const SHIFTS = new Set(['shl', 'sal', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'shld', 'shrd']);
/** Memory-operand forms that never access memory. */
const NO_ACCESS = new Set(['lea', 'nop', 'prefetch', 'prefetchw', 'prefetchnta', 'prefetcht0', 'prefetcht1', 'prefetcht2', 'ud0', 'ud1']);

/** Instructions whose results are implementation-specific approximations (SDM: relative error <= 1.5 * 2^-12). */
export const APPROX = new Set(['rcpps', 'rcpss', 'rsqrtps', 'rsqrtss']);

const EDGE64 = [0n, 1n, 2n, 3n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 0xffffn, 0x10000n, 0x7fffffffn,
  0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn,
  0xfffffffffffffffen, 0xffffffff80000000n, 0xffffffffffff8000n, 0xffffffffffffff80n, 0x8000000000000001n,
  0xffffffff00000000n, 0x00000000ffffffffn, 0x0000ffff0000ffffn, 0x123456789abcdef0n];

export function val64(rng: Rng): bigint {
  switch (rng.int(8)) {
    case 0: case 1: return rng.pick(EDGE64);
    case 2: return BigInt(rng.u32());
    case 3: return BigInt.asUintN(64, BigInt(rng.u32() | 0));
    case 4: return BigInt.asUintN(64, BigInt(rng.int(130) - 65));
    case 5: return (rng.u64() & ~0xffn) | BigInt(rng.pick([0, 0x7f, 0x80, 0xff, 1]));
    default: return rng.u64();
  }
}
function immValue(rng: Rng, w: number): bigint {
  const bits = BigInt(w * 8);
  const m = (1n << bits) - 1n;
  switch (rng.int(6)) {
    case 0: return 0n;
    case 1: return rng.pick([1n, 2n, m, m - 1n, (1n << (bits - 1n)) - 1n, 1n << (bits - 1n), (1n << (bits - 1n)) + 1n]);
    case 2: return BigInt(rng.int(64));
    default: return rng.u64() & m;
  }
}
function countValue(rng: Rng, widthBits: number): number {
  return rng.pick([0, 1, 1, 2, widthBits - 1, widthBits, widthBits + 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 0xff,
    rng.int(256), rng.int(64)]) & 0xff;
}

function putLE(b: Uint8Array, at: number, w: number, v: bigint): void {
  for (let k = 0; k < w; k++) b[at + k] = Number((v >> BigInt(8 * k)) & 0xffn);
}

/** One encoded instruction of the sequence. */
interface Piece { form: FormInfo; bytes: Uint8Array; opEnd: number; insn: Insn; a32: boolean }

function trailingStart(i: Insn, opEnd: number): number {
  if (i.modrm < 0) return opEnd;
  return opEnd + 1 + (i.sib >= 0 ? 1 : 0) + i.dispSize;
}
function dispStart(i: Insn, opEnd: number): number { return opEnd + 1 + (i.sib >= 0 ? 1 : 0); }

/** Encode an instance of a form, with edge-biased immediates. */
function instance(f: FormInfo, rng: Rng): Piece | null {
  for (let t = 0; t < 24; t++) {
    const r = rng.pick(f.recipes);
    const tail = new Uint8Array(16);
    for (let k = 0; k < 16; k++) tail[k] = rng.int(256);
    const seg = r.mod === 'mem' && rng.chance(0.05) ? rng.pick([0x26, 0x2e, 0x36, 0x3e]) : undefined;
    // A 67 prefix on ModRM memory forms (32-bit addressing: the address wraps at 4 GiB) is a variation of the
    // form, not a form of its own.
    const extra = r.mod === 'mem' && !r.a32 && !r.prefixes.includes(0x67) && rng.chance(0.15) ? [0x67] : [];
    const { bytes, opEnd } = encodeRecipe(r, rng, tail, { rex: rng.chance(0.3), rexRXB: rng.chance(0.5) ? rng.int(8) : 0, seg, extra });
    const i = decode(bytes, 0, bytes.length, CODE_BASE, 64);
    if (i.mnem === '(bad)' || formKey(i, r) !== f.key) continue;
    const b = bytes.slice(0, i.len);
    const opE = opEnd;
    // Immediates: edge values; shift counts; enter's level 0.
    let at = trailingStart(i, opE);
    const form = r.form;
    for (let n = 0; n < form.ops.length; n++) {
      const o = form.ops[n];
      const w = encodedWidth(o, i.opsize);
      if (o.am !== Am.I || w === 0) continue;
      let v: bigint;
      if (SHIFTS.has(i.mnem) && n === form.ops.length - 1) {
        let c = countValue(rng, (i.s0 || i.opsize) * 8);
        if ((i.mnem === 'shld' || i.mnem === 'shrd') && i.opsize === 2 && (c & 31) > 16) c = rng.int(17);
        v = BigInt(c);
      } else if (i.mnem === 'enter') v = n === 0 ? BigInt(rng.pick([0, 8, 16, 0x100, rng.int(0x10000)])) : 0n;
      else v = immValue(rng, w);
      putLE(b, at, w, v);
      at += w;
    }
    const fin = decode(b, 0, b.length, CODE_BASE, 64);
    if (fin.mnem === '(bad)' || formKey(fin, r) !== f.key) continue;
    return { form: f, bytes: b, opEnd: opE, insn: fin, a32: r.a32 };
  }
  return null;
}

/** GPR numbers an instruction may write (conservatively: every GPR operand) or read implicitly. */
function touchedRegs(i: Insn): Set<number> {
  const s = new Set<number>();
  for (let n = 0; n < i.nops; n++) {
    const k = n === 0 ? i.k0 : n === 1 ? i.k1 : n === 2 ? i.k2 : i.k3;
    const r = n === 0 ? i.r0 : n === 1 ? i.r1 : n === 2 ? i.r2 : i.r3;
    const sz = n === 0 ? i.s0 : n === 1 ? i.s1 : n === 2 ? i.s2 : i.s3;
    if (k === K.Reg) s.add(sz === 1 && r >= 16 ? r - 16 : r);
  }
  if (i.k0 === K.Reg && i.nops === 1 && /^(mul|imul|div|idiv)$/.test(i.mnem)) { s.add(RAX); s.add(RDX); }
  if (/^(mul|div|idiv)$/.test(i.mnem)) { s.add(RAX); s.add(RDX); }
  if (i.mnem === 'imul' && i.nops === 1) { s.add(RAX); s.add(RDX); }
  if (/^(cbw|cwde|cdqe|lahf|sahf|cmpxchg)$/.test(i.mnem)) s.add(RAX);
  if (/^(cwd|cdq|cqo)$/.test(i.mnem)) { s.add(RAX); s.add(RDX); }
  return s;
}
function usesCL(i: Insn): boolean {
  if (!SHIFTS.has(i.mnem)) return false;
  const last = i.nops - 1;
  const k = last === 1 ? i.k1 : i.k2, r = last === 1 ? i.r1 : i.r2;
  return k === K.Reg && r === RCX;
}

/** Forms usable in front of a primary: no memory access, no branch, no implicit memory, no fault-free
 *  requirement (a #DE ends the sequence, which is fine). */
export function prefixPool(forms: readonly FormInfo[]): FormInfo[] {
  return forms.filter((f) => {
    if (f.excluded || !f.implemented) return false;
    const i = f.sample;
    if (i.attrs & (A.ENDS_BLOCK | A.STRING | A.PRIVILEGED | A.IOPL | A.TRAP)) return false;
    if (/^(push|pop|pushf|pushfw|popf|popfw|enter|leave|xlat|maskmovdqu|pause|ldmxcsr|stmxcsr|in|out|clflush|clflushopt)$/.test(i.mnem)) return false;
    // Approximations (implementation-specific results) only as the last instruction, compared with a tolerance.
    if (APPROX.has(i.mnem)) return false;
    const hasMem = i.k0 === K.Mem || i.k1 === K.Mem || i.k2 === K.Mem || i.k3 === K.Mem;
    if (hasMem && !NO_ACCESS.has(i.mnem)) return false;
    if (i.mnem === 'ud0' || i.mnem === 'ud1') return false;
    return true;
  });
}

interface Ctx {
  rng: Rng;
  regs: bigint[];
  fixed: Set<number>;
  patches: Patch[];
}
function patchMem(c: Ctx, addr: bigint, bytes: number[]): boolean {
  const off = Number(addr - BigInt(SCRATCH_BASE));
  if (off < 0 || off + bytes.length > RW_BYTES) return false;
  c.patches.push({ off, bytes: Uint8Array.from(bytes) });
  return true;
}
function le(v: bigint, w: number): number[] {
  const o: number[] = [];
  for (let k = 0; k < w; k++) o.push(Number((v >> BigInt(8 * k)) & 0xffn));
  return o;
}

/** A stack pointer inside the read-write scratch pages (sometimes at a fault boundary). */
function stackValue(rng: Rng): bigint {
  if (rng.chance(0.03)) return BigInt(SCRATCH_BASE + rng.int(12));
  if (rng.chance(0.03)) return BigInt(SCRATCH_BASE + RW_BYTES + rng.int(12));
  const v = SCRATCH_BASE + 0x1000 + rng.int(0x800) - 0x400;
  return BigInt(rng.chance(0.9) ? v & ~7 : v);
}

/** A target address for an access of `size` bytes. `rw`: must be patchable (inside the RW pages). */
function pickTarget(rng: Rng, size: number, rw: boolean): bigint {
  size = Math.max(size, 1);
  if (rw || rng.chance(0.8)) {
    let off = 0x100 + rng.int(RW_BYTES - 0x200 - size);
    if (rng.chance(0.5)) { const al = Math.min(16, 1 << Math.floor(Math.log2(size))); off &= ~(al - 1); }
    return BigInt(SCRATCH_BASE + off);
  }
  const b = rng.pick([SCRATCH_BASE, SCRATCH_BASE + 0x1000, SCRATCH_BASE + RW_BYTES, SCRATCH_END]);
  return BigInt(b - size - 2 + rng.int(2 * size + 4));
}

function modInverse(a: bigint, bits: bigint): bigint {
  // Newton iteration for odd a modulo 2^bits.
  const m = (1n << bits) - 1n;
  let x = a;
  for (let k = 0; k < 7; k++) x = (x * (2n - a * x)) & m;
  return x;
}

/** Choose base/index values (or patch the displacement) so that the ModRM memory operand addresses T
 *  (give or take the few bytes an index scale forces). Registers already fixed keep their values. */
function steerModrm(c: Ctx, p: Piece, T: bigint): boolean {
  const i = p.insn, rng = c.rng;
  const a32 = i.adsize === 4;
  const bits = a32 ? 32n : 64n, M = a32 ? M32 : M64;
  const disp = BigInt(i.disp);
  const scale = BigInt(i.scale);
  const shift = BigInt(Math.log2(i.scale));
  // Under a 67 prefix only the low 32 bits of base and index count: fill the rest with noise.
  const hiNoise = (v: bigint): bigint => (a32 ? (v & M32) | (rng.u64() & ~M32 & M64) : v & M64);
  const setDisp = (d: bigint): void => putLE(p.bytes, dispStart(i, p.opEnd), 4, d);
  if (i.ripRel) { setDisp(T - BigInt(i.addr + i.len)); return true; }
  const b = i.base, x = i.index;
  if (b < 0 && x < 0) { setDisp(T); return T < 0x7fffffffn; }
  if (b >= 0 && b === x) {
    if (c.fixed.has(b)) return false;
    // v * (1 + scale) = T - disp: scale 1 needs an even right side; 3, 5, 9 are invertible mod 2^n.
    let t = (T - disp) & M;
    let v: bigint;
    if (scale === 1n) { t &= ~1n; v = (t >> 1n) + (rng.chance(0.5) ? 1n << (bits - 1n) : 0n); }
    else v = (t * modInverse(1n + scale, bits)) & M;
    c.regs[b] = hiNoise(v); c.fixed.add(b);
    return true;
  }
  if (x >= 0 && !c.fixed.has(x) && (b < 0 || c.fixed.has(b) || rng.chance(0.3))) {
    // Solve the index: index * scale = T - disp - base (T moves down to a multiple of the scale).
    let t = (T - disp - (b >= 0 ? c.regs[b] : 0n)) & M;
    t -= t % scale;
    const v = ((t >> shift) + (BigInt(rng.int(i.scale)) << (bits - shift))) & M;
    c.regs[x] = hiNoise(v); c.fixed.add(x);
    if (b >= 0) c.fixed.add(b);
    return true;
  }
  if (b >= 0 && !c.fixed.has(b)) {
    const xv = x >= 0 ? c.regs[x] : 0n;
    c.regs[b] = hiNoise((T - disp - xv * scale) & M);
    c.fixed.add(b);
    if (x >= 0) c.fixed.add(x);
    return true;
  }
  // Base and index fixed (RSP, a count in RCX ...): move a 32-bit displacement, else keep the address.
  const cur = ((b >= 0 ? c.regs[b] : 0n) + (x >= 0 ? c.regs[x] * scale : 0n)) & M;
  if (i.dispSize === 4) setDisp(T - cur);
  return true;
}

/** Linear address of the ModRM memory operand for the current register values. */
function eaOf(i: Insn, regs: bigint[]): bigint {
  const M = i.adsize === 4 ? M32 : M64;
  if (i.ripRel) return BigInt(i.addr + i.len + i.disp) & M;
  let a = BigInt(i.disp);
  if (i.base >= 0) a += regs[i.base];
  if (i.index >= 0) a += regs[i.index] * BigInt(i.scale);
  return a & M;
}
const inArea = (a: bigint, len = 1): boolean =>
  a >= BigInt(SCRATCH_BASE - 0x1000) && a + BigInt(len) <= BigInt(SCRATCH_END + 0x1000);

function memOperand(i: Insn): { n: number; size: number } | null {
  for (let n = 0; n < i.nops; n++) {
    const k = n === 0 ? i.k0 : n === 1 ? i.k1 : n === 2 ? i.k2 : i.k3;
    const r = n === 0 ? i.r0 : n === 1 ? i.r1 : n === 2 ? i.r2 : i.r3;
    const s = n === 0 ? i.s0 : n === 1 ? i.s1 : n === 2 ? i.s2 : i.s3;
    if (k === K.Mem && !(r & 0x100)) return { n, size: s };
  }
  return null;
}

/** Registers the primary's addressing (or branch target, or count) depends on: prefixes must not write them. */
function protectedRegs(p: Piece): Set<number> {
  const i = p.insn;
  const s = new Set<number>([RSP]);
  const m = memOperand(i);
  if (m && !NO_ACCESS.has(i.mnem)) { if (i.base >= 0) s.add(i.base); if (i.index >= 0) s.add(i.index); }
  if (i.attrs & A.STRING) { s.add(RSI); s.add(RDI); s.add(RCX); }
  if (i.mnem === 'xlat') { s.add(RBX); s.add(RAX); }
  if (i.mnem === 'leave') s.add(RBP);
  if (i.mnem === 'maskmovdqu') s.add(RDI);
  if (/^(bt|bts|btr|btc)$/.test(i.mnem) && i.k0 === K.Mem && i.k1 === K.Reg) s.add(i.r1);
  if ((i.mnem === 'jmp' || i.mnem === 'call') && i.k0 === K.Reg) s.add(i.r0);
  if (usesCL(i)) s.add(RCX);
  return s;
}

export interface GenOptions {
  /** Probability of instructions in front of the primary. */
  prefixRate?: number;
}

/** Generate one case whose last instruction is an instance of `f`. Returns null if no valid case was found. */
export function makeCase(f: FormInfo, rng: Rng, id: number, pool: readonly FormInfo[], opts: GenOptions = {}): GenCase | null {
  for (let attempt = 0; attempt < 12; attempt++) {
    const c = tryCase(f, rng, id, pool, attempt < 6 ? (opts.prefixRate ?? 0.3) : 0);
    if (c) return c;
  }
  return null;
}

function tryCase(f: FormInfo, rng: Rng, id: number, pool: readonly FormInfo[], prefixRate: number): GenCase | null {
  const prim = instance(f, rng);
  if (!prim) return null;
  const regs: bigint[] = Array.from({ length: 16 }, () => val64(rng));
  const c: Ctx = { rng, regs, fixed: new Set([RSP]), patches: [] };
  regs[RSP] = stackValue(rng);

  // ---- instructions in front ----
  const front: Piece[] = [];
  if (pool.length && rng.chance(prefixRate)) {
    const prot = protectedRegs(prim);
    const n = 1 + rng.int(3);
    const written = new Set<number>();
    const clUsers = usesCL(prim.insn);
    let len = prim.bytes.length;
    for (let k = 0; k < n; k++) {
      for (let t = 0; t < 10; t++) {
        // Conditional primaries: a flag producer in front makes the direct-comparison paths run.
        const pf = rng.pick(pool);
        const p = instance(pf, rng);
        if (!p) continue;
        const touched = touchedRegs(p.insn);
        if ([...touched].some((r) => prot.has(r))) continue;
        if (usesCL(p.insn) && written.has(RCX)) continue;
        // SHLD/SHRD r16 by more than 16: result undefined (UNDEFINED_RESULTS).
        if ((p.insn.mnem === 'shld' || p.insn.mnem === 'shrd') && p.insn.opsize === 2 && usesCL(p.insn) &&
          (Number(regs[RCX] & 31n)) > 16) continue;
        if (clUsers && touched.has(RCX)) continue;
        if (len + p.bytes.length > MAX_CODE) continue;
        for (const r of touched) written.add(r);
        if (usesCL(p.insn)) prot.add(RCX);
        front.push(p);
        len += p.bytes.length;
        break;
      }
    }
  }
  // ---- layout: re-decode at the final addresses ----
  const pieces = [...front, prim];
  let off = 0;
  for (const p of pieces) {
    p.insn = decode(p.bytes, 0, p.bytes.length, CODE_BASE + off, 64);
    off += p.bytes.length;
  }
  const codeLen = off;
  if (codeLen > MAX_CODE) return null;
  const i0 = prim.insn;
  const m = i0.mnem;

  // ---- roles of the primary ----
  // Shift counts in CL.
  if (usesCL(i0)) {
    let cnt = countValue(rng, (i0.s0 || i0.opsize) * 8);
    if ((m === 'shld' || m === 'shrd') && i0.opsize === 2 && (cnt & 31) > 16) cnt = rng.int(17);
    regs[RCX] = (regs[RCX] & ~0xffn) | BigInt(cnt);
    c.fixed.add(RCX);
  }
  if (m === 'leave') { regs[RBP] = stackValue(rng); c.fixed.add(RBP); }
  // Indirect branches through a register.
  if ((m === 'jmp' || m === 'call') && i0.k0 === K.Reg) { regs[i0.r0] = BigInt(TAKEN_ADDR); c.fixed.add(i0.r0); }
  // bt* with a memory operand and a register bit offset: a small signed offset.
  const btMemReg = /^(bt|bts|btr|btc)$/.test(m) && i0.k0 === K.Mem && i0.k1 === K.Reg;
  if (btMemReg) {
    if (i0.r1 === i0.base || i0.r1 === i0.index) return null;
    const bitsMax = 0x1800 * 8;
    const v = BigInt(rng.int(2 * bitsMax) - bitsMax);
    regs[i0.r1] = BigInt.asUintN(64, v) & (i0.s1 === 2 ? 0xffffn : i0.s1 === 4 ? M32 : M64) |
      (i0.s1 < 8 ? rng.u64() & ~(i0.s1 === 2 ? 0xffffn : M32) & M64 : 0n);
    c.fixed.add(i0.r1);
  }
  // String instructions: RSI/RDI in the middle of the RW pages, a small RCX for rep.
  const isString = (i0.attrs & A.STRING) !== 0;
  const rep = (i0.prefixes & (P.REP | P.REPNE)) !== 0;
  if (isString || m === 'maskmovdqu') {
    const size = Math.max(i0.s0, i0.s1, 1);
    for (const r of [RSI, RDI]) {
      const v = BigInt(SCRATCH_BASE + 0x600 + rng.int(0xe00));
      regs[r] = i0.adsize === 4 ? v | (rng.u64() & ~M32 & M64) : v;
      c.fixed.add(r);
    }
    if (rng.chance(0.1)) regs[RDI] = BigInt(SCRATCH_BASE + RW_BYTES - size * 4 + rng.int(size * 8));
    if (rep) {
      const n = rng.chance(0.05) ? rng.pick([M64, 0x100000000n, 0xffffffffn]) : BigInt(rng.chance(0.8) ? rng.int(17) : rng.int(200));
      regs[RCX] = i0.adsize === 4 ? (n & M32) | (rng.u64() & ~M32 & M64) : n;
      c.fixed.add(RCX);
    }
    // Equal elements so repe/repne run for a while.
    if ((m === 'cmps' || m === 'scas') && rng.chance(0.5)) {
      const count = Math.min(Number(regs[RCX] & 0xffn), 16) + 1;
      const dst = Number((regs[RDI] & M32) - BigInt(SCRATCH_BASE));
      const src = Number((regs[RSI] & M32) - BigInt(SCRATCH_BASE));
      const pat: number[] = [];
      const elem = m === 'scas' ? le(regs[RAX], size) : null;
      for (let k = 0; k < count * size; k++) pat.push(elem ? elem[k % size] : (k * 37 + 11) & 0xff);
      const diffAt = rng.int(count * size + 4);
      if (diffAt < pat.length && rng.chance(0.5)) pat[diffAt] ^= 1 << rng.int(8);
      const base = (off: number): number => Math.max(0, Math.min(RW_BYTES - pat.length, off - (rng.chance(0.5) ? pat.length - size : 0)));
      if (m === 'cmps') {
        const s0 = base(src), d0 = base(dst);
        c.patches.push({ off: s0, bytes: Uint8Array.from(pat) });
        c.patches.push({ off: d0, bytes: Uint8Array.from(pat) });
      } else c.patches.push({ off: base(dst), bytes: Uint8Array.from(pat) });
    }
  }
  if (m === 'xlat') {
    const al = regs[RAX] & 0xffn;
    const T = pickTarget(rng, 1, false);
    const v = (T - al) & (i0.adsize === 4 ? M32 : M64);
    regs[RBX] = i0.adsize === 4 ? v | (rng.u64() & ~M32 & M64) : v;
    c.fixed.add(RBX); c.fixed.add(RAX);
  }
  // ModRM memory operand.
  const mo = memOperand(i0);
  let ea: bigint | null = null;
  const needsPatch = ((m === 'jmp' || m === 'call') && mo !== null) || m === 'cmpxchg' || m === 'div' || m === 'idiv' || m === 'ldmxcsr';
  if (mo && !NO_ACCESS.has(m) && !(i0.opcode >= 0xa0 && i0.opcode <= 0xa3)) {
    const size = mo.size || 1;
    const T = btMemReg ? BigInt(SCRATCH_BASE + 0x0c00 + rng.int(0x800)) : pickTarget(rng, size, needsPatch);
    if (!steerModrm(c, prim, T)) return null;
    prim.insn = decode(prim.bytes, 0, prim.bytes.length, prim.insn.addr, 64);
    ea = eaOf(prim.insn, regs);
  }
  // moffs: the address is the trailing immediate.
  if (i0.opcode >= 0xa0 && i0.opcode <= 0xa3 && i0.modrm < 0) {
    const T = pickTarget(rng, mo?.size ?? 1, false);
    putLE(prim.bytes, trailingStart(i0, prim.opEnd), i0.adsize, T);
    prim.insn = decode(prim.bytes, 0, prim.bytes.length, prim.insn.addr, 64);
    ea = T;
  }
  // Relative branches: target the taken trampoline.
  if (i0.k0 === K.Rel) {
    const w = prim.bytes.length - trailingStart(i0, prim.opEnd);
    const rel = BigInt(TAKEN_ADDR - (i0.addr + i0.len));
    putLE(prim.bytes, prim.bytes.length - w, w, rel);
    prim.insn = decode(prim.bytes, 0, prim.bytes.length, prim.insn.addr, 64);
    if (m === 'loop' || m === 'loope' || m === 'loopne' || m === 'jrcxz' || m === 'jecxz') {
      const v = rng.pick([0n, 1n, 2n, 0x100000000n, 0x100000001n, M64, val64(rng)]);
      if (!c.fixed.has(RCX)) regs[RCX] = v;
    }
  }
  const i1 = prim.insn;
  // Memory contents the primary needs.
  if (ea !== null) {
    const size = mo?.size ?? 8;
    if ((m === 'jmp' || m === 'call') && !patchMem(c, ea, le(BigInt(TAKEN_ADDR), 8))) return null;
    if (m === 'ldmxcsr') {
      const v = rng.chance(0.85) ? (0x1f80 | (rng.int(4) << 13) | (rng.chance(0.2) ? 0x8040 : 0) | rng.int(64)) : rng.u32();
      patchMem(c, ea, le(BigInt(v), 4));
    }
    if (m === 'cmpxchg' && rng.chance(0.5)) patchMem(c, ea, le(regs[RAX], size));
    if ((m === 'div' || m === 'idiv') && rng.chance(0.7)) {
      const d = divisor(rng, size);
      patchMem(c, ea, le(d, size));
      dividendFor(c, size, d, m === 'idiv');
    }
  } else if (mo === null || NO_ACCESS.has(m)) {
    if (m === 'cmpxchg' && i1.k0 === K.Reg && rng.chance(0.5) && i1.r0 < 16) regs[RAX] = regs[i1.r0];
    if ((m === 'div' || m === 'idiv') && i1.k0 === K.Reg && rng.chance(0.7)) {
      const size = i1.s0;
      const r = i1.s0 === 1 && i1.r0 >= 16 ? -1 : i1.r0;
      if (r >= 0 && r !== RAX && r !== RDX) {
        const d = divisor(rng, size);
        const mask = size === 8 ? M64 : (1n << BigInt(size * 8)) - 1n;
        regs[r] = (regs[r] & ~mask & M64) | (d & mask);
        dividendFor(c, size, d, m === 'idiv');
      }
    }
  }
  // Stack contents.
  // ret's target and popf's image must be ours (a random stack word could send the host CPU anywhere, or set
  // TF and single-step the runner): the stack must be in the read-write pages.
  if (m === 'ret' && !patchMem(c, regs[RSP], le(BigInt(TAKEN_ADDR), 8))) return null;
  if (m === 'popf' || m === 'popfw') {
    const v = (rng.u64() & ~0x100n) & M64; // never set TF: single-stepping would trap in the trampoline
    if (!patchMem(c, regs[RSP], le(v, i1.opsize === 2 ? 2 : 8))) return null;
  }
  if (m === 'leave') {
    const bp = regs[RBP];
    if (!(inArea(bp, 8))) return null;
  }

  // ---- safety: every address the primary uses ----
  const fin = decode(prim.bytes, 0, prim.bytes.length, i1.addr, 64);
  if (fin.mnem !== i0.mnem) return null;
  if (memOperand(fin) && !NO_ACCESS.has(m)) {
    const a = fin.opcode >= 0xa0 && fin.opcode <= 0xa3 && fin.modrm < 0 ? BigInt(fin.dispSize === 8 ? fin.disp : fin.disp) : eaOf(fin, regs);
    if (!inArea(a, 16)) return null;
    if (btMemReg) {
      const off = BigInt.asIntN(fin.s1 * 8, regs[fin.r1] & (fin.s1 === 8 ? M64 : fin.s1 === 4 ? M32 : 0xffffn));
      if (!inArea(a + (off >> 3n) - 8n, 24)) return null;
    }
  }
  if (!inArea(regs[RSP], 8)) return null;
  if (isString) {
    for (const r of [RSI, RDI]) if (!inArea(fin.adsize === 4 ? regs[r] & M32 : regs[r], 8)) return null;
  }
  if (m === 'xlat') {
    const a = (regs[RBX] + (regs[RAX] & 0xffn)) & (fin.adsize === 4 ? M32 : M64);
    if (!inArea(a, 1)) return null;
  }
  if ((m === 'jmp' || m === 'call') && fin.k0 === K.Reg && regs[fin.r0] !== BigInt(TAKEN_ADDR)) return null;

  // ---- flags, MXCSR, the code ----
  const code = new Uint8Array(codeLen);
  let o = 0;
  const insns: Insn[] = [];
  for (const p of pieces) {
    code.set(p.bytes, o);
    insns.push(decode(code, o, code.length, CODE_BASE + o, 64));
    o += p.bytes.length;
  }
  if (insns.some((x) => x.mnem === '(bad)')) return null;
  const flow = flagFlow(insns, Number(regs[RCX] & 0xffn),
    (x) => (x.mnem === 'cmps' || x.mnem === 'scas') && (x.prefixes & (P.REP | P.REPNE)) !== 0);
  if (flow.tainted >= 0) return null;
  let rflags = 0x202;
  for (const b of [0x1, 0x4, 0x10, 0x40, 0x80, 0x800]) if (rng.chance(0.5)) rflags |= b;
  if (rng.chance(0.2)) rflags |= 0x400; // DF
  // MXCSR: all exceptions masked; rounding control, FTZ/DAZ and sticky flags vary (more often for SSE forms).
  const simdCase = insns.some((x) => (x.attrs & A.SIMD) !== 0);
  const mxcsr = rng.chance(simdCase ? 0.4 : 0.8) ? 0x1f80
    : (0x1f80 | (rng.int(4) << 13) | (rng.chance(0.3) ? 0x8000 : 0) | (rng.chance(0.3) ? 0x40 : 0) | rng.int(64));
  const gpr = new Int32Array(32);
  for (let k = 0; k < 16; k++) {
    gpr[2 * k] = Number(regs[k] & M32) | 0;
    gpr[2 * k + 1] = Number((regs[k] >> 32n) & M32) | 0;
  }
  return {
    id, code, gpr, rflags, mxcsr, scratchSeed: rng.u32(), xmmSeed: rng.u32(), patches: c.patches,
    form: f.key, forms: pieces.map((p) => p.form.key), undef: flow.before,
  };
}

function divisor(rng: Rng, size: number): bigint {
  const bits = BigInt(size * 8);
  const m = (1n << bits) - 1n;
  return (rng.pick([1n, 2n, 3n, 7n, 10n, m, m - 1n, 1n << (bits - 1n), (1n << (bits - 1n)) - 1n]) ^ (rng.chance(0.5) ? 0n : rng.u64() & m)) & m || 1n;
}
/** Set the dividend (RDX:RAX, DX:AX, AX) so that the quotient usually fits. */
function dividendFor(c: Ctx, size: number, d: bigint, signed: boolean): void {
  const rng = c.rng, regs = c.regs;
  if (c.fixed.has(RAX) || c.fixed.has(RDX)) return;
  const bits = BigInt(size * 8);
  const m = (1n << bits) - 1n;
  const lo = rng.u64() & m;
  let hi: bigint;
  if (signed) hi = (lo >> (bits - 1n)) & 1n ? m : 0n;
  else hi = d > 1n ? (rng.u64() & m) % d : 0n;
  if (size === 1) {
    regs[RAX] = (regs[RAX] & ~0xffffn & M64) | (hi << 8n) | lo;
    return;
  }
  regs[RAX] = size === 8 ? lo : (regs[RAX] & ~m & M64) | lo;
  regs[RDX] = size === 8 ? hi : (regs[RDX] & ~m & M64) | hi;
}
