// Rootless containers (issue #17): ocirun run by an ordinary user with a
// subuid/subgid range and its own XDG_RUNTIME_DIR, side by side with runc on
// the same bundles. What the container saw is asserted, and that nothing is
// left: no state, no process of the user. What a rootless caller must never
// reach (other users' containers, host paths) is in test/escape.test.mjs.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { uniqueId, hasRunc } from './lib/harness.mjs';
import { makeUser, rootlessUnavailable } from './lib/rootless.mjs';

const why = rootlessUnavailable();
if (why) {
  t.skip(`rootless: ${why}`);
} else {
  run();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lines = (s) => s.trim().split('\n');

function run() {
  const u = makeUser(t, 'rl');
  const RUNC = hasRunc() ? 'runc' : '';

  // Every test deletes its own containers (teardown): nothing of the user is left.
  const nothingLeft = async (t) => {
    for (const d of fs.readdirSync(u.xdg)) {
      if (/^(ocirun|ocirun-side|runc-side)$/.test(d)) t.same(fs.readdirSync(path.join(u.xdg, d)), [], `no state left in $XDG_RUNTIME_DIR/${d}`);
    }
    for (let i = 0; i < 50 && u.processes().length; i++) await sleep(100);
    t.same(u.processes(), [], 'no process of the user left');
    t.notOk(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(u.work), 'no mount left');
  };

  t.test('spec --rootless is runc\'s rootless config', async (t) => {
    const ours = u.bundle((c) => c, 'spec');
    const c = JSON.parse(fs.readFileSync(path.join(ours, 'config.json'), 'utf8'));
    t.same(c.linux.uidMappings, [{ containerID: 0, hostID: u.uid, size: 1 }], 'the caller\'s uid is root inside');
    t.same(c.linux.gidMappings, [{ containerID: 0, hostID: u.gid, size: 1 }], 'the caller\'s gid is root inside');
    t.same(c.linux.namespaces.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'user'], 'no network namespace, a user namespace');
    t.same(c.mounts.find((m) => m.destination === '/sys'), { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
    t.notOk(c.mounts.some((m) => (m.options ?? []).some((o) => /^(uid|gid)=/.test(o))), 'no uid=/gid= options');
    t.equal(c.linux.resources, undefined, 'no resources');
    if (!RUNC) return;
    const d = fs.mkdtempSync(path.join(u.work, 'runcspec-'));
    fs.chownSync(d, u.uid, u.gid);
    t.equal(u.run(RUNC, ['spec', '--rootless'], { cwd: d }).status, 0);
    const r = JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8'));
    // Known differences of the plain spec (lib/config/default-spec.ts): version, hostname, no ambient caps, terminal.
    for (const x of [r, c]) {
      delete x.ociVersion; delete x.hostname; delete x.process.capabilities.ambient; delete x.process.terminal; delete x.root.path;
    }
    t.same(c, r, 'the same document as runc spec --rootless otherwise');
  });

  t.test('state root: $XDG_RUNTIME_DIR/ocirun, the user\'s own; clear errors without one', async (t) => {
    const b = u.bundle((c) => { c.process.args = ['sleep', '60']; });
    const id = uniqueId('rlroot');
    t.teardown(() => u.oci(['delete', '--force', id]));
    const c = u.oci(['create', '--bundle', b, id]);
    t.equal(c.status, 0, c.stderr);
    const root = path.join(u.xdg, 'ocirun');
    const st = fs.statSync(root);
    t.equal(st.uid, u.uid, 'the root belongs to the user');
    t.equal(st.mode & 0o7777, 0o1700, 'private and sticky (as runc\'s)');
    const cst = fs.statSync(path.join(root, id));
    t.equal(cst.uid, u.uid, 'so does the container\'s dir');
    t.equal(cst.mode & 0o777, 0o700, 'private');
    t.equal(JSON.parse(u.oci(['state', id]).stdout).status, 'created');
    t.equal(u.oci(['delete', '--force', id]).status, 0);

    const noXdg = u.oci(['list'], { env: { XDG_RUNTIME_DIR: '' } });
    t.equal(noXdg.status, 1);
    t.match(noXdg.stderr, /non-root user: set XDG_RUNTIME_DIR .* or pass --root/);
    t.equal(lines(noXdg.stderr).length, 1, 'one line');
    const tmp = u.oci(['state', 'x'], { env: { XDG_RUNTIME_DIR: '/tmp' } });
    t.equal(tmp.status, 1);
    t.match(tmp.stderr, /XDG_RUNTIME_DIR "\/tmp" is not a directory owned by you/, 'a shared dir is refused');
    const sd = fs.mkdtempSync(path.join(u.work, 'spec-'));
    fs.chownSync(sd, u.uid, u.gid);
    t.equal(u.oci(['spec', '--rootless', '--bundle', sd], { env: { XDG_RUNTIME_DIR: '' } }).status, 0, 'spec needs no state root');
  });

  t.test('the lifecycle as the user: create, start, state, list, ps, exec, kill, delete', async (t) => {
    const b = u.bundle((c) => { c.process.args = ['sleep', '60']; });
    const id = uniqueId('rllife');
    t.teardown(() => u.oci(['delete', '--force', id]));
    t.equal(u.oci(['create', '--bundle', b, id]).status, 0);
    const s1 = JSON.parse(u.oci(['state', id]).stdout);
    t.equal(s1.status, 'created');
    t.equal(u.oci(['start', id]).status, 0);
    t.equal(JSON.parse(u.oci(['state', id]).stdout).status, 'running');
    const list = u.oci(['list']);
    t.match(list.stdout, new RegExp(`${id}\\s+${s1.pid}\\s+running\\s+.*\\s${u.name}\\n`), 'list shows it with its owner');
    const ps = JSON.parse(u.oci(['ps', '--format', 'json', id]).stdout);
    t.ok(ps.includes(s1.pid), 'ps finds the init (no cgroup of its own: its process tree)');
    const e = u.oci(['exec', id, 'sh', '-c', 'id -u; id -g; cat /proc/self/uid_map']);
    t.equal(e.status, 0, e.stderr);
    t.same(lines(e.stdout).map((l) => l.trim().split(/\s+/).join(' ')), ['0', '0', `0 ${u.uid} 1`]);
    t.equal(fs.statSync(`/proc/${s1.pid}`).uid, u.uid, 'the container runs as the user on the host');
    const p = u.oci(['pause', id]);
    t.equal(p.status, 1, 'pause without a cgroup fails');
    t.match(p.stderr, /no cgroup/);
    t.equal(u.oci(['kill', id, 'KILL']).status, 0);
    for (let i = 0; i < 100 && JSON.parse(u.oci(['state', id]).stdout).status !== 'stopped'; i++) await sleep(50);
    t.equal(JSON.parse(u.oci(['state', id]).stdout).status, 'stopped');
    t.equal(u.oci(['delete', id]).status, 0);
    t.equal(u.oci(['state', id]).status, 1, 'gone');
    t.equal(u.oci(['features']).status, 0, 'features');
  });

  t.test('the isolation a rootless container keeps; uid 0 inside is the user outside', async (t) => {
    const data = fs.mkdtempSync(path.join(u.work, 'data-'));
    fs.chownSync(data, u.uid, u.gid);
    const b = u.bundle((c) => {
      c.process.args = ['sh', '-c', 'for n in mnt pid uts ipc user net; do readlink /proc/self/ns/$n; done; hostname; touch /data/made-inside; echo $$'];
      c.mounts.push({ destination: '/data', type: 'bind', source: data, options: ['rbind', 'rw'] });
    });
    const outside = u.run('sh', ['-c', 'for n in mnt pid uts ipc user net; do readlink /proc/self/ns/$n; done']);
    const id = uniqueId('rliso');
    t.teardown(() => u.oci(['delete', '--force', id]));
    const r = u.oci(['run', '--bundle', b, id]);
    t.equal(r.status, 0, r.stderr);
    const inside = lines(r.stdout);
    const host = lines(outside.stdout);
    for (const [i, n] of ['mnt', 'pid', 'uts', 'ipc', 'user'].entries()) t.not(inside[i], host[i], `its own ${n} namespace`);
    t.equal(inside[5], host[5], 'the host network (no network namespace, as runc\'s rootless spec)');
    t.equal(inside[6], 'ocirun', 'its own hostname');
    t.equal(inside[7], '1', 'pid 1 in its pid namespace');
    const st = fs.statSync(path.join(data, 'made-inside'));
    t.same([st.uid, st.gid], [u.uid, u.gid], 'a file root made inside belongs to the user on the host');
  });

  t.test('a multi-range map through newuidmap/newgidmap and /etc/subuid', async (t) => {
    const data = fs.mkdtempSync(path.join(u.work, 'data-'));
    fs.chownSync(data, u.uid, u.gid);
    const maps = [{ containerID: 0, hostID: u.uid, size: 1 }, { containerID: 1, hostID: u.subStart, size: 65536 }];
    const gmaps = [{ containerID: 0, hostID: u.gid, size: 1 }, { containerID: 1, hostID: u.subStart, size: 65536 }];
    const b = u.bundle((c) => {
      c.linux.uidMappings = maps;
      c.linux.gidMappings = gmaps;
      c.process.args = ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; touch /data/f && chown 1000:1000 /data/f; id'];
      for (const k of ['bounding', 'effective', 'permitted']) c.process.capabilities[k].push('CAP_CHOWN');
      c.mounts.push({ destination: '/data', type: 'bind', source: data, options: ['rbind', 'rw'] });
    });
    const outs = {};
    for (const [name, bin] of [['ocirun', u.ocirun], ['runc', RUNC]].filter(([, x]) => x)) {
      const id = uniqueId(`rlmap${name}`);
      const root = path.join(u.xdg, `${name}-side`);
      t.teardown(() => u.run(bin, ['--root', root, 'delete', '--force', id]));
      fs.rmSync(path.join(data, 'f'), { force: true });
      const r = u.run(bin, ['--root', root, 'run', '--bundle', b, id]);
      t.equal(r.status, 0, `${name}: ${r.stderr}`);
      outs[name] = r.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' ')).join('\n');
      if (name === 'ocirun') {
        t.same(lines(outs[name]).slice(0, 2), [`0 ${u.uid} 1`, `1 ${u.subStart} 65536`], 'both ranges in uid_map');
        const st = fs.statSync(path.join(data, 'f'));
        t.same([st.uid, st.gid], [u.subStart + 999, u.subStart + 999], 'container id 1000 is subuid start + 999 on the host');
      }
      u.run(bin, ['--root', root, 'delete', '--force', id]);
    }
    // (the maps; not the groups: runc never calls setgroups rootless, so the
    // user's own host groups stay; ocirun clears them where setgroups is allowed, as crun)
    if (RUNC) t.same(lines(outs.ocirun).slice(0, 4), lines(outs.runc).slice(0, 4), 'runc saw the same maps');
    else t.comment('runc missing: no side-by-side');
    // additionalGids: runc refuses them in any rootless container; with a
    // gid map made by newgidmap setgroups is allowed, so ocirun sets them (as crun).
    const g = u.bundle((c) => {
      c.linux.uidMappings = maps;
      c.linux.gidMappings = gmaps;
      c.process.args = ['id'];
      c.process.user.additionalGids = [5, 1000];
    });
    const id = uniqueId('rlgroups');
    t.teardown(() => u.oci(['delete', '--force', id]));
    const r = u.oci(['run', '--bundle', g, id]);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /groups=5\(tty\),1000\b/, 'additionalGids are set');
    // Only its own gid mapped: setgroups is denied, asking for groups is an error.
    const own = u.bundle((c) => { c.process.args = ['id']; c.process.user.additionalGids = [5]; });
    const r2 = u.oci(['run', '--bundle', own, id]);
    t.equal(r2.status, 1);
    t.match(r2.stderr, /process\.user\.additionalGids: setgroups is denied in this user namespace/);
  });

  t.test('limits without cgroup permission: refused in one line, nothing left', async (t) => {
    const b = u.bundle((c) => {
      c.process.args = ['true'];
      c.linux.resources = { memory: { limit: 64 * 1024 * 1024 } };
    });
    const id = uniqueId('rlres');
    t.teardown(() => u.oci(['delete', '--force', id]));
    const r = u.oci(['run', '--bundle', b, id]);
    t.equal(r.status, 1);
    t.match(r.stderr, /rootless container: cannot apply linux\.resources: no permission to use cgroup .*permission denied.*rootless needs no limits, or a cgroup v2 subtree delegated/i);
    t.equal(lines(r.stderr).length, 1, 'one line');
    t.equal(u.oci(['state', id]).status, 1, 'no container left');
    if (RUNC) {
      const rr = u.run(RUNC, ['--root', path.join(u.xdg, 'runc-side'), 'run', '--bundle', b, id]);
      t.not(rr.status, 0, 'runc refuses it too');
      u.run(RUNC, ['--root', path.join(u.xdg, 'runc-side'), 'delete', '--force', id]);
    }
    const lim = u.bundle((c) => {
      c.process.args = ['true'];
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 1 << 30, soft: 1024 }];
    });
    const r2 = u.oci(['run', '--bundle', lim, id]);
    t.equal(r2.status, 1);
    t.match(r2.stderr, /process\.rlimits\[0\]: RLIMIT_NOFILE hard limit 1073741824 is above your own/);
    const oom = u.bundle((c) => { c.process.args = ['cat', '/proc/self/oom_score_adj']; c.process.oomScoreAdj = 500; });
    const r3 = u.oci(['run', '--bundle', oom, id]);
    t.equal(r3.stdout.trim(), '500', 'oom_score_adj upwards is fine');
    const oomDown = u.bundle((c) => { c.process.args = ['true']; c.process.oomScoreAdj = -500; });
    const r4 = u.oci(['run', '--bundle', oomDown, id]);
    t.match(r4.stderr, /process\.oomScoreAdj: -500 is below your own \(0\): a rootless container can only raise it/);
  });

  t.test('side by side with runc on the same bundle: the same observations', { skip: !RUNC && 'runc is not installed' }, async (t) => {
    const b = u.bundle((c) => {
      c.process.args = ['sh', '-c', [
        'id', 'cat /proc/self/uid_map /proc/self/gid_map', 'grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status',
        'ls -ln /dev | grep -v -E "^total|pts|shm|mqueue"', 'cat /proc/self/mountinfo | awk \'{print $5, $6}\' | grep -E "^/(sys|proc|dev)( |$)"',
        'touch /x 2>&1 | sed "s/.*: //"', 'ulimit -n', 'hostname', 'echo pid $$',
      ].join('; ')];
      c.hostname = 'side';
    });
    const outs = {};
    for (const [name, bin] of [['ocirun', u.ocirun], ['runc', RUNC]]) {
      const id = uniqueId(`rlside${name}`);
      const root = path.join(u.xdg, `${name}-side`);
      t.teardown(() => u.run(bin, ['--root', root, 'delete', '--force', id]));
      const r = u.run(bin, ['--root', root, 'run', '--bundle', b, id]);
      t.equal(r.status, 0, `${name}: ${r.stderr}`);
      // Device node times differ (bind mounts of the host's): owners, modes and numbers count.
      outs[name] = r.stdout.replace(/\s+[A-Z][a-z]{2}\s+\d+\s+[\d:]+\s+/g, ' ').replace(/[ \t]+/g, ' ');
    }
    t.match(outs.ocirun, /uid=0\(root\)[^]*Read-only file system\n[^]*\nside\npid 1\n$/, 'it ran it all');
    t.equal(outs.ocirun, outs.runc, 'the same');
  });

  t.test('nothing left: state, processes, mounts', nothingLeft);
}
