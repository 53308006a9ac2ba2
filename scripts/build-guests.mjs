#!/usr/bin/env node
// Builds the guest programs in test/guests into test/build (make-like: a
// target is rebuilt only when its source, a shared include (*.inc, *.h) or this script is newer).
//
//   NAME.c -> NAME.glibc  (gcc -static -O2)
//          -> NAME.musl   (musl-gcc -static -O2; skipped with a warning if
//                          musl-gcc is not installed)
//   NAME.S -> NAME.asm    (gcc -static -nostdlib)
//
// Writes test/build/manifest.json describing every expected binary and
// whether it was built or skipped (and why), so the test suite can report
// skipped binaries as skipped rather than passed.
//
// Usage: node scripts/build-guests.mjs [--force] [--jobs N] [NAME...]

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'test', 'guests');
const outDir = join(root, 'test', 'build');
const self = fileURLToPath(import.meta.url);

const COMMON = ['-static', '-O2', '-Wall', '-Wno-unused-result', '-Wno-format-truncation', '-fno-omit-frame-pointer'];
const LIBS = ['-pthread', '-lm'];

function parseArgs(argv) {
  const opts = { force: false, jobs: Math.max(1, Math.min(availableParallelism(), 4)), only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force' || a === '-f') opts.force = true;
    else if (a === '--jobs' || a === '-j') opts.jobs = Math.max(1, Number(argv[++i]) || 1);
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/build-guests.mjs [--force] [--jobs N] [NAME...]');
      process.exit(0);
    } else opts.only.push(a);
  }
  return opts;
}

function have(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

/** Every (source, flavor) pair with its compiler command. */
function plan(sources, hasMusl) {
  const targets = [];
  for (const file of sources) {
    const src = join(srcDir, file);
    if (file.endsWith('.c')) {
      const name = basename(file, '.c');
      targets.push({ name, flavor: 'glibc', src, cc: 'gcc', args: [...COMMON, '-o', null, src, ...LIBS] });
      targets.push({
        name,
        flavor: 'musl',
        src,
        cc: 'musl-gcc',
        args: [...COMMON, '-o', null, src, ...LIBS],
        skip: hasMusl ? null : 'musl-gcc not installed (apt-get install musl-tools)',
      });
    } else if (file.endsWith('.S')) {
      const name = basename(file, '.S');
      targets.push({ name, flavor: 'asm', src, cc: 'gcc', args: ['-static', '-nostdlib', '-Wa,--fatal-warnings', '-o', null, src] });
    }
  }
  for (const t of targets) {
    t.out = join(outDir, `${t.name}.${t.flavor}`);
    t.tmp = `${t.out}.tmp${process.pid}`;
    t.args = t.args.map((a) => (a === null ? t.tmp : a));
  }
  return targets;
}

function quote(a) {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function commandLine(t) {
  return [t.cc, ...t.args.map((a) => (a === t.tmp ? t.out : a))].map((a) => quote(relative(root, a) || a)).join(' ');
}

function compile(t) {
  return new Promise((resolvePromise) => {
    const start = Date.now();
    const child = spawn(t.cc, t.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolvePromise({ ok: false, output: String(err), ms: Date.now() - start }));
    child.on('close', (code, signal) => {
      const ok = code === 0 && existsSync(t.tmp);
      if (ok) renameSync(t.tmp, t.out);
      else rmSync(t.tmp, { force: true });
      resolvePromise({ ok, output: output + (signal ? `\n(killed by ${signal})` : ''), ms: Date.now() - start });
    });
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  if (!existsSync(srcDir)) {
    console.error(`build-guests: no guest sources at ${relative(root, srcDir)}`);
    process.exit(1);
  }
  mkdirSync(outDir, { recursive: true });
  if (!have('gcc')) {
    console.error('build-guests: gcc not found (apt-get install gcc libc6-dev)');
    process.exit(1);
  }
  const hasMusl = have('musl-gcc');
  if (!hasMusl) {
    console.warn('build-guests: WARNING: musl-gcc not found; the .musl guests are skipped ' +
      '(apt-get install musl-tools). The test suite reports them as skipped.');
  }

  const sources = readdirSync(srcDir).filter((f) => /\.(c|S)$/.test(f)).sort();
  let targets = plan(sources, hasMusl);
  if (opts.only.length) targets = targets.filter((t) => opts.only.includes(t.name));
  // Shared includes (asm helpers, headers) are dependencies of every guest.
  const selfTime = Math.max(mtime(self), ...readdirSync(srcDir).filter((f) => /\.(inc|h)$/.test(f)).map((f) => mtime(join(srcDir, f))));

  const todo = [];
  let upToDate = 0;
  let skipped = 0;
  for (const t of targets) {
    if (t.skip) {
      skipped++;
      continue;
    }
    const out = mtime(t.out);
    if (!opts.force && out >= mtime(t.src) && out >= selfTime) {
      upToDate++;
      continue;
    }
    todo.push(t);
  }

  const failures = [];
  let built = 0;
  let next = 0;
  async function worker() {
    while (next < todo.length) {
      const t = todo[next++];
      const r = await compile(t);
      const label = relative(root, t.out);
      if (r.ok) {
        built++;
        console.log(`  built ${label} (${r.ms} ms)`);
        if (r.output.trim()) console.log(indent(r.output.trim()));
      } else {
        failures.push({ t, r });
        console.error(`  FAILED ${label}`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(opts.jobs, todo.length || 1) }, worker));

  // manifest for the test suite (only when building everything)
  if (!opts.only.length) {
    const manifest = {
      generatedAt: new Date().toISOString(),
      musl: hasMusl,
      binaries: plan(sources, hasMusl).map((t) => ({
        name: t.name,
        flavor: t.flavor,
        file: relative(root, t.out),
        source: relative(root, t.src),
        built: !t.skip && existsSync(t.out) && !failures.some((f) => f.t.out === t.out),
        skipReason: t.skip ?? undefined,
      })),
    };
    writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  }

  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`build-guests: ${built} built, ${upToDate} up to date, ${skipped} skipped, ` +
    `${failures.length} failed (${secs} s, ${opts.jobs} jobs)`);
  if (failures.length) {
    for (const { t, r } of failures) {
      console.error(`\nbuild-guests: compile failed: ${relative(root, t.src)} -> ${relative(root, t.out)}`);
      console.error(`  command: ${commandLine(t)}`);
      console.error(indent(r.output.trim() || '(no compiler output)'));
    }
    process.exit(1);
  }
}

function indent(s) {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
