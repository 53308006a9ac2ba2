// Open files with no host file behind them: /proc snapshots (MemFile), O_PATH descriptors
// (PathFile), the stdio streams an embedder redirects (StreamFile), and the fstat of virtual nodes.

import { E } from './types.js';
import { type StatInfo, synthStat, S_IFIFO, S_IFDIR, S_IFREG, S_IFLNK } from './stat.js';
import { OpenFile, nextPseudoIno, seekTo, POLLNVAL } from './file.js';

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
