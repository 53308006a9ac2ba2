// The objects generated code closes over: `rt` (pure primitives and lazy-flag evaluators from the
// semantics, plus fault constructors) and `H` (runtime helpers). Both engines use the same ones.

import { computeEflags, evalCond, PAR } from '../semantics/flags.js';
import * as prims from '../semantics/prims.js';
import * as simd from '../semantics/simd/prims.js';
import * as x87 from '../semantics/x87/xprims.js';
import { GuestFault, Vec } from './faults.js';

export const SCALE_SHIFT = new Int32Array([0, 0, 1, 0, 2, 0, 0, 0, 3]);

export const rt = {
  ...prims,
  ...simd,
  ...x87,
  cond: evalCond,
  eflags: computeEflags,
  fault(vector: number, errorCode: number, detail: string): GuestFault { return new GuestFault(vector, errorCode, 0, detail); },
  gp(detail: string): GuestFault { return new GuestFault(Vec.GP, 0, 0, detail); },
};
export type Rt = typeof rt;
export { PAR };
