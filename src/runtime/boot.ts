// `ringjit boot IMAGE`: a bare x86-64 machine with no Linux personality. The image is an ELF64
// executable whose PT_LOAD segments are copied to their physical addresses (p_paddr); the CPU starts at
// e_entry already in 64-bit mode, at CPL 0, in this documented state (docs/boot.md):
//
//   GDT at 0x1000: 0x08 = 64-bit code (DPL 0), 0x10 = data (DPL 0); CS = 0x08, DS/ES/SS = 0x10, FS/GS = 0
//   paging: PML4 0x2000, PDPT 0x3000, PD 0x4000: 0..1 GiB identity-mapped with 2 MiB pages
//           (present, writable, supervisor, not global); CR3 = 0x2000
//   CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE|OSFXSR|OSXMMEXCPT, EFER = LME|LMA|NXE (SCE clear), RFLAGS = 0x2
//   RSP = 0x80000, RDI = 0x5000 (struct boot_info below), no IDT (limit 0), no TSS, no LDT
//   boot_info: u64 magic 'RJBOOT01' | u64 memory bytes | u32 serial port 0x3f8 | u32 exit port 0xf4
//
// Devices: a 16550 UART at 0x3F8 (transmit holding register -> stdout; line status always "ready");
// isa-debug-exit at 0xF4 (a write ends the run with status = the value written & 0xff; QEMU would
// report (value << 1) | 1). Unknown ports read as all ones and ignore writes. Exceptions go through
// the guest's IDT (#DF and triple-fault rules included); a triple fault or a HLT that nothing can wake
// ends the run with a message.

import { readFileSync, writeSync } from 'node:fs';
import { CodeCache } from './codecache.js';
import { Cpu } from './cpu.js';
import { type Engine, type GuestOS, InterpEngine } from './exec.js';
import { GuestExit, type GuestFault, hexAddr, VECTOR_NAMES } from './faults.js';
import { deliverException, Outcome } from './idt.js';
import { EFER_LMA, EFER_LME, EFER_NXE } from './msr.js';
import { makeHelpers } from './helpers.js';
import { Interpreter } from './interp.js';
import { JitEngine } from './jit.js';
import { PhysicalMemory } from './memory.js';
import {
  CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_PAE,
} from './privileged.js';
import { type Platform } from './sysinsn.js';

export const BOOT_GDT = 0x1000, BOOT_PML4 = 0x2000, BOOT_PDPT = 0x3000, BOOT_PD = 0x4000;
export const BOOT_INFO = 0x5000, BOOT_STACK_TOP = 0x80000;
/** Images load at or above the boot stack (the boot page tables and boot_info live below it). */
export const BOOT_LOAD_MIN = BOOT_STACK_TOP;
export const COM1 = 0x3f8, DEBUG_EXIT_PORT = 0xf4;
export const BOOT_MAGIC = 'RJBOOT01';
/** Exit status of a run that ended by triple fault. */
export const TRIPLE_FAULT_STATUS = 255;

export class BootError extends Error {}

/** Parse an ELF64 x86-64 executable and copy its PT_LOAD segments to physical memory; returns e_entry. */
export function loadBootImage(cpu: Cpu, image: Uint8Array): number {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (image.length < 64 || dv.getUint32(0) !== 0x7f454c46) throw new BootError('not an ELF file');
  if (image[4] !== 2 || image[5] !== 1) throw new BootError('not a little-endian ELF64 file');
  if (dv.getUint16(16, true) !== 2) throw new BootError('not an executable (ET_EXEC) image');
  if (dv.getUint16(18, true) !== 62) throw new BootError('not an x86-64 image');
  const entry = Number(dv.getBigUint64(24, true));
  const phoff = Number(dv.getBigUint64(32, true)), phentsize = dv.getUint16(54, true), phnum = dv.getUint16(56, true);
  let loaded = 0;
  for (let k = 0; k < phnum; k++) {
    const p = phoff + k * phentsize;
    if (p + 56 > image.length) throw new BootError('truncated program header table');
    if (dv.getUint32(p, true) !== 1 /* PT_LOAD */) continue;
    const off = Number(dv.getBigUint64(p + 8, true)), paddr = Number(dv.getBigUint64(p + 24, true));
    const filesz = Number(dv.getBigUint64(p + 32, true)), memsz = Number(dv.getBigUint64(p + 40, true));
    if (memsz === 0) continue;
    if (paddr < BOOT_LOAD_MIN || paddr + memsz > 0x40000000) {
      throw new BootError(`segment at physical 0x${paddr.toString(16)} is outside [0x80000, 1 GiB)`);
    }
    if (off + filesz > image.length || filesz > memsz) throw new BootError('segment extends past the end of the file');
    cpu.mem.reserveRange(paddr, paddr + memsz);
    cpu.mem.u8.fill(0, paddr, paddr + memsz);
    cpu.mem.u8.set(image.subarray(off, off + filesz), paddr);
    loaded++;
  }
  if (!loaded) throw new BootError('no loadable segments');
  return entry;
}

/** Put the CPU in the documented boot state (see the header comment). */
export function setupBootState(cpu: Cpu, entry: number): void {
  const mem = cpu.mem;
  mem.reserveRange(0, BOOT_LOAD_MIN);
  const dv = mem.dv;
  const put64 = (a: number, lo: number, hi: number): void => { dv.setInt32(a, lo, true); dv.setInt32(a + 4, hi, true); };
  mem.u8.fill(0, 0, BOOT_INFO + 0x1000);
  put64(BOOT_GDT + 8, 0x0000ffff, 0x00af9a00); // 64-bit code, DPL 0
  put64(BOOT_GDT + 16, 0x0000ffff, 0x00cf9200); // data, DPL 0
  put64(BOOT_PML4, BOOT_PDPT | 3, 0);
  put64(BOOT_PDPT, BOOT_PD | 3, 0);
  for (let k = 0; k < 512; k++) put64(BOOT_PD + 8 * k, (k * 0x200000) | 0x83, 0); // P | RW | PS
  for (let k = 0; k < 8; k++) mem.u8[BOOT_INFO + k] = BOOT_MAGIC.charCodeAt(k);
  put64(BOOT_INFO + 8, mem.size, 0);
  dv.setUint32(BOOT_INFO + 16, COM1, true);
  dv.setUint32(BOOT_INFO + 20, DEBUG_EXIT_PORT, true);

  cpu.gdtrBase = BOOT_GDT; cpu.gdtrLimit = 23;
  cpu.idtrBase = 0; cpu.idtrLimit = 0;
  cpu.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
  cpu.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
  cpu.efer = EFER_LME | EFER_LMA | EFER_NXE;
  cpu.mmu.cr3 = BOOT_PML4;
  cpu.mmu.writeProtect = true; cpu.mmu.nxEnabled = true; cpu.mmu.pgeEnabled = false; cpu.mmu.pcidEnabled = false;
  cpu.mmu.flushAllPcids(false);
  cpu.cs = 0x08; cpu.ss = 0x10; cpu.ds = 0x10; cpu.es = 0x10; cpu.fs = 0; cpu.gs = 0;
  cpu.fsBase = 0; cpu.gsBase = 0; cpu.kernelGsBaseLo = 0; cpu.kernelGsBaseHi = 0;
  cpu.setCpl(0);
  cpu.setEflags(0x2);
  cpu.regs.fill(0);
  cpu.setReg(4, BOOT_STACK_TOP);
  cpu.setReg(7, BOOT_INFO);
  cpu.rip = entry;
}

/** The 16550 registers a polled driver touches (divisor latch, line control/status, scratch). */
class Uart16550 {
  private lcr = 0x03; private ier = 0; private mcr = 0; private scr = 0; private dll = 1; private dlm = 0;
  private buf: number[] = [];
  constructor(private readonly sink: (b: Uint8Array) => void) {}
  read(reg: number): number {
    const dlab = (this.lcr & 0x80) !== 0;
    switch (reg) {
      case 0: return dlab ? this.dll : 0; // RBR: no input
      case 1: return dlab ? this.dlm : this.ier;
      case 2: return 0x01; // IIR: no interrupt pending
      case 3: return this.lcr;
      case 4: return this.mcr;
      case 5: return 0x60; // LSR: THRE | TEMT (always ready to transmit), no data
      case 6: return 0xb0; // MSR: DCD | DSR | CTS
      default: return this.scr;
    }
  }
  write(reg: number, v: number): void {
    const dlab = (this.lcr & 0x80) !== 0;
    switch (reg) {
      case 0: if (dlab) this.dll = v; else this.put(v); return;
      case 1: if (dlab) this.dlm = v; else this.ier = v & 0x0f; return;
      case 3: this.lcr = v; return;
      case 4: this.mcr = v; return;
      case 7: this.scr = v; return;
      default: return; // FCR and read-only registers
    }
  }
  private put(b: number): void {
    this.buf.push(b & 0xff);
    if (b === 10 || this.buf.length >= 4096) this.flush();
  }
  flush(): void {
    if (this.buf.length) { this.sink(Uint8Array.from(this.buf)); this.buf = []; }
  }
}

export interface MachineOptions {
  stdout: (b: Uint8Array) => void;
  stderr: (s: string) => void;
}

/** The bare machine: the GuestOS of boot mode (exceptions go through the guest's IDT) and its Platform. */
export class Machine implements GuestOS, Platform {
  stopped = false;
  exitStatus = 0;
  /** Why the run ended, when not by isa-debug-exit (triple fault, halt). */
  message: string | null = null;
  private readonly uart: Uart16550;

  constructor(readonly cpu: Cpu, private readonly opts: MachineOptions) {
    this.uart = new Uart16550(opts.stdout);
  }

  handleFault(cpu: Cpu, f: GuestFault): void {
    if (this.stopped) return;
    if (deliverException(cpu, f) === Outcome.TripleFault) {
      const name = VECTOR_NAMES[f.vector] ?? `vector ${f.vector}`;
      this.stop(TRIPLE_FAULT_STATUS, `ringjit: triple fault (shutdown) at rip ${hexAddr(cpu.rip)}: ${name}` +
        `${f.detail ? ` (${f.detail})` : ''}${cpu.idtrLimit === 0 ? ', no IDT loaded' : ''}`);
    }
  }

  portIn(port: number, size: number): number {
    if (port >= COM1 && port < COM1 + 8 && size === 1) return this.uart.read(port - COM1);
    return size === 4 ? -1 : (1 << (8 * size)) - 1;
  }

  portOut(port: number, size: number, value: number): void {
    if (port >= COM1 && port < COM1 + 8 && size === 1) { this.uart.write(port - COM1, value); return; }
    if (port === DEBUG_EXIT_PORT) {
      this.stop(value & 0xff, null);
      throw new GuestExit(this.exitStatus);
    }
  }

  halt(cpu: Cpu, rip: number): void {
    // No timer or device raises interrupts, so a halted CPU never resumes.
    const why = cpu.getEflags() & 0x200 ? 'no interrupt source' : 'interrupts disabled';
    this.stop(0, `ringjit: cpu halted at rip ${hexAddr(rip)} (${why}); the run ends`);
    throw new GuestExit(0);
  }

  /** Flush the serial output (call when the run ends). */
  finish(): void { this.uart.flush(); }

  private stop(status: number, message: string | null): void {
    this.uart.flush();
    this.stopped = true;
    this.exitStatus = status;
    this.message = message;
  }
}

// ---- the `boot` command -----------------------------------------------------------------------------------

export interface BootRunOptions {
  engine: 'interp' | 'jit';
  deterministic: boolean;
  stats: boolean;
  stdout: (b: Uint8Array) => void;
  stderr: (s: string) => void;
  /** Runs of a block before the translator compiles it (1: translate everything; tests use it). */
  jitThreshold?: number;
}

export interface BootedMachine { cpu: Cpu; machine: Machine; engine: Engine; cache: CodeCache }

/** Load an image into a fresh machine in the boot state, with the chosen engine. Throws BootError. */
export function bootMachine(image: Uint8Array, o: BootRunOptions): BootedMachine {
  const cpu = new Cpu(new PhysicalMemory(64 << 20));
  const entry = loadBootImage(cpu, image);
  setupBootState(cpu, entry);
  const machine = new Machine(cpu, { stdout: o.stdout, stderr: o.stderr });
  const helpers = makeHelpers({ deterministic: o.deterministic, platform: machine });
  const cache = new CodeCache(cpu);
  const interp = new Interpreter(helpers);
  const engine: Engine = o.engine === 'jit'
    ? new JitEngine(cpu, machine, cache, interp, helpers, o.jitThreshold)
    : new InterpEngine(cpu, machine, cache, interp);
  return { cpu, machine, engine, cache };
}

/** Run a booted machine until it stops (isa-debug-exit, triple fault, halt) or `maxInstructions`. */
export function runMachine(m: BootedMachine, maxInstructions = Infinity): void {
  while (!m.machine.stopped && m.cpu.instret < maxInstructions) m.engine.run(1 << 24);
  m.machine.finish();
}

/** Boot an image and run it to the end; returns the exit status. Throws BootError for a bad image. */
export function runBoot(image: Uint8Array, o: BootRunOptions): number {
  const m = bootMachine(image, o);
  const { cpu, machine } = m;
  const t0 = performance.now();
  runMachine(m);
  if (machine.message) o.stderr(machine.message + '\n');
  if (o.stats) {
    const s = cpu.mmu.stats, a = cpu.sysStats;
    const ms = performance.now() - t0;
    o.stderr([
      `engine                 ${o.engine}`,
      `guest instructions     ${cpu.instret}`,
      `wall time              ${(ms / 1000).toFixed(3)} s`,
      `CR3 writes             ${a.cr3Writes} (${a.cr3Flushes} flushing, ${a.cr3Writes - a.cr3Flushes} with the no-flush bit)`,
      `TLB misses             ${s.tlbMisses} (page walks ${s.pageWalks}, flushes ${s.tlbFlushes})`,
    ].map((l) => `ringjit: ${l}\n`).join(''));
  }
  return machine.exitStatus;
}

export const BOOT_USAGE = 'ringjit boot [--engine interp|jit] [--stats] [--deterministic] IMAGE';

/** The `ringjit boot` command line: options, then the image. Returns the exit status. */
export function bootMain(argv: string[]): number {
  const o: BootRunOptions = {
    engine: 'jit', deterministic: false, stats: false,
    stdout: (b) => writeAllSync(1, b), stderr: (s) => process.stderr.write(s),
  };
  let k = 0;
  for (; k < argv.length && argv[k].startsWith('--'); k++) {
    const a = argv[k];
    if (a === '--stats') o.stats = true;
    else if (a === '--deterministic') o.deterministic = true;
    else if (a === '--engine' || a.startsWith('--engine=')) {
      const v = a.includes('=') ? a.slice(9) : argv[++k];
      if (v !== 'interp' && v !== 'jit') { process.stderr.write(`ringjit: unknown engine '${v}' (interp or jit)\nusage: ${BOOT_USAGE}\n`); return 2; }
      o.engine = v;
    } else { process.stderr.write(`ringjit: unknown option ${a}\nusage: ${BOOT_USAGE}\n`); return 2; }
  }
  if (k !== argv.length - 1) { process.stderr.write(`usage: ${BOOT_USAGE}\n`); return 2; }
  let image: Uint8Array;
  try {
    image = readFileSync(argv[k]);
  } catch (e) {
    process.stderr.write(`ringjit: ${argv[k]}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}\n`);
    return 127;
  }
  try {
    return runBoot(image, o);
  } catch (e) {
    if (e instanceof BootError) { process.stderr.write(`ringjit: ${argv[k]}: ${e.message}\n`); return 126; }
    throw e;
  }
}

function writeAllSync(fd: number, b: Uint8Array): void {
  for (let off = 0; off < b.length;) {
    try { off += writeSync(fd, b, off, b.length - off); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e; }
  }
}
