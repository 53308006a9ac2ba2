// The loader and the initial stack. Oracles: readelf for the program headers, and the host kernel
// itself: a static program run with ASLR off (setarch -R) prints where Linux put its argv/envp strings,
// AT_RANDOM and AT_PLATFORM, and its initial RSP; ringjit must put the strings at the same addresses and
// follow the same RSP formula (the host has more auxv entries: vDSO, AT_MINSIGSTKSZ, rseq).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STACK_TOP, ELF_ET_DYN_BASE, PROT_EXEC, PROT_WRITE, PROT_READ } from '../src/kernel/mm.js';
import {
  AT_ENTRY, AT_EXECFN, AT_HWCAP, AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PLATFORM, AT_RANDOM, AT_UID, AT_EGID,
  AT_NULL, AT_CLKTCK, AT_SECURE, AT_BASE, AT_HWCAP2,
} from '../src/kernel/loader.js';
import { LoadError } from '../src/kernel/elf.js';
import { makeKernel, type TestKernel } from './helpers/kernel.js';

const PROBE_C = String.raw`
#include <stdio.h>
#include <elf.h>
int main(int argc, char **argv, char **envp) {
  printf("sp %#lx\n", (unsigned long)(argv - 1));
  for (int i = 0; i < argc; i++) printf("argv %#lx\n", (unsigned long)argv[i]);
  char **e = envp;
  for (; *e; e++) printf("envp %#lx\n", (unsigned long)*e);
  int n = 0;
  for (Elf64_auxv_t *a = (Elf64_auxv_t *)(e + 1); ; a++) {
    n++;
    if (a->a_type == AT_NULL) break;
    printf("aux %lu %#lx\n", a->a_type, a->a_un.a_val);
  }
  printf("auxpairs %d\n", n);
  return 0;
}
`;

let dir: string;
let exe: string;
let pie: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringjit-ld-'));
  fs.writeFileSync(path.join(dir, 'p.c'), PROBE_C);
  exe = path.join(dir, 'probe');
  pie = path.join(dir, 'probe-pie');
  execFileSync('gcc', ['-static', '-O1', '-o', exe, path.join(dir, 'p.c')]);
  execFileSync('gcc', ['-static-pie', '-O1', '-o', pie, path.join(dir, 'p.c')]);
}, 60000);
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

const ARGV_TAIL = ['a', 'b c', ''];
const ENVP = ['X=1', 'LONGER_VARIABLE=some value here', 'E='];

function load(file: string, seed = 42): TestKernel {
  const t = makeKernel({ argv: [file, ...ARGV_TAIL], envp: ENVP, randomSeed: seed, hwcap: 0x178bfbff, hwcap2: 2 });
  t.k.load(file);
  return t;
}

/** Read argc, argv, envp and auxv back from the guest stack through uaccess. */
function readStack(t: TestKernel) {
  const u = t.k.uaccess;
  const sp = t.cpu.reg(4);
  const argc = u.getU64(sp)!;
  const argvPtrs: number[] = [];
  for (let i = 0; i < argc; i++) argvPtrs.push(u.getU64(sp + 8 + 8 * i)!);
  expect(u.getU64(sp + 8 + 8 * argc)).toBe(0);
  let q = sp + 16 + 8 * argc;
  const envPtrs: number[] = [];
  for (let p = u.getU64(q)!; p !== 0; q += 8, p = u.getU64(q)!) envPtrs.push(p);
  q += 8;
  const auxv = new Map<number, number>();
  const order: number[] = [];
  for (;;) {
    const type = u.getU64(q)!, val = u.getU64(q + 8)!;
    q += 16;
    order.push(type);
    if (type === AT_NULL) break;
    auxv.set(type, val);
  }
  const str = (p: number) => u.strncpyFromUser(p, 4096) as string;
  return { sp, argc, argvPtrs, envPtrs, auxv, order, argv: argvPtrs.map(str), envp: envPtrs.map(str), str };
}

describe('initial stack', () => {
  it('argc/argv/envp/auxv as Linux lays them out, checked against readelf', () => {
    const t = load(exe);
    const s = readStack(t);
    expect(s.sp % 16).toBe(0);
    expect(s.argc).toBe(4);
    expect(s.argv).toEqual([exe, ...ARGV_TAIL]);
    expect(s.envp).toEqual(ENVP);
    const h = execFileSync('readelf', ['-hlW', exe], { encoding: 'utf8' });
    const entry = parseInt(/Entry point address:\s+(0x[0-9a-f]+)/.exec(h)![1], 16);
    const phoff = parseInt(/Start of program headers:\s+(\d+)/.exec(h)![1], 10);
    const phnum = parseInt(/Number of program headers:\s+(\d+)/.exec(h)![1], 10);
    const firstLoad = /^\s+LOAD\s+0x0+\s+(0x[0-9a-f]+)/m.exec(h)!;
    expect(s.auxv.get(AT_ENTRY)).toBe(entry);
    expect(s.auxv.get(AT_PHDR)).toBe(parseInt(firstLoad[1], 16) + phoff);
    expect(s.auxv.get(AT_PHNUM)).toBe(phnum);
    expect(s.auxv.get(AT_PHENT)).toBe(56);
    expect(s.auxv.get(AT_PAGESZ)).toBe(4096);
    expect(s.auxv.get(AT_CLKTCK)).toBe(100);
    expect(s.auxv.get(AT_HWCAP)).toBe(0x178bfbff);
    expect(s.auxv.get(AT_HWCAP2)).toBe(2);
    expect(s.auxv.get(AT_BASE)).toBe(0);
    expect(s.auxv.get(AT_SECURE)).toBe(0);
    expect(s.auxv.get(AT_UID)).toBe(process.getuid!());
    expect(s.auxv.get(AT_EGID)).toBe(process.getegid!());
    expect(s.str(s.auxv.get(AT_EXECFN)!)).toBe(exe);
    expect(s.str(s.auxv.get(AT_PLATFORM)!)).toBe('x86_64');
    // Linux's order (create_elf_tables), minus the vDSO / MINSIGSTKSZ / rseq entries.
    expect(s.order).toEqual([16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15, 0]);
    // AT_RANDOM: 16 bytes on the stack, repeatable from the seed, different for another seed.
    const rnd = t.k.uaccess.copyFromUser(s.auxv.get(AT_RANDOM)!, 16)!;
    expect(rnd.some((b) => b !== 0)).toBe(true);
    expect(load(exe).k.uaccess.copyFromUser(s.auxv.get(AT_RANDOM)!, 16)).toEqual(rnd);
    expect(load(exe, 7).k.uaccess.copyFromUser(s.auxv.get(AT_RANDOM)!, 16)).not.toEqual(rnd);
    // The top of the stack: 8 zero bytes, and the execfn string just below.
    expect(t.k.uaccess.getU64(STACK_TOP - 8)).toBe(0);
    expect(s.auxv.get(AT_EXECFN)).toBe(STACK_TOP - 8 - (exe.length + 1));
  });

  it('registers at entry', () => {
    const t = load(exe);
    const { cpu } = t;
    expect(cpu.rip).toBe(t.k.loadInfo!.entry);
    expect(cpu.cpl).toBe(3);
    expect(cpu.cs).toBe(0x33);
    expect(cpu.ss).toBe(0x2b);
    for (let r = 0; r < 16; r++) if (r !== 4) expect(cpu.reg(r)).toBe(0);
    expect(cpu.getEflags()).toBe(0x202);
    expect(cpu.fsBase).toBe(0);
  });

  it('matches where the host kernel puts the strings (setarch -R oracle)', () => {
    let host: string;
    try {
      host = execFileSync('setarch', ['-R', exe, ...ARGV_TAIL], { encoding: 'utf8', env: Object.fromEntries(ENVP.map((e) => e.split(/=(.*)/s).slice(0, 2))) });
    } catch {
      if (process.env.RINGJIT_REQUIRE_SETARCH) throw new Error("setarch failed"); return; // no setarch / personality not allowed here: the other tests still check the layout
    }
    const lines = host.trim().split('\n');
    const hostArgv = lines.filter((l) => l.startsWith('argv ')).map((l) => parseInt(l.split(' ')[1], 16));
    const hostEnvp = lines.filter((l) => l.startsWith('envp ')).map((l) => parseInt(l.split(' ')[1], 16));
    const hostAux = new Map(lines.filter((l) => l.startsWith('aux ')).map((l) => { const [, t, v] = l.split(' '); return [Number(t), parseInt(v, 16)]; }));
    const hostSp = parseInt(lines[0].split(' ')[1], 16);
    const hostPairs = Number(lines.find((l) => l.startsWith('auxpairs'))!.split(' ')[1]);
    const t = load(exe);
    const s = readStack(t);
    expect(s.argvPtrs).toEqual(hostArgv);
    expect(s.envPtrs).toEqual(hostEnvp);
    expect(s.auxv.get(AT_EXECFN)).toBe(hostAux.get(AT_EXECFN));
    expect(s.auxv.get(AT_PLATFORM)).toBe(hostAux.get(AT_PLATFORM));
    expect(s.auxv.get(AT_RANDOM)).toBe(hostAux.get(AT_RANDOM));
    expect(s.auxv.get(AT_PHDR)).toBe(hostAux.get(AT_PHDR));
    // Linux: sp = round_down(random - pairs*16 - (argc+1 + envc+1 + 1)*8, 16). Check the formula
    // against the host's RSP, then ringjit's RSP against the formula with its own auxv size.
    const items = (s.argc + 1) + (ENVP.length + 1) + 1;
    const formula = (pairs: number) => Math.floor((hostAux.get(AT_RANDOM)! - pairs * 16 - items * 8) / 16) * 16;
    expect(formula(hostPairs)).toBe(hostSp);
    expect(s.sp).toBe(formula(s.order.length));
  });
});

describe('segments, brk, static-pie', () => {
  it('maps PT_LOAD segments with their protections and puts brk after the last one', () => {
    const t = load(exe);
    const h = execFileSync('readelf', ['-lW', exe], { encoding: 'utf8' });
    const loads = [...h.matchAll(/^\s+LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+([RWE ]+?)\s+0x/gm)];
    let end = 0;
    for (const m of loads) {
      const vaddr = parseInt(m[2], 16), memsz = parseInt(m[5], 16), flags = m[6];
      const prot = (flags.includes('R') ? PROT_READ : 0) | (flags.includes('W') ? PROT_WRITE : 0) | (flags.includes('E') ? PROT_EXEC : 0);
      for (const a of [vaddr, vaddr + memsz - 1]) expect(t.k.mm.find(a)?.prot).toBe(prot);
      end = Math.max(end, vaddr + memsz);
    }
    expect(t.k.mm.brk).toBe(Math.ceil(end / 4096) * 4096);
    expect(t.k.mm.startBrk).toBe(t.k.mm.brk);
    // File bytes are where the segment says; bss is zero.
    const bytes = fs.readFileSync(exe);
    const text = loads.find((m) => m[6].includes('E'))!;
    const tv = parseInt(text[2], 16), to = parseInt(text[1], 16);
    expect(t.k.uaccess.copyFromUser(tv, 64)).toEqual(new Uint8Array(bytes.subarray(to, to + 64)));
    const stack = t.k.mm.find(STACK_TOP - 1)!;
    expect(stack.name).toBe('[stack]');
    expect(stack.end - stack.start).toBe(8 << 20);
    expect(stack.prot).toBe(PROT_READ | PROT_WRITE);
  });

  it('loads a static-pie at ELF_ET_DYN_BASE', () => {
    const t = load(pie);
    const h = execFileSync('readelf', ['-hW', pie], { encoding: 'utf8' });
    const entry = parseInt(/Entry point address:\s+(0x[0-9a-f]+)/.exec(h)![1], 16);
    expect(t.cpu.rip).toBe(ELF_ET_DYN_BASE + entry);
    const s = readStack(t);
    expect(s.auxv.get(AT_ENTRY)).toBe(ELF_ET_DYN_BASE + entry);
    expect(s.auxv.get(AT_PHDR)).toBe(ELF_ET_DYN_BASE + 64);
    expect(t.k.uaccess.copyFromUser(ELF_ET_DYN_BASE, 4)).toEqual(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]));
  });

  it('rejects an argument list that is too long', () => {
    const t = makeKernel({ argv: ['x', 'y'.repeat(3 << 20)] });
    expect(() => t.k.load(exe)).toThrow(LoadError);
    expect(() => t.k.load(exe)).toThrow(/argument list too long/);
  });
});
