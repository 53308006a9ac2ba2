// Bundles the ringjit command (src/cli.ts) into dist/ringjit.mjs with esbuild.
import { build } from 'esbuild';

const t0 = Date.now();
await build({
  entryPoints: ['src/cli.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/ringjit.mjs',
  sourcemap: 'linked',
  // Bundled CommonJS dependencies (source-map) call require() for Node built-ins.
  banner: { js: "import { createRequire as __ringjitCreateRequire } from 'node:module'; const require = __ringjitCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
console.log(`built dist/ringjit.mjs in ${Date.now() - t0} ms`);
