// The privileged architecture against the SDM's rules (part 2: interrupt delivery through the IDT,
// IRETQ, descriptor tables, I/O and flags, FSGSBASE, HLT, the serial port). See privileged.test.ts.

import { describe, expect } from 'vitest';
import { BP, both, DF, done, GP, NP, PF, reg, RF, UD } from './helpers/baremetal.js';

describe('interrupt delivery through the IDT', () => {
  both('int n from CPL 3 through a DPL-3 interrupt gate: stack switch to TSS.RSP0, frame, CS/SS, IF cleared', `
    SET_GATE 0x41, h41, 0xee00
    TO_USER user, 0x2c3
user:
    int 0x41
after:
h41:
    push -1
    push 0x41
    jmp record
`, (r) => {
    const c = r.m.cpu, f = r.frame;
    expect(r.status).toBe(0xc1);
    expect([f.rip, f.cs, f.rflags, f.rsp, f.ss]).toEqual([r.sym('after'), 0x33, 0x2c3, r.sym('user_stack_top'), 0x2b]);
    expect(f.ripSlot + 40).toBe(r.sym('stack1_top'));
    expect([c.cs, c.ss, c.cpl]).toEqual([0x10, 0, 0]);
    expect(c.getEflags() & 0x200).toBe(0);
  });

  both('a trap gate leaves IF set; the stack is aligned down to 16 bytes before the pushes', `
    SET_GATE 0x41, h41, 0x8f00
    sti
    sub rsp, 8
    int 0x41
h41:
    push -1
    push 0x41
    jmp record
`, (r) => {
    expect(r.status).toBe(0xc1);
    expect((r.frame.ripSlot + 40) % 16).toBe(0);
    expect(r.frame.ripSlot + 40).toBe(r.frame.rsp - 8);
    expect(r.m.cpu.getEflags() & 0x200).toBe(0x200);
  });

  both('int n with a gate DPL below CPL is #GP(n * 8 + 2) at the int instruction', `
    TO_USER user
user:
f:  int 0x3
`, (r) => { expect(r.status).toBe(GP); expect(r.frame.error).toBe(3 * 8 + 2); expect(r.frame.rip).toBe(r.sym('f')); });

  both('int3 through a DPL-3 gate is a #BP trap (RIP after it)', `
    SET_GATE 3, stubs+3*16, 0xee00
    TO_USER user
user:
    int3
after:
`, (r) => { expect(r.status).toBe(BP); expect(r.frame.rip).toBe(r.sym('after')); expect(r.frame.rflags & RF).toBe(0); });

  both('a gate that is not present is #NP(n * 8 + 2)', `
    SET_GATE 0x41, h41, 0x6e00
    TO_USER user
user:
f:  int 0x41
h41:
`, (r) => { expect(r.status).toBe(NP); expect(r.frame.error).toBe(0x41 * 8 + 2); expect(r.frame.rip).toBe(r.sym('f')); });

  both('a vector beyond the IDT limit is #GP(n * 8 + 2)', `
    lea rax, [rip + small_idt]
    mov WORD PTR [rax], 32 * 16 - 1
    lidt [rip + small_idt]
f:  int 0x41
    .data
small_idt: .word 0
    .quad idt
    .text
`, (r) => { expect(r.status).toBe(GP); expect(r.frame.error).toBe(0x41 * 8 + 2); });

  both('an IST gate switches to TSS.IST1 even without a privilege change', `
    SET_GATE 0x41, h41, 0x8e01
    int 0x41
h41:
    push -1
    push 0x41
    jmp record
`, (r) => { expect(r.frame.ripSlot + 40).toBe(r.sym('ist_top')); });

  both('#PF: CR2 and the error code (write, user, not present)', `
    TO_USER user
user:
f:  mov QWORD PTR [0x50000000], 1
`, (r) => {
    expect(r.status).toBe(PF);
    expect(r.frame.error).toBe(0x6);
    expect(r.frame.cr2).toBe(0x50000000);
    expect(r.frame.rip).toBe(r.sym('f'));
  });

  both('a #GP whose gate is not present becomes #NP, then #DF (contributory + contributory)', `
    SET_GATE 13, stubs+13*16, 0x0e00
    SET_GATE 11, stubs+11*16, 0x0e00
    mov ecx, 0x12345678
f:  rdmsr
`, (r) => { expect(r.status).toBe(DF); expect(r.frame.error).toBe(0); expect(r.frame.rip).toBe(r.sym('f')); });

  both('no usable #DF gate: triple fault ends the run', `
    SET_GATE 13, stubs+13*16, 0x0e00
    SET_GATE 11, stubs+11*16, 0x0e00
    SET_GATE 8, stubs+8*16, 0x0e00
    mov ecx, 0x12345678
    rdmsr
`, (r) => { expect(r.status).toBe(255); expect(r.message).toMatch(/triple fault/); });
});

describe('IRETQ', () => {
  const frame = (ss: string, cs: string, rip = 'user', flags = '0x202') =>
    `    mov rax, rsp\n    push ${ss}\n    push rax\n    push ${flags}\n    push ${cs}\n    lea rax, [rip + ${rip}]\n    push rax\n`;
  both('to CPL 3: CS/SS/RSP/RFLAGS loaded, DS/ES made null when less privileged', `
    TO_USER user, 0x3202
user:
${done(9)}`, (r) => {
    const c = r.m.cpu;
    expect(r.status).toBe(9);
    expect([c.cpl, c.cs, c.ss, c.ds, c.es]).toEqual([3, 0x33, 0x2b, 0, 0]);
    expect(Number(reg(r, 4))).toBe(r.sym('user_stack_top'));
    expect(c.getEflags() & 0x3000).toBe(0x3000);
  });
  const iretFaults: [string, string, number][] = [
    ['a null SS for CPL 3', frame('0', '0x33'), 0],
    ['SS.RPL != CS.RPL', frame('0x18', '0x33'), 0x18],
    ['CS.DPL != CS.RPL (non-conforming)', frame('0x2b', '0x13'), 0x10],
    ['CS that is not a code segment', frame('0x2b', '0x2b'), 0x28],
    ['CS.RPL < CPL', `${frame('0x2b', '0x33', 'user2')}    iretq\nuser2:\n${frame('0x18', '0x10', 'user2')}`, 0x10],
    ['a null CS', frame('0x2b', '0'), 0],
  ];
  for (const [what, asm, code] of iretFaults) {
    both(`#GP for ${what}`, `${asm}f:  iretq\nuser:\n${done(1)}`, (r) => {
      expect(r.status).toBe(GP);
      expect(r.frame.error).toBe(code);
      expect(r.frame.rip).toBe(r.sym('f'));
    });
  }
  both('#GP(0) for a non-canonical RIP and for RFLAGS.NT = 1', `
    mov rax, rsp
    push 0x2b
    push rax
    push 0x202
    push 0x33
    mov rax, 0x0000800000000000
    push rax
f:  iretq
`, (r) => { expect(r.status).toBe(GP); expect(r.frame.rip).toBe(r.sym('f')); });
  both('at CPL 3, IRETQ cannot change IF or IOPL', `
    TO_USER user, 0x202
user:
    mov rax, rsp
    push 0x2b
    push rax
    push 0x3002
    push 0x33
    lea rax, [rip + back]
    push rax
    iretq
back:
    pushfq
    pop r12
    mov al, 1
    out 0xf4, al
`, (r) => {
    expect(r.status).toBe(GP); // IOPL stayed 0, so the OUT faults
    expect(r.frame.rflags & 0x3200).toBe(0x200);
  });
});

describe('descriptor tables, I/O, flags, FSGSBASE, HLT', () => {
  both('sgdt/sidt/str read back what lgdt/lidt/ltr loaded; ltr marked the TSS busy', `
    sgdt [rip + out1]
    sidt [rip + out2]
    str r12
    mov r13d, [rip + gdt + 0x44]
    mov ax, 0x40
f:  ltr ax
    .data
out1: .skip 10
out2: .skip 10
    .text
`, (r) => {
    const dv = r.m.cpu.mem.dv;
    expect(r.status).toBe(GP);
    expect(r.frame.error).toBe(0x40);
    expect(dv.getUint16(r.sym('out1'), true)).toBe(0x4f);
    expect(Number(dv.getBigUint64(r.sym('out1') + 2, true))).toBe(r.sym('gdt'));
    expect(dv.getUint16(r.sym('out2'), true)).toBe(0xfff);
    expect(reg(r, 12)).toBe(0x40n);
    expect((Number(reg(r, 13)) >> 8) & 0xf).toBe(0xb);
  });

  both('CR4.UMIP makes sgdt a ring-0 instruction', `
    mov rax, cr4
    bts rax, 11
    mov cr4, rax
    TO_USER user
user:
f:  sgdt [rip + out1]
    .data
out1: .skip 10
    .text
`, (r) => { expect(r.status).toBe(GP); expect(r.frame.rip).toBe(r.sym('f')); });

  both('in/out and cli/sti at CPL 3 with IOPL 0 are #GP(0)', `
    TO_USER user
user:
f:  out 0xf4, al
`, (r) => { expect(r.status).toBe(GP); expect(r.frame.rip).toBe(r.sym('f')); });
  both('cli at CPL 3 is #GP(0)', 'TO_USER user\nuser:\nf: cli\n', (r) => { expect(r.status).toBe(GP); expect(r.frame.rip).toBe(r.sym('f')); });

  both('rdfsbase is #UD while CR4.FSGSBASE = 0', 'TO_USER user\nuser:\nf: rdfsbase rax\n', (r) => {
    expect(r.status).toBe(UD); expect(r.frame.rip).toBe(r.sym('f'));
  });
  both('wrgsbase/rdgsbase at CPL 3 with CR4.FSGSBASE; the 32-bit form zero-extends; non-canonical is #GP', `
    mov rax, cr4
    bts rax, 16
    mov cr4, rax
    TO_USER user
user:
    mov rax, 0x00007fff12345678
    wrgsbase rax
    rdgsbase r12
    mov eax, 0xfedcba98
    wrfsbase eax
    rdfsbase r13
    mov rax, 0x0000800000000000
f:  wrfsbase rax
`, (r) => {
    expect(r.status).toBe(GP);
    expect(r.frame.rip).toBe(r.sym('f'));
    expect(reg(r, 12)).toBe(0x00007fff12345678n);
    expect(reg(r, 13)).toBe(0xfedcba98n);
  });

  both('hlt at CPL 0 with nothing to wake it ends the run', 'hlt\n', (r) => {
    expect(r.status).toBe(0);
    expect(r.message).toMatch(/cpu halted/);
  });
  both('hlt at CPL 3 is #GP(0)', 'TO_USER user\nuser:\nf: hlt\n', (r) => { expect(r.status).toBe(GP); expect(r.frame.rip).toBe(r.sym('f')); });

  both('the 16550 prints what is written to its transmit register', `
    lea rsi, [rip + msg]
1:  lodsb
    test al, al
    jz 2f
    mov dx, 0x3f8
    out dx, al
    jmp 1b
2:  mov dx, 0x3fd
    in al, dx
    mov r12, rax
${done(3)}
msg: .asciz "serial ok\\n"
`, (r) => { expect(r.out).toBe('serial ok\n'); expect(reg(r, 12) & 0x60n).toBe(0x60n); expect(r.status).toBe(3); });
});
