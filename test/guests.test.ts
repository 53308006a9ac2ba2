// End-to-end oracle tests: every guest binary in test/build runs natively
// (the host CPU and kernel are the oracle) and under ringjit with each
// engine in RINGJIT_ENGINES (default "interp,jit,wasm"); stdout, stderr and exit
// status must match byte for byte. A guest killed by signal N natively must
// make ringjit exit 128+N and append one "guest killed by SIGxxx at rip 0x..."
// line to stderr.
//
// Environment knobs:
//   RINGJIT_ENGINES=interp,jit,wasm  engines to test (wasm: --engine jit --wasm)
//   RINGJIT_GUESTS=hello,args.musl  only these guests (names or name.flavor)
//   RINGJIT_TEST_JOBS=N          parallel runs (default: number of CPUs)
//   RINGJIT_TIMEOUT_SCALE=F      multiply every ringjit run timeout (slow machines)
//
// Build the guests first: npm run guests.

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareNativeRuns, compareRuns, diffMessage } from './helpers/compare.js';
import {
  enginesUnderTest,
  guestBinaries,
  knownSkip,
  loadManifest,
  MANIFEST_PATH,
  runLabel,
  runsOf,
  SPECS,
  type GuestBinary,
  type GuestRunSpec,
} from './helpers/corpus.js';
import { elfSymbol } from './helpers/elf.js';
import {
  BUILD_DIR,
  DEFAULT_RINGJIT_TIMEOUT_MS,
  REPO_ROOT,
  runNative,
  runRingjit,
  withTempDir,
  type RunResult,
} from './helpers/run.js';

const engines = enginesUnderTest();
const JOBS = Math.max(1, Number(process.env.RINGJIT_TEST_JOBS) || availableParallelism());
const VITEST_MAX_CONCURRENCY = 5; // vitest's default maxConcurrency
const TIMEOUT_SCALE = Number(process.env.RINGJIT_TIMEOUT_SCALE) > 0 ? Number(process.env.RINGJIT_TIMEOUT_SCALE) : 1;
const ringjitTimeout = (run: GuestRunSpec) => Math.round((run.timeoutMs ?? DEFAULT_RINGJIT_TIMEOUT_MS) * TIMEOUT_SCALE);

/** Limits how many guest processes run at once (ringjit runs are CPU-bound). */
function semaphore(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async function <T>(fn: () => Promise<T>): Promise<T> {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
const limit = semaphore(JOBS);

/** Run one guest run natively or under an engine, in a fresh cwd (and fresh work dir if needed). */
function runGuest(b: GuestBinary, run: GuestRunSpec, engine: string | null): Promise<RunResult> {
  return limit(() =>
    withTempDir(async (cwd) => {
      const args = [...(run.args ?? [])];
      if (run.needsDir) {
        mkdirSync(join(cwd, 'work'));
        args.unshift('work');
      }
      const opts = { args, stdin: run.stdin ?? '', cwd };
      return engine === null
        ? runNative(b.path, opts)
        : runRingjit(b.path, { ...opts, engine, timeoutMs: ringjitTimeout(run) });
    }),
  );
}

const nativeCache = new Map<string, Promise<RunResult>>();
function nativeResult(b: GuestBinary, index: number, run: GuestRunSpec): Promise<RunResult> {
  const key = `${b.id}#${index}`;
  let p = nativeCache.get(key);
  if (!p) {
    p = runGuest(b, run, null);
    nativeCache.set(key, p);
  }
  return p;
}

function failWith(problems: string[], header: string): void {
  if (problems.length) throw new Error(`${header}\n${problems.join('\n\n')}`);
}

// ---------------------------------------------------------------------------
// The harness itself: the oracle comparison must be able to fail.

describe('harness', () => {
  const manifest = loadManifest();
  const bin = (name: string) => join(BUILD_DIR, name);
  const haveBuild = manifest !== undefined && existsSync(bin('hello.glibc'));

  it('guests are built (npm run guests)', () => {
    expect(manifest, `${MANIFEST_PATH} is missing: run npm run guests`).toBeDefined();
    const missing = manifest!.binaries.filter((b) => !b.built && !b.skipReason).map((b) => b.file);
    expect(missing, 'binaries that failed to build').toEqual([]);
  });

  it('every guest source has a manifest entry and every SPECS key names a guest', () => {
    const srcs = readdirSync(join(REPO_ROOT, 'test', 'guests')).filter((f) => /\.(c|S)$/.test(f));
    const expected = srcs.flatMap((f) =>
      f.endsWith('.c') ? [`${basename(f, '.c')}.glibc`, `${basename(f, '.c')}.musl`] : [`${basename(f, '.S')}.asm`],
    );
    const ids = (manifest?.binaries ?? []).map((b) => `${b.name}.${b.flavor}`);
    expect(ids.sort()).toEqual(expected.sort());
    const names = new Set(srcs.map((f) => f.replace(/\.(c|S)$/, '')));
    expect(Object.keys(SPECS).filter((k) => !names.has(k))).toEqual([]);
    expect(srcs.length).toBeGreaterThanOrEqual(18);
  });

  it.runIf(haveBuild)('native hello.glibc prints the expected text', async () => {
    const r = await runNative(bin('hello.glibc'));
    expect(r.status).toBe(0);
    expect(r.signal).toBeNull();
    expect(r.stdout.toString()).toBe('Hello, world!\nringjit guest: hello\n');
    expect(r.stderr.length).toBe(0);
  });

  it.runIf(haveBuild)('identical runs compare equal', async () => {
    const a = await runNative(bin('exit_codes.glibc'), { args: ['42'] });
    const b = await runNative(bin('exit_codes.glibc'), { args: ['42'] });
    expect(a.status).toBe(42);
    expect(compareRuns(a, b)).toEqual([]);
    expect(compareNativeRuns(a, b)).toEqual([]);
  });

  it.runIf(haveBuild)('a different run is detected as different', async () => {
    const a = await runNative(bin('exit_codes.glibc'), { args: ['42'] });
    const b = await runNative(bin('exit_codes.glibc'), { args: ['43'] });
    const problems = compareRuns(a, b);
    expect(problems.some((p) => p.includes('exit status: native 42, ringjit 43'))).toBe(true);
    expect(problems.some((p) => p.startsWith('stdout differs'))).toBe(true);
    // stderr is identical here; a stderr-only difference is caught too
    const c = { ...a, stderr: Buffer.concat([a.stderr, Buffer.from('extra\n')]) };
    expect(compareRuns(a, c).some((p) => p.startsWith('stderr differs'))).toBe(true);
    // and a different exit path (_exit loses buffered stdout)
    const d = await runNative(bin('exit_codes.glibc'), { args: ['42', '_exit'] });
    expect(compareRuns(a, d).some((p) => p.startsWith('stdout differs'))).toBe(true);
  });

  it.runIf(haveBuild)('the signal contract: 128+N and one "guest killed" line naming the rip', async () => {
    const native = await runNative(bin('null_deref.glibc'));
    expect(native.signal).toBe('SIGSEGV');
    expect(native.stdout.toString()).toBe('about to write through NULL\n');
    const rip = elfSymbol(bin('null_deref.glibc'), 'expected_fault');
    expect(rip).toBeDefined();
    const fake = (line: string, status: number | null = 139): RunResult => ({
      ...native,
      signal: null,
      status,
      stderr: Buffer.concat([native.stderr, Buffer.from(line)]),
    });
    const good = `ringjit: guest killed by SIGSEGV at rip 0x${rip!.toString(16)} (write to 0x0)\n`;
    expect(compareRuns(native, fake(good), { faultRip: rip })).toEqual([]);
    expect(compareRuns(native, fake(good, 1), { faultRip: rip })).not.toEqual([]);
    expect(compareRuns(native, fake(good.replace('SIGSEGV', 'SIGILL')), { faultRip: rip })).not.toEqual([]);
    expect(compareRuns(native, fake('ringjit: guest killed by SIGSEGV at rip 0x1\n'), { faultRip: rip })).not.toEqual([]);
    expect(compareRuns(native, fake(''), { faultRip: rip })).not.toEqual([]);
    expect(compareRuns(native, fake(good + 'another line\n'), { faultRip: rip })).not.toEqual([]);
    expect(compareRuns(native, { ...native }, { faultRip: rip }).some((p) => p.includes('ringjit itself was killed by SIGSEGV'))).toBe(true);
  });

  it('diffMessage names the first differing line', () => {
    const msg = diffMessage('stdout', Buffer.from('a\nb\nc\nd\n'), Buffer.from('a\nb\nX\nd\n'));
    expect(msg).toContain('first difference at byte 4, line 3');
    expect(msg).toContain('native  line 3: "c"');
    expect(msg).toContain('ringjit line 3: "X"');
    const shorter = diffMessage('stdout', Buffer.from('a\nb\n'), Buffer.from('a\n'));
    expect(shorter).toContain('(end of output)');
  });

  it('a hanging program is killed at the timeout', async () => {
    const r = await runNative('/bin/sleep', { args: ['30'], timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.durationMs).toBeLessThan(10_000);
    expect(compareRuns(r, r)[0]).toMatch(/native run itself failed: timed out/);
  });

  it('runs get the fixed environment, the given cwd and stdin', async () => {
    await withTempDir(async (dir) => {
      const r = await runNative('/bin/sh', { args: ['-c', 'env | sort; pwd; cat'], cwd: dir, stdin: 'input!' });
      expect(r.stdout.toString()).toBe(
        `HOME=/nonexistent\nLANG=C\nPATH=/usr/bin:/bin\nPWD=${dir}\nTESTVAR=ringjit\n${dir}\ninput!`,
      );
    });
  });
});

// ---------------------------------------------------------------------------
// The corpus.

const manifest = loadManifest();
const binaries = manifest ? guestBinaries(manifest) : [];
const runTimeoutMax = Math.max(ringjitTimeout({}), ...Object.values(SPECS).flatMap((s) => (s.runs ?? []).map(ringjitTimeout)));
// A test may wait for others before its own run starts.
const TEST_TIMEOUT_MS = runTimeoutMax * (Math.ceil(VITEST_MAX_CONCURRENCY / JOBS) + 1) + 30_000;

describe.concurrent('guests', () => {
  for (const b of binaries) {
    if (!b.built) {
      if (b.skipReason) it.skip(`${b.id}: not built (${b.skipReason})`, () => {});
      else it(`${b.id}: built`, () => {
        throw new Error(`${b.file} was not built: run npm run guests`);
      });
      continue;
    }
    runsOf(b).forEach((run, index) => {
      const label = runLabel(run);
      const faultRip = run.faultSymbol ? elfSymbol(b.path, run.faultSymbol) : undefined;

      it(`${b.id} [native twice] ${label}: deterministic`, async () => {
        const first = await nativeResult(b, index, run);
        const second = await runGuest(b, run, null);
        failWith(compareNativeRuns(first, second), `${b.id} ${label}: two native runs differ (the guest is nondeterministic)`);
        if (run.faultSymbol) {
          expect(faultRip, `symbol ${run.faultSymbol} in ${b.file}`).toBeDefined();
          expect(first.signal, `${b.id} is expected to die by a signal natively`).not.toBeNull();
        }
      }, TEST_TIMEOUT_MS);

      for (const engine of engines) {
        const skip = knownSkip(b, engine);
        const name = `${b.id} [${engine}] ${label}`;
        if (skip) {
          it.skip(`${name} (known gap: ${skip.reason})`, () => {});
          continue;
        }
        it(name, async () => {
          const native = await nativeResult(b, index, run);
          const emulated = await runGuest(b, run, engine);
          failWith(
            compareRuns(native, emulated, { faultRip }),
            `${b.id} ${label}: ringjit --engine ${engine} differs from the native run\n` +
              `  command: ${emulated.command.map((a) => JSON.stringify(a)).join(' ')}`,
          );
        }, TEST_TIMEOUT_MS);
      }
    });
  }
});
