// Tables of bench/interleave.mjs's samples: medians of wall and CPU time per
// operation and runtime, and ocirun's ratios against runc and crun.
//   node bench/interleave-report.mjs bundles/bench-results/interleave.json
import { readFileSync } from 'node:fs';

const { meta, names, samples, par } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const others = names.filter((n) => n !== 'ocirun');
const hasO = names.includes('ocirun');

function table(title, rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(rows[0]));
  console.log(`|${w.map((x, i) => (i ? `${'-'.repeat(x + 1)}:` : '-'.repeat(x + 2))).join('|')}|`);
  for (const r of rows.slice(1)) console.log(line(r));
}
function section(title, data, unit) {
  for (const k of ['wall', 'cpu']) {
    const head = ['operation', ...names.map((n) => `${n} (ms)`), ...(hasO ? others.map((n) => `ocirun/${n}`) : [])];
    const rows = [head];
    for (const [op, by] of Object.entries(data)) {
      if (op === 'wrap') continue;
      const med = Object.fromEntries(names.map((n) => [n, median((by[n] ?? []).map((s) => s[k]))]));
      rows.push([op, ...names.map((n) => (Number.isNaN(med[n]) ? 'n/a' : med[n].toFixed(unit))),
        ...(hasO ? others.map((n) => (med.ocirun && med[n] ? `${(med.ocirun / med[n]).toFixed(2)}×` : 'n/a')) : [])]);
    }
    table(`${title}: ${k === 'wall' ? 'wall time' : 'CPU time (user+sys of the runtime and what it reaped)'}, medians`, rows);
  }
}
console.log(`# interleaved: ${meta.date}, cgroup ${meta.cgroup}, kernel ${meta.kernel}, load ${meta.load}`);
console.log(`${meta.runs} rounds; ${Object.entries(meta.versions).map(([n, v]) => `${n}: ${v}`).join('; ')}`);
section('Per call', samples, 2);
if (samples.wrap?.crun?.length) {
  const w = median(samples.wrap.crun.map((s) => s.wall)), c = median(samples.wrap.crun.map((s) => s.cpu));
  console.log(`\ncrun's calls include its hybrid-host wrapper (unshare -m + tmpfs), alone ${w.toFixed(2)} ms wall, ${c.toFixed(2)} ms CPU.`);
}
if (par && Object.keys(par).length) section(`${meta.parallel} at once (distinct ids for create; into one container for exec), ${meta.parallelRuns} rounds`, par, 0);
