#!/usr/bin/env node
// Builds the benchmark guests bench/guests/NAME.c into bench/build/ (gitignored), make-like: an
// output is rebuilt only when it is older than its source, a header in bench/guests, or this script.
//
//   NAME.c -> bench/build/NAME.glibc   gcc -static -O2
//          -> bench/build/NAME.musl    musl-gcc -static -O2   (skipped if musl-gcc is missing)
//
// A failed compile is reported and recorded, not fatal: bench/run.mjs reports that binary as
// unavailable and still prints its table.
//
// Usage: node bench/build.mjs [--force] [NAME...]     (also imported by bench/run.mjs)

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..');
export const guestDir = join(here, 'guests');
export const buildDir = join(here, 'build');
const self = fileURLToPath(import.meta.url);

export const FLAVORS = [
  { flavor: 'glibc', cc: 'gcc' },
  { flavor: 'musl', cc: 'musl-gcc' },
];
const FLAGS = ['-static', '-O2', '-Wall', '-Wno-unused-result'];
const LIBS = ['-lm'];

function have(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

function mtime(p) {
  try { return statSync(p).mtimeMs; } catch { return -1; }
}

/** Names of the benchmark programs (bench/guests/*.c), sorted. */
export function benchmarkNames() {
  return readdirSync(guestDir).filter((f) => f.endsWith('.c')).map((f) => basename(f, '.c')).sort();
}

export function binaryPath(name, flavor) {
  return join(buildDir, `${name}.${flavor}`);
}

function compile(cc, args, tmp) {
  return new Promise((done) => {
    const child = spawn(cc, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => done({ ok: false, output: String(e) }));
    child.on('close', (code) => done({ ok: code === 0 && existsSync(tmp), output: out }));
  });
}

/**
 * Build every (benchmark, flavor). Returns [{ name, flavor, file, ok, rebuilt, error }].
 * @param {{ force?: boolean, only?: string[], log?: (s: string) => void }} opts
 */
export async function buildBenchGuests(opts = {}) {
  const log = opts.log ?? ((s) => console.log(s));
  mkdirSync(buildDir, { recursive: true });
  const headers = readdirSync(guestDir).filter((f) => f.endsWith('.h')).map((f) => join(guestDir, f));
  const depTime = Math.max(mtime(self), ...headers.map(mtime));
  const names = benchmarkNames().filter((n) => !opts.only?.length || opts.only.includes(n));
  const results = [];
  const jobs = [];
  for (const name of names) {
    const src = join(guestDir, `${name}.c`);
    for (const { flavor, cc } of FLAVORS) {
      const out = binaryPath(name, flavor);
      const r = { name, flavor, file: out, ok: false, rebuilt: false, error: null };
      results.push(r);
      if (!have(cc)) { r.error = `${cc} not installed`; continue; }
      const t = mtime(out);
      if (!opts.force && t >= mtime(src) && t >= depTime) { r.ok = true; continue; }
      const tmp = `${out}.tmp${process.pid}`;
      jobs.push(async () => {
        const c = await compile(cc, [...FLAGS, '-o', tmp, src, ...LIBS], tmp);
        if (c.ok) {
          renameSync(tmp, out);
          r.ok = true; r.rebuilt = true;
          log(`  built ${relative(root, out)}`);
          if (c.output.trim()) log(c.output.trim().replace(/^/gm, '    '));
        } else {
          rmSync(tmp, { force: true });
          r.error = `${cc} failed: ${c.output.trim().split('\n').slice(0, 6).join(' | ')}`;
          log(`  FAILED ${relative(root, out)}: ${r.error}`);
        }
      });
    }
  }
  // a couple of compilers at a time
  let next = 0;
  await Promise.all([0, 1, 2, 3].map(async () => { while (next < jobs.length) await jobs[next++](); }));
  const rebuilt = results.filter((r) => r.rebuilt).length;
  const failed = results.filter((r) => !r.ok).length;
  log(`bench/build: ${rebuilt} built, ${results.length - rebuilt - failed} up to date, ${failed} unavailable`);
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === self) {
  const args = process.argv.slice(2);
  const force = args.includes('--force') || args.includes('-f');
  const only = args.filter((a) => !a.startsWith('-'));
  const res = await buildBenchGuests({ force, only });
  process.exitCode = res.some((r) => !r.ok && !/not installed/.test(r.error ?? '')) ? 1 : 0;
}
