// The part of the WebAssembly JS API that ringjit uses. The project compiles against lib ES2022 and
// @types/node, neither of which declares it (it lives in TypeScript's DOM library).
declare namespace WebAssembly {
  class Module { constructor(bytes: Uint8Array) }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  /** shared: a SharedArrayBuffer underneath (the threads proposal); it needs a maximum. */
  interface MemoryDescriptor { initial: number; maximum?: number; shared?: boolean }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    /** The current buffer; Memory.grow replaces it (the old one is detached). */
    readonly buffer: ArrayBuffer; // a SharedArrayBuffer for a shared memory (typed like ArrayBuffer here)
    /** Grow by `delta` 64 KiB pages; returns the previous size in pages. */
    grow(delta: number): number;
  }
  interface TableDescriptor { element: 'anyfunc'; initial: number; maximum?: number }
  /** A table of function references (call_indirect's operand). */
  class Table {
    constructor(descriptor: TableDescriptor);
    readonly length: number;
    /** Grow by `delta` elements (null); returns the previous length. */
    grow(delta: number): number;
    get(index: number): unknown;
    /** Store an exported wasm function, or null. */
    set(index: number, value: unknown): void;
  }
  /** A global; ringjit only makes immutable funcref ones (reference types), holding an exported wasm function. */
  interface GlobalDescriptor { value: 'anyfunc'; mutable?: boolean }
  class Global {
    constructor(descriptor: GlobalDescriptor, value: unknown);
    readonly value: unknown;
  }
  function validate(bytes: Uint8Array): boolean;
}
