/* asm_anchor: loads and stores through one base register at several displacements, with the base
 * moved by constants between them. A wasm region translates the first access of a base and then
 * checks the others against that page (memory.ts, page anchors): each must still reach its own page
 * when its displacement leaves the anchor's, follow the base through `add` / `sub`, and a store must
 * never be allowed by a load's translation.
 *   1. a one-block loop, base moved by add between accesses, started at every offset around a page
 *      boundary of a buffer whose pages were first touched in a scrambled order (so that consecutive
 *      pages are not consecutive frames, where frames come on first touch);
 *   2. a loop whose base moves in one branch only, and by sub;
 *   3. a hot loop that reads and then writes through one base; on iteration 150 the base points at a
 *      read-only page that the loop also reads through another register (so the TLB holds it, for
 *      reading): the load succeeds, the store faults (SIGSEGV, as on the CPU).
 * Writes the checksums of 1 and 2 as 8 raw bytes each, then dies of SIGSEGV. */
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    mov eax, 9                  /* mmap(NULL, 6 pages, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) */
    xor edi, edi
    mov esi, 6 * 4096
    mov edx, 3
    mov r10d, 0x22
    mov r8, -1
    xor r9d, r9d
    syscall
    mov r12, rax
    /* First touch in the order 4, 1, 5, 2, 0, 3: byte i = i * 131 + 7. */
    lea r13, [rip + order]
    xor ecx, ecx
1:  movzx eax, byte ptr [r13 + rcx]
    shl rax, 12
    xor edx, edx
2:  lea rsi, [rax + rdx]
    imul esi, esi, 131
    add esi, 7
    lea rdi, [rax + rdx]
    mov byte ptr [r12 + rdi], sil
    inc edx
    cmp edx, 4096
    jne 2b
    inc ecx
    cmp ecx, 6
    jne 1b

    /* 1. Start offsets 4000 .. 4199, 300 strides of 24 bytes each. */
    xor ebx, ebx
    mov r14, 4000
3:  lea rax, [r12 + r14]
    mov ecx, 300
4:  mov rdx, qword ptr [rax]
    add rax, 24
    mov rsi, qword ptr [rax - 16]
    add rdx, rsi
    mov rsi, qword ptr [rax - 8]
    xor rdx, rsi
    imul rbx, rbx, 31
    add rbx, rdx
    mov dword ptr [rax - 20], edx
    mov byte ptr [rax + 3], dl
    mov word ptr [rax - 1], bx
    dec ecx
    jne 4b
    inc r14
    cmp r14, 4200
    jne 3b
    mov rdi, rbx
    call put64

    /* 2. Start offsets 4050 .. 4149; the base moves by 40 on three iterations in four, then by -16. */
    xor ebx, ebx
    mov r14, 4050
5:  lea rax, [r12 + r14]
    mov ecx, 200
6:  mov rdx, qword ptr [rax + 8]
    test cl, 3
    jz 7f
    add rax, 40
7:  mov rsi, qword ptr [rax + 16]
    imul rbx, rbx, 17
    add rbx, rsi
    mov qword ptr [rax + 24], rdx
    sub rax, 16
    mov rsi, qword ptr [rax + 40]
    add rbx, rsi
    mov dword ptr [rax + 4093], esi
    dec ecx
    jne 6b
    inc r14
    cmp r14, 4150
    jne 5b
    mov rdi, rbx
    call put64

    /* 3. Page 5 read-only; a loop reads [r13] and writes [r13 + 8], r13 = page 4 until iteration 150,
     * then page 5. */
    mov eax, 10                 /* mprotect(buf + 5 pages, 4096, PROT_READ) */
    lea rdi, [r12 + 5 * 4096]
    mov esi, 4096
    mov edx, 1
    syscall
    lea r13, [r12 + 4 * 4096]
    lea r15, [r12 + 5 * 4096]
    xor ecx, ecx
8:  mov rsi, qword ptr [r15]    /* page 5 stays in the TLB, readable */
    cmp ecx, 150
    cmove r13, r15              /* (in the loop's one block: no cold block runs the fault) */
    mov rdx, qword ptr [r13]
    add rdx, rsi
    mov qword ptr [r13 + 8], rdx
    inc ecx
    cmp ecx, 200
    jne 8b
    mov eax, 60                 /* not reached: exit(0) */
    xor edi, edi
    syscall

#include "put64.inc"

    .section .rodata
order:
    .byte 4, 1, 5, 2, 0, 3
    .section .note.GNU-stack,"",@progbits
