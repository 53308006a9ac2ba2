// SSE/SSE2 semantics (filled in by the SIMD module). Placeholder registry so the core links.
import { type Semantics } from '../emit.js';
export const SIMD: Record<string, Semantics> = {};
