// Docker (dockerd 20.10 → containerd → containerd-shim-runc-v2 → ocirun): a
// dockerd and containerd of our own (test/engines/setup.sh docker DIR) with
// "runtimes": {"ocirun": …} and "default-runtime": "ocirun", its exec-root
// deeper than Docker's default so the shim's --root is long. Each scenario runs
// what Docker's docs show, asserts on what the container saw from inside
// (/proc/self/status, cgroup files, mountinfo, id, hostname) and runs the same
// with `--runtime runc` in the same run: the two must see the same. Then the
// container-management commands (exec, logs, top, stats, pause, stop, kill,
// wait, cp, inspect, update, rm -f, prune), a health check and a restart policy
// running for a while, and at the end: nothing left (processes, state under the
// shim's --root, mounts, cgroups), then the daemon stopped.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PREFIX } from '../lib/harness.mjs';
import {
  setupEngine, teardownEngine, run, runAsync, inPty, caps, processesInCgroups, processesMatching, mountsUnder, waitFor,
} from '../lib/engines.mjs';

const started = Date.now();
const setup = setupEngine('docker');
const DIR = setup.dir;
t.teardown(() => {
  teardownEngine(DIR);
  t.comment(`docker engine tests: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

if (setup.status !== 0 || !setup.vars.DOCKER_HOST) {
  t.fail(`test/engines/setup.sh docker failed (${setup.status}): ${setup.error?.message ?? ''}\n${setup.stderr}`);
} else {
  tests(setup.vars);
}

function tests(v) {
  const IMAGE = v.IMAGE;
  const env = { ...process.env, DOCKER_HOST: v.DOCKER_HOST, DOCKER_API_VERSION: v.DOCKER_API_VERSION };
  delete env.DOCKER_CONTEXT;
  const dk = (args, opts = {}) => run(v.DOCKER, args, { env, ...opts });
  /** The shim's --root for runc-type runtimes: <exec-root>/runtime-runc/moby (ocirun's state dirs). */
  const STATE_ROOT = path.join(v.DOCKER_EXEC_ROOT, 'runtime-runc', 'moby');
  const CGPARENT = v.DOCKER_CGROUP_PARENT.replace(/^\//, '');
  const hostTmp = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-dk-vol-`));
  t.teardown(() => fs.rmSync(hostTmp, { recursive: true, force: true }));
  const RUNTIMES = ['ocirun', 'runc'];
  let made = 0;
  const names = new Set();
  const newName = (tag) => {
    const n = `${PREFIX}-dk-${tag}-${process.pid}-${++made}`;
    names.add(n);
    return n;
  };
  t.teardown(() => {
    if (fs.existsSync(v.DOCKER_HOST.replace(/^unix:\/\//, ''))) dk(['rm', '-f', ...names], { timeout: 60_000 });
  });

  /** docker run --rm --network none [flags] IMAGE sh -c script, with runtime R. */
  const runArgs = (R, flags, script) => ['run', '--rm', '--runtime', R, '--network', 'none', ...flags, IMAGE, 'sh', '-c', script];
  const sh = (R, flags, script, opts) => dk(runArgs(R, flags, script), opts);
  /**
   * The same scenario under ocirun and runc: both outputs (normalized) must be
   * equal; returns ocirun's result for its own assertions.
   */
  const same = async (t, what, flags, script, norm = (s) => s.replace(/[0-9a-f]{64}/g, '<id>').replace(/\b[0-9a-f]{12}\b/g, '<short-id>')) => {
    // Both at once: the comparison is of what each saw, not of timing.
    const [o, rc] = await Promise.all(RUNTIMES.map((R) => runAsync(v.DOCKER, runArgs(R, flags, script), { env })));
    const r = { ocirun: o, runc: rc };
    t.equal(r.ocirun.status, r.runc.status, `${what}: exit status as runc's (${r.runc.status}) ${r.ocirun.stderr}`);
    t.equal(norm(r.ocirun.stdout), norm(r.runc.stdout), `${what}: the container saw what it sees under runc`);
    return r.ocirun;
  };
  /** A detached container (R null: no --runtime, the daemon's default); [name, result]. */
  const detached = (tag, flags, cmd, R = 'ocirun') => {
    const name = newName(tag);
    const r = dk(['run', '-d', '--name', name, ...(R ? ['--runtime', R] : []), '--network', 'none', ...flags, IMAGE, ...cmd]);
    return [name, r];
  };
  const inspect = (name, fmt) => dk(['inspect', '-f', fmt, name]).stdout.trim();
  const ocirunStateDirs = () => {
    try {
      return fs.readdirSync(STATE_ROOT);
    } catch {
      return [];
    }
  };
  /** Mountinfo as "root mountpoint options fstype superoptions" lines (no ids or sources). */
  const MOUNTS = `awk '{ for (i = 7; $i != "-"; i++); print $4, $5, $6, $(i+1), $(i+3) }' /proc/self/mountinfo`;

  t.test('default-runtime ocirun and --runtime ocirun: who ran the container', async (t) => {
    t.match(dk(['info', '--format', '{{.DefaultRuntime}} {{json .Runtimes}}']).stdout, /^ocirun .*"ocirun"/, 'docker info: default runtime ocirun');
    const [name, r] = detached('who', [], ['sleep', '60'], null);
    t.equal(r.status, 0, r.stderr);
    // No --runtime: the default. ocirun's state dir under the shim's --root has its "front" recipe (runc's has not).
    const id = inspect(name, '{{.Id}}');
    t.equal(inspect(name, '{{.HostConfig.Runtime}}'), 'ocirun');
    t.ok(fs.existsSync(path.join(STATE_ROOT, id, 'front')), `ocirun's state in ${STATE_ROOT}/<id> (a ${STATE_ROOT.length + 66}-character dir)`);
    t.ok(path.join(STATE_ROOT, id, 'init.sock').length > 107, 'a state dir deeper than a socket path may be');
    const [rname] = detached('who', [], ['sleep', '60'], 'runc');
    const rid = inspect(rname, '{{.Id}}');
    t.ok(fs.existsSync(path.join(STATE_ROOT, rid, 'state.json')) && !fs.existsSync(path.join(STATE_ROOT, rid, 'front')), '--runtime runc: runc\'s state');
    t.equal(dk(['rm', '-f', name, rname]).status, 0);
    t.notOk(fs.existsSync(path.join(STATE_ROOT, id)), 'state removed with the container');
  });

  t.test('run --rm: stdout, -e, -w, -u, --hostname, exit codes and Docker\'s error mapping', async (t) => {
    const r = await same(t, 'env/cwd/user', ['-e', 'FOO=bar baz', '-w', '/tmp', '-u', '1000:1000', '--hostname', 'web1'],
      'echo "$FOO"; pwd; id; hostname; cat /etc/hostname');
    t.equal(r.stdout, 'bar baz\n/tmp\nuid=1000(user) gid=1000(user) groups=1000(user)\nweb1\nweb1\n');
    t.equal((await same(t, 'exit 3', [], 'exit 3')).status, 3);
    // The shim's own fds (a socket at 3) must not reach the container.
    t.equal((await same(t, 'open fds', [], 'ls /proc/self/fd | sort -n | tr "\\n" " "')).stdout, '0 1 2 3 ', 'only stdio (and ls\'s own dir fd)');
    for (const R of RUNTIMES) {
      const i = dk(['run', '--rm', '-i', '--runtime', R, '--network', 'none', IMAGE, 'sh', '-c', 'cat; echo end'], { input: 'piped in\n' });
      t.equal(i.stdout, 'piped in\nend\n', `${R}: -i: stdin from the client`);
    }
    for (const R of RUNTIMES) {
      const miss = dk(['run', '--rm', '--runtime', R, '--network', 'none', IMAGE, 'nosuchcmd']);
      t.equal(miss.status, 127, `${R}: a missing command exits 127`);
      t.match(miss.stderr, /exec: "nosuchcmd": executable file not found in \$PATH/, `${R}: Docker's message`);
      const perm = dk(['run', '--rm', '--runtime', R, '--network', 'none', IMAGE, '/etc/passwd']);
      t.equal(perm.status, 126, `${R}: a non-executable exits 126`);
      t.match(perm.stderr, /permission denied/);
    }
    const d = dk(['run', '--rm', '--network', 'none', IMAGE, '/nonexistent/bin']);
    t.equal(d.status, 127, 'a missing path: 127');
  });

  t.test('-it: a pty through the shim\'s console socket', async (t) => {
    for (const R of RUNTIMES) {
      const r = inPty([v.DOCKER, 'run', '--rm', '-it', '--runtime', R, '--network', 'none', IMAGE, 'sh', '-c',
        'tty; test -t 0 && echo stdin-tty; test -t 1 && echo stdout-tty; ls -l /proc/self/fd/0 | sed "s/.*-> //"'], { env });
      t.equal(r.status, 0, `${R}: ${r.text}`);
      t.match(r.stdout.replace(/\^@|\0/g, ''), /\/dev\/pts\/0\r\nstdin-tty\r\nstdout-tty\r\n\/dev\/pts\/0\r\n/, `${R}: stdin and stdout are the container's pty`);
    }
  });

  t.test('resources: --memory --memory-swap --cpus --cpu-shares --pids-limit (cgroup files from inside)', async (t) => {
    const files = ['memory/memory.limit_in_bytes', 'memory/memory.memsw.limit_in_bytes', 'memory/memory.soft_limit_in_bytes',
      'cpu/cpu.cfs_quota_us', 'cpu/cpu.cfs_period_us', 'cpu/cpu.shares', 'pids/pids.max', 'blkio/blkio.weight'];
    const script = files.map((f) => `echo ${f}=$(cat /sys/fs/cgroup/${f} 2>/dev/null || echo none)`).join('; ');
    const r = await same(t, 'limits', ['--memory', '512m', '--memory-swap', '1g', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '100'], script);
    t.match(r.stdout, /memory\.limit_in_bytes=536870912\n/);
    t.match(r.stdout, /cpu\.cfs_quota_us=50000\n/);
    t.match(r.stdout, /cpu\.shares=512\n/);
    t.match(r.stdout, /pids\.max=100\n/);
    // Docker's cpu.shares 0 and blockIO.weight 0 ("unset"): the defaults stay.
    const d = await same(t, 'no limits (shares 0, weight 0)', [], script);
    t.match(d.stdout, /cpu\.shares=1024\n/, 'cpu.shares untouched');
    t.match(d.stdout, /pids\.max=max\n/);
    t.match((await same(t, 'cgroup placement', [], 'cat /proc/self/cgroup | grep -c ":/$"')).stdout, /^\d+\n$/, 'the container sees its cgroup as /');
  });

  t.test('--ulimit and the daemon\'s default ulimits', async (t) => {
    const r = await same(t, 'ulimit', ['--ulimit', 'nofile=1000:2000', '--ulimit', 'nproc=500:600'], 'ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu');
    t.equal(r.stdout, '1000\n2000\n500\n600\n');
    await same(t, 'default ulimits', [], 'ulimit -n; ulimit -Hn; ulimit -u');
  });

  t.test('--read-only, --tmpfs, -v bind and named volumes: mountinfo as runc', async (t) => {
    fs.writeFileSync(path.join(hostTmp, 'in'), 'from host\n');
    const vol = `${PREFIX}-dk-vol-${process.pid}`;
    t.teardown(() => dk(['volume', 'rm', '-f', vol]));
    const flags = ['--read-only', '--tmpfs', '/run:size=1m,mode=700', '-v', `${hostTmp}:/data`, '-v', `${hostTmp}:/ro:ro`, '-v', `${vol}:/vol`];
    const script = `touch /x 2>/dev/null && echo rootfs-writable; touch /run/y && echo tmpfs-ok; cat /data/in; touch /ro/z 2>/dev/null || echo ro-refused;
      echo hi >/data/outx; ${MOUNTS} | sort`;
    const r = await same(t, 'mounts', flags, script);
    t.notMatch(r.stdout, /rootfs-writable/, '--read-only: / refuses writes');
    t.match(r.stdout, /tmpfs-ok\nfrom host\nro-refused\n/);
    t.match(r.stdout, /^\S+ \/ ro,/m, 'rootfs mounted ro');
    t.match(r.stdout, / \/run rw,nosuid,nodev,noexec,relatime tmpfs rw,size=1024k,mode=700/);
    t.equal(fs.readFileSync(path.join(hostTmp, 'outx'), 'utf8'), 'hi\n', 'the bind mount writes through to the host');
    t.equal(sh('ocirun', ['-v', `${vol}:/vol`], 'echo kept >/vol/f').status, 0);
    t.equal(sh('runc', ['-v', `${vol}:/vol`], 'cat /vol/f').stdout, 'kept\n', 'a named volume outlives the container');
  });

  t.test('--cap-drop/--cap-add, --privileged, no-new-privileges, the default seccomp profile', async (t) => {
    const def = await same(t, 'default caps', [], 'grep -E "^(Cap|NoNewPrivs|Seccomp)" /proc/self/status');
    t.match(def.stdout, /Seccomp:\s+2/, 'Docker\'s default seccomp profile loaded');
    const c = caps((await same(t, 'cap-drop ALL, cap-add NET_ADMIN', ['--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN'], 'grep ^Cap /proc/self/status')).stdout);
    t.equal(c.CapEff, 1n << 12n, 'only CAP_NET_ADMIN');
    t.equal(c.CapBnd, 1n << 12n);
    const nnp = await same(t, 'no-new-privileges', ['--security-opt', 'no-new-privileges'], 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status');
    t.match(nnp.stdout, /NoNewPrivs:\s+1\nSeccomp:\s+2/);
    // The profile denies what CAP_SYS_ADMIN-less containers must not do: unshare a user ns is EPERM.
    await same(t, 'seccomp: unshare refused', [], 'unshare -U true 2>&1; echo rc=$?');
    await same(t, 'seccomp=unconfined', ['--security-opt', 'seccomp=unconfined'], 'grep ^Seccomp: /proc/self/status');
    // --privileged asks for every capability up to CAP_AUDIT_READ. Where the
    // host's bounding set lacks one (CAP_SYS_RESOURCE here) runc refuses the
    // container; ocirun warns and grants the rest, as runtime-spec says
    // (config.md: a capability that cannot be granted is a warning).
    const pr = {};
    for (const R of RUNTIMES) pr[R] = sh(R, ['--privileged'], 'grep ^CapEff /proc/self/status; ls /dev | grep -c .');
    t.equal(pr.ocirun.status, 0, `--privileged runs ${pr.ocirun.stderr}`);
    if (pr.runc.status === 0) t.equal(pr.ocirun.stdout, pr.runc.stdout, 'as runc');
    else {
      const bnd = fs.readFileSync('/proc/self/status', 'utf8').match(/^CapBnd:\s*(\w+)/m)[1];
      // (Docker 20.10 knows capabilities up to CAP_AUDIT_READ, 37)
      const want = (BigInt(`0x${bnd}`) & ((1n << 38n) - 1n)).toString(16).padStart(16, '0');
      t.equal(pr.ocirun.stdout.split('\n')[0].split(/\s+/)[1], want, `every capability Docker asks for that the host's bounding set has (runc: exit ${pr.runc.status})`);
      t.ok(Number(pr.ocirun.stdout.split('\n')[1]) > 20, 'the host\'s devices');
    }
  });

  t.test('namespaces: --network none|host|container:, --pid host, --ipc, --shm-size, --sysctl, --init, --device', async (t) => {
    const self = (ns) => fs.readlinkSync(`/proc/self/ns/${ns}`);
    t.equal((await same(t, 'network none', [], 'ls /sys/class/net')).stdout, 'lo\n');
    for (const R of RUNTIMES) {
      const h = dk(['run', '--rm', '--runtime', R, '--network', 'host', IMAGE, 'readlink', '/proc/self/ns/net']);
      t.equal(h.stdout.trim(), self('net'), `${R}: --network host is the host's`);
      const p = dk(['run', '--rm', '--runtime', R, '--network', 'none', '--pid', 'host', IMAGE, 'readlink', '/proc/self/ns/pid']);
      t.equal(p.stdout.trim(), self('pid'), `${R}: --pid host is the host's`);
    }
    const [box] = detached('ns', ['--ipc', 'shareable', '--hostname', 'box'], ['sleep', '60']);
    const boxPid = inspect(box, '{{.State.Pid}}');
    for (const R of RUNTIMES) {
      const j = dk(['run', '--rm', '--runtime', R, '--network', `container:${box}`, '--ipc', `container:${box}`, IMAGE, 'sh', '-c',
        'readlink /proc/self/ns/net; readlink /proc/self/ns/ipc']);
      t.equal(j.stdout, `${fs.readlinkSync(`/proc/${boxPid}/ns/net`)}\n${fs.readlinkSync(`/proc/${boxPid}/ns/ipc`)}\n`, `${R}: joined the other container's net and ipc`);
    }
    t.match((await same(t, 'shm-size', ['--shm-size', '16m'], 'df -k /dev/shm | tail -1 | awk "{print \\$2}"')).stdout, /^16384\n$/);
    t.equal((await same(t, 'sysctl', ['--sysctl', 'kernel.shm_rmid_forced=1', '--sysctl', 'net.ipv4.ip_unprivileged_port_start=80'],
      'cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_unprivileged_port_start')).stdout, '1\n80\n');
    t.match((await same(t, 'init', ['--init'], 'cat /proc/1/cmdline | tr "\\0" " "; echo')).stdout, /docker-init -- sh -c/, '--init: docker-init is pid 1');
    const dev = await same(t, 'device', ['--device', '/dev/null:/dev/mynull:rw'], 'ls -l /dev/mynull | cut -c1-10; echo x >/dev/mynull && echo wrote; head -c1 /dev/zero >/dev/null && echo zero-readable');
    t.match(dev.stdout, /^crw-rw-rw-\nwrote\n/);
    t.equal((await same(t, 'hostname (uts)', ['--hostname', 'h1.example'], 'hostname; cat /proc/sys/kernel/hostname')).stdout, 'h1.example\nh1.example\n');
    dk(['rm', '-f', box]);
  });

  t.test('a detached container: exec, logs, top, stats, pause, update, cp, kill, stop, wait, inspect, rm', async (t) => {
    const [name, r] = detached('web', ['--memory', '256m', '-e', 'A=1'],
      ['sh', '-c', 'trap "echo got-usr1 >>/tmp/sig" USR1; trap "echo bye; exit 7" TERM; echo started; while :; do sleep 0.1; done']);
    t.equal(r.status, 0, r.stderr);
    t.ok(await waitFor(() => dk(['logs', name]).stdout.includes('started')), 'logs: the container\'s stdout');
    t.equal(inspect(name, '{{.State.Status}}'), 'running');
    const id = inspect(name, '{{.Id}}');
    const e = dk(['exec', '-u', '1000', '-w', '/tmp', '-e', 'X=2', name, 'sh', '-c', 'id -u; pwd; echo $X $A']);
    t.equal(e.stdout, '1000\n/tmp\n2 1\n', `exec -u -w -e: ${e.stderr}`);
    const et = inPty([v.DOCKER, 'exec', '-it', name, 'sh', '-c', 'tty; test -t 0 && echo stdin-tty'], { env });
    // (The docker client writes a NUL to the pty, which echoes it as "^@", anywhere in the output: with runc too.)
    t.match(et.stdout.replace(/\^@|\0/g, ''), /\/dev\/pts\/\d+\r\nstdin-tty\r\n/, `exec -it: a pty ${et.text}`);
    // exec applies the container's seccomp filter (the one create compiled, seccomp.bpf in the state dir).
    t.ok(fs.existsSync(path.join(STATE_ROOT, id, 'seccomp.bpf')), 'the compiled filter kept for exec');
    t.match(dk(['exec', name, 'sh', '-c', 'grep ^Seccomp: /proc/self/status; unshare -U true 2>&1; echo rc=$?']).stdout,
      /Seccomp:\s+2\n.*Operation not permitted\nrc=1\n/s, 'exec: Docker\'s default profile is on');
    const miss = dk(['exec', name, 'nosuchcmd']);
    t.equal(miss.status, 126, 'exec of a missing command: 126 (as with runc)');
    t.match(miss.text, /OCI runtime exec failed: exec: "nosuchcmd": executable file not found in \$PATH/, 'Docker\'s message');
    const top = dk(['top', name]);
    t.match(top.stdout, /sleep 0\.1|sh -c trap/, `top: ${top.stderr}`);
    const st = dk(['stats', '--no-stream', '--format', '{{.MemUsage}} {{.PIDs}}', name]);
    t.match(st.stdout, /\/ 256MiB \d+\n/, `stats: the memory limit ${st.stderr}`);
    t.equal(dk(['pause', name]).status, 0, 'pause');
    t.equal(inspect(name, '{{.State.Status}}'), 'paused');
    t.equal(fs.readFileSync(`/sys/fs/cgroup/freezer/${CGPARENT}/${id}/freezer.state`, 'utf8').trim(), 'FROZEN', 'the cgroup is frozen');
    t.equal(dk(['unpause', name]).status, 0, 'unpause');
    t.equal(inspect(name, '{{.State.Status}}'), 'running');
    const u = dk(['update', '--memory', '300m', '--memory-swap', '600m', '--cpus', '1.5', name]);
    t.equal(u.status, 0, `update: ${u.stderr}`);
    const limits = ['memory/memory.limit_in_bytes', 'memory/memory.memsw.limit_in_bytes', 'cpu/cpu.cfs_quota_us', 'cpu/cpu.shares', 'pids/pids.max']
      .map((f) => `/sys/fs/cgroup/${f}`);
    t.equal(dk(['exec', name, 'cat', ...limits]).stdout, '314572800\n629145600\n150000\n1024\nmax\n', 'update applied live; zero shares left alone');
    const u2 = dk(['update', '--pids-limit', '50', '--cpu-shares', '256', name]);
    t.equal(u2.status, 0, `update --pids-limit --cpu-shares: ${u2.stderr}`);
    t.equal(dk(['exec', name, 'cat', ...limits]).stdout, '314572800\n629145600\n150000\n256\n50\n', 'the memory and quota set before are left as they were');
    fs.writeFileSync(path.join(hostTmp, 'cp-in'), 'copied\n');
    t.equal(dk(['cp', path.join(hostTmp, 'cp-in'), `${name}:/tmp/cp-in`]).status, 0, 'cp into');
    t.equal(dk(['exec', name, 'cat', '/tmp/cp-in']).stdout, 'copied\n');
    t.equal(dk(['cp', `${name}:/tmp/cp-in`, path.join(hostTmp, 'cp-out')]).status, 0, 'cp out of');
    t.equal(fs.readFileSync(path.join(hostTmp, 'cp-out'), 'utf8'), 'copied\n');
    t.equal(dk(['kill', '-s', 'USR1', name]).status, 0, 'kill -s USR1');
    t.ok(await waitFor(() => dk(['exec', name, 'cat', '/tmp/sig']).stdout === 'got-usr1\n'), 'the container got SIGUSR1');
    t.equal(inspect(name, '{{.State.Status}}'), 'running', 'and still runs');
    const stop = dk(['stop', name]);
    t.equal(stop.status, 0, 'stop: SIGTERM');
    t.equal(dk(['wait', name]).stdout.trim(), '7', 'wait: the exit code of its TERM trap');
    t.match(dk(['logs', name]).stdout, /bye\n/);
    t.equal(inspect(name, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 7');
    t.notOk(fs.existsSync(path.join(STATE_ROOT, id)), 'the stopped container\'s state deleted by the shim');
    // Restart the same container: stop on a TERM-ignoring one ends with SIGKILL (137).
    const [hard] = detached('hard', [], ['sh', '-c', 'trap "" TERM; echo up; while :; do sleep 0.1; done']);
    t.ok(await waitFor(() => dk(['logs', hard]).stdout.includes('up')));
    const t0 = Date.now();
    t.equal(dk(['stop', '-t', '1', hard]).status, 0);
    t.ok(Date.now() - t0 >= 900, 'stop waited for the timeout before SIGKILL');
    t.equal(dk(['wait', hard]).stdout.trim(), '137', 'then SIGKILL: 137');
    const hardId = inspect(hard, '{{.Id}}');
    t.equal(dk(['start', name]).status, 0, 'start again');
    t.equal(inspect(name, '{{.State.Status}}'), 'running');
    t.equal(dk(['rm', '-f', name]).status, 0, 'rm -f a running container');
    t.equal(dk(['ps', '-aq', '--filter', `name=${name}`]).stdout, '');
    const pr = dk(['container', 'prune', '-f']);
    t.match(pr.stdout, hardId, 'prune removed the stopped one');
    t.equal(dk(['ps', '-aq', '--filter', `name=${PREFIX}-dk-`]).stdout, '', 'no container left');
  });

  t.test('a health check and a restart policy running for a while', async (t) => {
    // Health check every 100 ms (each one is a `docker exec` → ocirun exec).
    const [hc, r] = detached('health', ['--health-cmd', 'echo x >>/tmp/hc; test -e /tmp/hc', '--health-interval', '100ms',
      '--health-timeout', '5s', '--health-retries', '3'], ['sleep', '600']);
    t.equal(r.status, 0, r.stderr);
    // The restart policy: a container that fails every second, restarted each time.
    const starts = path.join(hostTmp, 'starts');
    const [rs] = detached('restart', ['--restart', 'on-failure:3', '-v', `${hostTmp}:/data`], ['sh', '-c', 'echo s >>/data/starts; sleep 0.5; exit 4']);
    const id = inspect(hc, '{{.Id}}');
    const dirBefore = () => fs.readdirSync(path.join(STATE_ROOT, id)).sort();
    t.ok(await waitFor(() => inspect(hc, '{{.State.Health.Status}}') === 'healthy', 20_000), 'healthy');
    // exec-<hash>: the plan of an exec --process kept for the native front (lib/state/front-exec.ts).
    const plans = (names) => names.filter((f) => f.startsWith('exec-'));
    const others = (names) => names.filter((f) => !f.startsWith('exec-'));
    const entries = dirBefore();
    // dockerd writes the rlimits of an exec's process in Go's map order: two
    // rlimits, two byte strings for the same exec (each its own plan).
    t.ok(plans(entries).length >= 1 && plans(entries).length <= 2, `after the first health checks: its plan kept (${plans(entries).length}: one per order of dockerd's rlimits)`);
    const count = () => Number(dk(['exec', hc, 'sh', '-c', 'wc -l </tmp/hc']).stdout.trim());
    t.ok(await waitFor(() => count() >= 55, 90_000, 500), `the health check ran again and again (${count()} times)`);
    t.equal(inspect(hc, '{{.State.Health.Status}} {{.State.Health.FailingStreak}}'), 'healthy 0');
    t.same(others(dirBefore()), others(entries), 'no exec state left in ocirun\'s state dir after 55+ execs');
    const scripts = plans(dirBefore()).map((f) => JSON.parse(fs.readFileSync(path.join(STATE_ROOT, id, f), 'utf8').split('\n')[1]).args[2]);
    t.same([...new Set(scripts)].sort(), ['echo x >>/tmp/hc; test -e /tmp/hc', 'wc -l </tmp/hc'], 'plans of the health check and of the counting exec');
    t.ok(scripts.length <= 4, `no more than one plan per order of the rlimits (${scripts.length}): the front ran the other 55+ health checks`);
    // Health checks keep coming (one at a time): none may stay. Over 2 s of
    // samples, no process but the sleep is seen for longer than 1 s.
    const seen = new Map();
    for (let i = 0; i < 20; i++) {
      for (const p of processesInCgroups(new RegExp(`/${CGPARENT}/${id}$`)).filter((x) => x.comm !== 'sleep')) {
        const s = seen.get(p.pid) ?? { comm: p.comm, first: Date.now() };
        s.last = Date.now();
        seen.set(p.pid, s);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const lingering = [...seen].filter(([, s]) => s.last - s.first > 1000).map(([pid, s]) => `${pid} ${s.comm}`);
    t.same(lingering, [], `no exec'd process stays in the container (${seen.size} health check processes seen come and go)`);
    t.ok(await waitFor(() => inspect(rs, '{{.State.Status}}') === 'exited', 60_000, 200), 'the failing container stopped after its retries');
    t.equal(inspect(rs, '{{.RestartCount}} {{.State.ExitCode}}'), '3 4', 'restarted 3 times, exit code 4');
    t.equal(fs.readFileSync(starts, 'utf8'), 's\ns\ns\ns\n', 'it ran 4 times');
    t.notOk(fs.existsSync(path.join(STATE_ROOT, inspect(rs, '{{.Id}}'))), 'no state of the stopped one');
    t.equal(dk(['rm', '-f', hc, rs]).status, 0);
  });

  t.test('containers at once', async (t) => {
    const rs = await Promise.all([1, 2, 3, 4].map((i) => runAsync(v.DOCKER, ['run', '--rm', '--network', 'none', '--memory', '64m', IMAGE,
      'sh', '-c', `echo ${i}; exit ${i}`], { env })));
    rs.forEach((r, i) => {
      t.equal(r.status, i + 1, r.stderr);
      t.equal(r.stdout, `${i + 1}\n`);
    });
  });

  t.test('nothing is left', async (t) => {
    t.equal(dk(['ps', '-aq']).stdout, '', 'no containers');
    t.same(ocirunStateDirs(), [], `no state under the shim's --root ${STATE_ROOT}`);
    const cgs = [];
    for (const c of fs.readdirSync('/sys/fs/cgroup')) {
      const d = path.join('/sys/fs/cgroup', c, CGPARENT);
      if (fs.existsSync(d)) cgs.push(...fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(d, e.name)));
    }
    t.same(cgs, [], 'no container cgroups under the daemon\'s cgroup parent');
    t.same(processesInCgroups(new RegExp(`/${CGPARENT}/`)), [], 'no container process');
    // dockerd keeps its data-root itself as a private bind mount: nothing else may be left in it.
    const dataRoot = path.join(DIR, 'docker', 'data');
    t.same(mountsUnder(dataRoot).filter((m) => m !== dataRoot), [], 'no mounts under the data-root');
    const pid = Number(v.DOCKER_PID);
    t.ok(fs.existsSync(`/proc/${pid}`), 'dockerd still up before teardown');
    // The daemon stops with a container still running (no live-restore): it
    // stops it through the shim, and nothing of it may be left either.
    const [last, lr] = detached('last', ['--stop-timeout', '1'], ['sleep', '600']);
    t.equal(lr.status, 0, lr.stderr);
    const lastId = inspect(last, '{{.Id}}');
    t.ok(fs.existsSync(path.join(STATE_ROOT, lastId)), 'running under ocirun');
    process.kill(pid, 'SIGTERM');
    t.ok(await waitFor(() => !fs.existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')), 30_000),
      'dockerd stopped on SIGTERM');
    t.same(processesInCgroups(new RegExp(`/${CGPARENT}/`)), [], 'its container was stopped: no process left');
    t.same(ocirunStateDirs(), [], 'no ocirun state left under the shim\'s --root');
    t.same(fs.readdirSync('/sys/fs/cgroup/memory').includes(CGPARENT) ? fs.readdirSync(`/sys/fs/cgroup/memory/${CGPARENT}`, { withFileTypes: true })
      .filter((e) => e.isDirectory()).map((e) => e.name) : [], [], 'no container cgroup left');
    // (dockerd's own bind mount of the host's netns, netns/default, stays: teardown unmounts it.)
    t.same(mountsUnder(path.join(DIR, 'exec-root')).filter((m) => !m.endsWith('/netns/default')), [], 'no container mounts under the exec-root');
    const td = teardownEngine(DIR);
    t.equal(td.status, 0, td.stderr);
    t.same(processesMatching(new RegExp(`containerd-shim.*${v.CONTAINERD_SOCK}|containerd --config ${DIR}|dockerd --config-file ${DIR}`)), [], 'no shim, containerd or dockerd');
    t.same(mountsUnder(DIR), [], 'no mounts left under the engine dir');
    t.notOk(fs.existsSync(DIR), 'engine dir removed');
    t.notOk(fs.existsSync(`/sys/fs/cgroup/memory/${CGPARENT}`), 'the cgroup parent removed');
  });
}
