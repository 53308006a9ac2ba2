// --dump-js DIR: every translated region's disassembly (NAME.s), JavaScript (NAME.js + source map) and,
// for a region the wasm back end compiled, its module (NAME.wasm). Checked against independent
// oracles: GNU objdump for the instructions the listing names, and V8's and wabt's wasm validators
// for the modules (with the name section naming the region after its head address).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILD_DIR, REPO_ROOT, RINGJIT_BIN } from './helpers/run.js';

const GUEST = path.join(BUILD_DIR, 'asm_smc_entry.asm');
const WASM_OBJDUMP = path.join(REPO_ROOT, 'node_modules', '.bin', 'wasm-objdump');

/** objdump -d's instructions of the guest: address -> mnemonic (prefixes such as `rep` skipped). */
function objdumpMnemonics(bin: string): Map<number, string> {
  const out = execFileSync('objdump', ['-d', '-M', 'intel', '--no-show-raw-insn', bin], { encoding: 'utf8' });
  const m = new Map<number, string>();
  for (const line of out.split('\n')) {
    const x = /^\s+([0-9a-f]+):\s+(?:(?:rep[a-z]*|lock|data16|notrack|bnd)\s+)*([a-z0-9]+)/.exec(line);
    if (x) m.set(parseInt(x[1], 16), x[2]);
  }
  return m;
}

describe('--dump-js', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringjit-dump-'));
    execFileSync(process.execPath, [RINGJIT_BIN, 'run', '--jit-warmup', '0', '--dump-js', dir, GUEST], { stdio: ['ignore', 'ignore', 'pipe'] });
  });
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('lists each region as instructions objdump finds at the same addresses, the head first', () => {
    const ref = objdumpMnemonics(GUEST);
    const listings = fs.readdirSync(dir).filter((f) => f.endsWith('.s'));
    expect(listings.length).toBeGreaterThan(3);
    for (const f of listings) {
      const lines = fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n');
      expect(lines[0].startsWith(`${f.slice('blk_'.length, -2)}:`), f).toBe(true);
      for (const line of lines) {
        const [addr, text] = line.split(':\t');
        const mnemonic = /^(?:(?:rep[a-z]*|lock)\s+)*([a-z0-9]+)/.exec(text)![1];
        expect(ref.get(parseInt(addr, 16)), `${f}: ${line}`).toBe(mnemonic);
      }
    }
  });

  it('writes the wasm module of every region the wasm back end compiled: valid, named blk_ADDR', () => {
    const modules = fs.readdirSync(dir).filter((f) => f.endsWith('.wasm'));
    expect(modules.length).toBeGreaterThan(3);
    for (const f of modules) {
      const bytes = fs.readFileSync(path.join(dir, f));
      expect(WebAssembly.validate(bytes), f).toBe(true);
      expect(fs.existsSync(path.join(dir, f.replace(/\.wasm$/, '.s'))), f).toBe(true);
      const details = execFileSync(WASM_OBJDUMP, ['-x', path.join(dir, f)], { encoding: 'utf8' });
      expect(details, f).toContain(`<${f.replace(/\.wasm$/, '')}>`);
    }
  });
});
