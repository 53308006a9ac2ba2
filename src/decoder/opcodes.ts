// Opcode tables as typed data (SDM Vol. 2 Appendix A; mnemonics as objdump -M intel prints them).
// One entry per opcode or group slot. See spec.ts for the entry language. The helpers below only
// expand regular rows (the ALU block, MMX/SSE2 pairs, ps/pd/ss/sd quartets); they hold no facts of their own.
// Leaves stay strings here: the decoder compiles each one the first time it reaches it (spec.ts `slot`);
// tables.ts holds the fully compiled maps for code that walks whole tables.

import type { Entry, Sel } from './spec.js';

type E = Entry | null;

/** The six ALU forms 00-05 of add/or/adc/sbb/and/sub/xor/cmp. cmp is not lockable. */
function alu(m: string): E[] {
  const l = m === 'cmp' ? '' : ' lock';
  return [`${m} Eb,Gb${l}`, `${m} Ev,Gv${l}`, `${m} Gb,Eb`, `${m} Gv,Ev`, `${m} AL,Ib`, `${m} rAX,Iz`];
}
const i64 = (s: Entry): Sel => ({ mode: [null, s] });
/** push/pop of a segment register: objdump spells the 16-bit operand size pushw/popw. A pop loads a segment
 *  register (descriptor, base, and for SS an interrupt shadow), so it ends the block. */
const segPP = (m: 'push' | 'pop', sr: string): Sel => {
  const x = m === 'pop' ? ' ends' : '';
  return { os: [`${m}w ${sr} d64${x}`, `${m} ${sr} d64${x}`, `${m} ${sr} d64${x}`] };
};
/** Descriptor-table loads/stores: sgdtw/sgdtd outside 64-bit mode, sgdt in it. */
const dt = (m: string, extra = ''): Sel =>
  ({ mode: [`${m} M${extra}`, { os: [`${m}w M${extra}`, `${m}d M${extra}`, `${m}d M${extra}`] }] });
/** Mandatory-prefix selector: none, 66, F3, F2. */
const pfx = (...e: E[]): Sel => ({ pfx: e });
/** MMX form without prefix, SSE2 form with 66 (shifts by register take a 128-bit count: w = 'Wdq'). */
const mx = (m: string, q = 'Qq', w = 'Wx'): Sel => pfx(`${m} Pq,${q} simd nv`, `${m} Vx,${w} simd`);
/** SSE2-only integer form (66). */
const x66 = (m: string, ops = 'Vx,Wx', extra = ''): Sel => pfx(null, `${m} ${ops} simd${extra}`);
/** ps, pd, ss, sd arithmetic. */
const psd = (m: string): Sel =>
  pfx(`${m}ps Vx,Wx simd`, `${m}pd Vx,Wx simd`, `${m}ss Vdq,Wd simd`, `${m}sd Vdq,Wq simd`);
const grp = (...e: E[]): Sel => ({ reg: e });

// ---------------------------------------------------------------------------------------------------
// Groups of the one-byte map
const GRP1 = (ops: string, i = ''): Sel =>
  grp(...['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'].map((m) => `${m} ${ops}${m === 'cmp' ? '' : ' lock'}${i}`));
const GRP2 = (ops: string): Sel =>
  grp(...['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'shl', 'sar'].map((m) => `${m} ${ops}`));
const GRP3 = (s: string, imm: string): Sel => grp(`test E${s},${imm}`, `test E${s},${imm}`, `not E${s} lock`,
  `neg E${s} lock`, `mul E${s}`, `imul E${s}`, `div E${s}`, `idiv E${s}`);

export const ONE_BYTE: E[] = [
  // 00-0f
  ...alu('add'), i64(segPP('push', 'ES')), i64(segPP('pop', 'ES')), ...alu('or'), i64(segPP('push', 'CS')), null /* 0f escape */,
  // 10-1f
  ...alu('adc'), i64(segPP('push', 'SS')), i64(segPP('pop', 'SS')), ...alu('sbb'), i64(segPP('push', 'DS')), i64(segPP('pop', 'DS')),
  // 20-2f
  ...alu('and'), null /* es */, i64('daa'), ...alu('sub'), null /* cs */, i64('das'),
  // 30-3f
  ...alu('xor'), null /* ss */, i64('aaa'), ...alu('cmp'), null /* ds */, i64('aas'),
  // 40-4f: inc/dec in 16/32-bit mode, REX in 64-bit mode (the prefix loop consumes them there)
  ...Array.from({ length: 8 }, () => i64('inc Zv')), ...Array.from({ length: 8 }, () => i64('dec Zv')),
  // 50-5f
  ...Array.from({ length: 8 }, () => 'push Zv d64'), ...Array.from({ length: 8 }, () => 'pop Zv d64'),
  // 60-6f
  i64('pusha'), i64('popa'), i64('bound Gv,Ma'), { mode: ['movsxd Gv,Ed', 'arpl Ew,Gw'] }, null, null, null, null,
  'push Iz d64', 'imul Gv,Ev,Iz', 'push Ibs d64', 'imul Gv,Ev,Ibs',
  'ins Yb,DX string iopl', 'ins Yz,DX string iopl', 'outs DX,Xb string iopl', 'outs DX,Xz string iopl',
  // 70-7f
  ...Array.from({ length: 16 }, () => 'jcc Jb f64 jump cond bnd'),
  // 80-8f
  GRP1('Eb,Ib'), GRP1('Ev,Iz'), i64(GRP1('Eb,Ib')), GRP1('Ev,Ibs'), 'test Eb,Gb', 'test Ev,Gv', 'xchg Eb,Gb lock', 'xchg Ev,Gv lock',
  'mov Eb,Gb', 'mov Ev,Gv', 'mov Gb,Eb', 'mov Gv,Ev', { mod: ['mov Mw,Sw', 'mov Rv,Sw'] }, 'lea Gv,M',
  { mod: ['mov Sw,Mw ends', 'mov Sw,Rv ends'] }, grp('pop Ev d64'),
  // 90-9f
  { rep: [{ rexb: [{ p66: ['nop', 'xchg Zv,rAX'] }, 'xchg Zv,rAX'] }, 'pause', null] }, ...Array.from({ length: 7 }, () => 'xchg Zv,rAX'),
  { os: ['cbw', 'cwde', 'cdqe'] }, { os: ['cwd', 'cdq', 'cqo'] }, i64('call Ap call far'), 'fwait x87',
  { os: ['pushfw d64', 'pushf d64', 'pushf d64'] }, { os: ['popfw d64 ends', 'popf d64 ends', 'popf d64 ends'] },
  'sahf', 'lahf',
  // a0-af
  ...['AL,Ob', 'rAX,Ov', 'Ob,AL', 'Ov,rAX'].map((o): Sel => ({ as: [`mov ${o}`, `mov ${o}`, `movabs ${o}`] })),
  'movs Yb,Xb string', 'movs Yv,Xv string', 'cmps Xb,Yb string', 'cmps Xv,Yv string',
  'test AL,Ib', 'test rAX,Iz', 'stos Yb,AL string', 'stos Yv,rAX string',
  'lods AL,Xb string', 'lods rAX,Xv string', 'scas AL,Yb string', 'scas rAX,Yv string',
  // b0-bf
  ...Array.from({ length: 8 }, () => 'mov Zb,Ib'), ...Array.from({ length: 8 }, (): Sel => ({ os: ['mov Zv,Iv', 'mov Zv,Iv', 'movabs Zv,Iv'] })),
  // c0-cf
  GRP2('Eb,Ib'), GRP2('Ev,Ib'), { os: ['retw Iw d64 ret bnd', 'ret Iw d64 ret bnd', 'ret Iw d64 ret bnd'] },
  { os: ['retw d64 ret bnd', 'ret d64 ret bnd', 'ret d64 ret bnd'] },
  i64('les Gz,Mp ends'), i64('lds Gz,Mp ends'), grp('mov Eb,Ib', null, null, null, null, null, null, { mod: [null, { rm: ['xabort Ib ends', null, null, null, null, null, null, null] }] }),
  grp('mov Ev,Iz', null, null, null, null, null, null, { mod: [null, { rm: ['xbegin Jz ends', null, null, null, null, null, null, null] }] }),
  'enter Iw,Ib d64', 'leave d64', { os: ['retf Iw ret far', 'retf Iw ret far', 'retfq Iw ret far'] }, { os: ['retf ret far', 'retf ret far', 'retfq ret far'] },
  'int3 trap', 'int Ib trap', i64('into trap'), { os: ['iretw ret far', 'iret ret far', 'iretq ret far'] },
  // d0-df (d8-df: x87, decoded from X87 below)
  GRP2('Eb,1'), GRP2('Ev,1'), GRP2('Eb,CL'), GRP2('Ev,CL'), i64('aam Ib'), i64('aad Ib'), null, 'xlat XLAT',
  null, null, null, null, null, null, null, null,
  // e0-ef
  'loopne Jb f64 jump cond', 'loope Jb f64 jump cond', 'loop Jb f64 jump cond',
  { as: ['jcxz Jb f64 jump cond', 'jecxz Jb f64 jump cond', 'jrcxz Jb f64 jump cond'] },
  'in AL,Ib iopl', 'in eAX,Ib iopl', 'out Ib,AL iopl', 'out Ib,eAX iopl',
  'call Jz d64 call bnd', 'jmp Jz d64 jump bnd', i64('jmp Ap jump far'), 'jmp Jb f64 jump bnd',
  'in AL,DX iopl', 'in eAX,DX iopl', 'out DX,AL iopl', 'out DX,eAX iopl',
  // f0-ff
  null, 'int1 trap', null, null, 'hlt priv', 'cmc', GRP3('b', 'Ib'), GRP3('v', 'Iz'),
  'clc', 'stc', 'cli iopl', 'sti iopl', 'cld', 'std',
  grp('inc Eb lock', 'dec Eb lock'),
  grp('inc Ev lock', 'dec Ev lock', 'call Ev d64 call bnd notrack', 'call Mp call far', 'jmp Ev d64 jump bnd notrack',
    'jmp Mp jump far', 'push Ev d64', null),
];

// ---------------------------------------------------------------------------------------------------
// 0F map
const GRP6: Sel = grp({ mod: ['sldt Mw', 'sldt Rv'] }, { mod: ['str Mw', 'str Rv'] }, 'lldt Ew priv', 'ltr Ew priv',
  'verr Ew', 'verw Ew', null, null);
const R8 = (...e: E[]): Sel => ({ rm: e });
const GRP7: Sel = {
  mod: [
    grp(dt('sgdt'), dt('sidt'), dt('lgdt', ' priv'), dt('lidt', ' priv'), 'smsw Mw', { pfx: [null, null, 'rstorssp Mq', null] },
      'lmsw Mw priv', 'invlpg Mb priv'),
    grp(
      R8(null, 'vmcall ser', 'vmlaunch priv', 'vmresume priv', 'vmxoff priv', 'pconfig priv', null, null),
      R8('monitor priv', 'mwait priv', 'clac priv', 'stac priv', null, null, null, 'encls priv'),
      R8('xgetbv', 'xsetbv priv', null, null, 'vmfunc', 'xend ends', 'xtest', 'enclu'),
      R8('vmrun priv', 'vmmcall ser', 'vmload priv', 'vmsave priv', 'stgi priv', 'clgi priv', 'skinit priv', 'invlpga priv'),
      'smsw Rv',
      R8(pfx('serialize ser', null, 'setssbsy', 'xsusldtrk'), pfx(null, null, null, 'xresldtrk'), pfx(null, null, 'saveprevssp'),
        null, null, null, 'rdpkru', 'wrpkru'),
      'lmsw Rw priv',
      R8('swapgs priv o64', 'rdtscp', 'monitorx', 'mwaitx', 'clzero', 'rdpru', null, null),
    ),
  ],
};
const GRP9: Sel = {
  mod: [
    grp(null, { w: ['cmpxchg8b Mq lock', 'cmpxchg16b Mo lock'] }, null, 'xrstors M priv', 'xsavec M', 'xsaves M priv',
      pfx('vmptrld Mq priv', 'vmclear Mq priv', 'vmxon Mq priv'), pfx('vmptrst Mq priv')),
    grp(null, null, null, null, null, null, { rep: ['rdrand Rv', null, null] }, { rep: ['rdseed Rv', 'rdpid Rv f64 no66', null] }),
  ],
};
const GRP15: Sel = {
  mod: [
    grp('fxsave M', 'fxrstor M', { rep: ['ldmxcsr Md', null, null] }, { rep: ['stmxcsr Md', null, null] },
      { rep: [{ p66: ['xsave M', '(bad)'] }, { w: ['ptwrite Ed', 'ptwrite Eq'] }, '(bad)'] }, pfx('xrstor M', null),
      { rep: [{ p66: ['xsaveopt M', 'clwb Mb'] }, 'clrssbsy Mq', '(bad)'] }, { rep: [{ p66: ['clflush Mb', 'clflushopt Mb'] }, '(bad)', '(bad)'] }),
    grp(pfx(null, null, 'rdfsbase Ry o64'), pfx(null, null, 'rdgsbase Ry o64'), pfx(null, null, 'wrfsbase Ry o64'),
      pfx(null, null, 'wrgsbase Ry o64'), null, pfx(R8('lfence'), null, 'incsspd/q'), pfx(R8('mfence'), 'tpause Ry', 'umonitor Rv', 'umwait Ry'),
      pfx(R8('sfence'))),
  ],
};
// F3 0F AE /5 reg is incsspd/incsspq by REX.W.
((GRP15.mod![1] as Sel).reg![5] as Sel).pfx![2] = { w: ['incsspd Rd', 'incsspq Rq'] };

const GRP12 = (a: string, b: string, c: string): Sel =>
  ({ mod: [null, grp(null, null, mx2(a), null, mx2(b), null, mx2(c), null)] });
function mx2(m: string | null): E {
  return m === null ? null : pfx(`${m} Nq,Ib simd nv`, `${m} Ux,Ib simd`);
}
const GRP14: Sel = { mod: [null, grp(null, null, mx2('psrlq'), x66('psrldq', 'Ux,Ib'), null, null, mx2('psllq'), x66('pslldq', 'Ux,Ib'))] };

const NOP_EV = 'nop Ev';
export const TWO_BYTE: E[] = [
  // 00-0f
  GRP6, GRP7, { mod: ['lar Gv,Mw', 'lar Gv,Rv'] }, { mod: ['lsl Gv,Mw', 'lsl Gv,Rv'] }, null, 'syscall trap', 'clts priv', { mode: [{ w: ['sysretd priv', 'sysretq priv'] }, 'sysret priv'] },
  'invd priv', pfx('wbinvd priv', null, 'wbnoinvd priv'), null, 'ud2 trap', null, grp('prefetch Mb', 'prefetchw Mb', 'prefetchwt1 Mb', 'prefetch Mb',
    'prefetch Mb', 'prefetch Mb', 'prefetch Mb', 'prefetch Mb'), 'femms', null /* 3DNow! */,
  // 10-1f
  pfx('movups Vx,Wx simd v2', 'movupd Vx,Wx simd v2', { mod: ['movss Vdq,Md simd v2', 'movss Vdq,Udq simd'] },
    { mod: ['movsd Vdq,Mq simd v2', 'movsd Vdq,Udq simd'] }),
  pfx('movups Wx,Vx simd', 'movupd Wx,Vx simd', { mod: ['movss Md,Vdq simd', 'movss Udq,Vdq simd'] },
    { mod: ['movsd Mq,Vdq simd', 'movsd Udq,Vdq simd'] }),
  pfx({ mod: ['movlps Vdq,Mq simd l0', 'movhlps Vdq,Udq simd l0'] }, { mod: ['movlpd Vdq,Mq simd l0', null] }, 'movsldup Vx,Wx simd v2',
    'movddup Vx,Wq simd v2'),
  pfx({ mod: ['movlps Mq,Vdq simd l0', null] }, { mod: ['movlpd Mq,Vdq simd l0', null] }),
  pfx('unpcklps Vx,Wx simd', 'unpcklpd Vx,Wx simd'), pfx('unpckhps Vx,Wx simd', 'unpckhpd Vx,Wx simd'),
  pfx({ mod: ['movhps Vdq,Mq simd l0', 'movlhps Vdq,Udq simd l0'] }, { mod: ['movhpd Vdq,Mq simd l0', null] }, 'movshdup Vx,Wx simd v2'),
  pfx({ mod: ['movhps Mq,Vdq simd l0', null] }, { mod: ['movhpd Mq,Vdq simd l0', null] }),
  { mod: [grp('prefetchnta Mb', 'prefetcht0 Mb', 'prefetcht1 Mb', 'prefetcht2 Mb', NOP_EV, NOP_EV, NOP_EV, NOP_EV), NOP_EV] },
  NOP_EV, NOP_EV, NOP_EV, { mod: [grp('cldemote Mb', NOP_EV, NOP_EV, NOP_EV, NOP_EV, NOP_EV, NOP_EV, NOP_EV), NOP_EV] }, NOP_EV,
  { mod: [NOP_EV, grp(NOP_EV, { rep: [NOP_EV, { w: ['rdsspd Rd', 'rdsspq Rq'] }, null] }, NOP_EV, NOP_EV, NOP_EV, NOP_EV, NOP_EV,
    { rm: [NOP_EV, NOP_EV, { rep: [NOP_EV, 'endbr64', null] }, { rep: [NOP_EV, 'endbr32', null] }, NOP_EV, NOP_EV, NOP_EV, NOP_EV] })] },
  NOP_EV,
  // 20-2f: mov to/from control and debug registers ignore ModRM.mod (always register operands)
  'mov Rv,Cv f64 no66 priv', 'mov Rv,Dv f64 no66 priv', 'mov Cv,Rv f64 no66 priv', 'mov Dv,Rv f64 no66 priv', null, null, null, null,
  pfx('movaps Vx,Wx simd v2', 'movapd Vx,Wx simd v2'), pfx('movaps Wx,Vx simd', 'movapd Wx,Vx simd'),
  pfx('cvtpi2ps Vx,Qq simd nv', 'cvtpi2pd Vx,Qq simd nv', 'cvtsi2ss Vdq,Ey simd', 'cvtsi2sd Vdq,Ey simd'),
  pfx({ mod: ['movntps Mx,Vx simd', null] }, { mod: ['movntpd Mx,Vx simd', null] }, { mod: ['movntss Md,Vx simd nv', null] },
    { mod: ['movntsd Mq,Vx simd nv', null] }),
  pfx('cvttps2pi Pq,Wq simd nv', 'cvttpd2pi Pq,Wx simd nv', 'cvttss2si Gy,Wd simd', 'cvttsd2si Gy,Wq simd'),
  pfx('cvtps2pi Pq,Wq simd nv', 'cvtpd2pi Pq,Wx simd nv', 'cvtss2si Gy,Wd simd', 'cvtsd2si Gy,Wq simd'),
  pfx('ucomiss Vdq,Wd simd v2', 'ucomisd Vdq,Wq simd v2'), pfx('comiss Vdq,Wd simd v2', 'comisd Vdq,Wq simd v2'),
  // 30-3f
  'wrmsr priv', 'rdtsc', 'rdmsr priv', 'rdpmc ser', 'sysenter trap', { mode: [{ w: ['sysexitd priv', 'sysexitq priv'] }, 'sysexit priv'] }, null, 'getsec ser',
  null /* 0f 38 */, null, null /* 0f 3a */, null, null, null, null, null,
  // 40-4f
  ...Array.from({ length: 16 }, () => 'cmovcc Gv,Ev'),
  // 50-5f
  pfx({ mod: [null, 'movmskps Gd,Ux simd v2'] }, { mod: [null, 'movmskpd Gd,Ux simd v2'] }),
  pfx('sqrtps Vx,Wx simd v2', 'sqrtpd Vx,Wx simd v2', 'sqrtss Vdq,Wd simd', 'sqrtsd Vdq,Wq simd'),
  pfx('rsqrtps Vx,Wx simd v2', null, 'rsqrtss Vdq,Wd simd'), pfx('rcpps Vx,Wx simd v2', null, 'rcpss Vdq,Wd simd'),
  pfx('andps Vx,Wx simd', 'andpd Vx,Wx simd'), pfx('andnps Vx,Wx simd', 'andnpd Vx,Wx simd'),
  pfx('orps Vx,Wx simd', 'orpd Vx,Wx simd'), pfx('xorps Vx,Wx simd', 'xorpd Vx,Wx simd'),
  psd('add'), psd('mul'),
  pfx('cvtps2pd Vx,Wxh simd v2', 'cvtpd2ps Vx,Wx simd v2', 'cvtss2sd Vdq,Wd simd', 'cvtsd2ss Vdq,Wq simd'),
  pfx('cvtdq2ps Vx,Wx simd v2', 'cvtps2dq Vx,Wx simd v2', 'cvttps2dq Vx,Wx simd v2'),
  psd('sub'), psd('min'), psd('div'), psd('max'),
  // 60-6f
  mx('punpcklbw', 'Qd'), mx('punpcklwd', 'Qd'), mx('punpckldq', 'Qd'), mx('packsswb'), mx('pcmpgtb'), mx('pcmpgtw'),
  mx('pcmpgtd'), mx('packuswb'), mx('punpckhbw'), mx('punpckhwd'), mx('punpckhdq'), mx('packssdw'),
  x66('punpcklqdq'), x66('punpckhqdq'),
  pfx({ w: ['movd Pq,Ed simd nv', 'movq Pq,Eq simd nv'] }, { w: ['movd Vdq,Ed simd v2 l0', 'movq Vdq,Eq simd v2 l0'] }),
  pfx('movq Pq,Qq simd nv', 'movdqa Vx,Wx simd v2', 'movdqu Vx,Wx simd v2'),
  // 70-7f
  pfx('pshufw Pq,Qq,Ib simd nv', 'pshufd Vx,Wx,Ib simd v2', 'pshufhw Vx,Wx,Ib simd v2', 'pshuflw Vx,Wx,Ib simd v2'),
  GRP12('psrlw', 'psraw', 'psllw'), GRP12('psrld', 'psrad', 'pslld'), GRP14,
  mx('pcmpeqb'), mx('pcmpeqw'), mx('pcmpeqd'), pfx('emms simd nv'),
  pfx('vmread Ev,Gv f64 priv', { mod: [null, 'extrq Ux,Ib,Ib simd nv'] }, null, { mod: [null, 'insertq Vx,Ux,Ib,Ib simd nv'] }),
  pfx('vmwrite Gv,Ev f64 priv', { mod: [null, 'extrq Vx,Ux simd nv'] }, null, { mod: [null, 'insertq Vx,Ux simd nv'] }),
  null, null,
  pfx(null, 'haddpd Vx,Wx simd', null, 'haddps Vx,Wx simd'), pfx(null, 'hsubpd Vx,Wx simd', null, 'hsubps Vx,Wx simd'),
  pfx({ w: ['movd Ed,Pq simd nv', 'movq Eq,Pq simd nv'] }, { w: ['movd Ed,Vdq simd l0', 'movq Eq,Vdq simd l0'] },
    'movq Vdq,Wq simd v2 l0'),
  pfx('movq Qq,Pq simd nv', 'movdqa Wx,Vx simd', 'movdqu Wx,Vx simd'),
  // 80-8f
  ...Array.from({ length: 16 }, () => 'jcc Jz d64 jump cond bnd'),
  // 90-9f
  ...Array.from({ length: 16 }, () => 'setcc Eb'),
  // a0-af
  segPP('push', 'FS'), segPP('pop', 'FS'), 'cpuid ser', 'bt Ev,Gv', 'shld Ev,Gv,Ib', 'shld Ev,Gv,CL',
  // VIA PadLock
  { mod: [null, grp(R8('montmul'), R8('xsha1'), R8('xsha256'))] },
  { mod: [null, grp(...['xstore-rng', 'xcrypt-ecb', 'xcrypt-cbc', 'xcrypt-ctr', 'xcrypt-cfb', 'xcrypt-ofb'].map((m) => R8(m)))] },
  segPP('push', 'GS'), segPP('pop', 'GS'), 'rsm priv', 'bts Ev,Gv lock', 'shrd Ev,Gv,Ib', 'shrd Ev,Gv,CL', GRP15, 'imul Gv,Ev',
  // b0-bf
  'cmpxchg Eb,Gb lock', 'cmpxchg Ev,Gv lock', 'lss Gv,Mp ends', 'btr Ev,Gv lock', 'lfs Gv,Mp ends', 'lgs Gv,Mp ends', 'movzx Gv,Eb', 'movzx Gv,Ew',
  { rep: ['(bad)', 'popcnt Gv,Ev', '(bad)'] }, 'ud1 Gv,Ev trap', grp(null, null, null, null, 'bt Ev,Ib', 'bts Ev,Ib lock', 'btr Ev,Ib lock', 'btc Ev,Ib lock'),
  'btc Ev,Gv lock', { rep: ['bsf Gv,Ev', 'tzcnt Gv,Ev', '(bad)'] }, { rep: ['bsr Gv,Ev', 'lzcnt Gv,Ev', '(bad)'] },
  'movsx Gv,Eb', 'movsx Gv,Ew',
  // c0-cf
  'xadd Eb,Gb lock', 'xadd Ev,Gv lock',
  pfx('cmpps Vx,Wx,Ib simd', 'cmppd Vx,Wx,Ib simd', 'cmpss Vdq,Wd,Ib simd', 'cmpsd Vdq,Wq,Ib simd'),
  pfx({ mod: ['movnti My,Gy', null] }),
  pfx({ mod: ['pinsrw Pq,Mw,Ib simd nv', 'pinsrw Pq,Rd,Ib simd nv'] }, { mod: ['pinsrw Vdq,Mw,Ib simd l0', 'pinsrw Vdq,Rd,Ib simd l0'] }),
  pfx({ mod: [null, 'pextrw Gd,Nq,Ib simd nv'] }, { mod: [null, 'pextrw Gd,Udq,Ib simd v2 l0'] }),
  pfx('shufps Vx,Wx,Ib simd', 'shufpd Vx,Wx,Ib simd'),
  GRP9, ...Array.from({ length: 8 }, () => 'bswap Zv'),
  // d0-df
  pfx(null, 'addsubpd Vx,Wx simd', null, 'addsubps Vx,Wx simd'), mx('psrlw', 'Qq', 'Wdq'), mx('psrld', 'Qq', 'Wdq'), mx('psrlq', 'Qq', 'Wdq'), mx('paddq'), mx('pmullw'),
  pfx(null, 'movq Wq,Vdq simd v2 l0', { mod: [null, 'movq2dq Vx,Nq simd nv'] }, { mod: [null, 'movdq2q Pq,Ux simd nv'] }),
  pfx({ mod: [null, 'pmovmskb Gd,Nq simd nv'] }, { mod: [null, 'pmovmskb Gd,Ux simd v2'] }),
  mx('psubusb'), mx('psubusw'), mx('pminub'), mx('pand'), mx('paddusb'), mx('paddusw'), mx('pmaxub'), mx('pandn'),
  // e0-ef
  mx('pavgb'), mx('psraw', 'Qq', 'Wdq'), mx('psrad', 'Qq', 'Wdq'), mx('pavgw'), mx('pmulhuw'), mx('pmulhw'),
  pfx(null, 'cvttpd2dq Vx,Wx simd v2', 'cvtdq2pd Vx,Wxh simd v2', 'cvtpd2dq Vx,Wx simd v2'),
  pfx({ mod: ['movntq Mq,Pq simd nv', null] }, { mod: ['movntdq Mx,Vx simd', null] }),
  mx('psubsb'), mx('psubsw'), mx('pminsw'), mx('por'), mx('paddsb'), mx('paddsw'), mx('pmaxsw'), mx('pxor'),
  // f0-ff
  pfx(null, null, null, { mod: ['lddqu Vx,M simd v2', null] }), mx('psllw', 'Qq', 'Wdq'), mx('pslld', 'Qq', 'Wdq'), mx('psllq', 'Qq', 'Wdq'), mx('pmuludq'),
  mx('pmaddwd'), mx('psadbw'),
  pfx({ mod: [null, 'maskmovq Pq,Nq simd nv'] }, { mod: [null, 'maskmovdqu Vx,Ux simd v2'] }),
  mx('psubb'), mx('psubw'), mx('psubd'), mx('psubq'), mx('paddb'), mx('paddw'), mx('paddd'), 'ud0 Gv,Ev trap',
];

// ---------------------------------------------------------------------------------------------------
// 0F 38 map (SSSE3, SSE4.1/4.2, AES, SHA, and integer extensions)
export const THREE_38: E[] = Array.from({ length: 256 }, () => null);
const ssse3 = ['pshufb', 'phaddw', 'phaddd', 'phaddsw', 'pmaddubsw', 'phsubw', 'phsubd', 'phsubsw', 'psignb', 'psignw',
  'psignd', 'pmulhrsw'];
ssse3.forEach((m, j) => { THREE_38[j] = mx(m); });
THREE_38[0x10] = x66('pblendvb', 'Vx,Wx,XMM0', ' nv');
THREE_38[0x14] = x66('blendvps', 'Vx,Wx,XMM0', ' nv');
THREE_38[0x15] = x66('blendvpd', 'Vx,Wx,XMM0', ' nv');
THREE_38[0x17] = x66('ptest', 'Vx,Wx', ' v2');
['pabsb', 'pabsw', 'pabsd'].forEach((m, j) => { THREE_38[0x1c + j] = pfx(`${m} Pq,Qq simd nv`, `${m} Vx,Wx simd v2`); });
(['bw', 'bd', 'bq', 'wd', 'wq', 'dq'] as const).forEach((t, j) => {
  const mem = ['Wxh', 'Wxq', 'Wxo', 'Wxh', 'Wxq', 'Wxh'][j];
  THREE_38[0x20 + j] = x66(`pmovsx${t}`, `Vx,${mem}`, ' v2');
  THREE_38[0x30 + j] = x66(`pmovzx${t}`, `Vx,${mem}`, ' v2');
});
THREE_38[0x28] = x66('pmuldq'); THREE_38[0x29] = x66('pcmpeqq'); THREE_38[0x2a] = pfx(null, { mod: ['movntdqa Vx,Mx simd v2', null] });
THREE_38[0x2b] = x66('packusdw'); THREE_38[0x37] = x66('pcmpgtq');
['pminsb', 'pminsd', 'pminuw', 'pminud', 'pmaxsb', 'pmaxsd', 'pmaxuw', 'pmaxud'].forEach((m, j) => { THREE_38[0x38 + j] = x66(m); });
THREE_38[0x40] = x66('pmulld'); THREE_38[0x41] = x66('phminposuw', 'Vx,Wx', ' v2');
THREE_38[0x80] = pfx(null, { mod: ['invept Gv,Mo f64 no66 priv', null] });
THREE_38[0x81] = pfx(null, { mod: ['invvpid Gv,Mo f64 no66 priv', null] });
THREE_38[0x82] = pfx(null, { mod: ['invpcid Gv,M f64 no66 priv', null] });
['sha1nexte', 'sha1msg1', 'sha1msg2', 'sha256rnds2', 'sha256msg1', 'sha256msg2'].forEach((m, j) => {
  THREE_38[0xc8 + j] = pfx(m === 'sha256rnds2' ? `${m} Vx,Wx,XMM0 simd nv` : `${m} Vx,Wx simd nv`);
});
THREE_38[0xcf] = x66('gf2p8mulb');
['aesimc', 'aesenc', 'aesenclast', 'aesdec', 'aesdeclast'].forEach((m, j) => {
  THREE_38[0xdb + j] = x66(m, 'Vx,Wx', j === 0 ? ' v2' : '');
});
THREE_38[0xf0] = { rep: [{ mod: ['movbe Gv,Mv', null] }, '(bad)', 'crc32 Gy,Eb'] };
THREE_38[0xf1] = { rep: [{ mod: ['movbe Mv,Gv', null] }, '(bad)', 'crc32 Gy,Ev'] };
THREE_38[0xf5] = pfx(null, { mod: [{ w: ['wrussd M,Gd', 'wrussq M,Gq'] }, null] });
THREE_38[0xf6] = pfx({ mod: [{ w: ['wrssd M,Gd', 'wrssq M,Gq'] }, null] }, 'adcx Gy,Ey', 'adox Gy,Ey');
THREE_38[0xf8] = pfx(null, { mod: ['movdir64b Gv,M', null] }, { mod: ['enqcmds Gv,M', null] }, { mod: ['enqcmd Gv,M', null] });
THREE_38[0xf9] = pfx({ mod: ['movdiri My,Gy', null] });
THREE_38[0xfc] = { mod: [pfx('aadd My,Gy lock', 'aand My,Gy lock', 'axor My,Gy lock', 'aor My,Gy lock'), null] };

// 0F 3A map
export const THREE_3A: E[] = Array.from({ length: 256 }, () => null);
THREE_3A[0x08] = x66('roundps', 'Vx,Wx,Ib', ' v2'); THREE_3A[0x09] = x66('roundpd', 'Vx,Wx,Ib', ' v2');
THREE_3A[0x0a] = x66('roundss', 'Vdq,Wd,Ib'); THREE_3A[0x0b] = x66('roundsd', 'Vdq,Wq,Ib');
THREE_3A[0x0c] = x66('blendps', 'Vx,Wx,Ib'); THREE_3A[0x0d] = x66('blendpd', 'Vx,Wx,Ib');
THREE_3A[0x0e] = x66('pblendw', 'Vx,Wx,Ib'); THREE_3A[0x0f] = pfx('palignr Pq,Qq,Ib simd nv', 'palignr Vx,Wx,Ib simd');
THREE_3A[0x14] = pfx(null, { mod: ['pextrb Mb,Vx,Ib simd', 'pextrb Rd,Vx,Ib simd'] });
THREE_3A[0x15] = pfx(null, { mod: ['pextrw Mw,Vx,Ib simd', 'pextrw Rd,Vx,Ib simd'] });
THREE_3A[0x16] = pfx(null, { w: ['pextrd Ed,Vx,Ib simd', 'pextrq Eq,Vx,Ib simd'] });
THREE_3A[0x17] = x66('extractps', 'Ed,Vx,Ib');
THREE_3A[0x20] = pfx(null, { mod: ['pinsrb Vx,Mb,Ib simd', 'pinsrb Vx,Rd,Ib simd'] });
THREE_3A[0x21] = pfx(null, { mod: ['insertps Vx,Md,Ib simd', 'insertps Vx,Ux,Ib simd'] });
THREE_3A[0x22] = pfx(null, { w: ['pinsrd Vx,Ed,Ib simd', 'pinsrq Vx,Eq,Ib simd'] });
THREE_3A[0x40] = x66('dpps', 'Vx,Wx,Ib'); THREE_3A[0x41] = x66('dppd', 'Vx,Wx,Ib'); THREE_3A[0x42] = x66('mpsadbw', 'Vx,Wx,Ib');
THREE_3A[0x44] = x66('pclmulqdq', 'Vx,Wx,Ib');
THREE_3A[0x60] = x66('pcmpestrm', 'Vx,Wx,Ib', ' v2'); THREE_3A[0x61] = x66('pcmpestri', 'Vx,Wx,Ib', ' v2');
THREE_3A[0x62] = x66('pcmpistrm', 'Vx,Wx,Ib', ' v2'); THREE_3A[0x63] = x66('pcmpistri', 'Vx,Wx,Ib', ' v2');
THREE_3A[0xcc] = pfx('sha1rnds4 Vx,Wx,Ib simd nv');
THREE_3A[0xce] = x66('gf2p8affineqb', 'Vx,Wx,Ib'); THREE_3A[0xcf] = x66('gf2p8affineinvqb', 'Vx,Wx,Ib');
THREE_3A[0xdf] = x66('aeskeygenassist', 'Vx,Wx,Ib', ' v2');

// ---------------------------------------------------------------------------------------------------
// x87 (D8-DF). Memory forms by ModRM.reg; register forms by reg and rm. objdump -M intel keeps the
// AT&T (SysV) fsub/fsubr and fdiv/fdivr swap in the DC and DE register forms.
const ST_I = (m: string): E => `${m} ST,STi x87`;
const I_ST = (m: string): E => `${m} STi,ST x87`;
const x8 = (...e: E[]): Sel => ({ rm: e });
export const X87: E[] = [
  /* d8 */ { mod: [grp(...['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'].map((m) => `${m} Md x87`)),
    grp(ST_I('fadd'), ST_I('fmul'), 'fcom STi x87', 'fcomp STi x87', ST_I('fsub'), ST_I('fsubr'), ST_I('fdiv'), ST_I('fdivr'))] },
  /* d9 */ { mod: [grp('fld Md x87', null, 'fst Md x87', 'fstp Md x87', 'fldenv M x87', 'fldcw Mw x87', 'fnstenv M x87', 'fnstcw Mw x87'),
    grp('fld STi x87', 'fxch STi x87', x8('fnop x87'), null,
      x8('fchs x87', 'fabs x87', null, null, 'ftst x87', 'fxam x87'),
      x8('fld1 x87', 'fldl2t x87', 'fldl2e x87', 'fldpi x87', 'fldlg2 x87', 'fldln2 x87', 'fldz x87'),
      x8(...['f2xm1', 'fyl2x', 'fptan', 'fpatan', 'fxtract', 'fprem1', 'fdecstp', 'fincstp'].map((m) => `${m} x87`)),
      x8(...['fprem', 'fyl2xp1', 'fsqrt', 'fsincos', 'frndint', 'fscale', 'fsin', 'fcos'].map((m) => `${m} x87`)))] },
  /* da */ { mod: [grp(...['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'].map((m) => `${m} Md x87`)),
    grp(ST_I('fcmovb'), ST_I('fcmove'), ST_I('fcmovbe'), ST_I('fcmovu'), null, x8(null, 'fucompp x87'), null, null)] },
  /* db */ { mod: [grp('fild Md x87', 'fisttp Md x87', 'fist Md x87', 'fistp Md x87', null, 'fld Mt x87', null, 'fstp Mt x87'),
    grp(ST_I('fcmovnb'), ST_I('fcmovne'), ST_I('fcmovnbe'), ST_I('fcmovnu'),
      x8('fneni(8087_only) x87', 'fndisi(8087_only) x87', 'fnclex x87', 'fninit x87', 'fnsetpm(287_only) x87', 'frstpm x87'),
      ST_I('fucomi'), ST_I('fcomi'), null)] },
  /* dc */ { mod: [grp(...['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'].map((m) => `${m} Mq x87`)),
    grp(I_ST('fadd'), I_ST('fmul'), null, null, I_ST('fsubr'), I_ST('fsub'), I_ST('fdivr'), I_ST('fdiv'))] },
  /* dd */ { mod: [grp('fld Mq x87', 'fisttp Mq x87', 'fst Mq x87', 'fstp Mq x87', 'frstor M x87', null, 'fnsave M x87', 'fnstsw Mw x87'),
    grp('ffree STi x87', null, 'fst STi x87', 'fstp STi x87', 'fucom STi x87', 'fucomp STi x87', null, null)] },
  /* de */ { mod: [grp(...['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'].map((m) => `${m} Mw x87`)),
    grp(I_ST('faddp'), I_ST('fmulp'), null, x8(null, 'fcompp x87'), I_ST('fsubrp'), I_ST('fsubp'), I_ST('fdivrp'), I_ST('fdivp'))] },
  /* df */ { mod: [grp('fild Mw x87', 'fisttp Mw x87', 'fist Mw x87', 'fistp Mw x87', 'fbld Mt x87', 'fild Mq x87', 'fbstp Mt x87', 'fistp Mq x87'),
    grp('ffreep STi x87', null, null, null, x8('fnstsw AX x87'), ST_I('fucomip'), ST_I('fcomip'), null)] },
];

// ---------------------------------------------------------------------------------------------------
// 3DNow! (0F 0F ModRM imm8-suffix): the suffix byte selects the operation.
export const NOW3: E[] = Array.from({ length: 256 }, () => null);
const NOW3_NAMES: [number, string][] = [
  [0x0c, 'pi2fw'], [0x0d, 'pi2fd'], [0x1c, 'pf2iw'], [0x1d, 'pf2id'], [0x8a, 'pfnacc'], [0x8e, 'pfpnacc'], [0x90, 'pfcmpge'],
  [0x94, 'pfmin'], [0x96, 'pfrcp'], [0x97, 'pfrsqrt'], [0x9a, 'pfsub'], [0x9e, 'pfadd'], [0xa0, 'pfcmpgt'], [0xa4, 'pfmax'],
  [0xa6, 'pfrcpit1'], [0xa7, 'pfrsqit1'], [0xaa, 'pfsubr'], [0xae, 'pfacc'], [0xb0, 'pfcmpeq'], [0xb4, 'pfmul'],
  [0xb6, 'pfrcpit2'], [0xb7, 'pmulhrw'], [0xbb, 'pswapd'], [0xbf, 'pavgusb'],
];
for (const [k, m] of NOW3_NAMES) NOW3[k] = `${m} Pq,Qq simd`;

/** Predicate names of cmpps/cmpss/... (imm8 < 8 legacy, < 32 VEX) as objdump prints the pseudo-ops. */
export const CMP_PRED = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord', 'eq_uq', 'nge', 'ngt', 'false', 'neq_oq',
  'ge', 'gt', 'true', 'eq_os', 'lt_oq', 'le_oq', 'unord_s', 'neq_us', 'nlt_uq', 'nle_uq', 'ord_s', 'eq_us', 'nge_uq',
  'ngt_uq', 'false_os', 'neq_os', 'ge_oq', 'gt_oq', 'true_us'];
/** vpcmp[u]{b,w,d,q} predicates (EVEX). 3 has no pseudo-op (objdump prints vpcmpb ...,0x3). */
export const VPCMP_PRED = ['eq', 'lt', 'le', null, 'neq', 'nlt', 'nle', null];
/** pclmulqdq pseudo-ops by imm8 (bits 0 and 4). */
export const PCLMUL_PRED: Record<number, string> = { 0x00: 'lqlq', 0x01: 'hqlq', 0x10: 'lqhq', 0x11: 'hqhq' };

