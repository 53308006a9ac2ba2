// fixup_umip_exception (arch/x86/kernel/umip.c): with CR4.UMIP set, SGDT, SIDT, SMSW, STR and SLDT raise
// #GP at CPL 3; Linux emulates them with dummy values instead of sending SIGSEGV, so programs that
// probe them (Wine, some JITs) keep working without learning kernel addresses:
//   SGDT/SIDT  limit 0, base 0xfffffffffffe0000 / 0xffffffffffff0000 (64-bit mode: 10 bytes)
//   SMSW       CR0_STATE = PE|MP|ET|NE|WP|AM|PG;  STR  GDT_ENTRY_TSS * 8 = 0x40;  SLDT  0 (no LDT)
// A register destination receives operand-size bytes (the rest of the register is kept, as Linux
// copies the bytes into the saved registers); a memory destination receives 2 bytes.

import { decode } from '../decoder/decode.js';
import { K } from '../decoder/insn.js';
import type { Cpu } from '../runtime/cpu.js';
import { joinAddr } from '../runtime/mmu.js';
import { effectiveAddress } from '../runtime/sysinsn.js';
import type { Kernel } from './kernel.js';

const CR0_STATE = 0x80050033;
const DUMMY_GDT_BASE = [0xfffe0000 | 0, -1], DUMMY_IDT_BASE = [0xffff0000 | 0, -1];

/** Emulate the instruction at cpu.rip if it is one UMIP covers; true when done (RIP advanced). */
export function fixup_umip_exception(k: Kernel, cpu: Cpu): boolean {
  const bytes: number[] = [];
  for (let i = 0; i < 15; i++) {
    const b = k.uaccess.copyFromUser(cpu.rip + i, 1);
    if (!b) break;
    bytes.push(b[0]);
  }
  if (bytes.length === 0) return false;
  const insn = decode(Uint8Array.from(bytes), 0, bytes.length, cpu.rip, 64);
  const m = insn.mnem;
  if (m !== 'sgdt' && m !== 'sidt' && m !== 'smsw' && m !== 'str' && m !== 'sldt') return false;
  if (insn.k0 === K.Reg) {
    if (m === 'sgdt' || m === 'sidt') return false; // register forms are #UD, not UMIP's
    const v = m === 'smsw' ? CR0_STATE : m === 'str' ? 0x40 : 0;
    const r = insn.r0, g = cpu.regs;
    if (insn.s0 === 2) g[2 * r] = (g[2 * r] & ~0xffff) | (v & 0xffff);
    else if (insn.s0 === 4) g[2 * r] = v | 0;
    else { g[2 * r] = v | 0; g[2 * r + 1] = 0; }
  } else {
    const [lo, hi] = effectiveAddress(cpu, insn);
    const out = new Uint8Array(m === 'sgdt' || m === 'sidt' ? 10 : 2);
    const dv = new DataView(out.buffer);
    if (m === 'sgdt' || m === 'sidt') {
      const base = m === 'sgdt' ? DUMMY_GDT_BASE : DUMMY_IDT_BASE;
      dv.setInt32(2, base[0], true); dv.setInt32(6, base[1], true);
    } else {
      dv.setUint16(0, m === 'smsw' ? CR0_STATE & 0xffff : m === 'str' ? 0x40 : 0, true);
    }
    if (!k.uaccess.copyToUser(joinAddr(lo, hi), out)) return false; // the #GP becomes SIGSEGV
  }
  cpu.rip += insn.len;
  return true;
}
