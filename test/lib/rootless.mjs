// Rootless test setup: an unprivileged user of our own (prefixed name) with
// /etc/subuid and /etc/subgid ranges and a private XDG_RUNTIME_DIR, and ways
// to run ocirun, runc and podman as it (setpriv, a clean environment). The
// user, its home, its runtime dir and anything it left are removed at teardown.
//
// Everything the user runs must be readable by it: when the repo is not (CI
// clones under a root-owned private dir), the built ocirun (bin, build/Release
// files, dist) is copied to a temp dir it can read, and the busybox rootfs the
// bundles use is copied into each bundle anyway.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, OCIRUN, BUSYBOX_BUNDLE, PREFIX } from './harness.mjs';

const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...opts });

/** Why rootless tests cannot run here, or '' (they need root, setpriv, useradd, newuidmap). */
export function rootlessUnavailable() {
  if (process.geteuid() !== 0) return 'the rootless tests set up a user: they must run as root';
  for (const tool of ['setpriv', 'useradd', 'userdel', 'usermod', 'newuidmap', 'newgidmap']) {
    if (sh('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      return `${tool} is missing (packages util-linux, passwd, uidmap: scripts/setup.sh installs them)`;
    }
  }
  const max = Number(fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8'));
  if (!max) return 'user namespaces are disabled (user.max_user_namespaces = 0)';
  return '';
}

/** Makes the user; returns helpers. `tag` keeps names of parallel files apart. */
export function makeUser(t, tag = 'rl') {
  const name = `${PREFIX}-${tag}${process.pid % 100000}`.slice(0, 31);
  sh('userdel', ['-r', '-f', name]); // a leftover of a killed run
  const add = sh('useradd', ['-m', '-s', '/bin/sh', '-K', 'UMASK=0077', name]);
  if (add.status !== 0) throw new Error(`useradd ${name}: ${add.stderr}`);
  const uid = Number(sh('id', ['-u', name]).stdout.trim());
  const gid = Number(sh('id', ['-g', name]).stdout.trim());
  // A subordinate range of our own, far from the usual 100000.. ones.
  const subStart = 2_000_000 + (process.pid % 400) * 65536 + (tag.length % 2) * 30_000_000;
  const range = `${subStart}-${subStart + 65535}`;
  const mod = sh('usermod', ['--add-subuids', range, '--add-subgids', range, name]);
  if (mod.status !== 0) throw new Error(`usermod --add-subuids ${name}: ${mod.stderr}`);
  const home = `/home/${name}`;
  // Short: podman's 64-character ids go below it, and <root>/<id>/init.sock
  // must fit a socket address (108 bytes), as under /run/user/<uid>.
  const xdg = fs.mkdtempSync(`/tmp/${PREFIX}-x`);
  fs.chownSync(xdg, uid, gid);
  fs.chmodSync(xdg, 0o700);
  const work = fs.mkdtempSync(`/tmp/${PREFIX}-rlwork-`);
  fs.chownSync(work, uid, gid);
  fs.chmodSync(work, 0o755);

  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home, USER: name, LOGNAME: name, XDG_RUNTIME_DIR: xdg, LANG: 'C',
  };
  const u = {
    name, uid, gid, home, xdg, work, subStart, env, ocirun: OCIRUN,
    /**
     * Runs cmd as the user: { status, stdout, stderr }. Output goes through
     * files: a container made by create or run -d keeps what it inherited,
     * and pipes would only close when it ends. stdin: `opts.input` (default
     * empty), or the fd `opts.stdin`.
     */
    run(cmd, args = [], opts = {}) {
      const outFile = path.join(work, `.out-${process.pid}`), errFile = path.join(work, `.err-${process.pid}`);
      const out = fs.openSync(outFile, 'w+'), err = fs.openSync(errFile, 'w+');
      fs.unlinkSync(outFile);
      fs.unlinkSync(errFile);
      const r = sh('setpriv', ['--reuid', String(uid), '--regid', String(gid), '--init-groups', '--',
        'env', '-i', ...Object.entries({ ...env, ...(opts.env ?? {}) }).map(([k, v]) => `${k}=${v}`), cmd, ...args], {
        cwd: opts.cwd ?? work, timeout: opts.timeout ?? 120_000,
        ...(opts.stdin !== undefined ? { stdio: [opts.stdin, out, err] } : { input: opts.input ?? '', stdio: ['pipe', out, err] }),
      });
      const read = (fd) => {
        const text = fs.readFileSync(`/proc/self/fd/${fd}`, 'utf8');
        fs.closeSync(fd);
        return text;
      };
      return { status: r.status, signal: r.signal, stdout: read(out), stderr: read(err) };
    },
    /** ocirun as the user (no --root unless given in args). */
    oci(args, opts = {}) {
      return u.run(u.ocirun, args, opts);
    },
    /** A bundle owned by the user: the busybox rootfs copied, config from `edit(config)`; spec --rootless as base. */
    bundle(edit = () => {}, tagName = 'b') {
      const dir = fs.mkdtempSync(path.join(work, `${tagName}-`));
      fs.chownSync(dir, uid, gid);
      sh('cp', ['-a', path.join(BUSYBOX_BUNDLE, 'rootfs'), path.join(dir, 'rootfs')]);
      const s = u.oci(['spec', '--rootless', '--bundle', dir]);
      if (s.status !== 0) throw new Error(`spec --rootless: ${s.stderr}`);
      const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      config.process.terminal = false;
      const out = edit(config) ?? config;
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(out, null, 2));
      sh('chown', ['-R', `${uid}:${gid}`, dir]);
      return dir;
    },
    /** Pids of the user's processes still alive (not zombies). */
    processes() {
      const r = sh('ps', ['-u', String(uid), '-o', 'pid=,stat=,comm=']);
      return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l && !/^\d+\s+Z/.test(l));
    },
  };

  // The repo must be readable and executable by the user; else a readable copy of the built runtime.
  const probe = u.run('sh', ['-c', `test -x "${OCIRUN}" && test -r "${path.join(REPO, 'build/Release/ocirun.node')}" && test -r "${path.join(REPO, 'dist/ocirun.js')}" && test -x "${path.join(REPO, 'dist')}"`]);
  let copy;
  if (probe.status !== 0) {
    copy = fs.mkdtempSync(`/tmp/${PREFIX}-rlbin-`);
    fs.mkdirSync(path.join(copy, 'build/Release'), { recursive: true });
    for (const f of fs.readdirSync(path.join(REPO, 'build/Release'))) {
      const p = path.join(REPO, 'build/Release', f);
      if (fs.statSync(p).isFile()) fs.copyFileSync(p, path.join(copy, 'build/Release', f));
    }
    sh('cp', ['-a', path.join(REPO, 'dist'), path.join(copy, 'dist')]);
    fs.mkdirSync(path.join(copy, 'bin'));
    fs.symlinkSync('../build/Release/ocirun-front', path.join(copy, 'bin/ocirun'));
    sh('chmod', ['-R', 'a+rX', copy]);
    u.ocirun = path.join(copy, 'bin/ocirun');
    const again = u.run(u.ocirun, ['--version']);
    if (again.status !== 0) throw new Error(`the copied runtime in ${copy} does not run as ${name}: ${again.stderr}`);
  }

  t.teardown(() => {
    // Whatever the user still runs (a failed test's container) dies with it.
    for (let i = 0; i < 3 && u.processes().length; i++) sh('pkill', ['-KILL', '-U', String(uid)]);
    for (const d of [xdg, work, copy].filter(Boolean)) {
      // (a failed test may have left mounts below: detach them first)
      sh('sh', ['-c', `grep -F ' ${d}' /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l`]);
      fs.rmSync(d, { recursive: true, force: true });
    }
    sh('userdel', ['-r', '-f', name]);
  });
  return u;
}
