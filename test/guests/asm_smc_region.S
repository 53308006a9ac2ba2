/* asm_smc_region: translated regions that take in a block from another page must be dropped when that
 * page's code changes. A translator that forms regions across pages (a loop and the function it
 * calls) and invalidates only the blocks that start on the written page keeps running the old copy.
 *   1. a loop calls far_const (its own page, in a writable+executable section) 200 times and patches
 *      far_const's immediate in iteration 100, from outside the callee;
 *   2. a loop calls code in an anonymous mapping through a register; it runs twice, and between the
 *      runs the mapping is unmapped and mapped again at the same address with different code (no
 *      store ever reaches the old page: only munmap can tell the translator).
 * Writes each sum as 8 raw bytes to stdout; exit status 0. */
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    /* 1. patch a callee on another page */
    xor ebx, ebx
    xor ebp, ebp
1:  call far_const
    add rbx, rax
    cmp ebp, 100
    jne 2f
    mov dword ptr [rip + far_const + 1], 0x5678
2:  add ebp, 1
    cmp ebp, 200
    jne 1b
    mov rdi, rbx
    call put64

    /* 2. unmap and map new code at the same address */
    mov eax, 9                  /* mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) */
    xor edi, edi
    mov esi, 4096
    mov edx, 3
    mov r10d, 0x22
    mov r8, -1
    xor r9d, r9d
    syscall
    mov r12, rax
    mov edi, 41
    call make_code
    call call_loop
    mov rdi, rax
    call put64
    mov eax, 11                 /* munmap(r12, 4096) */
    mov rdi, r12
    mov esi, 4096
    syscall
    mov eax, 9                  /* mmap(r12, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) */
    mov rdi, r12
    mov esi, 4096
    mov edx, 3
    mov r10d, 0x32
    mov r8, -1
    xor r9d, r9d
    syscall
    cmp rax, r12
    jne fail
    mov edi, -7
    call make_code
    call call_loop
    mov rdi, rax
    call put64

    mov eax, 231                /* exit_group(0) */
    xor edi, edi
    syscall
fail:
    mov eax, 231
    mov edi, 1
    syscall

/* Write "mov eax, edi; ret" as "b8 imm32 c3" at r12, then mprotect(r12, 4096, PROT_READ|PROT_EXEC). */
make_code:
    mov byte ptr [r12], 0xb8
    mov dword ptr [r12 + 1], edi
    mov byte ptr [r12 + 5], 0xc3
    mov eax, 10
    mov rdi, r12
    mov esi, 4096
    mov edx, 5
    syscall
    test rax, rax
    jne fail
    ret

/* Call the code at r12 200 times; return the sum of its results. */
call_loop:
    push rbx
    push rbp
    xor ebx, ebx
    mov ebp, 200
3:  call r12
    add rbx, rax
    sub ebp, 1
    jne 3b
    mov rax, rbx
    pop rbp
    pop rbx
    ret

#include "put64.inc"

    .section .farcode, "awx"
    .balign 4096
far_const:
    mov eax, 0x1234
    ret
    .section .note.GNU-stack,"",@progbits
