// podman (through conmon) with ocirun as its OCI runtime: real `podman run`,
// `exec`, `stop`, `pause`, ... against an isolated store (test/engines/setup.sh
// podman DIR), asserting on what the containers saw. conmon is told that
// ocirun takes --log-format=json --log F (containers.conf
// runtime_supports_json), so failures come through the JSON log.
// At the end nothing may be left: no ocirun state, cgroups or processes of
// these containers.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OCIRUN, PREFIX } from '../lib/harness.mjs';
import { buildProbe } from '../lib/wasm.mjs';
import {
  setupEngine, teardownEngine, run, runAsync, inPty, caps, cgroupDirsNamed, foreignPidnsProcesses, processesInCgroups,
  processesMatching, mountsUnder, waitFor, sleep, OCIRUN_DEFAULT_ROOT,
} from '../lib/engines.mjs';

const started = Date.now();
const setup = setupEngine('podman');
const DIR = setup.dir;
t.teardown(() => {
  teardownEngine(DIR);
  t.comment(`podman engine tests: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

if (setup.status !== 0 || !setup.vars.PODMAN_ROOT) {
  t.fail(`test/engines/setup.sh podman failed (${setup.status}): ${setup.error?.message ?? ''}\n${setup.stderr}`);
} else {
  tests(setup.vars);
}

function tests(v) {
  const env = { ...process.env, CONTAINERS_CONF: v.CONTAINERS_CONF };
  const BASE = ['--root', v.PODMAN_ROOT, '--runroot', v.PODMAN_RUNROOT, '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'file', '--runtime', OCIRUN];
  const IMAGE = v.IMAGE;
  const pm = (args, opts = {}) => run('podman', [...BASE, ...args], { env, ...opts });
  /** podman run --rm [flags] IMAGE cmd... */
  const prun = (flags, cmd, opts) => pm(['run', '--rm', ...flags, IMAGE, ...cmd], opts);
  const sh = (flags, script, opts) => prun(flags, ['sh', '-c', script], opts);
  let n = 0;
  const name = (tag) => `${PREFIX}-${tag}-${process.pid}-${++n}`;
  const inspect = (c, fmt) => pm(['inspect', '-f', fmt, c]).stdout.trim();
  const hostTmp = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-podman-vol-`));
  t.teardown(() => fs.rmSync(hostTmp, { recursive: true, force: true }));
  /** Names of detached containers, removed at teardown whatever happened. */
  const detached = [];
  t.teardown(() => {
    // (Only while the store is there: podman would make a new one.)
    if (!fs.existsSync(v.PODMAN_ROOT)) return;
    for (const c of detached) if (pm(['container', 'exists', c]).status === 0) pm(['rm', '-f', '-t', '0', c]);
  });
  const runDetached = (tag, flags, cmd) => {
    const c = name(tag);
    detached.push(c);
    const r = pm(['run', '-d', '--name', c, ...flags, IMAGE, ...cmd]);
    return { c, id: r.stdout.trim(), r };
  };

  t.test('ocirun is the runtime podman uses', async (t) => {
    const r = pm(['info', '--format', '{{.Host.OCIRuntime.Path}}|{{.Host.OCIRuntime.Version}}']);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, `${OCIRUN}|ocirun version`);
  });

  t.test('run --rm true exits 0', async (t) => {
    const r = prun([], ['true']);
    t.equal(r.status, 0, r.stderr);
  });

  t.test('exit codes', async (t) => {
    t.equal(sh([], 'exit 3').status, 3, 'the container\'s status');
    const missing = prun([], ['nosuchcmd']);
    t.equal(missing.status, 127, 'command not found: 127');
    // The message came through the JSON log file: with the stderr fallback
    // podman would print "ocirun: ocirun: ...".
    t.match(missing.stderr, /^Error: \S*ocirun: exec: "nosuchcmd": executable file not found in \$PATH: OCI runtime attempted to invoke a command that was not found$/m);
    t.notMatch(missing.stderr, 'ocirun: ocirun:');
    const abs = prun([], ['/nonexistent']);
    t.equal(abs.status, 127, 'missing absolute path: 127');
    t.match(abs.stderr, 'exec: "/nonexistent": stat /nonexistent: no such file or directory');
    const noexec = prun([], ['/etc/passwd']);
    t.equal(noexec.status, 126, 'not executable: 126');
    t.match(noexec.stderr, /^Error: \S*ocirun: exec: "\/etc\/passwd": permission denied: OCI permission denied$/m);
    const dir = prun([], ['/tmp']);
    t.equal(dir.status, 126, 'a directory: 126');
  });

  t.test('conmon passes --log-format=json --log: a failed create leaves one JSON line', async (t) => {
    const c = name('jsonlog');
    detached.push(c);
    const id = pm(['create', '--name', c, IMAGE, 'nosuchcmd']).stdout.trim();
    t.match(id, /^[0-9a-f]{64}$/);
    const st = pm(['start', c]);
    t.not(st.status, 0);
    t.match(st.stderr, 'exec: "nosuchcmd": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found');
    const log = fs.readFileSync(path.join(v.PODMAN_RUNROOT, 'overlay-containers', id, 'userdata/oci-log'), 'utf8');
    const lines = log.split('\n').filter(Boolean);
    t.equal(lines.length, 1, 'one line: podman parses the whole file as one object');
    const e = JSON.parse(lines[0]);
    t.same(Object.keys(e).sort(), ['level', 'msg', 'time']);
    t.equal(e.level, 'error');
    t.equal(e.msg, 'exec: "nosuchcmd": executable file not found in $PATH');
    t.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, 'RFC 3339');
    t.equal(pm(['rm', '-f', c]).status, 0);
    t.notOk(fs.existsSync(path.join(OCIRUN_DEFAULT_ROOT, id)), 'no state left by the failed create');
  });

  t.test('stdout, stderr and stdin', async (t) => {
    const r = sh([], 'echo out; echo err >&2');
    t.equal(r.stdout, 'out\n');
    t.match(r.stderr, 'err\n');
    const i = prun(['-i'], ['cat'], { input: 'piped through\n' });
    t.equal(i.stdout, 'piped through\n', i.stderr);
  });

  t.test('env, -w, --hostname', async (t) => {
    const r = sh(['-e', 'FOO=bar baz', '-w', '/tmp', '--hostname', 'engine-host'], 'echo "$FOO|$(pwd)|$(hostname)|$HOME|$container"');
    t.equal(r.stdout, 'bar baz|/tmp|engine-host|/root|podman\n', r.stderr);
  });

  t.test('--user 1000:1000', async (t) => {
    const r = sh(['--user', '1000:1000'], 'id; grep -E "^(Uid|Gid|Groups):" /proc/self/status');
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, 'uid=1000(user) gid=1000(user)');
    t.match(r.stdout, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    t.match(r.stdout, /^Gid:\s+1000\s+1000\s+1000\s+1000$/m);
  });

  t.test('--read-only and --tmpfs', async (t) => {
    const r = sh(['--read-only', '--tmpfs', '/scratch:size=1m,mode=1777'],
      'touch /x 2>&1; echo "root=$?"; echo a > /scratch/a && cat /scratch/a; stat -c %a /scratch; grep -E " / | /scratch " /proc/self/mountinfo');
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /Read-only file system\s*\nroot=1/);
    t.match(r.stdout, /^a\n1777$/m);
    t.match(r.stdout, /^\S+ \S+ \S+ \S+ \/ ro[, ]/m, 'rootfs mounted ro');
    t.match(r.stdout, /^\S+ \S+ \S+ \S+ \/scratch rw,.* - tmpfs tmpfs rw,size=1024k$/m);
  });

  t.test('-v rw and :ro', async (t) => {
    fs.writeFileSync(path.join(hostTmp, 'f'), 'from host\n');
    const rw = sh(['-v', `${hostTmp}:/v`], 'cat /v/f; echo from-container > /v/w');
    t.equal(rw.status, 0, rw.stderr);
    t.equal(rw.stdout, 'from host\n');
    t.equal(fs.readFileSync(path.join(hostTmp, 'w'), 'utf8'), 'from-container\n');
    const ro = sh(['-v', `${hostTmp}:/v:ro`], 'cat /v/f; echo x 2>&1 > /v/w2; echo "w=$?"; grep " /v " /proc/self/mountinfo');
    t.match(ro.stdout, 'from host\n');
    t.match(ro.stdout, 'w=1');
    t.match(ro.stdout, /^\S+ \S+ \S+ \S+ \/v ro[, ]/m);
    t.notOk(fs.existsSync(path.join(hostTmp, 'w2')));
  });

  t.test('rshared volume: a mount made inside reaches the host', async (t) => {
    const src = path.join(hostTmp, 'shared');
    fs.mkdirSync(src, { recursive: true });
    // The host's / is private here: make the source a shared mount of its own.
    t.equal(run('mount', ['--bind', src, src]).status, 0);
    t.teardown(() => {
      run('umount', ['-l', path.join(src, 'm')]);
      run('umount', ['-l', src]);
    });
    run('mount', ['--make-shared', src]);
    const r = sh(['--privileged', '-v', `${src}:/s:rshared`], 'mkdir -p /s/m && mount -t tmpfs inside /s/m && echo mounted');
    t.equal(r.stdout, 'mounted\n', r.stderr);
    t.ok(mountsUnder(src).includes(path.join(src, 'm')), 'the tmpfs mounted in the container is on the host');
  });

  t.test('--cap-drop ALL, --cap-add', async (t) => {
    const none = caps(prun(['--cap-drop', 'ALL'], ['cat', '/proc/self/status']).stdout);
    t.same([none.CapEff, none.CapPrm, none.CapBnd, none.CapInh, none.CapAmb], [0n, 0n, 0n, 0n, 0n]);
    const one = caps(prun(['--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN'], ['cat', '/proc/self/status']).stdout);
    t.equal(one.CapEff, 1n << 12n, 'only CAP_NET_ADMIN (12)');
    t.equal(one.CapBnd, 1n << 12n);
    const def = caps(prun([], ['cat', '/proc/self/status']).stdout);
    t.equal(def.CapEff & (1n << 21n), 0n, 'no CAP_SYS_ADMIN by default');
    t.not(def.CapEff & (1n << 0n), 0n, 'CAP_CHOWN by default');
    const chown = sh(['--cap-drop', 'CHOWN'], 'chown 1000 /tmp 2>&1; echo "rc=$?"');
    t.match(chown.stdout, /Operation not permitted\s*\nrc=1/, 'CHOWN really dropped');
  });

  t.test('--security-opt no-new-privileges', async (t) => {
    t.match(prun(['--security-opt', 'no-new-privileges'], ['grep', 'NoNewPrivs', '/proc/self/status']).stdout, /NoNewPrivs:\s+1/);
    t.match(prun([], ['grep', 'NoNewPrivs', '/proc/self/status']).stdout, /NoNewPrivs:\s+0/);
  });

  t.test('--network none: only lo, down', async (t) => {
    const r = prun(['--network', 'none'], ['cat', '/proc/net/dev']);
    const ifs = r.stdout.split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean);
    t.same(ifs, ['lo'], r.stderr);
  });

  t.test('cgroup limits: --pids-limit, --memory, --cpu-shares, --cpus, --cpuset-cpus', async (t) => {
    // Generous CPU limits: the suite runs beside a CPU-bound VM (cgroups-v2 test).
    const cpus = os.cpus().length > 1 ? `0-${os.cpus().length - 1}` : '0';
    const r = sh(['--pids-limit', '42', '--memory', '64m', '--memory-swap', '128m', '--cpu-shares', '512', '--cpus', '1.5',
      '--cpuset-cpus', cpus], [
      'cat /sys/fs/cgroup/pids/pids.max', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
      'cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes', 'cat /sys/fs/cgroup/cpu/cpu.shares',
      'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us', 'cat /sys/fs/cgroup/cpuset/cpuset.cpus',
    ].join('; '));
    t.equal(r.stdout, ['42', String(64 << 20), String(128 << 20), '512', '150000', cpus, ''].join('\n'), r.stderr);
  });

  t.test('--pids-limit is enforced', async (t) => {
    const r = sh(['--pids-limit', '5'], 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done 2>&1; wait');
    t.match(r.text, /can't fork|Resource temporarily unavailable/);
  });

  t.test('-d, ps, logs, stop (TERM), kill, restart, rm -f running', async (t) => {
    const { c, id, r } = runDetached('life', [], ['sh', '-c', 'trap "echo got-term; exit 7" TERM; echo started; while :; do sleep 0.1; done']);
    t.equal(r.status, 0, r.stderr);
    t.match(id, /^[0-9a-f]{64}$/);
    t.ok(fs.existsSync(path.join(OCIRUN_DEFAULT_ROOT, id)), 'ocirun state dir while it runs');
    t.match(pm(['ps', '--format', '{{.Names}} {{.Status}}']).stdout, new RegExp(`^${c} Up`, 'm'));
    t.ok(await waitFor(() => pm(['logs', c]).stdout.includes('started')), 'logs');
    const pid1 = Number(inspect(c, '{{.State.Pid}}'));
    t.ok(pid1 > 0);
    t.ok(fs.readFileSync(`/proc/${pid1}/cgroup`, 'utf8').includes(`/libpod_parent/libpod-${id}`), 'in podman\'s cgroup');

    const st = pm(['stop', '-t', '10', c]);
    t.equal(st.status, 0, st.stderr);
    t.equal(inspect(c, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 7', 'stopped by SIGTERM: the trap ran');
    t.match(pm(['logs', c]).stdout, 'got-term');
    t.notOk(fs.existsSync(path.join(OCIRUN_DEFAULT_ROOT, id)), 'state removed after stop (podman deletes)');

    t.equal(pm(['restart', c]).status, 0);
    t.equal(inspect(c, '{{.State.Status}}'), 'running');
    const pid2 = Number(inspect(c, '{{.State.Pid}}'));
    t.not(pid2, pid1, 'a new init after restart');

    t.equal(pm(['kill', '-s', 'KILL', c]).status, 0);
    t.ok(await waitFor(() => inspect(c, '{{.State.Status}}') === 'exited'));
    t.equal(inspect(c, '{{.State.ExitCode}}'), '137');

    t.equal(pm(['start', c]).status, 0);
    t.equal(inspect(c, '{{.State.Status}}'), 'running');
    const pid3 = Number(inspect(c, '{{.State.Pid}}'));
    const rm = pm(['rm', '-f', '-t', '0', c]);
    t.equal(rm.status, 0, rm.stderr);
    t.equal(pm(['ps', '-aq', '--filter', `name=${c}`]).stdout.trim(), '');
    t.notOk(fs.existsSync(`/proc/${pid3}`), 'the init is gone');
    t.notOk(fs.existsSync(path.join(OCIRUN_DEFAULT_ROOT, id)), 'no state dir');
    t.same(cgroupDirsNamed([`libpod-${id}`]), [], 'no cgroup');
  });

  t.test('kill -s USR1 reaches the process', async (t) => {
    const { c, r } = runDetached('usr1', [], ['sh', '-c', 'trap "echo got-usr1 > /tmp/usr1" USR1; while :; do sleep 0.1; done']);
    t.equal(r.status, 0, r.stderr);
    t.equal(pm(['kill', '-s', 'USR1', c]).status, 0);
    t.ok(await waitFor(() => pm(['exec', c, 'cat', '/tmp/usr1']).stdout === 'got-usr1\n'));
    pm(['rm', '-f', '-t', '0', c]);
  });

  t.test('--pid host: stop signals every process (kill --all)', async (t) => {
    const { c, id, r } = runDetached('pidhost', ['--pid', 'host'], ['sh', '-c', 'sleep 1000 & sleep 1000 & wait']);
    t.equal(r.status, 0, r.stderr);
    let pids = [];
    t.ok(await waitFor(() => {
      pids = processesInCgroups(new RegExp(`libpod-${id}$`)).map((p) => p.pid);
      return pids.length === 3;
    }), 'sh and two sleeps');
    const st = pm(['stop', '-t', '5', c]);
    t.equal(st.status, 0, st.stderr);
    t.ok(await waitFor(() => pids.every((p) => !fs.existsSync(`/proc/${p}`))), 'all gone');
    t.equal(inspect(c, '{{.State.ExitCode}}'), '143');
    pm(['rm', '-f', '-t', '0', c]);
  });

  t.test('pause / unpause freeze the processes', async (t) => {
    const { c, id, r } = runDetached('pause', [], ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done']);
    t.equal(r.status, 0, r.stderr);
    const pid = Number(inspect(c, '{{.State.Pid}}'));
    const counter = () => Number(fs.readFileSync(`/proc/${pid}/root/tmp/n`, 'utf8').trim() || 0);
    t.ok(await waitFor(() => counter() > 2));
    t.equal(pm(['pause', c]).status, 0);
    t.equal(inspect(c, '{{.State.Status}}'), 'paused');
    t.equal(fs.readFileSync(`/sys/fs/cgroup/freezer/libpod_parent/libpod-${id}/freezer.state`, 'utf8').trim(), 'FROZEN');
    const a = counter();
    await sleep(400);
    t.equal(counter(), a, 'the counter does not move while paused');
    t.equal(pm(['unpause', c]).status, 0);
    t.equal(inspect(c, '{{.State.Status}}'), 'running');
    t.ok(await waitFor(() => counter() > a + 2), 'moves again after unpause');
    pm(['rm', '-f', '-t', '0', c]);
  });

  t.test('exec: output, exit code, 127/126, -t, --user, -w, -e', async (t) => {
    const { c, r } = runDetached('exec', ['--memory', '64m'], ['sleep', '1000']);
    t.equal(r.status, 0, r.stderr);
    t.equal(pm(['exec', c, 'echo', 'hi']).stdout, 'hi\n');
    t.equal(pm(['exec', c, 'sh', '-c', 'exit 5']).status, 5);
    const missing = pm(['exec', c, 'nosuchcmd']);
    t.equal(missing.status, 127);
    t.match(missing.stderr, 'exec: "nosuchcmd": executable file not found in $PATH');
    const noexec = pm(['exec', c, '/etc/passwd']);
    t.equal(noexec.status, 126);
    t.match(noexec.stderr, 'exec: "/etc/passwd": permission denied');
    const u = pm(['exec', '--user', '1000:1000', '-w', '/tmp', '-e', 'X=y', c, 'sh', '-c', 'echo "$(id -u):$(id -g) $(pwd) $X"']);
    t.equal(u.stdout, '1000:1000 /tmp y\n', u.stderr);
    const same = pm(['exec', c, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; tr "\\0" " " < /proc/1/cmdline']);
    t.equal(same.stdout, `${64 << 20}\nsleep 1000 `, 'in the container\'s cgroup and pid namespace');
    // conmon sets the size once the exec'd process runs (as with runc): wait for it.
    const tty = inPty(['podman', ...BASE, 'exec', '-t', c, 'sh', '-c',
      'tty; for i in $(seq 50); do [ "$(stty size 2>/dev/null)" = "27 91" ] && break; sleep 0.1; done; stty size; exit 4'], { env });
    t.equal(tty.status, 4, tty.text);
    t.match(tty.stdout, /\/dev\/pts\/\d+\r*\n27 91\r*\n/);
    const notty = pm(['exec', c, 'sh', '-c', 'tty']);
    t.equal(notty.stdout, 'not a tty\n');
    // Each exec that worked left its plan for the native front (exec-<hash>,
    // lib/state/front-exec.ts); conmon's process file of a repeated exec has
    // the same bytes, so the repeat adds none: the front ran it.
    const plans = () => fs.readdirSync(path.join(OCIRUN_DEFAULT_ROOT, r.stdout.trim())).filter((f) => f.startsWith('exec-')).length;
    const before = plans();
    t.ok(before >= 5, `a plan per exec that worked (${before})`);
    t.equal(pm(['exec', c, 'echo', 'hi']).stdout, 'hi\n', 'the first exec again');
    t.equal(plans(), before, 'no new plan: the same bytes as the first time');
    pm(['rm', '-f', '-t', '0', c]);
  });

  t.test('run -t: a pty of the terminal\'s size', async (t) => {
    const r = inPty(['podman', ...BASE, 'run', '--rm', '-t', IMAGE, 'sh', '-c', 'tty; stty size; exit 2'], { env });
    t.equal(r.status, 2, r.text);
    t.match(r.stdout, /\/dev\/pts\/0\r*\n27 91\r*\n/);
  });

  t.test('--preserve-fds 1', async (t) => {
    const f = path.join(hostTmp, 'fd3');
    fs.writeFileSync(f, 'through fd 3\n');
    const fd = fs.openSync(f, 'r');
    try {
      const r = run('podman', [...BASE, 'run', '--rm', '--preserve-fds', '1', IMAGE, 'sh', '-c', 'cat <&3'],
        { env, stdio: ['ignore', 'pipe', 'pipe', fd] });
      t.equal(r.stdout, 'through fd 3\n', r.stderr);
    } finally {
      fs.closeSync(fd);
    }
  });

  t.test('--init: catatonit is pid 1', async (t) => {
    const r = sh(['--init'], 'tr "\\0" " " < /proc/1/cmdline; echo; echo $$');
    t.match(r.stdout, /^\/run\/podman-init -- sh -c /, r.stderr);
    t.match(r.stdout, /\n2\n$/, 'the command is pid 2');
  });

  t.test('--ulimit', async (t) => {
    // podman then drops its default ulimits: give nproc too (the default would
    // exceed what this sandbox allows, see setup.sh).
    const r = sh(['--ulimit', 'nofile=1000:2000', '--ulimit', 'nproc=500:600'],
      'ulimit -Sn; ulimit -Hn; grep -E "Max (processes|open files)" /proc/self/limits');
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^1000\n2000\n/);
    t.match(r.stdout, /Max processes\s+500\s+600/);
    t.match(r.stdout, /Max open files\s+1000\s+2000/);
  });

  t.test('--sysctl', async (t) => {
    const before = fs.readFileSync('/proc/sys/kernel/shm_rmid_forced', 'utf8');
    const r = sh(['--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shm_rmid_forced=1'],
      'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced');
    t.equal(r.stdout, '1\n1\n', r.stderr);
    t.equal(fs.readFileSync('/proc/sys/kernel/shm_rmid_forced', 'utf8'), before, 'the host\'s value is unchanged');
  });

  t.test('--device', async (t) => {
    const r = sh(['--device', '/dev/null:/dev/mynull'],
      'ls -l /dev/mynull; echo x > /dev/mynull && echo wrote; grep "c 1:3 rwm" /sys/fs/cgroup/devices/devices.list');
    t.match(r.stdout, /^crw-rw-rw-\s+1 root\s+root\s+1,\s+3 .*\/dev\/mynull$/m, r.stderr);
    t.match(r.stdout, /^wrote$/m);
    t.match(r.stdout, /^c 1:3 rwm$/m);
    const deny = sh([], 'mknod /dev/sda1x b 8 1 && head -c1 /dev/sda1x 2>&1 >/dev/null; echo "rc=$?"');
    t.match(deny.stdout, /Operation not permitted\s*\nrc=1/, 'the devices cgroup denies a device that was not allowed');
  });

  t.test('masked paths read empty, /proc/sys is read-only', async (t) => {
    const r = sh([], [
      'for f in /proc/kcore /proc/keys /proc/timer_list; do [ -e $f ] && echo "$f $(wc -c < $f)"; done',
      '(echo x > /proc/sys/kernel/domainname) 2>&1; echo "sys=$?"',
      'grep -E " /proc/sys | /proc/keys " /proc/self/mountinfo',
      'ls /sys/firmware | wc -l',
    ].join('; '));
    t.equal(r.status, 0, r.stderr);
    for (const f of ['/proc/kcore', '/proc/keys', '/proc/timer_list']) {
      if (fs.existsSync(f)) t.match(r.stdout, new RegExp(`^${f} 0$`, 'm'), `${f} reads empty`);
      else t.notMatch(r.stdout, f, `${f}: not on this kernel`);
    }
    t.match(r.stdout, /Read-only file system\s*\nsys=1/);
    t.match(r.stdout, /^\S+ \S+ \S+ \S+ \/proc\/sys ro[, ]/m);
    t.match(r.stdout, /\/proc\/keys .* - devtmpfs|\/proc\/keys .* - tmpfs/m, '/proc/keys is a bind of /dev/null');
    t.match(r.stdout, /\n0\n$/, '/sys/firmware is an empty tmpfs');
  });

  t.test('default seccomp profile', async (t) => {
    const r = sh([], 'grep "^Seccomp:" /proc/self/status; linux64 -R true 2>&1; echo "personality=$?"; mount -t tmpfs t /tmp 2>&1; echo "mount=$?"');
    t.match(r.stdout, /Seccomp:\s+2/, 'filter mode');
    // personality(ADDR_NO_RANDOMIZE) is not in the allow list: the profile's default errno (ENOSYS).
    t.match(r.stdout, /personality\(0x40000\): Function not implemented\s*\npersonality=1/);
    t.match(r.stdout, /mount=(1|255)/, 'mount fails');
    const u = sh(['--security-opt', 'seccomp=unconfined'], 'grep "^Seccomp:" /proc/self/status; linux64 -R true; echo "personality=$?"');
    t.match(u.stdout, /Seccomp:\s+0\npersonality=0/, 'allowed without the profile');
  });

  t.test('--uidmap: a user namespace', async (t) => {
    const r = sh(['--uidmap', '0:100000:65536', '--gidmap', '0:100000:65536'],
      'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u /bin/busybox');
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^\s*0\s+100000\s+65536\n\s*0\s+100000\s+65536\n0\n0\n$/);
  });

  t.test('--oom-score-adj', async (t) => {
    t.equal(prun(['--oom-score-adj', '300'], ['cat', '/proc/self/oom_score_adj']).stdout, '300\n');
  });

  t.test('6 containers at once', async (t) => {
    const rs = await Promise.all([1, 2, 3, 4, 5, 6].map((i) =>
      runAsync('podman', [...BASE, 'run', '--rm', '--memory', '32m', IMAGE, 'sh', '-c', `echo ${i}; exit ${i}`], { env })));
    rs.forEach((r, i) => {
      t.equal(r.status, i + 1, r.stderr);
      t.equal(r.stdout, `${i + 1}\n`);
    });
  });

  t.test('update --memory, stats --no-stream, top', async (t) => {
    const { c, id, r } = runDetached('update', ['--memory', '64m'], ['sleep', '1000']);
    t.equal(r.status, 0, r.stderr);
    const u = pm(['update', '--memory', '96m', c]);
    t.equal(u.status, 0, u.stderr);
    t.equal(pm(['exec', c, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']).stdout, `${96 << 20}\n`);
    t.equal(fs.readFileSync(`/sys/fs/cgroup/memory/libpod_parent/libpod-${id}/memory.limit_in_bytes`, 'utf8').trim(), String(96 << 20));
    const s = pm(['stats', '--no-stream', '--format', 'json', c]);
    t.equal(s.status, 0, s.stderr);
    const stats = JSON.parse(s.stdout);
    t.equal(stats.length, 1);
    t.equal(stats[0].name, c);
    t.equal(stats[0].pids, '1');
    t.match(stats[0].mem_usage, /^[\d.]+[kMG]?B \/ [\d.]+[kMG]B$/);
    const top = pm(['top', c]);
    t.match(top.stdout, /sleep 1000/);
    pm(['rm', '-f', '-t', '0', c]);
  });

  t.test('a WASI module as a container: --annotation module.wasm.image/variant=compat', async (t) => {
    // A "FROM scratch" image that holds only the module: no shell, no libc.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-wasm-img-`));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'root/etc'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'root/tmp'), { mode: 0o1777 });
    buildProbe(path.join(dir, 'root/app.wasm'));
    fs.writeFileSync(path.join(dir, 'root/etc/motd'), 'motd from the image\n');
    const tar = run('tar', ['-C', path.join(dir, 'root'), '-cf', path.join(dir, 'img.tar'), '.']);
    t.equal(tar.status, 0, tar.stderr);
    const img = 'localhost/wasm-probe:latest';
    const imp = pm(['import', '-q', path.join(dir, 'img.tar'), img]);
    t.equal(imp.status, 0, imp.stderr);
    const wasm = ['--annotation', 'module.wasm.image/variant=compat'];
    const r = pm(['run', '--rm', ...wasm, '-e', 'GREETING=hello from podman', img, '/app.wasm',
      'o:hi', 'e:GREETING', 'e:container', 'c:/etc/motd', 'w:/tmp/f=written', 'c:/tmp/f', 'o:', 'x:3']);
    t.equal(r.status, 3, `exit status is the module's (stderr: ${r.stderr})`);
    t.equal(r.stdout, 'hi\nhello from podman\npodman\nmotd from the image\nwritten\n');
    // Detached, then stopped by podman (SIGTERM to a module in a blocking sleep).
    const c = name('wasm');
    detached.push(c);
    const d = pm(['run', '-d', '--name', c, ...wasm, img, '/app.wasm', 'o:up', 's:300']);
    t.equal(d.status, 0, d.stderr);
    t.ok(await waitFor(() => pm(['logs', c]).stdout.includes('up')), 'module started');
    const began = Date.now();
    const st = pm(['stop', '-t', '20', c]);
    t.equal(st.status, 0, st.stderr);
    t.ok(Date.now() - began < 10_000, `podman stop took ${Date.now() - began} ms: SIGTERM stopped it`);
    t.equal(inspect(c, '{{.State.ExitCode}}'), '143', 'exit code 128+SIGTERM');
    pm(['rm', '-f', '-t', '0', c]);
    // A non-wasm program under compat fails with our message.
    const bad = pm(['run', '--rm', ...wasm, IMAGE, 'sh', '-c', 'true']);
    t.not(bad.status, 0);
    t.match(bad.stderr, /not a WebAssembly module/);
    pm(['rmi', '-f', img]);
  });

  t.test('nothing is left', async (t) => {
    const ids = new Set();
    const events = path.join(DIR, 'podman/events.log');
    for (const line of fs.readFileSync(events, 'utf8').split('\n')) {
      if (!line) continue;
      const e = JSON.parse(line);
      if (e.Type === 'container' && e.ID) ids.add(e.ID);
    }
    t.ok(ids.size > 30, `${ids.size} containers were made`);
    t.equal(pm(['ps', '-aq']).stdout.trim(), '', 'podman has no containers');
    const states = [...ids].filter((id) => fs.existsSync(path.join(OCIRUN_DEFAULT_ROOT, id)));
    t.same(states, [], `no ocirun state dirs in ${OCIRUN_DEFAULT_ROOT}`);
    t.same(cgroupDirsNamed([...ids].map((id) => `libpod-${id}`)), [], 'no cgroups named after the containers');
    const re = new RegExp(`libpod-(${[...ids].join('|')})`);
    t.same(processesInCgroups(re), [], 'no process in their cgroups');
    t.same(foreignPidnsProcesses(re), [], 'no process in their pid namespaces');
    t.same(processesMatching(new RegExp(`conmon .*${DIR}`)), [], 'no conmon');
    const td = teardownEngine(DIR);
    t.equal(td.status, 0, td.stderr);
    t.same(mountsUnder(DIR), [], 'no mounts left under the engine dir');
    t.notOk(fs.existsSync(DIR), 'engine dir removed');
  });
}
