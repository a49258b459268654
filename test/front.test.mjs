// The native front (bin/ocirun, addon/front): `state`, `start`, `kill` and
// `delete` answered without the CLI where the container's recipe
// (lib/state/front.ts) covers the case, with exactly what the CLI would answer;
// everything else handed to the CLI. Whether the CLI (bun or node) ran is seen from a module that
// BUN_OPTIONS/NODE_OPTIONS preload into every start of the CLI: it writes a file.
//
//   npx tap --disable-coverage test/front.test.mjs
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REPO, makeRoot, makeBundle, uniqueId, cleanupContainer, waitFor, tempDir, procState, sigCaught,
  cgroupDirsNamed, nothingLeftOfThisFile, assertNothingLeft,
} from './lib/harness.mjs';
import { frontCaller } from './lib/front-call.mjs';

const TAG = 'front';
const root = makeRoot(t);
const work = tempDir(t, 'front-work');
/**
 * ocirun ARGS with stdout/stderr to files (a created container keeps them
 * open); `node` says whether the CLI (bun or node) started for it. front: false sends
 * everything to the CLI (OCIRUN_FRONT=0), for comparisons.
 */
const oci = frontCaller(root, work);

const sh = (script) => ['sh', '-c', script];

/** A created container running `args` (config edits in `edit`); deleted at teardown. */
function created(t, args, edit = () => {}) {
  const id = uniqueId(TAG);
  const bundle = makeBundle(t, (c) => {
    c.process.args = args;
    edit(c);
  });
  cleanupContainer(t, root, id);
  const r = oci(['create', '--bundle', bundle, id]);
  t.equal(r.status, 0, `create ${id}${r.stderr ? `: ${r.stderr}` : ''}`);
  return { id, bundle };
}

/** state through the front and through node: both, parsed, and whether they are the same text. */
function bothStates(t, id, status, what) {
  const f = oci(['state', id]);
  const n = oci(['state', id], { front: false });
  t.equal(f.status, 0, `${what}: state exits 0`);
  t.notOk(f.node, `${what}: the front answered state, the CLI did not start`);
  t.ok(n.node, `${what}: with OCIRUN_FRONT=0 the CLI answered`);
  t.equal(f.stdout, n.stdout, `${what}: the same text as the CLI's, byte for byte`);
  const s = JSON.parse(f.stdout);
  t.equal(s.status, status, `${what}: status ${status}`);
  return s;
}

const hostComm = (pid) => {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

// ------------------------------------------------------------ unit: text

t.test('state text from parts is JSON.stringify(state, null, 2) + newline', async (t) => {
  const { stateParts, stateFields, renderState, PID, STATUS } = await import(path.join(REPO, 'dist/state/state-text.js'));
  const base = { id: 'x', ociVersion: '1.2.0', bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00.000Z', owner: 'root', pid: 42, startTime: '1', phase: 'created' };
  const cases = [
    ['no annotations', {}],
    ['empty annotations', { annotations: {} }],
    ['annotations', { annotations: { a: 'b', 'io.x/y': 'v w' } }],
    ['quotes, backslashes, control characters', { annotations: { 'q"k': 'a"b\\c\n\t\u0001', '\\u0000S': '\\u0000S "pid": 1' } }],
    ['unicode', { annotations: { ключ: 'значение ✓', emoji: '🐳' } }],
    ['bundle with odd characters', { bundle: '/tmp/a b/"c"/\u00e9' }],
  ];
  for (const [what, extra] of cases) {
    const r = { ...base, ...extra };
    const parts = stateParts(stateFields(r));
    t.equal(parts.filter((p) => p === PID).length, 1, `${what}: one pid hole`);
    t.equal(parts.filter((p) => p === STATUS).length, 1, `${what}: one status hole`);
    for (const [pid, status] of [[42, 'running'], [0, 'stopped']]) {
      const obj = { ociVersion: r.ociVersion, id: r.id, pid, status, bundle: r.bundle, rootfs: r.rootfs, created: r.created, owner: r.owner };
      if (r.annotations && Object.keys(r.annotations).length) obj.annotations = r.annotations;
      t.equal(renderState(parts, pid, status), JSON.stringify(obj, null, 2) + '\n', `${what}, ${status}: same text`);
    }
  }
});

// ------------------------------------------------------- real containers

t.test('state: the front says what the CLI says, in every status', async (t) => {
  const { id } = created(t, ['sleep', '1000'], (c) => {
    c.annotations = { 'org.example/key': 'value "quoted" ✓', other: 'x' };
  });
  const s = bothStates(t, id, 'created', 'created');
  t.equal(hostComm(s.pid), 'ocirun-init', 'created: the init really waits for start');
  const sd = oci(['--systemd-cgroup', 'state', id]);
  t.notOk(sd.node, '--systemd-cgroup (podman and the shim pass it to every call): the front still answers state');
  t.equal(sd.stdout, oci(['state', id]).stdout, '--systemd-cgroup: the same text');
  t.same(s.annotations, { 'org.example/key': 'value "quoted" ✓', other: 'x' }, 'annotations are there');

  const st = oci(['start', id]);
  t.equal(st.status, 0, 'start');
  await waitFor(() => hostComm(s.pid) === 'sleep');
  bothStates(t, id, 'running', 'running');
  t.equal(hostComm(s.pid), 'sleep', 'running: the init is the program now');

  t.equal(oci(['pause', id]).status, 0, 'pause');
  bothStates(t, id, 'paused', 'paused');
  t.equal(procState(s.pid), 'D', 'paused: the process is frozen') || t.comment(`state letter ${procState(s.pid)}`);
  t.equal(oci(['resume', id]).status, 0, 'resume');
  bothStates(t, id, 'running', 'resumed');

  t.equal(oci(['kill', id, '9']).status, 0, 'kill 9');
  await waitFor(() => procState(s.pid) === '' || procState(s.pid) === 'Z');
  const gone = bothStates(t, id, 'stopped', 'stopped');
  t.equal(gone.pid, 0, 'stopped: pid 0, as the CLI says');
  t.equal(oci(['delete', id]).status, 0, 'delete');
});

t.test('state of what the front does not know goes to the CLI', async (t) => {
  const r = oci(['state', 'no-such-container']);
  t.equal(r.status, 1, 'unknown id: exit 1');
  t.ok(r.node, 'the CLI answered');
  t.match(r.stderr, /container "no-such-container" does not exist/, 'the CLI\'s message');
  for (const [what, args] of [
    ['--debug', ['--debug', 'state', 'x']],
    ['--help', ['state', '--help']],
    ['an unknown flag', ['state', '--bogus', 'x']],
    ['a bad id', ['state', '../x']],
    ['a relative --root', ['--root', 'rel', 'state', 'x']],
    ['--log-format yaml', ['--log-format', 'yaml', 'state', 'x']],
    ['another command', ['list']],
    ['a flag before the command', ['--all', 'kill', 'x']],
    ['a command flag with a value', ['delete', '--force=true', 'x']],
  ]) {
    const x = oci(args);
    t.ok(x.node, `${what}: the CLI took the call`);
  }
  const { id } = created(t, ['sleep', '1000']);
  const front = path.join(root, id, 'front');
  const good = fs.readFileSync(front, 'utf8');
  for (const [what, text] of [
    ['another recipe version', good.replace('ocirun-front 1', 'ocirun-front 2')],
    ['a key it does not know', good.replace('\nstart\n', '\nstart\nsomething-new\n')],
    ['a recipe cut short', good.slice(0, good.length - 10)],
    ['a text length past the end', good.replace(/text (\d+)\n/, (_, n) => `text ${Number(n) + 100000}\n`)],
    ['a cgroup dir to remove outside /sys/fs/cgroup', good.replace(/^rmdir (\S+)$/m, 'rmdir /tmp/x')],
    ['a cgroup dir to remove with ..', good.replace(/^rmdir (\S+)$/m, 'rmdir /sys/fs/cgroup/../../tmp/x')],
    ['a paused file outside /sys/fs/cgroup', good.replace(/^(paused-if \S+ \S+) \S+$/m, '$1 /etc/passwd')],
  ]) {
    t.not(text, good, `${what}: the recipe was changed`);
    fs.writeFileSync(front, text);
    const x = oci(['state', id]);
    t.ok(x.node, `${what}: the CLI answered`);
    t.equal(JSON.parse(x.stdout).status, 'created', `${what}: from state.json`);
  }
  fs.writeFileSync(front, good);
  fs.rmSync(front);
  fs.symlinkSync('/etc/passwd', front);
  t.ok(oci(['state', id]).node, 'recipe a symlink: not followed, the CLI answered');
  fs.rmSync(front);
  t.ok(oci(['state', id]).node, 'no recipe: the CLI answered');
  t.equal(oci(['delete', '--force', id]).status, 0, 'delete --force');
});

t.test('start: the front releases the init; hooks go to the CLI', async (t) => {
  const { id } = created(t, ['sleep', '1000']);
  const sock = path.join(root, id, 'init.sock');
  t.ok(fs.existsSync(sock), 'created: the init listens on init.sock');
  const pid = JSON.parse(oci(['state', id]).stdout).pid;
  const r = oci(['start', id]);
  t.equal(r.status, 0, 'start exits 0');
  t.notOk(r.node, 'the CLI did not start');
  t.equal(r.stdout + r.stderr, '', 'start prints nothing');
  await waitFor(() => hostComm(pid) === 'sleep');
  t.equal(hostComm(pid), 'sleep', 'the init exec\'d the program');
  t.notOk(fs.existsSync(sock), 'init.sock is removed');
  const again = oci(['start', id]);
  t.equal(again.status, 1, 'start again: exit 1');
  t.ok(again.node, 'a running container: the CLI says why');
  t.match(again.stderr, /cannot start an already running container/, 'the CLI\'s message (runc\'s words)');
  t.equal(oci(['delete', '--force', id]).status, 0, 'delete --force');

  const hostOut = tempDir(t, 'front-hook');
  const hooked = created(t, ['sleep', '1000'], (c) => {
    c.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${hostOut}/poststart`] }] };
  });
  t.notOk(/^start$/m.test(fs.readFileSync(path.join(root, hooked.id, 'front'), 'utf8')), 'a poststart hook: the recipe does not allow start');
  const h = oci(['start', hooked.id]);
  t.equal(h.status, 0, 'start with a poststart hook');
  t.ok(h.node, 'the CLI did it');
  t.match(fs.readFileSync(path.join(hostOut, 'poststart'), 'utf8'), /"status":\s*"running"/, 'and the hook ran with the state');
  t.equal(oci(['delete', '--force', hooked.id]).status, 0, 'delete --force');
});

t.test('start whose program cannot be exec\'d: the CLI\'s message, in the JSON log too', async (t) => {
  const results = [];
  for (const front of [true, false]) {
    const bundle = makeBundle(t, (c) => {
      c.process.args = ['/bin/vanishing'];
    }, { copyRootfs: true });
    fs.copyFileSync(path.join(bundle, 'rootfs/bin/busybox'), path.join(bundle, 'rootfs/bin/vanishing'));
    fs.chmodSync(path.join(bundle, 'rootfs/bin/vanishing'), 0o755);
    const id = uniqueId(TAG);
    cleanupContainer(t, root, id);
    t.equal(oci(['create', '--bundle', bundle, id]).status, 0, 'create');
    fs.rmSync(path.join(bundle, 'rootfs/bin/vanishing'));
    const log = path.join(work, `log-${id}.json`);
    const r = oci(['--log', log, '--log-format', 'json', 'start', id], { front });
    t.equal(r.status, 1, `${front ? 'front' : 'the CLI'}: start fails with 1`);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    t.equal(lines.length, 1, 'one log line');
    t.equal(lines[0].level, 'error', 'level error');
    t.equal(lines[0].msg, 'exec: "/bin/vanishing": no such file or directory', 'the message names the program and the cause');
    t.match(r.stderr, /^ocirun: exec: "\/bin\/vanishing": no such file or directory\n$/, 'stderr says it too');
    if (front) t.match(r.nodeArgs, /"start-failed"/, 'the front released the init, the CLI worded the failure');
    t.notOk(fs.existsSync(path.join(root, id, 'init.sock')), 'init.sock is removed');
    results.push(JSON.parse(oci(['state', id]).stdout).status);
    t.equal(oci(['delete', id]).status, 0, 'delete the stopped container');
  }
  t.same(results, ['stopped', 'stopped'], 'both leave it stopped');
});

t.test('kill: numbers and names reach the process; the rest goes to the CLI', async (t) => {
  const out = tempDir(t, 'front-kill');
  fs.chmodSync(out, 0o777);
  const trapper = (c) => {
    c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
  };
  // '': no signal given, SIGTERM.
  const cases = [['10', 'USR1'], ['usr1', 'USR1'], ['SIGUSR2', 'USR2'], ['HUP', 'HUP'], ['sigterm', 'TERM'], ['', 'TERM'], ['SIGIOT', 'ABRT']];
  for (const [given, name] of cases) {
    const file = `sig-${given || 'none'}`;
    const { id } = created(t, sh(`for s in USR1 USR2 HUP TERM ABRT; do trap "echo $s > /out/${file}; exit 0" $s; done; while :; do sleep 0.05; done`), trapper);
    t.equal(oci(['start', id]).status, 0, `start (${given})`);
    await waitFor(() => fs.existsSync(path.join(root, id)) && JSON.parse(oci(['state', id]).stdout).status === 'running');
    // The kernel drops a signal without a handler sent to a pid namespace's
    // init: wait until sh has set all five traps (a fixed 100 ms was not
    // always enough under the suite's load).
    const initPid = JSON.parse(oci(['state', id]).stdout).pid;
    const traps = [1, 6, 10, 12, 15].reduce((m, n) => m | (1n << BigInt(n - 1)), 0n);
    t.ok(await waitFor(() => (sigCaught(initPid) & traps) === traps, 10_000), `(${given}) the traps are set`);
    const r = oci(given ? ['kill', id, given] : ['kill', id]);
    t.equal(r.status, 0, `kill ${given}: exit 0`);
    // SIGIOT is an alias: the CLI's table has it, the front hands it over.
    if (given === 'SIGIOT') t.ok(r.node, `kill ${given}: the CLI took it`);
    else t.notOk(r.node, `kill ${given}: the front did it`);
    // (the file exists from the moment sh's redirection opened it, before
    // echo wrote into it: wait for its line)
    const got = () => (fs.existsSync(path.join(out, file)) ? fs.readFileSync(path.join(out, file), 'utf8') : '');
    await waitFor(() => got().endsWith('\n'));
    t.equal(got().trim(), name, `the process got SIG${name}`);
    t.equal(oci(['delete', '--force', id]).status, 0, 'delete --force');
  }

  const { id } = created(t, ['sleep', '1000']);
  const pid = JSON.parse(oci(['state', id]).stdout).pid;
  const k = oci(['kill', id, 'KILL']);
  t.equal(k.status, 0, 'kill KILL of a created container: exit 0');
  t.notOk(k.node, 'the front did it');
  await waitFor(() => procState(pid) === '' || procState(pid) === 'Z');
  t.ok(['', 'Z'].includes(procState(pid)), 'SIGKILL ended the waiting init');
  const again = oci(['kill', id, '9']);
  t.equal(again.status, 1, 'kill a stopped container: exit 1');
  t.ok(again.node, 'the CLI said why');
  t.match(again.stderr, /container not running/, 'with the words containerd looks for');
  for (const [what, args] of [['--all', ['kill', '--all', id, '9']], ['a signal out of range', ['kill', id, '65']], ['an unknown name', ['kill', id, 'NOPE']]]) {
    t.ok(oci(args).node, `${what}: the CLI took the call`);
  }
  t.equal(oci(['delete', id]).status, 0, 'delete');
});

t.test('delete: the front removes a container, its cgroups and state', async (t) => {
  const top = uniqueId(TAG);
  const { id, bundle } = created(t, ['true'], (c) => {
    c.linux.cgroupsPath = `/${top}/a/b`;
  });
  const recipe = fs.readFileSync(path.join(root, id, 'front'), 'utf8');
  t.match(recipe, /^delete$/m, 'the recipe allows delete');
  t.match(recipe, new RegExp(`^rmdir-parent .*/${top}/a$`, 'm'), 'and names the parents create made');
  t.ok(cgroupDirsNamed(top).length > 0, 'the cgroup dirs are there');
  t.equal(oci(['start', id]).status, 0, 'start (true exits at once)');
  await waitFor(() => JSON.parse(oci(['state', id]).stdout).status === 'stopped');
  const r = oci(['delete', id]);
  t.equal(r.status, 0, 'delete exits 0');
  t.notOk(r.node, 'the front did it');
  t.same(cgroupDirsNamed(top), [], 'no cgroup dir left, parents included');
  await assertNothingLeft(t, root, id, bundle, 'after the front\'s delete');

  const f = oci(['delete', '--force', id]);
  t.equal(f.status, 0, 'delete --force of a gone id: exit 0 (containerd does it)');
  t.notOk(f.node, 'the front said so');
  const n = oci(['delete', id]);
  t.equal(n.status, 1, 'delete of a gone id without --force: exit 1');
  t.ok(n.node, 'the CLI said why');
  t.match(n.stderr, /does not exist/, 'does not exist');

  const running = created(t, ['sleep', '1000']);
  t.equal(oci(['start', running.id]).status, 0, 'start another');
  const busy = oci(['delete', running.id]);
  t.equal(busy.status, 1, 'delete of a running container without --force: exit 1');
  t.ok(busy.node, 'the CLI said why');
  t.match(busy.stderr, /cannot delete container .* that is not stopped: running/, 'the CLI\'s message');
  const runningPid = JSON.parse(oci(['state', running.id]).stdout).pid;
  const forced = oci(['delete', '--force', running.id]);
  t.equal(forced.status, 0, 'delete --force of a running one');
  t.notOk(forced.node, 'the front did it');
  t.ok(['', 'Z'].includes(procState(runningPid)), 'the init was killed before delete returned');
  await assertNothingLeft(t, root, running.id, running.bundle, 'after delete --force');

  const waiting = created(t, ['sleep', '1000']);
  const waitingPid = JSON.parse(oci(['state', waiting.id]).stdout).pid;
  const w = oci(['delete', waiting.id]);
  t.equal(w.status, 0, 'delete of a created container (no --force needed, as runc)');
  t.notOk(w.node, 'the front did it');
  t.ok(['', 'Z'].includes(procState(waitingPid)), 'its waiting init was killed');
  await assertNothingLeft(t, root, waiting.id, waiting.bundle, 'after deleting a created container');

  const paused = created(t, ['sleep', '1000']);
  t.equal(oci(['start', paused.id]).status, 0, 'start one more');
  t.equal(oci(['pause', paused.id]).status, 0, 'pause it');
  const p = oci(['delete', '--force', paused.id]);
  t.equal(p.status, 0, 'delete --force of a paused container');
  t.ok(p.node, 'the CLI did it (it thaws too)');
  await assertNothingLeft(t, root, paused.id, paused.bundle, 'after deleting a paused container');

  const hostOut = tempDir(t, 'front-poststop');
  const hooked = created(t, ['true'], (c) => {
    c.hooks = { poststop: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${hostOut}/poststop`] }] };
  });
  t.notOk(/^delete$/m.test(fs.readFileSync(path.join(root, hooked.id, 'front'), 'utf8')), 'a poststop hook: the recipe does not allow delete');
  t.equal(oci(['start', hooked.id]).status, 0, 'start');
  await waitFor(() => JSON.parse(oci(['state', hooked.id]).stdout).status === 'stopped');
  const h = oci(['delete', hooked.id]);
  t.equal(h.status, 0, 'delete with a poststop hook');
  t.ok(h.node, 'the CLI did it');
  t.ok(fs.existsSync(path.join(hostOut, 'poststop')), 'and ran the hook');
  await assertNothingLeft(t, root, hooked.id, hooked.bundle, 'after the hooked delete');
});

t.test('a container without its own pid namespace: delete stays with the CLI', async (t) => {
  const { id, bundle } = created(t, ['true'], (c) => {
    c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'pid');
  });
  t.notOk(/^delete$/m.test(fs.readFileSync(path.join(root, id, 'front'), 'utf8')), 'the recipe does not allow delete');
  t.equal(oci(['start', id]).status, 0, 'start');
  await waitFor(() => JSON.parse(oci(['state', id]).stdout).status === 'stopped');
  const r = oci(['delete', id]);
  t.equal(r.status, 0, 'delete');
  t.ok(r.node, 'the CLI did it');
  await assertNothingLeft(t, root, id, bundle);
});

nothingLeftOfThisFile(t, [TAG]);
