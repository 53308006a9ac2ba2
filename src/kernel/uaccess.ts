// copy_from_user and friends: handler access to user memory through the MMU with CPL-3 permission
// semantics, whatever the CPU's current privilege (handlers run after the syscall transition, at CPL 0).
// A pointer into the kernel half, a non-canonical pointer, a hole or a protection violation makes the
// call fail (-> -EFAULT) instead of throwing; a valid but not-yet-populated page is demand-paged first,
// as a real user access would be (Linux's exception-table fixup + handle_mm_fault).
//
// Writes that land on a physical page holding translated code are reported to the MMU's onCodeWrite
// hook first, exactly like guest stores, so read() into a JIT buffer invalidates stale blocks.

import type { Cpu } from '../runtime/cpu.js';
import { GuestFault } from '../runtime/faults.js';
import { Access, addrHi, addrLo } from '../runtime/mmu.js';
import { FaultResult, PAGE_SIZE, TASK_SIZE, type AddressSpace } from './mm.js';
import { E, type UserAccess } from './types.js';

export class UserMemory implements UserAccess {
  constructor(private readonly cpu: Cpu, private readonly mmRef: () => AddressSpace) {}

  /** True if [addr, addr+len) lies in the user half (access_ok). */
  static accessOk(addr: number, len: number): boolean {
    return Number.isFinite(addr) && addr >= 0 && len >= 0 && addr + len <= TASK_SIZE;
  }

  /**
   * Physical address for one user byte, demand-paging if needed; -1 on fault. Never throws.
   */
  translate(addr: number, access: Access): number {
    if (!(addr >= 0 && addr < TASK_SIZE)) return -1;
    const mmu = this.cpu.mmu;
    const lo = addrLo(addr), hi = addrHi(addr);
    const savedCpl = mmu.cpl;
    mmu.setCpl(3);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const pa = mmu.translate(lo, hi, access);
          if (access === Access.Write) {
            const pn = pa >>> 12;
            if (pn < mmu.codePages.length && mmu.codePages[pn] && mmu.onCodeWrite) mmu.onCodeWrite(pn);
          }
          return pa;
        } catch (e) {
          if (!(e instanceof GuestFault)) return -1;
          if (attempt > 0 || this.mmRef().fault(addr, access) !== FaultResult.Fixed) return -1;
        }
      }
      return -1;
    } catch {
      return -1;
    } finally {
      mmu.setCpl(savedCpl);
    }
  }

  /** Check that [addr, addr+len) is accessible (faulting pages in); false on fault. */
  probe(addr: number, len: number, access: Access): boolean {
    if (!UserMemory.accessOk(addr, len)) return false;
    for (let a = addr; a < addr + len; a = (Math.floor(a / PAGE_SIZE) + 1) * PAGE_SIZE) {
      if (this.translate(a, access) < 0) return false;
    }
    return true;
  }

  copyFromUser(addr: number, len: number): Uint8Array | null {
    if (!UserMemory.accessOk(addr, len)) return null;
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const pa = this.translate(a, Access.Read);
      if (pa < 0) return null;
      const n = Math.min(len - done, PAGE_SIZE - (a % PAGE_SIZE));
      out.set(this.cpu.mem.u8.subarray(pa, pa + n), done);
      done += n;
    }
    return out;
  }

  copyToUser(addr: number, data: Uint8Array): boolean {
    const len = data.length;
    if (!UserMemory.accessOk(addr, len)) return false;
    // Probe every page first so a fault leaves guest memory untouched.
    if (!this.probe(addr, len, Access.Write)) return false;
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const pa = this.translate(a, Access.Write);
      if (pa < 0) return false;
      const n = Math.min(len - done, PAGE_SIZE - (a % PAGE_SIZE));
      this.cpu.mem.u8.set(data.subarray(done, done + n), pa);
      done += n;
    }
    return true;
  }

  /** Bytes of a NUL-terminated string (without the NUL); null on fault, -1 when longer than max. */
  strnBytesFromUser(addr: number, max: number): Uint8Array | null | -1 {
    if (!(addr >= 0 && addr < TASK_SIZE)) return null;
    const chunks: Uint8Array[] = [];
    let total = 0;
    let a = addr;
    while (total < max) {
      const pa = this.translate(a, Access.Read);
      if (pa < 0) return null;
      const n = Math.min(max - total, PAGE_SIZE - (a % PAGE_SIZE));
      const u8 = this.cpu.mem.u8;
      const z = u8.subarray(pa, pa + n).indexOf(0);
      if (z >= 0) {
        chunks.push(u8.slice(pa, pa + z));
        total += z;
        return concat(chunks, total);
      }
      chunks.push(u8.slice(pa, pa + n));
      total += n;
      a += n;
    }
    return -1;
  }

  strncpyFromUser(addr: number, max: number): string | null | number {
    const b = this.strnBytesFromUser(addr, max);
    if (b === null) return null;
    if (b === -1) return E.ENAMETOOLONG;
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  }

  putU32(addr: number, v: number): boolean {
    if (!UserMemory.accessOk(addr, 4)) return false;
    if (addr % PAGE_SIZE > PAGE_SIZE - 4) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, v >>> 0, true);
      return this.copyToUser(addr, b);
    }
    const pa = this.translate(addr, Access.Write);
    if (pa < 0) return false;
    this.cpu.mem.dv.setInt32(pa, v | 0, true);
    return true;
  }

  putU64(addr: number, v: number): boolean {
    if (!UserMemory.accessOk(addr, 8)) return false;
    const lo = addrLo(v), hi = addrHi(v);
    if (addr % PAGE_SIZE > PAGE_SIZE - 8) {
      const b = new Uint8Array(8);
      const dv = new DataView(b.buffer);
      dv.setInt32(0, lo, true);
      dv.setInt32(4, hi, true);
      return this.copyToUser(addr, b);
    }
    const pa = this.translate(addr, Access.Write);
    if (pa < 0) return false;
    this.cpu.mem.dv.setInt32(pa, lo, true);
    this.cpu.mem.dv.setInt32(pa + 4, hi, true);
    return true;
  }

  getU32(addr: number): number | null {
    if (!UserMemory.accessOk(addr, 4)) return null;
    if (addr % PAGE_SIZE > PAGE_SIZE - 4) {
      const b = this.copyFromUser(addr, 4);
      return b ? new DataView(b.buffer).getUint32(0, true) : null;
    }
    const pa = this.translate(addr, Access.Read);
    return pa < 0 ? null : this.cpu.mem.dv.getUint32(pa, true);
  }

  getU64(addr: number): number | null {
    if (!UserMemory.accessOk(addr, 8)) return null;
    let lo: number, hi: number;
    if (addr % PAGE_SIZE > PAGE_SIZE - 8) {
      const b = this.copyFromUser(addr, 8);
      if (!b) return null;
      const dv = new DataView(b.buffer);
      lo = dv.getUint32(0, true); hi = dv.getUint32(4, true);
    } else {
      const pa = this.translate(addr, Access.Read);
      if (pa < 0) return null;
      lo = this.cpu.mem.dv.getUint32(pa, true); hi = this.cpu.mem.dv.getUint32(pa + 4, true);
    }
    return hi * 4294967296 + lo;
  }

  /** 64-bit value as [lo, hi] int32 halves (exact for every value); null on fault. */
  getU64Halves(addr: number): [number, number] | null {
    const b = this.copyFromUser(addr, 8);
    if (!b) return null;
    const dv = new DataView(b.buffer);
    return [dv.getInt32(0, true), dv.getInt32(4, true)];
  }

  /**
   * A NULL-terminated array of string pointers (argv/envp). Returns null on a fault, and also when
   * there are more than maxCount entries or a string is longer than maxLen (the caller's E2BIG).
   */
  readStringArray(addr: number, maxCount: number, maxLen: number): string[] | null {
    const out: string[] = [];
    for (let i = 0; ; i++) {
      const p = this.getU64(addr + 8 * i);
      if (p === null) return null;
      if (p === 0) return out;
      if (i >= maxCount) return null;
      const s = this.strncpyFromUser(p, maxLen);
      if (typeof s !== 'string') return null;
      out.push(s);
    }
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}
