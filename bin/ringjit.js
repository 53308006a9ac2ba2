#!/usr/bin/env node
// Entry point of the `ringjit` command. Runs the bundled CLI, dist/ringjit.cjs (npm run build), with a
// V8 code cache kept beside it: parsing the 600 KB bundle and compiling each of its functions on first
// call cost ~30 ms of CPU per run, which the cache replaces by deserialising bytecode.
//
// This file is CommonJS (bin/package.json): as an ES module it made Node load its ESM loader, and with
// it fs/promises and readline (~5 ms of CPU per run), for nothing.
'use strict';
const setFlagsFromString = v8FlagSetter();

/**
 * v8.setFlagsFromString. `require('node:v8')` also loads its heap-snapshot helpers and Node's whole
 * stream implementation (~25 modules, ~3 ms of CPU per run); the binding underneath has the same
 * function. process.binding is deprecated (DEP0111: a warning, which would land on the guest's stderr,
 * is suppressed for this one call); where it is gone or lacks the function, the public module serves.
 */
function v8FlagSetter() {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    const binding = process.binding('v8');
    if (typeof binding?.setFlagsFromString === 'function') return (flags) => binding.setFlagsFromString(flags);
  } catch {
    // no process.binding, or no 'v8' binding through it
  } finally {
    process.noDeprecation = quiet;
  }
  return require('node:v8').setFlagsFromString;
}

// V8 optimises a function with TurboFan once it has run through an "interrupt budget" of bytecode
// (66 KB by default). ringjit's own start-up work (decoding, handler generation, the kernel entry
// path) crosses that within the first few thousand guest instructions, and TurboFan then spends more
// CPU compiling those functions (on background threads, still CPU time) than their optimised code
// saves in a short run: ~100 ms of 350 for hello.glibc. Four times the budget: hello.glibc 0.35 ->
// 0.25 s CPU (interp), the benchmarks 2-5% less CPU; hot code still reaches TurboFan. It is a tiering
// threshold, read whenever a budget is reset, so setting it at run time is safe (GC flags are not);
// set before the bundle is compiled so that all of its functions get it.
setFlagsFromString('--interrupt-budget=270336');
// TurboFan inlines callees into a function until their bytecode adds up to 920 bytes. A translated
// region calls the MMU accessors (rd64, wr64 ...) once per memory access, and their TLB hit path is
// meant to be inlined (DESIGN decision 4); a region of 32 guest instructions runs out of that budget
// and then calls the rest. 2500 bytes: at full bench sizes calls -20%, nbody -11%, malloc_churn -5%,
// the rest within ±3%; at --quick sizes malloc_churn +17% (more to compile), the rest within ±4%.
// Read when TurboFan compiles, so it is safe to set here.
setFlagsFromString('--max-inlined-bytecode-size-cumulative=2500');

const fs = require('node:fs');
const vm = require('node:vm');
const { dirname, join } = require('node:path');

const bundlePath = join(__dirname, '..', 'dist', 'ringjit.cjs');
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
const cacheStem = buildId && `${bundlePath}.${buildId}.${process.version}-${process.arch}`;
const cachePath = cacheStem && `${cacheStem}.v8cache`;
let cachedData;
try { if (cachePath) cachedData = fs.readFileSync(cachePath); } catch { /* first run of this build: made below */ }

// Scripts the bundle keeps between runs (the interpreter's handler library: src/runtime/interp.ts),
// offered on globalThis so that the bundle also runs without them. Each is one file beside the code
// cache, named after the build like it: the script's source (length-prefixed) followed by its own V8
// code cache, so a cache can never be paired with another source. A file that fails to load or
// whose code cache V8 rejects counts as absent (the bundle then makes and saves it again).
const pendingSaves = new Map();

function persistedPath(name) {
  return cacheStem && /^[a-z]+$/.test(name) ? `${cacheStem}.${name}.v8cache` : undefined;
}

function installPersistedScripts() {
  globalThis[Symbol.for('ringjit.persistedScripts')] = {
    load(name) {
      const path = persistedPath(name);
      if (!path) return undefined;
      try {
        const file = fs.readFileSync(path);
        const length = file.readUInt32LE(0);
        const text = file.toString('utf8', 4, 4 + length);
        const persisted = new vm.Script(text, { filename: `ringjit:${name}`, cachedData: file.subarray(4 + length) });
        return persisted.cachedDataRejected ? undefined : persisted.runInThisContext();
      } catch {
        return undefined; // not made yet (or unreadable)
      }
    },
    save(name, makeSource) { pendingSaves.set(name, makeSource); },
  };
}

// The same wrapper as Node's CommonJS loader, on the bundle's first line (stack traces keep their lines).
// The bundle only requires Node built-ins, so this file's `require` serves (node:module's createRequire
// would load Node's ESM loader).
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`,
  { filename: bundlePath, cachedData });
installPersistedScripts();
const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, require, bundle, bundlePath, dirname(bundlePath));

const argv = process.argv.slice(2);
bundle.exports.main(argv).then((code) => {
  process.exitCode = code;
  // Made after a run of guest code, so that it holds every function the engines compiled, not only
  // the top level (a cache made by `ringjit disasm` or a usage error would leave most of them out).
  const ranGuest = argv[0] === 'run' || argv[0] === 'boot';
  if (cachePath && ranGuest && (cachedData === undefined || script.cachedDataRejected)) {
    writeAtomically(cachePath, () => script.createCachedData());
  }
  savePersistedScripts();
});

/** Write a file whole or not at all (concurrent runs each write a whole file; the last one stays). */
function writeAtomically(path, makeData) {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, makeData());
    fs.renameSync(tmp, path);
  } catch {
    // A read-only dist/ only loses the cache.
    try { fs.unlinkSync(tmp); } catch { /* never written */ }
  }
}

function savePersistedScripts() {
  for (const [name, makeSource] of pendingSaves) {
    const path = persistedPath(name);
    if (!path) continue;
    writeAtomically(path, () => {
      const text = makeSource();
      if (typeof text !== 'string') throw new Error('nothing to save');
      const persisted = new vm.Script(text, { filename: `ringjit:${name}` });
      const textBytes = Buffer.from(text, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(textBytes.length);
      return Buffer.concat([length, textBytes, persisted.createCachedData()]);
    });
  }
}
