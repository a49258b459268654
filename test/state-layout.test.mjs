// The state dir layout. A state root deep enough that <root>/<id>/init.sock is longer than the 107
// bytes a unix socket path may have (Docker's shim: --root
// /var/run/docker/runtime-runc/moby and a 64-hex id make it 108). create binds
// the init's start socket and start connects to it through the state dir's fd
// (addon/binding.cc fill_sockaddr, addon/front/commands.c cmd_start): both the
// native front and the CLI, with a console socket of the same depth too.
//
// And the seccomp filter create compiled, kept as seccomp.bpf for exec.
//
//   npx tap --disable-coverage test/state-layout.test.mjs
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { REPO, makeBundle, makeRoot, rtf, uniqueId, cleanupContainer, waitFor, tempDir, assertNothingLeft, nothingLeftOfThisFile } from './lib/harness.mjs';

const TAG = 'longroot';
const base = tempDir(t, 'longroot');
// 120+ characters before the id: the old layout failed already at 108.
const root = path.join(base, 'runtime-runc-' + 'x'.repeat(Math.max(10, 120 - base.length - 14)), 'moby');
fs.mkdirSync(root, { recursive: true });

for (const front of [true, false]) {
  t.test(`create/start/state/kill/delete with a ${root.length}-character --root (${front ? 'native front' : 'CLI'})`, async (t) => {
    // The id padded to 64 characters, as Docker's are (it is also the cgroup name).
    const short = uniqueId(TAG);
    const id = short + '-' + 'f'.repeat(Math.max(0, 63 - short.length));
    const sock = path.join(root, id, 'init.sock');
    t.ok(sock.length > 107, `init.sock path is ${sock.length} characters`);
    const env = { ...process.env, ...(front ? {} : { OCIRUN_FRONT: '0' }) };
    const bundle = makeBundle(t, (c) => {
      c.process.terminal = false;
      c.process.args = ['sh', '-c', 'echo started; sleep 30'];
    });
    cleanupContainer(t, root, id);
    const c = rtf(t, root, ['create', '--bundle', bundle, id], { env });
    t.equal(c.status, 0, `create: ${c.stderr}`);
    t.ok(fs.existsSync(sock), 'the start socket is in the state dir');
    const s = rtf(t, root, ['start', id], { env });
    t.equal(s.status, 0, `start: ${s.stderr}`);
    t.ok(await waitFor(() => fs.readFileSync(c.outFile, 'utf8').includes('started')), 'the program ran');
    t.notOk(fs.existsSync(sock), 'start removed the socket');
    const st = JSON.parse(rtf(t, root, ['state', id], { env }).stdout);
    t.equal(st.status, 'running');
    t.equal(rtf(t, root, ['kill', id, 'KILL'], { env }).status, 0, 'kill');
    t.ok(await waitFor(() => JSON.parse(rtf(t, root, ['state', id], { env }).stdout).status === 'stopped'), 'stopped');
    const d = rtf(t, root, ['delete', id], { env });
    t.equal(d.status, 0, `delete: ${d.stderr}`);
    await assertNothingLeft(t, root, id, bundle);
  });
}

t.test('a console socket path longer than 107 characters', async (t) => {
  const short = uniqueId(TAG);
  const id = short + '-' + 'e'.repeat(Math.max(0, 63 - short.length));
  const sockDir = path.join(root, 'console-' + 'y'.repeat(40));
  fs.mkdirSync(sockDir, { recursive: true });
  const consoleSock = path.join(sockDir, 'console.sock');
  t.ok(consoleSock.length > 107, `console socket path is ${consoleSock.length} characters`);
  // The receiver binds a relative path from inside its dir (python's bind has
  // the same limit); it prints what the container wrote to the pty.
  const receiver = spawn('python3', [path.join(REPO, 'test/lib/console-receiver.py'), 'console.sock', '', '15'], { cwd: sockDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  receiver.stdout.on('data', (b) => (out += b));
  receiver.stderr.on('data', (b) => (out += b));
  t.teardown(() => receiver.kill('SIGKILL'));
  t.ok(await waitFor(() => fs.existsSync(consoleSock)), 'receiver listening');
  const bundle = makeBundle(t, (c) => {
    c.process.terminal = true;
    c.process.args = ['sh', '-c', 'echo tty=$(tty)'];
  });
  cleanupContainer(t, root, id);
  const c = rtf(t, root, ['create', '--bundle', bundle, '--console-socket', consoleSock, id]);
  t.equal(c.status, 0, `create: ${c.stderr}`);
  t.equal(rtf(t, root, ['start', id]).status, 0, 'start');
  t.ok(await waitFor(() => out.includes('"output"'), 10_000), 'the receiver got the pty and its output');
  t.match(out, /tty=\/dev\/pts\/0/, 'the container wrote to its pty');
  t.equal(rtf(t, root, ['delete', '--force', id]).status, 0, 'delete --force');
  await assertNothingLeft(t, root, id, bundle);
});

t.test('exec applies the seccomp filter create compiled (seccomp.bpf), or compiles it when that is unusable', async (t) => {
  const sroot = makeRoot(t);
  const id = uniqueId(TAG);
  const bundle = makeBundle(t, (c) => {
    c.process.terminal = false;
    c.process.args = ['sleep', '30'];
    // mkdir/mkdirat fail with EPERM; everything else is allowed.
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
  });
  cleanupContainer(t, sroot, id);
  t.equal(rtf(t, sroot, ['create', '--bundle', bundle, id]).status, 0, 'create');
  const bpf = path.join(sroot, id, 'seccomp.bpf');
  t.ok(fs.existsSync(bpf) && fs.statSync(bpf).size % 8 === 0 && fs.statSync(bpf).size > 0, 'the compiled filter is in the state dir');
  t.equal(rtf(t, sroot, ['start', id]).status, 0, 'start');
  const probe = ['exec', id, 'sh', '-c', 'grep ^Seccomp: /proc/self/status; mkdir /tmp/d 2>&1; echo rc=$?'];
  const e = rtf(t, sroot, probe);
  t.equal(e.status, 0, e.stderr);
  t.match(e.stdout, /Seccomp:\s+2\n.*Operation not permitted\nrc=1\n/s, 'exec: the filter is on, mkdir refused');
  fs.writeFileSync(bpf, 'abc');
  const e2 = rtf(t, sroot, probe);
  t.match(e2.stdout, /Seccomp:\s+2\n.*Operation not permitted\nrc=1\n/s, 'a torn seccomp.bpf: compiled again from config.json, same result');
  fs.rmSync(bpf);
  const e3 = rtf(t, sroot, probe);
  t.match(e3.stdout, /Seccomp:\s+2\n.*Operation not permitted\nrc=1\n/s, 'no seccomp.bpf (state of an older ocirun): the same');
  t.equal(rtf(t, sroot, ['delete', '--force', id]).status, 0, 'delete --force');
  t.notOk(fs.existsSync(path.join(sroot, id)), 'state dir gone with the filter');
});

nothingLeftOfThisFile(t, [TAG]);
