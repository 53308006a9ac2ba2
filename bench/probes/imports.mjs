// Probe: what a region module's imports cost V8 when it compiles and instantiates the module
// (docs/architecture.md, "WebAssembly back end"). Every wasm region is its own module; the translator
// compiles tens of them in a run (malloc_churn: 84). 200 modules of each kind, with distinct bytes
// (V8 reuses the compiled module for identical bytes), each compiled, instantiated and called once:
//
//   js      imports two JavaScript functions (the shape of rtCall and chunk) and calls them: V8 (11.3)
//           compiles an import wrapper per imported function for every module;
//   wasm    imports the same two as wasm functions of another instance (forwarders): the same wrappers;
//   table   imports a shared funcref table holding the forwarders and reaches them by call_indirect:
//           no wrappers, but every instance that imports a table stays registered with it, and each
//           later table.set updates them all (the fuzzer, which compiles ~20,000 regions into one
//           table, ran twice as long);
//   global  imports the forwarders as two funcref globals and copies them into a table of its own by
//           an element segment, reached by call_indirect: what regions do (abi.ts RuntimeCalls);
//   none    no imports at all (the floor).
//
// Each kind runs in a fresh process, CPU time of the main thread (background compilation of the
// wrappers is not in it), per module. Usage: node bench/probes/imports.mjs

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const KINDS = ['js', 'wasm', 'table', 'global', 'none'];
const MODULES = 200;
const RT = '(param i32 i32 i32 i32 i32 i32) (result i32)';
const CHUNK = '(param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)';
const callRt = (k) => `(local.get 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const ${k})`;
const callChunk = '(i32.const 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6) (i32.const 7)';

function moduleText(kind, k) {
  if (kind === 'none') return `(module (func (export "run") (param i32) (result i32) (i32.add (local.get 0) (i32.const ${k}))))`;
  if (kind === 'table') {
    return `(module (type $rt (func ${RT})) (type $chunk (func ${CHUNK})) (import "m" "tab" (table 2 funcref))
      (func (export "run") (param i32) (result i32)
        (call_indirect (type $rt) ${callRt(k)} (i32.const 0)) (call_indirect (type $chunk) ${callChunk} (i32.const 1)) i32.add))`;
  }
  if (kind === 'global') {
    return `(module (type $rt (func ${RT})) (type $chunk (func ${CHUNK}))
      (import "m" "rtg" (global $rtg funcref)) (import "m" "chunkg" (global $chunkg funcref))
      (table 2 funcref) (elem (i32.const 0) funcref (global.get $rtg) (global.get $chunkg))
      (func (export "run") (param i32) (result i32)
        (call_indirect (type $rt) ${callRt(k)} (i32.const 0)) (call_indirect (type $chunk) ${callChunk} (i32.const 1)) i32.add))`;
  }
  return `(module (import "m" "rt" (func $rt ${RT})) (import "m" "chunk" (func $chunk ${CHUNK}))
    (func (export "run") (param i32) (result i32) (call $rt ${callRt(k)}) (call $chunk ${callChunk}) i32.add))`;
}
const FORWARDERS = `(module (import "m" "rt" (func $rt ${RT})) (import "m" "chunk" (func $chunk ${CHUNK}))
  (func (export "rt") ${RT} (call $rt (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)))
  (func (export "chunk") ${CHUNK} (call $chunk (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (local.get 7))))`;

/** One kind, in this (fresh) process: the modules are encoded first, then timed. */
async function child(kind) {
  const wabt = await wabtInit();
  const bin = (text) => new Uint8Array(wabt.parseWat('probe.wat', text, { reference_types: true, bulk_memory: true }).toBinary({}).buffer);
  const modules = Array.from({ length: MODULES }, (_, k) => bin(moduleText(kind, k + 10)));
  const rt = (a, b) => (a + b) | 0, chunk = (a, b, c, d, e, f, g, h) => (a + h) | 0;
  const fwd = new WebAssembly.Instance(new WebAssembly.Module(bin(FORWARDERS)), { m: { rt, chunk } }).exports;
  const tab = new WebAssembly.Table({ element: 'anyfunc', initial: 2 });
  tab.set(0, fwd.rt); tab.set(1, fwd.chunk);
  const imports = { js: { m: { rt, chunk } }, wasm: { m: { rt: fwd.rt, chunk: fwd.chunk } }, table: { m: { tab } }, none: {},
    global: { m: { rtg: new WebAssembly.Global({ value: 'anyfunc' }, fwd.rt), chunkg: new WebAssembly.Global({ value: 'anyfunc' }, fwd.chunk) } } }[kind];
  const cpuUs = () => { const c = process.cpuUsage(); return c.user + c.system; };
  let compile = 0, instantiate = 0, sum = 0;
  for (let k = 0; k < MODULES; k++) {
    const t0 = cpuUs();
    const m = new WebAssembly.Module(modules[k]);
    const t1 = cpuUs();
    sum += new WebAssembly.Instance(m, imports).exports.run(k);
    instantiate += cpuUs() - t1; compile += t1 - t0;
  }
  process.stdout.write(JSON.stringify({ kind, compileUs: compile / MODULES, instantiateUs: instantiate / MODULES, sum }));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]);
} else {
  console.log(`${MODULES} modules of each kind, each kind in a fresh process; CPU microseconds per module`);
  console.log('kind    compile  instantiate+call');
  for (const kind of KINDS) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', kind], { encoding: 'utf8' });
    if (r.status !== 0) { console.log(`${kind}: failed: ${r.stderr.trim().split('\n')[0]}`); continue; }
    const { compileUs, instantiateUs } = JSON.parse(r.stdout);
    console.log(`${kind.padEnd(6)} ${compileUs.toFixed(0).padStart(8)} ${instantiateUs.toFixed(0).padStart(12)}`);
  }
}
