// The guest corpus: which binaries exist (from test/build/manifest.json,
// written by scripts/build-guests.mjs) and how each is run (argv, stdin,
// working directory, expected fault symbol). A guest with no entry in SPECS
// is run once with no arguments.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, REPO_ROOT } from './run.js';

export type Flavor = 'glibc' | 'musl' | 'asm';

export interface GuestRunSpec {
  /** Short label for test names; defaults to the args joined by spaces. */
  label?: string;
  args?: string[];
  stdin?: Buffer | string;
  /**
   * The guest works in a directory given as argv[1]. Each run (native or
   * ringjit) gets a fresh empty directory `work` inside its fresh cwd, and
   * argv[1] is the relative path "work", so argv is identical for both.
   */
  needsDir?: boolean;
  /** Global symbol at the instruction expected to fault (its address must be the reported rip). */
  faultSymbol?: string;
  /** ringjit timeout for this run (ms). */
  timeoutMs?: number;
}

export interface KnownSkip {
  flavor?: Flavor;
  engine?: string;
  reason: string;
}

export interface GuestSpec {
  runs?: GuestRunSpec[];
  /** Known gaps: reported as skipped (never as passed). Keep reasons specific. */
  skip?: KnownSkip[];
}

/** Fixed stdin for stdin_echo: ~130 KiB of varied text, several pipe buffers' worth. */
export function stdinEchoInput(): Buffer {
  const lines: string[] = [];
  let x = 12345;
  for (let i = 0; i < 4000; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const word = (x >>> 8).toString(36);
    lines.push(`line ${i}: ${word} ${'abcdefghijklmnopqrstuvwxyz'.slice(0, i % 27)} ${(x & 0xff).toString(16)}`);
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

const PRIVILEGED = [
  'hlt', 'cli', 'sti', 'inb', 'outb', 'rdmsr', 'wrmsr', 'readcr3', 'writecr3', 'lgdt', 'lidt', 'swapgs',
  'sysret', 'clts', 'invlpg', 'wbinvd', 'int81', 'movdr7', 'int3', 'ud2',
];

export const SPECS: Record<string, GuestSpec> = {
  args: {
    runs: [
      { label: 'no args' },
      { args: ['one', 'two words', '', '--flag=x', 'üñíçødé'] },
    ],
  },
  exit_codes: {
    runs: [
      { args: ['0'] },
      { args: ['1'] },
      { args: ['42'] },
      { args: ['255'] },
      { args: ['256'], label: '256 (wraps to 0)' },
      { args: ['3', 'exit'] },
      { args: ['42', '_exit'] },
    ],
  },
  stdin_echo: {
    runs: [
      { label: 'fixed input', stdin: stdinEchoInput() },
      { label: 'empty input', stdin: '' },
      { label: 'no trailing newline', stdin: 'single line without newline' },
    ],
  },
  fileio: { runs: [{ needsDir: true }] },
  dirlist: { runs: [{ needsDir: true }] },
  mmap_test: {
    runs: [{ needsDir: true }],
    skip: [{ reason: 'catches SIGSEGV from a PROT_READ page in a handler: signal delivery to handlers is not implemented yet (a later capability; rt_sigaction is only recorded)' }],
  },
  signals: { skip: [{ reason: 'signal delivery to handlers (sigframe, rt_sigreturn) is not implemented yet' }] },
  threads: { skip: [{ reason: 'clone() threads are not implemented (single-task kernel)' }] },
  fork_wait: { skip: [{ reason: 'fork/execve/wait4 are not implemented (single-task kernel)' }] },

  bad_opcode: { runs: [{ faultSymbol: 'expected_fault' }] },
  null_deref: { runs: [{ faultSymbol: 'expected_fault' }] },
  div_zero: { runs: [{ faultSymbol: 'expected_fault' }] },
  asm_privileged: {
    runs: PRIVILEGED.map((name) => ({ args: [name], faultSymbol: `fault_${name}` })),
  },
  // Guests that exercise a lot of output or long loops get more time.
  asm_flags: { runs: [{ timeoutMs: 120_000 }] },
  strings: { runs: [{ timeoutMs: 120_000 }] },
  hashsort: { runs: [{ timeoutMs: 120_000 }] },
  syscall_loop: { runs: [{ timeoutMs: 120_000 }] },
};

export interface ManifestEntry {
  name: string;
  flavor: Flavor;
  /** Path relative to the repository root. */
  file: string;
  source: string;
  built: boolean;
  skipReason?: string;
}

export interface Manifest {
  musl: boolean;
  binaries: ManifestEntry[];
}

export const MANIFEST_PATH = join(BUILD_DIR, 'manifest.json');

export function loadManifest(): Manifest | undefined {
  if (!existsSync(MANIFEST_PATH)) return undefined;
  return JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Manifest;
}

export interface GuestBinary extends ManifestEntry {
  /** Absolute path. */
  path: string;
  /** name.flavor */
  id: string;
  spec: GuestSpec;
}

/**
 * All binaries in the manifest, optionally filtered by RINGJIT_GUESTS
 * (comma-separated names or name.flavor ids).
 */
export function guestBinaries(manifest: Manifest, filter = process.env.RINGJIT_GUESTS): GuestBinary[] {
  const wanted = (filter ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return manifest.binaries
    .map((b) => ({
      ...b,
      path: join(REPO_ROOT, b.file),
      id: `${b.name}.${b.flavor}`,
      spec: SPECS[b.name] ?? {},
    }))
    .filter((b) => wanted.length === 0 || wanted.includes(b.name) || wanted.includes(b.id));
}

export function runsOf(b: GuestBinary): GuestRunSpec[] {
  return b.spec.runs?.length ? b.spec.runs : [{}];
}

export function runLabel(r: GuestRunSpec): string {
  if (r.label) return r.label;
  const args = r.args ?? [];
  return args.length ? args.map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ') : 'no args';
}

export function knownSkip(b: GuestBinary, engine?: string): KnownSkip | undefined {
  return b.spec.skip?.find(
    (s) => (s.flavor === undefined || s.flavor === b.flavor) && (s.engine === undefined || s.engine === engine),
  );
}

/** Engines to test, from RINGJIT_ENGINES (default: both, so `npm test` cross-checks them on every guest). */
export function enginesUnderTest(value = process.env.RINGJIT_ENGINES): string[] {
  const list = (value ?? 'interp,jit,wasm')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : ['interp', 'jit'];
}
