// sys_call_table: one handler per x86-64 system-call number (arch/x86/entry/syscall_64.c). Every slot
// starts as sys_ni_syscall; the handler modules, keyed by Linux name, fill in the rest.
//
// Handler modules import `type Kernel` only, so there is no import cycle at run time.

import type { Kernel } from './kernel.js';
import { NR_SYSCALL_MAX, SYSCALL_NAMES, syscallNumber } from './syscall_names.js';
import { E, type SyscallArgs } from './types.js';
import { fsSyscalls } from './syscalls/fs.js';
import { infoSyscalls } from './syscalls/info.js';
import { mmSyscalls } from './syscalls/mm.js';
import { processSyscalls } from './syscalls/process.js';

/** A system-call handler: returns the result (>= 0) or -errno. Never throws for bad guest input. */
export type SyscallHandler = (k: Kernel, a: SyscallArgs) => number;

/** __NR_syscall_max: the highest valid number; larger ones return -ENOSYS without a table lookup. */
export const __NR_syscall_max = NR_SYSCALL_MAX;

/** The handler of unimplemented numbers: -ENOSYS, reported once per number on stderr. */
export const sys_ni_syscall: SyscallHandler = (k) => {
  k.reportUnimplemented(k.currentSyscall);
  return -E.ENOSYS;
};

/** Handler modules in priority order (a later module wins for a name two modules define). */
export const SYSCALL_MODULES: ReadonlyArray<readonly [string, Record<string, SyscallHandler>]> = [
  ['fs', fsSyscalls], ['info', infoSyscalls], ['mm', mmSyscalls], ['process', processSyscalls],
];

/** Handler names that are not x86-64 syscall names (typos); a test checks this stays empty. */
export const unknownHandlerNames: string[] = [];

/** Build a table from handler records keyed by Linux name. */
export function buildSyscallTable(modules: ReadonlyArray<readonly [string, Record<string, SyscallHandler>]>): SyscallHandler[] {
  const table: SyscallHandler[] = new Array(NR_SYSCALL_MAX + 1).fill(sys_ni_syscall);
  for (const [mod, handlers] of modules) {
    for (const [name, fn] of Object.entries(handlers)) {
      const nr = syscallNumber(name);
      if (nr < 0) { unknownHandlerNames.push(`${mod}:${name}`); continue; }
      table[nr] = fn;
    }
  }
  return table;
}

export const sys_call_table: SyscallHandler[] = buildSyscallTable(SYSCALL_MODULES);

/** Names with a real handler, for --help/docs and tests. */
export function implementedSyscalls(): string[] {
  const out: string[] = [];
  sys_call_table.forEach((h, nr) => { if (h !== sys_ni_syscall && SYSCALL_NAMES[nr]) out.push(SYSCALL_NAMES[nr]!); });
  return out;
}
