// Signal state of the (single) task: dispositions (rt_sigaction), the blocked mask (rt_sigprocmask) and
// the alternate stack (sigaltstack), plus the facts about each signal the kernel needs to terminate a
// process the way Linux would. Delivery (building an rt_sigframe, rt_sigreturn) is a later issue; until
// then a signal whose disposition is a handler still terminates the process, and the message says so.

export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8;
export const SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15;
export const SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22;
export const SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29;
export const SIGPWR = 30, SIGSYS = 31, SIGRTMIN = 32, NSIG = 64;

export const SIG_DFL = 0, SIG_IGN = 1;
export const SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_UNSUPPORTED = 0x400, SA_EXPOSE_TAGBITS = 0x800;
export const SA_RESTORER = 0x04000000, SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000;
export const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 0x80000000;
/** MINSIGSTKSZ for x86-64 (arch/x86/include/uapi/asm/signal.h). */
export const MINSIGSTKSZ = 2048;

const NAMES = ['', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL',
  'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP',
  'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO',
  'SIGPWR', 'SIGSYS'];

/** strsignal(3) texts, which shells print for a child killed by a signal. */
const DESCRIPTIONS = ['', 'Hangup', 'Interrupt', 'Quit', 'Illegal instruction', 'Trace/breakpoint trap', 'Aborted',
  'Bus error', 'Floating point exception', 'Killed', 'User defined signal 1', 'Segmentation fault',
  'User defined signal 2', 'Broken pipe', 'Alarm clock', 'Terminated', 'Stack fault', 'Child exited', 'Continued',
  'Stopped (signal)', 'Stopped', 'Stopped (tty input)', 'Stopped (tty output)', 'Urgent I/O condition',
  'CPU time limit exceeded', 'File size limit exceeded', 'Virtual timer expired', 'Profiling timer expired',
  'Window changed', 'I/O possible', 'Power failure', 'Bad system call'];

export function signalName(sig: number): string {
  if (sig > 0 && sig < NAMES.length) return NAMES[sig];
  if (sig >= SIGRTMIN && sig <= NSIG) return sig === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${sig - SIGRTMIN}`;
  return `signal ${sig}`;
}

export function signalDescription(sig: number): string {
  if (sig > 0 && sig < DESCRIPTIONS.length) return DESCRIPTIONS[sig];
  if (sig >= SIGRTMIN && sig <= NSIG) return `Real-time signal ${sig - SIGRTMIN}`;
  return `Unknown signal ${sig}`;
}

export const enum DefaultAction { Term, Core, Ignore, Stop, Cont }

/** The default action of a signal (signal(7)). */
export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE: case SIGSEGV:
    case SIGXCPU: case SIGXFSZ: case SIGSYS:
      return DefaultAction.Core;
    case SIGCHLD: case SIGURG: case SIGWINCH:
      return DefaultAction.Ignore;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
      return DefaultAction.Stop;
    case SIGCONT:
      return DefaultAction.Cont;
    default:
      return DefaultAction.Term;
  }
}

/** struct k_sigaction as x86-64 userspace passes it (handler, flags, restorer, mask: 4 x u64). */
export interface SigAction {
  /** Handler address, SIG_DFL (0) or SIG_IGN (1). */
  handler: number;
  flags: number;
  restorer: number;
  /** Blocked-during-handler mask as [lo, hi] (bit n-1 = signal n). */
  maskLo: number;
  maskHi: number;
}

export class SignalState {
  /** Index 1..64. */
  readonly actions: SigAction[] = [];
  /** The task's blocked mask, as two 32-bit halves. */
  blockedLo = 0;
  blockedHi = 0;
  altStack = { sp: 0, flags: SS_DISABLE, size: 0 };
  /** Signals sent while blocked, as two 32-bit halves. */
  pendingLo = 0;
  pendingHi = 0;

  constructor() {
    for (let i = 0; i <= NSIG; i++) this.actions.push({ handler: SIG_DFL, flags: 0, restorer: 0, maskLo: 0, maskHi: 0 });
  }

  /** Whether a user handler (not SIG_DFL / SIG_IGN) is installed. */
  hasHandler(sig: number): boolean {
    const a = this.actions[sig];
    return !!a && a.handler !== SIG_DFL && a.handler !== SIG_IGN;
  }

  isIgnored(sig: number): boolean {
    const a = this.actions[sig];
    return !!a && (a.handler === SIG_IGN || (a.handler === SIG_DFL && defaultAction(sig) === DefaultAction.Ignore));
  }

  isBlocked(sig: number): boolean {
    return sig <= 32 ? ((this.blockedLo >>> (sig - 1)) & 1) !== 0 : ((this.blockedHi >>> (sig - 33)) & 1) !== 0;
  }

  addPending(sig: number): void {
    if (sig <= 32) this.pendingLo |= 1 << (sig - 1); else this.pendingHi |= 1 << (sig - 33);
  }

  /** The lowest pending signal that is not blocked (and remove it), or 0. */
  takeDeliverable(): number {
    const lo = this.pendingLo & ~this.blockedLo, hi = this.pendingHi & ~this.blockedHi;
    if (lo) { const b = 31 - Math.clz32(lo & -lo); this.pendingLo &= ~(1 << b); return b + 1; }
    if (hi) { const b = 31 - Math.clz32(hi & -hi); this.pendingHi &= ~(1 << b); return b + 33; }
    return 0;
  }

  /** Update the blocked mask; SIGKILL and SIGSTOP can never be blocked. */
  setBlocked(lo: number, hi: number): void {
    this.blockedLo = lo & ~((1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1)));
    this.blockedHi = hi;
  }
}
