// Lifecycle hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle").
// Each hook gets the container's state JSON on stdin. Runtime-namespace hooks
// (prestart, createRuntime, poststart, poststop) run from here; container-
// namespace hooks (createContainer, startContainer) run as a process that
// joins the init's namespaces, like exec.
import * as fs from 'node:fs';
import { spawnSync } from '../util/spawn-sync';
import type { Hook, Hooks, State } from '../config/types';
import { addon, SYNC } from '../addon';
import { planProcess } from '../plan/build';
import { joinPlan } from './join';
import { spawnContainer, childError } from './spawn';
import { RuntimeError } from '../util/errors';
import { tracer } from '../util/debug';

const trace = tracer('hooks');

export type HookPhase = keyof Hooks;

/**
 * A hook's environment: its `env`, or without one the runtime's own (as runc
 * and crun: a hook from an engine's hooks.d often has no `env` and needs PATH),
 * less the variable bin/ocirun sets for bun itself.
 */
function envObject(env: string[] | undefined): NodeJS.ProcessEnv {
  if (!env) {
    const { BUN_JSC_useJIT: jit, ...own } = process.env;
    return jit === undefined || jit === '0' ? own : { ...own, BUN_JSC_useJIT: jit };
  }
  const out: NodeJS.ProcessEnv = {};
  for (const e of env) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

function hookError(phase: HookPhase, i: number, h: Hook, why: string): RuntimeError {
  return new RuntimeError(`${phase} hook #${i} (${h.path}): ${why}`);
}

/**
 * Runs hooks in the runtime's namespaces. The first failure throws; with
 * `warn` (phases whose failures are only warnings) each failure goes there
 * and the remaining hooks still run.
 */
export function runHostHooks(phase: HookPhase, hooks: Hook[] | undefined, state: State, warn?: (msg: string) => void): void {
  const input = JSON.stringify(state);
  (hooks ?? []).forEach((h, i) => {
    if (warn) {
      try {
        runHostHook(phase, h, i, input, state.bundle);
      } catch (e) {
        warn((e as Error).message);
      }
    } else {
      runHostHook(phase, h, i, input, state.bundle);
    }
  });
}

function runHostHook(phase: HookPhase, h: Hook, i: number, input: string, cwd: string): void {
  trace('%s #%d %s', phase, i, h.path);
  const args = h.args ?? [h.path];
  const r = spawnSync(h.path, args.slice(1), {
    argv0: args[0], env: envObject(h.env), input, encoding: 'utf8', cwd,
    timeout: h.timeout ? h.timeout * 1000 : undefined, killSignal: 'SIGKILL', stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = `${(r.stderr || r.stdout || '').trim().split('\n').pop() ?? ''}`.slice(0, 200);
  // A hook need not read its stdin: EPIPE on writing the state is fine.
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw hookError(phase, i, h, code === 'ETIMEDOUT' ? `timed out after ${h.timeout}s` : r.error.message);
  }
  if (r.signal) throw hookError(phase, i, h, `killed by ${r.signal}${out ? `: ${out}` : ''}`);
  if (r.status !== 0) throw hookError(phase, i, h, `exit status ${r.status}${out ? `: ${out}` : ''}`);
}

/** Runs hooks in the namespaces of the container's init (pid). */
export function runContainerHooks(phase: HookPhase, hooks: Hook[] | undefined, state: State, initPid: number, chroot = false): void {
  if (!hooks?.length) return;
  const a = addon();
  // The hook process is a grandchild (forked into the pid namespace): as
  // subreaper we get to wait for it.
  a.setSubreaper();
  hooks.forEach((h, i) => {
    trace('%s #%d %s (in the container)', phase, i, h.path);
    const fds: number[] = [];
    const [ours, theirs] = a.socketPair();
    fds.push(ours, theirs);
    try {
      const proc = planProcess({
        args: h.args ?? [h.path], env: h.env ?? [], cwd: '/', user: { uid: 0, gid: 0 },
      }, 63, () => {}, 'hook', null);
      // Hooks run with the runtime's privileges (and umask), not the container process'.
      const plan = joinPlan(initPid, { ...proc, setCaps: false, umask: -1, cpuAffinityReset: false }, { stdinFd: theirs, exePath: h.path, chroot }, fds);
      const { pid, syncFd } = spawnContainer(plan, {});
      fds.push(syncFd);
      const m = a.syncRecv(syncFd, 60_000);
      if (m && m.type === SYNC.ERROR) throw hookError(phase, i, h, childError(m).message);
      fs.writeSync(ours, JSON.stringify(state));
      fs.closeSync(ours);
      fds.splice(fds.indexOf(ours), 1);
      const deadline = h.timeout ? Date.now() + h.timeout * 1000 : Infinity;
      let status = -1;
      while ((status = a.waitPidSync(pid, true)) < 0) {
        if (Date.now() > deadline) {
          process.kill(pid, 'SIGKILL');
          a.waitPidSync(pid);
          throw hookError(phase, i, h, `timed out after ${h.timeout}s`);
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
      }
      if (status !== 0) throw hookError(phase, i, h, status > 128 ? `killed by signal ${status - 128}` : `exit status ${status}`);
    } finally {
      fds.forEach((fd) => {
        try {
          fs.closeSync(fd);
        } catch { /* closed */ }
      });
    }
  });
}
