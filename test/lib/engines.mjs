// Helpers for test/engines/*.test.mjs: set up a real engine (podman, or a
// containerd of our own) that uses bin/ocirun as its runtime, run engine
// commands, look at what is left on the host afterwards.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, PREFIX } from './harness.mjs';

export const SETUP = path.join(REPO, 'test/engines/setup.sh');
export const TEARDOWN = path.join(REPO, 'test/engines/teardown.sh');

/**
 * Runs test/engines/setup.sh ENGINE DIR in a fresh temp dir and returns
 * { dir, vars } (the KEY=VALUE lines it printed). The caller tears down.
 */
export function setupEngine(engine, extraEnv = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-${({ podman: 'pm', containerd: 'ctd', docker: 'dk' })[engine] ?? engine}-`));
  const r = spawnSync('bash', [SETUP, engine, dir], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000,
    // setup.sh tears DIR down by itself once this process is gone (killed before its teardown).
    env: { ...process.env, OCIRUN_ENGINE_OWNER_PID: String(process.pid), ...extraEnv },
  });
  const vars = {};
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  return { dir, vars, status: r.status, stderr: r.stderr ?? '', error: r.error };
}

export function teardownEngine(dir, extraEnv = {}) {
  return spawnSync('bash', [TEARDOWN, dir], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000, env: { ...process.env, ...extraEnv },
  });
}

/**
 * Runs a command synchronously with stdin from /dev/null (unless `input` or
 * `stdio` is given): { status, signal, stdout, stderr }.
 */
export function run(cmd, args, { env, timeout = 120_000, input, stdio, cwd } = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8', env: env ?? process.env, timeout, cwd, killSignal: 'SIGKILL',
    ...(input !== undefined ? { input } : { stdio: stdio ?? ['ignore', 'pipe', 'pipe'] }),
  });
  return {
    status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '',
    error: r.error, text: `${r.stdout ?? ''}${r.stderr ?? ''}`,
  };
}

/** Like run(), without blocking: resolves to { status, signal, stdout, stderr }. */
export function runAsync(cmd, args, { env, timeout = 120_000 } = {}) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeout);
    p.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** A shell-quoted word. */
export function q(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `argv` on a pseudo-terminal (util-linux script), its size set first:
 * for engine commands with -t. Output has \r\n line ends.
 */
export function inPty(argv, { env, timeout = 120_000, cols = 91, rows = 27 } = {}) {
  const cmdline = `stty cols ${cols} rows ${rows}; exec ${argv.map(q).join(' ')}`;
  return run('script', ['-qec', cmdline, '/dev/null'], { env, timeout });
}

/** The "Cap*" lines of /proc/<pid>/status text as { CapEff: bigint, ... }. */
export function caps(statusText) {
  const out = {};
  for (const m of statusText.matchAll(/^(Cap\w+):\s*([0-9a-f]+)$/gm)) out[m[1]] = BigInt(`0x${m[2]}`);
  return out;
}

/** Every /sys/fs/cgroup dir (v1 hierarchies and the unified one) named `name`, up to depth 4. */
export function cgroupDirsNamed(names) {
  const want = new Set(names);
  const found = [];
  const walk = (d, depth) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(d, e.name);
      if (want.has(e.name)) found.push(p);
      if (depth < 4) walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

/** Host processes whose /proc/<pid>/cgroup matches `re`: [{ pid, comm, line }]. */
export function processesInCgroups(re) {
  const out = [];
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cg = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
      const line = cg.split('\n').find((l) => re.test(l));
      if (line) out.push({ pid: Number(p), comm: fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim(), line });
    } catch { /* gone */ }
  }
  return out;
}

/** Host processes whose command line matches `re` (not ourselves): [{ pid, cmdline }]. */
export function processesMatching(re) {
  const out = [];
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    if (Number(p) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (cmdline && re.test(cmdline)) out.push({ pid: Number(p), cmdline });
    } catch { /* gone */ }
  }
  return out;
}

/** Host processes in a pid namespace other than ours whose cgroup matches `re`. */
export function foreignPidnsProcesses(re) {
  const ours = fs.readlinkSync('/proc/self/ns/pid');
  return processesInCgroups(re).filter((p) => {
    try {
      return fs.readlinkSync(`/proc/${p.pid}/ns/pid`) !== ours;
    } catch {
      return false;
    }
  });
}

/** Mount points under `dir` in our mount namespace. */
export function mountsUnder(dir) {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m) => m && (m === dir || m.startsWith(`${dir}/`)));
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(pred, timeoutMs = 10_000, stepMs = 50) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() > end) return false;
    await sleep(stepMs);
  }
}

/** The state dir root ocirun uses when an engine passes no --root. */
export const OCIRUN_DEFAULT_ROOT = '/run/ocirun';
