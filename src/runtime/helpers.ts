// Runtime helpers that generated code calls as H.name(cpu, insn, ...): the instructions whose effect
// depends on machine state outside the register file (CPUID, the TSC, the syscall transition,
// privileged instructions, software interrupts). Both engines call these same functions.

import type { Insn } from '../decoder/insn.js';
import { type Cpu } from './cpu.js';
import { cpuid } from './cpuid.js';
import { GuestFault, Vec } from './faults.js';
import { syscallTransition } from './privileged.js';

export interface HelperOptions {
  /** Derive the TSC from the retired-instruction count (repeatable runs). */
  deterministic: boolean;
}

export type Helper = (cpu: Cpu, i: Insn, ...args: number[]) => void;

const T0 = process.hrtime.bigint();

export function makeHelpers(opts: HelperOptions): Record<string, Helper> {
  const tsc = (cpu: Cpu): number => {
    // A nominal 1 GHz TSC: nanoseconds since start, or the retired-instruction count.
    if (opts.deterministic) return cpu.instret;
    return Number(process.hrtime.bigint() - T0);
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
    rdtsc(cpu) { setEdxEax(cpu, tsc(cpu)); },
    rdtscp(cpu) { setEdxEax(cpu, tsc(cpu)); cpu.setRegHalves(1, cpu.tscAux, 0); },
    xgetbv() { throw new GuestFault(Vec.UD, 0, 0, 'xgetbv (OSXSAVE is not advertised)'); },
    softInt(cpu, i, n) {
      if (n === 3) { cpu.rip = i.addr + i.len; throw new GuestFault(Vec.BP, 0, 0, 'int3', true); }
      // Vectors other than the kernel's DPL-3 gates fault with #GP(vector*8+2) at the instruction.
      throw new GuestFault(Vec.GP, n * 8 + 2, 0, `int 0x${n.toString(16)}`);
    },
    privileged(cpu, i) {
      if (cpu.cpl !== 0) throw new GuestFault(Vec.GP, 0, 0, `privileged instruction '${i.mnem}' at CPL ${cpu.cpl}`);
      throw new GuestFault(Vec.UD, 0, 0, `'${i.mnem}' at CPL 0 is not implemented yet`);
    },
  };
}
