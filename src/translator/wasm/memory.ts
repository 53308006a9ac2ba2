// Guest memory accesses in a wasm region (region.ts): the inline TLB lookup that turns a guest
// virtual address into the physical address of the wasm memory byte, the stack page test, and the
// rep movs / rep stos chunks moved with memory.copy / memory.fill. A miss leaves by the region's slow
// exit (the interpreter then runs the instruction and takes the page walk or the fault), or, for a
// chunk, declines it.

import { type WasmLayout } from './abi.js';
import { type Code, I32, I64, type ValType } from './encode.js';
import { asBits, type Compiled } from './expr.js';
import { type Stmt } from './statements.js';

/** What the accesses need of the region compiler: its code, locals and labels. */
export interface CodeHost {
  readonly code: Code;
  local(t: ValType): number;
  begin(kind: 'block' | 'loop' | 'if', label: string | null, type?: ValType): void;
  end(): void;
  depthOf(label: string): number;
}

/** An access's address as base register + displacement (an effective address without index or
 * segment base): the base's i64 local, its write stamp when the address was computed (Code.stampOf). */
export interface BaseDisp { base: number; stamp: number; disp: number }

/**
 * The page of an earlier access through a base register that has not changed since: the access's
 * offset in its page and its TLB addend, in locals, and its displacement. An access through the same
 * base whose displacement keeps it in that page needs no TLB lookup: base and displacement fix its
 * distance from the anchor's address. Valid where the anchor's code ran before, in the same loop
 * iteration (Code.reaches), for the whole run of the region, as the stack page is.
 */
interface Anchor { stamp: number; disp: number; frame: number; off: number; add: number }

export class GuestAccess {
  /** The current TLB half (its byte offset, loaded at entry), the address being accessed (halves),
   * and its TLB entry. */
  readonly tlb: number;
  readonly addrLo: number;
  readonly addrHi: number;
  readonly entry: number;
  /** The last page read / written: locals of its address (low half, page-aligned; high half), of its
   * TLB addend (physical address = addend + address), and of its address as an i64 (page-aligned).
   * The address starts at 1, which no page-aligned address equals. */
  readonly readPage: number[] = [];
  readonly writePage: number[] = [];
  /** The i64 local holding the address being accessed (addrHi:addrLo), or -1. */
  addr64 = -1;
  /** Use the stack page test (set for regions with several stack accesses: in a short region the
   * first access misses anyway, and the test costs more than it saves: dispatch +7%). */
  stackCache = false;
  private readonly chunkLocals: number[] = [];
  private readonly code: Code;
  /** i64 locals known as a GPR's value plus a constant (pairs.ts: effective addresses without index,
   * copies of a register, sums with a constant), with the local's own stamp then: the addresses of
   * anchored accesses, and the values that move a register's anchors when assigned to it (`add rax,
   * 32`). */
  private readonly derived = new Map<number, BaseDisp & { self: number }>();
  /** The next translate()'s address as base + displacement, or null (set by the region compiler). */
  site: BaseDisp | null = null;
  /** Base registers (low-half names) that two or more effective addresses of the case being compiled
   * name: only accesses through them make anchors (one that nothing uses is code for the first tier
   * to run: memstream +3%). */
  readonly anchorBases = new Set<string>();
  /** One anchor per base local and kind of access (2 * base, + 1 for writes), and its two locals. */
  private readonly anchors = new Map<number, Anchor>();
  private readonly anchorLocals = new Map<number, [number, number]>();

  constructor(private readonly host: CodeHost, private readonly L: WasmLayout) {
    this.code = host.code;
    this.tlb = host.local(I32);
    this.addrLo = host.local(I32); this.addrHi = host.local(I32); this.entry = host.local(I32);
    for (let k = 0; k < 3; k++) { this.readPage.push(host.local(I32)); this.writePage.push(host.local(I32)); }
    this.readPage.push(host.local(I64)); this.writePage.push(host.local(I64));
  }

  /** At region entry: the current TLB half; no stack page known. */
  prologue(): void {
    this.code.i32(this.L.tlbCur).mem('i32.load', 2).set(this.tlb);
    this.code.i32(1).set(this.readPage[0]).i32(1).set(this.writePage[0]);
    this.code.i64(1, 0).set(this.readPage[3]).i64(1, 0).set(this.writePage[3]);
  }

  /** The physical address of (addrLo, addrHi) on the stack, or the slow exit (a TLB miss, a missing
   * permission, an access crossing its page). */
  translate(size: number, tagOffset: number, stack: boolean): void {
    const c = this.code, site = this.site, viaStack = stack && this.stackCache;
    this.site = null;
    if (site !== null && c.stampOf(site.base) === site.stamp) { this.anchored(size, tagOffset, site, viaStack); return; }
    if (!viaStack) { this.lookupTlb(size, tagOffset); return; }
    this.stackPage(size, tagOffset);
    c.get(this.addrLo).op('i32.add');
  }
  /** The TLB addend of (addrLo, addrHi) on the stack through the stack page test, or the slow exit. */
  private stackPage(size: number, tagOffset: number): void {
    const c = this.code;
    // A stack access checks the stack page the region last read (or wrote) first: pushes, pops,
    // calls and returns stay in one page, and comparing costs less than the TLB set's two loads
    // (calls -12%, hash64 -8%; the same test on every access cost strings and nbody 6-7%: their
    // accesses move from page to page). Valid for the whole run of the region: only JavaScript
    // (helpers, the kernel, the interpreter after a slow exit) changes the TLB.
    const [page, hi, base, page64] = tagOffset === 0 ? this.readPage : this.writePage;
    if (this.addr64 >= 0) c.get(this.addr64).i64(-4096, -1).op('i64.and').get(page64).op('i64.eq');
    else c.get(this.addrLo).i32(-4096).op('i32.and').get(page).op('i32.eq').get(this.addrHi).get(hi).op('i32.eq').op('i32.and');
    if (size > 1) c.get(this.addrLo).i32(4095).op('i32.and').i32(4096 - size).op('i32.le_u').op('i32.and');
    this.host.begin('if', null, I32);
    c.get(base);
    c.op('else');
    this.tlbEntry(size, tagOffset);
    c.get(this.addrLo).i32(-4096).op('i32.and').set(page).get(this.addrHi).set(hi);
    // (The i64 form from the halves where the address has no i64: an access of either form may follow.)
    if (this.addr64 >= 0) c.get(this.addr64).i64(-4096, -1).op('i64.and').set(page64);
    else c.get(this.addrHi).op('i64.extend_i32_u').i64(32, 0).op('i64.shl').get(page).op('i64.extend_i32_u').op('i64.or').set(page64);
    c.get(this.entry).mem('i32.load', 2, 24).tee(base);
    this.host.end();
  }
  /**
   * An access at base + displacement: in the page of the anchor of its base and kind when the two
   * displacements' difference keeps it there (no TLB lookup), else the TLB lookup. Without a usable
   * anchor, the lookup makes this access the anchor. The lookup is the stack page test for stack
   * accesses where the region has it: pushes and pops after the first are anchored (calls -16%).
   * (hash64: 3 of its 4 loads a round; nbody, the fields of a body.)
   */
  private anchored(size: number, tagOffset: number, site: BaseDisp, viaStack: boolean): void {
    const c = this.code, key = 2 * site.base + (tagOffset === 0 ? 0 : 1);
    const a = this.anchors.get(key), delta = a === undefined ? 0 : site.disp - a.disp;
    if (a !== undefined && a.stamp === site.stamp && delta > -4096 && delta < 4096 && c.reaches(a.frame)) {
      c.get(a.off);
      if (delta !== 0) c.i32(delta).op('i32.add');
      c.i32(4096 - size).op('i32.le_u');
      this.host.begin('if', null, I32);
      c.get(a.add);
      c.op('else');
      this.addend(size, tagOffset, viaStack);
      this.host.end();
      c.get(this.addrLo).op('i32.add');
      return;
    }
    let locals = this.anchorLocals.get(key);
    if (locals === undefined) this.anchorLocals.set(key, locals = [this.host.local(I32), this.host.local(I32)]);
    const [off, add] = locals;
    this.addend(size, tagOffset, viaStack);
    c.tee(add).get(this.addrLo).op('i32.add');
    c.get(this.addrLo).i32(4095).op('i32.and').set(off);
    this.anchors.set(key, { stamp: site.stamp, disp: site.disp, frame: c.frame, off, add });
  }
  /** Local v, just set, holds `from`'s value. */
  derive(v: number, from: BaseDisp): void {
    this.derived.set(v, { base: from.base, stamp: from.stamp, disp: from.disp, self: this.code.stampOf(v) });
  }
  /** What local v holds as a GPR's value plus a constant, if known (and v not written since). */
  derivedOf(v: number): BaseDisp | undefined {
    const d = this.derived.get(v);
    return d !== undefined && d.self === this.code.stampOf(v) ? d : undefined;
  }
  /** Before a case: its anchorBases. */
  planAnchors(list: Stmt[]): void {
    const seen = new Set<string>();
    this.anchorBases.clear();
    const scan = (l: Stmt[]): void => {
      for (const s of l) {
        if (s.t === 'i64' && s.op === 'ea') {
          for (let k = 0; k < s.args.length; k += 3) {
            const n = s.args[k];
            if (n.charCodeAt(0) !== 114 /* r */) continue;
            if (seen.has(n)) this.anchorBases.add(n); else seen.add(n);
          }
        } else if (s.t === 'if') { scan(s.then); if (s.else) scan(s.else); } else if (s.t === 'while' || s.t === 'block') scan(s.body);
      }
    };
    scan(list);
  }
  /** GPR local g was just assigned local v's value; `before` was its stamp until then. When v is that
   * earlier value plus d, g's anchors stay, at displacement - d: those made in the arm of this write
   * (an anchor from outside an if arm that moves g would be wrong when the arm does not run). */
  moved(g: number, v: number, before: number): void {
    const o = v >= 0 ? this.derivedOf(v) : undefined;
    if (o === undefined || o.base !== g || o.stamp !== before) return;
    const now = this.code.stampOf(g), frame = this.code.frame;
    for (let key = 2 * g; key <= 2 * g + 1; key++) {
      const a = this.anchors.get(key);
      if (a !== undefined && a.stamp === before && a.frame === frame) { a.stamp = now; a.disp -= o.disp; }
    }
  }
  /** The addend of (addrLo, addrHi)'s page on the stack: the stack page test or the TLB lookup. */
  private addend(size: number, tagOffset: number, viaStack: boolean): void {
    if (viaStack) { this.stackPage(size, tagOffset); return; }
    this.tlbEntry(size, tagOffset);
    this.code.get(this.entry).mem('i32.load', 2, 24);
  }
  /** The TLB lookup: the physical address on the stack, or the slow exit. */
  private lookupTlb(size: number, tagOffset: number): void {
    this.tlbEntry(size, tagOffset);
    // The entry's addend (runtime/mmu.ts) plus the address: the physical address.
    this.code.get(this.entry).mem('i32.load', 2, 24).get(this.addrLo).op('i32.add');
  }
  /** The TLB entry for (addrLo, addrHi) in `entry`, or the slow exit unless its tag at `tagOffset`
   * matches and the access stays in the page. */
  private tlbEntry(size: number, tagOffset: number): void {
    const c = this.code;
    if (this.addr64 >= 0) {
      // The page of the access's last byte against the tag of its first byte's set: they differ when
      // the access crosses into the next page, which never shares that set (tlbSet).
      this.tlbSetOf();
      c.get(this.entry).mem('i64.load', 2, tagOffset).get(this.addr64);
      if (size > 1) c.i64(size - 1, 0).op('i64.add');
      c.i64(-4096, -1).op('i64.and').op('i64.ne').opU('br_if', this.host.depthOf('slow'));
      return;
    }
    this.tlbMiss(tagOffset);
    if (size > 1) c.get(this.addrLo).i32(4095).op('i32.and').i32(4096 - size).op('i32.gt_u').op('i32.or');
    c.opU('br_if', this.host.depthOf('slow'));
  }
  /** The TLB entry of (addrLo, addrHi)'s set in `entry`. */
  private tlbSetOf(): void {
    // The set is the runtime's tlbSet (runtime/mmu.ts): (lo >>> 12) & mask, times the entry size (32);
    // an entry is 8 int32 words: read tag page and hi at +0/+4, write tag at +8/+12, addend at +24.
    this.code.get(this.addrLo).i32(7).op('i32.shr_u').i32(this.L.tlbMask << 5).op('i32.and').get(this.tlb).op('i32.add').set(this.entry);
  }
  /** The TLB entry for (addrLo, addrHi) in `entry`, and on the stack whether its tag at `tagOffset`
   * (read or write) misses. */
  private tlbMiss(tagOffset: number): void {
    const c = this.code;
    this.tlbSetOf();
    if (this.addr64 >= 0) {
      // The tag's two words as one i64 against the address's page.
      c.get(this.entry).mem('i64.load', 2, tagOffset).get(this.addr64).i64(-4096, -1).op('i64.and').op('i64.ne');
      return;
    }
    c.get(this.entry).mem('i32.load', 2, tagOffset).get(this.addrLo).i32(-4096).op('i32.and').op('i32.ne');
    c.get(this.entry).mem('i32.load', 2, tagOffset + 4).get(this.addrHi).op('i32.ne').op('i32.or');
  }

  /**
   * Mmu.movsChunk / stosChunk (size 1) in the region: the same chunk (the whole elements left in the
   * current source and destination pages, at most the count), moved with memory.copy / memory.fill
   * instead of a call out. Where the JavaScript translates, this declines (0: the element loop then
   * takes one element, whose access takes the slow exit) on a TLB miss of either page, which includes
   * a destination page holding translated code (its write tag is never set); and, as there, when the
   * destination starts inside the source range. Leaves the bytes moved (0 to 4096) on the stack.
   */
  inlineChunk(movs: boolean, size: number, a: Compiled[]): void {
    const c = this.code;
    this.addr64 = -1;
    if (this.chunkLocals.length === 0) for (let k = 0; k < 10; k++) this.chunkLocals.push(this.host.local(I32));
    const [dLo, dHi, sLo, sHi, cLo, cHi, n, pd, ps, value] = this.chunkLocals, g = this.L.guestBase;
    // Arguments in order: movs (dLo, dHi, sLo, sHi, cLo, cHi, size); stos (dLo, dHi, cLo, cHi, size, vLo, vHi).
    const into = movs ? [dLo, dHi, sLo, sHi, cLo, cHi] : [dLo, dHi, cLo, cHi];
    into.forEach((l, k) => { asBits(a[k], c); c.set(l); });
    if (!movs) { asBits(a[5], c); c.set(value); }
    const decline = () => c.op('i32.eqz').begin('if').i32(0).opU('br', 1).end();
    // The room left in the page(s): 4096 - offset, the smaller of the two for movs.
    const room = (lo: number) => c.i32(4096).get(lo).i32(4095).op('i32.and').op('i32.sub');
    c.begin('block', I32);
    // room (in pd for now): the bytes left in the destination page, and for movs in the source page.
    room(dLo); c.set(pd);
    if (movs) { room(sLo); c.set(ps); c.get(ps).get(pd).get(ps).get(pd).op('i32.lt_u').op('select').set(pd); }
    // n = min(count >= 4096 or its high half set ? 4096 : count * size, room), whole elements.
    c.i32(4096).get(cLo).i32(size).op('i32.mul').get(cHi).get(cLo).i32(4096).op('i32.ge_u').op('i32.or').op('select').set(n);
    c.get(n).get(pd).get(n).get(pd).op('i32.lt_u').op('select').i32(-size).op('i32.and').set(n);
    c.get(n).i32(2 * size).op('i32.ge_u'); decline();
    if (movs) {
      c.get(sLo).set(this.addrLo).get(sHi).set(this.addrHi);
      this.tlbMiss(0); c.op('i32.eqz'); decline();
      c.get(this.entry).mem('i32.load', 2, 24).get(sLo).op('i32.add').set(ps);
    }
    c.get(dLo).set(this.addrLo).get(dHi).set(this.addrHi);
    this.tlbMiss(8); c.op('i32.eqz'); decline();
    c.get(this.entry).mem('i32.load', 2, 24).get(dLo).op('i32.add').set(pd);
    if (movs) {
      // A destination inside the source range: the element loop replicates, a block move would not.
      c.get(pd).get(ps).op('i32.gt_u').get(pd).get(ps).get(n).op('i32.add').op('i32.lt_u').op('i32.and').op('i32.eqz'); decline();
      c.get(pd).i32(g).op('i32.add').get(ps).i32(g).op('i32.add').get(n).memoryCopy();
    } else {
      c.get(pd).i32(g).op('i32.add').get(value).get(n).memoryFill();
    }
    c.get(n);
    c.end();
  }
}
