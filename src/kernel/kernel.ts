// The Linux personality for one static x86-64 process: boots the kernel half (page tables, kernel text
// with the entry trap, per-CPU area, kernel stack, syscall MSRs), loads the program, and turns guest
// exceptions into what Linux would do (demand paging, or a fatal signal).
//
// Who calls what:
//   - the CLI: new Kernel(cpu, opts); kernel.load(path); run the engine while !kernel.stopped; then
//     print kernel.killMessage (if any) and exit with kernel.exitStatus.
//   - the execution loop: cpu.traps (entry_SYSCALL_64 at LSTAR) and kernel.handleFault(cpu, f).
//     handleFault returns normally in every case: either the fault is fixed (retry the instruction) or
//     the process is stopped (kernel.stopped = true). Syscall handlers that end the process throw
//     GuestExit (caught by the loop's trap runner) after setting the same fields.

import { fs } from './host_fs.js';
import * as nodePath from 'node:path';
import type { Cpu } from '../runtime/cpu.js';
import { GuestExit, GuestFault, PfErr, Vec, VECTOR_NAMES, hexAddr } from '../runtime/faults.js';
import { Access } from '../runtime/mmu.js';
import { readElfFile } from './elf.js';
import {
  cpu_init, type EntryState, PtReg, PtRegs, PtRegsArgs, return_to_user_after_exec, setupKernelHalf, syscall_init,
  TIF_SYSCALL_TRACE, type KernelHalf,
} from './entry.js';
import { CompatArgs, registerEntryTraps } from './entry_compat.js';
import { EntryMeter, newEntryStats } from './entry_stats.js';
import { TASK_TI_flags } from './pti.js';
import { fixup_umip_exception } from './umip.js';
import { CR4_UMIP } from '../runtime/privileged.js';
import { FdTable } from './fd.js';
import { type LoadInfo, loadElf } from './loader.js';
import { AddressSpace, FaultResult } from './mm.js';
import {
  DefaultAction, SIGBUS, SIGFPE, SIGILL, SIGKILL, SIGSEGV, SIGSTOP, SIGTRAP, SignalState, defaultAction, signalDescription,
  signalName,
} from './signals.js';
import { Strace } from './strace.js';
import { LINUX_NI_SYSCALLS, syscallName } from './syscall_names.js';
import { UserMemory } from './uaccess.js';
import { Vfs } from './vfs.js';

export interface KernelOptions {
  /** Host directory that is the guest's `/`. */
  root: string;
  argv: string[];
  envp: string[];
  strace: boolean;
  /** AT_HWCAP: CPUID.1:EDX as the CPU model reports it. */
  hwcap: number;
  /** AT_HWCAP2 (bit 1 = FSGSBASE usable from ring 3). */
  hwcap2: number;
  /** Seed for AT_RANDOM (and other kernel randomness) to make runs repeatable. */
  randomSeed?: number;
  /** Virtual time and seeded randomness (read by the info syscalls). */
  deterministic?: boolean;
  /** Guest pid (default: the host process id). */
  pid?: number;
  stdout?: (b: Uint8Array) => void;
  stderr?: (b: Uint8Array) => void;
  /** Kernel page-table isolation: the user/kernel PGD pair and CR3 switches on entry (default on). */
  kpti?: boolean;
  /** PCIDs for the kernel/user address spaces with the CR3 no-flush bit (default on). */
  pcid?: boolean;
  /** --trace-entry: one stderr line per step of every trip through the entry path. */
  traceEntry?: boolean;
  /** Time the entry path (for --stats; costs two clock reads per step boundary). */
  entryTiming?: boolean;
}

const enc = new TextEncoder();

export class Kernel {
  mm: AddressSpace;
  readonly uaccess: UserMemory;
  files: FdTable;
  vfs: Vfs;
  /** Guest path of the program (what /proc/self/exe names). */
  exePath = '';
  /** Set when the process has exited or been killed. */
  stopped = false;
  /** 0..255 for an exit, 128 + signal when killed. */
  exitStatus = 0;
  /** The signal that killed the process, or null. */
  termSignal: number | null = null;
  /** One line for the CLI to print on stderr when the process was killed. */
  killMessage: string | null = null;
  readonly signals = new SignalState();
  readonly pid: number;
  readonly tid: number;
  readonly ppid: number;
  /** The task's name (TASK_COMM_LEN 16 including the NUL): basename of the program, prctl(PR_SET_NAME). */
  comm = '';
  /** prctl state. */
  dumpable = 1;
  noNewPrivs = 0;
  pdeathSignal = 0;
  /** set_tid_address / set_robust_list bookkeeping (used when threads exist). */
  clearChildTid = 0;
  robustListHead = 0;
  /** struct pt_regs of the current syscall, on the kernel stack in guest memory (entry.ts), and the
   * argument views over it for the 64-bit and the i386 (int 0x80) conventions. */
  readonly ptRegs: PtRegs;
  readonly args: PtRegsArgs;
  readonly compatArgs: CompatArgs;
  /** The entry path's configuration, counters and tracer. */
  readonly entry: EntryState;
  /** True between the entry's SWAPGS and the return's: GS.base is the kernel's, the user's is in KERNEL_GS_BASE. */
  gsSwapped = false;
  /** Number of the syscall being handled. */
  currentSyscall = 0;
  /** Exit-work hooks run before returning to user mode (signals and rescheduling plug in here). */
  exitWork: Array<(k: Kernel) => void> = [];
  readonly kernelHalf: KernelHalf;
  readonly strace: Strace;
  loadInfo: LoadInfo | null = null;
  private readonly reportedNi = new Set<number | bigint>();
  private readonly reportedCompat = new Set<string>();
  private readonly out: (b: Uint8Array) => void;
  private readonly err: (b: Uint8Array) => void;

  constructor(readonly cpu: Cpu, readonly opts: KernelOptions) {
    this.out = opts.stdout ?? ((b) => writeAll(1, b));
    this.err = opts.stderr ?? ((b) => writeAll(2, b));
    this.pid = opts.pid ?? process.pid;
    this.tid = this.pid;
    this.ppid = process.ppid;

    // Boot: the kernel half (cpu_entry_area, per-CPU, stack) in the PGD pair, cpu_init (GDT, IDT, TSS,
    // CR4, CR3), syscall_init (the MSRs), and the entry points' traps.
    const cfg = { kpti: opts.kpti ?? true, pcid: opts.pcid ?? true };
    this.mm = new AddressSpace(cpu.mem, cpu.mmu);
    // A not-present page of a VMA is mapped from inside the page walk (mm.fault, as handleFault would
    // after the #PF): the common first touch raises no exception. Through this.mm: execve replaces it.
    // Not when guest memory would have to grow for the page and its page tables (up to 4 frames):
    // growth replaces the memory's views, and the MMU's accessors hold them across the walk.
    cpu.mmu.demandPage = (addr, access) => cpu.mem.canAllocWithoutGrowth(4) && this.mm.fault(addr, access) === FaultResult.Fixed;
    this.kernelHalf = setupKernelHalf(this.mm, cpu, cfg);
    cpu_init(cpu, this.mm, cfg);
    syscall_init(cpu);
    const stats = newEntryStats();
    this.entry = {
      cfg, stats, meter: new EntryMeter(cpu, stats, !!opts.entryTiming), n: 0,
      trace: opts.traceEntry ? (line) => this.writeStderr(line) : null,
    };
    this.ptRegs = new PtRegs(cpu);
    this.args = new PtRegsArgs(this.ptRegs);
    this.compatArgs = new CompatArgs(this);
    registerEntryTraps(this, cpu);
    if (opts.strace) this.setTif(TIF_SYSCALL_TRACE); // the tracer's work flag sends calls through the slow path

    this.uaccess = new UserMemory(cpu, () => this.mm);
    this.strace = new Strace(this);
    this.vfs = new Vfs(opts.root);
    this.files = new FdTable();
    this.files.guestPathOf = (p) => this.guestPathOf(p);
    this.files.installStdio();
    if (!this.vfs.proc) {
      this.vfs.proc = {
        pid: () => this.pid,
        exePath: () => this.exePath,
        fdPath: (fd) => this.files.get(fd)?.path,
        fds: () => this.files.list(),
      };
    }
    this.vfs.registerProcFile('maps', () => enc.encode(this.mm.formatMaps()));
    this.vfs.registerProcFile('comm', () => enc.encode(this.comm + '\n'));
    this.vfs.registerProcFile('cmdline', () => enc.encode(this.opts.argv.map((s) => s + '\0').join('')));
    this.vfs.registerProcFile('environ', () => enc.encode(this.opts.envp.map((s) => s + '\0').join('')));
    this.vfs.registerProcFile('auxv', () => {
      const pairs = this.loadInfo?.auxv ?? [];
      const b = new Uint8Array(pairs.length * 16);
      const dv = new DataView(b.buffer);
      pairs.forEach(([t, v], i) => {
        dv.setUint32(i * 16, t, true);
        dv.setUint32(i * 16 + 8, v % 4294967296, true); dv.setUint32(i * 16 + 12, Math.floor(v / 4294967296), true);
      });
      return b;
    });
  }

  /**
   * Called before an executable range is unmapped, re-protected or moved (translations still exist),
   * so the translator can drop its blocks. Forwards to the address space.
   */
  get onCodeUnmap(): ((startAddr: number, len: number) => void) | undefined { return this.mm.onCodeUnmap; }
  set onCodeUnmap(f: ((startAddr: number, len: number) => void) | undefined) { this.mm.onCodeUnmap = f; }

  /** Host path -> guest path (paths outside the root stay as they are). */
  guestPathOf(hostPath: string): string {
    const abs = nodePath.resolve(hostPath);
    const root = this.vfs.root;
    if (root === '/') return abs;
    if (abs === root) return '/';
    if (abs.startsWith(root + '/')) return abs.slice(root.length);
    return abs;
  }

  /** Load a program from a host path and prepare the CPU to run it. Throws LoadError. */
  load(path: string): void {
    const elf = readElfFile(path);
    this.exePath = this.guestPathOf(path);
    this.comm = nodePath.basename(path).slice(0, 15);
    const execFn = path;
    this.loadInfo = loadElf(elf, this.mm, this.cpu, this.uaccess, {
      execFn, exePath: this.exePath, argv: this.opts.argv, envp: this.opts.envp,
      // HWCAP2_FSGSBASE: cpu_init enabled CR4.FSGSBASE, so ring 3 may use the instructions.
      hwcap: this.opts.hwcap, hwcap2: this.opts.hwcap2 | 2, randomSeed: this.opts.randomSeed,
      uid: process.getuid?.() ?? 0, euid: process.geteuid?.() ?? 0,
      gid: process.getgid?.() ?? 0, egid: process.getegid?.() ?? 0,
    });
    return_to_user_after_exec(this, this.cpu);
  }

  // ---- thread_info flags (in guest memory, where the entry code tests them) ----------------------------

  setTif(bits: number): void {
    const a = this.kernelHalf.taskFrame + TASK_TI_flags;
    this.cpu.mem.dv.setInt32(a, this.cpu.mem.dv.getInt32(a, true) | bits, true);
  }
  clearTif(bits: number): void {
    const a = this.kernelHalf.taskFrame + TASK_TI_flags;
    this.cpu.mem.dv.setInt32(a, this.cpu.mem.dv.getInt32(a, true) & ~bits, true);
  }

  // ---- output ----------------------------------------------------------------------------------------

  writeStdout(b: Uint8Array): void { this.out(b); }
  writeStderr(s: string): void { this.err(enc.encode(s)); }

  // ---- process end -----------------------------------------------------------------------------------

  /** Record a normal exit (GuestOS.exit): no throw. */
  exit(status: number): void {
    if (this.stopped) return;
    this.stopped = true;
    this.exitStatus = status & 0xff;
    if (this.opts.strace) this.strace.exited(this.exitStatus, null);
  }

  /** exit/exit_group from a syscall handler: record and unwind to the execution loop. */
  exitProcess(status: number): never {
    this.exit(status);
    throw new GuestExit(this.exitStatus);
  }

  /** Record death by a signal (no throw): status 128 + sig, and the one-line message. */
  terminate(sig: number, message: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.termSignal = sig;
    this.exitStatus = (128 + sig) & 0xff;
    this.killMessage = message;
    if (this.opts.strace) this.strace.exited(this.exitStatus, sig);
  }

  /**
   * Kill the process from a syscall handler: record and unwind. The message names the user RIP the
   * syscall returns to (where the signal would be delivered); `reason` replaces the default
   * "(Description)" text.
   */
  killProcess(sig: number, reason?: string): never {
    const rip = hexAddr(this.ptRegs.get(PtReg.IP));
    this.terminate(sig, reason
      ? `${reason}: guest killed by ${signalName(sig)} at rip ${rip}`
      : this.signalMessage(sig, `at rip ${rip} (${signalDescription(sig)})`));
    throw new GuestExit(this.exitStatus);
  }

  /** 'ringjit: guest killed by SIGxxx <detail>' and a note when a handler is installed. */
  signalMessage(sig: number, detail: string): string {
    let m = `ringjit: guest killed by ${signalName(sig)} ${detail}`;
    if (this.signals.hasHandler(sig)) {
      m += `; the guest installed a ${signalName(sig)} handler, but ringjit does not deliver signals to handlers yet`;
    }
    return m;
  }

  // ---- signals to self ---------------------------------------------------------------------------------

  /** kill/tgkill/raise to this process: apply the disposition (handlers are not delivered yet). */
  sendSignalToSelf(sig: number): number {
    if (sig !== SIGKILL && sig !== SIGSTOP && this.signals.isBlocked(sig)) {
      this.signals.addPending(sig);
      return 0;
    }
    this.actOnSignal(sig);
    return 0;
  }

  /** Deliver pending signals that are no longer blocked (after rt_sigprocmask). */
  deliverPendingSignals(): void {
    if (!(this.signals.pendingLo | this.signals.pendingHi)) return;
    for (let sig = this.signals.takeDeliverable(); sig; sig = this.signals.takeDeliverable()) this.actOnSignal(sig);
  }

  private actOnSignal(sig: number): void {
    if (sig === SIGKILL) this.killProcess(sig);
    if (this.signals.isIgnored(sig)) return;
    const act = defaultAction(sig);
    if (!this.signals.hasHandler(sig) && (act === DefaultAction.Stop || act === DefaultAction.Cont)) {
      // Job control needs a parent to notice: a stopped process with no one to continue it would
      // hang, so ringjit treats stop/continue as no-ops.
      return;
    }
    this.killProcess(sig);
  }

  // ---- faults --------------------------------------------------------------------------------------------

  /**
   * A guest exception. Demand paging: returns with the CPU unchanged so the instruction retries.
   * Otherwise the Linux outcome (#PF/#GP -> SIGSEGV, #UD -> SIGILL, #DE/#MF/#XM -> SIGFPE, #BP/#DB ->
   * SIGTRAP, #AC/#SS/#NP -> SIGBUS) ends the process: stopped is set and this returns normally.
   */
  handleFault(cpu: Cpu, f: GuestFault): void {
    if (this.stopped) return;
    // UMIP-covered instructions (sgdt, sidt, smsw, str, sldt) are emulated, not fatal, as on Linux.
    if (f.vector === Vec.GP && cpu.cpl === 3 && (cpu.cr4 & CR4_UMIP) && fixup_umip_exception(this, cpu)) return;
    if (f.vector === Vec.PF) {
      const ec = f.errorCode;
      const access = ec & PfErr.I ? Access.Exec : ec & PfErr.W ? Access.Write : Access.Read;
      const r = this.mm.fault(f.cr2, access);
      if (r === FaultResult.Fixed) return;
      const rip = hexAddr(cpu.rip);
      if (r === FaultResult.Oom) {
        this.terminate(SIGKILL, `ringjit: guest killed by SIGKILL at rip ${rip}: out of guest physical memory (page fault at ${hexAddr(f.cr2)})`);
        return;
      }
      const what = `${ec & PfErr.I ? 'exec' : ec & PfErr.W ? 'write' : 'read'}, ${ec & PfErr.U ? 'user' : 'kernel'}, ${ec & PfErr.P ? 'protection violation' : 'not present'}`;
      this.terminate(SIGSEGV, this.signalMessage(SIGSEGV, `at rip ${rip}: #PF at address ${hexAddr(f.cr2)} (${what})`));
      return;
    }
    let sig: number;
    switch (f.vector) {
      case Vec.UD: sig = SIGILL; break;
      case Vec.DE: case Vec.MF: case Vec.XM: sig = SIGFPE; break;
      case Vec.BP: case Vec.DB: sig = SIGTRAP; break;
      case Vec.AC: case Vec.SS: case Vec.NP: sig = SIGBUS; break;
      default: sig = SIGSEGV; break;
    }
    // For traps (int3, into) RIP is already past the instruction, which is what Linux reports
    // (regs->ip in the signal frame and core dump); faults name the instruction itself.
    const rip = hexAddr(cpu.rip);
    const name = VECTOR_NAMES[f.vector] ?? `vector ${f.vector}`;
    let detail = f.detail;
    if (f.vector === Vec.UD && !/[0-9a-f]{2} [0-9a-f]{2}/i.test(detail)) {
      const bytes = this.readCodeBytes(cpu.rip, 15);
      if (bytes) detail = (detail ? detail + '; ' : '') + 'bytes ' + bytes;
    }
    this.terminate(sig, this.signalMessage(sig, `at rip ${rip}: ${name}${detail ? ` (${detail})` : ''}`));
  }

  /** Up to n code bytes at addr as hex (stops at the first unreadable page), or ''. */
  private readCodeBytes(addr: number, n: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const b = this.uaccess.copyFromUser(addr + i, 1);
      if (!b) break;
      out.push(b[0].toString(16).padStart(2, '0'));
    }
    return out.join(' ');
  }

  // ---- helpers for handlers ----------------------------------------------------------------------------

  /** The user's GS base: in IA32_KERNEL_GS_BASE while inside a syscall (after SWAPGS). */
  userGsBase(): number {
    return this.gsSwapped ? joinHalves(this.cpu.kernelGsBaseLo, this.cpu.kernelGsBaseHi) : this.cpu.gsBase;
  }
  setUserGsBase(v: number): void {
    if (this.gsSwapped) {
      this.cpu.kernelGsBaseLo = v % 4294967296 | 0;
      this.cpu.kernelGsBaseHi = Math.floor(v / 4294967296) | 0;
    } else this.cpu.gsBase = v;
  }

  /**
   * sys_ni_syscall's message, once per number. Only numbers that name a Linux system call ringjit
   * lacks are reported: numbers Linux itself rejects with ENOSYS (above __NR_syscall_max, the unused
   * 335..423 range, removed calls) get the same silent -ENOSYS as on Linux, so a program that probes
   * them has byte-identical stderr.
   */
  reportUnimplemented(nr: number | bigint): void {
    if (typeof nr !== 'number' || syscallName(nr) === undefined || LINUX_NI_SYSCALLS.has(nr)) return;
    if (this.reportedNi.has(nr)) return;
    this.reportedNi.add(nr);
    const name = typeof nr === 'number' ? syscallName(nr) : undefined;
    const rip = this.ptRegs.get(PtReg.IP) - 2;
    this.writeStderr(`ringjit: unimplemented syscall ${nr}${name ? ` (${name})` : ''} at rip ${hexAddr(rip)}\n`);
  }

  /** An i386 (int 0x80) number below IA32_NR_syscalls that ringjit's compat table lacks, once per number. */
  reportUnimplementedCompat(nr: number): void {
    const key = `i386:${nr}`;
    if (this.reportedCompat.has(key)) return;
    this.reportedCompat.add(key);
    this.writeStderr(`ringjit: unimplemented i386 syscall ${nr} (int 0x80) at rip ${hexAddr(this.ptRegs.get(PtReg.IP) - 2)}\n`);
  }
}

function joinHalves(lo: number, hi: number): number { return hi * 4294967296 + (lo >>> 0); }

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) {
    try {
      off += fs.writeSync(fd, b, off, b.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw e;
    }
  }
}
