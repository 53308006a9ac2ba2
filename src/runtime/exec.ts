// The execution loops: run guest code with the chosen engine until the guest OS says stop. Kernel
// trap addresses (entry points whose "code" is TypeScript) are checked whenever a block is looked up;
// faults are delivered to the guest OS, which resolves them (demand paging) or ends the task.

import { type Block, type CodeCache } from './codecache.js';
import { type Cpu } from './cpu.js';
import { GuestExit, GuestFault } from './faults.js';
import { type Interpreter } from './interp.js';
import { type Insn } from '../decoder/insn.js';
import { formatInsn } from '../decoder/format.js';

export interface GuestOS {
  /** True once the task has exited or been killed. */
  readonly stopped: boolean;
  /** Deliver an exception raised by guest code. cpu.rip is the faulting instruction (or, for traps,
   * the next one); the handler fixes the cause and returns to retry, or stops the task. */
  handleFault(cpu: Cpu, f: GuestFault): void;
}

export interface Engine {
  /** Run until the OS stops or about `budget` instructions retire (returns so the caller can poll). */
  run(budget: number): void;
}

export function runTrap(cpu: Cpu, os: GuestOS, trap: (cpu: Cpu) => void): void {
  try {
    trap(cpu);
  } catch (f) {
    if (f instanceof GuestExit) return;
    if (f instanceof GuestFault) { os.handleFault(cpu, f); return; }
    throw f;
  }
}

/**
 * Interpret one decoded block: one handler call per instruction. Stops early at a taken branch or when
 * a store invalidated code. Returns the instructions retired; a fault is delivered to the OS here.
 */
export function interpretBlock(cpu: Cpu, os: GuestOS, cache: CodeCache, interp: Interpreter, b: Block): number {
  return interpretInsns(cpu, os, cache, interp, b.insns);
}

/** Interpret instructions that follow one another, from the first (cpu.rip is its address), as a block. */
export function interpretInsns(cpu: Cpu, os: GuestOS, cache: CodeCache, interp: Interpreter, insns: Insn[]): number {
  let k = 0;
  cache.dirty = false;
  try {
    for (; k < insns.length; k++) {
      const i = insns[k];
      const next = i.addr + i.len;
      cpu.rip = next;
      if (TRACE) traceInsn(cpu, i);
      (i.handler ?? interp.handlerOf(i))(cpu, i);
      if (cpu.rip !== next || cache.dirty) { k++; break; }
    }
  } catch (f) {
    if (f instanceof GuestFault) {
      if (!f.trap) cpu.rip = insns[k].addr;
      cpu.instret += k;
      os.handleFault(cpu, f);
      return k;
    }
    if (f instanceof GuestExit) { cpu.instret += k + 1; return k + 1; }
    throw f;
  }
  cpu.instret += k;
  return k;
}

/** RINGJIT_TRACE=1: print every interpreted instruction with the registers before it (debugging aid). */
const TRACE = typeof process !== 'undefined' && !!process.env.RINGJIT_TRACE;
function traceInsn(cpu: Cpu, i: Insn): void {
  const regs = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']
    .map((n, r) => `${n}=${(cpu.regs[2 * r + 1] >>> 0).toString(16)}_${(cpu.regs[2 * r] >>> 0).toString(16).padStart(8, '0')}`).join(' ');
  process.stderr.write(`trace ${i.addr.toString(16)} ${formatInsn(i).replace(/\s+/g, ' ')} | ${regs} fl=${cpu.getEflags().toString(16)}\n`);
}

/** The kernel trap at cpu.rip, if any. Kernel trap addresses all lie in the kernel half (negative
 * addresses), so user code never pays for the map lookup. */
export function trapAt(cpu: Cpu): ((cpu: Cpu) => void) | undefined {
  return cpu.rip < 0 ? cpu.traps.at(cpu.rip) : undefined;
}

/** Look up the block at cpu.rip, running a kernel trap or delivering a fetch fault instead. */
export function lookup(cpu: Cpu, os: GuestOS, cache: CodeCache): Block | null {
  const trap = trapAt(cpu);
  if (trap !== undefined) { runTrap(cpu, os, trap); return null; }
  try {
    return cache.get(cpu.rip);
  } catch (f) {
    if (f instanceof GuestFault) { os.handleFault(cpu, f); return null; }
    throw f;
  }
}

/**
 * The block to run at cpu.rip after `prev`: one of prev's two chained successors when it matches (no
 * map lookup), otherwise a full lookup, which then links prev to the result.
 */
export function next(cpu: Cpu, os: GuestOS, cache: CodeCache, prev: Block | null): Block | null {
  const rip = cpu.rip;
  if (prev !== null) {
    let b: Block | null = null;
    if (prev.succAddr0 === rip) b = prev.succ0; else if (prev.succAddr1 === rip) b = prev.succ1;
    if (b !== null && b.valid) { cache.chainHits++; return b; }
  }
  cache.lookups++;
  const b = lookup(cpu, os, cache);
  if (b !== null && prev !== null && prev.valid) {
    if (prev.succ0 === null || !prev.succ0.valid) { prev.succAddr0 = rip; prev.succ0 = b; }
    else { prev.succAddr1 = rip; prev.succ1 = b; }
    if (prev.targets !== null && prev.targets.length < MAX_TARGETS && !prev.targets.includes(rip)) prev.targets.push(rip);
  }
  return b;
}

/** Targets of an indirect jmp/call remembered per block (a switch's jump table has a handful). */
const MAX_TARGETS = 8;

/** The interpreter engine. */
export class InterpEngine implements Engine {
  constructor(private readonly cpu: Cpu, private readonly os: GuestOS, private readonly cache: CodeCache,
    private readonly interp: Interpreter) {}

  run(budget: number): void {
    const cpu = this.cpu, os = this.os, cache = this.cache;
    let retired = 0;
    let prev: Block | null = null;
    while (!os.stopped && retired < budget) {
      const b = next(cpu, os, cache, prev);
      if (b !== null) retired += interpretBlock(cpu, os, cache, this.interp, b);
      prev = b;
    }
  }
}
