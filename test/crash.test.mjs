// Crash safety: the runtime killed (SIGKILL) at every test stop point
// (lib/util/testpoint.ts, OCIRUN_TEST_STOP_AT=<phase>) of create, run, start,
// delete and exec. Afterwards `state ID` still answers (the state JSON, or
// "does not exist", never a crash), `delete --force ID` exits 0, and nothing
// of the container is left: no process, no cgroup dir, no state dir, no
// init.sock, no mount of its bundle, no stray runtime child.
// Also: an init that dies while create runs its hooks -> create fails
// cleanly, nothing left.
// The systemd cgroup driver's phases (create:clone, create:unit-started,
// create:ready with --systemd-cgroup: delete --force also stops the unit) need
// systemd on cgroup v2: test/systemd/checks.sh runs them in the VM.
//
//   npx tap --disable-coverage test/crash.test.mjs
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  makeRoot, makeBundle, uniqueId, waitFor, sleep, tempDir, rtFiles, spawnFiles, procState, processesIn,
  assertNothingLeft, cgroupDirsNamed, nothingLeftOfThisFile,
} from './lib/harness.mjs';

t.setTimeout(170_000);

const ROOT = makeRoot(t);
const IO = tempDir(t, 'crash-io');

// ------------------------------------------------------------------ helpers

const sh = (script) => ['sh', '-c', script];

/** Host processes (any state but zombie) whose command line mentions `s`. */
function cmdlinesMentioning(s) {
  const out = [];
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    if (Number(p) === process.pid) continue;
    try {
      const st = procState(p);
      if (st === 'Z' || st === '') continue;
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(s)) out.push(`${p} [${st}] ${cmd.slice(0, 160)}`);
    } catch { /* gone */ }
  }
  return out;
}

/** `state ID` answers: valid state JSON of `id` (exit 0), or exit 1 with one line saying "does not exist". */
function checkState(t, id, what) {
  const r = rtFiles(t, ROOT, ['state', id], { dir: IO });
  t.equal(r.signal, null, `${what}: state is not killed by a signal`);
  t.notMatch(r.stderr, /internal error|\n\s+at /, `${what}: state does not crash`, { stderr: r.stderr });
  if (r.status === 0) {
    let st;
    t.doesNotThrow(() => (st = JSON.parse(r.stdout)), `${what}: state prints JSON`);
    t.equal(st?.id, id, `${what}: state of the right id`);
    t.match(st?.status, /^(creating|created|running|paused|stopped)$/, `${what}: a known status`);
    return st;
  }
  t.equal(r.status, 1, `${what}: state exits 0 or 1`, { stderr: r.stderr });
  t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`, { stderr: r.stderr });
  t.match(r.stderr, /^ocirun: .*does not exist/, `${what}: says it does not exist`);
  return undefined;
}

/**
 * Runs `args` with OCIRUN_TEST_STOP_AT=phase, waits until the runtime has
 * stopped itself there, and kills it with SIGKILL. Returns the runtime's pid,
 * or 0 if it never reached the stop point (the test fails then).
 */
async function killAt(t, phase, args) {
  const p = spawnFiles(ROOT, args, { env: { OCIRUN_TEST_STOP_AT: phase }, dir: IO });
  let pid = 0;
  let exitedEarly;
  p.exited.then((r) => (exitedEarly = r));
  const reached = await waitFor(() => {
    if (exitedEarly) return true;
    const m = /test stop point "([^"]+)" \(pid (\d+)\)/.exec(fs.readFileSync(p.errFile, 'utf8'));
    if (!m) return false;
    pid = Number(m[2]);
    return procState(pid) === 'T';
  }, 30_000, 10);
  if (!reached || exitedEarly || !pid) {
    t.fail(`${args[0]} reached stop point ${phase} and stopped`, {
      exited: exitedEarly, stderr: fs.readFileSync(p.errFile, 'utf8'),
    });
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch { /* gone */ }
    await p.exited;
    return 0;
  }
  t.equal(pid, p.pid, `${phase}: the stopped process is the runtime we started`);
  process.kill(pid, 'SIGKILL');
  const r = await p.exited;
  t.equal(r.signal, 'SIGKILL', `${phase}: the runtime died of SIGKILL`);
  return pid;
}

/** A detached container running `sleep 1000` (create + start), for the later phases. */
function running(t, id, bundle) {
  const c = rtFiles(t, ROOT, ['create', '-b', bundle, id], { dir: IO });
  t.equal(c.status, 0, 'create', { stderr: c.stderr });
  const s = rtFiles(t, ROOT, ['start', id], { dir: IO });
  t.equal(s.status, 0, 'start', { stderr: s.stderr });
}

/** After the crash: state answers, delete --force works, nothing is left. */
async function afterCrash(t, id, bundle, what) {
  const st = checkState(t, id, what);
  const l = rtFiles(t, ROOT, ['list', '--format', 'json'], { dir: IO });
  t.equal(l.status, 0, `${what}: list works`, { stderr: l.stderr });
  let arr;
  t.doesNotThrow(() => (arr = JSON.parse(l.stdout)), `${what}: list prints JSON`);
  if (st) t.ok(arr?.some((x) => x.id === id), `${what}: list shows it as state does`);
  const d = rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO });
  t.equal(d.status, 0, `${what}: delete --force exits 0`, { stderr: d.stderr });
  t.notMatch(d.stderr, /internal error/, `${what}: delete --force does not crash`);
  const again = checkState(t, id, `${what} (after delete)`);
  t.equal(again, undefined, `${what}: state says it does not exist after delete --force`);
  await assertNothingLeft(t, ROOT, id, bundle, what);
  await waitFor(() => cmdlinesMentioning(id).length === 0, 3000, 50);
  t.same(cmdlinesMentioning(id), [], `${what}: no stray runtime process or child mentions the id`);
  return st;
}

// ------------------------------------------------------------- stop points

const HOOK_DIR = tempDir(t, 'crash-hooks');

// Every create-time stop point, reached by `create` and by `run`.
const CREATE_PHASES = [
  'create:state-dir', 'create:cgroup', 'create:clone', 'create:cgroup-joined', 'create:hooks',
  'create:ready', 'create:pid-file',
];

let faultPoints = 0;

t.test('kill -9 at each stop point of create and run', async (t) => {
  for (const cmd of ['create', 'run']) {
    for (const phase of CREATE_PHASES) {
      t.test(`${cmd} killed at ${phase}`, async (t) => {
        const id = uniqueId('crash');
        t.teardown(() => rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO }));
        const pidFile = path.join(HOOK_DIR, `${id}.pid`);
        const bundle = makeBundle(t, (c) => {
          c.process.args = ['sleep', '1000'];
          // create:hooks is only reached when there is a hook to run. It
          // reads its stdin: a hook that does not can fail create with EPIPE
          // (a bug of its own, not what this test is about).
          if (phase === 'create:hooks') c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'cat >/dev/null'] }] };
        });
        const args = cmd === 'run'
          ? ['run', '-d', '-b', bundle, '--pid-file', pidFile, id]
          : ['create', '-b', bundle, '--pid-file', pidFile, id];
        if (!(await killAt(t, phase, args))) return;
        faultPoints++;
        const st = await afterCrash(t, id, bundle, `${cmd}@${phase}`);
        // The create never finished: the container must not look alive.
        if (st) t.not(st.status, 'running', `${cmd}@${phase}: an unfinished create is not reported running`);
      });
    }
  }
});

t.test('kill -9 of start at start:release', async (t) => {
  for (const cmd of ['start', 'run']) {
    t.test(`${cmd} killed at start:release`, async (t) => {
      const id = uniqueId('crash');
      t.teardown(() => rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO }));
      const host = tempDir(t, 'crash-mark');
      fs.chmodSync(host, 0o777);
      const bundle = makeBundle(t, (c) => {
        c.process.args = sh('echo ran > /mark/ran; sleep 1000');
        c.mounts.push({ destination: '/mark', type: 'bind', source: host, options: ['rbind', 'rw'] });
      });
      let args;
      if (cmd === 'start') {
        const c = rtFiles(t, ROOT, ['create', '-b', bundle, id], { dir: IO });
        t.equal(c.status, 0, 'create', { stderr: c.stderr });
        args = ['start', id];
      } else {
        args = ['run', '-b', bundle, id];
      }
      if (!(await killAt(t, 'start:release', args))) return;
      faultPoints++;
      const st = checkState(t, id, `${cmd}@start:release (before delete)`);
      // start died after it unlinked the start socket and before it
      // released the init: the user's program did not run. "running" would
      // be a lie (runtime.md: running = the user program was executed) and a
      // dead end: a second start refuses a running container, and the init
      // waits forever on a socket nobody can reach. Acceptable: "created"
      // (and start works again) or "stopped".
      await waitFor(() => fs.existsSync(path.join(host, 'ran')), 500);
      const ran = fs.existsSync(path.join(host, 'ran'));
      t.comment(`${cmd}@start:release: state says ${st?.status}; program ran: ${ran}`);
      if (st?.status === 'running') {
        t.ok(ran, `${cmd}@start:release: state says "running" only if the user's program ran`);
      } else if (st?.status === 'created') {
        const again = rtFiles(t, ROOT, ['start', id], { dir: IO });
        t.equal(again.status, 0, `${cmd}@start:release: "created": a second start works`, { stderr: again.stderr });
        t.ok(await waitFor(() => fs.existsSync(path.join(host, 'ran')), 5000), 'and the program runs');
      }
      await afterCrash(t, id, bundle, `${cmd}@start:release`);
    });
  }
});

t.test('kill -9 of delete --force at delete:killed and delete:cgroup', async (t) => {
  for (const phase of ['delete:killed', 'delete:cgroup']) {
    for (const initial of ['running', 'created']) {
      t.test(`delete --force of a ${initial} container killed at ${phase}`, async (t) => {
        const id = uniqueId('crash');
        t.teardown(() => rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO }));
        const bundle = makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
        if (initial === 'running') running(t, id, bundle);
        else t.equal(rtFiles(t, ROOT, ['create', '-b', bundle, id], { dir: IO }).status, 0, 'create');
        if (!(await killAt(t, phase, ['delete', '--force', id]))) return;
        faultPoints++;
        const st = await afterCrash(t, id, bundle, `delete(${initial})@${phase}`);
        if (st) t.equal(st.status, 'stopped', `delete(${initial})@${phase}: its init was killed: stopped`);
      });
    }
  }
});

t.test('kill -9 of exec at exec:clone', async (t) => {
  for (const detach of [false, true]) {
    t.test(`exec${detach ? ' -d' : ''} killed at exec:clone`, async (t) => {
      const id = uniqueId('crash');
      t.teardown(() => rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO }));
      const bundle = makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
      running(t, id, bundle);
      const args = ['exec', ...(detach ? ['-d'] : []), id, 'sleep', '999'];
      if (!(await killAt(t, 'exec:clone', args))) return;
      faultPoints++;
      // The container itself is unharmed by the dead exec.
      const st = checkState(t, id, `exec@exec:clone (before delete)`);
      t.equal(st?.status, 'running', 'the container still runs');
      // The half-made exec process must not linger (outside the container's
      // cgroup, waiting for a parent that is gone).
      await waitFor(() => cmdlinesMentioning(`exec ${detach ? '-d ' : ''}${id}`).length === 0, 3000, 50);
      t.same(cmdlinesMentioning(`exec ${detach ? '-d ' : ''}${id}`), [], 'no half-made exec process left');
      await afterCrash(t, id, bundle, 'exec@exec:clone');
    });
  }
});

// --------------------------------------------- the init dies during create

/** A hook script that SIGKILLs the pid of the state JSON it reads on stdin. */
function killerHook() {
  const p = path.join(HOOK_DIR, `kill-init-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(p, [
    '#!/bin/sh',
    's=$(/bin/cat)',
    'pid=$(echo "$s" | /bin/sed -n \'s/.*"pid":\\([0-9][0-9]*\\).*/\\1/p\')',
    '[ -n "$pid" ] && [ "$pid" -gt 1 ] || exit 3',
    'kill -9 "$pid"',
    // Give the kernel a moment: the runtime must see the init gone.
    'while [ -e /proc/"$pid"/status ] && ! /bin/grep -q "^State:.*Z" /proc/"$pid"/status 2>/dev/null; do /bin/sleep 0.01; done',
    'exit 0',
    '',
  ].join('\n'), { mode: 0o755 });
  return p;
}

t.test('the init is killed while create runs its hooks', async (t) => {
  const cases = [
    ['prestart hook (host)', (c, h) => { c.hooks = { prestart: [{ path: h }] }; }],
    ['createRuntime hook (host)', (c, h) => { c.hooks = { createRuntime: [{ path: h }] }; }],
    // A createContainer hook runs in the container's namespaces: without a
    // pid namespace it can see (and kill) the init's host pid.
    ['createContainer hook (no pid namespace)', (c, h) => {
      c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'pid');
      c.hooks = { createContainer: [{ path: h }] };
    }],
  ];
  for (const [name, edit] of cases) {
    for (const cmd of ['create', 'run']) {
      t.test(`${cmd}: ${name}`, async (t) => {
        const id = uniqueId('crash');
        t.teardown(() => rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO }));
        const hook = killerHook();
        const bundle = makeBundle(t, (c) => {
          c.process.args = ['sleep', '1000'];
          edit(c, hook);
        });
        const r = rtFiles(t, ROOT, [cmd, ...(cmd === 'run' ? ['-d'] : []), '-b', bundle, id], { dir: IO, timeout: 60_000 });
        t.equal(r.signal, null, 'not killed by a signal');
        t.equal(r.status, 1, `${cmd} fails (exit 1)`, { stderr: r.stderr });
        t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr', { stderr: r.stderr });
        t.match(r.stderr, /^ocirun: /, 'starting with "ocirun: "');
        t.notMatch(r.stderr, /internal error|\s+at .*:\d+:\d+/, 'no internal error, no stack trace');
        await assertNothingLeft(t, ROOT, id, bundle, name);
        t.same(cmdlinesMentioning(id), [], 'no stray process mentions the id');
        t.same(fs.readdirSync(ROOT).filter((x) => x.includes(id)), [], 'root holds nothing of it');
      });
    }
  }
});

// ------------------------------------ a runtime that cannot lock the state

t.test('delete --force that cannot lock the state dir (the addon fails to load)', async (t) => {
  // Fault injection from outside: a preload makes loading the addon fail, as
  // it does while the addon is being rebuilt. delete --force must then not
  // report success while the container lives, and must not drop the state
  // that a later delete --force needs to clean up.
  const preload = path.join(HOOK_DIR, 'no-addon.cjs');
  // (process.dlopen: both bun's and node's require of a .node file go through it)
  fs.writeFileSync(preload, [
    'const dlopen = process.dlopen;',
    "process.dlopen = function (m, file, ...a) { if (String(file).endsWith('ocirun.node')) { const e = new Error(`Cannot find module '${file}'`); e.code = 'MODULE_NOT_FOUND'; throw e; } return dlopen.call(this, m, file, ...a); };",
    '',
  ].join('\n'));
  const id = uniqueId('crash');
  const bundle = makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; });
  t.teardown(async () => {
    rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO });
    // What a wrong "success" orphaned: kill it and remove its cgroups.
    for (const pid of processesIn(id)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* gone */ }
    }
    await waitFor(() => processesIn(id).length === 0, 3000, 50);
    for (const d of cgroupDirsNamed(id).sort((a, b) => b.length - a.length)) {
      try {
        fs.rmdirSync(d);
      } catch { /* busy or gone */ }
    }
  });
  const c = rtFiles(t, ROOT, ['create', '-b', bundle, id], { dir: IO });
  t.equal(c.status, 0, 'create', { stderr: c.stderr });
  const pid = JSON.parse(rtFiles(t, ROOT, ['state', id], { dir: IO }).stdout || '{}').pid;
  // OCIRUN_FRONT=0: the interpreter's delete (the native front needs no addon)
  const d = rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO, env: { NODE_OPTIONS: `--require ${preload}`, BUN_OPTIONS: `--preload=${preload}`, OCIRUN_FRONT: '0' } });
  t.equal(d.signal, null, 'delete --force without its addon: not killed');
  await sleep(200);
  const alive = !['', 'Z', 'X'].includes(procState(pid));
  if (d.status === 0) {
    t.notOk(alive, 'exit 0 only if the container\'s init is gone', { stderr: d.stderr });
    t.same(cgroupDirsNamed(id), [], 'exit 0 only if its cgroups are gone');
  } else {
    t.ok(oneLineError(d.stderr), 'it fails with one line', { stderr: d.stderr });
  }
  if (alive) t.ok(fs.existsSync(path.join(ROOT, id)), 'while the init lives its state is kept (a later delete --force needs it)');
  const again = rtFiles(t, ROOT, ['delete', '--force', id], { dir: IO });
  t.equal(again.status, 0, 'a normal delete --force afterwards', { stderr: again.stderr });
  await assertNothingLeft(t, ROOT, id, bundle, 'after a normal delete --force');
});

const oneLineError = (s) => s.trim().split('\n').length === 1 && /^ocirun: /.test(s);

// (zombies do not count: the runtimes killed midway leave their inits to pid 1 to reap)
nothingLeftOfThisFile(t, ['crash'], {
  zombies: false,
  also: (t) => {
    t.same(fs.readdirSync(ROOT), [], 'the state root is empty');
    t.comment(`fault points killed: ${faultPoints}`);
    t.ok(faultPoints >= 22, `every stop point was reached and killed (${faultPoints})`);
  },
});
