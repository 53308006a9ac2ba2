// The fs and info syscall handlers, called directly with fake arguments over a fake user memory.
// Oracles: a C program compiled here with gcc prints the layouts (offsetof/sizeof) of the structures
// and the values the host kernel returns (stat/lstat/statx of files, raw getdents64, uname, ABI
// constants from the system headers); our handlers' bytes are decoded at the C offsets and must match.

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SyscallArgs, UserAccess } from '../src/kernel/types.js';
import { Vfs, AT_FDCWD, HOST_UMASK } from '../src/kernel/vfs.js';
import * as FD from '../src/kernel/file.js';
import { FdTable } from '../src/kernel/fd.js';
import { fsSyscalls } from '../src/kernel/syscalls/fs.js';
import type { KernelLike } from '../src/kernel/syscalls/kernel_like.js';
import { infoSyscalls } from '../src/kernel/syscalls/info.js';

const errno = os.constants.errno as Record<string, number>;
const neg = (name: string): number => -errno[name];

// ---- fake user memory ---------------------------------------------------------------------------

const BASE = 0x10000;
const SIZE = 1 << 22;

class FakeMem implements UserAccess {
  readonly bytes = new Uint8Array(SIZE);
  private brk = BASE + 0x1000;
  ok(addr: number, len: number): boolean { return addr >= BASE && len >= 0 && addr + len <= BASE + SIZE; }
  alloc(len: number): number { const a = this.brk; this.brk += (len + 15) & ~15; return a; }
  str(s: string): number {
    const b = new TextEncoder().encode(s + '\0');
    const a = this.alloc(b.length);
    this.bytes.set(b, a - BASE);
    return a;
  }
  put(data: Uint8Array): number { const a = this.alloc(data.length); this.bytes.set(data, a - BASE); return a; }
  view(addr: number, len: number): DataView { return new DataView(this.bytes.buffer, addr - BASE, len); }
  get(addr: number, len: number): Uint8Array { return this.bytes.slice(addr - BASE, addr - BASE + len); }
  copyFromUser(addr: number, len: number): Uint8Array | null { return this.ok(addr, len) ? this.get(addr, len) : null; }
  copyToUser(addr: number, data: Uint8Array): boolean {
    if (!this.ok(addr, data.length)) return false;
    this.bytes.set(data, addr - BASE);
    return true;
  }
  strncpyFromUser(addr: number, max: number): string | null | number {
    for (let i = 0; i < max; i++) {
      if (!this.ok(addr + i, 1)) return null;
      if (this.bytes[addr + i - BASE] === 0) return new TextDecoder().decode(this.get(addr, i));
    }
    return 36; // ENAMETOOLONG
  }
  putU32(addr: number, v: number): boolean { if (!this.ok(addr, 4)) return false; this.view(addr, 4).setUint32(0, v >>> 0, true); return true; }
  putU64(addr: number, v: number): boolean { if (!this.ok(addr, 8)) return false; this.view(addr, 8).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true); return true; }
  getU32(addr: number): number | null { return this.ok(addr, 4) ? this.view(addr, 4).getUint32(0, true) : null; }
  getU64(addr: number): number | null { return this.ok(addr, 8) ? Number(this.view(addr, 8).getBigUint64(0, true)) : null; }
  readStringArray(): string[] | null { return null; }
}

function args(...v: Array<number | bigint>): SyscallArgs {
  const big = (n: number): bigint => BigInt.asUintN(64, BigInt(v[n] ?? 0));
  return {
    i32: (n) => Number(BigInt.asIntN(32, big(n))),
    u32: (n) => Number(BigInt.asUintN(32, big(n))),
    i64: (n) => Number(BigInt.asIntN(64, big(n))),
    u64: (n) => Number(big(n)),
    lo: (n) => Number(BigInt.asIntN(32, big(n))),
    hi: (n) => Number(BigInt.asIntN(32, big(n) >> 32n)),
  };
}

interface Fake extends KernelLike { uaccess: FakeMem }

function makeKernel(root = '/', opts: KernelLike['opts'] = {}): Fake {
  return { uaccess: new FakeMem(), files: new FdTable(), vfs: new Vfs(root), exePath: '/bin/true', opts };
}

function sys(k: Fake, name: string, ...a: Array<number | bigint>): number {
  const h = fsSyscalls[name] ?? infoSyscalls[name];
  if (!h) throw new Error(`no handler ${name}`);
  return h(k, args(...a));
}

// ---- the C oracle -------------------------------------------------------------------------------

const ORACLE_C = String.raw`
#define _GNU_SOURCE
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <dirent.h>
#include <time.h>
#include <sys/time.h>

#define OFF(T, f) printf("off %s.%s %zu %zu\n", #T, #f, offsetof(struct T, f), sizeof(((struct T *)0)->f));
#define SZ(T) printf("size %s %zu\n", #T, sizeof(struct T));
#define C(x) printf("const %s %lld\n", #x, (long long)(x));

static void stats(const char *p) {
  struct stat st;
  if (lstat(p, &st) != 0) { perror(p); exit(1); }
  printf("stat %s st_dev %llu\n", p, (unsigned long long)st.st_dev);
  printf("stat %s st_ino %llu\n", p, (unsigned long long)st.st_ino);
  printf("stat %s st_nlink %llu\n", p, (unsigned long long)st.st_nlink);
  printf("stat %s st_mode %llu\n", p, (unsigned long long)st.st_mode);
  printf("stat %s st_uid %llu\n", p, (unsigned long long)st.st_uid);
  printf("stat %s st_gid %llu\n", p, (unsigned long long)st.st_gid);
  printf("stat %s st_rdev %llu\n", p, (unsigned long long)st.st_rdev);
  printf("stat %s st_size %lld\n", p, (long long)st.st_size);
  printf("stat %s st_blksize %lld\n", p, (long long)st.st_blksize);
  printf("stat %s st_blocks %lld\n", p, (long long)st.st_blocks);
  printf("stat %s st_atim.tv_sec %lld\n", p, (long long)st.st_atim.tv_sec);
  printf("stat %s st_atim.tv_nsec %lld\n", p, (long long)st.st_atim.tv_nsec);
  printf("stat %s st_mtim.tv_sec %lld\n", p, (long long)st.st_mtim.tv_sec);
  printf("stat %s st_mtim.tv_nsec %lld\n", p, (long long)st.st_mtim.tv_nsec);
  printf("stat %s st_ctim.tv_sec %lld\n", p, (long long)st.st_ctim.tv_sec);
  printf("stat %s st_ctim.tv_nsec %lld\n", p, (long long)st.st_ctim.tv_nsec);
  struct statx sx;
  if (statx(AT_FDCWD, p, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) != 0) { perror("statx"); exit(1); }
  printf("statx %s stx_blksize %llu\n", p, (unsigned long long)sx.stx_blksize);
  printf("statx %s stx_nlink %llu\n", p, (unsigned long long)sx.stx_nlink);
  printf("statx %s stx_uid %llu\n", p, (unsigned long long)sx.stx_uid);
  printf("statx %s stx_gid %llu\n", p, (unsigned long long)sx.stx_gid);
  printf("statx %s stx_mode %llu\n", p, (unsigned long long)sx.stx_mode);
  printf("statx %s stx_ino %llu\n", p, (unsigned long long)sx.stx_ino);
  printf("statx %s stx_size %llu\n", p, (unsigned long long)sx.stx_size);
  printf("statx %s stx_blocks %llu\n", p, (unsigned long long)sx.stx_blocks);
  printf("statx %s stx_mtime.tv_sec %lld\n", p, (long long)sx.stx_mtime.tv_sec);
  printf("statx %s stx_mtime.tv_nsec %llu\n", p, (unsigned long long)sx.stx_mtime.tv_nsec);
  printf("statx %s stx_ctime.tv_sec %lld\n", p, (long long)sx.stx_ctime.tv_sec);
  printf("statx %s stx_ctime.tv_nsec %llu\n", p, (unsigned long long)sx.stx_ctime.tv_nsec);
  printf("statx %s stx_atime.tv_sec %lld\n", p, (long long)sx.stx_atime.tv_sec);
  printf("statx %s stx_rdev_major %llu\n", p, (unsigned long long)sx.stx_rdev_major);
  printf("statx %s stx_rdev_minor %llu\n", p, (unsigned long long)sx.stx_rdev_minor);
  printf("statx %s stx_dev_major %llu\n", p, (unsigned long long)sx.stx_dev_major);
  printf("statx %s stx_dev_minor %llu\n", p, (unsigned long long)sx.stx_dev_minor);
}

static void dents(const char *p) {
  int fd = open(p, O_RDONLY | O_DIRECTORY);
  char buf[65536];
  long n;
  while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      struct dirent64 *d = (struct dirent64 *)(buf + off);
      printf("dent %llu %u %s\n", (unsigned long long)d->d_ino, (unsigned)d->d_type, d->d_name);
      off += d->d_reclen;
    }
  }
  close(fd);
}

int main(int argc, char **argv) {
  OFF(stat, st_dev) OFF(stat, st_ino) OFF(stat, st_nlink) OFF(stat, st_mode) OFF(stat, st_uid)
  OFF(stat, st_gid) OFF(stat, st_rdev) OFF(stat, st_size) OFF(stat, st_blksize) OFF(stat, st_blocks)
  OFF(stat, st_atim.tv_sec) OFF(stat, st_atim.tv_nsec) OFF(stat, st_mtim.tv_sec) OFF(stat, st_mtim.tv_nsec)
  OFF(stat, st_ctim.tv_sec) OFF(stat, st_ctim.tv_nsec) SZ(stat)
  OFF(statx, stx_mask) OFF(statx, stx_blksize) OFF(statx, stx_attributes) OFF(statx, stx_nlink)
  OFF(statx, stx_uid) OFF(statx, stx_gid) OFF(statx, stx_mode) OFF(statx, stx_ino) OFF(statx, stx_size)
  OFF(statx, stx_blocks) OFF(statx, stx_attributes_mask) OFF(statx, stx_atime.tv_sec)
  OFF(statx, stx_atime.tv_nsec) OFF(statx, stx_btime.tv_sec) OFF(statx, stx_ctime.tv_sec)
  OFF(statx, stx_ctime.tv_nsec) OFF(statx, stx_mtime.tv_sec) OFF(statx, stx_mtime.tv_nsec)
  OFF(statx, stx_rdev_major) OFF(statx, stx_rdev_minor) OFF(statx, stx_dev_major) OFF(statx, stx_dev_minor)
  SZ(statx)
  OFF(dirent64, d_ino) OFF(dirent64, d_off) OFF(dirent64, d_reclen) OFF(dirent64, d_type) OFF(dirent64, d_name)
  OFF(sysinfo, uptime) OFF(sysinfo, loads) OFF(sysinfo, totalram) OFF(sysinfo, freeram)
  OFF(sysinfo, procs) OFF(sysinfo, totalhigh) OFF(sysinfo, mem_unit) SZ(sysinfo)
  OFF(utsname, sysname) OFF(utsname, nodename) OFF(utsname, release) OFF(utsname, version)
  OFF(utsname, machine) OFF(utsname, domainname) SZ(utsname)
  OFF(winsize, ws_row) OFF(winsize, ws_col) SZ(winsize)
  OFF(rlimit, rlim_cur) OFF(rlimit, rlim_max) SZ(rlimit)
  OFF(timespec, tv_sec) OFF(timespec, tv_nsec) SZ(timespec) OFF(timeval, tv_usec) SZ(timeval)
  OFF(statfs, f_type) OFF(statfs, f_bsize) OFF(statfs, f_blocks) OFF(statfs, f_bfree) OFF(statfs, f_bavail)
  OFF(statfs, f_files) OFF(statfs, f_ffree) OFF(statfs, f_namelen) OFF(statfs, f_frsize) SZ(statfs)
  OFF(flock, l_type) SZ(flock)
  C(O_WRONLY) C(O_RDWR) C(O_CREAT) C(O_EXCL) C(O_NOCTTY) C(O_TRUNC) C(O_APPEND) C(O_NONBLOCK) C(O_DSYNC)
  C(O_DIRECT) C(O_LARGEFILE) C(O_DIRECTORY) C(O_NOFOLLOW) C(O_NOATIME) C(O_CLOEXEC) C(O_SYNC) C(O_PATH)
  C(O_TMPFILE) C(AT_FDCWD) C(AT_SYMLINK_NOFOLLOW) C(AT_REMOVEDIR) C(AT_SYMLINK_FOLLOW) C(AT_EMPTY_PATH)
  C(AT_EACCESS) C(F_DUPFD_CLOEXEC) C(F_GETPIPE_SZ) C(TCGETS) C(TIOCGWINSZ) C(FIONREAD) C(FIONBIO)
  C(STATX_BASIC_STATS) C(STATX_BTIME) C(UTIME_NOW) C(UTIME_OMIT) C(RLIMIT_NOFILE) C(RLIMIT_STACK)
  C(CLOCK_BOOTTIME) C(CLOCK_MONOTONIC_COARSE) C(CLOCK_TAI)
  struct utsname u; uname(&u);
  printf("uname sysname %s\nuname nodename %s\nuname release %s\nuname version %s\nuname machine %s\nuname domainname %s\n",
    u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname);
  struct rlimit rl; getrlimit(RLIMIT_CORE, &rl);
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == 'D') dents(argv[i] + 1); else stats(argv[i]);
  }
  return 0;
}
`;

const TERMBITS_C = String.raw`
#include <stdio.h>
#include <stddef.h>
#include <asm/termbits.h>
int main(void) {
  printf("off termios.c_iflag %zu\noff termios.c_oflag %zu\noff termios.c_cflag %zu\noff termios.c_lflag %zu\n",
    offsetof(struct termios, c_iflag), offsetof(struct termios, c_oflag), offsetof(struct termios, c_cflag),
    offsetof(struct termios, c_lflag));
  printf("off termios.c_line %zu\noff termios.c_cc %zu\nsize termios %zu\n", offsetof(struct termios, c_line),
    offsetof(struct termios, c_cc), sizeof(struct termios));
  printf("const VMIN %d\nconst VEOF %d\nconst ICANON %d\nconst ECHO %d\n", VMIN, VEOF, ICANON, ECHO);
  return 0;
}
`;

const haveGcc = spawnSync('gcc', ['--version']).status === 0;
let tmp: string;
let oracleBin: string;
let termBin: string;

interface OracleOut {
  off: Map<string, [number, number]>;
  size: Map<string, number>;
  konst: Map<string, number>;
  uname: Map<string, string>;
  stat: Map<string, Map<string, bigint>>;
  statx: Map<string, Map<string, bigint>>;
  dents: Array<{ ino: bigint; type: number; name: string }>;
}

function runOracle(bin: string, ...argv: string[]): OracleOut {
  const out: OracleOut = { off: new Map(), size: new Map(), konst: new Map(), uname: new Map(), stat: new Map(), statx: new Map(), dents: [] };
  const text = execFileSync(bin, argv, { encoding: 'utf8' });
  for (const line of text.split('\n')) {
    const w = line.split(' ');
    switch (w[0]) {
      case 'off': out.off.set(w[1], [Number(w[2]), Number(w[3])]); break;
      case 'size': out.size.set(w[1], Number(w[2])); break;
      case 'const': out.konst.set(w[1], Number(w[2])); break;
      case 'uname': out.uname.set(w[1], w.slice(2).join(' ')); break;
      case 'stat': case 'statx': {
        const m = w[0] === 'stat' ? out.stat : out.statx;
        if (!m.has(w[1])) m.set(w[1], new Map());
        m.get(w[1])!.set(w[2], BigInt(w[3]));
        break;
      }
      case 'dent': out.dents.push({ ino: BigInt(w[1]), type: Number(w[2]), name: w.slice(3).join(' ') }); break;
    }
  }
  return out;
}

/** Decode an unsigned little-endian field of `size` bytes at `off`. */
function field(b: Uint8Array, off: number, size: number, signed = false): bigint {
  const v = new DataView(b.buffer, b.byteOffset + off, size);
  switch (size) {
    case 1: return BigInt(v.getUint8(0));
    case 2: return BigInt(v.getUint16(0, true));
    case 4: return signed ? BigInt(v.getInt32(0, true)) : BigInt(v.getUint32(0, true));
    case 8: return signed ? v.getBigInt64(0, true) : v.getBigUint64(0, true);
    default: throw new Error(`size ${size}`);
  }
}

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ringjit-fs-')));
  if (haveGcc) {
    fs.writeFileSync(path.join(tmp, 'oracle.c'), ORACLE_C);
    fs.writeFileSync(path.join(tmp, 'termbits.c'), TERMBITS_C);
    oracleBin = path.join(tmp, 'oracle');
    termBin = path.join(tmp, 'termbits');
    execFileSync('gcc', ['-O0', '-o', oracleBin, path.join(tmp, 'oracle.c')]);
    execFileSync('gcc', ['-O0', '-o', termBin, path.join(tmp, 'termbits.c')]);
  }
});

afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

// ---- tests --------------------------------------------------------------------------------------

describe.skipIf(!haveGcc)('structure layouts and values against the C compiler and the host kernel', () => {
  it('ABI constants match the system headers', async () => {
    const o = runOracle(oracleBin);
    const t = runOracle(termBin);
    const statMod = await import('../src/kernel/stat.js');
    const vfsMod = await import('../src/kernel/vfs.js');
    for (const name of ['O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_EXCL', 'O_NOCTTY', 'O_TRUNC', 'O_APPEND', 'O_NONBLOCK',
      'O_DSYNC', 'O_DIRECT', 'O_DIRECTORY', 'O_NOFOLLOW', 'O_NOATIME', 'O_CLOEXEC', 'O_SYNC', 'O_PATH', 'O_TMPFILE']) {
      expect((FD as unknown as Record<string, number>)[name], name).toBe(o.konst.get(name));
    }
    // glibc's O_LARGEFILE is 0 on x86-64 (always large); the kernel's value is 0o100000.
    expect(FD.O_LARGEFILE).toBe(0o100000);
    for (const name of ['AT_FDCWD', 'AT_SYMLINK_NOFOLLOW', 'AT_REMOVEDIR', 'AT_SYMLINK_FOLLOW', 'AT_EMPTY_PATH', 'AT_EACCESS']) {
      expect((vfsMod as unknown as Record<string, number>)[name], name).toBe(o.konst.get(name));
    }
    expect(statMod.STATX_BASIC_STATS).toBe(o.konst.get('STATX_BASIC_STATS'));
    expect(statMod.STATX_BTIME).toBe(o.konst.get('STATX_BTIME'));
    expect(statMod.STAT_SIZE).toBe(o.size.get('stat'));
    expect(statMod.STATX_SIZEOF).toBe(o.size.get('statx'));
    expect(statMod.TERMIOS_SIZE).toBe(t.size.get('termios'));
    const term = statMod.defaultTermios();
    expect(term[t.off.get('termios.c_cc')![0] + t.konst.get('VMIN')!]).toBe(1);
    expect(term[t.off.get('termios.c_cc')![0] + t.konst.get('VEOF')!]).toBe(4);
    const lflag = Number(field(term, t.off.get('termios.c_lflag')![0], 4));
    expect(lflag & t.konst.get('ICANON')!).not.toBe(0);
    expect(lflag & t.konst.get('ECHO')!).not.toBe(0);
  });

  it('stat / lstat / newfstatat / fstat bytes decode to the host values at the C offsets', () => {
    const file = path.join(tmp, 'data.bin');
    fs.writeFileSync(file, Buffer.alloc(12345, 7));
    fs.chmodSync(file, 0o640);
    const link = path.join(tmp, 'data.link');
    fs.symlinkSync('data.bin', link);
    const k = makeKernel();
    const u = k.uaccess;
    const results = new Map<string, Uint8Array>();
    for (const [p, how] of [[file, 'stat'], [tmp, 'stat'], [link, 'lstat'], ['/dev/null', 'stat']] as const) {
      const buf = u.alloc(144);
      expect(sys(k, how, u.str(p), buf), p).toBe(0);
      results.set(p, u.get(buf, 144));
    }
    // newfstatat with AT_SYMLINK_NOFOLLOW on the link equals lstat; fstat of an open fd equals stat.
    const buf2 = u.alloc(144);
    expect(sys(k, 'newfstatat', AT_FDCWD, u.str(link), buf2, 0x100)).toBe(0);
    expect(u.get(buf2, 144)).toEqual(results.get(link));
    const fd = sys(k, 'openat', AT_FDCWD, u.str(file), 0, 0);
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(sys(k, 'fstat', fd, buf2)).toBe(0);
    expect(u.get(buf2, 144)).toEqual(results.get(file));
    expect(sys(k, 'newfstatat', fd, u.str(''), buf2, 0x1000)).toBe(0); // AT_EMPTY_PATH
    expect(u.get(buf2, 144)).toEqual(results.get(file));

    const o = runOracle(oracleBin, file, tmp, link, '/dev/null');
    for (const [p, bytes] of results) {
      const want = o.stat.get(p)!;
      expect(want, p).toBeDefined();
      for (const [name, value] of want) {
        const [off, size] = o.off.get(`stat.${name}`)!;
        const signed = /size|blk|tim/.test(name);
        expect(field(bytes, off, size, signed), `${p} ${name}`).toBe(value);
      }
    }
    expect(sys(k, 'stat', u.str(path.join(tmp, 'nope')), buf2)).toBe(neg('ENOENT'));
    expect(sys(k, 'stat', 12, buf2)).toBe(neg('EFAULT'));
    expect(sys(k, 'stat', u.str(file), 12)).toBe(neg('EFAULT'));
    expect(sys(k, 'fstat', 77, buf2)).toBe(neg('EBADF'));
  });

  it('statx bytes decode to the host statx values', () => {
    const file = path.join(tmp, 'sx.txt');
    fs.writeFileSync(file, 'statx!');
    const k = makeKernel();
    const u = k.uaccess;
    const paths = [file, tmp, '/dev/null'];
    const got = new Map<string, Uint8Array>();
    for (const p of paths) {
      const buf = u.alloc(256);
      expect(sys(k, 'statx', AT_FDCWD, u.str(p), 0x100, 0xfff, buf), p).toBe(0);
      got.set(p, u.get(buf, 256));
    }
    const o = runOracle(oracleBin, ...paths);
    for (const p of paths) {
      const bytes = got.get(p)!;
      const mask = Number(field(bytes, o.off.get('statx.stx_mask')![0], 4));
      expect(mask & 0x7ff).toBe(0x7ff);
      for (const [name, value] of o.statx.get(p)!) {
        const [off, size] = o.off.get(`statx.${name}`)!;
        expect(field(bytes, off, size, name.endsWith('tv_sec')), `${p} ${name}`).toBe(value);
      }
    }
  });

  it('getdents64 yields the records the host kernel yields (names, d_type, d_ino)', () => {
    const dir = path.join(tmp, 'dents');
    fs.mkdirSync(dir);
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(dir, `file-${i}-${'x'.repeat(i % 40)}`), '');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.symlinkSync('sub', path.join(dir, 'ln'));
    fs.writeFileSync(path.join(dir, 'ünïcødé'), '');
    const k = makeKernel();
    const u = k.uaccess;
    const fd = sys(k, 'openat', AT_FDCWD, u.str(dir), FD.O_DIRECTORY | FD.O_CLOEXEC, 0);
    expect(fd).toBeGreaterThanOrEqual(0);
    const buf = u.alloc(4096);
    const ours: Array<{ ino: bigint; type: number; name: string; off: bigint }> = [];
    for (;;) {
      const n = sys(k, 'getdents64', fd, buf, 4096);
      expect(n).toBeGreaterThanOrEqual(0);
      if (n === 0) break;
      const b = u.get(buf, n);
      for (let at = 0; at < n;) {
        const o = (x: string): number => ({ d_ino: 0, d_off: 8, d_reclen: 16, d_type: 18, d_name: 19 } as Record<string, number>)[x];
        const reclen = Number(field(b, at + o('d_reclen'), 2));
        expect(reclen % 8).toBe(0);
        const nameEnd = b.indexOf(0, at + o('d_name'));
        ours.push({
          ino: field(b, at, 8), off: field(b, at + 8, 8, true), type: b[at + o('d_type')],
          name: new TextDecoder().decode(b.subarray(at + o('d_name'), nameEnd)),
        });
        at += reclen;
      }
    }
    const host = runOracle(oracleBin, 'D' + dir);
    // Layout of dirent64 as the C compiler sees it.
    expect(host.off.get('dirent64.d_ino')![0]).toBe(0);
    expect(host.off.get('dirent64.d_off')![0]).toBe(8);
    expect(host.off.get('dirent64.d_reclen')![0]).toBe(16);
    expect(host.off.get('dirent64.d_type')![0]).toBe(18);
    expect(host.off.get('dirent64.d_name')![0]).toBe(19);
    const sortByName = <T extends { name: string }>(xs: T[]): T[] => [...xs].sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(sortByName(ours).map(({ ino, type, name }) => ({ ino, type, name }))).toEqual(sortByName(host.dents));
    expect(ours.map((e) => e.name).filter((n) => n !== '.' && n !== '..').sort()).toEqual(fs.readdirSync(dir).sort());
    // d_off cookies: lseek to one resumes after that entry.
    expect(sys(k, 'lseek', fd, Number(ours[10].off), 0)).toBe(Number(ours[10].off));
    const n = sys(k, 'getdents64', fd, buf, 4096);
    const first = new TextDecoder().decode(u.get(buf + 19, n).subarray(0, u.get(buf + 19, n).indexOf(0)));
    expect(first).toBe(ours[11].name);
    // Too small for one record: EINVAL. Not a directory: ENOTDIR.
    expect(sys(k, 'lseek', fd, 0, 0)).toBe(0);
    expect(sys(k, 'getdents64', fd, buf, 10)).toBe(neg('EINVAL'));
    const ffd = sys(k, 'open', u.str(path.join(dir, 'file-1-x')), 0, 0);
    expect(sys(k, 'getdents64', ffd, buf, 4096)).toBe(neg('ENOTDIR'));
  });

  it('uname, sysinfo, rlimit and timespec layouts', () => {
    const o = runOracle(oracleBin);
    const k = makeKernel();
    const u = k.uaccess;
    const ub = u.alloc(o.size.get('utsname')!);
    expect(sys(k, 'uname', ub)).toBe(0);
    const bytes = u.get(ub, o.size.get('utsname')!);
    for (const f of ['sysname', 'nodename', 'release', 'version', 'machine', 'domainname']) {
      const [off, size] = o.off.get(`utsname.${f}`)!;
      const s = bytes.subarray(off, off + size);
      expect(new TextDecoder().decode(s.subarray(0, s.indexOf(0))), f).toBe(o.uname.get(f));
    }
    const si = u.alloc(o.size.get('sysinfo')!);
    expect(sys(k, 'sysinfo', si)).toBe(0);
    const sib = u.get(si, 112);
    expect(o.size.get('sysinfo')).toBe(112);
    expect(field(sib, o.off.get('sysinfo.totalram')![0], 8)).toBe(BigInt(os.totalmem()));
    expect(field(sib, o.off.get('sysinfo.mem_unit')![0], 4)).toBe(1n);
    expect(Number(field(sib, o.off.get('sysinfo.uptime')![0], 8))).toBeGreaterThan(0);
    expect(Number(field(sib, o.off.get('sysinfo.procs')![0], 2))).toBeGreaterThan(0);
    const rl = u.alloc(16);
    expect(sys(k, 'getrlimit', o.konst.get('RLIMIT_STACK')!, rl)).toBe(0);
    expect(field(u.get(rl, 16), o.off.get('rlimit.rlim_cur')![0], 8)).toBe(8n << 20n);
    expect(field(u.get(rl, 16), o.off.get('rlimit.rlim_max')![0], 8)).toBe((1n << 64n) - 1n);
    expect(o.off.get('timespec.tv_nsec')![0]).toBe(8);
    expect(o.size.get('winsize')).toBe(8);
    expect(o.off.get('winsize.ws_col')![0]).toBe(2);
    expect(o.size.get('statfs')).toBe(120);
    expect(o.off.get('statfs.f_namelen')![0]).toBe(64);
    expect(o.off.get('statfs.f_frsize')![0]).toBe(72);
  });
});

describe('file syscalls', () => {
  it('open/read/write/lseek/pread/pwrite/close round trip with the host file', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const p = path.join(tmp, 'rw.txt');
    const fd = sys(k, 'openat', AT_FDCWD, u.str(p), FD.O_CREAT | FD.O_RDWR | FD.O_EXCL, 0o644);
    expect(fd).toBe(0); // lowest free (no stdio installed)
    expect(sys(k, 'openat', AT_FDCWD, u.str(p), FD.O_CREAT | FD.O_RDWR | FD.O_EXCL, 0o644)).toBe(neg('EEXIST'));
    expect(fs.statSync(p).mode & 0o777).toBe(0o644 & ~k.vfs.umask);
    const data = u.put(new TextEncoder().encode('hello, world'));
    expect(sys(k, 'write', fd, data, 12)).toBe(12);
    expect(fs.readFileSync(p, 'utf8')).toBe('hello, world');
    expect(sys(k, 'lseek', fd, 0, FD.SEEK_CUR)).toBe(12);
    expect(sys(k, 'lseek', fd, 7, FD.SEEK_SET)).toBe(7);
    const rb = u.alloc(64);
    expect(sys(k, 'read', fd, rb, 64)).toBe(5);
    expect(new TextDecoder().decode(u.get(rb, 5))).toBe('world');
    expect(sys(k, 'read', fd, rb, 64)).toBe(0);
    expect(sys(k, 'pread64', fd, rb, 5, 0)).toBe(5);
    expect(new TextDecoder().decode(u.get(rb, 5))).toBe('hello');
    expect(sys(k, 'pwrite64', fd, u.put(new TextEncoder().encode('HELLO')), 5, 0)).toBe(5);
    expect(sys(k, 'lseek', fd, 0, FD.SEEK_CUR)).toBe(12);
    expect(sys(k, 'lseek', fd, -1, FD.SEEK_SET)).toBe(neg('EINVAL'));
    expect(sys(k, 'lseek', fd, 0, 9)).toBe(neg('EINVAL'));
    expect(sys(k, 'read', fd, 5, 10)).toBe(0); // at EOF nothing is copied
    expect(sys(k, 'pread64', fd, 5, 10, 0)).toBe(neg('EFAULT'));
    expect(sys(k, 'write', fd, 5, 10)).toBe(neg('EFAULT'));
    expect(sys(k, 'ftruncate', fd, 5)).toBe(0);
    expect(fs.readFileSync(p, 'utf8')).toBe('HELLO');
    expect(sys(k, 'close', fd)).toBe(0);
    expect(sys(k, 'close', fd)).toBe(neg('EBADF'));
    expect(sys(k, 'read', fd, rb, 1)).toBe(neg('EBADF'));
    // Read-only descriptors refuse writes; O_APPEND appends; O_TRUNC truncates.
    const ro = sys(k, 'open', u.str(p), FD.O_RDONLY, 0);
    expect(sys(k, 'write', ro, data, 3)).toBe(neg('EBADF'));
    const ap = sys(k, 'open', u.str(p), FD.O_WRONLY | FD.O_APPEND, 0);
    expect(sys(k, 'write', ap, data, 3)).toBe(3);
    expect(fs.readFileSync(p, 'utf8')).toBe('HELLOhel');
    expect(sys(k, 'fcntl', ap, 3)).toBe(FD.O_WRONLY | FD.O_APPEND | FD.O_LARGEFILE);
    const tr = sys(k, 'open', u.str(p), FD.O_WRONLY | FD.O_TRUNC, 0);
    expect(tr).toBeGreaterThan(0);
    expect(fs.statSync(p).size).toBe(0);
    expect(sys(k, 'open', u.str(path.join(tmp, 'missing')), 0, 0)).toBe(neg('ENOENT'));
    expect(sys(k, 'open', u.str(p + '/x'), 0, 0)).toBe(neg('ENOTDIR'));
    expect(sys(k, 'open', u.str(tmp), FD.O_WRONLY, 0)).toBe(neg('EISDIR'));
    expect(sys(k, 'open', u.str(p), FD.O_DIRECTORY, 0)).toBe(neg('ENOTDIR'));
    expect(sys(k, 'open', 3, 0, 0)).toBe(neg('EFAULT'));
  });

  it('readv/writev scatter and gather', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const p = path.join(tmp, 'iov.txt');
    const fd = sys(k, 'open', u.str(p), FD.O_CREAT | FD.O_RDWR | FD.O_TRUNC, 0o600);
    const iov = (parts: Array<[number, number]>): number => {
      const b = new Uint8Array(parts.length * 16);
      const v = new DataView(b.buffer);
      parts.forEach(([base, len], i) => { v.setBigUint64(i * 16, BigInt(base), true); v.setBigUint64(i * 16 + 8, BigInt(len), true); });
      return u.put(b);
    };
    const a = u.put(new TextEncoder().encode('abc'));
    const b = u.put(new TextEncoder().encode('defgh'));
    expect(sys(k, 'writev', fd, iov([[a, 3], [b, 0], [b, 5]]), 3)).toBe(8);
    expect(fs.readFileSync(p, 'utf8')).toBe('abcdefgh');
    const r1 = u.alloc(2), r2 = u.alloc(10);
    expect(sys(k, 'preadv', fd, iov([[r1, 2], [r2, 10]]), 2, 1)).toBe(7);
    expect(new TextDecoder().decode(u.get(r1, 2)) + new TextDecoder().decode(u.get(r2, 5))).toBe('bcdefgh');
    expect(sys(k, 'writev', fd, iov([[1, 3]]), 1)).toBe(neg('EFAULT'));
    expect(sys(k, 'readv', fd, iov([]), -1)).toBe(neg('EINVAL'));
  });

  it('paths: getcwd/chdir/fchdir, mkdir/rmdir/unlink/rename/link/symlink/readlink, *at with dirfd', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const base = path.join(tmp, 'paths');
    fs.mkdirSync(base);
    expect(sys(k, 'chdir', u.str(base))).toBe(0);
    const cwdBuf = u.alloc(4096);
    const n = sys(k, 'getcwd', cwdBuf, 4096);
    expect(n).toBe(base.length + 1);
    expect(new TextDecoder().decode(u.get(cwdBuf, n - 1))).toBe(base);
    expect(sys(k, 'getcwd', cwdBuf, base.length)).toBe(neg('ERANGE'));
    expect(sys(k, 'mkdir', u.str('d'), 0o755)).toBe(0);
    expect(fs.statSync(path.join(base, 'd')).isDirectory()).toBe(true);
    expect(sys(k, 'mkdir', u.str('d'), 0o755)).toBe(neg('EEXIST'));
    expect(sys(k, 'mkdir', u.str('x/y'), 0o755)).toBe(neg('ENOENT'));
    const dfd = sys(k, 'open', u.str('d'), FD.O_DIRECTORY, 0);
    const f = sys(k, 'openat', dfd, u.str('f'), FD.O_CREAT | FD.O_WRONLY, 0o600);
    expect(f).toBeGreaterThan(dfd);
    expect(fs.existsSync(path.join(base, 'd', 'f'))).toBe(true);
    expect(sys(k, 'openat', f, u.str('g'), 0, 0)).toBe(neg('ENOTDIR'));
    expect(sys(k, 'openat', 99, u.str('g'), 0, 0)).toBe(neg('EBADF'));
    expect(sys(k, 'symlinkat', u.str('f'), dfd, u.str('lnk'))).toBe(0);
    const rl = u.alloc(64);
    expect(sys(k, 'readlinkat', dfd, u.str('lnk'), rl, 64)).toBe(1);
    expect(u.get(rl, 1)[0]).toBe('f'.charCodeAt(0));
    expect(sys(k, 'readlink', u.str('d/lnk'), rl, 0)).toBe(neg('EINVAL'));
    expect(sys(k, 'readlink', u.str('d/f'), rl, 64)).toBe(neg('EINVAL'));
    expect(sys(k, 'readlink', u.str('d/none'), rl, 64)).toBe(neg('ENOENT'));
    expect(sys(k, 'linkat', dfd, u.str('f'), AT_FDCWD, u.str('hard'), 0)).toBe(0);
    expect(fs.statSync(path.join(base, 'hard')).nlink).toBe(2);
    expect(sys(k, 'renameat2', AT_FDCWD, u.str('hard'), dfd, u.str('f'), 1)).toBe(neg('EEXIST'));
    expect(sys(k, 'renameat', AT_FDCWD, u.str('hard'), dfd, u.str('moved'), 0)).toBe(0);
    expect(fs.existsSync(path.join(base, 'd', 'moved'))).toBe(true);
    expect(sys(k, 'rmdir', u.str('d'))).toBe(neg('ENOTEMPTY'));
    expect(sys(k, 'rmdir', u.str('d/.'))).toBe(neg('EINVAL'));
    expect(sys(k, 'unlink', u.str('d'))).toBe(neg('EISDIR'));
    expect(sys(k, 'unlinkat', dfd, u.str('moved'), 0)).toBe(0);
    expect(sys(k, 'unlinkat', dfd, u.str('lnk'), 0)).toBe(0);
    expect(sys(k, 'unlinkat', dfd, u.str('f'), 0)).toBe(0);
    expect(sys(k, 'unlinkat', dfd, u.str('f'), 0)).toBe(neg('ENOENT'));
    expect(sys(k, 'fchdir', dfd)).toBe(0);
    expect(k.vfs.cwd).toBe(path.join(base, 'd'));
    expect(sys(k, 'chdir', u.str('..'))).toBe(0);
    expect(sys(k, 'unlinkat', AT_FDCWD, u.str('d'), 0x200)).toBe(0);
    expect(fs.existsSync(path.join(base, 'd'))).toBe(false);
    expect(sys(k, 'chdir', u.str('nowhere'))).toBe(neg('ENOENT'));
    fs.writeFileSync(path.join(base, 'plain'), '');
    expect(sys(k, 'chdir', u.str('plain'))).toBe(neg('ENOTDIR'));
    // access
    expect(sys(k, 'access', u.str('plain'), 4)).toBe(0);
    expect(sys(k, 'access', u.str('plain'), 1)).toBe(neg('EACCES')); // no x bit: EACCES even for root
    expect(sys(k, 'faccessat2', AT_FDCWD, u.str('none'), 0, 0)).toBe(neg('ENOENT'));
    expect(sys(k, 'faccessat', AT_FDCWD, u.str('plain'), 8)).toBe(neg('EINVAL'));
    // chmod / umask
    expect(sys(k, 'chmod', u.str('plain'), 0o751)).toBe(0);
    expect(fs.statSync(path.join(base, 'plain')).mode & 0o7777).toBe(0o751);
    expect(sys(k, 'umask', 0o077)).toBe(HOST_UMASK); // inherited from the host process
    expect(sys(k, 'mkdir', u.str('private'), 0o777)).toBe(0);
    expect(fs.statSync(path.join(base, 'private')).mode & 0o777).toBe(0o700);
    expect(sys(k, 'umask', 0)).toBe(0o077);
    expect(sys(k, 'mkdir', u.str('open'), 0o777)).toBe(0);
    expect(fs.statSync(path.join(base, 'open')).mode & 0o777).toBe(0o777); // beyond the host's own umask
    expect(sys(k, 'truncate', u.str('plain'), 100)).toBe(0);
    expect(fs.statSync(path.join(base, 'plain')).size).toBe(100);
  });

  it('utimensat sets times (oracle: host stat)', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const p = path.join(tmp, 'times');
    fs.writeFileSync(p, '');
    const ts = new Uint8Array(32);
    const v = new DataView(ts.buffer);
    v.setBigInt64(0, 1_000_000_000n, true); v.setBigInt64(8, 0x3ffffffen, true); // atime: UTIME_OMIT
    v.setBigInt64(16, 1_600_000_000n, true); v.setBigInt64(24, 500_000_000n, true);
    const before = fs.statSync(p, { bigint: true });
    expect(sys(k, 'utimensat', AT_FDCWD, u.str(p), u.put(ts), 0)).toBe(0);
    const after = fs.statSync(p, { bigint: true });
    expect(after.mtimeNs / 1_000_000n).toBe(1_600_000_000_500n);
    expect(after.atimeNs / 1_000_000n).toBe(before.atimeNs / 1_000_000n);
    v.setBigInt64(8, 2_000_000_000n, true);
    expect(sys(k, 'utimensat', AT_FDCWD, u.str(p), u.put(ts), 0)).toBe(neg('EINVAL'));
  });

  it('O_PATH, O_NOFOLLOW, O_CREAT through a dangling symlink, /proc/self', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const d = path.join(tmp, 'flags');
    fs.mkdirSync(d);
    fs.symlinkSync('target', path.join(d, 'dl'));
    expect(sys(k, 'open', u.str(path.join(d, 'dl')), FD.O_RDONLY | FD.O_NOFOLLOW, 0)).toBe(neg('ELOOP'));
    expect(sys(k, 'open', u.str(path.join(d, 'dl')), FD.O_CREAT | FD.O_EXCL | FD.O_WRONLY, 0o600)).toBe(neg('EEXIST'));
    const c = sys(k, 'open', u.str(path.join(d, 'dl')), FD.O_CREAT | FD.O_WRONLY, 0o600);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(fs.existsSync(path.join(d, 'target'))).toBe(true);
    const pf = sys(k, 'open', u.str(path.join(d, 'dl')), FD.O_PATH | FD.O_NOFOLLOW, 0);
    expect(pf).toBeGreaterThanOrEqual(0);
    const sb = u.alloc(144);
    expect(sys(k, 'fstat', pf, sb)).toBe(0);
    expect(Number(field(u.get(sb, 144), 24, 4)) & 0o170000).toBe(0o120000);
    expect(sys(k, 'read', pf, sb, 1)).toBe(neg('EBADF'));
    const pd = sys(k, 'open', u.str(d), FD.O_PATH | FD.O_DIRECTORY, 0);
    expect(sys(k, 'openat', pd, u.str('target'), 0, 0)).toBeGreaterThanOrEqual(0);
    // /proc/self/exe is the guest program; /proc/self/fd/N names open files.
    const rl = u.alloc(256);
    const n = sys(k, 'readlink', u.str('/proc/self/exe'), rl, 256);
    expect(new TextDecoder().decode(u.get(rl, n))).toBe('/bin/true');
    const m = sys(k, 'readlink', u.str(`/proc/self/fd/${c}`), rl, 256);
    expect(new TextDecoder().decode(u.get(rl, m))).toBe(path.join(d, 'target'));
    const re = sys(k, 'open', u.str(`/proc/self/fd/${c}`), FD.O_RDONLY, 0);
    expect(re).toBeGreaterThanOrEqual(0);
    expect(k.files.get(re)).not.toBe(k.files.get(c)); // a new description for a regular file
    // Virtual /proc/self directory listing.
    const pfd = sys(k, 'open', u.str('/proc/self/fd'), FD.O_DIRECTORY, 0);
    const db = u.alloc(4096);
    const dn = sys(k, 'getdents64', pfd, db, 4096);
    expect(dn).toBeGreaterThan(0);
    // Machine-wide /proc passes through.
    const ci = sys(k, 'open', u.str('/proc/cpuinfo'), 0, 0);
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(sys(k, 'read', ci, db, 100)).toBe(100);
  });

  it('pipes, pipe2 flags, dup family and fcntl', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const pfds = u.alloc(8);
    expect(sys(k, 'pipe2', pfds, FD.O_CLOEXEC | FD.O_NONBLOCK)).toBe(0);
    const r = u.getU32(pfds)!, w = u.getU32(pfds + 4)!;
    expect([r, w]).toEqual([0, 1]);
    expect(sys(k, 'fcntl', r, 1)).toBe(1); // F_GETFD: FD_CLOEXEC
    expect(sys(k, 'fcntl', r, 3)).toBe(FD.O_NONBLOCK); // F_GETFL: O_RDONLY|O_NONBLOCK
    const buf = u.alloc(16);
    expect(sys(k, 'read', r, buf, 16)).toBe(neg('EAGAIN'));
    expect(sys(k, 'write', w, u.put(new TextEncoder().encode('ping')), 4)).toBe(4);
    const nb = u.alloc(4);
    expect(sys(k, 'ioctl', r, 0x541b, nb)).toBe(0); // FIONREAD
    expect(u.getU32(nb)).toBe(4);
    expect(sys(k, 'read', r, buf, 16)).toBe(4);
    expect(sys(k, 'lseek', r, 0, 1)).toBe(neg('ESPIPE'));
    expect(sys(k, 'pread64', r, buf, 1, 0)).toBe(neg('ESPIPE'));
    expect(sys(k, 'fcntl', r, 4, 0)).toBe(0); // F_SETFL: clear O_NONBLOCK
    expect(sys(k, 'fcntl', r, 3)).toBe(0);
    expect(sys(k, 'fcntl', w, 0, 10)).toBe(10); // F_DUPFD
    expect(sys(k, 'fcntl', w, 1030, 10)).toBe(11); // F_DUPFD_CLOEXEC
    expect(sys(k, 'fcntl', 11, 1)).toBe(1);
    expect(sys(k, 'fcntl', 10, 1)).toBe(0);
    expect(sys(k, 'fcntl', w, 2, 0)).toBe(0);
    expect(sys(k, 'fcntl', w, 1)).toBe(0);
    expect(sys(k, 'fcntl', w, 12345)).toBe(neg('EINVAL'));
    expect(sys(k, 'dup', w)).toBe(2);
    expect(sys(k, 'dup2', w, 20)).toBe(20);
    expect(sys(k, 'dup3', w, 21, FD.O_CLOEXEC)).toBe(21);
    expect(sys(k, 'dup3', w, w, 0)).toBe(neg('EINVAL'));
    for (const fd of [1, 2, 10, 11, 20, 21]) expect(sys(k, 'close', fd)).toBe(0);
    expect(sys(k, 'read', r, buf, 16)).toBe(0); // all writers closed: EOF
    expect(sys(k, 'pipe2', pfds, 0x1)).toBe(neg('EINVAL'));
    expect(sys(k, 'pipe', 8)).toBe(neg('EFAULT'));
    expect(k.files.list()).toEqual([0]);
    expect(sys(k, 'pipe', pfds)).toBe(0);
    const w2 = u.getU32(pfds + 4)!;
    sys(k, 'close', u.getU32(pfds)!);
    expect(sys(k, 'write', w2, buf, 1)).toBe(neg('EPIPE'));
    // A blocking read of an empty pipe whose writer this thread holds: EDEADLK, not a hang.
    expect(sys(k, 'pipe', pfds)).toBe(0);
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(sys(k, 'read', u.getU32(pfds)!, buf, 1)).toBe(neg('EDEADLK'));
    spy.mockRestore();
  });

  it('ioctl: ENOTTY on files and pipes, TCGETS/TIOCGWINSZ on a tty', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const p = path.join(tmp, 'notty');
    fs.writeFileSync(p, '');
    const fd = sys(k, 'open', u.str(p), 0, 0);
    const tb = u.alloc(64);
    expect(sys(k, 'ioctl', fd, 0x5401, tb)).toBe(neg('ENOTTY'));
    expect(sys(k, 'ioctl', fd, 0x5413, tb)).toBe(neg('ENOTTY'));
    expect(sys(k, 'ioctl', fd, 0x5421, u.put(new Uint8Array([1, 0, 0, 0])))).toBe(0); // FIONBIO
    expect(sys(k, 'fcntl', fd, 3) & FD.O_NONBLOCK).toBe(FD.O_NONBLOCK);
    // A real tty, when the test has one (/dev/tty opens only with a controlling terminal).
    let ttyFd = -1;
    try { ttyFd = fs.openSync('/dev/tty', 'r+'); fs.closeSync(ttyFd); } catch { ttyFd = -1; }
    if (ttyFd >= 0) {
      const t = sys(k, 'open', u.str('/dev/tty'), FD.O_RDWR, 0);
      expect(sys(k, 'ioctl', t, 0x5401, tb)).toBe(0);
      expect(sys(k, 'ioctl', t, 0x5413, tb)).toBe(0);
      expect(u.getU32(tb)).not.toBe(0);
    }
  });

  it('contains guest paths in a root directory', () => {
    const root = path.join(tmp, 'chroot');
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc', 'hostname'), 'guest\n');
    fs.symlinkSync('/etc/hostname', path.join(root, 'abs'));
    const k = makeKernel(root);
    k.vfs.setCwd([]);
    const u = k.uaccess;
    const fd = sys(k, 'open', u.str('/../../../etc/hostname'), 0, 0);
    expect(fd).toBeGreaterThanOrEqual(0);
    const b = u.alloc(16);
    expect(sys(k, 'read', fd, b, 16)).toBe(6);
    expect(new TextDecoder().decode(u.get(b, 6))).toBe('guest\n');
    const fd2 = sys(k, 'open', u.str('abs'), 0, 0);
    expect(sys(k, 'read', fd2, b, 16)).toBe(6);
    expect(sys(k, 'chdir', u.str('/../..'))).toBe(0);
    const n = sys(k, 'getcwd', b, 16);
    expect(new TextDecoder().decode(u.get(b, n))).toBe('/\0');
    expect(sys(k, 'open', u.str('/dev/null'), FD.O_RDWR, 0)).toBeGreaterThanOrEqual(0);
    expect(sys(k, 'open', u.str('/dev/zero'), 0, 0)).toBeGreaterThanOrEqual(0);
  });

  it('/dev/null, /dev/zero, /dev/urandom', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const b = u.alloc(64);
    const z = sys(k, 'open', u.str('/dev/zero'), 0, 0);
    u.bytes.fill(9, b - BASE, b - BASE + 64);
    expect(sys(k, 'read', z, b, 64)).toBe(64);
    expect(u.get(b, 64).every((x) => x === 0)).toBe(true);
    const nul = sys(k, 'open', u.str('/dev/null'), FD.O_RDWR, 0);
    expect(sys(k, 'read', nul, b, 64)).toBe(0);
    expect(sys(k, 'write', nul, b, 64)).toBe(64);
    expect(sys(k, 'lseek', nul, 100, 0)).toBe(0);
    const r = sys(k, 'open', u.str('/dev/urandom'), 0, 0);
    expect(sys(k, 'read', r, b, 64)).toBe(64);
  });

  it('sendfile and copy_file_range', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const src = path.join(tmp, 'src.bin');
    const dst = path.join(tmp, 'dst.bin');
    const content = Buffer.from(Array.from({ length: 200000 }, (_, i) => i & 0xff));
    fs.writeFileSync(src, content);
    const i = sys(k, 'open', u.str(src), 0, 0);
    const o = sys(k, 'open', u.str(dst), FD.O_CREAT | FD.O_WRONLY | FD.O_TRUNC, 0o600);
    const off = u.alloc(8);
    u.putU64(off, 100);
    expect(sys(k, 'sendfile', o, i, off, 150000)).toBe(150000);
    expect(u.getU64(off)).toBe(150100);
    expect(sys(k, 'lseek', i, 0, 1)).toBe(0);
    expect(sys(k, 'copy_file_range', i, 0, o, 0, 1000, 0)).toBe(1000);
    expect(Buffer.compare(fs.readFileSync(dst), Buffer.concat([content.subarray(100, 150100), content.subarray(0, 1000)]))).toBe(0);
  });
});

describe('poll and select', () => {
  it('report pipe readiness like Linux (sysmisc.c expectations)', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const pf = u.alloc(8);
    expect(sys(k, 'pipe', pf)).toBe(0);
    const r = u.getU32(pf)!, w = u.getU32(pf + 4)!;
    const fds = (list: Array<[number, number]>): number => {
      const b = new Uint8Array(list.length * 8);
      const v = new DataView(b.buffer);
      list.forEach(([fd, ev], i) => { v.setInt32(i * 8, fd, true); v.setUint16(i * 8 + 4, ev, true); });
      return u.put(b);
    };
    const rev = (addr: number, i: number): number => u.view(addr + i * 8 + 6, 2).getUint16(0, true);
    let p = fds([[r, FD.POLLIN], [w, FD.POLLOUT]]);
    expect(sys(k, 'poll', p, 2, 0)).toBe(1);
    expect([rev(p, 0), rev(p, 1)]).toEqual([0, FD.POLLOUT]);
    expect(sys(k, 'write', w, u.str('abc'), 3)).toBe(3);
    p = fds([[r, FD.POLLIN], [-1, FD.POLLIN], [99, FD.POLLIN]]);
    expect(sys(k, 'poll', p, 3, 1000)).toBe(2);
    expect([rev(p, 0), rev(p, 1), rev(p, 2)]).toEqual([FD.POLLIN, 0, FD.POLLNVAL]);
    // A finite timeout with nothing ready sleeps it out and returns 0.
    const buf = u.alloc(8);
    sys(k, 'read', r, buf, 8);
    p = fds([[r, FD.POLLIN]]);
    const t0 = performance.now();
    expect(sys(k, 'poll', p, 1, 30)).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    // Writer closed: POLLHUP even when not asked for.
    sys(k, 'close', w);
    expect(sys(k, 'poll', p, 1, -1)).toBe(1);
    expect(rev(p, 0)).toBe(FD.POLLHUP);
    // select: fd_set bitmaps.
    expect(sys(k, 'pipe', pf)).toBe(0);
    const r2 = u.getU32(pf)!, w2 = u.getU32(pf + 4)!;
    const set = (...list: number[]): number => {
      const b = new Uint8Array(128);
      for (const fd of list) b[fd >> 3] |= 1 << (fd & 7);
      return u.put(b);
    };
    const rs = set(r2), ws = set(w2);
    const tv = u.put(new Uint8Array(16));
    expect(sys(k, 'select', 64, rs, ws, 0, tv)).toBe(1);
    expect(u.get(rs, 8).every((x) => x === 0)).toBe(true);
    expect((u.get(ws, 8)[w2 >> 3] >> (w2 & 7)) & 1).toBe(1);
    expect(sys(k, 'select', 64, set(50), 0, 0, tv)).toBe(neg('EBADF'));
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(sys(k, 'poll', fds([[r2, FD.POLLIN]]), 1, -1)).toBe(neg('EDEADLK'));
    spy.mockRestore();
  });
});

describe('stdio', () => {
  it('inherited stdio: fstat matches the host descriptors, lseek on a pipe/tty is ESPIPE', () => {
    const k = makeKernel();
    k.files.installStdio();
    const u = k.uaccess;
    const sb = u.alloc(144);
    for (let fd = 0; fd <= 2; fd++) {
      let host: fs.BigIntStats;
      try { host = fs.fstatSync(fd, { bigint: true }); } catch { expect(sys(k, 'fstat', fd, sb)).toBe(neg('EBADF')); continue; }
      expect(sys(k, 'fstat', fd, sb)).toBe(0);
      expect(field(u.get(sb, 144), 8, 8)).toBe(host.ino);
      const type = Number(host.mode) & 0o170000;
      if (type === 0o010000 || type === 0o140000) expect(sys(k, 'lseek', fd, 0, 1)).toBe(neg('ESPIPE'));
    }
  });

  it('redirected stdio: stdin from bytes, stdout/stderr into callbacks', () => {
    const k = makeKernel();
    const out: string[] = [];
    k.files.installStdio({ stdin: 'input!', stdout: (b) => out.push('1:' + new TextDecoder().decode(b)), stderr: (b) => out.push('2:' + new TextDecoder().decode(b)) });
    const u = k.uaccess;
    const b = u.alloc(16);
    expect(sys(k, 'read', 0, b, 16)).toBe(6);
    expect(sys(k, 'read', 0, b, 16)).toBe(0);
    expect(sys(k, 'write', 1, b, 6)).toBe(6);
    expect(sys(k, 'write', 2, b, 5)).toBe(5);
    expect(out).toEqual(['1:input!', '2:input']);
    expect(sys(k, 'ioctl', 1, 0x5401, b)).toBe(neg('ENOTTY'));
    expect(sys(k, 'lseek', 0, 0, 1)).toBe(neg('ESPIPE'));
  });
});

describe('info syscalls', () => {
  it('clock_gettime agrees with the host clocks', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const ts = u.alloc(16);
    expect(sys(k, 'clock_gettime', 0, ts)).toBe(0);
    const sec = Number(u.view(ts, 16).getBigInt64(0, true));
    const nsec = Number(u.view(ts, 16).getBigInt64(8, true));
    expect(Math.abs(sec + nsec / 1e9 - Date.now() / 1000)).toBeLessThan(1);
    expect(nsec).toBeGreaterThanOrEqual(0);
    expect(nsec).toBeLessThan(1e9);
    let last = -1n;
    for (let i = 0; i < 100; i++) {
      expect(sys(k, 'clock_gettime', 1, ts)).toBe(0);
      const v = u.view(ts, 16).getBigInt64(0, true) * 1_000_000_000n + u.view(ts, 16).getBigInt64(8, true);
      expect(v >= last).toBe(true);
      last = v;
    }
    for (const c of [2, 3, 4, 5, 6, 7, 11]) expect(sys(k, 'clock_gettime', c, ts), `clock ${c}`).toBe(0);
    expect(sys(k, 'clock_gettime', 12345, ts)).toBe(neg('EINVAL'));
    expect(sys(k, 'clock_gettime', 0, 4)).toBe(neg('EFAULT'));
    expect(sys(k, 'clock_getres', 1, ts)).toBe(0);
    expect(u.view(ts, 16).getBigInt64(8, true)).toBe(1n);
    const tv = u.alloc(16);
    expect(sys(k, 'gettimeofday', tv, 0)).toBe(0);
    expect(Number(u.view(tv, 16).getBigInt64(8, true))).toBeLessThan(1e6);
    const t = sys(k, 'time', 0);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(2);
  });

  it('nanosleep really sleeps; bad timespecs are EINVAL', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const req = u.put(new Uint8Array(new BigInt64Array([0n, 20_000_000n]).buffer));
    const rem = u.alloc(16);
    const t0 = performance.now();
    expect(sys(k, 'nanosleep', req, rem)).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
    expect(u.get(rem, 16).every((x) => x === 0)).toBe(true);
    const bad = u.put(new Uint8Array(new BigInt64Array([0n, 1_000_000_000n]).buffer));
    expect(sys(k, 'nanosleep', bad, 0)).toBe(neg('EINVAL'));
    expect(sys(k, 'clock_nanosleep', 3, 0, req, 0)).toBe(neg('EINVAL'));
    expect(sys(k, 'clock_nanosleep', 1, 0, 8, 0)).toBe(neg('EFAULT'));
  });

  it('deterministic mode repeats time and random bytes', () => {
    const run = (): string => {
      const k = makeKernel('/', { deterministic: true, randomSeed: 'seed' });
      const u = k.uaccess;
      const ts = u.alloc(16), rnd = u.alloc(37);
      const out: string[] = [];
      for (let i = 0; i < 3; i++) {
        sys(k, 'clock_gettime', i % 2, ts);
        out.push(Buffer.from(u.get(ts, 16)).toString('hex'));
      }
      const req = u.put(new Uint8Array(new BigInt64Array([5n, 0n]).buffer));
      const t0 = performance.now();
      sys(k, 'nanosleep', req, 0);
      expect(performance.now() - t0).toBeLessThan(1000); // virtual sleep
      sys(k, 'clock_gettime', 1, ts);
      expect(u.view(ts, 16).getBigInt64(0, true)).toBeGreaterThanOrEqual(5n);
      expect(sys(k, 'getrandom', rnd, 37, 0)).toBe(37);
      out.push(Buffer.from(u.get(rnd, 37)).toString('hex'));
      return out.join(',');
    };
    expect(run()).toBe(run());
  });

  it('getrandom, rlimits, ids, affinity', () => {
    const k = makeKernel();
    const u = k.uaccess;
    const b = u.alloc(64);
    expect(sys(k, 'getrandom', b, 64, 1)).toBe(64);
    expect(sys(k, 'getrandom', b, 64, 8)).toBe(neg('EINVAL'));
    expect(sys(k, 'getrandom', 4, 64, 0)).toBe(neg('EFAULT'));
    const rl = u.alloc(16);
    expect(sys(k, 'prlimit64', 0, 7, 0, rl)).toBe(0);
    expect([u.getU64(rl), u.getU64(rl + 8)]).toEqual([1024, 4096]);
    const nl = u.put(new Uint8Array(new BigUint64Array([256n, 4096n]).buffer));
    expect(sys(k, 'setrlimit', 7, nl)).toBe(0);
    expect(k.files.maxFds).toBe(256);
    expect(sys(k, 'getrlimit', 7, rl)).toBe(0);
    expect(u.getU64(rl)).toBe(256);
    const bad = u.put(new Uint8Array(new BigUint64Array([5000n, 4096n]).buffer));
    expect(sys(k, 'setrlimit', 7, bad)).toBe(neg('EINVAL'));
    expect(sys(k, 'getrlimit', 99, rl)).toBe(neg('EINVAL'));
    expect(sys(k, 'getuid')).toBe(process.getuid!());
    expect(sys(k, 'getegid')).toBe(process.getegid!());
    expect(sys(k, 'sched_getaffinity', 0, 128, b)).toBe(8);
    expect(u.get(b, 8)).toEqual(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(sys(k, 'sched_getaffinity', 0, 4, b)).toBe(neg('EINVAL'));
    expect(sys(k, 'getpriority', 0, 0)).toBe(20);
    expect(sys(k, 'getpgrp')).toBe(sys(k, 'getpgid', 0));
  });
});
