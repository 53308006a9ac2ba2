// Region -> JavaScript source -> Function.
//
// A region is a hot entry block plus blocks reachable from it by direct branches. It becomes one
// function: registers and the lazy-flag record live in locals for the whole region, each block is a
// `case` of a switch inside a loop, and a direct branch to a block of the region is `pc = n; continue`
// — so a hot loop spanning several guest blocks runs inside one JS function without returning to the
// dispatcher. Branches leaving the region set cpu.rip and return. The function returns the number of
// guest instructions it retired; on a guest fault it writes back the state as of the faulting
// instruction (DESIGN decision 5) and rethrows.
//
// Generated text never contains text derived from guest bytes except numeric literals: operands are
// numbers, and the only strings are fixed messages from the semantics.

import { type Insn, K } from '../decoder/insn.js';
import { endsBlock } from '../decoder/facts.js';
import { PAR } from '../semantics/flags.js';
import { semanticsOf } from '../semantics/index.js';
import { BlockEmitter, BlockState, exitTo, FLAG_ENTRY, type RegionLinks, transfer, XMM_ENTRY } from './block-emitter.js';
export { REGION_BUDGET } from './block-emitter.js';

export type BlockFn = (cpu: any) => number;

export interface TranslateContext {
  rt: unknown;
  H: unknown;
  /** The code cache (generated code reads its `dirty` flag after slow-path stores: self-modifying code). */
  cache: { dirty: boolean };
  /** Interpreter handler for an instruction (used for '(bad)' and unimplemented instructions). */
  handlerOf(i: Insn): (cpu: any, i: Insn) => void;
  tlbOffset: number;
  tlbMask: number;
}

export interface Translation {
  fn: BlockFn;
  source: string;
  /** For source maps: generated line (0-based) where each guest instruction's code starts, in region
   * order (block 0's instructions first). */
  insnLines: number[];
}


/** Can this instruction's code fault or trap (so the catch must know where it was)? */
function mayFault(code: string): boolean {
  return /M\.|H\.|throw|HANDLERS/.test(code);
}

/**
 * Flag liveness inside one block (DESIGN decision 3's dead-flag elimination). A dry run of each
 * instruction's semantics classifies it: does it read the incoming flags for its result, does it
 * overwrite all status flags unconditionally, does its flag update itself read old flags (inc's CF),
 * can it fault. Walking backwards from the block end (flags live: the successor is unknown), an
 * instruction's flags are dead when the next instruction overwrites them without reading them and
 * cannot fault first (a fault must see the flags as of the faulting instruction, decision 5).
 * `deferrable[k]`: no later instruction of the block reads the flags before they are all overwritten,
 * so a status-flag merge of instruction k (rotates, bt ...) may be left pending (BlockEmitter).
 */
interface FlagFacts { resultRead: boolean; updateRead: boolean; fullWrite: boolean; fault: boolean }
const UNKNOWN_FACTS: FlagFacts = { resultRead: true, updateRead: true, fullWrite: false, fault: true };
/** What flagLiveness learnt of an instruction (the semantics depend on the decoded record only). */
const FLAG_FACTS = new WeakMap<Insn, FlagFacts>();
function flagLiveness(insns: Insn[], ctx: TranslateContext): { dead: boolean[]; deferrable: boolean[] } {
  const n = insns.length;
  const dead = new Array<boolean>(n).fill(false);
  const deferrable = new Array<boolean>(n).fill(false);
  const liveIn = new Array<boolean>(n).fill(true);
  let scratch: BlockState | null = null;
  const facts = insns.map((i, k) => {
    // Decoded blocks are cached (CodeCache), and a hot block is part of several regions: its
    // instructions' facts are computed once.
    let f = FLAG_FACTS.get(i);
    if (f) return f;
    const sem = i.mnem === '(bad)' ? null : semanticsOf(i);
    if (!sem) f = UNKNOWN_FACTS;
    else {
      scratch ??= new BlockState(ctx.tlbOffset, ctx.tlbMask);
      const e = new BlockEmitter(i, scratch, k, { index: new Map(), current: 0, returnSites: [], indirect: new Map(), blockLen: k + 1 });
      try {
        sem(e, i);
        const text = scratch.lines.splice(0).join('\n');
        f = { resultRead: e.flagResultReads > 0, updateRead: e.flagUpdateReads > 0, fullWrite: e.lastFlags !== null, fault: mayFault(text) };
      } catch {
        scratch.lines.length = 0;
        f = UNKNOWN_FACTS;
      }
    }
    FLAG_FACTS.set(i, f);
    return f;
  });
  let liveOut = true;
  // Whether an instruction after k in this block reads the flags before one overwrites them all.
  let readAfter = false;
  for (let k = n - 1; k >= 0; k--) {
    const f = facts[k];
    dead[k] = !liveOut;
    deferrable[k] = !readAfter;
    liveIn[k] = f.resultRead || f.fault || (liveOut && (!f.fullWrite || f.updateRead));
    liveOut = liveIn[k];
    readAfter = f.resultRead || f.updateRead || (!f.fullWrite && readAfter);
  }
  return { dead, deferrable };
}

/**
 * Case order of a region's blocks: depth first from the entry (which stays case 0), each block's
 * fall-through successor (the next address) first. A transfer to the next case is a plain switch
 * fall-through, so chains of blocks joined by fall-through or jmp run without going around the
 * region loop (micro_chain: eight trips through the switch per region run became one).
 */
function layout(blocks: Insn[][]): Insn[][] {
  const byAddr = new Map<number, Insn[]>();
  for (const b of blocks) byAddr.set(b[0].addr, b);
  const order: Insn[][] = [];
  const placed = new Set<number>();
  const visit = (b: Insn[]): void => {
    // Each block is followed by its `first` successor; when it has a second one (a jcc's target, a
    // call's return site), the chain from `first` is placed by a recursive visit and this loop goes
    // on with the second (regions are small, so the recursion is shallow).
    for (let cur: Insn[] | undefined = b; cur !== undefined && !placed.has(cur[0].addr);) {
      placed.add(cur[0].addr);
      order.push(cur);
      const last = cur[cur.length - 1];
      const next = last.addr + last.len;
      const jumpTarget = (last.mnem === 'jmp' || last.mnem === 'jcc' || last.mnem === 'call') && last.k0 === K.Rel ? last.target : NaN;
      // A call's block continues at its target; its return site comes back later (ret).
      const first = last.mnem === 'jmp' || last.mnem === 'call' ? jumpTarget : last.mnem === 'jcc' || !endsBlock(last) ? next : NaN;
      const other = last.mnem === 'jcc' ? jumpTarget : last.mnem === 'call' ? next : NaN;
      const o = byAddr.get(other);
      cur = byAddr.get(first);
      if (o !== undefined) {
        if (cur === undefined || placed.has(cur[0].addr)) { cur = o; continue; }
        const rest = cur;
        visit(rest);
        cur = o;
      }
    }
  };
  visit(blocks[0]);
  for (const b of blocks) if (!placed.has(b[0].addr)) order.push(b); // not reached by a direct edge
  return order;
}

/** Translate one block (a region of one). */
export function translateBlock(insns: Insn[], ctx: TranslateContext, name: string): Translation {
  return translateRegion([insns], ctx, name);
}

/**
 * Translate a region: blocks[0] is the entry; every block is a straight-line list of instructions
 * ending in a control transfer, a block-ending instruction, or a fall-through into the next address.
 */
export function translateRegion(blocks: Insn[][], ctx: TranslateContext, name: string,
  /** Observed targets of the region's indirect jmp/call instructions, by instruction address. */
  indirect: Map<number, number[]> = new Map()): Translation {
  return assembleRegionJs(emitRegion(blocks, ctx, indirect), ctx, name);
}

/** The JavaScript function of an emitted region. */
export function assembleRegionJs(r: EmittedRegion, ctx: TranslateContext, name: string): Translation {
  const { st, body, insnLines, flat, posInBlock, handlers } = r;
  const regs = [...st.regsUsed].sort((a, b) => a - b);
  const lines = [
    'const R = cpu.regs, CC = cpu.cc, M = cpu.mmu;',
    regs.length ? 'let ' + regs.map((r) => `r${r}l = R[${2 * r}], r${r}h = R[${2 * r + 1}]`).join(', ') + ';' : '',
    FLAG_ENTRY + (st.flagsDeferred ? ' let fpm = 0, fpv = 0;' : ''),
    XMM_ENTRY,
    'let k = 0, done = 0, pc = 0, xr = NaN, xn = 0;',
    'try {',
    'region: for (;;) {',
    'switch (pc) {',
    ...body,
    '}',
    '}',
    'done += xn; if (xr === xr) cpu.rip = xr;',
    st.writeBack(),
    'return done;',
    '} catch (f) {',
    st.writeBack(),
    'if (!(f && f.trap)) cpu.rip = A[k];',
    'cpu.instret += done + P[k];',
    'throw f;',
    '}',
  ];
  const header = `return function ${name}(cpu) {`;
  const source = st.resolve(`${header}\n${lines.join('\n')}\n}\n//# sourceURL=ringjit://block/${name}`);
  const firstBodyLine = 1 + lines.indexOf('switch (pc) {') + 1;
  const addrs = flat.map((i) => i.addr);
  const factory = new Function('rt', 'H', 'PAR', 'I', 'A', 'P', 'CACHE', 'HANDLERS', source);
  const fn = factory(ctx.rt, ctx.H, PAR, flat, addrs, posInBlock, ctx.cache, handlers) as BlockFn;
  return { fn, source, insnLines: insnLines.map((l) => l + firstBodyLine) };
}

/** A region's code before it is assembled into a function (JavaScript here, wasm in wasm/region.ts). */
export interface EmittedRegion {
  st: BlockState;
  /** `case n: {` ... `}` for every block, in layout order: unresolved text (BlockState.resolve). */
  body: string[];
  /** For each case, the index in `body` of its `case n: {` line and of its closing `}`. */
  cases: { open: number; close: number }[];
  /** Index in `body` of each guest instruction's first line, in region order. */
  insnLines: number[];
  /** The region's instructions in region order, each one's position in its block, and the interpreter
   * handler of each instruction that has no semantics (else null). */
  flat: Insn[];
  posInBlock: number[];
  handlers: (((cpu: any, i: Insn) => void) | null)[];
  /** Whether each instruction (region order) calls a helper (HELPER_INSN_OPEN). */
  callsHelper: boolean[];
  /** Block address -> its case (the region can be entered at any block: the wasm dispatcher does). */
  caseOf: Map<number, number>;
}

/**
 * An instruction that calls a helper (a shared implementation that sees the whole Cpu: syscall, cpuid,
 * the privileged instructions, an instruction without semantics), whole, between these comments. The
 * JavaScript region runs it in place; the wasm back end compiles it as a slow exit at the instruction,
 * so that the interpreter runs it (wasm/module.ts).
 */
export const HELPER_INSN_OPEN = '/*@helper-insn@*/', HELPER_INSN_CLOSE = '/*@end-helper-insn@*/';

/** Generate the code of every block of a region (the part shared by the JS and wasm back ends). */
export function emitRegion(blocks: Insn[][], ctx: TranslateContext, indirect: Map<number, number[]>): EmittedRegion {
  const st = new BlockState(ctx.tlbOffset, ctx.tlbMask);
  blocks = layout(blocks);
  const index = new Map<number, number>();
  blocks.forEach((b, n) => index.set(b[0].addr, n));
  const returnSites = blocks.map((b) => b[b.length - 1]).filter((i) => i.mnem === 'call')
    .map((i) => i.addr + i.len).filter((a, k, all) => index.has(a) && all.indexOf(a) === k);
  const body: string[] = [];
  const insnLines: number[] = [];
  const flat: Insn[] = [];
  const posInBlock: number[] = [];
  const handlers: (((cpu: any, i: Insn) => void) | null)[] = [];
  const callsHelper: boolean[] = [];
  const cases: { open: number; close: number }[] = [];

  for (let n = 0; n < blocks.length; n++) {
    const insns = blocks[n];
    const len = insns.length;
    const { dead, deferrable } = flagLiveness(insns, ctx);
    const open = body.length;
    body.push(`case ${n}: {`);
    st.known = null; // flags at a block entry come from whichever predecessor ran
    let ended = false;
    for (let k = 0; k < len; k++) {
      const i = insns[k];
      const g = flat.length;
      flat.push(i); posInBlock.push(k);
      const next = i.addr + i.len;
      const links: RegionLinks = { index, current: n, returnSites, indirect, blockLen: k + 1 };
      const start = st.lines.length;
      st.calledHelper = false;
      const sem = i.mnem === '(bad)' ? null : semanticsOf(i);
      let rec = null, touched = true, branched = false;
      let kind: 'jump' | 'cond' | null = null;
      let ok = false;
      if (sem) {
        try {
          const e = new BlockEmitter(i, st, g, links, dead[k], deferrable[k]);
          sem(e, i);
          rec = e.lastFlags; touched = e.flagsTouched; branched = e.branched; kind = e.transferKind;
          handlers.push(null);
          ok = true;
        } catch {
          st.lines.splice(start); // a semantics defect: fall back to the interpreter's handler below
        }
      }
      if (!ok) {
        // No semantics: the interpreter's handler raises #UD with the message naming the instruction.
        st.lines.push(st.beforeHelper(), `HANDLERS[${g}](cpu, I[${g}]);`, st.afterHelper());
        handlers.push(ctx.handlerOf(i));
      }
      if (rec) st.known = rec; else if (touched) st.known = null;
      const text = st.lines.splice(start).join('\n');
      insnLines.push(body.length);
      body.push(`// insn ${g} at 0x${i.addr.toString(16)}`);
      if (mayFault(text) || !ok) body.push(`k = ${g};`);
      if (branched && k !== len - 1) throw new Error(`branch in the middle of a block at ${i.addr}`);
      callsHelper.push(st.calledHelper);
      if (st.calledHelper) {
        // A helper's store hit a page holding translated code: leave before the next instruction so
        // the new code is decoded (this instruction has completed).
        const dirty = !branched && k < len - 1 ? `\nif (CACHE.dirty) { ${exitTo(String(next), k + 1)} }` : '';
        body.push(HELPER_INSN_OPEN + text + dirty + HELPER_INSN_CLOSE);
      } else {
        body.push(text);
      }
      if (branched) {
        // The instruction transferred control itself (jmp/call/ret exit or continue; jcc continued
        // only when taken; syscall/int helpers set cpu.rip). Fall-through of a conditional branch:
        if (kind === 'cond') body.push(transfer(next, index, k + 1, n, true));
        else if (kind === null) body.push(exitTo('NaN', k + 1)); // a helper set cpu.rip
        ended = true;
      }
    }
    if (!ended) {
      const last = insns[len - 1];
      body.push(transfer(last.addr + last.len, index, len, n, true));
    }
    cases.push({ open, close: body.length });
    body.push('}');
  }
  return { st, body, cases, insnLines, flat, posInBlock, handlers, callsHelper, caseOf: index };
}
