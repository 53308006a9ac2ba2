// Decoded guest code, cached per guest address, shared by both engines: the interpreter keeps the
// decoded instruction list of a block; the translator attaches its compiled function. Blocks are
// indexed by the physical pages they were decoded from, so a write to such a page (self-modifying
// code) or an unmap drops them (DESIGN decision 6).

import { decode } from '../decoder/decode.js';
import { endsBlock } from '../decoder/facts.js';
import { type Insn, K } from '../decoder/insn.js';
import { type Cpu } from './cpu.js';
import { GuestFault } from './faults.js';
import { Access, addrHi, addrLo } from './mmu.js';

/** Longest block, in instructions: bounds translation latency and the cost of a mid-block fault. */
export const MAX_BLOCK_INSNS = 64;

export class Block {
  /** Compiled translation: runs the block, returns the instructions retired (the JIT fills this in). */
  fn: ((cpu: Cpu) => number) | null = null;
  /** Privilege level the translation was made for (its inline TLB test uses that half of the TLB). */
  cpl = 3;
  /** The wasm back end's table slot of the translation, or -1 (JavaScript, or not translated). */
  wasmSlot = -1;
  /** The case the wasm region at wasmSlot starts this block at: 0 for the region's head; another case
   * when the block is entered inside a region another block heads (`regionHead`). */
  wasmEntry = 0;
  regionHead: Block | null = null;
  /** For a region's head: the blocks entered inside its region (dropped with it). */
  entered: Block[] | null = null;
  /** Times this block has run (the JIT decides when to compile). */
  runs = 0;
  /** Cleared when the block is invalidated (stale links to it must not be followed). */
  valid = true;
  /** Chaining: up to two successors seen at run time, found without a map lookup. */
  succAddr0 = NaN; succ0: Block | null = null;
  succAddr1 = NaN; succ1: Block | null = null;
  /** For a block ending in an indirect jmp/call: targets seen at run time (up to MAX_TARGETS), so the
   * translator can keep them inside the region (a jump table, a function-pointer call). */
  targets: number[] | null = null;
  /** The guest code the block's translation was made from, as [start, end) virtual ranges: its own
   * instructions, and every block of the region it heads (see CodeCache.claimRegion). */
  spans: number[];
  constructor(public readonly addr: number, public readonly insns: Insn[], public readonly physPages: number[]) {
    const last = insns[insns.length - 1];
    this.spans = [addr, last.addr + last.len];
  }
}

/** Jump cache size (entries, a power of two): a virtual-address-indexed front for block lookups. */
const JUMP_CACHE_BITS = 12, JUMP_CACHE_SIZE = 1 << JUMP_CACHE_BITS;

export class CodeCache {
  private readonly blocks = new Map<number, Block>();
  private readonly byPage = new Map<number, Set<number>>();
  private readonly fetchBuf = new Uint8Array(32);
  invalidations = 0;
  blocksDecoded = 0;
  /** Dispatch statistics: successor found through a chain link vs a full lookup. */
  chainHits = 0;
  lookups = 0;
  /** Full lookups answered by the jump cache (the rest went to the Map or decoded). */
  jumpCacheHits = 0;
  private readonly jumpCache = new Array<Block | null>(JUMP_CACHE_SIZE).fill(null);
  /** Set when blocks were dropped; the engines check it after each instruction that may have written
   * code, so a self-modifying write takes effect before the next instruction. */
  dirty = false;
  /** Called for every block dropped (the translator releases what it attached to it). */
  onDrop: ((b: Block) => void) | null = null;

  constructor(private readonly cpu: Cpu) {
    cpu.mmu.onCodeWrite = (page) => this.invalidatePage(page);
  }

  get(addr: number): Block {
    // The jump cache first: a direct-mapped array indexed by the address's low bits, in front of the
    // Map (indirect branches through jump tables and returns miss the two chain links of a block).
    const lo = addr | 0, set = (lo ^ (lo >>> JUMP_CACHE_BITS)) & (JUMP_CACHE_SIZE - 1);
    const j = this.jumpCache[set];
    if (j !== null && j.addr === addr && j.valid) { this.jumpCacheHits++; return j; }
    let b = this.blocks.get(addr);
    if (b === undefined) { b = this.decodeBlock(addr); this.blocks.set(addr, b); }
    this.jumpCache[set] = b;
    return b;
  }

  /** The block at addr if it was already decoded (never decodes). */
  peek(addr: number): Block | undefined { return this.blocks.get(addr); }

  /** Drop every block decoded from a physical page (a write hit translated code). */
  invalidatePage(page: number): void {
    const set = this.byPage.get(page);
    if (!set) return;
    for (const a of set) {
      const b = this.blocks.get(a);
      if (b) { this.drop(b); this.invalidations++; }
    }
    this.byPage.delete(page);
    this.dirty = true;
  }
  /**
   * A region's translation, attached to its head block, holds a copy of every block of the region:
   * a write to any of their pages, or an unmap of any of their code, must drop the head too, or the
   * old copy keeps running (the head may sit on another page than a callee or loop body it took in).
   */
  claimRegion(head: Block, region: Block[]): void {
    const spans: number[] = [];
    for (const r of region) {
      spans.push(r.addr, r.spans[1]);
      if (r === head) continue;
      for (const p of r.physPages) {
        let s = this.byPage.get(p);
        if (!s) { s = new Set(); this.byPage.set(p, s); }
        s.add(head.addr);
      }
    }
    head.spans = spans;
  }
  /** Drop blocks whose code overlaps a virtual range (munmap/mprotect of code). */
  invalidateRange(start: number, len: number): void {
    const end = start + len;
    for (const [a, b] of [...this.blocks]) {
      const sp = b.spans;
      for (let k = 0; k < sp.length; k += 2) {
        if (sp[k] < end && sp[k + 1] > start) { this.drop(b); this.invalidations++; this.dirty = true; break; }
      }
    }
  }
  clear(): void {
    for (const b of [...this.blocks.values()]) this.drop(b);
    this.byPage.clear();
  }
  private drop(b: Block): void {
    b.valid = false;
    this.blocks.delete(b.addr);
    if (this.onDrop !== null) this.onDrop(b);
  }
  /** Every live block (for --dump-js and statistics). */
  all(): IterableIterator<Block> { return this.blocks.values(); }
  get size(): number { return this.blocks.size; }

  private decodeBlock(start: number): Block {
    const cpu = this.cpu, mmu = cpu.mmu;
    const insns: Insn[] = [];
    const pages: number[] = [];
    let addr = start;
    const mode = 64;
    // The virtual page being decoded and the physical address of its first byte: one translation per
    // page rather than per instruction.
    let pageVa = NaN, pagePa = 0;
    for (;;) {
      const off = addrLo(addr) & 4095;
      if (addr - off !== pageVa) {
        pagePa = mmu.translate(addrLo(addr), addrHi(addr), Access.Exec) - off;
        pageVa = addr - off;
        const page = pagePa >>> 12;
        if (!pages.includes(page)) pages.push(page);
      }
      let insn: Insn;
      if (off <= 4096 - 15) {
        // The longest instruction fits in the page: decode straight from guest memory (no copy).
        const pa = pagePa + off;
        insn = decode(cpu.mem.u8, pa, pa + 15, addr, mode);
      } else {
        const r = this.decodeAcrossPage(addr, pagePa + off, 4096 - off, pages);
        if (r instanceof GuestFault) {
          if (insns.length > 0) break; // end the block before it; the fault happens when it is reached
          throw r;
        }
        insn = r;
      }
      insns.push(insn);
      addr += insn.len;
      if (endsBlock(insn) || insns.length >= MAX_BLOCK_INSNS) break;
    }
    for (const p of pages) {
      // Marking a page scans every TLB bank for write tags; a page already marked has none (the MMU
      // never fills a write tag for a code page), so only the first block from a page pays for it.
      if (!(p < mmu.codePages.length && mmu.codePages[p])) mmu.protectCodePage(p);
      let s = this.byPage.get(p);
      if (!s) { s = new Set(); this.byPage.set(p, s); }
      s.add(start);
    }
    this.blocksDecoded++;
    const b = new Block(start, insns, pages);
    const last = insns[insns.length - 1];
    if ((last.mnem === 'jmp' || last.mnem === 'call') && last.k0 !== K.Rel) b.targets = [];
    return b;
  }

  /**
   * Decode an instruction that starts within 15 bytes of its page's end: copy what the page holds,
   * then up to 15 bytes in total from the next page if it is mapped executable. Returns the next
   * page's fault instead when the instruction needs bytes from it.
   */
  private decodeAcrossPage(addr: number, pa: number, inPage: number, pages: number[]): Insn | GuestFault {
    const cpu = this.cpu, buf = this.fetchBuf;
    buf.set(cpu.mem.u8.subarray(pa, pa + inPage), 0);
    let avail = inPage;
    let nextFault: GuestFault | null = null;
    const a2 = addr + inPage;
    try {
      const pa2 = cpu.mmu.translate(addrLo(a2), addrHi(a2), Access.Exec);
      buf.set(cpu.mem.u8.subarray(pa2, pa2 + (15 - inPage)), inPage);
      avail = 15;
      const p2 = pa2 >>> 12;
      if (!pages.includes(p2)) pages.push(p2);
    } catch (f) {
      if (!(f instanceof GuestFault)) throw f;
      nextFault = f;
    }
    const insn = decode(buf, 0, avail, addr, 64);
    if (insn.mnem === '(bad)' && insn.badReason === 'truncated' && nextFault) return nextFault;
    return insn;
  }
}
