/* asm_privileged: no libc. Prints which instruction it is about to run and
 * then executes a privileged (or otherwise faulting) instruction at CPL 3.
 * argv[1] selects it (default hlt). Privileged instructions raise #GP, which
 * Linux delivers as SIGSEGV; int3 gives SIGTRAP, ud2 SIGILL. Each faulting
 * instruction has a global label fault_<name> so the harness can check the
 * rip that ringjit reports. */
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    mov rax, [rsp]              /* argc */
    lea rbx, [rip + default_name]
    cmp rax, 2
    jb 1f
    mov rbx, [rsp + 16]         /* argv[1] */
1:
    lea r12, [rip + table]
find:
    mov rsi, [r12]
    test rsi, rsi
    jz unknown
    mov rdi, rbx
    call streq
    test eax, eax
    jnz found
    add r12, 16
    jmp find

found:
    lea rsi, [rip + msg_pre]
    call puts
    mov rsi, [r12]
    call puts
    lea rsi, [rip + msg_post]
    call puts
    xor eax, eax
    xor ecx, ecx
    xor edx, edx
    jmp [r12 + 8]

unknown:
    lea rsi, [rip + msg_unknown]
    call puts
    mov edi, 2
    mov eax, 231
    syscall

/* each case: the faulting instruction, then a report that it did not fault */
#define CASE(name, ...) \
    .globl fault_##name; case_##name: fault_##name: __VA_ARGS__; jmp survived

    CASE(hlt, hlt)
    CASE(cli, cli)
    CASE(sti, sti)
    CASE(inb, in al, 0x80)
    CASE(outb, out 0x80, al)
    CASE(rdmsr, rdmsr)
    CASE(wrmsr, wrmsr)
    CASE(readcr3, mov rax, cr3)
    CASE(writecr3, mov cr3, rax)
    CASE(lgdt, lgdt [rip + scratch])
    CASE(lidt, lidt [rip + scratch])
    CASE(swapgs, swapgs)
    CASE(sysret, sysretq)
    CASE(clts, clts)
    CASE(invlpg, invlpg [rip + scratch])
    CASE(wbinvd, wbinvd)
    CASE(int81, int 0x81)
    CASE(movdr7, mov rax, dr7)
    CASE(int3, int3)
    CASE(ud2, ud2)

survived:
    lea rsi, [rip + msg_survived]
    call puts
    mov edi, 1
    mov eax, 231
    syscall

/* streq(rdi, rsi) -> eax = 1 if equal */
streq:
    mov al, [rdi]
    cmp al, [rsi]
    jne 2f
    test al, al
    jz 1f
    inc rdi
    inc rsi
    jmp streq
1:  mov eax, 1
    ret
2:  xor eax, eax
    ret

/* puts(rsi): write a NUL-terminated string to stdout */
puts:
    xor edx, edx
1:  cmp byte ptr [rsi + rdx], 0
    je 2f
    inc rdx
    jmp 1b
2:  mov eax, 1
    mov edi, 1
    syscall
    ret

    .section .rodata
    .balign 8
#define ENTRY(name) .quad n_##name, case_##name
table:
    ENTRY(hlt)
    ENTRY(cli)
    ENTRY(sti)
    ENTRY(inb)
    ENTRY(outb)
    ENTRY(rdmsr)
    ENTRY(wrmsr)
    ENTRY(readcr3)
    ENTRY(writecr3)
    ENTRY(lgdt)
    ENTRY(lidt)
    ENTRY(swapgs)
    ENTRY(sysret)
    ENTRY(clts)
    ENTRY(invlpg)
    ENTRY(wbinvd)
    ENTRY(int81)
    ENTRY(movdr7)
    ENTRY(int3)
    ENTRY(ud2)
    .quad 0, 0
#define NAME(name) n_##name: .asciz #name
    NAME(hlt)
    NAME(cli)
    NAME(sti)
    NAME(inb)
    NAME(outb)
    NAME(rdmsr)
    NAME(wrmsr)
    NAME(readcr3)
    NAME(writecr3)
    NAME(lgdt)
    NAME(lidt)
    NAME(swapgs)
    NAME(sysret)
    NAME(clts)
    NAME(invlpg)
    NAME(wbinvd)
    NAME(int81)
    NAME(movdr7)
    NAME(int3)
    NAME(ud2)
default_name: .asciz "hlt"
msg_pre:      .asciz "executing "
msg_post:     .asciz " at CPL 3\n"
msg_unknown:  .asciz "unknown instruction name\n"
msg_survived: .asciz "instruction did not fault\n"

    .bss
scratch:
    .skip 16
    .section .note.GNU-stack,"",@progbits
