/* asm_smc_entry: a hot block entered inside another block's translated region must lose that region
 * when the region goes. The translator may run a hot block from a region that already holds it (a
 * wasm region can be entered at any of its blocks) instead of translating it again; when that
 * region is dropped because the code of its head changed, the blocks entered inside it must not
 * keep a link to it: its slot is reused by the next region compiled, and the link would run that.
 *   1. loop_a (on its own writable+executable page) calls func 150 times: the loop's region holds func;
 *   2. loop_b, a block too long for a region to take in func, calls func 300 times: func becomes hot
 *      on its own and is entered inside loop_a's region;
 *   3. loop_a's page is patched (its added constant): loop_a's region goes; loop_c then gets hot and
 *      is translated (taking the freed slot);
 *   4. loop_b runs again (func as before), then loop_a (the patched constant).
 * Writes each sum as 8 raw bytes to stdout; exit status 0. */
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    call loop_a
    mov rdi, rax
    call put64
    call loop_b
    mov rdi, rax
    call put64
    mov dword ptr [rip + a_add + 1], 0x777
    call loop_c
    mov rdi, rax
    call put64
    call loop_b
    mov rdi, rax
    call put64
    call loop_a
    mov rdi, rax
    call put64
    mov eax, 231                /* exit_group(0) */
    xor edi, edi
    syscall

/* sum over ebp = 300..1 of (func(ebp) + 36 + ebp * 3), in one block of more than 32 instructions */
loop_b:
    push rbx
    push rbp
    xor ebx, ebx
    mov ebp, 300
2:  mov edi, ebp
    .rept 34
    add ebx, 1
    .endr
    lea ebx, [rbx + rbp * 2]
    lea ebx, [rbx + rbp]
    call func
    add ebx, eax
    sub ebp, 1
    jne 2b
    mov eax, ebx
    pop rbp
    pop rbx
    ret

/* sum over ecx = 500..1 of ecx * 7 xor ecx */
loop_c:
    xor eax, eax
    mov ecx, 500
4:  imul edx, ecx, 7
    xor edx, ecx
    add eax, edx
    sub ecx, 1
    jne 4b
    ret

#include "put64.inc"

    .section .apage, "awx"
    .balign 4096
/* sum over ebp = 300..1 of ((odd ebp ? func(ebp) : ebp) + constant): the loop's blocks get hot
 * before func does, so the loop's region holds func before func is translated on its own */
loop_a:
    push rbx
    push rbp
    xor ebx, ebx
    mov ebp, 300
1:  mov edi, ebp
    test ebp, 1
    jz 5f
    call func
    jmp a_add
5:  mov eax, edi
a_add:
    add eax, 0x12345
    add ebx, eax
    sub ebp, 1
    jne 1b
    mov eax, ebx
    pop rbp
    pop rbx
    ret

    .section .fpage, "ax"
    .balign 4096
func:
    lea eax, [rdi * 4 + 3]
    ret
    .section .note.GNU-stack,"",@progbits
