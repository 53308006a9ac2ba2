// RDMSR and WRMSR (SDM vol. 2B; the MSR layouts are SDM vol. 4, table 2-2): the architectural MSRs the
// syscall/sysenter paths, segment bases, the TSC and long mode need. Every other MSR number raises
// #GP(0), as does a write that sets a reserved bit or puts a non-canonical address into an MSR that
// holds one (the WRMSR exception list: FS_BASE, GS_BASE, KERNEL_GS_BASE, LSTAR, SYSENTER_EIP,
// SYSENTER_ESP; CSTAR too, as on AMD where it is used). Values travel as int32 halves (lo = EAX,
// hi = EDX) so 64-bit patterns stay exact.

import { type Cpu } from './cpu.js';
import { GuestFault, Vec } from './faults.js';
import { joinAddr } from './mmu.js';

export const MSR_IA32_TSC = 0x10;
export const MSR_IA32_SYSENTER_CS = 0x174;
export const MSR_IA32_SYSENTER_ESP = 0x175;
export const MSR_IA32_SYSENTER_EIP = 0x176;
export const MSR_EFER = 0xc0000080;
export const MSR_STAR = 0xc0000081;
export const MSR_LSTAR = 0xc0000082;
export const MSR_CSTAR = 0xc0000083;
export const MSR_SYSCALL_MASK = 0xc0000084;
export const MSR_FS_BASE = 0xc0000100;
export const MSR_GS_BASE = 0xc0000101;
export const MSR_KERNEL_GS_BASE = 0xc0000102;
export const MSR_TSC_AUX = 0xc0000103;

/** EFER bits: SCE (syscall enable), LME, LMA (read-only), NXE; all others are reserved. */
export const EFER_SCE = 1 << 0, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;
const EFER_WRITABLE = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;

export const MSR_NAMES: Record<number, string> = {
  [MSR_IA32_TSC]: 'IA32_TSC', [MSR_IA32_SYSENTER_CS]: 'IA32_SYSENTER_CS', [MSR_IA32_SYSENTER_ESP]: 'IA32_SYSENTER_ESP',
  [MSR_IA32_SYSENTER_EIP]: 'IA32_SYSENTER_EIP', [MSR_EFER]: 'IA32_EFER', [MSR_STAR]: 'IA32_STAR',
  [MSR_LSTAR]: 'IA32_LSTAR', [MSR_CSTAR]: 'IA32_CSTAR', [MSR_SYSCALL_MASK]: 'IA32_FMASK', [MSR_FS_BASE]: 'IA32_FS_BASE',
  [MSR_GS_BASE]: 'IA32_GS_BASE', [MSR_KERNEL_GS_BASE]: 'IA32_KERNEL_GS_BASE', [MSR_TSC_AUX]: 'IA32_TSC_AUX',
};

/** The time-stamp counter before cpu.tscOffset is added (the helpers supply it: wall clock or instret). */
export type TscSource = (cpu: Cpu) => number;

function gp(detail: string): GuestFault { return new GuestFault(Vec.GP, 0, 0, detail); }
/** A canonical 48-bit address: bits 63:47 all equal. */
export function isCanonical(hi: number): boolean { return ((hi << 16) >> 16) === hi; }
function hex32(v: number): string { return '0x' + (v >>> 0).toString(16); }

/** RDMSR: returns [EAX, EDX]. #GP(0) for an MSR this CPU does not have. */
export function rdmsr(cpu: Cpu, ecx: number, tsc: TscSource): [number, number] {
  const n = ecx >>> 0;
  switch (n) {
    case MSR_IA32_TSC: return halves(tsc(cpu) + cpu.tscOffset);
    case MSR_IA32_SYSENTER_CS: return [cpu.sysenterCs | 0, cpu.sysenterCsHi];
    case MSR_IA32_SYSENTER_ESP: return halves(cpu.sysenterEsp);
    case MSR_IA32_SYSENTER_EIP: return halves(cpu.sysenterEip);
    case MSR_EFER: return [cpu.efer, 0];
    case MSR_STAR: return [cpu.starLo, cpu.starHi];
    case MSR_LSTAR: return halves(cpu.lstar);
    case MSR_CSTAR: return halves(cpu.cstar);
    case MSR_SYSCALL_MASK: return [cpu.sfmask | 0, 0];
    case MSR_FS_BASE: return [cpu.fsBaseLo, cpu.fsBaseHi];
    case MSR_GS_BASE: return [cpu.gsBaseLo, cpu.gsBaseHi];
    case MSR_KERNEL_GS_BASE: return [cpu.kernelGsBaseLo, cpu.kernelGsBaseHi];
    case MSR_TSC_AUX: return [cpu.tscAux | 0, 0];
    default: throw gp(`rdmsr of unknown MSR ${hex32(n)}`);
  }
}

/**
 * WRMSR of EDX:EAX = (hi, lo). All checks happen before any state changes, so a #GP leaves the MSR as
 * it was. A change of EFER.NXE flushes the TLB (translations were cached under the old rule).
 */
export function wrmsr(cpu: Cpu, ecx: number, lo: number, hi: number, tsc: TscSource): void {
  const n = ecx >>> 0;
  const name = MSR_NAMES[n] ?? hex32(n);
  const canonical = (): number => {
    if (!isCanonical(hi)) throw gp(`wrmsr ${name}: non-canonical address`);
    return joinAddr(lo, hi);
  };
  const reserved = (cond: boolean): void => { if (cond) throw gp(`wrmsr ${name}: reserved bits set`); };
  switch (n) {
    case MSR_IA32_TSC: cpu.tscOffset = joinAddr(lo, hi) - tsc(cpu); return;
    case MSR_IA32_SYSENTER_CS: cpu.sysenterCs = lo >>> 0; cpu.sysenterCsHi = hi; return; // 63:16 "not used", kept
    case MSR_IA32_SYSENTER_ESP: cpu.sysenterEsp = canonical(); return;
    case MSR_IA32_SYSENTER_EIP: cpu.sysenterEip = canonical(); return;
    case MSR_EFER: {
      reserved(hi !== 0 || (lo & ~EFER_WRITABLE) !== 0);
      // LME cannot change while paging is on (leaving or entering long mode needs CR0.PG = 0 first).
      if ((cpu.cr0 & 0x80000000) && ((lo ^ cpu.efer) & EFER_LME)) throw gp('wrmsr IA32_EFER: LME changed with CR0.PG = 1');
      const old = cpu.efer;
      cpu.efer = (lo & ~EFER_LMA) | (old & EFER_LMA); // LMA is read-only: writes are ignored
      if ((old ^ cpu.efer) & EFER_NXE) {
        cpu.mmu.nxEnabled = (cpu.efer & EFER_NXE) !== 0;
        cpu.mmu.flushAllPcids(false); // cached translations were built under the old NX rule
      }
      return;
    }
    case MSR_STAR: cpu.starLo = lo; cpu.starHi = hi; return;
    case MSR_LSTAR: cpu.lstar = canonical(); return;
    case MSR_CSTAR: cpu.cstar = canonical(); return;
    case MSR_SYSCALL_MASK: reserved(hi !== 0); cpu.sfmask = lo >>> 0; return;
    case MSR_FS_BASE: canonical(); cpu.fsBaseLo = lo; cpu.fsBaseHi = hi; return;
    case MSR_GS_BASE: canonical(); cpu.gsBaseLo = lo; cpu.gsBaseHi = hi; return;
    case MSR_KERNEL_GS_BASE: canonical(); cpu.kernelGsBaseLo = lo; cpu.kernelGsBaseHi = hi; return;
    case MSR_TSC_AUX: reserved(hi !== 0); cpu.tscAux = lo >>> 0; return;
    default: throw gp(`wrmsr to unknown MSR ${hex32(n)}`);
  }
}

/** Exact signed number -> [lo, hi] halves. */
function halves(v: number): [number, number] {
  return [v % 4294967296 | 0, Math.floor(v / 4294967296) | 0];
}
