// The per-process descriptor table (Linux's files_struct): descriptor numbers to open file
// descriptions (file.ts), close-on-exec per descriptor, and the inherited or redirected stdio.

import { fs } from './host_fs.js';
import { E } from './types.js';
import { S_IFREG } from './stat.js';
import { OpenFile, nextPseudoIno, O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK, O_CLOEXEC } from './file.js';
import { HostFile } from './file_host.js';
import { StreamFile } from './file_virtual.js';

/** Replacements for the inherited stdio descriptors (see FdTable.installStdio). */
export interface StdioRedirect {
  stdin?: Uint8Array | string;
  stdout?: (b: Uint8Array) => void;
  stderr?: (b: Uint8Array) => void;
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
