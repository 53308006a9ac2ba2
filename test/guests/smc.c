/* smc: self-modifying and generated code. A translator must notice every one of these writes before
 * the modified instructions run again.
 *   1. patch the 32-bit immediate of "mov eax, imm32; ret" in a buffer called in a loop, changing it
 *      between calls (RWX anonymous mapping);
 *   2. patch an immediate inside the code being executed by the same loop iteration that runs it
 *      (the store and the patched instruction are in one straight-line sequence);
 *   3. generate code into a RW mapping, then mprotect it to R+X and call it; unmap, map again at the
 *      same address with different code, call again;
 *   4. patch a function in .text after making its page writable with mprotect. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int (*fn_t)(void);

/* mov eax, imm32 ; ret */
static void emit_const(unsigned char *p, int32_t v)
{
    p[0] = 0xb8;
    memcpy(p + 1, &v, 4);
    p[5] = 0xc3;
}

__attribute__((noinline)) int text_const(void)
{
    return 0x1234;
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);

    /* 1. RWX buffer, immediate changed between calls */
    unsigned char *rwx = mmap(NULL, page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rwx == MAP_FAILED) { perror("mmap rwx"); return 1; }
    emit_const(rwx, 0);
    long sum = 0;
    for (int i = 0; i < 2000; i++) {
        int32_t v = i * 3 + 1;
        memcpy(rwx + 1, &v, 4);           /* patch the immediate */
        sum += ((fn_t)rwx)();             /* and call it: must see the new value */
    }
    printf("rwx patched calls: sum=%ld (expect %ld)\n", sum, 2000L * 1999 * 3 / 2 + 2000);

    /* 2. code that patches its own next instruction:
     *      mov byte [rip+1+disp], imm8   -> overwrites the imm8 of the following "mov al, imm8"
     *      mov al, 0x11
     *      ret                                                                        */
    unsigned char *self = rwx + 256;
    int k = 0;
    /* c6 05 <rel32> <imm8> : mov byte ptr [rip+rel32], imm8 ; the target is 1 byte into the next insn */
    self[k++] = 0x31; self[k++] = 0xc0;                 /* xor eax, eax */
    self[k++] = 0xc6; self[k++] = 0x05;
    int32_t rel = 1;                                    /* next insn starts right after this one */
    memcpy(self + k, &rel, 4); k += 4;
    self[k++] = 0x77;                                   /* the new immediate */
    self[k++] = 0xb0; self[k++] = 0x11;                 /* mov al, 0x11 (patched to 0x77) */
    self[k++] = 0xc3;
    int r1 = ((fn_t)self)();
    self[k - 2] = 0x11;                                 /* restore and run again: patched again */
    int r2 = ((fn_t)self)();
    printf("self-patching code: 0x%x 0x%x\n", r1, r2);

    /* 3. write, then mprotect(PROT_READ|PROT_EXEC); unmap and map new code at the same address */
    unsigned char *gen = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (gen == MAP_FAILED) { perror("mmap gen"); return 1; }
    emit_const(gen, 41);
    if (mprotect(gen, page, PROT_READ | PROT_EXEC) != 0) { perror("mprotect"); return 1; }
    int a = 0;
    for (int i = 0; i < 100; i++) a += ((fn_t)gen)();
    munmap(gen, page);
    unsigned char *gen2 = mmap(gen, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (gen2 != gen) { perror("mmap fixed"); return 1; }
    emit_const(gen2, -7);
    mprotect(gen2, page, PROT_READ | PROT_EXEC);
    int b = 0;
    for (int i = 0; i < 100; i++) b += ((fn_t)gen2)();
    printf("generated code: %d then %d\n", a, b);

    /* 4. patch a function in .text (find the imm32 of its "mov eax, 0x1234") */
    unsigned char *f = (unsigned char *)(uintptr_t)text_const;
    int before = text_const();
    unsigned char *imm = NULL;
    for (int i = 0; i < 32; i++)
        if (f[i] == 0xb8 && f[i + 1] == 0x34 && f[i + 2] == 0x12) { imm = f + i + 1; break; }
    if (!imm) { printf("text patch: pattern not found\n"); return 0; }
    uintptr_t pg = (uintptr_t)imm & ~(uintptr_t)(page - 1);
    if (mprotect((void *)pg, 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) { perror("mprotect text"); return 1; }
    int32_t nv = 0x5678;
    int after = 0;
    for (int i = 0; i < 50; i++) {
        after += text_const();
        if (i == 24) memcpy(imm, &nv, 4);
    }
    printf("text patch: before=0x%x loop sum=0x%x\n", before, after);
    return 0;
}
