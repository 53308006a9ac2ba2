// Guest CPU state: general registers as int32 halves (DESIGN decision 2), lazy flags (decision 3),
// SSE state, segment bases, control registers and MSRs, plus the MMU it translates through.

import { ARITH_FLAGS, CcKind, type CpuState } from '../semantics/state.js';
import { computeEflags } from '../semantics/flags.js';
import { PhysicalMemory } from './memory.js';
import { Mmu, joinAddr } from './mmu.js';

/** MSR numbers (SDM vol. 4). */
export const enum Msr {
  TSC = 0x10, SYSENTER_CS = 0x174, SYSENTER_ESP = 0x175, SYSENTER_EIP = 0x176,
  EFER = 0xc0000080, STAR = 0xc0000081, LSTAR = 0xc0000082, CSTAR = 0xc0000083, SFMASK = 0xc0000084,
  FS_BASE = 0xc0000100, GS_BASE = 0xc0000101, KERNEL_GS_BASE = 0xc0000102, TSC_AUX = 0xc0000103,
}

/** A handler that the execution loop calls when RIP reaches a kernel trap address. */
export type TrapHandler = (cpu: Cpu) => void;

/**
 * Kernel-text addresses whose execution traps into TypeScript. The lookup remembers its last hit:
 * a system-call-heavy program finds entry_SYSCALL_64 again and again, and a Map keyed by a double
 * (kernel addresses are negative, beyond int32) hashes the number on every get.
 */
export class TrapTable extends Map<number, TrapHandler> {
  private lastAddr = NaN;
  private lastTrap: TrapHandler | undefined = undefined;
  override set(addr: number, trap: TrapHandler): this { this.lastAddr = NaN; return super.set(addr, trap); }
  override delete(addr: number): boolean { this.lastAddr = NaN; return super.delete(addr); }
  override clear(): void { this.lastAddr = NaN; super.clear(); }
  /** The trap at `addr`, if any. */
  at(addr: number): TrapHandler | undefined {
    if (addr === this.lastAddr) return this.lastTrap;
    const t = this.get(addr);
    if (t !== undefined) { this.lastAddr = addr; this.lastTrap = t; }
    return t;
  }
}

export class Cpu implements CpuState {
  regs = new Int32Array(32);
  rip = 0;
  /** Bit 1 is reserved-as-one; IF is set for user code. */
  eflags = 0x202;
  ccOp = CcKind.EFLAGS * 4;
  cc = new Int32Array(6);
  private readonly xmmBuf = new ArrayBuffer(16 * 16);
  xmm = new Int32Array(this.xmmBuf);
  xmmF64 = new Float64Array(this.xmmBuf);
  xmmF32 = new Float32Array(this.xmmBuf);
  xmmU8 = new Uint8Array(this.xmmBuf);
  mxcsr = 0x1f80;
  /** x87 control word (precision and rounding control of semantics/x87). */
  fpuCw = 0x37f;
  /** x87 status word (kept for fnstsw/fnstenv/fldenv round trips). */
  fpuSw = 0;
  /** x87 registers (see CpuState.fpr) and the in-use mask of the tag word. */
  fpr = new Int32Array(32);
  fpuTag = 0;
  fsBaseLo = 0; fsBaseHi = 0;
  gsBaseLo = 0; gsBaseHi = 0;
  kernelGsBaseLo = 0; kernelGsBaseHi = 0;
  cpl = 3;
  /** Selectors (only their values: 64-bit mode ignores most of the descriptor). */
  cs = 0x33; ss = 0x2b; ds = 0; es = 0; fs = 0; gs = 0;

  // Control registers and MSRs (runtime/privileged.ts and runtime/msr.ts define what writing them does;
  // CR3 lives in the MMU). CR0 = PE|MP|ET|NE|WP|AM|PG, CR4 = PSE|PAE|MCE|PGE|OSFXSR|OSXMMEXCPT.
  cr0 = 0x80050033; cr2 = 0; cr4 = 0x6f0;
  /** CR8 = the task-priority register (bits 3:0). */
  cr8 = 0;
  efer = 0xd01; // SCE | LME | LMA | NXE
  /** IA32_STAR as halves: STAR[47:32] (SYSCALL CS) and STAR[63:48] (SYSRET CS base) are in starHi. */
  starLo = 0; starHi = 0;
  lstar = 0; cstar = 0; sfmask = 0;
  sysenterCs = 0; sysenterCsHi = 0; sysenterEsp = 0; sysenterEip = 0;
  tscAux = 0;
  /** Added to the time source by rdtsc/rdmsr(TSC); wrmsr(TSC) sets it. */
  tscOffset = 0;
  /** Debug registers: stored and read back only (breakpoints are not raised). */
  dr = [0, 0, 0, 0];
  dr6 = 0xffff0ff0; dr7 = 0x400;

  // Descriptor-table registers (SDM vol. 3, 2.4): linear bases as exact signed numbers, 16-bit limits.
  // A zero IDT limit means "no IDT loaded": the guest OS handles exceptions directly (the Linux
  // personality loads one; unit tests of single instructions may not).
  gdtrBase = 0; gdtrLimit = 0;
  idtrBase = 0; idtrLimit = 0;
  /** LDTR and TR: selector plus the base/limit loaded from the descriptor (lldt/ltr). */
  ldtr = 0; ldtrBase = 0; ldtrLimit = 0;
  tr = 0; trBase = 0; trLimit = 0;

  /** Counters of system-register activity (--stats, entry-path research). */
  readonly sysStats = { cr3Writes: 0, cr3Flushes: 0, invlpg: 0 };

  /** Guest instructions retired (counted per block by the engines). */
  instret = 0;

  readonly mmu: Mmu;
  /** Kernel-text addresses whose execution traps into TypeScript (syscall entry points, etc.). */
  readonly traps = new TrapTable();

  constructor(public mem: PhysicalMemory = new PhysicalMemory()) {
    this.mmu = new Mmu(mem);
    if (mem.wasm !== null) {
      // The wasm back end reads and writes these in wasm memory.
      this.regs = new Int32Array(mem.buf, mem.stateAlloc(32 * 4), 32);
      this.cc = new Int32Array(mem.buf, mem.stateAlloc(6 * 4), 6);
      const x = mem.stateAlloc(16 * 16);
      this.xmm = new Int32Array(mem.buf, x, 64); this.xmmF64 = new Float64Array(mem.buf, x, 32);
      this.xmmF32 = new Float32Array(mem.buf, x, 64); this.xmmU8 = new Uint8Array(mem.buf, x, 256);
    }
  }

  setCpl(cpl: number): void { this.cpl = cpl; this.mmu.setCpl(cpl); }

  // ---- register access for the kernel and tests (not used by generated code) --------------------

  /** Register r as an exact signed number (exact while |value| < 2^53, which covers addresses). */
  reg(r: number): number { return joinAddr(this.regs[2 * r], this.regs[2 * r + 1]); }
  /** Register r as an unsigned number (exact below 2^53). */
  regU(r: number): number { return (this.regs[2 * r + 1] >>> 0) * 4294967296 + (this.regs[2 * r] >>> 0); }
  setReg(r: number, v: number): void {
    this.regs[2 * r] = v | 0;
    this.regs[2 * r + 1] = Math.floor(v / 4294967296) | 0;
  }
  setRegHalves(r: number, lo: number, hi: number): void { this.regs[2 * r] = lo; this.regs[2 * r + 1] = hi; }

  /** Full RFLAGS with the lazy status flags materialised. */
  getEflags(): number { return computeEflags(this); }
  /** Replace RFLAGS (all bits given), switching the lazy state to "materialised". */
  setEflags(v: number): void {
    this.eflags = (v | 2) & ~0x8028 | 2; // bits 3, 5, 15 read as zero, bit 1 as one
    this.ccOp = CcKind.EFLAGS * 4;
  }
  /** Status flags only (CF..OF), as a bit mask of eflags. */
  statusFlags(): number { return computeEflags(this) & ARITH_FLAGS; }

  /** IA32_STAR as a number (exact for the selector-only values operating systems write). */
  get star(): number { return this.starHi * 4294967296 + (this.starLo >>> 0); }
  set star(v: number) { this.starLo = v | 0; this.starHi = Math.floor(v / 4294967296) | 0; }

  get fsBase(): number { return joinAddr(this.fsBaseLo, this.fsBaseHi); }
  set fsBase(v: number) { this.fsBaseLo = v | 0; this.fsBaseHi = Math.floor(v / 4294967296) | 0; }
  get gsBase(): number { return joinAddr(this.gsBaseLo, this.gsBaseHi); }
  set gsBase(v: number) { this.gsBaseLo = v | 0; this.gsBaseHi = Math.floor(v / 4294967296) | 0; }
}
