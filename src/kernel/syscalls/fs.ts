// File-system system calls: descriptors, paths, stat, directories, pipes, terminals.
// Every handler returns a result or -errno; user-memory faults are -EFAULT; host exceptions are
// caught and mapped (hostErrno), never thrown.
//
// This module is the table, keyed by Linux name; the work is in the fs_*.ts modules beside it:
// fs_lookup (path arguments and stat), fs_open (open, pipe), fs_io (read/write, copies),
// fs_ioctl_fcntl, fs_namespace (mkdir, unlink, rename, links, chdir), fs_metadata (chmod, chown,
// utimes, statfs) and fs_poll (poll/select).

import { fs } from '../host_fs.js';
import { E, type SyscallArgs } from '../types.js';
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_EMPTY_PATH, AT_NO_AUTOMOUNT } from '../vfs.js';
import { MAX_IO_CHUNK, O_CREAT, O_TRUNC, O_APPEND, O_WRONLY } from '../file.js';
import { HostFile } from '../file_host.js';
import { DirFile } from '../file_dir.js';
import { PathFile } from '../file_virtual.js';
import { packStatx, S_IFDIR, S_IFMT } from '../stat.js';
import type { SyscallHandler } from './kernel_like.js';
import { pathAt, statAt, putStat, host, fdHostPath } from './fs_lookup.js';
import { doOpen, doPipe } from './fs_open.js';
import { doRead, doWrite, doReadv, doWritev, copyBetween } from './fs_io.js';
import { doIoctl, doFcntl } from './fs_ioctl_fcntl.js';
import {
  doAccess, doReadlink, doChdir, doMkdir, doRmdir, doUnlink, doRename, doSymlink, doLink,
} from './fs_namespace.js';
import { doChmod, doChown, doFchown, doUtimensat, doStatfs } from './fs_metadata.js';
import { doPoll, timeoutFrom, selectLike } from './fs_poll.js';

const enc = new TextEncoder();

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
