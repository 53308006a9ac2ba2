// VEX (C4/C5) and EVEX (62) opcode tables.
//
// Most VEX forms are the legacy SSE forms of opcodes.ts with a 'v' prefix and the VEX.vvvv source inserted
// after the destination; they are DERIVED here from the legacy maps (so each mnemonic is written once).
// Legacy forms marked `nv` have no VEX form; `v2` keeps two operands. Instructions that exist only with
// VEX (AVX/AVX2/FMA/F16C/BMI/opmask) are listed in VEX_ONLY. EVEX forms are derived from the VEX forms with
// the AVX-512 renames (element-size suffixes, opmask destinations) plus the EVEX-only list.
// ringjit does not advertise AVX in CPUID: these tables exist for disassembly agreement only.

import { A } from './insn.js';
import { Am, F, Sz, compile, compileLeaf, finishForm, slot, type Entry, type Form, type Sel, type OpSpec } from './spec.js';
import { TWO_BYTE, THREE_38, THREE_3A } from './opcodes.js';

type E = Entry | null;
const pfx = (...e: E[]): Sel => ({ pfx: e });
const p66 = (e: E): Sel => pfx(null, e);
const w = (a: E, b: E): Sel => ({ w: [a, b] });
const l = (...e: E[]): Sel => ({ l: e });
const mem = (e: E): Sel => ({ mod: [e, null] });
const reg = (e: E): Sel => ({ mod: [null, e] });
/** Element-size pair selected by W: wv('vpsrlv', 'Vx,Hx,Wx', 'd', 'q') -> vpsrlvd / vpsrlvq. */
const wv = (m: string, ops: string, a = 'd', b = 'q', extra = ''): Sel =>
  w(`${m}${a} ${ops} simd${extra}`, `${m}${b} ${ops} simd${extra}`);
const V = (s: string): string => s + ' simd';

// ---- opmask instructions (VEX, L and W select the width) ----
function kop(name: string, ops: string, lsel: 0 | 1): Sel {
  // kmov's memory operand has the width of its suffix (kmovw k1,WORD PTR [rax]).
  const f = (s: string): E => name !== 'kmov' ? `${name}${s} ${ops} simd`
    : ops === 'M,KG' ? `kmov${s} M${s},KG simd` : { mod: [`kmov${s} KG,M${s} simd`, `kmov${s} KG,KE simd`] };
  // Only kmov takes a memory operand; the other opmask instructions are register-only.
  const byL = (e: E): Sel => (name === 'kmov' ? (lsel ? l(null, e) : l(e, null)) : reg(lsel ? l(null, e) : l(e, null)));
  return pfx(byL(w(f('w'), f('q'))), byL(w(f('b'), f('d'))));
}
const KMOV_GPR = (ops: string): Sel =>
  pfx(w(`kmovw ${ops} simd`, null), w(`kmovb ${ops} simd`, null), null, w(`kmovd ${ops} simd`, `kmovq ${ops.replace('Rd', 'Rq').replace('Gd', 'Gq')} simd`));

// FMA: 96-9F, A6-AF, B6-BF with 132/213/231; even opcodes packed (ps/pd by W), odd scalar (ss/sd).
function fma(op: number): E {
  const order = ['132', '213', '231'][(op >> 4) - 9];
  const names = ['vfmaddsub', 'vfmsubadd', 'vfmadd', 'vfmadd', 'vfmsub', 'vfmsub', 'vfnmadd', 'vfnmadd', 'vfnmsub', 'vfnmsub'];
  const lo = (op & 15) - 6;
  if (lo < 0) return null;
  const scalar = lo >= 2 && (lo & 1) === 1;
  return scalar ? p66(wv(names[lo] + order, 'Vdq,Hdq,Wd', 'ss', 'sd'))
    : p66(wv(names[lo] + order, 'Vx,Hx,Wx', 'ps', 'pd'));
}

const VEX_ONLY: Record<number, E> = {
  // map 1 (0F)
  0x141: kop('kand', 'KG,KH,KE', 1), 0x142: kop('kandn', 'KG,KH,KE', 1), 0x144: kop('knot', 'KG,KE', 0),
  0x145: kop('kor', 'KG,KH,KE', 1), 0x146: kop('kxnor', 'KG,KH,KE', 1), 0x147: kop('kxor', 'KG,KH,KE', 1),
  0x14a: kop('kadd', 'KG,KH,KE', 1),
  0x14b: reg(pfx(l(null, w('kunpckwd KG,KH,KE simd', 'kunpckdq KG,KH,KE simd')), l(null, w('kunpckbw KG,KH,KE simd', null)))),
  0x177: pfx(l('vzeroupper simd', 'vzeroall simd')),
  0x190: kop('kmov', 'KG,KE', 0), 0x191: mem(kop('kmov', 'M,KG', 0)),
  0x192: reg(KMOV_GPR('KG,Rd')), 0x193: reg(KMOV_GPR('Gd,KE')),
  0x198: kop('kortest', 'KG,KE', 0), 0x199: kop('ktest', 'KG,KE', 0),
  0x1ae: { mod: [pfx({ reg: [null, null, 'vldmxcsr Md simd', 'vstmxcsr Md simd'] }), null] },
  // map 2 (0F38)
  0x20c: p66(w(V('vpermilps Vx,Hx,Wx'), null)), 0x20d: p66(w(V('vpermilpd Vx,Hx,Wx'), null)),
  0x20e: p66(w(V('vtestps Vx,Wx'), null)), 0x20f: p66(w(V('vtestpd Vx,Wx'), null)),
  0x213: p66(w(V('vcvtph2ps Vx,Wxh'), null)), 0x216: p66(l(null, w(V('vpermps Vx,Hx,Wx'), null))),
  0x218: p66(w(V('vbroadcastss Vx,Wd'), null)), 0x219: p66(l(null, w(V('vbroadcastsd Vx,Wq'), null))),
  0x21a: p66(l(null, mem(w(V('vbroadcastf128 Vx,Mdq'), null)))),
  0x22c: p66(mem(w(V('vmaskmovps Vx,Hx,Mx'), null))), 0x22d: p66(mem(w(V('vmaskmovpd Vx,Hx,Mx'), null))),
  0x22e: p66(mem(w(V('vmaskmovps Mx,Hx,Vx'), null))), 0x22f: p66(mem(w(V('vmaskmovpd Mx,Hx,Vx'), null))),
  0x236: p66(l(null, w(V('vpermd Vx,Hx,Wx'), null))),
  0x245: p66(wv('vpsrlv', 'Vx,Hx,Wx')), 0x246: p66(w(V('vpsravd Vx,Hx,Wx'), null)), 0x247: p66(wv('vpsllv', 'Vx,Hx,Wx')),
  0x250: p66(V('vpdpbusd Vx,Hx,Wx')), 0x251: p66(V('vpdpbusds Vx,Hx,Wx')), 0x252: p66(V('vpdpwssd Vx,Hx,Wx')),
  0x253: p66(V('vpdpwssds Vx,Hx,Wx')),
  0x258: p66(w(V('vpbroadcastd Vx,Wd'), null)), 0x259: p66(w(V('vpbroadcastq Vx,Wq'), null)),
  0x25a: p66(l(null, mem(w(V('vbroadcasti128 Vx,Mdq'), null)))),
  0x278: p66(w(V('vpbroadcastb Vx,Wb'), null)), 0x279: p66(w(V('vpbroadcastw Vx,Ww'), null)),
  0x28c: p66(mem(wv('vpmaskmov', 'Vx,Hx,Mx'))), 0x28e: p66(mem(wv('vpmaskmov', 'Mx,Hx,Vx'))),
  0x290: p66(mem(wv('vpgatherd', 'Vx,Mx,Hx'))), 0x291: p66(mem(wv('vpgatherq', 'Vx,Mx,Hx'))),
  0x292: p66(mem(wv('vgatherdp', 'Vx,Mx,Hx', 's', 'd'))), 0x293: p66(mem(wv('vgatherqp', 'Vx,Mx,Hx', 's', 'd'))),
  0x2f2: pfx(l(w('andn Gy,By,Ey', 'andn Gy,By,Ey'), null)),
  0x2f3: pfx(l({ reg: [null, 'blsr By,Ey', 'blsmsk By,Ey', 'blsi By,Ey', null, null, null, null] }, null)),
  0x2f5: pfx(l('bzhi Gy,Ey,By', null), null, l('pext Gy,By,Ey', null), l('pdep Gy,By,Ey', null)),
  0x2f6: pfx(null, null, null, l('mulx Gy,By,Ey', null)),
  0x2f7: pfx(l('bextr Gy,Ey,By', null), l('shlx Gy,Ey,By', null), l('sarx Gy,Ey,By', null), l('shrx Gy,Ey,By', null)),
  // map 3 (0F3A)
  0x300: p66(l(null, w(null, V('vpermq Vx,Wx,Ib')))), 0x301: p66(l(null, w(null, V('vpermpd Vx,Wx,Ib')))),
  0x302: p66(w(V('vpblendd Vx,Hx,Wx,Ib'), null)),
  0x304: p66(w(V('vpermilps Vx,Wx,Ib'), null)), 0x305: p66(w(V('vpermilpd Vx,Wx,Ib'), null)),
  0x306: p66(l(null, w(V('vperm2f128 Vx,Hx,Wx,Ib'), null))),
  0x318: p66(l(null, w(V('vinsertf128 Vx,Hx,Wdq,Ib'), null))), 0x319: p66(l(null, w(V('vextractf128 Wdq,Vx,Ib'), null))),
  0x31d: p66(w(V('vcvtps2ph Wxh,Vx,Ib'), null)),
  0x330: p66(l(w('kshiftrb KG,KE,Ib simd', 'kshiftrw KG,KE,Ib simd'), null)),
  0x331: p66(l(w('kshiftrd KG,KE,Ib simd', 'kshiftrq KG,KE,Ib simd'), null)),
  0x332: p66(l(w('kshiftlb KG,KE,Ib simd', 'kshiftlw KG,KE,Ib simd'), null)),
  0x333: p66(l(w('kshiftld KG,KE,Ib simd', 'kshiftlq KG,KE,Ib simd'), null)),
  0x338: p66(l(null, w(V('vinserti128 Vx,Hx,Wdq,Ib'), null))), 0x339: p66(l(null, w(V('vextracti128 Wdq,Vx,Ib'), null))),
  0x346: p66(l(null, w(V('vperm2i128 Vx,Hx,Wx,Ib'), null))),
  0x34a: p66(w(V('vblendvps Vx,Hx,Wx,Lx'), null)), 0x34b: p66(w(V('vblendvpd Vx,Hx,Wx,Lx'), null)),
  0x34c: p66(w(V('vpblendvb Vx,Hx,Wx,Lx'), null)),
  0x3f0: pfx(null, null, null, l('rorx Gy,Ey,Ib', null)),
};
for (let op = 0x96; op <= 0xbf; op++) if ((op & 15) >= 6) VEX_ONLY[0x200 | op] = fma(op);
// AMD FMA4 (0F3A 5C-5F, 68-6F, 78-7F; fourth operand in imm8[7:4]).
const FMA4: [number, string][] = [[0x5c, 'vfmaddsubps'], [0x5d, 'vfmaddsubpd'], [0x5e, 'vfmsubaddps'], [0x5f, 'vfmsubaddpd'],
  [0x68, 'vfmaddps'], [0x69, 'vfmaddpd'], [0x6a, 'vfmaddss'], [0x6b, 'vfmaddsd'], [0x6c, 'vfmsubps'], [0x6d, 'vfmsubpd'],
  [0x6e, 'vfmsubss'], [0x6f, 'vfmsubsd'], [0x78, 'vfnmaddps'], [0x79, 'vfnmaddpd'], [0x7a, 'vfnmaddss'], [0x7b, 'vfnmaddsd'],
  [0x7c, 'vfnmsubps'], [0x7d, 'vfnmsubpd'], [0x7e, 'vfnmsubss'], [0x7f, 'vfnmsubsd']];
for (const [op, m] of FMA4) VEX_ONLY[0x300 | op] = p66(w(V(`${m} Vx,Hx,Wx,Lx`), V(`${m} Vx,Hx,Lx,Wx`)));

// ---- derivation of VEX forms from the legacy SSE forms ----
const H: OpSpec = { am: Am.H, sz: Sz.X, reg: 0 };
function vexLeaf(f: Form): E {
  if (!(f.flags & A.SIMD) || (f.flags & F.NOVEX)) return null;
  const v = vexForm1(f);
  return f.mnem.startsWith('gf2p8') ? w(v, null) : v; // GFNI: VEX.W0 only
}
function vexForm1(f: Form): Form {
  let ops = f.ops;
  const first = ops[0]?.am;
  if (first === Am.U && ops[1]?.am === Am.V) ops = [ops[0], { ...H, sz: ops[0].sz }, ...ops.slice(1)]; // vmovss xmm,xmm,xmm store form
  else if (first === Am.U) ops = [H, ...ops]; // shift-by-immediate groups: vvvv is the destination
  else if (!(f.flags & F.V2) && ops.length >= 2 && first === Am.V) ops = [ops[0], { ...H, sz: ops[0].sz }, ...ops.slice(1)];
  return finishForm({ mnem: 'v' + f.mnem, ops, flags: f.flags, hasModrm: true, l0: f.l0 });
}
/** Deep-map an entry tree (compiling its leaves), transforming leaves; selectors the VEX encoding
 *  cannot reach become null. */
function mapTree(e: E, leaf: (f: Form) => E): E {
  if (e === null || e === undefined) return null;
  const c = typeof e === 'string' ? compileLeaf(e) : e;
  if ('mnem' in c) return leaf(c as Form);
  const s = c as Sel;
  if (s.rep || s.os || s.as || s.rexb || s.p66 || s.mode) return null;
  const out: Sel = {};
  for (const key of Object.keys(s) as (keyof Sel)[]) {
    const src = s[key] as E[];
    (out as Record<string, E[]>)[key] = src.map((_, k) => mapTree(slot(src, k), leaf));
  }
  return out;
}

/** An explicit entry wins; where both are mandatory-prefix selectors, merge them slot by slot. */
function merge(own: E | undefined, derived: E): E {
  if (own === undefined) return derived;
  const o = compile(own);
  if (o && derived && typeof o === 'object' && typeof derived === 'object' && (o as Sel).pfx && (derived as Sel).pfx) {
    const a = (o as Sel).pfx!, b = (derived as Sel).pfx!;
    return { pfx: [0, 1, 2, 3].map((k) => a[k] ?? b[k] ?? null) };
  }
  return o;
}

const LEGACY = [null, TWO_BYTE, THREE_38, THREE_3A];
function deriveVexMaps(): E[][] {
  const maps: E[][] = [[], [], [], []];
  for (let m = 1; m <= 3; m++) {
    for (let op = 0; op < 256; op++) maps[m][op] = merge(VEX_ONLY[(m << 8) | op], mapTree(slot(LEGACY[m]!, op), vexLeaf));
  }
  return maps;
}

// ---- EVEX ----
/** VEX forms with no EVEX encoding. */
const NO_EVEX = new Set(['vpmovmskb', 'vptest', 'vtestps', 'vtestpd', 'vzeroupper', 'vzeroall', 'vmaskmovps', 'vmaskmovpd',
  'vpmaskmovd', 'vpmaskmovq', 'vblendvps', 'vblendvpd', 'vpblendvb', 'vldmxcsr', 'vstmxcsr', 'vlddqu', 'vphaddw', 'vphaddd',
  'vphaddsw', 'vphsubw', 'vphsubd', 'vphsubsw', 'vpsignb', 'vpsignw', 'vpsignd', 'vmovmskps', 'vmovmskpd', 'vhaddps',
  'vhaddpd', 'vhsubps', 'vhsubpd', 'vaddsubps', 'vaddsubpd', 'vdpps', 'vdppd', 'vmpsadbw', 'vpblendw', 'vblendps',
  'vblendpd', 'vroundps', 'vroundpd', 'vroundss', 'vroundsd', 'vrcpps', 'vrcpss', 'vrsqrtps', 'vrsqrtss', 'vpcmpestri',
  'vpcmpestrm', 'vpcmpistri', 'vpcmpistrm', 'vaeskeygenassist', 'vaesimc', 'vphminposuw', 'vpblendd', 'vperm2f128',
  'vperm2i128', 'vinsertf128', 'vextractf128', 'vinserti128', 'vextracti128', 'vbroadcastf128', 'vbroadcasti128',
  'vmaskmovdqu', 'vpdpbusd', 'vpdpbusds', 'vpdpwssd', 'vpdpwssds']);
/** Integer logic takes a d/q element suffix from EVEX.W; moves take 32/64. */
const EVEX_DQ = new Set(['vpand', 'vpandn', 'vpor', 'vpxor']);
const EVEX_3264 = new Set(['vmovdqa', 'vmovdqu']);
/** W1 renames (AVX-512 quadword variants). */
const EVEX_W1: Record<string, string> = {
  vpminsd: 'vpminsq', vpminud: 'vpminuq', vpmaxsd: 'vpmaxsq', vpmaxud: 'vpmaxuq', vpabsd: 'vpabsq', vpmulld: 'vpmullq',
  vpsrad: 'vpsraq', vcvtdq2ps: 'vcvtqq2ps', vcvtdq2pd: 'vcvtqq2pd', vpermd: 'vpermq', vpermps: 'vpermpd', vpsravd: 'vpsravq',
};
/** Compares write an opmask in EVEX. */
const EVEX_KDEST = /^vp(cmpeq|cmpgt)[bwdq]$|^vcmp[ps][sd]$/;

function evexLeaf(f: Form): E {
  if (NO_EVEX.has(f.mnem) || !(f.flags & A.SIMD) || f.mnem[0] === 'k') return null;
  const mk = (mn: string, ops = f.ops): Form => finishForm({ mnem: mn, ops, flags: f.flags, hasModrm: true, l0: f.l0 });
  let ops = f.ops;
  if (EVEX_KDEST.test(f.mnem)) ops = [{ am: Am.KG, sz: Sz.None, reg: 0 }, ...ops.slice(1)];
  if (EVEX_DQ.has(f.mnem)) return w(mk(f.mnem + 'd', ops), mk(f.mnem + 'q', ops));
  if (EVEX_3264.has(f.mnem)) return w(mk(f.mnem + '32', ops), mk(f.mnem + '64', ops));
  const q = EVEX_W1[f.mnem];
  if (q) return w(mk(f.mnem, ops), mk(q, ops));
  // Floating-point forms fix EVEX.W by element size: ps/ss need W0, pd/sd need W1.
  if (!/cvt/.test(f.mnem)) {
    if (/(ps|ss)$/.test(f.mnem)) return w(mk(f.mnem, ops), null);
    if (/(pd|sd)$/.test(f.mnem)) return w(null, mk(f.mnem, ops));
  }
  return mk(f.mnem, ops);
}

const EV = (s: string): string => s + ' simd';
const EVEX_ONLY: Record<number, E> = {
  0x16f: pfx(null, null, null, w(EV('vmovdqu8 Vx,Wx'), EV('vmovdqu16 Vx,Wx'))),
  0x17f: pfx(null, null, null, w(EV('vmovdqu8 Wx,Vx'), EV('vmovdqu16 Wx,Vx'))),
  0x172: reg(p66({ reg: [wv('vpror', 'Hx,Wx,Ib'), wv('vprol', 'Hx,Wx,Ib'), EV('vpsrld Hx,Wx,Ib'), null, wv('vpsra', 'Hx,Wx,Ib'), null, EV('vpslld Hx,Wx,Ib'), null] })),
  0x178: pfx(wv('vcvttp', 'Vx,Wx', 's2udq', 'd2udq'), wv('vcvttp', 'Vx,Wx', 's2uqq', 'd2uqq'), EV('vcvttss2usi Gy,Wd'), EV('vcvttsd2usi Gy,Wq')),
  0x179: pfx(wv('vcvtp', 'Vx,Wx', 's2udq', 'd2udq'), wv('vcvtp', 'Vx,Wx', 's2uqq', 'd2uqq'), EV('vcvtss2usi Gy,Wd'), EV('vcvtsd2usi Gy,Wq')),
  0x17a: pfx(null, wv('vcvttp', 'Vx,Wx', 's2qq', 'd2qq'), wv('vcvtu', 'Vx,Wx', 'dq2pd', 'qq2pd'), wv('vcvtu', 'Vx,Wx', 'dq2ps', 'qq2ps')),
  0x17b: pfx(null, wv('vcvtp', 'Vx,Wx', 's2qq', 'd2qq'), EV('vcvtusi2ss Vx,Hx,Ey'), EV('vcvtusi2sd Vx,Hx,Ey')),
  0x1e6: pfx(null, EV('vcvttpd2dq Vx,Wx'), wv('vcvt', 'Vx,Wxh', 'dq2pd', 'qq2pd'), EV('vcvtpd2dq Vx,Wx')),
  0x15b: pfx(wv('vcvt', 'Vx,Wx', 'dq2ps', 'qq2ps'), EV('vcvtps2dq Vx,Wx'), EV('vcvttps2dq Vx,Wx')),
  0x210: pfx(null, w(null, EV('vpsrlvw Vx,Hx,Wx')), EV('vpmovuswb Wxh,Vx')),
  0x211: pfx(null, w(null, EV('vpsravw Vx,Hx,Wx')), EV('vpmovusdb Wxq,Vx')),
  0x212: pfx(null, w(null, EV('vpsllvw Vx,Hx,Wx')), EV('vpmovusqb Wxo,Vx')),
  0x213: p66(w(EV('vcvtph2ps Vx,Wxh'), null)),
  0x214: pfx(null, wv('vprorv', 'Vx,Hx,Wx'), EV('vpmovusdw Wxh,Vx')), 0x215: pfx(null, wv('vprolv', 'Vx,Hx,Wx'), EV('vpmovusqw Wxq,Vx')),
  0x216: p66(wv('vperm', 'Vx,Hx,Wx', 'ps', 'pd')),
  0x218: p66(w(EV('vbroadcastss Vx,Wd'), null)), 0x219: p66(w(EV('vbroadcastf32x2 Vx,Wq'), EV('vbroadcastsd Vx,Wq'))),
  0x21a: p66(mem(w(EV('vbroadcastf32x4 Vx,Mdq'), EV('vbroadcastf64x2 Vx,Mdq')))),
  0x21b: p66(mem(w(EV('vbroadcastf32x8 Vx,Mqq'), EV('vbroadcastf64x4 Vx,Mqq')))),
  0x21f: p66(w(null, EV('vpabsq Vx,Wx'))),
  0x226: pfx(null, wv('vptestm', 'KG,Hx,Wx', 'b', 'w'), wv('vptestnm', 'KG,Hx,Wx', 'b', 'w')),
  0x227: pfx(null, wv('vptestm', 'KG,Hx,Wx'), wv('vptestnm', 'KG,Hx,Wx')),
  0x228: pfx(null, w(null, EV('vpmuldq Vx,Hx,Wx')), reg(wv('vpmovm2', 'Vx,KE', 'b', 'w'))),
  0x229: pfx(null, w(null, EV('vpcmpeqq KG,Hx,Wx')), reg(wv('vpmov', 'KG,Ux', 'b2m', 'w2m'))),
  0x22c: p66(wv('vscalef', 'Vx,Hx,Wx', 'ps', 'pd')), 0x22d: p66(wv('vscalef', 'Vdq,Hdq,Wd', 'ss', 'sd')),
  0x236: p66(wv('vperm', 'Vx,Hx,Wx', 'd', 'q')), 0x237: p66(w(null, EV('vpcmpgtq KG,Hx,Wx'))),
  0x238: pfx(null, EV('vpminsb Vx,Hx,Wx'), reg(wv('vpmovm2', 'Vx,KE'))),
  0x239: pfx(null, wv('vpmins', 'Vx,Hx,Wx'), reg(wv('vpmov', 'KG,Ux', 'd2m', 'q2m'))),
  0x23a: pfx(null, EV('vpminuw Vx,Hx,Wx'), reg(w(EV('vpbroadcastmw2d Vx,KE'), null))),
  0x23b: p66(wv('vpminu', 'Vx,Hx,Wx')), 0x23d: p66(wv('vpmaxs', 'Vx,Hx,Wx')), 0x23f: p66(wv('vpmaxu', 'Vx,Hx,Wx')),
  0x240: p66(wv('vpmull', 'Vx,Hx,Wx')),
  0x242: p66(wv('vgetexpp', 'Vx,Wx', 's', 'd')), 0x243: p66(wv('vgetexps', 'Vdq,Hdq,Wd', 's', 'd')),
  0x244: p66(wv('vplzcnt', 'Vx,Wx')), 0x245: p66(wv('vpsrlv', 'Vx,Hx,Wx')), 0x246: p66(wv('vpsrav', 'Vx,Hx,Wx')),
  0x247: p66(wv('vpsllv', 'Vx,Hx,Wx')),
  0x24c: p66(wv('vrcp14p', 'Vx,Wx', 's', 'd')), 0x24d: p66(wv('vrcp14s', 'Vdq,Hdq,Wd', 's', 'd')),
  0x24e: p66(wv('vrsqrt14p', 'Vx,Wx', 's', 'd')), 0x24f: p66(wv('vrsqrt14s', 'Vdq,Hdq,Wd', 's', 'd')),
  0x254: p66(wv('vpopcnt', 'Vx,Wx', 'b', 'w')), 0x255: p66(wv('vpopcnt', 'Vx,Wx')),
  0x258: p66(w(EV('vpbroadcastd Vx,Wd'), null)), 0x259: p66(w(EV('vbroadcasti32x2 Vx,Wq'), EV('vpbroadcastq Vx,Wq'))),
  0x25a: p66(mem(w(EV('vbroadcasti32x4 Vx,Mdq'), EV('vbroadcasti64x2 Vx,Mdq')))),
  0x25b: p66(mem(w(EV('vbroadcasti32x8 Vx,Mqq'), EV('vbroadcasti64x4 Vx,Mqq')))),
  0x262: p66(wv('vpexpand', 'Vx,Wx', 'b', 'w')), 0x263: p66(wv('vpcompress', 'Wx,Vx', 'b', 'w')),
  0x264: p66(wv('vpblendm', 'Vx,Hx,Wx')), 0x265: p66(wv('vblendmp', 'Vx,Hx,Wx', 's', 'd')),
  0x266: p66(wv('vpblendm', 'Vx,Hx,Wx', 'b', 'w')),
  0x275: p66(wv('vpermi2', 'Vx,Hx,Wx', 'b', 'w')), 0x276: p66(wv('vpermi2', 'Vx,Hx,Wx')),
  0x277: p66(wv('vpermi2p', 'Vx,Hx,Wx', 's', 'd')),
  0x278: p66(w(EV('vpbroadcastb Vx,Wb'), null)), 0x279: p66(w(EV('vpbroadcastw Vx,Ww'), null)),
  0x27a: p66(reg(w(EV('vpbroadcastb Vx,Rd'), null))), 0x27b: p66(reg(w(EV('vpbroadcastw Vx,Rd'), null))),
  0x27c: p66(reg(w(EV('vpbroadcastd Vx,Rd'), EV('vpbroadcastq Vx,Rq')))),
  0x27d: p66(wv('vpermt2', 'Vx,Hx,Wx', 'b', 'w')), 0x27e: p66(wv('vpermt2', 'Vx,Hx,Wx')),
  0x27f: p66(wv('vpermt2p', 'Vx,Hx,Wx', 's', 'd')),
  0x283: p66(w(null, EV('vpmultishiftqb Vx,Hx,Wx'))),
  0x288: p66(wv('vexpandp', 'Vx,Wx', 's', 'd')), 0x289: p66(wv('vpexpand', 'Vx,Wx')),
  0x28a: p66(wv('vcompressp', 'Wx,Vx', 's', 'd')), 0x28b: p66(wv('vpcompress', 'Wx,Vx')),
  0x28d: p66(wv('vperm', 'Vx,Hx,Wx', 'b', 'w')), 0x28f: p66(w(EV('vpshufbitqmb KG,Hx,Wx'), null)),
  0x2c4: p66(wv('vpconflict', 'Vx,Wx')),
  0x303: p66(wv('valign', 'Vx,Hx,Wx,Ib')),
  0x308: p66(w(EV('vrndscaleps Vx,Wx,Ib'), null)), 0x309: p66(w(null, EV('vrndscalepd Vx,Wx,Ib'))),
  0x30a: p66(w(EV('vrndscaless Vdq,Hdq,Wd,Ib'), null)), 0x30b: p66(w(null, EV('vrndscalesd Vdq,Hdq,Wq,Ib'))),
  0x318: p66(wv('vinsertf', 'Vx,Hx,Wdq,Ib', '32x4', '64x2')), 0x319: p66(wv('vextractf', 'Wdq,Vx,Ib', '32x4', '64x2')),
  0x31a: p66(wv('vinsertf', 'Vx,Hx,Wqq,Ib', '32x8', '64x4')), 0x31b: p66(wv('vextractf', 'Wqq,Vx,Ib', '32x8', '64x4')),
  0x31d: p66(w(EV('vcvtps2ph Wxh,Vx,Ib'), null)),
  0x31e: p66(wv('vpcmpu', 'KG,Hx,Wx,Ib', 'd', 'q')), 0x31f: p66(wv('vpcmp', 'KG,Hx,Wx,Ib', 'd', 'q')),
  0x323: p66(wv('vshuff', 'Vx,Hx,Wx,Ib', '32x4', '64x2')), 0x325: p66(wv('vpternlog', 'Vx,Hx,Wx,Ib')),
  0x326: p66(wv('vgetmantp', 'Vx,Wx,Ib', 's', 'd')), 0x327: p66(wv('vgetmants', 'Vdq,Hdq,Wd,Ib', 's', 'd')),
  0x338: p66(wv('vinserti', 'Vx,Hx,Wdq,Ib', '32x4', '64x2')), 0x339: p66(wv('vextracti', 'Wdq,Vx,Ib', '32x4', '64x2')),
  0x33a: p66(wv('vinserti', 'Vx,Hx,Wqq,Ib', '32x8', '64x4')), 0x33b: p66(wv('vextracti', 'Wqq,Vx,Ib', '32x8', '64x4')),
  0x33e: p66(wv('vpcmpu', 'KG,Hx,Wx,Ib', 'b', 'w')), 0x33f: p66(wv('vpcmp', 'KG,Hx,Wx,Ib', 'b', 'w')),
  0x342: p66(w(EV('vdbpsadbw Vx,Hx,Wx,Ib'), null)), 0x343: p66(wv('vshufi', 'Vx,Hx,Wx,Ib', '32x4', '64x2')),
  0x350: p66(wv('vrangep', 'Vx,Hx,Wx,Ib', 's', 'd')), 0x351: p66(wv('vranges', 'Vdq,Hdq,Wd,Ib', 's', 'd')),
  0x354: p66(wv('vfixupimmp', 'Vx,Hx,Wx,Ib', 's', 'd')), 0x355: p66(wv('vfixupimms', 'Vdq,Hdq,Wd,Ib', 's', 'd')),
  0x356: p66(wv('vreducep', 'Vx,Wx,Ib', 's', 'd')), 0x357: p66(wv('vreduces', 'Vdq,Hdq,Wd,Ib', 's', 'd')),
  0x366: p66(wv('vfpclassp', 'KG,Wx,Ib', 's', 'd')), 0x367: p66(wv('vfpclasss', 'KG,Wd,Ib', 's', 'd')),
};
for (let op = 0x96; op <= 0xbf; op++) if ((op & 15) >= 6) EVEX_ONLY[0x200 | op] = fma(op);
function deriveEvexMaps(vexMaps: E[][]): E[][] {
  const maps: E[][] = [[], [], [], []];
  for (let m = 1; m <= 3; m++) {
    for (let op = 0; op < 256; op++) maps[m][op] = merge(EVEX_ONLY[(m << 8) | op], mapTree(vexMaps[m][op], evexLeaf));
  }
  return maps;
}

// Derived on first use: ringjit does not advertise AVX, so programs rarely contain VEX code, and the
// derivation walks the whole 0F, 0F38 and 0F3A maps (~4 ms of CPU at every start when done at load).
let VEX_MAPS: E[][] | null = null;
let EVEX_MAPS: E[][] | null = null;

/** The table entry for a VEX or EVEX instruction in map 1-3 (0F, 0F38, 0F3A); the decoder resolves the
 *  selectors (pp as the mandatory prefix, W, L, ModRM). Other maps are not decoded (null). */
export function vexForm(map: number, op: number, evex: boolean): Entry | null {
  if (map < 1 || map > 3) return null;
  VEX_MAPS ??= deriveVexMaps();
  if (evex) EVEX_MAPS ??= deriveEvexMaps(VEX_MAPS);
  return (evex ? EVEX_MAPS! : VEX_MAPS)[map][op] ?? null;
}
