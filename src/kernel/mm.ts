// A process's address space (Linux's mm_struct): the list of VMAs and the 4-level page tables that
// back them, built in guest physical memory so the MMU walks exactly what a real CPU would.
//
// User pages are populated on demand: a VMA only records what a range should contain (zero pages, or
// a private copy of file bytes), and the first #PF inside it allocates a frame, fills it and writes the
// PTE (mm/memory.c's handle_mm_fault, without the page cache: every private page is a fresh copy).
// Every PTE change of a page that may be cached in the TLB is followed by mmu.flushPage.
//
// PTE conventions (x86-64, EFER.NXE on):
//   user leaf:   frame | P | US | RW (if PROT_WRITE) | NX (bit 63, if not PROT_EXEC)
//   PROT_NONE:   P = 0 with the frame bits kept (like Linux's _PAGE_PROTNONE): the contents survive a
//                later mprotect back to an accessible protection.
//   user tables: P | RW | US (the leaf decides); kernel tables: P | RW; kernel leaves: US = 0, G.
// A PTE "owns" its frame when its frame bits are non-zero (physical frame 0 is never allocated).
//
// Address-space layout (Linux x86-64, 4-level paging, no ASLR):
//   TASK_SIZE      0x7ffffffff000   top of user space (one guard page below the canonical hole)
//   STACK_TOP      = TASK_SIZE; the stack VMA is [STACK_TOP - 8 MiB, STACK_TOP) (RLIMIT_STACK)
//   mmap_base      STACK_TOP - 128 MiB = 0x7ffff7fff000 (mm/util.c mmap_base(): the gap is
//                  RLIMIT_STACK + stack_guard_gap, at least 128 MiB); mmap allocates top-down below it
//   ELF_ET_DYN_BASE 0x555555554000  where a static-pie is loaded
//   mmap_min_addr  0x10000

import type { PhysicalMemory } from '../runtime/memory.js';
import { Access, addrHi, addrLo, type Mmu } from '../runtime/mmu.js';
import { E } from './types.js';

export const PAGE_SIZE = 4096;
export const TASK_SIZE = 0x7ffffffff000;
export const STACK_TOP = TASK_SIZE;
export const STACK_RLIMIT = 8 << 20;
export const MMAP_MIN_ADDR = 0x10000;
export const MMAP_BASE = STACK_TOP - (128 << 20);
export const ELF_ET_DYN_BASE = 0x555555554000;
/** Where the bottom-up fallback search starts (TASK_UNMAPPED_BASE = TASK_SIZE / 3, page aligned). */
export const TASK_UNMAPPED_BASE = Math.floor(TASK_SIZE / 3 / PAGE_SIZE) * PAGE_SIZE;

export * from './mm_types.js';
import {
  MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_FREE, MADV_HWPOISON, MADV_REMOVE, MADV_SOFT_OFFLINE, MAP_32BIT,
  MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED, MAP_TYPE, MREMAP_DONTUNMAP,
  MREMAP_FIXED, MREMAP_MAYMOVE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, PROT_NONE, PROT_READ, PROT_WRITE,
  FaultResult, type FileBacking, Vma,
} from './mm_types.js';

// PTE bits (low dword) and NX (high dword bit 31).
export const PTE_P = 1, PTE_RW = 2, PTE_US = 4, PTE_PWT = 8, PTE_PCD = 0x10, PTE_A = 0x20, PTE_D = 0x40;
export const PTE_PS = 0x80, PTE_G = 0x100;
export const PTE_NX_HI = 0x80000000 | 0;
const FRAME_MASK = 0x7ffff000; // physical memory is below 2 GiB

export function pageAlignUp(n: number): number { return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE; }
export function pageAlignDown(n: number): number { return Math.floor(n / PAGE_SIZE) * PAGE_SIZE; }
function isAligned(n: number): boolean { return n % PAGE_SIZE === 0; }

const SZ_512G = 2 ** 39, SZ_1G = 2 ** 30, SZ_2M = 2 ** 21;

export class AddressSpace {
  /** Physical address of the PML4. */
  readonly pml4: number;
  /** Sorted, non-overlapping VMAs. */
  vmas: Vma[] = [];
  startBrk = 0;
  brk = 0;
  mmapBase = MMAP_BASE;
  /** Frames used by user pages (for --stats). */
  userPages = 0;
  /**
   * Called before a range that was mapped executable is unmapped, re-protected or moved (the
   * translations still exist when it runs), so translated blocks from it can be invalidated.
   */
  onCodeUnmap?: (startAddr: number, len: number) => void;

  /**
   * KPTI (see pti.ts): the kernel PGD maps user memory non-executable, as pti_set_user_pgtbl makes it.
   * The user PGD (pml4 + 0x1000) always shares the user half's lower-level tables.
   */
  pti = false;

  constructor(readonly mem: PhysicalMemory, readonly mmu: Mmu) {
    this.pml4 = mem.allocFramePair(); // the kernel/user PGD pair, 8 KiB aligned
  }

  /** The user copy of the PGD (KPTI): kernel PGD | 0x1000. */
  get userPgd(): number { return this.pml4 + PAGE_SIZE; }

  // ---- page tables --------------------------------------------------------------------------------

  /**
   * Physical address of the level-1 PTE for a virtual address (as halves), or -1 when a table on the
   * way is missing and create is false. Tables created for the user half are P|RW|US.
   */
  private pteAddr(lo: number, hi: number, create: boolean, root = this.pml4): number {
    const user = hi >= 0;
    const idx0 = (hi >>> 7) & 511, idx1 = ((hi & 0x7f) << 2) | (lo >>> 30), idx2 = (lo >>> 21) & 511;
    let table = root;
    for (const idx of [idx0, idx1, idx2]) {
      const ea = table + idx * 8;
      const e = this.mem.dv.getInt32(ea, true);
      if (e & PTE_P) {
        if (e & PTE_PS) throw new Error('ringjit internal error: large page in a kernel-built page table');
        table = e & FRAME_MASK;
        continue;
      }
      if (!create) return -1;
      const t = this.mem.allocFrame(); // may replace mem.dv
      this.mem.dv.setInt32(ea, t | PTE_P | PTE_RW | (user ? PTE_US : 0), true);
      this.mem.dv.setInt32(ea + 4, 0, true);
      if (user && table === root) {
        // A new user-half PGD entry goes into both PGDs of the pair (pti_set_user_pgtbl); the kernel
        // copy is NX under KPTI, so ring 0 can never execute user memory.
        const userEa = this.userPgd + idx * 8;
        this.mem.dv.setInt32(userEa, t | PTE_P | PTE_RW | PTE_US, true);
        this.mem.dv.setInt32(userEa + 4, 0, true);
        if (this.pti) this.mem.dv.setInt32(ea + 4, PTE_NX_HI, true);
      }
      table = t;
    }
    return table + ((lo >>> 12) & 511) * 8;
  }

  /**
   * Map one supervisor page of the kernel half, in the kernel PGD or (KPTI) the user PGD, whose
   * kernel half has tables of its own.
   */
  mapKernelPage(va: number, frame: number, writable: boolean, exec: boolean, global = true, root = this.pml4): void {
    const lo = addrLo(va), hi = addrHi(va);
    const pa = this.pteAddr(lo, hi, true, root);
    const dv = this.mem.dv;
    dv.setInt32(pa, frame | PTE_P | PTE_A | (global ? PTE_G : 0) | (writable ? PTE_RW | PTE_D : 0), true);
    dv.setInt32(pa + 4, exec ? 0 : PTE_NX_HI, true);
    this.mmu.flushPage(lo, hi);
  }

  /** The PTE (low, high) for a user address, or null if no page table covers it. */
  readPte(va: number): [number, number] | null {
    const pa = this.pteAddr(addrLo(va), addrHi(va), false);
    if (pa < 0) return null;
    return [this.mem.dv.getInt32(pa, true), this.mem.dv.getInt32(pa + 4, true)];
  }

  private static leafBits(prot: number): [number, number] {
    const lo = prot === PROT_NONE ? 0 : PTE_P | PTE_US | (prot & PROT_WRITE ? PTE_RW : 0);
    return [lo, prot & PROT_EXEC ? 0 : PTE_NX_HI];
  }

  /**
   * Visit every user PTE in [start, end) that owns a frame, skipping absent tables a whole 2M/1G/512G
   * at a time. fn gets the PTE's physical address and the page's virtual address.
   */
  private forEachOwnedPte(start: number, end: number, fn: (pte: number, va: number) => void): void {
    let va = start;
    while (va < end) {
      const i0 = Math.floor(va / SZ_512G) % 512, i1 = Math.floor(va / SZ_1G) % 512, i2 = Math.floor(va / SZ_2M) % 512;
      const e0 = this.mem.dv.getInt32(this.pml4 + i0 * 8, true);
      if (!(e0 & PTE_P)) { va = (Math.floor(va / SZ_512G) + 1) * SZ_512G; continue; }
      const e1 = this.mem.dv.getInt32((e0 & FRAME_MASK) + i1 * 8, true);
      if (!(e1 & PTE_P)) { va = (Math.floor(va / SZ_1G) + 1) * SZ_1G; continue; }
      const e2 = this.mem.dv.getInt32((e1 & FRAME_MASK) + i2 * 8, true);
      const next2M = (Math.floor(va / SZ_2M) + 1) * SZ_2M;
      if (!(e2 & PTE_P)) { va = next2M; continue; }
      const pt = e2 & FRAME_MASK;
      const stop = Math.min(end, next2M);
      for (; va < stop; va += PAGE_SIZE) {
        const pte = pt + (Math.floor(va / PAGE_SIZE) % 512) * 8;
        if (this.mem.dv.getInt32(pte, true) & FRAME_MASK) fn(pte, va);
      }
    }
  }

  private flush(va: number): void { this.mmu.flushPage(addrLo(va), addrHi(va)); }

  /** Free the frames of [start, end) and clear their PTEs (zap_page_range). */
  private zap(start: number, end: number): void {
    this.forEachOwnedPte(start, end, (pte, va) => {
      const dv = this.mem.dv;
      const frame = dv.getInt32(pte, true) & FRAME_MASK;
      dv.setInt32(pte, 0, true);
      dv.setInt32(pte + 4, 0, true);
      this.flush(va);
      this.mem.freeFrame(frame);
      this.userPages--;
    });
  }

  /** Rewrite the permission bits of the present pages of [start, end) for a new protection. */
  private reprotect(start: number, end: number, prot: number): void {
    const [bitsLo, bitsHi] = AddressSpace.leafBits(prot);
    this.forEachOwnedPte(start, end, (pte, va) => {
      const dv = this.mem.dv;
      const old = dv.getInt32(pte, true);
      // Keep the frame and A/D; replace P/RW/US/NX.
      dv.setInt32(pte, (old & (FRAME_MASK | PTE_A | PTE_D)) | bitsLo, true);
      dv.setInt32(pte + 4, bitsHi, true);
      this.flush(va);
    });
  }

  // ---- VMAs ---------------------------------------------------------------------------------------

  /** The VMA containing addr, or undefined. */
  find(addr: number): Vma | undefined {
    const i = this.indexAfter(addr);
    const v = this.vmas[i];
    return v && v.start <= addr ? v : undefined;
  }

  /** Index of the first VMA whose end is above addr. */
  private indexAfter(addr: number): number {
    let lo = 0, hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.vmas[mid].end <= addr) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** True when no VMA intersects [start, end). */
  isFree(start: number, end: number): boolean {
    const v = this.vmas[this.indexAfter(start)];
    return !v || v.start >= end;
  }

  /** True when [start, end) is entirely covered by VMAs. */
  isCovered(start: number, end: number): boolean {
    let at = start;
    for (let i = this.indexAfter(start); i < this.vmas.length && at < end; i++) {
      const v = this.vmas[i];
      if (v.start > at) return false;
      at = v.end;
    }
    return at >= end;
  }

  /** Split the VMA that straddles addr (if any) so that a VMA boundary falls on addr. */
  private splitAt(addr: number): void {
    const i = this.indexAfter(addr);
    const v = this.vmas[i];
    if (!v || v.start >= addr) return;
    const tail = new Vma(addr, v.end, v.prot, v.flags, v.file, v.file ? v.offset + (addr - v.start) : 0, v.fileEnd, v.name);
    v.end = addr;
    this.vmas.splice(i + 1, 0, tail);
  }

  private static mergeable(a: Vma, b: Vma): boolean {
    if (a.end !== b.start || a.prot !== b.prot || a.flags !== b.flags || a.name !== b.name || a.file !== b.file) return false;
    return !a.file || (b.offset === a.offset + (a.end - a.start) && a.fileEnd === b.fileEnd);
  }

  /** Merge VMAs around indexes [from, to] with their neighbours where Linux's vma_merge would. */
  private mergeAround(from: number, to: number): void {
    for (let i = Math.min(to, this.vmas.length - 2); i >= Math.max(from - 1, 0); i--) {
      const a = this.vmas[i], b = this.vmas[i + 1];
      if (b && AddressSpace.mergeable(a, b)) {
        a.end = b.end;
        this.vmas.splice(i + 1, 1);
      }
    }
  }

  private insert(v: Vma): void {
    const i = this.indexAfter(v.start);
    this.vmas.splice(i, 0, v);
    this.mergeAround(i, i);
  }

  /** Remove every mapping in [start, end): split, call the code hook, free frames (do_vmi_munmap). */
  private removeRange(start: number, end: number): void {
    if (this.isFree(start, end)) return;
    this.splitAt(start);
    this.splitAt(end);
    const i = this.indexAfter(start);
    let j = i;
    while (j < this.vmas.length && this.vmas[j].start < end) j++;
    const removed = this.vmas.splice(i, j - i);
    for (const v of removed) {
      if (v.prot & PROT_EXEC) this.onCodeUnmap?.(v.start, v.end - v.start);
      this.zap(v.start, v.end);
    }
  }

  // ---- demand paging ------------------------------------------------------------------------------

  /**
   * Resolve a user fault at addr for an access (do_user_addr_fault + handle_mm_fault): map the page
   * if the VMA allows the access, else say why not.
   */
  fault(addr: number, access: Access): FaultResult {
    if (!(addr >= 0 && addr < TASK_SIZE)) return FaultResult.MapErr;
    const v = this.find(addr);
    if (!v) return FaultResult.MapErr;
    if (access === Access.Write ? !(v.prot & PROT_WRITE) : access === Access.Exec ? !(v.prot & PROT_EXEC) : v.prot === PROT_NONE) {
      return FaultResult.AccErr;
    }
    const page = pageAlignDown(addr);
    const lo = addrLo(page), hi = addrHi(page);
    let pte: number;
    try {
      pte = this.pteAddr(lo, hi, true);
      const cur = this.mem.dv.getInt32(pte, true);
      if (cur & FRAME_MASK) {
        // Already populated (e.g. a stale TLB entry): make the PTE match the VMA and retry.
        const [bitsLo, bitsHi] = AddressSpace.leafBits(v.prot);
        this.mem.dv.setInt32(pte, (cur & (FRAME_MASK | PTE_A | PTE_D)) | bitsLo, true);
        this.mem.dv.setInt32(pte + 4, bitsHi, true);
        this.mmu.flushPage(lo, hi);
        return FaultResult.Fixed;
      }
      const frame = this.mem.allocFrame(); // may replace mem.u8/dv (physical addresses stay valid)
      if (v.file) this.fillFromFile(frame, v, page);
      const [bitsLo, bitsHi] = AddressSpace.leafBits(v.prot);
      this.mem.dv.setInt32(pte, frame | bitsLo, true);
      this.mem.dv.setInt32(pte + 4, bitsHi, true);
      this.userPages++;
    } catch (e) {
      if (e instanceof RangeError) return FaultResult.Oom;
      throw e;
    }
    // No TLB flush: the entry was not present, and a not-present translation is never cached (the
    // MMU raises #PF before filling, as the SDM's TLB rules say), so no stale entry can exist.
    return FaultResult.Fixed;
  }

  private fillFromFile(frame: number, v: Vma, page: number): void {
    const f = v.file!;
    const off = v.offset + (page - v.start);
    const limit = Math.min(v.fileEnd, f.data.length);
    const n = Math.min(PAGE_SIZE, limit - off);
    if (n > 0) this.mem.u8.set(f.data.subarray(off, off + n), frame);
  }

  // ---- mmap family (mm/mmap.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c) ---------------------------

  /**
   * Find a free range of len bytes (get_unmapped_area): the hint if it is free, else top-down below
   * mmap_base, else bottom-up from TASK_UNMAPPED_BASE. Returns the address or -ENOMEM.
   */
  getUnmappedArea(len: number, hint: number, flags: number): number {
    if (len > TASK_SIZE - MMAP_MIN_ADDR) return -E.ENOMEM;
    if (hint) {
      const a = pageAlignUp(hint);
      if (a >= MMAP_MIN_ADDR && a <= TASK_SIZE - len && this.isFree(a, a + len)) return a;
    }
    if (flags & MAP_32BIT) {
      const r = this.searchBottomUp(len, 0x40000000, 0x80000000);
      return r >= 0 ? r : -E.ENOMEM;
    }
    const r = this.searchTopDown(len, MMAP_MIN_ADDR, this.mmapBase);
    if (r >= 0) return r;
    const r2 = this.searchBottomUp(len, TASK_UNMAPPED_BASE, TASK_SIZE);
    return r2 >= 0 ? r2 : -E.ENOMEM;
  }

  private searchTopDown(len: number, low: number, high: number): number {
    const vs = this.vmas;
    for (let i = vs.length; i >= 0; i--) {
      const gapEnd = Math.min(i < vs.length ? vs[i].start : TASK_SIZE, high);
      const gapStart = Math.max(i > 0 ? vs[i - 1].end : 0, low);
      if (gapEnd - gapStart >= len) return gapEnd - len;
      if (i > 0 && vs[i - 1].end <= low) break;
    }
    return -1;
  }

  private searchBottomUp(len: number, low: number, high: number): number {
    const vs = this.vmas;
    for (let i = 0; i <= vs.length; i++) {
      const gapStart = Math.max(i > 0 ? vs[i - 1].end : 0, low);
      const gapEnd = Math.min(i < vs.length ? vs[i].start : TASK_SIZE, high);
      if (gapEnd - gapStart >= len) return gapStart;
      if (i < vs.length && vs[i].start >= high) break;
    }
    return -1;
  }

  /**
   * The core of mmap (do_mmap) after argument decoding. len > 0; offset page aligned. Returns the
   * address or -errno.
   */
  mmap(addr: number, len: number, prot: number, flags: number, file: FileBacking | null, offset = 0,
    fileEnd = Infinity, name = ''): number {
    len = pageAlignUp(len);
    if (len === 0 || len > TASK_SIZE) return -E.ENOMEM;
    let at: number;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
      if (!isAligned(addr)) return -E.EINVAL;
      if (addr + len > TASK_SIZE || addr < 0) return -E.ENOMEM;
      if (addr < MMAP_MIN_ADDR) return -E.EPERM;
      if (!(flags & MAP_FIXED) && !this.isFree(addr, addr + len)) return -E.EEXIST;
      at = addr;
      this.removeRange(at, at + len);
    } else {
      at = this.getUnmappedArea(len, addr, flags);
      if (at < 0) return at;
    }
    const shared = (flags & MAP_TYPE) === MAP_PRIVATE ? MAP_PRIVATE : MAP_SHARED;
    const vflags = shared | (file ? 0 : MAP_ANONYMOUS) | (flags & MAP_GROWSDOWN);
    this.insert(new Vma(at, at + len, prot & (PROT_READ | PROT_WRITE | PROT_EXEC), vflags, file, file ? offset : 0,
      file ? fileEnd : Infinity, name || (file ? file.path : '')));
    return at;
  }

  /** munmap: 0 or -errno. */
  munmap(start: number, len: number): number {
    if (!isAligned(start) || len <= 0) return -E.EINVAL;
    len = pageAlignUp(len);
    if (start < 0 || start + len > TASK_SIZE) return -E.EINVAL;
    this.removeRange(start, start + len);
    return 0;
  }

  /** mprotect: 0 or -errno. */
  mprotect(start: number, len: number, prot: number): number {
    if (!isAligned(start)) return -E.EINVAL;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) return -E.EINVAL;
    if ((prot & PROT_GROWSDOWN) && (prot & PROT_GROWSUP)) return -E.EINVAL;
    len = pageAlignUp(len);
    if (len === 0) return 0;
    const end = start + len;
    if (start < 0 || end > TASK_SIZE) return -E.ENOMEM;
    if (prot & PROT_GROWSDOWN) {
      // Extend the change down to the start of a grows-down VMA (the stack).
      const v = this.find(start);
      if (!v || !(v.flags & MAP_GROWSDOWN)) return -E.EINVAL;
      start = v.start;
    }
    if (prot & PROT_GROWSUP) return -E.EINVAL;
    prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
    // Like Linux (mprotect_fixup VMA by VMA): ENOMEM at once if start is not mapped; otherwise the
    // change is applied up to the first hole, and then the call fails with ENOMEM.
    const first = this.find(start);
    if (!first) return -E.ENOMEM;
    this.splitAt(start);
    this.splitAt(end);
    const i = this.indexAfter(start);
    let j = i;
    let at = start;
    let result = 0;
    for (; j < this.vmas.length && this.vmas[j].start < end; j++) {
      const v = this.vmas[j];
      if (v.start > at) { result = -E.ENOMEM; break; }
      at = v.end;
      if (v.prot === prot) continue;
      if (v.prot & PROT_EXEC) this.onCodeUnmap?.(v.start, v.end - v.start);
      v.prot = prot;
      this.reprotect(v.start, v.end, prot);
    }
    if (at < end) result = -E.ENOMEM;
    this.mergeAround(i, Math.min(this.indexAfter(end), this.vmas.length - 1));
    return result;
  }

  /** madvise: 0 or -errno. DONTNEED/FREE drop the pages (they refill as zero or from the file). */
  madvise(start: number, len: number, advice: number): number {
    if (!isAligned(start) || start < 0) return -E.EINVAL;
    const known = (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25) || advice === 100 || advice === 101;
    if (!known) return -E.EINVAL;
    len = pageAlignUp(len);
    if (len === 0) return 0;
    const end = start + len;
    if (end > TASK_SIZE) return -E.EINVAL;
    if (advice === MADV_HWPOISON || advice === MADV_SOFT_OFFLINE) return -E.EPERM;
    if (!this.isCovered(start, end)) return -E.ENOMEM;
    if (advice === MADV_DONTNEED || advice === MADV_FREE || advice === MADV_DONTNEED_LOCKED || advice === MADV_REMOVE) {
      // Dropped code pages refill from the file into new frames: translations of the old ones go.
      for (let i = this.indexAfter(start); i < this.vmas.length && this.vmas[i].start < end; i++) {
        const v = this.vmas[i];
        if (v.prot & PROT_EXEC) {
          const a = Math.max(v.start, start), b = Math.min(v.end, end);
          this.onCodeUnmap?.(a, b - a);
        }
      }
      this.zap(start, end);
    }
    return 0;
  }

  /** mremap: the new address or -errno. */
  mremap(oldAddr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return -E.EINVAL;
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return -E.EINVAL;
    if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || oldLen !== newLen)) return -E.EINVAL;
    if (!isAligned(oldAddr)) return -E.EINVAL;
    oldLen = pageAlignUp(oldLen);
    newLen = pageAlignUp(newLen);
    if (newLen === 0) return -E.EINVAL;
    if (oldAddr < 0 || oldAddr + oldLen > TASK_SIZE || newLen > TASK_SIZE) return -E.EINVAL;
    const v = this.find(oldAddr);
    if (!v) return -E.EFAULT;
    // oldLen == 0 asks for a second mapping of a shared mapping's pages; ringjit has no shared pages.
    if (oldLen === 0) return -E.EINVAL;
    if (oldAddr + oldLen > v.end) return -E.EFAULT;

    if (flags & MREMAP_FIXED) {
      if (!isAligned(newAddr)) return -E.EINVAL;
      if (newAddr < MMAP_MIN_ADDR || newAddr + newLen > TASK_SIZE) return -E.EINVAL;
      if (newAddr < oldAddr + oldLen && oldAddr < newAddr + newLen) return -E.EINVAL;
      this.removeRange(newAddr, newAddr + newLen);
      if (oldLen > newLen) { this.removeRange(oldAddr + newLen, oldAddr + oldLen); oldLen = newLen; }
      return this.moveRange(oldAddr, oldLen, newAddr, newLen, (flags & MREMAP_DONTUNMAP) !== 0);
    }
    if (newLen <= oldLen) {
      if (newLen < oldLen) this.removeRange(oldAddr + newLen, oldAddr + oldLen);
      return oldAddr;
    }
    // Grow in place when the range ends at the VMA's end and the space after it is free.
    const oldEnd = oldAddr + oldLen;
    if (oldEnd === v.end && oldAddr + newLen <= TASK_SIZE && this.isFree(oldEnd, oldAddr + newLen) && !(flags & MREMAP_DONTUNMAP)) {
      v.end = oldAddr + newLen;
      this.mergeAround(this.indexAfter(oldAddr), this.indexAfter(oldAddr));
      return oldAddr;
    }
    if (!(flags & MREMAP_MAYMOVE)) return -E.ENOMEM;
    const to = this.getUnmappedArea(newLen, 0, v.flags & MAP_32BIT);
    if (to < 0) return to;
    return this.moveRange(oldAddr, oldLen, to, newLen, (flags & MREMAP_DONTUNMAP) !== 0);
  }

  /**
   * Move [oldAddr, oldAddr+oldLen) (inside one VMA) to a free range at newAddr of newLen >= oldLen
   * bytes, moving the frames (move_page_tables) rather than copying them.
   */
  private moveRange(oldAddr: number, oldLen: number, newAddr: number, newLen: number, dontUnmap: boolean): number {
    this.splitAt(oldAddr);
    this.splitAt(oldAddr + oldLen);
    const i = this.indexAfter(oldAddr);
    const v = this.vmas[i];
    if (v.prot & PROT_EXEC) this.onCodeUnmap?.(oldAddr, oldLen);
    const moved = new Vma(newAddr, newAddr + newLen, v.prot, v.flags, v.file, v.offset, v.fileEnd, v.name);
    try {
      this.forEachOwnedPte(oldAddr, oldAddr + oldLen, (pte, va) => {
        const lo = this.mem.dv.getInt32(pte, true), hi = this.mem.dv.getInt32(pte + 4, true);
        const to = newAddr + (va - oldAddr);
        const npte = this.pteAddr(addrLo(to), addrHi(to), true); // may grow memory: re-read dv below
        const dv = this.mem.dv;
        dv.setInt32(npte, lo, true);
        dv.setInt32(npte + 4, hi, true);
        dv.setInt32(pte, 0, true);
        dv.setInt32(pte + 4, 0, true);
        this.flush(va);
        this.flush(to);
      });
    } catch (e) {
      if (e instanceof RangeError) return -E.ENOMEM;
      throw e;
    }
    if (dontUnmap) {
      // The old range stays mapped but empty: anonymous pages refill as zero.
    } else {
      this.vmas.splice(i, 1);
    }
    this.insert(moved);
    return newAddr;
  }

  /** brk (mm/mmap.c): move the program break; returns the new break, or the old one on failure. */
  setBrk(newBrk: number): number {
    if (!(newBrk >= this.startBrk) || newBrk > TASK_SIZE) return this.brk;
    const oldEnd = pageAlignUp(this.brk), newEnd = pageAlignUp(newBrk);
    if (newEnd === oldEnd) { this.brk = newBrk; return newBrk; }
    if (newEnd < oldEnd) {
      this.removeRange(newEnd, oldEnd);
      this.brk = newBrk;
      return newBrk;
    }
    if (!this.isFree(oldEnd, newEnd)) return this.brk;
    this.insert(new Vma(oldEnd, newEnd, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0, Infinity, '[heap]'));
    this.brk = newBrk;
    return newBrk;
  }

  /** /proc/self/maps text. */
  formatMaps(): string {
    const h = (n: number, w = 0) => n.toString(16).padStart(w, '0');
    let out = '';
    for (const v of this.vmas) {
      const perms = (v.prot & PROT_READ ? 'r' : '-') + (v.prot & PROT_WRITE ? 'w' : '-') + (v.prot & PROT_EXEC ? 'x' : '-') +
        ((v.flags & MAP_TYPE) === MAP_PRIVATE ? 'p' : 's');
      const dev = v.file ? `${h((v.file.dev ?? 0) >>> 8 & 0xfff, 2)}:${h((v.file.dev ?? 0) & 0xff, 2)}` : '00:00';
      const line = `${h(v.start, 8)}-${h(v.end, 8)} ${perms} ${h(v.file ? v.offset + (v.file.baseOffset ?? 0) : 0, 8)} ${dev} ${v.file ? v.file.ino ?? 0 : 0}`;
      out += v.name ? line.padEnd(73) + v.name + '\n' : line + ' \n';
    }
    return out;
  }
}
