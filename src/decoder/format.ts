// Intel-syntax formatter that reproduces `objdump -d -M intel` text (binutils 2.40) for a decoded Insn:
// prefix words for prefixes the instruction did not consume, the mnemonic padded to 6 columns, operands
// with objdump's PTR keywords and hex spelling, and the `# 0x...` comment of RIP-relative operands.
// Branch targets print as `0x401020` (objdump prints `401020 <symbol>` when it has symbols).

import { type Insn, K, P, U, A, CC_NAMES, Seg } from './insn.js';
import { decode } from './decode.js';
import { CMP_PRED, VPCMP_PRED, PCLMUL_PRED } from './opcodes.js';

const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const GPR32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const GPR16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const GPR8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b',
  'ah', 'ch', 'dh', 'bh'];
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', '?', '?'];
const PTR: Record<number, string> = {
  1: 'BYTE PTR ', 2: 'WORD PTR ', 4: 'DWORD PTR ', 6: 'FWORD PTR ', 8: 'QWORD PTR ', 10: 'TBYTE PTR ',
  16: 'XMMWORD PTR ', 32: 'YMMWORD PTR ', 64: 'ZMMWORD PTR ',
};

export function regName(r: number, s: number): string {
  switch (s) {
    case 8: return GPR64[r] ?? '?';
    case 4: return GPR32[r] ?? '?';
    case 2: return GPR16[r] ?? '?';
    case 1: return GPR8[r] ?? '?';
    default: return GPR64[r] ?? '?';
  }
}

/** 64-bit two's-complement hex of hi:lo halves, without leading zeros. */
function hex64(lo: number, hi: number): string {
  const h = hi >>> 0, l = lo >>> 0;
  return h === 0 ? l.toString(16) : h.toString(16) + l.toString(16).padStart(8, '0');
}
/** Hex of a (possibly negative) exact integer as an unsigned value of `bytes` bytes. */
export function hexN(v: number, bytes: number): string {
  if (bytes >= 8) {
    const hi = Math.floor(v / 4294967296);
    return hex64(v - hi * 4294967296, hi);
  }
  const m = bytes === 4 ? v >>> 0 : bytes === 2 ? v & 0xffff : bytes === 1 ? v & 0xff : v;
  return m.toString(16);
}

/** The objdump mnemonic: condition-code families expanded, predicate immediates turned into pseudo-ops. */
export function mnemonicOf(i: Insn): string {
  const m = i.mnem;
  switch (m) {
    case 'jcc': return 'j' + CC_NAMES[i.cc];
    case 'setcc': return 'set' + CC_NAMES[i.cc];
    case 'cmovcc': return 'cmov' + CC_NAMES[i.cc];
  }
  const p = pseudoOp(i);
  if (p !== null) return p;
  // 9b + a no-wait control instruction prints as the waiting form (fnstsw -> fstsw).
  if ((i.prefixes & P.FWAIT) && /^fn(stenv|stcw|save|stsw|eni|disi|clex|init|setpm)/.test(m)) return 'f' + m.slice(2);
  return m;
}

/** objdump's predicate pseudo-op for cmpps/vcmpps/pclmulqdq/vpcmp*, or null (then the imm is printed). */
function pseudoOp(i: Insn): string | null {
  const m = i.mnem;
  const imm = i.immLo & 0xff;
  if (!hasImmOperand(i) || (m.charCodeAt(0) !== 0x63 /* c */ && m.charCodeAt(0) !== 0x70 /* p */ && m.charCodeAt(0) !== 0x76 /* v */)) return null;
  if (/^v?cmp[ps][sd]$/.test(m)) {
    const v = m[0] === 'v';
    if (imm >= (v ? 32 : 8)) return null;
    return (v ? 'vcmp' : 'cmp') + CMP_PRED[imm] + m.slice(-2);
  }
  if (m === 'pclmulqdq' || m === 'vpclmulqdq') {
    const s = PCLMUL_PRED[imm];
    return s === undefined ? null : m.replace('qdq', s + 'dq');
  }
  const vp = /^vpcmp(u?)([bwdq])$/.exec(m);
  if (vp) {
    const s = VPCMP_PRED[imm & 7];
    return imm > 7 || s === null ? null : `vpcmp${s}${vp[1]}${vp[2]}`;
  }
  return null;
}
function hasImmOperand(i: Insn): boolean {
  return i.nops > 0 && kindAt(i, i.nops - 1) === K.Imm;
}
function kindAt(i: Insn, n: number): K { return n === 0 ? i.k0 : n === 1 ? i.k1 : n === 2 ? i.k2 : i.k3; }
function regAt(i: Insn, n: number): number { return n === 0 ? i.r0 : n === 1 ? i.r1 : n === 2 ? i.r2 : i.r3; }
function sizeAt(i: Insn, n: number): number { return n === 0 ? i.s0 : n === 1 ? i.s1 : n === 2 ? i.s2 : i.s3; }

/** Prefix words objdump prints before the mnemonic, in byte order. */
function prefixWords(i: Insn): string[] {
  const out: string[] = [];
  const b = i.bytes;
  const used = i.prefixUsed;
  const str = (i.attrs & A.STRING) !== 0;
  const repz = /^(cmps|scas)$/.test(i.mnem);
  const bnd = (i.attrs & A.BND) !== 0;
  // HLE: F2/F3 on a locked read-modify-write (or xchg, or a plain store for F3) print as xacquire/xrelease.
  const hle = i.k0 === K.Mem && (((i.attrs & A.LOCKABLE) && ((i.prefixes & P.LOCK) || i.mnem === 'xchg'))
    || (i.mnem === 'mov' && (i.opcode === 0x88 || i.opcode === 0x89 || i.opcode === 0xc6 || i.opcode === 0xc7)));
  const srcOperand = i.nops > 0 && ((i.k0 === K.Mem && (i.r0 & 0xff) !== 7) || (i.k1 === K.Mem && (i.r1 & 0xff) !== 7));
  let lastRep = -1, lastSeg = -1, last66 = -1;
  let n = 0;
  for (; n < b.length && n < 15; n++) {
    const x = b[n];
    if (x === 0xf2 || x === 0xf3) lastRep = n;
    else if (x === 0x66) last66 = n;
    else if (x === 0x26 || x === 0x2e || x === 0x36 || x === 0x3e || x === 0x64 || x === 0x65) lastSeg = n;
    else if (x !== 0xf0 && x !== 0x67 && !(i.mode === 64 && (x & 0xf0) === 0x40)) break;
  }
  for (let k = 0; k < n; k++) {
    const x = b[k];
    if (i.mode === 64 && (x & 0xf0) === 0x40) {
      if (k !== n - 1 || (i.prefixes & (P.VEX | P.EVEX))) { out.push(rexName(x)); continue; }
      const bits = x & 15;
      const usedBits = (used & U.REX_B ? 1 : 0) | (used & U.REX_X ? 2 : 0) | (used & U.REX_R ? 4 : 0) | (used & U.REX_W ? 8 : 0);
      if ((bits & ~usedBits) !== 0 || (bits === 0 && !(used & U.REX))) out.push(rexName(x));
      continue;
    }
    switch (x) {
      case 0xf0: out.push('lock'); break;
      case 0xf3:
        if (k === lastRep && (used & U.REP)) break;
        out.push(k === lastRep && str ? (repz ? 'repz' : 'rep') : k === lastRep && hle ? 'xrelease' : 'repz');
        break;
      case 0xf2:
        if (k === lastRep && (used & U.REP)) break;
        out.push(k === lastRep && bnd ? 'bnd' : k === lastRep && hle && i.mnem !== 'mov' ? 'xacquire' : 'repnz');
        break;
      case 0x66: if (k !== last66 || !(used & U.OPSIZE)) out.push(i.mode === 16 ? 'data32' : 'data16'); break;
      case 0x67: if (!(used & U.ADSIZE)) out.push(i.mode === 32 ? 'addr16' : 'addr32'); break;
      default: {
        const s = segOf(x);
        if (k === lastSeg && x === 0x3e && (i.prefixes & P.NOTRACK)) { out.push('notrack'); break; }
        // A segment override names the memory operand's segment (fs:/gs:, or any in 16/32-bit modes);
        // in 64-bit mode ES/CS/SS/DS overrides are ignored by the CPU and objdump prints them as words.
        if (k === lastSeg && (used & U.SEG) && (str ? srcOperand : i.mode !== 64 || s >= Seg.FS)) break;
        out.push(SREG[s]);
      }
    }
  }
  return out;
}
function segOf(x: number): number {
  return x === 0x26 ? 0 : x === 0x2e ? 1 : x === 0x36 ? 2 : x === 0x3e ? 3 : x === 0x64 ? 4 : 5;
}
function rexName(x: number): string {
  const s = (x & 8 ? 'W' : '') + (x & 4 ? 'R' : '') + (x & 2 ? 'X' : '') + (x & 1 ? 'B' : '');
  return s ? 'rex.' + s : 'rex';
}

export function formatInsn(i: Insn): string {
  if (i.mnem === '(bad)') return '(bad)';
  const words = prefixWords(i);
  const mn = mnemonicOf(i);
  const pre = words.length ? words.join(' ') + ' ' : '';
  const ops = operandsText(i, mn !== i.mnem && !/^(j|set|cmov|f)/.test(mn) ? 1 : 0);
  if (!ops) return pre + mn;
  const head = pre + mn;
  return head.padEnd(6) + ' ' + ops + ripComment(i);
}

/** The comma-separated operand text (without the mnemonic); `dropLast` hides a pseudo-op's predicate. */
export function operandsText(i: Insn, dropLast = 0): string {
  const parts: string[] = [];
  // x87 arithmetic d-bit: in DC and DE (not DF) ST(i) is the destination operand.
  const x87Dir = (i.opcode & 5) === 4;
  const nSt = (i.k0 === K.St ? 1 : 0) + (i.k1 === K.St ? 1 : 0);
  for (let n = 0; n < i.nops - dropLast; n++) {
    const k = kindAt(i, n), r = regAt(i, n), s = sizeAt(i, n);
    switch (k) {
      case K.Reg: parts.push(regName(r, s)); break;
      case K.Mem: parts.push(memText(i, r, s)); break;
      case K.Imm: parts.push(r === 1 ? '1' : '0x' + immHex(i, s)); break;
      case K.Imm2: parts.push('0x' + hexN(i.imm2, s)); break;
      case K.Rel: parts.push('0x' + hexN(i.target, i.mode === 64 ? 8 : 4)); break;
      case K.Xmm: parts.push((s === 64 ? 'zmm' : s === 32 ? 'ymm' : 'xmm') + r); break;
      case K.Mmx: parts.push('mm' + r); break;
      case K.Kmask: parts.push('k' + r); break;
      case K.Sreg: parts.push(SREG[r]); break;
      case K.Cr: parts.push('cr' + r); break;
      case K.Dr: parts.push('dr' + r); break;
      case K.St:
        parts.push(nSt === 2 && (n === (x87Dir ? 1 : 0)) ? 'st' : `st(${r})`);
        break;
      case K.Far: parts.push(`0x${hexN(i.imm2, 2)}:0x${hexN(i.immLo, i.opsize === 2 ? 2 : 4)}`); break;
      default: parts.push('?');
    }
    if (n === 0 && (i.prefixes & P.EVEX)) parts[0] += evexMaskText(i);
  }
  // EVEX.b with register operands: static rounding, printed after the last register operand.
  if ((i.prefixes & P.EVEX) && i.evexB && i.modrm >= 0xc0 && parts.length) {
    let last = parts.length - 1;
    if (kindAt(i, last) === K.Imm) last--;
    if (last >= 0) parts[last] += `{${['rn', 'rd', 'ru', 'rz'][i.evexRc & 3]}-sae}`;
  }
  return parts.join(',');
}

function evexMaskText(i: Insn): string {
  return (i.opmask ? `{k${i.opmask}}` : '') + (i.zeroing ? '{z}' : '');
}

function immHex(i: Insn, s: number): string {
  if (s >= 8) return hex64(i.immLo, i.immHi);
  return hexN(i.immLo, s);
}

function memText(i: Insn, r: number, s: number): string {
  let kw = PTR[s] ?? '';
  if (i.attrs & A.OWORD) kw = 'OWORD PTR ';
  // EVEX.b with a memory operand: embedded broadcast of one element.
  if ((i.prefixes & P.EVEX) && i.evexB) kw = i.vexW ? 'QWORD BCST ' : 'DWORD BCST ';
  const asz = i.adsize;
  if (r & 0x100) {
    // String-instruction operand: objdump always names the segment.
    const reg = r & 0xff;
    const seg = reg === 7 ? 'es' : i.seg >= 0 ? SREG[i.seg] : 'ds';
    return `${kw}${seg}:[${regName(reg, asz)}]`;
  }
  const segPre = i.seg >= 0 ? SREG[i.seg] + ':' : '';
  if (i.opcode >= 0xa0 && i.opcode <= 0xa3 && !(i.prefixes & (P.VEX | P.EVEX))) {
    // moffs: objdump prints no size keyword
    const v = i.dispSize === 8 ? hex64(i.immLo, i.immHi) : hexN(i.disp, i.dispSize);
    return `${segPre || 'ds:'}0x${v}`;
  }
  if (i.ripRel) {
    const rip = asz === 4 ? 'eip' : 'rip';
    return `${kw}${segPre}[${rip}+0x${hexN(i.disp, 8)}]`;
  }
  const riz = i.sib >= 0 && i.index < 0 && ((i.sib >> 3) & 7) === 4 &&
    ((i.sib >> 6) !== 0 || ((i.sib & 7) !== 4 && i.base >= 0) || (i.base < 0 && asz === 4));
  if (i.base < 0 && i.index < 0 && !riz) {
    const v = asz === 8 ? hexN(i.disp, 8) : hexN(i.disp, asz);
    return `${kw}${segPre || 'ds:'}0x${v}`;
  }
  let t = '';
  if (i.base >= 0) t = regName(i.base, asz === 2 ? 2 : asz);
  if (i.index >= 0) t += (t ? '+' : '') + vecIndexOrGpr(i, asz) + (asz === 2 && i.mode !== 64 && i.sib < 0 ? '' : '*' + i.scale);
  else if (riz) t += (t ? '+' : '') + (asz === 4 ? 'eiz' : 'riz') + '*' + i.scale;
  if (i.dispSize > 0) {
    const d = i.disp;
    if (i.base < 0 && !(i.index >= 0 || riz)) t += '0x' + hexN(d, asz);
    else t += d < 0 ? '-0x' + (-d).toString(16) : '+0x' + d.toString(16);
  }
  return `${kw}${segPre}[${t}]`;
}
function vecIndexOrGpr(i: Insn, asz: number): string {
  return regName(i.index, asz === 2 ? 2 : asz);
}

function ripComment(i: Insn): string {
  if (!i.ripRel || i.modrm < 0) return '';
  const ea = i.addr + i.len + i.disp;
  return '        # 0x' + (i.adsize === 4 ? hexN(ea, 4) : hexN(ea, 8));
}

/** objdump-style listing of a whole buffer: "  401000:\t48 89 e5             \tmov    rbp,rsp". */
export function disassemble(buf: Uint8Array, addr: number, mode: 64 | 32 | 16): string[] {
  const lines: string[] = [];
  const w = Math.max(4, (addr + buf.length).toString(16).length + 2);
  let off = 0;
  while (off < buf.length) {
    const i = decode(buf, off, buf.length, addr + off, mode);
    // Like objdump, an instruction cut off by the end of the buffer is shown one byte at a time.
    const truncated = i.badReason === 'truncated';
    const len = truncated ? 1 : i.len;
    const hex = (a: number, b: number): string => Array.from(buf.subarray(a, b), (x) => x.toString(16).padStart(2, '0') + ' ').join('');
    const text = truncated ? `.byte 0x${buf[off].toString(16)}` : formatInsn(i);
    lines.push(`${hexN(addr + off, 8).padStart(w)}:\t${hex(off, Math.min(off + len, off + 7)).padEnd(21)}\t${text}`);
    for (let k = off + 7; k < off + len; k += 7) {
      lines.push(`${hexN(addr + k, 8).padStart(w)}:\t${hex(k, Math.min(off + len, k + 7))}`);
    }
    off += len;
  }
  return lines;
}
