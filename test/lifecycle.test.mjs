// The OCI lifecycle with real containers: create / start / state / kill /
// delete / run / list, the CLI's usage errors and the container's stdio.
// Expectations are runc's behaviour (runtime.md + what engines rely on).
//
//   npx tap --disable-coverage test/lifecycle.test.mjs
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  OCIRUN, makeRoot, makeBundle, uniqueId, rt, rtAsync, state, cleanupContainer, waitFor, sleep, nothingLeftOfThisFile, rtf, CLEAN_ENV,
  tempDir, procGone, sigCaught } from './lib/harness.mjs';

// ------------------------------------------------------------------ helpers

/** A bundle running `args`, with optional further config edits. */
function bundleFor(t, args, edit = () => {}) {
  return makeBundle(t, (c) => {
    c.process.args = args;
    edit(c);
  });
}

const sh = (script) => ['sh', '-c', script];

/** A host dir any user may write (removed at teardown), e.g. for a bind mount. */
const hostDir = (t) => tempDir(t, 'host', 0o777);

/** Host pids in the same pids cgroup as `pid` (the container's processes). */
function cgroupPids(pid) {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:([^:]*,)?pids(,[^:]*)?:/.test(l));
  if (!line) return [];
  const rel = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  try {
    return fs.readFileSync(`/sys/fs/cgroup/pids${rel}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** cgroup dirs whose name matches the find -name glob `pattern`. */
function cgroupDirs(pattern) {
  // find exits 1 when a dir vanishes under it (other containers come and
  // go): only its output matters.
  const out = (spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '8', '-type', 'd', '-name', pattern], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  }).stdout ?? '').trim();
  return out ? out.split('\n') : [];
}

const statusOf = (root, id) => state(root, id)?.status;

/**
 * Waits for the container's init to exit (watching /proc, cheaper than
 * polling `state`), then tells whether `state` says stopped.
 */
async function stopped(root, id, pid = state(root, id)?.pid) {
  if (pid) await waitFor(() => procGone(pid), 10_000);
  return statusOf(root, id) === 'stopped';
}

/** create + start a detached container running `args`; returns { id, pid, bundle }. */
function startContainer(t, root, args, edit) {
  const id = uniqueId('lc');
  cleanupContainer(t, root, id);
  const bundle = bundleFor(t, args, edit);
  const c = rtf(t, root, ['create', '--bundle', bundle, id]);
  t.equal(c.status, 0, `create ${id} succeeds`, { stderr: c.stderr });
  const s = rt(root, ['start', id]);
  t.equal(s.status, 0, `start ${id} succeeds`, { stderr: s.stderr });
  const st = state(root, id);
  return { id, pid: st?.pid ?? 0, bundle, out: c.outFile };
}

// -------------------------------------------------------------------- tests

// Under load a file can take longer than tap's default 30 s.
t.setTimeout(120_000);

t.test('create -> created, start -> running, exit -> stopped, delete -> gone', async (t) => {
  const root = makeRoot(t);
  const id = uniqueId('lc');
  cleanupContainer(t, root, id);
  const host = hostDir(t);
  // The program's first action is to leave a marker; then it waits for "go".
  const bundle = bundleFor(t, sh('echo ran > /tmp/marker; while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 0'), (c) => {
    c.mounts.push({ destination: '/tmp', type: 'bind', source: host, options: ['rbind', 'rw'] });
  });
  const pidFile = path.join(host, 'pidfile');

  // A relative --bundle: state must report it absolute.
  const c = rtf(t, root, ['create', '--bundle', path.basename(bundle), '--pid-file', pidFile, id], { cwd: path.dirname(bundle) });
  t.equal(c.status, 0, 'create succeeds', { stderr: c.stderr });

  const st = state(root, id);
  t.ok(st, 'state works after create');
  t.equal(st.status, 'created', 'status created');
  t.equal(st.id, id, 'state.id');
  t.match(st.ociVersion, /^1\.\d+\.\d+/, 'state.ociVersion');
  t.ok(Number.isInteger(st.pid) && st.pid > 0, 'pid > 0');
  t.ok(path.isAbsolute(st.bundle), 'bundle is absolute');
  t.equal(st.bundle, fs.realpathSync(bundle), 'bundle is the bundle dir');
  t.notOk(procGone(st.pid), 'the init exists');

  const pidText = fs.readFileSync(pidFile, 'utf8');
  t.match(pidText, /^\d+$/, 'pid file holds bare digits, no newline');
  t.equal(Number(pidText), st.pid, 'pid file = state pid');

  await sleep(150);
  t.notOk(fs.existsSync(path.join(host, 'marker')), 'the user program has not run after create');
  t.equal(statusOf(root, id), 'created', 'still created a while later');

  const s = rt(root, ['start', id]);
  t.equal(s.status, 0, 'start succeeds', { stderr: s.stderr });
  // (the shell makes the file, then writes to it: wait for the text itself)
  const marker = () => (fs.existsSync(path.join(host, 'marker')) ? fs.readFileSync(path.join(host, 'marker'), 'utf8') : '');
  t.ok(await waitFor(() => marker() === 'ran\n'), 'the user program ran after start');
  t.equal(marker(), 'ran\n');
  const st2 = state(root, id);
  t.equal(st2.status, 'running', 'status running after start');
  t.equal(st2.pid, st.pid, 'same pid while running');

  fs.writeFileSync(path.join(host, 'go'), '');
  t.ok(await stopped(root, id, st.pid), 'status stopped after the process exits');
  const st3 = state(root, id);
  t.equal(st3.pid, 0, 'pid 0 when stopped');
  t.equal(st3.bundle, st.bundle, 'bundle still reported');

  const d = rt(root, ['delete', id]);
  t.equal(d.status, 0, 'delete of a stopped container succeeds', { stderr: d.stderr });
  const after = rt(root, ['state', id]);
  t.equal(after.status, 1, 'state after delete exits 1');
  t.match(after.stderr, /does not exist/, 'state after delete: does not exist');
  t.notOk(fs.existsSync(path.join(root, id)), 'state dir removed');
  t.same(cgroupDirs(id), [], 'its cgroups removed');
});

t.test('--pid-file relative to the cwd', async (t) => {
  const root = makeRoot(t);
  const id = uniqueId('lc');
  cleanupContainer(t, root, id);
  const cwd = hostDir(t);
  const c = rtf(t, root, ['create', '--pid-file', 'rel.pid', '--bundle', bundleFor(t, ['sleep', '1000']), id], { cwd });
  t.equal(c.status, 0, 'create', { stderr: c.stderr });
  const pid = state(root, id)?.pid;
  t.equal(fs.readFileSync(path.join(cwd, 'rel.pid'), 'utf8'), String(pid), 'pid file written relative to the cwd');
});

t.test('start errors', async (t) => {
  const root = makeRoot(t);
  t.test('start twice', async (t) => {
    const { id } = startContainer(t, root, ['sleep', '1000']);
    t.equal(statusOf(root, id), 'running');
    const r = rt(root, ['start', id]);
    t.equal(r.status, 1, 'second start exits 1');
    t.match(r.stderr, /cannot start|not in created|running/i, 'clear message');
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    t.equal(statusOf(root, id), 'running', 'container untouched');
  });
  t.test('start of a stopped container', async (t) => {
    const { id } = startContainer(t, root, ['true']);
    t.ok(await stopped(root, id), 'stops');
    const r = rt(root, ['start', id]);
    t.equal(r.status, 1, 'start of a stopped container exits 1');
    t.match(r.stderr, /stopped/, 'says it has stopped');
  });
  t.test('start of an unknown id', async (t) => {
    const r = rt(root, ['start', uniqueId('nosuch')]);
    t.equal(r.status, 1);
    t.match(r.stderr, /does not exist/);
  });
});

t.test('kill', async (t) => {
  const root = makeRoot(t);

  for (const sig of ['KILL', 'SIGKILL', '9']) {
    t.test(`kill ${sig}`, async (t) => {
      const { id, pid } = startContainer(t, root, ['sleep', '1000']);
      t.equal(statusOf(root, id), 'running');
      const r = rt(root, ['kill', id, sig]);
      t.equal(r.status, 0, `kill ${sig} exits 0`, { stderr: r.stderr });
      t.ok(await stopped(root, id, pid), 'state -> stopped');
      t.ok(await waitFor(() => procGone(pid)), 'the process is gone');
    });
  }

  t.test('default signal is SIGTERM (delivered to a handler)', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const bundle = bundleFor(t, sh('trap "exit 42" TERM; while :; do sleep 0.1; done'));
    const run = rtAsync(root, ['run', '--bundle', bundle, id]);
    t.ok(await waitFor(() => statusOf(root, id) === 'running'), 'running');
    const pid = state(root, id).pid;
    // bit 15 (SIGTERM) of SigCgt: the trap is installed
    t.ok(await waitFor(() => (sigCaught(pid) & (1n << 14n)) !== 0n), 'the TERM trap is installed');
    const k = rt(root, ['kill', id]);
    t.equal(k.status, 0, 'kill without a signal exits 0', { stderr: k.stderr });
    const r = await run;
    t.equal(r.status, 42, 'the trap ran: exit 42 (TERM was sent)');
  });

  t.test('pid 1 without a handler ignores SIGTERM (as with runc)', async (t) => {
    const { id } = startContainer(t, root, ['sleep', '1000']);
    const r = rt(root, ['kill', id, 'TERM']);
    t.equal(r.status, 0, 'kill TERM exits 0');
    await sleep(300);
    t.equal(statusOf(root, id), 'running', 'still running');
  });

  t.test('kill --all', async (t) => {
    // pid 1 ignores TERM (no handler) but waits for its children: only if
    // every process got the signal do the children die and the shell exit.
    const { id, pid } = startContainer(t, root, sh('sleep 1000 & sleep 1000 & wait'));
    t.ok(await waitFor(() => cgroupPids(pid).length >= 3), 'init and two children in the cgroup');
    const procs = cgroupPids(pid);
    const r = rt(root, ['kill', '--all', id, 'TERM']);
    t.equal(r.status, 0, 'kill --all exits 0', { stderr: r.stderr });
    t.ok(await stopped(root, id, pid), 'all processes got TERM: the container stopped');
    t.ok(await waitFor(() => procs.every(procGone)), 'every process is gone');
  });

  t.test('kill of a created (not started) container', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const c = rtf(t, root, ['create', '--bundle', bundleFor(t, ['sleep', '1000']), id]);
    t.equal(c.status, 0, 'create', { stderr: c.stderr });
    const pid = state(root, id).pid;
    const r = rt(root, ['kill', id, 'KILL']);
    t.equal(r.status, 0, 'kill KILL of a created container exits 0 (as runc)', { stderr: r.stderr });
    t.ok(await stopped(root, id, pid), 'state -> stopped');
    const s2 = rt(root, ['start', id]);
    t.equal(s2.status, 1, 'start afterwards fails');
    t.match(s2.stderr, /stopped/, 'because it stopped');
  });

  t.test('an init killed behind the runtime\'s back', async (t) => {
    const { id, pid } = startContainer(t, root, ['sleep', '1000']);
    process.kill(pid, 'SIGKILL');
    t.ok(await stopped(root, id, pid), 'state -> stopped');
    t.equal(state(root, id)?.pid, 0, 'pid 0');
    const d = rt(root, ['delete', id]);
    t.equal(d.status, 0, 'delete without --force works', { stderr: d.stderr });
  });

  t.test('kill of a stopped container', async (t) => {
    const { id } = startContainer(t, root, ['true']);
    t.ok(await stopped(root, id), 'stops');
    const r = rt(root, ['kill', id, 'KILL']);
    t.equal(r.status, 1, 'exits 1');
    t.match(r.stderr, /container not running/, '"container not running"');
  });

  t.test('kill of an unknown id', async (t) => {
    const r = rt(root, ['kill', uniqueId('nosuch'), 'KILL']);
    t.equal(r.status, 1);
    t.match(r.stderr, /does not exist/);
  });

  t.test('kill with an invalid signal', async (t) => {
    const { id } = startContainer(t, root, ['sleep', '1000']);
    const r = rt(root, ['kill', id, 'NOSUCHSIG']);
    t.equal(r.status, 1, 'exits 1');
    t.match(r.stderr, /signal/i, 'names the signal problem');
    t.equal(statusOf(root, id), 'running', 'container untouched');
  });
});

t.test('delete', async (t) => {
  const root = makeRoot(t);

  t.test('running container: without --force fails, with --force works', async (t) => {
    const { id, pid } = startContainer(t, root, ['sleep', '1000']);
    const r = rt(root, ['delete', id]);
    t.equal(r.status, 1, 'delete without --force exits 1');
    t.match(r.stderr, /not stopped/, '"not stopped"');
    t.equal(statusOf(root, id), 'running', 'still running');
    t.notOk(procGone(pid), 'process still there');
    const f = rt(root, ['delete', '--force', id]);
    t.equal(f.status, 0, 'delete --force exits 0', { stderr: f.stderr });
    t.ok(await waitFor(() => procGone(pid)), 'the process is gone');
    t.equal(rt(root, ['state', id]).status, 1, 'state fails afterwards');
    t.notOk(fs.existsSync(path.join(root, id)), 'state dir removed');
  });

  t.test('created (never started) container', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const c = rtf(t, root, ['create', '--bundle', bundleFor(t, ['sleep', '1000']), id]);
    t.equal(c.status, 0, 'create', { stderr: c.stderr });
    const pid = state(root, id).pid;
    const d = rt(root, ['delete', id]);
    t.equal(d.status, 0, 'delete of a created container exits 0', { stderr: d.stderr });
    t.ok(await waitFor(() => procGone(pid)), 'its init is gone');
    t.equal(rt(root, ['state', id]).status, 1, 'state fails afterwards');
  });

  t.test('stopped container with processes left in its cgroup', async (t) => {
    // No pid namespace: the init can exit while a child lives on.
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const bundle = bundleFor(t, sh('sleep 1000 & echo $! > /dev/shm/x; exit 0'), (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'pid');
    });
    const c = rtf(t, root, ['create', '--bundle', bundle, id]);
    t.equal(c.status, 0, 'create', { stderr: c.stderr });
    const pid = state(root, id).pid;
    t.equal(rt(root, ['start', id]).status, 0, 'start');
    t.ok(await stopped(root, id, pid), 'the init exited: stopped');
    const sleepers = fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x)).filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').split('\n').some((l) => l.endsWith(`/${id}`))
          && !procGone(Number(p));
      } catch {
        return false;
      }
    }).map(Number);
    t.equal(sleepers.length, 1, 'the background sleep is still in the container\'s cgroup');
    const d = rt(root, ['delete', id]);
    t.equal(d.status, 0, 'delete (no --force) of the stopped container exits 0', { stderr: d.stderr });
    t.ok(await waitFor(() => sleepers.every(procGone)), 'the leftover process was killed');
    t.same(cgroupDirs(id), [], 'cgroups removed');
  });

  t.test('unknown id', async (t) => {
    const id = uniqueId('nosuch');
    const f = rt(root, ['delete', '--force', id]);
    t.equal(f.status, 0, 'delete --force of an unknown id exits 0', { stderr: f.stderr });
    const d = rt(root, ['delete', id]);
    t.equal(d.status, 1, 'delete of an unknown id exits 1');
    t.match(d.stderr, /does not exist/);
  });
});

t.test('ids', async (t) => {
  const root = makeRoot(t);

  t.test('an existing id', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const b1 = bundleFor(t, ['sleep', '1000']);
    const c1 = rtf(t, root, ['create', '--bundle', b1, id]);
    t.equal(c1.status, 0, 'first create', { stderr: c1.stderr });
    const before = state(root, id);
    const b2 = bundleFor(t, ['sleep', '999']);
    const c2 = rtf(t, root, ['create', '--bundle', b2, id]);
    t.equal(c2.status, 1, 'second create with the same id exits 1');
    t.match(c2.stderr, /already exists/, '"already exists"');
    const after = state(root, id);
    t.same(after, before, 'the first container is untouched');
    t.notOk(procGone(before.pid), 'its init is alive');
    t.equal(rt(root, ['start', id]).status, 0, 'and it still starts');
    t.equal(statusOf(root, id), 'running');
  });

  t.test('run with an existing id', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    t.equal(rtf(t, root, ['create', '--bundle', bundleFor(t, ['sleep', '1000']), id]).status, 0, 'create');
    const before = state(root, id);
    const r = rtf(t, root, ['run', '--bundle', bundleFor(t, ['true']), id]);
    t.equal(r.status, 1, 'run with the same id exits 1');
    t.match(r.stderr, /already exists/, '"already exists"');
    t.same(state(root, id), before, 'the existing container is untouched (not deleted by run\'s cleanup)');
    t.notOk(procGone(before.pid), 'its init is alive');
  });

  t.test('concurrent creates of one id: exactly one wins', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const bundle = bundleFor(t, ['sleep', '1000']);
    const one = () => new Promise((resolve) => {
      const p = spawn(OCIRUN, ['--root', root, 'create', '--bundle', bundle, id], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      // the winner's init inherits stderr: do not wait for its EOF
      p.on('exit', (code) => setTimeout(() => resolve({ code, err }), 50));
    });
    const rs = await Promise.all([one(), one(), one()]);
    t.same(rs.map((r) => r.code).sort(), [0, 1, 1], 'one create succeeds, the others exit 1');
    for (const r of rs.filter((x) => x.code === 1)) t.match(r.err, /already exists/, 'the losers say "already exists"');
    const st = state(root, id);
    t.equal(st?.status, 'created', 'the winner is created');
    t.notOk(procGone(st?.pid), 'and its init is alive');
    t.equal(rt(root, ['start', id]).status, 0, 'and it starts');
  });

  const badTag = uniqueId('bad');
  for (const [name, bad] of [['a slash', `${badTag}/x`], ['a leading slash', `/${badTag}`], ['..', '..'], ['.', '.'], ['empty', '']]) {
    t.test(`an id with ${name}`, async (t) => {
      const r = rtf(t, root, ['create', '--bundle', bundleFor(t, ['true']), bad]);
      t.equal(r.status, 1, 'create exits 1');
      t.not(r.stderr, '', 'says why');
      t.same(fs.existsSync(root) ? fs.readdirSync(root) : [], [], 'nothing created under root');
      t.notOk(fs.existsSync(path.join(root, '..', 'state.json')), 'nothing written beside root');
      const run = rtf(t, root, ['run', '--bundle', bundleFor(t, ['true']), bad]);
      t.equal(run.status, 1, 'run exits 1 too');
      t.same(fs.existsSync(root) ? fs.readdirSync(root) : [], [], 'nothing created under root');
      t.same(cgroupDirs(`${badTag}*`), [], 'no cgroup created');
    });
  }
});

t.test('run', async (t) => {
  const root = makeRoot(t);

  t.test('exit status', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const r = rt(root, ['run', '--bundle', bundleFor(t, sh('exit 7')), id]);
    t.equal(r.status, 7, 'run exits with the container\'s status', { stderr: r.stderr });
    const s = rt(root, ['state', id]);
    t.equal(s.status, 1, 'the container is deleted after it exits');
    t.match(s.stderr, /does not exist/);
    t.notOk(fs.existsSync(path.join(root, id)), 'no state dir left');
  });

  t.test('exit 0', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const r = rt(root, ['run', '--bundle', bundleFor(t, ['true']), id]);
    t.equal(r.status, 0, { stderr: r.stderr });
  });

  t.test('killed by a signal -> 128+N', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const run = rtAsync(root, ['run', '--bundle', bundleFor(t, ['sleep', '1000']), id]);
    t.ok(await waitFor(() => statusOf(root, id) === 'running'), 'running');
    t.equal(rt(root, ['kill', id, 'KILL']).status, 0, 'kill KILL');
    const r = await run;
    t.equal(r.status, 137, 'run exits 128+9');
    t.equal(rt(root, ['state', id]).status, 1, 'deleted afterwards');
  });

  t.test('killed by its own signal (no pid namespace) -> 128+N', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const bundle = bundleFor(t, sh('kill -USR1 $$; sleep 5'), (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'pid');
    });
    const r = rt(root, ['run', '--bundle', bundle, id]);
    t.equal(r.status, 128 + os.constants.signals.SIGUSR1, 'run exits 128+SIGUSR1', { stderr: r.stderr });
  });

  t.test('run forwards signals to the container', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const bundle = bundleFor(t, sh('trap "exit 42" TERM; while :; do sleep 0.1; done'));
    const p = spawn(OCIRUN, ['--root', root, 'run', '--bundle', bundle, id], { stdio: 'ignore' });
    const done = new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal })));
    t.ok(await waitFor(() => statusOf(root, id) === 'running'), 'running');
    const pid = state(root, id).pid;
    t.ok(await waitFor(() => (sigCaught(pid) & (1n << 14n)) !== 0n), 'the TERM trap is installed');
    p.kill('SIGTERM');
    const r = await done;
    t.same(r, { code: 42, signal: null }, 'SIGTERM to `run` reached the container: its trap exited 42');
    t.equal(rt(root, ['state', id]).status, 1, 'and the container was deleted');
  });

  t.test('--detach', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const r = rtf(t, root, ['run', '--detach', '--bundle', bundleFor(t, ['sleep', '1000']), id]);
    t.equal(r.status, 0, 'run --detach exits 0', { stderr: r.stderr });
    const st = state(root, id);
    t.equal(st?.status, 'running', 'left running');
    const d = rt(root, ['delete', '--force', id]);
    t.equal(d.status, 0, 'delete --force');
    t.ok(await waitFor(() => procGone(st.pid)), 'process gone');
  });
});

t.test('list', async (t) => {
  const root = makeRoot(t);
  const idC = uniqueId('lc');
  cleanupContainer(t, root, idC);
  t.equal(rtf(t, root, ['create', '--bundle', bundleFor(t, ['sleep', '1000']), idC]).status, 0, 'create one');
  const { id: idR } = startContainer(t, root, ['sleep', '1000']);
  const { id: idS } = startContainer(t, root, ['true']);
  const pidC = state(root, idC).pid;
  const pidR = state(root, idR).pid;
  t.ok(await stopped(root, idS), 'the third one stopped');

  const table = rt(root, ['list']);
  t.equal(table.status, 0, 'list exits 0', { stderr: table.stderr });
  const lines = table.stdout.trim().split('\n');
  t.match(lines[0], /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER/, 'table header');
  const rows = Object.fromEntries(lines.slice(1).map((l) => l.trim().split(/\s+/)).map((f) => [f[0], f]));
  t.same(Object.keys(rows).sort(), [idC, idR, idS].sort(), 'one row per container');
  t.equal(rows[idS]?.[1], '0', 'stopped container pid 0');
  t.equal(rows[idS]?.[2], 'stopped', 'stopped container status');
  t.equal(rows[idC]?.[1], String(pidC), 'created container pid');
  t.equal(rows[idC]?.[2], 'created', 'created container status');
  t.equal(rows[idR]?.[1], String(pidR), 'running container pid');
  t.equal(rows[idR]?.[2], 'running', 'running container status');

  const json = rt(root, ['list', '--format', 'json']);
  t.equal(json.status, 0);
  let arr;
  t.doesNotThrow(() => (arr = JSON.parse(json.stdout)), 'list --format json is JSON');
  t.ok(Array.isArray(arr), 'an array');
  const byId = Object.fromEntries((arr ?? []).map((x) => [x.id, x]));
  t.equal(byId[idC]?.status, 'created');
  t.equal(byId[idC]?.pid, pidC);
  t.equal(byId[idR]?.status, 'running');
  t.equal(byId[idR]?.pid, pidR);
  t.equal(byId[idS]?.status, 'stopped');
  t.equal(byId[idS]?.pid, 0);
  t.equal(arr?.length, 3, 'three entries');

  const q = rt(root, ['list', '-q']);
  t.equal(q.status, 0);
  t.same(q.stdout.trim().split('\n').sort(), [idC, idR, idS].sort(), 'list -q: ids only');

  const empty = rt(makeRoot(t), ['list', '--format', 'json']);
  t.equal(empty.status, 0, 'list of an empty root');
  t.same(JSON.parse(empty.stdout || 'null') ?? [], [], 'empty list');
  const missing = rt(path.join(makeRoot(t), 'typo'), ['list']);
  t.equal(missing.status, 1, 'list with a --root that does not exist: exit 1 (as runc 1.2)');
  t.match(missing.stderr, /^ocirun: open .*\/typo: no such file or directory\n$/, 'one line naming it');
});

t.test('usage errors and version', async (t) => {
  const root = makeRoot(t);

  t.test('create without an id', async (t) => {
    const r = rt(root, ['create', '--bundle', bundleFor(t, ['true'])]);
    t.equal(r.status, 1, 'exits 1');
    t.match(r.stderr, /usage|options:/i, 'usage on stderr');
    t.same(fs.readdirSync(root), [], 'nothing created');
  });

  t.test('unknown command', async (t) => {
    const r = rt(root, ['frobnicate', 'x']);
    t.equal(r.status, 1, 'exits 1');
    t.match(r.stderr, /usage|options:/i, 'usage on stderr');
    t.match(r.stderr, /frobnicate/, 'names the command');
  });

  t.test('unknown flag', async (t) => {
    const r = rt(root, ['create', '--no-such-flag', '--bundle', bundleFor(t, ['true']), uniqueId('x')]);
    t.equal(r.status, 1, 'exits 1');
    t.match(r.stderr, /no-such-flag/, 'names the flag');
    t.same(fs.readdirSync(root), [], 'nothing created');
  });

  t.test('--version', async (t) => {
    for (const args of [['--version'], ['-v']]) {
      const r = spawnSync(OCIRUN, args, { encoding: 'utf8' });
      t.equal(r.status, 0, `${args[0]} exits 0`);
      t.match(r.stdout, /^ocirun version \S+$/m, 'ocirun version X');
      t.match(r.stdout, /^spec: 1\.\d+\.\d+$/m, 'spec: 1.x.y');
    }
    const r = rt(root, ['--version']);
    t.equal(r.status, 0, '--version after global flags exits 0', { stderr: r.stderr });
    t.match(r.stdout, /^ocirun version \S+$/m, 'and prints the version');
  });
});

t.test('stdio (terminal false)', async (t) => {
  const root = makeRoot(t);

  t.test('stdout and stderr are the runtime\'s', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const r = rt(root, ['run', '--bundle', bundleFor(t, sh('echo out; echo err >&2')), id]);
    t.equal(r.status, 0, { stderr: r.stderr });
    t.equal(r.stdout, 'out\n', 'stdout has "out" only');
    t.equal(r.stderr, 'err\n', 'stderr has "err" only');
  });

  t.test('stdin is passed', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const r = rt(root, ['run', '--bundle', bundleFor(t, sh('read a; read b; echo "got:$a:$b"; cat')), id], {
      input: 'first\nsecond\nrest of it\n',
    });
    t.equal(r.status, 0, { stderr: r.stderr });
    t.equal(r.stdout, 'got:first:second\nrest of it\n', 'the container read its stdin');
  });

  t.test('a created container writes to create\'s stdio after start', async (t) => {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const c = rtf(t, root, ['create', '--bundle', bundleFor(t, sh('echo hello-out; echo hello-err >&2')), id]);
    t.equal(c.status, 0, 'create', { stderr: c.stderr });
    t.equal(fs.readFileSync(c.outFile, 'utf8'), '', 'nothing written before start');
    t.equal(rt(root, ['start', id]).status, 0, 'start');
    t.ok(await stopped(root, id), 'stops');
    t.equal(fs.readFileSync(c.outFile, 'utf8'), 'hello-out\n', 'stdout went to create\'s stdout');
    t.equal(fs.readFileSync(c.errFile, 'utf8'), 'hello-err\n', 'stderr went to create\'s stderr');
  });
});

t.test('the interpreters: bun by default, node with OCIRUN_JS=node', async (t) => {
  const root = makeRoot(t);
  // bin/ocirun runs the CLI on bun when it is built (dist/ocirun-bun: bun
  // with the bundle compiled in); node is the fallback. Both run the same
  // bundle: a whole lifecycle on each.
  const interp = (pid) => path.basename(fs.readlinkSync(`/proc/${pid}/exe`));
  const base = Object.fromEntries(CLEAN_ENV.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  for (const [name, env, exe] of [['bun', base, 'ocirun-bun'], ['node', { ...base, OCIRUN_JS: 'node' }, 'node']]) {
    const id = uniqueId('lc');
    cleanupContainer(t, root, id);
    const bundle = bundleFor(t, sh('echo "pid=$$"; cat /proc/self/status | grep ^NoNewPrivs'));
    const c = rtf(t, root, ['create', '--bundle', bundle, id], { env: { ...env, OCIRUN_FRONT: '0' } });
    t.equal(c.status, 0, `${name}: create`, { stderr: c.stderr });
    const pid = state(root, id)?.pid;
    // The created init is a clone of the interpreter, waiting for start.
    t.equal(pid && interp(pid), exe, `${name}: the created init is a clone of ${exe}`);
    const s = rtf(t, root, ['start', id], { env: { ...env, OCIRUN_FRONT: '0' } });
    t.equal(s.status, 0, `${name}: start`, { stderr: s.stderr });
    t.ok(await stopped(root, id, pid), `${name}: stops`);
    t.equal(fs.readFileSync(c.outFile, 'utf8'), 'pid=1\nNoNewPrivs:\t1\n', `${name}: the container ran, as pid 1`);
    const d = rtf(t, root, ['delete', id], { env: { ...env, OCIRUN_FRONT: '0' } });
    t.equal(d.status, 0, `${name}: delete`, { stderr: d.stderr });
    t.equal(state(root, id), undefined, `${name}: gone`);
  }
});

// Last: every container of this file is gone, processes included (a killed
// init is reaped by the host's init a little later: wait for it), so the
// suite's leak check after the run finds nothing of ours.
nothingLeftOfThisFile(t, ['lc', 'bad', 'nosuch']);
