// The MMU: x86-64 4-level paging over page tables that live in guest physical memory (DESIGN decision 4),
// with a software TLB whose hit path is small enough for generated code to inline.
//
// Virtual addresses arrive as int32 halves (lo, hi); hi is the signed upper half, so a canonical
// address has hi in [-0x8000, 0x7fff] with bit 15 of hi equal to bit 31.. of the sign. Physical
// addresses are plain numbers below 2 GiB.
//
// The TLB is direct-mapped with TLB_SETS sets per privilege class (user accesses use sets
// [0, TLB_SETS), supervisor accesses [TLB_SETS, 2*TLB_SETS)), because the permission check that a
// hit skips depends on CPL. Separate read and write tags: a write tag is only filled when the page is
// writable for that privilege AND already dirty AND holds no translated code, so a write hit needs
// no further check (self-modifying code always takes the slow path, which invalidates blocks).

import { CODE_WRITE_TRAP, GuestFault, PfErr, Vec } from './faults.js';
import type { PhysicalMemory } from './memory.js';

/** 4096 sets per privilege class (16 MiB of 4 KiB pages). With 1024, malloc_churn's ~10 MiB working
 * set missed 1.27 million times in 268 million instructions (17 thousand with 4096: -7% CPU); a flush
 * touches only the sets filled since the last one, so the size costs nothing there. */
export const TLB_BITS = 12;
export const TLB_SETS = 1 << TLB_BITS;
const TLB_MASK = TLB_SETS - 1;
/**
 * The TLB set of a linear address: the low bits of its page number (a plain direct-mapped index).
 * Consecutive pages are never in the same set, so the wasm back end tests an access for crossing its
 * page by comparing its last byte's page with the tag; and a contiguous range of up to TLB_SETS pages
 * (a heap, a buffer) never evicts itself. An index that folded in bits 22..31 (against buffers 4 MiB
 * apart evicting each other, chosen with 1024 sets) took 5 more operations per access in generated
 * code and made malloc_churn's 10 MiB heap miss 19,000 times instead of 5,300: 12% of its time.
 */
// (The wasm back end's generated code computes the same hash: translator/wasm/memory.ts.)
export function tlbSet(lo: number): number { return (lo >>> 12) & TLB_MASK; }
/** An impossible tag-hi value: never equal to the hi half of a canonical address. */
const INVALID_HI = 0x40000000;

// A TLB entry is 8 int32 words of one Int32Array (set s at s << 3), so the accessors' hit path loads
// one array field and reads tag and frame from neighbouring words: read tag (page, hi), write tag,
// execute tag, the addend (physical page base minus the page's linear address, modulo 2^32: a hit's
// physical address is (addend + lo) | 0, one addition, as QEMU's softmmu does), global flag.
const E_RLO = 0, E_RHI = 1, E_WLO = 2, E_WHI = 3, E_XLO = 4, E_XHI = 5, E_ADDEND = 6, E_GLOBAL = 7;
const E_SHIFT = 3;

// Page-table entry bits (low dword).
const PTE_P = 1, PTE_RW = 2, PTE_US = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80, PTE_G = 0x100;
// NX is bit 63: bit 31 of the high dword.
const PTE_NX_HI = 0x80000000 | 0;

export const enum Access { Read = 0, Write = 1, Exec = 2 }

export interface MmuStats { tlbMisses: number; tlbFlushes: number; pageWalks: number }

export class Mmu {
  /** CR3 as loaded (physical PML4 base in bits 12.., PCID in bits 0..11 when CR4.PCIDE). */
  cr3 = 0;
  /** CR0.WP: supervisor writes honour read-only pages. */
  writeProtect = true;
  /** EFER.NXE. */
  nxEnabled = true;
  /** CR4.PCIDE. */
  pcidEnabled = false;

  /** CR4.PGE: global translations survive CR3 writes only when set. */
  pgeEnabled = true;

  // The TLB of the current PCID. Each PCID has its own bank (see selectPcid); only a helper that ends
  // the block switches banks.
  /** Entries of both privilege classes: user sets first, then supervisor sets (E_* words each). */
  tlb: Int32Array<ArrayBuffer> = newEntries();
  /** Views of the user and supervisor halves of `tlb` (made once per bank: setCpl runs twice per
   * system call). */
  tlbUser: Int32Array<ArrayBuffer> = userHalf(this.tlb);
  tlbSup: Int32Array<ArrayBuffer> = supHalf(this.tlb);
  /** The current privilege class's half of `tlb`: what the accessors' hit path reads. */
  tlbCur: Int32Array<ArrayBuffer> = this.tlbUser;
  /** Sets filled since the last full flush (so a flush touches only those, not the whole TLB). */
  filled = new Int32Array(2 * TLB_SETS);
  nFilled = 0;
  isFilled = new Uint8Array(2 * TLB_SETS);
  /** PCID whose translations the arrays above hold (0 while CR4.PCIDE = 0). */
  pcid = 0;
  /** The banks of the other PCIDs, least recently used first; the current one's record, once made. */
  private readonly banks = new Map<number, TlbBank>();
  private curBank: TlbBank | null = null;
  /** The most recently left PCID's bank, outside the map (switching back to it is the common case). */
  private prevBank: TlbBank | null = null;
  private prevPcid = -1;

  /** One byte per physical page: non-zero when translated code was built from it. */
  codePages = new Uint8Array(0);
  /** Called on a write to a physical page that holds translated code (before the write lands). */
  onCodeWrite: ((physPage: number) => void) | null = null;
  /** Set while generated code runs (outside its helper calls): such a write throws CODE_WRITE_TRAP
   * instead, before anything is written, and the engine redoes the instruction in the interpreter. */
  trapCodeWrites = false;
  /**
   * The kernel's demand paging (handle_mm_fault for a not-present page), called by the page walk where
   * it would raise #PF for a not-present entry: true when the page is now mapped, and the walk starts
   * again; false (no VMA, no access, out of memory) raises the #PF as before. A first touch of a page
   * is invisible to the guest either way (Linux retries the instruction), and a JavaScript throw is
   * not cheap: V8 builds a message with the thrower's location for each one (a first touch cost 6.1 us
   * with the #PF, 2.8 us without). It must not grow guest memory: the accessors hold the memory's
   * views across the walk.
   */
  demandPage: ((addr: number, access: Access) => boolean) | null = null;

  readonly stats: MmuStats = { tlbMisses: 0, tlbFlushes: 0, pageWalks: 0 };

  /** Result high half of the last 64-bit read (rd64 returns the low half); lane 1 of a 128-bit read. */
  hi = 0;
  /** Lanes 2 and 3 of the last 128-bit read. */
  hi2 = 0;
  hi3 = 0;
  /** The CPL used for permission checks (kept in sync by the CPU through setCpl). */
  cpl = 3;
  setCpl(cpl: number): void {
    this.cpl = cpl; this.tlbCur = cpl === 3 ? this.tlbUser : this.tlbSup;
    if (this.tlbCurSlot !== null) this.tlbCurSlot[0] = cpl === 3 ? this.tlbUserOffset : this.tlbSupOffset;
  }

  /**
   * The memory's views, held here so the accessors' hit path (inlined into every generated region)
   * loads one field instead of two (`this.mem.dv`); PhysicalMemory.onGrow keeps them current. The
   * hop cost 12% of malloc_churn's CPU time (V8's compile time for every inlined access included).
   */
  dv: DataView;
  u8: Uint8Array;
  constructor(public mem: PhysicalMemory) {
    this.dv = mem.dv; this.u8 = mem.u8;
    mem.onGrow = () => { this.dv = mem.dv; this.u8 = mem.u8; };
    if (mem.wasm !== null) {
      // The wasm back end's generated code reads the TLB from wasm memory: every bank lives in the
      // CPU-state area (allocated there on first need, reused as PCIDs come and go), and tlbCurSlot
      // names the current privilege half of the current bank by byte offset.
      this.tlbCurSlot = new Int32Array(mem.buf, mem.stateAlloc(8), 1);
      const b = this.newBank();
      this.tlb = b.tlb; this.tlbUser = b.tlbUser; this.tlbSup = b.tlbSup; this.tlbCur = b.tlbUser;
      this.tlbUserOffset = b.offset; this.tlbSupOffset = b.offset + SUP_HALF_BYTES;
      this.tlbCurSlot[0] = this.tlbUserOffset;
    }
  }

  /** Wasm-backed memory: TLB bank arrays not in use, and the slot holding tlbCur's byte offset. */
  private readonly bankPool: Int32Array<ArrayBuffer>[] = [];
  readonly tlbCurSlot: Int32Array<ArrayBuffer> | null = null;
  /** Byte offsets of tlbUser and tlbSup in wasm memory, for tlbCurSlot. (byteOffset of a view of a
   * wasm memory's buffer is a builtin call in V8, which checks for detachment: setCpl runs twice per
   * system call.) */
  private tlbUserOffset = 0;
  private tlbSupOffset = 0;
  /** The current bank's offset (the Mmu is the current TlbBank for the flush helpers). */
  get offset(): number { return this.tlbUserOffset; }

  /** A bank with every tag invalid. With the TLB in wasm memory its entries come from the pool of
   * released banks or, failing that, from the CPU-state area: never from outside wasm memory, where
   * generated code could not see them (at most MAX_PCID_BANKS + 1 banks are held at once). */
  private newBank(): TlbBank {
    if (this.tlbCurSlot === null) return newBank();
    const words = 2 * TLB_SETS << E_SHIFT;
    const t = this.bankPool.pop() ?? new Int32Array(this.mem.buf, this.mem.stateAlloc(words * 4), words);
    invalidateEntries(t);
    return { tlb: t, tlbUser: userHalf(t), tlbSup: supHalf(t), offset: t.byteOffset, filled: new Int32Array(2 * TLB_SETS), nFilled: 0, isFilled: new Uint8Array(2 * TLB_SETS) };
  }
  /** A bank evicted or dropped: its arrays go back to the pool (wasm-backed memory only). */
  private releaseBank(b: TlbBank | null | undefined): void {
    if (b && this.tlbCurSlot !== null && b.tlb !== this.tlb) this.bankPool.push(b.tlb);
  }

  // ---- TLB maintenance -------------------------------------------------------------------------

  /** Invalidate the current PCID's translations (a CR3 write), keeping global ones if asked and CR4.PGE. */
  flushAll(keepGlobal = false): void {
    this.stats.tlbFlushes++;
    flushBank(this, keepGlobal && this.pgeEnabled);
  }

  /** Invalidate every PCID's translations (CR4.PGE toggled, PCIDE cleared, or keepGlobal = false). */
  flushAllPcids(keepGlobal = false): void {
    this.stats.tlbFlushes++;
    const keep = keepGlobal && this.pgeEnabled;
    flushBank(this, keep);
    if (keep) { for (const b of this.banks.values()) flushBank(b, true); if (this.prevBank) flushBank(this.prevBank, true); }
    else {
      for (const b of this.banks.values()) this.releaseBank(b);
      this.releaseBank(this.prevBank);
      this.banks.clear(); this.prevBank = null; this.prevPcid = -1;
    }
  }

  /**
   * Make `pcid` current (MOV to CR3 with CR4.PCIDE = 1). The model of PCID tagging: each PCID keeps its
   * own TLB contents, so switching is O(1) and costs no misses; a switch without the no-flush bit is
   * followed by flushAll (the caller decides). At most MAX_PCID_BANKS PCIDs stay cached; evicting the
   * least recently used one is an (allowed) invalidation of its entries.
   */
  selectPcid(pcid: number): void {
    if (pcid === this.pcid) return;
    let cur = this.curBank;
    if (cur === null) cur = { tlb: this.tlb, tlbUser: this.tlbUser, tlbSup: this.tlbSup, offset: this.tlbUserOffset, filled: this.filled, nFilled: 0, isFilled: this.isFilled };
    cur.nFilled = this.nFilled; // the arrays are shared; only the count lives in a field
    let b: TlbBank;
    if (this.prevBank !== null && this.prevPcid === pcid) {
      b = this.prevBank; // the common case: KPTI's kernel/user pair
    } else {
      const found = this.banks.get(pcid);
      if (found) { this.banks.delete(pcid); b = found; } else b = this.newBank();
      if (this.prevBank !== null) this.banks.set(this.prevPcid, this.prevBank);
      if (this.banks.size >= MAX_PCID_BANKS - 1) {
        const oldest = this.banks.keys().next().value as number;
        this.releaseBank(this.banks.get(oldest));
        this.banks.delete(oldest);
      }
    }
    this.prevBank = cur; this.prevPcid = this.pcid;
    this.tlb = b.tlb; this.tlbUser = b.tlbUser; this.tlbSup = b.tlbSup;
    this.tlbCur = this.cpl === 3 ? b.tlbUser : b.tlbSup;
    if (this.tlbCurSlot !== null) {
      this.tlbUserOffset = b.offset; this.tlbSupOffset = b.offset + SUP_HALF_BYTES;
      this.tlbCurSlot[0] = this.cpl === 3 ? this.tlbUserOffset : this.tlbSupOffset;
    }
    this.filled = b.filled; this.nFilled = b.nFilled; this.isFilled = b.isFilled;
    this.curBank = b;
    this.pcid = pcid;
  }

  /** INVLPG and page-table edits: drop the page in every PCID (the SDM allows the extra invalidation). */
  flushPage(lo: number, hi: number): void {
    flushPageIn(this, lo, hi);
    for (const b of this.banks.values()) flushPageIn(b, lo, hi);
    if (this.prevBank) flushPageIn(this.prevBank, lo, hi);
  }

  /** Drop every write tag that maps the given physical page (it now holds translated code). */
  protectCodePage(physPage: number): void {
    if (physPage >= this.codePages.length) {
      const n = new Uint8Array(Math.max(physPage + 1, this.codePages.length * 2, 1024));
      n.set(this.codePages);
      this.codePages = n;
    }
    this.codePages[physPage] = 1;
    unprotectIn(this, physPage);
    for (const b of this.banks.values()) unprotectIn(b, physPage);
    if (this.prevBank) unprotectIn(this.prevBank, physPage);
  }

  // ---- translation -----------------------------------------------------------------------------

  /**
   * Translate a linear address for an access, filling the TLB. Throws #PF (or #GP for a
   * non-canonical address). Returns the physical address.
   */
  translate(lo: number, hi: number, access: Access): number {
    // Canonical: bits 63..47 all equal bit 47, i.e. hi is the sign extension of its low 16 bits.
    if (((hi << 16) >> 16) !== hi) throw new GuestFault(Vec.GP, 0, 0, 'non-canonical address');
    const user = this.cpl === 3;
    const set = tlbSet(lo) + (user ? 0 : TLB_SETS);
    const page = lo & -4096, t = this.tlb, e = set << E_SHIFT;
    const tag = e + (access === Access.Read ? E_RLO : access === Access.Write ? E_WLO : E_XLO);
    if (t[tag] === page && t[tag + 1] === hi) return (t[e + E_ADDEND] + lo) | 0;
    this.stats.tlbMisses++;
    return this.walk(lo, hi, access, user, set);
  }

  private walk(lo: number, hi: number, access: Access, user: boolean, set: number, demanded = false): number {
    this.stats.pageWalks++;
    const dv = this.mem.dv;
    const memSize = this.mem.size;
    // Table indexes: PML4 = bits 47..39, PDPT = 38..30, PD = 29..21, PT = 20..12.
    const idx = [(hi >>> 7) & 511, ((hi & 0x7f) << 2) | (lo >>> 30), (lo >>> 21) & 511, (lo >>> 12) & 511];
    let table = this.cr3 & ~0xfff & 0x7fffffff;
    let allowWrite = true, allowUser = true, allowExec = true, global = false;
    let pageBase = 0, pageMask = 4095;
    const errBase = (access === Access.Write ? PfErr.W : 0) | (user ? PfErr.U : 0) |
      (access === Access.Exec && this.nxEnabled ? PfErr.I : 0);
    let level = 0;
    let entryAddr = 0, lowWord = 0;
    for (; level < 4; level++) {
      entryAddr = table + idx[level] * 8;
      if (entryAddr + 8 > memSize) throw new GuestFault(Vec.PF, errBase | PfErr.RSVD, joinAddr(lo, hi));
      lowWord = dv.getInt32(entryAddr, true);
      const highWord = dv.getInt32(entryAddr + 4, true);
      if (!(lowWord & PTE_P)) {
        // Demand paging allocates the frame and any page tables it needed: walk again.
        if (!demanded && this.demandPage !== null && this.demandPage(joinAddr(lo, hi), access)) return this.walk(lo, hi, access, user, set, true);
        throw new GuestFault(Vec.PF, errBase, joinAddr(lo, hi));
      }
      if (!(lowWord & PTE_RW)) allowWrite = false;
      if (!(lowWord & PTE_US)) allowUser = false;
      if (this.nxEnabled && (highWord & PTE_NX_HI)) allowExec = false;
      if (!(lowWord & PTE_A)) dv.setInt32(entryAddr, lowWord | PTE_A, true);
      const frame = lowWord & -4096 & 0x7fffffff;
      if ((highWord & 0x000fffff) !== 0) {
        // Physical addresses above 4 GiB do not exist in this machine.
        throw new GuestFault(Vec.PF, errBase | PfErr.P | PfErr.RSVD, joinAddr(lo, hi));
      }
      if (level === 3 || ((level === 1 || level === 2) && (lowWord & PTE_PS))) {
        if (level === 1) { pageMask = (1 << 30) - 1; pageBase = frame & ~pageMask; }
        else if (level === 2) { pageMask = (1 << 21) - 1; pageBase = frame & ~pageMask; }
        else { pageBase = frame; }
        global = (lowWord & PTE_G) !== 0;
        break;
      }
      table = frame;
    }
    // Permission checks (SDM vol. 3, 4.6).
    const present = PfErr.P;
    if (user && !allowUser) throw new GuestFault(Vec.PF, errBase | present, joinAddr(lo, hi));
    if (access === Access.Write && !allowWrite && (user || this.writeProtect)) throw new GuestFault(Vec.PF, errBase | present, joinAddr(lo, hi));
    if (access === Access.Exec && !allowExec) throw new GuestFault(Vec.PF, errBase | present, joinAddr(lo, hi));
    let dirty = (lowWord & PTE_D) !== 0;
    if (access === Access.Write && !dirty) { dv.setInt32(entryAddr, lowWord | PTE_A | PTE_D, true); dirty = true; }

    const physPage = pageBase + ((lo & pageMask) & -4096);
    if (physPage >= memSize) throw new GuestFault(Vec.PF, errBase | present | PfErr.RSVD, joinAddr(lo, hi));
    const page = lo & -4096;
    // Fill the TLB. Read tags need readability only (every present page is readable).
    const t = this.tlb, e = set << E_SHIFT;
    t[e + E_ADDEND] = (physPage - page) | 0;
    t[e + E_GLOBAL] = global ? 1 : 0;
    if (!this.isFilled[set]) { this.isFilled[set] = 1; this.filled[this.nFilled++] = set; }
    if (t[e + E_RHI] !== hi || t[e + E_RLO] !== page) { t[e + E_WHI] = INVALID_HI; t[e + E_XHI] = INVALID_HI; }
    t[e + E_RLO] = page; t[e + E_RHI] = hi;
    const writable = allowWrite || (!user && !this.writeProtect);
    const pageNo = physPage >>> 12;
    if (writable && dirty && !(pageNo < this.codePages.length && this.codePages[pageNo])) { t[e + E_WLO] = page; t[e + E_WHI] = hi; }
    if (allowExec) { t[e + E_XLO] = page; t[e + E_XHI] = hi; }
    return physPage + (lo & 4095);
  }

  /** Translate for a write and report writes to code pages before they land (or trap: trapCodeWrites). */
  /** The physical address of a write at (lo, hi), as an ordinary store's slow path finds it: the
   * fault, or the code-write trap / invalidation of a page holding translated code, included. */
  translateWrite(lo: number, hi: number): number {
    const pa = this.translate(lo, hi, Access.Write);
    const pageNo = pa >>> 12;
    if (pageNo < this.codePages.length && this.codePages[pageNo]) {
      if (this.trapCodeWrites) throw CODE_WRITE_TRAP;
      if (this.onCodeWrite) this.onCodeWrite(pageNo);
    }
    return pa;
  }

  // ---- data accesses (slow path; generated code inlines the TLB hit) ------------------------------

  // Each accessor starts with the TLB hit path: small and monomorphic, so V8 inlines it into the
  // interpreter's handlers and the translator's blocks (DESIGN decision 4's inline hit path). Misses,
  // page-crossing accesses and code-page writes take the out-of-line slow path. The hit path reads
  // the entry's words by literal offset (t[e] read tag page, t[e + 1] its hi, t[e + 2] / t[e + 3] the
  // write tag, t[e + 6] the addend: E_RLO ... E_ADDEND), so V8 needs no constant lookup.

  rd8(lo: number, hi: number): number {
    const t = this.tlbCur, e = tlbSet(lo) << 3;
    if (t[e] === (lo & -4096) && t[e + 1] === hi) return this.u8[(t[e + 6] + lo) | 0];
    return this.u8[this.translate(lo, hi, Access.Read)];
  }
  rd16(lo: number, hi: number): number {
    const t = this.tlbCur, e = tlbSet(lo) << 3;
    if (t[e] === (lo & -4096) && t[e + 1] === hi && (lo & 4095) <= 4094) return this.dv.getUint16((t[e + 6] + lo) | 0, true);
    if ((lo & 4095) > 4094) return this.rd8(lo, hi) | (this.rd8((lo + 1) | 0, carryHi(lo, 1, hi)) << 8);
    return this.dv.getUint16(this.translate(lo, hi, Access.Read), true);
  }
  rd32(lo: number, hi: number): number {
    const t = this.tlbCur, e = tlbSet(lo) << 3;
    if (t[e] === (lo & -4096) && t[e + 1] === hi && (lo & 4095) <= 4092) return this.dv.getInt32((t[e + 6] + lo) | 0, true);
    if ((lo & 4095) > 4092) return this.rdCross(lo, hi, 4);
    return this.dv.getInt32(this.translate(lo, hi, Access.Read), true);
  }
  /** Returns the low half; the high half is left in this.hi. */
  rd64(lo: number, hi: number): number {
    const t = this.tlbCur, e = tlbSet(lo) << 3;
    if (t[e] === (lo & -4096) && t[e + 1] === hi && (lo & 4095) <= 4088) {
      const p = (t[e + 6] + lo) | 0;
      this.hi = this.dv.getInt32(p + 4, true);
      return this.dv.getInt32(p, true);
    }
    return this.rd64Slow(lo, hi);
  }
  private rd64Slow(lo: number, hi: number): number {
    if ((lo & 4095) > 4088) {
      // Read both halves before returning so a fault on the second page leaves nothing half-done.
      const l = this.rdCross(lo, hi, 4);
      this.hi = this.rdCross((lo + 4) | 0, carryHi(lo, 4, hi), 4);
      return l;
    }
    const pa = this.translate(lo, hi, Access.Read);
    this.hi = this.dv.getInt32(pa + 4, true);
    return this.dv.getInt32(pa, true);
  }
  /** 16 bytes (SSE): returns lane 0; lanes 1..3 are left in this.hi, this.hi2, this.hi3. Both halves are
   * read before it returns, so a fault on the second page leaves nothing half-done. */
  rd128(lo: number, hi: number): number {
    const t = this.tlbCur, e = tlbSet(lo) << 3;
    if (t[e] === (lo & -4096) && t[e + 1] === hi && (lo & 4095) <= 4080) {
      const p = (t[e + 6] + lo) | 0, dv = this.dv;
      this.hi = dv.getInt32(p + 4, true); this.hi2 = dv.getInt32(p + 8, true); this.hi3 = dv.getInt32(p + 12, true);
      return dv.getInt32(p, true);
    }
    return this.rd128Slow(lo, hi);
  }
  private rd128Slow(lo: number, hi: number): number {
    const l0 = this.rd64(lo, hi), l1 = this.hi;
    const l2 = this.rd64((lo + 8) | 0, carryHi(lo, 8, hi)), l3 = this.hi;
    this.hi = l1; this.hi2 = l2; this.hi3 = l3;
    return l0;
  }
  private rdCross(lo: number, hi: number, n: number): number {
    let v = 0;
    for (let k = 0; k < n; k++) v |= this.rd8((lo + k) | 0, carryHi(lo, k, hi)) << (8 * k);
    return v;
  }

  wr8(lo: number, hi: number, v: number): void {
    const t = this.tlbCur, e = tlbSet(lo) << 3;
    if (t[e + 2] === (lo & -4096) && t[e + 3] === hi) { this.u8[(t[e + 6] + lo) | 0] = v; return; }
    this.u8[this.translateWrite(lo, hi)] = v;
  }
  wr16(lo: number, hi: number, v: number): void {
    const t = this.tlbCur, e = tlbSet(lo) << 3;
    if (t[e + 2] === (lo & -4096) && t[e + 3] === hi && (lo & 4095) <= 4094) { this.dv.setUint16((t[e + 6] + lo) | 0, v, true); return; }
    if ((lo & 4095) > 4094) { this.wrCross(lo, hi, v, 2); return; }
    this.dv.setUint16(this.translateWrite(lo, hi), v, true);
  }
  wr32(lo: number, hi: number, v: number): void {
    const t = this.tlbCur, e = tlbSet(lo) << 3;
    if (t[e + 2] === (lo & -4096) && t[e + 3] === hi && (lo & 4095) <= 4092) { this.dv.setInt32((t[e + 6] + lo) | 0, v, true); return; }
    if ((lo & 4095) > 4092) { this.wrCross(lo, hi, v, 4); return; }
    this.dv.setInt32(this.translateWrite(lo, hi), v, true);
  }
  wr64(lo: number, hi: number, vlo: number, vhi: number): void {
    const t = this.tlbCur, e = tlbSet(lo) << 3;
    if (t[e + 2] === (lo & -4096) && t[e + 3] === hi && (lo & 4095) <= 4088) {
      const p = (t[e + 6] + lo) | 0;
      this.dv.setInt32(p, vlo, true); this.dv.setInt32(p + 4, vhi, true);
      return;
    }
    this.wr64Slow(lo, hi, vlo, vhi);
  }
  private wr64Slow(lo: number, hi: number, vlo: number, vhi: number): void {
    if ((lo & 4095) > 4088) {
      // Probe every page first so the write is all-or-nothing (precise faults).
      this.translateWrite(lo, hi); this.translateWrite((lo + 7) | 0, carryHi(lo, 7, hi));
      this.wrCross(lo, hi, vlo, 4); this.wrCross((lo + 4) | 0, carryHi(lo, 4, hi), vhi, 4);
      return;
    }
    const pa = this.translateWrite(lo, hi);
    this.dv.setInt32(pa, vlo, true);
    this.dv.setInt32(pa + 4, vhi, true);
  }
  /** 16 bytes (SSE), all or nothing: a store crossing into another page probes both pages first. */
  wr128(lo: number, hi: number, v0: number, v1: number, v2: number, v3: number): void {
    const t = this.tlbCur, e = tlbSet(lo) << 3;
    if (t[e + 2] === (lo & -4096) && t[e + 3] === hi && (lo & 4095) <= 4080) {
      const p = (t[e + 6] + lo) | 0, dv = this.dv;
      dv.setInt32(p, v0, true); dv.setInt32(p + 4, v1, true); dv.setInt32(p + 8, v2, true); dv.setInt32(p + 12, v3, true);
      return;
    }
    this.wr128Slow(lo, hi, v0, v1, v2, v3);
  }
  private wr128Slow(lo: number, hi: number, v0: number, v1: number, v2: number, v3: number): void {
    // Within one page the first half's write proves the page writable for the second. Across pages
    // both are checked first, code-write trap included, so nothing is written if either refuses.
    if ((lo & 4095) > 4080) { this.translateWrite(lo, hi); this.translateWrite((lo + 15) | 0, carryHi(lo, 15, hi)); }
    this.wr64(lo, hi, v0, v1);
    this.wr64((lo + 8) | 0, carryHi(lo, 8, hi), v2, v3);
  }
  private wrCross(lo: number, hi: number, v: number, n: number): void {
    // Probe both pages before writing any byte.
    this.translateWrite(lo, hi); this.translateWrite((lo + n - 1) | 0, carryHi(lo, n - 1, hi));
    for (let k = 0; k < n; k++) this.wr8((lo + k) | 0, carryHi(lo, k, hi), v >>> (8 * k));
  }

  // ---- rep movs / rep stos in page-sized chunks (semantics/string.ts bulkChunk) -------------------

  /** Bytes of whole `size`-byte elements, at most RCX (cLo, cHi) of them, that fit in `room` bytes. */
  private static chunkBytes(room: number, cLo: number, cHi: number, size: number): number {
    const want = cHi !== 0 || (cLo >>> 0) >= 4096 ? 4096 : (cLo >>> 0) * size;
    const n = Math.min(want, room);
    return n - (n & (size - 1));
  }
  /**
   * rep movs, DF = 0: copy the elements that lie wholly in the current source and destination pages
   * in one block move and return their bytes; 0 when the element loop should take one element
   * instead (an element straddles a page, fewer than two elements, or a destination that starts
   * inside the source range, where copying element by element replicates data and a block move
   * would not). Translates both pages first (write tag, code-page trap or invalidation included), so
   * a fault leaves everything as before the first element, as on the CPU.
   */
  movsChunk(dLo: number, dHi: number, sLo: number, sHi: number, cLo: number, cHi: number, size: number): number {
    const n = Mmu.chunkBytes(Math.min(4096 - (sLo & 4095), 4096 - (dLo & 4095)), cLo, cHi, size);
    if (n < 2 * size) return 0;
    const ps = this.translate(sLo, sHi, Access.Read);
    const pd = this.translateWrite(dLo, dHi);
    if (pd > ps && pd < ps + n) return 0;
    this.u8.copyWithin(pd, ps, ps + n);
    return n;
  }
  /** rep stos, DF = 0: the same for a fill with the element (vLo, vHi) of `size` bytes. */
  stosChunk(dLo: number, dHi: number, cLo: number, cHi: number, size: number, vLo: number, vHi: number): number {
    const n = Mmu.chunkBytes(4096 - (dLo & 4095), cLo, cHi, size);
    if (n < 2 * size) return 0;
    const pd = this.translateWrite(dLo, dHi);
    if (size === 1) { this.u8.fill(vLo & 255, pd, pd + n); return n; }
    // One element, then the filled prefix doubled until the chunk is full.
    if (size === 2) this.dv.setUint16(pd, vLo, true);
    else { this.dv.setInt32(pd, vLo, true); if (size === 8) this.dv.setInt32(pd + 4, vHi, true); }
    for (let k = size; k < n; k *= 2) this.u8.copyWithin(pd + k, pd, pd + Math.min(k, n - k));
    return n;
  }

  /** Probe that [addr, addr+len) is accessible without touching it (for string instructions, xsave). */
  probe(lo: number, hi: number, len: number, access: Access): void {
    this.translate(lo, hi, access);
    if (len > 1) this.translate((lo + len - 1) | 0, carryHi(lo, len - 1, hi), access);
  }
}

/** The TLB of one PCID. */
interface TlbBank {
  tlb: Int32Array<ArrayBuffer>; tlbUser: Int32Array<ArrayBuffer>; tlbSup: Int32Array<ArrayBuffer>;
  /** tlb's byte offset (in wasm memory, for tlbCurSlot; the supervisor half follows at SUP_HALF_BYTES). */
  offset: number;
  filled: Int32Array<ArrayBuffer>; nFilled: number; isFilled: Uint8Array<ArrayBuffer>;
}
/** Entries for both privilege classes, every tag invalid. */
function newEntries(): Int32Array<ArrayBuffer> {
  const t = new Int32Array(2 * TLB_SETS << E_SHIFT);
  invalidateEntries(t);
  return t;
}
function invalidateEntries(t: Int32Array): void {
  // One invalid entry, then copies of it doubling in length: native copies instead of a loop of
  // 24,576 stores that runs cold (before V8 optimises it) at every bank's creation (~1 ms each).
  const n = 1 << E_SHIFT;
  t.fill(0, 0, n);
  t[E_RHI] = INVALID_HI; t[E_WHI] = INVALID_HI; t[E_XHI] = INVALID_HI;
  for (let k = n; k < t.length; k *= 2) t.copyWithin(k, 0, Math.min(k, t.length - k));
}
/** The user sets' entries of a bank, and the supervisor sets' (views). */
function userHalf(tlb: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> { return tlb.subarray(0, TLB_SETS << E_SHIFT); }
function supHalf(tlb: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> { return tlb.subarray(TLB_SETS << E_SHIFT); }
const SUP_HALF_BYTES = (TLB_SETS << E_SHIFT) * 4;
/** PCIDs whose TLB contents are kept at once (Linux uses 6 ASIDs, each a kernel/user pair). */
const MAX_PCID_BANKS = 16;

function newBank(): TlbBank {
  const tlb = newEntries();
  return { tlb, tlbUser: userHalf(tlb), tlbSup: supHalf(tlb), offset: 0, filled: new Int32Array(2 * TLB_SETS), nFilled: 0, isFilled: new Uint8Array(2 * TLB_SETS) };
}
/** Invalidate the sets filled since the last flush (every other set is already invalid), keeping globals if asked. */
function flushBank(b: TlbBank, keepGlobal: boolean): void {
  let kept = 0;
  for (let k = 0; k < b.nFilled; k++) {
    const i = b.filled[k], t = b.tlb, e = i << E_SHIFT;
    if (keepGlobal && t[e + E_GLOBAL] && t[e + E_RHI] !== INVALID_HI) { b.filled[kept++] = i; continue; }
    t[e + E_RHI] = INVALID_HI; t[e + E_WHI] = INVALID_HI; t[e + E_XHI] = INVALID_HI;
    b.isFilled[i] = 0;
  }
  b.nFilled = kept;
}
function flushPageIn(b: TlbBank, lo: number, hi: number): void {
  const set = tlbSet(lo);
  const t = b.tlb;
  for (let i = set; i < 2 * TLB_SETS; i += TLB_SETS) {
    const e = i << E_SHIFT;
    for (const tag of [E_RLO, E_WLO, E_XLO]) if (t[e + tag] === (lo & -4096) && t[e + tag + 1] === hi) t[e + tag + 1] = INVALID_HI;
  }
}
function unprotectIn(b: TlbBank, physPage: number): void {
  // Only sets filled since the last flush can hold a valid tag (a flush invalidates exactly those), so
  // the scan is over the filled list, not all 8192 sets (start-up marks a code page per new page).
  const t = b.tlb;
  for (let k = 0; k < b.nFilled; k++) {
    const e = b.filled[k] << E_SHIFT;
    if (t[e + E_WHI] !== INVALID_HI && (((t[e + E_ADDEND] + t[e + E_RLO]) | 0) >>> 12) === physPage) t[e + E_WHI] = INVALID_HI;
  }
}

/** The high half after adding a small non-negative k to (lo, hi). */
export function carryHi(lo: number, k: number, hi: number): number {
  return (lo >>> 0) + k > 0xffffffff ? (hi + 1) | 0 : hi;
}
/** (lo, hi) -> exact signed number. */
export function joinAddr(lo: number, hi: number): number {
  return hi * 4294967296 + (lo >>> 0);
}
/** Exact signed number -> lo half: ToInt32 is the value modulo 2^32 already. (Not `a % 2 ** 32 | 0`:
 * V8 computes % of a double out of line, and the entry path splits addresses on every syscall.) */
export function addrLo(a: number): number { return a | 0; }
/** Exact signed number -> hi half. */
export function addrHi(a: number): number { return Math.floor(a / 4294967296) | 0; }
