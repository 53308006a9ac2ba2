// Minimal ELF64 symbol-table lookup, used to find the address of a guest's
// `expected_fault` label (static, non-PIE binaries: the value is the address).

import { readFileSync } from 'node:fs';

export function elfSymbols(path: string): Map<string, bigint> {
  const b = readFileSync(path);
  const syms = new Map<string, bigint>();
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return syms; // ELF64 LE only
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    const type = b.readUInt32LE(sh + 4);
    if (type !== 2 /* SHT_SYMTAB */) continue;
    const off = Number(b.readBigUInt64LE(sh + 0x18));
    const size = Number(b.readBigUInt64LE(sh + 0x20));
    const link = b.readUInt32LE(sh + 0x28);
    const entsize = Number(b.readBigUInt64LE(sh + 0x38)) || 24;
    const strSh = shoff + link * shentsize;
    const strOff = Number(b.readBigUInt64LE(strSh + 0x18));
    for (let p = off; p + entsize <= off + size; p += entsize) {
      const nameOff = b.readUInt32LE(p);
      if (!nameOff) continue;
      let e = strOff + nameOff;
      while (e < b.length && b[e] !== 0) e++;
      const name = b.toString('latin1', strOff + nameOff, e);
      const value = b.readBigUInt64LE(p + 8);
      if (!syms.has(name)) syms.set(name, value);
    }
  }
  return syms;
}

export function elfSymbol(path: string, name: string): bigint | undefined {
  return elfSymbols(path).get(name);
}
