// Pure lane primitives for SSE/SSE2 that generated code calls through `rt` (filled in by the SIMD module).
export {};
