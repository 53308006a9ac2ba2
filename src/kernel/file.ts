// Open file descriptions (Linux's struct file): the OpenFile base class and the vocabulary every kind
// shares (open flags, poll bits, seek whences).
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
// The kinds live in file_host.ts, file_dir.ts, file_pipe.ts and file_virtual.ts; the per-process
// descriptor table in fd.ts.

import { E } from './types.js';
import type { StatInfo } from './stat.js';

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

/** Largest single host read/write we allocate for (Linux caps one call at MAX_RW_COUNT anyway). */
export const MAX_IO_CHUNK = 1 << 28;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Block the Node thread for `ms` milliseconds (no busy wait). */
export function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

let pseudoIno = 1000;
/** A fresh inode number for pipes and virtual nodes. */
export function nextPseudoIno(): number { return ++pseudoIno; }

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
export function seekTo(f: OpenFile, off: number, whence: number, size: () => number | StatInfo): number {
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
