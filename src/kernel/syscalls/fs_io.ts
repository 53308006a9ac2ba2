// Moving bytes through descriptors: read/write, readv/writev/preadv/pwritev, and the file-to-file
// copy of sendfile and copy_file_range.

import { E, TASK_SIZE_MAX } from '../types.js';
import { OpenFile, MAX_IO_CHUNK } from '../file.js';
import type { KernelLike } from './kernel_like.js';

/**
 * Size of the host buffer for a read of `count` bytes: what a regular file still holds (at least
 * 64 KiB, in case it grows), at most 1 MiB from streams and pipes (short reads are normal there).
 */
function ioLen(f: OpenFile, count: number): number {
  const len = Math.min(count, MAX_IO_CHUNK);
  if (len <= 65536) return len;
  if (f.kind === 'file' || f.kind === 'mem') {
    const avail = f.available();
    return avail >= 0 ? Math.min(len, Math.max(avail, 65536)) : len;
  }
  return Math.min(len, f.kind === 'pipe' ? 65536 : 1 << 20);
}

export function doRead(k: KernelLike, fd: number, addr: number, count: number): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  if (count < 0) return -E.EINVAL;
  if (count === 0) return f.readable ? 0 : -E.EBADF;
  const buf = new Uint8Array(ioLen(f, count));
  const n = f.read(buf);
  if (n <= 0) return n;
  return k.uaccess.copyToUser(addr, buf.subarray(0, n)) ? n : -E.EFAULT;
}

export function doWrite(k: KernelLike, fd: number, addr: number, count: number): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  if (count < 0) return -E.EINVAL;
  const len = Math.min(count, MAX_IO_CHUNK);
  if (len === 0) return f.writable ? 0 : -E.EBADF;
  // /dev/null: Linux checks only that the range is user space (access_ok) and write_null returns the
  // count without reading the buffer; so does this, without a host system call.
  if (f.discardsWrites && f.writable) return addr >= 0 && addr + len <= TASK_SIZE_MAX ? len : -E.EFAULT;
  const data = k.uaccess.copyFromUser(addr, len);
  if (!data) return -E.EFAULT;
  return f.write(data);
}

/** Read an iovec array: [base, len] pairs, or -errno. */
function readIov(k: KernelLike, addr: number, cnt: number): Array<[number, number]> | number {
  if (cnt < 0 || cnt > 1024) return -E.EINVAL;
  const raw = k.uaccess.copyFromUser(addr, cnt * 16);
  if (!raw && cnt > 0) return -E.EFAULT;
  const out: Array<[number, number]> = [];
  if (!raw) return out;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = Number(v.getBigInt64(i * 16, true));
    const len = Number(v.getBigInt64(i * 16 + 8, true));
    if (len < 0) return -E.EINVAL;
    total += len;
    if (total > 0x7ffff000) return -E.EINVAL;
    out.push([base, len]);
  }
  return out;
}

export function doReadv(k: KernelLike, fd: number, iovAddr: number, cnt: number, pos: number | null): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  const iov = readIov(k, iovAddr, cnt);
  if (typeof iov === 'number') return iov;
  const total = iov.reduce((s, [, l]) => s + l, 0);
  if (total === 0) return 0;
  const buf = new Uint8Array(ioLen(f, total));
  const n = pos === null ? f.read(buf) : f.pread(buf, pos);
  if (n <= 0) return n;
  let off = 0;
  for (const [base, len] of iov) {
    if (off >= n) break;
    const m = Math.min(len, n - off);
    if (!k.uaccess.copyToUser(base, buf.subarray(off, off + m))) return off > 0 ? off : -E.EFAULT;
    off += m;
  }
  return n;
}

export function doWritev(k: KernelLike, fd: number, iovAddr: number, cnt: number, pos: number | null): number {
  const f = k.files.get(fd);
  if (!f) return -E.EBADF;
  const iov = readIov(k, iovAddr, cnt);
  if (typeof iov === 'number') return iov;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [base, len] of iov) {
    if (len === 0) continue;
    const d = k.uaccess.copyFromUser(base, len);
    if (!d) return -E.EFAULT;
    parts.push(d);
    total += len;
  }
  if (total === 0) return 0;
  const all = new Uint8Array(total);
  let off = 0;
  for (const p of parts) { all.set(p, off); off += p.length; }
  return pos === null ? f.write(all) : f.pwrite(all, pos);
}

/** Copy up to count bytes from `inf` (at *offAddr, or its offset) to `outf`; for sendfile/copy_file_range. */
export function copyBetween(k: KernelLike, inf: OpenFile, outf: OpenFile, inOffAddr: number, outOffAddr: number, count: number): number {
  if (!inf.readable || !outf.writable) return -E.EBADF;
  let inPos: number | null = null;
  let outPos: number | null = null;
  if (inOffAddr !== 0) {
    const v = k.uaccess.getU64(inOffAddr);
    if (v === null) return -E.EFAULT;
    inPos = v;
  }
  if (outOffAddr !== 0) {
    const v = k.uaccess.getU64(outOffAddr);
    if (v === null) return -E.EFAULT;
    outPos = v;
  }
  let done = 0;
  const chunk = new Uint8Array(Math.min(Math.max(count, 0), 1 << 20));
  while (done < count) {
    const want = chunk.subarray(0, Math.min(chunk.length, count - done));
    const n = inPos === null ? inf.read(want) : inf.pread(want, inPos + done);
    if (n < 0) { if (done === 0) return n; break; }
    if (n === 0) break;
    const w = outPos === null ? outf.write(want.subarray(0, n)) : outf.pwrite(want.subarray(0, n), outPos + done);
    if (w < 0) { if (done === 0) return w; break; }
    done += w;
    if (w < n) {
      if (inPos === null && inf.kind === 'file') inf.pos -= n - w;
      break;
    }
    if (n < want.length) break;
  }
  if (inPos !== null && !k.uaccess.putU64(inOffAddr, inPos + done)) return -E.EFAULT;
  if (outPos !== null && !k.uaccess.putU64(outOffAddr, outPos + done)) return -E.EFAULT;
  return done;
}
