// The chart bench/run.mjs writes beside results.json (results.svg), and the ratio format and issue 3's
// targets that its tables share with it.

/** A ratio for tables and the chart: 2 decimals below 10x, 1 below 1000x. */
export const fmtR = (x) => (x == null ? '' : x < 10 ? x.toFixed(2) + 'x' : x < 1000 ? x.toFixed(1) + 'x' : x.toFixed(0) + 'x');
/** A ratio for a bar's label. */
const fmtShort = (x) => (x < 10 ? x.toFixed(1) : x.toFixed(0)) + 'x';

// SVG chart: grouped bars (jit/native, interp/native) per benchmark, log scale, plus the geomeans.

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Issue 3's target for the translator: geomean of jit/native at most this. */
export const JIT_TARGET = 12;
/** ... and at least this much faster than the interpreter. */
export const INTERP_JIT_TARGET = 15;

export function svgChart(results, g, machine, cfg) {
  const groups = results.map((r) => ({ label: r.name, sub: r.flavor ?? '', jit: r.ratios?.jitNative, interp: r.ratios?.interpNative, r }));
  groups.push({ label: 'geomean', sub: '', jit: g.jitNative.value, interp: g.interpNative.value, geo: true });
  const series = [
    { key: 'jit', name: 'jit / native', color: '#2f6fb0' },
    { key: 'interp', name: 'interp / native', color: '#e07b24' },
  ];
  const vals = groups.flatMap((x) => [x.jit, x.interp]).filter((v) => v != null && v > 0);
  const lo = Math.min(1, ...vals), hi = Math.max(2 * JIT_TARGET, ...vals);
  const dMin = Math.floor(Math.log10(lo)), dMax = Math.ceil(Math.log10(hi));
  const W = Math.max(760, 110 + groups.length * 92), H = 480;
  const left = 70, right = 20, top = 64, bottom = 110;
  const ph = H - top - bottom, pw = W - left - right;
  const y = (v) => top + ph - ((Math.log10(v) - dMin) / (dMax - dMin)) * ph;
  const o = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  o.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  o.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">ringjit: slowdown relative to native (lower is better, log scale)</text>`);
  o.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">${esc(machine.cpu)} · ${machine.cores} cores · node ${esc(machine.node)} · ${esc(machine.date.slice(0, 10))}${cfg.quick ? ' · --quick' : ''} · best of ${cfg.reps}${cfg.interpReps !== cfg.reps ? ` (interp ${cfg.interpReps})` : ''}</text>`);
  // grid and axis
  for (let d = dMin; d <= dMax; d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (Math.log10(v) > dMax + 1e-9) continue;
      const yy = y(v).toFixed(1);
      o.push(`<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" stroke="${m === 1 ? '#bbb' : '#e6e6e6'}" stroke-width="1"/>`);
      if (m === 1 || dMax - dMin <= 3) o.push(`<text x="${left - 6}" y="${(+yy + 4).toFixed(1)}" text-anchor="end" fill="${m === 1 ? '#222' : '#888'}">${v >= 1 ? v : v.toPrecision(1)}x</text>`);
    }
  }
  o.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + ph}" stroke="#222"/>`);
  o.push(`<line x1="${left}" x2="${W - right}" y1="${top + ph}" y2="${top + ph}" stroke="#222"/>`);
  o.push(`<text transform="translate(18 ${top + ph / 2}) rotate(-90)" text-anchor="middle">time / native time</text>`);
  // bars
  const gw = pw / groups.length, bw = Math.min(30, (gw - 18) / 2);
  groups.forEach((gr, k) => {
    const x0 = left + k * gw + (gw - 2 * bw) / 2;
    if (gr.geo) o.push(`<rect x="${(left + k * gw + 2).toFixed(1)}" y="${top}" width="${(gw - 4).toFixed(1)}" height="${ph}" fill="#f3f3f3"/>`);
    series.forEach((s, j) => {
      const v = gr[s.key];
      const x = x0 + j * bw;
      if (v == null || !(v > 0)) {
        const st = gr.r?.engines?.[s.key]?.status;
        const why = st === 'MISMATCH' ? 'mismatch' : st === 'timeout' ? 'timeout' : st && st !== 'ok' ? 'failed' : 'n/a';
        o.push(`<text x="${(x + bw / 2).toFixed(1)}" y="${top + ph - 6}" text-anchor="middle" font-size="10" fill="${why === 'n/a' ? '#888' : '#c00'}" transform="rotate(-90 ${(x + bw / 2).toFixed(1)} ${top + ph - 6})" dx="4" dy="3">${why}</text>`);
        return;
      }
      const yy = y(Math.max(v, 10 ** dMin));
      o.push(`<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(top + ph - yy).toFixed(1)}" fill="${s.color}"><title>${esc(gr.label)} ${esc(s.name)}: ${fmtR(v)}</title></rect>`);
      o.push(`<text x="${(x + (bw - 2) / 2).toFixed(1)}" y="${(yy - 4).toFixed(1)}" text-anchor="middle" font-size="10">${fmtShort(v)}</text>`);
    });
    const cx = left + k * gw + gw / 2;
    o.push(`<text x="${cx.toFixed(1)}" y="${top + ph + 16}" text-anchor="middle" font-weight="${gr.geo ? 'bold' : 'normal'}">${esc(gr.label)}</text>`);
    if (gr.sub) o.push(`<text x="${cx.toFixed(1)}" y="${top + ph + 30}" text-anchor="middle" font-size="10" fill="#777">${esc(gr.sub)}</text>`);
  });
  // the translator's target for issue 3 (geomean <= 12x native), over the bars
  const yt = y(JIT_TARGET).toFixed(1);
  o.push(`<line x1="${left}" x2="${W - right}" y1="${yt}" y2="${yt}" stroke="#1b3f66" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  o.push(`<line x1="${left + 300}" x2="${left + 330}" y1="${H - 47}" y2="${H - 47}" stroke="#1b3f66" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  o.push(`<text x="${left + 336}" y="${H - 43}">jit target: geomean &lt;= ${JIT_TARGET}x native (issue 3)</text>`);
  // legend
  series.forEach((s, j) => {
    const lx = left + j * 150, ly = H - 44;
    o.push(`<rect x="${lx}" y="${ly - 10}" width="14" height="14" fill="${s.color}"/><text x="${lx + 20}" y="${ly + 1}">${esc(s.name)}</text>`);
  });
  const gj = g.jitNative.value, gi = g.interpJit.value;
  o.push(`<text x="${left}" y="${H - 14}" fill="#333">geomean: jit ${fmtR(gj) || 'n/a'} native · interp ${fmtR(g.interpNative.value) || 'n/a'} native · jit ${fmtR(gi) || 'n/a'} faster than interp</text>`);
  o.push('</svg>');
  return o.join('\n') + '\n';
}
