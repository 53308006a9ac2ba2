// The name space: access/faccessat, readlink, mkdir, rmdir, unlink, rename, symlink, link and chdir.

import { fs } from '../host_fs.js';
import { E } from '../types.js';
import {
  type Resolved, hostErrno, AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_EACCESS, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH,
} from '../vfs.js';
import { HostFile } from '../file_host.js';
import { DirFile } from '../file_dir.js';
import { MemFile } from '../file_virtual.js';
import type { KernelLike } from './kernel_like.js';
import { vfsOf, getPath, resolveAt, pathAt, host, fixMode, fdHostPath } from './fs_lookup.js';

const enc = new TextEncoder();

export function doAccess(k: KernelLike, dirfd: number, pathAddr: number, mode: number, flags: number): number {
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

export function doReadlink(k: KernelLike, dirfd: number, pathAddr: number, buf: number, size: number): number {
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

export function doMkdir(k: KernelLike, dirfd: number, pathAddr: number, mode: number): number {
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

export function doRmdir(k: KernelLike, dirfd: number, pathAddr: number): number {
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

export function doUnlink(k: KernelLike, dirfd: number, pathAddr: number): number {
  const r = pathAt(k, dirfd, pathAddr, false);
  if (typeof r === 'number') return r;
  if (!r.exists) return -E.ENOENT;
  if (r.virt || r.magicFd !== undefined) return -E.EPERM;
  if (r.comps.length === 0) return -E.EISDIR;
  return host(() => fs.unlinkSync(r.host));
}

const RENAME_NOREPLACE = 1;
export function doRename(k: KernelLike, olddir: number, oldAddr: number, newdir: number, newAddr: number, flags: number): number {
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

export function doSymlink(k: KernelLike, targetAddr: number, dirfd: number, linkAddr: number): number {
  const target = getPath(k, targetAddr);
  if (typeof target === 'number') return target;
  if (target === '') return -E.ENOENT;
  const r = pathAt(k, dirfd, linkAddr, false);
  if (typeof r === 'number') return r;
  if (r.exists) return -E.EEXIST;
  if (r.comps[0] === 'proc') return -E.ENOENT;
  return host(() => fs.symlinkSync(target, r.host));
}

export function doLink(k: KernelLike, olddir: number, oldAddr: number, newdir: number, newAddr: number, flags: number): number {
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

export function doChdir(k: KernelLike, r: Resolved | number): number {
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
