// File-system system calls: descriptors, paths, stat, directories, pipes, terminals.
// Every handler returns a result or -errno; user-memory faults are -EFAULT; host exceptions are
// caught and mapped (hostErrno), never thrown.

import * as fs from 'node:fs';
import { E, type SyscallArgs, TASK_SIZE_MAX, type UserAccess } from '../types.js';
import {
  Vfs, type Resolved, hostErrno, HOST_UMASK, AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_EACCESS,
  AT_SYMLINK_FOLLOW, AT_EMPTY_PATH, AT_NO_AUTOMOUNT, PATH_MAX,
} from '../vfs.js';
import * as FD from '../fd.js';
import {
  FdTable, OpenFile, HostFile, DirFile, PipeEnd, Pipe, MemFile, PathFile, hostDirLister, virtualStat,
  nextPseudoIno, MAX_IO_CHUNK,
  O_ACCMODE, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC,
  O_PATH, O_TMPFILE, O_LARGEFILE, O_DIRECT, O_NOCTTY, O_DSYNC, O_SYNC, O_WRONLY, O_RDONLY, SETFL_MASK,
} from '../fd.js';
import {
  type StatInfo, packStat, packStatx, defaultTermios, packWinsize, TERMIOS_SIZE, S_IFDIR, S_IFMT, S_IFREG,
  unpackPair,
} from '../stat.js';

/** What the fs and info handlers need from the Kernel (structurally satisfied by class Kernel). */
export interface KernelLike {
  uaccess: UserAccess;
  files: FdTable;
  vfs: Vfs;
  /** Guest path of the running program. */
  exePath: string;
  opts: {
    root?: string;
    /** Time comes from a virtual clock and random bytes from a seeded PRNG, so runs repeat. */
    deterministic?: boolean;
    randomSeed?: number | bigint | string;
  };
  cpu?: { instret?: number };
}

export type SyscallHandler = (k: KernelLike, a: SyscallArgs) => number;

const enc = new TextEncoder();

/** The guest pid (the kernel's, when it has one; else the host pid). */
export function guestPid(k: KernelLike): number {
  const p = (k as unknown as { pid?: unknown }).pid;
  if (typeof p === 'number') return p;
  if (typeof p === 'function') {
    try { const v = (p as () => unknown).call(k); if (typeof v === 'number') return v; } catch { /* ignore */ }
  }
  return process.pid;
}

/** Let the Vfs's virtual /proc/self describe this kernel's process. */
function vfsOf(k: KernelLike): Vfs {
  const v = k.vfs;
  if (!v.proc) {
    v.proc = {
      pid: () => guestPid(k),
      exePath: () => k.exePath,
      fdPath: (n) => k.files.get(n)?.path,
      fds: () => k.files.list(),
    };
  }
  return v;
}

/** A path argument: the string, or -errno (EFAULT, ENAMETOOLONG). */
function getPath(k: KernelLike, addr: number): string | number {
  const s = k.uaccess.strncpyFromUser(addr, PATH_MAX);
  if (s === null) return -E.EFAULT;
  if (typeof s === 'number') return -Math.abs(s);
  return s;
}

/** Base directory components for a *at() call. */
function baseOf(k: KernelLike, dirfd: number, path: string): readonly string[] | number {
  if (path.startsWith('/')) return [];
  if (dirfd === AT_FDCWD) return k.vfs.cwdComps;
  const f = k.files.get(dirfd);
  if (!f) return -E.EBADF;
  if (f instanceof DirFile) return f.comps;
  if (f instanceof PathFile) {
    const st = f.stat();
    if (typeof st !== 'number' && (Number(st.mode) & S_IFMT) === S_IFDIR) return f.comps;
  }
  return -E.ENOTDIR;
}

function resolveAt(k: KernelLike, dirfd: number, path: string, follow: boolean): Resolved | number {
  const base = baseOf(k, dirfd, path);
  if (typeof base === 'number') return base;
  return vfsOf(k).resolve(path, follow, base);
}

/** Read the path argument and resolve it. */
function pathAt(k: KernelLike, dirfd: number, addr: number, follow: boolean): Resolved | number {
  const p = getPath(k, addr);
  if (typeof p === 'number') return p;
  return resolveAt(k, dirfd, p, follow);
}

const virtIno = new Map<string, number>();
function virtInoOf(guest: string): number {
  let n = virtIno.get(guest);
  if (n === undefined) { n = nextPseudoIno(); virtIno.set(guest, n); }
  return n;
}

/** stat of a resolved path (after lookup; `r.exists` must be true). */
function statResolved(k: KernelLike, r: Resolved): StatInfo | number {
  if (r.magicFd !== undefined) {
    const f = k.files.get(r.magicFd);
    return f ? f.stat() : -E.ENOENT;
  }
  if (r.virt) return virtualStat(r.virt.kind, virtInoOf(r.guest));
  try {
    return fs.lstatSync(r.host, { bigint: true });
  } catch (err) {
    return hostErrno(err);
  }
}

function statFd(k: KernelLike, fd: number): StatInfo | number {
  if (fd === AT_FDCWD) {
    const r = vfsOf(k).resolve('.', true);
    return typeof r === 'number' ? r : statResolved(k, r);
  }
  const f = k.files.get(fd);
  return f ? f.stat() : -E.EBADF;
}

/** stat/lstat/newfstatat/statx core: dirfd + path + AT_* flags. */
function statAt(k: KernelLike, dirfd: number, pathAddr: number, flags: number): StatInfo | number {
  const p = getPath(k, pathAddr);
  if (typeof p === 'number') return p;
  if (p === '') return (flags & AT_EMPTY_PATH) !== 0 ? statFd(k, dirfd) : -E.ENOENT;
  const r = resolveAt(k, dirfd, p, (flags & AT_SYMLINK_NOFOLLOW) === 0);
  if (typeof r === 'number') return r;
  if (!r.exists) return -E.ENOENT;
  return statResolved(k, r);
}

function putStat(k: KernelLike, addr: number, st: StatInfo | number): number {
  if (typeof st === 'number') return st;
  return k.uaccess.copyToUser(addr, packStat(st)) ? 0 : -E.EFAULT;
}

/** Run a host operation, mapping its exception; returns 0 or -errno. */
function host(op: () => void): number {
  try { op(); return 0; } catch (err) { return hostErrno(err); }
}

/** Make a created file's mode exactly `mode` even where the host's own umask would strip bits. */
function fixMode(hostPath: string, mode: number, hostFd?: number): void {
  if ((mode & HOST_UMASK) === 0) return;
  try {
    if (hostFd !== undefined) fs.fchmodSync(hostFd, mode); else fs.chmodSync(hostPath, mode);
  } catch { /* best effort */ }
}

/**
 * Size of the host buffer for a read of `count` bytes: what a regular file still holds (at least
 * 64 KiB, in case it grows), at most 1 MiB from streams and pipes (short reads are normal there).
 */
function ioLen(f: OpenFile, count: number): number {
  const len = Math.min(count, MAX_IO_CHUNK);
  if (len <= 65536) return len;
  if (f.kind === 'file' || f.kind === 'mem') {
    const avail = f.available();
    return avail >= 0 ? Math.min(len, Math.max(avail, 65536)) : len;
  }
  return Math.min(len, f.kind === 'pipe' ? 65536 : 1 << 20);
}

// ---- open ---------------------------------------------------------------------------------------

/** Host open(2) flags for guest flags (node:fs passes numeric flags straight to open(2)). */
function hostOpenFlags(flags: number, follow: boolean): number {
  const c = fs.constants;
  let h = flags & O_ACCMODE;
  if (flags & O_CREAT) h |= c.O_CREAT;
  if (flags & O_EXCL) h |= c.O_EXCL;
  if (flags & O_TRUNC) h |= c.O_TRUNC;
  if (flags & O_DIRECTORY) h |= c.O_DIRECTORY;
  if (flags & O_NOCTTY) h |= c.O_NOCTTY;
  if ((flags & O_SYNC) === O_SYNC) h |= c.O_SYNC;
  else if (flags & O_DSYNC) h |= c.O_DSYNC;
  if (!follow) h |= c.O_NOFOLLOW;
  // O_APPEND is emulated (F_SETFL can change it; the host fd's flag could not follow).
  // O_NONBLOCK only matters for fifos/devices; pass it so a fifo open does not hang.
  if (flags & O_NONBLOCK) h |= c.O_NONBLOCK;
  return h;
}

/** F_GETFL view of open flags. */
function statusFlags(flags: number): number {
  return (flags & (O_ACCMODE | SETFL_MASK | O_DSYNC | O_SYNC | O_PATH)) | O_LARGEFILE;
}

/** Open a resolved path: the new OpenFile, or -errno. */
function openResolved(k: KernelLike, r: Resolved, flags: number, mode: number, rawPath: string): OpenFile | number {
  const acc = flags & O_ACCMODE;
  const wantWrite = acc === O_WRONLY || acc === 2 || (flags & O_TRUNC) !== 0;
  const fl = statusFlags(flags);
  if (r.magicFd !== undefined) {
    // /proc/self/fd/N: regular files are reopened (a new description, as Linux does); other kinds
    // share the description.
    const f = k.files.get(r.magicFd);
    if (!f) return -E.ENOENT;
    if (f instanceof HostFile && f.kind === 'file') {
      try {
        const fd = fs.openSync(f.hostPath, hostOpenFlags(flags & ~(O_CREAT | O_EXCL), true));
        return new HostFile(f.path, fl, fd, f.hostPath, { positional: true, seekable: true, owns: true, type: S_IFREG });
      } catch (err) { return hostErrno(err); }
    }
    if (f instanceof DirFile && f.hostFd >= 0) {
      const again = vfsOf(k).resolve(f.path, true);
      if (typeof again === 'number') return again;
      if (again.magicFd === undefined) return openResolved(k, again, flags, mode, f.path);
    }
    return f;
  }
  if (!r.exists) {
    if ((flags & O_CREAT) === 0) return -E.ENOENT;
    if (rawPath.endsWith('/')) return -E.EISDIR;
    if (r.virt || r.comps[0] === 'proc') return -E.EACCES;
  } else if ((flags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL)) {
    return -E.EEXIST;
  }
  const v = r.virt;
  if (v) {
    if (flags & O_PATH) return new PathFile(r.guest, fl, () => virtualStat(v.kind, virtInoOf(r.guest)));
    if (v.kind === 'link') return -E.ELOOP;
    if (v.kind === 'dir') {
      if (wantWrite || (flags & O_CREAT)) return -E.EISDIR;
      const list = v.list;
      const parent = '/' + r.comps.slice(0, -1).join('/');
      return new DirFile(r.guest, fl, () => [
        { name: enc.encode('.'), type: 4, ino: () => BigInt(virtInoOf(r.guest)) },
        { name: enc.encode('..'), type: 4, ino: () => BigInt(virtInoOf(parent)) },
        ...list().map((e) => ({
          name: enc.encode(e.name),
          type: e.type === 'dir' ? 4 : e.type === 'link' ? 10 : e.type === 'chr' ? 2 : 8,
          ino: () => BigInt(virtInoOf(r.guest + '/' + e.name)),
        })),
      ], () => virtualStat('dir', virtInoOf(r.guest)));
    }
    if (flags & O_DIRECTORY) return -E.ENOTDIR;
    if (wantWrite) return -E.EACCES;
    return new MemFile(r.guest, fl, v.content());
  }
  const follow = (flags & O_NOFOLLOW) === 0;
  if (flags & O_PATH) {
    let st: fs.BigIntStats;
    try { st = fs.lstatSync(r.host, { bigint: true }); } catch (err) { return hostErrno(err); }
    if ((flags & O_DIRECTORY) && (Number(st.mode) & S_IFMT) !== S_IFDIR) return -E.ENOTDIR;
    const hp = r.host;
    return new PathFile(r.guest, fl & ~O_LARGEFILE, () => {
      try { return fs.lstatSync(hp, { bigint: true }); } catch (err) { return hostErrno(err); }
    });
  }
  const created = !r.exists;
  const cmode = mode & ~k.vfs.umask & 0o7777;
  let fd: number;
  try {
    fd = fs.openSync(r.host, hostOpenFlags(flags, follow), cmode);
  } catch (err) {
    return hostErrno(err);
  }
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch (err) {
    try { fs.closeSync(fd); } catch { /* ignore */ }
    return hostErrno(err);
  }
  if (created) fixMode(r.host, cmode, fd);
  const type = st.mode & S_IFMT;
  if (type === S_IFDIR) {
    const parentHost = k.vfs.hostOf(r.comps.slice(0, -1));
    const hp = r.host;
    return new DirFile(r.guest, fl, hostDirLister(hp, parentHost), () => {
      try { return fs.fstatSync(fd, { bigint: true }); } catch (err) { return hostErrno(err); }
    }, fd);
  }
  if (flags & O_DIRECTORY) {
    try { fs.closeSync(fd); } catch { /* ignore */ }
    return -E.ENOTDIR;
  }
  return new HostFile(r.guest, fl, fd, r.host, {
    positional: type === S_IFREG,
    seekable: type === S_IFREG || type === 0o060000 || type === 0o020000,
    owns: true,
    type,
  });
}

function doOpen(k: KernelLike, dirfd: number, pathAddr: number, flags: number, mode: number): number {
  if ((flags & O_TMPFILE) === O_TMPFILE) return -E.EOPNOTSUPP;
  const p = getPath(k, pathAddr);
  if (typeof p === 'number') return p;
  const follow = (flags & O_NOFOLLOW) === 0 && (flags & (O_CREAT | O_EXCL)) !== (O_CREAT | O_EXCL);
  const r = resolveAt(k, dirfd, p, follow);
  if (typeof r === 'number') return r;
  const f = openResolved(k, r, flags, mode, p);
  if (typeof f === 'number') return f;
  const fd = k.files.alloc(f, (flags & O_CLOEXEC) !== 0);
  return fd;
}

// ---- read / write -------------------------------------------------------------------------------

function doRead(k: KernelLike, fd: number, addr: number, count: number): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  if (count < 0) return -E.EINVAL;
  if (count === 0) return f.readable ? 0 : -E.EBADF;
  const buf = new Uint8Array(ioLen(f, count));
  const n = f.read(buf);
  if (n <= 0) return n;
  return k.uaccess.copyToUser(addr, buf.subarray(0, n)) ? n : -E.EFAULT;
}

function doWrite(k: KernelLike, fd: number, addr: number, count: number): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  if (count < 0) return -E.EINVAL;
  const len = Math.min(count, MAX_IO_CHUNK);
  if (len === 0) return f.writable ? 0 : -E.EBADF;
  // /dev/null: Linux checks only that the range is user space (access_ok) and write_null returns the
  // count without reading the buffer; so does this, without a host system call.
  if (f.discardsWrites && f.writable) return addr >= 0 && addr + len <= TASK_SIZE_MAX ? len : -E.EFAULT;
  const data = k.uaccess.copyFromUser(addr, len);
  if (!data) return -E.EFAULT;
  return f.write(data);
}

/** Read an iovec array: [base, len] pairs, or -errno. */
function readIov(k: KernelLike, addr: number, cnt: number): Array<[number, number]> | number {
  if (cnt < 0 || cnt > 1024) return -E.EINVAL;
  const raw = k.uaccess.copyFromUser(addr, cnt * 16);
  if (!raw && cnt > 0) return -E.EFAULT;
  const out: Array<[number, number]> = [];
  if (!raw) return out;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = Number(v.getBigInt64(i * 16, true));
    const len = Number(v.getBigInt64(i * 16 + 8, true));
    if (len < 0) return -E.EINVAL;
    total += len;
    if (total > 0x7ffff000) return -E.EINVAL;
    out.push([base, len]);
  }
  return out;
}

function doReadv(k: KernelLike, fd: number, iovAddr: number, cnt: number, pos: number | null): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  const iov = readIov(k, iovAddr, cnt);
  if (typeof iov === 'number') return iov;
  const total = iov.reduce((s, [, l]) => s + l, 0);
  if (total === 0) return 0;
  const buf = new Uint8Array(ioLen(f, total));
  const n = pos === null ? f.read(buf) : f.pread(buf, pos);
  if (n <= 0) return n;
  let off = 0;
  for (const [base, len] of iov) {
    if (off >= n) break;
    const m = Math.min(len, n - off);
    if (!k.uaccess.copyToUser(base, buf.subarray(off, off + m))) return off > 0 ? off : -E.EFAULT;
    off += m;
  }
  return n;
}

function doWritev(k: KernelLike, fd: number, iovAddr: number, cnt: number, pos: number | null): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  const iov = readIov(k, iovAddr, cnt);
  if (typeof iov === 'number') return iov;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [base, len] of iov) {
    if (len === 0) continue;
    const d = k.uaccess.copyFromUser(base, len);
    if (!d) return -E.EFAULT;
    parts.push(d);
    total += len;
  }
  if (total === 0) return 0;
  const all = new Uint8Array(total);
  let off = 0;
  for (const p of parts) { all.set(p, off); off += p.length; }
  return pos === null ? f.write(all) : f.pwrite(all, pos);
}

// ---- terminals ----------------------------------------------------------------------------------

const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGPGRP = 0x540f,
  TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541b, FIONBIO = 0x5421,
  FIONCLEX = 0x5450, FIOCLEX = 0x5451, TIOCGSID = 0x5429, FIOASYNC = 0x5452;

/** Terminal settings the guest set, per terminal path (recorded, not applied to the host tty). */
const termiosByTty = new Map<string, Uint8Array>();

function hostWinsize(): [number, number] {
  for (const s of [process.stdout, process.stderr]) {
    if (s.isTTY && s.rows > 0 && s.columns > 0) return [s.rows, s.columns];
  }
  return [24, 80];
}

function doIoctl(k: KernelLike, fd: number, req: number, arg: number): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  const u = k.uaccess;
  switch (req) {
    case FIONBIO: {
      const v = u.getU32(arg);
      if (v === null) return -E.EFAULT;
      f.flags = v !== 0 ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
      return 0;
    }
    case FIOASYNC: return u.getU32(arg) === null ? -E.EFAULT : 0;
    case FIOCLEX: k.files.setCloexec(fd, true); return 0;
    case FIONCLEX: k.files.setCloexec(fd, false); return 0;
    case FIONREAD: {
      const n = f.available();
      if (n < 0) return f.kind === 'dir' ? -E.EINVAL : n;
      return u.putU32(arg, n) ? 0 : -E.EFAULT;
    }
  }
  if (!f.isTty()) return -E.ENOTTY;
  switch (req) {
    case TCGETS:
      return u.copyToUser(arg, termiosByTty.get(f.path) ?? defaultTermios()) ? 0 : -E.EFAULT;
    case TCSETS: case TCSETSW: case TCSETSF: {
      const t = u.copyFromUser(arg, TERMIOS_SIZE);
      if (!t) return -E.EFAULT;
      termiosByTty.set(f.path, t);
      return 0;
    }
    case TIOCGWINSZ: {
      const [rows, cols] = hostWinsize();
      return u.copyToUser(arg, packWinsize(rows, cols)) ? 0 : -E.EFAULT;
    }
    case TIOCSWINSZ: return u.copyFromUser(arg, 8) ? 0 : -E.EFAULT;
    case TIOCGPGRP: case TIOCGSID: return u.putU32(arg, guestPid(k)) ? 0 : -E.EFAULT;
    case TIOCSPGRP: return u.getU32(arg) === null ? -E.EFAULT : 0;
    default: return -E.ENOTTY;
  }
}

// ---- fcntl --------------------------------------------------------------------------------------

const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6,
  F_SETLKW = 7, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38, F_DUPFD_CLOEXEC = 1030,
  F_GETPIPE_SZ = 1032, FD_CLOEXEC = 1, F_UNLCK = 2;

function doFcntl(k: KernelLike, fd: number, cmd: number, a: SyscallArgs): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const min = a.i32(2);
      if (min < 0 || min >= k.files.maxFds) return -E.EINVAL;
      return k.files.dup(fd, min, cmd === F_DUPFD_CLOEXEC);
    }
    case F_GETFD: return k.files.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD: k.files.setCloexec(fd, (a.i32(2) & FD_CLOEXEC) !== 0); return 0;
    case F_GETFL: return f.flags;
    case F_SETFL: {
      if (f.kind === 'path') return -E.EBADF;
      f.flags = (f.flags & ~SETFL_MASK) | (a.i32(2) & SETFL_MASK);
      return 0;
    }
    // Advisory locks: this process is the only one, so every lock is granted and none conflicts.
    case F_GETLK: case F_OFD_GETLK: {
      const addr = a.i64(2);
      const cur = k.uaccess.copyFromUser(addr, 32);
      if (!cur) return -E.EFAULT;
      cur[0] = F_UNLCK; cur[1] = 0;
      return k.uaccess.copyToUser(addr, cur) ? 0 : -E.EFAULT;
    }
    case F_SETLK: case F_SETLKW: case F_OFD_SETLK: case F_OFD_SETLKW:
      return k.uaccess.copyFromUser(a.i64(2), 32) ? 0 : -E.EFAULT;
    case F_GETPIPE_SZ: return f instanceof PipeEnd ? 65536 : -E.EBADF;
    default: return -E.EINVAL;
  }
}

// ---- misc helpers -------------------------------------------------------------------------------

function doAccess(k: KernelLike, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if ((mode & ~7) !== 0) return -E.EINVAL;
  if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -E.EINVAL;
  const p = getPath(k, pathAddr);
  if (typeof p === 'number') return p;
  let r: Resolved | number;
  if (p === '' && (flags & AT_EMPTY_PATH)) {
    if (dirfd === AT_FDCWD) {
      r = vfsOf(k).resolve('.', true);
    } else {
      const f = k.files.get(dirfd);
      if (!f) return -E.EBADF;
      const hp = fdHostPath(k, f);
      if (hp === undefined || f instanceof MemFile) return (mode & 2) !== 0 && !f.writable ? -E.EACCES : 0;
      return host(() => fs.accessSync(hp, mode));
    }
  } else {
    r = resolveAt(k, dirfd, p, (flags & AT_SYMLINK_NOFOLLOW) === 0);
  }
  if (typeof r === 'number') return r;
  if (!r.exists) return -E.ENOENT;
  if (r.virt || r.magicFd !== undefined) return (mode & 2) !== 0 && r.virt?.kind !== 'link' ? -E.EACCES : 0;
  return host(() => fs.accessSync(r.host, mode));
}

function doReadlink(k: KernelLike, dirfd: number, pathAddr: number, buf: number, size: number): number {
  if (size <= 0) return -E.EINVAL;
  const r = pathAt(k, dirfd, pathAddr, false);
  if (typeof r === 'number') return r;
  if (!r.exists) return -E.ENOENT;
  const t = vfsOf(k).readlink(r);
  if (typeof t === 'number') return t;
  const bytes = enc.encode(t);
  const n = Math.min(bytes.length, size);
  return k.uaccess.copyToUser(buf, bytes.subarray(0, n)) ? n : -E.EFAULT;
}

function doMkdir(k: KernelLike, dirfd: number, pathAddr: number, mode: number): number {
  const r = pathAt(k, dirfd, pathAddr, false);
  if (typeof r === 'number') return r;
  if (r.exists) return -E.EEXIST;
  if (r.comps[0] === 'proc') return -E.ENOENT;
  const m = mode & ~k.vfs.umask & 0o7777;
  const e = host(() => fs.mkdirSync(r.host, m));
  if (e === 0) fixMode(r.host, m);
  return e;
}

function lastComponent(p: string): string {
  const parts = p.split('/').filter((c) => c !== '');
  return parts.length ? parts[parts.length - 1] : '/';
}

function doRmdir(k: KernelLike, dirfd: number, pathAddr: number): number {
  const p = getPath(k, pathAddr);
  if (typeof p === 'number') return p;
  const last = lastComponent(p);
  if (last === '.') return -E.EINVAL;
  if (last === '..') return -E.ENOTEMPTY;
  const r = resolveAt(k, dirfd, p, false);
  if (typeof r === 'number') return r;
  if (!r.exists) return -E.ENOENT;
  if (r.comps.length === 0) return -E.EBUSY;
  if (r.virt || r.magicFd !== undefined) return -E.EPERM;
  return host(() => fs.rmdirSync(r.host));
}

function doUnlink(k: KernelLike, dirfd: number, pathAddr: number): number {
  const r = pathAt(k, dirfd, pathAddr, false);
  if (typeof r === 'number') return r;
  if (!r.exists) return -E.ENOENT;
  if (r.virt || r.magicFd !== undefined) return -E.EPERM;
  if (r.comps.length === 0) return -E.EISDIR;
  return host(() => fs.unlinkSync(r.host));
}

const RENAME_NOREPLACE = 1;
function doRename(k: KernelLike, olddir: number, oldAddr: number, newdir: number, newAddr: number, flags: number): number {
  if ((flags & ~RENAME_NOREPLACE) !== 0) return -E.EINVAL;
  const ro = pathAt(k, olddir, oldAddr, false);
  if (typeof ro === 'number') return ro;
  const rn = pathAt(k, newdir, newAddr, false);
  if (typeof rn === 'number') return rn;
  if (!ro.exists) return -E.ENOENT;
  if (ro.virt || rn.virt || ro.magicFd !== undefined || rn.magicFd !== undefined) return -E.EXDEV;
  if (ro.comps.length === 0 || rn.comps.length === 0) return -E.EBUSY;
  if ((flags & RENAME_NOREPLACE) && rn.exists) return -E.EEXIST;
  return host(() => fs.renameSync(ro.host, rn.host));
}

function doSymlink(k: KernelLike, targetAddr: number, dirfd: number, linkAddr: number): number {
  const target = getPath(k, targetAddr);
  if (typeof target === 'number') return target;
  if (target === '') return -E.ENOENT;
  const r = pathAt(k, dirfd, linkAddr, false);
  if (typeof r === 'number') return r;
  if (r.exists) return -E.EEXIST;
  if (r.comps[0] === 'proc') return -E.ENOENT;
  return host(() => fs.symlinkSync(target, r.host));
}

function doLink(k: KernelLike, olddir: number, oldAddr: number, newdir: number, newAddr: number, flags: number): number {
  if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) !== 0) return -E.EINVAL;
  const p = getPath(k, oldAddr);
  if (typeof p === 'number') return p;
  let ro: Resolved | number;
  if (p === '' && (flags & AT_EMPTY_PATH)) {
    const f = k.files.get(olddir);
    if (!f) return -E.EBADF;
    if (!(f instanceof HostFile) || f.kind !== 'file') return -E.ENOENT;
    ro = vfsOf(k).resolve(f.path, false);
  } else {
    ro = resolveAt(k, olddir, p, (flags & AT_SYMLINK_FOLLOW) !== 0);
  }
  if (typeof ro === 'number') return ro;
  if (!ro.exists) return -E.ENOENT;
  const rn = pathAt(k, newdir, newAddr, false);
  if (typeof rn === 'number') return rn;
  if (rn.exists) return -E.EEXIST;
  if (ro.virt || rn.virt || ro.magicFd !== undefined || rn.comps[0] === 'proc') return -E.EXDEV;
  return host(() => fs.linkSync(ro.host, rn.host));
}

function doChmod(k: KernelLike, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if ((flags & ~AT_SYMLINK_NOFOLLOW) !== 0) return -E.EINVAL;
  const r = pathAt(k, dirfd, pathAddr, (flags & AT_SYMLINK_NOFOLLOW) === 0);
  if (typeof r === 'number') return r;
  if (!r.exists) return -E.ENOENT;
  if (r.virt || r.magicFd !== undefined) return -E.EPERM;
  if (flags & AT_SYMLINK_NOFOLLOW) {
    try {
      if (fs.lstatSync(r.host).isSymbolicLink()) return -E.EOPNOTSUPP;
    } catch (err) { return hostErrno(err); }
  }
  return host(() => fs.chmodSync(r.host, mode & 0o7777));
}

function doChown(k: KernelLike, dirfd: number, pathAddr: number, uid: number, gid: number, flags: number): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -E.EINVAL;
  const p = getPath(k, pathAddr);
  if (typeof p === 'number') return p;
  if (p === '' && (flags & AT_EMPTY_PATH)) return doFchown(k, dirfd, uid, gid);
  const r = resolveAt(k, dirfd, p, (flags & AT_SYMLINK_NOFOLLOW) === 0);
  if (typeof r === 'number') return r;
  if (!r.exists) return -E.ENOENT;
  if (r.virt || r.magicFd !== undefined) return -E.EPERM;
  const st = statResolved(k, r);
  if (typeof st === 'number') return st;
  const u = uid === -1 ? Number(st.uid) : uid;
  const g = gid === -1 ? Number(st.gid) : gid;
  return host(() => fs.lchownSync(r.host, u, g));
}

function doFchown(k: KernelLike, fd: number, uid: number, gid: number): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  const st = f.stat();
  if (typeof st === 'number') return st;
  const u = uid === -1 ? Number(st.uid) : uid;
  const g = gid === -1 ? Number(st.gid) : gid;
  if (f instanceof HostFile || (f instanceof DirFile && f.hostFd >= 0)) {
    const hfd = f.hostFd;
    return host(() => fs.fchownSync(hfd, u, g));
  }
  return u === Number(st.uid) && g === Number(st.gid) ? 0 : -E.EPERM;
}

const UTIME_NOW = 0x3fffffff, UTIME_OMIT = 0x3ffffffe;

function doUtimensat(k: KernelLike, dirfd: number, pathAddr: number, timesAddr: number, flags: number): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -E.EINVAL;
  let times: Array<[bigint, bigint]> | undefined;
  if (timesAddr !== 0) {
    const raw = k.uaccess.copyFromUser(timesAddr, 32);
    if (!raw) return -E.EFAULT;
    times = [unpackPair(raw.subarray(0, 16)), unpackPair(raw.subarray(16, 32))];
    for (const [, ns] of times) {
      if (ns !== BigInt(UTIME_NOW) && ns !== BigInt(UTIME_OMIT) && (ns < 0n || ns >= 1_000_000_000n)) return -E.EINVAL;
    }
    if (times.every(([, ns]) => ns === BigInt(UTIME_OMIT))) return 0;
  }
  // Target: a path, or (path NULL / empty with AT_EMPTY_PATH) the descriptor itself.
  let st: StatInfo | number;
  let apply: (at: number, mt: number) => void;
  let p: string | number = '';
  if (pathAddr !== 0) {
    p = getPath(k, pathAddr);
    if (typeof p === 'number') return p;
  }
  if (pathAddr === 0 || (p === '' && (flags & AT_EMPTY_PATH))) {
    const f = dirfd === AT_FDCWD ? undefined : k.files.get(dirfd);
    let hp: string | undefined;
    if (dirfd === AT_FDCWD) hp = k.vfs.hostOf(k.vfs.cwdComps);
    else if (!f) return -E.EBADF;
    else if (f instanceof HostFile) hp = f.hostPath;
    else if (f instanceof DirFile && f.hostFd >= 0) hp = k.vfs.hostOf(f.comps);
    else return 0;
    st = f ? f.stat() : statFd(k, AT_FDCWD);
    const target = hp;
    apply = (at, mt) => fs.utimesSync(target, at, mt);
  } else {
    if (p === '') return -E.ENOENT;
    const nofollow = (flags & AT_SYMLINK_NOFOLLOW) !== 0;
    const r = resolveAt(k, dirfd, p, !nofollow);
    if (typeof r === 'number') return r;
    if (!r.exists) return -E.ENOENT;
    if (r.virt || r.magicFd !== undefined) return -E.EPERM;
    st = statResolved(k, r);
    apply = nofollow ? (at, mt) => fs.lutimesSync(r.host, at, mt) : (at, mt) => fs.utimesSync(r.host, at, mt);
  }
  if (typeof st === 'number') return st;
  const nowS = Date.now() / 1000;
  const pick = (i: number, cur: bigint): number => {
    if (!times) return nowS;
    const [s, ns] = times[i];
    if (ns === BigInt(UTIME_NOW)) return nowS;
    if (ns === BigInt(UTIME_OMIT)) return Number(cur) / 1e9;
    return Number(s) + Number(ns) / 1e9;
  };
  const at = pick(0, st.atimeNs);
  const mt = pick(1, st.mtimeNs);
  return host(() => apply(at, mt));
}

/** Copy up to count bytes from `inf` (at *offAddr, or its offset) to `outf`; for sendfile/copy_file_range. */
function copyBetween(k: KernelLike, inf: OpenFile, outf: OpenFile, inOffAddr: number, outOffAddr: number, count: number): number {
  if (!inf.readable || !outf.writable) return -E.EBADF;
  let inPos: number | null = null;
  let outPos: number | null = null;
  if (inOffAddr !== 0) {
    const v = k.uaccess.getU64(inOffAddr);
    if (v === null) return -E.EFAULT;
    inPos = v;
  }
  if (outOffAddr !== 0) {
    const v = k.uaccess.getU64(outOffAddr);
    if (v === null) return -E.EFAULT;
    outPos = v;
  }
  let done = 0;
  const chunk = new Uint8Array(Math.min(Math.max(count, 0), 1 << 20));
  while (done < count) {
    const want = chunk.subarray(0, Math.min(chunk.length, count - done));
    const n = inPos === null ? inf.read(want) : inf.pread(want, inPos + done);
    if (n < 0) { if (done === 0) return n; break; }
    if (n === 0) break;
    const w = outPos === null ? outf.write(want.subarray(0, n)) : outf.pwrite(want.subarray(0, n), outPos + done);
    if (w < 0) { if (done === 0) return w; break; }
    done += w;
    if (w < n) {
      if (inPos === null && inf.kind === 'file') inf.pos -= n - w;
      break;
    }
    if (n < want.length) break;
  }
  if (inPos !== null && !k.uaccess.putU64(inOffAddr, inPos + done)) return -E.EFAULT;
  if (outPos !== null && !k.uaccess.putU64(outOffAddr, outPos + done)) return -E.EFAULT;
  return done;
}

function doPipe(k: KernelLike, addr: number, flags: number): number {
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) !== 0) return -E.EINVAL;
  const p = new Pipe();
  const rd = new PipeEnd(p, false, flags);
  const wr = new PipeEnd(p, true, flags);
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const r = k.files.alloc(rd, cloexec);
  if (r < 0) { rd.ref(); rd.unref(); wr.ref(); wr.unref(); return r; }
  const w = k.files.alloc(wr, cloexec);
  if (w < 0) { k.files.close(r); wr.ref(); wr.unref(); return w; }
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setInt32(0, r, true);
  v.setInt32(4, w, true);
  if (!k.uaccess.copyToUser(addr, out)) { k.files.close(r); k.files.close(w); return -E.EFAULT; }
  return 0;
}

// struct statfs (x86-64, 120 bytes): f_type f_bsize f_blocks f_bfree f_bavail f_files f_ffree
// (8 bytes each), f_fsid (2 x int), f_namelen, f_frsize, f_flags, f_spare[4].
function packStatfs(s: fs.BigIntStatsFs): Uint8Array {
  const b = new Uint8Array(120);
  const v = new DataView(b.buffer);
  const vals = [s.type, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree];
  vals.forEach((x, i) => v.setBigInt64(i * 8, BigInt(x), true));
  v.setBigInt64(64, 255n, true); // f_namelen
  v.setBigInt64(72, BigInt(s.bsize), true); // f_frsize
  return b;
}

function doStatfs(k: KernelLike, hostPath: string | undefined, addr: number): number {
  if (hostPath === undefined) return -E.ENOSYS;
  try {
    const s = fs.statfsSync(hostPath, { bigint: true });
    return k.uaccess.copyToUser(addr, packStatfs(s)) ? 0 : -E.EFAULT;
  } catch (err) {
    return hostErrno(err);
  }
}

function fdHostPath(k: KernelLike, f: OpenFile): string | undefined {
  if (f instanceof HostFile) return f.hostPath;
  if (f instanceof DirFile || f instanceof PathFile) return f.comps[0] === 'proc' ? '/proc' : k.vfs.hostOf(f.comps);
  if (f instanceof MemFile) return '/proc';
  return undefined;
}

function doChdir(k: KernelLike, r: Resolved | number): number {
  if (typeof r === 'number') return r;
  if (!r.exists) return -E.ENOENT;
  if (r.virt) {
    if (r.virt.kind !== 'dir') return -E.ENOTDIR;
  } else if (r.magicFd !== undefined) {
    const f = k.files.get(r.magicFd);
    if (!(f instanceof DirFile)) return -E.ENOTDIR;
    k.vfs.setCwd(f.comps);
    return 0;
  } else {
    try {
      if (!fs.statSync(r.host).isDirectory()) return -E.ENOTDIR;
      fs.accessSync(r.host, fs.constants.X_OK);
    } catch (err) { return hostErrno(err); }
  }
  k.vfs.setCwd(r.comps);
  return 0;
}

// ---- poll / select ------------------------------------------------------------------------------
//
// Readiness comes from OpenFile.pollMask(). Nothing can change while this (only) guest thread waits,
// so: if something is ready, return at once; else sleep out a finite timeout and report nothing
// ready; with an infinite timeout, fail with EDEADLK and one line on stderr (see fd.ts, Blocking).

const POLL_ALWAYS = FD.POLLERR | FD.POLLHUP | FD.POLLNVAL;

/** poll bits of a descriptor, or POLLNVAL if it is not open. */
function readiness(k: KernelLike, fd: number): number {
  const f = k.files.get(fd);
  if (!f) return FD.POLLNVAL;
  const m = f.pollMask();
  return m | (m & FD.POLLIN ? FD.POLLRDNORM : 0) | (m & FD.POLLOUT ? FD.POLLWRNORM : 0);
}

let warnedPollForever = false;
/** Wait out a timeout (ms, or -1 for none) in which nothing can become ready. */
function idleWait(timeoutMs: number): number {
  if (timeoutMs < 0) {
    if (!warnedPollForever) {
      warnedPollForever = true;
      process.stderr.write('ringjit: poll/select with no timeout and nothing ready would block forever; returning EDEADLK\n');
    }
    return -E.EDEADLK;
  }
  FD.sleepMs(Math.min(timeoutMs, 24 * 3600 * 1000));
  return 0;
}

function doPoll(k: KernelLike, addr: number, nfds: number, timeoutMs: number): number {
  if (nfds < 0 || nfds > k.files.maxFds) return -E.EINVAL;
  const raw = nfds === 0 ? new Uint8Array(0) : k.uaccess.copyFromUser(addr, nfds * 8);
  if (!raw) return -E.EFAULT;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let ready = 0;
  for (let i = 0; i < nfds; i++) {
    const fd = v.getInt32(i * 8, true);
    const events = v.getUint16(i * 8 + 4, true);
    let rev = 0;
    if (fd >= 0) rev = readiness(k, fd) & (events | POLL_ALWAYS);
    v.setUint16(i * 8 + 6, rev, true);
    if (rev !== 0) ready++;
  }
  if (ready === 0) {
    const w = idleWait(timeoutMs);
    if (w < 0) return w;
  }
  if (nfds > 0 && !k.uaccess.copyToUser(addr, raw)) return -E.EFAULT;
  return ready;
}

/** Timeout from a struct timespec/timeval pointer: { ms } (-1 when the pointer is NULL) or -errno. */
function timeoutFrom(k: KernelLike, addr: number, unitNs: bigint): { ms: number } | number {
  if (addr === 0) return { ms: -1 };
  const raw = k.uaccess.copyFromUser(addr, 16);
  if (!raw) return -E.EFAULT;
  const [s, frac] = unpackPair(raw);
  if (s < 0n || frac < 0n || frac * unitNs >= 1_000_000_000n) return -E.EINVAL;
  return { ms: Math.min(Number(s) * 1000 + Math.ceil(Number(frac * unitNs) / 1e6), 2 ** 31) };
}

function doSelect(k: KernelLike, nfds: number, rAddr: number, wAddr: number, eAddr: number, timeoutMs: number): number {
  if (nfds < 0) return -E.EINVAL;
  nfds = Math.min(nfds, k.files.maxFds);
  const bytes = Math.ceil(nfds / 64) * 8;
  const sets: Array<Uint8Array | null> = [];
  for (const addr of [rAddr, wAddr, eAddr]) {
    if (addr === 0 || bytes === 0) { sets.push(null); continue; }
    const b = k.uaccess.copyFromUser(addr, bytes);
    if (!b) return -E.EFAULT;
    sets.push(b);
  }
  const out = sets.map((s) => (s ? new Uint8Array(s.length) : null));
  const want = [FD.POLLIN | FD.POLLHUP | FD.POLLERR, FD.POLLOUT | FD.POLLERR, FD.POLLPRI];
  let count = 0;
  for (let fd = 0; fd < nfds; fd++) {
    const bit = 1 << (fd & 7), byte = fd >> 3;
    const asked = sets.some((s) => s !== null && (s[byte] & bit) !== 0);
    if (!asked) continue;
    const r = readiness(k, fd);
    if (r & FD.POLLNVAL) return -E.EBADF;
    for (let i = 0; i < 3; i++) {
      const s = sets[i];
      if (s && (s[byte] & bit) && (r & want[i])) { out[i]![byte] |= bit; count++; }
    }
  }
  if (count === 0) {
    const w = idleWait(timeoutMs);
    if (w < 0) return w;
  }
  const addrs = [rAddr, wAddr, eAddr];
  for (let i = 0; i < 3; i++) {
    if (out[i] && !k.uaccess.copyToUser(addrs[i], out[i]!)) return -E.EFAULT;
  }
  return count;
}

function selectLike(k: KernelLike, a: SyscallArgs, unitNs: bigint): number {
  const t = timeoutFrom(k, a.i64(4), unitNs);
  if (typeof t === 'number') return t;
  const r = doSelect(k, a.i32(0), a.i64(1), a.i64(2), a.i64(3), t.ms);
  // select() reports the time left; after an immediate answer or a full sleep that is 0 or the input.
  if (r >= 0 && r === 0 && a.i64(4) !== 0) k.uaccess.copyToUser(a.i64(4), new Uint8Array(16));
  return r;
}

// ---- the table ----------------------------------------------------------------------------------

const ofs = (a: SyscallArgs, n: number): number => a.i64(n);

export const fsSyscalls: Record<string, SyscallHandler> = {
  read: (k, a) => doRead(k, a.i32(0), ofs(a, 1), a.u64(2)),
  write: (k, a) => doWrite(k, a.i32(0), ofs(a, 1), a.u64(2)),
  readv: (k, a) => doReadv(k, a.i32(0), ofs(a, 1), a.i32(2), null),
  writev: (k, a) => doWritev(k, a.i32(0), ofs(a, 1), a.i32(2), null),
  preadv: (k, a) => (a.i64(3) < 0 ? -E.EINVAL : doReadv(k, a.i32(0), ofs(a, 1), a.i32(2), a.i64(3))),
  pwritev: (k, a) => (a.i64(3) < 0 ? -E.EINVAL : doWritev(k, a.i32(0), ofs(a, 1), a.i32(2), a.i64(3))),
  pread64: (k, a) => {
    const f = k.files.get(a.i32(0));
    if (!f) return -E.EBADF;
    const pos = a.i64(3);
    if (pos < 0) return -E.EINVAL;
    const count = a.u64(2);
    if (count === 0) return 0;
    const buf = new Uint8Array(Math.min(count, MAX_IO_CHUNK, Math.max(65536, f.size() - pos)));
    const n = f.pread(buf, pos);
    if (n <= 0) return n;
    return k.uaccess.copyToUser(ofs(a, 1), buf.subarray(0, n)) ? n : -E.EFAULT;
  },
  pwrite64: (k, a) => {
    const f = k.files.get(a.i32(0));
    if (!f) return -E.EBADF;
    const pos = a.i64(3);
    if (pos < 0) return -E.EINVAL;
    const len = Math.min(a.u64(2), MAX_IO_CHUNK);
    if (len === 0) return 0;
    const d = k.uaccess.copyFromUser(ofs(a, 1), len);
    if (!d) return -E.EFAULT;
    return f.pwrite(d, pos);
  },
  open: (k, a) => doOpen(k, AT_FDCWD, ofs(a, 0), a.i32(1), a.u32(2)),
  creat: (k, a) => doOpen(k, AT_FDCWD, ofs(a, 0), O_CREAT | O_WRONLY | O_TRUNC, a.u32(1)),
  openat: (k, a) => doOpen(k, a.i32(0), ofs(a, 1), a.i32(2), a.u32(3)),
  close: (k, a) => k.files.close(a.i32(0)),
  close_range: (k, a) => {
    const first = a.u32(0), last = a.u32(1), flags = a.u32(2);
    const CLOSE_RANGE_CLOEXEC = 4;
    if ((flags & ~(CLOSE_RANGE_CLOEXEC | 2)) !== 0 || first > last) return -E.EINVAL;
    for (const fd of k.files.list()) {
      if (fd < first || fd > last) continue;
      if (flags & CLOSE_RANGE_CLOEXEC) k.files.setCloexec(fd, true); else k.files.close(fd);
    }
    return 0;
  },
  lseek: (k, a) => {
    const f = k.files.get(a.i32(0));
    if (!f) return -E.EBADF;
    return f.seek(a.i64(1), a.i32(2));
  },
  fstat: (k, a) => {
    const f = k.files.get(a.i32(0));
    if (!f) return -E.EBADF;
    return putStat(k, ofs(a, 1), f.stat());
  },
  stat: (k, a) => putStat(k, ofs(a, 1), statAt(k, AT_FDCWD, ofs(a, 0), 0)),
  lstat: (k, a) => putStat(k, ofs(a, 1), statAt(k, AT_FDCWD, ofs(a, 0), AT_SYMLINK_NOFOLLOW)),
  newfstatat: (k, a) => {
    const flags = a.i32(3);
    if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) !== 0) return -E.EINVAL;
    return putStat(k, ofs(a, 2), statAt(k, a.i32(0), ofs(a, 1), flags));
  },
  statx: (k, a) => {
    const flags = a.i32(2);
    const AT_STATX_SYNC_TYPE = 0x6000;
    if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) !== 0) return -E.EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -E.EINVAL;
    if ((a.u32(3) & 0x80000000) !== 0) return -E.EINVAL; // STATX__RESERVED
    const st = statAt(k, a.i32(0), ofs(a, 1), flags);
    if (typeof st === 'number') return st;
    return k.uaccess.copyToUser(ofs(a, 4), packStatx(st)) ? 0 : -E.EFAULT;
  },
  access: (k, a) => doAccess(k, AT_FDCWD, ofs(a, 0), a.i32(1), 0),
  faccessat: (k, a) => doAccess(k, a.i32(0), ofs(a, 1), a.i32(2), 0),
  faccessat2: (k, a) => doAccess(k, a.i32(0), ofs(a, 1), a.i32(2), a.i32(3)),
  readlink: (k, a) => doReadlink(k, AT_FDCWD, ofs(a, 0), ofs(a, 1), a.i32(2)),
  readlinkat: (k, a) => doReadlink(k, a.i32(0), ofs(a, 1), ofs(a, 2), a.i32(3)),
  getcwd: (k, a) => {
    const bytes = enc.encode(k.vfs.cwd + '\0');
    const size = a.u64(1);
    if (size < bytes.length) return -E.ERANGE;
    return k.uaccess.copyToUser(ofs(a, 0), bytes) ? bytes.length : -E.EFAULT;
  },
  chdir: (k, a) => doChdir(k, pathAt(k, AT_FDCWD, ofs(a, 0), true)),
  fchdir: (k, a) => {
    const f = k.files.get(a.i32(0));
    if (!f) return -E.EBADF;
    if (f instanceof DirFile) { k.vfs.setCwd(f.comps); return 0; }
    if (f instanceof PathFile) {
      const st = f.stat();
      if (typeof st === 'number') return st;
      if ((Number(st.mode) & S_IFMT) !== S_IFDIR) return -E.ENOTDIR;
      k.vfs.setCwd(f.comps);
      return 0;
    }
    return -E.ENOTDIR;
  },
  mkdir: (k, a) => doMkdir(k, AT_FDCWD, ofs(a, 0), a.u32(1)),
  mkdirat: (k, a) => doMkdir(k, a.i32(0), ofs(a, 1), a.u32(2)),
  rmdir: (k, a) => doRmdir(k, AT_FDCWD, ofs(a, 0)),
  unlink: (k, a) => doUnlink(k, AT_FDCWD, ofs(a, 0)),
  unlinkat: (k, a) => {
    const flags = a.i32(2);
    if ((flags & ~AT_REMOVEDIR) !== 0) return -E.EINVAL;
    return flags & AT_REMOVEDIR ? doRmdir(k, a.i32(0), ofs(a, 1)) : doUnlink(k, a.i32(0), ofs(a, 1));
  },
  rename: (k, a) => doRename(k, AT_FDCWD, ofs(a, 0), AT_FDCWD, ofs(a, 1), 0),
  renameat: (k, a) => doRename(k, a.i32(0), ofs(a, 1), a.i32(2), ofs(a, 3), 0),
  renameat2: (k, a) => doRename(k, a.i32(0), ofs(a, 1), a.i32(2), ofs(a, 3), a.u32(4)),
  getdents64: (k, a) => {
    const f = k.files.get(a.i32(0));
    if (!f) return -E.EBADF;
    if (!(f instanceof DirFile)) return -E.ENOTDIR;
    const out = f.getdents(a.u32(2));
    if (typeof out === 'number') return out;
    if (out.length === 0) return 0;
    return k.uaccess.copyToUser(ofs(a, 1), out) ? out.length : -E.EFAULT;
  },
  fcntl: (k, a) => doFcntl(k, a.i32(0), a.i32(1), a),
  dup: (k, a) => k.files.dup(a.i32(0)),
  dup2: (k, a) => k.files.dup2(a.i32(0), a.i32(1)),
  dup3: (k, a) => k.files.dup3(a.i32(0), a.i32(1), a.i32(2)),
  pipe: (k, a) => doPipe(k, ofs(a, 0), 0),
  pipe2: (k, a) => doPipe(k, ofs(a, 0), a.i32(1)),
  ioctl: (k, a) => doIoctl(k, a.i32(0), a.u32(1), ofs(a, 2)),
  ftruncate: (k, a) => {
    const f = k.files.get(a.i32(0));
    if (!f) return -E.EBADF;
    if (a.i64(1) < 0) return -E.EINVAL;
    return f.truncate(a.i64(1));
  },
  truncate: (k, a) => {
    const len = a.i64(1);
    if (len < 0) return -E.EINVAL;
    const r = pathAt(k, AT_FDCWD, ofs(a, 0), true);
    if (typeof r === 'number') return r;
    if (!r.exists) return -E.ENOENT;
    if (r.virt || r.magicFd !== undefined) return -E.EACCES;
    return host(() => fs.truncateSync(r.host, len));
  },
  fsync: (k, a) => k.files.get(a.i32(0))?.sync() ?? -E.EBADF,
  fdatasync: (k, a) => k.files.get(a.i32(0))?.sync() ?? -E.EBADF,
  sync: () => 0,
  syncfs: (k, a) => (k.files.get(a.i32(0)) ? 0 : -E.EBADF),
  symlink: (k, a) => doSymlink(k, ofs(a, 0), AT_FDCWD, ofs(a, 1)),
  symlinkat: (k, a) => doSymlink(k, ofs(a, 0), a.i32(1), ofs(a, 2)),
  link: (k, a) => doLink(k, AT_FDCWD, ofs(a, 0), AT_FDCWD, ofs(a, 1), 0),
  linkat: (k, a) => doLink(k, a.i32(0), ofs(a, 1), a.i32(2), ofs(a, 3), a.i32(4)),
  chmod: (k, a) => doChmod(k, AT_FDCWD, ofs(a, 0), a.u32(1), 0),
  fchmodat: (k, a) => doChmod(k, a.i32(0), ofs(a, 1), a.u32(2), 0),
  fchmodat2: (k, a) => doChmod(k, a.i32(0), ofs(a, 1), a.u32(2), a.i32(3)),
  fchmod: (k, a) => {
    const f = k.files.get(a.i32(0));
    if (!f) return -E.EBADF;
    if (f instanceof PathFile) return -E.EBADF;
    const mode = a.u32(1) & 0o7777;
    if (f instanceof HostFile || (f instanceof DirFile && f.hostFd >= 0)) {
      const hfd = f.hostFd;
      return host(() => fs.fchmodSync(hfd, mode));
    }
    return 0;
  },
  chown: (k, a) => doChown(k, AT_FDCWD, ofs(a, 0), a.i32(1), a.i32(2), 0),
  lchown: (k, a) => doChown(k, AT_FDCWD, ofs(a, 0), a.i32(1), a.i32(2), AT_SYMLINK_NOFOLLOW),
  fchownat: (k, a) => doChown(k, a.i32(0), ofs(a, 1), a.i32(2), a.i32(3), a.i32(4)),
  fchown: (k, a) => doFchown(k, a.i32(0), a.i32(1), a.i32(2)),
  utimensat: (k, a) => doUtimensat(k, a.i32(0), ofs(a, 1), ofs(a, 2), a.i32(3)),
  umask: (k, a) => {
    const old = k.vfs.umask;
    k.vfs.umask = a.u32(0) & 0o777;
    return old;
  },
  sendfile: (k, a) => {
    const outf = k.files.get(a.i32(0));
    const inf = k.files.get(a.i32(1));
    if (!outf || !inf) return -E.EBADF;
    if (inf.kind !== 'file' && inf.kind !== 'mem') return -E.EINVAL;
    if ((outf.flags & O_APPEND) !== 0 && outf.kind === 'file') return -E.EINVAL;
    return copyBetween(k, inf, outf, ofs(a, 2), 0, Math.min(a.u64(3), 0x7ffff000));
  },
  copy_file_range: (k, a) => {
    if (a.u32(5) !== 0) return -E.EINVAL;
    const inf = k.files.get(a.i32(0));
    const outf = k.files.get(a.i32(2));
    if (!outf || !inf) return -E.EBADF;
    if (inf.kind === 'dir' || outf.kind === 'dir') return -E.EISDIR;
    if (inf.kind !== 'file' || outf.kind !== 'file') return -E.EINVAL;
    if ((outf.flags & O_APPEND) !== 0) return -E.EBADF;
    return copyBetween(k, inf, outf, ofs(a, 1), ofs(a, 3), Math.min(a.u64(4), 0x7ffff000));
  },
  statfs: (k, a) => {
    const r = pathAt(k, AT_FDCWD, ofs(a, 0), true);
    if (typeof r === 'number') return r;
    if (!r.exists) return -E.ENOENT;
    return doStatfs(k, r.virt || r.magicFd !== undefined ? '/proc' : r.host, ofs(a, 1));
  },
  fstatfs: (k, a) => {
    const f = k.files.get(a.i32(0));
    if (!f) return -E.EBADF;
    return doStatfs(k, fdHostPath(k, f), ofs(a, 1));
  },
  poll: (k, a) => doPoll(k, a.i64(0), a.i32(1), a.i32(2)),
  ppoll: (k, a) => {
    const t = timeoutFrom(k, a.i64(2), 1n);
    if (typeof t === 'number') return t;
    return doPoll(k, a.i64(0), a.i32(1), t.ms);
  },
  select: (k, a) => selectLike(k, a, 1000n),
  pselect6: (k, a) => selectLike(k, a, 1n),
  flock: (k, a) => (k.files.get(a.i32(0)) ? 0 : -E.EBADF),
  fadvise64: (k, a) => {
    const f = k.files.get(a.i32(0));
    if (!f) return -E.EBADF;
    return f.kind === 'pipe' ? -E.ESPIPE : 0;
  },
};

