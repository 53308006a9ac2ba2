#!/usr/bin/env node
// Builds the native runner of the differential fuzzer (test/native/runner.c -> test/build/native-runner)
// with gcc. Make-like: rebuilds only when the source or this script is newer than the binary.
// Used by test/fuzz.test.ts (beforeAll), scripts/fuzz.mjs and test/fuzz/native.ts.
//
// Usage: node scripts/build-native-runner.mjs [--force]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the first directory above this module (or a bundle of it) holding the source. */
function findRoot() {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(d, 'test', 'native', 'runner.c'))) return d;
    const up = dirname(d);
    if (up === d) return process.cwd();
    d = up;
  }
}
const root = findRoot();
export const RUNNER_SRC = join(root, 'test', 'native', 'runner.c');
export const RUNNER_BIN = join(root, 'test', 'build', 'native-runner');
const self = join(root, 'scripts', 'build-native-runner.mjs');

function mtime(p) {
  try { return statSync(p).mtimeMs; } catch { return -1; }
}

/** Build the runner if it is missing or stale; returns its path. Throws with gcc's output on failure. */
export function buildNativeRunner(force = false) {
  const out = mtime(RUNNER_BIN);
  if (!force && out >= mtime(RUNNER_SRC) && out >= mtime(self)) return RUNNER_BIN;
  mkdirSync(dirname(RUNNER_BIN), { recursive: true });
  const tmp = RUNNER_BIN + '.tmp' + process.pid;
  const args = ['-O2', '-static', '-no-pie', '-fno-pie', '-mno-red-zone', '-Wall', '-Wextra', '-o', tmp, RUNNER_SRC];
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`native runner: cannot run gcc: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`native runner: gcc failed:\n${r.stderr}`);
  // Atomic replace, so a concurrent test worker never runs a half-written binary.
  renameSync(tmp, RUNNER_BIN);
  return RUNNER_BIN;
}

if (process.argv[1] && resolve(process.argv[1]) === self) {
  const force = process.argv.includes('--force') || process.argv.includes('-f');
  const t0 = Date.now();
  const bin = buildNativeRunner(force);
  console.log(`native runner: ${bin} (${Date.now() - t0} ms)`);
}
