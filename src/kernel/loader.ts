// The ELF loader (fs/binfmt_elf.c load_elf_binary for a static program) and the initial process stack
// (fs/exec.c copy_strings + create_elf_tables), laid out exactly as Linux does without ASLR:
//
//   STACK_TOP 0x7ffffffff000
//     8 bytes of zero                          (bprm->p starts one pointer below the top)
//     execfn string ("./prog\0")              (AT_EXECFN points here)
//     envp strings, envp[0] lowest
//     argv strings, argv[0] lowest            (mm->arg_start)
//     -- aligned down to 16 --
//     "x86_64\0"                               (AT_PLATFORM)
//     16 random bytes                          (AT_RANDOM)
//     padding so that the final RSP is 16-byte aligned
//     auxv pairs ... AT_NULL
//     NULL, envp[envc-1] ... envp[0]           (pointers, ascending addresses from envp[0])
//     NULL, argv pointers
//   RSP -> argc
//
// ET_EXEC segments go at their p_vaddr. A static-pie (ET_DYN without PT_INTERP) is loaded with
// load_bias = ELF_ET_DYN_BASE (0x555555554000) minus its first page, where Linux puts a PIE that has
// an interpreter. (Linux 5.18+ places an interpreter-less ET_DYN at mmap_base instead, and moves its brk
// to ELF_ET_DYN_BASE; ringjit keeps the classic PIE layout so the program and its heap sit where
// gdb users expect them. Either way nothing in the ABI depends on the address.)

import type { Cpu } from '../runtime/cpu.js';
import { Sel } from '../runtime/privileged.js';
import { hostRandomFill } from './host.js';
import { type ElfFile, LoadError, PF_R, PF_W, PF_X, PT_LOAD, PT_PHDR } from './elf.js';
import {
  type AddressSpace, ELF_ET_DYN_BASE, type FileBacking, MAP_ANONYMOUS, MAP_FIXED, MAP_GROWSDOWN, MAP_PRIVATE,
  PROT_EXEC, PROT_READ, PROT_WRITE, STACK_RLIMIT, STACK_TOP, pageAlignDown, pageAlignUp,
} from './mm.js';
import type { UserAccess } from './types.js';

export const AT_NULL = 0, AT_IGNORE = 1, AT_EXECFD = 2, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6;
export const AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_NOTELF = 10, AT_UID = 11, AT_EUID = 12, AT_GID = 13;
export const AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_BASE_PLATFORM = 24;
export const AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51;

export const AUXV_NAMES: Record<number, string> = {
  0: 'AT_NULL', 3: 'AT_PHDR', 4: 'AT_PHENT', 5: 'AT_PHNUM', 6: 'AT_PAGESZ', 7: 'AT_BASE', 8: 'AT_FLAGS', 9: 'AT_ENTRY',
  11: 'AT_UID', 12: 'AT_EUID', 13: 'AT_GID', 14: 'AT_EGID', 15: 'AT_PLATFORM', 16: 'AT_HWCAP', 17: 'AT_CLKTCK',
  23: 'AT_SECURE', 25: 'AT_RANDOM', 26: 'AT_HWCAP2', 31: 'AT_EXECFN', 33: 'AT_SYSINFO_EHDR', 51: 'AT_MINSIGSTKSZ',
};

/** Linux caps argv+envp at a quarter of the stack rlimit (fs/exec.c get_arg_page). */
export const ARG_MAX = STACK_RLIMIT / 4;

export interface LoadParams {
  /** The execve filename string (AT_EXECFN). */
  execFn: string;
  /** Guest path of the program, the name shown in /proc/self/maps. */
  exePath: string;
  argv: string[];
  envp: string[];
  hwcap: number;
  hwcap2: number;
  randomSeed?: number;
  uid: number; euid: number; gid: number; egid: number;
}

export interface LoadInfo {
  entry: number;
  loadBias: number;
  phdrAddr: number;
  phnum: number;
  /** Lowest and highest+1 addresses of the PT_LOAD segments (after the bias). */
  startCode: number;
  endData: number;
  brk: number;
  /** Initial RSP (points at argc). */
  sp: number;
  argStart: number; argEnd: number; envStart: number; envEnd: number;
  execFnAddr: number;
  randomAddr: number;
  /** The auxiliary vector as written (type, value) pairs, ending with AT_NULL. */
  auxv: Array<[number, number]>;
}

function protOf(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

/** 16 AT_RANDOM bytes: from the seed (mulberry32 stream) when given, else the host CSPRNG. */
export function atRandomBytes(seed?: number): Uint8Array {
  const out = new Uint8Array(16);
  if (seed === undefined) { hostRandomFill(out); return out; }
  let s = (seed >>> 0) ^ 0x9e3779b9;
  for (let i = 0; i < 16; i += 4) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const v = (t ^ (t >>> 14)) >>> 0;
    out[i] = v; out[i + 1] = v >>> 8; out[i + 2] = v >>> 16; out[i + 3] = v >>> 24;
  }
  return out;
}

/** Map the PT_LOAD segments and the stack, build the initial stack, and set the registers. */
export function loadElf(elf: ElfFile, mm: AddressSpace, cpu: Cpu, uaccess: UserAccess, p: LoadParams): LoadInfo {
  const fail = (problem: string): never => { throw new LoadError(elf.path, problem); };
  const loads = elf.phdrs.filter((ph) => ph.type === PT_LOAD);
  const loadBias = elf.pie ? ELF_ET_DYN_BASE - pageAlignDown(loads[0].vaddr) : 0;
  const backing: FileBacking = { data: elf.bytes, path: p.exePath };

  let startCode = Infinity, endData = 0;
  for (const ph of loads) {
    const prot = protOf(ph.flags);
    const vaddr = ph.vaddr + loadBias;
    const start = pageAlignDown(vaddr);
    const fileEndVa = vaddr + ph.filesz;
    const memEndVa = vaddr + ph.memsz;
    startCode = Math.min(startCode, start);
    endData = Math.max(endData, memEndVa);
    let anonStart = start;
    if (ph.filesz > 0) {
      // Bytes after p_filesz in the last file page read as zero only when the segment has a bss part
      // (padzero); otherwise Linux maps whole file pages.
      const fileEnd = ph.memsz > ph.filesz ? ph.offset + ph.filesz : Infinity;
      const r = mm.mmap(start, pageAlignUp(fileEndVa) - start, prot, MAP_PRIVATE | MAP_FIXED, backing,
        pageAlignDown(ph.offset), fileEnd, p.exePath);
      if (r < 0) fail(`cannot map segment at 0x${vaddr.toString(16)} (errno ${-r}${vaddr < 0x10000 ? ': below mmap_min_addr 0x10000' : ''})`);
      anonStart = pageAlignUp(fileEndVa);
    }
    const anonEnd = pageAlignUp(memEndVa);
    if (anonEnd > anonStart) {
      const r = mm.mmap(anonStart, anonEnd - anonStart, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, null);
      if (r < 0) fail(`cannot map bss at 0x${anonStart.toString(16)} (errno ${-r})`);
    }
  }
  const brk = pageAlignUp(endData);
  mm.startBrk = mm.brk = brk;

  // AT_PHDR: the PT_PHDR address, else the load segment that contains the program headers.
  const h = elf.header;
  let phdrAddr = 0;
  const ptPhdr = elf.phdrs.find((ph) => ph.type === PT_PHDR);
  const holder = loads.find((ph) => ph.offset <= h.phoff && h.phoff < ph.offset + ph.filesz);
  if (holder) phdrAddr = h.phoff - holder.offset + holder.vaddr + loadBias;
  else if (ptPhdr) phdrAddr = ptPhdr.vaddr + loadBias;
  else phdrAddr = loads[0].vaddr - loads[0].offset + h.phoff + loadBias;

  // The stack: 8 MiB (RLIMIT_STACK) below STACK_TOP, executable only if PT_GNU_STACK asks for it.
  const stackProt = PROT_READ | PROT_WRITE | (elf.stackFlags & PF_X ? PROT_EXEC : 0);
  const sr = mm.mmap(STACK_TOP - STACK_RLIMIT, STACK_RLIMIT, stackProt,
    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, null, 0, Infinity, '[stack]');
  if (sr < 0) fail(`cannot map the stack (errno ${-sr})`);

  // Strings, as copy_strings places them.
  const enc = new TextEncoder();
  const cstr = (s: string) => { const b = enc.encode(s); const o = new Uint8Array(b.length + 1); o.set(b); return o; };
  const argvB = p.argv.map(cstr), envpB = p.envp.map(cstr), execB = cstr(p.execFn);
  const total = argvB.reduce((n, b) => n + b.length, 0) + envpB.reduce((n, b) => n + b.length, 0) + execB.length;
  if (total > ARG_MAX) fail(`argument list too long (${total} bytes of arguments and environment; the limit is ${ARG_MAX})`);
  let sp = STACK_TOP - 8;
  const put = (addr: number, b: Uint8Array) => { if (!uaccess.copyToUser(addr, b)) fail('internal error: cannot write the initial stack'); };
  sp -= execB.length; const execFnAddr = sp; put(sp, execB);
  const envEnd = sp;
  const envAddrs: number[] = [];
  let at = sp - envpB.reduce((n, b) => n + b.length, 0);
  const envStart = at;
  for (const b of envpB) { envAddrs.push(at); put(at, b); at += b.length; }
  sp = envStart;
  const argEnd = sp;
  const argAddrs: number[] = [];
  at = sp - argvB.reduce((n, b) => n + b.length, 0);
  const argStart = at;
  for (const b of argvB) { argAddrs.push(at); put(at, b); at += b.length; }
  sp = argStart;

  // create_elf_tables.
  sp = Math.floor(sp / 16) * 16;
  const platform = cstr('x86_64');
  sp -= platform.length; const platformAddr = sp; put(sp, platform);
  sp -= 16; const randomAddr = sp; put(sp, atRandomBytes(p.randomSeed));

  const auxv: Array<[number, number]> = [
    [AT_HWCAP, p.hwcap >>> 0],
    [AT_PAGESZ, 4096],
    [AT_CLKTCK, 100],
    [AT_PHDR, phdrAddr],
    [AT_PHENT, 56],
    [AT_PHNUM, h.phnum],
    [AT_BASE, 0],
    [AT_FLAGS, 0],
    [AT_ENTRY, h.entry + loadBias],
    [AT_UID, p.uid], [AT_EUID, p.euid], [AT_GID, p.gid], [AT_EGID, p.egid],
    [AT_SECURE, 0],
    [AT_RANDOM, randomAddr],
    [AT_HWCAP2, p.hwcap2 >>> 0],
    [AT_EXECFN, execFnAddr],
    [AT_PLATFORM, platformAddr],
    [AT_NULL, 0],
  ];
  const items = (p.argv.length + 1) + (p.envp.length + 1) + 1;
  sp -= auxv.length * 16;
  sp = Math.floor((sp - items * 8) / 16) * 16;

  const words: number[] = [p.argv.length, ...argAddrs, 0, ...envAddrs, 0];
  for (const [t, v] of auxv) words.push(t, v);
  const img = new Uint8Array(words.length * 8);
  const dv = new DataView(img.buffer);
  words.forEach((w, i) => { dv.setUint32(i * 8, w % 4294967296, true); dv.setUint32(i * 8 + 4, Math.floor(w / 4294967296), true); });
  put(sp, img);

  // start_thread: every GPR zero (RDX = 0: no rtld_fini), RSP at argc, RIP at the entry point.
  cpu.regs.fill(0);
  cpu.setReg(4, sp);
  cpu.rip = h.entry + loadBias;
  cpu.setEflags(0x202);
  cpu.cs = Sel.USER_CS; cpu.ss = Sel.USER_DS; cpu.ds = 0; cpu.es = 0; cpu.fs = 0; cpu.gs = 0;
  cpu.fsBase = 0; cpu.gsBase = 0;
  cpu.mxcsr = 0x1f80; cpu.fpuCw = 0x37f;
  cpu.setCpl(3);

  return {
    entry: h.entry + loadBias, loadBias, phdrAddr, phnum: h.phnum, startCode, endData, brk, sp,
    argStart, argEnd, envStart, envEnd, execFnAddr, randomAddr, auxv,
  };
}
