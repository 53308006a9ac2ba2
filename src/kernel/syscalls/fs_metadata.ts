// File attributes and file-system information: chmod, chown/fchown, utimensat, statfs/fstatfs.

import { fs } from '../host_fs.js';
import { E } from '../types.js';
import { hostErrno, AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH } from '../vfs.js';
import { HostFile } from '../file_host.js';
import { DirFile } from '../file_dir.js';
import { type StatInfo, unpackPair } from '../stat.js';
import type { KernelLike } from './kernel_like.js';
import { getPath, resolveAt, pathAt, statResolved, statFd, host } from './fs_lookup.js';

export function doChmod(k: KernelLike, dirfd: number, pathAddr: number, mode: number, flags: number): number {
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

export function doChown(k: KernelLike, dirfd: number, pathAddr: number, uid: number, gid: number, flags: number): number {
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

export function doFchown(k: KernelLike, fd: number, uid: number, gid: number): number {
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

export function doUtimensat(k: KernelLike, dirfd: number, pathAddr: number, timesAddr: number, flags: number): number {
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

export function doStatfs(k: KernelLike, hostPath: string | undefined, addr: number): number {
  if (hostPath === undefined) return -E.ENOSYS;
  try {
    const s = fs.statfsSync(hostPath, { bigint: true });
    return k.uaccess.copyToUser(addr, packStatfs(s)) ? 0 : -E.EFAULT;
  } catch (err) {
    return hostErrno(err);
  }
}
