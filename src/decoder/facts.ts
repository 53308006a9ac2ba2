// Block-structure and privilege facts of decoded instructions. Every fact comes from the opcode tables
// (the attributes copied into Insn.attrs); nothing here re-lists mnemonics.

import { type Insn, A, K } from './insn.js';

/** True if a basic block must end after this instruction: control transfers (jmp, jcc, call, ret, loop,
 *  jrcxz), traps (syscall, sysenter, int, int3, into, int1, ud0/1/2), iret, sysret/sysexit, hlt, '(bad)',
 *  and the privileged or serialising instructions the runtime must see (mov cr/dr, wrmsr, rdmsr, lgdt,
 *  lidt, ltr, invlpg, swapgs, cli, sti, cpuid, in/out, popf, mov to a segment register ...). */
export function endsBlock(i: Insn): boolean {
  return (i.attrs & A.ENDS_BLOCK) !== 0;
}

/** True for instructions that #GP at CPL > 0: hlt, mov cr/dr, wrmsr/rdmsr, lgdt/lidt/lldt/ltr, invlpg,
 *  swapgs, sysret, sysexit, clts, wbinvd, invd, lmsw, xsetbv, ... and the IOPL-sensitive ones (cli, sti,
 *  in, out, ins, outs) which #GP when CPL > IOPL. iret is not privileged. */
export function isPrivileged(i: Insn): boolean {
  return (i.attrs & (A.PRIVILEGED | A.IOPL)) !== 0;
}

/** True only for the IOPL-sensitive subset (cli, sti, in, out, ins, outs). */
export function isIoplSensitive(i: Insn): boolean {
  return (i.attrs & A.IOPL) !== 0;
}

/** Relative branch with a static target (jmp/jcc/call rel, loop, jrcxz, xbegin). */
export function hasStaticTarget(i: Insn): boolean {
  return i.k0 === K.Rel;
}
