// Research instruments for the entry path: counters for --stats and the one-line-per-step trace of
// --trace-entry. The counters separate what the entry/exit code itself costs (CR3 writes, TLB flushes,
// TLB misses while building and unwinding pt_regs) from the system call's own work (the handler).

import type { Cpu } from '../runtime/cpu.js';

export interface EntryStats {
  /** System calls entered (syscall and int 0x80). */
  syscalls: number;
  int80: number;
  /** Returns to user mode by path. */
  sysret: number;
  iret: number;
  /** CR3 writes made by the entry/exit code, and how many of them flushed the TLB. */
  cr3Writes: number;
  cr3Flushes: number;
  /** TLB flushes (any cause) and TLB misses that happened inside the entry/exit code, handler excluded. */
  tlbFlushes: number;
  tlbMisses: number;
  /** Milliseconds spent in the entry/exit code (handler excluded); measured only when enabled. */
  entryMs: number;
  handlerMs: number;
}

export function newEntryStats(): EntryStats {
  return { syscalls: 0, int80: 0, sysret: 0, iret: 0, cr3Writes: 0, cr3Flushes: 0, tlbFlushes: 0, tlbMisses: 0, entryMs: 0, handlerMs: 0 };
}

/**
 * Accounting around one trip through the entry path. `begin` at entry, `pause`/`resume` around the
 * handler (so its page faults and TLB misses are not charged to the entry path), `end` after the return.
 */
export class EntryMeter {
  private t = 0; private misses = 0; private flushes = 0; private cr3 = 0; private cr3f = 0;
  constructor(private readonly cpu: Cpu, readonly stats: EntryStats, readonly timed: boolean) {}
  begin(): void { this.mark(); }
  pause(): void { this.charge(); if (this.timed) this.t = performance.now(); }
  resume(): void { if (this.timed) this.stats.handlerMs += performance.now() - this.t; this.mark(); }
  end(): void { this.charge(); }
  private mark(): void {
    const m = this.cpu.mmu.stats, a = this.cpu.sysStats;
    this.misses = m.tlbMisses; this.flushes = m.tlbFlushes; this.cr3 = a.cr3Writes; this.cr3f = a.cr3Flushes;
    if (this.timed) this.t = performance.now();
  }
  private charge(): void {
    const m = this.cpu.mmu.stats, a = this.cpu.sysStats, s = this.stats;
    s.tlbMisses += m.tlbMisses - this.misses; s.tlbFlushes += m.tlbFlushes - this.flushes;
    s.cr3Writes += a.cr3Writes - this.cr3; s.cr3Flushes += a.cr3Flushes - this.cr3f;
    if (this.timed) s.entryMs += performance.now() - this.t;
  }
}

/** --stats lines for the entry path. */
export function formatEntryStats(s: EntryStats, timed: boolean): string[] {
  const per = (n: number) => (s.syscalls ? (n / s.syscalls).toFixed(2) : '0');
  const lines = [
    `syscalls               ${s.syscalls} (int 0x80: ${s.int80}); returned by sysret ${s.sysret}, by iret ${s.iret}`,
    `entry CR3 writes       ${s.cr3Writes} (${s.cr3Flushes} flushing the TLB, ${s.cr3Writes - s.cr3Flushes} with the no-flush bit)`,
    `entry TLB flushes      ${s.tlbFlushes} (${per(s.tlbFlushes)} per syscall)`,
    `entry TLB misses       ${s.tlbMisses} (${per(s.tlbMisses)} per syscall, in the entry/exit code)`,
  ];
  if (timed && s.syscalls) {
    lines.push(`entry path time        ${s.entryMs.toFixed(1)} ms (~${(1e6 * s.entryMs / s.syscalls).toFixed(0)} ns per syscall, ` +
      `handlers ${s.handlerMs.toFixed(1)} ms; estimated with performance.now())`);
  }
  return lines;
}

/** A CR3 value given as halves, with bit 63 shown when set. */
export function hexCr3(lo: number, hi: number): string {
  const h = hi >>> 0;
  return h ? '0x' + h.toString(16) + (lo >>> 0).toString(16).padStart(8, '0') : '0x' + (lo >>> 0).toString(16);
}

