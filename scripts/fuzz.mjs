#!/usr/bin/env node
// Differential fuzzing of ringjit against the host CPU (test/fuzz): bundles test/fuzz/cli.ts with esbuild
// into test/build/fuzz-cli.mjs and runs it.
//
//   node scripts/fuzz.mjs --seed S --count N        (npm run fuzz -- --seed S --count N)
//   node scripts/fuzz.mjs --help
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test', 'build', 'fuzz-cli.mjs');
await build({
  entryPoints: [join(root, 'test', 'fuzz', 'cli.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: out,
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.chdir(root);
const { main } = await import(pathToFileURL(out).href);
process.exitCode = await main(process.argv.slice(2));
