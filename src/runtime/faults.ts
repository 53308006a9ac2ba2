// Architectural exceptions raised while executing guest code. They are thrown as plain objects (not
// Error subclasses) so that no JS stack trace is captured on the hot fault path (demand paging), and
// caught by the execution loop, which delivers them to the kernel or through the IDT.

export const enum Vec {
  DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8, TS = 10, NP = 11, SS = 12,
  GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19,
}
export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF', 10: '#TS',
  11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC', 18: '#MC', 19: '#XM',
};

/** #PF error-code bits (SDM vol. 3, 4.7). */
export const enum PfErr { P = 1, W = 2, U = 4, RSVD = 8, I = 16 }

export class GuestFault {
  constructor(
    public vector: number,
    public errorCode: number = 0,
    /** For #PF: the faulting linear address (exact signed number). */
    public cr2: number = 0,
    /** Optional human detail (e.g. the undecodable bytes) for the one-line diagnostic. */
    public detail: string = '',
    /** Traps (int3, int n) report the address AFTER the instruction; faults the instruction itself. */
    public trap: boolean = false,
  ) {}
  describe(): string {
    const name = VECTOR_NAMES[this.vector] ?? `vector ${this.vector}`;
    if (this.vector === Vec.PF) return `${name} at address ${hex(this.cr2)} (error code ${this.errorCode})`;
    return this.detail ? `${name} (${this.detail})` : name;
  }
}

/**
 * Thrown by the MMU, before anything is written, when generated code stores to a physical page that
 * holds translated code (Mmu.trapCodeWrites). The region's catch writes its state back as of the
 * storing instruction, exactly as for a fault, and the JIT engine re-runs that instruction in the
 * interpreter, whose store invalidates the page's blocks. So generated code needs no self-modifying-
 * code check after each store: the rare store to code is the one that pays.
 */
export class CodeWriteTrap {
  /** Like a fault, not a trap: the region's catch points cpu.rip at the storing instruction. */
  readonly trap = false;
}
export const CODE_WRITE_TRAP = new CodeWriteTrap();

/**
 * Thrown by the wrapper of a wasm region that took a slow exit: a TLB miss, a page-crossing
 * access, a store to translated code, or an instruction that faults. The registers are written back
 * and cpu.rip points at the instruction, which the JIT engine runs in the interpreter, as for
 * CODE_WRITE_TRAP.
 */
export const WASM_SLOW_EXIT = { trap: false };

/** Thrown by the instruction fetch / semantics when the guest must stop for a host reason (exit). */
export class GuestExit {
  constructor(public status: number) {}
}

export function hex(n: number): string {
  return n < 0 ? '-0x' + (-n).toString(16) : '0x' + n.toString(16);
}
/** Render a signed-number address as an unsigned 64-bit hex string (0xffff... for kernel addresses). */
export function hexAddr(n: number): string {
  if (n >= 0) return '0x' + n.toString(16);
  const hi = Math.floor(n / 4294967296) >>> 0;
  const lo = (n - Math.floor(n / 4294967296) * 4294967296) >>> 0;
  return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}
