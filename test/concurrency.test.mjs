// Concurrency: many runtimes at once on one state root.
//  - 50 `run`s launched at once (distinct ids) all succeed and leave nothing;
//  - 20 `create`s (and 20 `run -d`s) of one id: exactly one wins, the others
//    fail cleanly ("already exists"), the winner is intact and starts;
//  - `delete --force` racing `kill`, `state` and `start` on one id, 20
//    rounds: state is always valid JSON or "does not exist" (never corrupt),
//    nothing crashes, nothing leaks;
//  - `list` while containers are created and deleted: always exit 0 and
//    valid output;
//  - 10 `exec`s into one container at once;
//  - a container's lock that its holder never releases: every call that
//    needs it gives up after its time limit, saying so (none waits for
//    ever), and all works again once it is free.
//
//   npx tap --disable-coverage test/concurrency.test.mjs
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import {
  PREFIX, makeRoot, makeBundle, uniqueId, waitFor, sleep, tempDir, rtFiles, spawnFiles, procState,
  assertNothingLeft, cgroupDirsNamed, mountsMentioning, processesIn, nothingLeftOfThisFile,
} from './lib/harness.mjs';

t.setTimeout(170_000);

const ROOT = makeRoot(t);
const IO = tempDir(t, 'conc-io');
let races = 0;

const oneLine = (s) => s.trim().split('\n').length === 1;
const crashed = (r) => r.signal !== null || /internal error|\n\s+at |\bat \S+ \(\S+:\d+:\d+\)/.test(r.stderr);
const launch = (args, env) => spawnFiles(ROOT, args, { dir: IO, env });

/** Kills what is left of `ids` (teardown). */
function cleanup(t, ids) {
  t.teardown(() => {
    for (const id of ids) rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO });
  });
}

t.test('50 runs launched at once all succeed', async (t) => {
  const bundle = makeBundle(t, (c) => { c.process.args = ['true']; });
  const ids = Array.from({ length: 50 }, () => uniqueId('conc'));
  cleanup(t, ids);
  const started = Date.now();
  // All 50 at once (the requirement); a generous deadline for 2 busy cores.
  const runs = ids.map((id) => launch(['run', '-b', bundle, id]));
  const timer = setTimeout(() => runs.forEach((r) => {
    try {
      process.kill(r.pid, 'SIGKILL');
    } catch { /* done */ }
  }), 150_000);
  const results = await Promise.all(runs.map((r) => r.exited));
  clearTimeout(timer);
  races += 50;
  t.comment(`50 parallel runs took ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const failed = results.map((r, i) => ({ r, id: ids[i] })).filter(({ r }) => r.status !== 0)
    .map(({ r, id }) => `${id}: status ${r.status} signal ${r.signal}: ${r.stderr.trim().slice(0, 300)}`);
  t.same(failed, [], 'every run exits 0');
  t.same(fs.readdirSync(ROOT).filter((x) => ids.includes(x)), [], 'every run deleted its container');
  for (const id of ids) {
    t.same(cgroupDirsNamed(id), [], `${id}: no cgroup left`);
  }
  t.same(mountsMentioning(`${PREFIX}-conc-`), [], 'no mount left');
});

t.test('20 creates of one id at once: exactly one wins', async (t) => {
  for (const cmd of ['create', 'run -d']) {
    t.test(cmd, async (t) => {
      const id = uniqueId('conc');
      cleanup(t, [id]);
      const host = tempDir(t, 'conc-mark');
      fs.chmodSync(host, 0o777);
      // Each bundle leaves its own mark: only the winner's may run.
      const bundles = Array.from({ length: 20 }, (_, i) => makeBundle(t, (c) => {
        c.process.args = ['sh', '-c', `echo ${i} >> /mark/ran; sleep 1000`];
        c.mounts.push({ destination: '/mark', type: 'bind', source: host, options: ['rbind', 'rw'] });
      }));
      const pidFiles = bundles.map((_, i) => path.join(host, `pid${i}`));
      const rs = await Promise.all(bundles.map((b, i) => launch([...cmd.split(' '), '-b', b, '--pid-file', pidFiles[i], id]).exited));
      races += 20;
      const winners = rs.map((r, i) => [r, i]).filter(([r]) => r.status === 0);
      t.equal(winners.length, 1, 'exactly one succeeds', { statuses: rs.map((r) => r.status) });
      for (const [r, i] of rs.map((r, i) => [r, i]).filter(([r]) => r.status !== 0)) {
        t.equal(r.status, 1, `loser ${i} exits 1`, { stderr: r.stderr });
        t.notOk(crashed(r), `loser ${i} did not crash`);
        t.ok(oneLine(r.stderr), `loser ${i}: one line`, { stderr: r.stderr });
        t.match(r.stderr, /^ocirun: .*already exists/, `loser ${i} says "already exists"`);
        t.notOk(fs.existsSync(pidFiles[i]), `loser ${i} wrote no pid file`);
      }
      if (winners.length !== 1) return;
      const w = winners[0][1];
      const st = rtFiles(t, ROOT, ['state', id], { dir: IO });
      t.equal(st.status, 0, 'the winner\'s state works', { stderr: st.stderr });
      let s;
      t.doesNotThrow(() => (s = JSON.parse(st.stdout)), 'state JSON');
      t.equal(s?.bundle, fs.realpathSync(bundles[w]), 'state names the winner\'s bundle');
      t.equal(String(s?.pid), fs.readFileSync(pidFiles[w], 'utf8'), 'the winner\'s pid file holds the state\'s pid');
      t.ok(s?.pid > 0 && procState(s.pid) !== '' && procState(s.pid) !== 'Z', 'its init is alive');
      if (cmd === 'create') {
        t.equal(s?.status, 'created', 'created');
        const start = rtFiles(t, ROOT, ['start', id], { dir: IO });
        t.equal(start.status, 0, 'start works', { stderr: start.stderr });
      }
      t.ok(await waitFor(() => fs.existsSync(path.join(host, 'ran'))), 'the winner\'s program runs');
      await sleep(200);
      t.equal(fs.readFileSync(path.join(host, 'ran'), 'utf8'), `${w}\n`, 'only the winner\'s program ran');
      t.equal(JSON.parse(rtFiles(t, ROOT, ['state', id], { dir: IO }).stdout || '{}').status, 'running', 'running');
      t.same(cgroupDirsNamed(id).length > 0, true, 'its cgroup exists (the losers did not remove it)');
      const d = rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO });
      t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
      await assertNothingLeft(t, ROOT, id, bundles[w]);
    });
  }
});

t.test('delete --force racing kill, state and start', async (t) => {
  const bundle = makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
  const bad = [];
  const note = (round, what, r) => bad.push(`round ${round} ${what}: status ${r.status} signal ${r.signal}: ${r.stderr.trim().slice(0, 200)}`);
  const statuses = {};
  for (let round = 0; round < 20; round++) {
    const id = uniqueId('conc');
    cleanup(t, [id]);
    const c = rtFiles(t, ROOT, ['create', '-b', bundle, id], { dir: IO });
    if (c.status !== 0) {
      note(round, 'create', c);
      continue;
    }
    // Rounds alternate: a created container (start can win), or a running one.
    if (round % 2) rtFiles(t, ROOT, ['start', id], { dir: IO });
    // The delete starts 0-120 ms after the others, so that the rounds see
    // different interleavings (state of a created, running, dying, gone one).
    const delay = (round * 37) % 121;
    const ops = [
      ['kill', launch(['kill', id, 'KILL'])],
      ['kill-all', launch(['kill', '--all', id, 'TERM'])],
      ['start', launch(['start', id])],
      ['state', launch(['state', id])],
      ['state', launch(['state', id])],
      ['state', launch(['state', id])],
      ['list', launch(['list', '--format', 'json'])],
      ['pause', launch(['pause', id])],
      ['resume', launch(['resume', id])],
    ];
    await sleep(delay);
    ops.push(['delete', launch(['delete', '--force', id])], ['state', launch(['state', id])]);
    const rs = await Promise.all(ops.map(([, p]) => p.exited));
    races++;
    rs.forEach((r, i) => {
      const what = ops[i][0];
      if (crashed(r)) return note(round, `${what} crashed`, r);
      if (what === 'delete') {
        if (r.status !== 0) note(round, 'delete --force failed', r);
        return undefined;
      }
      if (what === 'list') {
        if (r.status !== 0) return note(round, 'list failed', r);
        try {
          JSON.parse(r.stdout);
        } catch {
          note(round, `list printed invalid JSON (${r.stdout.slice(0, 100)})`, r);
        }
        return undefined;
      }
      if (what === 'state') {
        if (r.status === 0) {
          try {
            const s = JSON.parse(r.stdout);
            statuses[s.status] = (statuses[s.status] ?? 0) + 1;
            if (s.id !== id || !/^(created|running|stopped|creating|paused)$/.test(s.status)) note(round, `state printed ${r.stdout.slice(0, 200)}`, r);
          } catch {
            note(round, `state printed invalid JSON (${r.stdout.slice(0, 100)})`, r);
          }
        } else if (r.status !== 1 || !oneLine(r.stderr) || !/does not exist/.test(r.stderr)) {
          note(round, 'state neither JSON nor "does not exist"', r);
        } else {
          statuses.gone = (statuses.gone ?? 0) + 1;
        }
        return undefined;
      }
      // kill, start, pause, resume: success, or one clean line.
      if (r.status !== 0 && (r.status !== 1 || !oneLine(r.stderr) || !/^ocirun: /.test(r.stderr))) note(round, `${what} did not fail cleanly`, r);
      if (/corrupt/.test(r.stderr)) note(round, `${what} saw a corrupt state`, r);
      return undefined;
    });
    // The delete won in the end: nothing left.
    const st = rtFiles(t, ROOT, ['state', id], { dir: IO });
    if (st.status !== 1 || !/does not exist/.test(st.stderr)) note(round, 'state after the race', st);
    await waitFor(() => !fs.existsSync(path.join(ROOT, id)), 2000);
    if (fs.existsSync(path.join(ROOT, id))) bad.push(`round ${round}: state dir left: ${fs.readdirSync(path.join(ROOT, id)).join(' ')}`);
    const cgs = cgroupDirsNamed(id);
    if (cgs.length) bad.push(`round ${round}: cgroups left: ${cgs.slice(0, 2).join(' ')}`);
  }
  t.comment(`state answers seen: ${JSON.stringify(statuses)}`);
  t.same(bad, [], 'no crash, no corrupt state, no leak in 20 rounds');
  await assertNothingLeft(t, ROOT, `${PREFIX}-conc-${process.pid}-x`, undefined, 'after the races');
});

t.test('create racing delete --force of the same id', async (t) => {
  const bundle = makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
  const bad = [];
  const outcomes = {};
  for (let round = 0; round < 20; round++) {
    const id = uniqueId('conc');
    cleanup(t, [id]);
    const c = launch(['create', '-b', bundle, id]);
    await sleep((round * 13) % 60);
    const d = launch(['delete', '--force', id]);
    const [cr, dr] = await Promise.all([c.exited, d.exited]);
    races++;
    if (crashed(cr) || (cr.status !== 0 && (cr.status !== 1 || !oneLine(cr.stderr)))) bad.push(`round ${round} create: ${cr.status} ${cr.signal} ${cr.stderr.trim().slice(0, 200)}`);
    if (crashed(dr) || dr.status !== 0) bad.push(`round ${round} delete --force: ${dr.status} ${dr.signal} ${dr.stderr.trim().slice(0, 200)}`);
    const st = rtFiles(t, ROOT, ['state', id], { dir: IO });
    const key = `create ${cr.status === 0 ? 'ok' : 'failed'}, then ${st.status === 0 ? JSON.parse(st.stdout).status : 'gone'}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    if (st.status !== 0 && !/does not exist/.test(st.stderr)) bad.push(`round ${round} state: ${st.stderr.trim()}`);
    // Whatever the order, one more delete --force leaves nothing.
    rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO });
    await waitFor(() => processesIn(id).length === 0, 3000, 50);
    if (processesIn(id).length) bad.push(`round ${round}: processes left in its cgroup: ${processesIn(id).join(' ')}`);
    if (cgroupDirsNamed(id).length) bad.push(`round ${round}: cgroup left`);
    if (fs.existsSync(path.join(ROOT, id))) bad.push(`round ${round}: state dir left`);
  }
  t.comment(`outcomes: ${JSON.stringify(outcomes)}`);
  t.same(bad, [], 'create and delete --force of one id at once: clean outcomes, no leak');
});

t.test('list during create/delete churn', async (t) => {
  const bundle = makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
  const made = [];
  cleanup(t, made);
  let stop = false;
  const churnBad = [];
  const churn = async () => {
    while (!stop) {
      const id = uniqueId('conc');
      made.push(id);
      const c = await launch(['create', '-b', bundle, id]).exited;
      if (c.status !== 0) churnBad.push(`create ${id}: ${c.stderr.trim()}`);
      const d = await launch(['delete', '--force', id]).exited;
      if (d.status !== 0) churnBad.push(`delete ${id}: ${d.stderr.trim()}`);
    }
  };
  const lists = [];
  const lister = async () => {
    while (!stop) {
      for (const args of [['list', '--format', 'json'], ['list'], ['list', '-q']]) {
        const r = await launch(args).exited;
        lists.push([args.join(' '), r]);
      }
    }
  };
  const workers = [churn(), churn(), lister()];
  await new Promise((r) => setTimeout(r, 10_000));
  stop = true;
  await Promise.all(workers);
  races += lists.length;
  const bad = [];
  for (const [cmd, r] of lists) {
    if (r.status !== 0 || crashed(r)) {
      bad.push(`${cmd}: status ${r.status} signal ${r.signal}: ${r.stderr.trim().slice(0, 200)}`);
      continue;
    }
    if (cmd === 'list --format json') {
      try {
        const arr = JSON.parse(r.stdout);
        if (!Array.isArray(arr) || arr.some((x) => typeof x.id !== 'string' || typeof x.status !== 'string')) bad.push(`${cmd}: odd JSON ${r.stdout.slice(0, 200)}`);
      } catch {
        bad.push(`${cmd}: invalid JSON ${r.stdout.slice(0, 200)}`);
      }
    } else if (cmd === 'list') {
      if (!/^ID\s+PID\s+STATUS/.test(r.stdout)) bad.push(`${cmd}: no header: ${r.stdout.slice(0, 200)}`);
    } else if (r.stdout.split('\n').some((l) => l && !l.startsWith(PREFIX))) {
      bad.push(`${cmd}: odd line ${r.stdout.slice(0, 200)}`);
    }
  }
  t.comment(`${lists.length} lists during ${made.length} create/delete cycles`);
  t.ok(lists.length >= 6 && made.length >= 4, 'the churn and the lists ran');
  t.same(bad, [], 'every list exits 0 with valid output');
  t.same(churnBad, [], 'the churn\'s creates and deletes worked');
  for (const id of made) t.notOk(fs.existsSync(path.join(ROOT, id)), `${id}: no state dir`);
  t.same(cgroupDirsNamed(`${PREFIX}-conc-${process.pid}-*`), [], 'no cgroup left');
});

t.test('10 execs into one container at once', async (t) => {
  const id = uniqueId('conc');
  cleanup(t, [id]);
  const bundle = makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
  t.equal(rtFiles(t, ROOT, ['run', '-d', '-b', bundle, id], { dir: IO }).status, 0, 'run -d');
  const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => launch(['exec', id, 'sh', '-c', `echo exec-${i}; exit ${i}`]).exited));
  races += 10;
  rs.forEach((r, i) => {
    t.equal(r.status, i, `exec ${i} exits with its own status`, { stderr: r.stderr });
    t.equal(r.stdout, `exec-${i}\n`, `exec ${i} printed its own output`);
  });
  t.equal(JSON.parse(rtFiles(t, ROOT, ['state', id], { dir: IO }).stdout || '{}').status, 'running', 'the container still runs');
  t.equal(rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO }).status, 0, 'delete --force');
  await assertNothingLeft(t, ROOT, id, bundle);
});

t.test('a lock its holder never releases: calls give up after their time limit, saying so; then all works again', async (t) => {
  const id = uniqueId('conc');
  cleanup(t, [id]);
  const bundle = makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
  t.equal(rtFiles(t, ROOT, ['run', '-d', '-b', bundle, id], { dir: IO }).status, 0, 'run -d');
  const dir = path.join(ROOT, id);
  const free = () => spawnSync('flock', ['--nonblock', dir, 'true']).status === 0;
  // A holder that never lets go (a stopped or stuck ocirun call would be one):
  // flock(1), which keeps the lock's fd from the sleep (--close).
  const holder = spawn('flock', ['--exclusive', '--close', dir, 'sleep', '600'], { stdio: 'ignore', detached: true });
  const release = () => {
    try {
      process.kill(-holder.pid, 'SIGKILL');  // flock and its sleep
    } catch { /* gone */ }
  };
  t.teardown(release);
  t.ok(await waitFor(() => !free(), 10_000), 'the lock is held');
  const env = { OCIRUN_TEST_LOCK_TIMEOUT_MS: '1500' };
  for (const args of [['kill', id, 'TERM'], ['pause', id], ['exec', id, 'true'], ['update', '--pids-limit', '50', id], ['delete', '--force', id]]) {
    const t0 = Date.now();
    const r = rtFiles(t, ROOT, args, { dir: IO, env, timeout: 30_000 });
    const took = Date.now() - t0;
    t.equal(r.signal, null, `${args[0]}: returned by itself`);
    t.not(r.status, 0, `${args[0]}: failed (${r.status})`);
    t.match(r.stderr, new RegExp(`timed out after 1\\.5 s waiting for the lock of container "${id}": another ocirun call holds it \\(pid ${holder.pid}\\)`), `${args[0]}: says what it waited for, and who holds it`);
    t.ok(took >= 1400, `${args[0]}: after waiting for it (${took} ms)`);
  }
  t.equal(JSON.parse(rtFiles(t, ROOT, ['state', id], { dir: IO }).stdout || '{}').status, 'running', 'state needs no lock: running, untouched');
  release();
  t.ok(await waitFor(free, 10_000), 'the lock is free');
  t.equal(rtFiles(t, ROOT, ['exec', id, 'true'], { dir: IO }).status, 0, 'exec works again');
  t.equal(rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO }).status, 0, 'delete --force works again');
  await assertNothingLeft(t, ROOT, id, bundle);
});

// (zombies do not count: the races kill runtimes, whose inits pid 1 reaps later)
nothingLeftOfThisFile(t, ['conc'], {
  zombies: false,
  also: (t) => {
    t.same(fs.readdirSync(ROOT), [], 'the state root is empty');
    t.comment(`races run: ${races}`);
  },
});
