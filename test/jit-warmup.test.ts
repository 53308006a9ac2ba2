// The translator's start-up window (`--jit-warmup N`, default 32768 instructions): a process's first N
// instructions all run in the interpreter, the blocks that got hot meanwhile are translated once it
// ends, and the program's output is the host's either way. The corpus tests run with the window off
// (helpers/run.ts), so this is where the default is exercised.

import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, FIXED_ENV, RINGJIT_BIN } from './helpers/run.js';

// Recursive calls and loops: ~4.8 million instructions, two dozen regions.
const GUEST = join(BUILD_DIR, 'recursion.glibc');

function run(argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...FIXED_ENV }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A count from ringjit's --stats lines on stderr. */
function stat(stderr: string, name: string): number {
  const m = new RegExp(`^ringjit: ${name}\\s+(\\d+)`, 'm').exec(stderr);
  expect(m, `--stats line '${name}' in:\n${stderr}`).not.toBeNull();
  return Number(m![1]);
}

describe.runIf(existsSync(GUEST))('--jit-warmup', () => {
  const native = run([GUEST]);

  it('by default, interprets the first 32768 instructions, then translates, with the host\'s output', () => {
    const r = run([process.execPath, RINGJIT_BIN, 'run', '--stats', GUEST]);
    expect(r.status).toBe(native.status);
    expect(r.stdout).toBe(native.stdout);
    expect(stat(r.stderr, 'interpreted')).toBeGreaterThanOrEqual(32768);
    expect(stat(r.stderr, 'blocks translated')).toBeGreaterThan(0);
  });

  it('--jit-warmup 0 translates from the start, --jit-warmup N moves the window', () => {
    const byDefault = run([process.execPath, RINGJIT_BIN, 'run', '--stats', GUEST]);
    const off = run([process.execPath, RINGJIT_BIN, 'run', '--stats', '--jit-warmup', '0', GUEST]);
    expect(off.stdout).toBe(native.stdout);
    expect(stat(off.stderr, 'interpreted')).toBeLessThan(stat(byDefault.stderr, 'interpreted'));
    const long = run([process.execPath, RINGJIT_BIN, 'run', '--stats', '--jit-warmup', '1000000', GUEST]);
    expect(long.stdout).toBe(native.stdout);
    expect(stat(long.stderr, 'interpreted')).toBeGreaterThanOrEqual(1000000);
  });

  it('rejects a negative or non-integer window with a one-line usage error', () => {
    for (const bad of ['-1', '1.5', 'x']) {
      const r = run([process.execPath, RINGJIT_BIN, 'run', '--jit-warmup', bad, GUEST]);
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`ringjit: --jit-warmup needs a non-negative integer, got '${bad}'`);
    }
  });
});
