// --strace: one line per system call on stderr, in strace's format:
//   openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
//   read(3, "root:x:0:0:root:/root:/bin/bash\n"..., 4096) = 1234
//   open("/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
//   exit_group(0) = ?
// Arguments are decoded from a small per-syscall spec (strings, buffers, common flag sets); anything
// without a spec prints as hex. The tracer only runs when --strace is on (the entry path branches once).

import { GuestExit } from '../runtime/faults.js';
import type { Kernel } from './kernel.js';
import { syscallName } from './syscall_names.js';
import type { SyscallHandler } from './syscall_table.js';
import type { SyscallArgs } from './types.js';
import { signalName } from './signals.js';

/** errno -> [name, strerror text]. */
export const ERRNO_INFO: Record<number, readonly [string, string]> = {
  1: ['EPERM', 'Operation not permitted'], 2: ['ENOENT', 'No such file or directory'], 3: ['ESRCH', 'No such process'],
  4: ['EINTR', 'Interrupted system call'], 5: ['EIO', 'Input/output error'], 6: ['ENXIO', 'No such device or address'],
  7: ['E2BIG', 'Argument list too long'], 8: ['ENOEXEC', 'Exec format error'], 9: ['EBADF', 'Bad file descriptor'],
  10: ['ECHILD', 'No child processes'], 11: ['EAGAIN', 'Resource temporarily unavailable'],
  12: ['ENOMEM', 'Cannot allocate memory'], 13: ['EACCES', 'Permission denied'], 14: ['EFAULT', 'Bad address'],
  15: ['ENOTBLK', 'Block device required'], 16: ['EBUSY', 'Device or resource busy'], 17: ['EEXIST', 'File exists'],
  18: ['EXDEV', 'Invalid cross-device link'], 19: ['ENODEV', 'No such device'], 20: ['ENOTDIR', 'Not a directory'],
  21: ['EISDIR', 'Is a directory'], 22: ['EINVAL', 'Invalid argument'], 23: ['ENFILE', 'Too many open files in system'],
  24: ['EMFILE', 'Too many open files'], 25: ['ENOTTY', 'Inappropriate ioctl for device'], 26: ['ETXTBSY', 'Text file busy'],
  27: ['EFBIG', 'File too large'], 28: ['ENOSPC', 'No space left on device'], 29: ['ESPIPE', 'Illegal seek'],
  30: ['EROFS', 'Read-only file system'], 31: ['EMLINK', 'Too many links'], 32: ['EPIPE', 'Broken pipe'],
  33: ['EDOM', 'Numerical argument out of domain'], 34: ['ERANGE', 'Numerical result out of range'],
  35: ['EDEADLK', 'Resource deadlock avoided'], 36: ['ENAMETOOLONG', 'File name too long'],
  37: ['ENOLCK', 'No locks available'], 38: ['ENOSYS', 'Function not implemented'],
  39: ['ENOTEMPTY', 'Directory not empty'], 40: ['ELOOP', 'Too many levels of symbolic links'],
  42: ['ENOMSG', 'No message of desired type'], 61: ['ENODATA', 'No data available'], 62: ['ETIME', 'Timer expired'],
  71: ['EPROTO', 'Protocol error'], 74: ['EBADMSG', 'Bad message'],
  75: ['EOVERFLOW', 'Value too large for defined data type'], 84: ['EILSEQ', 'Invalid or incomplete multibyte or wide character'],
  88: ['ENOTSOCK', 'Socket operation on non-socket'], 90: ['EMSGSIZE', 'Message too long'],
  95: ['EOPNOTSUPP', 'Operation not supported'], 97: ['EAFNOSUPPORT', 'Address family not supported by protocol'],
  98: ['EADDRINUSE', 'Address already in use'], 104: ['ECONNRESET', 'Connection reset by peer'],
  107: ['ENOTCONN', 'Transport endpoint is not connected'], 110: ['ETIMEDOUT', 'Connection timed out'],
  111: ['ECONNREFUSED', 'Connection refused'], 115: ['EINPROGRESS', 'Operation now in progress'],
  116: ['ESTALE', 'Stale file handle'], 122: ['EDQUOT', 'Disk quota exceeded'], 125: ['ECANCELED', 'Operation canceled'],
  512: ['ERESTARTSYS', 'To be restarted'], 513: ['ERESTARTNOINTR', 'To be restarted'],
  514: ['ERESTARTNOHAND', 'To be restarted if no handler'], 516: ['ERESTART_RESTARTBLOCK', 'Interrupted by signal'],
};

export function errnoName(e: number): string { return ERRNO_INFO[e]?.[0] ?? `E${e}`; }

/**
 * Argument kinds: d int, D long, u unsigned long, x hex, p pointer, s string, b in-buffer (length is
 * the next argument), B out-buffer (length = result), f dirfd, o open flags, m octal mode, P prot,
 * M mmap flags, S signal, A arch_prctl code, F futex op, h sigprocmask how, w lseek whence, a madvise.
 * The character after '=' gives the result format: d (default), x (hex address), ? (no return).
 */
const SPECS: Record<string, string> = {
  read: 'dBu', write: 'dbu', open: 'som', close: 'd', stat: 'sp', fstat: 'dp', lstat: 'sp', lseek: 'dDw',
  mmap: 'puPMdx=x', mprotect: 'xuP', munmap: 'xu', brk: 'x=x', rt_sigaction: 'Sppu', rt_sigprocmask: 'hppu',
  ioctl: 'dxx', pread64: 'dBuD', pwrite64: 'dbuD', readv: 'dpd', writev: 'dpd', access: 'so', pipe: 'p',
  sched_yield: '', mremap: 'xuuxx=x', madvise: 'xua', dup: 'd', dup2: 'dd', nanosleep: 'pp', getpid: '',
  exit: 'd=?', kill: 'dS', uname: 'p', fcntl: 'ddx', getcwd: 'pu', chdir: 's', mkdir: 'sm', rmdir: 's',
  unlink: 's', readlink: 'spu', getuid: '', getgid: '', geteuid: '', getegid: '', getppid: '', gettid: '',
  sigaltstack: 'pp', arch_prctl: 'Ax', futex: 'pFdppd', set_tid_address: 'p', exit_group: 'd=?',
  tgkill: 'ddS', tkill: 'dS', openat: 'fsom', newfstatat: 'fspx', set_robust_list: 'pu', prlimit64: 'ddpp',
  getrandom: 'pux', rseq: 'pudx', clock_gettime: 'dp', gettimeofday: 'pp', getdents64: 'dpu', readlinkat: 'fspu',
  faccessat: 'fso', faccessat2: 'fsox', unlinkat: 'fsx', mkdirat: 'fsm', statx: 'fsxxp', dup3: 'ddx', pipe2: 'px',
  ftruncate: 'dD', fsync: 'd', umask: 'm', getrlimit: 'dp', setrlimit: 'dp', sysinfo: 'p', times: 'p',
  clock_nanosleep: 'dxpp', time: 'p', poll: 'pud', execve: 'spp', wait4: 'dpxp', clone: 'xpppx',
};

const OPEN_FLAGS: [number, string][] = [
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o400, 'O_NOCTTY'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'], [0o10000, 'O_DSYNC'], [0o20000, 'O_ASYNC'], [0o40000, 'O_DIRECT'], [0o100000, 'O_LARGEFILE'],
  [0o200000, 'O_DIRECTORY'], [0o400000, 'O_NOFOLLOW'], [0o1000000, 'O_NOATIME'], [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'], [0o20000000, 'O_TMPFILE'],
];
const MAP_FLAGS: [number, string][] = [
  [0x10, 'MAP_FIXED'], [0x20, 'MAP_ANONYMOUS'], [0x40, 'MAP_32BIT'], [0x100, 'MAP_GROWSDOWN'], [0x800, 'MAP_DENYWRITE'],
  [0x1000, 'MAP_EXECUTABLE'], [0x2000, 'MAP_LOCKED'], [0x4000, 'MAP_NORESERVE'], [0x8000, 'MAP_POPULATE'],
  [0x10000, 'MAP_NONBLOCK'], [0x20000, 'MAP_STACK'], [0x40000, 'MAP_HUGETLB'], [0x80000, 'MAP_SYNC'],
  [0x100000, 'MAP_FIXED_NOREPLACE'],
];
const MADV = ['MADV_NORMAL', 'MADV_RANDOM', 'MADV_SEQUENTIAL', 'MADV_WILLNEED', 'MADV_DONTNEED', '', '', '', 'MADV_FREE',
  'MADV_REMOVE', 'MADV_DONTFORK', 'MADV_DOFORK', 'MADV_MERGEABLE', 'MADV_UNMERGEABLE', 'MADV_HUGEPAGE', 'MADV_NOHUGEPAGE',
  'MADV_DONTDUMP', 'MADV_DODUMP', 'MADV_WIPEONFORK', 'MADV_KEEPONFORK', 'MADV_COLD', 'MADV_PAGEOUT'];
const FUTEX_OPS = ['FUTEX_WAIT', 'FUTEX_WAKE', 'FUTEX_FD', 'FUTEX_REQUEUE', 'FUTEX_CMP_REQUEUE', 'FUTEX_WAKE_OP',
  'FUTEX_LOCK_PI', 'FUTEX_UNLOCK_PI', 'FUTEX_TRYLOCK_PI', 'FUTEX_WAIT_BITSET', 'FUTEX_WAKE_BITSET',
  'FUTEX_WAIT_REQUEUE_PI', 'FUTEX_CMP_REQUEUE_PI', 'FUTEX_LOCK_PI2'];
const ARCH_PRCTL: Record<number, string> = { 0x1001: 'ARCH_SET_GS', 0x1002: 'ARCH_SET_FS', 0x1003: 'ARCH_GET_FS',
  0x1004: 'ARCH_GET_GS', 0x1011: 'ARCH_GET_CPUID', 0x1012: 'ARCH_SET_CPUID', 0x3001: 'ARCH_CET_STATUS' };

function flagsString(v: number, table: [number, string][], base: string | null): string {
  const parts: string[] = base ? [base] : [];
  let rest = v;
  for (const [bit, name] of table) if (rest & bit) { parts.push(name); rest &= ~bit; }
  if (rest) parts.push('0x' + (rest >>> 0).toString(16));
  return parts.length ? parts.join('|') : '0';
}

function hexU(a: SyscallArgs, n: number): string {
  const hi = a.hi(n) >>> 0, lo = a.lo(n) >>> 0;
  if (hi === 0 && lo === 0) return '0';
  return '0x' + (hi ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16));
}

/** strace-style quoting of the first 32 bytes. */
export function quoteBytes(b: Uint8Array, total: number, max = 32): string {
  let s = '"';
  const n = Math.min(b.length, max);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += '\\\\';
    else if (c === 10) s += '\\n';
    else if (c === 9) s += '\\t';
    else if (c === 13) s += '\\r';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\' + c.toString(8);
  }
  s += '"';
  if (total > n) s += '...';
  return s;
}

export class Strace {
  /** True while a traced handler runs; the process-end line waits for the handler's "= ?" line. */
  private inCall = false;
  private pendingEnd: string | null = null;

  constructor(private readonly k: Kernel) {}

  private fmtArg(kind: string, a: SyscallArgs, n: number, result: number | null): string {
    const k = this.k;
    switch (kind) {
      case 'd': return String(a.i32(n));
      case 'D': return String(a.i64(n));
      case 'u': return String(a.u64(n));
      case 'p': return a.lo(n) === 0 && a.hi(n) === 0 ? 'NULL' : hexU(a, n);
      case 'f': return a.i32(n) === -100 ? 'AT_FDCWD' : String(a.i32(n));
      case 's': {
        if (a.lo(n) === 0 && a.hi(n) === 0) return 'NULL';
        const b = k.uaccess.strnBytesFromUser(a.i64(n), 4096);
        if (b === null || b === -1) return hexU(a, n);
        return quoteBytes(b, b.length, 4096);
      }
      case 'b': case 'B': {
        const len = kind === 'b' ? a.u64(n + 1) : result ?? 0;
        if (len < 0 || (kind === 'B' && (result === null || result < 0))) return hexU(a, n);
        const b = k.uaccess.copyFromUser(a.i64(n), Math.min(len, 32));
        return b ? quoteBytes(b, len) : hexU(a, n);
      }
      case 'o': {
        const v = a.u32(n), acc = v & 3;
        return flagsString(v & ~3, OPEN_FLAGS, ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][acc]);
      }
      case 'm': return '0' + a.u32(n).toString(8);
      case 'P': {
        const v = a.u32(n);
        if (v === 0) return 'PROT_NONE';
        return flagsString(v, [[1, 'PROT_READ'], [2, 'PROT_WRITE'], [4, 'PROT_EXEC'], [0x01000000, 'PROT_GROWSDOWN'], [0x02000000, 'PROT_GROWSUP']], null);
      }
      case 'M': {
        const v = a.u32(n), t = v & 0xf;
        return flagsString(v & ~0xf, MAP_FLAGS, t === 1 ? 'MAP_SHARED' : t === 2 ? 'MAP_PRIVATE' : t === 3 ? 'MAP_SHARED_VALIDATE' : '0x' + t.toString(16));
      }
      case 'S': return a.i32(n) === 0 ? '0' : signalName(a.i32(n));
      case 'A': return ARCH_PRCTL[a.i32(n)] ?? '0x' + a.u32(n).toString(16);
      case 'F': {
        const v = a.i32(n), op = v & 127;
        return (FUTEX_OPS[op] ?? String(op)) + (v & 128 ? '_PRIVATE' : '') + (v & 256 ? '|FUTEX_CLOCK_REALTIME' : '');
      }
      case 'h': return ['SIG_BLOCK', 'SIG_UNBLOCK', 'SIG_SETMASK'][a.i32(n)] ?? String(a.i32(n));
      case 'w': return ['SEEK_SET', 'SEEK_CUR', 'SEEK_END', 'SEEK_DATA', 'SEEK_HOLE'][a.i32(n)] ?? String(a.i32(n));
      case 'a': return MADV[a.i32(n)] || String(a.i32(n));
      default: return hexU(a, n);
    }
  }

  private spec(nr: number): [string, string, string] {
    const name = syscallName(nr) ?? `syscall_0x${nr.toString(16)}`;
    const [argKinds, resKind = 'd'] = (SPECS[name] ?? 'xxxxxx').split('=');
    return [name, argKinds, resKind];
  }

  private argsString(argKinds: string, a: SyscallArgs, result: number | null): string {
    const args: string[] = [];
    for (let i = 0; i < argKinds.length; i++) args.push(this.fmtArg(argKinds[i], a, i, result));
    return args.join(', ');
  }

  /** Format a result: decimal, hex for addresses, or "-1 ENAME (message)" for -errno. */
  static formatResult(result: number, resKind: string): string {
    if (result < 0 && result >= -4095) {
      const e = -result;
      const info = ERRNO_INFO[e];
      return `-1 ${info ? info[0] : 'E' + e} (${info ? info[1] : 'Unknown error ' + e})`;
    }
    return resKind === 'x' ? '0x' + result.toString(16) : String(result);
  }

  /** Run a handler and print its line. Inputs are formatted before the call, out-buffers after. */
  call(nr: number, h: SyscallHandler, a: SyscallArgs): number {
    const [name, argKinds, resKind] = this.spec(nr);
    let args = this.argsString(argKinds, a, null);
    let result: number;
    this.inCall = true;
    try {
      result = h(this.k, a);
    } catch (e) {
      if (e instanceof GuestExit) this.k.writeStderr(`${name}(${args}) = ?\n`);
      throw e;
    } finally {
      this.inCall = false;
      if (this.pendingEnd !== null) { this.k.writeStderr(this.pendingEnd); this.pendingEnd = null; }
    }
    if (argKinds.includes('B')) args = this.argsString(argKinds, a, result);
    this.k.writeStderr(`${name}(${args}) = ${Strace.formatResult(result, resKind)}\n`);
    return result;
  }

  /** A number above __NR_syscall_max (strace prints it in hex with six raw arguments). */
  bad(nr: bigint, a: SyscallArgs): void {
    this.k.writeStderr(`syscall_0x${nr.toString(16)}(${this.argsString('xxxxxx', a, null)}) = -1 ENOSYS (Function not implemented)\n`);
  }

  /** The final line, like strace's "+++ exited with 0 +++". */
  exited(status: number, signal: number | null): void {
    const line = signal === null ? `+++ exited with ${status} +++\n` : `+++ killed by ${signalName(signal)} +++\n`;
    if (this.inCall) this.pendingEnd = line; else this.k.writeStderr(line);
  }
}
