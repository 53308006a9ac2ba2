// Open file descriptions (Linux's struct file) and the per-process descriptor table.
//
// An OpenFile is shared by every descriptor that dup() made from it (offset and status flags are
// shared, close-on-exec is per descriptor) and is released when the last descriptor closes.
// Kinds:
//   * HostFile 'file'   a host regular file or device, read and written with explicit positions
//                        (fs.readSync/writeSync with a position), so the kernel owns the offset;
//   * HostFile 'stream' a host tty, pipe, socket or fifo, and the inherited stdio descriptors:
//                        position null, the host owns the offset (stdio regular files switch to
//                        explicit positions on their first lseek);
//   * DirFile  'dir'    a directory: getdents64 entries listed once (again after a rewind);
//   * PipeEnd  'pipe'   one end of an in-kernel pipe (a 64 KiB ring buffer, like Linux's default);
//   * MemFile  'mem'    a virtual /proc file: a snapshot of its bytes taken at open;
//   * PathFile 'path'   an O_PATH descriptor: no I/O, only fstat / *at() base / fchdir;
//   * StreamFile 'stream' stdio redirected by the embedder: stdin from bytes, stdout/stderr into
//                        callbacks (installStdio's `redirect`).
//
// Blocking. ringjit runs one guest thread on the Node thread, so a blocking read of an empty pipe
// whose writer is still open can never complete (only this same thread could write it). Such a read
// returns -EAGAIN under O_NONBLOCK (as Linux does); without O_NONBLOCK it prints one line
// ("ringjit: read from empty pipe would block forever ...") and fails with -EDEADLK rather than hang.
// A full pipe on a blocking write behaves the same way. `Pipe.onWouldBlock` lets a future scheduler
// take over (return a value to use as the result, or undefined for the default).

import * as fs from 'node:fs';
import { E } from './types.js';
import { hostErrno } from './vfs.js';
import { isHostNullDevice, isHostTerminal } from './host.js';
import {
  type StatInfo, synthStat, S_IFIFO, S_IFDIR, S_IFREG, S_IFLNK, DT_DIR, DT_LNK, DT_REG, DT_FIFO,
  DT_CHR, DT_BLK, DT_SOCK, DT_UNKNOWN, direntSize, packDirent,
} from './stat.js';

// open(2) flags, x86-64 values (include/uapi/asm-generic/fcntl.h).
export const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3;
export const O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400, O_TRUNC = 0o1000, O_APPEND = 0o2000,
  O_NONBLOCK = 0o4000, O_DSYNC = 0o10000, O_ASYNC = 0o20000, O_DIRECT = 0o40000, O_LARGEFILE = 0o100000,
  O_DIRECTORY = 0o200000, O_NOFOLLOW = 0o400000, O_NOATIME = 0o1000000, O_CLOEXEC = 0o2000000,
  O_SYNC = 0o4010000, O_PATH = 0o10000000, O_TMPFILE = 0o20200000;
/** Flags F_SETFL may change (fs/fcntl.c SETFL_MASK). */
export const SETFL_MASK = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

/** poll(2) event bits (asm-generic/poll.h). */
export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
  POLLRDNORM = 0x40, POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200;

export const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;

/** Linux's default pipe capacity (16 pages). */
export const PIPE_CAPACITY = 65536;
/** Largest single host read/write we allocate for (Linux caps one call at MAX_RW_COUNT anyway). */
export const MAX_IO_CHUNK = 1 << 28;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Block the Node thread for `ms` milliseconds (no busy wait). */
export function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

export type FileKind = 'file' | 'stream' | 'dir' | 'pipe' | 'mem' | 'path';

/** An open file description. Methods return byte counts / 0 or -errno; they never throw. */
export abstract class OpenFile {
  abstract readonly kind: FileKind;
  /** Descriptors (in all tables) referring to this description. */
  refs = 0;
  /** File offset (for kinds that have one). */
  pos = 0;

  /**
   * @param path  guest path (or a pseudo name such as `pipe:[5]`), what /proc/self/fd/N shows
   * @param flags access mode and status flags, as F_GETFL reports them
   */
  constructor(public path: string, public flags: number) {}

  /** Writes are discarded without reading the buffer (/dev/null: Linux's write_null). */
  discardsWrites = false;

  get readable(): boolean { return (this.flags & O_ACCMODE) !== O_WRONLY && (this.flags & O_PATH) === 0; }
  get writable(): boolean { return (this.flags & O_ACCMODE) !== O_RDONLY && (this.flags & O_PATH) === 0; }
  get nonblocking(): boolean { return (this.flags & O_NONBLOCK) !== 0; }

  /** read(2) into dst (at most dst.length bytes), advancing the offset. */
  read(_dst: Uint8Array): number { return -E.EINVAL; }
  /** write(2) from src, advancing the offset. */
  write(_src: Uint8Array): number { return -E.EINVAL; }
  /** pread64(2): does not move the offset. */
  pread(_dst: Uint8Array, _pos: number): number { return -E.ESPIPE; }
  /** pwrite64(2). */
  pwrite(_src: Uint8Array, _pos: number): number { return -E.ESPIPE; }
  /** lseek(2): the new offset or -errno. */
  seek(_off: number, _whence: number): number { return -E.ESPIPE; }
  /** fstat(2). */
  abstract stat(): StatInfo | number;
  /** ftruncate(2). */
  truncate(_len: number): number { return -E.EINVAL; }
  /** fsync(2)/fdatasync(2). */
  sync(): number { return 0; }
  /** True for a terminal (TCGETS/TIOCGWINSZ succeed). */
  isTty(): boolean { return false; }
  /** Bytes that a read would return now (FIONREAD), or -errno. */
  available(): number { return -E.ENOTTY; }
  /**
   * Readiness for poll/select (POLLIN|POLLOUT|POLLERR|POLLHUP bits). The default: a read would not
   * block if readable, a write would not block if writable (regular files, directories, devices;
   * and host ttys/pipes, whose readiness Node cannot observe: a read then blocks in the host).
   */
  pollMask(): number { return (this.readable ? POLLIN : 0) | (this.writable ? POLLOUT : 0); }

  /** For mmap: bytes at pos (fewer at EOF, empty past it). Does not move the offset. */
  readAt(pos: number, len: number): Uint8Array {
    const buf = new Uint8Array(Math.max(0, Math.min(len, MAX_IO_CHUNK)));
    const n = this.pread(buf, pos);
    return n > 0 ? buf.subarray(0, n) : new Uint8Array(0);
  }
  /** For mmap: the file's size in bytes (0 when it has none). */
  size(): number {
    const st = this.stat();
    return typeof st === 'number' ? 0 : Number(st.size);
  }

  /** Take a reference (a new descriptor). */
  ref(): this { this.refs++; return this; }
  /** Drop a reference; the last one releases the description. */
  unref(): void { if (--this.refs === 0) this.release(); }
  /** Called when the last descriptor closes. */
  protected release(): void {}
}

/** Clamp a seek result: negative offsets are EINVAL. */
function seekTo(f: OpenFile, off: number, whence: number, size: () => number | StatInfo): number {
  let base: number;
  switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = f.pos; break;
    case SEEK_END: {
      const s = size();
      if (typeof s !== 'number') return -E.EINVAL;
      if (s < 0) return s;
      base = s;
      break;
    }
    case SEEK_DATA: case SEEK_HOLE: {
      const s = size();
      if (typeof s !== 'number') return -E.EINVAL;
      if (s < 0) return s;
      if (off < 0 || off >= s) return -E.ENXIO;
      f.pos = whence === SEEK_DATA ? off : s;
      return f.pos;
    }
    default: return -E.EINVAL;
  }
  const n = base + off;
  if (n < 0 || !Number.isSafeInteger(n)) return -E.EINVAL;
  f.pos = n;
  return n;
}

/** Retry host EAGAIN/EINTR on a descriptor the guest sees as blocking (Node may have made it non-blocking). */
function hostIo(f: OpenFile, op: () => number): number {
  for (let spins = 0; ; spins++) {
    try {
      return op();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EINTR') continue;
      if (code === 'EAGAIN' && !f.nonblocking) { sleepMs(spins < 10 ? 1 : 10); continue; }
      return hostErrno(err);
    }
  }
}

export interface HostFileOptions {
  /** Explicit-position I/O (regular files). */
  positional: boolean;
  /** lseek allowed (regular files, block and non-tty character devices). */
  seekable: boolean;
  /** Close the host fd on release (false for the inherited stdio fds). */
  owns: boolean;
  /** Host file type bits (S_IFMT) of the descriptor. */
  type: number;
}

/** A host file: regular file, device, or a stream (tty, pipe, socket) such as inherited stdio. */
export class HostFile extends OpenFile {
  readonly kind: 'file' | 'stream';
  positional: boolean;
  private readonly tty: boolean;

  constructor(path: string, flags: number, readonly hostFd: number, readonly hostPath: string,
    private readonly opt: HostFileOptions) {
    super(path, flags);
    this.positional = opt.positional;
    this.kind = opt.positional ? 'file' : 'stream';
    this.tty = !opt.positional && isHostTerminal(hostFd, opt.type);
    this.discardsWrites = isHostNullDevice(hostFd, opt.type);
  }

  private get regular(): boolean { return this.opt.type === S_IFREG; }

  override read(dst: Uint8Array): number {
    if (!this.readable) return -E.EBADF;
    if (this.opt.type === S_IFDIR) return -E.EISDIR;
    if (this.positional) {
      const n = this.pread(dst, this.pos);
      if (n > 0) this.pos += n;
      return n;
    }
    const n = hostIo(this, () => fs.readSync(this.hostFd, dst, 0, dst.length, null));
    if (n > 0) this.pos += n;
    return n;
  }

  override write(src: Uint8Array): number {
    if (!this.writable) return -E.EBADF;
    if (this.positional) {
      if ((this.flags & O_APPEND) !== 0 && this.regular) {
        const s = this.stat();
        if (typeof s === 'number') return s;
        this.pos = Number(s.size);
      }
      const n = this.pwriteRaw(src, this.pos);
      if (n > 0) this.pos += n;
      return n;
    }
    let done = 0;
    while (done < src.length) {
      const n = hostIo(this, () => fs.writeSync(this.hostFd, src, done, src.length - done, null));
      if (n < 0) return done > 0 ? done : n;
      if (n === 0) break;
      done += n;
    }
    this.pos += done;
    return done;
  }

  override pread(dst: Uint8Array, pos: number): number {
    if (!this.readable) return -E.EBADF;
    if (!this.seekable()) return -E.ESPIPE;
    if (pos < 0) return -E.EINVAL;
    if (this.opt.type === S_IFDIR) return -E.EISDIR;
    if (!this.regular) {
      // Character devices (/dev/zero, /dev/urandom, /dev/null) ignore the position.
      return hostIo(this, () => fs.readSync(this.hostFd, dst, 0, dst.length, null));
    }
    let done = 0;
    while (done < dst.length) {
      const n = hostIo(this, () => fs.readSync(this.hostFd, dst, done, dst.length - done, pos + done));
      if (n < 0) return done > 0 ? done : n;
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  override pwrite(src: Uint8Array, pos: number): number {
    if (!this.writable) return -E.EBADF;
    if (!this.seekable()) return -E.ESPIPE;
    if (pos < 0) return -E.EINVAL;
    return this.pwriteRaw(src, pos);
  }

  private pwriteRaw(src: Uint8Array, pos: number): number {
    if (!this.regular) return hostIo(this, () => fs.writeSync(this.hostFd, src, 0, src.length, null));
    let done = 0;
    while (done < src.length) {
      const n = hostIo(this, () => fs.writeSync(this.hostFd, src, done, src.length - done, pos + done));
      if (n < 0) return done > 0 ? done : n;
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  private seekable(): boolean { return this.opt.seekable && !this.tty; }

  override seek(off: number, whence: number): number {
    if (!this.seekable()) return -E.ESPIPE;
    if (!this.regular && this.opt.type !== 0o060000) { this.pos = 0; return 0; } // char devices
    if (!this.positional) {
      // An inherited stdio regular file: from now on the kernel owns the offset.
      if (whence === SEEK_CUR && off === 0) return this.pos;
      this.positional = true;
    }
    return seekTo(this, off, whence, () => {
      const s = this.stat();
      return typeof s === 'number' ? s : Number(s.size);
    });
  }

  override stat(): StatInfo | number {
    try {
      return fs.fstatSync(this.hostFd, { bigint: true });
    } catch (err) {
      return hostErrno(err);
    }
  }

  override truncate(len: number): number {
    if (!this.writable || !this.regular) return -E.EINVAL;
    if (len < 0) return -E.EINVAL;
    try { fs.ftruncateSync(this.hostFd, len); return 0; } catch (err) { return hostErrno(err); }
  }

  override sync(): number {
    try { fs.fsyncSync(this.hostFd); return 0; } catch (err) {
      const e = hostErrno(err);
      return e === -E.EINVAL ? 0 : e; // fsync on a tty/pipe: Linux says EINVAL too, but nobody cares
    }
  }

  override isTty(): boolean { return this.tty; }

  override available(): number {
    if (this.regular) {
      const s = this.stat();
      return typeof s === 'number' ? s : Math.max(0, Number(s.size) - this.pos);
    }
    return -E.ENOTTY;
  }

  override size(): number {
    const s = this.stat();
    return typeof s === 'number' ? 0 : Number(s.size);
  }

  protected override release(): void {
    if (!this.opt.owns) return;
    try { fs.closeSync(this.hostFd); } catch { /* already gone */ }
  }
}

/** One directory entry as getdents64 reports it. */
export interface DirEntry {
  name: Uint8Array;
  type: number;
  /** Inode number, computed when the entry is emitted. */
  ino: () => bigint;
}

/** A directory (host or virtual). */
export class DirFile extends OpenFile {
  readonly kind = 'dir' as const;
  private entries: DirEntry[] | undefined;

  /**
   * @param lister lists the entries including `.` and `..` (or -errno)
   * @param statFn fstat of the directory
   * @param hostFd host descriptor kept open for the directory (-1 for virtual ones)
   */
  constructor(path: string, flags: number, private readonly lister: () => DirEntry[] | number,
    private readonly statFn: () => StatInfo | number, readonly hostFd = -1) {
    super(path, flags);
  }

  /** Guest path components, for *at() lookups relative to this directory. */
  get comps(): string[] { return this.path.split('/').filter((c) => c !== ''); }

  override read(): number { return -E.EISDIR; }
  override write(): number { return -E.EBADF; }
  override pread(): number { return -E.EISDIR; }
  override stat(): StatInfo | number { return this.statFn(); }

  override seek(off: number, whence: number): number {
    if (whence !== SEEK_SET && whence !== SEEK_CUR) return -E.EINVAL;
    const r = seekTo(this, off, whence, () => 0);
    if (r === 0) this.entries = undefined; // rewinddir sees changes
    return r;
  }

  /** Fill at most `max` bytes of linux_dirent64 records; the bytes, or -errno (-EINVAL if too small). */
  getdents(max: number): Uint8Array | number {
    if (this.entries === undefined) {
      const l = this.lister();
      if (typeof l === 'number') return l;
      this.entries = l;
    }
    const ents = this.entries;
    const out = new Uint8Array(Math.min(max, 1 << 20));
    let at = 0;
    let i = this.pos;
    for (; i < ents.length; i++) {
      const e = ents[i];
      const size = direntSize(e.name.length);
      if (at + size > out.length) {
        if (at === 0) return -E.EINVAL;
        break;
      }
      at += packDirent(out, at, e.ino(), BigInt(i + 1), e.type, e.name);
    }
    this.pos = i;
    return out.subarray(0, at);
  }

  protected override release(): void {
    if (this.hostFd >= 0) try { fs.closeSync(this.hostFd); } catch { /* ignore */ }
  }
}

/** d_type of a Node Dirent. */
function direntType(d: fs.Dirent<Buffer>): number {
  if (d.isFile()) return DT_REG;
  if (d.isDirectory()) return DT_DIR;
  if (d.isSymbolicLink()) return DT_LNK;
  if (d.isFIFO()) return DT_FIFO;
  if (d.isSocket()) return DT_SOCK;
  if (d.isCharacterDevice()) return DT_CHR;
  if (d.isBlockDevice()) return DT_BLK;
  return DT_UNKNOWN;
}

function lstatIno(p: string | Buffer): bigint {
  try { return fs.lstatSync(p, { bigint: true }).ino; } catch { return 0n; }
}

const enc = new TextEncoder();

/**
 * Lister for a host directory: `.`, `..` (the parent's host path; the guest root's parent is itself),
 * then the host's entries in host order.
 */
export function hostDirLister(hostDir: string, hostParent: string): () => DirEntry[] | number {
  return () => {
    let list: fs.Dirent<Buffer>[];
    try {
      list = fs.readdirSync(hostDir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      return hostErrno(err);
    }
    const sep = hostDir.endsWith('/') ? '' : '/';
    const out: DirEntry[] = [
      { name: enc.encode('.'), type: DT_DIR, ino: () => lstatIno(hostDir) },
      { name: enc.encode('..'), type: DT_DIR, ino: () => lstatIno(hostParent) },
    ];
    for (const d of list) {
      const name = new Uint8Array(d.name);
      // Names are raw bytes (not necessarily UTF-8): stat them through a Buffer path.
      out.push({ name, type: direntType(d), ino: () => lstatIno(Buffer.concat([Buffer.from(hostDir + sep), d.name])) });
    }
    return out;
  };
}

let pseudoIno = 1000;
/** A fresh inode number for pipes and virtual nodes. */
export function nextPseudoIno(): number { return ++pseudoIno; }

/** An in-kernel pipe: a ring buffer and the counts of open read and write descriptions. */
export class Pipe {
  /** Hook for a scheduler: called when an operation would block; a number is used as the result. */
  static onWouldBlock: ((end: PipeEnd, op: 'read' | 'write') => number | undefined) | undefined;
  private static warned = false;

  readonly buf = new Uint8Array(PIPE_CAPACITY);
  head = 0;
  len = 0;
  readers = 0;
  writers = 0;
  readonly ino = nextPseudoIno();

  static deadlock(end: PipeEnd, op: 'read' | 'write'): number {
    const hook = Pipe.onWouldBlock?.(end, op);
    if (hook !== undefined) return hook;
    if (!Pipe.warned) {
      Pipe.warned = true;
      process.stderr.write(op === 'read'
        ? 'ringjit: read from empty pipe would block forever (its only writer is this thread); returning EDEADLK\n'
        : 'ringjit: write to full pipe would block forever (its only reader is this thread); returning EDEADLK\n');
    }
    return -E.EDEADLK;
  }
}

/** One end of a Pipe. */
export class PipeEnd extends OpenFile {
  readonly kind = 'pipe' as const;
  readonly isWrite: boolean;

  constructor(readonly pipe: Pipe, isWrite: boolean, extraFlags: number) {
    super(`pipe:[${pipe.ino}]`, (isWrite ? O_WRONLY : O_RDONLY) | (extraFlags & (O_NONBLOCK | O_DIRECT)));
    this.isWrite = isWrite;
    if (isWrite) pipe.writers++; else pipe.readers++;
  }

  override read(dst: Uint8Array): number {
    if (this.isWrite) return -E.EBADF;
    const p = this.pipe;
    if (dst.length === 0) return 0;
    if (p.len === 0) {
      if (p.writers === 0) return 0;
      return this.nonblocking ? -E.EAGAIN : Pipe.deadlock(this, 'read');
    }
    const n = Math.min(dst.length, p.len);
    const first = Math.min(n, PIPE_CAPACITY - p.head);
    dst.set(p.buf.subarray(p.head, p.head + first), 0);
    if (n > first) dst.set(p.buf.subarray(0, n - first), first);
    p.head = (p.head + n) % PIPE_CAPACITY;
    p.len -= n;
    if (p.len === 0) p.head = 0;
    return n;
  }

  override write(src: Uint8Array): number {
    if (!this.isWrite) return -E.EBADF;
    const p = this.pipe;
    if (p.readers === 0) return -E.EPIPE;
    if (src.length === 0) return 0;
    const space = PIPE_CAPACITY - p.len;
    if (space === 0) return this.nonblocking ? -E.EAGAIN : Pipe.deadlock(this, 'write');
    const n = Math.min(space, src.length);
    const tail = (p.head + p.len) % PIPE_CAPACITY;
    const first = Math.min(n, PIPE_CAPACITY - tail);
    p.buf.set(src.subarray(0, first), tail);
    if (n > first) p.buf.set(src.subarray(first, n), 0);
    p.len += n;
    return n;
  }

  override stat(): StatInfo {
    return synthStat({ mode: BigInt(S_IFIFO | 0o600), ino: BigInt(this.pipe.ino), dev: 0xcn, blksize: 4096n });
  }

  override available(): number { return this.isWrite ? 0 : this.pipe.len; }

  override pollMask(): number {
    const p = this.pipe;
    if (this.isWrite) return p.readers === 0 ? POLLOUT | POLLERR : p.len < PIPE_CAPACITY ? POLLOUT : 0;
    return (p.len > 0 ? POLLIN : 0) | (p.writers === 0 ? POLLHUP : 0);
  }

  protected override release(): void {
    if (this.isWrite) this.pipe.writers--; else this.pipe.readers--;
  }
}

/** A virtual file whose content was generated at open (/proc/self/maps and friends). */
export class MemFile extends OpenFile {
  readonly kind = 'mem' as const;
  private readonly ino = nextPseudoIno();
  constructor(path: string, flags: number, private readonly data: Uint8Array) { super(path, flags); }

  override read(dst: Uint8Array): number {
    if (!this.readable) return -E.EBADF;
    const n = this.pread(dst, this.pos);
    if (n > 0) this.pos += n;
    return n;
  }
  override write(): number { return this.writable ? -E.EACCES : -E.EBADF; }
  override pread(dst: Uint8Array, pos: number): number {
    if (pos < 0) return -E.EINVAL;
    const n = Math.max(0, Math.min(dst.length, this.data.length - pos));
    dst.set(this.data.subarray(pos, pos + n));
    return n;
  }
  override seek(off: number, whence: number): number { return seekTo(this, off, whence, () => this.data.length); }
  override available(): number { return Math.max(0, this.data.length - this.pos); }
  /** Like Linux's procfs, fstat says size 0; mmap still sees the bytes through size(). */
  override stat(): StatInfo { return synthStat({ mode: BigInt(S_IFREG | 0o444), ino: BigInt(this.ino), dev: 0x16n }); }
  override size(): number { return this.data.length; }
}

/** An O_PATH descriptor (also used for virtual symlinks opened with O_PATH|O_NOFOLLOW). */
export class PathFile extends OpenFile {
  readonly kind = 'path' as const;
  constructor(path: string, flags: number, private readonly statFn: () => StatInfo | number) { super(path, flags); }
  get comps(): string[] { return this.path.split('/').filter((c) => c !== ''); }
  override read(): number { return -E.EBADF; }
  override write(): number { return -E.EBADF; }
  override pread(): number { return -E.EBADF; }
  override pwrite(): number { return -E.EBADF; }
  override seek(): number { return -E.EBADF; }
  override stat(): StatInfo | number { return this.statFn(); }
  override pollMask(): number { return POLLNVAL; }
}

/** fstat synthesised for a virtual directory / symlink. */
export function virtualStat(kind: 'dir' | 'link' | 'file', ino: number): StatInfo {
  const mode = kind === 'dir' ? S_IFDIR | 0o555 : kind === 'link' ? S_IFLNK | 0o777 : S_IFREG | 0o444;
  return synthStat({ mode: BigInt(mode), ino: BigInt(ino), dev: 0x16n, nlink: kind === 'dir' ? 2n : 1n });
}

/** Replacements for the inherited stdio descriptors (see FdTable.installStdio). */
export interface StdioRedirect {
  stdin?: Uint8Array | string;
  stdout?: (b: Uint8Array) => void;
  stderr?: (b: Uint8Array) => void;
}

/** A pipe-like stream fed from bytes (stdin) or drained into a callback (stdout/stderr). */
export class StreamFile extends OpenFile {
  readonly kind = 'stream' as const;
  private readonly ino = nextPseudoIno();
  constructor(path: string, flags: number, private readonly data: Uint8Array | null,
    private readonly sink: ((b: Uint8Array) => void) | undefined) { super(path, flags); }
  override read(dst: Uint8Array): number {
    if (!this.readable || !this.data) return -E.EBADF;
    const n = Math.max(0, Math.min(dst.length, this.data.length - this.pos));
    dst.set(this.data.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }
  override write(src: Uint8Array): number {
    if (!this.writable || !this.sink) return -E.EBADF;
    this.sink(src.slice());
    return src.length;
  }
  override available(): number { return this.data ? this.data.length - this.pos : 0; }
  override stat(): StatInfo { return synthStat({ mode: BigInt(S_IFIFO | 0o600), ino: BigInt(this.ino), dev: 0xcn }); }
}

export interface FdEntry {
  file: OpenFile;
  cloexec: boolean;
}

/** Parse /proc/self/fdinfo/N of the host (Linux): offset and open flags of an inherited descriptor. */
function hostFdInfo(fd: number): { pos: number; flags: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1');
    const pos = /^pos:\s*(\d+)/m.exec(s);
    const flags = /^flags:\s*([0-7]+)/m.exec(s);
    if (!pos || !flags) return undefined;
    return { pos: Number(pos[1]), flags: parseInt(flags[1], 8) };
  } catch {
    return undefined;
  }
}

/** The per-process descriptor table. */
export class FdTable {
  private readonly fds: Array<FdEntry | undefined> = [];
  /** RLIMIT_NOFILE soft limit: descriptors must be below it (EMFILE). */
  maxFds = 1024;
  /** Map a host path to a guest path (for the names of inherited descriptors). */
  guestPathOf: (hostPath: string) => string = (p) => p;

  /**
   * Fds 0, 1, 2 refer to the host's 0, 1, 2 (tty, pipe or file as they really are); closed ones stay
   * closed. `redirect` replaces some of them: stdin from bytes, stdout/stderr into callbacks (they then
   * look like pipes to the guest), for embedding and tests.
   */
  installStdio(redirect: StdioRedirect = {}): void {
    for (let fd = 0; fd <= 2; fd++) {
      const sink = fd === 1 ? redirect.stdout : fd === 2 ? redirect.stderr : undefined;
      if (sink) { this.install(fd, new StreamFile(`pipe:[${nextPseudoIno()}]`, O_WRONLY, null, sink), false); continue; }
      if (fd === 0 && redirect.stdin !== undefined) {
        const data = typeof redirect.stdin === 'string' ? new TextEncoder().encode(redirect.stdin) : redirect.stdin;
        this.install(fd, new StreamFile(`pipe:[${nextPseudoIno()}]`, O_RDONLY, data, undefined), false);
        continue;
      }
      let st: fs.Stats;
      try { st = fs.fstatSync(fd); } catch { continue; }
      const type = st.mode & 0o170000;
      let path: string;
      try {
        path = fs.readlinkSync(`/proc/self/fd/${fd}`);
        if (path.startsWith('/')) path = this.guestPathOf(path);
      } catch {
        path = ['/dev/stdin', '/dev/stdout', '/dev/stderr'][fd];
      }
      const info = hostFdInfo(fd);
      // The guest sees the descriptor as blocking even if Node made it non-blocking.
      const flags = info ? info.flags & ~(O_NONBLOCK | O_CLOEXEC) : O_RDWR;
      const f = new HostFile(path, flags, fd, path, {
        positional: false,
        seekable: type === S_IFREG || type === 0o060000 || type === 0o020000,
        owns: false,
        type,
      });
      if (info) f.pos = info.pos;
      this.install(fd, f, false);
    }
  }

  /** The open file behind fd, if any. */
  get(fd: number): OpenFile | undefined {
    return fd >= 0 && fd < this.fds.length ? this.fds[fd]?.file : undefined;
  }

  entry(fd: number): FdEntry | undefined {
    return fd >= 0 && fd < this.fds.length ? this.fds[fd] : undefined;
  }

  /** Open descriptors, ascending. */
  list(): number[] {
    const out: number[] = [];
    this.fds.forEach((e, i) => { if (e) out.push(i); });
    return out;
  }

  /** Install file at the lowest free descriptor >= min; takes a reference. -EMFILE when full. */
  alloc(file: OpenFile, cloexec = false, min = 0): number {
    if (min < 0 || min >= this.maxFds) return -E.EINVAL;
    let fd = min;
    while (fd < this.fds.length && this.fds[fd] !== undefined) fd++;
    if (fd >= this.maxFds) return -E.EMFILE;
    this.fds[fd] = { file: file.ref(), cloexec };
    return fd;
  }

  /** Put file at exactly fd (closing what was there); takes a reference. */
  install(fd: number, file: OpenFile, cloexec: boolean): void {
    file.ref();
    const old = this.fds[fd];
    while (this.fds.length < fd) this.fds.push(undefined);
    this.fds[fd] = { file, cloexec };
    old?.file.unref();
  }

  close(fd: number): number {
    const e = this.entry(fd);
    if (!e) return -E.EBADF;
    this.fds[fd] = undefined;
    e.file.unref();
    return 0;
  }

  dup(oldfd: number, min = 0, cloexec = false): number {
    const f = this.get(oldfd);
    if (!f) return -E.EBADF;
    return this.alloc(f, cloexec, min);
  }

  dup2(oldfd: number, newfd: number): number {
    const f = this.get(oldfd);
    if (!f) return -E.EBADF;
    if (oldfd === newfd) return newfd;
    if (newfd < 0 || newfd >= this.maxFds) return -E.EBADF;
    this.install(newfd, f, false);
    return newfd;
  }

  dup3(oldfd: number, newfd: number, flags: number): number {
    if ((flags & ~O_CLOEXEC) !== 0 || oldfd === newfd) return -E.EINVAL;
    const f = this.get(oldfd);
    if (!f) return -E.EBADF;
    if (newfd < 0 || newfd >= this.maxFds) return -E.EBADF;
    this.install(newfd, f, (flags & O_CLOEXEC) !== 0);
    return newfd;
  }

  getCloexec(fd: number): boolean | undefined { return this.entry(fd)?.cloexec; }
  setCloexec(fd: number, v: boolean): boolean {
    const e = this.entry(fd);
    if (!e) return false;
    e.cloexec = v;
    return true;
  }

  /** execve: close the close-on-exec descriptors. */
  closeOnExec(): void {
    this.fds.forEach((e, i) => { if (e?.cloexec) this.close(i); });
  }

  /** fork: a copy sharing every open file description. */
  fork(): FdTable {
    const t = new FdTable();
    t.maxFds = this.maxFds;
    t.guestPathOf = this.guestPathOf;
    this.fds.forEach((e, i) => { if (e) t.install(i, e.file, e.cloexec); });
    return t;
  }

  /** exit: close everything. */
  closeAll(): void {
    for (let i = 0; i < this.fds.length; i++) if (this.fds[i]) this.close(i);
  }
}
