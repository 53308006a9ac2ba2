// SSE/SSE2 floating point: arithmetic (ss/sd/ps/pd), compares (cmpXX and their objdump pseudo-ops),
// comiss/comisd/ucomiss/ucomisd, conversions, rcp/rsqrt, and the SSE3 horizontal/addsub forms (not
// advertised: SSE3 also has fisttp, which needs the x87 unit). The numerics live in fprims.ts/fconv.ts;
// these semantics load the operands and raise #XM when a primitive reports an unmasked exception.
// Arithmetic, comis and cvtsi2sd/ss first try the inline fast paths of fastfp.ts.

import { K } from '../../decoder/insn.js';
import { type Emitter, type Semantics } from '../emit.js';
import { STRING } from '../string.js';
import { FOp } from './fprims.js';
import { THROW_XM, imm8, src, xr } from './common.js';
import { MEM, type Shape, arith, comis, cvtsi } from './fastfp.js';

export const FLOAT: Record<string, Semantics> = {};

/** Call a primitive that returns non-zero for an unmasked exception. */
function call(e: Emitter, expr: string): void { e.line(`if (${expr} !== 0) ${THROW_XM}`); }

const OPS: [string, FOp][] = [['add', FOp.ADD], ['sub', FOp.SUB], ['mul', FOp.MUL], ['div', FOp.DIV],
  ['min', FOp.MIN], ['max', FOp.MAX], ['sqrt', FOp.SQRT]];
for (const [name, op] of OPS) for (const shape of ['ss', 'sd', 'ps', 'pd'] as Shape[]) FLOAT[name + shape] = arith(op, shape);

FLOAT.haddpd = (e) => { const d = xr(e, 0), s = src(e, 1, 16, true); call(e, `rt.fhpd(cpu, ${FOp.ADD}, ${d}, ${s})`); };
FLOAT.hsubpd = (e) => { const d = xr(e, 0), s = src(e, 1, 16, true); call(e, `rt.fhpd(cpu, ${FOp.SUB}, ${d}, ${s})`); };
FLOAT.haddps = (e) => { const d = xr(e, 0), s = src(e, 1, 16, true); call(e, `rt.fhps(cpu, ${FOp.ADD}, ${d}, ${s})`); };
FLOAT.hsubps = (e) => { const d = xr(e, 0), s = src(e, 1, 16, true); call(e, `rt.fhps(cpu, ${FOp.SUB}, ${d}, ${s})`); };
FLOAT.addsubpd = (e) => { const d = xr(e, 0), s = src(e, 1, 16, true); call(e, `rt.faddsubpd(cpu, ${d}, ${s})`); };
FLOAT.addsubps = (e) => { const d = xr(e, 0), s = src(e, 1, 16, true); call(e, `rt.faddsubps(cpu, ${d}, ${s})`); };

// ---- compares ---------------------------------------------------------------------------------------
// The predicate is imm8 & 7, read at run time. objdump prints cmpltsd etc. for predicates 0-7; whether
// the decoder keeps 'cmpsd' or spells the pseudo-op, every name maps to the same semantics.

function cmp(shape: Shape): Semantics {
  return (e) => {
    const d = xr(e, 0);
    const s = src(e, 1, ...MEM[shape]);
    call(e, `rt.cmp${shape}(cpu, ${d}, ${s}, ${imm8(e)})`);
  };
}
/** The legacy predicates 0-7 as objdump names the pseudo-ops (cmpeqps, cmpltsd, ...). */
const PRED = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];
for (const shape of ['ss', 'sd', 'ps', 'pd'] as Shape[]) {
  const sem = cmp(shape);
  FLOAT['cmp' + shape] = sem;
  for (const p of PRED) FLOAT[`cmp${p}${shape}`] = sem;
}
// The string compare is 'cmps' in objdump's Intel syntax; should a decoder name it cmpsd, the absence
// of an xmm operand tells them apart.
{
  const sse = FLOAT.cmpsd;
  FLOAT.cmpsd = (e, i) => {
    if (e.kind(0) !== K.Xmm) { (STRING.cmpsd ?? STRING.cmps)(e, i); return; }
    sse(e, i);
  };
}

FLOAT.comisd = comis(true, true);
FLOAT.ucomisd = comis(true, false);
FLOAT.comiss = comis(false, true);
FLOAT.ucomiss = comis(false, false);

// ---- conversions ------------------------------------------------------------------------------------

FLOAT.cvtsi2sd = cvtsi(true);
FLOAT.cvtsi2ss = cvtsi(false);
// objdump may spell the memory forms with an explicit size suffix.
FLOAT.cvtsi2sdl = FLOAT.cvtsi2sd; FLOAT.cvtsi2sdq = FLOAT.cvtsi2sd;
FLOAT.cvtsi2ssl = FLOAT.cvtsi2ss; FLOAT.cvtsi2ssq = FLOAT.cvtsi2ss;

/** cvt(t)sd2si / cvt(t)ss2si r32|64, xmm/m64|m32. */
function cvt2si(double: boolean, trunc: boolean): Semantics {
  return (e) => {
    const size = e.size(0) === 8 ? 8 : 4;
    const s = src(e, 1, double ? 8 : 4, false);
    const lo = e.tmp(`rt.cvt2si(cpu, ${double ? 1 : 0}, ${s}, ${size}, ${trunc ? 1 : 0})`);
    e.line(`if (rt.SOUT[1] !== 0) ${THROW_XM}`);
    const hi = size === 8 ? e.tmp('rt.SOUT[0]') : '0';
    e.write(0, { lo, hi }, size);
  };
}
FLOAT.cvtsd2si = cvt2si(true, false);
FLOAT.cvttsd2si = cvt2si(true, true);
FLOAT.cvtss2si = cvt2si(false, false);
FLOAT.cvttss2si = cvt2si(false, true);

/** xmm <- xmm/m conversions: rt.name(cpu, d, s[, trunc]). */
function conv(name: string, bytes: number, aligned: boolean, extra = ''): Semantics {
  return (e) => {
    const d = xr(e, 0);
    const s = src(e, 1, bytes, aligned);
    call(e, `rt.${name}(cpu, ${d}, ${s}${extra})`);
  };
}
FLOAT.cvtsd2ss = conv('cvtsd2ss', 8, false);
FLOAT.cvtss2sd = conv('cvtss2sd', 4, false);
FLOAT.cvtpd2ps = conv('cvtpd2ps', 16, true);
FLOAT.cvtps2pd = conv('cvtps2pd', 8, false);
FLOAT.cvtdq2ps = conv('cvtdq2ps', 16, true);
FLOAT.cvtdq2pd = conv('cvtdq2pd', 8, false);
FLOAT.cvtps2dq = conv('cvtps2dq', 16, true, ', 0');
FLOAT.cvttps2dq = conv('cvtps2dq', 16, true, ', 1');
FLOAT.cvtpd2dq = conv('cvtpd2dq', 16, true, ', 0');
FLOAT.cvttpd2dq = conv('cvtpd2dq', 16, true, ', 1');

// ---- approximations ----------------------------------------------------------------------------------

function rcp(packed: boolean, rsqrt: number): Semantics {
  return (e) => {
    const d = xr(e, 0);
    const s = src(e, 1, packed ? 16 : 4, packed);
    e.line(`rt.${packed ? 'rcpps' : 'rcpss'}(cpu, ${rsqrt}, ${d}, ${s});`);
  };
}
FLOAT.rcpss = rcp(false, 0);
FLOAT.rsqrtss = rcp(false, 1);
FLOAT.rcpps = rcp(true, 0);
FLOAT.rsqrtps = rcp(true, 1);

