// The vocabulary of the opcode tables (opcodes.ts, tables-vex.ts) and its compiler.
//
// A table slot is an `Entry`: either a leaf string such as 'add Ev,Gv lock' or a selector object that
// picks a sub-entry by a decoding fact (mandatory prefix, ModRM.mod/reg/rm, mode, REX.W, operand size,
// address size, VEX.L). Leaf strings are "mnemonic [operands] [attributes]":
//   - operands use the SDM's Appendix A notation (method letter + size code), comma separated, Intel order;
//   - attributes are lower-case words (see ATTR below).
// Leaves are compiled into `Form` objects the first time the decoder reaches them (`slot`), and the Form
// replaces the string in its table, so each leaf is parsed at most once.

import { A } from './insn.js';

/** Addressing methods (SDM Vol. 2 Appendix A.2.1, plus a few the SDM writes as literal operands). */
export const enum Am {
  E, G, M, R, I, J, O, S, C, D, V, W, U, H, L, P, Q, N,
  /** ds:[rSI] / es:[rDI] string operands. */
  X, Y,
  /** xlat's ds:[rBX]. */
  XLAT,
  /** Register in the low 3 bits of the opcode (+REX.B): push/pop/xchg/bswap/mov imm. */
  Z,
  /** Far pointer immediate ptr16:16/32. */
  A,
  /** VEX.vvvv general register (BMI). */
  B,
  /** A fixed general register (number in OpSpec.reg). */
  Fix,
  /** A fixed segment register (number in OpSpec.reg). */
  FixS,
  /** The constant 1 of the shift-by-one forms (printed by objdump). */
  One,
  /** x87 ST(0) and ST(i) from ModRM.rm. */
  St0, Sti,
  /** XMM0, the implicit third operand of blendvps/blendvpd/pblendvb. */
  Xmm0,
  /** Opmask registers: from ModRM.reg, from ModRM.rm (or memory), from VEX.vvvv. */
  KG, KE, KH,
}

/** Size codes (SDM Appendix A.2.2). Sz.V/Z/Y/X/P/A depend on the operand size or vector length. */
export const enum Sz {
  None, B, W, D, Q, T, DQ, QQ, O, V, Z, Y, X, P, A, BS,
  /** Half / quarter / eighth of the vector length (VEX/EVEX widening conversions). */
  XH, XQ, XO,
}

export interface OpSpec { am: Am; sz: Sz; reg: number }

/** Decoding and fact attributes of a form. The low bits are the public A.* facts copied into Insn.attrs. */
export const enum F {
  // Decoding-only flags live above bit 16 so that `flags & 0xffff` is exactly the A.* set.
  /** Operand size defaults to 64 bits in 64-bit mode (push, pop, near indirect jumps ...). */
  D64 = 1 << 16,
  /** Operand size is the mode's native width regardless of 66 (loop, jrcxz, jmp/jcc rel8, mov cr ...). Near
   *  branches with rel16/32 are d64 instead: objdump and the AMD host honour 66 there (callw, jmpw, rel16). */
  F64 = 1 << 17,
  /** Valid only in 64-bit mode. */
  O64 = 1 << 18,
  /** 3E prefix prints as `notrack` (indirect near call/jmp). */
  NOTRACK = 1 << 19,
  /** 66 does not change the operand size (it is a mandatory prefix or ignored). */
  NO66 = 1 << 20,
  /** Legacy SSE form with no VEX encoding (the VEX table derivation skips it). */
  NOVEX = 1 << 21,
  /** Its VEX form keeps two operands (no vvvv source inserted after the destination). */
  V2 = 1 << 22,
}

const ATTR: Record<string, number> = {
  // facts (A.*)
  ends: A.ENDS_BLOCK, priv: A.PRIVILEGED | A.ENDS_BLOCK, iopl: A.IOPL | A.ENDS_BLOCK, jump: A.JUMP | A.ENDS_BLOCK,
  cond: A.COND, call: A.CALL | A.ENDS_BLOCK, ret: A.RET | A.ENDS_BLOCK, lock: A.LOCKABLE, x87: A.X87,
  simd: A.SIMD, string: A.STRING, ser: A.SERIALIZING | A.ENDS_BLOCK, trap: A.TRAP | A.ENDS_BLOCK, far: A.FAR,
  // decoding
  bnd: A.BND, d64: F.D64, f64: F.F64, o64: F.O64, notrack: F.NOTRACK, no66: F.NO66, nv: F.NOVEX, v2: F.V2,
};

export interface Form {
  mnem: string;
  ops: OpSpec[];
  /** F.* decoding flags | A.* facts. */
  flags: number;
  /** Some operand needs a ModRM byte. */
  hasModrm: boolean;
  /** VEX.L must be 0 (scalar/GPR moves, inserts and extracts): `l0` in the table. */
  l0?: boolean;
  // Derived facts the decoder needs per instruction (computed once by finishForm, not per decode):
  /** Some operand reads VEX.vvvv (H, B, KH). */
  usesVvvv?: boolean;
  /** The ModRM r/m never names memory (mov cr/dr ignore ModRM.mod). */
  rmIsReg?: boolean;
}

/** Fill the derived facts of a form (also used for forms built outside compileLeaf, e.g. VEX derivation). */
export function finishForm(f: Form): Form {
  f.usesVvvv = f.ops.some((o) => o.am === Am.H || o.am === Am.B || o.am === Am.KH);
  f.rmIsReg = f.ops.length > 0 && f.ops.some((o) => o.am === Am.R) &&
    f.ops.every((o) => o.am !== Am.E && o.am !== Am.M && o.am !== Am.W && o.am !== Am.Q && o.am !== Am.KE);
  return f;
}

/** Selectors: each picks one sub-entry by a decoding fact. */
export interface Sel {
  /** Mandatory prefix: [none, 66, F3, F2]. Missing entries are invalid. */
  pfx?: (Entry | null)[];
  /** ModRM.mod: [memory (mod != 3), register (mod == 3)]. */
  mod?: [Entry | null, Entry | null];
  /** ModRM.reg (opcode extension groups). */
  reg?: (Entry | null)[];
  /** ModRM.rm (register forms of 0F 01 and x87). */
  rm?: (Entry | null)[];
  /** Decoding mode: [64-bit, 32/16-bit]. */
  mode?: [Entry | null, Entry | null];
  /** REX.W / VEX.W / EVEX.W: [W0, W1]. */
  w?: [Entry | null, Entry | null];
  /** Effective operand size: [16, 32, 64]. */
  os?: [Entry | null, Entry | null, Entry | null];
  /** Effective address size: [16, 32, 64]. */
  as?: [Entry | null, Entry | null, Entry | null];
  /** VEX.L / EVEX.L'L: [128, 256, 512]. */
  l?: (Entry | null)[];
  /** Whether REX.B (or VEX.B) is set (90 is nop without it, xchg r8 with it). */
  rexb?: [Entry | null, Entry | null];
  /** Whether a 66 prefix is present (66 90 is `xchg ax,ax` for objdump). 66 stays an operand-size prefix. */
  p66?: [Entry | null, Entry | null];
  /** Non-mandatory REP prefix selection: [no F3/F2, F3, F2]. A null F3/F2 slot falls back to slot 0 and the
   *  prefix stays unused (objdump prints it as repz/repnz); 66 is not consumed (it stays an operand size). */
  rep?: [Entry | null, Entry | null, Entry | null];
}

export type Entry = string | Sel | Form;

const SIZES: Record<string, Sz> = {
  '': Sz.None, b: Sz.B, w: Sz.W, d: Sz.D, q: Sz.Q, t: Sz.T, dq: Sz.DQ, qq: Sz.QQ, o: Sz.O, v: Sz.V, z: Sz.Z,
  y: Sz.Y, x: Sz.X, p: Sz.P, a: Sz.A, bs: Sz.BS, ps: Sz.X, pd: Sz.X, ss: Sz.D, sd: Sz.Q, s: Sz.None,
  xh: Sz.XH, xq: Sz.XQ, xo: Sz.XO,
};

const METHODS: Record<string, Am> = {
  E: Am.E, G: Am.G, M: Am.M, R: Am.R, I: Am.I, J: Am.J, O: Am.O, S: Am.S, C: Am.C, D: Am.D, V: Am.V, W: Am.W,
  U: Am.U, H: Am.H, L: Am.L, P: Am.P, Q: Am.Q, N: Am.N, X: Am.X, Y: Am.Y, Z: Am.Z, A: Am.A, B: Am.B,
};

/** Literal operands the SDM spells out. */
const FIXED: Record<string, OpSpec> = {
  AL: { am: Am.Fix, sz: Sz.B, reg: 0 }, CL: { am: Am.Fix, sz: Sz.B, reg: 1 }, AX: { am: Am.Fix, sz: Sz.W, reg: 0 },
  DX: { am: Am.Fix, sz: Sz.W, reg: 2 }, rAX: { am: Am.Fix, sz: Sz.V, reg: 0 }, eAX: { am: Am.Fix, sz: Sz.Z, reg: 0 },
  ES: { am: Am.FixS, sz: Sz.W, reg: 0 }, CS: { am: Am.FixS, sz: Sz.W, reg: 1 }, SS: { am: Am.FixS, sz: Sz.W, reg: 2 },
  DS: { am: Am.FixS, sz: Sz.W, reg: 3 }, FS: { am: Am.FixS, sz: Sz.W, reg: 4 }, GS: { am: Am.FixS, sz: Sz.W, reg: 5 },
  '1': { am: Am.One, sz: Sz.B, reg: 0 }, ST: { am: Am.St0, sz: Sz.T, reg: 0 }, STi: { am: Am.Sti, sz: Sz.T, reg: 0 },
  XMM0: { am: Am.Xmm0, sz: Sz.X, reg: 0 }, XLAT: { am: Am.XLAT, sz: Sz.B, reg: 3 },
  KG: { am: Am.KG, sz: Sz.None, reg: 0 }, KE: { am: Am.KE, sz: Sz.None, reg: 0 }, KH: { am: Am.KH, sz: Sz.None, reg: 0 },
};

const MODRM_METHODS = new Set<Am>([Am.E, Am.G, Am.M, Am.R, Am.S, Am.C, Am.D, Am.V, Am.W, Am.U, Am.P, Am.Q, Am.N,
  Am.Sti, Am.KG, Am.KE]);

function parseOperand(tok: string, where: string): OpSpec {
  const fixed = FIXED[tok];
  if (fixed) return fixed;
  const am = METHODS[tok[0]];
  const sz = SIZES[tok.slice(1)];
  if (am === undefined || sz === undefined) throw new Error(`opcode table: bad operand '${tok}' in '${where}'`);
  return { am, sz, reg: 0 };
}

/** Compile one leaf string (table errors are programming errors; tables.ts compiles every leaf, so the
 *  tests that walk it find them). */
export function compileLeaf(s: string): Form {
  const words = s.trim().split(/\s+/);
  const mnem = words[0].replace(/_only\)$/, ' only)'); // objdump's 'fneni(8087 only)'
  let ops: OpSpec[] = [];
  let k = 1;
  if (words.length > 1 && /^[A-Z1re]/.test(words[1]) && !(words[1] in ATTR)) {
    ops = words[1].split(',').map((t) => parseOperand(t, s));
    k = 2;
  }
  let flags = 0, l0 = false;
  for (; k < words.length; k++) {
    if (words[k] === 'l0') { l0 = true; continue; }
    const a = ATTR[words[k]];
    if (a === undefined) throw new Error(`opcode table: bad attribute '${words[k]}' in '${s}'`);
    flags |= a;
  }
  const hasModrm = ops.some((o) => MODRM_METHODS.has(o.am));
  if (ops.some((o) => o.sz === Sz.O)) flags |= A.OWORD;
  return finishForm({ mnem, ops, flags, hasModrm, l0 });
}

/** Entry k of a table or selector, compiling a leaf string in place the first time it is reached. */
export function slot(arr: (Entry | null)[], k: number): Form | Sel | null {
  const e = arr[k];
  if (typeof e === 'string') return (arr[k] = compileLeaf(e));
  return e ?? null;
}

/** Compile a table in place: every leaf string becomes a Form (selectors are walked recursively). */
export function compile(e: Entry | null): Entry | null {
  if (e === null || e === undefined) return null;
  if (typeof e === 'string') return compileLeaf(e);
  if ('mnem' in e) return e;
  const sel = e as Sel;
  for (const key of Object.keys(sel) as (keyof Sel)[]) {
    const arr = sel[key] as (Entry | null)[];
    for (let j = 0; j < arr.length; j++) arr[j] = compile(arr[j]);
  }
  return sel;
}

export function compileMap(map: (Entry | null)[]): (Entry | null)[] {
  return map.map((e) => compile(e));
}

