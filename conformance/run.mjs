#!/usr/bin/env node
// Runs the conformance cases (conformance/cases.mjs) against an OCI runtime
// binary and prints a per-field pass/fail table.
//
//   RUNTIME=/usr/sbin/runc node conformance/run.mjs     # any runc-compatible runtime
//   RUNTIME=bin/ocirun node conformance/run.mjs         # the default
//   node conformance/run.mjs --compare                  # RUNTIME and the reference (runc) side by side
//   node conformance/run.mjs --filter seccomp -v        # cases whose field/name match; -v: why they failed
//   node conformance/run.mjs --json                     # machine-readable results
//
// Exit status: 1 iff a case fails for the runtime under test ($RUNTIME);
// the reference column of --compare is informative only. 2: usage error.
// Needs root (real containers), like the runtimes themselves.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OCIRUN, RUNC, REPO, runSuite } from './lib.mjs';
import { selectCases } from './cases.mjs';

function usage(msg) {
  if (msg) console.error(`run.mjs: ${msg}`);
  console.error('usage: [RUNTIME=path] [REFERENCE=path] node conformance/run.mjs [--compare] [--filter REGEX] [--json] [-v]');
  process.exit(2);
}

const argv = process.argv.slice(2);
const opts = { compare: false, json: false, verbose: false, filter: undefined };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--compare') opts.compare = true;
  else if (a === '--json') opts.json = true;
  else if (a === '-v' || a === '--verbose') opts.verbose = true;
  else if (a === '--filter') opts.filter = new RegExp(argv[++i] ?? usage('--filter needs a regex'), 'i');
  else if (a === '-h' || a === '--help') usage();
  else usage(`unknown argument ${a}`);
}

const resolveBin = (p) => (p.includes('/') ? path.resolve(p) : p);
const runtime = resolveBin(process.env.RUNTIME || OCIRUN);
const reference = resolveBin(process.env.REFERENCE || RUNC);
const label = (p) => (path.resolve(p) === OCIRUN ? 'ocirun' : path.basename(p));
if (process.getuid?.() !== 0) usage('must run as root (it starts real containers)');
if (runtime.includes('/') && !fs.existsSync(runtime)) usage(`RUNTIME ${runtime} does not exist`);
if (!fs.existsSync(path.join(REPO, 'bundles/busybox/rootfs'))) usage('no busybox bundle: run bash scripts/make-bundle.sh first');

const cases = selectCases(opts.filter);
const runtimes = [[label(runtime), runtime]];
if (opts.compare) runtimes.push([`${label(reference)} (reference)`, reference]);

const results = {};
for (const [name, bin] of runtimes) {
  if (!opts.json) process.stderr.write(`${name}: `);
  results[name] = await runSuite(cases, bin, {
    onResult: (r) => { if (!opts.json) process.stderr.write(r.pass ? '.' : 'F'); },
  });
  if (!opts.json) process.stderr.write('\n');
}

const names = runtimes.map(([n]) => n);
if (opts.json) {
  console.log(JSON.stringify(cases.map((c, i) => ({
    field: c.field, name: c.name,
    ...Object.fromEntries(names.map((n) => [n, { pass: results[n][i].pass, problems: results[n][i].problems }])),
  })), null, 2));
} else {
  const rows = cases.map((c, i) => [c.field, c.name, ...names.map((n) => (results[n][i].pass ? 'pass' : 'FAIL'))]);
  const head = ['field', 'case', ...names];
  const width = head.map((h, k) => Math.min(k === 1 ? 70 : 40, Math.max(h.length, ...rows.map((r) => r[k].length))));
  const fmt = (r) => r.map((x, k) => (x.length > width[k] ? `${x.slice(0, width[k] - 1)}~` : x.padEnd(width[k]))).join('  ').trimEnd();
  console.log(fmt(head));
  console.log(width.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(fmt(r));
  console.log('');
  for (const n of names) {
    const failed = results[n].filter((r) => !r.pass);
    console.log(`${n}: ${results[n].length - failed.length}/${results[n].length} passed`);
    if (opts.verbose || n === names[0]) {
      for (const f of failed) console.log(`  FAIL ${f.case.field}: ${f.case.name}\n    ${f.problems.join('\n    ')}`);
    }
  }
}
process.exit(results[names[0]].every((r) => r.pass) ? 0 : 1);
