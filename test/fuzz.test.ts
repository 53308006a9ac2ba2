// Differential fuzzing against the host CPU (DESIGN.md, "How correctness is established"): every
// implemented instruction form runs FUZZ_PER_FORM (50) times as the last instruction of a generated case on
// the host CPU (test/native/runner.c), the interpreter and the translator; registers, defined flags, MXCSR,
// XMM, scratch memory and the fault outcome must agree (test/fuzz/check.ts). Fixed seed; the forms are split
// into shards that run in parallel child processes. Writes test/build/fuzz-coverage.txt.
//
//   FUZZ_SEED=N FUZZ_PER_FORM=N FUZZ_SHARDS=N  override the defaults
//   npm run fuzz -- --seed S --count N          long campaigns (scripts/fuzz.mjs)

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNativeRunner } from '../scripts/build-native-runner.mjs';
import { type CampaignResult, coverageReport, mergeResults, parseCase, replayCase, summary } from './fuzz/check.js';
import { allForms } from './fuzz/forms.js';
import { runNative } from './fuzz/native.js';
import { FLAG_EFFECTS, STATUS, undefinedFlags } from '../src/semantics/undefined-flags.js';
import { BUILD_DIR, REPO_ROOT } from './helpers/run.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20250101);
const PER_FORM = Number(process.env.FUZZ_PER_FORM ?? 50);
const SHARDS = Number(process.env.FUZZ_SHARDS ?? Math.max(2, Math.min(4, availableParallelism())));
const BUNDLE = join(BUILD_DIR, 'fuzz-cli.mjs');
const COVERAGE = join(BUILD_DIR, 'fuzz-coverage.txt');

beforeAll(async () => {
  mkdirSync(BUILD_DIR, { recursive: true });
  buildNativeRunner();
  await build({
    entryPoints: [join(REPO_ROOT, 'test', 'fuzz', 'cli.ts')],
    bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: BUNDLE, logLevel: 'warning',
  });
}, 120_000);

function runShard(k: number): Promise<CampaignResult> {
  const json = join(BUILD_DIR, `fuzz-shard-${k}.json`);
  const args = [BUNDLE, '--seed', String(SEED), '--per-form', String(PER_FORM), '--shard', `${k}/${SHARDS}`,
    '--json', json, '--report', 'none', '--quiet'];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0 && code !== 1) { reject(new Error(`fuzz shard ${k} exited with ${code}:\n${out}`)); return; }
      try { resolve(JSON.parse(readFileSync(json, 'utf8')) as CampaignResult); } catch (e) { reject(new Error(`fuzz shard ${k}: ${e}\n${out}`)); }
    });
  });
}

describe('differential fuzzing against the host CPU', () => {
  it(`every implemented form, ${PER_FORM} cases each (seed ${SEED}): host CPU, interpreter and translator agree`, async () => {
    const shards = await Promise.all(Array.from({ length: SHARDS }, (_, k) => runShard(k)));
    const r = mergeResults(shards);
    writeFileSync(COVERAGE, coverageReport(r));
    console.log(`${summary(r)}\n      coverage report: ${COVERAGE}`);

    // Every fuzzed form ran at least PER_FORM times as the instruction under test.
    const { forms } = allForms();
    const fuzzed = forms.filter((f) => !f.excluded).map((f) => f.key);
    expect(r.forms.sort()).toEqual(fuzzed.sort());
    const short = fuzzed.filter((k) => (r.stats[k]?.cases ?? 0) < PER_FORM);
    expect(short, `forms with fewer than ${PER_FORM} cases`).toEqual([]);
    expect(r.native.crashes, 'native runner crashes (a case escaped the harness)').toBe(0);
    // No unexplained difference. Known divergences (test/fuzz/known.ts) are listed in the report.
    expect(r.mismatchCount, r.mismatches.map((m) => m.report).join('\n\n')).toBe(0);
    // The wasm engine compiled a good share of the cases, and V8 accepted every module it built (a
    // module V8 rejects falls back to JavaScript silently in the engine; here it is a failure).
    expect(r.wasm.compiled).toBeGreaterThan(r.cases / 10);
    expect(Object.keys(r.wasm.refused).filter((why) => why.startsWith('internal error'))).toEqual([]);
  }, 600_000);

  it('the native runner reports faults and runaway code as outcomes, not crashes', () => {
    const mk = (id: number, hex: string, rax = 0n) => {
      const gpr = new Int32Array(32);
      gpr[0] = Number(rax & 0xffffffffn) | 0; gpr[1] = Number(rax >> 32n) | 0;
      return { id, code: Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16))), gpr, rflags: 0x202, mxcsr: 0x1f80,
        scratchSeed: 1, xmmSeed: 2, patches: [] };
    };
    const res = runNative([
      mk(1, '0f0b'), // ud2 -> #UD
      mk(2, '48f7f1', 5n), // div rcx (0) -> #DE
      mk(3, '488b00'), // mov rax, [rax] (0) -> #PF
      mk(4, 'ebfe'), // jmp $ -> timeout
      mk(5, 'f4'), // hlt -> #GP
      mk(6, '4883c001', 41n), // add rax, 1
    ]);
    expect([1, 2, 3, 4, 5, 6].map((id) => res.get(id)!.kind)).toEqual(['fault', 'fault', 'fault', 'timeout', 'fault', 'fall']);
    expect([1, 2, 3, 5].map((id) => res.get(id)!.vector)).toEqual([6, 0, 14, 13]);
    expect(res.get(3)!.cr2).toBe(0n);
    expect(res.get(6)!.gpr[0]).toBe(42);
  });

  it('replays a hand-written case on all three (the --case path of npm run fuzz)', () => {
    const r = replayCase(parseCase('code=4801d8723b rax=0xffffffffffffffff rbx=1'));
    expect(r.mismatch, r.report).toBe(false);
    expect(r.report).toMatch(/^AGREE: taken/);
  });
});

describe('undefined-flags table (src/semantics/undefined-flags.ts)', () => {
  it('undefined flags are a subset of the modified flags, all status flags', () => {
    for (const [m, e] of Object.entries(FLAG_EFFECTS)) {
      expect((e.undefined & ~e.modified) >>> 0, m).toBe(0);
      expect((e.modified & ~STATUS) >>> 0, m).toBe(0);
      for (const x of [e.countNot1, e.countGeWidth, e.countGtWidth]) if (x !== undefined) expect((x & ~e.modified) >>> 0, m).toBe(0);
    }
  });
  it('count rules: 0 leaves everything, 1 defines OF, >1 does not', () => {
    expect(undefinedFlags('shl', 0, 32)).toBe(0);
    expect(undefinedFlags('shl', 1, 32)).toBe(0x10); // AF
    expect(undefinedFlags('shl', 2, 32)).toBe(0x10 | 0x800); // AF, OF
    expect(undefinedFlags('shr', 8, 8) & 1).toBe(1); // CF when count >= width
    expect(undefinedFlags('shld', 17, 16)).toBe(STATUS);
    expect(undefinedFlags('mul')).toBe(0x4 | 0x10 | 0x40 | 0x80);
  });
});
