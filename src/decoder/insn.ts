// The decoded-instruction record shared by every consumer of the decoder (formatter, semantics,
// interpreter, translator). It is a flat class with numeric fields so that generated code can read
// `i.r0`, `i.immLo` without indirection, and so every Insn has one hidden class (monomorphic access).
// A record is created once per decoded guest address and cached with its block; nothing here is
// allocated per executed instruction.

/** Operand kinds. */
export const enum K {
  None = 0,
  /** General-purpose register: reg = 0..15 (RAX..R15) or 16..19 for AH, CH, DH, BH (size 1, no REX). */
  Reg = 1,
  /** The instruction's one memory operand, described by seg/base/index/scale/disp. size = access size. */
  Mem = 2,
  /** Immediate: value in immLo/immHi, already sign- or zero-extended to the operand size as the SDM says. */
  Imm = 3,
  /** XMM register 0..15. (Decoder addition: VEX/EVEX forms use s = 32/64 for YMM/ZMM and EVEX r up to 31.) */
  Xmm = 4,
  /** Segment register 0..5 (ES, CS, SS, DS, FS, GS). */
  Sreg = 5,
  /** Control register CRn. */
  Cr = 6,
  /** Debug register DRn. */
  Dr = 7,
  /** Relative branch target: absolute address in `target`. */
  Rel = 8,
  /** x87 stack register ST(reg). */
  St = 9,
  /** MMX register 0..7. */
  Mmx = 10,
  /** A second immediate (enter's level byte, extrq/insertq): value in imm2. */
  Imm2 = 11,
  /** AVX-512 opmask register k0..k7 (EVEX/VEX kmask instructions). Added by the decoder. */
  Kmask = 12,
  /** Far pointer immediate (jmp/call ptr16:16/32, i386 only): offset in immLo, selector in imm2. */
  Far = 13,
}

/** Register numbers (Intel's encoding order). */
export const enum R {
  RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
  R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15,
  /** High-byte registers, only reachable without a REX prefix. */
  AH = 16, CH = 17, DH = 18, BH = 19,
}

/** Segment register numbers. */
export const enum Seg { ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5 }

/** Prefix bits recorded in Insn.prefixes. */
export const enum P {
  LOCK = 1, REP = 2, REPNE = 4, OPSIZE = 8, ADSIZE = 16, REX = 32, REXW = 64,
  /** A segment override was present (which one is in Insn.seg). */
  SEG = 128,
  /** 0x3e / 0x2e used as branch hints or notrack, kept for the formatter. */
  NOTRACK = 256,
  /** VEX-encoded (C4/C5). */
  VEX = 512,
  /** EVEX-encoded (62 in 64-bit mode). */
  EVEX = 1024,
  /** A 9B (fwait) prefix merged into the following x87 instruction (objdump prints fstsw for 9b df e0). */
  FWAIT = 2048,
}

/** Bits of Insn.prefixUsed. REX bits: which set REX bits an operand consumed. */
export const enum U {
  OPSIZE = 1, ADSIZE = 2, SEG = 4, REP = 8, REX_B = 16, REX_X = 32, REX_R = 64, REX_W = 128, REX = 256,
}

/** Per-form attributes copied from the opcode tables into Insn.attrs (the one source of these facts). */
export const enum A {
  /** Ends a basic block: control transfer, trap, or an instruction the runtime must see (see facts.ts). */
  ENDS_BLOCK = 1,
  /** Raises #GP at CPL > 0. */
  PRIVILEGED = 2,
  /** Raises #GP when CPL > IOPL (cli, sti, in, out, ins, outs). */
  IOPL = 4,
  /** Unconditional or conditional jump (jmp, jcc, loop, jrcxz). */
  JUMP = 8,
  /** Conditional: falls through when not taken (jcc, loop*, jrcxz). */
  COND = 16,
  CALL = 32,
  RET = 64,
  /** LOCK prefix allowed (with a memory destination). */
  LOCKABLE = 128,
  /** x87 instruction (D8-DF, fwait). */
  X87 = 256,
  /** SSE/MMX/AVX register instruction. */
  SIMD = 512,
  /** String instruction: REP prefixes apply. */
  STRING = 1024,
  /** Serialising or otherwise needs the runtime (cpuid, mov cr, wrmsr ...). */
  SERIALIZING = 2048,
  /** Software interrupt or trap (int, int3, into, int1, syscall, sysenter, ud2). */
  TRAP = 4096,
  /** Far transfer (call/jmp ptr16:32 or m16:32, retf): objdump spells these call/jmp, this bit tells them apart. */
  FAR = 8192,
  /** An F2 prefix on this branch is MPX's BND (objdump prints `bnd jmp`). */
  BND = 16384,
  /** The memory operand is an m128 that objdump calls OWORD (cmpxchg16b, invept, invvpid). */
  OWORD = 32768,
}

/** Condition codes in the encoding order of jcc/setcc/cmovcc (low nibble of the opcode). */
export const CC_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const;

export class Insn {
  /** Guest virtual address of the first byte (canonical, as an exact signed JS number). */
  addr = 0;
  /** Length in bytes (1..15). */
  len = 0;
  /** Mnemonic as objdump spells it in Intel syntax, except the families below which carry `cc`:
   *  'jcc', 'setcc', 'cmovcc' (formatted as jne, sete, cmovb ...). '(bad)' marks undecodable bytes. */
  mnem = '(bad)';
  /** Condition code 0..15 for jcc/setcc/cmovcc (and fcmovcc). */
  cc = 0;
  /** Decoding mode: 64 (long mode), 32 or 16 (compat / legacy). */
  mode = 64;
  /** Effective operand size in bytes (2, 4 or 8) as selected by 66/REX.W/defaults. */
  opsize = 4;
  /** Effective address size in bytes (4 or 8 in 64-bit mode). */
  adsize = 8;
  /** Prefix bits (P.*). */
  prefixes = 0;
  /** The mandatory/last-seen SIMD prefix that selected an SSE form: 0, 0x66, 0xf2 or 0xf3 (formatter/semantics use it). */
  simdPrefix = 0;

  /** Number of explicit operands (0..4), in Intel order: destination first. */
  nops = 0;
  k0 = K.None; r0 = 0; s0 = 0;
  k1 = K.None; r1 = 0; s1 = 0;
  k2 = K.None; r2 = 0; s2 = 0;
  k3 = K.None; r3 = 0; s3 = 0;

  // The memory operand (x86 has at most one explicit memory operand per instruction).
  /** Segment override (Seg.*) or -1 for the default segment. Only FS/GS have a base in 64-bit mode. */
  seg = -1;
  /** Base register 0..15, or -1. RIP-relative addressing has base -1 and ripRel = true. */
  base = -1;
  /** Index register 0..15, or -1. */
  index = -1;
  /** Scale 1, 2, 4 or 8. */
  scale = 1;
  /** Signed displacement (for RIP-relative: relative to the next instruction). */
  disp = 0;
  ripRel = false;

  /** Immediate, sign/zero-extended to 64 bits as the instruction defines, as int32 halves. */
  immLo = 0;
  immHi = 0;
  /** Second immediate (enter's nesting level). */
  imm2 = 0;
  /** Absolute target of a relative branch (exact signed number). */
  target = 0;

  /** The raw bytes, for error messages and tracing. */
  bytes: Uint8Array = EMPTY;
  /** For '(bad)': why the bytes did not decode (one short phrase). */
  badReason = '';

  // --- Added by the decoder (facts the formatter and semantics need beyond the operands). ---
  /** Table attributes (A.*) of the decoded form. */
  attrs = 0;
  /** Opcode: map * 256 + opcode byte; maps 0 = one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A, 4 = 3DNow! suffix,
   *  5-7 = VEX/EVEX maps 5-7 (MAP5/6 of AVX512-FP16). x87 is map 0 with the D8-DF byte. */
  opcode = 0;
  /** The ModRM byte, or -1 when the instruction has none. */
  modrm = -1;
  /** The SIB byte, or -1 when absent (the formatter prints objdump's `riz` for a SIB with no index). */
  sib = -1;
  /** Displacement width as encoded: 0, 1, 2, 4 or 8 (moffs); objdump prints `+0x0` for an encoded disp8 of 0. */
  dispSize = 0;
  /** VEX/EVEX: vector length in bytes (16, 32, 64), the vvvv register (0..31), EVEX opmask aaa (0..7),
   *  zeroing-masking (EVEX.z), EVEX.b (broadcast / rounding control / SAE) and VEX.W / EVEX.W. */
  vl = 0;
  vvvv = 0;
  opmask = 0;
  zeroing = false;
  evexB = false;
  vexW = false;
  /** Rounding-control bits L'L when EVEX.b is set on a register-register form (formatter prints {rn-sae}...). */
  evexRc = 0;
  /** Which prefixes the decoding consumed (U.* bits); the formatter prints the others as objdump's
   *  prefix words (data16, addr32, rex.W, cs, repz ...). */
  prefixUsed = 0;

  /** Per-form handler cached by the interpreter the first time the instruction runs (owned by runtime). */
  handler: ((cpu: any, i: Insn) => void) | null = null;

}

const EMPTY = new Uint8Array(0);

export function kindOf(i: Insn, n: number): K {
  return n === 0 ? i.k0 : n === 1 ? i.k1 : n === 2 ? i.k2 : i.k3;
}
export function regOf(i: Insn, n: number): number {
  return n === 0 ? i.r0 : n === 1 ? i.r1 : n === 2 ? i.r2 : i.r3;
}
export function sizeOf(i: Insn, n: number): number {
  return n === 0 ? i.s0 : n === 1 ? i.s1 : n === 2 ? i.s2 : i.s3;
}
export function setOperand(i: Insn, n: number, k: K, reg: number, size: number): void {
  switch (n) {
    case 0: i.k0 = k; i.r0 = reg; i.s0 = size; break;
    case 1: i.k1 = k; i.r1 = reg; i.s1 = size; break;
    case 2: i.k2 = k; i.r2 = reg; i.s2 = size; break;
    default: i.k3 = k; i.r3 = reg; i.s3 = size; break;
  }
  if (n + 1 > i.nops) i.nops = n + 1;
}
