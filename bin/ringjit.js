#!/usr/bin/env node
// Entry point of the `ringjit` command. Runs the bundled CLI, dist/ringjit.cjs (npm run build), with a
// V8 code cache kept beside it: parsing the 600 KB bundle and compiling each of its functions on first
// call cost ~30 ms of CPU per run, which the cache replaces by deserialising bytecode.
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';

// V8 optimises a function with TurboFan once it has run through an "interrupt budget" of bytecode
// (66 KB by default). ringjit's own start-up work (decoding, handler generation, the kernel entry
// path) crosses that within the first few thousand guest instructions, and TurboFan then spends more
// CPU compiling those functions (on background threads, still CPU time) than their optimised code
// saves in a short run: ~100 ms of 350 for hello.glibc. Four times the budget: hello.glibc 0.35 ->
// 0.25 s CPU (interp), the benchmarks 2-5% less CPU; hot code still reaches TurboFan. It is a tiering
// threshold, read whenever a budget is reset, so setting it at run time is safe (GC flags are not);
// set before the bundle is compiled so that all of its functions get it.
setFlagsFromString('--interrupt-budget=270336');

// CommonJS require for built-ins: `import ... from 'node:fs'` would make Node build the ESM facade of
// fs, which reads every export and so loads fs/promises and the stream classes (~3 ms).
const require = createRequire(import.meta.url);
const fs = require('node:fs');
const vm = require('node:vm');
const { dirname } = require('node:path');
const { fileURLToPath } = require('node:url');

const bundlePath = fileURLToPath(new URL('../dist/ringjit.cjs', import.meta.url));
let source;
try {
  source = fs.readFileSync(bundlePath, 'utf8');
} catch (e) {
  if (e?.code !== 'ENOENT') throw e;
  process.stderr.write('ringjit: dist/ringjit.cjs is missing: run `npm run build` first\n');
  process.exit(2);
}

// The cache is named after the build id on the bundle's first line (a hash of its contents, written by
// scripts/build.mjs): V8 itself only checks that a cache was made from a source of the same length.
// A cache from another V8 version or with other V8 flags is rejected by V8, and then remade. A bundle
// without a build id (not made by scripts/build.mjs) runs without a cache.
const buildId = /^\/\/ ringjit build ([0-9a-f]+)/.exec(source)?.[1];
const cachePath = buildId && `${bundlePath}.${buildId}.${process.version}-${process.arch}.v8cache`;
let cachedData;
try { if (cachePath) cachedData = fs.readFileSync(cachePath); } catch { /* first run of this build: made below */ }

// The same wrapper as Node's CommonJS loader, on the bundle's first line (stack traces keep their lines).
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`,
  { filename: bundlePath, cachedData });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));

const argv = process.argv.slice(2);
process.exitCode = await module.exports.main(argv);

// Made after a run of guest code, so that it holds every function the engines compiled, not only the
// top level (a cache made by `ringjit disasm` or a usage error would leave most of them out).
const ranGuest = argv[0] === 'run' || argv[0] === 'boot';
if (cachePath && ranGuest && (cachedData === undefined || script.cachedDataRejected)) {
  try {
    const tmp = `${cachePath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cachePath); // atomic: concurrent first runs each write a whole cache
  } catch { /* a read-only dist/ only loses the cache */ }
}
