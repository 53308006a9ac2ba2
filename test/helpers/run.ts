// Running guest programs natively and under ringjit with identical inputs.
//
// Both runners use the same fixed environment, a caller-chosen working
// directory, fixed stdin and argv, a timeout that kills the whole process
// group, and return the raw stdout/stderr bytes plus how the process ended.
// Reused by the e2e suite (test/guests.test.ts) and by benchmarks.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD_DIR = join(REPO_ROOT, 'test', 'build');
export const RINGJIT_BIN = join(REPO_ROOT, 'bin', 'ringjit.js');

/** The environment every guest sees, natively and under ringjit. */
export const FIXED_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/bin:/bin',
  HOME: '/nonexistent',
  LANG: 'C',
  TESTVAR: 'ringjit',
});

export const DEFAULT_NATIVE_TIMEOUT_MS = 20_000;
export const DEFAULT_RINGJIT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export type Engine = 'interp' | 'jit';

export interface RunOptions {
  /** argv[1..] (argv[0] is the program path as given). */
  args?: readonly string[];
  /** Bytes fed to stdin, then EOF. Default: empty stdin (immediate EOF). */
  stdin?: Buffer | string;
  /** Working directory. Default: a fresh temporary directory, removed afterwards. */
  cwd?: string;
  /** Environment. Default: FIXED_ENV. */
  env?: Readonly<Record<string, string>>;
  /** Kill the process group after this long. */
  timeoutMs?: number;
}

export interface RingjitOptions extends RunOptions {
  engine?: Engine | string;
  /** Extra ringjit options placed before PROGRAM, e.g. ['--strace'] or ['--root', dir]. */
  flags?: readonly string[];
}

export interface RunResult {
  /** What was run, for messages. */
  command: string[];
  stdout: Buffer;
  stderr: Buffer;
  /** Exit status, or null if killed by a signal. */
  status: number | null;
  /** Terminating signal name (e.g. 'SIGSEGV'), or null. */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Output exceeded the capture limit; the process was killed. */
  outputLimitExceeded: boolean;
  /** spawn error (e.g. ENOENT), if any. */
  error?: Error;
  durationMs: number;
}

/** Make a fresh temporary directory; the caller removes it (see withTempDir). */
export function makeTempDir(prefix = 'ringjit-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>, prefix?: string): Promise<T> {
  const dir = makeTempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The argv that runs PROGRAM under ringjit (without the node executable). */
export function ringjitArgv(program: string, opts: RingjitOptions = {}): string[] {
  return [
    RINGJIT_BIN,
    'run',
    '--engine',
    // 'jit' is the translator with its JavaScript back end only (--no-wasm), 'wasm' with its wasm
    // back end (the default of `ringjit run`), so the corpus checks both whatever the default.
    opts.engine === 'wasm' ? 'jit' : String(opts.engine ?? 'interp'),
    ...(opts.engine === 'wasm' ? ['--wasm'] : opts.engine === 'jit' ? ['--no-wasm'] : []),
    // The corpus tests the translator on as much code as possible: translate blocks after two runs,
    // from the first instruction (the defaults, 64 runs after a 32K-instruction start-up window, leave
    // most of a short program to the interpreter). A caller's flag wins.
    ...(opts.engine === 'jit' || opts.engine === 'wasm' ? ['--jit-threshold', '2', '--jit-warmup', '0'] : []),
    ...(opts.flags ?? []),
    program,
    ...(opts.args ?? []),
  ];
}

/** Run PROGRAM directly on the host. */
export function runNative(program: string, opts: RunOptions = {}): Promise<RunResult> {
  return runProcess(program, [...(opts.args ?? [])], { ...opts, timeoutMs: opts.timeoutMs ?? DEFAULT_NATIVE_TIMEOUT_MS });
}

/** Run PROGRAM under `node bin/ringjit.js run --engine E [flags] PROGRAM ARGS`. */
export function runRingjit(program: string, opts: RingjitOptions = {}): Promise<RunResult> {
  return runProcess(process.execPath, ringjitArgv(program, opts), {
    ...opts,
    timeoutMs: opts.timeoutMs ?? DEFAULT_RINGJIT_TIMEOUT_MS,
  });
}

/** Synchronous variants (spawnSync), for scripts that cannot await. */
export function runNativeSync(program: string, opts: RunOptions = {}): RunResult {
  return runProcessSync(program, [...(opts.args ?? [])], { ...opts, timeoutMs: opts.timeoutMs ?? DEFAULT_NATIVE_TIMEOUT_MS });
}

export function runRingjitSync(program: string, opts: RingjitOptions = {}): RunResult {
  return runProcessSync(process.execPath, ringjitArgv(program, opts), {
    ...opts,
    timeoutMs: opts.timeoutMs ?? DEFAULT_RINGJIT_TIMEOUT_MS,
  });
}

function runProcess(file: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const ownCwd = opts.cwd === undefined;
  const cwd = opts.cwd ?? makeTempDir();
  const command = [file, ...args];
  const start = performance.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_NATIVE_TIMEOUT_MS;

  return new Promise<RunResult>((resolvePromise) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let timedOut = false;
    let outputLimitExceeded = false;
    let spawnError: Error | undefined;
    let settled = false;

    const child = spawn(file, args, {
      cwd,
      env: { ...(opts.env ?? FIXED_ENV) },
      stdio: ['pipe', 'pipe', 'pipe'],
      // own process group, so a timeout kills the guest's children too
      detached: true,
    });

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        try {
          child.kill('SIGKILL');
        } catch {
          /* already gone */
        }
      }
    };

    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);

    const collect = (sink: Buffer[]) => (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_OUTPUT_BYTES) {
        if (!outputLimitExceeded) {
          outputLimitExceeded = true;
          killGroup();
        }
        return;
      }
      sink.push(chunk);
    };
    child.stdout!.on('data', collect(out));
    child.stderr!.on('data', collect(err));
    // A guest that exits without reading stdin makes writes fail with EPIPE.
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.stdin ?? '');

    const finish = (status: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Kill stragglers of the group (e.g. a forked child that outlived the guest).
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* none left */
        }
      }
      if (ownCwd) rmSync(cwd, { recursive: true, force: true });
      resolvePromise({
        command,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        status,
        signal,
        timedOut,
        outputLimitExceeded,
        error: spawnError,
        durationMs: performance.now() - start,
      });
    };
    child.on('error', (e) => {
      spawnError = e;
      // 'close' may not follow a spawn failure
      setImmediate(() => finish(null, null));
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

function runProcessSync(file: string, args: string[], opts: RunOptions): RunResult {
  const ownCwd = opts.cwd === undefined;
  const cwd = opts.cwd ?? makeTempDir();
  const start = performance.now();
  try {
    const r = spawnSync(file, args, {
      cwd,
      env: { ...(opts.env ?? FIXED_ENV) },
      input: opts.stdin ?? '',
      timeout: opts.timeoutMs ?? DEFAULT_NATIVE_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: MAX_OUTPUT_BYTES,
    });
    const err = r.error as (Error & { code?: string }) | undefined;
    const timedOut = err?.code === 'ETIMEDOUT';
    const outputLimitExceeded = err?.code === 'ENOBUFS';
    return {
      command: [file, ...args],
      stdout: r.stdout ?? Buffer.alloc(0),
      stderr: r.stderr ?? Buffer.alloc(0),
      status: r.status,
      signal: r.signal,
      timedOut,
      outputLimitExceeded,
      error: timedOut || outputLimitExceeded ? undefined : err,
      durationMs: performance.now() - start,
    };
  } finally {
    if (ownCwd) rmSync(cwd, { recursive: true, force: true });
  }
}

/** One-line summary of how a run ended: "exit 0", "signal SIGSEGV", "timed out". */
export function describeEnd(r: RunResult): string {
  if (r.error) return `spawn error: ${r.error.message}`;
  if (r.timedOut) return `timed out after ${Math.round(r.durationMs)} ms (killed)`;
  if (r.outputLimitExceeded) return `output over ${MAX_OUTPUT_BYTES} bytes (killed)`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${r.status}`;
}
