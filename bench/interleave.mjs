// Interleaved wall + CPU time of ocirun, runc and crun, call by call.
// Not part of the test suite. Needs root. Runs on the pinned bun (its
// spawnSync reports the rusage of the child's whole reaped tree):
//
//   node_modules/@oven/bun-linux-x64/bin/bun bench/interleave.mjs
//   (or: bash bench/interleave.sh, bash bench/vm.sh for cgroup v2 in the VM)
//
// Environment:
//   RUNS=N        rounds (default 30, after WARMUP=3); in each round every
//                 operation is timed once per runtime, the runtimes in a
//                 rotating order, so load drifts hit all of them alike
//   RUNTIMES="ocirun runc crun"   which, in this order (missing ones skipped)
//   OPS="run create start state kill delete exec"
//   PARALLEL=N    then N creates / N execs started at once (default 50; 0 skips)
//   PARALLEL_RUNS=R  rounds of that (default 3), rotating
//   BENCH_OUT=FILE   JSON of every sample (default bundles/bench-results/interleave.json),
//                 rewritten after every PROGRESS rounds, so a run cut short leaves
//                 its rounds so far (node bench/interleave-report.mjs FILE)
//   PROGRESS=N    print the medians so far every N rounds (default 10)
//   SECCOMP=docker   every bundle with Docker's default seccomp profile
//   OCIRUN=PATH   the ocirun measured (default bin/ocirun; bench/vm.sh gives a
//                 copy on the guest's tmpfs)
//   EXTRA="NAME=PATH ..."  more ocirun builds, each a runtime NAME to list in
//                 RUNTIMES (before/after a change in one run: bench/vm.sh BUILDS)
//
// Wall time: from spawn to exit of the runtime's command. CPU time: user+sys
// of that command and every descendant it reaped (wait4's rusage). The
// container's own process counts only where the runtime reaps it: in `run`
// (all three wait for `true`) but not in `create`, whose init lives on.
// crun on a hybrid host (v1 + a v2 mount at /sys/fs/cgroup/unified) refuses to
// run; it goes through `unshare -m` + a tmpfs over that mount, as bench/run.sh
// does, and that wrapper alone is timed as the pseudo-operation "wrap".
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, statfsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { REPO, which, hybrid, CRUN_WRAP, makeBundles } from './common.mjs';

const env = process.env;
const RUNS = +(env.RUNS ?? 30);
const WARMUP = +(env.WARMUP ?? 3);
const PARALLEL = +(env.PARALLEL ?? 50);
const PARALLEL_RUNS = +(env.PARALLEL_RUNS ?? 3);
const OPS = (env.OPS ?? 'run create start state kill delete exec').split(/\s+/).filter(Boolean);
const OUT = env.BENCH_OUT ?? join(REPO, 'bundles/bench-results/interleave.json');
const PROGRESS = Math.max(1, +(env.PROGRESS ?? 10));
// Each runtime's containers have ids (and so default cgroup paths) of their
// own: with one id, crun's container joined the cgroup of ocirun's created
// one and each runtime's delete met the other's process there.
const ID = `ilv-${process.pid}`;
const idOf = (n) => `${ID}-${n}`;
if (typeof Bun === 'undefined') {
  console.error('interleave: run me with bun (node_modules/@oven/bun-linux-x64/bin/bun)');
  process.exit(2);
}

const WORK = mkdtempSync(join(tmpdir(), 'ocirun-ilv.'));
const WRAP = CRUN_WRAP;

const known = {
  ocirun: [env.OCIRUN || join(REPO, 'bin/ocirun')],
  runc: [which('runc')],
  crun: [...WRAP, which('crun')],
};
for (const kv of (env.EXTRA ?? '').split(/\s+/).filter(Boolean)) {
  const i = kv.indexOf('=');
  if (i > 0) known[kv.slice(0, i)] = [kv.slice(i + 1)];
}
const wanted = (env.RUNTIMES ?? 'ocirun runc crun').split(/\s+/).filter(Boolean);

// Two bundles: `true` (run/create/...) and a long `sleep` to exec into.
const { B, S } = makeBundles(WORK);

// stdio all /dev/null: a created or detached container inherits the runtime's
// stdio, and a pipe there would not see EOF until the container exits.
function call(argv, { quiet = true } = {}) {
  const t0 = performance.now();
  const r = Bun.spawnSync(argv, { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
  const wall = performance.now() - t0;
  const u = r.resourceUsage?.cpuTime;
  const cpu = u ? Number(u.user + u.system) / 1e3 : NaN; // µs -> ms
  if (!r.success && !quiet) throw new Error(`${argv.join(' ')}: exit ${r.exitCode}`);
  return { ok: r.success, wall, cpu, err: `exit ${r.exitCode}` };
}

const rt = {};
for (const name of wanted) {
  const bin = known[name];
  if (!bin || !bin[bin.length - 1]) { console.error(`interleave: ${name}: not found, skipped`); continue; }
  const p = [...bin, '--root', join(WORK, `root-${name}`)];
  const c = call([...p, 'run', '--bundle', B, `${ID}-chk`]);
  if (!c.ok) { console.error(`interleave: ${name}: a test run failed, skipped: ${c.err.trim().split('\n').pop()}`); call([...p, 'delete', '--force', `${ID}-chk`]); continue; }
  rt[name] = p;
}
const names = Object.keys(rt);
const sleeper = (n) => `${ID}-sleep-${n}`;
const cleanup = () => {
  for (const n of names) {
    for (const id of [idOf(n), sleeper(n), ...Array.from({ length: PARALLEL }, (_, i) => `${idOf(n)}-p${i}`)]) call([...rt[n], 'delete', '--force', id]);
  }
  rmSync(WORK, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

// op -> { prepare(p), argv(p, name) }
const del = (p, n) => call([...p, 'delete', '--force', idOf(n)]);
const create = (p, n) => { del(p, n); call([...p, 'create', '--bundle', B, idOf(n)], { quiet: false }); };
const OPDEF = {
  run: { prepare: del, argv: (p, n) => [...p, 'run', '--bundle', B, idOf(n)] },
  create: { prepare: del, argv: (p, n) => [...p, 'create', '--bundle', B, idOf(n)] },
  start: { prepare: create, argv: (p, n) => [...p, 'start', idOf(n)] },
  state: { prepare: create, argv: (p, n) => [...p, 'state', idOf(n)] },
  kill: { prepare: create, argv: (p, n) => [...p, 'kill', idOf(n), 'KILL'] },
  delete: { prepare: create, argv: (p, n) => [...p, 'delete', '--force', idOf(n)] },
  exec: { prepare: () => {}, argv: (p, n) => [...p, 'exec', sleeper(n), 'true'] },
};
if (OPS.includes('exec')) {
  for (const n of names) {
    call([...rt[n], 'delete', '--force', sleeper(n)]);
    call([...rt[n], 'run', '--detach', '--bundle', S, sleeper(n)], { quiet: false });
  }
}

const samples = {}; // op -> name -> [{wall, cpu}]
const ops = [...OPS, ...(WRAP.length && names.includes('crun') ? ['wrap'] : [])];
for (const op of ops) samples[op] = Object.fromEntries(names.map((n) => [n, []]));
let failed = 0;
const meta = () => ({
  date: new Date().toISOString(), runs: RUNS, parallel: PARALLEL, parallelRuns: PARALLEL_RUNS,
  cgroup: hybrid ? 'v1 hybrid' : statfsSync('/sys/fs/cgroup').type === 0x63677270 ? 'v2' : 'v1',
  load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
  versions,
});
const versions = Object.fromEntries(names.map((n) => {
  const v = Bun.spawnSync([...rt[n].slice(0, -2), '--version'], { stdin: 'ignore', stderr: 'ignore' });
  return [n, v.success ? v.stdout.toString().split('\n')[0] : '?'];
}));
const save = (par) => {
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify({ meta: meta(), names, samples, par }, null, 1));
};
// After every PROGRESS rounds: the samples so far to OUT, and one line per
// operation of medians (wall / CPU, ms) and ocirun's wall ratios.
function progress(done) {
  save({});
  const med = (xs) => { const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[(s.length >> 1) - 1] + s[s.length >> 1]) / 2) : NaN; };
  console.error(`interleave: ${done}/${RUNS} rounds, medians so far (wall/CPU ms), saved to ${OUT}`);
  for (const op of ops) {
    const m = Object.fromEntries(names.map((n) => [n, ['wall', 'cpu'].map((k) => med(samples[op][n].map((x) => x[k])))]));
    const cells = names.filter((n) => samples[op][n].length).map((n) => `${n} ${m[n][0].toFixed(1)}/${m[n][1].toFixed(1)}`);
    const ratios = m.ocirun && op !== 'wrap' ? names.filter((n) => n !== 'ocirun' && samples[op][n].length)
      .map((n) => `ocirun/${n} ${(m.ocirun[0] / m[n][0]).toFixed(2)}×/${(m.ocirun[1] / m[n][1]).toFixed(2)}×`) : [];
    console.error(`  ${op.padEnd(6)} ${cells.join('  ')}${ratios.length ? `   ${ratios.join('  ')}` : ''}`);
  }
}
try {
  for (let round = -WARMUP; round < RUNS; round++) {
    for (const op of ops) {
      for (let k = 0; k < names.length; k++) {
        const n = names[(k + round + WARMUP) % names.length];
        if (op === 'wrap') {
          if (n !== 'crun') continue;
          const r = call([...WRAP, 'true']);
          if (round >= 0) samples.wrap.crun.push({ wall: r.wall, cpu: r.cpu });
          continue;
        }
        const d = OPDEF[op];
        d.prepare(rt[n], n);
        const r = call(d.argv(rt[n], n));
        if (!r.ok) { failed++; console.error(`interleave: ${n} ${op}: ${r.err.trim().split('\n').pop()}`); continue; }
        if (round >= 0) samples[op][n].push({ wall: r.wall, cpu: r.cpu });
      }
    }
    for (const n of names) del(rt[n], n);
    if (round >= 0 && ((round + 1) % PROGRESS === 0 || round + 1 === RUNS)) progress(round + 1);
  }

  // N at once: creates (then deleted, untimed), and execs into the sleeper.
  const par = {};
  for (let r = 0; PARALLEL > 0 && r < PARALLEL_RUNS; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + r) % names.length], p = rt[n];
      for (const what of ['create', 'exec']) {
        const ids = Array.from({ length: PARALLEL }, (_, i) => `${idOf(n)}-p${i}`);
        const t0 = performance.now();
        const procs = ids.map((id) => Bun.spawn(what === 'create' ? [...p, 'create', '--bundle', B, id] : [...p, 'exec', sleeper(n), 'true'],
          { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' }));
        const codes = await Promise.all(procs.map((x) => x.exited));
        const wall = performance.now() - t0;
        const cpu = procs.reduce((s, x) => { const u = x.resourceUsage()?.cpuTime; return s + (u ? Number(u.user + u.system) / 1e3 : NaN); }, 0);
        const bad = codes.filter((c) => c !== 0).length;
        if (bad) { failed++; console.error(`interleave: ${n} ${PARALLEL} ${what}s at once: ${bad} failed`); }
        ((par[what] ??= {})[n] ??= []).push({ wall, cpu });
        console.error(`interleave: ${n} ${PARALLEL} ${what}s at once: ${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU`);
        if (what === 'create') await Promise.all(ids.map((id) => Bun.spawn([...p, 'delete', '--force', id], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' }).exited));
      }
    }
  }

  save(par);
  execFileSync(process.execPath, [join(REPO, 'bench/interleave-report.mjs'), OUT], { stdio: 'inherit' });
} finally {
  cleanup();
}
process.exit(failed ? 1 : 0);
