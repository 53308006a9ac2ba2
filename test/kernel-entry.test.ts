// entry_SYSCALL_64: the architectural syscall/sysret round trip through the kernel's trap handler, the
// number check, sys_ni_syscall, exit, and the process/signal syscalls that live beside it.

import { describe, it, expect } from 'vitest';
import { GuestFault, Vec, PfErr } from '../src/runtime/faults.js';
import { Sel, syscallTransition } from '../src/runtime/privileged.js';
import { KSYM, PERCPU_BASE, KERNEL_TEXT, MSR_STAR_VALUE } from '../src/kernel/entry.js';
import { __NR_syscall_max, sys_call_table, sys_ni_syscall, unknownHandlerNames } from '../src/kernel/syscall_table.js';
import { SYSCALL_NAMES, syscallNumber } from '../src/kernel/syscall_names.js';
import { makeKernel, sys, anon, USER_RIP } from './helpers/kernel.js';
import { KILLED_LINE } from './helpers/compare.js';

const NR = (n: string) => syscallNumber(n);
const ENOSYS = -38, EINVAL = -22, EFAULT = -14, EPERM = -1, EAGAIN = -11, ETIMEDOUT = -110, ESRCH = -3;

describe('syscall table', () => {
  it('knows the x86-64 numbers', () => {
    expect(SYSCALL_NAMES[0]).toBe('read');
    expect(SYSCALL_NAMES[60]).toBe('exit');
    expect(SYSCALL_NAMES[158]).toBe('arch_prctl');
    expect(SYSCALL_NAMES[231]).toBe('exit_group');
    expect(SYSCALL_NAMES[334]).toBe('rseq');
    expect(SYSCALL_NAMES[335]).toBeUndefined();
    expect(SYSCALL_NAMES[424]).toBe('pidfd_send_signal');
    expect(SYSCALL_NAMES[435]).toBe('clone3');
    expect(SYSCALL_NAMES[462]).toBe('mseal');
    expect(__NR_syscall_max).toBe(462);
    expect(sys_call_table).toHaveLength(463);
    expect(sys_call_table[NR('kexec_load')]).toBe(sys_ni_syscall);
    expect(sys_call_table[NR('mmap')]).not.toBe(sys_ni_syscall);
    expect(unknownHandlerNames).toEqual([]);
  });
});

describe('entry_SYSCALL_64', () => {
  it('is what syscall_init points LSTAR at', () => {
    const { cpu } = makeKernel();
    expect(cpu.lstar).toBe(KSYM.entry_SYSCALL_64);
    expect(KERNEL_TEXT).toBe(Number(BigInt.asIntN(64, 0xffffffff81000000n)));
    expect(cpu.star).toBe(Number(((0x23n << 16n) | 0x10n) << 32n));
    expect(cpu.star).toBe(MSR_STAR_VALUE);
    expect(cpu.sfmask).toBe(0x100 | 0x400 | 0x200 | 0x3000 | 0x40000 | 0x4000);
    expect(cpu.efer & 1).toBe(1);
    expect(cpu.traps.has(cpu.lstar)).toBe(true);
    // The kernel text page is supervisor-only: a user read faults with P|U.
    cpu.setCpl(3);
    const lo = KERNEL_TEXT % 2 ** 32 | 0, hi = Math.floor(KERNEL_TEXT / 2 ** 32) | 0;
    let f: unknown;
    try { cpu.mmu.rd8(lo, hi); } catch (e) { f = e; }
    expect(f).toBeInstanceOf(GuestFault);
    expect((f as GuestFault).errorCode).toBe(PfErr.P | PfErr.U);
    cpu.setCpl(0);
    expect(cpu.mmu.rd8(lo, hi)).toBe(0x0f);
    expect(cpu.mmu.rd8(lo + 1, hi)).toBe(0x0b);
  });

  it('round-trips: result in RAX, RCX/R11 as sysret leaves them, other registers preserved', () => {
    const t = makeKernel({ pid: 4242 });
    const { cpu } = t;
    const vals = new Map<number, number>();
    for (const r of [3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15]) { const v = 0x1000 * r + 0x7fff00000000 + r; cpu.setReg(r, v); vals.set(r, v); }
    cpu.setEflags(0x202 | 0x1 | 0x40 | 0x400); // CF, ZF, DF
    const flagsBefore = cpu.getEflags();
    cpu.gsBase = 0x12345000;
    const res = sys(t, NR('getpid'));
    expect(res).toBe(4242);
    expect(cpu.rip).toBe(USER_RIP + 2);
    expect(cpu.cpl).toBe(3);
    expect(cpu.cs).toBe(Sel.USER_CS);
    expect(cpu.ss).toBe(Sel.USER_DS);
    expect(cpu.reg(1)).toBe(USER_RIP + 2); // RCX = return address
    expect(cpu.reg(11)).toBe(flagsBefore); // R11 = RFLAGS at syscall
    expect(cpu.getEflags()).toBe(flagsBefore);
    for (const [r, v] of vals) expect(cpu.reg(r)).toBe(v);
    expect(cpu.gsBase).toBe(0x12345000);
    expect(cpu.kernelGsBaseHi * 2 ** 32 + (cpu.kernelGsBaseLo >>> 0)).toBe(PERCPU_BASE);
  });

  it('nr > __NR_syscall_max (unsigned, all 64 bits) is -ENOSYS, silently as on Linux', () => {
    const t = makeKernel();
    expect(sys(t, 999)).toBe(ENOSYS);
    expect(sys(t, (1n << 32n) + 39n)).toBe(ENOSYS); // getpid in the low half only
    expect(sys(t, -1n)).toBe(ENOSYS);
    expect(sys(t, 0x40000000n + 39n)).toBe(ENOSYS); // x32 bit
    expect(t.err).toEqual([]);
  });

  it('unused slots go to sys_ni_syscall; real Linux calls ringjit lacks are reported once by name', () => {
    const t = makeKernel();
    expect(sys(t, NR('kexec_load'))).toBe(ENOSYS);
    expect(sys(t, NR('kexec_load'))).toBe(ENOSYS);
    expect(sys(t, 335)).toBe(ENOSYS); // unused on x86-64
    expect(sys(t, NR('afs_syscall'))).toBe(ENOSYS); // ENOSYS on Linux too
    expect(t.err).toEqual([`ringjit: unimplemented syscall 246 (kexec_load) at rip 0x401000\n`]);
  });

  it('returns through the iret path when RCX is not canonical', () => {
    const t = makeKernel();
    const { cpu } = t;
    cpu.setReg(0, NR('getpid'));
    cpu.setCpl(3);
    cpu.setReg(4, 0x7ffffffe0000);
    // A syscall in the last two bytes below the canonical hole: RCX = 0x800000000000.
    syscallTransition(cpu, 0x800000000000);
    cpu.traps.get(cpu.rip)!(cpu);
    expect(cpu.rip).toBe(0x800000000000);
    expect(cpu.cpl).toBe(3);
    expect(cpu.cs).toBe(Sel.USER_CS);
    expect(cpu.reg(4)).toBe(0x7ffffffe0000);
    expect(cpu.reg(0)).toBe(t.k.pid);
  });

  it('exit_group ends the process', () => {
    const t = makeKernel();
    expect(sys(t, NR('exit_group'), 0x1234)).toBe('exit');
    expect(t.k.stopped).toBe(true);
    expect(t.k.exitStatus).toBe(0x34);
    expect(t.k.killMessage).toBeNull();
  });

  it('--strace prints strace-style lines', () => {
    const t = makeKernel({ strace: true, pid: 77 });
    sys(t, NR('getpid'));
    sys(t, NR('mprotect'), 0x1001, 0x1000, 1);
    const a = anon(t, 1);
    sys(t, NR('exit_group'), 3);
    expect(t.err).toEqual([
      'getpid() = 77\n',
      'mprotect(0x1001, 4096, PROT_READ) = -1 EINVAL (Invalid argument)\n',
      `mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x${a.toString(16)}\n`,
      'exit_group(3) = ?\n',
      '+++ exited with 3 +++\n',
    ]);
  });
});

describe('process syscalls', () => {
  it('arch_prctl sets and gets FS and GS bases', () => {
    const t = makeKernel();
    const { cpu } = t;
    const buf = anon(t, 1);
    expect(sys(t, NR('arch_prctl'), 0x1002, 0x7fff12345678)).toBe(0);
    expect(cpu.fsBase).toBe(0x7fff12345678);
    expect(sys(t, NR('arch_prctl'), 0x1003, buf)).toBe(0);
    expect(t.k.uaccess.getU64(buf)).toBe(0x7fff12345678);
    expect(sys(t, NR('arch_prctl'), 0x1001, 0x5000)).toBe(0);
    expect(cpu.gsBase).toBe(0x5000); // user GS after the return SWAPGS
    expect(sys(t, NR('arch_prctl'), 0x1004, buf + 8)).toBe(0);
    expect(t.k.uaccess.getU64(buf + 8)).toBe(0x5000);
    expect(sys(t, NR('arch_prctl'), 0x1002, KERNEL_TEXT)).toBe(EPERM);
    expect(sys(t, NR('arch_prctl'), 0x1002, 0x7ffffffff000)).toBe(EPERM);
    expect(sys(t, NR('arch_prctl'), 0x1003, 0)).toBe(EFAULT);
    expect(sys(t, NR('arch_prctl'), 0x3001, buf)).toBe(EINVAL);
  });

  it('ids, set_tid_address, set_robust_list, rseq, sched_yield', () => {
    const t = makeKernel({ pid: 99 });
    expect(sys(t, NR('gettid'))).toBe(99);
    expect(sys(t, NR('getppid'))).toBe(process.ppid);
    expect(sys(t, NR('set_tid_address'), 0x1000)).toBe(99);
    expect(sys(t, NR('set_robust_list'), 0x1000, 24)).toBe(0);
    expect(sys(t, NR('set_robust_list'), 0x1000, 16)).toBe(EINVAL);
    expect(sys(t, NR('rseq'), 0x1000, 32, 0, 0x53053053)).toBe(ENOSYS);
    expect(sys(t, NR('sched_yield'))).toBe(0);
  });

  it('prctl names the task and answers the simple queries', () => {
    const t = makeKernel();
    t.k.comm = 'prog';
    const buf = anon(t, 1);
    expect(sys(t, NR('prctl'), 16, buf)).toBe(0);
    expect(t.k.uaccess.strncpyFromUser(buf, 16)).toBe('prog');
    t.k.uaccess.copyToUser(buf + 100, new TextEncoder().encode('a-very-long-thread-name\0'));
    expect(sys(t, NR('prctl'), 15, buf + 100)).toBe(0);
    expect(sys(t, NR('prctl'), 16, buf)).toBe(0);
    expect(t.k.uaccess.strncpyFromUser(buf, 16)).toBe('a-very-long-thr'); // TASK_COMM_LEN - 1
    expect(sys(t, NR('prctl'), 3)).toBe(1);
    expect(sys(t, NR('prctl'), 4, 2)).toBe(EINVAL);
    expect(sys(t, NR('prctl'), 0x53564d41, 0, buf, 4096, 0)).toBe(EINVAL);
    expect(sys(t, NR('prctl'), 15, 0x10)).toBe(EFAULT);
  });

  it('rt_sigaction and rt_sigprocmask validate and record', () => {
    const t = makeKernel();
    const u = t.k.uaccess;
    const act = anon(t, 1);
    u.putU64(act, 0x401234); u.putU64(act + 8, 0x04000004); u.putU64(act + 16, 0x401300); u.putU64(act + 24, 0x300); // SIGKILL's bit (0x100) is dropped, SIGUSR1's kept
    expect(sys(t, NR('rt_sigaction'), 10, act, 0, 4)).toBe(EINVAL); // sigsetsize must be 8
    expect(sys(t, NR('rt_sigaction'), 9, act, 0, 8)).toBe(EINVAL); // SIGKILL
    expect(sys(t, NR('rt_sigaction'), 65, act, 0, 8)).toBe(EINVAL);
    expect(sys(t, NR('rt_sigaction'), 9, 0, act + 64, 8)).toBe(0); // reading SIGKILL's action is fine
    expect(sys(t, NR('rt_sigaction'), 10, act, 0, 8)).toBe(0);
    expect(sys(t, NR('rt_sigaction'), 10, 0, act + 128, 8)).toBe(0);
    expect([u.getU64(act + 128), u.getU64(act + 136), u.getU64(act + 144), u.getU64(act + 152)]).toEqual([0x401234, 0x04000004, 0x401300, 0x200]);
    expect(t.k.signals.hasHandler(10)).toBe(true);
    expect(sys(t, NR('rt_sigaction'), 10, 0x10, 0, 8)).toBe(EFAULT);

    const set = act + 256;
    u.putU64(set, (1 << 9) | (1 << 8) | (1 << 1)); // SIGUSR1, SIGKILL, SIGINT
    expect(sys(t, NR('rt_sigprocmask'), 0, set, 0, 8)).toBe(0);
    expect(sys(t, NR('rt_sigprocmask'), 0, 0, set + 8, 8)).toBe(0);
    expect(u.getU64(set + 8)).toBe((1 << 9) | (1 << 1)); // SIGKILL cannot be blocked
    expect(sys(t, NR('rt_sigprocmask'), 7, set, 0, 8)).toBe(EINVAL);
    expect(sys(t, NR('rt_sigprocmask'), 0, set, 0, 16)).toBe(EINVAL);
    expect(sys(t, NR('rt_sigprocmask'), 1, set, set + 16, 8)).toBe(0);
    expect(u.getU64(set + 16)).toBe((1 << 9) | (1 << 1));
    expect(t.k.signals.blockedLo).toBe(0);
  });

  it('sigaltstack', () => {
    const t = makeKernel();
    const u = t.k.uaccess;
    const ss = anon(t, 1);
    u.putU64(ss, 0x10000); u.putU32(ss + 8, 0); u.putU64(ss + 16, 1024);
    expect(sys(t, NR('sigaltstack'), ss, 0)).toBe(-12); // ENOMEM: below MINSIGSTKSZ
    u.putU64(ss + 16, 8192);
    expect(sys(t, NR('sigaltstack'), ss, ss + 32)).toBe(0);
    expect(u.getU32(ss + 40)).toBe(2); // old: SS_DISABLE
    expect(sys(t, NR('sigaltstack'), 0, ss + 64)).toBe(0);
    expect([u.getU64(ss + 64), u.getU32(ss + 72), u.getU64(ss + 80)]).toEqual([0x10000, 0, 8192]);
    u.putU32(ss + 8, 7);
    expect(sys(t, NR('sigaltstack'), ss, 0)).toBe(EINVAL);
  });

  it('futex in a single thread', () => {
    const t = makeKernel();
    const w = anon(t, 1);
    t.k.uaccess.putU32(w, 5);
    expect(sys(t, NR('futex'), w, 0x80, 6, 0)).toBe(EAGAIN);
    expect(sys(t, NR('futex'), w, 0x81, 1)).toBe(0);
    expect(sys(t, NR('futex'), w + 1, 0x80, 5, 0)).toBe(EINVAL);
    expect(sys(t, NR('futex'), 0x10, 0x80, 5, 0)).toBe(EFAULT);
    expect(sys(t, NR('futex'), w, 0x80, 5, w + 64)).toBe(ETIMEDOUT);
    expect(sys(t, NR('futex'), w, 0x80, 5, 0)).toBe('exit');
    expect(t.k.exitStatus).toBe(137);
    expect(t.k.killMessage).toBe('ringjit: futex wait would deadlock (single thread): guest killed by SIGKILL at rip 0x401002');
  });

  it('kill/tgkill to self: default action, ignore, block', () => {
    const t = makeKernel({ pid: 500 });
    expect(sys(t, NR('kill'), 501, 6)).toBe(ESRCH);
    expect(sys(t, NR('kill'), 500, 0)).toBe(0);
    expect(sys(t, NR('kill'), 500, 17)).toBe(0); // SIGCHLD: ignored by default
    expect(sys(t, NR('tgkill'), 500, 501, 6)).toBe(ESRCH);
    expect(sys(t, NR('tgkill'), 500, 500, 65)).toBe(EINVAL);
    // Blocked SIGTERM stays pending until unblocked.
    const set = anon(t, 1);
    t.k.uaccess.putU64(set, 1 << 14);
    expect(sys(t, NR('rt_sigprocmask'), 0, set, 0, 8)).toBe(0);
    expect(sys(t, NR('kill'), 500, 15)).toBe(0);
    expect(t.k.stopped).toBe(false);
    expect(sys(t, NR('rt_sigprocmask'), 1, set, 0, 8)).toBe('exit');
    expect(t.k.exitStatus).toBe(128 + 15);
    expect(t.k.killMessage).toBe('ringjit: guest killed by SIGTERM at rip 0x401002 (Terminated)');

    const a = makeKernel({ pid: 500 });
    expect(sys(a, NR('tgkill'), 500, 500, 6)).toBe('exit');
    expect(a.k.exitStatus).toBe(134);
    expect(a.k.killMessage).toBe('ringjit: guest killed by SIGABRT at rip 0x401002 (Aborted)');
    expect(a.k.killMessage).toMatch(KILLED_LINE);
  });
});

describe('handleFault', () => {
  it('demand-pages valid addresses and kills on bad ones with the Linux signal', () => {
    const t = makeKernel();
    const { cpu, k } = t;
    const a = anon(t, 2);
    cpu.setCpl(3);
    cpu.rip = 0x401136;
    // First touch of a fresh page: the page walk maps it (the kernel's demand-paging hook), no #PF.
    const lo = a | 0, hi = Math.floor(a / 2 ** 32);
    cpu.mmu.wr32(lo, hi, 5);
    expect(cpu.mmu.rd32(lo, hi)).toBe(5);
    // Without the hook (it declines when guest memory would have to grow): #PF not-present, fixed by
    // the fault handler, then the access works.
    const hook = cpu.mmu.demandPage;
    cpu.mmu.demandPage = null;
    const lo2 = (a + 4096) | 0, hi2 = Math.floor((a + 4096) / 2 ** 32);
    let f: GuestFault | undefined;
    try { cpu.mmu.wr32(lo2, hi2, 7); } catch (e) { f = e as GuestFault; }
    expect(f?.vector).toBe(Vec.PF);
    k.handleFault(cpu, f!);
    expect(k.stopped).toBe(false);
    cpu.mmu.wr32(lo2, hi2, 7);
    expect(cpu.mmu.rd32(lo2, hi2)).toBe(7);
    cpu.mmu.demandPage = hook;

    k.handleFault(cpu, new GuestFault(Vec.PF, PfErr.W | PfErr.U, 0));
    expect(k.stopped).toBe(true);
    expect(k.exitStatus).toBe(139);
    expect(k.killMessage).toBe('ringjit: guest killed by SIGSEGV at rip 0x401136: #PF at address 0x0 (write, user, not present)');
    expect(k.killMessage).toMatch(KILLED_LINE);
  });

  it('maps exception vectors to signals', () => {
    const cases: [number, number, RegExp][] = [
      [Vec.UD, 132, /SIGILL at rip 0x401000: #UD \(bad\)$/],
      [Vec.DE, 136, /SIGFPE at rip 0x401000: #DE/],
      [Vec.BP, 133, /SIGTRAP/],
      [Vec.AC, 135, /SIGBUS/],
      [Vec.GP, 139, /SIGSEGV at rip 0x401000: #GP \(bad\)/],
    ];
    for (const [vec, status, msg] of cases) {
      const t = makeKernel();
      t.cpu.rip = 0x401000;
      t.k.handleFault(t.cpu, new GuestFault(vec, 0, 0, 'bad'));
      expect(t.k.exitStatus).toBe(status);
      expect(t.k.killMessage).toMatch(msg);
    }
  });

  it('reports a trap at the RIP after the instruction, as Linux does', () => {
    const t = makeKernel();
    const a = anon(t, 1);
    t.k.uaccess.copyToUser(a + 16, new Uint8Array([0x90, 0xcc, 0x90]));
    t.cpu.rip = a + 18; // a trap leaves RIP after the int3
    t.k.handleFault(t.cpu, new GuestFault(Vec.BP, 0, 0, '', true));
    expect(t.k.exitStatus).toBe(133);
    expect(t.k.killMessage).toBe(`ringjit: guest killed by SIGTRAP at rip 0x${(a + 18).toString(16)}: #BP`);
  });

  it('says so when a handler is installed but not delivered', () => {
    const t = makeKernel();
    const act = anon(t, 1);
    t.k.uaccess.putU64(act, 0x401234);
    expect(sys(t, NR('rt_sigaction'), 11, act, 0, 8)).toBe(0);
    t.cpu.rip = 0x401000;
    t.k.handleFault(t.cpu, new GuestFault(Vec.PF, PfErr.U, 0x10));
    expect(t.k.killMessage).toMatch(/SIGSEGV handler, but ringjit does not deliver signals to handlers yet/);
  });
});
