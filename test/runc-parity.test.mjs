// Where people and engines meet runc's behaviour, ocirun behaves the same
// (issue #14, part 2): each case runs the same steps with runc (the
// reference, 1.1.x here) and with ocirun and compares what they did, or
// checks ocirun alone where runc cannot be driven the same way.
//
//   npx tap --disable-coverage test/runc-parity.test.mjs
//
// Needs root, runc, script(1) and a cgroup v1 freezer (this host); the v2
// forms are in test/v2/checks.sh.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { makeBundle, makeRoot, uniqueId, rt, rtf, rtFiles, OCIRUN, REPO, PREFIX, waitFor, hasRunc, tempDir, pidfdReceiver } from './lib/harness.mjs';

const RUNC = fs.existsSync('/usr/sbin/runc') ? '/usr/sbin/runc' : 'runc';
const RUNTIMES = [['runc', RUNC], ['ocirun', OCIRUN]];
const FREEZER = '/sys/fs/cgroup/freezer';

const skip = process.getuid?.() !== 0 ? 'needs root'
  : !hasRunc() ? 'needs runc'
    : spawnSync('script', ['--version']).status !== 0 ? 'needs script(1) (util-linux)'
      : !fs.existsSync(`${FREEZER}/freezer.state`) && !fs.existsSync(FREEZER) ? 'needs the cgroup v1 freezer' : false;

const sleeper = (c) => { c.process.args = ['sleep', '60']; c.process.terminal = false; };

/** run -d ID with this runtime; the container is force-deleted at teardown. */
function runDetached(t, bin, root, bundle, id) {
  t.teardown(() => rt(root, ['delete', '--force', id], { runtime: bin }));
  return rtf(t, root, ['run', '-d', '-b', bundle, id], { runtime: bin });
}

const stateOf = (bin, root, id) => {
  const r = rt(root, ['state', id], { runtime: bin });
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
};

/** `script` gives the command a pty of its own as stdin/stdout, as a person's terminal does. */
function underPty(cmd, timeout = 30_000) {
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, signal: r.signal, out: r.stdout ?? '' };
}

/** Every dir named `name` in any v1/v2 hierarchy, removed (deepest first). */
function removeCgroups(name) {
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const d = path.join('/sys/fs/cgroup', h, name);
    try {
      for (const sub of fs.readdirSync(d, { withFileTypes: true })) if (sub.isDirectory()) fs.rmdirSync(path.join(d, sub.name));
      fs.rmdirSync(d);
    } catch { /* not there */ }
  }
}

/** The init's cgroup dir in the v1 hierarchy of `controller`. */
function cgroupDirOf(pid, controller) {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller));
  return path.join('/sys/fs/cgroup', line.split(':')[1], line.split(':')[2]);
}

if (skip) {
  t.plan(0, skip);
} else {
  t.setTimeout(300_000);

  t.test('run and exec -t with their own pty return when the process exits (script(1), as a terminal user)', async (t) => {
    const bundle = makeBundle(t, (c) => { c.process.terminal = true; c.process.args = ['sh', '-c', 'echo hi-from-tty; exit 3']; });
    const running = makeBundle(t, sleeper);
    for (const [name, bin] of RUNTIMES) {
      const root = makeRoot(t);
      const id = uniqueId('par-tty');
      t.teardown(() => rt(root, ['delete', '--force', id], { runtime: bin }));
      t.teardown(() => rt(root, ['delete', '--force', `${id}-2`], { runtime: bin }));
      const r = underPty(`${bin} --root ${root} run -b ${bundle} ${id}`);
      t.equal(r.signal, null, `${name} run: returned (not killed after 30 s)`);
      t.equal(r.status, 3, `${name} run: the container's exit status`);
      t.match(r.out, /hi-from-tty/, `${name} run: the container's output came through`);
      t.notMatch(r.out, /\r\r\n/, `${name} run: lines end in \\r\\n, not \\r\\r\\n (our terminal is raw for output too)`);
      const after = underPty(`${bin} --root ${root} run -b ${bundle} ${id}-2; stty -a`);
      t.match(after.out, /(^|\s)opost(\s|$)/m, `${name} run: the terminal's settings are restored after (opost)`);
      t.match(after.out, /(^|\s)icanon(\s|$)/m, `${name} run: ... (icanon)`);

      const id2 = uniqueId('par-tty-exec');
      t.equal(runDetached(t, bin, root, running, id2).status, 0, `${name}: a running container to exec in`);
      const e = underPty(`${bin} --root ${root} exec -t ${id2} sh -c 'echo in-exec; exit 4'`);
      t.equal(e.signal, null, `${name} exec -t: returned`);
      t.equal(e.status, 4, `${name} exec -t: the process' exit status`);
      t.match(e.out, /in-exec/, `${name} exec -t: output`);
    }
    const root = makeRoot(t);
    const id = uniqueId('par-tty-debug');
    t.teardown(() => rt(root, ['delete', '--force', id]));
    const d = underPty(`${OCIRUN} --debug --root ${root} run -b ${bundle} ${id}`);
    t.equal(d.signal, null, 'ocirun --debug run: returned');
    t.equal(d.status, 3, 'ocirun --debug run: exit status');
    t.match(d.out, /^time="[^"]+" level=debug msg="\[\w+\] \+[\d.]+ms /m, '--debug lines on stderr in runc\'s text shape');
  });

  t.test('kill ID 0 (is it alive?) and kill --all of a stopped container, CLI and native front alike', async (t) => {
    const bundle = makeBundle(t, sleeper);
    const steps = {};
    for (const [name, bin, env] of [...RUNTIMES, ['ocirun CLI', OCIRUN, { ...process.env, OCIRUN_FRONT: '0' }]]) {
      const root = makeRoot(t);
      const id = uniqueId('par-kill0');
      runDetached(t, bin, root, bundle, id);
      const k = (...args) => {
        const r = rt(root, ['kill', ...args], { runtime: bin, env });
        return `kill ${args.join(' ').replace(id, 'ID')} -> ${r.status}${/not running/.test(r.stderr) ? ' not running' : r.stderr ? ` ${r.stderr.trim()}` : ''}`;
      };
      const s = [k(id, '0'), k('--all', id, '0'), k(id, 'KILL')];
      await waitFor(() => stateOf(bin, root, id)?.status === 'stopped', 5000);
      s.push(k(id, '0'), k('--all', id, '0'), k('--all', id, 'KILL'));
      steps[name] = s;
    }
    t.same(steps.ocirun, steps.runc, 'ocirun (front) answers as runc');
    t.same(steps['ocirun CLI'], steps.runc, 'ocirun (CLI) answers as runc');
    t.same(steps.runc?.slice(0, 2), ['kill ID 0 -> 0', 'kill --all ID 0 -> 0'], 'signal 0 to a running container succeeds');
  });

  t.test('create into a frozen cgroup is refused at once; a non-empty one is warned about', async (t) => {
    const bundle = (cg) => makeBundle(t, (c) => { sleeper(c); c.linux.cgroupsPath = `/${cg}`; });
    for (const [name, bin] of RUNTIMES) {
      const cg = `${PREFIX}-frozen-${process.pid}-${name}`;
      t.teardown(() => removeCgroups(cg));
      fs.mkdirSync(path.join(FREEZER, cg));
      fs.writeFileSync(path.join(FREEZER, cg, 'freezer.state'), 'FROZEN');
      const root = makeRoot(t);
      const id = uniqueId('par-frozen');
      const r = runDetached(t, bin, root, bundle(cg), id);
      t.equal(r.signal, null, `${name}: returned (not killed after 30 s)`);
      t.equal(r.status, 1, `${name}: refused`);
      t.match(r.stderr, /container's cgroup unexpectedly frozen/, `${name}: says why`);
      t.equal(stateOf(bin, root, id), undefined, `${name}: no container left`);
      fs.writeFileSync(path.join(FREEZER, cg, 'freezer.state'), 'THAWED');
    }
    for (const [name, bin] of RUNTIMES) {
      const cg = `${PREFIX}-busy-${process.pid}-${name}`;
      const other = spawn('sleep', ['60'], { stdio: 'ignore' });
      t.teardown(() => { other.kill('SIGKILL'); removeCgroups(cg); });
      // runc counts the processes of its "devices" hierarchy, ocirun of "pids": join both.
      for (const h of ['devices', 'pids']) {
        fs.mkdirSync(path.join('/sys/fs/cgroup', h, cg));
        fs.writeFileSync(path.join('/sys/fs/cgroup', h, cg, 'cgroup.procs'), String(other.pid));
      }
      const root = makeRoot(t);
      const id = uniqueId('par-busy');
      const r = runDetached(t, bin, root, bundle(cg), id);
      t.equal(r.status, 0, `${name}: runs anyway`);
      t.match(r.stderr, /level=warning msg="container's cgroup is not empty: 1 process\(es\) found"/, `${name}: warns, in runc's shape`);
      rt(root, ['delete', '--force', id], { runtime: bin });
      other.kill('SIGKILL');
    }
  });

  t.test('a paused container: every command answers (none waits on the frozen cgroup); exec --ignore-paused', async (t) => {
    const bundle = makeBundle(t, sleeper);
    const seen = {};
    for (const [name, bin] of RUNTIMES) {
      const root = makeRoot(t);
      const id = uniqueId('par-paused');
      runDetached(t, bin, root, bundle, id);
      t.equal(rt(root, ['pause', id], { runtime: bin }).status, 0, `${name}: paused`);
      const out = [];
      for (const args of [['state', id], ['list', '-q'], ['ps', id], ['kill', id, '0'], ['update', '--pids-limit', '100', id],
        ['events', '--stats', id], ['exec', id, 'true'], ['start', id], ['delete', id], ['pause', id]]) {
        const r = rt(root, args, { runtime: bin, timeout: 90_000 });
        t.equal(r.signal, null, `${name} ${args[0]}: returned`);
        out.push(`${args[0]} -> ${r.status}`);
      }
      seen[name] = out;
      t.match(rt(root, ['exec', id, 'true'], { runtime: bin }).stderr, /cannot exec in a paused container \(use --ignore-paused to override\)/, `${name}: exec says how to override`);
      // --ignore-paused: the process joins the frozen cgroup and waits for resume.
      const io = tempDir(t, 'par-ip');
      const outFile = path.join(io, 'out');
      const fd = fs.openSync(outFile, 'w');
      const p = spawn(bin, ['--root', root, 'exec', '--ignore-paused', id, 'sh', '-c', 'echo ran-after-resume'], { stdio: ['ignore', fd, fd] });
      fs.closeSync(fd);
      const exited = new Promise((r) => p.on('exit', (code) => r(code)));
      await new Promise((r) => setTimeout(r, 1000));
      t.notMatch(fs.readFileSync(outFile, 'utf8'), /ran-after-resume/, `${name}: nothing ran while paused`);
      t.equal(rt(root, ['resume', id], { runtime: bin }).status, 0, `${name}: resumed`);
      t.equal(await exited, 0, `${name} exec --ignore-paused: exit 0 after resume`);
      t.match(fs.readFileSync(outFile, 'utf8'), /ran-after-resume/, `${name}: the exec'd process ran`);
      t.equal(rt(root, ['pause', id], { runtime: bin }).status, 0, `${name}: paused again`);
      const d = rt(root, ['delete', '--force', id], { runtime: bin, timeout: 60_000 });
      t.equal(d.status, 0, `${name}: delete --force of a paused container`);
    }
    t.same(seen.ocirun, seen.runc, 'same exit status for every command on a paused container');
  });

  t.test('exec --ignore-paused whose child is frozen before it closed the fds it inherited: resume still gets the lock', async (t) => {
    // The child of a clone holds a copy of every fd of the exec CLI, the
    // container's lock among them, until it closes them. Frozen before it
    // first ran (a busy host), it kept the lock (an flock of the open file
    // description, not of the process) until resume, which needed it. The
    // test point makes the child stop itself before anything it does.
    const bundle = makeBundle(t, sleeper);
    const root = makeRoot(t);
    const id = uniqueId('par-frozen-fds');
    runDetached(t, OCIRUN, root, bundle, id);
    const init = stateOf(OCIRUN, root, id).pid;
    const freezer = cgroupDirOf(init, 'freezer');
    t.equal(rt(root, ['pause', id]).status, 0, 'paused');
    const io = tempDir(t, 'par-fds');
    const outFile = path.join(io, 'out');
    const fd = fs.openSync(outFile, 'w');
    const p = spawn(OCIRUN, ['--root', root, 'exec', '--ignore-paused', id, 'sh', '-c', 'echo ran-after-resume'],
      { stdio: ['ignore', fd, fd], env: { ...process.env, OCIRUN_TEST_STOP_AT: 'child:cloned' } });
    fs.closeSync(fd);
    const exited = new Promise((r) => p.on('exit', (code) => r(code)));
    let child;
    const others = () => fs.readFileSync(path.join(freezer, 'cgroup.procs'), 'utf8').split('\n').filter((s) => s && Number(s) !== init);
    t.teardown(() => {
      try { fs.writeFileSync(path.join(freezer, 'freezer.state'), 'THAWED'); } catch { /* gone */ }
      try { process.kill(child, 'SIGCONT'); } catch { /* gone */ }
      try { p.kill('SIGKILL'); } catch { /* gone */ }
    });
    t.ok(await waitFor(() => (child = Number(others()[0])) > 0, 10_000), 'the exec\'s child joined the frozen cgroup');
    const held = fs.readdirSync(`/proc/${child}/fd`).some((f) => {
      try { return fs.readlinkSync(`/proc/${child}/fd/${f}`) === path.join(root, id); } catch { return false; }
    });
    t.ok(held, 'the frozen child still holds the container\'s state dir (the lock\'s fd) open');
    const r = rt(root, ['resume', id], { timeout: 20_000 });
    t.equal(r.signal, null, 'resume returned (did not wait on the lock for 20 s)');
    t.equal(r.status, 0, 'resumed');
    if (r.status !== 0) fs.writeFileSync(path.join(freezer, 'freezer.state'), 'THAWED');
    process.kill(child, 'SIGCONT');  // the test point's stop
    t.equal(await exited, 0, 'exec --ignore-paused: exit 0 after resume');
    t.match(fs.readFileSync(outFile, 'utf8'), /ran-after-resume/, 'the exec\'d process ran');
  });

  t.test('exec --ignore-paused into a container nobody resumes: times out, saying what it waited for (runc waits forever)', async (t) => {
    // (sleep 60 would end at once when thawed after the 60 s wait)
    const bundle = makeBundle(t, (c) => { sleeper(c); c.process.args = ['sleep', '1000']; });
    const root = makeRoot(t);
    const id = uniqueId('par-frozen-exec');
    runDetached(t, OCIRUN, root, bundle, id);
    t.equal(rt(root, ['pause', id]).status, 0, 'paused');
    // (stdio to files: the frozen exec'd process holds its stdio until thawed,
    // and the call would wait for pipes, not for ocirun, to end)
    const r = rtFiles(t, root, ['exec', '--ignore-paused', id, 'true'], { timeout: 150_000 });
    t.equal(r.signal, null, 'returned by itself (not killed after 150 s)');
    t.equal(r.status, 255, 'exec error: 255');
    t.match(r.stderr, /timed out after 60s waiting for the container init .*cgroup frozen/, 'says what it waited for');
    t.equal(rt(root, ['resume', id]).status, 0, 'resumed');
    const alone = () => JSON.parse(rt(root, ['ps', '-f', 'json', id]).stdout || '[]').length === 1;
    t.ok(await waitFor(alone, 10_000), 'the abandoned exec process is gone once thawed: only the init is left');
  });

  t.test('exec --cgroup: v1 controller:path and plain forms, ".." and unknown controllers refused', async (t) => {
    const bundle = makeBundle(t, sleeper);
    const res = {};
    for (const [name, bin] of RUNTIMES) {
      const root = makeRoot(t);
      const id = uniqueId('par-subcg');
      runDetached(t, bin, root, bundle, id);
      const pids = cgroupDirOf(stateOf(bin, root, id).pid, 'pids');
      fs.mkdirSync(path.join(pids, 'sub'));
      t.teardown(() => { try { fs.rmdirSync(path.join(pids, 'sub')); } catch { /* gone */ } });
      const ex = (...args) => rt(root, ['exec', ...args], { runtime: bin });
      const r = ex('--cgroup', 'pids:sub', id, 'cat', '/proc/self/cgroup');
      const lines = r.stdout.split('\n');
      res[name] = [
        `pids:sub -> ${r.status} pids=${lines.some((l) => /:pids:.*\/sub$/.test(l))} memory=${lines.some((l) => /:memory:.*\/sub$/.test(l))}`,
        `pids:../x -> ${ex('--cgroup', 'pids:../x', id, 'true').status}`,
        `nosuchctl:sub -> ${ex('--cgroup', 'nosuchctl:sub', id, 'true').status}`,
        `sub (not in every hierarchy) -> ${ex('--cgroup', 'sub', id, 'true').status === 0 ? 0 : 'error'}`,
        `a:b:c -> ${ex('--cgroup', 'a:b:c', id, 'true').status}`,
      ];
      fs.rmdirSync(path.join(pids, 'sub'));
    }
    t.same(res.ocirun, res.runc, 'same as runc');
    t.match(res.runc?.[0], /pids=true memory=false/, 'the process ran in the pids sub-cgroup only');
  });

  t.test('a /proc or /sys that is a symlink: procfs/sysfs are not mounted through it', async (t) => {
    for (const dir of ['proc', 'sys']) {
      const bundle = makeBundle(t, (c) => { c.process.args = ['ls', '/evil']; }, { copyRootfs: true });
      const rootfs = path.join(bundle, 'rootfs');
      fs.rmSync(path.join(rootfs, dir), { recursive: true, force: true });
      fs.mkdirSync(path.join(rootfs, 'evil'));
      fs.symlinkSync('/evil', path.join(rootfs, dir));
      const fstype = dir === 'proc' ? 'proc' : 'sysfs';
      for (const [name, bin] of RUNTIMES) {
        const root = makeRoot(t);
        const id = uniqueId('par-symproc');
        const r = runDetached(t, bin, root, bundle, id);
        t.not(r.status, 0, `${name} /${dir} -> /evil: refused`);
        t.match(r.stderr, new RegExp(`filesystem \\\\?"${fstype}\\\\?" must be mounted on ordinary directory`), `${name}: says why`);
        t.equal(fs.readdirSync(path.join(rootfs, 'evil')).length, 0, `${name}: nothing mounted on /evil`);
      }
    }
  });

  t.test('linux.resources.unified on a cgroup v1 host is an error', async (t) => {
    const bundle = makeBundle(t, (c) => { sleeper(c); c.linux.resources = { ...c.linux.resources, unified: { 'pids.max': '10' } }; });
    for (const [name, bin] of RUNTIMES) {
      const r = runDetached(t, bin, makeRoot(t), bundle, uniqueId('par-unified'));
      t.equal(r.status, 1, `${name}: refused`);
      t.match(r.stderr, /unified/, `${name}: names unified`);
    }
  });

  t.test('every flag runc accepts, ocirun accepts (runc CMD --help here)', async (t) => {
    const tmp = tempDir(t, 'par-flags');
    const values = {
      bundle: tmp, log: path.join(tmp, 'log'), 'pid-file': path.join(tmp, 'pid'), 'console-socket': path.join(tmp, 'sock'),
      process: path.join(tmp, 'none.json'), format: 'json', 'log-format': 'text', resources: path.join(tmp, 'none.json'),
      interval: '1s', rootless: 'auto', criu: 'criu', root: makeRoot(t), user: '0', cgroup: 'pids:sub',
    };
    const flagsOf = (cmd) => {
      const help = spawnSync(RUNC, cmd ? [cmd, '--help'] : ['--help'], { encoding: 'utf8' }).stdout;
      const part = help.split(cmd ? /^OPTIONS:/m : /^GLOBAL OPTIONS:/m)[1] ?? '';
      return [...part.matchAll(/^\s+--([a-z0-9-]+)( value)?/gm)].map((m) => [m[1], !!m[2]]).filter(([f]) => !['help', 'version'].includes(f));
    };
    const globals = flagsOf('');
    t.ok(globals.length >= 7, `runc's global flags read (${globals.map(([f]) => f).join(' ')})`);
    const rest = { exec: ['true'] };
    const cmds = ['create', 'run', 'start', 'state', 'kill', 'delete', 'exec', 'pause', 'resume', 'ps', 'update', 'events', 'list', 'spec', 'features'];
    for (const cmd of cmds) {
      const noId = ['list', 'spec', 'features'].includes(cmd);
      // Unknown id: nothing runs; the only question is whether the flags parse.
      for (const [flag, takes] of flagsOf(cmd)) {
        const args = [cmd, takes ? `--${flag}=${values[flag] ?? '1'}` : `--${flag}`, ...(noId ? [] : [`${PREFIX}-nosuch`]), ...(rest[cmd] ?? [])];
        const r = spawnSync(OCIRUN, ['--root', values.root, ...args], { encoding: 'utf8', timeout: 30_000, cwd: tmp, input: '' });
        t.notMatch(r.stderr, /unknown flag|is not a number|must be one of|needs a value/, `ocirun ${args.join(' ')}: parsed`);
        fs.rmSync(path.join(tmp, 'config.json'), { force: true });
      }
    }
    const g = globals.flatMap(([flag, takes]) => (flag === 'systemd-cgroup' ? [] : takes ? [`--${flag}`, values[flag] ?? '1'] : [`--${flag}`]));
    const r = spawnSync(OCIRUN, [...g, 'list', '-q'], { encoding: 'utf8', timeout: 30_000 });
    t.equal(r.status, 0, `ocirun ${g.join(' ')} list: every global flag of runc parses (${r.stderr.trim()})`);
  });

  t.test('update --cpu-share (runc\'s spelling) and --kernel-memory-tcp; RDT flags: not supported', async (t) => {
    const bundle = makeBundle(t, sleeper);
    const root = makeRoot(t);
    const id = uniqueId('par-update');
    runDetached(t, OCIRUN, root, bundle, id);
    const r = rt(root, ['update', '--cpu-share', '512', id]);
    t.equal(r.status, 0, `update --cpu-share 512 (${r.stderr.trim()})`);
    t.equal(fs.readFileSync(path.join(cgroupDirOf(stateOf(OCIRUN, root, id).pid, 'cpu'), 'cpu.shares'), 'utf8').trim(), '512', 'cpu.shares is 512');
    t.equal(rt(root, ['update', '--cpu-shares', '256', id]).status, 0, '--cpu-shares still works');
    const l3 = rt(root, ['update', '--l3-cache-schema', 'L3:0=f', id]);
    t.equal(l3.status, 1, '--l3-cache-schema: error');
    t.match(l3.stderr, /not supported/, 'says not supported');
  });

  t.test('runc\'s words for wrong-state calls and unknown ids', async (t) => {
    const bundle = makeBundle(t, sleeper);
    const out = {};
    for (const [name, bin] of RUNTIMES) {
      const root = makeRoot(t);
      const id = uniqueId('par-words');
      runDetached(t, bin, root, bundle, id);
      const msg = (args) => {
        const r = rt(root, args, { runtime: bin });
        const m = /(cannot start an already running container|cannot start a container in the paused state|cannot exec in a stopped container|does not exist|container not running)/.exec(r.stderr);
        return `${args[0]} -> ${r.status} ${m ? m[1] : r.stderr.trim()}`;
      };
      const s = [msg(['start', id])];
      rt(root, ['pause', id], { runtime: bin });
      s.push(msg(['start', id]));
      rt(root, ['resume', id], { runtime: bin });
      rt(root, ['kill', id, 'KILL'], { runtime: bin });
      await waitFor(() => stateOf(bin, root, id)?.status === 'stopped', 5000);
      s.push(msg(['exec', id, 'true']), msg(['exec', `${PREFIX}-nosuch`, 'true']));
      out[name] = s;
    }
    t.same(out.ocirun, out.runc, 'same status and words');
  });

  t.test('"--" ends the flags as with runc: state, exec, kill, delete -- ID', async (t) => {
    const bundle = makeBundle(t, sleeper);
    const out = {};
    for (const [name, bin] of RUNTIMES) {
      const root = makeRoot(t);
      const id = uniqueId('par-dashdash');
      runDetached(t, bin, root, bundle, id);
      const st = (args) => rt(root, args, { runtime: bin }).status;
      const s = [st(['state', '--', id]), rt(root, ['exec', '--', id, 'echo', 'hi'], { runtime: bin }).stdout.trim(), st(['kill', '--', id, 'KILL'])];
      await waitFor(() => stateOf(bin, root, id)?.status === 'stopped', 5000);
      s.push(st(['delete', '--', id]), st(['state', id]));
      out[name] = s;
    }
    t.same(out.runc, [0, 'hi', 0, 0, 1], 'runc');
    t.same(out.ocirun, out.runc, 'ocirun: the same');
  });

  t.test('list OWNER: the user\'s name as runc shows it, also run without $USER (as engines and services run us)', async (t) => {
    const bundle = makeBundle(t, sleeper);
    const env = { ...process.env };
    delete env.USER;
    delete env.LOGNAME;
    const owners = {};
    for (const [name, bin] of RUNTIMES) {
      const root = makeRoot(t);
      const id = uniqueId('par-owner');
      t.teardown(() => rt(root, ['delete', '--force', id], { runtime: bin }));
      // (stdio to files: the container's sleep would hold pipes open, and the call wait for it)
      t.equal(rtf(t, root, ['run', '-d', '-b', bundle, id], { runtime: bin, env }).status, 0, `${name}: run -d`);
      const l = rt(root, ['list', '--format', 'json'], { runtime: bin, env });
      owners[name] = JSON.parse(l.stdout || '[]')[0]?.owner;
    }
    t.equal(owners.runc, 'root', 'runc: root');
    t.equal(owners.ocirun, owners.runc, 'ocirun: the same');
  });

  t.test('--log text lines and --debug lines in runc\'s shape', async (t) => {
    const dir = tempDir(t, 'par-log');
    const log = path.join(dir, 'log');
    const root = makeRoot(t);
    const r = spawnSync(OCIRUN, ['--root', root, '--debug', 'state', `${PREFIX}-nosuch`], { encoding: 'utf8' });
    const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('ocirun: '));
    t.ok(lines.length > 0, 'debug lines on stderr');
    t.ok(lines.every((l) => /^time="[^"]+" level=debug msg=".*"$/.test(l)), 'each: time="…" level=debug msg="…"');
    spawnSync(OCIRUN, ['--root', root, '--debug', '--log', log, 'state', `${PREFIX}-nosuch`], { encoding: 'utf8' });
    const file = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    t.ok(file.some((l) => /^time="[^"]+" level=debug msg=".*"$/.test(l)), 'debug lines in the --log file');
    t.ok(file.some((l) => /^time="[^"]+" level=error msg=".*does not exist.*"$/.test(l)), 'the error line in the --log file');
  });

  // runc 1.2's flag (runc 1.1.5 here has not got it): the process sends a
  // pidfd of itself, "standard" from the init, "setns" from an exec'd one.
  t.test('--pidfd-socket (create, run, exec): a pidfd of the process, which signals it', async (t) => {
    const root = makeRoot(t);
    const bundle = makeBundle(t, sleeper);
    const id = uniqueId('par-pidfd');
    t.teardown(() => rt(root, ['delete', '--force', id]));
    const rx = pidfdReceiver(t, 3);
    await rx.ready;
    t.equal(rtf(t, root, ['create', '--pidfd-socket', rx.sock, '-b', bundle, id]).status, 0, 'create --pidfd-socket');
    const initPid = JSON.parse(rt(root, ['state', id]).stdout).pid;
    t.equal(rtf(t, root, ['start', id]).status, 0, 'start');
    const ex = rt(root, ['exec', '--pidfd-socket', rx.sock, id, 'sh', '-c', 'echo $$']);
    t.equal(ex.status, 0, `exec --pidfd-socket: ${ex.stderr}`);
    const pf = path.join(tempDir(t, 'par-pidfd'), 'pid');
    t.equal(rtf(t, root, ['exec', '-d', '--pid-file', pf, '--pidfd-socket', rx.sock, id, 'sleep', '60']).status, 0, 'exec -d --pidfd-socket');
    const got = await rx.result;
    t.same(got.map((g) => g.error), [null, null, null], 'three pidfds came');
    t.same(got.map((g) => g.text), ['standard', 'setns', 'setns'], 'texts as runc\'s: standard, setns');
    t.equal(got[0].pid, initPid, 'the first is the init\'s');
    t.equal(got[2].pid, Number(fs.readFileSync(pf, 'utf8')), 'the exec -d one is its process\' (--pid-file)');

    // run: kill the container through its pidfd, once it runs (the pidfd comes while it is set up).
    const rx2 = pidfdReceiver(t, 1, 9, 1);
    await rx2.ready;
    const id2 = uniqueId('par-pidfd');
    t.teardown(() => rt(root, ['delete', '--force', id2]));
    const run = rt(root, ['run', '--pidfd-socket', rx2.sock, '-b', bundle, id2], { timeout: 30_000 });
    const [k] = await rx2.result;
    t.ok(k.signalled && !k.error, 'SIGKILL sent through the pidfd', k);
    t.equal(run.status, 137, 'run returns the container\'s death by SIGKILL (128 + 9)');

    const bad = rt(root, ['create', '--pidfd-socket', path.join(tempDir(t, 'par-pidfd'), 'nobody'), '-b', bundle, `${id}-bad`]);
    t.equal(bad.status, 1, 'a socket nobody listens on: exit 1');
    t.match(bad.stderr, /^ocirun: --pidfd-socket: connect to .*nobody: no such file or directory\n$/i, 'one line naming the flag');
    t.equal(rt(root, ['state', `${id}-bad`]).status, 1, 'nothing created');
  });
}
