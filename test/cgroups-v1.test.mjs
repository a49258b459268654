// cgroup v1 with real containers on this (v1 hybrid) host: where the
// container's cgroups go (linux.cgroupsPath), that every resource is written
// and can be read back from inside the container (cgroup namespace + the
// default config's read-only cgroup mount) and from the host, that limits are
// enforced (pids, memory/OOM, cpu quota, devices), and the cgroup-driven
// commands: pause/resume, update, events, ps, kill --all, delete. Finally the
// v1 files ocirun writes are compared with runc's for the same bundle.
//
// Needs root and a cgroup v1 (or hybrid) host; skipped on a pure v2 host
// (test/cgroups-v2.test.mjs covers that one, in a VM).
//
//   npx tap --disable-coverage test/cgroups-v1.test.mjs
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  OCIRUN, PREFIX, makeRoot, makeBundle, uniqueId, rt, state, cleanupContainer, waitFor, sleep, rtf, procGone } from './lib/harness.mjs';

const RUNC = fs.existsSync('/usr/sbin/runc') ? '/usr/sbin/runc' : 'runc';
const MiB = 1024 * 1024;

// ------------------------------------------------------------ host layout

/** The mounted cgroup hierarchies: [{ mountPoint, controllers: ['cpu'] | ['name=systemd'] | [] (v2) , v2 }] */
function hierarchies() {
  const out = [];
  const seen = new Set();
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (!line) continue;
    const [pre, post] = line.split(' - ');
    const mp = pre.split(' ')[4];
    const [fstype, , opts] = post.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const controllers = fstype === 'cgroup2' ? [] : opts.split(',').filter((o) => !['rw', 'ro'].includes(o) && !o.startsWith('release_agent=')
      && !['nosuid', 'nodev', 'noexec', 'relatime', 'clone_children', 'xattr', 'noprefix'].includes(o));
    const key = fstype === 'cgroup2' ? '' : controllers.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ mountPoint: mp, controllers, v2: fstype === 'cgroup2' });
  }
  return out;
}

const HIER = hierarchies();
const IS_V1 = HIER.some((h) => !h.v2);
const mountOf = (controller) => HIER.find((h) => (controller === '' ? h.v2 : h.controllers.includes(controller)))?.mountPoint;

/** /proc/<pid>/cgroup as Map: hierarchy key ("memory", "cpu,cpuacct", "name=systemd", "" for v2) -> path */
function procCgroups(pid = 'self') {
  const m = new Map();
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const r = /^\d+:([^:]*):(.*)$/.exec(line);
    if (r) m.set(r[1], r[2]);
  }
  return m;
}

/** Host dir of `pid`'s cgroup for `controller` ("" = the unified hierarchy). */
function cgDir(pid, controller) {
  for (const [key, p] of procCgroups(pid)) {
    if (controller === '' ? key === '' : key.split(',').includes(controller)) {
      const mp = mountOf(controller);
      return mp ? path.join(mp, p) : undefined;
    }
  }
  return undefined;
}

/** Every host cgroup dir of `pid`, one per mounted hierarchy (incl. the unified one). */
function allDirs(pid) {
  const out = [];
  for (const [key, p] of procCgroups(pid)) {
    const h = HIER.find((x) => (key === '' ? x.v2 : x.controllers.join(',') === key));
    if (h) out.push(path.join(h.mountPoint, p));
  }
  return out;
}

const hostRead = (dir, file) => fs.readFileSync(path.join(dir, file), 'utf8').trim();
const exists = (p) => fs.existsSync(p);
const sortLines = (s) => s.split('\n').map((l) => l.trim()).filter(Boolean).sort().join('\n');

/** Can a child cgroup of the own cpu cgroup get rt_runtime_us? */
function rtWritable() {
  const cpu = cgDir('self', 'cpu');
  if (!cpu || !exists(path.join(cpu, 'cpu.rt_runtime_us'))) return false;
  const probe = path.join(cpu, `${PREFIX}-rtprobe-${process.pid}`);
  try {
    fs.mkdirSync(probe);
    fs.writeFileSync(path.join(probe, 'cpu.rt_runtime_us'), '10000');
    return true;
  } catch {
    return false;
  } finally {
    try { fs.rmdirSync(probe); } catch { /* not made */ }
  }
}

/** The device the root filesystem lives on ("254:0"), if it is a block device with a sysfs entry. */
function rootDisk() {
  const dev = fs.statSync('/').dev;
  // new_decode_dev: major = bits 8-19, minor = bits 0-7 and 20-31
  let [M, m] = [(dev & 0xfff00) >>> 8, (dev & 0xff) | ((dev >>> 12) & 0xfff00)];
  // A partition: throttle the whole disk (the blkio files want a disk).
  try {
    const sys = fs.realpathSync(`/sys/dev/block/${M}:${m}`);
    if (exists(path.join(sys, 'partition'))) [M, m] = fs.readFileSync(path.join(path.dirname(sys), 'dev'), 'utf8').trim().split(':').map(Number);
    return { major: M, minor: m };
  } catch {
    return undefined;
  }
}

// --------------------------------------------------------------- runtime


/** A long-running runtime call (events): { proc, out(), err(), done } with a hard timeout. */
function rtStream(root, args, timeoutMs = 30_000) {
  const proc = spawn(OCIRUN, ['--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const done = new Promise((resolve) => proc.on('close', (status, signal) => {
    clearTimeout(timer);
    resolve({ status, signal, stdout, stderr });
  }));
  return { proc, out: () => stdout, err: () => stderr, done };
}

const sh = (script) => ['sh', '-c', script];
const withCgroupNs = (c) => {
  if (!c.linux.namespaces.some((n) => n.type === 'cgroup')) c.linux.namespaces.push({ type: 'cgroup' });
};
const withoutPidNs = (c) => { c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'pid'); };

const readPids = (dir) => {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
  } catch {
    return [];
  }
};
const statusOf = (root, id) => state(root, id)?.status;

/**
 * A host dir bind-mounted at /gate: the container waits for /gate/go, so the
 * test can look at it before it moves on (e.g. before its init exits).
 */
function gate(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-gate-`));
  fs.chmodSync(dir, 0o777);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    wait: 'while [ ! -e /gate/go ]; do sleep 0.02; done',
    mount: (c) => c.mounts.push({ destination: '/gate', type: 'bind', source: dir, options: ['rbind', 'rw'] }),
    open: () => fs.writeFileSync(path.join(dir, 'go'), ''),
  };
}

/**
 * create + start a detached container: { id, pid, dirs(controller) }.
 * `args` is the process; `edit` changes the config further.
 */
function startContainer(t, root, args, edit = () => {}, { id = uniqueId('cg'), start = true } = {}) {
  cleanupContainer(t, root, id);
  const bundle = makeBundle(t, (c) => {
    c.process.args = args;
    edit(c);
  });
  const c = rtf(t, root, ['create', '--bundle', bundle, id]);
  t.equal(c.status, 0, `create ${id}`, { stderr: c.stderr });
  if (c.status !== 0) return { id, pid: 0, bundle, ok: false, stderr: c.stderr };
  if (start) {
    const s = rt(root, ['start', id]);
    t.equal(s.status, 0, `start ${id}`, { stderr: s.stderr });
  }
  const pid = state(root, id)?.pid ?? 0;
  // Where the init is now (a dead init's /proc entry no longer says).
  const where = pid ? procCgroups(pid) : new Map();
  const dir = (ctl) => {
    for (const [key, p] of where) {
      if (ctl === '' ? key === '' : key.split(',').includes(ctl)) return mountOf(ctl) ? path.join(mountOf(ctl), p) : undefined;
    }
    return undefined;
  };
  const dirs = [...where].map(([key, p]) => {
    const h = HIER.find((x) => (key === '' ? x.v2 : x.controllers.join(',') === key));
    return h && path.join(h.mountPoint, p);
  }).filter(Boolean);
  return { id, pid, bundle, ok: true, dir, dirs };
}

/**
 * Reads cgroup files from inside the container (`exec cat`): { file: content }.
 * Paths are relative to /sys/fs/cgroup.
 */
function readInside(root, id, files) {
  const script = 'for f; do echo "==$f"; cat "/sys/fs/cgroup/$f" 2>&1 || echo "(unreadable)"; done';
  const r = rt(root, ['exec', id, 'sh', '-c', script, 'sh', ...files], { timeout: 20_000 });
  const out = {};
  let cur;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('==')) out[(cur = line.slice(2))] = [];
    else if (cur && line !== '') out[cur].push(line);
  }
  for (const k of Object.keys(out)) out[k] = out[k].join('\n');
  out.$status = r.status;
  out.$stderr = r.stderr;
  return out;
}

// -------------------------------------------------------------------- tests

if (!IS_V1) {
  t.plan(0, 'not a cgroup v1 host (see test/cgroups-v2.test.mjs)');
} else if (process.getuid() !== 0) {
  t.plan(0, 'needs root');
} else {
  t.setTimeout(240_000);
  runTests();
}

function runTests() {
  // ---------------------------------------------------------- cgroupsPath
  t.test('cgroupsPath', async (t) => {
    const root = makeRoot(t);
    const own = procCgroups('self');
    const v1Keys = [...own.keys()].filter((k) => k !== '');

    /** Checks that `pid` sits in `expect(key)` in every hierarchy and that the dirs exist on the host. */
    const checkPlacement = (t, pid, expect) => {
      const got = procCgroups(pid);
      for (const key of own.keys()) {
        t.equal(got.get(key), expect(key), `hierarchy "${key || '(unified)'}": ${expect(key)}`);
      }
      const dirs = allDirs(pid);
      t.equal(dirs.length, own.size, 'one dir per hierarchy');
      t.ok(dirs.every(exists), 'every dir exists on the host');
      return dirs;
    };

    t.test('absolute', async (t) => {
      const cgPath = `/${uniqueId('abs')}`;
      const c = startContainer(t, root, ['sleep', '1000'], (c) => { c.linux.cgroupsPath = cgPath; });
      const dirs = checkPlacement(t, c.pid, () => cgPath);
      t.ok(v1Keys.length > 0, 'v1 hierarchies present');
      const d = rt(root, ['delete', '--force', c.id]);
      t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
      t.same(dirs.filter(exists), [], 'every cgroup dir removed');
    });

    t.test('relative: under ocirun\'s own cgroup, per hierarchy', async (t) => {
      const parent = uniqueId('rel');
      const cgPath = `${parent}/x`;
      // The intermediate dir is ours to remove (runc leaves parents, too).
      t.teardown(() => {
        for (const [key, p] of own) {
          const h = HIER.find((x) => (key === '' ? x.v2 : x.controllers.join(',') === key));
          if (h) try { fs.rmdirSync(path.join(h.mountPoint, p, parent)); } catch { /* gone or never made */ }
        }
      });
      const c = startContainer(t, root, ['sleep', '1000'], (c) => { c.linux.cgroupsPath = cgPath; });
      if (own.get('memory') && own.get('memory') !== '/') t.comment(`own memory cgroup: ${own.get('memory')}`);
      const dirs = checkPlacement(t, c.pid, (key) => path.posix.join(own.get(key), cgPath));
      const d = rt(root, ['delete', '--force', c.id]);
      t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
      t.same(dirs.filter(exists), [], 'every container cgroup dir removed');
    });

    t.test('default: the id, relative (as runc)', async (t) => {
      const c = startContainer(t, root, ['sleep', '1000']);
      const dirs = checkPlacement(t, c.pid, (key) => path.posix.join(own.get(key), c.id));
      // No cgroup namespace here: /proc/self/cgroup shows host paths.
      const e = rt(root, ['exec', c.id, 'cat', '/proc/self/cgroup'], { timeout: 20_000 });
      t.equal(sortLines(e.stdout), sortLines(fs.readFileSync(`/proc/${c.pid}/cgroup`, 'utf8')), 'an exec\'d process joins the same cgroups as the init (every hierarchy)', { stderr: e.stderr });
      const d = rt(root, ['delete', '--force', c.id]);
      t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
      t.same(dirs.filter(exists), [], 'every cgroup dir removed');
    });

    t.test('systemd slice:prefix:name -> clear error, nothing left', async (t) => {
      for (const cmd of ['create', 'run']) {
        const id = uniqueId('sd');
        cleanupContainer(t, root, id);
        const bundle = makeBundle(t, (c) => {
          c.process.args = ['true'];
          c.linux.cgroupsPath = 'system.slice:ocirun:x';
        });
        const r = rtf(t, root, [cmd, '--bundle', bundle, id]);
        t.equal(r.status, 1, `${cmd} exits 1`);
        t.match(r.stderr, /systemd/, `${cmd}: the error says systemd`);
        t.equal(rt(root, ['state', id]).status, 1, 'no container');
        t.notOk(exists(path.join(root, id)), 'no state dir');
        // Nothing under any hierarchy's root or our own cgroup: not the
        // systemd-style unit, not the literal path, not the id.
        const left = [];
        for (const h of HIER) {
          const ownDir = path.join(h.mountPoint, own.get(h.v2 ? '' : h.controllers.join(',')) ?? '/');
          for (const base of [h.mountPoint, ownDir]) {
            for (const name of ['system.slice/ocirun-x.scope', 'system.slice:ocirun:x', 'x', id]) {
              if (exists(path.join(base, name))) left.push(path.join(base, name));
            }
          }
        }
        t.same(left, [], 'no cgroup dir made');
      }
    });
  });

  // ----------------------------------------------- resources: written, read back
  t.test('resources are written and read back (inside and on the host)', async (t) => {
    const root = makeRoot(t);

    /** Asserts `file` (under `ctl`'s hierarchy) is `want` inside and on the host. */
    const both = (t, c, inside, ctl, file, want, cmp = (s) => s) => {
      t.equal(cmp(inside[`${ctl}/${file}`] ?? '(missing)'), cmp(String(want)), `inside: ${ctl}/${file} = ${want}`);
      const d = c.dir(ctl);
      let host;
      try { host = hostRead(d, file); } catch (e) { host = `(${e.code})`; }
      t.equal(cmp(host), cmp(String(want)), `host: ${d}/${file} = ${want}`);
    };

    t.test('memory', async (t) => {
      const memsw = exists(path.join(mountOf('memory'), 'memory.memsw.limit_in_bytes'));
      const c = startContainer(t, root, ['sleep', '1000'], (c) => {
        withCgroupNs(c);
        c.linux.resources.memory = {
          limit: 64 * MiB, reservation: 32 * MiB, swappiness: 30, disableOOMKiller: true, ...(memsw ? { swap: 96 * MiB } : {}),
        };
      });
      const files = ['memory.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.swappiness', 'memory.oom_control', 'memory.memsw.limit_in_bytes'];
      const inside = readInside(root, c.id, files.map((f) => `memory/${f}`));
      t.equal(inside.$status, 0, 'exec cat works', { stderr: inside.$stderr });
      both(t, c, inside, 'memory', 'memory.limit_in_bytes', 64 * MiB);
      both(t, c, inside, 'memory', 'memory.soft_limit_in_bytes', 32 * MiB);
      both(t, c, inside, 'memory', 'memory.swappiness', 30);
      if (memsw) both(t, c, inside, 'memory', 'memory.memsw.limit_in_bytes', 96 * MiB);
      else t.comment('no memory.memsw.* on this host: swap not checked');
      t.match(inside['memory/memory.oom_control'], /^oom_kill_disable 1$/m, 'inside: oom_kill_disable 1');
      t.match(hostRead(c.dir('memory'), 'memory.oom_control'), /^oom_kill_disable 1$/m, 'host: oom_kill_disable 1');
    });

    t.test('cpu: shares, cfs quota/period, cpuset cpus/mems', async (t) => {
      const cpus = hostRead(mountOf('cpuset'), 'cpuset.effective_cpus').split(/[,-]/)[0];
      const mems = hostRead(mountOf('cpuset'), 'cpuset.effective_mems').split(/[,-]/)[0];
      const c = startContainer(t, root, ['sleep', '1000'], (c) => {
        withCgroupNs(c);
        c.linux.resources.cpu = { shares: 512, quota: 50000, period: 200000, cpus: cpus, mems: mems };
      });
      const inside = readInside(root, c.id, ['cpu/cpu.shares', 'cpu/cpu.cfs_quota_us', 'cpu/cpu.cfs_period_us', 'cpuset/cpuset.cpus', 'cpuset/cpuset.mems']);
      t.equal(inside.$status, 0, 'exec cat works', { stderr: inside.$stderr });
      both(t, c, inside, 'cpu', 'cpu.shares', 512);
      both(t, c, inside, 'cpu', 'cpu.cfs_quota_us', 50000);
      both(t, c, inside, 'cpu', 'cpu.cfs_period_us', 200000);
      both(t, c, inside, 'cpuset', 'cpuset.cpus', cpus);
      both(t, c, inside, 'cpuset', 'cpuset.mems', mems);
      // Enforced: the init may only run on that cpu.
      const allowed = /^Cpus_allowed_list:\s*(\S+)$/m.exec(fs.readFileSync(`/proc/${c.pid}/status`, 'utf8'))?.[1];
      t.equal(allowed, cpus, `the init's Cpus_allowed_list is ${cpus}`);
    });

    t.test('cpu realtime', { skip: rtWritable() ? false : 'cpu.rt_runtime_us is not writable in a child cgroup here' }, async (t) => {
      const c = startContainer(t, root, ['sleep', '1000'], (c) => {
        withCgroupNs(c);
        c.linux.resources.cpu = { realtimePeriod: 500000, realtimeRuntime: 10000 };
      });
      const inside = readInside(root, c.id, ['cpu/cpu.rt_period_us', 'cpu/cpu.rt_runtime_us']);
      both(t, c, inside, 'cpu', 'cpu.rt_period_us', 500000);
      both(t, c, inside, 'cpu', 'cpu.rt_runtime_us', 10000);
    });

    t.test('pids.limit', async (t) => {
      const c = startContainer(t, root, ['sleep', '1000'], (c) => {
        withCgroupNs(c);
        c.linux.resources.pids = { limit: 42 };
      });
      const inside = readInside(root, c.id, ['pids/pids.max']);
      both(t, c, inside, 'pids', 'pids.max', 42);
    });

    const hasWeight = exists(path.join(mountOf('blkio') ?? '/nonexistent', 'blkio.weight'));
    t.test('blockIO weight', async (t) => {
      if (hasWeight) {
        const c = startContainer(t, root, ['sleep', '1000'], (c) => {
          withCgroupNs(c);
          c.linux.resources.blockIO = { weight: 300 };
        });
        const inside = readInside(root, c.id, ['blkio/blkio.weight']);
        both(t, c, inside, 'blkio', 'blkio.weight', 300);
        return;
      }
      // No blkio.weight (no CFQ/BFQ weight interface): create fails and says which file.
      const id = uniqueId('bw');
      cleanupContainer(t, root, id);
      const bundle = makeBundle(t, (c) => {
        c.process.args = ['sleep', '1000'];
        c.linux.resources.blockIO = { weight: 300 };
      });
      const r = rtf(t, root, ['create', '--bundle', bundle, id]);
      t.equal(r.status, 1, 'create exits 1 (blkio.weight does not exist on this host)');
      t.match(r.stderr, /blkio\.weight/, 'the error names blkio.weight', { stderr: r.stderr });
      t.notOk(exists(path.join(root, id)), 'no state left');
      const own = procCgroups('self');
      t.same(HIER.map((h) => path.join(h.mountPoint, own.get(h.v2 ? '' : h.controllers.join(',')) ?? '/', id)).filter(exists), [], 'no cgroup dir left');
    });

    const disk = rootDisk();
    t.test('blockIO throttle read bps', { skip: disk && mountOf('blkio') ? false : 'no blkio hierarchy or root block device' }, async (t) => {
      const c = startContainer(t, root, ['sleep', '1000'], (c) => {
        withCgroupNs(c);
        c.linux.resources.blockIO = { throttleReadBpsDevice: [{ major: disk.major, minor: disk.minor, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: disk.major, minor: disk.minor, rate: 500 }] };
      });
      const inside = readInside(root, c.id, ['blkio/blkio.throttle.read_bps_device', 'blkio/blkio.throttle.write_iops_device']);
      both(t, c, inside, 'blkio', 'blkio.throttle.read_bps_device', `${disk.major}:${disk.minor} 1048576`);
      both(t, c, inside, 'blkio', 'blkio.throttle.write_iops_device', `${disk.major}:${disk.minor} 500`);
    });

    t.test('devices: deny all + allow list', async (t) => {
      // /dev/fuse is created (linux.devices) but not allowed; /dev/loop-control
      // is created and allowed (rw) by the config's own rule.
      const rules = [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 10, minor: 237, access: 'rw' },
        { allow: true, type: 'b', major: 7, access: 'r' },
      ];
      const c = startContainer(t, root, ['sleep', '1000'], (c) => {
        withCgroupNs(c);
        c.linux.resources.devices = rules;
        c.linux.devices = [
          { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
          { path: '/dev/loop-control', type: 'c', major: 10, minor: 237, fileMode: 0o666, uid: 0, gid: 0 },
        ];
      });
      // runc's list: the config's rules, then its default allowed devices.
      const expected = [
        'c 10:237 rw', 'b 7:* r',
        'c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:8 rwm', 'c 1:7 rwm', 'c 5:0 rwm', 'c 1:5 rwm', 'c 1:9 rwm',
        'c 136:* rwm', 'c 5:2 rwm', 'c 10:200 rwm',
      ].join('\n');
      const inside = readInside(root, c.id, ['devices/devices.list']);
      t.equal(sortLines(inside['devices/devices.list'] ?? ''), sortLines(expected), 'inside: devices.list = config rules + defaults');
      t.equal(sortLines(hostRead(c.dir('devices'), 'devices.list')), sortLines(expected), 'host: devices.list = config rules + defaults');

      const denied = rt(root, ['exec', c.id, 'sh', '-c', ': < /dev/fuse'], { timeout: 20_000 });
      t.not(denied.status, 0, 'opening /dev/fuse (not allowed) fails');
      t.match(denied.stderr, /Operation not permitted/, 'with EPERM', { stderr: denied.stderr });
      const denied2 = rt(root, ['exec', c.id, 'head', '-c1', '/dev/fuse'], { timeout: 20_000 });
      t.not(denied2.status, 0, 'head -c1 /dev/fuse fails');
      t.match(denied2.stderr, /Operation not permitted/, 'with EPERM');
      const allowed = rt(root, ['exec', c.id, 'sh', '-c', ': < /dev/loop-control && : > /dev/loop-control && echo opened'], { timeout: 20_000 });
      t.equal(allowed.stdout.trim(), 'opened', 'opening /dev/loop-control (allowed rw) works', { stderr: allowed.stderr });
      const dflt = rt(root, ['exec', c.id, 'sh', '-c', 'head -c4 /dev/zero | wc -c'], { timeout: 20_000 });
      t.equal(dflt.stdout.trim(), '4', 'a default device (/dev/zero) works', { stderr: dflt.stderr });
      const mk = rt(root, ['exec', c.id, 'sh', '-c', 'mknod /tmp/fuse2 c 10 229 2>&1; : < /tmp/fuse2'], { timeout: 20_000 });
      t.not(mk.status, 0, 'a node made inside for the denied device cannot be opened either');
    });
  });

  // -------------------------------------------------------------- enforcement
  t.test('enforcement', async (t) => {
    const root = makeRoot(t);

    t.test('pids.limit 20 stops a fork loop', async (t) => {
      const c = startContainer(t, root, ['sleep', '1000'], (c) => {
        withCgroupNs(c);
        c.linux.resources.pids = { limit: 20 };
      });
      // The loop's forks must fail; `read` is a builtin (a cat would need a fork).
      // A failed fork ends a busybox shell: the loop runs in a subshell.
      const r = rt(root, ['exec', c.id, 'sh', '-c',
        '(for i in $(seq 40); do sleep 30 </dev/null >/dev/null 2>&1 & done); read n < /sys/fs/cgroup/pids/pids.current; echo "current=$n"'], { timeout: 30_000 });
      t.match(r.stderr, /Resource temporarily unavailable/, 'some forks fail with EAGAIN', { stderr: r.stderr.slice(0, 500) });
      const inside = Number(/current=(\d+)/.exec(r.stdout)?.[1] ?? NaN);
      t.ok(inside <= 20 && inside >= 15, `pids.current seen inside = ${inside} (<= 20, and the loop got close to it)`);
      const host = Number(hostRead(c.dir('pids'), 'pids.current'));
      t.ok(host <= 20, `host pids.current = ${host} <= 20`);
      t.ok(Number(hostRead(c.dir('pids'), 'pids.events').split(/\s+/)[1]) > 0, 'pids.events max > 0');
    });

    t.test('memory limit: OOM kill, events prints an oom line, state stopped', async (t) => {
      const memsw = exists(path.join(mountOf('memory'), 'memory.memsw.limit_in_bytes'));
      const c = startContainer(t, root, sh('x=a; while :; do x=$x$x; done'), (c) => {
        c.linux.resources.memory = { limit: 32 * MiB, ...(memsw ? { swap: 32 * MiB } : {}) };
      }, { start: false });
      if (!c.ok) return;
      const ev = rtStream(root, ['events', '--interval', '1s', c.id], 30_000);
      // The first stats line is printed at once: events is watching.
      const ready = await waitFor(() => ev.out().includes('"type":"stats"'), 10_000);
      t.ok(ready, 'events prints stats before the start', { stderr: ev.err() });
      const s = rt(root, ['start', c.id]);
      t.equal(s.status, 0, 'start', { stderr: s.stderr });
      t.ok(await waitFor(() => procGone(c.pid), 20_000), 'the init dies');
      t.equal(statusOf(root, c.id), 'stopped', 'state: stopped');
      const r = await ev.done;
      t.equal(r.signal, null, 'events ends by itself once the container stopped (not killed by the test timeout)');
      t.equal(r.status, 0, 'events exits 0', { stderr: r.stderr });
      const lines = r.stdout.split('\n').filter(Boolean).map((l) => {
        try { return JSON.parse(l); } catch { return { unparsable: l }; }
      });
      t.notOk(lines.some((l) => l.unparsable), 'every line is JSON');
      const oom = lines.find((l) => l.type === 'oom');
      t.ok(oom, 'an oom event', { lines: r.stdout.slice(-2000) });
      t.equal(oom?.id, c.id, 'oom event names the container');
      let ctl = '';
      try { ctl = hostRead(c.dir('memory') ?? '', 'memory.oom_control'); } catch { /* gone */ }
      t.match(ctl, /^oom_kill [1-9]/m, 'host memory.oom_control: oom_kill >= 1');
    });

    t.test('cpu quota 10000/100000 limits a busy loop to about 10%', async (t) => {
      const c = startContainer(t, root, sh('while :; do :; done'), (c) => {
        c.linux.resources.cpu = { quota: 10000, period: 100000 };
      });
      const d = c.dir('cpuacct');
      await sleep(300);
      const u0 = Number(hostRead(d, 'cpuacct.usage'));
      const t0 = process.hrtime.bigint();
      await sleep(1000);
      const u1 = Number(hostRead(d, 'cpuacct.usage'));
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const used = (u1 - u0) / 1e9;
      t.comment(`busy loop used ${used.toFixed(3)} s of cpu in ${wall.toFixed(3)} s`);
      t.ok(used > 0, 'the loop runs');
      t.ok(used < 0.3 * wall, `it is throttled: ${used.toFixed(3)} s < 0.3 × ${wall.toFixed(2)} s`);
      const stat = hostRead(c.dir('cpu'), 'cpu.stat');
      t.match(stat, /^nr_throttled [1-9]/m, 'cpu.stat nr_throttled > 0');
    });
  });

  // ------------------------------------------------------------ pause/resume
  t.test('pause / resume (freezer)', async (t) => {
    const root = makeRoot(t);
    const host = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-host-`));
    t.teardown(() => fs.rmSync(host, { recursive: true, force: true }));
    const counter = path.join(host, 'counter');
    const c = startContainer(t, root, sh('i=0; while :; do i=$((i+1)); echo $i > /host/counter; sleep 0.02; done'), (c) => {
      c.mounts.push({ destination: '/host', type: 'bind', source: host, options: ['rbind', 'rw'] });
    });
    const read = () => { try { return Number(fs.readFileSync(counter, 'utf8').trim()) || 0; } catch { return 0; } };
    t.ok(await waitFor(() => read() > 3, 5000), 'the counter advances');

    const p = rt(root, ['pause', c.id]);
    t.equal(p.status, 0, 'pause', { stderr: p.stderr });
    t.equal(statusOf(root, c.id), 'paused', 'state: paused');
    t.equal(hostRead(c.dir('freezer'), 'freezer.state'), 'FROZEN', 'host freezer.state FROZEN');
    await sleep(100);
    const a = read();
    await sleep(500);
    t.equal(read(), a, 'the counter stands still while paused');

    const e = rt(root, ['exec', c.id, 'true'], { timeout: 15_000 });
    t.not(e.signal, 'SIGTERM', 'exec into a paused container does not hang');
    t.equal(e.status, 255, 'exec into a paused container exits 255 (as runc\'s "exec failed")');
    t.match(e.stderr, /paused/, 'and says the container is paused', { stderr: e.stderr });
    const p2 = rt(root, ['pause', c.id]);
    t.not(p2.status, 0, 'pausing a paused container fails');

    const r = rt(root, ['resume', c.id]);
    t.equal(r.status, 0, 'resume', { stderr: r.stderr });
    t.equal(statusOf(root, c.id), 'running', 'state: running');
    t.equal(hostRead(c.dir('freezer'), 'freezer.state'), 'THAWED', 'host freezer.state THAWED');
    const b = read();
    t.ok(await waitFor(() => read() > b + 2, 5000), 'the counter advances again after resume');
    const r2 = rt(root, ['resume', c.id]);
    t.not(r2.status, 0, 'resuming a running container fails');

    const k = rt(root, ['kill', c.id, 'KILL']);
    t.equal(k.status, 0, 'kill after resume', { stderr: k.stderr });
    t.ok(await waitFor(() => procGone(c.pid), 10_000) && statusOf(root, c.id) === 'stopped', 'stopped');
  });

  // ------------------------------------------------------------------ update
  t.test('update changes limits live', async (t) => {
    const root = makeRoot(t);
    const c = startContainer(t, root, ['sleep', '1000'], (c) => {
      withCgroupNs(c);
      c.linux.resources.memory = { limit: 32 * MiB };
      c.linux.resources.pids = { limit: 10 };
      c.linux.resources.cpu = { shares: 1024 };
    });
    const files = ['memory/memory.limit_in_bytes', 'pids/pids.max', 'cpu/cpu.shares'];
    const check = (t, what, [mem, pids, shares]) => {
      const inside = readInside(root, c.id, files);
      t.equal(inside['memory/memory.limit_in_bytes'], String(mem), `${what}: inside memory.limit_in_bytes`);
      t.equal(inside['pids/pids.max'], String(pids), `${what}: inside pids.max`);
      t.equal(inside['cpu/cpu.shares'], String(shares), `${what}: inside cpu.shares`);
      t.equal(hostRead(c.dir('memory'), 'memory.limit_in_bytes'), String(mem), `${what}: host memory.limit_in_bytes`);
      t.equal(hostRead(c.dir('pids'), 'pids.max'), String(pids), `${what}: host pids.max`);
      t.equal(hostRead(c.dir('cpu'), 'cpu.shares'), String(shares), `${what}: host cpu.shares`);
    };
    check(t, 'before', [32 * MiB, 10, 1024]);

    const u1 = rt(root, ['update', '--memory', '64m', '--pids-limit', '30', '--cpu-shares', '256', c.id]);
    t.equal(u1.status, 0, 'update with flags', { stderr: u1.stderr });
    check(t, 'flags', [64 * MiB, 30, 256]);

    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-res-`)), 'r.json');
    t.teardown(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));
    fs.writeFileSync(file, JSON.stringify({ memory: { limit: 96 * MiB }, pids: { limit: 40 }, cpu: { shares: 300 } }));
    const u2 = rt(root, ['update', '--resources', file, c.id]);
    t.equal(u2.status, 0, 'update --resources FILE', { stderr: u2.stderr });
    check(t, '--resources FILE', [96 * MiB, 40, 300]);

    const u3 = rt(root, ['update', '--resources', '-', c.id], { input: JSON.stringify({ memory: { limit: 48 * MiB }, pids: { limit: 50 }, cpu: { shares: 700 } }) });
    t.equal(u3.status, 0, 'update --resources - (stdin)', { stderr: u3.stderr });
    check(t, '--resources -', [48 * MiB, 50, 700]);

    const bad = rt(root, ['update', '--resources', '-', c.id], { input: '{not json' });
    t.equal(bad.status, 1, 'invalid JSON on stdin: exit 1');
    check(t, 'after a failed update', [48 * MiB, 50, 700]);

    // A write that fails halfway (memory, pids and shares are written before
    // the cpuset, which the kernel refuses): nothing of it stays, as with runc.
    const half = rt(root, ['update', '--memory', '80m', '--pids-limit', '60', '--cpu-shares', '800', '--cpuset-cpus', '9999', c.id]);
    t.equal(half.status, 1, 'a cpuset the host lacks: exit 1');
    t.match(half.stderr, /cpuset\.cpus/, 'the error names the file that failed');
    t.notMatch(half.stderr, /put back/, 'every earlier write was put back');
    check(t, 'after an update that failed halfway', [48 * MiB, 50, 700]);
    const kept = JSON.parse(fs.readFileSync(path.join(root, c.id, 'config.json'), 'utf8')).linux.resources;
    t.same([kept.memory.limit, kept.pids.limit, kept.cpu.shares], [48 * MiB, 50, 700], 'the kept config has the limits of the last update that worked');
  });

  t.test('update memory with swap (memsw) set', { skip: exists(path.join(mountOf('memory') ?? '/nonexistent', 'memory.memsw.limit_in_bytes')) ? false : 'no memory.memsw.* here' }, async (t) => {
    const root = makeRoot(t);
    const unlimited = hostRead(mountOf('memory'), 'memory.limit_in_bytes');
    const c = startContainer(t, root, ['sleep', '1000'], (c) => {
      c.linux.resources.memory = { limit: 32 * MiB, swap: 64 * MiB };
    });
    const mem = () => [hostRead(c.dir('memory'), 'memory.limit_in_bytes'), hostRead(c.dir('memory'), 'memory.memsw.limit_in_bytes')];
    const up = rt(root, ['update', '--memory', '128m', '--memory-swap', '256m', c.id]);
    t.equal(up.status, 0, 'raise both (memsw written first)', { stderr: up.stderr });
    t.same(mem(), [String(128 * MiB), String(256 * MiB)], 'limit 128m, memsw 256m');
    const down = rt(root, ['update', '--memory', '16m', '--memory-swap', '24m', c.id]);
    t.equal(down.status, 0, 'lower both (limit written first)', { stderr: down.stderr });
    t.same(mem(), [String(16 * MiB), String(24 * MiB)], 'limit 16m, memsw 24m');
    // runc: "--memory -1" without --memory-swap makes swap unlimited too
    // (libcontainer's setMemoryAndSwap), else the kernel refuses limit > memsw.
    const inf = rt(root, ['update', '--memory', '-1', c.id]);
    t.equal(inf.status, 0, 'update --memory -1 exits 0 (as runc)', { stderr: inf.stderr });
    t.same(mem(), [unlimited, unlimited], 'limit and memsw both unlimited (as runc)');
  });

  t.test('update with memory.checkBeforeUpdate: a limit not above the usage is refused, nothing written', async (t) => {
    const root = makeRoot(t);
    // 8 MiB in the container's /dev/shm (tmpfs: charged to it, not reclaimable without swap).
    const c = startContainer(t, root, ['sh', '-c', 'head -c 8388608 /dev/zero > /dev/shm/x && touch /dev/shm/ready && sleep 1000'], (c) => {
      c.linux.resources.memory = { limit: 64 * MiB, checkBeforeUpdate: true };
    });
    await waitFor(() => rt(root, ['exec', c.id, 'test', '-e', '/dev/shm/ready']).status === 0);
    const limit = () => hostRead(c.dir('memory'), 'memory.limit_in_bytes');
    const usage = Number(hostRead(c.dir('memory'), 'memory.usage_in_bytes'));
    t.ok(usage > 8 * MiB, 'the container uses more than 8 MiB', { usage });

    const low = rt(root, ['update', '--memory', '4m', c.id]);
    t.equal(low.status, 1, 'update --memory 4m: exit 1');
    t.match(low.stderr, /^ocirun: linux\.resources\.memory\.limit: 4194304 is not above the container's current memory usage \(\d+\): refused \(checkBeforeUpdate\)\n$/, 'one line naming the field, the usage and the flag');
    t.equal(limit(), String(64 * MiB), 'the limit stays 64 MiB');
    t.equal(rt(root, ['exec', c.id, 'cat', '/dev/shm/ready']).status, 0, 'the container still runs, its file still there');

    const up = rt(root, ['update', '--memory', '32m', c.id]);
    t.equal(up.status, 0, 'a limit above the usage: accepted', { stderr: up.stderr });
    t.equal(limit(), String(32 * MiB), 'the limit is 32 MiB');

    // The flag is the container's until an update says otherwise: then the kernel decides (it cannot reclaim tmpfs here).
    const off = rt(root, ['update', '--resources', '-', c.id], { input: JSON.stringify({ memory: { limit: 4 * MiB, checkBeforeUpdate: false } }) });
    t.notMatch(off.stderr, /checkBeforeUpdate/, 'checkBeforeUpdate false: not refused by ocirun');
    const kept = JSON.parse(fs.readFileSync(path.join(root, c.id, 'config.json'), 'utf8')).linux.resources.memory;
    t.equal(kept.checkBeforeUpdate, off.status === 0 ? false : true, 'the kept config has the flag of the last update that worked');
  });

  t.test('update --resources with a device list', async (t) => {
    const root = makeRoot(t);
    const c = startContainer(t, root, ['sleep', '1000'], (c) => {
      c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }];
    });
    // `: < dev` only opens; a failed redirection ends the shell with status 1/2.
    const opens = (dev) => rt(root, ['exec', c.id, 'sh', '-c', `: < ${dev} && echo opened`], { timeout: 20_000 }).stdout.trim() === 'opened';
    t.notOk(opens('/dev/fuse'), 'before: /dev/fuse is denied');
    t.ok(opens('/dev/null'), 'before: /dev/null works');
    const u = rt(root, ['update', '--resources', '-', c.id], {
      input: JSON.stringify({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }] }),
    });
    t.equal(u.status, 0, 'update --resources - with devices', { stderr: u.stderr });
    t.ok(opens('/dev/fuse'), 'after: /dev/fuse opens (the new rule applies)');
    // The container's standard devices stay allowed, as at create (and as
    // ocirun does on cgroup v2, where the new program gets the defaults too).
    t.ok(opens('/dev/null'), 'after: /dev/null still opens (default rules kept)', { 'devices.list': hostRead(c.dir('devices'), 'devices.list') });
    t.ok(opens('/dev/zero') && opens('/dev/urandom'), 'after: /dev/zero and /dev/urandom still open');
  });

  // -------------------------------------------------------------- events --stats
  t.test('events --stats', async (t) => {
    const root = makeRoot(t);
    const c = startContainer(t, root, sh('i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1000'));
    await sleep(200);
    const r = rt(root, ['events', '--stats', c.id]);
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    const lines = r.stdout.split('\n').filter(Boolean);
    t.equal(lines.length, 1, 'one line');
    let ev = {};
    try { ev = JSON.parse(lines[0]); } catch { t.fail('JSON', { stdout: r.stdout }); }
    t.equal(ev.type, 'stats', 'type stats');
    t.equal(ev.id, c.id, 'id');
    t.ok(ev.data?.memory?.usage?.usage > 0, `memory.usage.usage > 0 (${ev.data?.memory?.usage?.usage})`);
    t.ok(ev.data?.pids?.current >= 1, `pids.current >= 1 (${ev.data?.pids?.current})`);
    t.ok(ev.data?.cpu?.usage?.total > 0, `cpu.usage.total > 0 (${ev.data?.cpu?.usage?.total})`);
    t.equal(ev.data?.pids?.current, readPids(c.dir('pids')).length, 'pids.current = processes in the cgroup');
  });

  // ---------------------------------------------------------------------- ps
  t.test('ps', async (t) => {
    const root = makeRoot(t);
    const c = startContainer(t, root, sh('sleep 1000 & sleep 1001 & wait'));
    t.ok(await waitFor(() => readPids(c.dir('pids')).length >= 3, 5000), 'three processes in the cgroup');
    const procs = readPids(c.dir('pids'));
    const j = rt(root, ['ps', '--format', 'json', c.id]);
    t.equal(j.status, 0, 'ps --format json', { stderr: j.stderr });
    t.equal(j.stderr, '', 'nothing on stderr');
    let arr = [];
    try { arr = JSON.parse(j.stdout); } catch { t.fail('JSON', { stdout: j.stdout }); }
    t.ok(Array.isArray(arr) && arr.every(Number.isInteger), 'an array of pids');
    t.same([...arr].sort((a, b) => a - b), procs, 'the host pids of the cgroup.procs');
    t.ok(arr.includes(c.pid), 'includes the init (host pid)');
    t.same(readPids(c.dir('memory')), procs, '(the memory cgroup holds the same processes)');

    const tb = rt(root, ['ps', c.id]);
    t.equal(tb.status, 0, 'ps (table)', { stderr: tb.stderr });
    const lines = tb.stdout.split('\n').filter(Boolean);
    const cols = lines[0]?.trim().split(/\s+/) ?? [];
    const pc = cols.indexOf('PID');
    t.ok(pc >= 0, 'the header has a PID column', { header: lines[0] });
    const rowPids = lines.slice(1).map((l) => Number(l.trim().split(/\s+/)[pc])).sort((a, b) => a - b);
    t.same(rowPids, procs, 'one row per container process, nothing else');
    t.match(tb.stdout, /sleep 1001/, 'shows the command');
  });

  // ------------------------------------------------------------- kill --all
  t.test('kill --all reaches grandchildren', async (t) => {
    const root = makeRoot(t);
    for (const [name, edit] of [['pid namespace', () => {}], ['shared pid namespace', withoutPidNs]]) {
      t.test(name, async (t) => {
        const c = startContainer(t, root, sh('sh -c "sleep 1000; echo" & sleep 1001; echo'), edit);
        // init sh, its child sh, the grandchild sleep, the child sleep
        t.ok(await waitFor(() => readPids(c.dir('pids')).length >= 4, 5000), 'four processes (init, child, grandchild, sleep)');
        const procs = readPids(c.dir('pids'));
        const k = rt(root, ['kill', '--all', c.id, '9']);
        t.equal(k.status, 0, 'kill --all 9', { stderr: k.stderr });
        t.ok(await waitFor(() => procs.every(procGone), 5000), 'every process is gone', { left: procs.filter((p) => !procGone(p)) });
        t.ok(await waitFor(() => statusOf(root, c.id) === 'stopped', 5000), 'state: stopped');
        t.same(readPids(c.dir('pids')), [], 'the cgroup is empty');
      });
    }
  });

  t.test('kill --all after the init died (shared pid namespace): the leftovers get the signal', async (t) => {
    // containerd does this for containers without their own pid namespace
    // when the init exits; runc 1.1 signals whatever is left in the cgroup
    // even though the container is "stopped".
    const root = makeRoot(t);
    const g = gate(t);
    const c = startContainer(t, root, sh(`sleep 1000 & sleep 1001 & ${g.wait}; exit 0`), (c) => {
      withoutPidNs(c);
      g.mount(c);
    });
    g.open();
    t.ok(await waitFor(() => procGone(c.pid), 5000) && statusOf(root, c.id) === 'stopped', 'the init exited: stopped');
    const left = readPids(c.dir('pids'));
    t.equal(left.length, 2, 'two processes left in the cgroup');
    const k = rt(root, ['kill', '--all', c.id, 'KILL']);
    t.equal(k.status, 0, 'kill --all KILL exits 0 (as runc)', { stderr: k.stderr });
    t.ok(await waitFor(() => left.every(procGone), 3000), 'the leftover processes are killed', { left: left.filter((p) => !procGone(p)) });
  });

  // ------------------------------------------------------------------ delete
  t.test('delete', async (t) => {
    const root = makeRoot(t);

    t.test('delete --force of a running container with children', async (t) => {
      const c = startContainer(t, root, sh('sleep 1000 & (sleep 1001 & wait) & wait'));
      const pidsDir = c.dir('pids');
      const dirs = c.dirs;
      t.ok(dirs.some((d) => d.startsWith(mountOf('') ?? '/nonexistent')) || !mountOf(''), 'joined the unified hierarchy too (hybrid host)');
      t.ok(await waitFor(() => readPids(pidsDir).length >= 4, 5000), 'init with children and a grandchild');
      const procs = readPids(pidsDir);
      const d = rt(root, ['delete', '--force', c.id]);
      t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
      t.ok(await waitFor(() => procs.every(procGone), 5000), 'every process is gone', { left: procs.filter((p) => !procGone(p)) });
      t.same(dirs.filter(exists), [], 'the cgroup dir is gone in every hierarchy', { dirs });
      t.equal(rt(root, ['state', c.id]).status, 1, 'no state');
    });

    t.test('delete --force of a paused container', async (t) => {
      const c = startContainer(t, root, sh('sleep 1000 & sleep 1001 & wait'));
      t.ok(await waitFor(() => readPids(c.dir('pids')).length >= 3, 5000), 'init and two children');
      const procs = readPids(c.dir('pids'));
      t.equal(rt(root, ['pause', c.id]).status, 0, 'pause');
      t.equal(statusOf(root, c.id), 'paused', 'paused');
      const d = rt(root, ['delete', '--force', c.id], { timeout: 20_000 });
      t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
      t.ok(await waitFor(() => procs.every(procGone), 5000), 'every process is gone', { left: procs.filter((p) => !procGone(p)) });
      t.same(c.dirs.filter(exists), [], 'the cgroup dir is gone in every hierarchy');
    });

    t.test('delete of a created (never started) container removes its cgroups', async (t) => {
      const c = startContainer(t, root, ['sleep', '1000'], () => {}, { start: false });
      t.equal(c.dirs.length, HIER.length, 'one cgroup dir per hierarchy');
      t.ok(c.dirs.every(exists), 'they exist after create');
      const d = rt(root, ['delete', c.id]);
      t.equal(d.status, 0, 'delete', { stderr: d.stderr });
      t.ok(await waitFor(() => procGone(c.pid), 5000), 'the init is gone');
      t.same(c.dirs.filter(exists), [], 'every cgroup dir is gone');
    });

    t.test('create with an impossible resource rolls back', async (t) => {
      const id = uniqueId('rb');
      cleanupContainer(t, root, id);
      const own = procCgroups('self');
      const bundle = makeBundle(t, (c) => {
        c.process.args = ['sleep', '1000'];
        c.linux.resources.memory = { limit: 64 * MiB };
        c.linux.resources.cpu = { cpus: '1000-1001' };
      });
      const r = rtf(t, root, ['create', '--bundle', bundle, id]);
      t.equal(r.status, 1, 'create exits 1');
      t.match(r.stderr, /cpuset\.cpus/, 'the error names cpuset.cpus', { stderr: r.stderr });
      t.notOk(exists(path.join(root, id)), 'no state left');
      t.same(HIER.map((h) => path.join(h.mountPoint, own.get(h.v2 ? '' : h.controllers.join(',')) ?? '/', id)).filter(exists), [], 'no cgroup dir left in any hierarchy');
    });

    t.test('delete after the init died, leaving children (no pid namespace)', async (t) => {
      // The init waits at the gate so that its cgroups can be looked up.
      const g = gate(t);
      const c = startContainer(t, root, sh(`sleep 1000 & sleep 1001 & ${g.wait}; exit 0`), (c) => {
        withoutPidNs(c);
        g.mount(c);
      });
      const pidsDir = c.dir('pids');
      const dirs = c.dirs;
      g.open();
      t.ok(await waitFor(() => procGone(c.pid), 5000), 'the init exits');
      t.ok(await waitFor(() => statusOf(root, c.id) === 'stopped', 5000), 'state: stopped');
      const left = readPids(pidsDir);
      t.equal(left.length, 2, 'its two children live on in the cgroup');
      t.equal(dirs.length, HIER.length, 'one cgroup dir per hierarchy');
      const d = rt(root, ['delete', c.id]);
      t.equal(d.status, 0, 'delete (no --force) of the stopped container', { stderr: d.stderr });
      t.ok(await waitFor(() => left.every(procGone), 5000), 'the children are killed', { left: left.filter((p) => !procGone(p)) });
      t.same(dirs.filter(exists), [], 'the cgroup dir is gone in every hierarchy', { dirs });
    });
  });

  // ------------------------------------------------------------- vs runc
  t.test('v1 files: ocirun writes what runc writes', { skip: spawnSync(RUNC, ['--version']).status === 0 ? false : 'runc not installed' }, async (t) => {
    const cpus = hostRead(mountOf('cpuset'), 'cpuset.effective_cpus').split(/[,-]/)[0];
    const bundle = makeBundle(t, (c) => {
      c.process.args = ['sleep', '1000'];
      c.linux.resources = {
        memory: { limit: 80 * MiB, reservation: 40 * MiB },
        cpu: { shares: 384, quota: 30000, period: 150000, cpus },
        pids: { limit: 33 },
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
          { allow: true, type: 'b', major: 7, minor: 1, access: 'r' },
        ],
      };
    });
    const files = [
      ['memory', 'memory.limit_in_bytes'], ['memory', 'memory.soft_limit_in_bytes'], ['memory', 'memory.memsw.limit_in_bytes'],
      ['cpu', 'cpu.shares'], ['cpu', 'cpu.cfs_quota_us'], ['cpu', 'cpu.cfs_period_us'],
      ['cpuset', 'cpuset.cpus'], ['cpuset', 'cpuset.mems'], ['pids', 'pids.max'], ['devices', 'devices.list'],
      ['memory', 'memory.swappiness'], ['memory', 'memory.oom_control'],
    ];
    const results = {};
    for (const [name, bin] of [['runc', RUNC], ['ocirun', OCIRUN]]) {
      const root = makeRoot(t);
      const id = uniqueId(`cmp-${name}`);
      cleanupContainer(t, root, id, { runtime: bin });
      const c = rtf(t, root, ['create', '--bundle', bundle, id], { runtime: bin });
      t.equal(c.status, 0, `${name} create`, { stderr: c.stderr });
      const pid = state(root, id, { runtime: bin })?.pid;
      const out = {};
      for (const [ctl, f] of files) {
        try {
          out[`${ctl}/${f}`] = hostRead(cgDir(pid, ctl), f);
        } catch (e) {
          out[`${ctl}/${f}`] = `(${e.code ?? e.message})`;
        }
      }
      out['devices/devices.list'] = sortLines(out['devices/devices.list']);
      // oom_control holds live counters; only its settings are compared.
      out['memory/memory.oom_control'] = out['memory/memory.oom_control'].split('\n').filter((l) => /oom_kill_disable/.test(l)).join('\n');
      results[name] = out;
      const d = rt(root, ['delete', '--force', id], { runtime: bin });
      t.equal(d.status, 0, `${name} delete --force`, { stderr: d.stderr });
    }
    for (const [ctl, f] of files) {
      const k = `${ctl}/${f}`;
      t.equal(results.ocirun[k], results.runc[k], `${k}: ocirun = runc (${JSON.stringify(results.runc[k]).slice(0, 60)})`);
    }
  });
}
