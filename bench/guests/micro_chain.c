/* micro_chain: the guest for the dispatch micro-benchmark (bench/micro.ts), not a macro benchmark.
 * chain_loop(n) runs n times around a chain of 64 tiny blocks, each `add; jmp next` (the last one
 * `add; dec; jnz`), so every guest block is two or three instructions ending in a direct branch and the
 * run time is dominated by getting from one block to the next. 64 blocks is more than the translator
 * puts in one region, so control also passes between generated functions. Exit status: the low 7 bits
 * of the result (no stdio: the program needs nothing of libc beyond its start-up). Argument: n. */
#include <stdlib.h>

#define CHAIN_BLOCKS 64 /* bench/micro.ts relies on this count and on the sum 1 + 2 + ... + 64 = 2080 */

long chain_loop(long n);
__asm__(
    ".text\n"
    ".globl chain_loop\n"
    ".type chain_loop, @function\n"
    "chain_loop:\n"
    "    xor %eax, %eax\n"
    "    mov %rdi, %rcx\n"
    "    test %rcx, %rcx\n"
    "    jle 99f\n"
    "1: add $1, %rax\n    jmp 2f\n"
    "2: add $2, %rax\n    jmp 3f\n"
    "3: add $3, %rax\n    jmp 4f\n"
    "4: add $4, %rax\n    jmp 5f\n"
    "5: add $5, %rax\n    jmp 6f\n"
    "6: add $6, %rax\n    jmp 7f\n"
    "7: add $7, %rax\n    jmp 8f\n"
    "8: add $8, %rax\n    jmp 9f\n"
    "9: add $9, %rax\n    jmp 10f\n"
    "10: add $10, %rax\n    jmp 11f\n"
    "11: add $11, %rax\n    jmp 12f\n"
    "12: add $12, %rax\n    jmp 13f\n"
    "13: add $13, %rax\n    jmp 14f\n"
    "14: add $14, %rax\n    jmp 15f\n"
    "15: add $15, %rax\n    jmp 16f\n"
    "16: add $16, %rax\n    jmp 17f\n"
    "17: add $17, %rax\n    jmp 18f\n"
    "18: add $18, %rax\n    jmp 19f\n"
    "19: add $19, %rax\n    jmp 20f\n"
    "20: add $20, %rax\n    jmp 21f\n"
    "21: add $21, %rax\n    jmp 22f\n"
    "22: add $22, %rax\n    jmp 23f\n"
    "23: add $23, %rax\n    jmp 24f\n"
    "24: add $24, %rax\n    jmp 25f\n"
    "25: add $25, %rax\n    jmp 26f\n"
    "26: add $26, %rax\n    jmp 27f\n"
    "27: add $27, %rax\n    jmp 28f\n"
    "28: add $28, %rax\n    jmp 29f\n"
    "29: add $29, %rax\n    jmp 30f\n"
    "30: add $30, %rax\n    jmp 31f\n"
    "31: add $31, %rax\n    jmp 32f\n"
    "32: add $32, %rax\n    jmp 33f\n"
    "33: add $33, %rax\n    jmp 34f\n"
    "34: add $34, %rax\n    jmp 35f\n"
    "35: add $35, %rax\n    jmp 36f\n"
    "36: add $36, %rax\n    jmp 37f\n"
    "37: add $37, %rax\n    jmp 38f\n"
    "38: add $38, %rax\n    jmp 39f\n"
    "39: add $39, %rax\n    jmp 40f\n"
    "40: add $40, %rax\n    jmp 41f\n"
    "41: add $41, %rax\n    jmp 42f\n"
    "42: add $42, %rax\n    jmp 43f\n"
    "43: add $43, %rax\n    jmp 44f\n"
    "44: add $44, %rax\n    jmp 45f\n"
    "45: add $45, %rax\n    jmp 46f\n"
    "46: add $46, %rax\n    jmp 47f\n"
    "47: add $47, %rax\n    jmp 48f\n"
    "48: add $48, %rax\n    jmp 49f\n"
    "49: add $49, %rax\n    jmp 50f\n"
    "50: add $50, %rax\n    jmp 51f\n"
    "51: add $51, %rax\n    jmp 52f\n"
    "52: add $52, %rax\n    jmp 53f\n"
    "53: add $53, %rax\n    jmp 54f\n"
    "54: add $54, %rax\n    jmp 55f\n"
    "55: add $55, %rax\n    jmp 56f\n"
    "56: add $56, %rax\n    jmp 57f\n"
    "57: add $57, %rax\n    jmp 58f\n"
    "58: add $58, %rax\n    jmp 59f\n"
    "59: add $59, %rax\n    jmp 60f\n"
    "60: add $60, %rax\n    jmp 61f\n"
    "61: add $61, %rax\n    jmp 62f\n"
    "62: add $62, %rax\n    jmp 63f\n"
    "63: add $63, %rax\n    jmp 64f\n"
    "64: add $64, %rax\n"
    "    dec %rcx\n"
    "    jnz 1b\n"
    "99: ret\n"
    ".size chain_loop, .-chain_loop\n");

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    return (int)(chain_loop(n) & 0x7f);
}
