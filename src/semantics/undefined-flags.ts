// Status-flag effects of the integer instructions as the Intel SDM defines them (vol. 1 appendix A,
// "EFLAGS Cross-Reference", and the "Flags Affected" section of each instruction in vol. 2): which flags an
// instruction tests, which it modifies, and which it leaves UNDEFINED. Typed data, one entry per mnemonic.
//
// ringjit computes *some* value for every undefined flag (whatever its lazy-flag record gives), and real
// CPUs differ among themselves there (Intel and AMD do not agree on, e.g., SF/ZF after MUL or AF after AND).
// The differential fuzzer (test/fuzz) masks exactly these flags when it compares ringjit with the host CPU;
// every other flag must match bit for bit. Nothing in the engines reads this table.
//
// Count-controlled instructions (shifts, rotates, SHLD/SHRD): a masked count of 0 modifies no flag at all,
// whatever the table says. The extra `count*` sets apply on top of `undefined` for non-zero counts.

/** RFLAGS status bits (same values as F in state.ts, repeated so this file stands alone as data). */
export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
export const STATUS = CF | PF | AF | ZF | SF | OF;

export interface FlagEffect {
  /** Flags the instruction reads ("T" in the SDM's cross-reference). */
  tested: number;
  /** Flags it writes, with a defined or an undefined value ("M", "0", "1" or "U"). */
  modified: number;
  /** Flags left undefined ("U"). For count-controlled instructions: whenever the masked count is non-zero. */
  undefined: number;
  /** Count-controlled instruction: a zero masked count leaves every flag unchanged. */
  counted?: true;
  /** Undefined unless the masked count is exactly 1 (OF of shifts and rotates). */
  countNot1?: number;
  /** Undefined when the masked count is >= the operand width in bits (CF of SHL/SHR on 8/16-bit operands). */
  countGeWidth?: number;
  /** Undefined when the masked count is > the operand width in bits (everything after SHLD/SHRD r16 by 17..31). */
  countGtWidth?: number;
  /** SDM reference for the entry (instruction page in vol. 2 unless stated). */
  sdm: string;
}

const ALL = STATUS;
const arith = (sdm: string, tested = 0): FlagEffect => ({ tested, modified: ALL, undefined: 0, sdm });
const none = (sdm: string): FlagEffect => ({ tested: 0, modified: 0, undefined: 0, sdm });

export const FLAG_EFFECTS: Readonly<Record<string, FlagEffect>> = {
  // ---- arithmetic: all six defined ----
  add: arith('ADD'), sub: arith('SUB'), cmp: arith('CMP'), neg: arith('NEG'),
  adc: arith('ADC', CF), sbb: arith('SBB', CF),
  cmpxchg: arith('CMPXCHG'), xadd: arith('XADD'),
  cmps: arith('CMPS/CMPSB/CMPSW/CMPSD/CMPSQ'), scas: arith('SCAS/SCASB/SCASW/SCASD'),
  inc: { tested: 0, modified: OF | SF | ZF | AF | PF, undefined: 0, sdm: 'INC (CF not affected)' },
  dec: { tested: 0, modified: OF | SF | ZF | AF | PF, undefined: 0, sdm: 'DEC (CF not affected)' },
  // ---- logic: OF = CF = 0, AF undefined ----
  and: { tested: 0, modified: ALL, undefined: AF, sdm: 'AND: OF, CF cleared; AF undefined' },
  or: { tested: 0, modified: ALL, undefined: AF, sdm: 'OR: OF, CF cleared; AF undefined' },
  xor: { tested: 0, modified: ALL, undefined: AF, sdm: 'XOR: OF, CF cleared; AF undefined' },
  test: { tested: 0, modified: ALL, undefined: AF, sdm: 'TEST: OF, CF cleared; AF undefined' },
  andn: { tested: 0, modified: ALL, undefined: AF | PF, sdm: 'ANDN: SF, ZF updated; OF, CF cleared; AF, PF undefined' },
  // ---- multiply and divide ----
  mul: { tested: 0, modified: ALL, undefined: SF | ZF | AF | PF, sdm: 'MUL: OF = CF = high half != 0; SF, ZF, AF, PF undefined' },
  imul: { tested: 0, modified: ALL, undefined: SF | ZF | AF | PF, sdm: 'IMUL: OF = CF = truncation; SF, ZF, AF, PF undefined' },
  div: { tested: 0, modified: ALL, undefined: ALL, sdm: 'DIV: CF, OF, SF, ZF, AF, PF undefined' },
  idiv: { tested: 0, modified: ALL, undefined: ALL, sdm: 'IDIV: CF, OF, SF, ZF, AF, PF undefined' },
  // ---- shifts and rotates ----
  shl: { tested: 0, modified: ALL, undefined: AF, counted: true, countNot1: OF, countGeWidth: CF,
    sdm: 'SAL/SAR/SHL/SHR: count 0 affects no flag; AF undefined; OF only for 1-bit shifts; CF undefined for SHL/SHR when count >= width' },
  sal: { tested: 0, modified: ALL, undefined: AF, counted: true, countNot1: OF, countGeWidth: CF, sdm: 'SAL (as SHL)' },
  shr: { tested: 0, modified: ALL, undefined: AF, counted: true, countNot1: OF, countGeWidth: CF, sdm: 'SHR (as SHL)' },
  sar: { tested: 0, modified: ALL, undefined: AF, counted: true, countNot1: OF, sdm: 'SAR: AF undefined; OF only for 1-bit shifts' },
  rol: { tested: 0, modified: CF | OF, undefined: 0, counted: true, countNot1: OF, sdm: 'RCL/RCR/ROL/ROR: OF defined only for 1-bit rotates' },
  ror: { tested: 0, modified: CF | OF, undefined: 0, counted: true, countNot1: OF, sdm: 'ROR (as ROL)' },
  rcl: { tested: CF, modified: CF | OF, undefined: 0, counted: true, countNot1: OF, sdm: 'RCL (as ROL; reads CF)' },
  rcr: { tested: CF, modified: CF | OF, undefined: 0, counted: true, countNot1: OF, sdm: 'RCR (as ROL; reads CF)' },
  shld: { tested: 0, modified: ALL, undefined: AF, counted: true, countNot1: OF, countGtWidth: ALL,
    sdm: 'SHLD: AF undefined; OF only for 1-bit shifts; count > operand size: flags (and result) undefined' },
  shrd: { tested: 0, modified: ALL, undefined: AF, counted: true, countNot1: OF, countGtWidth: ALL, sdm: 'SHRD (as SHLD)' },
  // ---- bit test and scan ----
  bt: { tested: 0, modified: CF | OF | SF | AF | PF, undefined: OF | SF | AF | PF, sdm: 'BT: CF = bit; ZF unaffected; OF, SF, AF, PF undefined' },
  bts: { tested: 0, modified: CF | OF | SF | AF | PF, undefined: OF | SF | AF | PF, sdm: 'BTS (as BT)' },
  btr: { tested: 0, modified: CF | OF | SF | AF | PF, undefined: OF | SF | AF | PF, sdm: 'BTR (as BT)' },
  btc: { tested: 0, modified: CF | OF | SF | AF | PF, undefined: OF | SF | AF | PF, sdm: 'BTC (as BT)' },
  bsf: { tested: 0, modified: ALL, undefined: CF | OF | SF | AF | PF, sdm: 'BSF: ZF = source is 0; CF, OF, SF, AF, PF undefined' },
  bsr: { tested: 0, modified: ALL, undefined: CF | OF | SF | AF | PF, sdm: 'BSR (as BSF)' },
  tzcnt: { tested: 0, modified: ALL, undefined: OF | SF | AF | PF, sdm: 'TZCNT: ZF = result 0, CF = source 0; OF, SF, AF, PF undefined' },
  lzcnt: { tested: 0, modified: ALL, undefined: OF | SF | AF | PF, sdm: 'LZCNT (as TZCNT)' },
  popcnt: { tested: 0, modified: ALL, undefined: 0, sdm: 'POPCNT: ZF = source 0; the other five cleared' },
  bextr: { tested: 0, modified: ALL, undefined: AF | SF | PF, sdm: 'BEXTR: ZF updated; CF, OF cleared; AF, SF, PF undefined' },
  blsi: { tested: 0, modified: ALL, undefined: AF | PF, sdm: 'BLSI: ZF, SF updated; CF = source != 0; OF cleared; AF, PF undefined' },
  blsmsk: { tested: 0, modified: ALL, undefined: AF | PF, sdm: 'BLSMSK: SF updated; CF = source 0; ZF, OF cleared; AF, PF undefined' },
  blsr: { tested: 0, modified: ALL, undefined: AF | PF, sdm: 'BLSR: ZF, SF updated; CF = source 0; OF cleared; AF, PF undefined' },
  bzhi: { tested: 0, modified: ALL, undefined: AF | PF, sdm: 'BZHI: ZF, SF updated; CF = index > width-1; OF cleared; AF, PF undefined' },
  adcx: { tested: CF, modified: CF, undefined: 0, sdm: 'ADCX: CF only' },
  adox: { tested: OF, modified: OF, undefined: 0, sdm: 'ADOX: OF only' },
  cmpxchg8b: { tested: 0, modified: ZF, undefined: 0, sdm: 'CMPXCHG8B/16B: ZF only' },
  cmpxchg16b: { tested: 0, modified: ZF, undefined: 0, sdm: 'CMPXCHG8B/16B: ZF only' },
  // ---- BCD (invalid in 64-bit mode; kept for compat mode) ----
  daa: { tested: CF | AF, modified: ALL, undefined: OF, sdm: 'DAA: OF undefined' },
  das: { tested: CF | AF, modified: ALL, undefined: OF, sdm: 'DAS: OF undefined' },
  aaa: { tested: AF, modified: ALL, undefined: OF | SF | ZF | PF, sdm: 'AAA: OF, SF, ZF, PF undefined' },
  aas: { tested: AF, modified: ALL, undefined: OF | SF | ZF | PF, sdm: 'AAS: OF, SF, ZF, PF undefined' },
  aam: { tested: 0, modified: ALL, undefined: OF | AF | CF, sdm: 'AAM: OF, AF, CF undefined' },
  aad: { tested: 0, modified: ALL, undefined: OF | AF | CF, sdm: 'AAD: OF, AF, CF undefined' },
  // ---- flag instructions ----
  clc: { tested: 0, modified: CF, undefined: 0, sdm: 'CLC' },
  stc: { tested: 0, modified: CF, undefined: 0, sdm: 'STC' },
  cmc: { tested: CF, modified: CF, undefined: 0, sdm: 'CMC' },
  sahf: { tested: 0, modified: SF | ZF | AF | PF | CF, undefined: 0, sdm: 'SAHF' },
  lahf: { tested: SF | ZF | AF | PF | CF, modified: 0, undefined: 0, sdm: 'LAHF' },
  pushf: { tested: ALL, modified: 0, undefined: 0, sdm: 'PUSHF (pushes every flag)' },
  pushfq: { tested: ALL, modified: 0, undefined: 0, sdm: 'PUSHFQ' },
  pushfw: { tested: ALL, modified: 0, undefined: 0, sdm: 'PUSHF (16-bit)' },
  popf: { tested: 0, modified: ALL, undefined: 0, sdm: 'POPF' },
  popfq: { tested: 0, modified: ALL, undefined: 0, sdm: 'POPFQ' },
  popfw: { tested: 0, modified: ALL, undefined: 0, sdm: 'POPF (16-bit)' },
  // ---- conditional instructions: tested flags depend on the condition (see testedFlags) ----
  jcc: { tested: 0, modified: 0, undefined: 0, sdm: 'Jcc (tested: by condition code, vol. 1 B.1)' },
  setcc: { tested: 0, modified: 0, undefined: 0, sdm: 'SETcc' },
  cmovcc: { tested: 0, modified: 0, undefined: 0, sdm: 'CMOVcc' },
  loope: { tested: ZF, modified: 0, undefined: 0, sdm: 'LOOPE' },
  loopne: { tested: ZF, modified: 0, undefined: 0, sdm: 'LOOPNE' },
  // ---- SSE instructions that write RFLAGS (all defined) ----
  comiss: arith('COMISS: ZF, PF, CF by the comparison; OF, SF, AF cleared'),
  comisd: arith('COMISD'), ucomiss: arith('UCOMISS'), ucomisd: arith('UCOMISD'),
  ptest: arith('PTEST: ZF, CF; AF, OF, PF, SF cleared'),
  pcmpestri: arith('PCMPESTRI'), pcmpestrm: arith('PCMPESTRM'), pcmpistri: arith('PCMPISTRI'), pcmpistrm: arith('PCMPISTRM'),
  rdrand: arith('RDRAND: CF = valid; the others cleared'), rdseed: arith('RDSEED'),
  xtest: arith('XTEST'),
  // ---- no status flags ----
  mov: none('MOV'), movabs: none('MOV'), movzx: none('MOVZX'), movsx: none('MOVSX'), movsxd: none('MOVSXD'),
  lea: none('LEA'), xchg: none('XCHG'), bswap: none('BSWAP'), not: none('NOT'), nop: none('NOP'),
  push: none('PUSH'), pop: none('POP'), leave: none('LEAVE'), enter: none('ENTER'),
  cbw: none('CBW'), cwde: none('CWDE'), cdqe: none('CDQE'), cwd: none('CWD'), cdq: none('CDQ'), cqo: none('CQO'),
  movs: none('MOVS'), stos: none('STOS'), lods: none('LODS'), xlat: none('XLAT'),
  jmp: none('JMP'), call: none('CALL'), ret: none('RET'), loop: none('LOOP'), jrcxz: none('JRCXZ'), jecxz: none('JECXZ'),
  cld: none('CLD (DF only)'), std: none('STD (DF only)'),
  movbe: none('MOVBE'), crc32: none('CRC32'), mulx: none('MULX'), pdep: none('PDEP'), pext: none('PEXT'),
  rorx: none('RORX'), sarx: none('SARX'), shlx: none('SHLX'), shrx: none('SHRX'),
};

/**
 * Outcomes the SDM leaves undefined beyond flags (typed data for the docs and the fuzzer's generator,
 * which does not produce these inputs): the destination register's value in these cases.
 */
export const UNDEFINED_RESULTS: Readonly<Record<string, string>> = {
  bsf: 'source operand is 0: destination undefined (AMD documents it unchanged; ringjit leaves it unchanged)',
  bsr: 'source operand is 0: destination undefined (AMD documents it unchanged; ringjit leaves it unchanged)',
  shld: '16-bit operand and masked count > 16: destination undefined',
  shrd: '16-bit operand and masked count > 16: destination undefined',
  bswap: '16-bit operand: destination undefined (ringjit writes 0)',
};

/** Flags read by condition code cc (0..15) of jcc/setcc/cmovcc (vol. 1 table B-1). */
export function conditionFlags(cc: number): number {
  switch (cc >> 1) {
    case 0: return OF;
    case 1: return CF;
    case 2: return ZF;
    case 3: return CF | ZF;
    case 4: return SF;
    case 5: return PF;
    case 6: return SF | OF;
    default: return ZF | SF | OF;
  }
}

/** Flags the instruction reads. */
export function testedFlags(mnem: string, cc = 0): number {
  if (mnem === 'jcc' || mnem === 'setcc' || mnem === 'cmovcc') return conditionFlags(cc);
  return FLAG_EFFECTS[mnem]?.tested ?? 0;
}

/**
 * Status flags left undefined by one execution. `count` is the masked count of a count-controlled
 * instruction and `width` its operand width in bits.
 */
export function undefinedFlags(mnem: string, count = 1, width = 64): number {
  const e = FLAG_EFFECTS[mnem];
  if (!e) return 0;
  if (!e.counted) return e.undefined;
  if (count === 0) return 0;
  let u = e.undefined;
  if (count !== 1 && e.countNot1) u |= e.countNot1;
  if (count >= width && e.countGeWidth) u |= e.countGeWidth;
  if (count > width && e.countGtWidth) u |= e.countGtWidth;
  return u;
}

/** Status flags written with a defined value by one execution (the complement of undefined in modified). */
export function definedWrites(mnem: string, count = 1, width = 64): number {
  const e = FLAG_EFFECTS[mnem];
  if (!e) return 0;
  if (e.counted && count === 0) return 0;
  return e.modified & ~undefinedFlags(mnem, count, width);
}
