// The kernel half of every address space and the KPTI page-table pair (arch/x86/mm/pti.c,
// arch/x86/mm/cpu_entry_area.c, arch/x86/kernel/cpu/common.c), built in guest memory so the runtime's
// primitives (swapgs, mov cr3, IDT delivery, iretq, sysret) work on the real structures:
//
//   KERNEL_TEXT (0xffffffff81000000)  _text: one kernel-only page of ud2 (no guest code runs there).
//   ENTRY_TEXT (KERNEL_TEXT + 14 MiB) .entry.text: one page of ud2 whose addresses (LSTAR, the IDT
//                                     gates) trap into TypeScript; mapped in both PGDs. (Its TLB set
//                                     differs from the per-CPU and cpu_entry_area pages', as on a real
//                                     kernel where they are far apart: the software TLB is direct-mapped.)
//   CPU_ENTRY_AREA (0xfffffe0000000000) the read-only IDT page, then CPU 0's GDT page, entry
//                                     (trampoline) stack page and TSS page (struct cpu_entry_area).
//   PERCPU_BASE (0xffff888000000000)  page 0: the user-mapped per-CPU page (KAISER's
//                                     unsafe_stack_register_backup); page 1: rsp_scratch,
//                                     cpu_current_top_of_stack, current_task. GS base in the kernel.
//   KSTACK_BASE (vmalloc area)        the task's 16 KiB kernel stack; init_task's thread_info page.
//
// With KPTI each address space has a PGD pair 8 KiB apart; user PGD = kernel PGD | 0x1000. The user
// copy maps the user half (shared lower levels, see mm.ts) plus only the entry text, the
// cpu_entry_area and the user-mapped per-CPU page, all supervisor-only. Kernel-only mappings are then
// not global; the shared ones are. With PCIDs the kernel runs in PCID 1 (kern_pcid(ASID 0)) and user
// mode in PCID 0x801 (| X86_CR3_PTI_PCID_USER_BIT), switching with the CR3 no-flush bit.

import type { Cpu } from '../runtime/cpu.js';
import { EFER_SCE } from '../runtime/msr.js';
import { addrHi, addrLo, joinAddr } from '../runtime/mmu.js';
import { CR3_NOFLUSH_HI, CR4_FSGSBASE, CR4_PCIDE, CR4_UMIP, Sel, writeCr, writeCr3 } from '../runtime/privileged.js';
import { loadTaskRegister } from '../runtime/segments.js';
import type { AddressSpace } from './mm.js';

export const KERNEL_TEXT = joinAddr(0x81000000 | 0, 0xffffffff | 0);
export const ENTRY_TEXT = KERNEL_TEXT + 0xe00000;
export const CPU_ENTRY_AREA = joinAddr(0, 0xfffffe00 | 0);
export const PERCPU_BASE = joinAddr(0, 0xffff8880 | 0);
/** The task's kernel stack (CONFIG_VMAP_STACK: in the vmalloc area, with an unmapped guard page below). */
export const KSTACK_BASE = joinAddr(0x4000, 0xffffc900 | 0);
export const THREAD_SIZE = 0x4000;
/** init_task (its thread_info.flags at TASK_TI_flags = 0), also in the vmalloc area. */
export const INIT_TASK = joinAddr(0x10000, 0xffffc900 | 0);

/** Kernel-text symbols: each address traps into TypeScript (entry.ts, entry_compat.ts). */
export const KSYM = {
  entry_SYSCALL_64: ENTRY_TEXT + 0x000,
  entry_SYSCALL_compat: ENTRY_TEXT + 0x100,
  entry_SYSENTER_compat: ENTRY_TEXT + 0x200,
  entry_INT80_compat: ENTRY_TEXT + 0x300,
  ignore_sysret: ENTRY_TEXT + 0x400,
  /** asm_exc_* for vector v: ENTRY_TEXT + 0x800 + 16 * v; asm_common_interrupt: 0xc00. */
  asm_exc: ENTRY_TEXT + 0x800,
  asm_common_interrupt: ENTRY_TEXT + 0xc00,
} as const;

/** cpu_entry_area layout (CPU 0). */
export const CEA = {
  idt: CPU_ENTRY_AREA,
  gdt: CPU_ENTRY_AREA + 0x1000,
  entry_stack: CPU_ENTRY_AREA + 0x2000,
  entry_stack_top: CPU_ENTRY_AREA + 0x3000,
  tss: CPU_ENTRY_AREA + 0x3000,
} as const;
/** Offsets of the per-CPU variables from the GS base. */
export const enum PerCpu {
  unsafe_stack_register_backup = 0x0, rsp_scratch = 0x1000, cpu_current_top_of_stack = 0x1008, current_task = 0x1010,
}
export const TSS_sp0 = 4, TSS_sp1 = 12;
export const GDT_ENTRY_TSS_SEL = 0x40;
/** struct task_struct: thread_info.flags first (TASK_TI_flags). */
export const TASK_TI_flags = 0;

export const X86_CR3_PTI_PCID_USER = 0x800, PTI_USER_PGTABLE = 0x1000;
const KERN_PCID = 1;

export interface EntryConfig { kpti: boolean; pcid: boolean }

export interface KernelHalf {
  textFrame: number;
  percpuFrames: number[];
  stackFrames: number[];
  stackTop: number;
  taskFrame: number;
  ceaFrames: { idt: number; gdt: number; entryStack: number; tss: number };
}

/** Linux's 64-bit GDT (arch/x86/include/asm/segment.h order), as 8-byte descriptors (hi, lo). */
const GDT: [number, number][] = [
  [0, 0],
  [0x00cf9b00, 0x0000ffff], // 0x08 KERNEL32_CS
  [0x00af9b00, 0x0000ffff], // 0x10 KERNEL_CS
  [0x00cf9300, 0x0000ffff], // 0x18 KERNEL_DS
  [0x00cffb00, 0x0000ffff], // 0x23 USER32_CS
  [0x00cff300, 0x0000ffff], // 0x2b USER_DS
  [0x00affb00, 0x0000ffff], // 0x33 USER_CS
];

/**
 * Build the kernel half of `mm` (both PGDs), load GDTR/IDTR/TR, and return where things are. Physical
 * frames come from the allocator; every page is written through its physical address once here and
 * afterwards only through paging.
 */
export function setupKernelHalf(mm: AddressSpace, cpu: Cpu, cfg: EntryConfig): KernelHalf {
  const mem = mm.mem;
  mm.pti = cfg.kpti;
  // Shared pages are global; kernel-only pages are global only without KPTI (pti_kernel_image_global_ok).
  const kernelOnlyGlobal = !cfg.kpti;
  const mapBoth = (va: number, frame: number, writable: boolean, exec: boolean): void => {
    mm.mapKernelPage(va, frame, writable, exec, true);
    if (cfg.kpti) mm.mapKernelPage(va, frame, writable, exec, true, mm.userPgd);
  };
  const textFrame = mem.allocFrame();
  for (let i = 0; i < 4096; i += 2) { mem.u8[textFrame + i] = 0x0f; mem.u8[textFrame + i + 1] = 0x0b; }
  mm.mapKernelPage(KERNEL_TEXT, textFrame, false, true, kernelOnlyGlobal);
  mapBoth(ENTRY_TEXT, textFrame, false, true);

  const cea = { idt: mem.allocFrame(), gdt: mem.allocFrame(), entryStack: mem.allocFrame(), tss: mem.allocFrame() };
  mapBoth(CEA.idt, cea.idt, false, false);
  mapBoth(CEA.gdt, cea.gdt, true, false);
  mapBoth(CEA.entry_stack, cea.entryStack, true, false);
  mapBoth(CEA.tss, cea.tss, true, false);

  const percpuFrames = [mem.allocFrame(), mem.allocFrame()];
  mapBoth(PERCPU_BASE, percpuFrames[0], true, false);
  mm.mapKernelPage(PERCPU_BASE + 0x1000, percpuFrames[1], true, false, kernelOnlyGlobal);

  const stackFrames: number[] = [];
  for (let i = 0; i < THREAD_SIZE / 4096; i++) {
    const f = mem.allocFrame();
    stackFrames.push(f);
    mm.mapKernelPage(KSTACK_BASE + i * 4096, f, true, false, kernelOnlyGlobal);
  }
  const taskFrame = mem.allocFrame();
  mm.mapKernelPage(INIT_TASK, taskFrame, true, false, kernelOnlyGlobal);
  const stackTop = KSTACK_BASE + THREAD_SIZE;

  const dv = mem.dv;
  const put64 = (pa: number, v: number): void => { dv.setInt32(pa, addrLo(v), true); dv.setInt32(pa + 4, addrHi(v), true); };
  put64(percpuFrames[1] + (PerCpu.cpu_current_top_of_stack - 0x1000), stackTop);
  put64(percpuFrames[1] + (PerCpu.current_task - 0x1000), INIT_TASK);

  // GDT with a 64-bit TSS descriptor at 0x40 (16 bytes, type 9 = available).
  GDT.forEach(([hi, lo], i) => { dv.setInt32(cea.gdt + 8 * i, lo, true); dv.setInt32(cea.gdt + 8 * i + 4, hi, true); });
  const tssLo = addrLo(CEA.tss) >>> 0, tssHi = addrHi(CEA.tss);
  dv.setInt32(cea.gdt + GDT_ENTRY_TSS_SEL, ((tssLo & 0xffff) << 16) | 0x67, true);
  dv.setInt32(cea.gdt + GDT_ENTRY_TSS_SEL + 4, ((tssLo >>> 16) & 0xff) | 0x8900 | (tssLo & 0xff000000), true);
  dv.setInt32(cea.gdt + GDT_ENTRY_TSS_SEL + 8, tssHi, true);
  // TSS: sp0 = the entry trampoline stack (what the CPU switches to from ring 3), sp1 = the task stack
  // top (entry code reads it as cpu_current_top_of_stack in 4.15+); I/O bitmap base past the limit.
  put64(cea.tss + TSS_sp0, CEA.entry_stack_top);
  put64(cea.tss + TSS_sp1, stackTop);
  dv.setUint16(cea.tss + 102, 0x68, true);

  // IDT: every vector present (interrupt gates, KERNEL_CS); #BP, #OF and int 0x80 have DPL 3.
  for (let v = 0; v < 256; v++) {
    const target = v < 32 ? KSYM.asm_exc + 16 * v : v === 0x80 ? KSYM.entry_INT80_compat : KSYM.asm_common_interrupt;
    const dpl = v === 3 || v === 4 || v === 0x80 ? 3 : 0;
    const lo = addrLo(target) >>> 0, hi = addrHi(target);
    const a = cea.idt + 16 * v;
    dv.setInt32(a, (lo & 0xffff) | (Sel.KERNEL_CS << 16), true);
    dv.setInt32(a + 4, (lo & 0xffff0000) | 0x8e00 | (dpl << 13), true);
    dv.setInt32(a + 8, hi, true);
    dv.setInt32(a + 12, 0, true);
  }
  return { textFrame, percpuFrames, stackFrames, stackTop, taskFrame, ceaFrames: cea };
}

/**
 * cpu_init for the boot CPU: load GDTR, IDTR and TR (ltr goes through the real primitive, which reads
 * the descriptor through paging and marks it busy), set CR4 (FSGSBASE, UMIP as the host kernel does;
 * PCIDE when PCIDs are used) and CR3 = the kernel PGD.
 */
export function cpu_init(cpu: Cpu, mm: AddressSpace, cfg: EntryConfig): void {
  cpu.efer |= EFER_SCE;
  writeCr3(cpu, mm.pml4, 0); // PCIDE can only be turned on with CR3[11:0] = 0
  writeCr(cpu, 4, cpu.cr4 | CR4_FSGSBASE | CR4_UMIP | (cfg.pcid ? CR4_PCIDE : 0), 0);
  writeCr3(cpu, kernelCr3Lo(mm, cfg), 0);
  cpu.gdtrBase = CEA.gdt; cpu.gdtrLimit = 8 * 10 - 1;
  cpu.idtrBase = CEA.idt; cpu.idtrLimit = 256 * 16 - 1;
  loadTaskRegister(cpu, GDT_ENTRY_TSS_SEL);
}

/** Low half of the kernel CR3: the kernel PGD with kern_pcid(0) = 1 when PCIDs are used. */
export function kernelCr3Lo(mm: AddressSpace, cfg: EntryConfig): number {
  return mm.pml4 | (cfg.pcid ? KERN_PCID : 0);
}

/**
 * ADJUST_KERNEL_CR3 / SWITCH_TO_USER_CR3 arithmetic on a CR3 value (lo half; CR3 < 4 GiB here):
 * kernel = user & ~(PTI_USER_PGTABLE | PTI_USER_PCID); user = kernel | PTI_USER_PGTABLE (| PTI_USER_PCID).
 * The value written carries bit 63 (X86_CR3_PCID_NOFLUSH) in its high half with PCIDs: cr3WriteHi.
 * (Halves as numbers rather than a [lo, hi] pair: this runs twice per system call.)
 */
export function adjustKernelCr3(cr3Lo: number): number {
  return cr3Lo & ~(PTI_USER_PGTABLE | X86_CR3_PTI_PCID_USER);
}
export function adjustUserCr3(cr3Lo: number, cfg: EntryConfig): number {
  return cr3Lo | PTI_USER_PGTABLE | (cfg.pcid ? X86_CR3_PTI_PCID_USER : 0);
}
/** The high half of the entry code's CR3 writes: the no-flush bit with PCIDs. */
export function cr3WriteHi(cfg: EntryConfig): number {
  return cfg.pcid ? CR3_NOFLUSH_HI : 0;
}
