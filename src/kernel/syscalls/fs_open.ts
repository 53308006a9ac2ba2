// Creating open files: open/openat/creat (guest flags to host flags, /proc/self/fd reopening,
// virtual /proc nodes, O_PATH, directories) and the descriptor pair of pipe/pipe2.

import { fs } from '../host_fs.js';
import { E } from '../types.js';
import { type Resolved, hostErrno } from '../vfs.js';
import {
  OpenFile, O_ACCMODE, O_CREAT, O_EXCL, O_TRUNC, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH,
  O_TMPFILE, O_LARGEFILE, O_DIRECT, O_NOCTTY, O_DSYNC, O_SYNC, O_WRONLY, SETFL_MASK,
} from '../file.js';
import { HostFile } from '../file_host.js';
import { DirFile, hostDirLister } from '../file_dir.js';
import { Pipe, PipeEnd } from '../file_pipe.js';
import { MemFile, PathFile, virtualStat } from '../file_virtual.js';
import { S_IFDIR, S_IFMT, S_IFREG } from '../stat.js';
import type { KernelLike } from './kernel_like.js';
import { vfsOf, getPath, resolveAt, virtInoOf, fixMode } from './fs_lookup.js';

const enc = new TextEncoder();

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

export function doOpen(k: KernelLike, dirfd: number, pathAddr: number, flags: number, mode: number): number {
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

export function doPipe(k: KernelLike, addr: number, flags: number): number {
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
