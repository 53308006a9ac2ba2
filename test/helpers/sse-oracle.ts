// Host-CPU oracle for instruction-level SIMD tests. Builds (with gcc) a program containing one stub per
// instruction text: the stub loads a complete register state (xmm0-15, MXCSR, all GPRs but rsp,
// RFLAGS) from a record, executes the instruction(s), and stores the state back. Faults are caught with
// a SIGSEGV/SIGFPE/SIGILL handler that copies the faulting context (registers as of the faulting
// instruction) into the record. Memory operands point into a 512-byte window that ends at a page
// boundary followed by an inaccessible page, so page-crossing accesses can fault.
//
// Record layout (little-endian, RECORD_SIZE bytes):
//   0 u32 stub index | 4 u32 out: fault kind | 8 u64 out: faulting RIP - stub start
//   16 xmm0..15 (16 bytes each) | 272 gpr[16] (RAX..R15) | 400 rflags | 408 mxcsr | 416 mem[512]
// GPR values in [VBASE, VBASE + 8192) are relocated to the host window and back, so tests use the
// emulator's addresses: the window is VBASE + MEM_OFF .. VBASE + 4096, and VBASE + 4096 is unmapped.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RECORD_SIZE = 928;
export const OFF = { idx: 0, fault: 4, faultOff: 8, xmm: 16, gpr: 272, rflags: 400, mxcsr: 408, mem: 416 } as const;
export const VBASE = 0x10000;
export const MEM_SIZE = 512;
export const MEM_OFF = 4096 - MEM_SIZE;
/** Address of the memory window in the emulator's (and, after relocation, the tests') terms. */
export const MEMBASE = VBASE + MEM_OFF;
export const enum Fault { None = 0, GP = 1, PF = 2, XM = 3, UD = 4, Other = 5 }

const C_SOURCE = String.raw`
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define RECSZ 928
#define VBASE 0x10000ULL
extern void *stub_start[], *stub_end[], *stub_fn[];
extern long stub_count;
void *state_ptr;
static uint8_t *region;
static sigjmp_buf env;
static unsigned char *cur;
static long cur_idx;

static void handler(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  static const int map[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                              REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  for (int k = 0; k < 16; k++) memcpy(cur + 272 + 8 * k, &g[map[k]], 8);
  memcpy(cur + 400, &g[REG_EFL], 8);
  memcpy(cur + 16, uc->uc_mcontext.fpregs->_xmm, 256);
  memcpy(cur + 408, &uc->uc_mcontext.fpregs->mxcsr, 4);
  uint32_t kind = 5;
  if (sig == SIGSEGV) kind = si->si_code == SI_KERNEL ? 1 : 2;
  else if (sig == SIGFPE) kind = 3;
  else if (sig == SIGILL) kind = 4;
  memcpy(cur + 4, &kind, 4);
  uint64_t off = (uint64_t)g[REG_RIP] - (uint64_t)stub_start[cur_idx];
  memcpy(cur + 8, &off, 8);
  siglongjmp(env, 1);
}

static uint64_t reloc(uint64_t v, uint64_t from, uint64_t to) {
  return v - from < 8192 ? v - from + to : v;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "bytes") == 0) {
    for (long i = 0; i < stub_count; i++) {
      for (uint8_t *p = stub_start[i]; p < (uint8_t *)stub_end[i]; p++) printf("%02x", *p);
      printf("\n");
    }
    return 0;
  }
  region = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mprotect(region + 4096, 4096, PROT_NONE);
  struct sigaction sa = {0};
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0); sigaction(SIGFPE, &sa, 0); sigaction(SIGILL, &sa, 0); sigaction(SIGBUS, &sa, 0);
  FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
  static unsigned char rec[RECSZ];
  while (fread(rec, RECSZ, 1, in) == 1) {
    cur = rec;
    uint32_t idx; memcpy(&idx, rec, 4); cur_idx = idx;
    memcpy(region + 4096 - 512, rec + 416, 512);
    for (int k = 0; k < 16; k++) {
      uint64_t v; memcpy(&v, rec + 272 + 8 * k, 8);
      v = reloc(v, VBASE, (uint64_t)region); memcpy(rec + 272 + 8 * k, &v, 8);
    }
    if (sigsetjmp(env, 1) == 0) ((void (*)(void *))stub_fn[idx])(rec);
    for (int k = 0; k < 16; k++) {
      uint64_t v; memcpy(&v, rec + 272 + 8 * k, 8);
      v = reloc(v, (uint64_t)region, VBASE); memcpy(rec + 272 + 8 * k, &v, 8);
    }
    memcpy(rec + 416, region + 4096 - 512, 512);
    fwrite(rec, RECSZ, 1, out);
  }
  fclose(out);
  return 0;
}
`;

const GPR = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

function stub(n: number, asm: string): string {
  const L: string[] = [];
  L.push(`stub_${n}:`, 'push rbx', 'push rbp', 'push r12', 'push r13', 'push r14', 'push r15',
    'mov [rip + saved_rsp], rsp', 'mov [rip + state_ptr], rdi', 'fninit');
  for (let k = 0; k < 16; k++) L.push(`movdqu xmm${k}, [rdi + ${16 + 16 * k}]`);
  L.push('ldmxcsr [rdi + 408]');
  for (let k = 0; k < 16; k++) if (k !== 4 && k !== 7) L.push(`mov ${GPR[k]}, [rdi + ${272 + 8 * k}]`);
  L.push('push qword ptr [rdi + 400]', `mov rdi, [rdi + ${272 + 8 * 7}]`, 'popfq');
  L.push(`stub_${n}_start:`, ...asm.split(';').map((s) => s.trim()), `stub_${n}_end:`);
  L.push('pushfq', 'push rdi', 'mov rdi, [rip + state_ptr]', `pop qword ptr [rdi + ${272 + 8 * 7}]`, 'pop qword ptr [rdi + 400]');
  for (let k = 0; k < 16; k++) if (k !== 4 && k !== 7) L.push(`mov [rdi + ${272 + 8 * k}], ${GPR[k]}`);
  L.push('stmxcsr [rdi + 408]');
  for (let k = 0; k < 16; k++) L.push(`movdqu [rdi + ${16 + 16 * k}], xmm${k}`);
  L.push('mov rsp, [rip + saved_rsp]', 'pop r15', 'pop r14', 'pop r13', 'pop r12', 'pop rbp', 'pop rbx', 'ret');
  return L.join('\n');
}

export interface Oracle {
  /** Machine code of each stub's instruction(s), as the host assembler produced it. */
  bytes: Uint8Array[];
  /** Run records on the host CPU; returns the output records. */
  run(records: Uint8Array): Uint8Array;
}

/** Assemble and build the oracle for the given instruction texts (';' separates instructions). */
export function buildOracle(asms: string[]): Oracle {
  const dir = mkdtempSync(join(tmpdir(), 'ringjit-sse-'));
  const S: string[] = ['.intel_syntax noprefix', '.text'];
  asms.forEach((a, n) => S.push(stub(n, a)));
  S.push('.data', '.balign 8', 'saved_rsp: .quad 0', '.globl stub_count', `stub_count: .quad ${asms.length}`);
  for (const t of ['start', 'end']) {
    S.push(`.globl stub_${t}`, `stub_${t}:`);
    asms.forEach((_, n) => S.push(`.quad stub_${n}_${t}`));
  }
  S.push('.globl stub_fn', 'stub_fn:');
  asms.forEach((_, n) => S.push(`.quad stub_${n}`));
  S.push('.section .note.GNU-stack,"",@progbits');
  writeFileSync(join(dir, 'stubs.S'), S.join('\n') + '\n');
  writeFileSync(join(dir, 'main.c'), C_SOURCE);
  const exe = join(dir, 'oracle');
  execFileSync('gcc', ['-O1', '-o', exe, join(dir, 'main.c'), join(dir, 'stubs.S')], { stdio: 'pipe' });
  const lines = execFileSync(exe, ['bytes'], { encoding: 'utf8' }).trim().split('\n');
  const bytes = lines.map((l) => Uint8Array.from(Buffer.from(l.trim(), 'hex')));
  return {
    bytes,
    run(records: Uint8Array): Uint8Array {
      const inp = join(dir, 'in.bin'), out = join(dir, 'out.bin');
      writeFileSync(inp, records);
      execFileSync(exe, [inp, out], { stdio: 'pipe' });
      return new Uint8Array(readFileSync(out));
    },
  };
}

/** The host can serve as the oracle: x86-64 Linux with gcc. */
export function hostOk(): boolean {
  if (process.arch !== 'x64' || process.platform !== 'linux') return false;
  try { execFileSync('gcc', ['--version'], { stdio: 'pipe' }); return true; } catch { return false; }
}

/**
 * The fields every input record starts with: random bytes everywhere (from `u32`), the case index,
 * no fault, RFLAGS with random status flags, the default MXCSR. Cases then overwrite what they test.
 */
export function initRecord(rec: Uint8Array, idx: number, u32: () => number): DataView {
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  for (let k = 0; k < RECORD_SIZE; k++) rec[k] = u32() & 0xff;
  dv.setUint32(OFF.idx, idx, true);
  dv.setUint32(OFF.fault, 0, true); dv.setBigUint64(OFF.faultOff, 0n, true);
  dv.setBigUint64(OFF.rflags, BigInt((u32() & 0x8d5) | 0x202), true);
  dv.setUint32(OFF.mxcsr, 0x1f80, true);
  return dv;
}

export interface OracleBatch {
  /** Machine code of each case's instruction(s). */
  bytes: Uint8Array[];
  /** All input records, case after case; start[i] is case i's first record. */
  input: Uint8Array;
  start: number[];
  /** The host CPU's output records, aligned with input. */
  expected: Uint8Array;
}

/** Assemble every case, build all input records and run them on the host CPU in one batch. */
export function runOracleBatch(cases: readonly { asm: string; n: number }[], inputs: (idx: number) => Uint8Array): OracleBatch {
  const oracle = buildOracle(cases.map((c) => c.asm));
  const start: number[] = [];
  let total = 0;
  for (const c of cases) { start.push(total); total += c.n; }
  const input = new Uint8Array(total * RECORD_SIZE);
  cases.forEach((_c, idx) => input.set(inputs(idx), start[idx] * RECORD_SIZE));
  const expected = oracle.run(input);
  if (expected.length !== input.length) throw new Error(`oracle returned ${expected.length} bytes for ${input.length}`);
  return { bytes: oracle.bytes, input, start, expected };
}

/**
 * The input records of one case: n records, each filled by initRecord (random registers, memory, a
 * default MXCSR) and then by `fill(rec, seed, j)`, which makes the case's generator from the
 * deterministic seed and writes the case-specific values. `salt` keeps suites' streams apart.
 */
export function caseInputs(n: number, idx: number, salt: number,
  fill: (rec: Uint8Array, seed: number, j: number, init: (u32: () => number) => void) => void): Uint8Array {
  const recs = new Uint8Array(n * RECORD_SIZE);
  for (let j = 0; j < n; j++) {
    const rec = recs.subarray(j * RECORD_SIZE, (j + 1) * RECORD_SIZE);
    fill(rec, idx * 1000003 + j * 7919 + salt, j, (u32) => { initRecord(rec, idx, u32); });
  }
  return recs;
}
