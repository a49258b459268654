// The machinery of the conformance suite: bundles from the busybox bundle,
// runtime invocations, host fixtures, and runCase(). No test framework: used
// by conformance/run.mjs (CLI) and test/conformance.test.mjs (tap). The
// helpers it shares with the test suite are test/lib/harness.mjs's, given a
// case's `cleanups` where they take a tap test (its teardown).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as harness from '../test/lib/harness.mjs';
import { PREFIX, CLEAN_ENV, waitFor } from '../test/lib/harness.mjs';

export { REPO, BUSYBOX_BUNDLE, OCIRUN, PREFIX, sleep, waitFor } from '../test/lib/harness.mjs';
export const RUNC = fs.existsSync('/usr/sbin/runc') ? '/usr/sbin/runc' : 'runc';

let counter = 0;
export const uniqueId = (tag) => `${PREFIX}-conf-${tag}-${process.pid}-${++counter}`;

/** What harness.mjs takes for a tap test: its teardown(f) adds f to `cleanups` (runCase runs them). */
const owner = (cleanups) => ({ teardown: (f) => cleanups.push(f) });

/** Non-empty lines, without the \r a terminal adds. */
export const lines = (s) => (s ?? '').split('\n').map((l) => l.replace(/\r$/, '')).filter(Boolean);

/** A temp dir with the PREFIX, tracked for removal by `cleanups`. */
export const tempDir = (cleanups, tag) => harness.tempDir(owner(cleanups), tag);

/**
 * Runs `runtime --root ROOT args...` with stdout/stderr to files (a created or
 * detached container keeps the runtime's stdio open: pipes would not close).
 */
export function invoke(runtime, root, args, { extraFds = [], timeout = 30_000, input } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-io-`));
  const o = fs.openSync(path.join(dir, 'out'), 'w');
  const e = fs.openSync(path.join(dir, 'err'), 'w');
  let i = 'ignore';
  if (input !== undefined) {
    fs.writeFileSync(path.join(dir, 'in'), input);
    i = fs.openSync(path.join(dir, 'in'), 'r');
  }
  try {
    const t0 = Date.now();
    // (through `env -i` without a test runner's node preload: CLEAN_ENV, test/lib/harness.mjs)
    const r = spawnSync('/usr/bin/env', ['-i', ...CLEAN_ENV, runtime, '--root', root, ...args], { stdio: [i, o, e, ...extraFds], timeout });
    return {
      status: r.status, signal: r.signal, ms: Date.now() - t0,
      stdout: fs.readFileSync(path.join(dir, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(dir, 'err'), 'utf8'),
    };
  } finally {
    fs.closeSync(o);
    fs.closeSync(e);
    if (typeof i === 'number') fs.closeSync(i);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function stateOf(runtime, root, id) {
  const r = invoke(runtime, root, ['state', id]);
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout);
  } catch {
    return undefined;
  }
}

/** A bundle dir: the busybox default config.json changed by `edit`, the shared rootfs or a private copy. */
export const makeBundle = (cleanups, edit, opts) => harness.makeBundle(owner(cleanups), edit, opts);

// -------------------------------------------------------------- fixtures

/** Host mountinfo lines mentioning `p`. */
export const hostMountsOf = (p) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(p));

/** A host tmpfs made shared, with a tmpfs submount at sub/; unmounted by `cleanups`. */
export function sharedHostMount(cleanups) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-prop-`));
  cleanups.push(() => {
    spawnSync('umount', ['-R', '-l', d]);
    fs.rmSync(d, { recursive: true, force: true });
  });
  for (const a of [['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', d], ['--make-shared', d]]) {
    const r = spawnSync('mount', a, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mount ${a.join(' ')}: ${r.stderr}`);
  }
  fs.mkdirSync(`${d}/sub`);
  spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', `${d}/sub`]);
  const line = hostMountsOf(d).find((l) => l.split(' ')[4] === d);
  return { dir: d, group: /shared:(\d+)/.exec(line ?? '')?.[1] };
}

/**
 * A console socket served by test/lib/console-receiver.py (it receives the
 * pty master, writes `input`, collects the output until the pty closes).
 */
export const consoleReceiver = (cleanups, input = '', timeoutS = 15) => harness.consoleReceiver(owner(cleanups), input, timeoutS);

/** One mountinfo line of the container's output, by mount point: { line, opts, optional }. */
export function mountLine(out, mountPoint) {
  const l = lines(out).find((x) => x.split(' ')[4] === mountPoint);
  if (!l) return undefined;
  const f = l.split(' - ')[0].split(' ');
  return { line: l, opts: f[5], optional: f.slice(6).join(' ') };
}

/** "Key:\tvalue" lines -> { Key: value } */
export const statusFields = (text) => Object.fromEntries(lines(text).filter((l) => l.includes(':'))
  .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));

// ---------------------------------------------------------------- cases

/**
 * Runs one case with one runtime. A case is
 *   { field, name, edit(config, ctx), copyRootfs?, setup?(ctx), prepare?(bundle, ctx),
 *     mode?: 'run' | 'create' | 'lifecycle' | 'detached' | 'console',
 *     runArgs?, extraFds?, input?, check(result, ctx) -> string[] (problems; [] = pass) }
 * mode run (default): `run`, result = { status, stdout, stderr };
 * create: `create` only (cases that expect an error), result adds `state` after;
 * lifecycle: create, start, wait for stopped, delete; result = { create, start, del, ... };
 * detached: `run -d`, then result.pid for host-side checks in check(), then delete;
 * console: create/start with a --console-socket receiver; result.console = receiver output.
 * ctx: { runtime, root, id, tmp (a scratch dir), cleanups }.
 */
export async function runCase(c, runtime, root) {
  const cleanups = [];
  const id = uniqueId(c.tag ?? 'c');
  const ctx = { runtime, root, id, cleanups, tmp: tempDir(cleanups, 'case') };
  let result;
  try {
    await c.setup?.(ctx);
    const bundle = makeBundle(cleanups, (cfg) => c.edit?.(cfg, ctx), { copyRootfs: !!c.copyRootfs });
    ctx.bundle = bundle;
    await c.prepare?.(bundle, ctx);
    const mode = c.mode ?? 'run';
    if (mode === 'run') {
      const extraFds = typeof c.extraFds === 'function' ? c.extraFds(ctx) : c.extraFds;
      result = invoke(runtime, root, ['run', ...(c.runArgs ?? []), '-b', bundle, id], { extraFds, input: c.input });
    } else if (mode === 'create') {
      result = invoke(runtime, root, ['create', '-b', bundle, id]);
      result.state = stateOf(runtime, root, id);
    } else if (mode === 'detached') {
      result = invoke(runtime, root, ['run', '-d', '-b', bundle, id]);
      result.pid = stateOf(runtime, root, id)?.pid ?? 0;
    } else if (mode === 'lifecycle' || mode === 'console') {
      let rcv;
      if (mode === 'console') {
        rcv = consoleReceiver(cleanups, c.input ?? '');
        await rcv.ready;
      }
      const create = invoke(runtime, root, ['create', ...(rcv ? ['--console-socket', rcv.sock] : []), '-b', bundle, id]);
      result = { create, status: create.status, stdout: create.stdout, stderr: create.stderr };
      if (create.status === 0) {
        result.pid = stateOf(runtime, root, id)?.pid ?? 0;
        await c.created?.(result, ctx);
        result.start = invoke(runtime, root, ['start', id]);
        if (rcv) result.console = await rcv.result;
        if (!(await waitFor(() => stateOf(runtime, root, id)?.status === 'stopped', c.stopTimeoutMs ?? 5000))) {
          result.killedByHarness = true;
          invoke(runtime, root, ['kill', id, 'KILL']);
          await waitFor(() => stateOf(runtime, root, id)?.status === 'stopped');
        }
        result.del = invoke(runtime, root, ['delete', id]);
      } else if (rcv) {
        result.console = { error: 'not started', output: '' };
      }
    } else {
      throw new Error(`unknown mode ${mode}`);
    }
    result.stateAfter = stateOf(runtime, root, id);
    const problems = (await c.check(result, ctx)) ?? [];
    return { pass: problems.length === 0, problems, result };
  } catch (e) {
    return { pass: false, problems: [`harness error: ${e.stack ?? e}`], result };
  } finally {
    invoke(runtime, root, ['delete', '--force', id]);
    for (const f of cleanups.reverse()) {
      try {
        f();
      } catch { /* best effort */ }
    }
  }
}

/** Runs `cases` with `runtime` under a fresh state root: [{ case, pass, problems, result }]. */
export async function runSuite(cases, runtime, { onResult } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-root-`));
  const out = [];
  try {
    for (const c of cases) {
      const r = await runCase(c, runtime, root);
      const entry = { case: c, ...r };
      out.push(entry);
      onResult?.(entry);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return out;
}
