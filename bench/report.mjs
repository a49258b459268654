#!/usr/bin/env node
// Summarise bench/run.sh's hyperfine exports as a Markdown table.
//   node bench/report.mjs RESULTS_DIR RUNTIME...
// reads RESULTS_DIR/<op>-<runtime>.json (hyperfine --export-json),
// launcher.json (hyperfine: bun -e 0 (or node's), ocirun --version) and
// throughput-<runtime>.json ({n, runs: [{create_us, delete_us}]}).
// Wall and CPU time per operation, ratios of ocirun to runc and to crun.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...runtimes] = process.argv.slice(2);
if (!dir || runtimes.length === 0) {
  console.error('usage: report.mjs RESULTS_DIR RUNTIME...');
  process.exit(2);
}
const OPS = ['run', 'create', 'start', 'state', 'kill', 'delete', 'delete-stopped', 'exec'];

function load(op, rt) {
  const f = join(dir, `${op}-${rt}.json`);
  if (!existsSync(f)) return null;
  const r = JSON.parse(readFileSync(f, 'utf8')).results[0];
  // user + system: hyperfine's rusage of the command and what it reaped
  return { mean: r.mean * 1e3, stddev: (r.stddev ?? 0) * 1e3, median: r.median * 1e3, n: r.times.length, cpu: (r.user + r.system) * 1e3 };
}
const fmt = (r) => (r ? `${r.mean.toFixed(2)} ± ${r.stddev.toFixed(2)}` : 'n/a');

// ocirun against each other runtime measured (runc, crun)
const others = runtimes.includes('ocirun') ? runtimes.filter((rt) => rt === 'runc' || rt === 'crun') : [];
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a');
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(rows[0]));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows.slice(1)) console.log(line(r));
}
const res = Object.fromEntries(OPS.map((op) => [op, Object.fromEntries(runtimes.map((rt) => [rt, load(op, rt)]))]));
const present = OPS.filter((op) => runtimes.some((rt) => res[op][rt]));
table([
  ['operation', ...runtimes.map((rt) => `${rt} (ms)`), ...others.map((o) => `ocirun/${o}`)],
  ...present.map((op) => [op, ...runtimes.map((rt) => fmt(res[op][rt])), ...others.map((o) => ratio(res[op].ocirun?.mean, res[op][o]?.mean))]),
]);
console.log('\nmean ± stddev in milliseconds (hyperfine, timed command run without a shell, -N).\n');
table([
  ['CPU (user+sys)', ...runtimes.map((rt) => `${rt} (ms)`), ...others.map((o) => `ocirun/${o}`)],
  ...present.map((op) => [op, ...runtimes.map((rt) => (res[op][rt] ? res[op][rt].cpu.toFixed(2) : 'n/a')), ...others.map((o) => ratio(res[op].ocirun?.cpu, res[op][o]?.cpu))]),
]);
console.log('\nmean CPU time per call in milliseconds: user+sys of the command and of the children it reaped'
  + ' (hyperfine\'s rusage; for `run` that includes the container\'s `true`, for `create` not the init, which lives on).');

const wrap = load('wrapper', 'crun');
if (wrap) {
  console.log(`crun numbers include its hybrid-cgroup workaround (unshare -m + mount tmpfs), which alone costs ${fmt(wrap)} ms per call.`);
}

const launcherFile = join(dir, 'launcher.json');
if (existsSync(launcherFile)) {
  const [bare, ver] = JSON.parse(readFileSync(launcherFile, 'utf8')).results;
  const [b, v] = [bare.mean * 1e3, ver.mean * 1e3];
  console.log(`\nLauncher: \`ocirun --version\` ${v.toFixed(2)} ms - \`${bare.command.replace(/^.*\//, '')}\` ${b.toFixed(2)} ms = ${(v - b).toFixed(2)} ms per call that goes to the CLI (native front + loading ocirun).`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const tp = Object.fromEntries(runtimes.map((rt) => {
  const f = join(dir, `throughput-${rt}.json`);
  return [rt, existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null];
}).filter(([, v]) => v && v.runs.length));
if (Object.keys(tp).length) {
  const n = Object.values(tp)[0].n;
  const runs = Object.values(tp)[0].runs.length;
  const cell = (rt, k) => (tp[rt] ? (median(tp[rt].runs.map((r) => r[k])) / 1e3).toFixed(0) : 'n/a');
  const med = (rt, k) => (tp[rt] ? median(tp[rt].runs.map((r) => r[k])) : 0);
  console.log('\n## Throughput\n');
  table([
    [`${n} at once`, ...runtimes.map((rt) => `${rt} (ms)`), ...others.map((o) => `ocirun/${o}`)],
    ...[['create_us', 'create'], ['delete_us', 'delete --force']].map(([k, label]) => [label, ...runtimes.map((rt) => cell(rt, k)), ...others.map((o) => ratio(med('ocirun', k), med(o, k)))]),
  ]);
  console.log(`\nwall time until all ${n} calls (distinct ids, started together in the background) finished; median of ${runs}.`);
}
