// process/linux security fields, read from inside real containers: what the
// container's process sees in /proc/self/status, /proc/self/limits, mountinfo,
// ... for each field of config.json. Needs root; runs ocirun only (the same
// fields against runc: conformance/run.mjs --compare).
//
//   npx tap --disable-coverage test/security.test.mjs
//
// Every test builds its bundle from the busybox rootfs (makeBundle + an edit;
// a private copy of the rootfs when the test needs to change it) and asserts on
// what the container printed. Host-side fixtures (hook scripts, decoy files,
// a shared tmpfs for propagation) live in PREFIX-named temp dirs and are
// removed (and unmounted) at teardown.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  REPO, OCIRUN, PREFIX, makeBundle, makeRoot, uniqueId, state, cleanupContainer, waitFor, tempDir, consoleReceiver,
} from './lib/harness.mjs';
import { caps, capMask } from './lib/caps.mjs';

const ROOT = makeRoot(t);
// A container's init that died is reparented to pid 1, which may reap it a
// little later; until then the zombie still shows its (deleted) cgroup. Let
// that happen before the suite's leak check looks.
t.teardown(() => waitFor(() => processesOf(`-${process.pid}-`, { zombies: true }).length === 0, 15_000));
const SECCOMP_DEFAULT = JSON.parse(fs.readFileSync(path.join(REPO, 'test/data/seccomp-default.json'), 'utf8'));

// ------------------------------------------------------------------ helpers

const sh = (c, script) => { c.process.args = ['sh', '-c', script]; };
const withoutNs = (c, type) => { c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== type); };
const addTmpfs = (c, dest, options = ['nosuid', 'nodev']) => c.mounts.push({ destination: dest, type: 'tmpfs', source: 'tmpfs', options });
const userns = (c) => {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
};
/** "Key:\tvalue" lines of a /proc/<pid>/status-like text -> { Key: value } */
const statusFields = (text) => Object.fromEntries(text.split('\n').filter((l) => l.includes(':'))
  .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
const lines = (s) => s.split('\n').map((l) => l.replace(/\r$/, '')).filter(Boolean);

/**
 * ocirun runs through `env -i` with our environment minus tap's
 * instrumentation: tap preloads a module into every node child (NODE_OPTIONS)
 * that adds _TAPJS_* variables to whatever that child spawns (ocirun's hooks),
 * and the preload patches spawn in this process too, so a plain `env` option
 * can't drop them.
 */
const ENV = Object.entries(process.env)
  .filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS'))
  .map(([k, v]) => `${k}=${v}`);
const ocirunArgv = (args) => ['-i', ...ENV, OCIRUN, '--root', ROOT, ...args];

/** ocirun with pipes: { status, signal, stdout, stderr }. */
function ocirun(args, { timeout = 60_000, stdio = 'pipe' } = {}) {
  const r = spawnSync('/usr/bin/env', ocirunArgv(args), { encoding: 'utf8', timeout, stdio });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Runs ocirun with stdout/stderr going to files, not pipes: a created or
 * detached container inherits the runtime's stdio and keeps it open, so a
 * pipe would not see EOF before the container exits.
 */
function rtFiles(tt, args, { extraFds = [] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-io-`));
  tt.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const o = fs.openSync(path.join(dir, 'out'), 'w');
  const e = fs.openSync(path.join(dir, 'err'), 'w');
  try {
    const r = spawnSync('/usr/bin/env', ocirunArgv(args), { stdio: ['ignore', o, e, ...extraFds], timeout: 30_000 });
    return {
      status: r.status, signal: r.signal,
      stdout: fs.readFileSync(path.join(dir, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(dir, 'err'), 'utf8'),
    };
  } finally {
    fs.closeSync(o);
    fs.closeSync(e);
  }
}

/** `run`s a container (bundle from `edit`) to completion: { status, stdout, stderr, id, bundle }. */
function runIn(tt, edit, { copy = false, runArgs = [], tag = 'sec', timeout, prepare } = {}) {
  const bundle = makeBundle(tt, edit, { copyRootfs: copy });
  prepare?.(bundle);
  const id = uniqueId(tag);
  cleanupContainer(tt, ROOT, id);
  return { ...ocirun(['run', ...runArgs, '-b', bundle, id], timeout ? { timeout } : {}), id, bundle };
}

/** `run -d` of a long-running container; returns its id and host pid. */
function runDetached(tt, edit, opts = {}) {
  const bundle = makeBundle(tt, edit, { copyRootfs: opts.copy });
  opts.prepare?.(bundle);
  const id = uniqueId(opts.tag ?? 'secd');
  cleanupContainer(tt, ROOT, id);
  const r = rtFiles(tt, ['run', '-d', '-b', bundle, id]);
  const st = state(ROOT, id);
  return { r, id, bundle, pid: st?.pid ?? 0 };
}

/**
 * Host processes whose cgroups name `id`; zombies (already dead, waiting for
 * pid 1 to reap them) only with `zombies`.
 */
function processesOf(id, { zombies = false } = {}) {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const st = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      if (!zombies && st.slice(st.lastIndexOf(')') + 2)[0] === 'Z') return false;
      const cg = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
      return cg.includes(PREFIX) && cg.includes(id);
    } catch { return false; }
  });
}

/** Host mountinfo lines that mention `p`. */
const hostMountsOf = (p) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(p));

/** A mountinfo line of `mountPoint` from the container's output: { opt: optional fields } */
function mountLine(out, mountPoint) {
  const l = lines(out).find((x) => x.split(' ')[4] === mountPoint);
  if (!l) return undefined;
  const [pre] = l.split(' - ');
  const f = pre.split(' ');
  return { line: l, opts: f[5], optional: f.slice(6).join(' ') };
}

// ------------------------------------------------------------ capabilities

t.test('capabilities', async (t) => {
  t.test('all five sets, non-root user, ambient within permitted and inheritable', async (t) => {
    const set = {
      bounding: caps('CHOWN', 'NET_BIND_SERVICE', 'KILL', 'NET_RAW', 'SETUID'),
      effective: caps('NET_BIND_SERVICE', 'KILL'),
      permitted: caps('NET_BIND_SERVICE', 'KILL', 'NET_RAW'),
      inheritable: caps('NET_BIND_SERVICE', 'NET_RAW', 'CHOWN'),
      ambient: caps('NET_BIND_SERVICE', 'NET_RAW'),
    };
    const r = runIn(t, (c) => {
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.capabilities = set;
      sh(c, 'grep ^Cap /proc/self/status');
    });
    t.equal(r.status, 0, r.stderr);
    const s = statusFields(r.stdout);
    // After execve of a program without file capabilities, a non-root
    // process keeps its ambient set as permitted and effective (capabilities(7)).
    t.same(
      { CapBnd: s.CapBnd, CapInh: s.CapInh, CapAmb: s.CapAmb, CapPrm: s.CapPrm, CapEff: s.CapEff },
      {
        CapBnd: capMask(set.bounding), CapInh: capMask(set.inheritable), CapAmb: capMask(set.ambient),
        CapPrm: capMask(set.ambient), CapEff: capMask(set.ambient),
      },
    );
  });

  t.test('root with one list in every set: all five masks equal it', async (t) => {
    const list = caps('CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'AUDIT_WRITE');
    const r = runIn(t, (c) => {
      c.process.capabilities = { bounding: list, effective: list, permitted: list, inheritable: list, ambient: list };
      sh(c, 'grep ^Cap /proc/self/status');
    });
    t.equal(r.status, 0, r.stderr);
    const s = statusFields(r.stdout);
    for (const k of ['CapBnd', 'CapEff', 'CapPrm', 'CapInh', 'CapAmb']) t.equal(s[k], capMask(list), k);
  });

  t.test('a capability the runtime itself lacks is a warning; the container runs without it', async (t) => {
    // config.md: one that "cannot be granted otherwise MUST be logged as a
    // warning"; runtimes "SHOULD NOT fail". Run ocirun with CAP_SYS_TIME out
    // of its own bounding set (a sandboxed host lacks some, e.g. CAP_SYS_RESOURCE here).
    const list = caps('CHOWN', 'KILL', 'SYS_TIME');
    const bundle = makeBundle(t, (c) => {
      c.process.capabilities = { bounding: list, effective: list, permitted: list, inheritable: [], ambient: [] };
      sh(c, 'grep -E "^Cap(Bnd|Eff|Prm):" /proc/self/status');
    });
    const id = uniqueId('capbnd');
    cleanupContainer(t, ROOT, id);
    const r = spawnSync('setpriv', ['--bounding-set', '-sys_time', '--', '/usr/bin/env', ...ocirunArgv(['run', '-b', bundle, id])], { encoding: 'utf8', timeout: 60_000 });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stderr, /level=warning msg="process\.capabilities\.bounding: CAP_SYS_TIME cannot be granted/);
    const s = statusFields(r.stdout);
    for (const k of ['CapBnd', 'CapEff', 'CapPrm']) t.equal(s[k], capMask(caps('CHOWN', 'KILL')), k);
  });

  t.test('an unknown capability is a warning naming it; the container still runs', async (t) => {
    const r = runIn(t, (c) => {
      c.process.capabilities.bounding.push('CAP_FOO');
      c.process.capabilities.effective.push('CAP_FOO');
      c.process.capabilities.permitted.push('CAP_FOO');
      sh(c, 'echo alive; grep ^CapBnd /proc/self/status');
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^alive$/m);
    t.match(r.stderr, /CAP_FOO/, 'the warning names the capability');
    t.match(statusFields(r.stdout).CapBnd, capMask(caps('AUDIT_WRITE', 'KILL', 'NET_BIND_SERVICE')));
  });

  t.test('all sets empty: every mask is 0', async (t) => {
    const r = runIn(t, (c) => {
      c.process.capabilities = { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] };
      sh(c, 'grep ^Cap /proc/self/status');
    });
    t.equal(r.status, 0, r.stderr);
    const s = statusFields(r.stdout);
    for (const k of ['CapBnd', 'CapEff', 'CapPrm', 'CapInh', 'CapAmb']) t.equal(s[k], '0000000000000000', k);
  });
});

// ------------------------------------------------------------ process fields

t.test('noNewPrivileges', async (t) => {
  for (const nnp of [true, false]) {
    const r = runIn(t, (c) => { c.process.noNewPrivileges = nnp; sh(c, 'grep ^NoNewPrivs /proc/self/status'); });
    t.equal(r.status, 0, r.stderr);
    t.equal(statusFields(r.stdout).NoNewPrivs, nnp ? '1' : '0', `noNewPrivileges: ${nnp}`);
  }
});

t.test('rlimits', async (t) => {
  t.test('several limits are applied', async (t) => {
    const r = runIn(t, (c) => {
      c.process.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 100, hard: 200 },
        { type: 'RLIMIT_CORE', soft: 0, hard: 1000 },
        { type: 'RLIMIT_NPROC', soft: 50, hard: 60 },
        { type: 'RLIMIT_STACK', soft: 1048576, hard: 2097152 },
        { type: 'RLIMIT_MEMLOCK', soft: 4096, hard: 8192 },
        { type: 'RLIMIT_MSGQUEUE', soft: 1000, hard: 2000 },
      ];
      sh(c, 'cat /proc/self/limits');
    });
    t.equal(r.status, 0, r.stderr);
    const lim = (name) => r.stdout.split('\n').find((l) => l.startsWith(name))?.slice(26).trim().split(/\s+/).slice(0, 2);
    t.same(lim('Max open files'), ['100', '200']);
    t.same(lim('Max core file size'), ['0', '1000']);
    t.same(lim('Max processes'), ['50', '60']);
    t.same(lim('Max stack size'), ['1048576', '2097152']);
    t.same(lim('Max locked memory'), ['4096', '8192']);
    t.same(lim('Max msgqueue size'), ['1000', '2000']);
  });

  t.test('an unknown type is an error naming process.rlimits[i].type', async (t) => {
    const r = runIn(t, (c) => {
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }, { type: 'RLIMIT_FOO', soft: 1, hard: 2 }];
    });
    t.equal(r.status, 1);
    t.match(r.stderr, /process\.rlimits\[1\]\.type/);
    t.match(r.stderr, /RLIMIT_FOO/);
    t.equal(state(ROOT, r.id), undefined, 'no container left');
  });

  t.test('soft greater than hard is an error', async (t) => {
    const r = runIn(t, (c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 300, hard: 200 }]; });
    t.equal(r.status, 1);
    t.match(r.stderr, /process\.rlimits\[0\]/);
    t.match(r.stderr, /soft|hard/);
  });
});

t.test('user: uid, gid, umask, additionalGids', async (t) => {
  const r = runIn(t, (c) => {
    c.process.user = { uid: 1000, gid: 1000, umask: 0o077, additionalGids: [5, 65534] };
    sh(c, 'id; umask; grep -E "^(Uid|Gid|Groups)" /proc/self/status');
  });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^uid=1000\(user\) gid=1000\(user\) groups=5\(tty\),65534\(nogroup\)$/m);
  t.match(r.stdout, /^0077$/m);
  const s = statusFields(r.stdout);
  t.equal(s.Uid, '1000\t1000\t1000\t1000');
  t.equal(s.Gid, '1000\t1000\t1000\t1000');
  t.equal(s.Groups, '5 65534');
});

t.test('oomScoreAdj', async (t) => {
  const r = runIn(t, (c) => { c.process.oomScoreAdj = 500; sh(c, 'cat /proc/self/oom_score_adj'); });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), '500');
});

t.test('ioPriority', async (t) => {
  for (const [cls, prio, want] of [['IOPRIO_CLASS_BE', 6, 'best-effort: prio 6'], ['IOPRIO_CLASS_IDLE', 0, 'idle']]) {
    const r = runIn(t, (c) => { c.process.ioPriority = { class: cls, priority: prio }; sh(c, 'ionice -p $$'); });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout.trim(), new RegExp(`^${want}`), cls);
  }
});

t.test('scheduler: SCHED_BATCH with nice', async (t) => {
  const r = runIn(t, (c) => {
    c.process.scheduler = { policy: 'SCHED_BATCH', nice: 5 };
    sh(c, 'grep -E "^(policy|prio) " /proc/self/sched; echo "stat $(cut -d" " -f19,41 /proc/self/stat)"');
  });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^policy\s+:\s+3$/m, 'SCHED_BATCH = 3');
  t.match(r.stdout, /^prio\s+:\s+125$/m, 'static prio 120 + nice 5');
  t.match(r.stdout, /^stat 5 3$/m, 'nice 5, policy 3 in /proc/self/stat');
});

t.test('personality LINUX32', async (t) => {
  const r = runIn(t, (c) => { c.linux.personality = { domain: 'LINUX32' }; sh(c, 'cat /proc/self/personality'); });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), '00000008');
});

// Callers pinned to CPU 0 (taskset): since Linux 6.2 joining a cpuset no
// longer resets a process' affinity, so without a reset the container would
// keep the caller's (runc resets it too). execCPUAffinity is for exec'd
// processes only (config.md: "not applicable to the container's init").
t.test('CPU affinity: never the caller\'s; execCPUAffinity for exec only, initial then final', { skip: os.cpus().length < 2 ? 'needs 2 CPUs' : false }, async (t) => {
  const online = fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
  const pinned = (args) => spawnSync('taskset', ['-c', '0', OCIRUN, '--root', ROOT, ...args], { encoding: 'utf8', timeout: 60_000 });
  const cpus = (out) => statusFields(out).Cpus_allowed_list;

  const bundle = makeBundle(t, (c) => { c.process.execCPUAffinity = { final: '1' }; sh(c, 'grep Cpus_allowed_list /proc/self/status'); });
  const id = uniqueId('aff');
  cleanupContainer(t, ROOT, id);
  const r = pinned(['run', '-b', bundle, id]);
  t.equal(r.status, 0, r.stderr);
  t.equal(cpus(r.stdout), online, `run: the init has every CPU (${online}), not the caller's 0 nor execCPUAffinity.final 1`);

  const d = runDetached(t, (c) => { c.process.args = ['sleep', '1000']; });
  t.equal(d.r.status, 0, d.r.stderr);
  const dir = tempDir(t, 'aff');
  const cases = [
    [undefined, online, 'no execCPUAffinity: every CPU'],
    [{ initial: '1' }, '1', 'initial only: kept after the cgroup join'],
    [{ final: '1' }, '1', 'final'],
    [{ initial: '1', final: online }, online, 'initial, then final'],
    [{ initial: '1', final: '' }, '1', 'an empty final keeps initial'],
  ];
  cases.forEach(([aff, want, what], i) => {
    const f = path.join(dir, `p${i}.json`);
    fs.writeFileSync(f, JSON.stringify({ args: ['grep', 'Cpus_allowed_list', '/proc/self/status'], cwd: '/', user: { uid: 0, gid: 0 }, ...(aff ? { execCPUAffinity: aff } : {}) }));
    // The first exec of a process file is the CLI's; it leaves a plan the native front runs the next.
    for (const via of ['CLI', 'native front']) {
      const e = pinned(['exec', '--process', f, d.id]);
      t.equal(e.status, 0, e.stderr);
      t.equal(cpus(e.stdout), want, `exec --process (${via}): ${what}`);
    }
  });
  for (const via of ['CLI', 'native front']) {
    const e = pinned(['exec', d.id, 'grep', 'Cpus_allowed_list', '/proc/self/status']);
    t.equal(cpus(e.stdout), online, `exec ID COMMAND (${via}): every CPU`, { stderr: e.stderr });
  }
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ args: ['true'], cwd: '/', user: { uid: 0, gid: 0 }, execCPUAffinity: { initial: '1023' } }));
  for (const via of ['CLI', 'native front (hands it to the CLI)']) {
    const e = pinned(['exec', '--process', bad, d.id]);
    t.not(e.status, 0, `a CPU the host lacks (${via}): fails`);
    t.match(e.stderr, /^ocirun: process\.execCPUAffinity\.initial: sched_setaffinity: invalid argument\n$/i, 'one line naming the field');
  }
});

t.test('linux.sysctl', async (t) => {
  t.test('net.* with a network namespace, kernel.shm* with an ipc namespace', async (t) => {
    const hostFwd = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    const hostShm = fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim();
    const r = runIn(t, (c) => {
      c.linux.sysctl = { 'net.ipv4.ip_forward': hostFwd === '1' ? '0' : '1', 'kernel.shmmni': '1234' };
      sh(c, 'echo "fwd=$(cat /proc/sys/net/ipv4/ip_forward) shmmni=$(cat /proc/sys/kernel/shmmni)"');
    });
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout.trim(), `fwd=${hostFwd === '1' ? '0' : '1'} shmmni=1234`);
    t.equal(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), hostFwd, 'host ip_forward unchanged');
    t.equal(fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim(), hostShm, 'host shmmni unchanged');
  });

  t.test('net.* without a network namespace is an error naming the key', async (t) => {
    const r = runIn(t, (c) => { withoutNs(c, 'network'); c.linux.sysctl = { 'net.ipv4.ip_forward': '1' }; });
    t.equal(r.status, 1);
    t.match(r.stderr, /linux\.sysctl\.net\.ipv4\.ip_forward/);
  });

  t.test('kernel.shmmni without an ipc namespace is an error', async (t) => {
    const r = runIn(t, (c) => { withoutNs(c, 'ipc'); c.linux.sysctl = { 'kernel.shmmni': '1234' }; });
    t.equal(r.status, 1);
    t.match(r.stderr, /linux\.sysctl\.kernel\.shmmni/);
  });

  t.test('a key that is not namespaced (vm.swappiness) is an error', async (t) => {
    const before = fs.readFileSync('/proc/sys/vm/swappiness', 'utf8');
    const r = runIn(t, (c) => { c.linux.sysctl = { 'vm.swappiness': '13' }; });
    t.equal(r.status, 1);
    t.match(r.stderr, /linux\.sysctl\.vm\.swappiness/);
    t.equal(fs.readFileSync('/proc/sys/vm/swappiness', 'utf8'), before, 'host value unchanged');
  });
});

t.test('LSM labels on a host without AppArmor/SELinux are ignored', async (t) => {
  t.test('apparmorProfile', async (t) => {
    const r = runIn(t, (c) => { c.process.apparmorProfile = 'docker-default'; c.process.args = ['echo', 'ran']; });
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout.trim(), 'ran');
  });
  t.test('selinuxLabel', async (t) => {
    const r = runIn(t, (c) => {
      c.process.selinuxLabel = 'system_u:system_r:container_t:s0:c124,c675';
      c.process.args = ['echo', 'ran'];
    });
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout.trim(), 'ran');
  });
});

// ------------------------------------------------------------------ seccomp

t.test('seccomp', async (t) => {
  const allowBut = (rules) => ({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: rules });

  t.test('SCMP_ACT_ERRNO with errnoRet; unknown names skipped; Seccomp: 2', async (t) => {
    for (const [errnoRet, text] of [[1, 'Operation not permitted'], [13, 'Permission denied']]) {
      const r = runIn(t, (c) => {
        addTmpfs(c, '/tmp');
        c.linux.seccomp = allowBut([{ names: ['mkdir', 'mkdirat', 'not_a_syscall_xyz'], action: 'SCMP_ACT_ERRNO', errnoRet }]);
        sh(c, 'grep -E "^Seccomp(_filters)?:" /proc/self/status; mkdir /tmp/x; echo "mkdir=$?"; touch /tmp/y && echo touched');
      });
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, /^mkdir=1$/m, `errnoRet ${errnoRet}`);
      t.match(r.stderr, new RegExp(`can't create directory '/tmp/x': ${text}`));
      t.match(r.stdout, /^touched$/m, 'other syscalls are allowed');
      t.match(r.stdout, /^Seccomp:\s+2$/m, 'filter mode');
    }
  });

  t.test('defaultErrnoRet', async (t) => {
    const p = structuredClone(SECCOMP_DEFAULT);
    p.defaultErrnoRet = 13;
    p.syscalls[0].names = p.syscalls[0].names.filter((n) => !n.startsWith('mkdir'));
    const r = runIn(t, (c) => {
      addTmpfs(c, '/tmp');
      c.linux.seccomp = p;
      sh(c, 'mkdir /tmp/x; echo "mkdir=$?"; touch /tmp/y && echo touched');
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^mkdir=1$/m);
    t.match(r.stderr, /can't create directory '\/tmp\/x': Permission denied/);
    t.match(r.stdout, /^touched$/m);
  });

  t.test('argument filter SCMP_CMP_EQ: personality(8) denied, personality(0) allowed', async (t) => {
    const r = runIn(t, (c) => {
      c.linux.seccomp = allowBut([{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }]);
      sh(c, 'linux32 true; echo "l32=$?"; linux64 true; echo "l64=$?"');
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^l32=1$/m);
    t.match(r.stderr, /personality\(0x8\): Operation not permitted/);
    t.match(r.stdout, /^l64=0$/m);
  });

  t.test('argument filter SCMP_CMP_MASKED_EQ: (arg0 & 0xffff) == 8', async (t) => {
    const r = runIn(t, (c) => {
      c.linux.seccomp = allowBut([{
        names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 13,
        args: [{ index: 0, value: 0xffff, valueTwo: 8, op: 'SCMP_CMP_MASKED_EQ' }],
      }]);
      // linux32 -R: personality(PER_LINUX32 | ADDR_NO_RANDOMIZE) = 0x40008
      sh(c, 'linux32 true; echo "a=$?"; linux32 -R true; echo "b=$?"; linux64 true; echo "c=$?"; linux64 -R true; echo "d=$?"');
    });
    t.equal(r.status, 0, r.stderr);
    t.same(lines(r.stdout), ['a=1', 'b=1', 'c=0', 'd=0']);
    t.match(r.stderr, /personality\(0x40008\): Permission denied/);
  });

  t.test('two conditions on the same argument match either (as runc)', async (t) => {
    const r = runIn(t, (c) => {
      c.linux.seccomp = allowBut([{
        names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 13,
        args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }, { index: 0, value: 0x40008, op: 'SCMP_CMP_EQ' }],
      }]);
      sh(c, 'linux32 true; echo "a=$?"; linux32 -R true; echo "b=$?"; linux64 true; echo "c=$?"');
    });
    t.equal(r.status, 0, r.stderr);
    t.same(lines(r.stdout), ['a=1', 'b=1', 'c=0']);
  });

  t.test('SCMP_ACT_KILL_PROCESS: the container dies of SIGSYS', async (t) => {
    const r = runIn(t, (c) => {
      c.linux.seccomp = allowBut([{ names: ['uname'], action: 'SCMP_ACT_KILL_PROCESS' }]);
      c.process.args = ['uname', '-a'];
    });
    t.equal(r.status, 128 + os.constants.signals.SIGSYS, `exit 159, stderr: ${r.stderr}`);
    t.equal(r.stdout, '');
  });

  t.test('SCMP_ACT_TRAP: SIGSYS for the caller', async (t) => {
    const r = runIn(t, (c) => {
      c.linux.seccomp = allowBut([{ names: ['sync'], action: 'SCMP_ACT_TRAP' }]);
      sh(c, 'sync; echo "sync=$?"; echo after');
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^sync=159$/m);
    t.match(r.stdout, /^after$/m);
  });

  t.test('SCMP_ACT_LOG: the call is allowed', async (t) => {
    const r = runIn(t, (c) => {
      c.linux.seccomp = allowBut([{ names: ['uname'], action: 'SCMP_ACT_LOG' }]);
      sh(c, 'uname -s; echo "uname=$?"');
    });
    t.equal(r.status, 0, r.stderr);
    t.same(lines(r.stdout), ['Linux', 'uname=0']);
  });

  t.test('a realistic default profile (docker default, ERRNO by default)', async (t) => {
    const r = runIn(t, (c) => {
      c.linux.seccomp = SECCOMP_DEFAULT;
      sh(c, [
        'ls / >/dev/null && echo ls-ok',
        'sh -c "echo nested-ok"',
        'cat /etc/hostname',
        'grep -E "^Seccomp:" /proc/self/status',
        'unshare -U true; echo "unshare=$?"',
        'mount -t tmpfs none /tmp; echo "mount=$?"',
      ].join('; '));
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^ls-ok$/m);
    t.match(r.stdout, /^nested-ok$/m);
    t.match(r.stdout, /^ocirun$/m, 'cat works');
    t.match(r.stdout, /^Seccomp:\s+2$/m);
    t.match(r.stdout, /^unshare=1$/m);
    t.match(r.stderr, /unshare.*Operation not permitted/);
    t.match(r.stdout, /^mount=(?!0$)\d+$/m, 'mount fails');
  });

  t.test('the default profile with noNewPrivileges false and a non-root user', async (t) => {
    const r = runIn(t, (c) => {
      c.linux.seccomp = SECCOMP_DEFAULT;
      c.process.noNewPrivileges = false;
      c.process.user = { uid: 1000, gid: 1000 };
      sh(c, 'id -u; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status');
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^1000$/m);
    t.match(r.stdout, /^Seccomp:\s+2$/m);
    t.match(r.stdout, /^NoNewPrivs:\s+0$/m);
  });
});

// ------------------------------------------- seccomp: old allow-lists, notify

/** Native syscall numbers by name, from the kernel headers (x86_64). */
function syscallNumbers() {
  const h = ['/usr/include/x86_64-linux-gnu/asm/unistd_64.h', '/usr/include/asm/unistd_64.h'].find((f) => fs.existsSync(f));
  const nr = {};
  for (const m of fs.readFileSync(h, 'utf8').matchAll(/^#define __NR_(\w+)\s+(\d+)$/gm)) nr[m[1]] = Number(m[2]);
  return nr;
}
const SYSNR = syscallNumbers();

/**
 * Docker's default profile cut down to the syscalls no newer than `newest`
 * (deny by default): the kind of allow-list people write for their program,
 * or inherit from before execveat, statx, rseq, clone3, close_range, openat2
 * and faccessat2 existed.
 */
function allowListUpTo(newest) {
  const p = structuredClone(SECCOMP_DEFAULT);
  p.syscalls = p.syscalls
    .map((r) => ({ ...r, names: r.names.filter((n) => SYSNR[n] !== undefined && SYSNR[n] <= SYSNR[newest]) }))
    .filter((r) => r.names.length > 0);
  return p;
}
// What the busybox programs below need (strace): nothing newer than getrandom.
const OLD_PROFILE = allowListUpTo('getrandom');

t.test('seccomp: an allow-list without the syscalls the runtime itself uses', async (t) => {
  t.ok(!OLD_PROFILE.syscalls.some((r) => r.names.some((n) => ['faccessat2', 'close_range', 'openat2', 'clone3', 'execveat'].includes(n))),
    'the profile lacks faccessat2, close_range, openat2, clone3, execveat');
  const script = 'grep -E "^(Seccomp|NoNewPrivs|Cap[A-Za-z]+):" /proc/self/status; ls / >/dev/null && echo ls-ok; sh -c "echo nested-ok"; cat /etc/hostname';
  const users = [['root', { uid: 0, gid: 0 }], ['uid 1000', { uid: 1000, gid: 1000 }]];
  for (const nnp of [false, true]) {
    for (const [who, user] of users) {
      t.test(`noNewPrivileges ${nnp}, ${who}: the program runs under the filter, capabilities as without it`, async (t) => {
        const edit = (withSeccomp) => (c) => {
          c.process.noNewPrivileges = nnp;
          c.process.user = user;
          // A capability in each set, so that a change in any of them shows.
          c.process.capabilities = {
            bounding: caps('CHOWN', 'KILL', 'NET_BIND_SERVICE', 'NET_RAW', 'SETUID'),
            effective: caps('KILL', 'NET_BIND_SERVICE'),
            permitted: caps('KILL', 'NET_BIND_SERVICE', 'NET_RAW'),
            inheritable: caps('NET_BIND_SERVICE', 'NET_RAW', 'CHOWN'),
            ambient: caps('NET_BIND_SERVICE'),
          };
          if (withSeccomp) c.linux.seccomp = OLD_PROFILE;
          sh(c, script);
        };
        const r = runIn(t, edit(true));
        t.equal(r.status, 0, r.stderr);
        t.equal(r.stderr, '', 'no error from the runtime');
        const s = statusFields(r.stdout);
        t.equal(s.Seccomp, '2', 'Seccomp: 2 (filter mode)');
        t.equal(s.NoNewPrivs, nnp ? '1' : '0');
        t.match(r.stdout, /^ls-ok$/m);
        t.match(r.stdout, /^nested-ok$/m);
        t.match(r.stdout, /^ocirun$/m);
        const plain = runIn(t, edit(false));
        t.equal(plain.status, 0, plain.stderr);
        const q = statusFields(plain.stdout);
        for (const k of ['CapBnd', 'CapInh', 'CapPrm', 'CapEff', 'CapAmb']) t.equal(s[k], q[k], `${k} as without seccomp`);
        t.equal(BigInt(`0x${s.CapPrm}`) & (1n << 21n), 0n, 'no CAP_SYS_ADMIN left over');
      });
    }
  }

  t.test('create, then start: the filter goes in after the wait for start', async (t) => {
    const out = tempDir(t, 'scout');
    const bundle = makeBundle(t, (c) => {
      c.process.noNewPrivileges = false;
      c.linux.seccomp = OLD_PROFILE;
      c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
      sh(c, 'grep -E "^Seccomp:" /proc/self/status > /out/status; echo done >> /out/status');
    });
    const id = uniqueId('scold');
    cleanupContainer(t, ROOT, id);
    const c = rtFiles(t, ['create', '-b', bundle, id]);
    t.equal(c.status, 0, c.stderr);
    const s = ocirun(['start', id]);
    t.equal(s.status, 0, s.stderr);
    await waitFor(() => fs.existsSync(`${out}/status`) && fs.readFileSync(`${out}/status`, 'utf8').includes('done'), 15_000);
    t.match(fs.readFileSync(`${out}/status`, 'utf8'), /^Seccomp:\s+2$/m);
  });

  t.test('exec into it with the same profile, as another user', async (t) => {
    const d = runDetached(t, (c) => {
      c.process.noNewPrivileges = false;
      c.linux.seccomp = OLD_PROFILE;
      c.process.args = ['sleep', '30'];
    });
    t.equal(d.r.status, 0, d.r.stderr);
    const e = ocirun(['exec', '--user', '1000:1000', d.id, 'sh', '-c', 'id -u; grep -E "^Seccomp:" /proc/self/status']);
    t.equal(e.status, 0, e.stderr);
    t.match(e.stdout, /^1000$/m);
    t.match(e.stdout, /^Seccomp:\s+2$/m);
    t.equal(ocirun(['delete', '--force', d.id]).status, 0);
  });

  t.test('a filter the kernel refuses: run fails, and start (it is loaded then) fails naming it', async (t) => {
    // WAIT_KILLABLE_RECV without a notify action: EINVAL from seccomp(2).
    const edit = (c) => {
      c.linux.seccomp = { ...OLD_PROFILE, flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] };
      c.process.args = ['true'];
    };
    const r = runIn(t, edit);
    t.not(r.status, 0);
    t.match(r.stderr, /load seccomp filter: invalid argument/i);
    const bundle = makeBundle(t, edit);
    const id = uniqueId('scbad');
    cleanupContainer(t, ROOT, id);
    t.equal(rtFiles(t, ['create', '-b', bundle, id]).status, 0);
    const s = ocirun(['start', id]);
    t.not(s.status, 0, 'start fails');
    t.match(s.stderr, /load seccomp filter: invalid argument/i);
    t.ok(await waitFor(() => state(ROOT, id)?.status === 'stopped', 5000), 'the container stopped');
  });

  t.test('a program that isn\'t there: the error still names it', async (t) => {
    const r = runIn(t, (c) => {
      c.process.noNewPrivileges = false;
      c.linux.seccomp = OLD_PROFILE;
      c.process.args = ['/bin/no-such-program'];
    });
    t.not(r.status, 0);
    t.match(r.stderr, /no-such-program/);
  });
});

t.test('seccomp: syscalls newer than any the profile names fail with ENOSYS', async (t) => {
  const addon = createRequire(import.meta.url)(path.join(REPO, 'build/Release/ocirun.node'));
  // seccomp_data: nr (0), arch (4), instruction_pointer (8), args (16 + 8 i)
  const AUDIT_ARCH_X86_64 = 0xc000003e;
  const run = (prog, nr) => {
    const data = Buffer.alloc(64);
    data.writeInt32LE(nr, 0);
    data.writeUInt32LE(AUDIT_ARCH_X86_64, 4);
    return runBpf(prog, data);
  };
  const ERRNO = 0x00050000, EPERM = 1, ENOSYS = 38, ALLOW = 0x7fff0000;
  const prog = addon.compileSeccomp(OLD_PROFILE);
  t.equal(run(prog, SYSNR.getrandom), ALLOW >>> 0, 'getrandom: allowed');
  t.equal(run(prog, SYSNR.read), ALLOW >>> 0, 'read: allowed');
  for (const n of ['rseq', 'clone3', 'close_range', 'openat2', 'faccessat2', 'execveat', 'statx']) {
    t.equal(run(prog, SYSNR[n]), ERRNO | ENOSYS, `${n}: ENOSYS (newer than any named)`);
  }
  // Older than the newest named, not allowed: the default action.
  t.equal(run(prog, SYSNR.reboot), ERRNO | EPERM, 'reboot: the default action');
  // An allow-by-default profile gets no stub.
  const allow = addon.compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
  t.equal(run(allow, SYSNR.openat2), ALLOW >>> 0, 'allow by default: openat2 allowed');
});

/** A classic BPF interpreter, enough for seccomp programs: returns the verdict. */
function runBpf(prog, data) {
  let A = 0, X = 0, pc = 0;
  const n = prog.length / 8;
  const mem = new Uint32Array(16);
  while (pc < n) {
    const code = prog.readUInt16LE(pc * 8), jt = prog[pc * 8 + 2], jf = prog[pc * 8 + 3], k = prog.readUInt32LE(pc * 8 + 4);
    pc++;
    const cls = code & 0x07;
    const src = code & 0x08 ? X : k;
    if (cls === 0x00) { // LD
      const mode = code & 0xe0;
      if (mode === 0x20) A = data.readUInt32LE(k); else if (mode === 0x00) A = k; else if (mode === 0x60) A = mem[k]; else throw new Error(`ld mode ${code}`);
    } else if (cls === 0x01) { X = (code & 0xe0) === 0x60 ? mem[k] : k; } // LDX
    else if (cls === 0x02) mem[k] = A; // ST
    else if (cls === 0x03) mem[k] = X; // STX
    else if (cls === 0x04) { // ALU
      const op = code & 0xf0;
      A = (op === 0x50 ? A & src : op === 0x40 ? A | src : op === 0x00 ? A + src : op === 0x10 ? A - src : op === 0xa0 ? A ^ src : op === 0x60 ? A << src : op === 0x70 ? A >>> src : op === 0x80 ? -A : NaN) >>> 0;
      if (Number.isNaN(A)) throw new Error(`alu ${code}`);
    } else if (cls === 0x05) { // JMP
      const op = code & 0xf0;
      if (op === 0x00) { pc += k; continue; }
      const c = op === 0x10 ? A === src : op === 0x20 ? A > src : op === 0x30 ? A >= src : op === 0x40 ? (A & src) !== 0 : null;
      if (c === null) throw new Error(`jmp ${code}`);
      pc += c ? jt : jf;
    } else if (cls === 0x06) return (code & 0x18) === 0x10 ? A : k; // RET
    else if (cls === 0x07) { if (code & 0x80) A = X; else X = A; } // MISC: TXA / TAX
  }
  throw new Error('fell off the program');
}

t.test('seccomp: SCMP_ACT_NOTIFY hands the listener fd to the agent at listenerPath', async (t) => {
  for (const [name, nnp, user] of [['noNewPrivileges true, root', true, { uid: 0, gid: 0 }], ['noNewPrivileges false, uid 1000', false, { uid: 1000, gid: 1000 }]]) {
    t.test(name, async (t) => {
      const dir = tempDir(t, 'agent');
      const sock = path.join(dir, 'agent.sock');
      const ENOTBLK = 15;
      const agent = spawn('python3', [path.join(REPO, 'test/lib/seccomp-agent.py'), sock, String(ENOTBLK), '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
      t.teardown(() => agent.kill());
      let out = '';
      agent.stdout.on('data', (d) => (out += d));
      const closed = new Promise((resolve) => agent.on('close', resolve));
      await waitFor(() => out.includes('listening'), 10_000);
      const r = runIn(t, (c) => {
        c.process.noNewPrivileges = nnp;
        c.process.user = user;
        addTmpfs(c, '/tmp', ['nosuid', 'nodev', 'mode=1777']);
        c.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock,
          architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
        };
        sh(c, 'grep -E "^Seccomp:" /proc/self/status; mkdir /tmp/x; echo "mkdir=$?"; touch /tmp/y && echo touched');
      });
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, /^Seccomp:\s+2$/m);
      t.match(r.stdout, /^mkdir=1$/m);
      t.match(r.stderr, /can't create directory '\/tmp\/x': Block device required/, 'the agent answered');
      t.match(r.stdout, /^touched$/m);
      await Promise.race([closed, new Promise((res) => setTimeout(res, 25_000))]);
      const res = JSON.parse(out.split('\n').filter(Boolean).pop());
      t.equal(res.error, null);
      t.ok(res.calls.includes(SYSNR.mkdir) || res.calls.includes(SYSNR.mkdirat), 'mkdir reached the agent');
      t.equal(res.state.fds?.[0], 'seccompFd');
      t.equal(res.state.state?.id, r.id);
    });
  }
});

// --------------------------------------------------------- user namespaces

t.test('user namespace with pid, mount, uts, ipc and network namespaces', async (t) => {
  const prepare = (b) => {
    // The container's root (host uid 100000) must be able to reach its rootfs.
    fs.chmodSync(b, 0o755);
    fs.writeFileSync(`${b}/rootfs/owned`, 'x');
    fs.chownSync(`${b}/rootfs/owned`, 100000, 100000);
    fs.writeFileSync(`${b}/rootfs/owned-7`, 'x');
    fs.chownSync(`${b}/rootfs/owned-7`, 100007, 100008);
  };
  const r = runIn(t, (c) => {
    userns(c);
    sh(c, [
      'echo "uid_map: $(cat /proc/self/uid_map)"', 'echo "gid_map: $(cat /proc/self/gid_map)"', 'id',
      'stat -c "owned %u %g" /owned', 'stat -c "owned-7 %u %g" /owned-7',
      'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done',
      'echo x > /dev/null && echo devnull-writable', 'head -c 4 /dev/zero | wc -c',
      'hostname', 'ls /sys/kernel >/dev/null && echo sys-ok',
      'for n in mnt pid uts ipc net user; do readlink /proc/self/ns/$n; done',
    ].join('; '));
  }, { copy: true, prepare });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^uid_map:\s+0\s+100000\s+65536$/m);
  t.match(r.stdout, /^gid_map:\s+0\s+100000\s+65536$/m);
  t.match(r.stdout, /^uid=0\(root\) gid=0\(root\)/m);
  t.match(r.stdout, /^owned 0 0$/m, 'host uid 100000 is root inside');
  t.match(r.stdout, /^owned-7 7 8$/m);
  for (const [d, mm] of [['null', '1:3'], ['zero', '1:5'], ['full', '1:7'], ['random', '1:8'], ['urandom', '1:9'], ['tty', '5:0']]) {
    t.match(r.stdout, new RegExp(`^/dev/${d} character special file ${mm}$`, 'm'), `/dev/${d}`);
  }
  t.match(r.stdout, /^devnull-writable$/m);
  t.match(r.stdout, /^4$/m, '/dev/zero readable');
  t.match(r.stdout, /^ocirun$/m, 'hostname in the uts namespace');
  t.match(r.stdout, /^sys-ok$/m);
  for (const n of ['mnt', 'pid', 'uts', 'ipc', 'net', 'user']) {
    const host = fs.readlinkSync(`/proc/self/ns/${n}`);
    t.ok(lines(r.stdout).some((l) => l.startsWith(`${n}:[`) && l !== host), `own ${n} namespace`);
  }

  t.test('the container process is host uid 100000', async (t) => {
    const d = runDetached(t, (c) => { userns(c); c.process.args = ['sleep', '30']; }, { copy: true, prepare });
    t.equal(d.r.status, 0, d.r.stderr);
    t.ok(d.pid > 0);
    t.equal(fs.statSync(`/proc/${d.pid}`).uid, 100000);
    t.match(fs.readFileSync(`/proc/${d.pid}/status`, 'utf8'), /^Uid:\s+100000\s+100000\s+100000\s+100000$/m);
    t.equal(ocirun(['delete', '--force', d.id]).status, 0);
  });
});

t.test('user namespace without a network namespace: /sys is the host\'s, bound', async (t) => {
  const r = runIn(t, (c) => {
    userns(c);
    withoutNs(c, 'network');
    sh(c, 'ls /sys/kernel >/dev/null && echo sys-ok; grep " /sys " /proc/self/mountinfo');
  }, { copy: true, prepare: (b) => fs.chmodSync(b, 0o755) });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^sys-ok$/m);
  const m = mountLine(r.stdout, '/sys');
  t.ok(m, '/sys is mounted');
  t.match(m?.opts ?? '', /(^|,)ro(,|$)/, 'read-only as configured');
});

// ------------------------------------------------------------------ devices

t.test('linux.devices: c, b and p with fileMode, uid, gid', async (t) => {
  const r = runIn(t, (c) => {
    c.linux.devices = [
      { path: '/dev/mychar', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 1000, gid: 5 },
      { path: '/dev/sub/myblk', type: 'b', major: 7, minor: 0, fileMode: 0o600, uid: 0, gid: 6 },
      { path: '/dev/myfifo', type: 'p', fileMode: 0o644, uid: 1000, gid: 1000 },
    ];
    sh(c, 'for d in /dev/mychar /dev/sub/myblk /dev/myfifo; do stat -c "%n|%F|%a|%u|%g|%t|%T" $d; done');
  });
  t.equal(r.status, 0, r.stderr);
  t.same(lines(r.stdout), [
    '/dev/mychar|character special file|640|1000|5|1|3',
    '/dev/sub/myblk|block special file|600|0|6|7|0',
    '/dev/myfifo|fifo|644|1000|1000|0|0',
  ]);
});

t.test('/dev/pts is a new devpts instance with the configured ptmxmode', async (t) => {
  const r = runIn(t, (c) => {
    c.mounts.find((m) => m.destination === '/dev/pts').options = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0600', 'mode=0620', 'gid=5'];
    sh(c, 'grep " /dev/pts " /proc/self/mountinfo; stat -c "ptmx %a %t:%T" /dev/pts/ptmx; readlink /dev/ptmx');
  });
  t.equal(r.status, 0, r.stderr);
  const m = mountLine(r.stdout, '/dev/pts');
  t.match(m?.line ?? '', / - devpts devpts .*ptmxmode=600/);
  t.match(m?.line ?? '', /mode=620/);
  t.match(r.stdout, /^ptmx 600 5:2$/m);
  t.match(r.stdout, /^pts\/ptmx$/m);
});

// ------------------------------------------------------ masked / readonly

// The first of the default config's masked /proc files this kernel has.
const DEFAULT_MASKED = ['/proc/kcore', '/proc/keys', '/proc/timer_list'].find((p) => fs.existsSync(p));

t.test('maskedPaths and readonlyPaths', async (t) => {
  const r = runIn(t, (c) => {
    c.root.readonly = false;
    addTmpfs(c, '/data');
    c.linux.maskedPaths.push('/etc/group', '/home');
    c.linux.readonlyPaths.push('/data');
    sh(c, [
      'echo "group=[$(cat /etc/group)]"', 'echo "home=[$(ls -A /home)]"',
      'touch /home/x 2>/dev/null; echo "home-write=$?"',
      'touch /data/x; echo "data-write=$?"', 'touch /etc/writable && echo root-writable',
      `echo "masked-default-size=$(wc -c < ${DEFAULT_MASKED})"`,
      'echo 1 > /proc/sys/kernel/domainname 2>/dev/null; echo "procsys-write=$?"',
    ].join('; '));
  }, { copy: true });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^group=\[\]$/m, 'a masked file reads empty');
  t.match(r.stdout, /^home=\[\]$/m, 'a masked dir lists empty');
  t.match(r.stdout, /^home-write=1$/m, 'a masked dir is read-only');
  t.match(r.stdout, /^data-write=1$/m, 'a readonly path rejects writes');
  t.match(r.stderr, /touch: \/data\/x: Read-only file system/);
  t.match(r.stdout, /^root-writable$/m, 'the rest of the rootfs is writable');
  t.match(r.stdout, /^masked-default-size=0$/m, `default masked ${DEFAULT_MASKED}`);
  t.match(r.stdout, /^procsys-write=[1-9]\d*$/m, 'default readonly /proc/sys');
});

t.test('symlinks in the rootfs pointing out of it never reach the host', async (t) => {
  /** A decoy on the host; the same path exists inside the rootfs copy too, where `inRoot`. */
  const setup = (tt) => {
    const decoy = tempDir(tt, 'decoy');
    fs.writeFileSync(`${decoy}/secret`, 'HOST-SECRET\n');
    fs.mkdirSync(`${decoy}/dir`);
    fs.writeFileSync(`${decoy}/dir/host-file`, 'HOST\n');
    fs.writeFileSync(`${decoy}/target`, 'HOST-TARGET\n');
    return decoy;
  };
  const hostUnchanged = (tt, decoy) => {
    tt.equal(fs.readFileSync(`${decoy}/secret`, 'utf8'), 'HOST-SECRET\n', 'host file unchanged');
    tt.same(fs.readdirSync(`${decoy}/dir`), ['host-file'], 'host dir unchanged');
    tt.equal(fs.readFileSync(`${decoy}/target`, 'utf8'), 'HOST-TARGET\n', 'host bind target unchanged');
    tt.same(hostMountsOf(decoy), [], 'no host mount on the decoy');
  };

  t.test('maskedPaths and readonlyPaths through absolute symlinks', async (t) => {
    const decoy = setup(t);
    const r = runIn(t, (c) => {
      c.root.readonly = false;
      c.linux.maskedPaths.push('/etc/evil', '/etc/evildir');
      c.linux.readonlyPaths.push('/etc/evilro');
      sh(c, [
        `echo "evil=[$(cat /etc/evil)]"`, `echo "copy=[$(cat ${decoy}/secret)]"`,
        'echo "evildir=[$(ls -A /etc/evildir/)]"',
        `touch ${decoy}/ro/x 2>/dev/null; echo "ro-write=$?"`,
      ].join('; '));
    }, {
      copy: true,
      prepare: (b) => {
        // The rootfs has its own copy of the decoy path: resolved inside the
        // root, the symlinks lead there.
        const inRoot = `${b}/rootfs${decoy}`;
        fs.mkdirSync(`${inRoot}/dir`, { recursive: true });
        fs.mkdirSync(`${inRoot}/ro`);
        fs.writeFileSync(`${inRoot}/secret`, 'ROOTFS-COPY\n');
        fs.writeFileSync(`${inRoot}/dir/rootfs-file`, 'x');
        fs.symlinkSync(`${decoy}/secret`, `${b}/rootfs/etc/evil`);
        fs.symlinkSync(`${decoy}/dir`, `${b}/rootfs/etc/evildir`);
        fs.symlinkSync(`${decoy}/ro`, `${b}/rootfs/etc/evilro`);
      },
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^evil=\[\]$/m, 'the in-root target is masked');
    t.match(r.stdout, /^copy=\[\]$/m);
    t.match(r.stdout, /^evildir=\[\]$/m);
    t.match(r.stdout, /^ro-write=1$/m, 'the in-root target is read-only');
    hostUnchanged(t, decoy);
    fs.writeFileSync(`${decoy}/rw-check`, 'x');
    t.pass('the host decoy dir is still writable');
  });

  t.test('maskedPaths through a symlink whose target exists only on the host', async (t) => {
    const decoy = setup(t);
    const r = runIn(t, (c) => {
      c.linux.maskedPaths.push('/etc/evil', '/etc/evildir');
      sh(c, 'echo ran');
    }, {
      copy: true,
      prepare: (b) => {
        fs.symlinkSync(`${decoy}/secret`, `${b}/rootfs/etc/evil`);
        fs.symlinkSync(`${decoy}/dir`, `${b}/rootfs/etc/evildir`);
      },
    });
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout.trim(), 'ran');
    hostUnchanged(t, decoy);
  });

  t.test('a bind mount destination that is an absolute symlink to a host path', async (t) => {
    const decoy = setup(t);
    const src = tempDir(t, 'src');
    fs.writeFileSync(`${src}/payload`, 'PAYLOAD\n');
    const r = runIn(t, (c) => {
      c.mounts.push({ destination: '/etc/evilbind', type: 'bind', source: `${src}/payload`, options: ['rbind', 'ro'] });
      sh(c, 'cat /etc/evilbind');
    }, { copy: true, prepare: (b) => fs.symlinkSync(`${decoy}/target`, `${b}/rootfs/etc/evilbind`) });
    hostUnchanged(t, decoy);
    // As runc: the symlink is followed inside the rootfs, the target created there.
    t.equal(r.status, 0, `container runs (stderr: ${r.stderr.trim()})`);
    t.equal(r.stdout, 'PAYLOAD\n');
  });

  t.test('a bind mount destination that is a dangling relative symlink (/etc/resolv.conf in Ubuntu images)', async (t) => {
    const src = tempDir(t, 'src');
    fs.writeFileSync(`${src}/resolv`, 'nameserver 10.9.8.7\n');
    const r = runIn(t, (c) => {
      c.mounts.push({ destination: '/etc/resolv.conf', type: 'bind', source: `${src}/resolv`, options: ['rbind', 'ro'] });
      sh(c, 'cat /etc/resolv.conf; ls /run/systemd/resolve/');
    }, {
      copy: true,
      prepare: (b) => {
        fs.unlinkSync(`${b}/rootfs/etc/resolv.conf`);
        fs.symlinkSync('../run/systemd/resolve/stub-resolv.conf', `${b}/rootfs/etc/resolv.conf`);
      },
    });
    t.equal(r.status, 0, `container runs (stderr: ${r.stderr.trim()})`);
    t.same(lines(r.stdout), ['nameserver 10.9.8.7', 'stub-resolv.conf']);
    t.same(hostMountsOf('stub-resolv.conf'), []);
  });
});

// ------------------------------------------------------------- propagation

/**
 * A host tmpfs (made shared) with a tmpfs submount at sub/: the source for
 * propagation and rro tests. Unmounted at teardown.
 */
function sharedHostMount(tt) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-prop-`));
  const run = (...a) => {
    const r = spawnSync(a[0], a.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${a.join(' ')}: ${r.stderr}`);
  };
  run('mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', d);
  tt.teardown(() => {
    spawnSync('umount', ['-R', '-l', d]);
    fs.rmSync(d, { recursive: true, force: true });
  });
  run('mount', '--make-shared', d);
  fs.mkdirSync(`${d}/sub`);
  run('mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', `${d}/sub`);
  const line = hostMountsOf(d).find((l) => l.split(' ')[4] === d);
  const group = /shared:(\d+)/.exec(line ?? '')?.[1];
  return { dir: d, group };
}

t.test('mount propagation per mount', async (t) => {
  const host = sharedHostMount(t);
  t.ok(host.group, 'the host source is shared');
  const r = runIn(t, (c) => {
    for (const p of ['rshared', 'rslave', 'rprivate', 'runbindable']) {
      c.mounts.push({ destination: `/mnt/${p}`, type: 'bind', source: host.dir, options: ['rbind', p] });
    }
    sh(c, 'cat /proc/self/mountinfo');
  }, { copy: true });
  t.equal(r.status, 0, r.stderr);
  const got = Object.fromEntries(['rshared', 'rslave', 'rprivate', 'runbindable'].map((p) => [p, mountLine(r.stdout, `/mnt/${p}`)?.optional]));
  t.match(got.rshared, /shared:\d+/, `rshared: got "${got.rshared}"`);
  t.match(got.rslave, new RegExp(`master:${host.group}`), `rslave: got "${got.rslave}"`);
  t.notMatch(got.rslave, /shared:/, 'rslave: not shared');
  t.equal(got.rprivate, '', `rprivate: no optional fields, got "${got.rprivate}"`);
  t.match(got.runbindable, /unbindable/, `runbindable: got "${got.runbindable}"`);
});

t.test('rootfsPropagation', async (t) => {
  t.test('shared: / is shared; a mount with its own rprivate stays private', async (t) => {
    const src = tempDir(t, 'src');
    const r = runIn(t, (c) => {
      c.linux.rootfsPropagation = 'shared';
      c.mounts.push({ destination: '/mnt/own', type: 'bind', source: src, options: ['rbind', 'rprivate'] });
      sh(c, 'cat /proc/self/mountinfo');
    }, { copy: true });
    t.equal(r.status, 0, r.stderr);
    t.match(mountLine(r.stdout, '/')?.optional, /shared:\d+/, '/ is shared');
    t.equal(mountLine(r.stdout, '/mnt/own')?.optional, '', 'the mount\'s own rprivate wins');
  });

  t.test('rshared: a mount with its own rprivate stays private', async (t) => {
    const src = tempDir(t, 'src');
    const r = runIn(t, (c) => {
      c.linux.rootfsPropagation = 'rshared';
      c.mounts.push({ destination: '/mnt/own', type: 'bind', source: src, options: ['rbind', 'rprivate'] });
      sh(c, 'cat /proc/self/mountinfo');
    }, { copy: true });
    t.equal(r.status, 0, r.stderr);
    t.match(mountLine(r.stdout, '/')?.optional, /shared:\d+/, '/ is shared');
    const own = mountLine(r.stdout, '/mnt/own')?.optional;
    t.equal(own, '', `the mount's own rprivate wins over rootfsPropagation: got "${own}"`);
  });

  t.test('private: / has no propagation', async (t) => {
    const r = runIn(t, (c) => { c.linux.rootfsPropagation = 'private'; sh(c, 'cat /proc/self/mountinfo'); });
    t.equal(r.status, 0, r.stderr);
    t.equal(mountLine(r.stdout, '/')?.optional, '');
  });
});

t.test('root.readonly', async (t) => {
  for (const ro of [true, false]) {
    const r = runIn(t, (c) => {
      c.root.readonly = ro;
      sh(c, 'touch /etc/x 2>/dev/null; echo "write=$?"; cat /proc/self/mountinfo');
    }, { copy: !ro });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, ro ? /^write=1$/m : /^write=0$/m, `readonly: ${ro}`);
    t.match(mountLine(r.stdout, '/')?.opts ?? '', ro ? /(^|,)ro(,|$)/ : /(^|,)rw(,|$)/);
  }
});

t.test('rro makes submounts of a bind read-only too (plain ro does not)', async (t) => {
  const host = sharedHostMount(t);
  const r = runIn(t, (c) => {
    c.mounts.push({ destination: '/mnt/rro', type: 'bind', source: host.dir, options: ['rbind', 'rro'] });
    c.mounts.push({ destination: '/mnt/ro', type: 'bind', source: host.dir, options: ['rbind', 'ro'] });
    sh(c, [
      'touch /mnt/rro/a 2>/dev/null; echo "rro-top=$?"', 'touch /mnt/rro/sub/a 2>/dev/null; echo "rro-sub=$?"',
      'touch /mnt/ro/b 2>/dev/null; echo "ro-top=$?"', 'touch /mnt/ro/sub/b 2>/dev/null; echo "ro-sub=$?"',
    ].join('; '));
  }, { copy: true });
  t.equal(r.status, 0, r.stderr);
  t.same(lines(r.stdout), ['rro-top=1', 'rro-sub=1', 'ro-top=1', 'ro-sub=0']);
  t.notOk(fs.existsSync(`${host.dir}/sub/a`), 'nothing written through rro');
});

// -------------------------------------------------------------------- hooks

const HOOK_SCRIPT = `#!/bin/sh
# args: LOG PHASE. Records argv, the environment as given, namespaces, stdin.
log=$1; phase=$2
env0=$(cat /proc/self/environ | tr '\\0' ' ')
PATH=/usr/sbin:/usr/bin:/sbin:/bin
st=$(cat)
echo "phase=$phase|args=$*|env=$env0|mnt=$(readlink /proc/self/ns/mnt)|net=$(readlink /proc/self/ns/net)|pid=$(readlink /proc/self/ns/pid)|state=$st" >> "$log"
`;

t.test('hooks', async (t) => {
  const PHASES = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

  t.test('every phase in order, in the right namespaces, with the state on stdin', async (t) => {
    const logdir = tempDir(t, 'hk');
    fs.chmodSync(logdir, 0o777);
    fs.writeFileSync(`${logdir}/hook.sh`, HOOK_SCRIPT, { mode: 0o755 });
    const bundle = makeBundle(t, (c) => {
      c.mounts.push({ destination: '/hk', type: 'bind', source: logdir, options: ['rbind'] });
      c.hooks = {};
      for (const p of PHASES) {
        // startContainer runs after pivot_root: its path is the container's.
        const inside = p === 'startContainer';
        c.hooks[p] = [{
          path: inside ? '/hook.sh' : `${logdir}/hook.sh`,
          args: ['hook.sh', inside ? '/hk/log' : `${logdir}/log`, p],
          env: [`HOOK_ENV=${p}-env`],
        }];
      }
      c.process.args = ['sleep', '30'];
    }, { copyRootfs: true });
    fs.copyFileSync(`${logdir}/hook.sh`, `${bundle}/rootfs/hook.sh`);
    fs.chmodSync(`${bundle}/rootfs/hook.sh`, 0o755);
    const realBundle = fs.realpathSync(bundle);
    const id = uniqueId('hk');
    cleanupContainer(t, ROOT, id);

    const c = rtFiles(t, ['create', '-b', bundle, id]);
    t.equal(c.status, 0, c.stderr);
    const pid = state(ROOT, id)?.pid;
    const ns = (p) => Object.fromEntries(['mnt', 'net', 'pid'].map((n) => [n, fs.readlinkSync(`/proc/${p}/ns/${n}`)]));
    const hostNs = ns('self');
    const ctrNs = ns(pid);
    t.notSame(ctrNs, hostNs);
    t.equal(ocirun(['start', id]).status, 0);
    t.equal(ocirun(['kill', id, 'KILL']).status, 0);
    await waitFor(() => state(ROOT, id)?.status === 'stopped');
    const d = ocirun(['delete', id]);
    t.equal(d.status, 0, d.stderr);

    const rec = lines(fs.readFileSync(`${logdir}/log`, 'utf8')).map((l) => Object.fromEntries(l.split('|').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
    t.same(rec.map((x) => x.phase), PHASES, 'order');
    // runtime.md: "creating" is step 2 only; the create hooks are steps 3-5 (as crun).
    const status = { prestart: 'created', createRuntime: 'created', createContainer: 'created', startContainer: 'created', poststart: 'running', poststop: 'stopped' };
    for (const x of rec) {
      const inside = x.phase === 'createContainer' || x.phase === 'startContainer';
      t.same({ mnt: x.mnt, net: x.net, pid: x.pid }, inside ? ctrNs : hostNs, `${x.phase}: ${inside ? 'container' : 'host'} namespaces`);
      t.match(x.args, new RegExp(`/log ${x.phase}$`), `${x.phase}: argv`);
      // What the shells add themselves (dash: PWD; busybox ash: SHLVL, PWD and its default PATH).
      const env = x.env.trim().split(' ').filter((e) => !/^(PWD|OLDPWD|SHLVL|_)=/.test(e) && e !== 'PATH=/sbin:/usr/sbin:/bin:/usr/bin');
      t.same(env, [`HOOK_ENV=${x.phase}-env`], `${x.phase}: exactly the configured env`);
      let st;
      t.doesNotThrow(() => { st = JSON.parse(x.state); }, `${x.phase}: state JSON on stdin`);
      t.equal(st?.id, id, `${x.phase}: id`);
      t.equal(st?.bundle, realBundle, `${x.phase}: bundle`);
      t.equal(st?.status, status[x.phase], `${x.phase}: status`);
      if (x.phase !== 'poststop') t.equal(st?.pid, pid, `${x.phase}: pid`);
    }
  });

  const hookBundle = (tt, hooks, args = ['true']) => makeBundle(tt, (c) => { c.hooks = hooks; c.process.args = args; });
  const leftovers = (id) => ({
    stateDir: fs.existsSync(path.join(ROOT, id)),
    cgroups: spawnSync('sh', ['-c', `find /sys/fs/cgroup -maxdepth 6 -type d -name '*${id}*' 2>/dev/null`], { encoding: 'utf8' }).stdout.trim(),
    procs: processesOf(id),
  });

  t.test('a failing createRuntime hook fails create and leaves nothing', async (t) => {
    const bundle = hookBundle(t, { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'echo hook-broke >&2; exit 3'] }] });
    const id = uniqueId('hkfail');
    cleanupContainer(t, ROOT, id);
    const r = rtFiles(t, ['create', '-b', bundle, id]);
    t.not(r.status, 0);
    t.match(r.stderr, /createRuntime/);
    t.equal(state(ROOT, id), undefined, 'no state');
    t.ok(await waitFor(() => processesOf(id).length === 0, 2000), 'the init is gone');
    t.same(leftovers(id), { stateDir: false, cgroups: '', procs: [] });
  });

  t.test('a failing poststop hook: delete still succeeds, with a warning', async (t) => {
    const bundle = hookBundle(t, { poststop: [{ path: '/bin/sh', args: ['sh', '-c', 'cat >/dev/null; exit 1'] }] });
    const id = uniqueId('hkpost');
    cleanupContainer(t, ROOT, id);
    t.equal(rtFiles(t, ['create', '-b', bundle, id]).status, 0);
    t.equal(ocirun(['start', id]).status, 0);
    await waitFor(() => state(ROOT, id)?.status === 'stopped');
    const d = ocirun(['delete', id]);
    t.equal(d.status, 0, d.stderr);
    t.match(d.stderr, /poststop/, 'warning names the hook phase');
    t.equal(state(ROOT, id), undefined);
    t.same(leftovers(id), { stateDir: false, cgroups: '', procs: [] });
  });

  t.test('hooks that exit 0 without reading the state on stdin succeed', async (t) => {
    // The runtime writes the state to the hook's stdin; a hook may exit
    // without reading it (EPIPE for the writer): that is not a failure.
    const bundle = hookBundle(t, {
      prestart: [{ path: '/bin/true' }], createRuntime: [{ path: '/bin/true' }],
      createContainer: [{ path: '/bin/true' }], poststart: [{ path: '/bin/true' }],
    });
    const failed = [];
    for (let i = 0; i < 10; i++) {
      const id = uniqueId('hktrue');
      cleanupContainer(t, ROOT, id);
      const r = ocirun(['run', '-b', bundle, id]);
      if (r.status !== 0) failed.push(r.stderr.trim());
    }
    t.same(failed, [], 'all 10 runs succeed');
  });

  for (const phase of ['createRuntime', 'createContainer']) {
    t.test(`a ${phase} hook over its timeout is killed and create fails`, async (t) => {
      const bundle = hookBundle(t, { [phase]: [{ path: '/bin/sleep', args: ['sleep', '5'], timeout: 1 }] });
      const id = uniqueId('hkto');
      cleanupContainer(t, ROOT, id);
      const t0 = Date.now();
      const r = rtFiles(t, ['create', '-b', bundle, id]);
      const took = Date.now() - t0;
      t.not(r.status, 0);
      t.match(r.stderr, /time(d)? ?out/i, r.stderr);
      t.ok(took < 4500, `gave up after ${took} ms`);
      t.ok(await waitFor(() => processesOf(id).length === 0, 2000), 'nothing runs in its cgroup');
      t.same(leftovers(id), { stateDir: false, cgroups: '', procs: [] });
    });
  }
});

// ----------------------------------------------------------------- terminal

t.test('terminal', async (t) => {
  t.test('the pty master arrives on --console-socket and drives the shell', async (t) => {
    const rcv = consoleReceiver(t, 'echo $((6*7)); tty; exit 3\n');
    await rcv.ready;
    const bundle = makeBundle(t, (c) => { c.process.terminal = true; c.process.args = ['sh']; });
    const id = uniqueId('tty');
    cleanupContainer(t, ROOT, id);
    const cr = rtFiles(t, ['create', '--console-socket', rcv.sock, '-b', bundle, id]);
    t.equal(cr.status, 0, cr.stderr);
    t.equal(ocirun(['start', id]).status, 0);
    const res = await rcv.result;
    t.equal(res.error, null);
    const out = lines(res.output ?? '');
    t.ok(out.includes('42'), 'the shell computed 6*7');
    t.ok(out.includes('/dev/pts/0'), 'stdin is the pty');
    t.ok(await waitFor(() => state(ROOT, id)?.status === 'stopped'), 'the shell exited');
  });

  t.test('consoleSize and /dev/console', async (t) => {
    const rcv = consoleReceiver(t);
    await rcv.ready;
    const bundle = makeBundle(t, (c) => {
      c.process.terminal = true;
      c.process.consoleSize = { height: 30, width: 100 };
      sh(c, 'stty size; stat -c "console %F %t:%T" /dev/console; tty');
    });
    const id = uniqueId('tty');
    cleanupContainer(t, ROOT, id);
    t.equal(rtFiles(t, ['create', '--console-socket', rcv.sock, '-b', bundle, id]).status, 0);
    t.equal(ocirun(['start', id]).status, 0);
    const res = await rcv.result;
    t.equal(res.error, null);
    const out = lines(res.output ?? '');
    t.ok(out.includes('30 100'), `stty size: ${JSON.stringify(out)}`);
    // The pty slave is bind-mounted on /dev/console (config-linux.md, default devices).
    t.ok(out.includes('console character special file 88:0'), `/dev/console is /dev/pts/0 (136:0): ${JSON.stringify(out)}`);
    await waitFor(() => state(ROOT, id)?.status === 'stopped');
  });

  t.test('terminal: true without --console-socket on create is a clear error', async (t) => {
    const bundle = makeBundle(t, (c) => { c.process.terminal = true; });
    const id = uniqueId('tty');
    cleanupContainer(t, ROOT, id);
    const r = rtFiles(t, ['create', '-b', bundle, id]);
    t.equal(r.status, 1);
    t.match(r.stderr, /console-socket/);
    t.match(r.stderr, /terminal/);
    t.equal(state(ROOT, id), undefined);
  });
});

// ------------------------------------------------------------ fd hygiene

t.test('fd hygiene', async (t) => {
  // `ls /proc/$$/fd` lists the shell's fds (ls's own directory fd is not among them).
  const script = 'ls -1 /proc/$$/fd; exit 0';
  const extra = fs.openSync('/etc/hostname', 'r');
  t.teardown(() => fs.closeSync(extra));

  for (const preserve of [0, 2]) {
    t.test(`run --preserve-fds ${preserve} with fds 3..5 open in the caller`, async (t) => {
      const bundle = makeBundle(t, (c) => sh(c, script));
      const id = uniqueId('fd');
      cleanupContainer(t, ROOT, id);
      const r = ocirun(['run', '--preserve-fds', String(preserve), '-b', bundle, id], { stdio: ['pipe', 'pipe', 'pipe', extra, extra, extra] });
      t.equal(r.status, 0, r.stderr);
      t.same(lines(r.stdout), ['0', '1', '2', ...(preserve ? ['3', '4'] : [])]);
    });
  }

  t.test('create/start: the started process has only 0-2; exec too', async (t) => {
    const d = runDetached(t, (c) => { c.process.args = ['sleep', '30']; });
    t.equal(d.r.status, 0, d.r.stderr);
    t.same(fs.readdirSync(`/proc/${d.pid}/fd`).sort(), ['0', '1', '2'], 'seen from the host');
    const e = ocirun(['exec', d.id, 'sh', '-c', script], { stdio: ['pipe', 'pipe', 'pipe', extra, extra] });
    t.equal(e.status, 0, e.stderr);
    t.same(lines(e.stdout), ['0', '1', '2'], 'exec');
    const e2 = ocirun(['exec', '--preserve-fds', '1', d.id, 'sh', '-c', script], { stdio: ['pipe', 'pipe', 'pipe', extra, extra] });
    t.equal(e2.status, 0, e2.stderr);
    t.same(lines(e2.stdout), ['0', '1', '2', '3'], 'exec --preserve-fds 1');
  });

  t.test('a created (not started) init is not dumpable', async (t) => {
    const bundle = makeBundle(t, (c) => { c.process.user = { uid: 1000, gid: 1000 }; c.process.args = ['sleep', '30']; });
    const id = uniqueId('dump');
    cleanupContainer(t, ROOT, id);
    t.equal(rtFiles(t, ['create', '-b', bundle, id]).status, 0);
    const pid = state(ROOT, id).pid;
    const asUser = (...cmd) => spawnSync('setpriv', ['--reuid', '1000', '--regid', '1000', '--clear-groups', ...cmd], { encoding: 'utf8' });
    t.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Uid:\s+1000\s+1000\s+1000\s+1000$/m, 'already uid 1000');
    t.match(path.basename(fs.readlinkSync(`/proc/${pid}/exe`)), /^(ocirun-bun|node)$/, 'still the runtime (bun or node) before start');
    t.equal(fs.statSync(`/proc/${pid}/status`).uid, 0, '/proc/<pid> owned by root: non-dumpable');
    t.not(asUser('ls', `/proc/${pid}/fd`).status, 0, 'the same uid cannot list its fds');
    t.not(asUser('readlink', `/proc/${pid}/exe`).status, 0, 'nor read its exe link');
    t.not(asUser('cat', `/proc/${pid}/environ`).status, 0, 'nor its environment');
    // Control: once the user's program runs it is dumpable again (owned by uid 1000).
    t.equal(ocirun(['start', id]).status, 0);
    t.ok(await waitFor(() => fs.statSync(`/proc/${pid}/status`).uid === 1000), 'dumpable after start');
    t.equal(asUser('ls', `/proc/${pid}/fd`).status, 0);
  });
});

// ----------------------------------------------- time namespace, domainname

t.test('time namespace with timeOffsets', async (t) => {
  const hostUptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const r = runIn(t, (c) => {
    c.linux.namespaces.push({ type: 'time' });
    c.linux.timeOffsets = { monotonic: { secs: 1000, nanosecs: 0 }, boottime: { secs: 2000, nanosecs: 0 } };
    sh(c, 'cat /proc/self/timens_offsets; echo "uptime $(cut -d" " -f1 /proc/uptime)"');
  });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^monotonic\s+1000\s+0$/m);
  t.match(r.stdout, /^boottime\s+2000\s+0$/m);
  const up = Number(/^uptime (\S+)$/m.exec(r.stdout)?.[1]);
  t.ok(up >= hostUptime + 2000 && up < hostUptime + 2060, `uptime ${up} ~ host ${hostUptime} + 2000`);
});

t.test('domainname', async (t) => {
  const r = runIn(t, (c) => { c.domainname = 'example.org'; sh(c, 'cat /proc/sys/kernel/domainname; hostname'); });
  t.equal(r.status, 0, r.stderr);
  t.same(lines(r.stdout), ['example.org', 'ocirun']);
});

// --------------------------------------------- runtime-spec 1.3 fields

t.test('v1.3 fields this host lacks are clear errors naming the field', async (t) => {
  const cases = {
    'linux.intelRdt': (c) => { c.linux.intelRdt = { closID: 'grp1', l3CacheSchema: 'L3:0=f' }; },
  };
  for (const [field, edit] of Object.entries(cases)) {
    const r = runIn(t, edit);
    t.equal(r.status, 1, field);
    t.match(r.stderr, new RegExp(field.replace('.', '\\.')), `${field}: ${r.stderr.trim()}`);
    t.equal(state(ROOT, r.id), undefined);
  }
});
