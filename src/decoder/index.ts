// The decoder's public surface.
export { decode } from './decode.js';
export { formatInsn, mnemonicOf, disassemble, operandsText, regName } from './format.js';
export { endsBlock, isPrivileged, isIoplSensitive, hasStaticTarget } from './facts.js';
export * from './insn.js';
