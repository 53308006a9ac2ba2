// Process and thread system calls for a single-threaded process: exit, ids, arch_prctl (FS/GS bases),
// the thread-library bookkeeping calls (set_tid_address, set_robust_list, rseq), signal dispositions
// and masks (recorded; delivery is a later issue), futex for one thread, sched_yield, kill/tgkill/tkill
// to self.

import type { Kernel } from '../kernel.js';
import { TASK_SIZE } from '../mm.js';
import {
  MINSIGSTKSZ, NSIG, SIGKILL, SIGSTOP, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK,
} from '../signals.js';
import { E, type SyscallArgs } from '../types.js';

type Handler = (k: Kernel, a: SyscallArgs) => number;

export const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
export const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5;
export const FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;

const isNull = (a: SyscallArgs, n: number) => a.lo(n) === 0 && a.hi(n) === 0;

const sys_exit: Handler = (k, a) => k.exitProcess(a.i32(0) & 0xff);
const sys_exit_group: Handler = (k, a) => k.exitProcess(a.i32(0) & 0xff);
const sys_getpid: Handler = (k) => k.pid;
const sys_getppid: Handler = (k) => k.ppid;
const sys_gettid: Handler = (k) => k.tid;
const sys_sched_yield: Handler = () => 0;

/** arch_prctl (arch/x86/kernel/process_64.c do_arch_prctl_64). */
const sys_arch_prctl: Handler = (k, a) => {
  const code = a.i32(0);
  const cpu = k.cpu;
  switch (code) {
    case ARCH_SET_FS: case ARCH_SET_GS: {
      const v = a.u64(1);
      if (a.hi(1) < 0 || !(v < TASK_SIZE)) return -E.EPERM;
      if (code === ARCH_SET_FS) cpu.fsBase = v; else k.setUserGsBase(v);
      return 0;
    }
    case ARCH_GET_FS:
      return k.uaccess.putU64(a.i64(1), cpu.fsBase) ? 0 : -E.EFAULT;
    case ARCH_GET_GS:
      return k.uaccess.putU64(a.i64(1), k.userGsBase()) ? 0 : -E.EFAULT;
    default:
      return -E.EINVAL;
  }
};

const sys_set_tid_address: Handler = (k, a) => { k.clearChildTid = a.u64(0); return k.tid; };

const sys_set_robust_list: Handler = (k, a) => {
  if (a.u64(1) !== 24) return -E.EINVAL; // sizeof(struct robust_list_head)
  k.robustListHead = a.u64(0);
  return 0;
};

/** rseq: not provided; glibc falls back when registration fails with ENOSYS. */
const sys_rseq: Handler = () => -E.ENOSYS;

/** rt_sigaction (kernel/signal.c): validate, read the new action, report the old one. */
const sys_rt_sigaction: Handler = (k, a) => {
  const sig = a.i32(0);
  if (a.u64(3) !== 8) return -E.EINVAL;
  if (sig < 1 || sig > NSIG) return -E.EINVAL;
  const hasAct = !isNull(a, 1), hasOld = !isNull(a, 2);
  if (hasAct && (sig === SIGKILL || sig === SIGSTOP)) return -E.EINVAL;
  const st = k.signals;
  let next = null as null | { handler: number; flags: number; restorer: number; maskLo: number; maskHi: number };
  if (hasAct) {
    const b = k.uaccess.copyFromUser(a.i64(1), 32);
    if (!b) return -E.EFAULT;
    const dv = new DataView(b.buffer);
    next = {
      handler: dv.getUint32(4, true) * 4294967296 + dv.getUint32(0, true),
      flags: dv.getUint32(8, true), // sa_flags is an unsigned long; only the low 32 bits have meaning
      restorer: dv.getUint32(20, true) * 4294967296 + dv.getUint32(16, true),
      maskLo: dv.getInt32(24, true), maskHi: dv.getInt32(28, true),
    };
  }
  if (hasOld) {
    const o = st.actions[sig];
    const b = new Uint8Array(32);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, o.handler % 4294967296, true); dv.setUint32(4, Math.floor(o.handler / 4294967296), true);
    dv.setUint32(8, o.flags >>> 0, true);
    dv.setUint32(16, o.restorer % 4294967296, true); dv.setUint32(20, Math.floor(o.restorer / 4294967296), true);
    dv.setInt32(24, o.maskLo, true); dv.setInt32(28, o.maskHi, true);
    if (!k.uaccess.copyToUser(a.i64(2), b)) return -E.EFAULT;
  }
  if (next) {
    // SIGKILL and SIGSTOP can never be blocked, not even while a handler runs.
    next.maskLo &= ~((1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1)));
    st.actions[sig] = next;
  }
  return 0;
};

/** rt_sigprocmask: new mask first (EFAULT / EINVAL leave the mask unchanged), then the old one. */
const sys_rt_sigprocmask: Handler = (k, a) => {
  if (a.u64(3) !== 8) return -E.EINVAL;
  const st = k.signals;
  const oldLo = st.blockedLo, oldHi = st.blockedHi;
  if (!isNull(a, 1)) {
    const b = k.uaccess.copyFromUser(a.i64(1), 8);
    if (!b) return -E.EFAULT;
    const dv = new DataView(b.buffer);
    const lo = dv.getInt32(0, true), hi = dv.getInt32(4, true);
    switch (a.i32(0)) {
      case SIG_BLOCK: st.setBlocked(oldLo | lo, oldHi | hi); break;
      case SIG_UNBLOCK: st.setBlocked(oldLo & ~lo, oldHi & ~hi); break;
      case SIG_SETMASK: st.setBlocked(lo, hi); break;
      default: return -E.EINVAL;
    }
  }
  if (!isNull(a, 2)) {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setInt32(0, oldLo, true); dv.setInt32(4, oldHi, true);
    if (!k.uaccess.copyToUser(a.i64(2), b)) return -E.EFAULT;
  }
  k.deliverPendingSignals();
  return 0;
};

/** sigaltstack (kernel/signal.c do_sigaltstack); stack_t is { void *ss_sp; int ss_flags; size_t ss_size }. */
const sys_sigaltstack: Handler = (k, a) => {
  const st = k.signals;
  const old = { ...st.altStack };
  if (!isNull(a, 0)) {
    const b = k.uaccess.copyFromUser(a.i64(0), 24);
    if (!b) return -E.EFAULT;
    const dv = new DataView(b.buffer);
    const sp = dv.getUint32(4, true) * 4294967296 + dv.getUint32(0, true);
    const flags = dv.getInt32(8, true);
    const size = dv.getUint32(20, true) * 4294967296 + dv.getUint32(16, true);
    const mode = flags & ~SS_AUTODISARM;
    if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -E.EINVAL;
    if (mode === SS_DISABLE) st.altStack = { sp: 0, flags: SS_DISABLE, size: 0 };
    else {
      if (size < MINSIGSTKSZ) return -E.ENOMEM;
      st.altStack = { sp, flags: flags & SS_AUTODISARM, size };
    }
  }
  if (!isNull(a, 1)) {
    const b = new Uint8Array(24);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, old.sp % 4294967296, true); dv.setUint32(4, Math.floor(old.sp / 4294967296), true);
    dv.setInt32(8, old.flags, true);
    dv.setUint32(16, old.size % 4294967296, true); dv.setUint32(20, Math.floor(old.size / 4294967296), true);
    if (!k.uaccess.copyToUser(a.i64(1), b)) return -E.EFAULT;
  }
  return 0;
};

/**
 * futex for a single-threaded process: nobody else can change the word or wake us, so a wait either
 * fails at once (EAGAIN: the value differs), times out, or would block forever.
 */
const sys_futex: Handler = (k, a) => {
  const op = a.i32(1) & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  const uaddr = a.i64(0);
  switch (op) {
    case FUTEX_WAIT: case FUTEX_WAIT_BITSET: {
      if (uaddr % 4 !== 0) return -E.EINVAL;
      if (op === FUTEX_WAIT_BITSET && a.u32(5) === 0) return -E.EINVAL;
      const cur = k.uaccess.getU32(uaddr);
      if (cur === null) return -E.EFAULT;
      if (cur !== a.u32(2)) return -E.EAGAIN;
      if (!isNull(a, 3)) return -E.ETIMEDOUT;
      return k.killProcess(SIGKILL, 'ringjit: futex wait would deadlock (single thread)');
    }
    case FUTEX_WAKE: case FUTEX_WAKE_BITSET:
      if (uaddr % 4 !== 0) return -E.EINVAL;
      if (op === FUTEX_WAKE_BITSET && a.u32(5) === 0) return -E.EINVAL;
      return 0;
    case FUTEX_REQUEUE: case FUTEX_CMP_REQUEUE: {
      if (uaddr % 4 !== 0) return -E.EINVAL;
      if (op === FUTEX_CMP_REQUEUE) {
        const cur = k.uaccess.getU32(uaddr);
        if (cur === null) return -E.EFAULT;
        if (cur !== a.u32(5)) return -E.EAGAIN;
      }
      return 0;
    }
    default:
      return -E.ENOSYS;
  }
};

function signalToSelf(k: Kernel, sig: number): number {
  if (sig < 0 || sig > NSIG) return -E.EINVAL;
  if (sig === 0) return 0;
  return k.sendSignalToSelf(sig);
}

/** kill(pid, sig): only this process exists (pid, 0 = our group, -1 = everyone we may signal). */
const sys_kill: Handler = (k, a) => {
  const pid = a.i32(0), sig = a.i32(1);
  if (sig < 0 || sig > NSIG) return -E.EINVAL;
  if (pid !== k.pid && pid !== 0 && pid !== -1 && pid !== -k.pid) return -E.ESRCH;
  return signalToSelf(k, sig);
};

const sys_tgkill: Handler = (k, a) => {
  const tgid = a.i32(0), tid = a.i32(1), sig = a.i32(2);
  if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG) return -E.EINVAL;
  if (tgid !== k.pid || tid !== k.tid) return -E.ESRCH;
  return signalToSelf(k, sig);
};

const sys_tkill: Handler = (k, a) => {
  const tid = a.i32(0), sig = a.i32(1);
  if (tid <= 0 || sig < 0 || sig > NSIG) return -E.EINVAL;
  if (tid !== k.tid) return -E.ESRCH;
  return signalToSelf(k, sig);
};

export const PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4;
export const PR_SET_NAME = 15, PR_GET_NAME = 16, PR_GET_TIMERSLACK = 30, PR_SET_NO_NEW_PRIVS = 38;
export const PR_GET_NO_NEW_PRIVS = 39, PR_SET_VMA = 0x53564d41;

/** prctl (kernel/sys.c): the options a single process can meaningfully use; others are -EINVAL. */
const sys_prctl: Handler = (k, a) => {
  const option = a.i32(0);
  switch (option) {
    case PR_SET_NAME: {
      // Copies at most TASK_COMM_LEN - 1 bytes; a longer name is truncated, not an error.
      const bytes: number[] = [];
      for (let i = 0; i < 15; i++) {
        const c = k.uaccess.copyFromUser(a.i64(1) + i, 1);
        if (!c) return -E.EFAULT;
        if (c[0] === 0) break;
        bytes.push(c[0]);
      }
      k.comm = Buffer.from(bytes).toString('latin1');
      return 0;
    }
    case PR_GET_NAME: {
      const out = new Uint8Array(16);
      out.set(Buffer.from(k.comm, 'latin1').subarray(0, 15));
      return k.uaccess.copyToUser(a.i64(1), out) ? 0 : -E.EFAULT;
    }
    case PR_GET_DUMPABLE: return k.dumpable;
    case PR_SET_DUMPABLE: {
      const v = a.u64(1);
      if (v !== 0 && v !== 1) return -E.EINVAL;
      k.dumpable = v;
      return 0;
    }
    case PR_SET_PDEATHSIG: {
      const sig = a.u64(1);
      if (sig > NSIG) return -E.EINVAL;
      k.pdeathSignal = sig;
      return 0;
    }
    case PR_GET_PDEATHSIG: return k.uaccess.putU32(a.i64(1), k.pdeathSignal) ? 0 : -E.EFAULT;
    case PR_GET_TIMERSLACK: return 50000;
    case PR_SET_NO_NEW_PRIVS:
      if (a.u64(1) !== 1 || a.u64(2) || a.u64(3) || a.u64(4)) return -E.EINVAL;
      k.noNewPrivs = 1;
      return 0;
    case PR_GET_NO_NEW_PRIVS:
      if (a.u64(1) || a.u64(2) || a.u64(3) || a.u64(4)) return -E.EINVAL;
      return k.noNewPrivs;
    default:
      // Includes PR_SET_VMA (anonymous VMA names), which kernels without CONFIG_ANON_VMA_NAME reject.
      return -E.EINVAL;
  }
};

export const processSyscalls: Record<string, Handler> = {
  exit: sys_exit, exit_group: sys_exit_group, getpid: sys_getpid, getppid: sys_getppid, gettid: sys_gettid,
  arch_prctl: sys_arch_prctl, set_tid_address: sys_set_tid_address, set_robust_list: sys_set_robust_list,
  rseq: sys_rseq, rt_sigaction: sys_rt_sigaction, rt_sigprocmask: sys_rt_sigprocmask, sigaltstack: sys_sigaltstack,
  futex: sys_futex, sched_yield: sys_sched_yield, kill: sys_kill, tgkill: sys_tgkill, tkill: sys_tkill,
  prctl: sys_prctl,
};
