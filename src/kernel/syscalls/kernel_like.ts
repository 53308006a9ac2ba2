// The contract of the fs and info system-call handlers: the slice of the Kernel they use
// (KernelLike, which class Kernel satisfies structurally, so these handlers need not import it),
// their signature, and the guest pid they report.

import type { SyscallArgs, UserAccess } from '../types.js';
import type { Vfs } from '../vfs.js';
import type { FdTable } from '../fd.js';

/** What the fs and info handlers need from the Kernel (structurally satisfied by class Kernel). */
export interface KernelLike {
  uaccess: UserAccess;
  files: FdTable;
  vfs: Vfs;
  /** Guest path of the running program. */
  exePath: string;
  opts: {
    root?: string;
    /** Time comes from a virtual clock and random bytes from a seeded PRNG, so runs repeat. */
    deterministic?: boolean;
    randomSeed?: number | bigint | string;
  };
  cpu?: { instret?: number };
}

export type SyscallHandler = (k: KernelLike, a: SyscallArgs) => number;

/** The guest pid (the kernel's, when it has one; else the host pid). */
export function guestPid(k: KernelLike): number {
  const p = (k as unknown as { pid?: unknown }).pid;
  if (typeof p === 'number') return p;
  if (typeof p === 'function') {
    try { const v = (p as () => unknown).call(k); if (typeof v === 'number') return v; } catch { /* ignore */ }
  }
  return process.pid;
}
