// Path arguments and their lookup for the file-system system calls: reading a path from user memory,
// resolving it relative to a *at() dirfd, stat of what it names, and the small host helpers the
// handlers share (host errno mapping, exact creation modes, the host path behind a descriptor).

import { fs } from '../host_fs.js';
import { E } from '../types.js';
import {
  type Vfs, type Resolved, hostErrno, HOST_UMASK, AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, PATH_MAX,
} from '../vfs.js';
import { OpenFile, nextPseudoIno } from '../file.js';
import { HostFile } from '../file_host.js';
import { DirFile } from '../file_dir.js';
import { MemFile, PathFile, virtualStat } from '../file_virtual.js';
import { type StatInfo, packStat, S_IFDIR, S_IFMT } from '../stat.js';
import { type KernelLike, guestPid } from './kernel_like.js';

/** Let the Vfs's virtual /proc/self describe this kernel's process. */
export function vfsOf(k: KernelLike): Vfs {
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
export function getPath(k: KernelLike, addr: number): string | number {
  const s = k.uaccess.strncpyFromUser(addr, PATH_MAX);
  if (s === null) return -E.EFAULT;
  if (typeof s === 'number') return -Math.abs(s);
  return s;
}

/** Base directory components for a *at() call. */
export function baseOf(k: KernelLike, dirfd: number, path: string): readonly string[] | number {
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

export function resolveAt(k: KernelLike, dirfd: number, path: string, follow: boolean): Resolved | number {
  const base = baseOf(k, dirfd, path);
  if (typeof base === 'number') return base;
  return vfsOf(k).resolve(path, follow, base);
}

/** Read the path argument and resolve it. */
export function pathAt(k: KernelLike, dirfd: number, addr: number, follow: boolean): Resolved | number {
  const p = getPath(k, addr);
  if (typeof p === 'number') return p;
  return resolveAt(k, dirfd, p, follow);
}

const virtIno = new Map<string, number>();
export function virtInoOf(guest: string): number {
  let n = virtIno.get(guest);
  if (n === undefined) { n = nextPseudoIno(); virtIno.set(guest, n); }
  return n;
}

/** stat of a resolved path (after lookup; `r.exists` must be true). */
export function statResolved(k: KernelLike, r: Resolved): StatInfo | number {
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

export function statFd(k: KernelLike, fd: number): StatInfo | number {
  if (fd === AT_FDCWD) {
    const r = vfsOf(k).resolve('.', true);
    return typeof r === 'number' ? r : statResolved(k, r);
  }
  const f = k.files.get(fd);
  return f ? f.stat() : -E.EBADF;
}

/** stat/lstat/newfstatat/statx core: dirfd + path + AT_* flags. */
export function statAt(k: KernelLike, dirfd: number, pathAddr: number, flags: number): StatInfo | number {
  const p = getPath(k, pathAddr);
  if (typeof p === 'number') return p;
  if (p === '') return (flags & AT_EMPTY_PATH) !== 0 ? statFd(k, dirfd) : -E.ENOENT;
  const r = resolveAt(k, dirfd, p, (flags & AT_SYMLINK_NOFOLLOW) === 0);
  if (typeof r === 'number') return r;
  if (!r.exists) return -E.ENOENT;
  return statResolved(k, r);
}

export function putStat(k: KernelLike, addr: number, st: StatInfo | number): number {
  if (typeof st === 'number') return st;
  return k.uaccess.copyToUser(addr, packStat(st)) ? 0 : -E.EFAULT;
}

/** Run a host operation, mapping its exception; returns 0 or -errno. */
export function host(op: () => void): number {
  try { op(); return 0; } catch (err) { return hostErrno(err); }
}

/** Make a created file's mode exactly `mode` even where the host's own umask would strip bits. */
export function fixMode(hostPath: string, mode: number, hostFd?: number): void {
  if ((mode & HOST_UMASK) === 0) return;
  try {
    if (hostFd !== undefined) fs.fchmodSync(hostFd, mode); else fs.chmodSync(hostPath, mode);
  } catch { /* best effort */ }
}

export function fdHostPath(k: KernelLike, f: OpenFile): string | undefined {
  if (f instanceof HostFile) return f.hostPath;
  if (f instanceof DirFile || f instanceof PathFile) return f.comps[0] === 'proc' ? '/proc' : k.vfs.hostOf(f.comps);
  if (f instanceof MemFile) return '/proc';
  return undefined;
}
