// The opcode maps of opcodes.ts with every leaf compiled, indexed by opcode byte, for code that walks
// whole tables (the fuzzer's form enumeration). The decoder does not import this module: it compiles
// leaves one at a time as decoding reaches them (spec.ts `slot`), because compiling all ~1300 at
// start-up (~8 ms of CPU, plus the garbage) was the largest part of evaluating the ringjit bundle,
// for the few hundred forms a program uses.

import { compileMap } from './spec.js';
import { ONE_BYTE, TWO_BYTE, THREE_38, THREE_3A, X87, NOW3 } from './opcodes.js';

export const MAP_ONE = compileMap(ONE_BYTE);
export const MAP_0F = compileMap(TWO_BYTE);
export const MAP_0F38 = compileMap(THREE_38);
export const MAP_0F3A = compileMap(THREE_3A);
export const MAP_X87 = compileMap(X87);
export const MAP_3DNOW = compileMap(NOW3);

export { CMP_PRED, VPCMP_PRED, PCLMUL_PRED } from './opcodes.js';
