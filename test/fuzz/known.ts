// Known divergences between ringjit and the host CPU that are understood and not fixed yet (each with the
// reason and where the fix belongs). A mismatching case whose every difference is matched by an entry here
// is counted as "known", reported in the summary and the coverage report, and does not fail the CI pass.
// Differences between the two engines are never known: they share the semantics, so they must agree.
// Remove an entry when its fix lands; a stale entry (matching nothing in a run) is reported.

import { type Insn, K } from '../../src/decoder/insn.js';

export interface KnownIssue {
  id: string;
  /** Does this difference line (from diffOutcomes) of a case belong here? `last` is its last instruction. */
  match(line: string, last: Insn, insns: readonly Insn[]): boolean;
  reason: string;
  owner: string;
}

/** Instructions that read and write their memory operand (hardware checks write access at the read). */
const RMW = /^(add|or|adc|sbb|and|sub|xor|inc|dec|neg|not|shl|sal|shr|sar|rol|ror|rcl|rcr|shld|shrd|xchg|xadd|cmpxchg|bts|btr|btc)$/;

export const KNOWN: KnownIssue[] = [
  {
    id: 'rmw-write-intent',
    match: (line, last) => RMW.test(last.mnem) && last.k0 === K.Mem &&
      (/^#PF error code \(P\/W\/U\): [67] vs 4$/.test(line) || /^cr2: /.test(line) || /^exit: #PF(\(err \d+, cr2 0x[0-9a-f]+\))? at 0x[0-9a-f]+ vs fall$/.test(line)),
    reason: 'a read-modify-write memory operand is checked for write access when it is read: on a not-present page ' +
      'the host reports a write fault (W=1), and on a read-only page followed by an unmapped one it faults on the ' +
      'first page, and a shift/rotate by 0 of a read-only memory operand faults; ringjit reads first (W=0, or ' +
      'the second page) and does not write when the count is 0. Fix: load RMW operands through the write TLB ' +
      'tags (slow path probes for write) in emit.ts/block-emitter.ts',
    owner: 'semantics/translator (lead)',
  },
  {
    id: 'cross-page-write-cr2',
    match: (line) => {
      const m = /^cr2: 0x([0-9a-f]+) vs 0x([0-9a-f]+)$/.exec(line);
      if (!m) return false;
      const a = BigInt('0x' + m[1]), b = BigInt('0x' + m[2]);
      return (a & 0xfffn) === 0n && b > a && b - a < 16n;
    },
    reason: 'a write that crosses into a faulting page reports CR2 = first byte of that page on the host; ' +
      'Mmu.wr64/wrCross probe the LAST byte of the access (lo + n - 1) and report that address. ' +
      'Fix in src/runtime/mmu.ts: probe ((lo | 4095) + 1) for the second page',
    owner: 'runtime (mmu.ts)',
  },
  {
    id: 'mov-cr-dr-reserved',
    match: (line, last) => last.mnem === 'mov' && [last.k0, last.k1].some((k) => k === K.Cr || k === K.Dr) &&
      /^vector: #UD vs #GP$/.test(line),
    reason: 'mov to/from CR1, CR5-CR7, CR9-CR15 and DR8-DR15 is #UD before the CPL check on the host; ringjit raises ' +
      '#GP(0) for every mov CRn/DRn at CPL 3 (semanticsOf routes them all to the privileged helper)',
    owner: 'semantics/index.ts or runtime privileged helper',
  },
];

KNOWN.push(
  {
    id: 'clflush-no-fault',
    match: (line, last) => /^clflush/.test(last.mnem) && /^exit: #PF(\(err \d+, cr2 0x[0-9a-f]+\))? at 0x[0-9a-f]+ vs fall$/.test(line),
    reason: 'clflush/clflushopt of an unmapped address raises #PF on the host (it is a memory access for paging); ' +
      'ringjit runs them as no-ops (semantics/system.ts `nothing`). Fix: translate the address for reading ' +
      '(a 1-byte load whose value is discarded)',
    owner: 'semantics/system.ts (lead)',
  },
  {
    id: 'movsxd-r16-reads-32',
    match: (line, last) => last.mnem === 'movsxd' && last.opsize === 2 && last.k1 === K.Mem &&
      (/^exit: #PF(\(err \d+, cr2 0x[0-9a-f]+\))? at 0x[0-9a-f]+ vs fall$/.test(line) || /^[a-z0-9]+: 0x[0-9a-f]+ vs 0x[0-9a-f]+$/.test(line)),
    reason: 'movsxd r16, m32 (66 63): the host (AMD) reads the whole doubleword, so a doubleword that crosses into an ' +
      'unmapped page faults; ringjit reads only the word it uses (the SDM spells the 16-bit form MOVSXD r16, r/m16, ' +
      'so this is vendor-specific). Decide which vendor to follow in alu.ts movsxd',
    owner: 'semantics/alu.ts (lead)',
  },
  {
    id: 'string-port-io-ud',
    match: (line, last) => /^(ins|outs)$/.test(last.mnem) && /^vector: #GP vs #UD$/.test(line),
    reason: 'ins/outs at CPL 3 with IOPL 0: the host raises #GP(0) (the IOPL check); ringjit raises #UD ' +
      '("string port I/O is not implemented") before the privilege check',
    owner: 'runtime/sysinsn.ts (lead)',
  },
  {
    id: 'f3-rexb-90-is-xchg',
    match: (_line, _last, insns) => insns.some((i) => i.mnem === 'pause' && (i.prefixes & 32) !== 0 && i.bytes.some((b, k) => (b & 0xf1) === 0x41 && i.bytes[k + 1] === 0x90)),
    reason: 'F3 REX.B 90 is `xchg r8d, eax` on the host (REX.B makes 90 a register exchange, the F3 is ignored); ' +
      'the decoder table selects `pause` for F3 before looking at REX.B. Fix in src/decoder/tables.ts (opcode 90: ' +
      'check rexb before rep)',
    owner: 'decoder (tables.ts)',
  },
);

export function knownIssueOf(lines: readonly string[], insns: readonly Insn[]): KnownIssue | null {
  const last = insns[insns.length - 1];
  let found: KnownIssue | null = null;
  for (const line of lines) {
    const k = KNOWN.find((x) => x.match(line, last, insns));
    if (!k) return null;
    found ??= k;
  }
  return found;
}
