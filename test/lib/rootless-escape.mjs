// Escapes of a rootless caller (issue #17), run by test/escape.test.mjs with
// a user from makeUser(): one user can never see, signal, delete or enter
// another user's or root's containers, and nothing it controls (bundle paths,
// symlinks in its rootfs, its $XDG_RUNTIME_DIR, --pid-file) makes ocirun act
// with more than its rights.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeRoot, makeBundle, uniqueId, cleanupContainer, rt, rtFiles, state } from './harness.mjs';
import { makeUser } from './rootless.mjs';

/** Registers the subtests on t; `count` is called once per escape test. */
export function rootlessEscapes(t, u, count = () => {}) {
  count();
  t.test('one user cannot see, signal, enter or delete root\'s containers', async (t) => {
    const rootDir = makeRoot(t);
    const b = makeBundle(t, (c) => { c.process.args = ['sleep', '60']; c.process.terminal = false; });
    const id = uniqueId('rlroot');
    cleanupContainer(t, rootDir, id);
    const rc = rtFiles(t, rootDir, ['run', '-d', '--bundle', b, id]);
    t.equal(rc.status, 0, rc.stderr);
    const before = state(rootDir, id);
    for (const args of [['state', id], ['kill', id, 'KILL'], ['delete', '--force', id], ['exec', id, 'true'], ['list'], ['ps', id], ['pause', id]]) {
      const r = u.oci(['--root', rootDir, ...args]);
      t.equal(r.status, args[0] === 'exec' ? 255 : 1, `${args[0]} refused`);
      t.match(r.stderr, /permission denied/i, `${args[0]}: permission denied`);
    }
    // The default root (/run/ocirun) is root's too.
    const def = u.oci(['--root', '/run/ocirun', 'state', id]);
    t.equal(def.status, 1);
    const after = state(rootDir, id);
    t.equal(after.status, 'running', 'root\'s container still runs');
    t.equal(after.pid, before.pid, 'the same process');
    t.equal(rt(rootDir, ['delete', '--force', id]).status, 0);
  });

  count();
  t.test('nothing the user controls gives it more than its own rights', async (t) => {
    const id = uniqueId('rlesc');
    t.teardown(() => u.oci(['delete', '--force', id]));
    // A bind of a dir only root may read: the kernel checks the user's rights.
    const secret = fs.mkdtempSync('/tmp/ocirun-test-rlsecret-');
    t.teardown(() => fs.rmSync(secret, { recursive: true, force: true }));
    fs.chmodSync(secret, 0o700);
    fs.writeFileSync(path.join(secret, 'key'), 'root only\n', { mode: 0o600 });
    const bind = u.bundle((c) => {
      c.process.args = ['cat', '/s/key'];
      c.mounts.push({ destination: '/s', type: 'bind', source: secret, options: ['rbind', 'ro'] });
    });
    const r1 = u.oci(['run', '--bundle', bind, id]);
    t.not(r1.status, 0, 'a bind of root\'s private dir is not readable');
    t.notMatch(r1.stdout, /root only/);
    // A symlink in the rootfs pointing at a host path: resolved inside the rootfs, not on the host.
    const link = u.bundle((c) => {
      c.root.readonly = false;
      c.process.args = ['sh', '-c', 'echo pwned > /escape/pwned 2>/dev/null; ls /escape'];
      c.mounts.push({ destination: '/escape', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    });
    fs.symlinkSync(secret, path.join(link, 'rootfs', 'escape'));
    const r2 = u.oci(['run', '--bundle', link, id]);
    t.equal(r2.status, 0, r2.stderr);
    t.notOk(fs.existsSync(path.join(secret, 'pwned')), 'the host dir the symlink names is untouched');
    // A pid file in a root-owned dir: refused, and the container is rolled back.
    const pf = u.bundle((c) => { c.process.args = ['sleep', '60']; });
    const r3 = u.oci(['create', '--pid-file', path.join(secret, 'pid'), '--bundle', pf, id]);
    t.equal(r3.status, 1, 'pid file in a dir the user may not write');
    t.notOk(fs.existsSync(path.join(secret, 'pid')));
    t.equal(u.oci(['state', id]).status, 1, 'rolled back');
    // $XDG_RUNTIME_DIR naming root's state dir.
    fs.mkdirSync('/tmp/ocirun-test-rlxdg-root', { mode: 0o700, recursive: true });
    t.teardown(() => fs.rmSync('/tmp/ocirun-test-rlxdg-root', { recursive: true, force: true }));
    const r4 = u.oci(['run', '--bundle', pf, id], { env: { XDG_RUNTIME_DIR: '/tmp/ocirun-test-rlxdg-root' } });
    t.equal(r4.status, 1);
    t.match(r4.stderr, /not a directory owned by you/);
    t.same(fs.readdirSync('/tmp/ocirun-test-rlxdg-root'), [], 'nothing made in it');
    // Another user's containers: a second user cannot reach the first one's.
    const b = u.bundle((c) => { c.process.args = ['sleep', '60']; });
    t.equal(u.oci(['run', '-d', '--bundle', b, id]).status, 0);
    const v = makeUser(t, 'rlv');
    const other = path.join(u.xdg, 'ocirun');
    for (const args of [['state', id], ['kill', id, 'KILL'], ['delete', '--force', id], ['exec', id, 'true']]) {
      const r = v.oci(['--root', other, ...args]);
      t.equal(r.status, args[0] === 'exec' ? 255 : 1, `other user: ${args[0]} refused`);
      t.match(r.stderr, /permission denied/i);
    }
    t.equal(JSON.parse(u.oci(['state', id]).stdout).status, 'running', 'still running');
    t.equal(u.oci(['delete', '--force', id]).status, 0);
  });
}
