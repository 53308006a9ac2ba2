#!/usr/bin/env node
// Entry point of the `ringjit` command: the bundled CLI lives in dist/ (npm run build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/ringjit.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('ringjit: dist/ringjit.mjs is missing: run `npm run build` first\n');
  process.exit(2);
}
const { main } = await import(bundle);
process.exitCode = await main(process.argv.slice(2));
