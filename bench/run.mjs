#!/usr/bin/env node
// `npm run bench`: runs every benchmark guest natively, under `ringjit run --engine jit` and under
// `ringjit run --engine interp`, interleaved in one run (best of N), checks that the emulated output is
// byte-identical to the native output, and reports
//   - a table (seconds, jit/native, interp/native, interp/jit, guest MIPS, geometric means),
//   - bench/results.json (machine, configuration, per-benchmark times/ratios/stats, micro-benchmarks),
//   - bench/results.svg (grouped bars of jit/native and interp/native on a log scale),
//   - the tinybench micro-benchmarks of bench/micro.ts (translation throughput, dispatch cost).
//
// Ratios, not absolute times, are the result: these machines are shared and noisy.
//
// Usage: node bench/run.mjs [options]      (see --help; bin/ringjit.js must be built: npm run build)

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryPath, buildBenchGuests, buildDir, FLAVORS, root } from './build.mjs';
import { fmtR, INTERP_JIT_TARGET, JIT_TARGET, svgChart } from './chart.mjs';

// ---------------------------------------------------------------------------------------------------
// The benchmarks. `arg` is the default iteration count: 0.07-0.2 s of native CPU time (syscalls 0.4 s) on the AMD EPYC
// these were calibrated on, 270-800 million guest instructions (glibc builds), so that the interpreter
// (about 5-40 MIPS today) needs a minute or two. --quick divides the counts by 10.

export const BENCHMARKS = [
  { name: 'intloop', arg: 60000, what: 'nested integer loops, counters, branches' },
  { name: 'hash64', arg: 12000, what: '64-bit multiply/shift/rotate hashing (splitmix64, xxhash64-like)' },
  { name: 'memstream', arg: 140, what: 'sum / copy / strided update over 2 x 4 MiB' },
  { name: 'calls', arg: 420, what: 'calls and returns: recursive fib, mutual recursion' },
  { name: 'dispatch', arg: 2500, what: 'indirect jumps and calls: switch bytecode interpreter, fn-pointer table' },
  { name: 'strings', arg: 30000, what: 'libc memcpy/memset/memcmp/strlen/strcmp/strchr' },
  { name: 'malloc_churn', arg: 600, what: 'malloc/free churn over 4096 slots (x1000 steps)' },
  { name: 'nbody', arg: 800, what: 'double precision: 5-body simulation (x1000 steps), Mandelbrot' },
  { name: 'syscalls', arg: 1000, what: 'getppid + write to /dev/null (x1000 iterations)' },
];

const ENGINES = ['native', 'jit', 'interp'];

function usage() {
  return `usage: node bench/run.mjs [options]
  --quick             sizes / 10, interpreter best of 1 (CI; a few minutes)
  --reps N            repetitions per engine, best time kept (default 3)
  --interp-reps N     repetitions for the interpreter (default: --reps; 1 with --quick)
  --budget S          stop repeating an engine on a benchmark once its runs took S seconds (wall) in
                      all (default: none; 12 with --quick); every engine runs at least once
  --scale F           multiply every iteration count by F (after --quick)
  --only a,b          run only these benchmarks
  --engines LIST      subset of native,jit,interp (native is always run: it is the reference)
  --no-wasm           run the jit with its JavaScript back end only (ringjit run --no-wasm)
  --flavor F          auto (default: glibc if it runs, else musl), glibc or musl
  --timeout S         per-run time limit in seconds (default 900; 180 with --quick)
  --time cpu|wall     what a run's time is (default cpu): the CPU time (user + sys, all threads) or the
                      wall time of the whole process; for ringjit both include node start-up, ELF
                      loading and translation. CPU time is steadier on a shared, loaded machine.
  --no-micro          skip the tinybench micro-benchmarks     --micro-only   only them
  --out DIR           where results.json / results.svg go (default bench/)
  --no-build          do not (re)build the guests and the micro bundle
  --keep-env          run every engine with this process's environment as it is. By default the
                      variables in NODE_STARTUP_ONLY_ENV are left out of every run (native included,
                      so all engines give the guest one environment): they only configure Node's
                      own start-up, which ringjit does not use (NODE_EXTRA_CA_CERTS made Node parse a
                      CA bundle in every process: ~45 ms of CPU on the machine that found it)`;
}

function parseArgs(argv) {
  const o = {
    quick: false, reps: 3, interpReps: null, budget: null, scale: 1, only: null, engines: ENGINES.slice(), flavor: 'auto',
    timeout: null, time: 'cpu', micro: true, macro: true, out: join(root, 'bench'), build: true, keepEnv: false,
  };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const val = () => {
      if (k + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++k];
    };
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--reps': o.reps = Math.max(1, parseInt(val(), 10) || 1); break;
      case '--budget': o.budget = Number(val()); break;
      case '--interp-reps': o.interpReps = Math.max(1, parseInt(val(), 10) || 1); break;
      case '--scale': o.scale = Number(val()); if (!(o.scale > 0)) throw new Error('--scale must be > 0'); break;
      case '--only': o.only = val().split(',').filter(Boolean); break;
      case '--engines': o.engines = ['native', ...val().split(',').filter((e) => e !== 'native')]; break;
      case '--flavor': o.flavor = val(); break;
      case '--timeout': o.timeout = Number(val()); break;
      case '--time': o.time = val(); if (!['cpu', 'wall'].includes(o.time)) throw new Error('--time cpu|wall'); break;
      case '--no-micro': o.micro = false; break;
      case '--no-wasm': o.noWasm = true; break;
      case '--micro-only': o.macro = false; break;
      case '--out': o.out = val(); break;
      case '--no-build': o.build = false; break;
      case '--keep-env': o.keepEnv = true; break;
      case '-h': case '--help': console.log(usage()); process.exit(0); break;
      default: throw new Error(`unknown option ${a}\n${usage()}`);
    }
  }
  for (const e of o.engines) if (!ENGINES.includes(e)) throw new Error(`unknown engine ${e}`);
  if (!['auto', ...FLAVORS.map((f) => f.flavor)].includes(o.flavor)) throw new Error(`unknown flavor ${o.flavor}`);
  if (o.interpReps === null) o.interpReps = o.quick ? 1 : o.reps;
  if (o.timeout === null) o.timeout = o.quick ? 180 : 900;
  if (o.budget === null || !(o.budget > 0)) o.budget = o.quick ? 12 : Infinity;
  if (o.time === 'cpu' && !CPU_TIMER) { console.warn('bench: neither python3 nor GNU time found: measuring wall time'); o.time = 'wall'; }
  if (o.only) {
    const unknown = o.only.filter((n) => !BENCHMARKS.some((b) => b.name === n));
    if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------
// Running one program

const RINGJIT = join(root, 'bin', 'ringjit.js');

/**
 * Environment variables that configure only Node's start-up (TLS certificates), nothing ringjit does.
 * A machine that sets them pays for them in every node process; a fresh Debian one does not.
 */
export const NODE_STARTUP_ONLY_ENV = ['NODE_EXTRA_CA_CERTS'];
/** The environment of every run (set in main from --keep-env). */
let childEnv = process.env;

// The child's CPU time (user + sys, all threads: for ringjit that includes V8's compiler and GC
// threads) comes from wait4's rusage, read by a few lines of python3 (microseconds), else from GNU
// time (10 ms resolution: too coarse for --quick native runs). On a shared, loaded machine CPU time
// is far steadier than wall time. The wrapper writes "<user+sys seconds> <exit code | signal N>".
const PY_WAIT4 = [
  'import os, sys',
  'pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)',
  '_, st, ru = os.wait4(pid, 0)',
  'sig = os.WTERMSIG(st) if os.WIFSIGNALED(st) else 0',
  'open(sys.argv[1], "w").write("%.6f %s\\n" % (ru.ru_utime + ru.ru_stime, ("signal %d" % sig) if sig else os.WEXITSTATUS(st)))',
  'sys.exit(128 + sig if sig else os.WEXITSTATUS(st))',
].join('\n');
function findCpuTimer() {
  const py = spawnSync('python3', ['-c', PY_WAIT4, '/dev/null', '/bin/true']);
  if (py.status === 0) return { kind: 'python3 wait4', wrap: (file, cmd, args) => ['python3', ['-c', PY_WAIT4, file, cmd, ...args]] };
  const gnu = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p) && spawnSync(p, ['-f', '%U', 'true']).status === 0);
  if (gnu) return { kind: 'GNU time', wrap: (file, cmd, args) => [gnu, ['-f', '%U+%S %x', '-o', file, cmd, ...args]] };
  return null;
}
const CPU_TIMER = findCpuTimer();
let tmpSeq = 0;
/** Process groups of the runs in progress (killed if the driver is interrupted). */
const running = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of running) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
    process.exit(130);
  });
}

/** Spawn and wait; wall time measured around the child, CPU time by GNU time. Never throws. */
function timedRun(cmd, args, timeoutS) {
  return new Promise((done) => {
    const timeFile = CPU_TIMER ? join(tmpdir(), `ringjit-bench-${process.pid}-${tmpSeq++}.time`) : null;
    const [c, a] = CPU_TIMER ? CPU_TIMER.wrap(timeFile, cmd, args) : [cmd, args];
    const t0 = process.hrtime.bigint();
    let stdout = '', stderr = '', timedOut = false;
    const finish = (r) => {
      let cpuSeconds = null;
      if (timeFile) {
        try {
          const text = readFileSync(timeFile, 'utf8');
          // both wrappers exit 128+N for a child killed by signal N; the file tells which it was
          const m = /^([\d.]+)(?:\+([\d.]+))? (?:(-?\d+)|signal (\d+))$/m.exec(text);
          if (m) cpuSeconds = Number(m[1]) + Number(m[2] ?? 0);
          const sig = m?.[4] ?? /^Command terminated by signal (\d+)$/m.exec(text)?.[1];
          if (sig) { r.code = null; r.signal = `signal ${sig}`; }
        } catch { /* killed before GNU time wrote it */ }
        rmSync(timeFile, { force: true });
      }
      done({ stdout, stderr, timedOut, cpuSeconds, ...r });
    };
    let child;
    try {
      // own process group, so a timeout kills the program and not only GNU time
      child = spawn(c, a, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: childEnv });
    } catch (e) {
      finish({ seconds: 0, code: null, signal: null, spawnError: String(e) });
      return;
    }
    running.add(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    }, timeoutS * 1000);
    child.stdout.setEncoding('latin1').on('data', (d) => { if (stdout.length < 1 << 20) stdout += d; });
    child.stderr.setEncoding('latin1').on('data', (d) => { if (stderr.length < 1 << 20) stderr += d; });
    child.on('error', (e) => { clearTimeout(timer); running.delete(child.pid); finish({ seconds: 0, code: null, signal: null, spawnError: String(e) }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child.pid);
      finish({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, code, signal });
    });
  });
}

// --stats lines: "ringjit: <name, padded> <value>"; the block starts at the "engine" line and is the
// last thing ringjit writes (a kill message comes before it).
const STAT_RE = /^ringjit: ([a-zA-Z][\w /()-]*?)\s{2,}(\S.*)$/;

/** Split ringjit's stderr into the --stats block and everything else (guest stderr, diagnostics). */
function parseStats(stderr) {
  const stats = {};
  const rest = [];
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => /^ringjit: engine\s+\w+$/.test(l));
  lines.forEach((line, k) => {
    const m = start >= 0 && k >= start ? STAT_RE.exec(line) : null;
    if (m) stats[m[1].trim()] = m[2].trim();
    else if (line !== '') rest.push(line);
  });
  const num = (k) => { const m = /^-?[\d.]+/.exec(stats[k] ?? ''); return m ? Number(m[0]) : null; };
  return {
    stats, rest: rest.join('\n'),
    instret: num('guest instructions'),
    engineSeconds: num('wall time'),
  };
}

/** Run one (binary, engine); classify the outcome against the native reference (if given). */
async function runOne(bin, arg, engine, opts, reference) {
  const r = engine === 'native'
    ? await timedRun(bin, [String(arg)], opts.timeout)
    : await timedRun(process.execPath, [RINGJIT, 'run', '--engine', engine, ...(engine === 'jit' && opts.noWasm ? ['--no-wasm'] : []), '--stats', bin, String(arg)], opts.timeout);
  const out = { wall: r.seconds, cpu: r.cpuSeconds, status: 'ok', detail: null, stdout: r.stdout, exit: r.code ?? r.signal ?? null };
  out.seconds = opts.time === 'cpu' && r.cpuSeconds != null ? r.cpuSeconds : r.seconds;
  if (engine !== 'native') {
    const p = parseStats(r.stderr);
    out.instret = p.instret; out.engineSeconds = p.engineSeconds; out.stats = p.stats;
    out.stderrRest = p.rest;
  } else {
    out.stderrRest = r.stderr;
  }
  if (r.spawnError) { out.status = 'failed'; out.detail = `could not start: ${r.spawnError}`; return out; }
  if (r.timedOut) { out.status = 'timeout'; out.detail = `no result after ${opts.timeout} s`; return out; }
  const diag = (out.stderrRest ?? '').split('\n').filter((l) => l.startsWith('ringjit:'));
  if (engine === 'native') {
    if (r.code !== 0) { out.status = 'failed'; out.detail = `native exit ${out.exit}: ${r.stderr.trim().slice(0, 200)}`; }
    return out;
  }
  if (diag.length) {
    // ringjit diagnostics: the guest was killed (SIGILL on an unimplemented instruction...) or an
    // internal error. Unsupported, not a wrong answer.
    out.status = 'failed';
    out.detail = diag[0].replace(/^ringjit:\s*/, '').slice(0, 240);
    return out;
  }
  if (reference && (r.stdout !== reference.stdout || r.code !== 0)) {
    out.status = 'MISMATCH';
    out.detail = r.code !== 0 ? `exit status ${out.exit}, native 0` : `stdout differs: native ${JSON.stringify(firstLine(reference.stdout))}, ${engine} ${JSON.stringify(firstLine(r.stdout))}`;
  }
  return out;
}

const round = (x) => (x == null ? null : Math.round(x * 1e4) / 1e4);

function firstLine(s) {
  const l = s.split('\n')[0];
  return l.length > 100 ? l.slice(0, 100) + '...' : l;
}

// ---------------------------------------------------------------------------------------------------
// One benchmark: choose the libc flavor, then interleaved timed repetitions.

async function chooseFlavor(b, opts, log) {
  const candidates = (opts.flavor === 'auto' ? FLAVORS.map((f) => f.flavor) : [opts.flavor])
    .map((flavor) => ({ flavor, bin: binaryPath(b.name, flavor) }))
    .filter((c) => existsSync(c.bin));
  if (!candidates.length) return { flavor: null, bin: null, probe: {}, why: 'no binary built (see bench/build.mjs output)' };
  const emulated = opts.engines.filter((e) => e !== 'native');
  const tried = [];
  for (const c of candidates) {
    // A small run (iteration count 1) under each engine, compared with native.
    const ref = await runOne(c.bin, 1, 'native', opts, null);
    const probe = { native: ref };
    for (const e of emulated) {
      if (ref.status !== 'ok') { probe[e] = ref; continue; }
      // Twice, keeping the faster: the first run after a build also writes ringjit's caches (V8 code
      // cache, interpreter handler library), which the start-up estimate should not include.
      const first = await runOne(c.bin, 1, e, opts, ref);
      const second = first.status === 'ok' ? await runOne(c.bin, 1, e, opts, ref) : first;
      probe[e] = second.status === 'ok' && second.seconds < first.seconds ? second : first;
    }
    const ok = emulated.filter((e) => probe[e].status === 'ok');
    delete probe.native.stdout;
    tried.push({ ...c, probe, ok, nativeOk: ref.status === 'ok' });
    if (ref.status === 'ok' && ok.length === emulated.length) break;
  }
  // The first flavor on which every engine works; else the one on which most engines work.
  tried.sort((x, y) => (y.nativeOk - x.nativeOk) || (y.ok.length - x.ok.length));
  const best = tried[0];
  const notes = tried.filter((t) => t !== best).map((t) => `${t.flavor}: ${describeProbe(t)}`);
  if (notes.length) log(`  ${b.name}: using ${best.flavor} (${notes.join('; ')})`);
  return { flavor: best.flavor, bin: best.bin, probe: best.probe, why: null };
}

function describeProbe(t) {
  const bad = Object.entries(t.probe).filter(([e]) => e !== 'native').filter(([, r]) => r.status !== 'ok');
  return bad.length ? bad.map(([e, r]) => `${e} ${r.status}: ${r.detail}`).join(', ') : 'ok';
}

async function runBenchmark(b, opts, log) {
  const arg = Math.max(1, Math.round(b.arg * (opts.quick ? 0.1 : 1) * opts.scale));
  const res = { name: b.name, what: b.what, arg, flavor: null, engines: {} };
  const choice = await chooseFlavor(b, opts, log);
  res.flavor = choice.flavor;
  for (const e of opts.engines) res.engines[e] = { status: 'not run', detail: choice.why, runs: [], best: null };
  if (!choice.bin) return res;
  // Engines whose probe failed are not timed: the failure is reported from the probe.
  const active = new Set(['native']);
  for (const e of opts.engines) {
    if (e === 'native') continue;
    const p = choice.probe[e];
    if (p && p.status !== 'ok') Object.assign(res.engines[e], { status: p.status, detail: `${p.detail} (probe run, n=1)` });
    else active.add(e);
  }
  let reference = null;
  const reps = Math.max(opts.reps, opts.interpReps);
  for (let rep = 0; rep < reps; rep++) {
    for (const e of opts.engines) {
      if (!active.has(e)) continue;
      if (e === 'interp' ? rep >= opts.interpReps : rep >= opts.reps) continue;
      const slot = res.engines[e];
      if (rep > 0 && slot.runs.reduce((t, x) => t + x.wall, 0) >= opts.budget) continue;
      const r = await runOne(choice.bin, arg, e, opts, reference);
      if (e === 'native' && reference === null) reference = r;
      slot.runs.push({ wall: round(r.wall), cpu: round(r.cpu), engine: r.engineSeconds ?? undefined });
      if (r.status !== 'ok') {
        Object.assign(slot, { status: r.status, detail: r.detail });
        active.delete(e);
        if (e === 'native') { for (const x of opts.engines) if (x !== 'native') Object.assign(res.engines[x], { status: 'not run', detail: 'native run failed' }); return res; }
        continue;
      }
      slot.status = 'ok'; slot.detail = null;
      if (e !== 'native') {
        slot.instret = r.instret;
        if (slot.best === null || r.seconds < slot.best) { slot.best = r.seconds; slot.stats = r.stats; }
      } else if (slot.best === null || r.seconds < slot.best) {
        slot.best = r.seconds;
        slot.output = firstLine(r.stdout);
      }
    }
  }
  for (const e of opts.engines) {
    const s = res.engines[e];
    // the probe (iteration count 1) is mostly start-up: ELF loading, libc initialisation, translation
    if (choice.probe[e]?.status === 'ok') s.n1Seconds = round(choice.probe[e].seconds);
    if (s.status !== 'ok') { s.best = null; continue; }
    // guest instructions per second of the measured time (start-up included)
    if (e !== 'native' && s.instret != null && s.best) s.mips = s.instret / s.best / 1e6;
  }
  const n = res.engines.native?.best, j = res.engines.jit?.best, i = res.engines.interp?.best;
  res.ratios = {
    jitNative: n && j ? j / n : null,
    interpNative: n && i ? i / n : null,
    interpJit: j && i ? i / j : null,
  };
  // Marginal ratios: (time(n) - time(1)) per engine, i.e. net of start-up (the n=1 probe run).
  const net = (e) => {
    const x = res.engines[e];
    return x?.best != null && x.n1Seconds != null && x.best > x.n1Seconds ? x.best - x.n1Seconds : null;
  };
  const nn = net('native'), nj = net('jit'), ni = net('interp');
  res.marginalRatios = {
    jitNative: nn && nj ? nj / nn : null,
    interpNative: nn && ni ? ni / nn : null,
    interpJit: nj && ni ? ni / nj : null,
  };
  // Rough native instruction rate: the guest retires (about) the same instructions natively.
  const instret = res.engines.jit?.instret ?? res.engines.interp?.instret;
  if (n && instret) res.nativeMipsEstimate = instret / n / 1e6;
  return res;
}

// ---------------------------------------------------------------------------------------------------
// Reporting

function geomean(xs) {
  const v = xs.filter((x) => x != null && x > 0 && Number.isFinite(x));
  if (!v.length) return null;
  return Math.exp(v.reduce((s, x) => s + Math.log(x), 0) / v.length);
}

function geomeans(results, field = 'ratios') {
  const g = {};
  for (const k of ['jitNative', 'interpNative', 'interpJit']) {
    const xs = results.map((r) => r[field]?.[k]).filter((x) => x != null);
    g[k] = { value: geomean(xs), count: xs.length, of: results.length };
  }
  return g;
}

const fmtS = (x) => (x == null ? '' : x < 10 ? x.toFixed(3) : x.toFixed(1));
const fmtM = (x) => (x == null ? '' : x < 100 ? x.toFixed(1) : x.toFixed(0));

function cell(r, e, wanted) {
  const s = r.engines[e];
  if (!s) return '-';
  if (s.status === 'ok') return fmtS(s.best) + (s.runs.length < wanted[e] ? '*' : '');
  return s.status === 'MISMATCH' ? '!MISMATCH' : s.status === 'timeout' ? 'TIMEOUT' : s.status === 'not run' ? '-' : 'FAILED';
}

function table(results, g, wanted) {
  const head = ['benchmark', 'libc', 'native s', 'jit s', 'interp s', 'jit/native', 'interp/native', 'interp/jit', 'jit MIPS', 'interp MIPS'];
  const rows = results.map((r) => [
    r.name, r.flavor ?? '-', cell(r, 'native', wanted), cell(r, 'jit', wanted), cell(r, 'interp', wanted),
    fmtR(r.ratios?.jitNative), fmtR(r.ratios?.interpNative), fmtR(r.ratios?.interpJit),
    fmtM(r.engines.jit?.mips), fmtM(r.engines.interp?.mips),
  ]);
  const gm = (k) => (g[k].value == null ? '' : fmtR(g[k].value) + (g[k].count < g[k].of ? ` (${g[k].count}/${g[k].of})` : ''));
  rows.push(['geomean', '', '', '', '', gm('jitNative'), gm('interpNative'), gm('interpJit'), '', '']);
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((row) => String(row[c]).length)));
  const line = (row) => row.map((x, c) => (c < 2 ? String(x).padEnd(w[c]) : String(x).padStart(w[c]))).join('  ');
  const sep = w.map((n) => '-'.repeat(n)).join('  ');
  return [line(head), sep, ...rows.slice(0, -1).map(line), sep, line(rows[rows.length - 1])].join('\n');
}

function marginalTable(results, g) {
  const head = ['benchmark', 'jit/native', 'interp/native', 'interp/jit'];
  const keys = ['jitNative', 'interpNative', 'interpJit'];
  const rows = results.map((r) => [r.name, ...keys.map((k) => fmtR(r.marginalRatios?.[k]))]);
  rows.push(['geomean', ...keys.map((k) => (g[k].value == null ? '' : fmtR(g[k].value) + (g[k].count < g[k].of ? ` (${g[k].count}/${g[k].of})` : '')))]);
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((row) => String(row[c]).length)));
  const line = (row) => row.map((x, c) => (c === 0 ? String(x).padEnd(w[c]) : String(x).padStart(w[c]))).join('  ');
  const sep = w.map((n) => '-'.repeat(n)).join('  ');
  return [line(head), sep, ...rows.slice(0, -1).map(line), sep, line(rows[rows.length - 1])].join('\n');
}

/** Issue 3's targets: translator geomean <= 12x native and >= 15x faster than the interpreter. */
function targets(g, gm) {
  const chk = (v, ok) => (v == null ? 'n/a' : `${fmtR(v)} ${ok(v) ? 'met' : 'NOT MET'}`);
  return `issue 3 targets: jit/native geomean <= ${JIT_TARGET}x: ${chk(g.jitNative.value, (v) => v <= JIT_TARGET)} ` +
    `(net of start-up ${chk(gm.jitNative.value, (v) => v <= JIT_TARGET)}); ` +
    `interp/jit geomean >= ${INTERP_JIT_TARGET}x: ${chk(g.interpJit.value, (v) => v >= INTERP_JIT_TARGET)} ` +
    `(net of start-up ${chk(gm.interpJit.value, (v) => v >= INTERP_JIT_TARGET)})`;
}

function problems(results) {
  const out = [];
  for (const r of results) {
    for (const [e, s] of Object.entries(r.engines)) {
      if (s.status === 'ok') continue;
      const tag = s.status === 'MISMATCH' ? '!!! MISMATCH' : s.status.toUpperCase();
      out.push(`  ${tag.padEnd(12)} ${r.name} (${r.flavor ?? '-'}) ${e}: ${s.detail ?? ''}`);
    }
  }
  return out;
}

function machineInfo() {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch { /* not Linux */ }
  const git = (args) => { const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' }); return r.status === 0 ? r.stdout.trim() : null; };
  const gcc = spawnSync('gcc', ['-dumpfullversion'], { encoding: 'utf8' });
  return {
    cpu, cores: cpus().length, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version,
    platform: `${process.platform} ${release()}`, gcc: gcc.status === 0 ? gcc.stdout.trim() : null,
    loadavg: loadavg().map((x) => +x.toFixed(2)), date: new Date().toISOString(), commit: git(['rev-parse', 'HEAD']),
    dirty: (git(['status', '--porcelain', '--', 'src']) ?? '') !== '',
  };
}


// ---------------------------------------------------------------------------------------------------

async function bundleMicro() {
  const { build } = await import('esbuild');
  const outfile = join(buildDir, 'micro.mjs');
  await build({
    entryPoints: [join(root, 'bench', 'micro.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20',
    outfile, packages: 'external', sourcemap: 'linked', logLevel: 'warning',
  });
  return outfile;
}

async function main() {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) { console.error(`bench: ${e.message}`); process.exit(2); }
  const log = (s) => console.log(s);
  const t0 = Date.now();
  if (!existsSync(join(root, 'dist', 'ringjit.mjs'))) { console.error('bench: dist/ringjit.mjs is missing: run `npm run build` first'); process.exit(2); }
  if (opts.build) await buildBenchGuests({ log });

  const machine = machineInfo();
  const envRemoved = opts.keepEnv ? [] : NODE_STARTUP_ONLY_ENV.filter((v) => v in process.env);
  childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !envRemoved.includes(k)));
  const cfg = { envRemoved, cpuTimer: CPU_TIMER?.kind ?? null, wasm: !opts.noWasm, quick: opts.quick, reps: opts.reps, interpReps: opts.interpReps, budgetS: opts.budget, scale: opts.scale, engines: opts.engines, flavor: opts.flavor, time: opts.time, timeoutS: opts.timeout };
  log(`bench: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; ${opts.quick ? 'quick sizes, ' : ''}best of ${opts.reps}` +
    `${opts.interpReps !== opts.reps ? ` (interp ${opts.interpReps})` : ''}, engines ${opts.engines.join(', ')}${opts.noWasm ? ' (jit with --no-wasm)' : ''}, ${opts.time} time`);
  if (envRemoved.length) log(`bench: left out of every run's environment: ${envRemoved.join(', ')} (Node start-up only; --keep-env keeps them)`);
  if (machine.loadavg[0] > machine.cores) log(`bench: note: load average ${machine.loadavg[0]} on ${machine.cores} cores: wall times will be inflated`);

  const results = [];
  if (opts.macro) {
    const list = BENCHMARKS.filter((b) => !opts.only || opts.only.includes(b.name));
    for (const b of list) {
      const tb = Date.now();
      const r = await runBenchmark(b, opts, log);
      results.push(r);
      const st = opts.engines.map((e) => {
        const x = r.engines[e];
        return `${e} ${x.status === 'ok' ? `${fmtS(x.best)} s${x.runs.length > 1 ? ` (best of ${x.runs.length})` : ''}` : x.status}`;
      }).join(', ');
      log(`  ${b.name.padEnd(13)} n=${String(r.arg).padEnd(6)} ${(r.flavor ?? '-').padEnd(5)}  ${st}   [${((Date.now() - tb) / 1000).toFixed(0)} s]`);
    }
  }
  const g = geomeans(results);
  const gm = geomeans(results, 'marginalRatios');

  let micro = null;
  if (opts.micro) {
    log('\nmicro-benchmarks (tinybench):');
    try {
      const file = opts.build || !existsSync(join(buildDir, 'micro.mjs')) ? await bundleMicro() : join(buildDir, 'micro.mjs');
      const jsonFile = join(tmpdir(), `ringjit-micro-${process.pid}.json`);
      const hash = [binaryPath('hash64', 'glibc'), binaryPath('hash64', 'musl')].find(existsSync) ?? binaryPath('hash64', 'glibc');
      const chain = FLAVORS.map((f) => binaryPath('micro_chain', f.flavor)).filter(existsSync);
      const limit = opts.quick ? 240 : 900;
      const r = await timedRun(process.execPath, [file, '--json', jsonFile, '--binary', relative(root, hash),
        '--chain', chain.map((c) => relative(root, c)).join(','), ...(opts.quick ? ['--quick'] : [])], limit);
      if (existsSync(jsonFile)) {
        micro = JSON.parse(readFileSync(jsonFile, 'utf8'));
        rmSync(jsonFile, { force: true });
        log(Buffer.from(r.stdout, 'latin1').toString('utf8').trimEnd());
      } else {
        const why = r.timedOut ? `no result after ${limit} s` : `exit ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
        micro = { errors: [why] };
        log(`  MICRO FAILED: ${why}`);
      }
    } catch (e) {
      micro = { errors: [String(e?.message ?? e)] };
      log(`  MICRO FAILED: ${micro.errors[0]}`);
    }
  }

  if (opts.macro) {
    log(`\n${opts.time === 'cpu' ? 'CPU seconds (user + sys)' : 'wall seconds'} of whole processes, best of ${opts.reps}` +
      `${opts.interpReps !== opts.reps ? ` (interp ${opts.interpReps})` : ''}; MIPS = guest instructions / that time`);
    const wanted = { native: opts.reps, jit: opts.reps, interp: opts.interpReps };
    const median = (xs) => { const v = xs.filter((x) => x != null).sort((a, b) => a - b); return v.length ? v[v.length >> 1] : null; };
    const n1 = opts.engines.map((e) => [e, median(results.map((r) => r.engines[e]?.n1Seconds))]).filter(([, v]) => v != null);
    log(table(results, g, wanted));
    if (results.some((r) => Object.entries(r.engines).some(([e, x]) => x.status === 'ok' && x.runs.length < wanted[e]))) {
      log(`* fewer repetitions than asked: the engine's runs on that benchmark exceeded the ${opts.budget} s budget (--budget)`);
    }
    if (n1.length) log(`run with iteration count 1 (mostly start-up), median: ${n1.map(([e, v]) => `${e} ${fmtS(v)} s`).join(', ')}`);
    if (results.some((r) => r.marginalRatios && Object.values(r.marginalRatios).some((v) => v != null))) {
      log('\nnet of start-up: ratios of (time - time at iteration count 1)');
      log(marginalTable(results, gm));
    }
    log('\n' + targets(g, gm));
    const p = problems(results);
    if (p.length) log('\nnot measured / wrong:\n' + p.join('\n'));
    const mism = results.filter((r) => Object.values(r.engines).some((s) => s.status === 'MISMATCH'));
    if (mism.length) log(`\n!!! OUTPUT MISMATCH in ${mism.map((r) => r.name).join(', ')}: emulated output differs from native !!!`);
  }

  const jsonPath = join(opts.out, 'results.json');
  const svgPath = join(opts.out, 'results.svg');
  const strip = (r) => ({
    ...r,
    engines: Object.fromEntries(Object.entries(r.engines).map(([e, s]) => [e, { ...s, stats: s.stats }])),
  });
  const doc = {
    machine, config: cfg, totalSeconds: (Date.now() - t0) / 1000,
    timing: `best = the least ${opts.time === 'cpu' ? 'CPU time (user + sys, all threads)' : 'wall time'} of the reps, in seconds, of ` +
      'the whole process (for ringjit: node start-up, ELF loading, translation and the run); runs[] has wall and cpu ' +
      'of every rep, and engine = the wall time ringjit --stats reports for the run alone',
    benchmarks: results.map(strip), geomean: g, geomeanNetOfStartup: gm, micro,
  };
  if (opts.macro || micro) {
    mkdirSync(opts.out, { recursive: true });
    let out = doc;
    if (!opts.macro && existsSync(jsonPath)) {
      // --micro-only: keep the macro results of the last full run, replace the micro-benchmarks
      try { out = { ...JSON.parse(readFileSync(jsonPath, 'utf8')), micro, microMachine: machine }; } catch { /* rewrite */ }
    }
    writeFileSync(jsonPath, JSON.stringify(out, null, 2) + '\n');
    if (opts.macro) writeFileSync(svgPath, svgChart(results, g, machine, cfg));
    log(`\nwrote ${relative(root, jsonPath)}${opts.macro ? `, ${relative(root, svgPath)}` : ''} (${((Date.now() - t0) / 1000).toFixed(0)} s in all)`);
  }
  // Exit status: 1 on a wrong answer (a mismatch is a bug); unsupported runs are reported, not fatal.
  if (results.some((r) => Object.values(r.engines).some((s) => s.status === 'MISMATCH'))) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e); process.exit(70); });
}
