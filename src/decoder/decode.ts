// x86 instruction decoder: bytes -> Insn, driven by the typed opcode tables (opcodes.ts, tables-vex.ts).
//
// decode() never throws. Undecodable bytes give mnem '(bad)' with len 1 and a badReason; bytes that run
// past `end` give '(bad)' with badReason 'truncated' and len = the bytes available (the runtime turns
// that into #PF on the next page). Reads past `end` return 0 and set a flag, so the decode path has no
// bounds checks of its own and no exceptions.
//
// Conventions for operands beyond insn.ts (documented here because the formatter and semantics rely on them):
//  - String instructions (movs, cmps, stos, lods, scas, ins, outs) and xlat: their memory operands are
//    K.Mem with r = 0x100 | register (6 = rSI, 7 = rDI, 3 = rBX); s is the element size. The Insn's memory
//    fields (base/seg) describe the rSI (or rBX) operand when there is one, else the rDI operand. The rDI
//    operand always uses ES. adsize gives the register width.
//  - An immediate's `s` is the width at which its value is meaningful (1 for a zero-extended imm8, the
//    operand size for sign-extended ones); the formatter prints the value masked to s bytes as objdump does.
//  - moffs (A0-A3): no base, no index, disp = offset (exact below 2^53), dispSize = 4 or 8; for dispSize 8
//    the exact 64-bit offset is also in immLo/immHi (the instruction has no immediate of its own).
//  - A second immediate (enter's level, extrq/insertq) is K.Imm2 with its value in imm2.
//  - The implicit count 1 of the shift-by-one forms (D0/D1) is K.Imm 1 with r = 1 (objdump prints `1`).
//  - ins/outs: the element size is the memory operand's s (op0 for ins, op1 for outs; DX is a 2-byte Reg).
//  - 9B (fwait) followed by a valid x87 instruction decodes as ONE instruction with P.FWAIT set (objdump's
//    boundaries, e.g. `fstsw ax`); semantics must perform the fwait first.
//  - Far call/jmp/ret keep objdump's names (call FWORD PTR [rax], jmp 0x10:0x1000, retf) and carry A.FAR.
//  - Near branches honour 66 as objdump and the AMD host do (callw/jmpw/retw, jcc rel16, 16-bit target);
//    jcc/jmp rel8, loop and jrcxz ignore it.

import { Insn, K, P, A, U, setOperand } from './insn.js';
import { Am, Sz, F, slot, type Entry, type Form, type Sel } from './spec.js';
import { ONE_BYTE, TWO_BYTE, THREE_38, THREE_3A, X87, NOW3 } from './opcodes.js';
import { vexForm } from './tables-vex.js';

// ---- per-call scratch state (decode is synchronous and not re-entrant) ----
let B: Uint8Array = new Uint8Array(0);
let pos = 0, lim = 0, start = 0, trunc = false;
let mode: 64 | 32 | 16 = 64;
let rex = 0, has66 = false, has67 = false, rep = 0, used66 = false, usedRep = false;
let modrm = -1, vex = 0, vexW = 0, vexL = 0, vexPP = 0, vexV = 0, vexR2 = 0, vexV2 = 0;
let opsize = 4, adsize = 8, bad = '';
let immCount = 0, relPending = false, rel = 0;
// prefix use tracking for the formatter: operand size consulted, REX bits consumed, memory operand present
let osUsed = false, wSel = false, rexUsed = 0, rexByteUsed = false, memUsed = false, asSel = false;

function next(): number {
  if (pos < lim) return B[pos++];
  trunc = true; pos++;
  return 0;
}
function peek(): number { return pos < lim ? B[pos] : -1; }
function s8(v: number): number { return (v << 24) >> 24; }
function next16(): number { const lo = next(); return lo | (next() << 8); }
function next32(): number { const a = next(), b = next(), c = next(), d = next(); return (a | (b << 8) | (c << 16) | (d << 24)); }
function getModrm(): number { if (modrm < 0) modrm = next(); return modrm; }

/** Segment-override prefix byte -> Seg number, or -1. */
const SEG_PREFIX = new Int8Array(256).fill(-1);
SEG_PREFIX[0x26] = 0; SEG_PREFIX[0x2e] = 1; SEG_PREFIX[0x36] = 2; SEG_PREFIX[0x3e] = 3; SEG_PREFIX[0x64] = 4; SEG_PREFIX[0x65] = 5;

export function decode(buf: Uint8Array, off: number, end: number, addr: number, m: 64 | 32 | 16): Insn {
  const i = decodeFrom(buf, off, end, addr, m);
  // buf may be the whole of guest memory (the code cache decodes in place): do not keep it alive.
  B = NO_BYTES;
  return i;
}

const NO_BYTES = new Uint8Array(0);

/**
 * Every decoded instruction starts as a copy of this one. Copying an object's fields is one step for
 * V8 even in code not yet optimised, where `new Insn()` defines its ~60 fields one by one through an
 * inline cache: a process decodes thousands of instructions while the decoder is still cold.
 */
const BLANK = new Insn();

function decodeFrom(buf: Uint8Array, off: number, end: number, addr: number, m: 64 | 32 | 16): Insn {
  const i: Insn = { ...BLANK };
  i.addr = addr; i.mode = m;
  B = buf; pos = off; start = off; lim = Math.min(end, buf.length); trunc = false; mode = m;
  rex = 0; has66 = false; has67 = false; rep = 0; used66 = false; usedRep = false;
  modrm = -1; vex = 0; vexW = 0; vexL = 0; vexPP = 0; vexV = 0; vexR2 = 0; vexV2 = 0;
  bad = ''; immCount = 0; relPending = false; rel = 0;
  osUsed = false; wSel = false; rexUsed = 0; rexByteUsed = false; memUsed = false; asSel = false;
  let prefixes = 0, segPrefix = -1;

  // ---- legacy prefixes and REX (REX counts only when it immediately precedes the opcode) ----
  let b = next();
  for (;;) {
    if (pos - start > 15) break;
    if (b === 0xf0) prefixes |= P.LOCK;
    else if (b === 0xf2 || b === 0xf3) rep = b;
    else if (b === 0x66) has66 = true;
    else if (b === 0x67) has67 = true;
    else if (SEG_PREFIX[b] >= 0) segPrefix = SEG_PREFIX[b];
    else if (m === 64 && (b & 0xf0) === 0x40) { rex = b; b = next(); continue; }
    else break;
    rex = 0;
    b = next();
  }
  if (rex) prefixes |= P.REX | (rex & 8 ? P.REXW : 0);
  if (has66) prefixes |= P.OPSIZE;
  if (has67) prefixes |= P.ADSIZE;
  if (rep === 0xf3) prefixes |= P.REP; else if (rep === 0xf2) prefixes |= P.REPNE;
  if (segPrefix >= 0) {
    prefixes |= P.SEG;
    if (m !== 64 || segPrefix >= 4) i.seg = segPrefix;
  }
  adsize = m === 64 ? (has67 ? 4 : 8) : m === 32 ? (has67 ? 2 : 4) : (has67 ? 4 : 2);

  // ---- opcode and map ----
  let map = 0, op = b;
  let entry: Entry | null;
  if (op === 0x0f) {
    op = next();
    if (op === 0x38) { map = 2; op = next(); entry = slot(THREE_38, op); }
    else if (op === 0x3a) { map = 3; op = next(); entry = slot(THREE_3A, op); }
    else if (op === 0x0f) { map = 4; entry = null; }
    else { map = 1; entry = slot(TWO_BYTE, op); }
  } else if (op >= 0xd8 && op <= 0xdf) {
    entry = slot(X87, op - 0xd8);
  } else if (op === 0x9b && isFwaitMerge()) {
    prefixes |= P.FWAIT;
    op = next();
    entry = slot(X87, op - 0xd8);
  } else if ((op === 0xc4 || op === 0xc5 || op === 0x62) && isVexStart()) {
    entry = readVex(op, i);
    map = i.opcode >> 8; op = i.opcode & 0xff;
    prefixes |= vex === 4 ? P.EVEX : P.VEX;
  } else {
    entry = slot(ONE_BYTE, op);
  }
  if (vex === 0) i.opcode = map * 256 + op;

  // ---- resolve selectors to a form ----
  let form: Form | null = null;
  if (map === 4) form = read3dnow();
  else form = resolve(entry);
  if (form !== null && form.mnem === '(bad)') form = null;
  if (form !== null && (form.flags & F.O64) && m !== 64) { form = null; bad = 'valid only in 64-bit mode'; }
  if (form !== null && vex) {
    // VEX/EVEX: vvvv must be 1111b when no operand uses it; VEX.L must be 0 where the SDM says so.
    if (!form.usesVvvv && (vexV !== 0 || vexV2 !== 0)) bad = 'VEX.vvvv must be 1111b';
    else if (form.l0 && vexL !== 0) bad = 'VEX.L must be 0';
  }
  if (form === null) return finishBad(i, bad || unknownOpcode(map, op));
  if (form.hasModrm) getModrm();

  // ---- sizes ----
  const fl = form.flags;
  if (m === 64) {
    if (rex & 8) opsize = 8;
    else if (fl & F.F64) opsize = 8;
    else if (has66 && !used66 && !(fl & F.NO66)) opsize = 2;
    else opsize = fl & F.D64 ? 8 : 4;
  } else {
    // Outside 64-bit mode objdump (and ringjit) also keep the near-branch forms marked f64 at the mode's width.
    const toggled = has66 && !used66 && !(fl & (F.NO66 | F.F64));
    opsize = (m === 32) !== toggled ? 4 : 2;
  }
  i.opsize = opsize; i.adsize = adsize;

  // ---- operands ----
  // EVEX.b on a register form selects static rounding, which implies 512-bit vectors.
  if (vex === 4 && i.evexB && modrm >= 0xc0) i.vl = 64;
  if (modrm >= 0) decodeModrmMemory(i, form);
  const ops = form.ops;
  for (let n = 0; n < ops.length && !bad; n++) operand(i, n, ops[n]);
  if (map === 4) { next(); i.opcode = 0x400 | B[pos - 1]; } // 3DNow! suffix byte (already examined)
  if (vex === 4 && i.dispSize === 1) i.disp *= evexDisp8Scale(i);

  const len = pos - start;
  if (len > 15) return finishBad(i, 'too long (>15 bytes)');
  if (trunc) return finishTruncated(i);
  if (bad) return finishBad(i, bad);
  if ((prefixes & P.LOCK) && (!(fl & A.LOCKABLE) || i.k0 !== K.Mem)) return finishBad(i, 'lock prefix not allowed');

  if (segPrefix === 3 && (fl & F.NOTRACK)) prefixes |= P.NOTRACK;
  i.len = len;
  i.mnem = form.mnem;
  i.attrs = fl & 0xffff;
  if (form.mnem === 'jcc' || form.mnem === 'setcc' || form.mnem === 'cmovcc') i.cc = op & 15;
  i.prefixes = prefixes;
  if (relPending) {
    let t = addr + len + rel;
    if (m !== 64 || opsize === 2) t = opsize === 2 ? t & 0xffff : t >>> 0;
    i.target = t;
  }
  i.bytes = copyBytes(start, start + len);
  if (usedRep || used66) i.simdPrefix = usedRep ? rep : 0x66;
  i.prefixUsed = prefixUse(fl);
  return i;
}

function prefixUse(fl: number): number {
  let u = 0;
  if (used66 || (has66 && osUsed && !(fl & (F.NO66 | F.F64)))) u |= U.OPSIZE;
  if (memUsed || asSel) u |= U.ADSIZE | U.SEG;
  if (usedRep) u |= U.REP;
  if (rex) {
    let r = rexUsed;
    if ((rex & 8) && (wSel || (osUsed && !(fl & (F.D64 | F.F64))))) r |= 8;
    if (vex) r = 15;
    u |= (r & 1 ? U.REX_B : 0) | (r & 2 ? U.REX_X : 0) | (r & 4 ? U.REX_R : 0) | (r & 8 ? U.REX_W : 0);
    if (r !== 0 || rexByteUsed) u |= U.REX;
  }
  return u;
}

/** objdump folds a 9B (fwait) into a following valid x87 instruction (printing fstsw for fnstsw ...); we do the
 *  same so instruction boundaries agree. The CPU runs fwait first: P.FWAIT tells semantics to do that. */
function isFwaitMerge(): boolean {
  const save = pos, saveTrunc = trunc;
  const b1 = peek();
  let ok = false;
  if (b1 >= 0xd8 && b1 <= 0xdf) {
    pos++;
    const mr = peek();
    pos = save;
    if (mr >= 0) {
      modrm = mr;
      const f = resolve(slot(X87, b1 - 0xd8));
      modrm = -1;
      ok = f !== null;
    }
  }
  trunc = saveTrunc;
  return ok;
}

function unknownOpcode(map: number, op: number): string {
  const pre = ['', '0f ', '0f 38 ', '0f 3a ', '0f 0f ', 'map5 ', 'map6 ', 'map7 '][map] ?? '';
  return `unknown opcode ${pre}${op.toString(16).padStart(2, '0')}` + (modrm >= 0 ? ` /${(modrm >> 3) & 7}` : '');
}

/** A private copy of the instruction bytes: TypedArray's slice copies (Buffer's own slice would alias
 *  the caller's buffer, which may be guest memory), in one builtin call. */
function copyBytes(a: number, b: number): Uint8Array { return typedArraySlice.call(B, a, b); }
const typedArraySlice = Uint8Array.prototype.slice;

function finishBad(i: Insn, reason: string): Insn {
  if (trunc) return finishTruncated(i);
  i.mnem = '(bad)'; i.len = 1; i.badReason = reason; i.nops = 0; i.k0 = i.k1 = i.k2 = i.k3 = K.None;
  i.attrs = A.ENDS_BLOCK; i.bytes = copyBytes(start, start + 1);
  return i;
}
function finishTruncated(i: Insn): Insn {
  const avail = Math.max(0, lim - start);
  i.mnem = '(bad)'; i.len = avail; i.badReason = 'truncated'; i.nops = 0; i.k0 = i.k1 = i.k2 = i.k3 = K.None;
  i.attrs = A.ENDS_BLOCK; i.bytes = copyBytes(start, start + avail);
  return i;
}

/** Walk the selectors of a table entry down to a form. Returns null for an invalid slot. */
function resolve(e: Entry | null): Form | null {
  while (e !== null && e !== undefined) {
    if (typeof e === 'string') return null; // every step below goes through slot(), which compiles leaves
    if ('mnem' in e) return e as Form;
    const s = e as Sel;
    if (s.pfx) {
      // Mandatory prefix: the last of F3/F2 wins over 66 (SDM 2.1.1 and objdump agree).
      let k = 0;
      if (vex) k = vexPP;
      else if (rep === 0xf3) k = 2;
      else if (rep === 0xf2) k = 3;
      else if (has66) k = 1;
      if (!vex) { if (k >= 2) usedRep = true; else if (k === 1) used66 = true; }
      e = slot(s.pfx, k);
    } else if (s.rep) {
      const k = rep === 0xf3 ? 1 : rep === 0xf2 ? 2 : 0;
      if (k !== 0 && s.rep[k] !== null) { usedRep = true; e = slot(s.rep, k); } else e = slot(s.rep, 0);
    } else if (s.mod) e = slot(s.mod, getModrm() >= 0xc0 ? 1 : 0);
    else if (s.reg) e = slot(s.reg, (getModrm() >> 3) & 7);
    else if (s.rm) e = slot(s.rm, getModrm() & 7);
    else if (s.mode) {
      e = slot(s.mode, mode === 64 ? 0 : 1);
      if (!e && s.mode[mode === 64 ? 1 : 0]) bad = mode === 64 ? 'invalid in 64-bit mode' : 'valid only in 64-bit mode';
    }
    else if (s.w) { wSel = true; e = slot(s.w, (vex ? vexW : rex & 8) ? 1 : 0); }
    else if (s.os) {
      osUsed = true;
      const o = mode === 64 ? (rex & 8 ? 2 : has66 ? 0 : 1) : ((mode === 32) !== has66 ? 1 : 0);
      e = slot(s.os, o);
    } else if (s.as) { asSel = true; e = slot(s.as, adsize === 8 ? 2 : adsize === 4 ? 1 : 0); }
    else if (s.l) e = slot(s.l, vexL);
    else if (s.rexb) e = slot(s.rexb, rex & 1 ? 1 : 0);
    else if (s.p66) { osUsed = true; e = slot(s.p66, has66 ? 1 : 0); }
    else return null;
  }
  return null;
}

function read3dnow(): Form | null {
  // 0F 0F ModRM [SIB] [disp] suffix: peek the suffix past the addressing bytes.
  const mr = getModrm();
  const save = pos;
  let skip = 0;
  const md = mr >> 6, rm = mr & 7;
  if (md !== 3) {
    if (adsize === 2) skip = md === 1 ? 1 : md === 2 || (md === 0 && rm === 6) ? 2 : 0;
    else {
      let base = rm;
      if (rm === 4) { base = (pos < lim ? B[pos] : 0) & 7; skip = 1; }
      skip += md === 1 ? 1 : md === 2 || (md === 0 && base === 5) ? 4 : 0;
    }
  }
  const at = save + skip;
  if (at >= lim) { trunc = true; return null; }
  const f = slot(NOW3, B[at]) as Form | null;
  if (f === null) bad = `unknown 3DNow! suffix ${B[at].toString(16)}`;
  return f;
}

// ---- VEX / EVEX prefixes ----
function isVexStart(): boolean {
  if (mode === 64) return true;
  // Outside 64-bit mode C4/C5/62 are LES/LDS/BOUND unless the next byte has ModRM.mod = 11.
  const nb = peek();
  return nb >= 0xc0;
}

function readVex(op: number, i: Insn): Entry | null {
  let map = 1, R = 1, X = 1, Bb = 1;
  if (op === 0xc5) {
    const p = next();
    R = p >> 7; vexV = (~p >> 3) & 15; vexL = (p >> 2) & 1; vexPP = p & 3; vex = 2;
  } else if (op === 0xc4) {
    const p0 = next(), p1 = next();
    R = p0 >> 7; X = (p0 >> 6) & 1; Bb = (p0 >> 5) & 1; map = p0 & 31;
    vexW = p1 >> 7; vexV = (~p1 >> 3) & 15; vexL = (p1 >> 2) & 1; vexPP = p1 & 3; vex = 3;
  } else {
    const p0 = next(), p1 = next(), p2 = next();
    R = p0 >> 7; X = (p0 >> 6) & 1; Bb = (p0 >> 5) & 1; vexR2 = ((p0 >> 4) & 1) ^ 1; map = p0 & 7;
    vexW = p1 >> 7; vexV = (~p1 >> 3) & 15; vexPP = p1 & 3;
    vexV2 = ((p2 >> 3) & 1) ^ 1; vexL = (p2 >> 5) & 3; vex = 4;
    if ((p0 & 8) !== 0 || (p1 & 4) === 0) bad = 'bad EVEX fixed bits';
    i.opmask = p2 & 7; i.zeroing = (p2 & 0x80) !== 0; i.evexB = (p2 & 0x10) !== 0;
    i.evexRc = vexL; i.vvvv = vexV | (vexV2 << 4);
  }
  // Legacy 66/F2/F3/REX before VEX is #UD.
  if (has66 || rep || rex) bad = 'prefix before VEX';
  rex = 0x40 | (R ? 0 : 4) | (X ? 0 : 2) | (Bb ? 0 : 1) | (vexW ? 8 : 0);
  // Outside 64-bit mode VEX.R/X/B must be 1 and only 8 registers exist: drop the high bits.
  if (mode !== 64) { rex &= ~7; vexV &= 7; vexR2 = 0; vexV2 = 0; }
  const op2 = next();
  i.opcode = map * 256 + op2;
  i.vexW = vexW === 1;
  if (vex !== 4) i.vvvv = vexV;
  i.vl = vex === 4 ? 16 << Math.min(vexL, 2) : 16 << vexL;
  // vzeroupper/vzeroall (VEX 0F 77) are the only VEX forms without a ModRM byte.
  if (!(vex !== 4 && op2 === 0x77 && map === 1)) getModrm();
  return vexForm(map, op2, vex === 4);
}

/** EVEX compressed disp8: scaled by the element size for broadcasts, else by the memory operand size. */
function evexDisp8Scale(i: Insn): number {
  if (i.evexB) return vexW ? 8 : 4;
  const s = i.k0 === K.Mem ? i.s0 : i.k1 === K.Mem ? i.s1 : i.k2 === K.Mem ? i.s2 : i.k3 === K.Mem ? i.s3 : 0;
  return s || 1;
}

// ---- ModRM memory operand ----
const R16_BASE = [3, 3, 5, 5, 6, 7, 5, 3];   // bx+si, bx+di, bp+si, bp+di, si, di, bp, bx
const R16_INDEX = [6, 7, 6, 7, -1, -1, -1, -1];

function decodeModrmMemory(i: Insn, form: Form): void {
  const mr = modrm;
  i.modrm = mr;
  if (mr >= 0xc0) return;
  // Forms whose ModRM never addresses memory (mov cr/dr: mod is ignored) skip the memory decode.
  if (form.rmIsReg) return;
  const md = mr >> 6, rm = mr & 7;
  memUsed = true;
  if (adsize === 2) {
    if (md === 0 && rm === 6) { i.disp = s16(next16()); i.dispSize = 2; }
    else {
      i.base = R16_BASE[rm]; i.index = R16_INDEX[rm];
      if (md === 1) { i.disp = s8(next()); i.dispSize = 1; } else if (md === 2) { i.disp = s16(next16()); i.dispSize = 2; }
    }
    return;
  }
  let base = -1, index = -1, scale = 1;
  if (rm === 4) {
    const sib = next();
    i.sib = sib;
    scale = 1 << (sib >> 6);
    index = ((sib >> 3) & 7) | (rex & 2 ? 8 : 0);
    rexUsed |= rex & 2;
    if (index === 4) index = -1;
    if (vex === 4 && vexV2 && isVsib(form)) index |= 16; // EVEX.V' extends a VSIB index
    base = sib & 7;
    if (base === 5 && md === 0) { base = -1; i.disp = next32(); i.dispSize = 4; }
    else { base |= rex & 1 ? 8 : 0; rexUsed |= rex & 1; }
  } else if (rm === 5 && md === 0) {
    i.disp = next32(); i.dispSize = 4;
    if (mode === 64) i.ripRel = true;
  } else { base = rm | (rex & 1 ? 8 : 0); rexUsed |= rex & 1; }
  if (md === 1) { i.disp = s8(next()); i.dispSize = 1; }
  else if (md === 2) { i.disp = next32(); i.dispSize = 4; }
  i.base = base; i.index = index; i.scale = scale;
}
function s16(v: number): number { return (v << 16) >> 16; }
function isVsib(form: Form): boolean { return form.mnem.startsWith('vgather') || form.mnem.startsWith('vpgather') || form.mnem.startsWith('vscatter') || form.mnem.startsWith('vpscatter'); }

// ---- operand decoding ----
function size(sz: Sz, i: Insn): number {
  switch (sz) {
    case Sz.B: return 1;
    case Sz.W: return 2;
    case Sz.D: return 4;
    case Sz.Q: return 8;
    case Sz.T: return 10;
    case Sz.DQ: case Sz.O: return 16;
    case Sz.QQ: return 32;
    case Sz.V: osUsed = true; return opsize;
    case Sz.Z: osUsed = true; return opsize === 2 ? 2 : 4;
    case Sz.Y: osUsed = true; return opsize === 8 ? 8 : 4;
    case Sz.X: return i.vl || 16;
    case Sz.XH: return (i.vl || 16) / 2;
    case Sz.XQ: return (i.vl || 16) / 4;
    case Sz.XO: return (i.vl || 16) / 8;
    case Sz.P: osUsed = true; return opsize === 2 ? 4 : 6;
    case Sz.A: osUsed = true; return opsize * 2;
    case Sz.BS: osUsed = true; return opsize;
    default: return 0;
  }
}


/** General register number for a size: byte registers 4-7 without REX are AH..BH. */
function gpr(r: number, s: number): number {
  if (s === 1 && r >= 4 && r < 8) { if (rex === 0) return r + 12; rexByteUsed = true; }
  return r;
}

function operand(i: Insn, n: number, o: { am: Am; sz: Sz; reg: number }): void {
  const mr = modrm;
  const regf = ((mr >> 3) & 7) | (rex & 4 ? 8 : 0);
  const rmf = (mr & 7) | (rex & 1 ? 8 : 0);
  const isReg = mr >= 0xc0;
  const s = size(o.sz, i);
  if (mr >= 0) {
    if (o.am === Am.G || o.am === Am.V || o.am === Am.C || o.am === Am.D) rexUsed |= rex & 4;
    else if (isReg && (o.am === Am.E || o.am === Am.R || o.am === Am.W || o.am === Am.U)) rexUsed |= rex & 1;
  }
  switch (o.am) {
    case Am.E: if (isReg) setOperand(i, n, K.Reg, gpr(rmf, s), s); else setOperand(i, n, K.Mem, 0, s); return;
    case Am.M: if (isReg) bad = 'register operand where memory required'; else setOperand(i, n, K.Mem, 0, s); return;
    case Am.R: setOperand(i, n, K.Reg, gpr(rmf, s), s); return;
    case Am.G: setOperand(i, n, K.Reg, gpr(regf | (vex === 4 ? vexR2 << 4 : 0), s), s); return;
    case Am.B: setOperand(i, n, K.Reg, vexV, s); return;
    case Am.S: { const r = (mr >> 3) & 7; if (r > 5) bad = 'bad segment register'; setOperand(i, n, K.Sreg, r, 2); return; }
    case Am.C: setOperand(i, n, K.Cr, regf, s); return;
    case Am.D: setOperand(i, n, K.Dr, regf, s); return;
    case Am.V: setOperand(i, n, K.Xmm, regf | (vex === 4 ? vexR2 << 4 : 0), vecRegSize(o.sz, i)); return;
    case Am.H: setOperand(i, n, K.Xmm, vexV | (vex === 4 ? vexV2 << 4 : 0), vecRegSize(o.sz, i)); return;
    case Am.W: case Am.U:
      if (isReg) setOperand(i, n, K.Xmm, rmf | (vex === 4 && rex & 2 ? 16 : 0), vecRegSize(o.sz, i));
      else if (o.am === Am.U) bad = 'memory operand where register required';
      else setOperand(i, n, K.Mem, 0, s);
      return;
    case Am.L: setOperand(i, n, K.Xmm, (next() >> 4) & (mode === 64 ? 15 : 7), vecRegSize(o.sz, i)); return;
    case Am.P: setOperand(i, n, K.Mmx, (mr >> 3) & 7, 8); return;
    case Am.N: setOperand(i, n, K.Mmx, mr & 7, 8); return;
    case Am.Q: if (isReg) setOperand(i, n, K.Mmx, mr & 7, 8); else setOperand(i, n, K.Mem, 0, s); return;
    case Am.KG: if (regf > 7) bad = 'bad opmask register'; setOperand(i, n, K.Kmask, (mr >> 3) & 7, 8); return;
    case Am.KH: if (vexV > 7) bad = 'bad opmask register'; setOperand(i, n, K.Kmask, vexV & 7, 8); return;
    case Am.KE: if (isReg) setOperand(i, n, K.Kmask, mr & 7, 8); else setOperand(i, n, K.Mem, 0, 8); return;
    case Am.Z: rexUsed |= rex & 1; setOperand(i, n, K.Reg, gpr((i.opcode & 7) | (rex & 1 ? 8 : 0), s), s); return;
    case Am.Fix: setOperand(i, n, K.Reg, o.reg, s); return;
    case Am.FixS: setOperand(i, n, K.Sreg, o.reg, 2); return;
    case Am.One: setOperand(i, n, K.Imm, 1, 1); i.immLo = 1; i.immHi = 0; return;
    case Am.St0: setOperand(i, n, K.St, 0, 10); return;
    case Am.Sti: setOperand(i, n, K.St, mr & 7, 10); return;
    case Am.Xmm0: setOperand(i, n, K.Xmm, 0, 16); return;
    case Am.I: immediate(i, n, o.sz, s); return;
    case Am.J: {
      relPending = true;
      if (o.sz === Sz.B) rel = s8(next());
      else rel = opsize === 2 ? s16(next16()) : next32();
      setOperand(i, n, K.Rel, 0, opsize);
      return;
    }
    case Am.O: {
      memUsed = true;
      if (adsize === 8) {
        const lo = next32(), hi = next32();
        i.immLo = lo; i.immHi = hi; i.disp = hi * 4294967296 + (lo >>> 0); i.dispSize = 8;
      } else if (adsize === 4) { i.disp = next32() >>> 0; i.dispSize = 4; }
      else { i.disp = next16(); i.dispSize = 2; }
      setOperand(i, n, K.Mem, 0, s);
      return;
    }
    case Am.X: case Am.Y: case Am.XLAT: {
      const r = o.am === Am.X ? 6 : o.am === Am.Y ? 7 : 3;
      memUsed = true;
      if (o.am !== Am.Y || i.base < 0) i.base = r;
      setOperand(i, n, K.Mem, 0x100 | r, s);
      return;
    }
    case Am.A: {
      const offv = opsize === 2 ? next16() : next32() >>> 0;
      i.immLo = offv | 0; i.imm2 = next16();
      setOperand(i, n, K.Far, 0, opsize);
      return;
    }
  }
}

/** Register width of an XMM-class operand: the vector length for x-sized operands, else XMM (16). */
function vecRegSize(sz: Sz, i: Insn): number {
  if (sz === Sz.X || sz === Sz.None) return i.vl || 16;
  if (sz === Sz.XH) return Math.max(16, (i.vl || 16) / 2);
  if (sz === Sz.QQ) return 32;
  return 16;
}

function immediate(i: Insn, n: number, sz: Sz, s: number): void {
  let lo = 0, hi = 0, w = s;
  switch (sz) {
    case Sz.B: lo = next(); w = 1; break;
    case Sz.BS: lo = s8(next()); hi = lo < 0 ? -1 : 0; break;
    case Sz.W: lo = next16(); w = 2; break;
    case Sz.D: lo = next32(); w = 4; break;
    case Sz.Z: // imm16/imm32, sign-extended to 64 bits like imm8 (the formatter masks to the operand size)
      lo = opsize === 2 ? s16(next16()) : next32(); hi = lo < 0 ? -1 : 0; w = opsize; break;
    case Sz.V: // imm16/32/64 (mov r, imm)
      if (opsize === 8) { lo = next32(); hi = next32(); } else lo = opsize === 2 ? next16() : next32();
      w = opsize; break;
    default: lo = next(); w = 1;
  }
  if (immCount++ === 0) { i.immLo = lo | 0; i.immHi = hi | 0; setOperand(i, n, K.Imm, 0, w); }
  else { i.imm2 = lo; setOperand(i, n, K.Imm2, 0, w); }
}
