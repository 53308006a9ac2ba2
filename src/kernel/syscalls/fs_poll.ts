// poll, ppoll, select and pselect6.
//
// Readiness comes from OpenFile.pollMask(). Nothing can change while this (only) guest thread waits,
// so: if something is ready, return at once; else sleep out a finite timeout and report nothing
// ready; with an infinite timeout, fail with EDEADLK and one line on stderr (see file_pipe.ts,
// Blocking).

import { E, type SyscallArgs } from '../types.js';
import {
  sleepMs, POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLWRNORM,
} from '../file.js';
import { unpackPair } from '../stat.js';
import type { KernelLike } from './kernel_like.js';

const POLL_ALWAYS = POLLERR | POLLHUP | POLLNVAL;

/** poll bits of a descriptor, or POLLNVAL if it is not open. */
function readiness(k: KernelLike, fd: number): number {
  const f = k.files.get(fd);
  if (!f) return POLLNVAL;
  const m = f.pollMask();
  return m | (m & POLLIN ? POLLRDNORM : 0) | (m & POLLOUT ? POLLWRNORM : 0);
}

let warnedPollForever = false;
/** Wait out a timeout (ms, or -1 for none) in which nothing can become ready. */
function idleWait(timeoutMs: number): number {
  if (timeoutMs < 0) {
    if (!warnedPollForever) {
      warnedPollForever = true;
      process.stderr.write('ringjit: poll/select with no timeout and nothing ready would block forever; returning EDEADLK\n');
    }
    return -E.EDEADLK;
  }
  sleepMs(Math.min(timeoutMs, 24 * 3600 * 1000));
  return 0;
}

export function doPoll(k: KernelLike, addr: number, nfds: number, timeoutMs: number): number {
  if (nfds < 0 || nfds > k.files.maxFds) return -E.EINVAL;
  const raw = nfds === 0 ? new Uint8Array(0) : k.uaccess.copyFromUser(addr, nfds * 8);
  if (!raw) return -E.EFAULT;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let ready = 0;
  for (let i = 0; i < nfds; i++) {
    const fd = v.getInt32(i * 8, true);
    const events = v.getUint16(i * 8 + 4, true);
    let rev = 0;
    if (fd >= 0) rev = readiness(k, fd) & (events | POLL_ALWAYS);
    v.setUint16(i * 8 + 6, rev, true);
    if (rev !== 0) ready++;
  }
  if (ready === 0) {
    const w = idleWait(timeoutMs);
    if (w < 0) return w;
  }
  if (nfds > 0 && !k.uaccess.copyToUser(addr, raw)) return -E.EFAULT;
  return ready;
}

/** Timeout from a struct timespec/timeval pointer: { ms } (-1 when the pointer is NULL) or -errno. */
export function timeoutFrom(k: KernelLike, addr: number, unitNs: bigint): { ms: number } | number {
  if (addr === 0) return { ms: -1 };
  const raw = k.uaccess.copyFromUser(addr, 16);
  if (!raw) return -E.EFAULT;
  const [s, frac] = unpackPair(raw);
  if (s < 0n || frac < 0n || frac * unitNs >= 1_000_000_000n) return -E.EINVAL;
  return { ms: Math.min(Number(s) * 1000 + Math.ceil(Number(frac * unitNs) / 1e6), 2 ** 31) };
}

function doSelect(k: KernelLike, nfds: number, rAddr: number, wAddr: number, eAddr: number, timeoutMs: number): number {
  if (nfds < 0) return -E.EINVAL;
  nfds = Math.min(nfds, k.files.maxFds);
  const bytes = Math.ceil(nfds / 64) * 8;
  const sets: Array<Uint8Array | null> = [];
  for (const addr of [rAddr, wAddr, eAddr]) {
    if (addr === 0 || bytes === 0) { sets.push(null); continue; }
    const b = k.uaccess.copyFromUser(addr, bytes);
    if (!b) return -E.EFAULT;
    sets.push(b);
  }
  const out = sets.map((s) => (s ? new Uint8Array(s.length) : null));
  const want = [POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI];
  let count = 0;
  for (let fd = 0; fd < nfds; fd++) {
    const bit = 1 << (fd & 7), byte = fd >> 3;
    const asked = sets.some((s) => s !== null && (s[byte] & bit) !== 0);
    if (!asked) continue;
    const r = readiness(k, fd);
    if (r & POLLNVAL) return -E.EBADF;
    for (let i = 0; i < 3; i++) {
      const s = sets[i];
      if (s && (s[byte] & bit) && (r & want[i])) { out[i]![byte] |= bit; count++; }
    }
  }
  if (count === 0) {
    const w = idleWait(timeoutMs);
    if (w < 0) return w;
  }
  const addrs = [rAddr, wAddr, eAddr];
  for (let i = 0; i < 3; i++) {
    if (out[i] && !k.uaccess.copyToUser(addrs[i], out[i]!)) return -E.EFAULT;
  }
  return count;
}

export function selectLike(k: KernelLike, a: SyscallArgs, unitNs: bigint): number {
  const t = timeoutFrom(k, a.i64(4), unitNs);
  if (typeof t === 'number') return t;
  const r = doSelect(k, a.i32(0), a.i64(1), a.i64(2), a.i64(3), t.ms);
  // select() reports the time left; after an immediate answer or a full sleep that is 0 or the input.
  if (r >= 0 && r === 0 && a.i64(4) !== 0) k.uaccess.copyToUser(a.i64(4), new Uint8Array(16));
  return r;
}
