// The privileged architecture against the SDM's rules, as ring-0 guest code sees it (part 1: MSRs,
// SYSCALL/SYSRET/SYSENTER/SWAPGS, control registers and the TLB; part 2 is privileged-idt.test.ts). Each
// case is a bare-metal snippet (test/helpers/baremetal.ts) run under both engines, with every block
// translated before it first runs in the JIT case (threshold 1), so the interpreter's handlers and
// translated code are both checked. An exception ends a snippet with status 0x80 | vector and its
// frame recorded.

import { describe, expect } from 'vitest';
import { both, done, GP, PF, reg, RF, UD } from './helpers/baremetal.js';

// Common setup: EFER.SCE, STAR = (USER32_CS << 16 | KERNEL_CS) << 32, LSTAR = lstar, SFMASK = Linux's.
const SYSCALL_INIT = `
    mov ecx, 0xc0000080
    rdmsr
    or eax, 1
    wrmsr
    mov ecx, 0xc0000081
    xor eax, eax
    mov edx, 0x00230010
    wrmsr
    mov ecx, 0xc0000082
    lea rax, [rip + lstar]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, 0xc0000084
    mov eax, 0x47700
    xor edx, edx
    wrmsr
`;

describe('RDMSR / WRMSR', () => {
  both('round-trip STAR (all 64 bits), LSTAR, SFMASK; SWAPGS exchanges GS_BASE and KERNEL_GS_BASE', `
    mov ecx, 0xc0000081
    mov eax, 0x89abcdef
    mov edx, 0x00230010
    wrmsr
    xor eax, eax
    xor edx, edx
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov r12, rax
    mov ecx, 0xc0000082
    mov eax, 0x81000000
    mov edx, 0xffffffff
    wrmsr
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov r13, rax
    mov ecx, 0xc0000084
    mov eax, 0x47700
    xor edx, edx
    wrmsr
    rdmsr
    mov r14, rax
    mov ecx, 0xc0000102
    mov eax, 0x1000
    mov edx, 0xffff8880
    wrmsr
    swapgs
    mov ecx, 0xc0000101
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov r15, rax
${done(1)}`, (r) => {
    expect(r.status).toBe(1);
    expect(reg(r, 12)).toBe(0x0023001089abcdefn);
    expect(reg(r, 13)).toBe(0xffffffff81000000n);
    expect(reg(r, 14)).toBe(0x47700n);
    expect(reg(r, 15)).toBe(0xffff888000001000n);
    expect(r.m.cpu.kernelGsBaseLo).toBe(0);
  });

  const gpCases: [string, string][] = [
    ['an unknown MSR (rdmsr)', 'mov ecx, 0x12345678\nf: rdmsr'],
    ['an unknown MSR (wrmsr)', 'mov ecx, 0x3a\nxor eax, eax\nxor edx, edx\nf: wrmsr'],
    ['SFMASK bits 63:32 (reserved)', 'mov ecx, 0xc0000084\nxor eax, eax\nmov edx, 1\nf: wrmsr'],
    ['TSC_AUX bits 63:32 (reserved)', 'mov ecx, 0xc0000103\nxor eax, eax\nmov edx, 1\nf: wrmsr'],
    ['EFER bit 1 (reserved)', 'mov ecx, 0xc0000080\nrdmsr\nor eax, 2\nf: wrmsr'],
    ['EFER.LME cleared while paging is on', 'mov ecx, 0xc0000080\nrdmsr\nand eax, ~0x100\nf: wrmsr'],
    ['a non-canonical LSTAR', 'mov ecx, 0xc0000082\nxor eax, eax\nmov edx, 0x8000\nf: wrmsr'],
    ['a non-canonical FS_BASE', 'mov ecx, 0xc0000100\nxor eax, eax\nmov edx, 0x00800000\nf: wrmsr'],
    ['a non-canonical KERNEL_GS_BASE', 'mov ecx, 0xc0000102\nxor eax, eax\nmov edx, 0xfff00000\nf: wrmsr'],
    ['a non-canonical SYSENTER_EIP', 'mov ecx, 0x176\nxor eax, eax\nmov edx, 0x10000\nf: wrmsr'],
  ];
  for (const [what, asm] of gpCases) {
    both(`#GP(0) for ${what}, leaving the MSR unchanged`, asm + '\n' + done(1), (r) => {
      expect(r.status).toBe(GP);
      expect(r.frame.error).toBe(0);
      expect(r.frame.rip).toBe(r.sym('f'));
      expect(r.frame.rflags & RF).toBe(RF); // fault-class: RF set in the pushed image
      expect(r.m.cpu.lstar).toBe(0);
    });
  }

  both('EFER.LMA is read-only: writing it 0 is ignored', `
    mov ecx, 0xc0000080
    rdmsr
    and eax, ~0x400
    wrmsr
    rdmsr
    mov r12, rax
${done(1)}`, (r) => {
    expect(r.status).toBe(1);
    expect(Number(reg(r, 12)) & 0x400).toBe(0x400);
  });
});

describe('SYSCALL / SYSRET', () => {
  both('syscall: RCX = next RIP, R11 = RFLAGS, RFLAGS &= ~SFMASK, CS/SS from STAR, CPL 0, RSP kept', `${SYSCALL_INIT}
    TO_USER user, 0x40ed7
user:
    mov r8, rsp
    syscall
after:
    hlt
lstar:
    pushfq
    pop r9
${done(0x42)}`, (r) => {
    const c = r.m.cpu;
    expect(r.status).toBe(0x42);
    expect(Number(reg(r, 1))).toBe(r.sym('after'));
    expect(reg(r, 11)).toBe(0x40ed7n);
    expect(reg(r, 9)).toBe(0x40ed7n & ~0x47700n);
    expect([c.cs, c.ss, c.cpl]).toEqual([0x10, 0x18, 0]);
    expect(reg(r, 4)).toBe(reg(r, 8));
  });

  both('sysretq: RIP = RCX, RFLAGS = R11 & 0x3C7FD7 | 2, CS = STAR[63:48] + 16 | 3, SS = +8 | 3', `${SYSCALL_INIT}
    lea rcx, [rip + user]
    mov r11, 0xffffffffffc07ed5
    sysretq
user:
    hlt
lstar:
`, (r) => {
    expect(r.status).toBe(GP);
    expect(r.frame.rip).toBe(r.sym('user'));
    expect([r.frame.cs, r.frame.ss]).toEqual([0x33, 0x2b]);
    // 0x...c07ed5 & 0x3c7fd7 = 0x7ed5 (IOPL 3, NT, OF, DF, IF; TF clear), | 2, plus RF in the fault frame.
    expect(r.frame.rflags).toBe(0x7ed7 | RF);
  });

  both('sysretq to a non-canonical RCX raises #GP(0) in ring 0 (Intel), on the kernel stack', `${SYSCALL_INIT}
    mov rcx, 0x0000800000000000
    mov r11, 0x202
    mov r12, rsp
f:  sysretq
lstar:
`, (r) => {
    expect(r.status).toBe(GP);
    expect(r.frame.rip).toBe(r.sym('f'));
    expect(r.frame.cs).toBe(0x10);
    expect(BigInt(r.frame.rsp)).toBe(reg(r, 12));
  });

  both('sysretq at CPL 3 is #GP(0)', `${SYSCALL_INIT}
    TO_USER user
user:
f:  sysretq
lstar:
`, (r) => { expect(r.status).toBe(GP); expect(r.frame.rip).toBe(r.sym('f')); expect(r.frame.cs).toBe(0x33); });

  both('syscall with EFER.SCE clear is #UD', `
    TO_USER user
user:
f:  syscall
`, (r) => { expect(r.status).toBe(UD); expect(r.frame.rip).toBe(r.sym('f')); });

  both('sysretq with R11.IOPL = 3 lets ring 3 use I/O ports', `${SYSCALL_INIT}
    lea rcx, [rip + user]
    mov r11, 0x3202
    sysretq
user:
    mov al, 0x55
    out 0xf4, al
lstar:
`, (r) => { expect(r.status).toBe(0x55); expect(r.m.cpu.cpl).toBe(3); });

  both('swapgs at CPL 3 is #GP(0)', 'TO_USER user\nuser:\nf: swapgs\n', (r) => {
    expect(r.status).toBe(GP); expect(r.frame.rip).toBe(r.sym('f'));
  });

  both('sysenter with SYSENTER_CS = 0 is #GP(0); with CS set it enters at SYSENTER_EIP/ESP, CPL 0, IF clear', `
    TO_USER user
user:
f:  sysenter
`, (r) => { expect(r.status).toBe(GP); expect(r.frame.rip).toBe(r.sym('f')); });
  both('sysenter transition', `
    mov ecx, 0x174
    mov eax, 0x10
    xor edx, edx
    wrmsr
    mov ecx, 0x175
    lea rax, [rip + stack0_top]
    xor edx, edx
    wrmsr
    mov ecx, 0x176
    lea rax, [rip + entry]
    wrmsr
    TO_USER user
user:
    sysenter
entry:
${done(7)}`, (r) => {
    const c = r.m.cpu;
    expect(r.status).toBe(7);
    expect([c.cs, c.ss, c.cpl]).toEqual([0x10, 0x18, 0]);
    expect(Number(reg(r, 4))).toBe(r.sym('stack0_top'));
    expect(c.getEflags() & 0x200).toBe(0);
  });
});

// A 4 KiB mapping at VA 0x1000000 (PD entry 8 -> pt) that points at frameA or frameB, which hold 0xA / 0xB.
const TLB_SETUP = `
    lea rax, [rip + pt]
    or rax, 7
    mov [0x4000 + 8 * 8], rax
    mov rax, cr3
    mov cr3, rax
    lea rax, [rip + frameA]
    mov QWORD PTR [rax], 0xa
    lea rbx, [rip + frameB]
    mov QWORD PTR [rbx], 0xb
`;
const TLB_DATA = `
    .bss
    .balign 4096
pt: .skip 4096
frameA: .skip 4096
frameB: .skip 4096
    .text
`;
const mapTo = (frame: string, flags = 3) => `    lea rax, [rip + ${frame}]\n    or rax, ${flags}\n    mov [rip + pt], rax\n`;
const readV = (r: string) => `    mov ${r}, [0x1000000]\n`;

describe('MOV to CR3, CR4.PGE/PCIDE, INVLPG and the TLB', () => {
  both('a CR3 write invalidates non-global translations (a changed PTE is seen only after it)', `${TLB_SETUP}
${mapTo('frameA')}${readV('r12')}${mapTo('frameB')}${readV('r13')}
    mov rax, cr3
    mov cr3, rax
${readV('r14')}${done(1)}${TLB_DATA}`, (r) => {
    expect(r.status).toBe(1);
    expect([reg(r, 12), reg(r, 13), reg(r, 14)]).toEqual([0xan, 0xan, 0xbn]);
  });

  both('INVLPG drops the page\'s translation', `${TLB_SETUP}
${mapTo('frameA')}${readV('r12')}${mapTo('frameB')}
    invlpg [0x1000000]
${readV('r13')}${done(1)}${TLB_DATA}`, (r) => {
    expect([reg(r, 12), reg(r, 13)]).toEqual([0xan, 0xbn]);
  });

  both('global pages survive CR3 writes while CR4.PGE = 1; toggling PGE flushes them', `${TLB_SETUP}
    mov rax, cr4
    or rax, 0x80
    mov cr4, rax
${mapTo('frameA', 0x103)}${readV('r12')}${mapTo('frameB', 0x103)}
    mov rax, cr3
    mov cr3, rax
${readV('r13')}
    mov rax, cr4
    and rax, ~0x80
    mov cr4, rax
${readV('r14')}${done(1)}${TLB_DATA}`, (r) => {
    expect([reg(r, 12), reg(r, 13), reg(r, 14)]).toEqual([0xan, 0xan, 0xbn]);
  });

  both('PCIDs: bit 63 keeps a PCID\'s translations, each PCID has its own, a write without it flushes', `${TLB_SETUP}
    mov rax, cr4
    or rax, 1 << 17
    mov cr4, rax
    mov r15, cr3
    mov rax, r15
    or rax, 1
    mov cr3, rax
${mapTo('frameA')}${readV('r12')}${mapTo('frameB')}
    mov rax, r15
    or rax, 1
    bts rax, 63
    mov cr3, rax
${readV('r13')}
    mov rax, r15
    or rax, 2
    bts rax, 63
    mov cr3, rax
${readV('r14')}
    mov rax, r15
    or rax, 1
    bts rax, 63
    mov cr3, rax
${readV('rbp')}
    mov rax, r15
    or rax, 1
    mov cr3, rax
${readV('rsi')}
    mov rdi, cr3
${done(1)}${TLB_DATA}`, (r) => {
    expect(r.status).toBe(1);
    // PCID 1 keeps V->A across the no-flush switches; PCID 2 walks and sees B; flushing PCID 1 shows B.
    expect([reg(r, 12), reg(r, 13), reg(r, 14), reg(r, 5), reg(r, 6)]).toEqual([0xan, 0xan, 0xbn, 0xan, 0xbn]);
    expect(reg(r, 7) & (1n << 63n)).toBe(0n); // bit 63 is never stored
    expect(reg(r, 7) & 0xfffn).toBe(1n);
  });

  const crFaults: [string, string, number][] = [
    ['CR3 bit 63 with CR4.PCIDE = 0', 'mov rax, cr3\nbts rax, 63\nf: mov cr3, rax', GP],
    ['CR3 bits above MAXPHYADDR', 'mov rax, cr3\nbts rax, 45\nf: mov cr3, rax', GP],
    ['CR4 setting SMEP (not supported)', 'mov rax, cr4\nbts rax, 20\nf: mov cr4, rax', GP],
    ['CR4 setting PCIDE with CR3[11:0] != 0', 'mov rax, cr3\nor rax, 8\nmov cr3, rax\nmov rax, cr4\nbts rax, 17\nf: mov cr4, rax', GP],
    ['CR4 clearing PAE in IA-32e mode', 'mov rax, cr4\nbtr rax, 5\nf: mov cr4, rax', GP],
    ['CR0 clearing PG in 64-bit mode', 'mov rax, cr0\nbtr rax, 31\nf: mov cr0, rax', GP],
    ['CR0 bits 63:32', 'mov rax, cr0\nbts rax, 32\nf: mov cr0, rax', GP],
    ['CR0 NW without CD', 'mov rax, cr0\nbts rax, 29\nbtr rax, 30\nf: mov cr0, rax', GP],
    ['CR8 bits 63:4', 'mov rax, 0x10\nf: mov cr8, rax', GP],
  ];
  for (const [what, asm, status] of crFaults) {
    both(`#GP(0): ${what}`, asm + '\n' + done(1), (r) => {
      expect(r.status).toBe(status);
      expect(r.frame.error).toBe(0);
      expect(r.frame.rip).toBe(r.sym('f'));
    });
  }

  both('CR0.WP = 0 lets ring 0 write a read-only page; WP = 1 faults with P|W', `${TLB_SETUP}
${mapTo('frameA', 1)}
    mov rax, cr0
    btr rax, 16
    mov cr0, rax
    mov QWORD PTR [0x1000000], 0x77
    bts rax, 16
    mov cr0, rax
f:  mov QWORD PTR [0x1000000], 0x78
${TLB_DATA}`, (r) => {
    expect(r.status).toBe(PF);
    expect(r.frame.error).toBe(3);
    expect(r.frame.cr2).toBe(0x1000000);
    expect(r.frame.rip).toBe(r.sym('f'));
    expect(r.m.cpu.mem.dv.getUint32(r.sym('frameA'), true)).toBe(0x77);
  });

  both('CR8 and CR2 round-trip', `
    mov rax, 0xb
    mov cr8, rax
    mov r12, cr8
    mov rax, 0xffff800012345000
    mov cr2, rax
    mov r13, cr2
${done(1)}`, (r) => { expect(reg(r, 12)).toBe(0xbn); expect(reg(r, 13)).toBe(0xffff800012345000n); });
});
