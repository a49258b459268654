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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-bundle-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
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
