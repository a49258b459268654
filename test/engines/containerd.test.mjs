// containerd (containerd-shim-runc-v2) with ocirun as the runc binary: a
// containerd of our own (test/engines/setup.sh containerd DIR), driven with
// `ctr run --runc-binary bin/ocirun` and `ctr task ...`, asserting on what the
// containers saw. At the end nothing may be left: no tasks, containers, ocirun
// state, cgroups, processes, shims or mounts, and that containerd is stopped.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OCIRUN, PREFIX } from '../lib/harness.mjs';
import {
  setupEngine, teardownEngine, run, runAsync, inPty, caps, cgroupDirsNamed, foreignPidnsProcesses, processesInCgroups,
  processesMatching, mountsUnder, waitFor, sleep,
} from '../lib/engines.mjs';

const started = Date.now();
const NS = `${PREFIX}-${process.pid}`;
const nsEnv = { CONTAINERD_NS: NS };
const setup = setupEngine('containerd', nsEnv);
const DIR = setup.dir;
t.teardown(() => {
  teardownEngine(DIR, nsEnv);
  t.comment(`containerd engine tests: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

if (setup.status !== 0 || !setup.vars.CONTAINERD_SOCK) {
  t.fail(`test/engines/setup.sh containerd failed (${setup.status}): ${setup.error?.message ?? ''}\n${setup.stderr}`);
} else {
  tests(setup.vars);
}

function tests(v) {
  const SOCK = v.CONTAINERD_SOCK;
  const IMAGE = v.IMAGE;
  const BASE = ['-a', SOCK, '-n', NS];
  /** The shim's runc root: containerd's default for the namespace (ctr passes no --runc-root). */
  const RUNC_ROOT = `/run/containerd/runc/${NS}`;
  const ctr = (args, opts) => run('ctr', [...BASE, ...args], opts);
  const ids = new Set();
  let n = 0;
  const newId = (tag) => {
    const id = `${PREFIX}-${tag}-${++n}`;
    ids.add(id);
    return id;
  };
  /** ctr run --rm --runc-binary ocirun [flags] IMAGE ID cmd... */
  const crun = (flags, cmd, { image = IMAGE, ...opts } = {}) =>
    ctr(['run', '--rm', '--runc-binary', OCIRUN, ...flags, image, newId('run'), ...cmd], opts);
  const sh = (flags, script, opts) => crun(flags, ['sh', '-c', script], opts);
  const hostTmp = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-ctd-vol-`));
  t.teardown(() => fs.rmSync(hostTmp, { recursive: true, force: true }));

  const detached = [];
  const removeTask = (id) => {
    ctr(['task', 'kill', '--all', '-s', 'KILL', id]);
    ctr(['task', 'rm', '-f', id]);
    ctr(['container', 'rm', id]);
  };
  // (Only while our containerd runs: ctr would wait for a socket that is gone.)
  t.teardown(() => fs.existsSync(SOCK) && detached.forEach(removeTask));
  const runDetached = (tag, flags, cmd) => {
    const id = newId(tag);
    detached.push(id);
    const r = ctr(['run', '-d', '--runc-binary', OCIRUN, ...flags, IMAGE, id, ...cmd]);
    return { id, r };
  };
  const taskStatus = (id) => {
    const line = ctr(['task', 'ls']).stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
    return line ? line.trim().split(/\s+/) : undefined; // [id, pid, STATUS]
  };

  t.test('run --rm, stdout, exit codes', async (t) => {
    const ok = sh([], 'echo out; echo err >&2');
    t.equal(ok.status, 0, ok.stderr);
    t.equal(ok.stdout, 'out\n');
    t.match(ok.stderr, 'err\n');
    t.equal(sh([], 'exit 3').status, 3);
  });

  t.test('exec failures come through the JSON log', async (t) => {
    const missing = crun([], ['nosuchcmd']);
    t.equal(missing.status, 1);
    t.match(missing.stderr, /^ctr: failed to create shim task: OCI runtime create failed: exec: "nosuchcmd": executable file not found in \$PATH: unknown$/m);
    const noexec = crun([], ['/etc/passwd']);
    t.equal(noexec.status, 1);
    t.match(noexec.stderr, /OCI runtime create failed: exec: "\/etc\/passwd": permission denied: unknown$/m);
    t.same(ctr(['container', 'ls', '-q']).stdout.trim(), '', 'ctr removed the containers');
  });

  t.test('env, cwd, user from the image', async (t) => {
    const r = sh(['--env', 'FOO=bar baz', '--cwd', '/tmp'], 'echo "$FOO|$(pwd)|$(id -u):$(id -g)"');
    t.equal(r.stdout, 'bar baz|/tmp|0:0\n', r.stderr);
    const u = crun([], ['sh', '-c', 'id; grep -E "^(Uid|Gid):" /proc/self/status'], { image: v.IMAGE_USER });
    t.match(u.stdout, 'uid=1000(user) gid=1000(user)', u.stderr);
    t.match(u.stdout, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    t.match(u.stdout, /^Gid:\s+1000\s+1000\s+1000\s+1000$/m);
  });

  t.test('--read-only rootfs', async (t) => {
    const r = sh(['--read-only'], 'touch /x 2>&1; echo "rc=$?"; grep " / " /proc/self/mountinfo');
    t.match(r.stdout, /Read-only file system\s*\nrc=1/, r.stderr);
    t.match(r.stdout, /^\S+ \S+ \S+ \S+ \/ ro[, ]/m);
    const rw = sh([], 'touch /x && echo rw');
    t.equal(rw.stdout, 'rw\n');
  });

  t.test('--mount bind rw and ro', async (t) => {
    fs.writeFileSync(path.join(hostTmp, 'f'), 'from host\n');
    const rw = sh(['--mount', `type=bind,src=${hostTmp},dst=/v,options=rbind:rw`], 'cat /v/f; echo from-container > /v/w');
    t.equal(rw.stdout, 'from host\n', rw.stderr);
    t.equal(fs.readFileSync(path.join(hostTmp, 'w'), 'utf8'), 'from-container\n');
    const ro = sh(['--mount', `type=bind,src=${hostTmp},dst=/v,options=rbind:ro`],
      'cat /v/f; (echo x > /v/w2) 2>&1; echo "w=$?"; grep " /v " /proc/self/mountinfo');
    t.match(ro.stdout, /^from host\n.*Read-only file system\s*\nw=1\n/, ro.stderr);
    t.match(ro.stdout, /^\S+ \S+ \S+ \S+ \/v ro[, ]/m);
    t.notOk(fs.existsSync(path.join(hostTmp, 'w2')));
  });

  t.test('run -t: a pty', async (t) => {
    // ctr sets the size after start: wait for it.
    const r = inPty(['ctr', ...BASE, 'run', '--rm', '-t', '--runc-binary', OCIRUN, IMAGE, newId('tty'), 'sh', '-c',
      'tty; for i in $(seq 50); do [ "$(stty size 2>/dev/null)" = "27 91" ] && break; sleep 0.1; done; stty size; exit 4']);
    t.equal(r.status, 4, r.text);
    t.match(r.stdout, /\/dev\/pts\/0\r*\n27 91\r*\n/);
  });

  t.test('capabilities and no_new_privs', async (t) => {
    const def = caps(crun([], ['cat', '/proc/self/status']).stdout);
    // containerd's default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP
    // SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE.
    t.equal(def.CapEff, 0xa80425fbn);
    t.equal(def.CapBnd, 0xa80425fbn);
    t.equal(def.CapPrm, 0xa80425fbn);
    const mod = caps(crun(['--cap-add', 'CAP_SYS_ADMIN', '--cap-drop', 'CAP_NET_RAW'], ['cat', '/proc/self/status']).stdout);
    t.equal(mod.CapEff, (0xa80425fbn | (1n << 21n)) & ~(1n << 13n));
    const priv = caps(crun(['--privileged'], ['cat', '/proc/self/status']).stdout);
    const ours = caps(fs.readFileSync('/proc/self/status', 'utf8'));
    t.equal(priv.CapEff, ours.CapBnd, '--privileged: every capability we have');
    t.match(crun([], ['grep', 'NoNewPrivs', '/proc/self/status']).stdout, /NoNewPrivs:\s+1/, 'ctr sets no_new_privs by default');
    t.match(crun(['--allow-new-privs'], ['grep', 'NoNewPrivs', '/proc/self/status']).stdout, /NoNewPrivs:\s+0/);
    const chown = sh(['--cap-drop', 'CAP_CHOWN'], 'chown 1000 /tmp 2>&1; echo "rc=$?"');
    t.match(chown.stdout, /Operation not permitted\s*\nrc=1/);
  });

  t.test('--seccomp: the default profile', async (t) => {
    const r = sh(['--seccomp'], 'grep "^Seccomp:" /proc/self/status; linux64 -R true 2>&1; echo "personality=$?"');
    t.match(r.stdout, /Seccomp:\s+2/, r.stderr);
    t.match(r.stdout, /personality\(0x40000\): .*\npersonality=1/);
    t.match(sh([], 'grep "^Seccomp:" /proc/self/status').stdout, /Seccomp:\s+0/, 'ctr: none without --seccomp');
  });

  t.test('--memory-limit, cgroup placement', async (t) => {
    const id = newId('mem');
    const r = ctr(['run', '--rm', '--runc-binary', OCIRUN, '--memory-limit', String(64 << 20), IMAGE, id, 'cat', '/proc/self/cgroup']);
    t.match(r.stdout, new RegExp(`^\\d+:memory:/${NS}/${id}$`, 'm'), r.stderr);
    t.match(r.stdout, new RegExp(`^\\d+:pids:/${NS}/${id}$`, 'm'));
  });

  t.test('detached task: exec, ps, pause/resume, metrics, kill, delete', async (t) => {
    const { id, r } = runDetached('task', ['--memory-limit', String(64 << 20)], ['sh', '-c',
      'trap "echo got-usr1 > /tmp/usr1" USR1; trap "exit 7" TERM; i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done']);
    t.equal(r.status, 0, r.stderr);
    const st = taskStatus(id);
    t.equal(st?.[2], 'RUNNING');
    const pid = Number(st[1]);
    t.ok(fs.existsSync(path.join(RUNC_ROOT, id, 'state.json')), `ocirun state in ${RUNC_ROOT}`);
    t.equal(fs.readFileSync(`/sys/fs/cgroup/memory/${NS}/${id}/memory.limit_in_bytes`, 'utf8').trim(), String(64 << 20));

    // exec
    const e1 = ctr(['task', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'echo "in $(cat /proc/1/comm)"; exit 5']);
    t.equal(e1.status, 5, e1.stderr);
    t.equal(e1.stdout, 'in sh\n');
    // The pid in --pid-file must be the exec'd process even when it is ready
    // before the runtime's intermediate process has reported it.
    const codes = [];
    for (let i = 0; i < 10; i++) codes.push(ctr(['task', 'exec', '--exec-id', `q${i}`, id, 'sh', '-c', `exit ${i + 10}`]).status);
    t.same(codes, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'exit codes of quick execs');
    const e2 = ctr(['task', 'exec', '--exec-id', 'e2', id, 'nosuchcmd']);
    t.not(e2.status, 0);
    t.match(e2.stderr, /ctr: OCI runtime exec failed: exec: "nosuchcmd": executable file not found in \$PATH: unknown/);
    const e3 = ctr(['task', 'exec', '--exec-id', 'e3', '--user', '1000', '--cwd', '/tmp', id, 'sh', '-c', 'echo "$(id -u) $(pwd)"']);
    t.equal(e3.stdout, '1000 /tmp\n', e3.stderr);
    const e4 = inPty(['ctr', ...BASE, 'task', 'exec', '--exec-id', 'e4', '--tty', id, 'sh', '-c', 'tty; exit 6']);
    t.equal(e4.status, 6, e4.text);
    t.match(e4.stdout, /\/dev\/pts\/\d+\r*\n/);

    // ps: host pids in the container's cgroup
    const e5 = ctr(['task', 'exec', '--exec-id', 'e5', '--detach', id, 'sleep', '1000']);
    t.equal(e5.status, 0, e5.stderr);
    let pids = [];
    t.ok(await waitFor(() => {
      pids = ctr(['task', 'ps', id]).stdout.split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).filter(Boolean);
      return pids.length >= 3; // sh, its sleep 0.05, the exec'd sleep
    }), `task ps: ${pids}`);
    t.ok(pids.includes(pid), 'the init is listed');
    for (const p of pids) {
      let cg = '';
      try {
        cg = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
      } catch { continue; /* a short sleep ended */ }
      t.match(cg, `/${NS}/${id}`, `pid ${p} is in the container's cgroup`);
    }

    // pause / resume
    const counter = () => Number(fs.readFileSync(`/proc/${pid}/root/tmp/n`, 'utf8').trim() || 0);
    t.equal(ctr(['task', 'pause', id]).status, 0);
    t.equal(taskStatus(id)?.[2], 'PAUSED');
    t.equal(fs.readFileSync(`/sys/fs/cgroup/freezer/${NS}/${id}/freezer.state`, 'utf8').trim(), 'FROZEN');
    const a = counter();
    await sleep(400);
    t.equal(counter(), a, 'nothing runs while paused');
    t.equal(ctr(['task', 'resume', id]).status, 0);
    t.equal(taskStatus(id)?.[2], 'RUNNING');
    t.ok(await waitFor(() => counter() > a + 2), 'runs again after resume');

    // metrics (read on the host side)
    const m = ctr(['task', 'metrics', id]);
    t.equal(m.status, 0, m.stderr);
    t.match(m.stdout, new RegExp(`memory\\.limit_in_bytes\\s+${64 << 20}`));
    t.match(m.stdout, /pids\.current\s+[1-9]/);
    t.match(m.stdout, /memory\.usage_in_bytes\s+[1-9]/);

    // kill: USR1 is trapped, TERM ends it with the trap's status
    t.equal(ctr(['task', 'kill', '-s', 'USR1', id]).status, 0);
    t.ok(await waitFor(() => fs.existsSync(`/proc/${pid}/root/tmp/usr1`)), 'USR1 delivered');
    t.equal(ctr(['task', 'kill', '-s', 'TERM', id]).status, 0);
    t.ok(await waitFor(() => taskStatus(id)?.[2] === 'STOPPED'), 'stopped by TERM');
    // The exec'd sleep was in the container's pid namespace: gone with its init.
    t.ok(await waitFor(() => pids.every((p) => !fs.existsSync(`/proc/${p}`))), 'every process is gone');
    const del = ctr(['task', 'delete', id]);
    t.equal(del.status, 0, del.stderr);
    t.match(del.stderr, /exit code 7/, 'the trap\'s exit status');
    t.equal(ctr(['container', 'rm', id]).status, 0);
    t.notOk(fs.existsSync(path.join(RUNC_ROOT, id)), 'no state dir');
    t.same(cgroupDirsNamed([id]), [], 'no cgroup');
  });

  t.test('kill -s KILL, kill --all', async (t) => {
    const k = runDetached('kill', [], ['sleep', '1000']);
    t.equal(k.r.status, 0, k.r.stderr);
    t.equal(ctr(['task', 'kill', '-s', 'KILL', k.id]).status, 0);
    t.ok(await waitFor(() => taskStatus(k.id)?.[2] === 'STOPPED'));
    t.match(ctr(['task', 'delete', k.id]).stderr, /exit code 137/);
    ctr(['container', 'rm', k.id]);

    const all = runDetached('killall', [], ['sh', '-c', 'sleep 1000 & sleep 1000 & wait']);
    t.equal(all.r.status, 0, all.r.stderr);
    let pids = [];
    t.ok(await waitFor(() => {
      pids = processesInCgroups(new RegExp(`/${NS}/${all.id}$`)).map((p) => p.pid);
      return pids.length === 3;
    }), 'sh and two sleeps');
    t.equal(ctr(['task', 'kill', '--all', '-s', 'KILL', all.id]).status, 0);
    t.ok(await waitFor(() => pids.every((p) => !fs.existsSync(`/proc/${p}`))), 'all of them killed');
    t.ok(await waitFor(() => taskStatus(all.id)?.[2] === 'STOPPED'));
    t.equal(ctr(['task', 'delete', all.id]).status, 0);
    ctr(['container', 'rm', all.id]);

    // A running task: delete --force.
    const f = runDetached('force', [], ['sleep', '1000']);
    t.equal(f.r.status, 0, f.r.stderr);
    const rm = ctr(['task', 'rm', '-f', f.id]);
    t.equal(rm.status, 0, rm.stderr);
    t.equal(ctr(['container', 'rm', f.id]).status, 0);
    t.notOk(fs.existsSync(path.join(RUNC_ROOT, f.id)));
  });

  t.test('6 containers at once', async (t) => {
    const rs = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => runAsync('ctr', [...BASE, 'run', '--rm', '--runc-binary', OCIRUN,
      '--memory-limit', String(32 << 20), IMAGE, newId('par'), 'sh', '-c', `echo ${i}; exit ${i}`])));
    rs.forEach((r, i) => {
      t.equal(r.status, i + 1, r.stderr);
      t.equal(r.stdout, `${i + 1}\n`);
    });
  });

  t.test('nothing is left', async (t) => {
    t.ok(ids.size > 20, `${ids.size} containers were made`);
    t.equal(ctr(['task', 'ls', '-q']).stdout.trim(), '', 'no tasks');
    t.equal(ctr(['container', 'ls', '-q']).stdout.trim(), '', 'no containers');
    let states = [];
    try {
      states = fs.readdirSync(RUNC_ROOT);
    } catch { /* never made or removed */ }
    t.same(states, [], `no ocirun state dirs in ${RUNC_ROOT}`);
    t.same(cgroupDirsNamed([...ids]), [], 'no cgroups named after the containers');
    const re = new RegExp(`/${NS}/`);
    t.same(processesInCgroups(re), [], 'no process in the namespace\'s cgroups');
    t.same(foreignPidnsProcesses(re), [], 'no process in their pid namespaces');
    const pid = Number(v.CONTAINERD_PID);
    t.ok(fs.existsSync(`/proc/${pid}`), 'containerd still up before teardown');
    const td = teardownEngine(DIR, nsEnv);
    t.equal(td.status, 0, td.stderr);
    t.ok(await waitFor(() => !fs.existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))),
      'containerd stopped');
    t.same(processesMatching(new RegExp(`containerd-shim.*${SOCK}|containerd --config ${DIR}`)), [], 'no shim, no containerd');
    t.same(mountsUnder(DIR), [], 'no mounts left under the engine dir');
    t.notOk(fs.existsSync(DIR), 'engine dir removed');
    t.same(cgroupDirsNamed([NS]), [], 'the namespace\'s parent cgroups removed');
    t.notOk(fs.existsSync(RUNC_ROOT), 'the namespace\'s runc root removed');
  });
}
