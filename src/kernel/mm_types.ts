// The vocabulary of address spaces, re-exported by mm.ts: the mmap-family flag values
// (include/uapi/asm-generic/mman-common.h, mman.h), VMAs and their file backing, fault outcomes.

export const PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
export const PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000;

export const MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_32BIT = 0x40, MAP_GROWSDOWN = 0x100;
export const MAP_DENYWRITE = 0x800, MAP_EXECUTABLE = 0x1000, MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000, MAP_NONBLOCK = 0x10000, MAP_STACK = 0x20000, MAP_HUGETLB = 0x40000;
export const MAP_SYNC = 0x80000, MAP_FIXED_NOREPLACE = 0x100000, MAP_UNINITIALIZED = 0x4000000;

export const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

export const MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4;
export const MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTFORK = 10, MADV_DOFORK = 11, MADV_MERGEABLE = 12;
export const MADV_UNMERGEABLE = 13, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16;
export const MADV_DODUMP = 17, MADV_WIPEONFORK = 18, MADV_KEEPONFORK = 19, MADV_COLD = 20, MADV_PAGEOUT = 21;
export const MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE = 23, MADV_DONTNEED_LOCKED = 24, MADV_COLLAPSE = 25;
export const MADV_HWPOISON = 100, MADV_SOFT_OFFLINE = 101;

/** The bytes a file-backed mapping copies from (a snapshot: private mappings never write back). */
export interface FileBacking {
  data: Uint8Array;
  /** Guest path, for /proc/self/maps and diagnostics. */
  path: string;
  /** File offset of data[0] (a snapshot of part of a file); 0 when data is the whole file. */
  baseOffset?: number;
  dev?: number;
  ino?: number;
}

/** A virtual memory area: [start, end), page aligned. */
export class Vma {
  constructor(
    public start: number,
    public end: number,
    /** PROT_* bits. */
    public prot: number,
    /** MAP_SHARED / MAP_PRIVATE, MAP_ANONYMOUS, MAP_GROWSDOWN of the mapping. */
    public flags: number,
    public file: FileBacking | null,
    /** File offset of `start` (file mappings). */
    public offset: number,
    /** File offset from which the mapping reads zeroes instead of file bytes (ELF bss in a data page). */
    public fileEnd: number,
    /** '[heap]', '[stack]', the file path, or '' (anonymous). */
    public name: string,
  ) {}
  get length(): number { return this.end - this.start; }
}

/** Outcome of a user page fault. */
export const enum FaultResult {
  /** The page is now mapped: retry the instruction. */
  Fixed = 0,
  /** No VMA covers the address (SEGV_MAPERR). */
  MapErr = 1,
  /** A VMA covers it but forbids this access (SEGV_ACCERR). */
  AccErr = 2,
  /** Guest physical memory is exhausted. */
  Oom = 3,
}
