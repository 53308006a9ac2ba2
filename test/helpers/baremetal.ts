// Bare-metal snippets for the privileged-instruction tests: a few lines of ring-0 assembly, wrapped in a
// prelude that gives them Linux's GDT layout, a TSS, an IDT whose handlers record the exception frame,
// and user-accessible low memory; assembled with gcc and run by `ringjit boot`'s machine under one
// engine. The snippet ends with `out 0xf4, al` (its status), or an exception ends it: the recording
// handler stores the frame at FRAME and exits with 0x80 | vector.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'vitest';
import { bootMachine, type BootedMachine, runMachine } from '../../src/runtime/boot.js';
import { REPO_ROOT } from './run.js';

export const FRAME = 0x90000;
const CACHE_DIR = join(REPO_ROOT, 'test', 'build', 'baremetal', 'snippets');
/** Selectors, GDT and set_gate shared with the test kernel (test/baremetal/kernel.S). */
const SHARED_INC = join(REPO_ROOT, 'test', 'baremetal', 'linux_x86.inc');

const PRELUDE = String.raw`
    .intel_syntax noprefix
    .set FRAME, 0x90000
#include "linux_x86.inc"
/* TO_USER label [, rflags]: iretq to CPL 3 at label, on the user stack */
.macro TO_USER label, flags=0x202
    push USER_DS
    lea rax, [rip + user_stack_top]
    push rax
    push \flags
    push USER_CS
    lea rax, [rip + \label]
    push rax
    iretq
.endm
/* SET_GATE vector, handler, attr (0x8e00 interrupt gate DPL 0, 0xee00 DPL 3, 0x8f00 trap gate; | ist) */
.macro SET_GATE vector, handler, attr
    mov edi, \vector
    lea rsi, [rip + \handler]
    mov edx, \attr
    call set_gate
.endm
    .text
    .globl _start
_start:
    lea rsp, [rip + stack0_top]
    /* user-accessible low 16 MiB (the boot map is supervisor-only) */
    or QWORD PTR [0x2000], 4
    or QWORD PTR [0x3000], 4
    mov ecx, 8
    mov eax, 0x4000
1:  or QWORD PTR [rax], 4
    add eax, 8
    loop 1b
    mov rax, cr3
    mov cr3, rax
    /* TSS descriptor, GDT, CS/SS reload by iretq */
    lea rax, [rip + tss]
    mov ecx, eax
    shl ecx, 16
    or ecx, 103
    mov [rip + gdt + TSS_SEL], ecx
    mov rcx, rax
    shr rcx, 16
    and ecx, 0xff
    or ecx, 0x8900
    mov [rip + gdt + TSS_SEL + 4], ecx
    lgdt [rip + gdt_desc]
    mov rax, rsp
    push KERNEL_DS
    push rax
    pushfq
    push KERNEL_CS
    lea rax, [rip + 2f]
    push rax
    iretq
2:  lea rax, [rip + stack1_top]
    mov [rip + tss + 4], rax            /* RSP0 */
    lea rax, [rip + ist_top]
    mov [rip + tss + 36], rax           /* IST1 */
    mov ax, TSS_SEL
    ltr ax
    xor ebx, ebx
3:  mov edi, ebx
    lea rsi, [rip + stubs]
    mov eax, ebx
    shl eax, 4
    add rsi, rax
    mov edx, 0x8e00
    call set_gate
    inc ebx
    cmp ebx, 32
    jb 3b
    lidt [rip + idt_desc]
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    jmp test_main

    SET_GATE_ROUTINE

    .balign 16
stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .balign 16
    .if (\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21)
    push \v
    jmp record
    .else
    push -1
    push \v
    jmp record
    .endif
    .endr
/* FRAME: vector, error code, RIP, CS, RFLAGS, RSP, SS, CR2, address of the RIP slot (frame top - 40) */
    .globl record
record:
    push rax
    push rcx
    xor ecx, ecx
4:  mov rax, [rsp + 16 + rcx * 8]
    mov [FRAME + rcx * 8], rax
    inc ecx
    cmp ecx, 7
    jb 4b
    mov rax, cr2
    mov [FRAME + 56], rax
    lea rax, [rsp + 32]
    mov [FRAME + 64], rax
    mov al, [rsp + 16]
    or al, 0x80
    out 0xf4, al

    .data
    .balign 16
    LINUX_GDT
gdt_desc: .word gdt_end - gdt - 1
          .quad gdt
idt_desc: .word 256 * 16 - 1
          .quad idt
    .balign 16
tss: .skip 104
    .bss
    .balign 4096
idt: .skip 4096
    .skip 4096
stack0_top:
    .skip 4096
stack1_top:
    .skip 4096
ist_top:
    .skip 4096
user_stack_top:
    .skip 64
    .text
`;

export interface SnippetResult {
  status: number;
  out: string;
  /** Why the run ended when not by an OUT to 0xf4 (triple fault, hlt). */
  message: string | null;
  /** The recorded exception frame (valid when status has bit 7 set). */
  frame: { vector: number; error: number; rip: number; cs: number; rflags: number; rsp: number; ss: number; cr2: number; ripSlot: number };
  m: BootedMachine;
  /** Address of a label in the snippet. */
  sym(name: string): number;
}

function build(asm: string): { elf: Uint8Array; syms: Map<string, number> } {
  const text = PRELUDE + asm + '\n    .section .note.GNU-stack,"",@progbits\n';
  // The shared include is part of what is assembled, so it is part of the cache key.
  const key = createHash('sha256').update(text).update(readFileSync(SHARED_INC)).digest('hex').slice(0, 16);
  mkdirSync(CACHE_DIR, { recursive: true });
  const out = join(CACHE_DIR, `${key}.elf`);
  if (!existsSync(out)) {
    const src = join(CACHE_DIR, `${key}.S`);
    writeFileSync(src, text);
    const tmp = `${out}.tmp${process.pid}`;
    execFileSync('gcc', ['-nostdlib', '-static', '-no-pie', '-I', dirname(SHARED_INC), '-Wl,-Ttext=0x100000', '-Wl,--build-id=none',
      '-Wl,-z,noexecstack', '-o', tmp, src], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, out);
  }
  const syms = new Map<string, number>();
  for (const line of execFileSync('nm', [out], { encoding: 'utf8' }).split('\n')) {
    const [addr, , name] = line.trim().split(/\s+/);
    if (name) syms.set(name, parseInt(addr, 16));
  }
  return { elf: readFileSync(out), syms };
}

/** Assemble and run a snippet (its code starts at the label test_main, at CPL 0). */
export function runSnippet(asm: string, engine: 'interp' | 'jit', maxInstructions = 5_000_000): SnippetResult {
  const { elf, syms } = build('test_main:\n' + asm);
  let out = '';
  const dec = new TextDecoder();
  const m = bootMachine(elf, {
    engine, deterministic: true, stats: false, jitThreshold: 1,
    stdout: (b) => { out += dec.decode(b); }, stderr: () => {},
  });
  runMachine(m, maxInstructions);
  const dv = m.cpu.mem.dv;
  const q = (k: number): number => {
    const lo = dv.getUint32(FRAME + 8 * k, true), hi = dv.getInt32(FRAME + 8 * k + 4, true);
    return hi * 2 ** 32 + lo;
  };
  return {
    status: m.machine.exitStatus, out, message: m.machine.message, m,
    frame: { vector: q(0), error: q(1), rip: q(2), cs: q(3), rflags: q(4), rsp: q(5), ss: q(6), cr2: q(7), ripSlot: q(8) },
    sym: (name) => {
      const v = syms.get(name);
      if (v === undefined) throw new Error(`no symbol ${name}`);
      return v;
    },
  };
}

// ---- shared by the privileged-instruction tests ----------------------------------------------------------

export const ENGINES = ['interp', 'jit'] as const;
/** Exit statuses of the recording handler: 0x80 | vector. */
export const GP = 0x8d, NP = 0x8b, UD = 0x86, PF = 0x8e, DF = 0x88, BP = 0x83;
export const RF = 0x10000;

/** Run the snippet under both engines and apply the same checks (inside a vitest describe). */
export function both(name: string, asm: string, check: (r: SnippetResult) => void): void {
  for (const e of ENGINES) it(`${name} [${e}]`, () => check(runSnippet(asm, e)));
}
/** End a snippet with an OUT to isa-debug-exit. */
export const done = (code: number): string => `    mov al, ${code}\n    out 0xf4, al\n`;
/** A 64-bit register after the run, exactly. */
export const reg = (r: SnippetResult, n: number): bigint =>
  (BigInt(r.m.cpu.regs[2 * n + 1] >>> 0) << 32n) | BigInt(r.m.cpu.regs[2 * n] >>> 0);
