// The guest's view of the file system: guest paths resolve inside a host directory (the "root"),
// component by component, the way Linux's namei does (fs/namei.c): symlinks are followed inside the
// root (an absolute target restarts at the root), `..` at the root stays at the root, and more than
// 40 links in one lookup is ELOOP. The guest's current directory lives here (Linux's fs_struct),
// together with the umask.
//
// Two host trees are "mounted" whatever the root is:
//   * /proc: the per-process part (/proc/self, /proc/thread-self, /proc/<guest pid>) is virtual,
//     because the host's would describe the Node process, not the guest: it holds `exe` (the guest
//     program), `cwd`, `root`, `fd/N` (magic links to open files) and whatever files the kernel
//     registers with `Vfs.registerProcFile` (e.g. `maps`). Other numeric /proc/<pid> directories are
//     ENOENT (host pids are not guest processes). The rest of /proc (cpuinfo, meminfo, stat, uptime,
//     version, sys/...) describes the machine, which is the same for the guest, and passes through to
//     the host's /proc read-only in spirit (writes go to the host, as root would get).
//   * the character devices /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom, /dev/tty;
//     /dev/stdin, /dev/stdout, /dev/stderr and /dev/fd are virtual links into /proc/self/fd.

import { fs } from './host_fs.js';
import { E } from './types.js';

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_EACCESS = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;

export const MAXSYMLINKS = 40;
export const PATH_MAX = 4096;
export const NAME_MAX = 255;

/** errno values that `E` (types.ts) does not carry. */
export const enum E2 {
  ETXTBSY = 26, ENOTBLK = 15, ENOMSG = 42, ENOSTR = 60, ETIME = 62, ENOLINK = 67, EPROTO = 71,
  EBADMSG = 74, EILSEQ = 84, EUSERS = 87, EDESTADDRREQ = 89, EMSGSIZE = 90, EPROTOTYPE = 91,
  ENOPROTOOPT = 92, EPROTONOSUPPORT = 93, EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99,
  ENETDOWN = 100, ENETUNREACH = 101, ECONNABORTED = 103, ECONNRESET = 104, ENOBUFS = 105,
  EISCONN = 106, ENOTCONN = 107, ECONNREFUSED = 111, EHOSTUNREACH = 113, EALREADY = 114,
  EINPROGRESS = 115, ESTALE = 116, EDQUOT = 122, ECANCELED = 125, EOWNERDEAD = 130,
}

/** Host error code (Node's err.code, which names the POSIX errno) -> Linux errno number. */
const ERRNO_BY_CODE: Record<string, number> = {
  EPERM: E.EPERM, ENOENT: E.ENOENT, ESRCH: E.ESRCH, EINTR: E.EINTR, EIO: E.EIO, ENXIO: E.ENXIO,
  E2BIG: E.E2BIG, ENOEXEC: E.ENOEXEC, EBADF: E.EBADF, ECHILD: E.ECHILD, EAGAIN: E.EAGAIN,
  EWOULDBLOCK: E.EAGAIN, ENOMEM: E.ENOMEM, EACCES: E.EACCES, EFAULT: E.EFAULT, ENOTBLK: E2.ENOTBLK,
  EBUSY: E.EBUSY, EEXIST: E.EEXIST, EXDEV: E.EXDEV, ENODEV: E.ENODEV, ENOTDIR: E.ENOTDIR,
  EISDIR: E.EISDIR, EINVAL: E.EINVAL, ENFILE: E.ENFILE, EMFILE: E.EMFILE, ENOTTY: E.ENOTTY,
  ETXTBSY: E2.ETXTBSY, EFBIG: E.EFBIG, ENOSPC: E.ENOSPC, ESPIPE: E.ESPIPE, EROFS: E.EROFS,
  EMLINK: E.EMLINK, EPIPE: E.EPIPE, EDOM: E.EDOM, ERANGE: E.ERANGE, EDEADLK: E.EDEADLK,
  ENAMETOOLONG: E.ENAMETOOLONG, ENOLCK: E.ENOLCK, ENOSYS: E.ENOSYS, ENOTEMPTY: E.ENOTEMPTY,
  ELOOP: E.ELOOP, ENOMSG: E2.ENOMSG, ENODATA: E.ENODATA, ENOSTR: E2.ENOSTR, ETIME: E2.ETIME,
  ENOLINK: E2.ENOLINK, EPROTO: E2.EPROTO, EBADMSG: E2.EBADMSG, EOVERFLOW: E.EOVERFLOW,
  EILSEQ: E2.EILSEQ, EUSERS: E2.EUSERS, ENOTSOCK: E.ENOTSOCK, EDESTADDRREQ: E2.EDESTADDRREQ,
  EMSGSIZE: E2.EMSGSIZE, EPROTOTYPE: E2.EPROTOTYPE, ENOPROTOOPT: E2.ENOPROTOOPT,
  EPROTONOSUPPORT: E2.EPROTONOSUPPORT, EOPNOTSUPP: E.EOPNOTSUPP, ENOTSUP: E.EOPNOTSUPP,
  EAFNOSUPPORT: E2.EAFNOSUPPORT, EADDRINUSE: E2.EADDRINUSE, EADDRNOTAVAIL: E2.EADDRNOTAVAIL,
  ENETDOWN: E2.ENETDOWN, ENETUNREACH: E2.ENETUNREACH, ECONNABORTED: E2.ECONNABORTED,
  ECONNRESET: E2.ECONNRESET, ENOBUFS: E2.ENOBUFS, EISCONN: E2.EISCONN, ENOTCONN: E2.ENOTCONN,
  ETIMEDOUT: E.ETIMEDOUT, ECONNREFUSED: E2.ECONNREFUSED, EHOSTUNREACH: E2.EHOSTUNREACH,
  EALREADY: E2.EALREADY, EINPROGRESS: E2.EINPROGRESS, ESTALE: E2.ESTALE, EDQUOT: E2.EDQUOT,
  ECANCELED: E2.ECANCELED, EOWNERDEAD: E2.EOWNERDEAD,
};

/**
 * Map a host exception to a negative Linux errno. Unknown errors become -EIO with a one-line note on
 * stderr (a host exception must never escape a syscall handler).
 */
export function hostErrno(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const n = ERRNO_BY_CODE[code];
    if (n !== undefined) return -n;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`ringjit: unexpected host error mapped to EIO: ${msg.split('\n')[0]}\n`);
  return -E.EIO;
}

/** A node that exists only in the kernel: a magic /proc entry. */
export type VirtualNode =
  | { kind: 'dir'; list: () => Array<{ name: string; type: 'dir' | 'link' | 'file' | 'chr' }> }
  | { kind: 'link'; target: () => string | undefined; fd?: number }
  | { kind: 'file'; content: () => Uint8Array };

/** What the per-process part of /proc needs to know about the running process. */
export interface ProcInfo {
  pid(): number;
  exePath(): string;
  /** Guest path (or pseudo name like `pipe:[1234]`) of an open fd; undefined if not open. */
  fdPath(fd: number): string | undefined;
  fds(): number[];
}

export interface Resolved {
  /** Canonical guest path components (no symlinks except possibly the last one under nofollow). */
  comps: string[];
  /** Guest absolute path. */
  guest: string;
  /** Host path to hand to node:fs. */
  host: string;
  /** False when the last component does not exist (its parent does): O_CREAT, mkdir, symlink... */
  exists: boolean;
  /** A virtual /proc node, when the path names one. */
  virt?: VirtualNode;
  /** Set when the path is a followed /proc/self/fd/N magic link: the caller reopens fd N. */
  magicFd?: number;
}

/** Character devices passed through from the host's /dev whatever the root is. */
const HOST_DEVICES = new Set(['null', 'zero', 'full', 'random', 'urandom', 'tty']);

function readHostUmask(): number {
  try {
    const m = /^Umask:\s*([0-7]+)/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    if (m) return parseInt(m[1], 8);
  } catch { /* not Linux: fall through */ }
  const u = process.umask(0o022);
  process.umask(u);
  return u;
}

/** The host process's umask, read once (the host applies it to everything we create). */
export const HOST_UMASK = readHostUmask();

export class Vfs {
  /** Host directory that is the guest's `/` (realpath, no trailing slash unless it is `/`). */
  readonly root: string;
  /** Guest current directory, as canonical components. */
  cwdComps: string[];
  /** The guest's umask (inherited from the host process). */
  umask: number = HOST_UMASK;
  /** Set by the syscall layer so /proc/self can describe the guest. */
  proc: ProcInfo | undefined;
  private readonly procFiles = new Map<string, () => Uint8Array>();

  constructor(root = '/') {
    let r = root;
    try { r = fs.realpathSync(root); } catch { /* keep as given; lookups will fail with ENOENT */ }
    this.root = r.length > 1 && r.endsWith('/') ? r.slice(0, -1) : r;
    this.cwdComps = [];
    const hostCwd = process.cwd();
    if (this.root === '/') this.cwdComps = hostCwd.split('/').filter((c) => c !== '');
    else if (hostCwd === this.root || hostCwd.startsWith(this.root + '/'))
      this.cwdComps = hostCwd.slice(this.root.length).split('/').filter((c) => c !== '');
  }

  /** Guest current directory as an absolute path. */
  get cwd(): string { return '/' + this.cwdComps.join('/'); }

  /**
   * Register a virtual file under /proc/self (e.g. `maps`, `cmdline`, `status`, `auxv`); the generator
   * runs at open time and its bytes are the file's content.
   */
  registerProcFile(name: string, content: () => Uint8Array): void { this.procFiles.set(name, content); }

  /** Host path for canonical guest components. */
  hostOf(comps: readonly string[]): string {
    if (comps.length === 0) return this.root;
    if (comps[0] === 'proc') return '/' + comps.join('/');
    if (comps[0] === 'dev' && comps.length === 2 && HOST_DEVICES.has(comps[1])) return '/dev/' + comps[1];
    return (this.root === '/' ? '' : this.root) + '/' + comps.join('/');
  }

  /** Host path for a guest absolute path that needs no symlink resolution (e.g. an exe path). */
  hostPathOf(guestAbs: string): string { return this.hostOf(guestAbs.split('/').filter((c) => c !== '' && c !== '.')); }

  private procPid(): number { return this.proc?.pid() ?? process.pid; }

  /** The virtual node at canonical components, or undefined when the path is an ordinary one. */
  virtualAt(comps: readonly string[]): VirtualNode | undefined | number {
    const c0 = comps[0];
    if (c0 === 'dev') {
      if (comps.length === 1) {
        // A root without its own /dev still gets the passed-through devices.
        if (this.root === '/' || fs.existsSync(this.root + '/dev')) return undefined;
        return {
          kind: 'dir',
          list: () => [
            ...[...HOST_DEVICES].map((name) => ({ name, type: 'chr' as const })),
            ...['stdin', 'stdout', 'stderr', 'fd'].map((name) => ({ name, type: 'link' as const })),
          ],
        };
      }
      if (comps.length !== 2) return undefined;
      const std = ['stdin', 'stdout', 'stderr'].indexOf(comps[1]);
      if (std >= 0) return { kind: 'link', target: () => `/proc/self/fd/${std}` };
      if (comps[1] === 'fd') return { kind: 'link', target: () => '/proc/self/fd' };
      return undefined;
    }
    if (c0 !== 'proc' || comps.length < 2) return undefined;
    const p = comps[1];
    const pid = this.procPid();
    if (p === 'self' || p === 'thread-self') {
      if (comps.length === 2) return { kind: 'link', target: () => String(pid) };
    } else if (/^[0-9]+$/.test(p)) {
      if (Number(p) !== pid) return -E.ENOENT;
    } else {
      return undefined; // machine-wide /proc: host
    }
    // Inside the guest process directory.
    if (comps.length === 2) {
      return {
        kind: 'dir',
        list: () => [
          { name: 'exe', type: 'link' }, { name: 'cwd', type: 'link' }, { name: 'root', type: 'link' },
          { name: 'fd', type: 'dir' },
          ...[...this.procFiles.keys()].map((name) => ({ name, type: 'file' as const })),
        ],
      };
    }
    const what = comps[2];
    if (comps.length === 3) {
      switch (what) {
        case 'exe': return { kind: 'link', target: () => this.proc?.exePath() };
        case 'cwd': return { kind: 'link', target: () => this.cwd };
        case 'root': return { kind: 'link', target: () => '/' };
        case 'fd': return {
          kind: 'dir',
          list: () => (this.proc?.fds() ?? []).map((n) => ({ name: String(n), type: 'link' as const })),
        };
        default: {
          const gen = this.procFiles.get(what);
          return gen ? { kind: 'file', content: gen } : -E.ENOENT;
        }
      }
    }
    if (comps.length === 4 && what === 'fd' && /^[0-9]+$/.test(comps[3])) {
      const fd = Number(comps[3]);
      if (this.proc?.fdPath(fd) === undefined) return -E.ENOENT;
      return { kind: 'link', target: () => this.proc?.fdPath(fd), fd };
    }
    return -E.ENOENT;
  }

  /**
   * Resolve a guest path. `base` is the directory a relative path starts from (default: the cwd).
   * `follow` says whether a symlink in the last component is followed (a trailing slash always
   * follows). Returns a Resolved (with exists=false if only the last component is missing) or -errno.
   */
  resolve(path: string, follow = true, base?: readonly string[]): Resolved | number {
    if (path.length === 0) return -E.ENOENT;
    if (path.length >= PATH_MAX) return -E.ENAMETOOLONG;
    let stack: string[] = path[0] === '/' ? [] : [...(base ?? this.cwdComps)];
    // Pending components, last element first out.
    const pending = path.split('/').filter((c) => c !== '').reverse();
    let mustBeDir = path.endsWith('/');
    let links = 0;
    while (pending.length > 0) {
      const c = pending.pop()!;
      if (c === '.') continue;
      if (c === '..') { stack.pop(); continue; }
      if (c.length > NAME_MAX) return -E.ENAMETOOLONG;
      const isLast = pending.length === 0;
      stack.push(c);
      const wantFollow = !isLast || follow || mustBeDir;
      let isDir: boolean;
      let symlinkTarget: string | undefined;
      const v = this.virtualAt(stack);
      if (typeof v === 'number') return v;
      if (v !== undefined) {
        if (v.kind === 'link' && wantFollow) {
          if (isLast && v.fd !== undefined && !mustBeDir) {
            return { comps: stack, guest: '/' + stack.join('/'), host: '', exists: true, virt: v, magicFd: v.fd };
          }
          const t = v.target();
          if (t === undefined) return -E.ENOENT;
          if (t[0] !== '/') {
            // A pseudo target like `pipe:[12]` or `socket:[3]` cannot be walked.
            if (/^[a-z]+:\[/.test(t)) return -E.ENOENT;
          }
          symlinkTarget = t;
          isDir = false;
        } else {
          if (isLast) return { comps: stack, guest: '/' + stack.join('/'), host: '', exists: true, virt: v };
          if (v.kind !== 'dir') return -E.ENOTDIR;
          isDir = true;
        }
      } else {
        const host = this.hostOf(stack);
        let st: fs.Stats;
        try {
          st = fs.lstatSync(host);
        } catch (err) {
          const e = hostErrno(err);
          if (e === -E.ENOENT && isLast) {
            return { comps: stack, guest: '/' + stack.join('/'), host, exists: false };
          }
          return e;
        }
        isDir = st.isDirectory();
        if (st.isSymbolicLink() && wantFollow) {
          try { symlinkTarget = fs.readlinkSync(host); } catch (err) { return hostErrno(err); }
        }
      }
      if (symlinkTarget !== undefined) {
        if (++links > MAXSYMLINKS) return -E.ELOOP;
        if (symlinkTarget.length === 0) return -E.ENOENT;
        stack.pop();
        if (symlinkTarget[0] === '/') stack = [];
        const parts = symlinkTarget.split('/').filter((x) => x !== '');
        for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i]);
        if (isLast && symlinkTarget.endsWith('/')) mustBeDir = true;
        continue;
      }
      if (!isDir && (!isLast || mustBeDir)) return -E.ENOTDIR;
    }
    const virt = this.virtualAt(stack);
    if (typeof virt === 'object') return { comps: stack, guest: '/' + stack.join('/'), host: '', exists: true, virt };
    return { comps: stack, guest: '/' + stack.join('/'), host: this.hostOf(stack), exists: true };
  }

  /** Change the guest cwd (the caller has checked it is a searchable directory). */
  setCwd(comps: readonly string[]): void { this.cwdComps = [...comps]; }

  /** readlink of a resolved (nofollow) path: the link's target, or -errno. */
  readlink(r: Resolved): string | number {
    if (r.virt) {
      if (r.virt.kind !== 'link') return -E.EINVAL;
      return r.virt.target() ?? -E.ENOENT;
    }
    if (!r.exists) return -E.ENOENT;
    try {
      return fs.readlinkSync(r.host);
    } catch (err) {
      return hostErrno(err);
    }
  }
}
