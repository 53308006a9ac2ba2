// The oracle comparison: a ringjit run must match the native run byte for
// byte (stdout, stderr, exit status), except that a guest killed by a
// signal makes ringjit exit 128+N and append one "guest killed by SIGxxx at
// rip 0x..." line to stderr.

import { constants } from 'node:os';
import { describeEnd, type RunResult } from './run.js';

export interface CompareOptions {
  /** If known (from the guest's symbol table), the rip the fault must be reported at. */
  faultRip?: bigint;
}

/** The line ringjit appends when the guest dies by a signal. */
export const KILLED_LINE = /^ringjit: guest killed by (SIG[A-Z0-9]+)\b.*?\brip (0x[0-9a-fA-F]+)\b.*$/;

/**
 * The one diagnostic ringjit adds to a guest's stderr by design (issue 2): an unknown system call
 * returns -ENOSYS and is reported once per number as "ringjit: unimplemented syscall N (name) at rip
 * 0x...". Such lines are removed before comparing; nothing else is.
 */
export const ENOSYS_NOTE = /^ringjit: unimplemented syscall \d+( \([a-z0-9_]+\))? at rip 0x[0-9a-f]+\n/gm;
export function withoutNotes(stderr: Buffer): Buffer {
  const s = stderr.toString('latin1');
  const t = s.replace(ENOSYS_NOTE, '');
  return t === s ? stderr : Buffer.from(t, 'latin1');
}

/** Returns a list of human-readable mismatches; empty means the runs agree. */
export function compareRuns(native: RunResult, emulatedRaw: RunResult, opts: CompareOptions = {}): string[] {
  const problems: string[] = [];
  const emulated = { ...emulatedRaw, stderr: withoutNotes(emulatedRaw.stderr) };
  if (native.error || native.timedOut || native.outputLimitExceeded) {
    problems.push(`native run itself failed: ${describeEnd(native)}`);
    return problems;
  }
  if (emulated.error || emulated.timedOut || emulated.outputLimitExceeded) {
    problems.push(`ringjit run failed: ${describeEnd(emulated)}`);
    if (emulated.stderr.length) problems.push(`ringjit stderr:\n${excerpt(emulated.stderr)}`);
    return problems;
  }

  if (native.signal) {
    const signo = constants.signals[native.signal as keyof typeof constants.signals];
    const want = 128 + signo;
    if (emulated.signal) problems.push(`ringjit itself was killed by ${emulated.signal}; expected exit ${want} (guest ${native.signal})`);
    else if (emulated.status !== want) problems.push(`exit status: native guest killed by ${native.signal} -> expected ${want}, ringjit exited ${emulated.status}`);

    const errOk = emulated.stderr.subarray(0, native.stderr.length).equals(native.stderr);
    if (!errOk) {
      problems.push(diffMessage('stderr (before the "guest killed" line)', native.stderr, emulated.stderr.subarray(0, Math.max(native.stderr.length, 1) + 200)));
    } else {
      const rest = emulated.stderr.subarray(native.stderr.length).toString('utf8');
      const lines = rest.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      if (lines.length !== 1) {
        problems.push(`stderr: expected exactly one "ringjit: guest killed by ${native.signal} at rip 0x..." line after the guest's own stderr, got ${lines.length} lines:\n${truncate(rest, 2000)}`);
      } else {
        const m = KILLED_LINE.exec(lines[0]!);
        if (!m) problems.push(`stderr: last line does not match ${KILLED_LINE}: ${JSON.stringify(truncate(lines[0]!, 300))}`);
        else {
          if (m[1] !== native.signal) problems.push(`stderr: ringjit reports ${m[1]}, native guest died by ${native.signal}`);
          // int3 is a trap: like Linux's regs->ip, the reported rip is the one after the 1-byte instruction.
          const wantRip = opts.faultRip !== undefined && native.signal === 'SIGTRAP' ? opts.faultRip + 1n : opts.faultRip;
          if (wantRip !== undefined && BigInt(m[2]!) !== wantRip)
            problems.push(`stderr: ringjit reports rip ${m[2]}, expected 0x${wantRip.toString(16)} (the faulting instruction${native.signal === 'SIGTRAP' ? ', plus one for a trap' : ''})`);
        }
      }
    }
  } else {
    if (emulated.signal) problems.push(`ringjit itself was killed by ${emulated.signal}; native exited ${native.status}`);
    else if (emulated.status !== native.status) problems.push(`exit status: native ${native.status}, ringjit ${emulated.status}`);
    if (!native.stderr.equals(emulated.stderr)) problems.push(diffMessage('stderr', native.stderr, emulated.stderr));
  }
  if (!native.stdout.equals(emulated.stdout)) problems.push(diffMessage('stdout', native.stdout, emulated.stdout));
  return problems;
}

/** Two native runs of the same guest must agree exactly (the guest is deterministic). */
export function compareNativeRuns(a: RunResult, b: RunResult): string[] {
  const problems: string[] = [];
  if (describeEnd(a) !== describeEnd(b)) problems.push(`end: first ${describeEnd(a)}, second ${describeEnd(b)}`);
  if (!a.stdout.equals(b.stdout)) problems.push(diffMessage('stdout', a.stdout, b.stdout, ['first', 'second']));
  if (!a.stderr.equals(b.stderr)) problems.push(diffMessage('stderr', a.stderr, b.stderr, ['first', 'second']));
  return problems;
}

/**
 * Describe where two outputs first differ: byte offset, line number, the
 * differing line from each side (truncated) and a little context.
 */
export function diffMessage(what: string, expected: Buffer, actual: Buffer, labels: [string, string] = ['native', 'ringjit']): string {
  let i = 0;
  const n = Math.min(expected.length, actual.length);
  while (i < n && expected[i] === actual[i]) i++;
  const lineNo = countNewlines(expected, i) + 1;
  const expLine = lineAt(expected, i);
  const actLine = lineAt(actual, i);
  const ctxStart = Math.max(0, lineStart(expected, i) - 1);
  const context = lastLines(expected.subarray(0, ctxStart), 3);
  const [l1, l2] = labels;
  const parts = [
    `${what} differs: ${l1} ${expected.length} bytes, ${l2} ${actual.length} bytes; first difference at byte ${i}, line ${lineNo}`,
  ];
  if (context) parts.push(`  preceding lines:\n${indent(context, '    | ')}`);
  parts.push(`  ${l1.padEnd(7)} line ${lineNo}: ${i >= expected.length ? '(end of output)' : JSON.stringify(truncate(expLine, 240))}`);
  parts.push(`  ${l2.padEnd(7)} line ${lineNo}: ${i >= actual.length ? '(end of output)' : JSON.stringify(truncate(actLine, 240))}`);
  parts.push(`  ${l1} output (truncated):\n${indent(excerpt(expected), '    | ')}`);
  parts.push(`  ${l2} output (truncated):\n${indent(excerpt(actual), '    | ')}`);
  return parts.join('\n');
}

function countNewlines(b: Buffer, end: number): number {
  let c = 0;
  for (let k = 0; k < end; k++) if (b[k] === 0x0a) c++;
  return c;
}

function lineStart(b: Buffer, pos: number): number {
  let s = Math.min(pos, b.length);
  while (s > 0 && b[s - 1] !== 0x0a) s--;
  return s;
}

function lineAt(b: Buffer, pos: number): string {
  const s = lineStart(b, pos);
  let e = s;
  while (e < b.length && b[e] !== 0x0a) e++;
  return b.subarray(s, e).toString('utf8');
}

function lastLines(b: Buffer, n: number): string {
  const lines = b.toString('utf8').split('\n');
  return lines
    .slice(-n)
    .map((l) => truncate(l, 160))
    .join('\n');
}

/** Head (and tail, if long) of an output, for messages. */
export function excerpt(b: Buffer, head = 1500, tail = 500): string {
  const s = b.toString('utf8');
  if (s.length <= head + tail + 50) return s;
  return `${s.slice(0, head)}\n[... ${s.length - head - tail} characters omitted ...]\n${s.slice(-tail)}`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}... [${s.length - max} more]`;
}

function indent(s: string, prefix: string): string {
  return s
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}
