// The shape of guest CPU state as the semantics see it. The runtime's Cpu class implements this;
// semantics and generated code depend only on this interface, never on the runtime (DESIGN layout:
// runtime -> semantics, not the other way).

/** RFLAGS bits. */
export const enum F {
  CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8, IF = 1 << 9,
  DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14, RF = 1 << 16, VM = 1 << 17, AC = 1 << 18,
  VIF = 1 << 19, VIP = 1 << 20, ID = 1 << 21,
}
/** The six status flags that lazy evaluation produces. */
export const ARITH_FLAGS = F.CF | F.PF | F.AF | F.ZF | F.SF | F.OF;
/** Bits of RFLAGS that user code can change with popf (IOPL/IF need CPL 0, VM/RF never). */
export const POPF_USER_MASK = F.CF | F.PF | F.AF | F.ZF | F.SF | F.TF | F.DF | F.OF | F.NT | F.AC | F.ID;

/**
 * Lazy condition codes (DESIGN decision 3), as QEMU's cc_op: a flag-producing instruction records which
 * operation ran and on what; flags are computed only when something reads them. The record is
 * (ccOp, ccDst, ccSrc, ccAux), each 64-bit value kept as int32 halves in Cpu.cc.
 * ccOp = kind * 4 + log2(size in bytes).
 */
export const enum CcKind {
  /** Status flags are materialised in eflags (after popf, sahf, rotates, bt, ...). */
  EFLAGS = 0,
  /** dst = a + b, src = b. */
  ADD = 1,
  /** dst = a - b, src = b (sub, cmp, neg with a = 0). */
  SUB = 2,
  /** dst = a + b + cin, src = b, aux = cin. */
  ADC = 3,
  /** dst = a - b - cin, src = b, aux = cin. */
  SBB = 4,
  /** dst = result of and/or/xor/test: CF = OF = 0. */
  LOGIC = 5,
  /** dst = a + 1, aux = CF before (inc preserves CF). */
  INC = 6,
  /** dst = a - 1, aux = CF before. */
  DEC = 7,
  /** dst = a << n, src = a << (n - 1) (its top bit is CF). */
  SHL = 8,
  /** dst = a >>> n, src = a >>> (n - 1) (its low bit is CF), aux = a (OF = top bit of a for n = 1). */
  SHR = 9,
  /** dst = a >> n, src = a >> (n - 1); OF = 0. */
  SAR = 10,
  /** dst = low half of the product, src = 1 if the high half is significant (CF = OF = src). */
  MUL = 11,
  /** bsf/bsr/tzcnt/lzcnt/popcnt style: dst = source operand (ZF = dst == 0), others cleared/undefined. */
  ZFSRC = 12,
  /** Two/three-operand imul r64: dst = low half of the product, src = a, aux = b. CF = OF = "the signed
   * 128-bit product does not fit 64 bits", computed only when read: the high half costs a full 64x64
   * multiply, and most imul flags are never read (they stay live only because a later load may fault). */
  IMUL = 13,
}
export const CC_KIND_COUNT = 14;
export function ccOpOf(kind: CcKind, size: number): number {
  return kind * 4 + (size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3);
}

/** Indexes into Cpu.cc (Int32Array). */
export const enum CC { DST_LO = 0, DST_HI = 1, SRC_LO = 2, SRC_HI = 3, AUX_LO = 4, AUX_HI = 5 }

/**
 * What generated code and helpers touch. Everything 64-bit is int32 halves (DESIGN decision 2).
 */
export interface CpuState {
  /** 16 GPRs as [lo, hi] pairs: RAX lo at 0, RAX hi at 1, RCX lo at 2, ... */
  regs: Int32Array;
  /** Guest RIP as an exact signed number (canonical addresses fit in 48 bits). */
  rip: number;
  /** RFLAGS except the status flags while ccOp != EFLAGS. Bit 1 is always set. */
  eflags: number;
  ccOp: number;
  /** Lazy flag operands (see CC). */
  cc: Int32Array;
  /** XMM0..15 as 4 int32 lanes each (xmm n lane k at n*4+k), little-endian lane order. */
  xmm: Int32Array;
  /** Same storage viewed as float64 / float32, and bytes (aliases of xmm). */
  xmmF64: Float64Array;
  xmmF32: Float32Array;
  xmmU8: Uint8Array;
  mxcsr: number;
  /** x87 control word (fnstcw/fldcw/fninit): precision and rounding control of the x87 arithmetic. */
  fpuCw: number;
  /** x87 status word (fnstsw/fnstenv/fldenv/fnclex/fninit); TOP is bits 11-13. */
  fpuSw: number;
  /** x87 registers: physical register p at words 4p (significand lo, hi, sign << 15 | exponent, unused). */
  fpr: Int32Array;
  /** x87 tags: bit p set while physical register p is in use (not empty). */
  fpuTag: number;
  /** Segment bases for FS and GS (only these matter in 64-bit mode), as halves. */
  fsBaseLo: number; fsBaseHi: number;
  gsBaseLo: number; gsBaseHi: number;
  /** Current privilege level (0 or 3). */
  cpl: number;
}
