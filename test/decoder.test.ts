// Decoder oracle tests: ringjit's decoder against GNU objdump (an independent disassembler).
//
//  1. Every instruction objdump lists in the executable sections of a static glibc binary (built here with
//     gcc -static -O2) and of every ELF in test/build/ (if present): length and mnemonic must agree 100%
//     on legacy (non-VEX/EVEX) instructions; the full operand text is compared and reported; VEX/EVEX
//     instructions are reported separately and must reach VEX_THRESHOLD.
//  2. ~20000 random byte strings (fixed seed): decode() never throws and agrees with objdump on the first
//     instruction's (bad)-ness and, when both decode it, its length. Disagreements must fall in one of the
//     RANDOM_EXCEPTIONS, each a documented case where objdump and the CPU differ.

import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode } from '../src/decoder/decode.js';
import { formatInsn, mnemonicOf } from '../src/decoder/format.js';
import { endsBlock, isPrivileged } from '../src/decoder/facts.js';
import { K, type Insn } from '../src/decoder/insn.js';

const C_SOURCE = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
int main(int argc, char **argv) {
  char buf[128]; long double x = argc * 1.5L; double d = sqrt((double)argc);
  snprintf(buf, sizeof buf, "%Lf %f %s", x, d, argv[0]);
  printf("%s %zu\\n", buf, strlen(buf));
  return 0;
}
`;

/** Legacy-encoded disagreements that cannot be fixed, with the reason. Keyed by objdump's mnemonic. */
const KNOWN_DISAGREEMENTS: Record<string, string> = {
  // (none at present: every non-VEX instruction of the static binary agrees in length, mnemonic and operands)
};
/** Minimum VEX/EVEX agreement on real binaries (length and mnemonic). */
const VEX_THRESHOLD = 1.0;

// ---- objdump text normalisation (one function for both sides) ----
const PREFIX_WORDS = new Set(['lock', 'rep', 'repz', 'repnz', 'repe', 'repne', 'bnd', 'notrack', 'data16', 'data32',
  'addr16', 'addr32', 'cs', 'ds', 'es', 'ss', 'fs', 'gs', 'xacquire', 'xrelease']);
interface Norm { prefixes: string; mnem: string; ops: string; comment: string }
/**
 * Split an objdump -M intel instruction text into prefix words, mnemonic, operands and `#` comment.
 * Symbolic parts objdump adds from the symbol table are removed: " <sym+0x10>" after addresses, and a bare
 * hex branch target "401020" becomes "0x401020" (what objdump prints when it has no symbols, and what
 * formatInsn prints). Prefix words (lock, rep, bnd, notrack, data16, cs, rex.W, ...) are separated out so
 * that "rep stos" compares as mnemonic "stos" with prefixes "rep".
 */
function normalize(text: string): Norm {
  let t = text.replace(/\s+<[^>]*>/g, '');
  let comment = '';
  const hash = t.indexOf('#');
  if (hash >= 0) { comment = t.slice(hash + 1).trim().replace(/^(0x)?/, '0x'); t = t.slice(0, hash); }
  const words = t.trim().split(/\s+/);
  const pre: string[] = [];
  while (words.length > 1 && (PREFIX_WORDS.has(words[0]) || /^rex(\.[WRXB]+)?$/.test(words[0]))) pre.push(words.shift()!);
  const mnem = words.shift() ?? '';
  let ops = words.join(' ');
  if (/^[0-9a-f]+$/.test(ops)) ops = '0x' + ops;
  return { prefixes: pre.join(' '), mnem, ops, comment };
}

interface Section { name: string; vma: number; size: number; fileOff: number }
function codeSections(bin: string): Section[] {
  const out = execFileSync('objdump', ['-h', bin], { encoding: 'utf8' }).split('\n');
  const secs: Section[] = [];
  for (let k = 0; k < out.length - 1; k++) {
    const m = /^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(out[k]);
    if (m && /\bCODE\b/.test(out[k + 1])) {
      secs.push({ name: m[1], size: parseInt(m[2], 16), vma: parseInt(m[3], 16), fileOff: parseInt(m[4], 16) });
    }
  }
  return secs;
}

interface Tally {
  n: number; len: number; mnem: number; ops: number; vexN: number; vexLen: number; vexMnem: number; vexOps: number;
  samples: string[];
  /** Lines already verified in full (bytes + objdump text with no address-dependent part): decoding is a pure
   *  function of the bytes there, so a repeat (the same libc code linked into many guests) is not re-decoded. */
  seen: Set<string>; repeats: number;
}
const LEGACY_PREFIX_HEX = /^((f0|f2|f3|66|67|2e|3e|26|36|64|65|4[0-9a-f]) )*(c4|c5|62) /;

const run = promisify(execFile);
/** objdump's listing of a binary (started early so that objdump runs while the previous binary is compared). */
function objdumpListing(bin: string): Promise<{ stdout: string }> {
  return run('objdump', ['-d', '-M', 'intel', '--insn-width=16', bin], { encoding: 'utf8', maxBuffer: 1 << 30 });
}

function compareBinary(bin: string, dis: string, t: Tally): void {
  const fmt = execFileSync('objdump', ['-f', bin], { encoding: 'utf8' });
  const mode: 64 | 32 = /elf32-i386/.test(fmt) ? 32 : 64;
  const file = fs.readFileSync(bin);
  const secs = codeSections(bin);
  let sec: Section | undefined;
  for (const line of dis.split('\n')) {
    // Instruction lines are "  addr:\tHEX BYTES \ttext"; anything else is a header or a label.
    const t1 = line.indexOf(':\t'), t2 = t1 < 0 ? -1 : line.indexOf('\t', t1 + 2);
    if (t2 < 0) {
      const sm = /^Disassembly of section (\S+):/.exec(line);
      if (sm) sec = secs.find((s) => s.name === sm[1]);
      continue;
    }
    if (!sec) continue;
    const addr = parseInt(line.slice(0, t1), 16);
    const hex = line.slice(t1 + 2, t2).trim();
    const otext = line.slice(t2 + 1).trim();
    const olen = (hex.length + 1) / 3;
    const key = otext.includes('<') || otext.includes('#') ? '' : hex + '|' + otext;
    if (key && t.seen.has(key)) { t.repeats++; t.n++; t.len++; t.mnem++; t.ops++; continue; }
    const i = decode(file, sec.fileOff + addr - sec.vma, sec.fileOff + sec.size, addr, mode);
    const text = formatInsn(i);
    const vexLike = mode === 64 && LEGACY_PREFIX_HEX.test(hex + ' ');
    // Fast path: identical text (no symbols in it) and length.
    const same = i.len === olen && text === otext;
    const o = same ? null : normalize(otext);
    const note = (): string => `${path.basename(bin)} ${addr.toString(16)}: ${hex} | objdump: ${otext} | ringjit: ${text}`;
    if (vexLike) {
      t.vexN++;
      if (i.len === olen) t.vexLen++;
      if (same || mnemonicOf(i) === o!.mnem) t.vexMnem++; else if (t.samples.length < 20) t.samples.push('VEX ' + note());
      if (same || (i.len === olen && normalize(text).ops === o!.ops)) t.vexOps++;
      continue;
    }
    t.n++;
    if (same) { t.len++; t.mnem++; t.ops++; if (key) t.seen.add(key); continue; }
    const mine = normalize(text);
    const lenOk = i.len === olen, mnOk = mnemonicOf(i) === o!.mnem || o!.mnem in KNOWN_DISAGREEMENTS;
    if (lenOk) t.len++;
    if (mnOk) t.mnem++;
    if (lenOk && mnOk && mine.ops === o!.ops && mine.comment === o!.comment) t.ops++;
    else if (t.samples.length < 20) t.samples.push(note());
  }
}

// ---- random bytes ----
/** xorshift32: small, deterministic. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}
const RANDOM_CASES = 20000, CASE_BYTES = 16, STRIDE = 32;
/** Leading bytes that steer part of the cases into the 0F, 0F 38, 0F 3A, x87, VEX and EVEX spaces. */
const HEADS: number[][] = [[], [], [], [], [], [0x0f], [0x0f], [0x0f], [0x0f], [0x0f, 0x38], [0x0f, 0x3a], [0x66, 0x0f],
  [0xf3, 0x0f], [0xf2, 0x0f], [0x66, 0x0f, 0x38], [0x66, 0x0f, 0x3a], [0xd8], [0xc5], [0xc4], [0x62]];

const REX = (b: number): boolean => (b & 0xf0) === 0x40;
const LEGACY_PREFIX = new Set([0xf0, 0xf2, 0xf3, 0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]);
interface Exception { name: string; why: string; test: (b: Uint8Array, i: Insn, objdump: string) => boolean }
/** Where objdump and the CPU (whose behaviour ringjit follows) differ. */
const RANDOM_EXCEPTIONS: Exception[] = [
  {
    name: 'rex-before-prefix',
    why: 'objdump ends an instruction at a REX prefix that is followed by another prefix (printing "rex.X" alone); ' +
      'the CPU ignores such a REX and decodes the rest as one instruction (SDM 2.2.1).',
    test: (b) => { for (let k = 0; k + 1 < b.length && (REX(b[k]) || LEGACY_PREFIX.has(b[k])); k++) if (REX(b[k]) && (REX(b[k + 1]) || LEGACY_PREFIX.has(b[k + 1]))) return true; return false; },
  },
  {
    name: 'lock-not-allowed',
    why: 'objdump prints a LOCK prefix on any instruction; the CPU raises #UD unless the instruction is lockable ' +
      'with a memory destination, and ringjit decodes that as (bad).',
    test: (_b, i) => i.badReason === 'lock prefix not allowed',
  },
  {
    name: 'bad-segment-register',
    why: 'objdump prints mov to/from segment register 6/7 as "?"; the CPU raises #UD.',
    test: (_b, i) => i.badReason === 'bad segment register',
  },
  {
    name: 'mpx-bnd',
    why: 'objdump decodes MPX bnd* (0F 1A/0F 1B); the host CPU (AMD) has no MPX and executes them as hint NOPs, ' +
      'which is what ringjit decodes.',
    test: (b, i) => i.mnem === 'nop' && /(^| )0f 1[ab] /.test(hexOf(b)),
  },
  {
    name: 'test-registers',
    why: 'objdump decodes the i386/i486 test-register moves 0F 24/0F 26 (mov r32,trN); every CPU since the ' +
      'Pentium raises #UD, and ringjit decodes (bad).',
    test: (b, i) => i.mnem === '(bad)' && / ?0f 2[46] /.test(' ' + hexOf(b)),
  },
  {
    name: 'fsgsbase-outside-64',
    why: 'objdump decodes rdfsbase/wrfsbase/rdgsbase/wrgsbase (F3 0F AE /0-/3) in 32-bit code; the CPU raises #UD ' +
      'outside 64-bit mode.',
    test: (_b, i) => i.badReason === 'valid only in 64-bit mode',
  },
  {
    name: 'evex-constraints',
    why: 'AVX-512 is decoded for length and mnemonic only (ringjit does not advertise it); some per-instruction ' +
      'EVEX.W / L\'L / map constraints and the AVX512-FP16 (maps 5/6) and 4FMAPS forms are not modelled.',
    test: (b) => firstOpcodeByte(b) === 0x62,
  },
  {
    name: 'ignored-mandatory-prefix',
    why: 'objdump ignores F2/F3 on a few MMX/system forms (printing "repnz pmovmskb ... mm"); these encodings are ' +
      'reserved, ringjit decodes them as (bad).',
    test: (b, i) => i.mnem === '(bad)' && /^(f2|f3) /.test(hexOf(b)) && /^unknown opcode 0f/.test(i.badReason),
  },
];
function hexOf(b: Uint8Array): string { return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' '); }
function firstOpcodeByte(b: Uint8Array): number {
  let k = 0;
  while (k < b.length && (LEGACY_PREFIX.has(b[k]) || REX(b[k]))) k++;
  return b[k];
}

describe('decoder vs objdump', () => {
  let dir = '';
  const bins: string[] = [];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringjit-dec-'));
    fs.writeFileSync(path.join(dir, 't.c'), C_SOURCE);
    execFileSync('gcc', ['-static', '-O2', path.join(dir, 't.c'), '-o', path.join(dir, 'static'), '-lm']);
    bins.push(path.join(dir, 'static'));
    const build = path.resolve(__dirname, 'build');
    if (fs.existsSync(build)) {
      for (const f of fs.readdirSync(build)) {
        const p = path.join(build, f);
        if (!fs.statSync(p).isFile()) continue;
        const head = Buffer.alloc(4);
        const fd = fs.openSync(p, 'r'); fs.readSync(fd, head, 0, 4, 0); fs.closeSync(fd);
        if (head.toString('latin1') === '\x7fELF') bins.push(p);
      }
    }
  }, 60_000);

  it('agrees with objdump on every instruction of static glibc (and test/build ELFs)', async () => {
    const t: Tally = { n: 0, len: 0, mnem: 0, ops: 0, vexN: 0, vexLen: 0, vexMnem: 0, vexOps: 0, samples: [], seen: new Set(), repeats: 0 };
    const t0 = Date.now();
    // Keep two objdump processes running ahead of the comparison (objdump is the larger half of the cost).
    const pending: Promise<{ stdout: string }>[] = [];
    const AHEAD = 2;
    for (let k = 0; k < Math.min(AHEAD, bins.length); k++) pending.push(objdumpListing(bins[k]));
    for (let k = 0; k < bins.length; k++) {
      const { stdout } = await pending[k];
      if (k + AHEAD < bins.length) pending.push(objdumpListing(bins[k + AHEAD]));
      compareBinary(bins[k], stdout, t);
    }
    const pct = (a: number, n: number): string => (n ? (100 * a / n).toFixed(3) : '100') + '%';
    console.log(`[decoder oracle] ${bins.length} binaries; legacy: ${t.n} instructions, length ${t.len} (${pct(t.len, t.n)}), ` +
      `mnemonic ${t.mnem} (${pct(t.mnem, t.n)}), full operand text ${t.ops} (${pct(t.ops, t.n)}); ` +
      `VEX/EVEX: ${t.vexN} instructions, length ${t.vexLen} (${pct(t.vexLen, t.vexN)}), mnemonic ${t.vexMnem} (${pct(t.vexMnem, t.vexN)}), operand text ${t.vexOps} (${pct(t.vexOps, t.vexN)}); ` +
      `${t.repeats} legacy lines were byte-and-text repeats of lines already verified; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (t.samples.length) console.log(t.samples.join('\n'));
    expect(t.n).toBeGreaterThan(50_000);
    expect(t.len).toBe(t.n);
    expect(t.mnem).toBe(t.n);
    expect(t.vexLen / Math.max(1, t.vexN)).toBeGreaterThanOrEqual(VEX_THRESHOLD);
    expect(t.vexMnem / Math.max(1, t.vexN)).toBeGreaterThanOrEqual(VEX_THRESHOLD);
  }, 240_000); // ~15 s on an idle 2-core machine with 60 guest binaries; generous for a loaded CI box

  for (const mode of [64, 32] as const) {
    it(`random bytes (${mode}-bit): never throws, agrees on (bad)-ness and length`, () => {
      const rnd = prng(mode === 64 ? 12345 : 54321);
      const blob = new Uint8Array(RANDOM_CASES * STRIDE).fill(0x90);
      for (let c = 0; c < RANDOM_CASES; c++) {
        const base = c * STRIDE;
        for (let k = 0; k < CASE_BYTES; k++) blob[base + k] = rnd() & 0xff;
        const h = HEADS[rnd() % HEADS.length];
        for (let k = 0; k < h.length; k++) blob[base + k] = h[k] === 0xd8 ? 0xd8 + (rnd() & 7) : h[k];
      }
      // Each case is 16 random bytes then 16 NOPs, so objdump resynchronises before the next case.
      const file = path.join(dir, `random${mode}.bin`);
      fs.writeFileSync(file, blob);
      const dis = execFileSync('objdump', ['-D', '-b', 'binary', '-m', mode === 64 ? 'i386:x86-64' : 'i386', '-M', 'intel',
        '--insn-width=16', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
      const first = new Map<number, { len: number; text: string }>();
      for (const line of dis.split('\n')) {
        const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+)\t?(.*)$/.exec(line);
        if (!m) continue;
        const a = parseInt(m[1], 16);
        if (a % STRIDE === 0) first.set(a / STRIDE, { len: m[2].trim().split(' ').length, text: m[3].trim() });
      }
      let agree = 0, bothGood = 0, lenAgree = 0;
      const excepted: Record<string, number> = {};
      const unexplained: string[] = [];
      for (let c = 0; c < RANDOM_CASES; c++) {
        const bytes = blob.subarray(c * STRIDE, c * STRIDE + STRIDE);
        let i: Insn;
        try { i = decode(blob, c * STRIDE, c * STRIDE + STRIDE, c * STRIDE, mode); formatInsn(i); endsBlock(i); isPrivileged(i); }
        catch (e) { unexplained.push(`${hexOf(bytes)} threw ${String(e)}`); continue; }
        const o = first.get(c);
        if (!o) { unexplained.push(`${hexOf(bytes)}: objdump lost sync`); continue; }
        const oBad = /\(bad\)|^\.byte/.test(o.text) || /^((lock|rep|repz|repnz|bnd|data16|addr32|addr16|cs|ds|es|ss|fs|gs|rex(\.[WRXB]+)?)\s*)+$/.test(o.text);
        const mBad = i.mnem === '(bad)';
        let ok = oBad === mBad;
        if (ok && !mBad) { bothGood++; if (i.len === o.len) lenAgree++; else ok = false; }
        if (ok) { agree++; continue; }
        const ex = RANDOM_EXCEPTIONS.find((e) => e.test(bytes.subarray(0, CASE_BYTES), i, o.text));
        if (ex) excepted[ex.name] = (excepted[ex.name] ?? 0) + 1;
        else unexplained.push(`${hexOf(bytes.subarray(0, CASE_BYTES))} | objdump: ${o.text} (len ${o.len}) | ringjit: ${mBad ? '(bad) ' + i.badReason : formatInsn(i)} (len ${i.len})`);
      }
      console.log(`[decoder random ${mode}-bit] ${RANDOM_CASES} cases: agree ${agree}, both decoded ${bothGood} ` +
        `(length agree ${lenAgree}), documented exceptions ${JSON.stringify(excepted)}, unexplained ${unexplained.length}`);
      if (unexplained.length) console.log(unexplained.slice(0, 30).join('\n'));
      expect(unexplained).toEqual([]);
      const nExcepted = Object.values(excepted).reduce((a, b) => a + b, 0);
      expect(nExcepted).toBeLessThan(RANDOM_CASES * 0.01);
    }, 60_000);
  }
});

describe('decoder unit cases', () => {
  const dec = (hex: string, mode: 64 | 32 | 16 = 64, addr = 0x401000): Insn => {
    const b = Uint8Array.from(hex.split(' ').map((x) => parseInt(x, 16)));
    return decode(b, 0, b.length, addr, mode);
  };
  it('formats like objdump', () => {
    expect(formatInsn(dec('48 8b 05 db 2e 00 00'))).toBe('mov    rax,QWORD PTR [rip+0x2edb]        # 0x403ee2');
    expect(formatInsn(dec('f3 48 ab'))).toBe('rep stos QWORD PTR es:[rdi],rax');
    expect(formatInsn(dec('0f 94 c0'))).toBe('sete   al');
    expect(formatInsn(dec('f2 0f c2 c1 01'))).toBe('cmpltsd xmm0,xmm1');
    expect(formatInsn(dec('66 2e 0f 1f 84 00 00 00 00 00'))).toBe('cs nop WORD PTR [rax+rax*1+0x0]');
    expect(formatInsn(dec('d1 e0'))).toBe('shl    eax,1');
    expect(formatInsn(dec('c3'))).toBe('ret');
  });
  it('decodes operands and targets', () => {
    const j = dec('e9 fb ff ff ff', 64, -0x7f000000);
    expect(j.mnem).toBe('jmp'); expect(j.k0).toBe(K.Rel); expect(j.target).toBe(-0x7f000000);
    const c = dec('0f 85 00 01 00 00');
    expect(c.mnem).toBe('jcc'); expect(mnemonicOf(c)).toBe('jne'); expect(c.target).toBe(0x401106);
    const w = dec('eb fe', 32, 0x1000);
    expect(w.target).toBe(0x1000);
    const cw = dec('66 e8 fd ff', 64, 0x1000); // AMD/objdump: 66 selects rel16 and a 16-bit IP
    expect(cw.len).toBe(4); expect(cw.target).toBe(0x1001);
    const m = dec('48 c7 c0 ff ff ff ff');
    expect(m.k1).toBe(K.Imm); expect(m.immLo).toBe(-1); expect(m.immHi).toBe(-1);
    const mo = dec('64 48 8b 04 25 28 00 00 00');
    expect(mo.seg).toBe(4); expect(mo.base).toBe(-1); expect(mo.disp).toBe(0x28);
  });
  it('reports bad, truncated and too-long encodings without throwing', () => {
    expect(dec('06').badReason).toBe('invalid in 64-bit mode');
    expect(dec('27').badReason).toBe('invalid in 64-bit mode');
    expect(dec('06', 32).mnem).toBe('push');
    expect(dec('f0 01 c0').badReason).toBe('lock prefix not allowed');
    const t = dec('48 8b 05 00');
    expect(t.mnem).toBe('(bad)'); expect(t.badReason).toBe('truncated'); expect(t.len).toBe(4);
    const l = dec('66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90');
    expect(l.badReason).toBe('too long (>15 bytes)'); expect(l.len).toBe(1);
    expect(dec('0f 0b').mnem).toBe('ud2');
  });
  it('knows block ends and privilege', () => {
    expect(endsBlock(dec('0f 05'))).toBe(true);
    expect(endsBlock(dec('48 01 c0'))).toBe(false);
    expect(isPrivileged(dec('0f 22 d8'))).toBe(true);
    expect(isPrivileged(dec('0f 01 f8'))).toBe(true);
    expect(isPrivileged(dec('48 cf'))).toBe(false);
    expect(endsBlock(dec('48 cf'))).toBe(true);
    expect(isPrivileged(dec('fa'))).toBe(true);
  });
});
