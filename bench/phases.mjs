#!/usr/bin/env node
// Per-phase breakdown of ocirun from bench/run.sh's --debug runs.
//   node bench/phases.mjs DIR OP...
// reads DIR/<op>-<i>.log: the stderr of one `ocirun --debug <op>` each, lines
//   time="…" level=debug msg="[ns] +<ms>ms <what>"   (runc's text shape;
//   older runs: ocirun: debug: [ns] +<ms>ms <what>; or DEBUG=ocirun:* lines
//   [date] ocirun:ns +<ms>ms <what>)
// where <ms> is the time since the interpreter (bun, or node) started;
// bench/mark.cjs adds "interpreter bootstrapped" (before ocirun's first
// module) and "exit".
//
// Marks are put in order by their median time; each cell is the median over
// the runs of (this mark - the previous mark of that column), in ms.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...ops] = process.argv.slice(2);
if (!dir || ops.length === 0) {
  console.error('usage: phases.mjs DIR OP...');
  process.exit(2);
}

const LINE = /(?:\[(\w+)\]|ocirun:(\w+)) \+(\d+(?:\.\d+)?)ms (.*?)"?$/;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One run's marks: name -> ms since process start (first occurrence). */
function parseRun(text) {
  const marks = new Map();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    let what = m[4].trim();
    if (/^init pid \d+$/.test(what)) continue; // races the init's own marks; "created" follows
    what = what.replace(/^\w+: modules loaded$/, 'modules loaded').replace(/^created pid \d+$/, 'created');
    if (!marks.has(what)) marks.set(what, Number(m[3]));
  }
  return marks;
}

const LABEL = {
  'interpreter bootstrapped': 'interpreter start (exec -> first module)',
  'modules loaded': 'load ocirun modules, parse argv',
  exit: 'rest of the command, until exit',
};

const columns = [];
for (const op of ops) {
  const runs = readdirSync(dir)
    .filter((f) => new RegExp(`^${op}-\\d+\\.log$`).test(f))
    .map((f) => parseRun(readFileSync(join(dir, f), 'utf8')))
    .filter((r) => r.size > 0);
  if (runs.length === 0) continue;
  const names = [...new Set(runs.flatMap((r) => [...r.keys()]))];
  const at = Object.fromEntries(names.map((n) => [n, median(runs.filter((r) => r.has(n)).map((r) => r.get(n)))]));
  names.sort((a, b) => at[a] - at[b]);
  const phase = new Map();
  names.forEach((n, i) => {
    const prev = names[i - 1];
    const d = runs.filter((r) => r.has(n) && (!prev || r.has(prev))).map((r) => r.get(n) - (prev ? r.get(prev) : 0));
    if (d.length) phase.set(n, median(d));
  });
  columns.push({ op, n: runs.length, names, phase, total: runs.every((r) => r.has('exit')) ? median(runs.map((r) => r.get('exit'))) : undefined });
}
if (columns.length === 0) {
  console.log('(no --debug runs to break down)');
  process.exit(0);
}

// Rows: every mark, in the order of the column that has the most of them.
const order = [];
for (const c of [...columns].sort((a, b) => b.names.length - a.names.length)) {
  for (const [i, n] of c.names.entries()) {
    if (order.includes(n)) continue;
    const after = c.names.slice(0, i).reverse().find((p) => order.includes(p));
    order.splice(after ? order.indexOf(after) + 1 : 0, 0, n);
  }
}

const header = ['phase (ends at mark)', ...columns.map((c) => c.op)];
const rows = [header];
for (const n of order) {
  rows.push([LABEL[n] ?? n, ...columns.map((c) => (c.phase.has(n) ? c.phase.get(n).toFixed(2) : ''))]);
}
rows.push(['total: process start -> exit', ...columns.map((c) => (c.total === undefined ? 'n/a' : c.total.toFixed(2)))]);
const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(line(rows[0]));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const r of rows.slice(1)) console.log(line(r));
console.log(`\nocirun --debug, median ms of each phase over ${[...new Set(columns.map((c) => c.n))].join('/')} runs; `
  + 'a phase runs from the previous mark of its column to its own. "init:" marks are the '
  + "container init's clock (clone .. exec); the total is the median time of process exit "
  + '(after the interpreter started: the front and its exec come before, see the launcher line).');
