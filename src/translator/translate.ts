// Block -> JavaScript source -> Function. The generated function runs the whole block with registers
// and the flag record in locals, returns the number of instructions it retired, and on a guest fault
// writes back the state as of the faulting instruction (DESIGN decision 5) before rethrowing.
//
// Generated text never contains text derived from guest bytes except numeric literals: operands are
// numbers, and the only strings are fixed messages from the semantics.

import { type Insn } from '../decoder/insn.js';
import { semanticsOf } from '../semantics/index.js';
import { PAR } from '../semantics/flags.js';
import { BlockEmitter, BlockState, FLAG_LOAD } from './block-emitter.js';

export type BlockFn = (cpu: any) => number;

export interface TranslateContext {
  rt: unknown;
  H: unknown;
  /** The code cache (generated code reads its `dirty` flag after stores: self-modifying code). */
  cache: { dirty: boolean };
  /** Interpreter handler for an instruction (used for '(bad)' and unimplemented instructions). */
  handlerOf(i: Insn): (cpu: any, i: Insn) => void;
  tlbOffset: number;
  tlbMask: number;
}

export interface Translation {
  fn: BlockFn;
  source: string;
  /** For source maps: generated line (0-based) where each guest instruction's code starts. */
  insnLines: number[];
}

/** Can this instruction fault or trap (so the catch must know where it was)? Conservative: anything
 * that touches memory, calls out, divides or raises. Pure register ALU ops cannot. */
function mayFault(code: string): boolean {
  return /M\.|H\.|throw|rt\.fault|HANDLERS|rt\.gp/.test(code);
}

export function translateBlock(insns: Insn[], ctx: TranslateContext, name: string): Translation {
  const st = new BlockState(ctx.tlbOffset, ctx.tlbMask);
  const body: string[] = [];
  const insnLines: number[] = [];
  const count = insns.length;
  let lastBranched = false;
  for (let k = 0; k < count; k++) {
    const i = insns[k];
    const next = i.addr + i.len;
    const start = st.lines.length;
    st.stored = false;
    const sem = i.mnem === '(bad)' ? null : semanticsOf(i);
    let branched = false;
    let touched = true;
    let rec = null;
    if (sem) {
      const e = new BlockEmitter(i, st, k);
      sem(e, i);
      branched = e.branched;
      touched = e.flagsTouched;
      rec = e.lastFlags;
    } else {
      // No semantics: the interpreter's handler raises #UD with the message naming the instruction.
      st.lines.push(st.writeBack(), `HANDLERS[${k}](cpu, I[${k}]);`, st.reload());
    }
    // Track the statically known flag producer for direct conditions in later instructions.
    if (rec) st.known = rec; else if (touched) st.known = null;
    const code = st.lines.splice(start);
    const text = code.join('\n');
    insnLines.push(body.length);
    body.push(`// insn ${k} at 0x${i.addr.toString(16)}`);
    if (mayFault(text) || !sem) body.push(`k = ${k};`);
    if (branched) body.push(`cpu.rip = ${next};`);
    body.push(text);
    if (st.stored && k < count - 1) {
      // A store that hit a page holding translated code: leave before the next instruction so the new
      // code is decoded (the store itself, and this instruction, have completed).
      body.push(`if (smc) { cpu.rip = ${next}; n = ${k + 1}; break blk; }`);
    }
    if (branched && k !== count - 1) throw new Error(`branch in the middle of a block at ${i.addr}`);
    lastBranched = branched;
  }
  const last = insns[count - 1];
  const endsWithBranch = lastBranched;
  const regs = [...st.regsUsed].sort((a, b) => a - b);
  const prologue = [
    'const R = cpu.regs, CC = cpu.cc, M = cpu.mmu, DV = cpu.mem.dv, U8 = cpu.mem.u8;',
    'const TRL = M.rTagLo, TRH = M.rTagHi, TWL = M.wTagLo, TWH = M.wTagHi, PH = M.phys;',
    regs.length ? 'let ' + regs.map((r) => `r${r}l = R[${2 * r}], r${r}h = R[${2 * r + 1}]`).join(', ') + ';' : '',
    'let fop, fdl, fdh, fsl, fsh, fxl, fxh; ' + FLAG_LOAD,
    'let k = 0, n = 0, smc = false;',
    'try {',
    'blk: {',
  ];
  const epilogue = [
    endsWithBranch ? '' : `cpu.rip = ${last.addr + last.len};`,
    `n = ${count};`,
    '}',
    st.writeBack(),
    'return n;',
    '} catch (f) {',
    st.writeBack(),
    `if (!(f && f.trap)) cpu.rip = A[k];`,
    'cpu.instret += k;',
    'throw f;',
    '}',
  ];
  const lines = [...prologue, ...body, ...epilogue];
  const header = `return function ${name}(cpu) {`;
  const source = `${header}\n${lines.join('\n')}\n}\n//# sourceURL=ringjit://block/${name}`;
  const addrs = insns.map((i) => i.addr);
  const handlers = insns.map((i) => (semanticsOf(i) && i.mnem !== '(bad)' ? null : ctx.handlerOf(i)));
  const factory = new Function('rt', 'H', 'PAR', 'I', 'A', 'CACHE', 'HANDLERS', source);
  const fn = factory(ctx.rt, ctx.H, PAR, insns, addrs, ctx.cache, handlers) as BlockFn;
  // Line numbers in `source` are offset by the header line and the prologue.
  return { fn, source, insnLines: insnLines.map((l) => l + 1 + prologue.length) };
}
