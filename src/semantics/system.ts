// Instructions whose effect reaches outside the integer core: system calls, CPUID, the TSC, privileged
// instructions, traps, hints. Those that need machine state beyond the CPU registers call runtime
// helpers (H.*) that the runtime supplies; the definition of what they do lives in one place there.

import { A } from '../decoder/insn.js';
import { type Semantics } from './emit.js';

export const SYSTEM: Record<string, Semantics> = {};

const nothing: Semantics = () => {};
for (const m of ['nop', 'endbr64', 'endbr32', 'pause', 'lfence', 'mfence', 'sfence', 'prefetcht0', 'prefetcht1',
  'prefetcht2', 'prefetchnta', 'prefetchw', 'prefetch', 'clflush', 'clflushopt', 'fwait', 'wait']) SYSTEM[m] = nothing;

SYSTEM.syscall = (e) => { e.helper('syscall'); e.branched = true; };
SYSTEM.cpuid = (e) => e.helper('cpuid');
SYSTEM.rdtsc = (e) => e.helper('rdtsc');
SYSTEM.rdtscp = (e) => e.helper('rdtscp');
SYSTEM.xgetbv = (e) => e.helper('xgetbv');
SYSTEM.ud2 = (e) => e.raise(6, 'ud2');
SYSTEM.ud0 = (e) => e.raise(6, 'ud0');
SYSTEM.ud1 = (e) => e.raise(6, 'ud1');
SYSTEM.int3 = (e) => { e.helper('softInt', '3'); e.branched = true; };
SYSTEM.int = (e) => { e.helper('softInt', e.f('immLo')); e.branched = true; };
SYSTEM.int1 = (e) => { e.helper('softInt', '1'); e.branched = true; };

// Instructions that need CPL 0 (or IOPL), and the system-register reads and FSGSBASE instructions whose
// rules depend on CR4: the runtime's privileged-instruction module (runtime/sysinsn.ts) decides what
// they do. Those that may transfer control, change privilege or paging end their block (the decoder
// marks them ENDS_BLOCK) and count as branches: the helper leaves cpu.rip at the next instruction or the
// target. The others (rdfsbase, sgdt, str, smsw ...) continue the block.
for (const m of ['hlt', 'cli', 'sti', 'wrmsr', 'rdmsr', 'lgdt', 'lidt', 'sgdt', 'sidt', 'lldt', 'sldt', 'ltr', 'str',
  'invlpg', 'swapgs', 'sysret', 'sysretq', 'sysexit', 'sysenter', 'iret', 'iretd', 'iretq', 'clts', 'wbinvd', 'invd',
  'in', 'out', 'ins', 'outs', 'insb', 'insd', 'insw', 'outsb', 'outsd', 'outsw', 'lmsw', 'smsw',
  'rdfsbase', 'rdgsbase', 'wrfsbase', 'wrgsbase', 'monitor', 'mwait', 'rdpmc', 'xsetbv']) {
  SYSTEM[m] = (e, i) => { e.helper('privileged'); if (i.attrs & A.ENDS_BLOCK) e.branched = true; };
}
// mov to/from control and debug registers share the mov mnemonic: see the dispatcher in semantics/index.

SYSTEM.xlat = (e) => {
  const bx = e.getReg(3, 8), al = e.getReg(0, 1);
  const a = e.add(8, bx, { lo: al.lo, hi: '0' });
  e.setReg(0, 1, e.load(1, e.i.adsize === 4 ? { lo: a.lo, hi: '0' } : a));
};
