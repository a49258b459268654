// Rootless podman (issue #17) with ocirun as its runtime, as an ordinary user
// with a subuid/subgid range (test/lib/rootless.mjs): vfs storage, no network.
// Podman runs the runtime inside its own user namespace as "root" there, with
// no --root (so $XDG_RUNTIME_DIR/ocirun). Every case runs with runc as well, in
// the same store: the same results. At the end nothing of ocirun's is left:
// no state under the user's runtime dir, no container process, no mount.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BUSYBOX_BUNDLE, hasRunc } from '../lib/harness.mjs';
import { makeUser, rootlessUnavailable } from '../lib/rootless.mjs';
import { setupEngine, teardownEngine } from '../lib/engines.mjs';

// test/engines/setup.sh installs podman, conmon and uidmap when missing (its
// root store is not used here: torn down right away).
const setup = setupEngine('podman');
teardownEngine(setup.dir);
const why = rootlessUnavailable();
if (setup.status !== 0) t.fail(`test/engines/setup.sh podman failed: ${setup.stderr.trim().split('\n').pop()}`);
else if (why) t.skip(`rootless podman: ${why}`);
else tests();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tests() {
  const u = makeUser(t, 'rlp');
  const conf = path.join(u.work, 'containers.conf');
  const store = path.join(u.work, 'store');
  fs.mkdirSync(path.join(u.home, '.config/containers'), { recursive: true });
  // vfs: no fuse-overlayfs needed; the graph root in the test's own dir.
  fs.writeFileSync(path.join(u.home, '.config/containers/storage.conf'),
    `[storage]\ndriver = "vfs"\ngraphroot = "${store}/graph"\nrunroot = "${u.xdg}/containers"\n`);
  fs.writeFileSync(conf, [
    '[containers]', 'netns = "none"', '', '[engine]', 'cgroup_manager = "cgroupfs"', 'events_logger = "file"',
    'runtime = "ocirun"', 'runtime_supports_json = ["ocirun", "runc"]', '', '[engine.runtimes]',
    `ocirun = ["${u.ocirun}"]`, 'runc = ["/usr/sbin/runc", "/usr/bin/runc"]', '',
  ].join('\n'));
  spawnSync('chown', ['-R', `${u.uid}:${u.gid}`, path.join(u.home, '.config'), conf]);
  const env = { CONTAINERS_CONF: conf };
  const pm = (runtime, args) => u.run('podman', ['--runtime', runtime, ...args], { env, cwd: u.home });
  const IMAGE = 'localhost/busybox:latest';
  const RUNTIMES = ['ocirun', ...(hasRunc() ? ['runc'] : [])];

  t.teardown(() => {
    pm('ocirun', ['rm', '-a', '-f', '-t', '0']);
    // podman's own pause process (it holds the user namespace) goes with the user.
    u.run('podman', ['system', 'migrate'], { env, cwd: u.home });
  });

  t.test('setup: the busybox image in the user\'s store', async (t) => {
    const tar = path.join(u.work, 'rootfs.tar');
    spawnSync('tar', ['-C', path.join(BUSYBOX_BUNDLE, 'rootfs'), '-cf', tar, '.']);
    fs.chmodSync(tar, 0o644);
    const r = u.run('podman', ['import', tar, IMAGE], { env, cwd: u.home });
    t.equal(r.status, 0, r.stderr);
  });

  const results = {};
  for (const rt of RUNTIMES) {
    t.test(`${rt}: the podman cases`, async (t) => {
      const out = (results[rt] = {});
      const name = (tag) => `ocirun-test-${tag}-${rt}-${process.pid}`;
      const runRm = pm(rt, ['run', '--rm', IMAGE, 'sh', '-c', 'id; cat /proc/self/uid_map | tr -s " "; hostname >/dev/null; echo ok']);
      t.equal(runRm.status, 0, runRm.stderr);
      out.runRm = runRm.stdout;
      t.match(runRm.stdout, new RegExp(`uid=0\\(root\\) gid=0\\(root\\)[^]* 0 ${u.uid} 1\\n[^]*ok\\n$`), 'root inside is the user');

      const c = name('d');
      const d = pm(rt, ['run', '-d', '--name', c, IMAGE, 'sleep', '300']);
      t.equal(d.status, 0, d.stderr);
      const e = pm(rt, ['exec', c, 'sh', '-c', 'echo in $(hostname) as $(id -u); cat /proc/1/cmdline | tr "\\0" " "']);
      t.equal(e.status, 0, e.stderr);
      out.exec = e.stdout.replace(/in \S+ as/, 'in HOST as');
      t.match(e.stdout, /as 0\nsleep 300 $/);
      const ps = pm(rt, ['ps', '--format', '{{.Names}} {{.Status}}']);
      t.match(ps.stdout, new RegExp(`^${c} Up`, 'm'), 'ps lists it running');
      const stop = pm(rt, ['stop', '-t', '1', c]);
      t.equal(stop.status, 0, stop.stderr);
      t.match(pm(rt, ['inspect', '-f', '{{.State.Status}}', c]).stdout, /exited/);
      t.equal(pm(rt, ['rm', c]).status, 0);

      const f = name('f');
      t.equal(pm(rt, ['run', '-d', '--name', f, IMAGE, 'sleep', '300']).status, 0);
      const rmf = pm(rt, ['rm', '-f', '-t', '0', f]);
      t.equal(rmf.status, 0, rmf.stderr);
      t.not(pm(rt, ['container', 'exists', f]).status, 0, 'rm -f removed it');

      const vol = fs.mkdtempSync(path.join(u.work, `vol-${rt}-`));
      fs.chownSync(vol, u.uid, u.gid);
      const v = pm(rt, ['run', '--rm', '-v', `${vol}:/v`, IMAGE, 'sh', '-c', 'echo data > /v/made; stat -c "%u %g" /v/made']);
      t.equal(v.status, 0, v.stderr);
      out.volume = v.stdout;
      const st = fs.statSync(path.join(vol, 'made'));
      t.same([st.uid, st.gid], [u.uid, u.gid], '-v: a file made inside belongs to the user on the host');

      const k = pm(rt, ['run', '--rm', '--userns=keep-id', IMAGE, 'sh', '-c', 'id -u; id -g']);
      t.equal(k.status, 0, k.stderr);
      out.keepId = k.stdout;
      t.equal(k.stdout, `${u.uid}\n${u.gid}\n`, '--userns=keep-id: the user\'s own ids inside');

      const ro = pm(rt, ['run', '--rm', '--read-only', IMAGE, 'sh', '-c', 'touch /x 2>&1; touch /tmp/y && echo tmp-ok']);
      out.readOnly = ro.stdout;
      t.match(ro.stdout, /Read-only file system\ntmp-ok\n/, '--read-only: / is read-only, /tmp is not');

      // script(1) must not see its stdin end: it would pass the EOF on to
      // podman, whose attach then now and then ends before all the output
      // came through (no output, or only the first line; runc and ocirun
      // alike, in the same runs). A FIFO opened read-write never ends.
      const fifo = path.join(u.work, `stdin-${rt}`);
      spawnSync('mkfifo', [fifo]);
      const stdin = fs.openSync(fifo, fs.constants.O_RDWR);
      const it = u.run('script', ['-qec', `podman --runtime ${rt} run --rm -it ${IMAGE} sh -c 'tty; echo $TERM'`, '/dev/null'],
        { env, cwd: u.home, stdin });
      fs.closeSync(stdin);
      fs.rmSync(fifo);
      t.equal(it.status, 0, it.stderr);
      // (a "^@" echo at the end: a NUL that reaches the container's pty after
      // it ran, seen with ocirun, not runc, rootful too: not rootless' (reported))
      if (it.stdout.includes('^@')) t.comment(`${rt}: -it output ends with a ^@ echo`);
      out.tty = it.stdout.replace(/\r/g, '').replace(/\^@\n?/g, '');
      t.match(out.tty, /^\/dev\/pts\/0\nxterm\n$/, '-it: a pty');
    });
  }

  t.test('the same results with runc', { skip: RUNTIMES.length < 2 && 'runc is not installed' }, async (t) => {
    for (const k of Object.keys(results.ocirun ?? {})) t.equal(results.ocirun[k], results.runc?.[k], k);
  });

  t.test('nothing left behind', async (t) => {
    const left = pm('ocirun', ['ps', '-a', '-q']).stdout.trim();
    t.equal(left, '', 'no container in podman');
    const root = path.join(u.xdg, 'ocirun');
    t.same(fs.existsSync(root) ? fs.readdirSync(root) : [], [], 'no state in $XDG_RUNTIME_DIR/ocirun');
    // The user's processes: only podman's pause process (catatonit) may remain.
    let procs = [];
    for (let i = 0; i < 50; i++) {
      procs = u.processes().filter((l) => !/catatonit|podman pause/.test(l));
      if (!procs.length) break;
      await sleep(100);
    }
    t.same(procs, [], 'no container process');
    t.notOk(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(u.work), 'no mount left on the host');
  });
}
