// ELF parsing and rejection. Bad files are crafted here from a minimal valid ELF64 executable; the good
// paths are checked against `readelf` on a real `gcc -static` binary.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  LoadError, parseElf, readElfFile, parseSections, codeSectionsAndSymbols, PT_LOAD, PT_INTERP,
} from '../src/kernel/elf.js';

/** A minimal ELF64 ET_EXEC: header + one PT_LOAD (r-x) covering the file, entry at 0x401000 + 0x78. */
function minimalElf(): Uint8Array {
  const b = new Uint8Array(0x80);
  const dv = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 62, true); // EM_X86_64
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, 0x401078n, true); // entry
  dv.setBigUint64(32, 64n, true); // phoff
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, 1, true);
  // PT_LOAD
  dv.setUint32(64, PT_LOAD, true);
  dv.setUint32(68, 5, true);
  dv.setBigUint64(72, 0n, true);
  dv.setBigUint64(80, 0x401000n, true);
  dv.setBigUint64(88, 0x401000n, true);
  dv.setBigUint64(96, 0x80n, true);
  dv.setBigUint64(104, 0x80n, true);
  dv.setBigUint64(112, 0x1000n, true);
  b.set([0x0f, 0x05, 0xeb, 0xfe], 0x78);
  return b;
}

function problem(bytes: Uint8Array, name = 'prog'): string {
  try {
    parseElf(bytes, name);
  } catch (e) {
    expect(e).toBeInstanceOf(LoadError);
    const m = (e as LoadError).message;
    expect(m.split('\n')).toHaveLength(1);
    expect(m.startsWith(name + ': ')).toBe(true);
    return m;
  }
  throw new Error('parseElf accepted the file');
}

describe('ELF rejection', () => {
  it('accepts the minimal executable', () => {
    const e = parseElf(minimalElf(), 'prog');
    expect(e.header.entry).toBe(0x401078);
    expect(e.phdrs).toHaveLength(1);
    expect(e.pie).toBe(false);
  });

  it('not ELF (bad magic)', () => {
    expect(problem(new TextEncoder().encode('hello world, not an executable'))).toMatch(/not an ELF file \(bad magic: 68 65 6c 6c\)/);
    expect(problem(new Uint8Array(0))).toMatch(/not an ELF file .*empty/);
    expect(problem(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toMatch(/#! script/);
  });

  it('truncated', () => {
    expect(problem(minimalElf().subarray(0, 40))).toMatch(/truncated ELF file \(40 bytes/);
    expect(problem(minimalElf().subarray(0, 100))).toMatch(/truncated ELF file \(program headers end at 0x78/);
    const b = minimalElf();
    new DataView(b.buffer).setBigUint64(96, 0x1000n, true); // p_filesz past EOF
    new DataView(b.buffer).setBigUint64(104, 0x1000n, true);
    expect(problem(b)).toMatch(/PT_LOAD #0 extends past the end of the file/);
  });

  it('ELF32', () => {
    const b = minimalElf();
    b[4] = 1;
    expect(problem(b)).toBe('prog: 32-bit ELF is not supported yet');
  });

  it('wrong machine and types', () => {
    const b = minimalElf();
    new DataView(b.buffer).setUint16(18, 183, true);
    expect(problem(b)).toMatch(/wrong machine type 183 \(AArch64\)/);
    const r = minimalElf();
    new DataView(r.buffer).setUint16(16, 1, true);
    expect(problem(r)).toMatch(/relocatable object file \(ET_REL\)/);
    const c = minimalElf();
    new DataView(c.buffer).setUint16(16, 4, true);
    expect(problem(c)).toMatch(/core dump \(ET_CORE\)/);
    const be = minimalElf();
    be[5] = 2;
    expect(problem(be)).toMatch(/big-endian/);
  });

  it('dynamically linked', () => {
    const b = new Uint8Array(0x80 + 56);
    b.set(minimalElf());
    const dv = new DataView(b.buffer);
    // Move the code and add a PT_INTERP as the second program header (overwrites bytes 0x78..).
    dv.setUint16(56, 2, true);
    dv.setUint32(120, PT_INTERP, true);
    dv.setBigUint64(128, 0n, true);
    dv.setBigUint64(152, 1n, true);
    expect(problem(b)).toBe('prog: dynamically linked programs are not supported; build with -static');
  });

  it('bad program headers', () => {
    const a = minimalElf();
    new DataView(a.buffer).setBigUint64(96, 0x80n, true);
    new DataView(a.buffer).setBigUint64(104, 0x40n, true); // filesz > memsz
    expect(problem(a)).toMatch(/p_filesz 0x80 > p_memsz 0x40/);
    const m = minimalElf();
    new DataView(m.buffer).setBigUint64(80, 0x401010n, true); // vaddr - offset not page aligned
    expect(problem(m)).toMatch(/misaligned/);
    const e = minimalElf();
    new DataView(e.buffer).setUint16(54, 32, true);
    expect(problem(e)).toMatch(/e_phentsize is 32/);
    const z = minimalElf();
    new DataView(z.buffer).setUint16(56, 0, true);
    expect(problem(z)).toMatch(/bad program headers: there are none/);
    const n = minimalElf();
    new DataView(n.buffer).setUint32(64, 4, true); // PT_NOTE only
    expect(problem(n)).toMatch(/no PT_LOAD segment/);
  });

  describe('files', () => {
    let dir: string;
    beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringjit-elf-')); });
    afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

    it('missing file, directory, permission denied', () => {
      const msg = (p: string) => { try { readElfFile(p); } catch (e) { return (e as LoadError).message; } return 'accepted'; };
      expect(msg(path.join(dir, 'nope'))).toBe(`${path.join(dir, 'nope')}: No such file or directory`);
      expect(msg(dir)).toBe(`${dir}: is a directory`);
      const f = path.join(dir, 'noexec');
      fs.writeFileSync(f, minimalElf(), { mode: 0o644 });
      if (process.getuid?.() !== 0) expect(msg(f)).toMatch(/permission denied/);
      fs.chmodSync(f, 0o755);
      expect(readElfFile(f).header.entry).toBe(0x401078);
    });
  });
});

describe('real static binary vs readelf', () => {
  let dir: string;
  let exe: string;
  let pie: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringjit-elf-'));
    fs.writeFileSync(path.join(dir, 'h.c'), 'int main(void){return 7;}\n');
    exe = path.join(dir, 'h');
    pie = path.join(dir, 'hp');
    execFileSync('gcc', ['-static', '-O1', '-o', exe, path.join(dir, 'h.c')]);
    execFileSync('gcc', ['-static-pie', '-O1', '-o', pie, path.join(dir, 'h.c')]);
  }, 60000);
  afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('header and program headers', () => {
    const e = readElfFile(exe);
    const h = execFileSync('readelf', ['-hlW', exe], { encoding: 'utf8' });
    expect(e.header.entry).toBe(parseInt(/Entry point address:\s+(0x[0-9a-f]+)/.exec(h)![1], 16));
    expect(e.header.phnum).toBe(parseInt(/Number of program headers:\s+(\d+)/.exec(h)![1], 10));
    const loads = [...h.matchAll(/^\s+LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)/gm)];
    const mine = e.phdrs.filter((p) => p.type === PT_LOAD);
    expect(mine.map((p) => [p.offset, p.vaddr, p.filesz, p.memsz])).toEqual(
      loads.map((m) => [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[4], 16), parseInt(m[5], 16)]));
    expect(readElfFile(pie).pie).toBe(true);
  });

  it('sections and symbols', () => {
    const e = readElfFile(exe);
    const secs = parseSections(e);
    const s = execFileSync('readelf', ['-SW', exe], { encoding: 'utf8' });
    const text = /\.text\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(s)!;
    const t = secs.find((x) => x.name === '.text')!;
    expect([t.addr, t.offset, t.size]).toEqual([parseInt(text[1], 16), parseInt(text[2], 16), parseInt(text[3], 16)]);
    const { sections, symbols } = codeSectionsAndSymbols(e);
    expect(sections.map((x) => x.name)).toContain('.text');
    expect(sections.every((x) => x.bytes.length === x.size)).toBe(true);
    const nm = execFileSync('nm', [exe], { encoding: 'utf8' });
    const mainAddr = parseInt(/^([0-9a-f]+) T main$/m.exec(nm)![1], 16);
    expect(symbols.find((x) => x.name === 'main')?.value).toBe(mainAddr);
  });
});
