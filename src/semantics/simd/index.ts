// SSE/SSE2 semantics (plus the SSE3 moves/arithmetic that need no x87, not advertised), keyed by the
// objdump mnemonic. Each family lives in its own file; the numeric primitives are in prims.ts (rt).
import { type Semantics } from '../emit.js';
import { FLOAT } from './float.js';
import { FPENV } from './fpenv.js';
import { INTEGER } from './integer.js';
import { MOVES } from './moves.js';

/** The SSE tables, highest precedence first (a mnemonic in two tables takes the later family's entry). */
export const SIMD_TABLES: Record<string, Semantics>[] = [FPENV, FLOAT, INTEGER, MOVES];
