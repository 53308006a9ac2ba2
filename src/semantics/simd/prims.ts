// Pure lane primitives for SSE/SSE2 that generated code calls through `rt` (everything exported here is
// spread into rt). No allocation per call; results go to the xmm registers, SRC/SOUT or return values.
//   - scratch.ts: SRC, the scratch source operand that generated code fills from memory (register 16)
//   - iprims.ts:  integer lanes, packs, shuffles, shifts, pmovmskb/movmsk, pextrw/pinsrw (the hot integer
//                 instructions are inline: integer.ts, swar.ts)
//   - fprims.ts:  floating-point arithmetic, compares, comis, rcp/rsqrt (fpcore.ts: rounding and flags)
//   - fconv.ts:   conversions
export { SRC, SRCF64, SRCF32 } from './scratch.js';
export {
  pbin, pmuludq, pmaddwd, psadbw, pack, pshufd, pshufw4, shufps, shufpd, shcnt, psh, pshdq,
  pextrw, pinsrw, pmovmskb, movmsk,
} from './iprims.js';
export { fsd, fss, fpd, fps, fhpd, fhps, faddsubpd, faddsubps, cmpsd, cmpss, cmppd, cmpps, comis, rcpss, rcpps } from './fprims.js';
export {
  SOUT, cvtsd2ss, cvtss2sd, cvtpd2ps, cvtps2pd, cvtsi2sd, cvtsi2ss, cvtdq2ps, cvtdq2pd, cvt2si, cvtps2dq, cvtpd2dq,
} from './fconv.js';
export { fxrstor, fldenv } from './x87.js';
