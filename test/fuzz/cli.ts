// The fuzz command: node scripts/fuzz.mjs [--seed S] [--count N | --per-form N] [--form TEXT]... [options]
// Runs a differential campaign (host CPU vs interpreter vs translator), prints every mismatch as a
// reproducer and a summary, and writes the coverage report. Exit status 1 when anything mismatched.

import { type EngineName } from './engines.js';
import { writeFileSync } from 'node:fs';
import { parseCase, replayCase, runCampaign, summary, writeCoverage } from './check.js';

const USAGE = `usage: node scripts/fuzz.mjs [options]
  --seed S          campaign seed (default: time-based, printed)
  --count N         N cases over uniformly random forms (default 20000 unless --per-form)
  --per-form N      N cases for every fuzzed form
  --form TEXT       only forms whose key contains TEXT (repeatable), e.g. --form 'shld' --form '0f af'
  --engine E        interp, jit or wasm (repeatable; default all three)
  --batch N         cases per native-runner process (default 4000)
  --keep N          reproducers printed per form (default 1)
  --no-minimize     print mismatching cases as generated
  --prefix-rate P   probability of register-only instructions in front of the tested one (default 0.3)
  --report PATH     coverage report (default test/build/fuzz-coverage.txt; 'none' to skip)
  --shard K/N       only every N-th form starting at K (parallel runs)
  --json PATH       write the campaign result as JSON
  --case TEXT       run one case instead of a campaign, e.g.
                    --case 'code=f20f5dcf rflags=0x202 mxcsr=0x1f80 xmm1=0_0_7ff80000_0 xmm7=0_0_0_1'
                    (keys: code, rax..r15, rflags, mxcsr, xmm0..xmm15 as 32-bit lanes high to low,
                    scratchSeed, xmmSeed, patch=ADDR:HEX; reports print a ready --case line)
  --quiet           no progress lines`;

export async function main(argv: string[]): Promise<number> {
  let seed = (Date.now() & 0x7fffffff) >>> 0;
  let count: number | undefined, perForm: number | undefined, batch: number | undefined, keep: number | undefined;
  let prefixRate: number | undefined;
  const only: string[] = [];
  const engines: EngineName[] = [];
  let minimize = true, quiet = false;
  let report = 'test/build/fuzz-coverage.txt';
  let json: string | undefined;
  let shard: [number, number] | undefined;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const val = (): string => { const v = argv[++k]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    switch (a) {
      case '--seed': seed = Number(val()) >>> 0; break;
      case '--count': count = Number(val()); break;
      case '--per-form': perForm = Number(val()); break;
      case '--form': only.push(val()); break;
      case '--engine': engines.push(val() as EngineName); break;
      case '--batch': batch = Number(val()); break;
      case '--keep': keep = Number(val()); break;
      case '--prefix-rate': prefixRate = Number(val()); break;
      case '--no-minimize': minimize = false; break;
      case '--report': report = val(); break;
      case '--quiet': quiet = true; break;
      case '--json': json = val(); break;
      case '--case': {
        let c;
        try { c = parseCase(val()); } catch (e) { console.error(`fuzz: ${(e as Error).message}`); return 2; }
        const r = replayCase(c);
        console.log(r.report);
        return r.mismatch ? 1 : 0;
      }
      case '--shard': {
        const m = /^(\d+)\/(\d+)$/.exec(val());
        if (!m || Number(m[1]) >= Number(m[2])) { console.error('fuzz: --shard K/N with K < N'); return 2; }
        shard = [Number(m[1]), Number(m[2])];
        break;
      }
      case '-h': case '--help': console.log(USAGE); return 0;
      default: console.error(`fuzz: unknown option ${a}\n${USAGE}`); return 2;
    }
  }
  if (count === undefined && perForm === undefined) count = 20000;
  for (const e of engines) if (e !== 'interp' && e !== 'jit' && e !== 'wasm') { console.error(`fuzz: unknown engine ${e}`); return 2; }
  console.log(`fuzz: seed ${seed}`);
  const r = runCampaign({
    seed, count, perForm, only, batch, minimize, prefixRate, keepPerForm: keep, shard,
    engines: engines.length ? engines : undefined,
    log: (s) => { if (!quiet || !s.startsWith('  ...')) console.log(s); },
  });
  if (json) writeFileSync(json, JSON.stringify(r));
  if (report !== 'none') writeCoverage(r, report);
  console.log(summary(r));
  if (report !== 'none') console.log(`      coverage report: ${report}`);
  return r.mismatchCount ? 1 : 0;
}

// Run directly when this module is the bundle's entry (node test/build/fuzz-cli.mjs ...).
if (process.argv[1] && /fuzz-cli\.mjs$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 2; });
}
