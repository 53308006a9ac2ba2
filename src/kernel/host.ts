// Host services whose obvious Node modules are costly to load at start-up: node:tty pulls in net and
// the stream classes (~2 ms of CPU), node:crypto its whole family (~3 ms), and every guest needs a
// terminal check (glibc's stdio asks whether stdout is one) and 16 random bytes (AT_RANDOM) before
// it has run much at all. These answer the same questions without loading them in the common cases,
// and load them on first use otherwise: by process.getBuiltinModule (Node 20.16+), or on older Nodes
// by the require of the CommonJS bundle that bin/ringjit.js runs.

import { fs } from './host_fs.js';
import { S_IFCHR } from './stat.js';

/** Linux's major number of the memory devices (/dev/null, zero, full, random, urandom ...). */
const MEM_MAJOR = 1;

/** The major number of a Linux dev_t (glibc's gnu_dev_major). */
function linuxMajor(dev: number): number {
  return ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
}

/**
 * isatty(3) of a host descriptor whose file type (S_IFMT bits) is `type`. A terminal is always a
 * character device, and on Linux never one of the memory devices, so node:tty is only loaded for a
 * descriptor that may really be a terminal.
 */
export function isHostTerminal(fd: number, type: number): boolean {
  if (type !== S_IFCHR) return false;
  if (process.platform === 'linux') {
    try {
      if (linuxMajor(fs.fstatSync(fd).rdev) === MEM_MAJOR) return false;
    } catch { /* let isatty decide */ }
  }
  return (process.getBuiltinModule?.('node:tty') ?? require('node:tty')).isatty(fd);
}

/** Is the host descriptor (of file type `type`) the null device, /dev/null (char 1:3)? */
export function isHostNullDevice(fd: number, type: number): boolean {
  if (type !== S_IFCHR || process.platform !== 'linux') return false;
  try {
    const dev = fs.fstatSync(fd).rdev;
    return linuxMajor(dev) === MEM_MAJOR && (dev & 0xff) === 3 && ((dev >>> 12) & 0xfff00) === 0;
  } catch {
    return false;
  }
}

/** node:crypto, loaded on first use. */
export function nodeCrypto(): typeof import('node:crypto') {
  return process.getBuiltinModule?.('node:crypto') ?? require('node:crypto');
}

/**
 * Fill `out` with random bytes from the host kernel's CSPRNG: /dev/urandom, the pool getrandom(2)
 * draws from; node:crypto's randomFillSync where it cannot be read.
 */
export function hostRandomFill(out: Uint8Array): void {
  let fd = -1;
  try {
    fd = fs.openSync('/dev/urandom', 'r');
    for (let done = 0; done < out.length;) {
      const n = fs.readSync(fd, out, done, out.length - done, null);
      if (n <= 0) throw new Error('short read from /dev/urandom');
      done += n;
    }
  } catch {
    nodeCrypto().randomFillSync(out);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
