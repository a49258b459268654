// What a container actually sees, read from inside it: pid 1, hostname, its
// own mounts and root, namespaces (new and joined), env, cwd, users and
// groups, rlimits, no_new_privs, capabilities, config mounts, masked and
// read-only paths, devices, cgroup limits and paths, inherited fds.
//
//   npx tap --disable-coverage test/isolation.test.mjs
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  OCIRUN, PREFIX, BUSYBOX_BUNDLE, makeRoot, makeBundle, uniqueId, rt, state, cleanupContainer, waitFor, nothingLeftOfThisFile, rtf,
  tempDir, procGone } from './lib/harness.mjs';

// Under load a file can take longer than tap's default 30 s.
t.setTimeout(120_000);
// Set in the runtime's environment only: must not show up inside.
process.env.OCIRUN_ISO_HOST_ONLY = '1';

// ------------------------------------------------------------------ helpers

/** ocirun with stdout/stderr to files (a created container keeps them open). */

const sh = (script) => ['sh', '-c', script];
/** A host dir any user may write (removed at teardown). */
const hostDir = (t, tag = 'host') => tempDir(t, tag, 0o777);

/** `ocirun run` of a container executing `script` (sh -c) with config edits. */
function runScript(t, root, script, edit = () => {}, bundleOpts) {
  const id = uniqueId('iso');
  cleanupContainer(t, root, id);
  const bundle = makeBundle(t, (c) => {
    c.process.args = sh(script);
    return edit(c, id);
  }, bundleOpts);
  const r = rt(root, ['run', '--bundle', bundle, id]);
  return { ...r, id, bundle };
}

/** Splits output made of "== name" headed sections. */
function sections(text) {
  const out = {};
  let cur = '';
  for (const line of text.split('\n')) {
    const m = /^== (\S+)$/.exec(line);
    if (m) {
      cur = m[1];
      out[cur] = [];
    } else if (cur) out[cur].push(line);
  }
  for (const k of Object.keys(out)) out[k] = out[k].join('\n').replace(/\n+$/, '');
  return out;
}

/** /proc/<pid>/status fields as { Name: value }. */
function statusFields(text) {
  return Object.fromEntries(text.split('\n').filter((l) => l.includes(':')).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i), l.slice(i + 1).trim()];
  }));
}

function parseMountinfo(text) {
  return text.split('\n').filter(Boolean).map((l) => {
    const f = l.split(' ');
    const dash = f.indexOf('-');
    return {
      root: f[3], mountPoint: f[4], options: f[5], fstype: f[dash + 1], source: f[dash + 2], superOptions: f[dash + 3] ?? '', line: l,
    };
  });
}

/** The root field mountinfo shows for a bind of host dir `dir`. */
function expectedMountRoot(dir) {
  const mounts = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  let best;
  for (const m of mounts) {
    if ((dir === m.mountPoint || dir.startsWith(m.mountPoint === '/' ? '/' : `${m.mountPoint}/`))
      && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return path.join(best.root, path.relative(best.mountPoint, dir));
}

/** Host cgroup paths of a pid: { controllerKey: path } for v1 hierarchies. */
function procCgroups(pid) {
  const out = {};
  for (const l of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(l);
    if (m && m[1]) out[m[1]] = m[2];
  }
  return out;
}

const hostNs = (n) => fs.readlinkSync(`/proc/self/ns/${n}`);

const CAP = { CHOWN: 0, KILL: 5, NET_BIND_SERVICE: 10, AUDIT_WRITE: 29 };
const mask = (...caps) => caps.reduce((m, c) => m | (1n << BigInt(c)), 0n).toString(16).padStart(16, '0');

const ROOTFS = fs.realpathSync(path.join(BUSYBOX_BUNDLE, 'rootfs'));
/** A masked path that exists on this host (/proc/kcore is not always built in). */
const MASKED = ['/proc/kcore', '/proc/keys', '/proc/timer_list'].find((p) => fs.existsSync(p));

// -------------------------------------------------------------------- tests

t.test('the default container seen from inside', async (t) => {
  const root = makeRoot(t);
  const rwDir = hostDir(t, 'rw');
  const roDir = hostDir(t, 'ro');
  fs.writeFileSync(path.join(rwDir, 'from-host'), 'rw-host\n');
  fs.writeFileSync(path.join(roDir, 'from-host'), 'ro-host\n');

  const script = `
echo "== pid"; echo $$
echo "== hostname"; hostname
echo "== domainname"; cat /proc/sys/kernel/domainname
echo "== mountinfo"; cat /proc/self/mountinfo
echo "== ns"; for n in net ipc uts mnt pid user; do echo "$n $(readlink /proc/self/ns/$n)"; done
echo "== env"; env
echo "== pwd"; pwd
echo "== limits"; cat /proc/self/limits
echo "== netdev"; cat /proc/net/dev
echo "== rw"; cat /home/from-host; echo inside > /home/from-inside && echo wrote
echo "== ro"; cat /root/from-host; (echo x > /root/nope) 2>&1; echo "rc=$?"
echo "== masked"; stat -c '%F %t %T' ${MASKED}; echo "bytes=$(cat ${MASKED} | wc -c)"; echo "firmware=$(ls -A /sys/firmware | wc -l)"
echo "== roproc"; (echo 1 > /proc/sys/kernel/shmmax) 2>&1; echo "rc=$?"
echo "== rosys"; (echo x > /sys/kernel/uevent_helper) 2>&1; echo "rc=$?"
echo "== devices"; for d in null zero full random urandom tty fuse; do stat -c '%n %F %t %T %a %u %g' /dev/$d; done
echo "== links"; for l in ptmx fd stdin stdout stderr; do echo "$l $(readlink /dev/$l)"; done
echo "== cgroup"; cat /proc/self/cgroup
echo "== fds"; ls /proc/self/fd
echo "== status"; exec cat /proc/self/status
`;
  const r = runScript(t, root, script, (c) => {
    c.hostname = 'probe-host';
    c.domainname = 'probe.domain';
    c.process.env.push('FOO=bar baz', 'EMPTY=', 'MULTI=a=b=c');
    c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1234, hard: 1500 }];
    c.mounts.push(
      { destination: '/home', type: 'bind', source: rwDir, options: ['rbind', 'rw'] },
      { destination: '/root', type: 'bind', source: roDir, options: ['bind', 'ro'] },
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m', 'mode=700'] },
    );
    c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o620, uid: 1, gid: 2 }];
  });
  t.equal(r.status, 0, 'the probe ran', { stderr: r.stderr });
  const s = sections(r.stdout);
  const { id } = r;

  t.test('pid 1 is the user process', async (t) => {
    t.equal(s.pid, '1', 'echo $$ prints 1');
    const st = statusFields(s.status ?? '');
    t.equal(st.NSpid, '1', 'NSpid of the exec\'d process is 1 (one level: its own pid namespace)');
    t.equal(st.Name, 'cat', '/proc/self/status belongs to the program');
  });

  t.test('hostname, domainname', async (t) => {
    t.equal(s.hostname, 'probe-host');
    t.equal(s.domainname, 'probe.domain');
    t.not(os.hostname(), 'probe-host', 'the host kept its name');
  });

  t.test('own mount table, root is the bundle rootfs', async (t) => {
    const inside = parseMountinfo(s.mountinfo ?? '');
    const host = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    t.not(s.mountinfo, host.trim(), 'mountinfo differs from the host\'s');
    const rootMount = inside.find((m) => m.mountPoint === '/');
    t.ok(rootMount, 'a mount at /');
    t.equal(rootMount?.root, expectedMountRoot(ROOTFS), '/ is the bundle\'s rootfs');
    t.match(rootMount?.options ?? '', /(^|,)ro(,|$)/, 'root.readonly true -> / mounted ro');
    t.notOk(inside.some((m) => m.mountPoint.startsWith(os.tmpdir() + '/')), 'no host paths mounted at host locations');
    const proc = inside.find((m) => m.mountPoint === '/proc');
    t.equal(proc?.fstype, 'proc', '/proc is a procfs');
  });

  t.test('namespaces differ from the host\'s', async (t) => {
    const ns = Object.fromEntries((s.ns ?? '').split('\n').map((l) => l.split(' ')));
    for (const n of ['net', 'ipc', 'uts', 'mnt', 'pid']) {
      t.match(ns[n], new RegExp(`^${n}:\\[\\d+\\]$`), `${n} readable inside`);
      t.not(ns[n], hostNs(n), `${n} namespace is the container's own`);
    }
    t.equal(ns.user, hostNs('user'), 'no user namespace asked for: the host\'s');
  });

  t.test('network namespace: only lo', async (t) => {
    const ifaces = (s.netdev ?? '').split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean);
    t.same(ifaces, ['lo']);
  });

  t.test('env and cwd', async (t) => {
    const env = (s.env ?? '').split('\n');
    for (const v of ['FOO=bar baz', 'EMPTY=', 'MULTI=a=b=c', 'TERM=xterm', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']) {
      t.ok(env.includes(v), `env has ${v}`);
    }
    t.notOk(env.some((l) => l.startsWith('OCIRUN_ISO_HOST_ONLY=')), 'the runtime\'s environment does not leak');
    t.equal(s.pwd, '/', 'cwd /');
  });

  t.test('rlimits', async (t) => {
    t.match(s.limits ?? '', /^Max open files\s+1234\s+1500\s+files/m, 'RLIMIT_NOFILE 1234/1500');
  });

  t.test('noNewPrivileges and the default capability set', async (t) => {
    const st = statusFields(s.status ?? '');
    t.equal(st.NoNewPrivs, '1', 'NoNewPrivs 1');
    const want = mask(CAP.AUDIT_WRITE, CAP.KILL, CAP.NET_BIND_SERVICE);
    t.equal(st.CapBnd, want, 'CapBnd');
    t.equal(st.CapEff, want, 'CapEff');
    t.equal(st.CapPrm, want, 'CapPrm');
    t.equal(st.CapInh, mask(), 'CapInh empty');
    t.equal(st.CapAmb, mask(), 'CapAmb empty');
  });

  t.test('config mounts: bind rw, bind ro, tmpfs', async (t) => {
    t.equal(s.rw, 'rw-host\nwrote', 'rw bind: host file readable, write works');
    t.equal(fs.readFileSync(path.join(rwDir, 'from-inside'), 'utf8'), 'inside\n', 'the write reached the host dir');
    t.match(s.ro ?? '', /^ro-host\n/, 'ro bind: host file readable');
    t.match(s.ro ?? '', /Read-only file system/, 'ro bind: write fails with EROFS');
    t.notOk(fs.existsSync(path.join(roDir, 'nope')), 'nothing written to the ro source');
    const inside = parseMountinfo(s.mountinfo ?? '');
    const ro = inside.find((m) => m.mountPoint === '/root');
    t.match(ro?.options ?? '', /(^|,)ro(,|$)/, '/root mounted ro');
    const tmp = inside.find((m) => m.mountPoint === '/run');
    t.equal(tmp?.fstype, 'tmpfs', '/run is a tmpfs');
    t.match(tmp?.superOptions ?? '', /(^|,)size=1024k(,|$)/, 'tmpfs size=1m in mountinfo');
    t.match(tmp?.superOptions ?? '', /(^|,)mode=700(,|$)/, 'tmpfs mode=700 in mountinfo');
    t.match(tmp?.options ?? '', /nosuid/, 'tmpfs nosuid');
  });

  t.test('masked and read-only paths', async (t) => {
    const lines = (s.masked ?? '').split('\n');
    t.equal(lines[0], 'character special file 1 3', `${MASKED} is /dev/null (char 1:3)`);
    t.equal(lines[1], 'bytes=0', `${MASKED} reads empty`);
    t.equal(lines[2], 'firmware=0', '/sys/firmware (a masked dir) is empty');
    t.match(s.roproc ?? '', /Read-only file system/, '/proc/sys write fails with EROFS');
    t.notMatch(s.roproc ?? '', /rc=0/, 'write to /proc/sys failed');
    t.match(s.rosys ?? '', /Read-only file system/, '/sys (mounted ro) write fails with EROFS');
  });

  t.test('devices', async (t) => {
    const got = Object.fromEntries((s.devices ?? '').split('\n').map((l) => {
      const f = l.split(' ');
      return [f[0], { type: f.slice(1, 4).join(' '), rest: f.slice(4).join(' ') }];
    }));
    const want = { null: '1 3', zero: '1 5', full: '1 7', random: '1 8', urandom: '1 9', tty: '5 0' };
    for (const [n, mm] of Object.entries(want)) {
      t.equal(got[`/dev/${n}`]?.type, 'character special file', `/dev/${n} is a char device`);
      t.equal(got[`/dev/${n}`]?.rest.split(' ').slice(0, 2).join(' '), mm.split(' ').map((x) => Number(x).toString(16)).join(' '), `/dev/${n} is ${mm.replace(' ', ':')}`);
      t.equal(got[`/dev/${n}`]?.rest.split(' ')[2], '666', `/dev/${n} mode 666`);
    }
    t.equal(got['/dev/fuse']?.type, 'character special file', 'linux.devices /dev/fuse is a char device');
    t.equal(got['/dev/fuse']?.rest, 'a e5 620 1 2', '/dev/fuse 10:229 mode 0620 uid 1 gid 2');
    const links = Object.fromEntries((s.links ?? '').split('\n').map((l) => l.split(' ')));
    t.equal(links.ptmx, 'pts/ptmx', '/dev/ptmx -> pts/ptmx');
    t.equal(links.fd, '/proc/self/fd', '/dev/fd');
    t.equal(links.stdin, '/proc/self/fd/0', '/dev/stdin');
    t.equal(links.stdout, '/proc/self/fd/1', '/dev/stdout');
    t.equal(links.stderr, '/proc/self/fd/2', '/dev/stderr');
  });

  t.test('its cgroup', async (t) => {
    const lines = (s.cgroup ?? '').split('\n').filter((l) => /^\d+:[^:]+:/.test(l));
    t.ok(lines.length > 0, 'v1 hierarchies listed');
    for (const l of lines) t.ok(l.endsWith(`/${id}`), `in the container's cgroup: ${l}`);
  });

  t.test('only stdio is open', async (t) => {
    // busybox ls has the directory itself open: one more, the lowest free fd.
    t.same((s.fds ?? '').split('\n'), ['0', '1', '2', '3']);
  });
});

t.test('root: the bundle rootfs, readonly or not, cwd created', async (t) => {
  const root = makeRoot(t);

  t.test('a file placed in the rootfs, readonly root, missing cwd', async (t) => {
    const id = uniqueId('iso');
    cleanupContainer(t, root, id);
    const bundle = makeBundle(t, (c) => {
      c.process.args = sh('cat /probe-file; (echo x > /x) 2>&1; echo "rc=$?"; pwd');
      c.root.readonly = true;
      c.process.cwd = '/made/by/runtime';
    }, { copyRootfs: true });
    fs.writeFileSync(path.join(bundle, 'rootfs/probe-file'), `file-of-${id}\n`);
    const r = rt(root, ['run', '--bundle', bundle, id]);
    t.equal(r.status, 0, 'ran', { stderr: r.stderr });
    const lines = r.stdout.split('\n');
    t.equal(lines[0], `file-of-${id}`, 'a file placed in the bundle rootfs is visible at /');
    t.match(lines[1], /Read-only file system/, 'readonly root: write to /x fails with EROFS');
    t.notOk(fs.existsSync(path.join(bundle, 'rootfs/x')), 'nothing written');
    t.equal(lines[lines.length - 2], '/made/by/runtime', 'cwd is the configured one');
    t.ok(fs.statSync(path.join(bundle, 'rootfs/made/by/runtime')).isDirectory(), 'the missing cwd was created (as runc does)');
  });

  t.test('readonly: false', async (t) => {
    const id = uniqueId('iso');
    cleanupContainer(t, root, id);
    const bundle = makeBundle(t, (c) => {
      c.process.args = sh('echo written > /x && echo ok; cat /x');
      c.root.readonly = false;
    }, { copyRootfs: true });
    const r = rt(root, ['run', '--bundle', bundle, id]);
    t.equal(r.status, 0, 'ran', { stderr: r.stderr });
    t.equal(r.stdout, 'ok\nwritten\n', 'write to /x works');
    t.equal(fs.readFileSync(path.join(bundle, 'rootfs/x'), 'utf8'), 'written\n', 'it landed in the bundle rootfs');
  });

  t.test('an existing cwd', async (t) => {
    const r = runScript(t, root, 'pwd', (c) => {
      c.process.cwd = '/usr/bin';
    });
    t.equal(r.status, 0, { stderr: r.stderr });
    t.equal(r.stdout, '/usr/bin\n');
  });
});

t.test('user, groups, umask, oomScoreAdj', async (t) => {
  const root = makeRoot(t);
  const r = runScript(t, root, 'echo "== id"; id; echo "== status"; grep -E "^(Uid|Gid|Groups):" /proc/self/status; echo "== umask"; umask; echo "== oom"; cat /proc/self/oom_score_adj', (c) => {
    c.process.user = { uid: 1000, gid: 1001, additionalGids: [1002, 1003], umask: 0o027 };
    c.process.oomScoreAdj = 123;
  });
  t.equal(r.status, 0, { stderr: r.stderr });
  const s = sections(r.stdout);
  const idLine = s.id ?? '';
  t.match(idLine, /^uid=1000(\(\w+\))? gid=1001(\(\w+\))? /, 'id: uid 1000 gid 1001');
  const groups = (/groups=(\S+)/.exec(idLine)?.[1] ?? '').split(',').map((g) => g.replace(/\(.*\)/, '')).sort();
  t.same(groups, ['1002', '1003'], 'id: supplementary groups 1002,1003');
  const st = statusFields(s.status ?? '');
  t.equal(st.Uid, '1000\t1000\t1000\t1000', 'Uid line: real, effective, saved, fs');
  t.equal(st.Gid, '1001\t1001\t1001\t1001', 'Gid line');
  t.same((st.Groups ?? '').split(/\s+/).filter(Boolean).sort(), ['1002', '1003'], 'Groups line');
  t.equal(s.umask, '0027', 'process.user.umask');
  t.equal(s.oom, '123', 'process.oomScoreAdj');

  t.test('no additionalGids: no supplementary groups', async (t) => {
    const r2 = runScript(t, root, 'grep -E "^Groups:" /proc/self/status', (c) => {
      c.process.user = { uid: 0, gid: 0 };
    });
    t.equal(r2.status, 0, { stderr: r2.stderr });
    t.equal(r2.stdout.replace(/\s+$/, ''), 'Groups:', 'the runtime\'s groups are dropped');
  });
});

t.test('capabilities and noNewPrivileges', async (t) => {
  const root = makeRoot(t);
  const grep = 'exec grep -E "^(Cap|NoNewPrivs)" /proc/self/status';

  t.test('CAP_CHOWN + CAP_KILL', async (t) => {
    const r = runScript(t, root, grep, (c) => {
      const set = ['CAP_CHOWN', 'CAP_KILL'];
      c.process.capabilities = { bounding: set, effective: set, permitted: set };
      c.process.noNewPrivileges = false;
    });
    t.equal(r.status, 0, { stderr: r.stderr });
    const st = statusFields(r.stdout);
    t.equal(st.CapBnd, '0000000000000021', 'CapBnd 0x21');
    t.equal(st.CapEff, '0000000000000021', 'CapEff 0x21');
    t.equal(st.CapPrm, '0000000000000021', 'CapPrm 0x21');
    t.equal(st.CapInh, '0000000000000000', 'CapInh 0');
    t.equal(st.CapAmb, '0000000000000000', 'CapAmb 0');
    t.equal(st.NoNewPrivs, '0', 'noNewPrivileges false -> NoNewPrivs 0');
  });

  t.test('all sets empty', async (t) => {
    const r = runScript(t, root, grep, (c) => {
      c.process.capabilities = { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] };
    });
    t.equal(r.status, 0, { stderr: r.stderr });
    const st = statusFields(r.stdout);
    for (const k of ['CapBnd', 'CapEff', 'CapPrm', 'CapInh', 'CapAmb']) t.equal(st[k], '0000000000000000', `${k} 0`);
    t.equal(st.NoNewPrivs, '1', 'NoNewPrivs 1');
  });

  t.test('without CAP_CHOWN chown fails, with it works', async (t) => {
    const script = 'cd /dev/shm && touch f && chown 5 f 2>&1; echo "rc=$?"';
    const none = runScript(t, root, script, (c) => {
      c.process.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
    });
    t.match(none.stdout, /rc=1/, 'chown fails without CAP_CHOWN');
    const chown = runScript(t, root, script, (c) => {
      const set = ['CAP_CHOWN'];
      c.process.capabilities = { bounding: set, effective: set, permitted: set };
    });
    t.match(chown.stdout, /rc=0/, 'chown works with CAP_CHOWN');
  });
});

t.test('joining a namespace by path', async (t) => {
  const root = makeRoot(t);
  const idA = uniqueId('iso');
  cleanupContainer(t, root, idA);
  const bundleA = makeBundle(t, (c) => {
    c.process.args = ['sleep', '1000'];
  });
  const a = rtf(t, root, ['create', '--bundle', bundleA, idA]);
  t.equal(a.status, 0, 'container A created', { stderr: a.stderr });
  const pidA = state(root, idA)?.pid;
  t.ok(pidA > 0, 'A has a pid');
  const netA = fs.readlinkSync(`/proc/${pidA}/ns/net`);
  const utsA = fs.readlinkSync(`/proc/${pidA}/ns/uts`);
  t.not(netA, hostNs('net'), 'A has its own network namespace');

  const r = runScript(t, root, 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts; cat /proc/net/dev | tail -n +3 | cut -d: -f1', (c) => {
    c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: `/proc/${pidA}/ns/net` } : n));
  });
  t.equal(r.status, 0, 'container B ran', { stderr: r.stderr });
  const [netB, utsB] = r.stdout.split('\n');
  t.equal(netB, netA, 'B is in A\'s network namespace');
  t.not(utsB, utsA, 'B still has its own uts namespace');
  t.not(utsB, hostNs('uts'), 'which is not the host\'s');
  t.equal(state(root, idA)?.status, 'created', 'A untouched');
});

t.test('sysctl (with /proc/sys read-only, as in the default config)', async (t) => {
  const root = makeRoot(t);
  const r = runScript(t, root, 'cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_forward', (c) => {
    c.linux.sysctl = { 'kernel.shmmni': '1234', 'net.ipv4.ip_forward': '1' };
  });
  t.equal(r.status, 0, 'sysctls applied before /proc/sys is made read-only (as runc)', { stderr: r.stderr });
  t.equal(r.stdout, '1234\n1\n', 'values seen inside');
  t.not(fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim(), '1234', 'the host\'s ipc namespace untouched');
});

t.test('cgroup limits and cgroupsPath', async (t) => {
  const root = makeRoot(t);
  const id = uniqueId('iso');
  cleanupContainer(t, root, id);
  const abs = `/${PREFIX}-abs-${process.pid}-${id.split('-').pop()}`;
  const bundle = makeBundle(t, (c) => {
    c.process.args = sh('cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/pids/pids.max; echo ==; cat /proc/self/cgroup');
    c.linux.cgroupsPath = abs;
    c.linux.resources = {
      ...c.linux.resources,
      memory: { limit: 64 * 1024 * 1024 },
      cpu: { shares: 512 },
      pids: { limit: 50 },
    };
  });
  const c = rtf(t, root, ['create', '--bundle', bundle, id]);
  t.equal(c.status, 0, 'created', { stderr: c.stderr });
  const pid = state(root, id)?.pid;
  t.ok(pid > 0, 'has a pid');

  const cgs = procCgroups(pid);
  t.ok(Object.keys(cgs).length > 0, 'v1 cgroups listed on the host');
  for (const [k, p] of Object.entries(cgs)) t.equal(p, abs, `${k}: the init is in ${abs}`);
  const host = (ctl, file) => {
    try {
      return fs.readFileSync(`/sys/fs/cgroup/${ctl}${abs}/${file}`, 'utf8').trim();
    } catch (e) {
      return e.code;
    }
  };
  t.equal(host('memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024), 'host: memory.limit_in_bytes');
  t.equal(host('cpu', 'cpu.shares'), '512', 'host: cpu.shares');
  t.equal(host('pids', 'pids.max'), '50', 'host: pids.max');

  t.equal(rt(root, ['start', id]).status, 0, 'started');
  t.ok(await waitFor(() => procGone(pid), 10_000), 'exits');
  const [vals, cgroup] = fs.readFileSync(c.outFile, 'utf8').split('==\n');
  t.equal(vals, `${64 * 1024 * 1024}\n512\n50\n`, 'inside: memory.limit_in_bytes, cpu.shares, pids.max');
  const v1 = (cgroup ?? '').split('\n').filter((l) => /^\d+:[^:]+:/.test(l));
  t.ok(v1.length > 0, 'inside: /proc/self/cgroup lists v1 hierarchies');
  for (const l of v1) t.ok(l.endsWith(`:${abs}`), `inside: ${l}`);

  t.ok(fs.existsSync(`/sys/fs/cgroup/pids${abs}/pids.max`), 'host cgroup exists until delete');
  const d = rt(root, ['delete', id]);
  t.equal(d.status, 0, 'deleted', { stderr: d.stderr });
  for (const ctl of ['pids', 'memory', 'cpu']) t.notOk(fs.existsSync(`/sys/fs/cgroup/${ctl}${abs}`), `host ${ctl} cgroup removed`);
});

t.test('fds', async (t) => {
  const root = makeRoot(t);
  const dir = hostDir(t, 'fds');
  const open = (n) => fs.openSync(path.join(dir, n), 'w+');

  const runWith = (extra, args, script) => {
    const id = uniqueId('iso');
    cleanupContainer(t, root, id);
    const bundle = makeBundle(t, (c) => {
      c.process.args = sh(script);
    });
    const r = spawnSync(OCIRUN, ['--root', root, 'run', ...args, '--bundle', bundle, id], {
      stdio: ['ignore', 'pipe', 'pipe', ...extra], encoding: 'utf8', timeout: 30_000,
    });
    return r;
  };

  t.test('only 0, 1, 2 even when the runtime has more open', async (t) => {
    const fds = [open('leak3'), open('leak4')];
    t.teardown(() => fds.forEach((f) => fs.closeSync(f)));
    const r = runWith(fds, [], 'ls /proc/self/fd');
    t.equal(r.status, 0, { stderr: r.stderr });
    // busybox ls holds the directory open: the lowest free fd, 3.
    t.same(r.stdout.trim().split('\n'), ['0', '1', '2', '3']);
  });

  t.test('--preserve-fds 2 passes fds 3 and 4, not 5 and up', async (t) => {
    const fds = [open('f3'), open('f4'), open('f5'), open('f6')];
    t.teardown(() => fds.forEach((f) => fs.closeSync(f)));
    const r = runWith(fds, ['--preserve-fds', '2'],
      'echo three >&3; echo four >&4; readlink /proc/self/fd/3; readlink /proc/self/fd/4; echo ==; ls /proc/self/fd');
    t.equal(r.status, 0, { stderr: r.stderr });
    const [links, list] = r.stdout.split('==\n');
    const [l3, l4] = links.split('\n');
    t.ok(l3.endsWith('/f3'), `fd 3 is the file passed as fd 3 (${l3})`);
    t.ok(l4.endsWith('/f4'), `fd 4 is the file passed as fd 4 (${l4})`);
    // 0-4, plus ls's directory fd (5, the lowest free: 5 and 6 were closed)
    t.same((list ?? '').trim().split('\n'), ['0', '1', '2', '3', '4', '5'], 'fds 5, 6 not passed');
    t.equal(fs.readFileSync(path.join(dir, 'f3'), 'utf8'), 'three\n', 'writes to fd 3 reach the file');
    t.equal(fs.readFileSync(path.join(dir, 'f4'), 'utf8'), 'four\n', 'writes to fd 4 reach the file');
    t.equal(fs.readFileSync(path.join(dir, 'f5'), 'utf8'), '', 'fd 5 untouched');
  });
});

// Last: every container of this file is gone, processes included (a killed
// init is reaped by the host's init a little later: wait for it), so the
// suite's leak check after the run finds nothing of ours.
nothingLeftOfThisFile(t, ['iso']);
