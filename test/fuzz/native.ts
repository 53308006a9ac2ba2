// The host-CPU side of the differential fuzzer: encodes cases for the native runner (test/native/runner.c),
// runs it in a child process (thousands of cases per invocation) and decodes its results.

import { spawnSync } from 'node:child_process';
import { buildNativeRunner } from '../../scripts/build-native-runner.mjs';
import { fillWords, fillXmm, MAGIC, MAX_CODE, RO_BYTES, RO_SEED, RW_BYTES } from './layout.js';

export interface Patch { off: number; bytes: Uint8Array }

/** The inputs of one case (what both the host CPU and ringjit start from). */
export interface CaseInput {
  id: number;
  code: Uint8Array;
  /** GPRs as int32 halves, cpu.regs layout (RAX lo, RAX hi, RCX lo, ...). */
  gpr: Int32Array;
  rflags: number;
  mxcsr: number;
  scratchSeed: number;
  xmmSeed: number;
  /** Writes over the seeded read-write scratch pages (offsets from SCRATCH_BASE). */
  patches: Patch[];
  /** Explicit XMM0-15 (64 int32 lanes) instead of the seeded ones (hand-written reproducers). */
  xmm?: Int32Array;
}

/** The XMM registers a case starts with. */
export function initialXmm(c: CaseInput): Int32Array {
  if (c.xmm) return c.xmm;
  const x = new Int32Array(64);
  fillXmm(c.xmmSeed, x);
  return x;
}

export type ExitKind = 'fall' | 'taken' | 'fault' | 'timeout' | 'other';

/** What an engine (or the host) ended with. */
export interface Outcome {
  kind: ExitKind;
  /** Faults: exception vector, error code, CR2 (for #PF) and the RIP of the faulting instruction. */
  vector: number;
  signo: number;
  err: number;
  cr2: bigint;
  rip: bigint;
  gpr: Int32Array;
  rflags: number;
  mxcsr: number;
  /** XMM0..15 as 64 int32 lanes. */
  xmm: Int32Array;
  /** Post-image of the scratch area: RW pages then the RO page. */
  mem: Uint8Array;
  /** Free-form note (an engine's exception text, a runner crash). */
  note?: string;
}

const IN_HDR = 4 + 4 + 1 + 1 + 2 + 4 + 4 + 4 + 128 + 8 + 64;
const OUT_HDR = 4 + 4 + 4 + 4 + 4 + 4 + 8 + 8 + 8 + 128 + 8 + 256;

/** The scratch image before a case runs (RW pages from the seed plus patches, then the RO page). */
export function preImage(c: CaseInput): Uint8Array {
  return preImageShared(c).slice();
}
/** The cached pre-image itself: do not modify. */
export function preImageShared(c: CaseInput): Uint8Array {
  const cached = preCache.get(c);
  if (cached) return cached;
  const m = new Uint8Array(RW_BYTES + RO_BYTES);
  fillWords(c.scratchSeed, m.subarray(0, RW_BYTES));
  for (const p of c.patches) m.set(p.bytes, p.off);
  m.set(roImage(), RW_BYTES);
  preCache.set(c, m);
  return m;
}
const preCache = new WeakMap<CaseInput, Uint8Array>();
let ro: Uint8Array | null = null;
export function roImage(): Uint8Array {
  if (!ro) { ro = new Uint8Array(RO_BYTES); fillWords(RO_SEED, ro); }
  return ro;
}

export function encodeCases(cases: readonly CaseInput[]): Buffer {
  let n = 0;
  for (const c of cases) { n += IN_HDR + (c.xmm ? 256 : 0); for (const p of c.patches) n += 4 + p.bytes.length; }
  const buf = Buffer.alloc(n);
  let o = 0;
  for (const c of cases) {
    if (c.code.length > MAX_CODE) throw new Error(`case ${c.id}: code too long`);
    buf.writeUInt32LE(MAGIC, o); buf.writeUInt32LE(c.id >>> 0, o + 4);
    buf.writeUInt8(c.code.length, o + 8); buf.writeUInt8(c.xmm ? 1 : 0, o + 9); buf.writeUInt16LE(c.patches.length, o + 10);
    buf.writeUInt32LE(c.scratchSeed >>> 0, o + 12); buf.writeUInt32LE(c.xmmSeed >>> 0, o + 16);
    buf.writeUInt32LE(c.mxcsr >>> 0, o + 20);
    for (let k = 0; k < 32; k++) buf.writeInt32LE(c.gpr[k], o + 24 + 4 * k);
    buf.writeUInt32LE(c.rflags >>> 0, o + 152); buf.writeUInt32LE(0, o + 156);
    buf.set(c.code, o + 160);
    o += IN_HDR;
    if (c.xmm) { for (let k = 0; k < 64; k++) buf.writeInt32LE(c.xmm[k], o + 4 * k); o += 256; }
    for (const p of c.patches) {
      if (p.off < 0 || p.off + p.bytes.length > RW_BYTES) throw new Error(`case ${c.id}: patch out of range`);
      buf.writeUInt16LE(p.off, o); buf.writeUInt16LE(p.bytes.length, o + 2); buf.set(p.bytes, o + 4);
      o += 4 + p.bytes.length;
    }
  }
  return buf;
}

const KINDS: ExitKind[] = ['fall', 'taken', 'fault', 'timeout'];

function decodeOutputs(out: Buffer, byId: Map<number, CaseInput>, into: Map<number, Outcome>): void {
  let o = 0;
  while (o + OUT_HDR <= out.length) {
    if (out.readUInt32LE(o) !== MAGIC) throw new Error('native runner: corrupt output');
    const id = out.readUInt32LE(o + 4);
    const kind = KINDS[out.readUInt8(o + 8)] ?? 'other';
    const signo = out.readUInt8(o + 9), trapno = out.readUInt8(o + 10);
    const mxcsr = out.readUInt32LE(o + 12);
    const nRuns = out.readUInt32LE(o + 16);
    const err = Number(out.readBigUInt64LE(o + 24));
    const cr2 = out.readBigUInt64LE(o + 32);
    const rip = out.readBigUInt64LE(o + 40);
    const gpr = new Int32Array(32);
    for (let k = 0; k < 32; k++) gpr[k] = out.readInt32LE(o + 48 + 4 * k);
    const rflags = out.readUInt32LE(o + 176);
    const xmm = new Int32Array(64);
    for (let k = 0; k < 64; k++) xmm[k] = out.readInt32LE(o + 184 + 4 * k);
    o += OUT_HDR;
    const c = byId.get(id);
    if (!c) throw new Error(`native runner: unknown case id ${id}`);
    const mem = preImage(c);
    for (let r = 0; r < nRuns; r++) {
      const off = out.readUInt16LE(o), len = out.readUInt16LE(o + 2);
      mem.set(out.subarray(o + 4, o + 4 + len), off);
      o += 4 + len;
    }
    into.set(id, { kind, vector: kind === 'fault' ? trapno : -1, signo, err, cr2, rip, gpr, rflags, mxcsr, xmm, mem });
  }
}

export interface NativeRunStats { invocations: number; crashes: number; ms: number }

/** Run cases on the host CPU. A runner crash marks the case it died on and resumes after it. */
export function runNative(cases: readonly CaseInput[], stats?: NativeRunStats): Map<number, Outcome> {
  const bin = buildNativeRunner();
  const byId = new Map<number, CaseInput>();
  for (const c of cases) byId.set(c.id, c);
  const results = new Map<number, Outcome>();
  let rest = cases.slice();
  const t0 = performance.now();
  while (rest.length) {
    const r = spawnSync(bin, [], { input: encodeCases(rest), maxBuffer: 1 << 30 });
    if (stats) stats.invocations++;
    if (r.error) throw new Error(`native runner: ${r.error.message}`);
    decodeOutputs(r.stdout, byId, results);
    if (r.status === 0) break;
    if (r.status === 2 && r.signal === null) throw new Error(`native runner failed: ${r.stderr.toString()}`);
    // Crashed (escaped the harness): blame the first case without a result, keep going after it.
    const k = rest.findIndex((c) => !results.has(c.id));
    if (k < 0) break;
    if (stats) stats.crashes++;
    const c = rest[k];
    results.set(c.id, {
      kind: 'other', vector: -1, signo: 0, err: 0, cr2: 0n, rip: 0n, gpr: c.gpr.slice(), rflags: c.rflags, mxcsr: c.mxcsr,
      xmm: new Int32Array(64), mem: preImage(c),
      note: `native runner died (${r.signal ?? 'status ' + r.status}) on this case: ${r.stderr.toString().trim()}`,
    });
    rest = rest.slice(k + 1);
  }
  if (stats) stats.ms += performance.now() - t0;
  return results;
}
