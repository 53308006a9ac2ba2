#!/usr/bin/env node
// Builds the bare-metal test kernel for `ringjit boot`: test/baremetal/kernel.S (which includes the
// kernel_*.S parts; linked with test/baremetal/kernel.ld) -> test/build/baremetal/kernel.elf.
// Make-like: rebuilt only when a file in test/baremetal or this script is newer than the output.
// Needs gcc (cpp + as + ld).
//
// Usage: node scripts/build-baremetal.mjs [--force]

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = resolve(dirname(self), '..');
const srcDir = join(root, 'test', 'baremetal');
const outDir = join(root, 'test', 'build', 'baremetal');

const mtime = (p) => { try { return statSync(p).mtimeMs; } catch { return -1; } };

const force = process.argv.includes('--force') || process.argv.includes('-f');
const targets = [{ src: join(srcDir, 'kernel.S'), ld: join(srcDir, 'kernel.ld'), out: join(outDir, 'kernel.elf') }];
mkdirSync(outDir, { recursive: true });
let built = 0, failed = 0;
for (const t of targets) {
  const inputs = readdirSync(srcDir).filter((f) => /\.(S|ld)$/.test(f)).map((f) => join(srcDir, f));
  const newest = Math.max(...inputs.map(mtime), mtime(self));
  if (!force && mtime(t.out) >= newest) continue;
  const tmp = `${t.out}.tmp${process.pid}`;
  const r = spawnSync('gcc', ['-nostdlib', '-static', '-no-pie', '-Wa,--fatal-warnings', `-Wl,-T,${t.ld}`,
    '-Wl,--build-id=none', '-Wl,-z,noexecstack', '-o', tmp, t.src], { encoding: 'utf8' });
  if (r.status !== 0) {
    failed++;
    rmSync(tmp, { force: true });
    process.stderr.write(`build-baremetal: ${t.src} failed:\n${r.stderr || r.error}\n`);
    continue;
  }
  renameSync(tmp, t.out);
  built++;
}
console.log(`build-baremetal: ${built} built, ${targets.length - built - failed} up to date, ${failed} failed`);
process.exit(failed ? 1 : 0);
