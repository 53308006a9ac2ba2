// Directory open files (DirFile, host or virtual) and the lister that enumerates a host directory
// for getdents64.

import { fs } from './host_fs.js';
import { E } from './types.js';
import { hostErrno } from './vfs.js';
import {
  type StatInfo, DT_DIR, DT_LNK, DT_REG, DT_FIFO, DT_CHR, DT_BLK, DT_SOCK, DT_UNKNOWN, direntSize, packDirent,
} from './stat.js';
import { OpenFile, SEEK_SET, SEEK_CUR, seekTo } from './file.js';

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
