// `exec` in the native front (addon/front/exec.cc): `exec ID COMMAND...` runs
// the plan the first such exec (the CLI's) kept, `exec --process FILE ID` the plan
// the CLI kept for exactly those bytes (lib/state/front-exec.ts). Each case
// runs the same exec through the front and through the CLI (OCIRUN_FRONT=0)
// and compares what the process saw; whether the CLI started is seen from a
// preloaded module (test/lib/front-call.mjs). Whatever the plan does not
// cover goes to the CLI, with the CLI's answer.
//
//   npx tap --disable-coverage test/front-exec.test.mjs
import t from 'tap';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REPO, makeRoot, makeBundle, uniqueId, cleanupContainer, waitFor, tempDir, procState, nothingLeftOfThisFile, assertNothingLeft,
} from './lib/harness.mjs';
import { frontCaller } from './lib/front-call.mjs';

const TAG = 'fexec';
const root = makeRoot(t);
const work = tempDir(t, 'fexec-work');
const oci = frontCaller(root, work);

/** A started container (config edits in `edit`); deleted at teardown. Returns its id, bundle and init pid. */
async function running(t, edit = () => {}, opts = {}, { plan: planned = true } = {}) {
  const id = uniqueId(TAG);
  const bundle = makeBundle(t, (c) => {
    c.process.terminal = false;
    c.process.args = ['sleep', '1000'];
    edit(c);
  }, opts);
  cleanupContainer(t, root, id);
  const c = oci(['create', '--bundle', bundle, id]);
  t.equal(c.status, 0, `create${c.stderr ? `: ${c.stderr}` : ''}`);
  const s = oci(['start', id]);
  t.equal(s.status, 0, `start${s.stderr ? `: ${s.stderr}` : ''}`);
  const pid = JSON.parse(oci(['state', id]).stdout).pid;
  // create plans no exec: the first `exec ID COMMAND...` is the CLI's, and
  // it leaves the plan for the front (lib/state/front-exec.ts cmd-plan).
  const plan = path.join(root, id, 'cmd-plan');
  t.notOk(fs.existsSync(plan), 'no exec plan after create');
  const first = oci(['exec', id, 'true']);
  t.equal(first.status, 0, `first exec${first.stderr ? `: ${first.stderr}` : ''}`);
  t.ok(first.node, 'the first exec ID COMMAND: the CLI');
  if (planned) t.match(fs.readFileSync(plan, 'utf8'), /^ocirun-exec-plan 1\n[^]*\nend\n$/, 'which wrote the plan');
  else t.notOk(fs.existsSync(plan), 'which wrote no plan: every exec is the CLI\'s');
  return { id, bundle, pid };
}

/**
 * The same exec through bin/ocirun and through the CLI (OCIRUN_FRONT=0):
 * the front's result. handed: the front must have handed this one over.
 */
function both(t, args, what, opts = {}, handed = false) {
  const f = oci(args, opts);
  const c = oci(args, { ...opts, front: false });
  if (handed) t.ok(f.node, `${what}: handed to the CLI`);
  else t.notOk(f.node, `${what}: the front ran it, the CLI did not start`) || t.comment(f.stderr);
  t.ok(c.node, `${what}: with OCIRUN_FRONT=0 the CLI ran it`);
  t.equal(f.status, c.status, `${what}: the same exit status (${c.status})`);
  t.equal(f.stdout, c.stdout, `${what}: the process saw the same`);
  t.equal(f.stderr, c.stderr, `${what}: the same stderr`);
  return f;
}

// Everything a process can see of how it was set up.
const PROBE = [
  'id', 'grep -E "^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/self/status',
  'echo umask=$(umask) cwd=$(pwd)', 'env | sort', 'echo nofile=$(ulimit -n)/$(ulimit -Hn)',
  'cat /proc/self/oom_score_adj', 'mkdir /tmp/probe-dir 2>&1; echo mkdir=$?',
  'ls /proc/self/fd | sort -n | tr "\\n" " "; echo',
  'for n in pid mnt uts ipc net; do readlink /proc/self/ns/$n; done',
  'exit 3',
].join('; ');

t.test('exec COMMAND: the front runs what the CLI runs', async (t) => {
  const { id, pid } = await running(t, (c) => {
    c.process.user = { uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o027 };
    c.process.cwd = '/tmp';
    c.process.env = ['PATH=/usr/bin:/bin', 'A=b c'];  // no HOME: the container's passwd says /home/user
    c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1000, hard: 2000 }];
    c.process.capabilities = { bounding: ['CAP_KILL', 'CAP_NET_RAW'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
    c.process.noNewPrivileges = false;
    c.process.oomScoreAdj = 123;
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
  });
  const r = both(t, ['exec', id, 'sh', '-c', PROBE], 'probe');
  t.equal(r.status, 3, 'exit status 3');
  t.match(r.stdout, /uid=1000\(user\) gid=1000\(user\) groups=10,20/, 'user and additional groups');
  t.match(r.stdout, /CapEff:\s+0000000000000000\n/, 'effective capabilities: none, as uid 1000 without ambient ones');
  t.match(r.stdout, /CapBnd:\s+0000000000002020\n/, 'bounding: CAP_KILL, CAP_NET_RAW');
  t.match(r.stdout, /NoNewPrivs:\s+0\n/, 'no_new_privs as configured');
  t.match(r.stdout, /Seccomp:\s+2\n/, 'under the container\'s seccomp filter');
  t.match(r.stdout, /Operation not permitted\nmkdir=1/, 'the filter is the container\'s (mkdir refused)');
  t.match(r.stdout, /umask=0027 cwd=\/tmp/, 'umask and cwd');
  t.match(r.stdout, /A=b c\nHOME=\/home\/user\nPATH=\/usr\/bin:\/bin\n/, 'env, HOME from the container\'s passwd');
  t.match(r.stdout, /nofile=1000\/2000/, 'rlimits');
  t.match(r.stdout, /\n123\n/, 'oom_score_adj');
  t.match(r.stdout, /\n0 1 2 3 \n/, 'only 0-2 open (3: ls\'s own dir fd)');
  const initNs = ['pid', 'mnt', 'uts', 'ipc', 'net'].map((n) => fs.readlinkSync(`/proc/${pid}/ns/${n}`)).join('\n');
  t.match(r.stdout, `\n${initNs}\n`, 'the init\'s namespaces');

  const sig = both(t, ['exec', id, 'sh', '-c', 'kill -TERM $$'], 'killed by a signal');
  t.equal(sig.status, 143, '128 + SIGTERM');
  const input = both(t, ['exec', id, '--', 'cat'], 'stdin', { input: 'from stdin\n' });
  t.equal(input.stdout, 'from stdin\n', 'stdin reaches the process');
  const created = oci(['exec', id, 'sh', '-c', 'cat /proc/self/cgroup']);
  t.equal(created.stdout, fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'), 'the process is in the container\'s cgroups');
});

t.test('exec --detach --pid-file, and preserved fds', async (t) => {
  const { id, pid } = await running(t);
  const pidFile = path.join(work, 'exec.pid');
  const d = oci(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '300']);
  t.equal(d.status, 0, `exec --detach ${d.stderr}`);
  t.notOk(d.node, 'the front ran it');
  const text = fs.readFileSync(pidFile, 'utf8');
  t.match(text, /^\d+$/, 'the pid file is bare decimal');
  const p = Number(text);
  t.equal(fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim(), 'sleep', 'that pid is the process');
  t.equal(fs.readlinkSync(`/proc/${p}/ns/pid`), fs.readlinkSync(`/proc/${pid}/ns/pid`), 'in the container\'s pid namespace');
  t.same(fs.readdirSync(path.dirname(pidFile)).filter((f) => f.startsWith('.exec.pid')), [], 'no temporary file left');
  process.kill(p, 'SIGKILL');

  const extra = fs.openSync(path.join(REPO, 'package.json'), 'r');
  try {
    const kept = both(t, ['exec', '--preserve-fds', '1', id, 'sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "'], '--preserve-fds 1', { extraFds: [extra] });
    t.equal(kept.stdout, '0 1 2 3 4 ', 'fd 3 kept (4: ls\'s own)');
    const closed = both(t, ['exec', id, 'sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "'], 'an inherited fd 3 without --preserve-fds', { extraFds: [extra] });
    t.equal(closed.stdout, '0 1 2 3 ', 'fd 3 closed (3: ls\'s own)');
  } finally {
    fs.closeSync(extra);
  }
});

t.test('exec --process FILE: the CLI first, then the front with the plan kept for those bytes', async (t) => {
  const { id } = await running(t);
  const file = path.join(work, 'process.json');
  fs.writeFileSync(file, JSON.stringify({
    args: ['sh', '-c', 'echo $FOO $(id -u) $(pwd)'], env: ['FOO=bar', 'PATH=/bin'], cwd: '/tmp', user: { uid: 1000, gid: 1000 }, terminal: false,
  }));
  const first = oci(['exec', '--process', file, id]);
  t.ok(first.node, 'the first time: the CLI');
  t.equal(first.stdout, 'bar 1000 /tmp\n', 'the process ran');
  t.equal(fs.readdirSync(path.join(root, id)).filter((f) => f.startsWith('exec-')).length, 1, 'its plan is kept in the state dir');
  const again = both(t, ['exec', '--process', file, id], 'the same file again');
  t.equal(again.stdout, 'bar 1000 /tmp\n', 'same output');
  fs.writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'echo other'], cwd: '/', user: { uid: 0, gid: 0 } }));
  const changed = oci(['exec', '--process', file, id]);
  t.ok(changed.node, 'other bytes: the CLI');
  t.equal(changed.stdout, 'other\n', 'and the new process ran');
});

t.test('exec -t --console-socket: the front hands the pty over', async (t) => {
  const { id } = await running(t);
  const sock = path.join(work, 'console.sock');
  const receiver = spawn('python3', [path.join(REPO, 'test/lib/console-receiver.py'), sock, '', '15'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  receiver.stdout.on('data', (b) => (out += b));
  t.teardown(() => receiver.kill('SIGKILL'));
  t.ok(await waitFor(() => fs.existsSync(sock)), 'receiver listening');
  const e = oci(['exec', '-t', '--console-socket', sock, '--detach', id, 'sh', '-c', 'echo tty=$(tty)']);
  t.equal(e.status, 0, `exec -t ${e.stderr}`);
  t.notOk(e.node, 'the front ran it');
  t.ok(await waitFor(() => out.includes('"output"'), 10_000), 'the receiver got the pty and its output');
  t.match(out, /tty=\/dev\/pts\/\d+/, 'the process wrote to its pty');
});

t.test('linux.memoryPolicy: an exec gets the container\'s policy too (the CLI runs it: the front has no set_mempolicy)', async (t) => {
  const { id } = await running(t, (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' }; }, {}, { plan: false });
  const r = oci(['exec', id, 'head', '-1', '/proc/self/numa_maps']);
  t.equal(r.status, 0, `exec${r.stderr ? `: ${r.stderr}` : ''}`);
  t.ok(r.node, 'the CLI ran it');
  t.match(r.stdout, /^\S+ bind:0 /, 'the exec\'d process is bound to node 0');
});

t.test('what the plan does not cover goes to the CLI', async (t) => {
  const { id, bundle } = await running(t, (c) => {
    c.process.env = ['PATH=/bin'];
    c.process.user = { uid: 1000, gid: 1000 };
  }, { copyRootfs: true });
  const home = () => oci(['exec', id, 'sh', '-c', 'echo $HOME']);
  const h1 = home();
  t.notOk(h1.node, 'the front');
  t.equal(h1.stdout, '/home/user\n', 'HOME from the container\'s passwd');
  const passwd = path.join(bundle, 'rootfs/etc/passwd');
  fs.writeFileSync(passwd, fs.readFileSync(passwd, 'utf8').replace(':/home/user:', ':/home/changed:'));
  const h2 = home();
  t.ok(h2.node, 'the passwd changed: the CLI decides again');
  t.equal(h2.stdout, '/home/changed\n', 'and reads the new HOME');

  const env = oci(['exec', '-e', 'X=1', id, 'sh', '-c', 'echo $X']);
  t.ok(env.node, '-e: the CLI');
  t.equal(env.stdout, '1\n', '-e X=1 applied');
  const user = oci(['exec', '-u', '0', id, '/usr/bin/id', '-u']);
  t.ok(user.node, '-u: the CLI');
  t.equal(user.stdout, '0\n', '-u 0 applied');
  const tty = oci(['exec', '-t', id, 'true']);
  t.ok(tty.node, '-t without a console socket (its own pty): the CLI');

  const missing = both(t, ['exec', id, '/no/such/program'], 'a program that is not there', {}, true);
  t.equal(missing.status, 255, 'exit 255, as runc');
  t.match(missing.stderr, /exec: "\/no\/such\/program": stat \/no\/such\/program: no such file or directory/, 'the CLI\'s message');

  t.equal(oci(['pause', id]).status, 0, 'pause');
  const paused = both(t, ['exec', id, 'true'], 'paused', {}, true);
  t.match(paused.stderr, /paused/, 'which refuses');
  t.equal(oci(['resume', id]).status, 0, 'resume');
  t.equal(oci(['kill', id, 'KILL']).status, 0, 'kill');
  const pid = JSON.parse(oci(['state', id]).stdout).pid;
  await waitFor(() => ['', 'Z'].includes(procState(pid)));
  const stopped = oci(['exec', id, 'true']);
  t.ok(stopped.node, 'stopped: the CLI');
  t.not(stopped.status, 0, 'which refuses');
  t.equal(oci(['delete', id]).status, 0, 'delete');
  await assertNothingLeft(t, root, id, bundle);
});

nothingLeftOfThisFile(t, [TAG]);
