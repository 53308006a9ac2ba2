// Guest physical memory: one ArrayBuffer that grows by reallocation (DESIGN decision 4). Views are
// refreshed on growth; growth only happens outside generated code (in the kernel or a fault handler),
// so a block may cache `mem.dv` for its whole run. Kernel code that holds `u8`/`dv` in a local must
// read them again after anything that allocates a frame.
//
// It starts small and doubles: a hello-world touches ~1.5 MiB (the low megabyte reserve included),
// and a 64 MiB buffer cost ~8 ms of CPU at start-up (V8 counts it as external memory and runs extra
// garbage collections). Doubling keeps the copying amortised: O(1) per byte over a run.

export const PAGE_SIZE = 4096;
/** WebAssembly memory is sized in 64 KiB pages. */
const WASM_PAGE = 65536;
/** The CPU-state area at the start of a wasm-backed memory (registers, flag record, TLB banks, the wasm
 * back end's exit slots); guest physical memory follows it. */
const STATE_BYTES = 8 << 20;

export class PhysicalMemory {
  /**
   * For the translator's wasm back end: the WebAssembly.Memory that holds the CPU-state area
   * and, from byte `guestBase` on, guest physical memory. It is allocated at its full size once:
   * growing a wasm memory detaches its ArrayBuffer, and the first detach in a process makes V8 check
   * every DataView and typed-array access for it (docs/architecture.md, "WebAssembly back end"); Linux
   * commits the pages when first touched. Null otherwise (the ArrayBuffer grows by reallocation).
   * The views (`u8`, `dv`) always start at guest physical address 0 and cover only the guest bytes in
   * use, so their lengths and the state's offsets stay small integers for V8 as before.
   */
  readonly wasm: WebAssembly.Memory | null = null;
  /** Byte offset of guest physical address 0 in `buf` (0 unless wasm-backed). */
  readonly guestBase: number = 0;
  /** The state area's next free byte (wasm-backed memory only). */
  private stateTop = 0;
  /** Guest physical bytes in use (the views' length). */
  private guestBytes: number;
  buf: ArrayBuffer;
  u8: Uint8Array;
  dv: DataView;
  /** The same bytes as int32 words (index = physical address >> 2), for aligned bulk state such as the
   * kernel's pt_regs frame: a typed-array element costs less than a DataView access, and `set` copies
   * a whole frame at once. */
  i32: Int32Array;
  /** Next never-used frame (bump allocator); freed frames go to `freeFrames`. */
  private top: number;
  private freeFrames: number[] = [];
  /** Frames in use, for --stats. */
  framesInUse = 0;

  constructor(initialBytes = 4 << 20, private readonly maxBytes = 0x80000000, reserveLow = 0x100000, wasm = false) {
    if (wasm) {
      // Shared, though one thread uses it: V8 charges a non-shared memory's full size to this isolate
      // as external memory, and 2 GiB of it forced a full (mark-compact) GC early in every run
      // (~5 ms of CPU). A shared memory is accounted process-wide instead. Generated code is the same
      // (plain loads and stores; nothing here is atomic), and Node's fs calls take views of it.
      const pages = (maxBytes + STATE_BYTES) / WASM_PAGE;
      this.wasm = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      this.buf = this.wasm.buffer;
      this.guestBase = STATE_BYTES;
    } else {
      this.buf = new ArrayBuffer(initialBytes);
    }
    this.guestBytes = initialBytes;
    this.u8 = new Uint8Array(this.buf, this.guestBase, initialBytes);
    this.dv = new DataView(this.buf, this.guestBase, initialBytes);
    this.i32 = new Int32Array(this.buf, this.guestBase, initialBytes >> 2);
    // Physical page 0 and the low megabyte are kept out of the allocator so a physical address 0
    // never names an allocated frame (a null "frame" is always a bug).
    this.top = reserveLow;
  }

  get size(): number { return this.guestBytes; }

  /** A wasm-backed memory's state area: `bytes` of zeroed CPU state; returns its byte offset in `buf`. */
  stateAlloc(bytes: number): number {
    if (this.wasm === null) throw new Error('stateAlloc: not a wasm-backed memory');
    const at = this.stateTop;
    if (at + bytes > STATE_BYTES) throw new RangeError('CPU-state area full');
    this.stateTop += (bytes + 7) & ~7;
    return at;
  }

  /** Make sure physical addresses below `bytes` exist. */
  ensure(bytes: number): void {
    if (bytes <= this.guestBytes) return;
    if (bytes > this.maxBytes) throw new RangeError(`guest physical memory limit reached (${this.maxBytes >>> 20} MiB)`);
    let n = this.guestBytes;
    while (n < bytes) n *= 2;
    n = Math.min(n, this.maxBytes);
    this.guestBytes = n;
    if (this.wasm !== null) {
      // Allocated at full size: only the views grow (new view objects; nothing is detached).
      this.u8 = new Uint8Array(this.buf, this.guestBase, n);
      this.dv = new DataView(this.buf, this.guestBase, n);
      this.i32 = new Int32Array(this.buf, this.guestBase, n >> 2);
    } else {
      const next = new ArrayBuffer(n);
      new Uint8Array(next).set(this.u8);
      this.buf = next;
      this.u8 = new Uint8Array(next);
      this.dv = new DataView(next);
      this.i32 = new Int32Array(next);
    }
    if (this.onGrow) this.onGrow();
  }
  /** Called after growth replaced buf/u8/dv (the MMU keeps its own references to the views). */
  onGrow: (() => void) | null = null;

  /** Whether n frames can be allocated without growing the memory (growth replaces u8/dv/i32). */
  canAllocWithoutGrowth(n: number): boolean {
    return this.freeFrames.length + Math.floor((this.guestBytes - this.top) / PAGE_SIZE) >= n;
  }

  /** A zeroed 4 KiB frame; returns its physical address. */
  allocFrame(): number {
    let pa = this.freeFrames.pop();
    if (pa === undefined) {
      pa = this.top;
      this.ensure(pa + PAGE_SIZE);
      this.top += PAGE_SIZE;
    } else {
      this.u8.fill(0, pa, pa + PAGE_SIZE);
    }
    this.framesInUse++;
    return pa;
  }

  /**
   * Two zeroed frames at an 8 KiB-aligned physical address (the KPTI kernel/user PGD pair, where the
   * user PGD is the kernel PGD | 0x1000); returns the first.
   */
  allocFramePair(): number {
    if (this.top % (2 * PAGE_SIZE) !== 0) { this.freeFrames.push(this.top); this.top += PAGE_SIZE; }
    const pa = this.top;
    this.ensure(pa + 2 * PAGE_SIZE);
    this.u8.fill(0, pa, pa + 2 * PAGE_SIZE);
    this.top += 2 * PAGE_SIZE;
    this.framesInUse += 2;
    return pa;
  }

  freeFrame(pa: number): void {
    this.freeFrames.push(pa);
    this.framesInUse--;
  }

  /** Reserve a specific physical range (bare-metal images load at fixed physical addresses). */
  reserveRange(start: number, end: number): void {
    this.ensure(end);
    if (end > this.top) this.top = (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  }
}
