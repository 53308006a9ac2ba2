// Information system calls: identity (uname, uids), resources (sysinfo, rlimits), time and sleep,
// random bytes, scheduling trivia.
//
// Deterministic mode (k.opts.deterministic): every clock reads a virtual clock instead of the host:
//   virtual_ns = (instructions retired, if the CPU counts them) + 1000 * (clock reads so far)
//                + (nanoseconds slept so far)
// CLOCK_REALTIME and friends add a fixed epoch (2024-01-01T00:00:00Z); the CPU-time clocks read the
// same virtual nanoseconds. Sleeps advance the virtual clock instead of the host's, so two runs of
// the same program see exactly the same times. getrandom then draws from a splitmix64 PRNG seeded
// with k.opts.randomSeed (0 when unset); the PRNG is also used whenever randomSeed is set.

import * as os from 'node:os';
import { fs } from '../host_fs.js';
import { E, type SyscallArgs } from '../types.js';
import { sleepMs } from '../file.js';
import { hostRandomFill, nodeCrypto } from '../host.js';
import { packPair, unpackPair } from '../stat.js';
import { type KernelLike, type SyscallHandler, guestPid } from './kernel_like.js';

export const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2,
  CLOCK_THREAD_CPUTIME_ID = 3, CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5,
  CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7, CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9,
  CLOCK_TAI = 11;

const NS = 1_000_000_000n;
/** The virtual epoch of deterministic mode: 2024-01-01T00:00:00Z. */
export const DETERMINISTIC_EPOCH_NS = 1_704_067_200n * NS;
/** Longest single sleep honoured (longer requests sleep this long and report success). */
export const MAX_SLEEP_MS = 24 * 3600 * 1000;

export const RLIM_INFINITY = (1n << 64n) - 1n;
export const RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4,
  RLIMIT_RSS = 5, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9,
  RLIMIT_LOCKS = 10, RLIMIT_SIGPENDING = 11, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13, RLIMIT_RTPRIO = 14,
  RLIMIT_RTTIME = 15, RLIM_NLIMITS = 16;

/** Per-kernel state of these handlers. */
interface InfoState {
  rlimits: Array<[bigint, bigint]>;
  vclockNs: bigint;
  reads: bigint;
  rng: bigint | undefined;
  nice: number;
}

const states = new WeakMap<object, InfoState>();

function defaultRlimits(): Array<[bigint, bigint]> {
  const inf = RLIM_INFINITY;
  const r: Array<[bigint, bigint]> = [];
  for (let i = 0; i < RLIM_NLIMITS; i++) r.push([inf, inf]);
  r[RLIMIT_STACK] = [8n << 20n, inf];
  r[RLIMIT_NOFILE] = [1024n, 4096n];
  r[RLIMIT_CORE] = [0n, inf];
  r[RLIMIT_MEMLOCK] = [8n << 20n, 8n << 20n];
  r[RLIMIT_MSGQUEUE] = [819200n, 819200n];
  r[RLIMIT_NICE] = [0n, 0n];
  r[RLIMIT_RTPRIO] = [0n, 0n];
  return r;
}

function seedOf(s: number | bigint | string | undefined): bigint {
  if (s === undefined) return 0n;
  if (typeof s === 'bigint') return BigInt.asUintN(64, s);
  if (typeof s === 'number' && Number.isInteger(s)) return BigInt.asUintN(64, BigInt(s));
  const h = nodeCrypto().createHash('sha256').update(String(s)).digest();
  return h.readBigUInt64LE(0);
}

function stateOf(k: KernelLike): InfoState {
  let s = states.get(k);
  if (!s) {
    const seeded = k.opts.randomSeed !== undefined || k.opts.deterministic === true;
    s = {
      rlimits: defaultRlimits(), vclockNs: 0n, reads: 0n,
      rng: seeded ? seedOf(k.opts.randomSeed) : undefined, nice: 0,
    };
    states.set(k, s);
  }
  return s;
}

/** Read an rlimit of this kernel (for the kernel core: stack size at exec, fd limit, ...). */
export function getRlimit(k: KernelLike, resource: number): [bigint, bigint] {
  return stateOf(k).rlimits[resource] ?? [RLIM_INFINITY, RLIM_INFINITY];
}

// ---- time ---------------------------------------------------------------------------------------

const hrBase = process.hrtime.bigint();
const realBase = BigInt(Date.now()) * 1_000_000n;

/** Virtual nanoseconds (deterministic mode). Each read advances the clock by 1 µs. */
function virtualNs(k: KernelLike): bigint {
  const s = stateOf(k);
  s.reads += 1n;
  const instret = typeof k.cpu?.instret === 'number' ? BigInt(Math.floor(k.cpu.instret)) : 0n;
  return instret + s.reads * 1000n + s.vclockNs;
}

function isValidClock(clk: number): boolean {
  return (clk >= 0 && clk <= 9) || clk === CLOCK_TAI;
}

/** Nanoseconds of a clock, or undefined for an invalid clock id. */
export function clockNs(k: KernelLike, clk: number): bigint | undefined {
  if (!isValidClock(clk)) return undefined;
  const realtime = clk === CLOCK_REALTIME || clk === CLOCK_REALTIME_COARSE || clk === CLOCK_REALTIME_ALARM
    || clk === CLOCK_TAI;
  if (k.opts.deterministic) {
    const v = virtualNs(k);
    return realtime ? DETERMINISTIC_EPOCH_NS + v + (clk === CLOCK_TAI ? 37n * NS : 0n) : v;
  }
  const hr = process.hrtime.bigint();
  switch (clk) {
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID: {
      const u = process.cpuUsage();
      return BigInt(u.user + u.system) * 1000n;
    }
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM:
      return hr;
    default: // realtime clocks
      return realBase + (hr - hrBase) + (clk === CLOCK_TAI ? 37n * NS : 0n);
  }
}

function sleepNs(k: KernelLike, ns: bigint): void {
  if (ns <= 0n) return;
  if (k.opts.deterministic) { stateOf(k).vclockNs += ns; return; }
  const ms = Number(ns) / 1e6;
  sleepMs(Math.min(Math.ceil(ms), MAX_SLEEP_MS));
}

/** Read a struct timespec request: [sec, nsec] or -errno (EFAULT, EINVAL). */
function readTimespec(k: KernelLike, addr: number): [bigint, bigint] | number {
  const raw = k.uaccess.copyFromUser(addr, 16);
  if (!raw) return -E.EFAULT;
  const [s, ns] = unpackPair(raw);
  if (s < 0n || ns < 0n || ns >= NS) return -E.EINVAL;
  return [s, ns];
}

const TIMER_ABSTIME = 1;

function doClockNanosleep(k: KernelLike, clk: number, flags: number, reqAddr: number, remAddr: number): number {
  if (clk === CLOCK_THREAD_CPUTIME_ID) return -E.EINVAL;
  if (!isValidClock(clk) || clk === CLOCK_MONOTONIC_RAW || clk === CLOCK_REALTIME_COARSE
    || clk === CLOCK_MONOTONIC_COARSE) return -E.EINVAL;
  const req = readTimespec(k, reqAddr);
  if (typeof req === 'number') return req;
  let ns = req[0] * NS + req[1];
  if (flags & TIMER_ABSTIME) {
    const now = clockNs(k, clk)!;
    ns = ns - now;
  }
  sleepNs(k, ns);
  if (remAddr !== 0 && !(flags & TIMER_ABSTIME)) k.uaccess.copyToUser(remAddr, new Uint8Array(16));
  return 0;
}

// ---- identity -----------------------------------------------------------------------------------

const UTS_LEN = 65;

function packUtsname(fields: string[]): Uint8Array {
  const b = new Uint8Array(UTS_LEN * 6);
  const enc = new TextEncoder();
  fields.forEach((f, i) => {
    const bytes = enc.encode(f).subarray(0, UTS_LEN - 1);
    b.set(bytes, i * UTS_LEN);
  });
  return b;
}

function hostVersion(): string {
  try { return os.version(); } catch { return '#1 SMP'; }
}

function procsRunning(): number {
  try {
    const m = /\s\d+\/(\d+)\s/.exec(fs.readFileSync('/proc/loadavg', 'latin1'));
    if (m) return Math.min(Number(m[1]), 65535);
  } catch { /* not Linux */ }
  return 1;
}

/** struct sysinfo (x86-64, 112 bytes). */
function packSysinfo(): Uint8Array {
  const b = new Uint8Array(112);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(os.uptime())), true);
  os.loadavg().forEach((l, i) => v.setBigUint64(8 + i * 8, BigInt(Math.round(l * 65536)), true));
  v.setBigUint64(32, BigInt(os.totalmem()), true);
  v.setBigUint64(40, BigInt(os.freemem()), true);
  // sharedram, bufferram, totalswap, freeswap: 0 (not known portably)
  v.setUint16(80, procsRunning(), true);
  v.setUint32(104, 1, true); // mem_unit
  return b;
}

// ---- random -------------------------------------------------------------------------------------

const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;
const M64 = (1n << 64n) - 1n;

function prngFill(s: InfoState, out: Uint8Array): void {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let i = 0;
  while (i < out.length) {
    // splitmix64
    s.rng = (s.rng! + 0x9e3779b97f4a7c15n) & M64;
    let z = s.rng;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    z ^= z >> 31n;
    if (out.length - i >= 8) { v.setBigUint64(i, z, true); i += 8; } else {
      for (; i < out.length; i++) { out[i] = Number(z & 0xffn); z >>= 8n; }
    }
  }
}

// ---- rlimits ------------------------------------------------------------------------------------

function packRlimit(l: [bigint, bigint]): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, l[0], true);
  v.setBigUint64(8, l[1], true);
  return b;
}

function doPrlimit(k: KernelLike, pid: number, resource: number, newAddr: number, oldAddr: number): number {
  if (pid !== 0 && pid !== guestPid(k)) return -E.ESRCH;
  if (resource < 0 || resource >= RLIM_NLIMITS) return -E.EINVAL;
  const s = stateOf(k);
  let next: [bigint, bigint] | undefined;
  if (newAddr !== 0) {
    const raw = k.uaccess.copyFromUser(newAddr, 16);
    if (!raw) return -E.EFAULT;
    const v = new DataView(raw.buffer, raw.byteOffset, 16);
    next = [v.getBigUint64(0, true), v.getBigUint64(8, true)];
    if (next[0] > next[1]) return -E.EINVAL;
    const cur = s.rlimits[resource];
    if (next[1] > cur[1] && (process.getuid?.() ?? 0) !== 0) return -E.EPERM;
    if (resource === RLIMIT_NOFILE && next[1] > 1048576n) return -E.EPERM; // fs.nr_open
  }
  if (oldAddr !== 0 && !k.uaccess.copyToUser(oldAddr, packRlimit(s.rlimits[resource]))) return -E.EFAULT;
  if (next) {
    s.rlimits[resource] = next;
    if (resource === RLIMIT_NOFILE) k.files.maxFds = Number(next[0] > 1048576n ? 1048576n : next[0]);
  }
  return 0;
}

// ---- the table ----------------------------------------------------------------------------------

const ptr = (a: SyscallArgs, n: number): number => a.i64(n);

export const infoSyscalls: Record<string, SyscallHandler> = {
  uname: (k, a) => k.uaccess.copyToUser(ptr(a, 0), packUtsname([
    'Linux', os.hostname(), os.release(), hostVersion(), 'x86_64', '(none)',
  ])) ? 0 : -E.EFAULT,
  sysinfo: (k, a) => (k.uaccess.copyToUser(ptr(a, 0), packSysinfo()) ? 0 : -E.EFAULT),
  getrandom: (k, a) => {
    const flags = a.u32(2);
    if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) !== 0) return -E.EINVAL;
    if ((flags & (GRND_RANDOM | GRND_INSECURE)) === (GRND_RANDOM | GRND_INSECURE)) return -E.EINVAL;
    const len = Math.min(a.u64(1), (flags & GRND_RANDOM) ? 512 : 33554431);
    if (len === 0) return 0;
    const out = new Uint8Array(len);
    const s = stateOf(k);
    if (s.rng !== undefined) prngFill(s, out); else hostRandomFill(out);
    return k.uaccess.copyToUser(ptr(a, 0), out) ? len : -E.EFAULT;
  },
  getuid: () => process.getuid?.() ?? 0,
  geteuid: () => process.geteuid?.() ?? 0,
  getgid: () => process.getgid?.() ?? 0,
  getegid: () => process.getegid?.() ?? 0,
  prlimit64: (k, a) => doPrlimit(k, a.i32(0), a.i32(1), ptr(a, 2), ptr(a, 3)),
  getrlimit: (k, a) => doPrlimit(k, 0, a.i32(0), 0, ptr(a, 1)),
  setrlimit: (k, a) => doPrlimit(k, 0, a.i32(0), ptr(a, 1), 0),
  clock_gettime: (k, a) => {
    const ns = clockNs(k, a.i32(0));
    if (ns === undefined) return -E.EINVAL;
    return k.uaccess.copyToUser(ptr(a, 1), packPair(ns / NS, ns % NS)) ? 0 : -E.EFAULT;
  },
  clock_getres: (k, a) => {
    const clk = a.i32(0);
    if (!isValidClock(clk)) return -E.EINVAL;
    const coarse = clk === CLOCK_REALTIME_COARSE || clk === CLOCK_MONOTONIC_COARSE;
    if (ptr(a, 1) === 0) return 0;
    return k.uaccess.copyToUser(ptr(a, 1), packPair(0, coarse ? 4_000_000 : 1)) ? 0 : -E.EFAULT;
  },
  gettimeofday: (k, a) => {
    if (ptr(a, 0) !== 0) {
      const ns = clockNs(k, CLOCK_REALTIME)!;
      if (!k.uaccess.copyToUser(ptr(a, 0), packPair(ns / NS, (ns % NS) / 1000n))) return -E.EFAULT;
    }
    if (ptr(a, 1) !== 0 && !k.uaccess.copyToUser(ptr(a, 1), new Uint8Array(8))) return -E.EFAULT;
    return 0;
  },
  time: (k, a) => {
    const sec = Number(clockNs(k, CLOCK_REALTIME)! / NS);
    if (ptr(a, 0) !== 0 && !k.uaccess.putU64(ptr(a, 0), sec)) return -E.EFAULT;
    return sec;
  },
  nanosleep: (k, a) => doClockNanosleep(k, CLOCK_MONOTONIC, 0, ptr(a, 0), ptr(a, 1)),
  clock_nanosleep: (k, a) => doClockNanosleep(k, a.i32(0), a.i32(1), ptr(a, 2), ptr(a, 3)),
  getcpu: (k, a) => {
    if (ptr(a, 0) !== 0 && !k.uaccess.putU32(ptr(a, 0), 0)) return -E.EFAULT;
    if (ptr(a, 1) !== 0 && !k.uaccess.putU32(ptr(a, 1), 0)) return -E.EFAULT;
    return 0;
  },
  sched_getaffinity: (k, a) => {
    const pid = a.i32(0);
    if (pid !== 0 && pid !== guestPid(k)) return -E.ESRCH;
    const len = a.u32(1);
    if (len * 8 < 1 || (len & 7) !== 0) return -E.EINVAL;
    const mask = new Uint8Array(8);
    mask[0] = 1; // one CPU: CPU 0
    return k.uaccess.copyToUser(ptr(a, 2), mask) ? 8 : -E.EFAULT;
  },
  sched_setaffinity: (k, a) => {
    const pid = a.i32(0);
    if (pid !== 0 && pid !== guestPid(k)) return -E.ESRCH;
    const m = k.uaccess.copyFromUser(ptr(a, 2), Math.min(a.u32(1), 128));
    if (!m) return -E.EFAULT;
    return (m[0] & 1) !== 0 ? 0 : -E.EINVAL;
  },
  getpgrp: (k) => guestPid(k),
  getpgid: (k, a) => (a.i32(0) === 0 || a.i32(0) === guestPid(k) ? guestPid(k) : -E.ESRCH),
  getsid: (k, a) => (a.i32(0) === 0 || a.i32(0) === guestPid(k) ? guestPid(k) : -E.ESRCH),
  setpgid: (k, a) => {
    const pid = a.i32(0), pgid = a.i32(1);
    if (pgid < 0) return -E.EINVAL;
    if (pid !== 0 && pid !== guestPid(k)) return -E.ESRCH;
    return pgid === 0 || pgid === guestPid(k) ? 0 : -E.EPERM;
  },
  getpriority: (k, a) => {
    const which = a.i32(0), who = a.i32(1);
    if (which < 0 || which > 2) return -E.EINVAL;
    if (who !== 0 && who !== guestPid(k) && which !== 2) return -E.ESRCH;
    return 20 - stateOf(k).nice; // the raw syscall returns 20 - nice
  },
  setpriority: (k, a) => {
    const which = a.i32(0), who = a.i32(1);
    if (which < 0 || which > 2) return -E.EINVAL;
    if (who !== 0 && who !== guestPid(k) && which !== 2) return -E.ESRCH;
    const nice = Math.max(-20, Math.min(19, a.i32(2)));
    const s = stateOf(k);
    if (nice < s.nice && (process.getuid?.() ?? 0) !== 0) return -E.EACCES;
    s.nice = nice;
    return 0;
  },
};
