// ringjit native runner: executes instruction sequences on the host CPU for differential fuzzing
// (test/fuzz). It is the oracle side of "instruction-level differential testing" (DESIGN.md).
//
// Build: node scripts/build-native-runner.mjs  (gcc -O2 -static -no-pie -mno-red-zone)
//
// Address space (fixed, so memory operands mean the same thing here and under ringjit):
//   CODE_BASE    0x10000000  one RWX page: the case's instruction bytes at offset 0, then a
//                            fall-through trampoline (jmp rel32 -> save_fall) right after them, and a
//                            "taken" trampoline at TAKEN_OFF (jmp rel32 -> save_taken); every other
//                            byte is 0xcc (int3), so a stray branch ends in SIGTRAP, never runs on.
//   SCRATCH_BASE 0x20000000  two read-write pages, then one read-only page (0x20002000). Guard areas
//                            below and above are reserved PROT_NONE, so accesses there fault (#PF).
//
// Protocol (stdin -> stdout, little-endian, many cases per run):
//   input record:  struct case_in, [256 bytes of XMM0-15 if flags & 1], then n_patch x { u16 off, u16 len, u8 bytes[len] } (off relative to
//                  SCRATCH_BASE, within the two read-write pages). The RW pages are first filled from
//                  scratch_seed (fill_scratch), the XMM registers from xmm_seed (fill_xmm); the TS side
//                  (test/fuzz/prng.ts) implements the very same generators. The RO page is filled once
//                  from RO_SEED.
//   output record: struct case_out, then n_runs x { u16 off, u16 len, u8 bytes[len] }: the byte runs of
//                  the RW pages that differ from their pre-case contents.
// A fault (SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGTRAP) is caught on an alternate stack and reported with the
// registers at the fault, the exception vector (trapno), error code, CR2 and RIP from the ucontext; a
// case that runs longer than 200 ms is stopped by SIGALRM (kind 3). Neither ends the run.

#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_BASE 0x10000000UL
#define CODE_SIZE 0x1000UL
#define TAKEN_OFF 0x40
#define SCRATCH_BASE 0x20000000UL
#define RW_BYTES 0x2000UL
#define RO_BYTES 0x1000UL
#define RO_SEED 0x5eed5eedU
#define MAGIC 0x4a474e52U /* "RNGJ" */

struct case_in {
  uint32_t magic;
  uint32_t id;
  uint8_t code_len;
  uint8_t flags; /* bit 0: 256 bytes of explicit XMM0-15 follow the header (xmm_seed ignored) */
  uint16_t n_patch;
  uint32_t scratch_seed;
  uint32_t xmm_seed;
  uint32_t mxcsr;
  uint64_t gpr[16];
  uint64_t rflags;
  uint8_t code[64];
} __attribute__((packed));

struct case_out {
  uint32_t magic;
  uint32_t id;
  uint8_t kind; /* 0 fall-through, 1 taken, 2 signal, 3 timeout */
  uint8_t signo;
  uint8_t trapno;
  uint8_t pad0;
  uint32_t mxcsr;
  uint32_t n_runs;
  uint32_t pad1;
  uint64_t err;
  uint64_t cr2;
  uint64_t rip;
  uint64_t gpr[16];
  uint64_t rflags;
  uint8_t xmm[16][16];
} __attribute__((packed));

/* The register image the assembly below loads and stores (offsets are hard-coded there). */
struct regs {
  uint64_t gpr[16];   /* 0 */
  uint64_t rflags;    /* 128 */
  uint64_t mxcsr;     /* 136 */
  uint8_t xmm[16][16]; /* 144 */
};

struct regs in_regs __attribute__((aligned(64)));
struct regs out_regs __attribute__((aligned(64)));
uint64_t host_rsp;
uint64_t exit_kind;
uint64_t code_entry = CODE_BASE;

void enter_case(void);
void save_fall(void);
void save_taken(void);

/* Load the register image and jump to the code buffer; the trampolines come back through save_fall /
 * save_taken, which store the register image and return from enter_case. Only RIP-relative moves and
 * an indirect jump through memory run between the popfq and the guest code, so no register or flag of
 * the image is disturbed. */
__asm__(
    ".text\n"
    ".globl enter_case\n"
    "enter_case:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  mov %rsp, host_rsp(%rip)\n"
    "  ldmxcsr in_regs+136(%rip)\n"
    "  movdqu in_regs+144+0*16(%rip), %xmm0\n"
    "  movdqu in_regs+144+1*16(%rip), %xmm1\n"
    "  movdqu in_regs+144+2*16(%rip), %xmm2\n"
    "  movdqu in_regs+144+3*16(%rip), %xmm3\n"
    "  movdqu in_regs+144+4*16(%rip), %xmm4\n"
    "  movdqu in_regs+144+5*16(%rip), %xmm5\n"
    "  movdqu in_regs+144+6*16(%rip), %xmm6\n"
    "  movdqu in_regs+144+7*16(%rip), %xmm7\n"
    "  movdqu in_regs+144+8*16(%rip), %xmm8\n"
    "  movdqu in_regs+144+9*16(%rip), %xmm9\n"
    "  movdqu in_regs+144+10*16(%rip), %xmm10\n"
    "  movdqu in_regs+144+11*16(%rip), %xmm11\n"
    "  movdqu in_regs+144+12*16(%rip), %xmm12\n"
    "  movdqu in_regs+144+13*16(%rip), %xmm13\n"
    "  movdqu in_regs+144+14*16(%rip), %xmm14\n"
    "  movdqu in_regs+144+15*16(%rip), %xmm15\n"
    "  pushq in_regs+128(%rip)\n"
    "  popfq\n"
    "  mov in_regs+0*8(%rip), %rax\n"
    "  mov in_regs+1*8(%rip), %rcx\n"
    "  mov in_regs+2*8(%rip), %rdx\n"
    "  mov in_regs+3*8(%rip), %rbx\n"
    "  mov in_regs+4*8(%rip), %rsp\n"
    "  mov in_regs+5*8(%rip), %rbp\n"
    "  mov in_regs+6*8(%rip), %rsi\n"
    "  mov in_regs+7*8(%rip), %rdi\n"
    "  mov in_regs+8*8(%rip), %r8\n"
    "  mov in_regs+9*8(%rip), %r9\n"
    "  mov in_regs+10*8(%rip), %r10\n"
    "  mov in_regs+11*8(%rip), %r11\n"
    "  mov in_regs+12*8(%rip), %r12\n"
    "  mov in_regs+13*8(%rip), %r13\n"
    "  mov in_regs+14*8(%rip), %r14\n"
    "  mov in_regs+15*8(%rip), %r15\n"
    "  jmp *code_entry(%rip)\n"
    ".globl save_fall\n"
    "save_fall:\n"
    "  movq $0, exit_kind(%rip)\n"
    "  jmp save_common\n"
    ".globl save_taken\n"
    "save_taken:\n"
    "  movq $1, exit_kind(%rip)\n"
    "save_common:\n"
    "  mov %rax, out_regs+0*8(%rip)\n"
    "  mov %rcx, out_regs+1*8(%rip)\n"
    "  mov %rdx, out_regs+2*8(%rip)\n"
    "  mov %rbx, out_regs+3*8(%rip)\n"
    "  mov %rsp, out_regs+4*8(%rip)\n"
    "  mov %rbp, out_regs+5*8(%rip)\n"
    "  mov %rsi, out_regs+6*8(%rip)\n"
    "  mov %rdi, out_regs+7*8(%rip)\n"
    "  mov %r8, out_regs+8*8(%rip)\n"
    "  mov %r9, out_regs+9*8(%rip)\n"
    "  mov %r10, out_regs+10*8(%rip)\n"
    "  mov %r11, out_regs+11*8(%rip)\n"
    "  mov %r12, out_regs+12*8(%rip)\n"
    "  mov %r13, out_regs+13*8(%rip)\n"
    "  mov %r14, out_regs+14*8(%rip)\n"
    "  mov %r15, out_regs+15*8(%rip)\n"
    "  movdqu %xmm0, out_regs+144+0*16(%rip)\n"
    "  movdqu %xmm1, out_regs+144+1*16(%rip)\n"
    "  movdqu %xmm2, out_regs+144+2*16(%rip)\n"
    "  movdqu %xmm3, out_regs+144+3*16(%rip)\n"
    "  movdqu %xmm4, out_regs+144+4*16(%rip)\n"
    "  movdqu %xmm5, out_regs+144+5*16(%rip)\n"
    "  movdqu %xmm6, out_regs+144+6*16(%rip)\n"
    "  movdqu %xmm7, out_regs+144+7*16(%rip)\n"
    "  movdqu %xmm8, out_regs+144+8*16(%rip)\n"
    "  movdqu %xmm9, out_regs+144+9*16(%rip)\n"
    "  movdqu %xmm10, out_regs+144+10*16(%rip)\n"
    "  movdqu %xmm11, out_regs+144+11*16(%rip)\n"
    "  movdqu %xmm12, out_regs+144+12*16(%rip)\n"
    "  movdqu %xmm13, out_regs+144+13*16(%rip)\n"
    "  movdqu %xmm14, out_regs+144+14*16(%rip)\n"
    "  movdqu %xmm15, out_regs+144+15*16(%rip)\n"
    "  stmxcsr out_regs+136(%rip)\n"
    "  mov host_rsp(%rip), %rsp\n"
    "  pushfq\n"
    "  popq out_regs+128(%rip)\n"
    "  pushq $0x202\n" /* clean flags for C: DF, AC, NT, ID cleared */
    "  popfq\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
    "  ret\n");

/* mulberry32: identical to test/fuzz/prng.ts. */
static uint32_t prng_next(uint32_t *s) {
  *s += 0x6D2B79F5u;
  uint32_t t = *s;
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return t ^ (t >> 14);
}
/* Memory words: mostly random, with edge values mixed in (same rule as prng.ts fillWords). */
static void fill_words(uint32_t seed, uint32_t *w, size_t n) {
  uint32_t s = seed;
  for (size_t k = 0; k < n; k++) {
    uint32_t v = prng_next(&s);
    switch (v & 15) {
      case 0: v = 0; break;
      case 1: v = 0xffffffffu; break;
      case 2: v = 0x80000000u; break;
      case 3: v = 0x7fffffffu; break;
      case 4: v &= 0xff; break;
      default: break;
    }
    w[k] = v;
  }
}
/* XMM lanes: random 32-bit words with integer and floating-point edge values (same as prng.ts). */
static const uint32_t XMM_EDGE[16] = {0, 0xffffffffu, 0x80000000u, 0x7fffffffu, 0x7f800000u, 0xff800000u,
                                      0x7fc00000u, 0x7fa00000u, 0x00000001u, 0x3f800000u, 0xbf800000u,
                                      0x7ff00000u, 0xfff80000u, 0x3ff00000u, 0x00800000u, 0x4f000000u};
static void fill_xmm(uint32_t seed, uint8_t *x) {
  uint32_t s = seed;
  uint32_t *w = (uint32_t *)x;
  for (int k = 0; k < 64; k++) {
    uint32_t v = prng_next(&s);
    if ((v & 3) == 0) v = XMM_EDGE[(v >> 2) & 15];
    w[k] = v;
  }
}

static sigjmp_buf jb;
static volatile sig_atomic_t in_case;
static struct case_out out;

static void on_signal(int sig, siginfo_t *si, void *ucv) {
  (void)si;
  ucontext_t *uc = (ucontext_t *)ucv;
  if (!in_case) {
    /* A fault in the runner itself: die with the default action. */
    signal(sig, SIG_DFL);
    if (sig == SIGALRM) raise(sig);
    return;
  }
  greg_t *g = uc->uc_mcontext.gregs;
  static const int order[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  for (int k = 0; k < 16; k++) out_regs.gpr[k] = (uint64_t)g[order[k]];
  out_regs.rflags = (uint64_t)g[REG_EFL];
  out.signo = (uint8_t)sig;
  out.trapno = (uint8_t)g[REG_TRAPNO];
  out.err = (uint64_t)g[REG_ERR];
  out.cr2 = (uint64_t)g[REG_CR2];
  out.rip = (uint64_t)g[REG_RIP];
  if (uc->uc_mcontext.fpregs) {
    memcpy(out_regs.xmm, uc->uc_mcontext.fpregs->_xmm, sizeof out_regs.xmm);
    out_regs.mxcsr = uc->uc_mcontext.fpregs->mxcsr;
  }
  exit_kind = sig == SIGALRM ? 3 : 2;
  in_case = 0;
  siglongjmp(jb, 1);
}

static void die(const char *what) {
  fprintf(stderr, "runner: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void write_all(const void *p, size_t n) {
  const uint8_t *b = p;
  while (n) {
    ssize_t w = write(1, b, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    b += w;
    n -= (size_t)w;
  }
}

static int read_all(void *p, size_t n) {
  uint8_t *b = p;
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(0, b + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("read");
    }
    if (r == 0) return got == 0 ? 0 : -1;
    got += (size_t)r;
  }
  return 1;
}

static void *map_fixed(uintptr_t addr, size_t len, int prot) {
  void *p = mmap((void *)addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED || (uintptr_t)p != addr) die("mmap at a fixed address");
  return p;
}

static void put_rel32_jmp(uint8_t *at, void (*to)(void)) {
  int64_t rel = (int64_t)(uintptr_t)to - (int64_t)((uintptr_t)at + 5);
  if (rel < INT32_MIN || rel > INT32_MAX) {
    fprintf(stderr, "runner: save routine out of rel32 range\n");
    exit(2);
  }
  int32_t r = (int32_t)rel;
  at[0] = 0xe9;
  memcpy(at + 1, &r, 4);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--layout") == 0) {
    printf("code=0x%lx taken=0x%x scratch=0x%lx rw=0x%lx ro=0x%lx\n", CODE_BASE, TAKEN_OFF, SCRATCH_BASE, RW_BYTES,
           RO_BYTES);
    return 0;
  }
  uint8_t *code = map_fixed(CODE_BASE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
  uint8_t *scratch = map_fixed(SCRATCH_BASE, RW_BYTES + RO_BYTES, PROT_READ | PROT_WRITE);
  map_fixed(SCRATCH_BASE - 0x10000, 0x10000, PROT_NONE);
  map_fixed(SCRATCH_BASE + RW_BYTES + RO_BYTES, 0x10000, PROT_NONE);
  map_fixed(CODE_BASE - 0x10000, 0x10000, PROT_NONE);
  map_fixed(CODE_BASE + CODE_SIZE, 0x10000, PROT_NONE);
  fill_words(RO_SEED, (uint32_t *)(scratch + RW_BYTES), RO_BYTES / 4);
  if (mprotect(scratch + RW_BYTES, RO_BYTES, PROT_READ) != 0) die("mprotect");
  memset(code, 0xcc, CODE_SIZE);

  static uint8_t altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) die("sigaltstack");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGALRM};
  for (unsigned k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
    if (sigaction(sigs[k], &sa, NULL) != 0) die("sigaction");

  static uint8_t pre[RW_BYTES];
  static uint8_t patchbuf[RW_BYTES];
  static uint8_t outbuf[sizeof(struct case_out) + RW_BYTES * 2 + 4096];
  struct case_in in;
  uint8_t last_len = 0;
  /* A case may run for at most 200 ms (a stray loop): SIGALRM reports it as kind 3. */
  const struct itimerval limit = {{0, 0}, {0, 200000}}, off = {{0, 0}, {0, 0}};
  for (;;) {
    int r = read_all(&in, sizeof in);
    if (r == 0) break;
    if (r < 0 || in.magic != MAGIC) {
      fprintf(stderr, "runner: bad input record\n");
      return 2;
    }
    if (in.code_len > TAKEN_OFF - 5) {
      fprintf(stderr, "runner: code too long\n");
      return 2;
    }
    /* Code buffer: reset the previous case's bytes, place the case and its two trampolines. */
    memset(code, 0xcc, (size_t)last_len + 5);
    memcpy(code, in.code, in.code_len);
    put_rel32_jmp(code + in.code_len, save_fall);
    put_rel32_jmp(code + TAKEN_OFF, save_taken);
    last_len = in.code_len;
    static uint8_t xmm_explicit[256];
    if ((in.flags & 1) && read_all(xmm_explicit, sizeof xmm_explicit) != 1) die("read xmm");
    /* Scratch: seeded contents, then the patches. */
    fill_words(in.scratch_seed, (uint32_t *)pre, RW_BYTES / 4);
    size_t plen = 0;
    for (unsigned k = 0; k < in.n_patch; k++) {
      uint16_t hdr[2];
      if (read_all(hdr, 4) != 1) die("read patch");
      if ((size_t)hdr[0] + hdr[1] > RW_BYTES) {
        fprintf(stderr, "runner: patch out of range\n");
        return 2;
      }
      if (hdr[1] && read_all(patchbuf, hdr[1]) != 1) die("read patch bytes");
      memcpy(pre + hdr[0], patchbuf, hdr[1]);
      plen += hdr[1];
    }
    memcpy(scratch, pre, RW_BYTES);
    /* Registers. */
    memcpy(in_regs.gpr, in.gpr, sizeof in.gpr);
    in_regs.rflags = in.rflags;
    in_regs.mxcsr = in.mxcsr;
    if (in.flags & 1) memcpy(in_regs.xmm, xmm_explicit, sizeof in_regs.xmm);
    else fill_xmm(in.xmm_seed, &in_regs.xmm[0][0]);
    memset(&out, 0, sizeof out);
    memset(&out_regs, 0, sizeof out_regs);
    out.magic = MAGIC;
    out.id = in.id;

    setitimer(ITIMER_REAL, &limit, NULL);
    if (sigsetjmp(jb, 1) == 0) {
      in_case = 1;
      enter_case();
      in_case = 0;
    } else {
      /* Back from a signal: give C clean flags (the kernel cleared DF/TF for the handler). */
      __asm__ volatile("pushq $0x202\n\tpopfq" ::: "memory", "cc");
    }
    setitimer(ITIMER_REAL, &off, NULL);

    out.kind = (uint8_t)exit_kind;
    memcpy(out.gpr, out_regs.gpr, sizeof out.gpr);
    out.rflags = out_regs.rflags;
    out.mxcsr = (uint32_t)out_regs.mxcsr;
    memcpy(out.xmm, out_regs.xmm, sizeof out.xmm);
    /* Changed byte runs of the RW pages. */
    size_t o = sizeof out;
    uint32_t runs = 0;
    for (size_t k = 0; k < RW_BYTES;) {
      if (scratch[k] == pre[k]) { k++; continue; }
      size_t s = k;
      while (k < RW_BYTES && scratch[k] != pre[k] && k - s < 0xffff) k++;
      uint16_t h[2] = {(uint16_t)s, (uint16_t)(k - s)};
      memcpy(outbuf + o, h, 4);
      memcpy(outbuf + o + 4, scratch + s, k - s);
      o += 4 + (k - s);
      runs++;
    }
    out.n_runs = runs;
    memcpy(outbuf, &out, sizeof out);
    write_all(outbuf, o);
    (void)plen;
  }
  return 0;
}
