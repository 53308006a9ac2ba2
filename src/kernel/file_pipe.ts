// In-kernel pipes: the Pipe ring buffer and its two PipeEnd open files.
//
// Blocking. ringjit runs one guest thread on the Node thread, so a blocking read of an empty pipe
// whose writer is still open can never complete (only this same thread could write it). Such a read
// returns -EAGAIN under O_NONBLOCK (as Linux does); without O_NONBLOCK it prints one line
// ("ringjit: read from empty pipe would block forever ...") and fails with -EDEADLK rather than hang.
// A full pipe on a blocking write behaves the same way. `Pipe.onWouldBlock` lets a future scheduler
// take over (return a value to use as the result, or undefined for the default).

import { E } from './types.js';
import { type StatInfo, synthStat, S_IFIFO } from './stat.js';
import {
  OpenFile, nextPseudoIno, O_RDONLY, O_WRONLY, O_NONBLOCK, O_DIRECT, POLLIN, POLLOUT, POLLERR, POLLHUP,
} from './file.js';

/** Linux's default pipe capacity (16 pages). */
export const PIPE_CAPACITY = 65536;

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
