// Bundles the ringjit command (src/cli.ts) with esbuild, twice: dist/ringjit.cjs, which bin/ringjit.js
// runs with a V8 code cache (see there; V8 caches scripts, not ES modules), and dist/ringjit.mjs, the
// same program as an ES module for code that imports `main`.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

// The bundle's first line names the build: a hash of its contents, which bin/ringjit.js puts in the
// code cache's file name, so that a cache is only ever used with the source it was made from. It is
// filled in after bundling, in place of a placeholder of the same length (the source map stays right).
const BUILD_ID_PLACEHOLDER = '0'.repeat(16);

const common = {
  entryPoints: ['src/cli.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
};

const t0 = Date.now();
mkdirSync('dist', { recursive: true });
// Code caches of earlier builds (the bundle's, and the interpreter's handler library: see
// bin/ringjit.js) can never be used again.
for (const f of readdirSync('dist')) if (f.endsWith('.v8cache')) rmSync(`dist/${f}`, { force: true });

const cjs = await build({
  ...common,
  format: 'cjs',
  outfile: 'dist/ringjit.cjs',
  banner: { js: `// ringjit build ${BUILD_ID_PLACEHOLDER}` },
  write: false,
});
for (const out of cjs.outputFiles) {
  let text = out.text;
  if (out.path.endsWith('.cjs')) {
    const id = createHash('sha256').update(text).digest('hex').slice(0, BUILD_ID_PLACEHOLDER.length);
    text = text.replace(`// ringjit build ${BUILD_ID_PLACEHOLDER}`, `// ringjit build ${id}`);
  }
  writeFileSync(out.path, text);
}

await build({
  ...common,
  format: 'esm',
  outfile: 'dist/ringjit.mjs',
  // Bundled CommonJS dependencies (source-map) call require() for Node built-ins.
  banner: { js: "import { createRequire as __ringjitCreateRequire } from 'node:module'; const require = __ringjitCreateRequire(import.meta.url);" },
});
console.log(`built dist/ringjit.cjs and dist/ringjit.mjs in ${Date.now() - t0} ms`);
