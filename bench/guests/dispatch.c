/* dispatch: indirect control flow. A small stack-machine bytecode interpreter whose main loop is a
 * switch (a jump table: indirect jmp) and whose arithmetic ops go through a function-pointer table
 * (indirect call). The bytecode computes a loop of a few hundred iterations; the argument is the number
 * of times the program is run. */
#include "common.h"

enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ARITH, OP_JNZ, OP_DUP, OP_POP, OP_HALT };
enum { AR_ADD, AR_SUB, AR_MUL, AR_XOR, AR_SHR, AR_AND, NAR };

typedef int64_t (*arith_fn)(int64_t, int64_t);
static BENCH_NOINLINE int64_t f_add(int64_t a, int64_t b) { return a + b; }
static BENCH_NOINLINE int64_t f_sub(int64_t a, int64_t b) { return a - b; }
static BENCH_NOINLINE int64_t f_mul(int64_t a, int64_t b) { return a * b; }
static BENCH_NOINLINE int64_t f_xor(int64_t a, int64_t b) { return a ^ b; }
static BENCH_NOINLINE int64_t f_shr(int64_t a, int64_t b) { return (int64_t)((uint64_t)a >> (b & 63)); }
static BENCH_NOINLINE int64_t f_and(int64_t a, int64_t b) { return a & b; }
static arith_fn arith[NAR] = { f_add, f_sub, f_mul, f_xor, f_shr, f_and };

struct ins { int op, arg; };

/* vars: 0 = counter, 1 = accumulator, 2 = x */
static const struct ins prog[] = {
    { OP_PUSH, 300 }, { OP_STORE, 0 },              /* i = 300 */
    { OP_PUSH, 1 }, { OP_STORE, 2 },                 /* x = 1 */
    /* loop: 4 */
    { OP_LOAD, 2 }, { OP_PUSH, 1103515245 }, { OP_ARITH, AR_MUL },
    { OP_PUSH, 12345 }, { OP_ARITH, AR_ADD }, { OP_PUSH, 0x7fffffff }, { OP_ARITH, AR_AND },
    { OP_DUP, 0 }, { OP_STORE, 2 },                  /* x = (x*a + c) & m */
    { OP_PUSH, 7 }, { OP_ARITH, AR_SHR },
    { OP_LOAD, 1 }, { OP_ARITH, AR_XOR }, { OP_STORE, 1 },   /* acc ^= x >> 7 */
    { OP_LOAD, 1 }, { OP_LOAD, 0 }, { OP_ARITH, AR_ADD }, { OP_STORE, 1 }, /* acc += i */
    { OP_LOAD, 0 }, { OP_PUSH, 1 }, { OP_ARITH, AR_SUB }, { OP_DUP, 0 }, { OP_STORE, 0 },
    { OP_JNZ, 4 },
    { OP_LOAD, 1 }, { OP_HALT, 0 },
};

static BENCH_NOINLINE int64_t run(const struct ins *code, int64_t seed)
{
    int64_t stack[64], vars[4] = { 0, seed, 0, 0 };
    int sp = 0, pc = 0;
    for (;;) {
        const struct ins in = code[pc++];
        switch (in.op) {
        case OP_PUSH: stack[sp++] = in.arg; break;
        case OP_LOAD: stack[sp++] = vars[in.arg]; break;
        case OP_STORE: vars[in.arg] = stack[--sp]; break;
        case OP_ARITH: sp--; stack[sp - 1] = arith[in.arg](stack[sp - 1], stack[sp]); break;
        case OP_JNZ: if (stack[--sp] != 0) pc = in.arg; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_POP: sp--; break;
        case OP_HALT: return stack[sp - 1];
        default: return -1;
        }
    }
}

int main(int argc, char **argv)
{
    long n = bench_iters(argc, argv, 2000);
    uint64_t h = 0;
    for (long i = 0; i < n; i++)
        h = bench_mix(h, (uint64_t)run(prog, i));
    printf("dispatch n=%ld checksum=%016llx\n", n, (unsigned long long)h);
    return 0;
}
