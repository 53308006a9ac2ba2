// --dump-js: write each translated block's JavaScript with a source map whose original source is the
// block's Intel-syntax disassembly, one line per guest instruction, so profilers and debuggers that
// load source maps show guest instructions next to the generated code; and, for a region the wasm back
// end compiled, its module (NAME.wasm), which is what ran.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceMapGenerator } from 'source-map';
import { formatInsn } from '../decoder/format.js';
import { type Insn } from '../decoder/insn.js';

export function dumpBlock(dir: string, name: string, insns: Insn[], source: string, insnLines: number[], wasm: Uint8Array | null): void {
  mkdirSync(dir, { recursive: true });
  const asmName = `${name}.s`;
  const asm = insns.map((i) => `${i.addr.toString(16)}:\t${formatInsn(i)}`).join('\n') + '\n';
  const gen = new SourceMapGenerator({ file: `${name}.js` });
  gen.setSourceContent(asmName, asm);
  insnLines.forEach((line, k) => {
    // insnLines are 0-based lines of `source`; source maps count lines from 1.
    gen.addMapping({ generated: { line: line + 1, column: 0 }, original: { line: k + 1, column: 0 }, source: asmName });
  });
  writeFileSync(join(dir, asmName), asm);
  writeFileSync(join(dir, `${name}.js`), `${source}\n//# sourceMappingURL=${name}.js.map\n`);
  writeFileSync(join(dir, `${name}.js.map`), gen.toString());
  // The wasm region that ran instead of the JavaScript (wasm2wat or wasm-objdump -d reads it).
  if (wasm !== null) writeFileSync(join(dir, `${name}.wasm`), wasm);
}
