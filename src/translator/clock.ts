// Milliseconds for the --stats timings of translation. Not `performance.now()`: Node loads perf_hooks,
// and ten modules behind it, on the first use of the `performance` global (~1.5 ms of CPU in every
// run that translates anything).
export function nowMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
