// SSE/SSE2 semantics (plus the SSE3 moves/arithmetic that need no x87, not advertised), keyed by the
// objdump mnemonic. Each family lives in its own file; the numeric primitives are in prims.ts (rt).
import { type Semantics } from '../emit.js';
import { FLOAT } from './float.js';
import { FPENV } from './fpenv.js';
import { INTEGER } from './integer.js';
import { MOVES } from './moves.js';

export const SIMD: Record<string, Semantics> = { ...MOVES, ...INTEGER, ...FLOAT, ...FPENV };
