// Helpers for the kernel unit tests: a Kernel on a small machine with captured stdout/stderr, and a
// way to make a system call exactly as the `syscall` instruction would (syscallTransition, then the
// trap handler at LSTAR).

import { Cpu } from '../../src/runtime/cpu.js';
import { PhysicalMemory } from '../../src/runtime/memory.js';
import { GuestExit } from '../../src/runtime/faults.js';
import { syscallTransition } from '../../src/runtime/privileged.js';
import { Kernel, type KernelOptions } from '../../src/kernel/kernel.js';

export interface TestKernel { cpu: Cpu; k: Kernel; out: string[]; err: string[] }

export function makeKernel(opts: Partial<KernelOptions> = {}): TestKernel {
  const cpu = new Cpu(new PhysicalMemory(4 << 20));
  const out: string[] = [], err: string[] = [];
  const dec = new TextDecoder();
  const k = new Kernel(cpu, {
    root: '/', argv: ['prog'], envp: [], strace: false, hwcap: 0x12345678, hwcap2: 0, randomSeed: 42,
    stdout: (b) => out.push(dec.decode(b)), stderr: (b) => err.push(dec.decode(b)), ...opts,
  });
  return { cpu, k, out, err };
}

/** Arguments may be numbers (exact below 2^53, negative allowed) or bigints (any 64-bit pattern). */
export type Arg = number | bigint;

function setReg64(cpu: Cpu, r: number, v: Arg): void {
  if (typeof v === 'bigint') {
    const u = BigInt.asUintN(64, v);
    cpu.setRegHalves(r, Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0);
  } else cpu.setReg(r, v);
}

export const USER_RIP = 0x401000;

/**
 * Execute `syscall` at USER_RIP with RAX = nr and the given arguments (rdi, rsi, rdx, r10, r8, r9).
 * Returns RAX as an exact signed number, or 'exit' when the handler ended the process.
 */
export function sys(t: TestKernel, nr: Arg, ...args: Arg[]): number | 'exit' {
  const { cpu } = t;
  cpu.setCpl(3);
  cpu.rip = USER_RIP;
  setReg64(cpu, 0, nr);
  const regs = [7, 6, 2, 10, 8, 9];
  args.forEach((v, i) => setReg64(cpu, regs[i], v));
  syscallTransition(cpu, USER_RIP + 2);
  const trap = cpu.traps.get(cpu.rip);
  if (!trap) throw new Error(`no trap handler at LSTAR ${cpu.rip.toString(16)}`);
  try {
    trap(cpu);
  } catch (e) {
    if (e instanceof GuestExit) return 'exit';
    throw e;
  }
  return cpu.reg(0);
}

/** Map n anonymous read-write pages (top-down) and return the address. */
export function anon(t: TestKernel, pages: number, prot = 3): number {
  const r = sys(t, 9, 0, pages * 4096, prot, 0x22, -1, 0);
  if (typeof r !== 'number' || r < 0) throw new Error(`mmap failed: ${r}`);
  return r;
}

/** Put a NUL-terminated string in fresh user memory; returns its address. */
export function userString(t: TestKernel, s: string): number {
  const a = anon(t, 1);
  const b = new TextEncoder().encode(s + '\0');
  if (!t.k.uaccess.copyToUser(a, b)) throw new Error('copyToUser failed');
  return a;
}
