#!/usr/bin/env node
// Summarise bench/run.sh's hyperfine exports as a Markdown table.
//   node bench/report.mjs RESULTS_DIR RUNTIME...
// reads RESULTS_DIR/<op>-<runtime>.json (hyperfine --export-json).
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...runtimes] = process.argv.slice(2);
if (!dir || runtimes.length === 0) {
  console.error('usage: report.mjs RESULTS_DIR RUNTIME...');
  process.exit(2);
}
const OPS = ['run', 'create', 'start', 'state', 'delete'];

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
