// The address space: mmap/munmap/mprotect/mremap/madvise/brk. The oracle for VMA splitting and merging
// is the host kernel: a C program performs the same sequence inside a private reservation and prints
// its /proc/self/maps lines (clipped to the reservation, in pages relative to its start); ringjit's VMA
// list must print the same.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { syscallNumber } from '../src/kernel/syscall_names.js';
import { MMAP_BASE, TASK_SIZE, type AddressSpace } from '../src/kernel/mm.js';
import { GuestFault, Vec } from '../src/runtime/faults.js';
import { makeKernel, sys, anon, userString, type TestKernel } from './helpers/kernel.js';

const NR = (n: string) => syscallNumber(n);
const P = 4096;
const RW = 3, R = 1, NONE = 0;
const PRIV_ANON = 0x22, FIXED = 0x10, NOREPLACE = 0x100000;

const ORACLE_C = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
static char *base;
static const long P = 4096;
static void dump(const char *tag) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  unsigned long lo = (unsigned long)base, hi = lo + 16 * P;
  printf("%s:", tag);
  while (fgets(line, sizeof line, f)) {
    unsigned long s, e; char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3) continue;
    if (e <= lo || s >= hi) continue;
    if (s < lo) s = lo;
    if (e > hi) e = hi;
    printf(" %lx-%lx:%s", (s - lo) / P, (e - lo) / P, perms);
  }
  printf("\n");
  fclose(f);
}
static long r(long v) { return v == -1 ? -errno : 0; }
static long rp(void *v) { return v == MAP_FAILED ? -errno : (long)((char *)v - base) / P; }
int main(void) {
  base = mmap(NULL, 16 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  dump("reserve");
  printf("fixed %ld\n", rp(mmap(base, 8 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)));
  dump("fixed");
  printf("munmap %ld\n", r(munmap(base + P, P)));
  dump("munmap");
  printf("mprotect %ld\n", r(mprotect(base + 4 * P, 2 * P, PROT_READ)));
  dump("mprotect");
  printf("mprotect %ld\n", r(mprotect(base + 4 * P, 2 * P, PROT_READ | PROT_WRITE)));
  dump("mprotect-back");
  printf("shrink %ld\n", rp(mremap(base + 2 * P, 6 * P, 3 * P, 0)));
  dump("shrink");
  printf("grow %ld\n", rp(mremap(base + 2 * P, 3 * P, 4 * P, 0)));
  dump("grow");
  printf("grow-blocked %ld\n", rp(mremap(base + 2 * P, 4 * P, 7 * P, 0)));
  printf("mprotect-none %ld\n", r(mprotect(base + 10 * P, 2 * P, PROT_READ | PROT_WRITE)));
  dump("split-reservation");
  printf("noreplace %ld\n", rp(mmap(base + 10 * P, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)));
  printf("hole %ld\n", r(mprotect(base + 5 * P, 2 * P, PROT_READ)));
  printf("munmap0 %ld unaligned %ld\n", r(munmap(base + P, 0)), r(munmap(base + 1, P)));
  printf("fill %ld\n", rp(mmap(base + P, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)));
  dump("fill");
  printf("fixed-over %ld\n", rp(mmap(base + 3 * P, 9 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)));
  dump("fixed-over");
  printf("munmap-span %ld\n", r(munmap(base + 2 * P, 12 * P)));
  dump("munmap-span");
  base[0] = 'x';
  long m = r(madvise(base, P, MADV_DONTNEED));
  printf("madvise %ld now %d\n", m, *(volatile char *)base);
  return 0;
}
`;

/** The same sequence against a ringjit kernel, printing in the oracle's format. */
function ringjitSequence(t: TestKernel): string {
  const out: string[] = [];
  const mm: AddressSpace = t.k.mm;
  const base = sys(t, NR('mmap'), 0, 16 * P, NONE, PRIV_ANON, -1, 0) as number;
  const dump = (tag: string) => {
    let s = `${tag}:`;
    const lo = base, hi = base + 16 * P;
    for (const v of mm.vmas) {
      if (v.end <= lo || v.start >= hi) continue;
      const a = Math.max(v.start, lo), b = Math.min(v.end, hi);
      const perms = (v.prot & 1 ? 'r' : '-') + (v.prot & 2 ? 'w' : '-') + (v.prot & 4 ? 'x' : '-') + 'p';
      s += ` ${((a - lo) / P).toString(16)}-${((b - lo) / P).toString(16)}:${perms}`;
    }
    out.push(s);
  };
  const rp = (v: number | 'exit') => (typeof v === 'number' && v < 0 ? v : ((v as number) - base) / P);
  const r = (v: number | 'exit') => v as number;
  dump('reserve');
  out.push(`fixed ${rp(sys(t, NR('mmap'), base, 8 * P, RW, PRIV_ANON | FIXED, -1, 0))}`);
  dump('fixed');
  out.push(`munmap ${r(sys(t, NR('munmap'), base + P, P))}`);
  dump('munmap');
  out.push(`mprotect ${r(sys(t, NR('mprotect'), base + 4 * P, 2 * P, R))}`);
  dump('mprotect');
  out.push(`mprotect ${r(sys(t, NR('mprotect'), base + 4 * P, 2 * P, RW))}`);
  dump('mprotect-back');
  out.push(`shrink ${rp(sys(t, NR('mremap'), base + 2 * P, 6 * P, 3 * P, 0))}`);
  dump('shrink');
  out.push(`grow ${rp(sys(t, NR('mremap'), base + 2 * P, 3 * P, 4 * P, 0))}`);
  dump('grow');
  out.push(`grow-blocked ${rp(sys(t, NR('mremap'), base + 2 * P, 4 * P, 7 * P, 0))}`);
  out.push(`mprotect-none ${r(sys(t, NR('mprotect'), base + 10 * P, 2 * P, RW))}`);
  dump('split-reservation');
  out.push(`noreplace ${rp(sys(t, NR('mmap'), base + 10 * P, P, R, PRIV_ANON | NOREPLACE, -1, 0))}`);
  out.push(`hole ${r(sys(t, NR('mprotect'), base + 5 * P, 2 * P, R))}`);
  out.push(`munmap0 ${r(sys(t, NR('munmap'), base + P, 0))} unaligned ${r(sys(t, NR('munmap'), base + 1, P))}`);
  out.push(`fill ${rp(sys(t, NR('mmap'), base + P, P, RW, PRIV_ANON | FIXED, -1, 0))}`);
  dump('fill');
  out.push(`fixed-over ${rp(sys(t, NR('mmap'), base + 3 * P, 9 * P, R, PRIV_ANON | FIXED, -1, 0))}`);
  dump('fixed-over');
  out.push(`munmap-span ${r(sys(t, NR('munmap'), base + 2 * P, 12 * P))}`);
  dump('munmap-span');
  t.k.uaccess.copyToUser(base, new Uint8Array([0x78]));
  const m = r(sys(t, NR('madvise'), base, P, 4));
  out.push(`madvise ${m} now ${t.k.uaccess.copyFromUser(base, 1)![0]}`);
  return out.join('\n') + '\n';
}

describe('address space vs the host kernel', () => {
  let dir: string;
  let oracle: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringjit-mm-'));
    fs.writeFileSync(path.join(dir, 'o.c'), ORACLE_C);
    execFileSync('gcc', ['-O1', '-o', path.join(dir, 'o'), path.join(dir, 'o.c')]);
    oracle = execFileSync(path.join(dir, 'o'), { encoding: 'utf8' });
  }, 60000);
  afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('splits, merges and fails like Linux', () => {
    const t = makeKernel();
    expect(ringjitSequence(t)).toBe(oracle);
  });
});

describe('mmap placement and arguments', () => {
  it('allocates top-down below mmap_base, honours free hints, rejects bad arguments', () => {
    const t = makeKernel();
    const a = anon(t, 2);
    expect(a).toBe(MMAP_BASE - 2 * P);
    const b = anon(t, 1);
    expect(b).toBe(a - P);
    expect(sys(t, NR('mmap'), 0x10000000, P, RW, PRIV_ANON, -1, 0)).toBe(0x10000000);
    expect(sys(t, NR('mmap'), 0x10000000, P, RW, PRIV_ANON, -1, 0)).toBe(b - P); // hint taken: fall back
    expect(sys(t, NR('mmap'), 0x10000123, P, RW, PRIV_ANON, -1, 0)).toBe(0x10001000); // hint rounded up
    expect(sys(t, NR('mmap'), 0, 0, RW, PRIV_ANON, -1, 0)).toBe(-22);
    expect(sys(t, NR('mmap'), 0, P, RW, 0x20, -1, 0)).toBe(-22); // neither shared nor private
    expect(sys(t, NR('mmap'), 0x10001001, P, RW, PRIV_ANON | FIXED, -1, 0)).toBe(-22);
    expect(sys(t, NR('mmap'), 0x1000, P, RW, PRIV_ANON | FIXED, -1, 0)).toBe(-1); // below mmap_min_addr
    expect(sys(t, NR('mmap'), 0, P, RW, 0x02, 99, 0)).toBe(-9); // EBADF
    expect(sys(t, NR('mmap'), 0, P, RW, PRIV_ANON, -1, 123)).toBe(-22); // unaligned offset
    expect(sys(t, NR('mmap'), 0, TASK_SIZE, RW, PRIV_ANON, -1, 0)).toBe(-12);
    expect(sys(t, NR('mmap'), TASK_SIZE - P, 2 * P, RW, PRIV_ANON | FIXED, -1, 0)).toBe(-12);
    expect(sys(t, NR('mmap'), 0, P, RW, PRIV_ANON | 0x40, -1, 0)).toBeLessThan(0x80000000); // MAP_32BIT
  });

  it('pages are demand-allocated, zeroed, and freed by munmap', () => {
    const t = makeKernel();
    const mem = t.cpu.mem;
    const before = mem.framesInUse;
    const a = anon(t, 64);
    expect(mem.framesInUse - before).toBeLessThanOrEqual(0); // nothing allocated yet
    const u = t.k.uaccess;
    expect(u.getU64(a + 10 * P)).toBe(0);
    expect(u.putU64(a + 20 * P + 8, 0x1122334455)).toBe(true);
    expect(u.getU64(a + 20 * P + 8)).toBe(0x1122334455);
    const used = mem.framesInUse;
    expect(used - before).toBeGreaterThanOrEqual(2);
    expect(sys(t, NR('munmap'), a, 64 * P)).toBe(0);
    expect(mem.framesInUse).toBe(used - 2);
    expect(u.getU64(a + 20 * P)).toBeNull();
  });

  it('mprotect changes what user code may do; contents survive PROT_NONE', () => {
    const t = makeKernel();
    const { cpu, k } = t;
    const a = anon(t, 3);
    k.uaccess.putU32(a + P, 0xabcd);
    expect(sys(t, NR('mprotect'), a + P, P, R)).toBe(0);
    cpu.setCpl(3);
    const lo = (a + P) | 0, hi = Math.floor((a + P) / 2 ** 32);
    expect(cpu.mmu.rd32(lo, hi)).toBe(0xabcd);
    let f: GuestFault | undefined;
    try { cpu.mmu.wr32(lo, hi, 1); } catch (e) { f = e as GuestFault; }
    expect(f?.vector).toBe(Vec.PF);
    expect(k.uaccess.putU32(a + P, 1)).toBe(false); // EFAULT for copy_to_user too
    expect(sys(t, NR('mprotect'), a + P, P, NONE)).toBe(0);
    expect(k.uaccess.getU32(a + P)).toBeNull();
    expect(sys(t, NR('mprotect'), a + P, P, RW)).toBe(0);
    expect(k.uaccess.getU32(a + P)).toBe(0xabcd);
    expect(k.mm.vmas.filter((v) => v.start >= a && v.end <= a + 3 * P)).toHaveLength(1); // merged back
    expect(sys(t, NR('mprotect'), a + 1, P, R)).toBe(-22);
    expect(sys(t, NR('mprotect'), a, P, 8)).toBe(-22);
  });

  it('mremap moves pages when it must and may', () => {
    const t = makeKernel();
    const u = t.k.uaccess;
    const a = anon(t, 2);
    const blocker = anon(t, 1);
    expect(blocker).toBe(a - P);
    // a is just below mmap_base... put a mapping right after a so it cannot grow in place.
    expect(sys(t, NR('mmap'), a + 2 * P, P, RW, PRIV_ANON | FIXED, -1, 0)).toBe(a + 2 * P);
    u.putU64(a, 111); u.putU64(a + P, 222);
    expect(sys(t, NR('mremap'), a, 2 * P, 4 * P, 0)).toBe(-12);
    const b = sys(t, NR('mremap'), a, 2 * P, 4 * P, 1) as number;
    expect(b).not.toBe(a);
    expect(u.getU64(b)).toBe(111);
    expect(u.getU64(b + P)).toBe(222);
    expect(u.getU64(b + 3 * P)).toBe(0);
    expect(u.getU64(a)).toBeNull();
    // MREMAP_FIXED
    const c = 0x20000000;
    expect(sys(t, NR('mremap'), b, 4 * P, 2 * P, 3, c)).toBe(c);
    expect(u.getU64(c + P)).toBe(222);
    expect(u.getU64(b)).toBeNull();
    expect(sys(t, NR('mremap'), c, 2 * P, 2 * P, 2, 0x30000000)).toBe(-22); // FIXED without MAYMOVE
    expect(sys(t, NR('mremap'), 0x40000000, P, 2 * P, 1)).toBe(-14); // nothing mapped there
  });

  it('brk grows and shrinks the heap after the program', () => {
    const t = makeKernel();
    const mm = t.k.mm;
    mm.startBrk = mm.brk = 0x4c9000;
    expect(sys(t, NR('brk'), 0)).toBe(0x4c9000);
    expect(sys(t, NR('brk'), 0x4c9000 + 0x21010)).toBe(0x4ea010);
    expect(t.k.uaccess.putU32(0x4ea00c, 5)).toBe(true);
    expect(t.k.uaccess.putU32(0x4eb000, 5)).toBe(false);
    expect(mm.find(0x4c9000)?.name).toBe('[heap]');
    expect(sys(t, NR('brk'), 0x4ca000)).toBe(0x4ca000);
    expect(t.k.uaccess.getU32(0x4ca000)).toBeNull();
    expect(sys(t, NR('brk'), 0x100000)).toBe(0x4ca000); // below the start: unchanged
    // Growing into an existing mapping fails and leaves brk alone.
    expect(sys(t, NR('mmap'), 0x500000, P, RW, PRIV_ANON | FIXED, -1, 0)).toBe(0x500000);
    expect(sys(t, NR('brk'), 0x600000)).toBe(0x4ca000);
  });

  it('maps files privately, zero-filling past EOF, and invalidates through onCodeUnmap', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringjit-mm-'));
    try {
      const file = path.join(dir, 'data.bin');
      const bytes = new Uint8Array(P + 100).map((_, i) => (i * 7) & 0xff);
      fs.writeFileSync(file, bytes);
      const t = makeKernel();
      const p = userString(t, file);
      const fd = sys(t, NR('openat'), -100, p, 0) as number;
      expect(fd).toBeGreaterThanOrEqual(0);
      const a = sys(t, NR('mmap'), 0, 3 * P, R | 4, 0x02, fd, 0) as number;
      expect(a).toBeGreaterThan(0);
      const got = t.k.uaccess.copyFromUser(a, 3 * P)!;
      expect(Array.from(got.subarray(0, P + 100))).toEqual(Array.from(bytes));
      expect(got.subarray(P + 100).every((x) => x === 0)).toBe(true);
      const off = sys(t, NR('mmap'), 0, P, R, 0x02, fd, P) as number;
      expect(t.k.uaccess.copyFromUser(off, 4)).toEqual(bytes.subarray(P, P + 4));
      expect(t.k.mm.formatMaps()).toContain(file);
      const calls: [number, number][] = [];
      t.k.onCodeUnmap = (s, l) => calls.push([s, l]);
      expect(sys(t, NR('mprotect'), a, P, R)).toBe(0);
      expect(sys(t, NR('munmap'), a, 3 * P)).toBe(0);
      expect(calls).toEqual([[a, P], [a + P, 2 * P]]);
      // Writes into a private mapping of a read-only fd are allowed, MAP_SHARED|PROT_WRITE is not.
      expect(sys(t, NR('mmap'), 0, P, RW, 0x02, fd, 0)).toBeGreaterThan(0);
      expect(sys(t, NR('mmap'), 0, P, RW, 0x01, fd, 0)).toBe(-13);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('madvise(MADV_DONTNEED) zeroes anonymous pages and frees them', () => {
    const t = makeKernel();
    const a = anon(t, 4);
    t.k.uaccess.putU32(a + 2 * P, 9);
    const used = t.cpu.mem.framesInUse;
    expect(sys(t, NR('madvise'), a, 4 * P, 4)).toBe(0);
    expect(t.cpu.mem.framesInUse).toBe(used - 1);
    expect(t.k.uaccess.getU32(a + 2 * P)).toBe(0);
    expect(sys(t, NR('madvise'), a, P, 3)).toBe(0); // WILLNEED: fine
    expect(sys(t, NR('madvise'), a, P, 999)).toBe(-22);
    expect(sys(t, NR('madvise'), 0x60000000, P, 4)).toBe(-12);
  });
});

describe('uaccess', () => {
  it('never throws, faults kernel pointers, pages in on demand, crosses pages', () => {
    const t = makeKernel();
    const u = t.k.uaccess;
    const a = anon(t, 2);
    expect(u.copyFromUser(-4096, 8)).toBeNull();
    expect(u.copyFromUser(0xffffffff81000000 - 2 ** 64, 8)).toBeNull();
    expect(u.copyToUser(0, new Uint8Array(1))).toBe(false);
    expect(u.putU64(a + P - 4, 0x123456789)).toBe(true);
    expect(u.getU64(a + P - 4)).toBe(0x123456789);
    expect(u.getU32(a + P - 2)).toBe(0x00012345);
    u.copyToUser(a + P - 3, new TextEncoder().encode('hello\0'));
    expect(u.strncpyFromUser(a + P - 3, 100)).toBe('hello');
    expect(u.strncpyFromUser(a + P - 3, 5)).toBe(36); // ENAMETOOLONG
    u.copyToUser(a + 2 * P - 1, new Uint8Array([0x7a]));
    expect(u.strncpyFromUser(a + 2 * P - 1, 100)).toBeNull(); // runs into unmapped memory
    // argv-style arrays
    const s1 = userString(t, 'one'), s2 = userString(t, 'two');
    u.putU64(a, s1); u.putU64(a + 8, s2); u.putU64(a + 16, 0);
    expect(u.readStringArray(a, 10, 100)).toEqual(['one', 'two']);
    expect(u.readStringArray(a, 1, 100)).toBeNull();
    // A failed copy_to_user across into an unmapped page writes nothing.
    const b = anon(t, 2);
    expect(sys(t, NR('munmap'), b + P, P)).toBe(0);
    expect(u.copyToUser(b + P - 2, new Uint8Array([1, 2, 3, 4]))).toBe(false);
    expect(u.getU32(b + P - 4)).toBe(0);
  });
});
