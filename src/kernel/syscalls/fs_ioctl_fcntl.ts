// Descriptor control: ioctl (the FIO* requests and a terminal's termios, window size and process
// group) and fcntl (dup, close-on-exec, status flags, advisory locks, pipe size).

import { E, type SyscallArgs } from '../types.js';
import { O_NONBLOCK, SETFL_MASK } from '../file.js';
import { PipeEnd } from '../file_pipe.js';
import { defaultTermios, packWinsize, TERMIOS_SIZE } from '../stat.js';
import { type KernelLike, guestPid } from './kernel_like.js';

// ---- terminals ----------------------------------------------------------------------------------

const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGPGRP = 0x540f,
  TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541b, FIONBIO = 0x5421,
  FIONCLEX = 0x5450, FIOCLEX = 0x5451, TIOCGSID = 0x5429, FIOASYNC = 0x5452;

/** Terminal settings the guest set, per terminal path (recorded, not applied to the host tty). */
const termiosByTty = new Map<string, Uint8Array>();

function hostWinsize(): [number, number] {
  for (const s of [process.stdout, process.stderr]) {
    if (s.isTTY && s.rows > 0 && s.columns > 0) return [s.rows, s.columns];
  }
  return [24, 80];
}

export function doIoctl(k: KernelLike, fd: number, req: number, arg: number): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  const u = k.uaccess;
  switch (req) {
    case FIONBIO: {
      const v = u.getU32(arg);
      if (v === null) return -E.EFAULT;
      f.flags = v !== 0 ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
      return 0;
    }
    case FIOASYNC: return u.getU32(arg) === null ? -E.EFAULT : 0;
    case FIOCLEX: k.files.setCloexec(fd, true); return 0;
    case FIONCLEX: k.files.setCloexec(fd, false); return 0;
    case FIONREAD: {
      const n = f.available();
      if (n < 0) return f.kind === 'dir' ? -E.EINVAL : n;
      return u.putU32(arg, n) ? 0 : -E.EFAULT;
    }
  }
  if (!f.isTty()) return -E.ENOTTY;
  switch (req) {
    case TCGETS:
      return u.copyToUser(arg, termiosByTty.get(f.path) ?? defaultTermios()) ? 0 : -E.EFAULT;
    case TCSETS: case TCSETSW: case TCSETSF: {
      const t = u.copyFromUser(arg, TERMIOS_SIZE);
      if (!t) return -E.EFAULT;
      termiosByTty.set(f.path, t);
      return 0;
    }
    case TIOCGWINSZ: {
      const [rows, cols] = hostWinsize();
      return u.copyToUser(arg, packWinsize(rows, cols)) ? 0 : -E.EFAULT;
    }
    case TIOCSWINSZ: return u.copyFromUser(arg, 8) ? 0 : -E.EFAULT;
    case TIOCGPGRP: case TIOCGSID: return u.putU32(arg, guestPid(k)) ? 0 : -E.EFAULT;
    case TIOCSPGRP: return u.getU32(arg) === null ? -E.EFAULT : 0;
    default: return -E.ENOTTY;
  }
}

// ---- fcntl --------------------------------------------------------------------------------------

const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6,
  F_SETLKW = 7, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38, F_DUPFD_CLOEXEC = 1030,
  F_GETPIPE_SZ = 1032, FD_CLOEXEC = 1, F_UNLCK = 2;

export function doFcntl(k: KernelLike, fd: number, cmd: number, a: SyscallArgs): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const min = a.i32(2);
      if (min < 0 || min >= k.files.maxFds) return -E.EINVAL;
      return k.files.dup(fd, min, cmd === F_DUPFD_CLOEXEC);
    }
    case F_GETFD: return k.files.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD: k.files.setCloexec(fd, (a.i32(2) & FD_CLOEXEC) !== 0); return 0;
    case F_GETFL: return f.flags;
    case F_SETFL: {
      if (f.kind === 'path') return -E.EBADF;
      f.flags = (f.flags & ~SETFL_MASK) | (a.i32(2) & SETFL_MASK);
      return 0;
    }
    // Advisory locks: this process is the only one, so every lock is granted and none conflicts.
    case F_GETLK: case F_OFD_GETLK: {
      const addr = a.i64(2);
      const cur = k.uaccess.copyFromUser(addr, 32);
      if (!cur) return -E.EFAULT;
      cur[0] = F_UNLCK; cur[1] = 0;
      return k.uaccess.copyToUser(addr, cur) ? 0 : -E.EFAULT;
    }
    case F_SETLK: case F_SETLKW: case F_OFD_SETLK: case F_OFD_SETLKW:
      return k.uaccess.copyFromUser(a.i64(2), 32) ? 0 : -E.EFAULT;
    case F_GETPIPE_SZ: return f instanceof PipeEnd ? 65536 : -E.EBADF;
    default: return -E.EINVAL;
  }
}
