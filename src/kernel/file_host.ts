// Host-backed open files (HostFile): a host regular file or device read and written with explicit
// positions, or a host stream (tty, pipe, socket, fifo, the inherited stdio) whose offset the host
// owns. See file.ts for how the kinds of open file fit together.

import { fs } from './host_fs.js';
import { E } from './types.js';
import { hostErrno } from './vfs.js';
import { isHostNullDevice, isHostTerminal } from './host.js';
import { type StatInfo, S_IFDIR, S_IFREG } from './stat.js';
import { OpenFile, O_APPEND, SEEK_CUR, seekTo, sleepMs } from './file.js';

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
