#!/usr/bin/env node
// The cost of a system call through ringjit's kernel-entry model with KPTI on/off and PCID on/off.
//
// bench/entry/getppid_loop.S makes N getppid calls (default 1,000,000) and exits. Each configuration
// runs once with N calls and once with 0; the difference divided by N is the cost per call, start-up
// and loading excluded. A --stats run adds the model's counters (CR3 writes, TLB flushes and misses of
// the entry code). The same binary runs natively for reference (the host's own kernel entry).
//
// Usage: node bench/entry.mjs [--engine jit|interp] [--calls N] [--repeat R]   (after npm run build)
// --repeat R keeps the fastest of R runs of each measurement (a noisy machine inflates single runs).

import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const src = join(here, 'entry', 'getppid_loop.S');
const bin = join(here, 'build', 'getppid_loop');
const ringjit = join(root, 'bin', 'ringjit.js');

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
const engine = opt('--engine', 'jit');
const calls = Number(opt('--calls', '1000000'));
const repeat = Math.max(1, Number(opt('--repeat', '1')));

const mtime = (p) => { try { return statSync(p).mtimeMs; } catch { return -1; } };
if (mtime(bin) < mtime(src)) {
  mkdirSync(dirname(bin), { recursive: true });
  const r = spawnSync('gcc', ['-static', '-nostdlib', '-o', bin, src], { encoding: 'utf8' });
  if (r.status !== 0) { console.error(`bench/entry: building ${src} failed:\n${r.stderr}`); process.exit(1); }
}

function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) { console.error(`bench/entry: ${cmd} ${args.join(' ')} exited ${r.status}\n${r.stderr}`); process.exit(1); }
  return { ms, stderr: r.stderr };
}
/** ns per call: one run with N calls minus one with none. */
function perCall(cmd, args) {
  let full = Infinity, empty = Infinity;
  for (let k = 0; k < repeat; k++) {
    full = Math.min(full, timed(cmd, [...args, String(calls)]).ms);
    empty = Math.min(empty, timed(cmd, [...args, '0']).ms);
  }
  return { ns: (1e6 * (full - empty)) / calls, totalMs: full };
}

const configs = [['on', 'on'], ['on', 'off'], ['off', 'on'], ['off', 'off']];
const rows = [];
const native = perCall(bin, []);
for (const [kpti, pcid] of configs) {
  const flags = ['run', '--engine', engine, '--kpti', kpti, '--pcid', pcid, bin];
  const t = perCall(process.execPath, [ringjit, ...flags]);
  const st = timed(process.execPath, [ringjit, 'run', '--stats', '--engine', engine, '--kpti', kpti, '--pcid', pcid, bin, String(calls)]).stderr;
  const num = (re) => Number((re.exec(st) ?? [])[1] ?? NaN);
  rows.push({
    kpti, pcid, ns: t.ns, totalMs: t.totalMs,
    cr3: num(/entry CR3 writes +(\d+)/) / calls,
    flushes: num(/entry TLB flushes +(\d+)/) / calls,
    misses: num(/entry TLB misses +(\d+)/) / calls,
    allMisses: num(/TLB misses +(\d+) \(page walks/) / calls,
  });
}
const base = rows.find((r) => r.kpti === 'off' && r.pcid === 'off').ns;
console.log(`getppid x ${calls}, engine ${engine}, ${repeat === 1 ? 'one run each' : `fastest of ${repeat} runs`}; ` +
  'cost per call = (time(N) - time(0)) / N');
console.log('KPTI  PCID   ns/call   vs KPTI off/PCID off   CR3 writes/call   TLB flushes/call   entry TLB misses/call   all TLB misses/call');
for (const r of rows) {
  console.log(`${r.kpti.padEnd(5)} ${r.pcid.padEnd(5)} ${r.ns.toFixed(0).padStart(8)}   ${(r.ns / base).toFixed(2).padStart(8)}x              ` +
    `${r.cr3.toFixed(2).padStart(6)}            ${r.flushes.toFixed(2).padStart(6)}             ${r.misses.toFixed(2).padStart(6)}                  ${r.allMisses.toFixed(2).padStart(6)}`);
}
console.log(`native (host kernel, for reference): ${native.ns.toFixed(0)} ns/call`);
