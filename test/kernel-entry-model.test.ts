// The entry model of the Linux personality (kernel/entry.ts, entry_compat.ts, pti.ts): the KPTI page-
// table pair and PCIDs, struct pt_regs on the task stack in guest memory, the SYSRET/IRET choice, the
// exit-work hook, int 0x80 through the IDT into the i386 table, --trace-entry and the counters.

import { describe, expect, it } from 'vitest';
import { Insn } from '../src/decoder/insn.js';
import { GuestExit, GuestFault, Vec } from '../src/runtime/faults.js';
import { Access, Mmu, addrHi, addrLo } from '../src/runtime/mmu.js';
import { syscallTransition } from '../src/runtime/privileged.js';
import { softInt } from '../src/runtime/sysinsn.js';
import { CEA, ENTRY_TEXT, INIT_TASK, KSTACK_BASE, KSYM, PERCPU_BASE, PtReg, push64, pushFrame, THREAD_SIZE } from '../src/kernel/entry.js';
import { IA32_NR_syscalls } from '../src/kernel/entry_compat.js';
import { anon, makeKernel, sys, USER_RIP, type TestKernel } from './helpers/kernel.js';

const NR_getppid = 110, NR_getpid = 39;

/** Translate va through the given PGD at CPL 0 with a private MMU (no effect on the CPU's TLB). */
function mapped(t: TestKernel, pgd: number, va: number, access = Access.Read): boolean {
  const m = new Mmu(t.cpu.mem);
  m.cr3 = pgd; m.setCpl(0);
  try { m.translate(addrLo(va), addrHi(va), access); return true; } catch (e) { if (e instanceof GuestFault) return false; throw e; }
}

/** Execute `int n` at USER_RIP in user mode through the runtime (IDT delivery), then run the trap there. */
function int(t: TestKernel, n: number): 'exit' | 'trap' | 'fault' {
  const { cpu } = t;
  cpu.setCpl(3);
  cpu.cs = 0x33; cpu.ss = 0x2b;
  cpu.setReg(4, 0x7ffffffde000);
  const i = new Insn();
  i.addr = USER_RIP; i.len = 2; i.mnem = 'int'; i.immLo = n;
  try {
    softInt(cpu, i, n);
  } catch (f) {
    if (f instanceof GuestFault) { t.k.handleFault(cpu, f); return 'fault'; }
    throw f;
  }
  try { cpu.traps.get(cpu.rip)!(cpu); } catch (e) { if (e instanceof GuestExit) return 'exit'; throw e; }
  return 'trap';
}

describe('the KPTI page-table pair and PCIDs', () => {
  it('user PGD = kernel PGD | 0x1000; the user copy maps the entry text, cpu_entry_area and the user-mapped per-CPU page only', () => {
    const t = makeKernel();
    const kpgd = t.k.mm.pml4, upgd = t.k.mm.userPgd;
    expect(kpgd % 8192).toBe(0);
    expect(upgd).toBe(kpgd | 0x1000);
    for (const va of [ENTRY_TEXT, CEA.idt, CEA.gdt, CEA.entry_stack, CEA.tss, PERCPU_BASE]) {
      expect(mapped(t, upgd, va), va.toString(16)).toBe(true);
      expect(mapped(t, kpgd, va)).toBe(true);
    }
    for (const va of [PERCPU_BASE + 0x1000, KSTACK_BASE, KSTACK_BASE + THREAD_SIZE - 8, INIT_TASK]) {
      expect(mapped(t, upgd, va), va.toString(16)).toBe(false);
      expect(mapped(t, kpgd, va)).toBe(true);
    }
    expect(mapped(t, upgd, ENTRY_TEXT, Access.Exec)).toBe(true);
  });

  it('user-half PGD entries are mirrored into the user copy; the kernel copy maps user memory NX', () => {
    const t = makeKernel();
    const a = sys(t, 9, 0, 4096, 7, 0x22, -1, 0) as number; // mmap RWX
    expect(t.k.uaccess.putU64(a, 0x1234)).toBe(true);
    const idx = Math.floor(a / 2 ** 39) % 512;
    const dv = t.cpu.mem.dv;
    const k0 = dv.getInt32(t.k.mm.pml4 + 8 * idx, true), u0 = dv.getInt32(t.k.mm.userPgd + 8 * idx, true);
    expect(k0 & ~0xfff).toBe(u0 & ~0xfff);
    expect(dv.getUint32(t.k.mm.pml4 + 8 * idx + 4, true) >>> 31).toBe(1);
    expect(dv.getUint32(t.k.mm.userPgd + 8 * idx + 4, true) >>> 31).toBe(0);
    expect(mapped(t, t.k.mm.userPgd, a, Access.Exec)).toBe(true);
    expect(mapped(t, t.k.mm.pml4, a, Access.Exec)).toBe(false);
  });

  it('CR3: kernel PGD | PCID 1 inside, user PGD | PCID 0x801 outside, switched with the no-flush bit', () => {
    const t = makeKernel();
    const { cpu } = t;
    sys(t, NR_getppid);
    expect(cpu.mmu.cr3).toBe(t.k.mm.pml4 + 0x1000 + 0x801);
    expect(cpu.mmu.pcid).toBe(0x801);
    const before = { ...cpu.sysStats };
    sys(t, NR_getppid);
    expect(cpu.sysStats.cr3Writes - before.cr3Writes).toBe(2);
    expect(cpu.sysStats.cr3Flushes - before.cr3Flushes).toBe(0);
    expect(t.k.entry.stats.cr3Writes).toBe(4);
  });

  it('--pcid off: every entry/exit CR3 write flushes the TLB; --kpti off: no CR3 writes at all', () => {
    const np = makeKernel({ pcid: false });
    sys(np, NR_getppid); sys(np, NR_getppid);
    expect(np.cpu.mmu.cr3).toBe(np.k.mm.pml4 + 0x1000);
    expect(np.k.entry.stats.cr3Flushes).toBe(4);
    expect(np.k.entry.stats.tlbFlushes).toBe(4);
    const nk = makeKernel({ kpti: false });
    sys(nk, NR_getppid); sys(nk, NR_getppid);
    expect(nk.k.entry.stats.cr3Writes).toBe(0);
    expect(nk.cpu.mmu.cr3).toBe(nk.k.mm.pml4 + 1);
  });
});

describe('struct pt_regs on the task stack in guest memory', () => {
  it('is pushed in Linux\'s order at cpu_current_top_of_stack - 168, and handlers read their arguments from it', () => {
    const t = makeKernel();
    const { cpu } = t;
    const gp = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15];
    for (const r of gp) cpu.setReg(r, 0x1111 * (r + 1));
    cpu.setReg(4, 0x7ffffffde000);
    cpu.setReg(0, NR_getpid);
    cpu.setCpl(3); cpu.rip = USER_RIP;
    syscallTransition(cpu, USER_RIP + 2);
    const r11 = cpu.reg(11);
    cpu.traps.get(cpu.rip)!(cpu);
    const top = KSTACK_BASE + THREAD_SIZE;
    const base = top - 8 * PtReg.COUNT;
    expect(t.k.ptRegs.va).toBe(base);
    const slot = (s: number) => {
      const m = new Mmu(cpu.mem); m.cr3 = t.k.mm.pml4; m.setCpl(0);
      const va = base + 8 * s;
      const lo = m.rd64(addrLo(va), addrHi(va));
      return m.hi * 2 ** 32 + (lo >>> 0);
    };
    expect(slot(PtReg.SS)).toBe(0x2b);
    expect(slot(PtReg.SP)).toBe(0x7ffffffde000);
    expect(slot(PtReg.FLAGS)).toBe(r11);
    expect(slot(PtReg.CS)).toBe(0x33);
    expect(slot(PtReg.IP)).toBe(USER_RIP + 2);
    expect(slot(PtReg.ORIG_AX)).toBe(NR_getpid);
    expect(slot(PtReg.CX)).toBe(USER_RIP + 2);
    expect(slot(PtReg.AX)).toBe(t.k.pid); // -ENOSYS replaced by the handler's result
    expect([slot(PtReg.DI), slot(PtReg.SI), slot(PtReg.DX), slot(PtReg.R10), slot(PtReg.R15), slot(PtReg.BX)])
      .toEqual([0x1111 * 8, 0x1111 * 7, 0x1111 * 3, 0x1111 * 11, 0x1111 * 16, 0x1111 * 4]);
    expect(cpu.reg(0)).toBe(t.k.pid);
  });
});

describe('the return path', () => {
  it('SYSRET when pt_regs allows it, IRET for a non-canonical RIP (the Intel SYSRET pitfall)', () => {
    const t = makeKernel();
    sys(t, NR_getppid);
    expect([t.k.entry.stats.sysret, t.k.entry.stats.iret]).toEqual([1, 0]);
    const { cpu } = t;
    cpu.setReg(0, NR_getppid); cpu.setCpl(3); cpu.setReg(4, 0x7ffffffe0000);
    syscallTransition(cpu, 0x800000000000);
    cpu.traps.get(cpu.rip)!(cpu);
    expect([t.k.entry.stats.sysret, t.k.entry.stats.iret]).toEqual([1, 1]);
    // IRET to a non-canonical RIP faults; as Linux's bad_iret, it is the user's #GP there: SIGSEGV.
    expect(t.k.exitStatus).toBe(139);
    expect(t.k.killMessage).toMatch(/SIGSEGV at rip 0x800000000000/);
  });

  it('exit work that rewrites pt_regs->ip returns through IRET to the new RIP, RCX keeping regs->cx', () => {
    const t = makeKernel();
    t.k.exitWork.push((k) => { k.ptRegs.set(PtReg.IP, 0x402000); k.exitWork.length = 0; });
    expect(sys(t, NR_getppid)).toBe(process.ppid);
    expect(t.cpu.rip).toBe(0x402000);
    expect(t.cpu.reg(1)).toBe(USER_RIP + 2);
    expect([t.k.entry.stats.sysret, t.k.entry.stats.iret]).toEqual([0, 1]);
    expect(t.cpu.cpl).toBe(3);
    expect(t.k.gsSwapped).toBe(false);
  });
});

describe('int 0x80 and the other gates in the Linux personality', () => {
  it('int 0x80 enters through the DPL-3 IDT gate on TSS.sp0 and dispatches the i386 table, returning by IRET', () => {
    const t = makeKernel({ pid: 4321 });
    const { cpu } = t;
    cpu.setReg(0, 20); // i386 getpid
    cpu.setReg(12, 0x1234567812345678);
    cpu.setReg(8, 0x0808080808080808);
    expect(int(t, 0x80)).toBe('trap');
    expect(cpu.reg(0)).toBe(4321);
    expect(cpu.rip).toBe(USER_RIP + 2);
    expect([cpu.cpl, cpu.cs, cpu.ss]).toEqual([3, 0x33, 0x2b]);
    expect(cpu.reg(4)).toBe(0x7ffffffde000);
    expect(cpu.reg(12)).toBe(0x1234567812345678);
    expect(cpu.reg(8)).toBe(0x0808080808080808);
    expect([t.k.entry.stats.int80, t.k.entry.stats.iret]).toEqual([1, 1]);
    cpu.setReg(0, IA32_NR_syscalls);
    int(t, 0x80);
    expect(cpu.reg(0)).toBe(-38);
  });

  it('i386 write and exit take their arguments from ebx, ecx, edx', () => {
    const t = makeKernel();
    const buf = sys(t, 9, 0, 4096, 3, 0x22 | 0x40, -1, 0) as number; // MAP_32BIT
    t.k.uaccess.copyToUser(buf, new TextEncoder().encode('hi\n'));
    t.cpu.setReg(0, 4); t.cpu.setReg(3, 2); t.cpu.setReg(1, buf); t.cpu.setReg(2, 0); // write(2, buf, 0)
    int(t, 0x80);
    expect(t.cpu.reg(0)).toBe(0);
    t.cpu.setReg(0, 4); t.cpu.setReg(3, 99); t.cpu.setReg(1, buf); t.cpu.setReg(2, 3); // a bad fd: -EBADF
    int(t, 0x80);
    expect(t.cpu.reg(0)).toBe(-9);
    t.cpu.setReg(0, 4); t.cpu.setReg(3, 1); t.cpu.setReg(1, buf + 0x100000000); t.cpu.setReg(2, 0); // ecx only
    int(t, 0x80);
    expect(t.cpu.reg(0)).toBe(0);
    t.cpu.setReg(0, 1); t.cpu.setReg(3, 7);
    expect(int(t, 0x80)).toBe('exit');
    expect(t.k.exitStatus).toBe(7);
  });

  it('int3 goes through its DPL-3 gate and ends in SIGTRAP; int 0x81 (DPL 0 gate) is #GP -> SIGSEGV', () => {
    const a = makeKernel();
    a.cpu.rip = USER_RIP;
    expect(int(a, 3)).toBe('trap');
    expect(a.k.exitStatus).toBe(133);
    expect(a.k.killMessage).toBe('ringjit: guest killed by SIGTRAP at rip 0x401002: #BP (int3)');
    const b = makeKernel();
    expect(int(b, 0x81)).toBe('fault');
    expect(b.k.exitStatus).toBe(139);
  });

  it('the IDT, GDT and TSS are the loaded ones, in the cpu_entry_area', () => {
    const { cpu } = makeKernel();
    expect([cpu.idtrBase, cpu.idtrLimit, cpu.gdtrBase, cpu.tr]).toEqual([CEA.idt, 0xfff, CEA.gdt, 0x40]);
    expect(cpu.trBase).toBe(CEA.tss);
    expect(cpu.lstar).toBe(KSYM.entry_SYSCALL_64);
    expect(cpu.sysenterEip).toBe(KSYM.entry_SYSENTER_compat);
    expect(cpu.cr4 & (1 << 17)).toBe(1 << 17);
  });
});

describe('PUSH_PT_REGS', () => {
  it('pushes through one translation or push by push with the same result, page boundary or not', () => {
    // pushFrame (one translation and one copy for a frame within a page, else push64 by push64; the
    // frame is given in memory order, so its last quadword is pushed first) against 21 push64 calls,
    // at a page-aligned stack top, just above a page boundary (the frame crosses it) and at an
    // unmapped one (the first push faults, RSP unchanged).
    const values = Int32Array.from({ length: 2 * PtReg.COUNT }, (_, i) => (i * 0x9e3779b1) | 0);
    const run = (top: number, bulk: boolean): { rsp: number; words: number[] } | string => {
      const t = makeKernel({ kpti: false });
      const { cpu } = t;
      sys(t, NR_getppid);
      cpu.setCpl(0);
      cpu.regs[8] = addrLo(top); cpu.regs[9] = addrHi(top);
      try {
        if (bulk) pushFrame(cpu, values);
        else for (let j = PtReg.COUNT - 1; j >= 0; j--) push64(cpu, values[2 * j], values[2 * j + 1]);
      } catch (e) {
        return `${(e as GuestFault).describe()} rsp ${cpu.reg(4).toString(16)}`;
      }
      const words: number[] = [];
      for (let a = top - 8 * PtReg.COUNT; a < top; a += 4) words.push(cpu.mmu.rd32(addrLo(a), addrHi(a)));
      return { rsp: cpu.reg(4), words };
    };
    // Page-aligned top; a frame across two pages; across the stack's bottom (12 pushes land, the 13th
    // faults); within the unmapped page below the stack (the first push faults).
    const tops = [KSTACK_BASE + THREAD_SIZE, KSTACK_BASE + THREAD_SIZE - 4096 + 96, KSTACK_BASE + 96, KSTACK_BASE - 2048];
    for (const top of tops) expect(run(top, true), top.toString(16)).toEqual(run(top, false));
    expect(run(tops[1], true)).toMatchObject({ rsp: tops[1] - 8 * PtReg.COUNT });
    expect(String(run(tops[2], true))).toMatch(new RegExp(`^#PF .* rsp ${(KSTACK_BASE).toString(16)}$`));
    expect(String(run(tops[3], true))).toMatch(new RegExp(`^#PF .* rsp ${tops[3].toString(16)}$`));
  });
});

describe('--trace-entry and the counters', () => {
  it('prints one line per step: swapgs, CR3 values, pt_regs, nr and handler, exit work, return path and RIP', () => {
    const t = makeKernel();
    sys(t, NR_getppid); // the first call starts on the boot CR3; trace a call from user mode proper
    t.k.entry.trace = (line) => t.err.push(line);
    t.k.entry.n = 0;
    sys(t, NR_getppid);
    const lines = t.err.join('').trim().split('\n');
    const expected = [
      /^\[entry 1\] syscall at 0x401000 -> LSTAR entry_SYSCALL_64/,
      /^\[entry 1\] swapgs: gs\.base 0xffff888000000000/,
      /^\[entry 1\] SWITCH_TO_KERNEL_CR3: cr3 user 0x[0-9a-f]+801 -> kernel 0x8000000000[0-9a-f]+001 \(PCID 0x801 -> 0x1, no-flush bit/,
      /^\[entry 1\] rsp_scratch <- 0x[0-9a-f]+; rsp <- cpu_current_top_of_stack 0xffffc90000008000$/,
      /^\[entry 1\] pt_regs at 0xffffc90000007f58 on the task stack \(orig_ax 0x6e, ax = -ENOSYS\)$/,
      /^\[entry 1\] do_syscall_64: nr 110 -> sys_call_table\[110\] = sys_getppid$/,
      /^\[entry 1\] sys_getppid returned 0x[0-9a-f]+ -> pt_regs->ax$/,
      /^\[entry 1\] exit work: none$/,
      /^\[entry 1\] return via sysret/,
      /^\[entry 1\] SWITCH_TO_USER_CR3: cr3 kernel 0x[0-9a-f]+001 -> user 0x8000000000[0-9a-f]+801/,
      /^\[entry 1\] swapgs: gs\.base 0x0,/,
      /^\[entry 1\] sysretq -> rip 0x401002, CPL 3$/,
    ];
    expect(lines).toHaveLength(expected.length);
    lines.forEach((l, i) => expect(l).toMatch(expected[i]));
  });

  it('counts TLB misses of the entry code: none with PCIDs in steady state, some without', () => {
    const warm = (opts: object) => { const t = makeKernel(opts); for (let i = 0; i < 3; i++) sys(t, NR_getppid); return t; };
    const p = warm({}), n = warm({ pcid: false });
    const m0 = p.k.entry.stats.tlbMisses, n0 = n.k.entry.stats.tlbMisses;
    sys(p, NR_getppid); sys(n, NR_getppid);
    expect(p.k.entry.stats.tlbMisses - m0).toBe(0);
    expect(n.k.entry.stats.tlbMisses - n0).toBeGreaterThan(0);
  });
});

describe('UMIP emulation (fixup_umip_exception)', () => {
  it('sgdt, smsw and str at CPL 3 are emulated with Linux\'s dummy values and RIP moves on', () => {
    const t = makeKernel();
    const { cpu, k } = t;
    const code = anon(t, 1), buf = anon(t, 1);
    // sgdt [rdi]; smsw eax; str bx
    k.uaccess.copyToUser(code, Uint8Array.from([0x0f, 0x01, 0x07, 0x0f, 0x01, 0xe0, 0x66, 0x0f, 0x00, 0xcb]));
    cpu.setCpl(3);
    cpu.setReg(7, buf);
    cpu.setReg(0, -1);
    cpu.setReg(3, -1);
    cpu.rip = code;
    for (let n = 0; n < 3; n++) k.handleFault(cpu, new GuestFault(Vec.GP, 0, 0, ''));
    expect(k.stopped).toBe(false);
    expect(cpu.rip).toBe(code + 10);
    expect(Array.from(k.uaccess.copyFromUser(buf, 10)!)).toEqual([0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(cpu.reg(0)).toBe(-0x100000000 + 0x80050033); // 4 bytes written, the upper half kept
    expect(cpu.reg(3)).toBe(-0x10000 + 0x40);
  });
});
