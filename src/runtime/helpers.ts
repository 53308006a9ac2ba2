// Runtime helpers that generated code calls as H.name(cpu, insn, ...): the instructions whose effect
// depends on machine state outside the register file (CPUID, the TSC, the syscall transition,
// privileged instructions, software interrupts). Both engines call these same functions.

import type { Insn } from '../decoder/insn.js';
import { type Cpu } from './cpu.js';
import { cpuid } from './cpuid.js';
import { GuestFault, Vec } from './faults.js';
import { CR4_TSD, syscallTransition } from './privileged.js';
import { NO_PLATFORM, type Platform, privileged, softInt } from './sysinsn.js';

export interface HelperOptions {
  /** Derive the TSC from the retired-instruction count (repeatable runs). */
  deterministic: boolean;
  /** I/O ports and HLT (bare-metal boot mode); by default there are no devices. */
  platform?: Platform;
}

export type Helper = (cpu: Cpu, i: Insn, ...args: number[]) => void;

const T0 = process.hrtime.bigint();

export function makeHelpers(opts: HelperOptions): Record<string, Helper> {
  const tsc = (cpu: Cpu): number => {
    // A nominal 1 GHz TSC: nanoseconds since start, or the retired-instruction count.
    if (opts.deterministic) return cpu.instret;
    return Number(process.hrtime.bigint() - T0);
  };
  const platform = opts.platform ?? NO_PLATFORM;
  /** RDTSC/RDTSCP: #GP(0) at CPL > 0 when CR4.TSD; IA32_TSC writes move the counter (tscOffset). */
  const readTsc = (cpu: Cpu): number => {
    if (cpu.cpl > 0 && (cpu.cr4 & CR4_TSD)) throw new GuestFault(Vec.GP, 0, 0, 'rdtsc at CPL > 0 with CR4.TSD set');
    return tsc(cpu) + cpu.tscOffset;
  };
  const setEdxEax = (cpu: Cpu, v: number) => {
    cpu.setRegHalves(0, v % 4294967296 | 0, 0);
    cpu.setRegHalves(2, Math.floor(v / 4294967296) | 0, 0);
  };
  return {
    syscall(cpu, i) { syscallTransition(cpu, i.addr + i.len); },
    cpuid(cpu) {
      const [a, b, c, d] = cpuid(cpu.regs[0], cpu.regs[2]);
      cpu.setRegHalves(0, a, 0); cpu.setRegHalves(3, b, 0); cpu.setRegHalves(1, c, 0); cpu.setRegHalves(2, d, 0);
    },
    rdtsc(cpu) { setEdxEax(cpu, readTsc(cpu)); },
    rdtscp(cpu) { setEdxEax(cpu, readTsc(cpu)); cpu.setRegHalves(1, cpu.tscAux, 0); },
    xgetbv() { throw new GuestFault(Vec.UD, 0, 0, 'xgetbv (OSXSAVE is not advertised)'); },
    softInt(cpu, i, n) { softInt(cpu, i, n); },
    privileged(cpu, i) { privileged(cpu, i, platform, tsc); },
  };
}
