#!/usr/bin/env node
// Summarise bench/run.sh's hyperfine exports as a Markdown table.
//   node bench/report.mjs RESULTS_DIR RUNTIME...
// reads RESULTS_DIR/<op>-<runtime>.json (hyperfine --export-json),
// launcher.json (hyperfine: bun -e 0 (or node's), ocirun --version) and
// throughput-<runtime>.json ({n, runs: [{create_us, delete_us}]}).
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...runtimes] = process.argv.slice(2);
if (!dir || runtimes.length === 0) {
  console.error('usage: report.mjs RESULTS_DIR RUNTIME...');
  process.exit(2);
}
const OPS = ['run', 'create', 'start', 'state', 'kill', 'delete', 'delete-stopped'];

function load(op, rt) {
  const f = join(dir, `${op}-${rt}.json`);
  if (!existsSync(f)) return null;
  const r = JSON.parse(readFileSync(f, 'utf8')).results[0];
  return { mean: r.mean * 1e3, stddev: (r.stddev ?? 0) * 1e3, median: r.median * 1e3, n: r.times.length };
}
const fmt = (r) => (r ? `${r.mean.toFixed(2)} ± ${r.stddev.toFixed(2)}` : 'n/a');

const hasRatio = runtimes.includes('runc') && runtimes.includes('ocirun');
const header = ['operation', ...runtimes.map((rt) => `${rt} (ms)`)];
if (hasRatio) header.push('ocirun/runc');
const rows = [header];
for (const op of OPS) {
  const res = Object.fromEntries(runtimes.map((rt) => [rt, load(op, rt)]));
  const row = [op, ...runtimes.map((rt) => fmt(res[rt]))];
  if (hasRatio) {
    row.push(res.runc && res.ocirun ? `${(res.ocirun.mean / res.runc.mean).toFixed(2)}×` : 'n/a');
  }
  rows.push(row);
}

const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(line(rows[0]));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const r of rows.slice(1)) console.log(line(r));
console.log('\nmean ± stddev in milliseconds (hyperfine, timed command run without a shell, -N).');

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
  const ratio = (k) => (tp.runc && tp.ocirun ? `${(median(tp.ocirun.runs.map((r) => r[k])) / median(tp.runc.runs.map((r) => r[k]))).toFixed(2)}×` : 'n/a');
  const th = [`${n} at once`, ...runtimes.map((rt) => `${rt} (ms)`)];
  if (hasRatio) th.push('ocirun/runc');
  const trows = [th];
  for (const [k, label] of [['create_us', 'create'], ['delete_us', 'delete --force']]) {
    const r = [label, ...runtimes.map((rt) => cell(rt, k))];
    if (hasRatio) r.push(ratio(k));
    trows.push(r);
  }
  const tw = th.map((_, i) => Math.max(...trows.map((r) => r[i].length)));
  const tline = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(tw[i]) : c.padStart(tw[i]))).join(' | ')} |`;
  console.log('\n## Throughput\n');
  console.log(tline(trows[0]));
  console.log(`|${tw.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of trows.slice(1)) console.log(tline(r));
  console.log(`\nwall time until all ${n} calls (distinct ids, started together in the background) finished; median of ${runs}.`);
}
