#!/usr/bin/env node
// The same phase boundaries for ocirun, runc and crun, taken the same way:
// from `strace -f -ttt` of each call (only clone, clone3, fork, vfork,
// execve, execveat and pivot_root are traced, with --seccomp-bpf so that the
// other system calls run untraced). Not part of the test suite. Needs root
// and strace (installed from Debian when missing).
//
//   node bench/phases-compare.mjs      RUNS=N (default 10, after 1 warm-up),
//                                      OPS="run create exec", RUNTIMES="ocirun runc crun",
//                                      OCIRUN=PATH, PHC_DEBUG=1 (names each call)
//
// strace slows every traced process (each traced call stops it, and every
// clone and exec is followed), runc's Go threads and bun's more than crun's
// single thread: compare the phases with one another and between the
// runtimes as ratios, not the absolute times (bench/interleave.sh has those).
//
// The marks, each the time strace saw the call (its start):
//   exec      the runtime's own execve (crun: of the crun binary, after its
//             hybrid-host wrapper, whose unshare, sh and mount are left out;
//             ocirun: of bin/ocirun, the native front, which execs the CLI)
//   clone     the runtime's first clone of a process (not a thread): ocirun's
//             helper that clones the init, runc's fork of `runc init`, crun's
//             clone of the init itself
//   init      the clone of the process that becomes the container's process
//             (the one that pivot_roots, or for exec the one that execs `true`)
//   pivot     its pivot_root (not in exec)
//   execve    its execve of the container's program, `true` (not in create;
//             ocirun execs it from its trampoline, runc from `runc init`)
//   exit      the runtime's process exits (run: after `true` exited and the
//             container was deleted; create: the init waits for start)
// A phase is the time from one mark to the next that the operation has; the
// cells are medians over the runs, in ms. The runtimes run in a rotating
// order in each round.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { REPO, which, hybrid, CRUN_WRAP, makeBundles } from './common.mjs';

const env = process.env;
const RUNS = +(env.RUNS ?? 10);
const WARMUP = +(env.WARMUP ?? 1);
const OPS = (env.OPS ?? 'run create exec').split(/\s+/).filter(Boolean);
const ID = `phc-${process.pid}`;
if (!which('strace')) {
  console.error('phases-compare: installing strace from Debian');
  spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', 'strace'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!which('strace')) { console.error('phases-compare: needs strace'); process.exit(2); }
}

const WORK = mkdtempSync(join(tmpdir(), 'ocirun-phc.'));
const WRAP = CRUN_WRAP; // crun on a hybrid host (bench/common.mjs)
const bins = { ocirun: env.OCIRUN || join(REPO, 'bin/ocirun'), runc: which('runc'), crun: which('crun') };
const wanted = (env.RUNTIMES ?? 'ocirun runc crun').split(/\s+/).filter(Boolean);

const { B, S } = makeBundles(WORK);

const rt = {};
const argv = (n, ...a) => [...(n === 'crun' ? WRAP : []), bins[n], '--root', join(WORK, `root-${n}`), ...a];
const quiet = (a) => spawnSync(a[0], a.slice(1), { stdio: 'ignore' });
for (const n of wanted) {
  if (!bins[n]) { console.error(`phases-compare: ${n}: not found, skipped`); continue; }
  if (quiet(argv(n, 'run', '--bundle', B, `${ID}-chk`)).status !== 0) {
    console.error(`phases-compare: ${n}: a test run failed, skipped`);
    quiet(argv(n, 'delete', '--force', `${ID}-chk`));
    continue;
  }
  rt[n] = true;
}
const names = Object.keys(rt);
// (one per runtime: without a cgroupsPath each runtime's cgroup is /<id>)
const sleeper = (n) => `${ID}-sleep-${n}`;
const cleanup = () => {
  for (const n of names) for (const id of [ID, sleeper(n)]) quiet(argv(n, 'delete', '--force', id));
  rmSync(WORK, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

/** Marks of one strace log (seconds), given the runtime binary's path. */
function marks(text, bin) {
  const pending = new Map(); // pid -> {t, thread} of its unfinished clone
  const born = new Map(); // child pid -> {t, thread}
  const m = {};
  let main;
  const LINE = /^(\d+) +(\d+\.\d+) (.*)$/; // (strace pads the pid)
  for (const line of text.split('\n')) {
    const l = LINE.exec(line);
    if (!l) continue;
    const pid = +l[1], t = +l[2], rest = l[3];
    let c;
    if ((c = /^(clone3?|v?fork)\((.*)$/.exec(rest))) {
      const thread = /CLONE_THREAD/.test(c[2]);
      const r = / = (\d+)$/.exec(rest);
      if (r) born.set(+r[1], { t, thread });
      else pending.set(pid, { t, thread });
      if (main !== undefined && !thread && m.clone === undefined) m.clone = t;
    } else if ((c = /^<\.\.\. (?:clone3?|v?fork) resumed>.* = (\d+)$/.exec(rest))) {
      const p = pending.get(pid);
      if (p) born.set(+c[1], p), pending.delete(pid);
    } else if (rest.startsWith(`execve("${bin}",`) && main === undefined) {
      main = pid, m.exec = t;
    } else if (pid === main && m.cli === undefined && /^execve\("[^"]*\/(ocirun-bun|node)",/.test(rest)) {
      m.cli = t; // ocirun: the front execs the CLI (bun, or node)
    } else if (pid === main && (c = /^\+\+\+ exited with (\d+)/.exec(rest))) {
      m.exit = t, m.status = +c[1];
    } else if (/^pivot_root\(/.test(rest) && m.pivot === undefined) {
      m.pivot = t, m.initPid = pid;
    } else if (/^execve\("[^"]*", \["true"\]/.test(rest) && m.execve === undefined) {
      m.execve = t;
      m.initPid ??= pid;
    }
  }
  if (m.initPid !== undefined && born.has(m.initPid)) m.init = born.get(m.initPid).t;
  return m;
}

const STEPS = {
  run: ['exec', 'clone', 'init', 'pivot', 'execve', 'exit'],
  create: ['exec', 'clone', 'init', 'pivot', 'exit'],
  exec: ['exec', 'clone', 'init', 'execve', 'exit'],
};
const LABEL = {
  clone: 'runtime exec -> first clone of a process',
  init: '-> clone of the container process',
  pivot: '-> its pivot_root',
  execve: '-> its execve of `true`',
  exit: '-> the runtime exits',
};
const samples = {}; // op -> name -> [marks]
let failed = 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// strace -f follows every descendant, and a created container's init lives
// on: once the runtime's own process (strace's child) has exited, strace is
// told to detach (SIGINT) instead of being waited for. (Its -o file is
// written in blocks, so /proc says when the runtime has ended.)
// (reaped, not only a zombie: strace writes the exit when it reaps it)
const gone = (pid) => !existsSync(`/proc/${pid}`);
// strace's child once it has exec'd the command (strace forks short-lived
// test children of its own first, which are strace until they exit)
const childOf = (pid) => {
  try {
    for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean)) {
      const arg0 = readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0')[0];
      if (arg0 && arg0 !== 'strace') return +c;
    }
  } catch { /* gone already */ }
  return 0;
};
async function traced(op, n, i) {
  if (env.PHC_DEBUG) console.error(`phases-compare: ${n} ${op} ${i}`);
  const out = join(WORK, `${op}-${n}-${i}.strace`);
  const a = op === 'run' ? ['run', '--bundle', B, ID] : op === 'create' ? ['create', '--bundle', B, ID] : ['exec', sleeper(n), 'true'];
  const st = spawn('strace', ['-I1', '--seccomp-bpf', '-f', '-ttt', '-o', out,
    '-e', 'trace=clone,clone3,fork,vfork,execve,execveat,pivot_root', ...argv(n, ...a)], { stdio: 'ignore' });
  let ended = false;
  const done = new Promise((r) => st.on('exit', () => { ended = true; r(); }));
  const t0 = Date.now();
  let main = 0;
  for (;;) {
    await sleep(2);
    if (ended) break;
    main ||= childOf(st.pid);
    if ((main && gone(main)) || Date.now() - t0 > 60000) {
      await sleep(20);
      st.kill('SIGINT');
      break;
    }
  }
  await done;
  if (!existsSync(out)) { failed++; console.error(`phases-compare: ${n} ${op}: strace wrote nothing`); return null; }
  const m = marks(readFileSync(out, 'utf8'), bins[n]);
  rmSync(out);
  if (m.status !== 0) { failed++; console.error(`phases-compare: ${n} ${op}: ${m.status === undefined ? 'no exit in the trace (or none within 60 s)' : `exit ${m.status}`}`); return null; }
  const miss = STEPS[op].filter((s) => m[s] === undefined);
  if (miss.length) { failed++; console.error(`phases-compare: ${n} ${op}: no ${miss.join(', ')} in the trace`); return null; }
  return m;
}

try {
  if (OPS.includes('exec')) for (const n of names) {
    quiet(argv(n, 'delete', '--force', sleeper(n)));
    if (quiet(argv(n, 'run', '--detach', '--bundle', S, sleeper(n))).status !== 0) throw new Error(`${n}: could not start the container to exec into`);
  }
  for (const op of OPS) samples[op] = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = -WARMUP; round < RUNS; round++) {
    for (const op of OPS) {
      for (let k = 0; k < names.length; k++) {
        const n = names[(k + round + WARMUP) % names.length];
        quiet(argv(n, 'delete', '--force', ID));
        const m = await traced(op, n, round);
        if (op === 'create') quiet(argv(n, 'delete', '--force', ID));
        if (m && round >= 0) samples[op][n].push(m);
      }
    }
  }
} finally {
  cleanup();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const fmt = (x) => (Number.isNaN(x) ? 'n/a' : x.toFixed(1));
const others = names.filter((n) => n !== 'ocirun');
console.log(`# phases under strace, ${new Date().toISOString()}, ${RUNS} rounds, cgroup ${hybrid ? 'v1 hybrid (crun through its wrapper, left out of its times)' : 'v2 or v1'}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log('median ms between marks (strace -f -ttt; strace slows everything: compare ratios, not absolute times)');
for (const op of OPS) {
  const steps = STEPS[op];
  const head = ['`' + op + '`', ...names, ...(names.includes('ocirun') ? others.map((n) => `ocirun/${n}`) : [])];
  const rows = [head];
  const phase = (n, s, prev) => median(samples[op][n].map((m) => (m[s] - m[prev]) * 1e3));
  for (const [i, s] of steps.entries()) {
    if (i === 0) continue;
    const v = Object.fromEntries(names.map((n) => [n, phase(n, s, steps[i - 1])]));
    rows.push([LABEL[s], ...names.map((n) => fmt(v[n])), ...(names.includes('ocirun') ? others.map((n) => (v[n] > 0 ? `${(v.ocirun / v[n]).toFixed(2)}×` : 'n/a')) : [])]);
  }
  const tot = Object.fromEntries(names.map((n) => [n, phase(n, 'exit', 'exec')]));
  rows.push(['total: exec -> exit', ...names.map((n) => fmt(tot[n])), ...(names.includes('ocirun') ? others.map((n) => (tot[n] > 0 ? `${(tot.ocirun / tot[n]).toFixed(2)}×` : 'n/a')) : [])]);
  const w = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join(' | ')} |`;
  console.log(`\n${line(rows[0])}`);
  console.log(`|${w.map((x, i) => (i ? `${'-'.repeat(x + 1)}:` : '-'.repeat(x + 2))).join('|')}|`);
  for (const r of rows.slice(1)) console.log(line(r));
  if (names.includes('ocirun') && samples[op].ocirun.every((m) => m.cli !== undefined) && samples[op].ocirun.length) {
    console.log(`\n(ocirun's first phase: the native front until it execs the CLI ${fmt(phase('ocirun', 'cli', 'exec'))} ms, `
      + `the CLI until the first clone ${fmt(phase('ocirun', 'clone', 'cli'))} ms.)`);
  }
}
process.exit(failed ? 1 : 0);
