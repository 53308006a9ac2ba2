// `ringjit boot`: the assembly test kernel (test/baremetal/kernel.S, built by
// scripts/build-baremetal.mjs) installs its own GDT/IDT/TSS, syscall MSRs, KPTI page-table pair and
// entry_SYSCALL_64, drops to ring 3 with iretq and runs a user program that makes system calls and
// faults on purpose. Its serial output must match test/baremetal/kernel.expected under both engines.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_DIR, REPO_ROOT, RINGJIT_BIN } from './helpers/run.js';

const KERNEL = join(BUILD_DIR, 'baremetal', 'kernel.elf');
const EXPECTED = join(REPO_ROOT, 'test', 'baremetal', 'kernel.expected');

function boot(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [RINGJIT_BIN, 'boot', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ringjit boot: the bare-metal test kernel', () => {
  it('is built (node scripts/build-baremetal.mjs)', () => {
    expect(existsSync(KERNEL), `${KERNEL} is missing: run node scripts/build-baremetal.mjs`).toBe(true);
  });

  for (const engine of ['interp', 'jit']) {
    it(`prints the expected serial output and exits through isa-debug-exit [${engine}]`, () => {
      if (!existsSync(KERNEL)) return;
      const r = boot(['--engine', engine, KERNEL]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(readFileSync(EXPECTED, 'utf8'));
      expect(r.status).toBe(0);
    });
  }

  it('--stats reports the CR3 writes of the guest kernel\'s own KPTI switches', () => {
    if (!existsSync(KERNEL)) return;
    const r = boot(['--stats', KERNEL]);
    expect(r.status).toBe(0);
    const m = /CR3 writes +(\d+) \((\d+) flushing, (\d+) with the no-flush bit\)/.exec(r.stderr);
    expect(m).not.toBeNull();
    expect(Number(m![3])).toBeGreaterThan(50); // two per system call after PCIDs are on
  });

  it('rejects what is not an x86-64 ELF executable, with a one-line message', () => {
    const bad = join(BUILD_DIR, 'baremetal', 'not-an-image.bin');
    writeFileSync(bad, 'hello');
    const r = boot([bad]);
    expect(r.status).toBe(126);
    expect(r.stderr).toBe(`ringjit: ${bad}: not an ELF file\n`);
    expect(boot([join(BUILD_DIR, 'baremetal', 'missing.elf')]).status).toBe(127);
  });
});
