// Shared test helpers: run ocirun (or runc) as a child process, make bundles
// from the busybox rootfs, unique ids, cleanup. Every container a test makes
// is deleted by the test; test/leak-check.mjs verifies that afterwards.
import { spawnSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OCIRUN = path.join(REPO, 'bin/ocirun');
export const BUSYBOX_BUNDLE = path.join(REPO, 'bundles/busybox');
/** Test ids and dirs carry this prefix; the leak check looks for it. */
export const PREFIX = 'ocirun-test';

let counter = 0;
export function uniqueId(tag = 'c') {
  return `${PREFIX}-${tag}-${process.pid}-${++counter}`;
}

/** A fresh state root for one test file, removed by the caller's teardown. */
export function makeRoot(t) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-root-`));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

/**
 * A bundle dir whose rootfs is the shared busybox rootfs (read-only use) and
 * whose config.json is the default one changed by `edit(config)`.
 */
export function makeBundle(t, edit = () => {}, { copyRootfs = false } = {}) {
  const dir = tempDir(t, 'bundle');
  const config = JSON.parse(fs.readFileSync(path.join(BUSYBOX_BUNDLE, 'config.json'), 'utf8'));
  if (copyRootfs) {
    spawnSync('cp', ['-a', path.join(BUSYBOX_BUNDLE, 'rootfs'), path.join(dir, 'rootfs')]);
    config.root.path = 'rootfs';
  } else {
    config.root.path = path.join(BUSYBOX_BUNDLE, 'rootfs');
  }
  const out = edit(config);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(out ?? config, null, 2));
  return dir;
}

/** Runs the runtime synchronously: { status, stdout, stderr }. */
export function rt(root, args, opts = {}) {
  const bin = opts.runtime ?? OCIRUN;
  const r = spawnSync(bin, ['--root', root, ...args], {
    encoding: 'utf8', timeout: opts.timeout ?? 60_000, input: opts.input ?? '', cwd: opts.cwd, env: opts.env ?? process.env,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Async variant for concurrent or long-running calls. */
export function rtAsync(root, args, opts = {}) {
  const bin = opts.runtime ?? OCIRUN;
  return new Promise((resolve) => {
    const p = spawn(bin, ['--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

export function state(root, id, opts) {
  const r = rt(root, ['state', id], opts);
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout);
}

/** Registers a forced delete of `id` at teardown (in case the test failed midway). */
export function cleanupContainer(t, root, id, opts) {
  t.teardown(() => rt(root, ['delete', '--force', id], opts));
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(pred, timeoutMs = 5000, stepMs = 20) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() > end) return false;
    await sleep(stepMs);
  }
}

export function hasRunc() {
  return spawnSync('runc', ['--version']).status === 0;
}

// ------------------------------------------------------------------------
// Helpers for the crash, fuzz, concurrency and escape tests: ocirun through
// `env -i` (tap preloads a module into every node child through NODE_OPTIONS
// and patches spawn to add _TAPJS_* variables, so a plain `env` option can't
// drop them), output to files (a created container keeps the runtime's stdout
// open), and the checks that nothing of a container is left behind.

/** This process' environment without tap's instrumentation, as KEY=VALUE. */
export const CLEAN_ENV = Object.entries(process.env)
  .filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS'))
  .map(([k, v]) => `${k}=${v}`);

/** argv for /usr/bin/env running ocirun with a clean environment (+ `extraEnv`: { K: V }). */
export function cleanArgv(root, args, extraEnv = {}) {
  return ['-i', ...CLEAN_ENV, ...Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`), OCIRUN, '--root', root, ...args];
}

/** A PREFIX-named temp dir removed at teardown; `mode`: chmod to it (0o777: a container's non-root user may write). */
export function tempDir(t, tag = 'tmp', mode = undefined) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-${tag}-`));
  if (mode !== undefined) fs.chmodSync(d, mode);
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/**
 * Runs ocirun synchronously (clean env) with stdout/stderr going to files:
 * { status, signal, stdout, stderr, outFile, errFile }. `dir` holds the files
 * (a fresh temp dir under `t` when not given).
 */
export function rtFiles(t, root, args, { env = {}, timeout = 60_000, input, extraFds = [], cwd, dir } = {}) {
  const io = dir ?? tempDir(t, 'io');
  fs.mkdirSync(io, { recursive: true });
  const tag = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const outFile = path.join(io, `out-${tag}`);
  const errFile = path.join(io, `err-${tag}`);
  const o = fs.openSync(outFile, 'w');
  const e = fs.openSync(errFile, 'w');
  let inFd = 'ignore';
  if (input !== undefined) {
    fs.writeFileSync(path.join(io, `in-${tag}`), input);
    inFd = fs.openSync(path.join(io, `in-${tag}`), 'r');
  }
  try {
    const r = spawnSync('/usr/bin/env', cleanArgv(root, args, env), { stdio: [inFd, o, e, ...extraFds], timeout, cwd });
    return {
      status: r.status, signal: r.signal, error: r.error,
      stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8'), outFile, errFile,
    };
  } finally {
    fs.closeSync(o);
    fs.closeSync(e);
    if (typeof inFd === 'number') fs.closeSync(inFd);
  }
}

/**
 * Starts ocirun asynchronously (clean env), stdout/stderr to files in `dir`.
 * Returns { child, pid, outFile, errFile, exited } where `exited` resolves
 * to { status, signal, stdout, stderr } when the ocirun process exits (not
 * when its stdio closes: a container may hold it).
 */
export function spawnFiles(root, args, { env = {}, dir, stdin = 'ignore', cwd } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const tag = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const outFile = path.join(dir, `out-${tag}`);
  const errFile = path.join(dir, `err-${tag}`);
  const o = fs.openSync(outFile, 'w');
  const e = fs.openSync(errFile, 'w');
  const child = spawn('/usr/bin/env', cleanArgv(root, args, env), { stdio: [stdin, o, e], cwd });
  fs.closeSync(o);
  fs.closeSync(e);
  const exited = new Promise((resolve) => {
    child.on('exit', (status, signal) => resolve({
      status, signal, stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8'),
    }));
    child.on('error', (err) => resolve({ status: null, signal: null, stdout: '', stderr: String(err), error: err }));
  });
  return { child, pid: child.pid, outFile, errFile, exited };
}

/** The state letter of /proc/<pid>/stat (R, S, T, Z, ...), or '' if gone. */
export function procState(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st.slice(st.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return '';
  }
}

/** Is the process gone (no /proc entry, or a zombie nobody reaped yet)? */
export function procGone(pid) {
  const s = procState(pid);
  return s === '' || s === 'Z' || s === 'X';
}

/** The signals `pid` catches (SigCgt of /proc/<pid>/status) as a bit mask (bit n-1: signal n); 0n if gone. */
export function sigCaught(pid) {
  try {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

/** Live (non-zombie) host processes whose /proc/<pid>/cgroup names `id` as a path component. */
export function processesIn(id) {
  const found = [];
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const s = procState(p);
      if (s === 'Z' || s === 'X' || s === '') continue;
      const cg = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
      if (cg.split('\n').some((l) => l.endsWith(`/${id}`) || l.includes(`/${id}/`) || l.includes(`/${id} (deleted)`))) found.push(Number(p));
    } catch { /* gone */ }
  }
  return found;
}

/** cgroup dirs under /sys/fs/cgroup whose name matches the find -name glob `pattern`. */
export function cgroupDirsNamed(pattern) {
  // find exits 1 when a dir vanishes under it: only its output matters.
  const out = (spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '8', '-type', 'd', '-name', pattern], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  }).stdout ?? '').trim();
  return out ? out.split('\n') : [];
}

/** Host mountinfo lines that mention `s`. */
export function mountsMentioning(s) {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(s));
}

/**
 * Asserts that nothing of container `id` is left: no process in its cgroup,
 * no cgroup dir named after it, no state dir (nor init.sock), no mount of
 * the bundle or naming the id.
 */
export async function assertNothingLeft(t, root, id, bundle, what = '') {
  const w = what ? `${what}: ` : '';
  await waitFor(() => processesIn(id).length === 0, 5000, 50);
  t.same(processesIn(id), [], `${w}no process in the container's cgroup`);
  t.same(cgroupDirsNamed(`*${id}*`), [], `${w}no cgroup dir named after the id`);
  t.notOk(fs.existsSync(path.join(root, id)), `${w}no state dir`);
  t.notOk(fs.existsSync(path.join(root, id, 'init.sock')), `${w}no init.sock`);
  if (bundle) t.same(mountsMentioning(bundle), [], `${w}no mount of the bundle`);
  t.same(mountsMentioning(id), [], `${w}no mount naming the id`);
}

/**
 * The last subtest of a file: no process, cgroup dir or mount of this file's
 * containers (ids "<PREFIX>-<tag>-<pid>-N" for the given tags) is left.
 * Waits a little for dying inits to be reaped. zombies: false: zombies do not
 * count (a file that kills runtimes midway leaves their inits to pid 1 to
 * reap, some time later). also(t): the file's own last checks.
 */
export function nothingLeftOfThisFile(t, tags, { zombies = true, also } = {}) {
  t.test('nothing of this file is left behind', async (t) => {
    also?.(t);
    const mine = new RegExp(`/${PREFIX}-(${tags.join('|')})-${process.pid}-\\d+`);
    const procs = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        if (!zombies && procState(p) === 'Z') return false;
        return mine.test(fs.readFileSync(`/proc/${p}/cgroup`, 'utf8'));
      } catch {
        return false;
      }
    });
    await waitFor(() => procs().length === 0, 5000, 50);
    t.same(procs(), [], 'no process in a cgroup of ours');
    const dirs = (spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '8', '-type', 'd', '-name', `${PREFIX}-*-${process.pid}-*`], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    }).stdout ?? '').trim();
    t.equal(dirs, '', 'no cgroup dir of ours');
    t.same(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => mine.test(l)), [], 'no mount of ours');
  });
}

/**
 * A python helper of test/lib/ serving a unix socket (node's `net` can't
 * receive fds): spawned with the socket path first, killed at the end of the
 * test. ready: resolves once it printed "listening" (or died); result: what
 * parse() makes of its whole stdout once it exits (its stderr for the error).
 */
function socketHelper(t, script, tag, args, parse) {
  const sock = path.join(tempDir(t, tag), `${tag}.sock`);
  const p = spawn('python3', [path.join(REPO, 'test/lib', script), sock, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => p.kill('SIGKILL'));
  let out = '', err = '';
  p.stderr.on('data', (d) => (err += d));
  // (ready also when it died without listening: result then says why)
  const ready = new Promise((res) => {
    p.stdout.on('data', (d) => { out += d; if (out.includes('listening\n')) res(); });
    p.on('close', res);
  });
  const result = new Promise((res) => p.on('close', () => res(parse(out, `${script}: ${out} ${err}`.trim()))));
  return { sock, ready, result };
}

/**
 * A console socket served by test/lib/console-receiver.py: it receives the pty
 * master, writes `input`, collects the output until the pty closes. ready:
 * resolves once it listens; result: its JSON report ({ error, output: '' } if it had none).
 */
export function consoleReceiver(t, input = '', timeoutS = 15) {
  return socketHelper(t, 'console-receiver.py', 'console', [input, String(timeoutS)], (out, why) => {
    try {
      return JSON.parse(out.split('\n').filter(Boolean).pop());
    } catch {
      return { error: why, output: '' };
    }
  });
}

/**
 * A --pidfd-socket served by test/lib/pidfd-receiver.py for `count`
 * connections; with `signal` it sends that signal through each pidfd, `delay`
 * seconds after it came. ready: resolves once it listens; result: its JSON
 * lines ({ text, pid, signalled, error }).
 */
export function pidfdReceiver(t, count, signal = 0, delay = 0) {
  return socketHelper(t, 'pidfd-receiver.py', 'pidfd', [String(count), String(signal), '20', String(delay)], (out, why) => {
    const got = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    return got.length ? got : [{ error: why }];
  });
}

/**
 * Runs ocirun with its stdout/stderr going to files, not pipes: a created or
 * detached container inherits the runtime's stdio and keeps it open, so a
 * pipe would not see EOF before the container exits. The files stay readable
 * (outFile, errFile) for what the container writes later.
 */
export function rtf(t, root, args, { input, extraFds = [], env, cwd, runtime = OCIRUN } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-io-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const outFile = path.join(dir, 'out');
  const errFile = path.join(dir, 'err');
  const o = fs.openSync(outFile, 'w');
  const e = fs.openSync(errFile, 'w');
  let inFd = 'ignore';
  if (input !== undefined) {
    fs.writeFileSync(path.join(dir, 'in'), input);
    inFd = fs.openSync(path.join(dir, 'in'), 'r');
  }
  try {
    const r = spawnSync(runtime, ['--root', root, ...args], {
      stdio: [inFd, o, e, ...extraFds], timeout: 30_000, env: env ?? process.env, cwd,
    });
    return {
      status: r.status, signal: r.signal,
      stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8'),
      outFile, errFile,
    };
  } finally {
    fs.closeSync(o);
    fs.closeSync(e);
    if (typeof inFd === 'number') fs.closeSync(inFd);
  }
}
