// SSE2 integer instructions (and the bitwise/shuffle/unpack ps/pd forms, which are the same data
// operations). 32-bit lane operations are emitted inline; byte/word lanes, packs, shuffles and shifts
// call the primitives in iprims.ts.

import { K } from '../../decoder/insn.js';
import { type Semantics } from '../emit.js';
import { IOp } from './iprims.js';
import { L, imm8, mmx, reg, src, srcLanes, xr } from './common.js';

export const INTEGER: Record<string, Semantics> = {};

/** Inline 32-bit lane operation: dst[k] = f(dst[k], src[k]). The memory operand is m128, aligned. */
function lanes32(f: (a: string, b: string) => string): Semantics {
  return (e) => {
    if (mmx(e)) return;
    const d = xr(e, 0);
    const b = srcLanes(e, 1, 16, true);
    e.line(b.map((s, k) => `${L(d, k)} = ${f(L(d, k), s)};`).join(' '));
  };
}
reg(INTEGER, ['pand', 'andps', 'andpd'], lanes32((a, b) => `${a} & ${b}`));
reg(INTEGER, ['pandn', 'andnps', 'andnpd'], lanes32((a, b) => `~${a} & ${b}`));
reg(INTEGER, ['por', 'orps', 'orpd'], lanes32((a, b) => `${a} | ${b}`));
reg(INTEGER, ['pxor', 'xorps', 'xorpd'], lanes32((a, b) => `${a} ^ ${b}`));
INTEGER.paddd = lanes32((a, b) => `(${a} + ${b}) | 0`);
INTEGER.psubd = lanes32((a, b) => `(${a} - ${b}) | 0`);
INTEGER.pcmpeqd = lanes32((a, b) => `${a} === ${b} ? -1 : 0`);
INTEGER.pcmpgtd = lanes32((a, b) => `${a} > ${b} ? -1 : 0`);

/** A primitive call rt.name(cpu, [args,] d, s[, imm8]) with an m128 (aligned) or xmm source. */
function prim(name: string, args: string[] = [], withImm = false, aligned = true): Semantics {
  return (e) => {
    if (mmx(e)) return;
    const d = xr(e, 0);
    const s = src(e, 1, 16, aligned);
    const pre = args.map((a) => a + ', ').join('');
    e.line(`rt.${name}(cpu, ${pre}${d}, ${s}${withImm ? ', ' + imm8(e) : ''});`);
  };
}
const BIN: [string, IOp][] = [
  ['paddb', IOp.PADDB], ['paddw', IOp.PADDW], ['psubb', IOp.PSUBB], ['psubw', IOp.PSUBW],
  ['paddsb', IOp.PADDSB], ['paddsw', IOp.PADDSW], ['paddusb', IOp.PADDUSB], ['paddusw', IOp.PADDUSW],
  ['psubsb', IOp.PSUBSB], ['psubsw', IOp.PSUBSW], ['psubusb', IOp.PSUBUSB], ['psubusw', IOp.PSUBUSW],
  ['pcmpeqw', IOp.PCMPEQW], ['pcmpgtb', IOp.PCMPGTB], ['pcmpgtw', IOp.PCMPGTW],
  ['pminub', IOp.PMINUB], ['pmaxub', IOp.PMAXUB], ['pminsw', IOp.PMINSW], ['pmaxsw', IOp.PMAXSW],
  ['pavgb', IOp.PAVGB], ['pavgw', IOp.PAVGW], ['pmullw', IOp.PMULLW], ['pmulhw', IOp.PMULHW], ['pmulhuw', IOp.PMULHUW],
];
for (const [m, op] of BIN) INTEGER[m] = prim('pbin', [String(op)]);
INTEGER.pcmpeqb = prim('pcmpeqb');
INTEGER.paddq = prim('paddq', ['0']);
INTEGER.psubq = prim('paddq', ['1']);
INTEGER.pmuludq = prim('pmuludq');
INTEGER.pmaddwd = prim('pmaddwd');
INTEGER.psadbw = prim('psadbw');
INTEGER.packsswb = prim('pack', ['0']);
INTEGER.packssdw = prim('pack', ['1']);
INTEGER.packuswb = prim('pack', ['2']);

// Unpacks: element size, low/high half.
const UNPACK: [string, number, number][] = [
  ['punpcklbw', 1, 0], ['punpcklwd', 2, 0], ['punpckldq', 4, 0], ['punpcklqdq', 8, 0],
  ['punpckhbw', 1, 1], ['punpckhwd', 2, 1], ['punpckhdq', 4, 1], ['punpckhqdq', 8, 1],
  ['unpcklps', 4, 0], ['unpckhps', 4, 1], ['unpcklpd', 8, 0], ['unpckhpd', 8, 1],
];
for (const [m, size, high] of UNPACK) INTEGER[m] = prim('unpack', [String(size), String(high)]);

INTEGER.pshufd = prim('pshufd', [], true);
INTEGER.pshuflw = prim('pshufw4', ['0'], true);
INTEGER.pshufhw = prim('pshufw4', ['1'], true);
INTEGER.shufps = prim('shufps', [], true);
INTEGER.shufpd = prim('shufpd', [], true);

/** Element shifts: by imm8, or by the low quadword of an xmm/m128 operand. */
function shift(kind: number): Semantics {
  return (e) => {
    if (mmx(e)) return;
    const d = xr(e, 0);
    if (e.kind(1) === K.Imm) { e.line(`rt.psh(cpu, ${kind}, ${d}, ${imm8(e)});`); return; }
    const s = src(e, 1, 16, true);
    e.line(`rt.psh(cpu, ${kind}, ${d}, rt.shcnt(cpu, ${s}));`);
  };
}
['psrlw', 'psraw', 'psllw', 'psrld', 'psrad', 'pslld', 'psrlq', 'psllq'].forEach((m, k) => { INTEGER[m] = shift(k); });
INTEGER.psrldq = (e) => { e.line(`rt.pshdq(cpu, 0, ${xr(e, 0)}, ${imm8(e)});`); };
INTEGER.pslldq = (e) => { e.line(`rt.pshdq(cpu, 1, ${xr(e, 0)}, ${imm8(e)});`); };

/** emms: leaves MMX state (x87 tag word all-empty); nothing to do as MMX registers are not modelled. */
INTEGER.emms = () => {};
